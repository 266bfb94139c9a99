/* currents-portrait.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The phase plane of a model, of data, or of both: the model's direction field on a
 * grid over the view (other states held at their initial values, inputs and
 * parameters at their defaults, t at the model's t0), trajectories from a grid of
 * initial states and from the model's initial state, and the data's trajectories
 * as samples joined by lines.
 *
 * Trajectories are simulated in a GTask thread on copies of what they need; a result
 * is applied only if it belongs to the content and axes still shown (generation).
 * The field itself is cheap (a few hundred evaluations) and sampled while drawing.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-portrait"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-portrait.h"

#define MIN_OUTPUT_TIMES 301    /* more when the file's dt asks for it */
#define MAX_OUTPUT_TIMES 4001
#define GRID_STARTS      4      /* GRID_STARTS × GRID_STARTS initial states */
#define LEVEL_STARTS     6      /* initial states when one axis is time */
#define MAX_DATA_LEGEND  6

struct _CurrentsPortrait
{
  GtkWidget          parent_instance;

  CurrentsModel     *model;
  CurrentsDataset   *dataset;

  GtkStringList     *variables;
  guint              n_states;       /* variables[n_states] is time */
  int               *data_column;    /* per state variable: the data's column or -1 */
  guint              x_axis;
  guint              y_axis;
  gboolean           updating_variables;

  gboolean           scale_arrows;
  gboolean           show_legend;

  CurrentsPlotScene *scene;
  GCancellable      *cancellable;
  guint              generation;
  guint              rebuild_source;
  gboolean           busy;

  CurrentsPlotStats  stats;
  guint              n_frames;
};

