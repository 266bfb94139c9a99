/* test-compare.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "learned versus known" view in the window, under a display (`xvfb-run -a`), on the
 * bundled genetic toggle switch
 *
 *   u' = a₁/(1 + v²) − u,   v' = a₂/(1 + (u/(1 + iptg²))²) − v,
 *
 * and a small network trained on its data for a few epochs. The view finds the model the
 * data came from (named in the data's header, remembered from before training, chosen),
 * and its heat map holds d(x) = ‖f_nn(x) − f_ode(x)‖₂ at the cell centres, which the test
 * computes itself with the engine; the data's cells are covered, a far corner is not; the
 * RMS inside and outside the coverage equal the test's own sums.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes compare-*.png there.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-compare"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 45.0
#define TOGGLE_ODE CURRENTS_SOURCE_DIR "/data/examples/toggle.ode"
#define TOGGLE_CSV CURRENTS_SOURCE_DIR "/data/examples/toggle.csv"

typedef struct
{
  CurrentsWindow      *window;
  CurrentsPortrait    *portrait;
  CurrentsCompareView *view;
  char                *tmpdir;
} Fixture;

typedef struct
{
  CurrentsCompareView *view;
  guint                results;
  guint                draws;
} Wait;

static gboolean
settled (gpointer data)
{
  Wait *w = data;

  return !currents_compare_view_get_busy (w->view)
         && currents_compare_view_get_n_results (w->view) > w->results;
}

static gboolean
drawn (gpointer data)
{
  Wait *w = data;

  return currents_compare_view_get_n_draws (w->view) > w->draws;
}

static gboolean
idle_view (gpointer data)
{
  return !currents_compare_view_get_busy (data);
}

/* Waits for a result newer than @results_before and a frame drawn with it. */
static void
wait_for_result (Fixture *fixture,
                 guint    results_before)
{
  Wait w = { fixture->view, results_before, 0 };

  g_assert_true (currents_gui_test_iterate_until (settled, &w, WAIT_SECONDS));
  w.draws = currents_compare_view_get_n_draws (fixture->view);
  g_assert_true (currents_gui_test_iterate_until (drawn, &w, WAIT_SECONDS));
}

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "compare", name);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->tmpdir = currents_gui_test_make_temp_dir ("currents-compare-XXXXXX");
  fixture->window = currents_gui_test_window_new (1280, 760, FALSE);
  fixture->portrait = currents_window_get_portrait (fixture->window);
  fixture->view = CURRENTS_COMPARE_VIEW (currents_window_get_page (fixture->window, "compare"));
  g_assert_nonnull (fixture->view);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  currents_gui_test_destroy_window (&fixture->window, &fixture->view, WAIT_SECONDS);
  currents_gui_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

/* A small network of the data, trained for a few epochs. */
static CurrentsSystem *
train (const CurrentsDataset *dataset)
{
  g_autoptr(CurrentsLearner) learner = NULL;
  g_autoptr(CurrentsTrainer) trainer = NULL;
  g_autoptr(GError) error = NULL;
  const char *logs[] = { "iptg", NULL };
  CurrentsNeuralSpec spec;
  CurrentsTrainOptions options;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 12;
  spec.seed = 7;
  spec.log_inputs = logs;
  learner = currents_learner_new_neural (dataset, &spec, TRUE, &error);
  g_assert_no_error (error);
  currents_train_options_init (&options);
  options.epochs = 30;
  options.batch_size = 4;
  options.lr = 0.02;
  options.seed = 7;
  options.loss.n_threads = 1;
  trainer = currents_learner_new_trainer (learner, dataset, &options, &error);
  g_assert_no_error (error);
  while (!currents_trainer_test (trainer))
    {
      CurrentsTrainProgress p;

      g_assert_true (currents_trainer_iterate (trainer, &p, NULL, &error));
      g_assert_no_error (error);
    }
  return currents_system_new_from_trained (
    currents_learner_new_trained_model (learner, currents_trainer_get_best_params (trainer),
                                        dataset, trainer));
}

