/* currents-training-panel.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trains a model on the data shown: a neural ODE, or the learned terms and parameters
 * of the open `.ode` model, built exactly as `currents-cli train` builds them
 * (currents-learner.h). Training runs in the engine's worker thread on copies of the
 * data and model; its reports arrive through the engine's one coalesced idle and only
 * store the figures and add a point to the loss plot. A timer shows the figures a few
 * times a second and, at most once a second, takes a locked copy of the best
 * parameters so far and says so ("best-changed"), so the window can redraw the phase
 * portrait and the time series from them. When training ends, the best parameters are
 * evaluated on the full sets in a thread, and the model can be saved.
 *
 * With more than one model asked for (a neural ODE only), Start trains an ensemble
 * instead (currents-ensemble.h): K networks on bootstrap resamples with seeds seed + k,
 * as one job with the same progress bar, status and Stop, kept apart from the single
 * run's state. Stopping keeps the members trained so far; the ensemble is handed on
 * with "ensemble-trained".
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-training-panel"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-training-panel.h"

#define TICK_MS            200                     /* figures and the loss on screen */
#define BEST_INTERVAL_US   (G_USEC_PER_SEC)        /* "best-changed" at most this often */

typedef enum
{
  KIND_NEURAL,
  KIND_LEARNED,   /* a .ode model's learned terms */
  KIND_PARAMS,    /* its learned terms and its parameters */
} Kind;

static const char *const activation_ids[] = { "tanh", "softplus", "silu" };
static const char *const gradient_ids[] = { "discrete", "adjoint", "backsolve" };

/* One run: everything the worker thread touches, owned here and freed only once the
 * worker has let go of it. */
typedef struct
{
  CurrentsDataset      *dataset;
  CurrentsLearner      *learner;
  CurrentsTrainer      *trainer;
  CurrentsTrainOptions  options;
  double               *x_lo, *x_hi, *u_lo, *u_hi;   /* the data's ranges, for the views */
  gint64                started;
  double                seconds;
  double                train_mse;
  double                val_mse;
  gboolean              cancelled;
  GError               *error;
} TrainJob;

static void
train_job_free (TrainJob *job)
{
  if (job == NULL)
    return;
  /* the trainer's loss refers to the data: free it first */
  g_clear_pointer (&job->trainer, currents_trainer_free);
  g_clear_pointer (&job->learner, currents_learner_free);
  g_clear_pointer (&job->dataset, currents_dataset_free);
  g_free (job->x_lo);
  g_free (job->x_hi);
  g_free (job->u_lo);
  g_free (job->u_hi);
  g_clear_error (&job->error);
  g_free (job);
}

/* An ensemble run: the worker threads touch the trainer and the data only. */
typedef struct
{
  CurrentsDataset         *dataset;
  CurrentsEnsembleTrainer *trainer;
  guint                    n_members;
  gint64                   started;
} EnsembleJob;

static void
ensemble_job_free (EnsembleJob *ej)
{
  if (ej == NULL)
    return;
  /* the members' losses refer to the data: the trainer goes first */
  g_clear_pointer (&ej->trainer, currents_ensemble_trainer_free);
  g_clear_pointer (&ej->dataset, currents_dataset_free);
  g_free (ej);
}

struct _CurrentsTrainingPanel
{
  GtkWidget              parent_instance;

  /* template children */
  GtkWidget             *scroller;
  GtkLabel              *status_title;
  GtkLabel              *status_label;
  GtkProgressBar        *progress_bar;
  CurrentsLossPlot      *loss_plot;
  GtkLabel              *epoch_value;
  GtkLabel              *best_value;
  GtkLabel              *train_value;
  GtkLabel              *val_value;
  GtkLabel              *grad_value;
  GtkLabel              *lr_value;
  GtkLabel              *time_value;
  GtkLabel              *nfe_value;
  GtkWidget             *model_group;
  GtkWidget             *training_group;
  GtkWidget             *solver_group;
  AdwComboRow           *kind_row;
  AdwEntryRow           *hidden_row;
  AdwEntryRow           *conserve_row;
  AdwEntryRow           *conserve_weight_row;
  AdwComboRow           *activation_row;
  GtkWidget             *log_inputs_row;
  GtkSwitch             *log_inputs_switch;
  GtkSpinButton         *epochs_spin;
  GtkSpinButton         *lr_spin;
  GtkSpinButton         *val_spin;
  GtkSpinButton         *batch_spin;
  AdwComboRow           *gradient_row;
  GtkSwitch             *stiff_switch;
  AdwEntryRow           *rtol_row;
  AdwEntryRow           *atol_row;
  GtkSpinButton         *seed_spin;
  GtkWidget             *members_row;
  GtkSpinButton         *members_spin;

  GSettings             *settings;

  /* what to learn from (copies) */
  CurrentsModel         *model;
  CurrentsDataset       *dataset;
  GtkStringList         *kinds;
  Kind                   kind_of[3];

  CurrentsTrainingState  state;
  TrainJob              *job;              /* the current or last run */
  GCancellable          *run_cancellable;  /* Stop */
  GCancellable          *cancellable;      /* the panel's life */
  guint                  tick_source;
  EnsembleJob           *ensemble_job;     /* the ensemble run going, if any */
  CurrentsEnsemble      *ensemble;         /* the last ensemble trained */
  guint                  members_done;

  CurrentsTrainProgress  latest;
  gboolean               have_latest;
  gboolean               figures_dirty;
  char                  *note;

  gsize                  n_plotted;        /* epochs in the loss plot */
  double                *best;             /* snapshot of the best θ */
  gsize                  n_best;
  guint                  best_epoch;
  gint64                 last_best_emit;

  char                  *last_error;
  char                  *saved_path;
  double                 max_handler_ms;
  gboolean               disposed;
};

G_DEFINE_FINAL_TYPE (CurrentsTrainingPanel, currents_training_panel, GTK_TYPE_WIDGET)

G_DEFINE_ENUM_TYPE (CurrentsTrainingState, currents_training_state,
                    G_DEFINE_ENUM_VALUE (CURRENTS_TRAINING_NO_DATA, "no-data"),
                    G_DEFINE_ENUM_VALUE (CURRENTS_TRAINING_READY, "ready"),
                    G_DEFINE_ENUM_VALUE (CURRENTS_TRAINING_RUNNING, "running"),
                    G_DEFINE_ENUM_VALUE (CURRENTS_TRAINING_STOPPING, "stopping"),
                    G_DEFINE_ENUM_VALUE (CURRENTS_TRAINING_FINISHED, "finished"),
                    G_DEFINE_ENUM_VALUE (CURRENTS_TRAINING_STOPPED, "stopped"),
                    G_DEFINE_ENUM_VALUE (CURRENTS_TRAINING_FAILED, "failed"))

enum {
  PROP_0,
  PROP_STATE,
  PROP_RUNNING,
  PROP_HAS_MODEL,
  N_PROPS
};

enum {
  BEST_CHANGED,
  ENSEMBLE_TRAINED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

/* ---- small helpers ---- */

static void
note_handler_time (CurrentsTrainingPanel *self,
                   gint64                 begin)
{
  double ms = (double) (g_get_monotonic_time () - begin) / 1000.0;

  if (ms > self->max_handler_ms)
    self->max_handler_ms = ms;
}

static char *
format_number (double v)
{
  return isfinite (v) ? g_strdup_printf ("%.3g", v) : g_strdup ("—");
}

static void
set_number (GtkLabel *label,
            double    v)
{
  g_autofree char *text = format_number (v);

  gtk_label_set_text (label, text);
}

static char *
format_duration (double seconds)
{
  if (seconds < 60)
    return g_strdup_printf (_("about %.0f s left"), MAX (1, ceil (seconds)));
  if (seconds < 3600)
    return g_strdup_printf (_("about %.0f min left"), ceil (seconds / 60));
  return g_strdup_printf (_("about %.0f h %.0f min left"), floor (seconds / 3600),
                          fmod (ceil (seconds / 60), 60));
}

gboolean
currents_training_panel_get_running (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), FALSE);
  return self->state == CURRENTS_TRAINING_RUNNING || self->state == CURRENTS_TRAINING_STOPPING;
}

gboolean
currents_training_panel_get_has_model (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), FALSE);
  return !currents_training_panel_get_running (self) && self->job != NULL
         && self->best != NULL && self->best_epoch > 0;
}

static Kind
selected_kind (CurrentsTrainingPanel *self)
{
  guint i = adw_combo_row_get_selected (self->kind_row);

  return self->model != NULL && i < g_list_model_get_n_items (G_LIST_MODEL (self->kinds))
         ? self->kind_of[i] : KIND_NEURAL;
}

