/* currents-population-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The population page. What is shown (a population model, snapshot data) is owned here
 * and never touched by a worker: every job gets its own copy of the model
 * (currents_population_copy) and plain numbers. A job computes the heat map (one batched
 * density solve, or a histogram marginal for n > 2) and, when the model changed, the
 * sample paths; results apply only when their generation is still current. Work runs
 * only while the view is mapped. Training runs on a copy as well and replaces the model
 * when it finishes (or is cancelled: the best parameters so far).
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-population-view"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-population-view.h"
#include "currents-view-util-private.h"

#define PATH_STEPS       41
#define MARGINAL_SAMPLES 20000

struct _CurrentsPopulationView
{
  GtkWidget           parent_instance;

  /* template children */
  GtkStack           *population_stack;
  GtkDrawingArea     *population_canvas;
  GtkDropDown        *population_x_dropdown;
  GtkDropDown        *population_y_dropdown;
  GtkScale           *population_time_scale;
  GtkAdjustment      *population_time_adjustment;
  GtkLabel           *population_time_label;
  GtkLabel           *population_status;
  GtkButton          *population_train_button;
  GtkButton          *population_cancel_button;
  GtkProgressBar     *population_progress;

  CurrentsPopulation *population;
  char               *population_name;
  CurrentsSnapshots  *snapshots;
  char               *snapshots_name;
  char              **names;          /* the states shown */
  guint               n_states;
  guint               x_axis;
  guint               y_axis;
  guint               grid_size;
  guint               n_paths;
  double              t0;
  double              t1;
  gboolean            syncing;        /* the controls are being set from here */
  gboolean            disposed;

  /* computing */
  guint               generation;
  guint               model_generation;  /* bumps when the model (or its paths) change */
  GCancellable       *cancellable;
  guint               idle_source;
  gboolean            pending;
  gboolean            dirty;
  gboolean            have_box;
  double              box[4];

  /* the last result */
  double             *grid;
  guint               grid_nx;
  guint               grid_ny;
  double              grid_box[4];
  double              grid_t;
  guint               grid_x;
  guint               grid_y;
  gboolean            grid_marginal;
  double             *paths;          /* n_paths × PATH_STEPS × n */
  double             *path_times;     /* PATH_STEPS */
  guint               paths_count;
  guint               paths_n_states;
  guint               paths_generation;
  char               *error;

  /* training */
  GCancellable       *train_cancellable;
  guint               train_iterations;
  double              train_loss;
  GMutex              progress_lock;
  gsize               progress_iteration;
  double              progress_loss;
  guint               progress_idle;
};

G_DEFINE_FINAL_TYPE (CurrentsPopulationView, currents_population_view, GTK_TYPE_WIDGET)