static CurrentsSystem *
load_known (const char *source_or_null)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = source_or_null != NULL
                           ? currents_model_new_from_string (source_or_null, "known.ode", &error)
                           : currents_model_new_from_file (TOGGLE_ODE, &error);

  g_assert_no_error (error);
  return currents_system_new_from_model (model);
}

/* ‖f_learned − f_known‖ at the centre of cell (i, j), with the learned system's input
 * and the known model's parameters; the relative value divides by ‖f_known‖. */
static double
direct_difference (CurrentsSystem *learned,
                   CurrentsSystem *known,
                   const double    window[4],
                   guint           n,
                   guint           i,
                   guint           j,
                   double         *known_norm)
{
  g_autoptr(CurrentsFieldWorkspace) lws = NULL, kws = NULL;
  double x[2], fl[2], fk[2], u[1];

  lws = currents_field_workspace_new (currents_system_get_field (learned));
  kws = currents_field_workspace_new (currents_system_get_field (known));
  g_assert_cmpuint (currents_system_get_n_states (learned), ==, 2);
  g_assert_cmpuint (currents_system_get_n_inputs (known), ==, 1);
  x[0] = window[0] + (i + 0.5) * (window[1] - window[0]) / n;
  x[1] = window[2] + (j + 0.5) * (window[3] - window[2]) / n;
  u[0] = currents_system_get_inputs (learned)[0];
  currents_field_eval (lws, 0.0, x, currents_system_get_inputs (learned),
                       currents_system_get_params (learned), fl);
  currents_field_eval (kws, 0.0, x, u, currents_system_get_params (known), fk);
  if (known_norm != NULL)
    *known_norm = hypot (fk[0], fk[1]);
  return hypot (fl[0] - fk[0], fl[1] - fk[1]);
}

static void
assert_close (double got,
              double want)
{
  g_assert_true (isfinite (want));
  g_assert_cmpfloat (fabs (got - want), <=, 1e-9 * MAX (1.0, fabs (want)));
}

static void
wait_idle (Fixture *fixture)
{
  currents_gui_test_pause (0.2);
  g_assert_true (currents_gui_test_iterate_until (idle_view, fixture->view, WAIT_SECONDS));
}

