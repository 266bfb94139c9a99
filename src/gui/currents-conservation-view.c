/* currents-conservation-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The conserved quantities of the model shown (its own, and those the user types) and how
 * far each drifts from its start along a run, with the integrator of the user's choice.
 *
 * For each quantity q and a run x(t) from the model's initial state x(t0) over [t0, t0 + T],
 *
 *   drift(t) = |q(x(t)) − q(x(t0))| / |q(x(t0))|     (|q(x(t)) − q(x(t0))| when q(x(t0)) = 0),
 *
 * taken at every step of a fixed-step run (every output time of an adaptive one), and its
 * largest value along the run. A symplectic method (Gauss–Legendre, implicit midpoint) keeps
 * a Hamiltonian's energy within a bounded O(hᵖ) oscillation and every linear or quadratic
 * invariant to round-off; RK4 lets the energy drift, growing with t.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-conservation-view"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "currents-conservation-view.h"
#include "currents-plot.h"
#include "currents-view-util-private.h"

#define CHUNK 1024           /* fixed steps per call of the stepper */
#define DRIFT_FLOOR 1e-17    /* drift plotted at least this (round-off) */
#define DEFAULT_STEP 0.01
#define MODEL_ENERGY (-2)    /* Quantity.model_index of a Hamiltonian model's energy */
#define NO_MODEL_INDEX (-1)  /* an expression of the states */

/* ------------------------------------------------------------------------------------ */
/* What the list shows                                                                  */

typedef struct
{
  CurrentsConservationSource source;
  char  *expression;   /* as written; "H" for a learned energy */
  char  *description;  /* what it is, for the row's subtitle */
  char  *error;        /* why the expression was refused, or NULL */
  int    model_index;  /* the model's conserved quantity, MODEL_ENERGY or NO_MODEL_INDEX */
} Quantity;

static void
quantity_free (gpointer data)
{
  Quantity *q = data;

  g_free (q->expression);
  g_free (q->description);
  g_free (q->error);
  g_free (q);
}

static Quantity *
quantity_new (CurrentsConservationSource source,
              const char                *expression,
              char                      *description,
              int                        model_index)
{
  Quantity *q = g_new0 (Quantity, 1);

  q->source = source;
  q->expression = g_strdup (expression);
  q->description = description;
  q->model_index = model_index;
  return q;
}

/* ------------------------------------------------------------------------------------ */
/* The model's own quantities                                                           */

/* The equations behind @system: a `.ode` model, or a trained model whose kind is ODE. */
static const CurrentsModel *
system_model (CurrentsSystem *system)
{
  const CurrentsTrainedModel *trained;

  if (currents_system_get_model (system) != NULL)
    return currents_system_get_model (system);
  trained = currents_system_get_trained (system);
  if (trained != NULL && currents_trained_model_get_kind (trained) == CURRENTS_TRAINED_ODE)
    return currents_trained_model_get_ode (trained);
  return NULL;
}

/* Appends to @quantities what @model itself knows is conserved: a Hamiltonian model's
 * learned energy, a reaction network's exact laws, its `conserve` statements. With @x, only
 * evaluates the quantity @index (MODEL_ENERGY or a conserved quantity's index) at the state
 * @x, the parameters @p. Every use of the model families' API (currents-model.h) is here. */
static double
model_quantities (const CurrentsModel *model,
                  GPtrArray           *quantities,
                  int                  index,
                  const double        *x,
                  const double        *p)
{
  gsize n;

  if (x != NULL)
    return index == MODEL_ENERGY ? currents_model_eval_energy (model, x, p)
                                 : currents_model_eval_conserved (model, (gsize) index, x);

  if (currents_model_get_family (model) == CURRENTS_MODEL_HAMILTONIAN)
    g_ptr_array_add (quantities,
                     quantity_new (CURRENTS_CONSERVATION_SOURCE_ENERGY, "H",
                                   g_strdup (_("The learned energy, conserved by the flow")),
                                   MODEL_ENERGY));
  n = currents_model_get_n_conserved (model);
  for (gsize i = 0; i < n; i++)
    {
      const CurrentsModelConserved *c = currents_model_get_conserved (model, i);
      gboolean named = c->name != NULL && g_strcmp0 (c->name, c->expression) != 0;
      char *description;

      if (c->exact)
        description = named
                        ? g_strdup_printf (_("%s — exact: the reactions conserve it"), c->name)
                        : g_strdup (_("Exact: the reactions conserve it"));
      else if (named)
        description = g_strdup_printf (_("%s — trained with penalty λ = %g"), c->name,
                                       c->weight);
      else
        description = g_strdup_printf (_("Trained with penalty λ = %g"), c->weight);
      /* a `conserve` statement is an expression of the states: evaluated like the user's,
       * without the allocation currents_model_eval_conserved() makes for it */
      g_ptr_array_add (quantities,
                       quantity_new (c->exact ? CURRENTS_CONSERVATION_SOURCE_EXACT
                                              : CURRENTS_CONSERVATION_SOURCE_PENALTY,
                                     c->expression, description,
                                     c->exact ? (int) i : NO_MODEL_INDEX));
    }
  return NAN;
}

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
  double         h;
  CurrentsConservationIntegrator integrator;
  CurrentsSimOptions options;       /* the system's, for the adaptive run */
  char          *model_source;      /* for a private copy of the model, or NULL */
  char          *model_name;
  char         **state_names;
  guint          n_q;
  char         **expressions;       /* n_q: NULL for the model's own and rows in error */
  int           *model_index;       /* n_q */
  gboolean      *skip;              /* n_q: rows in error */
  guint          generation;
} Job;

typedef struct
{
  guint     n_q;
  double   *q0;         /* n_q */
  double   *drift;      /* n_q */
  gboolean *absolute;   /* n_q */
  gboolean *valid;      /* n_q */
  guint     n_samples;  /* M + 1 */
  double   *t;          /* M + 1 */
  double   *curves;     /* n_q × (M + 1) */
  gsize     n_steps;    /* fixed-step runs */
  gsize     reached;    /* samples reached (n_samples unless the run stopped) */
  double    t0, t_end;
  CurrentsConservationIntegrator integrator;
  CurrentsSimOptions options;   /* the model's solver's */
  double    h;
  char     *message;    /* why the run stopped, or NULL */
} Result;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->field, currents_field_unref);
  g_free (job->p);
  g_free (job->u);
  g_free (job->x0);
  g_free (job->model_source);
  g_free (job->model_name);
  g_strfreev (job->state_names);
  for (guint i = 0; i < job->n_q; i++)
    g_free (job->expressions[i]);
  g_free (job->expressions);
  g_free (job->model_index);
  g_free (job->skip);
  g_free (job);
}

