/* currents-window-training-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's side of training (currents-window-training.c): the win.train-start,
 * win.train-stop and win.save-model actions, what the training panel and the
 * time-series view are given when the window's content changes, the best model shown
 * while training, and the question before a window that trains is closed.
 */
#pragma once

#include "currents-window.h"

G_BEGIN_DECLS

void     _currents_window_class_init_training  (GtkWidgetClass *widget_class);
void     _currents_window_init_training        (CurrentsWindow *self);
/* The shown model or data changed. */
void     _currents_window_training_source_changed (CurrentsWindow *self);
/* From close-request: TRUE when the window must stay open (a question was asked). */
gboolean _currents_window_training_close_request  (CurrentsWindow *self);

G_END_DECLS
