/* test-trained.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trained models and their JSON files: bit-identical round trips (neural and `.ode`
 * kinds), the number format on values json-glib's own writer gets wrong, no non-finite
 * number in a file, sniffing, and every refusal with its message.
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-engine.h"
#include "currents-neural.h"
#include "currents-trained.h"

static const char ode_source[] =
  "# chemostat with a learned growth rate\n"
  "par D=0.3, Sin=5, Y=0.5\n"
  "input u=0.2\n"
  "learn mu(S) hidden=4\n"
  "X' = (mu(S) - D)*X + u\n"
  "S' = D*(Sin - S) - mu(S)*X/Y\n";

/* ------------------------------------------------------------------------------------ */
/* Fixtures                                                                             */

static char *
make_tmp_dir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("currents-trained-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static void
remove_tmp_dir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_dir_close (d);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

static CurrentsDataset *
make_dataset (void)
{
  const char *states[] = { "x", "y", NULL };
  const char *inputs[] = { "iptg", "k", NULL };
  CurrentsDataset *ds = currents_dataset_new (states, inputs);
  const double ta[] = { 0.0, 1.5, 4.0 };
  const double sa[] = { 1.0, 3.2, 2.0, 3.0, NAN, 2.7 };
  const double ua[] = { 0.0, 2.0, 0.0, 2.0, 0.0, 2.0 };
  const double tb[] = { 0.5, 2.5 };
  const double sb[] = { 4.0, 3.3, 7.0, NAN };
  const double ub[] = { 0.1, 5.0, 0.1, 5.0 };
  GError *error = NULL;

  g_assert_true (currents_dataset_add_trajectory (ds, "a", 3, ta, sa, ua, &error));
  g_assert_true (currents_dataset_add_trajectory (ds, "b", 2, tb, sb, ub, &error));
  g_assert_no_error (error);
  return ds;
}

/* A neural model (4-6-5-2 softplus, iptg log-scaled) with "fitted" weights, ranges,
 * provenance, settings and a history with gaps. */
static CurrentsTrainedModel *
make_neural (void)
{
  g_autoptr(CurrentsDataset) ds = make_dataset ();
  const char *logs[] = { "iptg", NULL };
  CurrentsNeuralSpec spec;
  CurrentsNeuralModel *nm;
  CurrentsTrainedModel *tm;
  g_autofree double *p = NULL;
  g_autoptr(JsonObject) settings = json_object_new ();
  JsonObject *sched = json_object_new ();
  JsonArray *milestones = json_array_new ();
  GError *error = NULL;
  gsize k;
  const double x_min[] = { 1.0, 2.7 }, x_max[] = { 7.0, 3.3 };
  const double u_min[] = { 0.0, 2.0 }, u_max[] = { 0.1, NAN };

  currents_neural_spec_init (&spec);
  spec.hidden[0] = 6;
  spec.hidden[1] = 5;
  spec.activation = CURRENTS_ACTIVATION_SOFTPLUS;
  spec.seed = 2385;
  spec.log_inputs = logs;
  nm = currents_neural_model_new (ds, &spec, &error);
  g_assert_no_error (error);
  k = currents_neural_model_get_n_params (nm);
  p = g_new (double, k);
  for (gsize i = 0; i < k; i++)
    p[i] = currents_neural_model_get_initial_params (nm)[i] + 0.37 * sin (2.385 * (double) i);
  tm = currents_trained_model_new_neural (nm, p);
  currents_trained_model_set_ranges (tm, x_min, x_max, u_min, u_max);
  currents_trained_model_set_data (tm, "toggle16.csv", currents_dataset_get_sha256 (ds));

  json_object_set_string_member (settings, "optimizer", "adam");
  json_object_set_double_member (settings, "learning_rate", 1e-3);
  json_object_set_int_member (settings, "epochs", 300);
  json_object_set_boolean_member (settings, "adjoint", TRUE);
  json_object_set_null_member (settings, "validation_file");
  json_object_set_string_member (settings, "command", "currents-cli train \"a b\"\t\\ ü");
  json_array_add_int_element (milestones, 100);
  json_array_add_double_element (milestones, 0.1);
  json_object_set_array_member (sched, "milestones", milestones);
  json_object_set_object_member (settings, "schedule", sched);
  currents_trained_model_set_training (tm, settings);

  currents_trained_model_add_history (tm, 0, 2.385, NAN);
  currents_trained_model_add_history (tm, 1, 1.0 / 3.0, 0.731);
  currents_trained_model_add_history (tm, 5, NAN, 1e-300);
  return tm;
}

static CurrentsTrainedModel *
make_ode (void)
{
  GError *error = NULL;
  CurrentsModel *model = currents_model_new_from_string (ode_source, "chemostat.ode", &error);
  g_autofree double *p = NULL;
  gsize k;

  g_assert_no_error (error);
  k = currents_model_get_n_params (model);
  g_assert_cmpuint (k, ==, 3 + (4 * 1 + 4) + (1 * 4 + 1));
  p = g_memdup2 (currents_model_get_params (model), k * sizeof (double));
  /* fitted: D, Sin, Y and the learned weights all moved */
  for (gsize i = 0; i < k; i++)
    p[i] += 0.1 * cos (1.7 * (double) i + 0.3);
  return currents_trained_model_new_ode (model, p);
}

/* f at a few points through the trained model's own field and params. */
static void
eval_points (const CurrentsTrainedModel *tm,
             double                     *out)
{
  CurrentsField *field = currents_trained_model_get_field (tm);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  const double pts[][4] = {
    { 2.385, 3.1, 0.0, 1.7 }, { 0.4, 2.2, 0.35, 0.5 }, { 6.3, 4.8, 1.0, 3.9 },
    { 1.0, 0.0, 0.05, 2.0 },
  };
  gsize n = currents_field_get_n_states (field);

  g_assert_cmpuint (n, ==, 2);
  for (gsize q = 0; q < G_N_ELEMENTS (pts); q++)
    currents_field_eval (ws, 0.0, pts[q], pts[q] + 2, currents_trained_model_get_params (tm),
                         out + q * n);
}

#define N_EVAL (4 * 2)

static void
assert_same_doubles (const double *a,
                     const double *b,
                     gsize         n)
{
  /* bit for bit (memcmp also tells −0 from 0 and compares NaN payloads) */
  g_assert_cmpmem (a, n * sizeof (double), b, n * sizeof (double));
}

static void
assert_same_strv (const char *const *a,
                  const char *const *b)
{
  g_assert_true (g_strv_equal ((const char *const *) a, (const char *const *) b));
}

/* Everything but the weights and the model itself. */
static void
assert_same_extras (const CurrentsTrainedModel *a,
                    const CurrentsTrainedModel *b)
{
  gsize n = currents_trained_model_get_n_states (a), m = currents_trained_model_get_n_inputs (a);
  double ra[4][8], rb[4][8];
  const guint *ea, *eb;
  const double *ta, *tb, *va, *vb;
  gsize h;
  JsonObject *sa = currents_trained_model_get_training (a);
  JsonObject *sb = currents_trained_model_get_training (b);

  assert_same_strv (currents_trained_model_get_state_names (a),
                    currents_trained_model_get_state_names (b));
  assert_same_strv (currents_trained_model_get_input_names (a),
                    currents_trained_model_get_input_names (b));
  g_assert_cmpuint (currents_trained_model_get_n_states (b), ==, n);
  g_assert_cmpuint (currents_trained_model_get_n_inputs (b), ==, m);
  g_assert_cmpint (currents_trained_model_get_ranges (a, ra[0], ra[1], ra[2], ra[3]), ==,
                   currents_trained_model_get_ranges (b, rb[0], rb[1], rb[2], rb[3]));
  assert_same_doubles (ra[0], rb[0], n);
  assert_same_doubles (ra[1], rb[1], n);
  assert_same_doubles (ra[2], rb[2], m);
  assert_same_doubles (ra[3], rb[3], m);
  g_assert_cmpstr (currents_trained_model_get_data_filename (a), ==,
                   currents_trained_model_get_data_filename (b));
  g_assert_cmpstr (currents_trained_model_get_data_sha256 (a), ==,
                   currents_trained_model_get_data_sha256 (b));
  h = currents_trained_model_get_history (a, &ea, &ta, &va);
  g_assert_cmpuint (currents_trained_model_get_history (b, &eb, &tb, &vb), ==, h);
  if (h > 0)
    {
      g_assert_cmpmem (ea, h * sizeof (guint), eb, h * sizeof (guint));
      assert_same_doubles (ta, tb, h);
      assert_same_doubles (va, vb, h);
    }
  g_assert_true ((sa == NULL) == (sb == NULL));
  if (sa != NULL)
    {
      g_autoptr(JsonNode) na = json_node_init_object (json_node_alloc (), sa);
      g_autoptr(JsonNode) nb = json_node_init_object (json_node_alloc (), sb);

      g_assert_true (json_node_equal (na, nb));
    }
}

static CurrentsTrainedModel *
round_trip (const CurrentsTrainedModel *tm,
            const char                 *dir)
{
  g_autofree char *path = g_build_filename (dir, "model.json", NULL);
  GError *error = NULL;
  CurrentsTrainedModel *back;

  g_assert_true (currents_trained_model_save (tm, path, &error));
  g_assert_no_error (error);
  back = currents_trained_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  return back;
}

/* ------------------------------------------------------------------------------------ */
/* Round trips                                                                          */

static void
test_number_format (void)
{
  /* A 1-2-1 network has exactly 7 weights: the values json-glib's writer or a naive
   * printf would damage. */
  const char *states[] = { "x", NULL };
  const double zero = 0.0, one = 1.0;
  CurrentsNeuralScaling sc = { &zero, &one, NULL, NULL, NULL, NULL, 1.0 };
  CurrentsNeuralSpec spec;
  GError *error = NULL;
  const double tricky[7] = { 0.1, 1.0 / 3.0, 1e-300, -0.0, 5e-324, 1.7976931348623157e308,
                             1e22 };
  /* the shortest text of 15 to 17 digits that reads back to the same bits */
  const char *expect[7] = { "0.1", "0.3333333333333333", "1.0e-300", "-0.0",
                            "4.94065645841247e-324", "1.7976931348623157e+308",
                            "1.0e+22" };
  g_autoptr(CurrentsTrainedModel) tm = NULL, back = NULL;
  g_autofree char *text = NULL, *again = NULL;
  CurrentsNeuralModel *nm;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 2;
  nm = currents_neural_model_new_full (states, NULL, &spec, &sc, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_neural_model_get_n_params (nm), ==, G_N_ELEMENTS (tricky));
  tm = currents_trained_model_new_neural (nm, tricky);
  text = currents_trained_model_to_data (tm);
  for (gsize i = 0; i < G_N_ELEMENTS (expect); i++)
    {
      g_autofree char *token = g_strdup_printf ("%s%s", expect[i],
                                                i + 1 < G_N_ELEMENTS (expect) ? "," : "\n");

      if (strstr (text, token) == NULL)
        g_error ("'%s' not written as %s:\n%s", expect[i], token, text);
    }

  back = currents_trained_model_load_from_data (text, -1, "model.json", &error);
  g_assert_no_error (error);
  assert_same_doubles (currents_trained_model_get_params (back), tricky, 7);
  g_assert_true (signbit (currents_trained_model_get_params (back)[3]));
  again = currents_trained_model_to_data (back);
  g_assert_cmpstr (again, ==, text);
}

static void
test_number_format_locale (void)
{
  /* Writing and reading do not depend on LC_NUMERIC (de_DE writes "0,1" with printf). */
  g_autoptr(CurrentsTrainedModel) tm = make_neural ();
  g_autoptr(CurrentsTrainedModel) back = NULL;
  g_autofree char *c_text = currents_trained_model_to_data (tm);
  g_autofree char *de_text = NULL;
  g_autofree char *old = g_strdup (setlocale (LC_ALL, NULL));
  GError *error = NULL;

  if (setlocale (LC_ALL, "de_DE.UTF-8") == NULL && setlocale (LC_ALL, "de_DE.utf8") == NULL)
    {
      /* Not a skip: the C-locale part of the test has run; say what was not checked. */
      g_test_message ("de_DE locale not installed; checked the C locale only");
      return;
    }
  de_text = currents_trained_model_to_data (tm);
  back = currents_trained_model_load_from_data (de_text, -1, "model.json", &error);
  setlocale (LC_ALL, old);
  g_assert_no_error (error);
  g_assert_cmpstr (de_text, ==, c_text);
  assert_same_doubles (currents_trained_model_get_params (back),
                       currents_trained_model_get_params (tm),
                       currents_trained_model_get_n_params (tm));
}

static void
test_neural_round_trip (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autoptr(CurrentsTrainedModel) tm = make_neural ();
  g_autoptr(CurrentsTrainedModel) back = NULL;
  const CurrentsNeuralModel *a, *b;
  const CurrentsNeuralSpec *sa, *sb;
  const CurrentsNeuralScaling *ca, *cb;
  double fa[N_EVAL], fb[N_EVAL];
  g_autofree char *text = NULL, *text_back = NULL, *path = NULL, *on_disk = NULL;
  gsize k = currents_trained_model_get_n_params (tm);
  GDir *d;
  const char *name;
  guint n_files = 0;

  back = round_trip (tm, dir);
  g_assert_cmpint (currents_trained_model_get_kind (back), ==, CURRENTS_TRAINED_NEURAL);
  g_assert_null (currents_trained_model_get_ode (back));
  g_assert_cmpuint (currents_trained_model_get_n_params (back), ==, k);
  assert_same_doubles (currents_trained_model_get_params (back),
                       currents_trained_model_get_params (tm), k);

  a = currents_trained_model_get_neural (tm);
  b = currents_trained_model_get_neural (back);
  sa = currents_neural_model_get_spec (a);
  sb = currents_neural_model_get_spec (b);
  g_assert_cmpuint (sb->n_hidden, ==, 2);
  g_assert_cmpuint (sb->hidden[0], ==, 6);
  g_assert_cmpuint (sb->hidden[1], ==, 5);
  g_assert_cmpint (sb->activation, ==, CURRENTS_ACTIVATION_SOFTPLUS);
  g_assert_cmpuint (sb->seed, ==, 2385);
  assert_same_strv (sa->log_inputs, sb->log_inputs);
  assert_same_doubles (currents_neural_model_get_initial_params (a),
                       currents_neural_model_get_initial_params (b), k);
  ca = currents_neural_model_get_scaling (a);
  cb = currents_neural_model_get_scaling (b);
  assert_same_doubles (ca->x_mean, cb->x_mean, 2);
  assert_same_doubles (ca->x_scale, cb->x_scale, 2);
  assert_same_doubles (ca->u_mean, cb->u_mean, 2);
  assert_same_doubles (ca->u_scale, cb->u_scale, 2);
  assert_same_doubles (ca->u_offset, cb->u_offset, 2);
  g_assert_cmpmem (ca->u_log, 2 * sizeof (gboolean), cb->u_log, 2 * sizeof (gboolean));
  g_assert_cmpfloat (ca->t_scale, ==, cb->t_scale);
  assert_same_extras (tm, back);

  /* identical predictions, bit for bit */
  eval_points (tm, fa);
  eval_points (back, fb);
  assert_same_doubles (fa, fb, N_EVAL);

  /* the file as written: what made it, and a second save is the same text */
  path = g_build_filename (dir, "model.json", NULL);
  g_assert_true (g_file_get_contents (path, &on_disk, NULL, NULL));
  text = currents_trained_model_to_data (tm);
  text_back = currents_trained_model_to_data (back);
  g_assert_cmpstr (on_disk, ==, text);
  g_assert_cmpstr (text_back, ==, text);
  g_assert_true (g_str_has_prefix (text, "{\n  \"format\": \"" CURRENTS_TRAINED_FORMAT "\",\n"
                                   "  \"version\": 1,\n"));
  g_assert_nonnull (strstr (text, "\"program_version\": \"" PACKAGE_VERSION "\""));
  g_assert_nonnull (strstr (text, "\"sha256\": \""));
  g_assert_true (currents_trained_model_sniff (path));

  /* atomic save left no temporary file behind */
  d = g_dir_open (dir, 0, NULL);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_assert_cmpstr (name, ==, "model.json");
      n_files++;
    }
  g_dir_close (d);
  g_assert_cmpuint (n_files, ==, 1);
  remove_tmp_dir (dir);
}

