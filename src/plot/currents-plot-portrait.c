/* currents-plot-portrait.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Preview nullclines g_k(ξ, η) = 0 (k = 0, 1) by marching squares: g is evaluated at the
 * (nx + 1) × (ny + 1) vertices of a grid over the view in one batch; on every edge whose
 * ends differ in sign the crossing is interpolated linearly and refined by one
 * regula-falsi step (one more batched evaluation at all crossings), which makes its error
 * of order h³ g''' instead of h² g''. A cell with four crossings is resolved by the mean
 * of its corners (the centre's sign decides which corners the curves cut off). Segments
 * share their edge's crossing and join into polylines, open or closed.
 *
 * Equilibria are where the two nullclines cross: every pair of crossing segments gives a
 * start for Newton on the planar field (exact Jacobian), which converges in a few steps.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-plot"

#include <math.h>
#include <string.h>

#include "currents-plot-portrait.h"

static const CurrentsPortraitLabels default_labels = {
  "%s\u2032 = 0", "stable", "unstable", "saddle", "neutral", "speed", "stable manifold",
  "unstable manifold", "trajectories", "from the initial state", "launched", "limit cycle",
};

#define LABEL(labels, field) \
  ((labels) != NULL && (labels)->field != NULL ? (labels)->field : default_labels.field)

/* ------------------------------------------------------------------------------------ */
/* The spec                                                                              */

CurrentsPortraitSpec *
currents_portrait_spec_new_for_system (CurrentsSystem *system,
                                       int             ax,
                                       int             ay,
                                       const double   *view)
{
  CurrentsPortraitSpec *spec;
  int wx, wy;
  double win[4], total;

  g_return_val_if_fail (system != NULL, NULL);

  spec = g_new0 (CurrentsPortraitSpec, 1);
  spec->field = currents_field_ref (currents_system_get_field (system));
  spec->n = currents_system_get_n_states (system);
  spec->m = currents_system_get_n_inputs (system);
  spec->k = currents_system_get_n_params (system);
  spec->p = g_memdup2 (currents_system_get_params (system), MAX (spec->k, 1) * sizeof (double));
  spec->u = g_memdup2 (currents_system_get_inputs (system), MAX (spec->m, 1) * sizeof (double));
  spec->x = g_memdup2 (currents_system_get_initial (system), MAX (spec->n, 1) * sizeof (double));
  spec->t = currents_system_get_t0 (system);

  currents_system_get_window (system, &wx, &wy, &win[0], &win[1], &win[2], &win[3]);
  spec->ax = ax >= 0 ? (gsize) ax : (gsize) wx;
  spec->ay = ay >= 0 ? (gsize) ay : (gsize) wy;
  if (spec->ax == spec->ay && spec->n > 1)
    spec->ay = spec->ax == 0 ? 1 : 0;
  if (view != NULL)
    memcpy (spec->view, view, sizeof spec->view);
  else if ((gsize) wx == spec->ax && (gsize) wy == spec->ay)
    memcpy (spec->view, win, sizeof spec->view);
  else
    for (int k = 0; k < 2; k++)
      {
        /* the window belongs to other axes: around the initial state */
        double c = spec->x[k == 0 ? spec->ax : spec->ay];
        double h = MAX (1.0, fabs (c));

        spec->view[2 * k] = c - h;
        spec->view[2 * k + 1] = c + h;
      }

  total = currents_system_get_total (system);
  spec->t_max = total > 0.0 && isfinite (total) ? total : 20.0;
  currents_system_get_sim_options (system, &spec->sim);
  return spec;
}

CurrentsPortraitSpec *
currents_portrait_spec_copy (const CurrentsPortraitSpec *spec)
{
  CurrentsPortraitSpec *copy;

  g_return_val_if_fail (spec != NULL, NULL);

  copy = g_memdup2 (spec, sizeof *spec);
  copy->field = currents_field_ref (spec->field);
  copy->p = g_memdup2 (spec->p, MAX (spec->k, 1) * sizeof (double));
  copy->u = g_memdup2 (spec->u, MAX (spec->m, 1) * sizeof (double));
  copy->x = g_memdup2 (spec->x, MAX (spec->n, 1) * sizeof (double));
  return copy;
}

void
currents_portrait_spec_free (CurrentsPortraitSpec *spec)
{
  if (spec == NULL)
    return;
  g_clear_pointer (&spec->field, currents_field_unref);
  g_free (spec->p);
  g_free (spec->u);
  g_free (spec->x);
  g_free (spec);
}

CurrentsPhasePlane *
currents_portrait_spec_get_plane (const CurrentsPortraitSpec  *spec,
                                  GError                     **error)
{
  g_return_val_if_fail (spec != NULL, NULL);

  return currents_phase_plane_new (spec->field, spec->p, spec->u, spec->t, spec->ax, spec->ay,
                                   spec->x, spec->view, error);
}

/* ------------------------------------------------------------------------------------ */
/* Batched evaluation of the plane's field                                               */

typedef struct
{
  const CurrentsPortraitSpec *spec;
  CurrentsFieldWorkspace     *ws;
  gsize                       capacity;
  double                     *X;   /* rows × n */
  double                     *U;   /* rows × m */
  double                     *F;   /* rows × n */
} Batch;

static void
batch_init (Batch                      *b,
            const CurrentsPortraitSpec *spec)
{
  memset (b, 0, sizeof *b);
  b->spec = spec;
  b->ws = currents_field_workspace_new (spec->field);
}

