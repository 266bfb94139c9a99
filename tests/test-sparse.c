/* test-sparse.c — equations read back from a vector field by sparse regression
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "currents-engine.h"

static char *
example_path (const char *name)
{
  return g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples", name, NULL);
}

static CurrentsDataset *
load_data (const char *name,
           const char *input)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = example_path (name);
  const char *inputs[] = { input, NULL };
  CurrentsCsvOptions options = { 0 };
  CurrentsDataset *ds;

  if (input != NULL)
    options.input_columns = inputs;
  ds = currents_dataset_load (path, &options, &error);
  g_assert_no_error (error);
  return ds;
}

static CurrentsSystem *
load_system (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = example_path (name);
  CurrentsSystem *sys = currents_system_load (path, &error);

  g_assert_no_error (error);
  return sys;
}

static CurrentsSparseFit *
regress_form (CurrentsSystem        *sys,
              const CurrentsDataset *ds,
              CurrentsLibrary       *lib,
              double                 threshold,
              gboolean               integral)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsFieldSamples) samples = NULL;
  CurrentsSparseOptions options;
  CurrentsSparseFit *fit;

  if (integral)
    samples = currents_field_samples_new_integral (lib, currents_system_get_field (sys),
                                                   currents_system_get_params (sys), ds, 10,
                                                   &error);
  else
    samples = currents_field_samples_new_from_data (currents_system_get_field (sys),
                                                    currents_system_get_params (sys), ds, 0,
                                                    1, &error);
  g_assert_no_error (error);
  currents_sparse_options_init (&options);
  options.threshold = threshold;
  fit = currents_sparse_fit_new (lib, samples, &options, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < currents_system_get_n_states (sys); i++)
    {
      g_autofree char *text = currents_sparse_fit_describe (fit, i);

      g_test_message ("%s' = %s   (R² = %.8f)", currents_system_get_state_names (sys)[i], text,
                      currents_sparse_fit_get_r2 (fit, i));
    }
  return fit;
}

static CurrentsSparseFit *
regress (CurrentsSystem        *sys,
         const CurrentsDataset *ds,
         CurrentsLibrary       *lib,
         double                 threshold)
{
  return regress_form (sys, ds, lib, threshold, FALSE);
}

/* Every coefficient within @rel of the truth, relative to the largest true coefficient
 * of its equation for the true zeros (CONVENTIONS: "within 5%"). */
static void
assert_coefficients (const CurrentsSparseFit *fit,
                     gsize                    equation,
                     const CurrentsLibrary   *lib,
                     const char *const       *terms,
                     const double            *truth,
                     double                   rel)
{
  double largest = 0.0;

  for (gsize k = 0; terms[k] != NULL; k++)
    largest = MAX (largest, fabs (truth[k]));
  for (gsize j = 0; j < currents_library_get_n_terms (lib); j++)
    {
      const char *term = currents_library_get_term (lib, j);
      double c = currents_sparse_fit_get_coefficient (fit, equation, term), want = 0.0;

      for (gsize k = 0; terms[k] != NULL; k++)
        if (strcmp (terms[k], term) == 0)
          want = truth[k];
      if (want != 0.0)
        g_assert_cmpfloat (fabs (c - want), <=, rel * fabs (want));
      else
        g_assert_cmpfloat (fabs (c), <=, rel * largest);
    }
}

