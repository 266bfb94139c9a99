/* currents-cnf.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Populations of cells: continuous normalizing flows on snapshot data.
 *
 * Snapshot data: at times t_0 < t_1 < … < t_K, clouds of single-cell measurements with
 * no identities. A field dx/dt = f(t, x, p) transports a density p_t; along a path,
 *
 *   dx/dt = f(t, x, p),   dℓ/dt = −tr ∂f/∂x (t, x, p),   log p_t(x(t)) = log p_0(x(t_0)) + ℓ(t)
 *
 * with the exact divergence (the trace of the field's Jacobian). p_0 is a Gaussian
 * N(μ₀, Σ₀) fitted to the first snapshot, or a mixture of Gaussians fitted to it by EM. The likelihood of a cell x seen at t_k comes from
 * integrating it *backwards* to t_0: in s = −t (so the solvers run forwards, from −t_k to
 * −t_0), y = (x, c),
 *
 *   dx/ds = −f(−s, x, p),   dc/ds = tr ∂f/∂x (−s, x, p),   c(−t_k) = 0,
 *
 *   log p_{t_k}(x) = log p_0(x(t_0)) − c(−t_0)      (c = ∫_{t_0}^{t_k} div f dt on the path).
 *
 * The loss is the negative mean log-likelihood over every cell of every later snapshot,
 *
 *   L(p) = −(1/N) Σ_{k ≥ 1} Σ_cells log p_{t_k}(x_cell),
 *
 * and its exact gradient comes from the discrete adjoint (currents-adjoint.h) of that
 * augmented system, whose vector-Jacobian product needs the gradient of the divergence
 * with respect to x and p, i.e. second derivatives of f:
 *
 *   wᵀ ∂F/∂y = (−w_xᵀ ∂f/∂x + w_c ∂(tr J)/∂x, 0),   wᵀ ∂F/∂p = −w_xᵀ ∂f/∂p + w_c ∂(tr J)/∂p.
 *
 They come from a CurrentsCnfDivergenceGradFunc given to
 * currents_cnf_set_divergence_grad(); the linear field of this module
 * (currents_cnf_linear_field_new) has its exact one, currents_cnf_linear_divergence_grad
 * (tr J = tr A), and currents_cnf_set_neural() sets the neural field's, exact too
 * (currents_mlp_trace_grad: forward mode along each e_i, reverse mode through both).
 * Without one, log-densities and sampling work for any field (they need only the Jacobian),
 * but the gradient is refused.
 *
 * A CurrentsCnf holds its solvers' workspaces and scratch: use one per thread (the field
 * itself may be shared). Each cell is one solve; the gradient is the discrete adjoint
 * (reverse mode through the accepted Dormand–Prince steps), so it is the exact derivative
 * of the computed loss whatever the tolerance.
 */
#pragma once

#include <gio/gio.h>
#include <gsl/gsl_rng.h>

#include "currents-adjoint.h"
#include "currents-field.h"
#include "currents-neural.h"

G_BEGIN_DECLS

/* ---- Snapshot data ------------------------------------------------------------------ */

typedef struct _CurrentsSnapshots CurrentsSnapshots;

CurrentsSnapshots *currents_snapshots_new          (const char *const       *state_names);
/* Adds (or extends) the snapshot at @t with @n_cells rows of n states (row-major). */
gboolean           currents_snapshots_add          (CurrentsSnapshots       *snapshots,
                                                    double                   t,
                                                    gsize                    n_cells,
                                                    const double            *cells,
                                                    GError                 **error);
/* A CSV with a `t` (or `time`) column and state columns, one row per cell, no trajectory
 * column; rows are grouped by their time. */
CurrentsSnapshots *currents_snapshots_load         (const char              *path,
                                                    GError                 **error);
CurrentsSnapshots *currents_snapshots_parse        (const char              *contents,
                                                    gssize                   length,
                                                    const char              *filename,
                                                    GError                 **error);
void               currents_snapshots_free         (CurrentsSnapshots       *snapshots);
gsize              currents_snapshots_get_n_states (const CurrentsSnapshots *snapshots);
const char        *currents_snapshots_get_state_name (const CurrentsSnapshots *snapshots,
                                                    gsize                    i);
