/* test-population.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Population models (currents-population.h) on snapshots of a linear flow of a Gaussian,
 * whose density is known exactly: x' = A x, x(0) ~ N(μ₀, Σ₀)  ⇒  x(t) ~ N(Φμ₀, ΦΣ₀Φᵀ),
 * Φ = e^{At}. The moment and Gaussian helpers are those of test-cnf.c.
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
static const double snap_times[] = { 0.0, 0.5, 1.0, 1.5 };

static CurrentsSnapshots *
make_snapshots (gsl_rng *rng, gsize n_cells)
{
  gsize n_times = G_N_ELEMENTS (snap_times);
  g_autofree double *x = g_new (double, n_cells * N);
  g_autoptr (GError) error = NULL;
  CurrentsSnapshots *snaps = currents_snapshots_new ((const char *const[]) { "x", "y", NULL });

  for (gsize k = 0; k < n_times; k++)
    {
      double mean[N], cov[N * N];

      exact_moments (A_true, NULL, mu0, cov0, snap_times[k], mean, cov);
      gauss_draw (rng, mean, cov, n_cells, x);
      g_assert_true (currents_snapshots_add (snaps, snap_times[k], n_cells, x, &error));
      g_assert_no_error (error);
    }
  return snaps;
}

static CurrentsPopulation *
small_population (const CurrentsSnapshots *snaps, gsize hidden, gsize n_comp, guint64 seed)
{
  CurrentsNeuralSpec spec;
  g_autoptr (GError) error = NULL;
  CurrentsPopulation *pop;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = hidden;
  spec.activation = CURRENTS_ACTIVATION_TANH;
  spec.seed = seed;
  pop = currents_population_new_for_snapshots (snaps, &spec, n_comp, seed, &error);
  g_assert_no_error (error);
  g_assert_nonnull (pop);
  return pop;
}

/* Save → load: the same text, bit-identical log-densities, the provenance kept. */
static void
test_round_trip (void)
{
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (CurrentsPopulation) pop = NULL, back = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (JsonObject) settings = json_object_new ();
  g_autofree char *dir = g_dir_make_tmp ("currents-pop-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "pop.json", NULL);
  g_autofree char *text = NULL, *text2 = NULL;
  g_autofree double *p = NULL;
  double pts[5 * N] = { 0.3, -0.2, 1.1, 0.4, -0.9, 1.7, 2.385, -1.25, 0.0, 0.0 };
  double lp1[5], lp2[5];
  gsize k;

  gsl_rng_set (rng, 17);
  snaps = make_snapshots (rng, 40);
  pop = small_population (snaps, 6, 2, 9);
  k = currents_population_get_n_params (pop);
  p = g_memdup2 (currents_population_get_params (pop), k * sizeof (double));
  for (gsize l = 0; l < k; l++)
    p[l] += 0.1 * gsl_ran_gaussian (rng, 1.0) + 1e-17 * l;   /* awkward digits */
  currents_population_set_params (pop, p);
  currents_population_set_data (pop, "snaps.csv", "0123abcd");
  json_object_set_string_member (settings, "command", "currents-cli train --snapshots x");
  json_object_set_int_member (settings, "seed", 9);
  currents_population_set_training (pop, settings);

  g_assert_true (currents_population_save (pop, path, &error));
  g_assert_no_error (error);
  g_assert_true (currents_population_sniff (path));
  back = currents_population_load (path, &error);
  g_assert_no_error (error);
  g_assert_nonnull (back);
  text = currents_population_to_data (pop);
  text2 = currents_population_to_data (back);
  g_assert_cmpstr (text, ==, text2);
  g_assert_cmpmem (currents_population_get_params (pop), k * sizeof (double),
                   currents_population_get_params (back), k * sizeof (double));
  g_assert_cmpstr (currents_population_get_data_sha256 (back), ==, "0123abcd");
  g_assert_cmpstr (currents_population_get_state_names (back)[1], ==, "y");
  g_assert_cmpuint (currents_population_get_n_components (back), ==, 2);
  g_assert_true (currents_population_log_density (pop, 1.3, pts, 5, lp1, NULL, &error));
  g_assert_true (currents_population_log_density (back, 1.3, pts, 5, lp2, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpmem (lp1, sizeof lp1, lp2, sizeof lp2);
  g_test_message ("round trip: %zu parameters, log p at (0.3, −0.2, t = 1.3) = %.17g both",
                  k, lp1[0]);
  g_unlink (path);
  g_rmdir (dir);
  gsl_rng_free (rng);
}

/* The batched grid (one solve) against one solve per point (currents_cnf_log_density) */
static void
test_batched (void)
{
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (CurrentsPopulation) pop = NULL;
  g_autoptr (CurrentsCnf) cnf = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree double *p = NULL;
  const gsize nx = 9, ny = 7;
  double grid[9 * 7], one[9 * 7], pts[9 * 7 * N], worst = 0.0;
  gsize k;

  gsl_rng_set (rng, 23);
  snaps = make_snapshots (rng, 40);
  pop = small_population (snaps, 7, 1, 4);
  k = currents_population_get_n_params (pop);
  p = g_memdup2 (currents_population_get_params (pop), k * sizeof (double));
  for (gsize l = 0; l < k; l++)
    p[l] *= 2.5;   /* a livelier field than the initial one */
  currents_population_set_params (pop, p);
  currents_population_set_tolerances (pop, 1e-11, 1e-13);
  g_assert_true (currents_population_density_grid (pop, 1.4, 0, 1, -1.5, 2.5, -2.0, 1.0, nx,
                                                   ny, NULL, 0, 0, grid, NULL, &error));
  g_assert_no_error (error);
  for (gsize j = 0; j < ny; j++)
    for (gsize i = 0; i < nx; i++)
      {
        pts[(j * nx + i) * N] = -1.5 + 4.0 * i / (nx - 1);
        pts[(j * nx + i) * N + 1] = -2.0 + 3.0 * j / (ny - 1);
      }
  cnf = currents_population_new_cnf (pop, &error);
  g_assert_no_error (error);
  g_assert_true (currents_cnf_log_density (cnf, currents_population_get_params (pop), 1.4, pts,
                                           nx * ny, one, NULL, NULL, &error));
  g_assert_no_error (error);
  for (gsize c = 0; c < nx * ny; c++)
    worst = MAX (worst, fabs (grid[c] - one[c]));
  g_test_message ("batched grid of %zu points vs one solve each: worst |Δ log p| %.3g",
                  nx * ny, worst);
  g_assert_cmpfloat (worst, <=, 1e-10);
  /* at t0 nothing moves: the base density itself */
  g_assert_true (currents_population_log_density (pop, 0.0, pts, 3, grid, NULL, &error));
  for (gsize c = 0; c < 3; c++)
    g_assert_cmpfloat (fabs (grid[c] - currents_cnf_base_log_density (cnf, pts + c * N, NULL)),
                       <=, 1e-14);
  gsl_rng_free (rng);
}

/* Learned from snapshots of the linear flow: the last snapshot's mean and covariance
 * (from 4000 samples of the model) within sampling error of the exact ones; the model's
 * mean log-likelihood of fresh cells from the true density against the direct Monte Carlo
 * value −H (the true density's own), and the sampler's log p against the batched solve. */
static void
test_learn (void)
{
  const gsize n_cells = 200, n_draws = 4000, M = 2000;
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (CurrentsPopulation) pop = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree double *x = g_new (double, n_draws * N), *lp = g_new (double, n_draws);
  g_autofree double *lb = g_new (double, n_draws), *y = g_new (double, M * N);
  g_autofree double *ly = g_new (double, M);
  CurrentsCnfTrainOptions topts;
  double mean[N], cov[N * N], mean_ex[N], cov_ex[N * N], z, loss0, loss, worst = 0.0;
  double sum = 0.0, sum2 = 0.0, sd, neg_entropy, gap;
  g_autoptr (CurrentsCnf) cnf = NULL;

  gsl_rng_set (rng, 4242);
  snaps = make_snapshots (rng, n_cells);
  pop = small_population (snaps, 8, 1, 3);
  currents_population_set_tolerances (pop, 1e-5, 1e-7);
  cnf = currents_population_new_cnf (pop, &error);
  g_assert_true (currents_cnf_loss (cnf, currents_population_get_params (pop), snaps, &loss0,
                                    NULL, NULL, &error));
  currents_cnf_train_options_init (&topts);
  topts.n_iterations = 300;
  topts.learning_rate = 0.02;
  g_assert_true (currents_population_train (pop, snaps, &topts, &loss, NULL, NULL, NULL,
                                            &error));
  g_assert_no_error (error);

  g_assert_true (currents_population_sample (pop, snap_times[3], n_draws, 99, x, lp, NULL,
                                             &error));
  g_assert_no_error (error);
  moments (x, n_draws, mean, cov);
  exact_moments (A_true, NULL, mu0, cov0, snap_times[3], mean_ex, cov_ex);
  z = moment_z (mean, cov, mean_ex, cov_ex, n_cells);
  g_test_message ("learn: loss %.5f → %.5f; mean (%.4f, %.4f) exact (%.4f, %.4f); cov "
                  "(%.4f %.4f %.4f) exact (%.4f %.4f %.4f): within %.2f standard errors",
                  loss0, loss, mean[0], mean[1], mean_ex[0], mean_ex[1], cov[0], cov[1],
                  cov[3], cov_ex[0], cov_ex[1], cov_ex[3], z);
  g_assert_cmpfloat (loss, <, loss0);
  g_assert_cmpfloat (z, <=, 3.0);

  /* the sampler's forward log p against the batched backward solve at the same cells */
  g_assert_true (currents_population_log_density (pop, snap_times[3], x, n_draws, lb, NULL,
                                                  &error));
  g_assert_no_error (error);
  for (gsize r = 0; r < n_draws; r++)
    worst = MAX (worst, fabs (lb[r] - lp[r]));
  g_test_message ("forward vs batched backward log p over %zu samples: worst %.3g", n_draws,
                  worst);
  g_assert_cmpfloat (worst, <=, 1e-3);

  /* E_true[log p_model] ≤ E_true[log p_true] = −H; the gap is the KL divergence */
  gauss_draw (rng, mean_ex, cov_ex, M, y);
  g_assert_true (currents_population_log_density (pop, snap_times[3], y, M, ly, NULL, &error));
  g_assert_no_error (error);
  for (gsize r = 0; r < M; r++)
    {
      sum += ly[r];
      sum2 += ly[r] * ly[r];
    }
  sd = sqrt ((sum2 - sum * sum / M) / (M - 1));
  neg_entropy = -0.5 * (N * log (2.0 * G_PI * G_E)
                        + log (cov_ex[0] * cov_ex[3] - cov_ex[1] * cov_ex[2]));
  gap = sum / M - neg_entropy;
  g_test_message ("monte carlo: mean log p_model of %zu true cells %.5f ± %.5f, −H %.5f "
                  "(gap %.4f)", M, sum / M, sd / sqrt (M), neg_entropy, gap);
  g_assert_cmpfloat (fabs (gap), <=, 0.05 + 3.0 * sd / sqrt (M));
  gsl_rng_free (rng);
}

/* n = 3: the slice is a batched solve; the marginal a histogram of samples. At t0 the
 * marginal of a Gaussian base is the Gaussian of the two coordinates. */
static void
test_marginal (void)
{
  const double m3[3] = { 0.5, -1.0, 2.0 };
  const double c3[9] = { 0.6, 0.2, 0.1, 0.2, 0.4, -0.05, 0.1, -0.05, 0.3 };
  const double m2[2] = { m3[0], m3[2] }, c2[4] = { c3[0], c3[2], c3[6], c3[8] };
  const double x_mean[3] = { 0, 0, 0 }, x_scale[3] = { 1, 1, 1 };
  CurrentsNeuralScaling scaling = { x_mean, x_scale, NULL, NULL, NULL, NULL, 1.0 };
  CurrentsNeuralSpec spec;
  CurrentsNeuralModel *model;
  g_autoptr (CurrentsPopulation) pop = NULL;
  g_autoptr (GError) error = NULL;
  const double times[2] = { 0.0, 1.0 };
  double grid[11 * 11], worst = 0.0, at[3] = { 0.0, 0.0, 0.0 }, slice[4], pts[4 * 3];

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 4;
  model = currents_neural_model_new_full ((const char *const[]) { "a", "b", "c", NULL }, NULL,
                                          &spec, &scaling, &error);
  g_assert_no_error (error);
  pop = currents_population_new (model, NULL, 0.0, 1, NULL, m3, c3, times, 2, &error);
  g_assert_no_error (error);
  g_assert_true (currents_population_density_grid (pop, 0.0, 0, 2, -0.5, 1.5, 1.0, 3.0, 11, 11,
                                                   NULL, 400000, 5, grid, NULL, &error));
  g_assert_no_error (error);
  /* the central 5 × 5 cells, where counts are in the thousands */
  for (gsize j = 3; j < 8; j++)
    for (gsize i = 3; i < 8; i++)
      {
        double q[2] = { -0.5 + 0.2 * i, 1.0 + 0.2 * j };

        worst = MAX (worst, fabs (grid[j * 11 + i] - gauss_logpdf (m2, c2, q)));
      }
  g_test_message ("marginal histogram vs exact Gaussian marginal: worst |Δ log p| %.3g", worst);
  g_assert_cmpfloat (worst, <=, 0.1);

  /* a slice at b = −0.7: the batched solve */
  at[1] = -0.7;
  g_assert_true (currents_population_density_grid (pop, 0.8, 0, 2, -0.5, 1.5, 1.0, 3.0, 2, 2,
                                                   at, 0, 0, slice, NULL, &error));
  g_assert_no_error (error);
  for (gsize c = 0; c < 4; c++)
    {
      pts[c * 3] = c % 2 == 0 ? -0.5 : 1.5;
      pts[c * 3 + 1] = -0.7;
      pts[c * 3 + 2] = c < 2 ? 1.0 : 3.0;
    }
  g_assert_true (currents_population_log_density (pop, 0.8, pts, 4, grid, NULL, &error));
  g_assert_cmpmem (slice, sizeof slice, grid, 4 * sizeof (double));

  g_assert_false (currents_population_density_grid (pop, 0.0, 0, 0, -0.5, 1.5, 1.0, 3.0, 11, 11,
                                                    NULL, 100, 5, grid, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (currents_population_log_density (pop, -1.0, pts, 1, grid, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
}

static void
expect_refused (const char *text, const char *fragment)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (CurrentsPopulation) pop = NULL;

  pop = currents_population_load_from_data (text, -1, "pop.json", &error);
  g_assert_null (pop);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  g_test_message ("refused: %s", error->message);
  g_assert_nonnull (strstr (error->message, "pop.json"));
  g_assert_nonnull (strstr (error->message, fragment));
}

static char *
replace (const char *text, const char *from, const char *to)
{
  g_auto (GStrv) parts = g_strsplit (text, from, 2);

  g_assert_nonnull (parts[1]);
  return g_strconcat (parts[0], to, parts[1], NULL);
}

/* Damaged and foreign files are refused with a message naming the file and the fault. */
static void
test_damaged (void)
{
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (CurrentsPopulation) pop = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL, *t1 = NULL, *t2 = NULL, *t3 = NULL, *t4 = NULL, *t5 = NULL;
  g_autofree char *t6 = NULL, *t7 = NULL;
  const char *params;

  gsl_rng_set (rng, 3);
  snaps = make_snapshots (rng, 20);
  pop = small_population (snaps, 3, 1, 2);
  text = currents_population_to_data (pop);

  t1 = g_strndup (text, strlen (text) / 2);
  expect_refused (t1, "truncated");
  expect_refused ("{\"format\": \"currents-trained-model\", \"version\": 1}", "trained");
  expect_refused ("hello", "not a Currents population model");
  t2 = replace (text, "\"version\": 1", "\"version\": 7");
  expect_refused (t2, "newer");
  params = strstr (text, "\"params\": [");
  g_assert_nonnull (params);
  t3 = replace (text, "\"params\": [", "\"params\": [1.5, ");
  expect_refused (t3, "params");
  t4 = replace (text, "\"x_scale\": [", "\"x_scale\": [\"a\", ");
  expect_refused (t4, "x_scale");
  /* a covariance that is not positive definite */
  t5 = replace (text, "\"covs\": [", "\"covs\": [[-1.0, 0.0, 0.0, 1.0]],\n \"covs_old\": [");
  expect_refused (t5, "inconsistent");
  t6 = replace (text, "\"base\":", "\"bass\":");
  expect_refused (t6, "base");
  t7 = replace (text, "\"hidden\": [3]", "\"hidden\": [0]");
  expect_refused (t7, "hidden");

  g_assert_null (currents_population_load ("/nonexistent/pop.json", &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  gsl_rng_free (rng);
}

int
main (int argc, char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/population/round-trip", test_round_trip);
  g_test_add_func ("/engine/population/batched", test_batched);
  g_test_add_func ("/engine/population/learn", test_learn);
  g_test_add_func ("/engine/population/marginal", test_marginal);
  g_test_add_func ("/engine/population/damaged", test_damaged);
  return g_test_run ();
}