/* The library: monomials in order, Hill functions as written, duplicates skipped. */
static void
test_library (void)
{
  const char *states[] = { "x", "y", NULL };
  const char *inputs[] = { "s", NULL };
  const char *expected[] = { "1", "x", "y", "x^2", "x*y", "y^2", "x^3", "x^2*y", "x*y^2", "y^3" };
  g_autoptr(CurrentsLibrary) lib = currents_library_new (states, inputs);
  g_autoptr(GError) error = NULL;
  const double x[] = { 2.0, 3.0 }, u[] = { 0.5 };
  g_autofree double *theta = NULL;
  gsize M;

  currents_library_add_polynomials (lib, 3, FALSE);
  currents_library_add_polynomials (lib, 1, FALSE);
  g_assert_cmpuint (currents_library_get_n_terms (lib), ==, G_N_ELEMENTS (expected));
  for (gsize j = 0; j < G_N_ELEMENTS (expected); j++)
    g_assert_cmpstr (currents_library_get_term (lib, j), ==, expected[j]);
  g_assert_true (currents_library_add_hill (lib, "y", 2.0, 2.0, TRUE, TRUE, &error));
  g_assert_no_error (error);
  g_assert_true (currents_library_add_expression (lib, "x/(1 + s)", &error));
  g_assert_no_error (error);
  M = currents_library_get_n_terms (lib);
  g_assert_cmpuint (M, ==, G_N_ELEMENTS (expected) + 3);
  g_assert_cmpstr (currents_library_get_term (lib, M - 3), ==, "1/(1 + (y/2)^2)");
  theta = g_new (double, M);
  g_assert_true (currents_library_eval (lib, 1, x, u, theta, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (theta[0], ==, 1.0);
  g_assert_cmpfloat (theta[7], ==, x[0] * x[0] * x[1]);
  g_assert_cmpfloat_with_epsilon (theta[M - 3], 1.0 / (1.0 + 9.0 / 4.0), 1e-15);
  g_assert_cmpfloat_with_epsilon (theta[M - 2], (9.0 / 4.0) / (1.0 + 9.0 / 4.0), 1e-15);
  g_assert_cmpfloat_with_epsilon (theta[M - 1], 2.0 / 1.5, 1e-15);

  /* bad terms, with the column in the user's expression */
  g_assert_false (currents_library_add_expression (lib, "x + Q", &error));
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error->message, "'x + Q'"));
  g_assert_nonnull (strstr (error->message, "column 5"));
  g_assert_nonnull (strstr (error->message, "Q"));
  g_clear_error (&error);
  g_assert_false (currents_library_add_expression (lib, "x + ", &error));
  g_assert_nonnull (strstr (error->message, "'x +'"));
  g_clear_error (&error);
  g_assert_false (currents_library_add_hill (lib, "z", 1.0, 2.0, TRUE, FALSE, &error));
  g_assert_nonnull (strstr (error->message, "'z'"));
  g_clear_error (&error);
  g_assert_false (currents_library_add_hill (lib, NULL, 0.0, 2.0, TRUE, FALSE, &error));
  g_clear_error (&error);
  g_assert_cmpuint (currents_library_get_n_terms (lib), ==, M);
}

/* The true Lotka–Volterra field sampled on its data: the four terms exactly, the rest 0. */
static void
test_exact_lotka_volterra (void)
{
  g_autoptr(CurrentsSystem) sys = load_system ("lotka-volterra.ode");
  g_autoptr(CurrentsDataset) ds = load_data ("lotka-volterra.csv", NULL);
  g_autoptr(CurrentsLibrary) lib = currents_library_new (currents_system_get_state_names (sys), NULL);
  g_autoptr(CurrentsSparseFit) fit = NULL;
  const char *tx[] = { "x", "x*y", NULL }, *ty[] = { "y", "x*y", NULL };
  const double cx[] = { 1.1, -0.4 }, cy[] = { -0.4, 0.1 };

  currents_library_add_polynomials (lib, 3, FALSE);
  fit = regress (sys, ds, lib, 0.05);
  assert_coefficients (fit, 0, lib, tx, cx, 1e-9);
  assert_coefficients (fit, 1, lib, ty, cy, 1e-9);
  for (gsize j = 0; j < currents_library_get_n_terms (lib); j++)
    {
      const char *term = currents_library_get_term (lib, j);

      if (strcmp (term, "x") != 0 && strcmp (term, "x*y") != 0)
        g_assert_cmpfloat (currents_sparse_fit_get_coefficient (fit, 0, term), ==, 0.0);
    }
  g_assert_cmpfloat (currents_sparse_fit_get_r2 (fit, 0), >, 1.0 - 1e-12);
  g_assert_cmpfloat (currents_sparse_fit_get_rel_rms (fit, 1), <, 1e-10);
}

