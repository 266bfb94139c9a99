/* test-data.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CSV reader and writer: every accepted dialect, every refused input (domain, code,
 * and a message naming the line and column), statistics against hand-computed values,
 * the save/load round trip bit for bit, and locale independence.
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#include "currents-engine.h"

#define FILE_NAME "data.csv"

static CurrentsDataset *
parse_ok (const char               *csv,
          const CurrentsCsvOptions *options)
{
  g_autoptr (GError) error = NULL;
  CurrentsDataset *ds = currents_dataset_parse (csv, -1, FILE_NAME, options, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ds);
  return ds;
}

/* Parses @csv expecting a DATA_FORMAT error whose message contains each of the
 * NULL-terminated strings that follow. */
static void
expect_error_full (const char               *csv,
                   gssize                    length,
                   const CurrentsCsvOptions *options,
                   ...)
{
  g_autoptr (GError) error = NULL;
  CurrentsDataset *ds = currents_dataset_parse (csv, length, FILE_NAME, options, &error);
  va_list args;
  const char *needle;

  g_assert_null (ds);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  g_test_message ("message: %s", error->message);
  va_start (args, options);
  while ((needle = va_arg (args, const char *)) != NULL)
    if (strstr (error->message, needle) == NULL)
      g_error ("message \"%s\" lacks \"%s\"", error->message, needle);
  va_end (args);
}

#define expect_error(csv, ...) expect_error_full (csv, -1, NULL, __VA_ARGS__, NULL)

static const CurrentsTrajectory *
traj (const CurrentsDataset *ds,
      gsize                  i)
{
  const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, i);

  g_assert_nonnull (tr);
  return tr;
}

static void
assert_doubles (const double *got,
                const double *want,
                gsize         n)
{
  for (gsize i = 0; i < n; i++)
    {
      if (isnan (want[i]))
        g_assert_true (isnan (got[i]));
      else
        g_assert_cmpfloat (got[i], ==, want[i]);
    }
}

/* ----------------------------------------------------------------------------------- */
/* Accepted input                                                                      */

static void
test_parse_basic (void)
{
  g_autoptr (CurrentsDataset) ds = parse_ok ("t,x,y\n0,1.5,2.385\n0.25,-3e-2,7\n", NULL);
  const CurrentsTrajectory *tr;
  const double times[] = { 0, 0.25 }, states[] = { 1.5, 2.385, -0.03, 7 };

  g_assert_cmpstr (currents_dataset_get_filename (ds), ==, FILE_NAME);
  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 1);
  g_assert_cmpuint (currents_dataset_get_n_states (ds), ==, 2);
  g_assert_cmpuint (currents_dataset_get_n_inputs (ds), ==, 0);
  g_assert_cmpuint (currents_dataset_get_n_samples (ds), ==, 2);
  g_assert_cmpstr (currents_dataset_get_state_name (ds, 0), ==, "x");
  g_assert_cmpstr (currents_dataset_get_state_name (ds, 1), ==, "y");
  g_assert_cmpint (currents_dataset_find_state (ds, "Y"), ==, 1);
  g_assert_cmpint (currents_dataset_find_state (ds, "t"), ==, -1);
  g_assert_cmpint (currents_dataset_find_input (ds, "x"), ==, -1);
  tr = traj (ds, 0);
  g_assert_cmpstr (currents_trajectory_get_id (tr), ==, "0");
  g_assert_cmpuint (currents_trajectory_get_n_samples (tr), ==, 2);
  assert_doubles (currents_trajectory_get_times (tr), times, 2);
  assert_doubles (currents_trajectory_get_states (tr), states, 4);
  g_assert_null (currents_trajectory_get_inputs (tr));
}

static void
test_parse_bom_crlf (void)
{
  g_autoptr (CurrentsDataset) ds = parse_ok ("\xEF\xBB\xBFT,x\r\n0,2.385\r\n1.5,-4.25\r\n", NULL);
  const double times[] = { 0, 1.5 }, states[] = { 2.385, -4.25 };

  /* The BOM does not become part of the first name: "T" is found as the time. */
  g_assert_cmpuint (currents_dataset_get_n_states (ds), ==, 1);
  g_assert_cmpstr (currents_dataset_get_state_name (ds, 0), ==, "x");
  assert_doubles (currents_trajectory_get_times (traj (ds, 0)), times, 2);
  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), states, 2);
}

static void
test_parse_tab (void)
{
  g_autoptr (CurrentsDataset) ds = parse_ok ("time\tx\ty\n0\t 1.25 \t2\n2\t3.5\t-0.5\n", NULL);
  const double times[] = { 0, 2 }, states[] = { 1.25, 2, 3.5, -0.5 };

  g_assert_cmpuint (currents_dataset_get_n_states (ds), ==, 2);
  assert_doubles (currents_trajectory_get_times (traj (ds, 0)), times, 2);
  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), states, 4);
}

static void
test_parse_semicolon (void)
{
  g_autoptr (CurrentsDataset) ds = parse_ok ("t;x;y\n0;1,5;2.385\n0,75;-3,125e1;\"4,25\"\n",
                                             NULL);
  const double times[] = { 0, 0.75 }, states[] = { 1.5, 2.385, -31.25, 4.25 };

  assert_doubles (currents_trajectory_get_times (traj (ds, 0)), times, 2);
  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), states, 4);
}

static void
test_parse_comments (void)
{
  g_autoptr (CurrentsDataset) ds =
    parse_ok ("# exported 2026-01-02\n\n   # indented comment\nt,x\n\n0,1.5\n  # mid\n"
              " \t \n,\n2,2.385", NULL);
  const double times[] = { 0, 2 }, states[] = { 1.5, 2.385 };

  /* The file ends without a newline; the bare-separator row is skipped. */
  g_assert_cmpuint (currents_dataset_get_n_samples (ds), ==, 2);
  assert_doubles (currents_trajectory_get_times (traj (ds, 0)), times, 2);
  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), states, 2);
}

static void
test_parse_interleaved (void)
{
  g_autoptr (CurrentsDataset) ds =
    parse_ok ("traj,t,x\n"
              "2,0.5,20.5\n"
              "1,0.25,10.25\n"
              "2,0,20\n"
              "1,0,10\n"
              "2,1.5,21.5\n"
              "1,0.125,10.125\n", NULL);
  const double t2[] = { 0, 0.5, 1.5 }, x2[] = { 20, 20.5, 21.5 };
  const double t1[] = { 0, 0.125, 0.25 }, x1[] = { 10, 10.125, 10.25 };

  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 2);
  /* Order of first appearance, each sorted by time. */
  g_assert_cmpstr (currents_trajectory_get_id (traj (ds, 0)), ==, "2");
  g_assert_cmpstr (currents_trajectory_get_id (traj (ds, 1)), ==, "1");
  g_assert_cmpuint (currents_trajectory_get_n_samples (traj (ds, 0)), ==, 3);
  assert_doubles (currents_trajectory_get_times (traj (ds, 0)), t2, 3);
  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), x2, 3);
  assert_doubles (currents_trajectory_get_times (traj (ds, 1)), t1, 3);
  assert_doubles (currents_trajectory_get_states (traj (ds, 1)), x1, 3);
}

