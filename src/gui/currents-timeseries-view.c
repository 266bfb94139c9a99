/* currents-timeseries-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The data's trajectories against the model's predictions: a list of trajectories with
 * each one's mean squared error (held-out ones marked), and a plot of one trajectory or
 * of all of them side by side.
 *
 * Each prediction starts from the trajectory's first observation of every state (the
 * model's initial value for states it never observes), with the trajectory's inputs as
 * piecewise-linear signals, and runs a quarter of its span past its last sample. The
 * simulations run in a GTask thread on copies; while one runs, newer requests (a new
 * best model every second during training) wait and are coalesced into the next run,
 * so a slow run is never starved. Nothing is computed while the view is not shown.
 *
 * With an ensemble, every member runs from the same start with the same inputs: the
 * line is the members' median and a band their interval (the range below 20 members,
 * 5–95% from 20 on), computed by currents_ensemble_predict; the error is the median's.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-timeseries-view"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-timeseries-view.h"

#define PRED_POINTS   241     /* points of each predicted curve */
#define BEYOND        0.25    /* how far past the last sample, as a share of the span */

/* The data shown, shared read-only with prediction threads. */
typedef CurrentsDataset *DataRef;

static void
data_ref_clear (gpointer data)
{
  DataRef *ref = data;

  g_clear_pointer (ref, currents_dataset_free);
}

static DataRef *
data_ref_new (CurrentsDataset *dataset)
{
  DataRef *ref = g_atomic_rc_box_new0 (DataRef);

  *ref = dataset;
  return ref;
}

static void
data_ref_release (DataRef *ref)
{
  if (ref != NULL)
    g_atomic_rc_box_release_full (ref, data_ref_clear);
}

typedef struct
{
  GtkWidget *row;
  GtkLabel  *mse;
  GtkWidget *tag;
} Row;

struct _CurrentsTimeseriesView
{
  GtkWidget               parent_instance;

  /* template children */
  GtkStack               *stack;
  GtkListBox             *list;
  GtkLabel               *list_heading;
  GtkLabel               *heading;
  GtkLabel               *subheading;
  GtkSpinner             *spinner;
  GtkToggleButton        *all_button;
  CurrentsTimeseriesPlot *plot;

  DataRef                *data;
  CurrentsSystem         *system;
  GPtrArray              *members;        /* an ensemble's systems, read-only; or NULL */
  gboolean               *validation;     /* per trajectory */
  GArray                 *rows;           /* of Row */
  GPtrArray              *tracks;         /* the last results */

  guint                   data_generation;
  gboolean                dirty;          /* predictions are due */
  gboolean                running;
  gboolean                busy;
  guint                   idle_source;
  GCancellable           *cancellable;    /* the running job's */
  gboolean                disposed;
};

