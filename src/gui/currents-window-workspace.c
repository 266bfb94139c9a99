/* currents-window-workspace.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's side of workspaces: every model and data set the window opens is
 * recorded in its document (CurrentsDocument), which is saved to and opened from one
 * `.currents` file, autosaved while it has unsaved changes and offered for recovery on
 * the next start. Also the import sheet, the model editor, the preferences, recent
 * files, and the actions and shortcuts for all of them.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-window"

#include <string.h>

#include <glib/gi18n.h>

#include "currents-window.h"
#include "currents-window-workspace-private.h"
#include "currents-window-population-private.h"

#define STATE_KEY       "currents-window-workspace"
#define MAX_RECENT      8
#define DEFAULT_AUTOSAVE_MINUTES 2

static const char new_model_source[] =
  "# A new model: one equation per state variable\n"
  "par a=1\n"
  "x' = -a*x\n"
  "init x=1\n"
  "done\n";

typedef struct
{
  CurrentsWindow      *window;       /* not a reference: the window owns this */
  CurrentsDocument    *document;
  GSettings           *settings;     /* nullable */
  GCancellable        *cancellable;
  GMenu               *recent_section;
  GtkRecentManager    *recent;
  gulong               recent_changed;
  CurrentsModelEditor *editor;       /* weak */
  CurrentsPreferences *preferences;  /* weak */
  GSList              *pending;      /* TrainedText being put into words */
} Workspace;

typedef struct
{
  CurrentsTrainedModel *tm;
  char                 *json;
  char                 *model;
  char                 *dataset;
  gboolean              added;   /* by a window closing before the thread was done */
} TrainedText;

static void add_trained_text (Workspace   *ws,
                              TrainedText *job);

static void
workspace_free (gpointer data)
{
  Workspace *ws = data;

  g_cancellable_cancel (ws->cancellable);
  g_clear_signal_handler (&ws->recent_changed, ws->recent);
  if (ws->editor != NULL)
    g_object_remove_weak_pointer (G_OBJECT (ws->editor), (gpointer *) &ws->editor);
  if (ws->preferences != NULL)
    g_object_remove_weak_pointer (G_OBJECT (ws->preferences), (gpointer *) &ws->preferences);
  g_clear_object (&ws->document);
  g_clear_object (&ws->settings);
  g_clear_object (&ws->cancellable);
  g_clear_object (&ws->recent_section);
  g_slist_free (ws->pending);
  g_free (ws);
}

static Workspace *
workspace_of (CurrentsWindow *self)
{
  return g_object_get_data (G_OBJECT (self), STATE_KEY);
}

static gboolean
is_cancellation (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
         || g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
}

static char *
display_name (GFile *file)
{
  g_autofree char *basename = g_file_get_basename (file);

  return g_filename_display_name (basename != NULL ? basename : "");
}

static gboolean
has_suffix (GFile      *file,
            const char *suffix)
{
  g_autofree char *basename = g_file_get_basename (file);
  g_autofree char *lower = basename != NULL ? g_utf8_strdown (basename, -1) : NULL;

  return lower != NULL && g_str_has_suffix (lower, suffix);
}

static gboolean
embed_data (Workspace *ws)
{
  return ws->settings == NULL || g_settings_get_boolean (ws->settings, "embed-data");
}

static void
add_recent (Workspace *ws,
            GFile     *file)
{
  g_autofree char *uri = g_file_get_uri (file);

  if (ws->recent != NULL && uri != NULL)
    gtk_recent_manager_add_item (ws->recent, uri);
}

CurrentsDocument *
currents_window_get_document (CurrentsWindow *self)
{
  Workspace *ws;

  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);
  ws = workspace_of (self);
  return ws != NULL ? ws->document : NULL;
}

/* ---- keeping the workspace in step with the window ---- */

static const char *
variable_name (CurrentsPortrait *portrait,
               guint             i)
{
  GListModel *vars = currents_portrait_get_variables (portrait);
  g_autoptr(GtkStringObject) item = g_list_model_get_item (vars, i);

  /* The list holds the item: the string outlives this reference. */
  return item != NULL ? gtk_string_object_get_string (item) : NULL;
}

static int
find_variable (CurrentsPortrait *portrait,
               const char       *name)
{
  GListModel *vars = currents_portrait_get_variables (portrait);
  guint n = g_list_model_get_n_items (vars);

  for (guint i = 0; name != NULL && i < n; i++)
    if (g_strcmp0 (variable_name (portrait, i), name) == 0)
      return (int) i;
  return -1;
}

static AdwViewStack *
view_stack (CurrentsWindow *self)
{
  GObject *stack = gtk_widget_get_template_child (GTK_WIDGET (self), CURRENTS_TYPE_WINDOW,
                                                  "view_stack");

  return ADW_IS_VIEW_STACK (stack) ? ADW_VIEW_STACK (stack) : NULL;
}

/* Before a save: what is shown is in the workspace (the example, a model applied from
 * the editor), marked active, with the view settings. */