static void
test_parse_string_ids (void)
{
  const char *headers[] = { "trajectory", "TRAJ", "id", "Experiment" };

  for (gsize h = 0; h < G_N_ELEMENTS (headers); h++)
    {
      g_autofree char *csv =
        g_strdup_printf ("%s,t,x\nwild type,0,1\n\"dose \"\"high\"\", 2\",0,2.385\n"
                         "wild type,1,3\n 10 ,0,4\n", headers[h]);
      g_autoptr (CurrentsDataset) ds = parse_ok (csv, NULL);
      const double x[] = { 1, 3 };

      g_assert_cmpuint (currents_dataset_get_n_states (ds), ==, 1);
      g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 3);
      g_assert_cmpstr (currents_trajectory_get_id (traj (ds, 0)), ==, "wild type");
      g_assert_cmpstr (currents_trajectory_get_id (traj (ds, 1)), ==, "dose \"high\", 2");
      g_assert_cmpstr (currents_trajectory_get_id (traj (ds, 2)), ==, "10");
      assert_doubles (currents_trajectory_get_states (traj (ds, 0)), x, 2);
      g_assert_cmpfloat (currents_trajectory_get_states (traj (ds, 1))[0], ==, 2.385);
    }
}

static void
test_parse_quoted (void)
{
  g_autoptr (CurrentsDataset) ds =
    parse_ok ("\"t\",\"GFP, a.u.\",\"say \"\"hi\"\"\"\n\"0\", \" 2.5 \" ,\"-1\"\n", NULL);

  g_assert_cmpstr (currents_dataset_get_state_name (ds, 0), ==, "GFP, a.u.");
  g_assert_cmpstr (currents_dataset_get_state_name (ds, 1), ==, "say \"hi\"");
  g_assert_cmpfloat (currents_trajectory_get_states (traj (ds, 0))[0], ==, 2.5);
  g_assert_cmpfloat (currents_trajectory_get_states (traj (ds, 0))[1], ==, -1);
}

static void
test_parse_missing_kept (void)
{
  g_autoptr (CurrentsDataset) ds =
    parse_ok ("t,x,y\n0,,1\n1,NaN,2\n2,NA,3\n3,nan,na\n4,2.385,\"\"\n5,-1.5,6.25\n", NULL);
  const double nan = NAN;
  const double want[] = { nan, 1, nan, 2, nan, 3, nan, nan, 2.385, nan, -1.5, 6.25 };
  CurrentsColumnStats st;

  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), want, 12);
  currents_dataset_get_state_stats (ds, 0, &st);
  g_assert_cmpuint (st.n_observed, ==, 2);
  g_assert_cmpuint (st.n_missing, ==, 4);
  g_assert_cmpfloat_with_epsilon (st.missing_fraction, 4.0 / 6.0, 1e-15);
  currents_dataset_get_state_stats (ds, 1, &st);
  g_assert_cmpuint (st.n_observed, ==, 4);
  g_assert_cmpuint (st.n_missing, ==, 2);
}

static void
test_parse_inputs_constant (void)
{
  const char *inputs[] = { "IPTG", NULL };
  CurrentsCsvOptions opts = { .input_columns = inputs, .constant_inputs = TRUE };
  g_autoptr (CurrentsDataset) ds =
    parse_ok ("trajectory,t,gfp,iptg,od\n"
              "a,0,1.5,0.125,0.05\n"
              "b,0,2.5,2.385,0.06\n"
              "a,1,1.75,0.125,0.07\n"
              "b,1,2.75,2.385,0.08\n", &opts);
  const double ua[] = { 0.125, 0.125 }, ub[] = { 2.385, 2.385 };
  const double sa[] = { 1.5, 0.05, 1.75, 0.07 };

  g_assert_cmpuint (currents_dataset_get_n_states (ds), ==, 2);
  g_assert_cmpuint (currents_dataset_get_n_inputs (ds), ==, 1);
  g_assert_cmpstr (currents_dataset_get_input_name (ds, 0), ==, "iptg");
  g_assert_cmpint (currents_dataset_find_input (ds, "IPTG"), ==, 0);
  g_assert_cmpint (currents_dataset_find_state (ds, "od"), ==, 1);
  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), sa, 4);
  assert_doubles (currents_trajectory_get_inputs (traj (ds, 0)), ua, 2);
  assert_doubles (currents_trajectory_get_inputs (traj (ds, 1)), ub, 2);
  g_assert_true (currents_trajectory_input_is_constant (traj (ds, 0), 0));
  g_assert_true (currents_trajectory_input_is_constant (traj (ds, 1), 0));
}

static void
test_parse_inputs_varying (void)
{
  const char *inputs[] = { "u", "w", NULL };
  CurrentsCsvOptions opts = { .input_columns = inputs };
  g_autoptr (CurrentsDataset) ds = parse_ok ("t,x,u,w\n1,2,0.5,7\n0,1,0.25,7\n2,3,1,7\n", &opts);
  const double u[] = { 0.25, 7, 0.5, 7, 1, 7 };
  CurrentsColumnStats st;

  g_assert_cmpuint (currents_dataset_get_n_inputs (ds), ==, 2);
  assert_doubles (currents_trajectory_get_inputs (traj (ds, 0)), u, 6);
  g_assert_false (currents_trajectory_input_is_constant (traj (ds, 0), 0));
  g_assert_true (currents_trajectory_input_is_constant (traj (ds, 0), 1));
  currents_dataset_get_input_stats (ds, 0, &st);
  g_assert_cmpfloat (st.min, ==, 0.25);
  g_assert_cmpfloat (st.max, ==, 1);
  g_assert_cmpuint (st.n_missing, ==, 0);
  g_assert_cmpfloat (st.missing_fraction, ==, 0);
}

static void
test_parse_ignore (void)
{
  const char *ignore[] = { "Comment", "well", NULL };
  CurrentsCsvOptions opts = { .ignore_columns = ignore };
  g_autoptr (CurrentsDataset) ds =
    parse_ok ("well,t,x,comment\nA1,0,1.5,looks fine\nA1,1,2.5,\n", &opts);
  const double x[] = { 1.5, 2.5 };

  g_assert_cmpuint (currents_dataset_get_n_states (ds), ==, 1);
  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 1);
  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), x, 2);
}

