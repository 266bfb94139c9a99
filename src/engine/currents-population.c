/* currents-population.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trained population models (continuous normalizing flows) and their JSON files.
 *
 * The batched density solve: for N points x_r at time T, one system of N·(n + 1)
 * components y = (x_1, c_1, …, x_N, c_N), integrated from T back to t0,
 *
 *   dx_r/dt = f(t, x_r),   dc_r/dt = tr ∂f/∂x (t, x_r),   x_r(T) = x_r,  c_r(T) = 0,
 *
 *   log p_T(x_r) = log p_{t0}(x_r(t0)) + c_r(t0)     (c_r(t0) = −∫_{t0}^{T} div f dt).
 *
 * The error norm is the largest of the points' RMS norms (the solver's group split), so
 * each point is integrated at least as accurately as its own solve would be.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-population"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_rng.h>

#include "currents-error-private.h"
#include "currents-dopri-private.h"
#include "currents-error.h"
#include "currents-json.h"
#include "currents-mlp.h"
#include "currents-population.h"

#define SNIFF_BYTES 4096

struct _CurrentsPopulation
{
  CurrentsNeuralModel *neural;
  gsize                n;
  gsize                k;
  double              *params;   /* k */
  double               t0;
  gsize                n_comp;
  double              *weights;  /* K, normalised */
  double              *means;    /* K × n */
  double              *covs;     /* K × n × n */
  double              *times;
  gsize                n_times;
  double               rtol;
  double               atol;
  char                *data_filename;
  char                *data_sha256;
  JsonObject          *training;
};

/* Builds (and so validates) a flow of @pop; the tolerances of @pop. */
static CurrentsCnf *
population_cnf (const CurrentsPopulation *pop,
                GError                  **error)
{
  CurrentsAdjointOptions opts;
  CurrentsCnf *cnf;

  currents_adjoint_options_init (&opts);
  opts.rtol = pop->rtol;
  opts.atol = pop->atol;
  cnf = currents_cnf_new_mixture (currents_neural_model_get_field (pop->neural), pop->t0,
                                  pop->n_comp, pop->weights, pop->means, pop->covs, &opts,
                                  error);
  if (cnf == NULL)
    return NULL;
  if (!currents_cnf_set_neural (cnf, pop->neural, error))
    {
      currents_cnf_free (cnf);
      return NULL;
    }
  return cnf;
}

/**
 * currents_population_new:
 *
 * See currents-population.h.
 */
CurrentsPopulation *
currents_population_new (CurrentsNeuralModel *model,
                         const double        *params,
                         double               t0,
                         gsize                n_components,
                         const double        *weights,
                         const double        *means,
                         const double        *covs,
                         const double        *times,
                         gsize                n_times,
                         GError             **error)
{
  g_autoptr (CurrentsPopulation) pop = NULL;
  g_autoptr (CurrentsCnf) cnf = NULL;
  gsize n, K = n_components;
  double wsum = 0.0;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (n_components >= 1 && means != NULL && covs != NULL, NULL);
  g_return_val_if_fail (times != NULL || n_times == 0, NULL);

  pop = g_new0 (CurrentsPopulation, 1);
  pop->neural = model;
  n = pop->n = currents_neural_model_get_n_states (model);
  pop->k = currents_neural_model_get_n_params (model);
  pop->params = g_memdup2 (params != NULL ? params
                                          : currents_neural_model_get_initial_params (model),
                           MAX (pop->k, 1) * sizeof (double));
  pop->t0 = t0;
  pop->n_comp = K;
  pop->weights = g_new (double, K);
  for (gsize c = 0; c < K; c++)
    wsum += pop->weights[c] = weights != NULL ? weights[c] : 1.0;
  for (gsize c = 0; c < K; c++)
    pop->weights[c] /= wsum;
  pop->means = g_memdup2 (means, K * n * sizeof (double));
  pop->covs = g_memdup2 (covs, K * n * n * sizeof (double));
  pop->times = g_new (double, MAX (n_times, 1));
  if (n_times > 0)
    memcpy (pop->times, times, n_times * sizeof (double));
  pop->n_times = n_times;
  pop->rtol = 1e-6;
  pop->atol = 1e-8;

  if (currents_neural_model_get_n_inputs (model) != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   "A population model's field takes no inputs; this one has %zu",
                   currents_neural_model_get_n_inputs (model));
      return NULL;
    }
  for (gsize j = 0; j < n_times; j++)
    if (!isfinite (times[j]) || (j > 0 && !(times[j] > times[j - 1])) || times[j] < t0)
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "The snapshot times must be finite, increasing and from t0 = %g on "
                       "(time %zu is %g)",
                     t0, j + 1, times[j]);
        return NULL;
      }
  for (gsize i = 0; i < K * n; i++)
    if (!isfinite (means[i]))
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                     "The base density's means must be finite");
        return NULL;
      }
  cnf = population_cnf (pop, error);
  if (cnf == NULL)
    return NULL;
  return g_steal_pointer (&pop);
}

/**
 * currents_population_new_for_snapshots:
 *
 * See currents-population.h.
 */
