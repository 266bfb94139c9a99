/* test-training.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The training panel and the time-series view in the window, on the bundled example
 * (the genetic toggle switch and its data), under a display (`xvfb-run -a`):
 *
 *   - a short run started through win.train-start finishes, fills the loss plot, keeps
 *     the main loop responsive, and its model saves and loads back with finite weights;
 *   - stopping half way keeps the best model (the one the panel reports is the one saved);
 *   - fitting the parameters of the open `.ode` model instead of a network;
 *   - settings that cannot work are refused and nothing starts;
 *   - a learning rate far too large (1, the panel's most) diverges: the panel's status
 *     says so in words, with the learning rate to try, and the best model is kept (the
 *     saved one is the best epoch's);
 *   - closing the window while training asks first, and answering "stop" ends training
 *     and closes the window cleanly;
 *   - the time-series view lists every trajectory with a finite prediction error, the
 *     held-out ones marked.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes training-*.png there (light and dark).
 */
#include "config.h"

#define G_LOG_DOMAIN "test-training"

#include <math.h>
#include <string.h>
#include <time.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 45.0

typedef struct
{
  CurrentsWindow        *window;
  CurrentsTrainingPanel *panel;
  CurrentsTimeseriesView *view;
  GSettings             *settings;
  char                  *tmpdir;
  gboolean               destroyed;
} Fixture;

/* ---- main-loop latency: how late a 5 ms timer fires while training runs ----
 *
 * A long gap is either work on the main thread or the main thread waiting for a core
 * (two cores, a training thread and the X server): the main thread's CPU time over the
 * gap tells which. */

typedef struct
{
  gint64 last;
  gint64 last_cpu;
  gint64 max_gap;
  gint64 max_gap_cpu;    /* main-thread CPU time spent during that gap */
  gint64 max_cpu;        /* the most CPU time between two firings */
  guint  source;
} Probe;

static gint64
thread_cpu_us (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
probe_cb (gpointer data)
{
  Probe *probe = data;
  gint64 now = g_get_monotonic_time (), cpu = thread_cpu_us ();

  if (probe->last > 0)
    {
      if (now - probe->last > probe->max_gap)
        {
          probe->max_gap = now - probe->last;
          probe->max_gap_cpu = cpu - probe->last_cpu;
        }
      probe->max_cpu = MAX (probe->max_cpu, cpu - probe->last_cpu);
    }
  probe->last = now;
  probe->last_cpu = cpu;
  return G_SOURCE_CONTINUE;
}

static void
probe_start (Probe *probe)
{
  memset (probe, 0, sizeof *probe);
  probe->source = g_timeout_add (5, probe_cb, probe);
}

static double
probe_stop (Probe *probe)
{
  g_clear_handle_id (&probe->source, g_source_remove);
  g_test_message ("main loop: longest gap %.1f ms (main thread busy %.1f ms of it); "
                  "longest main-thread work between two timer firings %.1f ms",
                  probe->max_gap / 1000.0, probe->max_gap_cpu / 1000.0, probe->max_cpu / 1000.0);
  return probe->max_cpu / 1000.0;
}

/* ---- screenshots ---- */

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "training", name);
}

/* ---- fixture ---- */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->tmpdir = currents_gui_test_make_temp_dir ("currents-training-XXXXXX");

  /* quick runs: a small network, a few epochs */
  fixture->settings = g_settings_new (APP_ID);
  g_settings_set_string (fixture->settings, "train-hidden", "16, 16");
  g_settings_set_uint (fixture->settings, "train-epochs", 40);
  g_settings_set_uint (fixture->settings, "train-seed", 7);

  fixture->window = currents_gui_test_window_new (1180, 760, TRUE);
  fixture->panel = currents_window_get_training_panel (fixture->window);
  fixture->view = currents_window_get_timeseries_view (fixture->window);
  g_assert_cmpint (currents_training_panel_get_state (fixture->panel), ==,
                   CURRENTS_TRAINING_READY);
}