static void
result_free (Result *r)
{
  if (r == NULL)
    return;
  g_free (r->q0);
  g_free (r->drift);
  g_free (r->absolute);
  g_free (r->valid);
  g_free (r->t);
  g_free (r->curves);
  g_free (r->message);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

/* How the thread evaluates the quantities and gathers their drift. */
typedef struct
{
  const Job                           *job;
  Result                              *r;
  CurrentsModel                       *model;    /* private copy, or NULL */
  CurrentsConservedQuantity          **cq;       /* n_q */
  CurrentsConservedQuantityWorkspace **ws;       /* n_q */
  gboolean                             started;
} Gauge;

static void
gauge_clear (Gauge *g)
{
  for (guint i = 0; i < g->job->n_q; i++)
    {
      g_clear_pointer (&g->ws[i], currents_conserved_quantity_workspace_free);
      g_clear_pointer (&g->cq[i], currents_conserved_quantity_free);
    }
  g_free (g->ws);
  g_free (g->cq);
  g_clear_pointer (&g->model, currents_model_free);
}

static gboolean
gauge_init (Gauge     *g,
            const Job *job,
            Result    *r,
            GError   **error)
{
  gboolean need_model = FALSE;

  g->job = job;
  g->r = r;
  g->cq = g_new0 (CurrentsConservedQuantity *, MAX (job->n_q, 1));
  g->ws = g_new0 (CurrentsConservedQuantityWorkspace *, MAX (job->n_q, 1));
  for (guint i = 0; i < job->n_q; i++)
    {
      if (job->skip[i])
        continue;
      if (job->model_index[i] != NO_MODEL_INDEX)
        {
          need_model = TRUE;
          r->valid[i] = TRUE;
          continue;
        }
      g->cq[i] = currents_conserved_quantity_new (job->expressions[i],
                                                  (const char *const *) job->state_names, NULL);
      if (g->cq[i] == NULL)
        continue;
      g->ws[i] = currents_conserved_quantity_workspace_new (g->cq[i]);
      r->valid[i] = TRUE;
    }
  if (need_model && job->model_source != NULL)
    {
      g->model = currents_model_new_from_string (job->model_source, job->model_name, error);
      if (g->model == NULL)
        return FALSE;
    }
  else if (need_model)
    for (guint i = 0; i < job->n_q; i++)
      if (job->model_index[i] != NO_MODEL_INDEX)
        r->valid[i] = FALSE;
  return TRUE;
}

static double
gauge_eval (Gauge        *g,
            guint         i,
            const double *x)
{
  if (g->job->model_index[i] != NO_MODEL_INDEX)
    return g->model != NULL
             ? model_quantities (g->model, NULL, g->job->model_index[i], x, g->job->p)
             : NAN;
  return currents_conserved_quantity_eval (g->ws[i], x);
}

/* The state @x of step (or output) @j, in sample @k (the largest drift of that sample's
 * steps is kept). The first call, at x(t0), sets q(0). */
static void
gauge_add (Gauge        *g,
           guint         k,
           const double *x)
{
  Result *r = g->r;

  for (guint i = 0; i < r->n_q; i++)
    {
      double q, d;

      if (!r->valid[i])
        continue;
      q = gauge_eval (g, i, x);
      if (!g->started)
        {
          r->q0[i] = q;
          r->absolute[i] = q == 0.0;
          r->drift[i] = 0.0;
          r->curves[(gsize) i * r->n_samples] = 0.0;
          continue;
        }
      d = r->absolute[i] ? fabs (q - r->q0[i]) : fabs (q - r->q0[i]) / fabs (r->q0[i]);
      if (!isfinite (d))
        d = INFINITY;
      r->drift[i] = MAX (r->drift[i], d);
      r->curves[(gsize) i * r->n_samples + k] = MAX (r->curves[(gsize) i * r->n_samples + k], d);
    }
  g->started = TRUE;
}

static gboolean
finite_state (const double *x,
              gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (x[i]))
      return FALSE;
  return TRUE;
}

#define CANCELLED(c, e) ((c) != NULL && g_cancellable_is_cancelled (c)) \
                        || g_error_matches ((e), G_IO_ERROR, G_IO_ERROR_CANCELLED)

/* The adaptive run: the model's solver and options, output at M + 1 equally spaced times. */
static gboolean
run_adaptive (Gauge        *g,
              GCancellable *cancellable,
              GError      **error)
{
  const Job *job = g->job;
  Result *r = g->r;
  gsize M = CURRENTS_CONSERVATION_N_SAMPLES, reached = 0;
  g_autoptr(CurrentsSimulator) sim = currents_simulator_new (job->field, &job->options);
  g_autoptr(CurrentsInputSignal) signal = NULL;
  g_autofree double *out = g_new0 (double, (M + 1) * job->n);
  gboolean ok;

  r->n_samples = M + 1;
  r->t = g_new (double, M + 1);
  r->curves = g_new0 (double, (gsize) r->n_q * (M + 1));
  for (gsize k = 0; k <= M; k++)
    r->t[k] = job->t0 + job->T * ((double) k / M);
  if (job->n_inputs > 0)
    signal = currents_input_signal_new_constant (job->n_inputs, job->u);
  ok = currents_simulator_run (sim, job->x0, job->p, signal, job->t0, r->t, M + 1, out,
                               &reached, cancellable, error);
  for (gsize k = 0; k < reached; k++)
    gauge_add (g, k, out + k * job->n);
  r->reached = reached;
  return ok;
}

