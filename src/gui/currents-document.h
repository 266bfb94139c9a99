/* currents-document.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include "currents-engine.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_DOCUMENT (currents_document_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsDocument, currents_document, CURRENTS, DOCUMENT, GObject)

/**
 * CurrentsDocumentActive:
 * @model: (nullable): the workspace's active model, compiled
 * @model_name: (nullable): its name
 * @dataset: (nullable): the active data set, read
 * @dataset_name: (nullable): its name
 * @problem: (nullable): why an active entry could not be read (the rest still opened)
 *
 * What a workspace showed when it was saved, ready to show again.
 */
typedef struct
{
  CurrentsModel   *model;
  char            *model_name;
  CurrentsDataset *dataset;
  char            *dataset_name;
  GError          *problem;
} CurrentsDocumentActive;

void                    currents_document_active_free     (CurrentsDocumentActive *active);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsDocumentActive, currents_document_active_free)

CurrentsDocument       *currents_document_new             (void);

/* (transfer none): edit it, then call currents_document_changed(). Loading replaces it:
 * fetch it again after currents_document_load_async(). */
CurrentsWorkspace      *currents_document_get_workspace   (CurrentsDocument    *self);
/* Marks the document modified and emits ::changed. */
void                    currents_document_changed         (CurrentsDocument    *self);

/* (nullable) (transfer none): where the workspace is saved. */
GFile                  *currents_document_get_file        (CurrentsDocument    *self);
void                    currents_document_set_file        (CurrentsDocument    *self,
                                                           GFile               *file);
gboolean                currents_document_get_modified    (CurrentsDocument    *self);
void                    currents_document_set_modified    (CurrentsDocument    *self,
                                                           gboolean             modified);
/* The file's name without `.currents`, or "Unsaved Workspace". */
char                   *currents_document_dup_title       (CurrentsDocument    *self);

/* Record what the window opened, and make it the active entry. @file (nullable) is
 * where it came from; a data set is embedded (its CSV text @contents kept in the
 * workspace) when @embed or when @file has no local path, else referenced by path and
 * SHA-256. Without @contents the data set is written out as CSV and embedded. Entries
 * of the same name are replaced. */
gboolean                currents_document_add_dataset     (CurrentsDocument    *self,
                                                           const char          *name,
                                                           GFile               *file,
                                                           const char          *contents,
                                                           gssize               length,
                                                           const CurrentsDataset *dataset,
                                                           const CurrentsCsvOptions *options,
                                                           const char *const   *log_inputs,
                                                           gboolean             embed,
                                                           GError             **error);
gboolean                currents_document_add_model       (CurrentsDocument    *self,
                                                           const char          *name,
                                                           GFile               *file,
                                                           const char          *source,
                                                           GError             **error);
/* The same with the model's file text (currents_trained_model_to_data(), made in a
 * thread for a big network). */
gboolean                currents_document_add_trained_json (CurrentsDocument   *self,
                                                           const char          *name,
                                                           const char          *json,
                                                           const char          *model,
                                                           const char          *dataset,
                                                           GError             **error);
gboolean                currents_document_add_trained     (CurrentsDocument    *self,
                                                           const char          *name,
                                                           const CurrentsTrainedModel *tm,
                                                           const char          *model,
                                                           const char          *dataset,
                                                           GError             **error);

/**
 * CurrentsDocumentCheckpointFunc:
 * @user_data: the data given with the function
 * @name: (out): the entry's name
 * @model: (out) (nullable): the model file it was trained from
 * @dataset: (out) (nullable): the data set's name
 *
 * The model a training run has made so far (its best parameters).
 *
 * Returns: (transfer full) (nullable): the model, or %NULL when there is none yet
 */
typedef CurrentsTrainedModel *(*CurrentsDocumentCheckpointFunc) (gpointer   user_data,
                                                                 char     **name,
                                                                 char     **model,
                                                                 char     **dataset);

/* While a model trains: autosaves ask @func for its best model so far and keep it as a
 * trained entry (saving by hand does not: training adds the model when it ends). %NULL
 * ends it. */
void                    currents_document_set_checkpoint  (CurrentsDocument    *self,
                                                           CurrentsDocumentCheckpointFunc func,
                                                           gpointer             user_data,
                                                           GDestroyNotify       destroy);
/* The training has a better model: the next autosave writes it. */
void                    currents_document_checkpoint_changed (CurrentsDocument *self);

/* Writes the workspace to @file atomically in a thread (a snapshot: later edits do not
 * race with the write); on success the document takes @file and is unmodified. */
void                    currents_document_save_async      (CurrentsDocument    *self,
                                                           GFile               *file,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean                currents_document_save_finish     (CurrentsDocument    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* Reads a workspace in a thread, with its active model and data set; on success the
 * document holds it, takes @file and is unmodified. */
void                    currents_document_load_async      (CurrentsDocument    *self,
                                                           GFile               *file,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
CurrentsDocumentActive *currents_document_load_finish     (CurrentsDocument    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);

/* ---- autosave and recovery ---- */

/* Minutes between autosaves of a modified document (0: never). */
guint                   currents_document_get_autosave_interval (CurrentsDocument *self);
void                    currents_document_set_autosave_interval (CurrentsDocument *self,
                                                                 guint             minutes);
/* This document's autosave file, under g_get_user_state_dir()/currents/. */
GFile                  *currents_document_get_autosave_file (CurrentsDocument  *self);
/* Writes the autosave file now (in a thread). */
void                    currents_document_autosave_async  (CurrentsDocument    *self,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean                currents_document_autosave_finish (CurrentsDocument    *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* At close: writes the autosave file when modified (blocking; the process may end
 * next), removes it when not. */
void                    currents_document_close           (CurrentsDocument    *self);

/* The newest autosave file no document of this process writes, or NULL.
 * @modified: (out) (optional): when it was written */
GFile                  *currents_document_find_recovery   (GDateTime          **modified);
/* After a recovered workspace was loaded from @recovered: keeps the file it had been
 * saved to, marks the document modified, and deletes @recovered. */
void                    currents_document_adopt_recovery  (CurrentsDocument    *self,
                                                           GFile               *recovered);
/* The workspace file @recovered had been saved as (nullable). */
GFile                  *currents_document_recovery_origin (GFile               *recovered);

G_END_DECLS
