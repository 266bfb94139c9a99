/* currents-stack.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The stacked field of currents-stack.h. With B copies of f: ℝⁿ → ℝⁿ,
 *
 *   F(t, X, U, p) = [f(t, X_r, U_r, p)]_r,       ∂F/∂X = diag(∂f/∂x(X_r)),
 *   Wᵀ ∂F/∂X = [W_rᵀ ∂f/∂x(X_r)]_r,              Wᵀ ∂F/∂p = Σ_r W_rᵀ ∂f/∂p(X_r),
 *
 * so eval and vjp are one batched call of B rows each, and a batch of R stacked points
 * is one batched call of R·B rows (their rows are contiguous). Tapes are the inner
 * field's. The Jacobian is block diagonal, one inner Jacobian per copy.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-stack"

#include <string.h>

#include "currents-stack.h"

typedef struct
{
  CurrentsField *inner;
  gsize          copies;
  gsize          n;
  gsize          m;
  gsize          k;
} StackImpl;

typedef struct
{
  CurrentsFieldWorkspace *inner;
  double                 *jx;     /* n × n */
} StackWs;

static gpointer
stack_ws_new (gconstpointer data)
{
  const StackImpl *impl = data;
  StackWs *ws = g_new0 (StackWs, 1);

  ws->inner = currents_field_workspace_new (impl->inner);
  ws->jx = g_new0 (double, MAX (impl->n * impl->n, 1));
  return ws;
}

static void
stack_ws_free (gpointer data)
{
  StackWs *ws = data;

  if (ws == NULL)
    return;
  currents_field_workspace_free (ws->inner);
  g_free (ws->jx);
  g_free (ws);
}

static void
stack_impl_free (gpointer data)
{
  StackImpl *impl = data;

  currents_field_unref (impl->inner);
  g_free (impl);
}

static void
stack_eval (gconstpointer data,
            gpointer      wsp,
            double        t,
            const double *x,
            const double *u,
            const double *p,
            double       *f)
{
  const StackImpl *impl = data;
  StackWs *ws = wsp;

  currents_field_eval_batch (ws->inner, impl->copies, t, x, impl->m > 0 ? u : NULL, p, f,
                             NULL);
}

/* Block diagonal: copy r's n × n block at rows and columns r·n … r·n + n − 1 of the
 * Bn × Bn matrix; ∂F/∂p stacks the copies' n × k blocks. */
static void
stack_jacobian (gconstpointer data,
                gpointer      wsp,
                double        t,
                const double *x,
                const double *u,
                const double *p,
                double       *f,
                double       *jx,
                double       *jp)
{
  const StackImpl *impl = data;
  StackWs *ws = wsp;
  const gsize n = impl->n, m = impl->m, k = impl->k, N = impl->copies * n;

  memset (jx, 0, N * N * sizeof (double));
  for (gsize r = 0; r < impl->copies; r++)
    {
      currents_field_jacobian (ws->inner, t, x + r * n, m > 0 ? u + r * m : NULL, p,
                               f != NULL ? f + r * n : NULL, ws->jx,
                               jp != NULL ? jp + r * n * k : NULL);
      for (gsize i = 0; i < n; i++)
        memcpy (jx + (r * n + i) * N + r * n, ws->jx + i * n, n * sizeof (double));
    }
}

static void
stack_vjp (gconstpointer data,
           gpointer      wsp,
           double        t,
           const double *x,
           const double *u,
           const double *p,
           const double *w,
           double       *f,
           double       *gx,
           double       *gp)
{
  const StackImpl *impl = data;
  StackWs *ws = wsp;

  currents_field_vjp_batch (ws->inner, impl->copies, t, x, impl->m > 0 ? u : NULL, p, w,
                            NULL, f, gx, gp);
}

static void
stack_eval_batch (gconstpointer data,
                  gpointer      wsp,
                  gsize         n_rows,
                  double        t,
                  const double *x,
                  const double *u,
                  const double *p,
                  double       *f,
                  double       *tape)
{
  const StackImpl *impl = data;
  StackWs *ws = wsp;

  currents_field_eval_batch (ws->inner, n_rows * impl->copies, t, x, impl->m > 0 ? u : NULL,
                             p, f, tape);
}

static void
stack_vjp_batch (gconstpointer data,
                 gpointer      wsp,
                 gsize         n_rows,
                 double        t,
                 const double *x,
                 const double *u,
                 const double *p,
                 const double *w,
                 const double *tape,
                 double       *f,
                 double       *gx,
                 double       *gp)
{
  const StackImpl *impl = data;
  StackWs *ws = wsp;

  currents_field_vjp_batch (ws->inner, n_rows * impl->copies, t, x, impl->m > 0 ? u : NULL,
                            p, w, tape, f, gx, gp);
}

static gsize
stack_tape_size (gconstpointer data,
                 gsize         n_rows)
{
  const StackImpl *impl = data;

  return currents_field_get_tape_size (impl->inner, n_rows * impl->copies);
}

static const CurrentsFieldVTable stack_vtable = {
  .workspace_new = stack_ws_new,
  .workspace_free = stack_ws_free,
  .eval = stack_eval,
  .jacobian = stack_jacobian,
  .vjp = stack_vjp,
  .impl_free = stack_impl_free,
  .eval_batch = stack_eval_batch,
  .vjp_batch = stack_vjp_batch,
  .tape_size = stack_tape_size,
};

/**
 * currents_stack_field_new:
 * @inner: the field to stack
 * @n_copies: B ≥ 1
 *
 * Makes the stacked system of @n_copies copies of @inner (see currents-stack.h); it is
 * autonomous when @inner is, and holds a reference to @inner.
 *
 * Returns: (transfer full): the stacked field
 */
CurrentsField *
currents_stack_field_new (CurrentsField *inner,
                          gsize          n_copies)
{
  StackImpl *impl;

  g_return_val_if_fail (inner != NULL, NULL);
  g_return_val_if_fail (n_copies >= 1, NULL);

  impl = g_new0 (StackImpl, 1);
  impl->inner = currents_field_ref (inner);
  impl->copies = n_copies;
  impl->n = currents_field_get_n_states (inner);
  impl->m = currents_field_get_n_inputs (inner);
  impl->k = currents_field_get_n_params (inner);
  return currents_field_new (&stack_vtable, impl, n_copies * impl->n, n_copies * impl->m,
                             impl->k, currents_field_is_autonomous (inner));
}
