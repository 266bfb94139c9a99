/* currents-adjoint-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Test hooks of currents-adjoint: the accepted Dormand–Prince steps of the last forward
 * pass, and replaying such a sequence as fixed steps (so finite differences of the loss
 * differentiate the same computation the discrete adjoint does); and settings the
 * data-set loss uses for stacked trajectories.
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

/* Error control of the state components in consecutive groups of @group_size (one per
 * trajectory of a stacked system): the norm is the largest group's RMS norm (0: one
 * group). */
void  _currents_adjoint_set_group_size  (CurrentsAdjoint     *adjoint,
                                         gsize                group_size);
/* At most this many doubles of DISCRETE tapes (default 2²³); later steps recompute. */
void  _currents_adjoint_set_tape_budget (CurrentsAdjoint     *adjoint,
                                         gsize                n_doubles);

G_END_DECLS
