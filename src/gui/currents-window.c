/* currents-window.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-window"

#include <glib/gi18n.h>

#include "currents-population-view.h"
#include "currents-window.h"
#include "currents-conservation-view.h"
#include "currents-window-watch-private.h"
#include "currents-window-gallery-private.h"
#include "currents-window-population-private.h"
#include "currents-window-discover-private.h"
#include "currents-window-training-private.h"
#include "currents-window-ensemble-private.h"
#include "currents-window-workspace-private.h"

#define EXAMPLE_MODEL "/org/currents/Currents/examples/toggle.ode"
#define EXAMPLE_DATA  "/org/currents/Currents/examples/toggle.csv"

struct _CurrentsWindow
{
  AdwApplicationWindow  parent_instance;

  /* template children */
  AdwWindowTitle       *window_title;
  AdwToastOverlay      *toast_overlay;
  GtkStack             *stack;
  CurrentsPortrait   *portrait;
  GtkDropDown          *x_dropdown;
  GtkDropDown          *y_dropdown;
  GtkSpinner           *spinner;
  CurrentsTrainingPanel  *training_panel;
  CurrentsTimeseriesView *timeseries_view;
  AdwViewStack         *view_stack;   /* bound in currents-window-training.c */
  CurrentsGallery      *gallery;
  CurrentsBifurcationView *bifurcation_view;
  CurrentsStabilityView *stability_view;
  CurrentsKnockoutView *knockout_view;
  CurrentsCompareView  *compare_view;
  CurrentsResnetView   *resnet_view;
  CurrentsLearnedTermView *learned_term_view;
  gboolean              show_gallery;

  GSettings            *settings;
  GCancellable         *cancellable;
  char                 *model_name;
  char                 *data_name;
  char                 *last_error;
  gboolean              scale_arrows;
  gboolean              show_legend;
};

G_DEFINE_FINAL_TYPE (CurrentsWindow, currents_window, ADW_TYPE_APPLICATION_WINDOW)

