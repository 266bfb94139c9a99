/* currents-periodic.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Periodic orbits of an autonomous field dx/dt = f(x, u, p) by single shooting.
 *
 * The flow φ_t(x0) is integrated together with its variational equations (exact Jacobian
 * J = ∂f/∂x, GSL rk8pd, rtol 1e-10, atol 1e-12 on every component):
 *
 *   x' = f(x),     M' = J(x) M,  M(0) = I     (M: n×n row-major, M(T) the monodromy)
 *   S' = J(x) S + ∂f/∂λ,  S(0) = 0            (S = ∂φ_t/∂λ, in continuation only)
 *
 * Newton on (x0, T) solves
 *
 *   φ_T(x0) − x0 = 0,   f(x_ref) · (x0 − x_ref) = 0        (Poincaré phase condition)
 *
 *   [ M − I        f(φ_T(x0)) ] [Δx]     [ φ_T(x0) − x0         ]
 *   [ f(x_ref)ᵀ    0          ] [ΔT] = − [ f(x_ref)·(x0 − x_ref) ]
 *
 * and the continuation adds λ, the column S and Keller's pseudo-arclength row
 * τ · (y − y_pred) = 0 in y = (x0, T, λ) with a secant tangent τ. The Floquet multipliers
 * are the eigenvalues of M(T) (LAPACKE_dgeev); the trivial one is the multiplier closest
 * to 1. min/max over the orbit refine each step's extremes with the cubic Hermite
 * interpolant through (x, f) at the step's ends.
 *
 * A stable cycle is found by integrating and watching returns to a Poincaré section: the
 * hyperplane through the current point x_s normal to f(x_s), g(x) = f̂(x_s)·(x − x_s); a
 * return is a sign change of g from − to + near x_s, located by Hermite interpolation and
 * refined by Newton in the crossing time s (g'(s) = f̂·f(x(s))) with short exact
 * integrations. The section moves to every return point; when successive returns agree to
 * 1e-6 of the loop's size the return (x_r, T_r) seeds the shooting Newton.
 *
 * Each call allocates its own workspace (Flow); nothing is static, and the field is
 * evaluated through a workspace of the calling thread.
 */
#define G_LOG_DOMAIN "currents-periodic"

#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>
#include <lapacke.h>

#include "currents-error.h"
#include "currents-periodic.h"

#define FLOW_RTOL          1e-10
#define FLOW_ATOL          1e-12
#define FLOW_MAX_STEPS     2000000
#define CANCEL_CHECK_EVERY 100
#define STABLE_MARGIN      1e-7

/* ------------------------------------------------------------------------------------ */
/* Orbits                                                                               */

/**
 * currents_periodic_orbit_new:
 * @n: the dimension
 *
 * Returns: (transfer full): an orbit with every array zeroed and @param NaN
 */
CurrentsPeriodicOrbit *
currents_periodic_orbit_new (gsize n)
{
  CurrentsPeriodicOrbit *o = g_new0 (CurrentsPeriodicOrbit, 1);

  o->n = n;
  o->x0 = g_new0 (double, MAX (n, 1));
  o->mult_re = g_new0 (double, MAX (n, 1));
  o->mult_im = g_new0 (double, MAX (n, 1));
  o->max = g_new0 (double, MAX (n, 1));
  o->min = g_new0 (double, MAX (n, 1));
  o->param = NAN;
  return o;
}

void
currents_periodic_orbit_free (CurrentsPeriodicOrbit *orbit)
{
  if (orbit == NULL)
    return;
  g_free (orbit->x0);
  g_free (orbit->mult_re);
  g_free (orbit->mult_im);
  g_free (orbit->max);
  g_free (orbit->min);
  g_free (orbit);
}

/* ------------------------------------------------------------------------------------ */
/* The flow and its variational equations                                               */

typedef enum
{
  FLOW_STATE,        /* x                   (n)          */
  FLOW_MONODROMY,    /* x, M                (n + n²)     */
  FLOW_SENSITIVITY,  /* x, M, S = ∂φ/∂λ     (n + n² + n) */
  FLOW_REFINE,       /* x, a second integrator for short refinements */
  FLOW_N_INTEGRATORS
} FlowMode;

typedef struct
{
  gsl_odeiv2_step    *step;
  gsl_odeiv2_control *control;
  gsl_odeiv2_evolve  *evolve;
  gsize               dim;
} Integrator;

typedef struct
{
  CurrentsFieldWorkspace *fws;
  gsize                   n;
  gsize                   k;
  gsize                   m;
  double                 *p;          /* owned copies (the continued entry changes) */
  double                 *u;
  gssize                  param_index;
  gboolean                param_is_input;
  FlowMode                mode;       /* of the integration in progress */
  double                 *J;          /* n × n */
  double                 *jp;         /* n × k, only for a continued parameter */
  double                 *fa;         /* n: scratch for ∂f/∂u by differences */
  double                 *fb;
  Integrator              integ[FLOW_N_INTEGRATORS];
  GCancellable           *cancellable;
  gsize                   n_steps;
} Flow;

static void
flow_free (Flow *fl)
{
  if (fl == NULL)
    return;
  for (int i = 0; i < FLOW_N_INTEGRATORS; i++)
    {
      if (fl->integ[i].evolve != NULL)
        gsl_odeiv2_evolve_free (fl->integ[i].evolve);
      if (fl->integ[i].control != NULL)
        gsl_odeiv2_control_free (fl->integ[i].control);
      if (fl->integ[i].step != NULL)
        gsl_odeiv2_step_free (fl->integ[i].step);
    }
  currents_field_workspace_free (fl->fws);
  g_free (fl->p);
  g_free (fl->u);
  g_free (fl->J);
  g_free (fl->jp);
  g_free (fl->fa);
  g_free (fl->fb);
  g_free (fl);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Flow, flow_free)

