/* test-discover.c — "Read Equations Back…": equations from the trained model shown
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * On data/examples/toggle-trained.json (a network trained on toggle.csv) with that data,
 *   u' = a1/(1 + v^2) − u,   v' = a2/(1 + (u/(1 + iptg^2))^2) − v,   a1 = 5, a2 = 3:
 * the dialog's regression (degree 1, Hill 1:2, the inducer's term, threshold 0.1) shows
 * exactly the coefficients of the same regression run directly on the engine, within 5%
 * of the true ones, and its model reads back with one parameter per kept term.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-discover"

#include <math.h>
#include <string.h>

#include "currents-discover-dialog.h"
#include "currents-window-discover-private.h"
#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 60.0
#define INDUCER_TERM "1/(1 + (u/(1 + iptg^2))^2)"

typedef struct
{
  CurrentsWindow *window;
  CurrentsPortrait *portrait;
  GtkWidget      *dialog;
  GtkWidget      *editor;
  guint           n_changes;   /* the portrait's ::content-changed */
  guint           waiting_for;
} Fixture;

static char *
example_path (const char *name)
{
  const char *data_dir = g_getenv ("CURRENTS_DATA_DIR");

  return g_build_filename (data_dir != NULL ? data_dir : CURRENTS_SOURCE_DIR "/data",
                           "examples", name, NULL);
}

static CurrentsSystem *
load_system (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = example_path (name);
  CurrentsSystem *system = currents_system_load (path, &error);

  g_assert_no_error (error);
  return system;
}

static CurrentsDataset *
load_toggle_data (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = example_path ("toggle.csv");
  const char *inputs[] = { "iptg", NULL };
  CurrentsCsvOptions options = { 0 };
  CurrentsDataset *dataset;

  options.input_columns = inputs;
  dataset = currents_dataset_load (path, &options, &error);
  g_assert_no_error (error);
  return dataset;
}

static gboolean
shows_trained_with_data (gpointer data)
{
  CurrentsSystem *system = currents_portrait_get_system (data);

  return system != NULL && currents_system_get_trained (system) != NULL
         && currents_portrait_get_dataset (data) != NULL;
}

static void
content_changed_cb (CurrentsPortrait *portrait,
                    Fixture          *fixture)
{
  fixture->n_changes++;
}

static gboolean
changed (gpointer data)
{
  Fixture *fixture = data;

  return fixture->n_changes >= fixture->waiting_for;
}

/* The portrait rebuilds (and the window follows) in an idle after a change, or at once
 * when a model of the same variables replaces the one shown: call expect_change() before
 * the change. */
static void
expect_change (Fixture *fixture)
{
  fixture->waiting_for = fixture->n_changes + 1;
}

static void
wait_for_change (Fixture *fixture)
{
  g_assert_true (currents_gui_test_iterate_until (changed, fixture, WAIT_SECONDS));
}

static void
show_trained (Fixture *fixture)
{
  expect_change (fixture);
  currents_window_show_system (fixture->window, load_system ("toggle-trained.json"),
                               "toggle-trained.json");
  wait_for_change (fixture);
  g_assert_true (shows_trained_with_data (fixture->portrait));
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->window = currents_gui_test_window_new (1000, 700, FALSE);
  fixture->portrait = currents_window_get_portrait (fixture->window);
  g_signal_connect (fixture->portrait, "content-changed", G_CALLBACK (content_changed_cb),
                    fixture);
  expect_change (fixture);
  currents_window_show_system (fixture->window, load_system ("toggle-trained.json"),
                               "toggle-trained.json");
  currents_window_show_dataset (fixture->window, load_toggle_data (), "toggle.csv");
  wait_for_change (fixture);
  g_assert_true (shows_trained_with_data (fixture->portrait));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->editor != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->editor));
  if (fixture->dialog != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->dialog));
  currents_gui_test_destroy_window (&fixture->window, NULL, WAIT_SECONDS);
}

/* win.discover, as the menu activates it; the dialog it opened or NULL. */
static CurrentsDiscoverDialog *
activate (Fixture *fixture)
{
  CurrentsDiscoverDialog *dialog;

  gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.discover", NULL);
  dialog = g_object_get_data (G_OBJECT (fixture->window), "currents-window-discover-dialog");
  if (dialog != NULL)
    {
      fixture->dialog = GTK_WIDGET (dialog);
      g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &fixture->dialog);
    }
  return dialog;
}

static gboolean
is_done (gpointer data)
{
  return !currents_discover_dialog_get_busy (data);
}

static void
set_toggle_options (CurrentsDiscoverDialog *dialog,
                    const char             *terms)
{
  currents_discover_dialog_set_degree (dialog, 1);
  currents_discover_dialog_set_include_inputs (dialog, FALSE);
  currents_discover_dialog_set_hill (dialog, "1:2");
  currents_discover_dialog_set_activation (dialog, FALSE);
  currents_discover_dialog_set_terms (dialog, terms);
  currents_discover_dialog_set_threshold (dialog, 0.1);
}

