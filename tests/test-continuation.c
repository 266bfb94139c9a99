/* test-continuation.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Continuation against closed forms:
 *   saddle-node    x' = r + x²                  fold at r = 0, x = 0, a = ±1
 *   cusp           x' = h + r x − x³ (r = 1)    folds at h = ±2/(3√3), x = ∓1/√3
 *   Brusselator    x' = a − (b+1)x + x²y,
 *                  y' = bx − x²y                Hopf at b = 1 + a², ω = a, l₁ = −1/(a²+a)
 *   toggle (n = 2) u' = a/(1+v²) − u, …         pitchfork at a = 2, u = v = 1; the
 *                                               asymmetric branch uv = 1, u + v = a
 *   Hopf normal    x' = μx − ωy + s x r², …     l₁ = 2s/ω (‖q‖ = 1, ⟨p,q⟩ = 1)
 *   Lorenz                                      Hopf at ρ = σ(σ+β+3)/(σ−β−1), l₁ > 0
 * (the l₁ references: Kuznetsov's formula evaluated exactly with SymPy).
 *   Bogdanov–Takens x' = y, y' = β₁ + β₂x + x² + sxy   BT at (0, 0)
 *   cusp in (h, r)                              cusp at (0, 0)
 *   Hopf points ±1e-3 either side of a fold    both found
 * and hvp against central differences of the exact Jacobian.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-continuation.h"
#include "currents-engine.h"
#include "currents-equilibria.h"
#include "currents-field-private.h"
#include "currents-tape-tangent-private.h"

static CurrentsSystem *
system_from (const char *src)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (src, "test.ode", &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return currents_system_new_from_model (model);
}

static CurrentsContinuation *
run_one (CurrentsSystem *sys,
         const char     *param,
         double          lo,
         double          hi,
         const double   *box_lo,
         const double   *box_hi)
{
  CurrentsContinuationOptions o;
  g_autoptr(GError) error = NULL;
  CurrentsContinuation *c;

  currents_continuation_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  o.box_lo = box_lo;
  o.box_hi = box_hi;
  c = currents_continuation_new (sys, param, &o, &error);
  g_assert_no_error (error);
  currents_continuation_run (c, NULL, &error);
  g_assert_no_error (error);
  return c;
}

static GPtrArray *
specials (CurrentsContinuation    *c,
          CurrentsBifurcationKind  kind)
{
  return currents_continuation_result_get_special (currents_continuation_get_result (c), kind);
}

static int
compare_param (gconstpointer a,
               gconstpointer b)
{
  const CurrentsBifurcation *x = *(const CurrentsBifurcation *const *) a;
  const CurrentsBifurcation *y = *(const CurrentsBifurcation *const *) b;
  return (x->param > y->param) - (x->param < y->param);
}

/* ---------------------------------------------------------------------------------- */

static void
check_hvp (const char   *src,
           const double *x,
           const double *v,
           const double *w)
{
  g_autoptr(CurrentsSystem) sys = system_from (src);
  CurrentsField *field = currents_system_get_field (sys);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  gsize n = currents_system_get_n_states (sys);
  const double *p = currents_system_get_params (sys);
  const double *u = currents_system_get_inputs (sys);
  g_autofree double *out = g_new (double, n), *fd = g_new (double, n);
  g_autofree double *xp = g_new (double, n), *xm = g_new (double, n);
  g_autofree double *Jp = g_new (double, n * n), *Jm = g_new (double, n * n);
  double h = 1e-5, err = 0.0, scale = 0.0;

  g_assert_true (currents_field_has_hvp (field));
  g_assert_true (currents_field_hvp (ws, 0.0, x, u, p, v, w, out));
  for (gsize i = 0; i < n; i++)
    {
      xp[i] = x[i] + h * v[i];
      xm[i] = x[i] - h * v[i];
    }
  currents_field_jacobian (ws, 0.0, xp, u, p, NULL, Jp, NULL);
  currents_field_jacobian (ws, 0.0, xm, u, p, NULL, Jm, NULL);
  for (gsize i = 0; i < n; i++)
    {
      double s = 0.0;
      for (gsize j = 0; j < n; j++)
        s += (Jp[i * n + j] - Jm[i * n + j]) * w[j];
      fd[i] = s / (2.0 * h);
      err = MAX (err, fabs (fd[i] - out[i]));
      scale = MAX (scale, fabs (fd[i]));
    }
  if (err > 1e-7 * MAX (scale, 1.0))
    g_error ("hvp of '%s': error %g (scale %g)", src, err, scale);
}

