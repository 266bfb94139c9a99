/* bench-continuation.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The full one-parameter bifurcation diagram of a trained 2-64-64-2 neural model (tanh)
 * over its input's range: the equilibrium search at the start, every branch both ways,
 * folds, Hopf points and branch points (the neural field has no hvp yet, so no l₁).
 * Goal: under 50 ms. Prints the median of several runs.
 *
 * The network: seeded PyTorch-style weights, identity scaling (means 0, scales 1,
 * τ = 1), with the last bias shifted so that x* = (0.3, −0.2) is an equilibrium at the
 * input's middle, so there is a branch to follow.
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-continuation.h"
#include "currents-engine.h"

static int
compare_doubles (const void *a,
                 const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

int
main (int    argc,
      char **argv)
{
  const char *states[] = { "u", "v", NULL }, *inputs[] = { "iptg", NULL };
  const double x_mean[] = { 0, 0 }, x_scale[] = { 1, 1 }, u_mean[] = { 0 }, u_scale[] = { 1 };
  const gboolean u_log[] = { FALSE };
  const double xs[] = { 0.3, -0.2 }, xmin[] = { -2, -2 }, xmax[] = { 2, 2 };
  const double umin[] = { 0 }, umax[] = { 1 };
  CurrentsNeuralSpec spec;
  CurrentsNeuralScaling scaling = { x_mean, x_scale, u_mean, u_scale, u_log, NULL, 1.0 };
  g_autoptr(GError) error = NULL;
  CurrentsNeuralModel *neural;
  CurrentsTrainedModel *tm;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autofree double *theta = NULL;
  CurrentsContinuationOptions o;
  gsize n_weights;
  double times[15];
  const int reps = G_N_ELEMENTS (times);
  gsize n_branches = 0, n_points = 0, n_folds = 0, n_hopf = 0, n_bp = 0;

  gsl_set_error_handler_off ();
  currents_neural_spec_init (&spec);
  spec.n_hidden = 2;
  spec.hidden[0] = 64;
  spec.hidden[1] = 64;
  spec.activation = CURRENTS_ACTIVATION_TANH;
  spec.seed = 6;
  neural = currents_neural_model_new_full (states, inputs, &spec, &scaling, &error);
  g_assert_no_error (error);
  n_weights = currents_neural_model_get_n_params (neural);
  theta = g_memdup2 (currents_neural_model_get_initial_params (neural),
                     n_weights * sizeof (double));
  {
    /* shift the output bias: f(x*, u = 0.5) = 0 */
    CurrentsField *field = currents_neural_model_get_field (neural);
    g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
    double u[1] = { 0.5 }, f[2];

    currents_field_eval (ws, 0.0, xs, u, theta, f);
    theta[n_weights - 2] -= f[0];
    theta[n_weights - 1] -= f[1];
  }
  tm = currents_trained_model_new_neural (neural, theta);
  currents_trained_model_set_ranges (tm, xmin, xmax, umin, umax);
  sys = currents_system_new_from_trained (tm);
  currents_system_get_inputs (sys)[0] = 0.5;

  currents_continuation_options_init (&o);
  o.lo = 0.0;
  o.hi = 1.0;
  for (int r = 0; r < reps; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(CurrentsContinuation) c = currents_continuation_new (sys, "iptg", &o, &error);
      const CurrentsContinuationResult *res;

      g_assert_no_error (error);
      currents_continuation_run (c, NULL, &error);
      g_assert_no_error (error);
      times[r] = (double) (g_get_monotonic_time () - t0) * 1e-3;
      res = currents_continuation_get_result (c);
      n_branches = res->branches->len;
      n_points = 0;
      for (guint b = 0; b < res->branches->len; b++)
        n_points += ((CurrentsContinuationBranch *) g_ptr_array_index (res->branches, b))->n_points;
      n_folds = n_hopf = n_bp = 0;
      for (guint s = 0; s < res->special->len; s++)
        switch (((CurrentsBifurcation *) g_ptr_array_index (res->special, s))->kind)
          {
          case CURRENTS_BIFURCATION_FOLD: n_folds++; break;
          case CURRENTS_BIFURCATION_HOPF: n_hopf++; break;
          case CURRENTS_BIFURCATION_BRANCH_POINT: n_bp++; break;
          default: break;
          }
    }
  qsort (times, reps, sizeof (double), compare_doubles);
  printf ("bench-continuation: 2-64-64-2 neural model, input over 0:1: %" G_GSIZE_FORMAT
          " branches, %" G_GSIZE_FORMAT " points, %" G_GSIZE_FORMAT " folds, %" G_GSIZE_FORMAT
          " Hopf, %" G_GSIZE_FORMAT " branch points\n", n_branches, n_points, n_folds, n_hopf,
          n_bp);
  printf ("bench-continuation: full diagram %.2f ms median (min %.2f, max %.2f; goal < 50 ms)\n",
          times[reps / 2], times[0], times[reps - 1]);
  return 0;
}
