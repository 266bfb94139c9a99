/* test-fuzz-regress.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every input the fuzzers (fuzz/, tools/fuzz-run) found a bug with, and hand-made nasty
 * ones, through the same readers the fuzz targets drive (fuzz/fuzz-readers.c): each file
 * under tests/data/fuzz/TARGET/ either loads or fails with a CURRENTS_ENGINE_ERROR whose
 * message is non-empty UTF-8 — and the inputs that crashed, leaked or hung fail exactly
 * as they now must. Inputs too big to keep as files (100000 nested brackets, 10000-char
 * names) are made here.
 */
#include "config.h"

#include <string.h>
#include <gsl/gsl_errno.h>

#include "currents-engine.h"

/* The fuzz targets' readers, compiled into this test as they are into the targets. */
#include "../fuzz/fuzz-readers.c"

/* What an input must do: load (-1) or fail with error @code whose message holds @needle. */
typedef struct
{
  const char *target;
  const char *file;
  int         code;
  const char *needle;
} Expected;

static const Expected expected[] = {
  /* UBSan: memcpy from NULL for a call with no arguments */
  { "ode", "crash-empty-call.ode", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, "fuzz.ode:" },
  /* the first byte of a two-byte character quoted alone: a message that is not UTF-8 */
  { "ode", "crash-multibyte-char.ode", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
    "unexpected character '\xd8\x8b'" },
  { "ode", "crash-multibyte-statement.ode", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
    "expected a statement" },
  /* a learned term in a quantity no equation uses: compiled on a tape without its
   * network (a read past the end of the tape's networks) */
  { "ode", "crash-learned-term-unused.ode", -1, NULL },
  { "ode", "learned-term-unused.ode", -1, NULL },
  /* 2^40 inlined calls: hung in the compiler */
  { "ode", "exponential-functions.ode", CURRENTS_ENGINE_ERROR_UNSUPPORTED,
    "too large once its functions are expanded" },
  { "csv", "crash-bom-after-quote.csv", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "after the closing quote, found '\xef\xbb\xbf'" },
  /* json-glib decodes "\ud800" to bytes that are not UTF-8, and quoted them */
  { "workspace", "crash-surrogate-escape.currents", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "not valid JSON" },
  { "ensemble", "crash-surrogate-escape.json", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "not valid JSON" },
  /* a width of 10⁹ that no 'params' backs: aborted allocating 8·10¹⁸ bytes */
  { "trained", "huge-hidden.json", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "needs at least 1000000002000000000" },
  /* 2³² + 1 planned members read as 1: written back, the file did not read again */
  { "ensemble", "huge-planned.json", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "2 members of 4294967297 planned" },
  /* "''" then an object: json-glib read two values and leaked the first */
  { "ensemble", "leak-quotes-before-object.json", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "line 1, column 1: not the start of a JSON value" },
  /* no 'params' array to bound the widths by: refused before allocating */
  { "trained", "huge-hidden-no-params.json", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "'params' is a string, not an array" },
  /* "\ud800" without its low half: json-glib's scanner leaked its string */
  { "trained", "leak-half-surrogate.json", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "half of a surrogate pair" },
  /* "\udar": json-glib's scanner leaked its string here too */
  { "workspace", "leak-bad-unicode-escape.currents", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "not four hex digits" },
  /* a parameter of -1e309460 read as -infinity, and the model written back did not read
   * again (found by a 10-minute run of fuzz-trained) */
  { "trained", "param-overflows.json", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "'params'[17] is too large to represent; it must be a finite number" },
  /* a whole pair is fine */
  { "trained", "surrogate-pair.json", -1, NULL },
  /* two top-level values: json-glib kept the second and leaked the first */
  { "ensemble", "leak-two-documents.json", CURRENTS_ENGINE_ERROR_DATA_FORMAT,
    "more text after the end of the JSON value" },
};

static const char *const targets[] = { "csv", "ode", "trained", "workspace", "ensemble" };

