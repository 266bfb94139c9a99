/* test-model-template.c — the first model of each family, for a data set
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include "currents-engine.h"

static CurrentsDataset *
load_example (const char *name)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples", name, NULL);
  const char *inputs[] = { "iptg", NULL };
  CurrentsCsvOptions options = { 0 };
  CurrentsDataset *ds;

  if (g_str_has_prefix (name, "toggle"))
    options.input_columns = inputs;
  ds = currents_dataset_load (path, &options, &error);

  g_assert_no_error (error);
  return ds;
}

static CurrentsModel *
template_model (CurrentsModelTemplate  kind,
                const CurrentsDataset *ds)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *text = currents_model_template (kind, ds, &error);
  CurrentsModel *model;

  g_assert_no_error (error);
  g_assert_nonnull (text);
  model = currents_model_new_from_string (text, "Untitled.ode", &error);
  if (error != NULL)
    g_printerr ("%s\n%s\n", error->message, text);
  g_assert_no_error (error);
  return model;
}

/* The template names the data's states and inputs, in order, starts at the first
 * observation of the first trajectory and runs over the data's time span. */
static void
check_frame (const CurrentsModel   *model,
             const CurrentsDataset *ds)
{
  gsize n = currents_dataset_get_n_states (ds);
  const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, 0);
  const double *x = currents_trajectory_get_states (tr);
  double t0, t1;

  g_assert_cmpuint (currents_model_get_n_states (model), ==, n);
  for (gsize i = 0; i < n; i++)
    {
      g_assert_cmpstr (currents_model_get_state_name (model, i), ==,
                       currents_dataset_get_state_name (ds, i));
      /* %.6g of the first observation */
      g_assert_cmpfloat_with_epsilon (currents_model_get_initial (model)[i], x[i],
                                      1e-5 * fabs (x[i]) + 1e-300);
    }
  g_assert_cmpuint (currents_model_get_n_inputs (model), ==, currents_dataset_get_n_inputs (ds));
  for (gsize k = 0; k < currents_dataset_get_n_inputs (ds); k++)
    g_assert_cmpstr (currents_model_get_input_name (model, k), ==,
                     currents_dataset_get_input_name (ds, k));
  currents_dataset_get_time_span (ds, &t0, &t1);
  g_assert_cmpfloat_with_epsilon (currents_model_get_options (model)->total, t1 - t0,
                                  1e-5 * (t1 - t0));
}

/* Equations: x_i' = -k_i x_i with k_i = 1, so f(x) = -x exactly, and every k is a
 * parameter to fit. */
static void
test_equations (void)
{
  const char *files[] = { "toggle.csv", "enzyme.csv", "lorenz.csv" };

  for (gsize f = 0; f < G_N_ELEMENTS (files); f++)
    {
      g_autoptr(CurrentsDataset) ds = load_example (files[f]);
      g_autoptr(CurrentsModel) model = template_model (CURRENTS_MODEL_TEMPLATE_EQUATIONS, ds);
      CurrentsField *field = currents_model_get_field (model);
      g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
      gsize n = currents_model_get_n_states (model);
      g_autofree double *x = g_new (double, n);
      g_autofree double *dx = g_new (double, n);

      check_frame (model, ds);
      g_assert_cmpuint (currents_model_get_n_named_params (model), ==, n);
      g_assert_cmpuint (currents_model_get_n_learned (model), ==, 0);
      for (gsize i = 0; i < n; i++)
        x[i] = 0.3 + 1.7 * (double) i;
      currents_field_eval (ws, 0.0, x, currents_model_get_input_defaults (model),
                           currents_model_get_params (model), dx);
      for (gsize i = 0; i < n; i++)
        g_assert_cmpfloat (dx[i], ==, -x[i]);
    }
}

/* Hybrid: one learned production term per state, of every state and input, and a known
 * decay k_i x_i: f_i(x) + k_i x_i equals the learned term's network output. */
static void
test_hybrid (void)
{
  g_autoptr(CurrentsDataset) ds = load_example ("toggle.csv");
  g_autoptr(CurrentsModel) model = template_model (CURRENTS_MODEL_TEMPLATE_HYBRID, ds);
  CurrentsField *field = currents_model_get_field (model);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  const double x[] = { 1.2, 0.4 };
  const double k = 0.1;
  double dx[2], dx2[2];
  g_autofree double *p = g_memdup2 (currents_model_get_params (model),
                                    currents_model_get_n_params (model) * sizeof (double));

  check_frame (model, ds);
  g_assert_cmpuint (currents_model_get_n_learned (model), ==, 2);
  g_assert_cmpuint (currents_model_get_n_named_params (model), ==, 2);
  g_assert_cmpstr (currents_model_get_param_name (model, 0), ==, "k_u");
  g_assert_cmpfloat (p[0], ==, k);
  /* doubling k_u changes u' by exactly -k_u u and leaves v' alone */
  currents_field_eval (ws, 0.0, x, currents_model_get_input_defaults (model), p, dx);
  p[0] = 2 * k;
  currents_field_eval (ws, 0.0, x, currents_model_get_input_defaults (model), p, dx2);
  g_assert_cmpfloat_with_epsilon (dx2[0] - dx[0], -k * x[0], 1e-15);
  g_assert_cmpfloat (dx2[1], ==, dx[1]);
  /* the networks see the input: changing iptg changes the field */
  {
    double u = currents_model_get_input_defaults (model)[0] + 1.0;

    currents_field_eval (ws, 0.0, x, &u, p, dx2);
    g_assert_true (fabs (dx2[0] - dx[0]) > 1e-9 || fabs (dx2[1] - dx[1]) > 1e-9);
  }
}

