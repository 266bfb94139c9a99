/* test-phase.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Phase-plane geometry against analytic answers:
 *
 *   nullclines of x' = 1.3x − 0.7y + 0.4, y' = 0.45x + 1.1y − 0.9: straight lines
 *   the FitzHugh–Nagumo cubic w = v − v³/3 + I: one connected curve
 *   x' = x² + y² − 1: the unit circle, a closed polyline
 *   (x − 0.123)(y − 0.321) = 0: crossing branches, an ambiguous cell reported
 *   trajectories of x' = Ax against the simulator; x' = y, y' = −x: x = r cos t
 *   the undamped pendulum: its saddle (π, 0) has eigenvector (1, √(g/l)) for +√(g/l); the
 *     separatrices lie on E = ½ω² + (g/l)(1 − cos θ) = 2g/l and the unstable one comes to
 *     (−π, 0)
 *   the symmetric toggle switch: u > v goes to the u-high node, u < v to the v-high one
 *   Van der Pol: every cell but the unstable focus goes to the limit cycle, T = 6.6632868593
 *
 * and every error path.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>
#include <gsl/gsl_errno.h>

#include "currents-engine.h"
#include "currents-equilibria.h"
#include "currents-phase.h"

/* The toggle switch with a1 = a2 = 3, whose equilibria have closed forms (the example
 * itself is asymmetric, for its hysteresis loop); relative to data/examples. */
#define SYMMETRIC_TOGGLE "../../tests/data/toggle-symmetric.ode"

static CurrentsSystem *
load_string (const char *src)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *m = currents_model_new_from_string (src, "test.ode", &error);

  g_assert_no_error (error);
  return currents_system_new_from_model (m);
}

static CurrentsSystem *
load_example (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples", name,
                                            NULL);
  CurrentsSystem *s = currents_system_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (s);
  return s;
}

static CurrentsPhasePlane *
plane_for (CurrentsSystem *sys,
           double          xlo,
           double          xhi,
           double          ylo,
           double          yhi)
{
  g_autoptr(GError) error = NULL;
  double view[4] = { xlo, xhi, ylo, yhi };
  CurrentsPhasePlane *pl = currents_phase_plane_new_for_system (sys, NULL, NULL, view, &error);

  g_assert_no_error (error);
  g_assert_nonnull (pl);
  return pl;
}

static void
eval2 (const CurrentsPhasePlane *pl,
       const double             *xy,
       double                   *g)
{
  g_autoptr(CurrentsFieldWorkspace) ws =
    currents_field_workspace_new (currents_phase_plane_get_field (pl));
  currents_field_eval (ws, 0.0, xy, currents_phase_plane_get_inputs (pl),
                       currents_phase_plane_get_params (pl), g);
}

static double
max_residual (const CurrentsPhasePlane *pl,
              const CurrentsPolyline   *line,
              int                       k)
{
  double worst = 0.0;

  for (gsize i = 0; i < line->n_points; i++)
    {
      double g[2];
      eval2 (pl, line->xy + 2 * i, g);
      worst = MAX (worst, fabs (g[k]));
    }
  return worst;
}

static void
print_warnings (const CurrentsNullclines *nc)
{
  for (guint i = 0; i < nc->warnings->len; i++)
    g_test_message ("warning: %s", (const char *) g_ptr_array_index (nc->warnings, i));
}

static gboolean
on_border (const double *view,
           const double *xy)
{
  const double tol = 1e-12 * (view[1] - view[0] + view[3] - view[2]);
  return fabs (xy[0] - view[0]) < tol || fabs (xy[0] - view[1]) < tol ||
         fabs (xy[1] - view[2]) < tol || fabs (xy[1] - view[3]) < tol;
}

