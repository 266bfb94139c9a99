/* currents-json.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reading typed members of json-glib objects for the trained-model and workspace
 * loaders (see currents-json.h). Writing (currents_json_to_string) lives with the
 * trained-model emitter in currents-trained.c.
 */

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "currents-error.h"
#include "currents-json.h"

/**
 * currents_json_fail:
 * @rd: a reader
 * @format: printf-style message, after "@name: "
 *
 * Records the failure; only the first one of a reader is kept.
 */
void
currents_json_fail (CurrentsJsonReader *rd,
                    const char         *format,
                    ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  if (rd->failed)
    return;
  rd->failed = TRUE;
  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  /* Quoted text from the file need not be UTF-8 (json-glib decodes "\ud800" to bytes that
   * are not), and a message must be. */
  if (!g_utf8_validate (msg, -1, NULL))
    {
      char *valid = g_utf8_make_valid (msg, -1);

      g_free (msg);
      msg = valid;
    }
  g_set_error (rd->error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT, "%s: %s",
               rd->name, msg);
}

/* Fails with "'where.key'@rest" or "where: 'key'@rest", as @rd names members. */
static void fail_member (CurrentsJsonReader *rd, const char *where, const char *key,
                         const char *format, ...) G_GNUC_PRINTF (4, 5);

static void
fail_member (CurrentsJsonReader *rd,
             const char         *where,
             const char         *key,
             const char         *format,
             ...)
{
  g_autofree char *rest = NULL;
  va_list args;

  va_start (args, format);
  rest = g_strdup_vprintf (format, args);
  va_end (args);
  if (rd->naming == CURRENTS_JSON_NAME_PLACE)
    currents_json_fail (rd, "%s: '%s'%s", where, key, rest);
  else if (where != NULL)
    currents_json_fail (rd, "'%s.%s'%s", where, key, rest);
  else
    currents_json_fail (rd, "'%s'%s", key, rest);
}

/**
 * currents_json_node_kind:
 * @node: (nullable): a node
 *
 * Returns: what @node is, for messages: "an object", "a string", … ("missing" for %NULL)
 */
const char *
currents_json_node_kind (JsonNode *node)
{
  GType type;

  if (node == NULL)
    return "missing";
  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT: return "an object";
    case JSON_NODE_ARRAY: return "an array";
    case JSON_NODE_NULL: return "null";
    case JSON_NODE_VALUE:
    default:
      type = json_node_get_value_type (node);
      if (type == G_TYPE_STRING)
        return "a string";
      if (type == G_TYPE_BOOLEAN)
        return "a boolean";
      /* 1e999 reads as infinity: not a number we can use */
      if (type == G_TYPE_DOUBLE && !isfinite (json_node_get_double (node)))
        return "a number too large to represent";
      return "a number";
    }
}

/**
 * currents_json_is_number:
 * @node: (nullable): a node
 *
 * Returns: whether @node is an integer or a finite floating-point value (a literal such as
 *   1e999 reads as infinity and is not)
 */
gboolean
currents_json_is_number (JsonNode *node)
{
  GType type;

  if (node == NULL || !JSON_NODE_HOLDS_VALUE (node))
    return FALSE;
  type = json_node_get_value_type (node);
  if (type == G_TYPE_DOUBLE)
    return isfinite (json_node_get_double (node));
  return type == G_TYPE_INT64;
}

/*
 * The getters below take the same first arguments:
 *   @rd: a reader
 *   @obj: the object
 *   @where: (nullable): its place, for messages (%NULL: the top level, path naming only)
 *   @key: the member
 *   @flags: %CURRENTS_JSON_OPTIONAL when it may be absent; %CURRENTS_JSON_NULLABLE
 *     (strings) when it may be null
 * and return %NULL (or %FALSE) when it is absent or null as allowed, when it is not what
 * they read (a failure) and when @rd has already failed.
 */

/**
 * currents_json_member:
 *
 * Returns: (transfer none) (nullable): the member @key of @obj, whatever it holds
 */
