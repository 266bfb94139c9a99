/* test-knockout.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Knockouts against steady states solved by hand:
 *   cascade      x' = a − x,  y' = b x³/(K³ + x³) − y,  z' = c/(1 + y²) − z
 *                reference (a, y*, c/(1 + y*²)), y* = b a³/(K³ + a³);
 *                KO x → (0, 0, c),  KO y → (a, 0, c),  KO z → (a, y*, 0);
 *   toggle       reference ((3 + √5)/2, (3 − √5)/2); KO u → (0, 3), KO v → (3, 0);
 *   repressilator (oscillating): reference the unstable s⁴ + s − 10 = 0 point;
 *                KO x → (0, 10, 10/1001) and its rotations;
 *   trained      f(x) = A x + c (a Neural ODE with identity activations): KO p → q = −c₂/A₂₂,
 *                flagged extrapolated when 0 lies outside p's training range.
 * Also: the wrapper field's exact Jacobian, VJP and x^n at 0; errors; cancellation.
 */
#define G_LOG_DOMAIN "test-knockout"

#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"

/* The toggle switch with a1 = a2 = 3, whose equilibria have closed forms (the example
 * itself is asymmetric, for its hysteresis loop); relative to data/examples. */
#define SYMMETRIC_TOGGLE "../../tests/data/toggle-symmetric.ode"

static const char cascade_src[] =
  "par a=2.385, b=3, K=1.5, c=2\n"
  "x' = a - x\n"
  "y' = b*x^3/(K^3 + x^3) - y\n"
  "z' = c/(1 + y^2) - z\n"
  "init x=0.5, y=0.5, z=0.5\n";

static CurrentsModel *
model_from (const char *source)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *m = currents_model_new_from_string (source, "test.ode", &error);

  g_assert_no_error (error);
  return m;
}

static char *
example (const char *name)
{
  const char *dir = g_getenv ("CURRENTS_DATA_DIR");

  return g_build_filename (dir != NULL ? dir : CURRENTS_SOURCE_DIR "/data", "examples",
                           name, NULL);
}

