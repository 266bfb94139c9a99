/* test-cli-population.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * currents-cli train --snapshots, sample and density as a user runs them, on snapshots of
 * the linear flow x' = A x of a Gaussian: x(t) ~ N(e^{At}μ₀, e^{At}Σ₀e^{Aᵀt}).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <json-glib/json-glib.h>

#include "currents-cli-test.h"
#include "currents-engine.h"

#define RUN(r, ...) currents_cli_test_run ((r), __VA_ARGS__, NULL)

static const double times[3] = { 0.0, 0.6, 1.2 };
#define N_CELLS 200

static char *model_path;
static char *data_path;
static char *data_text;

static JsonObject *
parse_object (const char *text)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

/* A = [[-0.3, 0.9], [-0.7, -0.2]]: e^{At} by a fine RK4 of the 2 × 2 matrix ODE */
static void
flow (double t, double *Phi)
{
  const double A[4] = { -0.3, 0.9, -0.7, -0.2 };
  const int steps = 2000;
  double h = t / steps, P[4] = { 1, 0, 0, 1 };

  for (int s = 0; s < steps && t > 0; s++)
    {
      double k[4][4], Q[4];

      for (int st = 0; st < 4; st++)
        {
          double c = st == 0 ? 0.0 : st == 3 ? 1.0 : 0.5;

          for (int i = 0; i < 4; i++)
            Q[i] = P[i] + (st > 0 ? c * h * k[st - 1][i] : 0.0);
          for (int i = 0; i < 2; i++)
            for (int j = 0; j < 2; j++)
              k[st][i * 2 + j] = A[i * 2] * Q[j] + A[i * 2 + 1] * Q[2 + j];
        }
      for (int i = 0; i < 4; i++)
        P[i] += h / 6.0 * (k[0][i] + 2 * k[1][i] + 2 * k[2][i] + k[3][i]);
    }
  memcpy (Phi, P, sizeof P);
}

static char *
make_data (guint seed)
{
  const double mu0[2] = { 1.1, -0.4 }, l00 = 0.6, l10 = 0.1, l11 = 0.45;
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  GString *csv = g_string_new ("# snapshots of x' = A x\nt,x,y\n");

  gsl_rng_set (rng, seed);
  for (gsize k = 0; k < G_N_ELEMENTS (times); k++)
    {
      double Phi[4];

      flow (times[k], Phi);
      for (gsize r = 0; r < N_CELLS; r++)
        {
          double z0 = gsl_ran_gaussian (rng, 1.0), z1 = gsl_ran_gaussian (rng, 1.0);
          double x0 = mu0[0] + l00 * z0, y0 = mu0[1] + l10 * z0 + l11 * z1;

          g_string_append_printf (csv, "%g,%.9f,%.9f\n", times[k], Phi[0] * x0 + Phi[1] * y0,
                                  Phi[2] * x0 + Phi[3] * y0);
        }
    }
  gsl_rng_free (rng);
  return g_string_free (csv, FALSE);
}

static void
moments_of (const double *x, gsize rows, double *mean, double *cov)
{
  mean[0] = mean[1] = 0.0;
  for (gsize r = 0; r < rows; r++)
    for (gsize i = 0; i < 2; i++)
      mean[i] += x[r * 2 + i] / rows;
  memset (cov, 0, 4 * sizeof (double));
  for (gsize r = 0; r < rows; r++)
    for (gsize i = 0; i < 2; i++)
      for (gsize j = 0; j < 2; j++)
        cov[i * 2 + j] += (x[r * 2 + i] - mean[i]) * (x[r * 2 + j] - mean[j]) / (rows - 1);
}

