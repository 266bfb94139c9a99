/* currents-resnet-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why a residual network is an ODE: Euler steps of size h drawn over the continuous flow of the same field, h on a slider, the error shrinking as h goes to 0.
 *
 * A residual layer with one shared block is an explicit Euler step
 *
 *   x_{k+1} = x_k + h f(t_k, x_k, u, p),   t_k = t0 + k h,   h = T/N,   k = 0 … N−1,
 *
 * drawn over the accurate flow x(t), t ∈ [t0, t0 + T] (rk8pd, rtol = atol = 1e-12).
 * The global error ‖x_N − x(t0 + T)‖₂ is O(h): its log–log curve over h = T/2^k has
 * slope 1, fitted over the small steps where the first-order term dominates.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-resnet-view"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "currents-plot.h"
#include "currents-resnet-view.h"
#include "currents-view-util-private.h"

#define MIN_LAYERS 2
#define MAX_LAYERS 1000
#define DEFAULT_LAYERS 20
#define N_FLOW 400          /* samples of the accurate flow */
#define FIT_FROM 4          /* the slope is fitted over h = T/2^k, k ≥ FIT_FROM */
#define FIELD_NX 23
#define FIELD_NY 17
#define REF_TOL 1e-12
#define GRAB_RADIUS 16.0

/* ------------------------------------------------------------------------------------ */
/* The computation, on a snapshot, in a thread                                          */

typedef struct
{
  CurrentsField *field;
  double        *p;
  double        *u;
  double        *x0;
  gsize          n;
  gsize          n_inputs;
  double         t0;
  double         T;
  guint          n_layers;
  guint          x_axis;      /* n: time */
  guint          y_axis;
  gboolean       has_view;
  double         view[4];
  gboolean       fixed_window;
  double         window[4];
  guint          generation;
} Job;

typedef struct
{
  gsize   n;
  double  t0;
  double  T;
  guint   x_axis, y_axis;
  guint   n_flow;             /* rows of the flow reached */
  double *flow_t;             /* N_FLOW + 1 */
  double *flow_x;             /* (N_FLOW + 1) × n */
  guint   n_layers;
  double  h;
  double *euler;              /* (n_layers + 1) × n; NAN rows after a blow-up */
  double *x_ref;              /* n: x(t0 + T), NAN when not reached */
  double  error;
  double  table_h[CURRENTS_RESNET_N_ERRORS];
  double  table_err[CURRENTS_RESNET_N_ERRORS];
  double  slope, intercept;   /* log10 error ≈ slope · log10 h + intercept */
  double  window[4];
  gboolean has_field;
  double  *fx, *fy;           /* FIELD_NY × FIELD_NX */
  char    *message;           /* why the accurate solve stopped, or NULL */
} Result;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->field, currents_field_unref);
  g_free (job->p);
  g_free (job->u);
  g_free (job->x0);
  g_free (job);
}

static void
result_free (Result *result)
{
  if (result == NULL)
    return;
  g_free (result->flow_t);
  g_free (result->flow_x);
  g_free (result->euler);
  g_free (result->x_ref);
  g_free (result->fx);
  g_free (result->fy);
  g_free (result->message);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

/* N explicit Euler steps from x0; writes every iterate to @out ((N + 1) × n) when it is not
 * NULL, the last one to @last. Returns FALSE when an iterate became non-finite (the rows
 * from there on are NAN). */
static gboolean
euler_run (CurrentsFieldWorkspace *ws,
           const Job              *job,
           guint                   n_steps,
           double                 *out,
           double                 *last,
           double                 *x,
           double                 *f)
{
  double h = job->T / n_steps;
  gsize n = job->n;
  gboolean finite = TRUE;

  memcpy (x, job->x0, n * sizeof (double));
  if (out != NULL)
    memcpy (out, x, n * sizeof (double));
  for (guint k = 0; k < n_steps; k++)
    {
      if (finite)
        {
          currents_field_eval (ws, job->t0 + k * h, x, job->u, job->p, f);
          for (gsize i = 0; i < n; i++)
            {
              x[i] += h * f[i];
              finite = finite && isfinite (x[i]);
            }
        }
      if (!finite)
        for (gsize i = 0; i < n; i++)
          x[i] = NAN;
      if (out != NULL)
        memcpy (out + (gsize) (k + 1) * n, x, n * sizeof (double));
    }
  if (last != NULL)
    memcpy (last, x, n * sizeof (double));
  return finite;
}

static double
distance (const double *a,
          const double *b,
          gsize         n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += (a[i] - b[i]) * (a[i] - b[i]);
  return sqrt (s);
}

/* Coordinate @axis of a point at time @t with state @x (axis n is time). */
static double
coordinate (guint         axis,
            gsize         n,
            double        t,
            const double *x)
{
  return axis >= n ? t : x[axis];
}

static void
extend (double *lo,
        double *hi,
        double  v)
{
  if (!isfinite (v))
    return;
  *lo = MIN (*lo, v);
  *hi = MAX (*hi, v);
}

/* The data window: the portrait's view for each state axis, widened to hold the flow and
 * the start point; [t0, t0 + T] on a time axis. The Euler iterates do not move it (a
 * coarse h may overshoot far; those parts are clipped) so the figure stays put while h
 * changes. */
static void
fit_window (const Job    *job,
            const Result *r,
            double        window[4])
{
  for (int a = 0; a < 2; a++)
    {
      guint axis = a == 0 ? job->x_axis : job->y_axis;
      double lo = INFINITY, hi = -INFINITY;

      if (axis >= job->n)
        {
          lo = job->t0;
          hi = job->t0 + job->T;
          currents_plot_pad_range (&lo, &hi, 0.03);
        }
      else
        {
          extend (&lo, &hi, job->x0[axis]);
          for (guint k = 0; k < r->n_flow; k++)
            extend (&lo, &hi, r->flow_x[(gsize) k * job->n + axis]);
          if (!(lo < hi))
            {
              double c = isfinite (lo) ? lo : 0.0;

              lo = c - 0.5;
              hi = c + 0.5;
            }
          currents_plot_pad_range (&lo, &hi, 0.1);
          if (job->has_view)
            {
              extend (&lo, &hi, job->view[2 * a]);
              extend (&lo, &hi, job->view[2 * a + 1]);
            }
        }
      window[2 * a] = lo;
      window[2 * a + 1] = hi;
    }
}

static void
resnet_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  Job *job = task_data;
  gsize n = job->n;
  g_autoptr(Result) r = g_new0 (Result, 1);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (job->field);
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(CurrentsInputSignal) signal = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *x = g_new0 (double, n);
  g_autofree double *f = g_new0 (double, n);
  g_autofree double *end = g_new0 (double, n);
  CurrentsSimOptions options;
  gsize reached = 0;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  guint n_fit = 0;

  r->n = n;
  r->t0 = job->t0;
  r->T = job->T;
  r->x_axis = job->x_axis;
  r->y_axis = job->y_axis;
  r->n_layers = job->n_layers;
  r->h = job->T / job->n_layers;

  /* the flow, accurately */
  currents_sim_options_init (&options);
  options.method = CURRENTS_METHOD_RK8PD;
  options.rtol = REF_TOL;
  options.atol = REF_TOL;
  options.max_steps = 200000;
  sim = currents_simulator_new (job->field, &options);
  if (job->n_inputs > 0)
    signal = currents_input_signal_new_constant (job->n_inputs, job->u);
  r->flow_t = g_new (double, N_FLOW + 1);
  r->flow_x = g_new0 (double, (gsize) (N_FLOW + 1) * n);
  for (guint k = 0; k <= N_FLOW; k++)
    r->flow_t[k] = job->t0 + job->T * ((double) k / N_FLOW);
  if (!currents_simulator_run (sim, job->x0, job->p, signal, job->t0, r->flow_t, N_FLOW + 1,
                               r->flow_x, &reached, cancellable, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          || g_cancellable_is_cancelled (cancellable))
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
          return;
        }
      r->message = g_strdup (error->message);
    }
  r->n_flow = (guint) reached;
  r->x_ref = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    r->x_ref[i] = reached == N_FLOW + 1 ? r->flow_x[(gsize) N_FLOW * n + i] : NAN;

  /* the network at the chosen depth */
  r->euler = g_new (double, (gsize) (job->n_layers + 1) * n);
  euler_run (ws, job, job->n_layers, r->euler, NULL, x, f);
  r->error = distance (r->euler + (gsize) job->n_layers * n, r->x_ref, n);

  /* the error against h = T/2^k */
  for (guint k = 1; k <= CURRENTS_RESNET_N_ERRORS; k++)
    {
      guint steps = 1u << k;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
          return;
        }
      euler_run (ws, job, steps, NULL, end, x, f);
      r->table_h[k - 1] = job->T / steps;
      r->table_err[k - 1] = distance (end, r->x_ref, n);
      if (k >= FIT_FROM && isfinite (r->table_err[k - 1]) && r->table_err[k - 1] > 0.0)
        {
          double lx = log10 (r->table_h[k - 1]), ly = log10 (r->table_err[k - 1]);

          sx += lx;
          sy += ly;
          sxx += lx * lx;
          sxy += lx * ly;
          n_fit++;
        }
    }
  r->slope = r->intercept = NAN;
  if (n_fit >= 2)
    {
      double d = n_fit * sxx - sx * sx;

      if (d > 0.0)
        {
          r->slope = (n_fit * sxy - sx * sy) / d;
          r->intercept = (sy - r->slope * sx) / n_fit;
        }
    }

  if (job->fixed_window)
    memcpy (r->window, job->window, sizeof r->window);
  else
    fit_window (job, r, r->window);

  /* the field on the plane, the other states at the start point's values */
  if (job->x_axis < n && job->y_axis < n && job->x_axis != job->y_axis)
    {
      r->has_field = TRUE;
      r->fx = g_new (double, FIELD_NX * FIELD_NY);
      r->fy = g_new (double, FIELD_NX * FIELD_NY);
      for (guint j = 0; j < FIELD_NY; j++)
        for (guint i = 0; i < FIELD_NX; i++)
          {
            memcpy (x, job->x0, n * sizeof (double));
            x[job->x_axis] = r->window[0] + (i + 0.5) * (r->window[1] - r->window[0]) / FIELD_NX;
            x[job->y_axis] = r->window[2] + (j + 0.5) * (r->window[3] - r->window[2]) / FIELD_NY;
            currents_field_eval (ws, job->t0, x, job->u, job->p, f);
            r->fx[j * FIELD_NX + i] = f[job->x_axis];
            r->fy[j * FIELD_NX + i] = f[job->y_axis];
          }
    }

  g_task_return_pointer (task, g_steal_pointer (&r), (GDestroyNotify) result_free);
}

