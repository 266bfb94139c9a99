/* currents-trained.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trained models and their JSON files.
 *
 * The document is built as a JsonNode tree, but written by our own emitter: json-glib
 * 1.6 formats a double with g_ascii_dtostr() and then appends ".0" when there is no
 * '.', so 1e-300 becomes `1e-300.0` and NaN `nan.0`, which its own parser refuses.
 * Here every double is printed with "%.17g" (g_ascii_formatd, locale independent), ".0"
 * is inserted before the exponent or at the end when the text has no '.', so json-glib
 * reads it back as a double (and -0 keeps its sign), and a non-finite value is written
 * as null. Seventeen significant digits identify a binary64 uniquely, and json-glib's
 * parser converts correctly rounded, so parameters load back bit for bit.
 * Reading uses json-glib's parser.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-trained"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>

#include "currents-error-private.h"
#include "currents-error.h"
#include "currents-mlp.h"
#include "currents-json.h"
#include "currents-trained.h"

#define SNIFF_BYTES 4096
#define WRAP_COLUMN 100

struct _CurrentsTrainedModel
{
  CurrentsTrainedKind  kind;
  CurrentsNeuralModel *neural;      /* kind NEURAL */
  CurrentsModel       *ode;         /* kind ODE */
  char               **input_names; /* kind ODE: built from the model */
  gsize                n_states;
  gsize                n_inputs;
  gsize                n_params;
  double              *params;
  gboolean             has_ranges;
  double              *x_min, *x_max; /* n_states */
  double              *u_min, *u_max; /* n_inputs (at least one element) */
  char                *data_filename;
  char                *data_sha256;
  JsonObject          *training;
  GArray              *epochs;      /* guint */
  GArray              *train_loss;  /* double */
  GArray              *val_loss;    /* double */
};

/* ------------------------------------------------------------------------------------ */
/* Life cycle                                                                           */

static CurrentsTrainedModel *
trained_alloc (CurrentsTrainedKind kind,
               gsize               n_states,
               gsize               n_inputs,
               gsize               n_params,
               const double       *params)
{
  CurrentsTrainedModel *tm = g_new0 (CurrentsTrainedModel, 1);

  tm->kind = kind;
  tm->n_states = n_states;
  tm->n_inputs = n_inputs;
  tm->n_params = n_params;
  tm->params = g_new0 (double, MAX (n_params, 1));
  if (params != NULL && n_params > 0)
    memcpy (tm->params, params, n_params * sizeof (double));
  tm->x_min = g_new (double, MAX (n_states, 1));
  tm->x_max = g_new (double, MAX (n_states, 1));
  tm->u_min = g_new (double, MAX (n_inputs, 1));
  tm->u_max = g_new (double, MAX (n_inputs, 1));
  for (gsize i = 0; i < MAX (n_states, 1); i++)
    tm->x_min[i] = tm->x_max[i] = NAN;
  for (gsize i = 0; i < MAX (n_inputs, 1); i++)
    tm->u_min[i] = tm->u_max[i] = NAN;
  tm->epochs = g_array_new (FALSE, FALSE, sizeof (guint));
  tm->train_loss = g_array_new (FALSE, FALSE, sizeof (double));
  tm->val_loss = g_array_new (FALSE, FALSE, sizeof (double));
  return tm;
}

/**
 * currents_trained_model_new_neural:
 * @model: (transfer full): a Neural ODE
 * @params: (nullable): its weights θ (currents_neural_model_get_n_params() values);
 *   %NULL for the model's seeded initial weights
 *
 * Returns: (transfer full): a trained model of kind %CURRENTS_TRAINED_NEURAL
 */
CurrentsTrainedModel *
currents_trained_model_new_neural (CurrentsNeuralModel *model,
                                   const double        *params)
{
  CurrentsTrainedModel *tm;

  g_return_val_if_fail (model != NULL, NULL);

  tm = trained_alloc (CURRENTS_TRAINED_NEURAL, currents_neural_model_get_n_states (model),
                      currents_neural_model_get_n_inputs (model),
                      currents_neural_model_get_n_params (model),
                      params != NULL ? params
                                     : currents_neural_model_get_initial_params (model));
  tm->neural = model;
  return tm;
}

/**
 * currents_trained_model_new_ode:
 * @model: (transfer full): an equation model (may hold learned terms)
 * @params: (nullable): its parameter vector p (named `par`s, then learned weights;
 *   currents_model_get_n_params() values); %NULL for the model's defaults
 *
 * Returns: (transfer full): a trained model of kind %CURRENTS_TRAINED_ODE
 */
CurrentsTrainedModel *
currents_trained_model_new_ode (CurrentsModel *model,
                                const double  *params)
{
  CurrentsTrainedModel *tm;
  gsize m;

  g_return_val_if_fail (model != NULL, NULL);

  m = currents_model_get_n_inputs (model);
  tm = trained_alloc (CURRENTS_TRAINED_ODE, currents_model_get_n_states (model), m,
                      currents_model_get_n_params (model),
                      params != NULL ? params : currents_model_get_params (model));
  tm->ode = model;
  tm->input_names = g_new0 (char *, m + 1);
  for (gsize k = 0; k < m; k++)
    tm->input_names[k] = g_strdup (currents_model_get_input_name (model, k));
  return tm;
}

/**
 * currents_trained_model_free:
 * @tm: (nullable): a trained model
 *
 * Frees @tm with the model it owns.
 */
void
currents_trained_model_free (CurrentsTrainedModel *tm)
{
  if (tm == NULL)
    return;
  currents_neural_model_free (tm->neural);
  currents_model_free (tm->ode);
  g_strfreev (tm->input_names);
  g_free (tm->params);
  g_free (tm->x_min);
  g_free (tm->x_max);
  g_free (tm->u_min);
  g_free (tm->u_max);
  g_free (tm->data_filename);
  g_free (tm->data_sha256);
  if (tm->training != NULL)
    json_object_unref (tm->training);
  g_array_unref (tm->epochs);
  g_array_unref (tm->train_loss);
  g_array_unref (tm->val_loss);
  g_free (tm);
}

/* ------------------------------------------------------------------------------------ */
/* Accessors                                                                            */

/**
 * currents_trained_model_get_kind:
 * @tm: a trained model
 *
 * Returns: whether @tm is a pure Neural ODE or a `.ode` model
 */
