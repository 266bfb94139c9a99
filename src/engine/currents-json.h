/* currents-json.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writing: JSON text that json-glib 1.6 can read back: its own generator writes doubles
 * such as 1e-08 as `1e-08.0` and NaN as `nan.0`, which no parser accepts. Every double
 * here is written with 17 significant digits in the C locale (so it reads back bit for
 * bit), and a non-finite one as null.
 *
 * Reading: typed members of json-glib objects, with messages that say which member is
 * wrong and how. A CurrentsJsonReader (on the caller's stack) carries the file name and
 * the first error; once it has failed, every further call returns at once, so a reader
 * may fetch several members and check rd->failed once.
 */
#pragma once

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* Indented text of @node, ending in a newline. */
char *currents_json_to_string (JsonNode *node);

/* How messages name a member @key of the object at @where. */
typedef enum
{
  /* By its dotted path (@where may be NULL at the top level):
   * "'scaling.x_mean' is a string, not an array", "missing key 'x_mean' in 'scaling'" */
  CURRENTS_JSON_NAME_PATH,
  /* After the place of the object (never NULL):
   * "models[0] ('m'): 'kind' is a number, not a string", "models[0] ('m'): missing key 'kind'" */
  CURRENTS_JSON_NAME_PLACE,
} CurrentsJsonNaming;

typedef enum
{
  CURRENTS_JSON_REQUIRED = 0,
  CURRENTS_JSON_OPTIONAL = 1 << 0,   /* may be absent: the getter returns NULL / FALSE */
  CURRENTS_JSON_NULLABLE = 1 << 1,   /* a string may be null (NULL); number entries may be (NaN) */
} CurrentsJsonFlags;

/* Set up with a designated initializer:
 *   CurrentsJsonReader rd = { .name = display, .error = error,
 *                             .naming = CURRENTS_JSON_NAME_PLACE }; */
typedef struct
{
  const char        *name;     /* the file, first in every message */
  GError           **error;    /* the first failure: CURRENTS_ENGINE_ERROR_DATA_FORMAT */
  gboolean           failed;
  CurrentsJsonNaming naming;
} CurrentsJsonReader;

void        currents_json_fail        (CurrentsJsonReader *rd,
                                       const char         *format,
                                       ...) G_GNUC_PRINTF (2, 3);
const char *currents_json_node_kind   (JsonNode           *node);
gboolean    currents_json_is_number   (JsonNode           *node);

JsonNode   *currents_json_member      (CurrentsJsonReader *rd,
                                       JsonObject         *obj,
                                       const char         *where,
                                       const char         *key,
                                       CurrentsJsonFlags   flags);
JsonObject *currents_json_get_object  (CurrentsJsonReader *rd,
                                       JsonObject         *obj,
                                       const char         *where,
                                       const char         *key,
                                       CurrentsJsonFlags   flags);
JsonArray  *currents_json_get_array   (CurrentsJsonReader *rd,
                                       JsonObject         *obj,
                                       const char         *where,
                                       const char         *key,
                                       CurrentsJsonFlags   flags);
const char *currents_json_get_string  (CurrentsJsonReader *rd,
                                       JsonObject         *obj,
                                       const char         *where,
                                       const char         *key,
                                       CurrentsJsonFlags   flags);
char      **currents_json_get_strings (CurrentsJsonReader *rd,
                                       JsonObject         *obj,
                                       const char         *where,
                                       const char         *key,
                                       CurrentsJsonFlags   flags);
gboolean    currents_json_get_boolean (CurrentsJsonReader *rd,
                                       JsonObject         *obj,
                                       const char         *where,
                                       const char         *key,
                                       CurrentsJsonFlags   flags);
gboolean    currents_json_get_int     (CurrentsJsonReader *rd,
                                       JsonObject         *obj,
                                       const char         *where,
                                       const char         *key,
                                       gint64             *value);
double     *currents_json_get_numbers (CurrentsJsonReader *rd,
                                       JsonObject         *obj,
                                       const char         *where,
                                       const char         *key,
                                       gsize               expected,
                                       const char         *needs,
                                       CurrentsJsonFlags   flags);

JsonObject *currents_json_parse_object (CurrentsJsonReader  *rd,
                                        JsonParser          *parser,
                                        const char          *data,
                                        gsize                len,
                                        const char          *document,
                                        char               **invalid);

/* Deep copies: json_node_copy() only takes references on objects and arrays, so a
 * "copy" would change when the original does. (transfer full) */
JsonNode   *currents_json_deep_copy        (JsonNode   *node);
JsonObject *currents_json_object_deep_copy (JsonObject *object);

G_END_DECLS
