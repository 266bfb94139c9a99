/* test-cli.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * currents-cli as a user runs it: exit statuses (0 ok, 1 user error, 2 usage), CSV and
 * JSON it prints, numbers against closed forms, reproducible synthetic data.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <json-glib/json-glib.h>

#include "currents-cli-test.h"
#include "currents-engine.h"

/* The toggle switch with a1 = a2 = 3, whose nullclines and equilibria have closed forms
 * (the example itself is asymmetric, for its hysteresis loop); relative to data/examples. */
#define SYMMETRIC_TOGGLE "../../tests/data/toggle-symmetric.ode"

static CurrentsDataset *
parse_csv (const char *text)
{
  g_autoptr(GError) error = NULL;
  CurrentsDataset *ds = currents_dataset_parse (text, -1, "stdout", NULL, &error);

  g_assert_no_error (error);
  return ds;
}

static void
test_simulate_linear (void)
{
  /* x' = -a x, y' = x: x = e^{-a t}, y = (1 - e^{-a t})/a (x0 = 1, y0 = 0) */
  g_autofree char *model = currents_cli_test_write_temp ("lin.ode",
                                                         "par a=1\nx'=-a*x\ny'=x\ninit x=1\n");
  g_auto(CurrentsCliRun) r = { 0 };
  g_autoptr(CurrentsDataset) ds = NULL;
  const CurrentsTrajectory *tr;
  const double *t, *s;

  currents_cli_test_run (&r, "simulate", model, "--set", "a=2.385", "--t1", "3", "--dt", "0.25",
                         "--method", "rk8pd", "--rtol", "1e-12", "--atol", "1e-14", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (g_str_has_prefix (r.out, "# made by currents-cli"));
  ds = parse_csv (r.out);
  g_assert_cmpuint (currents_dataset_get_n_states (ds), ==, 2);
  tr = currents_dataset_get_trajectory (ds, 0);
  g_assert_cmpuint (currents_trajectory_get_n_samples (tr), ==, 13);
  t = currents_trajectory_get_times (tr);
  s = currents_trajectory_get_states (tr);
  for (gsize k = 0; k < 13; k++)
    {
      double e = exp (-2.385 * t[k]);
      g_assert_cmpfloat_with_epsilon (t[k], 0.25 * (double) k, 1e-14);
      g_assert_cmpfloat_with_epsilon (s[2 * k], e, 1e-10);
      g_assert_cmpfloat_with_epsilon (s[2 * k + 1], (1 - e) / 2.385, 1e-10);
    }
}

static void
test_simulate_backward_and_times (void)
{
  g_autofree char *model = currents_cli_test_write_temp ("decay.ode", "x'=-x\ninit x=1\n");
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) r2 = { 0 };
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(CurrentsDataset) ds2 = NULL;
  const double *s;

  /* negative values in both option forms */
  currents_cli_test_run (&r, "simulate", model, "--t0", "-1", "--t1=-3", "--dt", "1", "--method",
                         "rk8pd",
                         "--rtol=1e-12", "--atol", "1e-14", NULL);
  g_assert_cmpint (r.status, ==, 0);
  ds = parse_csv (r.out);
  /* read back sorted ascending: t = -3, -2, -1 with x = e^{2}, e^{1}, 1 */
  s = currents_trajectory_get_states (currents_dataset_get_trajectory (ds, 0));
  g_assert_cmpfloat_with_epsilon (s[0], exp (2.0), 1e-9);
  g_assert_cmpfloat_with_epsilon (s[1], exp (1.0), 1e-9);
  g_assert_cmpfloat (s[2], ==, 1.0);

  currents_cli_test_run (&r2, "simulate", model, "--times", "0.5,1.5,4", "--init", "x=2", NULL);
  g_assert_cmpint (r2.status, ==, 0);
  ds2 = parse_csv (r2.out);
  g_assert_cmpuint (currents_dataset_get_n_samples (ds2), ==, 3);
  /* the file's own method (RK4, dt = 0.05) is honoured: error ~ dt⁴ */
  s = currents_trajectory_get_states (currents_dataset_get_trajectory (ds2, 0));
  g_assert_cmpfloat_with_epsilon (s[2], 2 * exp (-4.0), 1e-7);
}

static void
test_synthetic (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle.ode");
  g_auto(CurrentsCliRun) a = { 0 };
  g_auto(CurrentsCliRun) b = { 0 };
  g_auto(CurrentsCliRun) c = { 0 };
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(GError) error = NULL;
  const char *inputs[] = { "iptg", NULL };
  CurrentsCsvOptions opts = { .input_columns = inputs, .constant_inputs = TRUE };

  currents_cli_test_run (&a, "simulate", model, "--trajectories", "3", "--init-box", "u=0:3,v=0:3",
                         "--samples", "11", "--irregular", "--noise", "0.01", "--levels",
                         "iptg=0,0.5,2", "--seed", "42", "--t1", "10", NULL);
  currents_cli_test_run (&b, "simulate", model, "--trajectories", "3", "--init-box", "u=0:3,v=0:3",
                         "--samples", "11", "--irregular", "--noise", "0.01", "--levels",
                         "iptg=0,0.5,2", "--seed", "42", "--t1", "10", NULL);
  currents_cli_test_run (&c, "simulate", model, "--trajectories", "3", "--init-box", "u=0:3,v=0:3",
                         "--samples", "11", "--irregular", "--noise", "0.01", "--levels",
                         "iptg=0,0.5,2", "--seed", "43", "--t1", "10", NULL);
  g_assert_cmpint (a.status, ==, 0);
  g_assert_cmpstr (a.out, ==, b.out);               /* same seed, same data */
  g_assert_cmpstr (a.out, !=, c.out);
  ds = currents_dataset_parse (a.out, -1, "synthetic.csv", &opts, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 9);
  g_assert_cmpuint (currents_dataset_get_n_samples (ds), ==, 99);
  g_assert_cmpuint (currents_dataset_get_n_inputs (ds), ==, 1);
  for (gsize i = 0; i < 9; i++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, i);
      const double *t = currents_trajectory_get_times (tr);
      const double *s = currents_trajectory_get_states (tr);
      double level = (const double[]) { 0, 0.5, 2 }[i / 3];

      g_assert_cmpfloat (t[0], ==, 0.0);
      for (gsize k = 1; k < 11; k++)
        {
          g_assert_cmpfloat (t[k], >, t[k - 1]);
          g_assert_cmpfloat (t[k], <=, 10.0);
        }
      /* initial states in the box, up to the noise */
      g_assert_cmpfloat (s[0], >, -0.1);
      g_assert_cmpfloat (s[0], <, 3.1);
      g_assert_cmpfloat (currents_trajectory_get_inputs (tr)[0], ==, level);
    }
}