static void
test_hvp (void)
{
  const double x2[] = { 0.7315, -0.4281 }, v2[] = { 0.613, -1.207 }, w2[] = { -0.385, 0.914 };
  const double x3[] = { 0.7315, 0.4281, 1.385 }, v3[] = { 0.613, -1.207, 0.33 };
  const double w3[] = { -0.385, 0.914, 0.71 };

  check_hvp ("x' = x*y^3 - sin(x*y) + exp(-y)/(1 + x^2)\n"
             "y' = atan(x - 2*y) + tanh(x*y) - sqrt(2 + x) * ln(3 + y)\n", x2, v2, w2);
  check_hvp ("x' = cosh(x) * sinh(y) + tan(0.3*x) - log10(2 + y^2) + atan2(y, x + 2)\n"
             "y' = asin(0.5*x) * acos(0.3*y) + abs(x - y)^3 + max(x, y)^2 * min(x*x, y)\n",
             x2, v2, w2);
  check_hvp ("x' = if(x > 0)then(x^2*y)else(-y^3) + x^y\n"
             "y' = (x + 2)^(1.5 + y) - mod(x, 0.3)*y + heav(y)*x*x\n", x3, v3, w3);
  check_hvp ("par a=1.3, b=0.7\n"
             "x' = a*x/(b + y*y) - x*y*z\n"
             "y' = z^2.5 + x/(1 + z) - b*y^3\n"
             "z' = sqrt(x*x + y*y + z*z) - exp(a*x*z)\n", x3, v3, w3);
  check_hvp ("learn g(s, t) hidden=5,4 activation=tanh seed=3\n"
             "learn h(s) hidden=6 activation=softplus seed=5\n"
             "x' = g(x, y)*x + h(y)^2\n"
             "y' = g(y*y, x) - h(x*y)*y\n", x2, v2, w2);
  check_hvp ("learn g(s, t) hidden=7 activation=silu seed=2\n"
             "x' = g(x, y)*g(y, x)\n"
             "y' = x - y + g(x + y, x - y)\n", x2, v2, w2);
}

/* The tape's tangent passes: ∂f/∂u, ∂f/∂p and ∂/∂p (J w) against central differences. */
static void
test_tangent (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("input k=0.8\npar a=1.3, b=0.7\n"
                                               "x' = a*x/(b + y*y) - k^2*x*y\n"
                                               "y' = exp(-a*k*y) + x/(1 + b*x*x)\n");
  CurrentsField *field = currents_system_get_field (sys);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  const Tape *tape = currents_field_get_impl (field);
  double x[2] = { 0.61, -0.83 }, w[2] = { 0.37, -1.1 };
  double u[1] = { 0.8 }, p[2] = { 1.3, 0.7 };
  double d1[2], d12[2], fp[2], fm[2], Jp[4], Jm[4], h = 1e-6;

  for (int seed = 0; seed < 3; seed++)
    {
      double *slot = seed == 0 ? &u[0] : &p[seed - 1], keep = *slot;

      g_assert_true (_currents_tape_tangent2 (tape, _currents_field_workspace_get_impl_ws (ws),
                                              0.0, x, u, p, NULL, seed, w, NULL, d1, NULL,
                                              d12));
      *slot = keep + h;
      currents_field_jacobian (ws, 0.0, x, u, p, fp, Jp, NULL);
      *slot = keep - h;
      currents_field_jacobian (ws, 0.0, x, u, p, fm, Jm, NULL);
      *slot = keep;
      for (int i = 0; i < 2; i++)
        {
          double fd1 = (fp[i] - fm[i]) / (2 * h);
          double fd12 = ((Jp[2 * i] - Jm[2 * i]) * w[0] + (Jp[2 * i + 1] - Jm[2 * i + 1]) * w[1])
                        / (2 * h);
          g_assert_cmpfloat_with_epsilon (d1[i], fd1, 1e-7 * (1 + fabs (fd1)));
          g_assert_cmpfloat_with_epsilon (d12[i], fd12, 1e-7 * (1 + fabs (fd12)));
        }
    }
}

/* ---------------------------------------------------------------------------------- */