static const char *const kind_ids[] = { "neural", "learned", "params" };

gboolean
currents_training_panel_set_kind (CurrentsTrainingPanel *self,
                                  const char            *kind)
{
  guint n;

  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), FALSE);
  g_return_val_if_fail (kind != NULL, FALSE);

  n = g_list_model_get_n_items (G_LIST_MODEL (self->kinds));
  for (guint i = 0; i < n && i < G_N_ELEMENTS (self->kind_of); i++)
    if (strcmp (kind_ids[self->kind_of[i]], kind) == 0)
      {
        adw_combo_row_set_selected (self->kind_row, i);
        return TRUE;
      }
  return FALSE;
}

const char *
currents_training_panel_get_kind (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);
  return kind_ids[selected_kind (self)];
}

static void
update_rows (CurrentsTrainingPanel *self)
{
  gboolean neural = selected_kind (self) == KIND_NEURAL;

  gtk_widget_set_visible (GTK_WIDGET (self->kind_row), self->model != NULL);
  gtk_widget_set_visible (GTK_WIDGET (self->hidden_row), neural);
  gtk_widget_set_visible (GTK_WIDGET (self->activation_row), neural);
  gtk_widget_set_visible (self->log_inputs_row,
                          neural && self->dataset != NULL
                          && currents_dataset_get_n_inputs (self->dataset) > 0);
  gtk_widget_set_sensitive (self->members_row, neural);
  gtk_widget_set_tooltip_text (self->members_row,
                               neural ? _("How many networks to train: more than one trains "
                                          "an ensemble, each on a bootstrap resample of the "
                                          "trajectories with its own seed, whose spread "
                                          "shows how sure the model is")
                                      : _("Ensembles are trained for neural ODEs only: "
                                          "choose “Neural ODE” under Learn"));
}

/* What the status line says when nothing runs. */
static void
describe_source (CurrentsTrainingPanel *self)
{
  g_autofree char *text = NULL;
  const char *data_name;
  gsize n;

  if (self->dataset == NULL)
    {
      gtk_label_set_text (self->status_label,
                          _("Open a data set of trajectories to learn a model from it."));
      return;
    }
  data_name = currents_dataset_get_filename (self->dataset);
  if (data_name == NULL)
    data_name = _("the data");
  n = currents_dataset_get_n_trajectories (self->dataset);
  switch (selected_kind (self))
    {
    case KIND_LEARNED:
      text = g_strdup_printf (ngettext ("Fit the learned terms of %s to %s (%zu trajectory).",
                                        "Fit the learned terms of %s to %s (%zu trajectories).", n),
                              currents_model_get_filename (self->model), data_name, n);
      break;
    case KIND_PARAMS:
      text = g_strdup_printf (ngettext ("Fit the parameters of %s to %s (%zu trajectory).",
                                        "Fit the parameters of %s to %s (%zu trajectories).", n),
                              currents_model_get_filename (self->model), data_name, n);
      break;
    case KIND_NEURAL:
    default:
      text = g_strdup_printf (ngettext ("Learn dx/dt as a neural network from %s "
                                        "(%zu trajectory).",
                                        "Learn dx/dt as a neural network from %s "
                                        "(%zu trajectories).", n),
                              data_name, n);
      break;
    }
  gtk_label_set_text (self->status_label, text);
}

static void
set_error_text (CurrentsTrainingPanel *self,
                const char            *message)
{
  g_free (self->last_error);
  self->last_error = g_strdup (message);
  gtk_label_set_text (self->status_label, message);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "error");
}

static void
clear_error_style (CurrentsTrainingPanel *self)
{
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "warning");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "dim-label");
}

/* Training ended with a model, but something went wrong on the way: what to change. */
static void
set_warning_text (CurrentsTrainingPanel *self,
                  const char            *message)
{
  gtk_label_set_text (self->status_label, message);
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "dim-label");
  gtk_widget_remove_css_class (GTK_WIDGET (self->status_label), "error");
  gtk_widget_add_css_class (GTK_WIDGET (self->status_label), "warning");
}

static void
update_actions (CurrentsTrainingPanel *self)
{
  gboolean running = currents_training_panel_get_running (self);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "training.start",
                                 !running && self->dataset != NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "training.stop",
                                 self->state == CURRENTS_TRAINING_RUNNING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "training.save",
                                 currents_training_panel_get_has_model (self));
}

static void
set_state (CurrentsTrainingPanel *self,
           CurrentsTrainingState  state)
{
  gboolean was_running = currents_training_panel_get_running (self);
  gboolean had_model = currents_training_panel_get_has_model (self);
  const char *title = NULL;
  gboolean sensitive;

  self->state = state;
  switch (state)
    {
    case CURRENTS_TRAINING_NO_DATA:
    case CURRENTS_TRAINING_READY:
      title = _("Train a Model");
      break;
    case CURRENTS_TRAINING_RUNNING:
      title = _("Training…");
      break;
    case CURRENTS_TRAINING_STOPPING:
      title = _("Stopping…");
      break;
    case CURRENTS_TRAINING_FINISHED:
      title = _("Training Finished");
      break;
    case CURRENTS_TRAINING_STOPPED:
      title = _("Training Stopped");
      break;
    case CURRENTS_TRAINING_FAILED:
      title = _("Training Failed");
      break;
    default:
      g_assert_not_reached ();
    }
  gtk_label_set_text (self->status_title, title);

  /* a run's settings are fixed once it starts */
  sensitive = !currents_training_panel_get_running (self);
  gtk_widget_set_sensitive (self->model_group, sensitive);
  gtk_widget_set_sensitive (self->training_group, sensitive);
  gtk_widget_set_sensitive (self->solver_group, sensitive);

  update_actions (self);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
  if (was_running != currents_training_panel_get_running (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING]);
  if (had_model != currents_training_panel_get_has_model (self))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_HAS_MODEL]);
}

/* ---- the figures ---- */

static void
show_figures (CurrentsTrainingPanel *self)
{
  const CurrentsTrainProgress *p = &self->latest;
  g_autofree char *epoch = NULL, *best = NULL, *time = NULL, *nfe = NULL, *bar = NULL;
  g_autofree char *best_loss = NULL;

  self->figures_dirty = FALSE;
  if (!self->have_latest)
    return;

  epoch = g_strdup_printf (_("%u of %u"), p->epoch, p->epochs);
  gtk_label_set_text (self->epoch_value, epoch);
  best_loss = format_number (p->best_loss);
  best = p->best_epoch > 0 ? g_strdup_printf (_("epoch %u · %s"), p->best_epoch, best_loss)
                           : g_strdup ("—");
  gtk_label_set_text (self->best_value, best);
  set_number (self->train_value, p->train_loss);
  set_number (self->val_value, p->val_loss);
  set_number (self->grad_value, p->grad_norm);
  set_number (self->lr_value, p->lr);
  time = g_strdup_printf (_("%.1f ms"), p->ms);
  gtk_label_set_text (self->time_value, time);
  nfe = g_strdup_printf ("%zu / %zu", p->nfe_forward, p->nfe_backward);
  gtk_label_set_text (self->nfe_value, nfe);
  currents_loss_plot_set_best (self->loss_plot, p->best_epoch);

  if (currents_training_panel_get_running (self) && self->job != NULL && p->epochs > 0)
    {
      double elapsed = (double) (g_get_monotonic_time () - self->job->started) / G_USEC_PER_SEC;
      double fraction = CLAMP ((double) p->epoch / p->epochs, 0.0, 1.0);
      g_autofree char *left = NULL;

      gtk_progress_bar_set_fraction (self->progress_bar, fraction);
      if (self->state == CURRENTS_TRAINING_STOPPING)
        bar = g_strdup (_("Stopping after this step…"));
      else if (p->polishing)
        bar = g_strdup_printf (_("Polishing with BFGS · iteration %u"),
                               p->epoch - self->job->options.epochs);
      else
        {
          left = format_duration (p->epoch > 0 ? elapsed / p->epoch * (p->epochs - p->epoch)
                                               : INFINITY);
          bar = p->epoch > 0 ? g_strdup_printf (_("Epoch %u of %u · %s"), p->epoch, p->epochs, left)
                             : g_strdup (_("Starting…"));
        }
      gtk_progress_bar_set_text (self->progress_bar, bar);
    }
  if (self->note != NULL && currents_training_panel_get_running (self))
    gtk_label_set_text (self->status_label, self->note);
}

