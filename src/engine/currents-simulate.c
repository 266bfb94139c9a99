/* currents-simulate.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Integrates
 *
 *   dx/dt = f(t, x, u(t), p),   x(t0) = x0,
 *
 * forward (t ≥ t0) or backward (t ≤ t0) in time, u piecewise linear.
 *
 * Adaptive methods (rk8pd, rkf45, rkck, msbdf) are GSL's odeiv2 steppers, driven one
 * accepted step at a time through gsl_odeiv2_evolve_apply() with the error test
 *
 *   |err_i| ≤ atol + rtol·|x_i|   (gsl_odeiv2_control_standard_new (atol, rtol, 1, 0)).
 *
 * Every output time and every input breakpoint is a stopping time that the solver lands on
 * exactly (evolve_apply with t1 = that time), so outputs carry full solver accuracy and no
 * step straddles a kink of u(t). At a breakpoint the stepper is reset (msbdf restarts its
 * history at order 1). msbdf gets the exact Jacobian ∂f/∂x from the field; the field has no
 * ∂f/∂t, so GSL's dfdt is 0 for an autonomous field with constant inputs and otherwise the
 * central difference
 *
 *   ∂f/∂t ≈ (f(t+δ, x, u(t+δ)) − f(t−δ, x, u(t−δ))) / 2δ,   δ = ε^(1/3)·max(1, |t|),
 *
 * with u continued linearly along the current piece (msbdf does not use dfdt in its Newton
 * iteration, so this only matters to GSL steppers that would).
 *
 * Fixed-step methods reproduce XPPAUT's (odesol2.c) arithmetic operation for operation:
 *
 *   euler      x ← x + h f(t, x);                                  t ← t + h
 *   modeuler   y = h f(t, x) + x;  x ← ½((x + y) + h f(t + h, y)); t ← t + h     (Heun)
 *   rk4        classical RK4, stages at t, t + ½h, t + ½h, t + h;  t ← t + h
 *   symplectic for states in pairs (q, v) with q' = v, v' = F(t, q, v), three stages
 *                s = 0, 1, 2:  q ← q + (h b_s) v;  v ← v + (h B_s) F(t, q, v)
 *              with b = (7/24, 3/4, −1/24), B = (2/3, −2/3, 1), F evaluated at the step's
 *              start time t in every stage; t ← t + h.  (Ruth's 1983 scheme with the roles
 *              of drift and kick exchanged: third order, symplectic for separable H.)
 *              Like XPP it moves q with v itself, so a run refuses a model whose q' is
 *              not v (checked at x0 on f and on row q of ∂f/∂x).
 *
 * and like XPP advance the time by accumulation, t_{k+1} = t_k + h (h < 0 backward), which
 * is the t the right-hand side sees. The step grid is t0 + k h; an output time within
 * 1e-9 steps of a grid point is that grid point. An output time between grid points is
 * reached by stepping to the grid point before it and taking one shortened step of
 * t_out − t_k from a copy of the state, so the grid trajectory (and every later output)
 * is the same whatever the output times are. A breakpoint strictly inside a step splits
 * that step into sub-steps that meet at the breakpoint; the grid itself is unchanged.
 *
 * Every method checks the state after every step (XPP checks its bound only at stored
 * rows): a non-finite state is NON_FINITE, |x_i| > bound is OUT_OF_BOUNDS.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-simulate"

#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

#include "currents-error.h"
#include "currents-simulate.h"

#define DEFAULT_FIXED_STEP 0.05
#define DEFAULT_MAX_STEPS  1000000
#define CANCEL_CHECK_EVERY 100
#define MAX_STATES_IN_MESSAGE 16

/* ------------------------------------------------------------------------------------ */
/* Methods                                                                              */

static const char *const method_names[] = {
  [CURRENTS_METHOD_RK8PD] = "rk8pd",
  [CURRENTS_METHOD_RKF45] = "rkf45",
  [CURRENTS_METHOD_RKCK] = "rkck",
  [CURRENTS_METHOD_BDF] = "bdf",
  [CURRENTS_METHOD_RK4] = "rk4",
  [CURRENTS_METHOD_EULER] = "euler",
  [CURRENTS_METHOD_MODEULER] = "modeuler",
  [CURRENTS_METHOD_SYMPLECTIC] = "symplectic",
};

/**
 * currents_method_from_string:
 * @name: a method name: "rk8pd", "rkf45", "rkck", "bdf", "rk4", "euler", "modeuler" or
 *   "symplectic" (case-insensitive)
 * @method: (out): the method
 *
 * Returns: %TRUE if @name is a method
 */
