/* test-train-faults.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training that fails says what to change, and keeps the best model:
 *   - a learning rate of 10 on a small neural ODE diverges: detected, undone, advice
 *     about the learning rate; the best parameters are bit-identical to those of the best
 *     epoch and the best loss is the least over the epochs;
 *   - x' = a x², whose solution x0/(1 − a x0 t) escapes to infinity at t = 1/(a x0),
 *     fitted from a = 2 to data made with a = 0.1: advice about the escape, near the
 *     analytic blow-up time, no hang, finite parameters;
 *   - x' = −k (x − cos t) with k = 1000 and the explicit solver under a step cap: advice
 *     about stiffness naming the implicit solver, which then trains;
 *   - ordinary training of the bundled toggle switch never reports a fault.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"

/* Exact data of x' = −a x, y' = a x − b y at irregular times. */
static CurrentsDataset *
make_decay_data (double a,
                 double b,
                 gsize  n_traj)
{
  const char *states[] = { "x", "y", NULL };
  const char *none[] = { NULL };
  CurrentsDataset *ds = currents_dataset_new (states, none);

  for (gsize r = 0; r < n_traj; r++)
    {
      double t[9], s[18];
      double x0 = 1.0 + 0.37 * (double) r, y0 = 0.25 * (double) (r % 3);
      g_autofree char *id = g_strdup_printf ("%" G_GSIZE_FORMAT, r);

      for (gsize k = 0; k < 9; k++)
        {
          double tk = k == 0 ? 0.0 : 0.45 * (double) k + 0.013 * (double) (k * k)
                                     + 0.021 * (double) r;
          double ex = exp (-a * tk), ey = exp (-b * tk);

          t[k] = tk;
          s[2 * k] = x0 * ex;
          s[2 * k + 1] = y0 * ey + a * x0 * (ex - ey) / (b - a);
        }
      g_assert_true (currents_dataset_add_trajectory (ds, id, 9, t, s, NULL, NULL));
    }
  return ds;
}

static void
test_learning_rate (void)
{
  g_autoptr(CurrentsDataset) ds = make_decay_data (1.2, 0.5, 10);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsNeuralModel) nn = NULL;
  g_autoptr(CurrentsTrainer) t = NULL;
  const CurrentsTrainFaultInfo *fault;
  const double *ht, *hv;
  CurrentsNeuralSpec spec;
  CurrentsTrainOptions o;
  CurrentsLoss *loss;
  CurrentsTrainProgress p;
  g_autofree double *at_best = NULL;
  double least = INFINITY, last_best = NAN;
  guint best_epoch = 0, n_diverged = 0, iterations = 0;
  gsize np, nh;
  gboolean ok = TRUE;
  const char *advice;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 16;
  spec.seed = 6;
  nn = currents_neural_model_new (ds, &spec, &error);
  g_assert_no_error (error);
  currents_train_options_init (&o);
  o.epochs = 12;
  o.lr = 10.0;
  o.seed = 5;
  o.max_failures = 100;
  o.loss.adjoint.max_steps = 20000;
  loss = currents_loss_new (currents_neural_model_get_field (nn),
                            currents_neural_model_get_state_names (nn), NULL, NULL, NULL, ds,
                            &o.loss, &error);
  g_assert_no_error (error);
  t = currents_trainer_new (loss, currents_neural_model_get_initial_params (nn), NULL, &o,
                            &error);
  g_assert_no_error (error);
  np = currents_trainer_get_n_params (t);
  at_best = g_new0 (double, np);
  while (!currents_trainer_test (t))
    {
      ok = currents_trainer_iterate (t, &p, NULL, &error);
      if (!ok)
        break;
      g_assert_cmpuint (++iterations, <=, o.epochs);
      if (p.improved)
        {
          /* the parameters this epoch's criterion was measured at */
          memcpy (at_best, currents_trainer_get_params (t), np * sizeof (double));
          best_epoch = p.epoch;
        }
      if (p.diverged)
        n_diverged++;
      last_best = p.best_loss;
    }
  g_assert_no_error (error);
  g_assert_true (ok);
  /* epoch 1 jumps far above the start (nothing to go back to); later epochs that jump
   * far above the best are undone */
  g_assert_cmpuint (currents_trainer_get_n_faults (t), >=, 1);
  g_assert_cmpuint (n_diverged, ==, currents_trainer_get_n_faults (t) + 1);
  fault = currents_trainer_get_fault (t);
  g_assert_nonnull (fault);
  g_assert_cmpint (fault->kind, ==, CURRENTS_TRAIN_FAULT_LEARNING_RATE);
  g_assert_cmpuint (fault->epoch, ==, 1);
  advice = currents_trainer_get_advice (t);
  g_assert_nonnull (advice);
  g_test_message ("%s", advice);
  g_assert_nonnull (strstr (advice, "learning rate 10 is too large"));
  g_assert_nonnull (strstr (advice, "try 0.01"));
  g_assert_cmpstr (p.note, ==, advice);

  /* the best model is the best epoch's, bit for bit, and its loss the least seen */
  g_assert_cmpuint (best_epoch, >, 0);
  g_assert_cmpuint (currents_trainer_get_best_epoch (t), ==, best_epoch);
  g_assert_true (memcmp (at_best, currents_trainer_get_best_params (t),
                         np * sizeof (double)) == 0);
  nh = currents_trainer_get_history (t, &ht, &hv);
  g_assert_cmpuint (nh, ==, o.epochs);
  for (gsize e = 0; e < nh; e++)
    if (isfinite (hv[e]))
      least = MIN (least, hv[e]);
  g_assert_cmpfloat (last_best, ==, least);
  g_assert_cmpfloat (hv[best_epoch - 1], ==, least);
  /* the first epoch is far above where training started */
  g_assert_cmpfloat (fault->loss, >, 10.0 * fault->best_loss);
  g_assert_cmpfloat (hv[0], ==, fault->loss);
  g_assert_nonnull (strstr (advice, "at half the learning rate"));
}