/* The example, a network trained on its data, the known model from the data's header. */
static void
test_toggle (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (fixture->portrait);
  g_autoptr(CurrentsSystem) known = load_known (NULL);
  g_autoptr(CurrentsDataset) dataset = NULL;
  AdwStatusPage *status;
  CurrentsSystem *learned;
  guint nx, ny, results, n_in, n_out, my_in = 0, my_out = 0;
  double window[4], rms_in, rms_out, s_in = 0, s_out = 0, norm;
  g_autofree guint8 *occupied = NULL;
  g_autofree double *d = NULL;
  const guint cells[][2] = { { 0, 0 }, { 7, 31 }, { 20, 20 }, { 47, 3 }, { 47, 47 } };

  g_assert_true (currents_window_open_example (fixture->window));
  g_assert_true (currents_window_show_page (fixture->window, "compare"));
  wait_idle (fixture);

  /* an equation model shown: nothing to compare yet */
  g_assert_false (currents_compare_view_has_known (fixture->view));
  g_assert_false (currents_compare_view_get_grid (fixture->view, NULL, NULL, NULL));
  status = ADW_STATUS_PAGE (currents_gui_test_find_descendant (GTK_WIDGET (fixture->view),
                                                               ADW_TYPE_STATUS_PAGE));
  g_assert_nonnull (status);
  g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (status)));
  g_assert_cmpstr (adw_status_page_get_title (status), ==, "No Trained Model");
  g_assert_nonnull (strstr (adw_status_page_get_description (status), "Train a model"));
  /* the page's transition ends */
  currents_gui_test_pause (0.8);
  screenshot (fixture, "untrained");

  /* training finished: a network of the same states replaces the model */
  dataset = currents_dataset_copy (currents_portrait_get_dataset (fixture->portrait));
  results = currents_compare_view_get_n_results (fixture->view);
  currents_window_show_system (fixture->window, train (dataset), "toggle-net.json");
  wait_for_result (fixture, results);
  learned = currents_portrait_get_system (fixture->portrait);
  g_assert_nonnull (currents_system_get_trained (learned));
  g_assert_true (currents_compare_view_has_known (fixture->view));
  /* the data's header names data/examples/toggle.ode with its checksum */
  g_assert_cmpint (currents_compare_view_get_known_origin (fixture->view), ==,
                   CURRENTS_COMPARE_KNOWN_PROVENANCE);
  g_assert_cmpstr (currents_compare_view_get_known_name (fixture->view), ==, "toggle.ode");
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (status)));

  /* a wide view, so that a corner lies far from every data point */
  {
    const double wide[4] = { -1.5, 7.5, -1.5, 7.5 };

    results = currents_compare_view_get_n_results (fixture->view);
    currents_portrait_set_view (fixture->portrait, wide);
    wait_for_result (fixture, results);
  }
  g_assert_true (currents_compare_view_get_grid (fixture->view, &nx, &ny, window));
  g_assert_cmpuint (nx, ==, 48);
  g_assert_cmpuint (ny, ==, 48);
  g_assert_cmpfloat (window[0], ==, -1.5);
  g_assert_cmpfloat (window[3], ==, 7.5);

  /* the heat map against the engine, cell by cell */
  d = g_new (double, nx * ny);
  for (guint j = 0; j < ny; j++)
    for (guint i = 0; i < nx; i++)
      d[j * nx + i] = direct_difference (learned, known, window, nx, i, j, NULL);
  for (guint k = 0; k < G_N_ELEMENTS (cells); k++)
    assert_close (currents_compare_view_get_difference (fixture->view, cells[k][0], cells[k][1]),
                  d[cells[k][1] * nx + cells[k][0]]);
  for (guint c = 0; c < nx * ny; c++)
    assert_close (currents_compare_view_get_difference (fixture->view, c % nx, c / nx), d[c]);
  g_assert_true (isnan (currents_compare_view_get_difference (fixture->view, nx, 0)));

  /* coverage: every data point's cell, dilated by one; the far corner is not */
  occupied = g_new0 (guint8, nx * ny);
  for (gsize k = 0; k < currents_dataset_get_n_trajectories (dataset); k++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, k);
      const double *s = currents_trajectory_get_states (tr);

      for (gsize q = 0; q < currents_trajectory_get_n_samples (tr); q++)
        {
          int i = (int) floor ((s[2 * q] - window[0]) / ((window[1] - window[0]) / nx));
          int j = (int) floor ((s[2 * q + 1] - window[2]) / ((window[3] - window[2]) / ny));

          g_assert_true (i >= 0 && j >= 0 && i < (int) nx && j < (int) ny);
          occupied[j * nx + i] = 1;
          g_assert_true (currents_compare_view_get_covered (fixture->view, i, j));
          /* no data beyond u, v ≈ 3.5: the upper right corner is far */
          g_assert_cmpint (i, <, (int) nx - 8);
          g_assert_cmpint (j, <, (int) ny - 8);
        }
    }
  g_assert_false (currents_compare_view_get_covered (fixture->view, nx - 1, ny - 1));
  g_assert_false (currents_compare_view_get_covered (fixture->view, nx - 4, ny - 2));
  for (guint j = 0; j < ny; j++)
    for (guint i = 0; i < nx; i++)
      {
        gboolean near = FALSE;

        for (int dj = -1; dj <= 1; dj++)
          for (int di = -1; di <= 1; di++)
            {
              int a = (int) i + di, b = (int) j + dj;

              near |= a >= 0 && b >= 0 && a < (int) nx && b < (int) ny && occupied[b * nx + a];
            }
        g_assert_cmpint (currents_compare_view_get_covered (fixture->view, i, j), ==, near);
        if (near)
          {
            s_in += d[j * nx + i] * d[j * nx + i];
            my_in++;
          }
        else
          {
            s_out += d[j * nx + i] * d[j * nx + i];
            my_out++;
          }
      }
  g_assert_cmpuint (my_in, >, 50);
  g_assert_cmpuint (my_out, >, 500);
  g_assert_true (currents_compare_view_get_rms (fixture->view, &rms_in, &rms_out, &n_in, &n_out));
  g_assert_cmpuint (n_in, ==, my_in);
  g_assert_cmpuint (n_out, ==, my_out);
  assert_close (rms_in, sqrt (s_in / my_in));
  assert_close (rms_out, sqrt (s_out / my_out));
  g_test_message ("RMS ‖Δf‖ inside the data %.4g (%u cells), outside %.4g (%u cells)",
                  rms_in, n_in, rms_out, n_out);
  /* a network trained for three epochs extrapolates worse than it interpolates */
  g_assert_cmpfloat (rms_out, >, rms_in);
  screenshot (fixture, "toggle");

  /* relative to the known field's speed */
  currents_compare_view_set_relative (fixture->view, TRUE);
  {
    double got = currents_compare_view_get_difference (fixture->view, 20, 20);
    double want = direct_difference (learned, known, window, nx, 20, 20, &norm) / norm;

    assert_close (got, want);
  }
  screenshot (fixture, "relative");
  currents_compare_view_set_relative (fixture->view, FALSE);

  /* the inducer's slider moves both fields: the known model's iptg follows by name */
  results = currents_compare_view_get_n_results (fixture->view);
  g_assert_true (currents_parameter_panel_set_value (panel, "iptg", 1.25));
  wait_for_result (fixture, results);
  g_assert_cmpfloat (currents_system_get_inputs (learned)[0], ==, 1.25);
  for (guint k = 0; k < G_N_ELEMENTS (cells); k++)
    assert_close (currents_compare_view_get_difference (fixture->view, cells[k][0], cells[k][1]),
                  direct_difference (learned, known, window, nx, cells[k][0], cells[k][1], NULL));

  /* several moves at once: the shown result is the last one's */
  results = currents_compare_view_get_n_results (fixture->view);
  g_assert_true (currents_parameter_panel_set_value (panel, "iptg", 0.3));
  g_assert_true (currents_parameter_panel_set_value (panel, "iptg", 0.6));
  g_assert_true (currents_parameter_panel_set_value (panel, "iptg", 0.9));
  wait_for_result (fixture, results);
  g_assert_cmpfloat (currents_system_get_inputs (learned)[0], ==, 0.9);
  assert_close (currents_compare_view_get_difference (fixture->view, 12, 14),
                direct_difference (learned, known, window, nx, 12, 14, NULL));

  /* nothing is computed while the page is hidden; showing it catches up */
  g_assert_true (currents_window_show_page (fixture->window, "portrait"));
  currents_gui_test_pause (0.5);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (fixture->view)));
  results = currents_compare_view_get_n_results (fixture->view);
  g_assert_true (currents_parameter_panel_set_value (panel, "iptg", 0.45));
  currents_gui_test_pause (1.0);
  g_assert_cmpuint (currents_compare_view_get_n_results (fixture->view), ==, results);
  g_assert_false (currents_compare_view_get_busy (fixture->view));
  g_assert_true (currents_window_show_page (fixture->window, "compare"));
  wait_for_result (fixture, results);
  g_assert_cmpuint (currents_compare_view_get_n_results (fixture->view), ==, results + 1);
  for (guint k = 0; k < G_N_ELEMENTS (cells); k++)
    assert_close (currents_compare_view_get_difference (fixture->view, cells[k][0], cells[k][1]),
                  direct_difference (learned, known, window, nx, cells[k][0], cells[k][1], NULL));

  /* dark */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  {
    Wait w = { fixture->view, 0, currents_compare_view_get_n_draws (fixture->view) };

    g_assert_true (currents_gui_test_iterate_until (drawn, &w, WAIT_SECONDS));
  }
  currents_gui_test_pause (0.5);
  screenshot (fixture, "dark");
}

