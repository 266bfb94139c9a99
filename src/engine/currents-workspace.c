/* currents-workspace.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The workspace file format (see currents-workspace.h). Reading checks everything a
 * later step would trip over — types, names, checksums of embedded data, trained models
 * — so a workspace that opens can be shown; a referenced data file is read and checked
 * only when it is loaded, since it lives outside the workspace.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-workspace"

#include <stdio.h>
#include <string.h>

#include "currents-error-private.h"
#include "currents-error.h"
#include "currents-json.h"
#include "currents-mlp.h"
#include "currents-version.h"
#include "currents-workspace.h"

/* Wider than any network anyone trains here; guards against absurd allocations. */
#define MAX_HIDDEN_WIDTH 65536

struct _CurrentsWorkspace
{
  GPtrArray  *datasets;   /* of CurrentsWorkspaceDataset */
  GPtrArray  *models;     /* of CurrentsWorkspaceModel */
  GPtrArray  *trained;    /* of CurrentsWorkspaceTrained */
  char       *active_dataset;
  char       *active_model;
  char       *active_trained;
  JsonObject *view;
};


/* ------------------------------------------------------------------------------------ */
/* Entries                                                                              */

static void
dataset_entry_free (gpointer data)
{
  CurrentsWorkspaceDataset *e = data;

  g_free (e->name);
  g_free (e->csv);
  g_free (e->path);
  g_free (e->relative_path);
  g_free (e->sha256);
  g_free (e->time_column);
  g_free (e->trajectory_column);
  g_strfreev (e->input_columns);
  g_strfreev (e->ignore_columns);
  g_strfreev (e->log_inputs);
  g_free (e);
}

static CurrentsWorkspaceDataset *
dataset_entry_copy (const CurrentsWorkspaceDataset *src)
{
  CurrentsWorkspaceDataset *e = g_new0 (CurrentsWorkspaceDataset, 1);

  e->name = g_strdup (src->name);
  e->csv = g_strdup (src->csv);
  e->path = g_strdup (src->path);
  e->relative_path = g_strdup (src->relative_path);
  e->sha256 = g_strdup (src->sha256);
  e->time_column = g_strdup (src->time_column);
  e->trajectory_column = g_strdup (src->trajectory_column);
  e->input_columns = g_strdupv (src->input_columns);
  e->ignore_columns = g_strdupv (src->ignore_columns);
  e->log_inputs = g_strdupv (src->log_inputs);
  e->constant_inputs = src->constant_inputs;
  return e;
}

static void
model_entry_free (gpointer data)
{
  CurrentsWorkspaceModel *e = data;

  g_free (e->name);
  g_free (e->path);
  g_free (e->source);
  g_free (e->dataset);
  g_strfreev (e->log_inputs);
  g_free (e);
}

static CurrentsWorkspaceModel *
model_entry_copy (const CurrentsWorkspaceModel *src)
{
  CurrentsWorkspaceModel *e = g_new0 (CurrentsWorkspaceModel, 1);

  *e = *src;
  e->name = g_strdup (src->name);
  e->path = g_strdup (src->path);
  e->source = g_strdup (src->source);
  e->dataset = g_strdup (src->dataset);
  e->log_inputs = g_strdupv (src->log_inputs);
  return e;
}

static void
trained_entry_free (gpointer data)
{
  CurrentsWorkspaceTrained *e = data;

  g_free (e->name);
  g_free (e->model);
  g_free (e->dataset);
  g_free (e->json);
  g_free (e);
}

static CurrentsWorkspaceTrained *
trained_entry_copy (const CurrentsWorkspaceTrained *src)
{
  CurrentsWorkspaceTrained *e = g_new0 (CurrentsWorkspaceTrained, 1);

  e->name = g_strdup (src->name);
  e->model = g_strdup (src->model);
  e->dataset = g_strdup (src->dataset);
  e->json = g_strdup (src->json);
  return e;
}

/**
 * currents_workspace_new:
 *
 * Returns: (transfer full): an empty workspace
 */
CurrentsWorkspace *
currents_workspace_new (void)
{
  CurrentsWorkspace *ws = g_new0 (CurrentsWorkspace, 1);

  ws->datasets = g_ptr_array_new_with_free_func (dataset_entry_free);
  ws->models = g_ptr_array_new_with_free_func (model_entry_free);
  ws->trained = g_ptr_array_new_with_free_func (trained_entry_free);
  ws->view = json_object_new ();
  return ws;
}

/**
 * currents_workspace_copy:
 * @ws: a workspace
 *
 * Returns: (transfer full): a deep copy (for a worker thread, say)
 */
CurrentsWorkspace *
currents_workspace_copy (const CurrentsWorkspace *ws)
{
  CurrentsWorkspace *copy;

  g_return_val_if_fail (ws != NULL, NULL);

  copy = currents_workspace_new ();
  for (guint i = 0; i < ws->datasets->len; i++)
    g_ptr_array_add (copy->datasets, dataset_entry_copy (g_ptr_array_index (ws->datasets, i)));
  for (guint i = 0; i < ws->models->len; i++)
    g_ptr_array_add (copy->models, model_entry_copy (g_ptr_array_index (ws->models, i)));
  for (guint i = 0; i < ws->trained->len; i++)
    g_ptr_array_add (copy->trained, trained_entry_copy (g_ptr_array_index (ws->trained, i)));
  copy->active_dataset = g_strdup (ws->active_dataset);
  copy->active_model = g_strdup (ws->active_model);
  copy->active_trained = g_strdup (ws->active_trained);

  json_object_unref (copy->view);
  copy->view = currents_json_object_deep_copy (ws->view);
  return copy;
}

/**
 * currents_workspace_free:
 * @ws: (nullable): a workspace
 */
void
currents_workspace_free (CurrentsWorkspace *ws)
{
  if (ws == NULL)
    return;
  g_ptr_array_unref (ws->datasets);
  g_ptr_array_unref (ws->models);
  g_ptr_array_unref (ws->trained);
  g_free (ws->active_dataset);
  g_free (ws->active_model);
  g_free (ws->active_trained);
  json_object_unref (ws->view);
  g_free (ws);
}

/* ------------------------------------------------------------------------------------ */
/* Checking entries                                                                     */

static gboolean
is_sha256 (const char *s)
{
  if (s == NULL || strlen (s) != 64)
    return FALSE;
  for (const char *c = s; *c != '\0'; c++)
    if (!g_ascii_isdigit (*c) && !(*c >= 'a' && *c <= 'f'))
      return FALSE;
  return TRUE;
}

static gboolean
valid_name (const char *name)
{
  return name != NULL && name[0] != '\0' && g_utf8_validate (name, -1, NULL);
}

