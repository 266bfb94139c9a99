/* test-bifurcation.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The tipping-point explorer in the window, under a display (`xvfb-run -a`), on the
 * bundled genetic toggle switch
 *
 *   u' = a₁/(1 + v²) − u,   v' = a₂/(1 + (u/(1 + iptg²))²) − v   (a₁ = a₂ = 3),
 *
 * bistable at iptg = 0: raising iptg past one fold (iptg ≈ 0.333) leaves only the
 * v-high state; in a₁ the switch folds twice (a₁ ≈ 2.70 and 3.54), a hysteresis loop.
 * The folds the view shows must be the engine's own (a continuation run here with the
 * same options), the marker must follow the slider, a click or a drag must move the
 * slider, the plane of (iptg, a₁) must show the curve of folds and that of (a₁, a₂) the
 * cusp at a₁ = a₂ = 2. Also: a log axis, the Brusselator's Hopf point (b = 1 + a²) with
 * its periodic orbits, a trained model, work only while shown, Cancel, and export.
 * Everything without a GTK warning (G_DEBUG=fatal-warnings).
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes bifurcation-*.png there (window and figure).
 */
#include "config.h"

#define G_LOG_DOMAIN "test-bifurcation"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-bifurcation-view.h"
#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 90.0

typedef struct
{
  CurrentsWindow          *window;
  CurrentsPortrait        *portrait;
  CurrentsParameterPanel  *panel;
  CurrentsBifurcationView *view;
  char                    *tmpdir;
} Fixture;

static gboolean
idle_view (gpointer data)
{
  return !currents_bifurcation_view_get_busy (data);
}

static guint
n_frames (gpointer view)
{
  return currents_bifurcation_view_get_n_frames (view);
}

/* A frame of the view's canvas drawn after now. */
static void
redraw (Fixture *fixture)
{
  g_assert_true (currents_gui_test_redraw (
    currents_gui_test_find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_DRAWING_AREA),
    n_frames, fixture->view, WAIT_SECONDS));
}

/* Everything computed, then a frame drawn after that. */
static void
wait_for_view (Fixture                  *fixture,
               CurrentsPlotDiagramStats *stats)
{
  g_assert_true (currents_gui_test_iterate_until (idle_view, fixture->view, WAIT_SECONDS));
  redraw (fixture);
  currents_bifurcation_view_get_stats (fixture->view, stats);
}

/* A frame drawn after now (nothing recomputed). */
static void
wait_for_frame (Fixture                  *fixture,
                CurrentsPlotDiagramStats *stats)
{
  redraw (fixture);
  currents_bifurcation_view_get_stats (fixture->view, stats);
}

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  g_autofree char *figure = currents_gui_test_screenshot_path ("bifurcation", name, "-figure");
  g_autoptr(GError) error = NULL;

  if (figure == NULL)
    return;
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "bifurcation", name);
  g_assert_true (currents_bifurcation_view_export (fixture->view, figure, 900, 600, &error));
  g_assert_no_error (error);
}

