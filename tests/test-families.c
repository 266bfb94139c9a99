/* test-families.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model families of issue 7 written in `.ode` files: `hamiltonian q | p` (a
 * Hamiltonian network), `reaction`/`rates`/`stoich file=` (a reaction network with learned
 * rates) and `conserve` (a penalty). The model's field equals the engine object's (with
 * the family's weights at their offset in p), its derivatives match finite differences,
 * the reaction laws hold along a long run, the learned energy stays bounded under the
 * Gauss method, the learner trains them and adds the penalties, a trained model survives
 * a save and load (even with the matrix's CSV deleted), and bad input is refused with its
 * line and column.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-engine.h"

static char *
example_path (const char *name)
{
  return g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples", name, NULL);
}

static CurrentsModel *
load_model (const char *name)
{
  g_autofree char *path = example_path (name);
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_file (path, &error);

  g_assert_no_error (error);
  return model;
}

static CurrentsModel *
model_from (const char *source)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (source, "test.ode", &error);

  g_assert_no_error (error);
  return model;
}

static CurrentsDataset *
load_data (const char *name)
{
  g_autofree char *path = example_path (name);
  CurrentsCsvOptions options = { 0 };
  g_autoptr(GError) error = NULL;
  CurrentsDataset *ds = currents_dataset_load (path, &options, &error);

  g_assert_no_error (error);
  return ds;
}

/* The model's field equals @engine's with p[offset ..] (to 1e-15, in fact bit for bit),
 * and its ∂f/∂x, ∂f/∂p match central differences (normwise ≤ 1e-6); returns the largest
 * relative difference of the Jacobians. */
static double
check_field (const CurrentsModel *model,
             CurrentsField       *engine,
             double               lo,
             double               hi,
             guint32              seed)
{
  CurrentsField *field = currents_model_get_field (model);
  gsize n = currents_model_get_n_states (model);
  gsize k = currents_model_get_n_params (model);
  gsize off = currents_model_get_family_offset (model);
  gsize ke = currents_field_get_n_params (engine);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  g_autoptr(CurrentsFieldWorkspace) ews = currents_field_workspace_new (engine);
  g_autoptr(GRand) rand = g_rand_new_with_seed (seed);
  g_autofree double *x = g_new (double, n);
  g_autofree double *p = g_memdup2 (currents_model_get_params (model), k * sizeof (double));
  g_autofree double *f = g_new (double, n);
  g_autofree double *fe = g_new (double, n);
  g_autofree double *fp = g_new (double, n);
  g_autofree double *fm = g_new (double, n);
  g_autofree double *jx = g_new (double, n * n);
  g_autofree double *jp = g_new (double, n * k);
  g_autofree double *w = g_new (double, n);
  g_autofree double *gx = g_new0 (double, n);
  g_autofree double *gp = g_new0 (double, k);
  double worst = 0.0;

  g_assert_cmpuint (off + ke, ==, k);
  for (gsize j = off; j < k; j++)
    p[j] += g_rand_double_range (rand, -0.1, 0.1);
  for (int trial = 0; trial < 5; trial++)
    {
      double ex = 0.0, nx = 0.0, ep = 0.0, np = 0.0;

      for (gsize i = 0; i < n; i++)
        {
          x[i] = g_rand_double_range (rand, lo, hi);
          w[i] = g_rand_double_range (rand, -1.0, 1.0);
        }
      currents_field_eval (ws, 0.0, x, NULL, p, f);
      currents_field_eval (ews, 0.0, x, NULL, p + off, fe);
      for (gsize i = 0; i < n; i++)
        g_assert_cmpfloat (fabs (f[i] - fe[i]), <=, 1e-15 * MAX (1.0, fabs (fe[i])));
      currents_field_jacobian (ws, 0.0, x, NULL, p, NULL, jx, jp);
      for (gsize j = 0; j < n; j++)
        {
          double h = 1e-6 * MAX (1.0, fabs (x[j])), keep = x[j];
          x[j] = keep + h;
          currents_field_eval (ws, 0.0, x, NULL, p, fp);
          x[j] = keep - h;
          currents_field_eval (ws, 0.0, x, NULL, p, fm);
          x[j] = keep;
          for (gsize i = 0; i < n; i++)
            {
              double fd = (fp[i] - fm[i]) / (2 * h);
              ex += (jx[i * n + j] - fd) * (jx[i * n + j] - fd);
              nx += fd * fd;
            }
        }
      for (gsize j = 0; j < k; j++)
        {
          double h = 1e-6 * MAX (1.0, fabs (p[j])), keep = p[j];
          p[j] = keep + h;
          currents_field_eval (ws, 0.0, x, NULL, p, fp);
          p[j] = keep - h;
          currents_field_eval (ws, 0.0, x, NULL, p, fm);
          p[j] = keep;
          for (gsize i = 0; i < n; i++)
            {
              double fd = (fp[i] - fm[i]) / (2 * h);
              ep += (jp[i * k + j] - fd) * (jp[i * k + j] - fd);
              np += fd * fd;
              if (j < off)
                g_assert_cmpfloat (jp[i * k + j], ==, 0.0);
            }
        }
      g_assert_cmpfloat (sqrt (ex), <=, 1e-6 * MAX (1.0, sqrt (nx)));
      g_assert_cmpfloat (sqrt (ep), <=, 1e-6 * MAX (1.0, sqrt (np)));
      worst = MAX (worst, MAX (sqrt (ex / MAX (nx, 1e-300)), sqrt (ep / MAX (np, 1e-300))));

      /* the VJP is wᵀJ, accumulated at the family's offset */
      memset (gx, 0, n * sizeof (double));
      memset (gp, 0, k * sizeof (double));
      currents_field_vjp (ws, 0.0, x, NULL, p, w, NULL, gx, gp);
      for (gsize j = 0; j < n; j++)
        {
          double s = 0.0;
          for (gsize i = 0; i < n; i++)
            s += w[i] * jx[i * n + j];
          g_assert_cmpfloat (fabs (gx[j] - s), <=, 1e-12 * MAX (1.0, fabs (s)));
        }
      for (gsize j = 0; j < k; j++)
        {
          double s = 0.0;
          for (gsize i = 0; i < n; i++)
            s += w[i] * jp[i * k + j];
          g_assert_cmpfloat (fabs (gp[j] - s), <=, 1e-12 * MAX (1.0, fabs (s)));
        }
    }
  return worst;
}