G_DEFINE_FINAL_TYPE (CurrentsPortrait, currents_portrait, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_VARIABLES,
  PROP_X_AXIS,
  PROP_Y_AXIS,
  PROP_SCALE_ARROWS,
  PROP_SHOW_LEGEND,
  PROP_BUSY,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

/* ---- the field, evaluated on the main thread while drawing ---- */

typedef struct
{
  CurrentsFieldWorkspace *ws;
  gsize                   n;
  double                  t;
  double                 *x;
  double                 *f;
  double                 *u;
  double                 *p;
  guint                   ix;
  guint                   iy;
} FieldEval;

static void
field_eval_free (gpointer data)
{
  FieldEval *e = data;

  g_clear_pointer (&e->ws, currents_field_workspace_free);
  g_free (e->x);
  g_free (e->f);
  g_free (e->u);
  g_free (e->p);
  g_free (e);
}

static gboolean
field_eval_func (double    x,
                 double    y,
                 double   *fx,
                 double   *fy,
                 gpointer  user_data)
{
  FieldEval *e = user_data;

  e->x[e->ix] = x;
  e->x[e->iy] = y;
  currents_field_eval (e->ws, e->t, e->x, e->u, e->p, e->f);
  *fx = e->f[e->ix];
  *fy = e->f[e->iy];
  return isfinite (*fx) && isfinite (*fy);
}

static double *
copy_doubles (const double *v,
              gsize         n)
{
  return v != NULL && n > 0 ? g_memdup2 (v, n * sizeof (double)) : g_new0 (double, MAX (n, 1));
}

/* ---- trajectories, simulated in a thread ---- */

typedef struct
{
  gsize   n;
  double *xy;   /* n × 2 */
} Track;

typedef struct
{
  /* input, copied from the model */
  CurrentsField      *field;
  CurrentsSimOptions  options;
  gsize               n;
  double             *x0;
  double             *p;
  double             *u;
  gsize               n_inputs;
  double              t0;
  double              t1;
  gsize               n_times;
  int                 ix;          /* state index, or -1 for time */
  int                 iy;
  gboolean            has_window;
  double              window[4];
  gboolean            has_hint;
  double              hint[4];     /* data extent to include in a computed window */
  guint               generation;

  /* output */
  double              view[4];
  Track              *initial;
  GPtrArray          *tracks;
} SimJob;

static void
track_free (gpointer data)
{
  Track *track = data;

  if (track == NULL)
    return;
  g_free (track->xy);
  g_free (track);
}

static void
sim_job_free (gpointer data)
{
  SimJob *job = data;

  g_clear_pointer (&job->field, currents_field_unref);
  g_free (job->x0);
  g_free (job->p);
  g_free (job->u);
  track_free (job->initial);
  g_clear_pointer (&job->tracks, g_ptr_array_unref);
  g_free (job);
}

static Track *
simulate_track (SimJob                    *job,
                CurrentsSimulator         *sim,
                const CurrentsInputSignal *inputs,
                const double              *x0,
                const double              *times,
                double                    *out,
                GCancellable              *cancellable)
{
  g_autoptr(GError) error = NULL;
  gsize reached = 0;
  Track *track;

  if (!currents_simulator_run (sim, x0, job->p, inputs, job->t0, times, job->n_times, out,
                               &reached, cancellable, &error))
    {
      /* A trajectory that leaves the bound or stiffens is drawn as far as it got. */
      g_debug ("Trajectory stopped after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " points: %s",
               reached, job->n_times, error != NULL ? error->message : "unknown error");
      if (g_cancellable_is_cancelled (cancellable))
        return NULL;
    }
  else
    reached = job->n_times;

  track = g_new0 (Track, 1);
  track->n = MIN (reached, job->n_times);
  track->xy = g_new (double, 2 * MAX (track->n, 1));
  for (gsize k = 0; k < track->n; k++)
    {
      track->xy[2 * k] = job->ix < 0 ? times[k] : out[k * job->n + job->ix];
      track->xy[2 * k + 1] = job->iy < 0 ? times[k] : out[k * job->n + job->iy];
    }
  return track;
}

static void
extend_box (double       box[4],
            const Track *track)
{
  for (gsize k = 0; track != NULL && k < track->n; k++)
    {
      double x = track->xy[2 * k], y = track->xy[2 * k + 1];

      if (!isfinite (x) || !isfinite (y))
        continue;
      box[0] = MIN (box[0], x);
      box[1] = MAX (box[1], x);
      box[2] = MIN (box[2], y);
      box[3] = MAX (box[3], y);
    }
}

static void
simulate_thread (GTask        *task,
                 gpointer      source_object,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  SimJob *job = task_data;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(CurrentsInputSignal) inputs = NULL;
  g_autofree double *times = g_new (double, job->n_times);
  g_autofree double *out = g_new (double, job->n_times * job->n);
  g_autofree double *start = copy_doubles (job->x0, job->n);

  sim = currents_simulator_new (job->field, &job->options);
  inputs = currents_input_signal_new_constant (job->n_inputs, job->u);
  if (sim == NULL || inputs == NULL)
    {
      g_task_return_new_error (task, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                               _("The model cannot be simulated"));
      return;
    }

  for (gsize k = 0; k < job->n_times; k++)
    times[k] = job->t0 + (job->t1 - job->t0) * k / (job->n_times - 1);

  job->tracks = g_ptr_array_new_with_free_func (track_free);
  job->initial = simulate_track (job, sim, inputs, job->x0, times, out, cancellable);
  if (g_task_return_error_if_cancelled (task))
    return;

  if (job->has_window)
    memcpy (job->view, job->window, sizeof job->view);
  else
    {
      double box[4] = { INFINITY, -INFINITY, INFINITY, -INFINITY };
      Track origin = { 1, (double[]) { job->ix < 0 ? job->t0 : job->x0[job->ix],
                                       job->iy < 0 ? job->t0 : job->x0[job->iy] } };

      extend_box (box, &origin);
      extend_box (box, job->initial);
      if (job->has_hint)
        {
          box[0] = MIN (box[0], job->hint[0]);
          box[1] = MAX (box[1], job->hint[1]);
          box[2] = MIN (box[2], job->hint[2]);
          box[3] = MAX (box[3], job->hint[3]);
        }
      currents_plot_pad_range (&box[0], &box[1], job->ix < 0 ? 0.0 : 0.1);
      currents_plot_pad_range (&box[2], &box[3], job->iy < 0 ? 0.0 : 0.1);
      memcpy (job->view, box, sizeof job->view);
    }

  /* Initial states on a grid over the view; a time axis is not a state to vary. */
  {
    guint nx = job->ix < 0 ? 1 : (job->iy < 0 ? LEVEL_STARTS : GRID_STARTS);
    guint ny = job->iy < 0 ? 1 : (job->ix < 0 ? LEVEL_STARTS : GRID_STARTS);

    if (job->ix < 0 && job->iy < 0)
      nx = ny = 0;
    for (guint j = 0; j < ny; j++)
      for (guint i = 0; i < nx; i++)
        {
          Track *track;

          memcpy (start, job->x0, job->n * sizeof (double));
          if (job->ix >= 0)
            start[job->ix] = job->view[0] + (i + 0.5) * (job->view[1] - job->view[0]) / nx;
          if (job->iy >= 0)
            start[job->iy] = job->view[2] + (j + 0.5) * (job->view[3] - job->view[2]) / ny;
          track = simulate_track (job, sim, inputs, start, times, out, cancellable);
          if (g_task_return_error_if_cancelled (task))
            {
              track_free (track);
              return;
            }
          if (track != NULL)
            g_ptr_array_add (job->tracks, track);
        }
  }

  g_task_return_boolean (task, TRUE);
}

/* ---- content ---- */

static int
model_axis (const CurrentsModel *model,
            const char          *name,
            guint                n_states)
{
  int i;

  if (name == NULL)
    return -1;
  if (g_ascii_strcasecmp (name, "t") == 0)
    return n_states;
  i = currents_model_find_state (model, name);
  return i;
}

static void
update_variables (CurrentsPortrait *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->variables));
  guint x = 0, y = 1;

  g_clear_pointer (&self->data_column, g_free);
  self->n_states = 0;

  if (self->model != NULL)
    {
      const CurrentsModelOptions *opts = currents_model_get_options (self->model);
      guint n = currents_model_get_n_states (self->model);
      int ix, iy;

      self->n_states = n;
      self->data_column = g_new (int, MAX (n, 1));
      for (guint i = 0; i < n; i++)
        {
          const char *name = currents_model_get_state_name (self->model, i);

          g_ptr_array_add (names, (gpointer) name);
          self->data_column[i] = self->dataset != NULL
                                 ? currents_dataset_find_state (self->dataset, name) : -1;
        }
      ix = opts != NULL ? model_axis (self->model, opts->xp, n) : -1;
      iy = opts != NULL ? model_axis (self->model, opts->yp, n) : -1;
      x = ix >= 0 ? (guint) ix : 0;
      y = iy >= 0 ? (guint) iy : (n >= 2 ? 1 : 0);
    }
  else if (self->dataset != NULL)
    {
      guint n = currents_dataset_get_n_states (self->dataset);

      self->n_states = n;
      self->data_column = g_new (int, MAX (n, 1));
      for (guint i = 0; i < n; i++)
        {
          g_ptr_array_add (names, (gpointer) currents_dataset_get_state_name (self->dataset, i));
          self->data_column[i] = i;
        }
    }

  if (self->n_states == 1)
    {
      /* One state: plot it against time. */
      x = 1;
      y = 0;
    }

  if (names->len > 0)
    g_ptr_array_add (names, (gpointer) "t");
  g_ptr_array_add (names, NULL);

  /* The drop-downs follow the list: keep their selection changes out meanwhile. */
  self->updating_variables = TRUE;
  gtk_string_list_splice (self->variables, 0, n_old, (const char *const *) names->pdata);
  self->updating_variables = FALSE;

  self->x_axis = names->len > 1 ? MIN (x, self->n_states) : 0;
  self->y_axis = names->len > 1 ? MIN (y, self->n_states) : 0;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VARIABLES]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_AXIS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_Y_AXIS]);
}

