/* test-window.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window on its bundled example (the genetic toggle switch), drawn for real under
 * a display (`xvfb-run -a`), and every way opening a file can go: a malformed CSV or
 * model, a missing file and a cancelled open each leave what was shown in place; data
 * recorded from the model is drawn over its field, other data replaces it.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes window-*.png and phase-plane-*.png there.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-window"

#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 20.0

typedef struct
{
  CurrentsWindow     *window;
  CurrentsPortrait *plane;
  char               *tmpdir;
  GAsyncResult       *result;
} Fixture;

static gboolean
plane_idle (gpointer data)
{
  return !currents_portrait_get_busy (data);
}

static guint
plane_frames (gpointer plane)
{
  return currents_portrait_get_n_frames (plane);
}

/* Waits until the plane has finished its trajectories and drawn a frame after that. */
static void
wait_for_plane (Fixture           *fixture,
                CurrentsPlotStats *stats)
{
  g_assert_true (currents_gui_test_iterate_until (plane_idle, fixture->plane, WAIT_SECONDS));
  g_assert_true (currents_gui_test_redraw (GTK_WIDGET (fixture->plane), plane_frames,
                                           fixture->plane, WAIT_SECONDS));
  currents_portrait_get_stats (fixture->plane, stats);
}

static gboolean
has_result (gpointer data)
{
  return ((Fixture *) data)->result != NULL;
}

static void
open_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_null (fixture->result);
  fixture->result = g_object_ref (result);
}