/* Snapshots in increasing time. */
gsize              currents_snapshots_get_n_times  (const CurrentsSnapshots *snapshots);
double             currents_snapshots_get_time     (const CurrentsSnapshots *snapshots,
                                                    gsize                    k);
gsize              currents_snapshots_get_n_cells  (const CurrentsSnapshots *snapshots,
                                                    gsize                    k);
/* n_cells × n_states, row-major */
const double      *currents_snapshots_get_cells    (const CurrentsSnapshots *snapshots,
                                                    gsize                    k);
/* Sample mean (n) and covariance (n × n, divisor N − 1) of snapshot @k. */
gboolean           currents_snapshots_moments      (const CurrentsSnapshots *snapshots,
                                                    gsize                    k,
                                                    double                  *mean,
                                                    double                  *cov,
                                                    GError                 **error);

/* A Gaussian mixture fitted to snapshot @k by EM from a seeded k-means++ start: weights (K),
 * means (K × n), covariances (K × n × n); the cells' mean log-likelihood under it. */
gboolean           currents_snapshots_fit_mixture  (const CurrentsSnapshots *snapshots,
                                                    gsize                    k,
                                                    gsize                    n_components,
                                                    guint64                  seed,
                                                    double                  *weights,
                                                    double                  *means,
                                                    double                  *covs,
                                                    double                  *log_likelihood,
                                                    GError                 **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsSnapshots, currents_snapshots_free)

/* ---- A linear field with its exact divergence gradient --------------------------- */

/* f(x) = A x + b, parameters p = (A row-major (n × n), b (n)): n² + n values.
 * tr ∂f/∂x = tr A, ∂(tr J)/∂x = 0, ∂(tr J)/∂A_ij = δ_ij. Autonomous, no inputs. */
CurrentsField     *currents_cnf_linear_field_new   (gsize                    n_states);

/* ---- The flow ----------------------------------------------------------------------- */

void               currents_cnf_linear_divergence_grad (const CurrentsField *field,
                                                    double               t,
                                                    const double        *x,
                                                    const double        *p,
                                                    double              *gx,
                                                    double              *gp,
                                                    double              *scratch,
                                                    gpointer             user_data);

/**
 * CurrentsCnfDivergenceGradFunc:
 * @field: the field
 * @t: time
 * @x: state (n)
 * @p: parameters (k)
 * @gx: (out): ∂(tr ∂f/∂x)/∂x, n values, written
 * @gp: (out): ∂(tr ∂f/∂x)/∂p, k values, written
 * @scratch: the doubles asked for in currents_cnf_set_divergence_grad(), private to the
 *   calling thread
 * @user_data: closure
 *
 * The exact gradient of the field's divergence. Called from the solver's inner loop,
 * possibly from several threads at once: no allocation, no shared mutable state.
 */
typedef void (*CurrentsCnfDivergenceGradFunc) (const CurrentsField *field,
                                               double               t,
                                               const double        *x,
                                               const double        *p,
                                               double              *gx,
                                               double              *gp,
                                               double              *scratch,
                                               gpointer             user_data);

typedef struct _CurrentsCnf CurrentsCnf;

/**
 * currents_cnf_new:
 * @field: the transporting field (no inputs)
 * @t0: the time of the base density
 * @mean: μ₀ (n)
 * @cov: Σ₀ (n × n, symmetric positive definite)
 * @options: (nullable): the solver (tolerances; the gradient is always the discrete
 *   adjoint of the solution computed); %NULL: rtol 1e-8, atol 1e-10
 * @error: return location
 *
 * Returns: (transfer full): the flow, or %NULL when Σ₀ is not positive definite or the
 *   field has inputs
 */
CurrentsCnf       *currents_cnf_new                (CurrentsField                *field,
                                                    double                        t0,
                                                    const double                 *mean,
                                                    const double                 *cov,
                                                    const CurrentsAdjointOptions *options,
                                                    GError                      **error);