gboolean
currents_method_from_string (const char     *name,
                             CurrentsMethod *method)
{
  g_return_val_if_fail (method != NULL, FALSE);

  if (name == NULL)
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (method_names); i++)
    if (g_ascii_strcasecmp (name, method_names[i]) == 0)
      {
        *method = (CurrentsMethod) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * currents_method_to_string:
 * @method: a method
 *
 * Returns: the name currents_method_from_string() accepts, or "unknown"
 */
const char *
currents_method_to_string (CurrentsMethod method)
{
  if ((guint) method < G_N_ELEMENTS (method_names))
    return method_names[method];
  return "unknown";
}

/**
 * currents_method_is_fixed_step:
 * @method: a method
 *
 * Returns: %TRUE for XPP's fixed-step methods (rk4, euler, modeuler, symplectic)
 */
gboolean
currents_method_is_fixed_step (CurrentsMethod method)
{
  return method == CURRENTS_METHOD_RK4 || method == CURRENTS_METHOD_EULER
         || method == CURRENTS_METHOD_MODEULER || method == CURRENTS_METHOD_SYMPLECTIC;
}

/**
 * currents_sim_options_init:
 * @options: (out caller-allocates): options to fill
 *
 * Sets the defaults: rk8pd, rtol 1e-6, atol 1e-9, h 0 (automatic; 0.05 for fixed-step
 * methods), h_min 0 (1e-12·max(1, |t|)), h_max 0 (unlimited), max_steps 1000000, bound 0
 * (off).
 */
void
currents_sim_options_init (CurrentsSimOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->method = CURRENTS_METHOD_RK8PD;
  options->rtol = 1e-6;
  options->atol = 1e-9;
  options->h = 0.0;
  options->h_min = 0.0;
  options->h_max = 0.0;
  options->max_steps = DEFAULT_MAX_STEPS;
  options->bound = 0.0;
}

/* ------------------------------------------------------------------------------------ */
/* Input signals                                                                        */

/* Knots (times[k], values[k*m .. k*m+m-1]), k < n_knots, times strictly increasing.
 * Piece j (0 ≤ j ≤ n_knots) is the stretch between knot j−1 and knot j: piece 0 is
 * (−∞, times[0]] and piece n_knots is [times[n_knots−1], ∞), both constant. */
struct _CurrentsInputSignal
{
  gsize   n_inputs;
  gsize   n_knots;
  double *times;
  double *values;
  double *breakpoints;
  gsize   n_breakpoints;
};

static double
signal_slope (const CurrentsInputSignal *signal,
              gsize                      piece,
              gsize                      i)
{
  const gsize m = signal->n_inputs;

  if (piece == 0 || piece >= signal->n_knots)
    return 0.0;
  return (signal->values[piece * m + i] - signal->values[(piece - 1) * m + i])
         / (signal->times[piece] - signal->times[piece - 1]);
}

static void
signal_find_breakpoints (CurrentsInputSignal *signal)
{
  signal->breakpoints = g_new (double, MAX (signal->n_knots, 1));
  signal->n_breakpoints = 0;

  if (signal->n_knots < 2)
    return;

  for (gsize k = 0; k < signal->n_knots; k++)
    {
      gboolean kink = FALSE;

      /* Knot k joins piece k (left) and piece k + 1 (right). */
      for (gsize i = 0; i < signal->n_inputs && !kink; i++)
        {
          double left = signal_slope (signal, k, i);
          double right = signal_slope (signal, k + 1, i);

          kink = fabs (left - right) > 1e-12 * MAX (fabs (left), fabs (right));
        }
      if (kink)
        signal->breakpoints[signal->n_breakpoints++] = signal->times[k];
    }
}

/**
 * currents_input_signal_new_constant:
 * @n_inputs: m
 * @u: (array length=n_inputs) (nullable): the constant input levels; %NULL for zeros
 *
 * Returns: (transfer full): a signal that is @u at every time
 */
CurrentsInputSignal *
currents_input_signal_new_constant (gsize         n_inputs,
                                    const double *u)
{
  CurrentsInputSignal *signal = g_new0 (CurrentsInputSignal, 1);

  signal->n_inputs = n_inputs;
  signal->n_knots = 1;
  signal->times = g_new0 (double, 1);
  signal->values = g_new0 (double, MAX (n_inputs, 1));
  if (u != NULL && n_inputs > 0)
    memcpy (signal->values, u, n_inputs * sizeof (double));
  signal_find_breakpoints (signal);
  return signal;
}

/**
 * currents_input_signal_new_from_trajectory:
 * @traj: a trajectory
 * @n_inputs: m, the number of input columns of @traj
 *
 * Makes the piecewise-linear interpolant of @traj's inputs through its sample times,
 * constant before the first and after the last sample. When every input of @traj is
 * constant the signal is a single knot (no breakpoints).
 *
 * Returns: (transfer full): a new signal
 */
CurrentsInputSignal *
currents_input_signal_new_from_trajectory (const CurrentsTrajectory *traj,
                                           gsize                     n_inputs)
{
  CurrentsInputSignal *signal;
  const double *times;
  const double *inputs;
  gsize n_samples;
  gboolean all_constant = TRUE;

  g_return_val_if_fail (traj != NULL, NULL);

  n_samples = currents_trajectory_get_n_samples (traj);
  times = currents_trajectory_get_times (traj);
  inputs = currents_trajectory_get_inputs (traj);

  if (n_inputs == 0 || n_samples == 0 || inputs == NULL)
    return currents_input_signal_new_constant (n_inputs, NULL);

  for (gsize i = 0; i < n_inputs && all_constant; i++)
    all_constant = currents_trajectory_input_is_constant (traj, i);
  if (all_constant || n_samples == 1)
    {
      signal = currents_input_signal_new_constant (n_inputs, inputs);
      signal->times[0] = times[0];
      return signal;
    }

  signal = g_new0 (CurrentsInputSignal, 1);
  signal->n_inputs = n_inputs;
  signal->n_knots = n_samples;
  signal->times = g_memdup2 (times, n_samples * sizeof (double));
  signal->values = g_memdup2 (inputs, n_samples * n_inputs * sizeof (double));
  signal_find_breakpoints (signal);
  return signal;
}

/**
 * currents_input_signal_new:
 * @n_inputs: m
 * @n_knots: how many knots (≥ 1)
 * @times: (array length=n_knots): knot times, strictly increasing
 * @values: n_knots × m values, row-major
 *
 * The piecewise-linear interpolant through the knots, constant before the first and
 * after the last. Knots where no input changes slope are not breakpoints.
 *
 * Returns: (transfer full): a new signal
 */
CurrentsInputSignal *
currents_input_signal_new (gsize         n_inputs,
                           gsize         n_knots,
                           const double *times,
                           const double *values)
{
  CurrentsInputSignal *signal;

  g_return_val_if_fail (n_knots >= 1, NULL);
  if (n_inputs == 0)
    return currents_input_signal_new_constant (0, NULL);
  signal = g_new0 (CurrentsInputSignal, 1);
  signal->n_inputs = n_inputs;
  signal->n_knots = n_knots;
  signal->times = g_memdup2 (times, n_knots * sizeof (double));
  signal->values = g_memdup2 (values, n_knots * n_inputs * sizeof (double));
  signal_find_breakpoints (signal);
  return signal;
}

void
currents_input_signal_free (CurrentsInputSignal *signal)
{
  if (signal == NULL)
    return;
  g_free (signal->times);
  g_free (signal->values);
  g_free (signal->breakpoints);
  g_free (signal);
}

gsize
currents_input_signal_get_n_inputs (const CurrentsInputSignal *signal)
{
  g_return_val_if_fail (signal != NULL, 0);
  return signal->n_inputs;
}

/**
 * currents_input_signal_get_breakpoints:
 * @signal: a signal
 * @n: (out): the number of breakpoints
 *
 * Returns: (array length=n): the sorted times where some input's slope changes
 */
const double *
currents_input_signal_get_breakpoints (const CurrentsInputSignal *signal,
                                       gsize                     *n)
{
  g_return_val_if_fail (signal != NULL, NULL);
  g_return_val_if_fail (n != NULL, NULL);

  *n = signal->n_breakpoints;
  return signal->breakpoints;
}

/* Number of knots with times[k] ≤ t: the piece whose closed span holds t, taking the
 * right-hand piece at a knot. */
static gsize
signal_piece_at (const CurrentsInputSignal *signal,
                 double                     t)
{
  gsize lo = 0, hi = signal->n_knots;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (signal->times[mid] <= t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* Number of knots with times[k] < t: the piece holding (t − ε, t). */
static gsize
signal_piece_before (const CurrentsInputSignal *signal,
                     double                     t)
{
  gsize lo = 0, hi = signal->n_knots;

  while (lo < hi)
    {
      gsize mid = lo + (hi - lo) / 2;

      if (signal->times[mid] < t)
        lo = mid + 1;
      else
        hi = mid;
    }
  return lo;
}

/* u(t) on the line through @piece, continued linearly beyond its ends. */
static void
signal_eval_piece (const CurrentsInputSignal *signal,
                   gsize                      piece,
                   double                     t,
                   double                    *u)
{
  const gsize m = signal->n_inputs;

  if (piece == 0 || signal->n_knots == 1)
    memcpy (u, signal->values, m * sizeof (double));
  else if (piece >= signal->n_knots)
    memcpy (u, signal->values + (signal->n_knots - 1) * m, m * sizeof (double));
  else
    {
      const double ta = signal->times[piece - 1];
      const double tb = signal->times[piece];
      const double *ua = signal->values + (piece - 1) * m;
      const double *ub = signal->values + piece * m;
      const double w = (t - ta) / (tb - ta);

      for (gsize i = 0; i < m; i++)
        u[i] = ua[i] + w * (ub[i] - ua[i]);
    }
}

/**
 * currents_input_signal_eval:
 * @signal: a signal
 * @t: a time
 * @u: (out caller-allocates) (array): the m input levels at @t
 */
void
currents_input_signal_eval (const CurrentsInputSignal *signal,
                            double                     t,
                            double                    *u)
{
  g_return_if_fail (signal != NULL);

  if (signal->n_inputs == 0)
    return;
  signal_eval_piece (signal, signal_piece_at (signal, t), t, u);
}

/* ------------------------------------------------------------------------------------ */
/* Simulator                                                                            */

struct _CurrentsSimulator
{
  CurrentsField             *field;
  CurrentsFieldWorkspace    *ws;
  CurrentsSimOptions         options;
  gsize                      n;
  gsize                      m;
  gboolean                   autonomous;
  char                     **state_names;

  gsl_odeiv2_system          sys;
  gsl_odeiv2_driver         *driver;      /* adaptive methods: owns step, control, evolve */

  /* Scratch, sized in _new. */
  double                    *x;           /* n: the state being advanced */
  double                    *x_prev;      /* n: state before the last adaptive step */
  double                    *x_short;     /* n: state after a shortened final step */
  double                    *f;           /* n */
  double                    *f2;          /* n */
  double                    *stage;       /* 2n: fixed-step stage vectors */
  double                    *jac;         /* n×n: symplectic structure check only */
  double                    *u;           /* m (at least 1) */

  /* The current run. */
  const double              *p;
  const CurrentsInputSignal *inputs;
  GCancellable              *cancellable;
  gsize                      piece_lo;    /* pieces of u allowed in the current interval */
  gsize                      piece_hi;
  gboolean                   need_dfdt;
  double                     t0;
  double                     t;
  double                     dir;         /* +1 forward, −1 backward */
  double                     h;           /* adaptive: signed step proposal */
  double                     h_fixed;     /* fixed-step: signed step */
  gint64                     k_grid;      /* fixed-step: grid steps taken */
  gsize                      n_steps;
  gsize                      n_evals;
  GArray                    *dense_t;
  GArray                    *dense_x;
};

static const gsl_odeiv2_step_type *
method_step_type (CurrentsMethod method)
{
  switch (method)
    {
    case CURRENTS_METHOD_RK8PD:
      return gsl_odeiv2_step_rk8pd;
    case CURRENTS_METHOD_RKF45:
      return gsl_odeiv2_step_rkf45;
    case CURRENTS_METHOD_RKCK:
      return gsl_odeiv2_step_rkck;
    case CURRENTS_METHOD_BDF:
      return gsl_odeiv2_step_msbdf;
    case CURRENTS_METHOD_RK4:
    case CURRENTS_METHOD_EULER:
    case CURRENTS_METHOD_MODEULER:
    case CURRENTS_METHOD_SYMPLECTIC:
    default:
      return NULL;
    }
}

static gboolean
tolerances_valid (const CurrentsSimOptions *o)
{
  return isfinite (o->rtol) && isfinite (o->atol) && o->rtol >= 0.0 && o->atol >= 0.0
         && o->rtol + o->atol > 0.0;
}

/* u(t) restricted to the pieces of the current stopping interval, so that a stage or a
 * difference quotient just outside the interval continues the interval's own line. */
static inline void
sim_inputs_at (CurrentsSimulator *sim,
               double             t)
{
  gsize piece;

  if (sim->m == 0)
    return;
  piece = signal_piece_at (sim->inputs, t);
  piece = CLAMP (piece, sim->piece_lo, sim->piece_hi);
  signal_eval_piece (sim->inputs, piece, t, sim->u);
}

static inline void
sim_eval (CurrentsSimulator *sim,
          double             t,
          const double      *x,
          double            *f)
{
  sim_inputs_at (sim, t);
  currents_field_eval (sim->ws, t, x, sim->u, sim->p, f);
  sim->n_evals++;
}

/* Sets the pieces of u that apply between stopping times ta and tb (no breakpoint lies
 * strictly between them). */
static void
sim_set_interval (CurrentsSimulator *sim,
                  double             ta,
                  double             tb)
{
  const double lo = MIN (ta, tb), hi = MAX (ta, tb);

  if (sim->m == 0)
    return;
  sim->piece_lo = signal_piece_at (sim->inputs, lo);
  sim->piece_hi = MAX (signal_piece_before (sim->inputs, hi), sim->piece_lo);
}

static int
sim_gsl_func (double        t,
              const double  y[],
              double        dydt[],
              void         *data)
{
  CurrentsSimulator *sim = data;

  sim_eval (sim, t, y, dydt);
  for (gsize i = 0; i < sim->n; i++)
    if (!isfinite (dydt[i]))
      return GSL_EBADFUNC;
  return GSL_SUCCESS;
}

static int
sim_gsl_jacobian (double        t,
                  const double  y[],
                  double       *dfdy,
                  double        dfdt[],
                  void         *data)
{
  CurrentsSimulator *sim = data;
  const gsize n = sim->n;

  sim_inputs_at (sim, t);
  currents_field_jacobian (sim->ws, t, y, sim->u, sim->p, NULL, dfdy, NULL);
  for (gsize i = 0; i < n * n; i++)
    if (!isfinite (dfdy[i]))
      return GSL_EBADFUNC;

  if (!sim->need_dfdt)
    {
      memset (dfdt, 0, n * sizeof (double));
      return GSL_SUCCESS;
    }

  {
    const double delta = cbrt (DBL_EPSILON) * MAX (1.0, fabs (t));
    const double tp = t + delta, tm = t - delta;

    sim_eval (sim, tp, y, sim->f);
    sim_eval (sim, tm, y, sim->f2);
    for (gsize i = 0; i < n; i++)
      {
        dfdt[i] = (sim->f[i] - sim->f2[i]) / (tp - tm);
        if (!isfinite (dfdt[i]))
          return GSL_EBADFUNC;
      }
  }
  return GSL_SUCCESS;
}

/**
 * currents_simulator_new:
 * @field: the vector field
 * @options: (nullable): the integrator options; %NULL for the defaults
 *
 * Allocates everything a run needs (GSL objects, a field workspace, scratch vectors), so
 * runs allocate nothing per step. A simulator is used by one thread at a time.
 *
 * Returns: (transfer full): a new simulator
 */
CurrentsSimulator *
currents_simulator_new (CurrentsField            *field,
                        const CurrentsSimOptions *options)
{
  CurrentsSimulator *sim;
  const gsl_odeiv2_step_type *type;
  gsize n;

  g_return_val_if_fail (field != NULL, NULL);

  sim = g_new0 (CurrentsSimulator, 1);
  sim->field = currents_field_ref (field);
  sim->ws = currents_field_workspace_new (field);
  if (options != NULL)
    sim->options = *options;
  else
    currents_sim_options_init (&sim->options);
  if (sim->options.max_steps == 0)
    sim->options.max_steps = DEFAULT_MAX_STEPS;
  if (currents_method_is_fixed_step (sim->options.method) && !(sim->options.h > 0.0))
    sim->options.h = DEFAULT_FIXED_STEP;

  n = sim->n = currents_field_get_n_states (field);
  sim->m = currents_field_get_n_inputs (field);
  sim->autonomous = currents_field_is_autonomous (field);

  sim->x = g_new0 (double, MAX (n, 1));
  sim->x_prev = g_new0 (double, MAX (n, 1));
  sim->x_short = g_new0 (double, MAX (n, 1));
  sim->f = g_new0 (double, MAX (n, 1));
  sim->f2 = g_new0 (double, MAX (n, 1));
  sim->stage = g_new0 (double, 2 * MAX (n, 1));
  sim->u = g_new0 (double, MAX (sim->m, 1));
  if (sim->options.method == CURRENTS_METHOD_SYMPLECTIC)
    sim->jac = g_new0 (double, MAX (n * n, 1));

  sim->sys.function = sim_gsl_func;
  sim->sys.jacobian = sim_gsl_jacobian;
  sim->sys.dimension = n;
  sim->sys.params = sim;

  type = method_step_type (sim->options.method);
  if (type != NULL && n > 0)
    {
      /* Invalid tolerances are reported by the run; allocate with the defaults meanwhile. */
      double rtol = tolerances_valid (&sim->options) ? sim->options.rtol : 1e-6;
      double atol = tolerances_valid (&sim->options) ? sim->options.atol : 1e-9;

      sim->driver = gsl_odeiv2_driver_alloc_standard_new (&sim->sys, type, 1e-6,
                                                          atol, rtol, 1.0, 0.0);
      g_assert (sim->driver != NULL);
    }
  return sim;
}

void
currents_simulator_free (CurrentsSimulator *sim)
{
  if (sim == NULL)
    return;
  if (sim->driver != NULL)
    gsl_odeiv2_driver_free (sim->driver);
  g_free (sim->x);
  g_free (sim->x_prev);
  g_free (sim->x_short);
  g_free (sim->f);
  g_free (sim->f2);
  g_free (sim->stage);
  g_free (sim->jac);
  g_free (sim->u);
  g_strfreev (sim->state_names);
  currents_field_workspace_free (sim->ws);
  currents_field_unref (sim->field);
  g_free (sim);
}

/**
 * currents_simulator_set_state_names:
 * @sim: a simulator
 * @names: (nullable) (array zero-terminated=1): the state names, for error messages
 */
void
currents_simulator_set_state_names (CurrentsSimulator *sim,
                                    const char *const *names)
{
  g_return_if_fail (sim != NULL);

  g_strfreev (sim->state_names);
  sim->state_names = g_strdupv ((char **) names);
}

const CurrentsSimOptions *
currents_simulator_get_options (const CurrentsSimulator *sim)
{
  g_return_val_if_fail (sim != NULL, NULL);
  return &sim->options;
}

/**
 * currents_simulator_get_n_evals:
 * @sim: a simulator
 *
 * Returns: the number of right-hand-side evaluations in the last run (Jacobian
 *   evaluations not counted, the evaluations of a ∂f/∂t difference quotient counted)
 */
gsize
currents_simulator_get_n_evals (const CurrentsSimulator *sim)
{
  g_return_val_if_fail (sim != NULL, 0);
  return sim->n_evals;
}

/* ------------------------------------------------------------------------------------ */
/* Errors                                                                               */

static void
append_state_name (GString           *s,
                   CurrentsSimulator *sim,
                   gsize              i)
{
  if (sim->state_names != NULL && i < g_strv_length (sim->state_names))
    g_string_append (s, sim->state_names[i]);
  else
    g_string_append_printf (s, "x[%" G_GSIZE_FORMAT "]", i);
}

static void sim_set_error (CurrentsSimulator *sim, GError **error, int code, double t,
                           const double *x, const char *format, ...) G_GNUC_PRINTF (6, 7);

/* "<what> at t = T: x = 1.2, y = -4e+08 (method rk8pd)" */
static void
sim_set_error (CurrentsSimulator *sim,
               GError           **error,
               int                code,
               double             t,
               const double      *x,
               const char        *format,
               ...)
{
  GString *s = g_string_new (NULL);
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (s, format, args);
  va_end (args);

  g_string_append_printf (s, " at t = %.12g", t);
  if (x != NULL && sim->n > 0)
    {
      gsize shown = MIN (sim->n, MAX_STATES_IN_MESSAGE);

      g_string_append (s, ": ");
      for (gsize i = 0; i < shown; i++)
        {
          if (i > 0)
            g_string_append (s, ", ");
          append_state_name (s, sim, i);
          g_string_append_printf (s, " = %g", x[i]);
        }
      if (shown < sim->n)
        g_string_append_printf (s, ", … (%" G_GSIZE_FORMAT " states)", sim->n);
    }
  g_string_append_printf (s, " (method %s)", currents_method_to_string (sim->options.method));

  g_set_error_literal (error, CURRENTS_ENGINE_ERROR, code, s->str);
  g_string_free (s, TRUE);
}

/* After every step: NaN/Inf and XPP's bound. */
static gboolean
sim_check_state (CurrentsSimulator *sim,
                 double             t,
                 const double      *x,
                 GError           **error)
{
  const double bound = sim->options.bound;
  const gboolean check_bound = bound > 0.0 && isfinite (bound);

  for (gsize i = 0; i < sim->n; i++)
    {
      if (!isfinite (x[i]))
        {
          GString *name = g_string_new (NULL);

          append_state_name (name, sim, i);
          sim_set_error (sim, error, CURRENTS_ENGINE_ERROR_NON_FINITE, t, x,
                         "%s is not finite", name->str);
          g_string_free (name, TRUE);
          return FALSE;
        }
      if (check_bound && fabs (x[i]) > bound)
        {
          GString *name = g_string_new (NULL);

          append_state_name (name, sim, i);
          sim_set_error (sim, error, CURRENTS_ENGINE_ERROR_OUT_OF_BOUNDS, t, x,
                         "%s out of bounds (|%s| > %g)", name->str, name->str, bound);
          g_string_free (name, TRUE);
          return FALSE;
        }
    }
  return TRUE;
}

/* Before every step: the step limit and, every CANCEL_CHECK_EVERY steps, cancellation. */
static gboolean
sim_check_budget (CurrentsSimulator *sim,
                  GError           **error)
{
  if (sim->n_steps % CANCEL_CHECK_EVERY == 0
      && g_cancellable_is_cancelled (sim->cancellable))
    {
      sim_set_error (sim, error, CURRENTS_ENGINE_ERROR_CANCELLED, sim->t, sim->x,
                     "simulation cancelled");
      return FALSE;
    }
  if (sim->n_steps >= sim->options.max_steps)
    {
      sim_set_error (sim, error, CURRENTS_ENGINE_ERROR_MAX_STEPS, sim->t, sim->x,
                     "maximum number of steps (%" G_GSIZE_FORMAT ") reached",
                     sim->options.max_steps);
      return FALSE;
    }
  sim->n_steps++;
  return TRUE;
}

static inline void
sim_dense_push (CurrentsSimulator *sim,
                double             t,
                const double      *x)
{
  if (sim->dense_t == NULL)
    return;
  g_array_append_val (sim->dense_t, t);
  g_array_append_vals (sim->dense_x, x, sim->n);
}

/* The first breakpoint strictly between ta and tb (in the direction of travel), ignoring
 * breakpoints within @tol of either end. */
static gboolean
sim_next_breakpoint (CurrentsSimulator *sim,
                     double             ta,
                     double             tb,
                     double             tol,
                     double            *bp)
{
  const double *bps;
  gsize nb, lo = 0, hi;

  if (sim->m == 0 || sim->inputs->n_breakpoints == 0)
    return FALSE;
  bps = sim->inputs->breakpoints;
  nb = hi = sim->inputs->n_breakpoints;

  if (tb > ta)
    {
      /* first bps[k] > ta + tol */
      while (lo < hi)
        {
          gsize mid = lo + (hi - lo) / 2;
          if (bps[mid] <= ta + tol)
            lo = mid + 1;
          else
            hi = mid;
        }
      if (lo < nb && bps[lo] < tb - tol)
        {
          *bp = bps[lo];
          return TRUE;
        }
    }
  else if (tb < ta)
    {
      /* last bps[k] < ta − tol */
      while (lo < hi)
        {
          gsize mid = lo + (hi - lo) / 2;
          if (bps[mid] < ta - tol)
            lo = mid + 1;
          else
            hi = mid;
        }
      if (lo > 0 && bps[lo - 1] > tb + tol)
        {
          *bp = bps[lo - 1];
          return TRUE;
        }
    }
  return FALSE;
}

static gboolean
sim_is_breakpoint (CurrentsSimulator *sim,
                   double             t)
{
  gsize piece;

  if (sim->m == 0 || sim->inputs->n_breakpoints == 0)
    return FALSE;
  /* Breakpoints are knot times, so compare with the knot at or before t. */
  piece = signal_piece_at (sim->inputs, t);
  if (piece == 0 || sim->inputs->times[piece - 1] != t)
    return FALSE;
  for (gsize k = 0; k < sim->inputs->n_breakpoints; k++)
    if (sim->inputs->breakpoints[k] == t)
      return TRUE;
  return FALSE;
}

static double
sim_h_min (CurrentsSimulator *sim,
           double             t)
{
  if (sim->options.h_min > 0.0)
    return sim->options.h_min;
  return 1e-12 * MAX (1.0, fabs (t));
}

/* ------------------------------------------------------------------------------------ */
/* Adaptive methods                                                                     */

/* A first step from the scaled sizes of x0 and f(t0, x0) (Hairer, Nørsett & Wanner,
 * "Solving ODEs I", II.4), clamped to the span, h_max and well above h_min. */
static gboolean
sim_initial_step (CurrentsSimulator *sim,
                  double             span,
                  GError           **error)
{
  const CurrentsSimOptions *o = &sim->options;
  double h, d0 = 0.0, d1 = 0.0;

  if (o->h > 0.0)
    h = o->h;
  else
    {
      if (sim_gsl_func (sim->t, sim->x, sim->f, sim) != GSL_SUCCESS)
        {
          sim_set_error (sim, error, CURRENTS_ENGINE_ERROR_NON_FINITE, sim->t, sim->x,
                         "the right-hand side is not finite");
          return FALSE;
        }
      for (gsize i = 0; i < sim->n; i++)
        {
          /* (pure relative tolerance on a zero component: no scale, count it as large) */
          double sc = MAX (o->atol + o->rtol * fabs (sim->x[i]), DBL_MIN);

          d0 += (sim->x[i] / sc) * (sim->x[i] / sc);
          d1 += (sim->f[i] / sc) * (sim->f[i] / sc);
        }
      d0 = sqrt (d0 / sim->n);
      d1 = sqrt (d1 / sim->n);
      h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
      if (!isfinite (h))
        h = 1e-6;
    }
  h = MIN (h, fabs (span));
  if (o->h_max > 0.0)
    h = MIN (h, o->h_max);
  h = MAX (h, 100.0 * sim_h_min (sim, sim->t));
  sim->h = sim->dir * h;
  return TRUE;
}

/* Advances sim->t, sim->x to t_target exactly, stopping at breakpoints. */
static gboolean
sim_adaptive_advance (CurrentsSimulator *sim,
                      double             t_target,
                      GError           **error)
{
  gsl_odeiv2_driver *d = sim->driver;

  while (sim->t != t_target)
    {
      double stop = t_target;

      sim_next_breakpoint (sim, sim->t, t_target, 0.0, &stop);
      sim_set_interval (sim, sim->t, stop);

      while (sim->t != stop)
        {
          const double t_prev = sim->t;
          int status;

          if (!sim_check_budget (sim, error))
            return FALSE;
          if (sim->options.h_max > 0.0 && fabs (sim->h) > sim->options.h_max)
            sim->h = sim->dir * sim->options.h_max;

          memcpy (sim->x_prev, sim->x, sim->n * sizeof (double));
          status = gsl_odeiv2_evolve_apply (d->e, d->c, d->s, &sim->sys, &sim->t, stop,
                                            &sim->h, sim->x);
          if (status != GSL_SUCCESS)
            {
              /* GSL leaves y (and after a failed error test also t) mid-step. */
              sim->t = t_prev;
              memcpy (sim->x, sim->x_prev, sim->n * sizeof (double));
              if (status == GSL_EBADFUNC)
                sim_set_error (sim, error, CURRENTS_ENGINE_ERROR_NON_FINITE, sim->t, sim->x,
                               "the right-hand side became non-finite in the step starting");
              else
                sim_set_error (sim, error, CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW, sim->t,
                               sim->x, "step size underflow (h = %g)", fabs (sim->h));
              return FALSE;
            }
          if (!sim_check_state (sim, sim->t, sim->x, error))
            return FALSE;
          /* A final step onto a stopping time may be short by design. */
          if (sim->t != stop && fabs (sim->t - t_prev) < sim_h_min (sim, sim->t))
            {
              sim_set_error (sim, error, CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW, sim->t, sim->x,
                             "step size underflow (h = %g)", fabs (sim->t - t_prev));
              return FALSE;
            }
          sim_dense_push (sim, sim->t, sim->x);
        }

      /* Restart the stepper (msbdf's history) after a kink of u(t). */
      if (sim_is_breakpoint (sim, stop))
        gsl_odeiv2_driver_reset (d);
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Fixed-step methods (XPPAUT's arithmetic, see the top of the file)                    */

static const double symp_b[3] = { 7.0 / 24.0, 0.75, -1.0 / 24.0 };
static const double symp_B[3] = { 2.0 / 3.0, -2.0 / 3.0, 1.0 };

/* One step of size dt from time t; x is overwritten. */
static void
sim_fixed_step (CurrentsSimulator *sim,
                double            *x,
                double             t,
                double             dt)
{
  const gsize n = sim->n;
  double *k = sim->f;
  double *y0 = sim->stage;
  double *y2 = sim->stage + n;

  switch (sim->options.method)
    {
    case CURRENTS_METHOD_EULER:
      sim_eval (sim, t, x, k);
      for (gsize i = 0; i < n; i++)
        x[i] = x[i] + dt * k[i];
      break;

    case CURRENTS_METHOD_MODEULER:
      sim_eval (sim, t, x, k);
      for (gsize i = 0; i < n; i++)
        y0[i] = dt * k[i] + x[i];
      sim_eval (sim, t + dt, y0, k);
      for (gsize i = 0; i < n; i++)
        x[i] = 0.5 * (x[i] + y0[i] + dt * k[i]);
      break;

    case CURRENTS_METHOD_RK4:
      {
        const double t1 = t + 0.5 * dt;
        const double t2 = t + dt;

        sim_eval (sim, t, x, k);
        for (gsize i = 0; i < n; i++)
          {
            y0[i] = x[i] + dt * k[i] / 6.0;
            y2[i] = x[i] + dt * k[i] * 0.5;
          }
        sim_eval (sim, t1, y2, k);
        for (gsize i = 0; i < n; i++)
          {
            y0[i] = y0[i] + dt * k[i] / 3.0;
            y2[i] = x[i] + 0.5 * dt * k[i];
          }
        sim_eval (sim, t1, y2, k);
        for (gsize i = 0; i < n; i++)
          {
            y0[i] = y0[i] + dt * k[i] / 3.0;
            y2[i] = x[i] + dt * k[i];
          }
        sim_eval (sim, t2, y2, k);
        for (gsize i = 0; i < n; i++)
          x[i] = y0[i] + dt * k[i] / 6.0;
      }
      break;

    case CURRENTS_METHOD_SYMPLECTIC:
      for (guint s = 0; s < 3; s++)
        {
          for (gsize j = 0; j + 1 < n; j += 2)
            x[j] += dt * symp_b[s] * x[j + 1];
          sim_eval (sim, t, x, k);
          for (gsize j = 0; j + 1 < n; j += 2)
            x[j + 1] += dt * symp_B[s] * k[j + 1];
        }
      break;

    case CURRENTS_METHOD_RK8PD:
    case CURRENTS_METHOD_RKF45:
    case CURRENTS_METHOD_RKCK:
    case CURRENTS_METHOD_BDF:
    default:
      g_assert_not_reached ();
    }
}

/* Steps x from ta to tb, a step of dt = tb − ta (given, so that a grid step uses exactly
 * h as XPP does), split into sub-steps at breakpoints strictly inside. */
static void
sim_fixed_span (CurrentsSimulator *sim,
                double            *x,
                double             ta,
                double             tb,
                double             dt)
{
  const double tol = 1e-9 * fabs (sim->h_fixed);
  double t = ta, bp;

  while (sim_next_breakpoint (sim, t, tb, tol, &bp))
    {
      sim_set_interval (sim, t, bp);
      sim_fixed_step (sim, x, t, bp - t);
      t = bp;
      sim_dense_push (sim, t, x);
    }
  sim_set_interval (sim, t, tb);
  sim_fixed_step (sim, x, t, t == ta ? dt : tb - t);
}

/* One step along the grid: t_{k+1} = t_k + h. */
static gboolean
sim_grid_step (CurrentsSimulator *sim,
               GError           **error)
{
  const double ta = sim->t;
  const double tb = ta + sim->h_fixed;

  if (!sim_check_budget (sim, error))
    return FALSE;
  sim_fixed_span (sim, sim->x, ta, tb, sim->h_fixed);
  sim->t = tb;
  sim->k_grid++;
  if (!sim_check_state (sim, sim->t, sim->x, error))
    return FALSE;
  sim_dense_push (sim, sim->t, sim->x);
  return TRUE;
}

/* Advances along the grid to t_target and writes the state at t_target into @out (which
 * may be %NULL): the grid state when t_target is a grid point, else the result of one
 * shortened step from the grid point before it. */
static gboolean
sim_fixed_advance (CurrentsSimulator *sim,
                   double             t_target,
                   double            *out,
                   GError           **error)
{
  const double steps = (t_target - sim->t0) / sim->h_fixed;
  const double nearest = nearbyint (steps);
  const gboolean on_grid = fabs (steps - nearest) <= 1e-9 + 4.0 * DBL_EPSILON * fabs (steps);
  const gint64 k_end = on_grid ? (gint64) nearest : (gint64) floor (steps);

  while (sim->k_grid < k_end)
    if (!sim_grid_step (sim, error))
      return FALSE;

  if (on_grid)
    {
      if (out != NULL)
        memcpy (out, sim->x, sim->n * sizeof (double));
      /* The accumulated grid time differs from t_target by rounding only. */
      if (sim->dense_t != NULL && sim->dense_t->len > 0)
        g_array_index (sim->dense_t, double, sim->dense_t->len - 1) = t_target;
      return TRUE;
    }

  memcpy (sim->x_short, sim->x, sim->n * sizeof (double));
  if (!sim_check_budget (sim, error))
    return FALSE;
  sim_fixed_span (sim, sim->x_short, sim->t, t_target, t_target - sim->t);
  if (!sim_check_state (sim, t_target, sim->x_short, error))
    return FALSE;
  sim_dense_push (sim, t_target, sim->x_short);
  if (out != NULL)
    memcpy (out, sim->x_short, sim->n * sizeof (double));
  return TRUE;
}

/* XPP's scheme assumes q' = v for each pair (q, v) = (x[2j], x[2j+1]); refuse models that
 * are not written that way (checked at x0: f_2j = x_2j+1 and row 2j of ∂f/∂x = e_2j+1). */
static gboolean
sim_check_symplectic (CurrentsSimulator *sim,
                      GError           **error)
{
  const gsize n = sim->n;

  if (n % 2 != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the symplectic method needs the states in pairs x' = v, v' = F "
                   "(this model has %" G_GSIZE_FORMAT " states)", n);
      return FALSE;
    }

  sim_inputs_at (sim, sim->t0);
  currents_field_jacobian (sim->ws, sim->t0, sim->x, sim->u, sim->p, sim->f, sim->jac, NULL);
  for (gsize j = 0; j < n; j += 2)
    {
      gboolean ok = fabs (sim->f[j] - sim->x[j + 1])
                    <= 1e-12 * MAX (1.0, fabs (sim->x[j + 1]));

      for (gsize c = 0; c < n && ok; c++)
        ok = fabs (sim->jac[j * n + c] - (c == j + 1 ? 1.0 : 0.0)) <= 1e-12;
      if (!ok)
        {
          GString *q = g_string_new (NULL), *v = g_string_new (NULL);

          append_state_name (q, sim, j);
          append_state_name (v, sim, j + 1);
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the symplectic method needs the states in pairs x' = v, v' = F: "
                       "%s' is not %s", q->str, v->str);
          g_string_free (q, TRUE);
          g_string_free (v, TRUE);
          return FALSE;
        }
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Runs                                                                                 */

static gboolean
sim_begin (CurrentsSimulator         *sim,
           const double              *x0,
           const double              *p,
           const CurrentsInputSignal *inputs,
           double                     t0,
           double                     t_last,
           GCancellable              *cancellable,
           GError                   **error)
{
  const CurrentsSimOptions *o = &sim->options;

  sim->n_evals = 0;
  sim->n_steps = 0;
  sim->k_grid = 0;
  sim->p = p;
  sim->inputs = inputs;
  sim->cancellable = cancellable;
  sim->t0 = sim->t = t0;
  sim->dir = t_last < t0 ? -1.0 : 1.0;
  sim->piece_lo = 0;
  sim->piece_hi = G_MAXSIZE;

  if (sim->n == 0)
    {
      g_set_error_literal (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                           "the model has no states to integrate");
      return FALSE;
    }
  if ((guint) o->method >= G_N_ELEMENTS (method_names))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "unknown integration method %d", (int) o->method);
      return FALSE;
    }
  if (currents_method_is_fixed_step (o->method))
    {
      if (!isfinite (o->h))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the step of method %s must be a positive number, not %g",
                       currents_method_to_string (o->method), o->h);
          return FALSE;
        }
    }
  else if (!tolerances_valid (o))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "rtol and atol must be finite, at least 0 and not both 0 "
                   "(rtol = %g, atol = %g)", o->rtol, o->atol);
      return FALSE;
    }
  if (!isfinite (t0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the initial time is not finite (t0 = %g)", t0);
      return FALSE;
    }
  for (gsize i = 0; i < sim->n; i++)
    if (!isfinite (x0[i]))
      {
        GString *name = g_string_new (NULL);

        append_state_name (name, sim, i);
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "the initial value of %s is not finite (%g)", name->str, x0[i]);
        g_string_free (name, TRUE);
        return FALSE;
      }
  if (sim->m > 0 && inputs == NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the model has %" G_GSIZE_FORMAT " inputs but no input signal was given",
                   sim->m);
      return FALSE;
    }
  if (inputs != NULL && inputs->n_inputs != sim->m)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the input signal has %" G_GSIZE_FORMAT " inputs, the model %" G_GSIZE_FORMAT,
                   inputs->n_inputs, sim->m);
      return FALSE;
    }

  memcpy (sim->x, x0, sim->n * sizeof (double));
  sim->need_dfdt = !sim->autonomous || (sim->m > 0 && inputs->n_knots > 1);
  sim_set_interval (sim, t0, t_last);

  if (g_cancellable_is_cancelled (cancellable))
    {
      sim_set_error (sim, error, CURRENTS_ENGINE_ERROR_CANCELLED, sim->t, sim->x,
                     "simulation cancelled");
      return FALSE;
    }

  if (currents_method_is_fixed_step (o->method))
    {
      sim->h_fixed = sim->dir * o->h;
      if (o->method == CURRENTS_METHOD_SYMPLECTIC && !sim_check_symplectic (sim, error))
        return FALSE;
    }
  else
    {
      gsl_odeiv2_driver_reset (sim->driver);
      if (t_last != t0 && !sim_initial_step (sim, t_last - t0, error))
        return FALSE;
    }
  return TRUE;
}

