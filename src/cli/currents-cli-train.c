/* currents-cli-train.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli train`, `predict` and `gradient`.
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "currents-cli-private.h"
#include "currents-cli-ensemble.h"

/* ------------------------------------------------------------------------------------ */
/* What train and gradient share: a data set and a model (neural, or a .ode file, or a   */
/* trained model to start from), with the loss settings.                                 */

typedef struct
{
  char              **inputs;
  char              **log_inputs;
  char               *model_path;
  char               *params_path;
  char               *init_weights;
  char               *hidden;
  char               *activation;
  char               *gradient;
  char               *rtol;
  char               *atol;
  char               *seed;
  char              **conserve;
  char               *conserve_weight;
  int                 threads;
  gboolean            stiff;
  gboolean            no_standardize;
  gboolean            unit_weights;
  gboolean            learn_initial;
  gboolean            fit_params;
} Setup;

static void
setup_clear (Setup *s)
{
  g_strfreev (s->inputs);
  g_strfreev (s->log_inputs);
  g_free (s->model_path);
  g_free (s->params_path);
  g_free (s->init_weights);
  g_free (s->hidden);
  g_free (s->activation);
  g_free (s->gradient);
  g_free (s->rtol);
  g_free (s->atol);
  g_free (s->seed);
  g_strfreev (s->conserve);
  g_free (s->conserve_weight);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Setup, setup_clear)

static void
setup_add_entries (GOptionContext *ctx,
                   Setup          *s)
{
  GOptionEntry entries[] = {
    { "input", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &s->inputs,
      "Read data column NAME as an external input (repeatable)", "NAME" },
    { "log-input", 0, 0, G_OPTION_ARG_STRING_ARRAY, &s->log_inputs,
      "Feed input NAME to the network as log10(NAME + u0), u0 the smallest positive level",
      "NAME" },
    { "model", 0, 0, G_OPTION_ARG_FILENAME, &s->model_path,
      "Fit this .ode model (its learned terms, and with --fit-params its parameters) "
      "instead of a pure neural ODE", "MODEL.ode" },
    { "fit-params", 0, 0, G_OPTION_ARG_NONE, &s->fit_params,
      "With --model: fit the model's ordinary parameters too", NULL },
    { "params", 0, 0, G_OPTION_ARG_FILENAME, &s->params_path,
      "Start from this trained model", "TRAINED.json" },
    { "init-weights", 0, 0, G_OPTION_ARG_FILENAME, &s->init_weights,
      "Start from weights in the text format of shared/bench/init_h64_seed0.txt", "FILE" },
    { "hidden", 0, 0, G_OPTION_ARG_STRING, &s->hidden,
      "Hidden layer widths (default 64,64)", "W,W,…" },
    { "activation", 0, 0, G_OPTION_ARG_STRING, &s->activation,
      "tanh (default), softplus or silu", "NAME" },
    { "no-standardize", 0, 0, G_OPTION_ARG_NONE, &s->no_standardize,
      "Feed the network raw states, inputs and time (no scaling)", NULL },
    { "unit-weights", 0, 0, G_OPTION_ARG_NONE, &s->unit_weights,
      "Weigh every state alike (plain MSE) instead of by its inverse variance", NULL },
    { "learn-initial", 0, 0, G_OPTION_ARG_NONE, &s->learn_initial,
      "Also learn each trajectory's initial state", NULL },
    { "conserve", 0, 0, G_OPTION_ARG_STRING_ARRAY, &s->conserve,
      "A quantity of the states that must stay constant, e.g. \"E + C\": the loss adds "
      "λ·mean((d/dt quantity)²) over the data's and the predicted states (repeatable)",
      "EXPR" },
    { "conserve-weight", 0, 0, G_OPTION_ARG_STRING, &s->conserve_weight,
      "The penalty weight λ of every --conserve (default 1)", "λ" },
    { "gradient", 'g', 0, G_OPTION_ARG_STRING, &s->gradient,
      "discrete (default), adjoint or backsolve", "METHOD" },
    { "stiff", 0, 0, G_OPTION_ARG_NONE, &s->stiff,
      "Integrate with BDF (implies --gradient adjoint)", NULL },
    { "rtol", 0, 0, G_OPTION_ARG_STRING, &s->rtol, "Relative tolerance (default 1e-6)", "R" },
    { "atol", 0, 0, G_OPTION_ARG_STRING, &s->atol, "Absolute tolerance (default 1e-8)", "A" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &s->seed, "Random seed (default 0)", "S" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &s->threads,
      "Worker threads (default: all cores)", "N" },
    { NULL }
  };
  GOptionGroup *group = g_option_group_new ("model", "Model and loss options:",
                                            "Show model and loss options", NULL, NULL);

  g_option_group_add_entries (group, entries);
  g_option_context_add_group (ctx, group);
}

static gboolean
parse_seed (Setup    *s,
            guint64  *seed,
            GError  **error)
{
  char *end = NULL;

  *seed = 0;
  if (s->seed == NULL)
    return TRUE;
  *seed = g_ascii_strtoull (s->seed, &end, 10);
  if (end == s->seed || *end != '\0')
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "--seed: expected a whole number, found '%s'", s->seed);
      return FALSE;
    }
  return TRUE;
}

/* The model behind the loss (currents-learner.h): a neural ODE for the data, a .ode
 * file's learned terms and parameters, or a trained model to start from. */
