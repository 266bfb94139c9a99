/* currents-sparse.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Equations read back from a learned vector field: sparse regression of f(x, u) onto a
 * library of candidate terms by sequentially thresholded least squares (Brunton, Proctor
 * & Kutz 2016, "SINDy"), and the result written as a `.ode` model a user can read, edit,
 * simulate and refit.
 *
 * The library holds expressions of the states and inputs in the `.ode` language:
 * polynomials up to a degree ("1", "x", "x*y", "x^2"), Hill functions with chosen
 * exponents and thresholds ("1/(1 + (v/1)^2)", "u^2/(1^2 + u^2)") and the user's own
 * ("1/(1 + (u/(1 + iptg^2))^2)"). They are compiled once, as the `aux` quantities of a
 * small model, so every term is evaluated exactly as the model file will evaluate it.
 *
 * Each equation i solves min ‖Θ ξ − f_i‖ over the active terms (LAPACK's SVD-based
 * dgelsd on columns scaled to unit RMS), then drops every term whose contribution
 * |ξ_j|·rms(Θ_j) is below threshold · rms(f_i), and repeats until the active set stays
 * the same. Goodness of fit per equation: R² = 1 − SS_res/SS_tot and the RMS residual
 * relative to rms(f_i).
 *
 *   lib = currents_library_new (states, inputs);
 *   currents_library_add_polynomials (lib, 2, FALSE);
 *   fit = currents_sparse_fit_new (lib, samples, &options, &error);
 *   text = currents_sparse_fit_to_ode (fit, &header);
 */
#pragma once

#include <glib.h>

#include "currents-data.h"
#include "currents-field.h"

G_BEGIN_DECLS

typedef struct _CurrentsLibrary CurrentsLibrary;

CurrentsLibrary *currents_library_new              (const char *const     *state_names,
                                                    const char *const     *input_names);
void             currents_library_free             (CurrentsLibrary       *lib);
/* All monomials of the states (and the inputs when @with_inputs) of total degree
 * 0 … @degree, the constant "1" first; terms already present are skipped. */
void             currents_library_add_polynomials  (CurrentsLibrary       *lib,
                                                    guint                  degree,
                                                    gboolean               with_inputs);
/* For each state (or only @state when non-NULL): the repression K^n/(K^n + x^n),
 * written "1/(1 + (x/K)^n)", and the activation x^n/(K^n + x^n), as asked; K > 0 and
 * n > 0. */
gboolean         currents_library_add_hill         (CurrentsLibrary       *lib,
                                                    const char            *state,
                                                    double                 K,
                                                    double                 n,
                                                    gboolean               repression,
                                                    gboolean               activation,
                                                    GError               **error);
/* The user's own term, an expression of the states and inputs; checked at once (an
 * unknown name is reported with its column). */
gboolean         currents_library_add_expression   (CurrentsLibrary       *lib,
                                                    const char            *expression,
                                                    GError               **error);
gsize            currents_library_get_n_terms      (const CurrentsLibrary *lib);
const char      *currents_library_get_term         (const CurrentsLibrary *lib,
                                                    gsize                  j);
gsize            currents_library_get_n_states     (const CurrentsLibrary *lib);
gsize            currents_library_get_n_inputs     (const CurrentsLibrary *lib);
const char *const *currents_library_get_state_names (const CurrentsLibrary *lib);
const char *const *currents_library_get_input_names (const CurrentsLibrary *lib);
/* Θ at @n_points points (x: n_points × n_states, u: n_points × n_inputs or NULL when
 * there are none) into theta (n_points × n_terms, row-major). */
gboolean         currents_library_eval             (CurrentsLibrary       *lib,
                                                    gsize                  n_points,
                                                    const double          *x,
                                                    const double          *u,
                                                    double                *theta,
                                                    GError               **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsLibrary, currents_library_free)

/* Where the field is sampled and what it gave there. */
typedef struct
{
  gsize   n_points;
  gsize   n_states;
  gsize   n_inputs;
  double *x;      /* n_points × n_states */
  double *u;      /* n_points × n_inputs (NULL when none) */
  double *f;      /* n_points × n_states */
  /* The integral form (currents_field_samples_new_integral): each row is a window of a
   * trajectory of the field, f its displacement x(b) − x(a) and theta (n_points ×
   * n_terms) the library integrated over it; NULL for point samples. */
  double *theta;
  gsize   n_terms;
} CurrentsFieldSamples;

