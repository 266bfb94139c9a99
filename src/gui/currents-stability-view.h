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

GtkWidget *currents_stability_view_new          (void);

/* The portrait whose system, data set and sliders this view follows (its
 * ::content-changed signal and its parameter panel's ::value-changed). Not owned. */
void       currents_stability_view_set_portrait (CurrentsStabilityView *self,
                                           CurrentsPortrait *portrait);

G_END_DECLS