G_DEFINE_FINAL_TYPE (CurrentsTimeseriesView, currents_timeseries_view, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- predictions, in a thread ---- */

typedef struct
{
  DataRef            *data;
  guint               data_generation;
  CurrentsField      *field;          /* NULL: the data alone */
  GPtrArray          *members;        /* an ensemble's systems (shared, read-only) */
  CurrentsSimOptions  options;
  gsize               n;
  gsize               m;
  double             *params;
  double             *initial;
  double             *inputs;
  char              **state_names;
  char              **input_names;

  GPtrArray          *tracks;
  char              **names;
} PredictJob;

static void
predict_job_free (gpointer data)
{
  PredictJob *job = data;

  data_ref_release (job->data);
  g_clear_pointer (&job->field, currents_field_unref);
  g_clear_pointer (&job->members, g_ptr_array_unref);
  g_free (job->params);
  g_free (job->initial);
  g_free (job->inputs);
  g_strfreev (job->state_names);
  g_strfreev (job->input_names);
  g_clear_pointer (&job->tracks, g_ptr_array_unref);
  g_strfreev (job->names);
  g_free (job);
}

/* The squared errors of @pred (ns × n, the model's states) at the samples of @track. */
static double
track_mse (const CurrentsTimeseriesTrack *track,
           const double                  *pred,
           gsize                          n,
           const int                     *var_col)
{
  double sse = 0.0;
  gsize count = 0;

  for (gsize q = 0; q < track->n_samples; q++)
    for (gsize v = 0; v < track->n_vars; v++)
      {
        double y = track->samples[q * track->n_vars + v];
        double x = pred[q * n + var_col[v]];

        if (isnan (y))
          continue;
        sse += (x - y) * (x - y);
        count++;
      }
  return count > 0 ? sse / count : NAN;
}

/* The ensemble's median and interval from @x0, at the samples (the error) and through
 * and beyond them (the curve and its band). */
static void
predict_ensemble (PredictJob                *job,
                  const double              *x0,
                  const CurrentsInputSignal *signal,
                  const double              *tt,
                  gsize                      ns,
                  const int                 *var_col,
                  CurrentsTimeseriesTrack   *track,
                  GCancellable              *cancellable)
{
  gsize n = job->n, nv = track->n_vars, ok = 0, len = MAX (ns, PRED_POINTS) * MAX (n, 1);
  g_autofree double *median = g_new (double, len);
  g_autofree double *lo = g_new (double, len);
  g_autofree double *hi = g_new (double, len);
  g_autofree double *grid = g_new (double, PRED_POINTS);
  g_autoptr(GError) error = NULL;
  CurrentsIntervalKind kind = CURRENTS_INTERVAL_RANGE;
  double t0 = tt[0], t1 = tt[ns - 1];

  if (currents_ensemble_predict (job->members, x0, signal, t0, tt, ns, median, lo, hi, &kind,
                                 &ok, cancellable, &error))
    track->mse = track_mse (track, median, n, var_col);
  else
    g_debug ("Trajectory %s: %s", track->id, error->message);
  g_clear_error (&error);

  if (!(t1 > t0))
    t1 = t0 + 1.0;
  for (gsize k = 0; k < PRED_POINTS; k++)
    grid[k] = t0 + (t1 - t0) * (1.0 + BEYOND) * k / (PRED_POINTS - 1);
  track->n_pred = PRED_POINTS;
  track->pred = g_new (double, PRED_POINTS * MAX (nv, 1));
  track->band_lo = g_new (double, PRED_POINTS * MAX (nv, 1));
  track->band_hi = g_new (double, PRED_POINTS * MAX (nv, 1));
  if (!currents_ensemble_predict (job->members, x0, signal, t0, grid, PRED_POINTS, median, lo,
                                  hi, &kind, &ok, cancellable, &error))
    {
      g_debug ("Trajectory %s: no member's prediction went through: %s", track->id,
               error->message);
      ok = 0;
    }
  track->band_members = ok;
  for (gsize k = 0; k < PRED_POINTS; k++)
    for (gsize v = 0; v < nv; v++)
      {
        gsize q = k * n + var_col[v];

        track->pred[k * nv + v] = ok > 0 && isfinite (median[q]) ? median[q] : NAN;
        track->band_lo[k * nv + v] = ok > 0 && isfinite (lo[q]) ? lo[q] : NAN;
        track->band_hi[k * nv + v] = ok > 0 && isfinite (hi[q]) ? hi[q] : NAN;
      }
  track->pred_times = g_steal_pointer (&grid);
}

static void
predict_trajectory (PredictJob               *job,
                    CurrentsSimulator        *sim,
                    const CurrentsTrajectory *tr,
                    const int                *var_col,
                    const int                *ucol,
                    CurrentsTimeseriesTrack  *track,
                    GCancellable             *cancellable)
{
  const CurrentsDataset *ds = *job->data;
  gsize ns = currents_trajectory_get_n_samples (tr), n = job->n, m = job->m;
  gsize dn = currents_dataset_get_n_states (ds), dm = currents_dataset_get_n_inputs (ds);
  const double *tt = currents_trajectory_get_times (tr);
  const double *ys = currents_trajectory_get_states (tr);
  const double *us = currents_trajectory_get_inputs (tr);
  g_autofree double *x0 = g_memdup2 (job->initial, MAX (n, 1) * sizeof (double));
  g_autofree double *u = g_new0 (double, MAX (ns * m, 1));
  g_autofree double *out = g_new0 (double, MAX (MAX (ns, PRED_POINTS) * n, 1));
  g_autofree double *grid = g_new (double, PRED_POINTS);
  g_autoptr(CurrentsInputSignal) signal = NULL;
  g_autoptr(GError) error = NULL;
  double t0 = tt[0], t1 = tt[ns - 1];
  gsize reached = 0;

  /* x0: each state's first observation */
  for (gsize i = 0; i < n; i++)
    {
      int c = currents_dataset_find_state (ds, job->state_names[i]);

      for (gsize q = 0; c >= 0 && q < ns; q++)
        if (!isnan (ys[q * dn + c]))
          {
            x0[i] = ys[q * dn + c];
            break;
          }
    }
  for (gsize q = 0; q < ns; q++)
    for (gsize j = 0; j < m; j++)
      u[q * m + j] = ucol[j] >= 0 ? us[q * dm + ucol[j]] : job->inputs[j];
  signal = m > 0 ? currents_input_signal_new (m, ns, tt, u)
                 : currents_input_signal_new_constant (0, NULL);

  if (job->members != NULL)
    {
      predict_ensemble (job, x0, signal, tt, ns, var_col, track, cancellable);
      return;
    }

  /* at the samples: the error */
  if (currents_simulator_run (sim, x0, job->params, signal, t0, tt, ns, out, &reached,
                              cancellable, &error))
    track->mse = track_mse (track, out, n, var_col);
  else
    g_debug ("Trajectory %s: %s", track->id, error->message);
  g_clear_error (&error);

  /* through and beyond them: the curve */
  if (!(t1 > t0))
    t1 = t0 + 1.0;
  for (gsize k = 0; k < PRED_POINTS; k++)
    grid[k] = t0 + (t1 - t0) * (1.0 + BEYOND) * k / (PRED_POINTS - 1);
  reached = 0;
  if (!currents_simulator_run (sim, x0, job->params, signal, t0, grid, PRED_POINTS, out,
                               &reached, cancellable, &error))
    g_debug ("Trajectory %s: the prediction stops after %zu points: %s", track->id, reached,
             error->message);
  else
    reached = PRED_POINTS;
  track->n_pred = PRED_POINTS;
  track->pred_times = g_steal_pointer (&grid);
  track->pred = g_new (double, PRED_POINTS * MAX (track->n_vars, 1));
  for (gsize k = 0; k < PRED_POINTS; k++)
    for (gsize v = 0; v < track->n_vars; v++)
      {
        double x = k < reached ? out[k * n + var_col[v]] : NAN;

        track->pred[k * track->n_vars + v] = isfinite (x) ? x : NAN;
      }
}

static void
predict_thread (GTask        *task,
                gpointer      source_object,
                gpointer      task_data,
                GCancellable *cancellable)
{
  PredictJob *job = task_data;
  const CurrentsDataset *ds = *job->data;
  gsize dn = currents_dataset_get_n_states (ds), n_traj = currents_dataset_get_n_trajectories (ds);
  g_autofree int *var_col = NULL;     /* per plotted variable: the model's state */
  g_autofree int *data_col = NULL;    /* per plotted variable: the data's column */
  g_autofree int *ucol = g_new0 (int, MAX (job->m, 1));
  g_autoptr(GStrvBuilder) names = g_strv_builder_new ();
  g_autoptr(CurrentsSimulator) sim = NULL;
  gsize n_vars = 0;

  var_col = g_new0 (int, MAX (MAX (job->n, dn), 1));
  data_col = g_new0 (int, MAX (MAX (job->n, dn), 1));
  if (job->field != NULL)
    {
      /* the model's observed states */
      for (gsize i = 0; i < job->n; i++)
        {
          int c = currents_dataset_find_state (ds, job->state_names[i]);

          if (c < 0)
            continue;
          var_col[n_vars] = (int) i;
          data_col[n_vars++] = c;
          g_strv_builder_add (names, job->state_names[i]);
        }
      for (gsize j = 0; j < job->m; j++)
        ucol[j] = currents_dataset_find_input (ds, job->input_names[j]);
      sim = currents_simulator_new (job->field, &job->options);
      currents_simulator_set_state_names (sim, (const char *const *) job->state_names);
    }
  if (n_vars == 0)
    {
      /* the data alone (or a model that observes none of it) */
      g_clear_pointer (&sim, currents_simulator_free);
      for (gsize c = 0; c < dn; c++)
        {
          data_col[n_vars++] = (int) c;
          g_strv_builder_add (names, currents_dataset_get_state_name (ds, c));
        }
    }
  job->names = g_strv_builder_end (names);

  job->tracks = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_timeseries_track_free);
  for (gsize r = 0; r < n_traj; r++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, r);
      gsize ns = currents_trajectory_get_n_samples (tr);
      const double *ys = currents_trajectory_get_states (tr);
      CurrentsTimeseriesTrack *track = g_new0 (CurrentsTimeseriesTrack, 1);

      track->id = g_strdup (currents_trajectory_get_id (tr));
      track->mse = NAN;
      track->n_vars = n_vars;
      track->n_samples = ns;
      track->times = g_memdup2 (currents_trajectory_get_times (tr), MAX (ns, 1) * sizeof (double));
      track->samples = g_new (double, MAX (ns * n_vars, 1));
      for (gsize q = 0; q < ns; q++)
        for (gsize v = 0; v < n_vars; v++)
          track->samples[q * n_vars + v] = ys[q * dn + data_col[v]];
      g_ptr_array_add (job->tracks, track);

      if (sim != NULL && ns > 0)
        predict_trajectory (job, sim, tr, var_col, ucol, track, cancellable);
      if (g_task_return_error_if_cancelled (task))
        return;
    }
  g_task_return_boolean (task, TRUE);
}

