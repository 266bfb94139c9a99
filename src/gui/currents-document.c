/* currents-document.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The workspace a window shows: its file, whether it changed since it was saved, and
 * its autosave. Saving and loading run in threads on snapshots (GTask); an autosave is
 * written every few minutes while the document is modified and at close, to a file of
 * its own under the user's state directory, so a crash loses minutes of work at most.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-document"

#include <errno.h>
#include <string.h>

#include <glib/gi18n.h>
#include <glib/gstdio.h>

#include "currents-document.h"

#define AUTOSAVE_PREFIX "autosave-"
/* The workspace file an autosave was made for, kept in its view settings. */
#define AUTOSAVE_ORIGIN_KEY "autosave_of"

struct _CurrentsDocument
{
  GObject            parent_instance;

  CurrentsWorkspace *workspace;
  GFile             *file;
  GFile             *autosave_file;
  gboolean           modified;
  gboolean           autosave_pending;  /* modified since the last autosave */
  guint              autosave_interval;
  guint              autosave_source;
  /* a model being trained: autosaves keep its best so far */
  CurrentsDocumentCheckpointFunc checkpoint;
  gpointer           checkpoint_data;
  GDestroyNotify     checkpoint_destroy;
  gboolean           checkpoint_pending;
  GCancellable      *cancellable;
};

G_DEFINE_FINAL_TYPE (CurrentsDocument, currents_document, G_TYPE_OBJECT)

enum {
  PROP_0,
  PROP_FILE,
  PROP_MODIFIED,
  PROP_AUTOSAVE_INTERVAL,
  N_PROPS
};

enum {
  CHANGED,
  PREPARE_SAVE,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* Autosave files that live documents of this process write: not offered for recovery. */
static GHashTable *live_autosaves;

void
currents_document_active_free (CurrentsDocumentActive *active)
{
  if (active == NULL)
    return;
  g_clear_pointer (&active->model, currents_model_free);
  g_clear_pointer (&active->dataset, currents_dataset_free);
  g_free (active->model_name);
  g_free (active->dataset_name);
  g_clear_error (&active->problem);
  g_free (active);
}

static char *
autosave_dir (void)
{
  return g_build_filename (g_get_user_state_dir (), "currents", NULL);
}

CurrentsDocument *
currents_document_new (void)
{
  return g_object_new (CURRENTS_TYPE_DOCUMENT, NULL);
}

CurrentsWorkspace *
currents_document_get_workspace (CurrentsDocument *self)
{
  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), NULL);
  return self->workspace;
}

void
currents_document_changed (CurrentsDocument *self)
{
  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));

  self->autosave_pending = TRUE;
  currents_document_set_modified (self, TRUE);
  g_signal_emit (self, signals[CHANGED], 0);
}

GFile *
currents_document_get_file (CurrentsDocument *self)
{
  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), NULL);
  return self->file;
}

void
currents_document_set_file (CurrentsDocument *self,
                            GFile            *file)
{
  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));
  g_return_if_fail (file == NULL || G_IS_FILE (file));

  if (g_set_object (&self->file, file))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
}

gboolean
currents_document_get_modified (CurrentsDocument *self)
{
  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), FALSE);
  return self->modified;
}

void
currents_document_set_modified (CurrentsDocument *self,
                                gboolean          modified)
{
  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));

  modified = !!modified;
  if (!modified)
    self->autosave_pending = FALSE;
  if (self->modified == modified)
    return;
  self->modified = modified;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MODIFIED]);
}

char *
currents_document_dup_title (CurrentsDocument *self)
{
  g_autofree char *base = NULL;

  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), NULL);

  if (self->file == NULL)
    return g_strdup (_("Unsaved Workspace"));
  base = g_file_get_basename (self->file);
  if (base != NULL && g_str_has_suffix (base, CURRENTS_WORKSPACE_SUFFIX)
      && strlen (base) > strlen (CURRENTS_WORKSPACE_SUFFIX))
    base[strlen (base) - strlen (CURRENTS_WORKSPACE_SUFFIX)] = '\0';
  return g_filename_display_name (base != NULL ? base : "");
}

