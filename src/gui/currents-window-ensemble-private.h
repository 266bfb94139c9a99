/* currents-window-ensemble-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "currents-window.h"

G_BEGIN_DECLS

/* From currents_window_open_async(): when @file is an ensemble file, loads it in a
 * thread, shows it and completes @task (taken); FALSE (and @task untouched) otherwise. */
gboolean _currents_window_open_ensemble     (CurrentsWindow *self,
                                             GFile          *file,
                                             GCancellable   *cancellable,
                                             GTask          *task);
/* From the window's title: the subtitle when an ensemble is shown (else unchanged). */
void     _currents_window_ensemble_subtitle (CurrentsWindow *self,
                                             char          **subtitle);

/* The shown system's named parameters and inputs, by name, in an ensemble's member. */
void     _currents_ensemble_copy_settings   (CurrentsSystem *member,
                                             CurrentsSystem *shown);

G_END_DECLS
