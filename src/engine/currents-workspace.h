/* currents-workspace.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A workspace: the data sets, models (equation, pure neural, hybrid) and trained models
 * a user works with, and how they were shown, kept in one JSON file (`.currents`):
 *
 *   { "format": "currents-workspace", "version": 1, "program": "currents 0.1.0",
 *     "datasets": [ { "name", "sha256", "csv" (the embedded CSV text) or "path" and
 *                     "relative_path" (a referenced file, checked against sha256),
 *                     "roles": { "time", "trajectory", "inputs", "ignore", "log_inputs",
 *                                "constant_inputs" } } ],
 *     "models":   [ { "name", "kind": "equation" | "hybrid" | "neural", "path",
 *                     "source" (the `.ode` text) or "architecture" and "dataset" } ],
 *     "trained":  [ { "name", "model", "dataset", "trained": { a trained-model file } } ],
 *     "active":   { "dataset", "model", "trained" },
 *     "view":     { the window's settings, free-form } }
 *
 * Numbers are written with currents-json.h (never a non-finite one); files are written
 * atomically. A damaged or foreign file, or a referenced data file whose contents changed
 * since the workspace was saved, is refused with a message naming what is wrong.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "currents-data.h"
#include "currents-model.h"
#include "currents-neural.h"
#include "currents-trained.h"

G_BEGIN_DECLS

#define CURRENTS_WORKSPACE_FORMAT  "currents-workspace"
#define CURRENTS_WORKSPACE_VERSION 1
#define CURRENTS_WORKSPACE_SUFFIX  ".currents"

typedef enum
{
  CURRENTS_WORKSPACE_MODEL_EQUATION,
  CURRENTS_WORKSPACE_MODEL_HYBRID,
  CURRENTS_WORKSPACE_MODEL_NEURAL,
} CurrentsWorkspaceModelKind;

/**
 * CurrentsWorkspaceDataset:
 * @name: unique among the workspace's data sets
 * @csv: (nullable): the CSV text when embedded
 * @path: (nullable): the file it was read from (required when not embedded)
 * @relative_path: (nullable): @path relative to the workspace file, as last read or
 *   written; tried before @path when loading
 * @sha256: lower-case hex SHA-256 of the CSV bytes (computed from @csv when %NULL)
 * @time_column: (nullable): see #CurrentsCsvOptions
 * @trajectory_column: (nullable): likewise
 * @input_columns: (nullable): likewise
 * @ignore_columns: (nullable): likewise
 * @log_inputs: (nullable): inputs to take on a log scale (for neural models, plots)
 * @constant_inputs: see #CurrentsCsvOptions
 *
 * All strings are owned by the workspace; currents_workspace_set_dataset() copies.
 */
typedef struct
{
  char      *name;
  char      *csv;
  char      *path;
  char      *relative_path;
  char      *sha256;
  char      *time_column;
  char      *trajectory_column;
  char     **input_columns;
  char     **ignore_columns;
  char     **log_inputs;
  gboolean   constant_inputs;
} CurrentsWorkspaceDataset;

/**
 * CurrentsWorkspaceModel:
 * @name: unique among the workspace's models
 * @kind: equation and hybrid models have @source; neural ones an architecture
 * @path: (nullable): the file it was read from
 * @source: (nullable): the `.ode` text (equation and hybrid kinds)
 * @dataset: (nullable): the data set a neural model is built from
 * @n_hidden, @hidden, @activation, @seed, @log_inputs: a neural model's architecture
 *   (see #CurrentsNeuralSpec)
 */
typedef struct
{
  char                       *name;
  CurrentsWorkspaceModelKind  kind;
  char                       *path;
  char                       *source;
  char                       *dataset;
  gsize                       n_hidden;
  gsize                       hidden[CURRENTS_NEURAL_MAX_LAYERS];
  CurrentsActivation          activation;
  guint64                     seed;
  char                      **log_inputs;
} CurrentsWorkspaceModel;

/**
 * CurrentsWorkspaceTrained:
 * @name: unique among the workspace's trained models
 * @model: (nullable): the workspace model it was trained from
 * @dataset: (nullable): the workspace data set it was trained on
 * @json: the trained model's file text (currents_trained_model_to_data())
 */
typedef struct
{
  char *name;
  char *model;
  char *dataset;
  char *json;
} CurrentsWorkspaceTrained;

typedef struct _CurrentsWorkspace CurrentsWorkspace;

CurrentsWorkspace *currents_workspace_new              (void);
CurrentsWorkspace *currents_workspace_copy             (const CurrentsWorkspace  *ws);
void               currents_workspace_free             (CurrentsWorkspace        *ws);

/* Adds a copy of @entry, replacing the entry of the same name; %FALSE with
 * %CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT when it is incomplete or inconsistent. */
gboolean           currents_workspace_set_dataset      (CurrentsWorkspace        *ws,
                                                        const CurrentsWorkspaceDataset *entry,
                                                        GError                  **error);
