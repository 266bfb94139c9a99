/* currents-trained.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A trained model: a vector field with its fitted parameters, and how it was made.
 * Either a pure Neural ODE (architecture, scaling and weights) or a `.ode` model (its
 * source text, so hybrid models with learned terms and fitted ordinary parameters
 * round-trip) with the parameter vector p.
 *
 * Saved as JSON (json-glib): format name and version, program version, the model
 * (source or architecture + scaling), weights with 17 significant digits (loading
 * restores bit-identical predictions), training settings, loss history, the data file's
 * name and SHA-256. Written atomically (temporary file + rename); a damaged or foreign
 * file is refused with a message saying what is wrong.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "currents-field.h"
#include "currents-model.h"
#include "currents-neural.h"

G_BEGIN_DECLS

#define CURRENTS_TRAINED_FORMAT  "currents-trained-model"
#define CURRENTS_TRAINED_VERSION 1

typedef enum
{
  CURRENTS_TRAINED_NEURAL,
  CURRENTS_TRAINED_ODE,
} CurrentsTrainedKind;

typedef struct _CurrentsTrainedModel CurrentsTrainedModel;

/* Takes ownership of @model; copies @params (currents_field_get_n_params() values). */
CurrentsTrainedModel *currents_trained_model_new_neural (CurrentsNeuralModel        *model,
                                                         const double               *params);
CurrentsTrainedModel *currents_trained_model_new_ode    (CurrentsModel              *model,
                                                         const double               *params);
void                  currents_trained_model_free       (CurrentsTrainedModel       *tm);

gboolean              currents_trained_model_save       (const CurrentsTrainedModel *tm,
                                                         const char                 *path,
                                                         GError                    **error);
CurrentsTrainedModel *currents_trained_model_load       (const char                 *path,
                                                         GError                    **error);
/* Parses the JSON text of a trained model; @filename only names it in messages. */
CurrentsTrainedModel *currents_trained_model_load_from_data (const char             *data,
                                                             gssize                  length,
                                                             const char             *filename,
                                                             GError                **error);
char                 *currents_trained_model_to_data    (const CurrentsTrainedModel *tm);
/* TRUE when the file at @path looks like a trained model (a JSON object with our format
 * name); cheap enough to decide between a trained model and a `.ode` file. */
gboolean              currents_trained_model_sniff      (const char                 *path);

CurrentsTrainedKind   currents_trained_model_get_kind   (const CurrentsTrainedModel *tm);
CurrentsField        *currents_trained_model_get_field  (const CurrentsTrainedModel *tm);
const double         *currents_trained_model_get_params (const CurrentsTrainedModel *tm);
void                  currents_trained_model_set_params (CurrentsTrainedModel       *tm,
                                                         const double               *params);
gsize                 currents_trained_model_get_n_params (const CurrentsTrainedModel *tm);
/* NULL unless the kind matches. */
const CurrentsNeuralModel *currents_trained_model_get_neural (const CurrentsTrainedModel *tm);
const CurrentsModel  *currents_trained_model_get_ode    (const CurrentsTrainedModel *tm);

gsize                 currents_trained_model_get_n_states (const CurrentsTrainedModel *tm);
const char *const    *currents_trained_model_get_state_names (const CurrentsTrainedModel *tm);
gsize                 currents_trained_model_get_n_inputs (const CurrentsTrainedModel *tm);
const char *const    *currents_trained_model_get_input_names (const CurrentsTrainedModel *tm);

/* The training data's range of each state and input (NaN when unknown). */
void                  currents_trained_model_set_ranges (CurrentsTrainedModel       *tm,
                                                         const double               *x_min,
                                                         const double               *x_max,
                                                         const double               *u_min,
                                                         const double               *u_max);
gboolean              currents_trained_model_get_ranges (const CurrentsTrainedModel *tm,
                                                         double                     *x_min,
                                                         double                     *x_max,
                                                         double                     *u_min,
                                                         double                     *u_max);

/* Where the model came from. */
void                  currents_trained_model_set_data   (CurrentsTrainedModel       *tm,
                                                         const char                 *filename,
                                                         const char                 *sha256);
const char           *currents_trained_model_get_data_filename (const CurrentsTrainedModel *tm);
const char           *currents_trained_model_get_data_sha256   (const CurrentsTrainedModel *tm);
/* Free-form settings and provenance (JSON object; copied). */
void                  currents_trained_model_set_training (CurrentsTrainedModel     *tm,
                                                           JsonObject               *settings);
JsonObject           *currents_trained_model_get_training (const CurrentsTrainedModel *tm);
/* Loss history, one entry per epoch (NaN where a value is unknown). */
void                  currents_trained_model_add_history (CurrentsTrainedModel      *tm,
                                                          guint                      epoch,
                                                          double                     train_loss,
                                                          double                     val_loss);
gsize                 currents_trained_model_get_history (const CurrentsTrainedModel *tm,
                                                          const guint              **epochs,
                                                          const double             **train_loss,
                                                          const double             **val_loss);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsTrainedModel, currents_trained_model_free)

G_END_DECLS
