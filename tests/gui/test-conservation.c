/* test-conservation.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The "Conservation" page, in the window, under a display (`xvfb-run -a`).
 *
 * The enzyme S + E ⇌ C → E + P conserves E + C and S + C + P: along the model's adaptive
 * run each drifts by no more than the solver's tolerance, and the view's figures equal a
 * direct run of the same simulator at the same output times. The Duffing oscillator
 * x' = p, p' = x − x³ keeps H = p²/2 − x²/2 + x⁴/4: Gauss–Legendre's energy error is a
 * bounded oscillation (no larger at the end of the run than early on), RK4's grows with t.
 * The view follows the sliders, computes only while shown, and marks a quantity naming an
 * unknown state in error while it checks the others.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes conservation-*.png there (window and figure).
 */
#include "config.h"

#define G_LOG_DOMAIN "test-conservation"

#include <math.h>
#include <string.h>

#include "currents-conservation-view.h"
#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 60.0
#define EXAMPLES CURRENTS_SOURCE_DIR "/data/examples/"
#define DUFFING_H "p^2/2 - x^2/2 + x^4/4"

typedef struct
{
  CurrentsWindow           *window;
  CurrentsPortrait         *portrait;
  CurrentsConservationView *view;
} Fixture;

static gboolean
view_idle (gpointer data)
{
  return !currents_conservation_view_get_busy (data);
}

static guint
count_frames (gpointer object)
{
  CurrentsConservationStats st;

  currents_conservation_view_get_stats (object, &st);
  return st.n_frames;
}

/* The result for what is shown, then a frame drawn after it. */
static void
wait_for_view (Fixture                   *fixture,
               CurrentsConservationStats *stats)
{
  GtkWidget *area;

  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  area = currents_gui_test_find_descendant (GTK_WIDGET (fixture->view), GTK_TYPE_DRAWING_AREA);
  g_assert_nonnull (area);
  g_assert_true (currents_gui_test_redraw (area, count_frames, fixture->view, WAIT_SECONDS));
  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  if (stats != NULL)
    currents_conservation_view_get_stats (fixture->view, stats);
}

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  g_autofree char *figure = currents_gui_test_screenshot_path ("conservation", name, "-figure");
  g_autoptr(GError) error = NULL;

  if (figure == NULL)
    return;
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "conservation", name);
  g_assert_true (currents_conservation_view_export_png (fixture->view, figure, 1000, 600, &error));
  g_assert_no_error (error);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->window = currents_gui_test_window_new (1300, 800, FALSE);
  fixture->portrait = currents_window_get_portrait (fixture->window);
  fixture->view = CURRENTS_CONSERVATION_VIEW (currents_window_get_page (fixture->window,
                                                                        "conservation"));
  g_assert_nonnull (fixture->view);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  currents_gui_test_destroy_window (&fixture->window, &fixture->view, WAIT_SECONDS);
}

static void
show_example (Fixture    *fixture,
              const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_strconcat (EXAMPLES, name, NULL);
  CurrentsModel *model = currents_model_new_from_file (path, &error);

  g_assert_no_error (error);
  currents_window_show_model (fixture->window, model, name);
  g_assert_true (currents_window_show_page (fixture->window, "conservation"));
  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  g_assert_nonnull (currents_portrait_get_system (fixture->portrait));
}

/* max_k |q(x_k) − q(x_0)| / |q(x_0)| over the rows of @out. */
static double
direct_drift (const char   *expression,
              const char *const *names,
              const double *out,
              gsize         n_rows,
              gsize         n)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsConservedQuantity) q = currents_conserved_quantity_new (expression, names,
                                                                            &error);
  g_autoptr(CurrentsConservedQuantityWorkspace) ws = NULL;
  double q0, drift = 0.0;

  g_assert_no_error (error);
  ws = currents_conserved_quantity_workspace_new (q);
  q0 = currents_conserved_quantity_eval (ws, out);
  g_assert_cmpfloat (q0, !=, 0.0);
  for (gsize k = 1; k < n_rows; k++)
    drift = MAX (drift, fabs (currents_conserved_quantity_eval (ws, out + k * n) - q0) / fabs (q0));
  return drift;
}