static gboolean
valid_strv (char **v)
{
  for (gsize i = 0; v != NULL && v[i] != NULL; i++)
    if (!g_utf8_validate (v[i], -1, NULL))
      return FALSE;
  return TRUE;
}

static gboolean
valid_text (const char *s)
{
  return s == NULL || g_utf8_validate (s, -1, NULL);
}

/* The shortest unambiguous form of a checksum in a message. */
static char *
short_sum (const char *sha256)
{
  return g_strndup (sha256 != NULL ? sha256 : "", 12);
}

/* Checks @e; fills in its SHA-256 from the embedded text when missing. The message
 * is about the entry itself; callers prefix where it came from. */
static gboolean
check_dataset (gpointer   entry,
               char     **message)
{
  CurrentsWorkspaceDataset *e = entry;

  if (!valid_name (e->name))
    {
      *message = g_strdup ("a data set needs a name (non-empty UTF-8 text)");
      return FALSE;
    }
  if (!valid_text (e->path) || !valid_text (e->relative_path) || !valid_text (e->time_column)
      || !valid_text (e->trajectory_column) || !valid_strv (e->input_columns)
      || !valid_strv (e->ignore_columns) || !valid_strv (e->log_inputs))
    {
      *message = g_strdup ("names and paths must be UTF-8 text");
      return FALSE;
    }
  if (e->csv == NULL && e->path == NULL)
    {
      *message = g_strdup ("it has neither embedded CSV text nor a path");
      return FALSE;
    }
  if (e->csv != NULL)
    {
      g_autofree char *sum = NULL;

      if (!g_utf8_validate (e->csv, -1, NULL))
        {
          *message = g_strdup ("the embedded CSV text is not valid UTF-8");
          return FALSE;
        }
      sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, e->csv, -1);
      if (e->sha256 == NULL)
        e->sha256 = g_steal_pointer (&sum);
      else if (g_ascii_strcasecmp (e->sha256, sum) != 0)
        {
          g_autofree char *want = short_sum (e->sha256), *have = short_sum (sum);

          *message = g_strdup_printf ("the embedded CSV text does not match its SHA-256 "
                                      "(%s… recorded, %s… found); the file is damaged",
                                      want, have);
          return FALSE;
        }
    }
  if (!is_sha256 (e->sha256))
    {
      *message = g_strdup_printf ("expected a SHA-256 checksum (64 lower-case hex digits), "
                                  "found %s%s%s",
                                  e->sha256 != NULL ? "'" : "",
                                  e->sha256 != NULL ? e->sha256 : "none",
                                  e->sha256 != NULL ? "'" : "");
      return FALSE;
    }
  return TRUE;
}

static gboolean
check_model (gpointer   entry,
             char     **message)
{
  const CurrentsWorkspaceModel *e = entry;

  if (!valid_name (e->name))
    {
      *message = g_strdup ("a model needs a name (non-empty UTF-8 text)");
      return FALSE;
    }
  if (!valid_text (e->path) || !valid_text (e->dataset) || !valid_strv (e->log_inputs))
    {
      *message = g_strdup ("names and paths must be UTF-8 text");
      return FALSE;
    }
  switch (e->kind)
    {
    case CURRENTS_WORKSPACE_MODEL_EQUATION:
    case CURRENTS_WORKSPACE_MODEL_HYBRID:
      if (e->source == NULL || !g_utf8_validate (e->source, -1, NULL))
        {
          *message = g_strdup_printf ("%s model needs its source text (UTF-8)",
                                      e->kind == CURRENTS_WORKSPACE_MODEL_HYBRID
                                      ? "a hybrid" : "an equation");
          return FALSE;
        }
      return TRUE;

    case CURRENTS_WORKSPACE_MODEL_NEURAL:
      if (e->n_hidden < 1 || e->n_hidden > CURRENTS_NEURAL_MAX_LAYERS)
        {
          *message = g_strdup_printf ("a neural model needs 1 to %d hidden layers, not %"
                                      G_GSIZE_FORMAT,
                                      CURRENTS_NEURAL_MAX_LAYERS, e->n_hidden);
          return FALSE;
        }
      for (gsize l = 0; l < e->n_hidden; l++)
        if (e->hidden[l] < 1 || e->hidden[l] > MAX_HIDDEN_WIDTH)
          {
            *message = g_strdup_printf ("hidden layer %" G_GSIZE_FORMAT " has width %"
                                        G_GSIZE_FORMAT " (expected 1 to %d)",
                                        l + 1, e->hidden[l], MAX_HIDDEN_WIDTH);
            return FALSE;
          }
      if (currents_activation_to_string (e->activation) == NULL)
        {
          *message = g_strdup ("unknown activation");
          return FALSE;
        }
      return TRUE;

    default:
      *message = g_strdup_printf ("unknown kind %d", (int) e->kind);
      return FALSE;
    }
}

static gboolean
check_trained (gpointer   entry,
               char     **message)
{
  const CurrentsWorkspaceTrained *e = entry;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  g_autoptr(GError) error = NULL;

  if (!valid_name (e->name))
    {
      *message = g_strdup ("a trained model needs a name (non-empty UTF-8 text)");
      return FALSE;
    }
  if (!valid_text (e->model) || !valid_text (e->dataset))
    {
      *message = g_strdup ("names must be UTF-8 text");
      return FALSE;
    }
  if (e->json == NULL)
    {
      *message = g_strdup ("it has no model text");
      return FALSE;
    }
  tm = currents_trained_model_load_from_data (e->json, -1, e->name, &error);
  if (tm == NULL)
    {
      *message = g_strdup (error->message);
      return FALSE;
    }
  return TRUE;
}

static int
find_entry (GPtrArray  *array,
            const char *name)
{
  for (guint i = 0; name != NULL && i < array->len; i++)
    if (strcmp (*(char **) g_ptr_array_index (array, i), name) == 0)
      return (int) i;
  return -1;
}

/* Puts @entry (owned) in place of the entry of the same name, or at the end. */
static void
replace_entry (GPtrArray      *array,
               gpointer        entry,
               GDestroyNotify  free_func)
{
  int i = find_entry (array, *(char **) entry);

  if (i < 0)
    {
      g_ptr_array_add (array, entry);
      return;
    }
  free_func (array->pdata[i]);
  array->pdata[i] = entry;
}

/* Sets an INVALID_ARGUMENT error "@what '@name': @message" (takes @message). */
static gboolean
invalid (GError    **error,
         const char *what,
         const char *name,
         char       *message)
{
  if (what != NULL && valid_name (name))
    g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                 "%s '%s': %s", what, name, message);
  else
    g_set_error_literal (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                         message);
  g_free (message);
  return FALSE;
}

