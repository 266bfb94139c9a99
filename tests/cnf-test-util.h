/* cnf-test-util.h — Gaussians carried by linear flows in the plane, for the CNF tests
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * x' = A x + b from N(m0, c0) stays Gaussian with exactly known moments; test-cnf.c and
 * test-population.c check learned densities against them. Two states (N).
 */
#pragma once

#include <glib.h>
#include <gsl/gsl_rng.h>

#define N 2

void   expm          (const double *M, gsize m, double t, double *Phi);
void   exact_moments (const double *A, const double *b, const double *m0, const double *c0,
                      double t, double *mean, double *cov);
double gauss_logpdf  (const double *mean, const double *cov, const double *x);
void   gauss_draw    (gsl_rng *rng, const double *mean, const double *cov, gsize n_draws,
                      double *x);
void   moments       (const double *x, gsize n_rows, double *mean, double *cov);
double moment_z      (const double *mean, const double *cov, const double *mean_ex,
                      const double *cov_ex, gsize n_samples);
