/* test-stability.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stability view in the window, under a display (`xvfb-run -a`):
 *
 * - the genetic toggle switch made symmetric (a1 = 3 on its slider),
 *   u' = 3/(1 + v²) − u, v' = 3/(1 + u²) − v at iptg = 0, has
 *   two stable nodes and a saddle at u = v = s, s³ + s = 3, where
 *   J = [−1, −k; −k, −1], k = 6s/(1 + s²)², so τ = −2 and Δ = 1 − k² < 0; the table
 *   matches an engine call, follows the iptg slider to one equilibrium at iptg = 2,
 *   and its selection rings the saddle in the portrait;
 * - x' = y, y' = −x: τ = 0, Δ = 1, a centre that the linearisation cannot decide;
 * - Van der Pol (μ = 1) at the origin: J = [0, 1; −1, μ], τ = 1, Δ = 1, an unstable
 *   spiral; the Brusselator (a = 1, b = 3) at (a, b/a): J = [b − 1, a²; −b, −a²],
 *   τ = 1, Δ = 1;
 * - Lorenz (σ = 10, ρ = 28, β = 8/3) at the origin, plotted in x and z: a saddle of the
 *   full system whose x–z block [−σ, 0; 0, −β] is a stable node (τ = −σ − β, Δ = σβ);
 * - the trace-determinant borderlines, and a defective J = [−2, 1; 0, −2] with its one
 *   eigen-direction;
 * - x' = 1.5, y' = −y has no equilibrium: the view says so; x' = x(1 − x) has two,
 *   with eigenvalues 1 and −1, and no phase plane;
 * - nothing is computed while the view is hidden.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes stability-*.png there.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-stability"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 60.0

typedef struct
{
  CurrentsWindow        *window;
  CurrentsPortrait      *portrait;
  CurrentsStabilityView *view;
} Fixture;

static gboolean
portrait_drawn (gpointer data)
{
  return !currents_portrait_get_busy (data) && currents_portrait_get_n_frames (data) > 0;
}

typedef struct
{
  CurrentsStabilityView *view;
  guint                  updates;
  guint                  frames;
} ViewWait;

static gboolean
view_updated (gpointer data)
{
  ViewWait *w = data;

  return currents_stability_view_get_n_updates (w->view) > w->updates
         && !currents_stability_view_get_busy (w->view);
}

static gboolean
view_drawn (gpointer data)
{
  ViewWait *w = data;
  CurrentsStabilityStats st;

  currents_stability_view_get_stats (w->view, &st);
  return st.n_linear_frames > w->frames && st.n_plane_frames > 0;
}

/* Everything computed after @updates results, then both panels drawn. */
static void
wait_for_view (Fixture                *fixture,
               guint                   updates,
               CurrentsStabilityStats *stats)
{
  ViewWait w = { fixture->view, updates, 0 };
  CurrentsStabilityStats st;

  g_assert_true (currents_gui_test_iterate_until (view_updated, &w, WAIT_SECONDS));
  currents_stability_view_get_stats (fixture->view, &st);
  w.frames = st.n_linear_frames;
  gtk_widget_queue_draw (GTK_WIDGET (fixture->view));
  for (GtkWidget *w2 = gtk_widget_get_first_child (GTK_WIDGET (fixture->view)); w2 != NULL;
       w2 = gtk_widget_get_next_sibling (w2))
    gtk_widget_queue_draw (w2);
  {
    /* the drawing areas: queue_draw on every descendant that draws */
    GSList *todo = g_slist_prepend (NULL, fixture->view);

    while (todo != NULL)
      {
        GtkWidget *widget = todo->data;

        todo = g_slist_delete_link (todo, todo);
        if (GTK_IS_DRAWING_AREA (widget))
          gtk_widget_queue_draw (widget);
        for (GtkWidget *c = gtk_widget_get_first_child (widget); c != NULL;
             c = gtk_widget_get_next_sibling (c))
          todo = g_slist_prepend (todo, c);
      }
  }
  g_assert_true (currents_gui_test_iterate_until (view_drawn, &w, WAIT_SECONDS));
  if (stats != NULL)
    currents_stability_view_get_stats (fixture->view, stats);
}