enum {
  PROP_0,
  PROP_SCALE_ARROWS,
  PROP_SHOW_LEGEND,
  PROP_SHOW_GALLERY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

static void
show_error (CurrentsWindow *self,
            const char     *message)
{
  AdwToast *toast;

  g_free (self->last_error);
  self->last_error = g_strdup (message);

  toast = adw_toast_new (message);
  adw_toast_set_timeout (toast, 8);
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* a population model or snapshot data on the Population page */
static gboolean
population_shown (CurrentsWindow *self)
{
  GtkWidget *view = self->view_stack != NULL
                    ? adw_view_stack_get_child_by_name (self->view_stack, "population") : NULL;

  return view != NULL && currents_population_view_has_content (CURRENTS_POPULATION_VIEW (view));
}

static void
update_title (CurrentsWindow *self)
{
  const CurrentsModel *model = currents_portrait_get_model (self->portrait);
  const CurrentsDataset *dataset = currents_portrait_get_dataset (self->portrait);
  g_autofree char *subtitle = NULL;
  const char *title = _("Currents");

  if (model != NULL && dataset != NULL)
    {
      title = self->model_name;
      subtitle = g_strdup_printf (_("With data from %s"), self->data_name);
    }
  else if (model != NULL)
    {
      guint n = currents_model_get_n_states (model);

      title = self->model_name;
      subtitle = g_strdup_printf (ngettext ("Model with %u state", "Model with %u states", n), n);
    }
  else if (currents_portrait_get_system (self->portrait) != NULL)
    {
      /* a trained neural model: no equations */
      guint n = currents_system_get_n_states (currents_portrait_get_system (self->portrait));

      title = self->model_name != NULL ? self->model_name : _("Trained model");
      subtitle = dataset != NULL
                 ? g_strdup_printf (_("With data from %s"), self->data_name)
                 : g_strdup_printf (ngettext ("Trained model with %u state",
                                              "Trained model with %u states", n), n);
    }
  else if (dataset != NULL)
    {
      guint n = currents_dataset_get_n_trajectories (dataset);

      title = self->data_name;
      subtitle = g_strdup_printf (ngettext ("Data set with %u trajectory",
                                            "Data set with %u trajectories", n), n);
    }

  _currents_window_ensemble_subtitle (self, &subtitle);
  adw_window_title_set_title (self->window_title, title);
  adw_window_title_set_subtitle (self->window_title, subtitle != NULL ? subtitle : "");
  gtk_window_set_title (GTK_WINDOW (self), title);
  gtk_stack_set_visible_child_name (self->stack,
                                    !self->show_gallery
                                    && (currents_portrait_get_system (self->portrait) != NULL
                                        || dataset != NULL || population_shown (self))
                                    ? "plot" : "gallery");
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.swap-axes",
                                 currents_portrait_get_system (self->portrait) != NULL
                                 || dataset != NULL);
  _currents_window_training_source_changed (self);
}

/* Data recorded from a model shares its state names: then both go on one plane. */
static gboolean
compatible (const CurrentsModel   *model,
            const CurrentsDataset *dataset)
{
  gsize n = currents_model_get_n_states (model), found = 0;

  for (gsize i = 0; i < n; i++)
    found += currents_dataset_find_state (dataset,
                                          currents_model_get_state_name (model, i)) >= 0;
  return n > 0 && found >= MIN (n, 2);
}

static void
show_model (CurrentsWindow *self,
            CurrentsModel  *model,
            const char     *name)
{
  const CurrentsDataset *dataset = currents_portrait_get_dataset (self->portrait);

  if (dataset != NULL && !compatible (model, dataset))
    {
      currents_portrait_set_dataset (self->portrait, NULL);
      g_clear_pointer (&self->data_name, g_free);
    }
  g_free (self->model_name);
  self->model_name = g_strdup (name);
  currents_portrait_set_model (self->portrait, model);
  update_title (self);
  _currents_window_watch_reread_inputs (self);
}

/* A model of either kind, trained models included. */
void
currents_window_show_system (CurrentsWindow *self,
                             CurrentsSystem *system,
                             const char     *name)
{
  const CurrentsDataset *dataset = currents_portrait_get_dataset (self->portrait);
  const char *const *states = currents_system_get_state_names (system);
  gsize n = currents_system_get_n_states (system), found = 0;

  g_return_if_fail (CURRENTS_IS_WINDOW (self));

  for (gsize i = 0; dataset != NULL && i < n; i++)
    found += currents_dataset_find_state (dataset, states[i]) >= 0;
  if (dataset != NULL && !(n > 0 && found >= MIN (n, 2)))
    {
      currents_portrait_set_dataset (self->portrait, NULL);
      g_clear_pointer (&self->data_name, g_free);
    }
  g_free (self->model_name);
  self->model_name = g_strdup (name);
  currents_portrait_set_system (self->portrait, system);
  update_title (self);
  _currents_window_watch_reread_inputs (self);
}

static void
show_dataset (CurrentsWindow  *self,
              CurrentsDataset *dataset,
              const char      *name)
{
  const CurrentsModel *model = currents_portrait_get_model (self->portrait);

  if (model != NULL && !compatible (model, dataset))
    {
      currents_portrait_set_model (self->portrait, NULL);
      g_clear_pointer (&self->model_name, g_free);
    }
  g_free (self->data_name);
  self->data_name = g_strdup (name);
  currents_portrait_set_dataset (self->portrait, dataset);
  update_title (self);
}

/* The Population page's content changed (currents-window-population.c). */
void
_currents_window_population_changed (CurrentsWindow *self)
{
  update_title (self);
}

/* ---- opening files ---- */

typedef struct
{
  GFile           *file;
  char            *name;
  char           **model_inputs;   /* the shown model's inputs, or NULL */
  CurrentsModel   *model;
  CurrentsDataset *dataset;
  char            *contents;       /* the file's text, recorded in the workspace */
  gsize            length;
} OpenJob;

static void
open_job_free (gpointer data)
{
  OpenJob *job = data;

  g_clear_object (&job->file);
  g_free (job->name);
  g_strfreev (job->model_inputs);
  g_clear_pointer (&job->model, currents_model_free);
  g_clear_pointer (&job->dataset, currents_dataset_free);
  g_free (job->contents);
  g_free (job);
}

static gboolean
is_model_file (const char *name)
{
  g_autofree char *lower = g_utf8_strdown (name, -1);

  return g_str_has_suffix (lower, ".ode");
}

static char **
model_input_names (const CurrentsModel *model)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (gsize i = 0; model != NULL && i < currents_model_get_n_inputs (model); i++)
    g_strv_builder_add (builder, currents_model_get_input_name (model, i));
  return g_strv_builder_end (builder);
}

/* The inputs of what the portrait shows: equations, or a trained model (which has no
 * equations but inputs all the same). */