CurrentsPopulation *
currents_population_new_for_snapshots (const CurrentsSnapshots  *snapshots,
                                       const CurrentsNeuralSpec *spec,
                                       gsize                     n_components,
                                       guint64                   seed,
                                       GError                  **error)
{
  gsize n, K = n_components, T, total = 0;
  g_autofree double *x_mean = NULL, *x_scale = NULL, *times = NULL;
  g_autofree double *w = NULL, *means = NULL, *covs = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  CurrentsNeuralScaling scaling = { 0 };
  CurrentsNeuralSpec sp;
  CurrentsNeuralModel *model;
  double ll;

  g_return_val_if_fail (snapshots != NULL && spec != NULL, NULL);
  g_return_val_if_fail (n_components >= 1, NULL);

  n = currents_snapshots_get_n_states (snapshots);
  T = currents_snapshots_get_n_times (snapshots);
  if (T < 2)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "Snapshot data needs at least two times (the first makes the base "
                     "density, the later ones train the flow); this has %zu",
                   T);
      return NULL;
    }
  if (spec->log_inputs != NULL && spec->log_inputs[0] != NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   "A population model has no inputs to take logarithms of");
      return NULL;
    }
  x_mean = g_new0 (double, n);
  x_scale = g_new0 (double, n);
  times = g_new (double, T);
  for (gsize k = 0; k < T; k++)
    {
      const double *cells = currents_snapshots_get_cells (snapshots, k);
      gsize m = currents_snapshots_get_n_cells (snapshots, k);

      times[k] = currents_snapshots_get_time (snapshots, k);
      for (gsize r = 0; r < m; r++)
        for (gsize i = 0; i < n; i++)
          x_mean[i] += cells[r * n + i];
      total += m;
    }
  for (gsize i = 0; i < n; i++)
    x_mean[i] /= (double) total;
  for (gsize k = 0; k < T; k++)
    {
      const double *cells = currents_snapshots_get_cells (snapshots, k);
      gsize m = currents_snapshots_get_n_cells (snapshots, k);

      for (gsize r = 0; r < m; r++)
        for (gsize i = 0; i < n; i++)
          x_scale[i] += (cells[r * n + i] - x_mean[i]) * (cells[r * n + i] - x_mean[i]);
    }
  for (gsize i = 0; i < n; i++)
    {
      x_scale[i] = total > 1 ? sqrt (x_scale[i] / (double) (total - 1)) : 0.0;
      if (!(x_scale[i] > 0.0))
        x_scale[i] = 1.0;
    }
  scaling.x_mean = x_mean;
  scaling.x_scale = x_scale;
  scaling.t_scale = times[T - 1] - times[0];

  w = g_new (double, K);
  means = g_new (double, K * n);
  covs = g_new (double, K * n * n);
  if (!currents_snapshots_fit_mixture (snapshots, 0, K, seed, w, means, covs, &ll, error))
    return NULL;

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (names, (gpointer) currents_snapshots_get_state_name (snapshots, i));
  g_ptr_array_add (names, NULL);
  sp = *spec;
  sp.log_inputs = NULL;
  model = currents_neural_model_new_full ((const char *const *) names->pdata, NULL, &sp,
                                          &scaling, error);
  if (model == NULL)
    return NULL;
  return currents_population_new (model, NULL, times[0], K, w, means, covs, times, T, error);
}

void
currents_population_free (CurrentsPopulation *pop)
{
  if (pop == NULL)
    return;
  currents_neural_model_free (pop->neural);
  g_free (pop->params);
  g_free (pop->weights);
  g_free (pop->means);
  g_free (pop->covs);
  g_free (pop->times);
  g_free (pop->data_filename);
  g_free (pop->data_sha256);
  g_clear_pointer (&pop->training, json_object_unref);
  g_free (pop);
}

CurrentsPopulation *
currents_population_copy (const CurrentsPopulation *pop)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) error = NULL;
  CurrentsPopulation *copy;

  g_return_val_if_fail (pop != NULL, NULL);

  text = currents_population_to_data (pop);
  copy = currents_population_load_from_data (text, -1, "copy", &error);
  /* our own text always reads back; a failure here is a bug */
  if (copy == NULL)
    g_critical ("Copying a population model failed: %s", error->message);
  return copy;
}

gsize
currents_population_get_n_states (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, 0);
  return pop->n;
}

const char *const *
currents_population_get_state_names (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return currents_neural_model_get_state_names (pop->neural);
}

const CurrentsNeuralModel *
currents_population_get_neural (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return pop->neural;
}

CurrentsField *
currents_population_get_field (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return currents_neural_model_get_field (pop->neural);
}

gsize
currents_population_get_n_params (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, 0);
  return pop->k;
}

const double *
currents_population_get_params (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return pop->params;
}

void
currents_population_set_params (CurrentsPopulation *pop,
                                const double       *params)
{
  g_return_if_fail (pop != NULL && (params != NULL || pop->k == 0));
  if (pop->k > 0)
    memmove (pop->params, params, pop->k * sizeof (double));
}

double
currents_population_get_t0 (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NAN);
  return pop->t0;
}

gsize
currents_population_get_n_components (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, 0);
  return pop->n_comp;
}

const double *
currents_population_get_base_weights (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return pop->weights;
}

const double *
currents_population_get_base_means (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return pop->means;
}

const double *
currents_population_get_base_covs (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return pop->covs;
}

const double *
currents_population_get_times (const CurrentsPopulation *pop,
                               gsize                    *n_times)
{
  g_return_val_if_fail (pop != NULL, NULL);
  if (n_times != NULL)
    *n_times = pop->n_times;
  return pop->times;
}