static CurrentsSteadyState *
reference_of (const CurrentsModel           *m,
              const CurrentsKnockoutOptions *o)
{
  g_autoptr(GError) error = NULL;
  CurrentsSteadyState *ref =
    currents_knockout_steady_state (currents_model_get_field (m), currents_model_get_params (m),
                                    currents_model_get_input_defaults (m),
                                    currents_model_get_initial (m), NULL, 0, o, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (ref);
  return ref;
}

static GPtrArray *
all_knockouts (const CurrentsModel           *m,
               const CurrentsSteadyState     *ref,
               const CurrentsKnockoutOptions *o)
{
  g_autoptr(GError) error = NULL;
  gsize n = currents_model_get_n_states (m);
  g_autofree gsize *genes = g_new (gsize, n);
  GPtrArray *kos;

  for (gsize i = 0; i < n; i++)
    genes[i] = i;
  kos = currents_knockout_run (currents_model_get_field (m), currents_model_get_params (m),
                               currents_model_get_input_defaults (m), ref, genes, n, o, NULL,
                               &error);
  g_assert_no_error (error);
  g_assert_cmpuint (kos->len, ==, n);
  return kos;
}

static const CurrentsKnockout *
ko_of (GPtrArray *kos,
       gsize      gene)
{
  for (guint k = 0; k < kos->len; k++)
    if (((CurrentsKnockout *) g_ptr_array_index (kos, k))->gene == gene)
      return g_ptr_array_index (kos, k);
  g_assert_not_reached ();
  return NULL;
}

static double
dist (const double *a,
      const double *b,
      gsize         n)
{
  double s = 0;

  for (gsize i = 0; i < n; i++)
    s += (a[i] - b[i]) * (a[i] - b[i]);
  return sqrt (s);
}

static void
assert_sorted (GPtrArray *kos)
{
  for (guint k = 1; k < kos->len; k++)
    {
      const CurrentsKnockout *a = g_ptr_array_index (kos, k - 1);
      const CurrentsKnockout *b = g_ptr_array_index (kos, k);

      if (!isnan (b->shift))
        g_assert_cmpfloat (a->shift, >=, b->shift);
    }
}

static void
test_cascade (void)
{
  g_autoptr(CurrentsModel) m = model_from (cascade_src);
  const double a = 2.385, b = 3, K = 1.5, c = 2;
  double ys = b * a * a * a / (K * K * K + a * a * a), zs = c / (1 + ys * ys);
  const double ref_x[] = { a, ys, zs };
  const double want[3][3] = { { 0, 0, c }, { a, 0, c }, { a, ys, 0 } };
  g_autoptr(CurrentsSteadyState) ref = reference_of (m, NULL);
  g_autoptr(GPtrArray) kos = all_knockouts (m, ref, NULL);

  g_assert_true (ref->steady);
  g_assert_true (ref->settled);
  g_assert_true (ref->stable);
  g_assert_cmpfloat (ref->residual, <=, 1e-12);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (ref->state[i], ref_x[i], 1e-13);
  /* lower triangular: eigenvalues −1 three times */
  g_assert_nonnull (ref->linear);
  g_assert_cmpuint (ref->linear->n, ==, 3);
  g_assert_cmpfloat_with_epsilon (ref->linear->eig_re[0], -1.0, 1e-7);

  assert_sorted (kos);
  for (gsize g = 0; g < 3; g++)
    {
      const CurrentsKnockout *ko = ko_of (kos, g);
      const CurrentsSteadyState *r = ko->result;

      g_assert_true (r->steady);
      g_assert_true (r->settled);
      g_assert_true (r->stable);
      g_assert_false (ko->extrapolated);
      g_assert_cmpfloat (r->state[g], ==, 0.0);
      g_assert_cmpfloat (r->residual, <=, 1e-12);
      g_assert_nonnull (r->linear);
      g_assert_cmpuint (r->linear->n, ==, 2);   /* the free states */
      g_assert_true (r->linear->stable);
      for (int i = 0; i < 3; i++)
        g_assert_cmpfloat_with_epsilon (r->state[i], want[g][i], 1e-13);
      g_assert_cmpfloat_with_epsilon (ko->shift, dist (want[g], ref_x, 3), 1e-13);
    }
  /* KO x moves every state most */
  g_assert_cmpuint (((CurrentsKnockout *) g_ptr_array_index (kos, 0))->gene, ==, 0);
}

static void
test_toggle (void)
{
  g_autofree char *path = example (SYMMETRIC_TOGGLE);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) m = currents_model_new_from_file (path, &error);
  double hi = (3 + sqrt (5.0)) / 2, lo = (3 - sqrt (5.0)) / 2;
  const double ref_x[] = { hi, lo }, ko_u[] = { 0, 3 }, ko_v[] = { 3, 0 };
  g_autoptr(CurrentsSteadyState) ref = NULL;
  g_autoptr(GPtrArray) kos = NULL;
  const CurrentsKnockout *ku, *kv;

  g_assert_no_error (error);
  ref = reference_of (m, NULL);   /* from init u = 2.5, v = 0.2 */
  g_assert_true (ref->steady && ref->stable);
  g_assert_cmpfloat_with_epsilon (ref->state[0], hi, 1e-13);
  g_assert_cmpfloat_with_epsilon (ref->state[1], lo, 1e-13);
  g_assert_cmpint (ref->linear->type, ==, CURRENTS_EQUILIBRIUM_STABLE_NODE);
  kos = all_knockouts (m, ref, NULL);
  ku = ko_of (kos, 0);
  kv = ko_of (kos, 1);
  g_assert_cmpfloat (ku->result->state[0], ==, 0.0);
  g_assert_cmpfloat_with_epsilon (ku->result->state[1], 3.0, 1e-13);
  g_assert_cmpfloat (kv->result->state[1], ==, 0.0);
  g_assert_cmpfloat_with_epsilon (kv->result->state[0], 3.0, 1e-13);
  g_assert_cmpfloat_with_epsilon (ku->shift, dist (ko_u, ref_x, 2), 1e-13);
  g_assert_cmpfloat_with_epsilon (kv->shift, dist (ko_v, ref_x, 2), 1e-13);
  /* knocking out the high repressor flips the switch: the larger shift */
  g_assert_true (g_ptr_array_index (kos, 0) == ku);
  g_assert_cmpfloat (ku->shift, >, kv->shift);
  /* the free state decays at rate 1 */
  g_assert_cmpfloat_with_epsilon (ku->result->linear->eig_re[0], -1.0, 1e-13);
  g_assert_cmpint (ku->result->linear->type, ==, CURRENTS_EQUILIBRIUM_STABLE_NODE);
}