static void
batch_clear (Batch *b)
{
  g_clear_pointer (&b->ws, currents_field_workspace_free);
  g_free (b->X);
  g_free (b->U);
  g_free (b->F);
}

/* g at the points xy (2 × rows, interleaved) into g (2 × rows). */
static void
batch_eval (Batch        *b,
            gsize         rows,
            const double *xy,
            double       *g)
{
  const CurrentsPortraitSpec *spec = b->spec;
  const gsize n = spec->n, m = spec->m;

  if (rows == 0)
    return;
  if (rows > b->capacity)
    {
      b->capacity = rows;
      b->X = g_renew (double, b->X, rows * n);
      b->U = g_renew (double, b->U, rows * MAX (m, 1));
      b->F = g_renew (double, b->F, rows * n);
    }
  for (gsize r = 0; r < rows; r++)
    {
      memcpy (b->X + r * n, spec->x, n * sizeof (double));
      b->X[r * n + spec->ax] = xy[2 * r];
      b->X[r * n + spec->ay] = xy[2 * r + 1];
      if (m > 0)
        memcpy (b->U + r * m, spec->u, m * sizeof (double));
    }
  currents_field_eval_batch (b->ws, rows, spec->t, b->X, m > 0 ? b->U : NULL, spec->p, b->F,
                             NULL);
  for (gsize r = 0; r < rows; r++)
    {
      g[2 * r] = b->F[r * n + spec->ax];
      g[2 * r + 1] = b->F[r * n + spec->ay];
    }
}

/* ------------------------------------------------------------------------------------ */
/* Preview nullclines                                                                    */

typedef struct
{
  gsize  nx, ny;
  double view[4];
  double *g;        /* vertices × 2 */
} Grid;

static inline gsize
vid (const Grid *grid,
     gsize       i,
     gsize       j)
{
  return j * (grid->nx + 1) + i;
}

static inline void
vertex_xy (const Grid *grid,
           gsize       i,
           gsize       j,
           double     *xy)
{
  xy[0] = i == grid->nx ? grid->view[1]
                        : grid->view[0] + (grid->view[1] - grid->view[0]) * i / grid->nx;
  xy[1] = j == grid->ny ? grid->view[3]
                        : grid->view[2] + (grid->view[3] - grid->view[2]) * j / grid->ny;
}

static inline gboolean
positive (double v)
{
  return v >= 0.0;
}

static GPtrArray *
join_segments (GArray *points,     /* (x, y) pairs */
               GArray *segments)   /* (a, b) index pairs */
{
  GPtrArray *lines = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_polyline_free);
  const gsize np = points->len / 2;
  g_autofree gint64 *adj = g_new (gint64, 2 * MAX (np, 1));
  g_autofree gboolean *used = g_new0 (gboolean, MAX (segments->len / 2, 1));
  g_autofree gboolean *seen = g_new0 (gboolean, MAX (np, 1));

  for (gsize p = 0; p < 2 * np; p++)
    adj[p] = -1;
  for (guint s = 0; s < segments->len / 2; s++)
    for (int e = 0; e < 2; e++)
      {
        gsize p = g_array_index (segments, gsize, 2 * s + e);

        if (adj[2 * p] < 0)
          adj[2 * p] = s;
        else
          adj[2 * p + 1] = s;
      }

  /* open curves from their ends first, then the closed ones */
  for (int pass = 0; pass < 2; pass++)
    for (gsize start = 0; start < np; start++)
      {
        g_autoptr(GArray) xy = NULL;
        CurrentsPolyline *line;
        gsize p = start;
        gboolean degree1 = adj[2 * start] >= 0 && adj[2 * start + 1] < 0;

        if (seen[start] || adj[2 * start] < 0 || (pass == 0 && !degree1))
          continue;
        xy = g_array_new (FALSE, FALSE, sizeof (double));
        for (;;)
          {
            gint64 next = -1;

            seen[p] = TRUE;
            g_array_append_vals (xy, &g_array_index (points, double, 2 * p), 2);
            for (int e = 0; e < 2; e++)
              {
                gint64 s = adj[2 * p + e];

                if (s >= 0 && !used[s])
                  {
                    gsize a = g_array_index (segments, gsize, 2 * s);
                    gsize b = g_array_index (segments, gsize, 2 * s + 1);

                    used[s] = TRUE;
                    next = a == p ? (gint64) b : (gint64) a;
                    break;
                  }
              }
            if (next < 0)
              break;
            if ((gsize) next == start)
              {
                /* closed: repeat the first point */
                g_array_append_vals (xy, &g_array_index (points, double, 2 * start), 2);
                break;
              }
            p = (gsize) next;
          }
        if (xy->len < 4)
          continue;
        line = g_new0 (CurrentsPolyline, 1);
        line->n_points = xy->len / 2;
        line->closed = pass == 1;
        line->xy = (double *) g_array_free (g_steal_pointer (&xy), FALSE);
        g_ptr_array_add (lines, line);
      }
  return lines;
}

