/* test-resnet.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "Euler steps = ResNet" page, in the window, under a display (`xvfb-run -a`).
 *
 * On x' = −k x the network of N residual layers x ↦ x + h f(x), h = T/N, outputs
 * exactly (1 − k h)^N x0 and the flow e^{−kT} x0; on the rotation x' = y, y' = −x the
 * Euler matrix [[1, h], [−h, 1]] = r R(θ), r = √(1 + h²), θ = atan h, so
 * x_N = r^N R(Nθ) x0 against x(T) = R(T) x0. The error at T is first order: the fitted
 * slope of log error against log h is 1, halving h halves it. The view follows the
 * parameter sliders, computes only while shown, and draws the toggle switch without a
 * warning (G_DEBUG=fatal-warnings).
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes resnet-*.png there (window and figure).
 */
#include "config.h"

#define G_LOG_DOMAIN "test-resnet"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 60.0

typedef struct
{
  CurrentsWindow     *window;
  CurrentsPortrait   *portrait;
  CurrentsResnetView *view;
} Fixture;

static gboolean
view_idle (gpointer data)
{
  return !currents_resnet_view_get_busy (data);
}

typedef struct
{
  CurrentsResnetView *view;
  guint               frames, error_frames;
} FrameWait;

static gboolean
drew (gpointer data)
{
  FrameWait *w = data;
  CurrentsResnetStats st;

  currents_resnet_view_get_stats (w->view, &st);
  return st.n_frames > w->frames && st.n_error_frames > w->error_frames;
}

/* The result for what is shown, then a frame of both plots drawn after it. */
static void
wait_for_view (Fixture             *fixture,
               CurrentsResnetStats *stats)
{
  FrameWait w = { fixture->view, 0, 0 };
  CurrentsResnetStats st;

  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  currents_resnet_view_get_stats (fixture->view, &st);
  w.frames = st.n_frames;
  w.error_frames = st.n_error_frames;
  for (guint k = 0; k < 2; k++)
    {
      GtkWidget *area = currents_gui_test_find_nth_descendant (GTK_WIDGET (fixture->view),
                                                               GTK_TYPE_DRAWING_AREA, k);

      g_assert_nonnull (area);
      gtk_widget_queue_draw (area);
    }
  g_assert_true (currents_gui_test_iterate_until (drew, &w, WAIT_SECONDS));
  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  if (stats != NULL)
    currents_resnet_view_get_stats (fixture->view, stats);
}

/* The figure, and with @window the window as GTK renders it (not after a colour-scheme
 * switch: the widgets' cached render nodes are not all rebuilt for a direct snapshot,
 * though the display shows them right). */
static void
screenshot (Fixture    *fixture,
            const char *name,
            gboolean    window)
{
  g_autofree char *figure = currents_gui_test_screenshot_path ("resnet", name, "-figure");
  g_autoptr(GError) error = NULL;

  if (figure == NULL)
    return;
  if (window)
    currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "resnet", name);
  else
    currents_gui_test_pause (0.5);
  g_assert_true (currents_resnet_view_export_png (fixture->view, figure, 1200, 600, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->window = currents_gui_test_window_new (1200, 760, FALSE);
  fixture->portrait = currents_window_get_portrait (fixture->window);
  fixture->view = CURRENTS_RESNET_VIEW (currents_window_get_page (fixture->window, "resnet"));
  g_assert_nonnull (fixture->view);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  /* the window goes away entirely, whatever is being computed: no task keeps it */
  currents_gui_test_destroy_window (&fixture->window, &fixture->view, WAIT_SECONDS);
}

static void
show_source (Fixture    *fixture,
             const char *source,
             const char *name)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (source, name, &error);

  g_assert_no_error (error);
  currents_window_show_model (fixture->window, model, name);
  g_assert_true (currents_window_show_page (fixture->window, "resnet"));
  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  /* the portrait has rebuilt for the new model by now */
  g_assert_nonnull (currents_portrait_get_system (fixture->portrait));
}