void
currents_population_set_tolerances (CurrentsPopulation *pop,
                                    double              rtol,
                                    double              atol)
{
  g_return_if_fail (pop != NULL && rtol > 0.0 && atol > 0.0);
  pop->rtol = rtol;
  pop->atol = atol;
}

void
currents_population_get_tolerances (const CurrentsPopulation *pop,
                                    double                   *rtol,
                                    double                   *atol)
{
  g_return_if_fail (pop != NULL);
  if (rtol != NULL)
    *rtol = pop->rtol;
  if (atol != NULL)
    *atol = pop->atol;
}

void
currents_population_set_data (CurrentsPopulation *pop,
                              const char         *filename,
                              const char         *sha256)
{
  char *f, *h;

  g_return_if_fail (pop != NULL);
  f = g_strdup (filename);
  h = g_strdup (sha256);
  g_free (pop->data_filename);
  g_free (pop->data_sha256);
  pop->data_filename = f;
  pop->data_sha256 = h;
}

const char *
currents_population_get_data_filename (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return pop->data_filename;
}

const char *
currents_population_get_data_sha256 (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return pop->data_sha256;
}

void
currents_population_set_training (CurrentsPopulation *pop,
                                  JsonObject         *settings)
{
  JsonObject *copy;

  g_return_if_fail (pop != NULL);
  copy = settings != NULL ? currents_json_object_deep_copy (settings) : NULL;
  g_clear_pointer (&pop->training, json_object_unref);
  pop->training = copy;
}

JsonObject *
currents_population_get_training (const CurrentsPopulation *pop)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return pop->training;
}

/* ---- Writing ------------------------------------------------------------------------ */