static gboolean
not_running (gpointer data)
{
  return !currents_training_panel_get_running (data);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* a run still going is stopped by the window going away; nothing may outlive it */
  currents_gui_test_destroy_window (&fixture->window, &fixture->panel, WAIT_SECONDS);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  g_settings_reset (fixture->settings, "train-hidden");
  g_settings_reset (fixture->settings, "train-epochs");
  g_settings_reset (fixture->settings, "train-seed");
  g_clear_object (&fixture->settings);

  currents_gui_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

/* ---- helpers ---- */

typedef struct
{
  CurrentsTrainingPanel *panel;
  CurrentsTrainingState  state;
} StateWait;

static gboolean
in_state (gpointer data)
{
  StateWait *w = data;

  return currents_training_panel_get_state (w->panel) == w->state;
}

static void
wait_for_state (Fixture               *fixture,
                CurrentsTrainingState  state)
{
  StateWait w = { fixture->panel, state };

  g_assert_true (currents_gui_test_iterate_until (in_state, &w, WAIT_SECONDS));
}

static gboolean
some_epochs (gpointer data)
{
  CurrentsTrainingPanel *panel = data;

  return currents_loss_plot_get_n_points (currents_training_panel_get_loss_plot (panel)) >= 5
         && currents_training_panel_get_best_epoch (panel) > 0;
}

static void
start_through_action (Fixture *fixture)
{
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.train-start",
                                             NULL));
  g_assert_true (currents_training_panel_get_running (fixture->panel));
  g_assert_null (currents_training_panel_get_last_error (fixture->panel));
}

