/* test-cli-term.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli term`: the JSON keys and numbers against the engine, the CSV with its
 * provenance, and exit statuses for each refusal.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-cli-test.h"
#include "currents-engine.h"

#define REFERENCE "mu=mumax*S/(Ks + S + S^2/Ki)"

static JsonObject *
parse_json (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_json (void)
{
  static const char *const keys[] = { "term", "args", "grid", "values", "reference",
                                      "data_range", "rms_inside", "max_rel_inside", NULL };
  static const char *const args[] = { "S", NULL };
  g_autofree char *model_path = currents_cli_test_example ("fedbatch.ode");
  g_autofree char *data_path = currents_cli_test_example ("fedbatch.csv");
  g_auto(CurrentsCliRun) run = { 0 };
  g_autoptr(JsonObject) o = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(CurrentsLearnedTermGrid) grid = NULL;
  g_autoptr(CurrentsReferenceLaw) law = NULL;
  const char *const inputs[] = { "F", NULL };
  CurrentsCsvOptions options = { 0 };
  CurrentsTermComparison cmp;
  JsonArray *values, *axis, *range;
  double lo = 0.0, hi = 30.0, dlo, dhi;

  currents_cli_test_run (&run, "term", model_path, "--data", data_path, "--range", "S=0:30",
                         "--size", "61", "--reference", REFERENCE, "--set",
                         "mumax=0.6,Ks=0.5", "--set", "Ki=9", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  o = parse_json (run.out);
  for (guint i = 0; keys[i] != NULL; i++)
    g_assert_true (json_object_has_member (o, keys[i]));
  g_assert_cmpstr (json_object_get_string_member (o, "term"), ==, "mu");
  g_assert_cmpstr (json_array_get_string_element (json_object_get_array_member (o, "args"), 0),
                   ==, "S");

  /* the engine's numbers */
  model = currents_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  options.input_columns = inputs;
  ds = currents_dataset_load (data_path, &options, &error);
  g_assert_no_error (error);
  grid = currents_learned_term_grid_new (model, 0, currents_model_get_params (model), &lo, &hi,
                                         61, &error);
  g_assert_no_error (error);
  values = json_object_get_array_member (o, "values");
  axis = json_object_get_array_member (json_object_get_object_member (o, "grid"), "S");
  g_assert_cmpuint (json_array_get_length (values), ==, 61);
  for (guint i = 0; i < 61; i++)
    {
      g_assert_cmpfloat (json_array_get_double_element (axis, i), ==, grid->axis[0][i]);
      g_assert_cmpfloat (json_array_get_double_element (values, i), ==, grid->values[i]);
    }
  g_assert_true (currents_learned_term_data_range (model, 0, 0, ds, &dlo, &dhi, NULL));
  range = json_object_get_array_member (json_object_get_object_member (o, "data_range"), "S");
  g_assert_cmpfloat (json_array_get_double_element (range, 0), ==, dlo);
  g_assert_cmpfloat (json_array_get_double_element (range, 1), ==, dhi);
  law = currents_reference_law_new_parse (REFERENCE ";mumax=0.6;Ks=0.5;Ki=9", args, &error);
  g_assert_no_error (error);
  currents_learned_term_compare (grid, law, &dlo, &dhi, NULL, &cmp);
  g_test_message ("rms_inside %.6g over %zu points", cmp.rms, cmp.n_inside);
  g_assert_cmpfloat (json_object_get_double_member (o, "rms_inside"), ==, cmp.rms);
  g_assert_cmpfloat (json_object_get_double_member (o, "max_rel_inside"), ==, cmp.max_rel);
  g_assert_cmpfloat (json_object_get_double_member (json_object_get_object_member (
                       json_object_get_object_member (o, "reference"), "constants"), "Ki"), ==, 9.0);
}

static void
test_csv (void)
{
  g_autofree char *model_path = currents_cli_test_example ("fedbatch.ode");
  g_auto(CurrentsCliRun) run = { 0 };
  g_auto(GStrv) lines = NULL;
  guint n_rows = 0;

  currents_cli_test_run (&run, "term", model_path, "--size", "25", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_str_has_prefix (run.out, "# made by currents-cli "));
  g_assert_nonnull (strstr (run.out, "# data range S unknown"));
  g_assert_nonnull (strstr (run.out, "\nS,mu\n"));
  lines = g_strsplit (run.out, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_ascii_isdigit (lines[i][0]) || lines[i][0] == '-')
      n_rows++;
  g_assert_cmpuint (n_rows, ==, 25);
  /* no data: the model's own window (xp=S, xlo=0, xhi=12) */
  g_assert_nonnull (strstr (run.out, "\n0,"));
  g_assert_nonnull (strstr (run.out, "\n12,"));
}