/* The largest sampled drift of row @i in the first and in the last quarter of the run. */
static void
quarter_drifts (CurrentsConservationView *view,
                guint                     i,
                double                   *first,
                double                   *last)
{
  const double *t, *d;
  guint n = currents_conservation_view_get_samples (view, i, &t, &d);
  double t0, t1;

  g_assert_cmpuint (n, >, 8);
  g_assert_nonnull (d);
  t0 = t[0];
  t1 = t[n - 1];
  *first = *last = 0.0;
  for (guint k = 1; k < n; k++)
    {
      if (t[k] <= t0 + 0.25 * (t1 - t0))
        *first = MAX (*first, d[k]);
      if (t[k] >= t0 + 0.75 * (t1 - t0))
        *last = MAX (*last, d[k]);
    }
}

/* The enzyme's two laws along the model's own adaptive run. */
static void
test_enzyme (Fixture       *fixture,
             gconstpointer  data)
{
  static const char *laws[2] = { "E + C", "S + C + P" };
  const double starts[2] = { 1.0, 10.0 };
  CurrentsSystem *system;
  CurrentsSimOptions options;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *out = NULL;
  CurrentsConservationStats st;
  const double *t, *d;
  gsize reached = 0;
  guint n_t, base;

  show_example (fixture, "enzyme.ode");
  system = currents_portrait_get_system (fixture->portrait);
  /* T: the model's total; the default integrator is the model's own */
  g_assert_cmpfloat (currents_conservation_view_get_time (fixture->view), ==, 60.0);
  g_assert_cmpint (currents_conservation_view_get_integrator (fixture->view), ==,
                   CURRENTS_CONSERVATION_MODEL_SOLVER);
  /* the model's own quantities come first: enzyme.ode, plain equations, has none */
  base = currents_conservation_view_get_n_quantities (fixture->view);
  g_assert_cmpuint (base, ==, 0);

  currents_conservation_view_set_user_quantities (fixture->view, "E + C; S + C + P");
  wait_for_view (fixture, &st);
  g_assert_cmpuint (currents_conservation_view_get_n_quantities (fixture->view), ==, base + 2);
  g_assert_cmpuint (st.n_curves, ==, 2);
  g_assert_cmpuint (st.n_segments, >, 0);

  /* the same simulator, options and output times, directly */
  n_t = currents_conservation_view_get_samples (fixture->view, base, &t, &d);
  g_assert_cmpuint (n_t, ==, CURRENTS_CONSERVATION_N_SAMPLES + 1);
  g_assert_cmpfloat (t[0], ==, 0.0);
  g_assert_cmpfloat (t[n_t - 1], ==, 60.0);
  currents_system_get_sim_options (system, &options);
  sim = currents_simulator_new (currents_system_get_field (system), &options);
  out = g_new (double, (gsize) n_t * 4);
  g_assert_true (currents_simulator_run (sim, currents_system_get_initial (system),
                                         currents_system_get_params (system), NULL, t[0], t, n_t,
                                         out, &reached, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (reached, ==, n_t);
  for (guint i = 0; i < 2; i++)
    {
      gboolean absolute = TRUE;
      double drift = currents_conservation_view_get_drift (fixture->view, base + i, &absolute);
      double direct = direct_drift (laws[i], currents_system_get_state_names (system), out, n_t, 4);

      g_test_message ("%s: drift %.3g (direct %.3g)", laws[i], drift, direct);
      g_assert_cmpstr (currents_conservation_view_get_expression (fixture->view, base + i), ==,
                       laws[i]);
      g_assert_null (currents_conservation_view_get_error (fixture->view, base + i));
      g_assert_cmpint (currents_conservation_view_get_source (fixture->view, base + i), ==,
                       CURRENTS_CONSERVATION_SOURCE_USER);
      g_assert_false (absolute);
      g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, base + i), ==,
                         starts[i]);
      g_assert_cmpfloat_with_epsilon (drift, direct, 1e-12);
      g_assert_cmpfloat (drift, <=, 1e-8);
    }
  g_assert_nonnull (strstr (currents_conservation_view_get_summary (fixture->view),
                            "the model's solver (rk4, h = 0.05)"));
  g_assert_nonnull (strstr (currents_conservation_view_get_summary (fixture->view),
                            "t = 0 … 60"));
  screenshot (fixture, "enzyme");

  /* a name that is no state: that row in error, naming it; the others still checked */
  currents_conservation_view_set_user_quantities (fixture->view, "E + C; E + Q; S + C + P");
  wait_for_view (fixture, &st);
  g_assert_cmpuint (currents_conservation_view_get_n_quantities (fixture->view), ==, base + 3);
  g_assert_nonnull (currents_conservation_view_get_error (fixture->view, base + 1));
  g_assert_nonnull (strstr (currents_conservation_view_get_error (fixture->view, base + 1), "Q"));
  g_assert_true (isnan (currents_conservation_view_get_drift (fixture->view, base + 1, NULL)));
  g_assert_null (currents_conservation_view_get_error (fixture->view, base));
  g_assert_null (currents_conservation_view_get_error (fixture->view, base + 2));
  g_assert_cmpfloat (currents_conservation_view_get_drift (fixture->view, base, NULL), <=, 1e-8);
  g_assert_cmpfloat (currents_conservation_view_get_drift (fixture->view, base + 2, NULL), <=,
                     1e-8);
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, base + 2), ==,
                     10.0);
  g_assert_cmpuint (st.n_curves, ==, 2);
  screenshot (fixture, "enzyme-error");

  /* as the user does it: the row's text applied, the integrator chosen in the list */
  {
    GtkWidget *entry = currents_gui_test_find_descendant (GTK_WIDGET (fixture->view),
                                                          ADW_TYPE_ENTRY_ROW);
    GtkWidget *integrators = currents_gui_test_find_descendant (GTK_WIDGET (fixture->view),
                                                                GTK_TYPE_DROP_DOWN);

    g_assert_nonnull (entry);
    g_assert_nonnull (integrators);
    gtk_editable_set_text (GTK_EDITABLE (entry), "S + C + P");
    g_signal_emit_by_name (entry, "apply");
    gtk_drop_down_set_selected (GTK_DROP_DOWN (integrators), CURRENTS_CONSERVATION_GAUSS4);
    g_assert_cmpint (currents_conservation_view_get_integrator (fixture->view), ==,
                     CURRENTS_CONSERVATION_GAUSS4);
    g_assert_false (gtk_widget_has_css_class (entry, "error"));
    wait_for_view (fixture, &st);
    g_assert_cmpuint (currents_conservation_view_get_n_quantities (fixture->view), ==, base + 1);
    g_assert_cmpstr (currents_conservation_view_get_expression (fixture->view, base), ==,
                     "S + C + P");
    /* h = the model's dt: 1200 steps of Gauss–Legendre, which keeps linear laws exactly */
    g_assert_cmpfloat (currents_conservation_view_get_step (fixture->view), ==, 0.05);
    g_assert_cmpuint (currents_conservation_view_get_n_steps (fixture->view), ==, 1200);
    g_assert_cmpfloat (currents_conservation_view_get_drift (fixture->view, base, NULL), <=, 1e-12);

    gtk_editable_set_text (GTK_EDITABLE (entry), "S + Q");
    g_signal_emit_by_name (entry, "apply");
    g_assert_true (gtk_widget_has_css_class (entry, "error"));
    g_assert_nonnull (currents_conservation_view_get_error (fixture->view, base));
  }
}