static CurrentsLearner *
learner_new (Setup                 *s,
             const CurrentsDataset *ds,
             guint64                seed,
             GError               **error)
{
  g_autoptr(CurrentsLearner) l = NULL;

  if (s->params_path != NULL)
    {
      g_autoptr(CurrentsTrainedModel) tm = currents_trained_model_load (s->params_path, error);

      if (tm == NULL)
        return NULL;
      l = currents_learner_new_trained (tm, s->fit_params, error);
    }
  else if (s->model_path != NULL)
    {
      CurrentsModel *model = currents_model_new_from_file (s->model_path, error);
      gsize k, named;

      if (model == NULL)
        return NULL;
      k = currents_model_get_n_params (model);
      named = currents_model_get_n_named_params (model);
      if (k > 0 && !s->fit_params && named == k)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "%s has no learned terms; add --fit-params to fit its parameters",
                       currents_model_get_filename (model));
          currents_model_free (model);
          return NULL;
        }
      l = currents_learner_new_model (model, s->fit_params, error);
    }
  else
    {
      CurrentsNeuralSpec spec;

      currents_neural_spec_init (&spec);
      spec.seed = seed;
      spec.log_inputs = (const char *const *) s->log_inputs;
      if (s->hidden != NULL)
        {
          g_auto(GStrv) w = g_strsplit (s->hidden, ",", -1);
          spec.n_hidden = 0;
          for (gsize i = 0; w[i] != NULL; i++)
            {
              char *end = NULL;
              guint64 v = g_ascii_strtoull (w[i], &end, 10);
              if (end == w[i] || *end != '\0' || v == 0 || v > 4096 ||
                  spec.n_hidden >= CURRENTS_NEURAL_MAX_LAYERS)
                {
                  g_set_error (error, CURRENTS_ENGINE_ERROR,
                               CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                               "--hidden: expected up to %d widths from 1 to 4096, as in 64,64",
                               CURRENTS_NEURAL_MAX_LAYERS);
                  return NULL;
                }
              spec.hidden[spec.n_hidden++] = (gsize) v;
            }
        }
      if (s->activation != NULL &&
          !currents_activation_from_string (s->activation, &spec.activation))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "--activation: unknown activation '%s' (expected tanh, softplus or "
                       "silu)", s->activation);
          return NULL;
        }
      l = currents_learner_new_neural (ds, &spec, !s->no_standardize, error);
    }
  if (l == NULL)
    return NULL;

  if (s->init_weights != NULL &&
      !currents_mlp_load_text (s->init_weights, currents_learner_get_n_params (l),
                               currents_learner_get_initial_params (l), error))
    return NULL;
  if (s->conserve_weight != NULL && s->conserve == NULL)
    {
      g_set_error_literal (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                           "--conserve-weight: give the quantity with --conserve");
      return NULL;
    }
  for (gsize i = 0; s->conserve != NULL && s->conserve[i] != NULL; i++)
    {
      double weight = 1.0;

      if (s->conserve_weight != NULL
          && !cli_parse_double (s->conserve_weight, "--conserve-weight", &weight, error))
        return NULL;
      if (!currents_learner_add_conservation (l, s->conserve[i], weight, error))
        return NULL;
    }
  return g_steal_pointer (&l);
}

/* An ensemble member's learner: the same model, its network seeded with the member's seed. */
typedef struct
{
  Setup                 *s;
  const CurrentsDataset *ds;
} EnsembleSetup;

static CurrentsLearner *
ensemble_learner (guint     member,
                  guint64   seed,
                  gpointer  data,
                  GError  **error)
{
  EnsembleSetup *e = data;

  return learner_new (e->s, e->ds, seed, error);
}

static gboolean
loss_options_from_setup (Setup               *s,
                         CurrentsLossOptions *o,
                         GError             **error)
{
  currents_loss_options_init (o);
  o->n_threads = s->threads > 0 ? (guint) s->threads : 0;
  o->learn_initial = s->learn_initial;
  o->unit_weights = s->unit_weights;
  o->adjoint.stiff = s->stiff;
  if (s->stiff)
    o->adjoint.method = CURRENTS_GRADIENT_ADJOINT;
  if (s->gradient != NULL &&
      !currents_gradient_method_from_string (s->gradient, &o->adjoint.method))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "--gradient: unknown method '%s' (expected discrete, adjoint or backsolve)",
                   s->gradient);
      return FALSE;
    }
  if ((s->rtol && !cli_parse_double (s->rtol, "--rtol", &o->adjoint.rtol, error)) ||
      (s->atol && !cli_parse_double (s->atol, "--atol", &o->adjoint.atol, error)))
    return FALSE;
  if (!(o->adjoint.rtol > 0) || !(o->adjoint.atol > 0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "tolerances must be positive");
      return FALSE;
    }
  return TRUE;
}

static CurrentsDataset *
load_data (const char  *path,
           Setup       *s,
           GError     **error)
{
  CurrentsCsvOptions opts = { 0 };

  opts.input_columns = (const char *const *) s->inputs;
  return currents_dataset_load (path, &opts, error);
}

static double
norm2 (const double *v,
       gsize         n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += v[i] * v[i];
  return sqrt (s);
}


static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* ------------------------------------------------------------------------------------ */

