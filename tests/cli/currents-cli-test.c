/* currents-cli-test.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The helpers shared by the currents-cli test suites (tests/cli/); see currents-cli-test.h.
 */
#include "config.h"

#include <string.h>
#include <sys/wait.h>

#include "currents-cli-test.h"

/**
 * currents_cli_test_run_clear:
 * @run: a run
 *
 * Frees what @run holds (not @run itself): `g_auto(CurrentsCliRun) run = { 0 };`.
 */
void
currents_cli_test_run_clear (CurrentsCliRun *run)
{
  g_free (run->out);
  g_free (run->err);
}

/**
 * currents_cli_test_run_argv:
 * @run: where the exit status and the output go (cleared, or fresh)
 * @args: the arguments, %NULL-terminated
 *
 * Runs $CURRENTS_CLI (set by tests/cli/meson.build) with @args and waits for it. Asserts
 * that it could be started at all.
 */
void
currents_cli_test_run_argv (CurrentsCliRun     *run,
                            const char * const *args)
{
  g_autoptr(GPtrArray) argv = g_ptr_array_new ();
  g_autoptr(GError) error = NULL;
  int wait_status;

  g_ptr_array_add (argv, (gpointer) g_getenv ("CURRENTS_CLI"));
  for (const char * const *a = args; *a != NULL; a++)
    g_ptr_array_add (argv, (gpointer) *a);
  g_ptr_array_add (argv, NULL);
  g_assert_nonnull (g_ptr_array_index (argv, 0));
  g_spawn_sync (NULL, (char **) argv->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, &run->out,
                &run->err, &wait_status, &error);
  g_assert_no_error (error);
  run->status = WIFEXITED (wait_status) ? WEXITSTATUS (wait_status) : 128;
}

/**
 * currents_cli_test_run:
 * @run: where the exit status and the output go (cleared, or fresh)
 * @first: the first argument
 * @...: further arguments, then %NULL
 *
 * currents_cli_test_run_argv() with the arguments listed.
 */
void
currents_cli_test_run (CurrentsCliRun *run,
                       const char     *first,
                       ...)
{
  g_autoptr(GPtrArray) args = g_ptr_array_new ();
  va_list ap;

  va_start (ap, first);
  for (const char *a = first; a != NULL; a = va_arg (ap, const char *))
    g_ptr_array_add (args, (gpointer) a);
  va_end (ap);
  g_ptr_array_add (args, NULL);
  currents_cli_test_run_argv (run, (const char * const *) args->pdata);
}

/**
 * currents_cli_test_example:
 * @name: a file in data/examples ("toggle.ode")
 *
 * Returns: (transfer full): its path ($CURRENTS_DATA_DIR/examples/NAME)
 */
char *
currents_cli_test_example (const char *name)
{
  return g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples", name, NULL);
}

/**
 * currents_cli_test_write_temp:
 * @name: the file's name
 * @text: (nullable): what to write, or %NULL to write nothing (a path for the tool to write)
 *
 * Makes a fresh temporary folder and, with @text, writes the file @name in it.
 *
 * Returns: (transfer full): the file's path
 */
char *
currents_cli_test_write_temp (const char *name,
                              const char *text)
{
  g_autofree char *dir = g_dir_make_tmp ("currents-cli-XXXXXX", NULL);
  char *path;

  g_assert_nonnull (dir);
  path = g_build_filename (dir, name, NULL);
  if (text != NULL)
    g_assert_true (g_file_set_contents (path, text, -1, NULL));
  return path;
}

/**
 * currents_cli_test_file_contains:
 * @path: a file, text or binary; it must exist
 * @fragment: the bytes to look for
 *
 * Returns: whether @fragment stands anywhere in the file
 */
gboolean
currents_cli_test_file_contains (const char *path,
                                 const char *fragment)
{
  g_autofree char *text = NULL;
  gsize len = 0, f = strlen (fragment);

  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  for (gsize i = 0; i + f <= len; i++)
    if (memcmp (text + i, fragment, f) == 0)
      return TRUE;
  return FALSE;
}