/* The integral form on the true Lotka–Volterra field: Simpson over windows of 10 steps
 * recovers the four terms to 1e-6 and drops the rest. */
static void
test_integral_lotka_volterra (void)
{
  g_autoptr(CurrentsSystem) sys = load_system ("lotka-volterra.ode");
  g_autoptr(CurrentsDataset) ds = load_data ("lotka-volterra.csv", NULL);
  g_autoptr(CurrentsLibrary) lib = currents_library_new (currents_system_get_state_names (sys), NULL);
  g_autoptr(CurrentsSparseFit) fit = NULL;
  g_autoptr(CurrentsFieldSamples) samples = NULL;
  g_autoptr(GError) error = NULL;
  const char *tx[] = { "x", "x*y", NULL }, *ty[] = { "y", "x*y", NULL };
  const double cx[] = { 1.1, -0.4 }, cy[] = { -0.4, 0.1 };

  currents_library_add_polynomials (lib, 2, FALSE);
  fit = regress_form (sys, ds, lib, 0.05, TRUE);
  assert_coefficients (fit, 0, lib, tx, cx, 1e-6);
  assert_coefficients (fit, 1, lib, ty, cy, 1e-6);
  /* 12 trajectories of 60 intervals, 20 steps each: 120 windows of 10 each */
  samples = currents_field_samples_new_integral (lib, currents_system_get_field (sys),
                                                 currents_system_get_params (sys), ds, 10,
                                                 &error);
  g_assert_no_error (error);
  g_assert_cmpuint (samples->n_points, ==, 12 * 120);
  g_assert_cmpuint (samples->n_terms, ==, currents_library_get_n_terms (lib));
  g_assert_null (currents_field_samples_new_integral (lib, currents_system_get_field (sys),
                                                      currents_system_get_params (sys), ds, 7,
                                                      &error));
  g_assert_nonnull (strstr (error->message, "even"));
}

/* The true toggle switch (with its inducer) from repression Hill functions and one term
 * of the user's, at every IPTG level of the data. */
static void
test_exact_toggle (void)
{
  g_autoptr(CurrentsSystem) sys = load_system ("toggle.ode");
  g_autoptr(CurrentsDataset) ds = load_data ("toggle.csv", "iptg");
  g_autoptr(CurrentsLibrary) lib = currents_library_new (currents_system_get_state_names (sys),
                                                         currents_system_get_input_names (sys));
  g_autoptr(CurrentsSparseFit) fit = NULL;
  g_autoptr(GError) error = NULL;
  const char *user = "1/(1 + (u/(1 + iptg^2))^2)";
  const char *tu[] = { "1/(1 + (v/1)^2)", "u", NULL }, *tv[] = { "1/(1 + (u/(1 + iptg^2))^2)", "v", NULL };
  const double cu[] = { 5.0, -1.0 }, cv[] = { 3.0, -1.0 };

  /* (repression and activation of one state add up to 1, the constant: one of them) */
  currents_library_add_polynomials (lib, 2, FALSE);
  g_assert_true (currents_library_add_hill (lib, NULL, 1.0, 2.0, TRUE, FALSE, &error));
  g_assert_true (currents_library_add_expression (lib, user, &error));
  g_assert_no_error (error);
  fit = regress (sys, ds, lib, 0.05);
  assert_coefficients (fit, 0, lib, tu, cu, 1e-9);
  assert_coefficients (fit, 1, lib, tv, cv, 1e-9);
}

/* The `.ode` written from a fit parses, has one parameter per kept term, and its field
 * equals the regression's Θξ at every sample point. */
