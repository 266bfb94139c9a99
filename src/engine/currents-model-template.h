/* currents-model-template.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A first model of each family, written as `.ode` text for a data set's states and
 * inputs, for the user to edit: what "New Model…" puts in the model editor. Each template
 * parses as it is, names the data's states and inputs, starts from the first observation
 * of the data and runs over its time span, and says in comments what to change.
 *
 *   text = currents_model_template (CURRENTS_MODEL_TEMPLATE_REACTIONS, dataset, &error);
 */
#pragma once

#include <glib.h>

#include "currents-data.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_MODEL_TEMPLATE_EQUATIONS,    /* known equations with parameters to fit */
  CURRENTS_MODEL_TEMPLATE_HYBRID,       /* known degradation, learned production */
  CURRENTS_MODEL_TEMPLATE_REACTIONS,    /* stoichiometric: reactions with learned rates */
  CURRENTS_MODEL_TEMPLATE_HAMILTONIAN,  /* coordinates | momenta, a learned energy */
} CurrentsModelTemplate;

/**
 * currents_model_template:
 * @kind: the family
 * @dataset: (nullable): the data the model is for; without it a two-state example
 * @error: a data set the family cannot describe (a Hamiltonian model of an odd number of
 *   states; column names that are not `.ode` names), said so the user can act
 *
 * Returns: (transfer full): the `.ode` source
 */
char       *currents_model_template          (CurrentsModelTemplate  kind,
                                              const CurrentsDataset *dataset,
                                              GError               **error);
/* "equations", "hybrid", "reactions", "hamiltonian" (and back; FALSE if unknown) */
const char *currents_model_template_to_string (CurrentsModelTemplate kind);
gboolean    currents_model_template_from_string (const char            *text,
                                                 CurrentsModelTemplate *kind);

G_END_DECLS
