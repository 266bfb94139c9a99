/* test-train.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The data-set loss and the trainer: gradients against finite differences, bit-identical
 * results whatever the thread count (also when neural models' trajectories are stacked,
 * whose loss and gradient must also agree with one trajectory at a time and with finite
 * differences), parameter recovery on data made by a known model,
 * a neural ODE that learns, recovery from failed steps, cancellation that keeps the best
 * parameters, and the background (GTask) trainer with its coalesced progress.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"

/* Exact data of x' = −a x, y' = a x − b y (x0, y0 per trajectory) at irregular times. */
static CurrentsDataset *
make_decay_data (double a,
                 double b,
                 gsize  n_traj,
                 gboolean with_missing)
{
  const char *states[] = { "x", "y", NULL };
  const char *none[] = { NULL };
  CurrentsDataset *ds = currents_dataset_new (states, none);

  for (gsize r = 0; r < n_traj; r++)
    {
      double t[9], s[18];
      double x0 = 1.0 + 0.37 * (double) r, y0 = 0.25 * (double) (r % 3);

      for (gsize k = 0; k < 9; k++)
        {
          double tk = 0.45 * (double) k + 0.013 * (double) (k * k) + 0.021 * (double) r;
          double ex = exp (-a * tk), ey = exp (-b * tk);

          t[k] = k == 0 ? 0.0 : tk;
          tk = t[k];
          ex = exp (-a * tk);
          ey = exp (-b * tk);
          s[2 * k] = x0 * ex;
          /* y = y0 e^{-bt} + a x0 (e^{-at} − e^{-bt})/(b − a) */
          s[2 * k + 1] = y0 * ey + a * x0 * (ex - ey) / (b - a);
          if (with_missing && k == 4 + r % 3)
            s[2 * k + (r % 2)] = NAN;
        }
      {
        g_autofree char *id = g_strdup_printf ("%" G_GSIZE_FORMAT, r);
        g_assert_true (currents_dataset_add_trajectory (ds, id, 9, t, s, NULL, NULL));
      }
    }
  return ds;
}

static CurrentsModel *
decay_model (void)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *m = currents_model_new_from_string ("par a=0.8, b=0.3\n"
                                                     "x' = -a*x\n"
                                                     "y' = a*x - b*y\n", "decay.ode", &error);
  g_assert_no_error (error);
  return m;
}

static CurrentsLoss *
make_loss (CurrentsModel         *model,
           const CurrentsDataset *ds,
           CurrentsGradientMethod method,
           guint                  threads,
           gboolean               learn_initial)
{
  g_autoptr(GError) error = NULL;
  CurrentsLossOptions o;
  CurrentsLoss *loss;

  currents_loss_options_init (&o);
  o.adjoint.method = method;
  o.adjoint.rtol = 1e-10;
  o.adjoint.atol = 1e-12;
  o.n_threads = threads;
  o.learn_initial = learn_initial;
  o.weight_decay = 1e-3;
  loss = currents_loss_new (currents_model_get_field (model),
                            currents_model_get_state_names (model), NULL, NULL,
                            currents_model_get_initial (model), ds, &o, &error);
  g_assert_no_error (error);
  return loss;
}

static void
all_indices (gsize *v,
             gsize  n)
{
  for (gsize i = 0; i < n; i++)
    v[i] = i;
}

