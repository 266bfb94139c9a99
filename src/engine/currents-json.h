/* currents-json.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * JSON text that json-glib 1.6 can read back: its own generator writes doubles such as
 * 1e-08 as `1e-08.0` and NaN as `nan.0`, which no parser accepts. Every double here is
 * written with 17 significant digits in the C locale (so it reads back bit for bit), and
 * a non-finite one as null.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Indented text of @node, ending in a newline. */
char *currents_json_to_string (JsonNode *node);

G_END_DECLS
