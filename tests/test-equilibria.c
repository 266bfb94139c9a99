/* test-equilibria.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Equilibria against closed forms: every 2-D linear type with its exact eigenvalues and
 * eigenvectors, the damped pendulum (kπ; λ = −b/2 ± √(b²/4 ∓ g/l)), Lotka–Volterra's
 * centre (c/d, a/b), the symmetric toggle switch (u + v = 3, uv = 1 and u³ + u − 3 = 0),
 * Lorenz's origin and C± (saddle-focus at ρ = 28); empty boxes, singular Jacobians,
 * non-finite fields, deduplication, errors and cancellation.
 */
#define G_LOG_DOMAIN "test-equilibria"

#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"

/* The toggle switch with a1 = a2 = 3, whose equilibria have closed forms (the example
 * itself is asymmetric, for its hysteresis loop); relative to data/examples. */
#define SYMMETRIC_TOGGLE "../../tests/data/toggle-symmetric.ode"

static CurrentsModel *
model_from (const char *source)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *m = currents_model_new_from_string (source, "test.ode", &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static GPtrArray *
find (const CurrentsModel *m,
      const double        *lo,
      const double        *hi,
      gsize                n_seeds)
{
  g_autoptr(GError) error = NULL;
  CurrentsEquilibriaOptions o;
  GPtrArray *eqs;

  currents_equilibria_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  o.n_seeds = n_seeds;
  o.seed = 2385;
  eqs = currents_equilibria_find (currents_model_get_field (m), currents_model_get_params (m),
                                  currents_model_get_input_defaults (m), &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (eqs);
  return eqs;
}

/* ‖J v − λ v‖ small, ‖v‖ = 1, largest component real and positive; residual ≤ 1e-12. */
static void
check_eigenpairs (CurrentsField             *field,
                  const double              *p,
                  const double              *u,
                  double                     t,
                  const CurrentsEquilibrium *eq)
{
  gsize n = eq->n;
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  g_autofree double *f = g_new (double, n);
  g_autofree double *J = g_new (double, n * n);
  double normj = 0.0;

  g_assert_cmpfloat (eq->residual, <=, 1e-12);
  currents_field_jacobian (ws, t, eq->state, u, p, f, J, NULL);
  for (gsize i = 0; i < n * n; i++)
    normj += J[i] * J[i];
  normj = sqrt (normj);
  for (gsize k = 0; k < n; k++)
    {
      double lr = eq->eig_re[k], li = eq->eig_im[k], nv = 0.0, err = 0.0, big = 0.0;

      if (k > 0)
        g_assert_cmpfloat (eq->eig_re[k], <=, eq->eig_re[k - 1]);
      if (li > 0)
        {
          g_assert_cmpuint (k + 1, <, n);
          g_assert_cmpfloat (eq->eig_re[k + 1], ==, lr);
          g_assert_cmpfloat (eq->eig_im[k + 1], ==, -li);
        }
      for (gsize i = 0; i < n; i++)
        {
          double vr = eq->evec_re[i * n + k], vi = eq->evec_im[i * n + k];
          double ar = 0.0, ai = 0.0;

          nv += vr * vr + vi * vi;
          big = MAX (big, hypot (vr, vi));
          for (gsize j = 0; j < n; j++)
            {
              ar += J[i * n + j] * eq->evec_re[j * n + k];
              ai += J[i * n + j] * eq->evec_im[j * n + k];
            }
          ar -= lr * vr - li * vi;
          ai -= lr * vi + li * vr;
          err += ar * ar + ai * ai;
        }
      g_assert_cmpfloat_with_epsilon (nv, 1.0, 1e-13);
      g_assert_cmpfloat (sqrt (err), <=, 1e-12 * MAX (normj, 1.0));
      /* canonical phase: the first largest component is real and positive */
      for (gsize i = 0; i < n; i++)
        if (hypot (eq->evec_re[i * n + k], eq->evec_im[i * n + k]) >= big * (1 - 1e-9))
          {
            g_assert_cmpfloat (eq->evec_im[i * n + k], ==, 0.0);
            g_assert_cmpfloat (eq->evec_re[i * n + k], >, 0.0);
            break;
          }
    }
  g_assert_cmpuint (eq->n_stable + eq->n_unstable + eq->n_center, ==, n);
}

static void
check_model_eigenpairs (const CurrentsModel *m,
                        GPtrArray           *eqs)
{
  for (guint k = 0; k < eqs->len; k++)
    check_eigenpairs (currents_model_get_field (m), currents_model_get_params (m),
                      currents_model_get_input_defaults (m), 0.0, g_ptr_array_index (eqs, k));
}

/* ---------------------------------------------------------------------------------- */

typedef struct
{
  const char             *name;
  double                  a, b, c, d;           /* x' = a x + b y, y' = c x + d y */
  CurrentsEquilibriumType type;
  double                  l1r, l1i, l2r, l2i;   /* exact eigenvalues, in our order */
  double                  v1[4], v2[4];         /* exact unit eigenvectors: re0, im0, re1, im1 */
  gsize                   n_stable, n_unstable, n_center;
  gboolean                stable;
} LinearCase;

static void
test_linear_types (void)
{
  const double r2 = 1.0 / sqrt (2.0);
  const double s = 1.0 / sqrt (1.0 + 1.885 * 1.885);
  const double w = sqrt (1.3 * 2.6);
  const LinearCase cases[] = {
    /* upper triangular: λ = −0.5 with (1, 1.885)/‖·‖ (second largest → scaled), −2.385 with e₁ */
    { "stable node", -2.385, 1.0, 0.0, -0.5, CURRENTS_EQUILIBRIUM_STABLE_NODE,
      -0.5, 0, -2.385, 0, { s, 0, 1.885 * s, 0 }, { 1, 0, 0, 0 }, 2, 0, 0, TRUE },
    { "unstable node", 2.385, 0.5, 0.0, 0.75, CURRENTS_EQUILIBRIUM_UNSTABLE_NODE,
      2.385, 0, 0.75, 0, { 1, 0, 0, 0 }, { -0.5 / hypot (0.5, 1.635), 0, 1.635 / hypot (0.5, 1.635), 0 },
      0, 2, 0, FALSE },
    { "saddle", 0.5, 1.5, 1.5, 0.5, CURRENTS_EQUILIBRIUM_SADDLE,
      2.0, 0, -1.0, 0, { r2, 0, r2, 0 }, { r2, 0, -r2, 0 }, 1, 1, 0, FALSE },
    { "stable focus", -0.3, 2.385, -2.385, -0.3, CURRENTS_EQUILIBRIUM_STABLE_FOCUS,
      -0.3, 2.385, -0.3, -2.385, { r2, 0, 0, r2 }, { r2, 0, 0, -r2 }, 2, 0, 0, TRUE },
    { "unstable focus", 0.4, -1.7, 1.7, 0.4, CURRENTS_EQUILIBRIUM_UNSTABLE_FOCUS,
      0.4, 1.7, 0.4, -1.7, { r2, 0, 0, -r2 }, { r2, 0, 0, r2 }, 0, 2, 0, FALSE },
    /* J = [[0, 1.3], [−2.6, 0]]: λ = ±iω, ω = √3.38; v = (1.3, iω)/‖·‖, |v₁| = ω > 1.3 */
    { "center", 0.0, 1.3, -2.6, 0.0, CURRENTS_EQUILIBRIUM_CENTER,
      0.0, w, 0.0, -w, { 0, 0, 0, 0 }, { 0, 0, 0, 0 }, 0, 0, 2, FALSE },
    /* Jordan block: −1 twice */
    { "degenerate", -1.0, 1.0, 0.0, -1.0, CURRENTS_EQUILIBRIUM_DEGENERATE,
      -1.0, 0, -1.0, 0, { 1, 0, 0, 0 }, { 1, 0, 0, 0 }, 2, 0, 0, TRUE },
  };
  const double lo[] = { -1.0, -2.0 }, hi[] = { 1.5, 1.0 };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      const LinearCase *lc = &cases[c];
      g_autofree char *src = g_strdup_printf ("par a=%.17g, b=%.17g, c=%.17g, d=%.17g\n"
                                              "x' = a*x + b*y\ny' = c*x + d*y\n",
                                              lc->a, lc->b, lc->c, lc->d);
      g_autoptr(CurrentsModel) m = model_from (src);
      g_autoptr(GPtrArray) eqs = find (m, lo, hi, 0);
      const CurrentsEquilibrium *eq;

      g_test_message ("%s", lc->name);
      g_assert_cmpuint (eqs->len, ==, 1);
      eq = g_ptr_array_index (eqs, 0);
      g_assert_cmpfloat (fabs (eq->state[0]), <=, 1e-14);
      g_assert_cmpfloat (fabs (eq->state[1]), <=, 1e-14);
      g_assert_cmpint (eq->type, ==, lc->type);
      g_assert_cmpstr (currents_equilibrium_type_to_string (eq->type), ==, lc->name);
      g_assert_cmpfloat_with_epsilon (eq->eig_re[0], lc->l1r, 1e-12);
      g_assert_cmpfloat_with_epsilon (eq->eig_im[0], lc->l1i, 1e-12);
      g_assert_cmpfloat_with_epsilon (eq->eig_re[1], lc->l2r, 1e-12);
      g_assert_cmpfloat_with_epsilon (eq->eig_im[1], lc->l2i, 1e-12);
      g_assert_cmpuint (eq->n_stable, ==, lc->n_stable);
      g_assert_cmpuint (eq->n_unstable, ==, lc->n_unstable);
      g_assert_cmpuint (eq->n_center, ==, lc->n_center);
      g_assert_cmpint (eq->stable, ==, lc->stable);
      if (lc->type == CURRENTS_EQUILIBRIUM_CENTER)
        {
          double nrm = hypot (1.3, w);
          /* +iω: v = (1.3, iω)/‖·‖ has its largest entry second: times −i → (−1.3 i, ω) */
          g_assert_cmpfloat_with_epsilon (eq->evec_re[0], 0.0, 1e-14);
          g_assert_cmpfloat_with_epsilon (eq->evec_im[0], -1.3 / nrm, 1e-14);
          g_assert_cmpfloat_with_epsilon (eq->evec_re[2], w / nrm, 1e-14);
          g_assert_cmpfloat_with_epsilon (eq->evec_im[2], 0.0, 1e-14);
        }
      else if (lc->type != CURRENTS_EQUILIBRIUM_DEGENERATE)
        for (gsize i = 0; i < 2; i++)
          {
            g_assert_cmpfloat_with_epsilon (eq->evec_re[i * 2 + 0], lc->v1[2 * i], 1e-14);
            g_assert_cmpfloat_with_epsilon (eq->evec_im[i * 2 + 0], lc->v1[2 * i + 1], 1e-14);
            g_assert_cmpfloat_with_epsilon (eq->evec_re[i * 2 + 1], lc->v2[2 * i], 1e-14);
            g_assert_cmpfloat_with_epsilon (eq->evec_im[i * 2 + 1], lc->v2[2 * i + 1], 1e-14);
          }
      check_model_eigenpairs (m, eqs);
    }
}

static char *
example (const char *name)
{
  const char *dir = g_getenv ("CURRENTS_DATA_DIR");

  return g_build_filename (dir != NULL ? dir : CURRENTS_SOURCE_DIR "/data", "examples",
                           name, NULL);
}

static CurrentsModel *
load_example (const char *name)
{
  g_autofree char *path = example (name);
  g_autoptr(GError) error = NULL;
  CurrentsModel *m = currents_model_new_from_file (path, &error);

  g_assert_no_error (error);
  return m;
}

static void
test_pendulum (void)
{
  g_autoptr(CurrentsModel) m = load_example ("pendulum.ode");
  const double g = 9.81, l = 1.0, b = 0.5;
  const double lo[] = { -7.0, -8.0 }, hi[] = { 7.0, 8.0 };
  g_autoptr(GPtrArray) eqs = find (m, lo, hi, 0);

  g_assert_cmpuint (eqs->len, ==, 5);
  for (int k = -2; k <= 2; k++)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (eqs, k + 2);

      g_assert_cmpfloat_with_epsilon (eq->state[0], k * G_PI, 1e-13);
      g_assert_cmpfloat (fabs (eq->state[1]), <=, 1e-14);
      if (k % 2 == 0)
        {
          double w = sqrt (g / l - b * b / 4);

          g_assert_cmpint (eq->type, ==, CURRENTS_EQUILIBRIUM_STABLE_FOCUS);
          g_assert_true (eq->stable);
          g_assert_cmpfloat_with_epsilon (eq->eig_re[0], -b / 2, 1e-12);
          g_assert_cmpfloat_with_epsilon (eq->eig_im[0], w, 1e-12);
          g_assert_cmpfloat_with_epsilon (eq->eig_re[1], -b / 2, 1e-12);
          g_assert_cmpfloat_with_epsilon (eq->eig_im[1], -w, 1e-12);
        }
      else
        {
          double r = sqrt (b * b / 4 + g / l);

          g_assert_cmpint (eq->type, ==, CURRENTS_EQUILIBRIUM_SADDLE);
          g_assert_false (eq->stable);
          g_assert_cmpuint (eq->n_stable, ==, 1);
          g_assert_cmpuint (eq->n_unstable, ==, 1);
          g_assert_cmpfloat_with_epsilon (eq->eig_re[0], -b / 2 + r, 1e-12);
          g_assert_cmpfloat_with_epsilon (eq->eig_re[1], -b / 2 - r, 1e-12);
          g_assert_cmpfloat (eq->eig_im[0], ==, 0.0);
          /* eigenvector of λ: (1, λ)/√(1 + λ²) */
          for (int j = 0; j < 2; j++)
            {
              double lam = eq->eig_re[j], nv = sqrt (1 + lam * lam);
              double sg = eq->evec_re[0 * 2 + j] > 0 ? 1 : -1;

              g_assert_cmpfloat_with_epsilon (sg * eq->evec_re[0 * 2 + j], 1 / nv, 1e-13);
              g_assert_cmpfloat_with_epsilon (sg * eq->evec_re[1 * 2 + j], lam / nv, 1e-13);
            }
        }
    }
  check_model_eigenpairs (m, eqs);
}