/* ------------------------------------------------------------------------------------ */
/* The widget                                                                            */

struct _CurrentsResnetView
{
  GtkWidget            parent_instance;

  GtkStack            *resnet_stack;
  GtkDrawingArea      *resnet_canvas;
  GtkDrawingArea      *resnet_error_canvas;
  GtkScale            *resnet_h_scale;
  GtkAdjustment       *resnet_h_adjustment;
  GtkAdjustment       *resnet_time_adjustment;
  GtkLabel            *resnet_h_label;
  GtkLabel            *resnet_error_label;
  GtkLabel            *resnet_error_caption;
  GtkLabel            *resnet_slope_label;
  GtkLabel            *resnet_message;
  GtkLabel            *resnet_explanation;
  GtkButton           *resnet_reset_button;

  CurrentsPortrait    *portrait;    /* weak */
  CurrentsParameterPanel *panel;    /* weak: the portrait's */

  /* what is shown */
  gboolean             has_model;
  gsize                n_states;
  char                *key;         /* the state names: a different model resets the start */
  char               **names;
  double              *start;
  double               T;
  guint                n_layers;
  gboolean             updating;    /* adjustments moved by the code */

  /* the computation */
  GCancellable        *cancellable;
  guint                generation;
  guint                idle_source;
  gboolean             pending;     /* a result for the current generation is due */
  gboolean             dirty;       /* recompute when mapped */
  Result              *result;

  /* dragging the start point */
  gboolean             dragging;
  double               drag_x, drag_y;
  gboolean             have_vp;
  CurrentsPlotViewport vp;

  CurrentsResnetStats  stats;
};

G_DEFINE_FINAL_TYPE (CurrentsResnetView, currents_resnet_view, GTK_TYPE_WIDGET)

static void start_job (CurrentsResnetView *self);

static gboolean
run_idle_cb (gpointer data)
{
  CurrentsResnetView *self = data;

  self->idle_source = 0;
  start_job (self);
  return G_SOURCE_REMOVE;
}

/* Something shown changed: the result in hand is stale. Coalesced: a slider dragged
 * through many values starts one job per main-loop turn. */
static void
request_update (CurrentsResnetView *self)
{
  self->generation++;
  self->pending = TRUE;
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

static char *
format_number (double v)
{
  if (!isfinite (v))
    return g_strdup ("—");
  return g_strdup_printf ("%.4g", v);
}

/* v as "1.23 × 10<sup>−4</sup>" (Pango markup). */
static char *
format_sci_markup (double v)
{
  int e;
  double m;

  if (!isfinite (v))
    return g_strdup ("—");
  if (v == 0.0)
    return g_strdup ("0");
  e = (int) floor (log10 (fabs (v)));
  if (e >= -2 && e <= 3)
    return g_strdup_printf ("%.3g", v);
  m = v / pow (10.0, e);
  if (fabs (m) >= 9.995)
    {
      m /= 10.0;
      e++;
    }
  return g_strdup_printf ("%.2f × 10<sup>%s%d</sup>", m, e < 0 ? "−" : "", ABS (e));
}

static void
update_h_controls (CurrentsResnetView *self)
{
  double T = self->T, h = T / self->n_layers;
  g_autofree char *hs = format_number (h);
  g_autofree char *text = NULL;

  self->updating = TRUE;
  gtk_adjustment_configure (self->resnet_h_adjustment, log10 (h), log10 (T / MAX_LAYERS),
                            log10 (T / MIN_LAYERS), 0.01, log10 (2.0), 0.0);
  gtk_scale_clear_marks (self->resnet_h_scale);
  for (guint n = 10; n <= MAX_LAYERS; n *= 10)
    {
      g_autofree char *label = g_strdup_printf (ngettext ("%u layer", "%u layers", n), n);

      gtk_scale_add_mark (self->resnet_h_scale, log10 (T / n), GTK_POS_BOTTOM, label);
    }
  if (gtk_adjustment_get_value (self->resnet_time_adjustment) != T)
    gtk_adjustment_set_value (self->resnet_time_adjustment, T);
  self->updating = FALSE;

  text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "h = %s · N = %u layer",
                                       "h = %s · N = %u layers", self->n_layers),
                          hs, self->n_layers);
  gtk_label_set_text (self->resnet_h_label, text);
}