static void
show_stability (Fixture                *fixture,
                CurrentsStabilityStats *stats)
{
  guint updates = currents_stability_view_get_n_updates (fixture->view);

  g_assert_true (currents_window_show_page (fixture->window, "stability"));
  wait_for_view (fixture, updates, stats);
}

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "stability", name);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->window = currents_gui_test_window_new (1200, 760, TRUE);
  fixture->portrait = currents_window_get_portrait (fixture->window);
  fixture->view = CURRENTS_STABILITY_VIEW (currents_window_get_page (fixture->window,
                                                                     "stability"));
  g_assert_nonnull (fixture->view);
  /* the portrait lays out its view first: the neighbourhoods are fractions of it */
  g_assert_true (currents_gui_test_iterate_until (portrait_drawn, fixture->portrait, WAIT_SECONDS));
  /* a1 = 3: the symmetric switch, bistable at iptg = 0 with closed forms (the example
   * itself has a1 = 5, for its hysteresis loop) */
  g_assert_true (currents_parameter_panel_set_value (
    currents_portrait_get_parameter_panel (fixture->portrait), "a1", 3.0));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  /* the window goes away entirely, whatever is being computed: no task keeps it */
  currents_gui_test_destroy_window (&fixture->window, &fixture->view, WAIT_SECONDS);
}

static double
symmetric_root (double a)
{
  double u = 1.0;

  for (int i = 0; i < 60; i++)
    u -= (u * u * u + u - a) / (3 * u * u + 1);
  return u;
}

/* The engine's answer on the portrait's system, in the default box. */
static GPtrArray *
engine_equilibria (Fixture *fixture)
{
  CurrentsSystem *sys = currents_portrait_get_system (fixture->portrait);
  gsize n = currents_system_get_n_states (sys);
  g_autofree double *lo = g_new (double, n), *hi = g_new (double, n);
  CurrentsEquilibriaOptions o;
  g_autoptr(GError) error = NULL;
  GPtrArray *eqs;

  currents_system_get_default_box (sys, lo, hi);
  currents_equilibria_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  eqs = currents_equilibria_find (currents_system_get_field (sys), currents_system_get_params (sys),
                                  currents_system_get_inputs (sys), &o, NULL, &error);
  g_assert_no_error (error);
  return eqs;
}

static guint
find_row (Fixture                    *fixture,
          CurrentsEquilibriumType     type)
{
  for (guint r = 0; r < currents_stability_view_get_n_rows (fixture->view); r++)
    if (currents_stability_view_get_equilibrium (fixture->view, r)->type == type)
      return r;
  g_assert_not_reached ();
  return G_MAXUINT;
}

/* The toggle switch: the table against the engine, the saddle selected and ringed, the
 * slider followed. */
