/* test-ensemble-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ensembles in the window, under a display (`xvfb-run -a`), on the shipped ensemble of
 * the toggle switch (data/examples/toggle-ensemble.json: 8 networks trained on bootstrap
 * resamples of toggle.csv, whose true model folds at iptg = 0.6415 and 0.9227).
 *
 * Opening the file shows its first member as a trained model and keeps the ensemble
 * (8 members) until something else is shown. The Bifurcations page runs the ensemble's
 * continuation only while shown, and draws exactly the engine's tipping points (a run
 * here with the view's options): each interval to 1e-12, the true folds inside the
 * first two, every member's fold a tick, and the engine's sentences in the summary.
 * The Time Series page draws the members' median with their range as a band: each
 * trajectory's curves equal the engine's currents_ensemble_predict to 1e-12.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-ensemble-view"

#include <math.h>
#include <string.h>

#include "currents-bifurcation-view.h"
#include "currents-timeseries-view.h"
#include "currents-window.h"
#include "currents-window-ensemble.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 60.0

typedef struct
{
  CurrentsWindow          *window;
  CurrentsPortrait        *portrait;
  CurrentsBifurcationView *view;
  GAsyncResult            *result;
} Fixture;

static char *
example_path (const char *name)
{
  return g_build_filename (CURRENTS_SOURCE_DIR, "data", "examples", name, NULL);
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

  fixture->result = g_object_ref (result);
}

static void
open_and_wait (Fixture    *fixture,
               const char *name)
{
  g_autofree char *path = example_path (name);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;

  g_clear_object (&fixture->result);
  currents_window_open_async (fixture->window, file, NULL, open_done, fixture);
  g_assert_true (currents_gui_test_iterate_until (has_result, fixture, WAIT_SECONDS));
  g_assert_true (currents_window_open_finish (fixture->window, fixture->result, &error));
  g_assert_no_error (error);
  g_clear_object (&fixture->result);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->window = g_object_ref (currents_window_new (NULL));
  fixture->portrait = currents_window_get_portrait (fixture->window);
  fixture->view = CURRENTS_BIFURCATION_VIEW (currents_window_get_page (fixture->window,
                                                                       "diagram"));
  g_assert_nonnull (fixture->view);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1100, 720);
  gtk_window_present (GTK_WINDOW (fixture->window));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  currents_gui_test_destroy_window (&fixture->window, &fixture->view, WAIT_SECONDS);
}

/* The member shown is member 0, bit for bit; the title counts the members; another
 * model replaces the ensemble. */
static gboolean
has_shading (gpointer data)
{
  gsize nx, ny;
  const double *values;

  return currents_portrait_get_shading (data, &nx, &ny, &values);
}

static gboolean
has_no_shading (gpointer data)
{
  return !has_shading (data);
}

typedef struct
{
  CurrentsPortrait *portrait;
  GPtrArray        *members;
  CurrentsSystem   *shown;
  double            view[4];
} ZoomWait;

/* The tint equals the engine's disagreement over the zoomed view. */
static gboolean
shading_follows (gpointer data)
{
  ZoomWait *w = data;
  const double *values;
  double direct[48 * 36];
  gsize nx, ny;

  if (currents_portrait_get_busy (w->portrait)
      || !currents_portrait_get_shading (w->portrait, &nx, &ny, &values) || nx * ny != 48 * 36)
    return FALSE;
  g_assert_true (currents_ensemble_disagreement (w->members, currents_portrait_get_x_axis (w->portrait),
                                                 currents_portrait_get_y_axis (w->portrait),
                                                 currents_system_get_initial (w->shown), w->view,
                                                 48, 36, direct, NULL));
  for (gsize c = 0; c < nx * ny; c++)
    if (!(fabs (values[c] - direct[c]) <= 1e-12 * (1.0 + fabs (direct[c]))))
      return FALSE;
  return TRUE;
}