int
cli_gradient (int    argc,
              char **argv)
{
  g_auto(Setup) s = { 0 };
  g_autoptr(CurrentsLearner) l = NULL;
  guint64 seed = 0;
  int repeat = 1;
  gboolean check = FALSE, json = FALSE;
  GOptionEntry entries[] = {
    { "repeat", 'r', 0, G_OPTION_ARG_INT, &repeat,
      "Time this many evaluations and report the median", "N" },
    { "check", 0, 0, G_OPTION_ARG_NONE, &check,
      "Compare with central finite differences of the loss", NULL },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("DATA.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(CurrentsLoss) loss = NULL;
  g_autofree gsize *all = NULL;
  g_autofree double *theta = NULL, *grad = NULL, *times = NULL;
  CurrentsLossOptions lo;
  CurrentsLossResult res;
  const gboolean *trainable;
  gsize n_traj, n_p;
  double median, fd_err = NAN;

  g_option_context_set_summary (ctx,
    "Evaluate the training loss and its gradient once (or --repeat times) on every\n"
    "trajectory: loss, gradient norm, function evaluations, median seconds.\n\n"
    "Example:\n  currents-cli gradient toggle16.csv --rtol 1e-6 --atol 1e-8 --repeat 20 --json");
  g_option_context_add_main_entries (ctx, entries, NULL);
  setup_add_entries (ctx, &s);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "gradient takes exactly one data file");
  if (repeat < 1)
    return cli_usage_error (ctx, "--repeat must be at least 1");

  ds = load_data (argv[1], &s, &error);
  if (ds == NULL || !parse_seed (&s, &seed, &error) ||
      (l = learner_new (&s, ds, seed, &error)) == NULL ||
      !loss_options_from_setup (&s, &lo, &error))
    return cli_user_error (error);
  loss = currents_learner_new_loss (l, ds, &lo, &error);
  if (loss == NULL)
    return cli_user_error (error);
  trainable = currents_learner_get_trainable (l);
  n_traj = currents_dataset_get_n_trajectories (ds);
  all = g_new (gsize, n_traj);
  for (gsize i = 0; i < n_traj; i++)
    all[i] = i;
  n_p = currents_loss_get_n_params (loss);
  theta = g_new0 (double, MAX (n_p, 1));
  grad = g_new0 (double, MAX (n_p, 1));
  currents_loss_init_params (loss, currents_learner_get_initial_params (l), theta);
  times = g_new0 (double, repeat);
  for (int r = 0; r < repeat; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      if (!currents_loss_eval (loss, theta, all, n_traj, trainable, grad, &res, NULL, &error))
        return cli_user_error (error);
      times[r] = (double) (g_get_monotonic_time () - t0) / 1e6;
    }
  qsort (times, repeat, sizeof (double), compare_doubles);
  median = repeat % 2 ? times[repeat / 2] : 0.5 * (times[repeat / 2 - 1] + times[repeat / 2]);

  if (check)
    {
      g_autofree double *fd = g_new0 (double, MAX (n_p, 1));
      double num = 0.0, den = 0.0;

      for (gsize j = 0; j < n_p; j++)
        {
          double h = 1e-6 * MAX (1.0, fabs (theta[j])), save = theta[j];
          CurrentsLossResult rp, rm;

          theta[j] = save + h;
          if (!currents_loss_eval (loss, theta, all, n_traj, trainable, NULL, &rp, NULL, &error))
            return cli_user_error (error);
          theta[j] = save - h;
          if (!currents_loss_eval (loss, theta, all, n_traj, trainable, NULL, &rm, NULL, &error))
            return cli_user_error (error);
          theta[j] = save;
          fd[j] = (rp.objective - rm.objective) / (2 * h);
          num += (grad[j] - fd[j]) * (grad[j] - fd[j]);
          den += fd[j] * fd[j];
        }
      fd_err = den > 0 ? sqrt (num / den) : sqrt (num);
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      cli_json_member_number (b, "loss", res.objective);
      cli_json_member_number (b, "mse", res.mse);
      cli_json_member_number (b, "grad_norm", norm2 (grad, n_p));
      json_builder_set_member_name (b, "nfe_forward");
      json_builder_add_int_value (b, (gint64) res.nfe_forward);
      json_builder_set_member_name (b, "nfe_backward");
      json_builder_add_int_value (b, (gint64) res.nfe_backward);
      json_builder_set_member_name (b, "steps");
      json_builder_add_int_value (b, (gint64) res.n_steps);
      cli_json_member_number (b, "seconds_median", median);
      json_builder_set_member_name (b, "repeat");
      json_builder_add_int_value (b, repeat);
      json_builder_set_member_name (b, "params");
      json_builder_add_int_value (b, (gint64) n_p);
      json_builder_set_member_name (b, "gradient");
      json_builder_add_string_value (b, currents_gradient_method_to_string (lo.adjoint.method));
      if (check)
        cli_json_member_number (b, "fd_rel_error", fd_err);
      json_builder_end_object (b);
      cli_json_print (b);
    }
  else
    {
      g_print ("loss %.12g (mse %.6g in data units), gradient norm %.12g\n", res.objective,
               res.mse, norm2 (grad, n_p));
      g_print ("%" G_GSIZE_FORMAT " parameters, %s gradient, %" G_GSIZE_FORMAT
               " function evaluations forward, %" G_GSIZE_FORMAT " backward\n", n_p,
               currents_gradient_method_to_string (lo.adjoint.method), res.nfe_forward,
               res.nfe_backward);
      g_print ("median %.3f ms per loss and gradient over %d run%s\n", median * 1e3, repeat,
               repeat == 1 ? "" : "s");
      if (check)
        g_print ("relative difference to central finite differences: %.3g\n", fd_err);
    }
  return CLI_OK;
}

/* ------------------------------------------------------------------------------------ */
/* train                                                                                 */

typedef struct
{
  GMainLoop       *loop;
  GCancellable    *cancellable;
  CurrentsTrainer *trainer;
  gboolean         tty;
  gboolean         quiet;
  gboolean         ok;
  GError          *error;
  guint            sigint;
  guint            sigterm;
  gint64           start;
  guint            last_epoch_printed;
} TrainRun;

static gboolean
on_signal (gpointer data)
{
  TrainRun *r = data;

  return cli_interrupt (r->cancellable, r->tty ? "the best model so far" : NULL);
}

/* The last report's note is the trainer's advice, said once after training. (The worker
 * wrote the advice before it posted that report.) */
static gboolean
is_advice (TrainRun                    *r,
           const CurrentsTrainProgress *p)
{
  const char *advice = p->finished ? currents_trainer_get_advice (r->trainer) : NULL;

  return advice != NULL && p->note != NULL && strcmp (advice, p->note) == 0;
}

static void
on_progress (const CurrentsTrainProgress *p,
             gpointer                     data)
{
  TrainRun *r = data;
  double elapsed = (double) (g_get_monotonic_time () - r->start) / 1e6;

  if (r->quiet)
    return;
  if (r->tty)
    {
      int width = 30, done = p->epochs > 0 ? (int) ((double) width * p->epoch / p->epochs) : 0;
      char bar[64];

      for (int i = 0; i < width; i++)
        bar[i] = i < done ? '#' : '-';
      bar[width] = '\0';
      g_printerr ("\r[%s] %s%u/%u  train %.4g  val %.4g  best %.4g (epoch %u)  %.1f ms/it  "
                  "%.0fs ", bar, p->polishing ? "BFGS " : "", p->epoch, p->epochs,
                  p->train_loss, p->val_loss, p->best_loss, p->best_epoch, p->ms, elapsed);
      if (p->note != NULL && !is_advice (r, p))
        g_printerr ("\n  %s\n", p->note);
    }
  else
    {
      g_printerr ("epoch %u/%u%s train_mse %.8g val_mse %.8g grad_norm %.4g lr %.3g "
                  "nfe %" G_GSIZE_FORMAT "/%" G_GSIZE_FORMAT " ms %.2f best %.8g@%u%s%s\n",
                  p->epoch, p->epochs, p->polishing ? " (BFGS)" : "", p->train_loss,
                  p->val_loss, p->grad_norm, p->lr, p->nfe_forward, p->nfe_backward, p->ms,
                  p->best_loss, p->best_epoch, p->note && !is_advice (r, p) ? " note: " : "",
                  p->note && !is_advice (r, p) ? p->note : "");
    }
}

static void
on_trained (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  TrainRun *r = data;

  r->ok = currents_trainer_train_finish (r->trainer, result, &r->error);
  g_main_loop_quit (r->loop);
}

int
cli_train (int    argc,
           char **argv)
{
  g_auto(Setup) s = { 0 };
  g_autoptr(CurrentsLearner) l = NULL;
  g_autofree char *output = NULL, *lr_text = NULL, *val_text = NULL, *schedule = NULL;
  g_autofree char *clip_text = NULL, *decay_text = NULL, *lr_min_text = NULL;
  int epochs = 500, batch = 0, patience = 0, polish_iters = 200, ensemble = 0;
  gboolean json = FALSE, quiet = FALSE, polish = FALSE;
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the trained model here",
      "TRAINED.json" },
    { "epochs", 'e', 0, G_OPTION_ARG_INT, &epochs, "Epochs (default 500)", "N" },
    { "lr", 0, 0, G_OPTION_ARG_STRING, &lr_text, "Adam's learning rate (default 0.01)", "LR" },
    { "lr-min", 0, 0, G_OPTION_ARG_STRING, &lr_min_text, "Floor of the cosine schedule", "LR" },
    { "schedule", 0, 0, G_OPTION_ARG_STRING, &schedule,
      "Learning-rate schedule: cosine (default), step or constant", "NAME" },
    { "clip", 0, 0, G_OPTION_ARG_STRING, &clip_text, "Clip the gradient norm to this", "C" },
    { "batch", 'b', 0, G_OPTION_ARG_INT, &batch,
      "Trajectories per step (default: all)", "K" },
    { "val-fraction", 0, 0, G_OPTION_ARG_STRING, &val_text,
      "Share of trajectories held out for validation (default 0.2)", "F" },
    { "patience", 0, 0, G_OPTION_ARG_INT, &patience,
      "Stop after this many epochs without a better validation loss", "N" },
    { "weight-decay", 0, 0, G_OPTION_ARG_STRING, &decay_text, "L2 penalty on the weights",
      "L" },
    { "polish", 0, 0, G_OPTION_ARG_NONE, &polish, "Finish with BFGS", NULL },
    { "polish-iterations", 0, 0, G_OPTION_ARG_INT, &polish_iters,
      "BFGS iterations at most (default 200)", "N" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print a JSON summary on stdout", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress output", NULL },
    { "ensemble", 0, 0, G_OPTION_ARG_INT, &ensemble,
      "Train K models on bootstrap resamples of the trajectories, seeds S…S+K−1, in "
      "parallel (--threads of them at once), into one ensemble file", "K" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("DATA.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(CurrentsTrainer) trainer = NULL;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = NULL;
  CurrentsTrainOptions o;
  TrainRun run = { 0 };
  double train_mse = NAN, val_mse = NAN, seconds;
  guint64 seed = 0;
  gboolean cancelled = FALSE, advice_said = FALSE;
  const char *advice = NULL;

  /* snapshot data (populations of cells): its own options, currents-cli-population.c */
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--snapshots") == 0 || g_str_has_prefix (argv[i], "--snapshots="))
      return cli_train_snapshots (argc, argv);

  g_option_context_set_summary (ctx,
    "Learn dx/dt = f(x, u) from trajectories: a neural ODE (default), or the learned\n"
    "terms and parameters of a .ode model (--model). Ctrl-C stops and saves the best\n"
    "model found so far.\n\n"
    "Examples:\n"
    "  currents-cli train toggle.csv --input iptg --log-input iptg -o toggle.json\n"
    "  currents-cli train chemostat.csv --model chemostat-hybrid.ode -o hybrid.json\n"
    "Snapshot data of a population (no trajectories): train --snapshots DATA.csv, see\n"
    "  currents-cli train --snapshots DATA.csv --help");
  g_option_context_add_main_entries (ctx, entries, NULL);
  setup_add_entries (ctx, &s);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "train takes exactly one data file");
  if (output == NULL)
    return cli_usage_error (ctx, "say where to write the trained model: -o TRAINED.json");
  if (!cli_check_writable (output, "trained model", &error))
    return cli_user_error (error);
  if (epochs < 1 || batch < 0 || patience < 0 || polish_iters < 1)
    return cli_usage_error (ctx, "--epochs, --batch, --patience and --polish-iterations "
                                 "must be positive");

  currents_train_options_init (&o);
  o.epochs = (guint) epochs;
  o.batch_size = (gsize) batch;
  o.patience = (guint) patience;
  o.polish = polish;
  o.polish_iterations = (guint) polish_iters;
  if ((lr_text && !cli_parse_double (lr_text, "--lr", &o.lr, &error)) ||
      (lr_min_text && !cli_parse_double (lr_min_text, "--lr-min", &o.lr_min, &error)) ||
      (val_text && !cli_parse_double (val_text, "--val-fraction", &o.val_fraction, &error)) ||
      (clip_text && !cli_parse_double (clip_text, "--clip", &o.clip_norm, &error)) ||
      (decay_text && !cli_parse_double (decay_text, "--weight-decay", &o.loss.weight_decay,
                                        &error)))
    return cli_user_error (error);
  if (schedule != NULL && !currents_lr_schedule_from_string (schedule, &o.schedule))
    return cli_usage_error (ctx, "--schedule: expected cosine, step or constant");

  ds = load_data (argv[1], &s, &error);
  if (ds == NULL || !parse_seed (&s, &seed, &error) ||
      (l = learner_new (&s, ds, seed, &error)) == NULL ||
      !loss_options_from_setup (&s, &o.loss, &error))
    return cli_user_error (error);
  o.seed = seed;
  if (ensemble < 0 || ensemble == 1)
    return cli_usage_error (ctx, "--ensemble: at least 2 members");
  if (ensemble > 0)
    {
      EnsembleSetup es = { &s, ds };

      return cli_train_ensemble (argv[1], ds, &o, (guint) ensemble, s.threads, seed,
                                 ensemble_learner, &es, output, json, quiet);
    }
  if (currents_learner_get_neural (l) != NULL && !quiet)
    {
      /* what the network sees, in the user's terms */
      const CurrentsNeuralModel *nm = currents_learner_get_neural (l);
      const CurrentsNeuralScaling *sc = currents_neural_model_get_scaling (nm);
      const char *const *in = currents_neural_model_get_input_names (nm);

      g_printerr ("neural ODE: %" G_GSIZE_FORMAT " parameters, time scale %.4g",
                  currents_neural_model_get_n_params (nm), sc->t_scale);
      for (gsize j = 0; in[j] != NULL; j++)
        {
          if (sc->u_log[j])
            g_printerr ("; input %s as log10(%s + %.4g)", in[j], in[j], sc->u_offset[j]);
          else
            g_printerr ("; input %s", in[j]);
        }
      g_printerr ("\n");
    }
  trainer = currents_learner_new_trainer (l, ds, &o, &error);
  if (trainer == NULL)
    return cli_user_error (error);

  loop = g_main_loop_new (NULL, FALSE);
  run.loop = loop;
  run.cancellable = cancellable;
  run.trainer = trainer;
  run.tty = isatty (STDERR_FILENO);
  run.quiet = quiet;
  run.start = g_get_monotonic_time ();
  run.sigint = g_unix_signal_add (SIGINT, on_signal, &run);
  run.sigterm = g_unix_signal_add (SIGTERM, on_signal, &run);
  currents_trainer_train_async (trainer, cancellable, on_progress, &run, NULL, on_trained, &run);
  g_main_loop_run (loop);
  g_source_remove (run.sigint);
  g_source_remove (run.sigterm);
  seconds = (double) (g_get_monotonic_time () - run.start) / 1e6;
  if (run.tty && !quiet)
    g_printerr ("\n");

  advice = currents_trainer_get_advice (trainer);
  if (!run.ok)
    {
      cancelled = g_error_matches (run.error, CURRENTS_ENGINE_ERROR,
                                   CURRENTS_ENGINE_ERROR_CANCELLED) ||
                  g_error_matches (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      /* a failure that stopped training carries the advice in its message */
      if (!cancelled)
        g_printerr ("currents-cli: %s\n", run.error->message);
      if (!cancelled && advice != NULL && strstr (run.error->message, advice) != NULL)
        advice_said = TRUE;
      if (currents_trainer_get_best_epoch (trainer) == 0)
        {
          if (cancelled)
            g_printerr ("currents-cli: stopped before the first epoch finished; "
                        "nothing to save\n");
          g_clear_error (&run.error);
          return CLI_ERROR;
        }
      g_clear_error (&run.error);
    }
  if (!currents_trainer_evaluate_best (trainer, &train_mse, &val_mse, NULL, &error))
    g_clear_error (&error);   /* the figures are a courtesy; the model is what counts */

  /* The trained model: the best parameters, how they were made, the loss history. */
  {
    g_autofree char *cmd = cli_command_line ();
    g_autoptr(JsonObject) settings =
      currents_learner_describe_training (l, &o, ds, "currents-cli " PACKAGE_VERSION, cmd);

    tm = currents_learner_new_trained_model (l, currents_trainer_get_best_params (trainer), ds,
                                             trainer);
    json_object_set_int_member (settings, "best_epoch", currents_trainer_get_best_epoch (trainer));
    json_object_set_member (settings, "train_mse",
                            isfinite (train_mse) ? json_node_init_double (json_node_alloc (), train_mse)
                                                 : json_node_new (JSON_NODE_NULL));
    json_object_set_member (settings, "val_mse",
                            isfinite (val_mse) ? json_node_init_double (json_node_alloc (), val_mse)
                                               : json_node_new (JSON_NODE_NULL));
    json_object_set_boolean_member (settings, "stopped_by_user", cancelled);
    json_object_set_double_member (settings, "seconds", seconds);
    currents_trained_model_set_training (tm, settings);
    currents_trained_model_set_data (tm, argv[1], currents_dataset_get_sha256 (ds));
    if (!currents_trained_model_save (tm, output, &error))
      return cli_user_error (error);
  }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      cli_json_member_number (b, "train_loss", train_mse);
      cli_json_member_number (b, "val_loss", val_mse);
      json_builder_set_member_name (b, "best_epoch");
      json_builder_add_int_value (b, currents_trainer_get_best_epoch (trainer));
      json_builder_set_member_name (b, "epochs");
      {
        const double *ht, *hv;
        json_builder_add_int_value (b, (gint64) currents_trainer_get_history (trainer, &ht,
                                                                              &hv));
      }
      cli_json_member_number (b, "seconds", seconds);
      json_builder_set_member_name (b, "model_file");
      json_builder_add_string_value (b, output);
      json_builder_set_member_name (b, "stopped_by_user");
      json_builder_add_boolean_value (b, cancelled);
      /* what went wrong, if anything: the advice in words and its kind */
      json_builder_set_member_name (b, "diverged");
      json_builder_add_boolean_value (b, currents_trainer_get_fault (trainer) != NULL);
      json_builder_set_member_name (b, "fault");
      json_builder_add_string_value (b, currents_train_fault_to_string (
                                          currents_trainer_get_fault (trainer) != NULL
                                          ? currents_trainer_get_fault (trainer)->kind
                                          : CURRENTS_TRAIN_FAULT_NONE));
      json_builder_set_member_name (b, "note");
      if (advice != NULL)
        json_builder_add_string_value (b, advice);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "family");
      json_builder_add_string_value (b, currents_learner_get_model (l) != NULL
                                        ? currents_model_family_to_string (
                                            currents_model_get_family (currents_learner_get_model (l)))
                                        : "neural");
      json_builder_set_member_name (b, "conserve");
      json_builder_begin_array (b);
      for (gsize c = 0; c < currents_learner_get_n_conservations (l); c++)
        {
          double w;
          const char *expr = currents_learner_get_conservation (l, c, &w);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "expression");
          json_builder_add_string_value (b, expr);
          cli_json_member_number (b, "weight", w);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
    }
  else if (!quiet)
    g_printerr ("saved %s: best epoch %u, train MSE %.6g, validation MSE %.6g (data units), "
                "%.2f s\n", output, currents_trainer_get_best_epoch (trainer), train_mse,
                val_mse, seconds);
  /* what to change, even when quiet: the model saved is not what was asked for */
  if (advice != NULL && !advice_said)
    g_printerr ("currents-cli: note: %s\n", advice);
  return CLI_OK;
}