static const char *
variable_name (CurrentsPortrait *self,
               guint               i)
{
  return gtk_string_list_get_string (self->variables, i);
}

/* The data's x and y: a state column, or time (-1); FALSE when the data lacks one. */
static gboolean
data_axes (CurrentsPortrait *self,
           int                *cx,
           int                *cy)
{
  if (self->dataset == NULL || self->n_states == 0)
    return FALSE;
  *cx = self->x_axis >= self->n_states ? -1 : self->data_column[self->x_axis];
  *cy = self->y_axis >= self->n_states ? -1 : self->data_column[self->y_axis];
  return (self->x_axis >= self->n_states || *cx >= 0)
         && (self->y_axis >= self->n_states || *cy >= 0);
}

/* "Trajectory 3 · iptg = 0.5": the id (numbers get a word), then the inputs held
 * constant along the trajectory, which tell trajectories of a dose series apart. */
static char *
trajectory_label (const CurrentsDataset    *dataset,
                  const CurrentsTrajectory *traj,
                  gsize                     index)
{
  const char *id = currents_trajectory_get_id (traj);
  gsize n_inputs = currents_dataset_get_n_inputs (dataset);
  const double *inputs = currents_trajectory_get_inputs (traj);
  GString *label = g_string_new (NULL);

  if (id == NULL || *id == '\0')
    g_string_append_printf (label, _("Trajectory %u"), (guint) (index + 1));
  else if (strspn (id, "0123456789") == strlen (id))
    g_string_append_printf (label, _("Trajectory %s"), id);
  else
    g_string_append (label, id);

  for (gsize j = 0; inputs != NULL && j < n_inputs; j++)
    if (currents_trajectory_get_n_samples (traj) > 0
        && currents_trajectory_input_is_constant (traj, j))
      {
        char value[G_ASCII_DTOSTR_BUF_SIZE];

        g_snprintf (value, sizeof value, "%g", inputs[j]);
        g_string_append_printf (label, " · %s = %s",
                                currents_dataset_get_input_name (dataset, j), value);
      }
  return g_string_free (label, FALSE);
}

