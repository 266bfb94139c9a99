/* currents-window-watch-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "currents-window.h"

G_BEGIN_DECLS

void  _currents_window_class_init_watch (GtkWidgetClass *widget_class);

/* The model file (@is_model) or data file the window shows now, read as @contents
 * (@sha256: their checksum when known, else computed):
 * watched until another one is shown. A change on disk (other contents) offers to
 * reload it; deleting or moving it says that what is open stays open. @file NULL stops
 * watching that kind. */
void  _currents_window_watch            (CurrentsWindow *self,
                                         GFile          *file,
                                         gboolean        is_model,
                                         const char     *contents,
                                         gsize           length,
                                         const char     *sha256);

/* The data were read before the model shown now, which takes some of their columns as
 * inputs (an inducer's level): the data file is read again, knowing it. */
void  _currents_window_watch_reread_inputs (CurrentsWindow *self);

/* For tests: how many times the model or data file was found changed, and deleted. */
guint _currents_window_watch_get_n_changed (CurrentsWindow *self,
                                            gboolean        is_model);
guint _currents_window_watch_get_n_deleted (CurrentsWindow *self,
                                            gboolean        is_model);

G_END_DECLS