static void
test_ode_round_trip (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autoptr(CurrentsTrainedModel) tm = make_ode ();
  g_autoptr(CurrentsTrainedModel) back = NULL;
  const CurrentsModel *a, *b;
  double fa[N_EVAL], fb[N_EVAL], fd[N_EVAL];
  const char *inputs[] = { "u", NULL };
  const double x_min[] = { 0.0, 0.5 };
  gsize k = currents_trained_model_get_n_params (tm);

  currents_trained_model_set_ranges (tm, x_min, NULL, NULL, NULL);
  currents_trained_model_add_history (tm, 3, 0.25, NAN);
  back = round_trip (tm, dir);
  g_assert_cmpint (currents_trained_model_get_kind (back), ==, CURRENTS_TRAINED_ODE);
  g_assert_null (currents_trained_model_get_neural (back));
  a = currents_trained_model_get_ode (tm);
  b = currents_trained_model_get_ode (back);
  g_assert_cmpstr (currents_model_get_source (b), ==, ode_source);
  g_assert_cmpstr (currents_model_get_filename (b), ==, "chemostat.ode");
  g_assert_cmpuint (currents_model_get_n_learned (b), ==, 1);
  g_assert_cmpuint (currents_model_get_n_named_params (b), ==, 3);
  g_assert_cmpuint (currents_trained_model_get_n_params (back), ==, k);
  assert_same_strv (currents_trained_model_get_input_names (back), inputs);
  assert_same_doubles (currents_trained_model_get_params (back),
                       currents_trained_model_get_params (tm), k);
  /* the fitted values, not the file's defaults */
  g_assert_cmpfloat (currents_trained_model_get_params (back)[0], !=,
                     currents_model_get_params (b)[0]);
  assert_same_extras (tm, back);

  eval_points (tm, fa);
  eval_points (back, fb);
  assert_same_doubles (fa, fb, N_EVAL);
  /* and they are the fitted parameters' predictions, through the model's own field */
  {
    g_autoptr(CurrentsFieldWorkspace) ws =
      currents_field_workspace_new (currents_model_get_field (a));
    const double x[2] = { 2.385, 3.1 }, u[1] = { 0.0 };

    currents_field_eval (ws, 0.0, x, u, currents_trained_model_get_params (tm), fd);
    g_assert_cmpfloat (fd[0], ==, fa[0]);
    g_assert_cmpfloat (fd[1], ==, fa[1]);
  }
  remove_tmp_dir (dir);
}