static void
add_data_curves (CurrentsPortrait *self)
{
  gsize n_traj, n_states;
  gboolean legend;
  int cx, cy;

  if (!data_axes (self, &cx, &cy))
    return;

  n_traj = currents_dataset_get_n_trajectories (self->dataset);
  n_states = currents_dataset_get_n_states (self->dataset);
  /* One trajectory on its own needs no legend. */
  legend = n_traj > 1 || self->model != NULL;
  for (gsize i = 0; i < n_traj; i++)
    {
      const CurrentsTrajectory *traj = currents_dataset_get_trajectory (self->dataset, i);
      const double *times = currents_trajectory_get_times (traj);
      const double *states = currents_trajectory_get_states (traj);
      gsize n = currents_trajectory_get_n_samples (traj);
      g_autofree char *label = NULL;

      if (legend && i < MAX_DATA_LEGEND)
        label = trajectory_label (self->dataset, traj, i);
      currents_plot_scene_add_curve (self->scene, CURRENTS_PLOT_CURVE_DATA, label,
                                     cx < 0 ? times : states + cx, cx < 0 ? 1 : n_states,
                                     cy < 0 ? times : states + cy, cy < 0 ? 1 : n_states,
                                     n, i);
    }
  if (legend && n_traj > MAX_DATA_LEGEND)
    {
      guint more = n_traj - MAX_DATA_LEGEND;
      g_autofree char *note = g_strdup_printf (ngettext ("and %u more trajectory",
                                                         "and %u more trajectories", more),
                                               more);

      currents_plot_scene_add_legend_note (self->scene, note);
    }
}

