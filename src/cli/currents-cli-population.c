/* currents-cli-population.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Populations of cells (continuous normalizing flows): `train --snapshots`, `sample` and
 * `density`.
 */
#include "config.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>
#include <gio/gio.h>

#include "currents-cli-private.h"

static gboolean
parse_uint (const char  *text,
            const char  *option,
            guint64      max,
            guint64     *value,
            GError     **error)
{
  if (!g_ascii_string_to_unsigned (text, 10, 0, max, value, NULL))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%s: expected a whole number, found '%s'", option, text);
      return FALSE;
    }
  return TRUE;
}

/* ---- train --snapshots -------------------------------------------------------------- */

typedef struct
{
  CurrentsPopulation      *pop;
  CurrentsSnapshots       *snaps;
  CurrentsCnfTrainOptions  topts;
  GMainLoop               *loop;
  GCancellable            *cancellable;
  gboolean                 ok;
  GError                  *error;
  double                   loss;
  double                   best_seen;
  gsize                    best_iteration;
  gsize                    iterations;
  gboolean                 quiet;
  gboolean                 tty;
} PopRun;

static gboolean
pop_progress (gsize    iteration,
              double   loss,
              gpointer user_data)
{
  PopRun *run = user_data;
  gsize every = MAX (run->topts.n_iterations / 20, 1);

  run->iterations = iteration + 1;
  if (loss < run->best_seen)
    {
      run->best_seen = loss;
      run->best_iteration = iteration + 1;
    }
  if (!run->quiet && ((iteration + 1) % every == 0 || iteration == 0))
    g_printerr (run->tty ? "\repoch %zu/%zu  −log-likelihood %.5f" : "epoch %zu/%zu  "
                "−log-likelihood %.5f\n", iteration + 1, run->topts.n_iterations, loss);
  return TRUE;
}