/* ---- recording what was opened ---- */

static char **
dup_names (const char *const *v)
{
  return g_strdupv ((char **) v);
}

gboolean
currents_document_add_dataset (CurrentsDocument         *self,
                               const char               *name,
                               GFile                    *file,
                               const char               *contents,
                               gssize                    length,
                               const CurrentsDataset    *dataset,
                               const CurrentsCsvOptions *options,
                               const char *const        *log_inputs,
                               gboolean                  embed,
                               GError                  **error)
{
  g_autofree char *path = NULL;
  g_autofree char *text = NULL;
  g_auto(GStrv) inputs = NULL, ignore = NULL, logs = NULL;
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  CurrentsWorkspaceDataset entry = { 0 };

  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (name != NULL && dataset != NULL, FALSE);

  if (file != NULL)
    path = g_file_get_path (file);
  /* A file with no local path cannot be referenced: keep its text. */
  if (path == NULL)
    embed = TRUE;

  /* The data set's inputs are the input columns, whatever made them so. */
  for (gsize i = 0; i < currents_dataset_get_n_inputs (dataset); i++)
    g_strv_builder_add (builder, currents_dataset_get_input_name (dataset, i));
  inputs = g_strv_builder_end (builder);
  if (inputs[0] == NULL)
    g_clear_pointer (&inputs, g_strfreev);
  logs = dup_names (log_inputs);
  if (embed || path == NULL)
    {
      if (contents != NULL)
        text = length < 0 ? g_strdup (contents) : g_strndup (contents, length);
      else
        {
          /* Written out in the standard columns: the roles of the file no longer apply. */
          text = currents_dataset_to_csv (dataset, NULL);
          options = NULL;
        }
    }

  if (options != NULL)
    ignore = dup_names (options->ignore_columns);

  entry.name = (char *) name;
  entry.csv = text;
  entry.path = path;
  /* Embedded text carries its own checksum; a reference keeps the file's. */
  entry.sha256 = text != NULL ? NULL : (char *) currents_dataset_get_sha256 (dataset);
  entry.input_columns = inputs;
  entry.ignore_columns = ignore;
  entry.log_inputs = logs;
  if (options != NULL)
    {
      entry.time_column = (char *) options->time_column;
      entry.trajectory_column = (char *) options->trajectory_column;
      entry.constant_inputs = options->constant_inputs;
    }
  if (!currents_workspace_set_dataset (self->workspace, &entry, error))
    return FALSE;
  currents_workspace_set_active (self->workspace, name,
                                 currents_workspace_get_active_model (self->workspace),
                                 currents_workspace_get_active_trained (self->workspace),
                                 NULL);
  currents_document_changed (self);
  return TRUE;
}

gboolean
currents_document_add_model (CurrentsDocument  *self,
                             const char        *name,
                             GFile             *file,
                             const char        *source,
                             GError           **error)
{
  g_autoptr(CurrentsModel) model = NULL;
  g_autofree char *path = NULL;
  CurrentsWorkspaceModel entry = { 0 };

  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (name != NULL && source != NULL, FALSE);

  /* Learned terms make a hybrid; a source that does not compile yet stays an equation. */
  model = currents_model_new_from_string (source, name, NULL);
  if (file != NULL)
    path = g_file_get_path (file);
  entry.name = (char *) name;
  entry.kind = model != NULL && currents_model_get_n_learned (model) > 0
               ? CURRENTS_WORKSPACE_MODEL_HYBRID : CURRENTS_WORKSPACE_MODEL_EQUATION;
  entry.path = path;
  entry.source = (char *) source;
  if (!currents_workspace_set_model (self->workspace, &entry, error))
    return FALSE;
  currents_workspace_set_active (self->workspace,
                                 currents_workspace_get_active_dataset (self->workspace),
                                 name,
                                 currents_workspace_get_active_trained (self->workspace),
                                 NULL);
  currents_document_changed (self);
  return TRUE;
}