/* Reactions: a chain of reversible conversions of the data's species, whose only
 * conservation law is the total. */
static void
test_reactions (void)
{
  g_autoptr(CurrentsDataset) ds = load_example ("enzyme.csv");
  g_autoptr(CurrentsModel) model = template_model (CURRENTS_MODEL_TEMPLATE_REACTIONS, ds);
  const CurrentsModelConserved *law;

  check_frame (model, ds);
  g_assert_cmpint (currents_model_get_family (model), ==, CURRENTS_MODEL_STOICHIOMETRIC);
  g_assert_cmpuint (currents_model_get_n_conserved (model), ==, 1);
  law = currents_model_get_conserved (model, 0);
  g_assert_true (law->exact);
  g_assert_cmpstr (law->expression, ==, "S + E + C + P");
}

/* Hamiltonian: coordinates before the bar, momenta after, a divergence-free field. */
static void
test_hamiltonian (void)
{
  g_autoptr(CurrentsDataset) ds = load_example ("oscillator.csv");
  g_autoptr(CurrentsModel) model = template_model (CURRENTS_MODEL_TEMPLATE_HAMILTONIAN, ds);
  CurrentsField *field = currents_model_get_field (model);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  const double x[] = { 0.7, -0.2 };
  double J[4];

  check_frame (model, ds);
  g_assert_cmpint (currents_model_get_family (model), ==, CURRENTS_MODEL_HAMILTONIAN);
  double f[2];

  currents_field_jacobian (ws, 0.0, x, NULL, currents_model_get_params (model), f, J, NULL);
  g_assert_cmpfloat (fabs (J[0] + J[3]), <=, 1e-14 * (fabs (J[0]) + fabs (J[3]) + 1e-300));
}

/* What a family cannot describe is refused, saying what to do. */
static void
test_refused (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsDataset) lorenz = load_example ("lorenz.csv");
  g_autoptr(CurrentsDataset) toggle = load_example ("toggle.csv");
  const char *bad_names[] = { "GFP (a.u.)", "y", NULL };
  g_autoptr(CurrentsDataset) bad = currents_dataset_new (bad_names, NULL);
  char *text;

  text = currents_model_template (CURRENTS_MODEL_TEMPLATE_HAMILTONIAN, lorenz, &error);
  g_assert_null (text);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "3 states"));
  g_clear_error (&error);

  text = currents_model_template (CURRENTS_MODEL_TEMPLATE_HAMILTONIAN, toggle, &error);
  g_assert_null (text);
  g_assert_nonnull (strstr (error->message, "no inputs"));
  g_clear_error (&error);

  text = currents_model_template (CURRENTS_MODEL_TEMPLATE_EQUATIONS, bad, &error);
  g_assert_null (text);
  g_assert_nonnull (strstr (error->message, "'GFP (a.u.)'"));
  g_clear_error (&error);
}

/* Without data: a two-state example of each family that parses. */
static void
test_no_data (void)
{
  for (int k = CURRENTS_MODEL_TEMPLATE_EQUATIONS; k <= CURRENTS_MODEL_TEMPLATE_HAMILTONIAN; k++)
    {
      g_autoptr(CurrentsModel) model = template_model ((CurrentsModelTemplate) k, NULL);
      CurrentsModelTemplate back;

      g_assert_cmpuint (currents_model_get_n_states (model), ==, 2);
      g_assert_true (currents_model_template_from_string (
        currents_model_template_to_string ((CurrentsModelTemplate) k), &back));
      g_assert_cmpint (back, ==, k);
    }
  g_assert_false (currents_model_template_from_string ("neural", NULL));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-template/equations", test_equations);
  g_test_add_func ("/model-template/hybrid", test_hybrid);
  g_test_add_func ("/model-template/reactions", test_reactions);
  g_test_add_func ("/model-template/hamiltonian", test_hamiltonian);
  g_test_add_func ("/model-template/refused", test_refused);
  g_test_add_func ("/model-template/no-data", test_no_data);
  return g_test_run ();
}