/* A time and a trajectory column with names the reader does not know, chosen by name. */
static void
test_parse_named_roles (void)
{
  const char *ignore[] = { "t", NULL };
  const char *inputs[] = { "IPTG", NULL };
  CurrentsCsvOptions opts = { .time_column = "Hours", .trajectory_column = "well",
                              .input_columns = inputs, .ignore_columns = ignore };
  g_autoptr (CurrentsDataset) ds =
    parse_ok ("well;hours;GFP;iptg;t\nA1;0,5;1,25;0,1;x\nB2;0;2,385;1;y\nA1;0;1;0,1;z\n",
              &opts);
  const double times_a[] = { 0.0, 0.5 }, gfp_a[] = { 1.0, 1.25 };

  g_assert_cmpuint (currents_dataset_get_n_states (ds), ==, 1);
  g_assert_cmpstr (currents_dataset_get_state_name (ds, 0), ==, "GFP");
  g_assert_cmpuint (currents_dataset_get_n_inputs (ds), ==, 1);
  g_assert_cmpstr (currents_dataset_get_input_name (ds, 0), ==, "iptg");
  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 2);
  g_assert_cmpstr (currents_trajectory_get_id (traj (ds, 0)), ==, "A1");
  assert_doubles (currents_trajectory_get_times (traj (ds, 0)), times_a, 2);
  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), gfp_a, 2);

  /* A known name may be chosen explicitly too. */
  {
    CurrentsCsvOptions same = { .time_column = "T" };
    g_autoptr (CurrentsDataset) ds2 = parse_ok ("t,x\n0,1\n1,2.385\n", &same);

    g_assert_cmpuint (currents_dataset_get_n_states (ds2), ==, 1);
  }
}

static void
test_error_named_roles (void)
{
  CurrentsCsvOptions unknown = { .time_column = "hours" };
  CurrentsCsvOptions clash = { .time_column = "hours" };
  CurrentsCsvOptions traj_clash = { .trajectory_column = "well" };
  CurrentsCsvOptions both = { .time_column = "hours", .trajectory_column = "hours" };
  const char *ignore[] = { "hours", NULL };
  CurrentsCsvOptions ignored = { .time_column = "hours", .ignore_columns = ignore };

  expect_error_full ("t,x\n0,1\n", -1, &unknown, FILE_NAME ":1:", "no column named \"hours\"",
                     "the time column", NULL);
  expect_error_full ("hours,x,t\n0,1,2\n", -1, &clash, FILE_NAME ":1:",
                     "column 3 (\"t\") is named like a time column",
                     "column 1 (\"hours\") is the time column", "ignore column 3", NULL);
  expect_error_full ("t,well,id,x\n0,a,b,1\n", -1, &traj_clash, FILE_NAME ":1:",
                     "column 3 (\"id\") is named like a trajectory column", NULL);
  expect_error_full ("hours,x\n0,1\n", -1, &both, FILE_NAME ":1:",
                     "column 1 (\"hours\") cannot be the trajectory column",
                     "it is the time column", NULL);
  expect_error_full ("hours,x\n0,1\n", -1, &ignored, FILE_NAME ":1:",
                     "cannot be the time column", "ignored", NULL);
}

static void
test_preview (void)
{
  g_autoptr (CurrentsCsvPreview) pv =
    currents_csv_preview_new ("\xEF\xBB\xBF# made by hand\n\n trajectory ;t;x\r\n"
                              "a;0;1,5\r\n# a comment\nb;\"0;5\";oops;extra\n"
                              "c;1;\"unterminated\n", -1, 2);
  g_autoptr (CurrentsCsvPreview) few = currents_csv_preview_new ("t,x\n0,1\n1,2\n2,3\n", -1, 0);
  g_autoptr (CurrentsCsvPreview) empty = currents_csv_preview_new ("# nothing\n\n", -1, 10);
  g_autoptr (CurrentsCsvPreview) bad = currents_csv_preview_new ("t,x\n0,\"1\n", -1, 10);

  g_assert_cmpint (pv->separator, ==, ';');
  g_assert_cmpuint (pv->header_line, ==, 3);
  g_assert_cmpuint (pv->n_cols, ==, 3);
  g_assert_cmpstr (pv->names[0], ==, "trajectory");
  g_assert_cmpstr (pv->names[2], ==, "x");
  g_assert_cmpuint (pv->n_rows, ==, 2);
  g_assert_cmpuint (pv->lines[0], ==, 4);
  g_assert_cmpuint (pv->lines[1], ==, 6);
  g_assert_cmpstr (pv->rows[0][2], ==, "1,5");
  g_assert_cmpuint (g_strv_length (pv->rows[1]), ==, 4);
  g_assert_cmpstr (pv->rows[1][1], ==, "0;5");

  g_assert_cmpuint (few->n_cols, ==, 2);
  g_assert_cmpuint (few->n_rows, ==, 0);

  g_assert_cmpuint (empty->n_cols, ==, 0);
  g_assert_cmpuint (empty->header_line, ==, 0);
  g_assert_nonnull (empty->names);

  /* A line the reader cannot cut is shown whole. */
  g_assert_cmpuint (bad->n_rows, ==, 1);
  g_assert_cmpstr (bad->rows[0][0], ==, "0,\"1");

  g_assert_true (currents_csv_is_time_name ("Time"));
  g_assert_false (currents_csv_is_time_name ("hours"));
  g_assert_true (currents_csv_is_trajectory_name ("experiment"));
  g_assert_false (currents_csv_is_trajectory_name (NULL));
}

static void
test_parse_same_time_other_trajectory (void)
{
  g_autoptr (CurrentsDataset) ds = parse_ok ("id,t,x\n1,0,1\n2,0,2\n1,1,3\n2,1,4\n", NULL);

  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 2);
  g_assert_cmpuint (currents_dataset_get_n_samples (ds), ==, 4);
  g_assert_cmpfloat (currents_trajectory_get_states (traj (ds, 1))[1], ==, 4);
}

static void
test_parse_length (void)
{
  /* Not NUL-terminated: what follows the given length must not be read. */
  const char buf[] = { 't', ',', 'x', '\n', '0', ',', '1', '.', '5', '9', '9' };
  g_autoptr (GError) error = NULL;
  g_autoptr (CurrentsDataset) ds = currents_dataset_parse (buf, 9, NULL, NULL, &error);

  g_assert_no_error (error);
  g_assert_null (currents_dataset_get_filename (ds));
  g_assert_cmpfloat (currents_trajectory_get_states (traj (ds, 0))[0], ==, 1.5);
}

static void
test_parse_large (void)
{
  /* Larger than the threshold for hashing on a second thread. */
  GString *s = g_string_new ("trajectory,t,x\n");
  g_autoptr (CurrentsDataset) ds = NULL;
  g_autofree char *sha = NULL;
  gsize n = 0;

  while (s->len < (5u << 20))
    {
      g_string_append_printf (s, "%" G_GSIZE_FORMAT ",%" G_GSIZE_FORMAT ",%.3f\n",
                              n % 7, n / 7, 0.001 * n);
      n++;
    }
  ds = parse_ok (s->str, NULL);
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, s->str, s->len);
  g_assert_cmpstr (currents_dataset_get_sha256 (ds), ==, sha);
  g_assert_cmpuint (currents_dataset_get_n_samples (ds), ==, n);
  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 7);
  g_assert_cmpfloat (currents_trajectory_get_states (traj (ds, 3))[2], ==, 0.017);
  g_string_free (s, TRUE);
}