/* the cells of a CSV with columns t,x,y (after comment lines) */
static double *
read_cells (const char *text, gsize *rows, gboolean *has_provenance)
{
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GArray *v = g_array_new (FALSE, FALSE, sizeof (double));
  gboolean header = FALSE;

  *has_provenance = g_str_has_prefix (text, "# made by currents-cli");
  for (char **l = lines; *l != NULL; l++)
    {
      g_auto (GStrv) f = NULL;

      if (**l == '#' || **l == '\0')
        continue;
      if (!header)
        {
          g_assert_cmpstr (*l, ==, "t,x,y");
          header = TRUE;
          continue;
        }
      f = g_strsplit (*l, ",", -1);
      g_assert_cmpuint (g_strv_length (f), ==, 3);
      for (int i = 1; i < 3; i++)
        {
          double d = g_ascii_strtod (f[i], NULL);

          g_array_append_val (v, d);
        }
    }
  *rows = v->len / 2;
  return (double *) g_array_free (v, FALSE);
}

/* Trains once (the other tests use its model). */
static void
test_train (void)
{
  g_auto (CurrentsCliRun) r = { 0 };
  g_autoptr (JsonObject) o = NULL;
  g_autoptr (CurrentsPopulation) pop = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *sha = NULL;
  JsonObject *training;

  data_text = make_data (31);
  data_path = currents_cli_test_write_temp ("snapshots.csv", data_text);
  model_path = currents_cli_test_write_temp ("pop.json", NULL);
  RUN (&r, "train", "--snapshots", data_path, "--hidden", "8", "--epochs", "250", "--lr",
       "0.02", "--seed", "5", "--json", "-o", model_path);
  if (r.status != 0)
    g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  o = parse_object (r.out);
  for (const char **k = (const char *[]) { "train_loss", "val_loss", "best_epoch", "epochs",
                                           "seconds", "model_file", NULL }; *k; k++)
    g_assert_true (json_object_has_member (o, *k));
  g_assert_cmpint (json_object_get_int_member (o, "epochs"), ==, 250);
  g_assert_cmpstr (json_object_get_string_member (o, "model_file"), ==, model_path);
  g_test_message ("train --snapshots: −log-likelihood %.5f, best epoch %" G_GINT64_FORMAT,
                  json_object_get_double_member (o, "train_loss"),
                  json_object_get_int_member (o, "best_epoch"));

  pop = currents_population_load (model_path, &error);
  g_assert_no_error (error);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, data_text, -1);
  g_assert_cmpstr (currents_population_get_data_sha256 (pop), ==, sha);
  g_assert_cmpuint (currents_population_get_n_params (pop), ==, 2 * 8 + 8 + 8 * 2 + 2);
  training = currents_population_get_training (pop);
  g_assert_nonnull (training);
  g_assert_cmpstr (json_object_get_string_member (training, "seed"), ==, "5");
  g_assert_nonnull (strstr (json_object_get_string_member (training, "command"),
                            "--snapshots"));
}

/* 4000 cells at the last time: their moments match the data's last snapshot within
 * sampling error, and equal the engine's samples with the same seed. */
