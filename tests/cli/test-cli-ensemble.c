/* test-cli-ensemble.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ensembles on the command line, as a user runs them: `train --ensemble 3` with a tiny
 * network and a few epochs writes an ensemble file of 3 members (the same bytes with 1
 * and 2 threads), and `predict`, `equilibria` and `continue` read it: JSON with
 * `ensemble.members`, a `band` per point that holds the median, `agree` per equilibrium,
 * `interval`, `interval_kind` and `found_in` per fold, and a sentence in the text. The
 * shipped toggle ensemble's fold intervals hold the true folds (iptg = 0.6415, 0.9227).
 * Usage errors: --ensemble 1, --json for a plain model's predict, --plot with an
 * ensemble; a damaged file is refused.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "currents-cli-test.h"

static char *tmpdir;
static char *ens_path;

static char *
temp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static JsonObject *
parse (JsonParser *parser,
       const char *text)
{
  g_autoptr(GError) error = NULL;

  json_parser_load_from_data (parser, text, -1, &error);
  g_assert_no_error (error);
  g_assert_true (JSON_NODE_HOLDS_OBJECT (json_parser_get_root (parser)));
  return json_node_get_object (json_parser_get_root (parser));
}

static void
train (const char *out,
       const char *threads)
{
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(CurrentsCliRun) r = { 0 };
  JsonObject *root;
  JsonArray *members;

  currents_cli_test_run (&r, "train", data, "--input", "iptg", "--ensemble", "3",
                         "--hidden", "6", "--epochs", "4", "--seed", "5", "--threads", threads,
                         "-o", out, "--json", "--quiet", NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  root = parse (parser, r.out);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "ensemble"),
                                               "members"), ==, 3);
  members = json_object_get_array_member (root, "members");
  g_assert_cmpuint (json_array_get_length (members), ==, 3);
  for (guint k = 0; k < 3; k++)
    {
      JsonObject *m = json_array_get_object_element (members, k);

      g_assert_cmpint (json_object_get_int_member (m, "index"), ==, k);
      g_assert_cmpstr (json_object_get_string_member (m, "status"), ==, "finished");
      g_assert_cmpint (json_object_get_int_member (m, "best_epoch"), >=, 1);
    }
  g_assert_cmpstr (json_object_get_string_member (root, "model_file"), ==, out);
}

/* Every member's parameters and resample are the same in two ensemble files (the
 * command line, with its thread count, differs). */
static void
assert_same_members (const char *a,
                     const char *b)
{
  g_autoptr(JsonParser) pa = json_parser_new ();
  g_autoptr(JsonParser) pb = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonArray *ma, *mb;

  json_parser_load_from_file (pa, a, &error);
  g_assert_no_error (error);
  json_parser_load_from_file (pb, b, &error);
  g_assert_no_error (error);
  ma = json_object_get_array_member (json_node_get_object (json_parser_get_root (pa)), "members");
  mb = json_object_get_array_member (json_node_get_object (json_parser_get_root (pb)), "members");
  g_assert_cmpuint (json_array_get_length (ma), ==, 3);
  g_assert_cmpuint (json_array_get_length (mb), ==, 3);
  for (guint k = 0; k < 3; k++)
    {
      JsonObject *x = json_array_get_object_element (ma, k);
      JsonObject *y = json_array_get_object_element (mb, k);
      JsonArray *px = json_object_get_array_member (json_object_get_object_member (x, "model"),
                                                    "params");
      JsonArray *py = json_object_get_array_member (json_object_get_object_member (y, "model"),
                                                    "params");
      JsonArray *bx = json_object_get_array_member (x, "bootstrap");
      JsonArray *by = json_object_get_array_member (y, "bootstrap");

      g_assert_cmpuint (json_array_get_length (px), ==, json_array_get_length (py));
      for (guint i = 0; i < json_array_get_length (px); i++)
        g_assert_cmpfloat (json_array_get_double_element (px, i), ==,
                           json_array_get_double_element (py, i));
      g_assert_cmpuint (json_array_get_length (bx), ==, 24);
      for (guint i = 0; i < 24; i++)
        g_assert_cmpint (json_array_get_int_element (bx, i), ==,
                         json_array_get_int_element (by, i));
    }
}