/* Takes a locked copy of the best parameters and tells the window. */
static void
snapshot_best (CurrentsTrainingPanel *self)
{
  gsize n = currents_trainer_get_n_params (self->job->trainer);
  guint epoch;

  if (self->n_best != n)
    {
      g_free (self->best);
      self->best = g_new0 (double, MAX (n, 1));
      self->n_best = n;
    }
  epoch = currents_trainer_copy_best_params (self->job->trainer, self->best);
  if (epoch == self->best_epoch)
    return;
  self->best_epoch = epoch;
  self->last_best_emit = g_get_monotonic_time ();
  g_signal_emit (self, signals[BEST_CHANGED], 0);
}

static gboolean
tick_cb (gpointer data)
{
  CurrentsTrainingPanel *self = data;
  gint64 begin = g_get_monotonic_time ();

  /* every epoch for the plot: reports are coalesced, the history is not */
  if (self->job != NULL)
    {
      g_autoptr(GArray) train = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) val = g_array_new (FALSE, FALSE, sizeof (double));

      currents_trainer_copy_history (self->job->trainer, self->n_plotted, train, val);
      for (guint i = 0; i < train->len; i++)
        currents_loss_plot_add (self->loss_plot, (guint) (self->n_plotted + i + 1),
                                g_array_index (train, double, i), g_array_index (val, double, i));
      self->n_plotted += train->len;
      /* the report may lag behind when idles starve (a busy frame clock): the history
       * has the epoch and its losses first */
      if (train->len > 0 && self->n_plotted > self->latest.epoch)
        {
          const CurrentsTrainOptions *o = &self->job->options;

          self->latest.epoch = (guint) self->n_plotted;
          self->latest.epochs = o->epochs + (o->polish ? o->polish_iterations : 0);
          self->latest.train_loss = g_array_index (train, double, train->len - 1);
          self->latest.val_loss = g_array_index (val, double, val->len - 1);
          self->latest.polishing = self->latest.epoch > o->epochs;
          self->have_latest = TRUE;
          self->figures_dirty = TRUE;
        }
    }
  if (self->figures_dirty)
    show_figures (self);
  if (self->have_latest && self->latest.best_epoch != self->best_epoch
      && begin - self->last_best_emit >= BEST_INTERVAL_US)
    snapshot_best (self);
  note_handler_time (self, begin);
  return G_SOURCE_CONTINUE;
}

/* On the main thread, through the engine's coalesced idle: store and return. */
static void
progress_cb (const CurrentsTrainProgress *progress,
             gpointer                     data)
{
  CurrentsTrainingPanel *self = data;
  gint64 begin = g_get_monotonic_time ();
  CurrentsTrainProgress before = self->latest;

  if (self->disposed || self->job == NULL)
    return;
  self->latest = *progress;
  self->latest.note = NULL;
  if (self->have_latest && before.epoch > progress->epoch)
    {
      /* the history was ahead: keep its epoch and losses */
      self->latest.epoch = before.epoch;
      self->latest.train_loss = before.train_loss;
      self->latest.val_loss = before.val_loss;
    }
  self->have_latest = TRUE;
  self->figures_dirty = TRUE;
  if (progress->note != NULL)
    {
      g_free (self->note);
      self->note = g_strdup (progress->note);
    }
  note_handler_time (self, begin);
}

/* ---- the end of a run ---- */

static void
finish_run (CurrentsTrainingPanel *self)
{
  TrainJob *job = self->job;
  const double *ht, *hv;
  gsize nh, n;
  gint64 begin = g_get_monotonic_time ();
  CurrentsTrainingState state;
  /* what went wrong and what to change (the worker is done: read directly) */
  const char *advice = currents_trainer_get_advice (job->trainer);

  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_object (&self->run_cancellable);

  /* the worker is done: the trainer may be read directly now */
  n = currents_trainer_get_n_params (job->trainer);
  self->best_epoch = currents_trainer_get_best_epoch (job->trainer);
  g_clear_pointer (&self->best, g_free);
  self->n_best = 0;
  if (self->best_epoch > 0)
    {
      self->best = g_memdup2 (currents_trainer_get_best_params (job->trainer),
                              MAX (n, 1) * sizeof (double));
      self->n_best = n;
    }
  nh = currents_trainer_get_history (job->trainer, &ht, &hv);
  currents_loss_plot_set_history (self->loss_plot, ht, hv, nh);
  currents_loss_plot_set_best (self->loss_plot, self->best_epoch);

  /* the last report may have been coalesced away: the figures of the end */
  if (self->have_latest)
    {
      self->latest.epoch = (guint) nh;
      self->latest.best_epoch = self->best_epoch;
      if (nh > 0)
        {
          self->latest.train_loss = ht[nh - 1];
          self->latest.val_loss = hv[nh - 1];
        }
      if (self->best_epoch > 0 && self->best_epoch <= nh)
        self->latest.best_loss = isfinite (hv[self->best_epoch - 1]) ? hv[self->best_epoch - 1]
                                                                     : ht[self->best_epoch - 1];
    }
  show_figures (self);

  if (job->error != NULL)
    state = CURRENTS_TRAINING_FAILED;
  else if (job->cancelled)
    state = CURRENTS_TRAINING_STOPPED;
  else
    state = CURRENTS_TRAINING_FINISHED;
  /* a run stopped early shows how far it got */
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 state == CURRENTS_TRAINING_FINISHED || self->latest.epochs == 0
                                 ? 1.0 : CLAMP ((double) nh / self->latest.epochs, 0.0, 1.0));

  if (self->best_epoch > 0)
    {
      g_autofree char *train = format_number (job->train_mse);
      g_autofree char *val = format_number (job->val_mse);
      g_autofree char *bar = NULL, *text = NULL;

      set_number (self->train_value, job->train_mse);
      set_number (self->val_value, job->val_mse);
      bar = g_strdup_printf (_("Best epoch %u · %.1f s"), self->best_epoch, job->seconds);
      gtk_progress_bar_set_text (self->progress_bar, bar);
      if (isfinite (job->val_mse))
        text = g_strdup_printf (_("The best parameters, from epoch %u, have a training MSE of "
                                  "%s and a validation MSE of %s (data units)."),
                                self->best_epoch, train, val);
      else
        text = g_strdup_printf (_("The best parameters, from epoch %u, have a training MSE of "
                                  "%s (data units)."), self->best_epoch, train);
      if (job->error != NULL)
        {
          /* a failure that stopped training already says which model is kept */
          g_autofree char *both = advice != NULL && strstr (job->error->message, advice) != NULL
                                  ? g_strdup (job->error->message)
                                  : g_strdup_printf (_("%s The best model so far is kept."),
                                                     job->error->message);
          set_error_text (self, both);
        }
      else if (advice != NULL)
        {
          g_autofree char *both = g_strdup_printf ("%s\n%s", advice, text);

          set_warning_text (self, both);
        }
      else
        {
          clear_error_style (self);
          gtk_label_set_text (self->status_label, text);
        }
    }
  else
    {
      gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
      gtk_progress_bar_set_text (self->progress_bar, _("No epoch finished"));
      if (job->error != NULL)
        set_error_text (self, job->error->message);
      else
        {
          clear_error_style (self);
          gtk_label_set_text (self->status_label,
                              _("Training stopped before the first epoch ended; there is no "
                                "model to keep."));
        }
    }

  set_state (self, state);
  if (self->best_epoch > 0)
    {
      self->last_best_emit = g_get_monotonic_time ();
      g_signal_emit (self, signals[BEST_CHANGED], 0);
    }
  note_handler_time (self, begin);
}

static void
evaluate_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  TrainJob *job = task_data;
  g_autoptr(GError) error = NULL;

  /* the figures are a courtesy: a failure leaves them unknown */
  if (!currents_trainer_evaluate_best (job->trainer, &job->train_mse, &job->val_mse,
                                       cancellable, &error))
    {
      job->train_mse = job->val_mse = NAN;
      g_debug ("Evaluating the best parameters: %s", error->message);
    }
  g_task_return_boolean (task, TRUE);
}

static void
evaluate_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  CurrentsTrainingPanel *self = CURRENTS_TRAINING_PANEL (object);

  g_task_propagate_boolean (G_TASK (result), NULL);
  if (self->disposed)
    return;
  finish_run (self);
}

static void
train_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  g_autoptr(CurrentsTrainingPanel) self = user_data;
  TrainJob *job = self->job;
  g_autoptr(GError) error = NULL;

  if (!currents_trainer_train_finish (job->trainer, result, &error))
    {
      if (g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED)
          || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        job->cancelled = TRUE;
      else
        job->error = g_steal_pointer (&error);
    }
  job->seconds = (double) (g_get_monotonic_time () - job->started) / G_USEC_PER_SEC;
  job->train_mse = job->val_mse = NAN;
  if (self->disposed)
    return;

  if (currents_trainer_get_best_epoch (job->trainer) > 0)
    {
      g_autoptr(GTask) task = g_task_new (self, self->cancellable, evaluate_done, NULL);

      g_task_set_source_tag (task, evaluate_thread);
      g_task_set_name (task, "[currents] evaluate the best parameters");
      g_task_set_task_data (task, job, NULL);   /* freed only when no task runs */
      g_task_run_in_thread (task, evaluate_thread);
    }
  else
    finish_run (self);
}

