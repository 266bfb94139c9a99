/* currents-phase.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Phase-plane geometry of the planar field
 *
 *   g(t, ξ, η) = (f_a(t, x), f_b(t, x)),   x_a = ξ, x_b = η, x_i = fixed_i (i ≠ a, b),
 *   ∂g/∂(ξ, η) = [[J_aa, J_ab], [J_ba, J_bb]]  (the 2×2 block of the exact Jacobian).
 *
 * Nullclines g_k = 0 (k = 0, 1): marching squares. A coarse G×G grid flags the cells a
 * curve may enter — a sign change at the corners, or |g_k(c)| ≤ 1.5 (|∂ξ g_k| Δξ/2 +
 * |∂η g_k| Δη/2) at the centre c (the linearisation can vanish in the cell: catches small
 * closed curves) — and each flagged cell's r×r fine cells seed a walk that follows the
 * curve cell by cell on the fine grid (a neighbour is visited when the curve crosses the
 * shared edge). Each crossing of a fine edge, interpolated linearly, is projected onto
 * g_k = 0 by Newton along the gradient, p ← p − g_k ∇g_k / |∇g_k|² (along the edge on the
 * view's border, so curves end exactly on it). Segments share their edge's crossing, so
 * they join into polylines exactly; an edge has at most two segments, so every curve is
 * a simple path or a cycle. A cell with four crossings (a saddle of g_k, or two branches
 * crossing) is resolved by the value at its centre; a fine edge whose ends have one sign
 * but whose cubic Hermite interpolant (values and exact derivatives along it) changes sign
 * is where a curve is tangent to the grid: both are reported as warnings.
 *
 * Trajectories are the simulator's dense output (run_dense), run in chunks so that they
 * stop at the view's edge with a margin (the last point interpolated onto it), at an
 * equilibrium, at a blow-up or at the time limit.
 *
 * Basins: stable equilibria of the plane and stable limit cycles found from a 3×3 set of
 * seeds are the attractors; each cell's trajectory (from its centre) is followed in chunks
 * until it comes within a capture radius of one, leaves the view by a view's size, or
 * times out; rows are shared among threads (each row is computed by one thread, entirely,
 * so the labels do not depend on the thread count); cells still undecided are then
 * examined one by one in row-major order for further cycles.
 */
#define G_LOG_DOMAIN "currents-phase"

#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-equilibria.h"
#include "currents-error.h"
#include "currents-mlp.h"
#include "currents-phase.h"

#define MAX_WARNINGS      20
#define MAX_FINE_CELLS    8192   /* per side */
#define SPEED_SAMPLES     9

/* ------------------------------------------------------------------------------------ */
/* The planar field                                                                      */

typedef struct
{
  CurrentsField *parent;
  gsize          n;
  gsize          k;
  gsize          a;
  gsize          b;
  double        *fixed;
} SliceImpl;

typedef struct
{
  CurrentsFieldWorkspace *pws;
  double                 *x;    /* n */
  double                 *f;    /* n */
  double                 *w;    /* n */
  double                 *gx;   /* n */
  double                 *v;    /* n */
  double                 *out;  /* n */
  double                 *J;    /* n × n */
  double                 *jp;   /* n × k */
} SliceWs;

static gpointer
slice_ws_new (gconstpointer impl)
{
  const SliceImpl *si = impl;
  SliceWs *ws = g_new0 (SliceWs, 1);
  const gsize n = si->n;

  ws->pws = currents_field_workspace_new (si->parent);
  ws->x = g_new0 (double, 6 * n + n * n);
  ws->f = ws->x + n;
  ws->w = ws->x + 2 * n;
  ws->gx = ws->x + 3 * n;
  ws->v = ws->x + 4 * n;
  ws->out = ws->x + 5 * n;
  ws->J = ws->x + 6 * n;
  ws->jp = g_new0 (double, n * MAX (si->k, 1));
  return ws;
}

static void
slice_ws_free (gpointer data)
{
  SliceWs *ws = data;

  currents_field_workspace_free (ws->pws);
  g_free (ws->x);
  g_free (ws->jp);
  g_free (ws);
}

static inline void
slice_load (const SliceImpl *si,
            SliceWs         *ws,
            const double    *xy)
{
  memcpy (ws->x, si->fixed, si->n * sizeof (double));
  ws->x[si->a] = xy[0];
  ws->x[si->b] = xy[1];
}

static void
slice_eval (gconstpointer impl, gpointer data, double t, const double *xy, const double *u,
            const double *p, double *f)
{
  const SliceImpl *si = impl;
  SliceWs *ws = data;

  slice_load (si, ws, xy);
  currents_field_eval (ws->pws, t, ws->x, u, p, ws->f);
  f[0] = ws->f[si->a];
  f[1] = ws->f[si->b];
}

static void
slice_jacobian (gconstpointer impl, gpointer data, double t, const double *xy,
                const double *u, const double *p, double *f, double *jx, double *jp)
{
  const SliceImpl *si = impl;
  SliceWs *ws = data;
  const gsize n = si->n, a = si->a, b = si->b;

  slice_load (si, ws, xy);
  currents_field_jacobian (ws->pws, t, ws->x, u, p, ws->f, ws->J, jp != NULL ? ws->jp : NULL);
  if (f != NULL)
    {
      f[0] = ws->f[a];
      f[1] = ws->f[b];
    }
  jx[0] = ws->J[a * n + a];
  jx[1] = ws->J[a * n + b];
  jx[2] = ws->J[b * n + a];
  jx[3] = ws->J[b * n + b];
  if (jp != NULL && si->k > 0)
    {
      memcpy (jp, ws->jp + a * si->k, si->k * sizeof (double));
      memcpy (jp + si->k, ws->jp + b * si->k, si->k * sizeof (double));
    }
}

static void
slice_vjp (gconstpointer impl, gpointer data, double t, const double *xy, const double *u,
           const double *p, const double *w, double *f, double *gx, double *gp)
{
  const SliceImpl *si = impl;
  SliceWs *ws = data;

  slice_load (si, ws, xy);
  memset (ws->w, 0, si->n * sizeof (double));
  memset (ws->gx, 0, si->n * sizeof (double));
  ws->w[si->a] = w[0];
  ws->w[si->b] = w[1];
  currents_field_vjp (ws->pws, t, ws->x, u, p, ws->w, f != NULL ? ws->f : NULL,
                      gx != NULL ? ws->gx : NULL, gp);
  if (f != NULL)
    {
      f[0] = ws->f[si->a];
      f[1] = ws->f[si->b];
    }
  if (gx != NULL)
    {
      gx[0] += ws->gx[si->a];
      gx[1] += ws->gx[si->b];
    }
}

static void
slice_hvp (gconstpointer impl, gpointer data, double t, const double *xy, const double *u,
           const double *p, const double *v, const double *w, double *out)
{
  const SliceImpl *si = impl;
  SliceWs *ws = data;

  slice_load (si, ws, xy);
  memset (ws->v, 0, si->n * sizeof (double));
  memset (ws->w, 0, si->n * sizeof (double));
  ws->v[si->a] = v[0];
  ws->v[si->b] = v[1];
  ws->w[si->a] = w[0];
  ws->w[si->b] = w[1];
  currents_field_hvp (ws->pws, t, ws->x, u, p, ws->v, ws->w, ws->out);
  out[0] = ws->out[si->a];
  out[1] = ws->out[si->b];
}

static void
slice_impl_free (gpointer data)
{
  SliceImpl *si = data;

  currents_field_unref (si->parent);
  g_free (si->fixed);
  g_free (si);
}

static const CurrentsFieldVTable slice_vtable = {
  slice_ws_new, slice_ws_free, slice_eval, slice_jacobian, slice_vjp, slice_impl_free, NULL,
};

static const CurrentsFieldVTable slice_vtable_hvp = {
  slice_ws_new, slice_ws_free, slice_eval, slice_jacobian, slice_vjp, slice_impl_free,
  slice_hvp,
};

/* ------------------------------------------------------------------------------------ */
/* The plane                                                                             */

struct _CurrentsPhasePlane
{
  CurrentsField *parent;
  CurrentsField *field;
  gsize          n;
  gsize          k;
  gsize          m;
  gsize          a;
  gsize          b;
  double        *p;
  double        *u;
  double        *fixed;
  double         t;
  double         view[4];
  double         speed_ref;  /* RMS of ‖(g_0/W, g_1/H)‖ on a 9×9 sample of the view */
  char          *names[2];
};

static gboolean
all_finite (const double *v,
            gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
}

static inline double
view_w (const CurrentsPhasePlane *plane)
{
  return plane->view[1] - plane->view[0];
}

static inline double
view_h (const CurrentsPhasePlane *plane)
{
  return plane->view[3] - plane->view[2];
}

static inline double
scaled_speed (const CurrentsPhasePlane *plane,
              const double             *g)
{
  return hypot (g[0] / view_w (plane), g[1] / view_h (plane));
}

static inline double
scaled_dist (const CurrentsPhasePlane *plane,
             const double             *a,
             const double             *b)
{
  return hypot ((a[0] - b[0]) / view_w (plane), (a[1] - b[1]) / view_h (plane));
}

static gboolean
check_view (const double  *view,
            GError       **error)
{
  if (!all_finite (view, 4) || !(view[0] < view[1]) || !(view[2] < view[3]))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the view must have a positive, finite width and height (given "
                   "%g:%g × %g:%g)", view[0], view[1], view[2], view[3]);
      return FALSE;
    }
  return TRUE;
}

/**
 * currents_phase_plane_new:
 * (see the header)
 *
 * Returns: (transfer full): the plane, or %NULL with @error set
 */