/* A fixed-step run: N = round(T/h) steps of h, each step's state gauged. */
static gboolean
run_fixed (Gauge        *g,
           GCancellable *cancellable,
           GError      **error)
{
  const Job *job = g->job;
  Result *r = g->r;
  gsize n = job->n, N, M, j = 0, k = 1;
  g_autofree gsize *ends = NULL;
  g_autofree double *x = g_memdup2 (job->x0, n * sizeof (double));
  g_autofree double *out = g_new (double, (gsize) (CHUNK + 1) * n);
  g_autoptr(CurrentsSymplectic) sym = NULL;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autofree double *times = NULL;

  N = (gsize) MAX (round (job->T / job->h), 1.0);
  if (N > CURRENTS_CONSERVATION_MAX_STEPS)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MAX_STEPS,
                   _("T/h asks for %lu steps, more than %d: choose a larger step h or a "
                     "shorter time T"), (gulong) N, CURRENTS_CONSERVATION_MAX_STEPS);
      r->n_samples = 1;
      r->t = g_new (double, 1);
      r->t[0] = job->t0;
      r->curves = g_new0 (double, MAX (r->n_q, 1));
      return FALSE;
    }
  M = MIN (N, (gsize) CURRENTS_CONSERVATION_N_SAMPLES);
  r->n_steps = N;
  r->n_samples = M + 1;
  r->t = g_new (double, M + 1);
  r->curves = g_new0 (double, (gsize) r->n_q * (M + 1));
  ends = g_new (gsize, M + 1);
  for (gsize s = 0; s <= M; s++)
    {
      ends[s] = (gsize) ((guint64) s * N / M);
      r->t[s] = job->t0 + ends[s] * job->h;
    }

  if (job->integrator == CURRENTS_CONSERVATION_RK4)
    {
      CurrentsSimOptions options;

      currents_sim_options_init (&options);
      options.method = CURRENTS_METHOD_RK4;
      options.h = job->h;
      options.max_steps = 4 * CHUNK;
      sim = currents_simulator_new (job->field, &options);
      times = g_new (double, CHUNK + 1);
    }
  else
    sym = currents_symplectic_new (job->field, job->integrator == CURRENTS_CONSERVATION_GAUSS4
                                                 ? CURRENTS_SYMPLECTIC_GAUSS4
                                                 : CURRENTS_SYMPLECTIC_MIDPOINT);

  gauge_add (g, 0, x);
  r->reached = 1;
  while (j < N)
    {
      gsize c = MIN ((gsize) CHUNK, N - j), done = c;
      double tc = job->t0 + j * job->h;
      gboolean ok;

      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
      if (sym != NULL)
        ok = currents_symplectic_evolve (sym, tc, job->h, c, job->u, job->p, x, out,
                                         cancellable, error);
      else
        {
          g_autoptr(CurrentsInputSignal) signal = NULL;
          gsize reached = 0;

          for (gsize i = 0; i <= c; i++)
            times[i] = tc + i * job->h;
          if (job->n_inputs > 0)
            signal = currents_input_signal_new_constant (job->n_inputs, job->u);
          ok = currents_simulator_run (sim, x, job->p, signal, tc, times, c + 1, out, &reached,
                                       cancellable, error);
          done = reached > 0 ? reached - 1 : 0;
          if (done > 0)
            memcpy (x, out + done * n, n * sizeof (double));
        }
      if (!ok && sym != NULL)
        done = 0;   /* the stepper says not how far it came */
      for (gsize i = 1; i <= done; i++)
        {
          const double *xi = out + i * n;

          if (!finite_state (xi, n))
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                           _("The state became infinite or undefined at t = %g"),
                           job->t0 + (j + i) * job->h);
              return FALSE;
            }
          while (j + i > ends[k])
            k++;
          gauge_add (g, k, xi);
          r->reached = k + 1;
        }
      j += done;
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

static void
conservation_thread (GTask        *task,
                     gpointer      source_object,
                     gpointer      task_data,
                     GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(Result) r = g_new0 (Result, 1);
  g_autoptr(GError) error = NULL;
  Gauge g = { 0 };
  gboolean ok, any_valid = FALSE;

  r->n_q = job->n_q;
  r->q0 = g_new (double, MAX (job->n_q, 1));
  r->drift = g_new (double, MAX (job->n_q, 1));
  r->absolute = g_new0 (gboolean, MAX (job->n_q, 1));
  r->valid = g_new0 (gboolean, MAX (job->n_q, 1));
  for (guint i = 0; i < job->n_q; i++)
    r->q0[i] = r->drift[i] = NAN;
  r->t0 = job->t0;
  r->integrator = job->integrator;
  r->options = job->options;
  r->h = job->h;

  ok = gauge_init (&g, job, r, &error);
  for (guint i = 0; i < job->n_q; i++)
    any_valid = any_valid || r->valid[i];
  if (ok && !any_valid)
    {
      /* nothing to check: no run */
      gauge_clear (&g);
      r->n_samples = r->reached = 1;
      r->t = g_new (double, 1);
      r->t[0] = r->t_end = job->t0;
      r->curves = g_new0 (double, MAX (r->n_q, 1));
      g_task_return_pointer (task, g_steal_pointer (&r), (GDestroyNotify) result_free);
      return;
    }
  if (ok)
    ok = job->integrator == CURRENTS_CONSERVATION_MODEL_SOLVER
           ? run_adaptive (&g, cancellable, &error)
           : run_fixed (&g, cancellable, &error);
  gauge_clear (&g);
  if (!ok && (CANCELLED (cancellable, error)))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return;
    }
  if (!ok)
    r->message = g_strdup (error != NULL ? error->message : _("The run failed"));
  if (r->t == NULL)
    {
      r->n_samples = 1;
      r->t = g_new (double, 1);
      r->t[0] = job->t0;
      r->curves = g_new0 (double, MAX (r->n_q, 1));
    }
  r->reached = MAX (r->reached, 1);
  r->t_end = r->t[r->reached - 1];
  /* samples not reached are not drawn */
  for (guint i = 0; i < r->n_q; i++)
    for (gsize k = r->reached; k < r->n_samples; k++)
      r->curves[(gsize) i * r->n_samples + k] = NAN;
  g_task_return_pointer (task, g_steal_pointer (&r), (GDestroyNotify) result_free);
}

/* ------------------------------------------------------------------------------------ */

struct _CurrentsConservationView
{
  GtkWidget            parent_instance;

  /* template widgets */
  GtkStack            *conservation_stack;
  GtkDrawingArea      *conservation_canvas;
  GtkDropDown         *conservation_integrator;
  GtkSpinButton       *conservation_step_spin;
  GtkAdjustment       *conservation_step_adjustment;
  GtkAdjustment       *conservation_time_adjustment;
  GtkLabel            *conservation_summary;
  GtkListBox          *conservation_list;
  AdwEntryRow         *conservation_entry;

  CurrentsPortrait    *portrait;    /* weak */
  CurrentsParameterPanel *panel;    /* weak: the portrait's */

  /* what is shown */
  gboolean             has_model;
  gsize                n_states;
  char                *key;         /* the state names: a different model resets T and h */
  char               **names;
  GPtrArray           *quantities;  /* Quantity: the model's, then the user's */
  char                *user_text;
  char                *summary;
  CurrentsConservationIntegrator integrator;
  double               h;
  double               T;
  gboolean             updating;    /* controls moved by the code */