/* The same regression on the engine, straight from the files. */
static CurrentsSparseFit *
direct_fit (CurrentsLibrary **lib_out,
            gboolean          integral)
{
  g_autoptr(CurrentsSystem) system = load_system ("toggle-trained.json");
  g_autoptr(CurrentsDataset) dataset = load_toggle_data ();
  g_autoptr(CurrentsFieldSamples) samples = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsLibrary *lib;
  CurrentsSparseOptions options;
  CurrentsSparseFit *fit;

  lib = currents_library_new (currents_system_get_state_names (system),
                              currents_system_get_input_names (system));
  currents_library_add_polynomials (lib, 1, FALSE);
  g_assert_true (currents_library_add_hill (lib, NULL, 1.0, 2.0, TRUE, FALSE, &error));
  g_assert_true (currents_library_add_expression (lib, INDUCER_TERM, &error));
  g_assert_no_error (error);
  if (integral)
    samples = currents_field_samples_new_integral (lib, currents_system_get_field (system),
                                                   currents_system_get_params (system),
                                                   dataset, 10, &error);
  else
    samples = currents_field_samples_new_from_data (currents_system_get_field (system),
                                                    currents_system_get_params (system),
                                                    dataset, 0, 0, &error);
  g_assert_no_error (error);
  currents_sparse_options_init (&options);
  options.threshold = 0.1;
  fit = currents_sparse_fit_new (lib, samples, &options, &error);
  g_assert_no_error (error);
  *lib_out = lib;
  return fit;
}

/* The dialog's fit is the direct one, term for term; returns the terms kept. */
static gsize
assert_same_fit (CurrentsDiscoverDialog  *dialog,
                 const CurrentsLibrary   *lib,
                 const CurrentsSparseFit *fit)
{
  const CurrentsLibrary *shown_lib = currents_discover_dialog_get_library (dialog);
  const CurrentsSparseFit *shown = currents_discover_dialog_get_fit (dialog);
  gsize M = currents_library_get_n_terms (lib), kept = 0;
  const char *names[] = { "u", "v" };
  g_autoptr(GString) summary = g_string_new (NULL);

  g_assert_nonnull (shown);
  g_assert_cmpuint (currents_library_get_n_terms (shown_lib), ==, M);
  g_assert_cmpuint (M, ==, 6);   /* 1, u, v, two repressions, the inducer's term */
  for (gsize i = 0; i < 2; i++)
    {
      g_autofree char *rhs = currents_sparse_fit_describe (fit, i);
      g_autofree char *equation = g_strdup_printf ("%s′ = %s", names[i], rhs);
      gsize kept_i = 0;

      for (gsize j = 0; j < M; j++)
        {
          double want = currents_sparse_fit_get_coefficients (fit)[i * M + j];
          double got = currents_sparse_fit_get_coefficients (shown)[i * M + j];

          g_assert_cmpstr (currents_library_get_term (shown_lib, j), ==,
                           currents_library_get_term (lib, j));
          g_assert_cmpfloat (fabs (got - want), <=, 1e-12 * (1.0 + fabs (want)));
          kept_i += want != 0.0;
        }
      g_assert_cmpstr (currents_discover_dialog_get_equation (dialog, i), ==, equation);
      g_assert_cmpfloat (fabs (currents_sparse_fit_get_r2 (shown, i)
                               - currents_sparse_fit_get_r2 (fit, i)), <=, 1e-12);
      g_test_message ("%s   (R² = %.8f, residual %.4f %%)", equation,
                      currents_sparse_fit_get_r2 (shown, i),
                      100.0 * currents_sparse_fit_get_rel_rms (shown, i));
      if (i == 0)
        g_string_append_printf (summary, "%zu of %zu terms kept in u′", kept_i, M);
      else
        g_string_append_printf (summary, ", %zu of %zu in v′.", kept_i, M);
      kept += kept_i;
    }
  g_assert_cmpstr (currents_discover_dialog_get_summary (dialog), ==, summary->str);
  return kept;
}

static void
assert_near (const CurrentsSparseFit *fit,
             gsize                    equation,
             const char              *term,
             double                   want)
{
  double got = currents_sparse_fit_get_coefficient (fit, equation, term);

  g_test_message ("ξ[%zu, %s] = %.6f (true %g)", equation, term, got, want);
  g_assert_cmpfloat (fabs (got - want), <=, 0.05 * fabs (want));
}

/* Degree 1, Hill 1:2, the inducer's term, threshold 0.1, the flow: the dialog shows the
 * engine's coefficients (to 1e-12), within 5% of a1 = 5, −1, a2 = 3, −1; its model
 * opens in the editor and reads back with a parameter per kept term (4). */
