/* currents-window-ensemble.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ensembles in the window: opening an ensemble file shows its first member as a trained
 * model and keeps the ensemble with the portrait, for the views that run their analysis
 * across the members (the Bifurcations page: tipping points with intervals).
 */
#pragma once

#include "currents-ensemble.h"
#include "currents-portrait.h"
#include "currents-window.h"

G_BEGIN_DECLS

/* (transfer full) @ens: shows member 0 in the portrait (named @name) and keeps @ens with
 * it until the portrait shows something else. */
void                    currents_window_show_ensemble (CurrentsWindow   *self,
                                                       CurrentsEnsemble *ens,
                                                       const char       *name);
/* (transfer none) (nullable): the ensemble whose member the portrait shows. */
const CurrentsEnsemble *currents_window_get_ensemble  (CurrentsWindow   *self);

/* (transfer none) (nullable): the same, for views that know only the portrait. */
const CurrentsEnsemble *currents_portrait_get_shown_ensemble (CurrentsPortrait *portrait);

G_END_DECLS
