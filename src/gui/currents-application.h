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

CurrentsApplication *currents_application_new (void);

G_END_DECLS