static void
test_accessors (void)
{
  g_autoptr(CurrentsTrainedModel) tm = make_neural ();
  g_autoptr(CurrentsTrainedModel) ode = make_ode ();
  g_autoptr(CurrentsTrainedModel) fresh = NULL;
  g_autoptr(CurrentsDataset) ds = make_dataset ();
  g_autoptr(JsonObject) settings = json_object_new ();
  CurrentsNeuralModel *nm;
  g_autofree double *p = NULL;
  double x_min[2], u_max[2];
  gsize k;

  g_assert_true (currents_trained_model_get_field (tm)
                 == currents_neural_model_get_field (currents_trained_model_get_neural (tm)));
  g_assert_true (currents_trained_model_get_field (ode)
                 == currents_model_get_field (currents_trained_model_get_ode (ode)));
  g_assert_cmpuint (currents_trained_model_get_n_params (tm), ==,
                    currents_field_get_n_params (currents_trained_model_get_field (tm)));
  g_assert_cmpuint (currents_trained_model_get_n_params (ode), ==,
                    currents_field_get_n_params (currents_trained_model_get_field (ode)));
  g_assert_cmpstr (currents_trained_model_get_state_names (ode)[1], ==, "S");
  g_assert_cmpuint (currents_trained_model_get_n_inputs (ode), ==, 1);

  /* params are copied in and out */
  k = currents_trained_model_get_n_params (tm);
  p = g_new (double, k);
  for (gsize i = 0; i < k; i++)
    p[i] = 0.01 * (double) i;
  currents_trained_model_set_params (tm, p);
  p[0] = 99.0;
  g_assert_cmpfloat (currents_trained_model_get_params (tm)[0], ==, 0.0);
  g_assert_cmpfloat (currents_trained_model_get_params (tm)[7], ==, 0.01 * 7.0);

  /* NULL params: the seeded initial weights; no ranges, settings or history yet */
  nm = currents_neural_model_new (ds, NULL, NULL);
  fresh = currents_trained_model_new_neural (nm, NULL);
  assert_same_doubles (currents_trained_model_get_params (fresh),
                       currents_neural_model_get_initial_params (nm),
                       currents_neural_model_get_n_params (nm));
  g_assert_false (currents_trained_model_get_ranges (fresh, x_min, NULL, NULL, u_max));
  g_assert_true (isnan (x_min[0]) && isnan (x_min[1]) && isnan (u_max[1]));
  g_assert_null (currents_trained_model_get_training (fresh));
  g_assert_cmpuint (currents_trained_model_get_history (fresh, NULL, NULL, NULL), ==, 0);
  g_assert_null (currents_trained_model_get_data_filename (fresh));

  /* the settings are a deep copy */
  json_object_set_int_member (settings, "epochs", 10);
  currents_trained_model_set_training (fresh, settings);
  json_object_set_int_member (settings, "epochs", 20);
  g_assert_cmpint (json_object_get_int_member (currents_trained_model_get_training (fresh),
                                               "epochs"), ==, 10);
  currents_trained_model_set_training (fresh, NULL);
  g_assert_null (currents_trained_model_get_training (fresh));
}

