/* test-learned-term.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The learned-term view's engine (currents-learned-term.h) and the fed-batch hybrid
 * example it was made for: grid values against the model's own tape (an `aux` that calls
 * the term), the data's range of states and inputs against a direct scan, the reference
 * RMS against a hand sum, the refusals; then recovery of Haldane's law by training the
 * hybrid on fedbatch.csv, the joint fit of a perturbed yield, and the shipped trained
 * model against the law.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"

#define HALDANE "mu=mumax*S/(Ks + S + S^2/Ki);mumax=0.6;Ks=0.5;Ki=9"

static double
haldane (double s)
{
  return 0.6 * s / (0.5 + s + s * s / 9.0);
}

static char *
example_path (const char *name)
{
  return g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples", name, NULL);
}

static char *
example_source (const char *name)
{
  g_autofree char *path = example_path (name);
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

/* the example with `aux NAME=EXPR` added before `done` */
static CurrentsModel *
fedbatch_with_aux (const char *aux)
{
  g_autofree char *source = example_source ("fedbatch.ode");
  g_autoptr(GString) s = g_string_new (source);
  g_autoptr(GError) error = NULL;
  const char *done = strstr (s->str, "\ndone");
  CurrentsModel *model;

  g_assert_nonnull (done);
  g_string_insert (s, done - s->str + 1, aux);
  model = currents_model_new_from_string (s->str, "fedbatch-aux.ode", &error);
  g_assert_no_error (error);
  return model;
}

static CurrentsDataset *
fedbatch_data (void)
{
  static const char *const inputs[] = { "F", NULL };
  g_autofree char *path = example_path ("fedbatch.csv");
  CurrentsCsvOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  CurrentsDataset *ds;

  options.input_columns = inputs;
  ds = currents_dataset_load (path, &options, &error);
  g_assert_no_error (error);
  return ds;
}

static void
test_grid_1d (void)
{
  g_autoptr(CurrentsModel) model = fedbatch_with_aux ("aux growth=mu(S)\n");
  g_autoptr(CurrentsLearnedTermGrid) grid = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (currents_model_get_field (model));
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) args = NULL;
  g_autofree double *p = g_memdup2 (currents_model_get_params (model),
                                    currents_model_get_n_params (model) * sizeof (double));
  const CurrentsLearnedTerm *lt;
  double lo = -3.25, hi = 31.7, u = 0.013, worst = 0.0;

  g_assert_cmpint (currents_learned_term_find (model, "MU"), ==, 0);
  g_assert_cmpint (currents_learned_term_find (model, "nu"), ==, -1);
  args = currents_learned_term_get_arg_names (model, 0);
  g_assert_cmpstr (args[0], ==, "S");
  g_assert_null (args[1]);

  /* high-entropy weights, not the initialisation */
  lt = currents_model_get_learned (model, 0);
  for (gsize k = 0; k < lt->n_weights; k++)
    p[lt->param_offset + k] = 0.7 * sin (2.385 * (double) k + 0.3);

  grid = currents_learned_term_grid_new (model, 0, p, &lo, &hi, 37, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (grid->n_args, ==, 1);
  g_assert_cmpuint (grid->size[0], ==, 37);
  g_assert_cmpfloat (grid->axis[0][0], ==, lo);
  g_assert_cmpfloat (grid->axis[0][36], ==, hi);
  for (gsize i = 0; i < 37; i++)
    {
      double x[3] = { 1.3, grid->axis[0][i], 2.1 }, aux;

      currents_model_eval_aux (model, ws, 0.0, x, &u, p, &aux);
      worst = MAX (worst, fabs (grid->values[i] - aux) / MAX (1.0, fabs (aux)));
      g_assert_cmpfloat (fabs (currents_learned_term_eval (model, 0, p, &x[1]) - aux), <=,
                         1e-15 * MAX (1.0, fabs (aux)));
    }
  g_test_message ("1-D grid against the tape: worst difference %.3g", worst);
  g_assert_cmpfloat (worst, <=, 1e-15);
}

