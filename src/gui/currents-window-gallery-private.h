/* currents-window-gallery-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's side of the gallery (currents-window-gallery.c): opening a card shows its
 * model and data and arranges the view the card asks for.
 */
#pragma once

#include "currents-window.h"

G_BEGIN_DECLS

void _currents_window_init_gallery (CurrentsWindow *self);

G_END_DECLS
