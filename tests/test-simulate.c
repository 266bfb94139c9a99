/* test-simulate.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of currents-simulate against closed forms:
 *
 *   x' = A x                 x(t) = exp(At) x0 (Taylor series with scaling and squaring,
 *                            checked against the 2×2 closed form)
 *   x' = r x (1 − x/K)       x(t) = K / (1 + (K/x0 − 1) e^(−rt))
 *   x' = −a x + sin(ωt)      x(t) = C e^(−at) + (a sin ωt − ω cos ωt) / (a² + ω²)
 *   x' = u(t)                x(t) = x0 + ∫ u, u piecewise linear
 *   x' = −x, fixed step h    x_N = R(h)^N with the method's amplification factor R
 *
 * the Robertson problem against published values, XPPAUT's own output for two corpus
 * models, and every error path.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>
#include <gsl/gsl_errno.h>

#include "currents-error.h"
#include "currents-simulate.h"

/* ------------------------------------------------------------------------------------ */
/* Test fields                                                                          */

#define MAX_N 4

typedef struct _TestImpl TestImpl;
typedef void (*TestFunc) (const TestImpl *ti, double t, const double *x, const double *u,
                          const double *p, double *f);
typedef void (*TestJac) (const TestImpl *ti, double t, const double *x, const double *u,
                         const double *p, double *jx);

typedef struct
{
  gsize         evals;
  gsize         cancel_at;
  GCancellable *cancellable;
} TestCounter;

struct _TestImpl
{
  gsize        n;
  gsize        k;
  TestFunc     f;
  TestJac      j;
  double       A[MAX_N * MAX_N];
  TestCounter *counter;
};

static void
tf_eval (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
         const double *p, double *f)
{
  const TestImpl *ti = impl;

  ti->f (ti, t, x, u, p, f);
  if (ti->counter != NULL && ++ti->counter->evals == ti->counter->cancel_at)
    g_cancellable_cancel (ti->counter->cancellable);
}

static void
tf_jacobian (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
             const double *p, double *f, double *jx, double *jp)
{
  const TestImpl *ti = impl;

  if (f != NULL)
    ti->f (ti, t, x, u, p, f);
  ti->j (ti, t, x, u, p, jx);
  if (jp != NULL)
    memset (jp, 0, ti->n * ti->k * sizeof (double));
}

static void
tf_vjp (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
        const double *p, const double *w, double *f, double *gx, double *gp)
{
  const TestImpl *ti = impl;
  double jx[MAX_N * MAX_N];

  if (f != NULL)
    ti->f (ti, t, x, u, p, f);
  ti->j (ti, t, x, u, p, jx);
  if (gx != NULL)
    for (gsize i = 0; i < ti->n; i++)
      for (gsize c = 0; c < ti->n; c++)
        gx[c] += w[i] * jx[i * ti->n + c];
}

static const CurrentsFieldVTable test_vtable = {
  .workspace_new = NULL,
  .workspace_free = NULL,
  .eval = tf_eval,
  .jacobian = tf_jacobian,
  .vjp = tf_vjp,
  .impl_free = g_free,
};

static CurrentsField *
test_field_new (gsize n, gsize m, gsize k, gboolean autonomous, TestFunc f, TestJac j,
                const double *A)
{
  TestImpl *ti = g_new0 (TestImpl, 1);

  g_assert_cmpuint (n, <=, MAX_N);
  ti->n = n;
  ti->k = k;
  ti->f = f;
  ti->j = j;
  if (A != NULL)
    memcpy (ti->A, A, n * n * sizeof (double));
  return currents_field_new (&test_vtable, ti, n, m, k, autonomous);
}

/* x' = A x */
static void
linear_f (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
          double *f)
{
  for (gsize i = 0; i < ti->n; i++)
    {
      f[i] = 0.0;
      for (gsize c = 0; c < ti->n; c++)
        f[i] += ti->A[i * ti->n + c] * x[c];
    }
}

static void
linear_j (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
          double *jx)
{
  memcpy (jx, ti->A, ti->n * ti->n * sizeof (double));
}

/* x' = r x (1 − x/K), p = (r, K) */
static void
logistic_f (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
            double *f)
{
  f[0] = p[0] * x[0] * (1.0 - x[0] / p[1]);
}

static void
logistic_j (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
            double *jx)
{
  jx[0] = p[0] * (1.0 - 2.0 * x[0] / p[1]);
}

static double
logistic_exact (double r, double K, double x0, double t)
{
  return K / (1.0 + (K / x0 - 1.0) * exp (-r * t));
}

/* Robertson: p = (k1, k2, k3) */
static void
robertson_f (const TestImpl *ti, double t, const double *y, const double *u, const double *p,
             double *f)
{
  f[0] = -p[0] * y[0] + p[2] * y[1] * y[2];
  f[1] = p[0] * y[0] - p[2] * y[1] * y[2] - p[1] * y[1] * y[1];
  f[2] = p[1] * y[1] * y[1];
}

static void
robertson_j (const TestImpl *ti, double t, const double *y, const double *u, const double *p,
             double *jx)
{
  jx[0] = -p[0];
  jx[1] = p[2] * y[2];
  jx[2] = p[2] * y[1];
  jx[3] = p[0];
  jx[4] = -p[2] * y[2] - 2.0 * p[1] * y[1];
  jx[5] = -p[2] * y[1];
  jx[6] = 0.0;
  jx[7] = 2.0 * p[1] * y[1];
  jx[8] = 0.0;
}

/* x' = x² */
static void
square_f (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
          double *f)
{
  f[0] = x[0] * x[0];
}

static void
square_j (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
          double *jx)
{
  jx[0] = 2.0 * x[0];
}

/* x' = −1, y' = log x: NaN once x < 0 */
static void
nan_f (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
       double *f)
{
  f[0] = -1.0;
  f[1] = log (x[0]);
}

static void
nan_j (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
       double *jx)
{
  jx[0] = 0.0;
  jx[1] = 0.0;
  jx[2] = 1.0 / x[0];
  jx[3] = 0.0;
}

/* x' = u(t) */
static void
input_f (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
         double *f)
{
  f[0] = u[0];
}

static void
zero_j (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
        double *jx)
{
  memset (jx, 0, ti->n * ti->n * sizeof (double));
}

/* x' = −a x + sin(ωt), p = (a, ω) */
static void
forced_f (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
          double *f)
{
  f[0] = -p[0] * x[0] + sin (p[1] * t);
}

static void
forced_j (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
          double *jx)
{
  jx[0] = -p[0];
}

static double
forced_exact (double a, double w, double x0, double t)
{
  const double d = a * a + w * w;
  const double c = x0 + w / d;

  return c * exp (-a * t) + (a * sin (w * t) - w * cos (w * t)) / d;
}

/* q' = v, v' = −ω² q, p = (ω) */
static void
oscillator_f (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
              double *f)
{
  f[0] = x[1];
  f[1] = -p[0] * p[0] * x[0];
}

static void
oscillator_j (const TestImpl *ti, double t, const double *x, const double *u, const double *p,
              double *jx)
{
  jx[0] = 0.0;
  jx[1] = 1.0;
  jx[2] = -p[0] * p[0];
  jx[3] = 0.0;
}

/* XPPAUT's ode/henhei.ode: x' = px, px' = −x − 2xy, y' = py, py' = −y − x² + y² */
static void
henhei_f (const TestImpl *ti, double t, const double *s, const double *u, const double *p,
          double *f)
{
  const double x = s[0], px = s[1], y = s[2], py = s[3];

  f[0] = px;
  f[1] = -x - 2.0 * x * y;
  f[2] = py;
  f[3] = -y - x * x + y * y;
}

static void
henhei_j (const TestImpl *ti, double t, const double *s, const double *u, const double *p,
          double *jx)
{
  const double x = s[0], y = s[2];
  const double j[16] = {
    0.0, 1.0, 0.0, 0.0,
    -1.0 - 2.0 * y, 0.0, -2.0 * x, 0.0,
    0.0, 0.0, 0.0, 1.0,
    -2.0 * x, 0.0, -1.0 + 2.0 * y, 0.0,
  };

  memcpy (jx, j, sizeof j);
}

/* XPPAUT's ode/vanderpol.ode: x' = xp, xp' = −x + xp (1 − x²) */
static void
vanderpol_f (const TestImpl *ti, double t, const double *s, const double *u, const double *p,
             double *f)
{
  f[0] = s[1];
  f[1] = -s[0] + s[1] * (1.0 - s[0] * s[0]);
}

