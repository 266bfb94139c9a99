/* currents-window-watch.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The files behind what the window shows, watched on disk. The window works on what it
 * read (the workspace keeps a copy), so a file that changes or disappears never takes
 * anything away: a change with other contents (a touch, or our own write of the same
 * text, is none) offers to reload it in a toast; a deleted or moved file is said to be
 * gone, with its contents still open. Reading the changed file to compare runs in a
 * thread, after the writer has finished (a short quiet period), so a data set of a
 * million rows being rewritten does not stall the window.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-window-watch"

#include <glib/gi18n.h>

#include "currents-window-watch-private.h"

#define WATCH_KEY   "currents-window-watch"
#define QUIET_MS    400     /* after the last event, before the file is read */

typedef struct
{
  CurrentsWindow *window;      /* not owned: the watch dies with it */
  gboolean        is_model;
  GFile          *file;
  GFileMonitor   *monitor;
  char           *sha256;      /* of the contents shown */
  guint           quiet_source;
  GCancellable   *cancellable; /* the comparison running */
  gboolean        gone;        /* deleted or moved away (said once) */
  guint           n_changed;
  guint           n_deleted;
} Watch;

typedef struct
{
  Watch watch[2];              /* data, model */
} Watches;

static void
watch_clear (Watch *w)
{
  g_clear_handle_id (&w->quiet_source, g_source_remove);
  g_cancellable_cancel (w->cancellable);
  g_clear_object (&w->cancellable);
  if (w->monitor != NULL)
    {
      g_signal_handlers_disconnect_by_data (w->monitor, w);
      g_file_monitor_cancel (w->monitor);
      g_clear_object (&w->monitor);
    }
  g_clear_object (&w->file);
  g_clear_pointer (&w->sha256, g_free);
  w->gone = FALSE;
}

static void
watches_free (gpointer data)
{
  Watches *ws = data;

  for (guint k = 0; k < 2; k++)
    watch_clear (&ws->watch[k]);
  g_free (ws);
}

static Watches *
watches_of (CurrentsWindow *self,
            gboolean        create)
{
  Watches *ws = g_object_get_data (G_OBJECT (self), WATCH_KEY);

  if (ws == NULL && create)
    {
      ws = g_new0 (Watches, 1);
      for (guint k = 0; k < 2; k++)
        {
          ws->watch[k].window = self;
          ws->watch[k].is_model = k == 1;
        }
      g_object_set_data_full (G_OBJECT (self), WATCH_KEY, ws, watches_free);
    }
  return ws;
}

static char *
display_name (GFile *file)
{
  g_autofree char *base = g_file_get_basename (file);

  return g_filename_display_name (base != NULL ? base : "");
}

/* (Toasts are left to time out: libadwaita 1.2 may crash when one is dismissed while it
 * animates.) */
static void
show_toast (Watch    *w,
            AdwToast *toast)
{
  currents_window_add_toast (w->window, toast);
}

static void
say_changed (Watch *w)
{
  g_autofree char *name = display_name (w->file);
  g_autofree char *title = NULL;
  AdwToast *toast;

  w->n_changed++;
  /* Translators: %s is a file's name */
  title = g_strdup_printf (w->is_model ? _("The model file “%s” changed on disk")
                                       : _("The data file “%s” changed on disk"), name);
  toast = adw_toast_new (title);
  adw_toast_set_timeout (toast, 30);
  adw_toast_set_button_label (toast, _("_Reload"));
  adw_toast_set_action_name (toast, "win.reload-file");
  adw_toast_set_action_target_value (toast, g_variant_new_boolean (w->is_model));
  show_toast (w, toast);
}

static void
say_gone (Watch *w)
{
  g_autofree char *name = display_name (w->file);
  g_autofree char *title = NULL;
  AdwToast *toast;

  if (w->gone)
    return;
  w->gone = TRUE;
  w->n_deleted++;
  /* Translators: %s is a file's name */
  title = g_strdup_printf (_("“%s” was deleted or moved; it stays open here, and saving "
                             "the workspace keeps it"), name);
  toast = adw_toast_new (title);
  adw_toast_set_timeout (toast, 10);
  show_toast (w, toast);
}

/* ---- comparing, in a thread ---- */

typedef struct
{
  Watch *w;
  char  *sha256;
} CompareJob;

static void
compare_done (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *sha = g_task_propagate_pointer (G_TASK (result), &error);
  Watch *w = user_data;

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    return;
  g_clear_object (&w->cancellable);
  if (sha == NULL)
    {
      /* unreadable now: gone, or still being replaced (the next event tells) */
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND))
        say_gone (w);
      return;
    }
  w->gone = FALSE;
  if (g_strcmp0 (sha, w->sha256) == 0)
    return;
  /* what the window shows already (the editor saved it): nothing new */
  if (w->is_model)
    {
      const CurrentsModel *model = currents_portrait_get_model (currents_window_get_portrait (w->window));
      const char *source = model != NULL ? currents_model_get_source (model) : NULL;
      g_autofree char *shown = source != NULL
                               ? g_compute_checksum_for_string (G_CHECKSUM_SHA256, source, -1)
                               : NULL;

      if (g_strcmp0 (shown, sha) == 0)
        {
          g_free (w->sha256);
          w->sha256 = g_steal_pointer (&sha);
          return;
        }
    }
  say_changed (w);
  /* said once per new contents */
  g_free (w->sha256);
  w->sha256 = g_steal_pointer (&sha);
}

