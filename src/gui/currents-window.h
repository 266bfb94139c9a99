/* currents-window.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "currents-application.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_WINDOW (currents_window_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsWindow, currents_window, CURRENTS, WINDOW, AdwApplicationWindow)

/* @application: (nullable) */
CurrentsWindow     *currents_window_new               (CurrentsApplication *application);

/* Loads a model (`.ode`) or a data set (anything else, read as CSV) in a thread and
 * shows it: a data set whose states include the model's is drawn over its field,
 * otherwise the new content replaces the old. Errors appear as a toast and what was
 * shown stays. */
void                currents_window_open              (CurrentsWindow      *self,
                                                       GFile               *file);
void                currents_window_open_async        (CurrentsWindow      *self,
                                                       GFile               *file,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean            currents_window_open_finish       (CurrentsWindow      *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* Opens several files one after another, models first (drops, the command line). */
void                currents_window_open_files        (CurrentsWindow      *self,
                                                       GFile *const        *files,
                                                       guint                n_files);

/* Shows the bundled genetic toggle switch (with its data when bundled). */
gboolean            currents_window_open_example      (CurrentsWindow      *self);

CurrentsPortrait *currents_window_get_portrait   (CurrentsWindow      *self);
/* The message of the last error toast, or NULL. */
const char         *currents_window_get_last_error    (CurrentsWindow      *self);

G_END_DECLS
