/* test-workspace.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Workspaces in the window, under a display (`xvfb-run -a`): the import sheet shows the
 * reader's error with its line and marks the line; the roles chosen in it reach the
 * data; the model editor underlines a syntax error on its line and applies a model to
 * the portrait; a workspace saved and opened again is the same (data checksum, model
 * source, trained parameters bit for bit, view settings), with its data embedded or
 * referenced; an autosave appears when forced and is offered for recovery on the next
 * start; the preferences follow GSettings. Every async pair is driven here.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes workspace-*.png there (light and dark).
 */
#include "config.h"

#define G_LOG_DOMAIN "test-workspace"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 20.0

typedef struct
{
  CurrentsWindow   *window;
  CurrentsPortrait *portrait;
  char             *tmpdir;
  GAsyncResult     *result;
} Fixture;

static char *state_dir;

/* ---- waiting ---- */

static gboolean
has_result (gpointer data)
{
  return ((Fixture *) data)->result != NULL;
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_null (fixture->result);
  fixture->result = g_object_ref (result);
}

static void
wait_result (Fixture *fixture)
{
  g_assert_true (currents_gui_test_iterate_until (has_result, fixture, WAIT_SECONDS));
}

static gboolean
open_and_wait (Fixture       *fixture,
               CurrentsWindow *window,
               GFile         *file,
               GError       **error)
{
  gboolean ok;

  g_clear_object (&fixture->result);
  currents_window_open_async (window, file, NULL, store_result, fixture);
  wait_result (fixture);
  ok = currents_window_open_finish (window, fixture->result, error);
  g_clear_object (&fixture->result);
  return ok;
}

static gboolean
save_and_wait (Fixture        *fixture,
               CurrentsWindow *window,
               GFile          *file,
               GError        **error)
{
  gboolean ok;

  g_clear_object (&fixture->result);
  currents_window_save_async (window, file, NULL, store_result, fixture);
  wait_result (fixture);
  ok = currents_window_save_finish (window, fixture->result, error);
  g_clear_object (&fixture->result);
  return ok;
}

static gboolean
sheet_idle (gpointer data)
{
  return !currents_import_sheet_get_busy (data);
}

static GFile *
example_file (const char *name)
{
  const char *data_dir = g_getenv ("CURRENTS_DATA_DIR");
  g_autofree char *path = NULL;

  if (data_dir == NULL)
    data_dir = CURRENTS_SOURCE_DIR "/data";
  path = g_build_filename (data_dir, "examples", name, NULL);
  g_assert_true (g_file_test (path, G_FILE_TEST_IS_REGULAR));
  return g_file_new_for_path (path);
}

/* ---- screenshots ---- */

/* The same in light and dark. */
static void
screenshot_both (GtkWidget  *widget,
                 const char *name)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  g_autofree char *dark = g_strdup_printf ("%s-dark", name);

  if (g_getenv ("CURRENTS_SCREENSHOT_DIR") == NULL)
    return;
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_LIGHT);
  currents_gui_test_screenshot (widget, "workspace", name);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  currents_gui_test_screenshot (widget, "workspace", dark);
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
}

/* ---- fixture ---- */

static void
clear_autosaves (void)
{
  g_autofree char *dir = g_build_filename (state_dir, "currents", NULL);

  currents_gui_test_remove_tree (dir);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  clear_autosaves ();
  fixture->tmpdir = currents_gui_test_make_temp_dir ("currents-gui-workspace-XXXXXX");
  fixture->window = currents_gui_test_window_new (900, 680, TRUE);
  fixture->portrait = currents_window_get_portrait (fixture->window);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    currents_gui_test_destroy_window (&fixture->window, NULL, WAIT_SECONDS);
  currents_gui_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
  clear_autosaves ();
}

/* ---- the import sheet ---- */

static CurrentsImportSheet *
import_and_wait (Fixture *fixture,
                 GFile   *file)
{
  CurrentsImportSheet *sheet = currents_window_import (fixture->window, file);

  g_assert_nonnull (sheet);
  g_assert_true (currents_gui_test_iterate_until (sheet_idle, sheet, WAIT_SECONDS));
  g_assert_cmpuint (currents_import_sheet_get_n_columns (sheet), >, 0);
  return sheet;
}

static void
test_import_malformed (Fixture       *fixture,
                       gconstpointer  data)
{
  g_autoptr(GFile) file = currents_gui_test_write_file (fixture->tmpdir, "broken.csv",
                                                        "t,u,v\n0,1.5,2.385\n0.5,oops,3\n1,1.25\n");
  const CurrentsDataset *before = currents_portrait_get_dataset (fixture->portrait);
  CurrentsImportSheet *sheet = import_and_wait (fixture, file);
  const char *error = currents_import_sheet_get_error (sheet);

  g_assert_nonnull (error);
  g_test_message ("sheet says: %s", error);
  g_assert_nonnull (strstr (error, "Line 3"));
  g_assert_nonnull (strstr (error, "oops"));
  g_assert_cmpuint (currents_import_sheet_get_error_line (sheet), ==, 3);
  g_assert_true (currents_import_sheet_get_error_line_shown (sheet));
  /* Nothing to import: the window keeps what it showed. */
  g_assert_false (currents_import_sheet_import (sheet));
  g_assert_true (currents_portrait_get_dataset (fixture->portrait) == before);
  screenshot_both (GTK_WIDGET (sheet), "import-error");

  /* Ignoring the column with the bad cell makes the rest readable... but the last row
   * is short: now that is the error, on line 4. */
  currents_import_sheet_set_role (sheet, 1, CURRENTS_COLUMN_IGNORE);
  g_assert_true (currents_gui_test_iterate_until (sheet_idle, sheet, WAIT_SECONDS));
  error = currents_import_sheet_get_error (sheet);
  g_assert_nonnull (error);
  g_test_message ("sheet says: %s", error);
  g_assert_cmpuint (currents_import_sheet_get_error_line (sheet), ==, 4);
  gtk_window_destroy (GTK_WINDOW (sheet));
}