static double
fitted_slope (const double *h,
              const double *e,
              guint         from,
              guint         n)
{
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  guint m = 0;

  for (guint k = from; k < n; k++)
    {
      double lx = log10 (h[k]), ly = log10 (e[k]);

      sx += lx;
      sy += ly;
      sxx += lx * lx;
      sxy += lx * ly;
      m++;
    }
  return (m * sxy - sx * sy) / (m * sxx - sx * sx);
}

/* x' = −k x: every number analytic. */
static void
test_decay (Fixture       *fixture,
            gconstpointer  data)
{
  const double x0 = 1.7, T = 2.385;
  CurrentsParameterPanel *panel;
  const double *th, *te;
  double start, end, ref, h, k = 1.0, prev;
  CurrentsResnetStats st;
  guint n;

  show_source (fixture, "par k=1\nx' = -k*x\ninit x=1.7\n@ total=8\ndone\n", "decay.ode");
  panel = currents_portrait_get_parameter_panel (fixture->portrait);
  wait_for_view (fixture, &st);

  /* the defaults: the model's initial state, T = total/4, 20 layers */
  g_assert_true (currents_resnet_view_get_start (fixture->view, &start));
  g_assert_cmpfloat (start, ==, x0);
  g_assert_cmpfloat_with_epsilon (currents_resnet_view_get_time (fixture->view), 2.0, 1e-15);
  g_assert_cmpuint (currents_resnet_view_get_n_layers (fixture->view), ==, 20);

  currents_resnet_view_set_time (fixture->view, T);
  currents_resnet_view_set_h (fixture->view, T / 40);
  wait_for_view (fixture, &st);
  n = currents_resnet_view_get_n_layers (fixture->view);
  h = currents_resnet_view_get_h (fixture->view);
  g_assert_cmpuint (n, ==, 40);
  g_assert_cmpfloat (h, ==, T / 40);

  g_assert_true (currents_resnet_view_get_euler_end (fixture->view, &end));
  g_assert_true (currents_resnet_view_get_reference_end (fixture->view, &ref));
  g_assert_cmpfloat_with_epsilon (end, pow (1 - h, n) * x0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ref, exp (-T) * x0, 1e-9);
  g_assert_cmpfloat_with_epsilon (currents_resnet_view_get_error (fixture->view),
                                  fabs (pow (1 - h, n) - exp (-T)) * x0, 1e-9);
  /* one variable: plotted against time, one dot per layer, the flow in 400 pieces */
  g_assert_cmpuint (st.n_euler_dots, ==, 40);
  g_assert_cmpuint (st.n_euler_segments, ==, 40);
  g_assert_cmpuint (st.n_flow_segments, ==, 400);
  g_assert_cmpuint (st.n_arrows, ==, 0);
  g_assert_cmpuint (st.n_error_points, ==, CURRENTS_RESNET_N_ERRORS);

  /* the error table: h = T/2^k against the analytic error */
  g_assert_cmpuint (currents_resnet_view_get_error_table (fixture->view, &th, &te), ==,
                    CURRENTS_RESNET_N_ERRORS);
  for (guint j = 0; j < CURRENTS_RESNET_N_ERRORS; j++)
    {
      double hj = T / (1u << (j + 1));

      g_assert_cmpfloat (th[j], ==, hj);
      g_assert_cmpfloat_with_epsilon (te[j], fabs (pow (1 - hj, 1u << (j + 1)) - exp (-T)) * x0,
                                      1e-9);
    }
  /* first order: slope 1, and halving h halves the error once h is small */
  g_assert_cmpfloat (fabs (currents_resnet_view_get_slope (fixture->view) - 1.0), <, 0.1);
  g_assert_cmpfloat_with_epsilon (currents_resnet_view_get_slope (fixture->view),
                                  fitted_slope (th, te, 3, CURRENTS_RESNET_N_ERRORS), 1e-12);
  for (guint j = 4; j < CURRENTS_RESNET_N_ERRORS; j++)
    {
      double ratio = te[j] / te[j - 1];

      g_assert_cmpfloat (ratio, >, 0.45);
      g_assert_cmpfloat (ratio, <, 0.55);
    }
  screenshot (fixture, "decay", TRUE);

  /* the slider halves h: the error about halves */
  prev = currents_resnet_view_get_error (fixture->view);
  currents_resnet_view_set_h (fixture->view, T / 80);
  wait_for_view (fixture, &st);
  g_assert_cmpuint (currents_resnet_view_get_n_layers (fixture->view), ==, 80);
  g_assert_cmpfloat (currents_resnet_view_get_error (fixture->view) / prev, >, 0.45);
  g_assert_cmpfloat (currents_resnet_view_get_error (fixture->view) / prev, <, 0.55);
  g_assert_cmpuint (st.n_euler_dots, ==, 80);

  /* h stays within T/1000 … T/2 */
  currents_resnet_view_set_h (fixture->view, T / 5000);
  g_assert_cmpuint (currents_resnet_view_get_n_layers (fixture->view), ==, 1000);
  currents_resnet_view_set_h (fixture->view, 10 * T);
  g_assert_cmpuint (currents_resnet_view_get_n_layers (fixture->view), ==, 2);
  currents_resnet_view_set_h (fixture->view, T / 25);

  /* the parameter slider: k = 0.5 */
  k = 0.5;
  g_assert_true (currents_parameter_panel_set_value (panel, "k", k));
  wait_for_view (fixture, &st);
  h = T / 25;
  g_assert_true (currents_resnet_view_get_euler_end (fixture->view, &end));
  g_assert_true (currents_resnet_view_get_reference_end (fixture->view, &ref));
  g_assert_cmpfloat_with_epsilon (end, pow (1 - k * h, 25) * x0, 1e-12);
  g_assert_cmpfloat_with_epsilon (ref, exp (-k * T) * x0, 1e-9);

  /* another start point */
  start = -2.385;
  currents_resnet_view_set_start (fixture->view, &start);
  wait_for_view (fixture, &st);
  g_assert_true (currents_resnet_view_get_euler_end (fixture->view, &end));
  g_assert_true (currents_resnet_view_get_reference_end (fixture->view, &ref));
  g_assert_cmpfloat_with_epsilon (end, pow (1 - k * h, 25) * start, 1e-12);
  g_assert_cmpfloat_with_epsilon (ref, exp (-k * T) * start, 1e-9);
}