/* What the three lists of a workspace have in common: their key in the file, what an
 * entry is called in messages, and how one is checked and freed. */
typedef struct
{
  const char     *list;
  const char     *what;
  gboolean      (*check) (gpointer entry, char **message);
  GDestroyNotify  free;
} EntryKind;

static const EntryKind datasets_kind = { "datasets", "data set", check_dataset,
                                         dataset_entry_free };
static const EntryKind models_kind = { "models", "model", check_model, model_entry_free };
static const EntryKind trained_kind = { "trained", "trained model", check_trained,
                                        trained_entry_free };

/* Checks @e (owned) and puts it in place of its namesake in @array, or at the end; on
 * failure frees it and sets an INVALID_ARGUMENT error. */
static gboolean
store_entry (GPtrArray        *array,
             const EntryKind  *kind,
             gpointer          e,
             GError          **error)
{
  char *message = NULL;

  if (!kind->check (e, &message))
    {
      invalid (error, kind->what, *(char **) e, message);
      kind->free (e);
      return FALSE;
    }
  replace_entry (array, e, kind->free);
  return TRUE;
}

/**
 * currents_workspace_set_dataset:
 * @ws: a workspace
 * @entry: the data set: a name, the embedded text or a path with its SHA-256
 * @error: return location for a %CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT error
 *
 * Adds a copy of @entry, or replaces the data set of the same name in its place.
 * When @entry has embedded text and no SHA-256, the checksum is computed.
 *
 * Returns: %TRUE on success; on error @ws is unchanged
 */