static void
test_lotka_volterra (void)
{
  g_autoptr(CurrentsModel) m = load_example ("lotka-volterra.ode");
  const double a = 1.1, b = 0.4, c = 0.4, d = 0.1;
  const double lo[] = { -1.0, -1.0 }, hi[] = { 35.0, 12.0 };
  g_autoptr(GPtrArray) eqs = find (m, lo, hi, 0);
  const CurrentsEquilibrium *o, *e;

  g_assert_cmpuint (eqs->len, ==, 2);
  o = g_ptr_array_index (eqs, 0);
  e = g_ptr_array_index (eqs, 1);
  g_assert_cmpfloat (fabs (o->state[0]) + fabs (o->state[1]), <=, 1e-14);
  g_assert_cmpint (o->type, ==, CURRENTS_EQUILIBRIUM_SADDLE);
  g_assert_cmpfloat_with_epsilon (o->eig_re[0], a, 1e-13);
  g_assert_cmpfloat_with_epsilon (o->eig_re[1], -c, 1e-13);

  g_assert_cmpfloat_with_epsilon (e->state[0], c / d, 1e-12);
  g_assert_cmpfloat_with_epsilon (e->state[1], a / b, 1e-12);
  g_assert_cmpint (e->type, ==, CURRENTS_EQUILIBRIUM_CENTER);
  g_assert_false (e->stable);
  g_assert_cmpuint (e->n_center, ==, 2);
  g_assert_cmpfloat (fabs (e->eig_re[0]), <=, 1e-14);
  g_assert_cmpfloat_with_epsilon (e->eig_im[0], sqrt (a * c), 1e-13);
  g_assert_cmpfloat_with_epsilon (e->eig_im[1], -sqrt (a * c), 1e-13);
  check_model_eigenpairs (m, eqs);
}