gboolean           currents_workspace_set_model        (CurrentsWorkspace        *ws,
                                                        const CurrentsWorkspaceModel *entry,
                                                        GError                  **error);
gboolean           currents_workspace_set_trained      (CurrentsWorkspace        *ws,
                                                        const CurrentsWorkspaceTrained *entry,
                                                        GError                  **error);

gsize              currents_workspace_get_n_datasets   (const CurrentsWorkspace  *ws);
gsize              currents_workspace_get_n_models     (const CurrentsWorkspace  *ws);
gsize              currents_workspace_get_n_trained    (const CurrentsWorkspace  *ws);
const CurrentsWorkspaceDataset *currents_workspace_get_dataset (const CurrentsWorkspace *ws,
                                                                gsize                    i);
const CurrentsWorkspaceModel   *currents_workspace_get_model   (const CurrentsWorkspace *ws,
                                                                gsize                    i);
const CurrentsWorkspaceTrained *currents_workspace_get_trained (const CurrentsWorkspace *ws,
                                                                gsize                    i);
/* -1 when absent. */
int                currents_workspace_find_dataset     (const CurrentsWorkspace  *ws,
                                                        const char               *name);
int                currents_workspace_find_model       (const CurrentsWorkspace  *ws,
                                                        const char               *name);
int                currents_workspace_find_trained     (const CurrentsWorkspace  *ws,
                                                        const char               *name);
/* Removing an active entry makes nothing of its kind active. */
gboolean           currents_workspace_remove_dataset   (CurrentsWorkspace        *ws,
                                                        const char               *name);
gboolean           currents_workspace_remove_model     (CurrentsWorkspace        *ws,
                                                        const char               *name);
gboolean           currents_workspace_remove_trained   (CurrentsWorkspace        *ws,
                                                        const char               *name);

/* What the window shows; each must name an entry of its kind, or be %NULL. */
gboolean           currents_workspace_set_active       (CurrentsWorkspace        *ws,
                                                        const char               *dataset,
                                                        const char               *model,
                                                        const char               *trained,
                                                        GError                  **error);
const char        *currents_workspace_get_active_dataset (const CurrentsWorkspace *ws);
const char        *currents_workspace_get_active_model   (const CurrentsWorkspace *ws);
const char        *currents_workspace_get_active_trained (const CurrentsWorkspace *ws);

/* The view settings (transfer none; never %NULL): edit in place. */
JsonObject        *currents_workspace_get_view         (CurrentsWorkspace        *ws);
/* Replaces them with a copy of @view (nullable: empty). */
void               currents_workspace_set_view         (CurrentsWorkspace        *ws,
                                                        JsonObject               *view);

/* @path: (nullable): where the text will be saved, for relative paths of references. */
char              *currents_workspace_to_data          (const CurrentsWorkspace  *ws,
                                                        const char               *path);
/* @path: (nullable): where the text was read from (relative references and messages). */
CurrentsWorkspace *currents_workspace_new_from_data    (const char               *data,
                                                        gssize                    length,
                                                        const char               *path,
                                                        GError                  **error);
gboolean           currents_workspace_save             (const CurrentsWorkspace  *ws,
                                                        const char               *path,
                                                        GError                  **error);
CurrentsWorkspace *currents_workspace_load             (const char               *path,
                                                        GError                  **error);
/* TRUE when the file at @path starts like a workspace (cheap; for choosing a reader). */
gboolean           currents_workspace_sniff            (const char               *path);

/* Reads data set @i (the embedded text, or the referenced file checked against its
 * SHA-256; @path is the workspace file, for relative references) with its roles.
 * @contents: (out) (optional): the CSV text. */
CurrentsDataset   *currents_workspace_load_dataset     (const CurrentsWorkspace  *ws,
                                                        gsize                     i,
                                                        const char               *path,
                                                        char                    **contents,
                                                        GError                  **error);
/* Model @i compiled (equation and hybrid kinds). */
CurrentsModel     *currents_workspace_load_model       (const CurrentsWorkspace  *ws,
                                                        gsize                     i,
                                                        GError                  **error);
CurrentsTrainedModel *currents_workspace_load_trained  (const CurrentsWorkspace  *ws,
                                                        gsize                     i,
                                                        GError                  **error);

/* Fills @options with pointers into @entry (valid while @entry is). */
void               currents_workspace_dataset_get_csv_options
                                                       (const CurrentsWorkspaceDataset *entry,
                                                        CurrentsCsvOptions       *options);
/* Fills @spec from a neural @entry (pointers into @entry). */
void               currents_workspace_model_get_spec   (const CurrentsWorkspaceModel *entry,
                                                        CurrentsNeuralSpec       *spec);
const char        *currents_workspace_model_kind_to_string (CurrentsWorkspaceModelKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsWorkspace, currents_workspace_free)

G_END_DECLS