/* ---- starting ---- */

static gboolean
parse_hidden (const char          *text,
              CurrentsNeuralSpec  *spec,
              GError             **error)
{
  g_auto(GStrv) parts = g_regex_split_simple ("[\\s,;]+", text, 0, 0);

  spec->n_hidden = 0;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      char *end = NULL;
      guint64 v;

      if (parts[i][0] == '\0')
        continue;
      v = g_ascii_strtoull (parts[i], &end, 10);
      if (end == parts[i] || *end != '\0' || v == 0 || v > 4096
          || spec->n_hidden >= CURRENTS_NEURAL_MAX_LAYERS)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       _("Hidden layers: expected up to %d widths from 1 to 4096, such as "
                         "“64, 64”"), CURRENTS_NEURAL_MAX_LAYERS);
          return FALSE;
        }
      spec->hidden[spec->n_hidden++] = (gsize) v;
    }
  if (spec->n_hidden == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("Hidden layers: give at least one width, such as “64, 64”"));
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_tolerance (const char  *text,
                 double      *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (text));
  char *end = NULL;
  double v;

  /* either decimal point */
  g_strdelimit (copy, ",", '.');
  v = g_ascii_strtod (copy, &end);
  if (end == copy || *end != '\0' || !isfinite (v) || !(v > 0) || v >= 1)
    return FALSE;
  *value = v;
  return TRUE;
}

static void
validate_entry (AdwEntryRow *row,
                gboolean     ok)
{
  if (ok)
    gtk_widget_remove_css_class (GTK_WIDGET (row), "error");
  else
    gtk_widget_add_css_class (GTK_WIDGET (row), "error");
}

static void
hidden_changed_cb (CurrentsTrainingPanel *self)
{
  CurrentsNeuralSpec spec;

  validate_entry (self->hidden_row,
                  parse_hidden (gtk_editable_get_text (GTK_EDITABLE (self->hidden_row)), &spec,
                                NULL));
}

/* The quantities of the conserve row, trimmed, empty ones dropped. */
static char **
conserved_quantities (CurrentsTrainingPanel *self)
{
  g_auto(GStrv) parts = g_strsplit (gtk_editable_get_text (GTK_EDITABLE (self->conserve_row)), ";", -1);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_strstrip (parts[i]);
      if (parts[i][0] != '\0')
        g_strv_builder_add (builder, parts[i]);
    }
  return g_strv_builder_end (builder);
}

static gboolean
parse_weight (const char *text,
              double     *weight)
{
  char *end;
  double v = g_ascii_strtod (text, &end);

  while (*end == ' ')
    end++;
  if (end == text || *end != '\0' || !isfinite (v) || v < 0)
    return FALSE;
  *weight = v;
  return TRUE;
}

/* Each quantity must be an expression of the data's states. */
static gboolean
check_quantities (CurrentsTrainingPanel *self,
                  GError               **error)
{
  g_auto(GStrv) quantities = conserved_quantities (self);
  g_autofree const char **names = NULL;
  gsize n;

  if (quantities[0] == NULL || self->dataset == NULL)
    return TRUE;
  n = currents_dataset_get_n_states (self->dataset);
  names = g_new0 (const char *, n + 1);
  for (gsize i = 0; i < n; i++)
    names[i] = currents_dataset_get_state_name (self->dataset, i);
  for (guint q = 0; quantities[q] != NULL; q++)
    {
      g_autoptr(CurrentsConservedQuantity) cons = currents_conserved_quantity_new (quantities[q],
                                                                                   names, error);

      if (cons == NULL)
        return FALSE;
    }
  return TRUE;
}

/* … and, when there are some, the weight a number ≥ 0. */
static gboolean
check_conserved (CurrentsTrainingPanel *self,
                 GError               **error)
{
  g_auto(GStrv) quantities = conserved_quantities (self);
  double weight;

  if (quantities[0] != NULL
      && !parse_weight (gtk_editable_get_text (GTK_EDITABLE (self->conserve_weight_row)), &weight))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The conservation weight must be a number ≥ 0, such as 1"));
      return FALSE;
    }
  return check_quantities (self, error);
}

static void
conserve_changed_cb (CurrentsTrainingPanel *self)
{
  g_auto(GStrv) quantities = conserved_quantities (self);
  g_autoptr(GError) error = NULL;
  gboolean ok = check_quantities (self, &error);
  double weight;

  gtk_widget_set_visible (GTK_WIDGET (self->conserve_weight_row), quantities[0] != NULL);
  validate_entry (self->conserve_weight_row,
                  parse_weight (gtk_editable_get_text (GTK_EDITABLE (self->conserve_weight_row)),
                                &weight));
  validate_entry (self->conserve_row, ok);
  gtk_widget_set_tooltip_text (GTK_WIDGET (self->conserve_row),
                               ok ? _("Quantities of the states that must stay constant, "
                                      "separated by semicolons, such as “E + C; S + C + P”")
                                  : error->message);
}

void
currents_training_panel_set_conserved (CurrentsTrainingPanel *self,
                                       const char            *quantities,
                                       double                 weight)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_if_fail (CURRENTS_IS_TRAINING_PANEL (self));
  g_return_if_fail (isfinite (weight) && weight >= 0);

  gtk_editable_set_text (GTK_EDITABLE (self->conserve_weight_row),
                         g_ascii_formatd (buf, sizeof buf, "%.10g", weight));
  gtk_editable_set_text (GTK_EDITABLE (self->conserve_row), quantities != NULL ? quantities : "");
}

const char *
currents_training_panel_get_conserved (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);
  return gtk_editable_get_text (GTK_EDITABLE (self->conserve_row));
}

static void
tolerance_changed_cb (AdwEntryRow *row)
{
  double v;

  validate_entry (row, parse_tolerance (gtk_editable_get_text (GTK_EDITABLE (row)), &v));
}

/* The inputs worth a log scale: non-negative levels with some positive. */
static char **
log_input_names (const CurrentsDataset *dataset)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (gsize c = 0; c < currents_dataset_get_n_inputs (dataset); c++)
    {
      CurrentsColumnStats st;

      currents_dataset_get_input_stats (dataset, c, &st);
      if (st.min >= 0 && st.max > 0)
        g_strv_builder_add (builder, currents_dataset_get_input_name (dataset, c));
    }
  return g_strv_builder_end (builder);
}

/* ---- an ensemble ---- */

/* What every member's learner is made from (used on the main thread, while the trainer
 * is made). */
typedef struct
{
  const CurrentsDataset *dataset;
  CurrentsNeuralSpec     spec;
  char                 **logs;
  char                 **quantities;
  double                 weight;
} MemberSetup;

static CurrentsLearner *
member_learner (guint     member,
                guint64   seed,
                gpointer  data,
                GError  **error)
{
  MemberSetup *ms = data;
  CurrentsNeuralSpec spec = ms->spec;
  g_autoptr(CurrentsLearner) learner = NULL;

  spec.seed = seed;
  learner = currents_learner_new_neural (ms->dataset, &spec, TRUE, error);
  if (learner == NULL)
    return NULL;
  for (guint q = 0; ms->quantities[q] != NULL; q++)
    if (!currents_learner_add_conservation (learner, ms->quantities[q], ms->weight, error))
      return NULL;
  return g_steal_pointer (&learner);
}

/* On the main thread, through the engine's coalesced idle. */
static void
ensemble_progress_cb (const CurrentsEnsembleProgress *p,
                      gpointer                        data)
{
  CurrentsTrainingPanel *self = data;
  g_autofree char *bar = NULL, *epoch = NULL;
  gint64 begin = g_get_monotonic_time ();
  double fraction;

  if (self->disposed || self->ensemble_job == NULL)
    return;
  self->members_done = p->n_done;
  fraction = p->n_members > 0
             ? ((double) p->n_done
                + (p->member_finished || p->epochs == 0 ? 0.0 : (double) p->epoch / p->epochs))
               / p->n_members
             : 0.0;
  gtk_progress_bar_set_fraction (self->progress_bar, CLAMP (fraction, 0.0, 1.0));
  if (self->state == CURRENTS_TRAINING_STOPPING)
    bar = g_strdup (_("Stopping after this step…"));
  else
    bar = g_strdup_printf (_("Member %u of %u, epoch %u/%u · %u done"), p->member + 1,
                           p->n_members, p->epoch, p->epochs, p->n_done);
  gtk_progress_bar_set_text (self->progress_bar, bar);
  epoch = g_strdup_printf (_("%u of %u"), p->epoch, p->epochs);
  gtk_label_set_text (self->epoch_value, epoch);
  set_number (self->train_value, p->train_loss);
  set_number (self->val_value, p->val_loss);
  note_handler_time (self, begin);
}