static JsonArray *
double_array (const double *v,
              gsize         n)
{
  JsonArray *arr = json_array_sized_new ((guint) n);

  for (gsize i = 0; i < n; i++)
    json_array_add_double_element (arr, v[i]);
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

/**
 * currents_population_to_data:
 *
 * Returns: (transfer full): the model's JSON text
 */
char *
currents_population_to_data (const CurrentsPopulation *pop)
{
  const CurrentsNeuralSpec *spec;
  const CurrentsNeuralScaling *sc;
  const char *const *names;
  g_autoptr (JsonNode) node = json_node_new (JSON_NODE_OBJECT);
  JsonObject *root = json_object_new (), *arch = json_object_new ();
  JsonObject *scaling = json_object_new (), *base = json_object_new ();
  JsonObject *solver = json_object_new (), *data = json_object_new ();
  JsonArray *hidden = json_array_new (), *states = json_array_new ();
  JsonArray *bm = json_array_new (), *bc = json_array_new ();
  gsize n;

  g_return_val_if_fail (pop != NULL, NULL);

  n = pop->n;
  spec = currents_neural_model_get_spec (pop->neural);
  sc = currents_neural_model_get_scaling (pop->neural);
  names = currents_neural_model_get_state_names (pop->neural);

  json_object_set_string_member (root, "format", CURRENTS_POPULATION_FORMAT);
  json_object_set_int_member (root, "version", CURRENTS_POPULATION_VERSION);
  json_object_set_string_member (root, "program", "currents");
  json_object_set_string_member (root, "program_version", PACKAGE_VERSION);
  for (gsize i = 0; i < n; i++)
    json_array_add_string_element (states, names[i]);
  json_object_set_array_member (root, "states", states);

  for (gsize l = 0; l < spec->n_hidden; l++)
    json_array_add_int_element (hidden, (gint64) spec->hidden[l]);
  json_object_set_array_member (arch, "hidden", hidden);
  json_object_set_string_member (arch, "activation",
                                 currents_activation_to_string (spec->activation));
  {
    char buf[32];

    /* a string: a 64-bit seed need not fit JSON's integers */
    g_snprintf (buf, sizeof buf, "%" G_GUINT64_FORMAT, spec->seed);
    json_object_set_string_member (arch, "seed", buf);
  }
  json_object_set_object_member (root, "architecture", arch);

  json_object_set_array_member (scaling, "x_mean", double_array (sc->x_mean, n));
  json_object_set_array_member (scaling, "x_scale", double_array (sc->x_scale, n));
  json_object_set_double_member (scaling, "t_scale", sc->t_scale);
  json_object_set_object_member (root, "scaling", scaling);

  json_object_set_double_member (base, "t0", pop->t0);
  json_object_set_array_member (base, "weights", double_array (pop->weights, pop->n_comp));
  for (gsize c = 0; c < pop->n_comp; c++)
    {
      json_array_add_array_element (bm, double_array (pop->means + c * n, n));
      json_array_add_array_element (bc, double_array (pop->covs + c * n * n, n * n));
    }
  json_object_set_array_member (base, "means", bm);
  json_object_set_array_member (base, "covs", bc);
  json_object_set_object_member (root, "base", base);

  json_object_set_array_member (root, "times", double_array (pop->times, pop->n_times));
  json_object_set_double_member (solver, "rtol", pop->rtol);
  json_object_set_double_member (solver, "atol", pop->atol);
  json_object_set_object_member (root, "solver", solver);
  json_object_set_array_member (root, "params", double_array (pop->params, pop->k));

  set_string_or_null (data, "filename", pop->data_filename);
  set_string_or_null (data, "sha256", pop->data_sha256);
  json_object_set_object_member (root, "data", data);
  if (pop->training != NULL)
    json_object_set_object_member (root, "training",
                                   currents_json_object_deep_copy (pop->training));
  else
    json_object_set_null_member (root, "training");

  json_node_take_object (node, root);
  return currents_json_to_string (node);
}

/**
 * currents_population_save:
 *
 * See currents-population.h.
 */
gboolean
currents_population_save (const CurrentsPopulation *pop,
                          const char               *path,
                          GError                  **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (pop != NULL && path != NULL, FALSE);

  text = currents_population_to_data (pop);
  /* g_file_set_contents writes a temporary file and renames it over @path */
  if (!g_file_set_contents (path, text, -1, &local))
    {
      _currents_error_set_save (error, path, "population model", local);
      return FALSE;
    }
  return TRUE;
}

/* ---- Reading ------------------------------------------------------------------------ */

static gboolean
mentions_format (const char *data,
                 gsize       length)
{
  return g_strstr_len (data, (gssize) length, "\"" CURRENTS_POPULATION_FORMAT "\"") != NULL;
}

static gboolean
ends_like_json (const char *data,
                gsize       length)
{
  while (length > 0 && g_ascii_isspace (data[length - 1]))
    length--;
  return length > 0 && data[length - 1] == '}';
}

/* @key: an array of @count arrays of @each numbers, into @out (count × each) */
static gboolean
get_nested (CurrentsJsonReader *rd,
            JsonObject         *obj,
            const char         *where,
            const char         *key,
            gsize               count,
            gsize               each,
            const char         *needs,
            double             *out)
{
  JsonArray *arr = currents_json_get_array (rd, obj, where, key, CURRENTS_JSON_REQUIRED);

  if (arr == NULL)
    return FALSE;
  if (json_array_get_length (arr) != count)
    {
      currents_json_fail (rd, "'%s.%s' has %u entries; the mixture's weights give %zu", where,
                          key, json_array_get_length (arr), count);
      return FALSE;
    }
  for (guint c = 0; c < count; c++)
    {
      JsonNode *e = json_array_get_element (arr, c);
      g_autoptr (JsonObject) wrap = json_object_new ();
      g_autofree char *inner = g_strdup_printf ("%s[%u]", key, c);
      g_autofree double *v = NULL;

      if (!JSON_NODE_HOLDS_ARRAY (e))
        {
          currents_json_fail (rd, "'%s.%s' is %s, not an array of numbers", where, inner,
                              currents_json_node_kind (e));
          return FALSE;
        }
      json_object_set_member (wrap, inner, json_node_copy (e));
      v = currents_json_get_numbers (rd, wrap, where, inner, each, needs,
                                     CURRENTS_JSON_REQUIRED);
      if (v == NULL)
        return FALSE;
      memcpy (out + c * each, v, each * sizeof (double));
    }
  return TRUE;
}

static gboolean
all_finite (CurrentsJsonReader *rd,
            const char         *what,
            const double       *v,
            gsize               n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      {
        currents_json_fail (rd, "'%s' holds a null or non-finite number at entry %zu", what,
                            i);
        return FALSE;
      }
  return TRUE;
}

/**
 * currents_population_load_from_data:
 *
 * See currents-population.h.
 */
CurrentsPopulation *
currents_population_load_from_data (const char  *data,
                                    gssize       length,
                                    const char  *filename,
                                    GError     **error)
{
  g_autoptr (JsonParser) parser = NULL;
  g_autofree char *invalid = NULL;
  g_auto (GStrv) states = NULL;
  g_autofree double *x_mean = NULL, *x_scale = NULL, *weights = NULL, *means = NULL;
  g_autofree double *covs = NULL, *times = NULL, *params = NULL, *tol = NULL;
  CurrentsJsonReader rd = { .name = filename != NULL ? filename : "<data>", .error = error,
                            .naming = CURRENTS_JSON_NAME_PATH };
  g_autoptr (GError) local = NULL;
  JsonObject *root, *arch, *sc, *base, *solver, *dobj;
  JsonArray *hidden, *tarr, *warr;
  JsonNode *fmt, *node;
  CurrentsNeuralSpec spec;
  CurrentsNeuralScaling scaling = { 0 };
  CurrentsNeuralModel *model;
  CurrentsPopulation *pop;
  const char *act, *seed;
  double t_scale, t0, rtol, atol;
  gint64 version;
  gsize len, n, K, k;
  g_autofree char *needs = NULL;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  len = length < 0 ? strlen (data) : (gsize) length;
  parser = json_parser_new_immutable ();
  root = currents_json_parse_object (&rd, parser, data, len, "a Currents population model",
                                     &invalid);
  if (invalid != NULL)
    {
      if (!mentions_format (data, len))
        currents_json_fail (&rd, "not a Currents population model (not valid JSON: %s)",
                            invalid);
      else if (!ends_like_json (data, len))
        currents_json_fail (&rd, "the file is truncated: the JSON ends before it is complete");
      else
        currents_json_fail (&rd, "the file is damaged: not valid JSON (%s)", invalid);
    }
  if (root == NULL)
    return NULL;
  fmt = json_object_get_member (root, "format");
  if (fmt == NULL || !JSON_NODE_HOLDS_VALUE (fmt)
      || json_node_get_value_type (fmt) != G_TYPE_STRING)
    {
      currents_json_fail (&rd, "not a Currents population model (no 'format' name)");
      return NULL;
    }
  if (strcmp (json_node_get_string (fmt), CURRENTS_POPULATION_FORMAT) != 0)
    {
      currents_json_fail (&rd, "not a Currents population model (format is '%s')%s",
                          json_node_get_string (fmt),
                          strcmp (json_node_get_string (fmt), "currents-trained-model") == 0
                          ? ": a trained ODE model; open it as a model" : "");
      return NULL;
    }
  if (!currents_json_get_int (&rd, root, NULL, "version", &version))
    return NULL;
  if (version != CURRENTS_POPULATION_VERSION)
    {
      currents_json_fail (&rd, version > CURRENTS_POPULATION_VERSION
                               ? "format version %" G_GINT64_FORMAT " was written by a newer "
                                 "Currents; this one reads version %d"
                               : "unsupported format version %" G_GINT64_FORMAT " (this "
                                 "program reads version %d)",
                          version, CURRENTS_POPULATION_VERSION);
      return NULL;
    }

  states = currents_json_get_strings (&rd, root, NULL, "states", CURRENTS_JSON_REQUIRED);
  arch = currents_json_get_object (&rd, root, NULL, "architecture", CURRENTS_JSON_REQUIRED);
  sc = currents_json_get_object (&rd, root, NULL, "scaling", CURRENTS_JSON_REQUIRED);
  base = currents_json_get_object (&rd, root, NULL, "base", CURRENTS_JSON_REQUIRED);
  if (rd.failed)
    return NULL;
  n = g_strv_length (states);
  if (n == 0)
    {
      currents_json_fail (&rd, "'states' is empty; a population needs at least one state");
      return NULL;
    }

  currents_neural_spec_init (&spec);
  hidden = currents_json_get_array (&rd, arch, "architecture", "hidden",
                                    CURRENTS_JSON_REQUIRED);
  act = currents_json_get_string (&rd, arch, "architecture", "activation",
                                  CURRENTS_JSON_REQUIRED);
  seed = currents_json_get_string (&rd, arch, "architecture", "seed", CURRENTS_JSON_REQUIRED);
  if (rd.failed)
    return NULL;
  if (json_array_get_length (hidden) > CURRENTS_NEURAL_MAX_LAYERS)
    {
      currents_json_fail (&rd, "'architecture.hidden' lists %u layers; at most %d are "
                          "supported", json_array_get_length (hidden),
                          CURRENTS_NEURAL_MAX_LAYERS);
      return NULL;
    }
  spec.n_hidden = json_array_get_length (hidden);
  for (guint l = 0; l < spec.n_hidden; l++)
    {
      JsonNode *w = json_array_get_element (hidden, l);

      if (!JSON_NODE_HOLDS_VALUE (w) || json_node_get_value_type (w) != G_TYPE_INT64
          || json_node_get_int (w) < 1 || json_node_get_int (w) > G_MAXINT32)
        {
          currents_json_fail (&rd, "'architecture.hidden'[%u] must be a positive integer "
                              "(a layer width)", l);
          return NULL;
        }
      spec.hidden[l] = (gsize) json_node_get_int (w);
    }
  if (!currents_activation_from_string (act, &spec.activation))
    {
      currents_json_fail (&rd, "unknown activation '%s' in 'architecture.activation'", act);
      return NULL;
    }
  if (!g_ascii_string_to_unsigned (seed, 10, 0, G_MAXUINT64, &spec.seed, NULL))
    {
      currents_json_fail (&rd, "'architecture.seed' must be a non-negative integer");
      return NULL;
    }

  x_mean = currents_json_get_numbers (&rd, sc, "scaling", "x_mean", n, "the states need",
                                      CURRENTS_JSON_REQUIRED);
  x_scale = currents_json_get_numbers (&rd, sc, "scaling", "x_scale", n, "the states need",
                                       CURRENTS_JSON_REQUIRED);
  node = currents_json_member (&rd, sc, "scaling", "t_scale", CURRENTS_JSON_REQUIRED);
  if (rd.failed)
    return NULL;
  if (!currents_json_is_number (node))
    {
      currents_json_fail (&rd, "'scaling.t_scale' is %s, not a number",
                          currents_json_node_kind (node));
      return NULL;
    }
  t_scale = json_node_get_double (node);

  node = currents_json_member (&rd, base, "base", "t0", CURRENTS_JSON_REQUIRED);
  warr = currents_json_get_array (&rd, base, "base", "weights", CURRENTS_JSON_REQUIRED);
  if (rd.failed)
    return NULL;
  if (!currents_json_is_number (node))
    {
      currents_json_fail (&rd, "'base.t0' is %s, not a number", currents_json_node_kind (node));
      return NULL;
    }
  t0 = json_node_get_double (node);
  K = json_array_get_length (warr);
  if (K == 0)
    {
      currents_json_fail (&rd, "'base.weights' is empty; the base density needs a component");
      return NULL;
    }
  weights = currents_json_get_numbers (&rd, base, "base", "weights", K, "the mixture needs",
                                       CURRENTS_JSON_REQUIRED);
  means = g_new (double, K * n);
  covs = g_new (double, K * n * n);
  if (rd.failed
      || !get_nested (&rd, base, "base", "means", K, n, "the states need", means)
      || !get_nested (&rd, base, "base", "covs", K, n * n, "n × n covariances need", covs)
      || !all_finite (&rd, "base.weights", weights, K)
      || !all_finite (&rd, "base.means", means, K * n)
      || !all_finite (&rd, "base.covs", covs, K * n * n)
      || !all_finite (&rd, "scaling.x_mean", x_mean, n)
      || !all_finite (&rd, "scaling.x_scale", x_scale, n))
    return NULL;

  tarr = currents_json_get_array (&rd, root, NULL, "times", CURRENTS_JSON_REQUIRED);
  if (tarr == NULL)
    return NULL;
  times = currents_json_get_numbers (&rd, root, NULL, "times", json_array_get_length (tarr),
                                     "", CURRENTS_JSON_REQUIRED);
  solver = currents_json_get_object (&rd, root, NULL, "solver", CURRENTS_JSON_REQUIRED);
  if (rd.failed)
    return NULL;
  tol = g_new (double, 2);
  node = currents_json_member (&rd, solver, "solver", "rtol", CURRENTS_JSON_REQUIRED);
  tol[0] = node != NULL && currents_json_is_number (node) ? json_node_get_double (node) : NAN;
  node = currents_json_member (&rd, solver, "solver", "atol", CURRENTS_JSON_REQUIRED);
  tol[1] = node != NULL && currents_json_is_number (node) ? json_node_get_double (node) : NAN;
  if (rd.failed)
    return NULL;
  if (!(tol[0] > 0.0) || !(tol[1] > 0.0) || !isfinite (tol[0]) || !isfinite (tol[1]))
    {
      currents_json_fail (&rd, "'solver.rtol' and 'solver.atol' must be positive numbers");
      return NULL;
    }
  rtol = tol[0];
  atol = tol[1];

  scaling.x_mean = x_mean;
  scaling.x_scale = x_scale;
  scaling.t_scale = t_scale;
  model = currents_neural_model_new_full ((const char *const *) states, NULL, &spec, &scaling,
                                          &local);
  if (model == NULL)
    {
      currents_json_fail (&rd, "the stored neural field is inconsistent: %s", local->message);
      return NULL;
    }
  k = currents_neural_model_get_n_params (model);
  {
    GString *s = g_string_new ("the architecture (");

    g_string_append_printf (s, "%zu", n);
    for (gsize l = 0; l < spec.n_hidden; l++)
      g_string_append_printf (s, "-%zu", spec.hidden[l]);
    g_string_append_printf (s, "-%zu) needs", n);
    needs = g_string_free (s, FALSE);
  }
  params = currents_json_get_numbers (&rd, root, NULL, "params", k, needs,
                                      CURRENTS_JSON_REQUIRED);
  if (params == NULL || !all_finite (&rd, "params", params, k))
    {
      currents_neural_model_free (model);
      return NULL;
    }
  pop = currents_population_new (model, params, t0, K, weights, means, covs, times,
                                 json_array_get_length (tarr), &local);
  if (pop == NULL)
    {
      currents_json_fail (&rd, "the stored flow is inconsistent: %s", local->message);
      return NULL;
    }
  pop->rtol = rtol;
  pop->atol = atol;

  dobj = currents_json_get_object (&rd, root, NULL, "data", CURRENTS_JSON_OPTIONAL);
  if (dobj != NULL)
    {
      const char *f = currents_json_get_string (&rd, dobj, "data", "filename",
                                                CURRENTS_JSON_NULLABLE | CURRENTS_JSON_OPTIONAL);
      const char *h = currents_json_get_string (&rd, dobj, "data", "sha256",
                                                CURRENTS_JSON_NULLABLE | CURRENTS_JSON_OPTIONAL);

      currents_population_set_data (pop, f, h);
    }
  node = json_object_get_member (root, "training");
  if (node != NULL && JSON_NODE_HOLDS_OBJECT (node))
    currents_population_set_training (pop, json_node_get_object (node));
  if (rd.failed)
    {
      currents_population_free (pop);
      return NULL;
    }
  return pop;
}

/**
 * currents_population_load:
 *
 * See currents-population.h.
 */
CurrentsPopulation *
currents_population_load (const char  *path,
                          GError     **error)
{
  g_autofree char *contents = NULL, *display = NULL;
  g_autoptr (GError) local = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                   "%s: cannot read the population model: %s", display, local->message);
      return NULL;
    }
  return currents_population_load_from_data (contents, (gssize) length, display, error);
}