static void
test_toggle (void)
{
  g_autoptr(CurrentsModel) m = load_example (SYMMETRIC_TOGGLE);
  const double lo[] = { 0.0, 0.0 }, hi[] = { 3.5, 3.5 };
  g_autoptr(GPtrArray) eqs = find (m, lo, hi, 0);
  /* u³ + u − 3 = 0 by Cardano */
  double q = sqrt (9.0 / 4.0 + 1.0 / 27.0);
  double s = cbrt (1.5 + q) + cbrt (1.5 - q);
  double lo_root = (3 - sqrt (5.0)) / 2, hi_root = (3 + sqrt (5.0)) / 2;
  const CurrentsEquilibrium *e0, *e1, *e2;

  g_assert_cmpfloat (fabs (s * s * s + s - 3), <=, 1e-14);
  g_assert_cmpuint (eqs->len, ==, 3);
  e0 = g_ptr_array_index (eqs, 0);
  e1 = g_ptr_array_index (eqs, 1);
  e2 = g_ptr_array_index (eqs, 2);
  /* (u, v) with u + v = 3, uv = 1: stable nodes, λ = −1 ± 2/3 */
  g_assert_cmpfloat_with_epsilon (e0->state[0], lo_root, 1e-13);
  g_assert_cmpfloat_with_epsilon (e0->state[1], hi_root, 1e-13);
  g_assert_cmpfloat_with_epsilon (e2->state[0], hi_root, 1e-13);
  g_assert_cmpfloat_with_epsilon (e2->state[1], lo_root, 1e-13);
  for (int k = 0; k < 2; k++)
    {
      const CurrentsEquilibrium *e = k ? e2 : e0;

      g_assert_cmpint (e->type, ==, CURRENTS_EQUILIBRIUM_STABLE_NODE);
      g_assert_true (e->stable);
      g_assert_cmpfloat_with_epsilon (e->eig_re[0], -1.0 / 3.0, 1e-13);
      g_assert_cmpfloat_with_epsilon (e->eig_re[1], -5.0 / 3.0, 1e-13);
    }
  /* u = v = s: saddle, λ = −1 ± (2/3) s³ */
  g_assert_cmpfloat_with_epsilon (e1->state[0], s, 1e-13);
  g_assert_cmpfloat_with_epsilon (e1->state[1], s, 1e-13);
  g_assert_cmpint (e1->type, ==, CURRENTS_EQUILIBRIUM_SADDLE);
  g_assert_cmpfloat_with_epsilon (e1->eig_re[0], -1 + 2.0 / 3.0 * s * s * s, 1e-13);
  g_assert_cmpfloat_with_epsilon (e1->eig_re[1], -1 - 2.0 / 3.0 * s * s * s, 1e-13);
  check_model_eigenpairs (m, eqs);
}

