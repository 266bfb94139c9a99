/* currents-cli-test.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What every currents-cli test suite needs, in one place: running the command line tool
 * ($CURRENTS_CLI) and keeping its exit status and output, the bundled examples
 * ($CURRENTS_DATA_DIR/examples), scratch files, and looking into files it wrote.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* One run of currents-cli: its exit status (128 when it did not exit normally) and
 * everything it wrote to stdout and stderr. */
typedef struct
{
  int   status;
  char *out;
  char *err;
} CurrentsCliRun;

void     currents_cli_test_run_clear    (CurrentsCliRun *run);
void     currents_cli_test_run_argv     (CurrentsCliRun     *run,
                                         const char * const *args);
void     currents_cli_test_run          (CurrentsCliRun *run,
                                         const char     *first,
                                         ...) G_GNUC_NULL_TERMINATED;
char    *currents_cli_test_example      (const char     *name);
char    *currents_cli_test_write_temp   (const char     *name,
                                         const char     *text);
gboolean currents_cli_test_file_contains (const char    *path,
                                          const char    *fragment);

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (CurrentsCliRun, currents_cli_test_run_clear)

G_END_DECLS
