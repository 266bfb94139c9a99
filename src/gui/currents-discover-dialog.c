/* currents-discover-dialog.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Equations read back from the trained model shown, as `currents-cli discover` reads
 * them (same defaults): the library is built on the main thread from the dialog's
 * settings (so a bad term is reported at once), the field is sampled and regressed in a
 * GTask thread on a snapshot (the field referenced, parameters, initial state, inputs
 * and data copied), since the portrait may free its system at any time. A result is
 * applied only if it belongs to the last Find (a generation counter); showing another
 * model or data cancels the run and clears what was found.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-discover"

#include <glib/gi18n.h>
#include <string.h>

#include "currents-discover-dialog.h"

typedef struct
{
  CurrentsLibrary       *lib;
  CurrentsField         *field;
  double                *params;
  double                *initial;
  double                *inputs;
  CurrentsDataset       *dataset;
  CurrentsSparseOptions  options;
  CurrentsDiscoverForm   form;
  char                  *model_name;
  guint                  generation;
} Job;

typedef struct
{
  CurrentsLibrary   *lib;
  CurrentsSparseFit *fit;
  char              *source;
  char             **state_names;
} Result;

struct _CurrentsDiscoverDialog
{
  AdwWindow          parent_instance;

  /* template children */
  GtkWidget         *find_button;
  GtkWidget         *spinner;
  GtkWidget         *degree_spin;
  GtkWidget         *inputs_switch;
  GtkWidget         *hill_row;
  GtkWidget         *activation_switch;
  GtkWidget         *terms_row;
  GtkWidget         *threshold_spin;
  GtkWidget         *form_row;
  GtkWidget         *error_label;
  GtkWidget         *result_group;
  GtkWidget         *equations_box;
  GtkWidget         *summary_label;
  GtkWidget         *editor_button;

  CurrentsWindow    *window;       /* weak */
  CurrentsPortrait  *portrait;     /* weak */
  GCancellable      *cancellable;
  guint              generation;
  gboolean           busy;
  guint              n_results;
  char              *error;
  Result            *result;
  char              *summary;
  GPtrArray         *equations;    /* char *, as shown */
};

G_DEFINE_FINAL_TYPE (CurrentsDiscoverDialog, currents_discover_dialog, ADW_TYPE_WINDOW)

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->lib, currents_library_free);
  g_clear_pointer (&job->field, currents_field_unref);
  g_clear_pointer (&job->dataset, currents_dataset_free);
  g_free (job->params);
  g_free (job->initial);
  g_free (job->inputs);
  g_free (job->model_name);
  g_free (job);
}

static void
result_free (gpointer data)
{
  Result *result = data;

  if (result == NULL)
    return;
  g_clear_pointer (&result->fit, currents_sparse_fit_free);
  g_clear_pointer (&result->lib, currents_library_free);
  g_free (result->source);
  g_strfreev (result->state_names);
  g_free (result);
}

/* ---- what is shown ---- */

static void
set_busy (CurrentsDiscoverDialog *self,
          gboolean                busy)
{
  self->busy = busy;
  /* dispose may run more than once: the template's widgets are gone after the first */
  if (self->spinner != NULL)
    gtk_spinner_set_spinning (GTK_SPINNER (self->spinner), busy);
  if (self->find_button != NULL)
    gtk_widget_set_sensitive (self->find_button, !busy);
}

static void
show_error (CurrentsDiscoverDialog *self,
            const char             *message)
{
  g_free (self->error);
  self->error = g_strdup (message);
  gtk_label_set_text (GTK_LABEL (self->error_label), message != NULL ? message : "");
  gtk_widget_set_visible (self->error_label, message != NULL);
}

static void
clear_equations (CurrentsDiscoverDialog *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (self->equations_box)) != NULL)
    gtk_box_remove (GTK_BOX (self->equations_box), child);
  g_ptr_array_set_size (self->equations, 0);
}

static void
clear_result (CurrentsDiscoverDialog *self)
{
  g_clear_pointer (&self->result, result_free);
  g_clear_pointer (&self->summary, g_free);
  clear_equations (self);
  gtk_widget_set_visible (self->result_group, FALSE);
}