static void
set_busy (CurrentsPortrait *self,
          gboolean            busy)
{
  if (self->busy == busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
simulate_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);
  SimJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          && !g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED))
        g_debug ("Simulation failed: %s", error->message);
      if (job->generation != self->generation)
        return;
      /* Still show the field and the data somewhere sensible. */
      if (!currents_plot_scene_get_window (self->scene, NULL, NULL, NULL, NULL))
        {
          double box[4] = { -1.0, 1.0, -1.0, 1.0 };

          if (job->has_hint)
            {
              memcpy (box, job->hint, sizeof box);
              currents_plot_pad_range (&box[0], &box[1], 0.05);
              currents_plot_pad_range (&box[2], &box[3], 0.05);
            }
          currents_plot_scene_set_window (self->scene, box[0], box[1], box[2], box[3]);
        }
      set_busy (self, FALSE);
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }

  /* Content or axes changed meanwhile: a newer job is on its way. */
  if (job->generation != self->generation)
    return;

  /* The view the thread chose holds the data's extent too. */
  if (!job->has_window)
    currents_plot_scene_set_window (self->scene, job->view[0], job->view[1], job->view[2],
                                    job->view[3]);

  currents_plot_scene_clear_curves (self->scene, CURRENTS_PLOT_CURVE_TRAJECTORY);
  currents_plot_scene_clear_curves (self->scene, CURRENTS_PLOT_CURVE_INITIAL);
  for (guint i = 0; i < job->tracks->len; i++)
    {
      const Track *track = g_ptr_array_index (job->tracks, i);

      currents_plot_scene_add_curve (self->scene, CURRENTS_PLOT_CURVE_TRAJECTORY,
                                     i == 0 ? _("Trajectories") : NULL,
                                     track->xy, 2, track->xy + 1, 2, track->n, 0);
    }
  if (job->initial != NULL)
    currents_plot_scene_add_curve (self->scene, CURRENTS_PLOT_CURVE_INITIAL,
                                   _("From the initial state"),
                                   job->initial->xy, 2, job->initial->xy + 1, 2,
                                   job->initial->n, 0);
  set_busy (self, FALSE);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
start_simulation (CurrentsPortrait *self,
                  gboolean            has_window,
                  const double        window[4],
                  gboolean            has_hint,
                  const double        hint[4])
{
  const CurrentsModelOptions *opts = currents_model_get_options (self->model);
  g_autoptr(GTask) task = NULL;
  SimJob *job;

  job = g_new0 (SimJob, 1);
  job->field = currents_field_ref (currents_model_get_field (self->model));
  currents_sim_options_init (&job->options);
  currents_model_get_sim_options (self->model, &job->options);
  job->n = currents_model_get_n_states (self->model);
  job->x0 = copy_doubles (currents_model_get_initial (self->model), job->n);
  job->p = copy_doubles (currents_model_get_params (self->model),
                         currents_model_get_n_params (self->model));
  job->n_inputs = currents_model_get_n_inputs (self->model);
  job->u = copy_doubles (currents_model_get_input_defaults (self->model), job->n_inputs);
  job->t0 = opts->t0;
  job->t1 = opts->t0 + (opts->total > 0.0 && isfinite (opts->total) ? opts->total : 20.0);
  /* Output every dt (XPP's own sampling), within bounds that keep drawing fast. */
  job->n_times = MIN_OUTPUT_TIMES;
  if (opts->dt > 0.0 && isfinite (opts->dt))
    job->n_times = (gsize) CLAMP (ceil ((job->t1 - job->t0) / opts->dt) + 1,
                                  MIN_OUTPUT_TIMES, MAX_OUTPUT_TIMES);
  job->ix = self->x_axis >= self->n_states ? -1 : (int) self->x_axis;
  job->iy = self->y_axis >= self->n_states ? -1 : (int) self->y_axis;
  job->has_window = has_window;
  if (has_window)
    memcpy (job->window, window, sizeof job->window);
  job->has_hint = has_hint;
  if (has_hint)
    memcpy (job->hint, hint, sizeof job->hint);
  job->generation = self->generation;

  task = g_task_new (self, self->cancellable, simulate_done, NULL);
  g_task_set_source_tag (task, start_simulation);
  g_task_set_task_data (task, job, sim_job_free);
  g_task_run_in_thread (task, simulate_thread);
  set_busy (self, TRUE);
}

