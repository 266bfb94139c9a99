/* test-field.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The vector-field interface: dimensions, reference counting, per-thread workspaces,
 * and that a hand-written implementation is driven exactly as the model's is.
 */
#include "config.h"

#include <math.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"

/* f(x, u, p) = (p0 x1 + u0, −x0³): a 2-state field with one input and one parameter. */
typedef struct
{
  int *freed;
  int  workspaces;
} Impl;

static gpointer
impl_ws_new (gconstpointer impl)
{
  ((Impl *) impl)->workspaces++;
  return g_new0 (double, 4);
}

static void
impl_ws_free (gpointer ws)
{
  g_free (ws);
}

static void
impl_eval (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
           const double *p, double *f)
{
  f[0] = p[0] * x[1] + u[0];
  f[1] = -x[0] * x[0] * x[0];
}

static void
impl_jacobian (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
               const double *p, double *f, double *jx, double *jp)
{
  if (f != NULL)
    impl_eval (impl, ws, t, x, u, p, f);
  jx[0] = 0;
  jx[1] = p[0];
  jx[2] = -3 * x[0] * x[0];
  jx[3] = 0;
  if (jp != NULL)
    {
      jp[0] = x[1];
      jp[1] = 0;
    }
}

static void
impl_vjp (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
          const double *p, const double *w, double *f, double *gx, double *gp)
{
  if (f != NULL)
    impl_eval (impl, ws, t, x, u, p, f);
  if (gx != NULL)
    {
      gx[0] += -3 * x[0] * x[0] * w[1];
      gx[1] += p[0] * w[0];
    }
  if (gp != NULL)
    gp[0] += x[1] * w[0];
}

static void
impl_free (gpointer data)
{
  Impl *impl = data;
  (*impl->freed)++;
  g_free (impl);
}

static const CurrentsFieldVTable vtable = {
  .workspace_new = impl_ws_new,
  .workspace_free = impl_ws_free,
  .eval = impl_eval,
  .jacobian = impl_jacobian,
  .vjp = impl_vjp,
  .impl_free = impl_free,
};

static void
test_lifecycle (void)
{
  int freed = 0;
  Impl *impl = g_new0 (Impl, 1);
  CurrentsField *field;
  CurrentsFieldWorkspace *ws;

  impl->freed = &freed;
  field = currents_field_new (&vtable, impl, 2, 1, 1, TRUE);
  g_assert_cmpuint (currents_field_get_n_states (field), ==, 2);
  g_assert_cmpuint (currents_field_get_n_inputs (field), ==, 1);
  g_assert_cmpuint (currents_field_get_n_params (field), ==, 1);
  g_assert_true (currents_field_is_autonomous (field));
  g_assert_true (currents_field_get_impl (field) == impl);
  ws = currents_field_workspace_new (field);
  g_assert_cmpint (impl->workspaces, ==, 1);
  /* the workspace keeps the field alive */
  currents_field_unref (field);
  g_assert_cmpint (freed, ==, 0);
  g_assert_true (currents_field_workspace_get_field (ws) == field);
  currents_field_workspace_free (ws);
  g_assert_cmpint (freed, ==, 1);
}

static void
test_dispatch (void)
{
  int freed = 0;
  Impl *impl = g_new0 (Impl, 1);
  g_autoptr(CurrentsField) field = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  double x[2] = { 1.5, -0.25 }, u[1] = { 2.385 }, p[1] = { 3.0 }, f[2], J[4], Jp[2];
  double w[2] = { 0.5, 2.0 }, gx[2] = { 1, 1 }, gp[1] = { 0 };

  impl->freed = &freed;
  field = currents_field_new (&vtable, impl, 2, 1, 1, TRUE);
  ws = currents_field_workspace_new (field);
  currents_field_eval (ws, 0, x, u, p, f);
  g_assert_cmpfloat (f[0], ==, 3.0 * -0.25 + 2.385);
  g_assert_cmpfloat (f[1], ==, -3.375);
  currents_field_jacobian (ws, 0, x, u, p, NULL, J, Jp);
  g_assert_cmpfloat (J[2], ==, -6.75);
  g_assert_cmpfloat (Jp[0], ==, -0.25);
  currents_field_vjp (ws, 0, x, u, p, w, NULL, gx, gp);
  g_assert_cmpfloat (gx[0], ==, 1 - 6.75 * 2.0);
  g_assert_cmpfloat (gx[1], ==, 1 + 1.5);
  g_assert_cmpfloat (gp[0], ==, -0.125);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/field/lifecycle", test_lifecycle);
  g_test_add_func ("/engine/field/dispatch", test_dispatch);
  return g_test_run ();
}
