/* test-cli-faults.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * currents-cli train when training goes wrong: a learning rate of 10 still saves the best
 * model (exit 0) and says on stderr that the learning rate is too large and what to try,
 * with `diverged`, `fault` and `note` in --json; a model whose solution escapes to
 * infinity at its starting parameters produces no model (exit 1) and says why.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>

#include <json-glib/json-glib.h>

#include "currents-cli-test.h"

#define RUN(r, ...) currents_cli_test_run ((r), __VA_ARGS__, NULL)

static void
test_learning_rate (void)
{
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *out = currents_cli_test_write_temp ("toggle-lr10.json", NULL);
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) j = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *o;

  RUN (&r, "train", data, "--input", "iptg", "--hidden", "16", "--epochs", "4", "--lr", "10",
       "-o", out);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.err, "currents-cli: note: Training diverged at epoch 1"));
  g_assert_nonnull (strstr (r.err, "the learning rate 10 is too large — try 0.01"));
  g_assert_nonnull (strstr (r.err, "The best model (epoch "));
  g_assert_true (g_file_test (out, G_FILE_TEST_EXISTS));

  /* the same with --json: stdout one object with the note; stderr still says it */
  RUN (&j, "train", data, "--input", "iptg", "--hidden", "16", "--epochs", "4", "--lr", "10",
       "--json", "--quiet", "-o", out);
  g_assert_cmpint (j.status, ==, 0);
  g_assert_nonnull (strstr (j.err, "learning rate"));
  g_assert_true (json_parser_load_from_data (parser, j.out, -1, &error));
  g_assert_no_error (error);
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_true (json_object_get_boolean_member (o, "diverged"));
  g_assert_cmpstr (json_object_get_string_member (o, "fault"), ==, "learning-rate");
  g_assert_nonnull (strstr (json_object_get_string_member (o, "note"), "learning rate 10"));
  g_assert_cmpint (json_object_get_int_member (o, "best_epoch"), >, 0);
}

static void
test_ordinary (void)
{
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *out = currents_cli_test_write_temp ("toggle-ok.json", NULL);
  g_auto(CurrentsCliRun) r = { 0 };
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  JsonObject *o;

  RUN (&r, "train", data, "--input", "iptg", "--hidden", "16", "--epochs", "4", "--json",
       "-o", out);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_null (strstr (r.err, "note:"));
  g_assert_true (json_parser_load_from_data (parser, r.out, -1, &error));
  o = json_node_get_object (json_parser_get_root (parser));
  g_assert_false (json_object_get_boolean_member (o, "diverged"));
  g_assert_cmpstr (json_object_get_string_member (o, "fault"), ==, "none");
  g_assert_true (json_object_get_null_member (o, "note"));
}

static void
test_blow_up (void)
{
  /* x' = a x² from a = 2: x0/(1 − 2 x0 t) escapes at t = 1/(2 x0) = 0.5 for x0 = 1 */
  g_autoptr(GString) csv = g_string_new ("trajectory,t,x\n");
  g_autofree char *model = currents_cli_test_write_temp ("quadratic.ode",
                                                         "par a=2\nx' = a*x^2\ninit x=1\n");
  g_autofree char *data = NULL;
  g_autofree char *out = currents_cli_test_write_temp ("quadratic.json", NULL);
  g_auto(CurrentsCliRun) r = { 0 };

  for (int k = 0; k <= 10; k++)
    {
      double t = 0.5 * k;
      g_string_append_printf (csv, "0,%g,%.12g\n", t, 1.0 / (1.0 - 0.1 * t));
    }
  data = currents_cli_test_write_temp ("quadratic.csv", csv->str);
  g_unlink (out);
  RUN (&r, "train", data, "--model", model, "--fit-params", "--val-fraction", "0",
       "--epochs", "5", "-o", out);
  g_test_message ("%s", r.err);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_nonnull (strstr (r.err, "escapes to infinity near t = 0.5 "));
  g_assert_nonnull (strstr (r.err, "bound the right-hand side"));
  g_assert_nonnull (strstr (r.err, "no model to keep"));
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
}

int
main (int    argc,
      char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/train/faults/learning-rate", test_learning_rate);
  g_test_add_func ("/cli/train/faults/ordinary", test_ordinary);
  g_test_add_func ("/cli/train/faults/blow-up", test_blow_up);
  return g_test_run ();
}