JsonNode *
currents_json_member (CurrentsJsonReader *rd,
                      JsonObject         *obj,
                      const char         *where,
                      const char         *key,
                      CurrentsJsonFlags   flags)
{
  JsonNode *node;

  if (rd->failed)
    return NULL;
  node = json_object_get_member (obj, key);
  if (node != NULL || (flags & CURRENTS_JSON_OPTIONAL) != 0)
    return node;
  if (rd->naming == CURRENTS_JSON_NAME_PLACE)
    currents_json_fail (rd, "%s: missing key '%s'", where, key);
  else if (where != NULL)
    currents_json_fail (rd, "missing key '%s' in '%s'", key, where);
  else
    currents_json_fail (rd, "missing key '%s'", key);
  return NULL;
}

static gboolean
holds (JsonNode     *node,
       JsonNodeType  type,
       GType         value_type)
{
  return JSON_NODE_TYPE (node) == type
         && (type != JSON_NODE_VALUE || json_node_get_value_type (node) == value_type);
}

/* The member when it holds @type (a @value_type value); otherwise a failure
 * "'key' is <what it is>, not @expected". */
static JsonNode *
typed_member (CurrentsJsonReader *rd,
              JsonObject         *obj,
              const char         *where,
              const char         *key,
              CurrentsJsonFlags   flags,
              JsonNodeType        type,
              GType               value_type,
              const char         *expected)
{
  JsonNode *node = currents_json_member (rd, obj, where, key, flags);

  if (node == NULL || ((flags & CURRENTS_JSON_NULLABLE) != 0 && JSON_NODE_HOLDS_NULL (node)))
    return NULL;
  if (!holds (node, type, value_type))
    {
      fail_member (rd, where, key, " is %s, not %s", currents_json_node_kind (node), expected);
      return NULL;
    }
  return node;
}

/**
 * currents_json_get_object:
 *
 * Returns: (transfer none) (nullable): the member, an object
 */
JsonObject *
currents_json_get_object (CurrentsJsonReader *rd,
                          JsonObject         *obj,
                          const char         *where,
                          const char         *key,
                          CurrentsJsonFlags   flags)
{
  JsonNode *node = typed_member (rd, obj, where, key, flags, JSON_NODE_OBJECT, G_TYPE_INVALID,
                                 "an object");

  return node != NULL ? json_node_get_object (node) : NULL;
}

/**
 * currents_json_get_array:
 *
 * Returns: (transfer none) (nullable): the member, an array
 */
JsonArray *
currents_json_get_array (CurrentsJsonReader *rd,
                         JsonObject         *obj,
                         const char         *where,
                         const char         *key,
                         CurrentsJsonFlags   flags)
{
  JsonNode *node = typed_member (rd, obj, where, key, flags, JSON_NODE_ARRAY, G_TYPE_INVALID,
                                 "an array");

  return node != NULL ? json_node_get_array (node) : NULL;
}

/**
 * currents_json_get_string:
 *
 * Returns: (transfer none) (nullable): the member, a string
 */
const char *
currents_json_get_string (CurrentsJsonReader *rd,
                          JsonObject         *obj,
                          const char         *where,
                          const char         *key,
                          CurrentsJsonFlags   flags)
{
  JsonNode *node = typed_member (rd, obj, where, key, flags, JSON_NODE_VALUE, G_TYPE_STRING,
                                 "a string");

  return node != NULL ? json_node_get_string (node) : NULL;
}

/**
 * currents_json_get_strings:
 *
 * Returns: (transfer full) (nullable): the member, an array of strings, as a
 *   %NULL-terminated vector (empty for [])
 */
char **
currents_json_get_strings (CurrentsJsonReader *rd,
                           JsonObject         *obj,
                           const char         *where,
                           const char         *key,
                           CurrentsJsonFlags   flags)
{
  JsonArray *arr = currents_json_get_array (rd, obj, where, key,
                                            flags & ~CURRENTS_JSON_NULLABLE);
  g_auto(GStrv) v = NULL;
  guint n;

  if (arr == NULL)
    return NULL;
  n = json_array_get_length (arr);
  v = g_new0 (char *, n + 1);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (arr, i);

      if (!holds (node, JSON_NODE_VALUE, G_TYPE_STRING))
        {
          fail_member (rd, where, key, "[%u] is %s, not a string", i,
                       currents_json_node_kind (node));
          return NULL;
        }
      v[i] = g_strdup (json_node_get_string (node));
    }
  return g_steal_pointer (&v);
}

