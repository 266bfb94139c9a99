/* currents-equilibria.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Equilibria   f(t*, x*, u, p) = 0,  x* ∈ [lo, hi] ⊂ ℝⁿ  (t* fixed for a non-autonomous f).
 *
 * Search: from each seed of a scrambled Halton design in the box (plus its centre),
 * GSL's hybridsj (Powell's hybrid method with the exact Jacobian J = ∂f/∂x) until the
 * scaled residual is below 1e-6, then exact Newton steps  J(x_k) Δ = −f(x_k),
 * x_{k+1} = x_k + Δ  (GSL's newton solver, LU) to the polishing target. Newton goes on
 * past the target while the residual keeps falling, so that a root where J is singular
 * (only linear convergence there) is still approached to rounding level. A root is
 * accepted when the residual is at the target and a Newton correction has become
 * negligible (max_i |Δ_i| / (1 + |x_i|) ≤ 1e-6), or f vanishes exactly.
 * A start is given up when it runs more than a box width outside the box, when the
 * residual has not halved in 8 iterations (a local minimum of ‖f‖), when a step fails
 * (singular Jacobian, non-finite f), or when it comes within 1e-4 (relative to the box)
 * of an equilibrium already found, which it would only find again.
 *
 * Scaled residual (what "residual" means everywhere in this module):
 *
 *   r(x) = max_i |f_i(x)| / s_i,   s_i = (1 + |x_i|) · max(1, max_j |J_ij(x)|).
 *
 * |f_i| / max_j |J_ij| is a length in the units of the states: roughly how far Newton
 * would still move, row by row. Dividing by 1 + |x_i| makes it relative to the state's
 * size (absolute near 0). For rates of order one it is just |f_i| / (1 + |x_i|); for fast
 * rows (large J) it stays attainable at rounding level, where an unscaled |f_i| would
 * not.
 *
 * Duplicates: two roots x, y are one when, for every i,
 *   |x_i − y_i| ≤ 1e-7 · (w_i + |x_i| + |y_i|),  w_i = hi_i − lo_i;
 * the one with the smaller residual is kept.
 *
 * Linearisation: eigenvalues λ and right eigenvectors of J(x*) from LAPACK dgeev, each
 * eigenvector scaled to unit 2-norm with its largest component (the first within 1e-9 of
 * the largest) real and positive; a complex pair is stored (+ω, −ω) with conjugate
 * vectors. With ‖J‖_F the Frobenius norm:
 *   zero eigenvalue:      |λ| ≤ 1e-7 ‖J‖_F
 *   repeated eigenvalues: |λ_a − λ_b| ≤ 1e-6 ‖J‖_F   (a Jordan block splits by ~√u ‖J‖)
 *   centre direction:     |Re λ| ≤ 1e-7 ‖J‖_F
 * Either of the first two makes the point degenerate; otherwise a purely imaginary pair
 * makes it a center, and the signs of Re λ and the presence of a complex pair decide
 * between nodes, foci, saddles and (n ≥ 3) saddle-foci.
 */
#define G_LOG_DOMAIN "currents-equilibria"

#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_multiroots.h>
#include <lapacke.h>

#include "currents-error.h"
#include "currents-equilibria.h"

#define PHASE1_TOL     1e-6   /* hybridsj hands over to Newton below this residual */
#define STEP_TOL       1e-6   /* a Newton correction this small (relative) confirms a root */
#define RESCUE_TOL     1e-3   /* a stalled hybridsj start still gets Newton below this */
#define DEDUP_TOL      1e-7
#define CAPTURE_TOL    1e-4   /* a start this close to a known equilibrium is dropped */
#define STALL_ITERS    8      /* iterations without halving the residual */
#define FAR_FACTOR     1.0    /* widths beyond the box where a start is abandoned */
#define ZERO_FACTOR    1e-7   /* × ‖J‖_F */
#define REPEAT_FACTOR  1e-6   /* × ‖J‖_F */

