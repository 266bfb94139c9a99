/* test-save-faults.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Saving a workspace where it cannot be written, under a display (`xvfb-run -a`): a path
 * "under" a regular file (which fails even as root) and one in a folder that does not
 * exist. The window shows the error (its error toast, currents_window_get_last_error()),
 * the save reports it to the caller, the document stays modified and keeps its file, the
 * previously saved file and the regular file are byte for byte as they were, and saving
 * to the document's own file afterwards works and clears the modified flag.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-save-faults"

#include <errno.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 20.0

typedef struct
{
  CurrentsWindow *window;
  char           *tmpdir;
  GAsyncResult   *result;
} Fixture;

static const char plain_text[] = "a regular file, not a folder\n";

static const char decay_source[] =
  "# decay\n"
  "par a=2.385\n"
  "x' = -a*x\n"
  "init x=1\n";

static gboolean
has_result (gpointer data)
{
  return ((Fixture *) data)->result != NULL;
}

static void
store_result (GObject      *object,
              GAsyncResult *result,
              gpointer      user_data)
{
  Fixture *fixture = user_data;

  g_assert_null (fixture->result);
  fixture->result = g_object_ref (result);
}

static gboolean
save_and_wait (Fixture  *fixture,
               GFile    *file,
               GError  **error)
{
  gboolean ok;

  g_clear_object (&fixture->result);
  currents_window_save_async (fixture->window, file, NULL, store_result, fixture);
  g_assert_true (currents_gui_test_iterate_until (has_result, fixture, WAIT_SECONDS));
  ok = currents_window_save_finish (fixture->window, fixture->result, error);
  g_clear_object (&fixture->result);
  return ok;
}

static char *
read_text (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  return text;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->tmpdir = currents_gui_test_make_temp_dir ("currents-gui-save-XXXXXX");
  fixture->window = currents_gui_test_window_new (900, 680, TRUE);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  if (fixture->window != NULL)
    currents_gui_test_destroy_window (&fixture->window, NULL, WAIT_SECONDS);
  currents_gui_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

/* Saves the shown workspace to a good file, then changes it: returns that file's text. */
static char *
saved_then_modified (Fixture    *fixture,
                     const char *good_path)
{
  CurrentsDocument *doc = currents_window_get_document (fixture->window);
  g_autoptr(GFile) good = g_file_new_for_path (good_path);
  g_autoptr(GError) error = NULL;

  g_assert_true (save_and_wait (fixture, good, &error));
  g_assert_no_error (error);
  g_assert_false (currents_document_get_modified (doc));
  g_assert_null (currents_window_get_last_error (fixture->window));

  g_assert_true (currents_document_add_model (doc, "decay.ode", NULL, decay_source, &error));
  g_assert_no_error (error);
  g_assert_true (currents_document_get_modified (doc));
  return read_text (good_path);
}

static void
check_failed_save (Fixture    *fixture,
                   const char *good_path,
                   const char *before,
                   const char *bad_path,
                   int         errsv)
{
  CurrentsDocument *doc = currents_window_get_document (fixture->window);
  g_autoptr(GFile) good = g_file_new_for_path (good_path);
  g_autoptr(GFile) bad = g_file_new_for_path (bad_path);
  g_autoptr(GError) error = NULL;
  g_autofree char *after = NULL;
  g_autofree char *resaved = NULL;
  const char *shown;

  g_assert_false (save_and_wait (fixture, bad, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  shown = currents_window_get_last_error (fixture->window);
  g_test_message ("window says: %s", shown);
  g_assert_cmpstr (shown, ==, error->message);
  g_assert_nonnull (strstr (shown, bad_path));
  g_assert_nonnull (strstr (shown, g_strerror (errsv)));

  /* nothing lost: still modified, still the old file's document, the old file as it was */
  g_assert_true (currents_document_get_modified (doc));
  g_assert_true (g_file_equal (currents_document_get_file (doc), good));
  after = read_text (good_path);
  g_assert_cmpstr (after, ==, before);
  g_assert_false (g_file_test (bad_path, G_FILE_TEST_EXISTS));

  /* and the work can still be saved where it belongs */
  g_clear_error (&error);
  g_assert_true (save_and_wait (fixture, NULL, &error));
  g_assert_no_error (error);
  g_assert_false (currents_document_get_modified (doc));
  resaved = read_text (good_path);
  g_assert_cmpstr (resaved, !=, before);
  g_assert_nonnull (strstr (resaved, "par a=2.385"));
}

static void
test_under_regular_file (Fixture       *fixture,
                         gconstpointer  data)
{
  g_autofree char *good_path = g_build_filename (fixture->tmpdir, "work.currents", NULL);
  g_autoptr(GFile) plain = currents_gui_test_write_file (fixture->tmpdir, "plain.txt",
                                                         plain_text);
  g_autofree char *plain_path = g_file_get_path (plain);
  g_autofree char *bad_path = g_build_filename (plain_path, "work.currents", NULL);
  g_autofree char *before = saved_then_modified (fixture, good_path);
  g_autofree char *plain_after = NULL;

  check_failed_save (fixture, good_path, before, bad_path, ENOTDIR);
  plain_after = read_text (plain_path);
  g_assert_cmpstr (plain_after, ==, plain_text);
}

static void
test_missing_folder (Fixture       *fixture,
                     gconstpointer  data)
{
  g_autofree char *good_path = g_build_filename (fixture->tmpdir, "work.currents", NULL);
  g_autofree char *bad_path = g_build_filename (fixture->tmpdir, "no", "such", "folder",
                                                "work.currents", NULL);
  g_autofree char *before = saved_then_modified (fixture, good_path);

  check_failed_save (fixture, good_path, before, bad_path, ENOENT);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  g_autofree char *home = NULL;
  g_autofree char *state_dir = NULL;
  g_autofree char *data_home = NULL;
  int status;

  g_setenv ("GSETTINGS_BACKEND", "memory", TRUE);
  /* autosaves and recent files in a directory of the test's own */
  home = g_dir_make_tmp ("currents-gui-state-XXXXXX", &error);
  g_assert_no_error (error);
  state_dir = g_build_filename (home, "state", NULL);
  data_home = g_build_filename (home, "data", NULL);
  g_setenv ("XDG_STATE_HOME", state_dir, TRUE);
  g_setenv ("XDG_DATA_HOME", data_home, TRUE);

  currents_gui_test_init (&argc, &argv);
  currents_gui_test_load_style ();

  g_test_add ("/gui/save-faults/under-regular-file", Fixture, NULL, fixture_set_up,
              test_under_regular_file, fixture_tear_down);
  g_test_add ("/gui/save-faults/missing-folder", Fixture, NULL, fixture_set_up,
              test_missing_folder, fixture_tear_down);

  status = g_test_run ();
  currents_gui_test_remove_tree (home);
  return status;
}