static const Expected *
find_expected (const char *target,
               const char *file)
{
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    if (strcmp (expected[i].target, target) == 0 && strcmp (expected[i].file, file) == 0)
      return &expected[i];
  return NULL;
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* Runs @reader on @data and checks the outcome; returns whether it loaded. */
static gboolean
check_input (const char   *target,
             const char   *name,
             const guint8 *data,
             gsize         size)
{
  FuzzReader reader = fuzz_reader_lookup (target);
  const Expected *want = find_expected (target, name);
  g_autoptr (GError) error = NULL;
  gboolean loaded;

  g_assert_nonnull (reader);
  loaded = reader (data, size, &error);
  g_test_message ("%s/%s: %s", target, name, loaded ? "loaded" : error->message);
  if (loaded)
    {
      g_assert_no_error (error);
      g_assert_true (want == NULL || want->code < 0);
      return TRUE;
    }
  g_assert_nonnull (error);
  g_assert_true (error->domain == CURRENTS_ENGINE_ERROR);
  g_assert_cmpstr (error->message, !=, "");
  g_assert_true (g_utf8_validate (error->message, -1, NULL));
  if (want != NULL)
    {
      g_assert_cmpint (want->code, >=, 0);
      g_assert_error (error, CURRENTS_ENGINE_ERROR, want->code);
      if (strstr (error->message, want->needle) == NULL)
        g_error ("%s/%s: message \"%s\" lacks \"%s\"", target, name, error->message,
                 want->needle);
    }
  return FALSE;
}

static void
test_files (void)
{
  guint n_files = 0, n_loaded = 0;

  for (gsize t = 0; t < G_N_ELEMENTS (targets); t++)
    {
      g_autofree char *dir_path = g_test_build_filename (G_TEST_DIST, "data", "fuzz",
                                                         targets[t], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (GDir) dir = g_dir_open (dir_path, 0, &error);
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      const char *name;

      g_assert_no_error (error);
      while ((name = g_dir_read_name (dir)) != NULL)
        g_ptr_array_add (names, g_strdup (name));
      g_ptr_array_sort (names, compare_names);
      g_assert_cmpuint (names->len, >=, 5);
      for (guint i = 0; i < names->len; i++)
        {
          g_autofree char *path = g_build_filename (dir_path, names->pdata[i], NULL);
          g_autofree char *data = NULL;
          gsize size;

          g_assert_true (g_file_get_contents (path, &data, &size, NULL));
          n_loaded += check_input (targets[t], names->pdata[i], (const guint8 *) data, size);
          n_files++;
        }
    }
  /* every expected outcome names a file that is there */
  for (gsize i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "data", "fuzz",
                                                     expected[i].target, expected[i].file,
                                                     NULL);
      g_assert_true (g_file_test (path, G_FILE_TEST_EXISTS));
    }
  g_test_message ("%u files, %u loaded", n_files, n_loaded);
  g_assert_cmpuint (n_loaded, >=, 1);
}

/* The inputs too big to keep: each must be refused with a message, not overflow the
 * stack or take long. */
static void
expect_refused (const char *target,
                const char *name,
                const char *text,
                int         code,
                const char *needle)
{
  FuzzReader reader = fuzz_reader_lookup (target);
  g_autoptr (GError) error = NULL;

  g_assert_false (reader ((const guint8 *) text, strlen (text), &error));
  g_test_message ("%s: %s", name, error->message);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, code);
  if (strstr (error->message, needle) == NULL)
    g_error ("%s: message \"%s\" lacks \"%s\"", name, error->message, needle);
}

static char *
repeat (const char *unit,
        guint       n)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < n; i++)
    g_string_append (s, unit);
  return g_string_free (s, FALSE);
}

static void
test_generated (void)
{
  g_autofree char *open = repeat ("(", 100000), *close = repeat (")", 100000);
  g_autofree char *parens = g_strconcat ("x'=", open, "x", close, "\n", NULL);
  g_autofree char *signs_unit = repeat ("-", 100000);
  g_autofree char *signs = g_strconcat ("x'=", signs_unit, "x\n", NULL);
  g_autofree char *powers_unit = repeat ("x^", 30000);
  g_autofree char *powers = g_strconcat ("x'=", powers_unit, "x\n", NULL);
  g_autofree char *sum_unit = repeat ("x+", 30000);
  g_autofree char *sum = g_strconcat ("x'=", sum_unit, "x\n", NULL);
  g_autofree char *arrays_open = repeat ("[", 100000), *arrays_close = repeat ("]", 100000);
  g_autofree char *deep_json = g_strconcat ("{\"format\": ", arrays_open, arrays_close, "}",
                                            NULL);
  g_autofree char *long_name = repeat ("v", 10000);
  g_autofree char *long_ode = g_strdup_printf ("par %s=2.5\ninit x=1\nx'=-%s*x\ndone\n",
                                               long_name, long_name);
  g_autofree char *long_csv = g_strdup_printf ("t,%s\n0,1.5\n1,2.5\n", long_name);

  expect_refused ("ode", "100000 parentheses", parens, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                  "too deeply nested");
  expect_refused ("ode", "100000 signs", signs, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                  "too deeply nested");
  expect_refused ("ode", "30000 powers", powers, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                  "too deeply nested");
  expect_refused ("ode", "30000 terms", sum, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                  "too deeply nested");
  for (gsize t = 2; t < G_N_ELEMENTS (targets); t++)
    expect_refused (targets[t], "100000 nested arrays", deep_json,
                    CURRENTS_ENGINE_ERROR_DATA_FORMAT, "nested more than 256 levels deep");

  /* 10000-character names are fine */
  g_assert_true (check_input ("ode", "10000-char name", (const guint8 *) long_ode,
                              strlen (long_ode)));
  g_assert_true (check_input ("csv", "10000-char column", (const guint8 *) long_csv,
                              strlen (long_csv)));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gsl_set_error_handler_off ();

  g_test_add_func ("/engine/fuzz-regress/files", test_files);
  g_test_add_func ("/engine/fuzz-regress/generated", test_generated);
  return g_test_run ();
}
