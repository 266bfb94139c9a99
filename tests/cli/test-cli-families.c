/* test-cli-families.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model families of issue 7 from the command line: `check` names the family and the
 * conserved quantities, `simulate --method gauss4` keeps a Hamiltonian network's energy
 * (the H column) within a bounded error, `train` fits each example and reports its family
 * and penalties, and a reaction network read from a CSV matrix trains, saves and is
 * simulated again after the CSV and the model file are gone.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>
#include <json-glib/json-glib.h>

#include "currents-cli-test.h"
#include "currents-engine.h"

#define RUN(r, ...) currents_cli_test_run ((r), __VA_ARGS__, NULL)

static JsonObject *
parse_object (const char *text)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_object_ref (json_node_get_object (json_parser_get_root (parser)));
}

static void
test_check (void)
{
  g_autofree char *reactions = currents_cli_test_example ("enzyme-reactions.ode");
  g_autofree char *conserve = currents_cli_test_example ("enzyme-conserve.ode");
  g_autofree char *hnn = currents_cli_test_example ("oscillator-hnn.ode");
  g_auto(CurrentsCliRun) a = { 0 };
  g_auto(CurrentsCliRun) b = { 0 };
  g_auto(CurrentsCliRun) c = { 0 };
  g_auto(CurrentsCliRun) t = { 0 };
  g_autoptr(JsonObject) o = NULL;
  JsonArray *cons;

  RUN (&a, "check", reactions, "--json");
  g_assert_cmpint (a.status, ==, 0);
  o = parse_object (a.out);
  g_assert_cmpstr (json_object_get_string_member (o, "family"), ==, "stoichiometric");
  g_assert_cmpint (json_object_get_int_member (o, "family_weights"), ==, 131);
  cons = json_object_get_array_member (o, "conserved");
  g_assert_cmpuint (json_array_get_length (cons), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cons, 0),
                                                  "expression"), ==, "E + C");
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cons, 1),
                                                  "expression"), ==, "S + C + P");
  g_assert_true (json_object_get_boolean_member (json_array_get_object_element (cons, 1),
                                                 "exact"));
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "reactions")), ==, 3);
  g_clear_pointer (&o, json_object_unref);

  RUN (&b, "check", conserve, "--json");
  g_assert_cmpint (b.status, ==, 0);
  o = parse_object (b.out);
  g_assert_cmpstr (json_object_get_string_member (o, "family"), ==, "equations");
  cons = json_object_get_array_member (o, "conserved");
  g_assert_cmpuint (json_array_get_length (cons), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cons, 0),
                                                  "name"), ==, "Etot");
  g_assert_false (json_object_get_boolean_member (json_array_get_object_element (cons, 0),
                                                  "exact"));
  g_assert_cmpfloat (json_object_get_double_member (json_array_get_object_element (cons, 0),
                                                    "weight"), ==, 1.0);
  g_clear_pointer (&o, json_object_unref);

  RUN (&c, "check", hnn);
  g_assert_cmpint (c.status, ==, 0);
  g_assert_nonnull (strstr (c.out, "family: hamiltonian (conservative, energy network "
                                   "2-16-16-1 tanh, 337 weights)"));
  g_assert_nonnull (strstr (c.out, "conserved: (none)"));

  /* a refusal names the line and column */
  {
    g_autofree char *bad = currents_cli_test_write_temp ("bad.ode",
                                                         "hamiltonian q1 q2 | p1\n");
    RUN (&t, "check", bad);
    g_assert_cmpint (t.status, !=, 0);
    g_assert_nonnull (strstr (t.err, "bad.ode:1:19:"));
    g_assert_nonnull (strstr (t.err, "2 coordinates"));
  }
}

/* Reads a simulate CSV: rows of numbers after the header; returns the column index of
 * @name in *col. */