static void
ensemble_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  g_autoptr(CurrentsTrainingPanel) self = user_data;
  EnsembleJob *ej = self->ensemble_job;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsEnsemble) ens = NULL;
  g_autofree char *text = NULL, *bar = NULL;
  CurrentsTrainingState state = CURRENTS_TRAINING_FINISHED;
  double seconds = (double) (g_get_monotonic_time () - ej->started) / G_USEC_PER_SEC;
  gsize n = 0;

  if (!currents_ensemble_trainer_train_finish (ej->trainer, result, &error))
    {
      if (g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED)
          || g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          state = CURRENTS_TRAINING_STOPPED;
          g_clear_error (&error);
        }
      else
        state = CURRENTS_TRAINING_FAILED;
    }
  /* the workers are done: what was trained stays, even after a failure or a stop */
  ens = currents_ensemble_trainer_get_ensemble (ej->trainer, "currents " PACKAGE_VERSION, NULL);
  if (ens != NULL)
    {
      currents_ensemble_set_data (ens, currents_dataset_get_filename (ej->dataset),
                                  currents_dataset_get_sha256 (ej->dataset),
                                  currents_dataset_get_n_trajectories (ej->dataset));
      n = currents_ensemble_get_n_members (ens);
      /* the last report may have been coalesced away */
      self->members_done = 0;
      for (gsize k = 0; k < n; k++)
        if (currents_ensemble_get_member_status (ens, k) == CURRENTS_ENSEMBLE_MEMBER_FINISHED)
          self->members_done++;
    }
  self->ensemble_job = NULL;
  ensemble_job_free (ej);
  g_clear_object (&self->run_cancellable);
  if (self->disposed)
    return;

  if (n > 0)
    {
      bar = g_strdup_printf (ngettext ("%zu member · %.1f s", "%zu members · %.1f s", n), n,
                             seconds);
      text = g_strdup_printf (ngettext ("An ensemble of %zu of %u model, each trained on a "
                                        "bootstrap resample of the trajectories.",
                                        "An ensemble of %zu of %u models, each trained on a "
                                        "bootstrap resample of the trajectories.",
                                        n), n,
                              currents_ensemble_get_n_planned (ens));
    }
  gtk_progress_bar_set_fraction (self->progress_bar,
                                 state == CURRENTS_TRAINING_FINISHED ? 1.0
                                 : n > 0 ? (double) n / currents_ensemble_get_n_planned (ens)
                                 : 0.0);
  gtk_progress_bar_set_text (self->progress_bar, n > 0 ? bar : _("No member trained"));
  if (error != NULL)
    {
      g_autofree char *both = n > 0 ? g_strdup_printf (_("%s The members trained so far are "
                                                          "kept."), error->message)
                                    : g_strdup (error->message);
      set_error_text (self, both);
    }
  else
    {
      clear_error_style (self);
      gtk_label_set_text (self->status_label,
                          n > 0 ? text : _("Training stopped before any member finished an "
                                           "epoch; there is no ensemble to keep."));
    }
  self->ensemble = g_steal_pointer (&ens);
  set_state (self, state);
  if (self->ensemble != NULL)
    g_signal_emit (self, signals[ENSEMBLE_TRAINED], 0, self->ensemble);
}

static gboolean
start_ensemble (CurrentsTrainingPanel       *self,
                const CurrentsTrainOptions  *options,
                GError                     **error)
{
  g_auto(GStrv) logs = NULL;
  g_auto(GStrv) quantities = NULL;
  CurrentsEnsembleOptions eo;
  MemberSetup ms = { 0 };
  EnsembleJob *ej;
  guint activation;

  currents_neural_spec_init (&ms.spec);
  if (!parse_hidden (gtk_editable_get_text (GTK_EDITABLE (self->hidden_row)), &ms.spec, error))
    return FALSE;
  if (!check_conserved (self, error))
    return FALSE;
  activation = MIN (adw_combo_row_get_selected (self->activation_row),
                    G_N_ELEMENTS (activation_ids) - 1);
  currents_activation_from_string (activation_ids[activation], &ms.spec.activation);

  ej = g_new0 (EnsembleJob, 1);
  ej->dataset = currents_dataset_copy (self->dataset);
  ej->n_members = (guint) gtk_spin_button_get_value_as_int (self->members_spin);
  if (gtk_switch_get_active (self->log_inputs_switch))
    logs = log_input_names (ej->dataset);
  ms.spec.log_inputs = (const char *const *) logs;
  quantities = conserved_quantities (self);
  ms.weight = 1.0;
  if (quantities[0] != NULL)
    parse_weight (gtk_editable_get_text (GTK_EDITABLE (self->conserve_weight_row)), &ms.weight);
  ms.quantities = quantities;
  ms.dataset = ej->dataset;

  currents_ensemble_options_init (&eo);
  eo.n_members = ej->n_members;
  eo.seed = options->seed;
  eo.train = *options;
  /* leave a core to the window */
  eo.n_threads = MAX (1u, g_get_num_processors () - 1);
  ej->trainer = currents_ensemble_trainer_new (ej->dataset, &eo, member_learner, &ms, error);
  if (ej->trainer == NULL)
    {
      ensemble_job_free (ej);
      return FALSE;
    }

  /* the last run and its model go; this one starts */
  train_job_free (self->job);
  self->job = NULL;
  g_clear_pointer (&self->ensemble, currents_ensemble_free);
  g_clear_pointer (&self->best, g_free);
  self->n_best = 0;
  self->best_epoch = 0;
  memset (&self->latest, 0, sizeof self->latest);
  self->have_latest = FALSE;
  self->figures_dirty = FALSE;
  self->n_plotted = 0;
  self->members_done = 0;
  self->max_handler_ms = 0;
  g_clear_pointer (&self->note, g_free);
  g_clear_pointer (&self->last_error, g_free);
  g_clear_pointer (&self->saved_path, g_free);
  clear_error_style (self);
  /* the members' losses are not plotted: one plot would mix them */
  currents_loss_plot_reset (self->loss_plot, options->epochs);
  for (GtkLabel **l = (GtkLabel *[]) { self->epoch_value, self->best_value, self->train_value,
                                       self->val_value, self->grad_value, self->lr_value,
                                       self->time_value, self->nfe_value, NULL }; *l; l++)
    gtk_label_set_text (*l, "—");
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, _("Starting…"));
  {
    g_autofree char *text = g_strdup_printf (ngettext ("Training an ensemble of %u network "
                                                       "on bootstrap resamples of the data.",
                                                       "Training an ensemble of %u networks "
                                                       "on bootstrap resamples of the data.",
                                                       ej->n_members), ej->n_members);

    gtk_label_set_text (self->status_label, text);
  }

  self->ensemble_job = ej;
  self->run_cancellable = g_cancellable_new ();
  ej->started = g_get_monotonic_time ();
  set_state (self, CURRENTS_TRAINING_RUNNING);
  currents_ensemble_trainer_train_async (ej->trainer, self->run_cancellable,
                                         ensemble_progress_cb, self, NULL, ensemble_done,
                                         g_object_ref (self));
  return TRUE;
}

