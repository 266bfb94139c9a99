/* fuzz-readers.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * One input through one reader, and then through what a user does next with what loaded:
 * evaluate it, write it back, read that again. Work is capped so that no input makes a
 * run slow: at most FUZZ_MAX_STATES states are evaluated, Jacobians only up to
 * FUZZ_MAX_JACOBIAN entries, and files that name other files are not followed.
 */
#include "config.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_errno.h>

#include "currents-engine.h"
#include "fuzz-readers.h"

#define FUZZ_MAX_STATES   2048
#define FUZZ_MAX_JACOBIAN (1 << 18)
#define FUZZ_N_POINTS     3

void
fuzz_fail (const char *format,
           ...)
{
  va_list args;

  va_start (args, format);
  fputs ("fuzz: ", stderr);
  vfprintf (stderr, format, args);
  fputc ('\n', stderr);
  va_end (args);
  abort ();
}

static GLogWriterOutput
fuzz_log_writer (GLogLevelFlags   level,
                 const GLogField *fields,
                 gsize            n_fields,
                 gpointer         user_data)
{
  if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING))
    {
      g_log_writer_standard_streams (level, fields, n_fields, user_data);
      fuzz_fail ("a warning or critical on this input (bad input must give a GError)");
    }
  return G_LOG_WRITER_HANDLED;
}

