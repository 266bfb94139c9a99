/* make-fedbatch-data.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes data/examples/fedbatch.csv from fedbatch-true.ode (see make-data.sh): eight
 * fed-batch runs of 24 h with different feed schedules F(t) and initial states, sampled
 * at 28 irregular times after t = 0 with 1% relative noise (plus 0.005 g/L absolute) on
 * S and X and 0.002 L on V.
 *
 * Each run's schedule is piecewise constant in t (a level per 6 h block, some blocks
 * off); the data records F at the sample times, and the reader makes u(t) piecewise
 * linear between samples. So that the data is exactly what the model would produce from
 * the data's own input, the runs are simulated with that interpolant (the input signal
 * of the trajectory), not with the ideal steps.
 *
 *   usage: make-fedbatch-data MODEL.ode OUT.csv
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "currents-engine.h"

#define N_RUNS    8
#define N_SAMPLES 29    /* t = 0 and 28 irregular times */
#define T_END     24.0
#define SEED      2026

/* F per 6 h block (L/h) and the initial V, S, X of each run */
static const double schedules[N_RUNS][4] = {
  { 0.00, 0.01, 0.02, 0.03 },
  { 0.005, 0.005, 0.015, 0.015 },
  { 0.00, 0.00, 0.04, 0.02 },
  { 0.025, 0.00, 0.01, 0.03 },
  { 0.01, 0.02, 0.00, 0.05 },
  { 0.00, 0.03, 0.03, 0.00 },
  { 0.015, 0.008, 0.022, 0.008 },
  { 0.04, 0.04, 0.015, 0.015 },
};
static const double initial[N_RUNS][3] = {
  { 1.0, 2.0, 0.3 },
  { 1.2, 8.0, 0.2 },
  { 0.8, 12.0, 0.4 },
  { 1.0, 0.5, 1.0 },
  { 1.1, 5.0, 0.3 },
  { 0.9, 10.0, 0.15 },
  { 1.0, 4.0, 0.6 },
  { 1.3, 1.0, 0.5 },
};

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
  static const char *const states[] = { "V", "S", "X", NULL };
  static const char *const inputs[] = { "F", NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autofree char *comment = NULL;
  g_autofree char *sha = NULL;
  CurrentsSimOptions options;
  gsl_rng *rng;

  gsl_set_error_handler_off ();
  if (argc != 3)
    {
      fprintf (stderr, "usage: %s MODEL.ode OUT.csv\n", argv[0]);
      return 2;
    }
  model = currents_model_new_from_file (argv[1], &error);
  if (model == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  if (currents_model_get_n_states (model) != 3 || currents_model_get_n_inputs (model) != 1)
    {
      fprintf (stderr, "%s: expected the states V, S, X and the input F\n", argv[1]);
      return 1;
    }
  currents_sim_options_init (&options);
  options.method = CURRENTS_METHOD_RK8PD;
  options.rtol = 1e-10;
  options.atol = 1e-12;
  sim = currents_simulator_new (currents_model_get_field (model), &options);
  ds = currents_dataset_new (states, inputs);
  rng = gsl_rng_alloc (gsl_rng_mt19937);
  gsl_rng_set (rng, SEED);

  for (int r = 0; r < N_RUNS; r++)
    {
      double times[N_SAMPLES], feed[N_SAMPLES], x[N_SAMPLES * 3];
      g_autoptr(CurrentsInputSignal) signal = NULL;
      g_autofree char *id = g_strdup_printf ("%d", r);

      times[0] = 0.0;
      for (int k = 1; k < N_SAMPLES; k++)
        times[k] = gsl_rng_uniform_pos (rng) * T_END;
      qsort (times + 1, N_SAMPLES - 1, sizeof (double), compare_doubles);
      for (int k = 0; k < N_SAMPLES; k++)
        feed[k] = schedules[r][MIN ((int) (times[k] / 6.0), 3)];
      signal = currents_input_signal_new (1, N_SAMPLES, times, feed);
      if (!currents_simulator_run (sim, initial[r], currents_model_get_params (model), signal,
                                   0.0, times, N_SAMPLES, x, NULL, NULL, &error))
        {
          fprintf (stderr, "run %d: %s\n", r, error->message);
          gsl_rng_free (rng);
          return 1;
        }
      for (int k = 0; k < N_SAMPLES; k++)
        {
          x[k * 3 + 0] += gsl_ran_gaussian (rng, 0.002);
          for (int i = 1; i < 3; i++)
            x[k * 3 + i] += gsl_ran_gaussian (rng, 0.01 * fabs (x[k * 3 + i]) + 0.005);
        }
      if (!currents_dataset_add_trajectory (ds, id, N_SAMPLES, times, x, feed, &error))
        {
          fprintf (stderr, "run %d: %s\n", r, error->message);
          gsl_rng_free (rng);
          return 1;
        }
    }
  gsl_rng_free (rng);

  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, currents_model_get_source (model), -1);
  comment = g_strdup_printf ("made by make-fedbatch-data (tests/make-fedbatch-data.c) from %s\n"
                             "model %s sha256 %s\nseed %d",
                             argv[1], argv[1], sha, SEED);
  if (!currents_dataset_save_csv (ds, argv[2], comment, &error))
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  return 0;
}