static void
test_info_and_check (void)
{
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *model = currents_cli_test_example ("pendulum.ode");
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) j = { 0 };
  g_auto(CurrentsCliRun) c = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  currents_cli_test_run (&r, "info", data, "--input", "iptg", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "24"));
  currents_cli_test_run (&j, "info", data, "--input", "iptg", "--json", NULL);
  g_assert_cmpint (j.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, j.out, -1, &error));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "trajectories"), ==, 24);
  g_assert_cmpint (json_object_get_int_member (root, "samples"), ==, 984);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (root, "columns")), ==, 3);

  currents_cli_test_run (&c, "check", model, "--json", NULL);
  g_assert_cmpint (c.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, c.out, -1, &error));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (root, "states")), ==, 2);
  g_assert_cmpfloat (json_object_get_double_member (
                       json_object_get_object_member (root, "parameters"), "g"), ==, 9.81);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (root, "aux")), ==, 1);
}

static void
test_exit_statuses (void)
{
  g_autofree char *bad = currents_cli_test_write_temp ("bad.ode", "x' = -x +\n");
  g_autofree char *ok = currents_cli_test_write_temp ("ok.ode", "x' = x*x\ninit x=1\n");
  g_autofree char *csv = currents_cli_test_write_temp ("bad.csv", "t,x\n0,1\n1,abc\n");
  struct { const char *args[8]; int status; const char *says; } cases[] = {
    { { "check", bad }, 1, "bad.ode:1:" },
    { { "info", csv }, 1, "bad.csv:3" },
    { { "nonsense" }, 2, "unknown command" },
    { { "simulate", ok, "--bogus" }, 2, "bogus" },
    { { "simulate", ok, "--set", "q=1" }, 1, "no parameter or input named 'q'" },
    { { "simulate", ok, "--init", "x=abc" }, 1, "expected a number" },
    { { "simulate", ok, "--dt", "0.1", "--times", "1,2" }, 2, "not several" },
    { { "simulate", ok, "--method", "magic" }, 2, "unknown method" },
    /* x' = x², x(0) = 1 blows up at t = 1: a clear error, no hang */
    { { "simulate", ok, "--t1", "2", "--method", "rk8pd" }, 1, "t = " },
    { { "simulate", "/nonexistent.ode" }, 1, "nonexistent" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CurrentsCliRun) r = { 0 };
      const char **a = cases[i].args;

      currents_cli_test_run (&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
      if (r.status != cases[i].status || strstr (r.err, cases[i].says) == NULL)
        g_error ("case %" G_GSIZE_FORMAT " (%s): status %d, stderr '%s'", i, a[0], r.status,
                 r.err);
      g_assert_cmpstr (r.out, ==, "");
    }
}

/* ---- equilibria and knockout ------------------------------------------------------- */

static JsonObject *
parse_json_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static double
json_array_double (JsonArray *a,
                   guint      i)
{
  return json_node_get_double (json_array_get_element (a, i));
}

/* A trained model file with f(p, q) = A (p, q) + c exactly (a Neural ODE whose
 * activations are the identity), training ranges p ∈ [0.3, 2], q ∈ [−1, 1]. */
static char *
write_linear_trained (void)
{
  const char *states[] = { "p", "q", NULL };
  const double zero[] = { 0, 0 }, one[] = { 1, 1 };
  const double x_min[] = { 0.3, -1.0 }, x_max[] = { 2.0, 1.0 };
  double theta[12] = { 1, 0, 0, 1, 0, 0, -2.385, 0.5, 0.25, -1.5, 1.2, 0.7 };
  CurrentsNeuralSpec spec;
  CurrentsNeuralScaling sc = { zero, one, NULL, NULL, NULL, NULL, 1.0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  g_autofree char *dir = g_dir_make_tmp ("currents-cli-XXXXXX", NULL);
  char *path = g_build_filename (dir, "linear.json", NULL);
  CurrentsNeuralModel *nm;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 2;
  spec.activation = CURRENTS_ACTIVATION_IDENTITY;
  nm = currents_neural_model_new_full (states, NULL, &spec, &sc, &error);
  g_assert_no_error (error);
  tm = currents_trained_model_new_neural (nm, theta);
  currents_trained_model_set_ranges (tm, x_min, x_max, NULL, NULL);
  g_assert_true (currents_trained_model_save (tm, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_equilibria_pendulum (void)
{
  g_autofree char *model = currents_cli_test_example ("pendulum.ode");
  g_auto(CurrentsCliRun) r = { 0 };
  g_autoptr(JsonObject) o = NULL;
  JsonArray *eqs;
  const double b = 0.5, g = 9.81;

  currents_cli_test_run (&r, "equilibria", model, "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  o = parse_json_object (r.out);
  g_assert_true (json_object_get_boolean_member (o, "autonomous"));
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (o, "states"), 0),
                   ==, "theta");
  eqs = json_object_get_array_member (o, "equilibria");
  /* the window θ ∈ [−7, 7] padded holds kπ for k = −2 … 2 */
  g_assert_cmpuint (json_array_get_length (eqs), ==, 5);
  for (guint k = 0; k < 5; k++)
    {
      JsonObject *e = json_array_get_object_element (eqs, k);
      JsonArray *x = json_object_get_array_member (e, "state");
      JsonArray *ev = json_object_get_array_member (e, "eigenvalues");
      JsonArray *vecs = json_object_get_array_member (e, "eigenvectors");
      int kk = (int) k - 2;

      g_assert_cmpfloat_with_epsilon (json_array_double (x, 0), kk * G_PI, 1e-12);
      g_assert_cmpfloat (fabs (json_array_double (x, 1)), <=, 1e-12);
      g_assert_cmpfloat (json_object_get_double_member (e, "residual"), <=, 1e-12);
      g_assert_cmpstr (json_object_get_string_member (e, "type"), ==,
                       kk % 2 == 0 ? "stable focus" : "saddle");
      g_assert_cmpint (json_object_get_boolean_member (e, "stable"), ==, kk % 2 == 0);
      if (kk % 2 == 0)
        {
          JsonArray *l0 = json_array_get_array_element (ev, 0);
          g_assert_cmpfloat_with_epsilon (json_array_double (l0, 0), -b / 2, 1e-12);
          g_assert_cmpfloat_with_epsilon (json_array_double (l0, 1), sqrt (g - b * b / 4), 1e-12);
        }
      else
        g_assert_cmpint (json_object_get_int_member (e, "n_unstable"), ==, 1);
      g_assert_cmpuint (json_array_get_length (vecs), ==, 2);
      for (guint j = 0; j < 2; j++)
        {
          JsonArray *v = json_array_get_array_element (vecs, j);
          double nv = 0;

          for (guint i = 0; i < 2; i++)
            {
              JsonArray *c = json_array_get_array_element (v, i);
              nv += json_array_double (c, 0) * json_array_double (c, 0) +
                    json_array_double (c, 1) * json_array_double (c, 1);
            }
          g_assert_cmpfloat_with_epsilon (nv, 1.0, 1e-13);
        }
    }

  /* a readable table without --json; a box in both option forms, negative bounds */
  {
    g_auto(CurrentsCliRun) t = { 0 };
    g_auto(CurrentsCliRun) j = { 0 };
    g_autoptr(JsonObject) oj = NULL;

    currents_cli_test_run (&t, "equilibria", model, "--box", "theta=-1:4", "--box=omega=-2:2",
                           NULL);
    g_assert_cmpint (t.status, ==, 0);
    g_assert_nonnull (strstr (t.out, "saddle"));
    g_assert_nonnull (strstr (t.out, "stable focus"));
    g_assert_nonnull (strstr (t.out, "2 equilibria"));
    currents_cli_test_run (&j, "equilibria", model, "--box=theta=-4:-1,omega=-2:2", "--set", "b=0",
                           "--json", NULL);
    g_assert_cmpint (j.status, ==, 0);
    oj = parse_json_object (j.out);
    eqs = json_object_get_array_member (oj, "equilibria");
    g_assert_cmpuint (json_array_get_length (eqs), ==, 1);
    g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (eqs, 0),
                                                    "type"), ==, "saddle");
  }
}

static void
test_equilibria_trained_and_time (void)
{
  g_autofree char *tm = write_linear_trained ();
  g_autofree char *forced = currents_cli_test_write_temp ("forced.ode",
                                                          "x' = -x + sin(t)\ny' = -y\n");
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) f = { 0 };
  g_autoptr(JsonObject) o = NULL;
  g_autoptr(JsonObject) of = NULL;
  JsonArray *eqs, *x;
  double det = -2.385 * -1.5 - 0.5 * 0.25;

  currents_cli_test_run (&r, "equilibria", tm, "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  o = parse_json_object (r.out);
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "trained model");
  eqs = json_object_get_array_member (o, "equilibria");
  g_assert_cmpuint (json_array_get_length (eqs), ==, 1);
  x = json_object_get_array_member (json_array_get_object_element (eqs, 0), "state");
  g_assert_cmpfloat_with_epsilon (json_array_double (x, 0), -(-1.5 * 1.2 - 0.5 * 0.7) / det,
                                  1e-13);
  g_assert_cmpfloat_with_epsilon (json_array_double (x, 1), -(-0.25 * 1.2 + -2.385 * 0.7) / det,
                                  1e-13);

  /* t held fixed, and said so; a negative value in the separate-argument form */
  currents_cli_test_run (&f, "equilibria", forced, "--t", "-0.5", "--box", "x=-2:2,y=-1:1",
                         "--json", NULL);
  g_assert_cmpint (f.status, ==, 0);
  of = parse_json_object (f.out);
  g_assert_false (json_object_get_boolean_member (of, "autonomous"));
  g_assert_cmpfloat (json_object_get_double_member (of, "t_fixed"), ==, -0.5);
  x = json_object_get_array_member (
        json_array_get_object_element (json_object_get_array_member (of, "equilibria"), 0),
        "state");
  g_assert_cmpfloat_with_epsilon (json_array_double (x, 0), sin (-0.5), 1e-14);
}

static void
test_knockout_cascade (void)
{
  /* x' = a − x, y' = b x³/(K³ + x³) − y, z' = c/(1 + y²) − z: KO x → (0, 0, c) … */
  g_autofree char *model = currents_cli_test_write_temp ("cascade.ode",
                                                         "par a=2.385, b=3, K=1.5, c=2\n"
                                                         "x' = a - x\n"
                                                         "y' = b*x^3/(K^3 + x^3) - y\n"
                                                         "z' = c/(1 + y^2) - z\n"
                                                         "init x=0.5, y=0.5, z=0.5\n");
  const double a = 2.385, b = 3, K = 1.5, c = 2;
  double ys = b * a * a * a / (K * K * K + a * a * a), zs = c / (1 + ys * ys);
  const double ref[] = { a, ys, zs };
  const double want[3][3] = { { 0, 0, c }, { a, 0, c }, { a, ys, 0 } };
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) t = { 0 };
  g_autoptr(JsonObject) o = NULL;
  JsonArray *kos, *rs;
  double last = INFINITY;

  currents_cli_test_run (&r, "knockout", model, "--all", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  o = parse_json_object (r.out);
  rs = json_object_get_array_member (json_object_get_object_member (o, "reference"), "state");
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (json_array_double (rs, i), ref[i], 1e-12);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (o, "reference"),
                                                 "stable"));
  kos = json_object_get_array_member (o, "knockouts");
  g_assert_cmpuint (json_array_get_length (kos), ==, 3);
  for (guint k = 0; k < 3; k++)
    {
      JsonObject *ko = json_array_get_object_element (kos, k);
      const char *gene = json_object_get_string_member (ko, "gene");
      int g = gene[0] - 'x';
      JsonArray *s = json_object_get_array_member (ko, "state");
      double shift = json_object_get_double_member (ko, "shift"), d = 0;

      g_assert_true (g >= 0 && g < 3);
      for (guint i = 0; i < 3; i++)
        {
          g_assert_cmpfloat_with_epsilon (json_array_double (s, i), want[g][i], 1e-12);
          d += (want[g][i] - ref[i]) * (want[g][i] - ref[i]);
        }
      g_assert_cmpfloat (json_array_double (s, g), ==, 0.0);
      g_assert_cmpfloat_with_epsilon (shift, sqrt (d), 1e-12);
      g_assert_cmpfloat (shift, <=, last);
      last = shift;
      g_assert_true (json_object_get_boolean_member (ko, "stable"));
      g_assert_false (json_object_get_boolean_member (ko, "extrapolated"));
    }

  currents_cli_test_run (&t, "knockout", model, "--gene", "z", "--from", "x=-1,y=3", NULL);
  g_assert_cmpint (t.status, ==, 0);
  g_assert_nonnull (strstr (t.out, "rank"));
  g_assert_nonnull (strstr (t.out, "z=0"));
}