static void
test_toggle (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (fixture->portrait);
  CurrentsStabilityStats st;
  g_autoptr(GPtrArray) eqs = NULL;
  double s = symmetric_root (3.0), k = 6.0 * s / ((1.0 + s * s) * (1.0 + s * s));
  double tau, delta, cx, cy, hx, hy, small, large;
  guint n_stable = 0, n_saddle = 0, row, updates;
  const CurrentsEquilibrium *eq;

  show_stability (fixture, &st);
  g_assert_null (currents_stability_view_get_message (fixture->view));
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 3);

  /* the same equilibria, types and eigenvalues as the engine's */
  eqs = engine_equilibria (fixture);
  g_assert_cmpuint (eqs->len, ==, 3);
  for (guint r = 0; r < 3; r++)
    {
      const CurrentsEquilibrium *mine = currents_stability_view_get_equilibrium (fixture->view, r);
      const CurrentsEquilibrium *theirs = g_ptr_array_index (eqs, r);

      g_assert_cmpuint (mine->n, ==, 2);
      g_assert_cmpfloat_with_epsilon (mine->state[0], theirs->state[0], 1e-9);
      g_assert_cmpfloat_with_epsilon (mine->state[1], theirs->state[1], 1e-9);
      g_assert_cmpint (mine->type, ==, theirs->type);
      for (gsize j = 0; j < 2; j++)
        {
          g_assert_cmpfloat_with_epsilon (mine->eig_re[j], theirs->eig_re[j], 1e-9);
          g_assert_cmpfloat_with_epsilon (mine->eig_im[j], theirs->eig_im[j], 1e-9);
        }
      n_stable += mine->type == CURRENTS_EQUILIBRIUM_STABLE_NODE;
      n_saddle += mine->type == CURRENTS_EQUILIBRIUM_SADDLE;
    }
  g_assert_cmpuint (n_stable, ==, 2);
  g_assert_cmpuint (n_saddle, ==, 1);

  /* the saddle on the diagonal: eigenvalues −1 ± k */
  row = find_row (fixture, CURRENTS_EQUILIBRIUM_SADDLE);
  g_assert_cmpstr (currents_stability_view_get_type_label (fixture->view, row), ==, "saddle");
  eq = currents_stability_view_get_equilibrium (fixture->view, row);
  g_assert_cmpfloat_with_epsilon (eq->state[0], s, 1e-9);
  g_assert_cmpfloat_with_epsilon (eq->state[1], s, 1e-9);
  g_assert_cmpfloat_with_epsilon (eq->eig_re[0], -1.0 + k, 1e-9);
  g_assert_cmpfloat_with_epsilon (eq->eig_re[1], -1.0 - k, 1e-9);

  updates = currents_stability_view_get_n_updates (fixture->view);
  currents_stability_view_select_row (fixture->view, row);
  g_assert_cmpuint (currents_stability_view_get_selected (fixture->view), ==, row);
  wait_for_view (fixture, updates, &st);
  g_assert_true (currents_stability_view_get_trace_determinant (fixture->view, &tau, &delta));
  g_assert_cmpfloat_with_epsilon (tau, -2.0, 1e-9);
  g_assert_cmpfloat_with_epsilon (delta, 1.0 - k * k, 1e-9);
  g_assert_cmpfloat (delta, <, 0.0);
  g_assert_cmpstr (currents_stability_view_get_region (fixture->view), ==, "saddle");
  g_assert_nonnull (strstr (currents_stability_view_get_verdict (fixture->view), "Δ < 0"));

  /* ringed in the portrait where the saddle is drawn */
  g_assert_true (currents_portrait_get_highlight (fixture->portrait, &hx, &hy));
  g_assert_true (currents_portrait_data_to_canvas (fixture->portrait, s, s, &cx, &cy));
  g_assert_cmpfloat_with_epsilon (hx, cx, 1e-6);
  g_assert_cmpfloat_with_epsilon (hy, cy, 1e-6);

  /* the linearisation's drawing: 14 × 14 arrows, two eigen-directions, twelve exact
   * trajectories; all three equilibria on the trace-determinant plane */
  g_assert_cmpuint (st.n_arrows, ==, 14 * 14);
  g_assert_cmpuint (st.n_eigen_directions, ==, 2);
  g_assert_cmpuint (st.n_linear_trajectories, ==, 12);
  g_assert_cmpuint (st.n_nonlinear_trajectories, ==, 0);
  g_assert_cmpuint (st.n_plane_points, ==, 3);
  screenshot (fixture, "toggle-saddle");

  /* the model's own trajectories from the same starting points */
  currents_stability_view_set_show (fixture->view, CURRENTS_STABILITY_SHOW_BOTH);
  wait_for_view (fixture, 0, &st);
  g_assert_cmpuint (st.n_linear_trajectories, ==, 12);
  g_assert_cmpuint (st.n_nonlinear_trajectories, ==, 12);
  g_assert_cmpuint (st.n_eigen_directions, ==, 2);
  screenshot (fixture, "toggle-both");

  /* Hartman–Grobman in figures: |f(x* + y) − J y| is second order in y, so relative to
   * J y it shrinks in proportion to the neighbourhood */
  updates = currents_stability_view_get_n_updates (fixture->view);
  currents_stability_view_set_neighbourhood (fixture->view, 0.01);
  wait_for_view (fixture, updates, &st);
  small = currents_stability_view_get_discrepancy (fixture->view);
  updates = currents_stability_view_get_n_updates (fixture->view);
  currents_stability_view_set_neighbourhood (fixture->view, 0.3);
  wait_for_view (fixture, updates, &st);
  large = currents_stability_view_get_discrepancy (fixture->view);
  g_test_message ("field discrepancy: %.3g at 1%% of the view, %.3g at 30%%", small, large);
  g_assert_cmpfloat (small, <, 0.05);
  g_assert_cmpfloat (large / small, >, 10.0);
  g_assert_cmpfloat (large / small, <, 60.0);
  currents_stability_view_set_neighbourhood (fixture->view, 0.1);
  currents_stability_view_set_show (fixture->view, CURRENTS_STABILITY_SHOW_LINEAR);

  /* dark: drawn again in the dark theme without a warning */
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  wait_for_view (fixture, 0, &st);
  g_assert_cmpuint (st.n_linear_trajectories, ==, 12);
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);

  /* past the upper fold only the v-high state is left, and the selection follows */
  updates = currents_stability_view_get_n_updates (fixture->view);
  g_assert_true (currents_parameter_panel_set_value (panel, "iptg", 2.0));
  wait_for_view (fixture, updates, &st);
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 1);
  eq = currents_stability_view_get_equilibrium (fixture->view, 0);
  g_assert_cmpint (eq->type, ==, CURRENTS_EQUILIBRIUM_STABLE_NODE);
  g_assert_cmpfloat (eq->state[1], >, 2.0);
  g_assert_cmpuint (currents_stability_view_get_selected (fixture->view), ==, 0);
  g_assert_cmpstr (currents_stability_view_get_region (fixture->view), ==, "stable node");
  g_clear_pointer (&eqs, g_ptr_array_unref);
  eqs = engine_equilibria (fixture);
  g_assert_cmpuint (eqs->len, ==, 1);
  g_assert_cmpfloat_with_epsilon (eq->state[0], ((CurrentsEquilibrium *) eqs->pdata[0])->state[0],
                                  1e-9);
  g_assert_cmpfloat_with_epsilon (eq->eig_re[0], ((CurrentsEquilibrium *) eqs->pdata[0])->eig_re[0],
                                  1e-9);
  screenshot (fixture, "toggle-iptg-2");
}