/* The saved model loads back with the panel's best parameters, all finite. */
static void
assert_saves_and_loads (Fixture *fixture)
{
  g_autofree char *path = g_build_filename (fixture->tmpdir, "trained.json", NULL);
  g_autoptr(CurrentsTrainedModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  const double *best, *params;
  gsize n_best = 0, k;

  g_assert_true (currents_training_panel_save (fixture->panel, path, &error));
  g_assert_no_error (error);
  loaded = currents_trained_model_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (loaded);

  best = currents_training_panel_get_best_params (fixture->panel, &n_best);
  params = currents_trained_model_get_params (loaded);
  k = currents_trained_model_get_n_params (loaded);
  g_assert_nonnull (best);
  g_assert_cmpuint (k, >, 0);
  g_assert_cmpuint (k, <=, n_best);
  for (gsize j = 0; j < k; j++)
    {
      g_assert_true (isfinite (params[j]));
      g_assert_cmpfloat (params[j], ==, best[j]);
    }
  g_assert_cmpuint (currents_trained_model_get_n_states (loaded), ==, 2);
  {
    JsonObject *training = currents_trained_model_get_training (loaded);
    const guint *epochs;
    const double *ht, *hv;

    g_assert_nonnull (training);
    g_assert_cmpint (json_object_get_int_member (training, "best_epoch"), ==,
                     currents_training_panel_get_best_epoch (fixture->panel));
    g_assert_cmpuint (currents_trained_model_get_history (loaded, &epochs, &ht, &hv), >, 0);
  }
}

static gboolean
view_idle (gpointer data)
{
  return !currents_timeseries_view_get_busy (data);
}

static void
show_page (Fixture    *fixture,
           const char *name)
{
  GtkWidget *stack = gtk_widget_get_ancestor (GTK_WIDGET (fixture->view), ADW_TYPE_VIEW_STACK);

  g_assert_nonnull (stack);
  adw_view_stack_set_visible_child_name (ADW_VIEW_STACK (stack), name);
}

static void
reveal_panel (Fixture *fixture)
{
  GtkWidget *flap = gtk_widget_get_ancestor (GTK_WIDGET (fixture->panel), ADW_TYPE_FLAP);

  adw_flap_set_reveal_flap (ADW_FLAP (flap), TRUE);
}

/* ---- tests ---- */

static void
test_finish (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsLossPlot *plot = currents_training_panel_get_loss_plot (fixture->panel);
  const CurrentsDataset *dataset = currents_portrait_get_dataset (
                                     currents_window_get_portrait (fixture->window));
  gsize n_traj = currents_dataset_get_n_trajectories (dataset), n_val = 0, marked = 0;
  Probe probe;
  double gap_ms, handler_ms;

  screenshot (fixture, "ready");
  g_assert_false (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.save-model",
                                              NULL)
                  && currents_training_panel_get_has_model (fixture->panel));

  /* long enough for a few "best-changed" redraws; the window has drawn already */
  g_settings_set_string (fixture->settings, "train-hidden", "32, 32");
  g_settings_set_uint (fixture->settings, "train-epochs", 150);
  reveal_panel (fixture);
  currents_gui_test_pause (1.0);
  probe_start (&probe);
  start_through_action (fixture);
  wait_for_state (fixture, CURRENTS_TRAINING_FINISHED);
  gap_ms = probe_stop (&probe);
  handler_ms = currents_training_panel_get_max_handler_ms (fixture->panel);
  g_test_message ("panel handlers (progress, figures, best-changed with its handlers): "
                  "longest %.2f ms", handler_ms);
  /* real figures are for the report; bounds here only catch a blocked main loop */
  g_assert_cmpfloat (handler_ms, <, 2000.0);
  g_assert_cmpfloat (gap_ms, <, 5000.0);

  g_assert_false (currents_training_panel_get_running (fixture->panel));
  g_assert_true (currents_training_panel_get_has_model (fixture->panel));
  g_assert_cmpuint (currents_training_panel_get_best_epoch (fixture->panel), >, 0);
  g_assert_cmpuint (currents_loss_plot_get_n_points (plot), ==, 150);
  assert_saves_and_loads (fixture);

  /* the best model, in the portrait's window, is ready to simulate */
  {
    g_autoptr(CurrentsSystem) system = currents_training_panel_dup_best_system (fixture->panel);

    g_assert_nonnull (system);
    g_assert_cmpuint (currents_system_get_n_states (system), ==, 2);
    g_assert_cmpstr (currents_system_describe_kind (system), ==, "trained model");
  }

  reveal_panel (fixture);
  screenshot (fixture, "finished");

  /* every trajectory with its error; the held-out ones marked */
  show_page (fixture, "timeseries");
  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  g_assert_cmpuint (currents_timeseries_view_get_n_rows (fixture->view), ==, n_traj);
  currents_training_panel_get_validation_set (fixture->panel, &n_val);
  g_assert_cmpuint (n_val, >, 0);
  for (guint i = 0; i < n_traj; i++)
    {
      double mse = currents_timeseries_view_get_mse (fixture->view, i);

      g_assert_true (isfinite (mse));
      g_assert_cmpfloat (mse, >=, 0.0);
      marked += currents_timeseries_view_get_validation (fixture->view, i);
    }
  g_assert_cmpuint (marked, ==, n_val);
  {
    guint panels = 0, markers = 0, curves = 0;

    currents_timeseries_view_select (fixture->view, 3);
    currents_gui_test_pause (0.3);
    currents_timeseries_plot_get_stats (currents_timeseries_view_get_plot (fixture->view),
                                        &panels, &markers, &curves);
    g_assert_cmpuint (panels, ==, 1);
    g_assert_cmpuint (markers, >, 0);
    g_assert_cmpuint (curves, ==, 2);
    screenshot (fixture, "timeseries");

    currents_timeseries_view_set_show_all (fixture->view, TRUE);
    currents_gui_test_pause (0.3);
    currents_timeseries_plot_get_stats (currents_timeseries_view_get_plot (fixture->view),
                                        &panels, &markers, &curves);
    /* the panels in sight (the rest scroll) */
    g_assert_cmpuint (panels, >, 1);
    g_assert_cmpuint (panels, <=, n_traj);
    screenshot (fixture, "timeseries-all");
  }

  if (g_getenv ("CURRENTS_SCREENSHOT_DIR") != NULL)
    {
      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          ADW_COLOR_SCHEME_FORCE_DARK);
      currents_timeseries_view_set_show_all (fixture->view, FALSE);
      screenshot (fixture, "timeseries-dark");
      show_page (fixture, "portrait");
      screenshot (fixture, "finished-dark");
      gtk_window_set_default_size (GTK_WINDOW (fixture->window), 360, 700);
      screenshot (fixture, "narrow-dark");
      /* every setting in sight */
      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          ADW_COLOR_SCHEME_FORCE_LIGHT);
      gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1180, 1500);
      screenshot (fixture, "tall");
    }
}