static void
test_knockout_trained (void)
{
  g_autofree char *tm = write_linear_trained ();
  g_auto(CurrentsCliRun) r = { 0 };
  g_autoptr(JsonObject) o = NULL;
  JsonArray *kos;

  currents_cli_test_run (&r, "knockout", tm, "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  o = parse_json_object (r.out);
  kos = json_object_get_array_member (o, "knockouts");
  g_assert_cmpuint (json_array_get_length (kos), ==, 2);
  for (guint k = 0; k < 2; k++)
    {
      JsonObject *ko = json_array_get_object_element (kos, k);
      const char *gene = json_object_get_string_member (ko, "gene");
      JsonArray *s = json_object_get_array_member (ko, "state");

      /* 0 lies outside p's training range [0.3, 2], inside q's [−1, 1] */
      g_assert_cmpint (json_object_get_boolean_member (ko, "extrapolated"), ==,
                       strcmp (gene, "p") == 0);
      if (strcmp (gene, "p") == 0)
        g_assert_cmpfloat_with_epsilon (json_array_double (s, 1), 0.7 / 1.5, 1e-13);
      else
        g_assert_cmpfloat_with_epsilon (json_array_double (s, 0), 1.2 / 2.385, 1e-13);
    }
}

static void
test_equilibria_knockout_errors (void)
{
  g_autofree char *pend = currents_cli_test_example ("pendulum.ode");
  g_autofree char *toggle = currents_cli_test_example ("toggle.ode");
  struct { const char *args[8]; int status; const char *says; } cases[] = {
    { { "equilibria", pend, "--set", "nope=1" }, 1, "no parameter or input named 'nope'" },
    { { "equilibria", pend, "--box", "theta=2:-2" }, 1, "theta" },
    { { "equilibria", pend, "--box", "theta=1:1" }, 1, "zero width" },
    { { "equilibria", pend, "--box", "phi=0:1" }, 1, "no state variable named 'phi'" },
    { { "equilibria", pend, "--box", "theta=nan:1" }, 1, "finite" },
    { { "equilibria", pend, "--seeds", "-4" }, 2, "--seeds" },
    { { "equilibria", pend, "--bogus" }, 2, "bogus" },
    { { "equilibria" }, 2, "one model" },
    { { "equilibria", "/nonexistent.ode" }, 1, "nonexistent" },
    { { "knockout", toggle, "--gene", "w" }, 1, "no state variable named 'w'" },
    { { "knockout", toggle, "--gene", "u", "--all" }, 2, "not both" },
    { { "knockout", toggle, "--from", "w=1" }, 1, "no state variable named 'w'" },
    { { "knockout", toggle, "--set", "zz=1" }, 1, "no parameter or input named 'zz'" },
    { { "knockout" }, 2, "one model" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CurrentsCliRun) r = { 0 };
      const char **a = cases[i].args;

      currents_cli_test_run (&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
      if (r.status != cases[i].status || strstr (r.err, cases[i].says) == NULL)
        g_error ("case %" G_GSIZE_FORMAT " (%s %s): status %d, stderr '%s'", i, a[0], a[2],
                 r.status, r.err);
      g_assert_cmpstr (r.out, ==, "");
    }
}

/* ---- nullclines, trajectory, basins ------------------------------------------------ */

static JsonObject *
phase_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static double
phase_num (JsonArray *a,
           guint      i)
{
  return json_node_get_double (json_array_get_element (a, i));
}

/* Van der Pol as a trained model file (an equation model with fitted parameters). */
static char *
write_vanderpol_trained (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *src = currents_cli_test_example ("vanderpol.ode");
  g_autofree char *dir = g_dir_make_tmp ("currents-cli-XXXXXX", NULL);
  char *path = g_build_filename (dir, "vdp.json", NULL);
  CurrentsModel *m = currents_model_new_from_file (src, &error);
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  double p[1] = { 1.0 };

  g_assert_no_error (error);
  tm = currents_trained_model_new_ode (m, p);
  g_assert_true (currents_trained_model_save (tm, path, &error));
  g_assert_no_error (error);
  return path;
}

static void
test_phase_nullclines (void)
{
  g_autofree char *toggle = currents_cli_test_example (SYMMETRIC_TOGGLE);
  g_autofree char *vdp = write_vanderpol_trained ();
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) t = { 0 };
  g_auto(CurrentsCliRun) h = { 0 };
  g_autoptr(JsonObject) o = NULL;
  g_autoptr(JsonObject) ot = NULL;
  JsonArray *ncs;

  /* u' = 3/(1 + v²) − u, v' = 3/(1 + u²) − v */
  currents_cli_test_run (&r, "nullclines", toggle, "--grid", "24", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  o = phase_json (r.out);
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (o, "axes"), 0),
                   ==, "u");
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "warnings")), ==, 0);
  ncs = json_object_get_array_member (o, "nullclines");
  g_assert_cmpuint (json_array_get_length (ncs), ==, 2);
  for (guint k = 0; k < 2; k++)
    {
      JsonObject *nc = json_array_get_object_element (ncs, k);
      JsonArray *curves = json_object_get_array_member (nc, "curves");
      JsonArray *pts;

      g_assert_cmpstr (json_object_get_string_member (nc, "variable"), ==, k == 0 ? "u" : "v");
      g_assert_cmpuint (json_array_get_length (curves), ==, 1);
      pts = json_array_get_array_element (curves, 0);
      g_assert_cmpuint (json_array_get_length (pts), >, 50);
      for (guint i = 0; i < json_array_get_length (pts); i++)
        {
          JsonArray *q = json_array_get_array_element (pts, i);
          double u = phase_num (q, 0), v = phase_num (q, 1);

          if (k == 0)
            g_assert_cmpfloat (fabs (u - 3 / (1 + v * v)), <, 1e-10);
          else
            g_assert_cmpfloat (fabs (v - 3 / (1 + u * u)), <, 1e-10);
        }
    }

  /* a trained model; a negative range in the --opt=VALUE form */
  currents_cli_test_run (&t, "nullclines", vdp, "--view=x=-2.5:2,y=-3:3.5", "--json", NULL);
  g_assert_cmpint (t.status, ==, 0);
  ot = phase_json (t.out);
  g_assert_cmpstr (json_object_get_string_member (ot, "kind"), ==, "trained model");
  {
    JsonObject *nx = json_array_get_object_element (json_object_get_array_member (ot,
                                                                                  "nullclines"), 0);
    JsonArray *curves = json_object_get_array_member (nx, "curves");
    JsonArray *pts = json_array_get_array_element (curves, 0);
    JsonArray *first = json_array_get_array_element (pts, 0);

    /* x' = y: the line y = 0 across the view */
    g_assert_cmpuint (json_array_get_length (curves), ==, 1);
    g_assert_cmpfloat (fabs (phase_num (first, 1)), <, 1e-12);
    g_assert_cmpfloat (fabs (phase_num (first, 0) + 2.5) * fabs (phase_num (first, 0) - 2), <,
                       1e-12);
  }

  currents_cli_test_run (&h, "nullclines", toggle, NULL);
  g_assert_cmpint (h.status, ==, 0);
  g_assert_nonnull (strstr (h.out, "u' = 0: 1 curve"));
}

