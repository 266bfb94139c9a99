/* currents-portrait.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The phase portrait of a model (equation or trained), of data, or of both, with a side
 * panel of sliders for the model's inputs and parameters and the states off the axes.
 *
 * Work is split by cost. The live layers — the direction field on the arrow grid,
 * nullclines, equilibria — follow every slider movement: one worker job at a time
 * computes them in preview quality from a snapshot of the parameters (the newest request
 * waits and wins; requests in between are skipped), and once nothing has changed for
 * SETTLE_MS the same layers are recomputed in full quality. Then the heavy layers —
 * separatrices, basins (coarse, then fine), sample trajectories, and the trajectories
 * the user launched, recomputed for the new parameters — run as their own GTasks under
 * one GCancellable that the next change cancels; they fade in. Every result carries the
 * generation (content and axes) and serial (parameters, view) it was made for and is
 * applied only if it still matches what is on screen. While parameters move, heavy
 * layers computed for older ones are dimmed.
 *
 * With time on an axis the portrait shows trajectories against time instead, simulated
 * in a thread as before.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-portrait"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "currents-portrait-private.h"

#define SETTLE_MS        180
#define FADE_MS          450
#define STALE_OPACITY    0.3
#define SAMPLE_GRID      4
#define BASINS_COARSE    20
#define BASINS_FINE      64
#define MIN_OUTPUT_TIMES 301    /* more when the file's dt asks for it */
#define MAX_OUTPUT_TIMES 4001
#define LEVEL_STARTS     6      /* initial states when one axis is time */
#define MAX_DATA_LEGEND  6
#define PICK_RADIUS      10.0

G_DEFINE_FINAL_TYPE (CurrentsPortrait, currents_portrait, GTK_TYPE_WIDGET)

enum {
  PROP_0,
  PROP_VARIABLES,
  PROP_X_AXIS,
  PROP_Y_AXIS,
  PROP_SCALE_ARROWS,
  PROP_SHOW_LEGEND,
  PROP_BUSY,
  PROP_LAYER_FIELD,
  PROP_LAYER_NULLCLINES,
  PROP_LAYER_EQUILIBRIA,
  PROP_LAYER_SEPARATRICES,
  PROP_LAYER_BASINS,
  PROP_LAYER_TRAJECTORIES,
  PROP_LAYER_LAUNCHED,
  PROP_LAYER_DATA,
  PROP_SHOW_PARAMETERS,
  PROP_FIELD_STYLE,
  PROP_DIRECTION,
  N_PROPS
};

static const char *const field_styles[] = { "normalized", "scaled", "streamlines" };
static const char *const directions[] = { "backward", "both", "forward" };

static GParamSpec *properties[N_PROPS];

enum {
  CONTENT_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static const struct
{
  guint              prop;
  CurrentsPlotLayers layer;
} layer_props[] = {
  { PROP_LAYER_FIELD, CURRENTS_PLOT_LAYER_FIELD },
  { PROP_LAYER_NULLCLINES, CURRENTS_PLOT_LAYER_NULLCLINES },
  { PROP_LAYER_EQUILIBRIA, CURRENTS_PLOT_LAYER_EQUILIBRIA },
  { PROP_LAYER_SEPARATRICES, CURRENTS_PLOT_LAYER_SEPARATRICES },
  { PROP_LAYER_BASINS, CURRENTS_PLOT_LAYER_BASINS },
  { PROP_LAYER_TRAJECTORIES, CURRENTS_PLOT_LAYER_TRAJECTORIES },
  { PROP_LAYER_LAUNCHED, CURRENTS_PLOT_LAYER_LAUNCHED },
  { PROP_LAYER_DATA, CURRENTS_PLOT_LAYER_DATA },
};

#define DEFAULT_LAYERS (CURRENTS_PLOT_LAYER_FIELD | CURRENTS_PLOT_LAYER_NULLCLINES        \
                        | CURRENTS_PLOT_LAYER_EQUILIBRIA | CURRENTS_PLOT_LAYER_TRAJECTORIES \
                        | CURRENTS_PLOT_LAYER_LAUNCHED | CURRENTS_PLOT_LAYER_DATA)

static void request_live     (CurrentsPortrait *self,
                              gboolean          parameters);
static void start_heavy      (CurrentsPortrait *self);
static void start_launch     (CurrentsPortrait *self,
                              Launch           *launch);
static void queue_rebuild    (CurrentsPortrait *self);
static void add_data_curves  (CurrentsPortrait *self);

static gboolean
is_cancellation (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
         || g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
}

static double *
copy_doubles (const double *v,
              gsize         n)
{
  return v != NULL && n > 0 ? g_memdup2 (v, n * sizeof (double)) : g_new0 (double, MAX (n, 1));
}

/* The plane: two different states on the axes (else trajectories against time). */
static gboolean
plane_mode (CurrentsPortrait *self)
{
  return self->system != NULL && self->x_axis < self->n_states && self->y_axis < self->n_states
         && self->x_axis != self->y_axis;
}

static const char *
variable_name (CurrentsPortrait *self,
               guint             i)
{
  return i < g_list_model_get_n_items (G_LIST_MODEL (self->variables))
         ? gtk_string_list_get_string (self->variables, i) : NULL;
}

static void
update_busy (CurrentsPortrait *self)
{
  gboolean busy = self->rebuild_source != 0 || self->live_running || self->live_pending
                  || self->settle_source != 0 || self->heavy_running > 0
                  || self->sim_running > 0 || self->launches_running > 0;
  gboolean heavy = self->heavy_running > 0 || self->sim_running > 0;

  gtk_widget_set_visible (self->status_box, heavy);
  gtk_spinner_set_spinning (self->status_spinner, heavy);
  if (busy == self->busy)
    return;
  self->busy = busy;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
set_status (CurrentsPortrait *self,
            const char       *text)
{
  gtk_label_set_label (self->status_label, text);
}

/* ------------------------------------------------------------------------------------ */
/* Fading layers in                                                                      */

typedef struct
{
  CurrentsPortrait   *self;
  CurrentsPlotLayers  layer;
} FadeTarget;

static guint
layer_slot (CurrentsPlotLayers layer)
{
  for (guint i = 0; i < CURRENTS_PLOT_N_LAYERS; i++)
    if (layer == (CurrentsPlotLayers) (1u << i))
      return i;
  return 0;
}

static void
fade_cb (double   value,
         gpointer user_data)
{
  FadeTarget *t = user_data;

  currents_plot_scene_set_layer_opacity (t->self->scene, t->layer, value);
  gtk_widget_queue_draw (GTK_WIDGET (t->self->canvas));
}

static void
set_opacity (CurrentsPortrait   *self,
             CurrentsPlotLayers  layer,
             double              opacity)
{
  guint slot = layer_slot (layer);

  if (self->fades[slot] != NULL)
    adw_animation_pause (self->fades[slot]);
  currents_plot_scene_set_layer_opacity (self->scene, layer, opacity);
}

static void
fade_in (CurrentsPortrait   *self,
         CurrentsPlotLayers  layer,
         double              from)
{
  guint slot = layer_slot (layer);

  if (self->fades[slot] == NULL)
    {
      FadeTarget *t = g_new0 (FadeTarget, 1);
      AdwAnimationTarget *target;

      t->self = self;
      t->layer = layer;
      target = adw_callback_animation_target_new (fade_cb, t, g_free);
      self->fades[slot] = adw_timed_animation_new (GTK_WIDGET (self->canvas), 0.0, 1.0, FADE_MS,
                                                   target);
      adw_timed_animation_set_easing (ADW_TIMED_ANIMATION (self->fades[slot]), ADW_EASE_OUT_CUBIC);
    }
  adw_animation_pause (self->fades[slot]);
  adw_timed_animation_set_value_from (ADW_TIMED_ANIMATION (self->fades[slot]), from);
  currents_plot_scene_set_layer_opacity (self->scene, layer, from);
  adw_animation_play (self->fades[slot]);
}

/* ------------------------------------------------------------------------------------ */
/* Trajectories against time (and the initial trajectory that fits a view)               */

typedef struct
{
  gsize   n;
  double *xy;   /* n × 2 */
} Track;

typedef struct
{
  /* input, copied */
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
  gboolean            initial_only;
  gboolean            has_window;
  double              window[4];
  gboolean            has_hint;
  double              hint[4];
  guint               generation;
  guint               serial;

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
  if (job->initial_only)
    {
      g_task_return_boolean (task, TRUE);
      return;
    }

  /* Initial states spread over the view; a time axis is not a state to vary. */
  {
    guint nx = job->ix < 0 ? 1 : LEVEL_STARTS;
    guint ny = job->iy < 0 ? 1 : LEVEL_STARTS;

    if (job->ix < 0 && job->iy < 0)
      nx = ny = 0;
    if (job->ix >= 0 && job->iy >= 0)
      nx = ny = SAMPLE_GRID;
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

static void set_view_internal (CurrentsPortrait *self,
                               const double      view[4]);

static void
simulate_done (GObject      *object,
               GAsyncResult *result,
               gpointer      user_data)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);
  SimJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  if (job->generation != self->generation)
    return;
  self->sim_running--;
  update_busy (self);

  if (!ok)
    {
      if (!is_cancellation (error))
        g_debug ("Simulation failed: %s", error->message);
      if (is_cancellation (error))
        return;
      /* Still show the field and the data somewhere sensible. */
      if (!self->has_view)
        {
          double box[4] = { -1.0, 1.0, -1.0, 1.0 };

          if (job->has_hint)
            {
              memcpy (box, job->hint, sizeof box);
              currents_plot_pad_range (&box[0], &box[1], 0.05);
              currents_plot_pad_range (&box[2], &box[3], 0.05);
            }
          memcpy (self->home, box, sizeof box);
          set_view_internal (self, box);
          if (plane_mode (self))
            request_live (self, FALSE);
        }
      gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
      return;
    }

  /* The view the thread chose holds the data's extent too. */
  if (!job->has_window && !self->view_moved)
    {
      memcpy (self->home, job->view, sizeof self->home);
      set_view_internal (self, job->view);
      if (plane_mode (self))
        request_live (self, FALSE);
    }
  if (job->initial_only || job->serial != self->serial)
    {
      gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
      return;
    }

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
                                   _("Initial state"),
                                   job->initial->xy, 2, job->initial->xy + 1, 2,
                                   job->initial->n, 0);
  set_opacity (self, CURRENTS_PLOT_LAYER_TRAJECTORIES, 1.0);
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

static void apply_tolerance_preferences (CurrentsSimOptions *o);

static void
start_simulation (CurrentsPortrait *self,
                  gboolean          initial_only,
                  gboolean          has_window,
                  const double      window[4],
                  gboolean          has_hint,
                  const double      hint[4])
{
  g_autoptr(GTask) task = NULL;
  CurrentsSystem *sys = self->system;
  SimJob *job;
  const CurrentsModel *model = currents_system_get_model (sys);
  double dt = model != NULL && currents_system_get_trained (sys) == NULL
              ? currents_model_get_options (model)->dt : 0.0;
  double total = currents_system_get_total (sys);

  job = g_new0 (SimJob, 1);
  job->field = currents_field_ref (currents_system_get_field (sys));
  currents_sim_options_init (&job->options);
  currents_system_get_sim_options (sys, &job->options);
  apply_tolerance_preferences (&job->options);
  job->n = currents_system_get_n_states (sys);
  job->x0 = copy_doubles (currents_system_get_initial (sys), job->n);
  job->p = copy_doubles (currents_system_get_params (sys), currents_system_get_n_params (sys));
  job->n_inputs = currents_system_get_n_inputs (sys);
  job->u = copy_doubles (currents_system_get_inputs (sys), job->n_inputs);
  job->t0 = currents_system_get_t0 (sys);
  job->t1 = job->t0 + (total > 0.0 && isfinite (total) ? total : 20.0);
  /* Output every dt (XPP's own sampling), within bounds that keep drawing fast. */
  job->n_times = MIN_OUTPUT_TIMES;
  if (dt > 0.0 && isfinite (dt))
    job->n_times = (gsize) CLAMP (ceil ((job->t1 - job->t0) / dt) + 1, MIN_OUTPUT_TIMES,
                                  MAX_OUTPUT_TIMES);
  job->ix = self->x_axis >= self->n_states ? -1 : (int) self->x_axis;
  job->iy = self->y_axis >= self->n_states ? -1 : (int) self->y_axis;
  job->initial_only = initial_only;
  job->has_window = has_window;
  if (has_window)
    memcpy (job->window, window, sizeof job->window);
  job->has_hint = has_hint;
  if (has_hint)
    memcpy (job->hint, hint, sizeof job->hint);
  job->generation = self->generation;
  job->serial = self->serial;

  task = g_task_new (self, self->cancellable, simulate_done, NULL);
  g_task_set_source_tag (task, start_simulation);
  g_task_set_task_data (task, job, sim_job_free);
  g_task_run_in_thread (task, simulate_thread);
  self->sim_running++;
  set_status (self, _("Simulating…"));
  update_busy (self);
}

/* ------------------------------------------------------------------------------------ */
/* The live layers                                                                       */

/* The drawn trajectories' tolerances from the preferences (solver-rtol, solver-atol):
 * for adaptive methods only, and never looser than the model's own. */
static void
apply_tolerance_preferences (CurrentsSimOptions *o)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;
  g_autoptr(GSettings) settings = NULL;

  if (source == NULL || currents_method_is_fixed_step (o->method))
    return;
  schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL || !g_settings_schema_has_key (schema, "solver-rtol"))
    return;
  settings = g_settings_new (APP_ID);
  o->rtol = MIN (o->rtol, g_settings_get_double (settings, "solver-rtol"));
  o->atol = MIN (o->atol, g_settings_get_double (settings, "solver-atol"));
}