/* x' = y, y' = −x: the Euler matrix's power against the rotation. */
static void
test_rotation (Fixture       *fixture,
               gconstpointer  data)
{
  const double x0[2] = { 1.3, 0.0 }, T = 3.0;
  CurrentsResnetStats st;
  const double *th, *te;
  double end[2], ref[2], start[2], h, r, theta, c, s;
  guint n;

  show_source (fixture,
               "x' = y\ny' = -x\ninit x=1.3, y=0\n@ total=12, xp=x, yp=y, xlo=-2, xhi=2, "
               "ylo=-2, yhi=2\ndone\n", "rotation.ode");
  currents_resnet_view_set_time (fixture->view, T);
  currents_resnet_view_set_h (fixture->view, 0.1);
  wait_for_view (fixture, &st);

  n = currents_resnet_view_get_n_layers (fixture->view);
  h = currents_resnet_view_get_h (fixture->view);
  g_assert_cmpuint (n, ==, 30);
  g_assert_true (currents_resnet_view_get_start (fixture->view, start));
  g_assert_cmpfloat (start[0], ==, x0[0]);
  g_assert_cmpfloat (start[1], ==, x0[1]);

  r = pow (1 + h * h, n / 2.0);
  theta = n * atan (h);
  g_assert_true (currents_resnet_view_get_euler_end (fixture->view, end));
  g_assert_cmpfloat_with_epsilon (end[0], r * (cos (theta) * x0[0] + sin (theta) * x0[1]), 1e-12);
  g_assert_cmpfloat_with_epsilon (end[1], r * (-sin (theta) * x0[0] + cos (theta) * x0[1]), 1e-12);
  c = cos (T);
  s = sin (T);
  g_assert_true (currents_resnet_view_get_reference_end (fixture->view, ref));
  g_assert_cmpfloat_with_epsilon (ref[0], c * x0[0] + s * x0[1], 1e-9);
  g_assert_cmpfloat_with_epsilon (ref[1], -s * x0[0] + c * x0[1], 1e-9);
  g_assert_cmpfloat_with_epsilon (currents_resnet_view_get_error (fixture->view),
                                  hypot (end[0] - ref[0], end[1] - ref[1]), 1e-9);

  /* the plane: field arrows, every layer's dot inside the view */
  g_assert_cmpuint (st.n_arrows, >, 300);
  g_assert_cmpuint (st.n_euler_dots, ==, 30);
  g_assert_cmpuint (st.n_euler_segments, ==, 30);
  g_assert_cmpuint (st.n_flow_segments, ==, 400);

  g_assert_cmpuint (currents_resnet_view_get_error_table (fixture->view, &th, &te), ==,
                    CURRENTS_RESNET_N_ERRORS);
  for (guint j = 0; j < CURRENTS_RESNET_N_ERRORS; j++)
    {
      guint m = 1u << (j + 1);
      double hj = T / m, rj = pow (1 + hj * hj, m / 2.0), tj = m * atan (hj);
      double ex = rj * cos (tj) * x0[0] - c * x0[0], ey = -rj * sin (tj) * x0[0] + s * x0[0];

      g_assert_cmpfloat_with_epsilon (te[j], hypot (ex, ey), 1e-9);
    }
  g_assert_cmpfloat (fabs (currents_resnet_view_get_slope (fixture->view) - 1.0), <, 0.1);
  for (guint j = 4; j < CURRENTS_RESNET_N_ERRORS; j++)
    {
      g_assert_cmpfloat (te[j] / te[j - 1], >, 0.45);
      g_assert_cmpfloat (te[j] / te[j - 1], <, 0.55);
    }
  screenshot (fixture, "rotation", TRUE);
}