/* Opens @file through the async pair and returns what _finish said. */
static gboolean
open_and_wait (Fixture       *fixture,
               GFile         *file,
               GCancellable  *cancellable,
               GError       **error)
{
  gboolean ok;

  g_clear_object (&fixture->result);
  currents_window_open_async (fixture->window, file, cancellable, open_done, fixture);
  g_assert_true (currents_gui_test_iterate_until (has_result, fixture, WAIT_SECONDS));
  ok = currents_window_open_finish (fixture->window, fixture->result, error);
  g_clear_object (&fixture->result);
  return ok;
}

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  g_autofree char *plane_path = currents_gui_test_screenshot_path ("phase-plane", name, NULL);
  g_autoptr(GError) error = NULL;

  if (plane_path == NULL)
    return;
  /* The whole window as GTK drew it, once animations (a toast sliding in) end. */
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "window", name);
  g_assert_true (currents_portrait_export (fixture->plane, plane_path, 800, 600, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->tmpdir = currents_gui_test_make_temp_dir ("currents-window-XXXXXX");

  fixture->window = currents_gui_test_window_new (900, 680, TRUE);
  fixture->plane = currents_window_get_portrait (fixture->window);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* The window must go away entirely once its work is done: no task keeps it. */
  currents_gui_test_destroy_window (&fixture->window, &fixture->plane, WAIT_SECONDS);
  currents_gui_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

static const char *
variable (Fixture *fixture,
          guint    i)
{
  GListModel *vars = currents_portrait_get_variables (fixture->plane);
  g_autoptr(GtkStringObject) item = g_list_model_get_item (vars, i);

  return item != NULL ? gtk_string_object_get_string (item) : NULL;
}

static void
test_example (Fixture       *fixture,
              gconstpointer  data)
{
  const CurrentsModel *model = currents_portrait_get_model (fixture->plane);
  GListModel *vars = currents_portrait_get_variables (fixture->plane);
  CurrentsPlotStats stats;

  g_assert_nonnull (model);
  g_assert_cmpuint (currents_model_get_n_states (model), ==, 2);
  g_assert_cmpstr (currents_model_get_state_name (model, 0), ==, "u");
  g_assert_cmpstr (currents_model_get_state_name (model, 1), ==, "v");

  /* u, v and time; the file's `@ xp=u, yp=v` chose the axes */
  g_assert_cmpuint (g_list_model_get_n_items (vars), ==, 3);
  g_assert_cmpstr (variable (fixture, 0), ==, "u");
  g_assert_cmpstr (variable (fixture, 1), ==, "v");
  g_assert_cmpstr (variable (fixture, 2), ==, "t");
  g_assert_cmpuint (currents_portrait_get_x_axis (fixture->plane), ==, 0);
  g_assert_cmpuint (currents_portrait_get_y_axis (fixture->plane), ==, 1);

  wait_for_plane (fixture, &stats);
  g_assert_cmpuint (stats.n_arrows, >, 20);
  /* a 4 × 4 grid of initial states and the model's own */
  g_assert_cmpuint (stats.n_trajectories, ==, 17);
  g_assert_cmpfloat (stats.max_speed, >, 0.0);
  g_assert_null (currents_window_get_last_error (fixture->window));

  /* The bundled data, when there is some, is drawn over the field. */
  if (g_resources_get_info ("/org/currents/Currents/examples/toggle.csv",
                            G_RESOURCE_LOOKUP_FLAGS_NONE, NULL, NULL, NULL))
    {
      const CurrentsDataset *dataset = currents_portrait_get_dataset (fixture->plane);

      g_assert_nonnull (dataset);
      g_assert_cmpuint (stats.n_data_curves, ==, currents_dataset_get_n_trajectories (dataset));
      g_assert_cmpuint (stats.n_markers, >, 0);
    }

  screenshot (fixture, "example");

  /* A phone-sized window still shows everything. */
  if (g_getenv ("CURRENTS_SCREENSHOT_DIR") != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (fixture->window), 360, 640);
      wait_for_plane (fixture, &stats);
      screenshot (fixture, "narrow");
    }
}

static void
test_axes (Fixture       *fixture,
           gconstpointer  data)
{
  CurrentsPlotStats stats;

  wait_for_plane (fixture, &stats);

  /* v against time: no field, the initial state and 6 levels of v */
  currents_portrait_set_x_axis (fixture->plane, 2);
  wait_for_plane (fixture, &stats);
  g_assert_cmpuint (stats.n_arrows, ==, 0);
  g_assert_cmpuint (stats.n_trajectories, ==, 7);
  screenshot (fixture, "time");

  /* (v, u) after a swap and back: the field returns */
  currents_portrait_set_x_axis (fixture->plane, 0);
  currents_portrait_swap_axes (fixture->plane);
  g_assert_cmpuint (currents_portrait_get_x_axis (fixture->plane), ==, 1);
  g_assert_cmpuint (currents_portrait_get_y_axis (fixture->plane), ==, 0);
  wait_for_plane (fixture, &stats);
  g_assert_cmpuint (stats.n_arrows, >, 20);
  g_assert_cmpuint (stats.n_trajectories, ==, 17);

  /* An index past the variables is ignored. */
  currents_portrait_set_x_axis (fixture->plane, 3);
  g_assert_cmpuint (currents_portrait_get_x_axis (fixture->plane), ==, 1);
}

/* Opening @file fails with @domain/@code: a toast says so and what was shown stays. */
static void
assert_open_fails_and_keeps (Fixture    *fixture,
                             GFile      *file,
                             GQuark      domain,
                             int         code)
{
  const CurrentsModel *model = currents_portrait_get_model (fixture->plane);
  const CurrentsDataset *dataset = currents_portrait_get_dataset (fixture->plane);
  g_autoptr(GError) error = NULL;
  CurrentsPlotStats before, after;

  wait_for_plane (fixture, &before);
  g_assert_false (open_and_wait (fixture, file, NULL, &error));
  g_assert_error (error, domain, code);
  g_assert_cmpstr (currents_window_get_last_error (fixture->window), ==, error->message);

  g_assert_true (currents_portrait_get_model (fixture->plane) == model);
  g_assert_true (currents_portrait_get_dataset (fixture->plane) == dataset);
  wait_for_plane (fixture, &after);
  g_assert_cmpuint (after.n_arrows, ==, before.n_arrows);
  g_assert_cmpuint (after.n_trajectories, ==, before.n_trajectories);
  g_assert_cmpuint (after.n_data_curves, ==, before.n_data_curves);
}

static void
test_malformed_csv (Fixture       *fixture,
                    gconstpointer  data)
{
  g_autoptr(GFile) file =
    currents_gui_test_write_file (fixture->tmpdir, "broken.csv",
                                  "t,u,v\n0,1.5,2.385\n0.5,oops,3\n1,1.25\n");

  assert_open_fails_and_keeps (fixture, file, CURRENTS_ENGINE_ERROR,
                               CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  screenshot (fixture, "error");
}

static void
test_malformed_model (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GFile) file =
    currents_gui_test_write_file (fixture->tmpdir, "broken.ode",
                                  "par a=2.385\nx' = -a*x +\ninit x=1\ndone\n");

  assert_open_fails_and_keeps (fixture, file, CURRENTS_ENGINE_ERROR,
                               CURRENTS_ENGINE_ERROR_MODEL_SYNTAX);
}

static void
test_missing_file (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->tmpdir, "absent.csv", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);

  assert_open_fails_and_keeps (fixture, file, G_IO_ERROR, G_IO_ERROR_NOT_FOUND);
}

