/* fuzz-ensemble.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * libFuzzer target: the ensemble JSON reader
 * (see fuzz_read_ensemble() in fuzz-readers.c and tools/fuzz-run).
 */
#include <stdint.h>
#include <stddef.h>

#include "fuzz-readers.h"

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

  if (!fuzz_read_ensemble (data, size, &error))
    fuzz_check_error (error);
  return 0;
}