static void
test_to_ode (void)
{
  g_autoptr(CurrentsSystem) sys = load_system ("toggle.ode");
  g_autoptr(CurrentsDataset) ds = load_data ("toggle.csv", "iptg");
  g_autoptr(CurrentsLibrary) lib = currents_library_new (currents_system_get_state_names (sys),
                                                         currents_system_get_input_names (sys));
  g_autoptr(CurrentsFieldSamples) samples = NULL;
  g_autoptr(CurrentsSparseFit) fit = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree double *theta = NULL;
  const double x0[] = { 1.5, 0.25 }, u0[] = { 0.5 };
  gsize M, kept = 0;

  currents_library_add_polynomials (lib, 1, TRUE);
  g_assert_true (currents_library_add_hill (lib, NULL, 1.0, 2.0, TRUE, FALSE, &error));
  samples = currents_field_samples_new_from_data (currents_system_get_field (sys),
                                                  currents_system_get_params (sys), ds, 50, 7,
                                                  &error);
  g_assert_no_error (error);
  fit = currents_sparse_fit_new (lib, samples, NULL, &error);
  g_assert_no_error (error);
  text = currents_sparse_fit_to_ode (fit, "made by test-sparse", x0, u0, 20.0);
  model = currents_model_new_from_string (text, "found.ode", &error);
  if (error != NULL)
    g_printerr ("%s\n", text);
  g_assert_no_error (error);
  M = currents_library_get_n_terms (lib);
  for (gsize j = 0; j < 2 * M; j++)
    kept += currents_sparse_fit_get_coefficients (fit)[j] != 0.0;
  g_assert_cmpuint (kept, >, 0);
  g_assert_cmpuint (currents_model_get_n_params (model), ==, kept);
  g_assert_cmpfloat (currents_model_get_initial (model)[0], ==, 1.5);
  g_assert_cmpfloat (currents_model_get_input_defaults (model)[0], ==, 0.5);
  ws = currents_field_workspace_new (currents_model_get_field (model));
  theta = g_new (double, M);
  for (gsize r = 0; r < samples->n_points; r++)
    {
      double f[2];

      g_assert_true (currents_library_eval (lib, 1, samples->x + 2 * r, samples->u + r, theta,
                                            &error));
      currents_field_eval (ws, 0.0, samples->x + 2 * r, samples->u + r,
                           currents_model_get_params (model), f);
      for (gsize i = 0; i < 2; i++)
        {
          double pred = 0.0;

          for (gsize j = 0; j < M; j++)
            pred += theta[j] * currents_sparse_fit_get_coefficients (fit)[i * M + j];
          g_assert_cmpfloat (fabs (f[i] - pred), <=, 1e-12 * (1.0 + fabs (pred)));
        }
    }
  /* 50 extra points in the data's box, inputs from the data */
  g_assert_cmpuint (samples->n_points, >, 50);
}

/* Data → trained network (shipped, trained on exactly this data: the checksum) →
 * regression: the true coefficients within 5%, the others within 5% of the largest. */
static void
check_trained (const char        *trained,
               const char        *data,
               const char        *input,
               CurrentsLibrary  **lib_out,
               CurrentsSparseFit **fit_out,
               double             threshold,
               void             (*fill) (CurrentsLibrary *lib))
{
  g_autoptr(CurrentsSystem) sys = load_system (trained);
  g_autoptr(CurrentsDataset) ds = load_data (data, input);
  const CurrentsTrainedModel *tm = currents_system_get_trained (sys);
  CurrentsLibrary *lib;

  g_assert_nonnull (tm);
  g_assert_cmpint (currents_trained_model_get_kind (tm), ==, CURRENTS_TRAINED_NEURAL);
  g_assert_cmpstr (currents_trained_model_get_data_sha256 (tm), ==, currents_dataset_get_sha256 (ds));
  lib = currents_library_new (currents_system_get_state_names (sys),
                              currents_system_get_input_names (sys));
  fill (lib);
  *fit_out = regress_form (sys, ds, lib, threshold, TRUE);
  *lib_out = lib;
}

static void
fill_polynomials (CurrentsLibrary *lib)
{
  currents_library_add_polynomials (lib, 2, FALSE);
}