static void
test_no_non_finite (void)
{
  g_autoptr(CurrentsTrainedModel) tm = make_neural ();
  g_autoptr(CurrentsTrainedModel) back = NULL;
  g_autoptr(JsonObject) settings = json_object_new ();
  g_autofree char *text = NULL, *lower = NULL;
  const double x_min[] = { NAN, -INFINITY }, x_max[] = { INFINITY, 1.0 };
  const guint *epochs;
  const double *train, *val;
  double r[2];
  GError *error = NULL;

  currents_trained_model_add_history (tm, 6, INFINITY, -INFINITY);
  currents_trained_model_set_ranges (tm, x_min, x_max, NULL, NULL);
  json_object_set_double_member (settings, "best_loss", NAN);
  json_object_set_double_member (settings, "clip", INFINITY);
  currents_trained_model_set_training (tm, settings);
  text = currents_trained_model_to_data (tm);
  lower = g_ascii_strdown (text, -1);
  g_assert_null (strstr (lower, "nan"));
  g_assert_null (strstr (lower, "inf"));
  g_assert_nonnull (strstr (text, "\"best_loss\": null"));

  /* json-glib reads it, and a null comes back as NaN */
  back = currents_trained_model_load_from_data (text, -1, "model.json", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_trained_model_get_history (back, &epochs, &train, &val), ==, 4);
  g_assert_cmpuint (epochs[3], ==, 6);
  g_assert_true (isnan (val[0]) && isnan (train[2]) && isnan (train[3]) && isnan (val[3]));
  g_assert_cmpfloat (train[1], ==, 1.0 / 3.0);
  g_assert_cmpfloat (val[2], ==, 1e-300);
  g_assert_true (currents_trained_model_get_ranges (back, r, NULL, NULL, NULL));
  g_assert_true (isnan (r[0]) && isnan (r[1]));
  g_assert_true (json_node_is_null (json_object_get_member (
                   currents_trained_model_get_training (back), "best_loss")));
}