static gboolean
has_range (gpointer data)
{
  return currents_bifurcation_view_get_range (data, NULL, NULL, NULL);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  g_autoptr(GError) error = NULL;

  fixture->tmpdir = currents_gui_test_make_temp_dir ("currents-bifurcation-XXXXXX");

  fixture->window = g_object_ref (currents_window_new (NULL));
  fixture->portrait = currents_window_get_portrait (fixture->window);
  fixture->panel = currents_portrait_get_parameter_panel (fixture->portrait);
  fixture->view = CURRENTS_BIFURCATION_VIEW (currents_window_get_page (fixture->window,
                                                                       "diagram"));
  g_assert_nonnull (fixture->view);
  gtk_window_set_default_size (GTK_WINDOW (fixture->window), 1100, 720);
  if (data != NULL)
    g_assert_true (currents_window_open_example (fixture->window));
  else
    {
      /* the symmetric switch (a1 = a2 = 3) and its data at iptg = 0, 0.5, 1, 2: bistable
       * without inducer, one fold in iptg, two in a1, a cusp in (a1, a2) */
      const char *const inputs[] = { "iptg", NULL };
      g_autofree char *ode = g_build_filename (CURRENTS_SOURCE_DIR, "tests", "data",
                                               "toggle-symmetric.ode", NULL);
      g_autofree char *csv = g_build_filename (CURRENTS_SOURCE_DIR, "tests", "data",
                                               "toggle-symmetric.csv", NULL);
      CurrentsCsvOptions options = { 0 };
      CurrentsModel *model;
      CurrentsDataset *dataset;

      model = currents_model_new_from_file (ode, &error);
      g_assert_no_error (error);
      options.input_columns = inputs;
      dataset = currents_dataset_load (csv, &options, &error);
      g_assert_no_error (error);
      currents_window_show (fixture->window, model, "toggle-symmetric.ode", dataset,
                            "toggle-symmetric.csv");
    }
  gtk_window_present (GTK_WINDOW (fixture->window));
  g_assert_true (currents_window_show_page (fixture->window, "diagram"));
  /* the portrait tells its followers about the new model from an idle */
  g_assert_true (currents_gui_test_iterate_until (has_range, fixture->view, WAIT_SECONDS));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* The window goes away entirely, whatever work is under way: no task keeps it. */
  currents_gui_test_destroy_window (&fixture->window, &fixture->view, WAIT_SECONDS);
  currents_gui_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

/* The folds a continuation run here finds, with the options the view uses: the
 * starting equilibria looked for at the parameter's value in the file. */
static GArray *
engine_folds (Fixture    *fixture,
              const char *param,
              double      lo,
              double      hi,
              gboolean    log_scale,
              double      start)
{
  CurrentsSystem *sys = currents_portrait_get_system (fixture->portrait);
  gsize n = currents_system_get_n_states (sys);
  g_autofree double *box_lo = g_new (double, n), *box_hi = g_new (double, n);
  g_autoptr(CurrentsContinuation) cont = NULL;
  g_autoptr(GPtrArray) folds = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsContinuationOptions o;
  GArray *values = g_array_new (FALSE, FALSE, sizeof (double));

  currents_continuation_default_box (sys, box_lo, box_hi);
  currents_continuation_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  o.log_scale = log_scale;
  o.start = start;
  o.box_lo = box_lo;
  o.box_hi = box_hi;
  o.t = currents_system_get_t0 (sys);
  cont = currents_continuation_new (sys, param, &o, &error);
  g_assert_no_error (error);
  currents_continuation_run (cont, NULL, &error);
  g_assert_no_error (error);
  folds = currents_continuation_result_get_special (currents_continuation_get_result (cont),
                                                    CURRENTS_BIFURCATION_FOLD);
  for (guint i = 0; i < folds->len; i++)
    g_array_append_val (values, ((CurrentsBifurcation *) g_ptr_array_index (folds, i))->param);
  return values;
}

static void
assert_folds_match (Fixture *fixture,
                    GArray  *expected)
{
  guint n = 0;
  const double *folds = currents_bifurcation_view_get_folds (fixture->view, &n);
  const char *summary = currents_bifurcation_view_get_summary (fixture->view);

  g_assert_cmpuint (n, ==, expected->len);
  for (guint i = 0; i < n; i++)
    {
      double e = g_array_index (expected, double, i);
      g_autofree char *text = g_strdup_printf ("%.4g", e);

      g_assert_cmpfloat (fabs (folds[i] - e), <=, 1e-9 * MAX (fabs (e), 1e-300));
      /* the words under the diagram name it */
      g_assert_nonnull (strstr (summary, text));
    }
}

/* The device point of the fold drawn at @param. */
static gboolean
fold_on_device (Fixture *fixture,
                double   param,
                double  *dx,
                double  *dy)
{
  CurrentsPlotDiagram *diagram = currents_bifurcation_view_get_diagram (fixture->view);

  for (guint i = 0; i < currents_plot_diagram_get_n_special (diagram); i++)
    {
      CurrentsPlotSpecialKind kind;
      double x, y;

      g_assert_true (currents_plot_diagram_get_special (diagram, i, &kind, &x, &y));
      if (kind == CURRENTS_PLOT_SPECIAL_FOLD && x == param)
        return currents_plot_diagram_to_device (diagram, x, y, dx, dy);
    }
  return FALSE;
}

/* The bundled example as it opens: iptg over the data's levels (0 … 1.2), u against it;
 * the hysteresis loop's two folds exactly where the engine finds them, the bistable range
 * between them shaded and said in words, the data's four levels as ticks. */
static gint
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

static void
test_shipped (Fixture       *fixture,
              gconstpointer  data)
{
  CurrentsPlotDiagramStats st;
  g_autoptr(GArray) folds = NULL;
  g_autofree char *lo_text = NULL, *hi_text = NULL;
  const char *summary;
  double lo, hi, mx;
  gboolean log_scale;

  wait_for_view (fixture, &st);
  g_assert_null (currents_bifurcation_view_get_error (fixture->view));
  g_assert_true (currents_bifurcation_view_get_range (fixture->view, &lo, &hi, &log_scale));
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat (hi, ==, 1.2);
  folds = engine_folds (fixture, "iptg", 0.0, 1.2, FALSE, 0.0);
  g_assert_cmpuint (folds->len, ==, 2);
  /* in the engine's order, which the view keeps */
  assert_folds_match (fixture, folds);
  g_array_sort (folds, compare_doubles);
  g_assert_cmpfloat (fabs (g_array_index (folds, double, 0) - 0.6415), <, 1e-3);
  g_assert_cmpfloat (fabs (g_array_index (folds, double, 1) - 0.9227), <, 1e-3);
  g_assert_cmpuint (st.n_folds, ==, 2);
  g_assert_cmpuint (st.n_labels, >=, 2);
  g_assert_cmpuint (st.n_bands, ==, 1);
  g_assert_cmpuint (st.n_jumps, ==, 2);
  g_assert_cmpuint (st.n_level_ticks, ==, 4);
  summary = currents_bifurcation_view_get_summary (fixture->view);
  lo_text = g_strdup_printf ("%.3g", g_array_index (folds, double, 0));
  hi_text = g_strdup_printf ("%.3g", g_array_index (folds, double, 1));
  g_test_message ("%s", summary);
  g_assert_nonnull (strstr (summary, lo_text));
  g_assert_nonnull (strstr (summary, hi_text));
  /* the marker at the slider's iptg = 0, then inside the loop */
  g_assert_true (currents_bifurcation_view_get_marker (fixture->view, &mx, NULL));
  g_assert_cmpfloat (mx, ==, 0.0);
  g_assert_true (currents_parameter_panel_set_value (fixture->panel, "iptg", 0.8));
  g_assert_false (currents_bifurcation_view_get_busy (fixture->view));
  wait_for_frame (fixture, &st);
  g_assert_true (currents_bifurcation_view_get_marker (fixture->view, &mx, NULL));
  g_assert_cmpfloat (fabs (mx - 0.8), <, 1e-12);
  g_assert_nonnull (strstr (currents_bifurcation_view_get_summary (fixture->view),
                            "2 stable states"));
  screenshot (fixture, "shipped");
}

/* The symmetric switch: the input iptg over its slider's (the data's) range, u against
 * it; one fold. Then a₁: two folds, a bistable range between them, the loop's two jumps. */
static void
test_folds (Fixture       *fixture,
            gconstpointer  data)
{
  CurrentsPlotDiagramStats st;
  g_autoptr(GArray) iptg_folds = NULL;
  g_autoptr(GArray) a1_folds = NULL;
  double lo, hi;
  gboolean log_scale;

  wait_for_view (fixture, &st);
  g_assert_null (currents_bifurcation_view_get_error (fixture->view));
  g_assert_true (currents_bifurcation_view_get_range (fixture->view, &lo, &hi, &log_scale));
  /* the data's levels of iptg are 0, 0.5, 1 and 2 */
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat (hi, ==, 2.0);
  g_assert_false (log_scale);
  /* the portrait's x axis: u */
  g_assert_cmpint (currents_bifurcation_view_get_quantity (fixture->view), ==, 0);

  iptg_folds = engine_folds (fixture, "iptg", 0.0, 2.0, FALSE, 0.0);
  g_assert_cmpuint (iptg_folds->len, ==, 1);
  g_assert_cmpfloat (fabs (g_array_index (iptg_folds, double, 0) - 0.3328), <, 1e-3);
  assert_folds_match (fixture, iptg_folds);
  g_assert_cmpuint (st.n_folds, ==, 1);
  g_assert_cmpuint (st.n_level_ticks, ==, 4);
  g_assert_cmpuint (st.n_stable_segments, >, 0);
  g_assert_cmpuint (st.n_unstable_segments, >, 0);
  g_assert_true (st.marker_drawn);
  screenshot (fixture, "iptg");

  g_assert_true (currents_bifurcation_view_set_parameter (fixture->view, "a1"));
  g_assert_true (currents_bifurcation_view_get_busy (fixture->view));
  wait_for_view (fixture, &st);
  g_assert_true (currents_bifurcation_view_get_range (fixture->view, &lo, &hi, &log_scale));
  /* a parameter's slider: 0 … 2 × 3 */
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat (hi, ==, 6.0);
  a1_folds = engine_folds (fixture, "a1", 0.0, 6.0, FALSE, 3.0);
  g_assert_cmpuint (a1_folds->len, ==, 2);
  assert_folds_match (fixture, a1_folds);
  g_assert_cmpuint (st.n_folds, ==, 2);
  g_assert_cmpuint (st.n_labels, >=, 2);
  g_assert_cmpuint (st.n_level_ticks, ==, 0);
  /* the bistable range between the folds, with the loop's jumps */
  g_assert_cmpuint (st.n_bands, ==, 1);
  g_assert_cmpuint (st.n_jumps, ==, 2);
  g_assert_nonnull (strstr (currents_bifurcation_view_get_summary (fixture->view), "Bistable for"));
  screenshot (fixture, "a1");
  if (g_getenv ("CURRENTS_SCREENSHOT_DIR") != NULL)
    {
      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          ADW_COLOR_SCHEME_FORCE_DARK);
      /* the style sheet changes, then everything is drawn again */
      currents_gui_test_pause (0.5);
      wait_for_frame (fixture, &st);
      g_assert_cmpuint (st.n_folds, ==, 2);
      screenshot (fixture, "a1-dark");
      adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                          ADW_COLOR_SCHEME_DEFAULT);
    }

  /* the norm instead of u: the same continuation, redrawn */
  g_assert_true (currents_bifurcation_view_set_quantity (fixture->view, -1));
  g_assert_false (currents_bifurcation_view_get_busy (fixture->view));
  wait_for_frame (fixture, &st);
  g_assert_cmpuint (st.n_folds, ==, 2);
  g_assert_false (currents_bifurcation_view_set_quantity (fixture->view, 2));
  g_assert_false (currents_bifurcation_view_set_parameter (fixture->view, "nonesuch"));
}