static void
fill_toggle (CurrentsLibrary *lib)
{
  currents_library_add_polynomials (lib, 1, FALSE);
  g_assert_true (currents_library_add_hill (lib, NULL, 1.0, 2.0, TRUE, FALSE, NULL));
  g_assert_true (currents_library_add_expression (lib, "1/(1 + (u/(1 + iptg^2))^2)", NULL));
}

static void
test_trained_lotka_volterra (void)
{
  g_autoptr(CurrentsLibrary) lib = NULL;
  g_autoptr(CurrentsSparseFit) fit = NULL;
  const char *tx[] = { "x", "x*y", NULL }, *ty[] = { "y", "x*y", NULL };
  const double cx[] = { 1.1, -0.4 }, cy[] = { -0.4, 0.1 };

  check_trained ("lotka-volterra-trained.json", "lotka-volterra.csv", NULL, &lib, &fit, 0.1,
                 fill_polynomials);
  assert_coefficients (fit, 0, lib, tx, cx, 0.05);
  assert_coefficients (fit, 1, lib, ty, cy, 0.05);
}

static void
test_trained_toggle (void)
{
  g_autoptr(CurrentsLibrary) lib = NULL;
  g_autoptr(CurrentsSparseFit) fit = NULL;
  const char *tu[] = { "1/(1 + (v/1)^2)", "u", NULL }, *tv[] = { "1/(1 + (u/(1 + iptg^2))^2)", "v", NULL };
  const double cu[] = { 5.0, -1.0 }, cv[] = { 3.0, -1.0 };

  check_trained ("toggle-trained.json", "toggle.csv", "iptg", &lib, &fit, 0.1, fill_toggle);
  assert_coefficients (fit, 0, lib, tu, cu, 0.05);
  assert_coefficients (fit, 1, lib, tv, cv, 0.05);
}

/* Mismatched samples, too few points, an empty library: refused with a reason. */
static void
test_refused (void)
{
  g_autoptr(CurrentsSystem) sys = load_system ("lotka-volterra.ode");
  g_autoptr(CurrentsDataset) toggle = load_data ("toggle.csv", "iptg");
  g_autoptr(CurrentsDataset) lv = load_data ("lotka-volterra.csv", NULL);
  g_autoptr(CurrentsLibrary) empty = currents_library_new (currents_system_get_state_names (sys), NULL);
  g_autoptr(CurrentsFieldSamples) samples = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsSparseFit *fit;

  g_assert_null (currents_field_samples_new_from_data (currents_system_get_field (sys),
                                                       currents_system_get_params (sys), toggle,
                                                       0, 1, &error));
  g_assert_nonnull (strstr (error->message, "inputs"));
  g_clear_error (&error);
  samples = currents_field_samples_new_from_data (currents_system_get_field (sys),
                                                  currents_system_get_params (sys), lv, 0, 1,
                                                  &error);
  g_assert_no_error (error);
  fit = currents_sparse_fit_new (empty, samples, NULL, &error);
  g_assert_null (fit);
  g_assert_nonnull (strstr (error->message, "empty"));
  g_clear_error (&error);
  currents_library_add_polynomials (empty, 40, FALSE);
  fit = currents_sparse_fit_new (empty, samples, NULL, &error);
  g_assert_null (fit);
  g_assert_nonnull (strstr (error->message, "cannot determine"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sparse/library", test_library);
  g_test_add_func ("/sparse/exact/lotka-volterra", test_exact_lotka_volterra);
  g_test_add_func ("/sparse/exact/toggle", test_exact_toggle);
  g_test_add_func ("/sparse/integral/lotka-volterra", test_integral_lotka_volterra);
  g_test_add_func ("/sparse/to-ode", test_to_ode);
  g_test_add_func ("/sparse/trained/lotka-volterra", test_trained_lotka_volterra);
  g_test_add_func ("/sparse/trained/toggle", test_trained_toggle);
  g_test_add_func ("/sparse/refused", test_refused);
  return g_test_run ();
}