static void
prepare_save_cb (CurrentsDocument *document,
                 CurrentsWindow   *self)
{
  Workspace *ws = workspace_of (self);
  CurrentsPortrait *portrait = currents_window_get_portrait (self);
  const CurrentsModel *model = currents_portrait_get_model (portrait);
  const CurrentsDataset *dataset = currents_portrait_get_dataset (portrait);
  CurrentsWorkspace *workspace = currents_document_get_workspace (document);
  const char *model_name = NULL, *dataset_name = NULL;
  JsonObject *view = currents_workspace_get_view (workspace);
  AdwViewStack *stack = view_stack (self);
  gboolean scale_arrows = FALSE, show_legend = TRUE;

  if (ws == NULL)
    return;
  if (model != NULL)
    {
      model_name = currents_model_get_filename (model);
      if (model_name == NULL)
        model_name = _("Model");
      if (currents_workspace_find_model (workspace, model_name) < 0)
        currents_document_add_model (document, model_name, NULL, currents_model_get_source (model),
                                     NULL);
    }
  if (dataset != NULL)
    {
      int i;

      dataset_name = currents_dataset_get_filename (dataset);
      if (dataset_name == NULL)
        dataset_name = _("Data");
      i = currents_workspace_find_dataset (workspace, dataset_name);
      if (i < 0 || g_strcmp0 (currents_workspace_get_dataset (workspace, i)->sha256,
                              currents_dataset_get_sha256 (dataset)) != 0)
        currents_document_add_dataset (document, dataset_name, NULL, NULL, -1, dataset, NULL,
                                       NULL, TRUE, NULL);
    }
  currents_workspace_set_active (workspace,
                                 currents_workspace_find_dataset (workspace, dataset_name) >= 0
                                 ? dataset_name : NULL,
                                 currents_workspace_find_model (workspace, model_name) >= 0
                                 ? model_name : NULL,
                                 currents_workspace_get_active_trained (workspace), NULL);

  g_object_get (self, "scale-arrows", &scale_arrows, "show-legend", &show_legend, NULL);
  if (model != NULL || dataset != NULL)
    {
      const char *x = variable_name (portrait, currents_portrait_get_x_axis (portrait));
      const char *y = variable_name (portrait, currents_portrait_get_y_axis (portrait));

      if (x != NULL)
        json_object_set_string_member (view, "x_axis", x);
      if (y != NULL)
        json_object_set_string_member (view, "y_axis", y);
    }
  json_object_set_boolean_member (view, "scale_arrows", scale_arrows);
  json_object_set_boolean_member (view, "show_legend", show_legend);
  if (stack != NULL && adw_view_stack_get_visible_child_name (stack) != NULL)
    json_object_set_string_member (view, "page", adw_view_stack_get_visible_child_name (stack));
}

/* After a workspace was opened: its view settings. */
static void
apply_view (CurrentsWindow *self)
{
  Workspace *ws = workspace_of (self);
  JsonObject *view = currents_workspace_get_view (currents_document_get_workspace (ws->document));
  CurrentsPortrait *portrait = currents_window_get_portrait (self);
  AdwViewStack *stack = view_stack (self);
  const char *key;
  int x = -1, y = -1;

  if (json_object_has_member (view, "x_axis"))
    x = find_variable (portrait, json_object_get_string_member (view, "x_axis"));
  if (json_object_has_member (view, "y_axis"))
    y = find_variable (portrait, json_object_get_string_member (view, "y_axis"));
  if (x >= 0)
    currents_portrait_set_x_axis (portrait, (guint) x);
  if (y >= 0)
    currents_portrait_set_y_axis (portrait, (guint) y);
  for (guint k = 0; k < 2; k++)
    {
      key = k == 0 ? "scale_arrows" : "show_legend";
      if (json_object_has_member (view, key)
          && JSON_NODE_HOLDS_VALUE (json_object_get_member (view, key)))
        g_object_set (self, k == 0 ? "scale-arrows" : "show-legend",
                      json_object_get_boolean_member (view, key), NULL);
    }
  if (stack != NULL && json_object_has_member (view, "page"))
    {
      const char *page = json_object_get_string_member (view, "page");

      if (page != NULL && adw_view_stack_get_child_by_name (stack, page) != NULL)
        adw_view_stack_set_visible_child_name (stack, page);
    }
}

/* Files opened into a workspace that was never saved are not work to recover: they are
 * still where they were opened from. */
static void
opened_file (Workspace *ws,
             gboolean   was_modified)
{
  if (!was_modified && currents_document_get_file (ws->document) == NULL)
    currents_document_set_modified (ws->document, FALSE);
}

void
_currents_window_opened_model (CurrentsWindow *self,
                               GFile          *file,
                               const char     *name,
                               const char     *source)
{
  Workspace *ws = workspace_of (self);
  g_autoptr(GError) error = NULL;

  gboolean was_modified;

  if (ws == NULL || source == NULL)
    return;
  was_modified = currents_document_get_modified (ws->document);
  if (!currents_document_add_model (ws->document, name, file, source, &error))
    g_warning ("%s", error->message);
  opened_file (ws, was_modified);
  if (file != NULL)
    add_recent (ws, file);
}

void
_currents_window_opened_dataset (CurrentsWindow        *self,
                                 GFile                 *file,
                                 const char            *name,
                                 const char            *contents,
                                 gsize                  length,
                                 const CurrentsDataset *dataset)
{
  Workspace *ws = workspace_of (self);
  g_autoptr(GError) error = NULL;

  gboolean was_modified;

  if (ws == NULL || dataset == NULL)
    return;
  was_modified = currents_document_get_modified (ws->document);
  if (!currents_document_add_dataset (ws->document, name, file, contents,
                                      contents != NULL ? (gssize) length : -1, dataset, NULL,
                                      NULL, embed_data (ws), &error))
    g_warning ("%s", error->message);
  opened_file (ws, was_modified);
  if (file != NULL)
    add_recent (ws, file);
}

/* ---- opening workspaces and trained models ---- */

/* The trained model the workspace showed (one autosaved while it trained, say) is shown
 * again, over the data. */
static void
show_active_trained (CurrentsWindow *self)
{
  Workspace *ws = workspace_of (self);
  CurrentsWorkspace *workspace = currents_document_get_workspace (ws->document);
  const char *name = currents_workspace_get_active_trained (workspace);
  int i = name != NULL ? currents_workspace_find_trained (workspace, name) : -1;
  const CurrentsWorkspaceTrained *entry;
  CurrentsTrainedModel *tm, *copy;
  g_autoptr(GError) error = NULL;

  if (i < 0)
    return;
  entry = currents_workspace_get_trained (workspace, (gsize) i);
  tm = currents_trained_model_load_from_data (entry->json, -1, name, &error);
  if (tm == NULL)
    {
      currents_window_show_error (self, error->message);
      return;
    }
  copy = currents_trained_model_load_from_data (entry->json, -1, name, NULL);
  currents_window_show_system (self, currents_system_new_from_trained (tm), name);
  if (copy != NULL)
    currents_timeseries_view_set_system (currents_window_get_timeseries_view (self),
                                         currents_system_new_from_trained (copy));
}