static void
test_stop (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  const double *best;
  gsize n_best = 0, k;

  g_settings_set_uint (fixture->settings, "train-epochs", 100000);
  start_through_action (fixture);
  g_assert_true (currents_gui_test_iterate_until (some_epochs, fixture->panel, WAIT_SECONDS));
  reveal_panel (fixture);
  screenshot (fixture, "running");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.train-stop",
                                             NULL));
  wait_for_state (fixture, CURRENTS_TRAINING_STOPPED);
  g_assert_cmpuint (currents_training_panel_get_best_epoch (fixture->panel), >, 0);
  g_assert_true (currents_training_panel_get_has_model (fixture->panel));

  /* the model the panel would save carries exactly the parameters it reports */
  best = currents_training_panel_get_best_params (fixture->panel, &n_best);
  tm = currents_training_panel_dup_trained_model (fixture->panel);
  g_assert_nonnull (tm);
  k = currents_trained_model_get_n_params (tm);
  g_assert_cmpuint (k, <=, n_best);
  for (gsize j = 0; j < k; j++)
    g_assert_cmpfloat (currents_trained_model_get_params (tm)[j], ==, best[j]);
  assert_saves_and_loads (fixture);
  {
    g_autofree char *path = g_build_filename (fixture->tmpdir, "trained.json", NULL);
    g_autoptr(CurrentsTrainedModel) loaded = currents_trained_model_load (path, NULL);

    g_assert_true (json_object_get_boolean_member (currents_trained_model_get_training (loaded),
                                                   "stopped_by_user"));
  }
  screenshot (fixture, "stopped");

  /* and it can start again */
  g_settings_set_uint (fixture->settings, "train-epochs", 5);
  start_through_action (fixture);
  wait_for_state (fixture, CURRENTS_TRAINING_FINISHED);
}

static void
test_fit_parameters (Fixture       *fixture,
                     gconstpointer  data)
{
  AdwComboRow *kind = ADW_COMBO_ROW (gtk_widget_get_template_child (GTK_WIDGET (fixture->panel),
                                                                    CURRENTS_TYPE_TRAINING_PANEL,
                                                                    "kind_row"));
  GListModel *kinds = adw_combo_row_get_model (kind);
  g_autoptr(CurrentsSystem) system = NULL;
  guint found = G_MAXUINT;

  /* toggle.ode has parameters and no learned terms: a network, or its parameters */
  g_assert_cmpuint (g_list_model_get_n_items (kinds), ==, 2);
  for (guint i = 0; i < g_list_model_get_n_items (kinds); i++)
    {
      g_autoptr(GtkStringObject) item = g_list_model_get_item (kinds, i);

      if (strstr (gtk_string_object_get_string (item), "toggle.ode") != NULL)
        found = i;
    }
  g_assert_cmpuint (found, ==, 1);
  adw_combo_row_set_selected (kind, found);

  g_settings_set_uint (fixture->settings, "train-epochs", 10);
  start_through_action (fixture);
  wait_for_state (fixture, CURRENTS_TRAINING_FINISHED);
  g_assert_cmpuint (currents_training_panel_get_best_epoch (fixture->panel), >, 0);

  system = currents_training_panel_dup_best_system (fixture->panel);
  g_assert_nonnull (system);
  g_assert_nonnull (currents_system_get_model (system));
  g_assert_cmpuint (currents_system_get_n_params (system), ==, 6);
  assert_saves_and_loads (fixture);
}

/* Conserved quantities given in the panel reach the learner: a quantity naming no state
 * is refused before anything runs, a good one is trained with and recorded in the saved
 * model's settings with its weight. */
