/* currents-window-workspace-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's side of workspaces (currents-window-workspace.c): the document it shows,
 * what opening a file records in it, opening `.currents` workspaces and trained models,
 * saving, autosave and recovery, recent files, the import sheet, the model editor and
 * the preferences, and their actions.
 */
#pragma once

#include "currents-window.h"

G_BEGIN_DECLS

void     _currents_window_class_init_workspace  (GtkWidgetClass *widget_class);
void     _currents_window_init_workspace        (CurrentsWindow *self);
/* From close-request, once the window will close: keeps unsaved work for recovery. */
void     _currents_window_workspace_close       (CurrentsWindow *self);
/* Accelerators shown in menus. */
void     _currents_window_workspace_set_accels  (GtkApplication *app);

/* From currents_window_open_async(): opens a workspace or a trained model and completes
 * @task (whose source object is the window); FALSE when @file is neither. */
gboolean _currents_window_open_special          (CurrentsWindow *self,
                                                 GFile          *file,
                                                 GCancellable   *cancellable,
                                                 GTask          *task);
/* A model or data set was opened from @file and shown: record it in the workspace. */
void     _currents_window_opened_model          (CurrentsWindow *self,
                                                 GFile          *file,
                                                 const char     *name,
                                                 const char     *source);
void     _currents_window_opened_dataset        (CurrentsWindow *self,
                                                 GFile          *file,
                                                 const char     *name,
                                                 const char     *contents,
                                                 gsize           length,
                                                 const CurrentsDataset *dataset);

G_END_DECLS
