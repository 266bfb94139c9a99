/* test-learner.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the CLI and the window share to train: a learner built from a data set and a
 * model choice (a neural ODE, a `.ode` model's learned terms or parameters, a trained
 * model to continue from), with every refusal provoked; the trained model it writes
 * (ranges, provenance, history, settings); a deep copy of a data set; and the locked
 * copy of the best parameters a window takes while training runs in a thread.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"

static CurrentsDataset *
load_example (const char         *name,
              const char *const  *inputs)
{
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples", name,
                                            NULL);
  CurrentsCsvOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  CurrentsDataset *ds;

  options.input_columns = inputs;
  ds = currents_dataset_load (path, &options, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ds);
  return ds;
}

static CurrentsModel *
load_model (const char *name)
{
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples", name,
                                            NULL);
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_file (path, &error);

  g_assert_no_error (error);
  return model;
}

static const char *const toggle_inputs[] = { "iptg", NULL };

static void
test_dataset_copy (void)
{
  CurrentsDataset *ds = load_example ("toggle.csv", toggle_inputs);
  g_autoptr(CurrentsDataset) copy = currents_dataset_copy (ds);
  g_autofree char *csv = currents_dataset_to_csv (ds, NULL);
  g_autofree char *sha = g_strdup (currents_dataset_get_sha256 (ds));
  g_autofree char *filename = g_strdup (currents_dataset_get_filename (ds));
  gsize n = currents_dataset_get_n_states (ds), m = currents_dataset_get_n_inputs (ds);
  gsize n_traj = currents_dataset_get_n_trajectories (ds);

  g_assert_cmpuint (currents_dataset_get_n_states (copy), ==, n);
  g_assert_cmpuint (currents_dataset_get_n_inputs (copy), ==, m);
  g_assert_cmpuint (n_traj, ==, 24);
  g_assert_cmpuint (currents_dataset_get_n_trajectories (copy), ==, n_traj);
  for (gsize r = 0; r < n_traj; r++)
    {
      const CurrentsTrajectory *a = currents_dataset_get_trajectory (ds, r);
      const CurrentsTrajectory *b = currents_dataset_get_trajectory (copy, r);
      gsize ns = currents_trajectory_get_n_samples (a);

      g_assert_true (a != b);
      g_assert_cmpstr (currents_trajectory_get_id (a), ==, currents_trajectory_get_id (b));
      g_assert_cmpuint (currents_trajectory_get_n_samples (b), ==, ns);
      g_assert_cmpmem (currents_trajectory_get_times (a), ns * sizeof (double),
                       currents_trajectory_get_times (b), ns * sizeof (double));
      g_assert_cmpmem (currents_trajectory_get_states (a), ns * n * sizeof (double),
                       currents_trajectory_get_states (b), ns * n * sizeof (double));
      g_assert_cmpmem (currents_trajectory_get_inputs (a), ns * m * sizeof (double),
                       currents_trajectory_get_inputs (b), ns * m * sizeof (double));
    }

  /* the copy stands alone */
  currents_dataset_free (ds);
  g_assert_cmpstr (currents_dataset_get_sha256 (copy), ==, sha);
  g_assert_cmpstr (currents_dataset_get_filename (copy), ==, filename);
  g_assert_cmpint (currents_dataset_find_state (copy, "v"), ==, 1);
  g_assert_cmpint (currents_dataset_find_input (copy, "IPTG"), ==, 0);
  {
    g_autofree char *again = currents_dataset_to_csv (copy, NULL);

    g_assert_cmpstr (again, ==, csv);
  }

  /* a built data set keeps its running checksum: adding to the copy changes only it */
  {
    const char *states[] = { "x", NULL };
    g_autoptr(CurrentsDataset) built = currents_dataset_new (states, NULL);
    g_autoptr(CurrentsDataset) twin = NULL;
    const double t[] = { 0, 0.5 }, x[] = { 2.385, 1.25 };

    g_assert_true (currents_dataset_add_trajectory (built, "a", 2, t, x, NULL, NULL));
    twin = currents_dataset_copy (built);
    g_assert_cmpstr (currents_dataset_get_sha256 (twin), ==, currents_dataset_get_sha256 (built));
    g_assert_true (currents_dataset_add_trajectory (twin, "b", 2, t, x, NULL, NULL));
    g_assert_cmpstr (currents_dataset_get_sha256 (twin), !=, currents_dataset_get_sha256 (built));
    g_assert_cmpuint (currents_dataset_get_n_trajectories (built), ==, 1);
  }
}

