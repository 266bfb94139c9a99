/* test-cli-discover.c — `currents-cli discover`: equations read back from a field
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "currents-cli-test.h"
#include "currents-engine.h"

#define TOGGLE_TERM "1/(1 + (u/(1 + iptg^2))^2)"

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* The toggle switch's own field, read back: the JSON names each equation's terms with
 * the true coefficients, R² = 1, and the .ode text. */
static void
test_json (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle.ode");
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_auto(CurrentsCliRun) run = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonArray *eqs;
  JsonObject *u, *v, *cu, *cv;

  currents_cli_test_run (&run, "discover", model, "--data", data, "--degree", "1", "--hill",
                         "1:2", "--term", TOGGLE_TERM, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (run.out);
  eqs = json_object_get_array_member (root, "equations");
  g_assert_cmpuint (json_array_get_length (eqs), ==, 2);
  u = json_array_get_object_element (eqs, 0);
  v = json_array_get_object_element (eqs, 1);
  g_assert_cmpstr (json_object_get_string_member (u, "state"), ==, "u");
  cu = json_object_get_object_member (u, "coefficients");
  cv = json_object_get_object_member (v, "coefficients");
  g_assert_cmpuint (json_object_get_size (cu), ==, 2);
  g_assert_cmpuint (json_object_get_size (cv), ==, 2);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (cu, "u"), -1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (cu, "1/(1 + (v/1)^2)"), 5.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (cv, "v"), -1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (cv, TOGGLE_TERM), 3.0, 1e-6);
  /* (Simpson over windows of the solver's trajectories: accurate to about 1e-8) */
  g_assert_cmpfloat (json_object_get_double_member (u, "r2"), >, 1.0 - 1e-10);
  g_assert_cmpstr (json_object_get_string_member (root, "data_sha256"), !=, NULL);
  /* the integral form: 24 trajectories of 40 intervals, 20 steps each, windows of 10 */
  g_assert_cmpstr (json_object_get_string_member (root, "form"), ==, "integral");
  g_assert_cmpint (json_object_get_int_member (root, "n_points"), ==, 24 * 80);
  g_assert_nonnull (strstr (json_object_get_string_member (root, "ode"), "c_u_2"));
}

/* --points: the field's values at every fully observed data point, the same answer. */
static void
test_points (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle.ode");
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_auto(CurrentsCliRun) run = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonObject *cv;

  currents_cli_test_run (&run, "discover", model, "--data", data, "--degree", "1", "--hill",
                         "1:2", "--term", TOGGLE_TERM, "--points", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (run.out);
  g_assert_cmpstr (json_object_get_string_member (root, "form"), ==, "points");
  g_assert_cmpint (json_object_get_int_member (root, "n_points"), >, 900);
  cv = json_object_get_object_member (
    json_array_get_object_element (json_object_get_array_member (root, "equations"), 1),
    "coefficients");
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (cv, TOGGLE_TERM), 3.0, 1e-9);
}

/* The written model: parses, simulates like the truth, and its coefficients refit with
 * the trainer (`train --model FOUND --fit-params`). */
static void
test_model_file (void)
{
  g_autofree char *model = currents_cli_test_example ("lotka-volterra.ode");
  g_autofree char *data = currents_cli_test_example ("lotka-volterra.csv");
  g_autofree char *found = currents_cli_test_write_temp ("found.ode", "");
  g_autofree char *refit = currents_cli_test_write_temp ("refit.json", "");
  g_auto(CurrentsCliRun) run = { 0 };
  g_autoptr(CurrentsModel) m = NULL;
  g_autoptr(CurrentsModel) truth = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSimulator) s1 = NULL, s2 = NULL;
  CurrentsSimOptions opt;
  const double x0[] = { 10.0, 2.0 }, times[] = { 5.0 };
  double a[2], b[2];

  currents_cli_test_run (&run, "discover", model, "--data", data, "--degree", "2", "-o", found,
                         NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "x' = 1.1*x - 0.4*x*y"));
  m = currents_model_new_from_file (found, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_model_get_n_params (m), ==, 4);
  truth = currents_model_new_from_file (model, &error);
  g_assert_no_error (error);
  currents_sim_options_init (&opt);
  opt.rtol = 1e-11;
  opt.atol = 1e-12;
  s1 = currents_simulator_new (currents_model_get_field (m), &opt);
  s2 = currents_simulator_new (currents_model_get_field (truth), &opt);
  g_assert_true (currents_simulator_run (s1, x0, currents_model_get_params (m), NULL, 0.0, times,
                                         1, a, NULL, NULL, &error));
  g_assert_true (currents_simulator_run (s2, x0, currents_model_get_params (truth), NULL, 0.0,
                                         times, 1, b, NULL, NULL, &error));
  g_assert_cmpfloat (fabs (a[0] - b[0]), <=, 1e-7 * fabs (b[0]));
  g_assert_cmpfloat (fabs (a[1] - b[1]), <=, 1e-7 * fabs (b[1]));

  currents_cli_test_run_clear (&run);
  currents_cli_test_run (&run, "train", data, "--model", found, "--fit-params", "--epochs", "3",
                         "-q", "-o", refit, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (currents_cli_test_file_contains (refit, "c_x_1"));
}

static void
test_refused (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle.ode");
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *lv = currents_cli_test_example ("lotka-volterra.csv");
  g_autofree char *lv_model = currents_cli_test_example ("lotka-volterra.ode");
  g_autofree char *pendulum = currents_cli_test_example ("pendulum.csv");
  g_auto(CurrentsCliRun) run = { 0 };

  currents_cli_test_run (&run, "discover", model, NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--data"));
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "discover", model, "--data", data, "--term", "u + Q", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "'u + Q'"));
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "discover", model, "--data", data, "--extra", "10", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "--points"));
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "discover", model, "--data", data, "--hill", "1", NULL);
  g_assert_cmpint (run.status, ==, 2);
  g_assert_nonnull (strstr (run.err, "K:n"));
  currents_cli_test_run_clear (&run);

  /* the Lotka–Volterra data have no inducer column */
  currents_cli_test_run (&run, "discover", model, "--data", lv, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "iptg"));
  currents_cli_test_run_clear (&run);

  /* the pendulum's states are not the Lotka–Volterra model's */
  currents_cli_test_run (&run, "discover", lv_model, "--data", pendulum, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "theta, omega"));
  g_assert_nonnull (strstr (run.err, "x, y"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/discover/json", test_json);
  g_test_add_func ("/cli/discover/points", test_points);
  g_test_add_func ("/cli/discover/model-file", test_model_file);
  g_test_add_func ("/cli/discover/refused", test_refused);
  return g_test_run ();
}