static Flow *
flow_new (CurrentsField *field,
          const double  *p,
          const double  *u,
          gssize         param_index,
          gboolean       param_is_input,
          GCancellable  *cancellable)
{
  Flow *fl = g_new0 (Flow, 1);
  gsize n = currents_field_get_n_states (field);

  fl->n = n;
  fl->k = currents_field_get_n_params (field);
  fl->m = currents_field_get_n_inputs (field);
  fl->fws = currents_field_workspace_new (field);
  fl->p = g_new0 (double, MAX (fl->k, 1));
  fl->u = g_new0 (double, MAX (fl->m, 1));
  if (p != NULL && fl->k > 0)
    memcpy (fl->p, p, fl->k * sizeof (double));
  if (u != NULL && fl->m > 0)
    memcpy (fl->u, u, fl->m * sizeof (double));
  fl->param_index = param_index;
  fl->param_is_input = param_is_input;
  fl->J = g_new0 (double, n * n);
  if (param_index >= 0 && !param_is_input)
    fl->jp = g_new0 (double, n * MAX (fl->k, 1));
  fl->fa = g_new0 (double, n);
  fl->fb = g_new0 (double, n);
  fl->integ[FLOW_STATE].dim = n;
  fl->integ[FLOW_MONODROMY].dim = n + n * n;
  fl->integ[FLOW_SENSITIVITY].dim = n + n * n + n;
  fl->integ[FLOW_REFINE].dim = n;
  for (int i = 0; i < FLOW_N_INTEGRATORS; i++)
    {
      if (i == FLOW_SENSITIVITY && param_index < 0)
        continue;
      fl->integ[i].step = gsl_odeiv2_step_alloc (gsl_odeiv2_step_rk8pd, fl->integ[i].dim);
      fl->integ[i].control = gsl_odeiv2_control_y_new (FLOW_ATOL, FLOW_RTOL);
      fl->integ[i].evolve = gsl_odeiv2_evolve_alloc (fl->integ[i].dim);
    }
  fl->cancellable = cancellable;
  return fl;
}

static double *
flow_lambda (Flow *fl)
{
  g_assert (fl->param_index >= 0);
  return fl->param_is_input ? &fl->u[fl->param_index] : &fl->p[fl->param_index];
}

static void
flow_eval (Flow         *fl,
           const double *x,
           double       *f)
{
  currents_field_eval (fl->fws, 0.0, x, fl->u, fl->p, f);
}

static gboolean
all_finite (const double *v,
            gsize         n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
}

static int
flow_rhs (double        t,
          const double  y[],
          double        dydt[],
          void         *data)
{
  Flow *fl = data;
  const gsize n = fl->n;
  gboolean sens = fl->mode == FLOW_SENSITIVITY;

  if (fl->mode == FLOW_STATE || fl->mode == FLOW_REFINE)
    {
      currents_field_eval (fl->fws, t, y, fl->u, fl->p, dydt);
      return all_finite (dydt, n) ? GSL_SUCCESS : GSL_EBADFUNC;
    }

  currents_field_jacobian (fl->fws, t, y, fl->u, fl->p, dydt, fl->J,
                           sens && !fl->param_is_input ? fl->jp : NULL);
  {
    const double *M = y + n;
    double *dM = dydt + n;

    for (gsize i = 0; i < n; i++)
      {
        const double *Ji = fl->J + i * n;
        double *row = dM + i * n;

        for (gsize j = 0; j < n; j++)
          row[j] = 0.0;
        for (gsize l = 0; l < n; l++)
          {
            const double a = Ji[l];
            const double *Ml = M + l * n;

            if (a == 0.0)
              continue;
            for (gsize j = 0; j < n; j++)
              row[j] += a * Ml[j];
          }
      }
  }
  if (sens)
    {
      const double *S = y + n + n * n;
      double *dS = dydt + n + n * n;

      if (fl->param_is_input)
        {
          /* the field has no ∂f/∂u: central differences, error O(h²) + O(ε/h) ≈ 1e-10 */
          double *lam = flow_lambda (fl);
          const double l0 = *lam;
          const double h = 1e-5 * (1.0 + fabs (l0));

          *lam = l0 + h;
          currents_field_eval (fl->fws, t, y, fl->u, fl->p, fl->fa);
          *lam = l0 - h;
          currents_field_eval (fl->fws, t, y, fl->u, fl->p, fl->fb);
          *lam = l0;
          for (gsize i = 0; i < n; i++)
            dS[i] = (fl->fa[i] - fl->fb[i]) / (2.0 * h);
        }
      else
        for (gsize i = 0; i < n; i++)
          dS[i] = fl->jp[i * fl->k + (gsize) fl->param_index];
      for (gsize i = 0; i < n; i++)
        for (gsize l = 0; l < n; l++)
          dS[i] += fl->J[i * n + l] * S[l];
    }
  return all_finite (dydt, fl->integ[fl->mode].dim) ? GSL_SUCCESS : GSL_EBADFUNC;
}

/* Called after every accepted step with the state part at both ends (x, f); returns TRUE
 * to stop the integration there. */
typedef gboolean (*FlowStepFunc) (Flow         *fl,
                                  double        t0,
                                  const double *x0,
                                  const double *f0,
                                  double        t1,
                                  const double *x1,
                                  const double *f1,
                                  gpointer      data);

