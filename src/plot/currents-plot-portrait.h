/* currents-plot-portrait.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The phase portrait's content, computed with the engine and put into a scene: the same
 * code serves the window (in worker threads) and `currents-cli plot` (in line).
 *
 * A CurrentsPortraitSpec is a self-contained snapshot of what to compute — the field, its
 * parameters and inputs, the two axes, the values of the other states, the view — so a
 * worker thread never touches what the main thread changes meanwhile.
 *
 * "Live" layers follow every slider movement: the direction field on a grid (one batched
 * evaluation, which a neural field computes as matrix products), nullclines and
 * equilibria. In preview quality the nullclines come from marching squares on one batched
 * grid with a regula-falsi refinement of each crossing, and the equilibria from the
 * nullclines' intersections polished by Newton; in full quality from
 * currents_phase_nullclines() (every vertex projected onto the curve) and
 * currents_phase_equilibria() (multistart Newton) together with those intersections.
 * Separatrices, basins and trajectories are the heavy layers.
 */
#pragma once

#include <gio/gio.h>

#include "currents-engine.h"
#include "currents-plot-scene.h"

G_BEGIN_DECLS

/**
 * CurrentsPortraitSpec:
 * @field: the model's field (n states; a reference)
 * @p: parameters (k), @u: inputs (m), @x: the full state vector (n) whose entries other
 *   than the axes hold the other states fixed
 * @t: the time at which a non-autonomous field is frozen
 * @ax: the horizontal axis's state, @ay: the vertical one's
 * @view: xlo, xhi, ylo, yhi
 * @t_max: how long trajectories run
 * @sim: how trajectories are integrated
 */
typedef struct
{
  CurrentsField     *field;
  gsize              n, m, k;
  double            *p;
  double            *u;
  double            *x;
  double             t;
  gsize              ax, ay;
  double             view[4];
  double             t_max;
  CurrentsSimOptions sim;
} CurrentsPortraitSpec;

/* Axes by index (-1: the system's window axes), @view NULL: the system's window. */
CurrentsPortraitSpec *
currents_portrait_spec_new_for_system (CurrentsSystem *system,
                                       int             ax,
                                       int             ay,
                                       const double   *view);
CurrentsPortraitSpec *
currents_portrait_spec_copy (const CurrentsPortraitSpec *spec);
void
currents_portrait_spec_free (CurrentsPortraitSpec *spec);
CurrentsPhasePlane *
currents_portrait_spec_get_plane (const CurrentsPortraitSpec  *spec,
                                  GError                     **error);

typedef enum
{
  CURRENTS_PORTRAIT_PREVIEW,  /* fast enough for every frame of a slider drag */
  CURRENTS_PORTRAIT_FULL,     /* publication quality */
} CurrentsPortraitQuality;

/**
 * CurrentsPortraitLive:
 * @window, @nx, @ny, @fx, @fy: the field on a grid (NULL when not asked for)
 * @nullclines: (nullable)
 * @equilibria: (nullable) (element-type CurrentsEquilibrium): of the plane (2-D),
 *   sorted by x
 * @quality: how it was computed
 * @seconds: how long it took
 */
typedef struct
{
  double                  window[4];
  gsize                   nx, ny;
  double                 *fx, *fy;
  CurrentsNullclines     *nullclines;
  GPtrArray              *equilibria;
  CurrentsPortraitQuality quality;
  double                  seconds;
} CurrentsPortraitLive;

void
currents_portrait_live_free (CurrentsPortraitLive *live);

/**
 * currents_portrait_compute_live:
 * @layers: which of FIELD, NULLCLINES, EQUILIBRIA to compute
 * @field_nx, @field_ny: the arrow grid
 * @cancellable: (nullable)
 */
CurrentsPortraitLive *
currents_portrait_compute_live (const CurrentsPortraitSpec  *spec,
                                CurrentsPlotLayers           layers,
                                gsize                        field_nx,
                                gsize                        field_ny,
                                CurrentsPortraitQuality      quality,
                                GCancellable                *cancellable,
                                GError                     **error);

/* Marching squares on an nx × ny grid from one batched evaluation (preview quality). */
CurrentsNullclines *
currents_portrait_nullclines_fast (const CurrentsPortraitSpec *spec,
                                   gsize                       nx,
                                   gsize                       ny,
                                   GCancellable               *cancellable);
/* Equilibria at the crossings of the two nullclines, Newton-polished and analysed (2-D),
 * merged with @extra (nullable; copied), sorted by x, duplicates removed. */