static CurrentsPortraitSpec *
make_spec (CurrentsPortrait *self)
{
  CurrentsPortraitSpec *spec;

  spec = currents_portrait_spec_new_for_system (self->system, (int) self->x_axis,
                                                (int) self->y_axis, self->view);
  apply_tolerance_preferences (&spec->sim);
  return spec;
}

/* The arrow grid for the plot area as last drawn, or as the canvas suggests. */
static void
field_grid_size (CurrentsPortrait *self,
                 gsize            *nx,
                 gsize            *ny)
{
  CurrentsPlotViewport vp;
  double w, h;

  if (currents_plot_scene_get_viewport (self->scene, &vp))
    {
      w = vp.width;
      h = vp.height;
    }
  else
    {
      w = MAX (gtk_widget_get_width (GTK_WIDGET (self->canvas)), 640) - 130;
      h = MAX (gtk_widget_get_height (GTK_WIDGET (self->canvas)), 480) - 60;
    }
  currents_plot_scene_get_field_grid_size (self->scene, w, h, nx, ny);
}

typedef struct
{
  CurrentsPortraitSpec   *spec;
  CurrentsPlotLayers      layers;
  gsize                   nx, ny;
  CurrentsPortraitQuality quality;
  guint                   generation;
  guint                   serial;
  guint                   view_serial;
  CurrentsPortraitLive   *live;
} LiveJob;

static void
live_job_free (gpointer data)
{
  LiveJob *job = data;

  currents_portrait_spec_free (job->spec);
  currents_portrait_live_free (job->live);
  g_free (job);
}

static void
live_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  LiveJob *job = task_data;
  GError *error = NULL;

  job->live = currents_portrait_compute_live (job->spec, job->layers, job->nx, job->ny,
                                              job->quality, cancellable, &error);
  if (job->live == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void start_live (CurrentsPortrait        *self,
                        CurrentsPortraitQuality  quality);

static gboolean
settle_cb (gpointer user_data)
{
  CurrentsPortrait *self = user_data;

  self->settle_source = 0;
  if (!plane_mode (self))
    {
      /* time on an axis: simulate again for the new parameters */
      start_simulation (self, FALSE, TRUE, self->view, FALSE, NULL);
      update_busy (self);
      return G_SOURCE_REMOVE;
    }
  if (self->live_running)
    {
      /* a preview is still running: it settles when it is done */
      self->live_pending = TRUE;
      update_busy (self);
      return G_SOURCE_REMOVE;
    }
  start_live (self, CURRENTS_PORTRAIT_FULL);
  return G_SOURCE_REMOVE;
}

static void
schedule_settle (CurrentsPortrait *self)
{
  g_clear_handle_id (&self->settle_source, g_source_remove);
  self->settle_source = g_timeout_add (SETTLE_MS, settle_cb, self);
}

static void
live_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);
  LiveJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);

  /* Content or axes changed meanwhile: that work has its own jobs. */
  if (job->generation != self->generation)
    return;
  self->live_running = FALSE;
  g_clear_object (&self->live_cancellable);

  if (ok)
    {
      const char *x = variable_name (self, self->x_axis), *y = variable_name (self, self->y_axis);

      currents_portrait_scene_set_live (self->scene, job->live, x, y,
                                        _currents_portrait_labels ());
      self->grid_nx = job->nx;
      self->grid_ny = job->ny;
      self->n_updates++;
      if (job->live->equilibria != NULL)
        {
          g_clear_pointer (&self->equilibria, g_ptr_array_unref);
          self->equilibria = g_steal_pointer (&job->live->equilibria);
        }
      g_debug ("Live layers (%s) in %.1f ms",
               job->quality == CURRENTS_PORTRAIT_FULL ? "full" : "preview",
               1e3 * job->live->seconds);
      gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
    }
  else if (!is_cancellation (error))
    g_debug ("Live layers failed: %s", error->message);

  if (self->live_pending)
    {
      /* the newest request */
      self->live_pending = FALSE;
      start_live (self, self->settle_source == 0 ? CURRENTS_PORTRAIT_FULL
                                                 : CURRENTS_PORTRAIT_PREVIEW);
    }
  else if (ok && job->quality == CURRENTS_PORTRAIT_FULL && job->view_serial == self->view_serial)
    start_heavy (self);
  update_busy (self);
}

static void
start_live (CurrentsPortrait        *self,
            CurrentsPortraitQuality  quality)
{
  g_autoptr(GTask) task = NULL;
  LiveJob *job;

  if (!plane_mode (self) || !self->has_view)
    return;

  job = g_new0 (LiveJob, 1);
  job->spec = make_spec (self);
  job->layers = CURRENTS_PLOT_LAYER_FIELD | CURRENTS_PLOT_LAYER_NULLCLINES
                | CURRENTS_PLOT_LAYER_EQUILIBRIA;
  field_grid_size (self, &job->nx, &job->ny);
  job->quality = quality;
  job->generation = self->generation;
  job->serial = self->serial;
  job->view_serial = self->view_serial;

  self->live_cancellable = g_cancellable_new ();
  g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                           self->live_cancellable, G_CONNECT_SWAPPED);
  task = g_task_new (self, self->live_cancellable, live_done, NULL);
  g_task_set_source_tag (task, start_live);
  g_task_set_task_data (task, job, live_job_free);
  g_task_run_in_thread (task, live_thread);
  self->live_running = TRUE;
  self->live_full = quality == CURRENTS_PORTRAIT_FULL;
  update_busy (self);
}

static void
dim_stale (CurrentsPortrait *self)
{
  static const CurrentsPlotLayers stale[] = {
    CURRENTS_PLOT_LAYER_SEPARATRICES, CURRENTS_PLOT_LAYER_BASINS,
    CURRENTS_PLOT_LAYER_TRAJECTORIES, CURRENTS_PLOT_LAYER_LAUNCHED,
  };

  for (guint i = 0; i < G_N_ELEMENTS (stale); i++)
    set_opacity (self, stale[i], STALE_OPACITY);
}

/* Parameters or the view changed: the newest request wins. */
static void
request_live (CurrentsPortrait *self,
              gboolean          parameters)
{
  if (self->system == NULL)
    return;
  if (parameters)
    {
      self->serial++;
      dim_stale (self);
    }
  self->view_serial++;

  /* the heavy layers of the last settled state are out of date */
  if (self->heavy_cancellable != NULL)
    g_cancellable_cancel (self->heavy_cancellable);
  g_clear_object (&self->heavy_cancellable);
  self->heavy_running = 0;

  schedule_settle (self);
  if (plane_mode (self))
    {
      if (self->live_running)
        {
          /* a full-quality job is not worth finishing; a preview is nearly done */
          self->live_pending = TRUE;
          if (self->live_full && self->live_cancellable != NULL)
            g_cancellable_cancel (self->live_cancellable);
        }
      else
        start_live (self, CURRENTS_PORTRAIT_PREVIEW);
    }
  update_busy (self);
}