static void
test_saddle_node (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par r=-0.5\nx' = r + x^2\n");
  const double lo[] = { -2 }, hi[] = { 2 };
  g_autoptr(CurrentsContinuation) c = run_one (sys, "r", -1.0, 1.0, lo, hi);
  const CurrentsContinuationResult *res = currents_continuation_get_result (c);
  g_autoptr(GPtrArray) folds = specials (c, CURRENTS_BIFURCATION_FOLD);
  const CurrentsContinuationBranch *br;
  const CurrentsBifurcation *f;

  /* both equilibria at r = −0.5 lie on one branch */
  g_assert_cmpuint (res->branches->len, ==, 1);
  g_assert_cmpuint (folds->len, ==, 1);
  f = g_ptr_array_index (folds, 0);
  g_assert_cmpfloat (fabs (f->param), <=, 1e-10);
  g_assert_cmpfloat (fabs (f->state[0]), <=, 1e-6);
  g_assert_cmpfloat_with_epsilon (fabs (f->normal_form), 1.0, 1e-8);
  br = g_ptr_array_index (res->branches, 0);
  for (gsize k = 0; k < br->n_points; k++)
    {
      double r = br->param[k], x = br->state[k];

      g_assert_cmpfloat (r, >=, -1.0 - 1e-12);
      g_assert_cmpfloat (r, <=, 1e-10);
      g_assert_cmpfloat (fabs (r + x * x), <=, 1e-10);
      if (fabs (x) > 1e-6)
        g_assert_cmpint (br->stable[k], ==, x < 0);
    }
  /* both ends at r = −1 */
  g_assert_cmpfloat_with_epsilon (br->param[0], -1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (br->param[br->n_points - 1], -1.0, 1e-12);
  g_assert_cmpint (br->end_first, ==, CURRENTS_CONTINUATION_END_RANGE);
  g_assert_cmpint (br->end_last, ==, CURRENTS_CONTINUATION_END_RANGE);
}

static void
test_cusp_folds (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par h=0.1, r=1\nx' = h + r*x - x^3\n");
  const double lo[] = { -3 }, hi[] = { 3 };
  g_autoptr(CurrentsContinuation) c = run_one (sys, "h", -1.0, 1.0, lo, hi);
  g_autoptr(GPtrArray) folds = specials (c, CURRENTS_BIFURCATION_FOLD);
  double hf = 2.0 / (3.0 * sqrt (3.0));

  g_assert_cmpuint (folds->len, ==, 2);
  g_ptr_array_sort (folds, compare_param);
  for (guint i = 0; i < 2; i++)
    {
      const CurrentsBifurcation *f = g_ptr_array_index (folds, i);
      double sign = i == 0 ? -1.0 : 1.0;

      g_test_message ("fold %u: h = %.17g (error %.3g)", i, f->param, f->param - sign * hf);
      g_assert_cmpfloat (fabs (f->param - sign * hf), <=, 1e-8 * hf);
      g_assert_cmpfloat (fabs (f->state[0] + sign / sqrt (3.0)), <=, 1e-7);
      /* a = ½ f_xx = −3x, up to the orientation of q */
      g_assert_cmpfloat_with_epsilon (fabs (f->normal_form), sqrt (3.0), 1e-7);
    }
  g_assert_cmpuint (currents_continuation_get_result (c)->branches->len, ==, 1);
}

static void
test_brusselator (void)
{
  for (int k = 0; k < 2; k++)
    {
      double a = k == 0 ? 1.0 : 2.0;
      g_autofree char *src = g_strdup_printf ("par a=%g, b=1\n"
                                              "x' = a - (b + 1)*x + x^2*y\n"
                                              "y' = b*x - x^2*y\n", a);
      g_autoptr(CurrentsSystem) sys = system_from (src);
      const double lo[] = { 0, 0 }, hi[] = { 5, 10 };
      g_autoptr(CurrentsContinuation) c = run_one (sys, "b", 0.5, 7.0, lo, hi);
      g_autoptr(GPtrArray) hopf = specials (c, CURRENTS_BIFURCATION_HOPF);
      const CurrentsBifurcation *hp;
      double bh = 1.0 + a * a;

      g_assert_cmpuint (hopf->len, ==, 1);
      hp = g_ptr_array_index (hopf, 0);
      g_test_message ("Brusselator a = %g: Hopf at b = %.17g (error %.3g), ω = %.17g, l1 = %.17g",
                      a, hp->param, hp->param - bh, hp->frequency, hp->lyapunov);
      g_assert_cmpfloat (fabs (hp->param - bh), <=, 1e-8 * bh);
      g_assert_cmpfloat_with_epsilon (hp->frequency, a, 1e-8);
      g_assert_cmpfloat_with_epsilon (hp->state[0], a, 1e-8);
      g_assert_cmpfloat_with_epsilon (hp->state[1], bh / a, 1e-8);
      /* Kuznetsov's formula evaluated symbolically (SymPy): l₁ = −1/(a² + a) */
      g_assert_cmpfloat_with_epsilon (hp->lyapunov, -1.0 / (a * a + a), 1e-7);
      {
        g_autoptr(GPtrArray) folds = specials (c, CURRENTS_BIFURCATION_FOLD);
        g_assert_cmpuint (folds->len, ==, 0);
      }
    }
}

static void
test_toggle_pitchfork (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par a=1.5\n"
                                               "u' = a/(1 + v^2) - u\n"
                                               "v' = a/(1 + u^2) - v\n");
  const double lo[] = { -1, -1 }, hi[] = { 4, 4 };
  g_autoptr(CurrentsContinuation) c = run_one (sys, "a", 1.0, 3.0, lo, hi);
  const CurrentsContinuationResult *res = currents_continuation_get_result (c);
  g_autoptr(GPtrArray) bps = specials (c, CURRENTS_BIFURCATION_BRANCH_POINT);
  g_autoptr(GPtrArray) folds = specials (c, CURRENTS_BIFURCATION_FOLD);
  const CurrentsBifurcation *bp;
  double u_hi = (3.0 + sqrt (5.0)) / 2.0, u_lo = (3.0 - sqrt (5.0)) / 2.0;
  guint asym_ends = 0;

  g_assert_cmpuint (bps->len, ==, 1);
  g_assert_cmpuint (folds->len, ==, 0);
  bp = g_ptr_array_index (bps, 0);
  g_test_message ("pitchfork at a = %.17g (error %.3g)", bp->param, bp->param - 2.0);
  g_assert_cmpfloat (fabs (bp->param - 2.0), <=, 2e-8);
  g_assert_cmpfloat_with_epsilon (bp->state[0], 1.0, 1e-6);
  g_assert_cmpfloat_with_epsilon (bp->state[1], 1.0, 1e-6);
  /* the second null direction is the antisymmetric one */
  g_assert_cmpfloat_with_epsilon (fabs (bp->evec_re[0] + bp->evec_re[1]), 0.0, 1e-5);

  /* the symmetric branch and the two halves of the asymmetric one */
  g_assert_cmpuint (res->branches->len, ==, 3);
  for (guint b = 0; b < res->branches->len; b++)
    {
      const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, b);

      for (gsize k = 0; k < br->n_points; k++)
        {
          double u = br->state[2 * k], v = br->state[2 * k + 1], av = br->param[k];

          g_assert_cmpfloat (fabs (av / (1 + v * v) - u), <=, 1e-9);
          if (fabs (u - v) > 1e-3)
            {
              /* asymmetric: uv = 1, u + v = a, stable */
              g_assert_cmpfloat (fabs (u * v - 1.0), <=, 1e-9);
              g_assert_cmpfloat (fabs (u + v - av), <=, 1e-9);
              g_assert_true (br->stable[k]);
            }
          else if (av > 2.0 + 1e-6)
            g_assert_false (br->stable[k]);
        }
      if (br->end_first == CURRENTS_CONTINUATION_END_BRANCH_POINT)
        {
          double ue = br->state[2 * (br->n_points - 1)];

          g_assert_cmpfloat_with_epsilon (br->param[br->n_points - 1], 3.0, 1e-10);
          g_assert_true (fabs (ue - u_hi) < 1e-9 || fabs (ue - u_lo) < 1e-9);
          asym_ends++;
        }
    }
  g_assert_cmpuint (asym_ends, ==, 2);
}

