/* currents-ensemble.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ensembles: K models trained on bootstrap resamples of the trajectories, and every
 * analysis run across them, so that a prediction comes with a band, an equilibrium with
 * the number of members that agree on it, and a tipping point with an interval.
 *
 * Member k is trained on n trajectories drawn with replacement from the data's n
 * (GSL's mt19937 seeded with seed + k: currents_ensemble_bootstrap()), from a network
 * seeded with seed + k, with the training options' seed set to seed + k. Members train
 * in worker threads (at most the number of processors), each computing on its own
 * thread only (one loss thread, OpenBLAS single-threaded), so a member's parameters do
 * not depend on the thread count or on the order in which members ran.
 *
 *   trainer = currents_ensemble_trainer_new (dataset, &options, make_learner, data, &error);
 *   currents_ensemble_trainer_train_async (trainer, cancellable, progress, …);
 *   … in the callback: currents_ensemble_trainer_train_finish (…);
 *   ens = currents_ensemble_trainer_get_ensemble (trainer, program, command);
 *   currents_ensemble_save (ens, "ens.json", &error);
 *
 * Intervals (CONVENTIONS.md): over fewer than 20 values, the values' range ("range");
 * over 20 or more the empirical 5–95% quantiles ("5-95%"). The centre is the median.
 *
 * The file: JSON, format "currents-ensemble", version 1: the program, the settings and
 * command, the data file and its SHA-256, the seed, and each member as an object with
 * its index, seed, status, bootstrap indices and its trained model as the nested
 * trained-model JSON object (so each member loads back bit for bit). Written atomically;
 * a damaged or foreign file is refused with a message saying what is wrong.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "currents-continuation.h"
#include "currents-data.h"
#include "currents-equilibria.h"
#include "currents-learner.h"
#include "currents-simulate.h"
#include "currents-system.h"
#include "currents-trained.h"

G_BEGIN_DECLS

#define CURRENTS_ENSEMBLE_FORMAT  "currents-ensemble"
#define CURRENTS_ENSEMBLE_VERSION 1
#define CURRENTS_ENSEMBLE_DEFAULT_MEMBERS 8

typedef enum
{
  CURRENTS_ENSEMBLE_MEMBER_FINISHED,   /* trained to its last epoch */
  CURRENTS_ENSEMBLE_MEMBER_STOPPED,    /* stopped early: its best parameters so far */
} CurrentsEnsembleMemberStatus;

/* "finished", "stopped" */
const char *currents_ensemble_member_status_to_string (CurrentsEnsembleMemberStatus status);

typedef enum
{
  CURRENTS_INTERVAL_RANGE,      /* fewer than 20 values: their range */
  CURRENTS_INTERVAL_QUANTILES,  /* 20 or more: the empirical 5% and 95% quantiles */
} CurrentsIntervalKind;

/* "range", "5-95%" */
const char *currents_interval_kind_to_string (CurrentsIntervalKind kind);

/**
 * currents_interval:
 * @values: (inout): @n finite values; sorted on return
 * @n: how many (at least 1)
 * @median: (out): their median
 * @lo: (out): the interval's lower end
 * @hi: (out): its upper end
 *
 * Returns: which interval it is (by @n, see the top of this file)
 */
CurrentsIntervalKind currents_interval (double *values,
                                        gsize   n,
                                        double *median,
                                        double *lo,
                                        double *hi);

/* The bootstrap resample of member @k: @n indices into @n_trajectories drawn with
 * replacement by gsl_rng_mt19937 seeded with @seed + @k (gsl_rng_uniform_int). */
void currents_ensemble_bootstrap (guint64 seed,
                                  guint   k,
                                  gsize   n_trajectories,
                                  gsize  *indices);

/* A data set of the trajectories @indices of @dataset, in that order (a trajectory drawn
 * twice appears twice, its id suffixed "#2"). */
CurrentsDataset *currents_ensemble_resample (const CurrentsDataset *dataset,
                                             const gsize           *indices,
                                             gsize                  n,
                                             GError               **error);

/* ------------------------------------------------------------------------------------ */
/* The ensemble and its file                                                             */

typedef struct _CurrentsEnsemble CurrentsEnsemble;

/* An empty ensemble of @n_planned members trained from @seed. */
CurrentsEnsemble *currents_ensemble_new            (guint64                 seed,
                                                    guint                   n_planned);
void              currents_ensemble_free           (CurrentsEnsemble       *ens);
/* Takes ownership of @tm; copies @bootstrap. */
void              currents_ensemble_add_member     (CurrentsEnsemble       *ens,
                                                    CurrentsTrainedModel   *tm,
                                                    guint                   index,
                                                    guint64                 seed,
                                                    const gsize            *bootstrap,
                                                    gsize                   n_bootstrap,
                                                    CurrentsEnsembleMemberStatus status);