/* ------------------------------------------------------------------------------------ */
/* The heavy layers                                                                      */

typedef enum
{
  HEAVY_SEPARATRICES,
  HEAVY_BASINS_COARSE,
  HEAVY_BASINS_FINE,
  HEAVY_SAMPLES,
} HeavyKind;

typedef struct
{
  HeavyKind             kind;
  CurrentsPortraitSpec *spec;
  GPtrArray            *equilibria;
  guint                 generation;
  guint                 view_serial;
  GCancellable         *heavy;       /* the batch it belongs to */
  GPtrArray            *result;      /* separatrices or trajectories */
  CurrentsBasins       *basins;
} HeavyJob;

static void
heavy_job_free (gpointer data)
{
  HeavyJob *job = data;

  currents_portrait_spec_free (job->spec);
  g_clear_pointer (&job->equilibria, g_ptr_array_unref);
  g_clear_pointer (&job->result, g_ptr_array_unref);
  g_clear_pointer (&job->basins, currents_basins_free);
  g_clear_object (&job->heavy);
  g_free (job);
}

static void
heavy_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  HeavyJob *job = task_data;
  GError *error = NULL;

  switch (job->kind)
    {
    case HEAVY_SEPARATRICES:
      job->result = currents_portrait_separatrices (job->spec, job->equilibria, cancellable,
                                                    &error);
      break;
    case HEAVY_BASINS_COARSE:
      job->basins = currents_portrait_basins (job->spec, BASINS_COARSE, BASINS_COARSE,
                                              cancellable, &error);
      break;
    case HEAVY_BASINS_FINE:
      job->basins = currents_portrait_basins (job->spec, BASINS_FINE, BASINS_FINE, cancellable,
                                              &error);
      break;
    case HEAVY_SAMPLES:
    default:
      job->result = currents_portrait_sample_trajectories (job->spec, SAMPLE_GRID, cancellable,
                                                          &error);
      break;
    }
  if (job->result == NULL && job->basins == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void start_heavy_job (CurrentsPortrait *self,
                             HeavyKind         kind);

static void
heavy_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);
  HeavyJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  const CurrentsPortraitLabels *labels = _currents_portrait_labels ();

  /* A newer batch replaced this one (and reset the count). */
  if (job->generation != self->generation || job->heavy != self->heavy_cancellable)
    return;
  self->heavy_running--;
  update_busy (self);
  if (!ok)
    {
      if (!is_cancellation (error))
        g_debug ("Background layer failed: %s", error->message);
      return;
    }
  if (job->view_serial != self->view_serial)
    return;

  switch (job->kind)
    {
    case HEAVY_SEPARATRICES:
      currents_portrait_scene_set_separatrices (self->scene, job->result, labels);
      fade_in (self, CURRENTS_PLOT_LAYER_SEPARATRICES, 0.0);
      break;
    case HEAVY_BASINS_COARSE:
      currents_portrait_scene_set_basins (self->scene, job->basins, labels);
      fade_in (self, CURRENTS_PLOT_LAYER_BASINS, 0.0);
      start_heavy_job (self, HEAVY_BASINS_FINE);
      break;
    case HEAVY_BASINS_FINE:
      currents_portrait_scene_set_basins (self->scene, job->basins, labels);
      set_opacity (self, CURRENTS_PLOT_LAYER_BASINS, 1.0);
      break;
    case HEAVY_SAMPLES:
    default:
      currents_portrait_scene_set_samples (self->scene, job->result, labels);
      fade_in (self, CURRENTS_PLOT_LAYER_TRAJECTORIES, STALE_OPACITY);
      break;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

static void
start_heavy_job (CurrentsPortrait *self,
                 HeavyKind         kind)
{
  g_autoptr(GTask) task = NULL;
  HeavyJob *job;

  if (self->heavy_cancellable == NULL)
    {
      self->heavy_cancellable = g_cancellable_new ();
      g_signal_connect_object (self->cancellable, "cancelled", G_CALLBACK (g_cancellable_cancel),
                               self->heavy_cancellable, G_CONNECT_SWAPPED);
    }
  job = g_new0 (HeavyJob, 1);
  job->kind = kind;
  job->spec = make_spec (self);
  if (kind == HEAVY_SEPARATRICES && self->equilibria != NULL)
    {
      job->equilibria = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_equilibrium_free);
      for (guint i = 0; i < self->equilibria->len; i++)
        g_ptr_array_add (job->equilibria,
                         currents_equilibrium_copy (g_ptr_array_index (self->equilibria, i)));
    }
  job->generation = self->generation;
  job->view_serial = self->view_serial;
  job->heavy = g_object_ref (self->heavy_cancellable);

  task = g_task_new (self, self->heavy_cancellable, heavy_done, NULL);
  g_task_set_source_tag (task, start_heavy_job);
  g_task_set_task_data (task, job, heavy_job_free);
  g_task_run_in_thread (task, heavy_thread);
  self->heavy_running++;
  update_busy (self);
}

/* Everything the settled state needs that the layers shown ask for. */
static void
start_heavy (CurrentsPortrait *self)
{
  gboolean autonomous;

  if (!plane_mode (self) || self->heavy_cancellable != NULL)
    return;
  autonomous = currents_field_is_autonomous (currents_system_get_field (self->system));
  if (self->layers & CURRENTS_PLOT_LAYER_TRAJECTORIES)
    start_heavy_job (self, HEAVY_SAMPLES);
  if ((self->layers & CURRENTS_PLOT_LAYER_SEPARATRICES) && autonomous)
    start_heavy_job (self, HEAVY_SEPARATRICES);
  if ((self->layers & CURRENTS_PLOT_LAYER_BASINS) && autonomous)
    {
      set_status (self, _("Computing basins…"));
      start_heavy_job (self, HEAVY_BASINS_COARSE);
    }
  else
    set_status (self, _("Computing…"));
  for (guint i = 0; i < self->launches->len; i++)
    {
      Launch *launch = g_ptr_array_index (self->launches, i);

      if (launch->serial != self->serial || launch->branches == NULL)
        start_launch (self, launch);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Launched trajectories                                                                 */

static void
launch_free (gpointer data)
{
  Launch *launch = data;

  g_clear_pointer (&launch->branches, g_ptr_array_unref);
  g_free (launch);
}

typedef struct
{
  CurrentsPortraitSpec *spec;
  double                x, y;
  int                   direction;
  guint                 generation;
  guint                 serial;
  Launch               *launch;      /* not a reference: checked by generation */
  GPtrArray            *branches;
} LaunchJob;

static void
launch_job_free (gpointer data)
{
  LaunchJob *job = data;

  currents_portrait_spec_free (job->spec);
  g_clear_pointer (&job->branches, g_ptr_array_unref);
  g_free (job);
}

static void
launch_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  LaunchJob *job = task_data;
  GError *error = NULL;

  job->branches = currents_portrait_trajectories_from (job->spec, job->x, job->y,
                                                       job->direction, cancellable, &error);
  if (job->branches == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
show_launches (CurrentsPortrait *self)
{
  currents_plot_scene_clear_curves (self->scene, CURRENTS_PLOT_CURVE_LAUNCHED);
  for (guint i = 0; i < self->launches->len; i++)
    {
      Launch *launch = g_ptr_array_index (self->launches, i);

      if (launch->branches != NULL)
        currents_portrait_scene_add_launched (self->scene, launch->branches, launch->x,
                                              launch->y, _currents_portrait_labels ());
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

static void
launch_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);
  LaunchJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  gboolean ok = g_task_propagate_boolean (G_TASK (result), &error);
  gboolean current_launch = FALSE;

  if (job->generation != self->generation)
    return;
  self->launches_running--;
  update_busy (self);
  for (guint i = 0; i < self->launches->len; i++)
    current_launch |= g_ptr_array_index (self->launches, i) == job->launch;
  if (!current_launch)
    return;   /* cleared meanwhile */
  if (!ok)
    {
      if (!is_cancellation (error))
        g_debug ("Trajectory from (%g, %g) failed: %s", job->x, job->y, error->message);
      return;
    }
  if (job->serial != self->serial && job->launch->branches != NULL)
    return;   /* parameters moved on; a newer run comes when they settle */
  g_clear_pointer (&job->launch->branches, g_ptr_array_unref);
  job->launch->branches = g_steal_pointer (&job->branches);
  job->launch->serial = job->serial;
  show_launches (self);
  {
    gboolean all = TRUE;

    for (guint i = 0; i < self->launches->len; i++)
      all &= ((Launch *) g_ptr_array_index (self->launches, i))->serial == self->serial;
    if (all)
      set_opacity (self, CURRENTS_PLOT_LAYER_LAUNCHED, 1.0);
  }
}

static void
start_launch (CurrentsPortrait *self,
              Launch           *launch)
{
  g_autoptr(GTask) task = NULL;
  LaunchJob *job = g_new0 (LaunchJob, 1);

  job->spec = make_spec (self);
  job->x = launch->x;
  job->y = launch->y;
  job->direction = launch->direction;
  job->generation = self->generation;
  job->serial = self->serial;
  job->launch = launch;

  task = g_task_new (self, self->cancellable, launch_done, NULL);
  g_task_set_source_tag (task, start_launch);
  g_task_set_task_data (task, job, launch_job_free);
  g_task_run_in_thread (task, launch_thread);
  self->launches_running++;
  update_busy (self);
}

/* ------------------------------------------------------------------------------------ */
/* Content                                                                               */

static int
model_axis (CurrentsSystem *system,
            const char     *name,
            guint           n_states)
{
  if (name == NULL)
    return -1;
  if (g_ascii_strcasecmp (name, "t") == 0)
    return n_states;
  return currents_system_find_state (system, name);
}

/* The file's window axes, as variable indices. */
static void
default_axes (CurrentsPortrait *self,
              guint            *x,
              guint            *y)
{
  const CurrentsModel *model = currents_system_get_model (self->system);
  const CurrentsModelOptions *opts = model != NULL ? currents_model_get_options (model) : NULL;
  guint n = self->n_states;
  int ix = opts != NULL ? model_axis (self->system, opts->xp, n) : -1;
  int iy = opts != NULL ? model_axis (self->system, opts->yp, n) : -1;

  *x = ix >= 0 ? (guint) ix : 0;
  *y = iy >= 0 ? (guint) iy : (n >= 2 ? 1 : 0);
  if (*x == *y && n >= 2)
    *y = *x == 0 ? 1 : 0;
}

static void
update_variables (CurrentsPortrait *self)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  guint n_old = g_list_model_get_n_items (G_LIST_MODEL (self->variables));
  guint x = 0, y = 1;

  g_clear_pointer (&self->data_column, g_free);
  self->n_states = 0;

  if (self->system != NULL)
    {
      guint n = currents_system_get_n_states (self->system);
      const char *const *states = currents_system_get_state_names (self->system);

      self->n_states = n;
      self->data_column = g_new (int, MAX (n, 1));
      for (guint i = 0; i < n; i++)
        {
          g_ptr_array_add (names, (gpointer) states[i]);
          self->data_column[i] = self->dataset != NULL
                                 ? currents_dataset_find_state (self->dataset, states[i]) : -1;
        }
      default_axes (self, &x, &y);
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

  if (self->x_axis != x)
    {
      self->x_axis = x;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_X_AXIS]);
    }
  if (self->y_axis != y)
    {
      self->y_axis = y;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_Y_AXIS]);
    }
}

