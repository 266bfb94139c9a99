/* currents-knockout-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every state's knockout ranked by the steady-state shift it causes, as a bar chart and a table, and the knocked-out system beside the original.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_KNOCKOUT_VIEW (currents_knockout_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsKnockoutView, currents_knockout_view, CURRENTS, KNOCKOUT_VIEW, GtkWidget)

GtkWidget *currents_knockout_view_new          (void);

/* The portrait whose system, data set and sliders this view follows (its
 * ::content-changed signal and its parameter panel's ::value-changed). Not owned. */
void       currents_knockout_view_set_portrait (CurrentsKnockoutView *self,
                                           CurrentsPortrait *portrait);

G_END_DECLS
