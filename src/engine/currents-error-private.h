/* currents-error-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void _currents_error_set_save (GError       **error,
                               const char    *path,
                               const char    *what,
                               const GError  *cause);

G_END_DECLS
