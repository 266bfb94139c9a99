/* currents-stoich.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Stoichiometric models: n species x, m reactions, a fixed stoichiometric matrix S
 * (n × m, species × reactions, row-major: S[i*m + j] is what reaction j makes of species i)
 * and learned reaction rates r_θ(x, u):
 *
 *   dx/dt = S · r_θ(x, u)
 *
 * Every c with cᵀS = 0 (the left null space of S) gives a conserved quantity cᵀx, exactly,
 * whatever θ is: d(cᵀx)/dt = (cᵀS) r = 0. currents_stoich_matrix_conservation() finds them.
 *
 * The rates come from one MLP g_θ (currents-mlp.h) of the scaled species and inputs, one
 * or two outputs ("channels") per reaction, see currents-stoich.c for the formulas:
 * a reversible reaction's rate is free in sign, an irreversible one's is ≥ 0 (softplus),
 * and a mass-action reaction's rate is multiplied by its reactants' concentrations (the
 * species with negative entries in its column; for a reversible one the backward part by
 * its products'), so it is 0 when a reactant is absent.
 */
#pragma once

#include <glib.h>

#include "currents-field.h"
#include "currents-model.h"

G_BEGIN_DECLS

/* ------------------------------------------------------------------------------------ */
/* The stoichiometric matrix                                                            */

typedef struct _CurrentsStoichMatrix CurrentsStoichMatrix;

CurrentsStoichMatrix *currents_stoich_matrix_new            (gsize                      n_species,
                                                             gsize                      n_reactions,
                                                             const char *const           *species,
                                                             const char *const           *reactions,
                                                             const double                *values,
                                                             GError                     **error);
CurrentsStoichMatrix *currents_stoich_matrix_new_from_csv   (const char                  *path,
                                                             const char *const           *species,
                                                             GError                     **error);
CurrentsStoichMatrix *currents_stoich_matrix_new_from_csv_data (const char               *text,
                                                                gssize                    length,
                                                                const char               *display,
                                                                const char *const        *species,
                                                                GError                  **error);
CurrentsStoichMatrix *currents_stoich_matrix_copy           (const CurrentsStoichMatrix  *matrix);
void                  currents_stoich_matrix_free           (CurrentsStoichMatrix        *matrix);
gsize                 currents_stoich_matrix_get_n_species  (const CurrentsStoichMatrix  *matrix);
gsize                 currents_stoich_matrix_get_n_reactions (const CurrentsStoichMatrix *matrix);
const char *const    *currents_stoich_matrix_get_species    (const CurrentsStoichMatrix  *matrix);
const char *const    *currents_stoich_matrix_get_reactions  (const CurrentsStoichMatrix  *matrix);
/* n × m, row-major */
const double         *currents_stoich_matrix_get_values     (const CurrentsStoichMatrix  *matrix);
double                currents_stoich_matrix_get            (const CurrentsStoichMatrix  *matrix,
                                                             gsize                        species,
                                                             gsize                        reaction);

/* ------------------------------------------------------------------------------------ */
/* Conservation laws                                                                    */

typedef struct _CurrentsConservation CurrentsConservation;

CurrentsConservation *currents_stoich_matrix_conservation   (const CurrentsStoichMatrix  *matrix,
                                                             GError                     **error);
void                  currents_conservation_free            (CurrentsConservation        *cons);
gsize                 currents_conservation_get_n_laws      (const CurrentsConservation  *cons);
gsize                 currents_conservation_get_n_species   (const CurrentsConservation  *cons);
/* rank of S; n_laws = n_species − rank */
gsize                 currents_conservation_get_rank        (const CurrentsConservation  *cons);
/* n_laws × n, row-major: an orthonormal basis of the left null space (from the SVD) */
const double         *currents_conservation_get_orthonormal (const CurrentsConservation  *cons);
/* n_laws × n, row-major: the laws as shown to the user, small integers when
 * currents_conservation_is_integer(), else the orthonormal basis */