static char **
shown_input_names (CurrentsPortrait *portrait)
{
  CurrentsSystem *system = currents_portrait_get_system (portrait);
  g_autoptr(GStrvBuilder) builder = NULL;

  if (currents_portrait_get_model (portrait) != NULL || system == NULL)
    return model_input_names (currents_portrait_get_model (portrait));
  builder = g_strv_builder_new ();
  for (gsize i = 0; i < currents_system_get_n_inputs (system); i++)
    g_strv_builder_add (builder, currents_system_get_input_names (system)[i]);
  return g_strv_builder_end (builder);
}

/* Columns named after the model's inputs (an inducer level, say) are inputs, not
 * states: read the file again saying so when it has any. */
static CurrentsDataset *
parse_dataset (const char         *contents,
               gsize               length,
               const char         *name,
               const char *const  *model_inputs,
               GError            **error)
{
  g_autoptr(GPtrArray) inputs = g_ptr_array_new ();
  CurrentsCsvOptions options = { 0 };
  CurrentsDataset *dataset;

  dataset = currents_dataset_parse (contents, length, name, &options, error);
  if (dataset == NULL || model_inputs == NULL)
    return dataset;

  for (guint i = 0; model_inputs[i] != NULL; i++)
    if (currents_dataset_find_state (dataset, model_inputs[i]) >= 0)
      g_ptr_array_add (inputs, (gpointer) model_inputs[i]);
  if (inputs->len == 0 || inputs->len == currents_dataset_get_n_states (dataset))
    return dataset;

  g_ptr_array_add (inputs, NULL);
  options.input_columns = (const char *const *) inputs->pdata;
  currents_dataset_free (dataset);
  return currents_dataset_parse (contents, length, name, &options, error);
}

static void
open_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  OpenJob *job = task_data;
  g_autoptr(GFileInfo) info = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *contents = NULL;
  gsize length = 0;

  info = g_file_query_info (job->file, G_FILE_ATTRIBUTE_STANDARD_DISPLAY_NAME,
                            G_FILE_QUERY_INFO_NONE, cancellable, NULL);
  job->name = info != NULL ? g_strdup (g_file_info_get_display_name (info)) : NULL;
  if (job->name == NULL)
    {
      g_autofree char *basename = g_file_get_basename (job->file);

      job->name = g_filename_display_name (basename != NULL ? basename : "");
    }

  if (!g_file_load_contents (job->file, cancellable, &contents, &length, NULL, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  if (is_model_file (job->name))
    job->model = currents_model_new_from_string (contents, job->name, &error);
  else
    job->dataset = parse_dataset (contents, length, job->name,
                                  (const char *const *) job->model_inputs, &error);

  if (job->model == NULL && job->dataset == NULL)
    {
      if (error == NULL)
        g_set_error (&error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                     _("%s could not be read"), job->name);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (job->model != NULL && currents_model_get_n_states (job->model) == 0)
    {
      g_task_return_new_error (task, CURRENTS_ENGINE_ERROR,
                               CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                               _("%s: the model has no state variables"), job->name);
      return;
    }
  if (job->dataset != NULL && currents_dataset_get_n_states (job->dataset) == 0)
    {
      g_task_return_new_error (task, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                               _("%s: the data set has no state columns"), job->name);
      return;
    }
  job->contents = g_steal_pointer (&contents);
  job->length = length;
  g_task_return_boolean (task, TRUE);
}

static gboolean
is_cancellation (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
         || g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
}

static void
open_loaded_cb (GObject      *object,
                GAsyncResult *result,
                gpointer      user_data)
{
  CurrentsWindow *self = CURRENTS_WINDOW (object);
  g_autoptr(GTask) outer = user_data;
  OpenJob *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!is_cancellation (error) && !g_cancellable_is_cancelled (self->cancellable))
        show_error (self, error->message);
      g_task_return_error (outer, error);
      return;
    }
  /* The window is closing: show nothing more. */
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      g_task_return_new_error (outer, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "The window was closed");
      return;
    }

  if (job->model != NULL)
    {
      _currents_window_opened_model (self, job->file, job->name, job->contents);
      _currents_window_watch (self, job->file, TRUE, job->contents, job->length, NULL);
      show_model (self, g_steal_pointer (&job->model), job->name);
    }
  else
    {
      _currents_window_opened_dataset (self, job->file, job->name, job->contents, job->length,
                                       job->dataset);
      /* the data's checksum is that of the file's bytes */
      _currents_window_watch (self, job->file, FALSE, job->contents, job->length,
                              currents_dataset_get_sha256 (job->dataset));
      show_dataset (self, g_steal_pointer (&job->dataset), job->name);
    }
  g_task_return_boolean (outer, TRUE);
}

