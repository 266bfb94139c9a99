/* currents-learned-term-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Learned terms page: what a hybrid model's network learned (a term such as mu(S)),
 * over its data's range, against a reference law the user types (see
 * currents-learned-term.h). Follows the portrait's model, data and sliders.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_LEARNED_TERM_VIEW (currents_learned_term_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsLearnedTermView, currents_learned_term_view, CURRENTS,
                      LEARNED_TERM_VIEW, GtkWidget)

GtkWidget  *currents_learned_term_view_new           (void);
void        currents_learned_term_view_set_portrait  (CurrentsLearnedTermView *self,
                                                      CurrentsPortrait        *portrait);
/* The term shown, by name; FALSE when the model has no such term. */
gboolean    currents_learned_term_view_set_term      (CurrentsLearnedTermView *self,
                                                      const char              *name);
/* (nullable): the name of the term shown */
const char *currents_learned_term_view_get_term      (CurrentsLearnedTermView *self);
/**
 * currents_learned_term_view_set_reference:
 * @text: (nullable): "EXPR;NAME=VALUE;…" (a gallery card's Reference=), or %NULL for none
 *
 * Fills the reference entry and applies it; a law that does not compile is shown as an
 * error under the plot (see currents_learned_term_view_get_summary()).
 */
void        currents_learned_term_view_set_reference (CurrentsLearnedTermView *self,
                                                      const char              *text);
/* (nullable): the grid drawn, current for the model shown (NULL when nothing is) */
const CurrentsLearnedTermGrid *currents_learned_term_view_get_grid (CurrentsLearnedTermView *self);
/* FALSE without a reference law; the comparison inside the data's range otherwise */
gboolean    currents_learned_term_view_get_comparison (CurrentsLearnedTermView *self,
                                                       CurrentsTermComparison  *comparison);
/* The words under the plot. */
const char *currents_learned_term_view_get_summary   (CurrentsLearnedTermView *self);

G_END_DECLS