const char *
currents_equilibrium_type_to_string (CurrentsEquilibriumType type)
{
  switch (type)
    {
    case CURRENTS_EQUILIBRIUM_STABLE_NODE: return "stable node";
    case CURRENTS_EQUILIBRIUM_UNSTABLE_NODE: return "unstable node";
    case CURRENTS_EQUILIBRIUM_SADDLE: return "saddle";
    case CURRENTS_EQUILIBRIUM_STABLE_FOCUS: return "stable focus";
    case CURRENTS_EQUILIBRIUM_UNSTABLE_FOCUS: return "unstable focus";
    case CURRENTS_EQUILIBRIUM_CENTER: return "center";
    case CURRENTS_EQUILIBRIUM_DEGENERATE: return "degenerate";
    case CURRENTS_EQUILIBRIUM_SADDLE_FOCUS: return "saddle-focus";
    default: return "unknown";
    }
}

/**
 * currents_equilibrium_new:
 * @n: the dimension
 *
 * Returns: (transfer full): an equilibrium record with zeroed arrays, typed degenerate
 */
CurrentsEquilibrium *
currents_equilibrium_new (gsize n)
{
  CurrentsEquilibrium *eq = g_new0 (CurrentsEquilibrium, 1);
  gsize nn = MAX (n, 1);
  double *block = g_new0 (double, 3 * nn + 2 * nn * nn);

  eq->n = n;
  eq->state = block;
  eq->eig_re = block + nn;
  eq->eig_im = block + 2 * nn;
  eq->evec_re = block + 3 * nn;
  eq->evec_im = block + 3 * nn + nn * nn;
  eq->type = CURRENTS_EQUILIBRIUM_DEGENERATE;
  return eq;
}

CurrentsEquilibrium *
currents_equilibrium_copy (const CurrentsEquilibrium *eq)
{
  CurrentsEquilibrium *c;
  gsize nn;

  g_return_val_if_fail (eq != NULL, NULL);
  c = currents_equilibrium_new (eq->n);
  nn = MAX (eq->n, 1);
  memcpy (c->state, eq->state, (3 * nn + 2 * nn * nn) * sizeof (double));
  c->type = eq->type;
  c->n_stable = eq->n_stable;
  c->n_unstable = eq->n_unstable;
  c->n_center = eq->n_center;
  c->stable = eq->stable;
  c->residual = eq->residual;
  return c;
}

void
currents_equilibrium_free (CurrentsEquilibrium *eq)
{
  if (eq == NULL)
    return;
  g_free (eq->state);   /* one block */
  g_free (eq);
}

void
currents_equilibria_options_init (CurrentsEquilibriaOptions *options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof *options);
  options->tol = 1e-12;
  options->max_iter = 50;
}

/* ------------------------------------------------------------------------------------ */
/* Residual, GSL callbacks                                                              */

static gboolean
all_finite (const double *v,
            gsize         k)
{
  for (gsize i = 0; i < k; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
}

/* r(x) as documented above; f (n), J (n × n row-major). NaN when anything is. */
static double
scaled_residual (gsize         n,
                 const double *x,
                 const double *f,
                 const double *J)
{
  double r = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      double row = 1.0, ri;

      for (gsize j = 0; j < n; j++)
        {
          double a = fabs (J[i * n + j]);
          if (a > row)
            row = a;
          else if (isnan (a))
            return NAN;
        }
      ri = fabs (f[i]) / ((1.0 + fabs (x[i])) * row);
      if (!(ri <= r))
        r = ri;   /* also picks up NaN */
      if (isnan (r))
        return NAN;
    }
  return r;
}

typedef struct
{
  CurrentsFieldWorkspace *ws;
  gsize                   n;
  double                  t;
  const double           *p;
  const double           *u;
  double                 *f;   /* n, scratch */
  double                 *J;   /* n × n, scratch */
} Problem;

static int
problem_f (const gsl_vector *x,
           void             *data,
           gsl_vector       *f)
{
  Problem *pr = data;

  currents_field_eval (pr->ws, pr->t, x->data, pr->u, pr->p, f->data);
  return all_finite (f->data, pr->n) ? GSL_SUCCESS : GSL_EBADFUNC;
}

static int
problem_fdf (const gsl_vector *x,
             void             *data,
             gsl_vector       *f,
             gsl_matrix       *J)
{
  Problem *pr = data;

  /* GSL allocates its vectors with stride 1 and matrices with tda = n, so the data are
   * laid out as the field wants them. */
  currents_field_jacobian (pr->ws, pr->t, x->data, pr->u, pr->p, f->data, J->data, NULL);
  if (!all_finite (f->data, pr->n) || !all_finite (J->data, pr->n * pr->n))
    return GSL_EBADFUNC;
  return GSL_SUCCESS;
}