/* Nothing is computed while the view is hidden; showing it catches up. */
static void
test_hidden (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (fixture->portrait);
  guint updates;

  show_stability (fixture, NULL);
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 3);
  g_assert_true (currents_window_show_page (fixture->window, "portrait"));
  currents_gui_test_pause (0.2);
  g_assert_false (gtk_widget_get_mapped (GTK_WIDGET (fixture->view)));
  updates = currents_stability_view_get_n_updates (fixture->view);
  g_assert_true (currents_parameter_panel_set_value (panel, "iptg", 2.0));
  currents_gui_test_pause (0.5);
  g_assert_cmpuint (currents_stability_view_get_n_updates (fixture->view), ==, updates);
  g_assert_false (currents_stability_view_get_busy (fixture->view));
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 3);

  show_stability (fixture, NULL);
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 1);
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
}

static void
show_example (Fixture    *fixture,
              const char *file)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "data", "examples", file,
                                                 NULL);
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_file (path, &error);

  g_assert_no_error (error);
  currents_window_show_model (fixture->window, model, file);
}

/* A linear centre: the linearisation cannot decide. */
static void
test_centre (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsStabilityStats st;
  double tau, delta;
  const CurrentsEquilibrium *eq;
  guint updates;

  show_stability (fixture, NULL);
  updates = currents_stability_view_get_n_updates (fixture->view);
  show_source (fixture, "x' = y\ny' = -x\ninit x=1, y=0\n", "centre.ode");
  wait_for_view (fixture, updates, &st);
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 1);
  eq = currents_stability_view_get_equilibrium (fixture->view, 0);
  g_assert_cmpfloat (fabs (eq->state[0]), <, 1e-12);
  g_assert_cmpfloat (fabs (eq->state[1]), <, 1e-12);
  g_assert_cmpint (eq->type, ==, CURRENTS_EQUILIBRIUM_CENTER);
  g_assert_cmpstr (currents_stability_view_get_type_label (fixture->view, 0), ==,
                   "centre (linear)");
  {
    g_autofree char *eig = currents_stability_view_format_eigenvalues (fixture->view, 0);

    g_assert_cmpstr (eig, ==, "±1i");
  }
  g_assert_cmpuint (currents_stability_view_get_selected (fixture->view), ==, 0);
  g_assert_true (currents_stability_view_get_trace_determinant (fixture->view, &tau, &delta));
  g_assert_cmpfloat (fabs (tau), <=, 1e-12);
  g_assert_cmpfloat_with_epsilon (delta, 1.0, 1e-12);
  g_assert_cmpstr (currents_stability_view_get_region (fixture->view), ==, "centre");
  g_assert_nonnull (strstr (currents_stability_view_get_verdict (fixture->view),
                            "nonlinear terms decide"));
  g_assert_nonnull (strstr (currents_stability_view_get_verdict (fixture->view),
                            "cannot decide"));
  /* complex eigenvalues: no eigen-directions; closed orbits */
  g_assert_cmpuint (st.n_eigen_directions, ==, 0);
  g_assert_cmpuint (st.n_linear_trajectories, ==, 12);
  screenshot (fixture, "centre");
}