static void
check_normal_form (double s,
                   double omega)
{
  g_autofree char *src = g_strdup_printf ("par mu=-0.5, w=%.17g, s=%.17g\n"
                                          "x' = mu*x - w*y + s*x*(x^2 + y^2)\n"
                                          "y' = w*x + mu*y + s*y*(x^2 + y^2)\n", omega, s);
  g_autoptr(CurrentsSystem) sys = system_from (src);
  const double lo[] = { -1, -1 }, hi[] = { 1, 1 };
  g_autoptr(CurrentsContinuation) c = run_one (sys, "mu", -1.0, 1.0, lo, hi);
  g_autoptr(GPtrArray) hopf = specials (c, CURRENTS_BIFURCATION_HOPF);
  const CurrentsBifurcation *hp;

  g_assert_cmpuint (hopf->len, ==, 1);
  hp = g_ptr_array_index (hopf, 0);
  g_test_message ("normal form s = %g, ω = %g: μ = %.3g, l1 = %.17g (exact %.17g)", s, omega,
                  hp->param, hp->lyapunov, 2 * s / omega);
  g_assert_cmpfloat (fabs (hp->param), <=, 1e-10);
  g_assert_cmpfloat_with_epsilon (hp->frequency, omega, 1e-10);
  g_assert_cmpfloat_with_epsilon (hp->lyapunov, 2.0 * s / omega, 1e-6);
}

static void
test_hopf_normal_forms (void)
{
  check_normal_form (-1.0, 1.3);   /* supercritical */
  check_normal_form (0.7, 2.0);    /* subcritical */
}

static void
test_lorenz (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par sigma=10, rho=28, beta=2.6666666666666667\n"
                                               "x' = sigma*(y - x)\n"
                                               "y' = x*(rho - z) - y\n"
                                               "z' = x*y - beta*z\n");
  const double lo[] = { -30, -30, -10 }, hi[] = { 30, 30, 60 };
  g_autoptr(CurrentsContinuation) c = run_one (sys, "rho", 0.5, 30.0, lo, hi);
  g_autoptr(GPtrArray) hopf = specials (c, CURRENTS_BIFURCATION_HOPF);
  g_autoptr(GPtrArray) bps = specials (c, CURRENTS_BIFURCATION_BRANCH_POINT);
  g_autoptr(GPtrArray) folds = specials (c, CURRENTS_BIFURCATION_FOLD);
  double s = 10, b = 8.0 / 3.0, rh = s * (s + b + 3) / (s - b - 1);

  /* the symmetric pair C± */
  g_assert_cmpuint (hopf->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const CurrentsBifurcation *hp = g_ptr_array_index (hopf, i);

      g_test_message ("Lorenz Hopf at rho = %.17g (error %.3g), ω = %.17g, l1 = %.17g", hp->param,
                      hp->param - rh, hp->frequency, hp->lyapunov);
      g_assert_cmpfloat (fabs (hp->param - rh), <=, 1e-8 * rh);
      /* λ³ + (σ+β+1)λ² + β(σ+ρ)λ + 2βσ(ρ−1) at λ = iω: ω² = β(σ + ρ) */
      g_assert_cmpfloat_with_epsilon (hp->frequency, sqrt (b * (s + rh)), 1e-7);
      /* subcritical; Kuznetsov's formula evaluated symbolically (SymPy):
       * l₁ = 6857916639 √2090 / 1180782168088325 */
      g_assert_cmpfloat_with_epsilon (hp->lyapunov, 0.00026551897258367143, 1e-9);
    }
  /* the pitchfork at ρ = 1, where the branch of C± turns: a branch point, not a fold */
  g_assert_cmpuint (folds->len, ==, 0);
  g_assert_cmpuint (bps->len, ==, 1);
  g_assert_cmpfloat (fabs (((CurrentsBifurcation *) g_ptr_array_index (bps, 0))->param - 1.0),
                     <=, 1e-8);
}

