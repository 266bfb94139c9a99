/* currents-cli-ensemble.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli train --ensemble K`, and `predict`, `equilibria` and `continue` on an
 * ensemble file: every analysis runs in each member and reports the members' median with
 * an interval (their range below 20 members, the 5–95% quantiles from 20 on), how many
 * members agree on an equilibrium, and in how many each tipping point was found.
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <glib-unix.h>

#include "currents-cli-ensemble.h"

/* ------------------------------------------------------------------------------------ */
/* train --ensemble K                                                                    */

typedef struct
{
  GMainLoop               *loop;
  GCancellable            *cancellable;
  CurrentsEnsembleTrainer *trainer;
  gboolean                 quiet;
  gboolean                 tty;
  gboolean                 ok;
  GError                  *error;
  guint                    last_done;
} EnsembleRun;

static gboolean
on_signal (gpointer data)
{
  EnsembleRun *r = data;

  return cli_interrupt (r->cancellable, "the members trained so far");
}

static void
on_progress (const CurrentsEnsembleProgress *p,
             gpointer                        data)
{
  EnsembleRun *r = data;

  if (r->quiet)
    return;
  if (r->tty)
    g_printerr ("\r%u of %u members done; member %u: epoch %u/%u, train %.4g, best %.4g   ",
                p->n_done, p->n_members, p->member + 1, p->epoch, p->epochs, p->train_loss,
                p->best_loss);
  else if (p->n_done != r->last_done)
    g_printerr ("%u of %u members done\n", p->n_done, p->n_members);
  r->last_done = p->n_done;
}

static void
on_trained (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  EnsembleRun *r = data;

  r->ok = currents_ensemble_trainer_train_finish (r->trainer, result, &r->error);
  g_main_loop_quit (r->loop);
}

