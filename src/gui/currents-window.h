/* currents-window.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

#include "currents-application.h"
#include "currents-bifurcation-view.h"
#include "currents-compare-view.h"
#include "currents-document.h"
#include "currents-gallery.h"
#include "currents-knockout-view.h"
#include "currents-learned-term-view.h"
#include "currents-resnet-view.h"
#include "currents-stability-view.h"
#include "currents-import-sheet.h"
#include "currents-model-editor.h"
#include "currents-model-chooser.h"
#include "currents-portrait.h"
#include "currents-preferences.h"
#include "currents-timeseries-view.h"
#include "currents-training-panel.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_WINDOW (currents_window_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsWindow, currents_window, CURRENTS, WINDOW, AdwApplicationWindow)

/* @application: (nullable) */
CurrentsWindow     *currents_window_new               (CurrentsApplication *application);

/* Loads a model (`.ode`) or a data set (anything else, read as CSV) in a thread and
 * shows it: a data set whose states include the model's is drawn over its field,
 * otherwise the new content replaces the old. Errors appear as a toast and what was
 * shown stays. */
void                currents_window_open              (CurrentsWindow      *self,
                                                       GFile               *file);
void                currents_window_open_async        (CurrentsWindow      *self,
                                                       GFile               *file,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean            currents_window_open_finish       (CurrentsWindow      *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);

/* Opens several files one after another, models first (drops, the command line). */
void                currents_window_open_files        (CurrentsWindow      *self,
                                                       GFile *const        *files,
                                                       guint                n_files);

/* Shows the bundled genetic toggle switch (with its data when bundled). */
gboolean            currents_window_open_example      (CurrentsWindow      *self);

CurrentsPortrait *currents_window_get_portrait   (CurrentsWindow      *self);
/* The page @name: "portrait", "timeseries", "diagram", "stability", "knockouts",
 * "compare", "resnet", "terms" (the view stack's) or "gallery"; NULL when unknown. */
GtkWidget          *currents_window_get_page          (CurrentsWindow      *self,
                                                       const char          *name);
/* Shows that page (making a hidden one visible); FALSE when unknown. */
gboolean            currents_window_show_page         (CurrentsWindow      *self,
                                                       const char          *name);
/* The name of the page shown ("gallery" while the gallery is). */
const char         *currents_window_get_visible_page  (CurrentsWindow      *self);
CurrentsTrainingPanel  *currents_window_get_training_panel  (CurrentsWindow *self);
CurrentsTimeseriesView *currents_window_get_timeseries_view (CurrentsWindow *self);
/* The message of the last error toast, or NULL. */
const char         *currents_window_get_last_error    (CurrentsWindow      *self);

/* Shows a model and a data set (both nullable; taken) in place of what was shown, or
 * one of them (a data set recorded from the shown model goes over its field). */
void                currents_window_show              (CurrentsWindow      *self,
                                                       CurrentsModel       *model,
                                                       const char          *model_name,
                                                       CurrentsDataset     *dataset,
                                                       const char          *dataset_name);
void                currents_window_show_model        (CurrentsWindow      *self,
                                                       CurrentsModel       *model,
                                                       const char          *name);
/* (transfer full): an equation or trained model in the phase portrait. */
void                currents_window_show_system       (CurrentsWindow      *self,
                                                       CurrentsSystem      *system,
                                                       const char          *name);
void                currents_window_show_dataset      (CurrentsWindow      *self,
                                                       CurrentsDataset     *dataset,
                                                       const char          *name);
/* An error toast (see currents_window_get_last_error()), or any toast. */
void                currents_window_show_error        (CurrentsWindow      *self,
                                                       const char          *message);
void                currents_window_add_toast         (CurrentsWindow      *self,
                                                       AdwToast            *toast);

/* ---- workspaces (currents-window-workspace.c) ---- */

/* (transfer none): the workspace the window shows; opening `.currents` files and trained
 * models (`.json`) goes through currents_window_open_async() too. */
CurrentsDocument   *currents_window_get_document      (CurrentsWindow      *self);
/* Saves the workspace to @file (nullable: its own file). */
void                currents_window_save_async        (CurrentsWindow      *self,
                                                       GFile               *file,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean            currents_window_save_finish       (CurrentsWindow      *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
/* Asks whether to restore the newest autosave no window has open; returns the
 * question (an AdwMessageDialog), or NULL when there is nothing to recover. */
GtkWindow          *currents_window_offer_recovery    (CurrentsWindow      *self);
/* Restores an autosaved workspace (the question's "Restore"). */
void                currents_window_restore_async     (CurrentsWindow      *self,
                                                       GFile               *recovered,
                                                       GCancellable        *cancellable,
                                                       GAsyncReadyCallback  callback,
                                                       gpointer             user_data);
gboolean            currents_window_restore_finish    (CurrentsWindow      *self,
                                                       GAsyncResult        *result,
                                                       GError             **error);
/* Shows the import sheet for a CSV file. */
CurrentsImportSheet *currents_window_import           (CurrentsWindow      *self,
                                                       GFile               *file);
/* Shows the model editor on the shown model; ::apply redraws the portrait. */
CurrentsModelEditor *currents_window_edit_model       (CurrentsWindow      *self);
/* Shows the model editor on new text (not yet applied) named @name. */
CurrentsModelEditor *currents_window_edit_source      (CurrentsWindow      *self,
                                                       const char          *name,
                                                       const char          *source);
/* "New Model…": asks which family (see currents-model-chooser.h) for the data shown;
 * the choice sets up the training panel, the import sheet or the editor. */
CurrentsModelChooser *currents_window_new_model       (CurrentsWindow      *self);
CurrentsPreferences *currents_window_show_preferences (CurrentsWindow      *self);

G_END_DECLS