CurrentsTrainedKind
currents_trained_model_get_kind (const CurrentsTrainedModel *tm)
{
  return tm->kind;
}

/**
 * currents_trained_model_get_field:
 * @tm: a trained model
 *
 * Returns: (transfer none): the vector field; evaluate it with
 *   currents_trained_model_get_params()
 */
CurrentsField *
currents_trained_model_get_field (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, NULL);
  if (tm->kind == CURRENTS_TRAINED_NEURAL)
    return currents_neural_model_get_field (tm->neural);
  return currents_model_get_field (tm->ode);
}

/**
 * currents_trained_model_get_params:
 * @tm: a trained model
 *
 * Returns: (transfer none): the fitted parameter vector p of the field
 *   (currents_trained_model_get_n_params() values)
 */
const double *
currents_trained_model_get_params (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, NULL);
  return tm->params;
}

/**
 * currents_trained_model_set_params:
 * @tm: a trained model
 * @params: currents_trained_model_get_n_params() values (copied)
 */
void
currents_trained_model_set_params (CurrentsTrainedModel *tm,
                                   const double         *params)
{
  g_return_if_fail (tm != NULL && params != NULL);
  if (tm->n_params > 0)
    memmove (tm->params, params, tm->n_params * sizeof (double));
}

/**
 * currents_trained_model_get_n_params:
 * @tm: a trained model
 *
 * Returns: the length of p, the field's number of parameters
 */
gsize
currents_trained_model_get_n_params (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, 0);
  return tm->n_params;
}

/**
 * currents_trained_model_get_neural:
 * @tm: a trained model
 *
 * Returns: (transfer none) (nullable): the Neural ODE, %NULL unless the kind is
 *   %CURRENTS_TRAINED_NEURAL
 */
const CurrentsNeuralModel *
currents_trained_model_get_neural (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, NULL);
  return tm->neural;
}

/**
 * currents_trained_model_get_ode:
 * @tm: a trained model
 *
 * Returns: (transfer none) (nullable): the equation model, %NULL unless the kind is
 *   %CURRENTS_TRAINED_ODE
 */
const CurrentsModel *
currents_trained_model_get_ode (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, NULL);
  return tm->ode;
}

/**
 * currents_trained_model_get_n_states:
 * @tm: a trained model
 *
 * Returns: the number of states
 */
gsize
currents_trained_model_get_n_states (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, 0);
  return tm->n_states;
}

/**
 * currents_trained_model_get_state_names:
 * @tm: a trained model
 *
 * Returns: (transfer none): the %NULL-terminated state names
 */
const char *const *
currents_trained_model_get_state_names (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, NULL);
  if (tm->kind == CURRENTS_TRAINED_NEURAL)
    return currents_neural_model_get_state_names (tm->neural);
  return currents_model_get_state_names (tm->ode);
}

/**
 * currents_trained_model_get_n_inputs:
 * @tm: a trained model
 *
 * Returns: the number of inputs
 */
gsize
currents_trained_model_get_n_inputs (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, 0);
  return tm->n_inputs;
}

/**
 * currents_trained_model_get_input_names:
 * @tm: a trained model
 *
 * Returns: (transfer none): the %NULL-terminated input names (empty when none)
 */
const char *const *
currents_trained_model_get_input_names (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, NULL);
  if (tm->kind == CURRENTS_TRAINED_NEURAL)
    return currents_neural_model_get_input_names (tm->neural);
  return (const char *const *) tm->input_names;
}

/**
 * currents_trained_model_set_ranges:
 * @tm: a trained model
 * @x_min: (nullable): n_states values (NaN where unknown); %NULL for all unknown
 * @x_max: (nullable): likewise
 * @u_min: (nullable): n_inputs values
 * @u_max: (nullable): likewise
 *
 * Records the training data's range of each state and input.
 */
void
currents_trained_model_set_ranges (CurrentsTrainedModel *tm,
                                   const double         *x_min,
                                   const double         *x_max,
                                   const double         *u_min,
                                   const double         *u_max)
{
  g_return_if_fail (tm != NULL);

  for (gsize i = 0; i < tm->n_states; i++)
    {
      tm->x_min[i] = x_min != NULL ? x_min[i] : NAN;
      tm->x_max[i] = x_max != NULL ? x_max[i] : NAN;
    }
  for (gsize k = 0; k < tm->n_inputs; k++)
    {
      tm->u_min[k] = u_min != NULL ? u_min[k] : NAN;
      tm->u_max[k] = u_max != NULL ? u_max[k] : NAN;
    }
  tm->has_ranges = TRUE;
}

/**
 * currents_trained_model_get_ranges:
 * @tm: a trained model
 * @x_min: (out) (optional): n_states values
 * @x_max: (out) (optional): n_states values
 * @u_min: (out) (optional): n_inputs values
 * @u_max: (out) (optional): n_inputs values
 *
 * Returns: %TRUE when ranges were recorded (otherwise every output is NaN)
 */
gboolean
currents_trained_model_get_ranges (const CurrentsTrainedModel *tm,
                                   double                     *x_min,
                                   double                     *x_max,
                                   double                     *u_min,
                                   double                     *u_max)
{
  g_return_val_if_fail (tm != NULL, FALSE);

  for (gsize i = 0; i < tm->n_states; i++)
    {
      if (x_min != NULL)
        x_min[i] = tm->x_min[i];
      if (x_max != NULL)
        x_max[i] = tm->x_max[i];
    }
  for (gsize k = 0; k < tm->n_inputs; k++)
    {
      if (u_min != NULL)
        u_min[k] = tm->u_min[k];
      if (u_max != NULL)
        u_max[k] = tm->u_max[k];
    }
  return tm->has_ranges;
}

/**
 * currents_trained_model_set_data:
 * @tm: a trained model
 * @filename: (nullable): the training data's file name
 * @sha256: (nullable): its SHA-256 (hex)
 */
void
currents_trained_model_set_data (CurrentsTrainedModel *tm,
                                 const char           *filename,
                                 const char           *sha256)
{
  char *f, *h;

  g_return_if_fail (tm != NULL);
  /* copy before freeing: the arguments may be our own strings */
  f = g_strdup (filename);
  h = g_strdup (sha256);
  g_free (tm->data_filename);
  g_free (tm->data_sha256);
  tm->data_filename = f;
  tm->data_sha256 = h;
}