gboolean
currents_population_sniff (const char *path)
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

/* ---- Using the model ---------------------------------------------------------------- */

CurrentsCnf *
currents_population_new_cnf (const CurrentsPopulation *pop,
                             GError                  **error)
{
  g_return_val_if_fail (pop != NULL, NULL);
  return population_cnf (pop, error);
}

typedef struct
{
  CurrentsCnfProgressFunc progress;
  gpointer                data;
  GCancellable           *cancellable;
} TrainProgress;

static gboolean
train_progress (gsize    iteration,
                double   loss,
                gpointer user_data)
{
  TrainProgress *tp = user_data;

  if (g_cancellable_is_cancelled (tp->cancellable))
    return FALSE;
  return tp->progress == NULL || tp->progress (iteration, loss, tp->data);
}

/**
 * currents_population_train:
 *
 * See currents-population.h. Cancellation is honoured between iterations (through the
 * progress callback), so that currents_cnf_train() still returns the best parameters.
 */
gboolean
currents_population_train (CurrentsPopulation            *pop,
                           const CurrentsSnapshots       *snapshots,
                           const CurrentsCnfTrainOptions *options,
                           double                        *loss,
                           CurrentsCnfProgressFunc        progress,
                           gpointer                       progress_data,
                           GCancellable                  *cancellable,
                           GError                       **error)
{
  g_autoptr (CurrentsCnf) cnf = NULL;
  g_autofree double *p = NULL;
  TrainProgress tp = { progress, progress_data, cancellable };

  g_return_val_if_fail (pop != NULL && snapshots != NULL, FALSE);

  if (currents_snapshots_get_n_states (snapshots) != pop->n)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The snapshots have %zu states; the population model has %zu",
                   currents_snapshots_get_n_states (snapshots), pop->n);
      return FALSE;
    }
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                   "Training was cancelled");
      return FALSE;
    }
  cnf = population_cnf (pop, error);
  if (cnf == NULL)
    return FALSE;
  p = g_memdup2 (pop->params, MAX (pop->k, 1) * sizeof (double));
  if (!currents_cnf_train (cnf, snapshots, options, p, loss, train_progress, &tp, NULL, error))
    return FALSE;
  currents_population_set_params (pop, p);
  return TRUE;
}