enum {
  SIGNAL_CONTENT_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

/* ---- what is shown ------------------------------------------------------------------ */

static gssize
snapshot_state (CurrentsPopulationView *self,
                guint                   axis)
{
  if (self->snapshots == NULL || axis >= self->n_states)
    return -1;
  for (gsize i = 0; i < currents_snapshots_get_n_states (self->snapshots); i++)
    if (g_strcmp0 (currents_snapshots_get_state_name (self->snapshots, i),
                   self->names[axis]) == 0)
      return (gssize) i;
  return -1;
}

/* A box around the cells on the axes, padded; FALSE without cells there. */
static gboolean
snapshot_box (CurrentsPopulationView *self,
              double                 *box)
{
  gssize sx = snapshot_state (self, self->x_axis), sy = snapshot_state (self, self->y_axis);
  double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
  gsize n;

  if (sx < 0 || sy < 0)
    return FALSE;
  n = currents_snapshots_get_n_states (self->snapshots);
  for (gsize k = 0; k < currents_snapshots_get_n_times (self->snapshots); k++)
    {
      const double *c = currents_snapshots_get_cells (self->snapshots, k);

      for (gsize r = 0; r < currents_snapshots_get_n_cells (self->snapshots, k); r++)
        {
          lo[0] = MIN (lo[0], c[r * n + sx]);
          hi[0] = MAX (hi[0], c[r * n + sx]);
          lo[1] = MIN (lo[1], c[r * n + sy]);
          hi[1] = MAX (hi[1], c[r * n + sy]);
        }
    }
  for (int a = 0; a < 2; a++)
    {
      double pad = 0.12 * (hi[a] - lo[a]) + 1e-9 * MAX (1.0, fabs (hi[a]));

      box[2 * a] = lo[a] - pad;
      box[2 * a + 1] = hi[a] + pad;
    }
  return isfinite (box[0]) && isfinite (box[3]);
}

static void
update_controls (CurrentsPopulationView *self)
{
  g_autoptr (GtkStringList) list = gtk_string_list_new ((const char *const *) self->names);
  gboolean content = self->population != NULL || self->snapshots != NULL;
  gboolean training = self->train_cancellable != NULL;

  self->syncing = TRUE;
  gtk_stack_set_visible_child_name (self->population_stack, content ? "content" : "empty");
  gtk_drop_down_set_model (self->population_x_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_model (self->population_y_dropdown, G_LIST_MODEL (list));
  gtk_drop_down_set_selected (self->population_x_dropdown, self->x_axis);
  gtk_drop_down_set_selected (self->population_y_dropdown, self->y_axis);

  gtk_scale_clear_marks (self->population_time_scale);
  gtk_adjustment_configure (self->population_time_adjustment,
                            CLAMP (gtk_adjustment_get_value (self->population_time_adjustment),
                                   self->t0, self->t1),
                            self->t0, self->t1, (self->t1 - self->t0) / 100.0,
                            (self->t1 - self->t0) / 10.0, 0.0);
  for (gsize k = 0; self->snapshots != NULL && k < currents_snapshots_get_n_times (self->snapshots);
       k++)
    {
      double tk = currents_snapshots_get_time (self->snapshots, k);
      g_autofree char *mark = g_strdup_printf ("%g", tk);

      gtk_scale_add_mark (self->population_time_scale, tk, GTK_POS_BOTTOM, mark);
    }
  if (self->snapshots == NULL && self->population != NULL)
    {
      gsize nt;
      const double *ts = currents_population_get_times (self->population, &nt);

      for (gsize k = 0; k < nt; k++)
        {
          g_autofree char *mark = g_strdup_printf ("%g", ts[k]);

          gtk_scale_add_mark (self->population_time_scale, ts[k], GTK_POS_BOTTOM, mark);
        }
    }
  gtk_widget_set_sensitive (GTK_WIDGET (self->population_train_button),
                            self->snapshots != NULL && !training);
  gtk_widget_set_visible (GTK_WIDGET (self->population_cancel_button), training);
  gtk_widget_set_visible (GTK_WIDGET (self->population_progress), training);
  self->syncing = FALSE;
}

static void
update_time_label (CurrentsPopulationView *self)
{
  g_autofree char *text = NULL;

  /* Translators: the time of the density shown */
  text = g_strdup_printf (_("t = %.4g"), gtk_adjustment_get_value (self->population_time_adjustment));
  gtk_label_set_text (self->population_time_label, text);
}

static void
update_status (CurrentsPopulationView *self)
{
  g_autofree char *text = NULL;

  if (self->error != NULL)
    text = g_strdup (self->error);
  else if (self->population == NULL && self->snapshots != NULL)
    text = g_strdup_printf (ngettext ("%s: %zu snapshot. Train a population model to see its "
                                      "density.",
                                      "%s: %zu snapshots. Train a population model to see its "
                                      "density.",
                                      currents_snapshots_get_n_times (self->snapshots)),
                            self->snapshots_name != NULL ? self->snapshots_name : "",
                            currents_snapshots_get_n_times (self->snapshots));
  else if (self->population != NULL && self->grid_marginal)
    text = g_strdup_printf (_("%s — the marginal of the two states, estimated from %d samples"),
                            self->population_name != NULL ? self->population_name : "",
                            MARGINAL_SAMPLES);
  else if (self->population != NULL)
    text = g_strdup_printf (_("%s — log-density of the cells, log p(x, t)"),
                            self->population_name != NULL ? self->population_name : "");
  gtk_label_set_text (self->population_status, text != NULL ? text : "");
}

/* ---- computing ---------------------------------------------------------------------- */

typedef struct
{
  CurrentsPopulation *population;  /* a copy */
  double              t;
  guint               ix;
  guint               iy;
  guint               nx;
  double              box[4];
  gboolean            need_box;
  guint               n_paths;
  double              t1;
  guint               generation;
  guint               model_generation;
} Job;

typedef struct
{
  double  *grid;
  guint    nx;
  double   box[4];
  double   t;
  guint    ix;
  guint    iy;
  gboolean marginal;
  double  *paths;       /* NULL when not computed */
  double  *path_times;
  guint    n_paths;
  guint    n_states;
  guint    model_generation;
} Result;

static void
job_free (gpointer data)
{
  Job *job = data;

  currents_population_free (job->population);
  g_free (job);
}

static void
result_free (gpointer data)
{
  Result *r = data;

  g_free (r->grid);
  g_free (r->paths);
  g_free (r->path_times);
  g_free (r);
}

static void
population_thread (GTask        *task,
                   gpointer      source,
                   gpointer      task_data,
                   GCancellable *cancellable)
{
  Job *job = task_data;
  Result *r = g_new0 (Result, 1);
  gsize n = currents_population_get_n_states (job->population);
  double t0 = currents_population_get_t0 (job->population);
  GError *error = NULL;

  (void) source;
  r->nx = job->nx;
  r->t = job->t;
  r->ix = job->ix;
  r->iy = job->iy;
  r->n_states = (guint) n;
  r->model_generation = job->model_generation;
  memcpy (r->box, job->box, sizeof r->box);

  if (job->n_paths > 0)
    {
      r->n_paths = job->n_paths;
      r->path_times = g_new (double, PATH_STEPS);
      for (guint j = 0; j < PATH_STEPS; j++)
        r->path_times[j] = t0 + (job->t1 - t0) * j / (PATH_STEPS - 1.0);
      r->path_times[PATH_STEPS - 1] = job->t1;
      r->paths = g_new (double, (gsize) job->n_paths * PATH_STEPS * n);
      if (!currents_population_sample_paths (job->population, r->path_times, PATH_STEPS,
                                             job->n_paths, 1, r->paths, cancellable, &error))
        {
          result_free (r);
          g_task_return_error (task, error);
          return;
        }
    }
  if (job->need_box)
    {
      /* no cells to frame: frame the paths, or the base density */
      double lo[2] = { INFINITY, INFINITY }, hi[2] = { -INFINITY, -INFINITY };
      guint ax[2] = { job->ix, job->iy };

      for (gsize q = 0; r->paths != NULL && q < (gsize) job->n_paths * PATH_STEPS; q++)
        for (int a = 0; a < 2; a++)
          {
            lo[a] = MIN (lo[a], r->paths[q * n + ax[a]]);
            hi[a] = MAX (hi[a], r->paths[q * n + ax[a]]);
          }
      for (int a = 0; a < 2; a++)
        {
          const double *m = currents_population_get_base_means (job->population);
          const double *c = currents_population_get_base_covs (job->population);
          double sd = sqrt (c[ax[a] * n + ax[a]]);

          lo[a] = MIN (lo[a], m[ax[a]] - 3.0 * sd);
          hi[a] = MAX (hi[a], m[ax[a]] + 3.0 * sd);
          r->box[2 * a] = lo[a] - 0.2 * (hi[a] - lo[a]);
          r->box[2 * a + 1] = hi[a] + 0.2 * (hi[a] - lo[a]);
        }
    }
  r->grid = g_new (double, (gsize) job->nx * job->nx);
  r->marginal = n > 2;
  if (!currents_population_density_grid (job->population, job->t, job->ix, job->iy, r->box[0],
                                         r->box[1], r->box[2], r->box[3], job->nx, job->nx,
                                         NULL, MARGINAL_SAMPLES, 1, r->grid, cancellable,
                                         &error))
    {
      result_free (r);
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, r, result_free);
}

static void
population_done_cb (GObject      *source,
                    GAsyncResult *res,
                    gpointer      user_data)
{
  CurrentsPopulationView *self = CURRENTS_POPULATION_VIEW (source);
  Job *job = g_task_get_task_data (G_TASK (res));
  guint generation = job->generation;
  g_autoptr (GError) error = NULL;
  Result *r = g_task_propagate_pointer (G_TASK (res), &error);

  (void) user_data;
  if (generation != self->generation)
    {
      g_clear_pointer (&r, result_free);
      return;
    }
  self->pending = FALSE;
  g_clear_object (&self->cancellable);
  if (r == NULL)
    {
      if (!g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED))
        {
          g_free (self->error);
          self->error = g_strdup (error->message);
          update_status (self);
        }
      return;
    }
  g_clear_pointer (&self->error, g_free);
  g_free (self->grid);
  self->grid = g_steal_pointer (&r->grid);
  self->grid_nx = self->grid_ny = r->nx;
  memcpy (self->grid_box, r->box, sizeof r->box);
  self->grid_t = r->t;
  self->grid_x = r->ix;
  self->grid_y = r->iy;
  self->grid_marginal = r->marginal;
  if (!self->have_box)
    {
      memcpy (self->box, r->box, sizeof r->box);
      self->have_box = TRUE;
    }
  if (r->paths != NULL)
    {
      g_free (self->paths);
      g_free (self->path_times);
      self->paths = g_steal_pointer (&r->paths);
      self->path_times = g_steal_pointer (&r->path_times);
      self->paths_count = r->n_paths;
      self->paths_n_states = r->n_states;
      self->paths_generation = r->model_generation;
    }
  result_free (r);
  update_status (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->population_canvas));
}