/* Integrates y over [0, t_end] (t_end > 0) in @mode; *t_reached is where it stopped. */
static gboolean
flow_integrate (Flow          *fl,
                FlowMode       mode,
                double        *y,
                double         t_end,
                FlowStepFunc   func,
                gpointer       data,
                double        *t_reached,
                GError       **error)
{
  Integrator *it = &fl->integ[mode];
  gsl_odeiv2_system sys = { flow_rhs, NULL, it->dim, fl };
  const gsize n = fl->n;
  g_autofree double *xa = func ? g_new (double, n) : NULL;
  g_autofree double *fa = func ? g_new (double, n) : NULL;
  g_autofree double *fb = func ? g_new (double, n) : NULL;
  double t = 0.0, h = MIN (1e-3, 1e-3 * t_end);
  gsize steps = 0;

  FlowMode saved_mode = fl->mode;
  gboolean ok = TRUE;

  g_assert (it->step != NULL);
  fl->mode = mode;
  gsl_odeiv2_step_reset (it->step);
  gsl_odeiv2_evolve_reset (it->evolve);
  if (t_reached != NULL)
    *t_reached = 0.0;
  if (func != NULL)
    {
      memcpy (xa, y, n * sizeof (double));
      flow_eval (fl, xa, fa);
    }

  while (ok && t < t_end)
    {
      double t_prev = t;
      int status;

      if (++steps > FLOW_MAX_STEPS)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MAX_STEPS,
                       "the orbit's integration took more than %d steps (t = %g of %g)",
                       FLOW_MAX_STEPS, t, t_end);
          ok = FALSE;
          break;
        }
      if (steps % CANCEL_CHECK_EVERY == 1 && g_cancellable_is_cancelled (fl->cancellable))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                       "periodic orbit computation cancelled");
          ok = FALSE;
          break;
        }
      fl->mode = mode;  /* a step function may have run a nested integration */
      status = gsl_odeiv2_evolve_apply (it->evolve, it->control, it->step, &sys, &t, t_end,
                                        &h, y);
      fl->n_steps++;
      if (status == GSL_EBADFUNC || !all_finite (y, it->dim))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                       "the orbit's integration produced a non-finite value at t = %g", t);
          ok = FALSE;
          break;
        }
      if (status != GSL_SUCCESS || t == t_prev || fabs (h) < 1e-14 * MAX (1.0, fabs (t)))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW,
                       "the orbit's integration step fell below its minimum at t = %g "
                       "(h = %g)", t, h);
          ok = FALSE;
          break;
        }
      if (t_reached != NULL)
        *t_reached = t;
      if (func != NULL)
        {
          gboolean stop;

          flow_eval (fl, y, fb);
          stop = func (fl, t_prev, xa, fa, t, y, fb, data);
          memcpy (xa, y, n * sizeof (double));
          memcpy (fa, fb, n * sizeof (double));
          if (stop)
            break;
        }
    }
  fl->mode = saved_mode;
  return ok;
}

/* The cubic Hermite interpolant on [0, h] through (x0, f0), (x1, f1), component-wise. */
static inline double
hermite (double x0,
         double f0,
         double x1,
         double f1,
         double h,
         double s)
{
  const double th = s / h, th2 = th * th, th3 = th2 * th;

  return (2 * th3 - 3 * th2 + 1) * x0 + (th3 - 2 * th2 + th) * h * f0 +
         (-2 * th3 + 3 * th2) * x1 + (th3 - th2) * h * f1;
}

/* ------------------------------------------------------------------------------------ */
/* Extremes over an orbit                                                               */

typedef struct
{
  double *min;
  double *max;
  double *xt;    /* n: scratch */
  double *ft;    /* n */
  GError *error; /* of a refinement */
} Extremes;

/* The extremum of x_i near s inside the step from x0: Newton on f_i(x(s)) = 0 with
 * d/ds f_i = (J f)_i and exact integrations from x0 over s. */
static double
extremum_refine (Flow         *fl,
                 Extremes     *ex,
                 gsize         i,
                 const double *x0,
                 double        h,
                 double        s)
{
  const gsize n = fl->n;
  double best = NAN;

  for (int k = 0; k < 4; k++)
    {
      double d = 0.0;

      memcpy (ex->xt, x0, n * sizeof (double));
      if (s > 0 && !flow_integrate (fl, FLOW_REFINE, ex->xt, s, NULL, NULL, NULL,
                                    ex->error ? NULL : &ex->error))
        return best;
      best = ex->xt[i];
      currents_field_jacobian (fl->fws, 0.0, ex->xt, fl->u, fl->p, ex->ft, fl->J, NULL);
      for (gsize l = 0; l < n; l++)
        d += fl->J[i * n + l] * ex->ft[l];
      if (d == 0.0 || fabs (ex->ft[i]) <= 1e-15 * (1.0 + fabs (best)) / h)
        break;
      s = CLAMP (s - ex->ft[i] / d, 0.0, h);
    }
  return best;
}

static void
extremes_update (double *mn,
                 double *mx,
                 double  v)
{
  if (v < *mn)
    *mn = v;
  if (v > *mx)
    *mx = v;
}

static gboolean
extremes_step (Flow         *fl,
               double        t0,
               const double *x0,
               const double *f0,
               double        t1,
               const double *x1,
               const double *f1,
               gpointer      data)
{
  Extremes *ex = data;
  const double h = t1 - t0;

  for (gsize i = 0; i < fl->n; i++)
    {
      extremes_update (&ex->min[i], &ex->max[i], x1[i]);
      if ((f0[i] > 0) != (f1[i] > 0))
        {
          /* p'(s) = a s² + b s + c: the Hermite derivative, roots inside (0, h) */
          const double d = x1[i] - x0[i];
          const double a = (6 * h * (f0[i] + f1[i]) - 12 * d) / (h * h * h);
          const double b = (6 * d - 2 * h * (2 * f0[i] + f1[i])) / (h * h);
          const double c = f0[i];
          double roots[2];
          int nr = 0;

          if (fabs (a) * h < 1e-14 * (fabs (b) + fabs (c) / h + 1e-300))
            {
              if (b != 0)
                roots[nr++] = -c / b;
            }
          else
            {
              double disc = b * b - 4 * a * c;
              if (disc >= 0)
                {
                  double q = -0.5 * (b + copysign (sqrt (disc), b));
                  roots[nr++] = q / a;
                  if (q != 0)
                    roots[nr++] = c / q;
                }
            }
          for (int r = 0; r < nr; r++)
            if (roots[r] > 0 && roots[r] < h)
              {
                double v = extremum_refine (fl, ex, i, x0, h, roots[r]);

                if (!isfinite (v))
                  v = hermite (x0[i], f0[i], x1[i], f1[i], h, roots[r]);
                extremes_update (&ex->min[i], &ex->max[i], v);
              }
        }
    }
  return FALSE;
}

/* ------------------------------------------------------------------------------------ */
/* Shooting                                                                             */

/* y = (x0, I, 0) then integrates over [0, T]: y = (φ_T, M, S). */
static gboolean
flow_shoot (Flow          *fl,
            FlowMode       mode,
            const double  *x0,
            double         T,
            double        *y,
            Extremes      *ex,
            GError       **error)
{
  const gsize n = fl->n;

  memset (y, 0, fl->integ[mode].dim * sizeof (double));
  memcpy (y, x0, n * sizeof (double));
  if (mode != FLOW_STATE)
    for (gsize i = 0; i < n; i++)
      y[n + i * n + i] = 1.0;
  if (ex != NULL)
    for (gsize i = 0; i < n; i++)
      ex->min[i] = ex->max[i] = x0[i];
  return flow_integrate (fl, mode, y, T, ex ? extremes_step : NULL, ex, NULL, error);
}

