/* test-ensemble-train.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training an ensemble from the training panel, in the window, on the bundled example
 * (the genetic toggle switch and its data), under a display (`xvfb-run -a`):
 *
 *   - three models of a tiny network (hidden "8", 5 epochs): the panel finishes, the
 *     window shows an ensemble of 3 members, and every member's parameters equal those
 *     of the engine's ensemble trainer run with the same settings and seed, bit for bit;
 *   - Stop right after the first member finished (2000 epochs each) keeps it: at least
 *     one and fewer than three finished members, every parameter finite, and on two
 *     cores (one member at a time) fewer than three members at all;
 *   - the Models row cannot be used for the parameters of the open `.ode` model.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes ensemble-train-finished.png there.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-ensemble-train"

#include <math.h>
#include <string.h>

#include <adwaita.h>

#include "currents-window.h"
#include "currents-window-ensemble.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 45.0
#define SEED         11
#define HIDDEN       "8"

typedef struct
{
  CurrentsWindow        *window;
  CurrentsTrainingPanel *panel;
  GSettings             *settings;
} Fixture;

static const char *const keys[] = { "train-hidden", "train-epochs", "train-seed",
                                    "train-log-inputs", NULL };

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->settings = g_settings_new (APP_ID);
  g_settings_set_string (fixture->settings, "train-hidden", HIDDEN);
  g_settings_set_uint (fixture->settings, "train-epochs", GPOINTER_TO_UINT (data));
  g_settings_set_uint (fixture->settings, "train-seed", SEED);
  g_settings_set_boolean (fixture->settings, "train-log-inputs", FALSE);

  fixture->window = currents_gui_test_window_new (1180, 760, TRUE);
  fixture->panel = currents_window_get_training_panel (fixture->window);
  g_assert_cmpint (currents_training_panel_get_state (fixture->panel), ==,
                   CURRENTS_TRAINING_READY);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  currents_gui_test_destroy_window (&fixture->window, &fixture->panel, WAIT_SECONDS);
  for (guint i = 0; keys[i] != NULL; i++)
    g_settings_reset (fixture->settings, keys[i]);
  g_clear_object (&fixture->settings);
}

static gboolean
not_running (gpointer data)
{
  return !currents_training_panel_get_running (data);
}

static gboolean
first_member_done (gpointer data)
{
  return currents_training_panel_get_members_done (data) >= 1
         || !currents_training_panel_get_running (data);
}

static gboolean
all_finite (const CurrentsTrainedModel *tm)
{
  const double *p = currents_trained_model_get_params (tm);

  for (gsize i = 0; i < currents_trained_model_get_n_params (tm); i++)
    if (!isfinite (p[i]))
      return FALSE;
  return TRUE;
}

/* The same members as the panel makes them, straight from the engine. */
typedef struct
{
  const CurrentsDataset *dataset;
  CurrentsNeuralSpec     spec;
} Setup;

static CurrentsLearner *
engine_learner (guint     member,
                guint64   seed,
                gpointer  data,
                GError  **error)
{
  Setup *s = data;
  CurrentsNeuralSpec spec = s->spec;

  spec.seed = seed;
  return currents_learner_new_neural (s->dataset, &spec, TRUE, error);
}