/* Nothing in the data's header: the equation model shown before training is the known
 * one; without data nothing is covered. */
static void
test_remembered (Fixture       *fixture,
                 gconstpointer  data)
{
  static const char source[] =
    "input iptg=0\n"
    "par a1=2.385, a2=3, n=2, m=2, K=1, eta=2\n"
    "u' = a1/(1 + v^n) - u\n"
    "v' = a2/(1 + (u/(1 + (iptg/K)^eta))^m) - v\n"
    "@ xlo=0, xhi=3.5, ylo=0, yhi=3.5\n"
    "done\n";
  g_autoptr(CurrentsDataset) unnamed = NULL;
  g_autoptr(CurrentsSystem) known = load_known (source);
  g_autoptr(GError) error = NULL;
  CurrentsModel *model;
  CurrentsSystem *learned;
  guint results, nx, ny, n_in, n_out;
  double window[4], rms_in, rms_out;

  g_assert_true (currents_window_show_page (fixture->window, "compare"));
  wait_idle (fixture);
  {
    GtkWidget *page = currents_gui_test_find_descendant (GTK_WIDGET (fixture->view),
                                                         ADW_TYPE_STATUS_PAGE);
    AdwStatusPage *status = ADW_STATUS_PAGE (page);

    g_assert_cmpstr (adw_status_page_get_title (status), ==, "Nothing to Compare");
  }

  /* data with no file (and so no header) */
  {
    g_autoptr(CurrentsDataset) example = NULL;
    const char *inputs[] = { "iptg", NULL };
    const char *states[] = { "u", "v", NULL };
    CurrentsCsvOptions options = { 0 };

    options.input_columns = inputs;
    example = currents_dataset_load (CURRENTS_SOURCE_DIR "/data/examples/toggle.csv", &options,
                                     &error);
    g_assert_no_error (error);
    unnamed = currents_dataset_new (states, inputs);
    for (gsize k = 0; k < currents_dataset_get_n_trajectories (example); k++)
      {
        const CurrentsTrajectory *tr = currents_dataset_get_trajectory (example, k);

        g_assert_true (currents_dataset_add_trajectory (
          unnamed, currents_trajectory_get_id (tr), currents_trajectory_get_n_samples (tr),
          currents_trajectory_get_times (tr), currents_trajectory_get_states (tr),
          currents_trajectory_get_inputs (tr), &error));
      }
    g_assert_null (currents_dataset_get_filename (unnamed));
  }

  model = currents_model_new_from_string (source, "mytoggle.ode", &error);
  g_assert_no_error (error);
  currents_window_show_model (fixture->window, model, "mytoggle.ode");
  wait_idle (fixture);
  g_assert_false (currents_compare_view_has_known (fixture->view));

  results = currents_compare_view_get_n_results (fixture->view);
  currents_window_show_system (fixture->window, train (unnamed), "net.json");
  wait_for_result (fixture, results);
  g_assert_cmpint (currents_compare_view_get_known_origin (fixture->view), ==,
                   CURRENTS_COMPARE_KNOWN_REMEMBERED);
  g_assert_cmpstr (currents_compare_view_get_known_name (fixture->view), ==, "mytoggle.ode");
  learned = currents_portrait_get_system (fixture->portrait);
  g_assert_true (currents_compare_view_get_grid (fixture->view, &nx, &ny, window));
  for (guint j = 1; j < ny; j += 9)
    for (guint i = 2; i < nx; i += 11)
      assert_close (currents_compare_view_get_difference (fixture->view, i, j),
                    direct_difference (learned, known, window, nx, i, j, NULL));
  /* no data shown: nothing is covered */
  g_assert_null (currents_portrait_get_dataset (fixture->portrait));
  g_assert_true (currents_compare_view_get_rms (fixture->view, &rms_in, &rms_out, &n_in, &n_out));
  g_assert_cmpuint (n_in, ==, 0);
  g_assert_cmpuint (n_out, ==, nx * ny);
  g_assert_true (isnan (rms_in));
  g_assert_cmpfloat (rms_out, >, 0.0);
  screenshot (fixture, "remembered");

  /* a chosen model wins, as long as it has the trained model's states */
  results = currents_compare_view_get_n_results (fixture->view);
  currents_compare_view_set_known (fixture->view, load_known (NULL));
  wait_for_result (fixture, results);
  g_assert_cmpint (currents_compare_view_get_known_origin (fixture->view), ==,
                   CURRENTS_COMPARE_KNOWN_CHOSEN);
  g_assert_cmpstr (currents_compare_view_get_known_name (fixture->view), ==, "toggle.ode");
  {
    g_autoptr(CurrentsSystem) toggle = load_known (NULL);

    assert_close (currents_compare_view_get_difference (fixture->view, 10, 30),
                  direct_difference (learned, toggle, window, nx, 10, 30, NULL));
  }

  /* a model of other states does not fit: the remembered one again */
  results = currents_compare_view_get_n_results (fixture->view);
  currents_compare_view_set_known (fixture->view,
                                   load_known ("par k=1.5\nx' = -k*x\ny' = x - y\ndone\n"));
  wait_for_result (fixture, results);
  g_assert_cmpint (currents_compare_view_get_known_origin (fixture->view), ==,
                   CURRENTS_COMPARE_KNOWN_REMEMBERED);
}