static void
test_hamiltonian (void)
{
  g_autoptr(CurrentsModel) model =
    model_from ("# two degrees of freedom\n"
                "par a=2.385\n"
                "hamiltonian q1 q2 | p1 p2  hidden=8,6 activation=softplus seed=7\n"
                "aux r2 = q1^2 + p1^2 + a\n"
                "init q1=0.5, p2=-0.25\n");
  const CurrentsHamiltonianModel *ham = currents_model_get_hamiltonian (model);
  const CurrentsHamiltonianSpec *spec;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autoptr(CurrentsFieldWorkspace) hws = NULL;
  double x[4] = { 0.3, -0.7, 1.1, 0.2 }, aux;
  const double *p = currents_model_get_params (model);
  gsize off;

  g_assert_cmpint (currents_model_get_family (model), ==, CURRENTS_MODEL_HAMILTONIAN);
  g_assert_cmpstr (currents_model_family_to_string (CURRENTS_MODEL_HAMILTONIAN), ==,
                   "hamiltonian");
  g_assert_nonnull (ham);
  g_assert_null (currents_model_get_stoich (model));
  spec = currents_hamiltonian_model_get_spec (ham);
  g_assert_cmpint (spec->kind, ==, CURRENTS_HAMILTONIAN_CONSERVATIVE);
  g_assert_cmpuint (spec->n_hidden, ==, 2);
  g_assert_cmpuint (spec->hidden[0], ==, 8);
  g_assert_cmpuint (spec->hidden[1], ==, 6);
  g_assert_cmpint (spec->activation, ==, CURRENTS_ACTIVATION_SOFTPLUS);
  g_assert_cmpuint (currents_model_get_n_states (model), ==, 4);
  g_assert_cmpstr (currents_model_get_state_name (model, 0), ==, "q1");
  g_assert_cmpstr (currents_model_get_state_name (model, 2), ==, "p1");
  g_assert_cmpfloat (currents_model_get_initial (model)[0], ==, 0.5);
  g_assert_cmpfloat (currents_model_get_initial (model)[3], ==, -0.25);
  g_assert_cmpuint (currents_model_get_n_named_params (model), ==, 1);
  off = currents_model_get_hamiltonian_offset (model);
  g_assert_cmpuint (off, ==, 1);
  /* 4-8-6-1 */
  g_assert_cmpuint (currents_model_get_n_params (model), ==, 1 + 5 * 8 + 9 * 6 + 7);
  g_assert_cmpmem (p + off, currents_hamiltonian_model_get_n_params (ham) * sizeof (double),
                   currents_hamiltonian_model_get_initial_params (ham),
                   currents_hamiltonian_model_get_n_params (ham) * sizeof (double));
  g_assert_cmpstr (currents_model_get_param_name (model, off), ==, "H#0");
  g_assert_cmpuint (currents_model_get_n_conserved (model), ==, 0);

  check_field (model, currents_hamiltonian_model_get_field (ham), -1.5, 1.5, 11);

  /* the energy with the model's p; aux quantities of the states */
  ws = currents_field_workspace_new (currents_model_get_field (model));
  hws = currents_field_workspace_new (currents_hamiltonian_model_get_field (ham));
  g_assert_cmpfloat (currents_model_eval_energy (model, x, p), ==,
                     currents_hamiltonian_energy (ham, hws, x, p + off, NULL));
  currents_model_eval_aux (model, ws, 0.0, x, NULL, p, &aux);
  g_assert_cmpfloat_with_epsilon (aux, 0.09 + 1.21 + 2.385, 1e-15);

  /* the dissipative variant */
  {
    g_autoptr(CurrentsModel) damped =
      model_from ("hamiltonian x | v hidden=5 seed=2 damping=0.15\n");
    const CurrentsHamiltonianModel *dh = currents_model_get_hamiltonian (damped);

    spec = currents_hamiltonian_model_get_spec (dh);
    g_assert_cmpint (spec->kind, ==, CURRENTS_HAMILTONIAN_DISSIPATIVE);
    g_assert_cmpfloat (spec->damping_init, ==, 0.15);
    g_assert_cmpuint (currents_model_get_n_params (damped), ==, 3 * 5 + 6 + 1);
    g_assert_cmpfloat (currents_model_get_params (damped)[21], ==, 0.15);
    check_field (damped, currents_hamiltonian_model_get_field (dh), -2.0, 2.0, 12);
  }
  /* center= and scale= */
  {
    g_autoptr(CurrentsModel) scaled =
      model_from ("hamiltonian x | v hidden=5 center=1,-0.5 scale=2,0.25\n");
    CurrentsHamiltonianScaling sc =
      currents_hamiltonian_model_get_scaling (currents_model_get_hamiltonian (scaled));

    g_assert_cmpfloat (sc.x_mean[0], ==, 1.0);
    g_assert_cmpfloat (sc.x_mean[1], ==, -0.5);
    g_assert_cmpfloat (sc.x_scale[1], ==, 0.25);
  }
}