/**
 * currents_json_get_boolean:
 *
 * Returns: the member, true or false
 */
gboolean
currents_json_get_boolean (CurrentsJsonReader *rd,
                           JsonObject         *obj,
                           const char         *where,
                           const char         *key,
                           CurrentsJsonFlags   flags)
{
  JsonNode *node = typed_member (rd, obj, where, key, flags, JSON_NODE_VALUE, G_TYPE_BOOLEAN,
                                 "true or false");

  return node != NULL && json_node_get_boolean (node);
}

/**
 * currents_json_get_int:
 * @value: (out): the member, an integer, which must exist
 *
 * Returns: %TRUE when @value was set
 */
gboolean
currents_json_get_int (CurrentsJsonReader *rd,
                       JsonObject         *obj,
                       const char         *where,
                       const char         *key,
                       gint64             *value)
{
  JsonNode *node = typed_member (rd, obj, where, key, CURRENTS_JSON_REQUIRED, JSON_NODE_VALUE,
                                 G_TYPE_INT64, "an integer");

  if (node == NULL)
    return FALSE;
  *value = json_node_get_int (node);
  return TRUE;
}

/**
 * currents_json_get_numbers:
 * @expected: how many numbers it must have
 * @needs: who needs that many, for messages ("the states need")
 * @flags: %CURRENTS_JSON_OPTIONAL when it may be absent, %CURRENTS_JSON_NULLABLE when
 *   null entries stand for NaN (a non-finite value)
 *
 * Returns: (transfer full) (nullable): the @expected numbers (at least one element is
 *   allocated); %NULL when absent or on failure
 */
double *
currents_json_get_numbers (CurrentsJsonReader *rd,
                           JsonObject         *obj,
                           const char         *where,
                           const char         *key,
                           gsize               expected,
                           const char         *needs,
                           CurrentsJsonFlags   flags)
{
  JsonArray *arr = currents_json_get_array (rd, obj, where, key,
                                            flags & ~CURRENTS_JSON_NULLABLE);
  g_autofree double *v = NULL;
  guint n;

  if (arr == NULL)
    return NULL;
  n = json_array_get_length (arr);
  if (n != expected)
    {
      fail_member (rd, where, key, " has %u number%s, %s %" G_GSIZE_FORMAT, n,
                   n == 1 ? "" : "s", needs, expected);
      return NULL;
    }
  v = g_new0 (double, MAX (n, 1));
  for (guint i = 0; i < n; i++)
    {
      JsonNode *node = json_array_get_element (arr, i);

      if (currents_json_is_number (node))
        v[i] = json_node_get_double (node);
      else if ((flags & CURRENTS_JSON_NULLABLE) != 0 && JSON_NODE_HOLDS_NULL (node))
        v[i] = NAN;
      else if (JSON_NODE_HOLDS_NULL (node))
        {
          fail_member (rd, where, key, "[%u] is null, but it must be a finite number", i);
          return NULL;
        }
      else if (JSON_NODE_HOLDS_VALUE (node) && json_node_get_value_type (node) == G_TYPE_DOUBLE)
        {
          fail_member (rd, where, key, "[%u] is too large to represent; it must be a finite "
                       "number", i);
          return NULL;
        }
      else
        {
          fail_member (rd, where, key, "[%u] is %s, not a number", i,
                       currents_json_node_kind (node));
          return NULL;
        }
    }
  return g_steal_pointer (&v);
}

/* json-glib's messages start "<data>:LINE:COL: "; say where instead. */
static char *
parser_message (const GError *error)
{
  const char *msg = error->message;
  int line, col, used = 0;

  if (g_str_has_prefix (msg, "<data>:")
      && sscanf (msg + 7, "%d:%d: %n", &line, &col, &used) == 2 && used > 0)
    {
      g_autofree char *text = g_strdup_printf ("line %d, column %d: %s", line, col,
                                               msg + 7 + used);

      return g_utf8_make_valid (text, -1);
    }
  return g_utf8_make_valid (msg, -1);
}

