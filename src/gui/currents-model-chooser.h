/* currents-model-chooser.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "New Model…": which family of model to learn or write for the data shown — a neural
 * ODE, equations, a hybrid of both, a reaction network, a Hamiltonian network, or a
 * population of cells — each with one line on what it knows by construction. The
 * families written as `.ode` text come with a first model for the data
 * (currents_model_template()); a family the data cannot have (a Hamiltonian model of an
 * odd number of states) is shown insensitive with the reason.
 */
#pragma once

#include <adwaita.h>

#include "currents-engine.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_MODEL_CHOICE_NEURAL,
  CURRENTS_MODEL_CHOICE_EQUATIONS,
  CURRENTS_MODEL_CHOICE_HYBRID,
  CURRENTS_MODEL_CHOICE_REACTIONS,
  CURRENTS_MODEL_CHOICE_HAMILTONIAN,
  CURRENTS_MODEL_CHOICE_POPULATION,
  CURRENTS_MODEL_N_CHOICES,
} CurrentsModelChoice;

#define CURRENTS_TYPE_MODEL_CHOOSER (currents_model_chooser_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsModelChooser, currents_model_chooser, CURRENTS, MODEL_CHOOSER,
                      AdwMessageDialog)

/* @dataset (nullable) is copied. Emits ::chosen (guint choice, const char *source) when
 * the user creates a model; source is the template text, or NULL for the neural and the
 * population families. */
CurrentsModelChooser *currents_model_chooser_new           (GtkWindow             *parent,
                                                            const CurrentsDataset *dataset);
CurrentsModelChoice   currents_model_chooser_get_choice    (CurrentsModelChooser  *self);
/* Ignored for a family that is not available. */
void                  currents_model_chooser_set_choice    (CurrentsModelChooser  *self,
                                                            CurrentsModelChoice    choice);
/* FALSE with the reason in @why (nullable) when the data cannot have this family. */
gboolean              currents_model_chooser_get_available (CurrentsModelChooser  *self,
                                                            CurrentsModelChoice    choice,
                                                            const char           **why);
/* (nullable): the chosen family's first model as `.ode` text */
const char           *currents_model_chooser_get_source    (CurrentsModelChooser  *self);

G_END_DECLS