int
cli_train_ensemble (const char                  *data_path,
                    const CurrentsDataset       *dataset,
                    const CurrentsTrainOptions  *options,
                    guint                        n_members,
                    int                          n_threads,
                    guint64                      seed,
                    CurrentsEnsembleLearnerFunc  make_learner,
                    gpointer                     learner_data,
                    const char                  *output,
                    gboolean                     json,
                    gboolean                     quiet)
{
  g_autoptr(CurrentsEnsembleTrainer) et = NULL;
  g_autoptr(CurrentsEnsemble) ens = NULL;
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(GError) error = NULL;
  g_autofree char *cmd = cli_command_line ();
  CurrentsEnsembleOptions eo;
  EnsembleRun run = { 0 };
  gboolean cancelled = FALSE;
  guint sigint, sigterm;
  gint64 start = g_get_monotonic_time ();
  double seconds;
  gsize n;

  currents_ensemble_options_init (&eo);
  eo.n_members = n_members;
  eo.n_threads = n_threads > 0 ? (guint) n_threads : 0;
  eo.seed = seed;
  eo.train = *options;
  et = currents_ensemble_trainer_new (dataset, &eo, make_learner, learner_data, &error);
  if (et == NULL)
    return cli_user_error (error);
  if (!quiet)
    g_printerr ("training an ensemble of %u members on bootstrap resamples of %" G_GSIZE_FORMAT
                " trajectories (seeds %" G_GUINT64_FORMAT "–%" G_GUINT64_FORMAT ")\n",
                n_members, currents_dataset_get_n_trajectories (dataset), seed,
                seed + n_members - 1);

  run.loop = loop;
  run.cancellable = cancellable;
  run.trainer = et;
  run.quiet = quiet;
  run.tty = isatty (STDERR_FILENO);
  sigint = g_unix_signal_add (SIGINT, on_signal, &run);
  sigterm = g_unix_signal_add (SIGTERM, on_signal, &run);
  currents_ensemble_trainer_train_async (et, cancellable, on_progress, &run, NULL, on_trained,
                                         &run);
  g_main_loop_run (loop);
  g_source_remove (sigint);
  g_source_remove (sigterm);
  seconds = (double) (g_get_monotonic_time () - start) / 1e6;
  if (run.tty && !quiet)
    g_printerr ("\n");
  if (!run.ok)
    {
      cancelled = g_error_matches (run.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
      if (!cancelled)
        {
          g_printerr ("currents-cli: %s\n", run.error->message);
          g_clear_error (&run.error);
          return CLI_ERROR;
        }
      g_clear_error (&run.error);
    }

  ens = currents_ensemble_trainer_get_ensemble (et, "currents-cli " PACKAGE_VERSION, cmd);
  if (ens == NULL)
    {
      g_printerr ("currents-cli: stopped before any member finished an epoch; nothing to "
                  "save\n");
      return CLI_ERROR;
    }
  currents_ensemble_set_data (ens, data_path, currents_dataset_get_sha256 (dataset),
                              currents_dataset_get_n_trajectories (dataset));
  if (!currents_ensemble_save (ens, output, &error))
    return cli_user_error (error);
  n = currents_ensemble_get_n_members (ens);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "ensemble");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "members");
      json_builder_add_int_value (b, (gint64) n);
      json_builder_set_member_name (b, "planned");
      json_builder_add_int_value (b, n_members);
      json_builder_set_member_name (b, "seed");
      json_builder_add_int_value (b, (gint64) seed);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "members");
      json_builder_begin_array (b);
      for (gsize k = 0; k < n; k++)
        {
          const CurrentsTrainedModel *tm = currents_ensemble_get_member (ens, k);
          JsonObject *ts = currents_trained_model_get_training (tm);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "index");
          json_builder_add_int_value (b, currents_ensemble_get_member_index (ens, k));
          json_builder_set_member_name (b, "status");
          json_builder_add_string_value (b, currents_ensemble_member_status_to_string (
                                              currents_ensemble_get_member_status (ens, k)));
          json_builder_set_member_name (b, "best_epoch");
          json_builder_add_int_value (b, ts != NULL && json_object_has_member (ts, "best_epoch")
                                         ? json_object_get_int_member (ts, "best_epoch") : 0);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      cli_json_member_number (b, "seconds", seconds);
      json_builder_set_member_name (b, "model_file");
      json_builder_add_string_value (b, output);
      json_builder_set_member_name (b, "stopped_by_user");
      json_builder_add_boolean_value (b, cancelled);
      json_builder_end_object (b);
      cli_json_print (b);
    }
  else if (!quiet)
    g_printerr ("saved %s: an ensemble of %" G_GSIZE_FORMAT " of %u members%s, %.2f s\n",
                output, n, n_members, cancelled ? " (stopped early)" : "", seconds);
  return CLI_OK;
}

/* ------------------------------------------------------------------------------------ */
/* Loading                                                                               */

/* The members' systems with --set applied; prints the error and sets @status on failure. */
static GPtrArray *
load_systems (const char        *path,
              char             **set_items,
              CurrentsEnsemble **ens_out,
              int               *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsEnsemble) ens = currents_ensemble_load (path, &error);
  g_autoptr(GArray) sets = NULL;
  g_autoptr(GPtrArray) systems = NULL;

  if (ens == NULL)
    {
      *status = cli_user_error (error);
      return NULL;
    }
  if (set_items != NULL && !(sets = cli_parse_assignments (set_items, "--set", &error)))
    {
      *status = cli_user_error (error);
      return NULL;
    }
  systems = currents_ensemble_new_systems (ens);
  for (guint k = 0; k < systems->len; k++)
    for (guint i = 0; sets != NULL && i < sets->len; i++)
      {
        const CliAssign *a = &g_array_index (sets, CliAssign, i);

        if (!currents_system_set (g_ptr_array_index (systems, k), a->name, a->value, &error))
          {
            g_prefix_error (&error, "--set %s: ", a->name);
            *status = cli_user_error (error);
            return NULL;
          }
      }
  *ens_out = g_steal_pointer (&ens);
  return g_steal_pointer (&systems);
}