static void
start_job (CurrentsPopulationView *self)
{
  g_autoptr (GTask) task = NULL;
  Job *job;

  if (self->population == NULL || self->x_axis == self->y_axis
      || self->x_axis >= self->n_states || self->y_axis >= self->n_states)
    {
      self->pending = FALSE;
      gtk_widget_queue_draw (GTK_WIDGET (self->population_canvas));
      return;
    }
  job = g_new0 (Job, 1);
  job->population = currents_population_copy (self->population);
  job->t = gtk_adjustment_get_value (self->population_time_adjustment);
  job->ix = self->x_axis;
  job->iy = self->y_axis;
  job->nx = self->grid_size;
  job->t1 = self->t1;
  job->generation = self->generation;
  job->model_generation = self->model_generation;
  if (self->paths == NULL || self->paths_generation != self->model_generation
      || self->paths_count != self->n_paths)
    job->n_paths = self->n_paths;
  if (!self->have_box && !snapshot_box (self, job->box))
    job->need_box = TRUE;
  else if (self->have_box)
    memcpy (job->box, self->box, sizeof job->box);
  else
    {
      memcpy (self->box, job->box, sizeof job->box);
      self->have_box = TRUE;
    }
  if (job->need_box && job->n_paths == 0)
    job->n_paths = self->n_paths;   /* the box comes from the paths */

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, population_done_cb, NULL);
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, population_thread);
}

static gboolean
run_idle_cb (gpointer data)
{
  CurrentsPopulationView *self = data;

  self->idle_source = 0;
  start_job (self);
  return G_SOURCE_REMOVE;
}

/* Something shown changed: the result in hand is stale. Coalesced per main-loop turn. */
static void
request_update (CurrentsPopulationView *self)
{
  self->generation++;
  self->pending = self->population != NULL;
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->dirty = TRUE;
      return;
    }
  if (self->idle_source == 0)
    self->idle_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 20, run_idle_cb, self, NULL);
}

static void
map_cb (CurrentsPopulationView *self)
{
  if (self->dirty)
    {
      self->dirty = FALSE;
      if (self->idle_source == 0)
        self->idle_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 20, run_idle_cb, self, NULL);
    }
}

static void
unmap_cb (CurrentsPopulationView *self)
{
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  g_clear_handle_id (&self->idle_source, g_source_remove);
  if (self->pending)
    {
      self->generation++;
      self->dirty = TRUE;
    }
}