static void
run_epochs (CurrentsTrainer *trainer)
{
  g_autoptr(GError) error = NULL;

  while (!currents_trainer_test (trainer))
    {
      CurrentsTrainProgress p;

      g_assert_true (currents_trainer_iterate (trainer, &p, NULL, &error));
      g_assert_no_error (error);
    }
}

static void
test_neural (void)
{
  g_autoptr(CurrentsDataset) ds = load_example ("toggle.csv", toggle_inputs);
  g_autoptr(CurrentsLearner) l = NULL;
  g_autoptr(CurrentsTrainer) trainer = NULL;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  g_autoptr(JsonObject) settings = NULL;
  g_autoptr(GError) error = NULL;
  const char *logs[] = { "iptg", NULL };
  CurrentsNeuralSpec spec;
  CurrentsTrainOptions options;
  double xlo[2], xhi[2], ulo[1], uhi[1];
  const guint *epochs;
  const double *ht, *hv;
  gsize k;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 8;
  spec.seed = 3;
  spec.log_inputs = logs;
  l = currents_learner_new_neural (ds, &spec, TRUE, &error);
  g_assert_no_error (error);
  g_assert_nonnull (currents_learner_get_neural (l));
  g_assert_null (currents_learner_get_model (l));
  g_assert_cmpstr (currents_learner_get_state_names (l)[1], ==, "v");
  g_assert_cmpstr (currents_learner_get_input_names (l)[0], ==, "iptg");
  g_assert_null (currents_learner_get_input_defaults (l));
  g_assert_false (currents_learner_get_fit_params (l));
  k = currents_learner_get_n_params (l);
  /* (3 → 8 → 2): 3·8 + 8 + 8·2 + 2 */
  g_assert_cmpuint (k, ==, 50);
  g_assert_cmpmem (currents_learner_get_initial_params (l), k * sizeof (double),
                   currents_neural_model_get_initial_params (currents_learner_get_neural (l)),
                   k * sizeof (double));
  for (gsize j = 0; j < k; j++)
    g_assert_true (currents_learner_get_trainable (l)[j]);

  currents_train_options_init (&options);
  options.epochs = 3;
  options.seed = 3;
  options.loss.n_threads = 1;
  trainer = currents_learner_new_trainer (l, ds, &options, &error);
  g_assert_no_error (error);
  run_epochs (trainer);
  g_assert_cmpuint (currents_trainer_get_best_epoch (trainer), >, 0);

  tm = currents_learner_new_trained_model (l, currents_trainer_get_best_params (trainer), ds,
                                           trainer);
  g_assert_cmpint (currents_trained_model_get_kind (tm), ==, CURRENTS_TRAINED_NEURAL);
  g_assert_cmpmem (currents_trained_model_get_params (tm), k * sizeof (double),
                   currents_trainer_get_best_params (trainer), k * sizeof (double));
  g_assert_cmpstr (currents_trained_model_get_data_sha256 (tm), ==, currents_dataset_get_sha256 (ds));
  g_assert_true (currents_trained_model_get_ranges (tm, xlo, xhi, ulo, uhi));
  for (gsize i = 0; i < 2; i++)
    {
      CurrentsColumnStats st;

      currents_dataset_get_state_stats (ds, i, &st);
      g_assert_cmpfloat (xlo[i], ==, st.min);
      g_assert_cmpfloat (xhi[i], ==, st.max);
    }
  g_assert_cmpfloat (ulo[0], ==, 0.0);
  g_assert_cmpfloat (uhi[0], ==, 1.2);   /* the highest iptg level of toggle.csv */
  g_assert_cmpuint (currents_trained_model_get_history (tm, &epochs, &ht, &hv), ==, 3);
  g_assert_cmpuint (epochs[2], ==, 3);

  settings = currents_learner_describe_training (l, &options, ds, "test", "train it");
  g_assert_cmpstr (json_object_get_string_member (settings, "program"), ==, "test");
  g_assert_cmpstr (json_object_get_string_member (settings, "command"), ==, "train it");
  g_assert_cmpint (json_object_get_int_member (settings, "epochs"), ==, 3);
  g_assert_cmpint (json_object_get_int_member (settings, "seed"), ==, 3);
  g_assert_cmpstr (json_object_get_string_member (settings, "gradient"), ==, "discrete");
  g_assert_false (json_object_get_boolean_member (settings, "fit_params"));
  g_assert_cmpfloat (json_object_get_double_member (settings, "t_min"), ==, 0.0);

  /* without standardisation nothing is taken as a log */
  g_clear_error (&error);
  g_assert_null (currents_learner_new_neural (ds, &spec, FALSE, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  spec.log_inputs = NULL;
  {
    g_autoptr(CurrentsLearner) raw = currents_learner_new_neural (ds, &spec, FALSE, &error);
    const CurrentsNeuralScaling *sc;

    g_assert_no_error (error);
    sc = currents_neural_model_get_scaling (currents_learner_get_neural (raw));
    g_assert_cmpfloat (sc->t_scale, ==, 1.0);
    g_assert_cmpfloat (sc->x_scale[0], ==, 1.0);
  }

  /* an input the data does not have */
  {
    const char *bad[] = { "arabinose", NULL };

    spec.log_inputs = bad;
    g_assert_null (currents_learner_new_neural (ds, &spec, TRUE, &error));
    g_assert_nonnull (error);
    g_assert_nonnull (strstr (error->message, "arabinose"));
  }
}

static void
test_model (void)
{
  g_autoptr(CurrentsDataset) chemostat = load_example ("chemostat.csv", NULL);
  g_autoptr(CurrentsLearner) hybrid = NULL;
  g_autoptr(CurrentsLearner) all = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsModel *model;
  gsize k, named;

  /* learned terms only: the ordinary parameters stay */
  model = load_model ("chemostat-hybrid.ode");
  named = currents_model_get_n_named_params (model);
  k = currents_model_get_n_params (model);
  g_assert_cmpuint (named, ==, 3);
  g_assert_cmpuint (k, >, named);
  hybrid = currents_learner_new_model (model, FALSE, &error);
  g_assert_no_error (error);
  g_assert_true (currents_learner_get_model (hybrid) == model);
  g_assert_cmpuint (currents_learner_get_n_params (hybrid), ==, k);
  for (gsize j = 0; j < k; j++)
    g_assert_cmpint (currents_learner_get_trainable (hybrid)[j], ==, j >= named);
  g_assert_nonnull (currents_learner_get_initial_defaults (hybrid));

  /* … and with them */
  all = currents_learner_new_model (load_model ("chemostat-hybrid.ode"), TRUE, &error);
  g_assert_no_error (error);
  for (gsize j = 0; j < k; j++)
    g_assert_true (currents_learner_get_trainable (all)[j]);

  /* a short fit of the learned growth law, saved as a .ode trained model */
  {
    g_autoptr(CurrentsTrainer) trainer = NULL;
    g_autoptr(CurrentsTrainedModel) tm = NULL;
    g_autoptr(JsonObject) settings = NULL;
    CurrentsTrainOptions options;

    currents_train_options_init (&options);
    options.epochs = 2;
    options.loss.n_threads = 1;
    trainer = currents_learner_new_trainer (hybrid, chemostat, &options, &error);
    g_assert_no_error (error);
    run_epochs (trainer);
    tm = currents_learner_new_trained_model (hybrid, currents_trainer_get_best_params (trainer),
                                             chemostat, trainer);
    g_assert_cmpint (currents_trained_model_get_kind (tm), ==, CURRENTS_TRAINED_ODE);
    g_assert_cmpstr (currents_model_get_source (currents_trained_model_get_ode (tm)), ==,
                     currents_model_get_source (model));
    /* the parameters that were not fitted are the model's own */
    g_assert_cmpmem (currents_trained_model_get_params (tm), named * sizeof (double),
                     currents_model_get_params (model), named * sizeof (double));
    settings = currents_learner_describe_training (all, &options, NULL, "test", NULL);
    g_assert_true (json_object_get_boolean_member (settings, "fit_params"));
    g_assert_false (json_object_has_member (settings, "command"));
    /* no data: no time span, written as null */
    g_assert_true (JSON_NODE_HOLDS_NULL (json_object_get_member (settings, "t_min")));
  }

  /* the data must fit the model */
  {
    g_autoptr(CurrentsDataset) toggle = load_example ("toggle.csv", toggle_inputs);
    CurrentsTrainOptions options;

    currents_train_options_init (&options);
    g_assert_null (currents_learner_new_trainer (hybrid, toggle, &options, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }

  /* parameters but no learned terms: only with the parameters */
  g_assert_null (currents_learner_new_model (load_model ("toggle.ode"), FALSE, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "no learned terms"));
  g_clear_error (&error);
  {
    g_autoptr(CurrentsLearner) params = currents_learner_new_model (load_model ("toggle.ode"), TRUE,
                                                                    &error);

    g_assert_no_error (error);
    g_assert_cmpuint (currents_learner_get_n_params (params), ==, 6);
  }

  /* nothing at all to fit */
  model = currents_model_new_from_string ("x' = -x\ninit x=2.385\ndone\n", "bare.ode", &error);
  g_assert_no_error (error);
  g_assert_null (currents_learner_new_model (model, TRUE, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "nothing to fit"));
}

static void
test_trained (void)
{
  g_autoptr(CurrentsDataset) ds = load_example ("toggle.csv", toggle_inputs);
  g_autoptr(CurrentsLearner) first = NULL;
  g_autoptr(CurrentsLearner) again = NULL;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *params = NULL;
  CurrentsNeuralSpec spec;
  gsize k;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 2;
  spec.hidden[0] = 6;
  spec.hidden[1] = 5;
  first = currents_learner_new_neural (ds, &spec, TRUE, &error);
  g_assert_no_error (error);
  k = currents_learner_get_n_params (first);
  params = g_new (double, k);
  for (gsize j = 0; j < k; j++)
    params[j] = 0.01 * sin (2.385 * (double) j);
  tm = currents_learner_new_trained_model (first, params, NULL, NULL);

  /* continuing from it starts where it ended */
  again = currents_learner_new_trained (tm, FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_learner_get_n_params (again), ==, k);
  g_assert_cmpmem (currents_learner_get_initial_params (again), k * sizeof (double), params,
                   k * sizeof (double));
  g_assert_cmpuint (currents_neural_model_get_spec (currents_learner_get_neural (again))->hidden[1],
                    ==, 5);

  /* a trained .ode model without learned terms needs its parameters fitted */
  {
    g_autoptr(CurrentsLearner) l = currents_learner_new_model (load_model ("toggle.ode"), TRUE,
                                                               &error);
    g_autoptr(CurrentsTrainedModel) ode = NULL;
    g_autoptr(CurrentsLearner) cont = NULL;

    g_assert_no_error (error);
    ode = currents_learner_new_trained_model (l, currents_learner_get_initial_params (l), ds, NULL);
    g_assert_null (currents_learner_new_trained (ode, FALSE, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    cont = currents_learner_new_trained (ode, TRUE, &error);
    g_assert_no_error (error);
    g_assert_nonnull (currents_learner_get_model (cont));
  }
}

typedef struct
{
  CurrentsTrainer *trainer;
  double          *snapshot;
  guint            last_epoch;
  guint            n_reports;
  gboolean         done;
  gboolean         ok;
  GError          *error;
} SnapshotRun;

static void
snapshot_progress (const CurrentsTrainProgress *p,
                   gpointer                     data)
{
  SnapshotRun *run = data;
  guint epoch = currents_trainer_copy_best_params (run->trainer, run->snapshot);

  /* the worker may be ahead of the report, never behind it */
  g_assert_cmpuint (epoch, >=, p->best_epoch);
  g_assert_cmpuint (epoch, >=, run->last_epoch);
  for (gsize j = 0; j < currents_trainer_get_n_params (run->trainer); j++)
    g_assert_true (isfinite (run->snapshot[j]));
  run->last_epoch = epoch;
  run->n_reports++;
}

static void
snapshot_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  SnapshotRun *run = data;

  run->ok = currents_trainer_train_finish (run->trainer, result, &run->error);
  run->done = TRUE;
}

static void
test_best_snapshot (void)
{
  g_autoptr(CurrentsDataset) ds = load_example ("toggle.csv", toggle_inputs);
  g_autoptr(CurrentsLearner) l = NULL;
  g_autoptr(CurrentsTrainer) trainer = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *before = NULL;
  CurrentsNeuralSpec spec;
  CurrentsTrainOptions options;
  SnapshotRun run = { 0 };
  gsize n;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 12;
  l = currents_learner_new_neural (ds, &spec, TRUE, &error);
  g_assert_no_error (error);
  currents_train_options_init (&options);
  options.epochs = 25;
  options.loss.n_threads = 2;
  trainer = currents_learner_new_trainer (l, ds, &options, &error);
  g_assert_no_error (error);
  n = currents_trainer_get_n_params (trainer);

  /* before training: the starting parameters, epoch 0 */
  before = g_new (double, n);
  g_assert_cmpuint (currents_trainer_copy_best_params (trainer, before), ==, 0);
  g_assert_cmpmem (before, n * sizeof (double), currents_learner_get_initial_params (l),
                   n * sizeof (double));

  run.trainer = trainer;
  run.snapshot = g_new0 (double, n);
  currents_trainer_train_async (trainer, NULL, snapshot_progress, &run, NULL, snapshot_done, &run);
  while (!run.done)
    g_main_context_iteration (NULL, TRUE);
  g_assert_no_error (run.error);
  g_assert_true (run.ok);
  g_assert_cmpuint (run.n_reports, >, 0);

  /* the history, copied in two pieces, is the trainer's */
  {
    g_autoptr(GArray) train = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr(GArray) val = g_array_new (FALSE, FALSE, sizeof (double));
    const double *ht, *hv;
    gsize nh = currents_trainer_get_history (trainer, &ht, &hv);

    g_assert_cmpuint (nh, ==, 25);
    g_assert_cmpuint (currents_trainer_copy_history (trainer, 0, train, val), ==, nh);
    g_array_set_size (train, 10);
    g_array_set_size (val, 10);
    g_assert_cmpuint (currents_trainer_copy_history (trainer, 10, train, val), ==, nh);
    g_assert_cmpuint (currents_trainer_copy_history (trainer, nh, train, val), ==, nh);
    g_assert_cmpuint (train->len, ==, nh);
    g_assert_cmpmem (train->data, nh * sizeof (double), ht, nh * sizeof (double));
    g_assert_cmpmem (val->data, nh * sizeof (double), hv, nh * sizeof (double));
  }

  /* after: exactly the trainer's best */
  g_assert_cmpuint (currents_trainer_copy_best_params (trainer, run.snapshot), ==,
                    currents_trainer_get_best_epoch (trainer));
  g_assert_cmpmem (run.snapshot, n * sizeof (double), currents_trainer_get_best_params (trainer),
                   n * sizeof (double));
  g_free (run.snapshot);
}

int
main (int   argc,
      char *argv[])
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/data/copy", test_dataset_copy);
  g_test_add_func ("/engine/learner/neural", test_neural);
  g_test_add_func ("/engine/learner/model", test_model);
  g_test_add_func ("/engine/learner/trained", test_trained);
  g_test_add_func ("/engine/trainer/best-snapshot", test_best_snapshot);

  return g_test_run ();
}
