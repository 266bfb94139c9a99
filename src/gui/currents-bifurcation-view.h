/* currents-bifurcation-view.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bifurcation diagram of the shown model: equilibria (and periodic orbits) against a parameter or input, linked to the portrait's slider; a two-parameter mode for fold and Hopf curves.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_BIFURCATION_VIEW (currents_bifurcation_view_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsBifurcationView, currents_bifurcation_view, CURRENTS, BIFURCATION_VIEW, GtkWidget)

GtkWidget *currents_bifurcation_view_new          (void);

/* The portrait whose system, data set and sliders this view follows (its
 * ::content-changed signal and its parameter panel's ::value-changed). Not owned. */
void       currents_bifurcation_view_set_portrait (CurrentsBifurcationView *self,
                                           CurrentsPortrait *portrait);

G_END_DECLS