static void
test_open (Fixture       *fixture,
           gconstpointer  data)
{
  const CurrentsEnsemble *ens;
  g_autoptr(CurrentsSystem) member = NULL;
  CurrentsSystem *shown;
  AdwWindowTitle *title;
  gsize np;

  g_assert_null (currents_window_get_ensemble (fixture->window));
  open_and_wait (fixture, "toggle-ensemble.json");
  ens = currents_window_get_ensemble (fixture->window);
  g_assert_nonnull (ens);
  g_assert_true (currents_portrait_get_shown_ensemble (fixture->portrait) == ens);
  g_assert_cmpuint (currents_ensemble_get_n_members (ens), ==, 8);
  g_assert_null (currents_window_get_last_error (fixture->window));

  /* a trained model (no equations): member 0 */
  g_assert_null (currents_portrait_get_model (fixture->portrait));
  shown = currents_portrait_get_system (fixture->portrait);
  g_assert_nonnull (shown);
  member = currents_ensemble_new_system (ens, 0);
  g_assert_cmpuint (currents_system_get_n_states (shown), ==, 2);
  g_assert_cmpstr (currents_system_get_state_names (shown)[0], ==, "u");
  g_assert_cmpstr (currents_system_get_state_names (shown)[1], ==, "v");
  g_assert_cmpint (currents_system_find_input (shown, "iptg"), ==, 0);
  np = currents_system_get_n_params (shown);
  g_assert_cmpuint (np, ==, currents_system_get_n_params (member));
  g_assert_cmpuint (np, >, 100);
  g_assert_cmpmem (currents_system_get_params (shown), np * sizeof (double),
                   currents_system_get_params (member), np * sizeof (double));

  title = ADW_WINDOW_TITLE (currents_gui_test_find_descendant (GTK_WIDGET (fixture->window),
                                                               ADW_TYPE_WINDOW_TITLE));
  g_assert_cmpstr (adw_window_title_get_title (title), ==, "toggle-ensemble.json");
  g_assert_cmpstr (adw_window_title_get_subtitle (title), ==, "Ensemble of 8 models");

  /* the portrait is tinted where the members disagree: the engine's numbers over its view */
  {
    g_autoptr(GPtrArray) members = currents_ensemble_new_systems (ens);
    const double *values;
    double view[4], direct[48 * 36];
    gsize nx, ny;

    /* (set when the portrait has taken the member in: its content-changed) */
    g_assert_true (currents_gui_test_iterate_until (has_shading, fixture->portrait, 60.0));
    g_assert_true (currents_portrait_get_shading (fixture->portrait, &nx, &ny, &values));
    g_assert_cmpuint (nx, ==, 48);
    g_assert_cmpuint (ny, ==, 36);
    g_assert_true (currents_portrait_get_view (fixture->portrait, view));
    for (guint k = 0; k < members->len; k++)
      memcpy (currents_system_get_inputs (g_ptr_array_index (members, k)),
              currents_system_get_inputs (shown), sizeof (double));
    g_assert_true (currents_ensemble_disagreement (members, currents_portrait_get_x_axis (fixture->portrait),
                                                   currents_portrait_get_y_axis (fixture->portrait),
                                                   currents_system_get_initial (shown), view, 48, 36,
                                                   direct, NULL));
    for (gsize c = 0; c < nx * ny; c++)
      g_assert_cmpfloat (fabs (values[c] - direct[c]), <=, 1e-12 * (1.0 + fabs (direct[c])));

    /* zoomed in: the tint follows, over the new view */
    {
      ZoomWait w = { fixture->portrait, members, shown, { 0 } };

      w.view[0] = view[0] + 0.25 * (view[1] - view[0]);
      w.view[1] = view[0] + 0.5 * (view[1] - view[0]);
      w.view[2] = view[2] + 0.25 * (view[3] - view[2]);
      w.view[3] = view[2] + 0.5 * (view[3] - view[2]);
      currents_portrait_set_view (fixture->portrait, w.view);
      g_assert_true (currents_gui_test_iterate_until (shading_follows, &w, 60.0));
    }
  }

  /* the equations replace it: no ensemble any more */
  open_and_wait (fixture, "toggle.ode");
  g_assert_true (currents_gui_test_iterate_until (has_no_shading, fixture->portrait, 60.0));
  g_assert_nonnull (currents_portrait_get_model (fixture->portrait));
  g_assert_null (currents_window_get_ensemble (fixture->window));
  g_assert_null (currents_portrait_get_shown_ensemble (fixture->portrait));
  g_assert_cmpstr (adw_window_title_get_subtitle (title), ==, "Model with 2 states");
}

