/* currents-resnet-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why a residual network is an ODE: Euler steps of size h drawn over the continuous flow of the same field, h on a slider, the error shrinking as h goes to 0.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_RESNET_VIEW (currents_resnet_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsResnetView, currents_resnet_view, CURRENTS, RESNET_VIEW, GtkWidget)

/* The step sizes of the error curve: h = T/2^k, k = 1 … CURRENTS_RESNET_N_ERRORS. */
#define CURRENTS_RESNET_N_ERRORS 10

GtkWidget *currents_resnet_view_new          (void);

/* The portrait whose system, data set and sliders this view follows (its
 * ::content-changed signal and its parameter panel's ::value-changed). Not owned. */
void       currents_resnet_view_set_portrait (CurrentsResnetView *self,
                                           CurrentsPortrait *portrait);

/* The time horizon T (> 0); the number of layers N stays, so h = T/N follows. */
void       currents_resnet_view_set_time     (CurrentsResnetView *self,
                                              double              T);
double     currents_resnet_view_get_time     (CurrentsResnetView *self);
/* The step: N = round(T/h) layers between 2 and 1000, and h = T/N exactly. */
void       currents_resnet_view_set_h        (CurrentsResnetView *self,
                                              double              h);
double     currents_resnet_view_get_h        (CurrentsResnetView *self);
guint      currents_resnet_view_get_n_layers (CurrentsResnetView *self);
/* The start point x(0): all n_states values (the model's initial state by default). */
void       currents_resnet_view_set_start    (CurrentsResnetView *self,
                                              const double       *state);
/* FALSE when there is no model. */
gboolean   currents_resnet_view_get_start    (CurrentsResnetView *self,
                                              double             *state);

/* TRUE while a result for what is shown is being computed (or waits for the view to be
 * mapped). */
gboolean   currents_resnet_view_get_busy     (CurrentsResnetView *self);
/* The last result (FALSE when there is none): x_N after N Euler steps, the accurate x(T),
 * each n_states values. */
gboolean   currents_resnet_view_get_euler_end     (CurrentsResnetView *self,
                                                   double             *state);
gboolean   currents_resnet_view_get_reference_end (CurrentsResnetView *self,
                                                   double             *state);
/* ‖x_N − x(T)‖₂, NAN when there is no result. */
double     currents_resnet_view_get_error    (CurrentsResnetView *self);
/* (h, error) for h = T/2^k, k = 1 … CURRENTS_RESNET_N_ERRORS; returns the count (0 when
 * there is no result). Either pointer may be NULL. */
guint      currents_resnet_view_get_error_table (CurrentsResnetView *self,
                                                 const double      **h,
                                                 const double      **error);
/* The least-squares slope of log error against log h over the small steps
 * (h ≤ T/16), where the first-order term dominates; NAN when it cannot be fitted. */
double     currents_resnet_view_get_slope    (CurrentsResnetView *self);

/* What the last frame of the flow plot drew. */
typedef struct
{
  guint n_frames;        /* flow plot frames drawn */
  guint n_error_frames;  /* error plot frames drawn */
  guint n_flow_segments; /* segments of the accurate flow */
  guint n_euler_segments;/* segments joining the Euler iterates */
  guint n_euler_dots;    /* Euler iterates drawn as dots */
  guint n_arrows;        /* field arrows */
  guint n_error_points;  /* points of the error curve (error plot) */
} CurrentsResnetStats;

void       currents_resnet_view_get_stats    (CurrentsResnetView  *self,
                                              CurrentsResnetStats *stats);

/* Where the point (@x, @y) of the flow plot's axes is on its canvas (after the first
 * drawing of a result); FALSE before. */
gboolean   currents_resnet_view_data_to_canvas (CurrentsResnetView *self,
                                                double              x,
                                                double              y,
                                                double             *cx,
                                                double             *cy);

/* Writes the two plots side by side to a PNG file, @width × @height pixels. */
gboolean   currents_resnet_view_export_png   (CurrentsResnetView *self,
                                              const char         *path,
                                              int                 width,
                                              int                 height,
                                              GError            **error);

G_END_DECLS