static double
pend_energy (JsonArray *q)
{
  double th = phase_num (q, 0), om = phase_num (q, 1);
  return 0.5 * om * om + 9.81 * (1 - cos (th));
}

static void
test_phase_trajectory (void)
{
  g_autofree char *pend = currents_cli_test_example ("pendulum.ode");
  g_autofree char *vdp = currents_cli_test_example ("vanderpol.ode");
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) e = { 0 };
  g_auto(CurrentsCliRun) c = { 0 };
  g_auto(CurrentsCliRun) h = { 0 };
  g_autoptr(JsonObject) o = NULL;
  g_autoptr(JsonObject) oe = NULL;
  g_autoptr(JsonObject) oc = NULL;
  JsonArray *trs;

  /* the undamped pendulum conserves its energy, forward and backward */
  currents_cli_test_run (&r, "trajectory", pend, "--set", "b=0", "--from", "theta=1.5,omega=0",
                         "--both",
                         "--t1", "5", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  o = phase_json (r.out);
  trs = json_object_get_array_member (o, "trajectories");
  g_assert_cmpuint (json_array_get_length (trs), ==, 2);
  for (guint k = 0; k < 2; k++)
    {
      JsonObject *tr = json_array_get_object_element (trs, k);
      JsonArray *ts = json_object_get_array_member (tr, "t");
      JsonArray *pts = json_object_get_array_member (tr, "points");
      guint n = json_array_get_length (pts);

      g_assert_cmpstr (json_object_get_string_member (tr, "direction"), ==,
                       k == 0 ? "forward" : "backward");
      g_assert_cmpstr (json_object_get_string_member (tr, "stopped"), ==, "time");
      g_assert_cmpfloat (phase_num (ts, n - 1), ==, k == 0 ? 5.0 : -5.0);
      for (guint i = 0; i < n; i++)
        g_assert_cmpfloat (fabs (pend_energy (json_array_get_array_element (pts, i)) -
                                 9.81 * (1 - cos (1.5))), <, 1e-7);
    }

  /* over the top: it leaves the view */
  currents_cli_test_run (&e, "trajectory", pend, "--from", "theta=6.5,omega=6", "--json", NULL);
  g_assert_cmpint (e.status, ==, 0);
  oe = phase_json (e.out);
  g_assert_cmpstr (json_object_get_string_member (
                     json_array_get_object_element (json_object_get_array_member (oe,
                                                                                  "trajectories"),
                                                    0), "stopped"), ==, "edge");

  /* Van der Pol's limit cycle from the end point */
  currents_cli_test_run (&c, "trajectory", vdp, "--from", "x=0.1,y=0", "--limit-cycle", "--json",
                         NULL);
  g_assert_cmpint (c.status, ==, 0);
  oc = phase_json (c.out);
  {
    JsonObject *lc = json_object_get_object_member (oc, "limit_cycle");
    JsonArray *mu = json_object_get_array_member (lc, "multipliers");

    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (lc, "period"), 6.6632868593,
                                    1e-8);
    g_assert_cmpfloat_with_epsilon (phase_num (json_array_get_array_element (mu, 0), 0), 1.0,
                                    1e-7);
    g_assert_cmpfloat (phase_num (json_array_get_array_element (mu, 1), 0), >, 0.0);
    g_assert_cmpfloat (phase_num (json_array_get_array_element (mu, 1), 0), <, 1.0);
    g_assert_true (json_object_get_boolean_member (lc, "stable"));
  }

  currents_cli_test_run (&h, "trajectory", pend, "--from", "theta=2,omega=0", "--limit-cycle",
                         NULL);
  g_assert_cmpint (h.status, ==, 0);
  g_assert_nonnull (strstr (h.out, "stopped:"));
  g_assert_nonnull (strstr (h.out, "No stable limit cycle"));
}