static GPtrArray *
march (const Grid *grid,
       int         var,
       Batch      *batch)
{
  const gsize nx = grid->nx, ny = grid->ny;
  const gsize n_h = nx * (ny + 1), n_v = (nx + 1) * ny;
  g_autofree gint64 *cross = g_new (gint64, n_h + n_v);   /* edge → point index */
  g_autoptr(GArray) points = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) lo = g_array_new (FALSE, FALSE, sizeof (double)); /* per point: ends */
  g_autoptr(GArray) segments = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autofree double *gt = NULL;
  gsize np;

  /* crossings on every edge: linear interpolation */
  for (gsize e = 0; e < n_h + n_v; e++)
    {
      gboolean horizontal = e < n_h;
      gsize i = horizontal ? e % nx : (e - n_h) % (nx + 1);
      gsize j = horizontal ? e / nx : (e - n_h) / (nx + 1);
      gsize i2 = horizontal ? i + 1 : i, j2 = horizontal ? j : j + 1;
      double a = grid->g[2 * vid (grid, i, j) + var], b = grid->g[2 * vid (grid, i2, j2) + var];
      double pa[2], pb[2], t, q[6];

      cross[e] = -1;
      if (!isfinite (a) || !isfinite (b) || positive (a) == positive (b))
        continue;
      vertex_xy (grid, i, j, pa);
      vertex_xy (grid, i2, j2, pb);
      t = a / (a - b);
      q[0] = pa[0] + t * (pb[0] - pa[0]);
      q[1] = pa[1] + t * (pb[1] - pa[1]);
      cross[e] = (gint64) (points->len / 2);
      g_array_append_vals (points, q, 2);
      /* the bracket: ends and values, for the refinement */
      q[0] = pa[0];
      q[1] = pa[1];
      q[2] = pb[0];
      q[3] = pb[1];
      q[4] = a;
      q[5] = b;
      g_array_append_vals (lo, q, 6);
    }

  /* one regula-falsi step at every crossing, all in one batch */
  np = points->len / 2;
  gt = g_new (double, 2 * MAX (np, 1));
  batch_eval (batch, np, (const double *) points->data, gt);
  for (gsize p = 0; p < np; p++)
    {
      double *pt = &g_array_index (points, double, 2 * p);
      const double *br = &g_array_index (lo, double, 6 * p);
      double len = hypot (br[2] - br[0], br[3] - br[1]);
      double t = hypot (pt[0] - br[0], pt[1] - br[1]) / len;
      double ft = gt[2 * p + var], a = br[4], b = br[5], t2;

      if (!isfinite (ft) || ft == 0.0)
        continue;
      if (positive (ft) == positive (a))
        t2 = t + (1.0 - t) * ft / (ft - b);
      else
        t2 = t * a / (a - ft);
      if (!(t2 >= 0.0 && t2 <= 1.0))
        continue;
      pt[0] = br[0] + t2 * (br[2] - br[0]);
      pt[1] = br[1] + t2 * (br[3] - br[1]);
    }

  /* cells: join their crossings */
  for (gsize j = 0; j < ny; j++)
    for (gsize i = 0; i < nx; i++)
      {
        /* bottom, right, top, left */
        gint64 e[4] = {
          cross[j * nx + i], cross[n_h + j * (nx + 1) + i + 1],
          cross[(j + 1) * nx + i], cross[n_h + j * (nx + 1) + i],
        };
        int c = (e[0] >= 0) + (e[1] >= 0) + (e[2] >= 0) + (e[3] >= 0);

        if (c == 2)
          {
            gsize seg[2], k = 0;

            for (int s = 0; s < 4; s++)
              if (e[s] >= 0)
                seg[k++] = (gsize) e[s];
            g_array_append_vals (segments, seg, 2);
          }
        else if (c == 4)
          {
            double v00 = grid->g[2 * vid (grid, i, j) + var];
            double v10 = grid->g[2 * vid (grid, i + 1, j) + var];
            double v11 = grid->g[2 * vid (grid, i + 1, j + 1) + var];
            double v01 = grid->g[2 * vid (grid, i, j + 1) + var];
            double centre = 0.25 * (v00 + v10 + v11 + v01);
            gsize seg[4];

            if (positive (centre) == positive (v00))
              {
                /* cut off the corners (1, 0) and (0, 1) */
                seg[0] = e[0]; seg[1] = e[1]; seg[2] = e[2]; seg[3] = e[3];
              }
            else
              {
                seg[0] = e[0]; seg[1] = e[3]; seg[2] = e[1]; seg[3] = e[2];
              }
            g_array_append_vals (segments, seg, 4);
          }
      }
  return join_segments (points, segments);
}

CurrentsNullclines *
currents_portrait_nullclines_fast (const CurrentsPortraitSpec *spec,
                                   gsize                       nx,
                                   gsize                       ny,
                                   GCancellable               *cancellable)
{
  CurrentsNullclines *nc;
  g_autofree double *xy = NULL;
  Batch batch;
  Grid grid;
  gsize nv;

  g_return_val_if_fail (spec != NULL && nx >= 2 && ny >= 2, NULL);

  grid.nx = nx;
  grid.ny = ny;
  memcpy (grid.view, spec->view, sizeof grid.view);
  nv = (nx + 1) * (ny + 1);
  xy = g_new (double, 2 * nv);
  grid.g = g_new (double, 2 * nv);
  for (gsize j = 0; j <= ny; j++)
    for (gsize i = 0; i <= nx; i++)
      vertex_xy (&grid, i, j, xy + 2 * vid (&grid, i, j));

  batch_init (&batch, spec);
  batch_eval (&batch, nv, xy, grid.g);
  nc = g_new0 (CurrentsNullclines, 1);
  nc->warnings = g_ptr_array_new_with_free_func (g_free);
  for (int k = 0; k < 2; k++)
    nc->curves[k] = g_cancellable_is_cancelled (cancellable)
                    ? g_ptr_array_new_with_free_func ((GDestroyNotify) currents_polyline_free)
                    : march (&grid, k, &batch);
  batch_clear (&batch);
  g_free (grid.g);
  return nc;
}