static void
test_toggle (Fixture       *fixture,
             gconstpointer  data)
{
  g_autoptr(CurrentsLibrary) lib = NULL;
  g_autoptr(CurrentsSparseFit) fit = direct_fit (&lib, TRUE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  g_autofree char *source = NULL;
  CurrentsDiscoverDialog *dialog = activate (fixture);
  const CurrentsSparseFit *shown;
  CurrentsModelEditor *editor;
  gsize kept;

  g_assert_nonnull (dialog);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (dialog)));
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog))
                 == GTK_WINDOW (fixture->window));
  g_assert_true (activate (fixture) == dialog);   /* one per window */
  set_toggle_options (dialog, INDUCER_TERM);
  currents_discover_dialog_find (dialog);
  g_assert_true (currents_discover_dialog_get_busy (dialog));
  g_assert_true (currents_gui_test_iterate_until (is_done, dialog, WAIT_SECONDS));
  g_assert_null (currents_discover_dialog_get_error (dialog));
  g_assert_cmpuint (currents_discover_dialog_get_n_results (dialog), ==, 1);
  currents_gui_test_pause (0.3);

  kept = assert_same_fit (dialog, lib, fit);
  shown = currents_discover_dialog_get_fit (dialog);
  assert_near (shown, 0, "1/(1 + (v/1)^2)", 5.0);
  assert_near (shown, 0, "u", -1.0);
  assert_near (shown, 1, INDUCER_TERM, 3.0);
  assert_near (shown, 1, "v", -1.0);
  g_assert_cmpuint (kept, ==, 4);
  g_assert_cmpstr (currents_discover_dialog_get_summary (dialog), ==,
                   "2 of 6 terms kept in u′, 2 of 6 in v′.");
  currents_gui_test_screenshot (GTK_WIDGET (dialog), "discover", "toggle");

  editor = currents_discover_dialog_open_in_editor (dialog);
  g_assert_nonnull (editor);
  fixture->editor = GTK_WIDGET (editor);
  g_object_add_weak_pointer (G_OBJECT (editor), (gpointer *) &fixture->editor);
  g_assert_cmpstr (currents_model_editor_get_name (editor), ==, "Found.ode");
  source = currents_model_editor_dup_source (editor);
  model = currents_model_new_from_string (source, "Found.ode", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_model_get_n_params (model), ==, 4);
  g_assert_cmpuint (currents_model_get_n_states (model), ==, 2);
  g_assert_cmpuint (currents_model_get_n_inputs (model), ==, 1);
  /* the dialog handed over and closed */
  g_assert_true (currents_gui_test_iterate_until (currents_gui_test_is_null, &fixture->dialog,
                                                  WAIT_SECONDS));
  g_assert_null (g_object_get_data (G_OBJECT (fixture->window), "currents-window-discover-dialog"));
}

static gboolean
compare_has_known (gpointer data)
{
  return currents_compare_view_has_known (data);
}

/* The field's values at the data's points: again the engine's numbers; "Compare with
 * the Network" makes the found model the known one of the Learned vs Known page. */
static void
test_points_compare (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autoptr(CurrentsLibrary) lib = NULL;
  g_autoptr(CurrentsSparseFit) fit = direct_fit (&lib, FALSE);
  CurrentsDiscoverDialog *dialog = activate (fixture);
  CurrentsCompareView *compare =
    CURRENTS_COMPARE_VIEW (currents_window_get_page (fixture->window, "compare"));

  g_assert_nonnull (dialog);
  set_toggle_options (dialog, INDUCER_TERM);
  currents_discover_dialog_set_form (dialog, CURRENTS_DISCOVER_POINTS);
  currents_discover_dialog_find (dialog);
  g_assert_true (currents_gui_test_iterate_until (is_done, dialog, WAIT_SECONDS));
  g_assert_null (currents_discover_dialog_get_error (dialog));
  assert_same_fit (dialog, lib, fit);
  g_assert_nonnull (strstr (currents_discover_dialog_get_source (dialog), "sampled at"));

  g_assert_true (currents_discover_dialog_compare (dialog));
  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, "compare");
  g_assert_true (currents_gui_test_iterate_until (compare_has_known, compare, WAIT_SECONDS));
  g_assert_cmpint (currents_compare_view_get_known_origin (compare), ==,
                   CURRENTS_COMPARE_KNOWN_CHOSEN);
  g_assert_cmpstr (currents_compare_view_get_known_name (compare), ==, "Found.ode");
  g_assert_true (currents_gui_test_iterate_until (currents_gui_test_is_null, &fixture->dialog,
                                                  WAIT_SECONDS));
}