static void
json_ensemble (JsonBuilder            *b,
               const char             *path,
               const CurrentsEnsemble *ens,
               const char             *cmd)
{
  json_builder_set_member_name (b, "program");
  json_builder_add_string_value (b, "currents-cli " PACKAGE_VERSION);
  json_builder_set_member_name (b, "command");
  json_builder_add_string_value (b, cmd);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, path);
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, "ensemble");
  json_builder_set_member_name (b, "ensemble");
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "members");
  json_builder_add_int_value (b, (gint64) currents_ensemble_get_n_members (ens));
  json_builder_set_member_name (b, "planned");
  json_builder_add_int_value (b, currents_ensemble_get_n_planned (ens));
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) currents_ensemble_get_seed (ens));
  json_builder_set_member_name (b, "data_sha256");
  if (currents_ensemble_get_data_sha256 (ens) != NULL)
    json_builder_add_string_value (b, currents_ensemble_get_data_sha256 (ens));
  else
    json_builder_add_null_value (b);
  json_builder_end_object (b);
}

static void
json_states (JsonBuilder       *b,
             const char *const *names)
{
  json_builder_set_member_name (b, "states");
  json_builder_begin_array (b);
  for (gsize i = 0; names[i] != NULL; i++)
    json_builder_add_string_value (b, names[i]);
  json_builder_end_array (b);
}

static void
json_pair (JsonBuilder *b,
           double       lo,
           double       hi)
{
  json_builder_begin_array (b);
  cli_json_number (b, lo);
  cli_json_number (b, hi);
  json_builder_end_array (b);
}

/* The box of the first member (all members share the data's ranges), then --box. */
static gboolean
make_box (CurrentsSystem  *sys,
          char           **box_items,
          gboolean         for_continuation,
          double          *lo,
          double          *hi,
          GError         **error)
{
  g_autoptr(GArray) boxes = NULL;

  if (for_continuation)
    currents_continuation_default_box (sys, lo, hi);
  else
    currents_system_get_default_box (sys, lo, hi);
  if (box_items != NULL && !(boxes = cli_parse_ranges (box_items, "--box", error)))
    return FALSE;
  for (guint b = 0; boxes != NULL && b < boxes->len; b++)
    {
      const CliRange *r = &g_array_index (boxes, CliRange, b);
      int i = currents_system_find_state (sys, r->name);

      if (i < 0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "--box %s: the ensemble has no state variable named '%s'", r->name,
                       r->name);
          return FALSE;
        }
      if (!(r->lo < r->hi))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "--box %s=%g:%g has zero width (LO must be below HI)", r->name,
                       r->lo, r->hi);
          return FALSE;
        }
      lo[i] = r->lo;
      hi[i] = r->hi;
    }
  return TRUE;
}

static void
print_members_line (const char             *path,
                    const CurrentsEnsemble *ens)
{
  gsize n = currents_ensemble_get_n_members (ens);

  g_print ("Ensemble %s: %" G_GSIZE_FORMAT " member%s (of %u planned); intervals are the "
           "%s\n", path, n, n == 1 ? "" : "s", currents_ensemble_get_n_planned (ens),
           n < 20 ? "members' range (fewer than 20 members)" : "5–95% quantiles");
}

/* ------------------------------------------------------------------------------------ */
/* equilibria                                                                            */

