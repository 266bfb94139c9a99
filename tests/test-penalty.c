/* test-penalty.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Conservation penalties: a quantity q(x) of the states compiled exactly (value, gradient,
 * Hessian times a vector against the analytic ones); names that are not states refused
 * with their column; the penalty λ·mean((∇q·f)²) against a direct computation over the
 * collocation points; exactly 0 for a model that conserves q by construction; its
 * gradient (through the adjoint, at the predicted states too) against central
 * differences, for an equation model and for a stacked neural field with learned initial
 * states; and the demonstration on the enzyme: a small Neural ODE trained with the penalty
 * on E + C conserves it far better than one trained without, at a similar data fit.
 * Built with PENALTY_BENCH and PENALTY_EPOCHS (bench-penalty), it runs the demonstration
 * alone, trained longer.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"

static const char *const xy_names[] = { "x", "y", NULL };
static const char *const enzyme_names[] = { "S", "E", "C", "P", NULL };

static void
all_indices (gsize *v,
             gsize  n)
{
  for (gsize i = 0; i < n; i++)
    v[i] = i;
}

/* ------------------------------------------------------------------------------------ */

static void
test_quantity (void)
{
  /* q = S·E + C² − 0.5·sin(P): ∇q = (E, S, 2C, −0.5 cos P),
   * H v = (v_E, v_S, 2 v_C, 0.5 sin(P) v_P) */
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsConservedQuantity) q = currents_conserved_quantity_new ("S*E + C^2 - 0.5*sin(P)",
                                                                 enzyme_names, &error);
  g_autoptr(CurrentsConservedQuantityWorkspace) ws = NULL;
  const double x[4] = { 2.385, 0.731, 0.412, 1.17 }, v[4] = { -0.3, 1.25, 0.77, -2.1 };
  double grad[4], hv[4], rate;
  const double g_true[4] = { x[1], x[0], 2 * x[2], -0.5 * cos (x[3]) };
  const double hv_true[4] = { v[1], v[0], 2 * v[2], 0.5 * sin (x[3]) * v[3] };
  double rate_true = 0.0;

  g_assert_no_error (error);
  g_assert_cmpstr (currents_conserved_quantity_get_expression (q), ==, "S*E + C^2 - 0.5*sin(P)");
  g_assert_cmpuint (currents_conserved_quantity_get_n_states (q), ==, 4);
  ws = currents_conserved_quantity_workspace_new (q);
  g_assert_cmpfloat_with_epsilon (currents_conserved_quantity_eval (ws, x),
                                  x[0] * x[1] + x[2] * x[2] - 0.5 * sin (x[3]), 1e-15);
  rate = currents_conserved_quantity_rate (ws, x, v, grad, hv);
  for (gsize i = 0; i < 4; i++)
    {
      rate_true += g_true[i] * v[i];
      g_assert_cmpfloat_with_epsilon (grad[i], g_true[i], 1e-15);
      g_assert_cmpfloat_with_epsilon (hv[i], hv_true[i], 1e-15);
    }
  g_assert_cmpfloat_with_epsilon (rate, rate_true, 1e-14);
  g_assert_cmpfloat_with_epsilon (currents_conserved_quantity_rate (ws, x, v, NULL, NULL), rate_true,
                                  1e-14);

  /* names are case-insensitive, numbers with exponents and functions are not names */
  {
    g_autoptr(CurrentsConservedQuantity) q2 = currents_conserved_quantity_new ("e + c + 1.5e-3*exp(s)",
                                                                    enzyme_names, &error);
    g_autoptr(CurrentsConservedQuantityWorkspace) ws2 = NULL;

    g_assert_no_error (error);
    ws2 = currents_conserved_quantity_workspace_new (q2);
    g_assert_cmpfloat_with_epsilon (currents_conserved_quantity_eval (ws2, x),
                                    x[1] + x[2] + 1.5e-3 * exp (x[0]), 1e-14);
  }
}