/**
 * currents_json_parse_object:
 * @rd: a reader
 * @parser: the parser to use; it keeps the tree
 * @data: (nullable): the text, @len bytes (%NULL only when @len is 0)
 * @len: its length
 * @document: what the text should be, for messages ("a Currents workspace")
 * @invalid: (out): where the text is not valid JSON ("line 3, column 7: …")
 *
 * Refuses empty text, binary text and a top level that is not an object, saying the
 * text is not @document. Text that is not valid JSON is not a failure of @rd: %NULL is
 * returned with @invalid set, and the caller words it (it may tell a damaged file of
 * its own kind from a foreign one).
 *
 * Returns: (transfer none) (nullable): the top-level object
 */
/* Far deeper than any file of ours (the free-form view settings included). */
#define CURRENTS_JSON_MAX_DEPTH 256

/* The offset just past the first JSON value of @data from @k (an object or array up to
 * its matching bracket, a string to its closing quote, a number or word to its last
 * character), or @len when it does not end; @k itself when nothing like a value starts
 * there. */
/* The UTF-16 unit of the escape "\uXXXX" at @data[k] (the backslash), or -1. */
static int
escape_unit (const char *data,
             gsize       len,
             gsize       k)
{
  int unit = 0;

  if (k + 6 > len || data[k] != '\\' || data[k + 1] != 'u')
    return -1;
  for (int i = 2; i < 6; i++)
    {
      if (!g_ascii_isxdigit (data[k + i]))
        return -1;
      unit = unit * 16 + g_ascii_xdigit_value (data[k + i]);
    }
  return unit;
}

static gsize
end_of_first_value (const char *data,
                    gsize       len,
                    gsize       k,
                    gsize      *max_depth,
                    gsize      *bad_escape)
{
  gsize depth = 0;
  gboolean in_string = FALSE;

  *max_depth = 0;
  *bad_escape = G_MAXSIZE;
  if (data[k] != '{' && data[k] != '[' && data[k] != '"')
    {
      while (k < len && (g_ascii_isalnum (data[k]) || strchr ("+-.", data[k]) != NULL))
        k++;
      return k;
    }
  for (; k < len; k++)
    {
      char c = data[k];

      if (in_string)
        {
          if (c == '\\')
            {
              /* json-glib leaks on half a surrogate pair (and decodes a lone one to text
               * that is not UTF-8): only whole pairs pass */
              int unit = escape_unit (data, len, k);

              if (unit < 0 && k + 1 < len && data[k + 1] == 'u' && *bad_escape == G_MAXSIZE)
                *bad_escape = k;   /* not four hex digits: its scanner leaks on that too */
              if (unit >= 0xDC00 && unit <= 0xDFFF && *bad_escape == G_MAXSIZE)
                *bad_escape = k;
              if (unit >= 0xD800 && unit <= 0xDBFF)
                {
                  int low = escape_unit (data, len, k + 6);

                  if (low >= 0xDC00 && low <= 0xDFFF)
                    k += 6;
                  else if (*bad_escape == G_MAXSIZE)
                    *bad_escape = k;
                }
              k++;
            }
          else if (c == '"')
            {
              in_string = FALSE;
              if (depth == 0)
                return k + 1;
            }
        }
      else if (c == '"')
        in_string = TRUE;
      else if (c == '{' || c == '[')
        {
          depth++;
          *max_depth = MAX (*max_depth, depth);
        }
      else if ((c == '}' || c == ']') && --depth == 0)
        return k + 1;
    }
  return len;
}