static int
problem_df (const gsl_vector *x,
            void             *data,
            gsl_matrix       *J)
{
  Problem *pr = data;
  gsl_vector_view fv = gsl_vector_view_array (pr->f, pr->n);

  return problem_fdf (x, data, &fv.vector, J);
}

/* The polishing loop, on an allocated Newton solver. Returns a CurrentsEngineError code,
 * or -1 on success; x is overwritten with the best point met, *residual its residual. */
static int
polish_run (Problem                  *pr,
            gsl_multiroot_fdfsolver  *s,
            gsl_multiroot_function_fdf *fdf,
            double                   *x,
            double                    tol,
            guint                     max_iter,
            double                   *residual)
{
  gsize n = pr->n;
  gsl_vector_view xv = gsl_vector_view_array (x, n);
  double best;
  gboolean converged, singular = FALSE, small_step = FALSE;

  if (gsl_multiroot_fdfsolver_set (s, fdf, &xv.vector) != GSL_SUCCESS)
    {
      *residual = NAN;
      return CURRENTS_ENGINE_ERROR_NON_FINITE;
    }
  best = scaled_residual (n, s->x->data, s->f->data, s->J->data);
  converged = best <= tol;
  for (guint it = 0; it < max_iter && best > 0.0; it++)
    {
      int status = gsl_multiroot_fdfsolver_iterate (s);
      double r, step = 0.0;

      if (status == GSL_EDOM)
        singular = TRUE;
      if (status != GSL_SUCCESS)
        break;
      r = scaled_residual (n, s->x->data, s->f->data, s->J->data);
      if (isnan (r))
        break;
      for (gsize i = 0; i < n; i++)
        step = MAX (step, fabs (s->dx->data[i]) / (1.0 + fabs (s->x->data[i])));
      if (step <= STEP_TOL)
        small_step = TRUE;
      if (converged && !(r < best))
        break;   /* rounding level reached */
      if (r < best)
        {
          best = r;
          memcpy (x, s->x->data, n * sizeof (double));
        }
      if (best <= tol)
        converged = TRUE;
      if (converged && step <= 4.0 * DBL_EPSILON)
        break;
    }
  *residual = best;
  /* A small residual alone is not enough where f flattens out far away (a saturating
   * network at |x| → ∞ has |f_i|/(1 + |x_i|) → 0): Newton's own correction must also
   * have become negligible, unless f vanishes exactly. */
  if (converged && (best == 0.0 || small_step))
    return -1;
  return singular ? CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN : CURRENTS_ENGINE_ERROR_NO_CONVERGENCE;
}

/**
 * currents_equilibrium_polish:
 * @field: the vector field
 * @p: parameters
 * @u: (nullable): inputs
 * @t: the time at which a non-autonomous field is frozen
 * @x: (inout): the starting point; on return the best point found
 * @tol: target scaled residual (0: 1e-12)
 * @max_iter: Newton iterations (0: 50)
 * @residual: (out) (optional): the scaled residual at @x
 * @error: why it did not converge
 *
 * Exact Newton iterations from @x. Goes on past @tol while the residual still falls.
 *
 * Returns: %TRUE when the scaled residual reached @tol
 */