static void
test_hopf_near_fold (void)
{
  /* fold at λ = 0 (x = 0); the pair (x² − d) ± i crosses at x = ±√d, λ = d */
  g_autoptr(CurrentsSystem) sys = system_from ("par lam=0.5, d=1e-6\n"
                                               "x' = lam - x^2\n"
                                               "y' = (x^2 - d)*y - z\n"
                                               "z' = y + (x^2 - d)*z\n");
  const double lo[] = { -10, -10, -10 }, hi[] = { 10, 10, 10 };
  g_autoptr(CurrentsContinuation) c = run_one (sys, "lam", -1.0, 1.0, lo, hi);
  g_autoptr(GPtrArray) hopf = specials (c, CURRENTS_BIFURCATION_HOPF);
  g_autoptr(GPtrArray) folds = specials (c, CURRENTS_BIFURCATION_FOLD);
  const CurrentsContinuationBranch *br =
    g_ptr_array_index (currents_continuation_get_result (c)->branches, 0);
  const CurrentsBifurcation *fold;

  g_assert_cmpuint (folds->len, ==, 1);
  fold = g_ptr_array_index (folds, 0);
  /* the step over the fold also stepped over both Hopf points: the sign of the Hopf test
   * is the same at its ends, and only the check on either side of the fold finds them */
  g_assert_cmpfloat (fabs (br->state[3 * (fold->point - 2)]), >, 1e-3);
  g_assert_cmpfloat (fabs (br->state[3 * (fold->point + 2)]), >, 1e-3);
  g_assert_cmpuint (hopf->len, ==, 2);
  for (guint i = 0; i < 2; i++)
    {
      const CurrentsBifurcation *hp = g_ptr_array_index (hopf, i);

      g_test_message ("Hopf near fold: λ = %.17g, x = %g", hp->param, hp->state[0]);
      g_assert_cmpfloat (fabs (hp->param - 1e-6), <=, 1e-14);
      g_assert_cmpfloat (fabs (fabs (hp->state[0]) - 1e-3), <=, 1e-9);
      g_assert_cmpfloat_with_epsilon (hp->frequency, 1.0, 1e-9);
    }
}

/* A real pair ±√2 summing to zero (a neutral saddle) is no Hopf point; a pair ±i√2 is. */
static void
test_neutral_saddle (void)
{
  const double lo[] = { -1, -1 }, hi[] = { 1, 1 };

  for (int k = 0; k < 2; k++)
    {
      g_autoptr(CurrentsSystem) sys = system_from (k == 0 ? "par lam=-0.5\n"
                                                            "x' = lam*x + 2*y\ny' = x\n"
                                                          : "par lam=-0.5\n"
                                                            "x' = lam*x - 2*y\ny' = x\n");
      g_autoptr(CurrentsContinuation) c = run_one (sys, "lam", -1.0, 1.0, lo, hi);
      g_autoptr(GPtrArray) hopf = specials (c, CURRENTS_BIFURCATION_HOPF);

      g_assert_cmpuint (hopf->len, ==, (guint) k);
      if (k == 1)
        {
          const CurrentsBifurcation *hp = g_ptr_array_index (hopf, 0);

          g_assert_cmpfloat (fabs (hp->param), <=, 1e-12);
          g_assert_cmpfloat_with_epsilon (hp->frequency, sqrt (2.0), 1e-12);
          g_assert_cmpfloat (fabs (hp->lyapunov), <=, 1e-12);   /* linear: l₁ = 0 */
        }
    }
}

/* An isola x² + λ² = 1: both starting equilibria lie on one closed branch with its two
 * folds at λ = ±1. Then the other ends: the point limit and the box. */
static void
test_isola_and_ends (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par lam=0\nx' = x^2 + lam^2 - 1\n");
  g_autoptr(CurrentsSystem) lin = system_from ("par r=0.001\nx' = r - 0.001*x\n");
  const double lo[] = { -2 }, hi[] = { 2 };
  g_autoptr(CurrentsContinuation) c = run_one (sys, "lam", -2.0, 2.0, lo, hi);
  const CurrentsContinuationResult *res = currents_continuation_get_result (c);
  g_autoptr(GPtrArray) folds = specials (c, CURRENTS_BIFURCATION_FOLD);
  const CurrentsContinuationBranch *br;
  CurrentsContinuationOptions o;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (res->branches->len, ==, 1);
  br = g_ptr_array_index (res->branches, 0);
  g_assert_cmpint (br->end_last, ==, CURRENTS_CONTINUATION_END_CLOSED);
  g_assert_cmpint (br->end_first, ==, CURRENTS_CONTINUATION_END_CLOSED);
  for (gsize k = 0; k < br->n_points; k++)
    g_assert_cmpfloat (fabs (br->param[k] * br->param[k] + br->state[k] * br->state[k] - 1),
                       <=, 1e-10);
  g_assert_cmpuint (folds->len, ==, 2);
  g_ptr_array_sort (folds, compare_param);
  g_assert_cmpfloat (fabs (((CurrentsBifurcation *) g_ptr_array_index (folds, 0))->param + 1),
                     <=, 1e-12);
  g_assert_cmpfloat (fabs (((CurrentsBifurcation *) g_ptr_array_index (folds, 1))->param - 1),
                     <=, 1e-12);

  currents_continuation_options_init (&o);
  o.lo = -1;
  o.hi = 1;
  o.max_points = 5;
  o.box_lo = lo;
  o.box_hi = hi;
  {
    g_autoptr(CurrentsContinuation) m = currents_continuation_new (sys, "lam", &o, &error);

    g_assert_no_error (error);
    g_assert_true (currents_continuation_run (m, NULL, &error));
    br = g_ptr_array_index (currents_continuation_get_result (m)->branches, 0);
    g_assert_cmpint (br->end_last, ==, CURRENTS_CONTINUATION_END_MAX_POINTS);
    g_assert_cmpuint (br->n_points, ==, 5);
  }
  /* x = 1000 r leaves the box (widened tenfold: |x| ≤ 42) */
  o.max_points = 0;
  {
    g_autoptr(CurrentsContinuation) b = currents_continuation_new (lin, "r", &o, &error);

    g_assert_no_error (error);
    g_assert_true (currents_continuation_run (b, NULL, &error));
    br = g_ptr_array_index (currents_continuation_get_result (b)->branches, 0);
    g_assert_cmpint (br->end_first, ==, CURRENTS_CONTINUATION_END_BOX);
    g_assert_cmpint (br->end_last, ==, CURRENTS_CONTINUATION_END_BOX);
    for (gsize k = 0; k < br->n_points; k++)
      {
        g_assert_cmpfloat (fabs (br->state[k]), <=, 42 + 5);
        g_assert_cmpfloat_with_epsilon (br->state[k], 1000 * br->param[k], 1e-9);
      }
  }
}