static void
vanderpol_j (const TestImpl *ti, double t, const double *s, const double *u, const double *p,
             double *jx)
{
  jx[0] = 0.0;
  jx[1] = 1.0;
  jx[2] = -1.0 - 2.0 * s[0] * s[1];
  jx[3] = 1.0 - s[0] * s[0];
}

/* ------------------------------------------------------------------------------------ */
/* Helpers                                                                              */

static double
rel_error (const double *x, const double *ref, gsize n)
{
  double num = 0.0, den = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      num += (x[i] - ref[i]) * (x[i] - ref[i]);
      den += ref[i] * ref[i];
    }
  return sqrt (num) / sqrt (den);
}

/* E = exp(A t), n×n row-major, by a Taylor series of A t / 2^s (‖A t / 2^s‖∞ ≤ 1/4) and s
 * squarings, in long double. */
static void
expm (gsize n, const double *A, double t, double *E)
{
  long double M[MAX_N * MAX_N], S[MAX_N * MAX_N], T[MAX_N * MAX_N], R[MAX_N * MAX_N];
  long double norm = 0.0L, scale = 1.0L;
  int s = 0;

  for (gsize i = 0; i < n; i++)
    {
      long double row = 0.0L;
      for (gsize c = 0; c < n; c++)
        row += fabsl ((long double) A[i * n + c] * t);
      norm = MAX (norm, row);
    }
  while (norm / scale > 0.25L)
    {
      scale *= 2.0L;
      s++;
    }
  for (gsize i = 0; i < n * n; i++)
    M[i] = (long double) A[i] * t / scale;

  /* S = Σ M^k / k!, T the current term */
  for (gsize i = 0; i < n; i++)
    for (gsize c = 0; c < n; c++)
      S[i * n + c] = T[i * n + c] = (i == c) ? 1.0L : 0.0L;
  for (int k = 1; k <= 30; k++)
    {
      for (gsize i = 0; i < n; i++)
        for (gsize c = 0; c < n; c++)
          {
            long double acc = 0.0L;
            for (gsize l = 0; l < n; l++)
              acc += T[i * n + l] * M[l * n + c];
            R[i * n + c] = acc / k;
          }
      for (gsize i = 0; i < n * n; i++)
        {
          T[i] = R[i];
          S[i] += T[i];
        }
    }
  for (int q = 0; q < s; q++)
    {
      for (gsize i = 0; i < n; i++)
        for (gsize c = 0; c < n; c++)
          {
            long double acc = 0.0L;
            for (gsize l = 0; l < n; l++)
              acc += S[i * n + l] * S[l * n + c];
            R[i * n + c] = acc;
          }
      memcpy (S, R, n * n * sizeof (long double));
    }
  for (gsize i = 0; i < n * n; i++)
    E[i] = (double) S[i];
}

/* exp(A t) for 2×2 A from its eigenvalues τ ± δ: e^(τt) (c I + s (A − τ I)) with
 * c = cosh δt, s = sinh(δt)/δ (or cos/sin for imaginary δ). */
static void
expm_2x2 (const double *A, double t, double *E)
{
  const double tau = 0.5 * (A[0] + A[3]);
  const double det = A[0] * A[3] - A[1] * A[2];
  const double disc = tau * tau - det;
  double c, s;

  if (disc > 0.0)
    {
      const double d = sqrt (disc);
      c = cosh (d * t);
      s = sinh (d * t) / d;
    }
  else if (disc < 0.0)
    {
      const double d = sqrt (-disc);
      c = cos (d * t);
      s = sin (d * t) / d;
    }
  else
    {
      c = 1.0;
      s = t;
    }
  E[0] = exp (tau * t) * (c + s * (A[0] - tau));
  E[1] = exp (tau * t) * (s * A[1]);
  E[2] = exp (tau * t) * (s * A[2]);
  E[3] = exp (tau * t) * (c + s * (A[3] - tau));
}

static CurrentsSimulator *
sim_new (CurrentsField *field, CurrentsMethod method, double rtol, double atol)
{
  CurrentsSimOptions o;

  currents_sim_options_init (&o);
  o.method = method;
  o.rtol = rtol;
  o.atol = atol;
  return currents_simulator_new (field, &o);
}

static CurrentsSimulator *
sim_new_fixed (CurrentsField *field, CurrentsMethod method, double h)
{
  CurrentsSimOptions o;

  currents_sim_options_init (&o);
  o.method = method;
  o.h = h;
  return currents_simulator_new (field, &o);
}

/* ------------------------------------------------------------------------------------ */
/* Tests                                                                                */

static void
test_methods (void)
{
  static const char *const names[] = {
    "rk8pd", "rkf45", "rkck", "bdf", "rk4", "euler", "modeuler", "symplectic",
  };
  CurrentsSimOptions o;
  CurrentsMethod m;

  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_assert_true (currents_method_from_string (names[i], &m));
      g_assert_cmpint (m, ==, (CurrentsMethod) i);
      g_assert_cmpstr (currents_method_to_string (m), ==, names[i]);
      g_assert_cmpint (currents_method_is_fixed_step (m), ==, i >= CURRENTS_METHOD_RK4);
    }
  g_assert_true (currents_method_from_string ("BDF", &m));
  g_assert_cmpint (m, ==, CURRENTS_METHOD_BDF);
  g_assert_false (currents_method_from_string ("gear", &m));
  g_assert_false (currents_method_from_string ("", &m));
  g_assert_false (currents_method_from_string (NULL, &m));

  currents_sim_options_init (&o);
  g_assert_cmpint (o.method, ==, CURRENTS_METHOD_RK8PD);
  g_assert_cmpfloat (o.rtol, ==, 1e-6);
  g_assert_cmpfloat (o.atol, ==, 1e-9);
  g_assert_cmpfloat (o.h, ==, 0.0);
  g_assert_cmpuint (o.max_steps, ==, 1000000);
  g_assert_cmpfloat (o.bound, ==, 0.0);

  /* A fixed-step method without a step gets XPP's default dt = 0.05. */
  {
    double A[1] = { -1.0 };
    g_autoptr (CurrentsField) field = test_field_new (1, 0, 0, TRUE, linear_f, linear_j, A);
    g_autoptr (CurrentsSimulator) sim = sim_new_fixed (field, CURRENTS_METHOD_RK4, 0.0);

    g_assert_cmpfloat (currents_simulator_get_options (sim)->h, ==, 0.05);
  }
}

typedef struct
{
  const char *what;
  gsize       n;
  double      A[9];
  double      x0[3];
} LinearCase;

static const LinearCase linear_cases[] = {
  { "2x2 real eigenvalues", 2, { -1.3, 0.4, 0.7, -2.9 }, { 0.83, -1.27 } },
  { "2x2 complex eigenvalues", 2, { -0.3, 2.1, -1.7, -0.2 }, { 1.385, 0.61 } },
  { "2x2 growing spiral", 2, { 0.12, -1.9, 2.3, 0.05 }, { -0.47, 0.92 } },
  { "2x2 non-normal", 2, { -1.0, 30.0, 0.0, -1.5 }, { 0.3, 1.1 } },
  { "3x3 complex eigenvalues", 3,
    { -0.5, 1.9, 0.2, -1.6, -0.4, 0.7, 0.3, -0.8, -1.1 }, { 1.2, -0.35, 0.77 } },
  { "3x3 defective non-normal", 3,
    { -0.7, 5.0, 0.0, 0.0, -0.7, 5.0, 0.0, 0.0, -0.7 }, { 0.25, -0.6, 1.45 } },
};

static const double linear_times[] = { 0.37, 1.3, 2.75, 4.1 };

/* The reference itself: Taylor/squaring agrees with the 2×2 eigenvalue formula. */
static void
test_expm_reference (void)
{
  for (guint c = 0; c < G_N_ELEMENTS (linear_cases); c++)
    {
      const LinearCase *lc = &linear_cases[c];
      double E1[4], E2[4];

      if (lc->n != 2)
        continue;
      for (guint k = 0; k < G_N_ELEMENTS (linear_times); k++)
        {
          double err = 0.0, size = 0.0;

          expm (2, lc->A, linear_times[k], E1);
          expm_2x2 (lc->A, linear_times[k], E2);
          for (int i = 0; i < 4; i++)
            {
              err = MAX (err, fabs (E1[i] - E2[i]));
              size = MAX (size, fabs (E2[i]));
            }
          g_assert_cmpfloat (err / size, <, 1e-13);
        }
    }
}