gboolean
currents_document_add_trained_json (CurrentsDocument *self,
                                    const char       *name,
                                    const char       *json,
                                    const char       *model,
                                    const char       *dataset,
                                    GError          **error)
{
  CurrentsWorkspaceTrained entry = { 0 };

  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (name != NULL && json != NULL, FALSE);

  entry.name = (char *) name;
  entry.model = (char *) model;
  entry.dataset = (char *) dataset;
  entry.json = (char *) json;
  if (!currents_workspace_set_trained (self->workspace, &entry, error))
    return FALSE;
  currents_document_changed (self);
  return TRUE;
}

gboolean
currents_document_add_trained (CurrentsDocument           *self,
                               const char                 *name,
                               const CurrentsTrainedModel *tm,
                               const char                 *model,
                               const char                 *dataset,
                               GError                    **error)
{
  g_autofree char *json = NULL;

  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (name != NULL && tm != NULL, FALSE);

  json = currents_trained_model_to_data (tm);
  return currents_document_add_trained_json (self, name, json, model, dataset, error);
}

/* ---- writing ---- */

typedef struct
{
  CurrentsWorkspace    *snapshot;
  GFile                *file;
  /* a model in training, written into the snapshot by the thread (a big network takes
   * a while to put into words) */
  CurrentsTrainedModel *checkpoint;
  char                 *cp_name;
  char                 *cp_model;
  char                 *cp_dataset;
} WriteJob;

static void
write_job_free (gpointer data)
{
  WriteJob *job = data;

  g_clear_pointer (&job->checkpoint, currents_trained_model_free);
  g_free (job->cp_name);
  g_free (job->cp_model);
  g_free (job->cp_dataset);
  currents_workspace_free (job->snapshot);
  g_clear_object (&job->file);
  g_free (job);
}

static gboolean
write_workspace (const CurrentsWorkspace  *ws,
                 GFile                    *file,
                 GCancellable             *cancellable,
                 GError                  **error)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *text = currents_workspace_to_data (ws, path);
  g_autoptr(GError) local = NULL;

  /* Replace: a temporary file renamed over the old one when complete. */
  if (!g_file_replace_contents (file, text, strlen (text), NULL, FALSE,
                                G_FILE_CREATE_REPLACE_DESTINATION, NULL, cancellable, &local))
    {
      g_autofree char *name = g_file_get_parse_name (file);

      /* GIO's message names the file again ("Error opening file “…”: Not a directory"):
       * the reason alone is what it adds, last after ": " */
      const char *reason = strrchr (local->message, ':');

      reason = reason != NULL && reason[1] == ' ' && reason[2] != '\0'
               ? reason + 2 : local->message;
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                     _("Cannot save %s: %s"), name, reason);
      return FALSE;
    }
  return TRUE;
}

static void
write_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  WriteJob *job = task_data;
  GError *error = NULL;

  if (!write_workspace (job->snapshot, job->file, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
save_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  CurrentsDocument *self = CURRENTS_DOCUMENT (object);
  g_autoptr(GTask) outer = user_data;
  WriteJob *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      return;
    }
  currents_document_set_file (self, job->file);
  /* Saved: nothing left to recover. */
  g_file_delete (self->autosave_file, NULL, NULL);
  currents_document_set_modified (self, FALSE);
  g_task_return_boolean (outer, TRUE);
}

void
currents_document_save_async (CurrentsDocument    *self,
                              GFile               *file,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) inner = NULL;
  GTask *outer;
  WriteJob *job;

  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, currents_document_save_async);

  g_signal_emit (self, signals[PREPARE_SAVE], 0);
  job = g_new0 (WriteJob, 1);
  job->snapshot = currents_workspace_copy (self->workspace);
  job->file = g_object_ref (file);
  json_object_remove_member (currents_workspace_get_view (job->snapshot), AUTOSAVE_ORIGIN_KEY);

  /* The inner task writes; its callback updates the document before the caller hears. */
  inner = g_task_new (self, cancellable, save_done, outer);
  g_task_set_source_tag (inner, write_thread);
  g_task_set_task_data (inner, job, write_job_free);
  g_task_run_in_thread (inner, write_thread);
}

