/* currents-import-sheet.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "currents-engine.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_COLUMN_TIME,
  CURRENTS_COLUMN_TRAJECTORY,
  CURRENTS_COLUMN_STATE,
  CURRENTS_COLUMN_INPUT,
  CURRENTS_COLUMN_IGNORE,
} CurrentsColumnRole;

#define CURRENTS_TYPE_IMPORT_SHEET (currents_import_sheet_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsImportSheet, currents_import_sheet, CURRENTS, IMPORT_SHEET, AdwWindow)

/* A dialog that previews a CSV file, lets the user give each column its role, and shows
 * the reader's error in place. ::import is emitted when the user imports; take the data
 * set with currents_import_sheet_steal_dataset(). */
CurrentsImportSheet *currents_import_sheet_new            (GtkWindow           *parent);

/* Columns named like these are guessed to be inputs. */
void                 currents_import_sheet_set_model_inputs (CurrentsImportSheet *self,
                                                             const char *const   *inputs);

/* Reads @file, shows its first rows and checks it with the guessed roles. */
void                 currents_import_sheet_load_async     (CurrentsImportSheet *self,
                                                           GFile               *file,
                                                           GCancellable        *cancellable,
                                                           GAsyncReadyCallback  callback,
                                                           gpointer             user_data);
gboolean             currents_import_sheet_load_finish    (CurrentsImportSheet *self,
                                                           GAsyncResult        *result,
                                                           GError             **error);
/* The same for text in memory. */
void                 currents_import_sheet_set_contents   (CurrentsImportSheet *self,
                                                           const char          *name,
                                                           const char          *contents,
                                                           gssize               length);

GFile               *currents_import_sheet_get_file       (CurrentsImportSheet *self);
const char          *currents_import_sheet_get_name       (CurrentsImportSheet *self);
const char          *currents_import_sheet_get_contents   (CurrentsImportSheet *self,
                                                           gsize               *length);

guint                currents_import_sheet_get_n_columns  (CurrentsImportSheet *self);
const char          *currents_import_sheet_get_column_name (CurrentsImportSheet *self,
                                                            guint                column);
CurrentsColumnRole   currents_import_sheet_get_role       (CurrentsImportSheet *self,
                                                           guint                column);
/* Choosing a second time or trajectory column makes the first one ignored. */
void                 currents_import_sheet_set_role       (CurrentsImportSheet *self,
                                                           guint                column,
                                                           CurrentsColumnRole   role);
gboolean             currents_import_sheet_get_log_scale  (CurrentsImportSheet *self,
                                                           guint                column);
void                 currents_import_sheet_set_log_scale  (CurrentsImportSheet *self,
                                                           guint                column,
                                                           gboolean             log_scale);
/* The reader's options for the chosen roles (pointers valid until the roles change). */
void                 currents_import_sheet_get_options    (CurrentsImportSheet *self,
                                                           CurrentsCsvOptions  *options);
/* The input columns marked for a log scale (%NULL-terminated; free with g_strfreev()). */
char               **currents_import_sheet_dup_log_inputs (CurrentsImportSheet *self);

/* Snapshot data of a population (continuous normalizing flows): a time column that may
 * repeat and state columns, no trajectory column; the roles do not apply. Imports
 * snapshots instead of a data set (currents_import_sheet_steal_snapshots()). */
void                 currents_import_sheet_set_snapshots_mode (CurrentsImportSheet *self,
                                                               gboolean             snapshots);
gboolean             currents_import_sheet_get_snapshots_mode (CurrentsImportSheet *self);
CurrentsSnapshots   *currents_import_sheet_steal_snapshots    (CurrentsImportSheet *self);

/* TRUE while the file is being read or checked. */
gboolean             currents_import_sheet_get_busy       (CurrentsImportSheet *self);
/* The message shown in the sheet, or NULL when the data reads with these roles. */
const char          *currents_import_sheet_get_error      (CurrentsImportSheet *self);
/* The line the error is on (0 when it names none) and whether the preview marks it. */
guint                currents_import_sheet_get_error_line (CurrentsImportSheet *self);
gboolean             currents_import_sheet_get_error_line_shown (CurrentsImportSheet *self);

/* Imports when the data reads (as the Import button does); FALSE when it does not. */
gboolean             currents_import_sheet_import         (CurrentsImportSheet *self);
/* (transfer full) (nullable): the data set read with the chosen roles. */
CurrentsDataset     *currents_import_sheet_steal_dataset  (CurrentsImportSheet *self);

G_END_DECLS