/* No equilibrium: said in words, nothing selected. */
static void
test_none (Fixture       *fixture,
           gconstpointer  data)
{
  CurrentsStabilityStats st;
  guint updates;

  show_stability (fixture, NULL);
  updates = currents_stability_view_get_n_updates (fixture->view);
  show_source (fixture, "x' = 1.5\ny' = -y\n", "drift.ode");
  wait_for_view (fixture, updates, &st);
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 0);
  g_assert_nonnull (strstr (currents_stability_view_get_message (fixture->view),
                            "No equilibrium"));
  g_assert_cmpuint (currents_stability_view_get_selected (fixture->view), ==, G_MAXUINT);
  g_assert_false (currents_stability_view_get_trace_determinant (fixture->view, NULL, NULL));
  g_assert_null (currents_stability_view_get_region (fixture->view));
  g_assert_cmpuint (st.n_arrows, ==, 0);
  g_assert_cmpuint (st.n_plane_points, ==, 0);
}

/* One state, x' = x (1 − x): the equilibria 0 (λ = 1) and 1 (λ = −1), no phase plane. */
static void
test_one_state (Fixture       *fixture,
                gconstpointer  data)
{
  CurrentsStabilityStats st;
  const CurrentsEquilibrium *eq;
  guint updates;

  show_stability (fixture, NULL);
  updates = currents_stability_view_get_n_updates (fixture->view);
  show_source (fixture, "x' = x*(1 - x)\ninit x=0.5\n", "logistic.ode");
  wait_for_view (fixture, updates, &st);
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 2);
  eq = currents_stability_view_get_equilibrium (fixture->view, 0);
  g_assert_cmpfloat (fabs (eq->state[0]), <, 1e-12);
  g_assert_cmpfloat_with_epsilon (eq->eig_re[0], 1.0, 1e-9);
  g_assert_cmpstr (currents_stability_view_get_type_label (fixture->view, 0), ==,
                   "unstable node");
  /* one state: nothing to compute in a neighbourhood, the drawing follows at once */
  currents_stability_view_select_row (fixture->view, 1);
  wait_for_view (fixture, 0, &st);
  eq = currents_stability_view_get_equilibrium (fixture->view, 1);
  g_assert_cmpfloat_with_epsilon (eq->state[0], 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (eq->eig_re[0], -1.0, 1e-9);
  g_assert_false (currents_stability_view_get_trace_determinant (fixture->view, NULL, NULL));
  g_assert_null (currents_stability_view_get_region (fixture->view));
  g_assert_cmpuint (st.n_arrows, ==, 0);
  g_assert_cmpuint (st.n_eigenvalue_marks, ==, 1);
}