gboolean
currents_document_save_finish (CurrentsDocument  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == currents_document_save_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- reading ---- */

typedef struct
{
  GFile                  *file;
  CurrentsWorkspace      *workspace;
  CurrentsDocumentActive *active;
} ReadJob;

static void
read_job_free (gpointer data)
{
  ReadJob *job = data;

  g_clear_object (&job->file);
  currents_workspace_free (job->workspace);
  currents_document_active_free (job->active);
  g_free (job);
}

static void
read_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  ReadJob *job = task_data;
  g_autofree char *contents = NULL;
  g_autofree char *path = g_file_get_path (job->file);
  g_autofree char *name = g_file_get_parse_name (job->file);
  CurrentsDocumentActive *active;
  GError *error = NULL;
  gsize length = 0;
  const char *want;
  int i;

  if (!g_file_load_contents (job->file, cancellable, &contents, &length, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  job->workspace = currents_workspace_new_from_data (contents, (gssize) length,
                                                     path != NULL ? path : name, &error);
  if (job->workspace == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, &error))
    {
      g_task_return_error (task, error);
      return;
    }

  /* What was shown: a model or data set that cannot be read any more is said, not fatal. */
  active = job->active = g_new0 (CurrentsDocumentActive, 1);
  want = currents_workspace_get_active_model (job->workspace);
  i = currents_workspace_find_model (job->workspace, want);
  if (i >= 0 && currents_workspace_get_model (job->workspace, i)->kind
                != CURRENTS_WORKSPACE_MODEL_NEURAL)
    {
      active->model = currents_workspace_load_model (job->workspace, i, &active->problem);
      if (active->model != NULL)
        active->model_name = g_strdup (want);
    }
  want = currents_workspace_get_active_dataset (job->workspace);
  i = currents_workspace_find_dataset (job->workspace, want);
  if (i >= 0)
    {
      active->dataset = currents_workspace_load_dataset (job->workspace, i, path, NULL,
                                                         active->problem == NULL
                                                         ? &active->problem : NULL);
      if (active->dataset != NULL)
        active->dataset_name = g_strdup (want);
    }
  g_task_return_boolean (task, TRUE);
}

static void
load_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  CurrentsDocument *self = CURRENTS_DOCUMENT (object);
  g_autoptr(GTask) outer = user_data;
  ReadJob *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      g_task_return_error (outer, error);
      return;
    }
  currents_workspace_free (self->workspace);
  self->workspace = g_steal_pointer (&job->workspace);
  currents_document_set_file (self, job->file);
  currents_document_set_modified (self, FALSE);
  g_signal_emit (self, signals[CHANGED], 0);
  g_task_return_pointer (outer, g_steal_pointer (&job->active),
                         (GDestroyNotify) currents_document_active_free);
}

void
currents_document_load_async (CurrentsDocument    *self,
                              GFile               *file,
                              GCancellable        *cancellable,
                              GAsyncReadyCallback  callback,
                              gpointer             user_data)
{
  g_autoptr(GTask) inner = NULL;
  GTask *outer;
  ReadJob *job;

  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, currents_document_load_async);

  job = g_new0 (ReadJob, 1);
  job->file = g_object_ref (file);
  inner = g_task_new (self, cancellable, load_done, outer);
  g_task_set_source_tag (inner, read_thread);
  g_task_set_task_data (inner, job, read_job_free);
  g_task_run_in_thread (inner, read_thread);
}

CurrentsDocumentActive *
currents_document_load_finish (CurrentsDocument  *self,
                               GAsyncResult      *result,
                               GError           **error)
{
  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == currents_document_load_async,
                        NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/* ---- autosave ---- */

GFile *
currents_document_get_autosave_file (CurrentsDocument *self)
{
  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), NULL);
  return self->autosave_file;
}