gboolean
currents_equilibrium_polish (CurrentsField  *field,
                             const double   *p,
                             const double   *u,
                             double          t,
                             double         *x,
                             double          tol,
                             guint           max_iter,
                             double         *residual,
                             GError        **error)
{
  gsize n;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autofree double *buf = NULL;
  Problem pr;
  gsl_multiroot_function_fdf fdf;
  gsl_multiroot_fdfsolver *s;
  double res = NAN;
  int code;

  g_return_val_if_fail (field != NULL && x != NULL, FALSE);
  n = currents_field_get_n_states (field);
  if (tol == 0.0)
    tol = 1e-12;
  if (max_iter == 0)
    max_iter = 50;
  if (n == 0 || !(tol > 0.0) || !all_finite (x, n))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   n == 0 ? "the field has no states" :
                   !(tol > 0.0) ? "the polishing tolerance must be a positive number" :
                   "the starting point is not finite");
      return FALSE;
    }
  ws = currents_field_workspace_new (field);
  buf = g_new (double, n + n * n);
  pr = (Problem) { ws, n, t, p, u, buf, buf + n };
  fdf = (gsl_multiroot_function_fdf) { problem_f, problem_df, problem_fdf, n, &pr };
  s = gsl_multiroot_fdfsolver_alloc (gsl_multiroot_fdfsolver_newton, n);
  code = polish_run (&pr, s, &fdf, x, tol, max_iter, &res);
  gsl_multiroot_fdfsolver_free (s);
  if (residual != NULL)
    *residual = res;
  if (code >= 0)
    {
      g_autoptr(GString) where = g_string_new (NULL);

      for (gsize i = 0; i < MIN (n, 8); i++)
        g_string_append_printf (where, "%s%.6g", i ? ", " : "", x[i]);
      if (n > 8)
        g_string_append (where, ", ...");
      g_set_error (error, CURRENTS_ENGINE_ERROR, code,
                   code == CURRENTS_ENGINE_ERROR_NON_FINITE ?
                   "Newton: the vector field or its Jacobian is not finite at (%s)" :
                   code == CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN ?
                   "Newton: the Jacobian is singular near (%s); scaled residual %.3g" :
                   "Newton did not converge: best point (%s), scaled residual %.3g",
                   where->str, res);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Linearisation                                                                        */

typedef struct
{
  double re;
  double im;     /* ≥ 0; > 0 for a complex pair */
  gsize  col;    /* dgeev column (real part; col + 1 holds the imaginary part) */
} EigUnit;

static int
compare_units (gconstpointer a,
               gconstpointer b)
{
  const EigUnit *x = a, *y = b;

  if (x->re != y->re)
    return x->re > y->re ? -1 : 1;
  if (x->im != y->im)
    return x->im > y->im ? -1 : 1;
  return (x->col > y->col) - (x->col < y->col);
}

/* Unit 2-norm, largest component (the first within 1e-9 of the largest) real and
 * positive. */
static void
normalise_vector (gsize   n,
                  double *re,
                  double *im)
{
  double norm = 0.0, big = 0.0, cr, ci, mod;
  gsize k = 0;

  for (gsize i = 0; i < n; i++)
    norm += re[i] * re[i] + im[i] * im[i];
  norm = sqrt (norm);
  if (!(norm > 0.0))
    return;
  for (gsize i = 0; i < n; i++)
    big = MAX (big, hypot (re[i], im[i]));
  for (gsize i = 0; i < n; i++)
    if (hypot (re[i], im[i]) >= big * (1.0 - 1e-9))
      {
        k = i;
        break;
      }
  mod = hypot (re[k], im[k]);
  /* multiply by conj(v_k)/|v_k| / norm */
  cr = re[k] / (mod * norm);
  ci = -im[k] / (mod * norm);
  for (gsize i = 0; i < n; i++)
    {
      double a = re[i], b = im[i];
      re[i] = a * cr - b * ci + 0.0;   /* + 0.0: no −0 in the output */
      im[i] = a * ci + b * cr + 0.0;
    }
  im[k] = 0.0;
}

static void
set_non_finite (CurrentsEquilibrium *eq)
{
  gsize n = eq->n;

  for (gsize i = 0; i < n; i++)
    eq->eig_re[i] = eq->eig_im[i] = NAN;
  for (gsize i = 0; i < n * n; i++)
    eq->evec_re[i] = eq->evec_im[i] = NAN;
  eq->type = CURRENTS_EQUILIBRIUM_DEGENERATE;
  eq->n_stable = eq->n_unstable = eq->n_center = 0;
  eq->stable = FALSE;
}

/* Eigen-decomposition and type from J (n × n row-major). */
static void
classify (CurrentsEquilibrium *eq,
          const double        *J)
{
  gsize n = eq->n;
  g_autofree double *a = NULL, *wr = NULL, *wi = NULL, *vr = NULL;
  g_autofree EigUnit *units = NULL;
  gsize n_units = 0, pos = 0;
  double normf = 0.0, zero_tol, rep_tol, vl_dummy = 0.0;
  gboolean degenerate = FALSE, complex_pair = FALSE;
  lapack_int info;

  if (!all_finite (J, n * n))
    {
      set_non_finite (eq);
      return;
    }
  a = g_new (double, n * n);
  wr = g_new (double, n);
  wi = g_new (double, n);
  vr = g_new (double, n * n);
  /* column-major copy: a[i + j n] = J_ij */
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < n; j++)
      {
        a[i + j * n] = J[i * n + j];
        normf += J[i * n + j] * J[i * n + j];
      }
  normf = sqrt (normf);
  info = LAPACKE_dgeev (LAPACK_COL_MAJOR, 'N', 'V', (lapack_int) n, a, (lapack_int) n, wr, wi,
                        &vl_dummy, 1, vr, (lapack_int) n);
  if (info != 0)
    {
      set_non_finite (eq);
      return;
    }

  units = g_new (EigUnit, n);
  for (gsize j = 0; j < n; j++)
    {
      if (wi[j] != 0.0 && j + 1 < n)
        {
          units[n_units++] = (EigUnit) { wr[j], fabs (wi[j]), j };
          j++;
        }
      else
        units[n_units++] = (EigUnit) { wr[j], 0.0, j };
    }
  qsort (units, n_units, sizeof (EigUnit), compare_units);

  for (gsize k = 0; k < n_units; k++)
    {
      const EigUnit *e = &units[k];
      gsize c = e->col;

      if (e->im > 0.0)
        {
          double sgn = wi[c] > 0.0 ? 1.0 : -1.0;   /* dgeev puts +ω first; be sure */

          eq->eig_re[pos] = eq->eig_re[pos + 1] = e->re;
          eq->eig_im[pos] = e->im;
          eq->eig_im[pos + 1] = -e->im;
          for (gsize i = 0; i < n; i++)
            {
              eq->evec_re[i * n + pos] = vr[i + c * n];
              eq->evec_im[i * n + pos] = sgn * vr[i + (c + 1) * n];
            }
          pos += 2;
        }
      else
        {
          eq->eig_re[pos] = e->re;
          eq->eig_im[pos] = 0.0;
          for (gsize i = 0; i < n; i++)
            {
              eq->evec_re[i * n + pos] = vr[i + c * n];
              eq->evec_im[i * n + pos] = 0.0;
            }
          pos += 1;
        }
    }

  /* normalise each vector (columns), then conjugate the −ω partners */
  {
    g_autofree double *vre = g_new (double, n), *vim = g_new (double, n);

    for (gsize j = 0; j < n; j++)
      {
        if (eq->eig_im[j] < 0.0)
          {
            for (gsize i = 0; i < n; i++)
              {
                eq->evec_re[i * n + j] = eq->evec_re[i * n + j - 1];
                eq->evec_im[i * n + j] = -eq->evec_im[i * n + j - 1];
              }
            continue;
          }
        for (gsize i = 0; i < n; i++)
          {
            vre[i] = eq->evec_re[i * n + j];
            vim[i] = eq->evec_im[i * n + j];
          }
        normalise_vector (n, vre, vim);
        for (gsize i = 0; i < n; i++)
          {
            eq->evec_re[i * n + j] = vre[i];
            eq->evec_im[i * n + j] = vim[i];
          }
      }
  }

  zero_tol = ZERO_FACTOR * normf;
  rep_tol = REPEAT_FACTOR * normf;
  eq->n_stable = eq->n_unstable = eq->n_center = 0;
  for (gsize j = 0; j < n; j++)
    {
      double re = eq->eig_re[j], im = eq->eig_im[j];

      if (hypot (re, im) <= zero_tol)
        degenerate = TRUE;
      for (gsize k = j + 1; k < n; k++)
        if (hypot (re - eq->eig_re[k], im - eq->eig_im[k]) <= rep_tol)
          degenerate = TRUE;
      if (im != 0.0)
        complex_pair = TRUE;
      if (re < -zero_tol)
        eq->n_stable++;
      else if (re > zero_tol)
        eq->n_unstable++;
      else
        eq->n_center++;
    }
  eq->stable = eq->n_stable == n;

  if (degenerate || normf == 0.0)
    eq->type = CURRENTS_EQUILIBRIUM_DEGENERATE;
  else if (eq->n_center > 0)
    eq->type = CURRENTS_EQUILIBRIUM_CENTER;
  else if (eq->n_unstable == 0)
    eq->type = complex_pair ? CURRENTS_EQUILIBRIUM_STABLE_FOCUS : CURRENTS_EQUILIBRIUM_STABLE_NODE;
  else if (eq->n_stable == 0)
    eq->type = complex_pair ? CURRENTS_EQUILIBRIUM_UNSTABLE_FOCUS
                            : CURRENTS_EQUILIBRIUM_UNSTABLE_NODE;
  else
    eq->type = complex_pair && n >= 3 ? CURRENTS_EQUILIBRIUM_SADDLE_FOCUS
                                      : CURRENTS_EQUILIBRIUM_SADDLE;
}