/* ------------------------------------------------------------------------------------ */
/* Equilibria at the crossings                                                           */

CurrentsPlotGlyph
currents_portrait_glyph_for_type (CurrentsEquilibriumType type)
{
  switch (type)
    {
    case CURRENTS_EQUILIBRIUM_STABLE_NODE:
    case CURRENTS_EQUILIBRIUM_STABLE_FOCUS:
      return CURRENTS_PLOT_GLYPH_STABLE;
    case CURRENTS_EQUILIBRIUM_UNSTABLE_NODE:
    case CURRENTS_EQUILIBRIUM_UNSTABLE_FOCUS:
      return CURRENTS_PLOT_GLYPH_UNSTABLE;
    case CURRENTS_EQUILIBRIUM_SADDLE:
    case CURRENTS_EQUILIBRIUM_SADDLE_FOCUS:
      return CURRENTS_PLOT_GLYPH_SADDLE;
    case CURRENTS_EQUILIBRIUM_CENTER:
    case CURRENTS_EQUILIBRIUM_DEGENERATE:
    default:
      return CURRENTS_PLOT_GLYPH_NEUTRAL;
    }
}

static gboolean
segments_cross (const double *a0,
                const double *a1,
                const double *b0,
                const double *b1,
                double       *out)
{
  double rx = a1[0] - a0[0], ry = a1[1] - a0[1];
  double sx = b1[0] - b0[0], sy = b1[1] - b0[1];
  double den = rx * sy - ry * sx, t, u;

  if (den == 0.0 || !isfinite (den))
    return FALSE;
  t = ((b0[0] - a0[0]) * sy - (b0[1] - a0[1]) * sx) / den;
  u = ((b0[0] - a0[0]) * ry - (b0[1] - a0[1]) * rx) / den;
  if (t < 0.0 || t > 1.0 || u < 0.0 || u > 1.0)
    return FALSE;
  out[0] = a0[0] + t * rx;
  out[1] = a0[1] + t * ry;
  return TRUE;
}

static int
compare_by_x (gconstpointer a,
              gconstpointer b)
{
  const CurrentsEquilibrium *ea = *(CurrentsEquilibrium *const *) a;
  const CurrentsEquilibrium *eb = *(CurrentsEquilibrium *const *) b;

  return (ea->state[0] > eb->state[0]) - (ea->state[0] < eb->state[0]);
}

static gboolean
known (GPtrArray                  *found,
       const CurrentsPortraitSpec *spec,
       const double               *xy)
{
  const double w = spec->view[1] - spec->view[0], h = spec->view[3] - spec->view[2];

  for (guint i = 0; i < found->len; i++)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (found, i);

      if (hypot ((eq->state[0] - xy[0]) / w, (eq->state[1] - xy[1]) / h) < 1e-6)
        return TRUE;
    }
  return FALSE;
}

static gboolean
inside (const CurrentsPortraitSpec *spec,
        const double               *xy)
{
  const double mw = 1e-9 * (spec->view[1] - spec->view[0]);
  const double mh = 1e-9 * (spec->view[3] - spec->view[2]);

  return xy[0] >= spec->view[0] - mw && xy[0] <= spec->view[1] + mw
         && xy[1] >= spec->view[2] - mh && xy[1] <= spec->view[3] + mh;
}

GPtrArray *
currents_portrait_equilibria_from_nullclines (const CurrentsPortraitSpec *spec,
                                              const CurrentsNullclines   *nc,
                                              GPtrArray                  *extra)
{
  g_autoptr(CurrentsPhasePlane) plane = NULL;
  GPtrArray *found = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_equilibrium_free);
  CurrentsField *field;

  g_return_val_if_fail (spec != NULL, found);

  for (guint i = 0; extra != NULL && i < extra->len; i++)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (extra, i);

      if (eq->n == 2 && !known (found, spec, eq->state))
        g_ptr_array_add (found, currents_equilibrium_copy (eq));
    }
  plane = currents_portrait_spec_get_plane (spec, NULL);
  if (plane == NULL || nc == NULL)
    {
      g_ptr_array_sort (found, compare_by_x);
      return found;
    }
  field = currents_phase_plane_get_field (plane);

  for (guint a = 0; a < nc->curves[0]->len; a++)
    for (guint b = 0; b < nc->curves[1]->len; b++)
      {
        const CurrentsPolyline *la = g_ptr_array_index (nc->curves[0], a);
        const CurrentsPolyline *lb = g_ptr_array_index (nc->curves[1], b);

        for (gsize i = 0; i + 1 < la->n_points; i++)
          {
            const double *a0 = la->xy + 2 * i, *a1 = a0 + 2;
            double axlo = MIN (a0[0], a1[0]), axhi = MAX (a0[0], a1[0]);
            double aylo = MIN (a0[1], a1[1]), ayhi = MAX (a0[1], a1[1]);

            for (gsize j = 0; j + 1 < lb->n_points; j++)
              {
                const double *b0 = lb->xy + 2 * j, *b1 = b0 + 2;
                double xy[2], residual = INFINITY;

                if (MAX (b0[0], b1[0]) < axlo || MIN (b0[0], b1[0]) > axhi
                    || MAX (b0[1], b1[1]) < aylo || MIN (b0[1], b1[1]) > ayhi)
                  continue;
                if (!segments_cross (a0, a1, b0, b1, xy))
                  continue;
                currents_equilibrium_polish (field, spec->p, spec->u, spec->t, xy, 1e-12, 30,
                                             &residual, NULL);
                if (!(residual < 1e-8) || !inside (spec, xy) || known (found, spec, xy))
                  continue;
                g_ptr_array_add (found, currents_equilibrium_analyse (field, spec->p, spec->u,
                                                                      spec->t, xy));
              }
          }
      }
  g_ptr_array_sort (found, compare_by_x);
  return found;
}