gboolean
currents_workspace_set_dataset (CurrentsWorkspace              *ws,
                                const CurrentsWorkspaceDataset *entry,
                                GError                        **error)
{
  g_return_val_if_fail (ws != NULL && entry != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return store_entry (ws->datasets, &datasets_kind, dataset_entry_copy (entry), error);
}

/**
 * currents_workspace_set_model:
 * @ws: a workspace
 * @entry: the model: a name and its source, or a neural architecture
 * @error: return location for a %CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT error
 *
 * Adds a copy of @entry, or replaces the model of the same name in its place. A source
 * that does not compile is kept (it may be work in progress).
 *
 * Returns: %TRUE on success; on error @ws is unchanged
 */
gboolean
currents_workspace_set_model (CurrentsWorkspace            *ws,
                              const CurrentsWorkspaceModel *entry,
                              GError                      **error)
{
  g_return_val_if_fail (ws != NULL && entry != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return store_entry (ws->models, &models_kind, model_entry_copy (entry), error);
}

/**
 * currents_workspace_set_trained:
 * @ws: a workspace
 * @entry: the trained model: a name and its file text
 * @error: return location for a %CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT error
 *
 * Adds a copy of @entry, or replaces the trained model of the same name in its place.
 * The text must load with currents_trained_model_load_from_data().
 *
 * Returns: %TRUE on success; on error @ws is unchanged
 */
gboolean
currents_workspace_set_trained (CurrentsWorkspace              *ws,
                                const CurrentsWorkspaceTrained *entry,
                                GError                        **error)
{
  g_return_val_if_fail (ws != NULL && entry != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return store_entry (ws->trained, &trained_kind, trained_entry_copy (entry), error);
}

gsize
currents_workspace_get_n_datasets (const CurrentsWorkspace *ws)
{
  g_return_val_if_fail (ws != NULL, 0);
  return ws->datasets->len;
}

gsize
currents_workspace_get_n_models (const CurrentsWorkspace *ws)
{
  g_return_val_if_fail (ws != NULL, 0);
  return ws->models->len;
}

gsize
currents_workspace_get_n_trained (const CurrentsWorkspace *ws)
{
  g_return_val_if_fail (ws != NULL, 0);
  return ws->trained->len;
}

const CurrentsWorkspaceDataset *
currents_workspace_get_dataset (const CurrentsWorkspace *ws,
                                gsize                    i)
{
  g_return_val_if_fail (ws != NULL && i < ws->datasets->len, NULL);
  return g_ptr_array_index (ws->datasets, i);
}

const CurrentsWorkspaceModel *
currents_workspace_get_model (const CurrentsWorkspace *ws,
                              gsize                    i)
{
  g_return_val_if_fail (ws != NULL && i < ws->models->len, NULL);
  return g_ptr_array_index (ws->models, i);
}

const CurrentsWorkspaceTrained *
currents_workspace_get_trained (const CurrentsWorkspace *ws,
                                gsize                    i)
{
  g_return_val_if_fail (ws != NULL && i < ws->trained->len, NULL);
  return g_ptr_array_index (ws->trained, i);
}

int
currents_workspace_find_dataset (const CurrentsWorkspace *ws,
                                 const char              *name)
{
  g_return_val_if_fail (ws != NULL, -1);
  return find_entry (ws->datasets, name);
}

int
currents_workspace_find_model (const CurrentsWorkspace *ws,
                               const char              *name)
{
  g_return_val_if_fail (ws != NULL, -1);
  return find_entry (ws->models, name);
}

int
currents_workspace_find_trained (const CurrentsWorkspace *ws,
                                 const char              *name)
{
  g_return_val_if_fail (ws != NULL, -1);
  return find_entry (ws->trained, name);
}

static gboolean
remove_entry (GPtrArray   *array,
              const char  *name,
              char       **active)
{
  int i = find_entry (array, name);

  if (i < 0)
    return FALSE;
  if (g_strcmp0 (*active, name) == 0)
    g_clear_pointer (active, g_free);
  g_ptr_array_remove_index (array, i);
  return TRUE;
}

gboolean
currents_workspace_remove_dataset (CurrentsWorkspace *ws,
                                   const char        *name)
{
  g_return_val_if_fail (ws != NULL, FALSE);
  return remove_entry (ws->datasets, name, &ws->active_dataset);
}

gboolean
currents_workspace_remove_model (CurrentsWorkspace *ws,
                                 const char        *name)
{
  g_return_val_if_fail (ws != NULL, FALSE);
  return remove_entry (ws->models, name, &ws->active_model);
}

gboolean
currents_workspace_remove_trained (CurrentsWorkspace *ws,
                                   const char        *name)
{
  g_return_val_if_fail (ws != NULL, FALSE);
  return remove_entry (ws->trained, name, &ws->active_trained);
}

/**
 * currents_workspace_set_active:
 * @ws: a workspace
 * @dataset: (nullable): the data set shown
 * @model: (nullable): the model shown
 * @trained: (nullable): the trained model shown
 * @error: return location for a %CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT error
 *
 * Returns: %TRUE when each name is that of an entry; on error @ws is unchanged
 */
gboolean
currents_workspace_set_active (CurrentsWorkspace  *ws,
                               const char         *dataset,
                               const char         *model,
                               const char         *trained,
                               GError            **error)
{
  g_return_val_if_fail (ws != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (dataset != NULL && find_entry (ws->datasets, dataset) < 0)
    return invalid (error, NULL, NULL, g_strdup_printf ("no data set named '%s'", dataset));
  if (model != NULL && find_entry (ws->models, model) < 0)
    return invalid (error, NULL, NULL, g_strdup_printf ("no model named '%s'", model));
  if (trained != NULL && find_entry (ws->trained, trained) < 0)
    return invalid (error, NULL, NULL,
                    g_strdup_printf ("no trained model named '%s'", trained));

  /* The names may be the current ones: copy before freeing. */
  {
    char *d = g_strdup (dataset), *m = g_strdup (model), *t = g_strdup (trained);

    g_free (ws->active_dataset);
    g_free (ws->active_model);
    g_free (ws->active_trained);
    ws->active_dataset = d;
    ws->active_model = m;
    ws->active_trained = t;
  }
  return TRUE;
}

const char *
currents_workspace_get_active_dataset (const CurrentsWorkspace *ws)
{
  g_return_val_if_fail (ws != NULL, NULL);
  return ws->active_dataset;
}

const char *
currents_workspace_get_active_model (const CurrentsWorkspace *ws)
{
  g_return_val_if_fail (ws != NULL, NULL);
  return ws->active_model;
}

const char *
currents_workspace_get_active_trained (const CurrentsWorkspace *ws)
{
  g_return_val_if_fail (ws != NULL, NULL);
  return ws->active_trained;
}

JsonObject *
currents_workspace_get_view (CurrentsWorkspace *ws)
{
  g_return_val_if_fail (ws != NULL, NULL);
  return ws->view;
}


void
currents_workspace_set_view (CurrentsWorkspace *ws,
                             JsonObject        *view)
{
  JsonObject *copy;

  g_return_if_fail (ws != NULL);

  copy = view != NULL ? currents_json_object_deep_copy (view) : json_object_new ();
  json_object_unref (ws->view);
  ws->view = copy;
}

const char *
currents_workspace_model_kind_to_string (CurrentsWorkspaceModelKind kind)
{
  switch (kind)
    {
    case CURRENTS_WORKSPACE_MODEL_EQUATION: return "equation";
    case CURRENTS_WORKSPACE_MODEL_HYBRID: return "hybrid";
    case CURRENTS_WORKSPACE_MODEL_NEURAL: return "neural";
    default: return NULL;
    }
}

void
currents_workspace_dataset_get_csv_options (const CurrentsWorkspaceDataset *entry,
                                            CurrentsCsvOptions             *options)
{
  g_return_if_fail (entry != NULL && options != NULL);

  memset (options, 0, sizeof *options);
  options->input_columns = (const char *const *) entry->input_columns;
  options->ignore_columns = (const char *const *) entry->ignore_columns;
  options->constant_inputs = entry->constant_inputs;
  options->time_column = entry->time_column;
  options->trajectory_column = entry->trajectory_column;
}

void
currents_workspace_model_get_spec (const CurrentsWorkspaceModel *entry,
                                   CurrentsNeuralSpec           *spec)
{
  g_return_if_fail (entry != NULL && spec != NULL);

  currents_neural_spec_init (spec);
  if (entry->kind != CURRENTS_WORKSPACE_MODEL_NEURAL)
    return;
  spec->n_hidden = entry->n_hidden;
  for (gsize l = 0; l < entry->n_hidden && l < CURRENTS_NEURAL_MAX_LAYERS; l++)
    spec->hidden[l] = entry->hidden[l];
  spec->activation = entry->activation;
  spec->seed = entry->seed;
  spec->log_inputs = (const char *const *) entry->log_inputs;
}

/* ------------------------------------------------------------------------------------ */
/* Writing                                                                              */

/* @target relative to the directory @dir (both absolute), with "../" where needed. */
static char *
relative_to (const char *dir,
             const char *target)
{
  g_autofree char *cdir = g_canonicalize_filename (dir, NULL);
  g_autofree char *ctarget = g_canonicalize_filename (target, NULL);
  g_auto(GStrv) a = g_strsplit (cdir, G_DIR_SEPARATOR_S, -1);
  g_auto(GStrv) b = g_strsplit (ctarget, G_DIR_SEPARATOR_S, -1);
  g_autoptr(GPtrArray) parts = g_ptr_array_new ();
  guint na = g_strv_length (a), nb = g_strv_length (b), common = 0;

  /* The root's empty first component is shared by every absolute path. */
  while (common < na && common < nb && strcmp (a[common], b[common]) == 0)
    common++;
  if (common == 0)
    return NULL;
  for (guint i = common; i < na; i++)
    if (a[i][0] != '\0')
      g_ptr_array_add (parts, "..");
  for (guint i = common; i < nb; i++)
    g_ptr_array_add (parts, b[i]);
  if (parts->len == 0)
    return NULL;
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (G_DIR_SEPARATOR_S, (char **) parts->pdata);
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

static JsonArray *
string_array (char **v)
{
  JsonArray *arr = json_array_new ();

  for (gsize i = 0; v != NULL && v[i] != NULL; i++)
    json_array_add_string_element (arr, v[i]);
  return arr;
}

static JsonNode *
workspace_to_node (const CurrentsWorkspace *ws,
                   const char              *path)
{
  JsonObject *root = json_object_new ();
  JsonArray *datasets = json_array_new ();
  JsonArray *models = json_array_new ();
  JsonArray *trained = json_array_new ();
  JsonObject *active = json_object_new ();
  g_autofree char *program = g_strdup_printf ("currents %s", currents_engine_version ());
  g_autofree char *dir = NULL;
  JsonNode *node;

  if (path != NULL)
    {
      g_autofree char *abs = g_canonicalize_filename (path, NULL);

      dir = g_path_get_dirname (abs);
    }

  json_object_set_string_member (root, "format", CURRENTS_WORKSPACE_FORMAT);
  json_object_set_int_member (root, "version", CURRENTS_WORKSPACE_VERSION);
  json_object_set_string_member (root, "program", program);

  for (guint i = 0; i < ws->datasets->len; i++)
    {
      const CurrentsWorkspaceDataset *e = g_ptr_array_index (ws->datasets, i);
      JsonObject *obj = json_object_new ();
      JsonObject *roles = json_object_new ();

      json_object_set_string_member (obj, "name", e->name);
      json_object_set_string_member (obj, "sha256", e->sha256);
      set_string_or_null (obj, "path", e->path);
      if (e->csv == NULL)
        {
          g_autofree char *rel = NULL;

          if (dir != NULL && e->path != NULL && g_path_is_absolute (e->path))
            rel = relative_to (dir, e->path);
          set_string_or_null (obj, "relative_path", rel != NULL ? rel : e->relative_path);
        }
      set_string_or_null (roles, "time", e->time_column);
      set_string_or_null (roles, "trajectory", e->trajectory_column);
      json_object_set_array_member (roles, "inputs", string_array (e->input_columns));
      json_object_set_array_member (roles, "ignore", string_array (e->ignore_columns));
      json_object_set_array_member (roles, "log_inputs", string_array (e->log_inputs));
      json_object_set_boolean_member (roles, "constant_inputs", e->constant_inputs);
      json_object_set_object_member (obj, "roles", roles);
      /* The text last: the short fields stay at the top where a reader sees them. */
      if (e->csv != NULL)
        json_object_set_string_member (obj, "csv", e->csv);
      json_array_add_object_element (datasets, obj);
    }
  json_object_set_array_member (root, "datasets", datasets);

  for (guint i = 0; i < ws->models->len; i++)
    {
      const CurrentsWorkspaceModel *e = g_ptr_array_index (ws->models, i);
      JsonObject *obj = json_object_new ();

      json_object_set_string_member (obj, "name", e->name);
      json_object_set_string_member (obj, "kind",
                                     currents_workspace_model_kind_to_string (e->kind));
      set_string_or_null (obj, "path", e->path);
      if (e->kind == CURRENTS_WORKSPACE_MODEL_NEURAL)
        {
          JsonObject *arch = json_object_new ();
          JsonArray *hidden = json_array_new ();

          for (gsize l = 0; l < e->n_hidden; l++)
            json_array_add_int_element (hidden, (gint64) e->hidden[l]);
          json_object_set_array_member (arch, "hidden", hidden);
          json_object_set_string_member (arch, "activation",
                                         currents_activation_to_string (e->activation));
          /* A string: a 64-bit seed does not survive a trip through a double. */
          {
            g_autofree char *seed = g_strdup_printf ("%" G_GUINT64_FORMAT, e->seed);

            json_object_set_string_member (arch, "seed", seed);
          }
          json_object_set_array_member (arch, "log_inputs", string_array (e->log_inputs));
          json_object_set_object_member (obj, "architecture", arch);
          set_string_or_null (obj, "dataset", e->dataset);
        }
      else
        json_object_set_string_member (obj, "source", e->source);
      json_array_add_object_element (models, obj);
    }
  json_object_set_array_member (root, "models", models);

  for (guint i = 0; i < ws->trained->len; i++)
    {
      const CurrentsWorkspaceTrained *e = g_ptr_array_index (ws->trained, i);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *obj = json_object_new ();

      json_object_set_string_member (obj, "name", e->name);
      set_string_or_null (obj, "model", e->model);
      set_string_or_null (obj, "dataset", e->dataset);
      /* Checked when it was set, so it parses. */
      if (json_parser_load_from_data (parser, e->json, -1, NULL)
          && json_parser_get_root (parser) != NULL)
        json_object_set_member (obj, "trained", json_node_copy (json_parser_get_root (parser)));
      else
        json_object_set_null_member (obj, "trained");
      json_array_add_object_element (trained, obj);
    }
  json_object_set_array_member (root, "trained", trained);

  set_string_or_null (active, "dataset", ws->active_dataset);
  set_string_or_null (active, "model", ws->active_model);
  set_string_or_null (active, "trained", ws->active_trained);
  json_object_set_object_member (root, "active", active);
  json_object_set_object_member (root, "view", currents_json_object_deep_copy (ws->view));

  node = json_node_new (JSON_NODE_OBJECT);
  json_node_take_object (node, root);
  return node;
}

/**
 * currents_workspace_to_data:
 * @ws: a workspace
 * @path: (nullable): the file the text is for: references to data files are written
 *   relative to its directory too
 *
 * Returns: (transfer full): the workspace's JSON text (no non-finite number in it)
 */
char *
currents_workspace_to_data (const CurrentsWorkspace *ws,
                            const char              *path)
{
  g_autoptr(JsonNode) node = NULL;

  g_return_val_if_fail (ws != NULL, NULL);

  node = workspace_to_node (ws, path);
  return currents_json_to_string (node);
}

/**
 * currents_workspace_save:
 * @ws: a workspace
 * @path: the file to write
 * @error: return location for a %CURRENTS_ENGINE_ERROR_IO error
 *
 * Writes @ws atomically: a crash leaves the old file or the new one, never half of it.
 *
 * Returns: %TRUE on success
 */
gboolean
currents_workspace_save (const CurrentsWorkspace  *ws,
                         const char               *path,
                         GError                  **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (ws != NULL && path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  text = currents_workspace_to_data (ws, path);
  if (!g_file_set_contents (path, text, -1, &local))
    {
      _currents_error_set_save (error, path, "workspace", local);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Reading                                                                              */

/* What a member that may be missing or null gives: NULL. */
#define ABSENT_OR_NULL (CURRENTS_JSON_OPTIONAL | CURRENTS_JSON_NULLABLE)

/* A copy of a string member; NULL for null or, when @optional, absence. */
static char *
dup_string (CurrentsJsonReader *rd,
            JsonObject         *obj,
            const char         *where,
            const char         *key,
            gboolean            optional)
{
  return g_strdup (currents_json_get_string (rd, obj, where, key,
                                             optional ? ABSENT_OR_NULL : CURRENTS_JSON_REQUIRED));
}

/* An optional list of names; NULL when absent or empty. */
static char **
get_names (CurrentsJsonReader *rd,
           JsonObject         *obj,
           const char         *where,
           const char         *key)
{
  char **v = currents_json_get_strings (rd, obj, where, key, CURRENTS_JSON_OPTIONAL);

  if (v != NULL && v[0] == NULL)
    g_clear_pointer (&v, g_strfreev);
  return v;
}

/* Each entry of a list as an object, with where it is ("datasets[2] 'toggle.csv'"). */
static JsonObject *
list_entry (CurrentsJsonReader  *rd,
            JsonArray           *arr,
            const char          *list,
            guint                i,
            char               **where)
{
  JsonNode *node = json_array_get_element (arr, i);
  JsonNode *name;

  *where = g_strdup_printf ("%s[%u]", list, i);
  if (!JSON_NODE_HOLDS_OBJECT (node))
    {
      currents_json_fail (rd, "%s is %s, not an object", *where, currents_json_node_kind (node));
      return NULL;
    }
  name = json_object_get_member (json_node_get_object (node), "name");
  if (name != NULL && JSON_NODE_HOLDS_VALUE (name)
      && json_node_get_value_type (name) == G_TYPE_STRING)
    {
      char *named = g_strdup_printf ("%s ('%s')", *where, json_node_get_string (name));

      g_free (*where);
      *where = named;
    }
  return json_node_get_object (node);
}

/* Reads one entry of a list: a new entry, never NULL, even when @rd has failed. */
typedef gpointer (*ReadEntry) (CurrentsJsonReader *rd,
                               JsonObject         *obj,
                               const char         *where);

/* Reads the list @kind->list of @root into @array: each entry must be an object, be
 * named unlike the ones before it and pass the check. */
static void
read_entries (CurrentsJsonReader *rd,
              JsonObject         *root,
              const EntryKind    *kind,
              ReadEntry           read,
              GPtrArray          *array)
{
  JsonArray *arr = currents_json_get_array (rd, root, "the workspace", kind->list,
                                            CURRENTS_JSON_REQUIRED);

  for (guint i = 0; arr != NULL && i < json_array_get_length (arr) && !rd->failed; i++)
    {
      g_autofree char *where = NULL;
      g_autofree char *message = NULL;
      JsonObject *obj = list_entry (rd, arr, kind->list, i, &where);
      gpointer e;

      if (obj == NULL)
        return;
      e = read (rd, obj, where);
      if (!rd->failed && find_entry (array, *(char **) e) >= 0)
        currents_json_fail (rd, "%s: another %s has the same name", where, kind->what);
      if (!rd->failed && !kind->check (e, &message))
        currents_json_fail (rd, "%s: %s", where, message);
      if (rd->failed)
        {
          kind->free (e);
          return;
        }
      g_ptr_array_add (array, e);
    }
}

static gpointer
read_dataset (CurrentsJsonReader *rd,
              JsonObject         *obj,
              const char         *where)
{
  CurrentsWorkspaceDataset *e = g_new0 (CurrentsWorkspaceDataset, 1);
  JsonObject *roles;

  e->name = dup_string (rd, obj, where, "name", FALSE);
  e->sha256 = dup_string (rd, obj, where, "sha256", FALSE);
  e->path = dup_string (rd, obj, where, "path", TRUE);
  e->relative_path = dup_string (rd, obj, where, "relative_path", TRUE);
  e->csv = dup_string (rd, obj, where, "csv", TRUE);
  roles = currents_json_get_object (rd, obj, where, "roles", CURRENTS_JSON_OPTIONAL);
  if (roles != NULL)
    {
      g_autofree char *in = g_strdup_printf ("%s.roles", where);

      e->time_column = dup_string (rd, roles, in, "time", TRUE);
      e->trajectory_column = dup_string (rd, roles, in, "trajectory", TRUE);
      e->input_columns = get_names (rd, roles, in, "inputs");
      e->ignore_columns = get_names (rd, roles, in, "ignore");
      e->log_inputs = get_names (rd, roles, in, "log_inputs");
      e->constant_inputs = currents_json_get_boolean (rd, roles, in, "constant_inputs",
                                                      CURRENTS_JSON_OPTIONAL);
    }
  if (!rd->failed && e->csv == NULL && e->path == NULL)
    currents_json_fail (rd, "%s: expected the embedded data ('csv') or a referenced file "
                        "('path')", where);
  return e;
}

static gboolean
parse_kind (const char                 *s,
            CurrentsWorkspaceModelKind *kind)
{
  for (int k = CURRENTS_WORKSPACE_MODEL_EQUATION; k <= CURRENTS_WORKSPACE_MODEL_NEURAL; k++)
    if (g_strcmp0 (s, currents_workspace_model_kind_to_string (k)) == 0)
      {
        *kind = k;
        return TRUE;
      }
  return FALSE;
}

static void
read_architecture (CurrentsJsonReader     *rd,
                   JsonObject             *obj,
                   const char             *where,
                   CurrentsWorkspaceModel *e)
{
  g_autofree char *in = g_strdup_printf ("%s.architecture", where);
  JsonObject *arch = currents_json_get_object (rd, obj, where, "architecture",
                                               CURRENTS_JSON_REQUIRED);
  JsonArray *hidden;
  const char *activation, *seed;

  if (arch == NULL)
    return;
  hidden = currents_json_get_array (rd, arch, in, "hidden", CURRENTS_JSON_REQUIRED);
  if (hidden == NULL)
    return;
  e->n_hidden = json_array_get_length (hidden);
  if (e->n_hidden > CURRENTS_NEURAL_MAX_LAYERS)
    {
      currents_json_fail (rd, "%s: %" G_GSIZE_FORMAT " hidden layers (at most %d)", in, e->n_hidden,
                          CURRENTS_NEURAL_MAX_LAYERS);
      return;
    }
  for (gsize l = 0; l < e->n_hidden; l++)
    {
      JsonNode *node = json_array_get_element (hidden, l);

      if (!JSON_NODE_HOLDS_VALUE (node) || json_node_get_value_type (node) != G_TYPE_INT64
          || json_node_get_int (node) < 1 || json_node_get_int (node) > MAX_HIDDEN_WIDTH)
        {
          currents_json_fail (rd, "%s: 'hidden'[%" G_GSIZE_FORMAT "] must be a width from 1 to %d",
                              in, l, MAX_HIDDEN_WIDTH);
          return;
        }
      e->hidden[l] = (gsize) json_node_get_int (node);
    }
  activation = currents_json_get_string (rd, arch, in, "activation", CURRENTS_JSON_REQUIRED);
  if (activation != NULL && !currents_activation_from_string (activation, &e->activation))
    currents_json_fail (rd, "%s: unknown activation '%s'", in, activation);
  seed = currents_json_get_string (rd, arch, in, "seed", ABSENT_OR_NULL);
  if (seed != NULL && !g_ascii_string_to_unsigned (seed, 10, 0, G_MAXUINT64, &e->seed, NULL))
    currents_json_fail (rd, "%s: 'seed' is '%s', not a whole number", in, seed);
  e->log_inputs = get_names (rd, arch, in, "log_inputs");
}

static gpointer
read_model (CurrentsJsonReader *rd,
            JsonObject         *obj,
            const char         *where)
{
  CurrentsWorkspaceModel *e = g_new0 (CurrentsWorkspaceModel, 1);
  const char *kind;

  e->name = dup_string (rd, obj, where, "name", FALSE);
  kind = currents_json_get_string (rd, obj, where, "kind", CURRENTS_JSON_REQUIRED);
  if (kind != NULL && !parse_kind (kind, &e->kind))
    currents_json_fail (rd, "%s: unknown kind '%s' (expected equation, hybrid or neural)",
                        where, kind);
  e->path = dup_string (rd, obj, where, "path", TRUE);
  if (!rd->failed && e->kind == CURRENTS_WORKSPACE_MODEL_NEURAL)
    {
      read_architecture (rd, obj, where, e);
      e->dataset = dup_string (rd, obj, where, "dataset", TRUE);
    }
  else
    e->source = dup_string (rd, obj, where, "source", FALSE);
  return e;
}

static gpointer
read_trained_entry (CurrentsJsonReader *rd,
                    JsonObject         *obj,
                    const char         *where)
{
  CurrentsWorkspaceTrained *e = g_new0 (CurrentsWorkspaceTrained, 1);
  JsonNode *model;

  e->name = dup_string (rd, obj, where, "name", FALSE);
  e->model = dup_string (rd, obj, where, "model", TRUE);
  e->dataset = dup_string (rd, obj, where, "dataset", TRUE);
  model = currents_json_member (rd, obj, where, "trained", CURRENTS_JSON_REQUIRED);
  if (model != NULL && !JSON_NODE_HOLDS_OBJECT (model))
    currents_json_fail (rd, "%s: 'trained' is %s, not a trained model", where,
                        currents_json_node_kind (model));
  else if (model != NULL)
    e->json = currents_json_to_string (model);
  return e;
}

static void
read_active (CurrentsJsonReader *rd,
             JsonObject         *root,
             CurrentsWorkspace  *ws)
{
  JsonObject *active = currents_json_get_object (rd, root, "the workspace", "active",
                                                 CURRENTS_JSON_OPTIONAL);
  const char *dataset, *model, *trained;

  if (active == NULL)
    return;
  dataset = currents_json_get_string (rd, active, "active", "dataset", ABSENT_OR_NULL);
  model = currents_json_get_string (rd, active, "active", "model", ABSENT_OR_NULL);
  trained = currents_json_get_string (rd, active, "active", "trained", ABSENT_OR_NULL);
  if (rd->failed)
    return;
  if (dataset != NULL && find_entry (ws->datasets, dataset) < 0)
    currents_json_fail (rd, "active: no data set named '%s'", dataset);
  else if (model != NULL && find_entry (ws->models, model) < 0)
    currents_json_fail (rd, "active: no model named '%s'", model);
  else if (trained != NULL && find_entry (ws->trained, trained) < 0)
    currents_json_fail (rd, "active: no trained model named '%s'", trained);
  else
    {
      ws->active_dataset = g_strdup (dataset);
      ws->active_model = g_strdup (model);
      ws->active_trained = g_strdup (trained);
    }
}

/**
 * currents_workspace_new_from_data:
 * @data: the JSON text of a workspace
 * @length: its length in bytes, or -1 when NUL-terminated
 * @path: (nullable): the file it was read from: names it in messages, and relative
 *   references to data files are resolved against its directory when loading
 * @error: return location for a %CURRENTS_ENGINE_ERROR_DATA_FORMAT error
 *
 * Reads a workspace, checking its structure, the checksums of its embedded data and
 * its trained models. Referenced data files are not read here (see
 * currents_workspace_load_dataset()).
 *
 * Returns: (transfer full) (nullable): the workspace, or %NULL with @error set
 */
CurrentsWorkspace *
currents_workspace_new_from_data (const char  *data,
                                  gssize       length,
                                  const char  *path,
                                  GError     **error)
{
  g_autoptr(JsonParser) parser = NULL;
  g_autofree char *invalid = NULL;
  g_autoptr(CurrentsWorkspace) ws = NULL;
  g_autofree char *display = path != NULL ? g_filename_display_name (path)
                                          : g_strdup ("<workspace>");
  CurrentsJsonReader rd = { .name = display, .error = error,
                            .naming = CURRENTS_JSON_NAME_PLACE };
  JsonNode *fmt, *version_node;
  JsonObject *root, *view;
  gsize len;

  g_return_val_if_fail (data != NULL || length <= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (data == NULL)
    data = "";
  len = length < 0 ? strlen (data) : (gsize) length;
  parser = json_parser_new ();
  root = currents_json_parse_object (&rd, parser, data, len, "a Currents workspace", &invalid);
  if (invalid != NULL)
    {
      g_autofree char *head = g_strndup (data, MIN (len, 400));

      if (strstr (head, CURRENTS_WORKSPACE_FORMAT) != NULL)
        currents_json_fail (&rd, "the workspace is damaged or truncated: not valid JSON (%s)",
                            invalid);
      else
        currents_json_fail (&rd, "not a Currents workspace (not valid JSON: %s)", invalid);
    }
  if (root == NULL)
    return NULL;

  fmt = json_object_get_member (root, "format");
  if (fmt == NULL || !JSON_NODE_HOLDS_VALUE (fmt)
      || json_node_get_value_type (fmt) != G_TYPE_STRING)
    {
      currents_json_fail (&rd, "not a Currents workspace (%s)",
                          fmt == NULL ? "no 'format' key" : "'format' is not a string");
      return NULL;
    }
  if (strcmp (json_node_get_string (fmt), CURRENTS_WORKSPACE_FORMAT) != 0)
    {
      if (strcmp (json_node_get_string (fmt), CURRENTS_TRAINED_FORMAT) == 0)
        currents_json_fail (&rd,
                            "not a Currents workspace but a trained model; open it as a model");
      else
        currents_json_fail (&rd, "not a Currents workspace (its format is '%s')",
                            json_node_get_string (fmt));
      return NULL;
    }
  version_node = json_object_get_member (root, "version");
  if (version_node == NULL || !JSON_NODE_HOLDS_VALUE (version_node)
      || json_node_get_value_type (version_node) != G_TYPE_INT64)
    {
      currents_json_fail (&rd, "the workspace has no format version (expected 'version': %d)",
                          CURRENTS_WORKSPACE_VERSION);
      return NULL;
    }
  if (json_node_get_int (version_node) > CURRENTS_WORKSPACE_VERSION)
    {
      currents_json_fail (&rd, "format version %" G_GINT64_FORMAT " was written by a newer "
                          "Currents; this one reads version %d", json_node_get_int (version_node),
                          CURRENTS_WORKSPACE_VERSION);
      return NULL;
    }
  if (json_node_get_int (version_node) != CURRENTS_WORKSPACE_VERSION)
    {
      currents_json_fail (&rd, "unsupported format version %" G_GINT64_FORMAT " (this program "
                          "reads version %d)", json_node_get_int (version_node),
                          CURRENTS_WORKSPACE_VERSION);
      return NULL;
    }

  ws = currents_workspace_new ();
  read_entries (&rd, root, &datasets_kind, read_dataset, ws->datasets);
  read_entries (&rd, root, &models_kind, read_model, ws->models);
  read_entries (&rd, root, &trained_kind, read_trained_entry, ws->trained);
  read_active (&rd, root, ws);
  view = currents_json_get_object (&rd, root, "the workspace", "view", CURRENTS_JSON_OPTIONAL);
  if (rd.failed)
    return NULL;
  if (view != NULL)
    currents_workspace_set_view (ws, view);
  return g_steal_pointer (&ws);
}

/**
 * currents_workspace_load:
 * @path: a `.currents` file
 * @error: return location for a %CURRENTS_ENGINE_ERROR_IO or
 *   %CURRENTS_ENGINE_ERROR_DATA_FORMAT error
 *
 * Returns: (transfer full) (nullable): the workspace, or %NULL with @error set
 */
CurrentsWorkspace *
currents_workspace_load (const char  *path,
                         GError     **error)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) local = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &data, &len, &local))
    {
      g_set_error_literal (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                           local->message);
      return NULL;
    }
  return currents_workspace_new_from_data (data, (gssize) len, path, error);
}

/**
 * currents_workspace_sniff:
 * @path: a file
 *
 * Returns: %TRUE when the first kilobytes of @path name the workspace format
 */
gboolean
currents_workspace_sniff (const char *path)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFileInputStream) in = NULL;
  char buf[1024];
  gssize n;

  g_return_val_if_fail (path != NULL, FALSE);

  file = g_file_new_for_path (path);
  in = g_file_read (file, NULL, NULL);
  if (in == NULL)
    return FALSE;
  n = g_input_stream_read (G_INPUT_STREAM (in), buf, sizeof buf - 1, NULL, NULL);
  if (n <= 0)
    return FALSE;
  buf[n] = '\0';
  return buf[strspn (buf, " \t\r\n")] == '{'
         && strstr (buf, "\"" CURRENTS_WORKSPACE_FORMAT "\"") != NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Loading entries                                                                      */

/**
 * currents_workspace_load_dataset:
 * @ws: a workspace
 * @i: which data set
 * @path: (nullable): the workspace file, against whose directory a relative reference
 *   is resolved first
 * @contents: (out) (optional) (transfer full): the CSV text read
 * @error: return location for a %CURRENTS_ENGINE_ERROR_IO error (a referenced file is
 *   missing) or %CURRENTS_ENGINE_ERROR_DATA_FORMAT (its contents changed since the
 *   workspace was saved, or the reader refuses it)
 *
 * Returns: (transfer full) (nullable): the data set, or %NULL with @error set
 */
CurrentsDataset *
currents_workspace_load_dataset (const CurrentsWorkspace  *ws,
                                 gsize                     i,
                                 const char               *path,
                                 char                    **contents,
                                 GError                  **error)
{
  const CurrentsWorkspaceDataset *e;
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  g_autofree char *changed = NULL;
  g_autofree char *changed_sum = NULL;
  CurrentsCsvOptions options;
  CurrentsDataset *dataset;
  gsize len = 0;

  g_return_val_if_fail (ws != NULL && i < ws->datasets->len, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  e = g_ptr_array_index (ws->datasets, i);
  if (e->csv != NULL)
    {
      text = g_strdup (e->csv);
      len = strlen (text);
    }
  else
    {
      if (e->relative_path != NULL && path != NULL && !g_path_is_absolute (e->relative_path))
        {
          g_autofree char *abs = g_canonicalize_filename (path, NULL);
          g_autofree char *dir = g_path_get_dirname (abs);

          g_ptr_array_add (candidates, g_canonicalize_filename (e->relative_path, dir));
        }
      if (e->path != NULL
          && (candidates->len == 0
              || strcmp (g_ptr_array_index (candidates, 0), e->path) != 0))
        g_ptr_array_add (candidates, g_strdup (e->path));

      for (guint k = 0; k < candidates->len && text == NULL; k++)
        {
          const char *file = g_ptr_array_index (candidates, k);
          g_autofree char *buf = NULL;
          g_autofree char *sum = NULL;

          if (!g_file_get_contents (file, &buf, &len, NULL))
            continue;
          sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) buf, len);
          if (g_ascii_strcasecmp (sum, e->sha256) == 0)
            text = g_steal_pointer (&buf);
          else if (changed == NULL)
            {
              changed = g_filename_display_name (file);
              changed_sum = g_steal_pointer (&sum);
            }
        }
      if (text == NULL && changed != NULL)
        {
          g_autofree char *want = short_sum (e->sha256), *have = short_sum (changed_sum);

          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                       "data set '%s': %s has changed since the workspace was saved (its "
                       "SHA-256 is %s…, the workspace recorded %s…); open the file again "
                       "to use its new contents", e->name, changed, have, want);
          return NULL;
        }
      if (text == NULL)
        {
          g_autofree char *where = g_filename_display_name (e->path != NULL ? e->path
                                                                            : e->relative_path);

          if (candidates->len > 1)
            {
              g_autofree char *other = g_filename_display_name (g_ptr_array_index (candidates, 0));

              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                           "data set '%s': the referenced file %s cannot be read (also "
                           "looked for %s next to the workspace)", e->name, where, other);
            }
          else
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                         "data set '%s': the referenced file %s cannot be read", e->name,
                         where);
          return NULL;
        }
    }

  currents_workspace_dataset_get_csv_options (e, &options);
  dataset = currents_dataset_parse (text, (gssize) len, e->name, &options, error);
  if (dataset != NULL && contents != NULL)
    *contents = g_steal_pointer (&text);
  return dataset;
}