static CurrentsEnsemble *
engine_ensemble (GSettings             *settings,
                 const CurrentsDataset *dataset,
                 guint                  n_members)
{
  g_autoptr(CurrentsEnsembleTrainer) et = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *gradient = g_settings_get_string (settings, "train-gradient");
  g_autofree char *activation = g_settings_get_string (settings, "train-activation");
  CurrentsEnsembleOptions eo;
  Setup s = { dataset };

  currents_neural_spec_init (&s.spec);
  s.spec.n_hidden = 1;
  s.spec.hidden[0] = 8;
  g_assert_true (currents_activation_from_string (activation, &s.spec.activation));

  currents_ensemble_options_init (&eo);
  eo.n_members = n_members;
  eo.n_threads = 2;
  eo.seed = SEED;
  currents_train_options_init (&eo.train);
  eo.train.epochs = g_settings_get_uint (settings, "train-epochs");
  eo.train.lr = g_settings_get_double (settings, "train-learning-rate");
  eo.train.val_fraction = g_settings_get_double (settings, "train-val-fraction");
  eo.train.batch_size = g_settings_get_uint (settings, "train-batch-size");
  eo.train.seed = SEED;
  g_assert_true (currents_gradient_method_from_string (gradient,
                                                       &eo.train.loss.adjoint.method));
  eo.train.loss.adjoint.rtol = g_settings_get_double (settings, "train-rtol");
  eo.train.loss.adjoint.atol = g_settings_get_double (settings, "train-atol");

  et = currents_ensemble_trainer_new (dataset, &eo, engine_learner, &s, &error);
  g_assert_no_error (error);
  g_assert_true (currents_ensemble_trainer_run (et, NULL, NULL, NULL, &error));
  g_assert_no_error (error);
  return currents_ensemble_trainer_get_ensemble (et, NULL, NULL);
}

/* ---- tests ---- */

static void
test_finish (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsPortrait *portrait = currents_window_get_portrait (fixture->window);
  g_autoptr(CurrentsDataset) dataset = currents_dataset_copy (currents_portrait_get_dataset (portrait));
  g_autoptr(CurrentsEnsemble) engine = NULL;
  g_autoptr(GError) error = NULL;
  const CurrentsEnsemble *shown;
  gsize same = 0, n_params = 0;

  g_assert_true (currents_training_panel_get_ensemble_possible (fixture->panel));
  currents_training_panel_set_n_models (fixture->panel, 3);
  g_assert_cmpuint (currents_training_panel_get_n_models (fixture->panel), ==, 3);
  g_assert_true (currents_training_panel_start (fixture->panel, &error));
  g_assert_no_error (error);
  g_assert_cmpint (currents_training_panel_get_state (fixture->panel), ==,
                   CURRENTS_TRAINING_RUNNING);
  g_assert_true (currents_gui_test_iterate_until (not_running, fixture->panel, WAIT_SECONDS));
  g_assert_cmpint (currents_training_panel_get_state (fixture->panel), ==,
                   CURRENTS_TRAINING_FINISHED);
  g_assert_cmpuint (currents_training_panel_get_members_done (fixture->panel), ==, 3);
  adw_flap_set_reveal_flap (ADW_FLAP (gtk_widget_get_ancestor (GTK_WIDGET (fixture->panel),
                                                               ADW_TYPE_FLAP)), TRUE);
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "ensemble-train", "finished");

  /* the window shows it */
  shown = currents_window_get_ensemble (fixture->window);
  g_assert_nonnull (shown);
  g_assert_true (shown != currents_training_panel_get_ensemble (fixture->panel));
  g_assert_cmpuint (currents_ensemble_get_n_members (shown), ==, 3);
  g_assert_cmpuint (currents_ensemble_get_n_planned (shown), ==, 3);
  g_assert_cmpuint (currents_ensemble_get_seed (shown), ==, SEED);

  /* … with the engine's members, bit for bit */
  engine = engine_ensemble (fixture->settings, dataset, 3);
  g_assert_nonnull (engine);
  g_assert_cmpuint (currents_ensemble_get_n_members (engine), ==, 3);
  for (gsize k = 0; k < 3; k++)
    {
      const CurrentsTrainedModel *a = currents_ensemble_get_member (shown, k);
      const CurrentsTrainedModel *b = currents_ensemble_get_member (engine, k);
      gsize n = currents_trained_model_get_n_params (a);

      g_assert_cmpuint (currents_ensemble_get_member_index (shown, k), ==, k);
      g_assert_cmpuint (currents_ensemble_get_member_seed (shown, k), ==, SEED + k);
      g_assert_cmpint (currents_ensemble_get_member_status (shown, k), ==,
                       CURRENTS_ENSEMBLE_MEMBER_FINISHED);
      g_assert_cmpuint (n, ==, currents_trained_model_get_n_params (b));
      g_assert_cmpuint (n, >, 0);
      g_assert_true (all_finite (a));
      g_assert_cmpmem (currents_trained_model_get_params (a), n * sizeof (double),
                       currents_trained_model_get_params (b), n * sizeof (double));
      n_params = n;
      same++;
    }
  /* the members differ from each other: different resamples and seeds */
  g_assert_true (memcmp (currents_trained_model_get_params (currents_ensemble_get_member (shown, 0)),
                         currents_trained_model_get_params (currents_ensemble_get_member (shown, 1)),
                         n_params * sizeof (double)) != 0);
  g_test_message ("3 of 3 members with %zu parameters each equal the engine's run", n_params);
  g_assert_cmpuint (same, ==, 3);
}