static void
compare_thread (GTask        *task,
                gpointer      source,
                gpointer      data,
                GCancellable *cancellable)
{
  GFile *file = data;
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  g_autofree guchar *buffer = g_malloc (1 << 16);
  GError *error = NULL;
  gssize n;

  /* streamed: a big data file is never all in memory twice */
  in = g_file_read (file, cancellable, &error);
  if (in == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buffer, 1 << 16, cancellable, &error)) > 0)
    g_checksum_update (sum, buffer, n);
  if (n < 0)
    {
      g_task_return_error (task, error);
      return;
    }
  g_task_return_pointer (task, g_strdup (g_checksum_get_string (sum)), g_free);
}

static gboolean
quiet_cb (gpointer data)
{
  Watch *w = data;
  g_autoptr(GTask) task = NULL;

  w->quiet_source = 0;
  g_cancellable_cancel (w->cancellable);
  g_clear_object (&w->cancellable);
  w->cancellable = g_cancellable_new ();
  task = g_task_new (NULL, w->cancellable, compare_done, w);
  g_task_set_source_tag (task, quiet_cb);
  g_task_set_task_data (task, g_object_ref (w->file), g_object_unref);
  g_task_run_in_thread (task, compare_thread);
  return G_SOURCE_REMOVE;
}

static void
changed_cb (GFileMonitor      *monitor,
            GFile             *file,
            GFile             *other,
            GFileMonitorEvent  event,
            Watch             *w)
{
  switch (event)
    {
    case G_FILE_MONITOR_EVENT_DELETED:
    case G_FILE_MONITOR_EVENT_MOVED_OUT:
      /* an editor saving by rename deletes first: look again after the quiet period */
    case G_FILE_MONITOR_EVENT_CHANGED:
    case G_FILE_MONITOR_EVENT_CHANGES_DONE_HINT:
    case G_FILE_MONITOR_EVENT_CREATED:
    case G_FILE_MONITOR_EVENT_MOVED_IN:
    case G_FILE_MONITOR_EVENT_RENAMED:
      g_clear_handle_id (&w->quiet_source, g_source_remove);
      w->quiet_source = g_timeout_add_full (G_PRIORITY_LOW, QUIET_MS, quiet_cb, w, NULL);
      break;
    default:
      break;
    }
}

/* ---- public ---- */

void
_currents_window_watch (CurrentsWindow *self,
                        GFile          *file,
                        gboolean        is_model,
                        const char     *contents,
                        gsize           length,
                        const char     *sha256)
{
  Watches *ws = watches_of (self, file != NULL);
  Watch *w;
  g_autoptr(GError) error = NULL;

  if (ws == NULL)
    return;
  w = &ws->watch[is_model ? 1 : 0];
  watch_clear (w);
  /* only local files are watched (and only what was read from one) */
  if (file == NULL || contents == NULL || !g_file_is_native (file))
    return;
  w->file = g_object_ref (file);
  w->sha256 = sha256 != NULL ? g_strdup (sha256)
                             : g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                            (const guchar *) contents, length);
  w->monitor = g_file_monitor_file (file, G_FILE_MONITOR_WATCH_MOVES, NULL, &error);
  if (w->monitor == NULL)
    {
      g_debug ("Not watching %s: %s", g_file_peek_path (file), error->message);
      return;
    }
  g_signal_connect (w->monitor, "changed", G_CALLBACK (changed_cb), w);
}

guint
_currents_window_watch_get_n_changed (CurrentsWindow *self,
                                      gboolean        is_model)
{
  Watches *ws = watches_of (self, FALSE);

  return ws != NULL ? ws->watch[is_model ? 1 : 0].n_changed : 0;
}

guint
_currents_window_watch_get_n_deleted (CurrentsWindow *self,
                                      gboolean        is_model)
{
  Watches *ws = watches_of (self, FALSE);

  return ws != NULL ? ws->watch[is_model ? 1 : 0].n_deleted : 0;
}

void
_currents_window_watch_reread_inputs (CurrentsWindow *self)
{
  Watches *ws = watches_of (self, FALSE);
  CurrentsPortrait *portrait = currents_window_get_portrait (self);
  CurrentsSystem *system = currents_portrait_get_system (portrait);
  const CurrentsDataset *dataset = currents_portrait_get_dataset (portrait);
  gboolean stale = FALSE;

  if (ws == NULL || ws->watch[0].file == NULL || system == NULL || dataset == NULL)
    return;
  for (gsize j = 0; j < currents_system_get_n_inputs (system); j++)
    stale |= currents_dataset_find_state (dataset, currents_system_get_input_names (system)[j]) >= 0;
  /* (a data set whose every column is an input would have no states left) */
  if (stale && currents_dataset_get_n_states (dataset) > currents_system_get_n_inputs (system))
    currents_window_open (self, ws->watch[0].file);
}

static void
reload_action (GtkWidget  *widget,
               const char *action,
               GVariant   *parameter)
{
  CurrentsWindow *self = CURRENTS_WINDOW (widget);
  Watches *ws = watches_of (self, FALSE);
  Watch *w;

  if (ws == NULL)
    return;
  w = &ws->watch[g_variant_get_boolean (parameter) ? 1 : 0];
  if (w->file != NULL)
    currents_window_open (self, w->file);
}

void
_currents_window_class_init_watch (GtkWidgetClass *widget_class)
{
  gtk_widget_class_install_action (widget_class, "win.reload-file", "b", reload_action);
}