static void
test_repressilator (void)
{
  g_autofree char *path = example ("repressilator.ode");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) m = currents_model_new_from_file (path, &error);
  CurrentsKnockoutOptions o;
  g_autoptr(CurrentsSteadyState) ref = NULL;
  g_autoptr(GPtrArray) kos = NULL;
  double s = 1.7, lo_s = 10.0 / 1001.0;

  g_assert_no_error (error);
  /* s⁴ + s − 10 = 0 by Newton */
  for (int k = 0; k < 60; k++)
    s -= (s * s * s * s + s - 10) / (4 * s * s * s + 1);
  currents_knockout_options_init (&o);
  o.t_max = 200;
  ref = reference_of (m, &o);
  /* the wild type oscillates: no rest, but Newton finds the unstable equilibrium */
  g_assert_false (ref->settled);
  g_assert_true (ref->steady);
  g_assert_false (ref->stable);
  g_assert_nonnull (ref->message);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (ref->state[i], s, 1e-12);
  kos = all_knockouts (m, ref, &o);
  for (gsize g = 0; g < 3; g++)
    {
      const CurrentsKnockout *ko = ko_of (kos, g);
      double want[3];

      want[g] = 0;
      want[(g + 1) % 3] = 10;
      want[(g + 2) % 3] = lo_s;
      g_assert_true (ko->result->steady && ko->result->settled && ko->result->stable);
      for (int i = 0; i < 3; i++)
        g_assert_cmpfloat_with_epsilon (ko->result->state[i], want[i], 1e-12);
      g_assert_cmpfloat_with_epsilon (ko->shift, dist (want, ref->state, 3), 1e-12);
    }
  /* equal shifts by symmetry: ties keep the genes' order */
  for (gsize g = 0; g < 3; g++)
    g_assert_cmpuint (((CurrentsKnockout *) g_ptr_array_index (kos, g))->gene, ==, g);
}

static void
test_no_steady_state (void)
{
  /* KO y leaves x' = 1: x grows forever; no steady state, shift NaN, ranked last */
  g_autoptr(CurrentsModel) m = model_from ("x' = 1 - y*x\ny' = 2 - y\ninit x=0.3, y=2\n");
  CurrentsKnockoutOptions o;
  g_autoptr(CurrentsSteadyState) ref = NULL;
  g_autoptr(GPtrArray) kos = NULL;
  const CurrentsKnockout *last, *first;

  currents_knockout_options_init (&o);
  o.t_max = 50;
  ref = reference_of (m, &o);
  g_assert_true (ref->steady);
  g_assert_cmpfloat_with_epsilon (ref->state[0], 0.5, 1e-14);
  kos = all_knockouts (m, ref, &o);
  first = g_ptr_array_index (kos, 0);
  last = g_ptr_array_index (kos, 1);
  g_assert_cmpuint (first->gene, ==, 0);
  g_assert_true (first->result->steady);
  g_assert_cmpfloat_with_epsilon (first->shift, 0.5, 1e-14);
  g_assert_cmpuint (last->gene, ==, 1);
  g_assert_false (last->result->steady);
  g_assert_false (last->result->settled);
  g_assert_true (isnan (last->shift));
  g_assert_nonnull (last->result->message);
  g_assert_cmpfloat (last->result->t_reached, ==, 50.0);
}

