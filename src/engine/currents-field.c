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