static CurrentsEquilibrium *
analyse_ws (CurrentsFieldWorkspace *ws,
            gsize                   n,
            const double           *p,
            const double           *u,
            double                  t,
            const double           *x,
            double                 *f,
            double                 *J)
{
  CurrentsEquilibrium *eq = currents_equilibrium_new (n);

  memcpy (eq->state, x, n * sizeof (double));
  if (!all_finite (x, n))
    {
      eq->residual = NAN;
      set_non_finite (eq);
      return eq;
    }
  currents_field_jacobian (ws, t, x, u, p, f, J, NULL);
  eq->residual = scaled_residual (n, x, f, J);
  classify (eq, J);
  return eq;
}

/**
 * currents_equilibrium_analyse:
 * @field: the vector field
 * @p: parameters
 * @u: (nullable): inputs
 * @t: the time at which a non-autonomous field is frozen
 * @x: the point (n)
 *
 * Returns: (transfer full): the eigenvalues, unit eigenvectors and type of ∂f/∂x at @x,
 *   and the scaled residual there (NaN eigenvalues, typed degenerate, when the Jacobian
 *   is not finite)
 */
CurrentsEquilibrium *
currents_equilibrium_analyse (CurrentsField *field,
                              const double  *p,
                              const double  *u,
                              double         t,
                              const double  *x)
{
  gsize n;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autofree double *buf = NULL;

  g_return_val_if_fail (field != NULL && x != NULL, NULL);
  n = currents_field_get_n_states (field);
  ws = currents_field_workspace_new (field);
  buf = g_new (double, n + n * n + 1);
  return analyse_ws (ws, n, p, u, t, x, buf, buf + n);
}