static void
rebuild (CurrentsPortrait *self)
{
  const char *x_name, *y_name;
  double window[4], hint[4];
  gboolean has_window = FALSE, has_hint = FALSE;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->cancellable = g_cancellable_new ();
  self->generation++;
  set_busy (self, FALSE);

  g_clear_pointer (&self->scene, currents_plot_scene_free);
  self->scene = currents_plot_scene_new ();
  currents_plot_scene_set_arrow_style (self->scene, self->scale_arrows
                                       ? CURRENTS_PLOT_ARROWS_SCALED
                                       : CURRENTS_PLOT_ARROWS_NORMALIZED);
  currents_plot_scene_set_show_legend (self->scene, self->show_legend);

  if (self->n_states == 0)
    {
      gtk_widget_queue_draw (GTK_WIDGET (self));
      return;
    }

  x_name = variable_name (self, self->x_axis);
  y_name = variable_name (self, self->y_axis);
  currents_plot_scene_set_labels (self->scene, x_name, y_name);

  add_data_curves (self);
  has_hint = currents_plot_scene_get_extent (self->scene, CURRENTS_PLOT_CURVE_DATA,
                                             &hint[0], &hint[1], &hint[2], &hint[3]);

  if (self->model != NULL)
    {
      const CurrentsModelOptions *opts = currents_model_get_options (self->model);
      int xp = model_axis (self->model, opts->xp, self->n_states);
      int yp = model_axis (self->model, opts->yp, self->n_states);
      guint dx = xp >= 0 ? (guint) xp : 0;
      guint dy = yp >= 0 ? (guint) yp : MIN (1u, self->n_states - 1);

      /* The file's window belongs to the file's axes. */
      if (opts->has_window && self->x_axis == dx && self->y_axis == dy
          && opts->xlo < opts->xhi && opts->ylo < opts->yhi)
        {
          window[0] = opts->xlo;
          window[1] = opts->xhi;
          window[2] = opts->ylo;
          window[3] = opts->yhi;
          has_window = TRUE;
          currents_plot_scene_set_window (self->scene, window[0], window[1], window[2],
                                          window[3]);
        }

      if (self->x_axis < self->n_states && self->y_axis < self->n_states
          && self->x_axis != self->y_axis)
        {
          FieldEval *e = g_new0 (FieldEval, 1);
          gsize n_params = currents_model_get_n_params (self->model);
          gsize n_inputs = currents_model_get_n_inputs (self->model);

          e->ws = currents_field_workspace_new (currents_model_get_field (self->model));
          e->n = self->n_states;
          e->t = opts->t0;
          e->x = copy_doubles (currents_model_get_initial (self->model), e->n);
          e->f = g_new0 (double, e->n);
          e->u = copy_doubles (currents_model_get_input_defaults (self->model), n_inputs);
          e->p = copy_doubles (currents_model_get_params (self->model), n_params);
          e->ix = self->x_axis;
          e->iy = self->y_axis;
          currents_plot_scene_set_field (self->scene, field_eval_func, e, field_eval_free,
                                         _("speed"));
        }

      start_simulation (self, has_window, window, has_hint, hint);
    }
  else if (has_hint)
    {
      currents_plot_pad_range (&hint[0], &hint[1], self->x_axis >= self->n_states ? 0.0 : 0.05);
      currents_plot_pad_range (&hint[2], &hint[3], self->y_axis >= self->n_states ? 0.0 : 0.05);
      currents_plot_scene_set_window (self->scene, hint[0], hint[1], hint[2], hint[3]);
    }

  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static gboolean
rebuild_cb (gpointer user_data)
{
  CurrentsPortrait *self = user_data;

  self->rebuild_source = 0;
  rebuild (self);
  return G_SOURCE_REMOVE;
}

/* Coalesces changes (content, both axes) into one rebuild before the next frame. */
static void
queue_rebuild (CurrentsPortrait *self)
{
  if (self->rebuild_source == 0)
    self->rebuild_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE, rebuild_cb, self, NULL);
}

/* ---- GtkWidget ---- */