/* The base density fitted to the first snapshot (its mean and covariance). */
CurrentsCnf       *currents_cnf_new_from_snapshots (CurrentsField                *field,
                                                    const CurrentsSnapshots      *snapshots,
                                                    const CurrentsAdjointOptions *options,
                                                    GError                      **error);
/* p_0 = Σ_c w_c N(μ_c, Σ_c): weights (K, positive, normalised here; %NULL when K = 1),
 * means (K × n), covariances (K × n × n). */
CurrentsCnf       *currents_cnf_new_mixture        (CurrentsField                *field,
                                                    double                        t0,
                                                    gsize                         n_components,
                                                    const double                 *weights,
                                                    const double                 *means,
                                                    const double                 *covs,
                                                    const CurrentsAdjointOptions *options,
                                                    GError                      **error);
/* The base density a mixture of @n_components Gaussians fitted to the first snapshot
 * (currents_snapshots_fit_mixture). */
CurrentsCnf       *currents_cnf_new_from_snapshots_mixture (CurrentsField         *field,
                                                    const CurrentsSnapshots      *snapshots,
                                                    gsize                         n_components,
                                                    guint64                       seed,
                                                    const CurrentsAdjointOptions *options,
                                                    GError                      **error);
void               currents_cnf_free               (CurrentsCnf                  *cnf);
/* @user_data must outlive the flow; @n_scratch doubles of scratch per solver workspace. */
void               currents_cnf_set_divergence_grad (CurrentsCnf                 *cnf,
                                                    CurrentsCnfDivergenceGradFunc func,
                                                    gpointer                      user_data,
                                                    gsize                         n_scratch);
/* For a flow whose field is @model's (a neural field without inputs): sets the exact
 * divergence gradient from currents_mlp_trace_grad(). The model need not outlive the flow. */
gboolean           currents_cnf_set_neural         (CurrentsCnf                  *cnf,
                                                    const CurrentsNeuralModel    *model,
                                                    GError                      **error);
/* TRUE when the gradient of the loss is available (a divergence gradient was set). */
gboolean           currents_cnf_has_gradient       (const CurrentsCnf            *cnf);
CurrentsField     *currents_cnf_get_field          (const CurrentsCnf            *cnf);
double             currents_cnf_get_t0             (const CurrentsCnf            *cnf);
/* The base density's components: weights (K), means (K × n), covariances (K × n × n). */
gsize              currents_cnf_get_n_components   (const CurrentsCnf            *cnf);
const double      *currents_cnf_get_base_weights   (const CurrentsCnf            *cnf);
const double      *currents_cnf_get_base_mean      (const CurrentsCnf            *cnf);
const double      *currents_cnf_get_base_cov       (const CurrentsCnf            *cnf);
/* log p_0(x) and, when @grad is not %NULL, its gradient ∇ log p_0 (n values, written). */
double             currents_cnf_base_log_density   (const CurrentsCnf            *cnf,
                                                    const double                 *x,
                                                    double                       *grad);

/**
 * currents_cnf_log_density:
 * @cnf: the flow
 * @p: field parameters
 * @t: the time, ≥ t0
 * @x: @n_points points, row-major (n_points × n)
 * @n_points: how many
 * @logp: (out): log p_t at each point
 * @x0: (out) (nullable): each point carried back to t0 (n_points × n)
 * @cancellable: (nullable): checked between points and inside long solves
 * @error: return location
 */
gboolean           currents_cnf_log_density        (CurrentsCnf                  *cnf,
                                                    const double                 *p,
                                                    double                        t,
                                                    const double                 *x,
                                                    gsize                         n_points,
                                                    double                       *logp,
                                                    double                       *x0,
                                                    GCancellable                 *cancellable,
                                                    GError                      **error);

/**
 * currents_cnf_loss:
 * @cnf: the flow
 * @p: field parameters
 * @snapshots: the data (times ≥ t0; a snapshot at t0 itself is left out: it made p_0)
 * @loss: (out): −mean log-likelihood over the cells of the snapshots after t0
 * @grad_p: (out) (nullable): dL/dp (k values, written); %NULL: loss only
 * @cancellable: (nullable)
 * @error: return location; %CURRENTS_ENGINE_ERROR_UNSUPPORTED when a gradient is asked of
 *   a field without an exact divergence gradient
 */