static void
test_sample (void)
{
  g_auto (CurrentsCliRun) r = { 0 };
  g_auto (CurrentsCliRun) p = { 0 };
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (CurrentsPopulation) pop = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree double *cells = NULL, *engine = g_new (double, 4000 * 2);
  double mean[2], cov[4], dmean[2], dcov[4], z = 0.0, worst = 0.0;
  gsize rows;
  gboolean prov;

  g_assert_nonnull (model_path);
  RUN (&r, "sample", model_path, "--t", "1.2", "--n", "4000", "--seed", "8");
  g_assert_cmpint (r.status, ==, 0);
  cells = read_cells (r.out, &rows, &prov);
  g_assert_true (prov);
  g_assert_cmpuint (rows, ==, 4000);
  moments_of (cells, rows, mean, cov);

  snaps = currents_snapshots_parse (data_text, -1, "snapshots.csv", &error);
  g_assert_no_error (error);
  g_assert_true (currents_snapshots_moments (snaps, 2, dmean, dcov, &error));
  /* |difference| in standard errors of the difference of two sample moments */
  for (gsize i = 0; i < 2; i++)
    {
      double se = sqrt (dcov[i * 2 + i] * (1.0 / N_CELLS + 1.0 / rows));

      z = MAX (z, fabs (mean[i] - dmean[i]) / se);
      for (gsize j = 0; j < 2; j++)
        {
          double var = dcov[i * 2 + i] * dcov[j * 2 + j] + dcov[i * 2 + j] * dcov[i * 2 + j];

          se = sqrt (var * (1.0 / N_CELLS + 1.0 / rows));
          z = MAX (z, fabs (cov[i * 2 + j] - dcov[i * 2 + j]) / se);
        }
    }
  g_test_message ("sample: mean (%.4f, %.4f) data (%.4f, %.4f); cov (%.4f %.4f %.4f) data "
                  "(%.4f %.4f %.4f): within %.2f standard errors", mean[0], mean[1], dmean[0],
                  dmean[1], cov[0], cov[1], cov[3], dcov[0], dcov[1], dcov[3], z);
  g_assert_cmpfloat (z, <=, 3.5);

  pop = currents_population_load (model_path, &error);
  g_assert_no_error (error);
  g_assert_true (currents_population_sample (pop, 1.2, 4000, 8, engine, NULL, NULL, &error));
  g_assert_no_error (error);
  for (gsize c = 0; c < 4000 * 2; c++)
    worst = MAX (worst, fabs (engine[c] - cells[c]) / MAX (1.0, fabs (engine[c])));
  g_assert_cmpfloat (worst, <=, 1e-9);   /* the CSV's 10 significant digits */

  /* paths: 7 paths × 12 points from t0 = 0 to T, each from the base density */
  {
    g_autofree char *paths = currents_cli_test_write_temp ("paths.csv", NULL);
    g_autofree char *text = NULL;
    g_auto (GStrv) lines = NULL;
    gsize n_rows = 0, n_start = 0, n_end = 0;

    RUN (&p, "sample", model_path, "--t", "1.2", "--paths", "--n", "7", "--steps", "12", "-o",
         paths);
    g_assert_cmpint (p.status, ==, 0);
    g_assert_true (g_file_get_contents (paths, &text, NULL, NULL));
    g_assert_true (g_str_has_prefix (text, "# made by currents-cli"));
    lines = g_strsplit (text, "\n", -1);
    for (char **l = lines; *l != NULL; l++)
      {
        g_auto (GStrv) f = NULL;

        if (**l == '#' || **l == '\0')
          continue;
        if (n_rows++ == 0)
          {
            g_assert_cmpstr (*l, ==, "trajectory,t,x,y");
            continue;
          }
        f = g_strsplit (*l, ",", -1);
        n_start += g_ascii_strtod (f[1], NULL) == 0.0;
        n_end += g_ascii_strtod (f[1], NULL) == 1.2;
      }
    g_assert_cmpuint (n_rows - 1, ==, 7 * 12);
    g_assert_cmpuint (n_start, ==, 7);
    g_assert_cmpuint (n_end, ==, 7);
  }
}

