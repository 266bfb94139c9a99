/* test-cli-members.c — ensembles in the analysis commands: knockouts across the members,
 * and any member by name (FILE#K) for the commands that analyse one model
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "currents-cli-test.h"
#include "currents-engine.h"

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The ensemble's knockout of each gene: its members' shifts equal each member's own
 * knockout run (FILE#K) to 1e-12, the median and range are theirs, ranked by median. */
static void
test_knockout (void)
{
  g_autofree char *ens = currents_cli_test_example ("toggle-ensemble.json");
  g_auto(CurrentsCliRun) run = { 0 };
  g_autoptr(JsonObject) root = NULL;
  JsonArray *kos;
  double prev = INFINITY;

  currents_cli_test_run (&run, "knockout", ens, "--set", "iptg=0.2", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  root = parse_object (run.out);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "ensemble"),
                                               "members"), ==, 8);
  kos = json_object_get_array_member (root, "knockouts");
  g_assert_cmpuint (json_array_get_length (kos), ==, 2);
  for (guint q = 0; q < 2; q++)
    {
      JsonObject *ko = json_array_get_object_element (kos, q);
      JsonArray *members = json_object_get_array_member (ko, "members");
      JsonArray *interval = json_object_get_array_member (ko, "interval");
      const char *gene = json_object_get_string_member (ko, "gene");
      double v[8], median;

      g_assert_cmpuint (json_array_get_length (members), ==, 8);
      for (guint k = 0; k < 8; k++)
        {
          g_autofree char *member = g_strdup_printf ("%s#%u", ens, k + 1);
          g_auto(CurrentsCliRun) one = { 0 };
          g_autoptr(JsonObject) r = NULL;
          JsonArray *list;

          currents_cli_test_run (&one, "knockout", member, "--set", "iptg=0.2", "--gene", gene,
                                 "--json", NULL);
          g_assert_cmpint (one.status, ==, 0);
          r = parse_object (one.out);
          list = json_object_get_array_member (r, "knockouts");
          v[k] = json_array_get_double_element (members, k);
          g_assert_cmpfloat (fabs (v[k] - json_object_get_double_member (
                                              json_array_get_object_element (list, 0), "shift")),
                             <=, 1e-12 * fabs (v[k]));
        }
      qsort (v, 8, sizeof (double), compare_doubles);
      median = 0.5 * (v[3] + v[4]);
      g_assert_cmpfloat_with_epsilon (json_object_get_double_member (ko, "shift"), median,
                                      1e-12 * median);
      g_assert_cmpfloat (json_array_get_double_element (interval, 0), ==, v[0]);
      g_assert_cmpfloat (json_array_get_double_element (interval, 1), ==, v[7]);
      g_assert_cmpstr (json_object_get_string_member (ko, "interval_kind"), ==, "range");
      g_assert_cmpint (json_object_get_int_member (ko, "found_in"), ==, 8);
      g_assert_cmpfloat (median, <=, prev);
      prev = median;
    }
}

/* One member by name in a command that analyses one model; the ensemble alone is refused
 * with what to do, a member beyond the last too. */
static void
test_member (void)
{
  g_autofree char *ens = currents_cli_test_example ("toggle-ensemble.json");
  g_autofree char *third = g_strdup_printf ("%s#3", ens);
  g_autofree char *ninth = g_strdup_printf ("%s#9", ens);
  g_auto(CurrentsCliRun) run = { 0 };

  currents_cli_test_run (&run, "trajectory", third, "--from", "u=1,v=1", "--json", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "toggle-ensemble.json#3"));
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "trajectory", ens, "--from", "u=1,v=1", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "an ensemble of 8 models"));
  g_assert_nonnull (strstr (run.err, "#1"));
  currents_cli_test_run_clear (&run);

  currents_cli_test_run (&run, "plot", ninth, "-o", "never-written.png", NULL);
  g_assert_cmpint (run.status, ==, 1);
  g_assert_nonnull (strstr (run.err, "has 8 members"));
}

/* `plot ENSEMBLE`: the first member's portrait, shaded where the members disagree. */
static void
test_plot (void)
{
  g_autofree char *ens = currents_cli_test_example ("toggle-ensemble.json");
  g_autofree char *png = currents_cli_test_write_temp ("ensemble.png", "");
  g_auto(CurrentsCliRun) run = { 0 };

  currents_cli_test_run (&run, "plot", ens, "--set", "iptg=0.8", "-o", png, NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_true (currents_cli_test_file_contains (png, "member 1 of 8"));
  g_assert_true (currents_cli_test_file_contains (png, "IEND"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/members/knockout", test_knockout);
  g_test_add_func ("/cli/members/member", test_member);
  g_test_add_func ("/cli/members/plot", test_plot);
  return g_test_run ();
}
