/* fuzz-readers.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What each fuzz target does with one input, shared with tests/test-fuzz-regress.c so the
 * regression inputs go through exactly the code the fuzzers drove. Each reader returns
 * TRUE when the input loaded (and was then exercised: evaluated, written back and read
 * again), or FALSE with @error set by the engine. A contract violation the engine must not
 * commit (a round trip that does not read back, an error outside CURRENTS_ENGINE_ERROR or
 * without a message) is reported through fuzz_fail(), which aborts.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef gboolean (*FuzzReader) (const guint8 *data,
                                gsize         size,
                                GError      **error);

/* CSV data set (currents_dataset_parse, the import preview, statistics, write and reread). */
gboolean fuzz_read_csv       (const guint8 *data,
                              gsize         size,
                              GError      **error);
/* `.ode` model: parse and compile, then evaluate f, ∂f/∂x, ∂f/∂p, VJPs, second derivatives,
 * aux and conserved quantities at points drawn from a hash of the input. */
gboolean fuzz_read_ode       (const guint8 *data,
                              gsize         size,
                              GError      **error);
/* Trained-model JSON: load, evaluate as a system, write and reread. */
gboolean fuzz_read_trained   (const guint8 *data,
                              gsize         size,
                              GError      **error);
/* Workspace JSON: load, then each embedded data set, model and trained model; write and
 * reread. */
gboolean fuzz_read_workspace (const guint8 *data,
                              gsize         size,
                              GError      **error);
/* Ensemble JSON: load, every member as a system, write and reread. */
gboolean fuzz_read_ensemble  (const guint8 *data,
                              gsize         size,
                              GError      **error);

/* The reader of fuzz target @name ("csv", "ode", "trained", "workspace", "ensemble"), or
 * NULL. */
FuzzReader fuzz_reader_lookup (const char *name);

/* Makes warnings and criticals abort (bad input must give a GError, never a critical)
 * and turns GSL's aborting error handler off; call once before the first input. */
void     fuzz_init           (void);

/* Checks that a failed load left a proper engine error; aborts otherwise. */
void     fuzz_check_error    (const GError *error);

G_NORETURN void fuzz_fail    (const char   *format,
                              ...) G_GNUC_PRINTF (1, 2);

G_END_DECLS