static gboolean
sim_advance (CurrentsSimulator *sim,
             double             t_target,
             double            *out,
             GError           **error)
{
  if (currents_method_is_fixed_step (sim->options.method))
    return sim_fixed_advance (sim, t_target, out, error);

  if (!sim_adaptive_advance (sim, t_target, error))
    return FALSE;
  if (out != NULL)
    memcpy (out, sim->x, sim->n * sizeof (double));
  return TRUE;
}

/**
 * currents_simulator_run:
 * @sim: a simulator
 * @x0: (array): the n initial states at @t0
 * @p: (array) (nullable): the k parameters
 * @inputs: (nullable): the input signal (may be %NULL when the field has no inputs)
 * @t0: the initial time
 * @times: (array length=n_times): output times, all ≥ @t0 ascending or all ≤ @t0
 *   descending (backward integration); a time equal to @t0 gives @x0
 * @n_times: the number of output times
 * @out: (out caller-allocates) (array): n_times × n, row-major: out[k*n + i] is state i at
 *   times[k]
 * @n_reached: (out) (optional): the number of rows of @out written, also on failure
 * @cancellable: (nullable): checked every 100 steps
 * @error: return location for a #CURRENTS_ENGINE_ERROR
 *
 * Integrates from (@t0, @x0) through @times. On failure the rows before the failure are
 * valid; the message says where (t and the state) and with which method.
 *
 * Returns: %TRUE when every output time was reached
 */