/* ------------------------------------------------------------------------------------ */
/* Live layers                                                                           */

void
currents_portrait_live_free (CurrentsPortraitLive *live)
{
  if (live == NULL)
    return;
  g_free (live->fx);
  g_free (live->fy);
  g_clear_pointer (&live->nullclines, currents_nullclines_free);
  g_clear_pointer (&live->equilibria, g_ptr_array_unref);
  g_free (live);
}

/* Preview nullclines: cells per side. */
#define PREVIEW_CELLS 48

CurrentsPortraitLive *
currents_portrait_compute_live (const CurrentsPortraitSpec  *spec,
                                CurrentsPlotLayers           layers,
                                gsize                        field_nx,
                                gsize                        field_ny,
                                CurrentsPortraitQuality      quality,
                                GCancellable                *cancellable,
                                GError                     **error)
{
  g_autoptr(CurrentsPortraitLive) live = g_new0 (CurrentsPortraitLive, 1);
  gint64 start = g_get_monotonic_time ();

  g_return_val_if_fail (spec != NULL, NULL);

  live->quality = quality;
  memcpy (live->window, spec->view, sizeof live->window);

  if ((layers & CURRENTS_PLOT_LAYER_FIELD) && field_nx > 0 && field_ny > 0)
    {
      g_autofree double *xy = g_new (double, 2 * field_nx * field_ny);
      g_autofree double *g = g_new (double, 2 * field_nx * field_ny);
      const double w = spec->view[1] - spec->view[0], h = spec->view[3] - spec->view[2];
      Batch batch;

      for (gsize j = 0; j < field_ny; j++)
        for (gsize i = 0; i < field_nx; i++)
          {
            xy[2 * (j * field_nx + i)] = spec->view[0] + (i + 0.5) * w / field_nx;
            xy[2 * (j * field_nx + i) + 1] = spec->view[2] + (j + 0.5) * h / field_ny;
          }
      batch_init (&batch, spec);
      batch_eval (&batch, field_nx * field_ny, xy, g);
      batch_clear (&batch);
      live->nx = field_nx;
      live->ny = field_ny;
      live->fx = g_new (double, field_nx * field_ny);
      live->fy = g_new (double, field_nx * field_ny);
      for (gsize r = 0; r < field_nx * field_ny; r++)
        {
          live->fx[r] = g[2 * r];
          live->fy[r] = g[2 * r + 1];
        }
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return NULL;

  if (layers & (CURRENTS_PLOT_LAYER_NULLCLINES | CURRENTS_PLOT_LAYER_EQUILIBRIA))
    {
      g_autoptr(GPtrArray) multistart = NULL;

      if (quality == CURRENTS_PORTRAIT_FULL)
        {
          g_autoptr(CurrentsPhasePlane) plane = currents_portrait_spec_get_plane (spec, error);

          if (plane == NULL)
            return NULL;
          live->nullclines = currents_phase_nullclines (plane, 0, 0, cancellable, error);
          if (live->nullclines == NULL)
            return NULL;
          if (layers & CURRENTS_PLOT_LAYER_EQUILIBRIA)
            {
              multistart = currents_phase_equilibria (plane, cancellable, error);
              if (multistart == NULL)
                return NULL;
            }
        }
      else
        live->nullclines = currents_portrait_nullclines_fast (spec, PREVIEW_CELLS, PREVIEW_CELLS,
                                                              cancellable);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return NULL;
      if (layers & CURRENTS_PLOT_LAYER_EQUILIBRIA)
        live->equilibria = currents_portrait_equilibria_from_nullclines (spec, live->nullclines,
                                                                         multistart);
    }
  live->seconds = (g_get_monotonic_time () - start) / 1e6;
  return g_steal_pointer (&live);
}

/* ------------------------------------------------------------------------------------ */
/* Trajectories, separatrices, basins                                                    */

static void
trajectory_options (const CurrentsPortraitSpec *spec,
                    CurrentsTrajectoryOptions  *to,
                    double                      rtol)
{
  currents_trajectory_options_init (to);
  if (spec->sim.method == CURRENTS_METHOD_BDF)
    to->sim.method = CURRENTS_METHOD_BDF;
  to->sim.rtol = rtol;
  to->sim.atol = 1e-3 * rtol;
  if (spec->sim.bound > 0.0 && isfinite (spec->sim.bound))
    to->sim.bound = spec->sim.bound;
  to->t0 = spec->t;
  to->t_max = spec->t_max;
}

GPtrArray *
currents_portrait_sample_trajectories (const CurrentsPortraitSpec  *spec,
                                       guint                        grid,
                                       GCancellable                *cancellable,
                                       GError                     **error)
{
  g_autoptr(CurrentsPhasePlane) plane = NULL;
  g_autoptr(GPtrArray) out = NULL;
  CurrentsTrajectoryOptions to;

  g_return_val_if_fail (spec != NULL, NULL);

  plane = currents_portrait_spec_get_plane (spec, error);
  if (plane == NULL)
    return NULL;
  trajectory_options (spec, &to, 1e-8);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_phase_trajectory_free);
  for (guint s = 0; s <= grid * grid; s++)
    {
      g_autoptr(GError) local = NULL;
      CurrentsPhaseTrajectory *tr;
      double xy[2];

      if (s < grid * grid)
        {
          xy[0] = spec->view[0] + (s % grid + 0.5) * (spec->view[1] - spec->view[0]) / grid;
          xy[1] = spec->view[2] + (s / grid + 0.5) * (spec->view[3] - spec->view[2]) / grid;
        }
      else
        {
          xy[0] = spec->x[spec->ax];
          xy[1] = spec->x[spec->ay];
        }
      tr = currents_phase_trajectory (plane, xy, 1, &to, cancellable, &local);
      if (tr == NULL)
        {
          if (g_cancellable_is_cancelled (cancellable))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return NULL;
            }
          /* a start where the field is undefined: draw the others */
          g_debug ("No trajectory from (%g, %g): %s", xy[0], xy[1], local->message);
          tr = g_new0 (CurrentsPhaseTrajectory, 1);
          tr->direction = 1;
          tr->n_points = 1;
          tr->t = g_new0 (double, 1);
          tr->xy = g_memdup2 (xy, sizeof xy);
        }
      g_ptr_array_add (out, tr);
    }
  return g_steal_pointer (&out);
}