/**
 * currents_trained_model_get_data_filename:
 * @tm: a trained model
 *
 * Returns: (nullable): the training data's file name
 */
const char *
currents_trained_model_get_data_filename (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, NULL);
  return tm->data_filename;
}

/**
 * currents_trained_model_get_data_sha256:
 * @tm: a trained model
 *
 * Returns: (nullable): the SHA-256 (hex) of the training data
 */
const char *
currents_trained_model_get_data_sha256 (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, NULL);
  return tm->data_sha256;
}


/**
 * currents_trained_model_set_training:
 * @tm: a trained model
 * @settings: (nullable): training settings and provenance (deep-copied); %NULL to
 *   forget them
 */
void
currents_trained_model_set_training (CurrentsTrainedModel *tm,
                                     JsonObject           *settings)
{
  JsonObject *copy;

  g_return_if_fail (tm != NULL);
  copy = settings != NULL ? currents_json_object_deep_copy (settings) : NULL;
  if (tm->training != NULL)
    json_object_unref (tm->training);
  tm->training = copy;
}

/**
 * currents_trained_model_get_training:
 * @tm: a trained model
 *
 * Returns: (transfer none) (nullable): the training settings, %NULL when none were set
 */
JsonObject *
currents_trained_model_get_training (const CurrentsTrainedModel *tm)
{
  g_return_val_if_fail (tm != NULL, NULL);
  return tm->training;
}

/**
 * currents_trained_model_add_history:
 * @tm: a trained model
 * @epoch: the epoch
 * @train_loss: its training loss (NaN when unknown)
 * @val_loss: its validation loss (NaN when unknown)
 *
 * Appends one entry to the loss history.
 */
void
currents_trained_model_add_history (CurrentsTrainedModel *tm,
                                    guint                 epoch,
                                    double                train_loss,
                                    double                val_loss)
{
  g_return_if_fail (tm != NULL);
  g_array_append_val (tm->epochs, epoch);
  g_array_append_val (tm->train_loss, train_loss);
  g_array_append_val (tm->val_loss, val_loss);
}

/**
 * currents_trained_model_get_history:
 * @tm: a trained model
 * @epochs: (out) (optional) (transfer none): epoch numbers
 * @train_loss: (out) (optional) (transfer none): training losses (NaN where unknown)
 * @val_loss: (out) (optional) (transfer none): validation losses (NaN where unknown)
 *
 * Returns: the number of entries
 */
gsize
currents_trained_model_get_history (const CurrentsTrainedModel *tm,
                                    const guint               **epochs,
                                    const double              **train_loss,
                                    const double              **val_loss)
{
  g_return_val_if_fail (tm != NULL, 0);
  if (epochs != NULL)
    *epochs = (const guint *) tm->epochs->data;
  if (train_loss != NULL)
    *train_loss = (const double *) tm->train_loss->data;
  if (val_loss != NULL)
    *val_loss = (const double *) tm->val_loss->data;
  return tm->epochs->len;
}

/* ------------------------------------------------------------------------------------ */
/* Writing                                                                              */

/* The shortest of "%.15g", "%.16g", "%.17g" that reads back to the same bits (so 1e-6
 * stays 1e-06, not 9.9999999999999995e-07), always with a '.' (so json-glib reads a
 * double and keeps −0's sign), null for a non-finite value. */
static void
append_double (GString *s,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE + 4];
  char *e;

  if (!isfinite (v))
    {
      g_string_append (s, "null");
      return;
    }
  for (int digits = 15; digits <= 17; digits++)
    {
      static const char *formats[] = { "%.15g", "%.16g", "%.17g" };
      double back;

      g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, formats[digits - 15], v);
      back = g_ascii_strtod (buf, NULL);
      if (memcmp (&back, &v, sizeof v) == 0)
        break;
    }
  if (strchr (buf, '.') == NULL)
    {
      e = strchr (buf, 'e');
      if (e != NULL)
        {
          gsize at = (gsize) (e - buf);

          g_string_append_len (s, buf, (gssize) at);
          g_string_append (s, ".0");
          g_string_append (s, e);
          return;
        }
      g_string_append (s, buf);
      g_string_append (s, ".0");
      return;
    }
  g_string_append (s, buf);
}

static void
append_string (GString    *s,
               const char *str)
{
  g_autofree char *valid = NULL;

  if (!g_utf8_validate (str, -1, NULL))
    str = valid = g_utf8_make_valid (str, -1);
  g_string_append_c (s, '"');
  for (const char *c = str; *c != '\0'; c++)
    {
      guchar ch = (guchar) *c;

      switch (ch)
        {
        case '"': g_string_append (s, "\\\""); break;
        case '\\': g_string_append (s, "\\\\"); break;
        case '\n': g_string_append (s, "\\n"); break;
        case '\r': g_string_append (s, "\\r"); break;
        case '\t': g_string_append (s, "\\t"); break;
        case '\b': g_string_append (s, "\\b"); break;
        case '\f': g_string_append (s, "\\f"); break;
        default:
          if (ch < 0x20)
            g_string_append_printf (s, "\\u%04x", ch);
          else
            g_string_append_c (s, (char) ch);
        }
    }
  g_string_append_c (s, '"');
}

static void
append_indent (GString *s,
               int      indent)
{
  g_string_append_c (s, '\n');
  for (int i = 0; i < indent; i++)
    g_string_append_c (s, ' ');
}

static void
append_value (GString  *s,
              JsonNode *node)
{
  GType type;

  if (JSON_NODE_HOLDS_NULL (node))
    {
      g_string_append (s, "null");
      return;
    }
  type = json_node_get_value_type (node);
  if (type == G_TYPE_INT64)
    g_string_append_printf (s, "%" G_GINT64_FORMAT, json_node_get_int (node));
  else if (type == G_TYPE_DOUBLE)
    append_double (s, json_node_get_double (node));
  else if (type == G_TYPE_BOOLEAN)
    g_string_append (s, json_node_get_boolean (node) ? "true" : "false");
  else if (type == G_TYPE_STRING)
    append_string (s, json_node_get_string (node));
  else
    g_string_append (s, "null");
}

static gboolean
is_scalar (JsonNode *node)
{
  return JSON_NODE_HOLDS_VALUE (node) || JSON_NODE_HOLDS_NULL (node);
}

/* An array of scalars: on the current line when it fits, else filled up to
 * WRAP_COLUMN on lines of its own. */