CurrentsPhasePlane *
currents_phase_plane_new (CurrentsField  *field,
                          const double   *p,
                          const double   *u,
                          double          t,
                          gsize           x_axis,
                          gsize           y_axis,
                          const double   *x_fixed,
                          const double    view[4],
                          GError        **error)
{
  CurrentsPhasePlane *plane;
  SliceImpl *si;
  gsize n;

  g_return_val_if_fail (field != NULL && view != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = currents_field_get_n_states (field);
  if (n < 2 || x_axis >= n || y_axis >= n || x_axis == y_axis)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a phase plane needs two different state variables as axes "
                   "(given %" G_GSIZE_FORMAT " and %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                   " states)", x_axis, y_axis, n);
      return NULL;
    }
  if (!check_view (view, error))
    return NULL;
  if (!isfinite (t) || (x_fixed != NULL && !all_finite (x_fixed, n)))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the fixed states and the time of a phase plane must be finite");
      return NULL;
    }

  plane = g_new0 (CurrentsPhasePlane, 1);
  plane->parent = currents_field_ref (field);
  plane->n = n;
  plane->k = currents_field_get_n_params (field);
  plane->m = currents_field_get_n_inputs (field);
  plane->a = x_axis;
  plane->b = y_axis;
  plane->p = g_new0 (double, MAX (plane->k, 1));
  plane->u = g_new0 (double, MAX (plane->m, 1));
  if (p != NULL && plane->k > 0)
    memcpy (plane->p, p, plane->k * sizeof (double));
  if (u != NULL && plane->m > 0)
    memcpy (plane->u, u, plane->m * sizeof (double));
  plane->fixed = g_new0 (double, n);
  if (x_fixed != NULL)
    memcpy (plane->fixed, x_fixed, n * sizeof (double));
  plane->t = t;
  memcpy (plane->view, view, 4 * sizeof (double));
  plane->names[0] = g_strdup ("x");
  plane->names[1] = g_strdup ("y");

  si = g_new0 (SliceImpl, 1);
  si->parent = currents_field_ref (field);
  si->n = n;
  si->k = plane->k;
  si->a = x_axis;
  si->b = y_axis;
  si->fixed = g_memdup2 (plane->fixed, n * sizeof (double));
  plane->field = currents_field_new (currents_field_has_hvp (field) ? &slice_vtable_hvp
                                                                   : &slice_vtable,
                                     si, 2, plane->m, plane->k,
                                     currents_field_is_autonomous (field));

  /* the typical speed, for the equilibrium test and the step limit */
  {
    g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (plane->field);
    double sum = 0.0;
    gsize cnt = 0;

    for (int j = 0; j < SPEED_SAMPLES; j++)
      for (int i = 0; i < SPEED_SAMPLES; i++)
        {
          double xy[2], g[2], s;

          xy[0] = view[0] + (i + 0.5) * (view[1] - view[0]) / SPEED_SAMPLES;
          xy[1] = view[2] + (j + 0.5) * (view[3] - view[2]) / SPEED_SAMPLES;
          currents_field_eval (ws, t, xy, plane->u, plane->p, g);
          s = scaled_speed (plane, g);
          if (isfinite (s))
            {
              sum += s * s;
              cnt++;
            }
        }
    plane->speed_ref = cnt > 0 ? sqrt (sum / (double) cnt) : 0.0;
    if (!(plane->speed_ref > 0.0) || !isfinite (plane->speed_ref))
      plane->speed_ref = 1.0;
  }
  return plane;
}

static char *
state_list (const CurrentsSystem *system)
{
  const char *const *names = currents_system_get_state_names (system);
  return g_strjoinv (", ", (char **) names);
}

/**
 * currents_phase_plane_new_for_system:
 * (see the header)
 *
 * Returns: (transfer full): the plane, or %NULL with @error set (an unknown axis name
 *   lists the model's states)
 */
CurrentsPhasePlane *
currents_phase_plane_new_for_system (CurrentsSystem  *system,
                                     const char      *x_name,
                                     const char      *y_name,
                                     const double    *view,
                                     GError         **error)
{
  int xa, ya;
  double win[4];
  const char *names[2] = { x_name, y_name };
  int axes[2];
  CurrentsPhasePlane *plane;

  g_return_val_if_fail (system != NULL, NULL);

  if (currents_system_get_n_states (system) < 2)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a phase plane needs a model with at least two state variables "
                   "(%s has %" G_GSIZE_FORMAT ")", currents_system_get_filename (system),
                   currents_system_get_n_states (system));
      return NULL;
    }
  currents_system_get_window (system, &xa, &ya, &win[0], &win[1], &win[2], &win[3]);
  axes[0] = xa;
  axes[1] = ya;
  for (int k = 0; k < 2; k++)
    if (names[k] != NULL)
      {
        axes[k] = currents_system_find_state (system, names[k]);
        if (axes[k] < 0)
          {
            g_autofree char *list = state_list (system);
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                         "'%s' is not a state variable of %s (its states: %s)", names[k],
                         currents_system_get_filename (system), list);
            return NULL;
          }
      }
  if (axes[0] == axes[1])
    {
      /* the window's default axes may coincide with one chosen by name */
      if (names[1] == NULL)
        axes[1] = axes[0] == 0 ? 1 : 0;
      else if (names[0] == NULL)
        axes[0] = axes[1] == 0 ? 1 : 0;
      else
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the two axes must be different state variables (both are '%s')",
                       x_name);
          return NULL;
        }
    }
  plane = currents_phase_plane_new (currents_system_get_field (system),
                                    currents_system_get_params (system),
                                    currents_system_get_inputs (system),
                                    currents_system_get_t0 (system), (gsize) axes[0],
                                    (gsize) axes[1], currents_system_get_initial (system),
                                    view != NULL ? view : win, error);
  if (plane != NULL)
    for (int k = 0; k < 2; k++)
      {
        g_free (plane->names[k]);
        plane->names[k] = g_strdup (currents_system_get_state_names (system)[axes[k]]);
      }
  return plane;
}

void
currents_phase_plane_free (CurrentsPhasePlane *plane)
{
  if (plane == NULL)
    return;
  currents_field_unref (plane->field);
  currents_field_unref (plane->parent);
  g_free (plane->p);
  g_free (plane->u);
  g_free (plane->fixed);
  g_free (plane->names[0]);
  g_free (plane->names[1]);
  g_free (plane);
}

CurrentsField *
currents_phase_plane_get_field (const CurrentsPhasePlane *plane)
{
  return plane->field;
}

const double *
currents_phase_plane_get_params (const CurrentsPhasePlane *plane)
{
  return plane->p;
}

const double *
currents_phase_plane_get_inputs (const CurrentsPhasePlane *plane)
{
  return plane->u;
}

void
currents_phase_plane_get_view (const CurrentsPhasePlane *plane,
                               double                    view[4])
{
  memcpy (view, plane->view, 4 * sizeof (double));
}

void
currents_phase_plane_get_axes (const CurrentsPhasePlane *plane,
                               gsize                    *x_axis,
                               gsize                    *y_axis)
{
  if (x_axis != NULL)
    *x_axis = plane->a;
  if (y_axis != NULL)
    *y_axis = plane->b;
}

void
currents_phase_plane_embed (const CurrentsPhasePlane *plane,
                            const double              xy[2],
                            double                   *x)
{
  memcpy (x, plane->fixed, plane->n * sizeof (double));
  x[plane->a] = xy[0];
  x[plane->b] = xy[1];
}

/* ------------------------------------------------------------------------------------ */
/* Nullclines                                                                            */

void
currents_polyline_free (CurrentsPolyline *line)
{
  if (line == NULL)
    return;
  g_free (line->xy);
  g_free (line);
}

void
currents_nullclines_free (CurrentsNullclines *nullclines)
{
  if (nullclines == NULL)
    return;
  g_clear_pointer (&nullclines->curves[0], g_ptr_array_unref);
  g_clear_pointer (&nullclines->curves[1], g_ptr_array_unref);
  g_clear_pointer (&nullclines->warnings, g_ptr_array_unref);
  g_free (nullclines);
}

typedef struct
{
  double g[2];
  double J[4];   /* ∂g/∂(ξ, η), row-major */
} Vertex;

typedef struct
{
  guint64 k0;
  guint64 k1;
} Segment;

typedef struct
{
  const CurrentsPhasePlane *plane;
  CurrentsFieldWorkspace   *ws;
  gsize                     G;     /* coarse cells per side */
  gsize                     r;     /* refinement */
  gsize                     NX;    /* fine cells */
  gsize                     NY;
  double                    dx;
  double                    dy;
  GHashTable               *vindex;  /* vertex id + 1 → index + 1 in verts */
  GArray                   *verts;
  double                    gscale[2];
  GPtrArray                *warnings;
  gsize                     n_dropped;
  gsize                     n_nonfinite;
  GCancellable             *cancellable;
  /* per variable */
  int                       var;
  guint8                   *visited;
  GHashTable               *crossing;  /* edge key + 1 → point index + 1 */
  GHashTable               *tangent;   /* edge keys already reported */
  GArray                   *points;    /* (ξ, η) pairs */
  GArray                   *segments;
  GArray                   *queue;     /* fine cell ids */
} NullWork;

static void
null_warn (NullWork   *nw,
           const char *fmt,
           ...) G_GNUC_PRINTF (2, 3);

static void
null_warn (NullWork   *nw,
           const char *fmt,
           ...)
{
  va_list ap;

  if (nw->warnings->len >= MAX_WARNINGS)
    {
      nw->n_dropped++;
      return;
    }
  va_start (ap, fmt);
  g_ptr_array_add (nw->warnings, g_strdup_vprintf (fmt, ap));
  va_end (ap);
}

static inline double
vx (const NullWork *nw,
    gsize           i)
{
  return i == nw->NX ? nw->plane->view[1] : nw->plane->view[0] + (double) i * nw->dx;
}

static inline double
vy (const NullWork *nw,
    gsize           j)
{
  return j == nw->NY ? nw->plane->view[3] : nw->plane->view[2] + (double) j * nw->dy;
}

