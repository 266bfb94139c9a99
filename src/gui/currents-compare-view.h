/* currents-compare-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A learned vector field beside the known one the data came from, and a heat map of
 * their difference with the data's coverage outlined.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_COMPARE_VIEW (currents_compare_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsCompareView, currents_compare_view, CURRENTS, COMPARE_VIEW, GtkWidget)

GtkWidget *currents_compare_view_new          (void);

/* The portrait whose system, data set and sliders this view follows (its
 * ::content-changed signal and its parameter panel's ::value-changed). Not owned. */
void       currents_compare_view_set_portrait (CurrentsCompareView *self,
                                           CurrentsPortrait *portrait);

/* Where the known model came from. */
typedef enum
{
  CURRENTS_COMPARE_KNOWN_NONE,
  CURRENTS_COMPARE_KNOWN_CHOSEN,      /* the Choose button or currents_compare_view_set_known() */
  CURRENTS_COMPARE_KNOWN_PROVENANCE,  /* named in the data file's header, checksum matching */
  CURRENTS_COMPARE_KNOWN_CHANGED,     /* named there, but the file changed since */
  CURRENTS_COMPARE_KNOWN_REMEMBERED,  /* the equation model shown before the trained one */
} CurrentsCompareKnownOrigin;

/* (transfer full) (nullable): the known model, as the Choose button sets it; it stays
 * while the trained models shown have its states. %NULL forgets it. */
void        currents_compare_view_set_known        (CurrentsCompareView *self,
                                                    CurrentsSystem      *known);
/* Whether a known model of the shown trained model's states is in use, and which. */
gboolean    currents_compare_view_has_known        (CurrentsCompareView *self);
CurrentsCompareKnownOrigin currents_compare_view_get_known_origin (CurrentsCompareView *self);
/* The known model's file name (basename), or NULL. */
const char *currents_compare_view_get_known_name   (CurrentsCompareView *self);

/* The heat map shows ‖f_learned − f_known‖, or that divided by ‖f_known‖. */
void        currents_compare_view_set_relative     (CurrentsCompareView *self,
                                                    gboolean             relative);
gboolean    currents_compare_view_get_relative     (CurrentsCompareView *self);

/* TRUE while a result for what is shown is pending or being computed (while mapped). */
gboolean    currents_compare_view_get_busy         (CurrentsCompareView *self);

/* The last result: an nx × ny grid over @window (xlo, xhi, ylo, yhi) of the
 * portrait's two axes; cell (i, j) is centred at
 * (xlo + (i + ½)(xhi − xlo)/nx, ylo + (j + ½)(yhi − ylo)/ny). FALSE when there is none. */
gboolean    currents_compare_view_get_grid         (CurrentsCompareView *self,
                                                    guint               *nx,
                                                    guint               *ny,
                                                    double               window[4]);
/* The value the heat map shows at cell (i, j) (absolute or relative); NaN when none. */
double      currents_compare_view_get_difference   (CurrentsCompareView *self,
                                                    guint                i,
                                                    guint                j);
/* Whether the data (projected on the plane, dilated by a cell) cover cell (i, j). */
gboolean    currents_compare_view_get_covered      (CurrentsCompareView *self,
                                                    guint                i,
                                                    guint                j);
/* RMS of ‖f_learned − f_known‖ over the covered cells and over the others (NaN when
 * there are none); the cell counts. FALSE when there is no result. */
gboolean    currents_compare_view_get_rms          (CurrentsCompareView *self,
                                                    double              *inside,
                                                    double              *outside,
                                                    guint               *n_inside,
                                                    guint               *n_outside);
/* Results applied, and frames drawn with a result. */
guint       currents_compare_view_get_n_results    (CurrentsCompareView *self);
guint       currents_compare_view_get_n_draws      (CurrentsCompareView *self);

G_END_DECLS