/* ---- showing ---- */

static void
set_busy (CurrentsTimeseriesView *self)
{
  gboolean busy = self->running || (self->dirty && self->data != NULL);

  if (busy == self->busy)
    return;
  self->busy = busy;
  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static char *
format_mse (double mse)
{
  return isfinite (mse) ? g_strdup_printf (_("MSE %.3g"), mse) : NULL;
}

static void
update_heading (CurrentsTimeseriesView *self)
{
  gboolean all = gtk_toggle_button_get_active (self->all_button);
  GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);
  const char *legend = self->system != NULL ? _("Dots: data · lines: model")
                                            : _("Data only: open or train a model to compare");
  g_autofree char *ensemble_legend = NULL;
  g_autofree char *sub = NULL;

  if (self->members != NULL && self->members->len > 0)
    {
      guint k = self->members->len;

      /* Translators: an ensemble's prediction in the time series; %u counts its models */
      ensemble_legend = g_strdup_printf (k < 20 ? ngettext ("Dots: data · lines: median of %u model, band: their range",
                                                           "Dots: data · lines: median of %u models, band: their range",
                                                           k)
                                                : _("Dots: data · lines: median of %u models, band: 5–95%% of them"),
                                         k);
      legend = ensemble_legend;
    }

  if (self->data == NULL)
    return;
  if (all || row == NULL || self->tracks == NULL)
    {
      gsize n = currents_dataset_get_n_trajectories (*self->data);
      g_autofree char *count = g_strdup_printf (ngettext ("%zu trajectory", "%zu trajectories", n), n);

      gtk_label_set_text (self->heading, all ? _("All Trajectories") : count);
      sub = all ? g_strdup_printf ("%s · %s", count, legend) : g_strdup (legend);
    }
  else
    {
      guint i = (guint) gtk_list_box_row_get_index (row);
      const CurrentsTimeseriesTrack *track = i < self->tracks->len
                                             ? g_ptr_array_index (self->tracks, i) : NULL;
      g_autofree char *title = NULL, *mse = NULL;

      if (track == NULL)
        return;
      title = g_strdup_printf (_("Trajectory %s"), track->id);
      gtk_label_set_text (self->heading, title);
      mse = format_mse (track->mse);
      if (mse != NULL && self->validation != NULL && self->validation[i])
        sub = g_strdup_printf (_("%s, held out for validation · %s"), mse, legend);
      else if (mse != NULL)
        sub = g_strdup_printf ("%s · %s", mse, legend);
      else
        sub = g_strdup (legend);
    }
  gtk_label_set_text (self->subheading, sub);
}