static char *
fixture (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "data", "csv", name, NULL);
}

static void
test_load_spreadsheet (void)
{
  const char *inputs[] = { "iptg", NULL };
  CurrentsCsvOptions opts = { .input_columns = inputs, .constant_inputs = TRUE };
  g_autofree char *path = fixture ("spreadsheet-de.csv");
  g_autoptr (GError) error = NULL;
  g_autoptr (CurrentsDataset) ds = currents_dataset_load (path, &opts, &error);
  g_autofree char *contents = NULL;
  g_autofree char *sha = NULL;
  gsize len;
  const double nan = NAN;
  const double ta[] = { 0, 0.5, 1 }, sa[] = { 12.5, 0.0525, 13.75, nan, 15, 0.0791 };
  const double tb[] = { 0, 0.5 }, sb[] = { 2.385, 0.061, nan, 0.0702 };
  const double ub[] = { 1, 1 };

  g_assert_no_error (error);
  g_assert_cmpstr (currents_dataset_get_filename (ds), ==, path);
  g_assert_cmpstr (currents_dataset_get_state_name (ds, 0), ==, "GFP");
  g_assert_cmpstr (currents_dataset_get_state_name (ds, 1), ==, "OD600");
  g_assert_cmpstr (currents_dataset_get_input_name (ds, 0), ==, "IPTG");
  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 2);
  g_assert_cmpstr (currents_trajectory_get_id (traj (ds, 0)), ==, "A1");
  assert_doubles (currents_trajectory_get_times (traj (ds, 0)), ta, 3);
  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), sa, 6);
  g_assert_cmpfloat (currents_trajectory_get_inputs (traj (ds, 0))[2], ==, 0.1);
  assert_doubles (currents_trajectory_get_times (traj (ds, 1)), tb, 2);
  assert_doubles (currents_trajectory_get_states (traj (ds, 1)), sb, 4);
  assert_doubles (currents_trajectory_get_inputs (traj (ds, 1)), ub, 2);

  /* The checksum is that of the file's bytes, BOM and all. */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  g_assert_cmpstr (currents_dataset_get_sha256 (ds), ==, sha);
}

static void
test_load_tsv (void)
{
  g_autofree char *path = fixture ("instrument.tsv");
  g_autoptr (GError) error = NULL;
  g_autoptr (CurrentsDataset) ds = currents_dataset_load (path, NULL, &error);
  const double t[] = { 0, 0.25 }, s[] = { 1, -2, 1.5, -2.385 };

  g_assert_no_error (error);
  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 2);
  g_assert_cmpstr (currents_trajectory_get_id (traj (ds, 0)), ==, "ctrl");
  g_assert_cmpstr (currents_trajectory_get_id (traj (ds, 1)), ==, "dose 2");
  assert_doubles (currents_trajectory_get_times (traj (ds, 0)), t, 2);
  assert_doubles (currents_trajectory_get_states (traj (ds, 0)), s, 4);
  g_assert_true (isnan (currents_trajectory_get_states (traj (ds, 1))[1]));
}

/* ----------------------------------------------------------------------------------- */
/* Statistics and summary                                                              */

static const char stats_csv[] =
  "trajectory,t,x,u\n"
  "a,0,2.385,0.5\n"
  "a,1.5,-1.25,0.5\n"
  "b,-0.75,,3.75\n"
  "a,3,4.5,0.5\n"
  "b,2.25,0.125,3.75\n";

static void
test_stats (void)
{
  const char *inputs[] = { "u", NULL };
  CurrentsCsvOptions opts = { .input_columns = inputs };
  g_autoptr (CurrentsDataset) ds = parse_ok (stats_csv, &opts);
  CurrentsColumnStats st;
  double t0, t1;

  /* x: 2.385, -1.25, 4.5, 0.125 observed, one missing:
   * mean 5.76 / 4 = 1.44, sample sd sqrt(19.22195 / 3) = 2.531267798291336 */
  currents_dataset_get_state_stats (ds, 0, &st);
  g_assert_cmpfloat (st.min, ==, -1.25);
  g_assert_cmpfloat (st.max, ==, 4.5);
  g_assert_cmpfloat_with_epsilon (st.mean, 1.44, 1e-14);
  g_assert_cmpfloat_with_epsilon (st.sd, 2.531267798291336, 1e-14);
  g_assert_cmpuint (st.n_observed, ==, 4);
  g_assert_cmpuint (st.n_missing, ==, 1);
  g_assert_cmpfloat_with_epsilon (st.missing_fraction, 0.2, 1e-15);

  /* u: 0.5 × 3, 3.75 × 2: mean 1.8, sd sqrt(12.675 / 4) = 1.78009831189179 */
  currents_dataset_get_input_stats (ds, 0, &st);
  g_assert_cmpfloat (st.min, ==, 0.5);
  g_assert_cmpfloat (st.max, ==, 3.75);
  g_assert_cmpfloat_with_epsilon (st.mean, 1.8, 1e-14);
  g_assert_cmpfloat_with_epsilon (st.sd, 1.78009831189179, 1e-14);
  g_assert_cmpuint (st.n_observed, ==, 5);
  g_assert_cmpfloat (st.missing_fraction, ==, 0);

  currents_dataset_get_time_span (ds, &t0, &t1);
  g_assert_cmpfloat (t0, ==, -0.75);
  g_assert_cmpfloat (t1, ==, 3);
}

static void
test_stats_single (void)
{
  g_autoptr (CurrentsDataset) ds = parse_ok ("t,x,y\n0,2.385,\n1,,-7.5\n", NULL);
  CurrentsColumnStats st;

  currents_dataset_get_state_stats (ds, 0, &st);
  g_assert_cmpfloat (st.mean, ==, 2.385);
  g_assert_cmpfloat (st.sd, ==, 0);
  g_assert_cmpfloat (st.min, ==, 2.385);
  g_assert_cmpfloat (st.missing_fraction, ==, 0.5);
}