/* The states, time range and axes after the model or the data changed. */
static void
content_changed (CurrentsPopulationView *self)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) old = g_steal_pointer (&self->names);
  gboolean same;

  self->t0 = INFINITY;
  self->t1 = -INFINITY;
  if (self->population != NULL)
    {
      gsize nt;
      const double *ts = currents_population_get_times (self->population, &nt);

      g_strv_builder_addv (b, (const char **) currents_population_get_state_names (self->population));
      self->t0 = currents_population_get_t0 (self->population);
      if (nt > 0)
        self->t1 = ts[nt - 1];
    }
  else if (self->snapshots != NULL)
    for (gsize i = 0; i < currents_snapshots_get_n_states (self->snapshots); i++)
      g_strv_builder_add (b, currents_snapshots_get_state_name (self->snapshots, i));
  if (self->snapshots != NULL)
    {
      gsize K = currents_snapshots_get_n_times (self->snapshots);

      self->t0 = MIN (self->t0, currents_snapshots_get_time (self->snapshots, 0));
      self->t1 = MAX (self->t1, currents_snapshots_get_time (self->snapshots, K - 1));
    }
  if (!isfinite (self->t0))
    self->t0 = 0.0;
  if (!(self->t1 > self->t0))
    self->t1 = self->t0 + 1.0;
  self->names = g_strv_builder_end (b);
  self->n_states = g_strv_length (self->names);
  same = old != NULL && g_strv_equal ((const char *const *) old,
                                      (const char *const *) self->names);
  if (!same)
    {
      self->x_axis = 0;
      self->y_axis = self->n_states > 1 ? 1 : 0;
      self->have_box = FALSE;
    }
  self->model_generation++;
  g_clear_pointer (&self->grid, g_free);
  g_clear_pointer (&self->error, g_free);
  update_controls (self);
  update_time_label (self);
  update_status (self);
  request_update (self);
  g_signal_emit (self, signals[SIGNAL_CONTENT_CHANGED], 0);
}

/* ---- public ------------------------------------------------------------------------- */

GtkWidget *
currents_population_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_POPULATION_VIEW, NULL);
}

void
currents_population_view_set_population (CurrentsPopulationView *self,
                                         CurrentsPopulation     *population,
                                         const char             *name)
{
  g_return_if_fail (CURRENTS_IS_POPULATION_VIEW (self));

  g_clear_pointer (&self->population, currents_population_free);
  g_free (self->population_name);
  self->population = population;
  self->population_name = g_strdup (name);
  content_changed (self);
}

void
currents_population_view_set_snapshots (CurrentsPopulationView *self,
                                        CurrentsSnapshots      *snapshots,
                                        const char             *name)
{
  g_return_if_fail (CURRENTS_IS_POPULATION_VIEW (self));

  g_clear_pointer (&self->snapshots, currents_snapshots_free);
  g_free (self->snapshots_name);
  self->snapshots = snapshots;
  self->snapshots_name = g_strdup (name);
  self->have_box = FALSE;
  content_changed (self);
}

const CurrentsPopulation *
currents_population_view_get_population (CurrentsPopulationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_POPULATION_VIEW (self), NULL);
  return self->population;
}

const CurrentsSnapshots *
currents_population_view_get_snapshots (CurrentsPopulationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_POPULATION_VIEW (self), NULL);
  return self->snapshots;
}

gboolean
currents_population_view_has_content (CurrentsPopulationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_POPULATION_VIEW (self), FALSE);
  return self->population != NULL || self->snapshots != NULL;
}

void
currents_population_view_set_time (CurrentsPopulationView *self,
                                   double                  t)
{
  g_return_if_fail (CURRENTS_IS_POPULATION_VIEW (self));
  gtk_adjustment_set_value (self->population_time_adjustment, CLAMP (t, self->t0, self->t1));
}

double
currents_population_view_get_time (CurrentsPopulationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_POPULATION_VIEW (self), NAN);
  return gtk_adjustment_get_value (self->population_time_adjustment);
}

void
currents_population_view_set_axes (CurrentsPopulationView *self,
                                   guint                   x_axis,
                                   guint                   y_axis)
{
  g_return_if_fail (CURRENTS_IS_POPULATION_VIEW (self));
  g_return_if_fail (x_axis < self->n_states && y_axis < self->n_states);

  if (x_axis == self->x_axis && y_axis == self->y_axis)
    return;
  self->x_axis = x_axis;
  self->y_axis = y_axis;
  self->have_box = FALSE;
  update_controls (self);
  request_update (self);
}

void
currents_population_view_set_grid_size (CurrentsPopulationView *self,
                                        guint                   n)
{
  g_return_if_fail (CURRENTS_IS_POPULATION_VIEW (self));
  g_return_if_fail (n >= 2);
  self->grid_size = n;
  request_update (self);
}

void
currents_population_view_set_n_paths (CurrentsPopulationView *self,
                                      guint                   n)
{
  g_return_if_fail (CURRENTS_IS_POPULATION_VIEW (self));
  self->n_paths = n;
  request_update (self);
}

gboolean
currents_population_view_get_busy (CurrentsPopulationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_POPULATION_VIEW (self), FALSE);
  return self->pending;
}

const double *
currents_population_view_get_grid (CurrentsPopulationView *self,
                                   guint                  *nx,
                                   guint                  *ny,
                                   double                 *box,
                                   double                 *t,
                                   guint                  *x_axis,
                                   guint                  *y_axis,
                                   gboolean               *marginal)
{
  g_return_val_if_fail (CURRENTS_IS_POPULATION_VIEW (self), NULL);

  if (self->grid == NULL)
    return NULL;
  if (nx != NULL)
    *nx = self->grid_nx;
  if (ny != NULL)
    *ny = self->grid_ny;
  if (box != NULL)
    memcpy (box, self->grid_box, sizeof self->grid_box);
  if (t != NULL)
    *t = self->grid_t;
  if (x_axis != NULL)
    *x_axis = self->grid_x;
  if (y_axis != NULL)
    *y_axis = self->grid_y;
  if (marginal != NULL)
    *marginal = self->grid_marginal;
  return self->grid;
}

