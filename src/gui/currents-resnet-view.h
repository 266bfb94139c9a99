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

GtkWidget *currents_resnet_view_new          (void);

/* The portrait whose system, data set and sliders this view follows (its
 * ::content-changed signal and its parameter panel's ::value-changed). Not owned. */
void       currents_resnet_view_set_portrait (CurrentsResnetView *self,
                                           CurrentsPortrait *portrait);

G_END_DECLS