static void
eval_point (NullWork     *nw,
            const double *xy,
            double       *g,
            double       *J)
{
  const CurrentsPhasePlane *pl = nw->plane;
  currents_field_jacobian (nw->ws, pl->t, xy, pl->u, pl->p, g, J, NULL);
}

/* By value: a later look-up may move the array. */
static Vertex
vertex_get (NullWork *nw,
            gsize     i,
            gsize     j)
{
  gsize id = j * (nw->NX + 1) + i;
  gpointer hit = g_hash_table_lookup (nw->vindex, GSIZE_TO_POINTER (id + 1));
  Vertex v;
  double xy[2];

  if (hit != NULL)
    return g_array_index (nw->verts, Vertex, GPOINTER_TO_SIZE (hit) - 1);
  xy[0] = vx (nw, i);
  xy[1] = vy (nw, j);
  eval_point (nw, xy, v.g, v.J);
  g_array_append_val (nw->verts, v);
  g_hash_table_insert (nw->vindex, GSIZE_TO_POINTER (id + 1),
                       GSIZE_TO_POINTER ((gsize) nw->verts->len));
  return v;
}

/* Edge keys: the horizontal edge from vertex (i, j) to (i+1, j) is 2·id, the vertical one
 * from (i, j) to (i, j+1) is 2·id + 1, id = j (NX + 1) + i. */
static inline guint64
hkey (const NullWork *nw,
      gsize           i,
      gsize           j)
{
  return 2 * ((guint64) j * (nw->NX + 1) + i);
}

static inline guint64
vkey (const NullWork *nw,
      gsize           i,
      gsize           j)
{
  return 2 * ((guint64) j * (nw->NX + 1) + i) + 1;
}

/* Newton onto g_var = 0: along the gradient inside, along the edge on the view's border.
 * Returns FALSE (pt unchanged) when it does not converge near the start. */
static gboolean
project (NullWork *nw,
         double   *pt,
         int       along)  /* -1: gradient; 0: along ξ; 1: along η */
{
  const int k = nw->var;
  const double diag = hypot (nw->dx, nw->dy);
  const double lo = along == 0 ? pt[0] - nw->dx : pt[1] - nw->dy;
  const double hi = along == 0 ? pt[0] + nw->dx : pt[1] + nw->dy;
  const double *view = nw->plane->view;
  double q[2] = { pt[0], pt[1] }, best[2] = { pt[0], pt[1] };
  double g[2], J[4], best_g = INFINITY;

  for (int it = 0; it < 30; it++)
    {
      double gx, gy, d2;

      eval_point (nw, q, g, J);
      if (!isfinite (g[k]))
        break;
      if (fabs (g[k]) < best_g)
        {
          best_g = fabs (g[k]);
          best[0] = q[0];
          best[1] = q[1];
        }
      if (best_g == 0.0 || best_g <= 1e-15 * nw->gscale[k])
        break;
      gx = J[2 * k];
      gy = J[2 * k + 1];
      if (along == 0)
        {
          if (gx == 0.0)
            break;
          q[0] = CLAMP (q[0] - g[k] / gx, MAX (lo, view[0]), MIN (hi, view[1]));
        }
      else if (along == 1)
        {
          if (gy == 0.0)
            break;
          q[1] = CLAMP (q[1] - g[k] / gy, MAX (lo, view[2]), MIN (hi, view[3]));
        }
      else
        {
          d2 = gx * gx + gy * gy;
          if (d2 == 0.0)
            break;
          q[0] -= g[k] * gx / d2;
          q[1] -= g[k] * gy / d2;
          if (hypot (q[0] - pt[0], q[1] - pt[1]) > 2.0 * diag)
            break;
        }
    }
  if (!(best_g <= 1e-9 * nw->gscale[k]))
    return FALSE;
  pt[0] = best[0];
  pt[1] = best[1];
  return TRUE;
}

/* The crossing on an edge (its point index), computed once per edge. */
static gsize
crossing_get (NullWork *nw,
              guint64   key,
              gsize     i,
              gsize     j,
              gboolean  vertical)
{
  gpointer hit = g_hash_table_lookup (nw->crossing, GSIZE_TO_POINTER ((gsize) key + 1));
  const int k = nw->var;
  double va, vb, s, pt[2];
  int along;

  if (hit != NULL)
    return GPOINTER_TO_SIZE (hit) - 1;
  va = vertex_get (nw, i, j).g[k];
  vb = (vertical ? vertex_get (nw, i, j + 1) : vertex_get (nw, i + 1, j)).g[k];
  s = va == vb ? 0.5 : va / (va - vb);
  s = CLAMP (s, 0.0, 1.0);
  if (vertical)
    {
      pt[0] = vx (nw, i);
      pt[1] = vy (nw, j) + s * (vy (nw, j + 1) - vy (nw, j));
      along = (i == 0 || i == nw->NX) ? 1 : -1;
    }
  else
    {
      pt[0] = vx (nw, i) + s * (vx (nw, i + 1) - vx (nw, i));
      pt[1] = vy (nw, j);
      along = (j == 0 || j == nw->NY) ? 0 : -1;
    }
  if (!project (nw, pt, along))
    null_warn (nw, "the %s nullcline near (%.6g, %.6g): a point could not be projected onto "
               "f_%s = 0 (a singular point of the curve?)", nw->plane->names[k], pt[0], pt[1],
               nw->plane->names[k]);
  g_array_append_vals (nw->points, pt, 2);
  g_hash_table_insert (nw->crossing, GSIZE_TO_POINTER ((gsize) key + 1),
                       GSIZE_TO_POINTER ((gsize) nw->points->len / 2));
  return nw->points->len / 2 - 1;
}

static void
push_cell (NullWork *nw,
           gssize    i,
           gssize    j)
{
  gsize id;

  if (i < 0 || j < 0 || (gsize) i >= nw->NX || (gsize) j >= nw->NY)
    return;
  id = (gsize) j * nw->NX + (gsize) i;
  if (nw->visited[id / 8] & (1u << (id % 8)))
    return;
  nw->visited[id / 8] |= (guint8) (1u << (id % 8));
  g_array_append_val (nw->queue, id);
}

/* A same-sign edge whose Hermite interpolant changes sign: a curve tangent to the grid. */
static void
check_tangent (NullWork     *nw,
               const Vertex *A,
               const Vertex *B,
               gboolean      vertical,
               guint64       key,
               double        x0,
               double        y0)
{
  const int k = nw->var;
  const double h = vertical ? nw->dy : nw->dx;
  const double va = A->g[k], vb = B->g[k];
  const double da = (vertical ? A->J[2 * k + 1] : A->J[2 * k]) * h;
  const double db = (vertical ? B->J[2 * k + 1] : B->J[2 * k]) * h;
  const gboolean pos = va >= 0;

  if (MIN (fabs (va), fabs (vb)) > 0.5 * (fabs (da) + fabs (db)))
    return;
  for (int q = 1; q < 16; q++)
    {
      double s = q / 16.0, s2 = s * s, s3 = s2 * s;
      double v = (2 * s3 - 3 * s2 + 1) * va + (s3 - 2 * s2 + s) * da +
                 (-2 * s3 + 3 * s2) * vb + (s3 - s2) * db;
      if ((v >= 0) != pos)
        {
          if (g_hash_table_contains (nw->tangent, GSIZE_TO_POINTER ((gsize) key + 1)))
            return;
          g_hash_table_add (nw->tangent, GSIZE_TO_POINTER ((gsize) key + 1));
          null_warn (nw, "the %s nullcline is tangent to the grid near (%.6g, %.6g): a piece "
                     "shorter than a cell is drawn straight there (a finer grid resolves it)", nw->plane->names[k],
                     vertical ? x0 : x0 + s * h, vertical ? y0 + s * h : y0);
          return;
        }
    }
}

static void
add_segment (NullWork *nw,
             guint64   k0,
             guint64   k1)
{
  Segment s = { k0, k1 };
  g_array_append_val (nw->segments, s);
}

static void
process_cell (NullWork *nw,
              gsize     id)
{
  const int k = nw->var;
  const gsize i = id % nw->NX, j = id / nw->NX;
  const Vertex V00 = vertex_get (nw, i, j);
  const Vertex V10 = vertex_get (nw, i + 1, j);
  const Vertex V11 = vertex_get (nw, i + 1, j + 1);
  const Vertex V01 = vertex_get (nw, i, j + 1);
  const Vertex *v00 = &V00, *v10 = &V10, *v11 = &V11, *v01 = &V01;
  const double a = v00->g[k], b = v10->g[k], c = v11->g[k], d = v01->g[k];
  gboolean sa, sb, sc, sd;
  guint64 keys[4];
  gboolean cross[4];
  int nc = 0;

  if (!isfinite (a) || !isfinite (b) || !isfinite (c) || !isfinite (d))
    {
      nw->n_nonfinite++;
      return;
    }
  sa = a >= 0;
  sb = b >= 0;
  sc = c >= 0;
  sd = d >= 0;
  /* edges: 0 bottom (00–10), 1 right (10–11), 2 top (01–11), 3 left (00–01) */
  keys[0] = hkey (nw, i, j);
  keys[1] = vkey (nw, i + 1, j);
  keys[2] = hkey (nw, i, j + 1);
  keys[3] = vkey (nw, i, j);
  cross[0] = sa != sb;
  cross[1] = sb != sc;
  cross[2] = sd != sc;
  cross[3] = sa != sd;
  for (int e = 0; e < 4; e++)
    nc += cross[e];

  if (!cross[0])
    check_tangent (nw, v00, v10, FALSE, keys[0], vx (nw, i), vy (nw, j));
  if (!cross[1])
    check_tangent (nw, v10, v11, TRUE, keys[1], vx (nw, i + 1), vy (nw, j));
  if (!cross[2])
    check_tangent (nw, v01, v11, FALSE, keys[2], vx (nw, i), vy (nw, j + 1));
  if (!cross[3])
    check_tangent (nw, v00, v01, TRUE, keys[3], vx (nw, i), vy (nw, j));
  if (nc == 0)
    return;

  /* the crossings (and the neighbours across them) */
  if (cross[0])
    {
      crossing_get (nw, keys[0], i, j, FALSE);
      push_cell (nw, (gssize) i, (gssize) j - 1);
    }
  if (cross[1])
    {
      crossing_get (nw, keys[1], i + 1, j, TRUE);
      push_cell (nw, (gssize) i + 1, (gssize) j);
    }
  if (cross[2])
    {
      crossing_get (nw, keys[2], i, j + 1, FALSE);
      push_cell (nw, (gssize) i, (gssize) j + 1);
    }
  if (cross[3])
    {
      crossing_get (nw, keys[3], i, j, TRUE);
      push_cell (nw, (gssize) i - 1, (gssize) j);
    }

  if (nc == 2)
    {
      int e0 = -1, e1 = -1;
      for (int e = 0; e < 4; e++)
        if (cross[e])
          {
            if (e0 < 0)
              e0 = e;
            else
              e1 = e;
          }
      add_segment (nw, keys[e0], keys[e1]);
    }
  else
    {
      /* four crossings: a and c on one side, b and d on the other */
      double xy[2], g[2], J[4];

      xy[0] = vx (nw, i) + 0.5 * nw->dx;
      xy[1] = vy (nw, j) + 0.5 * nw->dy;
      eval_point (nw, xy, g, J);
      if ((g[k] >= 0) == sa)
        {
          /* a's sign joins through the centre: cut off the corners b and d */
          add_segment (nw, keys[0], keys[1]);
          add_segment (nw, keys[3], keys[2]);
        }
      else
        {
          add_segment (nw, keys[0], keys[3]);
          add_segment (nw, keys[1], keys[2]);
        }
      null_warn (nw, "the %s nullcline passes a saddle of f_%s (or branches cross) near "
                 "(%.6g, %.6g): resolved by the value at the cell's centre",
                 nw->plane->names[k], nw->plane->names[k], xy[0], xy[1]);
    }
}