static void
test_lorenz (void)
{
  g_autoptr(CurrentsModel) m = load_example ("lorenz.ode");
  const double sigma = 10, rho = 28, beta = 8.0 / 3.0;
  const double lo[] = { -25.0, -30.0, -5.0 }, hi[] = { 25.0, 30.0, 55.0 };
  g_autoptr(GPtrArray) eqs = find (m, lo, hi, 0);
  double r = sqrt (beta * (rho - 1));

  g_assert_cmpuint (eqs->len, ==, 3);
  for (int k = 0; k < 3; k++)
    {
      const CurrentsEquilibrium *e = g_ptr_array_index (eqs, k);
      double sg = k - 1.0;

      if (k == 1)
        {
          double disc = sqrt ((sigma + 1) * (sigma + 1) + 4 * sigma * (rho - 1));

          for (int i = 0; i < 3; i++)
            g_assert_cmpfloat (fabs (e->state[i]), <=, 1e-13);
          g_assert_cmpint (e->type, ==, CURRENTS_EQUILIBRIUM_SADDLE);
          g_assert_cmpuint (e->n_unstable, ==, 1);
          g_assert_cmpuint (e->n_stable, ==, 2);
          g_assert_cmpfloat_with_epsilon (e->eig_re[0], (-(sigma + 1) + disc) / 2, 1e-12);
          g_assert_cmpfloat_with_epsilon (e->eig_re[1], -beta, 1e-12);
          g_assert_cmpfloat_with_epsilon (e->eig_re[2], (-(sigma + 1) - disc) / 2, 1e-12);
          continue;
        }
      g_assert_cmpfloat_with_epsilon (e->state[0], sg * r, 1e-12);
      g_assert_cmpfloat_with_epsilon (e->state[1], sg * r, 1e-12);
      g_assert_cmpfloat_with_epsilon (e->state[2], rho - 1, 1e-12);
      g_assert_cmpint (e->type, ==, CURRENTS_EQUILIBRIUM_SADDLE_FOCUS);
      g_assert_cmpstr (currents_equilibrium_type_to_string (e->type), ==, "saddle-focus");
      g_assert_cmpuint (e->n_unstable, ==, 2);
      g_assert_cmpuint (e->n_stable, ==, 1);
      g_assert_false (e->stable);
      /* λ³ + (σ+β+1)λ² + β(σ+ρ)λ + 2σβ(ρ−1) = 0 for each eigenvalue */
      for (int j = 0; j < 3; j++)
        {
          double lr = e->eig_re[j], li = e->eig_im[j];
          double c2 = sigma + beta + 1, c1 = beta * (sigma + rho), c0 = 2 * sigma * beta * (rho - 1);
          /* λ² and λ³ in complex arithmetic */
          double l2r = lr * lr - li * li, l2i = 2 * lr * li;
          double l3r = l2r * lr - l2i * li, l3i = l2r * li + l2i * lr;
          double pr = l3r + c2 * l2r + c1 * lr + c0, pi = l3i + c2 * l2i + c1 * li;

          g_assert_cmpfloat (hypot (pr, pi), <=, 1e-10 * c0);
        }
      g_assert_cmpfloat (e->eig_im[0], >, 9.0);   /* 0.094 ± 10.19 i */
      g_assert_cmpfloat (e->eig_re[0], >, 0.0);
    }
  check_model_eigenpairs (m, eqs);
}