static void
test_loss_value (void)
{
  /* At the true parameters the residuals are solver error only; the MSE is the mean over
   * observed entries of (x − y)². */
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(CurrentsDataset) ds = make_decay_data (1.7, 0.45, 5, TRUE);
  g_autoptr(CurrentsLoss) loss = make_loss (model, ds, CURRENTS_GRADIENT_DISCRETE, 1, FALSE);
  g_autoptr(GError) error = NULL;
  double theta[2] = { 1.7, 0.45 }, off[2] = { 1.9, 0.45 };
  gsize idx[5];
  CurrentsLossResult r, r2;

  all_indices (idx, 5);
  g_assert_true (currents_loss_eval (loss, theta, idx, 5, NULL, NULL, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.n_observed, ==, 5 * 9 * 2 - 5);
  g_assert_cmpfloat (r.mse, <, 1e-18);
  /* only the weight decay remains: λ‖θ‖² */
  g_assert_cmpfloat_with_epsilon (r.objective, 1e-3 * (1.7 * 1.7 + 0.45 * 0.45), 1e-12);
  g_assert_true (currents_loss_eval (loss, off, idx, 5, NULL, NULL, &r2, NULL, &error));
  g_assert_cmpfloat (r2.mse, >, 1e-4);
}

static void
check_gradient (CurrentsGradientMethod method,
                gboolean               learn_initial)
{
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(CurrentsDataset) ds = make_decay_data (1.7, 0.45, 6, TRUE);
  g_autoptr(CurrentsLoss) loss = make_loss (model, ds, method, 2, learn_initial);
  g_autoptr(GError) error = NULL;
  gsize np = currents_loss_get_n_params (loss);
  g_autofree double *theta = g_new0 (double, np), *g = g_new0 (double, np);
  double num = 0, den = 0;
  gsize idx[6];
  CurrentsLossResult r;
  double p0[2] = { 1.1, 0.62 };

  all_indices (idx, 6);
  currents_loss_init_params (loss, p0, theta);
  if (learn_initial)
    {
      g_assert_cmpuint (np, ==, 2 + 2 * 6);
      g_assert_cmpfloat (theta[2], ==, 1.0);     /* x0 of trajectory 0 */
      for (gsize j = 2; j < np; j++)
        theta[j] += 0.05 * sin ((double) j);
    }
  g_assert_true (currents_loss_eval (loss, theta, idx, 6, NULL, g, &r, NULL, &error));
  g_assert_no_error (error);
  for (gsize j = 0; j < np; j++)
    {
      double h = 1e-6, save = theta[j];
      CurrentsLossResult rp, rm;

      theta[j] = save + h;
      g_assert_true (currents_loss_eval (loss, theta, idx, 6, NULL, NULL, &rp, NULL, NULL));
      theta[j] = save - h;
      g_assert_true (currents_loss_eval (loss, theta, idx, 6, NULL, NULL, &rm, NULL, NULL));
      theta[j] = save;
      {
        double fd = (rp.objective - rm.objective) / (2 * h);
        num += (g[j] - fd) * (g[j] - fd);
        den += fd * fd;
      }
    }
  g_assert_cmpfloat (den, >, 0);
  g_assert_cmpfloat (sqrt (num / den), <=, 1e-6);
}

static void
test_gradient_discrete (void)
{
  check_gradient (CURRENTS_GRADIENT_DISCRETE, FALSE);
}

static void
test_gradient_adjoint (void)
{
  check_gradient (CURRENTS_GRADIENT_ADJOINT, FALSE);
}

static void
test_gradient_learn_initial (void)
{
  check_gradient (CURRENTS_GRADIENT_DISCRETE, TRUE);
}

static void
test_threads_bit_identical (void)
{
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(CurrentsDataset) ds = make_decay_data (1.3, 0.7, 11, TRUE);
  double theta[2] = { 0.9, 0.55 };
  double g1[2], g[2];
  double obj1 = 0;
  gsize idx[11];

  all_indices (idx, 11);
  for (guint threads = 1; threads <= 4; threads++)
    {
      g_autoptr(CurrentsLoss) loss = make_loss (model, ds, CURRENTS_GRADIENT_DISCRETE, threads,
                                                FALSE);
      CurrentsLossResult r;

      g_assert_true (currents_loss_eval (loss, theta, idx, 11, NULL, threads == 1 ? g1 : g, &r,
                                         NULL, NULL));
      if (threads == 1)
        obj1 = r.objective;
      else
        {
          g_assert_true (memcmp (&obj1, &r.objective, sizeof obj1) == 0);
          g_assert_true (memcmp (g1, g, sizeof g) == 0);
        }
    }
}

/* ------------------------------------------------------------------------------------ */
/* Stacked trajectories (neural models)                                                 */

/* Two states and an input s; trajectory r starts at t0 = 0.15·(r mod 3) (so blocks mix
 * start times), s is constant in it except in every fifth trajectory (which must then go
 * one at a time). States: smooth curves, noise-free. */
static CurrentsDataset *
make_neural_data (gsize n_traj)
{
  const char *states[] = { "x", "y", NULL };
  const char *inputs[] = { "s", NULL };
  CurrentsDataset *ds = currents_dataset_new (states, inputs);

  for (gsize r = 0; r < n_traj; r++)
    {
      double t[7], x[14], u[7];
      const double t0 = 0.15 * (double) (r % 3), level = 0.5 + 0.25 * (double) (r % 4);

      for (gsize k = 0; k < 7; k++)
        {
          t[k] = t0 + 0.31 * (double) k + 0.017 * (double) (k * k) + 0.011 * (double) r;
          if (k == 0)
            t[k] = t0;
          x[2 * k] = 1.0 + 0.4 * sin (0.7 * t[k] + 0.3 * (double) r);
          x[2 * k + 1] = 0.8 + 0.3 * cos (1.1 * t[k] - 0.2 * (double) r) + 0.1 * level;
          u[k] = r % 5 == 4 ? level + 0.1 * (double) k : level;
        }
      if (r == 2)
        x[2 * 3 + 1] = NAN;
      {
        g_autofree char *id = g_strdup_printf ("n%" G_GSIZE_FORMAT, r);
        g_assert_true (currents_dataset_add_trajectory (ds, id, 7, t, x, u, NULL));
      }
    }
  return ds;
}

static CurrentsNeuralModel *
small_network (const CurrentsDataset *ds,
               gsize                  width)
{
  g_autoptr(GError) error = NULL;
  CurrentsNeuralSpec spec;
  CurrentsNeuralModel *nn;

  currents_neural_spec_init (&spec);
  spec.hidden[0] = width;
  spec.hidden[1] = width - 1;
  spec.seed = 7;
  nn = currents_neural_model_new (ds, &spec, &error);
  g_assert_no_error (error);
  return nn;
}

static CurrentsLoss *
make_neural_loss (CurrentsNeuralModel   *nn,
                  const CurrentsDataset *ds,
                  guint                  threads,
                  gboolean               learn_initial,
                  gboolean               unstacked,
                  double                 rtol)
{
  g_autoptr(GError) error = NULL;
  CurrentsLossOptions o;
  CurrentsLoss *loss;

  currents_loss_options_init (&o);
  o.adjoint.rtol = rtol;
  o.adjoint.atol = rtol * 1e-2;
  o.n_threads = threads;
  o.learn_initial = learn_initial;
  o.unstacked = unstacked;
  o.weight_decay = 1e-4;
  loss = currents_loss_new (currents_neural_model_get_field (nn),
                            currents_neural_model_get_state_names (nn),
                            currents_neural_model_get_input_names (nn), NULL, NULL, ds, &o,
                            &error);
  g_assert_no_error (error);
  return loss;
}

/* θ: the network's initial weights, scaled up so the field is far from linear. */
static void
neural_theta (CurrentsLoss        *loss,
              CurrentsNeuralModel *nn,
              double              *theta)
{
  gsize k = currents_neural_model_get_n_params (nn);
  g_autofree double *p = g_new (double, k);

  for (gsize j = 0; j < k; j++)
    p[j] = 1.5 * currents_neural_model_get_initial_params (nn)[j];
  currents_loss_init_params (loss, p, theta);
}

static void
test_stacked_threads_bit_identical (void)
{
  /* 19 trajectories: blocks of 8, 8 and 3, each with stacked and single trajectories */
  g_autoptr(CurrentsDataset) ds = make_neural_data (19);
  g_autoptr(CurrentsNeuralModel) nn = small_network (ds, 10);
  g_autofree double *theta = NULL, *g1 = NULL, *g = NULL;
  double obj1 = 0.0;
  gsize np = 0, idx[19];

  all_indices (idx, 19);
  for (guint threads = 1; threads <= 4; threads++)
    {
      g_autoptr(CurrentsLoss) loss = make_neural_loss (nn, ds, threads, TRUE, FALSE, 1e-7);
      CurrentsLossResult r;
      GError *error = NULL;

      if (threads == 1)
        {
          np = currents_loss_get_n_params (loss);
          theta = g_new (double, np);
          g1 = g_new (double, np);
          g = g_new (double, np);
          neural_theta (loss, nn, theta);
        }
      g_assert_true (currents_loss_eval (loss, theta, idx, 19, NULL, threads == 1 ? g1 : g, &r,
                                         NULL, &error));
      g_assert_no_error (error);
      /* every trajectory but the four with varying inputs went in a stacked block */
      g_assert_cmpuint (r.n_stacked, ==, 19 - 3);
      if (threads == 1)
        obj1 = r.objective;
      else
        {
          g_assert_true (memcmp (&obj1, &r.objective, sizeof obj1) == 0);
          g_assert_cmpmem (g1, np * sizeof (double), g, np * sizeof (double));
        }
    }
}

static void
test_stacked_agrees (void)
{
  /* stacked blocks and one trajectory at a time: the same loss and gradient to about the
   * solver's tolerance (their steps differ) */
  g_autoptr(CurrentsDataset) ds = make_neural_data (11);
  g_autoptr(CurrentsNeuralModel) nn = small_network (ds, 12);
  g_autoptr(CurrentsLoss) stacked = make_neural_loss (nn, ds, 2, TRUE, FALSE, 1e-9);
  g_autoptr(CurrentsLoss) single = make_neural_loss (nn, ds, 2, TRUE, TRUE, 1e-9);
  gsize np = currents_loss_get_n_params (stacked), idx[11];
  g_autofree double *theta = g_new (double, np), *ga = g_new (double, np);
  g_autofree double *gb = g_new (double, np);
  CurrentsLossResult ra, rb;
  double num = 0.0, den = 0.0;
  GError *error = NULL;

  all_indices (idx, 11);
  neural_theta (stacked, nn, theta);
  g_assert_true (currents_loss_eval (stacked, theta, idx, 11, NULL, ga, &ra, NULL, &error));
  g_assert_true (currents_loss_eval (single, theta, idx, 11, NULL, gb, &rb, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ra.n_stacked, ==, 9);
  g_assert_cmpuint (rb.n_stacked, ==, 0);
  g_assert_cmpuint (ra.n_observed, ==, rb.n_observed);
  for (gsize j = 0; j < np; j++)
    {
      num += (ga[j] - gb[j]) * (ga[j] - gb[j]);
      den += gb[j] * gb[j];
    }
  g_test_message ("objective %.12g vs %.12g, gradients %.2e apart (relative)", ra.objective,
                  rb.objective, sqrt (num / den));
  g_assert_cmpfloat (fabs (ra.objective - rb.objective), <=, 1e-7 * rb.objective);
  g_assert_cmpfloat (fabs (ra.mse - rb.mse), <=, 1e-7 * rb.mse);
  g_assert_cmpfloat (sqrt (num / den), <=, 1e-6);
  /* the loss alone goes the same way as with the gradient, bit for bit */
  g_assert_true (currents_loss_eval (stacked, theta, idx, 11, NULL, NULL, &rb, NULL, &error));
  g_assert_true (memcmp (&ra.objective, &rb.objective, sizeof ra.objective) == 0);
}

static void
test_stacked_gradient (void)
{
  /* the stacked gradient (θ and the initial states) against central differences */
  g_autoptr(CurrentsDataset) ds = make_neural_data (6);
  g_autoptr(CurrentsNeuralModel) nn = small_network (ds, 6);
  g_autoptr(CurrentsLoss) loss = make_neural_loss (nn, ds, 2, TRUE, FALSE, 1e-11);
  gsize np = currents_loss_get_n_params (loss), idx[6];
  g_autofree double *theta = g_new (double, np), *g = g_new (double, np);
  CurrentsLossResult r;
  double num = 0.0, den = 0.0;
  GError *error = NULL;

  all_indices (idx, 6);
  neural_theta (loss, nn, theta);
  g_assert_true (currents_loss_eval (loss, theta, idx, 6, NULL, g, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.n_stacked, ==, 5);
  for (gsize j = 0; j < np; j++)
    {
      double h = 1e-6 * MAX (1.0, fabs (theta[j])), save = theta[j], fd;
      CurrentsLossResult rp, rm;

      theta[j] = save + h;
      g_assert_true (currents_loss_eval (loss, theta, idx, 6, NULL, NULL, &rp, NULL, NULL));
      theta[j] = save - h;
      g_assert_true (currents_loss_eval (loss, theta, idx, 6, NULL, NULL, &rm, NULL, NULL));
      theta[j] = save;
      fd = (rp.objective - rm.objective) / (2 * h);
      num += (g[j] - fd) * (g[j] - fd);
      den += fd * fd;
    }
  g_test_message ("|g - fd|/|fd| = %.2e over %" G_GSIZE_FORMAT " parameters", sqrt (num / den),
                  np);
  g_assert_cmpfloat (den, >, 0.0);
  g_assert_cmpfloat (sqrt (num / den), <=, 1e-6);
}

static void
test_stacked_failure (void)
{
  /* a stacked block that fails is run one trajectory at a time, so the message names
   * the trajectory */
  g_autoptr(CurrentsDataset) ds = make_neural_data (4);
  g_autoptr(CurrentsNeuralModel) nn = small_network (ds, 6);
  g_autoptr(GError) error = NULL;
  CurrentsLossOptions o;
  g_autoptr(CurrentsLoss) loss = NULL;
  gsize np, idx[4];
  g_autofree double *theta = NULL;
  CurrentsLossResult r;

  currents_loss_options_init (&o);
  o.adjoint.max_steps = 2;
  loss = currents_loss_new (currents_neural_model_get_field (nn),
                            currents_neural_model_get_state_names (nn),
                            currents_neural_model_get_input_names (nn), NULL, NULL, ds, &o,
                            &error);
  g_assert_no_error (error);
  np = currents_loss_get_n_params (loss);
  theta = g_new (double, np);
  neural_theta (loss, nn, theta);
  all_indices (idx, 4);
  g_assert_false (currents_loss_eval (loss, theta, idx, 4, NULL, NULL, &r, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MAX_STEPS);
  g_assert_true (g_str_has_prefix (error->message, "trajectory 'n0': "));
}

static void
test_bad_input (void)
{
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
  CurrentsLossOptions o;
  const char *xy[] = { "x", "y", NULL }, *xq[] = { "x", "q", NULL }, *none[] = { NULL };
  const char *u[] = { "u", NULL };
  g_autoptr(CurrentsDataset) one = currents_dataset_new (xy, none);
  g_autoptr(CurrentsDataset) other = currents_dataset_new (xq, none);
  g_autoptr(CurrentsDataset) with_u = currents_dataset_new (xy, u);
  double t1[1] = { 0 }, s1[2] = { 1, 2 }, t2[2] = { 0, 1 }, s2[4] = { 1, 2, 3, 4 }, u2[2] = { 1, 1 };
  CurrentsLoss *loss;

  currents_loss_options_init (&o);
  g_assert_true (currents_dataset_add_trajectory (one, "lonely", 1, t1, s1, NULL, NULL));
  loss = currents_loss_new (currents_model_get_field (model),
                            currents_model_get_state_names (model), NULL, NULL, NULL, one, &o,
                            &e1);
  g_assert_null (loss);
  g_assert_error (e1, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (e1->message, "'lonely' has 1 sample"));

  g_assert_true (currents_dataset_add_trajectory (other, "0", 2, t2, s2, NULL, NULL));
  loss = currents_loss_new (currents_model_get_field (model),
                            currents_model_get_state_names (model), NULL, NULL, NULL, other, &o,
                            &e2);
  g_assert_null (loss);
  g_assert_nonnull (strstr (e2->message, "'q' is not a state of the model"));

  g_assert_true (currents_dataset_add_trajectory (with_u, "0", 2, t2, s2, u2, NULL));
  loss = currents_loss_new (currents_model_get_field (model),
                            currents_model_get_state_names (model), NULL, NULL, NULL, with_u, &o,
                            &e3);
  g_assert_null (loss);
  g_assert_nonnull (strstr (e3->message, "input column 'u' is not an input of the model"));
}

static CurrentsTrainer *
decay_trainer (CurrentsModel         *model,
               const CurrentsDataset *ds,
               guint                  epochs,
               gboolean               polish,
               double                 a0)
{
  g_autoptr(GError) error = NULL;
  CurrentsTrainOptions o;
  CurrentsLoss *loss;
  CurrentsTrainer *t;
  double theta[2] = { a0, 0.3 };

  currents_train_options_init (&o);
  o.epochs = epochs;
  o.lr = 0.05;
  o.val_fraction = 0.25;
  o.seed = 11;
  o.polish = polish;
  o.polish_iterations = 100;
  o.loss.adjoint.rtol = 1e-9;
  o.loss.adjoint.atol = 1e-11;
  loss = currents_loss_new (currents_model_get_field (model),
                            currents_model_get_state_names (model), NULL, NULL, NULL, ds,
                            &o.loss, &error);
  g_assert_no_error (error);
  t = currents_trainer_new (loss, theta, NULL, &o, &error);
  g_assert_no_error (error);
  return t;
}

static void
test_recover_parameters (void)
{
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(CurrentsDataset) ds = make_decay_data (1.7, 0.45, 8, FALSE);
  g_autoptr(CurrentsTrainer) t = decay_trainer (model, ds, 150, TRUE, 0.5);
  g_autoptr(GError) error = NULL;
  CurrentsTrainProgress p;
  guint iterations = 0;
  double first_val = NAN, train_mse, val_mse;
  gsize n_val, n_train;

  currents_trainer_get_val_set (t, &n_val);
  currents_trainer_get_train_set (t, &n_train);
  g_assert_cmpuint (n_val, ==, 2);
  g_assert_cmpuint (n_train, ==, 6);
  while (!currents_trainer_test (t))
    {
      g_assert_true (currents_trainer_iterate (t, &p, NULL, &error));
      g_assert_no_error (error);
      if (iterations++ == 0)
        first_val = p.val_loss;
      g_assert_cmpuint (iterations, <, 1000);
    }
  /* Adam brings a and b close; BFGS polishes them to the data's exact values. */
  g_assert_cmpfloat_with_epsilon (currents_trainer_get_best_params (t)[0], 1.7, 1e-5);
  g_assert_cmpfloat_with_epsilon (currents_trainer_get_best_params (t)[1], 0.45, 1e-5);
  g_assert_true (currents_trainer_evaluate_best (t, &train_mse, &val_mse, NULL, &error));
  g_assert_cmpfloat (val_mse, <, 1e-8 * first_val);
}

static void
test_neural_learns (void)
{
  /* A small neural ODE on exact data of the decay chain: validation MSE drops by 10×. */
  g_autoptr(CurrentsDataset) ds = make_decay_data (1.2, 0.5, 10, FALSE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsNeuralModel) nn = NULL;
  g_autoptr(CurrentsTrainer) t = NULL;
  CurrentsNeuralSpec spec;
  CurrentsTrainOptions o;
  CurrentsLoss *loss;
  CurrentsTrainProgress p;
  double first = NAN, last = NAN;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 16;
  spec.seed = 3;
  nn = currents_neural_model_new (ds, &spec, &error);
  g_assert_no_error (error);
  currents_train_options_init (&o);
  o.epochs = 120;
  o.lr = 0.02;
  o.seed = 5;
  loss = currents_loss_new (currents_neural_model_get_field (nn),
                            currents_neural_model_get_state_names (nn), NULL, NULL, NULL, ds,
                            &o.loss, &error);
  g_assert_no_error (error);
  t = currents_trainer_new (loss, currents_neural_model_get_initial_params (nn), NULL, &o,
                            &error);
  g_assert_no_error (error);
  while (!currents_trainer_test (t))
    {
      g_assert_true (currents_trainer_iterate (t, &p, NULL, &error));
      if (p.epoch == 1)
        first = p.val_loss;
      last = p.best_loss;
      g_assert_cmpuint (p.nfe_forward, >, 0);
      g_assert_cmpuint (p.nfe_backward, >, 0);
    }
  g_assert_cmpfloat (last, <, 0.1 * first);
}

static void
test_failure_recovery (void)
{
  /* x' = a x blows up for large a: starting the learning rate far too high makes steps
   * fail; training must restore the best parameters and halve the rate, then go on. */
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model =
    currents_model_new_from_string ("par a=-0.5\nx' = a*x*x*x\n", "cubic.ode", &error);
  const char *states[] = { "x", NULL }, *none[] = { NULL };
  g_autoptr(CurrentsDataset) ds = currents_dataset_new (states, none);
  CurrentsTrainOptions o;
  CurrentsLoss *loss;
  g_autoptr(CurrentsTrainer) t = NULL;
  CurrentsTrainProgress p;
  double theta[1] = { -0.5 };
  gboolean saw_note = FALSE;

  for (int r = 0; r < 4; r++)
    {
      double tt[5] = { 0, 0.5, 1, 1.5, 2 }, x[5];
      double x0 = 1.0 + 0.2 * r;
      for (int k = 0; k < 5; k++)
        x[k] = x0 / sqrt (1.0 + 2 * 0.5 * x0 * x0 * tt[k]);   /* a = −0.5 */
      g_autofree char *id = g_strdup_printf ("%d", r);
      g_assert_true (currents_dataset_add_trajectory (ds, id, 5, tt, x, NULL, NULL));
    }
  currents_train_options_init (&o);
  o.epochs = 30;
  o.lr = 50.0;           /* one step sends a to a large positive value: blow-up */
  o.val_fraction = 0.0;
  o.schedule = CURRENTS_LR_CONSTANT;
  o.max_failures = 50;
  o.loss.adjoint.max_steps = 2000;
  loss = currents_loss_new (currents_model_get_field (model),
                            currents_model_get_state_names (model), NULL, NULL, NULL, ds,
                            &o.loss, &error);
  g_assert_no_error (error);
  t = currents_trainer_new (loss, theta, NULL, &o, &error);
  while (!currents_trainer_test (t))
    {
      g_assert_true (currents_trainer_iterate (t, &p, NULL, &error));
      g_assert_no_error (error);
      if (p.note != NULL && strstr (p.note, "halved the learning rate") != NULL)
        saw_note = TRUE;
      g_assert_true (isfinite (currents_trainer_get_best_params (t)[0]));
    }
  g_assert_true (saw_note);
  g_assert_cmpfloat (currents_trainer_get_best_params (t)[0], <, 0.0);
}

typedef struct
{
  GCancellable *cancellable;
  guint         delay_ms;
} CancelLater;

static gpointer
cancel_later (gpointer data)
{
  CancelLater *c = data;

  g_usleep (c->delay_ms * 1000);
  g_cancellable_cancel (c->cancellable);
  return NULL;
}

static void
test_cancel_keeps_best (void)
{
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(CurrentsDataset) ds = make_decay_data (1.7, 0.45, 8, FALSE);
  g_autoptr(CurrentsTrainer) t = decay_trainer (model, ds, 100000, FALSE, 0.5);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  CancelLater c = { cancellable, 300 };
  GThread *th;
  CurrentsTrainProgress p;
  gint64 t_cancel = 0, t_stop;
  double best_before[2] = { NAN, NAN };
  gboolean ok = TRUE;

  th = g_thread_new ("cancel", cancel_later, &c);
  while (ok)
    {
      memcpy (best_before, currents_trainer_get_best_params (t), sizeof best_before);
      ok = currents_trainer_iterate (t, &p, cancellable, &error);
      if (g_cancellable_is_cancelled (cancellable) && t_cancel == 0)
        t_cancel = g_get_monotonic_time ();
    }
  t_stop = g_get_monotonic_time ();
  g_thread_join (th);
  g_assert_true (error->domain == CURRENTS_ENGINE_ERROR || error->domain == G_IO_ERROR);
  /* generous bound: a cancelled solve stops within its next few steps */
  g_assert_cmpint (t_stop - t_cancel, <, 2 * G_USEC_PER_SEC);
  g_assert_cmpuint (currents_trainer_get_best_epoch (t), >, 0);
  g_assert_true (memcmp (best_before, currents_trainer_get_best_params (t),
                         sizeof best_before) == 0);
  g_assert_false (currents_trainer_test (t));
}

typedef struct
{
  GMainLoop       *loop;
  GCancellable    *cancellable;
  CurrentsTrainer *trainer;
  guint            n_progress;
  guint            last_epoch;
  gboolean         ok;
  GError          *error;
  gboolean         in_main_thread;
  GThread         *main_thread;
} AsyncRun;

static void
on_progress (const CurrentsTrainProgress *p,
             gpointer                     data)
{
  AsyncRun *r = data;

  r->n_progress++;
  g_assert_true (g_thread_self () == r->main_thread);
  g_assert_cmpuint (p->epoch, >=, r->last_epoch);
  r->last_epoch = p->epoch;
  if (p->epoch >= 20)
    g_cancellable_cancel (r->cancellable);
}

static void
on_done (GObject      *source,
         GAsyncResult *result,
         gpointer      data)
{
  AsyncRun *r = data;

  r->ok = currents_trainer_train_finish (r->trainer, result, &r->error);
  g_main_loop_quit (r->loop);
}

static void
test_async_cancel (void)
{
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(CurrentsDataset) ds = make_decay_data (1.7, 0.45, 8, FALSE);
  g_autoptr(CurrentsTrainer) t = decay_trainer (model, ds, 100000, FALSE, 0.5);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  AsyncRun r = { loop, cancellable, t, 0, 0, FALSE, NULL, FALSE, g_thread_self () };

  currents_trainer_train_async (t, cancellable, on_progress, &r, NULL, on_done, &r);
  g_main_loop_run (loop);
  g_assert_false (r.ok);
  g_assert_nonnull (r.error);
  g_assert_true (g_error_matches (r.error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED) ||
                 g_error_matches (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED));
  g_assert_cmpuint (r.n_progress, >, 0);
  g_assert_cmpuint (r.last_epoch, >=, 20);
  g_assert_cmpuint (currents_trainer_get_best_epoch (t), >, 0);
  /* the best parameters moved from the start toward the truth */
  g_assert_cmpfloat (fabs (currents_trainer_get_best_params (t)[0] - 1.7), <, 1.2 - 1e-3);
  g_clear_error (&r.error);
}

static void
test_async_finishes (void)
{
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(CurrentsDataset) ds = make_decay_data (1.7, 0.45, 8, FALSE);
  g_autoptr(CurrentsTrainer) t = decay_trainer (model, ds, 15, FALSE, 0.5);
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  AsyncRun r = { loop, cancellable, t, 0, 0, FALSE, NULL, FALSE, g_thread_self () };
  const double *ht, *hv;

  currents_trainer_train_async (t, NULL, on_progress, &r, NULL, on_done, &r);
  g_main_loop_run (loop);
  g_assert_no_error (r.error);
  g_assert_true (r.ok);
  g_assert_true (currents_trainer_test (t));
  g_assert_cmpuint (currents_trainer_get_history (t, &ht, &hv), ==, 15);
  g_assert_true (isfinite (ht[14]) && isfinite (hv[14]));
}


/* With learned initial states, the validation trajectories' initial states are estimated
 * from their own data while θ never sees validation data: changing the validation data
 * leaves the θ path bit for bit the same, and a noisy first sample is corrected. */
static gsize val_a[64];
static gsize n_val_a;

static void
test_validation_initial_states (void)
{
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(CurrentsDataset) a = make_decay_data (1.7, 0.45, 8, FALSE);
  g_autoptr(CurrentsDataset) b = NULL;
  double theta_a[2], theta_b[2];
  gsize k = 2;
  gssize x0_index = -1;
  double x0_true = NAN, x0_noisy = NAN, x0_learned = NAN;

  for (int run = 0; run < 2; run++)
    {
      const CurrentsDataset *ds;
      g_autoptr(GError) error = NULL;
      g_autoptr(CurrentsTrainer) t = NULL;
      CurrentsTrainOptions o;
      CurrentsLoss *loss;
      CurrentsTrainProgress p;
      g_autofree double *theta0 = NULL;
      const gsize *val;
      gsize n_val;
      double p0[2] = { 1.2, 0.3 };

      if (run == 1)
        {
          /* the same data but for the validation trajectories, whose first sample of x
           * is off by 0.2 (and so every later one stays exact) */
          const char *states[] = { "x", "y", NULL }, *none[] = { NULL };
          b = currents_dataset_new (states, none);
          for (gsize r = 0; r < currents_dataset_get_n_trajectories (a); r++)
            {
              const CurrentsTrajectory *tr = currents_dataset_get_trajectory (a, r);
              gsize ns = currents_trajectory_get_n_samples (tr);
              g_autofree double *s = g_memdup2 (currents_trajectory_get_states (tr),
                                                ns * 2 * sizeof (double));
              gboolean is_val = FALSE;

              for (gsize v = 0; v < n_val_a; v++)
                is_val |= val_a[v] == r;
              if (is_val)
                s[0] += 0.2;
              g_assert_true (currents_dataset_add_trajectory (b, currents_trajectory_get_id (tr),
                                                              ns, currents_trajectory_get_times (tr),
                                                              s, NULL, NULL));
            }
        }
      ds = run == 0 ? a : b;
      currents_train_options_init (&o);
      o.epochs = 300;
      o.lr = 0.02;
      o.val_fraction = 0.25;
      o.seed = 11;
      o.schedule = CURRENTS_LR_CONSTANT;
      o.loss.learn_initial = TRUE;
      o.loss.adjoint.rtol = 1e-9;
      o.loss.adjoint.atol = 1e-11;
      loss = currents_loss_new (currents_model_get_field (model),
                                currents_model_get_state_names (model), NULL, NULL, NULL, ds,
                                &o.loss, &error);
      g_assert_no_error (error);
      theta0 = g_new0 (double, currents_loss_get_n_params (loss));
      currents_loss_init_params (loss, p0, theta0);
      t = currents_trainer_new (loss, theta0, NULL, &o, &error);
      g_assert_no_error (error);
      val = currents_trainer_get_val_set (t, &n_val);
      if (run == 0)
        {
          n_val_a = n_val;
          memcpy (val_a, val, n_val * sizeof (gsize));
        }
      else
        {
          x0_index = currents_loss_get_initial_index (currents_trainer_get_loss (t), val[0]);
          x0_true = currents_trajectory_get_states (currents_dataset_get_trajectory (a, val[0]))[0];
          x0_noisy = theta0[x0_index];
        }
      while (!currents_trainer_test (t))
        g_assert_true (currents_trainer_iterate (t, &p, NULL, &error));
      memcpy (run == 0 ? theta_a : theta_b, currents_trainer_get_params (t), k * sizeof (double));
      if (run == 1)
        x0_learned = currents_trainer_get_params (t)[x0_index];
    }
  g_assert_true (memcmp (theta_a, theta_b, sizeof theta_a) == 0);
  g_assert_cmpfloat (fabs (x0_noisy - x0_true), >, 0.19);
  g_assert_cmpfloat (fabs (x0_learned - x0_true), <, 0.5 * fabs (x0_noisy - x0_true));
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/loss/value", test_loss_value);
  g_test_add_func ("/engine/loss/gradient-discrete", test_gradient_discrete);
  g_test_add_func ("/engine/loss/gradient-adjoint", test_gradient_adjoint);
  g_test_add_func ("/engine/loss/gradient-learn-initial", test_gradient_learn_initial);
  g_test_add_func ("/engine/loss/threads-bit-identical", test_threads_bit_identical);
  g_test_add_func ("/engine/loss/bad-input", test_bad_input);
  g_test_add_func ("/engine/loss/stacked/threads-bit-identical",
                   test_stacked_threads_bit_identical);
  g_test_add_func ("/engine/loss/stacked/agrees", test_stacked_agrees);
  g_test_add_func ("/engine/loss/stacked/gradient", test_stacked_gradient);
  g_test_add_func ("/engine/loss/stacked/failure", test_stacked_failure);
  g_test_add_func ("/engine/train/recover-parameters", test_recover_parameters);
  g_test_add_func ("/engine/train/neural-learns", test_neural_learns);
  g_test_add_func ("/engine/train/failure-recovery", test_failure_recovery);
  g_test_add_func ("/engine/train/cancel-keeps-best", test_cancel_keeps_best);
  g_test_add_func ("/engine/train/async-cancel", test_async_cancel);
  g_test_add_func ("/engine/train/async-finishes", test_async_finishes);
  g_test_add_func ("/engine/train/validation-initial-states", test_validation_initial_states);
  return g_test_run ();
}
