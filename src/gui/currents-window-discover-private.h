/* currents-window-discover-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's side of reading equations back (currents-window-discover.c): the
 * win.discover action, enabled while the portrait shows a trained model and data.
 */
#pragma once

#include "currents-discover-dialog.h"
#include "currents-window.h"

G_BEGIN_DECLS

void _currents_window_class_init_discover (GtkWidgetClass *widget_class);
void _currents_window_init_discover       (CurrentsWindow *self);
/* What win.discover does: shows the dialog (the one already open, if any). */
CurrentsDiscoverDialog *_currents_window_discover (CurrentsWindow *self);

G_END_DECLS