/* The batched backward solve. */
typedef struct
{
  CurrentsFieldWorkspace *ws;
  const double           *p;
  gsize                   n;
  gsize                   n_points;
  double                 *f;   /* n */
  double                 *jx;  /* n × n */
} Batch;

static void
batch_rhs (double        t,
           const double *y,
           double       *dydt,
           gpointer      data)
{
  Batch *b = data;
  gsize n = b->n, m = n + 1;

  for (gsize r = 0; r < b->n_points; r++)
    {
      double tr = 0.0;

      currents_field_jacobian (b->ws, t, y + r * m, NULL, b->p, dydt + r * m, b->jx, NULL);
      for (gsize i = 0; i < n; i++)
        tr += b->jx[i * n + i];
      dydt[r * m + n] = tr;
    }
}

gboolean
currents_population_log_density (const CurrentsPopulation *pop,
                                 double                    t,
                                 const double             *x,
                                 gsize                     n_points,
                                 double                   *logp,
                                 GCancellable             *cancellable,
                                 GError                  **error)
{
  g_autoptr (CurrentsCnf) cnf = NULL;
  gsize n, m;
  CurrentsDopri *dp;
  Batch b = { 0 };
  CurrentsDopriStatus st = CURRENTS_DOPRI_OK;
  g_autofree double *y0 = NULL;
  gboolean ok = TRUE;

  g_return_val_if_fail (pop != NULL, FALSE);
  g_return_val_if_fail (x != NULL || n_points == 0, FALSE);
  g_return_val_if_fail (logp != NULL || n_points == 0, FALSE);

  if (!(t >= pop->t0) || !isfinite (t))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "Densities are known from t = %g on; t = %g is before", pop->t0, t);
      return FALSE;
    }
  if (n_points == 0)
    return TRUE;
  if (g_cancellable_set_error_if_cancelled (cancellable, NULL))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                   "The density's computation was cancelled");
      return FALSE;
    }
  cnf = population_cnf (pop, error);
  if (cnf == NULL)
    return FALSE;
  n = pop->n;
  m = n + 1;
  y0 = g_new (double, n_points * m);
  for (gsize r = 0; r < n_points; r++)
    {
      memcpy (y0 + r * m, x + r * n, n * sizeof (double));
      y0[r * m + n] = 0.0;
    }
  if (t > pop->t0)
    {
      b.ws = currents_field_workspace_new (currents_population_get_field (pop));
      b.p = pop->params;
      b.n = n;
      b.n_points = n_points;
      b.jx = g_new (double, n * n);
      dp = _currents_dopri_new (n_points * m);
      _currents_dopri_resize (dp, n_points * m);
      dp->group_split[0] = m;
      dp->rtol = pop->rtol;
      dp->atol = pop->atol;
      dp->h_min = 0.0;
      dp->max_steps = 1000000;
      dp->func = batch_rhs;
      dp->func_data = &b;
      dp->cancellable = cancellable;
      _currents_dopri_begin (dp, t, y0);
      st = _currents_dopri_advance (dp, pop->t0, NULL, NULL);
      if (st == CURRENTS_DOPRI_OK)
        memcpy (y0, dp->y, n_points * m * sizeof (double));
      _currents_dopri_free (dp);
      currents_field_workspace_free (b.ws);
      g_free (b.jx);
    }
  switch (st)
    {
    case CURRENTS_DOPRI_OK:
      break;
    case CURRENTS_DOPRI_CANCELLED:
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                   "The density's computation was cancelled");
      return FALSE;
    case CURRENTS_DOPRI_MAX_STEPS:
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MAX_STEPS,
                   "Carrying %zu points at t = %g back to t = %g took too many steps",
                   n_points, t, pop->t0);
      return FALSE;
    case CURRENTS_DOPRI_UNDERFLOW:
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW,
                   "Carrying %zu points at t = %g back to t = %g: the step size fell "
                     "below its minimum (the flow is too stiff there)",
                   n_points, t, pop->t0);
      return FALSE;
    default:
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                   "Carrying %zu points at t = %g back to t = %g: the flow carried a point "
                     "out of reach (non-finite values)",
                   n_points, t, pop->t0);
      return FALSE;
    }
  for (gsize r = 0; r < n_points && ok; r++)
    {
      logp[r] = currents_cnf_base_log_density (cnf, y0 + r * m, NULL) + y0[r * m + n];
      if (isnan (logp[r]))
        ok = FALSE;
    }
  if (!ok)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                   "A log-density at t = %g is not a number", t);
      return FALSE;
    }
  return TRUE;
}

