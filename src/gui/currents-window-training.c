/* currents-window-training.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's side of training: actions and shortcuts, feeding the training panel and
 * the time-series view what the window shows, showing the best model while it trains,
 * and asking before a window that trains is closed (then stopping training and closing
 * once the worker has finished its step).
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-window"

#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-training-panel.h"
#include "currents-timeseries-view.h"
#include "currents-window-ensemble.h"
#include "currents-window-training-private.h"

typedef struct
{
  AdwMessageDialog *dialog;            /* the question before closing, while shown */
  gboolean          close_confirmed;
  gboolean          close_when_stopped;
  guint             close_source;
  gconstpointer     trained;           /* the trained model last given to the portrait */
  double           *given;             /* … and its parameters */
  gsize             n_given;
  gconstpointer     shown_model;       /* what the panel and view were last given */
  char             *shown_source;
  gconstpointer     shown_dataset;
  char             *shown_sha256;
} Glue;

static void
glue_free (gpointer data)
{
  Glue *glue = data;

  g_clear_handle_id (&glue->close_source, g_source_remove);
  if (glue->dialog != NULL)
    g_object_remove_weak_pointer (G_OBJECT (glue->dialog), (gpointer *) &glue->dialog);
  g_free (glue->shown_source);
  g_free (glue->shown_sha256);
  g_free (glue->given);
  g_free (glue);
}

static Glue *
glue_get (CurrentsWindow *self)
{
  return g_object_get_data (G_OBJECT (self), "currents-window-training");
}

/* ---- actions ---- */

static void
train_start_action (GtkWidget  *widget,
                    const char *action_name,
                    GVariant   *parameter)
{
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (CURRENTS_WINDOW (widget));
  GtkWidget *flap = gtk_widget_get_ancestor (GTK_WIDGET (panel), ADW_TYPE_FLAP);

  /* show what happens */
  if (flap != NULL)
    adw_flap_set_reveal_flap (ADW_FLAP (flap), TRUE);
  gtk_widget_activate_action (GTK_WIDGET (panel), "training.start", NULL);
}

static void
train_stop_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (CURRENTS_WINDOW (widget));

  gtk_widget_activate_action (GTK_WIDGET (panel), "training.stop", NULL);
}

static void
save_model_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (CURRENTS_WINDOW (widget));

  gtk_widget_activate_action (GTK_WIDGET (panel), "training.save", NULL);
}

static GtkWidget *
template_child (CurrentsWindow *self,
                const char     *name)
{
  return GTK_WIDGET (gtk_widget_get_template_child (GTK_WIDGET (self), CURRENTS_TYPE_WINDOW,
                                                    name));
}

static gboolean
toggle_training_cb (GtkWidget *widget,
                    GVariant  *args,
                    gpointer   user_data)
{
  AdwFlap *flap = ADW_FLAP (template_child (CURRENTS_WINDOW (widget), "flap"));

  if (!gtk_widget_get_mapped (GTK_WIDGET (flap)))
    return FALSE;
  adw_flap_set_reveal_flap (flap, !adw_flap_get_reveal_flap (flap));
  return TRUE;
}

void
_currents_window_class_init_training (GtkWidgetClass *widget_class)
{
  g_type_ensure (CURRENTS_TYPE_TRAINING_PANEL);
  g_type_ensure (CURRENTS_TYPE_TIMESERIES_VIEW);

  /* looked up by name, not kept in the window's struct */
  gtk_widget_class_bind_template_child_full (widget_class, "flap", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "view_stack", FALSE, 0);
  gtk_widget_class_bind_template_child_full (widget_class, "switcher_title", FALSE, 0);

  gtk_widget_class_install_action (widget_class, "win.train-start", NULL, train_start_action);
  gtk_widget_class_install_action (widget_class, "win.train-stop", NULL, train_stop_action);
  gtk_widget_class_install_action (widget_class, "win.save-model", NULL, save_model_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "win.train-start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "win.train-start", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.train-stop", NULL);
  /* Shift+Ctrl+S stays GNOME's Save As (the workspace's); the trained model is exported */
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_e, GDK_CONTROL_MASK | GDK_SHIFT_MASK,
                                       "win.save-model", NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_F9, 0, toggle_training_cb, NULL);
}

static void
sync_actions (CurrentsWindow *self)
{
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (self);
  CurrentsTrainingState state = currents_training_panel_get_state (panel);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.train-start",
                                 state != CURRENTS_TRAINING_NO_DATA
                                 && !currents_training_panel_get_running (panel));
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.train-stop",
                                 state == CURRENTS_TRAINING_RUNNING);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.save-model",
                                 currents_training_panel_get_has_model (panel));
}

/* ---- the best model so far, shown everywhere ---- */