static void
test_conserve (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (fixture->tmpdir, "conserve.json", NULL);
  g_autoptr(CurrentsTrainedModel) loaded = NULL;
  g_autoptr(GError) error = NULL;
  JsonArray *list;
  JsonObject *item;
  GtkWidget *weight_row = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (fixture->panel),
                                                                     CURRENTS_TYPE_TRAINING_PANEL,
                                                                     "conserve_weight_row"));
  GtkWidget *row = GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (fixture->panel),
                                                              CURRENTS_TYPE_TRAINING_PANEL,
                                                              "conserve_row"));

  g_assert_false (gtk_widget_get_visible (weight_row));
  currents_training_panel_set_conserved (fixture->panel, "u + w", 0.5);
  g_assert_true (gtk_widget_get_visible (weight_row));
  g_assert_true (gtk_widget_has_css_class (row, "error"));
  g_assert_false (currents_training_panel_start (fixture->panel, &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "'w'"));
  g_assert_cmpint (currents_training_panel_get_state (fixture->panel), ==,
                   CURRENTS_TRAINING_READY);
  g_clear_error (&error);

  currents_training_panel_set_conserved (fixture->panel, " u + v ;", 0.5);
  g_assert_false (gtk_widget_has_css_class (row, "error"));
  g_settings_set_uint (fixture->settings, "train-epochs", 5);
  g_assert_true (currents_training_panel_set_kind (fixture->panel, "neural"));
  start_through_action (fixture);
  wait_for_state (fixture, CURRENTS_TRAINING_FINISHED);
  g_assert_true (currents_training_panel_save (fixture->panel, path, &error));
  g_assert_no_error (error);
  loaded = currents_trained_model_load (path, &error);
  g_assert_no_error (error);
  list = json_object_get_array_member (currents_trained_model_get_training (loaded), "conserve");
  g_assert_nonnull (list);
  g_assert_cmpuint (json_array_get_length (list), ==, 1);
  item = json_array_get_object_element (list, 0);
  g_assert_cmpstr (json_object_get_string_member (item, "expression"), ==, "u + v");
  g_assert_cmpfloat (json_object_get_double_member (item, "weight"), ==, 0.5);
}

static void
test_refused (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  g_settings_set_string (fixture->settings, "train-hidden", "16, 0");
  g_assert_false (currents_training_panel_start (fixture->panel, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_cmpint (currents_training_panel_get_state (fixture->panel), ==,
                   CURRENTS_TRAINING_READY);

  /* through the action the message is shown in the panel */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (fixture->window), "win.train-start",
                                             NULL));
  g_assert_false (currents_training_panel_get_running (fixture->panel));
  g_assert_nonnull (currents_training_panel_get_last_error (fixture->panel));
  g_assert_nonnull (strstr (currents_training_panel_get_last_error (fixture->panel), "Hidden"));
  reveal_panel (fixture);
  screenshot (fixture, "refused");

  /* saving needs a model */
  g_clear_error (&error);
  g_assert_false (currents_training_panel_save (fixture->panel, "/nonexistent/x.json", &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
}

/* The label of the panel that shows @fragment, if any. */
static GtkLabel *
find_label_with (GtkWidget  *root,
                 const char *fragment)
{
  for (guint i = 0;; i++)
    {
      GtkWidget *w = currents_gui_test_find_nth_descendant (root, GTK_TYPE_LABEL, i);

      if (w == NULL)
        return NULL;
      if (strstr (gtk_label_get_text (GTK_LABEL (w)), fragment) != NULL)
        return GTK_LABEL (w);
    }
}

static void
test_diverge (Fixture       *fixture,
              gconstpointer  data)
{
  GtkLabel *status;
  const double *ht, *hv;
  gsize nh;
  guint best;
  double least = INFINITY;

  g_settings_set_string (fixture->settings, "train-hidden", "32, 32");
  g_settings_set_uint (fixture->settings, "train-epochs", 6);
  g_settings_set_double (fixture->settings, "train-learning-rate", 10.0);
  start_through_action (fixture);
  wait_for_state (fixture, CURRENTS_TRAINING_FINISHED);
  g_settings_reset (fixture->settings, "train-learning-rate");

  /* said in words where the state is shown */
  status = find_label_with (GTK_WIDGET (fixture->panel), "the learning rate 10 is too large");
  g_assert_nonnull (status);
  g_test_message ("%s", gtk_label_get_text (status));
  g_assert_nonnull (strstr (gtk_label_get_text (status), "Training diverged at epoch"));
  g_assert_nonnull (strstr (gtk_label_get_text (status), "try 0.01"));
  g_assert_nonnull (strstr (gtk_label_get_text (status), "The best model (epoch"));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (status), "warning"));
  g_assert_null (currents_training_panel_get_last_error (fixture->panel));

  /* the best model is kept: the best epoch's, with the least validation loss */
  g_assert_true (currents_training_panel_get_has_model (fixture->panel));
  best = currents_training_panel_get_best_epoch (fixture->panel);
  g_assert_cmpuint (best, >, 0);
  nh = currents_loss_plot_get_n_points (currents_training_panel_get_loss_plot (fixture->panel));
  g_assert_cmpuint (nh, ==, 6);
  assert_saves_and_loads (fixture);
  {
    g_autofree char *path = g_build_filename (fixture->tmpdir, "trained.json", NULL);
    g_autoptr(CurrentsTrainedModel) loaded = currents_trained_model_load (path, NULL);
    const guint *epochs;

    g_assert_nonnull (loaded);
    nh = currents_trained_model_get_history (loaded, &epochs, &ht, &hv);
    g_assert_cmpuint (nh, ==, 6);
    for (gsize e = 0; e < nh; e++)
      if (isfinite (hv[e]))
        least = MIN (least, hv[e]);
    g_assert_cmpfloat (hv[best - 1], ==, least);
  }
  reveal_panel (fixture);
  screenshot (fixture, "diverged");
}