JsonObject *
currents_json_parse_object (CurrentsJsonReader  *rd,
                            JsonParser          *parser,
                            const char          *data,
                            gsize                len,
                            const char          *document,
                            char               **invalid)
{
  g_autoptr(GError) local = NULL;
  JsonNode *root;
  gsize k = 0;

  *invalid = NULL;
  while (k < len && g_ascii_isspace (data[k]))
    k++;
  if (k == len)
    {
      currents_json_fail (rd, "the file is empty, not %s", document);
      return NULL;
    }
  if (memchr (data, '\0', len) != NULL)
    {
      currents_json_fail (rd, "not %s (a binary file, not JSON text)", document);
      return NULL;
    }
  /* json-glib 1.6 reads "{…} {…}" as two documents, keeps the last and leaks the first:
   * text after the first value is refused here. */
  {
    gsize max_depth, bad_escape;
    gsize end = end_of_first_value (data, len, k, &max_depth, &bad_escape), j = end;

    /* json-glib recurses once per level: deep nesting would overflow the stack. */
    if (max_depth > CURRENTS_JSON_MAX_DEPTH)
      {
        currents_json_fail (rd, "not %s (nested more than %d levels deep)", document,
                            CURRENTS_JSON_MAX_DEPTH);
        return NULL;
      }
    while (j < len && g_ascii_isspace (data[j]))
      j++;
    /* Nothing like a value first (json-glib would read "'' {…}" as two), or text after it */
    if (end == k || j < len || bad_escape != G_MAXSIZE)
      {
        int line = 1, col = 1;

        if (bad_escape != G_MAXSIZE)
          j = bad_escape;
        else if (end == k)
          j = k;
        for (gsize i = 0; i < j; i++)
          {
            col++;
            if (data[i] == '\n')
              line++, col = 1;
          }
        *invalid = bad_escape != G_MAXSIZE
                   ? g_strdup_printf ("line %d, column %d: a \\u escape that is not four hex "
                                      "digits or is half of a surrogate pair", line, col)
                   : end == k ? g_strdup_printf ("line %d, column %d: not the start of a JSON "
                                               "value", line, col)
                            : g_strdup_printf ("line %d, column %d: more text after the end "
                                               "of the JSON value", line, col);
        return NULL;
      }
  }
  if (!json_parser_load_from_data (parser, data, (gssize) len, &local))
    {
      *invalid = parser_message (local);
      return NULL;
    }
  root = json_parser_get_root (parser);
  if (root == NULL || !JSON_NODE_HOLDS_OBJECT (root))
    {
      currents_json_fail (rd, "not %s (the top level is %s, not an object)", document,
                          root != NULL ? currents_json_node_kind (root) : "empty");
      return NULL;
    }
  return json_node_get_object (root);
}

/* A deep copy: json_node_copy() only takes references on objects and arrays, and a
 * shared object would change under us when the caller changes theirs. */
JsonNode *
currents_json_deep_copy (JsonNode *node)
{
  JsonNode *copy;

  switch (JSON_NODE_TYPE (node))
    {
    case JSON_NODE_OBJECT:
      {
        JsonObject *src = json_node_get_object (node), *dst = json_object_new ();
        GList *members = json_object_get_members (src);

        for (GList *l = members; l != NULL; l = l->next)
          json_object_set_member (dst, l->data,
                                  currents_json_deep_copy (json_object_get_member (src, l->data)));
        g_list_free (members);
        copy = json_node_new (JSON_NODE_OBJECT);
        json_node_take_object (copy, dst);
        return copy;
      }
    case JSON_NODE_ARRAY:
      {
        JsonArray *src = json_node_get_array (node), *dst = json_array_new ();

        for (guint i = 0; i < json_array_get_length (src); i++)
          json_array_add_element (dst, currents_json_deep_copy (json_array_get_element (src, i)));
        copy = json_node_new (JSON_NODE_ARRAY);
        json_node_take_array (copy, dst);
        return copy;
      }
    case JSON_NODE_VALUE:
    case JSON_NODE_NULL:
    default:
      return json_node_copy (node);
    }
}

JsonObject *
currents_json_object_deep_copy (JsonObject *object)
{
  g_autoptr(JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) copy = NULL;

  json_node_set_object (node, object);
  copy = currents_json_deep_copy (node);
  return json_object_ref (json_node_get_object (copy));
}