/* The training's best model so far, as a trained entry of @snapshot (in any thread). */
static void
put_checkpoint (CurrentsWorkspace          *snapshot,
                const CurrentsTrainedModel *tm,
                const char                 *name,
                const char                 *model,
                const char                 *dataset)
{
  g_autofree char *json = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsWorkspaceTrained entry = { 0 };

  if (tm == NULL || name == NULL)
    return;
  json = currents_trained_model_to_data (tm);
  entry.name = (char *) name;
  entry.model = (char *) model;
  entry.dataset = (char *) dataset;
  entry.json = json;
  if (currents_workspace_set_trained (snapshot, &entry, &error))
    currents_workspace_set_active (snapshot, currents_workspace_get_active_dataset (snapshot),
                                   currents_workspace_get_active_model (snapshot), name, NULL);
  else
    g_warning ("The model in training is not kept in the autosave: %s", error->message);
}

/* What the checkpoint function gives now (main thread). */
static CurrentsTrainedModel *
fetch_checkpoint (CurrentsDocument  *self,
                  char             **name,
                  char             **model,
                  char             **dataset)
{
  *name = *model = *dataset = NULL;
  return self->checkpoint != NULL
         ? self->checkpoint (self->checkpoint_data, name, model, dataset) : NULL;
}

void
currents_document_set_checkpoint (CurrentsDocument              *self,
                                  CurrentsDocumentCheckpointFunc func,
                                  gpointer                       user_data,
                                  GDestroyNotify                 destroy)
{
  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));

  if (self->checkpoint_destroy != NULL)
    self->checkpoint_destroy (self->checkpoint_data);
  self->checkpoint = func;
  self->checkpoint_data = user_data;
  self->checkpoint_destroy = destroy;
  self->checkpoint_pending = FALSE;
}

void
currents_document_checkpoint_changed (CurrentsDocument *self)
{
  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));

  if (self->checkpoint != NULL)
    self->checkpoint_pending = TRUE;
}

/* A snapshot that remembers which file it stands in for. */
static CurrentsWorkspace *
autosave_snapshot (CurrentsDocument *self)
{
  CurrentsWorkspace *snapshot;
  JsonObject *view;

  g_signal_emit (self, signals[PREPARE_SAVE], 0);
  snapshot = currents_workspace_copy (self->workspace);
  view = currents_workspace_get_view (snapshot);

  if (self->file != NULL)
    {
      g_autofree char *uri = g_file_get_uri (self->file);

      json_object_set_string_member (view, AUTOSAVE_ORIGIN_KEY, uri);
    }
  else
    json_object_remove_member (view, AUTOSAVE_ORIGIN_KEY);
  return snapshot;
}

static gboolean
ensure_autosave_dir (GError **error)
{
  g_autofree char *dir = autosave_dir ();

  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int saved = errno;

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved),
                   _("Cannot create %s: %s"), dir, g_strerror (saved));
      return FALSE;
    }
  return TRUE;
}

