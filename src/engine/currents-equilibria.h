/* currents-equilibria.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Equilibria f(x*, u, p) = 0 of a vector field, their linear stability and their type:
 * multistart Newton (GSL multiroot with the exact Jacobian) from a space-filling set of
 * seeds in a box, deduplicated, each polished to a scaled residual below 1e-12; the
 * Jacobian's eigenvalues and eigenvectors from LAPACKE dgeev; types named the way
 * textbooks do.
 */
#pragma once

#include <gio/gio.h>

#include "currents-field.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_EQUILIBRIUM_STABLE_NODE,
  CURRENTS_EQUILIBRIUM_UNSTABLE_NODE,
  CURRENTS_EQUILIBRIUM_SADDLE,
  CURRENTS_EQUILIBRIUM_STABLE_FOCUS,
  CURRENTS_EQUILIBRIUM_UNSTABLE_FOCUS,
  CURRENTS_EQUILIBRIUM_CENTER,          /* purely imaginary pair: undecided by linearisation */
  CURRENTS_EQUILIBRIUM_DEGENERATE,      /* a zero or repeated eigenvalue within tolerance */
  CURRENTS_EQUILIBRIUM_SADDLE_FOCUS,    /* n ≥ 3: both signs of real part and a complex pair */
} CurrentsEquilibriumType;

/* "stable node", "saddle-focus", … */
const char *currents_equilibrium_type_to_string (CurrentsEquilibriumType type);

/**
 * CurrentsEquilibrium:
 * @n: dimension
 * @state: x* (n)
 * @eig_re: real parts of the eigenvalues (n), sorted by decreasing real part
 * @eig_im: imaginary parts (n); a complex pair is stored (+ω, −ω) in that order
 * @evec_re: eigenvectors, n × n row-major with eigenvector j in column j
 *   (evec[i * n + j] is component i of vector j), each of unit 2-norm, in the order of
 *   the eigenvalues
 * @evec_im: their imaginary parts (0 for real eigenvalues)
 * @type: the textbook type
 * @n_stable: eigenvalues with negative real part (beyond tolerance)
 * @n_unstable: with positive real part
 * @n_center: with real part within tolerance of 0
 * @stable: every eigenvalue has negative real part
 * @residual: max_i |f_i(x*)| / (scale_i), scale_i = 1 + |x*_i| … as documented in the .c
 */
typedef struct
{
  gsize                   n;
  double                 *state;
  double                 *eig_re;
  double                 *eig_im;
  double                 *evec_re;
  double                 *evec_im;
  CurrentsEquilibriumType type;
  gsize                   n_stable;
  gsize                   n_unstable;
  gsize                   n_center;
  gboolean                stable;
  double                  residual;
} CurrentsEquilibrium;

CurrentsEquilibrium *currents_equilibrium_new   (gsize                      n);
CurrentsEquilibrium *currents_equilibrium_copy  (const CurrentsEquilibrium *eq);
void                 currents_equilibrium_free  (CurrentsEquilibrium       *eq);

/**
 * CurrentsEquilibriaOptions:
 * @lo: (array): the box's lower corner (n values)
 * @hi: (array): the upper corner
 * @n_seeds: Newton starts (0: a default that grows with n)
 * @tol: polishing target for the scaled residual (0: 1e-12)
 * @max_iter: Newton iterations per start (0: 50)
 * @t: the time at which a non-autonomous field is frozen
 * @seed: seeds the space-filling design (scrambled Halton or Sobol points)
 */
typedef struct
{
  const double *lo;
  const double *hi;
  gsize         n_seeds;
  double        tol;
  guint         max_iter;
  double        t;
  guint64       seed;
} CurrentsEquilibriaOptions;

void       currents_equilibria_options_init (CurrentsEquilibriaOptions *options);

/**
 * currents_equilibria_find:
 * @field: the vector field
 * @p: parameters
 * @u: (nullable): inputs
 * @options: the box and settings
 * @cancellable: (nullable): checked between starts
 * @error: bad box (empty, non-finite), cancellation
 *
 * Returns: (transfer full) (element-type CurrentsEquilibrium): every distinct equilibrium
 *   found in the box, sorted by the first state variable (an empty array when there is
 *   none: that is an answer, not an error)
 */
GPtrArray *currents_equilibria_find    (CurrentsField                   *field,
                                        const double                    *p,
                                        const double                    *u,
                                        const CurrentsEquilibriaOptions *options,
                                        GCancellable                    *cancellable,
                                        GError                         **error);

/* Newton from x (in/out) to an equilibrium; FALSE with CURRENTS_ENGINE_ERROR_NO_CONVERGENCE
 * or _SINGULAR_JACOBIAN (message says where) when it does not converge. */
gboolean   currents_equilibrium_polish (CurrentsField                   *field,
                                        const double                    *p,
                                        const double                    *u,
                                        double                           t,
                                        double                          *x,
                                        double                           tol,
                                        guint                            max_iter,
                                        double                          *residual,
                                        GError                         **error);

/* Eigenvalues, eigenvectors and type at x (which need not be an equilibrium). */
CurrentsEquilibrium *currents_equilibrium_analyse (CurrentsField *field,
                                                   const double  *p,
                                                   const double  *u,
                                                   double         t,
                                                   const double  *x);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsEquilibrium, currents_equilibrium_free)

G_END_DECLS