static void
workspace_loaded_cb (GObject      *object,
                     GAsyncResult *result,
                     gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CurrentsWindow *self = g_task_get_source_object (task);
  Workspace *ws = workspace_of (self);
  g_autoptr(CurrentsDocumentActive) active = NULL;
  GError *error = NULL;

  active = currents_document_load_finish (CURRENTS_DOCUMENT (object), result, &error);
  if (active == NULL)
    {
      if (!is_cancellation (error) && !g_cancellable_is_cancelled (ws->cancellable))
        currents_window_show_error (self, error->message);
      g_task_return_error (task, error);
      return;
    }
  currents_window_show (self, g_steal_pointer (&active->model), active->model_name,
                        g_steal_pointer (&active->dataset), active->dataset_name);
  show_active_trained (self);
  apply_view (self);
  if (active->problem != NULL)
    currents_window_show_error (self, active->problem->message);
  add_recent (ws, currents_document_get_file (ws->document));
  g_task_return_boolean (task, TRUE);
}

static void
forward_open_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  GError *error = NULL;

  if (currents_window_open_finish (CURRENTS_WINDOW (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

typedef struct
{
  GFile                *file;
  char                 *name;
  CurrentsTrainedModel *trained;
} TrainedJob;

static void
trained_job_free (gpointer data)
{
  TrainedJob *job = data;

  g_clear_object (&job->file);
  g_free (job->name);
  g_clear_pointer (&job->trained, currents_trained_model_free);
  g_free (job);
}

static void
trained_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  TrainedJob *job = task_data;
  g_autofree char *contents = NULL;
  GError *error = NULL;
  gsize length = 0;

  if (!g_file_load_contents (job->file, cancellable, &contents, &length, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  job->trained = currents_trained_model_load_from_data (contents, (gssize) length, job->name,
                                                        &error);
  if (job->trained == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
trained_loaded_cb (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CurrentsWindow *self = CURRENTS_WINDOW (object);
  Workspace *ws = workspace_of (self);
  TrainedJob *job = g_task_get_task_data (G_TASK (result));
  CurrentsWorkspace *workspace = currents_document_get_workspace (ws->document);
  g_autofree char *message = NULL;
  GError *error = NULL;
  gboolean was_modified = currents_document_get_modified (ws->document);

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!is_cancellation (error) && !g_cancellable_is_cancelled (ws->cancellable))
        currents_window_show_error (self, error->message);
      g_task_return_error (task, error);
      return;
    }
  if (!currents_document_add_trained (ws->document, job->name, job->trained, NULL,
                                      currents_trained_model_get_data_filename (job->trained),
                                      &error))
    {
      currents_window_show_error (self, error->message);
      g_task_return_error (task, error);
      return;
    }
  currents_workspace_set_active (workspace, currents_workspace_get_active_dataset (workspace),
                                 currents_workspace_get_active_model (workspace), job->name,
                                 NULL);
  opened_file (ws, was_modified);
  /* The phase portrait draws it (its own copy). */
  {
    g_autofree char *text = currents_trained_model_to_data (job->trained);
    CurrentsTrainedModel *copy = currents_trained_model_load_from_data (text, -1, job->name, NULL);

    if (copy != NULL)
      currents_window_show_system (self, currents_system_new_from_trained (copy), job->name);
  }
  /* The time series show the trained model over whatever data is shown. */
  currents_timeseries_view_set_system (
    currents_window_get_timeseries_view (self),
    currents_system_new_from_trained (g_steal_pointer (&job->trained)));
  add_recent (ws, job->file);
  /* Translators: %s is a trained model's file name */
  message = g_strdup_printf (_("Added the trained model “%s” to the workspace"), job->name);
  currents_window_add_toast (self, adw_toast_new (message));
  g_task_return_boolean (task, TRUE);
}

gboolean
_currents_window_open_special (CurrentsWindow *self,
                               GFile          *file,
                               GCancellable   *cancellable,
                               GTask          *task)
{
  Workspace *ws = workspace_of (self);

  if (ws == NULL)
    return FALSE;

  if (has_suffix (file, CURRENTS_WORKSPACE_SUFFIX))
    {
      GtkApplication *app = gtk_window_get_application (GTK_WINDOW (self));

      /* Unsaved work stays where it is: the workspace opens in a window of its own. */
      if (app != NULL && currents_document_get_modified (ws->document))
        {
          CurrentsWindow *other = currents_window_new (CURRENTS_APPLICATION (app));

          gtk_window_present (GTK_WINDOW (other));
          currents_window_open_async (other, file, cancellable, forward_open_cb, task);
          return TRUE;
        }
      currents_document_load_async (ws->document, file,
                                    cancellable != NULL ? cancellable : ws->cancellable,
                                    workspace_loaded_cb, task);
      return TRUE;
    }

  if (has_suffix (file, ".json"))
    {
      g_autoptr(GTask) inner = g_task_new (self,
                                           cancellable != NULL ? cancellable : ws->cancellable,
                                           trained_loaded_cb, task);
      TrainedJob *job = g_new0 (TrainedJob, 1);

      job->file = g_object_ref (file);
      job->name = display_name (file);
      g_task_set_source_tag (inner, trained_thread);
      g_task_set_task_data (inner, job, trained_job_free);
      g_task_run_in_thread (inner, trained_thread);
      return TRUE;
    }
  return FALSE;
}

/* ---- saving ---- */

static void
window_saved_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CurrentsWindow *self = g_task_get_source_object (task);
  Workspace *ws = workspace_of (self);
  g_autofree char *title = NULL, *message = NULL;
  GError *error = NULL;

  if (!currents_document_save_finish (CURRENTS_DOCUMENT (object), result, &error))
    {
      if (!is_cancellation (error))
        currents_window_show_error (self, error->message);
      g_task_return_error (task, error);
      return;
    }
  add_recent (ws, currents_document_get_file (ws->document));
  title = currents_document_dup_title (ws->document);
  /* Translators: %s is the workspace's name */
  message = g_strdup_printf (_("Saved “%s”"), title);
  currents_window_add_toast (self, adw_toast_new (message));
  g_task_return_boolean (task, TRUE);
}

void
currents_window_save_async (CurrentsWindow      *self,
                            GFile               *file,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  Workspace *ws;
  GTask *task;

  g_return_if_fail (CURRENTS_IS_WINDOW (self));
  g_return_if_fail (file == NULL || G_IS_FILE (file));

  ws = workspace_of (self);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, currents_window_save_async);
  if (file == NULL)
    file = currents_document_get_file (ws->document);
  if (file == NULL)
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                               _("The workspace has no file yet: choose one with Save As"));
      g_object_unref (task);
      return;
    }
  currents_document_save_async (ws->document, file,
                                cancellable != NULL ? cancellable : ws->cancellable,
                                window_saved_cb, task);
}