/* The marker follows the slider; the swept parameter's slider recomputes nothing, any
 * other's does (after a pause). */
static void
test_marker (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsPlotDiagramStats st;
  CurrentsPlotDiagram *diagram = currents_bifurcation_view_get_diagram (fixture->view);
  g_autoptr(GArray) before = NULL;
  g_autoptr(GArray) after = NULL;
  double x0, mx, dx, dy, marker_x;

  wait_for_view (fixture, &st);
  g_assert_true (st.marker_drawn);
  marker_x = st.marker_x;
  g_assert_true (currents_bifurcation_view_get_marker (fixture->view, &mx, NULL));
  g_assert_cmpfloat (mx, ==, 0.0);
  g_assert_true (currents_plot_diagram_to_device (diagram, 0.0, 1.0, &x0, &dy));
  g_assert_cmpfloat (fabs (marker_x - x0), <, 1e-9);

  /* below the fold the switch has two stable states: u high (≈ 2.6) or low (≈ 0.38) */
  g_assert_nonnull (strstr (currents_bifurcation_view_get_summary (fixture->view),
                            "At iptg = 0 (the marker): 2 stable states"));
  g_assert_true (currents_parameter_panel_set_value (fixture->panel, "iptg", 1.2345));
  g_assert_nonnull (strstr (currents_bifurcation_view_get_summary (fixture->view),
                            "At iptg = 1.234 (the marker): one stable state"));
  /* only the marker moves */
  g_assert_false (currents_bifurcation_view_get_busy (fixture->view));
  wait_for_frame (fixture, &st);
  g_assert_true (currents_bifurcation_view_get_marker (fixture->view, &mx, NULL));
  g_assert_cmpfloat (fabs (mx - 1.2345), <, 1e-12);
  g_assert_true (currents_plot_diagram_to_device (diagram, 1.2345, 1.0, &dx, &dy));
  g_assert_cmpfloat (st.marker_x, >, marker_x + 100);
  g_assert_cmpfloat (fabs (st.marker_x - dx), <, 1e-9);

  /* a₁ is not on the axis: the diagram is recomputed for its new value */
  before = engine_folds (fixture, "iptg", 0.0, 2.0, FALSE, 0.0);
  g_assert_true (currents_parameter_panel_set_value (fixture->panel, "a1", 3.3));
  g_assert_true (currents_bifurcation_view_get_busy (fixture->view));
  wait_for_view (fixture, &st);
  after = engine_folds (fixture, "iptg", 0.0, 2.0, FALSE, 0.0);
  g_assert_cmpuint (after->len, ==, 1);
  g_assert_cmpfloat (fabs (g_array_index (after, double, 0) - g_array_index (before, double, 0)),
                     >, 1e-3);
  assert_folds_match (fixture, after);

  /* back to a₁ = 3: from the cache, at once */
  g_assert_true (currents_parameter_panel_set_value (fixture->panel, "a1", 3.0));
  wait_for_view (fixture, &st);
  assert_folds_match (fixture, before);
}