/* ---------------------------------------------------------------------------------- */

static CurrentsContinuation *
run_two (CurrentsSystem *sys,
         const char     *p1,
         double          lo1,
         double          hi1,
         const char     *p2,
         double          lo2,
         double          hi2,
         const double   *box_lo,
         const double   *box_hi)
{
  CurrentsContinuationOptions o;
  g_autoptr(GError) error = NULL;
  CurrentsContinuation *c;

  currents_continuation_options_init (&o);
  o.lo = lo1;
  o.hi = hi1;
  o.lo2 = lo2;
  o.hi2 = hi2;
  o.box_lo = box_lo;
  o.box_hi = box_hi;
  c = currents_continuation_new_two (sys, p1, p2, &o, TRUE, TRUE, &error);
  g_assert_no_error (error);
  currents_continuation_run (c, NULL, &error);
  g_assert_no_error (error);
  return c;
}

static void
test_two_cusp (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par h=0.1, r=1\nx' = h + r*x - x^3\n");
  const double lo[] = { -3 }, hi[] = { 3 };
  g_autoptr(CurrentsContinuation) c = run_two (sys, "h", -2, 2, "r", -1, 2, lo, hi);
  const CurrentsContinuationResult *res = currents_continuation_get_result (c);
  g_autoptr(GPtrArray) cusps = specials (c, CURRENTS_BIFURCATION_CUSP);
  const CurrentsBifurcation *cp;

  g_assert_cmpuint (res->branches->len, ==, 1);   /* both folds lie on one curve */
  g_assert_cmpuint (cusps->len, ==, 1);
  cp = g_ptr_array_index (cusps, 0);
  g_test_message ("cusp at h = %.3g, r = %.3g", cp->param, cp->param2);
  g_assert_cmpfloat (fabs (cp->param), <=, 1e-9);
  g_assert_cmpfloat (fabs (cp->param2), <=, 1e-8);
  /* the fold curve: r = 3x², h = −2x³ */
  {
    const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, 0);

    for (gsize k = 0; k < br->n_points; k++)
      {
        double x = br->state[k];
        g_assert_cmpfloat (fabs (br->param2[k] - 3 * x * x), <=, 1e-9);
        g_assert_cmpfloat (fabs (br->param[k] + 2 * x * x * x), <=, 1e-9);
      }
  }
}

static void
test_two_bt (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par b1=-0.2, b2=-0.5, s=-1\n"
                                               "x' = y\n"
                                               "y' = b1 + b2*x + x^2 + s*x*y\n");
  const double lo[] = { -3, -3 }, hi[] = { 3, 3 };
  g_autoptr(CurrentsContinuation) c = run_two (sys, "b1", -1, 1, "b2", -1, 1, lo, hi);
  const CurrentsContinuationResult *res = currents_continuation_get_result (c);
  g_autoptr(GPtrArray) bt = specials (c, CURRENTS_BIFURCATION_BOGDANOV_TAKENS);
  const CurrentsBifurcation *p;
  gboolean have_fold = FALSE, have_hopf = FALSE;

  g_assert_cmpuint (bt->len, ==, 1);
  p = g_ptr_array_index (bt, 0);
  g_test_message ("BT at (%.3g, %.3g), x = %.3g", p->param, p->param2, p->state[0]);
  g_assert_cmpfloat (fabs (p->param), <=, 1e-8);
  g_assert_cmpfloat (fabs (p->param2), <=, 1e-8);
  g_assert_cmpfloat (fabs (p->state[0]), <=, 1e-8);
  for (guint b = 0; b < res->branches->len; b++)
    {
      const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, b);

      for (gsize k = 0; k < br->n_points; k++)
        {
          double b1 = br->param[k], b2 = br->param2[k];

          if (br->kind == CURRENTS_CURVE_FOLDS)
            g_assert_cmpfloat (fabs (b1 - b2 * b2 / 4), <=, 1e-9);
          else
            {
              g_assert_cmpint (br->kind, ==, CURRENTS_CURVE_HOPF);
              g_assert_cmpfloat (fabs (b1), <=, 1e-9);
              g_assert_cmpfloat (b2, <=, 1e-8);
              if (b2 < -1e-6)
                g_assert_cmpfloat_with_epsilon (br->frequency[k], sqrt (-b2), 1e-8);
            }
        }
      have_fold |= br->kind == CURRENTS_CURVE_FOLDS;
      have_hopf |= br->kind == CURRENTS_CURVE_HOPF;
    }
  g_assert_true (have_fold && have_hopf);
}

