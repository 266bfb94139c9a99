/* test-workspace.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Workspace files: serialise → parse → serialise gives the same text, with data embedded
 * and referenced (checked by SHA-256, also after the workspace and its data move
 * together), trained weights bit for bit; a changed or missing referenced file, and
 * every kind of damaged or foreign file, is refused with a message naming what is wrong;
 * no non-finite number is ever written.
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-engine.h"

static const char toggle_csv[] =
  "\xEF\xBB\xBF# toggle switch, two inducer levels\r\n"
  "trajectory,t,u,v,IPTG\r\n"
  "a,0,2.385,0.1,0\r\n"
  "a,0.5,2.2,NaN,0\r\n"
  "b,0,0.3,2.6,1e-08\r\n"
  "b,1,\"0.41\",2.4,1e-08\r\n";

static const char plate_csv[] =
  "well;hours;GFP;note\n"
  "A1;0;1,25;ok\n"
  "A1;1,5;2,385;fine – ü\n";

static const char ode_source[] =
  "# toggle switch\n"
  "par a1=156.25, a2=15.6, b=2.5, g=1\n"
  "u' = a1/(1+v^b) - u\n"
  "v' = a2/(1+u^g) - v\n"
  "init u=2, v=0.5\n"
  "done\n";

static const char hybrid_source[] =
  "par D=0.3, Sin=5, Y=0.5\n"
  "learn mu(S) hidden=4\n"
  "X' = (mu(S) - D)*X\n"
  "S' = D*(Sin - S) - mu(S)*X/Y\n";

typedef struct
{
  char *dir;
} Fixture;

static void
remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) d = g_dir_open (path, 0, NULL);
      const char *name;

      while (d != NULL && (name = g_dir_read_name (d)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          remove_tree (child);
        }
      g_assert_cmpint (g_rmdir (path), ==, 0);
    }
  else
    g_assert_cmpint (g_remove (path), ==, 0);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->dir = g_dir_make_tmp ("currents-workspace-XXXXXX", &error);
  g_assert_no_error (error);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  remove_tree (fixture->dir);
  g_free (fixture->dir);
}

static char *
write_file (const char *dir,
            const char *name,
            const char *contents)
{
  char *path = g_build_filename (dir, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return path;
}

static CurrentsTrainedModel *
make_trained_ode (void)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (ode_source, "toggle.ode", &error);
  g_autofree double *p = NULL;
  gsize n;

  g_assert_no_error (error);
  n = currents_model_get_n_params (model);
  p = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    p[i] = currents_model_get_params (model)[i] * (1.0 + 0.1 / 3.0) + 1e-17 * (double) i;
  return currents_trained_model_new_ode (model, p);
}

static CurrentsTrainedModel *
make_trained_neural (void)
{
  const char *logs[] = { "IPTG", NULL };
  CurrentsCsvOptions options = { 0 };
  const char *inputs[] = { "IPTG", NULL };
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *p = NULL;
  CurrentsNeuralSpec spec;
  CurrentsNeuralModel *nm;
  CurrentsTrainedModel *tm;
  gsize k;

  options.input_columns = inputs;
  ds = currents_dataset_parse (toggle_csv, -1, "toggle.csv", &options, &error);
  g_assert_no_error (error);
  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 5;
  spec.seed = 2385;
  spec.log_inputs = logs;
  nm = currents_neural_model_new (ds, &spec, &error);
  g_assert_no_error (error);
  k = currents_neural_model_get_n_params (nm);
  p = g_new (double, k);
  for (gsize i = 0; i < k; i++)
    p[i] = currents_neural_model_get_initial_params (nm)[i] + 0.37 * sin (2.385 * (double) i);
  tm = currents_trained_model_new_neural (nm, p);
  currents_trained_model_set_data (tm, "toggle.csv", currents_dataset_get_sha256 (ds));
  currents_trained_model_add_history (tm, 1, 0.5, NAN);
  return tm;
}

/* A workspace with one of everything; @data_path is the referenced CSV file. */
static CurrentsWorkspace *
make_workspace (const char *data_path)
{
  CurrentsWorkspace *ws = currents_workspace_new ();
  g_autoptr(CurrentsTrainedModel) tm_ode = make_trained_ode ();
  g_autoptr(CurrentsTrainedModel) tm_neural = make_trained_neural ();
  g_autofree char *json_ode = currents_trained_model_to_data (tm_ode);
  g_autofree char *json_neural = currents_trained_model_to_data (tm_neural);
  g_autofree char *plate_sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, plate_csv, -1);
  char *inputs[] = { "IPTG", NULL };
  char *ignore[] = { "note", NULL };
  CurrentsWorkspaceDataset embedded = {
    .name = "toggle.csv", .csv = (char *) toggle_csv, .path = "/somewhere/toggle.csv",
    .input_columns = inputs, .log_inputs = inputs,
  };
  CurrentsWorkspaceDataset referenced = {
    .name = "plate ü.csv", .path = (char *) data_path, .sha256 = plate_sum,
    .time_column = "hours", .trajectory_column = "well", .ignore_columns = ignore,
    .constant_inputs = TRUE,
  };
  CurrentsWorkspaceModel equation = {
    .name = "toggle.ode", .kind = CURRENTS_WORKSPACE_MODEL_EQUATION, .source = (char *) ode_source,
    .path = "/somewhere/toggle.ode",
  };
  CurrentsWorkspaceModel hybrid = {
    .name = "chemostat", .kind = CURRENTS_WORKSPACE_MODEL_HYBRID,
    .source = (char *) hybrid_source,
  };
  CurrentsWorkspaceModel neural = {
    .name = "Neural ODE", .kind = CURRENTS_WORKSPACE_MODEL_NEURAL, .dataset = "toggle.csv",
    .n_hidden = 2, .hidden = { 64, 32 }, .activation = CURRENTS_ACTIVATION_SOFTPLUS,
    .seed = G_GUINT64_CONSTANT (18446744073709551557), .log_inputs = inputs,
  };
  CurrentsWorkspaceTrained trained_ode = {
    .name = "toggle fitted", .model = "toggle.ode", .dataset = "toggle.csv", .json = json_ode,
  };
  CurrentsWorkspaceTrained trained_neural = {
    .name = "neural fitted", .model = "Neural ODE", .json = json_neural,
  };
  JsonObject *view;
  JsonArray *range = json_array_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (currents_workspace_set_dataset (ws, &embedded, &error));
  g_assert_true (currents_workspace_set_dataset (ws, &referenced, &error));
  g_assert_true (currents_workspace_set_model (ws, &equation, &error));
  g_assert_true (currents_workspace_set_model (ws, &hybrid, &error));
  g_assert_true (currents_workspace_set_model (ws, &neural, &error));
  g_assert_true (currents_workspace_set_trained (ws, &trained_ode, &error));
  g_assert_true (currents_workspace_set_trained (ws, &trained_neural, &error));
  g_assert_true (currents_workspace_set_active (ws, "toggle.csv", "toggle.ode", "toggle fitted",
                                                &error));
  g_assert_no_error (error);

  view = currents_workspace_get_view (ws);
  json_object_set_string_member (view, "x_axis", "u");
  json_object_set_string_member (view, "y_axis", "v");
  json_object_set_boolean_member (view, "scale_arrows", TRUE);
  json_array_add_double_element (range, 1e-08);
  json_array_add_double_element (range, -0.0);
  json_array_add_double_element (range, 2.385);
  json_array_add_double_element (range, 0.1 + 0.2);
  json_object_set_array_member (view, "x_range", range);
  json_object_set_int_member (view, "zoom", 3);
  return ws;
}