gsize             currents_ensemble_get_n_members  (const CurrentsEnsemble *ens);
guint             currents_ensemble_get_n_planned  (const CurrentsEnsemble *ens);
guint64           currents_ensemble_get_seed       (const CurrentsEnsemble *ens);
/* Member @k (0 ≤ k < n_members; members are kept in the order of their index). */
const CurrentsTrainedModel *currents_ensemble_get_member (const CurrentsEnsemble *ens,
                                                          gsize                   k);
/* Its position among the planned members (its seed is seed + index). */
guint             currents_ensemble_get_member_index (const CurrentsEnsemble *ens,
                                                      gsize                   k);
guint64           currents_ensemble_get_member_seed  (const CurrentsEnsemble *ens,
                                                      gsize                   k);
CurrentsEnsembleMemberStatus
                  currents_ensemble_get_member_status (const CurrentsEnsemble *ens,
                                                       gsize                   k);
const gsize      *currents_ensemble_get_bootstrap  (const CurrentsEnsemble *ens,
                                                    gsize                   k,
                                                    gsize                  *n);
/* (transfer full): a copy of member @k (through its JSON: bit-identical parameters) */
CurrentsTrainedModel *currents_ensemble_dup_member (const CurrentsEnsemble *ens,
                                                    gsize                   k);
/* (transfer full): member @k as a system, as currents_system_load() would give it. */
CurrentsSystem   *currents_ensemble_new_system     (const CurrentsEnsemble *ens,
                                                    gsize                   k);
/* (transfer full) (element-type CurrentsSystem): every member's system, in order. */
GPtrArray        *currents_ensemble_new_systems    (const CurrentsEnsemble *ens);

/**
 * currents_ensemble_disagreement:
 * @systems: (element-type CurrentsSystem): the members (currents_ensemble_new_systems());
 *   each evaluated with its own parameters and the first member's inputs
 * @ax, @ay: the plane's axes
 * @x_base: the other states' values (n)
 * @window: xlo, xhi, ylo, yhi
 * @out: (out caller-allocates): nx × ny values, row-major from the bottom row
 *
 * Where the members disagree about the vector field: at each cell centre the RMS over the
 * members of ‖f_k − f̄‖, over the RMS of ‖f_k‖ across all members and cells — 0 where
 * they all agree, about 1 where they disagree by as much as the field's typical size.
 */
gboolean          currents_ensemble_disagreement   (GPtrArray              *systems,
                                                    gsize                   ax,
                                                    gsize                   ay,
                                                    const double           *x_base,
                                                    const double            window[4],
                                                    gsize                   nx,
                                                    gsize                   ny,
                                                    double                 *out,
                                                    GError                **error);

/* Where it came from: the data file, its SHA-256 and trajectory count. */
void              currents_ensemble_set_data       (CurrentsEnsemble       *ens,
                                                    const char             *filename,
                                                    const char             *sha256,
                                                    gsize                   n_trajectories);
const char       *currents_ensemble_get_data_filename (const CurrentsEnsemble *ens);
const char       *currents_ensemble_get_data_sha256   (const CurrentsEnsemble *ens);
gsize             currents_ensemble_get_n_trajectories (const CurrentsEnsemble *ens);
/* Free-form settings and provenance (copied): program, command, options. */
void              currents_ensemble_set_settings   (CurrentsEnsemble       *ens,
                                                    JsonObject             *settings);
JsonObject       *currents_ensemble_get_settings   (const CurrentsEnsemble *ens);

char             *currents_ensemble_to_data        (const CurrentsEnsemble *ens);
gboolean          currents_ensemble_save           (const CurrentsEnsemble *ens,
                                                    const char             *path,
                                                    GError                **error);
CurrentsEnsemble *currents_ensemble_load           (const char             *path,
                                                    GError                **error);
CurrentsEnsemble *currents_ensemble_load_from_data (const char             *data,
                                                    gssize                  length,
                                                    const char             *filename,
                                                    GError                **error);
/* TRUE when the file at @path starts like an ensemble file (cheap). */
gboolean          currents_ensemble_sniff          (const char             *path);

/* ------------------------------------------------------------------------------------ */
/* Training                                                                              */

/**
 * CurrentsEnsembleLearnerFunc:
 * @member: the member's index
 * @seed: its seed (the ensemble's seed + @member): seed the network's weights with it
 * @user_data: data
 * @error: why the learner cannot be made
 *
 * Makes member @member's learner (on the thread that calls
 * currents_ensemble_trainer_new()). Returns: (transfer full)
 */
typedef CurrentsLearner *(*CurrentsEnsembleLearnerFunc) (guint     member,
                                                         guint64   seed,
                                                         gpointer  user_data,
                                                         GError  **error);