/* x(t) = x0 / (1 − a x0 t) at t = 0, 0.5, …, 5 for x0 = 0.6, 0.9, 1.2, 1.5. */
static CurrentsDataset *
make_quadratic_data (double a)
{
  const char *states[] = { "x", NULL }, *none[] = { NULL };
  CurrentsDataset *ds = currents_dataset_new (states, none);

  for (int r = 0; r < 4; r++)
    {
      double tt[11], x[11], x0 = 0.6 + 0.3 * r;
      g_autofree char *id = g_strdup_printf ("q%d", r);

      for (int k = 0; k < 11; k++)
        {
          tt[k] = 0.5 * k;
          x[k] = x0 / (1.0 - a * x0 * tt[k]);
        }
      g_assert_true (currents_dataset_add_trajectory (ds, id, 11, tt, x, NULL, NULL));
    }
  return ds;
}

static void
test_blow_up (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model =
    currents_model_new_from_string ("par a=2\nx' = a*x^2\n", "quadratic.ode", &error);
  g_autoptr(CurrentsDataset) ds = make_quadratic_data (0.1);
  g_autoptr(CurrentsLearner) learner = NULL;
  g_autoptr(CurrentsTrainer) t = NULL;
  const CurrentsTrainFaultInfo *fault;
  CurrentsTrainOptions o;
  CurrentsTrainProgress p;
  const char *advice;
  double x0, t_star;
  guint iterations = 0;
  gboolean ok = TRUE;

  g_assert_no_error (error);
  learner = currents_learner_new_model (g_steal_pointer (&model), TRUE, &error);
  g_assert_no_error (error);
  currents_train_options_init (&o);
  o.epochs = 20;
  o.val_fraction = 0.0;
  t = currents_learner_new_trainer (learner, ds, &o, &error);
  g_assert_no_error (error);
  while (!currents_trainer_test (t))
    {
      g_assert_cmpuint (++iterations, <=, o.epochs);
      ok = currents_trainer_iterate (t, &p, NULL, &error);
      if (!ok)
        break;
    }
  /* the starting parameters already fail: training stops at once, saying why */
  g_assert_false (ok);
  g_assert_cmpuint (iterations, ==, 1);
  g_assert_true (currents_trainer_test (t));
  g_assert_nonnull (error);
  g_assert_true (error->domain == CURRENTS_ENGINE_ERROR);
  fault = currents_trainer_get_fault (t);
  g_assert_nonnull (fault);
  g_assert_cmpint (fault->kind, ==, CURRENTS_TRAIN_FAULT_BLOW_UP);
  g_assert_cmpuint (fault->epoch, ==, 0);
  g_assert_false (fault->after_step);
  g_assert_nonnull (fault->trajectory);
  /* it fails near the analytic blow-up time 1/(a x0) of its trajectory */
  g_assert_true (g_str_has_prefix (fault->trajectory, "q"));
  x0 = 0.6 + 0.3 * g_ascii_strtod (fault->trajectory + 1, NULL);
  t_star = 1.0 / (2.0 * x0);
  g_test_message ("failed at t = %g in %s (blow-up at %g), |x| = %g", fault->t,
                  fault->trajectory, t_star, fault->max_state);
  g_assert_cmpfloat (fabs (fault->t - t_star), <, 1e-3 * t_star);
  g_assert_cmpfloat (fault->max_state, >, 1e6);
  advice = currents_trainer_get_advice (t);
  g_assert_nonnull (advice);
  g_test_message ("%s", advice);
  g_assert_nonnull (strstr (advice, "escapes to infinity"));
  g_assert_nonnull (strstr (advice, "bound the right-hand side"));
  g_assert_nonnull (strstr (advice, "no model to keep"));
  g_assert_cmpstr (error->message, ==, advice);
  /* nothing better was found: the starting parameters, finite, stay */
  g_assert_cmpuint (currents_trainer_get_best_epoch (t), ==, 0);
  g_assert_cmpfloat (currents_trainer_get_best_params (t)[0], ==, 2.0);
}

