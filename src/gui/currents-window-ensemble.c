/* currents-window-ensemble.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The ensemble lives with the portrait (object data) next to the system of its member
 * that the portrait shows: it counts as shown only while the portrait still holds that
 * very system, and it is dropped as soon as the portrait's content changes to another
 * (so a later system at the same address cannot pass for it).
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-window-ensemble"

#include <string.h>

#include <glib/gi18n.h>

#include "currents-window-ensemble.h"
#include "currents-window-ensemble-private.h"

#define LINK_KEY "currents-window-ensemble"
/* the grid of the members' disagreement */
#define SHADE_NX 48
#define SHADE_NY 36

typedef struct
{
  CurrentsEnsemble *ens;
  CurrentsSystem   *system;   /* the member's system the portrait was given (not owned) */
  double            view[4];  /* where the tint was computed */
} Link;

static void
link_free (gpointer data)
{
  Link *link = data;

  g_clear_pointer (&link->ens, currents_ensemble_free);
  g_free (link);
}

/* The shown system's named parameters and inputs, by name, in each member. */
void
_currents_ensemble_copy_settings (CurrentsSystem *member,
                                  CurrentsSystem *shown)
{
  const double *u = currents_system_get_inputs (shown), *p = currents_system_get_params (shown);

  for (gsize j = 0; j < currents_system_get_n_inputs (shown); j++)
    {
      int i = currents_system_find_input (member, currents_system_get_input_names (shown)[j]);

      if (i >= 0)
        currents_system_get_inputs (member)[i] = u[j];
    }
  for (gsize k = 0; k < currents_system_get_n_named_params (shown); k++)
    {
      const char *name = currents_system_get_param_name (shown, k);
      int i = currents_system_find_param (member, name), s = currents_system_find_param (shown, name);

      if (i >= 0 && s >= 0)
        currents_system_get_params (member)[i] = p[s];
    }
}

/* Where the members disagree about the field, over the portrait's view: a tint (kept in
 * the portrait until the ensemble is no longer shown). */
static void
update_shading (CurrentsPortrait *portrait)
{
  const CurrentsEnsemble *ens = currents_portrait_get_shown_ensemble (portrait);
  CurrentsSystem *shown = currents_portrait_get_system (portrait);
  g_autoptr(GPtrArray) members = NULL;
  g_autofree double *values = NULL;
  double view[4] = { 0.0, 0.0, 0.0, 0.0 };
  guint ax, ay;
  gsize n;

  if (ens != NULL && shown != NULL && !currents_portrait_get_view (portrait, view))
    {
      int wx, wy;

      /* not drawn yet: the view it will open on */
      currents_system_get_window (shown, &wx, &wy, &view[0], &view[1], &view[2], &view[3]);
    }
  if (ens == NULL || shown == NULL || !(view[0] < view[1] && view[2] < view[3]))
    {
      gsize nx, ny;
      const double *old;

      if (currents_portrait_get_shading (portrait, &nx, &ny, &old))
        currents_portrait_set_shading (portrait, view, 0, 0, NULL, 1.0, NULL);
      return;
    }
  n = currents_system_get_n_states (shown);
  ax = currents_portrait_get_x_axis (portrait);
  ay = currents_portrait_get_y_axis (portrait);
  if (ax >= n || ay >= n || ax == ay)
    return;
  members = currents_ensemble_new_systems (ens);
  for (guint k = 0; k < members->len; k++)
    _currents_ensemble_copy_settings (g_ptr_array_index (members, k), shown);
  values = g_new (double, SHADE_NX * SHADE_NY);
  if (currents_ensemble_disagreement (members, ax, ay, currents_system_get_initial (shown), view,
                                      SHADE_NX, SHADE_NY, values, NULL))
    {
      Link *link = g_object_get_data (G_OBJECT (portrait), LINK_KEY);

      currents_portrait_set_shading (portrait, view, SHADE_NX, SHADE_NY, values, 1.0,
                                     _("members disagree"));
      if (link != NULL)
        memcpy (link->view, view, sizeof link->view);
    }
}

/* Zoomed or panned: the tint covers the new view once the portrait has drawn it. */
static void
busy_changed_cb (CurrentsPortrait *portrait)
{
  Link *link = g_object_get_data (G_OBJECT (portrait), LINK_KEY);
  double view[4];

  if (currents_portrait_get_busy (portrait) || currents_portrait_get_shown_ensemble (portrait) == NULL
      || !currents_portrait_get_view (portrait, view))
    return;
  if (memcmp (view, link->view, sizeof view) != 0)
    update_shading (portrait);
}

static void
content_changed_cb (CurrentsPortrait *portrait)
{
  Link *link = g_object_get_data (G_OBJECT (portrait), LINK_KEY);

  if (link != NULL && link->system != currents_portrait_get_system (portrait))
    g_object_set_data (G_OBJECT (portrait), LINK_KEY, NULL);
  update_shading (portrait);
}

static void
value_changed_cb (CurrentsParameterPanel *panel,
                  guint                   kind,
                  guint                   index,
                  double                  value,
                  CurrentsPortrait       *portrait)
{
  if (currents_portrait_get_shown_ensemble (portrait) != NULL)
    update_shading (portrait);
}

