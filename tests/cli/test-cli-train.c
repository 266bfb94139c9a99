/* test-cli-train.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * currents-cli train, predict and gradient as a user runs them: JSON summaries with the
 * promised keys, a trained model that predicts, a hybrid model whose learned term is fitted,
 * Ctrl-C that saves the best model, finite-difference checks, and clear refusals.
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <json-glib/json-glib.h>

#include "currents-cli-test.h"
#include "currents-engine.h"

#define RUN(r, ...) currents_cli_test_run ((r), __VA_ARGS__, NULL)

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_train_predict (void)
{
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *out = currents_cli_test_write_temp ("toggle.json", NULL);
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) p = { 0 };
  g_auto(CurrentsCliRun) q = { 0 };
  g_autoptr(JsonObject) o = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  g_autoptr(CurrentsDataset) pred = NULL;
  const CurrentsNeuralScaling *sc;

  RUN (&r, "train", data, "--input", "iptg", "--log-input", "iptg", "--hidden", "16,16",
       "--epochs", "8", "--seed", "4", "--json", "-o", out);
  g_assert_cmpint (r.status, ==, 0);
  o = parse_object (r.out);
  for (const char **k = (const char *[]) { "train_loss", "val_loss", "best_epoch", "epochs",
                                           "seconds", "model_file", NULL }; *k; k++)
    g_assert_true (json_object_has_member (o, *k));
  g_assert_cmpint (json_object_get_int_member (o, "epochs"), ==, 8);
  g_assert_cmpfloat (json_object_get_double_member (o, "val_loss"), >, 0.0);
  g_assert_cmpstr (json_object_get_string_member (o, "model_file"), ==, out);

  tm = currents_trained_model_load (out, &error);
  g_assert_no_error (error);
  g_assert_cmpint (currents_trained_model_get_kind (tm), ==, CURRENTS_TRAINED_NEURAL);
  /* the inducer enters as log10(iptg + u₀), u₀ its smallest positive level (0.5) */
  sc = currents_neural_model_get_scaling (currents_trained_model_get_neural (tm));
  g_assert_true (sc->u_log[0]);
  g_assert_cmpfloat (sc->u_offset[0], ==, 0.5);
  g_assert_nonnull (currents_trained_model_get_data_sha256 (tm));

  /* predictions through and beyond the samples, for every trajectory */
  RUN (&p, "predict", out, "--data", data, "--input", "iptg", "--times", "0:20:2.5");
  g_assert_cmpint (p.status, ==, 0);
  pred = currents_dataset_parse (p.out, -1, "prediction", NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_dataset_get_n_trajectories (pred), ==, 24);
  g_assert_cmpuint (currents_dataset_get_n_samples (pred), ==, 24 * 9);
  for (gsize i = 0; i < currents_dataset_get_n_samples (pred) && i < 9; i++)
    g_assert_true (isfinite (currents_trajectory_get_states (
                               currents_dataset_get_trajectory (pred, 0))[i * 2]));

  RUN (&q, "predict", out, "--init", "u=1.5,v=0.5", "--set", "iptg=1", "--t1", "5", "--dt", "1");
  g_assert_cmpint (q.status, ==, 0);
  g_assert_nonnull (strstr (q.out, "t,u,v\n0,1.5,0.5\n"));

  /* a trained model goes wherever a model goes: simulate and check take it too */
  {
    g_auto(CurrentsCliRun) sim = { 0 };
    g_auto(CurrentsCliRun) chk = { 0 };
    g_autoptr(JsonObject) c = NULL;

    RUN (&sim, "simulate", out, "--init", "u=1.5,v=0.5", "--set", "iptg=1", "--t1", "5",
         "--dt", "1");
    g_assert_cmpint (sim.status, ==, 0);
    /* the same numbers as predict (same solver settings) */
    g_assert_nonnull (strstr (sim.out, strstr (q.out, "t,u,v\n")));
    RUN (&chk, "check", out, "--json");
    g_assert_cmpint (chk.status, ==, 0);
    c = parse_object (chk.out);
    g_assert_cmpstr (json_object_get_string_member (c, "kind"), ==, "neural");
    g_assert_cmpint (json_object_get_int_member (c, "epochs"), ==, 8);
  }
}

static double
mse_of (const char *json)
{
  g_autoptr(JsonObject) o = parse_object (json);
  return json_object_get_double_member (o, "mse");
}

