/* currents-bifurcation-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bifurcation diagram of the shown model: equilibria (and periodic orbits) against a
 * parameter or input, linked to the portrait's slider; a two-parameter mode for fold and
 * Hopf curves.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-plot-diagram.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_BIFURCATION_VIEW (currents_bifurcation_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsBifurcationView, currents_bifurcation_view, CURRENTS,
                      BIFURCATION_VIEW, GtkWidget)

GtkWidget *currents_bifurcation_view_new          (void);

/* The portrait whose system, data set and sliders this view follows (its
 * ::content-changed signal and its parameter panel's ::value-changed). Not owned. */
void       currents_bifurcation_view_set_portrait (CurrentsBifurcationView *self,
                                                   CurrentsPortrait        *portrait);

/* What is shown. Each returns FALSE (and changes nothing) for an unknown name or index.
 * The parameter (or input) along the horizontal axis: */
gboolean   currents_bifurcation_view_set_parameter  (CurrentsBifurcationView *self,
                                                     const char              *name);
/* Two-parameter mode: the one along the vertical axis. */
gboolean   currents_bifurcation_view_set_parameter2 (CurrentsBifurcationView *self,
                                                     const char              *name);
/* The state (its index) along the vertical axis, or -1 for the 2-norm of the state. */
gboolean   currents_bifurcation_view_set_quantity   (CurrentsBifurcationView *self,
                                                     int                      quantity);
int        currents_bifurcation_view_get_quantity   (CurrentsBifurcationView *self);
/* The range of the (first) parameter, and of the second; lo < hi. */
gboolean   currents_bifurcation_view_set_range      (CurrentsBifurcationView *self,
                                                     double                   lo,
                                                     double                   hi);
gboolean   currents_bifurcation_view_set_range2     (CurrentsBifurcationView *self,
                                                     double                   lo,
                                                     double                   hi);
/* The range in use (FALSE when there is none) and whether its axis is logarithmic. */
gboolean   currents_bifurcation_view_get_range      (CurrentsBifurcationView *self,
                                                     double                  *lo,
                                                     double                  *hi,
                                                     gboolean                *log_scale);
void       currents_bifurcation_view_set_two_parameters (CurrentsBifurcationView *self,
                                                         gboolean                 two);
void       currents_bifurcation_view_set_periodic   (CurrentsBifurcationView *self,
                                                     gboolean                 periodic);

/* TRUE while a computation is scheduled or running. */
gboolean   currents_bifurcation_view_get_busy       (CurrentsBifurcationView *self);
/* Stops the computation under way (the Cancel button). */
void       currents_bifurcation_view_cancel         (CurrentsBifurcationView *self);

/* What the last frame drew, and how many frames were drawn. */
void       currents_bifurcation_view_get_stats      (CurrentsBifurcationView  *self,
                                                     CurrentsPlotDiagramStats *stats);
guint      currents_bifurcation_view_get_n_frames   (CurrentsBifurcationView *self);
/* (transfer none): the diagram shown (for its device ↔ data mapping after a draw). */
CurrentsPlotDiagram *currents_bifurcation_view_get_diagram (CurrentsBifurcationView *self);
/* (transfer none): the folds' parameter values shown (one parameter), in the order the
 * continuation found them; @n_folds: their number. */
const double *currents_bifurcation_view_get_folds   (CurrentsBifurcationView *self,
                                                     guint                   *n_folds);
/* The words under the diagram (the bistable ranges, folds, Hopf points; or the error). */
const char *currents_bifurcation_view_get_summary   (CurrentsBifurcationView *self);
/* The error of the last computation, or NULL. */
const char *currents_bifurcation_view_get_error     (CurrentsBifurcationView *self);
/* The marker: the parameter's current value (NaN when none), and in two-parameter mode
 * the second's (else NaN). Returns whether there is one. */
gboolean   currents_bifurcation_view_get_marker     (CurrentsBifurcationView *self,
                                                     double                  *x,
                                                     double                  *y);
/* What a click at canvas point (@x, @y) does: on a special point, sets the parameter(s)
 * to its value(s); elsewhere in the plot area, to the value(s) under the pointer.
 * Returns whether a slider moved. */
gboolean   currents_bifurcation_view_click          (CurrentsBifurcationView *self,
                                                     double                   x,
                                                     double                   y);
/* Writes the diagram to a PNG, SVG or PDF (by suffix) of @width × @height. */
gboolean   currents_bifurcation_view_export         (CurrentsBifurcationView *self,
                                                     const char              *path,
                                                     int                      width,
                                                     int                      height,
                                                     GError                 **error);

/* With an ensemble shown (currents-window-ensemble.h), one parameter: (transfer none)
 * (nullable) (element-type CurrentsTippingPoint) the tipping points across its members
 * (currents_ensemble_continue() with the view's options), drawn as intervals. */
GPtrArray *currents_bifurcation_view_get_tipping_points (CurrentsBifurcationView *self);
/* Where the continuation in @name looks for its starting equilibria (the command line's
 * --start), until the content changes; @name %NULL: at the value as the model came.
 * FALSE for an unknown name or a value that is not finite. */
gboolean   currents_bifurcation_view_set_start          (CurrentsBifurcationView *self,
                                                         const char              *name,
                                                         double                   value);
/* Ensemble runs started so far (none while the page is hidden). */
guint      currents_bifurcation_view_get_ensemble_runs  (CurrentsBifurcationView *self);

G_END_DECLS
