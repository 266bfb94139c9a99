/* currents-symplectic.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Gauss–Legendre collocation with s stages (s = 1: implicit midpoint, s = 2: order 4):
 *
 *   G_i(Z) = Z_i − h Σ_j a_ij f(t + c_j h, x + Z_j) = 0,    i = 1..s,
 *   ∂G_i/∂Z_j = δ_ij I − h a_ij ∂f/∂x(x + Z_j),
 *
 * solved by Newton's method (from Z = 0, or in a run from the previous step's collocation
 * polynomial extrapolated) with the exact Jacobian at every stage and iteration (an
 * sn × sn system by our own LU with partial pivoting: for the few states of a Hamiltonian
 * model a LAPACK call costs more than the solve), until
 * the correction reaches round-off: ‖ΔZ‖∞ ≤ 4ε·S (S = ‖x‖∞ + ‖Z‖∞), or it stops
 * decreasing once below 1e-8·S. Then x₁ = x + h Σ b_j f(t + c_j h, x + Z_j), added with
 * Kahan compensation in currents_symplectic_evolve().
 *
 * Gauss 2: c = ½ ∓ √3/6, A = [[¼, ¼ − √3/6], [¼ + √3/6, ¼]], b = (½, ½).
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-symplectic"

#include <float.h>
#include <math.h>
#include <string.h>

#include "currents-error.h"
#include "currents-symplectic.h"

#define MAX_NEWTON 50
#define MAX_STAGES 2

struct _CurrentsSymplectic
{
  CurrentsField          *field;
  CurrentsFieldWorkspace *ws;
  CurrentsSymplecticMethod method;
  gsize                   n;
  gsize                   s;
  double                  a[MAX_STAGES * MAX_STAGES];
  double                  b[MAX_STAGES];
  double                  c[MAX_STAGES];
  double                 *Z;      /* s × n */
  double                 *F;      /* s × n */
  double                 *Jx;     /* s × n × n */
  double                 *Y;      /* n */
  double                 *M;      /* (sn)², row-major */
  double                 *rhs;    /* sn */
  gsize                  *ipiv;   /* sn */
  double                 *comp;   /* n, Kahan compensation */
  double                 *dx;     /* n */
  guint64                 n_newton;
};

/**
 * currents_symplectic_get_order:
 * @method: a method
 *
 * Returns: its order (2 or 4)
 */
guint
currents_symplectic_get_order (CurrentsSymplecticMethod method)
{
  return method == CURRENTS_SYMPLECTIC_GAUSS4 ? 4 : 2;
}

/**
 * currents_symplectic_new:
 * @field: any vector field with an exact Jacobian
 * @method: implicit midpoint or 2-stage Gauss–Legendre
 *
 * Returns: (transfer full): the integrator, with its own workspace of @field
 */
CurrentsSymplectic *
currents_symplectic_new (CurrentsField            *field,
                         CurrentsSymplecticMethod  method)
{
  CurrentsSymplectic *sym;
  gsize n, sn;

  g_return_val_if_fail (field != NULL, NULL);
  g_return_val_if_fail (method == CURRENTS_SYMPLECTIC_MIDPOINT
                        || method == CURRENTS_SYMPLECTIC_GAUSS4, NULL);

  sym = g_new0 (CurrentsSymplectic, 1);
  sym->field = currents_field_ref (field);
  sym->ws = currents_field_workspace_new (field);
  sym->method = method;
  sym->n = n = currents_field_get_n_states (field);
  if (method == CURRENTS_SYMPLECTIC_MIDPOINT)
    {
      sym->s = 1;
      sym->a[0] = 0.5;
      sym->b[0] = 1.0;
      sym->c[0] = 0.5;
    }
  else
    {
      double r = sqrt (3.0) / 6.0;

      sym->s = 2;
      sym->a[0] = 0.25;
      sym->a[1] = 0.25 - r;
      sym->a[2] = 0.25 + r;
      sym->a[3] = 0.25;
      sym->b[0] = sym->b[1] = 0.5;
      sym->c[0] = 0.5 - r;
      sym->c[1] = 0.5 + r;
    }
  sn = sym->s * n;
  sym->Z = g_new0 (double, sn);
  sym->F = g_new0 (double, sn);
  sym->Jx = g_new0 (double, sn * n);
  sym->Y = g_new0 (double, n);
  sym->M = g_new0 (double, sn * sn);
  sym->rhs = g_new0 (double, sn);
  sym->ipiv = g_new0 (gsize, sn);
  sym->comp = g_new0 (double, n);
  sym->dx = g_new0 (double, n);
  return sym;
}

/**
 * currents_symplectic_free:
 * @sym: (nullable): the integrator
 */
void
currents_symplectic_free (CurrentsSymplectic *sym)
{
  if (sym == NULL)
    return;
  currents_field_workspace_free (sym->ws);
  currents_field_unref (sym->field);
  g_free (sym->Z);
  g_free (sym->F);
  g_free (sym->Jx);
  g_free (sym->Y);
  g_free (sym->M);
  g_free (sym->rhs);
  g_free (sym->ipiv);
  g_free (sym->comp);
  g_free (sym->dx);
  g_free (sym);
}

