/* currents-field.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "currents-field"

#include "currents-field-private.h"

struct _CurrentsField
{
  gatomicrefcount            ref_count;
  const CurrentsFieldVTable *vtable;
  gpointer                   impl;
  gsize                      n_states;
  gsize                      n_inputs;
  gsize                      n_params;
  gboolean                   autonomous;
};

struct _CurrentsFieldWorkspace
{
  CurrentsField *field;
  gpointer       impl_ws;
};

/**
 * currents_field_new:
 * @vtable: the implementation's functions (static storage)
 * @impl: (transfer full): the implementation, freed by @vtable->impl_free
 * @n_states: n, the dimension of x
 * @n_inputs: m, the dimension of u
 * @n_params: k, the dimension of p
 * @autonomous: %FALSE when f depends on t explicitly
 *
 * Returns: (transfer full): a new field with one reference
 */
CurrentsField *
currents_field_new (const CurrentsFieldVTable *vtable,
                    gpointer                   impl,
                    gsize                      n_states,
                    gsize                      n_inputs,
                    gsize                      n_params,
                    gboolean                   autonomous)
{
  CurrentsField *self;

  g_return_val_if_fail (vtable != NULL, NULL);
  g_return_val_if_fail (vtable->eval != NULL && vtable->jacobian != NULL, NULL);
  g_return_val_if_fail (vtable->vjp != NULL, NULL);

  self = g_new0 (CurrentsField, 1);
  g_atomic_ref_count_init (&self->ref_count);
  self->vtable = vtable;
  self->impl = impl;
  self->n_states = n_states;
  self->n_inputs = n_inputs;
  self->n_params = n_params;
  self->autonomous = autonomous;
  return self;
}

CurrentsField *
currents_field_ref (CurrentsField *field)
{
  g_return_val_if_fail (field != NULL, NULL);
  g_atomic_ref_count_inc (&field->ref_count);
  return field;
}

void
currents_field_unref (CurrentsField *field)
{
  if (field == NULL)
    return;
  if (g_atomic_ref_count_dec (&field->ref_count))
    {
      if (field->vtable->impl_free != NULL)
        field->vtable->impl_free (field->impl);
      g_free (field);
    }
}

gsize
currents_field_get_n_states (const CurrentsField *field)
{
  return field->n_states;
}

gsize
currents_field_get_n_inputs (const CurrentsField *field)
{
  return field->n_inputs;
}

gsize
currents_field_get_n_params (const CurrentsField *field)
{
  return field->n_params;
}

gboolean
currents_field_is_autonomous (const CurrentsField *field)
{
  return field->autonomous;
}

gconstpointer
currents_field_get_impl (const CurrentsField *field)
{
  return field->impl;
}

/**
 * currents_field_workspace_new:
 * @field: a field
 *
 * Makes the scratch space one thread needs to evaluate @field. The workspace holds a
 * reference to @field.
 *
 * Returns: (transfer full): a new workspace
 */
CurrentsFieldWorkspace *
currents_field_workspace_new (CurrentsField *field)
{
  CurrentsFieldWorkspace *ws;

  g_return_val_if_fail (field != NULL, NULL);

  ws = g_new0 (CurrentsFieldWorkspace, 1);
  ws->field = currents_field_ref (field);
  if (field->vtable->workspace_new != NULL)
    ws->impl_ws = field->vtable->workspace_new (field->impl);
  return ws;
}

void
currents_field_workspace_free (CurrentsFieldWorkspace *ws)
{
  if (ws == NULL)
    return;
  if (ws->field->vtable->workspace_free != NULL)
    ws->field->vtable->workspace_free (ws->impl_ws);
  currents_field_unref (ws->field);
  g_free (ws);
}

CurrentsField *
currents_field_workspace_get_field (CurrentsFieldWorkspace *ws)
{
  return ws->field;
}

void
currents_field_eval (CurrentsFieldWorkspace *ws,
                     double                  t,
                     const double           *x,
                     const double           *u,
                     const double           *p,
                     double                 *f)
{
  ws->field->vtable->eval (ws->field->impl, ws->impl_ws, t, x, u, p, f);
}

void
currents_field_jacobian (CurrentsFieldWorkspace *ws,
                         double                  t,
                         const double           *x,
                         const double           *u,
                         const double           *p,
                         double                 *f,
                         double                 *jx,
                         double                 *jp)
{
  ws->field->vtable->jacobian (ws->field->impl, ws->impl_ws, t, x, u, p, f, jx, jp);
}

void
currents_field_vjp (CurrentsFieldWorkspace *ws,
                    double                  t,
                    const double           *x,
                    const double           *u,
                    const double           *p,
                    const double           *w,
                    double                 *f,
                    double                 *gx,
                    double                 *gp)
{
  ws->field->vtable->vjp (ws->field->impl, ws->impl_ws, t, x, u, p, w, f, gx, gp);
}