  /* the computation */
  GCancellable        *cancellable;
  guint                generation;
  guint                idle_source;
  gboolean             pending;
  gboolean             dirty;
  Result              *result;

  CurrentsConservationStats stats;
};

G_DEFINE_FINAL_TYPE (CurrentsConservationView, currents_conservation_view, GTK_TYPE_WIDGET)

static void start_job (CurrentsConservationView *self);

static gboolean
run_idle_cb (gpointer data)
{
  CurrentsConservationView *self = data;

  self->idle_source = 0;
  start_job (self);
  return G_SOURCE_REMOVE;
}

/* Something shown changed: the result in hand is stale. Coalesced into one job per
 * main-loop turn. */
static void
request_update (CurrentsConservationView *self)
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

static const char *
integrator_label (CurrentsConservationIntegrator integrator)
{
  switch (integrator)
    {
    case CURRENTS_CONSERVATION_GAUSS4:
      return _("Gauss–Legendre, order 4 (symplectic)");
    case CURRENTS_CONSERVATION_MIDPOINT:
      return _("Implicit midpoint (symplectic)");
    case CURRENTS_CONSERVATION_RK4:
      return _("Runge–Kutta 4 (fixed step)");
    case CURRENTS_CONSERVATION_MODEL_SOLVER:
    default:
      return _("the model's solver");
    }
}

/* v as "3.1 × 10⁻⁹" (Pango markup). */
static char *
format_sci_markup (double v)
{
  int e;
  double m;

  if (isinf (v))
    return g_strdup ("∞");
  if (!isfinite (v))
    return g_strdup ("—");
  if (v == 0.0)
    return g_strdup ("0");
  e = (int) floor (log10 (fabs (v)));
  if (e >= -2 && e <= 3)
    return g_strdup_printf ("%.3g", v);
  m = v / pow (10.0, e);
  if (fabs (m) >= 9.95)
    {
      m /= 10.0;
      e++;
    }
  return g_strdup_printf ("%.1f × 10<sup>%s%d</sup>", m, e < 0 ? "−" : "", ABS (e));
}

static char *
format_number (double v)
{
  if (!isfinite (v))
    return g_strdup ("—");
  return g_strdup_printf ("%.6g", v);
}

/* "Gauss–Legendre, order 4 (symplectic), h = 0.05"; "the model's solver (rk8pd, tolerance
 * 1e-06)". */
static char *
method_phrase (const Result *r)
{
  g_autofree char *h = NULL;

  if (r->integrator != CURRENTS_CONSERVATION_MODEL_SOLVER)
    {
      h = format_number (r->h);
      return g_strdup_printf (_("%s, h = %s"), integrator_label (r->integrator), h);
    }
  if (currents_method_is_fixed_step (r->options.method))
    {
      h = format_number (r->options.h);
      return g_strdup_printf (_("%s (%s, h = %s)"), integrator_label (r->integrator),
                              currents_method_to_string (r->options.method), h);
    }
  return g_strdup_printf (_("%s (%s, tolerance %g)"), integrator_label (r->integrator),
                          currents_method_to_string (r->options.method), r->options.rtol);
}

/* A quantity's name in a sentence: “E + C”, or the energy H. */
static char *
quantity_phrase (const Quantity *q)
{
  g_autofree char *escaped = g_markup_escape_text (q->expression, -1);

  if (q->source == CURRENTS_CONSERVATION_SOURCE_ENERGY)
    return g_strdup_printf (_("the energy %s"), escaped);
  return g_strdup_printf ("“%s”", escaped);
}

/* The largest drift in the first and the last quarter of the run. */
static void
quarters (const Result *r,
          guint         i,
          double       *first,
          double       *last)
{
  double span = r->t_end - r->t0;

  *first = *last = 0.0;
  for (gsize k = 1; k < r->reached; k++)
    {
      double d = r->curves[(gsize) i * r->n_samples + k];

      if (r->t[k] <= r->t0 + 0.25 * span)
        *first = MAX (*first, d);
      if (r->t[k] >= r->t0 + 0.75 * span)
        *last = MAX (*last, d);
    }
}

