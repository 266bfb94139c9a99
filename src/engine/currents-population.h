/* currents-population.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A trained population model: a continuous normalizing flow (currents-cnf.h) along a
 * neural field, with everything needed to use it again.
 *
 *   dx/dt = f_θ(t, x)   (currents-neural.h: scaling + MLP, no inputs)
 *   p_{t0} = Σ_c w_c N(μ_c, Σ_c)          (the base mixture, fitted to the first snapshot)
 *   log p_t(x(t)) = log p_{t0}(x(t0)) − ∫_{t0}^{t} tr ∂f/∂x dt   along each path
 *
 * plus the snapshot times and state names, the solver's tolerances and provenance
 * (program version, settings, seed, data file and its SHA-256).
 *
 * Saved as JSON, format "currents-population-model", version 1; every double written
 * with up to 17 significant digits so that loading restores bit-identical densities, a
 * non-finite one as null; written atomically. A damaged or foreign file is refused with
 * a message that says what is wrong.
 *
 * Batched densities: currents_population_log_density() carries a whole set of points
 * backwards *together*, as one ODE system of N·(n + 1) components (x and the divergence
 * integral of every point), with one adaptive Dormand–Prince step sequence whose error
 * norm is the largest of the points' own RMS norms (so every point is solved at least as
 * accurately as alone). A grid of 64 × 64 points is one solve, not 4096.
 *
 * A population model is immutable once built except for its parameters
 * (currents_population_set_params, training); the evaluation functions take their own
 * workspace (a CurrentsCnf or a private solver) per call, so one model may be read from
 * several threads while nobody changes its parameters.
 */
#pragma once

#include <gio/gio.h>
#include <gsl/gsl_rng.h>
#include <json-glib/json-glib.h>

#include "currents-cnf.h"
#include "currents-neural.h"

G_BEGIN_DECLS

#define CURRENTS_POPULATION_FORMAT  "currents-population-model"
#define CURRENTS_POPULATION_VERSION 1

typedef struct _CurrentsPopulation CurrentsPopulation;

/**
 * currents_population_new:
 * @model: (transfer full): the neural field (no inputs)
 * @params: (nullable): θ (currents_neural_model_get_n_params() values); %NULL: the
 *   model's seeded initial weights
 * @t0: the base density's time
 * @n_components: K ≥ 1
 * @weights: (nullable): K mixture weights (normalised here); %NULL when K = 1
 * @means: K × n
 * @covs: K × n × n, each symmetric positive definite
 * @times: (nullable): the snapshot times (increasing, the first = @t0)
 * @n_times: how many
 * @error: return location
 *
 * Returns: (transfer full) (nullable): the model, or %NULL when the pieces do not fit
 */
CurrentsPopulation *currents_population_new        (CurrentsNeuralModel       *model,
                                                    const double              *params,
                                                    double                     t0,
                                                    gsize                      n_components,
                                                    const double              *weights,
                                                    const double              *means,
                                                    const double              *covs,
                                                    const double              *times,
                                                    gsize                      n_times,
                                                    GError                   **error);
/**
 * currents_population_new_for_snapshots:
 * @snapshots: the data (at least two times)
 * @spec: the network (its seed initialises the weights; inputs are not allowed)
 * @n_components: mixture components of the base density (≥ 1)
 * @seed: seeds the mixture fit (k-means++ start)
 * @error: return location
 *
 * An untrained model for @snapshots: the scaling from all cells (mean and standard
 * deviation of each state; time scale the span t_K − t_0), the base density fitted to
 * the first snapshot by EM, the snapshot times and state names.
 */
CurrentsPopulation *currents_population_new_for_snapshots (const CurrentsSnapshots *snapshots,
                                                    const CurrentsNeuralSpec  *spec,
                                                    gsize                      n_components,
                                                    guint64                    seed,
                                                    GError                   **error);
void                currents_population_free       (CurrentsPopulation        *pop);
/* A deep copy (through the file format, so bit-identical). */
CurrentsPopulation *currents_population_copy       (const CurrentsPopulation  *pop);