gboolean
currents_population_density_grid (const CurrentsPopulation *pop,
                                  double                    t,
                                  gsize                     ix,
                                  gsize                     iy,
                                  double                    lo_x,
                                  double                    hi_x,
                                  double                    lo_y,
                                  double                    hi_y,
                                  gsize                     nx,
                                  gsize                     ny,
                                  const double             *at,
                                  gsize                     n_samples,
                                  guint64                   seed,
                                  double                   *logp,
                                  GCancellable             *cancellable,
                                  GError                  **error)
{
  gsize n;
  double dx, dy;

  g_return_val_if_fail (pop != NULL && logp != NULL, FALSE);

  n = pop->n;
  if (ix >= n || iy >= n || ix == iy || nx < 2 || ny < 2 || !(hi_x > lo_x)
      || !(hi_y > lo_y) || !isfinite (hi_x - lo_x) || !isfinite (hi_y - lo_y))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "A density grid needs two different states of the %zu, a box with "
                     "LO < HI on both axes and at least 2 × 2 points",
                   n);
      return FALSE;
    }
  dx = (hi_x - lo_x) / (double) (nx - 1);
  dy = (hi_y - lo_y) / (double) (ny - 1);
  if (n == 2 || at != NULL)
    {
      g_autofree double *pts = g_new (double, nx * ny * n);

      for (gsize j = 0; j < ny; j++)
        for (gsize i = 0; i < nx; i++)
          {
            double *q = pts + (j * nx + i) * n;

            if (at != NULL)
              memcpy (q, at, n * sizeof (double));
            q[ix] = lo_x + (double) i * dx;
            q[iy] = lo_y + (double) j * dy;
          }
      return currents_population_log_density (pop, t, pts, nx * ny, logp, cancellable, error);
    }
  else
    {
      /* the marginal: a histogram of samples in cells centred on the grid points */
      g_autofree double *xs = NULL;
      g_autofree gsize *count = g_new0 (gsize, nx * ny);

      if (n_samples == 0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "A marginal density of %zu states needs samples to bin", n);
          return FALSE;
        }
      xs = g_new (double, n_samples * n);
      if (!currents_population_sample (pop, t, n_samples, seed, xs, NULL, cancellable, error))
        return FALSE;
      for (gsize r = 0; r < n_samples; r++)
        {
          double fi = floor ((xs[r * n + ix] - lo_x) / dx + 0.5);
          double fj = floor ((xs[r * n + iy] - lo_y) / dy + 0.5);

          if (fi >= 0.0 && fi < (double) nx && fj >= 0.0 && fj < (double) ny)
            count[(gsize) fj * nx + (gsize) fi]++;
        }
      for (gsize c = 0; c < nx * ny; c++)
        logp[c] = count[c] > 0 ? log ((double) count[c] / ((double) n_samples * dx * dy))
                               : -INFINITY;
      return TRUE;
    }
}