int
cli_equilibria_ensemble (const char  *path,
                         char       **set_items,
                         char       **box_items,
                         int          n_seeds,
                         guint64      seed,
                         const char  *t_text,
                         gboolean     json)
{
  g_autoptr(CurrentsEnsemble) ens = NULL;
  g_autoptr(GPtrArray) systems = NULL;
  g_autoptr(GPtrArray) eqs = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *lo = NULL, *hi = NULL;
  g_autofree char *cmd = cli_command_line ();
  CurrentsEquilibriaOptions o;
  CurrentsSystem *sys0;
  const char *const *names;
  int status = CLI_OK;
  gsize n, K;
  double t;

  systems = load_systems (path, set_items, &ens, &status);
  if (systems == NULL)
    return status;
  sys0 = g_ptr_array_index (systems, 0);
  n = currents_system_get_n_states (sys0);
  K = systems->len;
  names = currents_system_get_state_names (sys0);
  t = currents_system_get_t0 (sys0);
  if (t_text != NULL && !cli_parse_double (t_text, "--t", &t, &error))
    return cli_user_error (error);
  lo = g_new (double, MAX (n, 1));
  hi = g_new (double, MAX (n, 1));
  if (!make_box (sys0, box_items, FALSE, lo, hi, &error))
    return cli_user_error (error);
  currents_equilibria_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  o.n_seeds = (gsize) n_seeds;
  o.seed = seed;
  o.t = t;
  eqs = currents_ensemble_equilibria (systems, &o, 0.0, NULL, &error);
  if (eqs == NULL)
    return cli_user_error (error);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_ensemble (b, path, ens, cmd);
      json_states (b, names);
      json_builder_set_member_name (b, "box");
      json_builder_begin_object (b);
      for (gsize i = 0; i < n; i++)
        {
          json_builder_set_member_name (b, names[i]);
          json_pair (b, lo[i], hi[i]);
        }
      json_builder_end_object (b);
      json_builder_set_member_name (b, "equilibria");
      json_builder_begin_array (b);
      for (guint k = 0; k < eqs->len; k++)
        {
          const CurrentsEnsembleEquilibrium *e = g_ptr_array_index (eqs, k);

          json_builder_begin_object (b);
          cli_json_member_vector (b, "state", e->median, n);
          json_builder_set_member_name (b, "interval");
          json_builder_begin_array (b);
          for (gsize i = 0; i < n; i++)
            json_pair (b, e->lo[i], e->hi[i]);
          json_builder_end_array (b);
          json_builder_set_member_name (b, "interval_kind");
          json_builder_add_string_value (b, currents_interval_kind_to_string (e->kind));
          json_builder_set_member_name (b, "agree");
          json_builder_add_int_value (b, (gint64) e->agree);
          json_builder_set_member_name (b, "members");
          json_builder_add_int_value (b, (gint64) e->n_members);
          json_builder_set_member_name (b, "type");
          json_builder_add_string_value (b, currents_equilibrium_type_to_string (e->type));
          json_builder_set_member_name (b, "type_agree");
          json_builder_add_int_value (b, (gint64) e->type_agree);
          json_builder_set_member_name (b, "stable_in");
          json_builder_add_int_value (b, (gint64) e->n_stable);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  print_members_line (path, ens);
  g_print ("Equilibria in ");
  for (gsize i = 0; i < n; i++)
    g_print ("%s%s=%g:%g", i ? ", " : "", names[i], lo[i], hi[i]);
  g_print (":%s\n", eqs->len == 0 ? " none in any member" : "");
  for (guint k = 0; k < eqs->len; k++)
    {
      const CurrentsEnsembleEquilibrium *e = g_ptr_array_index (eqs, k);

      g_print ("  ");
      for (gsize i = 0; i < n; i++)
        g_print ("%s%s = %.4g (%.4g–%.4g)", i ? ", " : "", names[i], e->median[i], e->lo[i],
                 e->hi[i]);
      g_print (": %s in %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT ", found in %" G_GSIZE_FORMAT
               " of %" G_GSIZE_FORMAT " members (stable in %" G_GSIZE_FORMAT ")\n",
               currents_equilibrium_type_to_string (e->type), e->type_agree, e->agree,
               e->agree, K, e->n_stable);
    }
  return CLI_OK;
}

/* ------------------------------------------------------------------------------------ */
/* continue                                                                              */

static void
json_tipping (JsonBuilder                *b,
              const CurrentsTippingPoint *tp,
              const char                 *param)
{
  g_autofree char *sentence = currents_tipping_point_describe (tp, param);

  json_builder_begin_object (b);
  cli_json_member_number (b, "param", tp->param);
  json_builder_set_member_name (b, "interval");
  json_pair (b, tp->lo, tp->hi);
  json_builder_set_member_name (b, "interval_kind");
  json_builder_add_string_value (b, currents_interval_kind_to_string (tp->interval_kind));
  json_builder_set_member_name (b, "found_in");
  json_builder_add_int_value (b, (gint64) tp->found_in);
  json_builder_set_member_name (b, "members");
  json_builder_add_int_value (b, (gint64) tp->n_members);
  cli_json_member_vector (b, "params", tp->params, tp->found_in);
  cli_json_member_vector (b, "state", tp->state, tp->n);
  if (tp->kind == CURRENTS_BIFURCATION_HOPF)
    cli_json_member_number (b, "frequency", tp->frequency);
  json_builder_set_member_name (b, "summary");
  json_builder_add_string_value (b, sentence);
  json_builder_end_object (b);
}

int
cli_continue_ensemble (const char                  *path,
                       const char                  *param,
                       CurrentsContinuationOptions *options,
                       char                       **set_items,
                       char                       **box_items,
                       const char                  *t_text,
                       gboolean                     json)
{
  g_autoptr(CurrentsEnsemble) ens = NULL;
  g_autoptr(GPtrArray) systems = NULL;
  g_autoptr(GPtrArray) tps = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree double *lo = NULL, *hi = NULL;
  g_autofree char *cmd = cli_command_line ();
  g_autofree char *failure = NULL;
  CurrentsSystem *sys0;
  const char *const *names;
  int status = CLI_OK;
  gsize n, K, failed = 0;

  systems = load_systems (path, set_items, &ens, &status);
  if (systems == NULL)
    return status;
  sys0 = g_ptr_array_index (systems, 0);
  n = currents_system_get_n_states (sys0);
  K = systems->len;
  names = currents_system_get_state_names (sys0);
  options->t = currents_system_get_t0 (sys0);
  if (t_text != NULL && !cli_parse_double (t_text, "--t", &options->t, &error))
    return cli_user_error (error);
  lo = g_new (double, MAX (n, 1));
  hi = g_new (double, MAX (n, 1));
  if (!make_box (sys0, box_items, TRUE, lo, hi, &error))
    return cli_user_error (error);
  options->box_lo = lo;
  options->box_hi = hi;
  tps = currents_ensemble_continue (systems, param, options, 0.0, &failed, &failure, NULL,
                                    &error);
  if (tps == NULL)
    return cli_user_error (error);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      CurrentsBifurcationKind kinds[2] = { CURRENTS_BIFURCATION_FOLD, CURRENTS_BIFURCATION_HOPF };
      const char *keys[2] = { "folds", "hopf" };

      json_builder_begin_object (b);
      json_ensemble (b, path, ens, cmd);
      json_states (b, names);
      json_builder_set_member_name (b, "parameter");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, param);
      json_builder_set_member_name (b, "range");
      json_pair (b, options->lo, options->hi);
      json_builder_set_member_name (b, "log");
      json_builder_add_boolean_value (b, options->log_scale);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "failed_members");
      json_builder_add_int_value (b, (gint64) failed);
      json_builder_set_member_name (b, "failure");
      if (failure != NULL)
        json_builder_add_string_value (b, failure);
      else
        json_builder_add_null_value (b);
      for (int c = 0; c < 2; c++)
        {
          json_builder_set_member_name (b, keys[c]);
          json_builder_begin_array (b);
          for (guint i = 0; i < tps->len; i++)
            {
              const CurrentsTippingPoint *tp = g_ptr_array_index (tps, i);

              if (tp->kind == kinds[c])
                json_tipping (b, tp, param);
            }
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  print_members_line (path, ens);
  g_print ("Equilibria continued in %s over %g:%g%s in each member", param, options->lo,
           options->hi, options->log_scale ? " (log scale)" : "");
  g_print (".\n");
  if (failed > 0)
    g_print ("Left out %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " members whose continuation "
             "failed (first: %s).\n", failed, K, failure);
  if (tps->len == 0)
    g_print ("No fold or Hopf point in any member.\n");
  for (guint i = 0; i < tps->len; i++)
    {
      const CurrentsTippingPoint *tp = g_ptr_array_index (tps, i);
      g_autofree char *sentence = currents_tipping_point_describe (tp, param);

      g_print ("%c%s", g_ascii_toupper (sentence[0]), sentence + 1);
      if (tp->kind == CURRENTS_BIFURCATION_HOPF && isfinite (tp->frequency))
        g_print (" (median ω = %.4g)", tp->frequency);
      g_print (".\n");
    }
  return CLI_OK;
}