/* ------------------------------------------------------------------------------------ */
/* predict                                                                               */

static void
append_row (GString      *csv,
            const char   *id,
            double        t,
            const double *x,
            gsize         n)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (id != NULL)
    {
      g_string_append (csv, id);
      g_string_append_c (csv, ',');
    }
  g_string_append (csv, g_ascii_formatd (buf, sizeof buf, "%.15g", t));
  for (gsize i = 0; i < n; i++)
    {
      g_string_append_c (csv, ',');
      if (isfinite (x[i]))
        g_string_append (csv, g_ascii_formatd (buf, sizeof buf, "%.15g", x[i]));
    }
  g_string_append_c (csv, '\n');
}

/* "# extrapolated: trajectory 3 from t = 2.5 (u = 5.3 outside 0.1 … 5.2)" when a trained
 * model's prediction (rows at @times, inputs @u held) leaves its training range. */
static void
note_extrapolation (GString              *notes,
                    const CurrentsSystem *sys,
                    const char           *id,
                    const double         *times,
                    const double         *x,
                    gsize                 n_rows,
                    const double         *u)
{
  gsize n = currents_system_get_n_states (sys), m = currents_system_get_n_inputs (sys);
  g_autofree double *lo = g_new (double, n + m + 1), *hi = g_new (double, n + m + 1);
  int which = -1;

  if (n_rows == 0 || !currents_system_get_support (sys, lo, hi, lo + n, hi + n))
    return;
  for (gsize r = 0; r < n_rows; r++)
    if (currents_system_is_extrapolated (sys, x + r * n, u, &which))
      {
        gboolean is_state = (gsize) which < n;
        const char *name = is_state ? currents_system_get_state_names (sys)[which]
                                    : currents_system_get_input_names (sys)[which - (int) n];
        double v = is_state ? x[r * n + which] : u[which - (int) n];

        g_string_append_printf (notes, "# extrapolated: %s%s%sfrom t = %.6g (%s = %.6g outside "
                                "the training range %.6g … %.6g)\n",
                                id != NULL ? "trajectory " : "", id != NULL ? id : "",
                                id != NULL ? " " : "", times[r], name, v, lo[which], hi[which]);
        return;
      }
}

