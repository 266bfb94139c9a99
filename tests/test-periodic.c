/* test-periodic.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Periodic orbits against analytic answers:
 *
 *   Hopf normal form  x' = μx − ωy − x(x² + y²),  y' = ωx + μy − y(x² + y²)
 *     μ > 0: the circle r = √μ, T = 2π/ω, multipliers 1 and e^{−2μT}
 *     (with z' = −κz added: a third multiplier e^{−κT})
 *   Van der Pol, μ = 1: T = 6.6632868593…, and the non-trivial multiplier equals
 *     exp ∫₀ᵀ div f dt = exp ∫₀ᵀ μ(1 − x²) dt (Liouville), integrated independently
 *   continuation from the Hopf point of the normal form: r = √λ along the family
 *
 * and every error path.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib.h>
#include <gsl/gsl_errno.h>

#include "currents-engine.h"
#include "currents-periodic.h"

static const char *normal_form_src =
  "par mu=0.3, w=1.7\n"
  "x' = mu*x - w*y - x*(x^2+y^2)\n"
  "y' = w*x + mu*y - y*(x^2+y^2)\n";

static const char *normal_form_3d_src =
  "par mu=0.3, w=1.7, kappa=0.45\n"
  "x' = mu*x - w*y - x*(x^2+y^2)\n"
  "y' = w*x + mu*y - y*(x^2+y^2)\n"
  "z' = -kappa*z\n";

static const char *normal_form_input_src =
  "input mu=0\n"
  "par w=1.7\n"
  "x' = mu*x - w*y - x*(x^2+y^2)\n"
  "y' = w*x + mu*y - y*(x^2+y^2)\n";

static const char *vanderpol_src =
  "par mu=1\n"
  "x' = y\n"
  "y' = mu*(1 - x^2)*y - x\n";

/* VdP with the divergence integrated alongside: d' = μ(1 − x²) */
static const char *vanderpol_div_src =
  "par mu=1\n"
  "x' = y\n"
  "y' = mu*(1 - x^2)*y - x\n"
  "d' = mu*(1 - x^2)\n";