/* The wrapper: f̃ = P f(P x), ∂f̃/∂x = P J(P x) P, wᵀ∂f̃/∂x, and x^n at 0 stays finite. */
static void
test_field (void)
{
  g_autoptr(CurrentsModel) m =
    model_from ("par n=3, h=2\n"
                "x' = -x + y^n + y^h + y^3 + y^1 + y^0 + 2.385*z\n"
                "y' = x*y - y + x^2\n"
                "z' = -z + x^2/(1 + x^2) + sin(y)\n");
  CurrentsField *base = currents_model_get_field (m);
  const double *p = currents_model_get_params (m);
  const gsize y = 1;
  g_autoptr(CurrentsField) ko = currents_knockout_field_new (base, &y, 1);
  g_autoptr(CurrentsFieldWorkspace) wk = currents_field_workspace_new (ko);
  g_autoptr(CurrentsFieldWorkspace) wb = currents_field_workspace_new (base);
  const double x[] = { 0.7, 1.9, -0.4 }, px[] = { 0.7, 0.0, -0.4 };
  const double w[] = { 0.3, -1.1, 2.0 };
  double f[3], fb[3], J[9], Jb[9], gx[3] = { 0.5, 0.5, 0.5 }, fv[3];

  g_assert_nonnull (ko);
  g_assert_null (currents_knockout_field_new (base, (const gsize[]) { 3 }, 1));
  g_assert_cmpuint (currents_field_get_n_states (ko), ==, 3);
  g_assert_true (currents_field_is_autonomous (ko));

  currents_field_eval (wk, 0, x, NULL, p, f);
  currents_field_jacobian (wb, 0, px, NULL, p, fb, Jb, NULL);
  /* ∂/∂y of y^n, y^h, y^3, y^1, y^0 at y = 0 are 0, 0, 0, 1, 0: finite */
  for (int i = 0; i < 9; i++)
    g_assert_true (isfinite (Jb[i]));
  g_assert_cmpfloat_with_epsilon (Jb[0 * 3 + 1], 1.0, 1e-15);
  g_assert_cmpfloat_with_epsilon (fb[0], -0.7 + 1 + 2.385 * -0.4, 1e-15);
  g_assert_cmpfloat (f[0], ==, fb[0]);
  g_assert_cmpfloat (f[1], ==, 0.0);
  g_assert_cmpfloat (f[2], ==, fb[2]);

  currents_field_jacobian (wk, 0, x, NULL, p, f, J, NULL);
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 3; j++)
      g_assert_cmpfloat (J[i * 3 + j], ==, (i == 1 || j == 1) ? 0.0 : Jb[i * 3 + j]);

  /* gx += wᵀ J̃ */
  currents_field_vjp (wk, 0, x, NULL, p, w, fv, gx, NULL);
  for (int j = 0; j < 3; j++)
    {
      double want = 0.5;
      for (int i = 0; i < 3; i++)
        want += w[i] * J[i * 3 + j];
      g_assert_cmpfloat_with_epsilon (gx[j], want, 1e-14);
      g_assert_cmpfloat (fv[j], ==, f[j]);
    }

  /* the trajectory keeps y at 0 */
  {
    CurrentsSimOptions so;
    g_autoptr(CurrentsSimulator) sim = NULL;
    g_autoptr(CurrentsInputSignal) sig = currents_input_signal_new_constant (0, NULL);
    g_autoptr(GError) error = NULL;
    double t1 = 3.0, out[3];

    currents_sim_options_init (&so);
    sim = currents_simulator_new (ko, &so);
    g_assert_true (currents_simulator_run (sim, px, p, sig, 0.0, &t1, 1, out, NULL, NULL,
                                           &error));
    g_assert_no_error (error);
    g_assert_cmpfloat (out[1], ==, 0.0);
  }
}

/* A trained model: f(x) = A x + c with identity activations; ranges set as training
 * would record them. */
static void
test_trained (void)
{
  const char *states[] = { "p", "q", NULL };
  const double zero[] = { 0, 0 }, one[] = { 1, 1 };
  const double A[] = { -2.385, 0.5, 0.25, -1.5 }, cv[] = { 1.2, 0.7 };
  const double x_min[] = { 0.3, -1.0 }, x_max[] = { 2.0, 1.0 };
  double xmin[2], xmax[2], umin[1], umax[1];
  CurrentsNeuralSpec spec;
  CurrentsNeuralScaling sc = { zero, one, NULL, NULL, NULL, NULL, 1.0 };
  g_autoptr(GError) error = NULL;
  CurrentsNeuralModel *nm;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  double theta[12] = { 1, 0, 0, 1, 0, 0, A[0], A[1], A[2], A[3], cv[0], cv[1] };
  CurrentsKnockoutOptions o;
  const double x0[] = { 1.0, 0.5 };
  const gsize genes[] = { 0, 1 };
  g_autoptr(CurrentsSteadyState) ref = NULL;
  g_autoptr(GPtrArray) kos = NULL;
  CurrentsField *field;
  const double *theta_tm;
  double det = A[0] * A[3] - A[1] * A[2];
  double ps = -(A[3] * cv[0] - A[1] * cv[1]) / det;
  double qs = -(-A[2] * cv[0] + A[0] * cv[1]) / det;
  const CurrentsKnockout *kp, *kq;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 2;
  spec.activation = CURRENTS_ACTIVATION_IDENTITY;
  nm = currents_neural_model_new_full (states, NULL, &spec, &sc, &error);
  g_assert_no_error (error);
  tm = currents_trained_model_new_neural (nm, theta);
  currents_trained_model_set_ranges (tm, x_min, x_max, NULL, NULL);
  g_assert_true (currents_trained_model_get_ranges (tm, xmin, xmax, umin, umax));
  field = currents_trained_model_get_field (tm);
  theta_tm = currents_trained_model_get_params (tm);

  currents_knockout_options_init (&o);
  o.x_min = xmin;
  o.x_max = xmax;
  ref = currents_knockout_steady_state (field, theta_tm, NULL, x0, NULL, 0, &o, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ref->steady && ref->stable);
  g_assert_cmpfloat_with_epsilon (ref->state[0], ps, 1e-14);
  g_assert_cmpfloat_with_epsilon (ref->state[1], qs, 1e-14);
  kos = currents_knockout_run (field, theta_tm, NULL, ref, genes, 2, &o, NULL, &error);
  g_assert_no_error (error);
  kp = ko_of (kos, 0);
  kq = ko_of (kos, 1);
  g_assert_true (kp->extrapolated);    /* 0 < 0.3: outside p's data */
  g_assert_false (kq->extrapolated);   /* 0 ∈ [−1, 1] */
  g_assert_cmpfloat (kp->result->state[0], ==, 0.0);
  g_assert_cmpfloat_with_epsilon (kp->result->state[1], -cv[1] / A[3], 1e-14);
  g_assert_cmpfloat_with_epsilon (kq->result->state[0], -cv[0] / A[0], 1e-14);
  g_assert_cmpfloat (kq->result->state[1], ==, 0.0);
  g_assert_cmpfloat_with_epsilon (kp->result->linear->eig_re[0], A[3], 1e-14);
  g_assert_cmpfloat_with_epsilon (kq->result->linear->eig_re[0], A[0], 1e-14);
  g_assert_cmpfloat_with_epsilon (kp->shift, hypot (ps, -cv[1] / A[3] - qs), 1e-14);
}