/* density --json over a wide box integrates to 1 (trapezoid) */
static void
test_density (void)
{
  g_auto (CurrentsCliRun) r = { 0 };
  g_autoptr (JsonObject) o = NULL;
  JsonArray *rows, *xs, *ys;
  double hx, hy, integral = 0.0;
  guint nx, ny;

  g_assert_nonnull (model_path);
  RUN (&r, "density", model_path, "--t", "0.9", "--grid", "x=-4.5:4.5,y=-4.5:4.5", "--size",
       "64", "--json");
  g_assert_cmpint (r.status, ==, 0);
  o = parse_object (r.out);
  g_assert_cmpfloat (json_object_get_double_member (o, "t"), ==, 0.9);
  g_assert_false (json_object_get_boolean_member (o, "marginal"));
  xs = json_object_get_array_member (o, "x");
  ys = json_object_get_array_member (o, "y");
  rows = json_object_get_array_member (o, "log_p");
  nx = json_array_get_length (xs);
  ny = json_array_get_length (ys);
  g_assert_cmpuint (nx, ==, 64);
  g_assert_cmpuint (json_array_get_length (rows), ==, ny);
  hx = 9.0 / (nx - 1);
  hy = 9.0 / (ny - 1);
  for (guint j = 0; j < ny; j++)
    {
      JsonArray *row = json_array_get_array_element (rows, j);

      for (guint i = 0; i < nx; i++)
        {
          double w = (i == 0 || i == nx - 1 ? 0.5 : 1.0) * (j == 0 || j == ny - 1 ? 0.5 : 1.0);

          integral += w * exp (json_array_get_double_element (row, i)) * hx * hy;
        }
    }
  g_test_message ("density: ∫∫ p dx dy over [−4.5, 4.5]² at t = 0.9: %.6f", integral);
  g_assert_cmpfloat (fabs (integral - 1.0), <=, 1e-2);
}

static void
expect_error (CurrentsCliRun *r, int status, const char *fragment)
{
  g_test_message ("exit %d: %s", r->status, r->err);
  g_assert_cmpint (r->status, ==, status);
  g_assert_nonnull (strstr (r->err, fragment));
  g_assert_cmpstr (r->out, ==, "");
}

static void
test_bad_input (void)
{
  g_autofree char *traj = currents_cli_test_write_temp (
    "traj.csv", "trajectory,t,x,y\n1,0,1,2\n2,0,1.5,2\n1,1,0.5,1\n2,1,0.7,1.2\n");
  g_autofree char *nan = currents_cli_test_write_temp (
    "nan.csv", "t,x,y\n0,1,2\n0,1.5,2.2\n0,0.2,1\n1,NaN,1\n1,0.7,1.2\n");
  g_autofree char *out = currents_cli_test_write_temp ("out.json", NULL);
  g_autofree char *foreign = currents_cli_test_example ("toggle.ode");
  g_auto (CurrentsCliRun) a = { 0 };
  g_auto (CurrentsCliRun) b = { 0 };
  g_auto (CurrentsCliRun) c = { 0 };
  g_auto (CurrentsCliRun) d = { 0 };
  g_auto (CurrentsCliRun) e = { 0 };
  g_auto (CurrentsCliRun) f = { 0 };
  g_auto (CurrentsCliRun) g = { 0 };

  RUN (&a, "train", "--snapshots", traj, "-o", out, "--quiet");
  expect_error (&a, 1, "names trajectories");
  RUN (&b, "train", "--snapshots", nan, "-o", out, "--quiet");
  expect_error (&b, 1, "not a finite number");
  g_assert_nonnull (strstr (b.err, ":5:"));   /* the line */
  RUN (&c, "train", "--snapshots", "/nonexistent/cells.csv", "-o", out, "--quiet");
  expect_error (&c, 1, "/nonexistent/cells.csv");
  RUN (&d, "train", "--snapshots", traj, "--quiet");
  expect_error (&d, 2, "-o POP.json");
  RUN (&e, "sample", foreign, "--t", "1");
  expect_error (&e, 1, "not a Currents population model");
  RUN (&f, "sample", "/nonexistent/pop.json", "--t", "1");
  expect_error (&f, 1, "cannot read the population model");
  g_assert_nonnull (model_path);
  RUN (&g, "density", model_path, "--t", "1", "--grid", "x=-1:1,q=0:1");
  expect_error (&g, 1, "'q'");
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

int
main (int argc, char **argv)
{
  int status;

  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/population/train", test_train);
  g_test_add_func ("/cli/population/sample", test_sample);
  g_test_add_func ("/cli/population/density", test_density);
  g_test_add_func ("/cli/population/bad-input", test_bad_input);
  status = g_test_run ();
  g_free (model_path);
  g_free (data_path);
  g_free (data_text);
  return status;
}