static const char *
law_text (const CurrentsModel *model,
          gsize                i)
{
  const CurrentsModelConserved *c = currents_model_get_conserved (model, i);

  g_assert_true (c->exact);
  return c->expression;
}

static void
test_reactions (void)
{
  g_autoptr(CurrentsModel) model = load_model ("enzyme-reactions.ode");
  const CurrentsStoichModel *st = currents_model_get_stoich (model);
  const CurrentsStoichMatrix *mx;
  static const double expected[4 * 3] = {
    -1, 1, 0,    /* S */
    -1, 1, 1,    /* E */
     1, -1, -1,  /* C */
     0, 0, 1,    /* P */
  };
  gboolean found_e = FALSE, found_s = FALSE;
  double x[4] = { 6.2, 0.7, 0.3, 1.9 };

  g_assert_cmpint (currents_model_get_family (model), ==, CURRENTS_MODEL_STOICHIOMETRIC);
  g_assert_cmpstr (currents_model_family_to_string (currents_model_get_family (model)), ==,
                   "stoichiometric");
  g_assert_nonnull (st);
  g_assert_null (currents_model_get_hamiltonian (model));
  g_assert_cmpuint (currents_model_get_n_states (model), ==, 4);
  g_assert_cmpstr (currents_model_get_state_name (model, 0), ==, "S");
  g_assert_cmpstr (currents_model_get_state_name (model, 1), ==, "E");
  g_assert_cmpstr (currents_model_get_state_name (model, 2), ==, "C");
  g_assert_cmpstr (currents_model_get_state_name (model, 3), ==, "P");
  mx = currents_stoich_model_get_matrix (st);
  g_assert_cmpmem (currents_stoich_matrix_get_values (mx), sizeof expected, expected,
                   sizeof expected);
  g_assert_cmpstr (currents_stoich_matrix_get_reactions (mx)[2], ==, "cat");
  for (gsize j = 0; j < 3; j++)
    g_assert_cmpint (currents_stoich_model_get_flags (st, j), ==,
                     CURRENTS_REACTION_IRREVERSIBLE | CURRENTS_REACTION_MASS_ACTION);
  g_assert_cmpfloat (currents_model_get_initial (model)[0], ==, 10.0);
  g_assert_cmpuint (currents_model_get_n_named_params (model), ==, 0);

  /* the laws: E + C and S + C + P */
  g_assert_cmpuint (currents_model_get_n_conserved (model), ==, 2);
  for (gsize i = 0; i < 2; i++)
    {
      const char *text = law_text (model, i);
      double v = currents_model_eval_conserved (model, i, x);

      g_assert_cmpstr (currents_model_get_conserved (model, i)->name, ==,
                       i == 0 ? "law 1" : "law 2");
      if (strcmp (text, "E + C") == 0)
        {
          found_e = TRUE;
          g_assert_cmpfloat_with_epsilon (v, 1.0, 1e-15);
        }
      else if (strcmp (text, "S + C + P") == 0)
        {
          found_s = TRUE;
          g_assert_cmpfloat_with_epsilon (v, 8.4, 1e-14);
        }
    }
  g_assert_true (found_e && found_s);
  g_assert_cmpfloat (currents_model_eval_energy (model, x, currents_model_get_params (model)),
                     !=, currents_model_eval_energy (model, x, currents_model_get_params (model)));

  check_field (model, currents_stoich_model_get_field (st), 0.1, 5.0, 21);

  /* coefficients, reversible reactions, `0`, unnamed reactions, `species` and inputs */
  {
    g_autoptr(CurrentsModel) m2 =
      model_from ("input light=0.5\n"
                  "species C, A, B=2\n"
                  "reaction 2 A + B <-> C\n"
                  "reaction deg: C -> 0 mass\n"
                  "reaction 0 -> 1.5 A\n"
                  "rates hidden=4 activation=softplus seed=3\n"
                  "conserve Q = A + 2*C weight=0.25\n");
    const CurrentsStoichModel *s2 = currents_model_get_stoich (m2);
    const CurrentsStoichMatrix *x2 = currents_stoich_model_get_matrix (s2);
    static const double e2[3 * 3] = { 1, -1, 0,   -2, 0, 1.5,   -1, 0, 0 };
    const CurrentsModelConserved *c;

    g_assert_cmpstr (currents_model_get_state_name (m2, 0), ==, "C");
    g_assert_cmpfloat (currents_model_get_initial (m2)[2], ==, 2.0);
    g_assert_cmpmem (currents_stoich_matrix_get_values (x2), sizeof e2, e2, sizeof e2);
    g_assert_cmpstr (currents_stoich_matrix_get_reactions (x2)[0], ==, "R1");
    g_assert_cmpint (currents_stoich_model_get_flags (s2, 0), ==, CURRENTS_REACTION_REVERSIBLE);
    g_assert_cmpint (currents_stoich_model_get_flags (s2, 1), ==,
                     CURRENTS_REACTION_IRREVERSIBLE | CURRENTS_REACTION_MASS_ACTION);
    g_assert_cmpuint (currents_stoich_model_get_n_inputs (s2), ==, 1);
    g_assert_cmpuint (currents_field_get_n_inputs (currents_model_get_field (m2)), ==, 1);
    /* no law: the source breaks them all; the penalty is listed */
    g_assert_cmpuint (currents_model_get_n_conserved (m2), ==, 1);
    c = currents_model_get_conserved (m2, 0);
    g_assert_cmpstr (c->name, ==, "Q");
    g_assert_cmpstr (c->expression, ==, "A + 2*C");
    g_assert_false (c->exact);
    g_assert_cmpfloat (c->weight, ==, 0.25);
    {
      double y[3] = { 0.5, 1.25, 3.0 };
      g_assert_cmpfloat (currents_model_eval_conserved (m2, 0, y), ==, 2.25);
    }
  }
}

