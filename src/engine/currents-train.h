/* currents-train.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fits a vector field's parameters θ to trajectory data with Adam (optionally polished
 * with BFGS), built as set / iterate / test so the CLI loop, a GUI worker and the tests
 * drive the same code:
 *
 *   trainer = currents_trainer_new (...);
 *   while (!currents_trainer_test (trainer))
 *     if (!currents_trainer_iterate (trainer, &progress, cancellable, &error)) break;
 *   best = currents_trainer_get_best_params (trainer);
 *
 * The best parameters seen (by validation loss, or training loss without a validation
 * set) are always kept; a failed or non-finite step, or an epoch whose loss diverges,
 * restores them and halves the learning rate. What went wrong is classified (a learning
 * rate too large, a solution that escapes to infinity, equations too stiff for the
 * explicit solver) and said in words, with what to change: currents_trainer_get_advice().
 */
#pragma once

#include <gio/gio.h>

#include "currents-loss.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_LR_CONSTANT,
  CURRENTS_LR_COSINE,
  CURRENTS_LR_STEP,
} CurrentsLrSchedule;

gboolean    currents_lr_schedule_from_string (const char *name, CurrentsLrSchedule *schedule);
const char *currents_lr_schedule_to_string   (CurrentsLrSchedule schedule);

/**
 * CurrentsTrainOptions:
 * @epochs: passes over the training trajectories
 * @lr: Adam's learning rate
 * @beta1: Adam's first-moment decay
 * @beta2: Adam's second-moment decay
 * @eps: Adam's ε
 * @schedule: learning-rate schedule over the epochs
 * @lr_min: the cosine schedule's floor
 * @step_every: the step schedule multiplies the rate by @step_gamma every so many epochs
 * @step_gamma: see @step_every
 * @clip_norm: gradient-norm clipping (0: off)
 * @batch_size: trajectories per Adam step (0: all training trajectories)
 * @val_fraction: share of trajectories held out for validation (by trajectory)
 * @seed: seeds the split and the batch order
 * @patience: stop after this many epochs without a better validation loss (0: never)
 * @polish: finish with GSL's BFGS on the full training set
 * @polish_iterations: BFGS iterations at most
 * @max_failures: consecutive failed steps before training stops with an error
 * @loss: the loss's settings
 */
typedef struct
{
  guint               epochs;
  double              lr;
  double              beta1;
  double              beta2;
  double              eps;
  CurrentsLrSchedule  schedule;
  double              lr_min;
  guint               step_every;
  double              step_gamma;
  double              clip_norm;
  gsize               batch_size;
  double              val_fraction;
  guint64             seed;
  guint               patience;
  gboolean            polish;
  guint               polish_iterations;
  guint               max_failures;
  CurrentsLossOptions loss;
} CurrentsTrainOptions;

void currents_train_options_init (CurrentsTrainOptions *options);

/**
 * CurrentsTrainProgress:
 * What one iteration did; train and validation losses are mean squared errors in the
 * data's units over the epoch's training batches and the validation set.
 */
typedef struct
{
  guint    epoch;           /* 1-based; the last finished epoch */
  guint    epochs;          /* planned */
  double   train_loss;
  double   val_loss;        /* NaN without a validation set */
  double   objective;       /* weighted objective J, standardised units */
  double   grad_norm;
  double   lr;
  gsize    nfe_forward;
  gsize    nfe_backward;
  double   ms;              /* wall time of the iteration */
  guint    best_epoch;
  double   best_loss;       /* the criterion's best (validation, or training) */
  gboolean improved;
  gboolean polishing;
  gboolean finished;
  char    *note;            /* e.g. a recovered failure, or at the end the advice of
                             * currents_trainer_get_advice(); owned by the trainer */
  gboolean diverged;        /* this iteration diverged or failed (and was undone, but for
                             * a first epoch far above the start, which has nothing to
                             * go back to) */
} CurrentsTrainProgress;

/**
 * CurrentsTrainFault:
 * @CURRENTS_TRAIN_FAULT_NONE: nothing went wrong
 * @CURRENTS_TRAIN_FAULT_LEARNING_RATE: the loss blew up while the solver succeeded (or
 *   it became non-finite after a step): the learning rate is too large
 * @CURRENTS_TRAIN_FAULT_BLOW_UP: the forward solve failed with the state growing huge or
 *   non-finite: the model's solution escapes to infinity in finite time
 * @CURRENTS_TRAIN_FAULT_STIFF: the explicit solver hit its step limit, or its step
 *   collapsed, while the state stayed bounded: the equations are stiff
 * @CURRENTS_TRAIN_FAULT_SOLVER: another failure (a non-finite right-hand side at a
 *   bounded state, a backward solve, the implicit solver's limits)
 */
typedef enum
{
  CURRENTS_TRAIN_FAULT_NONE,
  CURRENTS_TRAIN_FAULT_LEARNING_RATE,
  CURRENTS_TRAIN_FAULT_BLOW_UP,
  CURRENTS_TRAIN_FAULT_STIFF,
  CURRENTS_TRAIN_FAULT_SOLVER,
} CurrentsTrainFault;