typedef struct
{
  int seg[2];
  int cnt;
} Adj;

static void
join_polylines (NullWork  *nw,
                GPtrArray *out)
{
  g_autoptr(GHashTable) adj_index = g_hash_table_new (g_direct_hash, g_direct_equal);
  g_autoptr(GArray) adj = g_array_new (FALSE, TRUE, sizeof (Adj));
  g_autofree guint8 *used = g_new0 (guint8, MAX (nw->segments->len, 1));
  const double tiny = 1e-12 * hypot (view_w (nw->plane), view_h (nw->plane));

  for (guint s = 0; s < nw->segments->len; s++)
    {
      Segment *sg = &g_array_index (nw->segments, Segment, s);
      guint64 ks[2] = { sg->k0, sg->k1 };

      for (int e = 0; e < 2; e++)
        {
          gpointer hit = g_hash_table_lookup (adj_index, GSIZE_TO_POINTER ((gsize) ks[e] + 1));
          Adj *a;

          if (hit == NULL)
            {
              Adj z = { { -1, -1 }, 0 };
              g_array_append_val (adj, z);
              hit = GSIZE_TO_POINTER ((gsize) adj->len);
              g_hash_table_insert (adj_index, GSIZE_TO_POINTER ((gsize) ks[e] + 1), hit);
            }
          a = &g_array_index (adj, Adj, GPOINTER_TO_SIZE (hit) - 1);
          if (a->cnt < 2)
            a->seg[a->cnt] = (int) s;
          a->cnt++;
        }
    }

  /* open curves first (from an end of degree one), then the cycles */
  for (int pass = 0; pass < 2; pass++)
    for (guint s0 = 0; s0 < nw->segments->len; s0++)
      {
        Segment *first = &g_array_index (nw->segments, Segment, s0);
        g_autoptr(GArray) pts = NULL;
        guint64 key;
        int s;
        gboolean closed = FALSE;
        CurrentsPolyline *line;

        if (used[s0])
          continue;
        if (pass == 0)
          {
            Adj *a0 = &g_array_index (adj, Adj, GPOINTER_TO_SIZE (g_hash_table_lookup (
                                        adj_index, GSIZE_TO_POINTER ((gsize) first->k0 + 1))) - 1);
            Adj *a1 = &g_array_index (adj, Adj, GPOINTER_TO_SIZE (g_hash_table_lookup (
                                        adj_index, GSIZE_TO_POINTER ((gsize) first->k1 + 1))) - 1);
            if (a0->cnt == 1)
              key = first->k0;
            else if (a1->cnt == 1)
              key = first->k1;
            else
              continue;
          }
        else
          key = first->k0;

        pts = g_array_new (FALSE, FALSE, sizeof (double));
        s = (int) s0;
        for (;;)
          {
            gsize pi = GPOINTER_TO_SIZE (g_hash_table_lookup (nw->crossing,
                                                              GSIZE_TO_POINTER ((gsize) key + 1))) - 1;
            const double *pt = &g_array_index (nw->points, double, 2 * pi);
            Segment *sg;
            Adj *a;
            int next = -1;

            if (pts->len < 2 ||
                hypot (pt[0] - g_array_index (pts, double, pts->len - 2),
                       pt[1] - g_array_index (pts, double, pts->len - 1)) > tiny)
              g_array_append_vals (pts, pt, 2);
            if (s < 0)
              break;
            used[s] = 1;
            sg = &g_array_index (nw->segments, Segment, s);
            key = sg->k0 == key ? sg->k1 : sg->k0;
            a = &g_array_index (adj, Adj, GPOINTER_TO_SIZE (g_hash_table_lookup (
                                  adj_index, GSIZE_TO_POINTER ((gsize) key + 1))) - 1);
            for (int e = 0; e < MIN (a->cnt, 2); e++)
              if (a->seg[e] != s && !used[a->seg[e]])
                next = a->seg[e];
            if (pass == 1 && key == first->k0)
              {
                closed = TRUE;
                next = -1;
              }
            s = next;
          }
        if (closed)
          {
            /* the walk stopped before re-adding the first point: close exactly */
            double p0[2] = { g_array_index (pts, double, 0), g_array_index (pts, double, 1) };
            if (hypot (p0[0] - g_array_index (pts, double, pts->len - 2),
                       p0[1] - g_array_index (pts, double, pts->len - 1)) > tiny)
              g_array_append_vals (pts, p0, 2);
            else
              {
                g_array_index (pts, double, pts->len - 2) = p0[0];
                g_array_index (pts, double, pts->len - 1) = p0[1];
              }
          }
        if (pts->len < 4)
          continue;
        line = g_new0 (CurrentsPolyline, 1);
        line->n_points = pts->len / 2;
        line->closed = closed;
        line->xy = (double *) g_array_free (g_steal_pointer (&pts), FALSE);
        g_ptr_array_add (out, line);
      }
}

static gboolean
free_end (const NullWork *nw,
          const double   *q)
{
  const double *v = nw->plane->view;
  const double tol = 1e-9 * (view_w (nw->plane) + view_h (nw->plane));

  return fabs (q[0] - v[0]) > tol && fabs (q[0] - v[1]) > tol &&
         fabs (q[1] - v[2]) > tol && fabs (q[1] - v[3]) > tol;
}

static void
reverse_points (double *xy,
                gsize   n)
{
  for (gsize a = 0, z = n - 1; a < z; a++, z--)
    for (int c = 0; c < 2; c++)
      {
        double tmp = xy[2 * a + c];
        xy[2 * a + c] = xy[2 * z + c];
        xy[2 * z + c] = tmp;
      }
}

/* A curve tangent to a grid line inside one edge crosses it twice there, unseen: the curve
 * breaks into pieces whose loose ends (not on the view's border) lie within a cell of each
 * other. Join such ends, nearest first (the missing piece is shorter than a cell). */
static void
bridge_gaps (const NullWork *nw,
             GPtrArray      *lines)
{
  const double reach = 2.0 * hypot (nw->dx, nw->dy);

  for (;;)
    {
      double best = INFINITY;
      guint ba = 0, bb = 0;
      int ea = 0, eb = 0;
      CurrentsPolyline *A, *B;

      for (guint a = 0; a < lines->len; a++)
        for (guint b = a; b < lines->len; b++)
          for (int x = 0; x < 2; x++)
            for (int y = 0; y < 2; y++)
              {
                const CurrentsPolyline *la = g_ptr_array_index (lines, a);
                const CurrentsPolyline *lb = g_ptr_array_index (lines, b);
                const double *qa, *qb;
                double d;

                if (la->closed || lb->closed || (a == b && x >= y) ||
                    (a == b && la->n_points < 4))
                  continue;
                qa = la->xy + (x == 0 ? 0 : 2 * (la->n_points - 1));
                qb = lb->xy + (y == 0 ? 0 : 2 * (lb->n_points - 1));
                if (!free_end (nw, qa) || !free_end (nw, qb))
                  continue;
                d = hypot (qa[0] - qb[0], qa[1] - qb[1]);
                if (d <= reach && d < best)
                  {
                    best = d;
                    ba = a;
                    bb = b;
                    ea = x;
                    eb = y;
                  }
              }
      if (!isfinite (best))
        return;
      A = g_ptr_array_index (lines, ba);
      if (ba == bb)
        {
          A->xy = g_renew (double, A->xy, 2 * (A->n_points + 1));
          A->xy[2 * A->n_points] = A->xy[0];
          A->xy[2 * A->n_points + 1] = A->xy[1];
          A->n_points++;
          A->closed = TRUE;
          continue;
        }
      B = g_ptr_array_index (lines, bb);
      if (ea == 0)
        reverse_points (A->xy, A->n_points);
      if (eb == 1)
        reverse_points (B->xy, B->n_points);
      A->xy = g_renew (double, A->xy, 2 * (A->n_points + B->n_points));
      memcpy (A->xy + 2 * A->n_points, B->xy, 2 * B->n_points * sizeof (double));
      A->n_points += B->n_points;
      g_ptr_array_remove_index (lines, bb);
    }
}

