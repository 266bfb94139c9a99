/* cnf-test-util.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>

#include "cnf-test-util.h"

/* Φ = e^{M t} for an (m × m) matrix M */
void
expm (const double *M, gsize m, double t, double *Phi)
{
  gsl_matrix *a = gsl_matrix_alloc (m, m), *e = gsl_matrix_alloc (m, m);

  for (gsize i = 0; i < m * m; i++)
    a->data[(i / m) * a->tda + i % m] = M[i] * t;
  g_assert_cmpint (gsl_linalg_exponential_ss (a, e, GSL_PREC_DOUBLE), ==, GSL_SUCCESS);
  for (gsize i = 0; i < m * m; i++)
    Phi[i] = e->data[(i / m) * e->tda + i % m];
  gsl_matrix_free (a);
  gsl_matrix_free (e);
}

/* the exact moments at t of the flow x' = A x + b from N(m0, c0) */
void
exact_moments (const double *A, const double *b, const double *m0, const double *c0,
               double t, double *mean, double *cov)
{
  double M[9] = { 0 }, E[9], Phi[4];

  for (gsize i = 0; i < N; i++)
    {
      for (gsize j = 0; j < N; j++)
        M[i * 3 + j] = A[i * N + j];
      M[i * 3 + 2] = b != NULL ? b[i] : 0.0;
    }
  expm (M, 3, t, E);
  for (gsize i = 0; i < N; i++)
    for (gsize j = 0; j < N; j++)
      Phi[i * N + j] = E[i * 3 + j];
  for (gsize i = 0; i < N; i++)
    {
      mean[i] = E[i * 3 + 2];
      for (gsize j = 0; j < N; j++)
        mean[i] += Phi[i * N + j] * m0[j];
    }
  for (gsize i = 0; i < N; i++)
    for (gsize j = 0; j < N; j++)
      {
        double s = 0.0;

        for (gsize k = 0; k < N; k++)
          for (gsize l = 0; l < N; l++)
            s += Phi[i * N + k] * c0[k * N + l] * Phi[j * N + l];
        cov[i * N + j] = s;
      }
}

double
gauss_logpdf (const double *mean, const double *cov, const double *x)
{
  double det = cov[0] * cov[3] - cov[1] * cov[2];
  double d0 = x[0] - mean[0], d1 = x[1] - mean[1];
  double q = (cov[3] * d0 * d0 - 2.0 * cov[1] * d0 * d1 + cov[0] * d1 * d1) / det;

  return -0.5 * (N * log (2.0 * G_PI) + log (det) + q);
}

void
gauss_draw (gsl_rng *rng, const double *mean, const double *cov, gsize n_draws, double *x)
{
  double l00 = sqrt (cov[0]), l10 = cov[2] / l00, l11 = sqrt (cov[3] - l10 * l10);

  for (gsize r = 0; r < n_draws; r++)
    {
      double z0 = gsl_ran_gaussian (rng, 1.0), z1 = gsl_ran_gaussian (rng, 1.0);

      x[r * N] = mean[0] + l00 * z0;
      x[r * N + 1] = mean[1] + l10 * z0 + l11 * z1;
    }
}

void
moments (const double *x, gsize n_rows, double *mean, double *cov)
{
  for (gsize i = 0; i < N; i++)
    {
      mean[i] = 0.0;
      for (gsize r = 0; r < n_rows; r++)
        mean[i] += x[r * N + i] / n_rows;
    }
  for (gsize i = 0; i < N; i++)
    for (gsize j = 0; j < N; j++)
      {
        cov[i * N + j] = 0.0;
        for (gsize r = 0; r < n_rows; r++)
          cov[i * N + j] += (x[r * N + i] - mean[i]) * (x[r * N + j] - mean[j]) / (n_rows - 1);
      }
}

/* |estimate − exact| in standard errors of an N-sample estimate of a Gaussian's moments */
double
moment_z (const double *mean, const double *cov, const double *mean_ex, const double *cov_ex,
          gsize n_samples)
{
  double worst = 0.0;

  for (gsize i = 0; i < N; i++)
    {
      double se = sqrt (cov_ex[i * N + i] / n_samples);

      worst = MAX (worst, fabs (mean[i] - mean_ex[i]) / se);
      for (gsize j = 0; j < N; j++)
        {
          double var = cov_ex[i * N + i] * cov_ex[j * N + j] + cov_ex[i * N + j] * cov_ex[i * N + j];

          se = sqrt (var / n_samples);
          worst = MAX (worst, fabs (cov[i * N + j] - cov_ex[i * N + j]) / se);
        }
    }
  return worst;
}