static void
check_linear (CurrentsMethod method, double tol, double bound)
{
  for (guint c = 0; c < G_N_ELEMENTS (linear_cases); c++)
    {
      const LinearCase *lc = &linear_cases[c];
      const gsize n = lc->n, nt = G_N_ELEMENTS (linear_times);
      g_autoptr (CurrentsField) field = test_field_new (n, 0, 0, TRUE, linear_f, linear_j,
                                                       lc->A);
      g_autoptr (CurrentsSimulator) sim = sim_new (field, method, tol, tol);
      g_autoptr (GError) error = NULL;
      double out[G_N_ELEMENTS (linear_times) * 3];
      double worst = 0.0;
      gsize reached = 99;

      g_assert_true (currents_simulator_run (sim, lc->x0, NULL, NULL, 0.0, linear_times, nt,
                                             out, &reached, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (reached, ==, nt);
      g_assert_cmpuint (currents_simulator_get_n_evals (sim), >, 0);

      for (gsize k = 0; k < nt; k++)
        {
          double E[9], ref[3] = { 0 };

          expm (n, lc->A, linear_times[k], E);
          for (gsize i = 0; i < n; i++)
            for (gsize j = 0; j < n; j++)
              ref[i] += E[i * n + j] * lc->x0[j];
          worst = MAX (worst, rel_error (out + k * n, ref, n));
        }
      g_test_message ("%s, %s at rtol = atol = %g: relative error %.3g",
                      currents_method_to_string (method), lc->what, tol, worst);
      g_assert_cmpfloat (worst, <=, bound);
    }
}

static void
test_linear_rk8pd (void)
{
  check_linear (CURRENTS_METHOD_RK8PD, 1e-12, 1e-8);
}

static void
test_linear_bdf (void)
{
  /* msbdf's error per unit step is about the tolerance, times a few hundred steps. */
  check_linear (CURRENTS_METHOD_BDF, 1e-10, 1e-6);
}

static void
test_linear_rk45 (void)
{
  check_linear (CURRENTS_METHOD_RKF45, 1e-11, 1e-7);
  check_linear (CURRENTS_METHOD_RKCK, 1e-11, 1e-7);
}

static void
test_logistic (void)
{
  static const CurrentsMethod methods[] = {
    CURRENTS_METHOD_RK8PD, CURRENTS_METHOD_RKF45, CURRENTS_METHOD_RKCK, CURRENTS_METHOD_BDF,
  };
  static const double bounds[] = { 1e-9, 1e-8, 1e-8, 1e-7 };
  const double p[2] = { 1.37, 2.9 }, x0 = 0.083;
  const double times[] = { 0.0, 0.5, 1.75, 3.2, 3.2, 6.4, 11.0 };
  const gsize nt = G_N_ELEMENTS (times);
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 2, TRUE, logistic_f, logistic_j,
                                                   NULL);

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autoptr (CurrentsSimulator) sim = sim_new (field, methods[m], 1e-10, 1e-12);
      g_autoptr (GError) error = NULL;
      double out[G_N_ELEMENTS (times)], worst = 0.0;

      g_assert_true (currents_simulator_run (sim, &x0, p, NULL, 0.0, times, nt, out, NULL,
                                             NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (out[0], ==, x0);
      g_assert_cmpfloat (out[3], ==, out[4]);
      for (gsize k = 0; k < nt; k++)
        {
          double ref = logistic_exact (p[0], p[1], x0, times[k]);
          worst = MAX (worst, fabs (out[k] - ref) / ref);
        }
      g_test_message ("logistic, %s: relative error %.3g",
                      currents_method_to_string (methods[m]), worst);
      g_assert_cmpfloat (worst, <=, bounds[m]);
    }
}

static void
test_backward (void)
{
  static const CurrentsMethod methods[] = { CURRENTS_METHOD_RK8PD, CURRENTS_METHOD_BDF };
  const double p[2] = { 1.37, 2.9 }, x0 = 0.083, T = 6.1;
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 2, TRUE, logistic_f, logistic_j,
                                                   NULL);

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autoptr (CurrentsSimulator) sim = sim_new (field, methods[m], 1e-12, 1e-14);
      g_autoptr (GError) error = NULL;
      const double fwd_t[] = { T };
      const double back_t[] = { 4.4, 2.05, 0.0 };
      double xT, back[3];
      double start;
      const double direct_t[] = { 3.9, 2.5, 1.0, 0.0, -1.5 };
      double direct_out[5];
      double worst = 0.0;

      /* Forward to T, then backward to 0 recovers x0. */
      g_assert_true (currents_simulator_run (sim, &x0, p, NULL, 0.0, fwd_t, 1, &xT, NULL, NULL,
                                             &error));
      g_assert_no_error (error);
      g_assert_true (currents_simulator_run (sim, &xT, p, NULL, T, back_t, 3, back, NULL, NULL,
                                             &error));
      g_assert_no_error (error);
      g_test_message ("%s: forward to %g and back: x0 recovered to %.3g relative",
                      currents_method_to_string (methods[m]), T, fabs (back[2] - x0) / x0);
      g_assert_cmpfloat (fabs (back[2] - x0) / x0, <=, methods[m] == CURRENTS_METHOD_BDF
                         ? 1e-6 : 1e-9);
      for (int k = 0; k < 2; k++)
        g_assert_cmpfloat (fabs (back[k] - logistic_exact (p[0], p[1], x0, back_t[k])), <=,
                           1e-8);

      /* A direct backward solve from the closed form at t0 = 5, past 0. */
      start = logistic_exact (p[0], p[1], x0, 5.0);
      g_assert_true (currents_simulator_run (sim, &start, p, NULL, 5.0, direct_t, 5, direct_out,
                                             NULL, NULL, &error));
      g_assert_no_error (error);
      for (int k = 0; k < 5; k++)
        {
          double ref = logistic_exact (p[0], p[1], x0, direct_t[k]);
          worst = MAX (worst, fabs (direct_out[k] - ref) / ref);
        }
      g_test_message ("%s: direct backward solve, relative error %.3g",
                      currents_method_to_string (methods[m]), worst);
      g_assert_cmpfloat (worst, <=, methods[m] == CURRENTS_METHOD_BDF ? 1e-6 : 1e-9);
    }
}

static void
test_nonautonomous (void)
{
  static const CurrentsMethod methods[] = { CURRENTS_METHOD_RK8PD, CURRENTS_METHOD_BDF };
  const double p[2] = { 0.45, 2.3 }, x0 = 1.7;
  const double times[] = { 0.6, 2.2, 5.9, 9.35 };
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 2, FALSE, forced_f, forced_j, NULL);

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autoptr (CurrentsSimulator) sim = sim_new (field, methods[m], 1e-11, 1e-12);
      g_autoptr (GError) error = NULL;
      double out[4], worst = 0.0;

      g_assert_true (currents_simulator_run (sim, &x0, p, NULL, 0.0, times, 4, out, NULL, NULL,
                                             &error));
      g_assert_no_error (error);
      for (int k = 0; k < 4; k++)
        worst = MAX (worst, fabs (out[k] - forced_exact (p[0], p[1], x0, times[k])));
      g_test_message ("x' = -a x + sin(wt), %s: absolute error %.3g",
                      currents_method_to_string (methods[m]), worst);
      g_assert_cmpfloat (worst, <=, methods[m] == CURRENTS_METHOD_BDF ? 1e-7 : 1e-9);
    }
}