static void
test_grid_2d (void)
{
  static const char source[] =
    "par k=0.3\n"
    "learn g(a, b) hidden=5,3 activation=tanh seed=7\n"
    "x' = g(x, y) - k*x\n"
    "y' = -y\n"
    "aux out=g(x, y)\n"
    "done\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = currents_model_new_from_string (source, "g.ode", &error);
  g_autoptr(CurrentsLearnedTermGrid) grid = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_auto(GStrv) args = NULL;
  g_autofree char *src0 = NULL, *src1 = NULL;
  const double *p;
  double lo[2] = { -2.5, 0.125 }, hi[2] = { 1.75, 3.0 }, worst = 0.0;

  g_assert_no_error (error);
  ws = currents_field_workspace_new (currents_model_get_field (model));
  p = currents_model_get_params (model);
  args = currents_learned_term_get_arg_names (model, 0);
  g_assert_cmpstr (args[0], ==, "a");
  g_assert_cmpstr (args[1], ==, "b");
  /* the names the equations pass */
  src0 = currents_learned_term_get_arg_source (model, 0, 0);
  src1 = currents_learned_term_get_arg_source (model, 0, 1);
  g_assert_cmpstr (src0, ==, "x");
  g_assert_cmpstr (src1, ==, "y");

  grid = currents_learned_term_grid_new (model, 0, p, lo, hi, 11, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (grid->size[0] * grid->size[1], ==, 121);
  for (gsize j = 0; j < 11; j++)
    for (gsize i = 0; i < 11; i++)
      {
        double x[2] = { grid->axis[0][i], grid->axis[1][j] }, u = 0.0, aux;

        currents_model_eval_aux (model, ws, 0.0, x, &u, p, &aux);
        worst = MAX (worst, fabs (grid->values[j * 11 + i] - aux) / MAX (1.0, fabs (aux)));
      }
  g_test_message ("2-D grid against the tape: worst difference %.3g", worst);
  g_assert_cmpfloat (worst, <=, 1e-15);

  /* refusals */
  g_assert_null (currents_learned_term_grid_new (model, 0, p, lo, hi, 1, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  hi[1] = lo[1];
  g_assert_null (currents_learned_term_grid_new (model, 0, p, lo, hi, 10, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_learned_term_grid_new (model, 3, p, lo, hi, 10, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
}

static void
test_grid_three_args (void)
{
  static const char source[] =
    "learn h(a, b, c) hidden=2\n"
    "x' = h(x, y, z)\ny' = 0\nz' = 0\ndone\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = currents_model_new_from_string (source, "h.ode", &error);
  double lo[3] = { 0, 0, 0 }, hi[3] = { 1, 1, 1 };

  g_assert_no_error (error);
  g_assert_null (currents_learned_term_grid_new (model, 0, currents_model_get_params (model),
                                                 lo, hi, 10, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "'h' takes 3 arguments"));
}

static void
test_data_range (void)
{
  static const char source[] =
    "input F=0\n"
    "learn r(z) hidden=3\n"
    "learn k(level) hidden=3\n"
    "V' = F\nS' = -r(S)\nX' = k(F)*X\n"
    "done\n";
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = currents_model_new_from_string (source, "r.ode", &error);
  g_autoptr(CurrentsDataset) ds = fedbatch_data ();
  g_autoptr(GArray) levels = NULL;
  g_autoptr(GArray) none = NULL;
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
  double lo, hi, smin = INFINITY, smax = -INFINITY;
  int s = currents_dataset_find_state (ds, "S");

  g_assert_no_error (error);
  g_assert_cmpint (s, >=, 0);
  for (gsize t = 0; t < currents_dataset_get_n_trajectories (ds); t++)
    {
      const CurrentsTrajectory *traj = currents_dataset_get_trajectory (ds, t);
      const double *x = currents_trajectory_get_states (traj);
      const double *u = currents_trajectory_get_inputs (traj);

      for (gsize k = 0; k < currents_trajectory_get_n_samples (traj); k++)
        {
          gint64 *key = g_new (gint64, 1);

          smin = MIN (smin, x[k * 3 + s]);
          smax = MAX (smax, x[k * 3 + s]);
          memcpy (key, &u[k], sizeof (double));
          g_hash_table_add (seen, key);
        }
    }
  /* r(z) is called as r(S): the data's S */
  g_assert_true (currents_learned_term_data_range (model, 0, 0, ds, &lo, &hi, &none));
  g_assert_null (none);
  g_assert_cmpfloat (lo, ==, smin);
  g_assert_cmpfloat (hi, ==, smax);
  g_test_message ("data range of S: %.6g to %.6g", lo, hi);
  g_assert_cmpfloat (smin, <, 0.01);
  g_assert_cmpfloat (smax, >, 20.0);

  /* k(level) is called as k(F), an input: its levels */
  g_assert_true (currents_learned_term_data_range (model, 1, 0, ds, &lo, &hi, &levels));
  g_assert_nonnull (levels);
  g_assert_cmpuint (levels->len, ==, g_hash_table_size (seen));
  g_assert_cmpfloat (lo, ==, 0.0);
  g_assert_cmpfloat (hi, ==, 0.05);
  for (guint i = 1; i < levels->len; i++)
    g_assert_cmpfloat (g_array_index (levels, double, i - 1), <, g_array_index (levels, double, i));

  /* no data, a bad argument: unknown */
  g_assert_false (currents_learned_term_data_range (model, 0, 0, NULL, &lo, &hi, NULL));
  g_assert_true (isnan (lo) && isnan (hi));
  g_assert_false (currents_learned_term_data_range (model, 0, 1, ds, &lo, &hi, NULL));
}

static void
test_reference (void)
{
  static const char *const args[] = { "S", NULL };
  g_autoptr(CurrentsModel) model = fedbatch_with_aux ("");
  g_autoptr(CurrentsDataset) ds = fedbatch_data ();
  g_autoptr(CurrentsReferenceLaw) law = NULL;
  g_autoptr(CurrentsLearnedTermGrid) grid = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *ref = NULL;
  CurrentsTermComparison cmp;
  double lo = -5.0, hi = 40.0, dlo, dhi, sum = 0, sum_ref = 0, max_rel = 0, max_abs = 0;
  gsize n = 0;

  law = currents_reference_law_new_parse (HALDANE, args, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (currents_reference_law_get_expression (law), ==, "mumax*S/(Ks + S + S^2/Ki)");
  g_assert_cmpuint (currents_reference_law_get_n_constants (law), ==, 3);
  g_assert_cmpstr (currents_reference_law_get_constant_name (law, 2), ==, "Ki");
  g_assert_cmpfloat (currents_reference_law_eval (law, (double[]) { 2.385 }), ==,
                     haldane (2.385));
  g_assert_true (currents_reference_law_set_constant (law, "ks", 0.75));
  g_assert_cmpfloat (fabs (currents_reference_law_eval (law, (double[]) { 2.385 })
                           - 0.6 * 2.385 / (0.75 + 2.385 + 2.385 * 2.385 / 9.0)), <=, 1e-16);
  g_assert_true (currents_reference_law_set_constant (law, "Ks", 0.5));
  g_assert_false (currents_reference_law_set_constant (law, "Kx", 1.0));

  g_assert_true (currents_learned_term_data_range (model, 0, 0, ds, &dlo, &dhi, NULL));
  grid = currents_learned_term_grid_new (model, 0, currents_model_get_params (model), &lo, &hi,
                                         181, &error);
  g_assert_no_error (error);
  ref = g_new (double, 181);
  currents_learned_term_compare (grid, law, &dlo, &dhi, ref, &cmp);
  for (gsize i = 0; i < 181; i++)
    if (grid->axis[0][i] >= dlo && grid->axis[0][i] <= dhi)
      max_abs = MAX (max_abs, fabs (haldane (grid->axis[0][i])));
  for (gsize i = 0; i < 181; i++)
    {
      double s = grid->axis[0][i], r = haldane (s), g = grid->values[i];

      g_assert_cmpfloat (fabs (ref[i] - r), <=, 1e-15);
      if (s < dlo || s > dhi)
        continue;
      n++;
      sum += (g - r) * (g - r);
      sum_ref += r * r;
      max_rel = MAX (max_rel, fabs (g - r) / MAX (fabs (r), 0.05 * max_abs));
    }
  g_test_message ("untrained network against Haldane inside %.4g:%.4g (%zu points): rms %.6g",
                  dlo, dhi, n, cmp.rms);
  g_assert_cmpuint (cmp.n_inside, ==, n);
  g_assert_cmpuint (n, >, 50);
  g_assert_cmpfloat (fabs (cmp.rms - sqrt (sum / n)), <=, 1e-14 * sqrt (sum / n));
  g_assert_cmpfloat (fabs (cmp.rel_rms - sqrt (sum / sum_ref)), <=, 1e-14 * cmp.rel_rms);
  g_assert_cmpfloat (cmp.max_rel, ==, max_rel);

  /* without a range, all of the grid counts */
  currents_learned_term_compare (grid, law, NULL, NULL, NULL, &cmp);
  g_assert_cmpuint (cmp.n_inside, ==, 181);
}

static void
test_reference_errors (void)
{
  static const char *const args[] = { "S", NULL };
  static const char *const consts[] = { "S", NULL };
  static const double one[] = { 1.0 };
  g_autoptr(GError) error = NULL;

  g_assert_null (currents_reference_law_new_parse ("mumax*S/(K + S);mumax=1", args, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "'K'"));
  g_assert_nonnull (strstr (error->message, "column"));
  g_clear_error (&error);
  g_assert_null (currents_reference_law_new_parse ("S/(1 + S;", args, &error));
  g_assert_nonnull (error);
  g_clear_error (&error);
  g_assert_null (currents_reference_law_new_parse ("S;k", args, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_reference_law_new_parse ("S;k=abc", args, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_reference_law_new_parse ("", args, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_reference_law_new ("2*S", args, consts, one, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
}

/* ---- training the fed-batch hybrid ---- */

static double *
train (const char *source,
       gboolean    fit_params,
       guint       epochs,
       double     *train_mse)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsDataset) ds = fedbatch_data ();
  CurrentsModel *model = currents_model_new_from_string (source, "fedbatch.ode", &error);
  g_autoptr(CurrentsLearner) learner = NULL;
  g_autoptr(CurrentsTrainer) trainer = NULL;
  CurrentsTrainOptions o;
  CurrentsTrainProgress progress = { 0 };
  double val_mse;
  gsize n;

  g_assert_no_error (error);
  learner = currents_learner_new_model (model, fit_params, &error);
  g_assert_no_error (error);
  currents_train_options_init (&o);
  o.epochs = epochs;
  o.lr = 0.02;
  o.clip_norm = 1.0;
  o.val_fraction = 0.0;
  trainer = currents_learner_new_trainer (learner, ds, &o, &error);
  g_assert_no_error (error);
  while (!currents_trainer_test (trainer))
    {
      currents_trainer_iterate (trainer, &progress, NULL, &error);
      g_assert_no_error (error);
    }
  currents_trainer_evaluate_best (trainer, train_mse, &val_mse, NULL, &error);
  g_assert_no_error (error);
  n = currents_learner_get_n_params (learner);
  return g_memdup2 (currents_trainer_get_best_params (trainer), n * sizeof (double));
}

static void
compare_with_haldane (const CurrentsModel *model,
                      const double        *params,
                      const char          *what,
                      double               tolerance)
{
  static const char *const args[] = { "S", NULL };
  g_autoptr(CurrentsDataset) ds = fedbatch_data ();
  g_autoptr(CurrentsReferenceLaw) law = currents_reference_law_new_parse (HALDANE, args, NULL);
  g_autoptr(CurrentsLearnedTermGrid) grid = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsTermComparison inside, beyond;
  double lo, hi, far_lo, far_hi;

  g_assert_true (currents_learned_term_data_range (model, 0, 0, ds, &lo, &hi, NULL));
  grid = currents_learned_term_grid_new (model, 0, params, &lo, &hi, 200, &error);
  g_assert_no_error (error);
  currents_learned_term_compare (grid, law, &lo, &hi, NULL, &inside);
  /* beyond the data (S from 2× to 4× its largest value): reported, not claimed */
  far_lo = 2.0 * hi;
  far_hi = 4.0 * hi;
  g_clear_pointer (&grid, currents_learned_term_grid_free);
  grid = currents_learned_term_grid_new (model, 0, params, &far_lo, &far_hi, 100, &error);
  g_assert_no_error (error);
  currents_learned_term_compare (grid, law, NULL, NULL, NULL, &beyond);
  g_test_message ("%s: learned mu(S) against Haldane inside S = %.3g:%.3g: relative rms "
                  "%.4f (rms %.4g /h); beyond the data (S = %.3g:%.3g), not claimed: relative "
                  "rms %.3f", what, lo, hi, inside.rel_rms, inside.rms, far_lo, far_hi,
                  beyond.rel_rms);
  g_assert_cmpfloat (inside.rel_rms, <=, tolerance);
}

static void
test_recovery (void)
{
  g_autofree char *source = example_source ("fedbatch.ode");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = currents_model_new_from_string (source, "fedbatch.ode", &error);
  g_autofree double *p = NULL;
  double mse;

  g_assert_no_error (error);
  p = train (source, FALSE, 500, &mse);
  g_test_message ("500 epochs: training MSE %.4g", mse);
  compare_with_haldane (model, p, "trained 500 epochs", 0.10);
}

static void
test_joint_fit (void)
{
  g_autofree char *source = example_source ("fedbatch.ode");
  g_autofree char *perturbed = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  g_autofree double *p = NULL;
  char *at = strstr (source, "Y=0.5");
  double mse, y;
  int iy;

  g_assert_nonnull (at);
  /* Y 20% too high */
  perturbed = g_strdup (source);
  memcpy (perturbed + (at - source), "Y=0.6", 5);
  model = currents_model_new_from_string (perturbed, "fedbatch.ode", &error);
  g_assert_no_error (error);
  iy = currents_model_find_param (model, "Y");
  g_assert_cmpfloat (currents_model_get_params (model)[iy], ==, 0.6);
  p = train (perturbed, TRUE, 500, &mse);
  y = p[iy];
  g_test_message ("joint fit from Y = 0.6 (true 0.5): Y = %.5f (%.2f%% off), Sin = %.4g, "
                  "training MSE %.4g", y, 100 * fabs (y - 0.5) / 0.5,
                  p[currents_model_find_param (model, "Sin")], mse);
  g_assert_cmpfloat (fabs (y - 0.5), <=, 0.03 * 0.5);
  compare_with_haldane (model, p, "joint fit", 0.10);
}

static void
test_shipped (void)
{
  g_autofree char *path = example_path ("fedbatch-trained.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) tm = currents_trained_model_load (path, &error);
  const CurrentsModel *model;

  g_assert_no_error (error);
  model = currents_trained_model_get_ode (tm);
  g_assert_nonnull (model);
  g_assert_cmpint (currents_learned_term_find (model, "mu"), ==, 0);
  compare_with_haldane (model, currents_trained_model_get_params (tm), "shipped model", 0.05);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/learned-term/grid-1d", test_grid_1d);
  g_test_add_func ("/engine/learned-term/grid-2d", test_grid_2d);
  g_test_add_func ("/engine/learned-term/grid-three-args", test_grid_three_args);
  g_test_add_func ("/engine/learned-term/data-range", test_data_range);
  g_test_add_func ("/engine/learned-term/reference", test_reference);
  g_test_add_func ("/engine/learned-term/reference-errors", test_reference_errors);
  g_test_add_func ("/engine/learned-term/fedbatch-recovery", test_recovery);
  g_test_add_func ("/engine/learned-term/fedbatch-joint-fit", test_joint_fit);
  g_test_add_func ("/engine/learned-term/fedbatch-shipped", test_shipped);
  return g_test_run ();
}