static void
append_flat_array (GString   *s,
                   JsonArray *arr,
                   int        indent)
{
  guint n = json_array_get_length (arr);
  g_autoptr(GString) item = g_string_new (NULL);
  g_autoptr(GString) line = g_string_new (NULL);
  const char *nl = strrchr (s->str, '\n');
  gsize column = nl != NULL ? (gsize) (s->str + s->len - nl - 1) : s->len;

  /* one line? */
  for (guint i = 0; i < n; i++)
    {
      if (i > 0)
        g_string_append (line, ", ");
      append_value (line, json_array_get_element (arr, i));
      if (column + line->len + 2 > WRAP_COLUMN)
        break;
    }
  if (column + line->len + 2 <= WRAP_COLUMN)
    {
      g_string_append_c (s, '[');
      g_string_append_len (s, line->str, (gssize) line->len);
      g_string_append_c (s, ']');
      return;
    }

  g_string_append_c (s, '[');
  g_string_truncate (line, 0);
  for (guint i = 0; i < n; i++)
    {
      g_string_truncate (item, 0);
      append_value (item, json_array_get_element (arr, i));
      if (i + 1 < n)
        g_string_append_c (item, ',');
      if (line->len > 0 && (gsize) indent + 2 + line->len + 1 + item->len > WRAP_COLUMN)
        {
          append_indent (s, indent + 2);
          g_string_append_len (s, line->str, (gssize) line->len);
          g_string_truncate (line, 0);
        }
      if (line->len > 0)
        g_string_append_c (line, ' ');
      g_string_append_len (line, item->str, (gssize) item->len);
    }
  append_indent (s, indent + 2);
  g_string_append_len (s, line->str, (gssize) line->len);
  append_indent (s, indent);
  g_string_append_c (s, ']');
}

/* Objects one member a line; arrays of scalars filled up to WRAP_COLUMN. */
static void
append_node (GString  *s,
             JsonNode *node,
             int       indent)
{
  if (JSON_NODE_HOLDS_OBJECT (node))
    {
      JsonObject *obj = json_node_get_object (node);
      GList *members = json_object_get_members (obj);

      if (members == NULL)
        {
          g_string_append (s, "{}");
          return;
        }
      g_string_append_c (s, '{');
      for (GList *l = members; l != NULL; l = l->next)
        {
          append_indent (s, indent + 2);
          append_string (s, l->data);
          g_string_append (s, ": ");
          append_node (s, json_object_get_member (obj, l->data), indent + 2);
          if (l->next != NULL)
            g_string_append_c (s, ',');
        }
      g_list_free (members);
      append_indent (s, indent);
      g_string_append_c (s, '}');
    }
  else if (JSON_NODE_HOLDS_ARRAY (node))
    {
      JsonArray *arr = json_node_get_array (node);
      guint n = json_array_get_length (arr);
      gboolean flat = TRUE;

      if (n == 0)
        {
          g_string_append (s, "[]");
          return;
        }
      for (guint i = 0; i < n && flat; i++)
        flat = is_scalar (json_array_get_element (arr, i));
      if (flat)
        {
          append_flat_array (s, arr, indent);
          return;
        }
      g_string_append_c (s, '[');
      for (guint i = 0; i < n; i++)
        {
          append_indent (s, indent + 2);
          append_node (s, json_array_get_element (arr, i), indent + 2);
          if (i + 1 < n)
            g_string_append_c (s, ',');
        }
      append_indent (s, indent);
      g_string_append_c (s, ']');
    }
  else
    append_value (s, node);
}

static JsonArray *
double_array (const double *v,
              gsize         n)
{
  JsonArray *arr = json_array_sized_new ((guint) n);

  for (gsize i = 0; i < n; i++)
    json_array_add_double_element (arr, v[i]);
  return arr;
}

static JsonArray *
string_array (const char *const *v)
{
  JsonArray *arr = json_array_new ();

  for (gsize i = 0; v != NULL && v[i] != NULL; i++)
    json_array_add_string_element (arr, v[i]);
  return arr;
}

static void
set_string_or_null (JsonObject *obj,
                    const char *key,
                    const char *value)
{
  if (value != NULL)
    json_object_set_string_member (obj, key, value);
  else
    json_object_set_null_member (obj, key);
}