/* Hopf curves: Lorenz ρ_H(σ) = σ(σ+β+3)/(σ−β−1) (n = 3), and the Brusselator's
 * b = 1 + a², ω = a on log scales in both parameters. */
static void
test_two_hopf_curves (void)
{
  g_autoptr(CurrentsSystem) lorenz = system_from ("par sigma=10, rho=28, beta=2.6666666666666667\n"
                                                  "x' = sigma*(y - x)\n"
                                                  "y' = x*(rho - z) - y\n"
                                                  "z' = x*y - beta*z\n");
  g_autoptr(CurrentsSystem) brus = system_from ("par a=1, b=3\n"
                                                "x' = a - (b + 1)*x + x^2*y\n"
                                                "y' = b*x - x^2*y\n");
  const double llo[] = { -30, -30, -5 }, lhi[] = { 30, 30, 70 };
  const double blo[] = { 0, 0 }, bhi[] = { 4, 6 };
  double beta = 8.0 / 3.0;
  CurrentsContinuationOptions o;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsContinuation) c = run_two (lorenz, "rho", 1, 60, "sigma", 5, 20, llo, lhi);
  g_autoptr(CurrentsContinuation) d = NULL;
  const CurrentsContinuationResult *res = currents_continuation_get_result (c);

  g_assert_cmpuint (res->branches->len, ==, 2);   /* C+ and C− */
  for (guint b = 0; b < res->branches->len; b++)
    {
      const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, b);

      g_assert_cmpint (br->kind, ==, CURRENTS_CURVE_HOPF);
      g_assert_cmpfloat_with_epsilon (br->param2[0], 5.0, 1e-12);
      g_assert_cmpfloat_with_epsilon (br->param2[br->n_points - 1], 20.0, 1e-12);
      for (gsize k = 0; k < br->n_points; k++)
        {
          double s = br->param2[k], r = br->param[k];

          g_assert_cmpfloat (fabs (r - s * (s + beta + 3) / (s - beta - 1)), <=, 1e-9 * r);
          g_assert_cmpfloat_with_epsilon (br->frequency[k], sqrt (beta * (s + r)), 1e-9);
        }
    }

  currents_continuation_options_init (&o);
  o.lo = 0.1;
  o.hi = 10;
  o.log_scale = TRUE;
  o.lo2 = 0.1;
  o.hi2 = 3;
  o.log_scale2 = TRUE;
  o.box_lo = blo;
  o.box_hi = bhi;
  d = currents_continuation_new_two (brus, "b", "a", &o, FALSE, TRUE, &error);
  g_assert_no_error (error);
  g_assert_true (currents_continuation_run (d, NULL, &error));
  res = currents_continuation_get_result (d);
  g_assert_cmpuint (res->branches->len, ==, 1);
  {
    const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, 0);

    g_assert_cmpfloat_with_epsilon (br->param2[0], 0.1, 1e-12);
    g_assert_cmpfloat_with_epsilon (br->param2[br->n_points - 1], 3.0, 1e-12);
    for (gsize k = 0; k < br->n_points; k++)
      {
        double a = br->param2[k];

        g_assert_cmpfloat (fabs (br->param[k] - 1 - a * a), <=, 1e-10);
        g_assert_cmpfloat_with_epsilon (br->frequency[k], a, 1e-10);
      }
  }
}

/* ---------------------------------------------------------------------------------- */

static void
expect_error (CurrentsSystem *sys,
              const char     *param,
              double          lo,
              double          hi,
              gboolean        log_scale,
              int             code,
              const char     *says)
{
  CurrentsContinuationOptions o;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsContinuation) c = NULL;

  currents_continuation_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  o.log_scale = log_scale;
  c = currents_continuation_new (sys, param, &o, &error);
  if (c != NULL)
    currents_continuation_run (c, NULL, &error);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, code);
  if (strstr (error->message, says) == NULL)
    g_error ("expected '%s' in '%s'", says, error->message);
}

static void
test_bad_input (void)
{
  g_autoptr(CurrentsSystem) sn = system_from ("par r=0.5\nx' = r + x^2\n");
  g_autoptr(CurrentsSystem) line = system_from ("par q=1\nx' = q*(y - x)\ny' = q*(x - y)\n");

  expect_error (sn, "nope", -1, 1, FALSE, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                "no parameter or input named 'nope'");
  expect_error (sn, "r", 1, 1, FALSE, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT, "zero width");
  expect_error (sn, "r", 1, -1, FALSE, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT, "inverted");
  expect_error (sn, "r", -1, 1, TRUE, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT, "positive");
  expect_error (sn, "r", NAN, 1, FALSE, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT, "not finite");
  /* x' = 0.5 + x² has no equilibria */
  expect_error (sn, "r", 0.2, 1, FALSE, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                "no equilibria found at r = 0.5");
  /* a line of equilibria: the Jacobian is singular everywhere */
  expect_error (line, "q", 0.5, 2, FALSE, CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN, "singular");
}