static char *
labels_text (JsonObject *o)
{
  g_autoptr(JsonGenerator) gen = json_generator_new ();
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_ARRAY);

  json_node_set_array (node, json_object_get_array_member (o, "labels"));
  json_generator_set_root (gen, node);
  return json_generator_to_data (gen, NULL);
}

static void
test_phase_basins (void)
{
  g_autofree char *toggle = currents_cli_test_example (SYMMETRIC_TOGGLE);
  g_autofree char *vdp = currents_cli_test_example ("vanderpol.ode");
  g_auto(CurrentsCliRun) r1 = { 0 };
  g_auto(CurrentsCliRun) r3 = { 0 };
  g_auto(CurrentsCliRun) v = { 0 };
  g_auto(CurrentsCliRun) h = { 0 };
  g_autoptr(JsonObject) o1 = NULL;
  g_autoptr(JsonObject) o3 = NULL;
  g_autoptr(JsonObject) ov = NULL;
  g_autofree char *l1 = NULL, *l3 = NULL;
  JsonArray *atts, *labels, *grid;
  int high_u = -1;

  currents_cli_test_run (&r1, "basins", toggle, "--grid", "10x8", "--threads", "1", "--json", NULL);
  g_assert_cmpint (r1.status, ==, 0);
  o1 = phase_json (r1.out);
  grid = json_object_get_array_member (o1, "grid");
  g_assert_cmpint (json_array_get_int_element (grid, 0), ==, 10);
  g_assert_cmpint (json_array_get_int_element (grid, 1), ==, 8);
  atts = json_object_get_array_member (o1, "attractors");
  g_assert_cmpuint (json_array_get_length (atts), ==, 2);
  for (guint a = 0; a < 2; a++)
    {
      JsonObject *at = json_array_get_object_element (atts, a);
      JsonArray *s = json_object_get_array_member (at, "state");

      g_assert_cmpstr (json_object_get_string_member (at, "kind"), ==, "equilibrium");
      if (phase_num (s, 0) > phase_num (s, 1))
        high_u = (int) a;
    }
  g_assert_cmpint (high_u, >=, 0);
  labels = json_object_get_array_member (o1, "labels");
  g_assert_cmpuint (json_array_get_length (labels), ==, 8);
  for (guint j = 0; j < 8; j++)
    {
      JsonArray *row = json_array_get_array_element (labels, j);
      double vv = 3.5 * (j + 0.5) / 8;

      g_assert_cmpuint (json_array_get_length (row), ==, 10);
      for (guint i = 0; i < 10; i++)
        {
          double u = 3.5 * (i + 0.5) / 10;
          int l = (int) json_array_get_int_element (row, i);

          if (fabs (u - vv) > 0.05)
            g_assert_cmpint (l, ==, u > vv ? high_u : 1 - high_u);
        }
    }
  currents_cli_test_run (&r3, "basins", toggle, "--grid=10x8", "--threads", "3", "--json", NULL);
  g_assert_cmpint (r3.status, ==, 0);
  o3 = phase_json (r3.out);
  l1 = labels_text (o1);
  l3 = labels_text (o3);
  g_assert_cmpstr (l1, ==, l3);

  currents_cli_test_run (&v, "basins", vdp, "--grid", "4", "--json", NULL);
  g_assert_cmpint (v.status, ==, 0);
  ov = phase_json (v.out);
  {
    JsonObject *at = json_array_get_object_element (json_object_get_array_member (ov,
                                                                                  "attractors"),
                                                    0);
    g_assert_cmpstr (json_object_get_string_member (at, "kind"), ==, "limit cycle");
    g_assert_cmpfloat_with_epsilon (json_object_get_double_member (
                                      json_object_get_object_member (at, "orbit"), "period"),
                                    6.6632868593, 1e-8);
  }

  currents_cli_test_run (&h, "basins", toggle, "--grid", "6", NULL);
  g_assert_cmpint (h.status, ==, 0);
  g_assert_nonnull (strstr (h.out, "equilibrium at (u, v)"));
}