static void
test_hybrid (void)
{
  /* chemostat-hybrid.ode learns the growth law mu(S) from chemostat.csv: the training
   * MSE of the fitted model is a fraction of the untrained one's. */
  g_autofree char *data = currents_cli_test_example ("chemostat.csv");
  g_autofree char *model = currents_cli_test_example ("chemostat-hybrid.ode");
  g_autofree char *out = currents_cli_test_write_temp ("hybrid.json", NULL);
  g_auto(CurrentsCliRun) before = { 0 };
  g_auto(CurrentsCliRun) t = { 0 };
  g_auto(CurrentsCliRun) after = { 0 };

  RUN (&before, "gradient", data, "--model", model, "--json");
  g_assert_cmpint (before.status, ==, 0);
  RUN (&t, "train", data, "--model", model, "--epochs", "40", "--lr", "0.05",
       "--val-fraction", "0", "--quiet", "-o", out);
  g_assert_cmpint (t.status, ==, 0);
  RUN (&after, "gradient", data, "--params", out, "--json");
  g_assert_cmpint (after.status, ==, 0);
  g_assert_cmpfloat (mse_of (after.out), <, 0.5 * mse_of (before.out));
}

/* --conserve adds the penalty of a conserved quantity to the loss (a random network does
 * not conserve E + C, so the loss grows), its gradient stays exact, training records it,
 * and a name that is not a state is refused with the column. */
static void
test_conserve (void)
{
  g_autofree char *data = currents_cli_test_example ("enzyme.csv");
  g_autofree char *out = currents_cli_test_write_temp ("conserve.json", NULL);
  g_auto(CurrentsCliRun) plain = { 0 };
  g_auto(CurrentsCliRun) pen = { 0 };
  g_auto(CurrentsCliRun) t = { 0 };
  g_auto(CurrentsCliRun) bad = { 0 };
  g_auto(CurrentsCliRun) lone = { 0 };
  g_autoptr(JsonObject) o0 = NULL, o1 = NULL;
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *training;
  JsonArray *conserve;

  RUN (&plain, "gradient", data, "--hidden", "8", "--seed", "1", "--json");
  g_assert_cmpint (plain.status, ==, 0);
  RUN (&pen, "gradient", data, "--hidden", "8", "--seed", "1", "--conserve", "E + C",
       "--conserve-weight", "10", "--check", "--json");
  g_assert_cmpint (pen.status, ==, 0);
  o0 = parse_object (plain.out);
  o1 = parse_object (pen.out);
  g_assert_cmpfloat (json_object_get_double_member (o1, "loss"), >,
                     json_object_get_double_member (o0, "loss"));
  g_assert_cmpfloat (json_object_get_double_member (o1, "fd_rel_error"), <=, 1e-5);

  RUN (&t, "train", data, "--hidden", "8", "--epochs", "3", "--conserve", "E + C",
       "--conserve", "S + C + P", "--conserve-weight", "2", "--quiet", "-o", out);
  g_assert_cmpint (t.status, ==, 0);
  g_assert_true (json_parser_load_from_file (parser, out, &error));
  g_assert_no_error (error);
  training = json_object_get_object_member (json_node_get_object (json_parser_get_root (parser)),
                                            "training");
  conserve = json_object_get_array_member (training, "conserve");
  g_assert_cmpuint (json_array_get_length (conserve), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (conserve, 1),
                                                  "expression"), ==, "S + C + P");
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (conserve, 1),
                                                    "weight"), ==, 2.0);

  RUN (&bad, "train", data, "--epochs", "1", "--conserve", "E + X", "-o", out);
  g_assert_cmpint (bad.status, ==, 1);
  g_assert_nonnull (strstr (bad.err, "column 5: 'X' is not a state of the model"));
  RUN (&lone, "train", data, "--epochs", "1", "--conserve-weight", "2", "-o", out);
  g_assert_cmpint (lone.status, ==, 1);
  g_assert_nonnull (strstr (lone.err, "--conserve-weight"));
}

static void
test_gradient_check (void)
{
  g_autofree char *data = currents_cli_test_example ("chemostat.csv");
  g_autofree char *model = currents_cli_test_example ("chemostat-hybrid.ode");
  g_auto(CurrentsCliRun) r = { 0 };
  g_autoptr(JsonObject) o = NULL;

  RUN (&r, "gradient", data, "--model", model, "--rtol", "1e-10", "--atol", "1e-12",
       "--check", "--repeat", "3", "--json");
  g_assert_cmpint (r.status, ==, 0);
  o = parse_object (r.out);
  for (const char **k = (const char *[]) { "loss", "grad_norm", "nfe_forward", "nfe_backward",
                                           "seconds_median", "fd_rel_error", NULL }; *k; k++)
    g_assert_true (json_object_has_member (o, *k));
  g_assert_cmpfloat (json_object_get_double_member (o, "fd_rel_error"), <=, 1e-5);
  g_assert_cmpint (json_object_get_int_member (o, "nfe_backward"), >, 0);
}