static GPtrArray *
read_rows (const char *csv,
           const char *name,
           int        *col)
{
  g_auto(GStrv) lines = g_strsplit (csv, "\n", -1);
  GPtrArray *rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  gboolean header = FALSE;

  *col = -1;
  for (char **l = lines; *l != NULL; l++)
    {
      g_auto(GStrv) cells = NULL;
      GArray *row;

      if ((*l)[0] == '#' || (*l)[0] == '\0')
        continue;
      cells = g_strsplit (*l, ",", -1);
      if (!header)
        {
          header = TRUE;
          for (int i = 0; cells[i] != NULL; i++)
            if (g_strcmp0 (cells[i], name) == 0)
              *col = i;
          continue;
        }
      row = g_array_new (FALSE, FALSE, sizeof (double));
      for (int i = 0; cells[i] != NULL; i++)
        {
          double v = g_ascii_strtod (cells[i], NULL);
          g_array_append_val (row, v);
        }
      g_ptr_array_add (rows, row);
    }
  return rows;
}

/* A Hamiltonian network with random weights, saved as a trained model and run with the
 * Gauss method for 500 time units: the energy error of the last 10 % is at most twice that
 * of the first 10 %, and the H column is the model's energy at the printed state. */
static void
test_gauss4 (void)
{
  g_autofree char *hnn = currents_cli_test_example ("oscillator-hnn.ode");
  g_autofree char *json = currents_cli_test_write_temp ("hnn.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (2026);
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) m = { 0 };
  g_auto(CurrentsCliRun) e = { 0 };
  g_auto(CurrentsCliRun) x = { 0 };
  g_autoptr(GPtrArray) rows = NULL;
  CurrentsModel *model = currents_model_new_from_file (hnn, &error);
  gsize k, off, n_rows;
  g_autofree double *p = NULL;
  double h0, first = 0.0, last = 0.0;
  int col;

  g_assert_no_error (error);
  k = currents_model_get_n_params (model);
  off = currents_model_get_hamiltonian_offset (model);
  p = g_memdup2 (currents_model_get_params (model), k * sizeof (double));
  for (gsize j = off; j < k; j++)
    p[j] += g_rand_double_range (rand, -1.0, 1.0);
  tm = currents_trained_model_new_ode (model, p);   /* takes the model */
  g_assert_true (currents_trained_model_save (tm, json, &error));
  g_assert_no_error (error);

  RUN (&r, "simulate", json, "--method", "gauss4", "--step", "0.05", "--t1", "500", "--dt",
       "0.5", "--init", "x=0.3,p=-0.6");
  g_assert_cmpint (r.status, ==, 0);
  rows = read_rows (r.out, "H", &col);
  g_assert_cmpint (col, ==, 3);
  n_rows = rows->len;
  g_assert_cmpuint (n_rows, ==, 1001);
  h0 = g_array_index ((GArray *) g_ptr_array_index (rows, 0), double, col);
  for (gsize i = 0; i < n_rows; i++)
    {
      double err = fabs (g_array_index ((GArray *) g_ptr_array_index (rows, i), double, col) - h0);
      if (i <= n_rows / 10)
        first = MAX (first, err);
      if (i >= n_rows - n_rows / 10)
        last = MAX (last, err);
    }
  g_test_message ("gauss4: energy error first 10%% %.3g, last 10%% %.3g", first, last);
  g_assert_cmpfloat (first, >, 0.0);
  g_assert_cmpfloat (last, <=, 2.0 * first);
  g_assert_cmpfloat (last, <=, 1e-2 * MAX (1.0, fabs (h0)));
  /* the energy column is the model's H at the printed state */
  {
    GArray *row = g_ptr_array_index (rows, n_rows - 1);
    double xs[2] = { g_array_index (row, double, 1), g_array_index (row, double, 2) };
    double hv = currents_model_eval_energy (model, xs, p);
    g_assert_cmpfloat (fabs (hv - g_array_index (row, double, col)), <=,
                       1e-12 * MAX (1.0, fabs (hv)));
  }

  /* midpoint too; and the step must be positive, and --step needs one of them */
  RUN (&m, "simulate", json, "--method", "midpoint", "--step", "0.05", "--t1", "1");
  g_assert_cmpint (m.status, ==, 0);
  RUN (&e, "simulate", json, "--method", "gauss4", "--step", "-1");
  g_assert_cmpint (e.status, !=, 0);
  g_assert_nonnull (strstr (e.err, "--step"));
  RUN (&x, "simulate", json, "--method", "rk4", "--step", "0.1");
  g_assert_cmpint (x.status, !=, 0);
  g_assert_nonnull (strstr (x.err, "gauss4"));
  g_unlink (json);
}