static void
test_nullclines_linear (void)
{
  g_autoptr(CurrentsSystem) sys = load_string ("x' = 1.3*x - 0.7*y + 0.4\n"
                                               "y' = 0.45*x + 1.1*y - 0.9\n");
  g_autoptr(CurrentsPhasePlane) pl = plane_for (sys, -3, 3, -2.5, 2.5);
  g_autoptr(CurrentsNullclines) nc = NULL;
  g_autoptr(GError) error = NULL;
  double view[4];

  currents_phase_plane_get_view (pl, view);
  nc = currents_phase_nullclines (pl, 32, 4, NULL, &error);
  g_assert_no_error (error);
  print_warnings (nc);
  g_assert_cmpuint (nc->warnings->len, ==, 0);
  for (int k = 0; k < 2; k++)
    {
      const CurrentsPolyline *line;
      const double a[2] = { 1.3, 0.45 }, b[2] = { -0.7, 1.1 };

      g_assert_cmpuint (nc->curves[k]->len, ==, 1);
      line = g_ptr_array_index (nc->curves[k], 0);
      g_assert_false (line->closed);
      g_assert_cmpuint (line->n_points, >, 50);
      g_assert_cmpfloat (max_residual (pl, line, k), <=, 1e-10);
      /* straight: every point on the line through the ends, which lie on the border */
      g_assert_true (on_border (view, line->xy));
      g_assert_true (on_border (view, line->xy + 2 * (line->n_points - 1)));
      for (gsize i = 0; i < line->n_points; i++)
        {
          const double *q = line->xy + 2 * i;
          double c = k == 0 ? 0.4 : -0.9;
          g_assert_cmpfloat (fabs (a[k] * q[0] + b[k] * q[1] + c) / hypot (a[k], b[k]), <,
                             1e-10);
        }
    }
}