/* A term naming something the model does not have: the error names it, nothing runs. */
static void
test_bad_term (Fixture       *fixture,
               gconstpointer  data)
{
  CurrentsDiscoverDialog *dialog = activate (fixture);
  const char *message;

  g_assert_nonnull (dialog);
  set_toggle_options (dialog, "u + Q");
  currents_discover_dialog_find (dialog);
  g_assert_false (currents_discover_dialog_get_busy (dialog));
  message = currents_discover_dialog_get_error (dialog);
  g_assert_nonnull (message);
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "Q"));
  g_assert_nonnull (strstr (message, "u + Q"));
  g_assert_null (currents_discover_dialog_get_fit (dialog));
  g_assert_null (currents_discover_dialog_open_in_editor (dialog));

  /* a Hill item that is not K:n */
  set_toggle_options (dialog, "");
  currents_discover_dialog_set_hill (dialog, "1:2, 3");
  currents_discover_dialog_find (dialog);
  g_assert_nonnull (strstr (currents_discover_dialog_get_error (dialog), "“3”"));
}

/* Too few data for the library: the thread's error is shown, and nothing else. */
static void
test_too_few (Fixture       *fixture,
              gconstpointer  data)
{
  const char *states[] = { "u", "v", NULL }, *inputs[] = { "iptg", NULL };
  const double times[] = { 0.0, 0.5, 1.0 };
  const double x[] = { 2.385, 0.2, 2.1, 0.31, 1.9, 0.4 };
  const double u[] = { 0.0, 0.0, 0.0 };
  g_autoptr(GError) error = NULL;
  CurrentsDataset *tiny = currents_dataset_new (states, inputs);
  CurrentsDiscoverDialog *dialog;
  const char *message;

  g_assert_true (currents_dataset_add_trajectory (tiny, "1", 3, times, x, u, &error));
  g_assert_no_error (error);
  expect_change (fixture);
  currents_window_show_dataset (fixture->window, tiny, "tiny.csv");
  wait_for_change (fixture);
  g_assert_true (shows_trained_with_data (fixture->portrait));
  g_assert_cmpuint (currents_dataset_get_n_samples (currents_portrait_get_dataset (fixture->portrait)),
                    ==, 3);
  dialog = activate (fixture);
  g_assert_nonnull (dialog);
  currents_discover_dialog_set_degree (dialog, 4);
  currents_discover_dialog_set_form (dialog, CURRENTS_DISCOVER_POINTS);
  currents_discover_dialog_find (dialog);
  g_assert_true (currents_gui_test_iterate_until (is_done, dialog, WAIT_SECONDS));
  message = currents_discover_dialog_get_error (dialog);
  g_assert_nonnull (message);
  g_test_message ("%s", message);
  g_assert_nonnull (strstr (message, "cannot determine"));
  g_assert_null (currents_discover_dialog_get_fit (dialog));
  g_assert_cmpuint (currents_discover_dialog_get_n_results (dialog), ==, 0);
}

/* A model written by hand has no network to read: the action is disabled. */
static void
test_hand_written (Fixture       *fixture,
                   gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = example_path ("toggle.ode");
  g_autofree char *text = NULL;
  CurrentsModel *model;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  model = currents_model_new_from_string (text, "toggle.ode", &error);
  g_assert_no_error (error);
  expect_change (fixture);
  currents_window_show_model (fixture->window, model, "toggle.ode");
  wait_for_change (fixture);
  g_assert_null (currents_system_get_trained (currents_portrait_get_system (fixture->portrait)));
  g_assert_nonnull (currents_portrait_get_dataset (fixture->portrait));
  g_assert_null (activate (fixture));

  /* and enabled again for the trained model */
  show_trained (fixture);
  g_assert_nonnull (activate (fixture));
}

/* Another model while the dialog runs: the run is dropped and nothing is shown. */
static void
test_content_changed (Fixture       *fixture,
                      gconstpointer  data)
{
  CurrentsDiscoverDialog *dialog = activate (fixture);

  g_assert_nonnull (dialog);
  set_toggle_options (dialog, INDUCER_TERM);
  currents_discover_dialog_find (dialog);
  g_assert_true (currents_discover_dialog_get_busy (dialog));
  show_trained (fixture);
  g_assert_false (currents_discover_dialog_get_busy (dialog));
  currents_gui_test_pause (0.5);
  g_assert_cmpuint (currents_discover_dialog_get_n_results (dialog), ==, 0);
  g_assert_null (currents_discover_dialog_get_fit (dialog));
  g_assert_nonnull (currents_discover_dialog_get_error (dialog));
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  currents_gui_test_load_style ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/discover/toggle", test_toggle);
  ADD ("/discover/points-compare", test_points_compare);
  ADD ("/discover/bad-term", test_bad_term);
  ADD ("/discover/too-few", test_too_few);
  ADD ("/discover/hand-written", test_hand_written);
  ADD ("/discover/content-changed", test_content_changed);
#undef ADD
  return g_test_run ();
}