/* What the figure shows, in words (Pango markup). */
static char *
make_summary (CurrentsConservationView *self)
{
  Result *r = self->result;
  GString *s;
  guint worst = G_MAXUINT, n_valid = 0;
  double others = 0.0;

  if (r == NULL)
    return g_strdup ("");
  s = g_string_new (NULL);
  for (guint i = 0; i < r->n_q && i < self->quantities->len; i++)
    if (r->valid[i])
      {
        n_valid++;
        if (worst == G_MAXUINT || !(r->drift[i] <= r->drift[worst]))
          worst = i;
      }
  if (n_valid == 0)
    g_string_append (s, _("Type a quantity of the states under “Check a quantity” (for "
                           "example the sum of some states) to see how well a run keeps it."));
  else
    {
      const Quantity *q = g_ptr_array_index (self->quantities, worst);
      g_autofree char *t0 = format_number (r->t0);
      g_autofree char *t1 = format_number (r->t_end);
      g_autofree char *name = quantity_phrase (q);
      g_autofree char *drift = format_sci_markup (r->drift[worst]);
      g_autofree char *method = method_phrase (r);
      const char *kind = r->absolute[worst] ? _("absolute: it starts at 0") : _("relative");
      double first, last;

      for (guint i = 0; i < r->n_q; i++)
        if (r->valid[i] && i != worst)
          others = MAX (others, r->drift[i]);
      quarters (r, worst, &first, &last);
      if (r->drift[worst] >= 1e-12 && last > 2.0 * first)
        g_string_append_printf (s, _("Over t = %s … %s with %s, %s drifts up to %s from its "
                                     "start (%s)%s, and the drift grows along the run: %.3g× "
                                     "larger in the last quarter than in the first."),
                                t0, t1, method, name, drift, kind,
                                n_valid > 1 ? _(", the largest drift of all") : "",
                                first > 0 ? last / first : INFINITY);
      else
        g_string_append_printf (s, _("Over t = %s … %s with %s, %s stays within %s of its "
                                     "start (%s)%s: %s."),
                                t0, t1, method, name, drift, kind,
                                n_valid > 1 ? _(", the largest drift of all") : "",
                                r->drift[worst] < 1e-12
                                  ? _("conserved to round-off")
                                  : _("the error stays bounded, no larger in the last quarter "
                                      "of the run than twice the first"));
      if (n_valid > 1)
        {
          g_autofree char *o = format_sci_markup (others);

          g_string_append_printf (s, _(" The others stay within %s."), o);
        }
    }
  if (r->message != NULL)
    {
      g_autofree char *escaped = g_markup_escape_text (r->message, -1);
      g_autofree char *t = format_number (r->t_end);

      g_string_append_printf (s, _(" <b>The run stopped at t = %s:</b> %s"), t, escaped);
    }
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------------------------ */
/* The list                                                                             */

static void
curve_color (CurrentsConservationView *self,
             guint                     i,
             CurrentsPlotColor        *color)
{
  CurrentsPlotTheme theme;

  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  currents_plot_theme_palette_color (&theme, i, color);
}

static char *
row_value_markup (CurrentsConservationView *self,
                  guint                     i)
{
  Result *r = self->result;
  const Quantity *q = g_ptr_array_index (self->quantities, i);
  g_autofree char *start = NULL, *drift = NULL;

  if (q->error != NULL)
    return g_strdup ("");
  if (r == NULL || i >= r->n_q || !r->valid[i])
    return g_strdup ("…");
  start = isfinite (r->q0[i]) && r->q0[i] != 0.0 && fabs (r->q0[i]) >= 1e-3
            && fabs (r->q0[i]) < 1e6 ? g_strdup_printf ("%.6g", r->q0[i])
                                     : format_sci_markup (r->q0[i]);
  drift = format_sci_markup (r->drift[i]);
  if (r->absolute[i])
    return g_strdup_printf (_("start %s\ndrift %s (absolute)"), start, drift);
  return g_strdup_printf (_("start %s\ndrift %s"), start, drift);
}

/* One row per quantity, its colour, what it is, its start and drift. */
static void
rebuild_rows (CurrentsConservationView *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->conservation_list))) != NULL)
    gtk_list_box_remove (self->conservation_list, child);
  for (guint i = 0; i < self->quantities->len; i++)
    {
      const Quantity *q = g_ptr_array_index (self->quantities, i);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *swatch = gtk_label_new (NULL);
      GtkWidget *value = gtk_label_new (NULL);
      g_autofree char *title = g_markup_escape_text (q->expression, -1);
      g_autofree char *subtitle = g_markup_escape_text (q->error != NULL ? q->error
                                                                         : q->description, -1);
      g_autofree char *values = row_value_markup (self, i);

      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row), FALSE);
      if (q->error != NULL)
        {
          gtk_widget_add_css_class (row, "error");
          adw_action_row_set_icon_name (ADW_ACTION_ROW (row), "dialog-error-symbolic");
        }
      else
        {
          CurrentsPlotColor c;
          g_autofree char *markup = NULL;

          curve_color (self, i, &c);
          markup = g_strdup_printf ("<span foreground=\"#%02x%02x%02x\" size=\"large\">●</span>",
                                    (int) round (255 * c.red), (int) round (255 * c.green),
                                    (int) round (255 * c.blue));
          gtk_label_set_markup (GTK_LABEL (swatch), markup);
          adw_action_row_add_prefix (ADW_ACTION_ROW (row), swatch);
        }
      gtk_label_set_markup (GTK_LABEL (value), values);
      gtk_label_set_xalign (GTK_LABEL (value), 1.0);
      gtk_label_set_justify (GTK_LABEL (value), GTK_JUSTIFY_RIGHT);
      gtk_widget_add_css_class (value, "numeric");
      adw_action_row_add_suffix (ADW_ACTION_ROW (row), value);
      g_object_set_data (G_OBJECT (row), "value-label", value);
      gtk_list_box_append (self->conservation_list, row);
    }
  gtk_widget_set_visible (GTK_WIDGET (self->conservation_list), self->quantities->len > 0);
}

static void
update_values (CurrentsConservationView *self)
{
  guint i = 0;

  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->conservation_list));
       row != NULL && i < self->quantities->len; row = gtk_widget_get_next_sibling (row), i++)
    {
      GtkLabel *value = g_object_get_data (G_OBJECT (row), "value-label");
      g_autofree char *markup = row_value_markup (self, i);

      if (value != NULL)
        gtk_label_set_markup (value, markup);
    }
  g_free (self->summary);
  self->summary = make_summary (self);
  gtk_label_set_markup (self->conservation_summary, self->summary);
}

/* The model's quantities and the user's, against the states shown. */
static void
collect_quantities (CurrentsConservationView *self)
{
  CurrentsSystem *system = self->portrait != NULL ? currents_portrait_get_system (self->portrait)
                                                  : NULL;
  gboolean any_error = FALSE;

  g_ptr_array_set_size (self->quantities, 0);
  if (system != NULL && self->has_model)
    {
      const CurrentsModel *model = system_model (system);
      g_auto(GStrv) parts = NULL;

      if (model != NULL)
        model_quantities (model, self->quantities, 0, NULL, NULL);
      parts = g_strsplit (self->user_text != NULL ? self->user_text : "", ";", -1);
      for (guint k = 0; parts[k] != NULL; k++)
        {
          g_autoptr(GError) error = NULL;
          g_autoptr(CurrentsConservedQuantity) cq = NULL;
          g_autofree char *text = g_strstrip (g_strdup (parts[k]));
          Quantity *q;

          if (*text == '\0')
            continue;
          q = quantity_new (CURRENTS_CONSERVATION_SOURCE_USER, text,
                            g_strdup (_("Typed in: checked along the run")), NO_MODEL_INDEX);
          cq = currents_conserved_quantity_new (text, currents_system_get_state_names (system),
                                                &error);
          if (cq == NULL)
            {
              q->error = g_strdup (error->message);
              any_error = TRUE;
            }
          g_ptr_array_add (self->quantities, q);
        }
    }
  if (any_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->conservation_entry), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->conservation_entry), "error");
  g_clear_pointer (&self->result, result_free);
  rebuild_rows (self);
  update_values (self);
}

/* ------------------------------------------------------------------------------------ */

static void
conservation_done_cb (GObject      *source,
                      GAsyncResult *res,
                      gpointer      user_data)
{
  CurrentsConservationView *self = CURRENTS_CONSERVATION_VIEW (source);
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
  update_values (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->conservation_canvas));
}