/* Along t = 1000 of rk8pd the laws hold to 1e-12 relative. */
static void
test_laws_long_run (void)
{
  g_autoptr(CurrentsModel) model = load_model ("enzyme-reactions.ode");
  CurrentsField *field = currents_model_get_field (model);
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (5);
  g_autofree double *p = g_memdup2 (currents_model_get_params (model),
                                    currents_model_get_n_params (model) * sizeof (double));
  CurrentsSimOptions options;
  double times[201], out[201 * 4], worst = 0.0;
  const double *x0 = currents_model_get_initial (model);
  gsize reached;

  /* random weights, larger than the initial ones, for fast rates */
  for (gsize j = currents_model_get_family_offset (model); j < currents_model_get_n_params (model); j++)
    p[j] += g_rand_double_range (rand, -0.5, 0.5);
  currents_sim_options_init (&options);
  options.method = CURRENTS_METHOD_RK8PD;
  options.rtol = 1e-10;
  options.atol = 1e-12;
  options.bound = 1e6;
  sim = currents_simulator_new (field, &options);
  for (int i = 0; i <= 200; i++)
    times[i] = 5.0 * i;
  g_assert_true (currents_simulator_run (sim, x0, p, NULL, 0.0, times, 201, out, &reached,
                                         NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (reached, ==, 201);
  for (gsize law = 0; law < 2; law++)
    {
      double q0 = currents_model_eval_conserved (model, law, x0);
      for (int i = 0; i <= 200; i++)
        {
          double rel = fabs (currents_model_eval_conserved (model, law, out + 4 * i) - q0) /
                       fabs (q0);
          worst = MAX (worst, rel);
        }
    }
  g_test_message ("largest relative change of a law over t = 1000: %.3g", worst);
  g_assert_cmpfloat (worst, <=, 1e-12);
  /* the substrate is used up: the dynamics did something */
  g_assert_cmpfloat (out[200 * 4 + 0], <, 0.5 * x0[0]);
}

/* The Gauss method keeps the learned energy's error bounded: the worst error in the last
 * 10 % of a long run is at most twice the worst in the first 10 %. */
static void
test_energy_gauss4 (void)
{
  g_autoptr(CurrentsModel) model = load_model ("oscillator-hnn.ode");
  const CurrentsHamiltonianModel *ham = currents_model_get_hamiltonian (model);
  g_autoptr(CurrentsSymplectic) sym = NULL;
  g_autoptr(CurrentsFieldWorkspace) hws = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (17);
  gsize k = currents_model_get_n_params (model), off = currents_model_get_family_offset (model);
  g_autofree double *p = g_memdup2 (currents_model_get_params (model), k * sizeof (double));
  const gsize n_steps = 20000;
  g_autofree double *out = g_new (double, 2 * (n_steps + 1));
  double x[2] = { 0.5, 0.8 }, h0, first = 0.0, last = 0.0;

  for (gsize j = off; j < k; j++)
    p[j] += g_rand_double_range (rand, -1.0, 1.0);
  hws = currents_field_workspace_new (currents_hamiltonian_model_get_field (ham));
  h0 = currents_hamiltonian_energy (ham, hws, x, p + off, NULL);
  sym = currents_symplectic_new (currents_model_get_field (model), CURRENTS_SYMPLECTIC_GAUSS4);
  g_assert_true (currents_symplectic_evolve (sym, 0.0, 0.05, n_steps, NULL, p, x, out, NULL,
                                             &error));
  g_assert_no_error (error);
  for (gsize s = 0; s <= n_steps; s++)
    {
      double e = fabs (currents_hamiltonian_energy (ham, hws, out + 2 * s, p + off, NULL) - h0);
      if (s <= n_steps / 10)
        first = MAX (first, e);
      if (s >= n_steps - n_steps / 10)
        last = MAX (last, e);
    }
  g_test_message ("energy error: first 10%% %.3g, last 10%% %.3g (H0 = %.6g)", first, last, h0);
  g_assert_cmpfloat (first, >, 0.0);
  g_assert_cmpfloat (last, <=, 2.0 * first);
  g_assert_cmpfloat (last, <=, 1e-5 * MAX (1.0, fabs (h0)));
}

/* The dissipative network's learned energy never increases along a trajectory. */
static void
test_dissipative (void)
{
  g_autoptr(CurrentsModel) model = load_model ("pendulum-dissipative.ode");
  const CurrentsHamiltonianModel *ham = currents_model_get_hamiltonian (model);
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (9);
  gsize k = currents_model_get_n_params (model), off = currents_model_get_family_offset (model);
  g_autofree double *p = g_memdup2 (currents_model_get_params (model), k * sizeof (double));
  CurrentsSimOptions options;
  double times[401], out[401 * 2], rise = 0.0, h_first, h_last;
  const double x0[2] = { 2.5, 1.0 };

  g_assert_cmpint (currents_hamiltonian_model_get_spec (ham)->kind, ==,
                   CURRENTS_HAMILTONIAN_DISSIPATIVE);
  for (gsize j = off; j < k; j++)
    p[j] += g_rand_double_range (rand, -0.5, 0.5);
  currents_sim_options_init (&options);
  options.rtol = 1e-11;
  options.atol = 1e-12;
  options.bound = 1e6;
  sim = currents_simulator_new (currents_model_get_field (model), &options);
  for (int i = 0; i <= 400; i++)
    times[i] = 0.1 * i;
  g_assert_true (currents_simulator_run (sim, x0, p, NULL, 0.0, times, 401, out, NULL, NULL,
                                         &error));
  g_assert_no_error (error);
  h_first = currents_model_eval_energy (model, out, p);
  for (int i = 1; i <= 400; i++)
    rise = MAX (rise, currents_model_eval_energy (model, out + 2 * i, p) -
                      currents_model_eval_energy (model, out + 2 * (i - 1), p));
  h_last = currents_model_eval_energy (model, out + 800, p);
  g_test_message ("H from %.6g to %.6g, largest rise between samples %.3g", h_first, h_last,
                  rise);
  g_assert_cmpfloat (h_last, <, h_first);
  g_assert_cmpfloat (rise, <=, 1e-9 * MAX (1.0, fabs (h_first)));
}

static void
expect_error (const char *source,
              const char *where,
              const char *what)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = currents_model_new_from_string (source, "bad.ode", &error);

  g_assert_null (model);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  if (!g_str_has_prefix (error->message, where) || strstr (error->message, what) == NULL)
    g_error ("expected '%s…%s', got '%s'", where, what, error->message);
}

static void
test_errors (void)
{
  g_autofree char *dir = g_dir_make_tmp ("currents-families-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "net.csv", NULL);
  g_autofree char *ode = g_build_filename (dir, "net.ode", NULL);
  g_autofree char *where = g_strdup_printf ("%s:2:1:", ode);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = NULL;

  expect_error ("par a=1\nhamiltonian q1 q2 | p1\n", "bad.ode:2:19:", "2 coordinates");
  expect_error ("hamiltonian q1 q2 | p1\n", "bad.ode:1:", "1 momentum");
  expect_error ("hamiltonian q | p\nq' = p\n", "bad.ode:2:1:",
                "q's equation comes from the Hamiltonian");
  expect_error ("hamiltonian q | p\nz' = p\n", "bad.ode:2:1:", "'z' has an equation");
  expect_error ("hamiltonian q | p hidden=4 activation=relu\n", "bad.ode:1:", "tanh");
  expect_error ("hamiltonian q | p activation=silu\n", "bad.ode:1:", "softplus");
  expect_error ("hamiltonian q p\n", "bad.ode:1:", "'|'");
  expect_error ("hamiltonian q | p damping=-1\n", "bad.ode:1:", "damping");
  expect_error ("hamiltonian q | p scale=1\n", "bad.ode:1:", "one value per state");
  expect_error ("hamiltonian q | p\ninput u=1\n", "bad.ode:2:7:", "no inputs");
  expect_error ("hamiltonian q | p\nreaction q -> p\n", "bad.ode:2:", "not both");
  expect_error ("reaction bind: S + E -> C\nconserve Q = E + Z\n", "bad.ode:2:18:",
                "'Z' in the conserved quantity Q is not a state");
  expect_error ("learn f(x) hidden=3\nx' = f(x)\nconserve Q = x + y weight=2\n",
                "bad.ode:3:18:", "'y'");
  expect_error ("reaction bind: S + E -> C\nS' = -S\n", "bad.ode:2:1:",
                "S's equation comes from the reactions");
  expect_error ("reaction R: A = B\n", "bad.ode:1:15:", "'->'");
  expect_error ("reaction R: -> \n", "bad.ode:1:", "neither reactants nor products");
  expect_error ("reaction R: A -> A\n", "bad.ode:1:10:", "changes nothing");
  expect_error ("species A, B\nreaction R: A -> Z\n", "bad.ode:2:18:", "unknown species 'Z'");
  expect_error ("reaction R: A -> B\nreaction R: B -> A\n", "bad.ode:2:10:", "second reaction");
  expect_error ("rates hidden=4\n", "bad.ode:1:", "without reactions");
  expect_error ("reaction R: A -> B\nreaction S: B -> A foo\n", "bad.ode:2:", "'foo'");
  expect_error ("reaction R: A -> B\nstoich file=x.csv\n", "bad.ode:1:", "not both");

  /* stoich file=: missing, shapes that do not match the species, unknown reactions */
  g_assert_true (g_file_set_contents (ode, "# net\nstoich file=missing.csv\n", -1, NULL));
  model = currents_model_new_from_file (ode, &error);
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_assert_nonnull (strstr (error->message, "missing.csv"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (csv, "species,R1,R2\nA,-1,1\nB,1,-1\n", -1, NULL));
  g_assert_true (g_file_set_contents (ode, "species A, B, C\nstoich file=net.csv\n", -1, NULL));
  model = currents_model_new_from_file (ode, &error);
  g_assert_null (model);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_assert_nonnull (strstr (error->message, "C"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (ode, "#\nstoich file=net.csv irreversible=R3\n", -1, NULL));
  model = currents_model_new_from_file (ode, &error);
  g_assert_null (model);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_assert_nonnull (strstr (error->message, "'R3'"));
  g_clear_error (&error);

  g_assert_true (g_file_set_contents (csv, "species,R1,R2\nA,-1,1,3\nB,1,-1\n", -1, NULL));
  g_assert_true (g_file_set_contents (ode, "#\nstoich file=net.csv\n", -1, NULL));
  model = currents_model_new_from_file (ode, &error);
  g_assert_null (model);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, where));
  g_clear_error (&error);

  g_unlink (csv);
  g_unlink (ode);
  g_rmdir (dir);
}

/* A few epochs of training; returns the trained model of the best parameters. */
static CurrentsTrainedModel *
train_briefly (CurrentsModel   *model,
               CurrentsDataset *ds,
               double          *first,
               double          *best)
{
  g_autoptr(CurrentsLearner) l = NULL;
  g_autoptr(CurrentsTrainer) trainer = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsTrainOptions options;
  CurrentsTrainProgress pr;
  int epochs = 0;

  l = currents_learner_new_model (model, FALSE, &error);
  g_assert_no_error (error);
  currents_train_options_init (&options);
  options.epochs = 3;
  options.loss.n_threads = 1;
  trainer = currents_learner_new_trainer (l, ds, &options, &error);
  g_assert_no_error (error);
  *first = NAN;
  while (!currents_trainer_test (trainer))
    {
      g_assert_true (currents_trainer_iterate (trainer, &pr, NULL, &error));
      g_assert_no_error (error);
      if (isnan (*first))
        *first = pr.best_loss;
      *best = pr.best_loss;
      epochs++;
    }
  g_assert_cmpint (epochs, >=, 3);
  g_assert_true (isfinite (*best));
  return currents_learner_new_trained_model (l, currents_trainer_get_best_params (trainer), ds,
                                             trainer);
}

/* The trained model's field, after save and load, gives bit-identical values. */
static void
check_round_trip (CurrentsTrainedModel *tm,
                  const char           *path,
                  double                lo,
                  double                hi)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) back = NULL;
  CurrentsField *a = currents_trained_model_get_field (tm), *b;
  gsize n = currents_field_get_n_states (a), k = currents_field_get_n_params (a);
  g_autoptr(CurrentsFieldWorkspace) wa = currents_field_workspace_new (a);
  g_autoptr(CurrentsFieldWorkspace) wb = NULL;
  g_autoptr(GRand) rand = g_rand_new_with_seed (3);

  if (path != NULL)
    {
      g_assert_true (currents_trained_model_save (tm, path, &error));
      g_assert_no_error (error);
      back = currents_trained_model_load (path, &error);
    }
  else
    {
      g_autofree char *data = currents_trained_model_to_data (tm);
      back = currents_trained_model_load_from_data (data, -1, "x.json", &error);
    }
  g_assert_no_error (error);
  b = currents_trained_model_get_field (back);
  g_assert_cmpuint (currents_field_get_n_params (b), ==, k);
  g_assert_cmpmem (currents_trained_model_get_params (back), k * sizeof (double),
                   currents_trained_model_get_params (tm), k * sizeof (double));
  g_assert_cmpint (currents_model_get_family (currents_trained_model_get_ode (back)), ==,
                   currents_model_get_family (currents_trained_model_get_ode (tm)));
  wb = currents_field_workspace_new (b);
  for (int trial = 0; trial < 10; trial++)
    {
      double x[8], fa[8], fb[8];
      for (gsize i = 0; i < n; i++)
        x[i] = g_rand_double_range (rand, lo, hi);
      currents_field_eval (wa, 0.0, x, NULL, currents_trained_model_get_params (tm), fa);
      currents_field_eval (wb, 0.0, x, NULL, currents_trained_model_get_params (back), fb);
      g_assert_cmpmem (fa, n * sizeof (double), fb, n * sizeof (double));
    }
}