static void
update_labels (CurrentsResnetView *self)
{
  Result *r = self->result;
  g_autofree char *err = NULL, *caption = NULL, *slope = NULL;

  if (r == NULL)
    {
      gtk_label_set_text (self->resnet_error_label, "—");
      gtk_label_set_text (self->resnet_error_caption, "");
      gtk_label_set_text (self->resnet_slope_label, "");
      gtk_widget_set_visible (GTK_WIDGET (self->resnet_message), FALSE);
      return;
    }
  err = format_sci_markup (r->error);
  gtk_label_set_markup (self->resnet_error_label, err);
  {
    g_autofree char *T = format_number (r->T);

    caption = g_strdup_printf (_("‖x<sub>N</sub> − x(T)‖ after N = %u Euler steps to T = %s"),
                               r->n_layers, T);
  }
  gtk_label_set_markup (self->resnet_error_caption, caption);
  if (isfinite (r->slope))
    slope = g_strdup_printf (_("Fitted slope <b>%.2f</b>: the error is of order h<sup>1</sup>, "
                               "so halving h halves it (Euler is a first-order method)."),
                             r->slope);
  else
    slope = g_strdup (_("No slope: the error could not be measured at the small steps."));
  gtk_label_set_markup (self->resnet_slope_label, slope);
  gtk_widget_set_visible (GTK_WIDGET (self->resnet_message), r->message != NULL);
  if (r->message != NULL)
    gtk_label_set_text (self->resnet_message, r->message);
}

static void
resnet_done_cb (GObject      *source,
                GAsyncResult *res,
                gpointer      user_data)
{
  CurrentsResnetView *self = CURRENTS_RESNET_VIEW (source);
  guint generation = ((Job *) g_task_get_task_data (G_TASK (res)))->generation;
  g_autoptr(GError) error = NULL;
  Result *r = g_task_propagate_pointer (G_TASK (res), &error);

  if (r == NULL)
    return;   /* cancelled: a newer job is on its way */
  if (generation != self->generation)
    {
      result_free (r);
      return;
    }
  result_free (self->result);
  self->result = r;
  self->pending = FALSE;
  g_clear_object (&self->cancellable);
  update_labels (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->resnet_canvas));
  gtk_widget_queue_draw (GTK_WIDGET (self->resnet_error_canvas));
}

static CurrentsSystem *
current_system (CurrentsResnetView *self)
{
  return self->portrait != NULL ? currents_portrait_get_system (self->portrait) : NULL;
}

static void
start_job (CurrentsResnetView *self)
{
  CurrentsSystem *system = current_system (self);
  g_autoptr(GTask) task = NULL;
  Job *job;
  gsize n;

  if (system == NULL || !self->has_model || self->start == NULL
      || currents_system_get_n_states (system) != self->n_states)
    {
      g_clear_pointer (&self->result, result_free);
      self->pending = FALSE;
      update_labels (self);
      return;
    }
  n = self->n_states;
  job = g_new0 (Job, 1);
  job->field = currents_field_ref (currents_system_get_field (system));
  job->n = n;
  job->n_inputs = currents_system_get_n_inputs (system);
  job->p = g_memdup2 (currents_system_get_params (system),
                      MAX (currents_system_get_n_params (system), 1) * sizeof (double));
  job->u = g_memdup2 (currents_system_get_inputs (system), MAX (job->n_inputs, 1) * sizeof (double));
  job->x0 = g_memdup2 (self->start, n * sizeof (double));
  job->t0 = currents_system_get_t0 (system);
  job->T = self->T;
  job->n_layers = self->n_layers;
  job->x_axis = MIN (currents_portrait_get_x_axis (self->portrait), (guint) n);
  job->y_axis = MIN (currents_portrait_get_y_axis (self->portrait), (guint) n);
  job->has_view = currents_portrait_get_view (self->portrait, job->view);
  if (self->dragging && self->result != NULL)
    {
      job->fixed_window = TRUE;
      memcpy (job->window, self->result->window, sizeof job->window);
    }
  job->generation = self->generation;

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, resnet_done_cb, NULL);
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, resnet_thread);
}

/* The model shown changed (or its axes): a different model starts afresh. */
static void
sync_model (CurrentsResnetView *self)
{
  CurrentsSystem *system = current_system (self);
  g_autofree char *key = NULL;

  if (system == NULL || currents_system_get_n_states (system) == 0)
    {
      self->has_model = FALSE;
      gtk_stack_set_visible_child_name (self->resnet_stack, "empty");
      g_clear_pointer (&self->result, result_free);
      request_update (self);
      return;
    }
  key = g_strjoinv ("\n", (char **) currents_system_get_state_names (system));
  self->has_model = TRUE;
  gtk_stack_set_visible_child_name (self->resnet_stack, "content");
  if (g_strcmp0 (key, self->key) != 0)
    {
      double total = currents_system_get_total (system);

      g_free (self->key);
      self->key = g_steal_pointer (&key);
      g_strfreev (self->names);
      self->names = g_strdupv ((char **) currents_system_get_state_names (system));
      self->n_states = currents_system_get_n_states (system);
      g_free (self->start);
      self->start = g_memdup2 (currents_system_get_initial (system),
                               self->n_states * sizeof (double));
      /* long enough to see the flow bend, short enough that coarse steps stay near it */
      self->T = isfinite (total) && total > 0 ? total / 4.0 : 5.0;
      self->n_layers = DEFAULT_LAYERS;
      g_clear_pointer (&self->result, result_free);
      update_h_controls (self);
    }
  request_update (self);
}

static void
content_changed_cb (CurrentsResnetView *self)
{
  sync_model (self);
}

static void
value_changed_cb (CurrentsParameterPanel *panel,
                  guint                   kind,
                  guint                   index,
                  double                  value,
                  CurrentsResnetView     *self)
{
  /* a state held off the plane's axes is part of the start point */
  if (kind == CURRENTS_PARAMETER_STATE && self->start != NULL && index < self->n_states)
    self->start[index] = value;
  request_update (self);
}

static void
h_changed_cb (CurrentsResnetView *self)
{
  double h;
  guint n;

  if (self->updating || !(self->T > 0))
    return;
  h = pow (10.0, gtk_adjustment_get_value (self->resnet_h_adjustment));
  n = (guint) CLAMP (round (self->T / h), MIN_LAYERS, MAX_LAYERS);
  if (n == self->n_layers)
    return;
  self->n_layers = n;
  {
    g_autofree char *hs = format_number (self->T / n);
    g_autofree char *text = g_strdup_printf (g_dngettext (GETTEXT_PACKAGE, "h = %s · N = %u layer",
                                                          "h = %s · N = %u layers", n),
                                             hs, n);

    gtk_label_set_text (self->resnet_h_label, text);
  }
  request_update (self);
}

static void
time_changed_cb (CurrentsResnetView *self)
{
  if (self->updating)
    return;
  currents_resnet_view_set_time (self, gtk_adjustment_get_value (self->resnet_time_adjustment));
}

static void
reset_clicked_cb (CurrentsResnetView *self)
{
  CurrentsSystem *system = current_system (self);

  if (system != NULL && self->has_model)
    currents_resnet_view_set_start (self, currents_system_get_initial (system));
}

static void
dark_changed_cb (CurrentsResnetView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->resnet_canvas));
  gtk_widget_queue_draw (GTK_WIDGET (self->resnet_error_canvas));
}

static void
map_cb (CurrentsResnetView *self)
{
  if (self->dirty)
    {
      self->dirty = FALSE;
      if (self->idle_source == 0)
        self->idle_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 20, run_idle_cb, self, NULL);
    }
}

static void
unmap_cb (CurrentsResnetView *self)
{
  /* what runs now would be stale by the time the view is shown again */
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

/* ------------------------------------------------------------------------------------ */
/* Drawing                                                                               */

static PangoLayout *
make_layout (cairo_t                 *cr,
             const CurrentsPlotTheme *theme,
             double                   scale)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (theme->font);
  int size = pango_font_description_get_size (font);

  if (size <= 0)
    size = 10 * PANGO_SCALE;
  pango_font_description_set_size (font, (int) (size * scale));
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  return layout;
}