static void
test_train (void)
{
  static const struct { const char *model, *data, *family; gsize n_conserve; } cases[] = {
    { "oscillator-hnn.ode", "oscillator.csv", "hamiltonian", 0 },
    { "enzyme-reactions.ode", "enzyme.csv", "stoichiometric", 0 },
    { "enzyme-conserve.ode", "enzyme.csv", "equations", 2 },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autofree char *model = currents_cli_test_example (cases[c].model);
      g_autofree char *data = currents_cli_test_example (cases[c].data);
      g_autofree char *out = currents_cli_test_write_temp ("trained.json", NULL);
      g_auto(CurrentsCliRun) r = { 0 };
      g_auto(CurrentsCliRun) s = { 0 };
      g_autoptr(JsonObject) o = NULL;

      RUN (&r, "train", data, "--model", model, "--epochs", "2", "--seed", "3", "--json",
           "-o", out);
      g_assert_cmpint (r.status, ==, 0);
      o = parse_object (r.out);
      g_assert_cmpstr (json_object_get_string_member (o, "family"), ==, cases[c].family);
      g_assert_cmpuint (json_array_get_length (json_object_get_array_member (o, "conserve")),
                        ==, cases[c].n_conserve);
      g_assert_true (isfinite (json_object_get_double_member (o, "val_loss")));
      RUN (&s, "check", out, "--json");
      g_assert_cmpint (s.status, ==, 0);
      g_clear_pointer (&o, json_object_unref);
      o = parse_object (s.out);
      g_assert_cmpstr (json_object_get_string_member (o, "family"), ==, cases[c].family);
      g_unlink (out);
    }
}

/* `stoich file=`: trained, saved, and used after the CSV and the model are deleted. */
static void
test_stoich_file (void)
{
  g_autofree char *csv = currents_cli_test_write_temp ("net.csv",
                                                       "species,bind,unbind,cat\n"
                                                       "S,-1,1,0\nE,-1,1,1\nC,1,-1,-1\nP,0,0,1\n");
  g_autofree char *dir = g_path_get_dirname (csv);
  g_autofree char *ode = g_build_filename (dir, "net.ode", NULL);
  g_autofree char *out = g_build_filename (dir, "net.json", NULL);
  g_autofree char *data = currents_cli_test_example ("enzyme.csv");
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) s = { 0 };
  g_auto(CurrentsCliRun) c = { 0 };
  g_autoptr(JsonObject) o = NULL;
  JsonArray *cons;

  g_assert_true (g_file_set_contents (ode, "stoich file=net.csv irreversible=bind,cat "
                                      "mass=bind,unbind,cat hidden=8 seed=2\n"
                                      "init S=10, E=1\n", -1, NULL));
  RUN (&r, "train", data, "--model", ode, "--epochs", "2", "--json", "-o", out);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_cmpint (g_unlink (csv), ==, 0);
  g_assert_cmpint (g_unlink (ode), ==, 0);
  RUN (&c, "check", out, "--json");
  g_assert_cmpint (c.status, ==, 0);
  o = parse_object (c.out);
  cons = json_object_get_array_member (o, "conserved");
  g_assert_cmpuint (json_array_get_length (cons), ==, 2);
  g_assert_cmpstr (json_object_get_string_member (json_array_get_object_element (cons, 0),
                                                  "expression"), ==, "E + C");
  RUN (&s, "simulate", out, "--t1", "5", "--dt", "1");
  g_assert_cmpint (s.status, ==, 0);
  g_assert_nonnull (strstr (s.out, "t,S,E,C,P\n"));
  g_unlink (out);
  g_rmdir (dir);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/families/check", test_check);
  g_test_add_func ("/cli/families/gauss4", test_gauss4);
  g_test_add_func ("/cli/families/train", test_train);
  g_test_add_func ("/cli/families/stoich-file", test_stoich_file);
  return g_test_run ();
}