guint
currents_population_view_get_paths (CurrentsPopulationView *self,
                                    const double          **points,
                                    const double          **times,
                                    guint                  *n_times)
{
  g_return_val_if_fail (CURRENTS_IS_POPULATION_VIEW (self), 0);

  if (points != NULL)
    *points = self->paths;
  if (times != NULL)
    *times = self->path_times;
  if (n_times != NULL)
    *n_times = self->paths != NULL ? PATH_STEPS : 0;
  return self->paths != NULL ? self->paths_count : 0;
}

const char *
currents_population_view_get_error (CurrentsPopulationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_POPULATION_VIEW (self), NULL);
  return self->error;
}

/* ---- training ----------------------------------------------------------------------- */

typedef struct
{
  CurrentsPopulationView *view;        /* a strong reference, dropped in the free func */
  CurrentsPopulation     *population;  /* trained in place (a copy or a new one) */
  CurrentsSnapshots      *snapshots;   /* a copy */
  CurrentsCnfTrainOptions options;
  double                  loss;
} TrainJob;

static void
train_job_free (gpointer data)
{
  TrainJob *job = data;

  g_clear_pointer (&job->population, currents_population_free);
  g_clear_pointer (&job->snapshots, currents_snapshots_free);
  g_clear_object (&job->view);
  g_free (job);
}

static CurrentsSnapshots *
copy_snapshots (const CurrentsSnapshots *s)
{
  g_autoptr (GStrvBuilder) b = g_strv_builder_new ();
  g_auto (GStrv) names = NULL;
  CurrentsSnapshots *copy;

  for (gsize i = 0; i < currents_snapshots_get_n_states (s); i++)
    g_strv_builder_add (b, currents_snapshots_get_state_name (s, i));
  names = g_strv_builder_end (b);
  copy = currents_snapshots_new ((const char *const *) names);
  for (gsize k = 0; k < currents_snapshots_get_n_times (s); k++)
    currents_snapshots_add (copy, currents_snapshots_get_time (s, k),
                            currents_snapshots_get_n_cells (s, k),
                            currents_snapshots_get_cells (s, k), NULL);
  return copy;
}

static gboolean
progress_idle_cb (gpointer data)
{
  CurrentsPopulationView *self = data;
  g_autofree char *text = NULL;
  gsize it;
  double loss;

  g_mutex_lock (&self->progress_lock);
  self->progress_idle = 0;
  it = self->progress_iteration;
  loss = self->progress_loss;
  g_mutex_unlock (&self->progress_lock);
  if (self->disposed || self->train_cancellable == NULL)
    return G_SOURCE_REMOVE;
  gtk_progress_bar_set_fraction (self->population_progress,
                                 MIN (1.0, (double) it / MAX (self->train_iterations, 1)));
  /* Translators: training progress; the loss is −mean log-likelihood per cell */
  text = g_strdup_printf (_("Training: step %zu of %u, −log-likelihood %.4f"), it,
                          self->train_iterations, loss);
  gtk_label_set_text (self->population_status, text);
  return G_SOURCE_REMOVE;
}

/* from the worker: one coalesced idle publishes the latest figures */
static gboolean
train_progress (gsize    iteration,
                double   loss,
                gpointer user_data)
{
  TrainJob *job = user_data;
  CurrentsPopulationView *self = job->view;

  g_mutex_lock (&self->progress_lock);
  self->progress_iteration = iteration + 1;
  self->progress_loss = loss;
  if (self->progress_idle == 0)
    self->progress_idle = g_idle_add_full (G_PRIORITY_LOW, progress_idle_cb,
                                           g_object_ref (self), g_object_unref);
  g_mutex_unlock (&self->progress_lock);
  return TRUE;
}

static void
train_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  TrainJob *job = task_data;
  GError *error = NULL;

  (void) source;
  if (currents_population_train (job->population, job->snapshots, &job->options, &job->loss,
                                 train_progress, job, cancellable, &error))
    g_task_return_pointer (task, g_steal_pointer (&job->population),
                           (GDestroyNotify) currents_population_free);
  else
    g_task_return_error (task, error);
}

static void
train_done_cb (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  CurrentsPopulationView *self = CURRENTS_POPULATION_VIEW (source);
  TrainJob *job = g_task_get_task_data (G_TASK (res));
  g_autoptr (GError) error = NULL;
  CurrentsPopulation *trained = g_task_propagate_pointer (G_TASK (res), &error);
  g_autofree char *name = NULL;

  (void) user_data;
  g_clear_object (&self->train_cancellable);
  if (self->disposed)
    {
      g_clear_pointer (&trained, currents_population_free);
      return;
    }
  if (trained == NULL)
    {
      if (!g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED))
        {
          g_free (self->error);
          self->error = g_strdup (error->message);
        }
      update_controls (self);
      update_status (self);
      return;
    }
  self->train_loss = job->loss;
  currents_population_set_data (trained, self->snapshots_name, NULL);
  name = self->population_name != NULL ? g_strdup (self->population_name)
                                        : g_strdup (_("Trained population"));
  currents_population_view_set_population (self, trained, name);
}