/* A click on a fold sets the slider there; elsewhere in the plot, to the value under the
 * pointer. */
static void
test_click (Fixture       *fixture,
            gconstpointer  data)
{
  CurrentsPlotDiagramStats st;
  CurrentsPlotDiagram *diagram = currents_bifurcation_view_get_diagram (fixture->view);
  const double *folds;
  double dx, dy, value, ylo;
  guint n = 0;

  g_assert_true (currents_bifurcation_view_set_parameter (fixture->view, "a1"));
  wait_for_view (fixture, &st);
  folds = currents_bifurcation_view_get_folds (fixture->view, &n);
  g_assert_cmpuint (n, ==, 2);

  for (guint i = 0; i < n; i++)
    {
      double fold = folds[i];

      g_assert_true (fold_on_device (fixture, fold, &dx, &dy));
      /* a few pixels off still hits it */
      g_assert_true (currents_bifurcation_view_click (fixture->view, dx + 3, dy - 2));
      g_assert_true (currents_parameter_panel_get_value (fixture->panel, "a1", &value));
      g_assert_cmpfloat (fabs (value - fold), <=, 1e-12 * fold);
      wait_for_frame (fixture, &st);
      g_assert_true (currents_plot_diagram_to_device (diagram, fold, 0.0, &dx, &dy));
      g_assert_cmpfloat (fabs (st.marker_x - dx), <, 1e-9);
    }

  /* empty plot: the value under the pointer (the bottom of the window, away from the
   * branches) */
  {
    double window[4];

    g_assert_true (currents_plot_diagram_get_window (diagram, window));
    ylo = window[2];
    g_assert_true (currents_plot_diagram_to_device (diagram, 4.75, ylo, &dx, &dy));
    g_assert_true (currents_bifurcation_view_click (fixture->view, dx, dy - 1));
    g_assert_true (currents_parameter_panel_get_value (fixture->panel, "a1", &value));
    g_assert_cmpfloat (fabs (value - 4.75), <, 1e-9);
  }
  /* outside the plot area: nothing */
  g_assert_false (currents_bifurcation_view_click (fixture->view, -50, -50));

  /* dragging the marker from a₁ = 4.75 to 1.25 moves the slider along */
  {
    GtkWidget *canvas = currents_gui_test_find_descendant (GTK_WIDGET (fixture->view),
                                                           GTK_TYPE_DRAWING_AREA);
    g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (canvas);
    GtkGesture *drag = NULL;
    double x0, x1, y0;

    for (guint i = 0; i < g_list_model_get_n_items (controllers) && drag == NULL; i++)
      {
        g_autoptr(GObject) controller = g_list_model_get_item (controllers, i);

        if (GTK_IS_GESTURE_DRAG (controller))
          drag = GTK_GESTURE (controller);
      }
    g_assert_nonnull (drag);
    g_assert_true (currents_plot_diagram_to_device (diagram, 4.75, ylo, &x0, &y0));
    g_assert_true (currents_plot_diagram_to_device (diagram, 1.25, 0.0, &x1, &dy));
    g_signal_emit_by_name (drag, "drag-begin", x0, y0);
    g_signal_emit_by_name (drag, "drag-update", 0.5 * (x1 - x0), 0.0);
    g_assert_true (currents_parameter_panel_get_value (fixture->panel, "a1", &value));
    g_assert_cmpfloat (fabs (value - 3.0), <, 1e-9);
    g_signal_emit_by_name (drag, "drag-update", x1 - x0, 0.0);
    g_signal_emit_by_name (drag, "drag-end", x1 - x0, 0.0);
    g_assert_true (currents_parameter_panel_get_value (fixture->panel, "a1", &value));
    g_assert_cmpfloat (fabs (value - 1.25), <, 1e-9);
    wait_for_frame (fixture, &st);
    g_assert_cmpfloat (fabs (st.marker_x - x1), <, 1e-9);
    g_assert_false (currents_bifurcation_view_get_busy (fixture->view));
  }
}

/* The plane of iptg and a₁: the curve of folds through (0, 2.70) and (0.333, 3); the
 * cross-hair at the current values. */