static void
test_blow_up_after_step (void)
{
  /* from a = 0.05, which solves, a rate of 1 overshoots past a ≈ 0.13, where the
   * solution escapes before t = 5: the advice names the learning rate too */
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model =
    currents_model_new_from_string ("par a=0.05\nx' = a*x^2\n", "quadratic.ode", &error);
  g_autoptr(CurrentsDataset) ds = make_quadratic_data (0.1);
  g_autoptr(CurrentsLearner) learner = NULL;
  g_autoptr(CurrentsTrainer) t = NULL;
  const CurrentsTrainFaultInfo *fault;
  CurrentsTrainOptions o;
  CurrentsTrainProgress p;
  guint iterations = 0;

  learner = currents_learner_new_model (g_steal_pointer (&model), TRUE, &error);
  g_assert_no_error (error);
  currents_train_options_init (&o);
  o.epochs = 15;
  o.lr = 1.0;
  o.val_fraction = 0.0;
  o.max_failures = 100;
  t = currents_learner_new_trainer (learner, ds, &o, &error);
  g_assert_no_error (error);
  while (!currents_trainer_test (t))
    {
      g_assert_cmpuint (++iterations, <=, o.epochs);
      g_assert_true (currents_trainer_iterate (t, &p, NULL, &error));
      g_assert_no_error (error);
      g_assert_true (isfinite (currents_trainer_get_best_params (t)[0]));
    }
  fault = currents_trainer_get_fault (t);
  g_assert_nonnull (fault);
  g_test_message ("%s", currents_trainer_get_advice (t));
  g_assert_cmpint (fault->kind, ==, CURRENTS_TRAIN_FAULT_BLOW_UP);
  g_assert_true (fault->after_step);
  g_assert_nonnull (strstr (currents_trainer_get_advice (t), "lower the learning rate"));
  g_assert_cmpuint (currents_trainer_get_best_epoch (t), >, 0);
  /* the kept a solves the data's span: the solution stays finite up to t = 5 */
  g_assert_cmpfloat (currents_trainer_get_best_params (t)[0], <, 1.0 / (1.5 * 5.0));
}

/* x(t) for x' = −k (x − cos t), x(0) = x0: the slow manifold plus a fast transient. */
static double
stiff_solution (double k,
                double x0,
                double t)
{
  double c = k * k / (k * k + 1.0);
  double slow = c * (cos (t) + sin (t) / k);

  return slow + (x0 - c) * exp (-k * t);
}

/* Data of x' = −1000 (x − cos t) on [0, 5]; dopri5 needs about 1800 steps there. */
static CurrentsDataset *
make_stiff_data (void)
{
  const char *states[] = { "x", NULL }, *none[] = { NULL };
  CurrentsDataset *ds = currents_dataset_new (states, none);

  for (int r = 0; r < 3; r++)
    {
      double tt[11], x[11], x0 = 0.5 + 0.25 * r;
      g_autofree char *id = g_strdup_printf ("s%d", r);

      for (int k = 0; k < 11; k++)
        {
          tt[k] = 0.5 * k;
          x[k] = stiff_solution (1000.0, x0, tt[k]);
        }
      g_assert_true (currents_dataset_add_trajectory (ds, id, 11, tt, x, NULL, NULL));
    }
  return ds;
}

/* k fitted from 900, the solver capped at 1000 steps (BDF needs about 400) */
static CurrentsTrainer *
stiff_trainer (const CurrentsLearner *learner,
               const CurrentsDataset *ds,
               gboolean               stiff)
{
  g_autoptr(GError) error = NULL;
  CurrentsTrainOptions o;
  CurrentsTrainer *t;

  currents_train_options_init (&o);
  o.epochs = 3;
  o.lr = 10.0;
  o.val_fraction = 0.0;
  o.loss.adjoint.max_steps = 1000;
  o.loss.adjoint.stiff = stiff;
  if (stiff)
    o.loss.adjoint.method = CURRENTS_GRADIENT_ADJOINT;
  t = currents_learner_new_trainer (learner, ds, &o, &error);
  g_assert_no_error (error);
  return t;
}