static void
test_summary (void)
{
  const char *inputs[] = { "u", NULL };
  CurrentsCsvOptions opts = { .input_columns = inputs };
  g_autoptr (CurrentsDataset) ds = parse_ok (stats_csv, &opts);
  g_autofree char *text = currents_dataset_summary (ds);
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, stats_csv, -1);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  const char *x_line = NULL, *u_line = NULL;

  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, FILE_NAME));
  g_assert_nonnull (strstr (text, sha));
  g_assert_nonnull (strstr (text, "Trajectories:  2\n"));
  g_assert_nonnull (strstr (text, "Samples:       5 (2 to 3 per trajectory)\n"));
  g_assert_nonnull (strstr (text, "Time span:     -0.75 to 3\n"));
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (g_str_has_prefix (lines[i], "  x "))
        x_line = lines[i];
      if (g_str_has_prefix (lines[i], "  u "))
        u_line = lines[i];
    }
  g_assert_nonnull (x_line);
  g_assert_nonnull (u_line);
  g_assert_nonnull (strstr (x_line, "state"));
  g_assert_nonnull (strstr (x_line, "-1.25"));
  g_assert_nonnull (strstr (x_line, "4.5"));
  g_assert_nonnull (strstr (x_line, "1.44"));
  g_assert_nonnull (strstr (x_line, "2.53127"));
  g_assert_nonnull (strstr (x_line, "20.0%"));
  g_assert_nonnull (strstr (u_line, "input"));
  g_assert_nonnull (strstr (u_line, "1.8"));
  g_assert_nonnull (strstr (u_line, "1.7801"));
  g_assert_nonnull (strstr (u_line, "0.0%"));
}

/* ----------------------------------------------------------------------------------- */
/* Refused input                                                                       */

static void
test_error_empty (void)
{
  expect_error ("", FILE_NAME ": ", "empty");
  expect_error ("\xEF\xBB\xBF# only a comment\n\n  \n", FILE_NAME ": ", "empty");
}

static void
test_error_header_only (void)
{
  expect_error ("# c\nt,x\n", FILE_NAME ":2:", "no data rows");
  expect_error ("t,x\n\n# nothing\n", FILE_NAME ":1:", "no data rows");
}

static void
test_error_no_time (void)
{
  expect_error ("tt,x\n0,1\n", FILE_NAME ":1:", "no time column", "\"t\" or \"time\"",
                "\"tt\", \"x\"");
}

static void
test_error_two_time_columns (void)
{
  expect_error ("t,x,Time\n0,1,0\n", FILE_NAME ":1:", "columns 1 (\"t\") and 3 (\"Time\")");
}

static void
test_error_duplicate_names (void)
{
  expect_error ("t,x,y,X\n0,1,2,3\n", FILE_NAME ":1:", "column 4 (\"X\")", "column 2 (\"x\")",
                "same name");
}

static void
test_error_unnamed_column (void)
{
  expect_error ("t,x,\n0,1,2\n", FILE_NAME ":1:", "column 3 has no name");
}

static void
test_error_ragged (void)
{
  expect_error ("t,x,y\n0,1,2\n1,2\n", FILE_NAME ":3:", "expected 3 fields", "found 2",
                "too few");
  expect_error ("t,x,y\n0,1,2\n1,2,abc,4\n", FILE_NAME ":3:", "expected 3 fields", "found 4",
                "too many");
  /* Text in the extra fields: no decimal-comma hint. */
  {
    g_autoptr (GError) error = NULL;
    CurrentsDataset *ds = currents_dataset_parse ("t,x,y\n0,1,2\n1,2,abc,4\n", -1, NULL, NULL,
                                                  &error);
    g_assert_null (ds);
    g_assert_null (strstr (error->message, "decimal comma"));
    g_assert_nonnull (strstr (error->message, "<data>:3:"));
  }
}

static void
test_error_text (void)
{
  expect_error ("t,x,y\n0,1,2\n1,2.5,abc\n", FILE_NAME ":3:",
                "column 3 (\"y\"): expected a number, found \"abc\"");
  expect_error ("t,x\n0,1.5.2\n", FILE_NAME ":2:", "column 2 (\"x\")", "\"1.5.2\"");
  expect_error ("t,x\n0,12abc\n", FILE_NAME ":2:", "column 2 (\"x\")", "\"12abc\"");
  expect_error ("t,x\nzero,1\n", FILE_NAME ":2:", "column 1 (\"t\")", "expected a time",
                "\"zero\"");
  expect_error ("t,x\n0,N/A\n", FILE_NAME ":2:", "column 2 (\"x\")", "\"N/A\"");
}

static void
test_error_time (void)
{
  expect_error ("t,x\n0,1\ninf,2\n", FILE_NAME ":3:", "column 1 (\"t\")",
                "expected a finite number, found \"inf\"");
  expect_error ("t,x\n0,1\n1e999,2\n", FILE_NAME ":3:", "column 1 (\"t\")", "finite");
  expect_error ("x,t\n1,0\n2,\n", FILE_NAME ":3:", "column 2 (\"t\")", "expected a time",
                "empty cell", "may not be missing");
  expect_error ("t,x\nNaN,1\n", FILE_NAME ":2:", "column 1 (\"t\")", "\"NaN\"");
}

static void
test_error_state_infinite (void)
{
  expect_error ("t,x\n0,1\n1,-Infinity\n", FILE_NAME ":3:", "column 2 (\"x\")",
                "expected a finite number, found \"-Infinity\"");
}

static void
test_error_duplicate_time (void)
{
  expect_error ("t,x\n0,1\n1,2\n0.5,3\n1,4\n", FILE_NAME ":5:", "column 1 (\"t\")",
                "time 1 appears twice", "trajectory \"0\"", "also on line 3");
  expect_error ("id,t,x\nA,0,1\nB,0,1\nA,2.385,2\nB,1,3\nA,2.385,4\n", FILE_NAME ":6:",
                "column 2 (\"t\")", "trajectory \"A\"", "also on line 4");
}

static void
test_error_decimal_comma (void)
{
  expect_error ("t,x\n0,\"1,5\"\n", FILE_NAME ":2:", "column 2 (\"x\")", "\"1,5\"",
                "decimal comma? use ';' as separator or '.' as decimal point");
  expect_error ("t,x,y\n0,1.5,2\n1,2,5,3\n", FILE_NAME ":3:", "found 4",
                "decimal comma? use ';' as separator or '.' as decimal point");
  expect_error ("t,x,y\n0,1,5,2,25\n", FILE_NAME ":2:", "found 5", "decimal comma?");
  expect_error ("t\tx\n0\t1,5\n", FILE_NAME ":2:", "column 2 (\"x\")", "decimal comma?");
}

static void
test_error_utf8 (void)
{
  expect_error ("t,x\n0,1\n1,2\n2,caf\xE9\n", FILE_NAME ":4:", "UTF-8", "0xE9");
  expect_error ("t,\xC3x\n0,1\n", FILE_NAME ":1:", "UTF-8");
  expect_error_full ("t,x\n0,1\0\n", 8, NULL, FILE_NAME ":2:", "NUL byte", NULL);
}

static void
test_error_all_missing (void)
{
  expect_error ("t,x,y\n0,1,\n1,2,NA\n2,3,nan\n", FILE_NAME ":1:", "column 3 (\"y\")",
                "no data", "every value is missing");
}

