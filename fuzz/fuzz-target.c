/* fuzz-target.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A libFuzzer target: one reader of fuzz-readers.c (the CSV reader, the .ode parser and
 * compiler with the compiled field evaluated at points drawn from the input, the
 * trained-model, workspace and ensemble readers). meson.build compiles this file once
 * per reader, naming it with -DFUZZ_READ=fuzz_read_NAME; tools/fuzz-run runs them.
 */
#include <stdint.h>
#include <stddef.h>

#include "fuzz-readers.h"

#ifndef FUZZ_READ
#error "compile with -DFUZZ_READ=fuzz_read_NAME (fuzz/meson.build)"
#endif

int LLVMFuzzerInitialize (int *argc, char ***argv);
int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  g_autoptr (GError) error = NULL;

  if (!FUZZ_READ (data, size, &error))
    fuzz_check_error (error);
  return 0;
}
