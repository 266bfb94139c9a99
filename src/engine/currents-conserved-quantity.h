/* currents-conserved-quantity.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A quantity that a model should conserve, written as an expression of its states in the
 * model language ("E + C", "x^2 + v^2"), compiled to a tape so that
 *
 *   q(x),   ∇q(x),   the rate along a vector v: q̇ = ∇q(x)·v,   and   H_q(x)·v
 *
 * are exact (automatic differentiation, no allocation). Along a solution of dx/dt = f,
 * dq/dt = ∇q(x)·f(x); its derivative with respect to x is H_q f + (∂f/∂x)ᵀ∇q, which is
 * what a conservation penalty needs (currents_loss_add_conservation()).
 *
 * A CurrentsConservedQuantity is immutable; each thread evaluates through its own workspace.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CurrentsConservedQuantity CurrentsConservedQuantity;
typedef struct _CurrentsConservedQuantityWorkspace CurrentsConservedQuantityWorkspace;

/**
 * currents_conserved_quantity_new:
 * @expression: the quantity, in the model language, naming states only (case-insensitive)
 * @state_names: (array zero-terminated=1): the model's states, in order
 * @error: a name that is not a state is refused with a message naming it, its column in
 *   @expression and the states there are; a syntax error names its column too
 */
CurrentsConservedQuantity          *currents_conserved_quantity_new      (const char               *expression,
                                                               const char *const        *state_names,
                                                               GError                  **error);
void                           currents_conserved_quantity_free     (CurrentsConservedQuantity     *cons);
const char                    *currents_conserved_quantity_get_expression (const CurrentsConservedQuantity *cons);
gsize                          currents_conserved_quantity_get_n_states (const CurrentsConservedQuantity *cons);

CurrentsConservedQuantityWorkspace *currents_conserved_quantity_workspace_new  (const CurrentsConservedQuantity *cons);
void                           currents_conserved_quantity_workspace_free (CurrentsConservedQuantityWorkspace *ws);

/* q(x) */
double                         currents_conserved_quantity_eval     (CurrentsConservedQuantityWorkspace *ws,
                                                               const double             *x);
/**
 * currents_conserved_quantity_rate:
 * @x: the state (n)
 * @v: a direction (n), usually f(x): then the result is dq/dt
 * @grad: (out) (nullable): ∇q(x), n values
 * @hv: (out) (nullable): H_q(x)·v, n values
 *
 * Returns: ∇q(x)·v
 */
double                         currents_conserved_quantity_rate     (CurrentsConservedQuantityWorkspace *ws,
                                                               const double             *x,
                                                               const double             *v,
                                                               double                   *grad,
                                                               double                   *hv);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsConservedQuantity, currents_conserved_quantity_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsConservedQuantityWorkspace, currents_conserved_quantity_workspace_free)

G_END_DECLS
