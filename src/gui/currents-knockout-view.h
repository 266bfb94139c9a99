/* currents-knockout-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every state's knockout ranked by the steady-state shift it causes, as a bar chart and a
 * table, and the knocked-out system beside the original.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_KNOCKOUT_VIEW (currents_knockout_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsKnockoutView, currents_knockout_view, CURRENTS, KNOCKOUT_VIEW,
                      GtkWidget)

GtkWidget  *currents_knockout_view_new          (void);

/* The portrait whose system, data set and sliders this view follows (its
 * ::content-changed signal and its parameter panel's ::value-changed). Not owned. */
void        currents_knockout_view_set_portrait (CurrentsKnockoutView *self,
                                                 CurrentsPortrait     *portrait);

/* What is computed, with the same options `currents-cli knockout` uses: the reference
 * is the steady state reached from the system's initial state (sliders of states off
 * the plane's axes included), with the system's integrator settings and t held at its
 * t0; every state is knocked out in turn (currents_knockout_run()). A trained model's
 * data ranges decide "extrapolated". */

/* TRUE while a computation is pending (debounced) or running. */
gboolean    currents_knockout_view_get_busy     (CurrentsKnockoutView *self);
/* How many results were shown since the view was made. */
guint       currents_knockout_view_get_n_updates (CurrentsKnockoutView *self);
/* The message shown instead of results (no model, no reference steady state, …), or NULL. */
const char *currents_knockout_view_get_message  (CurrentsKnockoutView *self);

/* The genes listed, by rank (0: the largest shift; those without a steady state last). */
guint       currents_knockout_view_get_n_genes  (CurrentsKnockoutView *self);
const char *currents_knockout_view_get_gene_name (CurrentsKnockoutView *self,
                                                  guint                 rank);
/* ‖x_ko − x_ref‖₂, NaN when no steady state was reached. */
double      currents_knockout_view_get_shift    (CurrentsKnockoutView *self,
                                                 guint                 rank);
/* The knockout's steady state (n_states values) and whether it is stable / extrapolated;
 * any out argument may be NULL. FALSE when @rank is out of range. */
gboolean    currents_knockout_view_get_gene     (CurrentsKnockoutView *self,
                                                 guint                 rank,
                                                 const double        **state,
                                                 gboolean             *steady,
                                                 gboolean             *stable,
                                                 gboolean             *extrapolated);
/* The rank of the state @gene, or -1. */
int         currents_knockout_view_get_rank     (CurrentsKnockoutView *self,
                                                 const char           *gene);
/* The reference steady state (n values), or NULL. */
const double *currents_knockout_view_get_reference (CurrentsKnockoutView *self,
                                                    gsize                *n);

/* Shows the time course of the knockout of @gene (NULL clears); FALSE when not listed.
 * Clicking its bar or its row does the same. */
gboolean    currents_knockout_view_select_gene  (CurrentsKnockoutView *self,
                                                 const char           *gene);
/* The gene whose knockout is shown, or NULL. */
const char *currents_knockout_view_get_selected (CurrentsKnockoutView *self);
/* What a click at point (@x, @y) of the bar chart does: selects the bar there.
 * Returns its rank, or -1 when no bar is there. */
int         currents_knockout_view_click_bars   (CurrentsKnockoutView *self,
                                                 double                x,
                                                 double                y);

/* The centre of the bar (or row) of @rank in the bar chart, after it was drawn. */
gboolean    currents_knockout_view_get_bar_center (CurrentsKnockoutView *self,
                                                   guint                 rank,
                                                   double               *x,
                                                   double               *y);

/* The selected knockout's time course, both runs from the reference steady state:
 * @times (n_times), @original and @knocked_out (n_times × n_states, row-major: state i
 * at times[k] is [k * n_states + i]). FALSE when nothing is selected. */
gboolean    currents_knockout_view_get_course   (CurrentsKnockoutView *self,
                                                 gsize                *n_times,
                                                 gsize                *n_states,
                                                 const double        **times,
                                                 const double        **original,
                                                 const double        **knocked_out);
/* How the chosen knockout is shown. */
typedef enum
{
  CURRENTS_KNOCKOUT_DISPLAY_TOGETHER,   /* all states in one time plot, knocked-out run dashed */
  CURRENTS_KNOCKOUT_DISPLAY_PER_STATE,  /* one time plot per state */
  CURRENTS_KNOCKOUT_DISPLAY_PLANE,      /* the knocked-out system's phase plane */
} CurrentsKnockoutDisplay;

void        currents_knockout_view_set_display  (CurrentsKnockoutView   *self,
                                                 CurrentsKnockoutDisplay display);
CurrentsKnockoutDisplay currents_knockout_view_get_display (CurrentsKnockoutView *self);

/* What the last drawings drew: bars in the chart, curves in the time course (in the
 * phase plane: the two runs), and how many times each was drawn. Any out argument may
 * be NULL. */
void        currents_knockout_view_get_stats    (CurrentsKnockoutView *self,
                                                 guint                *n_bars,
                                                 guint                *n_curves,
                                                 guint                *n_bar_frames,
                                                 guint                *n_course_frames);

/* The phase plane's axes (the portrait's when both are states, else the first two
 * states) and the arrows of the knocked-out field its last drawing drew; FALSE when the
 * model has a single state. */
gboolean    currents_knockout_view_get_plane    (CurrentsKnockoutView *self,
                                                 guint                *x_axis,
                                                 guint                *y_axis,
                                                 guint                *n_arrows);

G_END_DECLS