/* A header naming a model whose file changed since: still offered, and said so. */
static void
test_changed (Fixture       *fixture,
              gconstpointer  data)
{
  g_autofree char *csv = NULL, *ode = NULL, *text = NULL, *edited = NULL, *data_path = NULL;
  g_autofree char *ode_path = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsDataset) dataset = NULL;
  const char *inputs[] = { "iptg", NULL };
  CurrentsCsvOptions options = { 0 };
  const char *body;
  guint results;

  g_assert_true (g_file_get_contents (TOGGLE_CSV, &csv, NULL, &error));
  g_assert_true (g_file_get_contents (TOGGLE_ODE, &ode, NULL, &error));
  body = strstr (csv, "\ntrajectory,");
  g_assert_nonnull (body);
  /* the model file beside the data, named with a path that does not exist here */
  text = g_strdup_printf ("# model /nonexistent/models/my toggle.ode sha256 %s%s",
                          "00000000000000000000000000000000000000000000000000000000000000ff",
                          body);
  data_path = g_build_filename (fixture->tmpdir, "data.csv", NULL);
  ode_path = g_build_filename (fixture->tmpdir, "my toggle.ode", NULL);
  g_assert_true (g_file_set_contents (data_path, text, -1, &error));
  g_assert_true (g_file_set_contents (ode_path, ode, -1, &error));

  options.input_columns = inputs;
  dataset = currents_dataset_load (data_path, &options, &error);
  g_assert_no_error (error);
  g_assert_true (currents_window_show_page (fixture->window, "compare"));
  currents_window_show_dataset (fixture->window, currents_dataset_copy (dataset), "data.csv");
  wait_idle (fixture);
  results = currents_compare_view_get_n_results (fixture->view);
  currents_window_show_system (fixture->window, train (dataset), "net.json");
  wait_for_result (fixture, results);
  g_assert_cmpint (currents_compare_view_get_known_origin (fixture->view), ==,
                   CURRENTS_COMPARE_KNOWN_CHANGED);
  g_assert_cmpstr (currents_compare_view_get_known_name (fixture->view), ==, "my toggle.ode");

  /* the right checksum: found as made */
  {
    g_autofree char *sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, ode, -1);
    g_autoptr(CurrentsDataset) again = NULL;

    g_free (text);
    text = g_strdup_printf ("# model my toggle.ode sha256 %s%s", sum, body);
    g_assert_true (g_file_set_contents (data_path, text, -1, &error));
    again = currents_dataset_load (data_path, &options, &error);
    g_assert_no_error (error);
    currents_window_show_dataset (fixture->window, currents_dataset_copy (again), "data.csv");
    results = currents_compare_view_get_n_results (fixture->view);
    currents_window_show_system (fixture->window, train (again), "net2.json");
    wait_for_result (fixture, results);
    g_assert_cmpint (currents_compare_view_get_known_origin (fixture->view), ==,
                     CURRENTS_COMPARE_KNOWN_PROVENANCE);
  }
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  currents_gui_test_load_style ();

#define ADD(path, func) \
  g_test_add ("/gui/compare/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("toggle", test_toggle);
  ADD ("remembered", test_remembered);
  ADD ("changed", test_changed);

#undef ADD

  return g_test_run ();
}