static void
test_two_parameters (Fixture       *fixture,
                     gconstpointer  data)
{
  CurrentsPlotDiagramStats st;
  CurrentsSystem *sys = currents_portrait_get_system (fixture->portrait);
  g_autoptr(CurrentsContinuation) cont = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *box_lo = g_new (double, 2), *box_hi = g_new (double, 2);
  CurrentsPlotDiagram *diagram = currents_bifurcation_view_get_diagram (fixture->view);
  const CurrentsContinuationResult *res;
  CurrentsContinuationOptions o;
  guint n_fold_curves = 0;
  double mx, my, dx, dy;

  wait_for_view (fixture, &st);
  currents_bifurcation_view_set_two_parameters (fixture->view, TRUE);
  g_assert_true (currents_bifurcation_view_set_parameter2 (fixture->view, "a1"));
  g_assert_false (currents_bifurcation_view_set_parameter2 (fixture->view, "iptg"));
  wait_for_view (fixture, &st);
  g_assert_null (currents_bifurcation_view_get_error (fixture->view));

  currents_continuation_default_box (sys, box_lo, box_hi);
  currents_continuation_options_init (&o);
  o.lo = 0.0;
  o.hi = 2.0;
  o.lo2 = 0.0;
  o.hi2 = 6.0;
  o.start = 0.0;
  o.box_lo = box_lo;
  o.box_hi = box_hi;
  o.t = currents_system_get_t0 (sys);
  cont = currents_continuation_new_two (sys, "iptg", "a1", &o, TRUE, TRUE, &error);
  g_assert_no_error (error);
  currents_continuation_run (cont, NULL, &error);
  g_assert_no_error (error);
  res = currents_continuation_get_result (cont);
  for (guint b = 0; b < res->branches->len; b++)
    if (((CurrentsContinuationBranch *) g_ptr_array_index (res->branches, b))->kind
        == CURRENTS_CURVE_FOLDS)
      n_fold_curves++;
  g_assert_cmpuint (n_fold_curves, >=, 1);
  g_assert_cmpuint (st.n_branches, ==, res->branches->len);
  g_assert_cmpuint (st.n_folds, ==, 0);
  g_assert_nonnull (strstr (currents_bifurcation_view_get_summary (fixture->view), "fold"));

  /* the cross-hair at (iptg, a₁) = (0, 3) */
  g_assert_true (currents_bifurcation_view_get_marker (fixture->view, &mx, &my));
  g_assert_cmpfloat (mx, ==, 0.0);
  g_assert_cmpfloat (my, ==, 3.0);
  g_assert_true (st.marker_drawn);
  g_assert_true (currents_plot_diagram_to_device (diagram, 0.0, 3.0, &dx, &dy));
  g_assert_cmpfloat (fabs (st.marker_x - dx), <, 1e-9);
  screenshot (fixture, "plane");

  /* a click in the plane moves both sliders */
  g_assert_true (currents_plot_diagram_to_device (diagram, 1.5, 3.2, &dx, &dy));
  g_assert_true (currents_bifurcation_view_click (fixture->view, dx, dy));
  g_assert_true (currents_bifurcation_view_get_marker (fixture->view, &mx, &my));
  g_assert_cmpfloat (fabs (mx - 1.5), <, 1e-9);
  g_assert_cmpfloat (fabs (my - 3.2), <, 1e-9);
  /* the two parameters on the axes: nothing to recompute */
  g_assert_false (currents_bifurcation_view_get_busy (fixture->view));

  /* the plane of a₁ and a₂: one curve of folds with a cusp at the pitchfork of the
   * symmetric switch, a₁ = a₂ = 2 (u = v = 1: 2/(1 + 1) = 1), the bistable wedge shaded;
   * without inducer (at iptg = 1.5 the switch is biased: no fold in a₁ at all) */
  g_assert_true (currents_parameter_panel_set_value (fixture->panel, "iptg", 0.0));
  g_assert_true (currents_bifurcation_view_set_parameter (fixture->view, "a1"));
  g_assert_true (currents_bifurcation_view_set_parameter2 (fixture->view, "a2"));
  wait_for_view (fixture, &st);
  g_assert_null (currents_bifurcation_view_get_error (fixture->view));
  g_assert_cmpuint (st.n_branches, ==, 1);
  g_assert_cmpuint (st.n_special, ==, 1);
  g_assert_cmpuint (st.n_bands, ==, 1);
  {
    CurrentsPlotSpecialKind kind;
    double cx, cy;

    g_assert_cmpuint (currents_plot_diagram_get_n_special (diagram), ==, 1);
    g_assert_true (currents_plot_diagram_get_special (diagram, 0, &kind, &cx, &cy));
    g_assert_cmpint (kind, ==, CURRENTS_PLOT_SPECIAL_CUSP);
    g_assert_cmpfloat (fabs (cx - 2.0), <, 1e-6);
    g_assert_cmpfloat (fabs (cy - 2.0), <, 1e-6);
  }
  g_assert_nonnull (strstr (currents_bifurcation_view_get_summary (fixture->view),
                            "Cusp at a1 = 2, a2 = 2"));
  /* the cross-hair at (3.2, 3): between the folds a₁ = 2.70 and 3.54 of a₂ = 3 */
  g_assert_nonnull (strstr (currents_bifurcation_view_get_summary (fixture->view),
                            "(the cross-hair) the model is bistable"));
  g_assert_true (currents_parameter_panel_set_value (fixture->panel, "a1", 4.5));
  g_assert_nonnull (strstr (currents_bifurcation_view_get_summary (fixture->view),
                            "(the cross-hair) the model is outside the bistable wedge"));
  g_assert_true (currents_parameter_panel_set_value (fixture->panel, "a1", 3.2));
  screenshot (fixture, "cusp");
  g_assert_true (currents_bifurcation_view_set_parameter (fixture->view, "iptg"));
  g_assert_true (currents_bifurcation_view_set_parameter2 (fixture->view, "a1"));

  /* back to one parameter (iptg, at a₁ = 3.2 now) */
  g_assert_true (currents_parameter_panel_set_value (fixture->panel, "iptg", 1.5));
  currents_bifurcation_view_set_two_parameters (fixture->view, FALSE);
  wait_for_view (fixture, &st);
  {
    g_autoptr(GArray) expected = engine_folds (fixture, "iptg", 0.0, 2.0, FALSE, 0.0);

    assert_folds_match (fixture, expected);
    g_assert_cmpuint (st.n_folds, ==, expected->len);
  }
}