/**
 * currents_phase_nullclines:
 * (see the header)
 *
 * Returns: (transfer full): the nullclines and warnings, or %NULL on cancellation or a bad
 *   argument
 */
CurrentsNullclines *
currents_phase_nullclines (const CurrentsPhasePlane *plane,
                           gsize                     grid,
                           gsize                     refine,
                           GCancellable             *cancellable,
                           GError                  **error)
{
  g_autoptr(CurrentsNullclines) result = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autofree double *centre = NULL;  /* per coarse cell: g (2), J (4) */
  NullWork nw = { 0 };
  gboolean ok = TRUE;

  g_return_val_if_fail (plane != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (grid == 0)
    grid = 64;
  if (refine == 0)
    refine = 4;
  if (grid < 2 || grid * refine > MAX_FINE_CELLS)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the nullcline grid must have 2 to %d cells per side, refinement included "
                   "(given %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT ")", MAX_FINE_CELLS, grid,
                   refine);
      return NULL;
    }

  ws = currents_field_workspace_new (plane->field);
  result = g_new0 (CurrentsNullclines, 1);
  result->curves[0] = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_polyline_free);
  result->curves[1] = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_polyline_free);
  result->warnings = g_ptr_array_new_with_free_func (g_free);

  nw.plane = plane;
  nw.ws = ws;
  nw.G = grid;
  nw.r = refine;
  nw.NX = nw.NY = grid * refine;
  nw.dx = view_w (plane) / (double) nw.NX;
  nw.dy = view_h (plane) / (double) nw.NY;
  nw.vindex = g_hash_table_new (g_direct_hash, g_direct_equal);
  nw.verts = g_array_new (FALSE, FALSE, sizeof (Vertex));
  nw.warnings = result->warnings;
  nw.cancellable = cancellable;

  /* coarse vertices and centres */
  centre = g_new (double, 6 * grid * grid);
  nw.gscale[0] = nw.gscale[1] = 0.0;
  for (gsize cj = 0; cj <= grid; cj++)
    for (gsize ci = 0; ci <= grid; ci++)
      {
        const Vertex v = vertex_get (&nw, ci * refine, cj * refine);
        for (int k = 0; k < 2; k++)
          if (isfinite (v.g[k]))
            nw.gscale[k] = MAX (nw.gscale[k], fabs (v.g[k]));
      }
  for (gsize cj = 0; cj < grid; cj++)
    for (gsize ci = 0; ci < grid; ci++)
      {
        double xy[2];
        xy[0] = plane->view[0] + ((double) ci + 0.5) * nw.dx * (double) refine;
        xy[1] = plane->view[2] + ((double) cj + 0.5) * nw.dy * (double) refine;
        eval_point (&nw, xy, centre + 6 * (cj * grid + ci), centre + 6 * (cj * grid + ci) + 2);
      }
  for (int k = 0; k < 2; k++)
    if (!(nw.gscale[k] > 0.0))
      nw.gscale[k] = 1.0;

  for (int k = 0; k < 2 && ok; k++)
    {
      gsize processed = 0;

      nw.var = k;
      nw.visited = g_new0 (guint8, (nw.NX * nw.NY + 7) / 8);
      nw.crossing = g_hash_table_new (g_direct_hash, g_direct_equal);
      nw.tangent = g_hash_table_new (g_direct_hash, g_direct_equal);
      nw.points = g_array_new (FALSE, FALSE, sizeof (double));
      nw.segments = g_array_new (FALSE, FALSE, sizeof (Segment));
      nw.queue = g_array_new (FALSE, FALSE, sizeof (gsize));

      for (gsize cj = 0; cj < grid && ok; cj++)
        for (gsize ci = 0; ci < grid && ok; ci++)
          {
            const double *c = centre + 6 * (cj * grid + ci);
            const double gc = c[k], gx = c[2 + 2 * k], gy = c[3 + 2 * k];
            const double half_x = 0.5 * nw.dx * (double) refine;
            const double half_y = 0.5 * nw.dy * (double) refine;
            double v[4];
            gboolean flag;

            v[0] = vertex_get (&nw, ci * refine, cj * refine).g[k];
            v[1] = vertex_get (&nw, (ci + 1) * refine, cj * refine).g[k];
            v[2] = vertex_get (&nw, (ci + 1) * refine, (cj + 1) * refine).g[k];
            v[3] = vertex_get (&nw, ci * refine, (cj + 1) * refine).g[k];
            flag = !all_finite (v, 4) ||
                   (v[0] >= 0) != (v[1] >= 0) || (v[0] >= 0) != (v[2] >= 0) ||
                   (v[0] >= 0) != (v[3] >= 0) ||
                   fabs (gc) <= 1.5 * (fabs (gx) * half_x + fabs (gy) * half_y);
            if (!flag)
              continue;
            for (gsize fj = 0; fj < refine; fj++)
              for (gsize fi = 0; fi < refine; fi++)
                push_cell (&nw, (gssize) (ci * refine + fi), (gssize) (cj * refine + fj));
            /* follow the curves from these cells */
            for (guint q = 0; q < nw.queue->len; q++)
              {
                process_cell (&nw, g_array_index (nw.queue, gsize, q));
                if (++processed % 1024 == 0 && g_cancellable_is_cancelled (cancellable))
                  {
                    ok = FALSE;
                    break;
                  }
              }
            g_array_set_size (nw.queue, 0);
          }
      if (ok)
        {
          join_polylines (&nw, result->curves[k]);
          bridge_gaps (&nw, result->curves[k]);
        }
      g_free (nw.visited);
      g_hash_table_unref (nw.crossing);
      g_hash_table_unref (nw.tangent);
      g_array_unref (nw.points);
      g_array_unref (nw.segments);
      g_array_unref (nw.queue);
    }
  g_hash_table_unref (nw.vindex);
  g_array_unref (nw.verts);
  if (!ok || g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                   "nullclines cancelled");
      return NULL;
    }
  if (nw.n_nonfinite > 0)
    g_ptr_array_add (result->warnings,
                     g_strdup_printf ("the field is not finite in %" G_GSIZE_FORMAT " grid "
                                      "cells: no nullcline is drawn there", nw.n_nonfinite));
  if (nw.n_dropped > 0)
    g_ptr_array_add (result->warnings,
                     g_strdup_printf ("… and %" G_GSIZE_FORMAT " more warnings", nw.n_dropped));
  if (!currents_field_is_autonomous (plane->parent))
    g_ptr_array_add (result->warnings,
                     g_strdup_printf ("the model depends on t: nullclines at t = %g", plane->t));
  return g_steal_pointer (&result);
}

/* ------------------------------------------------------------------------------------ */
/* Trajectories                                                                          */

const char *
currents_phase_stop_to_string (CurrentsPhaseStop stop)
{
  switch (stop)
    {
    case CURRENTS_PHASE_STOP_EDGE: return "edge";
    case CURRENTS_PHASE_STOP_EQUILIBRIUM: return "equilibrium";
    case CURRENTS_PHASE_STOP_BLOW_UP: return "blow-up";
    case CURRENTS_PHASE_STOP_TIME: return "time";
    default: return "unknown";
    }
}

void
currents_phase_trajectory_free (CurrentsPhaseTrajectory *traj)
{
  if (traj == NULL)
    return;
  g_free (traj->t);
  g_free (traj->xy);
  g_free (traj);
}

void
currents_trajectory_options_init (CurrentsTrajectoryOptions *options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof *options);
  currents_sim_options_init (&options->sim);
  options->sim.method = CURRENTS_METHOD_RK8PD;
  options->sim.rtol = 1e-10;
  options->sim.atol = 1e-12;
  options->sim.h_max = 0.0;
  options->t0 = 0.0;
  options->t_max = 100.0;
  options->margin = 0.05;
  options->eq_tol = 1e-6;
}

static gboolean
is_blow_up (const GError *error)
{
  return error->domain == CURRENTS_ENGINE_ERROR &&
         (error->code == CURRENTS_ENGINE_ERROR_NON_FINITE ||
          error->code == CURRENTS_ENGINE_ERROR_OUT_OF_BOUNDS ||
          error->code == CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW ||
          error->code == CURRENTS_ENGINE_ERROR_MAX_STEPS);
}

static void
margin_box (const CurrentsPhasePlane *plane,
            double                    margin,
            double                    box[4])
{
  box[0] = plane->view[0] - margin * view_w (plane);
  box[1] = plane->view[1] + margin * view_w (plane);
  box[2] = plane->view[2] - margin * view_h (plane);
  box[3] = plane->view[3] + margin * view_h (plane);
}

static inline gboolean
inside (const double *box,
        const double *xy)
{
  return xy[0] >= box[0] && xy[0] <= box[1] && xy[1] >= box[2] && xy[1] <= box[3];
}

/* The fraction s ∈ [0, 1] of P → Q where it leaves the box (P inside), and through
 * which side (coordinate *c, bound *bound). */
static double
exit_fraction (const double *box,
               const double *P,
               const double *Q,
               int          *side_c,
               double       *side_bound)
{
  double s = 1.0;

  for (int c = 0; c < 2; c++)
    {
      double lo = box[2 * c], hi = box[2 * c + 1];
      if (Q[c] > hi && Q[c] != P[c] && (hi - P[c]) / (Q[c] - P[c]) <= s)
        {
          s = (hi - P[c]) / (Q[c] - P[c]);
          *side_c = c;
          *side_bound = hi;
        }
      if (Q[c] < lo && Q[c] != P[c] && (lo - P[c]) / (Q[c] - P[c]) <= s)
        {
          s = (lo - P[c]) / (Q[c] - P[c]);
          *side_c = c;
          *side_bound = lo;
        }
    }
  return CLAMP (s, 0.0, 1.0);
}

