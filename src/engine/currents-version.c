/* currents-version.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "currents-version.h"

const char *
currents_engine_version (void)
{
  return PACKAGE_VERSION;
}