/* Nothing is computed while the view is hidden; showing it again catches up. A range
 * without equilibria in the box is said in words, not warned about. */
static void
test_hidden_and_errors (Fixture       *fixture,
                        gconstpointer  data)
{
  CurrentsPlotDiagramStats st;
  g_autoptr(GArray) expected = NULL;

  wait_for_view (fixture, &st);
  g_assert_true (currents_window_show_page (fixture->window, "portrait"));
  currents_gui_test_pause (0.2);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (fixture->view)));
  g_assert_true (currents_parameter_panel_set_value (fixture->panel, "a2", 3.4));
  currents_gui_test_pause (0.8);
  g_assert_false (currents_bifurcation_view_get_busy (fixture->view));
  g_assert_true (currents_window_show_page (fixture->window, "diagram"));
  wait_for_view (fixture, &st);
  expected = engine_folds (fixture, "iptg", 0.0, 2.0, FALSE, 0.0);
  assert_folds_match (fixture, expected);

  /* hidden before the computation asked for could start: it waits for the view */
  g_assert_true (currents_bifurcation_view_set_range (fixture->view, 0.2, 2.0));
  g_assert_true (currents_window_show_page (fixture->window, "portrait"));
  currents_gui_test_pause (0.5);
  g_assert_false (currents_bifurcation_view_get_busy (fixture->view));
  assert_folds_match (fixture, expected);
  g_assert_true (currents_window_show_page (fixture->window, "diagram"));
  wait_for_view (fixture, &st);
  /* the fold (≈ 0.16 at a₂ = 3.4) lies below the range now */
  g_assert_cmpfloat (g_array_index (expected, double, 0), <, 0.2);
  g_assert_cmpuint (st.n_folds, ==, 0);
  {
    guint n = 0;

    currents_bifurcation_view_get_folds (fixture->view, &n);
    g_assert_cmpuint (n, ==, 0);
  }

  /* a₁ from 5 to 6: u ≈ a₁ lies outside the box the portrait shows */
  g_assert_true (currents_bifurcation_view_set_parameter (fixture->view, "a1"));
  g_assert_true (currents_bifurcation_view_set_range (fixture->view, 5.0, 6.0));
  wait_for_view (fixture, &st);
  g_assert_nonnull (currents_bifurcation_view_get_error (fixture->view));
  g_assert_cmpstr (currents_bifurcation_view_get_summary (fixture->view), ==,
                   currents_bifurcation_view_get_error (fixture->view));
  g_assert_false (st.marker_drawn);
  g_assert_false (currents_bifurcation_view_set_range (fixture->view, 2.0, 1.0));
}

static void
open_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

static gboolean
is_set (gpointer data)
{
  return *(gpointer *) data != NULL;
}

/* The Hopf points drawn, as (parameter, quantity) pairs. */
static guint
hopf_points (Fixture *fixture,
             double  *x,
             double  *y)
{
  CurrentsPlotDiagram *diagram = currents_bifurcation_view_get_diagram (fixture->view);
  guint n = 0;

  for (guint i = 0; i < currents_plot_diagram_get_n_special (diagram); i++)
    {
      CurrentsPlotSpecialKind kind;

      g_assert_true (currents_plot_diagram_get_special (diagram, i, &kind, x, y));
      if (kind == CURRENTS_PLOT_SPECIAL_HOPF)
        n++;
      if (n == 1 && kind == CURRENTS_PLOT_SPECIAL_HOPF)
        break;
    }
  return n;
}

/* The Brusselator  x' = a − (b + 1)x + x²y,  y' = bx − x²y  has one equilibrium
 * (a, b/a), which loses stability in a supercritical Hopf bifurcation where
 * b = 1 + a², with ω = a: at a = √2 for b = 3, at b = 2 for a = 1. The periodic orbits
 * born there grow with b. */
static void
test_periodic (Fixture       *fixture,
               gconstpointer  data)
{
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples",
                                            "brusselator.ode", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsPlotDiagramStats st;
  double lo, hi, x, y;

  wait_for_view (fixture, &st);
  currents_window_open_async (fixture->window, file, NULL, open_done, &result);
  g_assert_true (currents_gui_test_iterate_until (is_set, &result, WAIT_SECONDS));
  g_assert_true (currents_window_open_finish (fixture->window, result, &error));
  g_assert_no_error (error);
  g_assert_true (currents_gui_test_iterate_until (has_range, fixture->view, WAIT_SECONDS));
  currents_gui_test_pause (0.3);
  wait_for_view (fixture, &st);
  /* a, the first parameter (there is no input), over its slider's 0 … 2 × 1 */
  g_assert_true (currents_bifurcation_view_get_range (fixture->view, &lo, &hi, NULL));
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat (hi, ==, 2.0);
  g_assert_null (currents_bifurcation_view_get_error (fixture->view));
  g_assert_cmpuint (st.n_hopf, ==, 1);
  g_assert_cmpuint (st.n_folds, ==, 0);
  g_assert_cmpuint (hopf_points (fixture, &x, &y), ==, 1);
  g_assert_cmpfloat (fabs (x - G_SQRT2), <, 1e-6);
  /* the portrait's x axis, x: at the equilibrium x = a */
  g_assert_cmpfloat (fabs (y - G_SQRT2), <, 1e-6);
  g_assert_nonnull (strstr (currents_bifurcation_view_get_summary (fixture->view),
                            "supercritical"));

  g_assert_true (currents_bifurcation_view_set_parameter (fixture->view, "b"));
  currents_bifurcation_view_set_periodic (fixture->view, TRUE);
  g_assert_true (currents_bifurcation_view_get_busy (fixture->view));
  wait_for_view (fixture, &st);
  g_assert_null (currents_bifurcation_view_get_error (fixture->view));
  g_assert_cmpuint (st.n_hopf, ==, 1);
  g_assert_cmpuint (hopf_points (fixture, &x, &y), ==, 1);
  g_assert_cmpfloat (fabs (x - 2.0), <, 1e-6);
  g_assert_cmpfloat (fabs (y - 1.0), <, 1e-6);
  g_assert_cmpuint (st.n_periodic_points, >, 10);
  screenshot (fixture, "periodic");
}