/* ------------------------------------------------------------------------------------ */
/* Seeds: scrambled Halton points                                                       */

static guint64
splitmix64 (guint64 *state)
{
  guint64 z = (*state += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static void
first_primes (gsize  k,
              guint *primes)
{
  gsize found = 0;

  for (guint c = 2; found < k; c++)
    {
      gboolean prime = TRUE;

      for (gsize i = 0; i < found && primes[i] * primes[i] <= c; i++)
        if (c % primes[i] == 0)
          {
            prime = FALSE;
            break;
          }
      if (prime)
        primes[found++] = c;
    }
}

/* seeds (n_seeds × n, row-major) in [0, 1)ⁿ: point 0 is the centre, point k ≥ 1 is
 * Halton point k with each dimension's digits permuted at random (Braaten–Weller-style
 * scrambling; the permuted zero digit continues as a geometric tail). */
static void
halton_design (gsize    n,
               gsize    n_seeds,
               guint64  seed,
               double  *out)
{
  g_autofree guint *primes = g_new (guint, n);
  guint64 state = seed ^ G_GUINT64_CONSTANT (0x5EED5EED12345678);

  first_primes (n, primes);
  for (gsize i = 0; i < n; i++)
    out[i] = 0.5;
  for (gsize d = 0; d < n; d++)
    {
      guint b = primes[d];
      g_autofree guint *perm = g_new (guint, b);

      for (guint i = 0; i < b; i++)
        perm[i] = i;
      for (guint i = b - 1; i > 0; i--)
        {
          guint j = (guint) (splitmix64 (&state) % (i + 1));
          guint tmp = perm[i];
          perm[i] = perm[j];
          perm[j] = tmp;
        }
      for (gsize k = 1; k < n_seeds; k++)
        {
          guint64 idx = k;
          double v = 0.0, scale = 1.0 / b;

          while (idx > 0)
            {
              v += perm[idx % b] * scale;
              idx /= b;
              scale /= b;
            }
          v += perm[0] * scale * b / (b - 1.0);   /* Σ perm[0] b^{-j}, j beyond the last digit */
          out[k * n + d] = MIN (v, 1.0 - DBL_EPSILON);
        }
    }
}

/* ------------------------------------------------------------------------------------ */
/* Multistart                                                                           */

static int
compare_equilibria (gconstpointer a,
                    gconstpointer b)
{
  const CurrentsEquilibrium *x = *(CurrentsEquilibrium *const *) a;
  const CurrentsEquilibrium *y = *(CurrentsEquilibrium *const *) b;

  for (gsize i = 0; i < x->n; i++)
    if (x->state[i] != y->state[i])
      return x->state[i] < y->state[i] ? -1 : 1;
  return 0;
}

static gboolean
same_point (gsize         n,
            const double *x,
            const double *y,
            const double *width)
{
  for (gsize i = 0; i < n; i++)
    if (fabs (x[i] - y[i]) > DEDUP_TOL * (width[i] + fabs (x[i]) + fabs (y[i])))
      return FALSE;
  return TRUE;
}

/* Is x within CAPTURE_TOL of an equilibrium in found? */
static gboolean
captured (GPtrArray    *found,
          gsize         n,
          const double *x,
          const double *width)
{
  for (guint j = 0; j < found->len; j++)
    {
      const CurrentsEquilibrium *e = g_ptr_array_index (found, j);
      gboolean near = TRUE;

      for (gsize i = 0; i < n && near; i++)
        if (fabs (x[i] - e->state[i]) > CAPTURE_TOL * (width[i] + fabs (x[i])))
          near = FALSE;
      if (near)
        return TRUE;
    }
  return FALSE;
}

static gboolean
check_options (gsize                            n,
               const CurrentsEquilibriaOptions *o,
               GError                         **error)
{
  if (n == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "equilibria: the field has no states");
      return FALSE;
    }
  if (o->lo == NULL || o->hi == NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "equilibria: the box needs both corners (lo and hi)");
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      if (!isfinite (o->lo[i]) || !isfinite (o->hi[i]))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "equilibria: the box's bounds of state %" G_GSIZE_FORMAT " are not "
                       "finite (%g:%g)", i, o->lo[i], o->hi[i]);
          return FALSE;
        }
      if (!(o->lo[i] < o->hi[i]))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "equilibria: the box is %s in state %" G_GSIZE_FORMAT " (%g:%g); "
                       "LO must be below HI",
                       o->lo[i] == o->hi[i] ? "empty (zero width)" : "inverted", i,
                       o->lo[i], o->hi[i]);
          return FALSE;
        }
    }
  if (o->tol < 0.0 || isnan (o->tol) || isinf (o->tol))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "equilibria: the tolerance %g is not a positive number", o->tol);
      return FALSE;
    }
  if (!isfinite (o->t))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "equilibria: the time at which to freeze the field is not finite");
      return FALSE;
    }
  return TRUE;
}

