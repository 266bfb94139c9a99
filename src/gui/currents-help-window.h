/* currents-help-window.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The user guide inside the application: a list of pages and the page shown.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CURRENTS_TYPE_HELP_WINDOW (currents_help_window_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsHelpWindow, currents_help_window, CURRENTS, HELP_WINDOW, AdwWindow)

/* @parent: (nullable): the window it belongs to */
CurrentsHelpWindow *currents_help_window_new       (GtkWindow          *parent);
/* Shows the page @id ("index", "portrait", "bifurcations", …); FALSE when unknown. */
gboolean            currents_help_window_show_page (CurrentsHelpWindow *self,
                                                    const char         *id);

G_END_DECLS