void
currents_window_open_async (CurrentsWindow      *self,
                            GFile               *file,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  g_autoptr(GTask) inner = NULL;
  GTask *outer;
  OpenJob *job;

  g_return_if_fail (CURRENTS_IS_WINDOW (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  outer = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (outer, currents_window_open_async);

  /* Population models (takes @outer). */
  if (_currents_window_open_population (self, file, cancellable, outer))
    return;
  /* Ensembles of trained models (takes @outer). */
  if (_currents_window_open_ensemble (self, file, cancellable, outer))
    return;
  /* Workspaces and trained models (takes @outer). */
  if (_currents_window_open_special (self, file, cancellable, outer))
    return;

  job = g_new0 (OpenJob, 1);
  job->file = g_object_ref (file);
  job->model_inputs = shown_input_names (self->portrait);

  /* The inner task loads in a thread; its callback shows the result, then completes
   * the caller's task, so a caller always finds the window updated. */
  inner = g_task_new (self, cancellable != NULL ? cancellable : self->cancellable,
                      open_loaded_cb, outer);
  g_task_set_source_tag (inner, open_thread);
  g_task_set_task_data (inner, job, open_job_free);
  g_task_run_in_thread (inner, open_thread);
}

gboolean
currents_window_open_finish (CurrentsWindow  *self,
                             GAsyncResult    *result,
                             GError         **error)
{
  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == currents_window_open_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

void
currents_window_open (CurrentsWindow *self,
                      GFile          *file)
{
  currents_window_open_async (self, file, NULL, NULL, NULL);
}

typedef struct
{
  CurrentsWindow *window;
  GPtrArray      *files;
  guint           next;
} OpenQueue;

static void open_queue_next (OpenQueue *queue);

static void
open_queue_done (GObject      *object,
                 GAsyncResult *result,
                 gpointer      user_data)
{
  OpenQueue *queue = user_data;

  /* Errors were shown as toasts; go on with the others unless the window closed. */
  currents_window_open_finish (CURRENTS_WINDOW (object), result, NULL);
  if (g_cancellable_is_cancelled (queue->window->cancellable))
    queue->next = queue->files->len;
  open_queue_next (queue);
}

static void
open_queue_next (OpenQueue *queue)
{
  if (queue->next >= queue->files->len)
    {
      g_object_unref (queue->window);
      g_ptr_array_unref (queue->files);
      g_free (queue);
      return;
    }
  currents_window_open_async (queue->window, g_ptr_array_index (queue->files, queue->next++),
                              NULL, open_queue_done, queue);
}

static gboolean
file_is_model (GFile *file)
{
  g_autofree char *basename = g_file_get_basename (file);

  return basename != NULL && is_model_file (basename);
}

void
currents_window_open_files (CurrentsWindow *self,
                            GFile *const   *files,
                            guint           n_files)
{
  OpenQueue *queue;

  g_return_if_fail (CURRENTS_IS_WINDOW (self));
  g_return_if_fail (n_files == 0 || files != NULL);

  if (n_files == 0)
    return;

  /* Models first: a data set read after its model knows which columns are inputs. */
  queue = g_new0 (OpenQueue, 1);
  queue->window = g_object_ref (self);
  queue->files = g_ptr_array_new_with_free_func (g_object_unref);
  for (guint pass = 0; pass < 2; pass++)
    for (guint i = 0; i < n_files; i++)
      if (file_is_model (files[i]) == (pass == 0))
        g_ptr_array_add (queue->files, g_object_ref (files[i]));
  open_queue_next (queue);
}

gboolean
currents_window_open_example (CurrentsWindow *self)
{
  g_autoptr(GBytes) bytes = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *source = NULL;
  CurrentsModel *model;
  gsize size = 0;

  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), FALSE);

  bytes = g_resources_lookup_data (EXAMPLE_MODEL, G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  if (bytes == NULL)
    {
      show_error (self, error->message);
      return FALSE;
    }
  source = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  model = currents_model_new_from_string (source, "toggle.ode", &error);
  if (model == NULL)
    {
      show_error (self, error != NULL ? error->message : _("The example could not be read"));
      return FALSE;
    }

  /* the example's files are not on disk */
  _currents_window_watch (self, NULL, TRUE, NULL, 0, NULL);
  _currents_window_watch (self, NULL, FALSE, NULL, 0, NULL);
  /* Start afresh: the example's data belongs with the example. */
  currents_portrait_set_dataset (self->portrait, NULL);
  g_clear_pointer (&self->data_name, g_free);
  show_model (self, model, "toggle.ode");

  if (g_resources_get_info (EXAMPLE_DATA, G_RESOURCE_LOOKUP_FLAGS_NONE, &size, NULL, NULL))
    {
      g_autoptr(GBytes) data = g_resources_lookup_data (EXAMPLE_DATA,
                                                        G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      g_auto(GStrv) inputs = model_input_names (model);
      CurrentsDataset *dataset = NULL;

      if (data != NULL)
        dataset = parse_dataset (g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                 "toggle.csv", (const char *const *) inputs, &error);
      if (dataset != NULL)
        show_dataset (self, dataset, "toggle.csv");
      else if (error != NULL)
        show_error (self, error->message);
    }
  return TRUE;
}

GtkWidget *
currents_window_get_page (CurrentsWindow *self,
                          const char     *name)
{
  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  if (g_str_equal (name, "gallery"))
    return GTK_WIDGET (self->gallery);
  return adw_view_stack_get_child_by_name (self->view_stack, name);
}

gboolean
currents_window_show_page (CurrentsWindow *self,
                           const char     *name)
{
  GtkWidget *child;

  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  if (g_str_equal (name, "gallery"))
    {
      g_object_set (self, "show-gallery", TRUE, NULL);
      return TRUE;
    }
  child = adw_view_stack_get_child_by_name (self->view_stack, name);
  if (child == NULL)
    return FALSE;
  gtk_widget_set_visible (child, TRUE);
  adw_view_stack_page_set_visible (adw_view_stack_get_page (self->view_stack, child), TRUE);
  adw_view_stack_set_visible_child (self->view_stack, child);
  g_object_set (self, "show-gallery", FALSE, NULL);
  return TRUE;
}

const char *
currents_window_get_visible_page (CurrentsWindow *self)
{
  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);

  if (g_strcmp0 (gtk_stack_get_visible_child_name (self->stack), "gallery") == 0)
    return "gallery";
  return adw_view_stack_get_visible_child_name (self->view_stack);
}

CurrentsPortrait *
currents_window_get_portrait (CurrentsWindow *self)
{
  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);
  return self->portrait;
}

CurrentsTrainingPanel *
currents_window_get_training_panel (CurrentsWindow *self)
{
  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);
  return self->training_panel;
}