/* An error far below the preview: the line is shown below it. */
static void
test_import_error_far_down (Fixture       *fixture,
                            gconstpointer  data)
{
  g_autoptr(GString) csv = g_string_new ("t,x\n");
  g_autoptr(GFile) file = NULL;
  CurrentsImportSheet *sheet;

  for (int i = 0; i < 120; i++)
    g_string_append_printf (csv, i == 100 ? "%d,1e400\n" : "%d,%g\n", i, 2.385 * i);
  file = currents_gui_test_write_file (fixture->tmpdir, "long.csv", csv->str);
  sheet = import_and_wait (fixture, file);
  g_assert_nonnull (currents_import_sheet_get_error (sheet));
  g_assert_nonnull (strstr (currents_import_sheet_get_error (sheet), "Line 102"));
  g_assert_cmpuint (currents_import_sheet_get_error_line (sheet), ==, 102);
  g_assert_true (currents_import_sheet_get_error_line_shown (sheet));
  gtk_window_destroy (GTK_WINDOW (sheet));
}

static gboolean
dataset_with_input (gpointer data)
{
  const CurrentsDataset *ds = currents_portrait_get_dataset (data);

  return ds != NULL && currents_dataset_get_n_inputs (ds) == 1;
}

static void
test_import_roles (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GFile) other =
    currents_gui_test_write_file (fixture->tmpdir, "other.csv", "t,a,b\n0,1,2.385\n1,2,3\n");
  g_autoptr(GFile) toggle = example_file ("toggle.csv");
  g_autoptr(GError) error = NULL;
  CurrentsDocument *doc = currents_window_get_document (fixture->window);
  CurrentsWorkspace *ws = currents_document_get_workspace (doc);
  const CurrentsWorkspaceDataset *entry;
  CurrentsImportSheet *sheet;
  g_auto(GStrv) logs = NULL;
  guint iptg = G_MAXUINT;

  /* No model shown: nothing says iptg is an input. */
  g_assert_true (open_and_wait (fixture, fixture->window, other, &error));
  g_assert_null (currents_portrait_get_model (fixture->portrait));
  sheet = import_and_wait (fixture, toggle);
  g_assert_null (currents_import_sheet_get_error (sheet));
  for (guint c = 0; c < currents_import_sheet_get_n_columns (sheet); c++)
    if (g_strcmp0 (currents_import_sheet_get_column_name (sheet, c), "iptg") == 0)
      iptg = c;
  g_assert_cmpuint (iptg, <, G_MAXUINT);
  g_assert_cmpint (currents_import_sheet_get_role (sheet, 0), ==, CURRENTS_COLUMN_TRAJECTORY);
  g_assert_cmpint (currents_import_sheet_get_role (sheet, 1), ==, CURRENTS_COLUMN_TIME);
  g_assert_cmpint (currents_import_sheet_get_role (sheet, iptg), ==, CURRENTS_COLUMN_STATE);
  /* A log scale only for inputs. */
  currents_import_sheet_set_log_scale (sheet, iptg, TRUE);
  g_assert_false (currents_import_sheet_get_log_scale (sheet, iptg));

  currents_import_sheet_set_role (sheet, iptg, CURRENTS_COLUMN_INPUT);
  currents_import_sheet_set_log_scale (sheet, iptg, TRUE);
  g_assert_true (currents_gui_test_iterate_until (sheet_idle, sheet, WAIT_SECONDS));
  g_assert_null (currents_import_sheet_get_error (sheet));
  screenshot_both (GTK_WIDGET (sheet), "import-roles");
  logs = currents_import_sheet_dup_log_inputs (sheet);
  g_assert_cmpstr (logs[0], ==, "iptg");

  g_assert_true (currents_import_sheet_import (sheet));
  g_assert_true (currents_gui_test_iterate_until (dataset_with_input, fixture->portrait,
                                                  WAIT_SECONDS));
  g_assert_cmpstr (currents_dataset_get_input_name (
                     currents_portrait_get_dataset (fixture->portrait), 0), ==, "iptg");
  g_assert_cmpuint (currents_dataset_get_n_states (
                      currents_portrait_get_dataset (fixture->portrait)), ==, 2);

  /* And the workspace remembers the roles. */
  entry = currents_workspace_get_dataset (ws, currents_workspace_find_dataset (ws, "toggle.csv"));
  g_assert_nonnull (entry);
  g_assert_cmpstr (entry->input_columns[0], ==, "iptg");
  g_assert_cmpstr (entry->log_inputs[0], ==, "iptg");
  g_assert_cmpstr (entry->time_column, ==, "t");
  g_assert_cmpstr (currents_workspace_get_active_dataset (ws), ==, "toggle.csv");
  g_assert_true (currents_document_get_modified (doc));
}