/**
 * CurrentsEnsembleOptions:
 * @n_members: K (0: 8)
 * @n_threads: members trained at once (0: the number of processors; never more)
 * @seed: member k uses seed + k
 * @train: each member's training options (its seed and loss thread count are set per
 *   member)
 */
typedef struct
{
  guint                n_members;
  guint                n_threads;
  guint64              seed;
  CurrentsTrainOptions train;
} CurrentsEnsembleOptions;

void currents_ensemble_options_init (CurrentsEnsembleOptions *options);

/**
 * CurrentsEnsembleProgress:
 * @n_members: K
 * @n_done: members finished so far
 * @member: the member this report is about
 * @epoch: its last finished epoch
 * @epochs: its planned epochs
 * @train_loss: its training MSE (data units) of that epoch
 * @val_loss: its validation MSE (NaN without a validation set)
 * @best_loss: its best criterion so far
 * @member_finished: this report says the member has finished
 */
typedef struct
{
  guint    n_members;
  guint    n_done;
  guint    member;
  guint    epoch;
  guint    epochs;
  double   train_loss;
  double   val_loss;
  double   best_loss;
  gboolean member_finished;
} CurrentsEnsembleProgress;

typedef void (*CurrentsEnsembleProgressFunc) (const CurrentsEnsembleProgress *progress,
                                              gpointer                        user_data);

typedef struct _CurrentsEnsembleTrainer CurrentsEnsembleTrainer;

/* Makes every member's learner, resample and trainer; @dataset must outlive the
 * trainer. */
CurrentsEnsembleTrainer *currents_ensemble_trainer_new  (const CurrentsDataset         *dataset,
                                                         const CurrentsEnsembleOptions *options,
                                                         CurrentsEnsembleLearnerFunc    make_learner,
                                                         gpointer                       user_data,
                                                         GError                       **error);
void             currents_ensemble_trainer_free         (CurrentsEnsembleTrainer       *et);
/* Trains every member (blocking). @progress is called from the worker threads, one call
 * at a time. Cancelling stops every member within a solve: FALSE with a cancellation
 * error, and what was trained stays (currents_ensemble_trainer_get_ensemble()). */
gboolean         currents_ensemble_trainer_run          (CurrentsEnsembleTrainer       *et,
                                                         GCancellable                  *cancellable,
                                                         CurrentsEnsembleProgressFunc   progress,
                                                         gpointer                       progress_data,
                                                         GError                       **error);
/* The same in a GTask thread; @progress runs on the caller's main context with the
 * latest report, through one coalesced idle (n_done is always current; a report about
 * one member may be overtaken by one about another). */
void             currents_ensemble_trainer_train_async  (CurrentsEnsembleTrainer       *et,
                                                         GCancellable                  *cancellable,
                                                         CurrentsEnsembleProgressFunc   progress,
                                                         gpointer                       progress_data,
                                                         GDestroyNotify                 progress_notify,
                                                         GAsyncReadyCallback            callback,
                                                         gpointer                       user_data);
gboolean         currents_ensemble_trainer_train_finish (CurrentsEnsembleTrainer       *et,
                                                         GAsyncResult                  *result,
                                                         GError                       **error);
guint            currents_ensemble_trainer_get_n_members (const CurrentsEnsembleTrainer *et);
/* The trainer of member @k (e.g. for its history); do not use while training runs. */
CurrentsTrainer *currents_ensemble_trainer_get_member   (const CurrentsEnsembleTrainer *et,
                                                         guint                          k);
/**
 * currents_ensemble_trainer_get_ensemble:
 * @program: (nullable): who made it ("currents-cli 0.1.0")
 * @command: (nullable): the command line or settings
 *
 * The members that finished, and those stopped after at least one epoch (their best
 * parameters so far, status "stopped"); members that never completed an epoch are left
 * out. Call when training is not running. Returns: (transfer full) (nullable): %NULL
 * when no member has parameters yet.
 */
CurrentsEnsemble *currents_ensemble_trainer_get_ensemble (CurrentsEnsembleTrainer      *et,
                                                          const char                   *program,
                                                          const char                   *command);

/* ------------------------------------------------------------------------------------ */
/* Analyses across members                                                               */

/**
 * currents_ensemble_predict:
 * @systems: (array length=n_members): the members' systems (same states and inputs)
 * @x0: the initial state
 * @inputs: (nullable): input signals (%NULL: each system's constant inputs)
 * @t0: the initial time
 * @times: output times, all on one side of @t0 and ordered away from it
 * @median: (out caller-allocates): n_times × n, the members' median
 * @lo: (out caller-allocates): n_times × n, the interval's lower end
 * @hi: (out caller-allocates): n_times × n, its upper end
 * @kind: (out): which interval
 * @n_ok: (out): members whose prediction reached every time (the others, whose solver
 *   failed, are left out)
 *
 * Runs every member's simulation from the same state with the same inputs.
 *
 * Returns: %FALSE with @error when no member succeeded or on cancellation
 */