GPtrArray *
currents_equilibria_find (CurrentsField                   *field,
                          const double                    *p,
                          const double                    *u,
                          const CurrentsEquilibriaOptions *options,
                          GCancellable                    *cancellable,
                          GError                         **error)
{
  gsize n, n_seeds;
  double tol;
  guint max_iter;
  g_autoptr(GPtrArray) found = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autofree double *design = NULL, *buf = NULL;
  double *width, *x, *f, *J;
  Problem pr;
  gsl_multiroot_function_fdf fdf;
  gsl_multiroot_fdfsolver *hyb, *newton;

  g_return_val_if_fail (field != NULL && options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = currents_field_get_n_states (field);
  if (!check_options (n, options, error))
    return NULL;
  tol = options->tol > 0.0 ? options->tol : 1e-12;
  max_iter = options->max_iter > 0 ? options->max_iter : 50;
  n_seeds = options->n_seeds > 0 ? options->n_seeds : 32 + 16 * n;

  found = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_equilibrium_free);
  design = g_new (double, n_seeds * n);
  halton_design (n, n_seeds, options->seed, design);
  buf = g_new (double, 3 * n + n * n);
  width = buf;
  x = buf + n;
  f = buf + 2 * n;
  J = buf + 3 * n;
  for (gsize i = 0; i < n; i++)
    width[i] = options->hi[i] - options->lo[i];

  ws = currents_field_workspace_new (field);
  pr = (Problem) { ws, n, options->t, p, u, f, J };
  fdf = (gsl_multiroot_function_fdf) { problem_f, problem_df, problem_fdf, n, &pr };
  hyb = gsl_multiroot_fdfsolver_alloc (gsl_multiroot_fdfsolver_hybridsj, n);
  newton = gsl_multiroot_fdfsolver_alloc (gsl_multiroot_fdfsolver_newton, n);

  for (gsize k = 0; k < n_seeds; k++)
    {
      gsl_vector_view xv = gsl_vector_view_array (x, n);
      double res = NAN;
      gboolean usable = FALSE, far = FALSE;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                       "equilibria: cancelled after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                       " starts", k, n_seeds);
          gsl_multiroot_fdfsolver_free (hyb);
          gsl_multiroot_fdfsolver_free (newton);
          return NULL;
        }
      for (gsize i = 0; i < n; i++)
        x[i] = options->lo[i] + width[i] * design[k * n + i];

      /* phase 1: Powell's hybrid method, globally more forgiving than Newton. A start is
       * given up when it leaves the box far behind, when the residual has not halved in
       * STALL_ITERS iterations (a local minimum of ‖f‖, typically), or when it comes
       * within CAPTURE_TOL of an equilibrium already found (it would only find it again) */
      if (gsl_multiroot_fdfsolver_set (hyb, &fdf, &xv.vector) != GSL_SUCCESS)
        continue;
      {
        double ref_res = INFINITY;
        guint ref_it = 0;

        for (guint it = 0; it <= max_iter; it++)
          {
            int status;

            res = scaled_residual (n, hyb->x->data, hyb->f->data, hyb->J->data);
            if (res <= PHASE1_TOL)
              {
                usable = TRUE;
                break;
              }
            if (res < 0.5 * ref_res)
              {
                ref_res = res;
                ref_it = it;
              }
            else if (it - ref_it >= STALL_ITERS)
              {
                usable = res <= RESCUE_TOL;
                break;
              }
            if (res <= RESCUE_TOL && captured (found, n, hyb->x->data, width))
              break;
            if (it == max_iter)
              break;
            status = gsl_multiroot_fdfsolver_iterate (hyb);
            for (gsize i = 0; i < n; i++)
              if (!isfinite (hyb->x->data[i]) ||
                  hyb->x->data[i] < options->lo[i] - FAR_FACTOR * width[i] ||
                  hyb->x->data[i] > options->hi[i] + FAR_FACTOR * width[i])
                far = TRUE;
            if (far)
              break;
            if (status != GSL_SUCCESS)
              {
                /* stalled (no progress, bad function value): rescue only if close */
                res = scaled_residual (n, hyb->x->data, hyb->f->data, hyb->J->data);
                usable = res <= RESCUE_TOL;
                break;
              }
          }
      }
      if (!usable || far)
        continue;
      memcpy (x, hyb->x->data, n * sizeof (double));

      /* phase 2: exact Newton to the target */
      if (polish_run (&pr, newton, &fdf, x, tol, max_iter, &res) >= 0)
        continue;

      {
        gboolean inside = TRUE, duplicate = FALSE;

        for (gsize i = 0; i < n; i++)
          {
            double slack = 1e-9 * width[i] + 1e-300;
            if (x[i] < options->lo[i] - slack || x[i] > options->hi[i] + slack)
              inside = FALSE;
          }
        if (!inside)
          continue;
        for (guint j = 0; j < found->len; j++)
          {
            CurrentsEquilibrium *e = g_ptr_array_index (found, j);

            if (same_point (n, x, e->state, width))
              {
                duplicate = TRUE;
                if (res < e->residual)
                  {
                    g_ptr_array_index (found, j) = analyse_ws (ws, n, p, u, options->t, x, f, J);
                    currents_equilibrium_free (e);
                  }
                break;
              }
          }
        if (!duplicate)
          g_ptr_array_add (found, analyse_ws (ws, n, p, u, options->t, x, f, J));
      }
    }

  gsl_multiroot_fdfsolver_free (hyb);
  gsl_multiroot_fdfsolver_free (newton);
  g_ptr_array_sort (found, compare_equilibria);
  return g_steal_pointer (&found);
}