CurrentsTimeseriesView *
currents_window_get_timeseries_view (CurrentsWindow *self)
{
  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);
  return self->timeseries_view;
}

const char *
currents_window_get_last_error (CurrentsWindow *self)
{
  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);
  return self->last_error;
}

void
currents_window_show (CurrentsWindow  *self,
                      CurrentsModel   *model,
                      const char      *model_name,
                      CurrentsDataset *dataset,
                      const char      *dataset_name)
{
  g_return_if_fail (CURRENTS_IS_WINDOW (self));

  _currents_window_clear_population (self);
  currents_portrait_set_dataset (self->portrait, NULL);
  g_clear_pointer (&self->data_name, g_free);
  currents_portrait_set_model (self->portrait, NULL);
  g_clear_pointer (&self->model_name, g_free);
  if (model != NULL)
    show_model (self, model, model_name);
  if (dataset != NULL)
    show_dataset (self, dataset, dataset_name);
  update_title (self);
}

void
currents_window_show_model (CurrentsWindow *self,
                            CurrentsModel  *model,
                            const char     *name)
{
  g_return_if_fail (CURRENTS_IS_WINDOW (self));
  g_return_if_fail (model != NULL);
  show_model (self, model, name);
}

void
currents_window_show_dataset (CurrentsWindow  *self,
                              CurrentsDataset *dataset,
                              const char      *name)
{
  g_return_if_fail (CURRENTS_IS_WINDOW (self));
  g_return_if_fail (dataset != NULL);
  show_dataset (self, dataset, name);
}

void
currents_window_show_error (CurrentsWindow *self,
                            const char     *message)
{
  g_return_if_fail (CURRENTS_IS_WINDOW (self));
  show_error (self, message);
}

void
currents_window_add_toast (CurrentsWindow *self,
                           AdwToast       *toast)
{
  g_return_if_fail (CURRENTS_IS_WINDOW (self));
  adw_toast_overlay_add_toast (self->toast_overlay, toast);
}