static void
update_row (CurrentsTimeseriesView *self,
            guint                   i)
{
  Row *row = &g_array_index (self->rows, Row, i);
  const CurrentsTimeseriesTrack *track = self->tracks != NULL && i < self->tracks->len
                                         ? g_ptr_array_index (self->tracks, i) : NULL;
  gboolean validation = self->validation != NULL && self->validation[i];
  g_autofree char *mse = track != NULL ? format_mse (track->mse) : NULL;

  if (mse == NULL)
    mse = g_strdup (track != NULL && track->n_pred > 0 ? _("Prediction failed") : "—");
  gtk_label_set_text (row->mse, mse);
  gtk_widget_set_visible (row->tag, validation);
}

static gboolean
validation_tooltip_cb (GtkWidget  *widget,
                       int         x,
                       int         y,
                       gboolean    keyboard,
                       GtkTooltip *tooltip)
{
  gtk_tooltip_set_text (tooltip, _("Held out from training to judge the model"));
  return TRUE;
}

static void
rebuild_rows (CurrentsTimeseriesView *self)
{
  GtkWidget *child;
  gsize n;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->list))) != NULL)
    gtk_list_box_remove (self->list, child);
  g_array_set_size (self->rows, 0);
  if (self->data == NULL)
    return;

  n = currents_dataset_get_n_trajectories (*self->data);
  for (gsize i = 0; i < n; i++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (*self->data, i);
      GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
      GtkWidget *text = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      GtkWidget *id = gtk_label_new (currents_trajectory_get_id (tr));
      Row row;

      row.mse = GTK_LABEL (gtk_label_new ("—"));
      row.tag = gtk_label_new (_("Validation"));
      /* asked for when shown: setting a tooltip's text asks the display where the pointer
       * is, a round trip per row (a thousand trajectories, a second) */
      gtk_widget_set_has_tooltip (row.tag, TRUE);
      g_signal_connect (row.tag, "query-tooltip", G_CALLBACK (validation_tooltip_cb), NULL);
      gtk_label_set_xalign (GTK_LABEL (id), 0);
      gtk_label_set_ellipsize (GTK_LABEL (id), PANGO_ELLIPSIZE_END);
      gtk_label_set_xalign (row.mse, 0);
      gtk_widget_add_css_class (GTK_WIDGET (row.mse), "caption");
      gtk_widget_add_css_class (GTK_WIDGET (row.mse), "dim-label");
      gtk_widget_add_css_class (GTK_WIDGET (row.mse), "numeric");
      gtk_widget_add_css_class (row.tag, "caption-heading");
      gtk_widget_add_css_class (row.tag, "accent");
      gtk_widget_set_valign (row.tag, GTK_ALIGN_CENTER);
      gtk_widget_set_hexpand (text, TRUE);
      gtk_box_append (GTK_BOX (text), id);
      gtk_box_append (GTK_BOX (text), GTK_WIDGET (row.mse));
      gtk_box_append (GTK_BOX (box), text);
      gtk_box_append (GTK_BOX (box), row.tag);
      gtk_list_box_append (self->list, box);
      row.row = gtk_widget_get_parent (box);
      g_array_append_val (self->rows, row);
      update_row (self, (guint) i);
    }
  if (n > 0)
    gtk_list_box_select_row (self->list, gtk_list_box_get_row_at_index (self->list, 0));
}

