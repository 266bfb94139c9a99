/* currents-tape-tangent-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Exact first and second directional derivatives of an expression model's tape beyond
 * what the field interface offers (∂f/∂u for a continuation in an input, and the mixed
 * derivatives ∂/∂λ (∂f/∂x · w) that codimension-2 continuation needs):
 *
 *   one forward pass and one second-order tangent pass at (t, x, u, p) with directions
 *   ẋ = dx1 plus ṡ = 1 on one input or parameter (@seed), and x' = dx2:
 *
 *   d1f  = ∂f/∂x · dx1 + ∂f/∂s,    d2f = ∂f/∂x · dx2,
 *   d12f = Σ_jk ∂²f/∂x_j∂x_k dx1_j dx2_k + Σ_k ∂²f/∂s∂x_k dx2_k.
 */
#pragma once

#include "currents-tape-private.h"

G_BEGIN_DECLS

/* @ws: the tape field's implementation workspace (_currents_field_workspace_get_impl_ws);
 * @dx1, @dx2: (nullable): n-vectors (NULL: 0); @seed: −1 none, 0 … m−1 input j,
 * m … m+k−1 parameter j − m; @f, @d1f, @d2f, @d12f: (nullable) n-vectors.
 * Returns FALSE (and computes nothing) when @seed is a learned term's weight. */
gboolean _currents_tape_tangent2 (const Tape   *tape,
                                  gpointer      ws,
                                  double        t,
                                  const double *x,
                                  const double *u,
                                  const double *p,
                                  const double *dx1,
                                  int           seed,
                                  const double *dx2,
                                  double       *f,
                                  double       *d1f,
                                  double       *d2f,
                                  double       *d12f);

G_END_DECLS