static JsonNode *
trained_to_node (const CurrentsTrainedModel *tm)
{
  JsonObject *root = json_object_new ();
  JsonNode *node;

  json_object_set_string_member (root, "format", CURRENTS_TRAINED_FORMAT);
  json_object_set_int_member (root, "version", CURRENTS_TRAINED_VERSION);
  json_object_set_string_member (root, "program", "currents");
  json_object_set_string_member (root, "program_version", PACKAGE_VERSION);
  json_object_set_string_member (root, "kind",
                                 tm->kind == CURRENTS_TRAINED_NEURAL ? "neural" : "ode");
  json_object_set_array_member (root, "states",
                                string_array (currents_trained_model_get_state_names (tm)));
  json_object_set_array_member (root, "inputs",
                                string_array (currents_trained_model_get_input_names (tm)));

  if (tm->kind == CURRENTS_TRAINED_NEURAL)
    {
      const CurrentsNeuralSpec *spec = currents_neural_model_get_spec (tm->neural);
      const CurrentsNeuralScaling *sc = currents_neural_model_get_scaling (tm->neural);
      JsonObject *arch = json_object_new (), *scaling = json_object_new ();
      JsonArray *hidden = json_array_new (), *u_log = json_array_new ();

      for (gsize l = 0; l < spec->n_hidden; l++)
        json_array_add_int_element (hidden, (gint64) spec->hidden[l]);
      json_object_set_array_member (arch, "hidden", hidden);
      json_object_set_string_member (arch, "activation",
                                     currents_activation_to_string (spec->activation));
      if (spec->seed <= (guint64) G_MAXINT64)
        json_object_set_int_member (arch, "seed", (gint64) spec->seed);
      else
        {
          char buf[32];

          g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, spec->seed);
          json_object_set_string_member (arch, "seed", buf);
        }
      json_object_set_array_member (arch, "log_inputs", string_array (spec->log_inputs));
      json_object_set_object_member (root, "architecture", arch);

      json_object_set_array_member (scaling, "x_mean", double_array (sc->x_mean, tm->n_states));
      json_object_set_array_member (scaling, "x_scale", double_array (sc->x_scale, tm->n_states));
      json_object_set_array_member (scaling, "u_mean", double_array (sc->u_mean, tm->n_inputs));
      json_object_set_array_member (scaling, "u_scale", double_array (sc->u_scale, tm->n_inputs));
      for (gsize k = 0; k < tm->n_inputs; k++)
        json_array_add_boolean_element (u_log, sc->u_log[k]);
      json_object_set_array_member (scaling, "u_log", u_log);
      json_object_set_array_member (scaling, "u_offset",
                                    double_array (sc->u_offset, tm->n_inputs));
      json_object_set_double_member (scaling, "t_scale", sc->t_scale);
      json_object_set_object_member (root, "scaling", scaling);
    }
  else
    {
      JsonObject *model = json_object_new ();

      set_string_or_null (model, "filename", currents_model_get_filename (tm->ode));
      json_object_set_string_member (model, "source", currents_model_get_source (tm->ode));
      json_object_set_object_member (root, "model", model);
    }

  json_object_set_array_member (root, "params", double_array (tm->params, tm->n_params));

  if (tm->has_ranges)
    {
      JsonObject *ranges = json_object_new ();

      json_object_set_array_member (ranges, "x_min", double_array (tm->x_min, tm->n_states));
      json_object_set_array_member (ranges, "x_max", double_array (tm->x_max, tm->n_states));
      json_object_set_array_member (ranges, "u_min", double_array (tm->u_min, tm->n_inputs));
      json_object_set_array_member (ranges, "u_max", double_array (tm->u_max, tm->n_inputs));
      json_object_set_object_member (root, "ranges", ranges);
    }
  else
    json_object_set_null_member (root, "ranges");

  {
    JsonObject *data = json_object_new ();

    set_string_or_null (data, "filename", tm->data_filename);
    set_string_or_null (data, "sha256", tm->data_sha256);
    json_object_set_object_member (root, "data", data);
  }

  if (tm->training != NULL)
    json_object_set_object_member (root, "training",
                                   currents_json_object_deep_copy (tm->training));
  else
    json_object_set_null_member (root, "training");

  {
    JsonObject *history = json_object_new ();
    JsonArray *epochs = json_array_new ();

    for (guint i = 0; i < tm->epochs->len; i++)
      json_array_add_int_element (epochs, g_array_index (tm->epochs, guint, i));
    json_object_set_array_member (history, "epoch", epochs);
    json_object_set_array_member (history, "train_loss",
                                  double_array ((const double *) tm->train_loss->data,
                                                tm->train_loss->len));
    json_object_set_array_member (history, "val_loss",
                                  double_array ((const double *) tm->val_loss->data,
                                                tm->val_loss->len));
    json_object_set_object_member (root, "history", history);
  }

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

/**
 * currents_trained_model_to_data:
 * @tm: a trained model
 *
 * Returns: (transfer full): the model's JSON text (UTF-8, ends with a newline); no
 *   non-finite number appears in it (NaN is written as null)
 */
char *
currents_trained_model_to_data (const CurrentsTrainedModel *tm)
{
  g_autoptr(JsonNode) node = NULL;
  GString *s;

  g_return_val_if_fail (tm != NULL, NULL);

  node = trained_to_node (tm);
  s = g_string_sized_new (4096 + 26 * tm->n_params);
  append_node (s, node, 0);
  g_string_append_c (s, '\n');
  return g_string_free (s, FALSE);
}

/**
 * currents_json_to_string:
 * @node: a JSON tree
 *
 * Returns: (transfer full): its text (see currents-json.h)
 */
char *
currents_json_to_string (JsonNode *node)
{
  GString *s = g_string_sized_new (1024);

  append_node (s, node, 0);
  g_string_append_c (s, '\n');
  return g_string_free (s, FALSE);
}

/**
 * currents_trained_model_save:
 * @tm: a trained model
 * @path: the file to write
 * @error: return location for a %CURRENTS_ENGINE_ERROR_IO error
 *
 * Writes @tm as JSON atomically: to a temporary file in the same directory, renamed
 * over @path when complete.
 *
 * Returns: %TRUE on success
 */