static void
test_phase_errors (void)
{
  g_autofree char *toggle = currents_cli_test_example ("toggle.ode");
  g_autofree char *forced = currents_cli_test_write_temp ("forced.ode",
                                                          "x' = -x + sin(t)\ny' = -y\n");
  const struct
  {
    int         status;
    const char *args[8];
  } cases[] = {
    { 2, { "nullclines", NULL } },
    { 2, { "nullclines", toggle, "--grid", "0", NULL } },
    { 2, { "nullclines", toggle, "--bogus", NULL } },
    { 1, { "nullclines", toggle, "--x", "a1", NULL } },
    { 1, { "nullclines", toggle, "--view", "u=1:1,v=0:2", NULL } },
    { 1, { "nullclines", toggle, "--view", "u=0:1,iptg=0:2", NULL } },
    { 1, { "nullclines", toggle, "--fix", "u=1", NULL } },
    { 1, { "nullclines", "/nonexistent/model.ode", NULL } },
    { 2, { "trajectory", toggle, "--forward", "--backward", NULL } },
    { 1, { "trajectory", toggle, "--from", "w=1", "--json", NULL } },
    { 2, { "trajectory", toggle, "--t1", "-3", NULL } },
    { 1, { "basins", forced, "--json", NULL } },
    { 2, { "basins", toggle, "--grid", "4x", NULL } },
    { 1, { "basins", toggle, "--set", "nope=1", NULL } },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CurrentsCliRun) r = { 0 };
      const char *const *a = cases[i].args;

      currents_cli_test_run (&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
      if (r.status != cases[i].status)
        g_error ("case %" G_GSIZE_FORMAT " (%s): status %d, stderr '%s'", i, a[0], r.status,
                 r.err);
      g_assert_cmpstr (r.out, ==, "");
      g_assert_true (g_str_has_prefix (r.err, "currents-cli: "));
    }
}

/* ---- continue, continue2 ----------------------------------------------------------- */

static JsonObject *
continue_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The Brusselator's Hopf point at b = 1 + a² = 2 with ω = a = 1, supercritical. */
static void
test_continue_brusselator (void)
{
  g_autofree char *model = currents_cli_test_example ("brusselator.ode");
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) t = { 0 };
  g_autoptr(JsonObject) o = NULL;
  JsonArray *hopf, *branches, *points;
  JsonObject *h;
  gboolean saw_stable = FALSE, saw_unstable = FALSE;

  currents_cli_test_run (&r, "continue", model, "--param", "b", "--range", "0:4", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  o = continue_json (r.out);
  hopf = json_object_get_array_member (o, "hopf");
  g_assert_cmpuint (json_array_get_length (hopf), ==, 1);
  h = json_array_get_object_element (hopf, 0);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (h, "param"), 2.0, 1e-8);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (h, "frequency"), 1.0, 1e-8);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (h, "lyapunov"), -0.5, 1e-6);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (h, "state")), ==, 2);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "folds")), ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "branch_points")),
                    ==, 0);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "periodic_orbits")),
                    ==, 0);
  branches = json_object_get_array_member (o, "branches");
  g_assert_cmpuint (json_array_get_length (branches), ==, 1);
  points = json_object_get_array_member (json_array_get_object_element (branches, 0), "points");
  for (guint k = 0; k < json_array_get_length (points); k++)
    {
      JsonObject *pt = json_array_get_object_element (points, k);
      double b = json_object_get_double_member (pt, "param");
      JsonArray *x = json_object_get_array_member (pt, "state");
      gboolean stable = json_object_get_boolean_member (pt, "stable");

      g_assert_cmpfloat (b, >=, 0.0);
      g_assert_cmpfloat (b, <=, 4.0);
      g_assert_cmpfloat_with_epsilon (json_node_get_double (json_array_get_element (x, 0)), 1.0,
                                      1e-10);
      g_assert_cmpfloat_with_epsilon (json_node_get_double (json_array_get_element (x, 1)), b,
                                      1e-10);
      if (fabs (b - 2.0) > 1e-6)
        g_assert_cmpint (stable, ==, b < 2.0);
      saw_stable |= stable;
      saw_unstable |= !stable;
    }
  g_assert_true (saw_stable && saw_unstable);

  /* readable without --json */
  currents_cli_test_run (&t, "continue", model, "--param", "b", "--range", "0:4", NULL);
  g_assert_cmpint (t.status, ==, 0);
  g_assert_nonnull (strstr (t.out, "Hopf points"));
  g_assert_nonnull (strstr (t.out, "supercritical"));
}