/* The data's columns for the axes (-1: time); FALSE when the data has neither. */
static gboolean
data_axes (CurrentsPortrait *self,
           int              *cx,
           int              *cy)
{
  if (self->dataset == NULL || self->n_states == 0)
    return FALSE;
  *cx = self->x_axis < self->n_states ? self->data_column[self->x_axis] : -1;
  *cy = self->y_axis < self->n_states ? self->data_column[self->y_axis] : -1;
  if ((self->x_axis < self->n_states && *cx < 0) || (self->y_axis < self->n_states && *cy < 0))
    return FALSE;
  return !(*cx < 0 && *cy < 0);
}

static void
add_data_curves (CurrentsPortrait *self)
{
  int cx, cy;
  guint more;

  currents_plot_scene_clear_curves (self->scene, CURRENTS_PLOT_CURVE_DATA);
  /* a learned model is a guess away from its data: say where */
  currents_plot_scene_set_coverage (self->scene,
                                    self->system != NULL
                                    && currents_system_get_trained (self->system) != NULL
                                    ? _("outside the data: extrapolated") : NULL);
  if (!data_axes (self, &cx, &cy))
    return;

  more = currents_portrait_scene_add_data (self->scene, self->dataset, cx, cy,
                                           self->system != NULL
                                           ? currents_system_get_input_names (self->system) : NULL,
                                           self->system != NULL
                                           ? currents_system_get_inputs (self->system) : NULL,
                                           self->system != NULL
                                           ? currents_system_get_n_inputs (self->system) : 0,
                                           MAX_DATA_LEGEND,
                                           /* Translators: a data set's trajectory and its id */
                                           _("Trajectory %s"));
  /* one trajectory on its own needs no legend */
  if (currents_dataset_get_n_trajectories (self->dataset) == 1 && self->system == NULL)
    {
      currents_plot_scene_clear_curves (self->scene, CURRENTS_PLOT_CURVE_DATA);
      currents_portrait_scene_add_data (self->scene, self->dataset, cx, cy, NULL, NULL, 0, 0,
                                        NULL);
    }
  if (more > 0)
    {
      g_autofree char *note = g_strdup_printf (ngettext ("and %u more trajectory",
                                                         "and %u more trajectories", more),
                                               more);

      currents_plot_scene_add_legend_note (self->scene, note);
    }
}

static void
set_view_internal (CurrentsPortrait *self,
                   const double      view[4])
{
  if (!(view[0] < view[1]) || !(view[2] < view[3])
      || !isfinite (view[0] + view[1] + view[2] + view[3]))
    return;
  memcpy (self->view, view, sizeof self->view);
  self->has_view = TRUE;
  currents_plot_scene_set_window (self->scene, view[0], view[1], view[2], view[3]);
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

static void
new_scene (CurrentsPortrait *self)
{
  g_clear_pointer (&self->scene, currents_plot_scene_free);
  self->scene = currents_plot_scene_new ();
  currents_plot_scene_set_arrow_style (self->scene, self->arrow_style);
  currents_plot_scene_set_show_legend (self->scene, self->show_legend);
  currents_plot_scene_set_layers (self->scene, self->layers);
  if (self->shading != NULL)
    currents_plot_scene_set_shading (self->scene, self->shading_window, self->shading_nx,
                                     self->shading_ny, self->shading, self->shading_full,
                                     self->shading_label);
  for (guint i = 0; i < CURRENTS_PLOT_N_LAYERS; i++)
    if (self->fades[i] != NULL)
      adw_animation_reset (self->fades[i]);
}

void
currents_portrait_set_shading (CurrentsPortrait *self,
                               const double      window[4],
                               gsize             nx,
                               gsize             ny,
                               const double     *values,
                               double            full,
                               const char       *label)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  g_clear_pointer (&self->shading, g_free);
  g_clear_pointer (&self->shading_label, g_free);
  if (values != NULL && nx > 0 && ny > 0)
    {
      self->shading = g_memdup2 (values, nx * ny * sizeof (double));
      self->shading_nx = nx;
      self->shading_ny = ny;
      memcpy (self->shading_window, window, sizeof self->shading_window);
      self->shading_full = full;
      self->shading_label = g_strdup (label);
    }
  if (self->scene != NULL)
    currents_plot_scene_set_shading (self->scene, window, nx, ny, self->shading, full, label);
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

gboolean
currents_portrait_get_shading (CurrentsPortrait *self,
                               gsize            *nx,
                               gsize            *ny,
                               const double    **values)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);

  if (self->shading == NULL)
    return FALSE;
  *nx = self->shading_nx;
  *ny = self->shading_ny;
  *values = self->shading;
  return TRUE;
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
  g_clear_object (&self->live_cancellable);
  g_clear_object (&self->heavy_cancellable);
  g_clear_handle_id (&self->settle_source, g_source_remove);
  self->generation++;
  self->live_running = FALSE;
  self->live_pending = FALSE;
  self->heavy_running = 0;
  self->sim_running = 0;
  self->launches_running = 0;
  self->has_view = FALSE;
  self->view_moved = FALSE;
  self->grid_nx = self->grid_ny = 0;
  g_ptr_array_set_size (self->launches, 0);
  g_clear_pointer (&self->equilibria, g_ptr_array_unref);
  if (self->equilibrium_popover != NULL)
    gtk_popover_popdown (GTK_POPOVER (self->equilibrium_popover));

  new_scene (self);
  currents_parameter_panel_set_system (self->parameter_panel, self->system, self->dataset,
                                       self->x_axis < self->n_states ? self->x_axis : G_MAXUINT,
                                       self->y_axis < self->n_states ? self->y_axis : G_MAXUINT);
  /* the sliders when there are any */
  adw_flap_set_reveal_flap (self->flap,
                            currents_parameter_panel_get_n_rows (self->parameter_panel) > 0
                            && !adw_flap_get_folded (self->flap));
  _currents_portrait_update_actions (self);
  self->has_highlight = FALSE;
  g_clear_pointer (&self->highlight, g_free);
  g_signal_emit (self, signals[CONTENT_CHANGED], 0);

  if (self->n_states == 0)
    {
      update_busy (self);
      gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
      return;
    }

  x_name = variable_name (self, self->x_axis);
  y_name = variable_name (self, self->y_axis);
  currents_plot_scene_set_labels (self->scene, x_name, y_name);

  add_data_curves (self);
  has_hint = currents_plot_scene_get_extent (self->scene, CURRENTS_PLOT_CURVE_DATA,
                                             &hint[0], &hint[1], &hint[2], &hint[3]);

  if (self->system != NULL)
    {
      int wx, wy;
      guint dx, dy;
      const CurrentsModel *model = currents_system_get_model (self->system);
      gboolean file_window = model != NULL && currents_model_get_options (model)->has_window;

      currents_system_get_window (self->system, &wx, &wy, &window[0], &window[1], &window[2],
                                  &window[3]);
      default_axes (self, &dx, &dy);
      /* The file's window (or a trained model's data range) belongs to its own axes. */
      has_window = self->x_axis == (guint) wx && self->y_axis == (guint) wy
                   && self->x_axis == dx && self->y_axis == dy
                   && (file_window || currents_system_get_trained (self->system) != NULL)
                   && window[0] < window[1] && window[2] < window[3];
      if (has_window)
        {
          memcpy (self->home, window, sizeof self->home);
          set_view_internal (self, window);
        }
      else if (has_hint && plane_mode (self))
        {
          /* the data's range */
          memcpy (window, hint, sizeof window);
          currents_plot_pad_range (&window[0], &window[1], 0.05);
          currents_plot_pad_range (&window[2], &window[3], 0.05);
          memcpy (self->home, window, sizeof self->home);
          set_view_internal (self, window);
          has_window = TRUE;
        }

      if (plane_mode (self))
        {
          if (has_window)
            request_live (self, FALSE);
          else
            start_simulation (self, TRUE, FALSE, NULL, has_hint, hint);
        }
      else
        start_simulation (self, FALSE, has_window, window, has_hint, hint);
    }
  else if (has_hint)
    {
      currents_plot_pad_range (&hint[0], &hint[1], self->x_axis >= self->n_states ? 0.0 : 0.05);
      currents_plot_pad_range (&hint[2], &hint[3], self->y_axis >= self->n_states ? 0.0 : 0.05);
      memcpy (self->home, hint, sizeof self->home);
      set_view_internal (self, hint);
    }

  update_busy (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
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
  update_busy (self);
}

static void
parameter_changed_cb (CurrentsParameterPanel *panel,
                      guint                   kind,
                      guint                   index,
                      double                  value,
                      CurrentsPortrait       *self)
{
  if (self->system == NULL)
    return;
  switch ((CurrentsParameterKind) kind)
    {
    case CURRENTS_PARAMETER_INPUT:
      currents_system_get_inputs (self->system)[index] = value;
      /* data recorded at this level stands out, the rest fades */
      add_data_curves (self);
      break;
    case CURRENTS_PARAMETER_PARAM:
      currents_system_get_params (self->system)[index] = value;
      break;
    case CURRENTS_PARAMETER_STATE:
    default:
      currents_system_get_initial (self->system)[index] = value;
      break;
    }
  request_live (self, TRUE);
}