static void
pop_train_thread (GTask        *task,
                  gpointer      source,
                  gpointer      task_data,
                  GCancellable *cancellable)
{
  PopRun *run = task_data;
  GError *error = NULL;

  (void) source;
  if (currents_population_train (run->pop, run->snaps, &run->topts, &run->loss, pop_progress,
                                 run, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
pop_trained (GObject      *source,
             GAsyncResult *result,
             gpointer      user_data)
{
  PopRun *run = user_data;

  (void) source;
  run->ok = g_task_propagate_boolean (G_TASK (result), &run->error);
  g_main_loop_quit (run->loop);
}

static gboolean
pop_on_signal (gpointer user_data)
{
  PopRun *run = user_data;

  if (!run->quiet)
    g_printerr ("\nstopping after this epoch; the best model so far is saved\n");
  g_cancellable_cancel (run->cancellable);
  return G_SOURCE_CONTINUE;
}

int
cli_train_snapshots (int    argc,
                     char **argv)
{
  g_autofree char *data = NULL, *output = NULL, *hidden = NULL, *lr_text = NULL;
  g_autofree char *seed_text = NULL, *activation = NULL;
  int epochs = 300, components = 1;
  gboolean json = FALSE, quiet = FALSE;
  GOptionEntry entries[] = {
    { "snapshots", 0, 0, G_OPTION_ARG_FILENAME, &data,
      "Snapshot data: a CSV with t and state columns, one row per cell", "DATA.csv" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the population model here",
      "POP.json" },
    { "hidden", 0, 0, G_OPTION_ARG_STRING, &hidden,
      "Hidden layer widths of the field (default 32,32)", "W1,W2" },
    { "activation", 0, 0, G_OPTION_ARG_STRING, &activation,
      "Hidden activation (default tanh)", "NAME" },
    { "components", 'k', 0, G_OPTION_ARG_INT, &components,
      "Gaussians in the base density fitted to the first snapshot (default 1)", "K" },
    { "epochs", 'e', 0, G_OPTION_ARG_INT, &epochs, "Full-batch Adam steps (default 300)", "N" },
    { "lr", 0, 0, G_OPTION_ARG_STRING, &lr_text, "Adam's learning rate (default 0.02)", "LR" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed of the weights and of the mixture fit (default 0)", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print a JSON summary on stdout", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "No progress output", NULL },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("--snapshots DATA.csv -o POP.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autoptr (CurrentsPopulation) pop = NULL;
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (GMainLoop) loop = NULL;
  g_autoptr (GTask) task = NULL;
  g_autoptr (JsonObject) settings = json_object_new ();
  g_autofree char *contents = NULL, *sha = NULL, *cmd = NULL;
  CurrentsNeuralSpec spec;
  PopRun run = { 0 };
  guint64 seed = 0;
  gsize length;
  gint64 start;
  double seconds;
  guint sigint, sigterm;
  gboolean cancelled = FALSE;

  g_option_context_set_summary (ctx,
    "Learn a population model from snapshot data: a continuous normalizing flow that\n"
    "carries a density fitted to the first snapshot through the later ones (maximum\n"
    "likelihood). Cells have no identities; times repeat. Ctrl-C stops and saves the\n"
    "best model so far.\n\n"
    "Example:\n"
    "  currents-cli train --snapshots cells.csv --hidden 32,32 --components 2 -o cells-pop.json");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (data == NULL)
    return cli_usage_error (ctx, "say which snapshot data to learn from: --snapshots DATA.csv");
  if (argc != 1)
    return cli_usage_error (ctx, "with --snapshots, train takes no other data file ('%s')",
                            argv[1]);
  if (output == NULL)
    return cli_usage_error (ctx, "say where to write the population model: -o POP.json");
  if (epochs < 1 || components < 1 || components > 64)
    return cli_usage_error (ctx, "--epochs must be positive and --components from 1 to 64");

  currents_neural_spec_init (&spec);
  spec.n_hidden = 2;
  spec.hidden[0] = spec.hidden[1] = 32;
  spec.activation = CURRENTS_ACTIVATION_TANH;
  currents_cnf_train_options_init (&run.topts);
  run.topts.n_iterations = (gsize) epochs;
  run.topts.learning_rate = 0.02;
  if (hidden != NULL)
    {
      g_auto (GStrv) w = g_strsplit (hidden, ",", -1);

      spec.n_hidden = 0;
      for (gsize i = 0; w[i] != NULL; i++)
        {
          guint64 v;

          if (!g_ascii_string_to_unsigned (w[i], 10, 1, 4096, &v, NULL)
              || spec.n_hidden >= CURRENTS_NEURAL_MAX_LAYERS)
            return cli_usage_error (ctx, "--hidden: expected up to %d widths from 1 to 4096, "
                                    "as in 32,32", CURRENTS_NEURAL_MAX_LAYERS);
          spec.hidden[spec.n_hidden++] = (gsize) v;
        }
    }
  if (activation != NULL && !currents_activation_from_string (activation, &spec.activation))
    return cli_usage_error (ctx, "--activation: unknown activation '%s'", activation);
  if ((lr_text != NULL && !cli_parse_double (lr_text, "--lr", &run.topts.learning_rate, &error))
      || (seed_text != NULL && !parse_uint (seed_text, "--seed", G_MAXUINT64, &seed, &error)))
    return cli_user_error (error);
  if (!(run.topts.learning_rate > 0.0))
    return cli_usage_error (ctx, "--lr must be positive");
  spec.seed = seed;

  if (!g_file_get_contents (data, &contents, &length, &error))
    return cli_user_error (error);
  {
    g_autofree char *display = g_filename_display_name (data);

    snaps = currents_snapshots_parse (contents, (gssize) length, display, &error);
  }
  if (snaps == NULL)
    return cli_user_error (error);
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  pop = currents_population_new_for_snapshots (snaps, &spec, (gsize) components, seed, &error);
  if (pop == NULL)
    return cli_user_error (error);
  if (!quiet)
    g_printerr ("population model: %zu states, %zu snapshots, %zu parameters, base density "
                "of %d Gaussian%s\n", currents_snapshots_get_n_states (snaps),
                currents_snapshots_get_n_times (snaps), currents_population_get_n_params (pop),
                components, components == 1 ? "" : "s");

  loop = g_main_loop_new (NULL, FALSE);
  run.pop = pop;
  run.snaps = snaps;
  run.loop = loop;
  run.cancellable = cancellable;
  run.quiet = quiet;
  run.tty = isatty (STDERR_FILENO);
  run.best_seen = INFINITY;
  start = g_get_monotonic_time ();
  sigint = g_unix_signal_add (SIGINT, pop_on_signal, &run);
  sigterm = g_unix_signal_add (SIGTERM, pop_on_signal, &run);
  task = g_task_new (NULL, cancellable, pop_trained, &run);
  g_task_set_task_data (task, &run, NULL);
  g_task_run_in_thread (task, pop_train_thread);
  g_clear_object (&task);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  seconds = (double) (g_get_monotonic_time () - start) / 1e6;
  if (run.tty && !quiet)
    g_printerr ("\n");
  cancelled = g_cancellable_is_cancelled (cancellable);
  if (!run.ok)
    {
      int status = cli_user_error (run.error);

      g_clear_error (&run.error);
      return status;
    }

  cmd = cli_command_line ();
  json_object_set_string_member (settings, "program", "currents-cli " PACKAGE_VERSION);
  json_object_set_string_member (settings, "command", cmd);
  json_object_set_string_member (settings, "seed", seed_text != NULL ? seed_text : "0");
  json_object_set_int_member (settings, "epochs", (gint64) run.iterations);
  json_object_set_int_member (settings, "epochs_asked", epochs);
  json_object_set_double_member (settings, "learning_rate", run.topts.learning_rate);
  json_object_set_int_member (settings, "components", components);
  json_object_set_int_member (settings, "best_epoch", (gint64) run.best_iteration);
  json_object_set_double_member (settings, "neg_log_likelihood", run.loss);
  json_object_set_boolean_member (settings, "stopped_by_user", cancelled);
  json_object_set_double_member (settings, "seconds", seconds);
  currents_population_set_training (pop, settings);
  currents_population_set_data (pop, data, sha);
  if (!currents_population_save (pop, output, &error))
    return cli_user_error (error);

  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      /* the loss is −mean log-likelihood per cell of the later snapshots (nats); no
       * cells are held out, so there is no validation loss */
      cli_json_member_number (b, "train_loss", run.loss);
      cli_json_member_number (b, "val_loss", NAN);
      json_builder_set_member_name (b, "best_epoch");
      json_builder_add_int_value (b, (gint64) run.best_iteration);
      json_builder_set_member_name (b, "epochs");
      json_builder_add_int_value (b, (gint64) run.iterations);
      cli_json_member_number (b, "seconds", seconds);
      json_builder_set_member_name (b, "model_file");
      json_builder_add_string_value (b, output);
      json_builder_set_member_name (b, "loss_kind");
      json_builder_add_string_value (b, "neg_log_likelihood");
      json_builder_set_member_name (b, "n_params");
      json_builder_add_int_value (b, (gint64) currents_population_get_n_params (pop));
      json_builder_set_member_name (b, "stopped_by_user");
      json_builder_add_boolean_value (b, cancelled);
      json_builder_end_object (b);
      cli_json_print (b);
    }
  else if (!quiet)
    g_printerr ("−log-likelihood per cell %.5f after %zu epochs (%.1f s); wrote %s\n",
                run.loss, run.iterations, seconds, output);
  return CLI_OK;
}

/* ---- sample ------------------------------------------------------------------------- */

static void
append_number (GString *s,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (s, g_ascii_formatd (buf, sizeof buf, "%.10g", v));
}

static void
append_provenance (GString                  *csv,
                   const char               *path,
                   const CurrentsPopulation *pop)
{
  g_autofree char *cmd = cli_command_line ();
  const char *data = currents_population_get_data_filename (pop);
  const char *sha = currents_population_get_data_sha256 (pop);

  g_string_append_printf (csv, "# made by currents-cli %s: %s\n", PACKAGE_VERSION, cmd);
  g_string_append_printf (csv, "# population model %s", path);
  if (data != NULL)
    g_string_append_printf (csv, " (trained on %s sha256 %s)", data, sha != NULL ? sha : "?");
  g_string_append_c (csv, '\n');
}

static int
write_output (const char *output,
              GString    *text)
{
  g_autoptr (GError) error = NULL;

  if (output == NULL)
    {
      fwrite (text->str, 1, text->len, stdout);
      return CLI_OK;
    }
  if (!g_file_set_contents (output, text->str, (gssize) text->len, &error))
    return cli_user_error (error);
  return CLI_OK;
}

static CurrentsPopulation *
load_population (const char *path,
                 int        *status)
{
  g_autoptr (GError) error = NULL;
  CurrentsPopulation *pop = currents_population_load (path, &error);

  if (pop == NULL)
    *status = cli_user_error (error);
  return pop;
}

int
cli_sample (int    argc,
            char **argv)
{
  g_autofree char *t_text = NULL, *output = NULL, *seed_text = NULL;
  int n_samples = -1, steps = 50;
  gboolean paths = FALSE;
  GOptionEntry entries[] = {
    { "t", 't', 0, G_OPTION_ARG_STRING, &t_text, "The time of the cells (required)", "T" },
    { "n", 'n', 0, G_OPTION_ARG_INT, &n_samples,
      "How many cells (default 1000) or paths (default 20)", "N" },
    { "paths", 0, 0, G_OPTION_ARG_NONE, &paths,
      "Sample paths from t0 to T instead of cells at T", NULL },
    { "steps", 0, 0, G_OPTION_ARG_INT, &steps, "Points along each path (default 50)", "K" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Random seed (default 0)", "S" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the CSV here, not to stdout",
      "OUT.csv" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("POP.json --t T");
  g_autoptr (GError) error = NULL;
  g_autoptr (CurrentsPopulation) pop = NULL;
  g_autoptr (GString) csv = g_string_new (NULL);
  g_autofree double *x = NULL, *times = NULL;
  const char *const *names;
  guint64 seed = 0;
  double t, t0;
  gsize n, m;
  int status = CLI_OK;

  g_option_context_set_summary (ctx,
    "Draw cells from a population model's density at time T (CSV: t and the states), or\n"
    "sample paths of the flow from t0 to T (--paths: trajectory, t and the states).\n\n"
    "Examples:\n"
    "  currents-cli sample cells-pop.json --t 3 --n 500\n"
    "  currents-cli sample cells-pop.json --t 3 --paths --n 10 -o paths.csv");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "sample takes exactly one population model");
  if (t_text == NULL)
    return cli_usage_error (ctx, "say at which time to sample: --t T");
  if (steps < 2)
    return cli_usage_error (ctx, "--steps must be at least 2");
  if (n_samples < 0)
    n_samples = paths ? 20 : 1000;
  if (n_samples < 1)
    return cli_usage_error (ctx, "--n must be positive");
  if (!cli_parse_double (t_text, "--t", &t, &error)
      || (seed_text != NULL && !parse_uint (seed_text, "--seed", G_MAXUINT64, &seed, &error)))
    return cli_user_error (error);
  pop = load_population (argv[1], &status);
  if (pop == NULL)
    return status;
  n = currents_population_get_n_states (pop);
  names = currents_population_get_state_names (pop);
  t0 = currents_population_get_t0 (pop);
  if (t < t0)
    {
      g_set_error (&error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "--t %g: the model's density starts at t0 = %g", t, t0);
      return cli_user_error (error);
    }
  append_provenance (csv, argv[1], pop);
  m = paths ? (gsize) steps : 1;
  x = g_new (double, (gsize) n_samples * m * n);
  if (paths)
    {
      times = g_new (double, m);
      for (gsize j = 0; j < m; j++)
        times[j] = t0 + (t - t0) * (double) j / (double) (m - 1);
      times[m - 1] = t;
      if (!currents_population_sample_paths (pop, times, m, (gsize) n_samples, seed, x, NULL,
                                             &error))
        return cli_user_error (error);
      g_string_append (csv, "trajectory,t");
    }
  else
    {
      if (!currents_population_sample (pop, t, (gsize) n_samples, seed, x, NULL, NULL, &error))
        return cli_user_error (error);
      g_string_append (csv, "t");
    }
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (csv, ",%s", names[i]);
  g_string_append_c (csv, '\n');
  for (gsize r = 0; r < (gsize) n_samples; r++)
    for (gsize j = 0; j < m; j++)
      {
        if (paths)
          g_string_append_printf (csv, "%zu,", r + 1);
        append_number (csv, paths ? times[j] : t);
        for (gsize i = 0; i < n; i++)
          {
            g_string_append_c (csv, ',');
            append_number (csv, x[(r * m + j) * n + i]);
          }
        g_string_append_c (csv, '\n');
      }
  return write_output (output, csv);
}

/* ---- density ------------------------------------------------------------------------ */

static gssize
find_state (const char *const *names,
            const char        *name)
{
  for (gsize i = 0; names[i] != NULL; i++)
    if (g_ascii_strcasecmp (names[i], name) == 0)
      return (gssize) i;
  return -1;
}

int
cli_density (int    argc,
             char **argv)
{
  g_autofree char *t_text = NULL, *grid_text = NULL, *output = NULL, *seed_text = NULL;
  g_auto (GStrv) at_items = NULL;
  int size = 64, n_samples = 200000;
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "t", 't', 0, G_OPTION_ARG_STRING, &t_text, "The time (required)", "T" },
    { "grid", 'g', 0, G_OPTION_ARG_STRING, &grid_text,
      "The two states and their ranges (required)", "X=LO:HI,Y=LO:HI" },
    { "size", 0, 0, G_OPTION_ARG_INT, &size, "Grid points per side (default 64)", "N" },
    { "at", 0, 0, G_OPTION_ARG_STRING_ARRAY, &at_items,
      "With more than two states: a slice at these values of the others (default: the "
      "marginal, estimated from samples)", "NAME=VALUE" },
    { "samples", 0, 0, G_OPTION_ARG_INT, &n_samples,
      "Samples for a marginal's histogram (default 200000)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Seed of those samples", "S" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print JSON on stdout instead of CSV", NULL },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the CSV here, not to stdout",
      "OUT.csv" },
    { NULL }
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("POP.json --t T --grid X=LO:HI,Y=LO:HI");
  g_autoptr (GError) error = NULL;
  g_autoptr (CurrentsPopulation) pop = NULL;
  g_autoptr (GArray) ranges = NULL, at = NULL;
  g_autofree double *logp = NULL, *at_values = NULL;
  char *grid_items[2] = { NULL, NULL };
  const char *const *names;
  const CliRange *rx, *ry;
  gssize ix, iy;
  guint64 seed = 0;
  gboolean marginal;
  double t;
  gsize n, N;
  int status = CLI_OK;

  g_option_context_set_summary (ctx,
    "log p(x, y, t) of a population model on a grid: exact (a batched solve of the flow)\n"
    "for two states or a slice (--at); for more states without --at, the marginal of the\n"
    "two, estimated by a histogram of samples. CSV: X, Y, log_p; --json: the grid.\n\n"
    "Example:\n"
    "  currents-cli density cells-pop.json --t 2 --grid x=-4:4,y=-4:4 --size 64");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "density takes exactly one population model");
  if (t_text == NULL || grid_text == NULL)
    return cli_usage_error (ctx, "say when and where: --t T --grid X=LO:HI,Y=LO:HI");
  if (size < 2 || size > 2048 || n_samples < 1)
    return cli_usage_error (ctx, "--size must be from 2 to 2048 and --samples positive");
  grid_items[0] = grid_text;
  if (!cli_parse_double (t_text, "--t", &t, &error)
      || (seed_text != NULL && !parse_uint (seed_text, "--seed", G_MAXUINT64, &seed, &error))
      || (ranges = cli_parse_ranges (grid_items, "--grid", &error)) == NULL
      || (at_items != NULL && (at = cli_parse_assignments (at_items, "--at", &error)) == NULL))
    return cli_user_error (error);
  if (ranges->len != 2)
    return cli_usage_error (ctx, "--grid: expected two states, as in x=-4:4,y=-4:4");
  pop = load_population (argv[1], &status);
  if (pop == NULL)
    return status;
  n = currents_population_get_n_states (pop);
  names = currents_population_get_state_names (pop);
  rx = &g_array_index (ranges, CliRange, 0);
  ry = &g_array_index (ranges, CliRange, 1);
  ix = find_state (names, rx->name);
  iy = find_state (names, ry->name);
  if (ix < 0 || iy < 0 || ix == iy)
    {
      g_autofree char *list = g_strjoinv (", ", (char **) names);

      g_set_error (&error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "--grid: '%s' and '%s' must be two different states of the model (%s)",
                   rx->name, ry->name, list);
      return cli_user_error (error);
    }
  if (!(rx->hi > rx->lo) || !(ry->hi > ry->lo))
    return cli_usage_error (ctx, "--grid: each range needs LO < HI");
  if (at != NULL)
    {
      at_values = g_new0 (double, n);
      for (guint a = 0; a < at->len; a++)
        {
          const CliAssign *as = &g_array_index (at, CliAssign, a);
          gssize i = find_state (names, as->name);

          if (i < 0)
            {
              g_set_error (&error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                           "--at: the model has no state '%s'", as->name);
              return cli_user_error (error);
            }
          at_values[i] = as->value;
        }
    }
  marginal = n > 2 && at_values == NULL;
  N = (gsize) size;
  logp = g_new (double, N * N);
  if (!currents_population_density_grid (pop, t, (gsize) ix, (gsize) iy, rx->lo, rx->hi, ry->lo,
                                         ry->hi, N, N, at_values, (gsize) n_samples, seed, logp,
                                         NULL, &error))
    return cli_user_error (error);

  if (json)
    {
      g_autoptr (JsonBuilder) b = json_builder_new ();
      g_autofree char *cmd = cli_command_line ();
      g_autofree double *xs = g_new (double, N), *ys = g_new (double, N);

      for (gsize i = 0; i < N; i++)
        {
          xs[i] = rx->lo + (rx->hi - rx->lo) * (double) i / (double) (N - 1);
          ys[i] = ry->lo + (ry->hi - ry->lo) * (double) i / (double) (N - 1);
        }
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "program");
      json_builder_add_string_value (b, "currents-cli " PACKAGE_VERSION);
      json_builder_set_member_name (b, "command");
      json_builder_add_string_value (b, cmd);
      json_builder_set_member_name (b, "model_file");
      json_builder_add_string_value (b, argv[1]);
      cli_json_member_number (b, "t", t);
      json_builder_set_member_name (b, "x_name");
      json_builder_add_string_value (b, names[ix]);
      json_builder_set_member_name (b, "y_name");
      json_builder_add_string_value (b, names[iy]);
      json_builder_set_member_name (b, "marginal");
      json_builder_add_boolean_value (b, marginal);
      cli_json_member_vector (b, "x", xs, N);
      cli_json_member_vector (b, "y", ys, N);
      /* rows in y, columns in x; null where a marginal's bin is empty (log 0) */
      json_builder_set_member_name (b, "log_p");
      json_builder_begin_array (b);
      for (gsize j = 0; j < N; j++)
        cli_json_member_vector (b, NULL, logp + j * N, N);
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }
  else
    {
      g_autoptr (GString) csv = g_string_new (NULL);

      append_provenance (csv, argv[1], pop);
      g_string_append_printf (csv, "# t %s; %s\n", t_text,
                              marginal ? "marginal from a histogram of samples"
                                       : "exact log-density");
      g_string_append_printf (csv, "%s,%s,log_p\n", names[ix], names[iy]);
      for (gsize j = 0; j < N; j++)
        for (gsize i = 0; i < N; i++)
          {
            append_number (csv, rx->lo + (rx->hi - rx->lo) * (double) i / (double) (N - 1));
            g_string_append_c (csv, ',');
            append_number (csv, ry->lo + (ry->hi - ry->lo) * (double) j / (double) (N - 1));
            g_string_append_c (csv, ',');
            if (isfinite (logp[j * N + i]))
              append_number (csv, logp[j * N + i]);
            else
              g_string_append (csv, "-inf");
            g_string_append_c (csv, '\n');
          }
      return write_output (output, csv);
    }
}
