/* currents-window-population.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's side of populations of cells: a population model file opens on the
 * Population page (read in a thread, with the snapshot data it was trained on when that
 * file is found beside it and its SHA-256 matches); the page is visible only while it
 * shows something.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-window"


#include "currents-population-view.h"
#include "currents-window.h"
#include "currents-window-population-private.h"

static CurrentsPopulationView *
population_view (CurrentsWindow *self)
{
  GtkWidget *page = currents_window_get_page (self, "population");

  return page != NULL ? CURRENTS_POPULATION_VIEW (page) : NULL;
}

void
_currents_window_show_population (CurrentsWindow     *self,
                                  CurrentsPopulation *population,
                                  const char         *population_name,
                                  CurrentsSnapshots  *snapshots,
                                  const char         *snapshots_name,
                                  gboolean            present)
{
  CurrentsPopulationView *view = population_view (self);

  g_return_if_fail (view != NULL);

  const CurrentsPopulation *shown = currents_population_view_get_population (view);
  gboolean keep = FALSE;

  g_return_if_fail (view != NULL);

  /* new snapshots alone keep a shown model of the same states */
  if (population == NULL && snapshots != NULL && shown != NULL
      && currents_population_get_n_states (shown) == currents_snapshots_get_n_states (snapshots))
    {
      keep = TRUE;
      for (gsize i = 0; keep && i < currents_snapshots_get_n_states (snapshots); i++)
        keep = g_strcmp0 (currents_population_get_state_names (shown)[i],
                          currents_snapshots_get_state_name (snapshots, i)) == 0;
    }
  currents_population_view_set_snapshots (view, snapshots, snapshots_name);
  if (!keep)
    currents_population_view_set_population (view, population, population_name);
  if (present)
    currents_window_show_page (self, "population");
}

void
_currents_window_clear_population (CurrentsWindow *self)
{
  CurrentsPopulationView *view = population_view (self);

  if (view == NULL || !currents_population_view_has_content (view))
    return;
  currents_population_view_set_population (view, NULL, NULL);
  currents_population_view_set_snapshots (view, NULL, NULL);
}

/* The page is there while it shows something; the window's title and stack follow. */
static void
content_changed_cb (CurrentsPopulationView *view,
                    CurrentsWindow         *self)
{
  AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_parent (GTK_WIDGET (view)));
  gboolean content = currents_population_view_has_content (view);

  if (!content && adw_view_stack_get_visible_child (stack) == GTK_WIDGET (view))
    adw_view_stack_set_visible_child_name (stack, "portrait");
  adw_view_stack_page_set_visible (adw_view_stack_get_page (stack, GTK_WIDGET (view)), content);
  _currents_window_population_changed (self);
}

void
_currents_window_init_population (CurrentsWindow *self)
{
  g_signal_connect_object (population_view (self), "content-changed",
                           G_CALLBACK (content_changed_cb), self, 0);
}

/* ---- opening a population model ----------------------------------------------------- */

typedef struct
{
  GFile              *file;
  char               *name;
  CurrentsPopulation *population;
  CurrentsSnapshots  *snapshots;
  char               *snapshots_name;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_object (&job->file);
  g_free (job->name);
  g_clear_pointer (&job->population, currents_population_free);
  g_clear_pointer (&job->snapshots, currents_snapshots_free);
  g_free (job->snapshots_name);
  g_free (job);
}

/* The data it was trained on, beside the model file, when its checksum matches. */
static void
find_snapshots (Job *job)
{
  const char *data = currents_population_get_data_filename (job->population);
  const char *sha = currents_population_get_data_sha256 (job->population);
  g_autoptr (GFile) parent = g_file_get_parent (job->file);
  g_autofree char *base = NULL, *contents = NULL, *sum = NULL;
  g_autoptr (GFile) candidate = NULL;
  gsize length;

  if (data == NULL || sha == NULL || parent == NULL)
    return;
  base = g_path_get_basename (data);
  candidate = g_file_get_child (parent, base);
  if (!g_file_load_contents (candidate, NULL, &contents, &length, NULL, NULL))
    return;
  sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  if (g_strcmp0 (sum, sha) != 0)
    return;
  job->snapshots = currents_snapshots_parse (contents, (gssize) length, base, NULL);
  if (job->snapshots != NULL)
    job->snapshots_name = g_filename_display_name (base);
}

static void
open_thread (GTask        *task,
             gpointer      source,
             gpointer      task_data,
             GCancellable *cancellable)
{
  Job *job = task_data;
  g_autofree char *contents = NULL;
  GError *error = NULL;
  gsize length;

  (void) source;
  if (!g_file_load_contents (job->file, cancellable, &contents, &length, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  job->population = currents_population_load_from_data (contents, (gssize) length, job->name,
                                                        &error);
  if (job->population == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  find_snapshots (job);
  g_task_return_boolean (task, TRUE);
}

static void
opened_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  CurrentsWindow *self = CURRENTS_WINDOW (object);
  g_autoptr (GTask) outer = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        currents_window_show_error (self, error->message);
      g_task_return_error (outer, error);
      return;
    }
  _currents_window_show_population (self, g_steal_pointer (&job->population), job->name,
                                    g_steal_pointer (&job->snapshots), job->snapshots_name,
                                    TRUE);
  g_task_return_boolean (outer, TRUE);
}

gboolean
_currents_window_open_population (CurrentsWindow *self,
                                  GFile          *file,
                                  GCancellable   *cancellable,
                                  GTask          *task)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *basename = g_file_get_basename (file);
  g_autoptr (GTask) inner = NULL;
  Job *job;

  if (path == NULL || basename == NULL || !g_str_has_suffix (basename, ".json")
      || !currents_population_sniff (path))
    return FALSE;
  job = g_new0 (Job, 1);
  job->file = g_object_ref (file);
  job->name = g_filename_display_name (basename);
  inner = g_task_new (self, cancellable, opened_cb, task);
  g_task_set_source_tag (inner, open_thread);
  g_task_set_task_data (inner, job, job_free);
  g_task_run_in_thread (inner, open_thread);
  return TRUE;
}
