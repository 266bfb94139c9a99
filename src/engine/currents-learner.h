/* currents-learner.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a training run fits, built from a data set and a model choice: a pure Neural ODE
 * made for the data, the learned terms (and optionally the ordinary parameters) of a
 * `.ode` model, or a trained model to continue from. `currents-cli train`/`gradient` and
 * the window's training panel build their losses, trainers and saved models through it,
 * so a model trained in the window is the one the command line would have made.
 *
 *   learner = currents_learner_new_neural (dataset, &spec, TRUE, &error);
 *   trainer = currents_learner_new_trainer (learner, dataset, &options, &error);
 *   … train …
 *   tm = currents_learner_new_trained_model (learner, best, dataset, trainer);
 */
#pragma once

#include <json-glib/json-glib.h>

#include "currents-data.h"
#include "currents-loss.h"
#include "currents-model.h"
#include "currents-neural.h"
#include "currents-train.h"
#include "currents-trained.h"

G_BEGIN_DECLS

typedef struct _CurrentsLearner CurrentsLearner;

/**
 * currents_learner_new_neural:
 * @dataset: the data the network is made for (its states, inputs and scaling)
 * @spec: the architecture
 * @standardize: scale states, inputs and time from the data (see currents-neural.h);
 *   %FALSE feeds the network raw values (then @spec may not name log inputs)
 */
CurrentsLearner      *currents_learner_new_neural       (const CurrentsDataset      *dataset,
                                                         const CurrentsNeuralSpec   *spec,
                                                         gboolean                    standardize,
                                                         GError                    **error);
/**
 * currents_learner_new_model:
 * @model: (transfer full): a `.ode` model
 * @fit_params: fit its ordinary parameters as well as its learned terms
 *
 * Fails when there is nothing to fit (no learned terms, and @fit_params off or no
 * parameters either). The model's `conserve` statements become conservation penalties
 * (currents_learner_add_conservation()); the weights of a Hamiltonian's or a reaction
 * network's network are learned like those of learned terms.
 */
CurrentsLearner      *currents_learner_new_model        (CurrentsModel              *model,
                                                         gboolean                    fit_params,
                                                         GError                    **error);
/* Continues from a trained model: its architecture or source, starting from its params. */
CurrentsLearner      *currents_learner_new_trained      (const CurrentsTrainedModel *trained,
                                                         gboolean                    fit_params,
                                                         GError                    **error);
void                  currents_learner_free             (CurrentsLearner            *learner);

CurrentsField        *currents_learner_get_field        (const CurrentsLearner      *learner);
/* (nullable): exactly one of the two is set */
const CurrentsNeuralModel *currents_learner_get_neural  (const CurrentsLearner      *learner);
const CurrentsModel  *currents_learner_get_model        (const CurrentsLearner      *learner);
const char *const    *currents_learner_get_state_names  (const CurrentsLearner      *learner);
const char *const    *currents_learner_get_input_names  (const CurrentsLearner      *learner);
/* (nullable): a `.ode` model's defaults */
const double         *currents_learner_get_input_defaults (const CurrentsLearner    *learner);
const double         *currents_learner_get_initial_defaults (const CurrentsLearner  *learner);
/* The field's parameter count, the starting θ (writable: e.g. weights from a file) and
 * which entries are fitted. */
gsize                 currents_learner_get_n_params     (const CurrentsLearner      *learner);
double               *currents_learner_get_initial_params (CurrentsLearner          *learner);
const gboolean       *currents_learner_get_trainable    (const CurrentsLearner      *learner);
gboolean              currents_learner_get_fit_params   (const CurrentsLearner      *learner);

/**
 * currents_learner_add_conservation:
 * @expression: a quantity of the model's states that must stay constant ("E + C")
 * @weight: its penalty weight λ ≥ 0
 * @error: an unknown state (named, with its column), a syntax error or a bad weight
 *
 * Every loss the learner makes from now on (and so its trainers) adds
 * λ · mean((dq/dt)²) over the collocation points: see currents_loss_add_conservation().
 * The quantities are recorded with the training settings. (The CLI's
 * `--conserve "E + C" --conserve-weight 1`.)
 */
gboolean              currents_learner_add_conservation (CurrentsLearner          *learner,
                                                         const char               *expression,
                                                         double                    weight,
                                                         GError                  **error);
gsize                 currents_learner_get_n_conservations (const CurrentsLearner *learner);
const char           *currents_learner_get_conservation (const CurrentsLearner    *learner,
                                                         gsize                     i,
                                                         double                   *weight);

/* The loss of the learner's model on @dataset (which must outlive the loss). */
CurrentsLoss         *currents_learner_new_loss         (const CurrentsLearner      *learner,
                                                         const CurrentsDataset      *dataset,
                                                         const CurrentsLossOptions  *options,
                                                         GError                    **error);
/* A trainer on that loss from the starting θ (learned initial states appended when the
 * options ask for them); @dataset must outlive the trainer. */
CurrentsTrainer      *currents_learner_new_trainer      (const CurrentsLearner      *learner,
                                                         const CurrentsDataset      *dataset,
                                                         const CurrentsTrainOptions *options,
                                                         GError                    **error);

/**
 * currents_learner_new_trained_model:
 * @params: the field's parameters (currents_learner_get_n_params() values)
 * @dataset: (nullable): records the data's file name, checksum and ranges
 * @trainer: (nullable): records the loss history (only once training is over)
 *
 * A trained model of a copy of the learner's model with @params; the caller adds the
 * training settings (currents_learner_describe_training()).
 */
CurrentsTrainedModel *currents_learner_new_trained_model (const CurrentsLearner     *learner,
                                                          const double              *params,
                                                          const CurrentsDataset     *dataset,
                                                          const CurrentsTrainer     *trainer);

/* How a model was trained, as recorded in its file: @program and @command say who
 * made it; the options, seed and the data's time span follow. */
JsonObject           *currents_learner_describe_training (const CurrentsLearner     *learner,
                                                          const CurrentsTrainOptions *options,
                                                          const CurrentsDataset     *dataset,
                                                          const char                *program,
                                                          const char                *command);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsLearner, currents_learner_free)

G_END_DECLS
