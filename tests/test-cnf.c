/* test-cnf.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Continuous normalizing flows against a linear flow of a Gaussian, whose density is
 * known exactly: x' = A x, x(0) ~ N(μ₀, Σ₀)  ⇒  x(t) ~ N(Φμ₀, ΦΣ₀Φᵀ), Φ = e^{At}.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "currents-engine.h"
#include "cnf-test-util.h"

static const double A_true[N * N] = { -0.4, 1.1, -0.8, -0.25 };
static const double mu0[N] = { 1.2, -0.7 };
static const double cov0[N * N] = { 0.5, 0.15, 0.15, 0.3 };

static void
true_params (double *p)
{
  memcpy (p, A_true, sizeof A_true);
  p[N * N] = p[N * N + 1] = 0.0;
}

static CurrentsCnf *
exact_cnf (double rtol, double atol)
{
  g_autoptr (CurrentsField) field = currents_cnf_linear_field_new (N);
  CurrentsAdjointOptions opts;
  g_autoptr (GError) error = NULL;
  CurrentsCnf *cnf;

  currents_adjoint_options_init (&opts);
  opts.rtol = rtol;
  opts.atol = atol;
  cnf = currents_cnf_new (field, 0.0, mu0, cov0, &opts, &error);
  g_assert_no_error (error);
  currents_cnf_set_divergence_grad (cnf, currents_cnf_linear_divergence_grad, NULL, 0);
  return cnf;
}

/* (1) With the true field, log p_t at any point equals the exact Gaussian log-density. */
static void
test_exact_density (void)
{
  g_autoptr (CurrentsCnf) cnf = exact_cnf (1e-12, 1e-14);
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  const double times[] = { 0.0, 0.35, 1.5, 3.0 };
  double p[N * N + N], x[40 * N], x0[40 * N], logp[40], Phi[N * N], mean[N], cov[N * N];
  double worst = 0.0, worst_x0 = 0.0;
  g_autoptr (GError) error = NULL;

  gsl_rng_set (rng, 2385);
  true_params (p);
  for (gsize s = 0; s < G_N_ELEMENTS (times); s++)
    {
      double t = times[s];

      exact_moments (A_true, NULL, mu0, cov0, t, mean, cov);
      gauss_draw (rng, mean, cov, 40, x);
      /* also far out in the tails */
      x[0] = mean[0] + 4.0 * sqrt (cov[0]);
      x[3] = mean[1] - 3.5 * sqrt (cov[3]);
      g_assert_true (currents_cnf_log_density (cnf, p, t, x, 40, logp, x0, NULL, &error));
      g_assert_no_error (error);
      expm (A_true, N, -t, Phi);
      for (gsize r = 0; r < 40; r++)
        {
          double ex = gauss_logpdf (mean, cov, x + r * N);

          worst = MAX (worst, fabs (logp[r] - ex));
          for (gsize i = 0; i < N; i++)
            {
              double back = Phi[i * N] * x[r * N] + Phi[i * N + 1] * x[r * N + 1];

              worst_x0 = MAX (worst_x0, fabs (x0[r * N + i] - back));
            }
        }
    }
  g_test_message ("exact density: worst |log p − exact| %.3g, worst |x(t0) − e^{−At}x| %.3g",
                  worst, worst_x0);
  g_assert_cmpfloat (worst, <=, 1e-8);
  g_assert_cmpfloat (worst_x0, <=, 1e-8);
  gsl_rng_free (rng);
}

/* (2) Monte Carlo: the mean log-likelihood of fresh samples is −entropy; sampling from the
 * flow gives the exact moments, and each sample's log p is the exact density's. */