static void start_predictions (CurrentsTimeseriesView *self);

static void
predict_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  CurrentsTimeseriesView *self = CURRENTS_TIMESERIES_VIEW (object);
  PredictJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  self->running = FALSE;
  g_clear_object (&self->cancellable);
  if (self->disposed)
    return;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      /* cancelled: the data changed or the view went away */
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        g_warning ("Predictions: %s", error->message);
      if (self->data != NULL)
        start_predictions (self);
      set_busy (self);
      return;
    }

  /* results for the data still shown apply, even when a newer model waits */
  if (self->data != NULL && job->data_generation == self->data_generation)
    {
      g_clear_pointer (&self->tracks, g_ptr_array_unref);
      self->tracks = g_steal_pointer (&job->tracks);
      for (guint i = 0; self->validation != NULL && i < self->tracks->len; i++)
        ((CurrentsTimeseriesTrack *) g_ptr_array_index (self->tracks, i))->validation =
          self->validation[i];
      currents_timeseries_plot_set_tracks (self->plot, self->tracks,
                                           (const char *const *) job->names);
      for (guint i = 0; i < self->rows->len; i++)
        update_row (self, i);
      update_heading (self);
    }
  start_predictions (self);
  set_busy (self);
}

/* Runs the due predictions when the view is shown and none run. */
static void
start_predictions (CurrentsTimeseriesView *self)
{
  g_autoptr(GTask) task = NULL;
  PredictJob *job;

  if (!self->dirty || self->running || self->data == NULL
      || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;

  self->dirty = FALSE;
  job = g_new0 (PredictJob, 1);
  job->data = g_atomic_rc_box_acquire (self->data);
  job->data_generation = self->data_generation;
  if (self->system != NULL)
    {
      CurrentsSystem *sys = self->system;

      job->field = currents_field_ref (currents_system_get_field (sys));
      currents_system_get_sim_options (sys, &job->options);
      job->n = currents_system_get_n_states (sys);
      job->m = currents_system_get_n_inputs (sys);
      job->params = g_memdup2 (currents_system_get_params (sys),
                               MAX (currents_system_get_n_params (sys), 1) * sizeof (double));
      job->initial = g_memdup2 (currents_system_get_initial (sys), MAX (job->n, 1) * sizeof (double));
      job->inputs = g_memdup2 (currents_system_get_inputs (sys), MAX (job->m, 1) * sizeof (double));
      job->state_names = g_strdupv ((char **) currents_system_get_state_names (sys));
      job->input_names = g_strdupv ((char **) currents_system_get_input_names (sys));
      if (self->members != NULL)
        job->members = g_ptr_array_ref (self->members);
    }

  self->running = TRUE;
  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, predict_done, NULL);
  g_task_set_source_tag (task, start_predictions);
  g_task_set_name (task, "[currents] time-series predictions");
  g_task_set_task_data (task, job, predict_job_free);
  g_task_run_in_thread (task, predict_thread);
  set_busy (self);
}