static void
start_job (CurrentsConservationView *self)
{
  CurrentsSystem *system = self->portrait != NULL ? currents_portrait_get_system (self->portrait)
                                                  : NULL;
  const CurrentsModel *model;
  g_autoptr(GTask) task = NULL;
  Job *job;
  gsize n;

  if (system == NULL || !self->has_model || currents_system_get_n_states (system) != self->n_states)
    {
      g_clear_pointer (&self->result, result_free);
      self->pending = FALSE;
      update_values (self);
      return;
    }
  n = self->n_states;
  job = g_new0 (Job, 1);
  job->field = currents_field_ref (currents_system_get_field (system));
  job->n = n;
  job->n_inputs = currents_system_get_n_inputs (system);
  job->p = g_memdup2 (currents_system_get_params (system),
                      MAX (currents_system_get_n_params (system), 1) * sizeof (double));
  job->u = g_memdup2 (currents_system_get_inputs (system),
                      MAX (job->n_inputs, 1) * sizeof (double));
  job->x0 = g_memdup2 (currents_system_get_initial (system), n * sizeof (double));
  job->t0 = currents_system_get_t0 (system);
  job->T = self->T;
  job->h = self->h;
  job->integrator = self->integrator;
  currents_system_get_sim_options (system, &job->options);
  model = system_model (system);
  if (model != NULL)
    {
      job->model_source = g_strdup (currents_model_get_source (model));
      job->model_name = g_strdup (currents_model_get_filename (model));
    }
  job->state_names = g_strdupv ((char **) currents_system_get_state_names (system));
  job->n_q = self->quantities->len;
  job->expressions = g_new0 (char *, MAX (job->n_q, 1));
  job->model_index = g_new0 (int, MAX (job->n_q, 1));
  job->skip = g_new0 (gboolean, MAX (job->n_q, 1));
  for (guint i = 0; i < job->n_q; i++)
    {
      const Quantity *q = g_ptr_array_index (self->quantities, i);

      job->model_index[i] = q->model_index;
      job->skip[i] = q->error != NULL;
      if (q->model_index == NO_MODEL_INDEX && q->error == NULL)
        job->expressions[i] = g_strdup (q->expression);
    }
  job->generation = self->generation;

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, conservation_done_cb, NULL);
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, conservation_thread);
}

static void
update_controls (CurrentsConservationView *self)
{
  self->updating = TRUE;
  gtk_drop_down_set_selected (self->conservation_integrator, self->integrator);
  gtk_adjustment_set_value (self->conservation_step_adjustment, self->h);
  gtk_adjustment_set_value (self->conservation_time_adjustment, self->T);
  gtk_widget_set_sensitive (GTK_WIDGET (self->conservation_step_spin),
                            self->integrator != CURRENTS_CONSERVATION_MODEL_SOLVER);
  self->updating = FALSE;
}

/* The model shown changed (or its data, or axes). */
static void
sync_model (CurrentsConservationView *self)
{
  CurrentsSystem *system = self->portrait != NULL ? currents_portrait_get_system (self->portrait)
                                                  : NULL;
  g_autofree char *key = NULL;

  if (system == NULL || currents_system_get_n_states (system) == 0)
    {
      self->has_model = FALSE;
      gtk_stack_set_visible_child_name (self->conservation_stack, "empty");
      collect_quantities (self);
      request_update (self);
      return;
    }
  key = g_strjoinv ("\n", (char **) currents_system_get_state_names (system));
  self->has_model = TRUE;
  gtk_stack_set_visible_child_name (self->conservation_stack, "content");
  if (g_strcmp0 (key, self->key) != 0)
    {
      double total = currents_system_get_total (system);
      CurrentsSimOptions options;

      g_free (self->key);
      self->key = g_steal_pointer (&key);
      g_strfreev (self->names);
      self->names = g_strdupv ((char **) currents_system_get_state_names (system));
      self->n_states = currents_system_get_n_states (system);
      self->T = isfinite (total) && total > 0 ? total : 10.0;
      currents_system_get_sim_options (system, &options);
      self->h = currents_method_is_fixed_step (options.method) && options.h > 0 ? options.h
                                                                                : DEFAULT_STEP;
      update_controls (self);
    }
  collect_quantities (self);
  request_update (self);
}

static void
content_changed_cb (CurrentsConservationView *self)
{
  sync_model (self);
}

static void
value_changed_cb (CurrentsParameterPanel   *panel,
                  guint                     kind,
                  guint                     index,
                  double                    value,
                  CurrentsConservationView *self)
{
  /* the portrait has written the value into the system; the job reads it from there */
  request_update (self);
}

static void
integrator_changed_cb (CurrentsConservationView *self)
{
  if (self->updating)
    return;
  currents_conservation_view_set_integrator (
    self,
    (CurrentsConservationIntegrator) gtk_drop_down_get_selected (self->conservation_integrator));
}

static void
step_changed_cb (CurrentsConservationView *self)
{
  if (self->updating)
    return;
  currents_conservation_view_set_step (
    self, gtk_adjustment_get_value (self->conservation_step_adjustment));
}

static void
time_changed_cb (CurrentsConservationView *self)
{
  if (self->updating)
    return;
  currents_conservation_view_set_time (
    self, gtk_adjustment_get_value (self->conservation_time_adjustment));
}

static void
entry_apply_cb (CurrentsConservationView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->conservation_entry));

  if (g_strcmp0 (text, self->user_text) == 0)
    return;
  g_free (self->user_text);
  self->user_text = g_strdup (text);
  collect_quantities (self);
  request_update (self);
}

static void
dark_changed_cb (CurrentsConservationView *self)
{
  rebuild_rows (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->conservation_canvas));
}

static void
map_cb (CurrentsConservationView *self)
{
  if (self->dirty)
    {
      self->dirty = FALSE;
      if (self->idle_source == 0)
        self->idle_source = g_idle_add_full (G_PRIORITY_HIGH_IDLE + 20, run_idle_cb, self, NULL);
    }
}

static void
unmap_cb (CurrentsConservationView *self)
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
/* Drawing                                                                              */

