/* test-cli-save-faults.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * currents-cli when its output cannot be written: `train -o` into a folder that does not
 * exist, or "under" a regular file (which fails even as root), exits 1 with a message
 * naming the file and the reason, prints no JSON summary, and leaves the regular file as
 * it was — before it trains (no epoch runs). (Faults between write and rename are
 * injected in tests/test-atomic-write.c.)
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-cli-test.h"

#define RUN(r, ...) currents_cli_test_run ((r), __VA_ARGS__, NULL)

static const char plain_text[] = "not a folder: a file the failed save must not touch\n";

static void
assert_refused (const CurrentsCliRun *r,
                const char           *out,
                int                   errsv)
{
  g_autofree char *expected = g_strdup_printf ("currents-cli: %s: cannot save the trained "
                                               "model there: %s (nothing was started",
                                               out, g_strerror (errsv));

  g_test_message ("%s", r->err);
  g_assert_cmpint (r->status, ==, 1);
  g_assert_nonnull (strstr (r->err, expected));
  /* said before training, not after it */
  g_assert_null (strstr (r->err, "epoch "));
  /* --json: nothing on stdout when there is no model file to report */
  g_assert_null (strstr (r->out, "model_file"));
}

static void
test_train_under_file (void)
{
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *plain = currents_cli_test_write_temp ("plain.txt", plain_text);
  g_autofree char *out = g_build_filename (plain, "model.json", NULL);
  g_autofree char *after = NULL;
  g_auto(CurrentsCliRun) r = { 0 };

  RUN (&r, "train", data, "--input", "iptg", "--hidden", "4", "--epochs", "2", "--seed", "3",
       "--json", "-o", out);
  assert_refused (&r, out, ENOTDIR);
  g_assert_true (g_file_get_contents (plain, &after, NULL, NULL));
  g_assert_cmpstr (after, ==, plain_text);
}

static void
test_train_missing_dir (void)
{
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *scratch = currents_cli_test_write_temp ("unused", NULL);
  g_autofree char *dir = g_path_get_dirname (scratch);
  g_autofree char *out = g_build_filename (dir, "no", "such", "dir", "model.json", NULL);
  g_auto(CurrentsCliRun) r = { 0 };

  RUN (&r, "train", data, "--input", "iptg", "--hidden", "4", "--epochs", "2", "--seed", "3",
       "--json", "-o", out);
  assert_refused (&r, out, ENOENT);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/cli/save-faults/train-under-file", test_train_under_file);
  g_test_add_func ("/cli/save-faults/train-missing-dir", test_train_missing_dir);
  return g_test_run ();
}