static void
show_result (CurrentsDiscoverDialog *self,
             Result                 *result)
{
  gsize n = g_strv_length (result->state_names);
  gsize M = currents_library_get_n_terms (result->lib);
  const double *xi = currents_sparse_fit_get_coefficients (result->fit);
  g_autoptr(GString) summary = g_string_new (NULL);

  clear_result (self);
  self->result = result;
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *rhs = currents_sparse_fit_describe (result->fit, i);
      g_autofree char *numbers = NULL;
      char *equation;
      GtkWidget *box, *label;
      gsize kept = 0;

      for (gsize j = 0; j < M; j++)
        kept += xi[i * M + j] != 0.0;
      /* U+2032 PRIME, as a derivative is written */
      equation = g_strdup_printf ("%s′ = %s", result->state_names[i], rhs);
      g_ptr_array_add (self->equations, equation);
      numbers = g_strdup_printf (_("R² = %.6f, residual %.3g %% of the equation’s RMS"),
                                 currents_sparse_fit_get_r2 (result->fit, i),
                                 100.0 * currents_sparse_fit_get_rel_rms (result->fit, i));

      box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
      label = gtk_label_new (equation);
      gtk_label_set_wrap (GTK_LABEL (label), TRUE);
      gtk_label_set_wrap_mode (GTK_LABEL (label), PANGO_WRAP_WORD_CHAR);
      gtk_label_set_selectable (GTK_LABEL (label), TRUE);
      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_widget_add_css_class (label, "monospace");
      gtk_box_append (GTK_BOX (box), label);
      label = gtk_label_new (numbers);
      gtk_label_set_xalign (GTK_LABEL (label), 0.0);
      gtk_widget_add_css_class (label, "dim-label");
      gtk_widget_add_css_class (label, "caption");
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (self->equations_box), box);

      if (i == 0)
        /* Translators: "2 of 6 terms kept in u′" */
        g_string_append_printf (summary, _("%zu of %zu terms kept in %s′"), kept, M,
                                result->state_names[i]);
      else
        /* Translators: the following equations: ", 2 of 6 in v′" */
        g_string_append_printf (summary, _(", %zu of %zu in %s′"), kept, M,
                                result->state_names[i]);
    }
  g_string_append (summary, ".");
  self->summary = g_string_free (g_steal_pointer (&summary), FALSE);
  gtk_label_set_text (GTK_LABEL (self->summary_label), self->summary);
  gtk_widget_set_visible (self->result_group, TRUE);
  /* the equations are below the settings: scroll them into view */
  gtk_widget_grab_focus (self->editor_button);
}

/* ---- the library from the settings ---- */

static gboolean
parse_hill (const char  *item,
            double      *K,
            double      *hn,
            GError     **error)
{
  g_auto(GStrv) parts = g_strsplit (item, ":", -1);
  char *end;

  if (g_strv_length (parts) == 2)
    {
      *K = g_ascii_strtod (g_strstrip (parts[0]), &end);
      if (end != parts[0] && *end == '\0')
        {
          *hn = g_ascii_strtod (g_strstrip (parts[1]), &end);
          if (end != parts[1] && *end == '\0')
            return TRUE;
        }
    }
  g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
               _("Hill function “%s”: expected K:n, such as 1:2 (threshold 1, exponent 2)"),
               item);
  return FALSE;
}

static CurrentsLibrary *
build_library (CurrentsDiscoverDialog *self,
               CurrentsSystem         *system,
               GError                **error)
{
  g_autoptr(CurrentsLibrary) lib = NULL;
  g_auto(GStrv) hills = NULL, terms = NULL;
  gboolean activation = gtk_switch_get_active (GTK_SWITCH (self->activation_switch));

  lib = currents_library_new (currents_system_get_state_names (system),
                              currents_system_get_input_names (system));
  currents_library_add_polynomials (
    lib, (guint) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (self->degree_spin)),
    gtk_switch_get_active (GTK_SWITCH (self->inputs_switch)));

  hills = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->hill_row)), ",", -1);
  for (guint k = 0; hills[k] != NULL; k++)
    {
      double K, hn;

      if (*g_strstrip (hills[k]) == '\0')
        continue;
      if (!parse_hill (hills[k], &K, &hn, error)
          || !currents_library_add_hill (lib, NULL, K, hn, TRUE, activation, error))
        return NULL;
    }

  terms = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->terms_row)), ";", -1);
  for (guint k = 0; terms[k] != NULL; k++)
    {
      if (*g_strstrip (terms[k]) == '\0')
        continue;
      if (!currents_library_add_expression (lib, terms[k], error))
        {
          g_prefix_error (error, _("Own term “%s”: "), terms[k]);
          return NULL;
        }
    }
  return g_steal_pointer (&lib);
}