/* ------------------------------------------------------------------------------------ */
/* predict                                                                               */

static GArray *
parse_times (const char  *text,
             GError     **error)
{
  GArray *times;

  if (strchr (text, ':') == NULL)
    return cli_parse_doubles (text, "--times", error);
  {
    g_auto(GStrv) parts = g_strsplit (text, ":", -1);
    double lo, hi, step;

    if (g_strv_length (parts) != 3)
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "--times: a list T1,T2,… or LO:HI:STEP");
        return NULL;
      }
    if (!cli_parse_double (parts[0], "--times", &lo, error) ||
        !cli_parse_double (parts[1], "--times", &hi, error) ||
        !cli_parse_double (parts[2], "--times", &step, error))
      return NULL;
    if (!(step > 0) || hi < lo || (hi - lo) / step > 1e7)
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "--times LO:HI:STEP needs LO ≤ HI and a positive step");
        return NULL;
      }
    times = g_array_new (FALSE, FALSE, sizeof (double));
    for (gsize k = 0; lo + (double) k * step <= hi + 1e-9 * step; k++)
      {
        double t = lo + (double) k * step;
        g_array_append_val (times, t);
      }
    return times;
  }
}

typedef struct
{
  char   *id;
  GArray *times;
  double *median;
  double *lo;
  double *hi;
} Prediction;