static void
test_empty_box (void)
{
  g_autoptr(CurrentsModel) m = model_from ("x' = 1 + x^2\ny' = -y\n");
  g_autoptr(CurrentsModel) t = load_example ("toggle.ode");
  const double lo[] = { -3.0, -3.0 }, hi[] = { 3.0, 3.0 };
  const double tlo[] = { 5.0, 5.0 }, thi[] = { 9.0, 9.0 };   /* no toggle state up there */
  g_autoptr(GPtrArray) e1 = find (m, lo, hi, 0);
  g_autoptr(GPtrArray) e2 = find (t, tlo, thi, 0);

  g_assert_cmpuint (e1->len, ==, 0);
  g_assert_cmpuint (e2->len, ==, 0);
}

static void
test_singular (void)
{
  /* x' = x², y' = −y: a double root at the origin, J = diag(0, −1) there */
  g_autoptr(CurrentsModel) m = model_from ("x' = x^2\ny' = -y\n");
  const double lo[] = { -1.3, -1.0 }, hi[] = { 1.0, 2.0 };
  g_autoptr(GPtrArray) eqs = find (m, lo, hi, 100);
  const CurrentsEquilibrium *e;

  g_assert_cmpuint (eqs->len, ==, 1);
  e = g_ptr_array_index (eqs, 0);
  g_assert_cmpfloat (fabs (e->state[0]), <=, 1e-12);
  g_assert_cmpfloat (fabs (e->state[1]), <=, 1e-14);
  g_assert_cmpfloat (e->residual, <=, 1e-12);
  g_assert_cmpint (e->type, ==, CURRENTS_EQUILIBRIUM_DEGENERATE);
  g_assert_false (e->stable);
  g_assert_cmpuint (e->n_center, ==, 1);
  g_assert_cmpuint (e->n_stable, ==, 1);
  g_assert_cmpfloat (fabs (e->eig_re[0]), <=, 1e-11);
  g_assert_cmpfloat_with_epsilon (e->eig_re[1], -1.0, 1e-14);

  /* the zero matrix: every point of the plane is an equilibrium of x' = 0 · x; the
   * linearisation is degenerate, and nothing crashes */
  {
    g_autoptr(CurrentsModel) z = model_from ("par k=0\nx' = k*x\ny' = -y\n");
    g_autoptr(CurrentsEquilibrium) a = NULL;
    const double x0[] = { 0.25, 0.0 };

    a = currents_equilibrium_analyse (currents_model_get_field (z), currents_model_get_params (z),
                                      NULL, 0.0, x0);
    g_assert_cmpint (a->type, ==, CURRENTS_EQUILIBRIUM_DEGENERATE);
    g_assert_cmpfloat (a->residual, ==, 0.0);
  }
}