static void
assert_same_bits (const double *a,
                  const double *b,
                  gsize         n)
{
  for (gsize i = 0; i < n; i++)
    g_assert_cmpmem (&a[i], sizeof (double), &b[i], sizeof (double));
}

static void
test_round_trip (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autofree char *csv_path = write_file (fixture->dir, "plate ü.csv", plate_csv);
  g_autofree char *ws_path = g_build_filename (fixture->dir, "study.currents", NULL);
  g_autoptr(CurrentsWorkspace) ws = make_workspace (csv_path);
  g_autoptr(CurrentsWorkspace) back = NULL;
  g_autoptr(CurrentsWorkspace) copy = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *text2 = NULL, *text_copy = NULL;
  const CurrentsWorkspaceModel *m;
  const CurrentsWorkspaceDataset *d;

  g_assert_true (currents_workspace_save (ws, ws_path, &error));
  g_assert_no_error (error);
  g_assert_true (currents_workspace_sniff (ws_path));
  g_assert_false (currents_workspace_sniff (csv_path));

  back = currents_workspace_load (ws_path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);

  /* The same text again, and the same as an in-memory copy's. */
  g_file_get_contents (ws_path, &text, NULL, &error);
  g_assert_no_error (error);
  text2 = currents_workspace_to_data (back, ws_path);
  g_assert_cmpstr (text, ==, text2);
  copy = currents_workspace_copy (back);
  text_copy = currents_workspace_to_data (copy, ws_path);
  g_assert_cmpstr (text, ==, text_copy);

  /* The referenced file is written relative to the workspace too. */
  g_assert_nonnull (strstr (text, "\"relative_path\": \"plate ü.csv\""));
  g_assert_nonnull (strstr (text, "\"18446744073709551557\""));

  g_assert_cmpuint (currents_workspace_get_n_datasets (back), ==, 2);
  g_assert_cmpuint (currents_workspace_get_n_models (back), ==, 3);
  g_assert_cmpuint (currents_workspace_get_n_trained (back), ==, 2);
  g_assert_cmpstr (currents_workspace_get_active_dataset (back), ==, "toggle.csv");
  g_assert_cmpstr (currents_workspace_get_active_model (back), ==, "toggle.ode");
  g_assert_cmpstr (currents_workspace_get_active_trained (back), ==, "toggle fitted");

  d = currents_workspace_get_dataset (back, 0);
  g_assert_cmpstr (d->csv, ==, toggle_csv);
  g_assert_cmpstr (d->input_columns[0], ==, "IPTG");
  g_assert_cmpstr (d->log_inputs[0], ==, "IPTG");
  d = currents_workspace_get_dataset (back, 1);
  g_assert_null (d->csv);
  g_assert_cmpstr (d->time_column, ==, "hours");
  g_assert_cmpstr (d->trajectory_column, ==, "well");
  g_assert_true (d->constant_inputs);

  m = currents_workspace_get_model (back, currents_workspace_find_model (back, "toggle.ode"));
  g_assert_cmpint (m->kind, ==, CURRENTS_WORKSPACE_MODEL_EQUATION);
  g_assert_cmpstr (m->source, ==, ode_source);
  m = currents_workspace_get_model (back, currents_workspace_find_model (back, "chemostat"));
  g_assert_cmpint (m->kind, ==, CURRENTS_WORKSPACE_MODEL_HYBRID);
  g_assert_cmpstr (m->source, ==, hybrid_source);
  m = currents_workspace_get_model (back, currents_workspace_find_model (back, "Neural ODE"));
  g_assert_cmpint (m->kind, ==, CURRENTS_WORKSPACE_MODEL_NEURAL);
  g_assert_cmpuint (m->n_hidden, ==, 2);
  g_assert_cmpuint (m->hidden[1], ==, 32);
  g_assert_cmpint (m->activation, ==, CURRENTS_ACTIVATION_SOFTPLUS);
  g_assert_true (m->seed == G_GUINT64_CONSTANT (18446744073709551557));
  g_assert_cmpstr (m->dataset, ==, "toggle.csv");
  {
    CurrentsNeuralSpec spec;

    currents_workspace_model_get_spec (m, &spec);
    g_assert_cmpuint (spec.hidden[0], ==, 64);
    g_assert_cmpstr (spec.log_inputs[0], ==, "IPTG");
  }

  /* Both data sets load, with their roles, and keep their checksums. */
  for (gsize i = 0; i < 2; i++)
    {
      g_autofree char *contents = NULL;
      g_autoptr(CurrentsDataset) ds =
        currents_workspace_load_dataset (back, i, ws_path, &contents, &error);

      g_assert_no_error (error);
      g_assert_cmpstr (currents_dataset_get_sha256 (ds), ==,
                       currents_workspace_get_dataset (back, i)->sha256);
      g_assert_cmpstr (contents, ==, i == 0 ? toggle_csv : plate_csv);
    }
  {
    g_autoptr(CurrentsDataset) ds = currents_workspace_load_dataset (back, 1, ws_path, NULL,
                                                                     &error);

    g_assert_no_error (error);
    g_assert_cmpuint (currents_dataset_get_n_states (ds), ==, 1);
    g_assert_cmpstr (currents_dataset_get_state_name (ds, 0), ==, "GFP");
  }

  /* Models compile; the neural one has no equations. */
  {
    g_autoptr(CurrentsModel) model = currents_workspace_load_model (back, 1, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (currents_model_get_n_learned (model), ==, 1);
    g_assert_null (currents_workspace_load_model (back, 2, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* Trained weights, bit for bit. */
  {
    g_autoptr(CurrentsTrainedModel) a = make_trained_ode ();
    g_autoptr(CurrentsTrainedModel) b = currents_workspace_load_trained (back, 0, &error);
    g_autoptr(CurrentsTrainedModel) c = make_trained_neural ();
    g_autoptr(CurrentsTrainedModel) e = currents_workspace_load_trained (back, 1, &error);
    g_autofree char *ja = currents_trained_model_to_data (a);
    g_autofree char *jc = currents_trained_model_to_data (c);

    g_assert_no_error (error);
    g_assert_cmpuint (currents_trained_model_get_n_params (b), ==,
                      currents_trained_model_get_n_params (a));
    assert_same_bits (currents_trained_model_get_params (a),
                      currents_trained_model_get_params (b),
                      currents_trained_model_get_n_params (a));
    assert_same_bits (currents_trained_model_get_params (c),
                      currents_trained_model_get_params (e),
                      currents_trained_model_get_n_params (c));
    g_assert_cmpstr (currents_workspace_get_trained (back, 0)->json, ==, ja);
    g_assert_cmpstr (currents_workspace_get_trained (back, 1)->json, ==, jc);
  }

  /* View settings, doubles bit for bit (−0 keeps its sign). */
  {
    JsonObject *view = currents_workspace_get_view (back);
    JsonArray *range = json_object_get_array_member (view, "x_range");
    const double want[] = { 1e-08, -0.0, 2.385, 0.1 + 0.2 };

    g_assert_cmpstr (json_object_get_string_member (view, "x_axis"), ==, "u");
    g_assert_true (json_object_get_boolean_member (view, "scale_arrows"));
    g_assert_cmpint (json_object_get_int_member (view, "zoom"), ==, 3);
    for (guint i = 0; i < 4; i++)
      {
        double v = json_array_get_double_element (range, i);

        assert_same_bits (&v, &want[i], 1);
      }
  }
}

/* The workspace and its data move to another folder together: the relative path finds
 * the data although the absolute one is gone. */
static void
test_moved_together (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *sub = g_build_filename (fixture->dir, "old", NULL);
  g_autofree char *moved = g_build_filename (fixture->dir, "new", NULL);
  g_autofree char *csv_path = NULL, *ws_path = NULL, *ws_moved = NULL;
  g_autoptr(CurrentsWorkspace) ws = NULL, back = NULL;
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpint (g_mkdir (sub, 0700), ==, 0);
  {
    g_autofree char *data_dir = g_build_filename (sub, "data", NULL);

    g_assert_cmpint (g_mkdir (data_dir, 0700), ==, 0);
    csv_path = write_file (data_dir, "plate ü.csv", plate_csv);
  }
  ws_path = g_build_filename (sub, "ws", "study.currents", NULL);
  {
    g_autofree char *ws_dir = g_path_get_dirname (ws_path);

    g_assert_cmpint (g_mkdir (ws_dir, 0700), ==, 0);
  }
  ws = make_workspace (csv_path);
  g_assert_true (currents_workspace_save (ws, ws_path, &error));
  g_assert_no_error (error);
  g_assert_cmpint (g_rename (sub, moved), ==, 0);

  ws_moved = g_build_filename (moved, "ws", "study.currents", NULL);
  back = currents_workspace_load (ws_moved, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (currents_workspace_get_dataset (back, 1)->relative_path, ==,
                   "../data/plate ü.csv");
  ds = currents_workspace_load_dataset (back, 1, ws_moved, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (currents_dataset_get_sha256 (ds), ==,
                   currents_workspace_get_dataset (back, 1)->sha256);
}

static void
assert_message (const GError *error,
                ...)
{
  va_list args;
  const char *needle;

  g_test_message ("message: %s", error->message);
  va_start (args, error);
  while ((needle = va_arg (args, const char *)) != NULL)
    if (strstr (error->message, needle) == NULL)
      g_error ("message \"%s\" lacks \"%s\"", error->message, needle);
  va_end (args);
}

static void
test_changed_reference (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autofree char *csv_path = write_file (fixture->dir, "plate ü.csv", plate_csv);
  g_autofree char *ws_path = g_build_filename (fixture->dir, "study.currents", NULL);
  g_autoptr(CurrentsWorkspace) ws = make_workspace (csv_path);
  g_autoptr(CurrentsWorkspace) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *edited = NULL;

  g_assert_true (currents_workspace_save (ws, ws_path, &error));
  back = currents_workspace_load (ws_path, &error);
  g_assert_no_error (error);

  /* One digit changed: the checksum says so, and the embedded data is unaffected. */
  edited = g_strdup (plate_csv);
  *strstr (edited, "2,385") = '3';
  g_free (write_file (fixture->dir, "plate ü.csv", edited));
  g_assert_null (currents_workspace_load_dataset (back, 1, ws_path, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  assert_message (error, "data set 'plate ü.csv'", "plate ü.csv has changed since the "
                  "workspace was saved", "SHA-256", "open the file again", NULL);
  g_clear_error (&error);
  {
    g_autoptr(CurrentsDataset) ds = currents_workspace_load_dataset (back, 0, ws_path, NULL,
                                                                     &error);

    g_assert_no_error (error);
    g_assert_nonnull (ds);
  }

  /* Gone altogether. */
  g_assert_cmpint (g_remove (csv_path), ==, 0);
  g_assert_null (currents_workspace_load_dataset (back, 1, ws_path, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  assert_message (error, "data set 'plate ü.csv'", "cannot be read", NULL);
}

/* Each damaged or foreign text is refused with a DATA_FORMAT error naming the file and
 * containing the given pieces. */
static void
expect_refused (const char *text,
                ...)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsWorkspace) ws = NULL;
  va_list args;
  const char *needle;

  ws = currents_workspace_new_from_data (text, -1, "bad.currents", &error);
  g_assert_null (ws);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  g_test_message ("message: %s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "bad.currents: "));
  va_start (args, text);
  while ((needle = va_arg (args, const char *)) != NULL)
    if (strstr (error->message, needle) == NULL)
      g_error ("message \"%s\" lacks \"%s\"", error->message, needle);
  va_end (args);
}

#define HEAD "{\"format\": \"currents-workspace\", \"version\": 1, "

static void
test_refused (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(CurrentsWorkspace) good = currents_workspace_new ();
  g_autoptr(CurrentsTrainedModel) tm = make_trained_ode ();
  g_autofree char *trained_text = currents_trained_model_to_data (tm);
  g_autofree char *good_text = NULL;
  g_autofree char *truncated = NULL;
  g_autofree char *tampered = NULL;
  CurrentsWorkspaceDataset embedded = { .name = "toggle.csv", .csv = (char *) toggle_csv };

  g_assert_true (currents_workspace_set_dataset (good, &embedded, NULL));
  good_text = currents_workspace_to_data (good, NULL);

  expect_refused ("", "empty", NULL);
  expect_refused ("  \n", "empty", NULL);
  expect_refused ("t,u,v\n0,1,2\n", "not a Currents workspace", "not valid JSON", "line 1",
                  NULL);
  expect_refused ("[1, 2]", "not a Currents workspace", "top level is an array", NULL);
  expect_refused ("{\"datasets\": []}", "not a Currents workspace", "no 'format' key", NULL);
  expect_refused ("{\"format\": \"spreadsheet\"}", "its format is 'spreadsheet'", NULL);
  expect_refused (trained_text, "a trained model", "open it as a model", NULL);
  expect_refused ("{\"format\": \"currents-workspace\"}", "no format version", NULL);
  expect_refused ("{\"format\": \"currents-workspace\", \"version\": \"1\"}",
                  "no format version", NULL);
  expect_refused ("{\"format\": \"currents-workspace\", \"version\": 7}",
                  "version 7 was written by a newer Currents", "reads version 1", NULL);
  expect_refused ("{\"format\": \"currents-workspace\", \"version\": 0}",
                  "unsupported format version 0", NULL);
  expect_refused (HEAD "\"models\": [], \"trained\": []}", "missing key 'datasets'", NULL);
  expect_refused (HEAD "\"datasets\": {}, \"models\": [], \"trained\": []}",
                  "'datasets' is an object, not an array", NULL);
  expect_refused (HEAD "\"datasets\": [3], \"models\": [], \"trained\": []}",
                  "datasets[0] is a number, not an object", NULL);
  expect_refused (HEAD "\"datasets\": [{\"name\": \"a.csv\", \"csv\": \"t,x\\n0,1\\n\"}], "
                  "\"models\": [], \"trained\": []}",
                  "datasets[0] ('a.csv'): missing key 'sha256'", NULL);
  expect_refused (HEAD "\"datasets\": [{\"name\": \"a.csv\", \"sha256\": \"00\"}], "
                  "\"models\": [], \"trained\": []}",
                  "datasets[0] ('a.csv')", "'csv'", "'path'", NULL);
  expect_refused (HEAD "\"datasets\": [{\"name\": \"a.csv\", \"sha256\": \"xyz\", "
                  "\"path\": \"/a.csv\"}], \"models\": [], \"trained\": []}",
                  "datasets[0] ('a.csv')", "SHA-256 checksum", "'xyz'", NULL);
  expect_refused (HEAD "\"datasets\": [{\"name\": 5, \"sha256\": \"00\"}], "
                  "\"models\": [], \"trained\": []}",
                  "datasets[0]: 'name' is a number, not a string", NULL);
  expect_refused (HEAD "\"datasets\": [], \"models\": [{\"name\": \"m\", \"kind\": \"magic\"}], "
                  "\"trained\": []}", "models[0] ('m')", "unknown kind 'magic'", NULL);
  expect_refused (HEAD "\"datasets\": [], \"models\": [{\"name\": \"m\", \"kind\": "
                  "\"equation\"}], \"trained\": []}", "models[0] ('m'): missing key 'source'",
                  NULL);
  expect_refused (HEAD "\"datasets\": [], \"models\": [{\"name\": \"m\", \"kind\": "
                  "\"neural\", \"architecture\": {\"hidden\": [64, 0], \"activation\": "
                  "\"tanh\"}}], \"trained\": []}", "models[0] ('m').architecture",
                  "'hidden'[1]", NULL);
  expect_refused (HEAD "\"datasets\": [], \"models\": [{\"name\": \"m\", \"kind\": "
                  "\"neural\", \"architecture\": {\"hidden\": [4], \"activation\": "
                  "\"sigmoidal\"}}], \"trained\": []}", "unknown activation 'sigmoidal'",
                  NULL);
  expect_refused (HEAD "\"datasets\": [], \"models\": [{\"name\": \"m\", \"kind\": "
                  "\"equation\", \"source\": \"x'=1\\n\"}, {\"name\": \"m\", \"kind\": "
                  "\"equation\", \"source\": \"x'=2\\n\"}], \"trained\": []}",
                  "models[1] ('m'): another model has the same name", NULL);
  expect_refused (HEAD "\"datasets\": [], \"models\": [], \"trained\": [{\"name\": \"t\", "
                  "\"trained\": {\"format\": \"currents-trained-model\", \"version\": 1}}]}",
                  "trained[0] ('t'): t: missing key", NULL);
  expect_refused (HEAD "\"datasets\": [], \"models\": [], \"trained\": [{\"name\": \"t\", "
                  "\"trained\": \"weights\"}]}", "'trained' is a string", NULL);
  expect_refused (HEAD "\"datasets\": [], \"models\": [], \"trained\": [], "
                  "\"active\": {\"model\": \"gone.ode\"}}", "active: no model named 'gone.ode'",
                  NULL);
  expect_refused (HEAD "\"datasets\": [], \"models\": [], \"trained\": [], \"view\": []}",
                  "'view' is an array, not an object", NULL);
  expect_refused (HEAD "\"datasets\": [{\"name\": \"a.csv\", \"sha256\": \"" 
                  "0000000000000000000000000000000000000000000000000000000000000000\", "
                  "\"path\": \"/a.csv\", \"roles\": {\"inputs\": [\"u\", 2]}}], "
                  "\"models\": [], \"trained\": []}", "datasets[0] ('a.csv').roles",
                  "'inputs'[1] is a number", NULL);

  /* Cut short: the file names our format, so it is called damaged. */
  truncated = g_strndup (good_text, strlen (good_text) / 2);
  expect_refused (truncated, "damaged or truncated", NULL);

  /* One byte of the embedded data changed: its checksum no longer matches. */
  tampered = g_strdup (good_text);
  *strstr (tampered, "2.385") = '3';
  expect_refused (tampered, "datasets[0] ('toggle.csv')", "does not match its SHA-256",
                  "damaged", NULL);

  /* Binary. */
  {
    g_autoptr(GError) error = NULL;
    const char binary[] = "{\"format\0\x01\x02";

    g_assert_null (currents_workspace_new_from_data (binary, sizeof binary, "bin", &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
    assert_message (error, "binary", NULL);
  }

  /* A file that cannot be read. */
  {
    g_autoptr(GError) error = NULL;
    g_autofree char *absent = g_build_filename (fixture->dir, "absent.currents", NULL);

    g_assert_null (currents_workspace_load (absent, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
    g_assert_false (currents_workspace_sniff (absent));
  }
}

/* NaN and infinities in view settings are written as null, and the file reads back. */
static void
test_no_non_finite (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(CurrentsWorkspace) ws = currents_workspace_new ();
  g_autoptr(CurrentsWorkspace) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *lower = NULL;
  JsonObject *view = currents_workspace_get_view (ws);
  JsonArray *arr = json_array_new ();

  json_object_set_double_member (view, "nan", NAN);
  json_object_set_double_member (view, "inf", INFINITY);
  json_array_add_double_element (arr, -INFINITY);
  json_array_add_double_element (arr, 1e-08);
  json_object_set_array_member (view, "range", arr);

  text = currents_workspace_to_data (ws, NULL);
  lower = g_ascii_strdown (text, -1);
  g_test_message ("%s", text);
  g_assert_null (strstr (lower, "nan."));
  g_assert_null (strstr (lower, ": nan"));
  g_assert_null (strstr (lower, "inf"  "inity"));
  g_assert_null (strstr (lower, "1e-08.0"));
  g_assert_nonnull (strstr (text, "\"nan\": null"));
  g_assert_nonnull (strstr (text, "\"inf\": null"));

  back = currents_workspace_new_from_data (text, -1, NULL, &error);
  g_assert_no_error (error);
  view = currents_workspace_get_view (back);
  g_assert_true (json_object_get_null_member (view, "nan"));
  g_assert_cmpfloat (json_array_get_double_element (json_object_get_array_member (view, "range"),
                                                    1), ==, 1e-08);
}

static void
test_entries (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(CurrentsWorkspace) ws = currents_workspace_new ();
  g_autoptr(GError) error = NULL;
  CurrentsWorkspaceDataset nothing = { .name = "x.csv" };
  CurrentsWorkspaceDataset unnamed = { .name = "", .csv = "t,x\n0,1\n" };
  CurrentsWorkspaceDataset no_sum = { .name = "x.csv", .path = "/x.csv" };
  CurrentsWorkspaceDataset wrong_sum = { .name = "x.csv", .csv = "t,x\n0,1\n",
                                         .sha256 = "0123" };
  CurrentsWorkspaceDataset first = { .name = "x.csv", .csv = "t,x\n0,1\n" };
  CurrentsWorkspaceDataset second = { .name = "x.csv", .csv = "t,x\n0,2.385\n" };
  CurrentsWorkspaceDataset other = { .name = "y.csv", .csv = "t,y\n0,1\n" };
  CurrentsWorkspaceModel no_source = { .name = "m", .kind = CURRENTS_WORKSPACE_MODEL_HYBRID };
  CurrentsWorkspaceModel no_layers = { .name = "n", .kind = CURRENTS_WORKSPACE_MODEL_NEURAL };
  CurrentsWorkspaceModel broken = { .name = "m", .kind = CURRENTS_WORKSPACE_MODEL_EQUATION,
                                    .source = "x' = -a*x +\n" };
  CurrentsWorkspaceTrained bad = { .name = "t", .json = "{\"format\": 1}" };
  CurrentsWorkspaceTrained empty = { .name = "t" };
  CurrentsWorkspaceDataset *both[] = { &nothing, &unnamed, &no_sum, &wrong_sum };
  const char *want[] = { "data set 'x.csv': it has neither embedded CSV text nor a path",
                         "needs a name", "data set 'x.csv': expected a SHA-256 checksum",
                         "does not match" };

  for (guint i = 0; i < G_N_ELEMENTS (both); i++)
    {
      g_assert_false (currents_workspace_set_dataset (ws, both[i], &error));
      g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
      assert_message (error, want[i], NULL);
      g_clear_error (&error);
    }
  g_assert_cmpuint (currents_workspace_get_n_datasets (ws), ==, 0);

  /* Same name: replaced in place. */
  g_assert_true (currents_workspace_set_dataset (ws, &first, NULL));
  g_assert_true (currents_workspace_set_dataset (ws, &other, NULL));
  g_assert_true (currents_workspace_set_dataset (ws, &second, NULL));
  g_assert_cmpuint (currents_workspace_get_n_datasets (ws), ==, 2);
  g_assert_cmpstr (currents_workspace_get_dataset (ws, 0)->csv, ==, second.csv);
  g_assert_cmpint (currents_workspace_find_dataset (ws, "y.csv"), ==, 1);
  g_assert_cmpint (currents_workspace_find_dataset (ws, "z.csv"), ==, -1);

  g_assert_false (currents_workspace_set_model (ws, &no_source, &error));
  assert_message (error, "model 'm': a hybrid model needs its source", NULL);
  g_clear_error (&error);
  g_assert_false (currents_workspace_set_model (ws, &no_layers, &error));
  assert_message (error, "model 'n'", "hidden layers", NULL);
  g_clear_error (&error);
  /* Work in progress is kept: a source need not compile. */
  g_assert_true (currents_workspace_set_model (ws, &broken, &error));
  g_assert_no_error (error);
  g_assert_null (currents_workspace_load_model (ws, 0, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX);
  g_clear_error (&error);

  g_assert_false (currents_workspace_set_trained (ws, &bad, &error));
  assert_message (error, "trained model 't': t: not a Currents trained model", NULL);
  g_clear_error (&error);
  g_assert_false (currents_workspace_set_trained (ws, &empty, &error));
  assert_message (error, "trained model 't': it has no model text", NULL);
  g_clear_error (&error);

  g_assert_false (currents_workspace_set_active (ws, "z.csv", NULL, NULL, &error));
  assert_message (error, "no data set named 'z.csv'", NULL);
  g_clear_error (&error);
  g_assert_true (currents_workspace_set_active (ws, "y.csv", "m", NULL, &error));
  /* The current names passed back in (they are copied before the old ones go). */
  g_assert_true (currents_workspace_set_active (ws, currents_workspace_get_active_dataset (ws),
                                                currents_workspace_get_active_model (ws), NULL,
                                                &error));
  g_assert_cmpstr (currents_workspace_get_active_dataset (ws), ==, "y.csv");
  g_assert_true (currents_workspace_remove_dataset (ws, "y.csv"));
  g_assert_false (currents_workspace_remove_dataset (ws, "y.csv"));
  g_assert_null (currents_workspace_get_active_dataset (ws));
  g_assert_cmpstr (currents_workspace_get_active_model (ws), ==, "m");
  g_assert_true (currents_workspace_remove_model (ws, "m"));
  g_assert_null (currents_workspace_get_active_model (ws));
  g_assert_false (currents_workspace_remove_trained (ws, "t"));
}

static void
test_save_error (Fixture       *fixture,
                 gconstpointer  data)
{
  g_autoptr(CurrentsWorkspace) ws = currents_workspace_new ();
  g_autofree char *path = g_build_filename (fixture->dir, "no", "such", "dir.currents", NULL);
  g_autoptr(GError) error = NULL;

  g_assert_false (currents_workspace_save (ws, path, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  assert_message (error, "cannot save the workspace", NULL);
}

/* The decimal point does not follow the locale. */
static void
test_locale (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(CurrentsWorkspace) ws = currents_workspace_new ();
  g_autoptr(CurrentsWorkspace) back = NULL;
  g_autofree char *text = NULL;
  g_autoptr(GError) error = NULL;
  char *old = g_strdup (setlocale (LC_NUMERIC, NULL));

  json_object_set_double_member (currents_workspace_get_view (ws), "zoom", 2.385);
  if (setlocale (LC_NUMERIC, "de_DE.UTF-8") == NULL)
    g_test_message ("de_DE.UTF-8 is not installed; checking in the C locale");
  text = currents_workspace_to_data (ws, NULL);
  back = currents_workspace_new_from_data (text, -1, NULL, &error);
  setlocale (LC_NUMERIC, old);
  g_free (old);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (text, "2.385"));
  g_assert_cmpfloat (json_object_get_double_member (currents_workspace_get_view (back), "zoom"),
                     ==, 2.385);
}

/* The view a workspace keeps is its own: changing the caller's object afterwards, or the
 * copy's, changes nothing else (json_node_copy() alone would share nested objects). */
static void
test_view_owned (void)
{
  g_autoptr(CurrentsWorkspace) ws = currents_workspace_new ();
  g_autoptr(CurrentsWorkspace) copy = NULL;
  g_autoptr(JsonObject) view = json_object_new ();
  JsonObject *axes = json_object_new ();
  JsonObject *kept;

  json_object_set_string_member (axes, "x", "u");
  json_object_set_object_member (view, "axes", axes);
  currents_workspace_set_view (ws, view);
  json_object_set_string_member (axes, "x", "v");
  kept = currents_workspace_get_view (ws);
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (kept, "axes"),
                                                  "x"), ==, "u");

  copy = currents_workspace_copy (ws);
  json_object_set_string_member (json_object_get_object_member (currents_workspace_get_view (copy),
                                                                "axes"), "x", "w");
  g_assert_cmpstr (json_object_get_string_member (json_object_get_object_member (kept, "axes"),
                                                  "x"), ==, "u");
}

int
main (int   argc,
      char *argv[])
{
  gsl_set_error_handler_off ();
  setlocale (LC_ALL, "");
  setlocale (LC_NUMERIC, "C");
  g_test_init (&argc, &argv, NULL);

#define ADD(path, func) \
  g_test_add ("/engine/workspace/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("round-trip", test_round_trip);
  ADD ("moved-together", test_moved_together);
  ADD ("changed-reference", test_changed_reference);
  ADD ("refused", test_refused);
  ADD ("no-non-finite", test_no_non_finite);
  ADD ("entries", test_entries);
  ADD ("save-error", test_save_error);
  ADD ("locale", test_locale);

#undef ADD
  g_test_add_func ("/engine/workspace/view-owned", test_view_owned);

  return g_test_run ();
}