/**
 * currents_workspace_load_model:
 * @ws: a workspace
 * @i: which model (an equation or hybrid one)
 * @error: return location for the model reader's error
 *
 * Returns: (transfer full) (nullable): the compiled model, or %NULL with @error set
 */
CurrentsModel *
currents_workspace_load_model (const CurrentsWorkspace  *ws,
                               gsize                     i,
                               GError                  **error)
{
  const CurrentsWorkspaceModel *e;

  g_return_val_if_fail (ws != NULL && i < ws->models->len, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  e = g_ptr_array_index (ws->models, i);
  if (e->kind == CURRENTS_WORKSPACE_MODEL_NEURAL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "model '%s' is a neural network: it has no equations to compile", e->name);
      return NULL;
    }
  return currents_model_new_from_string (e->source, e->name, error);
}

/**
 * currents_workspace_load_trained:
 * @ws: a workspace
 * @i: which trained model
 * @error: return location for an error
 *
 * Returns: (transfer full) (nullable): the trained model, or %NULL with @error set
 */
CurrentsTrainedModel *
currents_workspace_load_trained (const CurrentsWorkspace  *ws,
                                 gsize                     i,
                                 GError                  **error)
{
  const CurrentsWorkspaceTrained *e;

  g_return_val_if_fail (ws != NULL && i < ws->trained->len, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  e = g_ptr_array_index (ws->trained, i);
  return currents_trained_model_load_from_data (e->json, -1, e->name, error);
}