static double
norm_inf (const double *v,
          gsize         n)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s = MAX (s, fabs (v[i]));
  return s;
}

static double
norm2 (const double *v,
       gsize         n)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s += v[i] * v[i];
  return sqrt (s);
}

static double
dot (const double *a,
     const double *b,
     gsize         n)
{
  double s = 0.0;
  for (gsize i = 0; i < n; i++)
    s += a[i] * b[i];
  return s;
}

/**
 * ShootProblem:
 * The unknowns y = (x0, T[, λ]) and the rows beyond periodicity: the phase condition
 * f_ref · (x0 − x_ref) = 0 and, when @tau is set, τ · (y − y_pred) = 0.
 */
typedef struct
{
  const double *x_ref;
  const double *f_ref;
  const double *tau;     /* n + 2, or NULL: λ fixed */
  const double *y_pred;  /* n + 2 */
  int           max_iter;
  double        max_dT;  /* largest |ΔT| / T per iteration */
} ShootProblem;

/* Newton on the shooting system; y (in/out) holds x0, T and, with a tangent, λ. */
static gboolean
shoot_newton (Flow               *fl,
              const ShootProblem *sp,
              double             *y,
              int                *n_iter,
              GError            **error)
{
  const gsize n = fl->n;
  const gboolean with_lambda = sp->tau != NULL;
  const gsize N = n + 1 + (with_lambda ? 1 : 0);
  const FlowMode mode = with_lambda ? FLOW_SENSITIVITY : FLOW_MONODROMY;
  g_autofree double *z = g_new (double, fl->integ[mode].dim);
  g_autofree double *A = g_new (double, N * N);
  g_autofree double *r = g_new (double, N);
  g_autofree double *fend = g_new (double, n);
  g_autofree lapack_int *ipiv = g_new (lapack_int, N);
  double res_norm = INFINITY, step_norm = INFINITY;
  const double T_start = y[n];
  int it;

  for (it = 0; it < sp->max_iter; it++)
    {
      const double T = y[n];
      const double *phi = z, *M = z + n, *S = z + n + n * n;
      double scale_x, alpha;
      lapack_int info;

      if (!(T > 1e-4 * T_start))
        {
          /* φ_T(x) − x → 0 as T → 0: the trivial solution, not an orbit */
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                       "shooting Newton, iteration %d: the period shrank from %g to %g "
                       "(no periodic orbit near the guess)", it, T_start, T);
          return FALSE;
        }
      if (with_lambda)
        *flow_lambda (fl) = y[n + 1];
      if (!flow_shoot (fl, mode, y, T, z, NULL, error))
        {
          g_prefix_error (error, "shooting Newton, iteration %d (T = %g): ", it, T);
          return FALSE;
        }
      flow_eval (fl, phi, fend);
      for (gsize i = 0; i < n; i++)
        {
          for (gsize j = 0; j < n; j++)
            A[i * N + j] = M[i * n + j] - (i == j ? 1.0 : 0.0);
          A[i * N + n] = fend[i];
          if (with_lambda)
            A[i * N + n + 1] = S[i];
          r[i] = -(phi[i] - y[i]);
        }
      r[n] = 0.0;
      for (gsize j = 0; j < n; j++)
        {
          A[n * N + j] = sp->f_ref[j];
          r[n] -= sp->f_ref[j] * (y[j] - sp->x_ref[j]);
        }
      A[n * N + n] = 0.0;
      if (with_lambda)
        {
          A[n * N + n + 1] = 0.0;
          r[n + 1] = 0.0;
          for (gsize j = 0; j < N; j++)
            {
              A[(n + 1) * N + j] = sp->tau[j];
              r[n + 1] -= sp->tau[j] * (y[j] - sp->y_pred[j]);
            }
        }
      res_norm = norm_inf (r, n);
      scale_x = 1.0 + norm_inf (y, n);

      /* converged: the last step was tiny and the residual is at the integration's noise */
      if (step_norm <= 1e-9 && res_norm <= 1e-7 * scale_x)
        {
          if (n_iter != NULL)
            *n_iter = it;
          return TRUE;
        }

      info = LAPACKE_dgesv (LAPACK_ROW_MAJOR, (lapack_int) N, 1, A, (lapack_int) N, ipiv, r, 1);
      if (info != 0 || !all_finite (r, N))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN,
                       "shooting Newton, iteration %d: the shooting matrix is singular "
                       "(T = %g, residual %.3g)", it, T, res_norm);
          return FALSE;
        }
      /* damping: keep T positive and the step within the orbit's scale */
      alpha = 1.0;
      if (fabs (r[n]) > sp->max_dT * T)
        alpha = MIN (alpha, sp->max_dT * T / fabs (r[n]));
      if (norm_inf (r, n) > 0.5 * scale_x)
        alpha = MIN (alpha, 0.5 * scale_x / norm_inf (r, n));
      for (gsize j = 0; j < N; j++)
        y[j] += alpha * r[j];
      step_norm = 0.0;
      for (gsize j = 0; j < N; j++)
        step_norm = MAX (step_norm, fabs (alpha * r[j]) / (1.0 + fabs (y[j])));
      if (alpha < 1.0)
        step_norm = INFINITY;  /* a damped step does not prove convergence */
    }
  g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
               "shooting Newton did not converge in %d iterations (residual %.3g, "
               "last step %.3g, T = %g)", sp->max_iter, res_norm, step_norm, y[n]);
  return FALSE;
}

typedef struct
{
  double   mod;
  double   re;
  double   im;
} Multiplier;

static int
compare_multipliers (gconstpointer a,
                     gconstpointer b)
{
  const Multiplier *x = a, *y = b;

  if (x->mod != y->mod)
    return x->mod < y->mod ? 1 : -1;
  if (x->re != y->re)
    return x->re < y->re ? 1 : -1;
  return (x->im < y->im) - (x->im > y->im);
}