static CurrentsModel *
load (const char *src)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *m = currents_model_new_from_string (src, "test.ode", &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static void
test_normal_form_solve (void)
{
  g_autoptr(CurrentsModel) m = load (normal_form_src);
  g_autoptr(CurrentsPeriodicOrbit) orbit = currents_periodic_orbit_new (2);
  g_autoptr(GError) error = NULL;
  const double mu = 0.3, w = 1.7, T = 2 * G_PI / w;
  double guess[2] = { 0.5, 0.1 };
  gboolean ok;

  ok = currents_periodic_orbit_solve (currents_model_get_field (m), currents_model_get_params (m),
                                      NULL, guess, 3.4, orbit, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (ok);
  g_assert_cmpfloat_with_epsilon (hypot (orbit->x0[0], orbit->x0[1]), sqrt (mu), 1e-9);
  g_assert_cmpfloat_with_epsilon (orbit->period, T, 1e-9);
  for (int i = 0; i < 2; i++)
    {
      g_assert_cmpfloat_with_epsilon (orbit->max[i], sqrt (mu), 1e-9);
      g_assert_cmpfloat_with_epsilon (orbit->min[i], -sqrt (mu), 1e-9);
    }
  g_assert_cmpfloat_with_epsilon (orbit->mult_re[0], 1.0, 1e-8);
  g_assert_cmpfloat_with_epsilon (orbit->mult_re[1], exp (-2 * mu * T), 1e-8);
  g_assert_cmpfloat (fabs (orbit->mult_im[0]) + fabs (orbit->mult_im[1]), <, 1e-12);
  g_assert_true (orbit->stable);
  g_assert_true (isnan (orbit->param));
}

static void
test_normal_form_3d (void)
{
  g_autoptr(CurrentsModel) m = load (normal_form_3d_src);
  g_autoptr(CurrentsPeriodicOrbit) orbit = currents_periodic_orbit_new (3);
  g_autoptr(GError) error = NULL;
  const double mu = 0.3, w = 1.7, kappa = 0.45, T = 2 * G_PI / w;
  double guess[3] = { -0.3, 0.4, 0.2 };

  g_assert_true (currents_periodic_orbit_solve (currents_model_get_field (m),
                                                currents_model_get_params (m), NULL, guess,
                                                4.0, orbit, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat_with_epsilon (orbit->period, T, 1e-9);
  g_assert_cmpfloat_with_epsilon (orbit->x0[2], 0.0, 1e-10);
  /* sorted by decreasing modulus: 1, e^{−κT}, e^{−2μT} */
  g_assert_cmpfloat_with_epsilon (orbit->mult_re[0], 1.0, 1e-8);
  g_assert_cmpfloat_with_epsilon (orbit->mult_re[1], exp (-kappa * T), 1e-8);
  g_assert_cmpfloat_with_epsilon (orbit->mult_re[2], exp (-2 * mu * T), 1e-8);
  g_assert_true (orbit->stable);
}

static void
test_vanderpol (void)
{
  g_autoptr(CurrentsModel) m = load (vanderpol_src);
  g_autoptr(CurrentsModel) md = load (vanderpol_div_src);
  g_autoptr(CurrentsPeriodicOrbit) orbit = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSimulator) sim = NULL;
  CurrentsSimOptions so;
  double x0[2] = { 2.385, 0.0 };
  double xd[3], out[3], mult;
  gint64 start = g_get_monotonic_time ();

  orbit = currents_periodic_orbit_find_stable (currents_model_get_field (m),
                                               currents_model_get_params (m), NULL, x0, 200.0,
                                               NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (orbit);
  g_test_message ("Van der Pol: T = %.12f, multipliers %.12g, %.3g (%.1f ms)", orbit->period,
                  orbit->mult_re[0], orbit->mult_re[1],
                  (g_get_monotonic_time () - start) / 1000.0);
  g_assert_cmpfloat_with_epsilon (orbit->period, 6.6632868593, 2e-10);
  g_assert_true (orbit->stable);
  g_assert_cmpfloat_with_epsilon (orbit->mult_re[0], 1.0, 1e-7);
  g_assert_cmpfloat (fabs (orbit->mult_re[1]), <, 1.0);
  /* the amplitude of the VdP cycle at μ = 1: max x = 2.00861986 */
  g_assert_cmpfloat_with_epsilon (orbit->max[0], 2.00861986, 1e-7);
  g_assert_cmpfloat_with_epsilon (orbit->min[0], -2.00861986, 1e-7);

  /* Liouville: the product of the multipliers is exp ∫ div f */
  currents_sim_options_init (&so);
  so.method = CURRENTS_METHOD_RK8PD;
  so.rtol = 1e-12;
  so.atol = 1e-14;
  sim = currents_simulator_new (currents_model_get_field (md), &so);
  xd[0] = orbit->x0[0];
  xd[1] = orbit->x0[1];
  xd[2] = 0.0;
  g_assert_true (currents_simulator_run (sim, xd, currents_model_get_params (md), NULL, 0.0,
                                         &orbit->period, 1, out, NULL, NULL, &error));
  g_assert_no_error (error);
  mult = exp (out[2]);
  g_test_message ("exp ∫div = %.12g", mult);
  g_assert_cmpfloat (fabs (orbit->mult_re[1] - mult), <, 1e-6 * mult + 1e-9);
}

static void
test_find_stable_equilibrium (void)
{
  g_autoptr(CurrentsModel) m = load (normal_form_src);
  g_autoptr(CurrentsPeriodicOrbit) orbit = NULL;
  g_autoptr(GError) error = NULL;
  double p[2] = { -0.4, 1.7 };
  double x0[2] = { 1.2, -0.7 };

  orbit = currents_periodic_orbit_find_stable (currents_model_get_field (m), p, NULL, x0,
                                               300.0, NULL, &error);
  g_assert_no_error (error);
  g_assert_null (orbit);

  /* the normal form at μ > 0 from inside and outside the circle */
  p[0] = 0.3;
  for (int k = 0; k < 2; k++)
    {
      double start[2] = { k == 0 ? 0.05 : 2.0, 0.01 };
      g_autoptr(CurrentsPeriodicOrbit) o =
        currents_periodic_orbit_find_stable (currents_model_get_field (m), p, NULL, start,
                                             100.0, NULL, &error);
      g_assert_no_error (error);
      g_assert_nonnull (o);
      g_assert_cmpfloat_with_epsilon (hypot (o->x0[0], o->x0[1]), sqrt (0.3), 1e-9);
      g_assert_cmpfloat_with_epsilon (o->period, 2 * G_PI / 1.7, 1e-9);
    }
}

static void
check_family (GPtrArray *family,
              double     hi)
{
  const double w = 1.7;
  double prev = -1.0;

  g_assert_nonnull (family);
  g_assert_cmpuint (family->len, >=, 5);
  for (guint k = 0; k < family->len; k++)
    {
      CurrentsPeriodicOrbit *o = g_ptr_array_index (family, k);

      g_assert_cmpfloat (o->param, >, prev);
      prev = o->param;
      g_assert_cmpfloat (o->param, >, 0.0);
      g_assert_cmpfloat_with_epsilon (o->period, 2 * G_PI / w, 1e-8);
      g_assert_cmpfloat_with_epsilon (o->max[0], sqrt (o->param), 1e-7);
      g_assert_cmpfloat_with_epsilon (o->min[1], -sqrt (o->param), 1e-7);
      g_assert_cmpfloat_with_epsilon (o->mult_re[1], exp (-2 * o->param * o->period), 1e-7);
      g_assert_true (o->stable);
    }
  g_assert_cmpfloat_with_epsilon (prev, hi, 1e-12);
}

static void
test_continue_from_hopf (void)
{
  g_autoptr(CurrentsModel) m = load (normal_form_src);
  g_autoptr(CurrentsModel) mi = load (normal_form_input_src);
  g_autoptr(GPtrArray) family = NULL, family_u = NULL;
  g_autoptr(GError) error = NULL;
  double p[2] = { 0.0, 1.7 };
  double u[1] = { 0.0 };
  double xh[2] = { 0, 0 };
  /* J = [[0, −ω], [ω, 0]]: eigenvector (1, −i)/√2 for +iω, here rotated by e^{i·0.7} */
  double c = cos (0.7) / sqrt (2), s = sin (0.7) / sqrt (2);
  double vr[2] = { c, s }, vi[2] = { s, -c };
  gint64 start = g_get_monotonic_time ();

  family = currents_periodic_continue_from_hopf (currents_model_get_field (m), p, NULL, 0,
                                                 FALSE, xh, 1.7, vr, vi, -0.2, 0.6, 200,
                                                 NULL, &error);
  g_assert_no_error (error);
  g_test_message ("%u orbits to λ = 0.6 (%.1f ms)", family->len,
                  (g_get_monotonic_time () - start) / 1000.0);
  check_family (family, 0.6);

  /* the same family with μ an input: ∂f/∂u by differences */
  family_u = currents_periodic_continue_from_hopf (currents_model_get_field (mi),
                                                   currents_model_get_params (mi), u, 0, TRUE,
                                                   xh, 1.7, vr, vi, -1.0, 0.35, 200, NULL,
                                                   &error);
  g_assert_no_error (error);
  check_family (family_u, 0.35);

  /* max_points */
  g_clear_pointer (&family, g_ptr_array_unref);
  family = currents_periodic_continue_from_hopf (currents_model_get_field (m), p, NULL, 0,
                                                 FALSE, xh, 1.7, vr, vi, -0.2, 0.6, 3, NULL,
                                                 &error);
  g_assert_no_error (error);
  g_assert_cmpuint (family->len, ==, 3);
}

static void
test_errors (void)
{
  g_autoptr(CurrentsModel) m = load (normal_form_src);
  g_autoptr(CurrentsModel) nonauto = load ("x' = -x + sin(t)\ny' = x\n");
  g_autoptr(CurrentsModel) one = load ("par a=1\nx' = -a*x\n");
  g_autoptr(CurrentsPeriodicOrbit) orbit = currents_periodic_orbit_new (2);
  g_autoptr(GCancellable) cancel = g_cancellable_new ();
  g_autoptr(GPtrArray) fam = NULL;
  CurrentsField *field = currents_model_get_field (m);
  const double *p = currents_model_get_params (m);
  double x[2] = { 0.5, 0.1 }, zero[2] = { 0, 0 }, vr[2] = { 1, 0 }, vi[2] = { 0, -1 };
  double pz[2] = { 0.0, 1.7 };
  CurrentsPeriodicOrbit *none;
  GError *error = NULL;

  /* non-autonomous */
  g_assert_false (currents_periodic_orbit_solve (currents_model_get_field (nonauto), NULL, NULL,
                                                 x, 1.0, orbit, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "autonomous"));
  g_clear_error (&error);
  none = currents_periodic_orbit_find_stable (currents_model_get_field (nonauto), NULL, NULL, x,
                                              10.0, NULL, &error);
  g_assert_null (none);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* bad period, start at an equilibrium, bad t_max */
  g_assert_false (currents_periodic_orbit_solve (field, p, NULL, x, -2.0, orbit, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_false (currents_periodic_orbit_solve (field, p, NULL, zero, 3.0, orbit, NULL,
                                                 &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (currents_periodic_orbit_find_stable (field, p, NULL, x, NAN, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* no orbit: a 1-D decay has none; Newton reports how far it got */
  {
    g_autoptr(CurrentsPeriodicOrbit) o1 = currents_periodic_orbit_new (1);
    double x1 = 0.7;
    g_assert_false (currents_periodic_orbit_solve (currents_model_get_field (one),
                                                   currents_model_get_params (one), NULL, &x1,
                                                   1.0, o1, NULL, &error));
    g_assert_nonnull (error);
    g_test_message ("1-D: %s", error->message);
    g_assert_true (error->code == CURRENTS_ENGINE_ERROR_NO_CONVERGENCE ||
                   error->code == CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN);
    g_clear_error (&error);
  }

  /* cancellation */
  g_cancellable_cancel (cancel);
  none = currents_periodic_orbit_find_stable (field, p, NULL, x, 1e6, cancel, &error);
  g_assert_null (none);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
  g_clear_error (&error);
  fam = currents_periodic_continue_from_hopf (field, pz, NULL, 0, FALSE, zero, 1.7, vr, vi,
                                              -1, 1, 50, cancel, &error);
  g_assert_null (fam);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
  g_clear_error (&error);

  /* Hopf value outside the range, ω ≤ 0, real eigenvector, bad index */
  fam = currents_periodic_continue_from_hopf (field, pz, NULL, 0, FALSE, zero, 1.7, vr, vi,
                                              0.5, 1, 50, NULL, &error);
  g_assert_null (fam);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  fam = currents_periodic_continue_from_hopf (field, pz, NULL, 0, FALSE, zero, -1.7, vr, vi,
                                              -1, 1, 50, NULL, &error);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  fam = currents_periodic_continue_from_hopf (field, pz, NULL, 0, FALSE, zero, 1.7, vr, zero,
                                              -1, 1, 50, NULL, &error);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  fam = currents_periodic_continue_from_hopf (field, pz, NULL, 7, FALSE, zero, 1.7, vr, vi,
                                              -1, 1, 50, NULL, &error);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/periodic/normal-form", test_normal_form_solve);
  g_test_add_func ("/engine/periodic/normal-form-3d", test_normal_form_3d);
  g_test_add_func ("/engine/periodic/vanderpol", test_vanderpol);
  g_test_add_func ("/engine/periodic/find-stable", test_find_stable_equilibrium);
  g_test_add_func ("/engine/periodic/continue-from-hopf", test_continue_from_hopf);
  g_test_add_func ("/engine/periodic/errors", test_errors);
  return g_test_run ();
}