gboolean currents_ensemble_predict (GPtrArray                 *systems,
                                    const double              *x0,
                                    const CurrentsInputSignal *inputs,
                                    double                     t0,
                                    const double              *times,
                                    gsize                      n_times,
                                    double                    *median,
                                    double                    *lo,
                                    double                    *hi,
                                    CurrentsIntervalKind      *kind,
                                    gsize                     *n_ok,
                                    GCancellable              *cancellable,
                                    GError                   **error);

/**
 * CurrentsEnsembleEquilibrium:
 * @n: states
 * @agree: members that have it
 * @n_members: members asked
 * @members: (array length=agree): which members, in order
 * @median: n, the median location
 * @lo: n, the interval of each coordinate
 * @hi: n
 * @kind: which interval
 * @type: the type most members give it (ties: the first member's)
 * @type_agree: members giving it that type
 * @n_stable: members in which it is stable
 */
typedef struct
{
  gsize                   n;
  gsize                   agree;
  gsize                   n_members;
  guint                  *members;
  double                 *median;
  double                 *lo;
  double                 *hi;
  CurrentsIntervalKind    kind;
  CurrentsEquilibriumType type;
  gsize                   type_agree;
  gsize                   n_stable;
} CurrentsEnsembleEquilibrium;

void currents_ensemble_equilibrium_free (CurrentsEnsembleEquilibrium *eq);

/**
 * currents_ensemble_equilibria:
 * @systems: the members' systems (their parameters and inputs as they stand)
 * @options: the search box and settings (the same for every member)
 * @tol: equilibria of two members are the same when every coordinate differs by less
 *   than @tol times the box's width in it (0: 0.15)
 *
 * Finds the equilibria of each member and clusters them across members (each cluster
 * takes at most one equilibrium per member, the nearest).
 *
 * Returns: (transfer full) (element-type CurrentsEnsembleEquilibrium): sorted by the
 *   first coordinate of the median
 */
GPtrArray *currents_ensemble_equilibria (GPtrArray                       *systems,
                                         const CurrentsEquilibriaOptions *options,
                                         double                           tol,
                                         GCancellable                    *cancellable,
                                         GError                         **error);

/**
 * CurrentsTippingPoint:
 * @kind: fold or Hopf
 * @found_in: members that have it
 * @n_members: members asked
 * @members: (array length=found_in): which
 * @params: (array length=found_in): the parameter value in each of those, sorted
 * @param: their median
 * @lo: the interval
 * @hi: see @lo
 * @interval_kind: which interval
 * @n: states
 * @state: n, the median state
 * @frequency: Hopf: the median ω; NaN for folds
 */
typedef struct
{
  CurrentsBifurcationKind kind;
  gsize                   found_in;
  gsize                   n_members;
  guint                  *members;
  double                 *params;
  double                  param;
  double                  lo;
  double                  hi;
  CurrentsIntervalKind    interval_kind;
  gsize                   n;
  double                 *state;
  double                  frequency;
} CurrentsTippingPoint;

void currents_tipping_point_free (CurrentsTippingPoint *tp);

/**
 * currents_ensemble_continue:
 * @systems: the members' systems
 * @param: the parameter or input to vary
 * @options: the continuation's settings (the same for every member)
 * @tol: two members' points are the same when their parameters differ by less than @tol
 *   of the range (in log10 with a log scale) and every state by less than 2 @tol of the
 *   box's width (0: 0.15)
 * @n_failed: (out) (optional): members whose continuation failed (left out)
 * @failure: (out) (optional) (transfer full): the first such member's error message
 *
 * Continues each member's equilibria in @param and clusters their folds and Hopf
 * points across members into tipping points.
 *
 * Returns: (transfer full) (element-type CurrentsTippingPoint): folds first, then Hopf
 *   points, each by increasing median parameter
 */
GPtrArray *currents_ensemble_continue (GPtrArray                         *systems,
                                       const char                        *param,
                                       const CurrentsContinuationOptions *options,
                                       double                             tol,
                                       gsize                             *n_failed,
                                       char                             **failure,
                                       GCancellable                      *cancellable,
                                       GError                           **error);

/* "tipping at iptg = 0.64, range 0.61–0.67 over 8 members, found in 8 of 8" */
char *currents_tipping_point_describe (const CurrentsTippingPoint *tp,
                                       const char                 *param);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsEnsemble, currents_ensemble_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsEnsembleTrainer, currents_ensemble_trainer_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsEnsembleEquilibrium, currents_ensemble_equilibrium_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsTippingPoint, currents_tipping_point_free)

G_END_DECLS