gsize               currents_population_get_n_states    (const CurrentsPopulation *pop);
const char *const  *currents_population_get_state_names (const CurrentsPopulation *pop);
const CurrentsNeuralModel *currents_population_get_neural (const CurrentsPopulation *pop);
CurrentsField      *currents_population_get_field       (const CurrentsPopulation *pop);
gsize               currents_population_get_n_params    (const CurrentsPopulation *pop);
const double       *currents_population_get_params      (const CurrentsPopulation *pop);
void                currents_population_set_params      (CurrentsPopulation       *pop,
                                                         const double             *params);
double              currents_population_get_t0          (const CurrentsPopulation *pop);
/* The base mixture: K, weights (K), means (K × n), covariances (K × n × n). */
gsize               currents_population_get_n_components (const CurrentsPopulation *pop);
const double       *currents_population_get_base_weights (const CurrentsPopulation *pop);
const double       *currents_population_get_base_means   (const CurrentsPopulation *pop);
const double       *currents_population_get_base_covs    (const CurrentsPopulation *pop);
/* The snapshot times the model was trained on (increasing). */
const double       *currents_population_get_times       (const CurrentsPopulation *pop,
                                                         gsize                    *n_times);
/* Solver tolerances of every solve (defaults rtol 1e-6, atol 1e-8). */
void                currents_population_set_tolerances  (CurrentsPopulation       *pop,
                                                         double                    rtol,
                                                         double                    atol);
void                currents_population_get_tolerances  (const CurrentsPopulation *pop,
                                                         double                   *rtol,
                                                         double                   *atol);

/* Provenance. @filename, @sha256 nullable. */
void                currents_population_set_data        (CurrentsPopulation       *pop,
                                                         const char               *filename,
                                                         const char               *sha256);
const char         *currents_population_get_data_filename (const CurrentsPopulation *pop);
const char         *currents_population_get_data_sha256   (const CurrentsPopulation *pop);
/* Free-form settings (command line, seed, epochs, final loss …); copied. */
void                currents_population_set_training    (CurrentsPopulation       *pop,
                                                         JsonObject               *settings);
JsonObject         *currents_population_get_training    (const CurrentsPopulation *pop);

/* ---- Files -------------------------------------------------------------------------- */

char               *currents_population_to_data         (const CurrentsPopulation *pop);
/* Atomic (temporary file + rename). %CURRENTS_ENGINE_ERROR_IO on failure. */
gboolean            currents_population_save            (const CurrentsPopulation *pop,
                                                         const char               *path,
                                                         GError                  **error);
/* %CURRENTS_ENGINE_ERROR_DATA_FORMAT naming the file and what is wrong (not JSON,
 * truncated, another format, a newer version, missing or ill-typed members, lengths that
 * do not fit the architecture, a covariance that is not positive definite). */
CurrentsPopulation *currents_population_load_from_data  (const char               *data,
                                                         gssize                    length,
                                                         const char               *filename,
                                                         GError                  **error);
CurrentsPopulation *currents_population_load            (const char               *path,
                                                         GError                  **error);
/* TRUE when @path looks like a population model (JSON mentioning our format name in
 * its first kilobytes). */
gboolean            currents_population_sniff           (const char               *path);

/* ---- Using the model ---------------------------------------------------------------- */

/**
 * currents_population_new_cnf:
 *
 * Returns: (transfer full): a flow along the model's field with its base density, its
 *   tolerances and the exact divergence gradient (so it can be trained: pass
 *   currents_population_get_params() copies to currents_cnf_train and store the result
 *   with currents_population_set_params). One per thread.
 */
CurrentsCnf        *currents_population_new_cnf         (const CurrentsPopulation *pop,
                                                         GError                  **error);