/* ---- actions ---- */

static void
open_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  CurrentsWindow *self = CURRENTS_WINDOW (user_data);

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GListModel) files = gtk_file_chooser_get_files (GTK_FILE_CHOOSER (dialog));
      g_autoptr(GPtrArray) array = g_ptr_array_new_with_free_func (g_object_unref);
      guint n = g_list_model_get_n_items (files);

      for (guint i = 0; i < n; i++)
        g_ptr_array_add (array, g_list_model_get_item (files, i));
      currents_window_open_files (self, (GFile *const *) array->pdata, array->len);
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
add_filter (GtkFileChooser     *chooser,
            const char         *name,
            const char *const  *patterns,
            const char *const  *mime_types)
{
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  gtk_file_filter_set_name (filter, name);
  for (guint i = 0; patterns != NULL && patterns[i] != NULL; i++)
    gtk_file_filter_add_pattern (filter, patterns[i]);
  for (guint i = 0; mime_types != NULL && mime_types[i] != NULL; i++)
    gtk_file_filter_add_mime_type (filter, mime_types[i]);
  gtk_file_chooser_add_filter (chooser, filter);
}

static void
open_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  static const char *const all_patterns[] = { "*.ode", "*.ODE", "*.csv", "*.CSV", "*.tsv",
                                              "*.currents", "*.json", NULL };
  static const char *const workspace_patterns[] = { "*.currents", NULL };
  static const char *const trained_patterns[] = { "*.json", NULL };
  static const char *const model_patterns[] = { "*.ode", "*.ODE", NULL };
  static const char *const data_patterns[] = { "*.csv", "*.CSV", "*.tsv", NULL };
  static const char *const data_types[] = { "text/csv", "text/tab-separated-values", NULL };
  CurrentsWindow *self = CURRENTS_WINDOW (widget);
  GtkFileChooserNative *native;

  native = gtk_file_chooser_native_new (_("Open a Model or Data Set"), GTK_WINDOW (self),
                                        GTK_FILE_CHOOSER_ACTION_OPEN, _("_Open"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_chooser_set_select_multiple (GTK_FILE_CHOOSER (native), TRUE);
  add_filter (GTK_FILE_CHOOSER (native), _("Models and Data"), all_patterns, data_types);
  add_filter (GTK_FILE_CHOOSER (native), _("Models (.ode)"), model_patterns, NULL);
  add_filter (GTK_FILE_CHOOSER (native), _("Data (.csv)"), data_patterns, data_types);
  add_filter (GTK_FILE_CHOOSER (native), _("Workspaces (.currents)"), workspace_patterns, NULL);
  add_filter (GTK_FILE_CHOOSER (native), _("Trained Models (.json)"), trained_patterns, NULL);

  g_signal_connect (native, "response", G_CALLBACK (open_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

static void
open_example_action (GtkWidget  *widget,
                     const char *action_name,
                     GVariant   *parameter)
{
  currents_window_open_example (CURRENTS_WINDOW (widget));
}

static void
swap_axes_action (GtkWidget  *widget,
                  const char *action_name,
                  GVariant   *parameter)
{
  currents_portrait_swap_axes (CURRENTS_WINDOW (widget)->portrait);
}

/* ---- drag and drop ---- */

static gboolean
drop_cb (GtkDropTarget *target,
         const GValue  *value,
         double         x,
         double         y,
         gpointer       user_data)
{
  CurrentsWindow *self = CURRENTS_WINDOW (user_data);

  if (G_VALUE_HOLDS (value, GDK_TYPE_FILE_LIST))
    {
      GSList *files = gdk_file_list_get_files (g_value_get_boxed (value));
      g_autoptr(GPtrArray) array = g_ptr_array_new ();

      for (GSList *l = files; l != NULL; l = l->next)
        g_ptr_array_add (array, l->data);
      g_slist_free (files);
      currents_window_open_files (self, (GFile *const *) array->pdata, array->len);
      return array->len > 0;
    }
  if (G_VALUE_HOLDS (value, G_TYPE_FILE))
    {
      currents_window_open (self, g_value_get_object (value));
      return TRUE;
    }
  return FALSE;
}

/* ---- GObject ---- */

static gboolean
currents_window_close_request (GtkWindow *window)
{
  CurrentsWindow *self = CURRENTS_WINDOW (window);

  /* training asks first */
  if (_currents_window_training_close_request (self))
    return TRUE;
  /* unsaved work is kept for recovery */
  _currents_window_workspace_close (self);
  g_cancellable_cancel (self->cancellable);
  if (self->settings != NULL)
    {
      int width, height;

      gtk_window_get_default_size (window, &width, &height);
      g_settings_set_boolean (self->settings, "window-maximized",
                              gtk_window_is_maximized (window));
      if (!gtk_window_is_maximized (window) && width > 0 && height > 0)
        {
          g_settings_set_int (self->settings, "window-width", width);
          g_settings_set_int (self->settings, "window-height", height);
        }
    }
  return GTK_WINDOW_CLASS (currents_window_parent_class)->close_request (window);
}

static void
currents_window_dispose (GObject *object)
{
  CurrentsWindow *self = CURRENTS_WINDOW (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_WINDOW);

  G_OBJECT_CLASS (currents_window_parent_class)->dispose (object);
}

static void
currents_window_finalize (GObject *object)
{
  CurrentsWindow *self = CURRENTS_WINDOW (object);

  g_clear_object (&self->settings);
  g_clear_object (&self->cancellable);
  g_free (self->model_name);
  g_free (self->data_name);
  g_free (self->last_error);

  G_OBJECT_CLASS (currents_window_parent_class)->finalize (object);
}

static void
currents_window_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  CurrentsWindow *self = CURRENTS_WINDOW (object);

  switch (prop_id)
    {
    case PROP_SCALE_ARROWS:
      g_value_set_boolean (value, self->scale_arrows);
      break;
    case PROP_SHOW_LEGEND:
      g_value_set_boolean (value, self->show_legend);
      break;
    case PROP_SHOW_GALLERY:
      g_value_set_boolean (value, self->show_gallery);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
currents_window_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  CurrentsWindow *self = CURRENTS_WINDOW (object);
  gboolean b;

  switch (prop_id)
    {
    case PROP_SCALE_ARROWS:
      b = g_value_get_boolean (value);
      if (b != self->scale_arrows)
        {
          self->scale_arrows = b;
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_SHOW_LEGEND:
      b = g_value_get_boolean (value);
      if (b != self->show_legend)
        {
          self->show_legend = b;
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    case PROP_SHOW_GALLERY:
      b = g_value_get_boolean (value);
      if (b != self->show_gallery)
        {
          self->show_gallery = b;
          update_title (self);
          g_object_notify_by_pspec (object, pspec);
        }
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
currents_window_class_init (CurrentsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  GtkWindowClass *window_class = GTK_WINDOW_CLASS (klass);

  object_class->dispose = currents_window_dispose;
  object_class->finalize = currents_window_finalize;
  object_class->get_property = currents_window_get_property;
  object_class->set_property = currents_window_set_property;
  window_class->close_request = currents_window_close_request;

  properties[PROP_SCALE_ARROWS] =
    g_param_spec_boolean ("scale-arrows", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_LEGEND] =
    g_param_spec_boolean ("show-legend", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  /* The gallery in place of the model shown (it is also what an empty window shows). */
  properties[PROP_SHOW_GALLERY] =
    g_param_spec_boolean ("show-gallery", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CURRENTS_TYPE_PORTRAIT);
  g_type_ensure (CURRENTS_TYPE_GALLERY);
  g_type_ensure (CURRENTS_TYPE_BIFURCATION_VIEW);
  g_type_ensure (CURRENTS_TYPE_STABILITY_VIEW);
  g_type_ensure (CURRENTS_TYPE_KNOCKOUT_VIEW);
  g_type_ensure (CURRENTS_TYPE_COMPARE_VIEW);
  g_type_ensure (CURRENTS_TYPE_RESNET_VIEW);
  g_type_ensure (CURRENTS_TYPE_CONSERVATION_VIEW);
  g_type_ensure (CURRENTS_TYPE_LEARNED_TERM_VIEW);
  g_type_ensure (CURRENTS_TYPE_POPULATION_VIEW);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/currents/Currents/ui/currents-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, window_title);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, toast_overlay);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, stack);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, portrait);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, x_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, y_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, spinner);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, training_panel);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, timeseries_view);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, gallery);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, bifurcation_view);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, stability_view);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, knockout_view);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, compare_view);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, resnet_view);
  gtk_widget_class_bind_template_child (widget_class, CurrentsWindow, learned_term_view);
  _currents_window_class_init_training (widget_class);
  _currents_window_class_init_workspace (widget_class);
  _currents_window_class_init_discover (widget_class);
  _currents_window_class_init_watch (widget_class);

  gtk_widget_class_install_action (widget_class, "win.open", NULL, open_action);
  gtk_widget_class_install_action (widget_class, "win.open-example", NULL, open_example_action);
  gtk_widget_class_install_action (widget_class, "win.swap-axes", NULL, swap_axes_action);
  gtk_widget_class_install_property_action (widget_class, "win.scale-arrows", "scale-arrows");
  gtk_widget_class_install_property_action (widget_class, "win.show-legend", "show-legend");
  gtk_widget_class_install_property_action (widget_class, "win.show-gallery", "show-gallery");

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_o, GDK_CONTROL_MASK,
                                       "win.open", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_backslash, GDK_CONTROL_MASK,
                                       "win.swap-axes", NULL);
}