/* Where the trajectory from (tp, P) crosses the box's side between tp and tq: Newton in
 * the time τ on x_c(tp + τ) = bound, each x(tp + τ) an exact integration from P, so the
 * point lies on the trajectory and on the side. */
static void
cut_at_edge (const CurrentsPhasePlane *plane,
             CurrentsSimulator        *sim,
             CurrentsInputSignal      *sig,
             CurrentsFieldWorkspace   *ws,
             const double             *box,
             const double             *P,
             double                    tp,
             const double             *Q,
             double                    tq,
             double                   *pt,
             double                   *tt)
{
  int c = 0;
  double bound = box[0];
  double s = exit_fraction (box, P, Q, &c, &bound);
  double tau = s * (tq - tp), x[2], g[2];

  pt[0] = P[0] + s * (Q[0] - P[0]);
  pt[1] = P[1] + s * (Q[1] - P[1]);
  *tt = tp + tau;
  for (int it = 0; it < 6; it++)
    {
      double t1 = tp + tau, step;

      if (t1 == tp)
        {
          x[0] = P[0];
          x[1] = P[1];
        }
      else if (!currents_simulator_run (sim, P, plane->p, sig, tp, &t1, 1, x, NULL, NULL, NULL))
        return;
      pt[0] = x[0];
      pt[1] = x[1];
      *tt = t1;
      currents_field_eval (ws, t1, x, plane->u, plane->p, g);
      if (x[c] == bound || g[c] == 0.0 || !isfinite (g[c]))
        break;
      step = -(x[c] - bound) / g[c];
      tau += step;
      if (tq > tp)
        tau = CLAMP (tau, 0.0, tq - tp);
      else
        tau = CLAMP (tau, tq - tp, 0.0);
      if (fabs (step) <= 1e-14 * MAX (1.0, fabs (t1)))
        break;
    }
  /* snap the rounding-level remainder onto the side */
  if (fabs (pt[c] - bound) <= 1e-9 * (box[2 * c + 1] - box[2 * c]))
    pt[c] = bound;
}

static void
sim_options_for_plane (const CurrentsPhasePlane *plane,
                       const CurrentsSimOptions *in,
                       double                    t_max,
                       CurrentsSimOptions       *out)
{
  *out = *in;
  if (!(out->h_max > 0.0))
    out->h_max = MIN (0.01 / plane->speed_ref, t_max / 20.0);
}

static CurrentsInputSignal *
plane_signal (const CurrentsPhasePlane *plane)
{
  return plane->m > 0 ? currents_input_signal_new_constant (plane->m, plane->u) : NULL;
}

/**
 * currents_phase_trajectory:
 * (see the header)
 *
 * Returns: (transfer full): the trajectory, or %NULL with @error set
 */
CurrentsPhaseTrajectory *
currents_phase_trajectory (const CurrentsPhasePlane        *plane,
                           const double                     xy0[2],
                           int                              direction,
                           const CurrentsTrajectoryOptions *options,
                           GCancellable                    *cancellable,
                           GError                         **error)
{
  CurrentsTrajectoryOptions defaults;
  CurrentsSimOptions so;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(CurrentsInputSignal) sig = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autoptr(GArray) ts = NULL, xs = NULL, tc = NULL, xc = NULL;
  CurrentsPhaseTrajectory *traj;
  double box[4], x[2], t, chunk, g[2];
  CurrentsPhaseStop stop = CURRENTS_PHASE_STOP_TIME;
  gboolean done = FALSE;

  g_return_val_if_fail (plane != NULL && xy0 != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      currents_trajectory_options_init (&defaults);
      options = &defaults;
    }
  if ((direction != 1 && direction != -1) || !all_finite (xy0, 2) ||
      !(options->t_max > 0.0) || !isfinite (options->t_max) || !(options->margin >= 0.0) ||
      !isfinite (options->t0) || !(options->eq_tol >= 0.0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a trajectory needs a finite start point, a direction of ±1, a time limit "
                   "> 0 and a margin ≥ 0");
      return NULL;
    }
  sim_options_for_plane (plane, &options->sim, options->t_max, &so);
  sim = currents_simulator_new (plane->field, &so);
  sig = plane_signal (plane);
  ws = currents_field_workspace_new (plane->field);
  margin_box (plane, options->margin, box);
  ts = g_array_new (FALSE, FALSE, sizeof (double));
  xs = g_array_new (FALSE, FALSE, sizeof (double));
  tc = g_array_new (FALSE, FALSE, sizeof (double));
  xc = g_array_new (FALSE, FALSE, sizeof (double));

  t = options->t0;
  x[0] = xy0[0];
  x[1] = xy0[1];
  g_array_append_val (ts, t);
  g_array_append_vals (xs, x, 2);
  currents_field_eval (ws, t, x, plane->u, plane->p, g);
  if (!inside (box, x))
    {
      stop = CURRENTS_PHASE_STOP_EDGE;
      done = TRUE;
    }
  else if (!all_finite (g, 2))
    {
      stop = CURRENTS_PHASE_STOP_BLOW_UP;
      done = TRUE;
    }
  else if (scaled_speed (plane, g) <= options->eq_tol * plane->speed_ref)
    {
      stop = CURRENTS_PHASE_STOP_EQUILIBRIUM;
      done = TRUE;
    }
  chunk = MIN (50.0 * so.h_max, options->t_max);

  while (!done)
    {
      g_autoptr(GError) local = NULL;
      double span = fabs (t - options->t0);
      double t_end = options->t0 + direction * MIN (options->t_max, span + chunk);
      gboolean ok;

      g_array_set_size (tc, 0);
      g_array_set_size (xc, 0);
      ok = currents_simulator_run_dense (sim, x, plane->p, sig, t, t_end, tc, xc, cancellable,
                                         &local);
      for (guint k = 1; k < tc->len && !done; k++)
        {
          const double *q = &g_array_index (xc, double, 2 * k);
          double tq = g_array_index (tc, double, k);

          if (!all_finite (q, 2))
            {
              stop = CURRENTS_PHASE_STOP_BLOW_UP;
              done = TRUE;
              break;
            }
          if (!inside (box, q))
            {
              const double *P = &g_array_index (xs, double, xs->len - 2);
              double tp = g_array_index (ts, double, ts->len - 1);
              double pt[2], tt, Pc[2] = { P[0], P[1] };

              cut_at_edge (plane, sim, sig, ws, box, Pc, tp, q, tq, pt, &tt);

              g_array_append_val (ts, tt);
              g_array_append_vals (xs, pt, 2);
              stop = CURRENTS_PHASE_STOP_EDGE;
              done = TRUE;
              break;
            }
          g_array_append_val (ts, tq);
          g_array_append_vals (xs, q, 2);
          currents_field_eval (ws, tq, q, plane->u, plane->p, g);
          if (!all_finite (g, 2))
            {
              stop = CURRENTS_PHASE_STOP_BLOW_UP;
              done = TRUE;
            }
          else if (scaled_speed (plane, g) <= options->eq_tol * plane->speed_ref)
            {
              stop = CURRENTS_PHASE_STOP_EQUILIBRIUM;
              done = TRUE;
            }
        }
      if (done)
        break;
      if (!ok)
        {
          if (is_blow_up (local))
            {
              g_debug ("trajectory stopped: %s", local->message);
              stop = CURRENTS_PHASE_STOP_BLOW_UP;
              break;
            }
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (fabs (t_end - options->t0) >= options->t_max)
        {
          stop = CURRENTS_PHASE_STOP_TIME;
          break;
        }
      t = t_end;
      x[0] = g_array_index (xs, double, xs->len - 2);
      x[1] = g_array_index (xs, double, xs->len - 1);
    }

  traj = g_new0 (CurrentsPhaseTrajectory, 1);
  traj->direction = direction;
  traj->n_points = ts->len;
  traj->stopped = stop;
  traj->t = (double *) g_array_free (g_steal_pointer (&ts), FALSE);
  traj->xy = (double *) g_array_free (g_steal_pointer (&xs), FALSE);
  return traj;
}

/* ------------------------------------------------------------------------------------ */
/* Equilibria, separatrices                                                              */

GPtrArray *
currents_phase_equilibria (const CurrentsPhasePlane *plane,
                           GCancellable             *cancellable,
                           GError                  **error)
{
  CurrentsEquilibriaOptions eo;
  g_autoptr(GPtrArray) all = NULL;
  GPtrArray *in;
  double lo[2] = { plane->view[0], plane->view[2] };
  double hi[2] = { plane->view[1], plane->view[3] };

  g_return_val_if_fail (plane != NULL, NULL);

  currents_equilibria_options_init (&eo);
  eo.lo = lo;
  eo.hi = hi;
  eo.t = plane->t;
  all = currents_equilibria_find (plane->field, plane->p, plane->u, &eo, cancellable, error);
  if (all == NULL)
    return NULL;
  in = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_equilibrium_free);
  for (guint i = 0; i < all->len; i++)
    {
      CurrentsEquilibrium *eq = g_ptr_array_index (all, i);
      if (eq->state[0] >= lo[0] && eq->state[0] <= hi[0] &&
          eq->state[1] >= lo[1] && eq->state[1] <= hi[1])
        g_ptr_array_add (in, currents_equilibrium_copy (eq));
    }
  return in;
}

void
currents_separatrix_free (CurrentsSeparatrix *sep)
{
  if (sep == NULL)
    return;
  for (int i = 0; i < 4; i++)
    currents_phase_trajectory_free (sep->branches[i]);
  g_free (sep);
}