/* ------------------------------------------------------------------------------------ */
/* Drawing                                                                               */

/* A ring around the state another view selected (an equilibrium in the table). */
static void
draw_highlight (CurrentsPortrait        *self,
                cairo_t                 *cr,
                const CurrentsPlotTheme *theme)
{
  CurrentsPlotViewport vp;
  CurrentsPlotColor color;
  double cx, cy;

  if (!self->has_highlight || !plane_mode (self)
      || !currents_plot_scene_get_viewport (self->scene, &vp))
    return;
  currents_plot_viewport_to_device (&vp, self->highlight[self->x_axis],
                                    self->highlight[self->y_axis], &cx, &cy);
  if (!isfinite (cx) || !isfinite (cy))
    return;
  currents_plot_theme_palette_color (theme, 1, &color);
  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);
  currents_plot_set_source_color (cr, &color);
  cairo_set_line_width (cr, 3.0);
  cairo_new_path (cr);
  cairo_arc (cr, cx, cy, 13.0, 0.0, 2.0 * G_PI);
  cairo_stroke (cr);
  cairo_set_line_width (cr, 1.0);
  cairo_arc (cr, cx, cy, 18.0, 0.0, 2.0 * G_PI);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_cb (GtkDrawingArea *area,
         cairo_t        *cr,
         int             width,
         int             height,
         gpointer        user_data)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (user_data);
  PangoFontDescription *font;
  CurrentsPlotTheme theme;
  g_autofree char *font_name = NULL;
  graphene_rect_t bounds;
  gint64 begin;
  gsize nx, ny;

  if (width <= 0 || height <= 0)
    return;

  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  font = pango_context_get_font_description (gtk_widget_get_pango_context (GTK_WIDGET (area)));
  if (font != NULL)
    {
      font_name = pango_font_description_to_string (font);
      g_strlcpy (theme.font, font_name, sizeof theme.font);
    }
  /* the toolbar floats in a band above the plot */
  if (gtk_widget_get_visible (self->toolbar)
      && gtk_widget_compute_bounds (self->toolbar, GTK_WIDGET (area), &bounds))
    currents_plot_scene_set_top_margin (self->scene, bounds.origin.y + bounds.size.height);

  begin = g_get_monotonic_time ();
  currents_plot_scene_draw (self->scene, cr, &theme, width, height, &self->stats);
  draw_highlight (self, cr, &theme);
  self->n_frames++;
  g_debug ("Frame %u: %u arrows, %u nullclines, %u equilibria, %u trajectories, "
           "%u launched, %u data curves in %.1f ms", self->n_frames, self->stats.n_arrows,
           self->stats.n_nullclines, self->stats.n_equilibria, self->stats.n_trajectories,
           self->stats.n_launched, self->stats.n_data_curves,
           (g_get_monotonic_time () - begin) / 1000.0);

  /* A new size wants a new arrow grid. */
  if (plane_mode (self) && self->grid_nx > 0 && !self->live_running && !self->live_pending)
    {
      field_grid_size (self, &nx, &ny);
      if (nx != self->grid_nx || ny != self->grid_ny)
        request_live (self, FALSE);
    }
}

static void
dark_changed_cb (CurrentsPortrait *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

/* ------------------------------------------------------------------------------------ */
/* Pointer                                                                               */

static gboolean
canvas_to_data (CurrentsPortrait *self,
                double            cx,
                double            cy,
                double           *x,
                double           *y)
{
  CurrentsPlotViewport vp;

  if (!self->has_view || !currents_plot_scene_get_viewport (self->scene, &vp))
    return FALSE;
  currents_plot_viewport_to_data (&vp, cx, cy, x, y);
  return cx >= vp.left && cx <= vp.left + vp.width && cy >= vp.top && cy <= vp.top + vp.height;
}

static char *
format_number (double v)
{
  g_autofree char *s = g_strdup_printf ("%.4g", fabs (v));

  return v < 0.0 ? g_strconcat ("\u2212", s, NULL) : g_steal_pointer (&s);
}

const char *
currents_portrait_hover (CurrentsPortrait *self,
                         double            cx,
                         double            cy)
{
  g_autoptr(GString) text = NULL;
  g_autofree char *xs = NULL, *ys = NULL;
  double x, y;

  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), NULL);

  self->hover[0] = cx;
  self->hover[1] = cy;
  g_clear_pointer (&self->readout_text, g_free);
  if (!canvas_to_data (self, cx, cy, &x, &y))
    {
      gtk_widget_set_visible (GTK_WIDGET (self->readout), FALSE);
      return NULL;
    }
  xs = format_number (x);
  ys = format_number (y);
  text = g_string_new (NULL);
  g_string_append_printf (text, "%s = %s   %s = %s", variable_name (self, self->x_axis), xs,
                          variable_name (self, self->y_axis), ys);
  if (plane_mode (self) && self->hover_ws != NULL)
    {
      const double *x0 = currents_system_get_initial (self->system);
      gsize n = self->n_states;
      g_autofree double *state = g_memdup2 (x0, n * sizeof (double));

      state[self->x_axis] = x;
      state[self->y_axis] = y;
      currents_field_eval (self->hover_ws, currents_system_get_t0 (self->system), state,
                           currents_system_get_inputs (self->system),
                           currents_system_get_params (self->system), self->hover_f);
      if (isfinite (self->hover_f[self->x_axis]) && isfinite (self->hover_f[self->y_axis]))
        {
          g_autofree char *fx = format_number (self->hover_f[self->x_axis]);
          g_autofree char *fy = format_number (self->hover_f[self->y_axis]);

          g_string_append_printf (text, "   \u2192   %s\u2032 = %s   %s\u2032 = %s",
                                  variable_name (self, self->x_axis), fx,
                                  variable_name (self, self->y_axis), fy);
        }
    }
  self->readout_text = g_string_free (g_steal_pointer (&text), FALSE);
  gtk_label_set_label (self->readout, self->readout_text);
  gtk_widget_set_visible (GTK_WIDGET (self->readout), TRUE);
  return self->readout_text;
}

static void
motion_cb (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           CurrentsPortrait         *self)
{
  currents_portrait_hover (self, x, y);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->canvas),
                                   self->panning ? "grabbing"
                                   : currents_plot_scene_find_equilibrium (self->scene, x, y,
                                                                          PICK_RADIUS) >= 0
                                   ? "pointer" : plane_mode (self) ? "crosshair" : NULL);
}

static void
leave_cb (GtkEventControllerMotion *motion,
          CurrentsPortrait         *self)
{
  gtk_widget_set_visible (GTK_WIDGET (self->readout), FALSE);
}

void
currents_portrait_click (CurrentsPortrait *self,
                         double            cx,
                         double            cy)
{
  Launch *launch;
  double x, y;
  int eq;

  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (!canvas_to_data (self, cx, cy, &x, &y))
    return;
  eq = currents_plot_scene_find_equilibrium (self->scene, cx, cy, PICK_RADIUS);
  if (eq >= 0 && self->equilibria != NULL && (guint) eq < self->equilibria->len)
    {
      _currents_portrait_show_equilibrium (self, (guint) eq, cx, cy);
      return;
    }
  if (!plane_mode (self))
    return;

  launch = g_new0 (Launch, 1);
  launch->x = x;
  launch->y = y;
  launch->direction = self->direction;
  launch->serial = self->serial;
  g_ptr_array_add (self->launches, launch);
  /* a hidden layer would swallow the click */
  if (!(self->layers & CURRENTS_PLOT_LAYER_LAUNCHED))
    currents_portrait_set_layers (self, self->layers | CURRENTS_PLOT_LAYER_LAUNCHED);
  start_launch (self, launch);
  _currents_portrait_update_actions (self);
}

static void
drag_begin_cb (GtkGestureDrag   *gesture,
               double            x,
               double            y,
               CurrentsPortrait *self)
{
  memcpy (self->drag_view, self->view, sizeof self->drag_view);
  self->panning = FALSE;
  gtk_widget_grab_focus (GTK_WIDGET (self->canvas));
}

static void
drag_update_cb (GtkGestureDrag   *gesture,
                double            dx,
                double            dy,
                CurrentsPortrait *self)
{
  CurrentsPlotViewport vp;
  double view[4], sx, sy;

  if (!self->has_view || !currents_plot_scene_get_viewport (self->scene, &vp))
    return;
  if (!self->panning && hypot (dx, dy) < 6.0)
    return;
  if (!self->panning)
    {
      self->panning = TRUE;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self->canvas), "grabbing");
    }
  sx = (self->drag_view[1] - self->drag_view[0]) / vp.width;
  sy = (self->drag_view[3] - self->drag_view[2]) / vp.height;
  view[0] = self->drag_view[0] - dx * sx;
  view[1] = self->drag_view[1] - dx * sx;
  view[2] = self->drag_view[2] + dy * sy;
  view[3] = self->drag_view[3] + dy * sy;
  currents_portrait_set_view (self, view);
}

static void
drag_end_cb (GtkGestureDrag   *gesture,
             double            dx,
             double            dy,
             CurrentsPortrait *self)
{
  double x0, y0;

  if (self->panning)
    {
      self->panning = FALSE;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (self->canvas), "crosshair");
      return;
    }
  gtk_gesture_drag_get_start_point (gesture, &x0, &y0);
  currents_portrait_click (self, x0, y0);
}

static gboolean
scroll_cb (GtkEventControllerScroll *scroll,
           double                    dx,
           double                    dy,
           CurrentsPortrait         *self)
{
  if (!self->has_view || dy == 0.0)
    return FALSE;
  currents_portrait_zoom (self, pow (1.15, -dy), self->hover[0], self->hover[1]);
  return TRUE;
}