static void
test_train (void)
{
  g_autofree char *two = temp_path ("ens-2threads.json");
  g_autofree char *a = NULL, *b = NULL;

  train (ens_path, "1");
  train (two, "2");
  g_assert_true (g_file_get_contents (ens_path, &a, NULL, NULL));
  g_assert_true (g_file_get_contents (two, &b, NULL, NULL));
  g_assert_true (g_str_has_prefix (a, "{\n  \"format\": \"currents-ensemble\""));
  assert_same_members (ens_path, two);
  g_assert_true (strstr (a, "\"sha256\": \"") != NULL);
  g_assert_true (strstr (a, "--ensemble 3") != NULL);
}

static void
test_predict (void)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) c = { 0 };
  JsonObject *root, *pt;
  JsonArray *trajs, *points, *band, *median;

  currents_cli_test_run (&r, "predict", ens_path, "--init", "u=2.385,v=0.5", "--set", "iptg=0.3",
                         "--t1", "5", "--dt", "0.5", "--json", NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  root = parse (parser, r.out);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "ensemble"),
                                               "members"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (root, "interval_kind"), ==, "range");
  trajs = json_object_get_array_member (root, "trajectories");
  g_assert_cmpuint (json_array_get_length (trajs), ==, 1);
  points = json_object_get_array_member (json_array_get_object_element (trajs, 0), "points");
  g_assert_cmpuint (json_array_get_length (points), ==, 11);
  /* at t = 0 every member starts at the initial state: a band of zero width */
  pt = json_array_get_object_element (points, 0);
  band = json_object_get_array_member (pt, "band");
  g_assert_cmpfloat (json_object_get_double_member (pt, "t"), ==, 0.0);
  g_assert_cmpfloat (json_array_get_double_element (json_array_get_array_element (band, 0), 0),
                     ==, 2.385);
  g_assert_cmpfloat (json_array_get_double_element (json_array_get_array_element (band, 0), 1),
                     ==, 2.385);
  /* later the median lies within the band, which has width */
  pt = json_array_get_object_element (points, 10);
  band = json_object_get_array_member (pt, "band");
  median = json_object_get_array_member (pt, "median");
  for (guint i = 0; i < 2; i++)
    {
      JsonArray *lh = json_array_get_array_element (band, i);
      double lo = json_array_get_double_element (lh, 0), hi = json_array_get_double_element (lh, 1);
      double m = json_array_get_double_element (median, i);

      g_test_message ("t = 5: state %u median %.6g in [%.6g, %.6g]", i, m, lo, hi);
      g_assert_cmpfloat (lo, <=, m);
      g_assert_cmpfloat (m, <=, hi);
      g_assert_cmpfloat (lo, <, hi);
    }

  /* through the data: each trajectory from its first sample, with its inputs */
  {
    g_autofree char *shipped = currents_cli_test_example ("toggle-ensemble.json");
    g_autofree char *data = currents_cli_test_example ("toggle.csv");
    g_autoptr(JsonParser) dparser = json_parser_new ();
    g_auto(CurrentsCliRun) d = { 0 };
    JsonObject *droot;
    JsonArray *dtrajs, *dpoints;
    double last_u_lo, last_u_hi, last_u;

    currents_cli_test_run (&d, "predict", shipped, "--data", data, "--input", "iptg", "--json",
                           NULL);
    g_assert_cmpstr (d.err, ==, "");
    g_assert_cmpint (d.status, ==, 0);
    droot = parse (dparser, d.out);
    dtrajs = json_object_get_array_member (droot, "trajectories");
    g_assert_cmpuint (json_array_get_length (dtrajs), ==, 24);
    dpoints = json_object_get_array_member (json_array_get_object_element (dtrajs, 0), "points");
    g_assert_cmpuint (json_array_get_length (dpoints), ==, 41);
    /* trajectory 0 (iptg = 0) settles near the u-high state, u = 4.8 in toggle.ode: the
     * members' range at t = 10 holds it within the data's noise and the fit */
    pt = json_array_get_object_element (dpoints, 40);
    last_u = json_array_get_double_element (json_object_get_array_member (pt, "median"), 0);
    band = json_object_get_array_member (pt, "band");
    last_u_lo = json_array_get_double_element (json_array_get_array_element (band, 0), 0);
    last_u_hi = json_array_get_double_element (json_array_get_array_element (band, 0), 1);
    g_test_message ("trajectory 0 at t = %g: u = %.4g (%.4g–%.4g)",
                    json_object_get_double_member (pt, "t"), last_u, last_u_lo, last_u_hi);
    g_assert_cmpfloat (last_u_lo, <=, last_u);
    g_assert_cmpfloat (last_u, <=, last_u_hi);
    g_assert_cmpfloat (fabs (last_u - 4.8), <, 0.3);
  }

  /* CSV: each state with its range */
  currents_cli_test_run (&c, "predict", ens_path, "--init", "u=2.385,v=0.5", "--t1", "1", NULL);
  g_assert_cmpint (c.status, ==, 0);
  g_assert_nonnull (strstr (c.out, "\nt,u,u_lo,u_hi,v,v_lo,v_hi\n"));
  g_assert_nonnull (strstr (c.out, "# ensemble of 3 members"));
}