/* --periodic: the family of stable cycles born at the supercritical Hopf point */
static void
test_continue_periodic (void)
{
  g_autofree char *model = currents_cli_test_example ("brusselator.ode");
  g_auto(CurrentsCliRun) r = { 0 };
  g_autoptr(JsonObject) o = NULL;
  JsonArray *orbits;

  currents_cli_test_run (&r, "continue", model, "--param", "b", "--range", "0:3", "--periodic",
                         "--json",
                         NULL);
  g_assert_cmpint (r.status, ==, 0);
  o = continue_json (r.out);
  orbits = json_object_get_array_member (o, "periodic_orbits");
  g_assert_cmpuint (json_array_get_length (orbits), >, 2);
  for (guint k = 0; k < json_array_get_length (orbits); k++)
    {
      JsonObject *orb = json_array_get_object_element (orbits, k);
      double b = json_object_get_double_member (orb, "param");

      g_assert_cmpfloat (b, >=, 2.0 - 1e-6);
      g_assert_cmpfloat (b, <=, 3.0 + 1e-9);
      g_assert_cmpfloat (json_object_get_double_member (orb, "period"), >, 2 * G_PI * 0.9);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (orb, "max")), ==,
                        2);
      g_assert_true (json_object_get_boolean_member (orb, "stable"));
    }
}

/* The toggle switch's tipping points in its inducer on a log scale: reported in IPTG's
 * own units; two-parameter cusp; negative ranges in both option forms. */
static void
test_continue_log_and_two (void)
{
  g_autofree char *toggle = currents_cli_test_example ("toggle.ode");
  g_autofree char *cusp = currents_cli_test_write_temp ("cusp.ode",
                                                        "par h=0.1, r=1\nx' = h + r*x - x^3\n");
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) c = { 0 };
  g_auto(CurrentsCliRun) n = { 0 };
  g_autoptr(JsonObject) o = NULL;
  g_autoptr(JsonObject) oc = NULL;
  g_autoptr(JsonObject) on = NULL;
  JsonArray *folds, *cusps;
  JsonObject *f, *cp;
  double h0 = 2.0 / (3.0 * sqrt (3.0));

  currents_cli_test_run (&r, "continue", toggle, "--param", "iptg", "--range", "0.01:100", "--log",
                         "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  o = continue_json (r.out);
  g_assert_true (json_object_get_boolean_member (json_object_get_object_member (o, "parameter"),
                                                 "log"));
  /* two tipping points: the hysteresis loop between 0.641 and 0.923 */
  folds = json_object_get_array_member (o, "folds");
  g_assert_cmpuint (json_array_get_length (folds), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      f = json_array_get_object_element (folds, i);
      g_assert_cmpfloat (json_object_get_double_member (f, "param"), >, 0.6);
      g_assert_cmpfloat (json_object_get_double_member (f, "param"), <, 0.95);
    }

  currents_cli_test_run (&n, "continue", cusp, "--param", "h", "--range", "-1:1", "--json", NULL);
  g_assert_cmpint (n.status, ==, 0);
  on = continue_json (n.out);
  folds = json_object_get_array_member (on, "folds");
  g_assert_cmpuint (json_array_get_length (folds), ==, 2);
  for (guint i = 0; i < 2; i++)
    g_assert_cmpfloat_with_epsilon (fabs (json_object_get_double_member (
                                            json_array_get_object_element (folds, i), "param")),
                                    h0, 1e-9);

  currents_cli_test_run (&c, "continue2", cusp, "--param", "h", "--param2", "r", "--range=-2:2",
                         "--range2", "-1:2", "--from", "fold", "--json", NULL);
  g_assert_cmpint (c.status, ==, 0);
  oc = continue_json (c.out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (oc, "curves")), ==, 1);
  cusps = json_object_get_array_member (oc, "cusps");
  g_assert_cmpuint (json_array_get_length (cusps), ==, 1);
  cp = json_array_get_object_element (cusps, 0);
  g_assert_cmpfloat (fabs (json_object_get_double_member (cp, "param")), <=, 1e-8);
  g_assert_cmpfloat (fabs (json_object_get_double_member (cp, "param2")), <=, 1e-8);
}

/* A trained model continued in its input: f = A x + c + d u exactly (identity
 * activations), so the branch is x*(u) = −A⁻¹(c + d u). */