static void
zoom_begin_cb (GtkGesture       *gesture,
               GdkEventSequence *sequence,
               CurrentsPortrait *self)
{
  double cx, cy;

  memcpy (self->zoom_view, self->view, sizeof self->zoom_view);
  if (gtk_gesture_get_bounding_box_center (gesture, &cx, &cy))
    canvas_to_data (self, cx, cy, &self->zoom_centre[0], &self->zoom_centre[1]);
  else
    {
      self->zoom_centre[0] = 0.5 * (self->view[0] + self->view[1]);
      self->zoom_centre[1] = 0.5 * (self->view[2] + self->view[3]);
    }
}

static void
zoom_scale_changed_cb (GtkGestureZoom   *gesture,
                       double            scale,
                       CurrentsPortrait *self)
{
  double view[4];

  if (!self->has_view || !(scale > 0.0))
    return;
  for (int k = 0; k < 4; k++)
    view[k] = self->zoom_centre[k / 2] + (self->zoom_view[k] - self->zoom_centre[k / 2]) / scale;
  currents_portrait_set_view (self, view);
}

/* ------------------------------------------------------------------------------------ */
/* Holding the other states at an equilibrium                                            */

typedef struct
{
  CurrentsField *field;
  double        *p, *u, *x, *lo, *hi;
  gsize          n;
  double         t;
  guint          generation;
  double        *found;
} HoldJob;

static void
hold_job_free (gpointer data)
{
  HoldJob *job = data;

  currents_field_unref (job->field);
  g_free (job->p);
  g_free (job->u);
  g_free (job->x);
  g_free (job->lo);
  g_free (job->hi);
  g_free (job->found);
  g_free (job);
}

static void
hold_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  HoldJob *job = task_data;
  CurrentsEquilibriaOptions eo;
  g_autoptr(GPtrArray) eqs = NULL;
  GError *error = NULL;
  double best = INFINITY;

  currents_equilibria_options_init (&eo);
  eo.lo = job->lo;
  eo.hi = job->hi;
  eo.t = job->t;
  eqs = currents_equilibria_find (job->field, job->p, job->u, &eo, cancellable, &error);
  if (eqs == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  /* the stable one nearest the current state, else the nearest */
  for (int pass = 0; pass < 2 && job->found == NULL; pass++)
    for (guint i = 0; i < eqs->len; i++)
      {
        const CurrentsEquilibrium *eq = g_ptr_array_index (eqs, i);
        double d = 0.0;

        if (pass == 0 && !eq->stable)
          continue;
        for (gsize k = 0; k < job->n; k++)
          d += (eq->state[k] - job->x[k]) * (eq->state[k] - job->x[k])
               / ((job->hi[k] - job->lo[k]) * (job->hi[k] - job->lo[k]));
        if (d < best)
          {
            best = d;
            g_free (job->found);
            job->found = g_memdup2 (eq->state, job->n * sizeof (double));
          }
      }
  if (job->found == NULL)
    g_task_return_new_error (task, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                             _("No equilibrium was found near the current state"));
  else
    g_task_return_boolean (task, TRUE);
}

static void
hold_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);
  HoldJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  double *x0;

  if (job->generation != self->generation)
    return;
  self->sim_running--;
  update_busy (self);
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!is_cancellation (error))
        {
          GtkWidget *toast_overlay = gtk_widget_get_ancestor (GTK_WIDGET (self),
                                                              ADW_TYPE_TOAST_OVERLAY);

          if (toast_overlay != NULL)
            adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (toast_overlay),
                                         adw_toast_new (error->message));
        }
      return;
    }
  x0 = currents_system_get_initial (self->system);
  for (gsize i = 0; i < job->n; i++)
    if (i != self->x_axis && i != self->y_axis)
      {
        x0[i] = job->found[i];
        currents_parameter_panel_show_state (self->parameter_panel, i, x0[i]);
      }
  request_live (self, TRUE);
}

void
_currents_portrait_hold_at_equilibrium (CurrentsPortrait *self)
{
  g_autoptr(GTask) task = NULL;
  HoldJob *job;
  gsize n;

  if (self->system == NULL || self->n_states < 3 || !plane_mode (self))
    return;
  n = self->n_states;
  job = g_new0 (HoldJob, 1);
  job->field = currents_field_ref (currents_system_get_field (self->system));
  job->p = copy_doubles (currents_system_get_params (self->system),
                         currents_system_get_n_params (self->system));
  job->u = copy_doubles (currents_system_get_inputs (self->system),
                         currents_system_get_n_inputs (self->system));
  job->x = copy_doubles (currents_system_get_initial (self->system), n);
  job->n = n;
  job->t = currents_system_get_t0 (self->system);
  job->generation = self->generation;
  job->lo = g_new (double, n);
  job->hi = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    {
      GtkAdjustment *adj = NULL;
      const char *name;

      if (i == self->x_axis || i == self->y_axis)
        {
          job->lo[i] = self->view[i == self->x_axis ? 0 : 2];
          job->hi[i] = self->view[i == self->x_axis ? 1 : 3];
          continue;
        }
      name = currents_system_get_state_names (self->system)[i];
      adj = currents_parameter_panel_get_adjustment (self->parameter_panel, name);
      job->lo[i] = adj != NULL ? gtk_adjustment_get_lower (adj) : job->x[i] - 1.0;
      job->hi[i] = adj != NULL ? gtk_adjustment_get_upper (adj) : job->x[i] + 1.0;
      if (!(job->lo[i] < job->hi[i]))
        {
          job->lo[i] = job->x[i] - 1.0;
          job->hi[i] = job->x[i] + 1.0;
        }
    }
  task = g_task_new (self, self->cancellable, hold_done, NULL);
  g_task_set_source_tag (task, _currents_portrait_hold_at_equilibrium);
  g_task_set_task_data (task, job, hold_job_free);
  g_task_run_in_thread (task, hold_thread);
  self->sim_running++;
  set_status (self, _("Finding an equilibrium…"));
  update_busy (self);
}

/* ------------------------------------------------------------------------------------ */
/* Provenance                                                                            */

char *
_currents_portrait_describe (CurrentsPortrait *self)
{
  g_autoptr(GString) s = g_string_new (NULL);
  const char *x = variable_name (self, self->x_axis), *y = variable_name (self, self->y_axis);

  if (x == NULL || y == NULL)
    return g_strdup ("");
  g_string_append_printf (s, "axes %s, %s", x, y);
  if (self->has_view)
    g_string_append_printf (s, "; view %s=%.10g:%.10g, %s=%.10g:%.10g", x, self->view[0],
                            self->view[1], y, self->view[2], self->view[3]);
  {
    g_autoptr(GPtrArray) names = g_ptr_array_new ();
    g_autofree char *list = NULL;

    for (guint i = 0; i < CURRENTS_PLOT_N_LAYERS; i++)
      if (self->layers & (1u << i))
        g_ptr_array_add (names, (gpointer) currents_plot_layer_to_string (1u << i));
    g_ptr_array_add (names, NULL);
    list = g_strjoinv (",", (char **) names->pdata);
    g_string_append_printf (s, "; layers %s", list);
  }
  if (self->system != NULL)
    {
      const double *p = currents_system_get_params (self->system);
      const double *u = currents_system_get_inputs (self->system);
      const double *x0 = currents_system_get_initial (self->system);

      for (gsize i = 0; i < currents_system_get_n_named_params (self->system); i++)
        g_string_append_printf (s, "%s%s=%.10g", i == 0 ? "; " : ", ",
                                currents_system_get_param_name (self->system, i), p[i]);
      for (gsize j = 0; j < currents_system_get_n_inputs (self->system); j++)
        g_string_append_printf (s, "; %s=%.10g",
                                currents_system_get_input_names (self->system)[j], u[j]);
      for (guint i = 0; plane_mode (self) && i < self->n_states; i++)
        if (i != self->x_axis && i != self->y_axis)
          g_string_append_printf (s, "; %s fixed at %.10g",
                                  currents_system_get_state_names (self->system)[i], x0[i]);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

void
_currents_portrait_set_provenance (CurrentsPortrait  *self,
                                   CurrentsPlotScene *scene)
{
  g_autofree char *settings = _currents_portrait_describe (self);
  g_autofree char *title = NULL, *source = NULL, *sum = NULL;
  const char *filename = self->system != NULL ? currents_system_get_filename (self->system) : NULL;
  g_autofree char *name = filename != NULL ? g_path_get_basename (filename) : NULL;

  if (self->system != NULL)
    {
      const CurrentsModel *model = currents_system_get_model (self->system);
      const CurrentsTrainedModel *trained = currents_system_get_trained (self->system);
      g_autofree char *text = NULL;

      if (trained != NULL)
        text = currents_trained_model_to_data (trained);
      else if (model != NULL && currents_model_get_source (model) != NULL)
        text = g_strdup (currents_model_get_source (model));
      if (text != NULL)
        sum = g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
      source = g_strdup_printf ("%s (%s%s%s)", name != NULL ? name : _("unnamed model"),
                                currents_system_describe_kind (self->system),
                                sum != NULL ? ", sha256 " : "", sum != NULL ? sum : "");
    }
  if (self->dataset != NULL)
    {
      const char *data_name = currents_dataset_get_filename (self->dataset);
      const char *data_sum = currents_dataset_get_sha256 (self->dataset);
      g_autofree char *with_data = g_strdup_printf ("%s%sdata %s (sha256 %s)",
                                                    source != NULL ? source : "",
                                                    source != NULL ? "; " : "",
                                                    data_name != NULL ? data_name : "",
                                                    data_sum != NULL ? data_sum : "");

      g_free (source);
      source = g_steal_pointer (&with_data);
    }
  title = g_strdup_printf (_("Phase portrait of %s"),
                           name != NULL ? name : self->dataset != NULL ? _("data") : _("a model"));
  currents_plot_scene_set_metadata (scene, "Title", title);
  currents_plot_scene_set_metadata (scene, "Software", "Currents " PACKAGE_VERSION);
  if (source != NULL)
    currents_plot_scene_set_metadata (scene, "Source", source);
  currents_plot_scene_set_metadata (scene, "Description", settings);
}

/* ------------------------------------------------------------------------------------ */
/* GObject                                                                               */

static void
currents_portrait_dispose (GObject *object)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_handle_id (&self->rebuild_source, g_source_remove);
  g_clear_handle_id (&self->settle_source, g_source_remove);
  for (guint i = 0; i < CURRENTS_PLOT_N_LAYERS; i++)
    g_clear_object (&self->fades[i]);
  g_signal_handlers_disconnect_by_func (adw_style_manager_get_default (), dark_changed_cb, self);
  if (self->equilibrium_popover != NULL)
    {
      gtk_widget_unparent (self->equilibrium_popover);
      self->equilibrium_popover = NULL;
    }
  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_PORTRAIT);

  G_OBJECT_CLASS (currents_portrait_parent_class)->dispose (object);
}