static gboolean
has_tipping_points (gpointer data)
{
  return currents_bifurcation_view_get_tipping_points (data) != NULL
         && !currents_bifurcation_view_get_busy (data);
}

static guint
n_frames (gpointer view)
{
  return currents_bifurcation_view_get_n_frames (view);
}

static gboolean
has_range (gpointer data)
{
  return currents_bifurcation_view_get_range (data, NULL, NULL, NULL);
}

static void
test_bifurcation (Fixture       *fixture,
                  gconstpointer  data)
{
  const CurrentsEnsemble *ens;
  g_autoptr(GPtrArray) systems = NULL;
  g_autoptr(GPtrArray) expected = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *box_lo = g_new (double, 2), *box_hi = g_new (double, 2);
  CurrentsPlotDiagram *diagram = currents_bifurcation_view_get_diagram (fixture->view);
  CurrentsPlotDiagramStats st;
  CurrentsContinuationOptions o;
  CurrentsSystem *sys;
  GPtrArray *shown;
  const char *summary;
  const double truth[2] = { 0.6415, 0.9227 };
  double lo, hi;
  gboolean log_scale;
  guint held = 0, ticks = 0;

  /* opened on another page: nothing computed for the hidden diagram */
  g_assert_true (currents_window_show_page (fixture->window, "portrait"));
  open_and_wait (fixture, "toggle-ensemble.json");
  ens = currents_window_get_ensemble (fixture->window);
  g_assert_nonnull (ens);
  /* the portrait tells its followers about the new model from an idle */
  g_assert_true (currents_gui_test_iterate_until (has_range, fixture->view, WAIT_SECONDS));
  /* inside the bistable range, as `currents-cli continue … --start 0.8`: every member's
   * three equilibria */
  g_assert_false (currents_bifurcation_view_set_start (fixture->view, "nothing", 0.8));
  g_assert_true (currents_bifurcation_view_set_start (fixture->view, "iptg", 0.8));
  currents_gui_test_pause (1.0);
  g_assert_cmpuint (currents_bifurcation_view_get_ensemble_runs (fixture->view), ==, 0);
  g_assert_null (currents_bifurcation_view_get_tipping_points (fixture->view));
  g_assert_cmpuint (currents_plot_diagram_get_n_intervals (diagram), ==, 0);

  /* shown: one run across the members */
  g_assert_true (currents_window_show_page (fixture->window, "diagram"));
  g_assert_true (currents_gui_test_iterate_until (has_tipping_points, fixture->view,
                                                  WAIT_SECONDS));
  g_assert_true (currents_gui_test_redraw (
    currents_gui_test_find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_DRAWING_AREA),
    n_frames, fixture->view, WAIT_SECONDS));
  currents_bifurcation_view_get_stats (fixture->view, &st);
  g_assert_cmpuint (currents_bifurcation_view_get_ensemble_runs (fixture->view), ==, 1);
  g_assert_null (currents_bifurcation_view_get_error (fixture->view));

  /* the engine, with the view's options: its range (the data's iptg, 0 … 1.2), the
   * default box, the starting equilibria at iptg = 0.8 */
  sys = currents_portrait_get_system (fixture->portrait);
  g_assert_true (currents_bifurcation_view_get_range (fixture->view, &lo, &hi, &log_scale));
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat (hi, ==, 1.2);
  g_assert_false (log_scale);
  currents_continuation_default_box (sys, box_lo, box_hi);
  currents_continuation_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  o.log_scale = log_scale;
  o.start = 0.8;
  o.box_lo = box_lo;
  o.box_hi = box_hi;
  o.t = currents_system_get_t0 (sys);
  systems = currents_ensemble_new_systems (ens);
  expected = currents_ensemble_continue (systems, "iptg", &o, 0.0, NULL, NULL, NULL, &error);
  g_assert_no_error (error);

  shown = currents_bifurcation_view_get_tipping_points (fixture->view);
  g_assert_cmpuint (shown->len, ==, expected->len);
  g_assert_cmpuint (currents_plot_diagram_get_n_intervals (diagram), ==, expected->len);
  summary = currents_bifurcation_view_get_summary (fixture->view);
  g_test_message ("%s", summary);
  for (guint i = 0; i < expected->len; i++)
    {
      const CurrentsTippingPoint *e = g_ptr_array_index (expected, i);
      const CurrentsTippingPoint *s = g_ptr_array_index (shown, i);
      g_autofree char *sentence = currents_tipping_point_describe (e, "iptg");
      const double *members;
      double dlo, dhi, dmed;
      gsize n_members;

      g_assert_true (currents_plot_diagram_get_interval (diagram, i, &dlo, &dhi, &dmed,
                                                         &members, &n_members));
      g_assert_cmpfloat (fabs (dlo - e->lo), <=, 1e-12);
      g_assert_cmpfloat (fabs (dhi - e->hi), <=, 1e-12);
      g_assert_cmpfloat (fabs (dmed - e->param), <=, 1e-12);
      g_assert_cmpfloat (fabs (s->lo - e->lo), <=, 1e-12);
      g_assert_cmpfloat (fabs (s->hi - e->hi), <=, 1e-12);
      g_assert_cmpuint (s->found_in, ==, e->found_in);
      g_assert_cmpuint (n_members, ==, e->found_in);
      for (gsize k = 0; k < n_members; k++)
        g_assert_cmpfloat (fabs (members[k] - e->params[k]), <=, 1e-12);
      g_assert_nonnull (strstr (summary, sentence));
      if (e->kind == CURRENTS_BIFURCATION_FOLD && held < 2 && e->lo <= truth[held]
          && e->hi >= truth[held])
        {
          g_test_message ("%s holds %g", sentence, truth[held]);
          g_assert_cmpuint (e->found_in, >=, 6);
          held++;
        }
      if (e->hi >= lo && e->lo <= hi)
        ticks += (guint) e->found_in;
    }
  g_assert_cmpuint (held, ==, 2);
  g_assert_cmpuint (st.n_intervals, ==, expected->len);
  g_assert_cmpuint (st.n_member_ticks, <=, ticks);
  g_assert_cmpuint (st.n_member_ticks, >=, 12);
  /* the single model's own diagram stays: member 0's folds */
  g_assert_cmpuint (st.n_folds, >=, 2);
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "ensemble", "bifurcations");

  /* from iptg = 0 as the members came (no --start), as the engine says: member 3 finds
   * no equilibrium to start from there and is left out, said in words */
  {
    g_autoptr(GPtrArray) from_zero = NULL;
    g_autofree char *failure = NULL;
    g_autofree char *left_out = NULL;
    gsize failed = 0;

    g_assert_cmpfloat (currents_system_get_inputs (sys)[0], ==, 0.0);
    g_assert_true (currents_bifurcation_view_set_start (fixture->view, NULL, 0.0));
    g_assert_true (currents_gui_test_iterate_until (has_tipping_points, fixture->view,
                                                    WAIT_SECONDS));
    g_assert_cmpuint (currents_bifurcation_view_get_ensemble_runs (fixture->view), ==, 2);
    o.start = 0.0;
    from_zero = currents_ensemble_continue (systems, "iptg", &o, 0.0, &failed, &failure, NULL,
                                            &error);
    g_assert_no_error (error);
    g_assert_cmpuint (failed, ==, 1);
    g_assert_nonnull (strstr (failure, "ensemble member 3"));
    shown = currents_bifurcation_view_get_tipping_points (fixture->view);
    g_assert_cmpuint (shown->len, ==, from_zero->len);
    for (guint i = 0; i < from_zero->len; i++)
      {
        const CurrentsTippingPoint *e = g_ptr_array_index (from_zero, i);
        const CurrentsTippingPoint *v = g_ptr_array_index (shown, i);

        g_assert_cmpfloat (fabs (v->lo - e->lo), <=, 1e-12);
        g_assert_cmpfloat (fabs (v->hi - e->hi), <=, 1e-12);
        g_assert_cmpuint (v->found_in, ==, e->found_in);
      }
    left_out = g_strdup_printf ("Left out 1 of 8 members whose continuation failed (first: %s)",
                                failure);
    summary = currents_bifurcation_view_get_summary (fixture->view);
    g_test_message ("%s", summary);
    g_assert_nonnull (strstr (summary, left_out));
  }

  /* hidden again and something else shown: nothing more computed, nothing kept */
  g_assert_true (currents_window_show_page (fixture->window, "portrait"));
  open_and_wait (fixture, "toggle.ode");
  currents_gui_test_pause (0.5);
  g_assert_null (currents_bifurcation_view_get_tipping_points (fixture->view));
  g_assert_cmpuint (currents_bifurcation_view_get_ensemble_runs (fixture->view), ==, 2);
}

