/* currents-application.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CURRENTS_TYPE_APPLICATION (currents_application_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsApplication, currents_application, CURRENTS, APPLICATION,
                      AdwApplication)

CurrentsApplication *currents_application_new       (void);
/* Opens the user guide on page @page (NULL: the index); FALSE when there is no such
 * page (the guide opens on the page it showed). Also the actions app.help (F1) and
 * app.help-page with the page id as a string. */
gboolean             currents_application_show_help (CurrentsApplication *self,
                                                     const char          *page);

G_END_DECLS