static void
test_error_not_constant (void)
{
  const char *inputs[] = { "u", NULL };
  CurrentsCsvOptions opts = { .input_columns = inputs, .constant_inputs = TRUE };

  expect_error_full ("id,t,x,u\na,0,1,0.5\nb,0,1,2\na,1,2,0.5\nb,1,2,2.385\n", -1, &opts,
                     FILE_NAME ":5:", "column 4 (\"u\")", "trajectory \"b\"", "2.385",
                     "line 3", "constant", NULL);
  /* Varying inputs pass when constancy was not asked for. */
  opts.constant_inputs = FALSE;
  {
    g_autoptr (CurrentsDataset) ds =
      parse_ok ("id,t,x,u\na,0,1,0.5\nb,0,1,2\na,1,2,0.5\nb,1,2,2.385\n", &opts);
    g_assert_false (currents_trajectory_input_is_constant (traj (ds, 1), 0));
    g_assert_true (currents_trajectory_input_is_constant (traj (ds, 0), 0));
  }
}

static void
test_error_input_values (void)
{
  const char *inputs[] = { "u", NULL };
  CurrentsCsvOptions opts = { .input_columns = inputs };

  expect_error_full ("t,x,u\n0,1,0.5\n1,2,NA\n", -1, &opts, FILE_NAME ":3:",
                     "column 3 (\"u\")", "expected an input level", "may not be missing",
                     NULL);
  expect_error_full ("t,x,u\n0,1,inf\n", -1, &opts, FILE_NAME ":2:", "column 3 (\"u\")",
                     "finite", NULL);
}

static void
test_error_no_states (void)
{
  const char *inputs[] = { "u", NULL };
  CurrentsCsvOptions opts = { .input_columns = inputs };

  expect_error ("t\n0\n1\n", FILE_NAME ":1:", "no state columns");
  expect_error ("trajectory,t\n1,0\n", FILE_NAME ":1:", "no state columns");
  expect_error_full ("t,u\n0,1\n", -1, &opts, FILE_NAME ":1:", "no state columns", NULL);
}

static void
test_error_unknown_columns (void)
{
  const char *inputs[] = { "iptg", NULL };
  const char *ignore[] = { "notes", NULL };
  const char *time_input[] = { "T", NULL };
  CurrentsCsvOptions in = { .input_columns = inputs };
  CurrentsCsvOptions ig = { .ignore_columns = ignore };
  CurrentsCsvOptions ti = { .input_columns = time_input };

  expect_error_full ("t,x\n0,1\n", -1, &in, FILE_NAME ":1:", "no column named \"iptg\"",
                     "as an input", "\"t\", \"x\"", NULL);
  expect_error_full ("t,x\n0,1\n", -1, &ig, FILE_NAME ":1:", "no column named \"notes\"",
                     "to ignore", NULL);
  expect_error_full ("t,x\n0,1\n", -1, &ti, FILE_NAME ":1:", "column 1 (\"t\")",
                     "time column", NULL);
}

static void
test_error_quotes (void)
{
  expect_error ("t,x\n0,\"1.5\n", FILE_NAME ":2:", "field 2", "closing quote");
  expect_error ("t,x\n0,\"1.5\"x\n", FILE_NAME ":2:", "field 2", "after the closing quote");
}

static void
test_error_traj_id (void)
{
  expect_error ("id,t,x\na,0,1\n,1,2\n", FILE_NAME ":3:", "column 1 (\"id\")",
                "expected a trajectory id");
}

static void
test_error_not_found (void)
{
  g_autoptr (GError) error = NULL;
  CurrentsDataset *ds = currents_dataset_load ("/nonexistent/currents/no-such.csv", NULL,
                                               &error);

  g_assert_null (ds);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "no-such.csv"));
}

/* ----------------------------------------------------------------------------------- */
/* Building, writing, round trip                                                       */

static void
test_to_csv (void)
{
  const char *states[] = { "x", "y;z", NULL };
  const char *inputs[] = { "u", NULL };
  g_autoptr (CurrentsDataset) ds = currents_dataset_new (states, inputs);
  g_autoptr (GError) error = NULL;
  const double t[] = { 0, 0.5 }, s[] = { 1.5, NAN, -2, 2.385 }, u[] = { 3, 4 };
  g_autofree char *csv = NULL;
  g_autofree char *plain = NULL;
  g_autofree char *sha = NULL;

  g_assert_true (currents_dataset_add_trajectory (ds, "a,b", 2, t, s, u, &error));
  g_assert_no_error (error);
  csv = currents_dataset_to_csv (ds, "made by test\n\nseed 7\n");
  g_assert_cmpstr (csv, ==,
                   "# made by test\n"
                   "#\n"
                   "# seed 7\n"
                   "trajectory,t,x,\"y;z\",u\n"
                   "\"a,b\",0,1.5,,3\n"
                   "\"a,b\",0.5,-2,2.3849999999999998,4\n");
  plain = currents_dataset_to_csv (ds, NULL);
  g_assert_true (g_str_has_prefix (plain, "trajectory,t,x"));
  sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, plain, -1);
  g_assert_cmpstr (currents_dataset_get_sha256 (ds), ==, sha);
  g_assert_null (currents_dataset_get_filename (ds));
}

static void
test_sha256_tracks_additions (void)
{
  const char *states[] = { "x", NULL };
  g_autoptr (CurrentsDataset) ds = currents_dataset_new (states, NULL);
  const double t[] = { 0, 1 }, x[] = { 2.385, 4.5 };
  char *before;

  for (int i = 0; i < 3; i++)
    {
      g_autofree char *id = g_strdup_printf ("run %d", i);
      g_autofree char *csv = NULL;
      g_autofree char *sha = NULL;

      before = g_strdup (currents_dataset_get_sha256 (ds));
      g_assert_true (currents_dataset_add_trajectory (ds, id, 2, t, x, NULL, NULL));
      csv = currents_dataset_to_csv (ds, NULL);
      sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, csv, -1);
      g_assert_cmpstr (currents_dataset_get_sha256 (ds), ==, sha);
      g_assert_cmpstr (currents_dataset_get_sha256 (ds), !=, before);
      g_free (before);
    }

  /* Adding to a parsed data set switches to the serialisation's checksum. */
  {
    g_autoptr (CurrentsDataset) parsed = parse_ok ("t,x\n0,1\n", NULL);
    g_autofree char *csv = NULL;
    g_autofree char *sha = NULL;

    g_assert_true (currents_dataset_add_trajectory (parsed, "extra", 2, t, x, NULL, NULL));
    csv = currents_dataset_to_csv (parsed, NULL);
    sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, csv, -1);
    g_assert_cmpstr (currents_dataset_get_sha256 (parsed), ==, sha);
    g_assert_cmpuint (currents_dataset_get_n_trajectories (parsed), ==, 2);
  }
}