static void
test_robertson (void)
{
  const double p[3] = { 0.04, 3e7, 1e4 };
  const double y0[3] = { 1.0, 0.0, 0.0 };
  const double times[] = { 0.4, 40.0, 4e5 };
  g_autoptr (CurrentsField) field = test_field_new (3, 0, 3, TRUE, robertson_f, robertson_j,
                                                   NULL);
  g_autoptr (CurrentsSimulator) sim = sim_new (field, CURRENTS_METHOD_BDF, 1e-10, 1e-14);
  g_autoptr (GError) error = NULL;
  double out[9];
  /* Hairer & Wanner, Solving ODEs II, and the CVODE example cvRoberts_dns at 4e5. */
  const double ref40[3] = { 0.7158270687, 9.185534764e-6, 0.2841637457 };
  const double ref4e5[3] = { 4.9383e-3, 1.9850e-8, 9.9506e-1 };

  g_assert_true (currents_simulator_run (sim, y0, p, NULL, 0.0, times, 3, out, NULL, NULL,
                                         &error));
  g_assert_no_error (error);
  for (int i = 0; i < 3; i++)
    {
      g_test_message ("Robertson t = 40: y%d = %.10g, relative error %.3g", i + 1,
                      out[3 + i], fabs (out[3 + i] - ref40[i]) / ref40[i]);
      g_assert_cmpfloat (fabs (out[3 + i] - ref40[i]) / ref40[i], <=, 1e-6);
      g_test_message ("Robertson t = 4e5: y%d = %.10g", i + 1, out[6 + i]);
      g_assert_cmpfloat (fabs (out[6 + i] - ref4e5[i]) / ref4e5[i], <=, 2e-4);
    }
  for (int k = 0; k < 3; k++)
    {
      double sum = out[3 * k] + out[3 * k + 1] + out[3 * k + 2];
      g_assert_cmpfloat (fabs (sum - 1.0), <=, 1e-8);
    }
  g_test_message ("BDF on Robertson to 4e5: %" G_GSIZE_FORMAT " evaluations",
                  currents_simulator_get_n_evals (sim));
  g_assert_cmpuint (currents_simulator_get_n_evals (sim), <, 100000);

  /* An explicit method is limited by stability; it stops at max_steps, it does not hang. */
  {
    CurrentsSimOptions o;
    g_autoptr (CurrentsSimulator) rk = NULL;
    const char *const names[] = { "y1", "y2", "y3", NULL };
    gsize reached = 99;
    double out2[9];

    currents_sim_options_init (&o);
    o.max_steps = 5000;
    rk = currents_simulator_new (field, &o);
    currents_simulator_set_state_names (rk, names);
    g_assert_false (currents_simulator_run (rk, y0, p, NULL, 0.0, times, 3, out2, &reached,
                                            NULL, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MAX_STEPS);
    g_test_message ("%s", error->message);
    g_assert_nonnull (strstr (error->message, "t = "));
    g_assert_nonnull (strstr (error->message, "y2 = "));
    g_assert_nonnull (strstr (error->message, "rk8pd"));
    g_assert_cmpuint (reached, ==, 1);
    g_assert_cmpfloat (fabs (out2[0] - out[0]) / out[0], <=, 1e-5);
  }
}

static void
test_error_blowup (void)
{
  static const CurrentsMethod methods[] = {
    CURRENTS_METHOD_RK8PD, CURRENTS_METHOD_RKF45, CURRENTS_METHOD_BDF, CURRENTS_METHOD_RK4,
  };
  const double x0 = 1.0;
  const double times[] = { 0.5, 0.9, 1.5, 2.0 };
  const char *const names[] = { "w", NULL };
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 0, TRUE, square_f, square_j, NULL);

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autoptr (CurrentsSimulator) sim = methods[m] == CURRENTS_METHOD_RK4
        ? sim_new_fixed (field, methods[m], 0.01) : sim_new (field, methods[m], 1e-8, 1e-10);
      g_autoptr (GError) error = NULL;
      double out[4];
      gsize reached = 99;

      currents_simulator_set_state_names (sim, names);
      g_assert_false (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, times, 4, out,
                                              &reached, NULL, &error));
      g_assert_nonnull (error);
      g_test_message ("x' = x^2, %s: %s", currents_method_to_string (methods[m]),
                      error->message);
      g_assert_true (g_error_matches (error, CURRENTS_ENGINE_ERROR,
                                      CURRENTS_ENGINE_ERROR_NON_FINITE)
                     || g_error_matches (error, CURRENTS_ENGINE_ERROR,
                                         CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW)
                     || g_error_matches (error, CURRENTS_ENGINE_ERROR,
                                         CURRENTS_ENGINE_ERROR_MAX_STEPS));
      g_assert_nonnull (strstr (error->message, "t = "));
      g_assert_nonnull (strstr (error->message, "w = "));
      g_assert_nonnull (strstr (error->message, currents_method_to_string (methods[m])));
      /* The rows before the blow-up at t = 1 are kept: x = 1/(1 − t). */
      g_assert_cmpuint (reached, ==, 2);
      g_assert_cmpfloat (fabs (out[0] - 2.0), <=, 1e-5);
      g_assert_cmpfloat (fabs (out[1] - 10.0), <=, 1e-2);
    }
}

/* A step below the caller's h_min is STEP_UNDERFLOW, before the blow-up is reached. */
static void
test_error_underflow (void)
{
  const double x0 = 1.0, T = 2.0;
  const char *const names[] = { "w", NULL };
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 0, TRUE, square_f, square_j, NULL);
  CurrentsSimOptions o;
  g_autoptr (CurrentsSimulator) sim = NULL;
  g_autoptr (GError) error = NULL;
  double out;
  gsize reached = 99;
  const char *at;

  currents_sim_options_init (&o);
  o.h_min = 1e-4;
  sim = currents_simulator_new (field, &o);
  currents_simulator_set_state_names (sim, names);
  g_assert_false (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, &T, 1, &out, &reached,
                                          NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW);
  g_test_message ("%s", error->message);
  g_assert_cmpuint (reached, ==, 0);
  at = strstr (error->message, "at t = ");
  g_assert_nonnull (at);
  /* rk8pd's steps near the pole at t = 1 are about (1 − t)/4 */
  g_assert_cmpfloat (g_ascii_strtod (at + 7, NULL), >, 0.99);
  g_assert_cmpfloat (g_ascii_strtod (at + 7, NULL), <, 1.0);
  g_assert_nonnull (strstr (error->message, "w = "));
}