/* The phase portrait draws the trained field with its best parameters. */
static void
show_in_portrait (CurrentsWindow *self,
                  CurrentsSystem *system)
{
  Glue *glue = glue_get (self);
  const CurrentsTrainedModel *tm;

  if (system == NULL)
    return;
  tm = currents_system_get_trained (system);
  glue->trained = tm;
  g_free (glue->given);
  glue->n_given = currents_trained_model_get_n_params (tm);
  glue->given = g_memdup2 (currents_trained_model_get_params (tm),
                           MAX (glue->n_given, 1) * sizeof (double));
  currents_portrait_set_system (currents_window_get_portrait (self), system);
}

/* Whether the portrait shows the model training made (rather than something opened). */
static gboolean
portrait_shows_trained (CurrentsWindow *self)
{
  CurrentsSystem *shown = currents_portrait_get_system (currents_window_get_portrait (self));
  Glue *glue = glue_get (self);
  const CurrentsTrainedModel *tm;

  if (shown == NULL || glue->trained == NULL)
    return FALSE;
  tm = currents_system_get_trained (shown);
  /* the same address could be a later model: its parameters tell */
  return tm == glue->trained && currents_trained_model_get_n_params (tm) == glue->n_given
         && memcmp (currents_trained_model_get_params (tm), glue->given,
                    glue->n_given * sizeof (double)) == 0;
}

/* The portrait follows training while it shows what is trained on, or what training
 * gave it; something opened meanwhile stays. */
static gboolean
portrait_follows_training (CurrentsWindow *self)
{
  CurrentsPortrait *portrait = currents_window_get_portrait (self);
  const CurrentsDataset *dataset = currents_portrait_get_dataset (portrait);
  const char *sha = currents_training_panel_get_data_sha256 (currents_window_get_training_panel (self));

  if (portrait_shows_trained (self))
    return TRUE;
  return dataset != NULL && sha != NULL && g_strcmp0 (currents_dataset_get_sha256 (dataset), sha) == 0;
}

static void
best_changed_cb (CurrentsTrainingPanel *panel,
                 CurrentsWindow        *self)
{
  CurrentsTimeseriesView *view = currents_window_get_timeseries_view (self);
  gint64 begin = g_get_monotonic_time (), middle;
  const gsize *val;
  gsize n_val = 0;

  currents_timeseries_view_set_system (view, currents_training_panel_dup_best_system (panel));
  val = currents_training_panel_get_validation_set (panel, &n_val);
  currents_timeseries_view_set_validation (view, currents_training_panel_get_data_sha256 (panel),
                                           val, n_val);
  middle = g_get_monotonic_time ();
  if (portrait_follows_training (self))
    show_in_portrait (self, currents_training_panel_dup_best_system (panel));
  g_debug ("Best model of epoch %u shown: time series %.1f ms, portrait %.1f ms",
           currents_training_panel_get_best_epoch (panel), (middle - begin) / 1000.0,
           (g_get_monotonic_time () - middle) / 1000.0);
}

/* An ensemble trained in the panel is shown as one opened from a file. */
static void
ensemble_trained_cb (CurrentsTrainingPanel *panel,
                     gpointer               ensemble,
                     CurrentsWindow        *self)
{
  CurrentsEnsemble *copy = currents_training_panel_dup_ensemble (panel);
  g_autofree char *base = NULL;
  g_autofree char *name = NULL;
  const char *data;

  if (copy == NULL)
    return;
  data = currents_ensemble_get_data_filename (copy);
  base = data != NULL ? g_path_get_basename (data) : NULL;
  name = base != NULL ? g_strdup_printf (_("Ensemble trained on %s"), base)
                      : g_strdup (_("Trained ensemble"));
  currents_window_show_ensemble (self, copy, name);
}

void
_currents_window_training_source_changed (CurrentsWindow *self)
{
  CurrentsPortrait *portrait = currents_window_get_portrait (self);
  const CurrentsModel *model = currents_portrait_get_model (portrait);
  const CurrentsDataset *dataset = currents_portrait_get_dataset (portrait);
  const char *source = model != NULL ? currents_model_get_source (model) : NULL;
  const char *sha = dataset != NULL ? currents_dataset_get_sha256 (dataset) : NULL;
  CurrentsTimeseriesView *view = currents_window_get_timeseries_view (self);
  Glue *glue = glue_get (self);

  if (glue == NULL)
    return;
  /* a trained model shown in the portrait is not new content to learn from */
  if (portrait_shows_trained (self))
    return;
  /* pages to switch between once there is something to show */
  adw_view_switcher_title_set_view_switcher_enabled (
    ADW_VIEW_SWITCHER_TITLE (template_child (self, "switcher_title")),
    model != NULL || dataset != NULL);
  /* the title changes more often than the content */
  if (glue->shown_model == model && glue->shown_dataset == dataset
      && g_strcmp0 (glue->shown_source, source) == 0 && g_strcmp0 (glue->shown_sha256, sha) == 0)
    return;
  glue->shown_model = model;
  glue->shown_dataset = dataset;
  g_free (glue->shown_source);
  glue->shown_source = g_strdup (source);
  g_free (glue->shown_sha256);
  glue->shown_sha256 = g_strdup (sha);

  currents_training_panel_set_source (currents_window_get_training_panel (self), model, dataset);
  currents_timeseries_view_set_dataset (view, dataset);
  if (model != NULL && dataset != NULL)
    {
      CurrentsModel *copy = currents_model_new_from_string (source, currents_model_get_filename (model),
                                                            NULL);

      currents_timeseries_view_set_system (view, copy != NULL ? currents_system_new_from_model (copy)
                                                              : NULL);
    }
  else if (model == NULL && currents_portrait_get_system (portrait) != NULL)
    ;  /* a trained model (or ensemble) shown: the time series keep it over the new data */
  else
    currents_timeseries_view_set_system (view, NULL);
}