const double         *currents_conservation_get_laws        (const CurrentsConservation  *cons);
gboolean              currents_conservation_is_integer      (const CurrentsConservation  *cons);
/* "E + C", "S + C + P", "2 A - B" */
const char           *currents_conservation_get_text        (const CurrentsConservation  *cons,
                                                             gsize                        law);
double                currents_conservation_eval            (const CurrentsConservation  *cons,
                                                             gsize                        law,
                                                             const double                *x);

/* ------------------------------------------------------------------------------------ */
/* The model                                                                            */

#define CURRENTS_STOICH_MAX_LAYERS 16

typedef enum
{
  CURRENTS_REACTION_REVERSIBLE   = 0,
  CURRENTS_REACTION_IRREVERSIBLE = 1 << 0,
  CURRENTS_REACTION_MASS_ACTION  = 1 << 1,
} CurrentsReactionFlags;

/**
 * CurrentsStoichSpec:
 * @n_hidden: number of hidden layers (default 2)
 * @hidden: their widths (default 32, 32)
 * @activation: hidden activation (default tanh)
 * @seed: initialisation seed
 */
typedef struct
{
  gsize              n_hidden;
  gsize              hidden[CURRENTS_STOICH_MAX_LAYERS];
  CurrentsActivation activation;
  guint64            seed;
} CurrentsStoichSpec;

void currents_stoich_spec_init (CurrentsStoichSpec *spec);

/**
 * CurrentsStoichScaling:
 * Units of the network (every array nullable: mean 0, scale 1):
 * ξ = (x − x_mean) / x_scale, η = (u − u_mean) / u_scale, and each rate is rate_scale
 * times the network's (transformed) output.
 */
typedef struct
{
  const double *x_mean;      /* n */
  const double *x_scale;     /* n, > 0 */
  const double *u_mean;      /* inputs */
  const double *u_scale;     /* inputs, > 0 */
  const double *rate_scale;  /* m, > 0 */
} CurrentsStoichScaling;

typedef struct _CurrentsStoichModel CurrentsStoichModel;

CurrentsStoichModel *currents_stoich_model_new             (const CurrentsStoichMatrix  *matrix,
                                                            const char *const          *input_names,
                                                            const CurrentsReactionFlags *flags,
                                                            const CurrentsStoichSpec    *spec,
                                                            const CurrentsStoichScaling *scaling,
                                                            GError                     **error);
void                 currents_stoich_model_free            (CurrentsStoichModel         *model);
CurrentsField       *currents_stoich_model_get_field       (const CurrentsStoichModel   *model);
const CurrentsStoichMatrix *currents_stoich_model_get_matrix (const CurrentsStoichModel *model);
gsize                currents_stoich_model_get_n_inputs    (const CurrentsStoichModel   *model);
const char *const   *currents_stoich_model_get_input_names (const CurrentsStoichModel   *model);
CurrentsReactionFlags currents_stoich_model_get_flags      (const CurrentsStoichModel   *model,
                                                            gsize                        reaction);
gsize                currents_stoich_model_get_n_params    (const CurrentsStoichModel   *model);
/* network outputs: one per reaction, two for a reversible mass-action one */
gsize                currents_stoich_model_get_n_outputs   (const CurrentsStoichModel   *model);
const double        *currents_stoich_model_get_initial_params (const CurrentsStoichModel *model);
const CurrentsStoichSpec *currents_stoich_model_get_spec   (const CurrentsStoichModel   *model);
/* every array filled in (defaults: mean 0, scale 1), owned by the model */
const CurrentsStoichScaling *currents_stoich_model_get_scaling (const CurrentsStoichModel *model);
/* r (m) = r_θ(x, u); @ws from currents_field_workspace_new() on the model's field */
void                 currents_stoich_model_eval_rates      (const CurrentsStoichModel   *model,
                                                            CurrentsFieldWorkspace      *ws,
                                                            const double                *x,
                                                            const double                *u,
                                                            const double                *p,
                                                            double                      *r);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsStoichMatrix, currents_stoich_matrix_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsConservation, currents_conservation_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsStoichModel, currents_stoich_model_free)

G_END_DECLS