static void
test_train (void)
{
  static const struct { const char *model, *data; double lo, hi; } cases[] = {
    { "oscillator-hnn.ode", "oscillator.csv", -1.5, 1.5 },
    { "enzyme-reactions.ode", "enzyme.csv", 0.1, 8.0 },
    { "enzyme-conserve.ode", "enzyme.csv", 0.1, 8.0 },
    { "pendulum-dissipative.ode", "pendulum.csv", -3.0, 3.0 },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      g_autoptr(CurrentsDataset) ds = load_data (cases[c].data);
      g_autoptr(CurrentsTrainedModel) tm = NULL;
      double first, best;

      tm = train_briefly (load_model (cases[c].model), ds, &first, &best);
      g_test_message ("%s: loss %.6g after the first epoch, best %.6g", cases[c].model, first,
                      best);
      g_assert_cmpfloat (best, <=, first);
      check_round_trip (tm, NULL, cases[c].lo, cases[c].hi);
    }
}

/* `stoich file=` is expanded into reactions: the model equals the one written with
 * `reaction` lines, and its trained model loads after the CSV is gone. */
static void
test_stoich_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("currents-families-XXXXXX", NULL);
  g_autofree char *csv = g_build_filename (dir, "net.csv", NULL);
  g_autofree char *ode = g_build_filename (dir, "net.ode", NULL);
  g_autofree char *json = g_build_filename (dir, "trained.json", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) from_csv = NULL;
  g_autoptr(CurrentsModel) written = NULL;
  g_autoptr(CurrentsDataset) ds = load_data ("enzyme.csv");
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  double first, best;

  g_assert_true (g_file_set_contents (csv,
                                      "# the enzyme's network\n"
                                      "species,bind,unbind,cat\n"
                                      "S,-1,1,\n"
                                      "E,-1,1,1\n"
                                      "C,1,-1,-1\n"
                                      "P,0,0,1\n", -1, NULL));
  g_assert_true (g_file_set_contents (ode,
                                      "# enzyme from a matrix\n"
                                      "stoich file=net.csv irreversible=bind,unbind,cat \\\n"
                                      "  mass=bind,unbind,cat hidden=16 seed=1\n"
                                      "aux Etot = E + C\n"
                                      "init S=10, E=1\n", -1, NULL));
  from_csv = currents_model_new_from_file (ode, &error);
  g_assert_no_error (error);
  g_test_message ("%s", currents_model_get_source (from_csv));
  g_assert_null (strstr (currents_model_get_source (from_csv), "\nstoich"));
  g_assert_nonnull (strstr (currents_model_get_source (from_csv),
                            "reaction bind: S + E -> C mass\n"));
  g_assert_nonnull (strstr (currents_model_get_source (from_csv), "species S, E, C, P\n"));
  g_assert_nonnull (strstr (currents_model_get_source (from_csv), "\naux Etot = E + C\n"));
  written = load_model ("enzyme-reactions.ode");
  g_assert_cmpuint (currents_model_get_n_params (from_csv), ==,
                    currents_model_get_n_params (written));
  g_assert_cmpmem (currents_model_get_params (from_csv),
                   currents_model_get_n_params (written) * sizeof (double),
                   currents_model_get_params (written),
                   currents_model_get_n_params (written) * sizeof (double));
  g_assert_cmpmem (currents_stoich_matrix_get_values (currents_stoich_model_get_matrix (
                     currents_model_get_stoich (from_csv))), 12 * sizeof (double),
                   currents_stoich_matrix_get_values (currents_stoich_model_get_matrix (
                     currents_model_get_stoich (written))), 12 * sizeof (double));
  g_assert_cmpuint (currents_model_get_n_conserved (from_csv), ==, 2);

  /* the user's lines keep their numbers in messages; the reactions go before `done` */
  {
    g_autoptr(CurrentsModel) bad = NULL;
    g_autoptr(CurrentsModel) done = NULL;
    g_autofree char *where = g_strdup_printf ("%s:4:11:", ode);

    g_assert_true (g_file_set_contents (ode, "#\nstoich file=net.csv \\\n  hidden=4\n"
                                        "aux bad = Z\n", -1, NULL));
    bad = currents_model_new_from_file (ode, &error);
    g_assert_null (bad);
    g_test_message ("%s", error->message);
    g_assert_true (g_str_has_prefix (error->message, where));
    g_clear_error (&error);
    g_assert_true (g_file_set_contents (ode, "stoich file=net.csv\ninit S=2\ndone\n"
                                        "ignored text\n", -1, NULL));
    done = currents_model_new_from_file (ode, &error);
    g_assert_no_error (error);
    g_assert_cmpuint (currents_model_get_n_states (done), ==, 4);
    g_assert_cmpfloat (currents_model_get_initial (done)[0], ==, 2.0);
    g_assert_true (g_str_has_suffix (currents_model_get_source (done), "\ndone\nignored text\n"));
  }

  tm = train_briefly (g_steal_pointer (&from_csv), ds, &first, &best);
  g_assert_true (currents_trained_model_save (tm, json, &error));
  g_assert_no_error (error);
  /* without the CSV (and the model file) */
  g_assert_cmpint (g_unlink (csv), ==, 0);
  g_assert_cmpint (g_unlink (ode), ==, 0);
  check_round_trip (tm, json, 0.1, 8.0);
  g_unlink (json);
  g_rmdir (dir);
}