static void
test_plot (void)
{
  g_autofree char *model_path = currents_cli_test_example ("fedbatch.ode");
  g_autofree char *png = currents_cli_test_write_temp ("term.png", "");
  g_auto(CurrentsCliRun) run = { 0 };
  g_autofree char *contents = NULL;
  gsize length = 0;

  currents_cli_test_run (&run, "term", model_path, "--reference", "0.6*S/(0.5 + S)",
                         "--plot", png, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (g_file_get_contents (png, &contents, &length, NULL));
  g_assert_cmpuint (length, >, 2000);
  g_assert_cmpmem (contents, 4, "\x89PNG", 4);
}

/* a term of two arguments: a grid of rows, the data's range of each, a heat map */
static void
test_two_args (void)
{
  static const char source[] =
    "input u=0.5\n"
    "learn g(a, b) hidden=4 seed=5\n"
    "x' = g(x, u) - x\n"
    "done\n";
  static const char csv[] =
    "t,x,u\n0,0.25,0.5\n1,0.75,0.5\n2,1.5,0.5\n3,1.25,2\n4,1.0,2\n";
  g_autofree char *model_path = currents_cli_test_write_temp ("g2.ode", source);
  g_autofree char *data_path = currents_cli_test_write_temp ("g2.csv", csv);
  g_autofree char *png = currents_cli_test_write_temp ("g2.png", "");
  g_auto(CurrentsCliRun) run = { 0 };
  g_autoptr(JsonObject) o = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  JsonArray *values, *row, *range;
  double a[2];

  currents_cli_test_run (&run, "term", model_path, "--data", data_path, "--size", "9",
                         "--plot", png, "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  o = parse_json (run.out);
  values = json_object_get_array_member (o, "values");
  g_assert_cmpuint (json_array_get_length (values), ==, 9);
  row = json_array_get_array_element (values, 8);
  g_assert_cmpuint (json_array_get_length (row), ==, 9);
  /* x from 0.25 to 1.5; the input u at the levels 0.5 and 2 */
  range = json_object_get_array_member (json_object_get_object_member (o, "data_range"), "a");
  g_assert_cmpfloat (json_array_get_double_element (range, 0), ==, 0.25);
  g_assert_cmpfloat (json_array_get_double_element (range, 1), ==, 1.5);
  range = json_object_get_array_member (json_object_get_object_member (o, "data_range"), "b");
  g_assert_cmpfloat (json_array_get_double_element (range, 0), ==, 0.5);
  g_assert_cmpfloat (json_array_get_double_element (range, 1), ==, 2.0);
  /* the value in row 8, column 3 is g(a_3, b_8) */
  model = currents_model_new_from_file (model_path, &error);
  g_assert_no_error (error);
  a[0] = json_array_get_double_element (json_object_get_array_member (
           json_object_get_object_member (o, "grid"), "a"), 3);
  a[1] = json_array_get_double_element (json_object_get_array_member (
           json_object_get_object_member (o, "grid"), "b"), 8);
  g_assert_cmpfloat (json_array_get_double_element (row, 3), ==,
                     currents_learned_term_eval (model, 0, currents_model_get_params (model), a));
  g_assert_true (currents_cli_test_file_contains (png, "PNG"));
}

static void
test_errors (void)
{
  g_autofree char *model_path = currents_cli_test_example ("fedbatch.ode");
  g_autofree char *plain = currents_cli_test_example ("chemostat.ode");
  g_auto(CurrentsCliRun) run = { 0 };

  currents_cli_test_run (&run, "term", model_path, "--term", "growth", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "'growth'"));
  g_assert_nonnull (strstr (run.err, "its learned terms: mu"));
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "term", plain, NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "no learned terms"));
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "term", model_path, "--reference", "2*S/(K + S)", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "'K'"));
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "term", model_path, "--reference", "2*S", "--set", "S=1", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "constant 'S' has the name of an argument"));
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "term", model_path, "--range", "X=0:1", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "its arguments: S"));
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "term", model_path, "--size", "1", NULL);
  g_assert_cmpint (run.status, ==, 2);
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "term", NULL);
  g_assert_cmpint (run.status, ==, 2);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/term/json", test_json);
  g_test_add_func ("/cli/term/csv", test_csv);
  g_test_add_func ("/cli/term/plot", test_plot);
  g_test_add_func ("/cli/term/two-args", test_two_args);
  g_test_add_func ("/cli/term/errors", test_errors);
  return g_test_run ();
}