/* The borderlines of the trace-determinant plane, J row-major. */
static void
test_classify (void)
{
  static const struct
  {
    double      J[4];
    const char *region;
  } cases[] = {
    { { 1.0, 2.0, 3.0, 4.0 }, "saddle" },                       /* Δ = −2 */
    { { -3.0, 0.5, 0.0, -1.25 }, "stable node" },               /* λ = −3, −1.25 */
    { { 3.0, 0.0, 0.0, 1.0 }, "unstable node" },
    { { -1.0, -5.0, 1.0, -1.0 }, "stable spiral" },             /* −1 ± √5 i */
    { { 0.5, 2.0, -2.0, 0.5 }, "unstable spiral" },
    { { 0.0, 2.385, -1.0, 0.0 }, "centre" },                    /* τ = 0, Δ = 2.385 */
    { { -2.0, 1.0, 0.0, -2.0 }, "stable degenerate node" },     /* one eigenvector */
    { { 2.0, 0.0, 1.0, 2.0 }, "unstable degenerate node" },
    { { -2.0, 0.0, 0.0, -2.0 }, "stable star" },                /* J = −2I */
    { { 1.0, 0.0, 0.0, 0.0 }, "non-hyperbolic" },               /* a zero eigenvalue */
    { { 0.0, 0.0, 0.0, 0.0 }, "non-hyperbolic" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    g_assert_cmpstr (currents_stability_classify_jacobian (cases[i].J), ==, cases[i].region);
}

/* A defective J (x' = −2x + y, y' = −2y): one eigen-direction, exact trajectories. */
static void
test_degenerate (Fixture       *fixture,
                 gconstpointer  data)
{
  CurrentsStabilityStats st;
  double tau, delta;
  guint updates;

  show_stability (fixture, NULL);
  updates = currents_stability_view_get_n_updates (fixture->view);
  show_source (fixture, "x' = -2*x + y\ny' = -2*y\ninit x=1, y=1\n", "jordan.ode");
  wait_for_view (fixture, updates, &st);
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 1);
  g_assert_cmpint (currents_stability_view_get_equilibrium (fixture->view, 0)->type, ==,
                   CURRENTS_EQUILIBRIUM_DEGENERATE);
  g_assert_cmpstr (currents_stability_view_get_type_label (fixture->view, 0), ==,
                   "stable degenerate node / star");
  g_assert_true (currents_stability_view_get_trace_determinant (fixture->view, &tau, &delta));
  g_assert_cmpfloat (tau, ==, -4.0);
  g_assert_cmpfloat (delta, ==, 4.0);
  g_assert_cmpstr (currents_stability_view_get_region (fixture->view), ==,
                   "stable degenerate node");
  g_assert_nonnull (strstr (currents_stability_view_get_verdict (fixture->view),
                            "Degenerate node / star"));
  g_assert_cmpuint (st.n_eigen_directions, ==, 1);
  g_assert_cmpuint (st.n_linear_trajectories, ==, 12);
  screenshot (fixture, "degenerate");
}

typedef struct
{
  const char *file;
  double      x, y, tau, delta;
} SpiralCase;

/* Van der Pol and the Brusselator: unstable spirals, τ > 0 and τ² < 4Δ. */
static void
test_spiral (Fixture       *fixture,
             gconstpointer  data)
{
  const SpiralCase *c = data;
  CurrentsStabilityStats st;
  double tau, delta;
  const CurrentsEquilibrium *eq;
  g_autofree char *name = NULL;

  guint updates;

  show_stability (fixture, NULL);
  updates = currents_stability_view_get_n_updates (fixture->view);
  show_example (fixture, c->file);
  wait_for_view (fixture, updates, &st);
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 1);
  eq = currents_stability_view_get_equilibrium (fixture->view, 0);
  g_assert_cmpfloat_with_epsilon (eq->state[0], c->x, 1e-9);
  g_assert_cmpfloat_with_epsilon (eq->state[1], c->y, 1e-9);
  g_assert_cmpint (eq->type, ==, CURRENTS_EQUILIBRIUM_UNSTABLE_FOCUS);
  g_assert_cmpstr (currents_stability_view_get_type_label (fixture->view, 0), ==,
                   "unstable spiral");
  g_assert_true (currents_stability_view_get_trace_determinant (fixture->view, &tau, &delta));
  g_assert_cmpfloat_with_epsilon (tau, c->tau, 1e-9);
  g_assert_cmpfloat_with_epsilon (delta, c->delta, 1e-9);
  g_assert_cmpfloat (tau, >, 0.0);
  g_assert_cmpfloat (tau * tau, <, 4.0 * delta);
  g_assert_cmpstr (currents_stability_view_get_region (fixture->view), ==, "unstable spiral");
  /* eigenvalues τ/2 ± i √(Δ − τ²/4) */
  g_assert_cmpfloat_with_epsilon (eq->eig_re[0], 0.5 * c->tau, 1e-9);
  g_assert_cmpfloat_with_epsilon (fabs (eq->eig_im[0]), sqrt (c->delta - 0.25 * c->tau * c->tau),
                                  1e-9);
  g_assert_cmpuint (st.n_eigen_directions, ==, 0);
  g_assert_cmpuint (st.n_plane_points, ==, 1);
  name = g_strndup (c->file, strcspn (c->file, "."));
  screenshot (fixture, name);
}