static void
test_equilibria (void)
{
  g_autofree char *shipped = currents_cli_test_example ("toggle-ensemble.json");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(JsonParser) tparser = json_parser_new ();
  g_auto(CurrentsCliRun) tiny = { 0 };
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) t = { 0 };
  JsonObject *root;
  JsonArray *eqs;
  gint64 total = 0;

  /* the tiny ensemble (4 epochs) runs, whatever it finds */
  currents_cli_test_run (&tiny, "equilibria", ens_path, "--set", "iptg=0.8", "--json", NULL);
  g_assert_cmpstr (tiny.err, ==, "");
  g_assert_cmpint (tiny.status, ==, 0);
  root = parse (tparser, tiny.out);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "ensemble"),
                                               "members"), ==, 3);

  /* the shipped one at iptg = 0.8 (bistable): stable node, saddle, stable node */
  currents_cli_test_run (&r, "equilibria", shipped, "--set", "iptg=0.8", "--json", NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  root = parse (parser, r.out);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "ensemble"),
                                               "members"), ==, 8);
  eqs = json_object_get_array_member (root, "equilibria");
  g_assert_cmpuint (json_array_get_length (eqs), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (eqs, 1), "type"),
                   ==, "saddle");
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (eqs, 0), "agree"),
                   ==, 8);
  for (guint k = 0; k < json_array_get_length (eqs); k++)
    {
      JsonObject *e = json_array_get_object_element (eqs, k);
      JsonArray *state = json_object_get_array_member (e, "state");
      JsonArray *iv = json_object_get_array_member (e, "interval");
      gint64 agree = json_object_get_int_member (e, "agree");

      g_assert_cmpint (agree, >=, 6);
      g_assert_cmpint (agree, <=, 8);
      g_assert_cmpint (json_object_get_int_member (e, "type_agree"), <=, agree);
      g_assert_cmpstr (json_object_get_string_member (e, "interval_kind"), ==, "range");
      for (guint i = 0; i < 2; i++)
        {
          JsonArray *lh = json_array_get_array_element (iv, i);
          double x = json_array_get_double_element (state, i);

          g_assert_cmpfloat (json_array_get_double_element (lh, 0), <=, x);
          g_assert_cmpfloat (x, <=, json_array_get_double_element (lh, 1));
        }
      total += agree;
    }
  g_test_message ("%u equilibria, %" G_GINT64_FORMAT " member equilibria",
                  json_array_get_length (eqs), total);

  currents_cli_test_run (&t, "equilibria", shipped, "--set", "iptg=0.8", NULL);
  g_assert_cmpint (t.status, ==, 0);
  g_assert_nonnull (strstr (t.out, "Ensemble "));
  g_assert_nonnull (strstr (t.out, "members' range"));
  g_assert_nonnull (strstr (t.out, "saddle in 8 of 8, found in 8 of 8 members"));
}