guint64
currents_symplectic_get_n_newton (const CurrentsSymplectic *sym)
{
  return sym->n_newton;
}

/* Solves M y = r in place (M: m × m, row-major, destroyed; r → y) by Gaussian elimination
 * with partial pivoting. Returns FALSE when M is singular. */
static gboolean
lu_solve (double *M, double *r, gsize *piv, gsize m)
{
  for (gsize k = 0; k < m; k++)
    {
      gsize best = k;
      double big = fabs (M[k * m + k]);

      for (gsize i = k + 1; i < m; i++)
        if (fabs (M[i * m + k]) > big)
          {
            big = fabs (M[i * m + k]);
            best = i;
          }
      piv[k] = best;
      if (big == 0.0 || !isfinite (big))
        return FALSE;
      if (best != k)
        {
          double tmp;

          for (gsize j = 0; j < m; j++)
            {
              tmp = M[k * m + j];
              M[k * m + j] = M[best * m + j];
              M[best * m + j] = tmp;
            }
          tmp = r[k];
          r[k] = r[best];
          r[best] = tmp;
        }
      for (gsize i = k + 1; i < m; i++)
        {
          double l = M[i * m + k] / M[k * m + k];

          if (l == 0.0)
            continue;
          for (gsize j = k + 1; j < m; j++)
            M[i * m + j] -= l * M[k * m + j];
          r[i] -= l * r[k];
        }
    }
  for (gsize k = m; k-- > 0;)
    {
      double v = r[k];

      for (gsize j = k + 1; j < m; j++)
        v -= M[k * m + j] * r[j];
      r[k] = v / M[k * m + k];
    }
  return TRUE;
}

static gboolean
all_finite (const double *v, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
}

/* The starting guess of the next step (same h, from x + dx): the previous step's collocation
 * polynomial, u(θ) − x = Σ_j Z_j ℓ_j(θ) on the nodes {0, c_1..c_s} (value 0 at θ = 0),
 * extrapolated to θ = 1 + c_i, minus dx. */
static void
sym_extrapolate (CurrentsSymplectic *sym)
{
  gsize n = sym->n, s = sym->s;
  double w[MAX_STAGES][MAX_STAGES];

  for (gsize i = 0; i < s; i++)
    {
      double th = 1.0 + sym->c[i];

      for (gsize j = 0; j < s; j++)
        {
          /* ℓ_j(θ) = θ/c_j · Π_{m≠j} (θ − c_m)/(c_j − c_m) */
          double l = th / sym->c[j];

          for (gsize m = 0; m < s; m++)
            if (m != j)
              l *= (th - sym->c[m]) / (sym->c[j] - sym->c[m]);
          w[i][j] = l;
        }
    }
  for (gsize k = 0; k < n; k++)
    {
      double z[MAX_STAGES];

      for (gsize i = 0; i < s; i++)
        {
          z[i] = -sym->dx[k];
          for (gsize j = 0; j < s; j++)
            z[i] += w[i][j] * sym->Z[j * n + k];
        }
      for (gsize i = 0; i < s; i++)
        sym->Z[i * n + k] = z[i];
    }
}

/* One step from x; writes the increment into sym->dx. Starts Newton from Z = 0, or from
 * sym->Z as it is when @warm. */