/* A trained model: a neural field of x and y with an input s, 3-64-64-2 (untrained). */
static CurrentsTrainedModel *
neural_model (void)
{
  const char *names[] = { "x", "y", NULL };
  const char *inputs[] = { "s", NULL };
  const double zeros[2] = { 0, 0 }, ones[2] = { 1, 1 };
  const double u_mean[1] = { 0 }, u_scale[1] = { 1 }, offset[1] = { 0 };
  const gboolean no_log[1] = { FALSE };
  const double x_min[2] = { -2, -1.5 }, x_max[2] = { 2, 1.5 };
  const double u_min[1] = { -1 }, u_max[1] = { 1 };
  CurrentsNeuralScaling sc = { zeros, ones, u_mean, u_scale, no_log, offset, 1.0 };
  CurrentsNeuralSpec spec;
  g_autoptr(GError) error = NULL;
  CurrentsNeuralModel *nn;
  CurrentsTrainedModel *tm;

  currents_neural_spec_init (&spec);
  spec.seed = 2;
  nn = currents_neural_model_new_full (names, inputs, &spec, &sc, &error);
  g_assert_no_error (error);
  tm = currents_trained_model_new_neural (nn, currents_neural_model_get_initial_params (nn));
  currents_trained_model_set_ranges (tm, x_min, x_max, u_min, u_max);
  return tm;
}

static gboolean
shows_trained (gpointer data)
{
  Fixture *fixture = data;
  CurrentsSystem *sys = currents_portrait_get_system (fixture->portrait);

  return sys != NULL && currents_system_get_trained (sys) != NULL
         && currents_bifurcation_view_get_range (fixture->view, NULL, NULL, NULL);
}

/* The input of a trained model over its data's range: what the engine finds (folds, or
 * an error in words); the plane needs two parameters, and it has one input. */
static void
test_trained (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(CurrentsTrainedModel) tm = neural_model ();
  g_autofree char *path = g_build_filename (fixture->tmpdir, "neural.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsContinuation) cont = NULL;
  g_autofree double *box_lo = g_new (double, 2), *box_hi = g_new (double, 2);
  CurrentsPlotDiagramStats st;
  CurrentsContinuationOptions o;
  CurrentsSystem *sys;
  double lo, hi;

  wait_for_view (fixture, &st);
  g_assert_true (currents_trained_model_save (tm, path, &error));
  g_assert_no_error (error);
  currents_window_open (fixture->window, file);
  g_assert_true (currents_gui_test_iterate_until (shows_trained, fixture, WAIT_SECONDS));
  currents_gui_test_pause (0.3);
  wait_for_view (fixture, &st);
  sys = currents_portrait_get_system (fixture->portrait);
  g_assert_true (currents_bifurcation_view_get_range (fixture->view, &lo, &hi, NULL));
  g_assert_cmpfloat (lo, ==, -1.0);
  g_assert_cmpfloat (hi, ==, 1.0);

  currents_continuation_default_box (sys, box_lo, box_hi);
  currents_continuation_options_init (&o);
  o.lo = -1.0;
  o.hi = 1.0;
  /* the input's value as the model came (nothing moved its slider) */
  o.start = currents_system_get_inputs (sys)[0];
  o.box_lo = box_lo;
  o.box_hi = box_hi;
  o.t = currents_system_get_t0 (sys);
  cont = currents_continuation_new (sys, "s", &o, &error);
  g_assert_no_error (error);
  if (currents_continuation_run (cont, NULL, &error))
    {
      g_autoptr(GPtrArray) folds =
        currents_continuation_result_get_special (currents_continuation_get_result (cont),
                                                  CURRENTS_BIFURCATION_FOLD);
      g_autoptr(GArray) expected = g_array_new (FALSE, FALSE, sizeof (double));

      for (guint i = 0; i < folds->len; i++)
        g_array_append_val (expected,
                            ((CurrentsBifurcation *) g_ptr_array_index (folds, i))->param);
      g_test_message ("the trained model: %u folds", folds->len);
      g_assert_null (currents_bifurcation_view_get_error (fixture->view));
      assert_folds_match (fixture, expected);
      g_assert_cmpuint (st.n_folds, ==, folds->len);
    }
  else
    g_test_message ("the trained model: %s", error->message);
  /* the engine's words, as a sentence */
  if (error != NULL)
    g_assert_nonnull (strstr (currents_bifurcation_view_get_error (fixture->view),
                              error->message + 1));

  currents_bifurcation_view_set_two_parameters (fixture->view, TRUE);
  wait_for_view (fixture, &st);
  g_assert_nonnull (currents_bifurcation_view_get_error (fixture->view));
  g_assert_nonnull (strstr (currents_bifurcation_view_get_error (fixture->view), "two are needed"));
  g_assert_cmpuint (st.n_branches, ==, 0);
}

/* Cancel stops the computation under way; what was shown stays. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsPlotDiagramStats st;
  GtkWidget *spinner = currents_gui_test_find_descendant (GTK_WIDGET (fixture->view),
                                                          GTK_TYPE_SPINNER);
  guint n = 0;

  wait_for_view (fixture, &st);
  g_assert_false (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
  currents_bifurcation_view_get_folds (fixture->view, &n);
  g_assert_cmpuint (n, ==, 1);
  g_assert_true (currents_bifurcation_view_set_range (fixture->view, 0.0, 1.5));
  while (!gtk_spinner_get_spinning (GTK_SPINNER (spinner)))
    g_main_context_iteration (NULL, TRUE);
  currents_bifurcation_view_cancel (fixture->view);
  g_assert_false (currents_bifurcation_view_get_busy (fixture->view));
  g_assert_false (gtk_spinner_get_spinning (GTK_SPINNER (spinner)));
  g_assert_true (g_str_has_prefix (currents_bifurcation_view_get_summary (fixture->view),
                                   "Stopped"));
  currents_gui_test_pause (0.5);
  /* nothing came back to replace the diagram or the words */
  g_assert_false (currents_bifurcation_view_get_busy (fixture->view));
  g_assert_true (g_str_has_prefix (currents_bifurcation_view_get_summary (fixture->view),
                                   "Stopped"));
  currents_bifurcation_view_get_folds (fixture->view, &n);
  g_assert_cmpuint (n, ==, 1);

  /* asked again, it computes */
  g_assert_true (currents_bifurcation_view_set_range (fixture->view, 0.0, 1.25));
  wait_for_view (fixture, &st);
  g_assert_false (g_str_has_prefix (currents_bifurcation_view_get_summary (fixture->view),
                                    "Stopped"));
  currents_bifurcation_view_get_folds (fixture->view, &n);
  g_assert_cmpuint (n, ==, 1);
}