GPtrArray *
currents_phase_separatrices (const CurrentsPhasePlane        *plane,
                             GPtrArray                       *equilibria,
                             double                           delta,
                             const CurrentsTrajectoryOptions *options,
                             GCancellable                    *cancellable,
                             GError                         **error)
{
  g_autoptr(GPtrArray) own = NULL;
  g_autoptr(GPtrArray) seps = NULL;
  const double diag = hypot (view_w (plane), view_h (plane));

  g_return_val_if_fail (plane != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (delta == 0.0)
    delta = 1e-5;
  if (!(delta > 0.0 && delta < 0.1))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the separatrix offset must be in (0, 0.1) of the view's diagonal "
                   "(given %g)", delta);
      return NULL;
    }
  if (equilibria == NULL)
    {
      own = currents_phase_equilibria (plane, cancellable, error);
      if (own == NULL)
        return NULL;
      equilibria = own;
    }
  seps = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_separatrix_free);
  for (guint e = 0; e < equilibria->len; e++)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (equilibria, e);
      g_autoptr(CurrentsSeparatrix) sep = NULL;

      if (eq->n != 2)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "separatrices need equilibria of the plane (2 states, given %"
                       G_GSIZE_FORMAT ")", eq->n);
          return NULL;
        }
      if (eq->type != CURRENTS_EQUILIBRIUM_SADDLE || eq->eig_im[0] != 0.0 ||
          !(eq->eig_re[0] > 0.0) || !(eq->eig_re[1] < 0.0))
        continue;
      if (eq->state[0] < plane->view[0] || eq->state[0] > plane->view[1] ||
          eq->state[1] < plane->view[2] || eq->state[1] > plane->view[3])
        continue;
      sep = g_new0 (CurrentsSeparatrix, 1);
      sep->saddle[0] = eq->state[0];
      sep->saddle[1] = eq->state[1];
      sep->eig_unstable = eq->eig_re[0];
      sep->eig_stable = eq->eig_re[1];
      /* column j of evec is eigenvector j */
      for (int c = 0; c < 2; c++)
        {
          double *v = c == 0 ? sep->v_unstable : sep->v_stable;
          double nv;

          v[0] = eq->evec_re[0 * 2 + c];
          v[1] = eq->evec_re[1 * 2 + c];
          nv = hypot (v[0], v[1]);
          v[0] /= nv;
          v[1] /= nv;
        }
      for (int br = 0; br < 4; br++)
        {
          const double *v = br < 2 ? sep->v_unstable : sep->v_stable;
          const double sign = (br % 2 == 0) ? 1.0 : -1.0;
          double start[2];

          start[0] = eq->state[0] + sign * delta * diag * v[0];
          start[1] = eq->state[1] + sign * delta * diag * v[1];
          sep->branches[br] = currents_phase_trajectory (plane, start, br < 2 ? 1 : -1,
                                                         options, cancellable, error);
          if (sep->branches[br] == NULL)
            return NULL;
        }
      g_ptr_array_add (seps, g_steal_pointer (&sep));
    }
  return g_steal_pointer (&seps);
}

/* ------------------------------------------------------------------------------------ */
/* Limit cycles                                                                          */

CurrentsPeriodicOrbit *
currents_phase_limit_cycle (const CurrentsPhasePlane *plane,
                            const double              xy0[2],
                            double                    t_max,
                            GCancellable             *cancellable,
                            GError                  **error)
{
  g_return_val_if_fail (plane != NULL && xy0 != NULL, NULL);

  if (t_max <= 0.0)
    t_max = 1000.0;
  return currents_periodic_orbit_find_stable (plane->field, plane->p, plane->u, xy0, t_max,
                                              cancellable, error);
}

CurrentsPolyline *
currents_phase_orbit_curve (const CurrentsPhasePlane    *plane,
                            const CurrentsPeriodicOrbit *orbit,
                            GCancellable                *cancellable,
                            GError                     **error)
{
  CurrentsSimOptions so;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(CurrentsInputSignal) sig = NULL;
  g_autoptr(GArray) ts = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) xs = g_array_new (FALSE, FALSE, sizeof (double));
  CurrentsPolyline *line;

  g_return_val_if_fail (plane != NULL && orbit != NULL && orbit->n == 2, NULL);

  currents_sim_options_init (&so);
  so.method = CURRENTS_METHOD_RK8PD;
  so.rtol = 1e-10;
  so.atol = 1e-12;
  so.h_max = orbit->period / 200.0;
  sim = currents_simulator_new (plane->field, &so);
  sig = plane_signal (plane);
  if (!currents_simulator_run_dense (sim, orbit->x0, plane->p, sig, 0.0, orbit->period, ts, xs,
                                     cancellable, error))
    return NULL;
  /* close exactly */
  g_array_index (xs, double, xs->len - 2) = orbit->x0[0];
  g_array_index (xs, double, xs->len - 1) = orbit->x0[1];
  line = g_new0 (CurrentsPolyline, 1);
  line->n_points = xs->len / 2;
  line->closed = TRUE;
  line->xy = (double *) g_array_free (g_steal_pointer (&xs), FALSE);
  return line;
}

/* ------------------------------------------------------------------------------------ */
/* Basins                                                                                */

void
currents_attractor_free (CurrentsAttractor *attractor)
{
  if (attractor == NULL)
    return;
  currents_periodic_orbit_free (attractor->orbit);
  currents_polyline_free (attractor->curve);
  g_free (attractor);
}

void
currents_basins_free (CurrentsBasins *basins)
{
  if (basins == NULL)
    return;
  g_free (basins->labels);
  g_clear_pointer (&basins->attractors, g_ptr_array_unref);
  g_free (basins);
}

void
currents_basins_options_init (CurrentsBasinsOptions *options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof *options);
  options->nx = 64;
  options->ny = 64;
  options->n_threads = 0;
  currents_trajectory_options_init (&options->trajectory);
  options->trajectory.sim.rtol = 1e-8;
  options->trajectory.sim.atol = 1e-10;
  options->trajectory.t_max = 200.0;
  options->trajectory.margin = 1.0;
}

#define LABEL_UNRESOLVED (-3)

typedef struct
{
  const CurrentsPhasePlane *plane;
  CurrentsSimOptions        sim;
  double                    t_max;
  double                    chunk;
  double                    box[4];      /* escape box */
  gsize                     nx;
  gsize                     ny;
  GPtrArray                *attractors;  /* read-only while the workers run */
  gsize                     n_eq;        /* the first n_eq attractors are equilibria */
  double                    r_cap;       /* capture radius, scaled */
  double                    eq_speed;    /* a slower scaled speed is an equilibrium */
  int                      *labels;
  double                   *ends;        /* 2 per cell: where an unresolved run ended */
  gint                      next_row;
  gint                      stop;
  GCancellable             *cancellable;
  GMutex                    lock;
  GError                   *error;
} BasinJob;

/* Scaled distance from q to the polyline. */
static double
curve_dist (const CurrentsPhasePlane *plane,
            const CurrentsPolyline   *line,
            const double             *q)
{
  const double W = view_w (plane), H = view_h (plane);
  double best = INFINITY;

  for (gsize k = 0; k + 1 < line->n_points; k++)
    {
      const double *a = line->xy + 2 * k, *b = a + 2;
      double ax = a[0] / W, ay = a[1] / H, bx = b[0] / W, by = b[1] / H;
      double qx = q[0] / W, qy = q[1] / H;
      double dx = bx - ax, dy = by - ay, L2 = dx * dx + dy * dy, s = 0.0;

      if (L2 > 0)
        s = CLAMP (((qx - ax) * dx + (qy - ay) * dy) / L2, 0.0, 1.0);
      best = MIN (best, hypot (qx - ax - s * dx, qy - ay - s * dy));
    }
  return best;
}

static int
capture (const BasinJob *job,
         const double   *q)
{
  for (guint a = 0; a < job->attractors->len; a++)
    {
      const CurrentsAttractor *at = g_ptr_array_index (job->attractors, a);

      if (at->kind == CURRENTS_ATTRACTOR_EQUILIBRIUM)
        {
          if (scaled_dist (job->plane, q, at->state) <= job->r_cap)
            return (int) a;
        }
      else if (curve_dist (job->plane, at->curve, q) <= job->r_cap)
        return (int) a;
    }
  return LABEL_UNRESOLVED;
}

/* Follows one cell's trajectory; returns its label (LABEL_UNRESOLVED with the end point).
 * The state is examined every job->chunk time units; the runs between restarts of the
 * solver hold 1, 2, 4, … 64 of those intervals, so a trajectory captured early wastes
 * little and a long one restarts rarely. */
static int
basin_cell (BasinJob               *job,
            CurrentsSimulator      *sim,
            CurrentsInputSignal    *sig,
            CurrentsFieldWorkspace *ws,
            const double           *xy,
            double                 *end,
            GError                **error)
{
  double x[2] = { xy[0], xy[1] }, t = 0.0, times[64], out[128];
  int label = capture (job, x);
  gsize per_run = 1;

  while (label == LABEL_UNRESOLVED && t < job->t_max)
    {
      g_autoptr(GError) local = NULL;
      gsize n_times = 0, reached = 0;
      gboolean ok;

      while (n_times < per_run && t + (double) (n_times + 1) * job->chunk < job->t_max)
        {
          times[n_times] = t + (double) (n_times + 1) * job->chunk;
          n_times++;
        }
      if (n_times < per_run)
        times[n_times++] = job->t_max;
      per_run = MIN (2 * per_run, G_N_ELEMENTS (times));
      ok = currents_simulator_run (sim, x, job->plane->p, sig, t, times, n_times, out, &reached,
                                   job->cancellable, &local);
      for (gsize k = 0; k < reached && label == LABEL_UNRESOLVED; k++)
        {
          const double *q = out + 2 * k;
          double g[2];

          x[0] = q[0];
          x[1] = q[1];
          t = times[k];
          if (!all_finite (x, 2) || !inside (job->box, x))
            return CURRENTS_BASIN_ESCAPED;
          label = capture (job, x);
          if (label != LABEL_UNRESOLVED)
            break;
          /* stuck at an equilibrium that is no attractor (a saddle's stable manifold) */
          currents_field_eval (ws, 0.0, x, job->plane->u, job->plane->p, g);
          if (!all_finite (g, 2))
            return CURRENTS_BASIN_ESCAPED;
          if (scaled_speed (job->plane, g) <= job->eq_speed)
            {
              end[0] = x[0];
              end[1] = x[1];
              return LABEL_UNRESOLVED;
            }
        }
      if (label != LABEL_UNRESOLVED)
        break;
      if (!ok)
        {
          if (is_blow_up (local))
            return CURRENTS_BASIN_ESCAPED;
          g_propagate_error (error, g_steal_pointer (&local));
          return LABEL_UNRESOLVED;
        }
    }
  end[0] = x[0];
  end[1] = x[1];
  return label;
}