/* Runs the Duffing oscillator with @method at step h over N steps, every state in @out. */
static void
direct_symplectic (CurrentsSystem          *system,
                   CurrentsSymplecticMethod method,
                   double                   h,
                   gsize                    N,
                   double                  *out)
{
  g_autoptr(CurrentsSymplectic) sym = currents_symplectic_new (currents_system_get_field (system),
                                                               method);
  g_autoptr(GError) error = NULL;
  double x[2];

  memcpy (x, currents_system_get_initial (system), sizeof x);
  g_assert_true (currents_symplectic_evolve (sym, 0.0, h, N, currents_system_get_inputs (system),
                                             currents_system_get_params (system), x, out, NULL,
                                             &error));
  g_assert_no_error (error);
}

/* The energy of the Duffing oscillator: bounded with Gauss–Legendre, drifting with RK4. */
static void
test_duffing (Fixture       *fixture,
              gconstpointer  data)
{
  const double h = 0.05, T = 400.0;
  const gsize N = 8000;
  CurrentsSystem *system;
  g_autofree double *out = g_new (double, (N + 1) * 2);
  g_autofree double *times = g_new (double, N + 1);
  double gl_drift, rk_drift, first, last, direct;
  CurrentsConservationStats st;
  CurrentsSimOptions options;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(GError) error = NULL;
  gsize reached = 0;

  show_example (fixture, "oscillator.ode");
  system = currents_portrait_get_system (fixture->portrait);
  currents_conservation_view_set_user_quantities (fixture->view, DUFFING_H);
  currents_conservation_view_set_integrator (fixture->view, CURRENTS_CONSERVATION_GAUSS4);
  currents_conservation_view_set_step (fixture->view, h);
  currents_conservation_view_set_time (fixture->view, T);
  wait_for_view (fixture, &st);
  g_assert_cmpuint (currents_conservation_view_get_n_quantities (fixture->view), ==, 1);
  g_assert_cmpuint (currents_conservation_view_get_n_steps (fixture->view), ==, N);
  g_assert_cmpuint (st.n_curves, ==, 1);
  /* H(0.5, 0.8) = 0.32 − 0.125 + 0.015625 */
  g_assert_cmpfloat_with_epsilon (currents_conservation_view_get_start_value (fixture->view, 0),
                                  0.210625, 1e-15);

  /* Gauss–Legendre against a direct run, every step */
  direct_symplectic (system, CURRENTS_SYMPLECTIC_GAUSS4, h, N, out);
  direct = direct_drift (DUFFING_H, currents_system_get_state_names (system), out, N + 1, 2);
  gl_drift = currents_conservation_view_get_drift (fixture->view, 0, NULL);
  g_test_message ("Gauss–Legendre: drift %.3g (direct %.3g)", gl_drift, direct);
  g_assert_cmpfloat_with_epsilon (gl_drift, direct, 1e-12);
  g_assert_cmpfloat (gl_drift, >, 0.0);
  g_assert_cmpfloat (gl_drift, <, 1e-4);
  /* bounded: no larger at the end than at the start */
  quarter_drifts (fixture->view, 0, &first, &last);
  g_test_message ("Gauss–Legendre quarters: first %.3g, last %.3g", first, last);
  g_assert_cmpfloat (last, <=, 2.0 * first);
  g_assert_nonnull (strstr (currents_conservation_view_get_summary (fixture->view),
                            "Gauss–Legendre"));
  g_assert_nonnull (strstr (currents_conservation_view_get_summary (fixture->view), "bounded"));
  screenshot (fixture, "duffing-gauss");

  /* RK4 at the same step: larger, and growing */
  currents_conservation_view_set_integrator (fixture->view, CURRENTS_CONSERVATION_RK4);
  wait_for_view (fixture, &st);
  rk_drift = currents_conservation_view_get_drift (fixture->view, 0, NULL);
  currents_sim_options_init (&options);
  options.method = CURRENTS_METHOD_RK4;
  options.h = h;
  options.max_steps = 2 * N;
  sim = currents_simulator_new (currents_system_get_field (system), &options);
  for (gsize k = 0; k <= N; k++)
    times[k] = k * h;
  g_assert_true (currents_simulator_run (sim, currents_system_get_initial (system),
                                         currents_system_get_params (system), NULL, 0.0, times,
                                         N + 1, out, &reached, NULL, &error));
  g_assert_no_error (error);
  direct = direct_drift (DUFFING_H, currents_system_get_state_names (system), out, N + 1, 2);
  g_test_message ("RK4: drift %.3g (direct %.3g)", rk_drift, direct);
  g_assert_cmpfloat_with_epsilon (rk_drift, direct, 1e-12);
  g_assert_cmpfloat (rk_drift, >, gl_drift);
  quarter_drifts (fixture->view, 0, &first, &last);
  g_test_message ("RK4 quarters: first %.3g, last %.3g", first, last);
  g_assert_cmpfloat (last, >, first);
  g_assert_nonnull (strstr (currents_conservation_view_get_summary (fixture->view), "grows"));
  screenshot (fixture, "duffing-rk4");

  /* implicit midpoint, against a direct run */
  currents_conservation_view_set_integrator (fixture->view, CURRENTS_CONSERVATION_MIDPOINT);
  wait_for_view (fixture, &st);
  direct_symplectic (system, CURRENTS_SYMPLECTIC_MIDPOINT, h, N, out);
  direct = direct_drift (DUFFING_H, currents_system_get_state_names (system), out, N + 1, 2);
  g_assert_cmpfloat_with_epsilon (currents_conservation_view_get_drift (fixture->view, 0, NULL),
                                  direct, 1e-12);
  quarter_drifts (fixture->view, 0, &first, &last);
  g_assert_cmpfloat (last, <=, 2.0 * first);

  /* too many steps: refused with a message, nothing computed */
  currents_conservation_view_set_step (fixture->view, 1e-5);
  wait_for_view (fixture, &st);
  g_assert_nonnull (strstr (currents_conservation_view_get_summary (fixture->view), "40000000"));
  g_assert_cmpuint (st.n_curves, ==, 0);
}