static void
test_errors (void)
{
  g_autoptr(CurrentsModel) m = model_from (cascade_src);
  CurrentsField *field = currents_model_get_field (m);
  const double *p = currents_model_get_params (m);
  const double bad[] = { 1, NAN, 0 };
  const gsize out_of_range = 3;
  g_autoptr(GError) error = NULL;
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(CurrentsSteadyState) ref = reference_of (m, NULL);
  CurrentsSteadyState small = { 2, ref->state, TRUE, TRUE, TRUE, 0, 0, NULL, NULL };
  const gsize zero = 0;

  g_assert_null (currents_knockout_steady_state (field, p, NULL, bad, NULL, 0, NULL, NULL,
                                                 &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE);
  g_clear_error (&error);
  g_assert_null (currents_knockout_steady_state (field, p, NULL, ref->state, &out_of_range, 1,
                                                 NULL, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_knockout_run (field, p, NULL, ref, &out_of_range, 1, NULL, NULL,
                                        &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_knockout_run (field, p, NULL, &small, &zero, 1, NULL, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  g_cancellable_cancel (cancel);
  g_assert_null (currents_knockout_run (field, p, NULL, ref, &zero, 1, NULL, cancel, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
  g_clear_error (&error);
  {
    const double far[] = { 9, 9, 9 };
    g_assert_null (currents_knockout_steady_state (field, p, NULL, far, NULL, 0, NULL, cancel,
                                                   &error));
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
  }
}

static void
test_double_knockout (void)
{
  /* holding x and z: y → b·0 = 0; every state 0 */
  g_autoptr(CurrentsModel) m = model_from (cascade_src);
  g_autoptr(GError) error = NULL;
  const gsize genes[] = { 0, 2 }, all[] = { 0, 1, 2 };
  g_autoptr(CurrentsSteadyState) ss =
    currents_knockout_steady_state (currents_model_get_field (m), currents_model_get_params (m),
                                    NULL, currents_model_get_initial (m), genes, 2, NULL, NULL,
                                    &error);
  g_autoptr(CurrentsSteadyState) none =
    currents_knockout_steady_state (currents_model_get_field (m), currents_model_get_params (m),
                                    NULL, currents_model_get_initial (m), all, 3, NULL, NULL,
                                    &error);

  g_assert_no_error (error);
  g_assert_true (ss->steady && ss->stable);
  g_assert_cmpfloat (fabs (ss->state[1]), <=, 1e-14);
  g_assert_cmpuint (ss->linear->n, ==, 1);
  g_assert_cmpfloat_with_epsilon (ss->linear->eig_re[0], -1.0, 1e-14);
  g_assert_true (none->steady);
  g_assert_null (none->linear);
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat (none->state[i], ==, 0.0);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/knockout/cascade", test_cascade);
  g_test_add_func ("/engine/knockout/toggle", test_toggle);
  g_test_add_func ("/engine/knockout/repressilator", test_repressilator);
  g_test_add_func ("/engine/knockout/no-steady-state", test_no_steady_state);
  g_test_add_func ("/engine/knockout/field", test_field);
  g_test_add_func ("/engine/knockout/trained-extrapolated", test_trained);
  g_test_add_func ("/engine/knockout/double", test_double_knockout);
  g_test_add_func ("/engine/knockout/errors", test_errors);
  return g_test_run ();
}