gboolean
currents_trained_model_save (const CurrentsTrainedModel *tm,
                             const char                 *path,
                             GError                    **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (tm != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  text = currents_trained_model_to_data (tm);
  if (!g_file_set_contents (path, text, -1, &local))
    {
      _currents_error_set_save (error, path, "trained model", local);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Reading                                                                              */

static gboolean
same_names (const char *const *a,
            const char *const *b)
{
  gsize i;

  for (i = 0; a[i] != NULL && b[i] != NULL; i++)
    if (strcmp (a[i], b[i]) != 0)
      return FALSE;
  return a[i] == NULL && b[i] == NULL;
}

static CurrentsNeuralModel *
load_neural (CurrentsJsonReader *ld,
             JsonObject         *root,
             const char *const  *states,
             const char *const  *inputs)
{
  gsize n = g_strv_length ((char **) states), m = g_strv_length ((char **) inputs);
  JsonObject *arch, *sc;
  JsonArray *hidden, *u_log_arr;
  const char *act;
  JsonNode *seed;
  g_auto(GStrv) log_inputs = NULL;
  g_autofree double *x_mean = NULL, *x_scale = NULL, *u_mean = NULL, *u_scale = NULL;
  g_autofree double *u_offset = NULL;
  g_autofree gboolean *u_log = NULL;
  CurrentsNeuralSpec spec;
  CurrentsNeuralScaling scaling;
  CurrentsNeuralModel *model;
  g_autoptr(GError) local = NULL;
  JsonNode *t_node;

  currents_neural_spec_init (&spec);
  arch = currents_json_get_object (ld, root, NULL, "architecture", CURRENTS_JSON_REQUIRED);
  hidden = arch != NULL ? currents_json_get_array (ld, arch, "architecture", "hidden",
                                                   CURRENTS_JSON_REQUIRED) : NULL;
  if (hidden == NULL)
    return NULL;
  if (json_array_get_length (hidden) > CURRENTS_NEURAL_MAX_LAYERS)
    {
      currents_json_fail (ld, "'architecture.hidden' lists %u layers; at most %d are supported",
                          json_array_get_length (hidden), CURRENTS_NEURAL_MAX_LAYERS);
      return NULL;
    }
  spec.n_hidden = json_array_get_length (hidden);
  for (guint l = 0; l < spec.n_hidden; l++)
    {
      JsonNode *w = json_array_get_element (hidden, l);

      if (!JSON_NODE_HOLDS_VALUE (w) || json_node_get_value_type (w) != G_TYPE_INT64
          || json_node_get_int (w) < 1 || json_node_get_int (w) > G_MAXINT32)
        {
          currents_json_fail (ld, "'architecture.hidden'[%u] must be a positive integer "
                              "(a layer width)", l);
          return NULL;
        }
      spec.hidden[l] = (gsize) json_node_get_int (w);
    }
  /* The weights are stored in 'params': a file cannot ask for a network larger than the
   * values it holds (the biases and the weights between hidden layers at least), which
   * keeps a damaged width from allocating without bound. */
  {
    JsonArray *params = currents_json_get_array (ld, root, NULL, "params",
                                                 CURRENTS_JSON_REQUIRED);
    double held, least = 0;

    if (params == NULL)
      return NULL;
    held = json_array_get_length (params);

    for (gsize l = 0; l < spec.n_hidden; l++)
      least += (double) spec.hidden[l]
               * (1.0 + (l + 1 < spec.n_hidden ? (double) spec.hidden[l + 1] : 0.0));
    if (least > held)
      {
        currents_json_fail (ld, "'params' holds %.0f values, but 'architecture.hidden' "
                            "needs at least %.0f", held, least);
        return NULL;
      }
  }
  act = currents_json_get_string (ld, arch, "architecture", "activation", CURRENTS_JSON_REQUIRED);
  if (act == NULL)
    return NULL;
  if (!currents_activation_from_string (act, &spec.activation))
    {
      currents_json_fail (ld, "unknown activation '%s' in 'architecture.activation'", act);
      return NULL;
    }
  seed = currents_json_member (ld, arch, "architecture", "seed", CURRENTS_JSON_REQUIRED);
  if (seed == NULL)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (seed) && json_node_get_value_type (seed) == G_TYPE_INT64
      && json_node_get_int (seed) >= 0)
    spec.seed = (guint64) json_node_get_int (seed);
  else
    {
      const char *str = JSON_NODE_HOLDS_VALUE (seed)
                        && json_node_get_value_type (seed) == G_TYPE_STRING
                        ? json_node_get_string (seed) : NULL;

      if (str == NULL || !g_ascii_string_to_unsigned (str, 10, 0, G_MAXUINT64, &spec.seed,
                                                      NULL))
        {
          currents_json_fail (ld, "'architecture.seed' must be a non-negative integer");
          return NULL;
        }
    }
  log_inputs = currents_json_get_strings (ld, arch, "architecture", "log_inputs",
                                          CURRENTS_JSON_REQUIRED);
  if (log_inputs == NULL)
    return NULL;
  spec.log_inputs = (const char *const *) log_inputs;

  sc = currents_json_get_object (ld, root, NULL, "scaling", CURRENTS_JSON_REQUIRED);
  if (sc == NULL)
    return NULL;
  x_mean = currents_json_get_numbers (ld, sc, "scaling", "x_mean", n, "the states need",
                                      CURRENTS_JSON_REQUIRED);
  x_scale = currents_json_get_numbers (ld, sc, "scaling", "x_scale", n, "the states need",
                                       CURRENTS_JSON_REQUIRED);
  u_mean = currents_json_get_numbers (ld, sc, "scaling", "u_mean", m, "the inputs need",
                                      CURRENTS_JSON_REQUIRED);
  u_scale = currents_json_get_numbers (ld, sc, "scaling", "u_scale", m, "the inputs need",
                                       CURRENTS_JSON_REQUIRED);
  u_offset = currents_json_get_numbers (ld, sc, "scaling", "u_offset", m, "the inputs need",
                                        CURRENTS_JSON_REQUIRED);
  u_log_arr = currents_json_get_array (ld, sc, "scaling", "u_log", CURRENTS_JSON_REQUIRED);
  t_node = currents_json_member (ld, sc, "scaling", "t_scale", CURRENTS_JSON_REQUIRED);
  if (ld->failed)
    return NULL;
  if (json_array_get_length (u_log_arr) != m)
    {
      currents_json_fail (ld, "'scaling.u_log' has %u entries, the inputs need %" G_GSIZE_FORMAT,
                          json_array_get_length (u_log_arr), m);
      return NULL;
    }
  u_log = g_new0 (gboolean, MAX (m, 1));
  for (guint k = 0; k < m; k++)
    {
      JsonNode *b = json_array_get_element (u_log_arr, k);

      if (!JSON_NODE_HOLDS_VALUE (b) || json_node_get_value_type (b) != G_TYPE_BOOLEAN)
        {
          currents_json_fail (ld, "'scaling.u_log'[%u] is %s, not true or false", k,
                              currents_json_node_kind (b));
          return NULL;
        }
      u_log[k] = json_node_get_boolean (b);
    }
  if (!currents_json_is_number (t_node))
    {
      currents_json_fail (ld, "'scaling.t_scale' is %s, not a number",
                          currents_json_node_kind (t_node));
      return NULL;
    }

  scaling.x_mean = x_mean;
  scaling.x_scale = x_scale;
  scaling.u_mean = u_mean;
  scaling.u_scale = u_scale;
  scaling.u_log = u_log;
  scaling.u_offset = u_offset;
  scaling.t_scale = json_node_get_double (t_node);
  model = currents_neural_model_new_full (states, inputs, &spec, &scaling, &local);
  if (model == NULL)
    currents_json_fail (ld, "the stored neural model is inconsistent: %s", local->message);
  return model;
}

static CurrentsModel *
load_ode (CurrentsJsonReader *ld,
          JsonObject         *root,
          const char *const  *states,
          const char *const  *inputs)
{
  JsonObject *mobj = currents_json_get_object (ld, root, NULL, "model", CURRENTS_JSON_REQUIRED);
  const char *source, *filename;
  g_autoptr(GError) local = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  g_autofree const char **model_inputs = NULL;
  gsize m;

  if (mobj == NULL)
    return NULL;
  filename = currents_json_get_string (ld, mobj, "model", "filename", CURRENTS_JSON_NULLABLE);
  source = currents_json_get_string (ld, mobj, "model", "source", CURRENTS_JSON_REQUIRED);
  if (ld->failed)
    return NULL;
  model = currents_model_new_from_string (source, filename, &local);
  if (model == NULL)
    {
      currents_json_fail (ld, "the model source stored in the file does not compile: %s",
                          local->message);
      return NULL;
    }
  if (!same_names (states, currents_model_get_state_names (model)))
    {
      g_autofree char *a = g_strjoinv (", ", (char **) states);
      g_autofree char *b = g_strjoinv (", ", (char **) currents_model_get_state_names (model));

      currents_json_fail (ld, "'states' (%s) do not match the stored model's states (%s)", a, b);
      return NULL;
    }
  m = currents_model_get_n_inputs (model);
  model_inputs = g_new0 (const char *, m + 1);
  for (gsize k = 0; k < m; k++)
    model_inputs[k] = currents_model_get_input_name (model, k);
  if (!same_names (inputs, model_inputs))
    {
      g_autofree char *a = g_strjoinv (", ", (char **) inputs);
      g_autofree char *b = g_strjoinv (", ", (char **) model_inputs);

      currents_json_fail (ld, "'inputs' (%s) do not match the stored model's inputs (%s)", a, b);
      return NULL;
    }
  return g_steal_pointer (&model);
}

static void
load_extras (CurrentsJsonReader   *ld,
             JsonObject           *root,
             CurrentsTrainedModel *tm)
{
  JsonNode *node;

  node = json_object_get_member (root, "ranges");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonObject *r = currents_json_get_object (ld, root, NULL, "ranges", CURRENTS_JSON_REQUIRED);
      g_autofree double *x_min = NULL, *x_max = NULL, *u_min = NULL, *u_max = NULL;

      if (r == NULL)
        return;
      x_min = currents_json_get_numbers (ld, r, "ranges", "x_min", tm->n_states, "the states need",
                                         CURRENTS_JSON_NULLABLE);
      x_max = currents_json_get_numbers (ld, r, "ranges", "x_max", tm->n_states, "the states need",
                                         CURRENTS_JSON_NULLABLE);
      u_min = currents_json_get_numbers (ld, r, "ranges", "u_min", tm->n_inputs, "the inputs need",
                                         CURRENTS_JSON_NULLABLE);
      u_max = currents_json_get_numbers (ld, r, "ranges", "u_max", tm->n_inputs, "the inputs need",
                                         CURRENTS_JSON_NULLABLE);
      if (ld->failed)
        return;
      currents_trained_model_set_ranges (tm, x_min, x_max, u_min, u_max);
    }

  node = json_object_get_member (root, "data");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonObject *d = currents_json_get_object (ld, root, NULL, "data", CURRENTS_JSON_REQUIRED);
      const char *filename = NULL, *sha = NULL;

      if (d == NULL)
        return;
      if (json_object_has_member (d, "filename"))
        filename = currents_json_get_string (ld, d, "data", "filename", CURRENTS_JSON_NULLABLE);
      if (json_object_has_member (d, "sha256"))
        sha = currents_json_get_string (ld, d, "data", "sha256", CURRENTS_JSON_NULLABLE);
      if (ld->failed)
        return;
      currents_trained_model_set_data (tm, filename, sha);
    }

  node = json_object_get_member (root, "training");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonObject *t = currents_json_get_object (ld, root, NULL, "training", CURRENTS_JSON_REQUIRED);

      if (t == NULL)
        return;
      currents_trained_model_set_training (tm, t);
    }

  node = json_object_get_member (root, "history");
  if (node != NULL && !JSON_NODE_HOLDS_NULL (node))
    {
      JsonObject *h = currents_json_get_object (ld, root, NULL, "history", CURRENTS_JSON_REQUIRED);
      JsonArray *epochs;
      g_autofree double *train = NULL, *val = NULL;
      guint n;

      if (h == NULL)
        return;
      epochs = currents_json_get_array (ld, h, "history", "epoch", CURRENTS_JSON_REQUIRED);
      if (epochs == NULL)
        return;
      n = json_array_get_length (epochs);
      train = currents_json_get_numbers (ld, h, "history", "train_loss", n,
                                         "'history.epoch' needs", CURRENTS_JSON_NULLABLE);
      val = currents_json_get_numbers (ld, h, "history", "val_loss", n, "'history.epoch' needs",
                                       CURRENTS_JSON_NULLABLE);
      if (ld->failed)
        return;
      for (guint i = 0; i < n; i++)
        {
          JsonNode *e = json_array_get_element (epochs, i);

          if (!JSON_NODE_HOLDS_VALUE (e) || json_node_get_value_type (e) != G_TYPE_INT64
              || json_node_get_int (e) < 0 || json_node_get_int (e) > G_MAXUINT)
            {
              currents_json_fail (ld, "'history.epoch'[%u] is not an epoch number", i);
              return;
            }
          currents_trained_model_add_history (tm, (guint) json_node_get_int (e), train[i],
                                              val[i]);
        }
    }
}