gboolean
currents_population_sample (const CurrentsPopulation *pop,
                            double                    t,
                            gsize                     n_samples,
                            guint64                   seed,
                            double                   *x,
                            double                   *logp,
                            GCancellable             *cancellable,
                            GError                  **error)
{
  g_autoptr (CurrentsCnf) cnf = NULL;
  gsl_rng *rng;
  gboolean ok;

  g_return_val_if_fail (pop != NULL && (x != NULL || n_samples == 0), FALSE);

  cnf = population_cnf (pop, error);
  if (cnf == NULL)
    return FALSE;
  rng = gsl_rng_alloc (gsl_rng_mt19937);
  gsl_rng_set (rng, (unsigned long) seed);
  ok = currents_cnf_sample (cnf, pop->params, t, n_samples, rng, x, logp, cancellable, error);
  gsl_rng_free (rng);
  return ok;
}

gboolean
currents_population_sample_paths (const CurrentsPopulation *pop,
                                  const double             *times,
                                  gsize                     n_times,
                                  gsize                     n_samples,
                                  guint64                   seed,
                                  double                   *x,
                                  GCancellable             *cancellable,
                                  GError                  **error)
{
  g_autoptr (CurrentsCnf) cnf = NULL;
  gsl_rng *rng;
  gboolean ok;

  g_return_val_if_fail (pop != NULL && times != NULL && n_times > 0, FALSE);

  cnf = population_cnf (pop, error);
  if (cnf == NULL)
    return FALSE;
  rng = gsl_rng_alloc (gsl_rng_mt19937);
  gsl_rng_set (rng, (unsigned long) seed);
  ok = currents_cnf_sample_paths (cnf, pop->params, times, n_times, n_samples, rng, x, NULL,
                                  cancellable, error);
  gsl_rng_free (rng);
  return ok;
}