static void
test_dedupe (void)
{
  g_autoptr(CurrentsModel) lin = model_from ("x' = -2.385*x + y - 0.3\ny' = -0.5*y + 0.7\n");
  g_autoptr(CurrentsModel) pend = load_example ("pendulum.ode");
  const double lo[] = { -4.0, -4.0 }, hi[] = { 4.0, 4.0 };
  const double plo[] = { -7.0, -8.0 }, phi[] = { 7.0, 8.0 };
  g_autoptr(GPtrArray) e1 = find (lin, lo, hi, 700);
  g_autoptr(GPtrArray) e2 = find (pend, plo, phi, 900);
  const CurrentsEquilibrium *e;

  g_assert_cmpuint (e1->len, ==, 1);
  e = g_ptr_array_index (e1, 0);
  g_assert_cmpfloat_with_epsilon (e->state[1], 1.4, 1e-14);
  g_assert_cmpfloat_with_epsilon (e->state[0], (1.4 - 0.3) / 2.385, 1e-14);
  g_assert_cmpuint (e2->len, ==, 5);
  check_model_eigenpairs (pend, e2);
}

static void
test_non_finite (void)
{
  /* log(x) is NaN for x < 0: those starts are dropped; the root e^{−1/2} stays */
  g_autoptr(CurrentsModel) m = model_from ("x' = log(x) + 0.5\ny' = -y\n");
  g_autoptr(CurrentsModel) nan = model_from ("x' = sqrt(-1 - x^2)\ny' = -y\n");
  const double lo[] = { -2.0, -2.0 }, hi[] = { 2.0, 2.0 };
  g_autoptr(GPtrArray) e1 = find (m, lo, hi, 0);
  g_autoptr(GPtrArray) e2 = find (nan, lo, hi, 0);

  g_assert_cmpuint (e1->len, ==, 1);
  g_assert_cmpfloat_with_epsilon (((CurrentsEquilibrium *) g_ptr_array_index (e1, 0))->state[0],
                                  exp (-0.5), 1e-14);
  g_assert_cmpuint (e2->len, ==, 0);

  /* the linearisation of a point where J is not finite: NaN eigenvalues, degenerate */
  {
    g_autoptr(CurrentsModel) s = model_from ("x' = sqrt(x)\ny' = -y\n");
    const double x0[] = { 0.0, 0.0 };
    g_autoptr(CurrentsEquilibrium) a =
      currents_equilibrium_analyse (currents_model_get_field (s), currents_model_get_params (s),
                                    NULL, 0.0, x0);

    g_assert_cmpint (a->type, ==, CURRENTS_EQUILIBRIUM_DEGENERATE);
    g_assert_true (isnan (a->eig_re[0]));
    g_assert_false (a->stable);
  }
}