void
currents_population_view_train (CurrentsPopulationView *self)
{
  g_autoptr (GTask) task = NULL;
  g_autoptr (GError) error = NULL;
  TrainJob *job;
  gboolean reuse;

  g_return_if_fail (CURRENTS_IS_POPULATION_VIEW (self));

  if (self->snapshots == NULL || self->train_cancellable != NULL)
    return;
  job = g_new0 (TrainJob, 1);
  job->view = g_object_ref (self);
  job->snapshots = copy_snapshots (self->snapshots);
  reuse = self->population != NULL
          && currents_population_get_n_states (self->population)
             == currents_snapshots_get_n_states (self->snapshots);
  for (gsize i = 0; reuse && i < currents_snapshots_get_n_states (self->snapshots); i++)
    reuse = g_strcmp0 (currents_population_get_state_names (self->population)[i],
                       currents_snapshots_get_state_name (self->snapshots, i)) == 0;
  if (reuse)
    job->population = currents_population_copy (self->population);
  else
    {
      CurrentsNeuralSpec spec;

      currents_neural_spec_init (&spec);
      spec.n_hidden = 2;
      spec.hidden[0] = spec.hidden[1] = 16;
      spec.activation = CURRENTS_ACTIVATION_TANH;
      spec.seed = 1;
      job->population = currents_population_new_for_snapshots (self->snapshots, &spec, 2, 1,
                                                               &error);
      if (job->population == NULL)
        {
          g_free (self->error);
          self->error = g_strdup (error->message);
          update_status (self);
          train_job_free (job);
          return;
        }
    }
  currents_cnf_train_options_init (&job->options);
  job->options.n_iterations = self->train_iterations;
  job->options.learning_rate = 0.02;
  g_clear_pointer (&self->error, g_free);
  self->progress_iteration = 0;
  gtk_progress_bar_set_fraction (self->population_progress, 0.0);
  self->train_cancellable = g_cancellable_new ();
  update_controls (self);
  gtk_label_set_text (self->population_status, _("Training…"));
  task = g_task_new (self, self->train_cancellable, train_done_cb, NULL);
  /* cancelling stops early with the best model so far: a result, not an error */
  g_task_set_check_cancellable (task, FALSE);
  g_task_set_source_tag (task, currents_population_view_train);
  g_task_set_task_data (task, job, train_job_free);
  g_task_run_in_thread (task, train_thread);
}

void
currents_population_view_cancel_training (CurrentsPopulationView *self)
{
  g_return_if_fail (CURRENTS_IS_POPULATION_VIEW (self));
  if (self->train_cancellable != NULL)
    g_cancellable_cancel (self->train_cancellable);
}

gboolean
currents_population_view_get_training (CurrentsPopulationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_POPULATION_VIEW (self), FALSE);
  return self->train_cancellable != NULL;
}

void
currents_population_view_set_train_iterations (CurrentsPopulationView *self,
                                               guint                   n)
{
  g_return_if_fail (CURRENTS_IS_POPULATION_VIEW (self));
  g_return_if_fail (n >= 1);
  self->train_iterations = n;
}

double
currents_population_view_get_train_loss (CurrentsPopulationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_POPULATION_VIEW (self), NAN);
  return self->train_loss;
}

/* ---- drawing ------------------------------------------------------------------------ */

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* viridis, five anchors */
static void
colormap (double v, double *r, double *g, double *b)
{
  static const double anchors[5][3] = {
    { 0.267, 0.005, 0.329 }, { 0.231, 0.322, 0.545 }, { 0.129, 0.569, 0.549 },
    { 0.369, 0.788, 0.384 }, { 0.993, 0.906, 0.144 },
  };
  double x = CLAMP (v, 0.0, 1.0) * 4.0;
  int i = MIN ((int) x, 3);
  double f = x - i;

  *r = anchors[i][0] + f * (anchors[i + 1][0] - anchors[i][0]);
  *g = anchors[i][1] + f * (anchors[i + 1][1] - anchors[i][1]);
  *b = anchors[i][2] + f * (anchors[i + 1][2] - anchors[i][2]);
}

