/* currents-learned-term.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Looking at what a hybrid model learned: a learned term g: ℝ^k → ℝ of a `.ode` model
 * (`learn mu(S)`) evaluated on a grid of its arguments (k = 1 or 2) at the model's current
 * parameters, the data's range of each argument, and a comparison with a reference law
 * written as an expression of the argument names with named constants
 * ("mumax*S/(Ks + S + S^2/Ki)" with mumax=0.6, Ks=0.5, Ki=9):
 *
 *   rms       = sqrt(mean_inside (g − r)²)
 *   rel_rms   = rms / sqrt(mean_inside r²)
 *   max_rel   = max_inside |g − r| / max(|r|, 0.05 · max_inside |r|)
 *
 * (the floor keeps a zero of the law, such as a growth rate at S = 0, from making any
 * difference there look infinitely large)
 *
 * over the grid points inside the data's range of every argument. Outside that range
 * nothing is claimed: the network extrapolates.
 *
 * Grid layout: axis k has size[k] points from lo[k] to hi[k] (ends included); a 1-D grid's
 * values[i] is g(axis0[i]); a 2-D grid's values[j * size[0] + i] is g(axis0[i], axis1[j]).
 */
#pragma once

#include <glib.h>

#include "currents-data.h"
#include "currents-model.h"

G_BEGIN_DECLS

/* Index of the learned term called @name (case-insensitive), or -1. */
int          currents_learned_term_find          (const CurrentsModel *model,
                                                  const char          *name);
/* (transfer full): the term's argument names as the `learn` line declares them. */
char       **currents_learned_term_get_arg_names (const CurrentsModel *model,
                                                  gsize                term);
/* (transfer full) (nullable): the name an argument stands for: the plain name every call
 * of the term passes for it (`mu(S)` → "S"), else its declared name; NULL for a bad @arg. */
char        *currents_learned_term_get_arg_source (const CurrentsModel *model,
                                                   gsize                term,
                                                   gsize                arg);
/* (transfer full): "mu, growth" — the model's learned terms, for messages. */
char        *currents_learned_term_list_names    (const CurrentsModel *model);

/**
 * currents_learned_term_eval:
 * @params: the model's full parameter vector (currents_model_get_n_params() values)
 * @args: the term's arguments (n_args values)
 *
 * g(args) with the weights in @params. Allocates a little; for grids use
 * currents_learned_term_grid_new().
 */
double       currents_learned_term_eval          (const CurrentsModel *model,
                                                  gsize                term,
                                                  const double        *params,
                                                  const double        *args);

/**
 * currents_learned_term_data_range:
 * @arg: which argument of the term
 * @lo: (out): the smallest observed value
 * @hi: (out): the largest observed value
 * @levels: (out) (optional) (transfer full): for an input, its distinct levels in the
 *   data (sorted); %NULL for a state
 *
 * The data's range of one argument. An argument is looked up by the name the equations
 * pass to the term when every call passes the same plain name (`mu(S)`), else by its
 * declared name; a state gives the observed min/max over all trajectories, an input the
 * range of its levels. Returns %FALSE when the argument is neither a state nor an input
 * of @dataset (or has no data): then the range is unknown.
 */
gboolean     currents_learned_term_data_range    (const CurrentsModel   *model,
                                                  gsize                  term,
                                                  gsize                  arg,
                                                  const CurrentsDataset *dataset,
                                                  double                *lo,
                                                  double                *hi,
                                                  GArray               **levels);

/**
 * currents_learned_term_default_range:
 * @data_lo: the data's range of the argument (NaN when unknown)
 * @lo: (out): where a grid of the argument starts
 * @hi: (out): where it ends
 *
 * The data's range widened by a quarter of its length on each side, so that a plot shows
 * where the network extrapolates (but from 0 for data that are non-negative up to noise,
 * above −5% of their range: concentrations are not widened below zero); without data, the model's window when the argument is
 * one of its axes (`@ xp=S, xlo=0, xhi=12`), else 0 to 1.
 */
