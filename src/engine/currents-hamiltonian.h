/* currents-hamiltonian.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hamiltonian neural networks: states x = (q, p) ∈ ℝ²ᵈ (the first d coordinates, the
 * last d momenta), a learned scalar energy
 *
 *   H(x) = κ · H̃_θ((x − m) ⊘ σ)      (H̃_θ an MLP ℝ²ᵈ → ℝ, tanh or softplus)
 *
 * and the vector field
 *
 *   conservative:  dx/dt = J ∇H,          J = [[0, I], [−I, 0]]
 *   dissipative:   dx/dt = (J − R) ∇H,    R = [[0, 0], [0, L Lᵀ]] ⪰ 0,
 *
 * L lower triangular d × d (learned). The damping acts on the momenta only, so
 * dq/dt = ∂H/∂p keeps its meaning and dp/dt = −∂H/∂q − L Lᵀ ∂H/∂p (a mechanical system
 * with a learned friction matrix). Then dH/dt = −(∂H/∂p)ᵀ L Lᵀ (∂H/∂p) ≤ 0, and 0 for the
 * conservative field; its Jacobian (J − R)∇²H has trace −tr(L Lᵀ ∇²_pp H), which is 0 for
 * the conservative field, and J·(J∇²H) = −∇²H is symmetric.
 *
 * Parameters θ (one flat buffer): the MLP's weights in the currents-mlp.h layout, then,
 * for the dissipative field, the d(d+1)/2 entries of L row by row (L₀₀, L₁₀, L₁₁, …).
 * The field implements exact Jacobians ∂f/∂x = (J − R)∇²H and ∂f/∂θ, and VJPs
 * wᵀ∂f/∂x = (∇²H v)ᵀ and wᵀ∂f/∂θ = ∂(vᵀ∇H)/∂θ with v = (J − R)ᵀ w, by a forward pass with
 * tangents (the directional derivative vᵀ∇H) followed by its reverse pass (double
 * backpropagation), all exact; and the field's hvp, (J − R)∇³H[v, w], by differentiating
 * that pair of passes once more along v.
 */
#pragma once

#include <glib.h>

#include "currents-data.h"
#include "currents-field.h"
#include "currents-model.h"

G_BEGIN_DECLS

#define CURRENTS_HAMILTONIAN_MAX_LAYERS 16

typedef enum
{
  CURRENTS_HAMILTONIAN_CONSERVATIVE,
  CURRENTS_HAMILTONIAN_DISSIPATIVE,
} CurrentsHamiltonianKind;

/**
 * CurrentsHamiltonianSpec:
 * @kind: conservative (J∇H) or dissipative ((J − R)∇H)
 * @n_hidden: number of hidden layers (default 2, at least 1)
 * @hidden: their widths (default 32, 32)
 * @activation: tanh (default) or softplus: H needs two derivatives, so ReLU is refused
 * @seed: initialisation seed of the MLP (uniform ±1/√fan_in, as currents_mlp_init())
 * @damping_init: the initial diagonal of L (L = damping_init · I, default 0.3; L = 0 would
 *   be a stationary point of every loss in L)
 */
typedef struct
{
  CurrentsHamiltonianKind kind;
  gsize                   n_hidden;
  gsize                   hidden[CURRENTS_HAMILTONIAN_MAX_LAYERS];
  CurrentsActivation      activation;
  guint64                 seed;
  double                  damping_init;
} CurrentsHamiltonianSpec;

void currents_hamiltonian_spec_init (CurrentsHamiltonianSpec *spec);

/**
 * CurrentsHamiltonianScaling:
 * @x_mean: (nullable): m, 2d entries (%NULL: 0)
 * @x_scale: (nullable): σ, 2d entries > 0 (%NULL: 1)
 * @energy_scale: κ > 0 (0 is taken as 1)
 */
typedef struct
{
  const double *x_mean;
  const double *x_scale;
  double        energy_scale;
} CurrentsHamiltonianScaling;

typedef struct _CurrentsHamiltonianModel CurrentsHamiltonianModel;

gboolean  currents_hamiltonian_scaling_from_dataset (const CurrentsDataset            *dataset,
                                                     double                           *x_mean,
                                                     double                           *x_scale,
                                                     double                           *energy_scale,
                                                     GError                          **error);

CurrentsHamiltonianModel *
          currents_hamiltonian_model_new            (gsize                             n_states,
                                                     const CurrentsHamiltonianSpec    *spec,
                                                     const CurrentsHamiltonianScaling *scaling,
                                                     GError                          **error);
void      currents_hamiltonian_model_free           (CurrentsHamiltonianModel         *model);

CurrentsField *
          currents_hamiltonian_model_get_field      (const CurrentsHamiltonianModel   *model);
const CurrentsHamiltonianSpec *
          currents_hamiltonian_model_get_spec       (const CurrentsHamiltonianModel   *model);
gsize     currents_hamiltonian_model_get_n_states   (const CurrentsHamiltonianModel   *model);
gsize     currents_hamiltonian_model_get_n_params   (const CurrentsHamiltonianModel   *model);
/* The scaling in use (arrays owned by the model; never NULL). */
CurrentsHamiltonianScaling
          currents_hamiltonian_model_get_scaling    (const CurrentsHamiltonianModel   *model);
/* Offset of L's entries in θ (= the MLP's weight count); equals n_params when conservative. */
gsize     currents_hamiltonian_model_get_damping_offset (const CurrentsHamiltonianModel *model);
/* The seeded initial θ (n_params entries). */
const double *
          currents_hamiltonian_model_get_initial_params (const CurrentsHamiltonianModel *model);

/* H(x) with θ = p, and ∇H into @grad when not NULL; @ws a workspace of the model's field. */
double    currents_hamiltonian_energy               (const CurrentsHamiltonianModel   *model,
                                                     CurrentsFieldWorkspace           *ws,
                                                     const double                     *x,
                                                     const double                     *p,
                                                     double                           *grad);
/* ∇²H (2d × 2d, row-major, symmetric). */
void      currents_hamiltonian_hessian              (const CurrentsHamiltonianModel   *model,
                                                     CurrentsFieldWorkspace           *ws,
                                                     const double                     *x,
                                                     const double                     *p,
                                                     double                           *hess);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsHamiltonianModel, currents_hamiltonian_model_free)

G_END_DECLS