int
cli_predict (int    argc,
             char **argv)
{
  g_auto(GStrv) inputs = NULL;
  g_auto(GStrv) set_items = NULL;
  g_auto(GStrv) init_items = NULL;
  g_autofree char *data = NULL, *times_text = NULL, *t0_text = NULL, *t1_text = NULL;
  g_autofree char *dt_text = NULL, *output = NULL;
  g_autoptr(GString) notes = g_string_new (NULL);
  gsize notes_at = 0;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data,
      "Predict each trajectory of this data set from its first sample, with its inputs",
      "DATA.csv" },
    { "input", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &inputs,
      "With --data: read column NAME as an input (repeatable)", "NAME" },
    { "init", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &init_items,
      "Predict from this initial state", "NAME=VALUE,…" },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set_items,
      "Set an input or parameter", "NAME=VALUE,…" },
    { "times", 0, 0, G_OPTION_ARG_STRING, &times_text,
      "Predict at these times (default: the data's sample times)", "T1,T2,…" },
    { "t0", 0, 0, G_OPTION_ARG_STRING, &t0_text, "With --init: start time (default 0)", "T" },
    { "t1", 0, 0, G_OPTION_ARG_STRING, &t1_text, "With --init: end time", "T" },
    { "dt", 0, 0, G_OPTION_ARG_STRING, &dt_text, "With --init: output spacing", "DT" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write CSV here (default: stdout)",
      "OUT.csv" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json,
      "With an ensemble file: print one JSON object (median and band per point)", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("TRAINED.json|MODEL.ode");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autoptr(GArray) sets = NULL, inits = NULL, times = NULL;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(GString) csv = g_string_new (NULL);
  g_autofree char *cmd = cli_command_line ();
  CurrentsSimOptions so;
  gsize n, m;
  const char *const *names;

  g_option_context_set_summary (ctx,
    "Predict trajectories with a trained model (or any model) at any times: through and\n"
    "beyond a data set's samples (--data), or from an initial state (--init).\n\n"
    "Examples:\n"
    "  currents-cli predict toggle.json --data toggle.csv --input iptg --times 0:20:0.5\n"
    "  currents-cli predict toggle.json --init u=2,v=0.5 --set iptg=0.3 --t1 20 --dt 0.1");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "predict takes exactly one model");
  if ((data != NULL) == (init_items != NULL))
    return cli_usage_error (ctx, "give either --data or --init");
  if (currents_ensemble_sniff (argv[1]))
    return cli_predict_ensemble (argv[1], data, inputs, init_items, set_items, times_text,
                                 t0_text, t1_text, dt_text, output, json);
  if (json)
    return cli_usage_error (ctx, "--json: only for an ensemble file (a model's prediction is CSV)");

  sys = cli_open_system (argv[1], &error);
  if (sys == NULL)
    return cli_user_error (error);
  n = currents_system_get_n_states (sys);
  m = currents_system_get_n_inputs (sys);
  names = currents_system_get_state_names (sys);
  if ((set_items && !(sets = cli_parse_assignments (set_items, "--set", &error))) ||
      (init_items && !(inits = cli_parse_assignments (init_items, "--init", &error))))
    return cli_user_error (error);
  for (guint i = 0; sets && i < sets->len; i++)
    if (!currents_system_set (sys, g_array_index (sets, CliAssign, i).name,
                              g_array_index (sets, CliAssign, i).value, &error))
      return cli_user_error (error);
  for (guint i = 0; inits && i < inits->len; i++)
    {
      CliAssign *a = &g_array_index (inits, CliAssign, i);
      int k = currents_system_find_state (sys, a->name);
      if (k < 0)
        {
          g_printerr ("currents-cli: --init %s: the %s has no state named '%s'\n", a->name,
                      currents_system_describe_kind (sys), a->name);
          return CLI_ERROR;
        }
      currents_system_get_initial (sys)[k] = a->value;
    }
  if (times_text != NULL)
    {
      /* a list, or LO:HI:STEP */
      if (strchr (times_text, ':') != NULL)
        {
          g_auto(GStrv) parts = g_strsplit (times_text, ":", -1);
          double lo, hi, step;
          if (g_strv_length (parts) != 3 ||
              !cli_parse_double (parts[0], "--times", &lo, &error) ||
              !cli_parse_double (parts[1], "--times", &hi, &error) ||
              !cli_parse_double (parts[2], "--times", &step, &error))
            return error ? cli_user_error (error)
                         : cli_usage_error (ctx, "--times: a list T1,T2,… or LO:HI:STEP");
          if (!(step > 0) || hi < lo || (hi - lo) / step > 1e7)
            return cli_usage_error (ctx, "--times LO:HI:STEP needs LO ≤ HI and a positive "
                                         "step");
          times = g_array_new (FALSE, FALSE, sizeof (double));
          for (gsize k = 0; lo + (double) k * step <= hi + 1e-9 * step; k++)
            {
              double t = lo + (double) k * step;
              g_array_append_val (times, t);
            }
        }
      else if (!(times = cli_parse_doubles (times_text, "--times", &error)))
        return cli_user_error (error);
    }

  currents_system_get_sim_options (sys, &so);
  sim = currents_simulator_new (currents_system_get_field (sys), &so);
  currents_simulator_set_state_names (sim, names);
  g_string_append_printf (csv, "# made by currents-cli %s: %s\n", PACKAGE_VERSION, cmd);
  notes_at = csv->len;

  if (init_items != NULL)
    {
      double t0 = 0.0, t1 = currents_system_get_total (sys), dt = 0.0;
      g_autoptr(CurrentsInputSignal) sig =
        currents_input_signal_new_constant (m, currents_system_get_inputs (sys));
      g_autofree double *out = NULL;

      if ((t0_text && !cli_parse_double (t0_text, "--t0", &t0, &error)) ||
          (t1_text && !cli_parse_double (t1_text, "--t1", &t1, &error)) ||
          (dt_text && !cli_parse_double (dt_text, "--dt", &dt, &error)))
        return cli_user_error (error);
      if (times == NULL)
        {
          double span = fabs (t1 - t0), sign = t1 < t0 ? -1 : 1;
          gsize K;
          if (dt <= 0)
            dt = span / 100.0;
          if (!(dt > 0))
            return cli_usage_error (ctx, "--t1 must differ from --t0");
          K = (gsize) floor (span / dt + 1e-9);
          times = g_array_new (FALSE, FALSE, sizeof (double));
          for (gsize k = 0; k <= K; k++)
            {
              double t = t0 + sign * (double) k * dt;
              g_array_append_val (times, t);
            }
        }
      out = g_new0 (double, times->len * n);
      if (!currents_simulator_run (sim, currents_system_get_initial (sys),
                                   currents_system_get_params (sys), sig, t0,
                                   (double *) times->data, times->len, out, NULL, NULL, &error))
        return cli_user_error (error);
      g_string_append (csv, "t");
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (csv, ",%s", names[i]);
      g_string_append_c (csv, '\n');
      for (guint k = 0; k < times->len; k++)
        append_row (csv, NULL, g_array_index (times, double, k), out + k * n, n);
      note_extrapolation (notes, sys, NULL, (const double *) (gpointer) times->data, out,
                          times->len, currents_system_get_inputs (sys));
    }
  else
    {
      CurrentsCsvOptions co = { 0 };
      g_autoptr(CurrentsDataset) ds = NULL;
      g_autofree int *col = g_new0 (int, MAX (n, 1));
      g_autofree int *ucol = g_new0 (int, MAX (m, 1));
      const char *const *inames = currents_system_get_input_names (sys);

      co.input_columns = (const char *const *) inputs;
      ds = currents_dataset_load (data, &co, &error);
      if (ds == NULL)
        return cli_user_error (error);
      for (gsize i = 0; i < n; i++)
        col[i] = currents_dataset_find_state (ds, names[i]);
      for (gsize j = 0; j < m; j++)
        ucol[j] = currents_dataset_find_input (ds, inames[j]);
      g_string_append_printf (csv, "# data %s sha256 %s\n", data, currents_dataset_get_sha256 (ds));
      g_string_append (csv, "trajectory,t");
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (csv, ",%s", names[i]);
      g_string_append_c (csv, '\n');
      for (gsize r = 0; r < currents_dataset_get_n_trajectories (ds); r++)
        {
          const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, r);
          gsize ns = currents_trajectory_get_n_samples (tr);
          const double *tt = currents_trajectory_get_times (tr);
          const double *ys = currents_trajectory_get_states (tr);
          const double *us = currents_trajectory_get_inputs (tr);
          gsize dn = currents_dataset_get_n_states (ds), dm = currents_dataset_get_n_inputs (ds);
          g_autofree double *x0 = g_memdup2 (currents_system_get_initial (sys),
                                             MAX (n, 1) * sizeof (double));
          g_autofree double *u = g_new (double, MAX (ns * m, 1));
          g_autoptr(CurrentsInputSignal) sig = NULL;
          const double *pt = times ? (const double *) (gpointer) times->data : tt;
          gsize np = times ? times->len : ns;
          g_autofree double *out = g_new0 (double, MAX (np * n, 1));
          g_autoptr(GArray) fwd = g_array_new (FALSE, FALSE, sizeof (double));
          g_autoptr(GArray) bwd = g_array_new (FALSE, FALSE, sizeof (double));

          /* x0: each state's first observation in the trajectory */
          for (gsize i = 0; i < n; i++)
            if (col[i] >= 0)
              for (gsize q = 0; q < ns; q++)
                if (!isnan (ys[q * dn + col[i]]))
                  {
                    x0[i] = ys[q * dn + col[i]];
                    break;
                  }
          for (gsize q = 0; q < ns; q++)
            for (gsize j = 0; j < m; j++)
              u[q * m + j] = ucol[j] >= 0 ? us[q * dm + ucol[j]] : currents_system_get_inputs (sys)[j];
          sig = currents_input_signal_new (m, ns, tt, u);
          /* times before the first sample are reached backward, the rest forward */
          for (gsize q = 0; q < np; q++)
            g_array_append_val (pt[q] < tt[0] ? bwd : fwd, pt[q]);
          g_array_sort (fwd, compare_doubles);
          g_array_sort (bwd, compare_doubles);
          for (guint a = 0, z = bwd->len ? bwd->len - 1 : 0; a < z; a++, z--)
            {
              double tmp = g_array_index (bwd, double, a);
              g_array_index (bwd, double, a) = g_array_index (bwd, double, z);
              g_array_index (bwd, double, z) = tmp;
            }
          if ((bwd->len > 0 &&
               !currents_simulator_run (sim, x0, currents_system_get_params (sys), sig, tt[0],
                                        (double *) bwd->data, bwd->len, out, NULL, NULL, &error)) ||
              (fwd->len > 0 &&
               !currents_simulator_run (sim, x0, currents_system_get_params (sys), sig, tt[0],
                                        (double *) fwd->data, fwd->len, out + bwd->len * n, NULL,
                                        NULL, &error)))
            {
              g_prefix_error (&error, "trajectory '%s': ", currents_trajectory_get_id (tr));
              return cli_user_error (error);
            }
          note_extrapolation (notes, sys, currents_trajectory_get_id (tr),
                              (const double *) (gpointer) bwd->data, out, bwd->len, u);
          note_extrapolation (notes, sys, currents_trajectory_get_id (tr),
                              (const double *) (gpointer) fwd->data, out + bwd->len * n,
                              fwd->len, u);
          for (guint q = bwd->len; q-- > 0;)
            append_row (csv, currents_trajectory_get_id (tr), g_array_index (bwd, double, q),
                        out + q * n, n);
          for (guint q = 0; q < fwd->len; q++)
            append_row (csv, currents_trajectory_get_id (tr), g_array_index (fwd, double, q),
                        out + (bwd->len + q) * n, n);
        }
    }
  if (notes->len > 0)
    {
      g_string_insert (csv, (gssize) notes_at, notes->str);
      g_printerr ("currents-cli: warning: the prediction leaves the range of the data the "
                  "model was trained on, where it is a guess (see the # extrapolated lines)\n");
    }
  if (output == NULL || strcmp (output, "-") == 0)
    {
      fputs (csv->str, stdout);
      return CLI_OK;
    }
  if (!g_file_set_contents (output, csv->str, -1, &error))
    return cli_user_error (error);
  return CLI_OK;
}