GPtrArray *
currents_portrait_trajectories_from (const CurrentsPortraitSpec  *spec,
                                     double                       x,
                                     double                       y,
                                     int                          direction,
                                     GCancellable                *cancellable,
                                     GError                     **error)
{
  g_autoptr(CurrentsPhasePlane) plane = NULL;
  g_autoptr(GPtrArray) out = NULL;
  CurrentsTrajectoryOptions to;
  const double xy[2] = { x, y };

  g_return_val_if_fail (spec != NULL, NULL);

  plane = currents_portrait_spec_get_plane (spec, error);
  if (plane == NULL)
    return NULL;
  trajectory_options (spec, &to, 1e-9);
  out = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_phase_trajectory_free);
  for (int dir = -1; dir <= 1; dir += 2)
    {
      CurrentsPhaseTrajectory *tr;

      if (direction != 0 && direction != dir)
        continue;
      tr = currents_phase_trajectory (plane, xy, dir, &to, cancellable, error);
      if (tr == NULL)
        return NULL;
      g_ptr_array_add (out, tr);
    }
  return g_steal_pointer (&out);
}

GPtrArray *
currents_portrait_separatrices (const CurrentsPortraitSpec  *spec,
                                GPtrArray                   *equilibria,
                                GCancellable                *cancellable,
                                GError                     **error)
{
  g_autoptr(CurrentsPhasePlane) plane = NULL;
  CurrentsTrajectoryOptions to;

  g_return_val_if_fail (spec != NULL, NULL);

  plane = currents_portrait_spec_get_plane (spec, error);
  if (plane == NULL)
    return NULL;
  trajectory_options (spec, &to, 1e-9);
  to.t_max = MAX (spec->t_max, 100.0);
  return currents_phase_separatrices (plane, equilibria, 0.0, &to, cancellable, error);
}

CurrentsBasins *
currents_portrait_basins (const CurrentsPortraitSpec  *spec,
                          gsize                        nx,
                          gsize                        ny,
                          GCancellable                *cancellable,
                          GError                     **error)
{
  g_autoptr(CurrentsPhasePlane) plane = NULL;
  CurrentsBasinsOptions bo;

  g_return_val_if_fail (spec != NULL, NULL);

  plane = currents_portrait_spec_get_plane (spec, error);
  if (plane == NULL)
    return NULL;
  currents_basins_options_init (&bo);
  bo.nx = nx;
  bo.ny = ny;
  if (spec->sim.method == CURRENTS_METHOD_BDF)
    bo.trajectory.sim.method = CURRENTS_METHOD_BDF;
  bo.trajectory.t0 = spec->t;
  return currents_phase_basins (plane, &bo, cancellable, error);
}

/* ------------------------------------------------------------------------------------ */
/* Into the scene                                                                        */

void
currents_portrait_scene_set_live (CurrentsPlotScene            *scene,
                                  const CurrentsPortraitLive   *live,
                                  const char                   *x_name,
                                  const char                   *y_name,
                                  const CurrentsPortraitLabels *labels)
{
  g_return_if_fail (scene != NULL && live != NULL);

  if (live->fx != NULL)
    currents_plot_scene_set_field_grid (scene, live->window, live->nx, live->ny, live->fx,
                                        live->fy, LABEL (labels, speed));
  if (live->nullclines != NULL)
    {
      currents_plot_scene_clear_curves (scene, CURRENTS_PLOT_CURVE_NULLCLINE_X);
      currents_plot_scene_clear_curves (scene, CURRENTS_PLOT_CURVE_NULLCLINE_Y);
      for (int k = 0; k < 2; k++)
        {
          g_autofree char *label = g_strdup_printf (LABEL (labels, nullcline),
                                                    k == 0 ? x_name : y_name);

          for (guint c = 0; c < live->nullclines->curves[k]->len; c++)
            {
              const CurrentsPolyline *line = g_ptr_array_index (live->nullclines->curves[k], c);

              currents_plot_scene_add_curve (scene, k == 0 ? CURRENTS_PLOT_CURVE_NULLCLINE_X
                                                           : CURRENTS_PLOT_CURVE_NULLCLINE_Y,
                                             c == 0 ? label : NULL, line->xy, 2, line->xy + 1, 2,
                                             line->n_points, 0);
            }
        }
    }
  if (live->equilibria != NULL)
    {
      currents_plot_scene_clear_equilibria (scene);
      for (guint i = 0; i < live->equilibria->len; i++)
        {
          const CurrentsEquilibrium *eq = g_ptr_array_index (live->equilibria, i);
          CurrentsPlotGlyph glyph = currents_portrait_glyph_for_type (eq->type);
          const char *label = glyph == CURRENTS_PLOT_GLYPH_STABLE ? LABEL (labels, stable)
                              : glyph == CURRENTS_PLOT_GLYPH_UNSTABLE ? LABEL (labels, unstable)
                              : glyph == CURRENTS_PLOT_GLYPH_SADDLE ? LABEL (labels, saddle)
                              : LABEL (labels, neutral);

          currents_plot_scene_add_equilibrium (scene, eq->state[0], eq->state[1], glyph, label);
        }
    }
}