/* The learner adds the `conserve` statements: the loss with weight λ exceeds the loss
 * with λ = 0 by exactly the penalty of a loss made by hand with
 * currents_loss_add_conservation(). */
static void
test_conserve_penalty (void)
{
  g_autofree char *path = example_path ("enzyme-conserve.ode");
  g_autofree char *source = NULL;
  g_autofree char *zero = NULL;
  g_autoptr(CurrentsDataset) ds = load_data ("enzyme.csv");
  g_autoptr(CurrentsLearner) with = NULL;
  g_autoptr(CurrentsLearner) without = NULL;
  g_autoptr(CurrentsLoss) lw = NULL;
  g_autoptr(CurrentsLoss) l0 = NULL;
  g_autoptr(CurrentsLoss) hand = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsLossOptions options;
  CurrentsLossResult rw, r0, rh;
  gsize traj[64], n_traj;
  double weight;

  g_assert_true (g_file_get_contents (path, &source, NULL, NULL));
  {
    g_auto(GStrv) parts = g_strsplit (source, "weight=1", -1);
    g_autofree char *heavy = g_strjoinv ("weight=2.385", parts);

    zero = g_strjoinv ("weight=0", parts);
    with = currents_learner_new_model (model_from (heavy), FALSE, &error);
    g_assert_no_error (error);
  }
  without = currents_learner_new_model (model_from (zero), FALSE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_learner_get_n_conservations (with), ==, 2);
  g_assert_cmpstr (currents_learner_get_conservation (with, 1, &weight), ==, "S + C + P");
  g_assert_cmpfloat (weight, ==, 2.385);

  currents_loss_options_init (&options);
  options.n_threads = 1;
  lw = currents_learner_new_loss (with, ds, &options, &error);
  g_assert_no_error (error);
  l0 = currents_learner_new_loss (without, ds, &options, &error);
  g_assert_no_error (error);
  {
    const CurrentsModel *m = currents_learner_get_model (with);
    hand = currents_loss_new (currents_model_get_field (m), currents_model_get_state_names (m),
                              NULL, NULL, currents_model_get_initial (m), ds, &options, &error);
    g_assert_no_error (error);
    g_assert_true (currents_loss_add_conservation (hand, "E + C", 2.385, &error));
    g_assert_true (currents_loss_add_conservation (hand, "S + C + P", 2.385, &error));
  }
  n_traj = MIN (currents_loss_get_n_trajectories (hand), G_N_ELEMENTS (traj));
  for (gsize r = 0; r < n_traj; r++)
    traj[r] = r;
  g_assert_true (currents_loss_eval (lw, currents_learner_get_initial_params (with), traj,
                                     n_traj, NULL, NULL, &rw, NULL, &error));
  g_assert_true (currents_loss_eval (l0, currents_learner_get_initial_params (without), traj,
                                     n_traj, NULL, NULL, &r0, NULL, &error));
  g_assert_true (currents_loss_eval (hand, currents_learner_get_initial_params (with), traj,
                                     n_traj, NULL, NULL, &rh, NULL, &error));
  g_assert_no_error (error);
  g_test_message ("J(λ = 2.385) = %.17g, J(0) = %.17g, penalty by hand %.17g", rw.objective,
                  r0.objective, rh.penalty);
  g_assert_cmpfloat (r0.penalty, ==, 0.0);
  g_assert_cmpfloat (rh.penalty, >, 0.0);
  g_assert_cmpfloat (fabs ((rw.objective - r0.objective) - rh.penalty), <=,
                     1e-12 * MAX (1.0, rw.objective));
  g_assert_cmpfloat (fabs (rw.objective - rh.objective), <=, 1e-12 * MAX (1.0, rw.objective));
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/families/hamiltonian", test_hamiltonian);
  g_test_add_func ("/engine/families/reactions", test_reactions);
  g_test_add_func ("/engine/families/reactions/laws-long-run", test_laws_long_run);
  g_test_add_func ("/engine/families/hamiltonian/energy-gauss4", test_energy_gauss4);
  g_test_add_func ("/engine/families/hamiltonian/dissipative", test_dissipative);
  g_test_add_func ("/engine/families/errors", test_errors);
  g_test_add_func ("/engine/families/train", test_train);
  g_test_add_func ("/engine/families/stoich-file", test_stoich_file);
  g_test_add_func ("/engine/families/conserve-penalty", test_conserve_penalty);
  return g_test_run ();
}