/* Three states: the plane's two on the axes, the third held on its slider as part of the
 * start point; swapping the axes keeps the start and the numbers. */
static void
test_slice (Fixture       *fixture,
            gconstpointer  data)
{
  CurrentsParameterPanel *panel;
  const double rates[3] = { 1.0, 2.0, 0.5 };
  double start[3], end[3], h;
  CurrentsResnetStats st;
  guint n;

  show_source (fixture,
               "x' = -x\ny' = -2*y\nz' = -0.5*z\ninit x=1.2, y=0.8, z=-1.1\n"
               "@ total=8, xp=x, yp=z, xlo=-2, xhi=2, ylo=-2, yhi=2\ndone\n", "slice.ode");
  panel = currents_portrait_get_parameter_panel (fixture->portrait);
  currents_resnet_view_set_h (fixture->view, 0.08);   /* T = 2: 25 layers */
  wait_for_view (fixture, &st);
  n = currents_resnet_view_get_n_layers (fixture->view);
  h = currents_resnet_view_get_h (fixture->view);
  g_assert_cmpuint (n, ==, 25);
  g_assert_cmpuint (st.n_arrows, >, 300);

  /* y is off the plane: its slider moves the start point */
  g_assert_true (currents_parameter_panel_set_value (panel, "y", 1.5));
  wait_for_view (fixture, &st);
  g_assert_true (currents_resnet_view_get_start (fixture->view, start));
  g_assert_cmpfloat (start[0], ==, 1.2);
  g_assert_cmpfloat (start[1], ==, 1.5);
  g_assert_cmpfloat (start[2], ==, -1.1);
  g_assert_true (currents_resnet_view_get_euler_end (fixture->view, end));
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (end[i], pow (1 - rates[i] * h, n) * start[i], 1e-12);

  currents_portrait_swap_axes (fixture->portrait);
  wait_for_view (fixture, &st);
  g_assert_cmpuint (currents_portrait_get_x_axis (fixture->portrait), ==, 2);
  g_assert_cmpuint (st.n_arrows, >, 300);
  g_assert_true (currents_resnet_view_get_start (fixture->view, start));
  g_assert_cmpfloat (start[1], ==, 1.5);
  g_assert_true (currents_resnet_view_get_euler_end (fixture->view, end));
  for (guint i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (end[i], pow (1 - rates[i] * h, n) * start[i], 1e-12);
}

static GtkGesture *
find_drag (GtkWidget *canvas)
{
  g_autoptr(GListModel) controllers = gtk_widget_observe_controllers (canvas);

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr(GObject) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_DRAG (c))
        return GTK_GESTURE (c);
    }
  return NULL;
}