static void
test_stop (Fixture       *fixture,
           gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  const CurrentsEnsemble *shown;
  gsize n, finished = 0;
  gint64 started = g_get_monotonic_time ();

  currents_training_panel_set_n_models (fixture->panel, 3);
  g_assert_true (currents_training_panel_start (fixture->panel, &error));
  g_assert_no_error (error);
  g_assert_true (currents_gui_test_iterate_until (first_member_done, fixture->panel,
                                                  WAIT_SECONDS));
  g_test_message ("first member done after %.2f s",
                  (g_get_monotonic_time () - started) / (double) G_USEC_PER_SEC);
  g_assert_true (currents_training_panel_get_running (fixture->panel));
  currents_training_panel_stop (fixture->panel);
  g_assert_cmpint (currents_training_panel_get_state (fixture->panel), ==,
                   CURRENTS_TRAINING_STOPPING);
  g_assert_true (currents_gui_test_iterate_until (not_running, fixture->panel, WAIT_SECONDS));
  g_assert_cmpint (currents_training_panel_get_state (fixture->panel), ==,
                   CURRENTS_TRAINING_STOPPED);

  shown = currents_window_get_ensemble (fixture->window);
  g_assert_nonnull (shown);
  n = currents_ensemble_get_n_members (shown);
  g_assert_cmpuint (currents_ensemble_get_n_planned (shown), ==, 3);
  g_assert_cmpuint (n, >=, 1);
  g_assert_cmpuint (n, <=, 3);
  for (gsize k = 0; k < n; k++)
    {
      g_assert_true (all_finite (currents_ensemble_get_member (shown, k)));
      if (currents_ensemble_get_member_status (shown, k) == CURRENTS_ENSEMBLE_MEMBER_FINISHED)
        finished++;
    }
  /* the member that finished is kept as it finished; not all of them finished */
  g_assert_cmpuint (finished, >=, 1);
  g_assert_cmpuint (finished, <, 3);
  /* one member at a time on two cores: the third never started */
  if (g_get_num_processors () <= 2)
    g_assert_cmpuint (n, <, 3);
  g_test_message ("stopped after the first member: %zu members kept, %zu finished", n,
                  finished);
}

static void
test_ode_insensitive (Fixture       *fixture,
                      gconstpointer  data)
{
  g_assert_true (currents_training_panel_get_ensemble_possible (fixture->panel));
  g_assert_true (currents_training_panel_set_kind (fixture->panel, "params"));
  g_assert_false (currents_training_panel_get_ensemble_possible (fixture->panel));
  g_assert_true (currents_training_panel_set_kind (fixture->panel, "neural"));
  g_assert_true (currents_training_panel_get_ensemble_possible (fixture->panel));
}

int
main (int   argc,
      char *argv[])
{
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);

  currents_gui_test_init (&argc, &argv);

  g_test_add ("/gui/ensemble-train/finish", Fixture, GUINT_TO_POINTER (5), fixture_set_up,
              test_finish, fixture_tear_down);
  g_test_add ("/gui/ensemble-train/stop", Fixture, GUINT_TO_POINTER (2000), fixture_set_up,
              test_stop, fixture_tear_down);
  g_test_add ("/gui/ensemble-train/ode-insensitive", Fixture, GUINT_TO_POINTER (5),
              fixture_set_up, test_ode_insensitive, fixture_tear_down);

  return g_test_run ();
}
