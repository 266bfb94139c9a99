/* currents-error.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "currents-engine"

#include "currents-error.h"

G_DEFINE_QUARK (currents-engine-error-quark, currents_engine_error)