/* Monodromy, multipliers, extremes and stability at a converged (x0, T). */
static gboolean
fill_orbit (Flow                  *fl,
            const double          *x0,
            double                 T,
            CurrentsPeriodicOrbit *orbit,
            GError               **error)
{
  const gsize n = fl->n;
  g_autofree double *z = g_new (double, fl->integ[FLOW_MONODROMY].dim);
  g_autofree double *wr = g_new (double, n);
  g_autofree double *wi = g_new (double, n);
  g_autofree Multiplier *mu = g_new (Multiplier, n);
  g_autofree double *xt = g_new (double, n);
  g_autofree double *ft = g_new (double, n);
  Extremes ex = { orbit->min, orbit->max, xt, ft, NULL };
  double best = INFINITY;
  gsize trivial = 0;
  lapack_int info;

  if (!flow_shoot (fl, FLOW_MONODROMY, x0, T, z, &ex, error))
    {
      g_clear_error (&ex.error);
      return FALSE;
    }
  if (ex.error != NULL)
    {
      g_propagate_error (error, ex.error);
      return FALSE;
    }
  info = LAPACKE_dgeev (LAPACK_ROW_MAJOR, 'N', 'N', (lapack_int) n, z + n, (lapack_int) n,
                        wr, wi, NULL, 1, NULL, 1);
  if (info != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                   "the Floquet multipliers did not converge (LAPACK dgeev info %d)",
                   (int) info);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      mu[i].re = wr[i];
      mu[i].im = wi[i];
      mu[i].mod = hypot (wr[i], wi[i]);
    }
  qsort (mu, n, sizeof (Multiplier), compare_multipliers);
  orbit->stable = TRUE;
  for (gsize i = 0; i < n; i++)
    {
      double d = hypot (mu[i].re - 1.0, mu[i].im);

      orbit->mult_re[i] = mu[i].re;
      orbit->mult_im[i] = mu[i].im;
      if (d < best)
        {
          best = d;
          trivial = i;
        }
    }
  for (gsize i = 0; i < n; i++)
    if (i != trivial && !(mu[i].mod < 1.0 - STABLE_MARGIN))
      orbit->stable = FALSE;
  memcpy (orbit->x0, x0, n * sizeof (double));
  orbit->period = T;
  return TRUE;
}

static gboolean
check_field (CurrentsField  *field,
             GError        **error)
{
  if (currents_field_get_n_states (field) == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "periodic orbits need at least one state variable");
      return FALSE;
    }
  if (!currents_field_is_autonomous (field))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "periodic orbits need an autonomous model (the field depends on t)");
      return FALSE;
    }
  return TRUE;
}

/**
 * currents_periodic_orbit_solve:
 * @field: an autonomous field
 * @p: parameters
 * @u: (nullable): inputs
 * @x0_guess: a point near the orbit (n)
 * @period_guess: T > 0
 * @orbit: filled on success (x0, period, multipliers, min, max, stable)
 * @cancellable: (nullable): checked every 100 integration steps
 * @error: return location
 *
 * The phase condition keeps x0 on the hyperplane through @x0_guess normal to f there.
 *
 * Returns: %TRUE when Newton converged
 */
gboolean
currents_periodic_orbit_solve (CurrentsField          *field,
                               const double           *p,
                               const double           *u,
                               const double           *x0_guess,
                               double                  period_guess,
                               CurrentsPeriodicOrbit  *orbit,
                               GCancellable           *cancellable,
                               GError                **error)
{
  g_autoptr(Flow) fl = NULL;
  g_autofree double *y = NULL, *f_ref = NULL;
  gsize n;
  ShootProblem sp = { 0 };

  g_return_val_if_fail (field != NULL, FALSE);
  g_return_val_if_fail (x0_guess != NULL && orbit != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (!check_field (field, error))
    return FALSE;
  n = currents_field_get_n_states (field);
  g_return_val_if_fail (orbit->n == n, FALSE);
  if (!(period_guess > 0.0) || !isfinite (period_guess) || !all_finite (x0_guess, n))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a periodic orbit needs a finite starting point and a period > 0 "
                   "(given T = %g)", period_guess);
      return FALSE;
    }
  fl = flow_new (field, p, u, -1, FALSE, cancellable);
  f_ref = g_new (double, n);
  flow_eval (fl, x0_guess, f_ref);
  if (!all_finite (f_ref, n) || norm2 (f_ref, n) == 0.0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the starting point of a periodic orbit must not be an equilibrium "
                   "(f = 0 there)");
      return FALSE;
    }
  y = g_new (double, n + 1);
  memcpy (y, x0_guess, n * sizeof (double));
  y[n] = period_guess;
  sp.x_ref = x0_guess;
  sp.f_ref = f_ref;
  sp.max_iter = 40;
  sp.max_dT = 0.5;
  if (!shoot_newton (fl, &sp, y, NULL, error))
    return FALSE;
  if (!fill_orbit (fl, y, y[n], orbit, error))
    return FALSE;
  orbit->param = NAN;
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Stable cycles by Poincaré return                                                     */

typedef enum
{
  RETURN_RUNNING,
  RETURN_CONVERGED,
  RETURN_EQUILIBRIUM,
} ReturnStatus;

typedef struct
{
  double       t_transient;
  double      *xs;         /* the section's point */
  double      *nrm;        /* unit normal f̂(xs) */
  double       t_section;  /* when the trajectory left xs */
  gboolean     active;
  gboolean     below;      /* g < 0 seen since the last return */
  double       loop_size;  /* max ‖x − xs‖ in this loop */
  double       speed_max;
  double      *xr;         /* the last return */
  double       Tr;
  double       dr;         /* ‖xr − previous xr‖ */
  double      *xtmp;
  double      *ftmp;
  ReturnStatus status;
  GError      *error;
} ReturnTracker;

static double
section_g (const ReturnTracker *rt,
           const double        *x,
           gsize                n)
{
  double g = 0.0;
  for (gsize i = 0; i < n; i++)
    g += rt->nrm[i] * (x[i] - rt->xs[i]);
  return g;
}

/* The crossing inside the step [t0, t1]: Hermite root, then Newton in s with exact
 * integrations from x0 over s (g'(s) = f̂ · f(x(s))). */