/**
 * CurrentsTrainFaultInfo:
 * The first thing that went wrong in a run (what started the trouble).
 * @kind: its cause
 * @epoch: the epoch it happened in (0: at the starting parameters, before any step)
 * @after_step: the parameters that failed came from an Adam step (not the starting or
 *   best parameters): the step's size is part of the cause
 * @loss: %CURRENTS_TRAIN_FAULT_LEARNING_RATE: the criterion that epoch
 * @best_loss: the best criterion before it
 * @lr: the learning rate of that epoch
 * @t: solver failures: the time it failed at (NaN otherwise)
 * @max_state: solver failures: the largest |x_i| there (infinity when non-finite)
 * @n_steps: a step limit that was hit (0 otherwise)
 * @trajectory: (nullable): the trajectory whose solve failed
 * @message: (nullable): the engine's message of a failure
 */
typedef struct
{
  CurrentsTrainFault kind;
  guint              epoch;
  gboolean           after_step;
  double             loss;
  double             best_loss;
  double             lr;
  double             t;
  double             max_state;
  gsize              n_steps;
  char              *trajectory;
  char              *message;
} CurrentsTrainFaultInfo;

typedef struct _CurrentsTrainer CurrentsTrainer;

/**
 * currents_trainer_new:
 * @loss: (transfer full): the loss to minimise
 * @theta0: starting parameters (currents_loss_get_n_params() values)
 * @trainable: (nullable): which entries of θ to fit (NULL: all)
 * @options: settings
 * @error: a clear message for settings that cannot work
 */
CurrentsTrainer *currents_trainer_new       (CurrentsLoss               *loss,
                                             const double               *theta0,
                                             const gboolean             *trainable,
                                             const CurrentsTrainOptions *options,
                                             GError                    **error);
void             currents_trainer_free      (CurrentsTrainer            *trainer);

gboolean         currents_trainer_iterate   (CurrentsTrainer            *trainer,
                                             CurrentsTrainProgress      *progress,
                                             GCancellable               *cancellable,
                                             GError                    **error);
gboolean         currents_trainer_test      (const CurrentsTrainer      *trainer);

CurrentsLoss    *currents_trainer_get_loss  (const CurrentsTrainer      *trainer);
gsize            currents_trainer_get_n_params (const CurrentsTrainer   *trainer);
const double    *currents_trainer_get_params (const CurrentsTrainer     *trainer);
const double    *currents_trainer_get_best_params (const CurrentsTrainer *trainer);
guint            currents_trainer_get_best_epoch (const CurrentsTrainer *trainer);
/* A copy of the best parameters taken under a lock: safe while training runs in a
 * worker thread. Returns their epoch. */
guint            currents_trainer_copy_best_params (CurrentsTrainer     *trainer,
                                                    double              *params);
/* The loss history from epoch index @from on, appended to two GArrays of double, under
 * the same lock. Returns the history's length. */
gsize            currents_trainer_copy_history (CurrentsTrainer         *trainer,
                                                gsize                    from,
                                                GArray                  *train_loss,
                                                GArray                  *val_loss);
/* Train and validation MSE of the best parameters (recomputed on the full sets). */
gboolean         currents_trainer_evaluate_best (CurrentsTrainer        *trainer,
                                                 double                 *train_mse,
                                                 double                 *val_mse,
                                                 GCancellable           *cancellable,
                                                 GError                **error);
const gsize     *currents_trainer_get_train_set (const CurrentsTrainer  *trainer,
                                                 gsize                  *n);
const gsize     *currents_trainer_get_val_set (const CurrentsTrainer    *trainer,
                                               gsize                    *n);
/* Per-epoch history. */
gsize            currents_trainer_get_history (const CurrentsTrainer    *trainer,
                                               const double            **train_loss,
                                               const double            **val_loss);
const CurrentsTrainOptions *currents_trainer_get_options (const CurrentsTrainer *trainer);

/* (nullable): the first fault of the run, NULL when nothing went wrong. Read it once the
 * run is over (or between iterations). */
const CurrentsTrainFaultInfo *currents_trainer_get_fault (const CurrentsTrainer *trainer);
/* Divergences and failed steps undone so far (each restored the best parameters and
 * halved the learning rate). */
guint            currents_trainer_get_n_faults (const CurrentsTrainer   *trainer);
/* (nullable): once training has ended (finished, stopped by a failure, or cancelled), what
 * went wrong and what to change, in words, ending with which model is kept; NULL when
 * nothing went wrong. Also the last report's note and part of the error that stops
 * training. */
const char      *currents_trainer_get_advice (const CurrentsTrainer      *trainer);
const char      *currents_train_fault_to_string (CurrentsTrainFault      fault);

/* Background training (GTask): progress is delivered on the calling thread's main
 * context through one coalesced idle (only the latest report is delivered when the
 * main loop is busy). */
typedef void (*CurrentsTrainProgressFunc) (const CurrentsTrainProgress *progress,
                                           gpointer                     user_data);

void             currents_trainer_train_async  (CurrentsTrainer          *trainer,
                                                GCancellable             *cancellable,
                                                CurrentsTrainProgressFunc progress,
                                                gpointer                  progress_data,
                                                GDestroyNotify            progress_notify,
                                                GAsyncReadyCallback       callback,
                                                gpointer                  user_data);
gboolean         currents_trainer_train_finish (CurrentsTrainer          *trainer,
                                                GAsyncResult             *result,
                                                GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsTrainer, currents_trainer_free)

G_END_DECLS