/**
 * currents_field_samples_new_from_data:
 * @field: the (learned) vector field, evaluated at t = 0 (autonomous models)
 * @p: its parameters
 * @dataset: every fully observed sample of every trajectory is a point, with the
 *   trajectory's inputs at that time; its states must be the field's, in order
 * @n_extra: further points drawn uniformly from the data's bounding box (inputs from the
 *   data's levels), seeded by @seed, to fill the region between trajectories
 */
CurrentsFieldSamples *currents_field_samples_new_from_data (CurrentsField          *field,
                                                            const double           *p,
                                                            const CurrentsDataset  *dataset,
                                                            gsize                   n_extra,
                                                            guint64                 seed,
                                                            GError                **error);
/**
 * currents_field_samples_new_integral:
 * @lib: the library (its terms are integrated along the trajectories)
 * @window: time steps per window (even; 10)
 *
 * The weak (integral) form: the field's own trajectory from each data trajectory's first
 * observation, with its inputs, over its time span, on a grid of 20 steps per data
 * sample; each run of @window steps gives one row, ∫Θ dt ≈ x(b) − x(a) by Simpson's rule.
 * A learned field is fitted to the data's trajectories, not to its derivatives at single
 * points, so its flow is better determined than its value anywhere; regressing the flow
 * recovers coefficients more faithfully than point samples where the data are sparse.
 */
CurrentsFieldSamples *currents_field_samples_new_integral  (CurrentsLibrary        *lib,
                                                            CurrentsField          *field,
                                                            const double           *p,
                                                            const CurrentsDataset  *dataset,
                                                            guint                   window,
                                                            GError                **error);
void                  currents_field_samples_free          (CurrentsFieldSamples   *samples);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsFieldSamples, currents_field_samples_free)

typedef struct
{
  double threshold;       /* relative contribution below which a term is dropped (0.05) */
  guint  max_iterations;  /* thresholding rounds (20) */
} CurrentsSparseOptions;

void currents_sparse_options_init (CurrentsSparseOptions *options);

typedef struct _CurrentsSparseFit CurrentsSparseFit;

CurrentsSparseFit *currents_sparse_fit_new          (CurrentsLibrary             *lib,
                                                     const CurrentsFieldSamples  *samples,
                                                     const CurrentsSparseOptions *options,
                                                     GError                     **error);
void               currents_sparse_fit_free         (CurrentsSparseFit           *fit);
/* n_states × n_terms, row-major: ξ_ij, exactly 0 for dropped terms */
const double      *currents_sparse_fit_get_coefficients (const CurrentsSparseFit *fit);
double             currents_sparse_fit_get_coefficient  (const CurrentsSparseFit *fit,
                                                         gsize                    equation,
                                                         const char              *term);
double             currents_sparse_fit_get_r2       (const CurrentsSparseFit     *fit,
                                                     gsize                        equation);
double             currents_sparse_fit_get_rel_rms  (const CurrentsSparseFit     *fit,
                                                     gsize                        equation);
guint              currents_sparse_fit_get_n_iterations (const CurrentsSparseFit *fit);
/* "1.1*x - 0.4*x*y" with %.6g coefficients */
char              *currents_sparse_fit_describe     (const CurrentsSparseFit     *fit,
                                                     gsize                        equation);
/**
 * currents_sparse_fit_to_ode:
 * @comment: (nullable): lines for the file's head (provenance), without '#'
 * @initial: (nullable): `init` values per state
 * @input_defaults: (nullable): `input` defaults
 *
 * The model: every kept coefficient a `par` (c_STATE_k) so the trainer can refit them
 * (`currents-cli train --model FILE --fit-params`), each equation preceded by a comment
 * with the numbers inline and its R².
 */
char              *currents_sparse_fit_to_ode       (const CurrentsSparseFit     *fit,
                                                     const char                  *comment,
                                                     const double                *initial,
                                                     const double                *input_defaults,
                                                     double                       total);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsSparseFit, currents_sparse_fit_free)

G_END_DECLS