void
fuzz_init (void)
{
  gsl_set_error_handler_off ();
  g_log_set_always_fatal (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
  g_log_set_writer_func (fuzz_log_writer, NULL, NULL);
}

void
fuzz_check_error (const GError *error)
{
  if (error == NULL)
    fuzz_fail ("a reader failed without setting an error");
  if (error->domain != CURRENTS_ENGINE_ERROR)
    fuzz_fail ("error outside CURRENTS_ENGINE_ERROR (%s %d): %s",
               g_quark_to_string (error->domain), error->code, error->message);
  if (error->message == NULL || error->message[0] == '\0')
    fuzz_fail ("error %d without a message", error->code);
  if (!g_utf8_validate (error->message, -1, NULL))
    {
      g_autofree char *escaped = g_strescape (error->message, NULL);

      fuzz_fail ("error %d with a message that is not UTF-8: %s", error->code, escaped);
    }
}

/* --------------------------------------------------------------------------------------- */
/* Points drawn from the input: splitmix64 seeded by an FNV-1a hash of its bytes.           */

static guint64
hash_bytes (const guint8 *data,
            gsize         size)
{
  guint64 h = 0xcbf29ce484222325u;

  for (gsize i = 0; i < size; i++)
    h = (h ^ data[i]) * 0x100000001b3u;
  return h;
}

static guint64
next_u64 (guint64 *state)
{
  guint64 z = (*state += 0x9e3779b97f4a7c15u);

  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
  return z ^ (z >> 31);
}

/* Mostly moderate values around @base, now and then an edge: 0, huge, tiny, NaN. */
static double
next_value (guint64 *state,
            double   base)
{
  guint64 r = next_u64 (state);
  double u = (double) (r >> 11) / 9007199254740992.0;

  switch (r & 15)
    {
    case 0: return 0.0;
    case 1: return 1e300;
    case 2: return -4.9e-324;
    case 3: return NAN;
    case 4: return -INFINITY;
    default: return base + 4.0 * (u - 0.5);
    }
}

/* f, ∂f/∂x, ∂f/∂p, a VJP and the second derivative of the field at a few points. */
static void
exercise_field (CurrentsField *field,
                const double  *x0,
                const double  *u0,
                const double  *p,
                guint64        seed)
{
  gsize n = currents_field_get_n_states (field);
  gsize m = currents_field_get_n_inputs (field);
  gsize k = currents_field_get_n_params (field);
  gboolean jac = n * n <= FUZZ_MAX_JACOBIAN && n * k <= FUZZ_MAX_JACOBIAN;
  g_autoptr (CurrentsFieldWorkspace) ws = NULL;
  g_autofree double *x = NULL, *u = NULL, *f = NULL, *w = NULL, *v = NULL;
  g_autofree double *gx = NULL, *gp = NULL, *jx = NULL, *jp = NULL, *out = NULL;

  if (n > FUZZ_MAX_STATES || m > FUZZ_MAX_STATES)
    return;
  ws = currents_field_workspace_new (field);
  x = g_new0 (double, MAX (n, 1));
  u = g_new0 (double, MAX (m, 1));
  f = g_new0 (double, MAX (n, 1));
  w = g_new0 (double, MAX (n, 1));
  v = g_new0 (double, MAX (n, 1));
  gx = g_new0 (double, MAX (n, 1));
  gp = g_new0 (double, MAX (k, 1));
  out = g_new0 (double, MAX (n, 1));
  if (jac)
    {
      jx = g_new0 (double, MAX (n * n, 1));
      jp = g_new0 (double, MAX (n * k, 1));
    }

  for (int j = 0; j < FUZZ_N_POINTS; j++)
    {
      double t = next_value (&seed, 0.0);

      for (gsize i = 0; i < n; i++)
        {
          x[i] = next_value (&seed, x0 != NULL ? x0[i] : 0.0);
          w[i] = next_value (&seed, 0.0);
          v[i] = next_value (&seed, 0.0);
        }
      for (gsize i = 0; i < m; i++)
        u[i] = j == 0 && u0 != NULL ? u0[i] : next_value (&seed, u0 != NULL ? u0[i] : 0.0);

      currents_field_eval (ws, t, x, u, p, f);
      if (jac)
        currents_field_jacobian (ws, t, x, u, p, f, jx, jp);
      currents_field_vjp (ws, t, x, u, p, w, f, gx, gp);
      if (currents_field_has_hvp (field))
        currents_field_hvp (ws, t, x, u, p, v, w, out);
    }
}

static void
exercise_system (CurrentsSystem *system,
                 guint64         seed)
{
  double lo[4], hi[4];
  double window[4];
  int ax, ay;
  CurrentsSimOptions options;
  gsize n = currents_system_get_n_states (system);

  currents_system_get_window (system, &ax, &ay, &window[0], &window[1], &window[2],
                              &window[3]);
  if (n <= G_N_ELEMENTS (lo))
    currents_system_get_default_box (system, lo, hi);
  currents_system_get_sim_options (system, &options);
  (void) currents_system_get_t0 (system);
  (void) currents_system_get_total (system);
  exercise_field (currents_system_get_field (system), currents_system_get_initial (system),
                  currents_system_get_inputs (system), currents_system_get_params (system),
                  seed);
}

/* --------------------------------------------------------------------------------------- */
/* CSV                                                                                      */

static void
exercise_dataset (const CurrentsDataset *ds)
{
  gsize n = currents_dataset_get_n_states (ds);
  gsize m = currents_dataset_get_n_inputs (ds);
  double t_min, t_max;
  CurrentsColumnStats stats;
  g_autofree char *summary = NULL;
  g_autofree char *csv = NULL;
  g_autoptr (GPtrArray) input_names = g_ptr_array_new ();
  g_autoptr (CurrentsDataset) again = NULL;
  g_autoptr (GError) error = NULL;
  CurrentsCsvOptions options = { 0 };

  currents_dataset_get_time_span (ds, &t_min, &t_max);
  for (gsize i = 0; i < n; i++)
    currents_dataset_get_state_stats (ds, i, &stats);
  for (gsize i = 0; i < m; i++)
    {
      currents_dataset_get_input_stats (ds, i, &stats);
      g_ptr_array_add (input_names, (gpointer) currents_dataset_get_input_name (ds, i));
    }
  g_ptr_array_add (input_names, NULL);
  summary = currents_dataset_summary (ds);

  /* What was read is written back, and that text reads back as the same table. */
  csv = currents_dataset_to_csv (ds, "fuzz\nround trip");
  options.input_columns = (const char *const *) input_names->pdata;
  again = currents_dataset_parse (csv, -1, "round-trip.csv", &options, &error);
  if (again == NULL)
    fuzz_fail ("a data set written back does not read again: %s\n%s", error->message, csv);
  if (currents_dataset_get_n_states (again) != n
      || currents_dataset_get_n_inputs (again) != m
      || currents_dataset_get_n_trajectories (again) != currents_dataset_get_n_trajectories (ds)
      || currents_dataset_get_n_samples (again) != currents_dataset_get_n_samples (ds))
    fuzz_fail ("a data set written back reads as another table:\n%s", csv);
}

gboolean
fuzz_read_csv (const guint8 *data,
               gsize         size,
               GError      **error)
{
  g_autoptr (CurrentsCsvPreview) preview = NULL;
  g_autoptr (CurrentsDataset) ds = NULL;
  g_autoptr (CurrentsDataset) with_inputs = NULL;
  g_autoptr (GError) local = NULL;
  const char *inputs[2] = { NULL, NULL };
  CurrentsCsvOptions options = { 0 };

  preview = currents_csv_preview_new ((const char *) data, size, 20);
  ds = currents_dataset_parse ((const char *) data, size, "fuzz.csv", NULL, error);
  if (ds == NULL)
    return FALSE;
  exercise_dataset (ds);

  /* Again with the last state column as an input, constant when the input's hash says. */
  if (currents_dataset_get_n_states (ds) > 1)
    {
      inputs[0] = currents_dataset_get_state_name (ds, currents_dataset_get_n_states (ds) - 1);
      options.input_columns = inputs;
      options.constant_inputs = hash_bytes (data, size) & 1;
      with_inputs = currents_dataset_parse ((const char *) data, size, "fuzz.csv", &options,
                                            &local);
      if (with_inputs != NULL)
        exercise_dataset (with_inputs);
      else
        fuzz_check_error (local);
    }
  return TRUE;
}

/* --------------------------------------------------------------------------------------- */
/* .ode                                                                                     */

gboolean
fuzz_read_ode (const guint8 *data,
               gsize         size,
               GError      **error)
{
  g_autofree char *source = g_strndup ((const char *) data, size);
  g_autoptr (CurrentsSystem) system = NULL;
  CurrentsModel *model;
  const CurrentsModel *m;
  guint64 seed = hash_bytes (data, size);
  gsize n, n_aux;

  model = currents_model_new_from_string (source, "fuzz.ode", error);
  if (model == NULL)
    return FALSE;
  system = currents_system_new_from_model (model);
  m = currents_system_get_model (system);
  exercise_system (system, seed);

  n = currents_model_get_n_states (m);
  n_aux = currents_model_get_n_aux (m);
  if (n <= FUZZ_MAX_STATES && n_aux <= FUZZ_MAX_STATES)
    {
      CurrentsField *field = currents_model_get_field (m);
      g_autoptr (CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
      g_autofree double *x = g_new0 (double, MAX (n, 1));
      g_autofree double *aux = g_new0 (double, MAX (n_aux, 1));
      const double *x0 = currents_model_get_initial (m);
      const double *p = currents_model_get_params (m);

      for (gsize i = 0; i < n; i++)
        x[i] = next_value (&seed, x0[i]);
      if (n_aux > 0)
        currents_model_eval_aux (m, ws, next_value (&seed, 0.0), x,
                                 currents_model_get_input_defaults (m), p, aux);
      for (gsize i = 0; i < currents_model_get_n_conserved (m); i++)
        (void) currents_model_eval_conserved (m, i, x);
      (void) currents_model_eval_energy (m, x, p);
    }
  return TRUE;
}

/* --------------------------------------------------------------------------------------- */
/* Trained models, workspaces, ensembles                                                    */

gboolean
fuzz_read_trained (const guint8 *data,
                   gsize         size,
                   GError      **error)
{
  g_autoptr (CurrentsSystem) system = NULL;
  g_autoptr (CurrentsTrainedModel) again = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *json = NULL;
  CurrentsTrainedModel *tm;

  tm = currents_trained_model_load_from_data ((const char *) data, size, "fuzz.json", error);
  if (tm == NULL)
    return FALSE;
  json = currents_trained_model_to_data (tm);
  system = currents_system_new_from_trained (tm);
  exercise_system (system, hash_bytes (data, size));

  again = currents_trained_model_load_from_data (json, -1, "round-trip.json", &local);
  if (again == NULL)
    fuzz_fail ("a trained model written back does not read again: %s", local->message);
  return TRUE;
}

gboolean
fuzz_read_workspace (const guint8 *data,
                     gsize         size,
                     GError      **error)
{
  g_autoptr (CurrentsWorkspace) ws = NULL;
  g_autoptr (CurrentsWorkspace) again = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *json = NULL;

  ws = currents_workspace_new_from_data ((const char *) data, size, NULL, error);
  if (ws == NULL)
    return FALSE;

  /* Referenced data files are not followed: a fuzzed path may name any file. */
  for (gsize i = 0; i < currents_workspace_get_n_datasets (ws); i++)
    if (currents_workspace_get_dataset (ws, i)->csv != NULL)
      {
        g_autoptr (GError) e = NULL;
        g_autofree char *text = NULL;
        g_autoptr (CurrentsDataset) ds = currents_workspace_load_dataset (ws, i, NULL, &text,
                                                                          &e);
        if (ds == NULL)
          fuzz_check_error (e);
      }
  for (gsize i = 0; i < currents_workspace_get_n_models (ws); i++)
    if (currents_workspace_get_model (ws, i)->kind != CURRENTS_WORKSPACE_MODEL_NEURAL)
      {
        g_autoptr (GError) e = NULL;
        g_autoptr (CurrentsModel) model = currents_workspace_load_model (ws, i, &e);

        if (model == NULL)
          fuzz_check_error (e);
      }
  for (gsize i = 0; i < currents_workspace_get_n_trained (ws); i++)
    {
      g_autoptr (GError) e = NULL;
      CurrentsTrainedModel *tm = currents_workspace_load_trained (ws, i, &e);

      if (tm == NULL)
        fuzz_check_error (e);
      else
        {
          g_autoptr (CurrentsSystem) system = currents_system_new_from_trained (tm);

          exercise_system (system, hash_bytes (data, size) + i);
        }
    }

  json = currents_workspace_to_data (ws, NULL);
  again = currents_workspace_new_from_data (json, -1, NULL, &local);
  if (again == NULL)
    fuzz_fail ("a workspace written back does not read again: %s", local->message);
  return TRUE;
}

/* An ensemble file carries a SHA-256 of its members, which no mutation gets right: most
 * inputs (by their hash) have it recomputed, so mutations reach the members' reader;
 * the rest test the check itself. NULL when the text is left as it is. */
static char *
fix_members_sha256 (const guint8 *data,
                    gsize         size)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *invalid = NULL;
  g_autofree char *members_text = NULL;
  g_autofree char *sum = NULL;
  g_autoptr (JsonNode) root = NULL;
  CurrentsJsonReader rd = { .name = "fuzz", .error = NULL };
  JsonObject *obj;
  JsonNode *members;

  if (hash_bytes (data, size) % 8 == 0)
    return NULL;
  obj = currents_json_parse_object (&rd, parser, (const char *) data, size, "an ensemble",
                                    &invalid);
  if (obj == NULL || (members = json_object_get_member (obj, "members")) == NULL)
    return NULL;
  members_text = currents_json_to_string (members);
  sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, members_text, -1);
  json_object_set_string_member (obj, "members_sha256", sum);
  root = json_node_new (JSON_NODE_OBJECT);
  json_node_set_object (root, obj);
  return currents_json_to_string (root);
}