static void
draw_canvas (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  CurrentsPopulationView *self = data;
  const double margin = 36.0;
  double pw = width - 2 * margin, ph = height - 2 * margin, t;
  const double *box = self->have_box ? self->box : NULL;
  double b[4];
  gssize sx, sy;
  GdkRGBA fg;

  (void) area;
  if (pw < 10 || ph < 10)
    return;
  gtk_style_context_get_color (gtk_widget_get_style_context (GTK_WIDGET (self)), &fg);
  if (box == NULL && snapshot_box (self, b))
    box = b;
  if (box == NULL)
    return;
  t = gtk_adjustment_get_value (self->population_time_adjustment);
#define PX(v) (margin + ((v) - box[0]) / (box[1] - box[0]) * pw)
#define PY(v) (margin + ph - ((v) - box[2]) / (box[3] - box[2]) * ph)

  /* the heat map: log p below the top of the scale, 12 nats of range */
  if (self->grid != NULL && self->grid_x == self->x_axis && self->grid_y == self->y_axis)
    {
      guint nx = self->grid_nx, ny = self->grid_ny;
      cairo_surface_t *img = cairo_image_surface_create (CAIRO_FORMAT_RGB24, (int) nx, (int) ny);
      unsigned char *px = cairo_image_surface_get_data (img);
      int stride = cairo_image_surface_get_stride (img);
      double top = -INFINITY, cw, ch;

      /* the colour scale tops out at the 98th percentile: a narrow peak of the density
       * would otherwise leave the rest of the map dark */
      {
        g_autofree double *sorted = g_new (double, nx * ny);
        guint m = 0;

        for (guint c = 0; c < nx * ny; c++)
          if (isfinite (self->grid[c]))
            sorted[m++] = self->grid[c];
        if (m > 0)
          {
            qsort (sorted, m, sizeof (double), compare_doubles);
            top = sorted[MIN (m - 1, (guint) (0.98 * m))];
          }
      }
      cairo_surface_flush (img);
      for (guint j = 0; j < ny; j++)
        for (guint i = 0; i < nx; i++)
          {
            double v = self->grid[j * nx + i], r, g, bb;
            guint32 *p = (guint32 *) (px + (ny - 1 - j) * stride) + i;

            colormap (isfinite (v) ? 1.0 + (v - top) / 12.0 : 0.0, &r, &g, &bb);
            *p = ((guint32) (r * 255) << 16) | ((guint32) (g * 255) << 8) | (guint32) (bb * 255);
          }
      cairo_surface_mark_dirty (img);
      /* grid points are cell centres: the image spans half a cell beyond the box */
      cw = (self->grid_box[1] - self->grid_box[0]) / (nx - 1);
      ch = (self->grid_box[3] - self->grid_box[2]) / (ny - 1);
      cairo_save (cr);
      cairo_rectangle (cr, margin, margin, pw, ph);
      cairo_clip (cr);
      cairo_translate (cr, PX (self->grid_box[0] - cw / 2), PY (self->grid_box[3] + ch / 2));
      cairo_scale (cr, (PX (self->grid_box[1] + cw / 2) - PX (self->grid_box[0] - cw / 2)) / nx,
                   (PY (self->grid_box[2] - ch / 2) - PY (self->grid_box[3] + ch / 2)) / ny);
      cairo_set_source_surface (cr, img, 0, 0);
      cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_BILINEAR);
      cairo_paint (cr);
      cairo_restore (cr);
      cairo_surface_destroy (img);
    }

  cairo_save (cr);
  cairo_rectangle (cr, margin, margin, pw, ph);
  cairo_clip (cr);
  /* the sample paths up to t, a dot where they are at t */
  if (self->paths != NULL && self->paths_n_states == self->n_states)
    {
      guint n = self->paths_n_states;

      cairo_set_line_width (cr, 1.2);
      for (guint q = 0; q < self->paths_count; q++)
        {
          const double *pth = self->paths + (gsize) q * PATH_STEPS * n;
          double xe = pth[self->x_axis], ye = pth[self->y_axis];

          cairo_set_source_rgba (cr, 1, 1, 1, 0.75);
          cairo_move_to (cr, PX (xe), PY (ye));
          for (guint j = 1; j < PATH_STEPS; j++)
            {
              double ta = self->path_times[j - 1], tb = self->path_times[j];
              const double *a = pth + (j - 1) * n, *bq = pth + j * n;

              if (ta >= t)
                break;
              if (tb <= t)
                {
                  xe = bq[self->x_axis];
                  ye = bq[self->y_axis];
                }
              else
                {
                  double f = (t - ta) / (tb - ta);

                  xe = a[self->x_axis] + f * (bq[self->x_axis] - a[self->x_axis]);
                  ye = a[self->y_axis] + f * (bq[self->y_axis] - a[self->y_axis]);
                }
              cairo_line_to (cr, PX (xe), PY (ye));
            }
          cairo_stroke (cr);
          cairo_arc (cr, PX (xe), PY (ye), 2.5, 0, 2 * G_PI);
          cairo_fill (cr);
        }
    }
  /* the snapshot cells, fading in and out around their times */
  sx = snapshot_state (self, self->x_axis);
  sy = snapshot_state (self, self->y_axis);
  if (sx >= 0 && sy >= 0)
    {
      gsize K = currents_snapshots_get_n_times (self->snapshots);
      gsize n = currents_snapshots_get_n_states (self->snapshots);

      for (gsize k = 0; k < K; k++)
        {
          double tk = currents_snapshots_get_time (self->snapshots, k);
          double gap = (self->t1 - self->t0) / MAX (K, 1);
          double alpha = CLAMP (1.0 - fabs (t - tk) / (0.5 * gap), 0.0, 1.0);
          const double *c = currents_snapshots_get_cells (self->snapshots, k);

          if (k > 0)
            gap = MIN (gap, tk - currents_snapshots_get_time (self->snapshots, k - 1));
          if (k + 1 < K)
            gap = MIN (gap, currents_snapshots_get_time (self->snapshots, k + 1) - tk);
          alpha = CLAMP (1.0 - fabs (t - tk) / (0.5 * gap), 0.0, 1.0);
          if (alpha <= 0.0)
            continue;
          for (gsize r = 0; r < currents_snapshots_get_n_cells (self->snapshots, k); r++)
            {
              cairo_arc (cr, PX (c[r * n + sx]), PY (c[r * n + sy]), 2.0, 0, 2 * G_PI);
              cairo_set_source_rgba (cr, 0.95, 0.3, 0.2, 0.85 * alpha);
              cairo_fill (cr);
            }
        }
    }
  cairo_restore (cr);

  /* frame and axes */
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.8);
  cairo_set_line_width (cr, 1.0);
  cairo_rectangle (cr, margin + 0.5, margin + 0.5, pw - 1, ph - 1);
  cairo_stroke (cr);
  {
    PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (self), NULL);
    char buf[64];
    int tw, th;

    g_snprintf (buf, sizeof buf, "%.3g", box[0]);
    pango_layout_set_text (layout, buf, -1);
    cairo_move_to (cr, margin, margin + ph + 4);
    pango_cairo_show_layout (cr, layout);
    g_snprintf (buf, sizeof buf, "%.3g", box[1]);
    pango_layout_set_text (layout, buf, -1);
    pango_layout_get_pixel_size (layout, &tw, &th);
    cairo_move_to (cr, margin + pw - tw, margin + ph + 4);
    pango_cairo_show_layout (cr, layout);
    pango_layout_set_text (layout, self->names[self->x_axis], -1);
    pango_layout_get_pixel_size (layout, &tw, &th);
    cairo_move_to (cr, margin + pw / 2 - tw / 2.0, margin + ph + 4);
    pango_cairo_show_layout (cr, layout);
    g_snprintf (buf, sizeof buf, "%.3g", box[2]);
    pango_layout_set_text (layout, buf, -1);
    pango_layout_get_pixel_size (layout, &tw, &th);
    cairo_move_to (cr, margin - tw - 4, margin + ph - th);
    pango_cairo_show_layout (cr, layout);
    g_snprintf (buf, sizeof buf, "%.3g", box[3]);
    pango_layout_set_text (layout, buf, -1);
    pango_layout_get_pixel_size (layout, &tw, &th);
    cairo_move_to (cr, margin - tw - 4, margin);
    pango_cairo_show_layout (cr, layout);
    pango_layout_set_text (layout, self->names[self->y_axis], -1);
    pango_layout_get_pixel_size (layout, &tw, &th);
    cairo_move_to (cr, margin, margin - th - 4);
    pango_cairo_show_layout (cr, layout);
    g_object_unref (layout);
  }