/* The data's states must be the model's, in order (the field is sampled at them). */
static gboolean
check_states (CurrentsSystem         *system,
              const CurrentsDataset  *dataset,
              GError                **error)
{
  gsize n = currents_system_get_n_states (system);
  gboolean same = currents_dataset_get_n_states (dataset) == n;

  for (gsize i = 0; same && i < n; i++)
    same = g_ascii_strcasecmp (currents_dataset_get_state_name (dataset, i),
                               currents_system_get_state_names (system)[i]) == 0;
  if (!same)
    {
      g_autofree char *want = g_strjoinv (", ", (char **) currents_system_get_state_names (system));
      g_autoptr(GString) have = g_string_new (NULL);

      for (gsize k = 0; k < currents_dataset_get_n_states (dataset); k++)
        g_string_append_printf (have, "%s%s", k > 0 ? ", " : "",
                                currents_dataset_get_state_name (dataset, k));
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The data have the states %s, but the model’s states are %s: show the "
                     "data the model was trained on"), have->str, want);
    }
  return same;
}

/* ---- the regression, in a thread ---- */

static void
find_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsFieldSamples) samples = NULL;
  g_autoptr(CurrentsSparseFit) fit = NULL;
  g_autofree char *comment = NULL, *data_name = NULL;
  const char *data_file = currents_dataset_get_filename (job->dataset);
  const CurrentsLibrary *lib = job->lib;
  Result *result;
  double t0, t1;

  if (job->form == CURRENTS_DISCOVER_POINTS)
    samples = currents_field_samples_new_from_data (job->field, job->params, job->dataset,
                                                    0, 0, &error);
  else
    samples = currents_field_samples_new_integral (job->lib, job->field, job->params,
                                                   job->dataset, 10, &error);
  if (samples == NULL || g_task_return_error_if_cancelled (task))
    {
      if (samples == NULL)
        g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  fit = currents_sparse_fit_new (job->lib, samples, &job->options, &error);
  if (fit == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  currents_dataset_get_time_span (job->dataset, &t0, &t1);
  data_name = data_file != NULL ? g_path_get_basename (data_file) : g_strdup ("the data");
  comment = g_strdup_printf ("read back by Currents %s from %s by sparse regression,\n"
                             "%s %zu %s of %s (sha256 %s), threshold %g",
                             PACKAGE_VERSION, job->model_name,
                             job->form == CURRENTS_DISCOVER_POINTS ? "sampled at"
                                                                   : "integrated over",
                             samples->n_points,
                             job->form == CURRENTS_DISCOVER_POINTS
                               ? "points" : "windows of its trajectories from the starts",
                             data_name,
                             currents_dataset_get_sha256 (job->dataset),
                             job->options.threshold);

  result = g_new0 (Result, 1);
  result->source = currents_sparse_fit_to_ode (fit, comment, job->initial, job->inputs,
                                               t1 - t0);
  result->state_names = g_strdupv ((char **) currents_library_get_state_names (lib));
  result->fit = g_steal_pointer (&fit);
  /* the library goes with its fit (term names) */
  result->lib = g_steal_pointer (&job->lib);
  g_task_return_pointer (task, result, result_free);
}

static void
find_done_cb (GObject      *source,
              GAsyncResult *res,
              gpointer      user_data)
{
  CurrentsDiscoverDialog *self = CURRENTS_DISCOVER_DIALOG (source);
  GTask *task = G_TASK (res);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Result *result;

  result = g_task_propagate_pointer (task, &error);
  /* a later Find, another model or data, or the dialog closing: not ours any more */
  if (job->generation != self->generation
      || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      result_free (result);
      return;
    }
  set_busy (self, FALSE);
  if (result == NULL)
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);
  show_result (self, result);
  self->n_results++;
}

static void
cancel (CurrentsDiscoverDialog *self)
{
  self->generation++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  set_busy (self, FALSE);
}