static void
test_continue_trained (void)
{
  const char *states[] = { "p", "q", NULL }, *inputs[] = { "dose", NULL };
  const double zero[] = { 0, 0 }, one[] = { 1, 1 }, uz[] = { 0 }, uo[] = { 1 };
  const double x_min[] = { -3, -3 }, x_max[] = { 3, 3 }, u_min[] = { 0 }, u_max[] = { 2 };
  const double A[4] = { -1.5, 0.4, 0.3, -2.385 }, d[2] = { 0.7, -1.1 }, cc[2] = { 0.2, 0.5 };
  double theta[20] = { 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0,
                       A[0], A[1], d[0], A[2], A[3], d[1], cc[0], cc[1] };
  CurrentsNeuralSpec spec;
  CurrentsNeuralScaling sc = { zero, one, uz, uo, NULL, NULL, 1.0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  g_autofree char *dir = g_dir_make_tmp ("currents-cli-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "linear-input.json", NULL);
  g_auto(CurrentsCliRun) r = { 0 };
  g_autoptr(JsonObject) o = NULL;
  JsonArray *branches, *points;
  double det = A[0] * A[3] - A[1] * A[2];

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 3;
  spec.activation = CURRENTS_ACTIVATION_IDENTITY;
  tm = currents_trained_model_new_neural (currents_neural_model_new_full (states, inputs, &spec,
                                                                          &sc, &error),
                                          theta);
  g_assert_no_error (error);
  currents_trained_model_set_ranges (tm, x_min, x_max, u_min, u_max);
  g_assert_true (currents_trained_model_save (tm, path, &error));
  g_assert_no_error (error);

  currents_cli_test_run (&r, "continue", path, "--param", "dose", "--range", "0:2", "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  o = continue_json (r.out);
  g_assert_cmpstr (json_object_get_string_member (o, "kind"), ==, "trained model");
  branches = json_object_get_array_member (o, "branches");
  g_assert_cmpuint (json_array_get_length (branches), ==, 1);
  points = json_object_get_array_member (json_array_get_object_element (branches, 0), "points");
  g_assert_cmpuint (json_array_get_length (points), >=, 3);
  for (guint k = 0; k < json_array_get_length (points); k++)
    {
      JsonObject *pt = json_array_get_object_element (points, k);
      double u = json_object_get_double_member (pt, "param");
      JsonArray *x = json_object_get_array_member (pt, "state");
      double r0 = -(cc[0] + d[0] * u), r1 = -(cc[1] + d[1] * u);

      g_assert_cmpfloat_with_epsilon (json_node_get_double (json_array_get_element (x, 0)),
                                      (A[3] * r0 - A[1] * r1) / det, 1e-12);
      g_assert_cmpfloat_with_epsilon (json_node_get_double (json_array_get_element (x, 1)),
                                      (A[0] * r1 - A[2] * r0) / det, 1e-12);
      g_assert_true (json_object_get_boolean_member (pt, "stable"));
    }
  g_assert_cmpfloat (json_object_get_double_member (
                       json_array_get_object_element (points, 0), "param"), ==, 0.0);
}

static void
test_continue_errors (void)
{
  g_autofree char *sn = currents_cli_test_write_temp ("sn.ode", "par r=0.5\nx' = r + x^2\n");
  g_autofree char *brus = currents_cli_test_example ("brusselator.ode");
  g_autofree char *line =
    currents_cli_test_write_temp ("line.ode", "par q=1\nx' = q*(y - x)\ny' = q*(x - y)\n");
  struct { const char *args[12]; int status; const char *says; } cases[] = {
    /* a line of equilibria: nothing isolated to follow */
    { { "continue", line, "--param", "q", "--range", "0.5:2" }, 1, "singular" },
    { { "continue", sn, "--param", "q", "--range", "-1:1" }, 1,
      "no parameter or input named 'q'" },
    { { "continue", sn, "--param", "r", "--range", "1:1" }, 1, "zero width" },
    { { "continue", sn, "--param", "r", "--range=1:-1" }, 1, "inverted" },
    { { "continue", sn, "--param", "r", "--range", "-1" }, 1, "LO:HI" },
    { { "continue", sn, "--param", "r", "--range", "a:1" }, 1, "expected a number" },
    { { "continue", sn, "--param", "r", "--range", "-1:1", "--log" }, 1, "positive" },
    /* x' = 0.5 + x² has no equilibria at the start */
    { { "continue", sn, "--param", "r", "--range", "0.2:1" }, 1, "no equilibria" },
    { { "continue", sn, "--range", "-1:1" }, 2, "--param" },
    { { "continue", sn, "--param", "r" }, 2, "--range" },
    { { "continue", sn, "--param", "r", "--range", "-1:1", "--max-points", "1" }, 1,
      "max-points" },
    { { "continue2", brus, "--param", "b", "--param2", "a", "--range", "0:4" }, 2, "--range2" },
    { { "continue2", brus, "--param", "b", "--param2", "b", "--range", "0:4", "--range2",
        "0:4" }, 1, "two different parameters" },
    { { "continue2", brus, "--param", "b", "--param2", "a", "--range", "0:4", "--range2",
        "0.5:2", "--from", "nowhere" }, 2, "--from" },
    { { "continue2", sn, "--param", "r", "--param2", "r2", "--range", "-1:1", "--range2",
        "0:1" }, 1, "no parameter or input named 'r2'" },
    { { "continue2", brus, "--param", "b", "--param2", "a", "--range", "0:4", "--range2",
        "2:3" }, 1, "outside its range" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CurrentsCliRun) r = { 0 };
      const char **a = cases[i].args;

      currents_cli_test_run (&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
                             a[11],
                             NULL);
      if (r.status != cases[i].status || strstr (r.err, cases[i].says) == NULL)
        g_error ("case %" G_GSIZE_FORMAT " (%s): status %d, stderr '%s'", i, a[0], r.status,
                 r.err);
      g_assert_cmpstr (r.out, ==, "");
    }
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/simulate/linear", test_simulate_linear);
  g_test_add_func ("/cli/simulate/backward-and-times", test_simulate_backward_and_times);
  g_test_add_func ("/cli/simulate/synthetic", test_synthetic);
  g_test_add_func ("/cli/info-and-check", test_info_and_check);
  g_test_add_func ("/cli/exit-statuses", test_exit_statuses);
  g_test_add_func ("/cli/equilibria/pendulum", test_equilibria_pendulum);
  g_test_add_func ("/cli/equilibria/trained-and-time", test_equilibria_trained_and_time);
  g_test_add_func ("/cli/knockout/cascade", test_knockout_cascade);
  g_test_add_func ("/cli/knockout/trained", test_knockout_trained);
  g_test_add_func ("/cli/equilibria-knockout/errors", test_equilibria_knockout_errors);
  g_test_add_func ("/cli/phase/nullclines", test_phase_nullclines);
  g_test_add_func ("/cli/phase/trajectory", test_phase_trajectory);
  g_test_add_func ("/cli/phase/basins", test_phase_basins);
  g_test_add_func ("/cli/phase/errors", test_phase_errors);
  g_test_add_func ("/cli/continue/brusselator", test_continue_brusselator);
  g_test_add_func ("/cli/continue/periodic", test_continue_periodic);
  g_test_add_func ("/cli/continue/log-and-two", test_continue_log_and_two);
  g_test_add_func ("/cli/continue/trained", test_continue_trained);
  g_test_add_func ("/cli/continue/errors", test_continue_errors);
  return g_test_run ();
}