gboolean
currents_window_save_finish (CurrentsWindow  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == currents_window_save_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
save_action_done (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  /* Errors were shown. */
  currents_window_save_finish (CURRENTS_WINDOW (object), result, NULL);
}

static void
add_filter (GtkFileChooser    *chooser,
            const char        *name,
            const char *const *patterns,
            const char        *mime_type)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  if (mime_type != NULL)
    gtk_file_filter_add_mime_type (filter, mime_type);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
save_as_response_cb (GtkNativeDialog *dialog,
                     int              response,
                     gpointer         user_data)
{
  CurrentsWindow *self = CURRENTS_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL && !has_suffix (file, CURRENTS_WORKSPACE_SUFFIX))
        {
          g_autofree char *basename = g_file_get_basename (file);
          g_autofree char *named = g_strconcat (basename, CURRENTS_WORKSPACE_SUFFIX, NULL);
          g_autoptr(GFile) parent = g_file_get_parent (file);
          GFile *child = g_file_get_child (parent, named);

          g_object_unref (file);
          file = child;
        }
      if (file != NULL)
        currents_window_save_async (self, file, NULL, save_action_done, NULL);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
save_as_action (GtkWidget  *widget,
                const char *action_name,
                GVariant   *parameter)
{
  static const char *const patterns[] = { "*" CURRENTS_WORKSPACE_SUFFIX, NULL };
  CurrentsWindow *self = CURRENTS_WINDOW (widget);
  Workspace *ws = workspace_of (self);
  GtkFileChooserNative *native;
  g_autofree char *title = currents_document_dup_title (ws->document);
  g_autofree char *name = NULL;
  GFile *file = currents_document_get_file (ws->document);

  native = gtk_file_chooser_native_new (_("Save the Workspace"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  add_filter (GTK_FILE_CHOOSER (native), _("Workspaces"), patterns, NULL);
  if (file != NULL)
    gtk_file_chooser_set_file (GTK_FILE_CHOOSER (native), file, NULL);
  else
    {
      name = g_strconcat (title, CURRENTS_WORKSPACE_SUFFIX, NULL);
      gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
    }
  g_signal_connect (native, "response", G_CALLBACK (save_as_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CurrentsWindow *self = CURRENTS_WINDOW (widget);

  if (currents_document_get_file (workspace_of (self)->document) == NULL)
    save_as_action (widget, "win.save-as", NULL);
  else
    currents_window_save_async (self, NULL, NULL, save_action_done, NULL);
}

/* ---- autosave and recovery ---- */

void
_currents_window_workspace_close (CurrentsWindow *self)
{
  Workspace *ws = workspace_of (self);

  if (ws == NULL)
    return;
  /* a model training just made is kept even when its text is not ready yet */
  for (GSList *l = ws->pending; l != NULL; l = l->next)
    {
      TrainedText *job = l->data;

      if (!job->added)
        {
          g_autofree char *json = currents_trained_model_to_data (job->tm);
          TrainedText copy = *job;

          copy.json = json;
          add_trained_text (ws, &copy);
          job->added = TRUE;
        }
    }
  currents_document_close (ws->document);
}

static void
restored_cb (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CurrentsWindow *self = g_task_get_source_object (task);
  Workspace *ws = workspace_of (self);
  GFile *recovered = g_task_get_task_data (task);
  g_autoptr(CurrentsDocumentActive) active = NULL;
  GError *error = NULL;

  active = currents_document_load_finish (CURRENTS_DOCUMENT (object), result, &error);
  if (active == NULL)
    {
      if (!is_cancellation (error))
        currents_window_show_error (self, error->message);
      g_task_return_error (task, error);
      return;
    }
  currents_document_adopt_recovery (ws->document, recovered);
  currents_window_show (self, g_steal_pointer (&active->model), active->model_name,
                        g_steal_pointer (&active->dataset), active->dataset_name);
  show_active_trained (self);
  apply_view (self);
  if (active->problem != NULL)
    currents_window_show_error (self, active->problem->message);
  g_task_return_boolean (task, TRUE);
}

void
currents_window_restore_async (CurrentsWindow      *self,
                               GFile               *recovered,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  Workspace *ws;
  GTask *task;

  g_return_if_fail (CURRENTS_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (recovered));

  ws = workspace_of (self);
  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, currents_window_restore_async);
  g_task_set_task_data (task, g_object_ref (recovered), g_object_unref);
  currents_document_load_async (ws->document, recovered,
                                cancellable != NULL ? cancellable : ws->cancellable,
                                restored_cb, task);
}

gboolean
currents_window_restore_finish (CurrentsWindow  *self,
                                GAsyncResult    *result,
                                GError         **error)
{
  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == currents_window_restore_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
restore_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  currents_window_restore_finish (CURRENTS_WINDOW (object), result, NULL);
}

static void
recovery_response_cb (AdwMessageDialog *dialog,
                      const char       *response,
                      CurrentsWindow   *self)
{
  GFile *file = g_object_get_data (G_OBJECT (dialog), "file");

  if (g_strcmp0 (response, "restore") == 0)
    currents_window_restore_async (self, file, NULL, restore_done, NULL);
  else if (g_strcmp0 (response, "discard") == 0)
    g_file_delete (file, NULL, NULL);
  /* Closed otherwise: asked again next time. */
}

GtkWindow *
currents_window_offer_recovery (CurrentsWindow *self)
{
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) origin = NULL;
  g_autoptr(GDateTime) when = NULL;
  g_autofree char *what = NULL, *date = NULL;
  GtkWidget *dialog;

  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);

  file = currents_document_find_recovery (&when);
  if (file == NULL)
    return NULL;
  origin = currents_document_recovery_origin (file);
  if (origin != NULL)
    {
      g_autofree char *name = display_name (origin);

      /* Translators: %s is a workspace's file name */
      what = g_strdup_printf (_("“%s”"), name);
    }
  else
    what = g_strdup (_("an unsaved workspace"));
  /* Translators: a date and time for strftime(); see `man strftime` */
  date = g_date_time_format (when, _("%-d %B at %H:%M"));

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Restore Unsaved Work?"), NULL);
  /* Translators: the first %s is a date and time, the second a workspace */
  adw_message_dialog_format_body (ADW_MESSAGE_DIALOG (dialog),
                                  _("Currents was closed on %s with unsaved changes to %s. "
                                    "Restore them, or discard them for good?"), date, what);
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "discard", _("_Discard"),
                                    "restore", _("_Restore"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "discard",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "restore",
                                              ADW_RESPONSE_SUGGESTED);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "restore");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "close");
  g_object_set_data_full (G_OBJECT (dialog), "file", g_steal_pointer (&file), g_object_unref);
  g_signal_connect_object (dialog, "response", G_CALLBACK (recovery_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return GTK_WINDOW (dialog);
}

/* ---- trained models from the training panel ---- */

/* What a training run's model is called, and what it was trained from. */
static void
trained_names (CurrentsWindow             *self,
               const CurrentsTrainedModel *tm,
               const char                **model_name,
               const char                **dataset_name)
{
  const CurrentsModel *model = currents_portrait_get_model (currents_window_get_portrait (self));
  const CurrentsDataset *dataset = currents_portrait_get_dataset (currents_window_get_portrait (self));

  *model_name = *dataset_name = NULL;
  if (model != NULL && currents_trained_model_get_kind (tm) == CURRENTS_TRAINED_ODE)
    *model_name = currents_model_get_filename (model);
  if (dataset != NULL)
    *dataset_name = currents_dataset_get_filename (dataset);
}

/* While training runs, autosaves keep its best model so far: a crash or a kill loses at
 * most one autosave interval of training. */
static CurrentsTrainedModel *
checkpoint_cb (gpointer   data,
               char     **name,
               char     **model,
               char     **dataset)
{
  CurrentsWindow *self = data;
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (self);
  CurrentsTrainedModel *tm = currents_training_panel_dup_trained_model (panel);
  const char *model_name, *dataset_name;

  if (tm == NULL)
    return NULL;
  trained_names (self, tm, &model_name, &dataset_name);
  /* Translators: %s is a model, %u an epoch; names a model saved while it trains */
  *name = g_strdup_printf (_("%s, in training (best of epoch %u)"),
                           model_name != NULL ? model_name : _("Neural ODE"),
                           currents_training_panel_get_best_epoch (panel));
  *model = g_strdup (model_name);
  *dataset = g_strdup (dataset_name);
  return tm;
}

static void
best_changed_cb (CurrentsTrainingPanel *panel,
                 CurrentsWindow        *self)
{
  Workspace *ws = workspace_of (self);

  if (ws != NULL)
    currents_document_checkpoint_changed (ws->document);
}

static void
trained_text_free (gpointer data)
{
  TrainedText *job = data;

  g_clear_pointer (&job->tm, currents_trained_model_free);
  g_free (job->json);
  g_free (job->model);
  g_free (job->dataset);
  g_free (job);
}

static void
trained_text_thread (GTask        *task,
                     gpointer      source,
                     gpointer      data,
                     GCancellable *cancellable)
{
  TrainedText *job = data;

  job->json = currents_trained_model_to_data (job->tm);
  g_task_return_boolean (task, TRUE);
}

/* The model training made, added to the workspace under a name of its own. */
static void
add_trained_text (Workspace   *ws,
                  TrainedText *job)
{
  CurrentsWorkspace *workspace;
  g_autofree char *name = NULL;
  const char *base;

  job->added = TRUE;
  workspace = currents_document_get_workspace (ws->document);
  /* Translators: the name of a neural ODE trained on the data */
  base = job->model != NULL ? job->model : _("Neural ODE");
  /* Translators: %s is a model; this names the model after training */
  name = g_strdup_printf (_("%s, trained"), base);
  for (guint k = 2; currents_workspace_find_trained (workspace, name) >= 0; k++)
    {
      g_free (name);
      /* Translators: %s is a model, %u counts its trainings */
      name = g_strdup_printf (_("%s, trained %u"), base, k);
    }
  if (currents_document_add_trained_json (ws->document, name, job->json, job->model,
                                          job->dataset, NULL))
    currents_workspace_set_active (workspace, currents_workspace_get_active_dataset (workspace),
                                   currents_workspace_get_active_model (workspace), name, NULL);
}

static void
trained_text_done (GObject      *object,
                   GAsyncResult *result,
                   gpointer      user_data)
{
  CurrentsWindow *self = CURRENTS_WINDOW (object);
  TrainedText *job = g_task_get_task_data (G_TASK (result));
  Workspace *ws = workspace_of (self);

  if (ws == NULL)
    return;
  ws->pending = g_slist_remove (ws->pending, job);
  if (g_task_propagate_boolean (G_TASK (result), NULL) && !job->added)
    add_trained_text (ws, job);
}

static void
training_state_cb (CurrentsTrainingPanel *panel,
                   GParamSpec            *pspec,
                   CurrentsWindow        *self)
{
  Workspace *ws = workspace_of (self);
  CurrentsTrainingState state = currents_training_panel_get_state (panel);
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  const char *model_name = NULL, *dataset_name = NULL;

  if (ws == NULL)
    return;
  if (state == CURRENTS_TRAINING_RUNNING)
    {
      currents_document_set_checkpoint (ws->document, checkpoint_cb, self, NULL);
      return;
    }
  if (state == CURRENTS_TRAINING_STOPPING)
    return;
  currents_document_set_checkpoint (ws->document, NULL, NULL, NULL);
  /* the best model is kept however training ended */
  if (state != CURRENTS_TRAINING_FINISHED && state != CURRENTS_TRAINING_STOPPED
      && state != CURRENTS_TRAINING_FAILED)
    return;
  tm = currents_training_panel_dup_trained_model (panel);
  if (tm == NULL)
    return;

  /* its file text is made in a thread: a big network takes a second */
  {
    g_autoptr(GTask) task = g_task_new (self, ws->cancellable, trained_text_done, NULL);
    TrainedText *job = g_new0 (TrainedText, 1);

    trained_names (self, tm, &model_name, &dataset_name);
    job->model = g_strdup (model_name);
    job->dataset = g_strdup (dataset_name);
    job->tm = g_steal_pointer (&tm);
    ws->pending = g_slist_prepend (ws->pending, job);
    g_task_set_source_tag (task, training_state_cb);
    g_task_set_task_data (task, job, trained_text_free);
    g_task_run_in_thread (task, trained_text_thread);
  }
}

/* ---- recent files ---- */

static char *
escape_mnemonics (const char *label)
{
  GString *s = g_string_new (NULL);

  for (const char *c = label; *c != '\0'; c++)
    {
      if (*c == '_')
        g_string_append_c (s, '_');
      g_string_append_c (s, *c);
    }
  return g_string_free (s, FALSE);
}

static int
compare_recent (gconstpointer a,
                gconstpointer b)
{
  GDateTime *ta = gtk_recent_info_get_modified ((GtkRecentInfo *) a);
  GDateTime *tb = gtk_recent_info_get_modified ((GtkRecentInfo *) b);

  return -g_date_time_compare (ta, tb);
}

static gboolean
is_ours (GtkRecentInfo *info)
{
  static const char *const suffixes[] = { CURRENTS_WORKSPACE_SUFFIX, ".ode", ".csv", ".tsv",
                                          ".json", NULL };
  const char *uri = gtk_recent_info_get_uri (info);
  g_autofree char *lower = g_utf8_strdown (uri, -1);
  gboolean suffix = FALSE;

  for (guint i = 0; suffixes[i] != NULL; i++)
    suffix |= g_str_has_suffix (lower, suffixes[i]);
  return suffix && g_get_application_name () != NULL
         && gtk_recent_info_has_application (info, g_get_application_name ())
         && (!gtk_recent_info_is_local (info) || gtk_recent_info_exists (info));
}

static void
rebuild_recent (Workspace *ws)
{
  GList *items, *ours = NULL;
  guint n = 0;

  g_menu_remove_all (ws->recent_section);
  items = gtk_recent_manager_get_items (ws->recent);
  for (GList *l = items; l != NULL; l = l->next)
    if (is_ours (l->data))
      ours = g_list_prepend (ours, l->data);
  ours = g_list_sort (ours, compare_recent);
  for (GList *l = ours; l != NULL && n < MAX_RECENT; l = l->next, n++)
    {
      GtkRecentInfo *info = l->data;
      g_autofree char *label = escape_mnemonics (gtk_recent_info_get_display_name (info));
      g_autoptr(GMenuItem) item = g_menu_item_new (label, NULL);

      g_menu_item_set_action_and_target (item, "win.open-recent", "s",
                                         gtk_recent_info_get_uri (info));
      g_menu_append_item (ws->recent_section, item);
    }
  g_list_free (ours);
  g_list_free_full (items, (GDestroyNotify) gtk_recent_info_unref);
}

static void
recent_changed_cb (GtkRecentManager *manager,
                   CurrentsWindow   *self)
{
  Workspace *ws = workspace_of (self);

  if (ws != NULL)
    rebuild_recent (ws);
}

static void
open_recent_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  g_autoptr(GFile) file = g_file_new_for_uri (g_variant_get_string (parameter, NULL));

  currents_window_open_files (CURRENTS_WINDOW (widget), &file, 1);
}

/* ---- the import sheet ---- */

static void
sheet_import_cb (CurrentsImportSheet *sheet,
                 CurrentsWindow      *self)
{
  Workspace *ws = workspace_of (self);
  g_autoptr(CurrentsDataset) dataset = currents_import_sheet_steal_dataset (sheet);
  g_auto(GStrv) logs = currents_import_sheet_dup_log_inputs (sheet);
  g_autoptr(GError) error = NULL;
  CurrentsCsvOptions options;
  const char *name = currents_import_sheet_get_name (sheet);
  GFile *file = currents_import_sheet_get_file (sheet);
  const char *contents;
  gsize length = 0;

  /* snapshot data of a population: the Population page */
  if (currents_import_sheet_get_snapshots_mode (sheet))
    {
      CurrentsSnapshots *snapshots = currents_import_sheet_steal_snapshots (sheet);

      if (snapshots != NULL)
        _currents_window_show_population (self, NULL, NULL, snapshots, name, TRUE);
      return;
    }
  if (dataset == NULL)
    return;
  currents_import_sheet_get_options (sheet, &options);
  contents = currents_import_sheet_get_contents (sheet, &length);
  if (!currents_document_add_dataset (ws->document, name, file, contents, (gssize) length,
                                      dataset, &options, (const char *const *) logs,
                                      embed_data (ws), &error))
    currents_window_show_error (self, error->message);
  if (file != NULL)
    add_recent (ws, file);
  currents_window_show_dataset (self, g_steal_pointer (&dataset), name);
}

static void
sheet_loaded_cb (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  CurrentsImportSheet *sheet = CURRENTS_IMPORT_SHEET (object);
  g_autoptr(CurrentsWindow) self = user_data;
  g_autoptr(GError) error = NULL;

  if (!currents_import_sheet_load_finish (sheet, result, &error))
    {
      if (!is_cancellation (error))
        currents_window_show_error (self, error->message);
      gtk_window_destroy (GTK_WINDOW (sheet));
    }
}

CurrentsImportSheet *
currents_window_import (CurrentsWindow *self,
                        GFile          *file)
{
  Workspace *ws;
  CurrentsImportSheet *sheet;
  const CurrentsModel *model;

  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  ws = workspace_of (self);
  sheet = currents_import_sheet_new (GTK_WINDOW (self));
  gtk_window_set_destroy_with_parent (GTK_WINDOW (sheet), TRUE);
  model = currents_portrait_get_model (currents_window_get_portrait (self));
  if (model != NULL)
    currents_import_sheet_set_model_inputs (sheet, currents_model_get_input_names (model));
  g_signal_connect_object (sheet, "import", G_CALLBACK (sheet_import_cb), self, 0);
  currents_import_sheet_load_async (sheet, file, ws->cancellable, sheet_loaded_cb,
                                    g_object_ref (self));
  gtk_window_present (GTK_WINDOW (sheet));
  return sheet;
}

static void
import_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    gpointer         user_data)
{
  CurrentsWindow *self = CURRENTS_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));

      if (file != NULL)
        currents_window_import (self, file);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  static const char *const patterns[] = { "*.csv", "*.CSV", "*.tsv", "*.txt", NULL };
  GtkFileChooserNative *native;

  native = gtk_file_chooser_native_new (_("Import Data"), GTK_WINDOW (widget),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  add_filter (GTK_FILE_CHOOSER (native), _("Data (.csv)"), patterns, "text/csv");
  g_signal_connect (native, "response", G_CALLBACK (import_response_cb), widget);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ---- the model editor ---- */

static void
editor_apply_cb (CurrentsModelEditor *editor,
                 const char          *name,
                 const char          *source,
                 CurrentsWindow      *self)
{
  Workspace *ws = workspace_of (self);
  CurrentsWorkspace *workspace = currents_document_get_workspace (ws->document);
  g_autoptr(GError) error = NULL;
  g_autoptr(GFile) file = NULL;
  CurrentsModel *model;
  int i;

  model = currents_model_new_from_string (source, name, &error);
  if (model == NULL)
    {
      currents_window_show_error (self, error->message);
      return;
    }
  /* Keep where the model came from. */
  i = currents_workspace_find_model (workspace, name);
  if (i >= 0 && currents_workspace_get_model (workspace, i)->path != NULL)
    file = g_file_new_for_path (currents_workspace_get_model (workspace, i)->path);
  currents_window_show_model (self, model, name);
  if (!currents_document_add_model (ws->document, name, file, source, &error))
    currents_window_show_error (self, error->message);
}

CurrentsModelEditor *
currents_window_edit_model (CurrentsWindow *self)
{
  Workspace *ws;
  const CurrentsModel *model;

  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);

  ws = workspace_of (self);
  model = currents_portrait_get_model (currents_window_get_portrait (self));
  if (ws->editor == NULL)
    {
      ws->editor = currents_model_editor_new (GTK_WINDOW (self));
      g_object_add_weak_pointer (G_OBJECT (ws->editor), (gpointer *) &ws->editor);
      gtk_window_set_destroy_with_parent (GTK_WINDOW (ws->editor), TRUE);
      g_signal_connect_object (ws->editor, "apply", G_CALLBACK (editor_apply_cb), self, 0);
      if (model != NULL)
        currents_model_editor_set_source (ws->editor, currents_model_get_filename (model),
                                          currents_model_get_source (model));
      else
        currents_model_editor_set_source (ws->editor, _("Untitled.ode"), new_model_source);
    }
  gtk_window_present (GTK_WINDOW (ws->editor));
  return ws->editor;
}