const CurrentsEnsemble *
currents_portrait_get_shown_ensemble (CurrentsPortrait *portrait)
{
  Link *link;

  g_return_val_if_fail (CURRENTS_IS_PORTRAIT (portrait), NULL);

  link = g_object_get_data (G_OBJECT (portrait), LINK_KEY);
  if (link == NULL || link->system == NULL
      || link->system != currents_portrait_get_system (portrait))
    return NULL;
  return link->ens;
}

const CurrentsEnsemble *
currents_window_get_ensemble (CurrentsWindow *self)
{
  g_return_val_if_fail (CURRENTS_IS_WINDOW (self), NULL);

  return currents_portrait_get_shown_ensemble (currents_window_get_portrait (self));
}

void
currents_window_show_ensemble (CurrentsWindow   *self,
                               CurrentsEnsemble *ens,
                               const char       *name)
{
  CurrentsPortrait *portrait;
  CurrentsSystem *system;
  Link *link;

  g_return_if_fail (CURRENTS_IS_WINDOW (self));
  g_return_if_fail (ens != NULL);

  if (currents_ensemble_get_n_members (ens) == 0)
    {
      currents_window_show_error (self, _("The ensemble has no trained members."));
      currents_ensemble_free (ens);
      return;
    }
  portrait = currents_window_get_portrait (self);
  if (g_object_get_data (G_OBJECT (portrait), "currents-window-ensemble-watched") == NULL)
    {
      g_signal_connect (portrait, "content-changed", G_CALLBACK (content_changed_cb), NULL);
      g_signal_connect (portrait, "notify::busy", G_CALLBACK (busy_changed_cb), NULL);
      g_signal_connect_object (currents_portrait_get_parameter_panel (portrait), "value-changed",
                               G_CALLBACK (value_changed_cb), portrait, 0);
      g_object_set_data (G_OBJECT (portrait), "currents-window-ensemble-watched",
                         GINT_TO_POINTER (1));
    }

  /* Kept before the portrait gets the member, so that the views reacting to its
   * content-changed already find the ensemble. */
  system = currents_ensemble_new_system (ens, 0);
  link = g_new0 (Link, 1);
  link->ens = ens;
  link->system = system;
  g_object_set_data_full (G_OBJECT (portrait), LINK_KEY, link, link_free);
  currents_window_show_system (self, system, name);
  /* the time series show that member over whatever data is shown */
  currents_timeseries_view_set_system (currents_window_get_timeseries_view (self),
                                       currents_ensemble_new_system (ens, 0));
  /* … with the members' band around their median */
  currents_timeseries_view_set_ensemble (currents_window_get_timeseries_view (self),
                                         currents_ensemble_new_systems (ens));
}

void
_currents_window_ensemble_subtitle (CurrentsWindow *self,
                                    char          **subtitle)
{
  const CurrentsEnsemble *ens = currents_window_get_ensemble (self);
  guint n;

  if (ens == NULL)
    return;
  n = (guint) currents_ensemble_get_n_members (ens);
  g_free (*subtitle);
  *subtitle = g_strdup_printf (ngettext ("Ensemble of %u model", "Ensemble of %u models", n), n);
}

/* ---- opening ---- */

typedef struct
{
  GFile            *file;
  char             *name;
  CurrentsEnsemble *ens;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_object (&job->file);
  g_free (job->name);
  g_clear_pointer (&job->ens, currents_ensemble_free);
  g_free (job);
}

static void
load_thread (GTask        *task,
             gpointer      source,
             gpointer      data,
             GCancellable *cancellable)
{
  Job *job = data;
  g_autofree char *contents = NULL;
  GError *error = NULL;
  gsize length = 0;

  if (!g_file_load_contents (job->file, cancellable, &contents, &length, NULL, &error))
    {
      g_task_return_error (task, error);
      return;
    }
  job->ens = currents_ensemble_load_from_data (contents, (gssize) length, job->name, &error);
  if (job->ens == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

static void
loaded_cb (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  CurrentsWindow *self = CURRENTS_WINDOW (object);
  g_autoptr(GTask) outer = user_data;
  Job *job = g_task_get_task_data (G_TASK (result));
  GError *error = NULL;

  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
          && !g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED))
        currents_window_show_error (self, error->message);
      g_task_return_error (outer, error);
      return;
    }
  currents_window_show_ensemble (self, g_steal_pointer (&job->ens), job->name);
  g_task_return_boolean (outer, TRUE);
}

gboolean
_currents_window_open_ensemble (CurrentsWindow *self,
                                GFile          *file,
                                GCancellable   *cancellable,
                                GTask          *task)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *basename = NULL;
  g_autoptr(GTask) inner = NULL;
  Job *job;

  /* a local file's first bytes say it (cheap); others are left to the other loaders */
  if (path == NULL || !g_str_has_suffix (path, ".json") || !currents_ensemble_sniff (path))
    return FALSE;

  job = g_new0 (Job, 1);
  job->file = g_object_ref (file);
  basename = g_file_get_basename (file);
  job->name = g_filename_display_name (basename != NULL ? basename : "");
  inner = g_task_new (self, cancellable, loaded_cb, task);
  g_task_set_source_tag (inner, load_thread);
  g_task_set_task_data (inner, job, job_free);
  g_task_run_in_thread (inner, load_thread);
  return TRUE;
}