/* The sliders: an initial state moves q(0), a parameter the run. */
static void
test_slider (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsParameterPanel *panel;

  show_example (fixture, "enzyme.ode");
  panel = currents_portrait_get_parameter_panel (fixture->portrait);
  currents_conservation_view_set_user_quantities (fixture->view, "E + C; S + C + P");
  wait_for_view (fixture, NULL);
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 0), ==, 1.0);

  /* E is held off the plane (S against C): its slider is the initial E */
  g_assert_true (currents_parameter_panel_set_value (panel, "E", 2.385));
  wait_for_view (fixture, NULL);
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 0), ==, 2.385);
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 1), ==, 10.0);
  g_assert_cmpfloat (currents_conservation_view_get_drift (fixture->view, 0, NULL), <=, 1e-8);

  /* the system's initial P: the engine's value, whatever the panel does with it */
  g_assert_true (currents_parameter_panel_set_value (panel, "P", 1.25));
  wait_for_view (fixture, NULL);
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 1), ==,
                     10.0 + currents_system_get_initial (
                              currents_portrait_get_system (fixture->portrait))[3]);
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 1), ==, 11.25);
}

/* Computes only while shown: hidden, a change waits; shown again, it is computed. */
static void
test_mapped_only (Fixture       *fixture,
                  gconstpointer  data)
{
  CurrentsParameterPanel *panel;

  show_example (fixture, "enzyme.ode");
  panel = currents_portrait_get_parameter_panel (fixture->portrait);
  currents_conservation_view_set_user_quantities (fixture->view, "E + C");
  wait_for_view (fixture, NULL);
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 0), ==, 1.0);

  g_assert_true (currents_window_show_page (fixture->window, "portrait"));
  currents_gui_test_pause (0.2);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (fixture->view)));
  g_assert_true (currents_parameter_panel_set_value (panel, "E", 3.5));
  currents_gui_test_pause (0.5);
  /* nothing ran: the old result stays, marked stale */
  g_assert_true (currents_conservation_view_get_busy (fixture->view));
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 0), ==, 1.0);

  g_assert_true (currents_window_show_page (fixture->window, "conservation"));
  wait_for_view (fixture, NULL);
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 0), ==, 3.5);
}