static void
test_cancel (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par r=-0.5\nx' = r + x^2\n");
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  CurrentsContinuationOptions o;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsContinuation) c = NULL;

  currents_continuation_options_init (&o);
  o.lo = -1;
  o.hi = 1;
  c = currents_continuation_new (sys, "r", &o, &error);
  g_assert_no_error (error);
  g_assert_true (currents_continuation_iterate (c, cancel, &error));
  g_assert_true (currents_continuation_iterate (c, cancel, &error));
  g_cancellable_cancel (cancel);
  g_assert_false (currents_continuation_run (c, cancel, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
}

static void
async_done (GObject      *source,
            GAsyncResult *result,
            gpointer      data)
{
  gpointer *out = data;
  GError *error = NULL;

  out[1] = GINT_TO_POINTER (currents_continuation_run_finish (out[0], result, &error));
  g_assert_no_error (error);
  out[2] = GINT_TO_POINTER (1);
}

static void
test_async (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par r=-0.5\nx' = r + x^2\n");
  CurrentsContinuationOptions o;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsContinuation) c = NULL;
  gpointer out[3] = { NULL, NULL, NULL };
  g_autoptr(GPtrArray) folds = NULL;

  currents_continuation_options_init (&o);
  o.lo = -1;
  o.hi = 1;
  c = currents_continuation_new (sys, "r", &o, &error);
  g_assert_no_error (error);
  out[0] = c;
  currents_continuation_run_async (c, NULL, async_done, out);
  while (out[2] == NULL)
    g_main_context_iteration (NULL, TRUE);
  g_assert_true (GPOINTER_TO_INT (out[1]));
  folds = specials (c, CURRENTS_BIFURCATION_FOLD);
  g_assert_cmpuint (folds->len, ==, 1);
}

/* The toggle switch of data/examples in its inducer, on a log scale: the tipping points
 * are folds where ∂f/∂x is singular. */
static void
test_input_log (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples",
                                            "toggle.ode", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = currents_system_load (path, &error);
  CurrentsContinuationOptions o;
  g_autoptr(CurrentsContinuation) c = NULL;
  g_autoptr(GPtrArray) folds = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;

  g_assert_no_error (error);
  currents_continuation_options_init (&o);
  o.lo = 0.01;
  o.hi = 100;
  o.log_scale = TRUE;
  c = currents_continuation_new (sys, "iptg", &o, &error);
  g_assert_no_error (error);
  currents_continuation_run (c, NULL, &error);
  g_assert_no_error (error);
  folds = specials (c, CURRENTS_BIFURCATION_FOLD);
  g_assert_cmpuint (folds->len, >=, 1);
  ws = currents_field_workspace_new (currents_system_get_field (sys));
  for (guint i = 0; i < folds->len; i++)
    {
      const CurrentsBifurcation *f = g_ptr_array_index (folds, i);
      double u[1] = { f->param }, J[4], fx[2];

      g_test_message ("toggle fold at iptg = %.12g", f->param);
      g_assert_cmpfloat (f->param, >, 0.01);
      currents_field_jacobian (ws, 0, f->state, u, currents_system_get_params (sys), fx, J,
                               NULL);
      g_assert_cmpfloat (fabs (J[0] * J[3] - J[1] * J[2]), <=, 1e-8);
      g_assert_cmpfloat (fabs (fx[0]) + fabs (fx[1]), <=, 1e-10);
    }
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/continuation/hvp", test_hvp);
  g_test_add_func ("/engine/continuation/tangent", test_tangent);
  g_test_add_func ("/engine/continuation/saddle-node", test_saddle_node);
  g_test_add_func ("/engine/continuation/cusp-folds", test_cusp_folds);
  g_test_add_func ("/engine/continuation/brusselator", test_brusselator);
  g_test_add_func ("/engine/continuation/toggle-pitchfork", test_toggle_pitchfork);
  g_test_add_func ("/engine/continuation/hopf-normal-forms", test_hopf_normal_forms);
  g_test_add_func ("/engine/continuation/lorenz", test_lorenz);
  g_test_add_func ("/engine/continuation/hopf-near-fold", test_hopf_near_fold);
  g_test_add_func ("/engine/continuation/neutral-saddle", test_neutral_saddle);
  g_test_add_func ("/engine/continuation/isola-and-ends", test_isola_and_ends);
  g_test_add_func ("/engine/continuation/two/cusp", test_two_cusp);
  g_test_add_func ("/engine/continuation/two/bogdanov-takens", test_two_bt);
  g_test_add_func ("/engine/continuation/two/hopf-curves", test_two_hopf_curves);
  g_test_add_func ("/engine/continuation/input-log", test_input_log);
  g_test_add_func ("/engine/continuation/bad-input", test_bad_input);
  g_test_add_func ("/engine/continuation/cancel", test_cancel);
  g_test_add_func ("/engine/continuation/async", test_async);
  return g_test_run ();
}