static gboolean
ends_like_json (const char *data,
                gsize       length)
{
  while (length > 0 && g_ascii_isspace (data[length - 1]))
    length--;
  return length > 0 && (data[length - 1] == '}' || data[length - 1] == ']');
}

static gboolean
mentions_format (const char *data,
                 gsize       length)
{
  return g_strstr_len (data, (gssize) length, "\"" CURRENTS_TRAINED_FORMAT "\"") != NULL;
}

/* "the architecture (3-64-64-2) needs", for messages about the length of θ. */
static char *
architecture_needs (const CurrentsNeuralModel *nm)
{
  const CurrentsNeuralSpec *spec = currents_neural_model_get_spec (nm);
  gsize n = currents_neural_model_get_n_states (nm);
  GString *s = g_string_new ("the architecture (");

  g_string_append_printf (s, "%" G_GSIZE_FORMAT, n + currents_neural_model_get_n_inputs (nm));
  for (gsize l = 0; l < spec->n_hidden; l++)
    g_string_append_printf (s, "-%" G_GSIZE_FORMAT, spec->hidden[l]);
  g_string_append_printf (s, "-%" G_GSIZE_FORMAT ") needs", n);
  return g_string_free (s, FALSE);
}

/**
 * currents_trained_model_load_from_data:
 * @data: the JSON text
 * @length: its length in bytes, or -1 when NUL-terminated
 * @filename: (nullable): the name used in messages
 * @error: return location for a %CURRENTS_ENGINE_ERROR_DATA_FORMAT error naming the
 *   file and what is wrong
 *
 * Returns: (transfer full) (nullable): the model, or %NULL with @error set
 */
