/* currents-timeseries-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-timeseries-plot.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_TIMESERIES_VIEW (currents_timeseries_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsTimeseriesView, currents_timeseries_view, CURRENTS, TIMESERIES_VIEW,
                      GtkWidget)

GtkWidget              *currents_timeseries_view_new            (void);

/* The data to show (copied; nullable). Validation marks are cleared. */
void                    currents_timeseries_view_set_dataset    (CurrentsTimeseriesView *self,
                                                                 const CurrentsDataset  *dataset);
/* The model whose predictions to draw (transfer full; nullable): simulated in a thread
 * from each trajectory's first sample with its inputs, to beyond its last sample. */
void                    currents_timeseries_view_set_system     (CurrentsTimeseriesView *self,
                                                                 CurrentsSystem         *system);
/* An ensemble's members (transfer full; nullable; systems with the states and inputs of
 * the system set last, never changed afterwards — predictions read them in a thread):
 * the predictions become the members' median with their interval as a band. Call after
 * currents_timeseries_view_set_system(), which drops it. */
void                    currents_timeseries_view_set_ensemble   (CurrentsTimeseriesView *self,
                                                                 GPtrArray              *members);
/* Marks the held-out trajectories, when @sha256 is that of the data shown. */
void                    currents_timeseries_view_set_validation (CurrentsTimeseriesView *self,
                                                                 const char             *sha256,
                                                                 const gsize            *val,
                                                                 gsize                   n_val);

/* TRUE while predictions are computed or due. */
gboolean                currents_timeseries_view_get_busy       (CurrentsTimeseriesView *self);
guint                   currents_timeseries_view_get_n_rows     (CurrentsTimeseriesView *self);
/* NaN without a model, or when the prediction failed. */
double                  currents_timeseries_view_get_mse        (CurrentsTimeseriesView *self,
                                                                 guint                   row);
gboolean                currents_timeseries_view_get_validation (CurrentsTimeseriesView *self,
                                                                 guint                   row);
void                    currents_timeseries_view_select         (CurrentsTimeseriesView *self,
                                                                 guint                   row);
void                    currents_timeseries_view_set_show_all   (CurrentsTimeseriesView *self,
                                                                 gboolean                show_all);
/* (nullable): what the last predictions gave for trajectory @row. */
const CurrentsTimeseriesTrack *currents_timeseries_view_get_track (CurrentsTimeseriesView *self,
                                                                   guint                   row);
CurrentsTimeseriesPlot *currents_timeseries_view_get_plot       (CurrentsTimeseriesView *self);

G_END_DECLS