static void
edit_model_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  currents_window_edit_model (CURRENTS_WINDOW (widget));
}

CurrentsModelEditor *
currents_window_edit_source (CurrentsWindow *self,
                             const char     *name,
                             const char     *source)
{
  CurrentsModelEditor *editor;

  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);
  g_return_val_if_fail (name != NULL && source != NULL, NULL);

  editor = currents_window_edit_model (self);
  currents_model_editor_set_source (editor, name, source);
  return editor;
}

/* ---- new model ---- */

static void
model_chosen_cb (CurrentsModelChooser *chooser,
                 guint                 choice,
                 const char           *source,
                 CurrentsWindow       *self)
{
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (self);
  GtkWidget *flap;

  switch (choice)
    {
    case CURRENTS_MODEL_CHOICE_NEURAL:
      if (currents_portrait_get_dataset (currents_window_get_portrait (self)) == NULL)
        {
          gtk_widget_activate_action (GTK_WIDGET (self), "win.import-data", NULL);
          break;
        }
      currents_training_panel_set_kind (panel, "neural");
      flap = gtk_widget_get_ancestor (GTK_WIDGET (panel), ADW_TYPE_FLAP);
      if (flap != NULL)
        adw_flap_set_reveal_flap (ADW_FLAP (flap), TRUE);
      break;
    case CURRENTS_MODEL_CHOICE_POPULATION:
      gtk_widget_activate_action (GTK_WIDGET (self), "win.import-data", NULL);
      break;
    default:
      if (source != NULL)
        currents_window_edit_source (self, _("Untitled.ode"), source);
      break;
    }
}

