/* currents-simulate.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Integration of dx/dt = f(t, x, u(t), p) from x(t0) = x0 to requested output times,
 * forward or backward in time, with GSL's adaptive explicit and implicit (BDF, exact
 * Jacobian) integrators and XPPAUT's fixed-step methods.
 *
 * Output layout: out[k * n + i] is state i at times[k].
 */
#pragma once

#include <gio/gio.h>

#include "currents-field.h"
#include "currents-data.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_METHOD_RK8PD,      /* GSL Prince–Dormand 8(9), adaptive: the default */
  CURRENTS_METHOD_RKF45,      /* GSL Runge–Kutta–Fehlberg 4(5), adaptive */
  CURRENTS_METHOD_RKCK,       /* GSL Cash–Karp 4(5), adaptive (XPP's qualrk maps here) */
  CURRENTS_METHOD_BDF,        /* GSL msbdf with the exact Jacobian, for stiff models */
  CURRENTS_METHOD_RK4,        /* classical RK4 with fixed step h (XPP "rungekutta") */
  CURRENTS_METHOD_EULER,      /* explicit Euler, fixed step (XPP "euler") */
  CURRENTS_METHOD_MODEULER,   /* Heun's modified Euler, fixed step (XPP "modeuler") */
  CURRENTS_METHOD_SYMPLECTIC, /* XPP's 4th-order symplectic method, fixed step */
} CurrentsMethod;

gboolean    currents_method_from_string (const char     *name,
                                         CurrentsMethod *method);
const char *currents_method_to_string   (CurrentsMethod  method);
gboolean    currents_method_is_fixed_step (CurrentsMethod method);

/**
 * CurrentsSimOptions:
 * @method: the integrator
 * @rtol: relative tolerance (adaptive methods)
 * @atol: absolute tolerance (adaptive methods)
 * @h: the step of a fixed-step method; for adaptive ones the first step (0: automatic)
 * @h_min: smallest step magnitude an adaptive method may take before it reports
 *   %CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW (0: automatic, relative to |t|)
 * @h_max: largest step magnitude (0: unlimited)
 * @max_steps: steps per run before %CURRENTS_ENGINE_ERROR_MAX_STEPS
 * @bound: when finite and > 0, a state with |x_i| > bound stops the run with
 *   %CURRENTS_ENGINE_ERROR_OUT_OF_BOUNDS (XPP's `bound`)
 *
 * Initialise with currents_sim_options_init().
 */
typedef struct
{
  CurrentsMethod method;
  double         rtol;
  double         atol;
  double         h;
  double         h_min;
  double         h_max;
  gsize          max_steps;
  double         bound;
} CurrentsSimOptions;

void currents_sim_options_init (CurrentsSimOptions *options);

/* Piecewise-linear input signals u(t), one per input; constant beyond the ends. */
typedef struct _CurrentsInputSignal CurrentsInputSignal;

CurrentsInputSignal *currents_input_signal_new_constant     (gsize                     n_inputs,
                                                             const double             *u);
CurrentsInputSignal *currents_input_signal_new            (gsize                     n_inputs,
                                                             gsize                     n_knots,
                                                             const double             *times,
                                                             const double             *values);
CurrentsInputSignal *currents_input_signal_new_from_trajectory (const CurrentsTrajectory *traj,
                                                                gsize                     n_inputs);
void                 currents_input_signal_free             (CurrentsInputSignal      *signal);
gsize                currents_input_signal_get_n_inputs     (const CurrentsInputSignal *signal);
void                 currents_input_signal_eval             (const CurrentsInputSignal *signal,
                                                             double                    t,
                                                             double                   *u);
/* Sorted times where some input's slope changes (solvers stop there). */
const double        *currents_input_signal_get_breakpoints  (const CurrentsInputSignal *signal,
                                                             gsize                    *n);

typedef struct _CurrentsSimulator CurrentsSimulator;

CurrentsSimulator *currents_simulator_new         (CurrentsField            *field,
                                                   const CurrentsSimOptions *options);
void               currents_simulator_free        (CurrentsSimulator        *sim);
void               currents_simulator_set_state_names (CurrentsSimulator    *sim,
                                                       const char *const    *names);
const CurrentsSimOptions *currents_simulator_get_options (const CurrentsSimulator *sim);

gboolean           currents_simulator_run         (CurrentsSimulator         *sim,
                                                   const double              *x0,
                                                   const double              *p,
                                                   const CurrentsInputSignal *inputs,
                                                   double                     t0,
                                                   const double              *times,
                                                   gsize                      n_times,
                                                   double                    *out,
                                                   gsize                     *n_reached,
                                                   GCancellable              *cancellable,
                                                   GError                   **error);
gboolean           currents_simulator_run_dense   (CurrentsSimulator         *sim,
                                                   const double              *x0,
                                                   const double              *p,
                                                   const CurrentsInputSignal *inputs,
                                                   double                     t0,
                                                   double                     t1,
                                                   GArray                    *t_out,
                                                   GArray                    *x_out,
                                                   GCancellable              *cancellable,
                                                   GError                   **error);
gsize              currents_simulator_get_n_evals (const CurrentsSimulator  *sim);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsSimulator, currents_simulator_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsInputSignal, currents_input_signal_free)

G_END_DECLS