static void
test_non_autonomous (void)
{
  /* x' = −x + sin(t), y' = −2y + 1, frozen at t = 0.7: x* = sin 0.7 */
  g_autoptr(CurrentsModel) m = model_from ("x' = -x + sin(t)\ny' = -2*y + 1\n");
  g_autoptr(GError) error = NULL;
  const double lo[] = { -2.0, -2.0 }, hi[] = { 2.0, 2.0 };
  CurrentsEquilibriaOptions o;
  g_autoptr(GPtrArray) eqs = NULL;
  const CurrentsEquilibrium *e;

  g_assert_false (currents_field_is_autonomous (currents_model_get_field (m)));
  currents_equilibria_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  o.t = 0.7;
  eqs = currents_equilibria_find (currents_model_get_field (m), currents_model_get_params (m),
                                  NULL, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (eqs->len, ==, 1);
  e = g_ptr_array_index (eqs, 0);
  g_assert_cmpfloat_with_epsilon (e->state[0], sin (0.7), 1e-15);
  g_assert_cmpfloat_with_epsilon (e->state[1], 0.5, 1e-15);
  g_assert_cmpint (e->type, ==, CURRENTS_EQUILIBRIUM_STABLE_NODE);
}

static void
test_polish (void)
{
  g_autoptr(CurrentsModel) m = load_example ("pendulum.ode");
  g_autoptr(CurrentsModel) none = model_from ("x' = x^2 + 1\n");
  g_autoptr(GError) error = NULL;
  double x[] = { 3.0, 0.1 }, res = -1;
  double z[] = { 0.0 };

  g_assert_true (currents_equilibrium_polish (currents_model_get_field (m),
                                              currents_model_get_params (m), NULL, 0.0, x,
                                              0.0, 0, &res, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (x[0], G_PI, 1e-14);
  g_assert_cmpfloat (res, <=, 1e-12);

  /* J = 0 at x = 0 and f = 1: Newton cannot take a step */
  g_assert_false (currents_equilibrium_polish (currents_model_get_field (none),
                                               currents_model_get_params (none), NULL, 0.0, z,
                                               0.0, 0, &res, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN);
  g_clear_error (&error);
  /* from elsewhere it wanders without converging */
  z[0] = 0.75;
  g_assert_false (currents_equilibrium_polish (currents_model_get_field (none),
                                               currents_model_get_params (none), NULL, 0.0, z,
                                               0.0, 20, &res, &error));
  g_assert_nonnull (error);
  g_assert_true (error->code == CURRENTS_ENGINE_ERROR_NO_CONVERGENCE ||
                 error->code == CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN);
  g_clear_error (&error);
  z[0] = NAN;
  g_assert_false (currents_equilibrium_polish (currents_model_get_field (none),
                                               currents_model_get_params (none), NULL, 0.0, z,
                                               0.0, 0, &res, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
}

static void
expect_box_error (CurrentsModel *m,
                  const double  *lo,
                  const double  *hi,
                  double         tol,
                  const char    *fragment)
{
  g_autoptr(GError) error = NULL;
  CurrentsEquilibriaOptions o;
  GPtrArray *eqs;

  currents_equilibria_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  o.tol = tol;
  eqs = currents_equilibria_find (currents_model_get_field (m), currents_model_get_params (m),
                                  NULL, &o, NULL, &error);
  g_assert_null (eqs);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, fragment));
}

static void
test_errors (void)
{
  g_autoptr(CurrentsModel) m = load_example ("pendulum.ode");
  const double lo[] = { -1.0, -1.0 }, hi[] = { 1.0, 1.0 };
  const double inv[] = { 1.0, -2.0 }, nanb[] = { NAN, 1.0 }, flat[] = { 1.0, 1.0 };
  const double infb[] = { 1.0, INFINITY };

  expect_box_error (m, lo, inv, 0, "inverted");
  expect_box_error (m, flat, flat, 0, "zero width");
  expect_box_error (m, nanb, hi, 0, "not finite");
  expect_box_error (m, lo, infb, 0, "not finite");
  expect_box_error (m, NULL, hi, 0, "both corners");
  expect_box_error (m, lo, hi, -1e-3, "tolerance");
  expect_box_error (m, lo, hi, NAN, "tolerance");
}

static void
test_cancel (void)
{
  g_autoptr(CurrentsModel) m = load_example ("pendulum.ode");
  g_autoptr(GCancellable) c = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  const double lo[] = { -7.0, -8.0 }, hi[] = { 7.0, 8.0 };
  CurrentsEquilibriaOptions o;
  GPtrArray *eqs;

  currents_equilibria_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  g_cancellable_cancel (c);
  eqs = currents_equilibria_find (currents_model_get_field (m), currents_model_get_params (m),
                                  NULL, &o, c, &error);
  g_assert_null (eqs);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
}

/* A trained model (Neural ODE with identity activations, so f(x) = A x + c exactly):
 * x* = −A⁻¹ c, eigenvalues of A. */
static void
test_trained_linear (void)
{
  const char *states[] = { "p", "q", NULL };
  const double zero[] = { 0, 0 }, one[] = { 1, 1 };
  const double A[] = { -2.385, 0.5, 0.25, -1.5 }, cvec[] = { 1.2, 0.7 };
  CurrentsNeuralSpec spec;
  CurrentsNeuralScaling sc = { zero, one, NULL, NULL, NULL, NULL, 1.0 };
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsNeuralModel) nm = NULL;
  g_autofree double *theta = NULL;
  const double lo[] = { -3, -3 }, hi[] = { 3, 3 };
  CurrentsEquilibriaOptions o;
  g_autoptr(GPtrArray) eqs = NULL;
  const CurrentsEquilibrium *e;
  double det = A[0] * A[3] - A[1] * A[2];
  double xs = -(A[3] * cvec[0] - A[1] * cvec[1]) / det;
  double ys = -(-A[2] * cvec[0] + A[0] * cvec[1]) / det;
  double tr = A[0] + A[3], disc = sqrt (tr * tr / 4 - det);
  gsize k = 0;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 2;
  spec.activation = CURRENTS_ACTIVATION_IDENTITY;
  nm = currents_neural_model_new_full (states, NULL, &spec, &sc, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_neural_model_get_n_params (nm), ==, 4 + 2 + 4 + 2);
  theta = g_new0 (double, 12);
  /* layer 1: W = I, b = 0; layer 2: W = A, b = c */
  theta[k++] = 1; theta[k++] = 0; theta[k++] = 0; theta[k++] = 1;
  theta[k++] = 0; theta[k++] = 0;
  for (int i = 0; i < 4; i++)
    theta[k++] = A[i];
  theta[k++] = cvec[0];
  theta[k++] = cvec[1];

  currents_equilibria_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  eqs = currents_equilibria_find (currents_neural_model_get_field (nm), theta, NULL, &o, NULL,
                                  &error);
  g_assert_no_error (error);
  g_assert_cmpuint (eqs->len, ==, 1);
  e = g_ptr_array_index (eqs, 0);
  g_assert_cmpfloat_with_epsilon (e->state[0], xs, 1e-14);
  g_assert_cmpfloat_with_epsilon (e->state[1], ys, 1e-14);
  g_assert_cmpint (e->type, ==, CURRENTS_EQUILIBRIUM_STABLE_NODE);
  g_assert_cmpfloat_with_epsilon (e->eig_re[0], tr / 2 + disc, 1e-13);
  g_assert_cmpfloat_with_epsilon (e->eig_re[1], tr / 2 - disc, 1e-13);
  check_eigenpairs (currents_neural_model_get_field (nm), theta, NULL, 0.0, e);
}

static void
test_copy_and_strings (void)
{
  g_autoptr(CurrentsModel) m = load_example ("lorenz.ode");
  const double x[] = { 0, 0, 0 };
  g_autoptr(CurrentsEquilibrium) a =
    currents_equilibrium_analyse (currents_model_get_field (m), currents_model_get_params (m),
                                  NULL, 0.0, x);
  g_autoptr(CurrentsEquilibrium) c = currents_equilibrium_copy (a);
  const char *names[] = { "stable node", "unstable node", "saddle", "stable focus",
                          "unstable focus", "center", "degenerate", "saddle-focus" };

  g_assert_cmpuint (c->n, ==, 3);
  g_assert_cmpint (c->type, ==, a->type);
  g_assert_cmpmem (c->eig_re, 3 * sizeof (double), a->eig_re, 3 * sizeof (double));
  g_assert_cmpmem (c->evec_im, 9 * sizeof (double), a->evec_im, 9 * sizeof (double));
  g_assert_cmpfloat (c->residual, ==, 0.0);
  for (int t = 0; t < 8; t++)
    g_assert_cmpstr (currents_equilibrium_type_to_string (t), ==, names[t]);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/equilibria/linear-types", test_linear_types);
  g_test_add_func ("/engine/equilibria/pendulum", test_pendulum);
  g_test_add_func ("/engine/equilibria/lotka-volterra", test_lotka_volterra);
  g_test_add_func ("/engine/equilibria/toggle", test_toggle);
  g_test_add_func ("/engine/equilibria/lorenz", test_lorenz);
  g_test_add_func ("/engine/equilibria/empty-box", test_empty_box);
  g_test_add_func ("/engine/equilibria/singular", test_singular);
  g_test_add_func ("/engine/equilibria/dedupe", test_dedupe);
  g_test_add_func ("/engine/equilibria/non-finite", test_non_finite);
  g_test_add_func ("/engine/equilibria/non-autonomous", test_non_autonomous);
  g_test_add_func ("/engine/equilibria/polish", test_polish);
  g_test_add_func ("/engine/equilibria/errors", test_errors);
  g_test_add_func ("/engine/equilibria/cancel", test_cancel);
  g_test_add_func ("/engine/equilibria/trained-linear", test_trained_linear);
  g_test_add_func ("/engine/equilibria/copy-and-strings", test_copy_and_strings);
  return g_test_run ();
}