static void
autosave_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  WriteJob *job = task_data;
  GError *error = NULL;

  put_checkpoint (job->snapshot, job->checkpoint, job->cp_name, job->cp_model, job->cp_dataset);
  if (!ensure_autosave_dir (&error)
      || !write_workspace (job->snapshot, job->file, cancellable, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
currents_document_autosave_async (CurrentsDocument    *self,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  WriteJob *job;

  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, currents_document_autosave_async);
  job = g_new0 (WriteJob, 1);
  job->snapshot = autosave_snapshot (self);
  job->file = g_object_ref (self->autosave_file);
  job->checkpoint = fetch_checkpoint (self, &job->cp_name, &job->cp_model, &job->cp_dataset);
  g_task_set_task_data (task, job, write_job_free);
  self->autosave_pending = FALSE;
  self->checkpoint_pending = FALSE;
  g_task_run_in_thread (task, autosave_thread);
}

gboolean
currents_document_autosave_finish (CurrentsDocument  *self,
                                   GAsyncResult      *result,
                                   GError           **error)
{
  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == currents_document_autosave_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
timed_autosave_done (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GError) error = NULL;

  if (!currents_document_autosave_finish (CURRENTS_DOCUMENT (object), result, &error)
      && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_warning ("Autosave failed: %s", error->message);
}

static gboolean
autosave_tick (gpointer data)
{
  CurrentsDocument *self = data;

  /* unsaved changes, or a model in training that got better: hours of work either way */
  if ((self->modified && self->autosave_pending) || self->checkpoint_pending)
    currents_document_autosave_async (self, self->cancellable, timed_autosave_done, NULL);
  return G_SOURCE_CONTINUE;
}

guint
currents_document_get_autosave_interval (CurrentsDocument *self)
{
  g_return_val_if_fail (CURRENTS_IS_DOCUMENT (self), 0);
  return self->autosave_interval;
}

void
currents_document_set_autosave_interval (CurrentsDocument *self,
                                         guint             minutes)
{
  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));

  if (self->autosave_interval == minutes)
    return;
  self->autosave_interval = minutes;
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  if (minutes > 0)
    {
      /* CURRENTS_AUTOSAVE_SECONDS: seconds instead (for tests that kill the app) */
      const char *env = g_getenv ("CURRENTS_AUTOSAVE_SECONDS");
      guint seconds = env != NULL && g_ascii_strtoull (env, NULL, 10) > 0
                      ? (guint) MIN (g_ascii_strtoull (env, NULL, 10), 3600) : minutes * 60;

      self->autosave_source = g_timeout_add_seconds_full (G_PRIORITY_LOW, seconds,
                                                          autosave_tick, self, NULL);
    }
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_AUTOSAVE_INTERVAL]);
}

void
currents_document_close (CurrentsDocument *self)
{
  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));

  g_cancellable_cancel (self->cancellable);
  if (self->modified)
    {
      g_autoptr(CurrentsWorkspace) snapshot = autosave_snapshot (self);
      g_autoptr(GError) error = NULL;
      g_autofree char *name = NULL, *model = NULL, *dataset = NULL;
      g_autoptr(CurrentsTrainedModel) tm = fetch_checkpoint (self, &name, &model, &dataset);

      put_checkpoint (snapshot, tm, name, model, dataset);
      if (!ensure_autosave_dir (&error)
          || !write_workspace (snapshot, self->autosave_file, NULL, &error))
        g_warning ("Cannot keep the unsaved workspace: %s", error->message);
    }
  else
    g_file_delete (self->autosave_file, NULL, NULL);
}

GFile *
currents_document_find_recovery (GDateTime **modified)
{
  g_autofree char *dir = autosave_dir ();
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autofree char *best = NULL;
  GStatBuf best_st = { 0 };
  const char *name;

  if (modified != NULL)
    *modified = NULL;
  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      GStatBuf st;

      if (!g_str_has_prefix (name, AUTOSAVE_PREFIX)
          || !g_str_has_suffix (name, CURRENTS_WORKSPACE_SUFFIX))
        continue;
      path = g_build_filename (dir, name, NULL);
      if (live_autosaves != NULL && g_hash_table_contains (live_autosaves, path))
        continue;
      if (g_stat (path, &st) != 0 || !S_ISREG (st.st_mode))
        continue;
      if (best == NULL || st.st_mtime > best_st.st_mtime)
        {
          g_free (best);
          best = g_steal_pointer (&path);
          best_st = st;
        }
    }
  if (best == NULL)
    return NULL;
  if (modified != NULL)
    *modified = g_date_time_new_from_unix_local (best_st.st_mtime);
  return g_file_new_for_path (best);
}

GFile *
currents_document_recovery_origin (GFile *recovered)
{
  g_autofree char *path = NULL;
  g_autoptr(CurrentsWorkspace) ws = NULL;
  JsonObject *view;
  const char *uri;

  g_return_val_if_fail (G_IS_FILE (recovered), NULL);

  path = g_file_get_path (recovered);
  if (path == NULL || (ws = currents_workspace_load (path, NULL)) == NULL)
    return NULL;
  view = currents_workspace_get_view (ws);
  uri = json_object_has_member (view, AUTOSAVE_ORIGIN_KEY)
        ? json_object_get_string_member (view, AUTOSAVE_ORIGIN_KEY) : NULL;
  return uri != NULL ? g_file_new_for_uri (uri) : NULL;
}