static gboolean
idle_cb (gpointer data)
{
  CurrentsTimeseriesView *self = data;

  self->idle_source = 0;
  start_predictions (self);
  return G_SOURCE_REMOVE;
}

static void
queue_predictions (CurrentsTimeseriesView *self)
{
  self->dirty = TRUE;
  if (self->idle_source == 0)
    self->idle_source = g_idle_add_full (G_PRIORITY_DEFAULT_IDLE, idle_cb, self, NULL);
  set_busy (self);
}

static void
row_selected_cb (CurrentsTimeseriesView *self,
                 GtkListBoxRow          *row)
{
  if (self->disposed)
    return;
  if (row != NULL && gtk_toggle_button_get_active (self->all_button))
    gtk_toggle_button_set_active (self->all_button, FALSE);
  if (!gtk_toggle_button_get_active (self->all_button))
    currents_timeseries_plot_set_selected (self->plot, row != NULL
                                                       ? gtk_list_box_row_get_index (row) : 0);
  update_heading (self);
}

static void
all_toggled_cb (CurrentsTimeseriesView *self)
{
  gboolean all;

  if (self->disposed)
    return;
  all = gtk_toggle_button_get_active (self->all_button);
  if (all)
    {
      currents_timeseries_plot_set_selected (self->plot, -1);
      gtk_list_box_unselect_all (self->list);
    }
  else
    {
      GtkListBoxRow *row = gtk_list_box_get_selected_row (self->list);

      if (row == NULL)
        row = gtk_list_box_get_row_at_index (self->list, 0);
      if (row != NULL)
        gtk_list_box_select_row (self->list, row);
    }
  update_heading (self);
}

