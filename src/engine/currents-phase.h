/* currents-phase.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Phase-plane geometry of a 2-D model, or of a 2-D slice of an n-D one: two states are
 * the axes (a, b), every other state is held at a given value, and the plane's field is
 *
 *   g(t, (ξ, η)) = (f_a(t, x), f_b(t, x)),   x_a = ξ, x_b = η, x_i = fixed_i otherwise
 *
 * with the 2×2 block of ∂f/∂x as its exact Jacobian (currents_phase_plane_get_field()).
 * Everything here — nullclines, trajectories, equilibria, separatrices, basins, limit
 * cycles — is of that planar field; for a 2-D model it is the model's own.
 *
 * Points in the plane are (ξ, η) pairs; arrays of points are interleaved, xy[2k], xy[2k+1].
 */
#pragma once

#include <gio/gio.h>

#include "currents-field.h"
#include "currents-periodic.h"
#include "currents-simulate.h"
#include "currents-system.h"

G_BEGIN_DECLS

typedef struct _CurrentsPhasePlane CurrentsPhasePlane;

/**
 * currents_phase_plane_new:
 * @field: the model's field (n states)
 * @p: parameters (copied)
 * @u: (nullable): inputs, held constant (copied)
 * @t: the time at which a non-autonomous field is frozen for nullclines and equilibria
 * @x_axis: the state on the horizontal axis
 * @y_axis: the state on the vertical axis (≠ @x_axis)
 * @x_fixed: (nullable): n values; the states other than the axes are held at these (0 when
 *   %NULL)
 * @view: xlo, xhi, ylo, yhi (finite, xlo < xhi, ylo < yhi)
 * @error: INVALID_ARGUMENT for a bad axis or view
 */
CurrentsPhasePlane *currents_phase_plane_new        (CurrentsField        *field,
                                                     const double         *p,
                                                     const double         *u,
                                                     double                t,
                                                     gsize                 x_axis,
                                                     gsize                 y_axis,
                                                     const double         *x_fixed,
                                                     const double          view[4],
                                                     GError              **error);
/* Axes by name (NULL: the system's window axes), the view (NULL: the system's window), the
 * other states at the system's initial values, its current parameters and inputs, t0. */
CurrentsPhasePlane *currents_phase_plane_new_for_system (CurrentsSystem   *system,
                                                     const char           *x_name,
                                                     const char           *y_name,
                                                     const double         *view,
                                                     GError              **error);
void                currents_phase_plane_free       (CurrentsPhasePlane   *plane);

/* The planar field g (2 states; the model's inputs and parameters). */
CurrentsField      *currents_phase_plane_get_field  (const CurrentsPhasePlane *plane);
const double       *currents_phase_plane_get_params (const CurrentsPhasePlane *plane);
const double       *currents_phase_plane_get_inputs (const CurrentsPhasePlane *plane);
void                currents_phase_plane_get_view   (const CurrentsPhasePlane *plane,
                                                     double                    view[4]);
void                currents_phase_plane_get_axes   (const CurrentsPhasePlane *plane,
                                                     gsize                    *x_axis,
                                                     gsize                    *y_axis);
/* The full n-state vector of a point of the plane. */
void                currents_phase_plane_embed      (const CurrentsPhasePlane *plane,
                                                     const double              xy[2],
                                                     double                   *x);

/* ------------------------------------------------------------------------------------ */
/* Nullclines                                                                           */

/**
 * CurrentsPolyline:
 * @n_points: number of points
 * @xy: (array): 2 × @n_points, interleaved
 * @closed: a closed curve (its last point repeats its first)
 */
typedef struct
{
  gsize    n_points;
  double  *xy;
  gboolean closed;
} CurrentsPolyline;

void currents_polyline_free (CurrentsPolyline *line);

/**
 * CurrentsNullclines:
 * @curves: for the x axis's equation g_0 = 0 ([0]) and the y axis's g_1 = 0 ([1]): the
 *   polylines (element-type CurrentsPolyline), every branch, closed ones included
 * @warnings: (element-type utf8): places where a curve is tangent to the grid, passes a
 *   saddle of g_i (an ambiguous cell, resolved by the centre value), a vertex could not be
 *   projected, or g is not finite
 */
typedef struct
{
  GPtrArray *curves[2];
  GPtrArray *warnings;
} CurrentsNullclines;

void currents_nullclines_free (CurrentsNullclines *nullclines);