void
currents_document_adopt_recovery (CurrentsDocument *self,
                                  GFile            *recovered)
{
  JsonObject *view;
  const char *uri = NULL;
  g_autoptr(GFile) origin = NULL;

  g_return_if_fail (CURRENTS_IS_DOCUMENT (self));
  g_return_if_fail (G_IS_FILE (recovered));

  view = currents_workspace_get_view (self->workspace);
  if (json_object_has_member (view, AUTOSAVE_ORIGIN_KEY))
    uri = json_object_get_string_member (view, AUTOSAVE_ORIGIN_KEY);
  if (uri != NULL)
    origin = g_file_new_for_uri (uri);
  currents_document_set_file (self, origin);
  json_object_remove_member (view, AUTOSAVE_ORIGIN_KEY);
  if (!g_file_equal (recovered, self->autosave_file))
    g_file_delete (recovered, NULL, NULL);
  currents_document_changed (self);
}

/* ---- GObject ---- */

static void
currents_document_finalize (GObject *object)
{
  CurrentsDocument *self = CURRENTS_DOCUMENT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->autosave_source, g_source_remove);
  currents_document_set_checkpoint (self, NULL, NULL, NULL);
  if (live_autosaves != NULL)
    {
      g_autofree char *path = g_file_get_path (self->autosave_file);

      g_hash_table_remove (live_autosaves, path);
    }
  currents_workspace_free (self->workspace);
  g_clear_object (&self->file);
  g_clear_object (&self->autosave_file);
  g_clear_object (&self->cancellable);

  G_OBJECT_CLASS (currents_document_parent_class)->finalize (object);
}

static void
currents_document_get_property (GObject    *object,
                                guint       prop_id,
                                GValue     *value,
                                GParamSpec *pspec)
{
  CurrentsDocument *self = CURRENTS_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_FILE:
      g_value_set_object (value, self->file);
      break;
    case PROP_MODIFIED:
      g_value_set_boolean (value, self->modified);
      break;
    case PROP_AUTOSAVE_INTERVAL:
      g_value_set_uint (value, self->autosave_interval);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
currents_document_set_property (GObject      *object,
                                guint         prop_id,
                                const GValue *value,
                                GParamSpec   *pspec)
{
  CurrentsDocument *self = CURRENTS_DOCUMENT (object);

  switch (prop_id)
    {
    case PROP_FILE:
      currents_document_set_file (self, g_value_get_object (value));
      break;
    case PROP_MODIFIED:
      currents_document_set_modified (self, g_value_get_boolean (value));
      break;
    case PROP_AUTOSAVE_INTERVAL:
      currents_document_set_autosave_interval (self, g_value_get_uint (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
currents_document_class_init (CurrentsDocumentClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->finalize = currents_document_finalize;
  object_class->get_property = currents_document_get_property;
  object_class->set_property = currents_document_set_property;

  properties[PROP_FILE] =
    g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_MODIFIED] =
    g_param_spec_boolean ("modified", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_AUTOSAVE_INTERVAL] =
    g_param_spec_uint ("autosave-interval", NULL, NULL, 0, 24 * 60, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* The workspace's contents changed (an entry added, or another workspace loaded). */
  signals[CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                   0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  /* About to be written (saved or autosaved): bring the workspace up to date. */
  signals[PREPARE_SAVE] = g_signal_new ("prepare-save", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
currents_document_init (CurrentsDocument *self)
{
  g_autofree char *dir = autosave_dir ();
  g_autofree char *uuid = g_uuid_string_random ();
  g_autofree char *name = g_strdup_printf (AUTOSAVE_PREFIX "%s" CURRENTS_WORKSPACE_SUFFIX, uuid);
  g_autofree char *path = g_build_filename (dir, name, NULL);

  self->workspace = currents_workspace_new ();
  self->cancellable = g_cancellable_new ();
  self->autosave_file = g_file_new_for_path (path);

  if (live_autosaves == NULL)
    live_autosaves = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_hash_table_add (live_autosaves, g_steal_pointer (&path));
}