/* Dragging the start point's handle moves it; a click elsewhere starts there. The
 * gesture's signals are emitted as a pointer would (Xvfb has no pointer to move). */
static void
test_drag (Fixture       *fixture,
           gconstpointer  data)
{
  GtkWidget *canvas;
  GtkGesture *drag;
  double start[2], end[2], x0, y0, x1, y1, h;
  CurrentsResnetStats st;
  guint n;

  show_source (fixture,
               "x' = y\ny' = -x\ninit x=1.3, y=0\n@ total=12, xp=x, yp=y, xlo=-2, xhi=2, "
               "ylo=-2, yhi=2\ndone\n", "rotation.ode");
  wait_for_view (fixture, &st);
  canvas = currents_gui_test_find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_DRAWING_AREA);
  drag = find_drag (canvas);
  g_assert_nonnull (drag);

  /* grab the handle at (1.3, 0) and pull it to (−0.5, 1.25) */
  g_assert_true (currents_resnet_view_data_to_canvas (fixture->view, 1.3, 0.0, &x0, &y0));
  g_assert_true (currents_resnet_view_data_to_canvas (fixture->view, -0.5, 1.25, &x1, &y1));
  g_signal_emit_by_name (drag, "drag-begin", x0 + 3, y0 - 2);
  g_signal_emit_by_name (drag, "drag-update", (x1 - x0) / 2, (y1 - y0) / 2);
  g_main_context_iteration (NULL, FALSE);
  g_signal_emit_by_name (drag, "drag-update", x1 - x0, y1 - y0);
  g_signal_emit_by_name (drag, "drag-end", x1 - x0, y1 - y0);
  wait_for_view (fixture, &st);
  g_assert_true (currents_resnet_view_get_start (fixture->view, start));
  /* the handle moves by the pointer's offset, not to where it was grabbed */
  g_assert_cmpfloat_with_epsilon (start[0], -0.5, 1e-9);
  g_assert_cmpfloat_with_epsilon (start[1], 1.25, 1e-9);
  n = currents_resnet_view_get_n_layers (fixture->view);
  h = currents_resnet_view_get_h (fixture->view);
  {
    double r = pow (1 + h * h, n / 2.0), th = n * atan (h);

    g_assert_true (currents_resnet_view_get_euler_end (fixture->view, end));
    g_assert_cmpfloat_with_epsilon (end[0], r * (cos (th) * start[0] + sin (th) * start[1]), 1e-12);
    g_assert_cmpfloat_with_epsilon (end[1], r * (-sin (th) * start[0] + cos (th) * start[1]),
                                    1e-12);
  }

  /* a press away from the handle starts there */
  g_assert_true (currents_resnet_view_data_to_canvas (fixture->view, 0.75, -1.5, &x1, &y1));
  g_signal_emit_by_name (drag, "drag-begin", x1, y1);
  g_signal_emit_by_name (drag, "drag-end", 0.0, 0.0);
  wait_for_view (fixture, &st);
  g_assert_true (currents_resnet_view_get_start (fixture->view, start));
  g_assert_cmpfloat_with_epsilon (start[0], 0.75, 1e-9);
  g_assert_cmpfloat_with_epsilon (start[1], -1.5, 1e-9);
}

