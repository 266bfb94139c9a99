/* bench-analysis.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Issue 4's analysis figures. Equilibria in a box for a trained 2-D model, an MLP
 * 2-64-64-2 tanh with identity scaling (dx/dt = g_θ(x)) and PyTorch-style random
 * weights: as drawn (the raw network), and with the last bias shifted so that
 * g_θ(x_k) = 0 at a point x_k (so there is at least one equilibrium to find and
 * polish). Goal: < 5 ms per search with the default 64 starts in [−3, 3]².
 * Also: the cost of one f + Jacobian evaluation, and the knockout ranking of the same
 * models.
 *
 * usage: bench-analysis [REPEATS]   (default 51; the median is reported)
 */
#define G_LOG_DOMAIN "bench-analysis"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"

static int
cmp (const void *a,
     const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static CurrentsTrainedModel *
make_model (guint64  seed,
            gboolean shift)
{
  const char *names[] = { "x", "y", NULL };
  const double zeros[2] = { 0, 0 }, ones[2] = { 1, 1 };
  CurrentsNeuralSpec spec;
  CurrentsNeuralScaling sc = { zeros, ones, NULL, NULL, NULL, NULL, 1.0 };
  g_autoptr(GError) error = NULL;
  CurrentsNeuralModel *nn;
  CurrentsTrainedModel *tm;
  g_autofree double *theta = NULL;
  gsize k;
  const double x_min[] = { -2.5, -2.5 }, x_max[] = { 2.5, 2.5 };

  currents_neural_spec_init (&spec);   /* 2 × 64 tanh */
  spec.seed = seed;
  nn = currents_neural_model_new_full (names, NULL, &spec, &sc, &error);
  if (nn == NULL)
    g_error ("%s", error->message);
  k = currents_neural_model_get_n_params (nn);
  theta = g_memdup2 (currents_neural_model_get_initial_params (nn), k * sizeof (double));
  if (shift)
    {
      /* b₃ −= g_θ(x_k): x_k = (0.7, −0.4) becomes an equilibrium */
      g_autoptr(CurrentsFieldWorkspace) ws =
        currents_field_workspace_new (currents_neural_model_get_field (nn));
      const double xk[2] = { 0.7, -0.4 };
      double f[2];

      currents_field_eval (ws, 0.0, xk, NULL, theta, f);
      theta[k - 2] -= f[0];
      theta[k - 1] -= f[1];
    }
  tm = currents_trained_model_new_neural (nn, theta);
  currents_trained_model_set_ranges (tm, x_min, x_max, NULL, NULL);
  return tm;
}

static void
bench_equilibria (const char *label,
                  guint64     seed,
                  gboolean    shift,
                  int         repeats)
{
  g_autoptr(CurrentsTrainedModel) tm = make_model (seed, shift);
  CurrentsField *field = currents_trained_model_get_field (tm);
  const double *theta = currents_trained_model_get_params (tm);
  const double lo[] = { -3, -3 }, hi[] = { 3, 3 };
  g_autofree double *times = g_new (double, repeats);
  CurrentsEquilibriaOptions o;
  g_autoptr(GPtrArray) last = NULL;
  g_autoptr(GString) found = g_string_new (NULL);
  double worst = 0;

  currents_equilibria_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  for (int r = 0; r < repeats; r++)
    {
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      GPtrArray *eqs = currents_equilibria_find (field, theta, NULL, &o, NULL, &error);

      times[r] = (double) (g_get_monotonic_time () - t0) / 1e3;
      if (eqs == NULL)
        g_error ("%s", error->message);
      g_clear_pointer (&last, g_ptr_array_unref);
      last = eqs;
    }
  qsort (times, repeats, sizeof (double), cmp);
  for (guint k = 0; k < last->len; k++)
    {
      const CurrentsEquilibrium *e = g_ptr_array_index (last, k);

      g_string_append_printf (found, "%s(%.4f, %.4f) %s", k ? "; " : "", e->state[0],
                              e->state[1], currents_equilibrium_type_to_string (e->type));
      worst = MAX (worst, e->residual);
    }
  g_print ("equilibria  %-28s seed %-3" G_GUINT64_FORMAT " median %7.3f ms  min %7.3f ms  "
           "%u found, max residual %.1e%s%s\n", label, seed, times[repeats / 2], times[0],
           last->len, worst, last->len ? ": " : "", found->str);
}

static void
bench_eval (int repeats)
{
  g_autoptr(CurrentsTrainedModel) tm = make_model (1, FALSE);
  CurrentsField *field = currents_trained_model_get_field (tm);
  const double *theta = currents_trained_model_get_params (tm);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  double x[2] = { 0.3, -0.2 }, f[2], J[4];
  const int inner = 2000;
  g_autofree double *te = g_new (double, repeats), *tj = g_new (double, repeats);

  for (int r = 0; r < repeats; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      for (int i = 0; i < inner; i++)
        {
          x[0] = 0.3 + 1e-9 * i;
          currents_field_eval (ws, 0, x, NULL, theta, f);
        }
      te[r] = (double) (g_get_monotonic_time () - t0) / inner;
      t0 = g_get_monotonic_time ();
      for (int i = 0; i < inner; i++)
        {
          x[0] = 0.3 + 1e-9 * i;
          currents_field_jacobian (ws, 0, x, NULL, theta, f, J, NULL);
        }
      tj[r] = (double) (g_get_monotonic_time () - t0) / inner;
    }
  qsort (te, repeats, sizeof (double), cmp);
  qsort (tj, repeats, sizeof (double), cmp);
  g_print ("field       2-64-64-2 tanh: f %.2f us, f + df/dx %.2f us (medians)\n",
           te[repeats / 2], tj[repeats / 2]);
}

static void
bench_knockout (int repeats)
{
  g_autoptr(CurrentsTrainedModel) tm = make_model (2, TRUE);   /* a stable node at x_k */
  CurrentsField *field = currents_trained_model_get_field (tm);
  const double *theta = currents_trained_model_get_params (tm);
  const double x0[] = { 0.2, 0.1 }, x_min[] = { -2.5, -2.5 }, x_max[] = { 2.5, 2.5 };
  const gsize genes[] = { 0, 1 };
  g_autofree double *times = g_new (double, repeats);
  CurrentsKnockoutOptions o;
  g_autoptr(GPtrArray) last = NULL;
  gboolean steady = FALSE;

  currents_knockout_options_init (&o);
  o.x_min = x_min;
  o.x_max = x_max;
  o.t_max = 200;
  for (int r = 0; r < repeats; r++)
    {
      g_autoptr(GError) error = NULL;
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr(CurrentsSteadyState) ref =
        currents_knockout_steady_state (field, theta, NULL, x0, NULL, 0, &o, NULL, &error);
      GPtrArray *kos;

      if (ref == NULL)
        g_error ("%s", error->message);
      steady = ref->steady;
      kos = currents_knockout_run (field, theta, NULL, ref, genes, 2, &o, NULL, &error);
      if (kos == NULL)
        g_error ("%s", error->message);
      times[r] = (double) (g_get_monotonic_time () - t0) / 1e3;
      g_clear_pointer (&last, g_ptr_array_unref);
      last = kos;
    }
  qsort (times, repeats, sizeof (double), cmp);
  g_print ("knockout    2-64-64-2 seed 2 shifted: reference + 2 single knockouts (t_max 200): median %.3f ms; reference "
           "%s; shifts", times[repeats / 2], steady ? "steady" : "not steady");
  for (guint k = 0; k < last->len; k++)
    {
      const CurrentsKnockout *ko = g_ptr_array_index (last, k);
      g_print (" %s %.4g%s", ko->gene == 0 ? "x" : "y", ko->shift,
               ko->result->settled ? "" : " (not approached)");
    }
  g_print ("\n");
}

int
main (int    argc,
      char **argv)
{
  int repeats = argc > 1 ? atoi (argv[1]) : 51;

  gsl_set_error_handler_off ();
  if (repeats < 1)
    repeats = 1;
  g_print ("bench-analysis: equilibria in [-3, 3]^2, default 64 starts, tol 1e-12; "
           "%d repeats (goal < 5 ms)\n", repeats);
  bench_eval (repeats);
  for (guint64 seed = 1; seed <= 3; seed++)
    bench_equilibria ("2-64-64-2 random", seed, FALSE, repeats);
  for (guint64 seed = 1; seed <= 3; seed++)
    bench_equilibria ("2-64-64-2 shifted bias", seed, TRUE, repeats);
  bench_knockout (MAX (repeats / 5, 1));
  return 0;
}