void         currents_learned_term_default_range (const CurrentsModel *model,
                                                  gsize                term,
                                                  gsize                arg,
                                                  double               data_lo,
                                                  double               data_hi,
                                                  double              *lo,
                                                  double              *hi);

typedef struct
{
  gsize   term;
  gsize   n_args;      /* 1 or 2 */
  gsize   size[2];     /* points per axis (size[1] = 1 for a 1-D grid) */
  double  lo[2];
  double  hi[2];
  double *axis[2];     /* size[k] values each (axis[1] NULL for a 1-D grid) */
  double *values;      /* size[0] · size[1] */
} CurrentsLearnedTermGrid;

/**
 * currents_learned_term_grid_new:
 * @lo: (array): lower end of each argument's axis
 * @hi: (array): upper end (> lo)
 * @size: points per axis (≥ 2)
 * @error: a term with more than two arguments, a bad range or size, a non-finite value
 */
CurrentsLearnedTermGrid *currents_learned_term_grid_new (const CurrentsModel *model,
                                                         gsize                term,
                                                         const double        *params,
                                                         const double        *lo,
                                                         const double        *hi,
                                                         gsize                size,
                                                         GError             **error);
void         currents_learned_term_grid_free     (CurrentsLearnedTermGrid *grid);

typedef struct _CurrentsReferenceLaw CurrentsReferenceLaw;

/**
 * currents_reference_law_new:
 * @expression: the law in the model language, naming the arguments and constants
 * @arg_names: (array zero-terminated=1): the term's arguments (1 or 2)
 * @const_names: (array zero-terminated=1) (nullable): named constants
 * @const_values: their values
 * @error: an unknown name (listing the arguments and constants), a syntax error
 */
CurrentsReferenceLaw *currents_reference_law_new      (const char        *expression,
                                                       const char *const *arg_names,
                                                       const char *const *const_names,
                                                       const double      *const_values,
                                                       GError           **error);
/**
 * currents_reference_law_new_parse:
 * @text: "EXPR;NAME=VALUE;…", optionally "TERM=EXPR;…" (a gallery card's Reference=);
 *   a constant given twice takes the later value
 *
 * The constants may be changed afterwards with currents_reference_law_set_constant().
 */
CurrentsReferenceLaw *currents_reference_law_new_parse (const char        *text,
                                                        const char *const *arg_names,
                                                        GError           **error);
void         currents_reference_law_free         (CurrentsReferenceLaw       *law);
const char  *currents_reference_law_get_expression (const CurrentsReferenceLaw *law);
gsize        currents_reference_law_get_n_constants (const CurrentsReferenceLaw *law);
const char  *currents_reference_law_get_constant_name (const CurrentsReferenceLaw *law,
                                                       gsize                       i);
double       currents_reference_law_get_constant (const CurrentsReferenceLaw *law,
                                                  gsize                       i);
/* FALSE when @name is not one of its constants. */
gboolean     currents_reference_law_set_constant (CurrentsReferenceLaw       *law,
                                                  const char                 *name,
                                                  double                      value);
/* r(args); not reentrant for one law (it evaluates through its own workspace). */
double       currents_reference_law_eval         (CurrentsReferenceLaw       *law,
                                                  const double               *args);

typedef struct
{
  double rms;          /* NaN when no grid point is inside */
  double rel_rms;
  double max_rel;
  gsize  n_inside;
} CurrentsTermComparison;

/**
 * currents_learned_term_compare:
 * @lo: (array) (nullable): the data's range of each argument (NaN or %NULL: all of
 *   the grid)
 * @reference_values: (out) (optional): size[0] · size[1] values of the law on the grid
 *
 * Compares the grid's values with @law at the grid points inside [lo, hi].
 */
void         currents_learned_term_compare       (const CurrentsLearnedTermGrid *grid,
                                                  CurrentsReferenceLaw          *law,
                                                  const double                  *lo,
                                                  const double                  *hi,
                                                  double                        *reference_values,
                                                  CurrentsTermComparison        *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsLearnedTermGrid, currents_learned_term_grid_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsReferenceLaw, currents_reference_law_free)

G_END_DECLS
