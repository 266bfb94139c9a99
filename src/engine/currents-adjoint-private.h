/* currents-adjoint-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Test hooks of currents-adjoint: the accepted Dormand–Prince steps of the last forward
 * pass, and replaying such a sequence as fixed steps (so finite differences of the loss
 * differentiate the same computation the discrete adjoint does).
 */
#pragma once

#include "currents-adjoint.h"

G_BEGIN_DECLS

/* The accepted steps of the last DP5 forward pass that stored them (DISCRETE or ADJOINT
 * with a gradient), as triples (t_n, h_n, t_{n+1}); @triples may be %NULL to count.
 * Returns: the number of steps. */
gsize _currents_adjoint_get_steps  (const CurrentsAdjoint *adjoint,
                                    double               *triples);
/* From now on the DP5 forward pass takes exactly these steps (copied), without error
 * control; %NULL (or 0 steps) returns to adaptive stepping. */
void  _currents_adjoint_set_replay (CurrentsAdjoint      *adjoint,
                                    const double         *triples,
                                    gsize                 n_steps);

G_END_DECLS