static void
test_continue_toggle (void)
{
  g_autofree char *shipped = currents_cli_test_example ("toggle-ensemble.json");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) t = { 0 };
  g_auto(CurrentsCliRun) tiny = { 0 };
  const double truth[2] = { 0.6415, 0.9227 };
  JsonObject *root;
  JsonArray *folds;

  currents_cli_test_run (&r, "continue", shipped, "--param", "iptg", "--range", "0:2",
                         "--start", "0.8", "--json", NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  root = parse (parser, r.out);
  g_assert_cmpint (json_object_get_int_member (json_object_get_object_member (root, "ensemble"),
                                               "members"), ==, 8);
  folds = json_object_get_array_member (root, "folds");
  /* the two folds, and one member's third fold beyond the data (iptg > 1.2), found in 1 */
  g_assert_cmpuint (json_array_get_length (folds), ==, 3);
  g_assert_cmpint (json_object_get_int_member (json_array_get_object_element (folds, 2),
                                               "found_in"), ==, 1);
  for (guint k = 0; k < 2; k++)
    {
      JsonObject *f = json_array_get_object_element (folds, k);
      JsonArray *iv = json_object_get_array_member (f, "interval");

      g_test_message ("%s", json_object_get_string_member (f, "summary"));
      g_assert_cmpstr (json_object_get_string_member (f, "interval_kind"), ==, "range");
      g_assert_cmpfloat (json_array_get_double_element (iv, 0), <=, truth[k]);
      g_assert_cmpfloat (json_array_get_double_element (iv, 1), >=, truth[k]);
      g_assert_cmpint (json_object_get_int_member (f, "found_in"), >=, 6);
      g_assert_cmpint (json_object_get_int_member (f, "members"), ==, 8);
    }
  g_assert_nonnull (json_object_get_array_member (root, "hopf"));

  currents_cli_test_run (&t, "continue", shipped, "--param", "iptg", "--range", "0:2",
                         "--start", "0.8", NULL);
  g_assert_cmpint (t.status, ==, 0);
  g_assert_nonnull (strstr (t.out, "Tipping at iptg = "));
  g_assert_nonnull (strstr (t.out, " over 8 members, found in "));

  /* the tiny ensemble (4 epochs) has no equilibria to start from in any member: an error
   * the user can act on */
  currents_cli_test_run (&tiny, "continue", ens_path, "--param", "iptg", "--range", "0:2",
                         "--start", "0.8", "--json", NULL);
  g_assert_cmpint (tiny.status, ==, 1);
  g_assert_nonnull (strstr (tiny.err, "continuation failed in every ensemble member; "
                                      "ensemble member 1: no equilibria found"));
}

static void
test_errors (void)
{
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *model = currents_cli_test_example ("toggle.ode");
  g_autofree char *out = temp_path ("never.json");
  g_autofree char *text = NULL;
  g_autofree char *bad = NULL;
  g_auto(CurrentsCliRun) a = { 0 };
  g_auto(CurrentsCliRun) b = { 0 };
  g_auto(CurrentsCliRun) c = { 0 };
  g_auto(CurrentsCliRun) d = { 0 };
  char *p;

  currents_cli_test_run (&a, "train", data, "--input", "iptg", "--ensemble", "1", "-o", out,
                         NULL);
  g_assert_cmpint (a.status, ==, 2);
  g_assert_nonnull (strstr (a.err, "--ensemble: at least 2 members"));

  currents_cli_test_run (&b, "predict", model, "--init", "u=1,v=1", "--json", NULL);
  g_assert_cmpint (b.status, ==, 2);
  g_assert_nonnull (strstr (b.err, "only for an ensemble file"));

  currents_cli_test_run (&c, "continue", ens_path, "--param", "iptg", "--range", "0:2",
                         "--plot", out, NULL);
  g_assert_cmpint (c.status, ==, 2);

  /* a damaged ensemble: one weight changed */
  g_assert_true (g_file_get_contents (ens_path, &text, NULL, NULL));
  p = strstr (text, "\"params\"");
  g_assert_nonnull (p);
  p = strpbrk (p, "123456789");
  *p = *p == '9' ? '8' : *p + 1;
  bad = currents_cli_test_write_temp ("damaged-ensemble.json", text);
  currents_cli_test_run (&d, "equilibria", bad, NULL);
  g_assert_cmpint (d.status, ==, 1);
  g_assert_nonnull (strstr (d.err, "damaged"));
}

int
main (int    argc,
      char **argv)
{
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("test-cli-ensemble-XXXXXX", NULL);
  ens_path = g_build_filename (tmpdir, "ens.json", NULL);

  /* in order: the first trains the ensemble the others read */
  g_test_add_func ("/cli/ensemble/train", test_train);
  g_test_add_func ("/cli/ensemble/predict", test_predict);
  g_test_add_func ("/cli/ensemble/equilibria", test_equilibria);
  g_test_add_func ("/cli/ensemble/continue", test_continue_toggle);
  g_test_add_func ("/cli/ensemble/errors", test_errors);
  status = g_test_run ();

  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (tmpdir, name, NULL);
        g_unlink (path);
      }
  }
  g_rmdir (tmpdir);
  g_free (ens_path);
  g_free (tmpdir);
  return status;
}
