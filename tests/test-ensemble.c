/* test-ensemble.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ensembles (currents-ensemble.h):
 *  - intervals: the range below 20 values, GSL's 5–95% quantiles from 20 on;
 *  - the bootstrap: n indices below n, drawn with replacement by mt19937(seed + k);
 *  - training is reproducible from the seed with 1 and 2 threads, bit for bit, and the
 *    file loads back bit for bit; damaged, truncated and foreign files are refused;
 *  - cancelling after the first member keeps it (sync and async), a member stopped in
 *    the middle keeps its best parameters;
 *  - the analyses on members whose answers are known: ẋ = −a x (a = 1, 2, 3) predicts
 *    x₀e^{−2t} with the range [x₀e^{−3t}, x₀e^{−t}]; ẋ = a − x has its equilibrium at a;
 *    ẋ = r − c + x² folds at r = c;
 *  - the shipped toggle ensemble (data/examples/toggle-ensemble.json) puts the true
 *    folds of the toggle switch (iptg = 0.6415, 0.9227) inside its fold intervals.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>
#include <glib/gstdio.h>

#include "currents-engine.h"

static char *
example_path (const char *name)
{
  return g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples", name, NULL);
}

static CurrentsDataset *
load_toggle (void)
{
  g_autofree char *path = example_path ("toggle.csv");
  const char *inputs[] = { "iptg", NULL };
  CurrentsCsvOptions opts = { 0 };
  g_autoptr(GError) error = NULL;
  CurrentsDataset *ds;

  opts.input_columns = inputs;
  ds = currents_dataset_load (path, &opts, &error);
  g_assert_no_error (error);
  return ds;
}

typedef struct
{
  const CurrentsDataset *ds;
  gsize                  hidden;
} LearnerData;

static CurrentsLearner *
tiny_learner (guint     member,
              guint64   seed,
              gpointer  data,
              GError  **error)
{
  LearnerData *ld = data;
  CurrentsNeuralSpec spec;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = ld->hidden;
  spec.seed = seed;
  return currents_learner_new_neural (ld->ds, &spec, TRUE, error);
}

static void
tiny_options (CurrentsEnsembleOptions *o,
              guint                    members,
              guint                    epochs,
              guint                    threads)
{
  currents_ensemble_options_init (o);
  o->n_members = members;
  o->n_threads = threads;
  o->seed = 41;
  o->train.epochs = epochs;
  o->train.val_fraction = 0.25;
}

/* ------------------------------------------------------------------------------------ */