static void
show_markup (cairo_t     *cr,
             PangoLayout *layout,
             const char  *markup,
             double       x,
             double       y,
             double      *width,
             double      *height)
{
  int w, h;

  pango_layout_set_markup (layout, markup, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
  if (isfinite (x) && isfinite (y))
    {
      cairo_move_to (cr, round (x), round (y));
      pango_cairo_show_layout (cr, layout);
      /* no current point left for the next arc to join */
      cairo_new_path (cr);
    }
}

static double
crisp (double v)
{
  return floor (v) + 0.5;
}

/* The curve's points in plot coordinates. */
static void
curve_coordinates (const Result *r,
                   const double *states,
                   guint         n_points,
                   double        t_step,
                   const double *times,
                   double       *xs,
                   double       *ys)
{
  for (guint k = 0; k < n_points; k++)
    {
      double t = times != NULL ? times[k] : r->t0 + k * t_step;
      const double *x = states + (gsize) k * r->n;

      xs[k] = coordinate (r->x_axis, r->n, t, x);
      ys[k] = coordinate (r->y_axis, r->n, t, x);
    }
}

/* A dot for each layer's output x_1 … x_N (x_0 is the start handle), as large as the
 * distance to its neighbours allows: where many layers crowd together (a slow stretch of
 * the flow) their dots shrink or give way to the line rather than bury the curves.
 * Returns the number drawn. */
static guint
draw_layer_dots (cairo_t                    *cr,
                 const CurrentsPlotViewport *vp,
                 const double               *xs,
                 const double               *ys,
                 guint                       n,
                 const CurrentsPlotColor    *color,
                 const CurrentsPlotColor    *outline)
{
  g_autofree double *dx = g_new (double, MAX (n, 1));
  g_autofree double *dy = g_new (double, MAX (n, 1));
  guint drawn = 0;

  for (guint k = 0; k < n; k++)
    currents_plot_viewport_to_device (vp, xs[k], ys[k], &dx[k], &dy[k]);
  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  for (guint k = 1; k < n; k++)
    {
      double gap = INFINITY, radius;

      if (!isfinite (dx[k]) || !isfinite (dy[k]) || dx[k] < vp->left
          || dx[k] > vp->left + vp->width || dy[k] < vp->top || dy[k] > vp->top + vp->height)
        continue;
      if (isfinite (dx[k - 1]) && isfinite (dy[k - 1]))
        gap = hypot (dx[k] - dx[k - 1], dy[k] - dy[k - 1]);
      if (k + 1 < n && isfinite (dx[k + 1]) && isfinite (dy[k + 1]))
        gap = MIN (gap, hypot (dx[k + 1] - dx[k], dy[k + 1] - dy[k]));
      radius = MIN (4.5, gap / 2.2);
      if (radius < 1.3)
        continue;
      cairo_new_path (cr);
      cairo_arc (cr, dx[k], dy[k], radius, 0, 2 * G_PI);
      currents_plot_set_source_color (cr, color);
      if (radius >= 2.5)
        {
          cairo_fill_preserve (cr);
          currents_plot_set_source_color (cr, outline);
          cairo_stroke (cr);
        }
      else
        cairo_fill (cr);
      drawn++;
    }
  cairo_restore (cr);
  return drawn;
}

/* The corner of the plot area with the fewest points of the curves near it. */
static CurrentsPlotCorner
emptiest_corner (const CurrentsPlotViewport *vp,
                 const double               *xs,
                 const double               *ys,
                 guint                       n)
{
  static const CurrentsPlotCorner corners[4] = {
    CURRENTS_PLOT_CORNER_TOP_RIGHT, CURRENTS_PLOT_CORNER_TOP_LEFT,
    CURRENTS_PLOT_CORNER_BOTTOM_RIGHT, CURRENTS_PLOT_CORNER_BOTTOM_LEFT,
  };
  guint count[4] = { 0 }, best = 0;

  for (guint k = 0; k < n; k++)
    {
      double fx = (xs[k] - vp->xlo) / (vp->xhi - vp->xlo);
      double fy = (ys[k] - vp->ylo) / (vp->yhi - vp->ylo);

      if (!isfinite (fx) || !isfinite (fy) || fx < 0 || fx > 1 || fy < 0 || fy > 1)
        continue;
      if (fy > 0.55 && fx > 0.45)
        count[0]++;
      if (fy > 0.55 && fx < 0.55)
        count[1]++;
      if (fy < 0.45 && fx > 0.45)
        count[2]++;
      if (fy < 0.45 && fx < 0.55)
        count[3]++;
    }
  for (guint c = 1; c < 4; c++)
    if (count[c] < count[best])
      best = c;
  return corners[best];
}

typedef struct
{
  const CurrentsPlotViewport *vp;
  const double *xs[2], *ys[2];    /* the two curves, in data units */
  guint         n[2];
} Obstacles;

/* Curve points (device) inside the box, the box inflated by @margin. */
static guint
count_inside (const Obstacles *ob,
              double           left,
              double           top,
              double           w,
              double           h,
              double           margin)
{
  guint count = 0;

  for (guint c = 0; c < 2; c++)
    for (guint k = 0; k < ob->n[c]; k++)
      {
        double dx, dy;

        currents_plot_viewport_to_device (ob->vp, ob->xs[c][k], ob->ys[c][k], &dx, &dy);
        if (dx >= left - margin && dx <= left + w + margin && dy >= top - margin
            && dy <= top + h + margin)
          count++;
      }
  return count;
}

/* @markup beside device point (@x, @y), in whichever of eight directions covers the fewest
 * points of the curves and stays off @taken (a box: left, top, width, height; updated to
 * this label's box). Ties go to the direction first tried, (@ux, @uy). */
static void
label_point (cairo_t                 *cr,
             PangoLayout             *layout,
             const char              *markup,
             double                   x,
             double                   y,
             double                   ux,
             double                   uy,
             const Obstacles         *ob,
             double                   taken[4],
             const CurrentsPlotColor *color)
{
  double w, h, best_left = 0, best_top = 0, a0 = atan2 (uy, ux);
  guint best = G_MAXUINT;

  show_markup (cr, layout, markup, NAN, NAN, &w, &h);
  for (guint k = 0; k < 8; k++)
    {
      double a = a0 + k * G_PI / 4, cx = cos (a), cy = sin (a);
      /* the box's edge, not its middle, sits 12 px out */
      double mx = x + cx * (12 + w / 2), my = y + cy * (12 + h / 2);
      double left = mx - w / 2, top = my - h / 2;
      guint cost = count_inside (ob, left, top, w, h, 3.0);

      if (left < ob->vp->left || left + w > ob->vp->left + ob->vp->width
          || top < ob->vp->top || top + h > ob->vp->top + ob->vp->height)
        cost += 1000;
      if (taken[2] > 0 && left < taken[0] + taken[2] && left + w > taken[0]
          && top < taken[1] + taken[3] && top + h > taken[1])
        cost += 500;
      if (cost < best)
        {
          best = cost;
          best_left = left;
          best_top = top;
        }
    }
  currents_plot_set_source_color (cr, color);
  show_markup (cr, layout, markup, best_left, best_top, NULL, NULL);
  taken[0] = best_left;
  taken[1] = best_top;
  taken[2] = w;
  taken[3] = h;
}

static void
draw_flow_plot (CurrentsResnetView      *self,
                cairo_t                 *cr,
                const CurrentsPlotTheme *theme,
                double                   width,
                double                   height,
                CurrentsResnetStats     *stats,
                CurrentsPlotViewport    *vp_out)
{
  Result *r = self->result;
  g_autoptr(PangoLayout) caption = make_layout (cr, theme, 1.1);
  g_autoptr(PangoLayout) point_label = make_layout (cr, theme, 1.1);
  CurrentsPlotViewport vp;
  CurrentsPlotColor flow_color = theme->highlight, euler_color = theme->palette[0];
  CurrentsPlotColor error_color = theme->palette[2], start_color = theme->palette[4];
  g_autofree double *fxs = NULL, *fys = NULL, *exs = NULL, *eys = NULL, *all_x = NULL,
                    *all_y = NULL;
  const char *x_label, *y_label;
  double em, top_extra;
  guint n_euler;

  if (r == NULL)
    {
      currents_plot_set_source_color (cr, &theme->background);
      cairo_paint (cr);
      return;
    }

  show_markup (cr, caption, "M", NAN, NAN, NULL, &em);
  top_extra = 1.6 * em;
  currents_plot_layout_full (cr, theme, width, height, r->window[0], r->window[1],
                             r->window[2], r->window[3], 0.0, top_extra, &vp);
  currents_plot_draw_background (cr, theme, width, height, &vp);
  currents_plot_draw_grid (cr, theme, &vp);

  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);

  /* the field, faded behind the curves */
  if (r->has_field)
    {
      cairo_push_group (cr);
      stats->n_arrows = currents_plot_draw_field (cr, theme, &vp, FIELD_NX, FIELD_NY, r->fx, r->fy,
                                                  CURRENTS_PLOT_ARROWS_NORMALIZED, 0.0);
      cairo_pop_group_to_source (cr);
      cairo_paint_with_alpha (cr, theme->dark ? 0.4 : 0.35);
    }

  /* the continuous flow */
  fxs = g_new (double, MAX (r->n_flow, 1));
  fys = g_new (double, MAX (r->n_flow, 1));
  curve_coordinates (r, r->flow_x, r->n_flow, 0.0, r->flow_t, fxs, fys);
  stats->n_flow_segments = currents_plot_draw_polyline (cr, &vp, fxs, 1, fys, 1, r->n_flow,
                                                        &flow_color, 3.0, 0.55);

  /* the network: N residual layers, one dot per layer's output */
  n_euler = r->n_layers + 1;
  exs = g_new (double, n_euler);
  eys = g_new (double, n_euler);
  curve_coordinates (r, r->euler, n_euler, r->h, NULL, exs, eys);
  stats->n_euler_segments = currents_plot_draw_polyline (cr, &vp, exs, 1, eys, 1, n_euler,
                                                         &euler_color, r->n_layers > 200 ? 1.2 : 1.8,
                                                         -1.0);
  stats->n_euler_dots = draw_layer_dots (cr, &vp, exs, eys, n_euler, &euler_color,
                                         &theme->plot_background);

  /* the error at T: from the network's output to the flow's */
  {
    double ax, ay, bx, by, dax, day, dbx, dby;
    double tN = r->t0 + r->T;

    ax = coordinate (r->x_axis, r->n, tN, r->euler + (gsize) r->n_layers * r->n);
    ay = coordinate (r->y_axis, r->n, tN, r->euler + (gsize) r->n_layers * r->n);
    bx = coordinate (r->x_axis, r->n, tN, r->x_ref);
    by = coordinate (r->y_axis, r->n, tN, r->x_ref);
    currents_plot_viewport_to_device (&vp, ax, ay, &dax, &day);
    currents_plot_viewport_to_device (&vp, bx, by, &dbx, &dby);
    if (isfinite (dax) && isfinite (day) && isfinite (dbx) && isfinite (dby))
      {
        static const double dash[] = { 5.0, 3.0 };

        cairo_save (cr);
        currents_plot_set_source_color (cr, &error_color);
        cairo_set_line_width (cr, 2.0);
        cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
        cairo_move_to (cr, dax, day);
        cairo_line_to (cr, dbx, dby);
        cairo_stroke (cr);
        cairo_restore (cr);
        /* x_N filled in the network's colour, x(T) a ring in the flow's */
        cairo_new_path (cr);
        cairo_arc (cr, dax, day, 5.5, 0, 2 * G_PI);
        currents_plot_set_source_color (cr, &euler_color);
        cairo_fill_preserve (cr);
        currents_plot_set_source_color (cr, &theme->plot_background);
        cairo_set_line_width (cr, 1.5);
        cairo_stroke (cr);
        cairo_arc (cr, dbx, dby, 5.5, 0, 2 * G_PI);
        currents_plot_set_source_color (cr, &theme->plot_background);
        cairo_fill_preserve (cr);
        currents_plot_set_source_color (cr, &flow_color);
        cairo_set_line_width (cr, 2.2);
        cairo_stroke (cr);

        /* names for the two ends, on either side of the gap between them */
        {
          double ux = dax - dbx, uy = day - dby, len = hypot (ux, uy);

          if (len < 1.0)
            {
              ux = 0.7071;
              uy = -0.7071;
            }
          else
            {
              ux /= len;
              uy /= len;
            }
          Obstacles ob = { &vp, { fxs, exs }, { fys, eys }, { r->n_flow, n_euler } };
          double taken[4] = { 0 };

          label_point (cr, point_label, "x(T)", dbx, dby, -ux, -uy, &ob, taken, &flow_color);
          label_point (cr, point_label, "x<sub>N</sub>", dax, day, ux, uy, &ob, taken,
                       &euler_color);
        }
      }
  }

  /* the start point, the handle to drag */
  {
    double sx, sy, dx, dy;

    sx = coordinate (r->x_axis, r->n, r->t0, r->euler);
    sy = coordinate (r->y_axis, r->n, r->t0, r->euler);
    currents_plot_viewport_to_device (&vp, sx, sy, &dx, &dy);
    if (isfinite (dx) && isfinite (dy))
      {
        cairo_new_path (cr);
        cairo_arc (cr, dx, dy, 7.0, 0, 2 * G_PI);
        currents_plot_set_source_color (cr, &start_color);
        cairo_fill_preserve (cr);
        currents_plot_set_source_color (cr, &theme->plot_background);
        cairo_set_line_width (cr, 2.0);
        cairo_stroke (cr);
      }
  }
  cairo_restore (cr);

  if (r->x_axis < r->n && self->names != NULL)
    x_label = self->names[r->x_axis];
  else
    x_label = "t";
  if (r->y_axis < r->n && self->names != NULL)
    y_label = self->names[r->y_axis];
  else
    y_label = "t";
  currents_plot_draw_axes (cr, theme, &vp, x_label, y_label);

  /* the caption above the plot: what the dots are */
  {
    g_autofree char *h = format_number (r->h);
    g_autofree char *T = format_number (r->T);
    g_autofree char *markup =
      g_strdup_printf (_("<b>%u residual layers</b>   x<sub>k+1</sub> = x<sub>k</sub> + h·f(x<sub>k</sub>),"
                         "   h = T/N = %s,   T = %s"), r->n_layers, h, T);

    currents_plot_set_source_color (cr, &theme->foreground);
    show_markup (cr, caption, markup, vp.left, MAX (2.0, vp.top - top_extra), NULL, NULL);
  }

  /* the legend, in the corner the curves leave free */
  {
    g_autofree char *euler_label = g_strdup_printf (_("Euler steps = ResNet layers (N = %u)"),
                                                   r->n_layers);
    CurrentsPlotLegendEntry entries[4] = {
      { _("Continuous flow x(t)"), flow_color, CURRENTS_PLOT_LEGEND_LINE, 3.0, 0, { 0 } },
      { euler_label, euler_color, CURRENTS_PLOT_LEGEND_LINE_MARKER, 1.8, 0, { 0 } },
      { _("Error at T: ‖x_N − x(T)‖"), error_color, CURRENTS_PLOT_LEGEND_DASHED, 2.0, 0, { 0 } },
      { _("Start x(0): drag it"), start_color, CURRENTS_PLOT_LEGEND_MARKER, 1.0, 0, { 0 } },
    };
    guint n_all = r->n_flow + n_euler;

    all_x = g_new (double, n_all);
    all_y = g_new (double, n_all);
    memcpy (all_x, fxs, r->n_flow * sizeof (double));
    memcpy (all_y, fys, r->n_flow * sizeof (double));
    memcpy (all_x + r->n_flow, exs, n_euler * sizeof (double));
    memcpy (all_y + r->n_flow, eys, n_euler * sizeof (double));
    currents_plot_draw_legend (cr, theme, &vp, entries, G_N_ELEMENTS (entries),
                               emptiest_corner (&vp, all_x, all_y, n_all));
  }

  if (vp_out != NULL)
    *vp_out = vp;
}