static void
test_sniff (void)
{
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *model = g_build_filename (dir, "model.json", NULL);
  g_autofree char *ode = g_build_filename (dir, "model.ode", NULL);
  g_autofree char *other = g_build_filename (dir, "other.json", NULL);
  g_autofree char *empty = g_build_filename (dir, "empty.json", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.json", NULL);
  g_autoptr(CurrentsTrainedModel) tm = make_ode ();

  g_assert_true (currents_trained_model_save (tm, model, NULL));
  g_assert_true (g_file_set_contents (ode, ode_source, -1, NULL));
  g_assert_true (g_file_set_contents (other, "{\"format\": \"something-else\"}", -1, NULL));
  g_assert_true (g_file_set_contents (empty, "", 0, NULL));
  g_assert_true (currents_trained_model_sniff (model));
  g_assert_false (currents_trained_model_sniff (ode));
  g_assert_false (currents_trained_model_sniff (other));
  g_assert_false (currents_trained_model_sniff (empty));
  g_assert_false (currents_trained_model_sniff (missing));
  remove_tmp_dir (dir);
}

/* ------------------------------------------------------------------------------------ */
/* Refusals                                                                             */

static void
expect_refusal (const char *text,
                gssize      length,
                int         code,
                const char *message)
{
  GError *error = NULL;
  CurrentsTrainedModel *tm = currents_trained_model_load_from_data (text, length, "model.json",
                                                                    &error);

  g_assert_null (tm);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, code);
  if (!g_str_has_prefix (error->message, message))
    g_error ("expected a message starting \"%s\", got \"%s\"", message, error->message);
  g_test_message ("%s", error->message);
  g_error_free (error);
}