void
currents_discover_dialog_find (CurrentsDiscoverDialog *self)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GTask) task = NULL;
  CurrentsSystem *system;
  const CurrentsDataset *dataset;
  CurrentsLibrary *lib;
  Job *job;

  g_return_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self));

  cancel (self);
  clear_result (self);
  system = self->portrait != NULL ? currents_portrait_get_system (self->portrait) : NULL;
  dataset = self->portrait != NULL ? currents_portrait_get_dataset (self->portrait) : NULL;
  if (system == NULL || currents_system_get_trained (system) == NULL || dataset == NULL)
    {
      show_error (self, _("Show a trained model and the data it was trained on first"));
      return;
    }
  if (!check_states (system, dataset, &error)
      || (lib = build_library (self, system, &error)) == NULL)
    {
      show_error (self, error->message);
      return;
    }
  show_error (self, NULL);

  job = g_new0 (Job, 1);
  job->lib = lib;
  job->field = currents_field_ref (currents_system_get_field (system));
  job->params = g_memdup2 (currents_system_get_params (system),
                           MAX (currents_system_get_n_params (system), 1) * sizeof (double));
  job->initial = g_memdup2 (currents_system_get_initial (system),
                            currents_system_get_n_states (system) * sizeof (double));
  job->inputs = currents_system_get_n_inputs (system) > 0
                ? g_memdup2 (currents_system_get_inputs (system),
                             currents_system_get_n_inputs (system) * sizeof (double))
                : NULL;
  job->dataset = currents_dataset_copy (dataset);
  currents_sparse_options_init (&job->options);
  job->options.threshold = gtk_spin_button_get_value (GTK_SPIN_BUTTON (self->threshold_spin));
  job->form = (CurrentsDiscoverForm) adw_combo_row_get_selected (ADW_COMBO_ROW (self->form_row));
  job->model_name = currents_system_get_filename (system) != NULL
                    ? g_path_get_basename (currents_system_get_filename (system))
                    : g_strdup ("the trained model");
  job->generation = self->generation;

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, find_done_cb, NULL);
  g_task_set_source_tag (task, currents_discover_dialog_find);
  g_task_set_task_data (task, job, job_free);
  set_busy (self, TRUE);
  g_task_run_in_thread (task, find_thread);
}

/* ---- following the window ---- */

static void
content_changed_cb (CurrentsDiscoverDialog *self)
{
  gboolean had = self->busy || self->result != NULL;

  /* what was found belongs to the model and data shown before */
  cancel (self);
  clear_result (self);
  if (had)
    show_error (self, _("The model or data shown changed: find the equations again"));
}

static void
find_clicked_cb (CurrentsDiscoverDialog *self)
{
  currents_discover_dialog_find (self);
}

CurrentsModelEditor *
currents_discover_dialog_open_in_editor (CurrentsDiscoverDialog *self)
{
  CurrentsModelEditor *editor;
  CurrentsWindow *window;

  g_return_val_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self), NULL);

  if (self->result == NULL || self->window == NULL)
    return NULL;
  window = self->window;
  editor = currents_window_edit_source (window, _("Found.ode"), self->result->source);
  gtk_window_close (GTK_WINDOW (self));
  return editor;
}

gboolean
currents_discover_dialog_compare (CurrentsDiscoverDialog *self)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model;
  CurrentsWindow *window;

  g_return_val_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self), FALSE);

  if (self->result == NULL || self->window == NULL)
    return FALSE;
  model = currents_model_new_from_string (self->result->source, _("Found.ode"), &error);
  if (model == NULL)
    {
      show_error (self, error->message);
      return FALSE;
    }
  window = self->window;
  currents_compare_view_set_known (
    CURRENTS_COMPARE_VIEW (currents_window_get_page (window, "compare")),
    currents_system_new_from_model (model));
  currents_window_show_page (window, "compare");
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

static void
editor_clicked_cb (CurrentsDiscoverDialog *self)
{
  currents_discover_dialog_open_in_editor (self);
}

static void
compare_clicked_cb (CurrentsDiscoverDialog *self)
{
  currents_discover_dialog_compare (self);
}

/* ---- GObject ---- */

static void
currents_discover_dialog_dispose (GObject *object)
{
  CurrentsDiscoverDialog *self = CURRENTS_DISCOVER_DIALOG (object);

  cancel (self);
  g_clear_pointer (&self->result, result_free);
  if (self->window != NULL)
    g_object_remove_weak_pointer (G_OBJECT (self->window), (gpointer *) &self->window);
  self->window = NULL;
  if (self->portrait != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->portrait, self);
      g_object_remove_weak_pointer (G_OBJECT (self->portrait), (gpointer *) &self->portrait);
      self->portrait = NULL;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_DISCOVER_DIALOG);

  G_OBJECT_CLASS (currents_discover_dialog_parent_class)->dispose (object);
}

static void
currents_discover_dialog_finalize (GObject *object)
{
  CurrentsDiscoverDialog *self = CURRENTS_DISCOVER_DIALOG (object);

  g_free (self->error);
  g_free (self->summary);
  g_ptr_array_unref (self->equations);

  G_OBJECT_CLASS (currents_discover_dialog_parent_class)->finalize (object);
}