static char *
decade_markup (int k)
{
  if (k == 0)
    return g_strdup ("1");
  if (k == 1)
    return g_strdup ("10");
  return g_strdup_printf ("10<sup>%s%d</sup>", k < 0 ? "−" : "", ABS (k));
}

static void
draw_error_plot (CurrentsResnetView      *self,
                 cairo_t                 *cr,
                 const CurrentsPlotTheme *theme,
                 double                   width,
                 double                   height,
                 CurrentsResnetStats     *stats)
{
  Result *r = self->result;
  g_autoptr(PangoLayout) small = make_layout (cr, theme, 0.9);
  g_autoptr(PangoLayout) label = make_layout (cr, theme, 1.0);
  CurrentsPlotColor point_color = theme->palette[0], fit_color = theme->foreground;
  CurrentsPlotColor current_color = theme->palette[2];
  CurrentsPlotViewport vp;
  double xs[CURRENTS_RESNET_N_ERRORS], ys[CURRENTS_RESNET_N_ERRORS];
  double ylo = INFINITY, yhi = -INFINITY, em, w, h, label_w = 0.0;
  guint n = 0;
  int klo, khi, kstep, xlo_k, xhi_k;

  currents_plot_set_source_color (cr, &theme->background);
  cairo_paint (cr);
  if (r == NULL)
    return;

  for (guint k = 0; k < CURRENTS_RESNET_N_ERRORS; k++)
    {
      xs[k] = log10 (r->table_h[k]);
      ys[k] = r->table_err[k] > 0 ? log10 (r->table_err[k]) : NAN;
      if (isfinite (ys[k]))
        {
          extend (&ylo, &yhi, ys[k]);
          n++;
        }
    }
  if (isfinite (r->error) && r->error > 0)
    extend (&ylo, &yhi, log10 (r->error));
  if (n == 0)
    {
      currents_plot_set_source_color (cr, &theme->foreground);
      show_markup (cr, label, _("The error could not be measured."), 8, 8, NULL, NULL);
      return;
    }
  klo = (int) floor (ylo);
  khi = (int) ceil (yhi);
  if (khi - klo < 2)
    {
      klo--;
      khi++;
    }
  kstep = khi - klo > 7 ? 2 : 1;
  xlo_k = (int) floor (log10 (r->T / (1 << CURRENTS_RESNET_N_ERRORS)) - 0.1);
  xhi_k = (int) ceil (log10 (r->T / 2) + 0.1);

  show_markup (cr, small, "10<sup>−10</sup>", NAN, NAN, &label_w, &em);
  vp.xlo = xlo_k;
  vp.xhi = xhi_k;
  vp.ylo = klo;
  vp.yhi = khi;
  vp.left = label_w + 12 + 1.4 * em;
  vp.top = 1.6 * em;
  vp.width = MAX (width - vp.left - 0.8 * em, 1.0);
  vp.height = MAX (height - vp.top - (6 + 2.2 * em), 1.0);

  currents_plot_set_source_color (cr, &theme->plot_background);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_fill (cr);

  /* decades: grid, ticks and labels on both axes */
  cairo_set_line_width (cr, 1.0);
  for (int k = klo; k <= khi; k++)
    {
      double dx, dy;

      currents_plot_viewport_to_device (&vp, vp.xlo, k, &dx, &dy);
      currents_plot_set_source_color (cr, &theme->grid);
      cairo_move_to (cr, vp.left, crisp (dy));
      cairo_line_to (cr, vp.left + vp.width, crisp (dy));
      cairo_stroke (cr);
      if ((k - klo) % kstep == 0)
        {
          g_autofree char *text = decade_markup (k);

          currents_plot_set_source_color (cr, &theme->frame);
          cairo_move_to (cr, crisp (vp.left) - 5, crisp (dy));
          cairo_line_to (cr, crisp (vp.left), crisp (dy));
          cairo_stroke (cr);
          show_markup (cr, small, text, NAN, NAN, &w, &h);
          currents_plot_set_source_color (cr, &theme->foreground);
          show_markup (cr, small, text, vp.left - 7 - w, dy - h / 2, NULL, NULL);
        }
    }
  for (int k = xlo_k; k <= xhi_k; k++)
    {
      g_autofree char *text = decade_markup (k);
      double dx, dy;

      currents_plot_viewport_to_device (&vp, k, vp.ylo, &dx, &dy);
      currents_plot_set_source_color (cr, &theme->grid);
      cairo_move_to (cr, crisp (dx), vp.top);
      cairo_line_to (cr, crisp (dx), vp.top + vp.height);
      cairo_stroke (cr);
      currents_plot_set_source_color (cr, &theme->frame);
      cairo_move_to (cr, crisp (dx), crisp (vp.top + vp.height));
      cairo_line_to (cr, crisp (dx), crisp (vp.top + vp.height) + 5);
      cairo_stroke (cr);
      show_markup (cr, small, text, NAN, NAN, &w, &h);
      currents_plot_set_source_color (cr, &theme->foreground);
      show_markup (cr, small, text, dx - w / 2, vp.top + vp.height + 6, NULL, NULL);
    }
  currents_plot_set_source_color (cr, &theme->frame);
  cairo_rectangle (cr, crisp (vp.left), crisp (vp.top), floor (vp.width), floor (vp.height));
  cairo_stroke (cr);

  /* axis titles */
  currents_plot_set_source_color (cr, &theme->foreground);
  show_markup (cr, label, _("step <i>h</i>"), NAN, NAN, &w, &h);
  show_markup (cr, label, _("step <i>h</i>"), vp.left + (vp.width - w) / 2,
               height - h - 2, NULL, NULL);
  show_markup (cr, label, _("error at <i>T</i>"), NAN, NAN, &w, &h);
  cairo_save (cr);
  cairo_move_to (cr, 2, vp.top + (vp.height + w) / 2);
  cairo_rotate (cr, -G_PI / 2);
  pango_cairo_update_layout (cr, label);
  pango_cairo_show_layout (cr, label);
  cairo_restore (cr);
  pango_cairo_update_layout (cr, label);

  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);

  /* the fitted line, over the whole range, with its slope */
  if (isfinite (r->slope))
    {
      static const double dash[] = { 6.0, 4.0 };
      double x0 = vp.xlo, x1 = vp.xhi, dx0, dy0, dx1, dy1;

      currents_plot_viewport_to_device (&vp, x0, r->slope * x0 + r->intercept, &dx0, &dy0);
      currents_plot_viewport_to_device (&vp, x1, r->slope * x1 + r->intercept, &dx1, &dy1);
      fit_color.alpha *= 0.6;
      cairo_save (cr);
      currents_plot_set_source_color (cr, &fit_color);
      cairo_set_line_width (cr, 1.5);
      cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0);
      cairo_move_to (cr, dx0, dy0);
      cairo_line_to (cr, dx1, dy1);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  /* the current h */
  {
    double dx, dy, lh = log10 (r->h);

    g_autofree char *hs = format_number (r->h);
    g_autofree char *text = g_strdup_printf ("h = %s", hs);

    currents_plot_viewport_to_device (&vp, lh, vp.ylo, &dx, &dy);
    current_color.alpha = 0.7;
    currents_plot_set_source_color (cr, &current_color);
    cairo_set_line_width (cr, 1.5);
    cairo_move_to (cr, crisp (dx), vp.top);
    cairo_line_to (cr, crisp (dx), vp.top + vp.height);
    cairo_stroke (cr);
    /* named at the top, on the side with room */
    show_markup (cr, small, text, NAN, NAN, &w, &h);
    current_color.alpha = 1.0;
    currents_plot_set_source_color (cr, &current_color);
    show_markup (cr, small, text, dx + 4 + w <= vp.left + vp.width - 2 ? dx + 4 : dx - 4 - w,
                 vp.top + 3, NULL, NULL);
  }

  currents_plot_draw_polyline (cr, &vp, xs, 1, ys, 1, CURRENTS_RESNET_N_ERRORS, &point_color,
                               1.8, -1.0);
  stats->n_error_points = currents_plot_draw_markers (cr, &vp, xs, 1, ys, 1,
                                                      CURRENTS_RESNET_N_ERRORS, &point_color,
                                                      &theme->plot_background, 4.0);
  if (isfinite (r->error) && r->error > 0)
    {
      double dx, dy;

      currents_plot_viewport_to_device (&vp, log10 (r->h), log10 (r->error), &dx, &dy);
      current_color.alpha = 1.0;
      cairo_new_path (cr);
      cairo_arc (cr, dx, dy, 6.5, 0, 2 * G_PI);
      currents_plot_set_source_color (cr, &theme->plot_background);
      cairo_fill_preserve (cr);
      currents_plot_set_source_color (cr, &current_color);
      cairo_set_line_width (cr, 2.5);
      cairo_stroke (cr);
    }
  cairo_restore (cr);

  /* the slope, written by the line at the bottom-right of the fitted range */
  if (isfinite (r->slope))
    {
      g_autofree char *text = g_strdup_printf (_("slope %.2f"), r->slope);
      double lx = log10 (r->T / (1 << 7)), dx, dy;

      /* above the line, left of its middle: the line rises to the right */
      currents_plot_viewport_to_device (&vp, lx, r->slope * lx + r->intercept, &dx, &dy);
      show_markup (cr, label, text, NAN, NAN, &w, &h);
      dx = CLAMP (dx - w - 8, vp.left + 4, vp.left + vp.width - w - 4);
      dy = CLAMP (dy - h - 2, vp.top + 4, vp.top + vp.height - h - 4);
      currents_plot_set_source_color (cr, &theme->plot_background);
      cairo_rectangle (cr, dx - 2, dy, w + 4, h);
      cairo_fill (cr);
      currents_plot_set_source_color (cr, &theme->foreground);
      show_markup (cr, label, text, dx, dy, NULL, NULL);
    }

  /* the caption */
  currents_plot_set_source_color (cr, &theme->foreground);
  show_markup (cr, label, _("<b>Error against h</b>, h = T/2<sup>k</sup> (log–log)"), vp.left,
               2, NULL, NULL);
}