static void
test_refused (void)
{
  g_autoptr(GError) error = NULL;
  CurrentsConservedQuantity *q;

  /* a name that is not a state: named, with its column and the states there are */
  q = currents_conserved_quantity_new ("E + ES", enzyme_names, &error);
  g_assert_null (q);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "'ES' is not a state"));
  g_assert_nonnull (strstr (error->message, "column 5"));
  g_assert_nonnull (strstr (error->message, "S, E, C, P"));
  g_clear_error (&error);

  /* the time is not a state either */
  q = currents_conserved_quantity_new ("x + t", xy_names, &error);
  g_assert_null (q);
  g_assert_nonnull (strstr (error->message, "'t' is not a state"));
  g_assert_nonnull (strstr (error->message, "column 5"));
  g_clear_error (&error);

  /* a syntax error: its column in the expression, not in the model made of it */
  q = currents_conserved_quantity_new ("x + * y", xy_names, &error);
  g_assert_null (q);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "the conserved quantity 'x + * y', column 5"));
  g_clear_error (&error);

  q = currents_conserved_quantity_new ("  ", xy_names, &error);
  g_assert_null (q);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  q = currents_conserved_quantity_new ("x\ny' = 3", xy_names, &error);
  g_assert_null (q);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
}

/* ------------------------------------------------------------------------------------ */
/* x' = −a x, y' = a x − b y: x + y decays at the rate −b y, so its penalty is λ·mean((b y)²) */

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