static void
test_error_nan (void)
{
  static const CurrentsMethod methods[] = {
    CURRENTS_METHOD_RK8PD, CURRENTS_METHOD_RKCK, CURRENTS_METHOD_BDF, CURRENTS_METHOD_EULER,
    CURRENTS_METHOD_RK4,
  };
  const double x0[2] = { 1.0, 0.0 };
  const double times[] = { 0.25, 0.75, 1.5, 3.0 };
  const char *const names[] = { "level", "logsum", NULL };
  g_autoptr (CurrentsField) field = test_field_new (2, 0, 0, TRUE, nan_f, nan_j, NULL);

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      g_autoptr (CurrentsSimulator) sim = currents_method_is_fixed_step (methods[m])
        ? sim_new_fixed (field, methods[m], 0.03) : sim_new (field, methods[m], 1e-8, 1e-10);
      g_autoptr (GError) error = NULL;
      double out[8];
      gsize reached = 99;

      currents_simulator_set_state_names (sim, names);
      g_assert_false (currents_simulator_run (sim, x0, NULL, NULL, 0.0, times, 4, out, &reached,
                                              NULL, &error));
      g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE);
      g_test_message ("NaN field, %s: %s", currents_method_to_string (methods[m]),
                      error->message);
      g_assert_nonnull (strstr (error->message, "t = "));
      g_assert_nonnull (strstr (error->message, "level = "));
      g_assert_nonnull (strstr (error->message, "logsum = "));
      g_assert_cmpuint (reached, ==, 2);
      g_assert_cmpfloat (fabs (out[2] - 0.25), <=, 1e-9);
    }

  /* A non-finite initial value or time is a caller error. */
  {
    g_autoptr (CurrentsSimulator) sim = sim_new (field, CURRENTS_METHOD_RK8PD, 1e-8, 1e-10);
    g_autoptr (GError) error = NULL;
    const double bad[2] = { NAN, 0.0 };
    double out[8];

    g_assert_false (currents_simulator_run (sim, bad, NULL, NULL, 0.0, times, 4, out, NULL,
                                            NULL, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_false (currents_simulator_run (sim, x0, NULL, NULL, INFINITY, times, 4, out, NULL,
                                            NULL, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_error_bound (void)
{
  static const CurrentsMethod methods[] = { CURRENTS_METHOD_RK8PD, CURRENTS_METHOD_RK4 };
  const double A[1] = { 1.0 }, x0 = 1.0;
  const double times[] = { 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0 };
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 0, TRUE, linear_f, linear_j, A);

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      CurrentsSimOptions o;
      g_autoptr (CurrentsSimulator) sim = NULL;
      g_autoptr (GError) error = NULL;
      double out[8];
      gsize reached = 99;

      currents_sim_options_init (&o);
      o.method = methods[m];
      o.rtol = o.atol = 1e-10;
      o.h = methods[m] == CURRENTS_METHOD_RK4 ? 0.01 : 0.0;
      o.bound = 100.0;
      sim = currents_simulator_new (field, &o);
      g_assert_false (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, times, 8, out,
                                              &reached, NULL, &error));
      g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_OUT_OF_BOUNDS);
      g_test_message ("bound, %s: %s", o.method == CURRENTS_METHOD_RK4 ? "rk4" : "rk8pd",
                      error->message);
      /* the first step past ln 100 = 4.605, at most the output time 5 */
      g_assert_nonnull (strstr (error->message, "at t = 4."));
      g_assert_nonnull (strstr (error->message, "x[0] = 1"));
      /* e^4 < 100 < e^5 */
      g_assert_cmpuint (reached, ==, 4);
      g_assert_cmpuint (reached, <, G_N_ELEMENTS (times));
      g_assert_cmpfloat (fabs (out[3] - exp (4.0)) / exp (4.0), <=, 1e-7);
    }
}

static void
test_error_cancel (void)
{
  const double A[1] = { -0.5 }, x0 = 1.0;
  const double times[] = { 1.0, 2.0, 3.0, 1000.0 };
  g_autoptr (GCancellable) cancellable = g_cancellable_new ();
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 0, TRUE, linear_f, linear_j, A);
  g_autoptr (GError) error = NULL;
  double out[4];
  gsize reached = 99;

  /* Already cancelled: nothing is integrated. */
  {
    g_autoptr (CurrentsSimulator) sim = sim_new (field, CURRENTS_METHOD_RK8PD, 1e-8, 1e-10);

    g_cancellable_cancel (cancellable);
    g_assert_false (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, times, 4, out, &reached,
                                            cancellable, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
    g_assert_cmpuint (reached, ==, 0);
    g_clear_error (&error);
  }

  /* Cancelled mid-run (by the field itself after 20000 evaluations, so deterministic). */
  {
    TestCounter counter = { 0, 20000, NULL };
    g_autoptr (CurrentsField) counting = test_field_new (1, 0, 0, TRUE, linear_f, linear_j, A);
    g_autoptr (CurrentsSimulator) sim = sim_new_fixed (counting, CURRENTS_METHOD_RK4, 0.001);

    g_cancellable_reset (cancellable);
    counter.cancellable = cancellable;
    ((TestImpl *) currents_field_get_impl (counting))->counter = &counter;
    g_assert_false (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, times, 4, out, &reached,
                                            cancellable, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
    g_test_message ("%s", error->message);
    /* 20000 evaluations = 5000 RK4 steps = t 5; checked every 100 steps. */
    g_assert_cmpuint (reached, ==, 3);
    g_assert_cmpuint (counter.evals, <=, 20000 + 4 * 100);
    g_assert_cmpfloat (fabs (out[2] - exp (-1.5)), <=, 1e-12);
  }
}

static void
test_error_times (void)
{
  const double A[1] = { -0.5 }, x0 = 1.0;
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 0, TRUE, linear_f, linear_j, A);
  g_autoptr (CurrentsSimulator) sim = sim_new (field, CURRENTS_METHOD_RK8PD, 1e-8, 1e-10);
  const double unsorted[] = { 0.5, 1.5, 1.0, 2.0 };
  const double mixed[] = { -0.5, 0.5 };
  const double before[] = { 1.0, 2.0 };
  const double nan_time[] = { 1.0, NAN };
  double out[4];
  gsize reached = 99;
  g_autoptr (GError) error = NULL;

  g_assert_false (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, unsorted, 4, out, &reached,
                                          NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_cmpuint (reached, ==, 0);
  g_clear_error (&error);
  g_assert_false (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, mixed, 2, out, NULL, NULL,
                                          &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* descending from t0 = 1.5 but passing back above it */
  g_assert_false (currents_simulator_run (sim, &x0, NULL, NULL, 1.5, before, 2, out, NULL, NULL,
                                          &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, nan_time, 2, out, NULL,
                                          NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* No times: nothing to do. */
  g_assert_true (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, NULL, 0, NULL, &reached,
                                         NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (reached, ==, 0);

  /* Bad tolerances are reported, not aborted on. */
  {
    CurrentsSimOptions o;
    g_autoptr (CurrentsSimulator) bad = NULL;

    currents_sim_options_init (&o);
    o.rtol = 0.0;
    o.atol = 0.0;
    bad = currents_simulator_new (field, &o);
    g_assert_false (currents_simulator_run (bad, &x0, NULL, NULL, 0.0, before, 2, out, NULL,
                                            NULL, &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
}

/* x' = −x: one step of each method multiplies x by R(h). */
static void
test_fixed_amplification (void)
{
  static const struct
  {
    CurrentsMethod method;
    int            order;
  } cases[] = {
    { CURRENTS_METHOD_EULER, 1 }, { CURRENTS_METHOD_MODEULER, 2 }, { CURRENTS_METHOD_RK4, 4 },
  };
  const double A[1] = { -1.0 }, x0 = 1.0;
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 0, TRUE, linear_f, linear_j, A);

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    for (int dir = 1; dir >= -1; dir -= 2)
      {
        const double h = 0.0625;
        const int N = 48;
        long double R = 0.0L, term = 1.0L;
        double expect;
        double times[3] = { dir * h, dir * 13 * h, dir * N * h };
        double out[3];
        g_autoptr (CurrentsSimulator) sim = sim_new_fixed (field, cases[c].method, h);
        g_autoptr (GError) error = NULL;

        /* R(z) = Σ_{j ≤ order} z^j / j!, z = −h·dir (the step is −h backward); N steps
         * round N times, so compare at N · 2⁻⁵³ ≈ 5e-15 */
        for (int j = 0; j <= cases[c].order; j++)
          {
            R += term;
            term *= -h * dir / (long double) (j + 1);
          }
        g_assert_true (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, times, 3, out, NULL,
                                               NULL, &error));
        g_assert_no_error (error);
        g_assert_cmpfloat (fabs (out[0] - (double) R) / (double) R, <=, 1e-15);
        expect = (double) powl (R, 13);
        g_assert_cmpfloat (fabs (out[1] - expect) / expect, <=, 1e-14);
        expect = (double) powl (R, N);
        g_test_message ("%s, h = %g, %d steps %s: x = %.17g, R^N = %.17g, relative %.2g",
                        currents_method_to_string (cases[c].method), h, N,
                        dir > 0 ? "forward" : "backward", out[2], expect,
                        fabs (out[2] - expect) / expect);
        g_assert_cmpfloat (fabs (out[2] - expect) / expect, <=, 1e-14);
        /* XPP's step count: 4 RHS evaluations per RK4 step, 2 for Heun, 1 for Euler. */
        g_assert_cmpuint (currents_simulator_get_n_evals (sim), ==,
                          (gsize) N * (cases[c].order == 4 ? 4 : cases[c].order));
      }
}

/* An output time off the step grid: grid steps to the point before, then one shortened
 * step, and the grid run continues unchanged. */
static void
test_fixed_offgrid (void)
{
  const double A[1] = { -1.0 }, x0 = 1.0, h = 0.1;
  const double times[] = { 0.25, 0.3, 0.77, 1.0 };
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 0, TRUE, linear_f, linear_j, A);
  g_autoptr (CurrentsSimulator) sim = sim_new_fixed (field, CURRENTS_METHOD_RK4, h);
  g_autoptr (GError) error = NULL;
  double out[4];

#define R4(z) (1.0 + (z) + (z) * (z) / 2.0 + (z) * (z) * (z) / 6.0 + (z) * (z) * (z) * (z) / 24.0)
  g_assert_true (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, times, 4, out, NULL, NULL,
                                         &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (fabs (out[0] - pow (R4 (-h), 2) * R4 (-0.05)), <=, 1e-14);
  g_assert_cmpfloat (fabs (out[1] - pow (R4 (-h), 3)), <=, 1e-14);
  g_assert_cmpfloat (fabs (out[2] - pow (R4 (-h), 7) * R4 (-0.07)), <=, 1e-14);
  g_assert_cmpfloat (fabs (out[3] - pow (R4 (-h), 10)), <=, 1e-14);
#undef R4
}

static double
oscillator_energy (const double *x, double w)
{
  return 0.5 * (x[1] * x[1] + w * w * x[0] * x[0]);
}

static void
test_symplectic (void)
{
  const double p[1] = { 1.3 }, x0[2] = { 0.8, 0.35 };
  g_autoptr (CurrentsField) field = test_field_new (2, 0, 1, TRUE, oscillator_f, oscillator_j,
                                                   NULL);
  const double E0 = oscillator_energy (x0, p[0]);
  const gsize N = 10000;
  const double h = 0.05;
  double first_half = 0.0, second_half = 0.0;
  double errors[3];

  /* Energy over 10⁴ steps: a bounded oscillation, no drift. */
  {
    g_autoptr (CurrentsSimulator) sim = sim_new_fixed (field, CURRENTS_METHOD_SYMPLECTIC, h);
    g_autoptr (GError) error = NULL;
    double *times = g_new (double, N);
    double *out = g_new (double, 2 * N);
    double mean = 0.0;
    gsize crossings = 0;

    for (gsize k = 0; k < N; k++)
      times[k] = (k + 1) * h;
    g_assert_true (currents_simulator_run (sim, x0, p, NULL, 0.0, times, N, out, NULL, NULL,
                                           &error));
    g_assert_no_error (error);
    for (gsize k = 0; k < N; k++)
      {
        double dE = (oscillator_energy (out + 2 * k, p[0]) - E0) / E0;

        mean += dE / N;
        if (k < N / 2)
          first_half = MAX (first_half, fabs (dE));
        else
          second_half = MAX (second_half, fabs (dE));
      }
    for (gsize k = 1; k < N; k++)
      {
        double a = (oscillator_energy (out + 2 * (k - 1), p[0]) - E0) / E0 - mean;
        double b = (oscillator_energy (out + 2 * k, p[0]) - E0) / E0 - mean;
        crossings += (a < 0.0) != (b < 0.0);
      }
    g_test_message ("symplectic, h = %g, %" G_GSIZE_FORMAT " steps: max relative energy "
                    "error %.3g (first half), %.3g (second half), %" G_GSIZE_FORMAT
                    " crossings of its mean", h, N, first_half, second_half, crossings);
    g_assert_cmpfloat (first_half, <, 1e-4);
    g_assert_cmpfloat (second_half, <=, 1.05 * first_half);
    /* It oscillates about its mean: ~103 periods of the oscillator, the energy error at
     * twice its frequency, so ~4 crossings per period. */
    g_assert_cmpuint (crossings, >, 300);
    g_free (times);
    g_free (out);
  }

  /* Convergence at t = 6: XPP's scheme (Ruth's coefficients) is third order. */
  for (int r = 0; r < 3; r++)
    {
      const double hr = 0.1 / (1 << r), T = 6.0;
      g_autoptr (CurrentsSimulator) sim = sim_new_fixed (field, CURRENTS_METHOD_SYMPLECTIC, hr);
      g_autoptr (GError) error = NULL;
      double out[2], ref[2];
      const double w = p[0];

      g_assert_true (currents_simulator_run (sim, x0, p, NULL, 0.0, &T, 1, out, NULL, NULL,
                                             &error));
      g_assert_no_error (error);
      ref[0] = x0[0] * cos (w * T) + x0[1] / w * sin (w * T);
      ref[1] = -x0[0] * w * sin (w * T) + x0[1] * cos (w * T);
      errors[r] = rel_error (out, ref, 2);
    }
  for (int r = 1; r < 3; r++)
    {
      double ratio = errors[r - 1] / errors[r];

      g_test_message ("symplectic: error %.3g at h = %g, %.3g at h/2: ratio %.2f (order %.2f)",
                      errors[r - 1], 0.1 / (1 << (r - 1)), errors[r], ratio, log2 (ratio));
      g_assert_cmpfloat (ratio, >, 7.5);
      g_assert_cmpfloat (ratio, <, 8.5);
    }

  /* The scheme needs pairs q' = v. */
  {
    double A[4] = { -0.2, 1.0, -1.0, -0.2 };
    double A1[1] = { -1.0 };
    g_autoptr (CurrentsField) damped = test_field_new (2, 0, 0, TRUE, linear_f, linear_j, A);
    g_autoptr (CurrentsField) single = test_field_new (1, 0, 0, TRUE, linear_f, linear_j, A1);
    g_autoptr (CurrentsSimulator) s1 = sim_new_fixed (damped, CURRENTS_METHOD_SYMPLECTIC, 0.1);
    g_autoptr (CurrentsSimulator) s2 = sim_new_fixed (single, CURRENTS_METHOD_SYMPLECTIC, 0.1);
    g_autoptr (GError) error = NULL;
    const double T = 1.0;
    double out[2];

    g_assert_false (currents_simulator_run (s1, x0, NULL, NULL, 0.0, &T, 1, out, NULL, NULL,
                                            &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_false (currents_simulator_run (s2, x0, NULL, NULL, 0.0, &T, 1, out, NULL, NULL,
                                            &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  }
}

/* XPPAUT 6.11's own output (-silent) for two models of the corpus (Ermentrout/xppaut,
 * GPL-2.0-or-later), printed in single precision: the fixed-step methods reproduce it. */
static void
test_xpp_reference (void)
{
  /* ode/henhei.ode: meth=symplectic (y), dt=.166666, rows every 6 steps */
  {
    const double x0[4] = { 0.12, 0.12, 0.12, 0.12 };
    const double dt = 0.166666;
    const double times[] = { 6 * dt, 12 * dt, 1200 * dt };
    const double ref[3][4] = {
      { 0.14562017, -0.076667257, 0.16629164, -0.034102343 },
      { -0.0002016541, -0.18134198, 0.065027073, -0.1515324 },
      { -0.047096778, -0.074247301, 0.21803942, 0.10280959 },
    };
    g_autoptr (CurrentsField) field = test_field_new (4, 0, 0, TRUE, henhei_f, henhei_j, NULL);
    g_autoptr (CurrentsSimulator) sim = sim_new_fixed (field, CURRENTS_METHOD_SYMPLECTIC, dt);
    g_autoptr (GError) error = NULL;
    double out[12], worst = 0.0;

    g_assert_true (currents_simulator_run (sim, x0, NULL, NULL, 0.0, times, 3, out, NULL, NULL,
                                           &error));
    g_assert_no_error (error);
    for (int k = 0; k < 3; k++)
      for (int i = 0; i < 4; i++)
        worst = MAX (worst, fabs (out[4 * k + i] - ref[k][i]) / 0.25);
    g_test_message ("henhei (symplectic) against XPPAUT: max scaled difference %.3g", worst);
    g_assert_cmpfloat (worst, <=, 2e-6);
  }

  /* ode/vanderpol.ode: XPP's default rungekutta, dt=0.05, total=40 */
  {
    const double x0[2] = { 1.0, 0.0 };
    const double times[] = { 0.2, 39.8, 40.0 };
    const double ref[3][2] = {
      { 0.98005074, -0.19906412 },
      { 1.7097772, -0.64824814 },
      { 1.5708644, -0.7415458 },
    };
    double times_grid[3];
    g_autoptr (CurrentsField) field = test_field_new (2, 0, 0, TRUE, vanderpol_f, vanderpol_j,
                                                     NULL);
    g_autoptr (CurrentsSimulator) sim = sim_new_fixed (field, CURRENTS_METHOD_RK4, 0.05);
    g_autoptr (GError) error = NULL;
    double out[6], worst = 0.0;

    for (int k = 0; k < 3; k++)
      times_grid[k] = nearbyint (times[k] / 0.05) * 0.05;
    g_assert_true (currents_simulator_run (sim, x0, NULL, NULL, 0.0, times_grid, 3, out, NULL,
                                           NULL, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (currents_simulator_get_n_evals (sim), ==, 4 * 800);
    for (int k = 0; k < 3; k++)
      {
        worst = MAX (worst, fabs (out[2 * k] - ref[k][0]) / 2.0086);
        worst = MAX (worst, fabs (out[2 * k + 1] - ref[k][1]) / 2.6733);
      }
    g_test_message ("vanderpol (rk4) against XPPAUT: max scaled difference %.3g", worst);
    g_assert_cmpfloat (worst, <=, 2e-6);
  }
}

/* ------------------------------------------------------------------------------------ */
/* Inputs                                                                               */

/* u: 0.3 before 0, ramps to 2.2 at 1.1, down through 0.75 at 1.8 (collinear, not a kink) to
 * −0.7 at 2.5, flat to 3.2, up to 1.5 at 4.0, constant after. */
static const double knot_t[] = { 0.0, 1.1, 1.8, 2.5, 3.2, 4.0 };
static const double knot_u[] = { 0.3, 2.2, 0.75, -0.7, -0.7, 1.5 };

static double
ramp_u (double t)
{
  const gsize K = G_N_ELEMENTS (knot_t);

  if (t <= knot_t[0])
    return knot_u[0];
  for (gsize k = 1; k < K; k++)
    if (t <= knot_t[k])
      return knot_u[k - 1] + (t - knot_t[k - 1]) / (knot_t[k] - knot_t[k - 1])
             * (knot_u[k] - knot_u[k - 1]);
  return knot_u[K - 1];
}

/* ∫_{a}^{b} u exactly (trapezoids between consecutive kinks of the linear interpolant). */
static double
ramp_integral (double a, double b)
{
  double pts[16], sum = 0.0, sign = 1.0;
  gsize np = 0;

  if (b < a)
    {
      double tmp = a;
      a = b;
      b = tmp;
      sign = -1.0;
    }
  pts[np++] = a;
  for (gsize k = 0; k < G_N_ELEMENTS (knot_t); k++)
    if (knot_t[k] > a && knot_t[k] < b)
      pts[np++] = knot_t[k];
  pts[np++] = b;
  for (gsize i = 1; i < np; i++)
    sum += 0.5 * (pts[i] - pts[i - 1]) * (ramp_u (pts[i]) + ramp_u (pts[i - 1]));
  return sign * sum;
}

static CurrentsInputSignal *
ramp_signal_new (CurrentsDataset **dataset_out)
{
  const char *const state_names[] = { "x", NULL };
  const char *const input_names[] = { "inducer", NULL };
  const double states[G_N_ELEMENTS (knot_t)] = { 0 };
  g_autoptr (GError) error = NULL;
  CurrentsDataset *dataset = currents_dataset_new (state_names, input_names);
  CurrentsInputSignal *signal;

  g_assert_true (currents_dataset_add_trajectory (dataset, "ramp", G_N_ELEMENTS (knot_t),
                                                  knot_t, states, knot_u, &error));
  g_assert_no_error (error);
  signal = currents_input_signal_new_from_trajectory (
    currents_dataset_get_trajectory (dataset, 0), 1);
  *dataset_out = dataset;
  return signal;
}

static void
test_input_signal (void)
{
  g_autoptr (CurrentsDataset) dataset = NULL;
  g_autoptr (CurrentsInputSignal) signal = ramp_signal_new (&dataset);
  const double expect_bp[] = { 0.0, 1.1, 2.5, 3.2, 4.0 };
  const double *bp;
  gsize nb;
  double u;

  g_assert_cmpuint (currents_input_signal_get_n_inputs (signal), ==, 1);
  bp = currents_input_signal_get_breakpoints (signal, &nb);
  g_assert_cmpuint (nb, ==, G_N_ELEMENTS (expect_bp));
  for (gsize k = 0; k < nb; k++)
    g_assert_cmpfloat (bp[k], ==, expect_bp[k]);

  for (double t = -1.0; t <= 5.0; t += 0.0625)
    {
      currents_input_signal_eval (signal, t, &u);
      g_assert_cmpfloat (fabs (u - ramp_u (t)), <=, 1e-14);
    }
  currents_input_signal_eval (signal, 2.5, &u);
  g_assert_cmpfloat (u, ==, -0.7);

  /* Constant signals have no breakpoints. */
  {
    const double levels[2] = { 2.5, -0.125 };
    double v[2];
    g_autoptr (CurrentsInputSignal) c = currents_input_signal_new_constant (2, levels);

    bp = currents_input_signal_get_breakpoints (c, &nb);
    g_assert_cmpuint (nb, ==, 0);
    currents_input_signal_eval (c, 17.3, v);
    g_assert_cmpfloat (v[0], ==, 2.5);
    g_assert_cmpfloat (v[1], ==, -0.125);
  }

  /* A trajectory whose inputs are all constant gives one knot. */
  {
    const char *const sn[] = { "x", NULL };
    const char *const in[] = { "a", "b", NULL };
    const double t[3] = { 0.5, 1.0, 2.0 };
    const double s[3] = { 0.0, 0.0, 0.0 };
    const double uu[6] = { 1.5, -2.0, 1.5, -2.0, 1.5, -2.0 };
    double v[2];
    g_autoptr (CurrentsDataset) ds = currents_dataset_new (sn, in);
    g_autoptr (CurrentsInputSignal) c = NULL;
    g_autoptr (GError) error = NULL;

    g_assert_true (currents_dataset_add_trajectory (ds, "flat", 3, t, s, uu, &error));
    g_assert_no_error (error);
    c = currents_input_signal_new_from_trajectory (currents_dataset_get_trajectory (ds, 0), 2);
    bp = currents_input_signal_get_breakpoints (c, &nb);
    g_assert_cmpuint (nb, ==, 0);
    currents_input_signal_eval (c, -3.0, v);
    g_assert_cmpfloat (v[0], ==, 1.5);
    g_assert_cmpfloat (v[1], ==, -2.0);
  }
}

static void
test_input_ramp (void)
{
  static const CurrentsMethod methods[] = {
    CURRENTS_METHOD_RK8PD, CURRENTS_METHOD_RKF45, CURRENTS_METHOD_RKCK, CURRENTS_METHOD_BDF,
    CURRENTS_METHOD_RK4, CURRENTS_METHOD_MODEULER,
  };
  g_autoptr (CurrentsDataset) dataset = NULL;
  g_autoptr (CurrentsInputSignal) signal = ramp_signal_new (&dataset);
  g_autoptr (CurrentsField) field = test_field_new (1, 1, 0, TRUE, input_f, zero_j, NULL);
  const double x0 = 0.42;
  const double fwd[] = { 0.5, 1.3, 2.5, 2.9, 3.7, 5.5 };
  const double bwd[] = { 3.5, 2.2, 0.7, -0.4 };

  for (guint m = 0; m < G_N_ELEMENTS (methods); m++)
    {
      /* x is piecewise quadratic: the Runge-Kutta methods (RK4 as Simpson's rule, Heun as
       * the trapezoidal rule) are exact on it unless a step straddles a kink; BDF is not
       * exact (order 1 after each restart), so it gets a tight tolerance. */
      const gboolean bdf = methods[m] == CURRENTS_METHOD_BDF;
      g_autoptr (CurrentsSimulator) sim = currents_method_is_fixed_step (methods[m])
        ? sim_new_fixed (field, methods[m], 0.3)
        : sim_new (field, methods[m], bdf ? 1e-12 : 1e-6, bdf ? 1e-14 : 1e-8);
      g_autoptr (GError) error = NULL;
      double out[6], worst = 0.0, start;

      g_assert_true (currents_simulator_run (sim, &x0, NULL, signal, -0.5, fwd, 6, out, NULL,
                                             NULL, &error));
      g_assert_no_error (error);
      for (int k = 0; k < 6; k++)
        worst = MAX (worst, fabs (out[k] - (x0 + ramp_integral (-0.5, fwd[k]))));

      start = 1.7;
      g_assert_true (currents_simulator_run (sim, &start, NULL, signal, 4.6, bwd, 4, out, NULL,
                                             NULL, &error));
      g_assert_no_error (error);
      for (int k = 0; k < 4; k++)
        worst = MAX (worst, fabs (out[k] - (start + ramp_integral (4.6, bwd[k]))));

      g_test_message ("x' = u(t) piecewise linear, %s: absolute error %.3g",
                      currents_method_to_string (methods[m]), worst);
      g_assert_cmpfloat (worst, <=, 1e-10);
    }

  /* Signal and model must agree on the number of inputs. */
  {
    g_autoptr (CurrentsSimulator) sim = sim_new (field, CURRENTS_METHOD_RK8PD, 1e-6, 1e-8);
    g_autoptr (CurrentsInputSignal) two = currents_input_signal_new_constant (2, NULL);
    g_autoptr (GError) error = NULL;
    double out[6];

    g_assert_false (currents_simulator_run (sim, &x0, NULL, two, 0.0, fwd, 6, out, NULL, NULL,
                                            &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
    g_assert_false (currents_simulator_run (sim, &x0, NULL, NULL, 0.0, fwd, 6, out, NULL, NULL,
                                            &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  }
}

/* ------------------------------------------------------------------------------------ */
/* Dense output                                                                         */

static void
check_dense (CurrentsMethod method, double t0, double t1)
{
  const double p[2] = { 1.37, 2.9 }, x0 = 0.083;
  const double x_start = logistic_exact (p[0], p[1], x0, t0);
  g_autoptr (CurrentsField) field = test_field_new (1, 0, 2, TRUE, logistic_f, logistic_j,
                                                   NULL);
  g_autoptr (CurrentsSimulator) sim = currents_method_is_fixed_step (method)
    ? sim_new_fixed (field, method, 0.07) : sim_new (field, method, 1e-10, 1e-12);
  g_autoptr (GArray) t_out = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) x_out = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GError) error = NULL;
  const double dir = t1 > t0 ? 1.0 : -1.0;
  double *again;
  gsize n;
  double worst_exact = 0.0, worst_run = 0.0;

  g_assert_true (currents_simulator_run_dense (sim, &x_start, p, NULL, t0, t1, t_out, x_out,
                                               NULL, &error));
  g_assert_no_error (error);
  n = t_out->len;
  g_assert_cmpuint (n, >, 10);
  g_assert_cmpuint (x_out->len, ==, n);
  g_assert_cmpfloat (g_array_index (t_out, double, 0), ==, t0);
  g_assert_cmpfloat (g_array_index (t_out, double, n - 1), ==, t1);
  g_assert_cmpfloat (g_array_index (x_out, double, 0), ==, x_start);
  for (gsize k = 1; k < n; k++)
    g_assert_cmpfloat (dir * (g_array_index (t_out, double, k)
                              - g_array_index (t_out, double, k - 1)), >, 0.0);

  /* run() at the same times agrees (fixed step: exactly the same grid). */
  again = g_new (double, n);
  g_assert_true (currents_simulator_run (sim, &x_start, p, NULL, t0, (double *) t_out->data, n,
                                         again, NULL, NULL, &error));
  g_assert_no_error (error);
  for (gsize k = 0; k < n; k++)
    {
      double tk = g_array_index (t_out, double, k), xk = g_array_index (x_out, double, k);
      worst_run = MAX (worst_run, fabs (again[k] - xk));
      worst_exact = MAX (worst_exact, fabs (xk - logistic_exact (p[0], p[1], x0, tk)));
    }
  g_test_message ("dense %s from %g to %g: %" G_GSIZE_FORMAT " steps, |dense - run| %.3g, "
                  "|dense - exact| %.3g", currents_method_to_string (method), t0, t1, n,
                  worst_run, worst_exact);
  if (currents_method_is_fixed_step (method))
    {
      g_assert_cmpfloat (worst_run, ==, 0.0);
      g_assert_cmpfloat (worst_exact, <=, 1e-5);
    }
  else
    {
      /* Stopping at every output time changes msbdf's step sequence more than rk8pd's. */
      const double tol = method == CURRENTS_METHOD_BDF ? 1e-7 : 1e-9;

      g_assert_cmpfloat (worst_run, <=, tol);
      g_assert_cmpfloat (worst_exact, <=, tol);
    }
  g_free (again);
}

static void
test_dense (void)
{
  check_dense (CURRENTS_METHOD_RK8PD, 0.0, 7.3);
  check_dense (CURRENTS_METHOD_RK8PD, 6.2, -1.0);
  check_dense (CURRENTS_METHOD_BDF, 0.0, 7.3);
  check_dense (CURRENTS_METHOD_RK4, 0.0, 7.3);
  check_dense (CURRENTS_METHOD_RK4, 5.0, 0.1);

  /* h_max bounds every step. */
  {
    const double p[2] = { 1.37, 2.9 }, x0 = 0.083;
    g_autoptr (CurrentsField) field = test_field_new (1, 0, 2, TRUE, logistic_f, logistic_j,
                                                     NULL);
    g_autoptr (GArray) t_out = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr (GArray) x_out = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr (GError) error = NULL;
    g_autoptr (CurrentsSimulator) sim = NULL;
    CurrentsSimOptions o;
    double longest = 0.0;

    currents_sim_options_init (&o);
    o.h_max = 0.125;
    sim = currents_simulator_new (field, &o);
    g_assert_true (currents_simulator_run_dense (sim, &x0, p, NULL, 0.0, 10.0, t_out, x_out,
                                                 NULL, &error));
    g_assert_no_error (error);
    for (guint k = 1; k < t_out->len; k++)
      longest = MAX (longest, g_array_index (t_out, double, k)
                              - g_array_index (t_out, double, k - 1));
    g_assert_cmpfloat (longest, <=, 0.125 * (1.0 + 1e-12));
    g_assert_cmpuint (t_out->len, >=, 81);
  }

  /* Dense output stops at every breakpoint of the input. */
  {
    g_autoptr (CurrentsDataset) dataset = NULL;
    g_autoptr (CurrentsInputSignal) signal = ramp_signal_new (&dataset);
    g_autoptr (CurrentsField) field = test_field_new (1, 1, 0, TRUE, input_f, zero_j, NULL);
    g_autoptr (CurrentsSimulator) sim = sim_new (field, CURRENTS_METHOD_RK8PD, 1e-8, 1e-10);
    g_autoptr (GArray) t_out = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr (GArray) x_out = g_array_new (FALSE, FALSE, sizeof (double));
    g_autoptr (GError) error = NULL;
    const double x0 = 0.0;
    const double *bp;
    gsize nb;

    g_assert_true (currents_simulator_run_dense (sim, &x0, NULL, signal, -1.0, 5.0, t_out,
                                                 x_out, NULL, &error));
    g_assert_no_error (error);
    bp = currents_input_signal_get_breakpoints (signal, &nb);
    for (gsize b = 0; b < nb; b++)
      {
        gboolean found = FALSE;
        for (guint k = 0; k < t_out->len && !found; k++)
          if (g_array_index (t_out, double, k) == bp[b])
            {
              found = TRUE;
              g_assert_cmpfloat (fabs (g_array_index (x_out, double, k)
                                       - ramp_integral (-1.0, bp[b])), <=, 1e-10);
            }
        g_assert_true (found);
      }
  }
}

int
main (int argc, char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/simulate/methods", test_methods);
  g_test_add_func ("/engine/simulate/linear/reference", test_expm_reference);
  g_test_add_func ("/engine/simulate/linear/rk8pd", test_linear_rk8pd);
  g_test_add_func ("/engine/simulate/linear/rk45", test_linear_rk45);
  g_test_add_func ("/engine/simulate/linear/bdf", test_linear_bdf);
  g_test_add_func ("/engine/simulate/logistic", test_logistic);
  g_test_add_func ("/engine/simulate/backward", test_backward);
  g_test_add_func ("/engine/simulate/nonautonomous", test_nonautonomous);
  g_test_add_func ("/engine/simulate/robertson", test_robertson);
  g_test_add_func ("/engine/simulate/error/blowup", test_error_blowup);
  g_test_add_func ("/engine/simulate/error/underflow", test_error_underflow);
  g_test_add_func ("/engine/simulate/error/nan", test_error_nan);
  g_test_add_func ("/engine/simulate/error/bound", test_error_bound);
  g_test_add_func ("/engine/simulate/error/cancel", test_error_cancel);
  g_test_add_func ("/engine/simulate/error/times", test_error_times);
  g_test_add_func ("/engine/simulate/fixed/amplification", test_fixed_amplification);
  g_test_add_func ("/engine/simulate/fixed/offgrid", test_fixed_offgrid);
  g_test_add_func ("/engine/simulate/fixed/symplectic", test_symplectic);
  g_test_add_func ("/engine/simulate/fixed/xpp-reference", test_xpp_reference);
  g_test_add_func ("/engine/simulate/input/signal", test_input_signal);
  g_test_add_func ("/engine/simulate/input/ramp", test_input_ramp);
  g_test_add_func ("/engine/simulate/dense", test_dense);

  return g_test_run ();
}
