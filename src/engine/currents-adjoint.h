/* currents-adjoint.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loss and exact gradient of one trajectory:
 *
 *   dx/dt = f(t, x, u(t), p),  x(t0) = x0,
 *   L = Σ_k ℓ_k(x(t_k))        (observation times t0 ≤ t_1 < … < t_K)
 *
 * with dL/dp and dL/dx0 by one of three methods:
 *
 *   DISCRETE   reverse mode through the accepted steps of the explicit Dormand–Prince
 *              5(4) solver (stage states recomputed from checkpointed step states): the
 *              exact gradient of the computed solution;
 *   ADJOINT    checkpointed continuous adjoint, dλ/dt = −(∂f/∂x)ᵀλ, dμ/dt = −(∂f/∂p)ᵀλ,
 *              λ jumping by ∂ℓ_k/∂x at each t_k; the forward state comes from the stored
 *              forward solution (dense output), never from integrating x backwards;
 *   BACKSOLVE  Chen et al. (2018): x integrated backwards together with λ and μ;
 *              memory independent of the number of steps.
 *
 * Conventions: the loss of one observation comes from a callback, so squared error,
 * masked missing values, conservation penalties or log-densities all use the same code.
 */
#pragma once

#include <gio/gio.h>

#include "currents-field.h"
#include "currents-simulate.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_GRADIENT_DISCRETE,
  CURRENTS_GRADIENT_ADJOINT,
  CURRENTS_GRADIENT_BACKSOLVE,
} CurrentsGradientMethod;

gboolean    currents_gradient_method_from_string (const char             *name,
                                                  CurrentsGradientMethod *method);
const char *currents_gradient_method_to_string   (CurrentsGradientMethod  method);

/**
 * CurrentsAdjointOptions:
 * @method: how the gradient is computed
 * @rtol: relative tolerance of the forward (and backward) solves
 * @atol: absolute tolerance
 * @max_steps: steps per solve before %CURRENTS_ENGINE_ERROR_MAX_STEPS
 * @h_min: smallest step magnitude before %CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW (0: auto)
 * @seminorm: for ADJOINT and BACKSOLVE, leave the parameter channels μ out of the
 *   backward error control (Kidger et al. 2021)
 * @stiff: integrate with GSL's BDF (exact Jacobian) instead of Dormand–Prince; only
 *   ADJOINT is available then
 *
 * Initialise with currents_adjoint_options_init() (discrete, rtol 1e-6, atol 1e-8).
 */
typedef struct
{
  CurrentsGradientMethod method;
  double                 rtol;
  double                 atol;
  gsize                  max_steps;
  double                 h_min;
  gboolean               seminorm;
  gboolean               stiff;
} CurrentsAdjointOptions;

void currents_adjoint_options_init (CurrentsAdjointOptions *options);

/**
 * CurrentsObservationFunc:
 * @k: observation index
 * @t: its time
 * @x: the state x(t_k) (n values)
 * @dldx: (out): ∂ℓ_k/∂x, n values, to be written (not accumulated); may be %NULL when
 *   only the loss is wanted
 * @user_data: closure
 *
 * Returns: ℓ_k(x)
 */
typedef double (*CurrentsObservationFunc) (gsize         k,
                                           double        t,
                                           const double *x,
                                           double       *dldx,
                                           gpointer      user_data);

typedef struct
{
  gsize n_steps_forward;    /* accepted steps */
  gsize n_rejected_forward;
  gsize n_steps_backward;
  gsize nfe_forward;        /* right-hand-side evaluations (and VJPs on the way back) */
  gsize nfe_backward;
  gsize peak_doubles;       /* largest storage the run held, in doubles */
} CurrentsAdjointStats;

typedef struct _CurrentsAdjoint CurrentsAdjoint;

CurrentsAdjoint *currents_adjoint_new  (CurrentsField                *field,
                                        const CurrentsAdjointOptions *options);
void             currents_adjoint_free (CurrentsAdjoint              *adjoint);
const CurrentsAdjointOptions *currents_adjoint_get_options (const CurrentsAdjoint *adjoint);

/**
 * currents_adjoint_run:
 * @adjoint: a workspace (one per thread)
 * @x0: initial state at @t0
 * @p: parameters (currents_field_get_n_params() values)
 * @inputs: (nullable): u(t); %NULL when the field has no inputs
 * @t0: start time, ≤ times[0]
 * @times: observation times, strictly increasing
 * @n_times: how many
 * @obs: the loss of each observation
 * @obs_data: its closure
 * @loss: (out): Σ_k ℓ_k
 * @states: (out) (nullable): x(t_k), n_times × n, row-major
 * @grad_p: (inout) (nullable): dL/dp is *added* here; %NULL: forward pass only
 * @grad_x0: (inout) (nullable): dL/dx0 is added here
 * @stats: (out) (nullable): counts
 * @cancellable: (nullable): checked inside long solves (every few steps)
 * @error: return location; the solve's failure says where (t, state)
 *
 * Returns: %TRUE on success
 */
gboolean currents_adjoint_run (CurrentsAdjoint           *adjoint,
                               const double              *x0,
                               const double              *p,
                               const CurrentsInputSignal *inputs,
                               double                     t0,
                               const double              *times,
                               gsize                      n_times,
                               CurrentsObservationFunc    obs,
                               gpointer                   obs_data,
                               double                    *loss,
                               double                    *states,
                               double                    *grad_p,
                               double                    *grad_x0,
                               CurrentsAdjointStats      *stats,
                               GCancellable              *cancellable,
                               GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsAdjoint, currents_adjoint_free)

G_END_DECLS