static void
test_nullclines_cubic (void)
{
  g_autoptr(CurrentsSystem) sys = load_string ("par I=0.5, a=0.7, b=0.8, eps=0.08\n"
                                               "v' = v - v^3/3 - w + I\n"
                                               "w' = eps*(v + a - b*w)\n");
  g_autoptr(CurrentsPhasePlane) pl = plane_for (sys, -2.5, 2.5, -1, 2);
  g_autoptr(CurrentsNullclines) nc = NULL;
  g_autoptr(GError) error = NULL;
  const CurrentsPolyline *cubic;
  gint64 start = g_get_monotonic_time ();

  nc = currents_phase_nullclines (pl, 0, 0, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("FHN nullclines: %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  print_warnings (nc);
  g_assert_cmpuint (nc->curves[0]->len, ==, 1);
  cubic = g_ptr_array_index (nc->curves[0], 0);
  g_assert_false (cubic->closed);
  g_assert_cmpfloat (max_residual (pl, cubic, 0), <=, 1e-10);
  /* it runs from the top to the bottom of the view through both knees */
  {
    double ymin = INFINITY, ymax = -INFINITY, xmin = INFINITY, xmax = -INFINITY;
    for (gsize i = 0; i < cubic->n_points; i++)
      {
        xmin = MIN (xmin, cubic->xy[2 * i]);
        xmax = MAX (xmax, cubic->xy[2 * i]);
        ymin = MIN (ymin, cubic->xy[2 * i + 1]);
        ymax = MAX (ymax, cubic->xy[2 * i + 1]);
      }
    g_assert_cmpfloat_with_epsilon (ymin, -1.0, 1e-12);
    g_assert_cmpfloat_with_epsilon (ymax, 2.0, 1e-12);
    g_assert_cmpfloat (xmin, <, -1.9);
    g_assert_cmpfloat (xmax, >, 2.1);
  }
  g_assert_cmpuint (nc->curves[1]->len, ==, 1);
  g_assert_cmpfloat (max_residual (pl, g_ptr_array_index (nc->curves[1], 0), 1), <=, 1e-10);
}

static void
test_nullclines_circle (void)
{
  g_autoptr(CurrentsSystem) sys = load_string ("x' = x^2 + y^2 - 1\n"
                                               "y' = x - 0.3\n");
  g_autoptr(CurrentsPhasePlane) pl = plane_for (sys, -2, 2.2, -1.7, 1.9);
  g_autoptr(CurrentsNullclines) nc = NULL;
  g_autoptr(GError) error = NULL;
  const CurrentsPolyline *circle;

  nc = currents_phase_nullclines (pl, 16, 4, NULL, &error);
  g_assert_no_error (error);
  print_warnings (nc);
  g_assert_cmpuint (nc->curves[0]->len, ==, 1);
  circle = g_ptr_array_index (nc->curves[0], 0);
  g_assert_true (circle->closed);
  g_assert_cmpfloat (circle->xy[0], ==, circle->xy[2 * circle->n_points - 2]);
  g_assert_cmpfloat (circle->xy[1], ==, circle->xy[2 * circle->n_points - 1]);
  g_assert_cmpuint (circle->n_points, >, 100);
  for (gsize i = 0; i < circle->n_points; i++)
    g_assert_cmpfloat (fabs (hypot (circle->xy[2 * i], circle->xy[2 * i + 1]) - 1.0), <, 1e-8);

  /* a grid line at x = 0.9999 cuts the circle twice inside one edge (y = ±0.0141): the
   * tangency is reported and the gap bridged, so the curve stays one closed polyline */
  {
    g_autoptr(CurrentsPhasePlane) pt = plane_for (sys, -2, -2 + 2.9999 * 64 / 48, -1.828125,
                                                  1.771875);
    g_autoptr(CurrentsNullclines) nt = currents_phase_nullclines (pt, 16, 4, NULL, &error);
    gboolean tangent = FALSE;

    g_assert_no_error (error);
    print_warnings (nt);
    for (guint i = 0; i < nt->warnings->len; i++)
      tangent |= strstr (g_ptr_array_index (nt->warnings, i), "tangent") != NULL;
    g_assert_true (tangent);
    g_assert_cmpuint (nt->curves[0]->len, ==, 1);
    circle = g_ptr_array_index (nt->curves[0], 0);
    g_assert_true (circle->closed);
    for (gsize i = 0; i < circle->n_points; i++)
      g_assert_cmpfloat (fabs (hypot (circle->xy[2 * i], circle->xy[2 * i + 1]) - 1.0), <,
                         1e-8);
  }

  /* a circle smaller than a coarse cell is still found */
  {
    g_autoptr(CurrentsSystem) small = load_string ("x' = (x-0.31)^2 + (y+0.17)^2 - 0.0009\n"
                                                   "y' = x - y\n");
    g_autoptr(CurrentsPhasePlane) ps = plane_for (small, -1, 1, -1, 1);
    g_autoptr(CurrentsNullclines) ns = currents_phase_nullclines (ps, 8, 16, NULL, &error);

    g_assert_no_error (error);
    g_assert_cmpuint (ns->curves[0]->len, ==, 1);
    circle = g_ptr_array_index (ns->curves[0], 0);
    g_assert_true (circle->closed);
    for (gsize i = 0; i < circle->n_points; i++)
      g_assert_cmpfloat (fabs (hypot (circle->xy[2 * i] - 0.31, circle->xy[2 * i + 1] + 0.17) -
                               0.03), <, 1e-8);
  }
}

static void
test_nullclines_saddle (void)
{
  g_autoptr(CurrentsSystem) sys = load_string ("x' = (x - 0.123)*(y - 0.321)\n"
                                               "y' = x + y\n");
  g_autoptr(CurrentsPhasePlane) pl = plane_for (sys, -1, 1, -1, 1);
  g_autoptr(CurrentsNullclines) nc = NULL;
  g_autoptr(GError) error = NULL;
  gboolean saddle = FALSE;

  nc = currents_phase_nullclines (pl, 10, 3, NULL, &error);
  g_assert_no_error (error);
  print_warnings (nc);
  for (guint i = 0; i < nc->warnings->len; i++)
    if (strstr (g_ptr_array_index (nc->warnings, i), "saddle") != NULL)
      saddle = TRUE;
  g_assert_true (saddle);
  /* two lines cut at the crossing: four pieces (or fewer when joined through it) */
  g_assert_cmpuint (nc->curves[0]->len, >=, 2);
  g_assert_cmpuint (nc->curves[0]->len, <=, 4);
  for (guint c = 0; c < nc->curves[0]->len; c++)
    g_assert_cmpfloat (max_residual (pl, g_ptr_array_index (nc->curves[0], c), 0), <=, 1e-10);
}

static void
test_trajectory (void)
{
  g_autoptr(CurrentsSystem) sys = load_string ("x' = -1.3*x + 0.4*y\n"
                                               "y' = 0.2*x - 0.9*y\n");
  g_autoptr(CurrentsPhasePlane) pl = plane_for (sys, -2, 2, -2, 2);
  g_autoptr(CurrentsPhaseTrajectory) fwd = NULL, bwd = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autofree double *out = NULL;
  CurrentsTrajectoryOptions to;
  double start[2] = { 1.385, -0.62 };
  double box[4] = { -2.2, 2.2, -2.2, 2.2 };
  double worst = 0.0;

  currents_trajectory_options_init (&to);
  fwd = currents_phase_trajectory (pl, start, 1, &to, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (fwd->stopped, ==, CURRENTS_PHASE_STOP_EQUILIBRIUM);
  g_assert_cmpstr (currents_phase_stop_to_string (fwd->stopped), ==, "equilibrium");
  g_assert_cmpint (fwd->direction, ==, 1);
  g_assert_cmpfloat (fwd->t[0], ==, 0.0);
  g_assert_cmpfloat (hypot (fwd->xy[2 * fwd->n_points - 2], fwd->xy[2 * fwd->n_points - 1]), <,
                     1e-4);
  /* the simulator at the same times */
  sim = currents_simulator_new (currents_phase_plane_get_field (pl), &to.sim);
  out = g_new (double, 2 * fwd->n_points);
  g_assert_true (currents_simulator_run (sim, start, currents_phase_plane_get_params (pl), NULL,
                                         0.0, fwd->t + 1, fwd->n_points - 1, out + 2, NULL,
                                         NULL, &error));
  g_assert_no_error (error);
  for (gsize k = 1; k < fwd->n_points; k++)
    worst = MAX (worst, hypot (out[2 * k] - fwd->xy[2 * k], out[2 * k + 1] - fwd->xy[2 * k + 1]));
  g_test_message ("forward: %" G_GSIZE_FORMAT " points, max deviation from the simulator %.3g",
                  fwd->n_points, worst);
  g_assert_cmpfloat (worst, <, 1e-9);

  bwd = currents_phase_trajectory (pl, start, -1, &to, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (bwd->stopped, ==, CURRENTS_PHASE_STOP_EDGE);
  g_assert_cmpfloat (bwd->t[bwd->n_points - 1], <, 0.0);
  for (gsize k = 1; k < bwd->n_points; k++)
    g_assert_cmpfloat (bwd->t[k], <, bwd->t[k - 1]);
  {
    const double *last = bwd->xy + 2 * (bwd->n_points - 1);
    g_assert_true (on_border (box, last));
  }

  /* the harmonic oscillator stops on time: x = r cos t, y = −r sin t */
  {
    g_autoptr(CurrentsSystem) ho = load_string ("x' = y\ny' = -x\n");
    g_autoptr(CurrentsPhasePlane) ph = plane_for (ho, -1, 1, -1, 1);
    g_autoptr(CurrentsPhaseTrajectory) tr = NULL;
    double p0[2] = { 0.5, 0.0 };
    const double *q;

    to.t_max = 3.7;
    tr = currents_phase_trajectory (ph, p0, 1, &to, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (tr->stopped, ==, CURRENTS_PHASE_STOP_TIME);
    g_assert_cmpfloat (tr->t[tr->n_points - 1], ==, 3.7);
    q = tr->xy + 2 * (tr->n_points - 1);
    g_assert_cmpfloat_with_epsilon (q[0], 0.5 * cos (3.7), 1e-9);
    g_assert_cmpfloat_with_epsilon (q[1], -0.5 * sin (3.7), 1e-9);
    /* smooth: many points per turn */
    g_assert_cmpuint (tr->n_points, >, 100);
  }

  /* x' = x² blows up at t = 1 */
  {
    g_autoptr(CurrentsSystem) bu = load_string ("x' = x^2\ny' = 0\n");
    g_autoptr(CurrentsPhasePlane) pb = plane_for (bu, 0, 2, -1, 1);
    g_autoptr(CurrentsPhaseTrajectory) tr = NULL;
    double p0[2] = { 1.0, 0.0 };

    to.t_max = 10;
    to.margin = 1e300;
    tr = currents_phase_trajectory (pb, p0, 1, &to, NULL, &error);
    g_assert_no_error (error);
    g_assert_cmpint (tr->stopped, ==, CURRENTS_PHASE_STOP_BLOW_UP);
    g_assert_cmpfloat (tr->t[tr->n_points - 1], <, 1.0);
  }
}

static double
pendulum_energy (const double *q)
{
  return 0.5 * q[1] * q[1] + 9.81 * (1 - cos (q[0]));
}

static void
test_separatrices (void)
{
  g_autoptr(CurrentsSystem) sys = load_example ("pendulum.ode");
  g_autoptr(CurrentsPhasePlane) pl = NULL;
  g_autoptr(GPtrArray) seps = NULL;
  g_autoptr(GError) error = NULL;
  const CurrentsSeparatrix *sep = NULL;
  const double sg = sqrt (9.81);
  CurrentsTrajectoryOptions to;

  g_assert_true (currents_system_set (sys, "b", 0.0, &error));
  pl = currents_phase_plane_new_for_system (sys, "theta", "omega", NULL, &error);
  g_assert_no_error (error);
  currents_trajectory_options_init (&to);
  to.t_max = 20;
  seps = currents_phase_separatrices (pl, NULL, 0, &to, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seps->len, ==, 2);  /* (−π, 0) and (π, 0) in −7 … 7 */
  for (guint s = 0; s < seps->len; s++)
    {
      const CurrentsSeparatrix *cand = g_ptr_array_index (seps, s);
      if (cand->saddle[0] > 0)
        sep = cand;
    }
  g_assert_nonnull (sep);
  g_assert_cmpfloat_with_epsilon (sep->saddle[0], G_PI, 1e-12);
  g_assert_cmpfloat_with_epsilon (sep->saddle[1], 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (sep->eig_unstable, sg, 1e-10);
  g_assert_cmpfloat_with_epsilon (sep->eig_stable, -sg, 1e-10);
  /* eigenvectors (1, ±√g)/‖·‖ up to sign */
  g_assert_cmpfloat_with_epsilon (fabs (sep->v_unstable[0] * sg - sep->v_unstable[1] * 1.0) /
                                  hypot (1, sg), 0.0, 1e-10);
  g_assert_cmpfloat_with_epsilon (fabs (sep->v_stable[0] * sg + sep->v_stable[1]) /
                                  hypot (1, sg), 0.0, 1e-10);

  for (int br = 0; br < 4; br++)
    {
      const CurrentsPhaseTrajectory *tr = sep->branches[br];
      const double *v = br < 2 ? sep->v_unstable : sep->v_stable;
      double d[2], cosang, worst = 0.0;

      g_assert_cmpint (tr->direction, ==, br < 2 ? 1 : -1);
      g_assert_cmpuint (tr->n_points, >, 10);
      /* leaves along ± the eigenvector */
      d[0] = tr->xy[0] - sep->saddle[0];
      d[1] = tr->xy[1] - sep->saddle[1];
      cosang = (d[0] * v[0] + d[1] * v[1]) / hypot (d[0], d[1]);
      g_assert_cmpfloat (fabs (cosang), >, 1.0 - 1e-12);
      d[0] = tr->xy[2 * 5] - tr->xy[0];
      d[1] = tr->xy[2 * 5 + 1] - tr->xy[1];
      cosang = (d[0] * v[0] + d[1] * v[1]) / hypot (d[0], d[1]);
      g_assert_cmpfloat (fabs (cosang), >, 0.999);
      for (gsize k = 0; k < tr->n_points; k++)
        worst = MAX (worst, fabs (pendulum_energy (tr->xy + 2 * k) - 2 * 9.81));
      g_test_message ("branch %d: %" G_GSIZE_FORMAT " points, stopped %s, energy error %.3g",
                      br, tr->n_points, currents_phase_stop_to_string (tr->stopped), worst);
      g_assert_cmpfloat (worst, <, 1e-6);
    }
  /* the unstable branch going left reaches (−π, 0) */
  {
    const CurrentsPhaseTrajectory *tr = sep->branches[sep->v_unstable[0] > 0 ? 1 : 0];
    double dmin = INFINITY;

    for (gsize k = 0; k < tr->n_points; k++)
      dmin = MIN (dmin, hypot (tr->xy[2 * k] + G_PI, tr->xy[2 * k + 1]));
    g_test_message ("closest approach to (−π, 0): %.3g", dmin);
    g_assert_cmpfloat (dmin, <, 1e-3);
  }
}

static void
test_basins_toggle (void)
{
  g_autoptr(CurrentsSystem) sys = load_example (SYMMETRIC_TOGGLE);
  g_autoptr(CurrentsPhasePlane) pl = plane_for (sys, 0, 3.5, 0, 3.5);
  g_autoptr(CurrentsBasins) b1 = NULL, b3 = NULL, b8 = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsBasinsOptions bo;
  const CurrentsAttractor *low_u, *high_u;
  const gsize N = 24;
  gint64 start;

  currents_basins_options_init (&bo);
  bo.nx = bo.ny = N;
  bo.n_threads = 1;
  start = g_get_monotonic_time ();
  b1 = currents_phase_basins (pl, &bo, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("toggle basins %" G_GSIZE_FORMAT "², 1 thread: %.1f ms", N,
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (b1->attractors->len, ==, 2);
  low_u = g_ptr_array_index (b1->attractors, 0);
  high_u = g_ptr_array_index (b1->attractors, 1);
  g_assert_cmpint (low_u->kind, ==, CURRENTS_ATTRACTOR_EQUILIBRIUM);
  g_assert_cmpfloat (low_u->state[0], <, low_u->state[1]);
  g_assert_cmpfloat (high_u->state[0], >, high_u->state[1]);
  /* symmetric: (u, v) ↔ (v, u) */
  g_assert_cmpfloat_with_epsilon (low_u->state[0], high_u->state[1], 1e-10);
  for (gsize j = 0; j < N; j++)
    for (gsize i = 0; i < N; i++)
      {
        int l = b1->labels[j * N + i];
        if (i > j)
          g_assert_cmpint (l, ==, 1);
        else if (i < j)
          g_assert_cmpint (l, ==, 0);
        else
          g_assert_cmpint (l, ==, CURRENTS_BASIN_OTHER);  /* the saddle's stable manifold */
      }

  bo.n_threads = 3;
  start = g_get_monotonic_time ();
  b3 = currents_phase_basins (pl, &bo, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("3 threads: %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  bo.n_threads = 8;
  b8 = currents_phase_basins (pl, &bo, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (b1->labels, N * N * sizeof (int), b3->labels, N * N * sizeof (int));
  g_assert_cmpmem (b1->labels, N * N * sizeof (int), b8->labels, N * N * sizeof (int));
}

static void
test_basins_vanderpol (void)
{
  g_autoptr(CurrentsSystem) sys = load_example ("vanderpol.ode");
  g_autoptr(CurrentsPhasePlane) pl = plane_for (sys, -3, 3, -4, 4);
  g_autoptr(CurrentsBasins) b = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsBasinsOptions bo;
  const CurrentsAttractor *at;
  gint64 start = g_get_monotonic_time ();

  currents_basins_options_init (&bo);
  bo.nx = 8;
  bo.ny = 10;
  b = currents_phase_basins (pl, &bo, NULL, &error);
  g_assert_no_error (error);
  g_test_message ("Van der Pol basins 8×10: %.1f ms", (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpuint (b->attractors->len, ==, 1);
  at = g_ptr_array_index (b->attractors, 0);
  g_assert_cmpint (at->kind, ==, CURRENTS_ATTRACTOR_LIMIT_CYCLE);
  g_assert_cmpfloat_with_epsilon (at->orbit->period, 6.6632868593, 1e-9);
  g_assert_true (at->curve->closed);
  for (gsize c = 0; c < 80; c++)
    g_assert_cmpint (b->labels[c], ==, 0);
}

static void
test_limit_cycle (void)
{
  g_autoptr(CurrentsSystem) sys = load_example ("vanderpol.ode");
  g_autoptr(CurrentsPhasePlane) pl = plane_for (sys, -3, 3, -4, 4);
  g_autoptr(CurrentsPeriodicOrbit) orbit = NULL;
  g_autoptr(CurrentsPolyline) curve = NULL;
  g_autoptr(GError) error = NULL;
  double p0[2] = { 0.1, 0.0 };

  orbit = currents_phase_limit_cycle (pl, p0, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (orbit);
  g_assert_cmpfloat_with_epsilon (orbit->period, 6.6632868593, 1e-9);
  g_assert_true (orbit->stable);
  curve = currents_phase_orbit_curve (pl, orbit, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (curve->closed);
  g_assert_cmpuint (curve->n_points, >=, 200);
  for (gsize k = 0; k < curve->n_points; k++)
    g_assert_cmpfloat (fabs (curve->xy[2 * k]), <=, 2.00861986 + 1e-7);

  /* the damped pendulum settles: no cycle */
  {
    g_autoptr(CurrentsSystem) pend = load_example ("pendulum.ode");
    g_autoptr(CurrentsPhasePlane) pp = plane_for (pend, -7, 7, -8, 8);
    g_autoptr(CurrentsPeriodicOrbit) none = NULL;
    double q0[2] = { 2.5, 0.0 };

    none = currents_phase_limit_cycle (pp, q0, 300, NULL, &error);
    g_assert_no_error (error);
    g_assert_null (none);
  }
}

static void
test_slice (void)
{
  /* a 3-D model seen in the (y, x) plane with z = 0.7 */
  g_autoptr(CurrentsSystem) sys = load_string ("par k=1.3\n"
                                               "x' = -k*x + y + z\n"
                                               "y' = -2*y + z^2 + x*y\n"
                                               "z' = -z\n"
                                               "init x=0.1, y=0.2, z=0.7\n");
  g_autoptr(CurrentsPhasePlane) pl = NULL;
  g_autoptr(CurrentsNullclines) nc = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  double view[4] = { -1, 1, -1.5, 1.5 };
  double xy[2] = { 0.37, -0.41 }, g[2], J[4], full[3];
  gsize ax, ay;

  pl = currents_phase_plane_new_for_system (sys, "y", "x", view, &error);
  g_assert_no_error (error);
  currents_phase_plane_get_axes (pl, &ax, &ay);
  g_assert_cmpuint (ax, ==, 1);
  g_assert_cmpuint (ay, ==, 0);
  currents_phase_plane_embed (pl, xy, full);
  g_assert_cmpfloat (full[0], ==, -0.41);
  g_assert_cmpfloat (full[1], ==, 0.37);
  g_assert_cmpfloat (full[2], ==, 0.7);
  ws = currents_field_workspace_new (currents_phase_plane_get_field (pl));
  currents_field_jacobian (ws, 0.0, xy, NULL, currents_phase_plane_get_params (pl), g, J, NULL);
  /* g = (y', x') at x = −0.41, y = 0.37, z = 0.7 */
  g_assert_cmpfloat_with_epsilon (g[0], -2 * 0.37 + 0.49 + (-0.41 * 0.37), 1e-15);
  g_assert_cmpfloat_with_epsilon (g[1], -1.3 * -0.41 + 0.37 + 0.7, 1e-15);
  g_assert_cmpfloat_with_epsilon (J[0], -2 + -0.41, 1e-15);  /* ∂y'/∂y */
  g_assert_cmpfloat_with_epsilon (J[1], 0.37, 1e-15);        /* ∂y'/∂x */
  g_assert_cmpfloat_with_epsilon (J[2], 1.0, 1e-15);         /* ∂x'/∂y */
  g_assert_cmpfloat_with_epsilon (J[3], -1.3, 1e-15);        /* ∂x'/∂x */

  nc = currents_phase_nullclines (pl, 20, 4, NULL, &error);
  g_assert_no_error (error);
  /* x' = 0: x = (y + 0.7)/1.3, a line */
  g_assert_cmpuint (nc->curves[1]->len, ==, 1);
  {
    const CurrentsPolyline *line = g_ptr_array_index (nc->curves[1], 0);
    for (gsize i = 0; i < line->n_points; i++)
      g_assert_cmpfloat (fabs (line->xy[2 * i + 1] - (line->xy[2 * i] + 0.7) / 1.3), <, 1e-12);
  }
}

static void
test_errors (void)
{
  g_autoptr(CurrentsSystem) sys = load_example ("vanderpol.ode");
  g_autoptr(CurrentsSystem) nonauto = load_string ("x' = -x + sin(t)\ny' = -y\n");
  g_autoptr(CurrentsSystem) one = load_string ("x' = -x\n");
  g_autoptr(CurrentsPhasePlane) pl = plane_for (sys, -3, 3, -4, 4);
  g_autoptr(CurrentsPhasePlane) pn = plane_for (nonauto, -1, 1, -1, 1);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  CurrentsBasinsOptions bo;
  CurrentsTrajectoryOptions to;
  GError *error = NULL;
  double bad[4] = { 1, 1, -1, 1 };
  double p0[2] = { 0.3, 0.2 };

  /* zero width */
  g_assert_null (currents_phase_plane_new_for_system (sys, NULL, NULL, bad, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "width"));
  g_clear_error (&error);
  bad[1] = NAN;
  g_assert_null (currents_phase_plane_new (currents_system_get_field (sys), NULL, NULL, 0, 0, 1,
                                           NULL, bad, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* not a state */
  g_assert_null (currents_phase_plane_new_for_system (sys, "mu", NULL, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'mu' is not a state variable"));
  g_assert_nonnull (strstr (error->message, "x, y"));
  g_clear_error (&error);
  g_assert_null (currents_phase_plane_new_for_system (sys, "x", "x", NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_phase_plane_new_for_system (one, NULL, NULL, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* basins of a non-autonomous model */
  currents_basins_options_init (&bo);
  g_assert_null (currents_phase_basins (pn, &bo, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "autonomous"));
  g_clear_error (&error);
  bo.nx = 0;
  g_assert_null (currents_phase_basins (pl, &bo, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* nullcline grid, trajectory arguments */
  g_assert_null (currents_phase_nullclines (pl, 1, 1, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_phase_nullclines (pl, 5000, 4, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_phase_trajectory (pl, p0, 0, NULL, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  currents_trajectory_options_init (&to);
  to.t_max = -1;
  g_assert_null (currents_phase_trajectory (pl, p0, 1, &to, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_phase_separatrices (pl, NULL, 0.5, NULL, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* a non-autonomous model has nullclines at its t0, said so */
  {
    g_autoptr(CurrentsNullclines) nc = currents_phase_nullclines (pn, 8, 2, NULL, &error);
    gboolean said = FALSE;
    g_assert_no_error (error);
    for (guint i = 0; i < nc->warnings->len; i++)
      said |= strstr (g_ptr_array_index (nc->warnings, i), "depends on t") != NULL;
    g_assert_true (said);
  }

  /* cancellation */
  g_cancellable_cancel (cancel);
  currents_basins_options_init (&bo);
  g_assert_null (currents_phase_basins (pl, &bo, cancel, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_null (currents_phase_nullclines (pl, 0, 0, cancel, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
  g_clear_error (&error);
  currents_trajectory_options_init (&to);
  to.t_max = 1e4;
  g_assert_null (currents_phase_trajectory (pl, p0, 1, &to, cancel, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
  g_clear_error (&error);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/phase/nullclines/linear", test_nullclines_linear);
  g_test_add_func ("/engine/phase/nullclines/cubic", test_nullclines_cubic);
  g_test_add_func ("/engine/phase/nullclines/circle", test_nullclines_circle);
  g_test_add_func ("/engine/phase/nullclines/saddle", test_nullclines_saddle);
  g_test_add_func ("/engine/phase/trajectory", test_trajectory);
  g_test_add_func ("/engine/phase/separatrices", test_separatrices);
  g_test_add_func ("/engine/phase/basins/toggle", test_basins_toggle);
  g_test_add_func ("/engine/phase/basins/vanderpol", test_basins_vanderpol);
  g_test_add_func ("/engine/phase/limit-cycle", test_limit_cycle);
  g_test_add_func ("/engine/phase/slice", test_slice);
  g_test_add_func ("/engine/phase/errors", test_errors);
  return g_test_run ();
}
