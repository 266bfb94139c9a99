/* currents-model.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Equation models read from XPPAUT's `.ode` language (its core, as the corpus uses
 * it) plus Currents' extensions (`input`, `learn`). A model compiles its equations to
 * a tape on which f(t, x, u, p), ∂f/∂x, ∂f/∂p and vector-Jacobian products are
 * evaluated exactly by automatic differentiation, without allocating.
 *
 * The parameter vector p of the model's field holds the `par` values in declaration
 * order followed by the weights of every learned term (see
 * currents_model_get_learned()), then the weights of the model family's network (a
 * Hamiltonian's H_θ or a reaction network's rates r_θ), from
 * currents_model_get_family_offset() on.
 *
 * A model is of one family: ordinary equations (possibly with learned terms), a
 * Hamiltonian network (`hamiltonian q | p`, currents-hamiltonian.h) or a reaction network
 * with learned rates (`reaction`/`stoich`, currents-stoich.h). For the last two the field
 * is the engine object's field with the model's p (the family's weights at the offset).
 */
#pragma once

#include <glib.h>

#include "currents-field.h"
#include "currents-simulate.h"

G_BEGIN_DECLS

typedef struct _CurrentsModel CurrentsModel;
typedef struct _CurrentsHamiltonianModel CurrentsHamiltonianModel;
typedef struct _CurrentsStoichModel CurrentsStoichModel;

typedef enum
{
  CURRENTS_MODEL_EQUATIONS,       /* ordinary (possibly hybrid) .ode model */
  CURRENTS_MODEL_HAMILTONIAN,
  CURRENTS_MODEL_STOICHIOMETRIC,
} CurrentsModelFamily;

/**
 * CurrentsModelConserved:
 * A quantity the model conserves: a reaction network's law (@exact, named "law 1", …,
 * @expression like "E + C", @weight 0) or a `conserve` statement (not @exact, its name
 * and penalty weight λ).
 */
typedef struct
{
  const char *name;
  const char *expression;
  double      weight;
  gboolean    exact;
} CurrentsModelConserved;

/**
 * CurrentsModelOptions:
 * The `@` options of the file (XPP's defaults where it sets none).
 */
typedef struct
{
  double         total;
  double         dt;
  double         t0;
  double         trans;
  double         bound;
  double         tol;
  double         atol;
  double         dtmin;
  double         dtmax;
  int            njmp;
  int            maxstor;
  CurrentsMethod method;
  char          *method_name;   /* as written, or "rungekutta" */
  char          *xp;            /* axis variables, or NULL */
  char          *yp;
  char          *zp;
  double         xlo, xhi, ylo, yhi;
  gboolean       has_window;    /* any of xlo/xhi/ylo/yhi given */
} CurrentsModelOptions;

typedef enum
{
  CURRENTS_ACTIVATION_TANH,
  CURRENTS_ACTIVATION_SOFTPLUS,
  CURRENTS_ACTIVATION_SILU,
  CURRENTS_ACTIVATION_RELU,
  CURRENTS_ACTIVATION_IDENTITY,
} CurrentsActivation;

/**
 * CurrentsLearnedTerm:
 * A small neural network g: ℝ^n_args → ℝ named in the equations.
 * Its weights are p[param_offset .. param_offset + n_weights).
 */
typedef struct
{
  const char        *name;
  gsize              n_args;
  gsize              n_layers;     /* number of affine layers */
  const gsize       *widths;       /* n_layers + 1 widths, widths[0] = n_args, last = 1 */
  CurrentsActivation activation;
  gsize              param_offset;
  gsize              n_weights;
} CurrentsLearnedTerm;

CurrentsModel       *currents_model_new_from_file    (const char           *path,
                                                      GError              **error);
CurrentsModel       *currents_model_new_from_string  (const char           *source,
                                                      const char           *filename,
                                                      GError              **error);
void                 currents_model_free             (CurrentsModel        *model);

const char          *currents_model_get_filename     (const CurrentsModel  *model);
const char          *currents_model_get_source       (const CurrentsModel  *model);
CurrentsField       *currents_model_get_field        (const CurrentsModel  *model);
const CurrentsModelOptions *currents_model_get_options (const CurrentsModel *model);
/* Messages about `@` options that only affect XPP's display and were ignored. */
const char *const   *currents_model_get_ignored      (const CurrentsModel  *model);