typedef void (*Tamper) (JsonObject *root);

/* The saved text of @tm, parsed, changed by @tamper and written again by json-glib.
 * Its writer damages some numbers (1e-300 comes out as `1e-300.0`, which it cannot read
 * back: why the engine writes its own), so the history, which holds one, is dropped;
 * the weights here are ordinary numbers. */
static char *
tampered (const CurrentsTrainedModel *tm,
          Tamper                      tamper)
{
  g_autofree char *text = currents_trained_model_to_data (tm);
  g_autoptr(JsonParser) parser = json_parser_new ();
  GError *error = NULL;
  JsonNode *root;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  root = json_parser_get_root (parser);
  json_object_remove_member (json_node_get_object (root), "history");
  tamper (json_node_get_object (root));
  return json_to_string (root, TRUE);
}

static void
set_foreign_format (JsonObject *root)
{
  json_object_set_string_member (root, "format", "foo");
}

static void
set_version_2 (JsonObject *root)
{
  json_object_set_int_member (root, "version", 2);
}

static void
set_version_0 (JsonObject *root)
{
  json_object_set_int_member (root, "version", 0);
}

static void
set_version_string (JsonObject *root)
{
  json_object_set_string_member (root, "version", "1");
}

static void
short_params (JsonObject *root)
{
  JsonArray *arr = json_array_new ();

  for (int i = 0; i < 130; i++)
    json_array_add_double_element (arr, 0.25 * i);
  json_object_set_array_member (root, "params", arr);
}