static gboolean
refine_crossing (Flow          *fl,
                 ReturnTracker *rt,
                 const double  *x0,
                 const double  *f0,
                 const double  *x1,
                 const double  *f1,
                 double         h,
                 double        *s_out)
{
  const gsize n = fl->n;
  double lo = 0.0, hi = h, s;

  /* bisection on the interpolant: g(lo) < 0 ≤ g(hi) */
  for (int k = 0; k < 60; k++)
    {
      double mid = 0.5 * (lo + hi), g = 0.0;
      for (gsize i = 0; i < n; i++)
        g += rt->nrm[i] * (hermite (x0[i], f0[i], x1[i], f1[i], h, mid) - rt->xs[i]);
      if (g < 0)
        lo = mid;
      else
        hi = mid;
    }
  s = 0.5 * (lo + hi);
  for (int k = 0; k < 4; k++)
    {
      double g, gd;

      memcpy (rt->xtmp, x0, n * sizeof (double));
      if (s > 0 && !flow_integrate (fl, FLOW_REFINE, rt->xtmp, s, NULL, NULL, NULL, &rt->error))
        return FALSE;
      flow_eval (fl, rt->xtmp, rt->ftmp);
      g = section_g (rt, rt->xtmp, n);
      gd = dot (rt->nrm, rt->ftmp, n);
      if (gd <= 0)
        break;
      if (fabs (g) <= 1e-14 * (1.0 + norm_inf (rt->xtmp, n)))
        break;
      s = CLAMP (s - g / gd, 0.0, h);
    }
  *s_out = s;
  return TRUE;
}

static gboolean
return_step (Flow         *fl,
             double        t0,
             const double *x0,
             const double *f0,
             double        t1,
             const double *x1,
             const double *f1,
             gpointer      data)
{
  ReturnTracker *rt = data;
  const gsize n = fl->n;
  double speed = norm2 (f1, n), g0, g1, dist;

  rt->speed_max = MAX (rt->speed_max, speed);
  if (t1 >= rt->t_transient && speed <= 1e-10 * rt->speed_max)
    {
      rt->status = RETURN_EQUILIBRIUM;
      return TRUE;
    }
  if (!rt->active)
    {
      if (t1 < rt->t_transient)
        return FALSE;
      if (speed == 0.0)
        {
          rt->status = RETURN_EQUILIBRIUM;
          return TRUE;
        }
      memcpy (rt->xs, x1, n * sizeof (double));
      for (gsize i = 0; i < n; i++)
        rt->nrm[i] = f1[i] / speed;
      rt->t_section = t1;
      rt->active = TRUE;
      rt->below = FALSE;
      rt->loop_size = 0.0;
      memcpy (rt->xr, x1, n * sizeof (double));
      return FALSE;
    }

  dist = 0.0;
  for (gsize i = 0; i < n; i++)
    dist += (x1[i] - rt->xs[i]) * (x1[i] - rt->xs[i]);
  dist = sqrt (dist);
  rt->loop_size = MAX (rt->loop_size, dist);
  g0 = section_g (rt, x0, n);
  g1 = section_g (rt, x1, n);
  if (g1 < 0)
    rt->below = TRUE;
  if (rt->below && g0 < 0 && g1 >= 0 && dist < 0.5 * rt->loop_size)
    {
      double s, size = rt->loop_size, d = 0.0;

      if (!refine_crossing (fl, rt, x0, f0, x1, f1, t1 - t0, &s))
        return TRUE;
      for (gsize i = 0; i < n; i++)
        d += (rt->xtmp[i] - rt->xs[i]) * (rt->xtmp[i] - rt->xs[i]);
      d = sqrt (d);
      rt->Tr = t0 + s - rt->t_section;
      rt->dr = d;
      memcpy (rt->xr, rt->xtmp, n * sizeof (double));
      if (size <= 1e-9 * (1.0 + norm_inf (rt->xs, n)))
        {
          rt->status = RETURN_EQUILIBRIUM;
          return TRUE;
        }
      if (d <= 1e-6 * size)
        {
          rt->status = RETURN_CONVERGED;
          return TRUE;
        }
      /* move the section to the return point */
      flow_eval (fl, rt->xr, rt->ftmp);
      speed = norm2 (rt->ftmp, n);
      if (speed == 0.0)
        {
          rt->status = RETURN_EQUILIBRIUM;
          return TRUE;
        }
      memcpy (rt->xs, rt->xr, n * sizeof (double));
      for (gsize i = 0; i < n; i++)
        rt->nrm[i] = rt->ftmp[i] / speed;
      rt->t_section = t0 + s;
      rt->below = FALSE;
      rt->loop_size = 0.0;
    }
  return FALSE;
}

static gboolean
is_cancellation (const GError *error)
{
  return g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
}

/**
 * currents_periodic_orbit_find_stable:
 * @field: an autonomous field
 * @p: parameters
 * @u: (nullable): inputs
 * @x0: where to start
 * @t_max: the longest integration (the first tenth is a transient)
 * @cancellable: (nullable)
 * @error: cancellation, a bad argument; never a failure to find a cycle
 *
 * Integrates from @x0, watching returns to a Poincaré section, and polishes a converged
 * return by the shooting Newton. A neutral cycle (a conservative system's) whose returns
 * agree to the integration's accuracy but where Newton meets a singular matrix is
 * returned unpolished, with @stable %FALSE.
 *
 * Returns: (transfer full) (nullable): the cycle, or %NULL when the trajectory settles on
 *   an equilibrium, escapes, or does not return within @t_max
 */
