/* currents-knockout.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * In-silico knockouts. Knocking out the states (genes) in a set K holds them at 0:
 *
 *   f̃(t, x) = P f(t, P x),   P = I − Σ_{i∈K} e_i e_iᵀ,   ∂f̃/∂x = P J(P x) P,
 *
 * so every influence of x_i vanishes and dx_i/dt = 0 keeps x_i at 0. This is a wrapper
 * around any CurrentsField, so equation and trained models are knocked out alike.
 *
 * A steady state is reached by integrating (adaptive solver, time limit) until the
 * scaled rate max_i |f_i| / (1 + |x_i|) is small and then polished by Newton on the free
 * states (the knocked-out ones are fixed at 0, so the reduced Jacobian is the one that
 * decides stability). The reference is the unperturbed steady state reached from a given
 * state; a knockout starts from the reference with x_i set to 0; its shift is
 * ‖x_ko − x_ref‖₂ over all states.
 */
#pragma once

#include <gio/gio.h>

#include "currents-equilibria.h"
#include "currents-field.h"
#include "currents-simulate.h"

G_BEGIN_DECLS

/**
 * currents_knockout_field_new:
 * @base: the field to wrap (a reference is taken)
 * @genes: (array length=n_genes): indices of the states held at 0 (duplicates allowed)
 * @n_genes: their number (0: the same field, as a wrapper)
 *
 * Returns: (transfer full) (nullable): the knocked-out field f̃, with exact Jacobians,
 *   vector-Jacobian products and (when @base has them) second derivatives; %NULL when
 *   an index is out of range
 */
CurrentsField *currents_knockout_field_new (CurrentsField *base,
                                            const gsize   *genes,
                                            gsize          n_genes);

/**
 * CurrentsKnockoutOptions:
 * @t: the time at which the field is frozen (a non-autonomous field is integrated and
 *   solved with t held there)
 * @t_max: integration time limit (0: 1e4 time units)
 * @t_first: length of the first integration leg (0: 1); legs double until the state
 *   settles or @t_max is reached
 * @settle_tol: the scaled rate below which the trajectory has settled (0: 1e-8)
 * @tol: Newton's target scaled residual (0: 1e-12, as in currents-equilibria.h)
 * @max_iter: Newton iterations (0: 50)
 * @sim: (nullable): integrator settings; a fixed-step method is replaced by the
 *   adaptive default (rk8pd, rtol 1e-8, atol 1e-10), as is %NULL
 * @x_min: (nullable): the training data's lower bound of each state (n; NaN unknown),
 *   for a trained model: a knockout is "extrapolated" when 0 is outside [x_min, x_max]
 * @x_max: (nullable): the upper bounds
 */
typedef struct
{
  double                    t;
  double                    t_max;
  double                    t_first;
  double                    settle_tol;
  double                    tol;
  guint                     max_iter;
  const CurrentsSimOptions *sim;
  const double             *x_min;
  const double             *x_max;
} CurrentsKnockoutOptions;

void currents_knockout_options_init (CurrentsKnockoutOptions *options);

/**
 * CurrentsSteadyState:
 * @n: number of states
 * @state: the state reached (n; knocked-out entries exactly 0)
 * @steady: Newton converged there: an equilibrium (scaled residual ≤ tol)
 * @settled: the trajectory came to rest (the scaled rate fell below settle_tol); an
 *   unsettled but steady state is an equilibrium the flow does not approach (for
 *   instance inside a limit cycle)
 * @stable: every eigenvalue of the free states' Jacobian has negative real part
 * @residual: scaled residual at @state
 * @t_reached: integration time used
 * @linear: (nullable): eigenvalues, eigenvectors and type of the free states
 *   (dimension n − number of knocked-out states); %NULL when not steady
 * @message: (nullable): why no steady state was reached
 */
typedef struct
{
  gsize                n;
  double              *state;
  gboolean             steady;
  gboolean             settled;
  gboolean             stable;
  double               residual;
  double               t_reached;
  CurrentsEquilibrium *linear;
  char                *message;
} CurrentsSteadyState;

void currents_steady_state_free (CurrentsSteadyState *ss);

/**
 * currents_knockout_steady_state:
 * @field: the (unperturbed) field
 * @p: parameters
 * @u: (nullable): inputs, held constant
 * @x0: the starting state (n); knocked-out entries are set to 0
 * @genes: (array length=n_genes) (nullable): states held at 0
 * @n_genes: their number
 * @options: (nullable): settings (%NULL: defaults)
 * @cancellable: (nullable): checked between integration legs
 * @error: invalid arguments, cancellation
 *
 * Integrates from @x0 until the state settles (or @options->t_max), then polishes by
 * Newton. Not reaching a steady state is an answer (@steady %FALSE, @message says why),
 * not an error.
 *
 * Returns: (transfer full): the steady state, or %NULL with @error set
 */
CurrentsSteadyState *currents_knockout_steady_state (CurrentsField                 *field,
                                                     const double                  *p,
                                                     const double                  *u,
                                                     const double                  *x0,
                                                     const gsize                   *genes,
                                                     gsize                          n_genes,
                                                     const CurrentsKnockoutOptions *options,
                                                     GCancellable                  *cancellable,
                                                     GError                       **error);

/**
 * CurrentsKnockout:
 * @gene: the knocked-out state
 * @result: the steady state reached from the reference with x_gene = 0
 * @shift: ‖result − reference‖₂ (NaN when no steady state was reached)
 * @extrapolated: 0 lies outside the training range of the state (trained models)
 */
typedef struct
{
  gsize                gene;
  CurrentsSteadyState *result;
  double               shift;
  gboolean             extrapolated;
} CurrentsKnockout;

void currents_knockout_free (CurrentsKnockout *ko);

/**
 * currents_knockout_run:
 * @field: the unperturbed field
 * @p: parameters
 * @u: (nullable): inputs
 * @reference: the unperturbed steady state (currents_knockout_steady_state() without
 *   genes); need not be steady, but then shifts are measured from its @state
 * @genes: (array length=n_genes): which single knockouts to make
 * @n_genes: how many
 * @options: (nullable): settings
 * @cancellable: (nullable): checked between knockouts and legs
 * @error: invalid arguments, cancellation
 *
 * Returns: (transfer full) (element-type CurrentsKnockout): one single knockout per
 *   entry of @genes, largest shift first (those without a steady state last, in the
 *   order given)
 */
GPtrArray *currents_knockout_run (CurrentsField                 *field,
                                  const double                  *p,
                                  const double                  *u,
                                  const CurrentsSteadyState     *reference,
                                  const gsize                   *genes,
                                  gsize                          n_genes,
                                  const CurrentsKnockoutOptions *options,
                                  GCancellable                  *cancellable,
                                  GError                       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsSteadyState, currents_steady_state_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsKnockout, currents_knockout_free)

G_END_DECLS