static void
string_weight (JsonObject *root)
{
  JsonArray *arr = json_object_get_array_member (root, "params");

  json_array_remove_element (arr, 12);
  /* json-glib has no insert: rebuild with a string at index 12 */
  {
    JsonArray *copy = json_array_new ();

    for (guint i = 0; i < json_array_get_length (arr) + 1; i++)
      if (i == 12)
        json_array_add_string_element (copy, "0.5");
      else
        json_array_add_element (copy,
                                json_node_copy (json_array_get_element (arr, i < 12 ? i : i - 1)));
    json_object_set_array_member (root, "params", copy);
  }
}

static void
null_weight (JsonObject *root)
{
  JsonArray *arr = json_object_get_array_member (root, "params"), *copy = json_array_new ();

  for (guint i = 0; i < json_array_get_length (arr); i++)
    if (i == 3)
      json_array_add_null_element (copy);
    else
      json_array_add_element (copy, json_node_copy (json_array_get_element (arr, i)));
  json_object_set_array_member (root, "params", copy);
}

static void
params_not_array (JsonObject *root)
{
  json_object_set_string_member (root, "params", "weights.bin");
}

static void
drop_scaling (JsonObject *root)
{
  json_object_remove_member (root, "scaling");
}

static void
drop_params (JsonObject *root)
{
  json_object_remove_member (root, "params");
}

static void
long_x_mean (JsonObject *root)
{
  JsonObject *sc = json_object_get_object_member (root, "scaling");

  json_array_add_double_element (json_object_get_array_member (sc, "x_mean"), 1.5);
}

static void
zero_scale (JsonObject *root)
{
  JsonObject *sc = json_object_get_object_member (root, "scaling");
  JsonArray *arr = json_array_new ();

  json_array_add_double_element (arr, 2.0);
  json_array_add_double_element (arr, 0.0);
  json_object_set_array_member (sc, "x_scale", arr);
}

static void
unknown_kind (JsonObject *root)
{
  json_object_set_string_member (root, "kind", "sindy");
}

static void
bad_activation (JsonObject *root)
{
  JsonObject *arch = json_object_get_object_member (root, "architecture");

  json_object_set_string_member (arch, "activation", "cosine");
}

static void
broken_source (JsonObject *root)
{
  JsonObject *model = json_object_get_object_member (root, "model");

  json_object_set_string_member (model, "source", "par a=1\nx' = a*\n");
}

static void
renamed_state (JsonObject *root)
{
  JsonArray *states = json_array_new ();

  json_array_add_string_element (states, "X");
  json_array_add_string_element (states, "P");
  json_object_set_array_member (root, "states", states);
}

static void
bad_history (JsonObject *root)
{
  JsonObject *h = json_object_new ();
  JsonArray *epochs = json_array_new (), *train = json_array_new (), *val = json_array_new ();

  for (int i = 0; i < 3; i++)
    {
      json_array_add_int_element (epochs, i);
      json_array_add_double_element (train, 1.5 / (i + 1));
      json_array_add_double_element (val, 2.5 / (i + 1));
    }
  json_array_add_double_element (val, 0.5);
  json_object_set_array_member (h, "epoch", epochs);
  json_object_set_array_member (h, "train_loss", train);
  json_object_set_array_member (h, "val_loss", val);
  json_object_set_object_member (root, "history", h);
}