static void
draw_canvas (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  CurrentsResnetView *self = data;
  CurrentsPlotTheme theme;

  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  draw_flow_plot (self, cr, &theme, width, height, &self->stats, &self->vp);
  self->have_vp = self->result != NULL;
  self->stats.n_frames++;
}

static void
draw_error_canvas (GtkDrawingArea *area,
                   cairo_t        *cr,
                   int             width,
                   int             height,
                   gpointer        data)
{
  CurrentsResnetView *self = data;
  CurrentsPlotTheme theme;

  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  draw_error_plot (self, cr, &theme, width, height, &self->stats);
  self->stats.n_error_frames++;
}

/* ------------------------------------------------------------------------------------ */
/* Dragging the start point                                                             */

static void
move_start_to (CurrentsResnetView *self,
               double              cx,
               double              cy)
{
  Result *r = self->result;
  double x, y;

  if (r == NULL || !self->have_vp || self->start == NULL)
    return;
  currents_plot_viewport_to_data (&self->vp, cx, cy, &x, &y);
  if (!isfinite (x) || !isfinite (y))
    return;
  /* a time axis stays at t0 */
  if (r->x_axis < self->n_states)
    self->start[r->x_axis] = x;
  if (r->y_axis < self->n_states)
    self->start[r->y_axis] = y;
  request_update (self);
}