/* ---- closing while training ---- */

static gboolean
close_now_cb (gpointer data)
{
  CurrentsWindow *self = data;
  Glue *glue = glue_get (self);

  glue->close_source = 0;
  gtk_window_close (GTK_WINDOW (self));
  return G_SOURCE_REMOVE;
}

static void
running_changed_cb (CurrentsTrainingPanel *panel,
                    GParamSpec            *pspec,
                    CurrentsWindow        *self)
{
  Glue *glue = glue_get (self);

  sync_actions (self);
  /* close once the worker is done, outside the panel's own signal emission */
  if (glue->close_when_stopped && !currents_training_panel_get_running (panel)
      && glue->close_source == 0)
    glue->close_source = g_idle_add_full (G_PRIORITY_DEFAULT, close_now_cb, self, NULL);
}

static void
close_response_cb (AdwMessageDialog *dialog,
                   const char       *response,
                   CurrentsWindow   *self)
{
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (self);
  Glue *glue = glue_get (self);

  /* one answer per question (closing the dialog may repeat it) */
  if (glue->dialog != dialog)
    return;
  g_object_remove_weak_pointer (G_OBJECT (dialog), (gpointer *) &glue->dialog);
  glue->dialog = NULL;
  if (g_strcmp0 (response, "stop") != 0)
    return;
  glue->close_confirmed = TRUE;
  if (currents_training_panel_get_running (panel))
    {
      glue->close_when_stopped = TRUE;
      currents_training_panel_stop (panel);
    }
  else
    gtk_window_close (GTK_WINDOW (self));
}

gboolean
_currents_window_training_close_request (CurrentsWindow *self)
{
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (self);
  Glue *glue = glue_get (self);
  GtkWidget *dialog;

  if (glue == NULL || glue->close_confirmed || !currents_training_panel_get_running (panel))
    return FALSE;
  if (glue->dialog != NULL)
    {
      gtk_window_present (GTK_WINDOW (glue->dialog));
      return TRUE;
    }

  dialog = adw_message_dialog_new (GTK_WINDOW (self), _("Stop Training?"),
                                   _("A model is still being trained. Closing the window stops "
                                     "training, and the model is not saved."));
  adw_message_dialog_add_responses (ADW_MESSAGE_DIALOG (dialog),
                                    "keep", _("_Keep Training"),
                                    "stop", _("_Stop and Close"),
                                    NULL);
  adw_message_dialog_set_response_appearance (ADW_MESSAGE_DIALOG (dialog), "stop",
                                              ADW_RESPONSE_DESTRUCTIVE);
  adw_message_dialog_set_default_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  adw_message_dialog_set_close_response (ADW_MESSAGE_DIALOG (dialog), "keep");
  gtk_window_set_destroy_with_parent (GTK_WINDOW (dialog), TRUE);
  glue->dialog = ADW_MESSAGE_DIALOG (dialog);
  g_object_add_weak_pointer (G_OBJECT (dialog), (gpointer *) &glue->dialog);
  g_signal_connect_object (dialog, "response", G_CALLBACK (close_response_cb), self, 0);
  gtk_window_present (GTK_WINDOW (dialog));
  return TRUE;
}

void
_currents_window_init_training (CurrentsWindow *self)
{
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (self);

  GtkIconTheme *icons = gtk_icon_theme_get_for_display (gtk_widget_get_display (GTK_WIDGET (self)));
  g_auto(GStrv) paths = gtk_icon_theme_get_resource_path (icons);

  /* the page icons, also where no GtkApplication added the resource path */
  if (paths == NULL || !g_strv_contains ((const char *const *) paths, "/org/currents/Currents/icons"))
    gtk_icon_theme_add_resource_path (icons, "/org/currents/Currents/icons");

  g_object_set_data_full (G_OBJECT (self), "currents-window-training", g_new0 (Glue, 1),
                          glue_free);
  g_signal_connect_object (panel, "best-changed", G_CALLBACK (best_changed_cb), self, 0);
  g_signal_connect_object (panel, "notify::running", G_CALLBACK (running_changed_cb), self, 0);
  g_signal_connect_object (panel, "ensemble-trained", G_CALLBACK (ensemble_trained_cb), self, 0);
  g_signal_connect_object (panel, "notify::state", G_CALLBACK (sync_actions), self,
                           G_CONNECT_SWAPPED);
  g_signal_connect_object (panel, "notify::has-model", G_CALLBACK (sync_actions), self,
                           G_CONNECT_SWAPPED);
  sync_actions (self);
}
