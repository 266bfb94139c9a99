/* test-file-watch.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Files changed or deleted on disk while the window shows them (under a display:
 * `xvfb-run -a`). A copy of the toggle switch's data and model in a temporary folder is
 * opened; rewriting the data with other contents offers a reload, and reloading shows
 * the new data (a trajectory fewer); touching it (same contents) says nothing; deleting it
 * says so, and the data stay shown and in the workspace; the model file saved with the
 * text shown is no change, with other text it is.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-file-watch"

#include <glib/gstdio.h>
#include <string.h>

#include "currents-document.h"
#include "currents-window.h"
#include "currents-window-watch-private.h"
#include "currents-gui-test.h"

#define WAIT 30.0

typedef struct
{
  CurrentsWindow *window;
  gboolean        is_model;
  guint           count;
} Count;

static gboolean
changed_more (gpointer data)
{
  Count *c = data;

  return _currents_window_watch_get_n_changed (c->window, c->is_model) > c->count;
}

static gboolean
deleted_more (gpointer data)
{
  Count *c = data;

  return _currents_window_watch_get_n_deleted (c->window, c->is_model) > c->count;
}

static gboolean
has_trajectories (gpointer data)
{
  Count *c = data;
  const CurrentsDataset *ds = currents_portrait_get_dataset (currents_window_get_portrait (c->window));

  return ds != NULL && currents_dataset_get_n_trajectories (ds) == c->count;
}


/* The data's text without its last trajectory. */
static char *
drop_last_trajectory (const char *csv)
{
  g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);
  g_autoptr(GString) out = g_string_new (NULL);
  guint n = g_strv_length (lines);
  g_autofree char *last = NULL;

  /* the last non-empty line's trajectory id */
  for (guint i = n; i-- > 0;)
    if (lines[i][0] != '\0')
      {
        last = g_strndup (lines[i], strcspn (lines[i], ","));
        break;
      }
  for (guint i = 0; i < n; i++)
    {
      size_t k = strcspn (lines[i], ",");

      if (lines[i][0] == '\0' || (strlen (last) == k && strncmp (lines[i], last, k) == 0))
        continue;
      g_string_append (out, lines[i]);
      g_string_append_c (out, '\n');
    }
  return g_string_free (g_steal_pointer (&out), FALSE);
}

static void
test_data (void)
{
  g_autofree char *dir = currents_gui_test_make_temp_dir ("currents-watch-XXXXXX");
  g_autofree char *src = g_build_filename (CURRENTS_SOURCE_DIR, "data", "examples", "toggle.csv", NULL);
  g_autofree char *model_src = g_build_filename (CURRENTS_SOURCE_DIR, "data", "examples", "toggle.ode", NULL);
  g_autofree char *path = g_build_filename (dir, "toggle.csv", NULL);
  g_autofree char *model_path = g_build_filename (dir, "toggle.ode", NULL);
  g_autofree char *csv = NULL, *fewer = NULL, *ode = NULL, *other = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsWindow *window;
  CurrentsWorkspace *workspace;
  gsize n_traj;
  Count c;

  g_assert_true (g_file_get_contents (src, &csv, NULL, &error));
  g_assert_true (g_file_set_contents (path, csv, -1, &error));
  g_assert_true (g_file_get_contents (model_src, &ode, NULL, &error));
  g_assert_true (g_file_set_contents (model_path, ode, -1, &error));
  g_assert_no_error (error);

  window = currents_gui_test_window_new (900, 600, FALSE);
  currents_gui_test_open (window, model_path, WAIT);
  currents_gui_test_open (window, path, WAIT);
  n_traj = currents_dataset_get_n_trajectories (currents_portrait_get_dataset (currents_window_get_portrait (window)));
  g_assert_cmpuint (n_traj, >, 2);

  /* rewritten with the same text: no news */
  g_assert_true (g_file_set_contents (path, csv, -1, &error));
  currents_gui_test_pause (1.5);
  g_assert_cmpuint (_currents_window_watch_get_n_changed (window, FALSE), ==, 0);

  /* other contents: a toast offers to reload; reloading shows them */
  fewer = drop_last_trajectory (csv);
  g_assert_true (g_file_set_contents (path, fewer, -1, &error));
  c = (Count) { window, FALSE, 0 };
  g_assert_true (currents_gui_test_iterate_until (changed_more, &c, WAIT));
  g_assert_cmpuint (currents_dataset_get_n_trajectories (currents_portrait_get_dataset (currents_window_get_portrait (window))),
                    ==, n_traj);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (window), "win.reload-file", "b", FALSE));
  c = (Count) { window, FALSE, n_traj - 1 };
  g_assert_true (currents_gui_test_iterate_until (has_trajectories, &c, WAIT));
  /* still the model's data: its input is an input */
  g_assert_cmpuint (currents_dataset_get_n_inputs (currents_portrait_get_dataset (currents_window_get_portrait (window))), ==, 1);

  /* deleted: said, and the data stay shown and kept */
  c = (Count) { window, FALSE, 0 };
  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_true (currents_gui_test_iterate_until (deleted_more, &c, WAIT));
  g_assert_nonnull (currents_portrait_get_dataset (currents_window_get_portrait (window)));
  g_assert_cmpuint (currents_dataset_get_n_trajectories (currents_portrait_get_dataset (currents_window_get_portrait (window))),
                    ==, n_traj - 1);
  workspace = currents_document_get_workspace (currents_window_get_document (window));
  g_assert_cmpint (currents_workspace_find_dataset (workspace, "toggle.csv"), >=, 0);
  g_assert_null (currents_window_get_last_error (window));

  /* the model: saved with the text shown is no change; other text is */
  g_assert_true (g_file_set_contents (model_path, ode, -1, &error));
  currents_gui_test_pause (1.5);
  g_assert_cmpuint (_currents_window_watch_get_n_changed (window, TRUE), ==, 0);
  other = g_strconcat (ode, "\n# edited elsewhere\n", NULL);
  g_assert_true (g_file_set_contents (model_path, other, -1, &error));
  c = (Count) { window, TRUE, 0 };
  g_assert_true (currents_gui_test_iterate_until (changed_more, &c, WAIT));
  g_assert_no_error (error);

  currents_gui_test_destroy_window (&window, NULL, WAIT);
  g_remove (model_path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  g_test_add_func ("/gui/watch/data-and-model", test_data);
  return g_test_run ();
}
