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

#include "currents-engine.h"

typedef struct
{
  int   status;
  char *out;
  char *err;
} Run;

static void
run_clear (Run *r)
{
  g_free (r->out);
  g_free (r->err);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Run, run_clear)

static void
run_cli (Run        *r,
         const char *first,
         ...)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  va_list ap;
  int wait_status;

  g_ptr_array_add (argv, (gpointer) g_getenv ("CURRENTS_CLI"));
  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (argv, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (argv, NULL);
  g_assert_nonnull (g_ptr_array_index (argv, 0));
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &r->out,
                &r->err, &wait_status, &error);
  g_assert_no_error (error);
  r->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128;
}

static char *
example (const char *name)
{
  return g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples", name, NULL);
}

static char *
write_temp (const char *name,
            const char *text)
{
  g_autofree char *dir = g_dir_make_tmp ("currents-cli-XXXXXX", NULL);
  char *path = g_build_filename (dir, name, NULL);

  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

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
  g_autofree char *model = write_temp ("lin.ode", "par a=1\nx'=-a*x\ny'=x\ninit x=1\n");
  g_auto(Run) r = { 0 };
  g_autoptr(CurrentsDataset) ds = NULL;
  const CurrentsTrajectory *tr;
  const double *t, *s;

  run_cli (&r, "simulate", model, "--set", "a=2.385", "--t1", "3", "--dt", "0.25",
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
  g_autofree char *model = write_temp ("decay.ode", "x'=-x\ninit x=1\n");
  g_auto(Run) r = { 0 };
  g_auto(Run) r2 = { 0 };
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(CurrentsDataset) ds2 = NULL;
  const double *s;

  /* negative values in both option forms */
  run_cli (&r, "simulate", model, "--t0", "-1", "--t1=-3", "--dt", "1", "--method", "rk8pd",
           "--rtol=1e-12", "--atol", "1e-14", NULL);
  g_assert_cmpint (r.status, ==, 0);
  ds = parse_csv (r.out);
  /* read back sorted ascending: t = -3, -2, -1 with x = e^{2}, e^{1}, 1 */
  s = currents_trajectory_get_states (currents_dataset_get_trajectory (ds, 0));
  g_assert_cmpfloat_with_epsilon (s[0], exp (2.0), 1e-9);
  g_assert_cmpfloat_with_epsilon (s[1], exp (1.0), 1e-9);
  g_assert_cmpfloat (s[2], ==, 1.0);

  run_cli (&r2, "simulate", model, "--times", "0.5,1.5,4", "--init", "x=2", NULL);
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
  g_autofree char *model = example ("toggle.ode");
  g_auto(Run) a = { 0 };
  g_auto(Run) b = { 0 };
  g_auto(Run) c = { 0 };
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(GError) error = NULL;
  const char *inputs[] = { "iptg", NULL };
  CurrentsCsvOptions opts = { .input_columns = inputs, .constant_inputs = TRUE };

  run_cli (&a, "simulate", model, "--trajectories", "3", "--init-box", "u=0:3,v=0:3",
           "--samples", "11", "--irregular", "--noise", "0.01", "--levels", "iptg=0,0.5,2",
           "--seed", "42", "--t1", "10", NULL);
  run_cli (&b, "simulate", model, "--trajectories", "3", "--init-box", "u=0:3,v=0:3",
           "--samples", "11", "--irregular", "--noise", "0.01", "--levels", "iptg=0,0.5,2",
           "--seed", "42", "--t1", "10", NULL);
  run_cli (&c, "simulate", model, "--trajectories", "3", "--init-box", "u=0:3,v=0:3",
           "--samples", "11", "--irregular", "--noise", "0.01", "--levels", "iptg=0,0.5,2",
           "--seed", "43", "--t1", "10", NULL);
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
  g_autofree char *data = example ("toggle.csv");
  g_autofree char *model = example ("pendulum.ode");
  g_auto(Run) r = { 0 };
  g_auto(Run) j = { 0 };
  g_auto(Run) c = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *root;

  run_cli (&r, "info", data, "--input", "iptg", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "24"));
  run_cli (&j, "info", data, "--input", "iptg", "--json", NULL);
  g_assert_cmpint (j.status, ==, 0);
  g_assert_true (json_parser_load_from_data (parser, j.out, -1, &error));
  root = json_node_get_object (json_parser_get_root (parser));
  g_assert_cmpint (json_object_get_int_member (root, "trajectories"), ==, 24);
  g_assert_cmpint (json_object_get_int_member (root, "samples"), ==, 984);
  g_assert_cmpint (json_array_get_length (json_object_get_array_member (root, "columns")), ==, 3);

  run_cli (&c, "check", model, "--json", NULL);
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
  g_autofree char *bad = write_temp ("bad.ode", "x' = -x +\n");
  g_autofree char *ok = write_temp ("ok.ode", "x' = x*x\ninit x=1\n");
  g_autofree char *csv = write_temp ("bad.csv", "t,x\n0,1\n1,abc\n");
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
      g_auto(Run) r = { 0 };
      const char **a = cases[i].args;

      run_cli (&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], NULL);
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
  return g_test_run ();
}