static void
expect_invalid (CurrentsDataset *ds,
                const char      *id,
                gsize            n,
                const double    *t,
                const double    *s,
                const double    *u,
                const char      *needle)
{
  g_autoptr (GError) error = NULL;
  gsize before = currents_dataset_get_n_trajectories (ds);
  g_autofree char *sha = g_strdup (currents_dataset_get_sha256 (ds));

  g_assert_false (currents_dataset_add_trajectory (ds, id, n, t, s, u, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_test_message ("message: %s", error->message);
  g_assert_nonnull (strstr (error->message, needle));
  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, before);
  g_assert_cmpstr (currents_dataset_get_sha256 (ds), ==, sha);
}

static void
test_add_trajectory_errors (void)
{
  const char *states[] = { "x", NULL };
  const char *inputs[] = { "u", NULL };
  g_autoptr (CurrentsDataset) ds = currents_dataset_new (states, inputs);
  const double t[] = { 0, 1, 2 }, x[] = { 1, 2, 3 }, u[] = { 0.5, 0.5, 0.5 };
  const double t_unsorted[] = { 0, 2, 1 }, t_dup[] = { 0, 1, 1 };
  const double t_nan[] = { 0, NAN, 2 }, x_inf[] = { 1, INFINITY, 3 };
  const double u_nan[] = { 0.5, NAN, 0.5 };

  g_assert_true (currents_dataset_add_trajectory (ds, "ok", 3, t, x, u, NULL));
  expect_invalid (ds, "ok", 3, t, x, u, "already");
  expect_invalid (ds, "", 3, t, x, u, "non-empty");
  expect_invalid (ds, "two\nlines", 3, t, x, u, "one line");
  expect_invalid (ds, "n0", 0, t, x, u, "no samples");
  expect_invalid (ds, "sort", 3, t_unsorted, x, u, "strictly increasing");
  expect_invalid (ds, "dup", 3, t_dup, x, u, "strictly increasing");
  expect_invalid (ds, "nan", 3, t_nan, x, u, "not finite");
  expect_invalid (ds, "inf", 3, t, x_inf, u, "infinite");
  expect_invalid (ds, "unan", 3, t, x, u_nan, "input \"u\"");
  expect_invalid (ds, "noinputs", 3, t, x, NULL, "inputs");
  g_assert_cmpuint (currents_dataset_get_n_trajectories (ds), ==, 1);
  g_assert_cmpuint (currents_dataset_get_n_samples (ds), ==, 3);
}

static void
assert_same_bits (const double *a,
                  const double *b,
                  gsize         n)
{
  for (gsize i = 0; i < n; i++)
    {
      if (isnan (a[i]))
        g_assert_true (isnan (b[i]));
      else if (memcmp (&a[i], &b[i], sizeof (double)) != 0)
        g_error ("element %" G_GSIZE_FORMAT ": %.17g != %.17g", i, a[i], b[i]);
    }
}

static void
test_round_trip (void)
{
  const char *states[] = { "x", "GFP (a.u.)", "y;z", NULL };
  const char *inputs[] = { "u", NULL };
  const char *ids[] = { "A", "b,c", "#3", " spaced ", "say \"hi\"" };
  g_autoptr (CurrentsDataset) ds = currents_dataset_new (states, inputs);
  g_autoptr (CurrentsDataset) back = NULL;
  g_autoptr (CurrentsDataset) back_plain = NULL;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("test-data-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *path_plain = NULL;
  g_autofree char *contents = NULL;
  g_autofree char *sha = NULL;
  g_autofree char *csv_a = NULL;
  g_autofree char *csv_b = NULL;
  GRand *rand = g_rand_new_with_seed (2385);
  gsize len;

  g_assert_no_error (error);
  for (gsize j = 0; j < G_N_ELEMENTS (ids); j++)
    {
      gsize n = 3 + 4 * j;
      double *t = g_new (double, n), *s = g_new (double, 3 * n), *u = g_new (double, n);

      t[0] = -g_rand_double (rand);
      for (gsize k = 1; k < n; k++)
        t[k] = t[k - 1] + g_rand_double_range (rand, 1e-9, 2.385) / 3.0;
      for (gsize k = 0; k < 3 * n; k++)
        s[k] = (g_rand_double (rand) - 0.5) * pow (10, g_rand_int_range (rand, -300, 300));
      for (gsize k = 0; k < n; k++)
        u[k] = 0.1 * (double) j + 1.0 / 3.0;
      /* Awkward values: missing, signed zero, subnormal, extremes. */
      s[1] = NAN;
      s[2] = -0.0;
      if (n > 4)
        {
          s[4] = 4.9406564584124654e-324;
          s[5] = -1.7976931348623157e308;
          s[6] = 0.1;
        }
      g_assert_true (currents_dataset_add_trajectory (ds, ids[j], n, t, s, u, &error));
      g_assert_no_error (error);
      g_free (t);
      g_free (s);
      g_free (u);
    }

  path = g_build_filename (dir, "round trip.csv", NULL);
  g_assert_true (currents_dataset_save_csv (ds, path, "currents test\nseed=2385", &error));
  g_assert_no_error (error);
  back = currents_dataset_load (path, NULL, &error);
  g_assert_no_error (error);

  g_assert_cmpuint (currents_dataset_get_n_trajectories (back), ==, G_N_ELEMENTS (ids));
  g_assert_cmpuint (currents_dataset_get_n_states (back), ==, 4);
  g_assert_cmpuint (currents_dataset_get_n_inputs (back), ==, 0);
  for (gsize i = 0; i < 3; i++)
    g_assert_cmpstr (currents_dataset_get_state_name (back, i), ==, states[i]);
  g_assert_cmpstr (currents_dataset_get_state_name (back, 3), ==, "u");
  for (gsize j = 0; j < G_N_ELEMENTS (ids); j++)
    {
      const CurrentsTrajectory *a = traj (ds, j), *b = traj (back, j);
      gsize n = currents_trajectory_get_n_samples (a);

      g_assert_cmpstr (currents_trajectory_get_id (b), ==, ids[j]);
      g_assert_cmpuint (currents_trajectory_get_n_samples (b), ==, n);
      assert_same_bits (currents_trajectory_get_times (a), currents_trajectory_get_times (b), n);
      /* Without input options "u" reads back as a fourth state... */
      for (gsize k = 0; k < n; k++)
        assert_same_bits (currents_trajectory_get_states (a) + 3 * k,
                          currents_trajectory_get_states (b) + 4 * k, 3);
    }
  g_clear_pointer (&back, currents_dataset_free);

  /* ...and as an input when asked. */
  {
    CurrentsCsvOptions opts = { .input_columns = inputs, .constant_inputs = TRUE };

    back = currents_dataset_load (path, &opts, &error);
    g_assert_no_error (error);
  }
  for (gsize j = 0; j < G_N_ELEMENTS (ids); j++)
    {
      const CurrentsTrajectory *a = traj (ds, j), *b = traj (back, j);
      gsize n = currents_trajectory_get_n_samples (a);

      assert_same_bits (currents_trajectory_get_times (a), currents_trajectory_get_times (b), n);
      assert_same_bits (currents_trajectory_get_states (a), currents_trajectory_get_states (b),
                        3 * n);
      assert_same_bits (currents_trajectory_get_inputs (a), currents_trajectory_get_inputs (b),
                        n);
    }
  csv_a = currents_dataset_to_csv (ds, NULL);
  csv_b = currents_dataset_to_csv (back, NULL);
  g_assert_cmpstr (csv_a, ==, csv_b);

  /* A loaded file's checksum is that of its bytes, comment included. */
  g_assert_true (g_file_get_contents (path, &contents, &len, NULL));
  g_assert_true (g_str_has_prefix (contents, "# currents test\n# seed=2385\ntrajectory,t,"));
  sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, len);
  g_assert_cmpstr (currents_dataset_get_sha256 (back), ==, sha);
  g_assert_cmpstr (currents_dataset_get_sha256 (back), !=, currents_dataset_get_sha256 (ds));

  /* Without a comment the file's checksum is the data set's. */
  path_plain = g_build_filename (dir, "plain.csv", NULL);
  g_assert_true (currents_dataset_save_csv (ds, path_plain, NULL, &error));
  back_plain = currents_dataset_load (path_plain, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (currents_dataset_get_sha256 (back_plain), ==,
                   currents_dataset_get_sha256 (ds));

  g_assert_cmpint (g_remove (path), ==, 0);
  g_assert_cmpint (g_remove (path_plain), ==, 0);
  g_assert_cmpint (g_rmdir (dir), ==, 0);
  g_rand_free (rand);
}

static void
test_save_error (void)
{
  const char *states[] = { "x", NULL };
  g_autoptr (CurrentsDataset) ds = currents_dataset_new (states, NULL);
  g_autoptr (GError) error = NULL;

  g_assert_false (currents_dataset_save_csv (ds, "/nonexistent/currents/out.csv", NULL,
                                             &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
}

static void
test_locale (void)
{
  const char *states[] = { "x", NULL };
  g_autoptr (CurrentsDataset) built = currents_dataset_new (states, NULL);
  g_autoptr (CurrentsDataset) ds = NULL;
  g_autofree char *csv = NULL;
  g_autofree char *summary = NULL;
  const double t[] = { 0.25 }, x[] = { 2.385 };

  g_assert_nonnull (setlocale (LC_ALL, "de_DE.UTF-8"));
  ds = parse_ok ("t,x\n0,1.5\n", NULL);
  g_assert_cmpfloat (currents_trajectory_get_states (traj (ds, 0))[0], ==, 1.5);
  g_assert_true (currents_dataset_add_trajectory (built, "1", 1, t, x, NULL, NULL));
  csv = currents_dataset_to_csv (built, NULL);
  g_assert_cmpstr (csv, ==, "trajectory,t,x\n1,0.25,2.3849999999999998\n");
  summary = currents_dataset_summary (built);
  g_assert_nonnull (strstr (summary, "2.385"));
  g_assert_null (strstr (summary, "2,385"));
  g_assert_nonnull (setlocale (LC_ALL, "C"));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/data/parse/basic", test_parse_basic);
  g_test_add_func ("/engine/data/parse/bom-crlf", test_parse_bom_crlf);
  g_test_add_func ("/engine/data/parse/tab", test_parse_tab);
  g_test_add_func ("/engine/data/parse/semicolon-decimal-comma", test_parse_semicolon);
  g_test_add_func ("/engine/data/parse/comments-blank", test_parse_comments);
  g_test_add_func ("/engine/data/parse/interleaved-unsorted", test_parse_interleaved);
  g_test_add_func ("/engine/data/parse/string-ids", test_parse_string_ids);
  g_test_add_func ("/engine/data/parse/quoted", test_parse_quoted);
  g_test_add_func ("/engine/data/parse/missing", test_parse_missing_kept);
  g_test_add_func ("/engine/data/parse/inputs-constant", test_parse_inputs_constant);
  g_test_add_func ("/engine/data/parse/inputs-varying", test_parse_inputs_varying);
  g_test_add_func ("/engine/data/parse/ignore", test_parse_ignore);
  g_test_add_func ("/engine/data/parse/named-roles", test_parse_named_roles);
  g_test_add_func ("/engine/data/error/named-roles", test_error_named_roles);
  g_test_add_func ("/engine/data/preview", test_preview);
  g_test_add_func ("/engine/data/parse/same-time-other-trajectory",
                   test_parse_same_time_other_trajectory);
  g_test_add_func ("/engine/data/parse/length", test_parse_length);
  g_test_add_func ("/engine/data/parse/large", test_parse_large);
  g_test_add_func ("/engine/data/load/spreadsheet", test_load_spreadsheet);
  g_test_add_func ("/engine/data/load/tsv", test_load_tsv);
  g_test_add_func ("/engine/data/stats", test_stats);
  g_test_add_func ("/engine/data/stats/single", test_stats_single);
  g_test_add_func ("/engine/data/summary", test_summary);
  g_test_add_func ("/engine/data/error/empty", test_error_empty);
  g_test_add_func ("/engine/data/error/header-only", test_error_header_only);
  g_test_add_func ("/engine/data/error/no-time", test_error_no_time);
  g_test_add_func ("/engine/data/error/two-time-columns", test_error_two_time_columns);
  g_test_add_func ("/engine/data/error/duplicate-names", test_error_duplicate_names);
  g_test_add_func ("/engine/data/error/unnamed-column", test_error_unnamed_column);
  g_test_add_func ("/engine/data/error/ragged", test_error_ragged);
  g_test_add_func ("/engine/data/error/text", test_error_text);
  g_test_add_func ("/engine/data/error/time", test_error_time);
  g_test_add_func ("/engine/data/error/state-infinite", test_error_state_infinite);
  g_test_add_func ("/engine/data/error/duplicate-time", test_error_duplicate_time);
  g_test_add_func ("/engine/data/error/decimal-comma", test_error_decimal_comma);
  g_test_add_func ("/engine/data/error/utf8", test_error_utf8);
  g_test_add_func ("/engine/data/error/all-missing", test_error_all_missing);
  g_test_add_func ("/engine/data/error/not-constant", test_error_not_constant);
  g_test_add_func ("/engine/data/error/input-values", test_error_input_values);
  g_test_add_func ("/engine/data/error/no-states", test_error_no_states);
  g_test_add_func ("/engine/data/error/unknown-columns", test_error_unknown_columns);
  g_test_add_func ("/engine/data/error/quotes", test_error_quotes);
  g_test_add_func ("/engine/data/error/trajectory-id", test_error_traj_id);
  g_test_add_func ("/engine/data/error/not-found", test_error_not_found);
  g_test_add_func ("/engine/data/to-csv", test_to_csv);
  g_test_add_func ("/engine/data/sha256", test_sha256_tracks_additions);
  g_test_add_func ("/engine/data/add-trajectory/errors", test_add_trajectory_errors);
  g_test_add_func ("/engine/data/round-trip", test_round_trip);
  g_test_add_func ("/engine/data/save-error", test_save_error);
  g_test_add_func ("/engine/data/locale", test_locale);

  return g_test_run ();
}