/* Columns named as no reader knows: the user says which is the time. */
static void
test_import_unusual_names (Fixture       *fixture,
                           gconstpointer  data)
{
  g_autoptr(GFile) file =
    currents_gui_test_write_file (fixture->tmpdir, "plate.csv",
                                  "well;hours;GFP;RFP\nA1;0;1,25;3\nA1;1,5;2,385;2,5\n"
                                  "B2;0;0,5;1\nB2;2;0,75;1,5\n");
  CurrentsImportSheet *sheet = import_and_wait (fixture, file);
  const CurrentsDataset *ds;

  g_assert_nonnull (currents_import_sheet_get_error (sheet));
  g_assert_nonnull (strstr (currents_import_sheet_get_error (sheet), "Time"));
  currents_import_sheet_set_role (sheet, 1, CURRENTS_COLUMN_TIME);
  currents_import_sheet_set_role (sheet, 0, CURRENTS_COLUMN_TRAJECTORY);
  g_assert_true (currents_gui_test_iterate_until (sheet_idle, sheet, WAIT_SECONDS));
  g_assert_null (currents_import_sheet_get_error (sheet));
  /* A second time column: the first steps aside. */
  currents_import_sheet_set_role (sheet, 3, CURRENTS_COLUMN_TIME);
  g_assert_cmpint (currents_import_sheet_get_role (sheet, 1), ==, CURRENTS_COLUMN_IGNORE);
  currents_import_sheet_set_role (sheet, 1, CURRENTS_COLUMN_TIME);
  currents_import_sheet_set_role (sheet, 3, CURRENTS_COLUMN_STATE);
  g_assert_true (currents_gui_test_iterate_until (sheet_idle, sheet, WAIT_SECONDS));
  g_assert_true (currents_import_sheet_import (sheet));
  ds = currents_portrait_get_dataset (fixture->portrait);
  g_assert_nonnull (ds);
  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 2);
  g_assert_cmpuint (currents_dataset_get_n_states (ds), ==, 2);
}