static void
test_stiff (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsDataset) ds = make_stiff_data ();
  g_autoptr(CurrentsLearner) learner = NULL;
  g_autoptr(CurrentsTrainer) t = NULL;
  g_autoptr(CurrentsTrainer) implicit = NULL;
  const CurrentsTrainFaultInfo *fault;
  CurrentsTrainProgress p;
  const char *advice;
  CurrentsModel *model;

  model = currents_model_new_from_string ("par k=900\nx' = -k*(x - cos(t))\n", "stiff.ode",
                                          &error);
  g_assert_no_error (error);
  learner = currents_learner_new_model (model, TRUE, &error);
  g_assert_no_error (error);

  t = stiff_trainer (learner, ds, FALSE);
  g_assert_false (currents_trainer_iterate (t, &p, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MAX_STEPS);
  g_assert_true (currents_trainer_test (t));
  fault = currents_trainer_get_fault (t);
  g_assert_nonnull (fault);
  g_assert_cmpint (fault->kind, ==, CURRENTS_TRAIN_FAULT_STIFF);
  g_assert_cmpuint (fault->n_steps, ==, 1000);
  /* the state stays near cos t, well inside the data's range */
  g_assert_cmpfloat (fault->max_state, <=, 1.5);
  g_assert_cmpfloat (fault->t, >, 0.0);
  g_assert_cmpfloat (fault->t, <, 5.0);
  advice = currents_trainer_get_advice (t);
  g_test_message ("%s", advice);
  g_assert_nonnull (strstr (advice, "stiff for the explicit solver"));
  g_assert_nonnull (strstr (advice, "its 1000 steps"));
  g_assert_nonnull (strstr (advice, "implicit solver (BDF)"));
  g_assert_nonnull (strstr (advice, "--stiff"));
  g_assert_nonnull (strstr (advice, "“Stiff Solver (BDF)”"));
  g_assert_cmpstr (error->message, ==, advice);
  g_clear_error (&error);

  /* the advice holds: BDF trains under the same cap, without a fault */
  implicit = stiff_trainer (learner, ds, TRUE);
  while (!currents_trainer_test (implicit))
    {
      g_assert_true (currents_trainer_iterate (implicit, &p, NULL, &error));
      g_assert_no_error (error);
    }
  g_assert_null (currents_trainer_get_fault (implicit));
  g_assert_null (currents_trainer_get_advice (implicit));
  g_assert_cmpuint (currents_trainer_get_best_epoch (implicit), >, 0);
}

static void
test_toggle_ordinary (void)
{
  /* the bundled toggle switch, a small network, default settings: no fault */
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples",
                                            "toggle.csv", NULL);
  const char *inputs[] = { "iptg", NULL };
  CurrentsCsvOptions csv = { 0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(CurrentsLearner) learner = NULL;
  g_autoptr(CurrentsTrainer) t = NULL;
  CurrentsNeuralSpec spec;
  CurrentsTrainOptions o;
  CurrentsTrainProgress p;
  double first = NAN;

  csv.input_columns = inputs;
  ds = currents_dataset_load (path, &csv, &error);
  g_assert_no_error (error);
  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 16;
  learner = currents_learner_new_neural (ds, &spec, TRUE, &error);
  g_assert_no_error (error);
  currents_train_options_init (&o);
  o.epochs = 25;
  t = currents_learner_new_trainer (learner, ds, &o, &error);
  g_assert_no_error (error);
  while (!currents_trainer_test (t))
    {
      g_assert_true (currents_trainer_iterate (t, &p, NULL, &error));
      g_assert_no_error (error);
      g_assert_false (p.diverged);
      if (p.epoch == 1)
        first = p.val_loss;
    }
  g_assert_null (currents_trainer_get_fault (t));
  g_assert_cmpuint (currents_trainer_get_n_faults (t), ==, 0);
  g_assert_null (currents_trainer_get_advice (t));
  g_assert_null (p.note);
  /* and it learned */
  g_assert_cmpfloat (p.best_loss, <, 0.5 * first);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/train/faults/learning-rate", test_learning_rate);
  g_test_add_func ("/engine/train/faults/blow-up", test_blow_up);
  g_test_add_func ("/engine/train/faults/blow-up-after-step", test_blow_up_after_step);
  g_test_add_func ("/engine/train/faults/stiff", test_stiff);
  g_test_add_func ("/engine/train/faults/toggle-ordinary", test_toggle_ordinary);
  return g_test_run ();
}