static void
drag_begin_cb (GtkGestureDrag     *gesture,
               double              x,
               double              y,
               CurrentsResnetView *self)
{
  const CurrentsPlotViewport *vp = &self->vp;

  if (self->result == NULL || !self->have_vp
      || x < vp->left || x > vp->left + vp->width || y < vp->top || y > vp->top + vp->height)
    {
      gtk_gesture_set_state (GTK_GESTURE (gesture), GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  self->dragging = TRUE;
  self->drag_x = x;
  self->drag_y = y;
  {
    Result *r = self->result;
    double sx = coordinate (r->x_axis, r->n, r->t0, r->euler);
    double sy = coordinate (r->y_axis, r->n, r->t0, r->euler), dx, dy;

    currents_plot_viewport_to_device (vp, sx, sy, &dx, &dy);
    /* grabbing the handle moves it from where it is; elsewhere the start jumps there */
    if (hypot (dx - x, dy - y) <= GRAB_RADIUS)
      {
        self->drag_x = dx;
        self->drag_y = dy;
        return;
      }
  }
  move_start_to (self, x, y);
}

static void
drag_update_cb (GtkGestureDrag     *gesture,
                double              off_x,
                double              off_y,
                CurrentsResnetView *self)
{
  if (self->dragging)
    move_start_to (self, self->drag_x + off_x, self->drag_y + off_y);
}

static void
drag_end_cb (GtkGestureDrag     *gesture,
             double              off_x,
             double              off_y,
             CurrentsResnetView *self)
{
  if (!self->dragging)
    return;
  self->dragging = FALSE;
  /* the window fits the new flow */
  request_update (self);
}

/* ------------------------------------------------------------------------------------ */

static void
disconnect_portrait (CurrentsResnetView *self)
{
  _currents_view_forget (self, (gpointer *) &self->panel);
  _currents_view_forget (self, (gpointer *) &self->portrait);
}

static void
currents_resnet_view_dispose (GObject *object)
{
  CurrentsResnetView *self = CURRENTS_RESNET_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->idle_source, g_source_remove);
  g_signal_handlers_disconnect_by_func (adw_style_manager_get_default (), dark_changed_cb, self);
  self->generation++;
  disconnect_portrait (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_RESNET_VIEW);
  /* children the template made but did not bind */
  _currents_view_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (currents_resnet_view_parent_class)->dispose (object);
}

static void
currents_resnet_view_finalize (GObject *object)
{
  CurrentsResnetView *self = CURRENTS_RESNET_VIEW (object);

  result_free (self->result);
  g_free (self->key);
  g_strfreev (self->names);
  g_free (self->start);
  G_OBJECT_CLASS (currents_resnet_view_parent_class)->finalize (object);
}

static void
currents_resnet_view_class_init (CurrentsResnetViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_resnet_view_dispose;
  object_class->finalize = currents_resnet_view_finalize;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-resnet-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_stack);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_canvas);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_error_canvas);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_h_scale);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_h_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_time_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_h_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_error_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_error_caption);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_slope_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_message);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_explanation);
  gtk_widget_class_bind_template_child (widget_class, CurrentsResnetView, resnet_reset_button);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "resnetview");
}

static void
currents_resnet_view_init (CurrentsResnetView *self)
{
  GtkGesture *drag;

  gtk_widget_init_template (GTK_WIDGET (self));
  self->T = 5.0;
  self->n_layers = DEFAULT_LAYERS;
  update_h_controls (self);
  update_labels (self);

  gtk_drawing_area_set_draw_func (self->resnet_canvas, draw_canvas, self, NULL);
  gtk_drawing_area_set_draw_func (self->resnet_error_canvas, draw_error_canvas, self, NULL);
  g_signal_connect_swapped (self->resnet_h_adjustment, "value-changed", G_CALLBACK (h_changed_cb),
                            self);
  g_signal_connect_swapped (self->resnet_time_adjustment, "value-changed",
                            G_CALLBACK (time_changed_cb), self);
  g_signal_connect_swapped (self->resnet_reset_button, "clicked", G_CALLBACK (reset_clicked_cb),
                            self);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (unmap_cb), NULL);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (dark_changed_cb), self);

  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->resnet_canvas), GTK_EVENT_CONTROLLER (drag));
}