static void
test_cancelled (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GFile) file =
    currents_gui_test_write_file (fixture->tmpdir, "fine.csv", "t,u,v\n0,1.5,2.385\n1,1.25,2\n");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  const CurrentsModel *model = currents_portrait_get_model (fixture->plane);
  g_autoptr(GError) error = NULL;

  g_cancellable_cancel (cancellable);
  g_assert_false (open_and_wait (fixture, file, cancellable, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  /* A cancellation is not an error to show. */
  g_assert_null (currents_window_get_last_error (fixture->window));
  g_assert_true (currents_portrait_get_model (fixture->plane) == model);
}

static void
test_data_over_model (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GFile) file =
    currents_gui_test_write_file (fixture->tmpdir, "measured.csv",
                                  "trajectory,t,u,v\n"
                                  "a,0,2.5,0.2\na,0.5,2.3,0.31\na,1,2.2,NaN\na,1.5,2.1,0.35\n"
                                  "b,0,0.3,2.6\nb,1,0.41,2.4\n");
  const CurrentsModel *model = currents_portrait_get_model (fixture->plane);
  g_autoptr(GError) error = NULL;
  CurrentsPlotStats stats;

  g_assert_true (open_and_wait (fixture, file, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (currents_portrait_get_model (fixture->plane) == model);
  g_assert_nonnull (currents_portrait_get_dataset (fixture->plane));

  wait_for_plane (fixture, &stats);
  g_assert_cmpuint (stats.n_arrows, >, 20);
  g_assert_cmpuint (stats.n_trajectories, ==, 17);
  g_assert_cmpuint (stats.n_data_curves, ==, 2);
  g_assert_cmpuint (stats.n_markers, ==, 5);   /* one value is missing */
}

static void
test_other_data_replaces_model (Fixture       *fixture,
                                gconstpointer  data)
{
  g_autoptr(GFile) file =
    currents_gui_test_write_file (fixture->tmpdir, "other.csv",
                                  "t,a,b\n0,1,2.385\n1,2,3\n2,2.5,3.25\n");
  g_autoptr(GError) error = NULL;
  CurrentsPlotStats stats;

  g_assert_true (open_and_wait (fixture, file, NULL, &error));
  g_assert_no_error (error);
  g_assert_null (currents_portrait_get_model (fixture->plane));
  g_assert_nonnull (currents_portrait_get_dataset (fixture->plane));
  g_assert_cmpstr (variable (fixture, 0), ==, "a");
  g_assert_cmpstr (variable (fixture, 1), ==, "b");
  g_assert_cmpstr (variable (fixture, 2), ==, "t");

  wait_for_plane (fixture, &stats);
  g_assert_cmpuint (stats.n_arrows, ==, 0);
  g_assert_cmpuint (stats.n_trajectories, ==, 0);
  g_assert_cmpuint (stats.n_data_curves, ==, 1);
  g_assert_cmpuint (stats.n_markers, ==, 3);
  screenshot (fixture, "data");

  /* And the example comes back on request. */
  g_assert_true (currents_window_open_example (fixture->window));
  g_assert_nonnull (currents_portrait_get_model (fixture->plane));
  wait_for_plane (fixture, &stats);
  g_assert_cmpuint (stats.n_trajectories, ==, 17);
}

static int
compare_strings (gconstpointer a,
                 gconstpointer b)
{
  return g_strcmp0 (*(const char *const *) a, *(const char *const *) b);
}

static void
test_actions (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GSettings) settings = g_settings_new (APP_ID);
  CurrentsPlotStats stats;

  wait_for_plane (fixture, &stats);
  g_assert_false (currents_portrait_get_scale_arrows (fixture->plane));
  g_assert_true (currents_portrait_get_show_legend (fixture->plane));

  /* The menu's toggles reach the plane and are remembered. */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.scale-arrows",
                                             NULL));
  g_assert_true (currents_portrait_get_scale_arrows (fixture->plane));
  g_assert_true (g_settings_get_boolean (settings, "scale-arrows"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.show-legend",
                                             NULL));
  g_assert_false (currents_portrait_get_show_legend (fixture->plane));
  g_assert_false (g_settings_get_boolean (settings, "show-legend"));
  wait_for_plane (fixture, &stats);
  g_assert_cmpuint (stats.n_arrows, >, 20);
  screenshot (fixture, "scaled-arrows");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.swap-axes",
                                             NULL));
  g_assert_cmpuint (currents_portrait_get_x_axis (fixture->plane), ==, 1);
  g_assert_cmpuint (currents_portrait_get_y_axis (fixture->plane), ==, 0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.open-example",
                                             NULL));
  g_assert_cmpuint (currents_portrait_get_x_axis (fixture->plane), ==, 0);
  wait_for_plane (fixture, &stats);
  g_assert_cmpuint (stats.n_trajectories, ==, 17);

  g_settings_reset (settings, "scale-arrows");
  g_settings_reset (settings, "show-legend");
  g_assert_false (currents_portrait_get_scale_arrows (fixture->plane));
  g_assert_true (currents_portrait_get_show_legend (fixture->plane));
}

