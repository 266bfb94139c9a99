/* check-recovery.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The second half of tests/gui/kill-recovery.sh: after the app was killed (SIGKILL)
 * while it trained, a new window offers the autosaved workspace, and restoring it shows
 * the best model of the training run, parameter for parameter as autosaved.
 *
 *   check-recovery EPOCH   — the autosave must hold a model in training whose best
 *                            epoch is at least EPOCH
 * Run with the killed app's XDG_STATE_HOME, under a display.
 */
#include "config.h"

#define G_LOG_DOMAIN "check-recovery"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "currents-window.h"
#include "currents-document.h"
#include "currents-gui-test.h"

static guint min_epoch;

typedef struct
{
  CurrentsPortrait *portrait;
  const double     *params;
  gsize             n_params;
} Shown;

/* The portrait shows a trained model with exactly these parameters. */
static gboolean
shows_params (gpointer data)
{
  Shown *w = data;
  CurrentsSystem *system = currents_portrait_get_system (w->portrait);
  const CurrentsTrainedModel *tm = system != NULL ? currents_system_get_trained (system) : NULL;

  return tm != NULL && currents_trained_model_get_n_params (tm) == w->n_params
         && memcmp (currents_trained_model_get_params (tm), w->params,
                    w->n_params * sizeof (double)) == 0;
}

static void
test_recovery (void)
{
  g_autoptr(GDateTime) when = NULL;
  g_autoptr(GFile) file = currents_document_find_recovery (&when);
  g_autofree char *path = NULL;
  g_autoptr(CurrentsWorkspace) ws = NULL;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  g_autoptr(GError) error = NULL;
  const CurrentsWorkspaceTrained *entry = NULL;
  CurrentsWindow *window;
  GtkWindow *dialog;
  const char *mark;
  guint epoch;
  Shown w;

  /* what the killed app left */
  g_assert_nonnull (file);
  path = g_file_get_path (file);
  ws = currents_workspace_load (path, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_workspace_get_n_datasets (ws), ==, 1);
  for (gsize i = 0; i < currents_workspace_get_n_trained (ws); i++)
    if (strstr (currents_workspace_get_trained (ws, i)->name, "in training") != NULL)
      entry = currents_workspace_get_trained (ws, i);
  g_assert_nonnull (entry);
  g_assert_cmpstr (currents_workspace_get_active_trained (ws), ==, entry->name);
  mark = strstr (entry->name, "best of epoch ");
  g_assert_nonnull (mark);
  epoch = (guint) strtoul (mark + strlen ("best of epoch "), NULL, 10);
  g_test_message ("recovered “%s” from %s", entry->name, path);
  g_assert_cmpuint (epoch, >=, min_epoch);
  tm = currents_trained_model_load_from_data (entry->json, -1, entry->name, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_trained_model_get_n_params (tm), >, 100);
  for (gsize k = 0; k < currents_trained_model_get_n_params (tm); k++)
    g_assert_true (isfinite (currents_trained_model_get_params (tm)[k]));

  /* the next start offers it; restoring shows that very model */
  window = currents_gui_test_window_new (1000, 700, FALSE);
  dialog = currents_window_offer_recovery (window);
  g_assert_nonnull (dialog);
  g_assert_true (ADW_IS_MESSAGE_DIALOG (dialog));
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (dialog), "restore");
  w.portrait = currents_window_get_portrait (window);
  w.params = currents_trained_model_get_params (tm);
  w.n_params = currents_trained_model_get_n_params (tm);
  g_assert_true (currents_gui_test_iterate_until (shows_params, &w, 60.0));
  g_assert_nonnull (currents_portrait_get_dataset (w.portrait));
  g_assert_null (currents_window_get_last_error (window));
  g_print ("# restored the model of epoch %u (%zu parameters)\n", epoch, w.n_params);
  currents_gui_test_destroy_window (&window, NULL, 30.0);
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  min_epoch = argc > 1 ? (guint) strtoul (argv[1], NULL, 10) : 1;
  g_test_add_func ("/gui/recovery/after-kill", test_recovery);
  return g_test_run ();
}
