/* test-hamiltonian.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hamiltonian networks, f = (J − R)∇H with H = κ H̃_θ((x − m) ⊘ σ), and the Gauss–Legendre
 * integrators:
 *  - ∇H, ∂f/∂x, ∂f/∂θ and both VJPs against central finite differences (normwise);
 *  - structure: tr(∂f/∂x) = 0 and J·∂f/∂x symmetric for the conservative field,
 *    dH/dt = −∇_pHᵀ L Lᵀ ∇_pH ≤ 0 for the dissipative one, pointwise and along a run;
 *  - the refusals (odd state count, ReLU, bad scales);
 *  - the integrators' orders on the harmonic oscillator (exact rotation), their exact
 *    conservation of its quadratic energy, and on a network H over 10,000 periods: the
 *    energy error stays bounded (no drift) while RK4 at the same step drifts;
 *  - a network H fitted to pendulum data by derivative matching keeps its energy; the
 *    dissipative network fitted to a damped oscillator finds its damping;
 *  - the trainer's trajectory loss differentiates a Hamiltonian network exactly.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_rng.h>

#include "currents-engine.h"
#include "currents-hamiltonian.h"
#include "currents-symplectic.h"

/* ------------------------------------------------------------------------------------ */
/* Helpers                                                                              */

static double
norm2 (const double *v, gsize n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += v[i] * v[i];
  return sqrt (s);
}

static double
rel_diff (const double *a, const double *b, gsize n)
{
  double d = 0.0;

  for (gsize i = 0; i < n; i++)
    d += (a[i] - b[i]) * (a[i] - b[i]);
  return sqrt (d) / MAX (norm2 (b, n), 1e-300);
}

static CurrentsHamiltonianModel *
make_model (gsize n, CurrentsHamiltonianKind kind, CurrentsActivation act, gboolean scaled,
            double *theta)
{
  static const double mean[] = { 0.31, -0.77, 1.13, 0.05 };
  static const double scale[] = { 1.7, 0.62, 2.385, 0.9 };
  CurrentsHamiltonianSpec spec;
  CurrentsHamiltonianScaling scaling = { mean, scale, 1.37 };
  g_autoptr(GError) error = NULL;
  CurrentsHamiltonianModel *model;
  gsize k, off;

  g_assert_cmpuint (n, <=, 4);
  currents_hamiltonian_spec_init (&spec);
  spec.kind = kind;
  spec.activation = act;
  spec.hidden[0] = 7;
  spec.hidden[1] = 5;
  spec.seed = 2385;
  model = currents_hamiltonian_model_new (n, &spec, scaled ? &scaling : NULL, &error);
  g_assert_no_error (error);
  k = currents_hamiltonian_model_get_n_params (model);
  off = currents_hamiltonian_model_get_damping_offset (model);
  memcpy (theta, currents_hamiltonian_model_get_initial_params (model), k * sizeof (double));
  /* a full lower-triangular L, not the diagonal it starts from */
  for (gsize i = off; i < k; i++)
    theta[i] += 0.21 * sin (3.7 * (double) (i - off) + 0.4);
  return model;
}

/* ------------------------------------------------------------------------------------ */
/* Refusals                                                                             */

static void
test_refusals (void)
{
  CurrentsHamiltonianSpec spec;
  CurrentsHamiltonianScaling scaling = { NULL, NULL, 1.0 };
  double bad_scale[] = { 1.0, 0.0 };
  g_autoptr(GError) error = NULL;
  CurrentsHamiltonianModel *model;

  currents_hamiltonian_spec_init (&spec);
  model = currents_hamiltonian_model_new (3, &spec, NULL, &error);
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC);
  g_assert_nonnull (strstr (error->message, "even number of states"));
  g_assert_nonnull (strstr (error->message, "has 3"));
  g_clear_error (&error);

  model = currents_hamiltonian_model_new (0, &spec, NULL, &error);
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC);
  g_clear_error (&error);

  spec.activation = CURRENTS_ACTIVATION_RELU;
  model = currents_hamiltonian_model_new (2, &spec, NULL, &error);
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED);
  g_assert_nonnull (strstr (error->message, "second derivatives"));
  g_clear_error (&error);

  currents_hamiltonian_spec_init (&spec);
  spec.hidden[1] = 0;
  model = currents_hamiltonian_model_new (2, &spec, NULL, &error);
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  currents_hamiltonian_spec_init (&spec);
  scaling.x_scale = bad_scale;
  model = currents_hamiltonian_model_new (2, &spec, &scaling, &error);
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "state 2"));
  g_clear_error (&error);

  scaling.x_scale = NULL;
  scaling.energy_scale = -2.0;
  model = currents_hamiltonian_model_new (2, &spec, &scaling, &error);
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* the defaults: 2 → 32 → 32 → 1, no damping */
  currents_hamiltonian_spec_init (&spec);
  model = currents_hamiltonian_model_new (2, &spec, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_hamiltonian_model_get_n_params (model), ==,
                    2 * 32 + 32 + 32 * 32 + 32 + 32 + 1);
  g_assert_cmpuint (currents_field_get_n_states (currents_hamiltonian_model_get_field (model)),
                    ==, 2);
  currents_hamiltonian_model_free (model);

  spec.kind = CURRENTS_HAMILTONIAN_DISSIPATIVE;
  model = currents_hamiltonian_model_new (4, &spec, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_hamiltonian_model_get_n_params (model)
                    - currents_hamiltonian_model_get_damping_offset (model), ==, 3);
  /* L starts as 0.3 I */
  {
    const double *t0 = currents_hamiltonian_model_get_initial_params (model);
    gsize off = currents_hamiltonian_model_get_damping_offset (model);

    g_assert_cmpfloat (t0[off], ==, 0.3);
    g_assert_cmpfloat (t0[off + 1], ==, 0.0);
    g_assert_cmpfloat (t0[off + 2], ==, 0.3);
  }
  currents_hamiltonian_model_free (model);
}

/* ------------------------------------------------------------------------------------ */
/* Scaling from data                                                                    */