static void
currents_portrait_finalize (GObject *object)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (object);

  g_clear_object (&self->cancellable);
  g_clear_object (&self->live_cancellable);
  g_clear_object (&self->heavy_cancellable);
  g_clear_pointer (&self->scene, currents_plot_scene_free);
  g_clear_pointer (&self->shading, g_free);
  g_clear_pointer (&self->shading_label, g_free);
  g_clear_pointer (&self->hover_ws, currents_field_workspace_free);
  g_clear_pointer (&self->hover_f, g_free);
  g_clear_pointer (&self->system, currents_system_free);
  g_clear_pointer (&self->dataset, currents_dataset_free);
  g_clear_pointer (&self->data_column, g_free);
  g_clear_pointer (&self->equilibria, g_ptr_array_unref);
  g_clear_pointer (&self->launches, g_ptr_array_unref);
  g_clear_pointer (&self->readout_text, g_free);
  g_clear_pointer (&self->highlight, g_free);
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

  for (guint i = 0; i < G_N_ELEMENTS (layer_props); i++)
    if (layer_props[i].prop == prop_id)
      {
        g_value_set_boolean (value, (self->layers & layer_props[i].layer) != 0);
        return;
      }
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
      g_value_set_boolean (value, self->arrow_style == CURRENTS_PLOT_ARROWS_SCALED);
      break;
    case PROP_SHOW_LEGEND:
      g_value_set_boolean (value, self->show_legend);
      break;
    case PROP_BUSY:
      g_value_set_boolean (value, currents_portrait_get_busy (self));
      break;
    case PROP_SHOW_PARAMETERS:
      g_value_set_boolean (value, adw_flap_get_reveal_flap (self->flap));
      break;
    case PROP_FIELD_STYLE:
      g_value_set_string (value, field_styles[self->arrow_style]);
      break;
    case PROP_DIRECTION:
      g_value_set_string (value, directions[self->direction + 1]);
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

  for (guint i = 0; i < G_N_ELEMENTS (layer_props); i++)
    if (layer_props[i].prop == prop_id)
      {
        CurrentsPlotLayers layers = g_value_get_boolean (value)
                                    ? self->layers | layer_props[i].layer
                                    : self->layers & ~layer_props[i].layer;

        currents_portrait_set_layers (self, layers);
        return;
      }
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
    case PROP_SHOW_PARAMETERS:
      adw_flap_set_reveal_flap (self->flap, g_value_get_boolean (value));
      break;
    case PROP_FIELD_STYLE:
      for (guint i = 0; i < G_N_ELEMENTS (field_styles); i++)
        if (g_strcmp0 (g_value_get_string (value), field_styles[i]) == 0)
          _currents_portrait_set_arrow_style (self, (CurrentsPlotArrowStyle) i);
      break;
    case PROP_DIRECTION:
      for (guint i = 0; i < G_N_ELEMENTS (directions); i++)
        if (g_strcmp0 (g_value_get_string (value), directions[i]) == 0)
          _currents_portrait_set_direction (self, (int) i - 1);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
reveal_flap_cb (CurrentsPortrait *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_PARAMETERS]);
}

static void
currents_portrait_class_init (CurrentsPortraitClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  static const char *const layer_names[] = {
    "layer-field", "layer-nullclines", "layer-equilibria", "layer-separatrices",
    "layer-basins", "layer-trajectories", "layer-launched", "layer-data",
  };

  object_class->dispose = currents_portrait_dispose;
  object_class->finalize = currents_portrait_finalize;
  object_class->get_property = currents_portrait_get_property;
  object_class->set_property = currents_portrait_set_property;

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
  for (guint i = 0; i < G_N_ELEMENTS (layer_props); i++)
    properties[layer_props[i].prop] =
      g_param_spec_boolean (layer_names[i], NULL, NULL,
                            (DEFAULT_LAYERS & layer_props[i].layer) != 0,
                            G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SHOW_PARAMETERS] =
    g_param_spec_boolean ("show-parameters", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_FIELD_STYLE] =
    g_param_spec_string ("field-style", NULL, NULL, "normalized",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_DIRECTION] =
    g_param_spec_string ("direction", NULL, NULL, "forward",
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * CurrentsPortrait::content-changed:
   *
   * The system, the data set or the axes changed (also when training replaced the
   * model by a better one of the same shape). The parameter panel holds the new
   * system's sliders by then. Views that follow the portrait recompute.
   */
  signals[CONTENT_CHANGED] =
    g_signal_new ("content-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 0);

  g_type_ensure (CURRENTS_TYPE_PARAMETER_PANEL);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/currents/Currents/ui/currents-portrait.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsPortrait, flap);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPortrait, overlay);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPortrait, canvas);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPortrait, toolbar);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPortrait, readout);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPortrait, status_box);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPortrait, status_spinner);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPortrait, status_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPortrait, parameter_panel);

  _currents_portrait_class_install_actions (widget_class);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "phaseplane");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
currents_portrait_init (CurrentsPortrait *self)
{
  GtkGesture *drag, *zoom;
  GtkEventController *motion, *scroll;

  self->variables = gtk_string_list_new (NULL);
  self->show_legend = TRUE;
  self->layers = DEFAULT_LAYERS;
  self->arrow_style = CURRENTS_PLOT_ARROWS_NORMALIZED;
  self->direction = 1;
  self->launches = g_ptr_array_new_with_free_func (launch_free);
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  new_scene (self);

  gtk_drawing_area_set_draw_func (self->canvas, draw_cb, self, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Phase portrait"), -1);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->canvas), GTK_EVENT_CONTROLLER (drag));

  zoom = gtk_gesture_zoom_new ();
  g_signal_connect (zoom, "begin", G_CALLBACK (zoom_begin_cb), self);
  g_signal_connect (zoom, "scale-changed", G_CALLBACK (zoom_scale_changed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->canvas), GTK_EVENT_CONTROLLER (zoom));
  gtk_gesture_group (zoom, drag);

  scroll = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_VERTICAL);
  g_signal_connect (scroll, "scroll", G_CALLBACK (scroll_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->canvas), scroll);

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (motion_cb), self);
  g_signal_connect (motion, "leave", G_CALLBACK (leave_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->canvas), motion);

  g_signal_connect (self->parameter_panel, "value-changed", G_CALLBACK (parameter_changed_cb),
                    self);
  g_signal_connect_swapped (self->flap, "notify::reveal-flap", G_CALLBACK (reveal_flap_cb), self);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (dark_changed_cb), self, G_CONNECT_SWAPPED);
  _currents_portrait_update_actions (self);
}

/* ------------------------------------------------------------------------------------ */
/* Public API                                                                            */

GtkWidget *
currents_portrait_new (void)
{
  return g_object_new (CURRENTS_TYPE_PORTRAIT, NULL);
}

static gboolean
same_names (const char *const *a,
            const char *const *b,
            gsize              n)
{
  for (gsize i = 0; i < n; i++)
    if (g_strcmp0 (a[i], b[i]) != 0)
      return FALSE;
  return TRUE;
}

/* The same variables, inputs and parameters: a model trained further, say. */
static gboolean
same_shape (CurrentsSystem *a,
            CurrentsSystem *b)
{
  gsize n = currents_system_get_n_states (a), m = currents_system_get_n_inputs (a);
  gsize k = currents_system_get_n_named_params (a);

  if (n != currents_system_get_n_states (b) || m != currents_system_get_n_inputs (b)
      || k != currents_system_get_n_named_params (b))
    return FALSE;
  if (!same_names (currents_system_get_state_names (a), currents_system_get_state_names (b), n)
      || (m > 0 && !same_names (currents_system_get_input_names (a),
                                currents_system_get_input_names (b), m)))
    return FALSE;
  for (gsize i = 0; i < k; i++)
    if (g_strcmp0 (currents_system_get_param_name (a, i),
                   currents_system_get_param_name (b, i)) != 0)
      return FALSE;
  return TRUE;
}

void
currents_portrait_set_system (CurrentsPortrait *self,
                              CurrentsSystem   *system)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (self->system == system)
    return;
  /* The same kind of model again (training improved it): keep the view, the axes, the
   * launched trajectories and the inputs and states the sliders hold; recompute. */
  if (system != NULL && self->system != NULL && self->rebuild_source == 0
      && same_shape (self->system, system))
    {
      gsize n = currents_system_get_n_states (system), m = currents_system_get_n_inputs (system);

      memcpy (currents_system_get_inputs (system), currents_system_get_inputs (self->system),
              m * sizeof (double));
      memcpy (currents_system_get_initial (system), currents_system_get_initial (self->system),
              n * sizeof (double));
      currents_parameter_panel_set_system (self->parameter_panel, NULL, NULL, G_MAXUINT,
                                           G_MAXUINT);
      g_clear_pointer (&self->system, currents_system_free);
      self->system = system;
      currents_field_workspace_free (self->hover_ws);
      self->hover_ws = currents_field_workspace_new (currents_system_get_field (system));
      currents_parameter_panel_set_system (self->parameter_panel, self->system, self->dataset,
                                           plane_mode (self) ? self->x_axis : G_MAXUINT,
                                           plane_mode (self) ? self->y_axis : G_MAXUINT);
      request_live (self, TRUE);
      g_signal_emit (self, signals[CONTENT_CHANGED], 0);
      return;
    }
  /* the old one may still be in the panel's rows until the rebuild */
  currents_parameter_panel_set_system (self->parameter_panel, NULL, NULL, G_MAXUINT, G_MAXUINT);
  g_clear_pointer (&self->hover_ws, currents_field_workspace_free);
  g_clear_pointer (&self->hover_f, g_free);
  g_clear_pointer (&self->system, currents_system_free);
  self->system = system;
  if (system != NULL)
    {
      self->hover_ws = currents_field_workspace_new (currents_system_get_field (system));
      self->hover_f = g_new0 (double, MAX (currents_system_get_n_states (system), 1));
    }
  update_variables (self);
  queue_rebuild (self);
}

