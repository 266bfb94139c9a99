/* currents-preferences.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CURRENTS_TYPE_PREFERENCES (currents_preferences_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsPreferences, currents_preferences, CURRENTS, PREFERENCES,
                      AdwPreferencesWindow)

CurrentsPreferences *currents_preferences_new            (GtkWindow   *parent);

/* (transfer full) (nullable): the application's settings, or NULL when the schema is
 * not installed (running from the build tree without `meson devenv`). */
GSettings           *currents_preferences_dup_settings   (void);
/* Makes the style (light, dark or the system's) follow the color-scheme setting. */
void                 currents_preferences_follow_style   (void);
/* Reads "64, 32" into at most @max widths, each from 1 to 65536. */
gboolean             currents_preferences_parse_widths   (const char  *text,
                                                          guint       *widths,
                                                          gsize        max,
                                                          gsize       *n_widths,
                                                          GError     **error);

G_END_DECLS