static gboolean
sym_increment (CurrentsSymplectic *sym, double t, double h, const double *u, const double *p,
               const double *x, gboolean warm, GError **error)
{
  gsize n = sym->n, s = sym->s, sn = s * n;
  double prev = INFINITY;
  double xnorm = 0.0;

  for (gsize i = 0; i < n; i++)
    xnorm = MAX (xnorm, fabs (x[i]));
  if (!warm)
    memset (sym->Z, 0, sn * sizeof (double));

  for (guint it = 0;; it++)
    {
      double dnorm = 0.0, znorm = 0.0, scale;

      if (it == MAX_NEWTON)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                       "the implicit step at t = %g did not converge in %d Newton "
                       "iterations; try a smaller step", t, MAX_NEWTON);
          return FALSE;
        }
      for (gsize j = 0; j < s; j++)
        {
          for (gsize k = 0; k < n; k++)
            sym->Y[k] = x[k] + sym->Z[j * n + k];
          currents_field_jacobian (sym->ws, t + sym->c[j] * h, sym->Y, u, p,
                                   sym->F + j * n, sym->Jx + j * n * n, NULL);
        }
      if (!all_finite (sym->F, sn) || !all_finite (sym->Jx, sn * n))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                       "the vector field is not finite near t = %g; try a smaller step", t);
          return FALSE;
        }
      /* rhs = −G, M = I − h (A ⊗ I) blockdiag(J_j), row-major */
      for (gsize i = 0; i < s; i++)
        for (gsize k = 0; k < n; k++)
          {
            double g = sym->Z[i * n + k];

            for (gsize j = 0; j < s; j++)
              g -= h * sym->a[i * s + j] * sym->F[j * n + k];
            sym->rhs[i * n + k] = -g;
          }
      for (gsize i = 0; i < s; i++)
        for (gsize j = 0; j < s; j++)
          {
            double ha = h * sym->a[i * s + j];
            const double *Jj = sym->Jx + j * n * n;

            for (gsize r = 0; r < n; r++)
              for (gsize cidx = 0; cidx < n; cidx++)
                sym->M[(i * n + r) * sn + (j * n + cidx)]
                  = (i == j && r == cidx ? 1.0 : 0.0) - ha * Jj[r * n + cidx];
          }
      if (!lu_solve (sym->M, sym->rhs, sym->ipiv, sn))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN,
                       "the implicit step at t = %g met a singular Newton matrix; try a "
                       "smaller step", t);
          return FALSE;
        }
      sym->n_newton++;
      for (gsize k = 0; k < sn; k++)
        {
          sym->Z[k] += sym->rhs[k];
          dnorm = MAX (dnorm, fabs (sym->rhs[k]));
          znorm = MAX (znorm, fabs (sym->Z[k]));
        }
      if (!isfinite (dnorm))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                       "the implicit step at t = %g diverged; try a smaller step", t);
          return FALSE;
        }
      scale = xnorm + znorm;
      if (dnorm <= 4.0 * DBL_EPSILON * scale || dnorm == 0.0
          || (it >= 1 && dnorm >= prev && dnorm <= 1e-8 * scale))
        break;
      prev = dnorm;
    }

  for (gsize j = 0; j < s; j++)
    {
      for (gsize k = 0; k < n; k++)
        sym->Y[k] = x[k] + sym->Z[j * n + k];
      currents_field_eval (sym->ws, t + sym->c[j] * h, sym->Y, u, p, sym->F + j * n);
    }
  for (gsize k = 0; k < n; k++)
    {
      double d = 0.0;

      for (gsize j = 0; j < s; j++)
        d += sym->b[j] * sym->F[j * n + k];
      sym->dx[k] = h * d;
    }
  if (!all_finite (sym->dx, n))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                   "the vector field is not finite near t = %g; try a smaller step", t);
      return FALSE;
    }
  return TRUE;
}

/**
 * currents_symplectic_step:
 * @sym: the integrator
 * @t: the time at the start of the step
 * @h: the step (may be negative)
 * @u: (nullable): inputs, held constant over the step
 * @p: parameters
 * @x: (inout): the state, advanced to t + h
 * @error: return location for an error
 *
 * Returns: %TRUE on success; %FALSE with @error set (NO_CONVERGENCE, SINGULAR_JACOBIAN,
 *   NON_FINITE), @x unchanged
 */
gboolean
currents_symplectic_step (CurrentsSymplectic  *sym,
                          double               t,
                          double               h,
                          const double        *u,
                          const double        *p,
                          double              *x,
                          GError             **error)
{
  if (!sym_increment (sym, t, h, u, p, x, FALSE, error))
    return FALSE;
  for (gsize k = 0; k < sym->n; k++)
    x[k] += sym->dx[k];
  return TRUE;
}

/**
 * currents_symplectic_evolve:
 * @sym: the integrator
 * @t0: the start time
 * @h: the fixed step
 * @n_steps: how many steps
 * @u: (nullable): inputs, constant
 * @p: parameters
 * @x: (inout): the initial state, advanced to t0 + n_steps·h
 * @out: (nullable): receives the states at t0 + k h, k = 0..n_steps ((n_steps + 1) × n)
 * @cancellable: (nullable): checked every 256 steps
 * @error: return location for an error
 *
 * Steps with compensated summation of the increments.
 *
 * Returns: %TRUE on success; on failure @x holds the last state reached
 */
gboolean
currents_symplectic_evolve (CurrentsSymplectic  *sym,
                            double               t0,
                            double               h,
                            gsize                n_steps,
                            const double        *u,
                            const double        *p,
                            double              *x,
                            double              *out,
                            GCancellable        *cancellable,
                            GError             **error)
{
  gsize n = sym->n;

  memset (sym->comp, 0, n * sizeof (double));
  if (out != NULL)
    memcpy (out, x, n * sizeof (double));
  for (gsize step = 0; step < n_steps; step++)
    {
      if (step % 256 == 0 && g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                       "integration cancelled at t = %g", t0 + (double) step * h);
          return FALSE;
        }
      if (step > 0)
        sym_extrapolate (sym);
      if (!sym_increment (sym, t0 + (double) step * h, h, u, p, x, step > 0, error))
        return FALSE;
      for (gsize k = 0; k < n; k++)
        {
          double y = sym->dx[k] - sym->comp[k];
          double tk = x[k] + y;

          sym->comp[k] = (tk - x[k]) - y;
          x[k] = tk;
        }
      if (out != NULL)
        memcpy (out + (step + 1) * n, x, n * sizeof (double));
    }
  return TRUE;
}