/* A trained model: a neural field of x and y with an input s, 3-64-64-2. */
static CurrentsTrainedModel *
neural_model (void)
{
  const char *names[] = { "x", "y", NULL };
  const char *inputs[] = { "s", NULL };
  const double zeros[2] = { 0, 0 }, ones[2] = { 1, 1 };
  const double u_mean[1] = { 0 }, u_scale[1] = { 1 }, offset[1] = { 0 };
  const gboolean no_log[1] = { FALSE };
  const double x_min[2] = { -2, -1.5 }, x_max[2] = { 2, 1.5 }, u_min[1] = { -1 }, u_max[1] = { 1 };
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

/* A neural field: the view's network is the field's Euler steps, computed here on their
 * own; the flow agrees with a fine classical RK4 solve; the error is still first order. */
static void
test_trained (Fixture       *fixture,
              gconstpointer  data)
{
  const double start[2] = { 0.8, -0.6 }, T = 1.5;
  const guint fine = 4096;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  double x[2], k1[2], k2[2], k3[2], k4[2], tmp[2], end[2], ref[2], h, t0;
  CurrentsResnetStats st;
  CurrentsSystem *sys;
  const double *p, *u;
  guint n;

  currents_window_show_system (fixture->window,
                               currents_system_new_from_trained (neural_model ()), "neural.json");
  g_assert_true (currents_window_show_page (fixture->window, "resnet"));
  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  currents_resnet_view_set_start (fixture->view, start);
  currents_resnet_view_set_time (fixture->view, T);
  currents_resnet_view_set_h (fixture->view, T / 30);
  wait_for_view (fixture, &st);
  g_assert_cmpuint (st.n_arrows, >, 300);

  sys = currents_portrait_get_system (fixture->portrait);
  g_assert_nonnull (currents_system_get_trained (sys));
  ws = currents_field_workspace_new (currents_system_get_field (sys));
  p = currents_system_get_params (sys);
  u = currents_system_get_inputs (sys);
  t0 = currents_system_get_t0 (sys);

  n = currents_resnet_view_get_n_layers (fixture->view);
  h = currents_resnet_view_get_h (fixture->view);
  g_assert_cmpuint (n, ==, 30);
  memcpy (x, start, sizeof x);
  for (guint k = 0; k < n; k++)
    {
      currents_field_eval (ws, t0 + k * h, x, u, p, k1);
      for (guint i = 0; i < 2; i++)
        x[i] += h * k1[i];
    }
  g_assert_true (currents_resnet_view_get_euler_end (fixture->view, end));
  g_assert_cmpfloat_with_epsilon (end[0], x[0], 1e-12);
  g_assert_cmpfloat_with_epsilon (end[1], x[1], 1e-12);

  h = T / fine;
  memcpy (x, start, sizeof x);
  for (guint k = 0; k < fine; k++)
    {
      double t = t0 + k * h;

      currents_field_eval (ws, t, x, u, p, k1);
      for (guint i = 0; i < 2; i++)
        tmp[i] = x[i] + h / 2 * k1[i];
      currents_field_eval (ws, t + h / 2, tmp, u, p, k2);
      for (guint i = 0; i < 2; i++)
        tmp[i] = x[i] + h / 2 * k2[i];
      currents_field_eval (ws, t + h / 2, tmp, u, p, k3);
      for (guint i = 0; i < 2; i++)
        tmp[i] = x[i] + h * k3[i];
      currents_field_eval (ws, t + h, tmp, u, p, k4);
      for (guint i = 0; i < 2; i++)
        x[i] += h / 6 * (k1[i] + 2 * k2[i] + 2 * k3[i] + k4[i]);
    }
  g_assert_true (currents_resnet_view_get_reference_end (fixture->view, ref));
  g_assert_cmpfloat_with_epsilon (ref[0], x[0], 1e-9);
  g_assert_cmpfloat_with_epsilon (ref[1], x[1], 1e-9);
  g_assert_cmpfloat (fabs (currents_resnet_view_get_slope (fixture->view) - 1.0), <, 0.1);
  screenshot (fixture, "trained", TRUE);
}

/* Computes only while shown: hidden, a change waits; shown again, it is computed. */
static void
test_mapped_only (Fixture       *fixture,
                  gconstpointer  data)
{
  CurrentsParameterPanel *panel;
  double end;

  show_source (fixture, "par k=1\nx' = -k*x\ninit x=1.7\n@ total=8\ndone\n", "decay.ode");
  panel = currents_portrait_get_parameter_panel (fixture->portrait);
  currents_resnet_view_set_h (fixture->view, 0.1);   /* T = 2: 20 layers */
  wait_for_view (fixture, NULL);

  g_assert_true (currents_window_show_page (fixture->window, "portrait"));
  currents_gui_test_pause (0.2);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (fixture->view)));
  g_assert_true (currents_parameter_panel_set_value (panel, "k", 2.385));
  currents_gui_test_pause (0.5);
  /* nothing ran: the old result stays, marked stale */
  g_assert_true (currents_resnet_view_get_busy (fixture->view));
  g_assert_true (currents_resnet_view_get_euler_end (fixture->view, &end));
  g_assert_cmpfloat_with_epsilon (end, pow (0.9, 20) * 1.7, 1e-12);

  g_assert_true (currents_window_show_page (fixture->window, "resnet"));
  wait_for_view (fixture, NULL);
  g_assert_true (currents_resnet_view_get_euler_end (fixture->view, &end));
  g_assert_cmpfloat_with_epsilon (end, pow (1 - 2.385 * 0.1, 20) * 1.7, 1e-12);
}