#undef PX
#undef PY
}

/* ---- signals ------------------------------------------------------------------------ */

static void
time_changed_cb (CurrentsPopulationView *self)
{
  update_time_label (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->population_canvas));
  if (!self->syncing)
    request_update (self);
}

static void
axis_selected_cb (CurrentsPopulationView *self)
{
  guint x = gtk_drop_down_get_selected (self->population_x_dropdown);
  guint y = gtk_drop_down_get_selected (self->population_y_dropdown);

  if (self->syncing || x >= self->n_states || y >= self->n_states)
    return;
  currents_population_view_set_axes (self, x, y);
}

static void
currents_population_view_dispose (GObject *object)
{
  CurrentsPopulationView *self = CURRENTS_POPULATION_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  if (self->train_cancellable != NULL)
    g_cancellable_cancel (self->train_cancellable);
  g_clear_object (&self->train_cancellable);
  g_clear_handle_id (&self->idle_source, g_source_remove);
  self->generation++;
  self->disposed = TRUE;

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_POPULATION_VIEW);
  /* children the template made but did not bind */
  _currents_view_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (currents_population_view_parent_class)->dispose (object);
}

static void
currents_population_view_finalize (GObject *object)
{
  CurrentsPopulationView *self = CURRENTS_POPULATION_VIEW (object);

  g_clear_pointer (&self->population, currents_population_free);
  g_clear_pointer (&self->snapshots, currents_snapshots_free);
  g_free (self->population_name);
  g_free (self->snapshots_name);
  g_strfreev (self->names);
  g_free (self->grid);
  g_free (self->paths);
  g_free (self->path_times);
  g_free (self->error);
  g_mutex_clear (&self->progress_lock);
  G_OBJECT_CLASS (currents_population_view_parent_class)->finalize (object);
}

static void
currents_population_view_class_init (CurrentsPopulationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_population_view_dispose;
  object_class->finalize = currents_population_view_finalize;
  /* the model or the data shown changed (or went away) */
  signals[SIGNAL_CONTENT_CHANGED] =
    g_signal_new ("content-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL,
                  NULL, NULL, G_TYPE_NONE, 0);
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-population-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView, population_stack);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView, population_canvas);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView,
                                        population_x_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView,
                                        population_y_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView,
                                        population_time_scale);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView,
                                        population_time_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView,
                                        population_time_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView, population_status);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView,
                                        population_train_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView,
                                        population_cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPopulationView,
                                        population_progress);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "populationview");
}

static void
currents_population_view_init (CurrentsPopulationView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_mutex_init (&self->progress_lock);
  self->grid_size = 64;
  self->n_paths = 20;
  self->train_iterations = 200;
  self->train_loss = NAN;
  self->names = g_new0 (char *, 1);
  self->t1 = 1.0;

  gtk_drawing_area_set_draw_func (self->population_canvas, draw_canvas, self, NULL);
  g_signal_connect_swapped (self->population_time_adjustment, "value-changed",
                            G_CALLBACK (time_changed_cb), self);
  g_signal_connect_swapped (self->population_x_dropdown, "notify::selected",
                            G_CALLBACK (axis_selected_cb), self);
  g_signal_connect_swapped (self->population_y_dropdown, "notify::selected",
                            G_CALLBACK (axis_selected_cb), self);
  g_signal_connect_swapped (self->population_train_button, "clicked",
                            G_CALLBACK (currents_population_view_train), self);
  g_signal_connect_swapped (self->population_cancel_button, "clicked",
                            G_CALLBACK (currents_population_view_cancel_training), self);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (unmap_cb), NULL);
  update_controls (self);
  update_time_label (self);
}