/* A model whose networks cannot break what it must conserve: C' = −E' by construction, and
 * a `conserve` statement for E + C with its weight. */
static const char conserve_source[] =
  "learn fS(S, E, C) hidden=12 activation=tanh seed=1\n"
  "learn fE(S, E, C) hidden=12 activation=tanh seed=2\n"
  "S' = fS(S, E, C)\n"
  "E' = fE(S, E, C)\n"
  "C' = -fE(S, E, C)\n"
  "P' = -fS(S, E, C) + fE(S, E, C)\n"
  "conserve Etot = E + C  weight=2.385\n"
  "init S=10, E=1, C=0, P=0\n"
  "@ total=60, xp=S, yp=C\n"
  "done\n";

static void
show_source (Fixture    *fixture,
             const char *source,
             const char *name)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (source, name, &error);

  g_assert_no_error (error);
  currents_window_show_model (fixture->window, model, name);
  g_assert_true (currents_window_show_page (fixture->window, "conservation"));
  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  g_assert_nonnull (currents_portrait_get_system (fixture->portrait));
}

/* A reaction network lists its laws by itself, and the run keeps them to round-off. */
static void
test_reactions (Fixture       *fixture,
                gconstpointer  data)
{
  CurrentsConservationStats st;
  double starts[2];

  show_example (fixture, "enzyme-reactions.ode");
  wait_for_view (fixture, &st);
  g_assert_cmpuint (currents_conservation_view_get_n_quantities (fixture->view), ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      double drift = currents_conservation_view_get_drift (fixture->view, i, NULL);

      g_test_message ("%s: drift %.3g",
                      currents_conservation_view_get_expression (fixture->view, i), drift);
      g_assert_cmpint (currents_conservation_view_get_source (fixture->view, i), ==,
                       CURRENTS_CONSERVATION_SOURCE_EXACT);
      g_assert_null (currents_conservation_view_get_error (fixture->view, i));
      g_assert_cmpfloat (drift, <=, 1e-12);
      starts[i] = currents_conservation_view_get_start_value (fixture->view, i);
    }
  /* E + C = 1 and S + C + P = 10, in either order */
  g_assert_cmpfloat_with_epsilon (MIN (starts[0], starts[1]), 1.0, 1e-14);
  g_assert_cmpfloat_with_epsilon (MAX (starts[0], starts[1]), 10.0, 1e-14);
  g_assert_cmpuint (st.n_curves, ==, 2);

  /* the user's quantities come after the model's */
  currents_conservation_view_set_user_quantities (fixture->view, "E + C");
  wait_for_view (fixture, &st);
  g_assert_cmpuint (currents_conservation_view_get_n_quantities (fixture->view), ==, 3);
  g_assert_cmpint (currents_conservation_view_get_source (fixture->view, 2), ==,
                   CURRENTS_CONSERVATION_SOURCE_USER);
  g_assert_cmpfloat (currents_conservation_view_get_drift (fixture->view, 2, NULL), <=, 1e-12);
  screenshot (fixture, "reactions");

  /* a long run: still to round-off */
  currents_conservation_view_set_time (fixture->view, 1000.0);
  wait_for_view (fixture, &st);
  g_assert_cmpuint (currents_conservation_view_get_samples (fixture->view, 0, NULL, NULL), ==,
                     CURRENTS_CONSERVATION_N_SAMPLES + 1);
  for (guint i = 0; i < 3; i++)
    {
      g_test_message ("t = 1000: drift %.3g",
                      currents_conservation_view_get_drift (fixture->view, i, NULL));
      g_assert_cmpfloat (currents_conservation_view_get_drift (fixture->view, i, NULL), <=, 1e-12);
    }
}