/* The corner of the plot with the fewest curve points near it. */
static CurrentsPlotCorner
emptiest_corner (const CurrentsPlotViewport *vp,
                 const double               *xs,
                 const double               *ys,
                 gsize                       n)
{
  static const CurrentsPlotCorner corners[4] = {
    CURRENTS_PLOT_CORNER_TOP_LEFT, CURRENTS_PLOT_CORNER_TOP_RIGHT,
    CURRENTS_PLOT_CORNER_BOTTOM_RIGHT, CURRENTS_PLOT_CORNER_BOTTOM_LEFT,
  };
  guint count[4] = { 0 }, best = 0;

  for (gsize k = 0; k < n; k++)
    {
      double fx = (xs[k] - vp->xlo) / (vp->xhi - vp->xlo);
      double fy = (ys[k] - vp->ylo) / (vp->yhi - vp->ylo);

      if (!isfinite (fx) || !isfinite (fy))
        continue;
      if (fy > 0.55 && fx < 0.55)
        count[0]++;
      if (fy > 0.55 && fx > 0.45)
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

static void
draw_plot (CurrentsConservationView  *self,
           cairo_t                   *cr,
           const CurrentsPlotTheme   *theme,
           double                     width,
           double                     height,
           CurrentsConservationStats *stats)
{
  Result *r = self->result;
  CurrentsPlotViewport vp;
  double ylo = INFINITY, yhi = -INFINITY, xlo, xhi;
  g_autofree double *ys = NULL;
  g_autofree double *all_x = NULL, *all_y = NULL;
  g_autofree CurrentsPlotLegendEntry *entries = NULL;
  g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func (g_free);
  gsize M, n_all = 0;
  guint n_entries = 0;

  stats->n_curves = 0;
  stats->n_segments = 0;
  if (r == NULL || r->reached < 2)
    {
      currents_plot_set_source_color (cr, &theme->background);
      cairo_paint (cr);
      return;
    }
  M = r->n_samples;
  ys = g_new (double, (gsize) MAX (r->n_q, 1) * M);
  for (guint i = 0; i < r->n_q; i++)
    for (gsize k = 0; k < M; k++)
      {
        double d = r->curves[(gsize) i * M + k], y;

        y = !r->valid[i] || k == 0 || isnan (d) ? NAN : log10 (MAX (d, DRIFT_FLOOR));
        if (isinf (y))
          y = NAN;
        ys[(gsize) i * M + k] = y;
        if (isfinite (y))
          {
            ylo = MIN (ylo, y);
            yhi = MAX (yhi, y);
          }
      }
  if (!(ylo <= yhi))
    {
      ylo = -17;
      yhi = -15;
    }
  ylo = floor (ylo);
  yhi = ceil (yhi);
  if (yhi - ylo < 2)
    {
      ylo -= 1;
      yhi += 1;
    }
  xlo = r->t0;
  xhi = r->t_end > r->t0 ? r->t_end : r->t0 + 1;
  currents_plot_layout (cr, theme, width, height, xlo, xhi, ylo, yhi, 0.0, &vp);
  currents_plot_draw_background (cr, theme, width, height, &vp);
  currents_plot_draw_grid (cr, theme, &vp);

  entries = g_new0 (CurrentsPlotLegendEntry, MAX (r->n_q, 1));
  all_x = g_new (double, (gsize) MAX (r->n_q, 1) * M);
  all_y = g_new (double, (gsize) MAX (r->n_q, 1) * M);
  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);
  for (guint i = 0; i < r->n_q && i < self->quantities->len; i++)
    {
      const Quantity *q = g_ptr_array_index (self->quantities, i);
      CurrentsPlotColor color;

      if (!r->valid[i])
        continue;
      currents_plot_theme_palette_color (theme, i, &color);
      stats->n_segments += currents_plot_draw_polyline (cr, &vp, r->t, 1, ys + (gsize) i * M, 1,
                                                        r->reached, &color, 2.0, -1.0);
      stats->n_curves++;
      memcpy (all_x + n_all, r->t, r->reached * sizeof (double));
      memcpy (all_y + n_all, ys + (gsize) i * M, r->reached * sizeof (double));
      n_all += r->reached;
      g_ptr_array_add (labels, g_strdup (q->expression));
      entries[n_entries].label = g_ptr_array_index (labels, labels->len - 1);
      entries[n_entries].color = color;
      entries[n_entries].symbol = CURRENTS_PLOT_LEGEND_LINE;
      entries[n_entries].line_width = 2.0;
      n_entries++;
    }
  cairo_restore (cr);
  currents_plot_draw_axes (cr, theme, &vp, "t", _("log₁₀ drift"));
  if (n_entries > 0)
    currents_plot_draw_legend (cr, theme, &vp, entries, n_entries,
                               emptiest_corner (&vp, all_x, all_y, n_all));
}

static void
draw_canvas (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  CurrentsConservationView *self = data;
  CurrentsPlotTheme theme;

  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  draw_plot (self, cr, &theme, width, height, &self->stats);
  self->stats.n_frames++;
}

/* ------------------------------------------------------------------------------------ */

static void
disconnect_portrait (CurrentsConservationView *self)
{
  _currents_view_forget (self, (gpointer *) &self->panel);
  _currents_view_forget (self, (gpointer *) &self->portrait);
}

static void
currents_conservation_view_dispose (GObject *object)
{
  CurrentsConservationView *self = CURRENTS_CONSERVATION_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  g_clear_handle_id (&self->idle_source, g_source_remove);
  g_signal_handlers_disconnect_by_func (adw_style_manager_get_default (), dark_changed_cb, self);
  self->generation++;
  disconnect_portrait (self);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_CONSERVATION_VIEW);
  /* children the template made but did not bind */
  _currents_view_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (currents_conservation_view_parent_class)->dispose (object);
}

static void
currents_conservation_view_finalize (GObject *object)
{
  CurrentsConservationView *self = CURRENTS_CONSERVATION_VIEW (object);

  result_free (self->result);
  g_ptr_array_unref (self->quantities);
  g_free (self->user_text);
  g_free (self->summary);
  g_free (self->key);
  g_strfreev (self->names);
  G_OBJECT_CLASS (currents_conservation_view_parent_class)->finalize (object);
}

static void
currents_conservation_view_class_init (CurrentsConservationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_conservation_view_dispose;
  object_class->finalize = currents_conservation_view_finalize;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-conservation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsConservationView, conservation_stack);
  gtk_widget_class_bind_template_child (widget_class, CurrentsConservationView,
                                        conservation_canvas);
  gtk_widget_class_bind_template_child (widget_class, CurrentsConservationView,
                                        conservation_integrator);
  gtk_widget_class_bind_template_child (widget_class, CurrentsConservationView,
                                        conservation_step_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsConservationView,
                                        conservation_step_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CurrentsConservationView,
                                        conservation_time_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CurrentsConservationView,
                                        conservation_summary);
  gtk_widget_class_bind_template_child (widget_class, CurrentsConservationView, conservation_list);
  gtk_widget_class_bind_template_child (widget_class, CurrentsConservationView, conservation_entry);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "conservationview");
}