/**
 * currents_field_has_batch:
 * @field: a field
 *
 * Returns: %TRUE when @field evaluates batches itself (as matrix products, say) rather
 *   than row by row
 */
gboolean
currents_field_has_batch (const CurrentsField *field)
{
  g_return_val_if_fail (field != NULL, FALSE);
  return field->vtable->eval_batch != NULL && field->vtable->vjp_batch != NULL;
}

/**
 * currents_field_get_tape_size:
 * @field: a field
 * @n_rows: B
 *
 * Returns: how many doubles the tape of a batched evaluation of @n_rows rows takes; 0
 *   when @field keeps no tapes (then pass %NULL for them)
 */
gsize
currents_field_get_tape_size (const CurrentsField *field,
                              gsize                n_rows)
{
  g_return_val_if_fail (field != NULL, 0);
  if (!currents_field_has_batch (field) || field->vtable->tape_size == NULL)
    return 0;
  return field->vtable->tape_size (field->impl, n_rows);
}

/**
 * currents_field_eval_batch:
 * @ws: a workspace of the field
 * @n_rows: B
 * @t: time
 * @x: B × n states, row-major
 * @u: (nullable): B × m inputs (%NULL when m = 0)
 * @p: parameters
 * @f: (out): B × n, f(t, x_r, u_r, p) per row
 * @tape: (out) (nullable): currents_field_get_tape_size() doubles for
 *   currents_field_vjp_batch(); %NULL when not wanted or the field keeps no tapes
 */
void
currents_field_eval_batch (CurrentsFieldWorkspace *ws,
                           gsize                   n_rows,
                           double                  t,
                           const double           *x,
                           const double           *u,
                           const double           *p,
                           double                 *f,
                           double                 *tape)
{
  const CurrentsField *field = ws->field;

  if (field->vtable->eval_batch != NULL)
    {
      field->vtable->eval_batch (field->impl, ws->impl_ws, n_rows, t, x, u, p, f, tape);
      return;
    }
  for (gsize r = 0; r < n_rows; r++)
    field->vtable->eval (field->impl, ws->impl_ws, t, x + r * field->n_states,
                         u != NULL ? u + r * field->n_inputs : NULL, p,
                         f + r * field->n_states);
}

/**
 * currents_field_vjp_batch:
 * @ws: a workspace of the field
 * @n_rows: B
 * @t: time
 * @x: B × n states
 * @u: (nullable): B × m inputs
 * @p: parameters
 * @w: B × n, the row vectors wᵀ
 * @tape: (nullable): the tape of currents_field_eval_batch() at the same arguments, or
 *   %NULL to recompute what it holds
 * @f: (out) (nullable): B × n, f per row
 * @gx: (inout) (nullable): B × n; gx_r += w_rᵀ ∂f/∂x(x_r)
 * @gp: (inout) (nullable): k; gp += Σ_r w_rᵀ ∂f/∂p(x_r)
 */
void
currents_field_vjp_batch (CurrentsFieldWorkspace *ws,
                          gsize                   n_rows,
                          double                  t,
                          const double           *x,
                          const double           *u,
                          const double           *p,
                          const double           *w,
                          const double           *tape,
                          double                 *f,
                          double                 *gx,
                          double                 *gp)
{
  const CurrentsField *field = ws->field;
  const gsize n = field->n_states;

  if (field->vtable->vjp_batch != NULL)
    {
      field->vtable->vjp_batch (field->impl, ws->impl_ws, n_rows, t, x, u, p, w, tape, f, gx,
                                gp);
      return;
    }
  for (gsize r = 0; r < n_rows; r++)
    field->vtable->vjp (field->impl, ws->impl_ws, t, x + r * n,
                        u != NULL ? u + r * field->n_inputs : NULL, p, w + r * n,
                        f != NULL ? f + r * n : NULL, gx != NULL ? gx + r * n : NULL, gp);
}

gpointer
_currents_field_workspace_get_impl_ws (CurrentsFieldWorkspace *ws)
{
  return ws->impl_ws;
}

gboolean
currents_field_has_hvp (const CurrentsField *field)
{
  return field->vtable->hvp != NULL;
}

gboolean
currents_field_hvp (CurrentsFieldWorkspace *ws,
                    double                  t,
                    const double           *x,
                    const double           *u,
                    const double           *p,
                    const double           *v,
                    const double           *w,
                    double                 *out)
{
  if (ws->field->vtable->hvp == NULL)
    return FALSE;
  ws->field->vtable->hvp (ws->field->impl, ws->impl_ws, t, x, u, p, v, w, out);
  return TRUE;
}