gboolean
fuzz_read_ensemble (const guint8 *data,
                    gsize         size,
                    GError      **error)
{
  g_autoptr (CurrentsEnsemble) ens = NULL;
  g_autoptr (CurrentsEnsemble) again = NULL;
  g_autoptr (GError) local = NULL;
  g_autofree char *json = NULL;
  g_autofree char *fixed = fix_members_sha256 (data, size);

  if (fixed != NULL)
    ens = currents_ensemble_load_from_data (fixed, -1, "fuzz.json", error);
  else
    ens = currents_ensemble_load_from_data ((const char *) data, size, "fuzz.json", error);
  if (ens == NULL)
    return FALSE;
  for (gsize k = 0; k < currents_ensemble_get_n_members (ens); k++)
    {
      g_autoptr (CurrentsSystem) system = currents_ensemble_new_system (ens, k);
      gsize n_boot;

      (void) currents_ensemble_get_bootstrap (ens, k, &n_boot);
      exercise_system (system, hash_bytes (data, size) + k);
    }

  json = currents_ensemble_to_data (ens);
  again = currents_ensemble_load_from_data (json, -1, "round-trip.json", &local);
  if (again == NULL)
    fuzz_fail ("an ensemble written back does not read again: %s", local->message);
  if (currents_ensemble_get_n_members (again) != currents_ensemble_get_n_members (ens))
    fuzz_fail ("an ensemble written back reads with another member count");
  return TRUE;
}

FuzzReader
fuzz_reader_lookup (const char *name)
{
  static const struct { const char *name; FuzzReader read; } readers[] = {
    { "csv", fuzz_read_csv },
    { "ode", fuzz_read_ode },
    { "trained", fuzz_read_trained },
    { "workspace", fuzz_read_workspace },
    { "ensemble", fuzz_read_ensemble },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (readers); i++)
    if (g_strcmp0 (readers[i].name, name) == 0)
      return readers[i].read;
  return NULL;
}