/* A Hamiltonian network lists its learned energy H; Gauss–Legendre keeps it bounded. */
static void
test_hamiltonian (Fixture       *fixture,
                  gconstpointer  data)
{
  CurrentsSystem *system;
  const CurrentsModel *model;
  double first, last, h0;

  show_example (fixture, "oscillator-hnn.ode");
  currents_conservation_view_set_integrator (fixture->view, CURRENTS_CONSERVATION_GAUSS4);
  currents_conservation_view_set_step (fixture->view, 0.05);
  currents_conservation_view_set_time (fixture->view, 200.0);
  wait_for_view (fixture, NULL);
  g_assert_cmpuint (currents_conservation_view_get_n_quantities (fixture->view), ==, 1);
  g_assert_cmpint (currents_conservation_view_get_source (fixture->view, 0), ==,
                   CURRENTS_CONSERVATION_SOURCE_ENERGY);
  g_assert_cmpstr (currents_conservation_view_get_expression (fixture->view, 0), ==, "H");

  /* q(0) is the engine's H_θ(x0) */
  system = currents_portrait_get_system (fixture->portrait);
  model = currents_system_get_model (system);
  g_assert_nonnull (model);
  h0 = currents_model_eval_energy (model, currents_system_get_initial (system),
                                   currents_system_get_params (system));
  g_assert_true (isfinite (h0));
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 0), ==, h0);
  g_test_message ("H(x0) = %.6g, Gauss–Legendre drift %.3g", h0,
                  currents_conservation_view_get_drift (fixture->view, 0, NULL));
  g_assert_cmpfloat (currents_conservation_view_get_drift (fixture->view, 0, NULL), <, 1e-3);
  quarter_drifts (fixture->view, 0, &first, &last);
  g_assert_cmpfloat (last, <=, 2.0 * first);
  screenshot (fixture, "hamiltonian");
}