gboolean           currents_cnf_loss               (CurrentsCnf                  *cnf,
                                                    const double                 *p,
                                                    const CurrentsSnapshots      *snapshots,
                                                    double                       *loss,
                                                    double                       *grad_p,
                                                    GCancellable                 *cancellable,
                                                    GError                      **error);

/**
 * currents_cnf_sample:
 * @cnf: the flow
 * @p: field parameters
 * @t: the time, ≥ t0
 * @n_samples: how many
 * @rng: draws from p_0
 * @x: (out): the samples at @t (n_samples × n)
 * @logp: (out) (nullable): log p_t at each sample
 * @cancellable: (nullable)
 * @error: return location
 *
 * Draws from p_0 and pushes each point forward along the flow to @t.
 */
gboolean           currents_cnf_sample             (CurrentsCnf                  *cnf,
                                                    const double                 *p,
                                                    double                        t,
                                                    gsize                         n_samples,
                                                    gsl_rng                      *rng,
                                                    double                       *x,
                                                    double                       *logp,
                                                    GCancellable                 *cancellable,
                                                    GError                      **error);

/**
 * currents_cnf_sample_paths:
 * @cnf: the flow
 * @p: field parameters
 * @times: increasing times, the first ≥ t0
 * @n_times: how many
 * @n_samples: how many paths
 * @rng: draws from p_0
 * @x: (out): the paths, n_samples × n_times × n (path-major)
 * @logp: (out) (nullable): log p_t along each path, n_samples × n_times
 * @cancellable: (nullable)
 * @error: return location
 *
 * Sample paths of the flow (for drawing): draws from p_0, each carried through @times.
 */
gboolean           currents_cnf_sample_paths       (CurrentsCnf                  *cnf,
                                                    const double                 *p,
                                                    const double                 *times,
                                                    gsize                         n_times,
                                                    gsize                         n_samples,
                                                    gsl_rng                      *rng,
                                                    double                       *x,
                                                    double                       *logp,
                                                    GCancellable                 *cancellable,
                                                    GError                      **error);

/**
 * CurrentsCnfTrainOptions:
 * @n_iterations: full-batch Adam steps
 * @learning_rate: Adam's step size
 * @beta1: Adam's first-moment decay (0.9)
 * @beta2: second-moment decay (0.999)
 * @epsilon: Adam's ε (1e-8)
 *
 * Initialise with currents_cnf_train_options_init() (200 iterations, rate 0.05).
 */
typedef struct
{
  gsize  n_iterations;
  double learning_rate;
  double beta1;
  double beta2;
  double epsilon;
} CurrentsCnfTrainOptions;

void               currents_cnf_train_options_init (CurrentsCnfTrainOptions      *options);

/**
 * CurrentsCnfProgressFunc:
 * Called after each iteration with its index (from 0) and loss; return %FALSE to stop.
 */
typedef gboolean (*CurrentsCnfProgressFunc) (gsize    iteration,
                                             double   loss,
                                             gpointer user_data);

/**
 * currents_cnf_train:
 * @cnf: the flow
 * @snapshots: the data
 * @options: (nullable): Adam's settings
 * @p: (inout): the parameters, updated in place; on return the best ones seen
 * @loss: (out) (nullable): the loss at the returned parameters
 * @progress: (nullable): called after each iteration
 * @progress_data: its closure
 * @cancellable: (nullable)
 * @error: return location
 *
 * Maximum likelihood of every later snapshot under the density transported from p_0.
 */
gboolean           currents_cnf_train              (CurrentsCnf                  *cnf,
                                                    const CurrentsSnapshots      *snapshots,
                                                    const CurrentsCnfTrainOptions *options,
                                                    double                       *p,
                                                    double                       *loss,
                                                    CurrentsCnfProgressFunc       progress,
                                                    gpointer                      progress_data,
                                                    GCancellable                 *cancellable,
                                                    GError                      **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsCnf, currents_cnf_free)

G_END_DECLS