static gboolean
model_with_input_data (gpointer data)
{
  CurrentsPortrait *plane = data;
  const CurrentsDataset *dataset = currents_portrait_get_dataset (plane);

  return currents_portrait_get_model (plane) != NULL && dataset != NULL
         && currents_dataset_get_n_inputs (dataset) == 1;
}

/* Given data before its model, open_files() still reads the model first, so the
 * inducer column of the data is read as the model's input. */
static void
test_open_files (Fixture       *fixture,
                 gconstpointer  data)
{
  const char *data_dir = g_getenv ("CURRENTS_DATA_DIR");
  g_autoptr(GFile) other =
    currents_gui_test_write_file (fixture->tmpdir, "other.csv", "t,a,b\n0,1,2.385\n1,2,3\n");
  g_autofree char *csv = NULL, *ode = NULL;
  g_autoptr(GError) error = NULL;
  GFile *files[2];

  if (data_dir == NULL)
    data_dir = CURRENTS_SOURCE_DIR "/data";
  csv = g_build_filename (data_dir, "examples", "toggle.csv", NULL);
  ode = g_build_filename (data_dir, "examples", "toggle.ode", NULL);
  g_assert_true (g_file_test (csv, G_FILE_TEST_IS_REGULAR));

  g_assert_true (open_and_wait (fixture, other, NULL, &error));
  g_assert_null (currents_portrait_get_model (fixture->plane));

  files[0] = g_file_new_for_path (csv);
  files[1] = g_file_new_for_path (ode);
  currents_window_open_files (fixture->window, files, 2);
  g_assert_true (currents_gui_test_iterate_until (model_with_input_data, fixture->plane,
                                                  WAIT_SECONDS));
  g_assert_cmpstr (currents_dataset_get_input_name (
                     currents_portrait_get_dataset (fixture->plane), 0), ==, "iptg");
  g_object_unref (files[0]);
  g_object_unref (files[1]);
  g_assert_null (currents_window_get_last_error (fixture->window));
}