static void
add_trajectory (CurrentsPlotScene             *scene,
                CurrentsPlotCurveKind          kind,
                const char                    *label,
                const CurrentsPhaseTrajectory *tr,
                gboolean                       reverse)
{
  g_autofree double *xy = NULL;

  if (tr == NULL || tr->n_points == 0)
    return;
  if (!reverse)
    {
      currents_plot_scene_add_curve (scene, kind, label, tr->xy, 2, tr->xy + 1, 2, tr->n_points,
                                     0);
      return;
    }
  xy = g_new (double, 2 * tr->n_points);
  for (gsize k = 0; k < tr->n_points; k++)
    {
      xy[2 * k] = tr->xy[2 * (tr->n_points - 1 - k)];
      xy[2 * k + 1] = tr->xy[2 * (tr->n_points - 1 - k) + 1];
    }
  currents_plot_scene_add_curve (scene, kind, label, xy, 2, xy + 1, 2, tr->n_points, 0);
}

void
currents_portrait_scene_set_separatrices (CurrentsPlotScene            *scene,
                                          GPtrArray                    *separatrices,
                                          const CurrentsPortraitLabels *labels)
{
  gboolean first_stable = TRUE, first_unstable = TRUE;

  g_return_if_fail (scene != NULL);

  currents_plot_scene_clear_curves (scene, CURRENTS_PLOT_CURVE_STABLE_MANIFOLD);
  currents_plot_scene_clear_curves (scene, CURRENTS_PLOT_CURVE_UNSTABLE_MANIFOLD);
  for (guint s = 0; separatrices != NULL && s < separatrices->len; s++)
    {
      const CurrentsSeparatrix *sep = g_ptr_array_index (separatrices, s);

      /* the stable branches run backward in time: reversed, their arrows point inward */
      for (int b = 0; b < 4; b++)
        {
          gboolean stable = b >= 2;

          add_trajectory (scene, stable ? CURRENTS_PLOT_CURVE_STABLE_MANIFOLD
                                        : CURRENTS_PLOT_CURVE_UNSTABLE_MANIFOLD,
                          stable ? (first_stable ? LABEL (labels, stable_manifold) : NULL)
                                 : (first_unstable ? LABEL (labels, unstable_manifold) : NULL),
                          sep->branches[b], stable);
          if (stable)
            first_stable = FALSE;
          else
            first_unstable = FALSE;
        }
    }
}

void
currents_portrait_scene_set_basins (CurrentsPlotScene            *scene,
                                    const CurrentsBasins         *basins,
                                    const CurrentsPortraitLabels *labels)
{
  gboolean first = TRUE;

  g_return_if_fail (scene != NULL);

  currents_plot_scene_clear_curves (scene, CURRENTS_PLOT_CURVE_CYCLE);
  if (basins == NULL)
    {
      currents_plot_scene_set_basins (scene, NULL, 0, 0, NULL, NULL);
      return;
    }
  currents_plot_scene_set_basins (scene, basins->view, basins->nx, basins->ny, basins->labels,
                                  NULL);
  for (guint a = 0; a < basins->attractors->len; a++)
    {
      const CurrentsAttractor *at = g_ptr_array_index (basins->attractors, a);

      if (at->curve == NULL)
        continue;
      currents_plot_scene_add_curve (scene, CURRENTS_PLOT_CURVE_CYCLE,
                                     first ? LABEL (labels, cycle) : NULL, at->curve->xy, 2,
                                     at->curve->xy + 1, 2, at->curve->n_points, 0);
      first = FALSE;
    }
}

void
currents_portrait_scene_set_samples (CurrentsPlotScene            *scene,
                                     GPtrArray                    *trajectories,
                                     const CurrentsPortraitLabels *labels)
{
  g_return_if_fail (scene != NULL);

  currents_plot_scene_clear_curves (scene, CURRENTS_PLOT_CURVE_TRAJECTORY);
  currents_plot_scene_clear_curves (scene, CURRENTS_PLOT_CURVE_INITIAL);
  for (guint i = 0; trajectories != NULL && i < trajectories->len; i++)
    {
      gboolean initial = i + 1 == trajectories->len;

      add_trajectory (scene, initial ? CURRENTS_PLOT_CURVE_INITIAL : CURRENTS_PLOT_CURVE_TRAJECTORY,
                      initial ? LABEL (labels, initial) : i == 0 ? LABEL (labels, trajectories)
                                                                 : NULL,
                      g_ptr_array_index (trajectories, i), FALSE);
    }
}

