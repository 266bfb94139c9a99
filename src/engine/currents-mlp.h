/* currents-mlp.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Multilayer perceptrons on one flat parameter buffer.
 *
 *   h₀ = x,  z_{l+1} = W_l h_l + b_l,  h_{l+1} = σ(z_{l+1})  (l < L−1),  y = z_L
 *
 * Layout of θ: for each layer l in order, W_l (widths[l+1] × widths[l], row-major)
 * followed by b_l (widths[l+1]). The activation buffer holds, per layer, z then h
 * (see currents_mlp_n_activations()). Backward passes accumulate (+=).
 *
 * Batched kernels (B rows at once, each matrix row-major with one row per batch item):
 *
 *   H₀ = X (B × w₀),  Z_{l+1} = H_l W_lᵀ + 1 b_lᵀ,  H_{l+1} = σ(Z_{l+1}),  Y = Z_L (B × w_L)
 *   Δ_L = dY;  ∂W_l += Δ_{l+1}ᵀ H_l,  ∂b_l += 1ᵀ Δ_{l+1},
 *   Δ_l = (Δ_{l+1} W_l) ⊙ σ'(Z_l),  dX += Δ₁ W₀
 *
 * as matrix products (cblas_dgemm; row loops where a side is too thin for BLAS), so
 * ∂θ holds the sum over the batch. The tape of a batched forward pass is what the
 * backward pass needs, layer-major: per hidden layer H_l (B × w_l), followed by Z_l
 * (B × w_l) for activations whose derivative needs z (softplus, silu); it takes
 * B · currents_mlp_n_tape() doubles. Scratch: currents_mlp_n_batch_scratch() doubles.
 *
 * The batched passes evaluate tanh by our own vectorised kernel, within 2 ulp of libm's
 * that the scalar passes use (see currents-mlp.c), so batched and row-by-row results
 * agree to about 1e-15 relative, not bit for bit.
 */
#pragma once

#include <glib.h>

#include "currents-model.h"

G_BEGIN_DECLS

typedef struct
{
  gsize              n_layers;   /* affine layers, ≥ 1 */
  const gsize       *widths;     /* n_layers + 1 entries */
  CurrentsActivation activation;
} CurrentsMlpShape;

gsize    currents_mlp_n_weights     (const CurrentsMlpShape *shape);
gsize    currents_mlp_n_activations (const CurrentsMlpShape *shape);
void     currents_mlp_init          (const CurrentsMlpShape *shape,
                                     guint64                 seed,
                                     double                 *theta);
void     currents_mlp_forward       (const CurrentsMlpShape *shape,
                                     const double           *theta,
                                     const double           *x,
                                     double                 *acts,
                                     double                 *y);
void     currents_mlp_backward      (const CurrentsMlpShape *shape,
                                     const double           *theta,
                                     const double           *x,
                                     const double           *acts,
                                     const double           *dy,
                                     double                 *dx,
                                     double                 *dtheta,
                                     double                 *scratch);
gsize    currents_mlp_n_scratch     (const CurrentsMlpShape *shape);
gsize    currents_mlp_n_hvp_scratch (const CurrentsMlpShape *shape);
void     currents_mlp_hvp           (const CurrentsMlpShape *shape,
                                     const double           *theta,
                                     const double           *x,
                                     const double           *v,
                                     const double           *w,
                                     double                 *out,
                                     double                 *scratch);
/* The weighted trace of the Jacobian, Σ_i a_i ∂y_i/∂x_i, and its exact gradient in x and θ
 * (accumulated); networks of up to CURRENTS_MLP_TRACE_MAX_LAYERS layers. */
#define CURRENTS_MLP_TRACE_MAX_LAYERS 32
gsize    currents_mlp_n_trace_scratch (const CurrentsMlpShape *shape);
double   currents_mlp_trace_grad    (const CurrentsMlpShape *shape,
                                     const double           *theta,
                                     const double           *x,
                                     gsize                   n_diag,
                                     const double           *a,
                                     double                 *dx,
                                     double                 *dtheta,
                                     double                 *scratch);
gsize    currents_mlp_n_tape        (const CurrentsMlpShape *shape);
gsize    currents_mlp_n_batch_scratch (const CurrentsMlpShape *shape,
                                       gsize                   n_rows);
void     currents_mlp_forward_batch (const CurrentsMlpShape *shape,
                                     const double           *theta,
                                     gsize                   n_rows,
                                     const double           *x,
                                     double                 *y,
                                     double                 *tape,
                                     double                 *scratch);
void     currents_mlp_backward_batch (const CurrentsMlpShape *shape,
                                      const double           *theta,
                                      gsize                   n_rows,
                                      const double           *x,
                                      const double           *tape,
                                      const double           *dy,
                                      double                 *dx,
                                      double                 *dtheta,
                                      double                 *scratch);
void     currents_mlp_tanh_array    (double                 *v,
                                     gsize                   n);
void     currents_mlp_blas_init     (void);
gboolean currents_activation_from_string (const char         *name,
                                          CurrentsActivation *activation);
const char *currents_activation_to_string (CurrentsActivation activation);
gboolean currents_mlp_load_text (const char *path,
                                 gsize       n_weights,
                                 double     *theta,
                                 GError    **error);

G_END_DECLS