GtkWidget *
currents_resnet_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_RESNET_VIEW, NULL);
}

void
currents_resnet_view_set_portrait (CurrentsResnetView *self,
                                   CurrentsPortrait   *portrait)
{
  g_return_if_fail (CURRENTS_IS_RESNET_VIEW (self));
  g_return_if_fail (portrait == NULL || CURRENTS_IS_PORTRAIT (portrait));

  if (self->portrait == portrait)
    return;
  disconnect_portrait (self);
  self->portrait = portrait;
  if (portrait != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (portrait), (gpointer *) &self->portrait);
      g_signal_connect_swapped (portrait, "content-changed", G_CALLBACK (content_changed_cb), self);
      self->panel = currents_portrait_get_parameter_panel (portrait);
      if (self->panel != NULL)
        {
          g_object_add_weak_pointer (G_OBJECT (self->panel), (gpointer *) &self->panel);
          g_signal_connect (self->panel, "value-changed", G_CALLBACK (value_changed_cb), self);
        }
    }
  sync_model (self);
}

/* ------------------------------------------------------------------------------------ */
/* For tests and export                                                                  */

void
currents_resnet_view_set_time (CurrentsResnetView *self,
                               double              T)
{
  g_return_if_fail (CURRENTS_IS_RESNET_VIEW (self));

  if (!(T > 0) || !isfinite (T) || T == self->T)
    return;
  self->T = T;
  update_h_controls (self);
  request_update (self);
}

double
currents_resnet_view_get_time (CurrentsResnetView *self)
{
  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), NAN);
  return self->T;
}

void
currents_resnet_view_set_h (CurrentsResnetView *self,
                            double              h)
{
  guint n;

  g_return_if_fail (CURRENTS_IS_RESNET_VIEW (self));

  if (!(h > 0) || !isfinite (h))
    return;
  n = (guint) CLAMP (round (self->T / h), MIN_LAYERS, MAX_LAYERS);
  if (n == self->n_layers)
    return;
  self->n_layers = n;
  update_h_controls (self);
  request_update (self);
}

double
currents_resnet_view_get_h (CurrentsResnetView *self)
{
  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), NAN);
  return self->T / self->n_layers;
}

guint
currents_resnet_view_get_n_layers (CurrentsResnetView *self)
{
  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), 0);
  return self->n_layers;
}

void
currents_resnet_view_set_start (CurrentsResnetView *self,
                                const double       *state)
{
  g_return_if_fail (CURRENTS_IS_RESNET_VIEW (self));
  g_return_if_fail (state != NULL);

  if (self->start == NULL)
    return;
  memmove (self->start, state, self->n_states * sizeof (double));
  request_update (self);
}

gboolean
currents_resnet_view_get_start (CurrentsResnetView *self,
                                double             *state)
{
  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), FALSE);

  if (self->start == NULL || !self->has_model)
    return FALSE;
  if (state != NULL)
    memcpy (state, self->start, self->n_states * sizeof (double));
  return TRUE;
}

gboolean
currents_resnet_view_get_busy (CurrentsResnetView *self)
{
  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), FALSE);
  return self->pending;
}

gboolean
currents_resnet_view_get_euler_end (CurrentsResnetView *self,
                                    double             *state)
{
  Result *r;

  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), FALSE);

  if ((r = self->result) == NULL)
    return FALSE;
  if (state != NULL)
    memcpy (state, r->euler + (gsize) r->n_layers * r->n, r->n * sizeof (double));
  return TRUE;
}

gboolean
currents_resnet_view_get_reference_end (CurrentsResnetView *self,
                                        double             *state)
{
  Result *r;

  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), FALSE);

  if ((r = self->result) == NULL)
    return FALSE;
  if (state != NULL)
    memcpy (state, r->x_ref, r->n * sizeof (double));
  return TRUE;
}

double
currents_resnet_view_get_error (CurrentsResnetView *self)
{
  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), NAN);
  return self->result != NULL ? self->result->error : NAN;
}

guint
currents_resnet_view_get_error_table (CurrentsResnetView *self,
                                      const double      **h,
                                      const double      **error)
{
  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), 0);

  if (self->result == NULL)
    return 0;
  if (h != NULL)
    *h = self->result->table_h;
  if (error != NULL)
    *error = self->result->table_err;
  return CURRENTS_RESNET_N_ERRORS;
}

double
currents_resnet_view_get_slope (CurrentsResnetView *self)
{
  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), NAN);
  return self->result != NULL ? self->result->slope : NAN;
}

void
currents_resnet_view_get_stats (CurrentsResnetView  *self,
                                CurrentsResnetStats *stats)
{
  g_return_if_fail (CURRENTS_IS_RESNET_VIEW (self));
  g_return_if_fail (stats != NULL);
  *stats = self->stats;
}

gboolean
currents_resnet_view_data_to_canvas (CurrentsResnetView *self,
                                     double              x,
                                     double              y,
                                     double             *cx,
                                     double             *cy)
{
  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), FALSE);
  g_return_val_if_fail (cx != NULL && cy != NULL, FALSE);

  if (!self->have_vp)
    return FALSE;
  currents_plot_viewport_to_device (&self->vp, x, y, cx, cy);
  return isfinite (*cx) && isfinite (*cy);
}

gboolean
currents_resnet_view_export_png (CurrentsResnetView *self,
                                 const char         *path,
                                 int                 width,
                                 int                 height,
                                 GError            **error)
{
  cairo_surface_t *surface;
  cairo_status_t status;
  CurrentsPlotTheme theme;
  CurrentsResnetStats scratch = { 0 };
  double split;
  cairo_t *cr;

  g_return_val_if_fail (CURRENTS_IS_RESNET_VIEW (self), FALSE);
  g_return_val_if_fail (path != NULL && width > 0 && height > 0, FALSE);

  if (self->result == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("There is nothing to export yet"));
      return FALSE;
    }
  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  split = floor (width * 0.62);
  draw_flow_plot (self, cr, &theme, split, height, &scratch, NULL);
  cairo_save (cr);
  cairo_translate (cr, split, 0);
  cairo_rectangle (cr, 0, 0, width - split, height);
  cairo_clip (cr);
  {
    double side = width - split - 24, th;
    g_autoptr(PangoLayout) big = make_layout (cr, &theme, 1.5);
    g_autoptr(PangoLayout) text = make_layout (cr, &theme, 1.1);
    g_autofree char *err = format_sci_markup (self->result->error);
    g_autofree char *headline = g_strdup_printf (_("<b>Error at T:</b> %s"), err);
    g_autofree char *explanation =
      g_markup_escape_text (gtk_label_get_label (self->resnet_explanation), -1);

    show_markup (cr, big, headline, NAN, NAN, NULL, &th);
    cairo_save (cr);
    cairo_translate (cr, 12, height * 0.04 + th + 8);
    draw_error_plot (self, cr, &theme, side, height * 0.62, &scratch);
    cairo_restore (cr);
    currents_plot_set_source_color (cr, &theme.foreground);
    show_markup (cr, big, headline, 12, height * 0.04, NULL, NULL);
    pango_layout_set_width (text, (int) (side * PANGO_SCALE));
    pango_layout_set_wrap (text, PANGO_WRAP_WORD);
    currents_plot_set_source_color (cr, &theme.foreground);
    show_markup (cr, text, explanation, 12,
                 height * 0.04 + th + 8 + height * 0.62 + 12, NULL, NULL);
  }
  cairo_restore (cr);
  cairo_destroy (cr);
  status = cairo_surface_write_to_png (surface, path);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("Could not write “%s”: %s"), path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
