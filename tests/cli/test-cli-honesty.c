/* test-cli-honesty.c — a trained model says when it is asked outside its data
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On data/examples/toggle-trained.json (a network trained on toggle.csv, IPTG levels
 * 0 … 1.2): every "extrapolated" flag in the JSON of equilibria, continue and trajectory
 * equals what the model's own training ranges say about that point, computed here; a
 * model written by hand has no such flag.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <json-glib/json-glib.h>

#include "currents-cli-test.h"
#include "currents-engine.h"

typedef struct
{
  double xlo[2], xhi[2], ulo, uhi;
} Ranges;

static void
load_ranges (Ranges *r)
{
  g_autofree char *path = currents_cli_test_example ("toggle-trained.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) tm = currents_trained_model_load (path, &error);

  g_assert_no_error (error);
  g_assert_true (currents_trained_model_get_ranges (tm, r->xlo, r->xhi, &r->ulo, &r->uhi));
  g_assert_cmpfloat (r->ulo, ==, 0.0);
  g_assert_cmpfloat (r->uhi, ==, 1.2);
}

static gboolean
outside (const Ranges *r,
         const double *x,
         double        u)
{
  for (int i = 0; i < 2; i++)
    if (x[i] < r->xlo[i] - 1e-9 * (r->xhi[i] - r->xlo[i])
        || x[i] > r->xhi[i] + 1e-9 * (r->xhi[i] - r->xlo[i]))
      return TRUE;
  return u < r->ulo - 1e-9 || u > r->uhi + 1e-9;
}

static JsonObject *
run_json (const char *first,
          ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  g_auto(CurrentsCliRun) run = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  currents_cli_test_run_argv (&run, (const char *const *) args->pdata);
  g_assert_cmpint (run.status, ==, 0);
  json_parser_load_from_data (parser, run.out, -1, &error);
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
point_state (JsonObject *o,
             double     *x)
{
  JsonArray *s = json_object_get_array_member (o, "state");

  x[0] = json_array_get_double_element (s, 0);
  x[1] = json_array_get_double_element (s, 1);
}

static void
test_equilibria (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle-trained.json");
  g_autofree char *known = currents_cli_test_example ("toggle.ode");
  Ranges r;

  load_ranges (&r);
  for (int c = 0; c < 2; c++)
    {
      double u = c == 0 ? 0.8 : 1.6;
      g_autofree char *set = g_strdup_printf ("iptg=%g", u);
      g_autoptr(JsonObject) root = run_json ("equilibria", model, "--set", set, "--box",
                                             "u=0:8,v=0:6", "--json", NULL);
      JsonArray *eqs = json_object_get_array_member (root, "equilibria");
      gboolean any = FALSE;

      g_assert_cmpuint (json_array_get_length (eqs), >, 0);
      for (guint k = 0; k < json_array_get_length (eqs); k++)
        {
          JsonObject *eq = json_array_get_object_element (eqs, k);
          double x[2];

          point_state (eq, x);
          g_assert_cmpint (json_object_get_boolean_member (eq, "extrapolated"), ==,
                           outside (&r, x, u));
          any |= outside (&r, x, u);
        }
      g_assert_cmpint (json_object_get_boolean_member (root, "extrapolated"), ==, any);
      /* IPTG = 1.6 lies beyond the data's 1.2: everything there is extrapolated */
      g_assert_cmpint (any, ==, c == 1);
    }
  {
    g_autoptr(JsonObject) root = run_json ("equilibria", known, "--json", NULL);

    g_assert_false (json_object_has_member (root, "extrapolated"));
  }
}

static void
test_continue (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle-trained.json");
  g_autoptr(JsonObject) root = run_json ("continue", model, "--param", "iptg", "--range", "0:3",
                                         "--json", NULL);
  JsonArray *branches = json_object_get_array_member (root, "branches");
  guint n_in = 0, n_out = 0;
  Ranges r;

  load_ranges (&r);
  for (guint b = 0; b < json_array_get_length (branches); b++)
    {
      JsonArray *pts = json_object_get_array_member (json_array_get_object_element (branches, b),
                                                     "points");

      for (guint k = 0; k < json_array_get_length (pts); k++)
        {
          JsonObject *p = json_array_get_object_element (pts, k);
          double x[2], u = json_object_get_double_member (p, "param");
          gboolean out;

          point_state (p, x);
          out = outside (&r, x, u);
          g_assert_cmpint (json_object_get_boolean_member (p, "extrapolated"), ==, out);
          n_out += out;
          n_in += !out;
        }
    }
  g_assert_cmpuint (n_in, >, 10);
  g_assert_cmpuint (n_out, >, 10);
  g_assert_true (json_object_get_boolean_member (root, "extrapolated"));
  /* the folds lie inside the data's IPTG range */
  {
    JsonArray *folds = json_object_get_array_member (root, "folds");

    g_assert_cmpuint (json_array_get_length (folds), ==, 2);
    for (guint k = 0; k < 2; k++)
      g_assert_false (json_object_get_boolean_member (json_array_get_object_element (folds, k),
                                                      "extrapolated"));
  }
}

static void
test_trajectory_and_predict (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle-trained.json");
  g_autoptr(JsonObject) root = NULL;
  g_auto(CurrentsCliRun) run = { 0 };
  JsonObject *tr;

  /* from u = 8, far beyond the data, back towards them */
  root = run_json ("trajectory", model, "--from", "u=8,v=0.1", "--json", NULL);
  tr = json_array_get_object_element (json_object_get_array_member (root, "trajectories"), 0);
  g_assert_true (json_object_get_boolean_member (tr, "extrapolated"));
  g_assert_cmpfloat (json_object_get_double_member (tr, "extrapolated_from_t"), ==, 0.0);
  g_assert_true (json_object_get_boolean_member (root, "extrapolated"));

  currents_cli_test_run (&run, "predict", model, "--init", "u=8,v=0.1", "--t1", "2", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_nonnull (strstr (run.out, "# extrapolated: from t = 0 (u = 8 outside"));
  g_assert_nonnull (strstr (run.err, "warning"));
  currents_cli_test_run_clear (&run);

  /* inside the data: no note */
  currents_cli_test_run (&run, "predict", model, "--init", "u=2,v=1", "--t1", "2", "--set",
                         "iptg=0.5", NULL);
  g_assert_cmpint (run.status, ==, 0);
  g_assert_null (strstr (run.out, "extrapolated"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/honesty/equilibria", test_equilibria);
  g_test_add_func ("/cli/honesty/continue", test_continue);
  g_test_add_func ("/cli/honesty/trajectory-predict", test_trajectory_and_predict);
  return g_test_run ();
}