/* The bundled toggle switch: drawn without a warning, following its sliders. */
static void
test_toggle (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (fixture->portrait);
  const double start[2] = { 0.15, 0.6 };
  double before[2], after[2];
  CurrentsResnetStats st;
  const double *te;

  g_assert_true (currents_window_open_example (fixture->window));
  g_assert_true (currents_window_show_page (fixture->window, "resnet"));
  wait_for_view (fixture, &st);
  /* the symmetric switch (a1 = 3), bistable, as the slider sets it */
  g_assert_true (currents_parameter_panel_set_value (panel, "a1", 3.0));
  wait_for_view (fixture, &st);
  g_assert_cmpfloat_with_epsilon (currents_resnet_view_get_time (fixture->view), 5.0, 1e-15);
  g_assert_cmpuint (st.n_arrows, >, 300);
  g_assert_cmpuint (st.n_flow_segments, >, 0);
  g_assert_true (isfinite (currents_resnet_view_get_error (fixture->view)));

  currents_resnet_view_set_start (fixture->view, start);
  currents_resnet_view_set_h (fixture->view, 0.25);
  wait_for_view (fixture, &st);
  /* 20 layers: a dot for each output but where the slow end crowds them */
  g_assert_cmpuint (st.n_euler_segments, ==, 20);
  g_assert_cmpuint (st.n_euler_dots, >=, 5);
  g_assert_cmpuint (st.n_euler_dots, <=, 20);
  g_assert_cmpuint (currents_resnet_view_get_error_table (fixture->view, NULL, &te), ==,
                    CURRENTS_RESNET_N_ERRORS);
  g_assert_cmpfloat (te[CURRENTS_RESNET_N_ERRORS - 1], <, te[3]);
  g_assert_cmpfloat (fabs (currents_resnet_view_get_slope (fixture->view) - 1.0), <, 0.1);
  g_assert_true (currents_resnet_view_get_reference_end (fixture->view, before));
  screenshot (fixture, "toggle", TRUE);

  /* the slider moves the flow: a₁ = 1.5 is past the pitchfork, one equilibrium */
  g_assert_true (currents_parameter_panel_set_value (panel, "a1", 1.5));
  wait_for_view (fixture, &st);
  g_assert_true (currents_resnet_view_get_reference_end (fixture->view, after));
  g_assert_cmpfloat (fabs (after[0] - before[0]), >, 0.1);

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  wait_for_view (fixture, &st);
  screenshot (fixture, "toggle-dark", FALSE);
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  currents_gui_test_load_style ();

#define ADD(path, func) \
  g_test_add ("/gui/resnet/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("decay", test_decay);
  ADD ("rotation", test_rotation);
  ADD ("slice", test_slice);
  ADD ("drag", test_drag);
  ADD ("trained", test_trained);
  ADD ("mapped-only", test_mapped_only);
  ADD ("toggle", test_toggle);

#undef ADD

  return g_test_run ();
}
