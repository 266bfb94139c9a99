/* currents-loss.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The training loss of a model on a data set, and its exact gradient:
 *
 *   J(θ) = (1/N) Σ_r Σ_k Σ_i w_i (x_i^r(t_k) − y_ik^r)²  +  λ ‖θ‖²
 *
 * over the observed entries (missing values masked) of the chosen trajectories r, each
 * integrated from its first observation on its own time grid; N is the number of
 * observed entries and w_i = 1/Var(y_i), the inverse variance of state i over the data
 * (so every state counts alike whatever its units). Alongside, the mean squared error in
 * the data's units, MSE = (1/N) Σ (x − y)², which is what a user reads.
 *
 * Conservation penalties (currents_loss_add_conservation()): for each quantity q_c(x) the
 * user says must stay constant, with weight λ_c,
 *
 *   J += λ_c · (1/N_c) Σ_{x ∈ C} (∇q_c(x) · f(t, x, u; θ))²
 *
 * over the collocation points C: every observed sample of the chosen trajectories in
 * which all states are seen (fixed points), and the predicted state x^r(t_k; θ) at every
 * sample time of every chosen trajectory; N_c = |C|. The gradient is exact, the
 * predicted points included: their dependence on θ (and on learned initial states) goes
 * through the adjoint like the squared error's, ∂/∂x of the penalty being
 * 2 λ_c/N_c q̇_c (H_{q_c} f + (∂f/∂x)ᵀ ∇q_c).
 *
 * Trajectories are evaluated in fixed blocks whose partial sums are added in block order,
 * so the result is bit-identical whatever the number of threads. Where the model allows
 * it, a block's trajectories are integrated together as one stacked system with shared
 * steps (see currents-loss.c): the same loss to the solver's tolerance, much faster.
 */
#pragma once

#include <gio/gio.h>

#include "currents-adjoint.h"
#include "currents-data.h"
#include "currents-field.h"

G_BEGIN_DECLS

/**
 * CurrentsLossOptions:
 * @adjoint: solver tolerances and gradient method
 * @weight_decay: λ, the L2 penalty on the trainable parameters
 * @learn_initial: also learn each trajectory's initial state (appended to θ)
 * @n_threads: worker threads (0: one per core)
 * @unit_weights: w_i = 1 (plain MSE in data units) instead of 1/Var(y_i)
 * @unstacked: integrate every trajectory on its own even where a block could be stacked
 *   (for comparisons)
 */
typedef struct
{
  CurrentsAdjointOptions adjoint;
  double                 weight_decay;
  gboolean               learn_initial;
  guint                  n_threads;
  gboolean               unit_weights;
  gboolean               unstacked;
} CurrentsLossOptions;

void currents_loss_options_init (CurrentsLossOptions *options);

typedef struct
{
  double objective;   /* J */
  double mse;         /* data units */
  gsize  n_observed;  /* N */
  gsize  nfe_forward;
  gsize  nfe_backward;
  gsize  n_steps;
  gsize  n_stacked;   /* trajectories integrated in stacked blocks */
  double penalty;     /* the conservation penalties' part of J (0 without any) */
} CurrentsLossResult;

typedef struct _CurrentsLoss CurrentsLoss;

/**
 * currents_loss_new:
 * @field: the model's vector field; its states and inputs are named by @state_names and
 *   @input_names and matched to the data's columns by name (case-insensitive)
 * @state_names: the model's states (n)
 * @input_names: (nullable): the model's inputs (m)
 * @input_defaults: (nullable): values for inputs the data does not have
 * @initial_defaults: (nullable): initial values for states a trajectory never observes
 * @dataset: the data (kept by reference: it must outlive the loss)
 * @options: settings
 * @error: a clear message when model and data do not fit together
 */
CurrentsLoss *currents_loss_new           (CurrentsField             *field,
                                           const char *const         *state_names,
                                           const char *const         *input_names,
                                           const double              *input_defaults,
                                           const double              *initial_defaults,
                                           const CurrentsDataset     *dataset,
                                           const CurrentsLossOptions *options,
                                           GError                   **error);
void          currents_loss_free          (CurrentsLoss              *loss);

/* Number of parameters the loss differentiates: the field's, then n per trajectory
 * when learning initial states. */
gsize         currents_loss_get_n_params  (const CurrentsLoss        *loss);
/* Initial values for the appended initial states (their first observations). */
void          currents_loss_init_params   (const CurrentsLoss        *loss,
                                           const double              *field_params,
                                           double                    *theta);
const double *currents_loss_get_weights   (const CurrentsLoss        *loss);
/* Takes the weights w_i = 1/Var(y_i) from these trajectories only (a trainer's training
 * set, so that nothing about held-out data enters the objective). */
void          currents_loss_set_weights_from (CurrentsLoss           *loss,
                                              const gsize            *traj,
                                              gsize                   n_traj);
gsize         currents_loss_get_n_trajectories (const CurrentsLoss   *loss);
gsize         currents_loss_get_n_states  (const CurrentsLoss        *loss);
/* Index in θ of trajectory r's initial state when learning initial states, else -1. */
gssize        currents_loss_get_initial_index (const CurrentsLoss    *loss,
                                               gsize                  r);

/**
 * currents_loss_eval:
 * @theta: currents_loss_get_n_params() values
 * @traj: indices of the trajectories to use (in the data set's order)
 * @n_traj: how many
 * @trainable: (nullable): which θ entries the weight decay applies to (NULL: all of the
 *   field's parameters)
 * @grad: (out) (nullable): dJ/dθ, overwritten; %NULL for the loss alone
 * @result: (out): figures
 *
 * Returns: %FALSE with @error set when a solve fails (the message names the trajectory)
 *   or @cancellable is cancelled.
 */
gboolean      currents_loss_eval          (CurrentsLoss              *loss,
                                           const double              *theta,
                                           const gsize               *traj,
                                           gsize                      n_traj,
                                           const gboolean            *trainable,
                                           double                    *grad,
                                           CurrentsLossResult        *result,
                                           GCancellable              *cancellable,
                                           GError                   **error);

/**
 * currents_loss_add_conservation:
 * @expression: the quantity, an expression of the model's states in the model language
 *   ("E + C"); see currents_conserved_quantity_new()
 * @weight: λ ≥ 0
 * @error: an unknown state name (with its column), a syntax error or a bad weight
 *
 * Adds λ · mean((dq/dt)²) over the collocation points to the objective (see the top of
 * this file). Several quantities may be added, each with its own weight. Not while an
 * evaluation runs.
 */
gboolean      currents_loss_add_conservation (CurrentsLoss           *loss,
                                              const char             *expression,
                                              double                  weight,
                                              GError                **error);
gsize         currents_loss_get_n_conservations (const CurrentsLoss  *loss);
/* The expression of quantity @i, and its weight in @weight (nullable). */
const char   *currents_loss_get_conservation (const CurrentsLoss     *loss,
                                              gsize                   i,
                                              double                 *weight);

/* Predictions for trajectory r at its own sample times (n_samples × n), from θ. */
gboolean      currents_loss_predict       (CurrentsLoss              *loss,
                                           const double              *theta,
                                           gsize                      r,
                                           double                    *states,
                                           GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsLoss, currents_loss_free)

G_END_DECLS