/* Exact data of the decay model with parameters a, b; one value missing in some. */
static CurrentsDataset *
make_decay_data (double   a,
                 double   b,
                 gsize    n_traj,
                 gboolean with_missing)
{
  const char *none[] = { NULL };
  CurrentsDataset *ds = currents_dataset_new (xy_names, none);

  for (gsize r = 0; r < n_traj; r++)
    {
      double t[9], s[18];
      double x0 = 1.0 + 0.37 * (double) r, y0 = 0.25 * (double) (r % 3);

      for (gsize k = 0; k < 9; k++)
        {
          double tk = k == 0 ? 0.0 : 0.45 * (double) k + 0.013 * (double) (k * k);
          double ex = exp (-a * tk), ey = exp (-b * tk);

          t[k] = tk;
          s[2 * k] = x0 * ex;
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

static CurrentsLoss *
make_model_loss (CurrentsModel         *model,
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
  loss = currents_loss_new (currents_model_get_field (model),
                            currents_model_get_state_names (model), NULL, NULL,
                            currents_model_get_initial (model), ds, &o, &error);
  g_assert_no_error (error);
  return loss;
}

static void
test_value (void)
{
  /* the penalty is λ/N_c Σ (b y)² over the data's complete samples and the predicted
   * states at every sample time */
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(CurrentsDataset) ds = make_decay_data (0.8, 0.3, 5, TRUE);
  g_autoptr(CurrentsLoss) loss = make_model_loss (model, ds, CURRENTS_GRADIENT_DISCRETE, 2,
                                                  FALSE);
  g_autoptr(GError) error = NULL;
  const double theta[2] = { 0.93, 0.41 }, lambda = 2.385;
  double sum = 0.0, w;
  gsize idx[5], n_c = 0;
  CurrentsLossResult r0, r1;

  all_indices (idx, 5);
  g_assert_true (currents_loss_eval (loss, theta, idx, 5, NULL, NULL, &r0, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (r0.penalty, ==, 0.0);
  g_assert_true (currents_loss_add_conservation (loss, "x + y", lambda, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (currents_loss_get_n_conservations (loss), ==, 1);
  g_assert_cmpstr (currents_loss_get_conservation (loss, 0, &w), ==, "x + y");
  g_assert_cmpfloat (w, ==, lambda);
  g_assert_true (currents_loss_eval (loss, theta, idx, 5, NULL, NULL, &r1, NULL, &error));
  g_assert_no_error (error);

  for (gsize r = 0; r < 5; r++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, r);
      const double *y = currents_trajectory_get_states (tr);
      double pred[18];

      g_assert_true (currents_loss_predict (loss, theta, r, pred, &error));
      for (gsize k = 0; k < 9; k++)
        {
          double bp = theta[1] * pred[2 * k + 1];

          sum += bp * bp;
          n_c++;
          if (!isnan (y[2 * k]) && !isnan (y[2 * k + 1]))
            {
              double bd = theta[1] * y[2 * k + 1];

              sum += bd * bd;
              n_c++;
            }
        }
    }
  g_assert_cmpuint (n_c, ==, 5 * 9 + 5 * 9 - 5);
  g_test_message ("penalty %.15g, direct %.15g", r1.penalty, lambda * sum / (double) n_c);
  g_assert_cmpfloat (fabs (r1.penalty - lambda * sum / (double) n_c), <=, 1e-12 * r1.penalty);
  g_assert_cmpfloat (fabs (r1.objective - r0.objective - r1.penalty), <=, 1e-12 * r1.objective);
  g_assert_cmpfloat (r1.mse, ==, r0.mse);

  /* a second quantity adds its own term */
  {
    CurrentsLossResult r2;

    g_assert_true (currents_loss_add_conservation (loss, "x", 0.5, &error));
    g_assert_true (currents_loss_eval (loss, theta, idx, 5, NULL, NULL, &r2, NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (r2.penalty, >, r1.penalty * 1.01);
  }

  /* refusals by the loss: an unknown state, a negative weight */
  g_assert_false (currents_loss_add_conservation (loss, "x + z", 1.0, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'z' is not a state"));
  g_assert_nonnull (strstr (error->message, "column 5"));
  g_clear_error (&error);
  g_assert_false (currents_loss_add_conservation (loss, "x + y", -1.0, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (currents_loss_get_n_conservations (loss), ==, 2);
}

/* ------------------------------------------------------------------------------------ */
/* Enzyme data made with the engine: the mass-action model from a few initial states */

static CurrentsModel *
load_enzyme (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples",
                                            "enzyme.ode", NULL);
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_file (path, &error);

  g_assert_no_error (error);
  return model;
}

static CurrentsDataset *
make_enzyme_data (CurrentsModel *model,
                  gsize          n_traj,
                  gsize          n_samples,
                  double         t_end)
{
  const char *none[] = { NULL };
  CurrentsDataset *ds = currents_dataset_new (enzyme_names, none);
  CurrentsSimOptions so;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autofree double *t = g_new (double, n_samples), *x = g_new (double, n_samples * 4);
  g_autoptr(GError) error = NULL;

  currents_sim_options_init (&so);
  so.rtol = 1e-10;
  so.atol = 1e-12;
  sim = currents_simulator_new (currents_model_get_field (model), &so);
  /* denser early, where the complex forms fast */
  for (gsize k = 0; k < n_samples; k++)
    {
      double s = (double) k / (double) (n_samples - 1);

      t[k] = t_end * s * s;
    }
  for (gsize r = 0; r < n_traj; r++)
    {
      /* substrate 3…10, enzyme 0.6…1.4, some complex already formed */
      double x0[4] = { 3.0 + 7.0 * fmod (0.618 * (double) r + 0.5, 1.0),
                       0.6 + 0.8 * fmod (0.382 * (double) r + 0.25, 1.0),
                       0.1 * (double) (r % 3), 0.0 };
      gsize reached = 0;
      g_autofree char *id = g_strdup_printf ("e%" G_GSIZE_FORMAT, r);

      g_assert_true (currents_simulator_run (sim, x0, currents_model_get_params (model), NULL,
                                             0.0, t, n_samples, x, &reached, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (reached, ==, n_samples);
      g_assert_true (currents_dataset_add_trajectory (ds, id, n_samples, t, x, NULL, &error));
      g_assert_no_error (error);
    }
  return ds;
}

static void
test_zero_when_conserved (void)
{
  /* The enzyme model conserves E + C by construction: E' + C' is exactly 0 in floating
   * point, so the penalty adds exactly nothing, to the objective or to its gradient;
   * S + C + P is conserved to round-off. */
  g_autoptr(CurrentsModel) model = load_enzyme ();
  g_autoptr(CurrentsDataset) ds = make_enzyme_data (model, 3, 11, 20.0);
  g_autoptr(CurrentsLoss) plain = make_model_loss (model, ds, CURRENTS_GRADIENT_DISCRETE, 1,
                                                   FALSE);
  g_autoptr(CurrentsLoss) pen = make_model_loss (model, ds, CURRENTS_GRADIENT_DISCRETE, 1,
                                                 FALSE);
  g_autoptr(GError) error = NULL;
  const double theta[3] = { 1.13, 0.41, 0.27 };     /* off the data's: a real residual */
  double g0[3], g1[3];
  gsize idx[3];
  CurrentsLossResult r0, r1;

  all_indices (idx, 3);
  g_assert_true (currents_loss_add_conservation (pen, "E + C", 10.0, &error));
  g_assert_no_error (error);
  g_assert_true (currents_loss_eval (plain, theta, idx, 3, NULL, g0, &r0, NULL, &error));
  g_assert_true (currents_loss_eval (pen, theta, idx, 3, NULL, g1, &r1, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (r0.mse, >, 1e-4);
  g_assert_cmpfloat (r1.penalty, ==, 0.0);
  g_assert_cmpfloat (r1.objective, ==, r0.objective);
  g_assert_cmpmem (g0, sizeof g0, g1, sizeof g1);

  g_assert_true (currents_loss_add_conservation (pen, "S + C + P", 10.0, &error));
  g_assert_true (currents_loss_eval (pen, theta, idx, 3, NULL, g1, &r1, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("penalty of S + C + P: %.3g (objective %.6g)", r1.penalty, r1.objective);
  g_assert_cmpfloat (r1.penalty, <=, 1e-28);
}

/* ------------------------------------------------------------------------------------ */
/* Gradients against central differences */

static double
check_fd (CurrentsLoss *loss,
          double       *theta,
          const gsize  *idx,
          gsize         n_idx)
{
  gsize np = currents_loss_get_n_params (loss);
  g_autofree double *g = g_new (double, np);
  g_autoptr(GError) error = NULL;
  double num = 0.0, den = 0.0;
  CurrentsLossResult r;

  g_assert_true (currents_loss_eval (loss, theta, idx, n_idx, NULL, g, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (r.penalty, >, 0.01 * r.objective);
  for (gsize j = 0; j < np; j++)
    {
      double h = 1e-6 * MAX (1.0, fabs (theta[j])), save = theta[j], fd;
      CurrentsLossResult rp, rm;

      theta[j] = save + h;
      g_assert_true (currents_loss_eval (loss, theta, idx, n_idx, NULL, NULL, &rp, NULL, NULL));
      theta[j] = save - h;
      g_assert_true (currents_loss_eval (loss, theta, idx, n_idx, NULL, NULL, &rm, NULL, NULL));
      theta[j] = save;
      fd = (rp.objective - rm.objective) / (2 * h);
      num += (g[j] - fd) * (g[j] - fd);
      den += fd * fd;
    }
  g_assert_cmpfloat (den, >, 0.0);
  g_test_message ("|g - fd|/|fd| = %.2e over %" G_GSIZE_FORMAT " parameters (penalty %.4g of "
                  "objective %.4g)", sqrt (num / den), np, r.penalty, r.objective);
  return sqrt (num / den);
}

static void
check_model_gradient (CurrentsGradientMethod method)
{
  /* a nonlinear quantity (its Hessian enters dP/dx), missing values, learned x0 */
  g_autoptr(CurrentsModel) model = decay_model ();
  g_autoptr(CurrentsDataset) ds = make_decay_data (0.8, 0.3, 6, TRUE);
  g_autoptr(CurrentsLoss) loss = make_model_loss (model, ds, method, 2, TRUE);
  g_autoptr(GError) error = NULL;
  gsize np = currents_loss_get_n_params (loss), idx[6];
  g_autofree double *theta = g_new (double, np);
  const double p0[2] = { 1.1, 0.62 };

  all_indices (idx, 6);
  currents_loss_init_params (loss, p0, theta);
  for (gsize j = 2; j < np; j++)
    theta[j] += 0.05 * sin ((double) j);
  g_assert_true (currents_loss_add_conservation (loss, "x*y + 0.5*x^2", 0.7, &error));
  g_assert_true (currents_loss_add_conservation (loss, "x + y", 1.9, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (check_fd (loss, theta, idx, 6), <=, 1e-6);
}

static void
test_gradient_model_discrete (void)
{
  check_model_gradient (CURRENTS_GRADIENT_DISCRETE);
}

static void
test_gradient_model_adjoint (void)
{
  check_model_gradient (CURRENTS_GRADIENT_ADJOINT);
}

static CurrentsNeuralModel *
small_network (const CurrentsDataset *ds,
               gsize                  width,
               guint64                seed)
{
  g_autoptr(GError) error = NULL;
  CurrentsNeuralSpec spec;
  CurrentsNeuralModel *nn;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = width;
  spec.seed = seed;
  nn = currents_neural_model_new (ds, &spec, &error);
  g_assert_no_error (error);
  return nn;
}

static void
test_gradient_neural (void)
{
  /* a neural field: trajectories integrated in stacked blocks, 2 threads, learned x0 */
  g_autoptr(CurrentsModel) model = load_enzyme ();
  g_autoptr(CurrentsDataset) ds = make_enzyme_data (model, 10, 7, 12.0);
  g_autoptr(CurrentsNeuralModel) nn = small_network (ds, 6, 5);
  g_autoptr(GError) error = NULL;
  CurrentsLossOptions o;
  g_autoptr(CurrentsLoss) loss = NULL;
  gsize np, idx[10], k = currents_neural_model_get_n_params (nn);
  g_autofree double *theta = NULL, *p = g_new (double, k);
  CurrentsLossResult r;

  currents_loss_options_init (&o);
  o.adjoint.rtol = 1e-11;
  o.adjoint.atol = 1e-13;
  o.n_threads = 2;
  o.learn_initial = TRUE;
  loss = currents_loss_new (currents_neural_model_get_field (nn),
                            currents_neural_model_get_state_names (nn), NULL, NULL, NULL, ds,
                            &o, &error);
  g_assert_no_error (error);
  g_assert_true (currents_loss_add_conservation (loss, "E + C", 300.0, &error));
  g_assert_true (currents_loss_add_conservation (loss, "S*E + P", 2.0, &error));
  g_assert_no_error (error);
  np = currents_loss_get_n_params (loss);
  theta = g_new (double, np);
  for (gsize j = 0; j < k; j++)
    p[j] = 1.5 * currents_neural_model_get_initial_params (nn)[j];
  currents_loss_init_params (loss, p, theta);
  all_indices (idx, 10);
  g_assert_true (currents_loss_eval (loss, theta, idx, 10, NULL, NULL, &r, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (r.n_stacked, ==, 10);
  g_assert_cmpfloat (check_fd (loss, theta, idx, 10), <=, 1e-6);
}

static void
test_learner (void)
{
  /* the learner checks a quantity against its states, passes it to every loss it makes
   * and records it with the training settings */
  g_autoptr(CurrentsModel) model = load_enzyme ();
  g_autoptr(CurrentsDataset) ds = make_enzyme_data (model, 2, 5, 4.0);
  g_autoptr(CurrentsLearner) l = NULL;
  g_autoptr(CurrentsLoss) loss = NULL;
  g_autoptr(JsonObject) desc = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsNeuralSpec spec;
  CurrentsTrainOptions options;
  JsonArray *arr;
  JsonObject *o;
  double w = 0.0;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 4;
  l = currents_learner_new_neural (ds, &spec, TRUE, &error);
  g_assert_no_error (error);
  g_assert_false (currents_learner_add_conservation (l, "E + ES", 1.0, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "'ES' is not a state"));
  g_assert_nonnull (strstr (error->message, "column 5"));
  g_clear_error (&error);
  g_assert_false (currents_learner_add_conservation (l, "E + C", NAN, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_cmpuint (currents_learner_get_n_conservations (l), ==, 0);
  g_assert_true (currents_learner_add_conservation (l, "E + C", 2.5, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (currents_learner_get_n_conservations (l), ==, 1);
  g_assert_cmpstr (currents_learner_get_conservation (l, 0, &w), ==, "E + C");
  g_assert_cmpfloat (w, ==, 2.5);

  currents_train_options_init (&options);
  loss = currents_learner_new_loss (l, ds, &options.loss, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_loss_get_n_conservations (loss), ==, 1);
  g_assert_cmpstr (currents_loss_get_conservation (loss, 0, &w), ==, "E + C");
  g_assert_cmpfloat (w, ==, 2.5);

  desc = currents_learner_describe_training (l, &options, ds, "test", NULL);
  arr = json_object_get_array_member (desc, "conserve");
  g_assert_nonnull (arr);
  g_assert_cmpuint (json_array_get_length (arr), ==, 1);
  o = json_array_get_object_element (arr, 0);
  g_assert_cmpstr (json_object_get_string_member (o, "expression"), ==, "E + C");
  g_assert_cmpfloat (json_object_get_double_member (o, "weight"), ==, 2.5);
}

/* ------------------------------------------------------------------------------------ */
/* The demonstration (bench-penalty: the same, trained longer) */

#ifndef PENALTY_EPOCHS
#define PENALTY_EPOCHS 3000
#endif

/* Trains a small Neural ODE on @ds (with the penalty on E + C when @weight > 0); returns
 * the data fit (MSE over all trajectories, data units). Along the learned trajectories,
 * simulated from each trajectory's initial state over the data's span and sampled at 121
 * even times: in @rate_rms the RMS of d(E + C)/dt = f_E + f_C (how far the learned field
 * is from conserving E + C), in @cons_err the largest drift |E + C − (E + C)(0)| relative
 * to (E + C)(0). */
static double
train_enzyme (const CurrentsDataset *ds,
              double                 weight,
              guint                  epochs,
              double                *rate_rms,
              double                *cons_err)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsLearner) l = NULL;
  g_autoptr(CurrentsTrainer) trainer = NULL;
  g_autoptr(CurrentsSimulator) sim = NULL;
  CurrentsNeuralSpec spec;
  CurrentsTrainOptions options;
  CurrentsSimOptions so;
  CurrentsLossResult r;
  const double *best;
  gsize n_traj = currents_dataset_get_n_trajectories (ds), idx[16];
  double t_end, t0, worst = 0.0, rate2 = 0.0;
  gsize n_rate = 0;
  g_autoptr(CurrentsFieldWorkspace) fws = NULL;
  enum { N_T = 121 };
  double t[N_T], x[N_T * 4];

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 32;
  spec.seed = 11;
  l = currents_learner_new_neural (ds, &spec, TRUE, &error);
  g_assert_no_error (error);
  if (weight > 0.0)
    {
      g_assert_true (currents_learner_add_conservation (l, "E + C", weight, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (currents_learner_get_n_conservations (l), ==, 1);
    }
  currents_train_options_init (&options);
  options.epochs = epochs;
  options.lr = 0.02;
  options.schedule = CURRENTS_LR_COSINE;
  options.seed = 3;
  options.val_fraction = 0.0;
  options.loss.n_threads = 2;
  trainer = currents_learner_new_trainer (l, ds, &options, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_loss_get_n_conservations (currents_trainer_get_loss (trainer)), ==,
                    weight > 0.0 ? 1 : 0);
  while (!currents_trainer_test (trainer))
    {
      CurrentsTrainProgress p;

      g_assert_true (currents_trainer_iterate (trainer, &p, NULL, &error));
      g_assert_no_error (error);
    }
  best = currents_trainer_get_best_params (trainer);

  /* the data fit */
  all_indices (idx, n_traj);
  g_assert_true (currents_loss_eval (currents_trainer_get_loss (trainer), best, idx, n_traj,
                                     NULL, NULL, &r, NULL, &error));
  g_assert_no_error (error);

  /* conservation along the learned trajectories */
  currents_dataset_get_time_span (ds, &t0, &t_end);
  for (gsize k = 0; k < N_T; k++)
    t[k] = t_end * (double) k / (double) (N_T - 1);
  currents_sim_options_init (&so);
  so.rtol = 1e-9;
  so.atol = 1e-11;
  sim = currents_simulator_new (currents_learner_get_field (l), &so);
  fws = currents_field_workspace_new (currents_learner_get_field (l));
  for (gsize q = 0; q < n_traj; q++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, q);
      const double *y0 = currents_trajectory_get_states (tr);
      gsize reached = 0;
      double q0 = y0[1] + y0[2];

      g_assert_true (currents_simulator_run (sim, y0, best, NULL, 0.0, t, N_T, x, &reached,
                                             NULL, &error));
      g_assert_no_error (error);
      for (gsize k = 0; k < N_T; k++)
        {
          double f[4];

          worst = MAX (worst, fabs (x[4 * k + 1] + x[4 * k + 2] - q0) / q0);
          currents_field_eval (fws, t[k], x + 4 * k, NULL, best, f);
          rate2 += (f[1] + f[2]) * (f[1] + f[2]);
          n_rate++;
        }
    }
  *cons_err = worst;
  *rate_rms = sqrt (rate2 / (double) n_rate);
  return r.mse;
}

static void
test_enzyme (void)
{
  g_autoptr(CurrentsModel) model = load_enzyme ();
  g_autoptr(CurrentsDataset) ds = make_enzyme_data (model, 6, 21, 20.0);
  double err0, err1, mse0, mse1, rate0, rate1;

  mse0 = train_enzyme (ds, 0.0, PENALTY_EPOCHS, &rate0, &err0);
  mse1 = train_enzyme (ds, 500.0, PENALTY_EPOCHS, &rate1, &err1);
  g_test_message ("without the penalty: MSE %.3e, max |E + C - (E + C)(0)|/(E + C)(0) %.3e", mse0, err0);
  g_test_message ("with the penalty:    MSE %.3e, max |E + C - (E + C)(0)|/(E + C)(0) %.3e", mse1, err1);
  g_test_message ("rms d(E + C)/dt %.3e without, %.3e with: reduced %.1f times", rate0, rate1,
                  rate0 / rate1);
  g_test_message ("drift of E + C reduced %.1f times, data fit ratio (MSE with / without) "
                  "%.2f", err0 / err1, mse1 / mse0);
  /* measured here, 3000 epochs: the rate 13.1 times smaller, the drift 4.0 times, MSE
   * ratio 1.89; 8000 epochs: 20.4, 5.4 and 1.82; 20000 epochs (bench-penalty): 42.7,
   * 11.8 and 1.87 */
  g_assert_cmpfloat (rate1 * 10.0, <=, rate0);
  g_assert_cmpfloat (err1 * 3.0, <=, err0);
  g_assert_cmpfloat (mse1, <=, 2.5 * mse0);
#ifdef PENALTY_BENCH
  g_assert_cmpfloat (err1 * 10.0, <=, err0);
#endif
}

int
main (int   argc,
      char *argv[])
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

#ifdef PENALTY_BENCH
  g_test_add_func ("/bench/penalty/enzyme", test_enzyme);
  return g_test_run ();
#endif

  g_test_add_func ("/engine/penalty/quantity", test_quantity);
  g_test_add_func ("/engine/penalty/refused", test_refused);
  g_test_add_func ("/engine/penalty/value", test_value);
  g_test_add_func ("/engine/penalty/zero-when-conserved", test_zero_when_conserved);
  g_test_add_func ("/engine/penalty/gradient/model-discrete", test_gradient_model_discrete);
  g_test_add_func ("/engine/penalty/gradient/model-adjoint", test_gradient_model_adjoint);
  g_test_add_func ("/engine/penalty/gradient/neural", test_gradient_neural);
  g_test_add_func ("/engine/penalty/learner", test_learner);
  g_test_add_func ("/engine/penalty/enzyme", test_enzyme);

  return g_test_run ();
}