gboolean
currents_simulator_run (CurrentsSimulator         *sim,
                        const double              *x0,
                        const double              *p,
                        const CurrentsInputSignal *inputs,
                        double                     t0,
                        const double              *times,
                        gsize                      n_times,
                        double                    *out,
                        gsize                     *n_reached,
                        GCancellable              *cancellable,
                        GError                   **error)
{
  double dir;
  gsize k;

  if (n_reached != NULL)
    *n_reached = 0;

  g_return_val_if_fail (sim != NULL, FALSE);
  g_return_val_if_fail (x0 != NULL, FALSE);
  g_return_val_if_fail (p != NULL || currents_field_get_n_params (sim->field) == 0, FALSE);
  g_return_val_if_fail (n_times == 0 || (times != NULL && out != NULL), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  sim->dense_t = sim->dense_x = NULL;

  dir = n_times > 0 && times[n_times - 1] < t0 ? -1.0 : 1.0;
  for (k = 0; k < n_times; k++)
    {
      const double prev = k == 0 ? t0 : times[k - 1];

      if (!isfinite (times[k]) || dir * (times[k] - prev) < 0.0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "output times must move monotonically away from t0 = %g: "
                       "times[%" G_GSIZE_FORMAT "] = %g comes after %g",
                       t0, k, times[k], prev);
          return FALSE;
        }
    }

  if (!sim_begin (sim, x0, p, inputs, t0, n_times > 0 ? times[n_times - 1] : t0, cancellable,
                  error))
    return FALSE;

  for (k = 0; k < n_times; k++)
    {
      if (!sim_advance (sim, times[k], out + k * sim->n, error))
        {
          if (n_reached != NULL)
            *n_reached = k;
          return FALSE;
        }
    }
  if (n_reached != NULL)
    *n_reached = n_times;
  return TRUE;
}