static void
test_refusals (void)
{
  g_autoptr(CurrentsTrainedModel) tm = make_neural ();
  g_autoptr(CurrentsTrainedModel) ode = make_ode ();
  g_autofree char *text = currents_trained_model_to_data (tm);
  g_autofree char *dir = make_tmp_dir ();
  g_autofree char *missing = g_build_filename (dir, "model.json", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "no-such-dir", "model.json", NULL);
  g_autofree char *msg = NULL;
  GError *error = NULL;
  gsize k = currents_trained_model_get_n_params (tm);
  static const char binary[] = "{\"format\": \"" CURRENTS_TRAINED_FORMAT "\"\0}";
  const struct { Tamper tamper; const CurrentsTrainedModel *model; const char *message; }
  cases[] = {
    { set_foreign_format, tm, "model.json: not a Currents trained model (format is 'foo')" },
    { set_version_2, tm, "model.json: format version 2 was written by a newer Currents; "
                         "this one reads version 1" },
    { set_version_0, tm, "model.json: unsupported format version 0 (this program reads "
                         "version 1)" },
    { set_version_string, tm, "model.json: 'version' is a string, not an integer" },
    { short_params, tm, NULL },   /* message built below */
    { string_weight, tm, "model.json: 'params'[12] is a string, not a number" },
    { null_weight, tm, "model.json: 'params'[3] is null, but it must be a finite number" },
    { params_not_array, tm, "model.json: 'params' is a string, not an array" },
    { drop_scaling, tm, "model.json: missing key 'scaling'" },
    { drop_params, ode, "model.json: missing key 'params'" },
    { long_x_mean, tm, "model.json: 'scaling.x_mean' has 3 numbers, the states need 2" },
    { zero_scale, tm, "model.json: the stored neural model is inconsistent: the scale of 'y' "
                      "is 0; it must be a finite positive number" },
    { unknown_kind, tm, "model.json: unknown kind 'sindy' (expected 'neural' or 'ode')" },
    { bad_activation, tm, "model.json: unknown activation 'cosine' in "
                          "'architecture.activation'" },
    { broken_source, ode, "model.json: the model source stored in the file does not "
                          "compile: chemostat.ode:2:" },
    { renamed_state, ode, "model.json: 'states' (X, P) do not match the stored model's "
                          "states (X, S)" },
    { bad_history, tm, "model.json: 'history.val_loss' has 4 numbers, 'history.epoch' "
                       "needs 3" },
  };

  /* unreadable: an I/O error naming the file */
  g_assert_null (currents_trained_model_load (missing, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, missing));
  g_assert_nonnull (strstr (error->message, "cannot read the trained model"));
  g_clear_error (&error);

  /* a file that cannot be written */
  g_assert_false (currents_trained_model_save (tm, nowhere, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, nowhere));
  g_clear_error (&error);

  expect_refusal ("", 0, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                  "model.json: the file is empty, not a Currents trained model");
  expect_refusal ("x' = -x\n", -1, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                  "model.json: not a Currents trained model (not valid JSON: line 1");
  expect_refusal ("{\"a\": 1}", -1, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                  "model.json: not a Currents trained model (no 'format' key)");
  expect_refusal ("[1, 2]", -1, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                  "model.json: not a Currents trained model (the top level is an array, "
                  "not an object)");
  expect_refusal ("{\"format\": 3}", -1, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                  "model.json: not a Currents trained model ('format' is a number)");
  expect_refusal (binary, sizeof binary - 1, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                  "model.json: not a Currents trained model (a binary file");
  /* truncated: cut in the middle of the weights */
  expect_refusal (text, (gssize) (strstr (text, "\"params\"") - text + 200),
                  CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                  "model.json: the file is truncated: the JSON ends before it is complete");
  /* damaged: complete, but a byte in the middle is wrong */
  {
    g_autofree char *bad = g_strdup (text);

    strstr (bad, "\"kind\": ")[6] = '=';
    expect_refusal (bad, -1, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                    "model.json: the file is damaged: not valid JSON (line 6");
  }

  msg = g_strdup_printf ("model.json: 'params' has 130 numbers, the architecture (4-6-5-2) "
                         "needs %" G_GSIZE_FORMAT, k);
  g_assert_cmpuint (k, ==, 4 * 6 + 6 + 6 * 5 + 5 + 5 * 2 + 2);
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *t = tampered (cases[i].model, cases[i].tamper);

      expect_refusal (t, -1, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                      cases[i].message != NULL ? cases[i].message : msg);
    }

  /* the same through a file on disk names the file */
  {
    g_autofree char *path = g_build_filename (dir, "foreign.json", NULL);
    g_autofree char *t = tampered (tm, set_foreign_format);
    g_autofree char *expect = g_strdup_printf ("%s: not a Currents trained model (format is "
                                               "'foo')", path);

    g_assert_true (g_file_set_contents (path, t, -1, NULL));
    g_assert_null (currents_trained_model_load (path, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
    g_assert_cmpstr (error->message, ==, expect);
    g_clear_error (&error);
  }
  remove_tmp_dir (dir);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/trained/number-format", test_number_format);
  g_test_add_func ("/engine/trained/number-format-locale", test_number_format_locale);
  g_test_add_func ("/engine/trained/neural-round-trip", test_neural_round_trip);
  g_test_add_func ("/engine/trained/ode-round-trip", test_ode_round_trip);
  g_test_add_func ("/engine/trained/accessors", test_accessors);
  g_test_add_func ("/engine/trained/no-non-finite", test_no_non_finite);
  g_test_add_func ("/engine/trained/sniff", test_sniff);
  g_test_add_func ("/engine/trained/refusals", test_refusals);
  return g_test_run ();
}
