/* currents-compare-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A learned vector field beside the known one the data came from, and a heat map of their difference with the data's coverage outlined.
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

G_END_DECLS
