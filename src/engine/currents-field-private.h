/* currents-field-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include "currents-field.h"

G_BEGIN_DECLS

gpointer _currents_field_workspace_get_impl_ws (CurrentsFieldWorkspace *ws);

G_END_DECLS