typedef struct
{
  CurrentsStabilityView *view;
  guint                  updates;
} StabilityWait;

static gboolean
stability_done (gpointer data)
{
  StabilityWait *w = data;

  return !currents_stability_view_get_busy (w->view)
         && currents_stability_view_get_n_updates (w->view) > w->updates;
}

/* The Stability page says in how many of the 8 members each equilibrium is found (at least
 * the shown member, and for the best-supported one at least half of them); no count for a
 * model written by hand. */
static void
test_stability (Fixture       *fixture,
                gconstpointer  data)
{
  CurrentsStabilityView *view = CURRENTS_STABILITY_VIEW (currents_window_get_page (fixture->window,
                                                                                   "stability"));
  guint n_members = 0, best = 0;
  StabilityWait w = { view, 0 };

  open_and_wait (fixture, "toggle-ensemble.json");
  currents_window_show_page (fixture->window, "stability");
  currents_parameter_panel_set_value (currents_portrait_get_parameter_panel (fixture->portrait),
                                      "iptg", 0.8);
  /* the search for exactly these values: the last update after the slider moved */
  w.updates = currents_stability_view_get_n_updates (view);
  g_assert_true (currents_gui_test_iterate_until (stability_done, &w, 60.0));
  g_assert_cmpuint (currents_stability_view_get_n_rows (view), >=, 1);
  for (guint r = 0; r < currents_stability_view_get_n_rows (view); r++)
    {
      guint agree = currents_stability_view_get_agreement (view, r, &n_members);

      g_test_message ("row %u: found in %u of %u members", r, agree, n_members);
      /* the shown member has it; at most every member */
      g_assert_cmpuint (n_members, ==, 8);
      g_assert_cmpuint (agree, >=, 1);
      g_assert_cmpuint (agree, <=, 8);
      best = MAX (best, agree);
    }
  g_assert_cmpuint (best, >=, 4);

  w.updates = currents_stability_view_get_n_updates (view);
  open_and_wait (fixture, "toggle.ode");
  g_assert_true (currents_gui_test_iterate_until (stability_done, &w, 60.0));
  g_assert_cmpuint (currents_stability_view_get_agreement (view, 0, &n_members), ==, 0);
  g_assert_cmpuint (n_members, ==, 0);
}