CurrentsTrainedModel *
currents_trained_model_load_from_data (const char  *data,
                                       gssize       length,
                                       const char  *filename,
                                       GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *invalid = NULL;
  g_auto(GStrv) states = NULL, inputs = NULL;
  g_autofree double *params = NULL;
  CurrentsTrainedModel *tm = NULL;
  CurrentsJsonReader ld = { .name = filename != NULL ? filename : "<data>", .error = error,
                            .naming = CURRENTS_JSON_NAME_PATH };
  JsonNode *fmt;
  JsonObject *root;
  const char *kind;
  gint64 version;
  gsize len;

  g_return_val_if_fail (data != NULL || length == 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  len = length < 0 ? strlen (data) : (gsize) length;
  parser = json_parser_new_immutable ();
  root = currents_json_parse_object (&ld, parser, data, len, "a Currents trained model",
                                     &invalid);
  if (invalid != NULL)
    {
      if (!mentions_format (data, len))
        currents_json_fail (&ld, "not a Currents trained model (not valid JSON: %s)", invalid);
      else if (!ends_like_json (data, len))
        currents_json_fail (&ld, "the file is truncated: the JSON ends before it is complete");
      else
        currents_json_fail (&ld, "the file is damaged: not valid JSON (%s)", invalid);
    }
  if (root == NULL)
    return NULL;

  fmt = json_object_get_member (root, "format");
  if (fmt == NULL)
    {
      currents_json_fail (&ld, "not a Currents trained model (no 'format' key)");
      return NULL;
    }
  if (!JSON_NODE_HOLDS_VALUE (fmt) || json_node_get_value_type (fmt) != G_TYPE_STRING)
    {
      currents_json_fail (&ld, "not a Currents trained model ('format' is %s)",
                          currents_json_node_kind (fmt));
      return NULL;
    }
  if (strcmp (json_node_get_string (fmt), CURRENTS_TRAINED_FORMAT) != 0)
    {
      currents_json_fail (&ld, "not a Currents trained model (format is '%s')",
                          json_node_get_string (fmt));
      return NULL;
    }
  if (!currents_json_get_int (&ld, root, NULL, "version", &version))
    return NULL;
  if (version > CURRENTS_TRAINED_VERSION)
    {
      currents_json_fail (&ld,
                          "format version %" G_GINT64_FORMAT " was written by a newer Currents; "
                          "this one reads version %d", version, CURRENTS_TRAINED_VERSION);
      return NULL;
    }
  if (version != CURRENTS_TRAINED_VERSION)
    {
      currents_json_fail (&ld,
                          "unsupported format version %" G_GINT64_FORMAT " (this program reads "
                          "version %d)", version, CURRENTS_TRAINED_VERSION);
      return NULL;
    }

  kind = currents_json_get_string (&ld, root, NULL, "kind", CURRENTS_JSON_REQUIRED);
  states = currents_json_get_strings (&ld, root, NULL, "states", CURRENTS_JSON_REQUIRED);
  inputs = currents_json_get_strings (&ld, root, NULL, "inputs", CURRENTS_JSON_REQUIRED);
  if (ld.failed)
    return NULL;
  if (states[0] == NULL)
    {
      currents_json_fail (&ld, "'states' is empty; a model needs at least one state");
      return NULL;
    }

  if (strcmp (kind, "neural") == 0)
    {
      CurrentsNeuralModel *nm = load_neural (&ld, root, (const char *const *) states,
                                             (const char *const *) inputs);
      g_autofree char *needs = NULL;

      if (nm == NULL)
        return NULL;
      needs = architecture_needs (nm);
      tm = currents_trained_model_new_neural (nm, NULL);
      params = currents_json_get_numbers (&ld, root, NULL, "params", tm->n_params, needs,
                                          CURRENTS_JSON_REQUIRED);
    }
  else if (strcmp (kind, "ode") == 0)
    {
      CurrentsModel *model = load_ode (&ld, root, (const char *const *) states,
                                       (const char *const *) inputs);

      if (model == NULL)
        return NULL;
      tm = currents_trained_model_new_ode (model, NULL);
      params = currents_json_get_numbers (&ld, root, NULL, "params", tm->n_params,
                                          "the model needs", CURRENTS_JSON_REQUIRED);
    }
  else
    {
      currents_json_fail (&ld, "unknown kind '%s' (expected 'neural' or 'ode')", kind);
      return NULL;
    }

  if (params != NULL)
    currents_trained_model_set_params (tm, params);
  load_extras (&ld, root, tm);
  if (ld.failed)
    {
      currents_trained_model_free (tm);
      return NULL;
    }
  return tm;
}

/**
 * currents_trained_model_load:
 * @path: a trained model's JSON file
 * @error: return location for a %CURRENTS_ENGINE_ERROR_IO error (unreadable) or a
 *   %CURRENTS_ENGINE_ERROR_DATA_FORMAT error (damaged, foreign, wrong version, missing
 *   keys, wrong lengths, non-numeric weights), naming the file and what is wrong
 *
 * Returns: (transfer full) (nullable): the model, or %NULL with @error set
 */
CurrentsTrainedModel *
currents_trained_model_load (const char  *path,
                             GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) local = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  display = g_filename_display_name (path);
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                   "%s: cannot read the trained model: %s", display, local->message);
      return NULL;
    }
  return currents_trained_model_load_from_data (contents, (gssize) length, display, error);
}

/**
 * currents_trained_model_sniff:
 * @path: a file
 *
 * Reads at most the first few kilobytes of @path.
 *
 * Returns: %TRUE when it looks like a trained model: JSON text starting with an object
 *   that mentions our format name
 */
gboolean
currents_trained_model_sniff (const char *path)
{
  char buf[SNIFF_BYTES];
  const char *p = buf;
  gsize n;
  FILE *fp;

  g_return_val_if_fail (path != NULL, FALSE);

  fp = g_fopen (path, "rb");
  if (fp == NULL)
    return FALSE;
  n = fread (buf, 1, sizeof buf, fp);
  fclose (fp);
  if (n >= 3 && memcmp (buf, "\xef\xbb\xbf", 3) == 0)
    p += 3;
  while (p < buf + n && g_ascii_isspace (*p))
    p++;
  if (p == buf + n || *p != '{')
    return FALSE;
  return mentions_format (p, (gsize) (buf + n - p));
}