static AdwMessageDialog *
find_question (Fixture *fixture)
{
  GListModel *toplevels = gtk_window_get_toplevels ();   /* transfer none */

  for (guint i = 0; i < g_list_model_get_n_items (toplevels); i++)
    {
      g_autoptr(GObject) item = g_list_model_get_item (toplevels, i);

      if (ADW_IS_MESSAGE_DIALOG (item) && gtk_widget_get_visible (GTK_WIDGET (item))
          && gtk_window_get_transient_for (GTK_WINDOW (item)) == GTK_WINDOW (fixture->window))
        return ADW_MESSAGE_DIALOG (item);
    }
  return NULL;
}

/* A closed window leaves the list of toplevels (it is disposed once the fixture lets go). */
static gboolean
window_destroyed (gpointer data)
{
  Fixture *fixture = data;
  guint position;

  fixture->destroyed = !g_list_store_find (G_LIST_STORE (gtk_window_get_toplevels ()),
                                           fixture->window, &position);
  return fixture->destroyed;
}

static void
test_close_while_training (Fixture       *fixture,
                           gconstpointer  data)
{
  AdwMessageDialog *question;

  g_settings_set_uint (fixture->settings, "train-epochs", 100000);
  start_through_action (fixture);
  g_assert_true (currents_gui_test_iterate_until (some_epochs, fixture->panel, WAIT_SECONDS));

  /* the first close asks and keeps the window */
  gtk_window_close (GTK_WINDOW (fixture->window));
  currents_gui_test_pause (0.2);
  g_assert_false (window_destroyed (fixture));
  question = find_question (fixture);
  g_assert_nonnull (question);
  g_assert_true (adw_message_dialog_has_response (question, "stop"));
  g_assert_true (currents_training_panel_get_running (fixture->panel));
  currents_gui_test_screenshot (GTK_WIDGET (question), "training", "close-question");

  /* "keep" leaves everything as it was (a button would also take the dialog away) */
  adw_message_dialog_response (question, "keep");
  gtk_window_destroy (GTK_WINDOW (question));
  currents_gui_test_pause (0.2);
  g_assert_false (window_destroyed (fixture));
  g_assert_true (currents_training_panel_get_running (fixture->panel));

  /* asked again, "stop" ends training, then the window */
  gtk_window_close (GTK_WINDOW (fixture->window));
  currents_gui_test_pause (0.1);
  question = find_question (fixture);
  g_assert_nonnull (question);
  adw_message_dialog_response (question, "stop");
  gtk_window_destroy (GTK_WINDOW (question));
  g_assert_true (currents_gui_test_iterate_until (window_destroyed, fixture, WAIT_SECONDS));
  g_assert_true (not_running (fixture->panel));
  g_assert_cmpuint (currents_training_panel_get_best_epoch (fixture->panel), >, 0);
}

static void
test_close_when_idle (Fixture       *fixture,
                      gconstpointer  data)
{
  /* nothing runs: no question */
  gtk_window_close (GTK_WINDOW (fixture->window));
  g_assert_true (currents_gui_test_iterate_until (window_destroyed, fixture, WAIT_SECONDS));
  g_assert_null (find_question (fixture));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);

  currents_gui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/gui/training/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("finish", test_finish);
  ADD ("stop", test_stop);
  ADD ("fit-parameters", test_fit_parameters);
  ADD ("refused", test_refused);
  ADD ("diverge", test_diverge);
  ADD ("conserve", test_conserve);
  ADD ("close/while-training", test_close_while_training);
  ADD ("close/idle", test_close_when_idle);

#undef ADD

  return g_test_run ();
}