gsize                currents_model_get_n_states     (const CurrentsModel  *model);
const char          *currents_model_get_state_name   (const CurrentsModel  *model,
                                                      gsize                 i);
const char *const   *currents_model_get_state_names  (const CurrentsModel  *model);
const double        *currents_model_get_initial      (const CurrentsModel  *model);

gsize                currents_model_get_n_inputs     (const CurrentsModel  *model);
const char          *currents_model_get_input_name   (const CurrentsModel  *model,
                                                      gsize                 i);
const double        *currents_model_get_input_defaults (const CurrentsModel *model);
const char *const   *currents_model_get_input_names  (const CurrentsModel  *model);

/* Number of `par` parameters (learned weights follow them in p). */
gsize                currents_model_get_n_named_params (const CurrentsModel *model);
gsize                currents_model_get_n_params     (const CurrentsModel  *model);
const char          *currents_model_get_param_name   (const CurrentsModel  *model,
                                                      gsize                 i);
/* Default parameter vector (length currents_model_get_n_params()). */
const double        *currents_model_get_params       (const CurrentsModel  *model);

gsize                currents_model_get_n_aux        (const CurrentsModel  *model);
const char          *currents_model_get_aux_name     (const CurrentsModel  *model,
                                                      gsize                 i);
/* aux[k] for the model's `aux` quantities at one point (ws from the model's field). */
void                 currents_model_eval_aux         (const CurrentsModel  *model,
                                                      CurrentsFieldWorkspace *ws,
                                                      double                t,
                                                      const double         *x,
                                                      const double         *u,
                                                      const double         *p,
                                                      double               *aux);

gsize                currents_model_get_n_learned    (const CurrentsModel  *model);
const CurrentsLearnedTerm *currents_model_get_learned (const CurrentsModel *model,
                                                      gsize                 i);

CurrentsModelFamily  currents_model_get_family      (const CurrentsModel  *model);
/* "equations", "hamiltonian", "stoichiometric" */
const char          *currents_model_family_to_string (CurrentsModelFamily  family);
/* (nullable) the family's engine object; its params are the model's params from
 * currents_model_get_hamiltonian_offset() (= currents_model_get_family_offset()) on */
const CurrentsHamiltonianModel *currents_model_get_hamiltonian (const CurrentsModel *model);
const CurrentsStoichModel *currents_model_get_stoich  (const CurrentsModel  *model);
gsize                currents_model_get_family_offset (const CurrentsModel *model);
gsize                currents_model_get_hamiltonian_offset (const CurrentsModel *model);

/* Conserved quantities the model knows: a reaction network's laws (exact), then its
 * `conserve` statements. */
gsize                currents_model_get_n_conserved  (const CurrentsModel  *model);
const CurrentsModelConserved *currents_model_get_conserved (const CurrentsModel *model,
                                                      gsize                 i);
double               currents_model_eval_conserved   (const CurrentsModel  *model,
                                                      gsize                 i,
                                                      const double         *x);
/* A Hamiltonian model's energy H_θ(x) with the model's full parameter vector p (NAN for
 * other families). */
double               currents_model_eval_energy      (const CurrentsModel  *model,
                                                      const double         *x,
                                                      const double         *p);

/* Case-insensitive look-ups; -1 when absent. */
int                  currents_model_find_state       (const CurrentsModel  *model,
                                                      const char           *name);
int                  currents_model_find_param       (const CurrentsModel  *model,
                                                      const char           *name);
int                  currents_model_find_input       (const CurrentsModel  *model,
                                                      const char           *name);

/* The file's tolerances are multiplied by this for XPP's stiff methods (see
 * currents_model_get_sim_options()). */
#define CURRENTS_MODEL_STIFF_TOL_FACTOR 0.01

/* Options for currents_simulator_new() that honour the file's `@ meth`, dt, tol, bound. */
void                 currents_model_get_sim_options  (const CurrentsModel  *model,
                                                      CurrentsSimOptions   *options);

/* XPP's output times for the file's own run: N = ⌊total/dt + 0.1⌋ steps of dt, written
 * every njmp steps: t0 + j·njmp·dt for j = 0 … ⌈N/njmp⌉. */
double              *currents_model_get_default_times (const CurrentsModel *model,
                                                      gsize               *n_times);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsModel, currents_model_free)

G_END_DECLS
