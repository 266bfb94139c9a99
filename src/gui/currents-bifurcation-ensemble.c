/* currents-bifurcation-ensemble.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The worker runs on systems of its own (made from the ensemble on the main thread), so
 * nothing it touches is the portrait's. One result is kept, under the key of what the
 * view showed when the run started.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-bifurcation-ensemble"

#include "currents-bifurcation-ensemble-private.h"
#include "currents-window-ensemble-private.h"

struct _CurrentsBifurcationEnsemble
{
  void         (*done) (gpointer data);
  gpointer       data;
  GCancellable  *cancellable;
  char          *running_key;
  char          *key;        /* of the result */
  GPtrArray     *tps;        /* CurrentsTippingPoint */
  gsize          n_members;
  gsize          n_failed;
  char          *failure;
  char          *error;
  guint          runs;
};

typedef struct
{
  GPtrArray                   *systems;
  char                        *param;
  CurrentsContinuationOptions  options;
  double                      *box_lo;
  double                      *box_hi;
  char                        *key;
  gsize                        n_failed;
  char                        *failure;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->systems, g_ptr_array_unref);
  g_free (job->param);
  g_free (job->box_lo);
  g_free (job->box_hi);
  g_free (job->key);
  g_free (job->failure);
  g_free (job);
}

static void
job_run (GTask        *task,
         gpointer      source,
         gpointer      data,
         GCancellable *cancellable)
{
  Job *job = data;
  GError *error = NULL;
  GPtrArray *tps;

  tps = currents_ensemble_continue (job->systems, job->param, &job->options, 0.0,
                                    &job->n_failed, &job->failure,
                                    cancellable, &error);
  if (tps == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, tps, (GDestroyNotify) g_ptr_array_unref);
}

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  CurrentsBifurcationEnsemble *be = user_data;
  GTask *task = G_TASK (result);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  GPtrArray *tps = g_task_propagate_pointer (task, &error);

  /* a stopped or superseded run: the helper may be gone (then @be is the task's
   * cancelled leftover and must not be touched) */
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    {
      g_clear_pointer (&tps, g_ptr_array_unref);
      return;
    }
  g_clear_object (&be->cancellable);
  g_clear_pointer (&be->running_key, g_free);
  g_clear_pointer (&be->tps, g_ptr_array_unref);
  g_clear_pointer (&be->error, g_free);
  g_free (be->key);
  be->key = g_strdup (job->key);
  be->tps = tps;
  be->n_members = job->systems->len;
  be->n_failed = job->n_failed;
  g_free (be->failure);
  be->failure = g_steal_pointer (&job->failure);
  if (tps == NULL)
    be->error = g_strdup (error != NULL ? error->message : "?");
  if (be->done != NULL)
    be->done (be->data);
}

CurrentsBifurcationEnsemble *
_currents_bifurcation_ensemble_new (void     (*done) (gpointer data),
                                    gpointer   data)
{
  CurrentsBifurcationEnsemble *be = g_new0 (CurrentsBifurcationEnsemble, 1);

  be->done = done;
  be->data = data;
  return be;
}

gboolean
_currents_bifurcation_ensemble_cancel (CurrentsBifurcationEnsemble *be)
{
  if (be->cancellable == NULL)
    return FALSE;
  g_cancellable_cancel (be->cancellable);
  g_clear_object (&be->cancellable);
  g_clear_pointer (&be->running_key, g_free);
  return TRUE;
}

void
_currents_bifurcation_ensemble_clear (CurrentsBifurcationEnsemble *be)
{
  _currents_bifurcation_ensemble_cancel (be);
  g_clear_pointer (&be->key, g_free);
  g_clear_pointer (&be->tps, g_ptr_array_unref);
  g_clear_pointer (&be->error, g_free);
  g_clear_pointer (&be->failure, g_free);
  be->n_members = 0;
  be->n_failed = 0;
}

void
_currents_bifurcation_ensemble_free (CurrentsBifurcationEnsemble *be)
{
  if (be == NULL)
    return;
  _currents_bifurcation_ensemble_clear (be);
  g_free (be);
}

gboolean
_currents_bifurcation_ensemble_running (CurrentsBifurcationEnsemble *be)
{
  return be->cancellable != NULL;
}

guint
_currents_bifurcation_ensemble_get_runs (CurrentsBifurcationEnsemble *be)
{
  return be->runs;
}

GPtrArray *
_currents_bifurcation_ensemble_get (CurrentsBifurcationEnsemble *be,
                                    const char                  *key,
                                    gsize                       *n_members,
                                    gsize                       *n_failed,
                                    const char                 **failure,
                                    const char                 **error)
{
  if (be->key == NULL || g_strcmp0 (be->key, key) != 0)
    return NULL;
  if (n_members != NULL)
    *n_members = be->n_members;
  if (n_failed != NULL)
    *n_failed = be->n_failed;
  if (failure != NULL)
    *failure = be->failure;
  if (error != NULL)
    *error = be->error;
  return be->tps;
}

void
_currents_bifurcation_ensemble_request (CurrentsBifurcationEnsemble       *be,
                                        const CurrentsEnsemble            *ens,
                                        CurrentsSystem                    *shown,
                                        const char                        *param,
                                        const CurrentsContinuationOptions *options,
                                        const char                        *key)
{
  g_autoptr(GTask) task = NULL;
  gsize n = currents_system_get_n_states (shown);
  Job *job;

  if (g_strcmp0 (key, be->key) == 0 || g_strcmp0 (key, be->running_key) == 0)
    return;
  _currents_bifurcation_ensemble_cancel (be);

  job = g_new0 (Job, 1);
  job->systems = currents_ensemble_new_systems (ens);
  for (guint k = 0; k < job->systems->len; k++)
    _currents_ensemble_copy_settings (g_ptr_array_index (job->systems, k), shown);
  job->param = g_strdup (param);
  job->options = *options;
  if (options->box_lo != NULL && options->box_hi != NULL)
    {
      job->box_lo = g_memdup2 (options->box_lo, MAX (n, 1) * sizeof (double));
      job->box_hi = g_memdup2 (options->box_hi, MAX (n, 1) * sizeof (double));
    }
  job->options.box_lo = job->box_lo;
  job->options.box_hi = job->box_hi;
  job->key = g_strdup (key);

  be->cancellable = g_cancellable_new ();
  be->running_key = g_strdup (key);
  be->runs++;
  /* no source object: the helper is a plain struct; a cancelled task's callback touches
   * nothing of it */
  task = g_task_new (NULL, be->cancellable, job_done, be);
  g_task_set_source_tag (task, _currents_bifurcation_ensemble_request);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, job_run);
}