gboolean
currents_training_panel_start (CurrentsTrainingPanel  *self,
                               GError                **error)
{
  g_autoptr(CurrentsDataset) dataset = NULL;
  g_autoptr(CurrentsLearner) learner = NULL;
  g_autoptr(CurrentsTrainedModel) proto = NULL;
  CurrentsTrainOptions options;
  CurrentsNeuralSpec spec;
  TrainJob *job;
  Kind kind;
  guint activation, gradient;
  gsize n, m;

  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), FALSE);

  if (currents_training_panel_get_running (self))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("Training is already running"));
      return FALSE;
    }
  if (self->dataset == NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("Open a data set to train on"));
      return FALSE;
    }

  currents_train_options_init (&options);
  options.epochs = (guint) gtk_spin_button_get_value_as_int (self->epochs_spin);
  options.lr = gtk_spin_button_get_value (self->lr_spin);
  options.val_fraction = gtk_spin_button_get_value (self->val_spin);
  options.batch_size = (gsize) gtk_spin_button_get_value_as_int (self->batch_spin);
  options.seed = (guint64) gtk_spin_button_get_value (self->seed_spin);
  gradient = MIN (adw_combo_row_get_selected (self->gradient_row), G_N_ELEMENTS (gradient_ids) - 1);
  currents_gradient_method_from_string (gradient_ids[gradient], &options.loss.adjoint.method);
  /* BDF comes with the adjoint gradient only (as --stiff on the command line) */
  options.loss.adjoint.stiff = gtk_switch_get_active (self->stiff_switch);
  if (options.loss.adjoint.stiff)
    options.loss.adjoint.method = CURRENTS_GRADIENT_ADJOINT;
  if (!parse_tolerance (gtk_editable_get_text (GTK_EDITABLE (self->rtol_row)),
                        &options.loss.adjoint.rtol)
      || !parse_tolerance (gtk_editable_get_text (GTK_EDITABLE (self->atol_row)),
                           &options.loss.adjoint.atol))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("Tolerances must be numbers between 0 and 1, such as 1e-6"));
      return FALSE;
    }
  /* leave a core to the window */
  options.loss.n_threads = MAX (1u, g_get_num_processors () - 1);

  kind = selected_kind (self);
  if (kind == KIND_NEURAL && gtk_spin_button_get_value_as_int (self->members_spin) > 1)
    return start_ensemble (self, &options, error);

  dataset = currents_dataset_copy (self->dataset);
  if (kind == KIND_NEURAL)
    {
      g_auto(GStrv) logs = NULL;

      currents_neural_spec_init (&spec);
      if (!parse_hidden (gtk_editable_get_text (GTK_EDITABLE (self->hidden_row)), &spec, error))
        return FALSE;
      activation = MIN (adw_combo_row_get_selected (self->activation_row),
                        G_N_ELEMENTS (activation_ids) - 1);
      currents_activation_from_string (activation_ids[activation], &spec.activation);
      spec.seed = options.seed;
      if (gtk_switch_get_active (self->log_inputs_switch))
        logs = log_input_names (dataset);
      spec.log_inputs = (const char *const *) logs;
      learner = currents_learner_new_neural (dataset, &spec, TRUE, error);
    }
  else
    {
      CurrentsModel *copy = currents_model_new_from_string (currents_model_get_source (self->model),
                                                            currents_model_get_filename (self->model),
                                                            error);

      if (copy == NULL)
        return FALSE;
      learner = currents_learner_new_model (copy, kind == KIND_PARAMS, error);
    }
  if (learner == NULL)
    return FALSE;
  if (!check_conserved (self, error))
    return FALSE;
  {
    g_auto(GStrv) quantities = conserved_quantities (self);
    double weight = 1.0;

    if (quantities[0] != NULL)
      parse_weight (gtk_editable_get_text (GTK_EDITABLE (self->conserve_weight_row)), &weight);
    for (guint q = 0; quantities[q] != NULL; q++)
      if (!currents_learner_add_conservation (learner, quantities[q], weight, error))
        return FALSE;
  }

  job = g_new0 (TrainJob, 1);
  job->options = options;
  job->trainer = currents_learner_new_trainer (learner, dataset, &options, error);
  if (job->trainer == NULL)
    {
      train_job_free (job);
      return FALSE;
    }
  job->learner = g_steal_pointer (&learner);
  job->dataset = g_steal_pointer (&dataset);

  /* the data's ranges once, for every snapshot the views will draw */
  n = currents_field_get_n_states (currents_learner_get_field (job->learner));
  m = currents_field_get_n_inputs (currents_learner_get_field (job->learner));
  job->x_lo = g_new (double, MAX (n, 1));
  job->x_hi = g_new (double, MAX (n, 1));
  job->u_lo = g_new (double, MAX (m, 1));
  job->u_hi = g_new (double, MAX (m, 1));
  proto = currents_learner_new_trained_model (job->learner,
                                              currents_learner_get_initial_params (job->learner),
                                              job->dataset, NULL);
  currents_trained_model_get_ranges (proto, job->x_lo, job->x_hi, job->u_lo, job->u_hi);

  /* the last run goes; this one starts */
  g_clear_pointer (&self->ensemble, currents_ensemble_free);
  train_job_free (self->job);
  self->job = job;
  g_clear_pointer (&self->best, g_free);
  self->n_best = 0;
  self->best_epoch = 0;
  self->last_best_emit = 0;
  memset (&self->latest, 0, sizeof self->latest);
  self->have_latest = FALSE;
  self->figures_dirty = FALSE;
  self->n_plotted = 0;
  self->max_handler_ms = 0;
  g_clear_pointer (&self->note, g_free);
  g_clear_pointer (&self->last_error, g_free);
  g_clear_pointer (&self->saved_path, g_free);
  clear_error_style (self);
  currents_loss_plot_reset (self->loss_plot, options.epochs);
  for (GtkLabel **l = (GtkLabel *[]) { self->epoch_value, self->best_value, self->train_value,
                                       self->val_value, self->grad_value, self->lr_value,
                                       self->time_value, self->nfe_value, NULL }; *l; l++)
    gtk_label_set_text (*l, "—");
  gtk_progress_bar_set_fraction (self->progress_bar, 0.0);
  gtk_progress_bar_set_text (self->progress_bar, _("Starting…"));
  {
    gsize np = currents_trainer_get_n_params (job->trainer);
    g_autofree char *text = NULL;

    if (currents_learner_get_neural (job->learner) != NULL)
      text = g_strdup_printf (ngettext ("A network with %zu weight is learning.",
                                        "A network with %zu weights is learning.", np), np);
    else
      text = g_strdup_printf (ngettext ("Fitting %zu parameter of %s.",
                                        "Fitting %zu parameters of %s.", np), np,
                              currents_model_get_filename (currents_learner_get_model (job->learner)));
    gtk_label_set_text (self->status_label, text);
  }

  self->run_cancellable = g_cancellable_new ();
  job->started = g_get_monotonic_time ();
  set_state (self, CURRENTS_TRAINING_RUNNING);
  self->tick_source = g_timeout_add_full (G_PRIORITY_DEFAULT, TICK_MS, tick_cb, self, NULL);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->tick_source),
                            "[currents] training figures");
  currents_trainer_train_async (job->trainer, self->run_cancellable, progress_cb, self, NULL,
                                train_done, g_object_ref (self));
  return TRUE;
}

void
currents_training_panel_stop (CurrentsTrainingPanel *self)
{
  g_return_if_fail (CURRENTS_IS_TRAINING_PANEL (self));

  if (self->state != CURRENTS_TRAINING_RUNNING)
    return;
  g_cancellable_cancel (self->run_cancellable);
  set_state (self, CURRENTS_TRAINING_STOPPING);
  gtk_progress_bar_set_text (self->progress_bar, _("Stopping after this step…"));
}

/* ---- results ---- */

static CurrentsTrainedModel *
trained_model_for (CurrentsTrainingPanel *self,
                   gboolean               full)
{
  TrainJob *job = self->job;
  CurrentsTrainedModel *tm;

  if (job == NULL || self->best == NULL)
    return NULL;
  if (full)
    {
      g_autoptr(JsonObject) settings = NULL;

      /* history and the data's provenance; only when the worker is done */
      tm = currents_learner_new_trained_model (job->learner, self->best, job->dataset,
                                               job->trainer);
      settings = currents_learner_describe_training (job->learner, &job->options, job->dataset,
                                                     "currents " PACKAGE_VERSION, NULL);
      json_object_set_int_member (settings, "best_epoch", self->best_epoch);
      json_object_set_member (settings, "train_mse",
                              isfinite (job->train_mse)
                              ? json_node_init_double (json_node_alloc (), job->train_mse)
                              : json_node_new (JSON_NODE_NULL));
      json_object_set_member (settings, "val_mse",
                              isfinite (job->val_mse)
                              ? json_node_init_double (json_node_alloc (), job->val_mse)
                              : json_node_new (JSON_NODE_NULL));
      json_object_set_boolean_member (settings, "stopped_by_user", job->cancelled);
      json_object_set_double_member (settings, "seconds", job->seconds);
      currents_trained_model_set_training (tm, settings);
    }
  else
    {
      tm = currents_learner_new_trained_model (job->learner, self->best, NULL, NULL);
      currents_trained_model_set_ranges (tm, job->x_lo, job->x_hi, job->u_lo, job->u_hi);
      currents_trained_model_set_data (tm, currents_dataset_get_filename (job->dataset),
                                       currents_dataset_get_sha256 (job->dataset));
    }
  return tm;
}