static gpointer
basin_worker (gpointer data)
{
  BasinJob *job = data;
  g_autoptr(CurrentsSimulator) sim = currents_simulator_new (job->plane->field, &job->sim);
  g_autoptr(CurrentsInputSignal) sig = plane_signal (job->plane);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (job->plane->field);
  const double *view = job->plane->view;

  for (;;)
    {
      gint j = g_atomic_int_add (&job->next_row, 1);

      if (j >= (gint) job->ny || g_atomic_int_get (&job->stop))
        break;
      for (gsize i = 0; i < job->nx; i++)
        {
          GError *local = NULL;
          gsize c = (gsize) j * job->nx + i;
          double xy[2];

          if (g_atomic_int_get (&job->stop))
            break;
          if (g_cancellable_is_cancelled (job->cancellable))
            {
              g_atomic_int_set (&job->stop, 1);
              break;
            }
          xy[0] = view[0] + ((double) i + 0.5) * (view[1] - view[0]) / (double) job->nx;
          xy[1] = view[2] + ((double) j + 0.5) * (view[3] - view[2]) / (double) job->ny;
          job->ends[2 * c] = xy[0];
          job->ends[2 * c + 1] = xy[1];
          job->labels[c] = basin_cell (job, sim, sig, ws, xy, job->ends + 2 * c, &local);
          if (local != NULL)
            {
              g_mutex_lock (&job->lock);
              if (job->error == NULL)
                job->error = local;
              else
                g_error_free (local);
              g_mutex_unlock (&job->lock);
              g_atomic_int_set (&job->stop, 1);
              break;
            }
        }
    }
  return NULL;
}

/* Adds a stable limit cycle through xy0 unless it is one already known; returns its
 * attractor index, or -1. */
static int
add_cycle (BasinJob                 *job,
           const double             *xy0,
           gboolean                 *cancelled,
           GError                  **error)
{
  g_autoptr(GError) local = NULL;
  g_autoptr(CurrentsPeriodicOrbit) orbit = NULL;
  g_autoptr(CurrentsPolyline) curve = NULL;
  CurrentsAttractor *at;
  int known;

  *cancelled = FALSE;
  orbit = currents_phase_limit_cycle (job->plane, xy0, job->t_max, job->cancellable, &local);
  if (orbit == NULL)
    {
      if (local != NULL)
        {
          *cancelled = g_error_matches (local, CURRENTS_ENGINE_ERROR,
                                        CURRENTS_ENGINE_ERROR_CANCELLED);
          g_propagate_error (error, g_steal_pointer (&local));
        }
      return -1;
    }
  if (!orbit->stable)
    return -1;
  known = capture (job, orbit->x0);
  if (known >= 0)
    return known;
  curve = currents_phase_orbit_curve (job->plane, orbit, job->cancellable, error);
  if (curve == NULL)
    return -1;
  at = g_new0 (CurrentsAttractor, 1);
  at->kind = CURRENTS_ATTRACTOR_LIMIT_CYCLE;
  at->state[0] = orbit->x0[0];
  at->state[1] = orbit->x0[1];
  at->orbit = g_steal_pointer (&orbit);
  at->curve = g_steal_pointer (&curve);
  g_ptr_array_add (job->attractors, at);
  return (int) job->attractors->len - 1;
}

/**
 * currents_phase_basins:
 * (see the header)
 *
 * Returns: (transfer full): labels and attractors, or %NULL with @error set (bad
 *   arguments, a non-autonomous model, cancellation)
 */
CurrentsBasins *
currents_phase_basins (const CurrentsPhasePlane    *plane,
                       const CurrentsBasinsOptions *options,
                       GCancellable                *cancellable,
                       GError                     **error)
{
  CurrentsBasinsOptions defaults;
  g_autoptr(GPtrArray) eqs = NULL;
  g_autoptr(GPtrArray) attractors = NULL;
  g_autoptr(CurrentsBasins) result = NULL;
  g_autofree double *ends = NULL;
  BasinJob job = { 0 };
  guint n_threads;
  GThread **threads;
  double dmin = INFINITY;
  gsize n_cells;
  int attempts = 0;

  g_return_val_if_fail (plane != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (options == NULL)
    {
      currents_basins_options_init (&defaults);
      options = &defaults;
    }
  if (!currents_field_is_autonomous (plane->field))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "basins of attraction need an autonomous model (this one depends on t)");
      return NULL;
    }
  if (options->nx < 1 || options->ny < 1 || options->nx > 4096 || options->ny > 4096 ||
      !(options->trajectory.t_max > 0.0) || !isfinite (options->trajectory.t_max) ||
      !(options->trajectory.margin >= 0.0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the basin grid must have 1 to 4096 cells per side and the time limit "
                   "must be > 0 (given %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT ", t_max %g)",
                   options->nx, options->ny, options->trajectory.t_max);
      return NULL;
    }

  /* attractors: stable equilibria, then stable cycles from a 3×3 set of seeds */
  eqs = currents_phase_equilibria (plane, cancellable, error);
  if (eqs == NULL)
    return NULL;
  attractors = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_attractor_free);
  for (guint e = 0; e < eqs->len; e++)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (eqs, e);

      for (guint f = e + 1; f < eqs->len; f++)
        dmin = MIN (dmin, scaled_dist (plane, eq->state,
                                       ((CurrentsEquilibrium *) g_ptr_array_index (eqs, f))->state));
      if (eq->stable)
        {
          CurrentsAttractor *at = g_new0 (CurrentsAttractor, 1);
          at->kind = CURRENTS_ATTRACTOR_EQUILIBRIUM;
          at->state[0] = eq->state[0];
          at->state[1] = eq->state[1];
          g_ptr_array_add (attractors, at);
        }
    }

  job.plane = plane;
  job.t_max = options->trajectory.t_max;
  job.chunk = MIN (0.2 / plane->speed_ref, job.t_max);
  /* labels need no smooth curves: no step limit beyond the chunk */
  job.sim = options->trajectory.sim;
  job.eq_speed = 1e-3 * options->trajectory.eq_tol * plane->speed_ref;
  margin_box (plane, options->trajectory.margin > 0 ? options->trajectory.margin : 1.0, job.box);
  job.nx = options->nx;
  job.ny = options->ny;
  job.attractors = attractors;
  job.n_eq = attractors->len;
  job.r_cap = MIN (0.01, 0.25 * dmin);
  job.cancellable = cancellable;
  g_mutex_init (&job.lock);

  for (int s = 0; s < 9; s++)
    {
      double xy[2];
      gboolean cancelled;
      g_autoptr(GError) local = NULL;

      xy[0] = plane->view[0] + ((s % 3) + 0.5) * view_w (plane) / 3.0;
      xy[1] = plane->view[2] + ((s / 3) + 0.5) * view_h (plane) / 3.0;
      add_cycle (&job, xy, &cancelled, &local);
      if (cancelled)
        {
          g_mutex_clear (&job.lock);
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
    }

  n_cells = job.nx * job.ny;
  result = g_new0 (CurrentsBasins, 1);
  result->nx = job.nx;
  result->ny = job.ny;
  result->labels = g_new0 (int, n_cells);
  memcpy (result->view, plane->view, sizeof result->view);
  ends = g_new0 (double, 2 * n_cells);
  job.labels = result->labels;
  job.ends = ends;

  /* a neural field's kernels call OpenBLAS: on the calling thread only */
  currents_mlp_blas_init ();
  n_threads = options->n_threads > 0 ? options->n_threads : g_get_num_processors ();
  n_threads = (guint) MIN ((gsize) MAX (n_threads, 1), job.ny);
  threads = g_new0 (GThread *, n_threads);
  for (guint w = 1; w < n_threads; w++)
    threads[w] = g_thread_new ("currents-basins", basin_worker, &job);
  basin_worker (&job);
  for (guint w = 1; w < n_threads; w++)
    g_thread_join (threads[w]);
  g_free (threads);

  if (job.error != NULL || g_cancellable_is_cancelled (cancellable))
    {
      if (job.error != NULL)
        g_propagate_error (error, job.error);
      else
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                     "basins cancelled");
      g_mutex_clear (&job.lock);
      return NULL;
    }
  g_mutex_clear (&job.lock);

  /* undecided cells, in row-major order: a cycle found late, an unstable equilibrium, or
   * something else */
  for (gsize c = 0; c < n_cells; c++)
    {
      const double *end = ends + 2 * c;
      int label;

      if (result->labels[c] != LABEL_UNRESOLVED)
        continue;
      label = capture (&job, end);
      if (label == LABEL_UNRESOLVED)
        {
          gboolean at_eq = FALSE;

          for (guint e = 0; e < eqs->len; e++)
            if (scaled_dist (plane, end,
                             ((CurrentsEquilibrium *) g_ptr_array_index (eqs, e))->state) <= 1e-3)
              at_eq = TRUE;
          if (!at_eq && attempts < 4)
            {
              gboolean cancelled;
              g_autoptr(GError) local = NULL;
              int a;

              attempts++;
              a = add_cycle (&job, end, &cancelled, &local);
              if (cancelled)
                {
                  g_propagate_error (error, g_steal_pointer (&local));
                  return NULL;
                }
              if (a >= 0)
                label = a;
            }
        }
      result->labels[c] = label == LABEL_UNRESOLVED ? CURRENTS_BASIN_OTHER : label;
    }
  result->attractors = g_steal_pointer (&attractors);
  return g_steal_pointer (&result);
}