static void
test_interval (void)
{
  double small[5] = { 2.385, -1.25, 7.5, 0.125, 3.0 };
  double big[21];
  double med, lo, hi;

  g_assert_cmpint (currents_interval (small, 5, &med, &lo, &hi), ==, CURRENTS_INTERVAL_RANGE);
  g_assert_cmpfloat (med, ==, 2.385);
  g_assert_cmpfloat (lo, ==, -1.25);
  g_assert_cmpfloat (hi, ==, 7.5);
  g_assert_cmpstr (currents_interval_kind_to_string (CURRENTS_INTERVAL_RANGE), ==, "range");

  /* 0.5, 1.0, …, 10.5 shuffled: the 5% quantile lies at rank 0.05·20 = 1, the 95% at 19 */
  for (int i = 0; i < 21; i++)
    big[(i * 8) % 21] = 0.5 * (i + 1);
  g_assert_cmpint (currents_interval (big, 21, &med, &lo, &hi), ==,
                   CURRENTS_INTERVAL_QUANTILES);
  g_assert_cmpfloat_with_epsilon (med, 5.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (lo, 1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, 10.0, 1e-12);
  g_assert_cmpstr (currents_interval_kind_to_string (CURRENTS_INTERVAL_QUANTILES), ==, "5-95%");
}

static void
test_bootstrap (void)
{
  g_autoptr(CurrentsDataset) ds = load_toggle ();
  gsize n = currents_dataset_get_n_trajectories (ds);
  g_autofree gsize *idx = g_new (gsize, n);
  gboolean any_repeat = FALSE;

  g_assert_cmpuint (n, ==, 24);
  for (guint k = 0; k < 3; k++)
    {
      gsl_rng *r = gsl_rng_alloc (gsl_rng_mt19937);
      g_autofree guint *count = g_new0 (guint, n);
      g_autoptr(CurrentsDataset) re = NULL;
      g_autoptr(GError) error = NULL;
      gsize distinct = 0;

      currents_ensemble_bootstrap (41, k, n, idx);
      gsl_rng_set (r, 41 + k);
      for (gsize i = 0; i < n; i++)
        {
          g_assert_cmpuint (idx[i], ==, gsl_rng_uniform_int (r, n));
          g_assert_cmpuint (idx[i], <, n);
          if (count[idx[i]]++ == 0)
            distinct++;
        }
      gsl_rng_free (r);
      /* with replacement: some trajectory twice (1 − 24!/24²⁴ ≈ 1) */
      g_test_message ("member %u: %" G_GSIZE_FORMAT " distinct of %" G_GSIZE_FORMAT, k,
                      distinct, n);
      g_assert_cmpuint (distinct, <, n);
      any_repeat = TRUE;

      /* the resampled data: the drawn trajectories in order, repeats renamed */
      re = currents_ensemble_resample (ds, idx, n, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (currents_dataset_get_n_trajectories (re), ==, n);
      for (gsize i = 0; i < n; i++)
        {
          const CurrentsTrajectory *a = currents_dataset_get_trajectory (re, i);
          const CurrentsTrajectory *b = currents_dataset_get_trajectory (ds, idx[i]);

          g_assert_cmpuint (currents_trajectory_get_n_samples (a), ==,
                            currents_trajectory_get_n_samples (b));
          g_assert_cmpmem (currents_trajectory_get_states (a),
                           currents_trajectory_get_n_samples (a) * 2 * sizeof (double),
                           currents_trajectory_get_states (b),
                           currents_trajectory_get_n_samples (b) * 2 * sizeof (double));
          g_assert_true (g_str_has_prefix (currents_trajectory_get_id (a),
                                           currents_trajectory_get_id (b)));
        }
    }
  g_assert_true (any_repeat);
}

static CurrentsEnsemble *
train_tiny (const CurrentsDataset *ds,
            guint                  members,
            guint                  epochs,
            guint                  threads)
{
  LearnerData ld = { ds, 4 };
  CurrentsEnsembleOptions o;
  g_autoptr(CurrentsEnsembleTrainer) et = NULL;
  g_autoptr(GError) error = NULL;

  tiny_options (&o, members, epochs, threads);
  et = currents_ensemble_trainer_new (ds, &o, tiny_learner, &ld, &error);
  g_assert_no_error (error);
  g_assert_true (currents_ensemble_trainer_run (et, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return currents_ensemble_trainer_get_ensemble (et, "test-ensemble", "reproducible");
}

static void
assert_same_members (const CurrentsEnsemble *a,
                     const CurrentsEnsemble *b)
{
  g_assert_cmpuint (currents_ensemble_get_n_members (a), ==, currents_ensemble_get_n_members (b));
  for (gsize k = 0; k < currents_ensemble_get_n_members (a); k++)
    {
      const CurrentsTrainedModel *x = currents_ensemble_get_member (a, k);
      const CurrentsTrainedModel *y = currents_ensemble_get_member (b, k);
      gsize np = currents_trained_model_get_n_params (x), nb1, nb2;
      const gsize *b1 = currents_ensemble_get_bootstrap (a, k, &nb1);
      const gsize *b2 = currents_ensemble_get_bootstrap (b, k, &nb2);

      g_assert_cmpuint (np, ==, currents_trained_model_get_n_params (y));
      g_assert_cmpmem (currents_trained_model_get_params (x), np * sizeof (double),
                       currents_trained_model_get_params (y), np * sizeof (double));
      g_assert_cmpmem (b1, nb1 * sizeof (gsize), b2, nb2 * sizeof (gsize));
      g_assert_cmpuint (currents_ensemble_get_member_seed (a, k), ==,
                        currents_ensemble_get_member_seed (b, k));
      g_assert_cmpint (currents_ensemble_get_member_status (a, k), ==,
                       currents_ensemble_get_member_status (b, k));
    }
}

static void
test_reproducible (void)
{
  g_autoptr(CurrentsDataset) ds = load_toggle ();
  g_autoptr(CurrentsEnsemble) one = train_tiny (ds, 3, 4, 1);
  g_autoptr(CurrentsEnsemble) two = train_tiny (ds, 3, 4, 2);
  g_autoptr(CurrentsEnsemble) again = train_tiny (ds, 3, 4, 2);
  const CurrentsTrainedModel *m0, *m1;

  g_assert_nonnull (one);
  g_assert_cmpuint (currents_ensemble_get_n_members (one), ==, 3);
  assert_same_members (one, two);
  assert_same_members (two, again);
  /* members differ from each other: their own seeds and resamples */
  m0 = currents_ensemble_get_member (one, 0);
  m1 = currents_ensemble_get_member (one, 1);
  g_assert_true (memcmp (currents_trained_model_get_params (m0),
                         currents_trained_model_get_params (m1),
                         currents_trained_model_get_n_params (m0) * sizeof (double)) != 0);
  for (gsize k = 0; k < 3; k++)
    {
      gsize nb;
      const gsize *b = currents_ensemble_get_bootstrap (one, k, &nb);
      g_autofree gsize *expect = g_new (gsize, 24);

      g_assert_cmpuint (nb, ==, 24);
      currents_ensemble_bootstrap (41, (guint) k, 24, expect);
      g_assert_cmpmem (b, nb * sizeof (gsize), expect, 24 * sizeof (gsize));
      g_assert_cmpuint (currents_ensemble_get_member_seed (one, k), ==, 41 + k);
      g_assert_cmpint (currents_ensemble_get_member_status (one, k), ==,
                       CURRENTS_ENSEMBLE_MEMBER_FINISHED);
    }
}

static void
test_file (void)
{
  g_autoptr(CurrentsDataset) ds = load_toggle ();
  g_autoptr(CurrentsEnsemble) ens = train_tiny (ds, 3, 2, 2);
  g_autofree char *dir = g_dir_make_tmp ("test-ensemble-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "ens.json", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  g_autofree char *text = NULL, *text2 = NULL, *damaged = NULL;
  g_autoptr(CurrentsEnsemble) back = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  gsize len;
  char *p;

  currents_ensemble_set_data (ens, "toggle.csv", currents_dataset_get_sha256 (ds), 24);
  g_assert_true (currents_ensemble_save (ens, path, &error));
  g_assert_no_error (error);
  g_assert_true (currents_ensemble_sniff (path));
  back = currents_ensemble_load (path, &error);
  g_assert_no_error (error);
  assert_same_members (ens, back);
  g_assert_cmpstr (currents_ensemble_get_data_sha256 (back), ==, currents_dataset_get_sha256 (ds));
  g_assert_cmpuint (currents_ensemble_get_n_trajectories (back), ==, 24);
  g_assert_cmpuint (currents_ensemble_get_seed (back), ==, 41);
  g_assert_cmpstr (json_object_get_string_member (currents_ensemble_get_settings (back),
                                                  "command"), ==, "reproducible");
  /* written again, the same text */
  text = currents_ensemble_to_data (ens);
  text2 = currents_ensemble_to_data (back);
  g_assert_cmpstr (text, ==, text2);

  /* a member as a system, with the member's parameters bit for bit */
  sys = currents_ensemble_new_system (back, 2);
  g_assert_cmpmem (currents_system_get_params (sys),
                   currents_system_get_n_params (sys) * sizeof (double),
                   currents_trained_model_get_params (currents_ensemble_get_member (ens, 2)),
                   currents_system_get_n_params (sys) * sizeof (double));
  g_assert_cmpstr (currents_system_get_state_names (sys)[1], ==, "v");

  /* one digit of a weight changed: refused by the checksum */
  damaged = g_strdup (text);
  p = strstr (damaged, "\"params\"");
  g_assert_nonnull (p);
  p = strpbrk (p, "123456789");
  *p = *p == '9' ? '8' : *p + 1;
  g_assert_null (currents_ensemble_load_from_data (damaged, -1, "bad.json", &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "damaged"));
  g_clear_error (&error);

  /* truncated */
  len = strlen (text);
  g_assert_true (g_file_set_contents (bad, text, (gssize) (len / 2), NULL));
  g_assert_null (currents_ensemble_load (bad, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  g_assert_nonnull (strstr (error->message, "damaged or truncated"));
  g_clear_error (&error);

  /* a single trained model is not an ensemble */
  g_assert_true (currents_trained_model_save (currents_ensemble_get_member (ens, 0), bad, NULL));
  g_assert_false (currents_ensemble_sniff (bad));
  g_assert_null (currents_ensemble_load (bad, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  g_assert_nonnull (strstr (error->message, "a single trained model"));
  g_clear_error (&error);

  /* another version */
  {
    g_autofree char *v2 = g_strdup (text);
    char *v = strstr (v2, "\"version\": 1");

    g_assert_nonnull (v);
    v[strlen ("\"version\": ")] = '2';
    g_assert_null (currents_ensemble_load_from_data (v2, -1, "v2.json", &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
    g_assert_nonnull (strstr (error->message, "version 2 is not supported"));
    g_clear_error (&error);
  }

  g_unlink (path);
  g_unlink (bad);
  g_rmdir (dir);
}

/* ------------------------------------------------------------------------------------ */
/* Cancellation                                                                          */

typedef struct
{
  GCancellable *cancellable;
  guint         stop_member;   /* cancel when this member reaches stop_epoch (or finishes) */
  guint         stop_epoch;    /* 0: when the first member finishes */
  guint         reports;
  guint         max_done;
  GMainLoop    *loop;
  gboolean      ok;
  GError       *error;
} CancelData;

static void
cancel_progress (const CurrentsEnsembleProgress *p,
                 gpointer                        data)
{
  CancelData *c = data;

  c->reports++;
  c->max_done = MAX (c->max_done, p->n_done);
  g_assert_cmpuint (p->n_members, ==, 3);
  if (c->stop_epoch == 0 ? p->n_done >= 1
                         : (p->member == c->stop_member && p->epoch >= c->stop_epoch))
    g_cancellable_cancel (c->cancellable);
}

static void
check_kept (CurrentsEnsembleTrainer *et,
            gsize                    expect_min,
            gsize                    expect_max)
{
  g_autoptr(CurrentsEnsemble) ens = currents_ensemble_trainer_get_ensemble (et, NULL, NULL);
  gsize n;

  g_assert_nonnull (ens);
  n = currents_ensemble_get_n_members (ens);
  g_test_message ("kept %" G_GSIZE_FORMAT " members", n);
  g_assert_cmpuint (n, >=, expect_min);
  g_assert_cmpuint (n, <=, expect_max);
  g_assert_cmpuint (currents_ensemble_get_member_index (ens, 0), ==, 0);
  g_assert_cmpint (currents_ensemble_get_member_status (ens, 0), ==,
                   CURRENTS_ENSEMBLE_MEMBER_FINISHED);
  for (gsize k = 0; k < n; k++)
    {
      const CurrentsTrainedModel *tm = currents_ensemble_get_member (ens, k);
      const double *p = currents_trained_model_get_params (tm);

      for (gsize i = 0; i < currents_trained_model_get_n_params (tm); i++)
        g_assert_true (isfinite (p[i]));
    }
}

static void
test_cancel_first (void)
{
  g_autoptr(CurrentsDataset) ds = load_toggle ();
  g_autoptr(CurrentsEnsembleTrainer) et = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  LearnerData ld = { ds, 4 };
  CurrentsEnsembleOptions o;
  CancelData c = { cancellable, 0, 0, 0, 0, NULL, FALSE, NULL };

  tiny_options (&o, 3, 6, 1);
  et = currents_ensemble_trainer_new (ds, &o, tiny_learner, &ld, &error);
  g_assert_no_error (error);
  g_assert_false (currents_ensemble_trainer_run (et, cancellable, cancel_progress, &c, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpuint (c.max_done, ==, 1);
  /* one thread: the second member had not started */
  check_kept (et, 1, 1);
}

static void
test_cancel_middle (void)
{
  g_autoptr(CurrentsDataset) ds = load_toggle ();
  g_autoptr(CurrentsEnsembleTrainer) et = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(CurrentsEnsemble) ens = NULL;
  g_autoptr(GError) error = NULL;
  LearnerData ld = { ds, 4 };
  CurrentsEnsembleOptions o;
  CancelData c = { cancellable, 1, 3, 0, 0, NULL, FALSE, NULL };
  JsonObject *ts;

  tiny_options (&o, 3, 10, 1);
  et = currents_ensemble_trainer_new (ds, &o, tiny_learner, &ld, &error);
  g_assert_no_error (error);
  g_assert_false (currents_ensemble_trainer_run (et, cancellable, cancel_progress, &c, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  check_kept (et, 2, 2);
  ens = currents_ensemble_trainer_get_ensemble (et, NULL, NULL);
  /* member 2 stopped after its third epoch: its best so far, said so */
  g_assert_cmpuint (currents_ensemble_get_member_index (ens, 1), ==, 1);
  g_assert_cmpint (currents_ensemble_get_member_status (ens, 1), ==,
                   CURRENTS_ENSEMBLE_MEMBER_STOPPED);
  ts = currents_trained_model_get_training (currents_ensemble_get_member (ens, 1));
  g_assert_true (json_object_get_boolean_member (ts, "stopped_by_user"));
  g_assert_cmpint (json_object_get_int_member (ts, "best_epoch"), >=, 1);
  g_assert_cmpint (json_object_get_int_member (ts, "best_epoch"), <=, 3);

  /* what was kept saves and loads back bit for bit, statuses included */
  {
    g_autofree char *text = currents_ensemble_to_data (ens);
    g_autoptr(CurrentsEnsemble) back = currents_ensemble_load_from_data (text, -1, "kept.json",
                                                                         &error);
    g_assert_no_error (error);
    assert_same_members (ens, back);
    g_assert_cmpint (currents_ensemble_get_member_status (back, 1), ==,
                     CURRENTS_ENSEMBLE_MEMBER_STOPPED);
    g_assert_cmpuint (currents_ensemble_get_n_planned (back), ==, 3);
  }
}

static void
on_async_done (GObject      *source,
               GAsyncResult *result,
               gpointer      data)
{
  CancelData *c = data;
  CurrentsEnsembleTrainer *et = g_object_get_data (G_OBJECT (c->cancellable), "trainer");

  c->ok = currents_ensemble_trainer_train_finish (et, result, &c->error);
  g_main_loop_quit (c->loop);
}

static void
test_cancel_async (void)
{
  g_autoptr(CurrentsDataset) ds = load_toggle ();
  g_autoptr(CurrentsEnsembleTrainer) et = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  LearnerData ld = { ds, 4 };
  CurrentsEnsembleOptions o;
  CancelData c = { cancellable, 0, 0, 0, 0, loop, FALSE, NULL };

  /* the first member finishing cancels (on the main thread): members that finished before
   * the report arrived are kept too, so 1 or 2 of 3 */
  tiny_options (&o, 3, 40, 1);
  et = currents_ensemble_trainer_new (ds, &o, tiny_learner, &ld, &error);
  g_assert_no_error (error);
  g_object_set_data (G_OBJECT (cancellable), "trainer", et);
  currents_ensemble_trainer_train_async (et, cancellable, cancel_progress, &c, NULL,
                                         on_async_done, &c);
  g_main_loop_run (loop);
  g_assert_false (c.ok);
  g_assert_error (c.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&c.error);
  g_assert_cmpuint (c.reports, >, 0);
  check_kept (et, 1, 2);
}

/* ------------------------------------------------------------------------------------ */
/* Analyses on members with known answers                                                */

static GPtrArray *
systems_from (const char   *source,
              const char   *name,
              const double *values,
              gsize         n)
{
  GPtrArray *systems = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_system_free);

  for (gsize k = 0; k < n; k++)
    {
      g_autoptr(GError) error = NULL;
      CurrentsModel *model = currents_model_new_from_string (source, "member.ode", &error);
      CurrentsSystem *sys;

      g_assert_no_error (error);
      sys = currents_system_new_from_model (model);
      g_assert_true (currents_system_set (sys, name, values[k], &error));
      g_assert_no_error (error);
      g_ptr_array_add (systems, sys);
    }
  return systems;
}

/* The members' disagreement on a plane: x' = b, y' = -y with b = 1 ± d for two members:
 * per cell the spread is d exactly, over the RMS field size √(mean(1 + d² + y²)) across
 * the window's cells; identical members give 0 everywhere. */
static void
test_disagreement (void)
{
  const char *src = "par b=1\nx' = b\ny' = -y\ndone\n";
  const double d = 0.25, b[2] = { 1.0 - d, 1.0 + d }, same[2] = { 1.0, 1.0 };
  const double window[4] = { 0.0, 1.0, -1.0, 1.0 }, x0[2] = { 0.0, 0.0 };
  g_autoptr(GPtrArray) two = systems_from (src, "b", b, 2);
  g_autoptr(GPtrArray) twins = systems_from (src, "b", same, 2);
  g_autoptr(GError) error = NULL;
  double out[4 * 5], size = 0.0;

  g_assert_true (currents_ensemble_disagreement (twins, 0, 1, x0, window, 4, 5, out, &error));
  g_assert_no_error (error);
  for (gsize c = 0; c < 20; c++)
    g_assert_cmpfloat (out[c], ==, 0.0);

  g_assert_true (currents_ensemble_disagreement (two, 0, 1, x0, window, 4, 5, out, &error));
  for (gsize j = 0; j < 5; j++)
    {
      double y = -1.0 + 2.0 * (j + 0.5) / 5.0;

      size += 4 * (1.0 + d * d + y * y);   /* mean over the two members, 4 cells a row */
    }
  size /= 20.0;
  for (gsize c = 0; c < 20; c++)
    g_assert_cmpfloat_with_epsilon (out[c], d / sqrt (size), 1e-14);

  g_assert_false (currents_ensemble_disagreement (two, 0, 0, x0, window, 4, 5, out, &error));
  g_assert_nonnull (error);
}

static void
test_predict (void)
{
  const double a[3] = { 3.0, 1.0, 2.0 };
  g_autoptr(GPtrArray) systems = systems_from ("par a=1\nx' = -a*x\ninit x=1\n@ dt=0.005\ndone\n", "a", a, 3);
  double times[4] = { 0.25, 0.5, 1.0, 2.385 };
  double med[4], lo[4], hi[4], x0 = 1.75;
  CurrentsIntervalKind kind;
  g_autoptr(GError) error = NULL;
  gsize ok = 0;

  g_assert_true (currents_ensemble_predict (systems, &x0, NULL, 0.0, times, 4, med, lo, hi,
                                            &kind, &ok, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ok, ==, 3);
  g_assert_cmpint (kind, ==, CURRENTS_INTERVAL_RANGE);
  for (int q = 0; q < 4; q++)
    {
      /* XPP's default RK4, here with h = 0.005: error about t(ah)⁴/120 */
      g_assert_cmpfloat (fabs (med[q] / (x0 * exp (-2 * times[q])) - 1), <, 1e-7);
      g_assert_cmpfloat (fabs (lo[q] / (x0 * exp (-3 * times[q])) - 1), <, 1e-7);
      g_assert_cmpfloat (fabs (hi[q] / (x0 * exp (-1 * times[q])) - 1), <, 1e-7);
    }
}

static void
test_equilibria (void)
{
  const double a[4] = { 2.2, 2.0, 2.4, 2.3 };
  g_autoptr(GPtrArray) systems =
    systems_from ("par a=1\nx' = (a - x)*(7.5 - x)\ninit x=1\ndone\n", "a", a, 4);
  double lo = 0.0, hi = 10.0;
  CurrentsEquilibriaOptions o;
  g_autoptr(GPtrArray) eqs = NULL;
  g_autoptr(GError) error = NULL;
  const CurrentsEnsembleEquilibrium *e;

  currents_equilibria_options_init (&o);
  o.lo = &lo;
  o.hi = &hi;
  eqs = currents_ensemble_equilibria (systems, &o, 0.1, NULL, &error);
  g_assert_no_error (error);
  /* x = a in every member (stable), x = 7.5 in every member (unstable) */
  g_assert_cmpuint (eqs->len, ==, 2);
  e = g_ptr_array_index (eqs, 0);
  g_assert_cmpuint (e->agree, ==, 4);
  g_assert_cmpuint (e->n_members, ==, 4);
  g_assert_cmpfloat (fabs (e->median[0] - 2.25), <, 1e-9);
  g_assert_cmpfloat (fabs (e->lo[0] - 2.0), <, 1e-9);
  g_assert_cmpfloat (fabs (e->hi[0] - 2.4), <, 1e-9);
  g_assert_cmpint (e->kind, ==, CURRENTS_INTERVAL_RANGE);
  g_assert_cmpint (e->type, ==, CURRENTS_EQUILIBRIUM_STABLE_NODE);
  g_assert_cmpuint (e->type_agree, ==, 4);
  g_assert_cmpuint (e->n_stable, ==, 4);
  e = g_ptr_array_index (eqs, 1);
  g_assert_cmpuint (e->agree, ==, 4);
  g_assert_cmpfloat (fabs (e->median[0] - 7.5), <, 1e-9);
  g_assert_cmpfloat (e->hi[0] - e->lo[0], <, 1e-9);
  g_assert_cmpint (e->type, ==, CURRENTS_EQUILIBRIUM_UNSTABLE_NODE);
  g_assert_cmpuint (e->n_stable, ==, 0);

  /* tighter than the spread (0.4 of 10 = 0.04): members no longer agree */
  g_clear_pointer (&eqs, g_ptr_array_unref);
  eqs = currents_ensemble_equilibria (systems, &o, 0.005, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (eqs->len, >, 2);
}

static void
test_continue (void)
{
  const double c[3] = { 0.2, 0.1, 0.3 };
  g_autoptr(GPtrArray) systems =
    systems_from ("par r=-1, c=0.2\nx' = r - c + x^2\ninit x=0\n@ xlo=-3, xhi=3\ndone\n", "c",
                  c, 3);
  CurrentsContinuationOptions o;
  g_autoptr(GPtrArray) tps = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *failure = NULL;
  g_autofree char *sentence = NULL;
  const CurrentsTippingPoint *tp;
  gsize failed = 99;

  currents_continuation_options_init (&o);
  o.lo = -2.0;
  o.hi = 2.0;
  o.start = -1.0;
  tps = currents_ensemble_continue (systems, "r", &o, 0.0, &failed, &failure, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (failed, ==, 0);
  g_assert_null (failure);
  /* ẋ = r − c + x² folds at r = c, x = 0 */
  g_assert_cmpuint (tps->len, ==, 1);
  tp = g_ptr_array_index (tps, 0);
  g_assert_cmpint (tp->kind, ==, CURRENTS_BIFURCATION_FOLD);
  g_assert_cmpuint (tp->found_in, ==, 3);
  g_assert_cmpuint (tp->n_members, ==, 3);
  g_assert_cmpfloat (fabs (tp->param - 0.2), <, 1e-6);
  g_assert_cmpfloat (fabs (tp->lo - 0.1), <, 1e-6);
  g_assert_cmpfloat (fabs (tp->hi - 0.3), <, 1e-6);
  g_assert_cmpfloat (fabs (tp->state[0]), <, 1e-5);
  g_assert_cmpint (tp->interval_kind, ==, CURRENTS_INTERVAL_RANGE);
  sentence = currents_tipping_point_describe (tp, "r");
  g_assert_cmpstr (sentence, ==, "tipping at r = 0.2, range 0.1–0.3 over 3 members, found in "
                                 "3 of 3");
}

/* The shipped ensemble of the toggle switch (made with the command in its settings). */
static void
test_toggle_folds (void)
{
  g_autofree char *path = example_path ("toggle-ensemble.json");
  g_autoptr(CurrentsEnsemble) ens = NULL;
  g_autoptr(GPtrArray) systems = NULL;
  g_autoptr(GPtrArray) tps = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *failure = NULL;
  CurrentsContinuationOptions o;
  const double truth[2] = { 0.6415, 0.9227 };
  gsize failed = 0, folds = 0;

  ens = currents_ensemble_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_ensemble_get_n_members (ens), ==, 8);
  systems = currents_ensemble_new_systems (ens);
  currents_continuation_options_init (&o);
  o.lo = 0.0;
  o.hi = 2.0;
  o.start = 0.8;   /* inside the bistable range: every member's three equilibria */
  tps = currents_ensemble_continue (systems, "iptg", &o, 0.0, &failed, &failure, NULL, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < tps->len; i++)
    {
      const CurrentsTippingPoint *tp = g_ptr_array_index (tps, i);
      g_autofree char *s = currents_tipping_point_describe (tp, "iptg");

      g_test_message ("%s", s);
      if (tp->kind != CURRENTS_BIFURCATION_FOLD)
        continue;
      if (folds >= 2)
        {
          /* one member's extra fold, where it extrapolates beyond the data (iptg ≤ 1.2) */
          g_assert_cmpfloat (tp->lo, >, 1.2);
          g_assert_cmpuint (tp->found_in, ==, 1);
          continue;
        }
      g_assert_cmpfloat (tp->lo, <=, truth[folds]);
      g_assert_cmpfloat (tp->hi, >=, truth[folds]);
      g_assert_cmpuint (tp->found_in, >=, 6);
      folds++;
    }
  g_assert_cmpuint (folds, ==, 2);
  g_assert_cmpuint (failed, ==, 0);
  g_assert_null (failure);
}

/* The same ensemble at iptg = 0.8 (bistable): the true equilibria of toggle.ode there,
 * (0.64526, 2.59784) stable, (1.91533, 1.26906) saddle, (4.41621, 0.36358) stable, each
 * inside the members' ranges. */
static void
test_toggle_equilibria (void)
{
  g_autofree char *path = example_path ("toggle-ensemble.json");
  g_autoptr(CurrentsEnsemble) ens = NULL;
  g_autoptr(GPtrArray) systems = NULL;
  g_autoptr(GPtrArray) eqs = NULL;
  g_autoptr(GError) error = NULL;
  const double truth[3][2] = { { 0.64526, 2.59784 }, { 1.91533, 1.26906 },
                               { 4.41621, 0.36358 } };
  const CurrentsEquilibriumType types[3] = { CURRENTS_EQUILIBRIUM_STABLE_NODE,
                                             CURRENTS_EQUILIBRIUM_SADDLE,
                                             CURRENTS_EQUILIBRIUM_STABLE_NODE };
  double lo[2], hi[2];
  CurrentsEquilibriaOptions o;

  ens = currents_ensemble_load (path, &error);
  g_assert_no_error (error);
  systems = currents_ensemble_new_systems (ens);
  for (guint k = 0; k < systems->len; k++)
    {
      g_assert_true (currents_system_set (g_ptr_array_index (systems, k), "iptg", 0.8, &error));
      g_assert_no_error (error);
    }
  currents_system_get_default_box (g_ptr_array_index (systems, 0), lo, hi);
  currents_equilibria_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  eqs = currents_ensemble_equilibria (systems, &o, 0.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (eqs->len, ==, 3);
  for (guint k = 0; k < 3; k++)
    {
      const CurrentsEnsembleEquilibrium *e = g_ptr_array_index (eqs, k);

      g_test_message ("u = %.4g (%.4g–%.4g), v = %.4g (%.4g–%.4g): %s, %" G_GSIZE_FORMAT
                      " of 8", e->median[0], e->lo[0], e->hi[0], e->median[1], e->lo[1],
                      e->hi[1], currents_equilibrium_type_to_string (e->type), e->agree);
      g_assert_cmpint (e->type, ==, types[k]);
      g_assert_cmpuint (e->type_agree, ==, e->agree);
      g_assert_cmpuint (e->agree, >=, 6);
      for (int i = 0; i < 2; i++)
        {
          g_assert_cmpfloat (e->lo[i], <=, truth[k][i]);
          g_assert_cmpfloat (e->hi[i], >=, truth[k][i]);
        }
    }
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/ensemble/interval", test_interval);
  g_test_add_func ("/engine/ensemble/disagreement", test_disagreement);
  g_test_add_func ("/engine/ensemble/bootstrap", test_bootstrap);
  g_test_add_func ("/engine/ensemble/reproducible", test_reproducible);
  g_test_add_func ("/engine/ensemble/file", test_file);
  g_test_add_func ("/engine/ensemble/cancel/first", test_cancel_first);
  g_test_add_func ("/engine/ensemble/cancel/middle", test_cancel_middle);
  g_test_add_func ("/engine/ensemble/cancel/async", test_cancel_async);
  g_test_add_func ("/engine/ensemble/predict", test_predict);
  g_test_add_func ("/engine/ensemble/equilibria", test_equilibria);
  g_test_add_func ("/engine/ensemble/continue", test_continue);
  g_test_add_func ("/engine/ensemble/toggle-folds", test_toggle_folds);
  g_test_add_func ("/engine/ensemble/toggle-equilibria", test_toggle_equilibria);

  return g_test_run ();
}