GPtrArray *
currents_portrait_equilibria_from_nullclines (const CurrentsPortraitSpec *spec,
                                              const CurrentsNullclines   *nc,
                                              GPtrArray                  *extra);

/* The glyph of an equilibrium's type. */
CurrentsPlotGlyph
currents_portrait_glyph_for_type (CurrentsEquilibriumType type);

/* Sample trajectories forward from a grid × grid set of starts over the view, then
 * from the initial state (the last one); element-type CurrentsPhaseTrajectory. */
GPtrArray *
currents_portrait_sample_trajectories (const CurrentsPortraitSpec  *spec,
                                       guint                        grid,
                                       GCancellable                *cancellable,
                                       GError                     **error);
/* From (x, y): @direction +1 forward, −1 backward, 0 both (backward first). */
GPtrArray *
currents_portrait_trajectories_from (const CurrentsPortraitSpec  *spec,
                                     double                       x,
                                     double                       y,
                                     int                          direction,
                                     GCancellable                *cancellable,
                                     GError                     **error);
/* Separatrices of the saddles among @equilibria (2-D; nullable: found anew). */
GPtrArray *
currents_portrait_separatrices (const CurrentsPortraitSpec  *spec,
                                GPtrArray                   *equilibria,
                                GCancellable                *cancellable,
                                GError                     **error);
CurrentsBasins *
currents_portrait_basins (const CurrentsPortraitSpec  *spec,
                          gsize                        nx,
                          gsize                        ny,
                          GCancellable                *cancellable,
                          GError                     **error);

/**
 * CurrentsPortraitLabels:
 * Legend texts (the window passes translations; %NULL fields keep the English default).
 * @nullcline: a format with one %s, the variable's name ("%s′ = 0")
 */
typedef struct
{
  const char *nullcline;
  const char *stable;
  const char *unstable;
  const char *saddle;
  const char *neutral;
  const char *speed;
  const char *stable_manifold;
  const char *unstable_manifold;
  const char *trajectories;
  const char *initial;
  const char *launched;
  const char *cycle;
} CurrentsPortraitLabels;

/* Puts a live result into @scene, replacing field grid, nullclines and equilibria. */
void
currents_portrait_scene_set_live (CurrentsPlotScene            *scene,
                                  const CurrentsPortraitLive   *live,
                                  const char                   *x_name,
                                  const char                   *y_name,
                                  const CurrentsPortraitLabels *labels);
void
currents_portrait_scene_set_separatrices (CurrentsPlotScene            *scene,
                                          GPtrArray                    *separatrices,
                                          const CurrentsPortraitLabels *labels);
void
currents_portrait_scene_set_basins (CurrentsPlotScene            *scene,
                                    const CurrentsBasins         *basins,
                                    const CurrentsPortraitLabels *labels);
/* Adds @trajectories (from currents_portrait_sample_trajectories()) as sample curves. */
void
currents_portrait_scene_set_samples (CurrentsPlotScene            *scene,
                                     GPtrArray                    *trajectories,
                                     const CurrentsPortraitLabels *labels);
/* Adds one launched trajectory (its branches joined through the start, oldest time first). */
void
currents_portrait_scene_add_launched (CurrentsPlotScene            *scene,
                                      GPtrArray                    *branches,
                                      double                        x,
                                      double                        y,
                                      const CurrentsPortraitLabels *labels);

/**
 * currents_portrait_scene_add_data:
 * @cx, @cy: the data's state columns on the axes (-1: time)
 * @input_names: (nullable): the model's inputs (m names), @u their values now: data
 *   recorded at other levels is dimmed
 * @max_legend: at most this many legend entries
 * @trajectory_format: (nullable): legend text of a trajectory without inputs, with one %s
 *   for its id ("trajectory %s")
 *
 * Data with inputs is coloured by input level ("iptg = 0.5"), other data by trajectory.
 *
 * Returns: how many trajectories have no legend entry of their own
 */
guint
currents_portrait_scene_add_data (CurrentsPlotScene     *scene,
                                  const CurrentsDataset *dataset,
                                  int                    cx,
                                  int                    cy,
                                  const char *const     *input_names,
                                  const double          *u,
                                  gsize                  m,
                                  guint                  max_legend,
                                  const char            *trajectory_format);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsPortraitSpec, currents_portrait_spec_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsPortraitLive, currents_portrait_live_free)

G_END_DECLS