/* A `conserve` statement is listed with its penalty weight and checked like the rest. */
static void
test_penalty (Fixture       *fixture,
              gconstpointer  data)
{
  show_source (fixture, conserve_source, "enzyme-conserve.ode");
  wait_for_view (fixture, NULL);
  g_assert_cmpuint (currents_conservation_view_get_n_quantities (fixture->view), ==, 1);
  g_assert_cmpint (currents_conservation_view_get_source (fixture->view, 0), ==,
                   CURRENTS_CONSERVATION_SOURCE_PENALTY);
  g_assert_cmpstr (currents_conservation_view_get_expression (fixture->view, 0), ==, "E + C");
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 0), ==, 1.0);
  /* C' = −E' by construction here: conserved whatever the networks say */
  g_assert_cmpfloat (currents_conservation_view_get_drift (fixture->view, 0, NULL), <=, 1e-12);

  /* the example: two statements, listed in order */
  show_example (fixture, "enzyme-conserve.ode");
  wait_for_view (fixture, NULL);
  g_assert_cmpuint (currents_conservation_view_get_n_quantities (fixture->view), ==, 2);
  g_assert_cmpstr (currents_conservation_view_get_expression (fixture->view, 0), ==, "E + C");
  g_assert_cmpstr (currents_conservation_view_get_expression (fixture->view, 1), ==, "S + C + P");
  for (guint i = 0; i < 2; i++)
    {
      g_assert_cmpint (currents_conservation_view_get_source (fixture->view, i), ==,
                       CURRENTS_CONSERVATION_SOURCE_PENALTY);
      g_assert_true (isfinite (currents_conservation_view_get_drift (fixture->view, i, NULL)));
    }
  g_assert_cmpfloat (currents_conservation_view_get_start_value (fixture->view, 1), ==, 10.0);
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  currents_gui_test_load_style ();

#define ADD(path, func) \
  g_test_add ("/gui/conservation/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("enzyme", test_enzyme);
  ADD ("duffing", test_duffing);
  ADD ("slider", test_slider);
  ADD ("mapped-only", test_mapped_only);
  ADD ("reactions", test_reactions);
  ADD ("hamiltonian", test_hamiltonian);
  ADD ("penalty", test_penalty);

#undef ADD

  return g_test_run ();
}
