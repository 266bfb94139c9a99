/* currents-conservation-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The conserved quantities of the model shown (its own, and those the user types) and how
 * far each drifts from its start along a run, with the integrator of the user's choice.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_CONSERVATION_VIEW (currents_conservation_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsConservationView, currents_conservation_view, CURRENTS,
                      CONSERVATION_VIEW, GtkWidget)

typedef enum
{
  CURRENTS_CONSERVATION_MODEL_SOLVER, /* the system's solver and options (XPP's: rk4 at dt) */
  CURRENTS_CONSERVATION_GAUSS4,       /* 2-stage Gauss–Legendre, fixed step h */
  CURRENTS_CONSERVATION_MIDPOINT,     /* implicit midpoint, fixed step h */
  CURRENTS_CONSERVATION_RK4,          /* classical Runge–Kutta 4, fixed step h */
} CurrentsConservationIntegrator;

typedef enum
{
  CURRENTS_CONSERVATION_SOURCE_EXACT,    /* a law of a stoichiometric model's reactions */
  CURRENTS_CONSERVATION_SOURCE_PENALTY,  /* a model's `conserve` statement */
  CURRENTS_CONSERVATION_SOURCE_ENERGY,   /* a Hamiltonian model's learned energy */
  CURRENTS_CONSERVATION_SOURCE_USER,     /* typed in "Check a quantity" */
} CurrentsConservationSource;

/* The most fixed steps one run takes (T/h above it is refused with a message). */
#define CURRENTS_CONSERVATION_MAX_STEPS 4000000
/* Samples of the drift curves: at most this many intervals. */
#define CURRENTS_CONSERVATION_N_SAMPLES 1000

GtkWidget *currents_conservation_view_new             (void);

/* The portrait whose system and sliders this view follows. Not owned. */
void       currents_conservation_view_set_portrait    (CurrentsConservationView       *self,
                                                       CurrentsPortrait               *portrait);

void       currents_conservation_view_set_integrator  (CurrentsConservationView       *self,
                                                       CurrentsConservationIntegrator  integrator);
CurrentsConservationIntegrator
           currents_conservation_view_get_integrator  (CurrentsConservationView       *self);
/* The fixed step h (> 0) of the fixed-step integrators: the model's dt when its own solver
 * is a fixed-step one, else 0.01, for a new model. */
void       currents_conservation_view_set_step        (CurrentsConservationView       *self,
                                                       double                          h);
double     currents_conservation_view_get_step        (CurrentsConservationView       *self);
/* The time span T (> 0); the system's total by default. A fixed-step run takes
 * N = round(T/h) steps of exactly h. */
void       currents_conservation_view_set_time        (CurrentsConservationView       *self,
                                                       double                          T);
double     currents_conservation_view_get_time        (CurrentsConservationView       *self);

/* The text of "Check a quantity": expressions of the states separated by ';'. Applied at
 * once, as when the user presses Enter. */
void       currents_conservation_view_set_user_quantities (CurrentsConservationView   *self,
                                                           const char                 *text);

/* TRUE while a result for what is shown is being computed (or waits for the view to be
 * mapped). */
gboolean   currents_conservation_view_get_busy        (CurrentsConservationView       *self);

/* The rows of the list: the model's quantities first, then the user's, in order. */
guint      currents_conservation_view_get_n_quantities (CurrentsConservationView      *self);
CurrentsConservationSource
           currents_conservation_view_get_source      (CurrentsConservationView       *self,
                                                       guint                           i);
/* What is conserved, as written ("E + C"; "H" for a learned energy). */
const char *currents_conservation_view_get_expression (CurrentsConservationView       *self,
                                                       guint                           i);
/* Why the expression was refused (the parser's message), or NULL. */
const char *currents_conservation_view_get_error      (CurrentsConservationView       *self,
                                                       guint                           i);
/* From the last result: q(0) and the drift max_t |q(t) − q(0)| / |q(0)| over every step
 * (every output time of an adaptive run); |q(t) − q(0)| when q(0) = 0 (@absolute TRUE).
 * NAN when there is no result or the row is in error. */
double     currents_conservation_view_get_start_value (CurrentsConservationView       *self,
                                                       guint                           i);
double     currents_conservation_view_get_drift       (CurrentsConservationView       *self,
                                                       guint                           i,
                                                       gboolean                       *absolute);
/* The samples of the drift plot (0 when there is no result): their times t_0 … t_M, and
 * for a row, the largest drift over the steps in (t_{k−1}, t_k] (at t_k for an adaptive
 * run; 0 at k = 0). For an adaptive run the t_k are its output times. Either pointer may
 * be NULL; @drift is NULL for a row in error. */
guint      currents_conservation_view_get_samples     (CurrentsConservationView       *self,
                                                       guint                           i,
                                                       const double                  **times,
                                                       const double                  **drift);
/* Steps the last fixed-step run took (0 for an adaptive one or no result). */
gsize      currents_conservation_view_get_n_steps     (CurrentsConservationView       *self);
/* The sentence under the plot, or why the run stopped. */
const char *currents_conservation_view_get_summary    (CurrentsConservationView       *self);

typedef struct
{
  guint n_frames;   /* plot frames drawn */
  guint n_curves;   /* drift curves in the last frame */
  guint n_segments; /* their segments */
} CurrentsConservationStats;

void       currents_conservation_view_get_stats       (CurrentsConservationView       *self,
                                                       CurrentsConservationStats      *stats);

/* Writes the plot to a PNG file, @width × @height pixels. */
gboolean   currents_conservation_view_export_png      (CurrentsConservationView       *self,
                                                       const char                     *path,
                                                       int                             width,
                                                       int                             height,
                                                       GError                        **error);

G_END_DECLS
