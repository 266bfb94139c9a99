/* currents-stability-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The equilibria of the shown model at the sliders' values, with the linearisation of the selected one: its own phase portrait and its place on the trace-determinant plane.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_STABILITY_VIEW (currents_stability_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsStabilityView, currents_stability_view, CURRENTS, STABILITY_VIEW, GtkWidget)

/* What the linearisation panel shows. */
typedef enum
{
  CURRENTS_STABILITY_SHOW_LINEAR,    /* y′ = J y: its field, exact trajectories */
  CURRENTS_STABILITY_SHOW_NONLINEAR, /* the model's field and trajectories, same window */
  CURRENTS_STABILITY_SHOW_BOTH,      /* the model's field, both sets of trajectories */
} CurrentsStabilityShow;

/**
 * CurrentsStabilityStats:
 * What the last drawings drew.
 * @n_arrows: field arrows in the linearisation panel
 * @n_eigen_directions: eigen-directions drawn as lines there (real eigenvalues)
 * @n_linear_trajectories: trajectories of y′ = J y drawn
 * @n_nonlinear_trajectories: trajectories of the model drawn
 * @n_plane_points: equilibria marked on the trace-determinant (or complex) plane
 * @n_eigenvalue_marks: eigenvalues marked in the complex plane (n > 2)
 * @n_linear_frames, @n_plane_frames: how many times each panel was drawn
 */
typedef struct
{
  guint n_arrows;
  guint n_eigen_directions;
  guint n_linear_trajectories;
  guint n_nonlinear_trajectories;
  guint n_plane_points;
  guint n_eigenvalue_marks;
  guint n_linear_frames;
  guint n_plane_frames;
} CurrentsStabilityStats;

GtkWidget *currents_stability_view_new          (void);

/* The portrait whose system, data set and sliders this view follows (its
 * ::content-changed signal and its parameter panel's ::value-changed). Not owned. */
void       currents_stability_view_set_portrait (CurrentsStabilityView *self,
                                           CurrentsPortrait *portrait);

/* TRUE while equilibria (or the selected one's neighbourhood) are being computed or a
 * recomputation is pending. */
gboolean   currents_stability_view_get_busy     (CurrentsStabilityView *self);
/* How many results were shown (for tests: wait until it grows). */
guint      currents_stability_view_get_n_updates (CurrentsStabilityView *self);
/* The message shown instead of a table (no model, nothing found, an error), or NULL. */
const char *currents_stability_view_get_message (CurrentsStabilityView *self);

/* The table: one row per equilibrium of the full system, sorted by the first state. */
guint      currents_stability_view_get_n_rows   (CurrentsStabilityView *self);
/* (transfer none): the engine's equilibrium of @row (state, eigenvalues, type). */
const CurrentsEquilibrium *currents_stability_view_get_equilibrium (CurrentsStabilityView *self,
                                                                    guint row);
/* The row's type in the words the table shows ("stable node", "saddle", …). */
const char *currents_stability_view_get_type_label (CurrentsStabilityView *self,
                                                   guint                  row);
/* The row's eigenvalues as the table shows them ("−1 ± 2i, −0.5"). */
char      *currents_stability_view_format_eigenvalues (CurrentsStabilityView *self,
                                                       guint                  row);

/* Selects @row (G_MAXUINT: none): the portrait rings it, the panels below show it. */
void       currents_stability_view_select_row   (CurrentsStabilityView *self,
                                                 guint                  row);
guint      currents_stability_view_get_selected (CurrentsStabilityView *self);

/* τ = tr J and Δ = det J of the 2 × 2 Jacobian in the plotted states (the restriction
 * of J to them when the model has more than two); FALSE when nothing is selected. */
gboolean   currents_stability_view_get_trace_determinant (CurrentsStabilityView *self,
                                                          double                *tau,
                                                          double                *delta);
/* The region of the trace-determinant plane the selected point lies in: "saddle",
 * "stable node", "unstable node", "stable spiral", "unstable spiral", "centre",
 * "stable degenerate node", "unstable degenerate node", "stable star", "unstable star",
 * "non-hyperbolic";
 * NULL when nothing is selected. Not translated (an identifier). */
const char *currents_stability_view_get_region  (CurrentsStabilityView *self);
/* The sentence shown for the selected equilibrium (translated). */
const char *currents_stability_view_get_verdict (CurrentsStabilityView *self);

void       currents_stability_view_set_show     (CurrentsStabilityView *self,
                                                 CurrentsStabilityShow  show);
/* The neighbourhood the linearisation panels show, as a fraction of the portrait's view
 * (0.005 … 0.5). */
void       currents_stability_view_set_neighbourhood (CurrentsStabilityView *self,
                                                      double                 fraction);
/* How far the model's field departs from the linearisation's in the neighbourhood shown:
 * max over the arrow grid of |f(x* + y) − J y| / max |J y| (NaN until the model's field
 * there is computed). Shrinks in proportion to the neighbourhood near a smooth field. */
double     currents_stability_view_get_discrepancy (CurrentsStabilityView *self);
void       currents_stability_view_get_stats    (CurrentsStabilityView  *self,
                                                 CurrentsStabilityStats *stats);

/* Classifies a 2 × 2 Jacobian (row-major) by its trace and determinant, a relative
 * tolerance of 1e-9 deciding the borderlines; returns a region name as above. */
const char *currents_stability_classify_jacobian (const double J[4]);

/* With an ensemble shown: how many of its @n_members members have the equilibrium of
 * row @row (0 without an ensemble). */
guint       currents_stability_view_get_agreement (CurrentsStabilityView *self,
                                                   guint                  row,
                                                   guint                 *n_members);

G_END_DECLS