static void
prediction_free (gpointer data)
{
  Prediction *p = data;

  g_free (p->id);
  g_array_unref (p->times);
  g_free (p->median);
  g_free (p->lo);
  g_free (p->hi);
  g_free (p);
}

static Prediction *
predict_one (GPtrArray                 *systems,
             const char                *id,
             const double              *x0,
             const CurrentsInputSignal *sig,
             double                     t0,
             GArray                    *times,
             CurrentsIntervalKind      *kind,
             GError                   **error)
{
  gsize n = currents_system_get_n_states (g_ptr_array_index (systems, 0)), ok = 0;
  Prediction *p = g_new0 (Prediction, 1);

  p->id = g_strdup (id);
  p->times = g_array_ref (times);
  p->median = g_new (double, MAX (times->len * n, 1));
  p->lo = g_new (double, MAX (times->len * n, 1));
  p->hi = g_new (double, MAX (times->len * n, 1));
  if (times->len > 0 &&
      !currents_ensemble_predict (systems, x0, sig, t0, (double *) times->data, times->len,
                                  p->median, p->lo, p->hi, kind, &ok, NULL, error))
    {
      prediction_free (p);
      return NULL;
    }
  return p;
}

int
cli_predict_ensemble (const char  *path,
                      const char  *data,
                      char       **inputs,
                      char       **init_items,
                      char       **set_items,
                      const char  *times_text,
                      const char  *t0_text,
                      const char  *t1_text,
                      const char  *dt_text,
                      const char  *output,
                      gboolean     json)
{
  g_autoptr(CurrentsEnsemble) ens = NULL;
  g_autoptr(GPtrArray) systems = NULL;
  g_autoptr(GPtrArray) preds = g_ptr_array_new_with_free_func (prediction_free);
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) times = NULL, inits = NULL;
  g_autoptr(GString) out = g_string_new (NULL);
  g_autofree char *cmd = cli_command_line ();
  g_autofree char *data_sha = NULL;
  CurrentsIntervalKind kind = CURRENTS_INTERVAL_RANGE;
  CurrentsSystem *sys0;
  const char *const *names;
  int status = CLI_OK;
  gsize n, m;

  systems = load_systems (path, set_items, &ens, &status);
  if (systems == NULL)
    return status;
  sys0 = g_ptr_array_index (systems, 0);
  n = currents_system_get_n_states (sys0);
  m = currents_system_get_n_inputs (sys0);
  names = currents_system_get_state_names (sys0);
  if (times_text != NULL && !(times = parse_times (times_text, &error)))
    return cli_user_error (error);

  if (init_items != NULL)
    {
      g_autofree double *x0 = g_memdup2 (currents_system_get_initial (sys0),
                                         MAX (n, 1) * sizeof (double));
      double t0 = 0.0, t1 = currents_system_get_total (sys0), dt = 0.0;
      Prediction *p;

      if (!(inits = cli_parse_assignments (init_items, "--init", &error)))
        return cli_user_error (error);
      for (guint i = 0; i < inits->len; i++)
        {
          CliAssign *a = &g_array_index (inits, CliAssign, i);
          int k = currents_system_find_state (sys0, a->name);

          if (k < 0)
            {
              g_printerr ("currents-cli: --init %s: the ensemble has no state named '%s'\n",
                          a->name, a->name);
              return CLI_ERROR;
            }
          x0[k] = a->value;
        }
      if ((t0_text && !cli_parse_double (t0_text, "--t0", &t0, &error)) ||
          (t1_text && !cli_parse_double (t1_text, "--t1", &t1, &error)) ||
          (dt_text && !cli_parse_double (dt_text, "--dt", &dt, &error)))
        return cli_user_error (error);
      if (times == NULL)
        {
          double span = fabs (t1 - t0), sign = t1 < t0 ? -1 : 1;
          gsize steps;

          if (dt <= 0)
            dt = span / 100.0;
          if (!(dt > 0))
            {
              g_printerr ("currents-cli: --t1 must differ from --t0\n");
              return CLI_USAGE;
            }
          steps = (gsize) floor (span / dt + 1e-9);
          times = g_array_new (FALSE, FALSE, sizeof (double));
          for (gsize k = 0; k <= steps; k++)
            {
              double t = t0 + sign * (double) k * dt;
              g_array_append_val (times, t);
            }
        }
      p = predict_one (systems, NULL, x0, NULL, t0, times, &kind, &error);
      if (p == NULL)
        return cli_user_error (error);
      g_ptr_array_add (preds, p);
    }
  else
    {
      CurrentsCsvOptions co = { 0 };
      g_autoptr(CurrentsDataset) ds = NULL;
      g_autofree int *col = g_new0 (int, MAX (n, 1));
      g_autofree int *ucol = g_new0 (int, MAX (m, 1));
      const char *const *inames = currents_system_get_input_names (sys0);

      co.input_columns = (const char *const *) inputs;
      ds = currents_dataset_load (data, &co, &error);
      if (ds == NULL)
        return cli_user_error (error);
      data_sha = g_strdup (currents_dataset_get_sha256 (ds));
      for (gsize i = 0; i < n; i++)
        col[i] = currents_dataset_find_state (ds, names[i]);
      for (gsize j = 0; j < m; j++)
        ucol[j] = currents_dataset_find_input (ds, inames[j]);
      for (gsize r = 0; r < currents_dataset_get_n_trajectories (ds); r++)
        {
          const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, r);
          gsize ns = currents_trajectory_get_n_samples (tr);
          const double *tt = currents_trajectory_get_times (tr);
          const double *ys = currents_trajectory_get_states (tr);
          const double *us = currents_trajectory_get_inputs (tr);
          gsize dn = currents_dataset_get_n_states (ds), dm = currents_dataset_get_n_inputs (ds);
          g_autofree double *x0 = g_memdup2 (currents_system_get_initial (sys0),
                                             MAX (n, 1) * sizeof (double));
          g_autofree double *u = g_new (double, MAX (ns * m, 1));
          g_autoptr(CurrentsInputSignal) sig = NULL;
          g_autoptr(GArray) pt = g_array_new (FALSE, FALSE, sizeof (double));
          Prediction *p;

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
              u[q * m + j] = ucol[j] >= 0 ? us[q * dm + ucol[j]]
                                          : currents_system_get_inputs (sys0)[j];
          sig = currents_input_signal_new (m, ns, tt, u);
          /* forward from the first sample */
          if (times != NULL)
            {
              for (guint q = 0; q < times->len; q++)
                if (g_array_index (times, double, q) >= tt[0])
                  g_array_append_val (pt, g_array_index (times, double, q));
            }
          else
            g_array_append_vals (pt, tt, (guint) ns);
          p = predict_one (systems, currents_trajectory_get_id (tr), x0, sig, tt[0], pt, &kind,
                           &error);
          if (p == NULL)
            {
              g_prefix_error (&error, "trajectory '%s': ", currents_trajectory_get_id (tr));
              return cli_user_error (error);
            }
          g_ptr_array_add (preds, p);
        }
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_ensemble (b, path, ens, cmd);
      json_states (b, names);
      json_builder_set_member_name (b, "interval_kind");
      json_builder_add_string_value (b, currents_interval_kind_to_string (kind));
      if (data != NULL)
        {
          json_builder_set_member_name (b, "data");
          json_builder_add_string_value (b, data);
          json_builder_set_member_name (b, "data_sha256");
          json_builder_add_string_value (b, data_sha);
        }
      json_builder_set_member_name (b, "trajectories");
      json_builder_begin_array (b);
      for (guint r = 0; r < preds->len; r++)
        {
          const Prediction *p = g_ptr_array_index (preds, r);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "id");
          if (p->id != NULL)
            json_builder_add_string_value (b, p->id);
          else
            json_builder_add_null_value (b);
          json_builder_set_member_name (b, "points");
          json_builder_begin_array (b);
          for (guint q = 0; q < p->times->len; q++)
            {
              json_builder_begin_object (b);
              cli_json_member_number (b, "t", g_array_index (p->times, double, q));
              cli_json_member_vector (b, "median", p->median + q * n, n);
              json_builder_set_member_name (b, "band");
              json_builder_begin_array (b);
              for (gsize i = 0; i < n; i++)
                json_pair (b, p->lo[q * n + i], p->hi[q * n + i]);
              json_builder_end_array (b);
              json_builder_end_object (b);
            }
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  g_string_append_printf (out, "# made by currents-cli %s: %s\n", PACKAGE_VERSION, cmd);
  g_string_append_printf (out, "# ensemble of %" G_GSIZE_FORMAT " members: each state's median, "
                          "and the members' %s as NAME_lo, NAME_hi\n",
                          currents_ensemble_get_n_members (ens),
                          kind == CURRENTS_INTERVAL_RANGE ? "range" : "5-95% quantiles");
  if (data_sha != NULL)
    g_string_append_printf (out, "# data %s sha256 %s\n", data, data_sha);
  g_string_append (out, data != NULL ? "trajectory,t" : "t");
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (out, ",%s,%s_lo,%s_hi", names[i], names[i], names[i]);
  g_string_append_c (out, '\n');
  for (guint r = 0; r < preds->len; r++)
    {
      const Prediction *p = g_ptr_array_index (preds, r);
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      for (guint q = 0; q < p->times->len; q++)
        {
          if (p->id != NULL)
            g_string_append_printf (out, "%s,", p->id);
          g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.15g",
                                                 g_array_index (p->times, double, q)));
          for (gsize i = 0; i < n; i++)
            {
              double v[3] = { p->median[q * n + i], p->lo[q * n + i], p->hi[q * n + i] };

              for (int c = 0; c < 3; c++)
                {
                  g_string_append_c (out, ',');
                  if (isfinite (v[c]))
                    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.15g", v[c]));
                }
            }
          g_string_append_c (out, '\n');
        }
    }
  if (output == NULL || strcmp (output, "-") == 0)
    {
      fputs (out->str, stdout);
      return CLI_OK;
    }
  if (!g_file_set_contents (output, out->str, -1, &error))
    return cli_user_error (error);
  return CLI_OK;
}