static void
test_monte_carlo (void)
{
  g_autoptr (CurrentsCnf) cnf = exact_cnf (1e-10, 1e-12);
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  const gsize M = 3000;
  const double t = 1.2;
  g_autofree double *x = g_new (double, M * N), *logp = g_new (double, M);
  double p[N * N + N], mean[N], cov[N * N], smean[N], scov[N * N];
  double sum = 0.0, sum2 = 0.0, neg_entropy, sd, z, worst = 0.0;
  g_autoptr (GError) error = NULL;

  gsl_rng_set (rng, 7);
  true_params (p);
  exact_moments (A_true, NULL, mu0, cov0, t, mean, cov);
  gauss_draw (rng, mean, cov, M, x);
  g_assert_true (currents_cnf_log_density (cnf, p, t, x, M, logp, NULL, NULL, &error));
  g_assert_no_error (error);
  for (gsize r = 0; r < M; r++)
    {
      sum += logp[r];
      sum2 += logp[r] * logp[r];
    }
  sd = sqrt ((sum2 - sum * sum / M) / (M - 1));
  neg_entropy = -0.5 * (N * log (2.0 * G_PI * G_E) + log (cov[0] * cov[3] - cov[1] * cov[2]));
  z = fabs (sum / M - neg_entropy) / (sd / sqrt (M));
  g_test_message ("monte carlo: mean log p %.6f, −entropy %.6f, %.2f standard errors",
                  sum / M, neg_entropy, z);
  g_assert_cmpfloat (z, <=, 3.0);

  g_assert_true (currents_cnf_sample (cnf, p, t, M, rng, x, logp, NULL, &error));
  g_assert_no_error (error);
  moments (x, M, smean, scov);
  z = moment_z (smean, scov, mean, cov, M);
  for (gsize r = 0; r < M; r++)
    worst = MAX (worst, fabs (logp[r] - gauss_logpdf (mean, cov, x + r * N)));
  g_test_message ("sampling: moments within %.2f standard errors, worst |log p − exact| %.3g",
                  z, worst);
  /* paths: x(t_j) = e^{A t_j} x(0), log p along them the exact density's */
  {
    const double pt[4] = { 0.0, 0.4, 1.1, 2.0 };
    double paths[5 * 4 * N], lps[5 * 4], worst_path = 0.0, worst_lp = 0.0;

    g_assert_true (currents_cnf_sample_paths (cnf, p, pt, 4, 5, rng, paths, lps, NULL, &error));
    g_assert_no_error (error);
    for (gsize r = 0; r < 5; r++)
      for (gsize j = 0; j < 4; j++)
        {
          double Phi[N * N], m[N], c[N * N];
          const double *x0 = paths + r * 4 * N, *xj = paths + (r * 4 + j) * N;

          expm (A_true, N, pt[j], Phi);
          exact_moments (A_true, NULL, mu0, cov0, pt[j], m, c);
          for (gsize i = 0; i < N; i++)
            worst_path = MAX (worst_path, fabs (xj[i] - Phi[i * N] * x0[0]
                                                - Phi[i * N + 1] * x0[1]));
          worst_lp = MAX (worst_lp, fabs (lps[r * 4 + j] - gauss_logpdf (m, c, xj)));
        }
    g_test_message ("paths: worst |x(t) − e^{At}x(0)| %.3g, worst |log p − exact| %.3g",
                    worst_path, worst_lp);
    g_assert_cmpfloat (worst_path, <=, 1e-8);
    g_assert_cmpfloat (worst_lp, <=, 1e-8);
  }
  g_assert_cmpfloat (z, <=, 3.0);
  g_assert_cmpfloat (worst, <=, 1e-8);
  gsl_rng_free (rng);
}

/* snapshots of the exact flow, through the CSV reader (rows shuffled across times) */
static CurrentsSnapshots *
make_snapshots (gsl_rng *rng, const double *times, gsize n_times, gsize n_cells)
{
  g_autoptr (GString) csv = g_string_new ("# snapshots of x' = A x\nt,x,y\n");
  g_autofree double *x = g_new (double, n_times * n_cells * N);
  g_autoptr (GError) error = NULL;
  CurrentsSnapshots *snaps;

  for (gsize k = 0; k < n_times; k++)
    {
      double mean[N], cov[N * N];

      exact_moments (A_true, NULL, mu0, cov0, times[k], mean, cov);
      gauss_draw (rng, mean, cov, n_cells, x + k * n_cells * N);
    }
  /* interleave the times, as a file need not be sorted */
  for (gsize r = 0; r < n_cells; r++)
    for (gsize kk = n_times; kk-- > 0;)
      {
        const double *c = x + (kk * n_cells + r) * N;
        char b0[G_ASCII_DTOSTR_BUF_SIZE], b1[G_ASCII_DTOSTR_BUF_SIZE],
             b2[G_ASCII_DTOSTR_BUF_SIZE];

        g_string_append_printf (csv, "%s,%s,%s\n",
                                g_ascii_dtostr (b0, sizeof b0, times[kk]),
                                g_ascii_dtostr (b1, sizeof b1, c[0]),
                                g_ascii_dtostr (b2, sizeof b2, c[1]));
      }
  snaps = currents_snapshots_parse (csv->str, csv->len, "snapshots.csv", &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_snapshots_get_n_times (snaps), ==, n_times);
  g_assert_cmpuint (currents_snapshots_get_n_states (snaps), ==, N);
  g_assert_cmpstr (currents_snapshots_get_state_name (snaps, 1), ==, "y");
  for (gsize k = 0; k < n_times; k++)
    {
      const double *cells = currents_snapshots_get_cells (snaps, k);

      g_assert_cmpfloat (currents_snapshots_get_time (snaps, k), ==, times[k]);
      g_assert_cmpuint (currents_snapshots_get_n_cells (snaps, k), ==, n_cells);
      /* exact round trip, in the file's order */
      g_assert_cmpfloat (cells[0], ==, x[k * n_cells * N]);
      g_assert_cmpfloat (cells[2 * N - 1], ==, x[(k * n_cells + 1) * N + 1]);
    }
  return snaps;
}