/**
 * currents_phase_nullclines:
 * @plane: the plane
 * @grid: cells per side of the coarse grid (≥ 2; 0: 64)
 * @refine: each coarse cell is refined into refine × refine cells along the curves
 *   (≥ 1; 0: 4)
 * @cancellable: (nullable)
 * @error: return location
 *
 * Marching squares: the coarse grid finds the cells a curve enters (a sign change at the
 * corners, or a centre value smaller than the gradient times the cell size), the curve is
 * then followed cell by cell on the fine grid; each edge crossing is projected onto g_i = 0
 * by Newton along ∇g_i (exact Jacobian), and the segments are joined into polylines. Where
 * a curve is tangent to a grid line inside one edge (two crossings unseen), the loose ends
 * within a cell of each other are joined and a warning says where.
 */
CurrentsNullclines *currents_phase_nullclines (const CurrentsPhasePlane *plane,
                                               gsize                     grid,
                                               gsize                     refine,
                                               GCancellable             *cancellable,
                                               GError                  **error);

/* ------------------------------------------------------------------------------------ */
/* Trajectories                                                                         */

typedef enum
{
  CURRENTS_PHASE_STOP_EDGE,         /* left the view (with its margin) */
  CURRENTS_PHASE_STOP_EQUILIBRIUM,  /* ‖g‖ fell below the tolerance */
  CURRENTS_PHASE_STOP_BLOW_UP,      /* non-finite, out of the model's bound, step failure */
  CURRENTS_PHASE_STOP_TIME,         /* reached t0 ± t_max */
} CurrentsPhaseStop;

/* "edge", "equilibrium", "blow-up", "time" */
const char *currents_phase_stop_to_string (CurrentsPhaseStop stop);

/**
 * CurrentsPhaseTrajectory:
 * @direction: +1 forward, −1 backward in time
 * @n_points: points
 * @t: (array): their times (t0 first)
 * @xy: (array): 2 × @n_points, interleaved
 * @stopped: why it ended
 */
typedef struct
{
  int               direction;
  gsize             n_points;
  double           *t;
  double           *xy;
  CurrentsPhaseStop stopped;
} CurrentsPhaseTrajectory;

void currents_phase_trajectory_free (CurrentsPhaseTrajectory *traj);

/**
 * CurrentsTrajectoryOptions:
 * @sim: the integrator (currents_trajectory_options_init(): rk8pd, rtol 1e-10, atol 1e-12;
 *   h_max 0 lets the plane choose one that keeps steps within ~1% of the view)
 * @t0: start time
 * @t_max: the longest time span (> 0)
 * @margin: the trajectory stops this fraction of the view's size outside it (≥ 0)
 * @eq_tol: stops when ‖(g_0/W, g_1/H)‖ ≤ eq_tol × the view's typical scaled speed
 *   (W, H the view's width and height)
 */
typedef struct
{
  CurrentsSimOptions sim;
  double             t0;
  double             t_max;
  double             margin;
  double             eq_tol;
} CurrentsTrajectoryOptions;

void currents_trajectory_options_init (CurrentsTrajectoryOptions *options);

/**
 * currents_phase_trajectory:
 * @plane: the plane
 * @xy0: the start point
 * @direction: +1 forward, −1 backward
 * @options: (nullable): defaults when %NULL
 * @cancellable: (nullable)
 * @error: a bad argument, cancellation; a blow-up is a reason to stop, not an error
 *
 * Returns: (transfer full): every accepted step of the simulator (run_dense), cut at the
 *   margin's edge (the last point interpolated onto it)
 */
CurrentsPhaseTrajectory *currents_phase_trajectory (const CurrentsPhasePlane        *plane,
                                                    const double                     xy0[2],
                                                    int                              direction,
                                                    const CurrentsTrajectoryOptions *options,
                                                    GCancellable                    *cancellable,
                                                    GError                         **error);

/* ------------------------------------------------------------------------------------ */
/* Equilibria and separatrices                                                          */

/* Equilibria of the plane's field inside the view (element-type CurrentsEquilibrium, 2-D),
 * sorted by ξ. Needs an autonomous field, or freezes t at the plane's t. */
GPtrArray *currents_phase_equilibria (const CurrentsPhasePlane *plane,
                                      GCancellable             *cancellable,
                                      GError                  **error);

/**
 * CurrentsSeparatrix:
 * @saddle: the saddle (ξ, η)
 * @eig_unstable: its positive eigenvalue
 * @eig_stable: its negative eigenvalue
 * @v_unstable: unit eigenvector of @eig_unstable
 * @v_stable: unit eigenvector of @eig_stable
 * @branches: the unstable manifold's two branches, forward from saddle ± δ v_unstable
 *   ([0] +, [1] −), and the stable manifold's, backward from saddle ± δ v_stable
 *   ([2] +, [3] −)
 */
typedef struct
{
  double                   saddle[2];
  double                   eig_unstable;
  double                   eig_stable;
  double                   v_unstable[2];
  double                   v_stable[2];
  CurrentsPhaseTrajectory *branches[4];
} CurrentsSeparatrix;