static void
currents_portrait_snapshot (GtkWidget   *widget,
                               GtkSnapshot *snapshot)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (widget);
  int width = gtk_widget_get_width (widget);
  int height = gtk_widget_get_height (widget);
  PangoFontDescription *font;
  CurrentsPlotTheme theme;
  g_autofree char *font_name = NULL;
  gint64 begin;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;

  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  font = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  if (font != NULL)
    {
      font_name = pango_font_description_to_string (font);
      g_strlcpy (theme.font, font_name, sizeof theme.font);
    }

  begin = g_get_monotonic_time ();
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  currents_plot_scene_draw (self->scene, cr, &theme, width, height, &self->stats);
  cairo_destroy (cr);
  self->n_frames++;
  g_debug ("Frame %u: %u arrows, %u trajectories, %u data curves in %.1f ms",
           self->n_frames, self->stats.n_arrows, self->stats.n_trajectories,
           self->stats.n_data_curves, (g_get_monotonic_time () - begin) / 1000.0);
}

static void
dark_changed_cb (CurrentsPortrait *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
currents_portrait_dispose (GObject *object)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->rebuild_source, g_source_remove);
  g_signal_handlers_disconnect_by_func (adw_style_manager_get_default (), dark_changed_cb, self);

  G_OBJECT_CLASS (currents_portrait_parent_class)->dispose (object);
}

static void
currents_portrait_finalize (GObject *object)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);

  g_clear_object (&self->cancellable);
  g_clear_pointer (&self->scene, currents_plot_scene_free);
  g_clear_pointer (&self->model, currents_model_free);
  g_clear_pointer (&self->dataset, currents_dataset_free);
  g_clear_pointer (&self->data_column, g_free);
  g_clear_object (&self->variables);

  G_OBJECT_CLASS (currents_portrait_parent_class)->finalize (object);
}

static void
currents_portrait_get_property (GObject    *object,
                                   guint       prop_id,
                                   GValue     *value,
                                   GParamSpec *pspec)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);

  switch (prop_id)
    {
    case PROP_VARIABLES:
      g_value_set_object (value, self->variables);
      break;
    case PROP_X_AXIS:
      g_value_set_uint (value, self->x_axis);
      break;
    case PROP_Y_AXIS:
      g_value_set_uint (value, self->y_axis);
      break;
    case PROP_SCALE_ARROWS:
      g_value_set_boolean (value, self->scale_arrows);
      break;
    case PROP_SHOW_LEGEND:
      g_value_set_boolean (value, self->show_legend);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, self->busy);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
currents_portrait_set_property (GObject      *object,
                                   guint         prop_id,
                                   const GValue *value,
                                   GParamSpec   *pspec)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);

  switch (prop_id)
    {
    case PROP_X_AXIS:
      currents_portrait_set_x_axis (self, g_value_get_uint (value));
      break;
    case PROP_Y_AXIS:
      currents_portrait_set_y_axis (self, g_value_get_uint (value));
      break;
    case PROP_SCALE_ARROWS:
      currents_portrait_set_scale_arrows (self, g_value_get_boolean (value));
      break;
    case PROP_SHOW_LEGEND:
      currents_portrait_set_show_legend (self, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
currents_portrait_class_init (CurrentsPortraitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_portrait_dispose;
  object_class->finalize = currents_portrait_finalize;
  object_class->get_property = currents_portrait_get_property;
  object_class->set_property = currents_portrait_set_property;

  widget_class->snapshot = currents_portrait_snapshot;

  properties[PROP_VARIABLES] =
    g_param_spec_object ("variables", NULL, NULL, G_TYPE_LIST_MODEL,
                         G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  properties[PROP_X_AXIS] =
    g_param_spec_uint ("x-axis", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_Y_AXIS] =
    g_param_spec_uint ("y-axis", NULL, NULL, 0, G_MAXUINT, 0,
                       G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SCALE_ARROWS] =
    g_param_spec_boolean ("scale-arrows", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_LEGEND] =
    g_param_spec_boolean ("show-legend", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_css_name (widget_class, "phaseplane");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
currents_portrait_init (CurrentsPortrait *self)
{
  self->variables = gtk_string_list_new (NULL);
  self->show_legend = TRUE;
  self->scene = currents_plot_scene_new ();
  self->cancellable = g_cancellable_new ();

  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_overflow (GTK_WIDGET (self), GTK_OVERFLOW_HIDDEN);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Phase plane"),
                                  -1);

  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (dark_changed_cb), self, G_CONNECT_SWAPPED);
}

/* ---- public API ---- */

GtkWidget *
currents_portrait_new (void)
{
  return g_object_new (CURRENTS_TYPE_PORTRAIT, NULL);
}

void
currents_portrait_set_model (CurrentsPortrait *self,
                                CurrentsModel      *model)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (self->model == model)
    return;
  g_clear_pointer (&self->model, currents_model_free);
  self->model = model;
  update_variables (self);
  queue_rebuild (self);
}

void
currents_portrait_set_dataset (CurrentsPortrait *self,
                                  CurrentsDataset    *dataset)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (self->dataset == dataset)
    return;
  g_clear_pointer (&self->dataset, currents_dataset_free);
  self->dataset = dataset;
  update_variables (self);
  queue_rebuild (self);
}

const CurrentsModel *
currents_portrait_get_model (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), NULL);
  return self->model;
}