CurrentsSystem *
currents_training_panel_dup_best_system (CurrentsTrainingPanel *self)
{
  CurrentsTrainedModel *tm;

  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);

  tm = trained_model_for (self, FALSE);
  return tm != NULL ? currents_system_new_from_trained (tm) : NULL;
}

CurrentsTrainedModel *
currents_training_panel_dup_trained_model (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);

  return trained_model_for (self, !currents_training_panel_get_running (self));
}

gboolean
currents_training_panel_save (CurrentsTrainingPanel  *self,
                              const char             *path,
                              GError                **error)
{
  g_autoptr(CurrentsTrainedModel) tm = NULL;

  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  if (!currents_training_panel_get_has_model (self))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   currents_training_panel_get_running (self)
                   ? _("Stop training before saving the model")
                   : _("There is no trained model to save yet"));
      return FALSE;
    }
  tm = trained_model_for (self, TRUE);
  if (!currents_trained_model_save (tm, path, error))
    return FALSE;
  g_free (self->saved_path);
  self->saved_path = g_strdup (path);
  return TRUE;
}

const double *
currents_training_panel_get_best_params (CurrentsTrainingPanel *self,
                                         gsize                 *n_params)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);

  if (n_params != NULL)
    *n_params = self->best != NULL ? self->n_best : 0;
  return self->best;
}

guint
currents_training_panel_get_best_epoch (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), 0);
  return self->best_epoch;
}

const char *
currents_training_panel_get_data_sha256 (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);
  return self->job != NULL ? currents_dataset_get_sha256 (self->job->dataset) : NULL;
}

const gsize *
currents_training_panel_get_validation_set (CurrentsTrainingPanel *self,
                                            gsize                 *n)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);

  *n = 0;
  if (self->job == NULL)
    return NULL;
  /* fixed when the trainer was made: safe to read while it trains */
  return currents_trainer_get_val_set (self->job->trainer, n);
}

CurrentsTrainingState
currents_training_panel_get_state (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), CURRENTS_TRAINING_NO_DATA);
  return self->state;
}

const char *
currents_training_panel_get_last_error (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);
  return self->last_error;
}

CurrentsLossPlot *
currents_training_panel_get_loss_plot (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);
  return self->loss_plot;
}

double
currents_training_panel_get_max_handler_ms (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), 0);
  return self->max_handler_ms;
}

void
currents_training_panel_set_n_models (CurrentsTrainingPanel *self,
                                      guint                  n_models)
{
  g_return_if_fail (CURRENTS_IS_TRAINING_PANEL (self));
  g_return_if_fail (n_models >= 1);
  gtk_spin_button_set_value (self->members_spin, n_models);
}

guint
currents_training_panel_get_n_models (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), 1);
  return (guint) gtk_spin_button_get_value_as_int (self->members_spin);
}

gboolean
currents_training_panel_get_ensemble_possible (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), FALSE);
  return gtk_widget_get_sensitive (self->members_row);
}

guint
currents_training_panel_get_members_done (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), 0);
  return self->members_done;
}

const CurrentsEnsemble *
currents_training_panel_get_ensemble (CurrentsTrainingPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);
  return self->ensemble;
}

CurrentsEnsemble *
currents_training_panel_dup_ensemble (CurrentsTrainingPanel *self)
{
  g_autofree char *data = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsEnsemble *copy;

  g_return_val_if_fail (CURRENTS_IS_TRAINING_PANEL (self), NULL);

  if (self->ensemble == NULL)
    return NULL;
  /* through its file's text: every member's parameters bit for bit */
  data = currents_ensemble_to_data (self->ensemble);
  copy = currents_ensemble_load_from_data (data, -1,
                                           currents_ensemble_get_data_filename (self->ensemble),
                                           &error);
  if (copy == NULL)
    g_critical ("An ensemble did not read back: %s", error->message);
  return copy;
}

/* ---- the source ---- */

void
currents_training_panel_set_source (CurrentsTrainingPanel *self,
                                    const CurrentsModel   *model,
                                    const CurrentsDataset *dataset)
{
  g_autofree char *learned = NULL, *params = NULL;
  guint n = 0;

  g_return_if_fail (CURRENTS_IS_TRAINING_PANEL (self));

  g_clear_pointer (&self->model, currents_model_free);
  g_clear_pointer (&self->dataset, currents_dataset_free);
  if (dataset != NULL)
    self->dataset = currents_dataset_copy (dataset);
  if (model != NULL && dataset != NULL)
    self->model = currents_model_new_from_string (currents_model_get_source (model),
                                                  currents_model_get_filename (model), NULL);

  /* what can be learned: always a network; a model's terms or parameters when it has some */
  gtk_string_list_splice (self->kinds, 0, g_list_model_get_n_items (G_LIST_MODEL (self->kinds)),
                          NULL);
  gtk_string_list_append (self->kinds, _("Neural ODE"));
  self->kind_of[n++] = KIND_NEURAL;
  if (self->model != NULL)
    {
      const char *name = currents_model_get_filename (self->model);
      gsize named = currents_model_get_n_named_params (self->model);
      gsize k = currents_model_get_n_params (self->model);

      if (k > named)
        {
          learned = g_strdup_printf (_("Learned Terms of %s"), name);
          gtk_string_list_append (self->kinds, learned);
          self->kind_of[n++] = KIND_LEARNED;
        }
      if (named > 0)
        {
          params = g_strdup_printf (_("Parameters of %s"), name);
          gtk_string_list_append (self->kinds, params);
          self->kind_of[n++] = KIND_PARAMS;
        }
      if (n == 1)
        g_clear_pointer (&self->model, currents_model_free);
    }
  adw_combo_row_set_selected (self->kind_row, 0);
  update_rows (self);
  conserve_changed_cb (self);

  if (!currents_training_panel_get_running (self) && self->state != CURRENTS_TRAINING_FINISHED
      && self->state != CURRENTS_TRAINING_STOPPED && self->state != CURRENTS_TRAINING_FAILED)
    {
      clear_error_style (self);
      describe_source (self);
      set_state (self, self->dataset != NULL ? CURRENTS_TRAINING_READY : CURRENTS_TRAINING_NO_DATA);
    }
  else
    update_actions (self);
}

/* A batch of 0 trajectories means all of them: say so. */
static gboolean
batch_output_cb (GtkSpinButton *spin)
{
  if (gtk_spin_button_get_value_as_int (spin) != 0)
    return FALSE;
  gtk_editable_set_text (GTK_EDITABLE (spin), _("All"));
  return TRUE;
}

static int
batch_input_cb (GtkSpinButton *spin,
                double        *value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));

  if (g_utf8_collate (text, _("All")) != 0 && g_ascii_strcasecmp (text, "all") != 0)
    return FALSE;
  *value = 0;
  return TRUE;
}

static void
kind_changed_cb (CurrentsTrainingPanel *self)
{
  update_rows (self);
  if (self->state == CURRENTS_TRAINING_READY)
    describe_source (self);
}

/* ---- actions ---- */

static void
start_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  CurrentsTrainingPanel *self = CURRENTS_TRAINING_PANEL (widget);
  g_autoptr(GError) error = NULL;

  if (!currents_training_panel_start (self, &error))
    set_error_text (self, error->message);
}

static void
stop_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  currents_training_panel_stop (CURRENTS_TRAINING_PANEL (widget));
}