static gboolean
has_bands (gpointer data)
{
  CurrentsTimeseriesView *view = data;
  const CurrentsTimeseriesTrack *track = currents_timeseries_view_get_track (view, 0);

  return !currents_timeseries_view_get_busy (view) && track != NULL && track->band_lo != NULL
         && currents_timeseries_plot_get_n_bands (currents_timeseries_view_get_plot (view)) > 0;
}

static gboolean
has_no_bands (gpointer data)
{
  CurrentsTimeseriesView *view = data;
  const CurrentsTimeseriesTrack *track = currents_timeseries_view_get_track (view, 0);

  return !currents_timeseries_view_get_busy (view) && track != NULL && track->n_pred > 0
         && track->band_lo == NULL;
}

static gboolean
data_has_input (gpointer data)
{
  const CurrentsDataset *ds = currents_portrait_get_dataset (data);

  return ds != NULL && currents_dataset_get_n_inputs (ds) == 1;
}

/* The time series of the data under the ensemble: per trajectory, the engine's median
 * and range over the 8 members from the first sample with the trajectory's inputs. */
static void
test_timeseries (Fixture       *fixture,
                 gconstpointer  data)
{
  CurrentsTimeseriesView *view = currents_window_get_timeseries_view (fixture->window);
  g_autofree char *csv = example_path ("toggle.csv");
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(GPtrArray) members = NULL;
  g_autoptr(GError) error = NULL;
  const CurrentsEnsemble *ens;
  double widest = 0.0;

  /* the data before the ensemble: read again once the members say iptg is an input */
  open_and_wait (fixture, "toggle.csv");
  g_assert_cmpuint (currents_dataset_get_n_inputs (currents_portrait_get_dataset (fixture->portrait)), ==, 0);
  open_and_wait (fixture, "toggle-ensemble.json");
  g_assert_true (currents_gui_test_iterate_until (data_has_input, fixture->portrait, WAIT_SECONDS));
  ens = currents_window_get_ensemble (fixture->window);
  g_assert_nonnull (ens);
  currents_window_show_page (fixture->window, "timeseries");
  g_assert_true (currents_gui_test_iterate_until (has_bands, view, WAIT_SECONDS));

  {
    static const char *const inputs[] = { "iptg", NULL };
    CurrentsCsvOptions options = { .input_columns = inputs };

    ds = currents_dataset_load (csv, &options, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (currents_dataset_get_n_inputs (ds), ==, 1);
  }
  members = currents_ensemble_new_systems (ens);
  g_assert_cmpuint (currents_timeseries_view_get_n_rows (view), ==,
                    currents_dataset_get_n_trajectories (ds));
  for (guint r = 0; r < currents_dataset_get_n_trajectories (ds); r += 5)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, r);
      const CurrentsTimeseriesTrack *track = currents_timeseries_view_get_track (view, r);
      gsize ns = currents_trajectory_get_n_samples (tr), n = 2, ok = 0;
      const double *tt = currents_trajectory_get_times (tr);
      const double *ys = currents_trajectory_get_states (tr);
      const double *us = currents_trajectory_get_inputs (tr);
      g_autoptr(CurrentsInputSignal) signal = currents_input_signal_new (1, ns, tt, us);
      g_autofree double *median = g_new (double, track->n_pred * n);
      g_autofree double *lo = g_new (double, track->n_pred * n);
      g_autofree double *hi = g_new (double, track->n_pred * n);
      CurrentsIntervalKind kind;
      double x0[2] = { ys[0], ys[1] };

      g_assert_nonnull (track);
      g_assert_cmpuint (track->n_vars, ==, 2);
      g_assert_cmpuint (track->band_members, ==, 8);
      g_assert_true (currents_ensemble_predict (members, x0, signal, tt[0], track->pred_times,
                                                track->n_pred, median, lo, hi, &kind, &ok, NULL,
                                                &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ok, ==, 8);
      g_assert_cmpint (kind, ==, CURRENTS_INTERVAL_RANGE);
      for (gsize k = 0; k < track->n_pred * n; k++)
        {
          g_assert_cmpfloat (fabs (track->pred[k] - median[k]), <=, 1e-12 * (1 + fabs (median[k])));
          g_assert_cmpfloat (fabs (track->band_lo[k] - lo[k]), <=, 1e-12 * (1 + fabs (lo[k])));
          g_assert_cmpfloat (fabs (track->band_hi[k] - hi[k]), <=, 1e-12 * (1 + fabs (hi[k])));
          g_assert_cmpfloat (lo[k], <=, median[k]);
          g_assert_cmpfloat (median[k], <=, hi[k]);
          widest = MAX (widest, hi[k] - lo[k]);
        }
      /* the median's error at the data */
      g_assert_true (isfinite (track->mse));
      g_assert_cmpfloat (track->mse, <, 0.5);
    }
  /* the members do not agree everywhere: a band, not a line */
  g_test_message ("widest band %g", widest);
  g_assert_cmpfloat (widest, >, 1e-3);

  /* equations replace the ensemble: a single model's curves, no band */
  open_and_wait (fixture, "toggle.ode");
  g_assert_true (currents_gui_test_iterate_until (has_no_bands, view, WAIT_SECONDS));
  g_assert_cmpuint (currents_timeseries_plot_get_n_bands (currents_timeseries_view_get_plot (view)),
                    ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  currents_gui_test_load_style ();

  g_test_add ("/gui/ensemble/open", Fixture, NULL, fixture_set_up, test_open,
              fixture_tear_down);
  g_test_add ("/gui/ensemble/stability", Fixture, NULL, fixture_set_up, test_stability,
              fixture_tear_down);
  g_test_add ("/gui/ensemble/timeseries", Fixture, NULL, fixture_set_up, test_timeseries,
              fixture_tear_down);
  g_test_add ("/gui/ensemble/bifurcation", Fixture, NULL, fixture_set_up, test_bifurcation,
              fixture_tear_down);
  return g_test_run ();
}