static void
currents_discover_dialog_class_init (CurrentsDiscoverDialogClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_discover_dialog_dispose;
  object_class->finalize = currents_discover_dialog_finalize;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/currents/Currents/ui/currents-discover-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, find_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, spinner);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, degree_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, inputs_switch);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, hill_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, activation_switch);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, terms_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, threshold_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, form_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, error_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, result_group);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, equations_box);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, summary_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsDiscoverDialog, editor_button);
  gtk_widget_class_bind_template_callback (widget_class, find_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, editor_clicked_cb);
  gtk_widget_class_bind_template_callback (widget_class, compare_clicked_cb);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
currents_discover_dialog_init (CurrentsDiscoverDialog *self)
{
  self->equations = g_ptr_array_new_with_free_func (g_free);
  gtk_widget_init_template (GTK_WIDGET (self));
}

CurrentsDiscoverDialog *
currents_discover_dialog_new (CurrentsWindow *window)
{
  CurrentsDiscoverDialog *self;

  g_return_val_if_fail (CURRENTS_IS_WINDOW (window), NULL);

  self = g_object_new (CURRENTS_TYPE_DISCOVER_DIALOG, "transient-for", window,
                       "destroy-with-parent", TRUE, NULL);
  self->window = window;
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &self->window);
  self->portrait = currents_window_get_portrait (window);
  g_object_add_weak_pointer (G_OBJECT (self->portrait), (gpointer *) &self->portrait);
  g_signal_connect_swapped (self->portrait, "content-changed",
                            G_CALLBACK (content_changed_cb), self);
  return self;
}

/* ---- settings and results ---- */

void
currents_discover_dialog_set_degree (CurrentsDiscoverDialog *self,
                                     guint                   degree)
{
  g_return_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->degree_spin), degree);
}

void
currents_discover_dialog_set_include_inputs (CurrentsDiscoverDialog *self,
                                             gboolean                with_inputs)
{
  g_return_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self));
  gtk_switch_set_active (GTK_SWITCH (self->inputs_switch), with_inputs);
}

void
currents_discover_dialog_set_hill (CurrentsDiscoverDialog *self,
                                   const char             *text)
{
  g_return_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->hill_row), text != NULL ? text : "");
}

void
currents_discover_dialog_set_activation (CurrentsDiscoverDialog *self,
                                         gboolean                activation)
{
  g_return_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self));
  gtk_switch_set_active (GTK_SWITCH (self->activation_switch), activation);
}

void
currents_discover_dialog_set_terms (CurrentsDiscoverDialog *self,
                                    const char             *text)
{
  g_return_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self));
  gtk_editable_set_text (GTK_EDITABLE (self->terms_row), text != NULL ? text : "");
}

void
currents_discover_dialog_set_threshold (CurrentsDiscoverDialog *self,
                                        double                  threshold)
{
  g_return_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (self->threshold_spin), threshold);
}

void
currents_discover_dialog_set_form (CurrentsDiscoverDialog *self,
                                   CurrentsDiscoverForm    form)
{
  g_return_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self));
  adw_combo_row_set_selected (ADW_COMBO_ROW (self->form_row), form);
}

gboolean
currents_discover_dialog_get_busy (CurrentsDiscoverDialog *self)
{
  g_return_val_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self), FALSE);
  return self->busy;
}

guint
currents_discover_dialog_get_n_results (CurrentsDiscoverDialog *self)
{
  g_return_val_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self), 0);
  return self->n_results;
}

const char *
currents_discover_dialog_get_error (CurrentsDiscoverDialog *self)
{
  g_return_val_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self), NULL);
  return self->error;
}

const CurrentsLibrary *
currents_discover_dialog_get_library (CurrentsDiscoverDialog *self)
{
  g_return_val_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self), NULL);
  return self->result != NULL ? self->result->lib : NULL;
}

const CurrentsSparseFit *
currents_discover_dialog_get_fit (CurrentsDiscoverDialog *self)
{
  g_return_val_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self), NULL);
  return self->result != NULL ? self->result->fit : NULL;
}

const char *
currents_discover_dialog_get_source (CurrentsDiscoverDialog *self)
{
  g_return_val_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self), NULL);
  return self->result != NULL ? self->result->source : NULL;
}

const char *
currents_discover_dialog_get_summary (CurrentsDiscoverDialog *self)
{
  g_return_val_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self), NULL);
  return self->summary;
}

const char *
currents_discover_dialog_get_equation (CurrentsDiscoverDialog *self,
                                       gsize                   i)
{
  g_return_val_if_fail (CURRENTS_IS_DISCOVER_DIALOG (self), NULL);
  return i < self->equations->len ? g_ptr_array_index (self->equations, i) : NULL;
}