/* (3) Learning A and b from snapshots recovers the last snapshot's moments. */
static void
test_learn (void)
{
  const double times[] = { 0.0, 0.5, 1.0, 1.5 };
  const gsize n_cells = 300;
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (CurrentsField) field = currents_cnf_linear_field_new (N);
  g_autoptr (CurrentsCnf) cnf = NULL;
  g_autoptr (GError) error = NULL;
  CurrentsAdjointOptions opts;
  CurrentsCnfTrainOptions topts;
  double p[N * N + N] = { 0 }, p_true[N * N + N], loss0, loss, loss_true;
  double mean[N], cov[N * N], mean_ex[N], cov_ex[N * N], z;

  gsl_rng_set (rng, 42);
  snaps = make_snapshots (rng, times, G_N_ELEMENTS (times), n_cells);
  currents_adjoint_options_init (&opts);
  opts.rtol = 1e-6;
  opts.atol = 1e-8;
  cnf = currents_cnf_new_from_snapshots (field, snaps, &opts, &error);
  g_assert_no_error (error);
  currents_cnf_set_divergence_grad (cnf, currents_cnf_linear_divergence_grad, NULL, 0);
  g_assert_cmpfloat (currents_cnf_get_t0 (cnf), ==, 0.0);

  true_params (p_true);
  g_assert_true (currents_cnf_loss (cnf, p_true, snaps, &loss_true, NULL, NULL, &error));
  g_assert_true (currents_cnf_loss (cnf, p, snaps, &loss0, NULL, NULL, &error));
  g_assert_no_error (error);

  currents_cnf_train_options_init (&topts);
  topts.n_iterations = 1000;
  topts.learning_rate = 0.05;
  g_assert_true (currents_cnf_train (cnf, snaps, &topts, p, &loss, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  exact_moments (p, p + N * N, currents_cnf_get_base_mean (cnf),
                 currents_cnf_get_base_cov (cnf), times[3], mean, cov);
  exact_moments (A_true, NULL, mu0, cov0, times[3], mean_ex, cov_ex);
  z = moment_z (mean, cov, mean_ex, cov_ex, n_cells);
  g_test_message ("learn: loss %.5f → %.5f (true field %.5f); A = [%.3f %.3f; %.3f %.3f], "
                  "b = (%.3f, %.3f); last snapshot's moments within %.2f standard errors",
                  loss0, loss, loss_true, p[0], p[1], p[2], p[3], p[4], p[5], z);
  g_test_message ("learned mean (%.4f, %.4f) exact (%.4f, %.4f); cov (%.4f %.4f %.4f) exact "
                  "(%.4f %.4f %.4f)", mean[0], mean[1], mean_ex[0], mean_ex[1], cov[0],
                  cov[1], cov[3], cov_ex[0], cov_ex[1], cov_ex[3]);
  /* maximum likelihood: at least as good as the truth on the data it saw */
  g_assert_cmpfloat (loss, <=, loss_true + 1e-3);
  g_assert_cmpfloat (z, <=, 3.0);
  gsl_rng_free (rng);
}

/* A nonlinear field whose divergence depends on x and p:
 *   f₀ = p₀x₀ + p₁ sin x₁ + p₂ tanh x₀,   f₁ = p₃x₁ + p₄x₀x₁,
 *   tr J = p₀ + p₂ sech²x₀ + p₃ + p₄x₀. */
static void
nl_eval (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
         const double *p, double *f)
{
  (void) impl; (void) ws; (void) t; (void) u;
  f[0] = p[0] * x[0] + p[1] * sin (x[1]) + p[2] * tanh (x[0]);
  f[1] = p[3] * x[1] + p[4] * x[0] * x[1];
}

static void
nl_jacobian (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
             const double *p, double *f, double *jx, double *jp)
{
  double th = tanh (x[0]), s = 1.0 - th * th;

  if (f != NULL)
    nl_eval (impl, ws, t, x, u, p, f);
  jx[0] = p[0] + p[2] * s;
  jx[1] = p[1] * cos (x[1]);
  jx[2] = p[4] * x[1];
  jx[3] = p[3] + p[4] * x[0];
  if (jp != NULL)
    {
      const double row[10] = { x[0], sin (x[1]), th, 0, 0, 0, 0, 0, x[1], x[0] * x[1] };

      memcpy (jp, row, sizeof row);
    }
}

static void
nl_vjp (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
        const double *p, const double *w, double *f, double *gx, double *gp)
{
  double jx[4], jp[10];

  nl_jacobian (impl, ws, t, x, u, p, f, jx, jp);
  for (gsize j = 0; j < 2 && gx != NULL; j++)
    gx[j] += w[0] * jx[j] + w[1] * jx[2 + j];
  for (gsize l = 0; l < 5 && gp != NULL; l++)
    gp[l] += w[0] * jp[l] + w[1] * jp[5 + l];
}

static const CurrentsFieldVTable nl_vtable = {
  .eval = nl_eval,
  .jacobian = nl_jacobian,
  .vjp = nl_vjp,
};

static void
nl_div_grad (const CurrentsField *field, double t, const double *x, const double *p,
             double *gx, double *gp, double *scratch, gpointer user_data)
{
  double th = tanh (x[0]), s = 1.0 - th * th;

  (void) field; (void) t; (void) scratch; (void) user_data;
  gx[0] = -2.0 * p[2] * th * s + p[4];
  gx[1] = 0.0;
  gp[0] = 1.0;
  gp[1] = 0.0;
  gp[2] = s;
  gp[3] = 1.0;
  gp[4] = x[0];
}

static double
gradient_error (CurrentsCnf *cnf, const CurrentsSnapshots *snaps, const double *p0, gsize k)
{
  g_autofree double *p = g_memdup2 (p0, k * sizeof (double));
  g_autofree double *g = g_new (double, k);
  double num = 0.0, den = 0.0, loss;
  g_autoptr (GError) error = NULL;

  g_assert_true (currents_cnf_loss (cnf, p, snaps, &loss, g, NULL, &error));
  g_assert_no_error (error);
  for (gsize l = 0; l < k; l++)
    {
      double h = 1e-5 * MAX (1.0, fabs (p0[l])), lp, lm, fd;

      p[l] = p0[l] + h;
      g_assert_true (currents_cnf_loss (cnf, p, snaps, &lp, NULL, NULL, &error));
      p[l] = p0[l] - h;
      g_assert_true (currents_cnf_loss (cnf, p, snaps, &lm, NULL, NULL, &error));
      p[l] = p0[l];
      fd = (lp - lm) / (2.0 * h);
      num += (g[l] - fd) * (g[l] - fd);
      den += fd * fd;
    }
  return sqrt (num / den);
}

/* (4) The adjoint gradient against central finite differences, normwise. */
static void
test_gradient (void)
{
  const double times[] = { 0.0, 0.4, 1.1 };
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (CurrentsField) lin = currents_cnf_linear_field_new (N);
  g_autoptr (CurrentsField) nl = NULL;
  g_autoptr (CurrentsCnf) cnf_lin = NULL, cnf_nl = NULL;
  g_autoptr (GError) error = NULL;
  CurrentsAdjointOptions opts;
  const double p_lin[6] = { -0.3, 0.9, -0.6, -0.45, 0.25, -0.15 };
  const double p_nl[5] = { -0.35, 0.8, 0.6, -0.4, 0.3 };
  double e_lin, e_nl;

  gsl_rng_set (rng, 99);
  snaps = make_snapshots (rng, times, G_N_ELEMENTS (times), 6);
  currents_adjoint_options_init (&opts);
  opts.rtol = 1e-12;
  opts.atol = 1e-14;
  cnf_lin = currents_cnf_new_from_snapshots (lin, snaps, &opts, &error);
  g_assert_no_error (error);
  g_assert_false (currents_cnf_has_gradient (cnf_lin));
  currents_cnf_set_divergence_grad (cnf_lin, currents_cnf_linear_divergence_grad, NULL, 0);
  g_assert_true (currents_cnf_has_gradient (cnf_lin));
  e_lin = gradient_error (cnf_lin, snaps, p_lin, 6);

  nl = currents_field_new (&nl_vtable, NULL, N, 0, 5, TRUE);
  cnf_nl = currents_cnf_new_from_snapshots (nl, snaps, &opts, &error);
  g_assert_no_error (error);
  currents_cnf_set_divergence_grad (cnf_nl, nl_div_grad, NULL, 0);
  e_nl = gradient_error (cnf_nl, snaps, p_nl, 5);

  g_test_message ("gradient vs central differences: linear %.3g, nonlinear %.3g", e_lin, e_nl);
  g_assert_cmpfloat (e_lin, <=, 1e-6);
  g_assert_cmpfloat (e_nl, <=, 1e-6);
  gsl_rng_free (rng);
}

/* The MLP's weighted Jacobian trace against its Jacobian, and its gradient against
 * central differences, for each activation with a second derivative. */
static void
test_mlp_trace (void)
{
  const gsize widths[] = { 3, 5, 4, 2 };
  const CurrentsActivation acts[] = { CURRENTS_ACTIVATION_TANH, CURRENTS_ACTIVATION_SOFTPLUS,
                                      CURRENTS_ACTIVATION_SILU };
  const double x[3] = { 0.31, -0.72, 1.15 }, a[2] = { 1.7, -0.45 };

  for (gsize ai = 0; ai < G_N_ELEMENTS (acts); ai++)
    {
      CurrentsMlpShape shape = { 3, widths, acts[ai] };
      gsize k = currents_mlp_n_weights (&shape);
      g_autofree double *theta = g_new (double, k), *dth = g_new0 (double, k);
      g_autofree double *act_buf = g_new (double, currents_mlp_n_activations (&shape));
      g_autofree double *scratch = g_new (double, MAX (currents_mlp_n_trace_scratch (&shape),
                                                       currents_mlp_n_scratch (&shape)));
      g_autofree double *dth_row = g_new0 (double, k);
      double dx[3] = { 0 }, y[2], xp[3], D, trace = 0.0, num = 0.0, den = 0.0;

      currents_mlp_init (&shape, 17 + ai, theta);
      /* Σ a_i J_ii from the rows of the Jacobian (one backward pass each) */
      currents_mlp_forward (&shape, theta, x, act_buf, y);
      for (gsize i = 0; i < 2; i++)
        {
          double dy[2] = { 0 }, row[3] = { 0 };

          dy[i] = 1.0;
          currents_mlp_backward (&shape, theta, x, act_buf, dy, row, dth_row, scratch);
          trace += a[i] * row[i];
        }
      D = currents_mlp_trace_grad (&shape, theta, x, 2, a, dx, dth, scratch);
      g_assert_cmpfloat (fabs (D - trace), <=, 1e-14 * (1.0 + fabs (trace)));

      memcpy (xp, x, sizeof xp);
      for (gsize l = 0; l < k + 3; l++)
        {
          double *v = l < k ? theta + l : xp + (l - k), v0 = *v, h = 1e-5, Dp, Dm, fd, g;

          *v = v0 + h;
          Dp = currents_mlp_trace_grad (&shape, theta, xp, 2, a, NULL, NULL, scratch);
          *v = v0 - h;
          Dm = currents_mlp_trace_grad (&shape, theta, xp, 2, a, NULL, NULL, scratch);
          *v = v0;
          fd = (Dp - Dm) / (2.0 * h);
          g = l < k ? dth[l] : dx[l - k];
          num += (g - fd) * (g - fd);
          den += fd * fd;
        }
      g_test_message ("mlp trace (%s): D %.6f, gradient vs differences %.3g",
                      currents_activation_to_string (acts[ai]), D, sqrt (num / den));
      g_assert_cmpfloat (sqrt (num / den), <=, 1e-7);
    }
}

/* A flow along a neural field: the loss's gradient (through currents_cnf_set_neural) against
 * central finite differences. */
static void
test_neural_gradient (void)
{
  const double times[] = { 0.0, 0.3, 0.8 };
  const double x_mean[N] = { 0.4, -0.6 }, x_scale[N] = { 0.7, 0.45 };
  CurrentsNeuralScaling scaling = { x_mean, x_scale, NULL, NULL, NULL, NULL, 1.3 };
  CurrentsNeuralSpec spec;
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (CurrentsNeuralModel) model = NULL;
  g_autoptr (CurrentsCnf) cnf = NULL;
  g_autoptr (GError) error = NULL;
  CurrentsAdjointOptions opts;
  double e;

  gsl_rng_set (rng, 5);
  snaps = make_snapshots (rng, times, G_N_ELEMENTS (times), 4);
  currents_neural_spec_init (&spec);
  spec.n_hidden = 2;
  spec.hidden[0] = 6;
  spec.hidden[1] = 5;
  spec.activation = CURRENTS_ACTIVATION_TANH;
  spec.seed = 11;
  model = currents_neural_model_new_full ((const char *const[]) { "x", "y", NULL }, NULL,
                                          &spec, &scaling, &error);
  g_assert_no_error (error);
  currents_adjoint_options_init (&opts);
  opts.rtol = 1e-12;
  opts.atol = 1e-14;
  cnf = currents_cnf_new_from_snapshots (currents_neural_model_get_field (model), snaps, &opts,
                                         &error);
  g_assert_no_error (error);
  g_assert_true (currents_cnf_set_neural (cnf, model, &error));
  g_assert_no_error (error);
  g_assert_true (currents_cnf_has_gradient (cnf));
  e = gradient_error (cnf, snaps, currents_neural_model_get_initial_params (model),
                      currents_neural_model_get_n_params (model));
  g_test_message ("neural flow: gradient vs central differences %.3g (%zu parameters)", e,
                  currents_neural_model_get_n_params (model));
  g_assert_cmpfloat (e, <=, 1e-6);
  gsl_rng_free (rng);
}

/* A small network learns the linear flow from the snapshots: its fit approaches the true
 * field's and the last snapshot's moments (from samples of the learned flow) match. */
static void
test_neural_learn (void)
{
  const double times[] = { 0.0, 0.5, 1.0, 1.5 };
  const gsize n_cells = 200, n_draws = 4000;
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (CurrentsNeuralModel) model = NULL;
  g_autoptr (CurrentsCnf) cnf = NULL, cnf_true = NULL;
  g_autoptr (CurrentsField) lin = currents_cnf_linear_field_new (N);
  g_autoptr (GError) error = NULL;
  g_autofree double *p = NULL, *x = g_new (double, n_draws * N);
  CurrentsNeuralScaling scaling = { NULL, NULL, NULL, NULL, NULL, NULL, 1.0 };
  CurrentsNeuralSpec spec;
  CurrentsAdjointOptions opts;
  CurrentsCnfTrainOptions topts;
  double base_mean[N], base_cov[N * N], p_true[N * N + N], loss0, loss, loss_true;
  double mean[N], cov[N * N], mean_ex[N], cov_ex[N * N], z;

  gsl_rng_set (rng, 4242);
  snaps = make_snapshots (rng, times, G_N_ELEMENTS (times), n_cells);
  g_assert_true (currents_snapshots_moments (snaps, 0, base_mean, base_cov, &error));
  scaling.x_mean = base_mean;
  scaling.x_scale = (const double[]) { sqrt (base_cov[0]), sqrt (base_cov[3]) };
  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 8;
  spec.activation = CURRENTS_ACTIVATION_TANH;
  spec.seed = 3;
  model = currents_neural_model_new_full ((const char *const[]) { "x", "y", NULL }, NULL,
                                          &spec, &scaling, &error);
  g_assert_no_error (error);
  currents_adjoint_options_init (&opts);
  opts.rtol = 1e-5;
  opts.atol = 1e-7;
  cnf = currents_cnf_new_from_snapshots (currents_neural_model_get_field (model), snaps, &opts,
                                         &error);
  g_assert_no_error (error);
  g_assert_true (currents_cnf_set_neural (cnf, model, &error));
  cnf_true = currents_cnf_new_from_snapshots (lin, snaps, &opts, &error);
  g_assert_no_error (error);
  true_params (p_true);
  g_assert_true (currents_cnf_loss (cnf_true, p_true, snaps, &loss_true, NULL, NULL, &error));

  p = g_memdup2 (currents_neural_model_get_initial_params (model),
                 currents_neural_model_get_n_params (model) * sizeof (double));
  g_assert_true (currents_cnf_loss (cnf, p, snaps, &loss0, NULL, NULL, &error));
  currents_cnf_train_options_init (&topts);
  topts.n_iterations = 300;
  topts.learning_rate = 0.02;
  g_assert_true (currents_cnf_train (cnf, snaps, &topts, p, &loss, NULL, NULL, NULL, &error));
  g_assert_no_error (error);

  g_assert_true (currents_cnf_sample (cnf, p, times[3], n_draws, rng, x, NULL, NULL, &error));
  g_assert_no_error (error);
  moments (x, n_draws, mean, cov);
  exact_moments (A_true, NULL, mu0, cov0, times[3], mean_ex, cov_ex);
  z = moment_z (mean, cov, mean_ex, cov_ex, n_cells);
  g_test_message ("neural learn: loss %.5f → %.5f (true field %.5f); last snapshot's moments "
                  "within %.2f standard errors", loss0, loss, loss_true, z);
  g_assert_cmpfloat (loss, <=, loss_true + 0.02);
  g_assert_cmpfloat (z, <=, 3.0);
  gsl_rng_free (rng);
}

/* A mixture base: log p_t is the exactly transported mixture; the gradient through the
 * mixture's density; EM recovers the components of drawn cells. */
static void
test_mixture (void)
{
  const double w[2] = { 0.35, 0.65 };
  const double means[2 * N] = { 1.2, -0.7, -0.8, 0.9 };
  const double covs[2 * N * N] = { 0.5, 0.15, 0.15, 0.3, 0.2, -0.05, -0.05, 0.4 };
  const double t = 1.3;
  g_autoptr (CurrentsField) lin = currents_cnf_linear_field_new (N);
  g_autoptr (CurrentsCnf) cnf = NULL, fitted = NULL;
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (GError) error = NULL;
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  CurrentsAdjointOptions opts;
  const gsize M = 30, n_fit = 2000;
  g_autofree double *cells = g_new (double, n_fit * N);
  double p[N * N + N], x[M * N], logp[M], mt[2 * N], ct[2 * N * N], worst = 0.0, e;
  double fw[2], fm[2 * N], fc[2 * N * N], ll, worst_z = 0.0;

  gsl_rng_set (rng, 1234);
  currents_adjoint_options_init (&opts);
  opts.rtol = 1e-12;
  opts.atol = 1e-14;
  cnf = currents_cnf_new_mixture (lin, 0.0, 2, w, means, covs, &opts, &error);
  g_assert_no_error (error);
  currents_cnf_set_divergence_grad (cnf, currents_cnf_linear_divergence_grad, NULL, 0);
  g_assert_cmpuint (currents_cnf_get_n_components (cnf), ==, 2);
  true_params (p);
  g_assert_true (currents_cnf_sample (cnf, p, t, M, rng, x, logp, NULL, &error));
  g_assert_no_error (error);
  for (gsize c = 0; c < 2; c++)
    exact_moments (A_true, NULL, means + c * N, covs + c * N * N, t, mt + c * N,
                   ct + c * N * N);
  for (gsize r = 0; r < M; r++)
    {
      double l0 = log (w[0]) + gauss_logpdf (mt, ct, x + r * N);
      double l1 = log (w[1]) + gauss_logpdf (mt + N, ct + N * N, x + r * N);
      double ex = MAX (l0, l1) + log1p (exp (-fabs (l0 - l1)));
      double back;

      g_assert_true (currents_cnf_log_density (cnf, p, t, x + r * N, 1, &back, NULL, NULL,
                                               &error));
      worst = MAX (worst, MAX (fabs (logp[r] - ex), fabs (back - ex)));
    }

  /* gradient through the mixture */
  snaps = currents_snapshots_new ((const char *const[]) { "x", "y", NULL });
  g_assert_true (currents_snapshots_add (snaps, 0.0, 5, x, &error));
  g_assert_true (currents_snapshots_add (snaps, 0.6, 5, x + 5 * N, &error));
  g_assert_true (currents_snapshots_add (snaps, 1.3, 5, x + 10 * N, &error));
  {
    const double p_off[6] = { -0.3, 0.9, -0.6, -0.45, 0.25, -0.15 };

    e = gradient_error (cnf, snaps, p_off, 6);
  }

  /* EM on cells drawn from the mixture (the flow at t0 is the base) */
  g_assert_true (currents_cnf_sample (cnf, p, 0.0, n_fit, rng, cells, NULL, NULL, &error));
  g_clear_pointer (&snaps, currents_snapshots_free);
  snaps = currents_snapshots_new ((const char *const[]) { "x", "y", NULL });
  g_assert_true (currents_snapshots_add (snaps, 0.0, n_fit, cells, &error));
  g_assert_true (currents_snapshots_add (snaps, 1.0, 5, x, &error));
  g_assert_true (currents_snapshots_fit_mixture (snaps, 0, 2, 8, fw, fm, fc, &ll, &error));
  g_assert_no_error (error);
  for (gsize c = 0; c < 2; c++)
    {
      /* the fitted component nearest the true one */
      gsize f = fabs (fm[0] - means[c * N]) < fabs (fm[N] - means[c * N]) ? 0 : 1;
      double se_w = sqrt (w[c] * (1.0 - w[c]) / n_fit);

      worst_z = MAX (worst_z, fabs (fw[f] - w[c]) / se_w);
      for (gsize i = 0; i < N; i++)
        worst_z = MAX (worst_z, fabs (fm[f * N + i] - means[c * N + i])
                                / sqrt (covs[c * N * N + i * N + i] / (n_fit * w[c])));
    }
  fitted = currents_cnf_new_from_snapshots_mixture (lin, snaps, 2, 8, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (currents_cnf_get_t0 (fitted), ==, 0.0);

  g_test_message ("mixture: worst |log p − exact| %.3g; gradient vs differences %.3g; EM "
                  "weights (%.3f, %.3f), components within %.2f standard errors, mean "
                  "log-likelihood %.4f", worst, e, fw[0], fw[1], worst_z, ll);
  g_assert_cmpfloat (worst, <=, 1e-8);
  g_assert_cmpfloat (e, <=, 1e-6);
  g_assert_cmpfloat (worst_z, <=, 4.0);
  gsl_rng_free (rng);
}

static void
expect_parse_error (const char *csv, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CurrentsSnapshots) snaps = currents_snapshots_parse (csv, -1, "cells.csv", &error);

  g_assert_null (snaps);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CurrentsField) lin = currents_cnf_linear_field_new (N);
  g_autoptr (CurrentsField) with_inputs = currents_field_new (&nl_vtable, NULL, N, 1, 5, TRUE);
  g_autoptr (CurrentsSnapshots) one = NULL, snaps = NULL;
  g_autoptr (CurrentsCnf) cnf = NULL;
  const double singular[N * N] = { 1.0, 2.0, 2.0, 4.0 };
  const double cells[6] = { 0.1, 0.2, 0.5, 0.3, 0.9, 1.4 };
  double p[6] = { 0 }, loss, g[6];

  expect_parse_error ("t,x,trajectory\n0,1,1\n", "cells.csv:1: column 3 (trajectory)");
  expect_parse_error ("x,y\n1,2\n", "cells.csv:1: no time column");
  expect_parse_error ("t\n1\n", "no state columns");
  expect_parse_error ("# only a comment\n", "no header");
  expect_parse_error ("t,x,y\n", "no data rows");
  expect_parse_error ("t,x,y\n0,1,2\n0,abc,2\n", "cells.csv:3: column 2 (x): “abc”");
  expect_parse_error ("t,x,y\n0,1,2\n\n0,1\n", "cells.csv:4: expected 3 fields");
  expect_parse_error ("t,x,y\n0,1,\n", "cells.csv:2: column 3 (y)");

  cnf = currents_cnf_new (with_inputs, 0.0, mu0, cov0, NULL, &error);
  g_assert_null (cnf);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  cnf = currents_cnf_new (lin, 0.0, mu0, singular, NULL, &error);
  g_assert_null (cnf);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN);
  g_clear_error (&error);

  /* one snapshot only: nothing to learn */
  one = currents_snapshots_parse ("t,x,y\n0,0.1,0.2\n0,0.5,0.3\n0,0.9,1.4\n", -1, NULL, &error);
  g_assert_no_error (error);
  cnf = currents_cnf_new_from_snapshots (lin, one, NULL, &error);
  g_assert_no_error (error);
  g_assert_false (currents_cnf_loss (cnf, p, one, &loss, NULL, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* a gradient without the divergence's gradient is refused */
  snaps = currents_snapshots_new ((const char *const[]) { "x", "y", NULL });
  g_assert_true (currents_snapshots_add (snaps, 0.0, 3, cells, &error));
  g_assert_true (currents_snapshots_add (snaps, 1.0, 3, cells, &error));
  g_assert_no_error (error);
  g_assert_true (currents_cnf_loss (cnf, p, snaps, &loss, NULL, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (currents_cnf_loss (cnf, p, snaps, &loss, g, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED);
  g_clear_error (&error);

  /* a snapshot before the base density's time */
  g_assert_true (currents_snapshots_add (snaps, -1.0, 3, cells, &error));
  g_assert_false (currents_cnf_loss (cnf, p, snaps, &loss, NULL, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* non-finite cells */
  {
    const double bad[2] = { 0.1, NAN };

    g_assert_false (currents_snapshots_add (snaps, 2.0, 1, bad, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* mixtures: a non-positive weight; too few cells for the components */
  {
    const double w2[2] = { 0.5, -0.1 }, m2[4] = { 0, 0, 1, 1 };
    const double c2[8] = { 1, 0, 0, 1, 1, 0, 0, 1 };
    double fw[3], fm[6], fc[12];
    g_autoptr (CurrentsCnf) bad = currents_cnf_new_mixture (lin, 0.0, 2, w2, m2, c2, NULL,
                                                            &error);

    g_assert_null (bad);
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_false (currents_snapshots_fit_mixture (snaps, 0, 3, 1, fw, fm, fc, NULL, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* states that do not match the model */
  {
    g_autoptr (CurrentsField) lin3 = currents_cnf_linear_field_new (3);
    g_autoptr (CurrentsCnf) cnf3 = currents_cnf_new_from_snapshots (lin3, snaps, NULL, &error);

    g_assert_null (cnf3);
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* a file: read, and a missing one */
  {
    g_autofree char *dir = g_dir_make_tmp ("test-cnf-XXXXXX", &error);
    g_autofree char *path = g_build_filename (dir, "cells.csv", NULL);
    g_autofree char *missing = g_build_filename (dir, "none.csv", NULL);
    g_autoptr (CurrentsSnapshots) loaded = NULL;

    g_assert_no_error (error);
    g_assert_true (g_file_set_contents (path, "time;a;b\n2.5;1;2\n0.5;3;4\n2.5;5;6\n", -1,
                                        &error));
    loaded = currents_snapshots_load (path, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (currents_snapshots_get_n_times (loaded), ==, 2);
    g_assert_cmpfloat (currents_snapshots_get_time (loaded, 0), ==, 0.5);
    g_assert_cmpuint (currents_snapshots_get_n_cells (loaded, 1), ==, 2);
    g_assert_cmpfloat (currents_snapshots_get_cells (loaded, 1)[3], ==, 6.0);
    g_assert_null (currents_snapshots_load (missing, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
    g_clear_error (&error);
    g_unlink (path);
    g_rmdir (dir);
  }

  /* cancellation */
  {
    g_autoptr (GCancellable) cancellable = g_cancellable_new ();
    double logp;

    g_cancellable_cancel (cancellable);
    g_assert_false (currents_cnf_log_density (cnf, p, 0.5, cells, 1, &logp, NULL, cancellable,
                                              &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
    g_clear_error (&error);
  }

  /* densities before t0 */
  g_assert_false (currents_cnf_log_density (cnf, p, -0.5, cells, 1, &loss, NULL, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

int
main (int argc, char *argv[])
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/cnf/linear/exact-density", test_exact_density);
  g_test_add_func ("/engine/cnf/linear/monte-carlo", test_monte_carlo);
  g_test_add_func ("/engine/cnf/linear/learn", test_learn);
  g_test_add_func ("/engine/cnf/gradient", test_gradient);
  g_test_add_func ("/engine/cnf/mlp-trace", test_mlp_trace);
  g_test_add_func ("/engine/cnf/neural/gradient", test_neural_gradient);
  g_test_add_func ("/engine/cnf/neural/learn", test_neural_learn);
  g_test_add_func ("/engine/cnf/mixture", test_mixture);
  g_test_add_func ("/engine/cnf/errors", test_errors);

  return g_test_run ();
}