static void
test_scaling_from_data (void)
{
  const char *names[] = { "q", "p", NULL };
  const char *odd[] = { "q", "p", "r", NULL };
  g_autoptr(CurrentsDataset) ds = currents_dataset_new (names, NULL);
  g_autoptr(CurrentsDataset) ds3 = currents_dataset_new (odd, NULL);
  g_autoptr(GError) error = NULL;
  const double t[] = { 0.0, 1.0, 2.0 };
  const double x[] = { 0.0, 1.0, 2.0, 1.0, 4.0, 3.0 };
  const double x3[] = { 0.0, 1.0, 2.0 };
  double m[3], sd[3], kappa, tau;

  g_assert_true (currents_dataset_add_trajectory (ds, "a", 3, t, x, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (currents_hamiltonian_scaling_from_dataset (ds, m, sd, &kappa, &error));
  g_assert_no_error (error);
  /* q = 0, 2, 4: mean 2, sd 2, slopes 2, 2 → τ_q = 1; p = 1, 1, 3: mean 5/3, sd √(4/3),
   * slopes 0, 2 → τ_p = √(4/3)/√2; τ = √(τ_q τ_p); κ = σ_q σ_p / τ */
  tau = sqrt (1.0 * sqrt (4.0 / 3.0) / sqrt (2.0));
  g_assert_cmpfloat_with_epsilon (m[0], 2.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (m[1], 5.0 / 3.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (sd[0], 2.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (sd[1], sqrt (4.0 / 3.0), 1e-15);
  g_assert_cmpfloat_with_epsilon (kappa, 2.0 * sqrt (4.0 / 3.0) / tau, 1e-14);

  /* the model keeps it */
  {
    CurrentsHamiltonianSpec spec;
    CurrentsHamiltonianScaling sc = { m, sd, kappa }, got;
    g_autoptr(CurrentsHamiltonianModel) model = NULL;

    currents_hamiltonian_spec_init (&spec);
    model = currents_hamiltonian_model_new (2, &spec, &sc, &error);
    g_assert_no_error (error);
    got = currents_hamiltonian_model_get_scaling (model);
    g_assert_cmpfloat (got.x_mean[1], ==, m[1]);
    g_assert_cmpfloat (got.x_scale[0], ==, sd[0]);
    g_assert_cmpfloat (got.energy_scale, ==, kappa);
  }

  g_assert_true (currents_dataset_add_trajectory (ds3, "a", 1, t, x3, NULL, &error));
  g_assert_false (currents_hamiltonian_scaling_from_dataset (ds3, m, sd, &kappa, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC);
  g_assert_nonnull (strstr (error->message, "have 3"));
}

/* ------------------------------------------------------------------------------------ */
/* Derivatives against finite differences                                               */

static void
check_gradients (gsize n, CurrentsHamiltonianKind kind, CurrentsActivation act,
                 gboolean scaled)
{
  double theta[4096];
  CurrentsHamiltonianModel *model = make_model (n, kind, act, scaled, theta);
  CurrentsField *field = currents_hamiltonian_model_get_field (model);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  gsize k = currents_hamiltonian_model_get_n_params (model);
  const double eps = 1e-6;
  double x[4] = { 0.47, -1.21, 0.83, 0.36 };
  double w[4] = { 0.9, -0.35, 1.6, -0.72 };
  double grad[4], grad_fd[4], f[4], f1[4], f2[4], fj[4];
  double jx[16], jx_fd[16], gx[4], gx_fd[4];
  g_autofree double *jp = g_new0 (double, n * k);
  g_autofree double *jp_fd = g_new0 (double, n * k);
  g_autofree double *gp = g_new0 (double, k);
  g_autofree double *gp_fd = g_new0 (double, k);
  g_autofree double *th = g_memdup2 (theta, k * sizeof (double));
  double r_grad, r_jx, r_jp, r_gx, r_gp, r_hvp;
  double dirv[4] = { -0.63, 0.28, 1.05, -0.41 }, hvp[4], hvp_fd[4];

  /* ∇H and f = (J − R)∇H's conservative part */
  currents_hamiltonian_energy (model, ws, x, theta, grad);
  for (gsize j = 0; j < n; j++)
    {
      double xp[4], xm[4];

      memcpy (xp, x, sizeof x);
      memcpy (xm, x, sizeof x);
      xp[j] += eps;
      xm[j] -= eps;
      grad_fd[j] = (currents_hamiltonian_energy (model, ws, xp, theta, NULL)
                    - currents_hamiltonian_energy (model, ws, xm, theta, NULL)) / (2 * eps);
      currents_field_eval (ws, 0.0, xp, NULL, theta, f1);
      currents_field_eval (ws, 0.0, xm, NULL, theta, f2);
      for (gsize i = 0; i < n; i++)
        jx_fd[i * n + j] = (f1[i] - f2[i]) / (2 * eps);
    }
  r_grad = rel_diff (grad, grad_fd, n);
  g_assert_cmpfloat (r_grad, <=, 1e-7);
  currents_field_eval (ws, 0.0, x, NULL, theta, f);
  for (gsize i = 0; i < n / 2; i++)
    g_assert_cmpfloat_with_epsilon (f[i], grad[n / 2 + i], 1e-14 * norm2 (grad, n));
  if (kind == CURRENTS_HAMILTONIAN_CONSERVATIVE)
    for (gsize i = 0; i < n / 2; i++)
      g_assert_cmpfloat_with_epsilon (f[n / 2 + i], -grad[i], 1e-14 * norm2 (grad, n));

  /* ∂f/∂x, ∂f/∂θ */
  currents_field_jacobian (ws, 0.0, x, NULL, theta, fj, jx, jp);
  g_assert_cmpfloat (rel_diff (fj, f, n), <=, 1e-15);
  r_jx = rel_diff (jx, jx_fd, n * n);
  g_assert_cmpfloat (r_jx, <=, 1e-6);
  for (gsize l = 0; l < k; l++)
    {
      double keep = th[l];

      th[l] = keep + eps;
      currents_field_eval (ws, 0.0, x, NULL, th, f1);
      th[l] = keep - eps;
      currents_field_eval (ws, 0.0, x, NULL, th, f2);
      th[l] = keep;
      for (gsize i = 0; i < n; i++)
        jp_fd[i * k + l] = (f1[i] - f2[i]) / (2 * eps);
    }
  r_jp = rel_diff (jp, jp_fd, n * k);
  g_assert_cmpfloat (r_jp, <=, 1e-6);

  /* VJPs against wᵀ(finite-difference Jacobians); they accumulate */
  for (gsize j = 0; j < n; j++)
    {
      gx[j] = 0.25;
      gx_fd[j] = 0.25;
      for (gsize i = 0; i < n; i++)
        gx_fd[j] += w[i] * jx_fd[i * n + j];
    }
  for (gsize l = 0; l < k; l++)
    {
      gp[l] = -0.5;
      gp_fd[l] = -0.5;
      for (gsize i = 0; i < n; i++)
        gp_fd[l] += w[i] * jp_fd[i * k + l];
    }
  currents_field_vjp (ws, 0.0, x, NULL, theta, w, f1, gx, gp);
  g_assert_cmpfloat (rel_diff (f1, f, n), <=, 1e-15);
  for (gsize j = 0; j < n; j++)
    gx[j] -= 0.25, gx_fd[j] -= 0.25;
  for (gsize l = 0; l < k; l++)
    gp[l] += 0.5, gp_fd[l] += 0.5;
  r_gx = rel_diff (gx, gx_fd, n);
  r_gp = rel_diff (gp, gp_fd, k);

  /* hvp: d/dε [∂f/∂x(x + εv) w] against central differences of the exact Jacobian */
  g_assert_true (currents_field_has_hvp (field));
  g_assert_true (currents_field_hvp (ws, 0.0, x, NULL, theta, dirv, w, hvp));
  {
    double xp[4], xm[4], jp1[16], jm1[16];

    for (gsize j = 0; j < n; j++)
      {
        xp[j] = x[j] + eps * dirv[j];
        xm[j] = x[j] - eps * dirv[j];
      }
    currents_field_jacobian (ws, 0.0, xp, NULL, theta, NULL, jp1, NULL);
    currents_field_jacobian (ws, 0.0, xm, NULL, theta, NULL, jm1, NULL);
    for (gsize i = 0; i < n; i++)
      {
        hvp_fd[i] = 0.0;
        for (gsize j = 0; j < n; j++)
          hvp_fd[i] += (jp1[i * n + j] - jm1[i * n + j]) / (2 * eps) * w[j];
      }
  }
  r_hvp = rel_diff (hvp, hvp_fd, n);
  g_assert_cmpfloat (r_hvp, <=, 1e-6);
  g_assert_cmpfloat (r_gx, <=, 1e-6);
  g_assert_cmpfloat (r_gp, <=, 1e-6);
  g_test_message ("n = %" G_GSIZE_FORMAT " %s %s%s, %" G_GSIZE_FORMAT " parameters: "
                  "|a - fd|/|fd|: grad H %.1e, df/dx %.1e, df/dtheta %.1e, vjp_x %.1e, "
                  "vjp_theta %.1e, hvp %.1e",
                  n, kind == CURRENTS_HAMILTONIAN_DISSIPATIVE ? "dissipative" : "conservative",
                  act == CURRENTS_ACTIVATION_TANH ? "tanh" : "softplus",
                  scaled ? " scaled" : "", k, r_grad, r_jx, r_jp, r_gx, r_gp, r_hvp);
  currents_hamiltonian_model_free (model);
}

static void
test_gradients (void)
{
  check_gradients (2, CURRENTS_HAMILTONIAN_CONSERVATIVE, CURRENTS_ACTIVATION_TANH, FALSE);
  check_gradients (4, CURRENTS_HAMILTONIAN_CONSERVATIVE, CURRENTS_ACTIVATION_TANH, TRUE);
  check_gradients (4, CURRENTS_HAMILTONIAN_CONSERVATIVE, CURRENTS_ACTIVATION_SOFTPLUS, TRUE);
  check_gradients (2, CURRENTS_HAMILTONIAN_DISSIPATIVE, CURRENTS_ACTIVATION_TANH, TRUE);
  check_gradients (4, CURRENTS_HAMILTONIAN_DISSIPATIVE, CURRENTS_ACTIVATION_TANH, TRUE);
  check_gradients (4, CURRENTS_HAMILTONIAN_DISSIPATIVE, CURRENTS_ACTIVATION_SOFTPLUS, FALSE);
}

/* ------------------------------------------------------------------------------------ */
/* Structure                                                                            */

static void
test_structure (void)
{
  double theta[4096], theta_d[4096];
  CurrentsHamiltonianModel *model = make_model (4, CURRENTS_HAMILTONIAN_CONSERVATIVE,
                                                CURRENTS_ACTIVATION_TANH, TRUE, theta);
  CurrentsHamiltonianModel *damped = make_model (4, CURRENTS_HAMILTONIAN_DISSIPATIVE,
                                                 CURRENTS_ACTIVATION_TANH, TRUE, theta_d);
  g_autoptr(CurrentsFieldWorkspace) ws =
    currents_field_workspace_new (currents_hamiltonian_model_get_field (model));
  g_autoptr(CurrentsFieldWorkspace) wsd =
    currents_field_workspace_new (currents_hamiltonian_model_get_field (damped));
  g_autoptr(GRand) rand = g_rand_new_with_seed (2385);
  gsize off = currents_hamiltonian_model_get_damping_offset (damped);
  const double *Lp = theta_d + off;
  double max_tr = 0.0, max_asym = 0.0, max_dh = 0.0, max_dhd = 0.0, max_hs = 0.0;

  for (int trial = 0; trial < 50; trial++)
    {
      double x[4], f[4], jx[16], hs[16], g[4], JA[16], a_norm;
      double tr = 0.0, dh = 0.0, gLp[2] = { 0.0, 0.0 }, diss;

      for (int i = 0; i < 4; i++)
        x[i] = g_rand_double_range (rand, -3.0, 3.0);

      currents_field_jacobian (ws, 0.0, x, NULL, theta, f, jx, NULL);
      currents_hamiltonian_energy (model, ws, x, theta, g);
      currents_hamiltonian_hessian (model, ws, x, theta, hs);
      a_norm = norm2 (jx, 16);
      /* divergence */
      for (int i = 0; i < 4; i++)
        tr += jx[i * 4 + i];
      max_tr = MAX (max_tr, fabs (tr) / a_norm);
      /* J·A with J = [[0, I], [−I, 0]]: rows (A_p, −A_q) */
      for (int i = 0; i < 2; i++)
        for (int j = 0; j < 4; j++)
          {
            JA[i * 4 + j] = jx[(2 + i) * 4 + j];
            JA[(2 + i) * 4 + j] = -jx[i * 4 + j];
          }
      for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++)
          {
            max_asym = MAX (max_asym, fabs (JA[i * 4 + j] - JA[j * 4 + i]) / a_norm);
            /* and J·A = −∇²H */
            g_assert_cmpfloat_with_epsilon (JA[i * 4 + j], -hs[i * 4 + j], 1e-14 * a_norm);
            max_hs = MAX (max_hs, fabs (hs[i * 4 + j] - hs[j * 4 + i]));
          }
      /* dH/dt = ∇Hᵀ f = 0 */
      for (int i = 0; i < 4; i++)
        dh += g[i] * f[i];
      max_dh = MAX (max_dh, fabs (dh) / (norm2 (g, 4) * norm2 (f, 4)));

      /* dissipative: dH/dt = −‖Lᵀ∇_pH‖² ≤ 0 */
      currents_field_eval (wsd, 0.0, x, NULL, theta_d, f);
      currents_hamiltonian_energy (damped, wsd, x, theta_d, g);
      dh = 0.0;
      for (int i = 0; i < 4; i++)
        dh += g[i] * f[i];
      /* Lᵀ g_p with L = [[L0, 0], [L1, L2]] */
      gLp[0] = Lp[0] * g[2] + Lp[1] * g[3];
      gLp[1] = Lp[2] * g[3];
      diss = -(gLp[0] * gLp[0] + gLp[1] * gLp[1]);
      g_assert_cmpfloat (dh, <=, 0.0);
      max_dhd = MAX (max_dhd, fabs (dh - diss) / (norm2 (g, 4) * norm2 (f, 4)));
    }
  g_test_message ("50 random points: |trace df/dx|/|df/dx| <= %.1e, asymmetry of J df/dx <= %.1e, "
                  "|grad H . f| <= %.1e; dissipative dH/dt vs -|L^T grad_p H|^2 <= %.1e",
                  max_tr, max_asym, max_dh, max_dhd);
  g_assert_cmpfloat (max_tr, <=, 1e-14);
  g_assert_cmpfloat (max_asym, <=, 1e-14);
  g_assert_cmpfloat (max_hs, <=, 1e-15);
  g_assert_cmpfloat (max_dh, <=, 1e-14);
  g_assert_cmpfloat (max_dhd, <=, 1e-14);
  currents_hamiltonian_model_free (model);
  currents_hamiltonian_model_free (damped);
}

/* ------------------------------------------------------------------------------------ */
/* A convex network energy: softplus units, non-negative output weights (closed orbits)  */

static CurrentsHamiltonianModel *
make_convex (CurrentsHamiltonianKind kind, double *theta)
{
  CurrentsHamiltonianSpec spec;
  g_autoptr(GError) error = NULL;
  CurrentsHamiltonianModel *model;
  gsize k;

  currents_hamiltonian_spec_init (&spec);
  spec.kind = kind;
  spec.n_hidden = 1;
  spec.hidden[0] = 12;
  spec.activation = CURRENTS_ACTIVATION_SOFTPLUS;
  spec.seed = 77;
  model = currents_hamiltonian_model_new (2, &spec, NULL, &error);
  g_assert_no_error (error);
  k = currents_hamiltonian_model_get_n_params (model);
  memcpy (theta, currents_hamiltonian_model_get_initial_params (model), k * sizeof (double));
  /* layout: W₀ (12 × 2), b₀ (12), W₁ (1 × 12), b₁, [L]. Directions spread around the circle
   * (so H grows in every direction), output weights positive. */
  for (int i = 0; i < 12; i++)
    {
      double ang = 2.0 * G_PI * i / 12.0 + 0.3 * theta[2 * i];

      theta[2 * i] = 1.4 * cos (ang);
      theta[2 * i + 1] = 0.9 * sin (ang);
      theta[36 + i] = 0.2 + fabs (theta[36 + i]);
    }
  if (kind == CURRENTS_HAMILTONIAN_DISSIPATIVE)
    theta[49] = 0.15;
  return model;
}

/* ------------------------------------------------------------------------------------ */
/* Dissipation along a run                                                              */

static void
test_dissipative_run (void)
{
  double theta[64];
  CurrentsHamiltonianModel *model = make_convex (CURRENTS_HAMILTONIAN_DISSIPATIVE, theta);
  CurrentsField *field = currents_hamiltonian_model_get_field (model);
  g_autoptr(CurrentsSymplectic) sym = currents_symplectic_new (field, CURRENTS_SYMPLECTIC_GAUSS4);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  g_autoptr(GError) error = NULL;
  const gsize n_steps = 4000;
  const double h = 0.01;
  double x[2] = { 2.3, -0.8 };
  g_autofree double *traj = g_new (double, 2 * (n_steps + 1));
  double H0, Hk, Hprev, integral = 0.0, rate_prev = 0.0, max_rise = -INFINITY;

  g_assert_true (currents_symplectic_evolve (sym, 0.0, h, n_steps, NULL, theta, x, traj,
                                             NULL, &error));
  g_assert_no_error (error);
  H0 = Hprev = currents_hamiltonian_energy (model, ws, traj, theta, NULL);
  for (gsize k = 0; k <= n_steps; k++)
    {
      double g[2], f[2], rate;

      Hk = currents_hamiltonian_energy (model, ws, traj + 2 * k, theta, g);
      currents_field_eval (ws, 0.0, traj + 2 * k, NULL, theta, f);
      rate = g[0] * f[0] + g[1] * f[1];
      g_assert_cmpfloat (rate, <=, 0.0);
      if (k > 0)
        {
          integral += 0.5 * h * (rate + rate_prev);
          max_rise = MAX (max_rise, Hk - Hprev);
        }
      rate_prev = rate;
      Hprev = Hk;
    }
  g_test_message ("dissipative run, 4000 steps of 0.01: H %.6f -> %.6f, integral of dH/dt %.6f, "
                  "largest one-step change %+.2e", H0, Hk, integral, max_rise);
  /* energy falls at every step and by what ∫ −∇_pHᵀ D ∇_pH dt says */
  g_assert_cmpfloat (max_rise, <, 0.0);
  g_assert_cmpfloat (H0 - Hk, >=, 0.3);
  g_assert_cmpfloat (fabs ((Hk - H0) - integral), <=, 1e-4 * fabs (Hk - H0));
  currents_hamiltonian_model_free (model);
}

/* ------------------------------------------------------------------------------------ */
/* The harmonic oscillator, written directly                                            */

static void
ho_eval (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
         const double *p, double *f)
{
  (void) impl, (void) ws, (void) t, (void) u, (void) p;
  f[0] = x[1];
  f[1] = -x[0];
}

static void
ho_jacobian (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
             const double *p, double *f, double *jx, double *jp)
{
  (void) jp;
  if (f != NULL)
    ho_eval (impl, ws, t, x, u, p, f);
  jx[0] = 0.0;
  jx[1] = 1.0;
  jx[2] = -1.0;
  jx[3] = 0.0;
}

static void
ho_vjp (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
        const double *p, const double *w, double *f, double *gx, double *gp)
{
  (void) gp;
  if (f != NULL)
    ho_eval (impl, ws, t, x, u, p, f);
  if (gx != NULL)
    {
      gx[0] -= w[1];
      gx[1] += w[0];
    }
}

static const CurrentsFieldVTable ho_vtable = {
  .eval = ho_eval,
  .jacobian = ho_jacobian,
  .vjp = ho_vjp,
};

static void
test_harmonic_order (void)
{
  g_autoptr(CurrentsField) field = currents_field_new (&ho_vtable, NULL, 2, 0, 0, TRUE);
  const CurrentsSymplecticMethod methods[] = { CURRENTS_SYMPLECTIC_MIDPOINT,
                                               CURRENTS_SYMPLECTIC_GAUSS4 };
  const double q0 = 1.3, p0 = -0.4, T = 10.0;

  for (gsize m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autoptr(CurrentsSymplectic) sym = currents_symplectic_new (field, methods[m]);
      guint order = currents_symplectic_get_order (methods[m]);
      double err[3], E0 = 0.5 * (q0 * q0 + p0 * p0), max_de = 0.0;

      for (int r = 0; r < 3; r++)
        {
          gsize n_steps = 100u << r;
          double h = T / (double) n_steps, x[2] = { q0, p0 };
          g_autoptr(GError) error = NULL;

          for (gsize k = 0; k < n_steps; k++)
            {
              g_assert_true (currents_symplectic_step (sym, (double) k * h, h, NULL, NULL, x,
                                                       &error));
              max_de = MAX (max_de, fabs (0.5 * (x[0] * x[0] + x[1] * x[1]) - E0));
            }
          err[r] = hypot (x[0] - (q0 * cos (T) + p0 * sin (T)),
                          x[1] - (-q0 * sin (T) + p0 * cos (T)));
        }
      g_test_message ("%s: error at t = 10 with h = 0.1, 0.05, 0.025: %.3e %.3e %.3e, "
                      "observed orders %.3f %.3f; max |E - E0| %.1e",
                      order == 2 ? "implicit midpoint" : "Gauss 4", err[0], err[1], err[2],
                      log2 (err[0] / err[1]), log2 (err[1] / err[2]), max_de);
      for (int r = 0; r < 2; r++)
        {
          g_assert_cmpfloat (log2 (err[r] / err[r + 1]), >=, order - 0.05);
          g_assert_cmpfloat (log2 (err[r] / err[r + 1]), <=, order + 0.05);
        }
      /* a quadratic invariant is kept exactly (round-off only) */
      g_assert_cmpfloat (max_de, <=, 1e-14);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Energy over 10,000 periods                                                           */

static void
rk4_step (CurrentsFieldWorkspace *ws, const double *theta, double h, double *x)
{
  double k1[2], k2[2], k3[2], k4[2], y[2];

  currents_field_eval (ws, 0.0, x, NULL, theta, k1);
  for (int i = 0; i < 2; i++)
    y[i] = x[i] + 0.5 * h * k1[i];
  currents_field_eval (ws, 0.0, y, NULL, theta, k2);
  for (int i = 0; i < 2; i++)
    y[i] = x[i] + 0.5 * h * k2[i];
  currents_field_eval (ws, 0.0, y, NULL, theta, k3);
  for (int i = 0; i < 2; i++)
    y[i] = x[i] + h * k3[i];
  currents_field_eval (ws, 0.0, y, NULL, theta, k4);
  for (int i = 0; i < 2; i++)
    x[i] += h / 6.0 * (k1[i] + 2.0 * k2[i] + 2.0 * k3[i] + k4[i]);
}

/* The period of the orbit through x0: the first return to the section through x0 normal
 * to f(x0), found with Gauss 4 at a fine step and linear interpolation. */
static double
orbit_period (CurrentsField *field, const double *theta, const double *x0)
{
  g_autoptr(CurrentsSymplectic) sym = currents_symplectic_new (field, CURRENTS_SYMPLECTIC_GAUSS4);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  double f0[2], x[2] = { x0[0], x0[1] }, h = 1e-3, prev = 0.0;

  currents_field_eval (ws, 0.0, x0, NULL, theta, f0);
  for (gsize k = 1; k < 10000000; k++)
    {
      double phi;

      g_assert_true (currents_symplectic_step (sym, 0.0, h, NULL, theta, x, NULL));
      phi = (x[0] - x0[0]) * f0[0] + (x[1] - x0[1]) * f0[1];
      if (k > 10 && prev < 0.0 && phi >= 0.0)
        return h * ((double) k - phi / (phi - prev));
      prev = phi;
    }
  g_assert_not_reached ();
  return 0.0;
}

typedef struct
{
  double first;   /* max |H − H₀| over the first 1000 periods */
  double last;    /* … over the last 1000 */
} EnergyError;

/* Steps from x0 for n_periods periods and samples |H − H₀| at every step (method < 0:
 * RK4). */
static void
energy_errors (const CurrentsHamiltonianModel *model, const double *theta, const double *x0,
               double period, gsize steps_per_period, gsize n_periods, int method,
               EnergyError *out)
{
  CurrentsField *field = currents_hamiltonian_model_get_field (model);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  g_autoptr(CurrentsSymplectic) sym = NULL;
  double h = period / (double) steps_per_period, x[2] = { x0[0], x0[1] };
  double H0 = currents_hamiltonian_energy (model, ws, x, theta, NULL);
  gsize chunk = steps_per_period;
  g_autofree double *rows = g_new (double, 2 * (chunk + 1));

  if (method >= 0)
    sym = currents_symplectic_new (field, (CurrentsSymplecticMethod) method);
  out->first = out->last = 0.0;
  for (gsize period_k = 0; period_k < n_periods; period_k++)
    {
      double dH = 0.0;

      if (sym != NULL)
        {
          g_autoptr(GError) error = NULL;

          g_assert_true (currents_symplectic_evolve (sym, (double) (period_k * chunk) * h, h,
                                                     chunk, NULL, theta, x, rows, NULL,
                                                     &error));
        }
      else
        for (gsize j = 0; j < chunk; j++)
          {
            rk4_step (ws, theta, h, x);
            memcpy (rows + 2 * (j + 1), x, 2 * sizeof (double));
          }
      for (gsize j = 1; j <= chunk; j++)
        dH = MAX (dH, fabs (currents_hamiltonian_energy (model, ws, rows + 2 * j, theta, NULL)
                            - H0));
      if (period_k < 1000)
        out->first = MAX (out->first, dH);
      if (period_k >= n_periods - 1000)
        out->last = MAX (out->last, dH);
    }
}

static void
test_energy_bounded (void)
{
  double theta[64];
  CurrentsHamiltonianModel *model = make_convex (CURRENTS_HAMILTONIAN_CONSERVATIVE, theta);
  CurrentsField *field = currents_hamiltonian_model_get_field (model);
  const double x0[2] = { 1.9, 0.4 };
  double period = orbit_period (field, theta, x0);
  EnergyError gauss, mid, rk4;

  /* Gauss 4 and RK4 with 25 steps a period, implicit midpoint with 50 */
  energy_errors (model, theta, x0, period, 25, 10000, CURRENTS_SYMPLECTIC_GAUSS4, &gauss);
  energy_errors (model, theta, x0, period, 50, 10000, CURRENTS_SYMPLECTIC_MIDPOINT, &mid);
  energy_errors (model, theta, x0, period, 25, 10000, -1, &rk4);
  g_test_message ("convex softplus H, period %.4f, 10,000 periods; max |H - H0| over the "
                  "first / last 1000 periods: Gauss 4 (h = T/25) %.2e / %.2e, midpoint "
                  "(h = T/50) %.2e / %.2e, RK4 (h = T/25) %.2e / %.2e",
                  period, gauss.first, gauss.last, mid.first, mid.last, rk4.first, rk4.last);
  g_assert_cmpfloat (gauss.last, <=, 2.0 * gauss.first);
  g_assert_cmpfloat (mid.last, <=, 2.0 * mid.first);
  /* RK4 drifts: ten times the error at the end, and more than Gauss 4 */
  g_assert_cmpfloat (rk4.last, >=, 5.0 * rk4.first);
  g_assert_cmpfloat (rk4.last, >=, 10.0 * gauss.last);
  currents_hamiltonian_model_free (model);
}

/* ------------------------------------------------------------------------------------ */
/* Integrator refusals                                                                  */

/* f = x², which has no implicit-midpoint step of size 10 from x = 1
 * (Z = 10 (1 + Z/2)² has no real root), and NaN beyond x = 50. */
static void
sq_eval (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
         const double *p, double *f)
{
  (void) impl, (void) ws, (void) t, (void) u, (void) p;
  f[0] = x[0] > 50.0 ? NAN : x[0] * x[0];
}

static void
sq_jacobian (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
             const double *p, double *f, double *jx, double *jp)
{
  (void) jp;
  if (f != NULL)
    sq_eval (impl, ws, t, x, u, p, f);
  jx[0] = 2.0 * x[0];
}

static void
sq_vjp (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
        const double *p, const double *w, double *f, double *gx, double *gp)
{
  (void) gp;
  if (f != NULL)
    sq_eval (impl, ws, t, x, u, p, f);
  if (gx != NULL)
    gx[0] += 2.0 * x[0] * w[0];
}

static const CurrentsFieldVTable sq_vtable = {
  .eval = sq_eval,
  .jacobian = sq_jacobian,
  .vjp = sq_vjp,
};

static void
test_integrator_errors (void)
{
  g_autoptr(CurrentsField) field = currents_field_new (&sq_vtable, NULL, 1, 0, 0, TRUE);
  g_autoptr(CurrentsSymplectic) sym = currents_symplectic_new (field,
                                                               CURRENTS_SYMPLECTIC_MIDPOINT);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  double x = 1.0, out[3];

  /* no solution of the stage equation */
  g_assert_false (currents_symplectic_step (sym, 0.0, 10.0, NULL, NULL, &x, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE);
  g_assert_nonnull (strstr (error->message, "smaller step"));
  g_assert_cmpfloat (x, ==, 1.0);
  g_clear_error (&error);

  /* the exact solution x(t) = 1/(1/x₀ − t) stays within 2% over 10 small steps */
  g_assert_true (currents_symplectic_evolve (sym, 0.0, 0.01, 2, NULL, NULL, &x, out, NULL,
                                             &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (out[0], ==, 1.0);
  g_assert_cmpfloat_with_epsilon (out[2], 1.0 / (1.0 - 0.02), 1e-5);

  /* a field that turns NaN */
  x = 40.0;
  g_assert_false (currents_symplectic_evolve (sym, 0.0, 0.01, 100, NULL, NULL, &x, NULL, NULL,
                                              &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE);
  g_assert_cmpfloat (x, <=, 50.0);
  g_clear_error (&error);

  /* cancellation */
  x = 1.0;
  g_cancellable_cancel (cancellable);
  g_assert_false (currents_symplectic_evolve (sym, 0.0, 0.01, 10, NULL, NULL, &x, NULL,
                                              cancellable, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
  g_assert_cmpfloat (x, ==, 1.0);
}

/* ------------------------------------------------------------------------------------ */
/* A pendulum learned by derivative matching                                            */

static void
pend_eval (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
           const double *p, double *f)
{
  (void) impl, (void) ws, (void) t, (void) u, (void) p;
  f[0] = x[1];
  f[1] = -sin (x[0]);
}

static void
pend_jacobian (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
               const double *p, double *f, double *jx, double *jp)
{
  (void) jp;
  if (f != NULL)
    pend_eval (impl, ws, t, x, u, p, f);
  jx[0] = 0.0;
  jx[1] = 1.0;
  jx[2] = -cos (x[0]);
  jx[3] = 0.0;
}

static void
pend_vjp (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
          const double *p, const double *w, double *f, double *gx, double *gp)
{
  (void) gp;
  if (f != NULL)
    pend_eval (impl, ws, t, x, u, p, f);
  if (gx != NULL)
    {
      gx[0] -= cos (x[0]) * w[1];
      gx[1] += w[0];
    }
}

static const CurrentsFieldVTable pend_vtable = {
  .eval = pend_eval,
  .jacobian = pend_jacobian,
  .vjp = pend_vjp,
};

#define PEND_TRAJ 8
#define PEND_SAMPLES 61   /* t = 0, 0.1, …, 6 */

/* Adam on the derivative-matching loss mean_i ‖f_θ(x_i) − v_i‖² (X, V: n_pts × 2), its
 * gradient by the field's VJP; returns the final loss, the first in *loss0. */
static double
fit_derivatives (CurrentsFieldWorkspace *ws, double *theta, gsize k, const double *X,
                 const double *V, gsize n_pts, int n_iter, double *loss0)
{
  g_autofree double *m = g_new0 (double, k);
  g_autofree double *v = g_new0 (double, k);
  g_autofree double *grad = g_new0 (double, k);
  double loss = 0.0;

  for (int it = 1; it <= n_iter; it++)
    {
      double lr = it < 2 * n_iter / 3 ? 1e-2 : 2e-3;

      memset (grad, 0, k * sizeof (double));
      loss = 0.0;
      for (gsize i = 0; i < n_pts; i++)
        {
          double f[2], w[2];

          currents_field_eval (ws, 0.0, X + 2 * i, NULL, theta, f);
          for (int c = 0; c < 2; c++)
            {
              double r = f[c] - V[2 * i + c];

              loss += r * r / (double) n_pts;
              w[c] = 2.0 * r / (double) n_pts;
            }
          currents_field_vjp (ws, 0.0, X + 2 * i, NULL, theta, w, NULL, NULL, grad);
        }
      if (it == 1)
        *loss0 = loss;
      for (gsize l = 0; l < k; l++)
        {
          m[l] = 0.9 * m[l] + 0.1 * grad[l];
          v[l] = 0.999 * v[l] + 0.001 * grad[l] * grad[l];
          theta[l] -= lr * (m[l] / (1.0 - pow (0.9, it)))
                      / (sqrt (v[l] / (1.0 - pow (0.999, it))) + 1e-8);
        }
    }
  return loss;
}

/* Samples every 0.1 of n_traj runs of @field (61 samples each, from the given starts) with
 * velocities by central differences: X, V get n_traj · 59 rows. */
static gsize
make_derivative_data (CurrentsField *field, const double *starts, int n_traj, double *X,
                      double *V)
{
  g_autoptr(CurrentsSymplectic) gen = currents_symplectic_new (field,
                                                               CURRENTS_SYMPLECTIC_GAUSS4);
  double samples[PEND_SAMPLES * 2];
  gsize np = 0;

  for (int tr = 0; tr < n_traj; tr++)
    {
      double x[2] = { starts[2 * tr], starts[2 * tr + 1] };

      for (int j = 0; j < PEND_SAMPLES; j++)
        {
          samples[2 * j] = x[0];
          samples[2 * j + 1] = x[1];
          g_assert_true (currents_symplectic_evolve (gen, 0.0, 0.01, 10, NULL, NULL, x, NULL,
                                                     NULL, NULL));
        }
      for (int j = 1; j + 1 < PEND_SAMPLES; j++, np++)
        for (int c = 0; c < 2; c++)
          {
            X[2 * np + c] = samples[2 * j + c];
            V[2 * np + c] = (samples[2 * (j + 1) + c] - samples[2 * (j - 1) + c]) / 0.2;
          }
    }
  return np;
}

static void
test_pendulum_fit (void)
{
  g_autoptr(CurrentsField) truth = currents_field_new (&pend_vtable, NULL, 2, 0, 0, TRUE);
  CurrentsHamiltonianSpec spec;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsHamiltonianModel) model = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  const gsize n_pts = PEND_TRAJ * (PEND_SAMPLES - 2);
  g_autofree double *X = g_new (double, 2 * n_pts);
  g_autofree double *V = g_new (double, 2 * n_pts);
  double starts[2 * PEND_TRAJ], theta[2048];
  double loss = 0.0, loss0 = 0.0, vnorm = 0.0;
  gsize k, np = 0;
  const double x0[2] = { 1.0, 0.0 };
  double period, true_period = 6.69862;  /* 4 K(sin ½): amplitude 1 rad */
  double sxx = 0, sxy = 0, syy = 0, sx = 0, sy = 0, r2;
  EnergyError gauss, rk4;

  /* data: 8 swings, amplitudes 0.4 to 2.1 rad, sampled every 0.1; velocities by central
   * differences of the samples */
  for (int tr = 0; tr < PEND_TRAJ; tr++)
    {
      starts[2 * tr] = 0.4 + 1.7 * tr / (PEND_TRAJ - 1.0);
      starts[2 * tr + 1] = 0.3 * cos (tr);
    }
  np = make_derivative_data (truth, starts, PEND_TRAJ, X, V);
  for (gsize i = 0; i < 2 * n_pts; i++)
    vnorm += V[i] * V[i];
  g_assert_cmpuint (np, ==, n_pts);
  vnorm /= (double) n_pts;

  currents_hamiltonian_spec_init (&spec);
  spec.hidden[0] = spec.hidden[1] = 16;
  spec.seed = 11;
  model = currents_hamiltonian_model_new (2, &spec, NULL, &error);
  g_assert_no_error (error);
  ws = currents_field_workspace_new (currents_hamiltonian_model_get_field (model));
  k = currents_hamiltonian_model_get_n_params (model);
  g_assert_cmpuint (k, <=, G_N_ELEMENTS (theta));
  memcpy (theta, currents_hamiltonian_model_get_initial_params (model), k * sizeof (double));

  loss = fit_derivatives (ws, theta, k, X, V, n_pts, 1500, &loss0);

  /* the learned H against the true energy p²/2 − cos q on the data: linear fit */
  for (gsize i = 0; i < n_pts; i++)
    {
      double e = 0.5 * X[2 * i + 1] * X[2 * i + 1] - cos (X[2 * i]);
      double hl = currents_hamiltonian_energy (model, ws, X + 2 * i, theta, NULL);

      sx += e, sy += hl, sxx += e * e, sxy += e * hl, syy += hl * hl;
    }
  {
    double N = (double) n_pts;
    double cov = sxy / N - sx * sy / (N * N);

    r2 = cov * cov / ((sxx / N - sx * sx / (N * N)) * (syy / N - sy * sy / (N * N)));
  }

  period = orbit_period (currents_hamiltonian_model_get_field (model), theta, x0);
  energy_errors (model, theta, x0, period, 25, 10000, CURRENTS_SYMPLECTIC_GAUSS4, &gauss);
  energy_errors (model, theta, x0, period, 25, 10000, -1, &rk4);
  g_test_message ("pendulum, %" G_GSIZE_FORMAT " points, 1500 Adam steps: loss %.3e -> %.3e "
                  "(mean |v|^2 %.3f); learned vs true energy 1 - R^2 %.1e; period from (1, 0) %.4f "
                  "(true %.4f); 10,000 periods, max |H - H0| first / last 1000: Gauss 4 "
                  "%.2e / %.2e, RK4 %.2e / %.2e", n_pts, loss0, loss, vnorm, 1.0 - r2, period,
                  true_period, gauss.first, gauss.last, rk4.first, rk4.last);
  g_assert_cmpfloat (loss, <=, 1e-3 * vnorm);
  g_assert_cmpfloat (r2, >=, 0.999);
  g_assert_cmpfloat (fabs (period - true_period), <=, 0.02 * true_period);
  g_assert_cmpfloat (gauss.last, <=, 2.0 * gauss.first);
  g_assert_cmpfloat (rk4.last, >=, 5.0 * rk4.first);
}

/* ------------------------------------------------------------------------------------ */
/* A damped oscillator learned by the dissipative network                               */

#define DAMPING 0.3

static void
damped_eval (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
             const double *p, double *f)
{
  (void) impl, (void) ws, (void) t, (void) u, (void) p;
  f[0] = x[1];
  f[1] = -x[0] - DAMPING * x[1];
}

static void
damped_jacobian (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
                 const double *p, double *f, double *jx, double *jp)
{
  (void) jp;
  if (f != NULL)
    damped_eval (impl, ws, t, x, u, p, f);
  jx[0] = 0.0;
  jx[1] = 1.0;
  jx[2] = -1.0;
  jx[3] = -DAMPING;
}

static void
damped_vjp (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
            const double *p, const double *w, double *f, double *gx, double *gp)
{
  (void) gp;
  if (f != NULL)
    damped_eval (impl, ws, t, x, u, p, f);
  if (gx != NULL)
    {
      gx[0] -= w[1];
      gx[1] += w[0] - DAMPING * w[1];
    }
}

static const CurrentsFieldVTable damped_vtable = {
  .eval = damped_eval,
  .jacobian = damped_jacobian,
  .vjp = damped_vjp,
};

/* dq/dt = p, dp/dt = −q − 0.3 p is (J − R)∇H with H = (q² + p²)/2 and L Lᵀ = 0.3; since
 * dq/dt = ∂H/∂p pins H's scale, the learned L Lᵀ must come out as 0.3. */
static void
test_damped_fit (void)
{
  g_autoptr(CurrentsField) truth = currents_field_new (&damped_vtable, NULL, 2, 0, 0, TRUE);
  CurrentsHamiltonianSpec spec;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsHamiltonianModel) model = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  const int n_traj = 6;
  g_autofree double *X = g_new (double, 2 * n_traj * (PEND_SAMPLES - 2));
  g_autofree double *V = g_new (double, 2 * n_traj * (PEND_SAMPLES - 2));
  double starts[12], theta[2048], loss, loss0, vnorm = 0.0, D, rel_fit;
  gsize np, k, off;

  for (int tr = 0; tr < n_traj; tr++)
    {
      starts[2 * tr] = 2.0 * cos (1.1 * tr);
      starts[2 * tr + 1] = 2.0 * sin (1.1 * tr);
    }
  np = make_derivative_data (truth, starts, n_traj, X, V);
  for (gsize i = 0; i < 2 * np; i++)
    vnorm += V[i] * V[i] / (double) np;

  currents_hamiltonian_spec_init (&spec);
  spec.kind = CURRENTS_HAMILTONIAN_DISSIPATIVE;
  spec.hidden[0] = spec.hidden[1] = 16;
  spec.seed = 3;
  model = currents_hamiltonian_model_new (2, &spec, NULL, &error);
  g_assert_no_error (error);
  ws = currents_field_workspace_new (currents_hamiltonian_model_get_field (model));
  k = currents_hamiltonian_model_get_n_params (model);
  off = currents_hamiltonian_model_get_damping_offset (model);
  memcpy (theta, currents_hamiltonian_model_get_initial_params (model), k * sizeof (double));
  loss = fit_derivatives (ws, theta, k, X, V, np, 1500, &loss0);
  D = theta[off] * theta[off];
  rel_fit = loss / vnorm;
  g_test_message ("damped oscillator (damping 0.3), %" G_GSIZE_FORMAT " points: loss %.3e -> "
                  "%.3e (%.1e of mean |v|^2); learned L L^T = %.4f", np, loss0, loss, rel_fit,
                  D);
  g_assert_cmpfloat (rel_fit, <=, 1e-3);
  g_assert_cmpfloat (fabs (D - DAMPING), <=, 0.05 * DAMPING);
}

/* ------------------------------------------------------------------------------------ */
/* Through the trainer's trajectory loss                                                */

static void
check_loss_gradient (CurrentsGradientMethod method)
{
  const char *names[] = { "q", "p", NULL };
  g_autoptr(CurrentsField) truth = currents_field_new (&pend_vtable, NULL, 2, 0, 0, TRUE);
  g_autoptr(CurrentsSymplectic) gen = currents_symplectic_new (truth,
                                                               CURRENTS_SYMPLECTIC_GAUSS4);
  g_autoptr(CurrentsDataset) ds = currents_dataset_new (names, NULL);
  g_autoptr(CurrentsHamiltonianModel) model = NULL;
  g_autoptr(CurrentsLoss) loss = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsHamiltonianSpec spec;
  CurrentsLossOptions o;
  CurrentsLossResult r;
  double theta[256], g[256], num = 0.0, den = 0.0;
  gsize idx[3] = { 0, 1, 2 }, k;

  for (int tr = 0; tr < 3; tr++)
    {
      double t[11], x[22], y[2] = { 0.5 + 0.6 * tr, -0.2 * tr };
      char id[8];

      for (int j = 0; j < 11; j++)
        {
          t[j] = 0.2 * j;
          x[2 * j] = y[0];
          x[2 * j + 1] = y[1];
          g_assert_true (currents_symplectic_evolve (gen, 0.0, 0.02, 10, NULL, NULL, y, NULL,
                                                     NULL, &error));
        }
      g_snprintf (id, sizeof id, "r%d", tr);
      g_assert_true (currents_dataset_add_trajectory (ds, id, 11, t, x, NULL, &error));
      g_assert_no_error (error);
    }

  currents_hamiltonian_spec_init (&spec);
  spec.kind = CURRENTS_HAMILTONIAN_DISSIPATIVE;
  spec.hidden[0] = 6;
  spec.hidden[1] = 5;
  spec.seed = 5;
  model = currents_hamiltonian_model_new (2, &spec, NULL, &error);
  g_assert_no_error (error);
  k = currents_hamiltonian_model_get_n_params (model);
  memcpy (theta, currents_hamiltonian_model_get_initial_params (model), k * sizeof (double));

  currents_loss_options_init (&o);
  o.adjoint.method = method;
  o.adjoint.rtol = 1e-10;
  o.adjoint.atol = 1e-12;
  o.n_threads = 1;
  o.weight_decay = 1e-3;
  loss = currents_loss_new (currents_hamiltonian_model_get_field (model), names, NULL, NULL,
                            NULL, ds, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_loss_get_n_params (loss), ==, k);
  g_assert_true (currents_loss_eval (loss, theta, idx, 3, NULL, g, &r, NULL, &error));
  g_assert_no_error (error);
  for (gsize j = 0; j < k; j++)
    {
      double h = 1e-6, save = theta[j], fd;
      CurrentsLossResult rp, rm;

      theta[j] = save + h;
      g_assert_true (currents_loss_eval (loss, theta, idx, 3, NULL, NULL, &rp, NULL, NULL));
      theta[j] = save - h;
      g_assert_true (currents_loss_eval (loss, theta, idx, 3, NULL, NULL, &rm, NULL, NULL));
      theta[j] = save;
      fd = (rp.objective - rm.objective) / (2 * h);
      num += (g[j] - fd) * (g[j] - fd);
      den += fd * fd;
    }
  g_test_message ("trajectory loss (%s) of a dissipative H network, %" G_GSIZE_FORMAT
                  " parameters: J = %.4f, |g - fd|/|fd| = %.1e",
                  currents_gradient_method_to_string (method), k, r.objective,
                  sqrt (num / den));
  g_assert_cmpfloat (den, >, 0.0);
  g_assert_cmpfloat (sqrt (num / den), <=, 1e-6);
}

static void
test_loss_gradient (void)
{
  check_loss_gradient (CURRENTS_GRADIENT_DISCRETE);
  check_loss_gradient (CURRENTS_GRADIENT_ADJOINT);
}

/* ------------------------------------------------------------------------------------ */

int
main (int argc, char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/hamiltonian/refusals", test_refusals);
  g_test_add_func ("/engine/hamiltonian/scaling-from-data", test_scaling_from_data);
  g_test_add_func ("/engine/hamiltonian/gradients", test_gradients);
  g_test_add_func ("/engine/hamiltonian/structure", test_structure);
  g_test_add_func ("/engine/hamiltonian/dissipative-run", test_dissipative_run);
  g_test_add_func ("/engine/symplectic/harmonic-order", test_harmonic_order);
  g_test_add_func ("/engine/symplectic/energy-bounded", test_energy_bounded);
  g_test_add_func ("/engine/symplectic/errors", test_integrator_errors);
  g_test_add_func ("/engine/hamiltonian/pendulum-fit", test_pendulum_fit);
  g_test_add_func ("/engine/hamiltonian/damped-fit", test_damped_fit);
  g_test_add_func ("/engine/hamiltonian/loss-gradient", test_loss_gradient);
  return g_test_run ();
}