/**
 * currents_simulator_run_dense:
 * @sim: a simulator
 * @x0: (array): the n initial states at @t0
 * @p: (array) (nullable): the k parameters
 * @inputs: (nullable): the input signal
 * @t0: the initial time
 * @t1: the final time (< @t0 integrates backward)
 * @t_out: a #GArray of double: every accepted step's time is appended, @t0 first, @t1 last
 * @x_out: a #GArray of double: the n states of each step are appended
 * @cancellable: (nullable): checked every 100 steps
 * @error: return location for a #CURRENTS_ENGINE_ERROR
 *
 * For plotting: the solution at the solver's own steps (and at input breakpoints). On
 * failure the arrays hold the steps up to the failure.
 *
 * Returns: %TRUE when @t1 was reached
 */
gboolean
currents_simulator_run_dense (CurrentsSimulator         *sim,
                              const double              *x0,
                              const double              *p,
                              const CurrentsInputSignal *inputs,
                              double                     t0,
                              double                     t1,
                              GArray                    *t_out,
                              GArray                    *x_out,
                              GCancellable              *cancellable,
                              GError                   **error)
{
  gboolean ok;

  g_return_val_if_fail (sim != NULL, FALSE);
  g_return_val_if_fail (x0 != NULL, FALSE);
  g_return_val_if_fail (p != NULL || currents_field_get_n_params (sim->field) == 0, FALSE);
  g_return_val_if_fail (t_out != NULL && g_array_get_element_size (t_out) == sizeof (double),
                        FALSE);
  g_return_val_if_fail (x_out != NULL && g_array_get_element_size (x_out) == sizeof (double),
                        FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  sim->dense_t = sim->dense_x = NULL;

  if (!isfinite (t1))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the final time is not finite (t1 = %g)", t1);
      return FALSE;
    }
  if (!sim_begin (sim, x0, p, inputs, t0, t1, cancellable, error))
    return FALSE;

  sim->dense_t = t_out;
  sim->dense_x = x_out;
  sim_dense_push (sim, t0, x0);
  ok = sim_advance (sim, t1, NULL, error);
  sim->dense_t = sim->dense_x = NULL;
  return ok;
}
