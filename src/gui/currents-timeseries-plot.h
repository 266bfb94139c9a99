/* currents-timeseries-plot.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * CurrentsTimeseriesTrack:
 * One trajectory as the time-series view shows it: its samples of the plotted
 * variables and, when there is a model, the model's prediction from its first sample
 * through and beyond the last one. Layout: samples[k * n_vars + v], pred[k * n_vars + v];
 * NaN marks a missing sample or a point the prediction did not reach.
 */
typedef struct
{
  char     *id;
  gboolean  validation;
  double    mse;          /* over the observed samples, data units; NaN when unknown */
  gsize     n_vars;
  gsize     n_samples;
  double   *times;
  double   *samples;
  gsize     n_pred;
  double   *pred_times;
  double   *pred;
  /* an ensemble's prediction: pred is the members' median, the band their interval
   * (NULL for a single model) */
  double   *band_lo;
  double   *band_hi;
  gsize     band_members;  /* members whose prediction went through */
} CurrentsTimeseriesTrack;

void currents_timeseries_track_free (CurrentsTimeseriesTrack *track);

#define CURRENTS_TYPE_TIMESERIES_PLOT (currents_timeseries_plot_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsTimeseriesPlot, currents_timeseries_plot, CURRENTS, TIMESERIES_PLOT,
                      GtkWidget)

GtkWidget *currents_timeseries_plot_new          (void);

/* @tracks: (nullable): a GPtrArray of CurrentsTimeseriesTrack (a reference is taken);
 * @names: the plotted variables (n_vars of each track). */
void       currents_timeseries_plot_set_tracks   (CurrentsTimeseriesPlot *self,
                                                  GPtrArray              *tracks,
                                                  const char *const      *names);
/* The trajectory to show, or -1 for all of them side by side (small multiples). */
void       currents_timeseries_plot_set_selected (CurrentsTimeseriesPlot *self,
                                                  int                     index);
int        currents_timeseries_plot_get_selected (CurrentsTimeseriesPlot *self);
/* What the last frame drew: panels, sample markers and prediction curves. */
void       currents_timeseries_plot_get_stats    (CurrentsTimeseriesPlot *self,
                                                  guint                  *n_panels,
                                                  guint                  *n_markers,
                                                  guint                  *n_curves);
/* Prediction bands (an ensemble's interval) the last frame drew. */
guint      currents_timeseries_plot_get_n_bands  (CurrentsTimeseriesPlot *self);

G_END_DECLS