static void
currents_conservation_view_init (CurrentsConservationView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->quantities = g_ptr_array_new_with_free_func (quantity_free);
  self->integrator = CURRENTS_CONSERVATION_MODEL_SOLVER;
  self->h = DEFAULT_STEP;
  self->T = 10.0;
  update_controls (self);
  rebuild_rows (self);

  gtk_drawing_area_set_draw_func (self->conservation_canvas, draw_canvas, self, NULL);
  g_signal_connect_swapped (self->conservation_integrator, "notify::selected",
                            G_CALLBACK (integrator_changed_cb), self);
  g_signal_connect_swapped (self->conservation_step_adjustment, "value-changed",
                            G_CALLBACK (step_changed_cb), self);
  g_signal_connect_swapped (self->conservation_time_adjustment, "value-changed",
                            G_CALLBACK (time_changed_cb), self);
  g_signal_connect_swapped (self->conservation_entry, "apply", G_CALLBACK (entry_apply_cb), self);
  g_signal_connect_swapped (self->conservation_entry, "entry-activated",
                            G_CALLBACK (entry_apply_cb), self);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (unmap_cb), NULL);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (dark_changed_cb), self);
}

GtkWidget *
currents_conservation_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_CONSERVATION_VIEW, NULL);
}

void
currents_conservation_view_set_portrait (CurrentsConservationView *self,
                                         CurrentsPortrait         *portrait)
{
  g_return_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self));
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
/* Settings, results, export                                                            */

void
currents_conservation_view_set_integrator (CurrentsConservationView       *self,
                                           CurrentsConservationIntegrator  integrator)
{
  g_return_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self));
  g_return_if_fail (integrator <= CURRENTS_CONSERVATION_RK4);

  if (integrator == self->integrator)
    return;
  self->integrator = integrator;
  update_controls (self);
  request_update (self);
}

CurrentsConservationIntegrator
currents_conservation_view_get_integrator (CurrentsConservationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), CURRENTS_CONSERVATION_MODEL_SOLVER);
  return self->integrator;
}

void
currents_conservation_view_set_step (CurrentsConservationView *self,
                                     double                    h)
{
  g_return_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self));

  if (!(h > 0) || !isfinite (h) || h == self->h)
    return;
  self->h = h;
  update_controls (self);
  if (self->integrator != CURRENTS_CONSERVATION_MODEL_SOLVER)
    request_update (self);
}

double
currents_conservation_view_get_step (CurrentsConservationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), NAN);
  return self->h;
}

void
currents_conservation_view_set_time (CurrentsConservationView *self,
                                     double                    T)
{
  g_return_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self));

  if (!(T > 0) || !isfinite (T) || T == self->T)
    return;
  self->T = T;
  update_controls (self);
  request_update (self);
}

double
currents_conservation_view_get_time (CurrentsConservationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), NAN);
  return self->T;
}

void
currents_conservation_view_set_user_quantities (CurrentsConservationView *self,
                                                const char               *text)
{
  g_return_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->conservation_entry), text != NULL ? text : "");
  entry_apply_cb (self);
}

gboolean
currents_conservation_view_get_busy (CurrentsConservationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), FALSE);
  return self->pending;
}

guint
currents_conservation_view_get_n_quantities (CurrentsConservationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), 0);
  return self->quantities->len;
}

static const Quantity *
get_quantity (CurrentsConservationView *self,
              guint                     i)
{
  return i < self->quantities->len ? g_ptr_array_index (self->quantities, i) : NULL;
}

CurrentsConservationSource
currents_conservation_view_get_source (CurrentsConservationView *self,
                                       guint                     i)
{
  const Quantity *q;

  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), CURRENTS_CONSERVATION_SOURCE_USER);
  q = get_quantity (self, i);
  g_return_val_if_fail (q != NULL, CURRENTS_CONSERVATION_SOURCE_USER);
  return q->source;
}

const char *
currents_conservation_view_get_expression (CurrentsConservationView *self,
                                           guint                     i)
{
  const Quantity *q;

  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), NULL);
  q = get_quantity (self, i);
  return q != NULL ? q->expression : NULL;
}

const char *
currents_conservation_view_get_error (CurrentsConservationView *self,
                                      guint                     i)
{
  const Quantity *q;

  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), NULL);
  q = get_quantity (self, i);
  return q != NULL ? q->error : NULL;
}

double
currents_conservation_view_get_start_value (CurrentsConservationView *self,
                                            guint                     i)
{
  Result *r;

  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), NAN);
  r = self->result;
  if (r == NULL || i >= r->n_q || !r->valid[i])
    return NAN;
  return r->q0[i];
}

double
currents_conservation_view_get_drift (CurrentsConservationView *self,
                                      guint                     i,
                                      gboolean                 *absolute)
{
  Result *r;

  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), NAN);
  r = self->result;
  if (r == NULL || i >= r->n_q || !r->valid[i])
    return NAN;
  if (absolute != NULL)
    *absolute = r->absolute[i];
  return r->drift[i];
}

guint
currents_conservation_view_get_samples (CurrentsConservationView *self,
                                        guint                     i,
                                        const double            **times,
                                        const double            **drift)
{
  Result *r;

  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), 0);
  r = self->result;
  if (r == NULL)
    return 0;
  if (times != NULL)
    *times = r->t;
  if (drift != NULL)
    *drift = i < r->n_q && r->valid[i] ? r->curves + (gsize) i * r->n_samples : NULL;
  return (guint) r->reached;
}

gsize
currents_conservation_view_get_n_steps (CurrentsConservationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), 0);
  return self->result != NULL ? self->result->n_steps : 0;
}

const char *
currents_conservation_view_get_summary (CurrentsConservationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), NULL);
  return gtk_label_get_text (self->conservation_summary);
}

void
currents_conservation_view_get_stats (CurrentsConservationView  *self,
                                      CurrentsConservationStats *stats)
{
  g_return_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self));
  g_return_if_fail (stats != NULL);
  *stats = self->stats;
}

gboolean
currents_conservation_view_export_png (CurrentsConservationView *self,
                                       const char               *path,
                                       int                       width,
                                       int                       height,
                                       GError                  **error)
{
  cairo_surface_t *surface;
  cairo_status_t status;
  CurrentsPlotTheme theme;
  CurrentsConservationStats scratch = { 0 };
  cairo_t *cr;

  g_return_val_if_fail (CURRENTS_IS_CONSERVATION_VIEW (self), FALSE);
  g_return_val_if_fail (path != NULL && width > 0 && height > 0, FALSE);

  if (self->result == NULL)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("There is nothing to export yet"));
      return FALSE;
    }
  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (surface);
  draw_plot (self, cr, &theme, width, height, &scratch);
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
