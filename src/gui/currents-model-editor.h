/* currents-model-editor.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CURRENTS_TYPE_MODEL_EDITOR (currents_model_editor_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsModelEditor, currents_model_editor, CURRENTS, MODEL_EDITOR, AdwWindow)

/* The name of the tag that underlines an error in the buffer. */
#define CURRENTS_MODEL_EDITOR_ERROR_TAG "currents-error"

/* A window that edits a model's `.ode` text: errors are underlined at their line and
 * column as the user types, and "Apply" (Ctrl+Return) emits ::apply with the name and
 * source of a model that compiles. */
CurrentsModelEditor *currents_model_editor_new          (GtkWindow           *parent);

/* Shows @source as the model called @name (the name used in messages). */
void                 currents_model_editor_set_source   (CurrentsModelEditor *self,
                                                         const char          *name,
                                                         const char          *source);
char                *currents_model_editor_dup_source   (CurrentsModelEditor *self);
const char          *currents_model_editor_get_name     (CurrentsModelEditor *self);
/* (transfer none): a GtkSourceBuffer. */
GtkTextBuffer       *currents_model_editor_get_buffer   (CurrentsModelEditor *self);

/* Compiles the text now instead of after the typing pause; TRUE when it compiles. */
gboolean             currents_model_editor_check        (CurrentsModelEditor *self);
/* The compiler's message for the text (as shown), or NULL; its line and column from 1
 * (0 when it names none). */
const char          *currents_model_editor_get_error    (CurrentsModelEditor *self);
guint                currents_model_editor_get_error_line (CurrentsModelEditor *self);
guint                currents_model_editor_get_error_column (CurrentsModelEditor *self);
/* Emits ::apply when the text compiles; FALSE (and the error shown) when not. */
gboolean             currents_model_editor_apply        (CurrentsModelEditor *self);

G_END_DECLS