const CurrentsDataset *
currents_portrait_get_dataset (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), NULL);
  return self->dataset;
}

GListModel *
currents_portrait_get_variables (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), NULL);
  return G_LIST_MODEL (self->variables);
}

guint
currents_portrait_get_x_axis (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), 0);
  return self->x_axis;
}

guint
currents_portrait_get_y_axis (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), 0);
  return self->y_axis;
}

static void
set_axis (CurrentsPortrait *self,
          guint              *axis,
          guint               variable,
          GParamSpec         *pspec)
{
  /* Selection changes while the variable list is replaced are not the user's. */
  if (self->updating_variables)
    return;
  if (variable >= g_list_model_get_n_items (G_LIST_MODEL (self->variables)))
    return;
  if (*axis == variable)
    return;
  *axis = variable;
  g_object_notify_by_pspec (G_OBJECT (self), pspec);
  queue_rebuild (self);
}

void
currents_portrait_set_x_axis (CurrentsPortrait *self,
                                 guint               variable)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));
  set_axis (self, &self->x_axis, variable, properties[PROP_X_AXIS]);
}

void
currents_portrait_set_y_axis (CurrentsPortrait *self,
                                 guint               variable)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));
  set_axis (self, &self->y_axis, variable, properties[PROP_Y_AXIS]);
}

void
currents_portrait_swap_axes (CurrentsPortrait *self)
{
  guint x;

  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (self->x_axis == self->y_axis)
    return;
  x = self->x_axis;
  self->x_axis = self->y_axis;
  self->y_axis = x;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_AXIS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_Y_AXIS]);
  queue_rebuild (self);
}

gboolean
currents_portrait_get_scale_arrows (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);
  return self->scale_arrows;
}

void
currents_portrait_set_scale_arrows (CurrentsPortrait *self,
                                       gboolean            scale_arrows)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  scale_arrows = !!scale_arrows;
  if (self->scale_arrows == scale_arrows)
    return;
  self->scale_arrows = scale_arrows;
  currents_plot_scene_set_arrow_style (self->scene, scale_arrows
                                       ? CURRENTS_PLOT_ARROWS_SCALED
                                       : CURRENTS_PLOT_ARROWS_NORMALIZED);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE_ARROWS]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
currents_portrait_get_show_legend (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);
  return self->show_legend;
}

void
currents_portrait_set_show_legend (CurrentsPortrait *self,
                                      gboolean            show_legend)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  show_legend = !!show_legend;
  if (self->show_legend == show_legend)
    return;
  self->show_legend = show_legend;
  currents_plot_scene_set_show_legend (self->scene, show_legend);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_LEGEND]);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

gboolean
currents_portrait_get_busy (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);
  return self->busy || self->rebuild_source != 0;
}

void
currents_portrait_get_stats (CurrentsPortrait *self,
                                CurrentsPlotStats  *stats)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));
  g_return_if_fail (stats != NULL);
  *stats = self->stats;
}

guint
currents_portrait_get_n_frames (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), 0);
  return self->n_frames;
}

gboolean
currents_portrait_export (CurrentsPortrait *self,
                             const char         *path,
                             int                 width,
                             int                 height,
                             GError            **error)
{
  CurrentsPlotTheme theme;

  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  return currents_plot_scene_export (self->scene, &theme, path, width, height, error);
}