/* ---- public ---- */

void
currents_timeseries_view_set_dataset (CurrentsTimeseriesView *self,
                                      const CurrentsDataset  *dataset)
{
  g_return_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self));

  /* a run on the old data is of no use */
  g_cancellable_cancel (self->cancellable);
  g_clear_pointer (&self->data, data_ref_release);
  g_clear_pointer (&self->validation, g_free);
  g_clear_pointer (&self->tracks, g_ptr_array_unref);
  currents_timeseries_plot_set_tracks (self->plot, NULL, NULL);
  self->data_generation++;
  if (dataset != NULL)
    {
      self->data = data_ref_new (currents_dataset_copy (dataset));
      self->validation = g_new0 (gboolean, MAX (currents_dataset_get_n_trajectories (dataset), 1));
    }
  gtk_stack_set_visible_child_name (self->stack, dataset != NULL ? "content" : "empty");
  rebuild_rows (self);
  if (dataset != NULL)
    queue_predictions (self);
  else
    set_busy (self);
}

void
currents_timeseries_view_set_system (CurrentsTimeseriesView *self,
                                     CurrentsSystem         *system)
{
  g_return_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self));

  g_clear_pointer (&self->system, currents_system_free);
  g_clear_pointer (&self->members, g_ptr_array_unref);
  self->system = system;
  if (self->data != NULL)
    queue_predictions (self);
  update_heading (self);
}

void
currents_timeseries_view_set_ensemble (CurrentsTimeseriesView *self,
                                       GPtrArray              *members)
{
  g_return_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self));
  g_return_if_fail (members == NULL || self->system != NULL);

  g_clear_pointer (&self->members, g_ptr_array_unref);
  self->members = members != NULL && members->len > 0 ? members : NULL;
  if (members != NULL && self->members == NULL)
    g_ptr_array_unref (members);
  if (self->data != NULL)
    queue_predictions (self);
  update_heading (self);
}

const CurrentsTimeseriesTrack *
currents_timeseries_view_get_track (CurrentsTimeseriesView *self,
                                    guint                   row)
{
  g_return_val_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self), NULL);

  if (self->tracks == NULL || row >= self->tracks->len)
    return NULL;
  return g_ptr_array_index (self->tracks, row);
}

void
currents_timeseries_view_set_validation (CurrentsTimeseriesView *self,
                                         const char             *sha256,
                                         const gsize            *val,
                                         gsize                   n_val)
{
  gsize n;

  g_return_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self));

  if (self->data == NULL || sha256 == NULL
      || g_strcmp0 (sha256, currents_dataset_get_sha256 (*self->data)) != 0)
    return;
  n = currents_dataset_get_n_trajectories (*self->data);
  memset (self->validation, 0, MAX (n, 1) * sizeof (gboolean));
  for (gsize k = 0; k < n_val; k++)
    if (val[k] < n)
      self->validation[val[k]] = TRUE;
  for (guint i = 0; self->tracks != NULL && i < self->tracks->len; i++)
    ((CurrentsTimeseriesTrack *) g_ptr_array_index (self->tracks, i))->validation =
      self->validation[i];
  for (guint i = 0; i < self->rows->len; i++)
    update_row (self, i);
  update_heading (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->plot));
}

gboolean
currents_timeseries_view_get_busy (CurrentsTimeseriesView *self)
{
  g_return_val_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self), FALSE);
  return self->busy;
}

guint
currents_timeseries_view_get_n_rows (CurrentsTimeseriesView *self)
{
  g_return_val_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self), 0);
  return self->rows->len;
}

