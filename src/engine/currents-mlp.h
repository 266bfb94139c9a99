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
gboolean currents_activation_from_string (const char         *name,
                                          CurrentsActivation *activation);
const char *currents_activation_to_string (CurrentsActivation activation);
gboolean currents_mlp_load_text (const char *path,
                                 gsize       n_weights,
                                 double     *theta,
                                 GError    **error);

G_END_DECLS