/**
 * currents_population_train:
 * @pop: the model; its parameters are replaced by the best ones seen
 * @snapshots: the data (same states, in the same order)
 * @options: (nullable): Adam's settings
 * @loss: (out) (nullable): the loss at the stored parameters
 * @progress: (nullable), @progress_data: as currents_cnf_train()
 * @cancellable: (nullable): cancelling stops early; the best parameters so far are kept
 *   and the call still succeeds (after at least one iteration)
 *
 * currents_cnf_train() on a flow from currents_population_new_cnf().
 */
gboolean            currents_population_train           (CurrentsPopulation            *pop,
                                                         const CurrentsSnapshots       *snapshots,
                                                         const CurrentsCnfTrainOptions *options,
                                                         double                        *loss,
                                                         CurrentsCnfProgressFunc        progress,
                                                         gpointer                       progress_data,
                                                         GCancellable                  *cancellable,
                                                         GError                       **error);

/**
 * currents_population_log_density:
 * @pop: the model
 * @t: the time, ≥ t0
 * @x: @n_points points (n_points × n, row-major)
 * @n_points: how many
 * @logp: (out): log p_t at each point
 * @cancellable: (nullable): checked inside the solve
 * @error: return location
 *
 * All points in one batched backward solve (see the file's comment).
 */
gboolean            currents_population_log_density     (const CurrentsPopulation *pop,
                                                         double                    t,
                                                         const double             *x,
                                                         gsize                     n_points,
                                                         double                   *logp,
                                                         GCancellable             *cancellable,
                                                         GError                  **error);

/**
 * currents_population_density_grid:
 * @pop: the model
 * @t: the time, ≥ t0
 * @ix: the first state shown (column direction)
 * @iy: the second state shown (row direction), ≠ @ix
 * @lo_x, @hi_x, @lo_y, @hi_y: the box
 * @nx, @ny: grid points per side (≥ 2): x_i = lo_x + i (hi_x − lo_x)/(nx − 1), same for y
 * @at: (nullable): for n > 2, the values of the other states (n values; those at @ix and
 *   @iy are ignored); %NULL: the marginal (see below)
 * @n_samples: for the marginal of n > 2: how many samples make the histogram
 * @seed: seeds those samples
 * @logp: (out): ny × nx values, row j (y_j) then column i (x_i)
 * @cancellable: (nullable)
 * @error: return location
 *
 * For n = 2, or n > 2 with @at given (a slice), the exact log p_t at the grid points, in
 * one batched solve. For n > 2 with @at %NULL, the 2-D *marginal* is not a solve of the
 * flow: it is estimated by drawing @n_samples cells from the model at @t and binning them
 * into cells centred on the grid points; log of the histogram density, −∞ where a bin
 * is empty. Its accuracy is that of a histogram (sampling noise ~ 1/√count per bin).
 */
gboolean            currents_population_density_grid    (const CurrentsPopulation *pop,
                                                         double                    t,
                                                         gsize                     ix,
                                                         gsize                     iy,
                                                         double                    lo_x,
                                                         double                    hi_x,
                                                         double                    lo_y,
                                                         double                    hi_y,
                                                         gsize                     nx,
                                                         gsize                     ny,
                                                         const double             *at,
                                                         gsize                     n_samples,
                                                         guint64                   seed,
                                                         double                   *logp,
                                                         GCancellable             *cancellable,
                                                         GError                  **error);

/* Cells drawn from p_t (n_samples × n) and, when @logp is not %NULL, log p_t at each. */
gboolean            currents_population_sample          (const CurrentsPopulation *pop,
                                                         double                    t,
                                                         gsize                     n_samples,
                                                         guint64                   seed,
                                                         double                   *x,
                                                         double                   *logp,
                                                         GCancellable             *cancellable,
                                                         GError                  **error);
/* Sample paths through increasing @times (the first ≥ t0): n_samples × n_times × n. */
gboolean            currents_population_sample_paths    (const CurrentsPopulation *pop,
                                                         const double             *times,
                                                         gsize                     n_times,
                                                         gsize                     n_samples,
                                                         guint64                   seed,
                                                         double                   *x,
                                                         GCancellable             *cancellable,
                                                         GError                  **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsPopulation, currents_population_free)

G_END_DECLS