double
currents_timeseries_view_get_mse (CurrentsTimeseriesView *self,
                                  guint                   row)
{
  g_return_val_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self), NAN);

  if (self->tracks == NULL || row >= self->tracks->len)
    return NAN;
  return ((CurrentsTimeseriesTrack *) g_ptr_array_index (self->tracks, row))->mse;
}

gboolean
currents_timeseries_view_get_validation (CurrentsTimeseriesView *self,
                                         guint                   row)
{
  g_return_val_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self), FALSE);
  return self->validation != NULL && row < self->rows->len && self->validation[row];
}

void
currents_timeseries_view_select (CurrentsTimeseriesView *self,
                                 guint                   row)
{
  GtkListBoxRow *r;

  g_return_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self));

  r = gtk_list_box_get_row_at_index (self->list, (int) row);
  if (r != NULL)
    gtk_list_box_select_row (self->list, r);
}

void
currents_timeseries_view_set_show_all (CurrentsTimeseriesView *self,
                                       gboolean                show_all)
{
  g_return_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self));
  gtk_toggle_button_set_active (self->all_button, show_all);
}

CurrentsTimeseriesPlot *
currents_timeseries_view_get_plot (CurrentsTimeseriesView *self)
{
  g_return_val_if_fail (CURRENTS_IS_TIMESERIES_VIEW (self), NULL);
  return self->plot;
}

/* ---- GObject ---- */

static void
currents_timeseries_view_map (GtkWidget *widget)
{
  GTK_WIDGET_CLASS (currents_timeseries_view_parent_class)->map (widget);
  /* what was put off while hidden */
  start_predictions (CURRENTS_TIMESERIES_VIEW (widget));
}

static void
currents_timeseries_view_dispose (GObject *object)
{
  CurrentsTimeseriesView *self = CURRENTS_TIMESERIES_VIEW (object);

  self->disposed = TRUE;
  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->idle_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_TIMESERIES_VIEW);

  G_OBJECT_CLASS (currents_timeseries_view_parent_class)->dispose (object);
}

static void
currents_timeseries_view_finalize (GObject *object)
{
  CurrentsTimeseriesView *self = CURRENTS_TIMESERIES_VIEW (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->data, data_ref_release);
  g_clear_pointer (&self->system, currents_system_free);
  g_clear_pointer (&self->members, g_ptr_array_unref);
  g_clear_pointer (&self->tracks, g_ptr_array_unref);
  g_free (self->validation);
  g_array_unref (self->rows);

  G_OBJECT_CLASS (currents_timeseries_view_parent_class)->finalize (object);
}

static void
currents_timeseries_view_get_property (GObject    *object,
                                       guint       prop_id,
                                       GValue     *value,
                                       GParamSpec *pspec)
{
  CurrentsTimeseriesView *self = CURRENTS_TIMESERIES_VIEW (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
currents_timeseries_view_class_init (CurrentsTimeseriesViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_timeseries_view_dispose;
  object_class->finalize = currents_timeseries_view_finalize;
  object_class->get_property = currents_timeseries_view_get_property;
  widget_class->map = currents_timeseries_view_map;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (CURRENTS_TYPE_TIMESERIES_PLOT);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "timeseriesview");
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/currents/Currents/ui/currents-timeseries-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsTimeseriesView, stack);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTimeseriesView, list);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTimeseriesView, list_heading);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTimeseriesView, heading);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTimeseriesView, subheading);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTimeseriesView, spinner);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTimeseriesView, all_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsTimeseriesView, plot);
}

static void
currents_timeseries_view_init (CurrentsTimeseriesView *self)
{
  self->rows = g_array_new (FALSE, FALSE, sizeof (Row));

  gtk_widget_init_template (GTK_WIDGET (self));

  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  g_signal_connect_swapped (self->list, "row-selected", G_CALLBACK (row_selected_cb), self);
  g_signal_connect_swapped (self->all_button, "toggled", G_CALLBACK (all_toggled_cb), self);
}

GtkWidget *
currents_timeseries_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_TIMESERIES_VIEW, NULL);
}