static void
test_interrupt_saves_best (void)
{
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *out = currents_cli_test_write_temp ("interrupted.json", NULL);
  const char *argv[] = { g_getenv ("CURRENTS_CLI"), "train", data, "--input", "iptg",
                         "--epochs", "100000", "--hidden", "8", "--json", "-o", out, NULL };
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  GPid pid;
  int out_fd, status;
  g_autofree char *text = NULL;
  g_autoptr(GString) buf = g_string_new (NULL);
  char chunk[4096];
  gssize got;
  gint64 deadline;

  g_assert_true (g_spawn_async_with_pipes (NULL, (char **) argv, NULL,
                                           G_SPAWN_DO_NOT_REAP_CHILD | G_SPAWN_STDERR_TO_DEV_NULL,
                                           NULL, NULL, &pid, NULL, &out_fd, NULL, &error));
  g_usleep (1500 * 1000);
  kill (pid, SIGINT);
  /* a graceful stop: the process ends by itself within a generous bound */
  deadline = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (waitpid (pid, &status, WNOHANG) == 0)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, deadline);
      g_usleep (20 * 1000);
    }
  while ((got = read (out_fd, chunk, sizeof chunk)) > 0)
    g_string_append_len (buf, chunk, got);
  close (out_fd);
  g_spawn_close_pid (pid);
  g_assert_true (WIFEXITED (status));
  g_assert_cmpint (WEXITSTATUS (status), ==, 0);
  {
    g_autoptr(JsonObject) o = parse_object (buf->str);
    g_assert_true (json_object_get_boolean_member (o, "stopped_by_user"));
    g_assert_cmpint (json_object_get_int_member (o, "best_epoch"), >, 0);
  }
  tm = currents_trained_model_load (out, &error);
  g_assert_no_error (error);
}

static void
test_refusals (void)
{
  g_autofree char *toggle = currents_cli_test_example ("toggle.csv");
  g_autofree char *lv = currents_cli_test_example ("lotka-volterra.ode");
  g_autofree char *one = currents_cli_test_write_temp ("one.csv", NULL);
  g_autofree char *out = currents_cli_test_write_temp ("never.json", NULL);
  struct { const char *args[10]; int status; const char *says; } cases[] = {
    { { "train", toggle, "--input", "iptg" }, 2, "-o TRAINED.json" },
    { { "train", toggle, "--input", "iptg", "--model", lv, "--fit-params", "-o", out }, 1,
      "not a state" },
    { { "train", toggle, "--input", "iptg", "--model", lv, "-o", out }, 1, "no learned terms" },
    { { "train", one, "-o", out }, 1, "has 1 sample" },
    { { "train", toggle, "--input", "iptg", "--gradient", "magic", "-o", out }, 1,
      "unknown method" },
    { { "train", toggle, "--input", "iptg", "--hidden", "0", "-o", out }, 1, "--hidden" },
    { { "gradient", toggle, "--input", "iptg", "--log-input", "nope" }, 1, "nope" },
    { { "predict", out, "--init", "u=1" }, 1, "never.json" },
    { { "predict", lv }, 2, "--data or --init" },
  };

  g_assert_true (g_file_set_contents (one, "trajectory,t,x\nA,0,1\nA,1,2\nB,0,3\n", -1, NULL));
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CurrentsCliRun) r = { 0 };
      const char **a = cases[i].args;
      const char *argv[11] = { 0 };

      for (int k = 0; k < 10 && a[k] != NULL; k++)
        argv[k] = a[k];
      currents_cli_test_run_argv (&r, argv);
      if (r.status != cases[i].status || strstr (r.err, cases[i].says) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": status %d, stderr '%s'", i, r.status, r.err);
    }
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/train/train-predict", test_train_predict);
  g_test_add_func ("/cli/train/hybrid", test_hybrid);
  g_test_add_func ("/cli/train/gradient-check", test_gradient_check);
  g_test_add_func ("/cli/train/conserve", test_conserve);
  g_test_add_func ("/cli/train/interrupt-saves-best", test_interrupt_saves_best);
  g_test_add_func ("/cli/train/refusals", test_refusals);
  return g_test_run ();
}
