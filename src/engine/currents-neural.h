/* currents-neural.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure Neural ODEs built from a data set:
 *
 *   dx/dt = (σ_x / τ) ⊙ g_θ( (x − m_x)/σ_x , (v(u) − m_u)/σ_u )
 *
 * g_θ an MLP (currents-mlp.h) with inputs n + m and outputs n; v(u) = u, or
 * log10(u + u₀) for inputs that span decades (u₀ from the smallest positive level, so an
 * uninduced control u = 0 stays finite); m, σ the means and standard deviations of the
 * training data (σ = 1 where a column is constant), τ the time scale: the time in which
 * the states typically move by one σ (from the data's finite differences), so g_θ's
 * outputs are of order one. The scaling is part of the model, so the user always sees
 * physical units; θ is one flat buffer (currents-mlp.h layout).
 */
#pragma once

#include <glib.h>

#include "currents-data.h"
#include "currents-field.h"
#include "currents-model.h"

G_BEGIN_DECLS

#define CURRENTS_NEURAL_MAX_LAYERS 16

/**
 * CurrentsNeuralSpec:
 * @n_hidden: number of hidden layers (default 2)
 * @hidden: their widths (default 64, 64)
 * @activation: hidden activation (default tanh)
 * @seed: initialisation seed (PyTorch's default uniform ±1/√fan_in)
 * @log_inputs: (nullable): %NULL-terminated names of inputs to take as log10(u + u₀)
 */
typedef struct
{
  gsize              n_hidden;
  gsize              hidden[CURRENTS_NEURAL_MAX_LAYERS];
  CurrentsActivation activation;
  guint64            seed;
  const char *const *log_inputs;
} CurrentsNeuralSpec;

void currents_neural_spec_init (CurrentsNeuralSpec *spec);

/**
 * CurrentsNeuralScaling:
 * The affine maps between physical and network units (arrays owned by the model).
 */
typedef struct
{
  const double   *x_mean;    /* n */
  const double   *x_scale;   /* n, > 0 */
  const double   *u_mean;    /* m, of v(u) */
  const double   *u_scale;   /* m, > 0 */
  const gboolean *u_log;     /* m */
  const double   *u_offset;  /* m, u₀ (0 where not log) */
  double          t_scale;   /* τ > 0 */
} CurrentsNeuralScaling;

typedef struct _CurrentsNeuralModel CurrentsNeuralModel;

CurrentsNeuralModel *currents_neural_model_new        (const CurrentsDataset     *dataset,
                                                       const CurrentsNeuralSpec  *spec,
                                                       GError                   **error);
/* For loading: every piece given explicitly (arrays copied). */
CurrentsNeuralModel *currents_neural_model_new_full   (const char *const         *state_names,
                                                       const char *const         *input_names,
                                                       const CurrentsNeuralSpec  *spec,
                                                       const CurrentsNeuralScaling *scaling,
                                                       GError                   **error);
void                 currents_neural_model_free       (CurrentsNeuralModel       *model);

CurrentsField       *currents_neural_model_get_field  (const CurrentsNeuralModel *model);
const CurrentsNeuralSpec *currents_neural_model_get_spec (const CurrentsNeuralModel *model);
const CurrentsNeuralScaling *currents_neural_model_get_scaling (const CurrentsNeuralModel *model);
gsize                currents_neural_model_get_n_states (const CurrentsNeuralModel *model);
gsize                currents_neural_model_get_n_inputs (const CurrentsNeuralModel *model);
const char *const   *currents_neural_model_get_state_names (const CurrentsNeuralModel *model);
const char *const   *currents_neural_model_get_input_names (const CurrentsNeuralModel *model);
gsize                currents_neural_model_get_n_params (const CurrentsNeuralModel *model);
/* The seeded initial θ. */
const double        *currents_neural_model_get_initial_params (const CurrentsNeuralModel *model);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsNeuralModel, currents_neural_model_free)

G_END_DECLS