/* The async pair on a file that cannot be read. */
static void
test_import_missing (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->tmpdir, "absent.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  CurrentsImportSheet *sheet = currents_import_sheet_new (GTK_WINDOW (fixture->window));
  g_autoptr(GError) error = NULL;

  currents_import_sheet_load_async (sheet, file, NULL, store_result, fixture);
  wait_result (fixture);
  g_assert_false (currents_import_sheet_load_finish (sheet, fixture->result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
  g_clear_object (&fixture->result);
  g_assert_false (currents_import_sheet_get_busy (sheet));
  gtk_window_destroy (GTK_WINDOW (sheet));
}

/* ---- the model editor ---- */

static gboolean
line_has_tag (GtkTextBuffer *buffer,
              int            line,
              GtkTextTag    *tag)
{
  GtkTextIter iter;

  gtk_text_buffer_get_iter_at_line (buffer, &iter, line);
  while (gtk_text_iter_get_line (&iter) == line)
    {
      if (gtk_text_iter_has_tag (&iter, tag))
        return TRUE;
      if (!gtk_text_iter_forward_char (&iter))
        break;
    }
  return FALSE;
}

static gboolean
editor_ok (gpointer data)
{
  return currents_model_editor_get_error (data) == NULL;
}

static gboolean
editor_failed (gpointer data)
{
  return currents_model_editor_get_error (data) != NULL;
}

typedef struct
{
  char *name;
  char *source;
} Applied;

static void
applied_cb (CurrentsModelEditor *editor,
            const char          *name,
            const char          *source,
            Applied             *applied)
{
  g_free (applied->name);
  g_free (applied->source);
  applied->name = g_strdup (name);
  applied->source = g_strdup (source);
}

static void
test_editor (Fixture       *fixture,
             gconstpointer  data)
{
  static const char broken[] = "# a decaying species\npar a=2.385\nx' = -a*x +\ninit x=1\ndone\n";
  CurrentsModelEditor *editor = currents_window_edit_model (fixture->window);
  GtkTextBuffer *buffer = currents_model_editor_get_buffer (editor);
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer),
                                               CURRENTS_MODEL_EDITOR_ERROR_TAG);
  CurrentsDocument *doc = currents_window_get_document (fixture->window);
  CurrentsWorkspace *ws = currents_document_get_workspace (doc);
  Applied applied = { NULL, NULL };
  g_autofree char *source = NULL;
  GtkTextIter end;
  guint line;

  g_assert_nonnull (tag);
  /* The example's model, as it was shown. */
  g_assert_cmpstr (currents_model_editor_get_name (editor), ==, "toggle.ode");
  source = currents_model_editor_dup_source (editor);
  g_assert_cmpstr (source, ==,
                   currents_model_get_source (currents_portrait_get_model (fixture->portrait)));
  g_assert_null (currents_model_editor_get_error (editor));

  /* A syntax error is underlined on the line the message names, and only there. */
  currents_model_editor_set_source (editor, "decay.ode", broken);
  g_assert_false (currents_model_editor_check (editor));
  g_test_message ("editor says: %s", currents_model_editor_get_error (editor));
  line = currents_model_editor_get_error_line (editor);
  g_assert_cmpuint (line, >=, 3);
  g_assert_cmpuint (line, <=, 4);
  g_assert_nonnull (strstr (currents_model_editor_get_error (editor), "Line"));
  g_assert_true (line_has_tag (buffer, (int) line - 1, tag));
  for (int l = 0; l < gtk_text_buffer_get_line_count (buffer); l++)
    if (l != (int) line - 1)
      g_assert_false (line_has_tag (buffer, l, tag));
  screenshot_both (GTK_WIDGET (editor), "editor-error");

  /* Apply refuses; the portrait keeps the example. */
  g_signal_connect (editor, "apply", G_CALLBACK (applied_cb), &applied);
  g_assert_false (currents_model_editor_apply (editor));
  g_assert_null (applied.source);

  /* Typing the fix: checked after the pause, the underline goes. */
  gtk_text_buffer_get_iter_at_line (buffer, &end, 2);
  gtk_text_iter_forward_to_line_end (&end);
  gtk_text_buffer_insert (buffer, &end, " 0.5", -1);
  g_assert_true (currents_gui_test_iterate_until (editor_ok, editor, WAIT_SECONDS));
  g_assert_false (line_has_tag (buffer, (int) line - 1, tag));

  /* And a new error is caught without asking. */
  gtk_text_buffer_set_text (buffer, "par a=2.385\nx' = -a*x + 0.5\ny' = (x\ninit x=1\n", -1);
  g_assert_true (currents_gui_test_iterate_until (editor_failed, editor, WAIT_SECONDS));
  g_assert_cmpuint (currents_model_editor_get_error_line (editor), >=, 3);
  gtk_text_buffer_set_text (buffer, "par a=2.385\nx' = -a*x + 0.5\ny' = x - y\n"
                            "init x=1, y=0\n@ xp=x, yp=y\ndone\n", -1);
  g_assert_true (currents_model_editor_check (editor));

  /* Apply: the portrait draws the new model, the workspace records it. */
  g_assert_true (currents_model_editor_apply (editor));
  g_assert_cmpstr (applied.name, ==, "decay.ode");
  g_assert_nonnull (currents_portrait_get_model (fixture->portrait));
  g_assert_cmpstr (currents_model_get_source (currents_portrait_get_model (fixture->portrait)),
                   ==, applied.source);
  g_assert_cmpuint (currents_model_get_n_states (currents_portrait_get_model (fixture->portrait)),
                    ==, 2);
  g_assert_cmpint (currents_workspace_find_model (ws, "decay.ode"), >=, 0);
  g_assert_cmpstr (currents_workspace_get_model (ws, currents_workspace_find_model (
                     ws, "decay.ode"))->source, ==, applied.source);
  g_assert_cmpstr (currents_workspace_get_active_model (ws), ==, "decay.ode");
  screenshot_both (GTK_WIDGET (editor), "editor");

  /* The same editor comes back on the action. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.edit-model",
                                             NULL));
  g_free (applied.name);
  g_free (applied.source);
  gtk_window_destroy (GTK_WINDOW (editor));
}

/* ---- saving and opening ---- */

static CurrentsTrainedModel *
make_trained (void)
{
  g_autoptr(GFile) ode = example_file ("toggle.ode");
  g_autofree char *path = g_file_get_path (ode);
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_file (path, &error);
  g_autofree double *p = NULL;
  gsize n;

  g_assert_no_error (error);
  n = currents_model_get_n_params (model);
  p = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    p[i] = currents_model_get_params (model)[i] * (1.0 + 1.0 / 3.0) + 1e-16 * (double) i;
  return currents_trained_model_new_ode (model, p);
}

static void
assert_same_bits (const double *a,
                  const double *b,
                  gsize         n)
{
  for (gsize i = 0; i < n; i++)
    g_assert_cmpmem (&a[i], sizeof (double), &b[i], sizeof (double));
}

/* Opens @saved in a fresh window and checks it shows and holds what @window did. */
static CurrentsWindow *
reopen_and_compare (Fixture        *fixture,
                    CurrentsWindow *window,
                    GFile          *saved)
{
  CurrentsWindow *again = g_object_ref (currents_window_new (NULL));
  CurrentsPortrait *p1 = currents_window_get_portrait (window);
  CurrentsPortrait *p2 = currents_window_get_portrait (again);
  CurrentsWorkspace *w1 = currents_document_get_workspace (currents_window_get_document (window));
  CurrentsWorkspace *w2;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL, *path = g_file_get_path (saved);
  g_autofree char *text2 = NULL;
  gboolean s1, s2, l1, l2;

  gtk_window_set_default_size (GTK_WINDOW (again), 900, 680);
  gtk_window_present (GTK_WINDOW (again));
  g_assert_true (open_and_wait (fixture, again, saved, &error));
  g_assert_no_error (error);
  g_assert_null (currents_window_get_last_error (again));
  /* Loading replaced the document's workspace. */
  w2 = currents_document_get_workspace (currents_window_get_document (again));

  /* The same text when written again. */
  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  text2 = currents_workspace_to_data (w2, path);
  g_assert_cmpstr (text, ==, text2);
  g_assert_false (currents_document_get_modified (currents_window_get_document (again)));
  g_assert_true (g_file_equal (currents_document_get_file (currents_window_get_document (again)),
                               saved));

  /* Same data, model, view. */
  g_assert_cmpstr (currents_dataset_get_sha256 (currents_portrait_get_dataset (p1)), ==,
                   currents_dataset_get_sha256 (currents_portrait_get_dataset (p2)));
  g_assert_cmpuint (currents_dataset_get_n_inputs (currents_portrait_get_dataset (p2)), ==,
                    currents_dataset_get_n_inputs (currents_portrait_get_dataset (p1)));
  g_assert_cmpstr (currents_model_get_source (currents_portrait_get_model (p1)), ==,
                   currents_model_get_source (currents_portrait_get_model (p2)));
  g_assert_cmpuint (currents_portrait_get_x_axis (p1), ==, currents_portrait_get_x_axis (p2));
  g_assert_cmpuint (currents_portrait_get_y_axis (p1), ==, currents_portrait_get_y_axis (p2));
  g_object_get (window, "scale-arrows", &s1, "show-legend", &l1, NULL);
  g_object_get (again, "scale-arrows", &s2, "show-legend", &l2, NULL);
  g_assert_cmpint (s1, ==, s2);
  g_assert_cmpint (l1, ==, l2);

  /* Same entries: checksums, sources, trained parameters bit for bit. */
  g_assert_cmpuint (currents_workspace_get_n_datasets (w2), ==,
                    currents_workspace_get_n_datasets (w1));
  for (gsize i = 0; i < currents_workspace_get_n_datasets (w1); i++)
    g_assert_cmpstr (currents_workspace_get_dataset (w1, i)->sha256, ==,
                     currents_workspace_get_dataset (w2, i)->sha256);
  g_assert_cmpuint (currents_workspace_get_n_models (w2), ==, currents_workspace_get_n_models (w1));
  for (gsize i = 0; i < currents_workspace_get_n_models (w1); i++)
    g_assert_cmpstr (currents_workspace_get_model (w1, i)->source, ==,
                     currents_workspace_get_model (w2, i)->source);
  g_assert_cmpuint (currents_workspace_get_n_trained (w2), ==,
                    currents_workspace_get_n_trained (w1));
  for (gsize i = 0; i < currents_workspace_get_n_trained (w1); i++)
    {
      g_autoptr(CurrentsTrainedModel) a = currents_workspace_load_trained (w1, i, &error);
      g_autoptr(CurrentsTrainedModel) b = currents_workspace_load_trained (w2, i, &error);

      g_assert_no_error (error);
      g_assert_cmpuint (currents_trained_model_get_n_params (a), ==,
                        currents_trained_model_get_n_params (b));
      assert_same_bits (currents_trained_model_get_params (a),
                        currents_trained_model_get_params (b),
                        currents_trained_model_get_n_params (a));
    }
  return again;
}

static void
test_save_reopen (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GFile) ode = example_file ("toggle.ode");
  g_autoptr(GFile) csv = example_file ("toggle.csv");
  g_autoptr(CurrentsTrainedModel) tm = make_trained ();
  g_autofree char *trained_path = g_build_filename (fixture->tmpdir, "fitted.json", NULL);
  g_autofree char *saved_path = g_build_filename (fixture->tmpdir, "study.currents", NULL);
  g_autoptr(GFile) trained = g_file_new_for_path (trained_path);
  g_autoptr(GFile) saved = g_file_new_for_path (saved_path);
  CurrentsDocument *doc = currents_window_get_document (fixture->window);
  CurrentsWorkspace *ws = currents_document_get_workspace (doc);
  g_autoptr(GError) error = NULL;
  CurrentsWindow *again;

  g_assert_true (currents_trained_model_save (tm, trained_path, &error));
  g_assert_true (open_and_wait (fixture, fixture->window, ode, &error));
  g_assert_true (open_and_wait (fixture, fixture->window, csv, &error));
  g_assert_true (open_and_wait (fixture, fixture->window, trained, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (currents_workspace_get_n_trained (ws), ==, 1);
  g_assert_cmpstr (currents_workspace_get_active_trained (ws), ==, "fitted.json");
  /* Files opened into an unsaved workspace are no work to recover. */
  g_assert_false (currents_document_get_modified (doc));

  /* View settings to keep. */
  currents_portrait_swap_axes (fixture->portrait);
  g_object_set (fixture->window, "scale-arrows", TRUE, NULL);

  g_assert_true (save_and_wait (fixture, fixture->window, saved, &error));
  g_assert_no_error (error);
  g_assert_false (currents_document_get_modified (doc));
  g_assert_true (g_file_equal (currents_document_get_file (doc), saved));
  {
    g_autofree char *title = currents_document_dup_title (doc);

    g_assert_cmpstr (title, ==, "study");
  }
  /* Saved: nothing to recover. */
  g_assert_false (g_file_query_exists (currents_document_get_autosave_file (doc), NULL));

  again = reopen_and_compare (fixture, fixture->window, saved);
  g_assert_cmpuint (currents_portrait_get_x_axis (currents_window_get_portrait (again)), ==, 1);
  currents_gui_test_screenshot (GTK_WIDGET (again), "workspace", "reopened");
  currents_gui_test_destroy_window (&again, NULL, WAIT_SECONDS);

  /* Saving again to the document's own file (Ctrl+S's path). */
  g_assert_true (save_and_wait (fixture, fixture->window, NULL, &error));
  g_assert_no_error (error);

  g_object_set (fixture->window, "scale-arrows", FALSE, NULL);
}

/* Data referenced by path and checksum: reopens while the file is the same, and a
 * changed file is said with the checksum's message. */
static void
test_save_referenced (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  g_autoptr(GFile) csv =
    currents_gui_test_write_file (fixture->tmpdir, "measured.csv",
                                  "trajectory,t,u,v\na,0,2.5,0.2\na,0.5,2.3,0.31\n"
                                  "b,0,0.3,2.6\nb,1,0.41,2.4\n");
  g_autofree char *saved_path = g_build_filename (fixture->tmpdir, "ref.currents", NULL);
  g_autoptr(GFile) saved = g_file_new_for_path (saved_path);
  CurrentsWorkspace *ws =
    currents_document_get_workspace (currents_window_get_document (fixture->window));
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  CurrentsWindow *again;

  g_settings_set_boolean (settings, "embed-data", FALSE);
  g_assert_true (open_and_wait (fixture, fixture->window, csv, &error));
  g_assert_null (currents_workspace_get_dataset (ws, 0)->csv);
  g_assert_nonnull (currents_workspace_get_dataset (ws, 0)->path);
  g_assert_true (save_and_wait (fixture, fixture->window, saved, &error));
  g_assert_no_error (error);
  g_file_get_contents (saved_path, &text, NULL, &error);
  g_assert_nonnull (strstr (text, "\"relative_path\": \"measured.csv\""));

  again = reopen_and_compare (fixture, fixture->window, saved);
  currents_gui_test_destroy_window (&again, NULL, WAIT_SECONDS);

  /* The data file changes behind the workspace's back. */
  g_object_unref (currents_gui_test_write_file (fixture->tmpdir, "measured.csv",
                                                "trajectory,t,u,v\na,0,2.5,0.2\na,0.5,2.385,0.31\n"
                                                "b,0,0.3,2.6\nb,1,0.41,2.4\n"));
  again = g_object_ref (currents_window_new (NULL));
  g_assert_true (open_and_wait (fixture, again, saved, &error));
  g_assert_nonnull (currents_window_get_last_error (again));
  g_test_message ("window says: %s", currents_window_get_last_error (again));
  g_assert_nonnull (strstr (currents_window_get_last_error (again), "has changed since"));
  g_assert_null (currents_portrait_get_dataset (currents_window_get_portrait (again)));
  /* The model still opened. */
  g_assert_nonnull (currents_portrait_get_model (currents_window_get_portrait (again)));
  currents_gui_test_destroy_window (&again, NULL, WAIT_SECONDS);
  g_settings_reset (settings, "embed-data");
}

static void
test_open_refused (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GFile) foreign =
    currents_gui_test_write_file (fixture->tmpdir, "foreign.currents", "{\"format\": \"other\"}\n");
  g_autoptr(GFile) bad_json =
    currents_gui_test_write_file (fixture->tmpdir, "bad.json", "{\"format\": \"other\"}\n");
  const CurrentsModel *model = currents_portrait_get_model (fixture->portrait);
  g_autoptr(GError) error = NULL;

  g_assert_false (open_and_wait (fixture, fixture->window, foreign, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  g_assert_nonnull (strstr (error->message, "not a Currents workspace"));
  g_assert_cmpstr (currents_window_get_last_error (fixture->window), ==, error->message);
  g_assert_true (currents_portrait_get_model (fixture->portrait) == model);
  g_clear_error (&error);

  g_assert_false (open_and_wait (fixture, fixture->window, bad_json, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  g_assert_true (currents_portrait_get_model (fixture->portrait) == model);
  g_clear_error (&error);

  /* Saving without a file: said, not crashed. */
  g_assert_false (save_and_wait (fixture, fixture->window, NULL, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
}

/* ---- autosave and recovery ---- */

static gboolean
has_dataset (gpointer data)
{
  return currents_portrait_get_dataset (data) != NULL;
}

static void
test_autosave_recovery (Fixture       *fixture,
                        gconstpointer  data)
{
  g_autoptr(GFile) csv = example_file ("toggle.csv");
  CurrentsDocument *doc = currents_window_get_document (fixture->window);
  g_autoptr(GFile) autosave = g_object_ref (currents_document_get_autosave_file (doc));
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *autosave_path = g_file_get_path (autosave);
  GtkWindow *dialog;
  CurrentsWindow *next;
  CurrentsWorkspace *ws;
  CurrentsModelEditor *editor;

  g_assert_true (g_str_has_prefix (autosave_path, state_dir));
  g_assert_true (open_and_wait (fixture, fixture->window, csv, &error));
  sha = g_strdup (currents_dataset_get_sha256 (currents_portrait_get_dataset (fixture->portrait)));
  g_assert_false (currents_document_get_modified (doc));

  /* Work: a model edited and applied. */
  editor = currents_window_edit_model (fixture->window);
  g_assert_true (currents_model_editor_apply (editor));
  g_assert_true (currents_document_get_modified (doc));
  gtk_window_destroy (GTK_WINDOW (editor));

  /* Forced: the file appears. */
  g_assert_false (g_file_query_exists (autosave, NULL));
  currents_document_autosave_async (doc, NULL, store_result, fixture);
  wait_result (fixture);
  g_assert_true (currents_document_autosave_finish (doc, fixture->result, &error));
  g_assert_no_error (error);
  g_clear_object (&fixture->result);
  g_assert_true (g_file_query_exists (autosave, NULL));

  /* A live window's autosave is not offered to another. */
  next = g_object_ref (currents_window_new (NULL));
  g_assert_null (currents_window_offer_recovery (next));
  currents_gui_test_destroy_window (&next, NULL, WAIT_SECONDS);

  /* The window vanishes without closing (a crash): the next start offers its work. */
  currents_gui_test_destroy_window (&fixture->window, NULL, WAIT_SECONDS);
  g_assert_true (g_file_query_exists (autosave, NULL));
  next = g_object_ref (currents_window_new (NULL));
  gtk_window_set_default_size (GTK_WINDOW (next), 900, 680);
  g_assert_true (currents_window_open_example (next));
  gtk_window_present (GTK_WINDOW (next));
  dialog = currents_window_offer_recovery (next);
  g_assert_nonnull (dialog);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  g_assert_true (gtk_window_get_transient_for (dialog) == GTK_WINDOW (next));
  screenshot_both (GTK_WIDGET (dialog), "recovery");

  /* Restored: the data is back, unsaved, and the old autosave is gone. */
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "restore");
  ws = currents_document_get_workspace (currents_window_get_document (next));
  {
    gint64 deadline = g_get_monotonic_time () + (gint64) (WAIT_SECONDS * G_USEC_PER_SEC);

    while (currents_workspace_find_dataset (ws, "toggle.csv") < 0
           && g_get_monotonic_time () < deadline)
      {
        g_main_context_iteration (NULL, FALSE);
        ws = currents_document_get_workspace (currents_window_get_document (next));
      }
  }
  g_assert_cmpint (currents_workspace_find_dataset (ws, "toggle.csv"), >=, 0);
  g_assert_true (currents_gui_test_iterate_until (has_dataset, currents_window_get_portrait (next),
                                                  WAIT_SECONDS));
  g_assert_cmpstr (currents_dataset_get_sha256 (
                     currents_portrait_get_dataset (currents_window_get_portrait (next))), ==, sha);
  g_assert_true (currents_document_get_modified (currents_window_get_document (next)));
  g_assert_null (currents_document_get_file (currents_window_get_document (next)));
  g_assert_false (g_file_query_exists (autosave, NULL));
  g_assert_null (currents_window_offer_recovery (next));

  /* Closing with unsaved work keeps it; Discard removes it. */
  {
    GFile *kept = currents_document_get_autosave_file (currents_window_get_document (next));
    g_autoptr(GFile) kept_ref = g_object_ref (kept);
    CurrentsWindow *third;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (next), "window.close", NULL));
    g_assert_true (g_file_query_exists (kept_ref, NULL));
    currents_gui_test_destroy_window (&next, NULL, WAIT_SECONDS);
    third = g_object_ref (currents_window_new (NULL));
    dialog = currents_window_offer_recovery (third);
    g_assert_nonnull (dialog);
    adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "discard");
    g_assert_false (g_file_query_exists (kept_ref, NULL));
    g_assert_null (currents_window_offer_recovery (third));
    currents_gui_test_destroy_window (&third, NULL, WAIT_SECONDS);
  }
}

/* The restore async pair on a damaged autosave. */
static void
test_restore_damaged (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GFile) damaged =
    currents_gui_test_write_file (fixture->tmpdir, "autosave-x.currents",
                                  "{\"format\": \"currents-workspace\", \"versi");
  const CurrentsModel *model = currents_portrait_get_model (fixture->portrait);
  g_autoptr(GError) error = NULL;

  currents_window_restore_async (fixture->window, damaged, NULL, store_result, fixture);
  wait_result (fixture);
  g_assert_false (currents_window_restore_finish (fixture->window, fixture->result, &error));
  g_clear_object (&fixture->result);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  g_assert_nonnull (strstr (error->message, "damaged or truncated"));
  g_assert_true (currents_portrait_get_model (fixture->portrait) == model);
  g_assert_true (g_file_query_exists (damaged, NULL));
}

/* The document's own async pairs, on their own. */
static void
test_document_async (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(CurrentsDocument) doc = currents_document_new ();
  g_autofree char *path = g_build_filename (fixture->tmpdir, "plain.currents", NULL);
  g_autofree char *bad_path = g_build_filename (fixture->tmpdir, "no", "dir.currents", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsDocumentActive) active = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();

  g_assert_true (currents_document_add_model (doc, "decay.ode", NULL,
                                              "par a=2.385\nx' = -a*x\ninit x=1\n", &error));
  currents_document_save_async (doc, file, NULL, store_result, fixture);
  wait_result (fixture);
  g_assert_true (currents_document_save_finish (doc, fixture->result, &error));
  g_assert_no_error (error);
  g_clear_object (&fixture->result);

  currents_document_save_async (doc, bad, NULL, store_result, fixture);
  wait_result (fixture);
  g_assert_false (currents_document_save_finish (doc, fixture->result, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  g_clear_error (&error);
  g_clear_object (&fixture->result);
  g_assert_true (g_file_equal (currents_document_get_file (doc), file));

  currents_document_load_async (doc, file, NULL, store_result, fixture);
  wait_result (fixture);
  active = currents_document_load_finish (doc, fixture->result, &error);
  g_assert_no_error (error);
  g_clear_object (&fixture->result);
  g_assert_nonnull (active->model);
  g_assert_cmpstr (active->model_name, ==, "decay.ode");
  g_assert_null (active->dataset);

  g_cancellable_cancel (cancellable);
  currents_document_load_async (doc, file, cancellable, store_result, fixture);
  wait_result (fixture);
  g_assert_null (currents_document_load_finish (doc, fixture->result, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_object (&fixture->result);
}

/* ---- preferences and actions ---- */

static void
test_preferences (Fixture       *fixture,
                  gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  AdwStyleManager *style = adw_style_manager_get_default ();
  CurrentsPreferences *prefs;
  CurrentsDocument *doc = currents_window_get_document (fixture->window);
  guint widths[4];
  gsize n = 0;
  g_autoptr(GError) error = NULL;

  currents_preferences_follow_style ();
  g_settings_set_string (settings, "color-scheme", "dark");
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_DARK);
  g_settings_set_string (settings, "color-scheme", "light");
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_FORCE_LIGHT);
  g_settings_reset (settings, "color-scheme");
  g_assert_cmpint (adw_style_manager_get_color_scheme (style), ==, ADW_COLOR_SCHEME_DEFAULT);

  /* The autosave interval reaches the document. */
  g_assert_cmpuint (currents_document_get_autosave_interval (doc), ==, 2);
  g_settings_set_uint (settings, "autosave-interval", 5);
  g_assert_cmpuint (currents_document_get_autosave_interval (doc), ==, 5);
  g_settings_reset (settings, "autosave-interval");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.preferences",
                                             NULL));
  prefs = currents_window_show_preferences (fixture->window);
  g_assert_nonnull (prefs);
  screenshot_both (GTK_WIDGET (prefs), "preferences");
  gtk_window_destroy (GTK_WINDOW (prefs));

  g_assert_true (currents_preferences_parse_widths ("64, 32 ,16", widths, 4, &n, &error));
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpuint (widths[1], ==, 32);
  g_assert_false (currents_preferences_parse_widths ("64, wide", widths, 4, &n, &error));
  g_assert_nonnull (strstr (error->message, "wide"));
  g_clear_error (&error);
  g_assert_false (currents_preferences_parse_widths ("1,2,3,4,5", widths, 4, &n, &error));
  g_clear_error (&error);
  g_assert_false (currents_preferences_parse_widths (" , ", widths, 4, &n, &error));
}

static void
test_actions (Fixture       *fixture,
              gconstpointer  data)
{
  static const char *const actions[] = { "win.open", "win.save", "win.save-as",
                                         "win.import-data", "win.edit-model",
                                         "win.preferences", "win.new-window",
                                         "win.open-recent", NULL };
  GtkWidget *window = GTK_WIDGET (fixture->window);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) csv = example_file ("toggle.csv");
  GtkRecentManager *recent = gtk_recent_manager_get_default ();
  g_autofree char *uri = g_file_get_uri (csv);

  /* Every action is installed on the window, so menus, buttons and keys share it. */
  for (guint i = 0; actions[i] != NULL; i++)
    {
      GtkWidget *w = window;
      gboolean found = FALSE;

      for (guint k = 0; !found; k++)
        {
          const char *name = NULL, *property = NULL;
          const GVariantType *type = NULL;
          GType owner;

          if (!gtk_widget_class_query_action (GTK_WIDGET_GET_CLASS (w), k, &owner, &name, &type,
                                              &property))
            break;
          found = g_strcmp0 (name, actions[i]) == 0;
        }
      g_assert_true (found);
    }

  /* Opening records the file as recent. */
  g_assert_true (open_and_wait (fixture, fixture->window, csv, &error));
  currents_gui_test_pause (0.3);
  g_assert_true (gtk_recent_manager_has_item (recent, uri));
  currents_gui_test_screenshot (window, "workspace", "window");
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = NULL;
  int status;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);

  /* Autosaves and recent files in a directory of the test's own (before GLib caches
   * the user directories). */
  home = g_dir_make_tmp ("currents-gui-state-XXXXXX", &error);
  g_assert_no_error (error);
  state_dir = g_build_filename (home, "state", NULL);
  g_setenv ("XDG_STATE_HOME", state_dir, TRUE);
  {
    g_autofree char *data_home = g_build_filename (home, "data", NULL);

    g_setenv ("XDG_DATA_HOME", data_home, TRUE);
  }

  currents_gui_test_init (&argc, &argv);
  g_assert_cmpstr (g_get_user_state_dir (), ==, state_dir);

  currents_gui_test_load_style ();

#define ADD(path, func) \
  g_test_add ("/gui/workspace/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("import/malformed", test_import_malformed);
  ADD ("import/error-far-down", test_import_error_far_down);
  ADD ("import/roles", test_import_roles);
  ADD ("import/unusual-names", test_import_unusual_names);
  ADD ("import/missing", test_import_missing);
  ADD ("editor", test_editor);
  ADD ("save-reopen", test_save_reopen);
  ADD ("save-referenced", test_save_referenced);
  ADD ("open-refused", test_open_refused);
  ADD ("autosave-recovery", test_autosave_recovery);
  ADD ("restore-damaged", test_restore_damaged);
  ADD ("document-async", test_document_async);
  ADD ("preferences", test_preferences);
  ADD ("actions", test_actions);

#undef ADD

  status = g_test_run ();
  currents_gui_test_remove_tree (home);
  g_free (state_dir);
  return status;
}