/* Every model shipped in data/examples opens and draws, with its data over it. */
static void
test_bundled_examples (Fixture       *fixture,
                       gconstpointer  data)
{
  const char *data_dir = g_getenv ("CURRENTS_DATA_DIR");
  g_autofree char *examples = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GDir) dir = NULL;
  const char *name;

  if (data_dir == NULL)
    data_dir = CURRENTS_SOURCE_DIR "/data";
  examples = g_build_filename (data_dir, "examples", NULL);
  dir = g_dir_open (examples, 0, NULL);
  g_assert_nonnull (dir);
  while ((name = g_dir_read_name (dir)) != NULL)
    if (g_str_has_suffix (name, ".ode"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_strings);
  g_assert_cmpuint (names->len, >, 0);

  for (guint i = 0; i < names->len; i++)
    {
      const char *ode = g_ptr_array_index (names, i);
      g_autofree char *stem = g_strndup (ode, strlen (ode) - 4);
      g_autofree char *csv = g_strconcat (stem, ".csv", NULL);
      g_autofree char *ode_path = g_build_filename (examples, ode, NULL);
      g_autofree char *csv_path = g_build_filename (examples, csv, NULL);
      g_autoptr(GFile) file = g_file_new_for_path (ode_path);
      g_autoptr(GError) error = NULL;
      CurrentsPlotStats stats;
      guint x, y, n;

      g_test_message ("%s", ode);
      g_assert_true (open_and_wait (fixture, file, NULL, &error));
      g_assert_no_error (error);
      wait_for_plane (fixture, &stats);

      n = currents_model_get_n_states (currents_portrait_get_model (fixture->plane));
      x = currents_portrait_get_x_axis (fixture->plane);
      y = currents_portrait_get_y_axis (fixture->plane);
      g_assert_cmpuint (stats.n_trajectories, >, 0);
      if (x < n && y < n && x != y)
        g_assert_cmpuint (stats.n_arrows, >, 0);

      if (g_file_test (csv_path, G_FILE_TEST_IS_REGULAR))
        {
          g_autoptr(GFile) data_file = g_file_new_for_path (csv_path);

          g_assert_true (open_and_wait (fixture, data_file, NULL, &error));
          g_assert_no_error (error);
          g_assert_nonnull (currents_portrait_get_model (fixture->plane));
          wait_for_plane (fixture, &stats);
          g_assert_cmpuint (stats.n_data_curves, >, 0);
        }
      screenshot (fixture, stem);
    }
  g_assert_null (currents_window_get_last_error (fixture->window));
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/gui/window/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("example", test_example);
  ADD ("axes", test_axes);
  ADD ("open/malformed-csv", test_malformed_csv);
  ADD ("open/malformed-model", test_malformed_model);
  ADD ("open/missing-file", test_missing_file);
  ADD ("open/cancelled", test_cancelled);
  ADD ("open/data-over-model", test_data_over_model);
  ADD ("open/other-data", test_other_data_replaces_model);
  ADD ("open/bundled-examples", test_bundled_examples);
  ADD ("open/files", test_open_files);
  ADD ("actions", test_actions);

#undef ADD

  return g_test_run ();
}