static void
save_response_cb (GtkNativeDialog *dialog,
                  int              response,
                  gpointer         user_data)
{
  g_autoptr(CurrentsTrainingPanel) self = user_data;

  if (response == GTK_RESPONSE_ACCEPT && !self->disposed)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      if (path == NULL)
        set_error_text (self, _("The model can only be saved to a local file"));
      else if (!currents_training_panel_save (self, path, &error))
        set_error_text (self, error->message);
      else
        {
          g_autofree char *name = g_file_get_basename (file);
          g_autofree char *text = g_strdup_printf (_("Saved as %s."), name);

          clear_error_style (self);
          gtk_label_set_text (self->status_label, text);
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
save_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CurrentsTrainingPanel *self = CURRENTS_TRAINING_PANEL (widget);
  GtkRoot *root = gtk_widget_get_root (widget);
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *name = NULL;
  GtkFileChooserNative *native;

  if (!currents_training_panel_get_has_model (self))
    return;

  native = gtk_file_chooser_native_new (_("Save the Trained Model"),
                                        GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Save"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  gtk_file_filter_set_name (filter, _("Trained models (.json)"));
  gtk_file_filter_add_pattern (filter, "*.json");
  gtk_file_filter_add_mime_type (filter, "application/json");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);
  {
    const char *data = currents_dataset_get_filename (self->job->dataset);
    g_autofree char *base = data != NULL ? g_path_get_basename (data) : g_strdup ("model");
    char *dot = strrchr (base, '.');

    if (dot != NULL && dot != base)
      *dot = '\0';
    name = g_strdup_printf ("%s-trained.json", base);
  }
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  g_signal_connect (native, "response", G_CALLBACK (save_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ---- settings ---- */

static gboolean
string_to_index (GValue   *value,
                 GVariant *variant,
                 gpointer  user_data)
{
  const char *const *ids = user_data;
  const char *s = g_variant_get_string (variant, NULL);

  for (guint i = 0; ids[i] != NULL; i++)
    if (g_ascii_strcasecmp (s, ids[i]) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  return FALSE;
}

static GVariant *
index_to_string (const GValue       *value,
                 const GVariantType *type,
                 gpointer            user_data)
{
  const char *const *ids = user_data;
  guint i = g_value_get_uint (value);

  for (guint k = 0; ids[k] != NULL; k++)
    if (k == i)
      return g_variant_new_string (ids[k]);
  return NULL;
}

static gboolean
double_to_text (GValue   *value,
                GVariant *variant,
                gpointer  user_data)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_value_set_string (value, g_ascii_formatd (buf, sizeof buf, "%g", g_variant_get_double (variant)));
  return TRUE;
}

static GVariant *
text_to_double (const GValue       *value,
                const GVariantType *type,
                gpointer            user_data)
{
  double v;

  /* an unfinished entry is not written */
  return parse_tolerance (g_value_get_string (value), &v) ? g_variant_new_double (v) : NULL;
}

static GSettings *
settings_if_installed (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "train-epochs"))
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

static void
bind_settings (CurrentsTrainingPanel *self)
{
  static const char *const activations[] = { "tanh", "softplus", "silu", NULL };
  static const char *const gradients[] = { "discrete", "adjoint", "backsolve", NULL };

  self->settings = settings_if_installed ();
  if (self->settings == NULL)
    return;
  g_settings_bind (self->settings, "train-hidden", self->hidden_row, "text",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "train-activation", self->activation_row,
                                "selected", G_SETTINGS_BIND_DEFAULT, string_to_index,
                                index_to_string, (gpointer) activations, NULL);
  g_settings_bind (self->settings, "train-log-inputs", self->log_inputs_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "train-epochs", self->epochs_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "train-learning-rate", self->lr_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "train-val-fraction", self->val_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "train-batch-size", self->batch_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "train-gradient", self->gradient_row,
                                "selected", G_SETTINGS_BIND_DEFAULT, string_to_index,
                                index_to_string, (gpointer) gradients, NULL);
  g_settings_bind_with_mapping (self->settings, "train-rtol", self->rtol_row, "text",
                                G_SETTINGS_BIND_DEFAULT, double_to_text, text_to_double,
                                NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "train-atol", self->atol_row, "text",
                                G_SETTINGS_BIND_DEFAULT, double_to_text, text_to_double,
                                NULL, NULL);
  g_settings_bind (self->settings, "train-seed", self->seed_spin, "value",
                   G_SETTINGS_BIND_DEFAULT);
}

/* ---- GObject ---- */

static void
currents_training_panel_dispose (GObject *object)
{
  CurrentsTrainingPanel *self = CURRENTS_TRAINING_PANEL (object);

  /* a run still going stops; its callback, which holds a reference, frees nothing
   * the worker uses before the worker is done */
  self->disposed = TRUE;
  g_cancellable_cancel (self->run_cancellable);
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->tick_source, g_source_remove);
  g_clear_object (&self->settings);
  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_TRAINING_PANEL);

  G_OBJECT_CLASS (currents_training_panel_parent_class)->dispose (object);
}

static void
currents_training_panel_finalize (GObject *object)
{
  CurrentsTrainingPanel *self = CURRENTS_TRAINING_PANEL (object);

  train_job_free (self->job);
  ensemble_job_free (self->ensemble_job);
  g_clear_pointer (&self->ensemble, currents_ensemble_free);
  g_clear_object (&self->run_cancellable);
  g_clear_object (&self->cancellable);
  g_clear_object (&self->kinds);
  g_clear_pointer (&self->model, currents_model_free);
  g_clear_pointer (&self->dataset, currents_dataset_free);
  g_free (self->best);
  g_free (self->note);
  g_free (self->last_error);
  g_free (self->saved_path);

  G_OBJECT_CLASS (currents_training_panel_parent_class)->finalize (object);
}

static void
currents_training_panel_get_property (GObject    *object,
                                      guint       prop_id,
                                      GValue     *value,
                                      GParamSpec *pspec)
{
  CurrentsTrainingPanel *self = CURRENTS_TRAINING_PANEL (object);

  switch (prop_id)
    {
    case PROP_STATE:
      g_value_set_enum (value, self->state);
      break;
    case PROP_RUNNING:
      g_value_set_boolean (value, currents_training_panel_get_running (self));
      break;
    case PROP_HAS_MODEL:
      g_value_set_boolean (value, currents_training_panel_get_has_model (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
currents_training_panel_class_init (CurrentsTrainingPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_training_panel_dispose;
  object_class->finalize = currents_training_panel_finalize;
  object_class->get_property = currents_training_panel_get_property;

  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, CURRENTS_TYPE_TRAINING_STATE,
                       CURRENTS_TRAINING_NO_DATA,
                       G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_RUNNING] =
    g_param_spec_boolean ("running", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_HAS_MODEL] =
    g_param_spec_boolean ("has-model", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CurrentsTrainingPanel::best-changed:
   *
   * The best parameters changed: at most about once a second while training, and once
   * when it ends. currents_training_panel_dup_best_system() gives the model with them.
   */
  signals[BEST_CHANGED] = g_signal_new ("best-changed", G_TYPE_FROM_CLASS (klass),
                                        G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                        G_TYPE_NONE, 0);

  /**
   * CurrentsTrainingPanel::ensemble-trained:
   * @ensemble: (transfer none): the ensemble (currents_training_panel_dup_ensemble()
   *   gives a copy to keep)
   *
   * An ensemble run ended with at least one member: all of them, or those trained
   * before Stop.
   */
  signals[ENSEMBLE_TRAINED] = g_signal_new ("ensemble-trained", G_TYPE_FROM_CLASS (klass),
                                            G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                                            G_TYPE_NONE, 1, G_TYPE_POINTER);

  g_type_ensure (CURRENTS_TYPE_LOSS_PLOT);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "trainingpanel");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/currents/Currents/ui/currents-training-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, scroller);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, status_title);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, status_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, progress_bar);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, loss_plot);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, epoch_value);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, best_value);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, train_value);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, val_value);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, grad_value);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, lr_value);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, time_value);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, nfe_value);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, model_group);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, training_group);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, solver_group);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, kind_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, hidden_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, conserve_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, conserve_weight_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, activation_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, log_inputs_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, log_inputs_switch);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, epochs_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, lr_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, val_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, batch_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, gradient_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, stiff_switch);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, rtol_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, atol_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, seed_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, members_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTrainingPanel, members_spin);

  gtk_widget_class_install_action (widget_class, "training.start", NULL, start_action);
  gtk_widget_class_install_action (widget_class, "training.stop", NULL, stop_action);
  gtk_widget_class_install_action (widget_class, "training.save", NULL, save_action);
}

static void
currents_training_panel_init (CurrentsTrainingPanel *self)
{
  self->cancellable = g_cancellable_new ();
  self->kinds = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (self));

  adw_combo_row_set_model (self->kind_row, G_LIST_MODEL (self->kinds));
  g_signal_connect_swapped (self->kind_row, "notify::selected", G_CALLBACK (kind_changed_cb), self);
  g_signal_connect_swapped (self->hidden_row, "changed", G_CALLBACK (hidden_changed_cb), self);
  g_signal_connect_swapped (self->conserve_row, "changed", G_CALLBACK (conserve_changed_cb), self);
  g_signal_connect_swapped (self->conserve_weight_row, "changed", G_CALLBACK (conserve_changed_cb),
                            self);
  g_signal_connect (self->rtol_row, "changed", G_CALLBACK (tolerance_changed_cb), NULL);
  g_signal_connect (self->batch_spin, "output", G_CALLBACK (batch_output_cb), NULL);
  g_signal_connect (self->batch_spin, "input", G_CALLBACK (batch_input_cb), NULL);
  gtk_spin_button_update (self->batch_spin);
  g_signal_connect (self->atol_row, "changed", G_CALLBACK (tolerance_changed_cb), NULL);
  bind_settings (self);

  currents_training_panel_set_source (self, NULL, NULL);
}

GtkWidget *
currents_training_panel_new (void)
{
  return g_object_new (CURRENTS_TYPE_TRAINING_PANEL, NULL);
}