/* Three states: the complex plane, and a slice that looks stable around a saddle. */
static void
test_lorenz (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsStabilityStats st;
  const double sigma = 10.0, rho = 28.0, beta = 2.6666666666666667;
  double tau, delta, c = sqrt (beta * (rho - 1.0));
  const CurrentsEquilibrium *eq;
  guint origin = G_MAXUINT, updates;

  show_stability (fixture, NULL);
  updates = currents_stability_view_get_n_updates (fixture->view);
  show_example (fixture, "lorenz.ode");
  wait_for_view (fixture, updates, &st);
  /* the origin and C± = (±√(β(ρ − 1)), ±√(β(ρ − 1)), ρ − 1) */
  g_assert_cmpuint (currents_stability_view_get_n_rows (fixture->view), ==, 3);
  eq = currents_stability_view_get_equilibrium (fixture->view, 0);
  g_assert_cmpfloat_with_epsilon (eq->state[0], -c, 1e-8);
  g_assert_cmpfloat_with_epsilon (eq->state[2], rho - 1.0, 1e-8);
  for (guint r = 0; r < 3; r++)
    if (fabs (currents_stability_view_get_equilibrium (fixture->view, r)->state[0]) < 1e-9)
      origin = r;
  g_assert_cmpuint (origin, ==, 1);

  updates = currents_stability_view_get_n_updates (fixture->view);
  currents_stability_view_select_row (fixture->view, origin);
  wait_for_view (fixture, updates, &st);
  eq = currents_stability_view_get_equilibrium (fixture->view, origin);
  g_assert_cmpint (eq->type, ==, CURRENTS_EQUILIBRIUM_SADDLE);
  /* λ = −β and (−(σ + 1) ± √((σ + 1)² − 4σ(1 − ρ)))/2 */
  g_assert_cmpfloat_with_epsilon (eq->eig_re[0],
                                  0.5 * (-(sigma + 1) + sqrt ((sigma + 1) * (sigma + 1)
                                                              - 4 * sigma * (1 - rho))), 1e-9);
  g_assert_true (currents_stability_view_get_trace_determinant (fixture->view, &tau, &delta));
  g_assert_cmpfloat_with_epsilon (tau, -sigma - beta, 1e-9);
  g_assert_cmpfloat_with_epsilon (delta, sigma * beta, 1e-9);
  g_assert_cmpstr (currents_stability_view_get_region (fixture->view), ==, "stable node");
  g_assert_nonnull (strstr (currents_stability_view_get_verdict (fixture->view), "Saddle"));
  /* the eigenvalues in the complex plane instead of the trace-determinant plane */
  g_assert_cmpuint (st.n_eigenvalue_marks, ==, 3);
  g_assert_cmpuint (st.n_eigen_directions, ==, 2);
  screenshot (fixture, "lorenz");
}

static const SpiralCase vanderpol = { "vanderpol.ode", 0.0, 0.0, 1.0, 1.0 };
static const SpiralCase brusselator = { "brusselator.ode", 1.0, 3.0, 1.0, 1.0 };

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  currents_gui_test_load_style ();

  g_test_add_func ("/gui/stability/classify", test_classify);

#define ADD(path, func, data) \
  g_test_add ("/gui/stability/" path, Fixture, data, fixture_set_up, func, fixture_tear_down)

  ADD ("toggle", test_toggle, NULL);
  ADD ("hidden", test_hidden, NULL);
  ADD ("centre", test_centre, NULL);
  ADD ("degenerate", test_degenerate, NULL);
  ADD ("none", test_none, NULL);
  ADD ("one-state", test_one_state, NULL);
  ADD ("vanderpol", test_spiral, &vanderpol);
  ADD ("brusselator", test_spiral, &brusselator);
  ADD ("lorenz", test_lorenz, NULL);

#undef ADD

  return g_test_run ();
}