static GSettings *
settings_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    {
      /* Running from the build tree without `meson devenv`: work, but forget. */
      g_message ("GSettings schema %s not found; settings will not be saved", APP_ID);
      return NULL;
    }
  return g_settings_new_full (schema, NULL, NULL);
}

static void
currents_window_init (CurrentsWindow *self)
{
  GtkDropTarget *target;
  GType drop_types[] = { GDK_TYPE_FILE_LIST, G_TYPE_FILE };

  self->show_legend = TRUE;
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  _currents_window_init_training (self);
  _currents_window_init_workspace (self);
  _currents_window_init_gallery (self);

  self->view_stack = ADW_VIEW_STACK (gtk_widget_get_template_child (GTK_WIDGET (self),
                                                                    CURRENTS_TYPE_WINDOW,
                                                                    "view_stack"));
  /* every view follows the portrait's model, data and sliders */
  currents_bifurcation_view_set_portrait (self->bifurcation_view, self->portrait);
  currents_stability_view_set_portrait (self->stability_view, self->portrait);
  currents_knockout_view_set_portrait (self->knockout_view, self->portrait);
  currents_compare_view_set_portrait (self->compare_view, self->portrait);
  currents_resnet_view_set_portrait (self->resnet_view, self->portrait);
  currents_conservation_view_set_portrait (
    CURRENTS_CONSERVATION_VIEW (adw_view_stack_get_child_by_name (self->view_stack, "conservation")),
    self->portrait);
  currents_learned_term_view_set_portrait (self->learned_term_view, self->portrait);
  _currents_window_init_population (self);
  _currents_window_init_discover (self);

  gtk_drop_down_set_model (self->x_dropdown,
                           currents_portrait_get_variables (self->portrait));
  gtk_drop_down_set_model (self->y_dropdown,
                           currents_portrait_get_variables (self->portrait));
  g_object_bind_property (self->portrait, "x-axis", self->x_dropdown, "selected",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->portrait, "y-axis", self->y_dropdown, "selected",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->portrait, "busy", self->spinner, "spinning",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self->portrait, "busy", self->spinner, "visible",
                          G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "scale-arrows", self->portrait, "scale-arrows",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
  g_object_bind_property (self, "show-legend", self->portrait, "show-legend",
                          G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);

  self->settings = settings_if_installed ();
  if (self->settings != NULL)
    {
      gtk_window_set_default_size (GTK_WINDOW (self),
                                   g_settings_get_int (self->settings, "window-width"),
                                   g_settings_get_int (self->settings, "window-height"));
      if (g_settings_get_boolean (self->settings, "window-maximized"))
        gtk_window_maximize (GTK_WINDOW (self));
      g_settings_bind (self->settings, "scale-arrows", self, "scale-arrows",
                       G_SETTINGS_BIND_DEFAULT);
      g_settings_bind (self->settings, "show-legend", self, "show-legend",
                       G_SETTINGS_BIND_DEFAULT);
    }

  target = gtk_drop_target_new (G_TYPE_INVALID, GDK_ACTION_COPY);
  gtk_drop_target_set_gtypes (target, drop_types, G_N_ELEMENTS (drop_types));
  g_signal_connect (target, "drop", G_CALLBACK (drop_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->stack), GTK_EVENT_CONTROLLER (target));

  update_title (self);
}

CurrentsWindow *
currents_window_new (CurrentsApplication *application)
{
  g_return_val_if_fail (application == NULL || CURRENTS_IS_APPLICATION (application), NULL);

  return g_object_new (CURRENTS_TYPE_WINDOW, "application", application, NULL);
}
