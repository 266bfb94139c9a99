/* currents-population-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Populations of cells: the density of a population model (a continuous normalizing
 * flow) as a heat map of log p over two states at time t, a time slider across the
 * snapshot times and between them, the snapshot cells as dots at their times and sample
 * paths of the flow as lines. Trains a population model from the snapshots shown.
 *
 * Signals: ::content-changed when the model or the data shown changes or goes away.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_POPULATION_VIEW (currents_population_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsPopulationView, currents_population_view, CURRENTS,
                      POPULATION_VIEW, GtkWidget)

GtkWidget  *currents_population_view_new             (void);

/* What is shown (both take ownership; %NULL clears). A model and snapshots may be shown
 * together: the cells are drawn where the model has states of their names. */
void        currents_population_view_set_population  (CurrentsPopulationView *self,
                                                      CurrentsPopulation     *population,
                                                      const char             *name);
void        currents_population_view_set_snapshots   (CurrentsPopulationView *self,
                                                      CurrentsSnapshots      *snapshots,
                                                      const char             *name);
const CurrentsPopulation *currents_population_view_get_population (CurrentsPopulationView *self);
const CurrentsSnapshots  *currents_population_view_get_snapshots  (CurrentsPopulationView *self);
/* TRUE when a population model or snapshot data is shown. */
gboolean    currents_population_view_has_content     (CurrentsPopulationView *self);

/* The time of the density (the slider; clamped to its range). */
void        currents_population_view_set_time        (CurrentsPopulationView *self,
                                                      double                  t);
double      currents_population_view_get_time        (CurrentsPopulationView *self);
/* The states on the axes (indices into the shown states). */
void        currents_population_view_set_axes        (CurrentsPopulationView *self,
                                                      guint                   x_axis,
                                                      guint                   y_axis);
/* Grid points per side of the heat map (default 64) and sample paths drawn (default 20). */
void        currents_population_view_set_grid_size   (CurrentsPopulationView *self,
                                                      guint                   n);
void        currents_population_view_set_n_paths     (CurrentsPopulationView *self,
                                                      guint                   n);

/* TRUE while a result for what is shown is being computed (or waits for the view to be
 * mapped). */
gboolean    currents_population_view_get_busy        (CurrentsPopulationView *self);
/**
 * currents_population_view_get_grid:
 * @nx, @ny: (out) (optional): grid size
 * @box: (out) (optional): x_lo, x_hi, y_lo, y_hi
 * @t: (out) (optional): the time it was computed for
 * @x_axis, @y_axis: (out) (optional): the states
 * @marginal: (out) (optional): a histogram marginal (n > 2), not the exact log p
 *
 * Returns: (nullable): the last computed heat map, ny × nx values of log p (row j is
 *   y_j = y_lo + j (y_hi − y_lo)/(ny − 1), column i likewise in x), or %NULL
 */
const double *currents_population_view_get_grid      (CurrentsPopulationView *self,
                                                      guint                  *nx,
                                                      guint                  *ny,
                                                      double                 *box,
                                                      double                 *t,
                                                      guint                  *x_axis,
                                                      guint                  *y_axis,
                                                      gboolean               *marginal);
/* The sample paths of the last result: their count; @times/@n_times (optional) the times
 * along them; the points n_paths × n_times × n_states. */
guint       currents_population_view_get_paths       (CurrentsPopulationView *self,
                                                      const double          **points,
                                                      const double          **times,
                                                      guint                  *n_times);

/* (nullable): why the last computation failed (shown on the page). */
const char *currents_population_view_get_error       (CurrentsPopulationView *self);

/* Training from the shown snapshots (the button): the shown model when its states match,
 * else a new one; in a thread, with progress; Cancel keeps the best parameters so far. */
void        currents_population_view_train          (CurrentsPopulationView *self);
void        currents_population_view_cancel_training (CurrentsPopulationView *self);
gboolean    currents_population_view_get_training    (CurrentsPopulationView *self);
/* Iterations of the next training (default 200). */
void        currents_population_view_set_train_iterations (CurrentsPopulationView *self,
                                                      guint                   n);
/* The last training's final loss (−mean log-likelihood), NAN before one finished. */
double      currents_population_view_get_train_loss  (CurrentsPopulationView *self);

G_END_DECLS
