/* currents-stack.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * B copies of one vector field side by side, as one system that shares p:
 *
 *   d/dt [x¹; …; x^B] = [f(t, x¹, u¹, p); …; f(t, x^B, u^B, p)],
 *
 * states B·n, inputs B·m, parameters k. Evaluations and VJPs are single batched calls
 * of the inner field (currents_field_eval_batch()), so a solver that integrates the
 * stacked system in lockstep evaluates B trajectories for the price of one batch; the
 * VJP sums ∂f/∂p over the copies, as a data-set gradient wants.
 */
#pragma once

#include <glib.h>

#include "currents-field.h"

G_BEGIN_DECLS

CurrentsField *currents_stack_field_new (CurrentsField *inner,
                                         gsize          n_copies);

G_END_DECLS