CurrentsModelChooser *
currents_window_new_model (CurrentsWindow *self)
{
  CurrentsModelChooser *chooser;
  const CurrentsDataset *dataset;

  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);

  dataset = currents_portrait_get_dataset (currents_window_get_portrait (self));
  chooser = currents_model_chooser_new (GTK_WINDOW (self), dataset);
  g_signal_connect_object (chooser, "chosen", G_CALLBACK (model_chosen_cb), self, 0);
  gtk_window_present (GTK_WINDOW (chooser));
  return chooser;
}

static void
new_model_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  currents_window_new_model (CURRENTS_WINDOW (widget));
}

/* ---- preferences and windows ---- */

CurrentsPreferences *
currents_window_show_preferences (CurrentsWindow *self)
{
  Workspace *ws;

  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);

  ws = workspace_of (self);
  if (ws->preferences == NULL)
    {
      ws->preferences = currents_preferences_new (GTK_WINDOW (self));
      g_object_add_weak_pointer (G_OBJECT (ws->preferences), (gpointer *) &ws->preferences);
      gtk_window_set_destroy_with_parent (GTK_WINDOW (ws->preferences), TRUE);
    }
  gtk_window_present (GTK_WINDOW (ws->preferences));
  return ws->preferences;
}

static void
preferences_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  currents_window_show_preferences (CURRENTS_WINDOW (widget));
}