CurrentsPeriodicOrbit *
currents_periodic_orbit_find_stable (CurrentsField  *field,
                                     const double   *p,
                                     const double   *u,
                                     const double   *x0,
                                     double          t_max,
                                     GCancellable   *cancellable,
                                     GError        **error)
{
  g_autoptr(Flow) fl = NULL;
  g_autoptr(CurrentsPeriodicOrbit) orbit = NULL;
  g_autofree double *y = NULL, *f_ref = NULL, *x_ref = NULL;
  g_autoptr(GError) local = NULL;
  ReturnTracker rt = { 0 };
  ShootProblem sp = { 0 };
  gsize n;
  gboolean ok;
  double size;

  g_return_val_if_fail (field != NULL && x0 != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_field (field, error))
    return NULL;
  n = currents_field_get_n_states (field);
  if (!(t_max > 0.0) || !isfinite (t_max) || !all_finite (x0, n))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "finding a limit cycle needs a finite starting point and t_max > 0 "
                   "(given t_max = %g)", t_max);
      return NULL;
    }
  fl = flow_new (field, p, u, -1, FALSE, cancellable);
  y = g_memdup2 (x0, n * sizeof (double));
  rt.t_transient = 0.1 * t_max;
  rt.xs = g_new0 (double, n);
  rt.nrm = g_new0 (double, n);
  rt.xr = g_new0 (double, n);
  rt.xtmp = g_new0 (double, n);
  rt.ftmp = g_new0 (double, n);
  ok = flow_integrate (fl, FLOW_STATE, y, t_max, return_step, &rt, NULL, &local);
  if (rt.error != NULL)
    {
      g_clear_error (&local);
      local = g_steal_pointer (&rt.error);
      ok = FALSE;
    }
  g_free (rt.xs);
  g_free (rt.nrm);
  g_free (rt.xtmp);
  g_free (rt.ftmp);
  x_ref = rt.xr;
  if (!ok)
    {
      if (is_cancellation (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      g_debug ("no cycle: the integration failed: %s", local->message);
      return NULL;
    }
  if (rt.status != RETURN_CONVERGED)
    return NULL;

  /* polish */
  f_ref = g_new (double, n);
  flow_eval (fl, x_ref, f_ref);
  g_free (y);
  y = g_new (double, n + 1);
  memcpy (y, x_ref, n * sizeof (double));
  y[n] = rt.Tr;
  sp.x_ref = x_ref;
  sp.f_ref = f_ref;
  sp.max_iter = 20;
  sp.max_dT = 0.1;
  orbit = currents_periodic_orbit_new (n);
  if (!shoot_newton (fl, &sp, y, NULL, &local))
    {
      if (is_cancellation (local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      if (rt.dr > 1e-9 * MAX (rt.loop_size, 1e-300))
        {
          g_debug ("no cycle: %s", local->message);
          return NULL;
        }
      g_clear_error (&local);
      memcpy (y, x_ref, n * sizeof (double));
      y[n] = rt.Tr;
    }
  if (!fill_orbit (fl, y, y[n], orbit, &local))
    {
      if (is_cancellation (local))
        g_propagate_error (error, g_steal_pointer (&local));
      return NULL;
    }
  /* Newton may have slid onto an equilibrium (x0 = x*, any T): not a cycle */
  size = 0.0;
  for (gsize i = 0; i < n; i++)
    size = MAX (size, orbit->max[i] - orbit->min[i]);
  flow_eval (fl, orbit->x0, f_ref);
  if (size <= 1e-8 * (1.0 + norm_inf (orbit->x0, n)) || norm2 (f_ref, n) == 0.0)
    return NULL;
  return g_steal_pointer (&orbit);
}

/* ------------------------------------------------------------------------------------ */
/* Continuation from a Hopf point                                                       */

static gboolean
cont_correct (Flow         *fl,
              const double *x_ref,
              const double *f_ref,
              const double *tau,
              const double *y_pred,
              double       *y,
              int          *n_iter,
              GError      **error)
{
  ShootProblem sp = { x_ref, f_ref, tau, y_pred, 10, 0.25 };

  memcpy (y, y_pred, (fl->n + 2) * sizeof (double));
  return shoot_newton (fl, &sp, y, n_iter, error);
}

/**
 * currents_periodic_continue_from_hopf:
 * (see the header)
 *
 * The first orbit is x_hopf + ε·Re(v e^{iθ}), θ chosen so that Re and Im of the rotated
 * vector are orthogonal, T = 2π/ω; ε starts at 1e-3·(1 + ‖x_hopf‖∞) and is halved while
 * the corrector fails. Steps then grow (×1.5 after an easy correction) up to a tenth of the
 * family's scale and shrink (×½) on failure. Stops at the ends of [@lo, @hi] (the last
 * orbit solved exactly at the end), when T exceeds 20 times the Hopf period (a homoclinic
 * approach), after @max_points orbits, or when the step falls below 1e-6 of its start.
 */
GPtrArray *
currents_periodic_continue_from_hopf (CurrentsField *field,
                                      const double  *p,
                                      const double  *u,
                                      gsize          param_index,
                                      gboolean       param_is_input,
                                      const double  *x_hopf,
                                      double         omega,
                                      const double  *eigvec_re,
                                      const double  *eigvec_im,
                                      double         lo,
                                      double         hi,
                                      gsize          max_points,
                                      GCancellable  *cancellable,
                                      GError       **error)
{
  g_autoptr(Flow) fl = NULL;
  g_autoptr(GPtrArray) family = NULL;
  g_autofree double *vr = NULL, *vi = NULL, *y_prev = NULL, *y_cur = NULL, *y_new = NULL;
  g_autofree double *y_pred = NULL, *tau = NULL, *x_ref = NULL, *f_ref = NULL;
  gsize n, N;
  double lam_h, T_h, h, h_min, h_max, scale, eps;
  gboolean at_end = FALSE;

  g_return_val_if_fail (field != NULL && x_hopf != NULL, NULL);
  g_return_val_if_fail (eigvec_re != NULL && eigvec_im != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!check_field (field, error))
    return NULL;
  n = currents_field_get_n_states (field);
  N = n + 2;
  if (n < 2)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a Hopf point needs at least two state variables");
      return NULL;
    }
  if ((param_is_input && param_index >= currents_field_get_n_inputs (field)) ||
      (!param_is_input && param_index >= currents_field_get_n_params (field)))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the continued %s index %" G_GSIZE_FORMAT " is out of range",
                   param_is_input ? "input" : "parameter", param_index);
      return NULL;
    }
  lam_h = param_is_input ? u[param_index] : p[param_index];
  if (!(omega > 0.0) || !isfinite (omega) || !(lo < hi) || !isfinite (lo) || !isfinite (hi) ||
      !(lam_h >= lo && lam_h <= hi) || !all_finite (x_hopf, n))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "continuing periodic orbits from a Hopf point needs ω > 0 (given %g) and "
                   "the Hopf parameter value %g inside the range [%g, %g]",
                   omega, lam_h, lo, hi);
      return NULL;
    }

  /* rotate v by e^{iθ} so that a = Re, b = Im are orthogonal and ‖a‖ ≥ ‖b‖ */
  vr = g_new (double, n);
  vi = g_new (double, n);
  {
    double aa = dot (eigvec_re, eigvec_re, n), bb = dot (eigvec_im, eigvec_im, n);
    double ab = dot (eigvec_re, eigvec_im, n);
    double theta = 0.5 * atan2 (-2.0 * ab, aa - bb);
    double c = cos (theta), s = sin (theta), na;

    for (gsize i = 0; i < n; i++)
      {
        vr[i] = c * eigvec_re[i] - s * eigvec_im[i];
        vi[i] = s * eigvec_re[i] + c * eigvec_im[i];
      }
    na = norm2 (vr, n);
    if (!(na > 0) || norm2 (vi, n) == 0.0)
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "the Hopf eigenvector must be complex (both its real and imaginary "
                     "parts nonzero)");
        return NULL;
      }
    for (gsize i = 0; i < n; i++)
      vr[i] /= na;
  }

  fl = flow_new (field, p, u, (gssize) param_index, param_is_input, cancellable);
  family = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_periodic_orbit_free);
  T_h = 2.0 * G_PI / omega;
  scale = 1.0 + norm_inf (x_hopf, n);
  y_prev = g_new (double, N);
  y_cur = g_new (double, N);
  y_new = g_new (double, N);
  y_pred = g_new (double, N);
  tau = g_new (double, N);
  x_ref = g_new (double, n);
  f_ref = g_new (double, n);
  memcpy (y_prev, x_hopf, n * sizeof (double));
  y_prev[n] = T_h;
  y_prev[n + 1] = lam_h;

  /* the first orbit: amplitude ε along Re v fixed by the arclength row; the phase
   * condition f(x_ref) ∝ J Re v = −ω Im v at x_ref = x_hopf */
  eps = 1e-3 * scale;
  for (;;)
    {
      g_autoptr(GError) local = NULL;

      memset (tau, 0, N * sizeof (double));
      memcpy (tau, vr, n * sizeof (double));
      memcpy (y_pred, y_prev, N * sizeof (double));
      for (gsize i = 0; i < n; i++)
        y_pred[i] += eps * vr[i];
      memcpy (x_ref, x_hopf, n * sizeof (double));
      for (gsize i = 0; i < n; i++)
        f_ref[i] = -vi[i];
      if (cont_correct (fl, x_ref, f_ref, tau, y_pred, y_cur, NULL, &local) &&
          y_cur[n] > 0)
        break;
      if (is_cancellation (local) || eps < 1e-7 * scale)
        {
          if (!is_cancellation (local))
            g_prefix_error (&local, "no periodic orbit near the Hopf point "
                                    "(tried amplitudes down to %g): ", eps);
          g_propagate_error (error, g_steal_pointer (&local));
          return NULL;
        }
      eps *= 0.5;
    }

  h = eps;
  h_min = 1e-6 * eps;
  h_max = 0.1 * MAX (scale, hi - lo);
  while (family->len < MAX (max_points, 1))
    {
      g_autoptr(CurrentsPeriodicOrbit) orbit = currents_periodic_orbit_new (n);
      g_autoptr(GError) local = NULL;
      double lam = y_cur[n + 1];
      double dist = 0.0;
      int it = 0;
      gboolean ok;

      *flow_lambda (fl) = lam;
      if (!fill_orbit (fl, y_cur, y_cur[n], orbit, &local))
        {
          if (is_cancellation (local))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return NULL;
            }
          break;
        }
      orbit->param = lam;
      g_ptr_array_add (family, g_steal_pointer (&orbit));
      if (at_end || family->len >= max_points)
        break;
      if (y_cur[n] > 20.0 * T_h)
        {
          g_debug ("periodic family: the period %g passed 20 Hopf periods: stopping",
                   y_cur[n]);
          break;
        }

      /* secant predictor from the previous point */
      for (gsize j = 0; j < N; j++)
        {
          tau[j] = y_cur[j] - y_prev[j];
          dist += tau[j] * tau[j];
        }
      dist = sqrt (dist);
      if (!(dist > 0))
        break;
      for (gsize j = 0; j < N; j++)
        tau[j] /= dist;
      memcpy (x_ref, y_cur, n * sizeof (double));
      flow_eval (fl, x_ref, f_ref);

      for (;;)
        {
          g_clear_error (&local);
          for (gsize j = 0; j < N; j++)
            y_pred[j] = y_cur[j] + h * tau[j];
          ok = cont_correct (fl, x_ref, f_ref, tau, y_pred, y_new, &it, &local) &&
               y_new[n] > 0;
          if (ok)
            {
              /* refuse a corrector that jumped far from the predictor */
              double jump = 0.0;
              for (gsize j = 0; j < N; j++)
                jump += (y_new[j] - y_pred[j]) * (y_new[j] - y_pred[j]);
              if (sqrt (jump) > h + 1e-12)
                ok = FALSE;
            }
          if (ok)
            break;
          if (is_cancellation (local))
            {
              g_propagate_error (error, g_steal_pointer (&local));
              return NULL;
            }
          h *= 0.5;
          if (h < h_min)
            break;
        }
      if (!ok)
        {
          g_debug ("periodic family: the corrector failed at λ = %g: %s", lam,
                   local ? local->message : "jumped");
          break;
        }

      /* past an end of the range: solve exactly at the end instead */
      if (y_new[n + 1] < lo || y_new[n + 1] > hi)
        {
          double end = y_new[n + 1] < lo ? lo : hi;
          double frac = (end - y_cur[n + 1]) / (y_new[n + 1] - y_cur[n + 1]);

          memset (tau, 0, N * sizeof (double));
          tau[n + 1] = 1.0;
          for (gsize j = 0; j < N; j++)
            y_pred[j] = y_cur[j] + frac * (y_new[j] - y_cur[j]);
          y_pred[n + 1] = end;
          g_clear_error (&local);
          if (!cont_correct (fl, x_ref, f_ref, tau, y_pred, y_new, NULL, &local))
            {
              if (is_cancellation (local))
                {
                  g_propagate_error (error, g_steal_pointer (&local));
                  return NULL;
                }
              break;
            }
          at_end = TRUE;
        }
      memcpy (y_prev, y_cur, N * sizeof (double));
      memcpy (y_cur, y_new, N * sizeof (double));
      if (it <= 3)
        h = MIN (1.5 * h, h_max);
    }

  if (family->len == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                   "no periodic orbit could be computed near the Hopf point");
      return NULL;
    }
  return g_steal_pointer (&family);
}