void
currents_portrait_set_model (CurrentsPortrait *self,
                             CurrentsModel    *model)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (model != NULL && self->system != NULL && currents_system_get_model (self->system) == model)
    return;
  currents_portrait_set_system (self, model != NULL ? currents_system_new_from_model (model)
                                                    : NULL);
}

void
currents_portrait_set_dataset (CurrentsPortrait *self,
                               CurrentsDataset  *dataset)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (self->dataset == dataset)
    return;
  g_clear_pointer (&self->dataset, currents_dataset_free);
  self->dataset = dataset;
  update_variables (self);
  queue_rebuild (self);
}

CurrentsSystem *
currents_portrait_get_system (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), NULL);
  return self->system;
}

const CurrentsModel *
currents_portrait_get_model (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), NULL);
  return self->system != NULL ? currents_system_get_model (self->system) : NULL;
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
          guint            *axis,
          guint             variable,
          GParamSpec       *pspec)
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
                              guint             variable)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));
  set_axis (self, &self->x_axis, variable, properties[PROP_X_AXIS]);
}

void
currents_portrait_set_y_axis (CurrentsPortrait *self,
                              guint             variable)
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

CurrentsPlotLayers
currents_portrait_get_layers (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), 0);
  return self->layers;
}

void
currents_portrait_set_layers (CurrentsPortrait   *self,
                              CurrentsPlotLayers  layers)
{
  CurrentsPlotLayers added;

  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  layers &= CURRENTS_PLOT_LAYERS_ALL;
  if (layers == self->layers)
    return;
  added = layers & ~self->layers;
  self->layers = layers;
  currents_plot_scene_set_layers (self->scene, layers);
  for (guint i = 0; i < G_N_ELEMENTS (layer_props); i++)
    g_object_notify_by_pspec (G_OBJECT (self), properties[layer_props[i].prop]);

  /* a heavy layer just switched on: compute it for the settled state */
  if (plane_mode (self) && (added & (CURRENTS_PLOT_LAYER_SEPARATRICES | CURRENTS_PLOT_LAYER_BASINS
                                     | CURRENTS_PLOT_LAYER_TRAJECTORIES))
      && !self->live_running && self->settle_source == 0 && self->has_view)
    {
      gboolean autonomous = currents_field_is_autonomous (currents_system_get_field (self->system));

      if (self->heavy_cancellable == NULL)
        {
          self->heavy_cancellable = g_cancellable_new ();
          g_signal_connect_object (self->cancellable, "cancelled",
                                   G_CALLBACK (g_cancellable_cancel), self->heavy_cancellable,
                                   G_CONNECT_SWAPPED);
        }
      if (added & CURRENTS_PLOT_LAYER_TRAJECTORIES)
        start_heavy_job (self, HEAVY_SAMPLES);
      if ((added & CURRENTS_PLOT_LAYER_SEPARATRICES) && autonomous)
        start_heavy_job (self, HEAVY_SEPARATRICES);
      if ((added & CURRENTS_PLOT_LAYER_BASINS) && autonomous)
        {
          set_status (self, _("Computing basins…"));
          start_heavy_job (self, HEAVY_BASINS_COARSE);
        }
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

void
_currents_portrait_set_arrow_style (CurrentsPortrait       *self,
                                    CurrentsPlotArrowStyle  style)
{
  gboolean was_scaled = self->arrow_style == CURRENTS_PLOT_ARROWS_SCALED;

  if (self->arrow_style == style)
    return;
  self->arrow_style = style;
  currents_plot_scene_set_arrow_style (self->scene, style);
  if (was_scaled != (style == CURRENTS_PLOT_ARROWS_SCALED))
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SCALE_ARROWS]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FIELD_STYLE]);
  _currents_portrait_update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

gboolean
currents_portrait_get_scale_arrows (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);
  return self->arrow_style == CURRENTS_PLOT_ARROWS_SCALED;
}

void
currents_portrait_set_scale_arrows (CurrentsPortrait *self,
                                    gboolean          scale_arrows)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (scale_arrows)
    _currents_portrait_set_arrow_style (self, CURRENTS_PLOT_ARROWS_SCALED);
  else if (self->arrow_style == CURRENTS_PLOT_ARROWS_SCALED)
    _currents_portrait_set_arrow_style (self, CURRENTS_PLOT_ARROWS_NORMALIZED);
}

gboolean
currents_portrait_get_show_legend (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);
  return self->show_legend;
}

void
currents_portrait_set_show_legend (CurrentsPortrait *self,
                                   gboolean          show_legend)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  show_legend = !!show_legend;
  if (self->show_legend == show_legend)
    return;
  self->show_legend = show_legend;
  currents_plot_scene_set_show_legend (self->scene, show_legend);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SHOW_LEGEND]);
  _currents_portrait_update_actions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

void
_currents_portrait_set_direction (CurrentsPortrait *self,
                                  int               direction)
{
  direction = CLAMP (direction, -1, 1);
  if (self->direction == direction)
    return;
  self->direction = direction;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DIRECTION]);
}

gboolean
currents_portrait_get_view (CurrentsPortrait *self,
                            double            view[4])
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);

  if (self->has_view && view != NULL)
    memcpy (view, self->view, sizeof self->view);
  return self->has_view;
}

void
currents_portrait_set_view (CurrentsPortrait *self,
                            const double      view[4])
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));
  g_return_if_fail (view != NULL);

  if (!(view[0] < view[1]) || !(view[2] < view[3]))
    return;
  /* neither so close nor so far that numbers lose their meaning */
  if (view[1] - view[0] < 1e-9 * MAX (1.0, fabs (view[0]))
      || view[3] - view[2] < 1e-9 * MAX (1.0, fabs (view[2]))
      || view[1] - view[0] > 1e9 || view[3] - view[2] > 1e9)
    return;
  self->view_moved = TRUE;
  set_view_internal (self, view);
  if (plane_mode (self))
    request_live (self, FALSE);
  else if (self->system != NULL)
    schedule_settle (self);
  update_busy (self);
}

void
currents_portrait_reset_view (CurrentsPortrait *self)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (!self->has_view)
    return;
  currents_portrait_set_view (self, self->home);
  self->view_moved = FALSE;
}

void
currents_portrait_zoom (CurrentsPortrait *self,
                        double            factor,
                        double            cx,
                        double            cy)
{
  double view[4], x, y;

  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (!self->has_view || !(factor > 0.0))
    return;
  if (!canvas_to_data (self, cx, cy, &x, &y))
    {
      x = 0.5 * (self->view[0] + self->view[1]);
      y = 0.5 * (self->view[2] + self->view[3]);
    }
  view[0] = x + (self->view[0] - x) / factor;
  view[1] = x + (self->view[1] - x) / factor;
  view[2] = y + (self->view[2] - y) / factor;
  view[3] = y + (self->view[3] - y) / factor;
  currents_portrait_set_view (self, view);
}

gboolean
currents_portrait_data_to_canvas (CurrentsPortrait *self,
                                  double            x,
                                  double            y,
                                  double           *cx,
                                  double           *cy)
{
  CurrentsPlotViewport vp;

  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);

  if (!currents_plot_scene_get_viewport (self->scene, &vp))
    return FALSE;
  currents_plot_viewport_to_device (&vp, x, y, cx, cy);
  return TRUE;
}

guint
currents_portrait_get_n_launched (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), 0);
  return self->launches->len;
}

void
currents_portrait_clear_launched (CurrentsPortrait *self)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  g_ptr_array_set_size (self->launches, 0);
  show_launches (self);
  _currents_portrait_update_actions (self);
}

GPtrArray *
currents_portrait_get_equilibria (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), NULL);
  return self->equilibria;
}

CurrentsParameterPanel *
currents_portrait_get_parameter_panel (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), NULL);
  return self->parameter_panel;
}

GtkWidget *
currents_portrait_get_equilibrium_popover (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), NULL);
  return self->equilibrium_popover;
}

gboolean
currents_portrait_get_busy (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);
  return self->rebuild_source != 0 || self->busy;
}

void
currents_portrait_get_stats (CurrentsPortrait  *self,
                             CurrentsPlotStats *stats)
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

guint
currents_portrait_get_n_updates (CurrentsPortrait *self)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), 0);
  return self->n_updates;
}

gboolean
currents_portrait_export (CurrentsPortrait  *self,
                          const char        *path,
                          int                width,
                          int                height,
                          GError           **error)
{
  CurrentsPlotTheme theme;
  double margin;
  gboolean ok;

  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  /* Figures for papers: the light style, whatever the window's. */
  currents_plot_theme_init (&theme, FALSE);
  _currents_portrait_set_provenance (self, self->scene);
  /* the file has no toolbar over it */
  margin = currents_plot_scene_get_top_margin (self->scene);
  currents_plot_scene_set_top_margin (self->scene, 0);
  ok = currents_plot_scene_export (self->scene, &theme, path, width, height, error);
  currents_plot_scene_set_top_margin (self->scene, margin);
  return ok;
}

gboolean
currents_portrait_export_csv (CurrentsPortrait  *self,
                              const char        *path,
                              GError           **error)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  _currents_portrait_set_provenance (self, self->scene);
  return currents_plot_scene_export_csv (self->scene, path, error);
}

void
currents_portrait_highlight_state (CurrentsPortrait *self,
                                   const double     *state)
{
  g_return_if_fail (CURRENTS_IS_PORTRAIT (self));

  if (state == NULL || self->n_states == 0)
    self->has_highlight = FALSE;
  else
    {
      if (self->highlight == NULL)
        self->highlight = g_new0 (double, self->n_states);
      memcpy (self->highlight, state, self->n_states * sizeof (double));
      self->has_highlight = TRUE;
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->canvas));
}

gboolean
currents_portrait_get_highlight (CurrentsPortrait *self,
                                 double           *cx,
                                 double           *cy)
{
  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (self), FALSE);

  if (!self->has_highlight || !plane_mode (self))
    return FALSE;
  return currents_portrait_data_to_canvas (self, self->highlight[self->x_axis],
                                           self->highlight[self->y_axis], cx, cy);
}