/* A range over four decades: a log axis, the continuation in log10 iptg. */
static void
test_log_axis (Fixture       *fixture,
               gconstpointer  data)
{
  CurrentsPlotDiagramStats st;
  CurrentsPlotDiagram *diagram = currents_bifurcation_view_get_diagram (fixture->view);
  g_autoptr(GArray) expected = NULL;
  double lo, hi, dx, dy, dx10;
  gboolean log_scale = FALSE;

  wait_for_view (fixture, &st);
  g_assert_true (currents_bifurcation_view_set_range (fixture->view, 0.01, 100.0));
  wait_for_view (fixture, &st);
  g_assert_true (currents_bifurcation_view_get_range (fixture->view, &lo, &hi, &log_scale));
  g_assert_true (log_scale);
  g_assert_null (currents_bifurcation_view_get_error (fixture->view));
  /* the file's iptg = 0, moved into the range */
  expected = engine_folds (fixture, "iptg", 0.01, 100.0, TRUE, 0.01);
  g_assert_cmpuint (expected->len, ==, 1);
  assert_folds_match (fixture, expected);
  /* the data's levels: 0 cannot be drawn on a log axis */
  g_assert_cmpuint (st.n_level_ticks, ==, 3);

  /* equal ratios, equal distances */
  g_assert_true (currents_plot_diagram_to_device (diagram, 0.1, 1.0, &dx, &dy));
  g_assert_true (currents_plot_diagram_to_device (diagram, 10.0, 1.0, &dx10, &dy));
  g_assert_true (currents_plot_diagram_to_device (diagram, 1.0, 1.0, &lo, &dy));
  g_assert_cmpfloat (fabs ((lo - dx) - (dx10 - lo)), <, 1e-9);

  g_assert_true (currents_parameter_panel_set_value (fixture->panel, "iptg", 0.5));
  wait_for_frame (fixture, &st);
  g_assert_true (st.marker_drawn);
  g_assert_true (currents_plot_diagram_to_device (diagram, 0.5, 1.0, &dx, &dy));
  g_assert_cmpfloat (fabs (st.marker_x - dx), <, 1e-9);
  g_assert_false (currents_bifurcation_view_get_busy (fixture->view));
  screenshot (fixture, "log");
}

/* Export by suffix. */
static void
test_export (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsPlotDiagramStats st;
  static const char *const suffixes[] = { "png", "svg", "pdf" };

  wait_for_view (fixture, &st);
  for (gsize i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/diagram.%s", fixture->tmpdir, suffixes[i]);
      g_autoptr(GError) error = NULL;
      g_autofree char *contents = NULL;
      gsize length = 0;

      g_assert_true (currents_bifurcation_view_export (fixture->view, path, 640, 480, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &contents, &length, NULL));
      g_assert_cmpuint (length, >, 1000);
    }
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  currents_gui_test_load_style ();

#define ADD(path, func) \
  g_test_add ("/gui/bifurcation/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  g_test_add ("/gui/bifurcation/shipped", Fixture, "shipped", fixture_set_up, test_shipped,
              fixture_tear_down);
  ADD ("folds", test_folds);
  ADD ("marker", test_marker);
  ADD ("click", test_click);
  ADD ("two-parameters", test_two_parameters);
  ADD ("hidden-and-errors", test_hidden_and_errors);
  ADD ("log-axis", test_log_axis);
  ADD ("periodic", test_periodic);
  ADD ("trained", test_trained);
  ADD ("cancel", test_cancel);
  ADD ("export", test_export);

#undef ADD

  return g_test_run ();
}