void currents_separatrix_free (CurrentsSeparatrix *sep);

/**
 * currents_phase_separatrices:
 * @plane: the plane
 * @equilibria: (nullable) (element-type CurrentsEquilibrium): 2-D equilibria of the plane
 *   (NULL: currents_phase_equilibria())
 * @delta: the offset along the eigenvectors as a fraction of the view's diagonal (0: 1e-5)
 * @options: (nullable): how each branch is integrated
 * @cancellable: (nullable)
 * @error: return location
 *
 * Returns: (transfer full) (element-type CurrentsSeparatrix): one per saddle in the view
 */
GPtrArray *currents_phase_separatrices (const CurrentsPhasePlane        *plane,
                                        GPtrArray                       *equilibria,
                                        double                           delta,
                                        const CurrentsTrajectoryOptions *options,
                                        GCancellable                    *cancellable,
                                        GError                         **error);

/* ------------------------------------------------------------------------------------ */
/* Limit cycles                                                                          */

/* A stable limit cycle of the plane's field reached from @xy0 (find_stable on the planar
 * field), or NULL; the orbit is 2-D. @t_max ≤ 0: 1000. */
CurrentsPeriodicOrbit *currents_phase_limit_cycle (const CurrentsPhasePlane *plane,
                                                   const double              xy0[2],
                                                   double                    t_max,
                                                   GCancellable             *cancellable,
                                                   GError                  **error);

/* The points of one period of @orbit (dense output), closed. */
CurrentsPolyline *currents_phase_orbit_curve (const CurrentsPhasePlane    *plane,
                                              const CurrentsPeriodicOrbit *orbit,
                                              GCancellable                *cancellable,
                                              GError                     **error);

/* ------------------------------------------------------------------------------------ */
/* Basins of attraction                                                                 */

typedef enum
{
  CURRENTS_ATTRACTOR_EQUILIBRIUM,
  CURRENTS_ATTRACTOR_LIMIT_CYCLE,
} CurrentsAttractorKind;

/**
 * CurrentsAttractor:
 * @kind: equilibrium or limit cycle
 * @state: the equilibrium, or a point on the cycle
 * @orbit: (nullable): the cycle (period, multipliers)
 * @curve: (nullable): the cycle's points
 */
typedef struct
{
  CurrentsAttractorKind  kind;
  double                 state[2];
  CurrentsPeriodicOrbit *orbit;
  CurrentsPolyline      *curve;
} CurrentsAttractor;

void currents_attractor_free (CurrentsAttractor *attractor);

#define CURRENTS_BASIN_ESCAPED (-1)  /* left the view by a view's size, or blew up */
#define CURRENTS_BASIN_OTHER   (-2)  /* reached none of the attractors by t_max */

/**
 * CurrentsBasinsOptions:
 * @nx: cells along ξ (≥ 1)
 * @ny: cells along η (≥ 1)
 * @n_threads: worker threads (0: the number of processors); the result does not depend
 *   on it
 * @trajectory: how each cell's trajectory runs (t_max: the longest; margin: how far
 *   outside the view it escapes, 0 → 1 view size)
 */
typedef struct
{
  gsize                     nx;
  gsize                     ny;
  guint                     n_threads;
  CurrentsTrajectoryOptions trajectory;
} CurrentsBasinsOptions;

void currents_basins_options_init (CurrentsBasinsOptions *options);

/**
 * CurrentsBasins:
 * @nx: columns
 * @ny: rows
 * @labels: (array): ny × nx, row-major; row j is η = ylo + (j + ½)·H/ny, column i is
 *   ξ = xlo + (i + ½)·W/nx; an index into @attractors, or CURRENTS_BASIN_ESCAPED /
 *   CURRENTS_BASIN_OTHER
 * @attractors: (element-type CurrentsAttractor): stable equilibria (sorted by ξ) then
 *   stable limit cycles in the order found
 * @view: the view
 */
typedef struct
{
  gsize      nx;
  gsize      ny;
  int       *labels;
  GPtrArray *attractors;
  double     view[4];
} CurrentsBasins;

void currents_basins_free (CurrentsBasins *basins);

/* Needs an autonomous field. Cancellable; threads take whole rows; the labels are
 * bit-identical whatever the thread count. */
CurrentsBasins *currents_phase_basins (const CurrentsPhasePlane    *plane,
                                       const CurrentsBasinsOptions *options,
                                       GCancellable                *cancellable,
                                       GError                     **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsPhasePlane, currents_phase_plane_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsPolyline, currents_polyline_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsNullclines, currents_nullclines_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsPhaseTrajectory, currents_phase_trajectory_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsSeparatrix, currents_separatrix_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsAttractor, currents_attractor_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsBasins, currents_basins_free)

G_END_DECLS