static void
new_window_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  GtkApplication *app = gtk_window_get_application (GTK_WINDOW (widget));
  CurrentsWindow *window;

  if (app == NULL)
    return;
  window = currents_window_new (CURRENTS_APPLICATION (app));
  gtk_window_present (GTK_WINDOW (window));
}

/* ---- setting up ---- */

static void
sync_actions (CurrentsWindow *self)
{
  Workspace *ws = workspace_of (self);

  if (ws == NULL)
    return;
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save",
                                 currents_document_get_modified (ws->document)
                                 || currents_document_get_file (ws->document) == NULL);
}

void
_currents_window_class_init_workspace (GtkWidgetClass *widget_class)
{
  g_type_ensure (CURRENTS_TYPE_DOCUMENT);

  gtk_widget_class_bind_template_child_full (widget_class, "open_button", FALSE, 0);

  gtk_widget_class_install_action (widget_class, "win.save", NULL, save_action);
  gtk_widget_class_install_action (widget_class, "win.save-as", NULL, save_as_action);
  gtk_widget_class_install_action (widget_class, "win.import-data", NULL, import_action);
  gtk_widget_class_install_action (widget_class, "win.edit-model", NULL, edit_model_action);
  gtk_widget_class_install_action (widget_class, "win.new-model", NULL, new_model_action);
  gtk_widget_class_install_action (widget_class, "win.open-recent", "s", open_recent_action);
  gtk_widget_class_install_action (widget_class, "win.preferences", NULL, preferences_action);
  gtk_widget_class_install_action (widget_class, "win.new-window", NULL, new_window_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK,
                                       "win.save", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_s, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-as", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_i, GDK_CONTROL_MASK,
                                       "win.import-data", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK,
                                       "win.edit-model", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_comma, GDK_CONTROL_MASK,
                                       "win.preferences", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_n, GDK_CONTROL_MASK,
                                       "win.new-window", NULL);
}