void
currents_portrait_scene_add_launched (CurrentsPlotScene            *scene,
                                      GPtrArray                    *branches,
                                      double                        x,
                                      double                        y,
                                      const CurrentsPortraitLabels *labels)
{
  g_autoptr(GArray) xy = g_array_new (FALSE, FALSE, sizeof (double));
  gboolean labelled = currents_plot_scene_get_n_curves (scene, CURRENTS_PLOT_CURVE_LAUNCHED) > 0;

  g_return_if_fail (scene != NULL && branches != NULL);

  for (guint b = 0; b < branches->len; b++)
    {
      const CurrentsPhaseTrajectory *tr = g_ptr_array_index (branches, b);

      if (tr->direction < 0)
        for (gsize k = tr->n_points; k > 0; k--)
          g_array_append_vals (xy, tr->xy + 2 * (k - 1), 2);
      else
        /* after a backward branch the start point is already there */
        g_array_append_vals (xy, tr->xy + (xy->len > 0 ? 2 : 0),
                             2 * (tr->n_points - (xy->len > 0 ? 1 : 0)));
    }
  if (xy->len < 2)
    return;
  currents_plot_scene_add_curve (scene, CURRENTS_PLOT_CURVE_LAUNCHED,
                                 labelled ? NULL : LABEL (labels, launched),
                                 (double *) xy->data, 2, (double *) xy->data + 1, 2, xy->len / 2,
                                 0);
  currents_plot_scene_mark_start (scene, x, y);
}

/* The data's input levels of one trajectory (its first sample), as "a = 1, b = 2". */
static char *
input_level_label (const CurrentsDataset    *dataset,
                   const CurrentsTrajectory *traj)
{
  g_autoptr(GString) label = g_string_new (NULL);
  gsize m = currents_dataset_get_n_inputs (dataset);
  const double *inputs = currents_trajectory_get_inputs (traj);

  for (gsize j = 0; j < m; j++)
    {
      char value[G_ASCII_DTOSTR_BUF_SIZE];

      g_ascii_formatd (value, sizeof value, "%g", inputs != NULL ? inputs[j] : NAN);
      g_string_append_printf (label, "%s%s = %s", j > 0 ? ", " : "",
                              currents_dataset_get_input_name (dataset, j), value);
    }
  return g_string_free (g_steal_pointer (&label), FALSE);
}

static gboolean
at_level (const CurrentsDataset    *dataset,
          const CurrentsTrajectory *traj,
          const char *const        *input_names,
          const double             *u,
          gsize                     m)
{
  const double *inputs = currents_trajectory_get_inputs (traj);

  for (gsize j = 0; j < currents_dataset_get_n_inputs (dataset); j++)
    for (gsize i = 0; input_names != NULL && u != NULL && i < m; i++)
      if (g_ascii_strcasecmp (input_names[i], currents_dataset_get_input_name (dataset, j)) == 0
          && inputs != NULL
          && fabs (inputs[j] - u[i]) > 1e-9 * MAX (1.0, fabs (u[i])))
        return FALSE;
  return TRUE;
}

guint
currents_portrait_scene_add_data (CurrentsPlotScene     *scene,
                                  const CurrentsDataset *dataset,
                                  int                    cx,
                                  int                    cy,
                                  const char *const     *input_names,
                                  const double          *u,
                                  gsize                  m,
                                  guint                  max_legend,
                                  const char            *trajectory_format)
{
  gsize n_traj, n_states;
  g_autoptr(GPtrArray) levels = g_ptr_array_new_with_free_func (g_free);
  gboolean by_level;
  guint unlabelled = 0;

  g_return_val_if_fail (scene != NULL && dataset != NULL, 0);

  n_traj = currents_dataset_get_n_trajectories (dataset);
  n_states = currents_dataset_get_n_states (dataset);
  by_level = currents_dataset_get_n_inputs (dataset) > 0;
  for (gsize i = 0; i < n_traj; i++)
    {
      const CurrentsTrajectory *traj = currents_dataset_get_trajectory (dataset, i);
      const double *times = currents_trajectory_get_times (traj);
      const double *states = currents_trajectory_get_states (traj);
      gsize n = currents_trajectory_get_n_samples (traj);
      g_autofree char *label = NULL;
      gsize color = i;

      if (by_level)
        {
          g_autofree char *level = input_level_label (dataset, traj);
          guint found = levels->len;

          for (guint l = 0; l < levels->len; l++)
            if (strcmp (g_ptr_array_index (levels, l), level) == 0)
              found = l;
          if (found == levels->len)
            {
              if (levels->len < max_legend)
                label = g_strdup (level);
              else
                unlabelled++;
              g_ptr_array_add (levels, g_steal_pointer (&level));
            }
          color = found;
        }
      else if (n_traj > 1 && i < max_legend)
        label = g_strdup_printf (trajectory_format != NULL ? trajectory_format : "trajectory %s",
                                 currents_trajectory_get_id (traj));
      else if (n_traj > 1)
        unlabelled++;

      currents_plot_scene_add_curve (scene, CURRENTS_PLOT_CURVE_DATA, label,
                                     cx < 0 ? times : states + cx, cx < 0 ? 1 : n_states,
                                     cy < 0 ? times : states + cy, cy < 0 ? 1 : n_states,
                                     n, color);
      if (by_level && !at_level (dataset, traj, input_names, u, m))
        currents_plot_scene_dim_last (scene);
    }
  return unlabelled;
}