void
_currents_window_workspace_set_accels (GtkApplication *app)
{
  static const struct { const char *action; const char *accel; } accels[] = {
    { "win.save", "<Control>s" },
    { "win.import-data", "<Control>i" },
    { "win.edit-model", "<Control>e" },
    { "win.preferences", "<Control>comma" },
    { "win.new-window", "<Control>n" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (accels); i++)
    {
      const char *list[] = { accels[i].accel, NULL };

      gtk_application_set_accels_for_action (app, accels[i].action, list);
    }
}

void
_currents_window_init_workspace (CurrentsWindow *self)
{
  Workspace *ws = g_new0 (Workspace, 1);
  GObject *open_button;
  g_autoptr(GMenu) menu = g_menu_new ();
  g_autoptr(GMenu) actions = g_menu_new ();

  ws->window = self;
  ws->document = currents_document_new ();
  ws->cancellable = g_cancellable_new ();
  ws->settings = currents_preferences_dup_settings ();
  g_object_set_data_full (G_OBJECT (self), STATE_KEY, ws, workspace_free);

  if (ws->settings != NULL)
    g_settings_bind (ws->settings, "autosave-interval", ws->document, "autosave-interval",
                     G_SETTINGS_BIND_GET);
  else
    currents_document_set_autosave_interval (ws->document, DEFAULT_AUTOSAVE_MINUTES);
  g_signal_connect_object (ws->document, "prepare-save", G_CALLBACK (prepare_save_cb), self, 0);
  g_signal_connect_object (ws->document, "notify::modified", G_CALLBACK (sync_actions), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (ws->document, "notify::file", G_CALLBACK (sync_actions), self,
                           G_CONNECT_SWAPPED);
  sync_actions (self);

  /* The open button's menu: recent files, then importing. */
  ws->recent_section = g_menu_new ();
  ws->recent = gtk_recent_manager_get_default ();
  ws->recent_changed = g_signal_connect (ws->recent, "changed", G_CALLBACK (recent_changed_cb),
                                         self);
  rebuild_recent (ws);
  g_menu_append_section (menu, _("Recent"), G_MENU_MODEL (ws->recent_section));
  g_menu_append (actions, _("_Import Data…"), "win.import-data");
  g_menu_append (actions, _("_New Model…"), "win.new-model");
  g_menu_append (actions, _("_Edit the Model…"), "win.edit-model");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (actions));
  open_button = gtk_widget_get_template_child (GTK_WIDGET (self), CURRENTS_TYPE_WINDOW,
                                               "open_button");
  if (ADW_IS_SPLIT_BUTTON (open_button))
    adw_split_button_set_menu_model (ADW_SPLIT_BUTTON (open_button), G_MENU_MODEL (menu));

  g_signal_connect_object (currents_window_get_training_panel (self), "notify::state",
                           G_CALLBACK (training_state_cb), self, 0);
  g_signal_connect_object (currents_window_get_training_panel (self), "best-changed",
                           G_CALLBACK (best_changed_cb), self, 0);
}
