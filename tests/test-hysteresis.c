/* test-hysteresis.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bistability and hysteresis against closed forms and against simulation:
 *   cusp-type      x' = r + x − x³        folds at r = ±2/(3√3) (x = ∓1/√3): bistable
 *                                         for |r| < 2/(3√3); sweeping r up, the lower
 *                                         branch folds at +2/(3√3) and jumps to
 *                                         x = 2/√3 (the other root of r + x − x³ there)
 *   linear         x' = p − x             one stable equilibrium everywhere
 *   toggle switch  data/examples/toggle.ode in iptg on 0.01:100 (log). As shipped
 *                  (a1 = a2 = 3) it is bistable from iptg = 0 up to its one fold at
 *                  0.333; with a2 = 2.5 the u-high state needs no inducer and the
 *                  bistable range lies between two folds (0.350, 0.507): the range's
 *                  ends are those folds, and quasi-static sweeps by simulation jump
 *                  between the grid values that bracket them
 */
#include "config.h"

#define G_LOG_DOMAIN "test-hysteresis"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-continuation.h"
#include "currents-engine.h"
#include "currents-hysteresis.h"

static CurrentsSystem *
system_from (const char *src)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (src, "test.ode", &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return currents_system_new_from_model (model);
}

static CurrentsContinuation *
continue_in (CurrentsSystem *sys,
             const char     *param,
             double          lo,
             double          hi,
             gboolean        log_scale)
{
  CurrentsContinuationOptions o;
  g_autoptr(GError) error = NULL;
  CurrentsContinuation *c;

  currents_continuation_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  o.log_scale = log_scale;
  c = currents_continuation_new (sys, param, &o, &error);
  g_assert_no_error (error);
  currents_continuation_run (c, NULL, &error);
  g_assert_no_error (error);
  return c;
}

static int
by_param (gconstpointer a,
          gconstpointer b)
{
  const CurrentsBifurcation *x = *(CurrentsBifurcation *const *) a;
  const CurrentsBifurcation *y = *(CurrentsBifurcation *const *) b;

  return (x->param > y->param) - (x->param < y->param);
}

static void
test_cusp (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par r=0.1\nx' = r + x - x^3\ninit x=1\ndone\n");
  g_autoptr(CurrentsContinuation) c = continue_in (sys, "r", -1.0, 1.0, FALSE);
  const CurrentsContinuationResult *res = currents_continuation_get_result (c);
  g_autoptr(GPtrArray) ranges = currents_hysteresis_find (res, 0);
  g_autoptr(GPtrArray) folds = currents_continuation_result_get_special (res, CURRENTS_BIFURCATION_FOLD);
  g_autofree char *text = NULL;
  g_autofree char *expected = NULL;
  const CurrentsBistableRange *r;
  const double rc = 2.0 / (3.0 * sqrt (3.0));

  g_ptr_array_sort (folds, by_param);
  g_assert_cmpuint (folds->len, ==, 2);
  g_assert_cmpuint (ranges->len, ==, 1);
  r = g_ptr_array_index (ranges, 0);
  g_test_message ("cusp: bistable for %.12g < r < %.12g", r->lo, r->hi);
  g_assert_cmpfloat_with_epsilon (r->lo, -rc, 1e-6);
  g_assert_cmpfloat_with_epsilon (r->hi, rc, 1e-6);
  /* exactly the located folds */
  g_assert_cmpfloat (r->lo, ==, ((CurrentsBifurcation *) g_ptr_array_index (folds, 0))->param);
  g_assert_cmpfloat (r->hi, ==, ((CurrentsBifurcation *) g_ptr_array_index (folds, 1))->param);
  g_assert_cmpuint (r->n_stable, ==, 2);

  /* up: the lower branch folds at x = −1/√3 and lands on x = 2/√3; down: mirrored */
  g_assert_cmpfloat (r->up, ==, r->hi);
  g_assert_cmpfloat (r->down, ==, r->lo);
  g_assert_cmpfloat_with_epsilon (r->up_from, -1.0 / sqrt (3.0), 1e-6);
  g_assert_cmpfloat_with_epsilon (r->up_to, 2.0 / sqrt (3.0), 1e-3);
  g_assert_cmpfloat_with_epsilon (r->down_from, 1.0 / sqrt (3.0), 1e-6);
  g_assert_cmpfloat_with_epsilon (r->down_to, -2.0 / sqrt (3.0), 1e-3);
  g_assert_cmpuint (r->n, ==, 1);
  g_assert_nonnull (r->up_state);
  g_assert_cmpfloat_with_epsilon (r->up_state[0], -1.0 / sqrt (3.0), 1e-6);
  g_assert_cmpfloat_with_epsilon (r->down_state[0], 1.0 / sqrt (3.0), 1e-6);

  /* by the 2-norm the same range */
  {
    g_autoptr(GPtrArray) by_norm = currents_hysteresis_find (res, -1);
    const CurrentsBistableRange *q = g_ptr_array_index (by_norm, 0);

    g_assert_cmpuint (by_norm->len, ==, 1);
    g_assert_cmpfloat (q->lo, ==, r->lo);
    g_assert_cmpfloat_with_epsilon (q->up_from, 1.0 / sqrt (3.0), 1e-6);
  }

  text = currents_hysteresis_describe (ranges, "r");
  expected = g_strdup_printf ("bistable for %.3g < r < %.3g; switching up at %.3g, down at %.3g",
                              -rc, rc, rc, -rc);
  g_assert_cmpstr (text, ==, expected);
  g_assert_cmpstr (text, ==, "bistable for -0.385 < r < 0.385; switching up at 0.385, down at -0.385");
}

static void
test_monostable (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par p=0.37\nx' = p - x\ninit x=0\ndone\n");
  g_autoptr(CurrentsContinuation) c = continue_in (sys, "p", -2.5, 3.5, FALSE);
  const CurrentsContinuationResult *res = currents_continuation_get_result (c);
  g_autoptr(GPtrArray) ranges = currents_hysteresis_find (res, 0);
  g_autofree char *text = currents_hysteresis_describe (ranges, "p");
  g_autofree char *empty = currents_hysteresis_describe (NULL, "p");

  g_assert_cmpuint (res->branches->len, ==, 1);
  g_assert_cmpuint (ranges->len, ==, 0);
  g_assert_cmpstr (text, ==, "monostable over the range");
  g_assert_cmpstr (empty, ==, "monostable over the range");
}

/* A result made by hand: three stable stretches overlapping on (1, 2), two of them on
 * (0.5, 3); the middle stretch's ends are not folds (branch ends), so only the outer
 * ends jump. */
static void
test_three_stretches (void)
{
  CurrentsContinuationResult res = { 0 };
  CurrentsContinuationBranch b[3];
  double pa[4] = { 0.0, 1.0, 2.0, 3.0 }, xa[4] = { 0.0, 0.1, 0.2, 0.3 };
  gboolean sa[4] = { TRUE, TRUE, TRUE, TRUE };
  double pb[3] = { 1.0, 1.5, 2.0 }, xb[3] = { 5.0, 5.0, 5.0 };
  gboolean sb[3] = { TRUE, TRUE, TRUE };
  double pc[5] = { 4.0, 3.0, 0.5, 0.2, 0.0 }, xc[5] = { 9.0, 9.5, 10.0, 10.5, 11.0 };
  gboolean sc[5] = { FALSE, TRUE, TRUE, FALSE, FALSE };
  g_autoptr(GPtrArray) ranges = NULL;
  g_autofree char *text = NULL;
  const CurrentsBistableRange *r;

  memset (b, 0, sizeof b);
  b[0] = (CurrentsContinuationBranch) { CURRENTS_CURVE_EQUILIBRIA, 1, 4, pa, NULL, xa, sa };
  b[1] = (CurrentsContinuationBranch) { CURRENTS_CURVE_EQUILIBRIA, 1, 3, pb, NULL, xb, sb };
  b[2] = (CurrentsContinuationBranch) { CURRENTS_CURVE_EQUILIBRIA, 1, 5, pc, NULL, xc, sc };
  res.branches = g_ptr_array_new ();
  res.special = g_ptr_array_new ();
  for (int i = 0; i < 3; i++)
    g_ptr_array_add (res.branches, &b[i]);

  ranges = currents_hysteresis_find (&res, 0);
  g_assert_cmpuint (ranges->len, ==, 1);
  r = g_ptr_array_index (ranges, 0);
  g_assert_cmpfloat (r->lo, ==, 0.5);
  g_assert_cmpfloat (r->hi, ==, 3.0);
  g_assert_cmpuint (r->n_stable, ==, 3);
  /* at 3 the third branch loses stability (its first point is unstable) and jumps to
   * the first branch, which ends there too: no other stretch covers 3 beyond it */
  g_assert_cmpfloat (r->up, ==, 3.0);
  g_assert_cmpfloat (r->up_from, ==, 9.5);
  g_assert_true (isnan (r->up_to));
  /* at 0.5 it loses stability going down and lands on the first branch at x = 0.05 */
  g_assert_cmpfloat (r->down, ==, 0.5);
  g_assert_cmpfloat (r->down_from, ==, 10.0);
  g_assert_cmpfloat_with_epsilon (r->down_to, 0.05, 1e-12);
  text = currents_hysteresis_describe (ranges, "s");
  g_assert_cmpstr (text, ==, "3 stable states for 0.5 < s < 3; switching up at 3, down at 0.5");

  g_ptr_array_unref (res.branches);
  g_ptr_array_unref (res.special);
}

static void
test_toggle (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples",
                                            "toggle.ode", NULL);
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = currents_system_load (path, &error);
  g_autoptr(CurrentsContinuation) c = NULL;
  g_autoptr(GPtrArray) ranges = NULL;
  g_autoptr(GPtrArray) folds = NULL;
  g_autoptr(CurrentsSweep) up = NULL;
  g_autoptr(CurrentsSweep) down = NULL;
  const CurrentsContinuationResult *res;
  const CurrentsBistableRange *r;
  const gsize n_steps = 41;
  double lo = 0.01, hi = 100.0, x0[2];
  gsize jump_up = 0, jump_down = 0;
  int iu;

  g_assert_no_error (error);

  /* as shipped: one fold inside the range; below it bistable down to the range's end,
   * where no switch happens */
  {
    g_autoptr(CurrentsContinuation) c0 = continue_in (sys, "iptg", lo, hi, TRUE);
    const CurrentsContinuationResult *res0 = currents_continuation_get_result (c0);
    g_autoptr(GPtrArray) folds0 = currents_continuation_result_get_special (res0, CURRENTS_BIFURCATION_FOLD);
    g_autoptr(GPtrArray) ranges0 = currents_hysteresis_find (res0, 0);
    g_autofree char *text = NULL;
    g_autofree char *expected = NULL;

    g_assert_cmpuint (folds0->len, ==, 1);
    g_assert_cmpuint (ranges0->len, ==, 1);
    r = g_ptr_array_index (ranges0, 0);
    g_assert_cmpfloat_with_epsilon (r->lo, lo, 1e-12);
    g_assert_cmpfloat (r->hi, ==, ((CurrentsBifurcation *) g_ptr_array_index (folds0, 0))->param);
    g_assert_cmpfloat (r->up, ==, r->hi);
    g_assert_true (isnan (r->down));
    text = currents_hysteresis_describe (ranges0, "iptg");
    expected = g_strdup_printf ("bistable for 0.01 < iptg < %.3g; switching up at %.3g", r->hi, r->hi);
    g_assert_cmpstr (text, ==, expected);
  }

  currents_system_set (sys, "a2", 2.5, &error);
  g_assert_no_error (error);
  c = continue_in (sys, "iptg", lo, hi, TRUE);
  res = currents_continuation_get_result (c);
  folds = currents_continuation_result_get_special (res, CURRENTS_BIFURCATION_FOLD);
  g_ptr_array_sort (folds, by_param);
  g_assert_cmpuint (folds->len, ==, 2);
  iu = currents_system_find_state (sys, "u");
  g_assert_cmpint (iu, ==, 0);

  ranges = currents_hysteresis_find (res, iu);
  g_assert_cmpuint (ranges->len, ==, 1);
  r = g_ptr_array_index (ranges, 0);
  g_test_message ("toggle: bistable for %.12g < iptg < %.12g (folds %.12g, %.12g)", r->lo, r->hi,
                  ((CurrentsBifurcation *) g_ptr_array_index (folds, 0))->param,
                  ((CurrentsBifurcation *) g_ptr_array_index (folds, 1))->param);
  g_assert_cmpfloat (r->lo, ==, ((CurrentsBifurcation *) g_ptr_array_index (folds, 0))->param);
  g_assert_cmpfloat (r->hi, ==, ((CurrentsBifurcation *) g_ptr_array_index (folds, 1))->param);
  g_assert_cmpfloat (r->up, ==, r->hi);
  g_assert_cmpfloat (r->down, ==, r->lo);
  /* IPTG frees v's promoter: sweeping up, u falls from its high state */
  g_assert_cmpfloat (r->up_from, >, r->up_to);
  g_assert_cmpfloat (r->down_from, <, r->down_to);

  /* the simulated sweeps, 41 values equally spaced in log10 (ten per decade) */
  x0[0] = 3.0;
  x0[1] = 0.0;
  up = currents_hysteresis_sweep (sys, "iptg", lo, hi, TRUE, n_steps, TRUE, x0, NULL, &error);
  g_assert_no_error (error);
  x0[0] = 0.0;
  x0[1] = 3.0;
  down = currents_hysteresis_sweep (sys, "iptg", lo, hi, TRUE, n_steps, FALSE, x0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (up->n_steps, ==, n_steps);
  g_assert_cmpuint (up->n, ==, 2);
  g_assert_cmpfloat (up->param[0], ==, lo);
  g_assert_cmpfloat (up->param[n_steps - 1], ==, hi);
  g_assert_cmpfloat (down->param[0], ==, hi);
  g_assert_cmpfloat_with_epsilon (up->param[10], 0.1, 1e-12);

  /* the one big fall of u going up, the one big rise going down */
  for (gsize k = 0; k + 1 < n_steps; k++)
    {
      g_assert_true (isfinite (up->state[2 * k]));
      g_assert_true (isfinite (down->state[2 * k]));
      if (up->state[2 * k] - up->state[2 * (k + 1)] > 1.0)
        {
          g_assert_cmpuint (jump_up, ==, 0);
          jump_up = k + 1;
        }
      if (down->state[2 * (k + 1)] - down->state[2 * k] > 1.0)
        {
          g_assert_cmpuint (jump_down, ==, 0);
          jump_down = k + 1;
        }
    }
  g_assert_cmpuint (jump_up, >, 0);
  g_assert_cmpuint (jump_down, >, 0);
  g_test_message ("sweep up jumps between %g and %g, down between %g and %g",
                  up->param[jump_up - 1], up->param[jump_up],
                  down->param[jump_down - 1], down->param[jump_down]);
  g_assert_cmpfloat (up->param[jump_up - 1], <, r->hi);
  g_assert_cmpfloat (up->param[jump_up], >, r->hi);
  g_assert_cmpfloat (down->param[jump_down - 1], >, r->lo);
  g_assert_cmpfloat (down->param[jump_down], <, r->lo);
}

static void
test_sweep_errors (void)
{
  g_autoptr(CurrentsSystem) sys = system_from ("par r=0.1\nx' = r + x - x^3\ninit x=1\ndone\n");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  CurrentsSweep *sweep;

  sweep = currents_hysteresis_sweep (sys, "q", 0, 1, FALSE, 5, TRUE, NULL, NULL, &error);
  g_assert_null (sweep);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  sweep = currents_hysteresis_sweep (sys, "r", 1, 0, FALSE, 5, TRUE, NULL, NULL, &error);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  sweep = currents_hysteresis_sweep (sys, "r", -1, 1, TRUE, 5, TRUE, NULL, NULL, &error);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  sweep = currents_hysteresis_sweep (sys, "r", -1, 1, FALSE, 1, TRUE, NULL, NULL, &error);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_cancellable_cancel (cancellable);
  sweep = currents_hysteresis_sweep (sys, "r", -1, 1, FALSE, 5, TRUE, NULL, cancellable, &error);
  g_assert_null (sweep);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
  g_clear_error (&error);

  /* the cusp swept by simulation on a linear grid of 9 values of r */
  sweep = currents_hysteresis_sweep (sys, "r", -1, 1, FALSE, 9, TRUE, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (sweep->param[4], ==, 0.0);
  /* from x = 1 at r = −1 the only root is x ≈ −1.32: then up along the lower branch,
   * which folds at 2/(3√3) ≈ 0.385: at r = 0.25 still low, at r = 0.5 high */
  g_assert_cmpfloat (sweep->state[5], <, 0.0);
  g_assert_cmpfloat (sweep->state[6], >, 0.0);
  g_assert_cmpfloat_with_epsilon (sweep->state[0], -1.324717957244746, 1e-6);
  currents_sweep_free (sweep);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/hysteresis/cusp", test_cusp);
  g_test_add_func ("/engine/hysteresis/monostable", test_monostable);
  g_test_add_func ("/engine/hysteresis/three-stretches", test_three_stretches);
  g_test_add_func ("/engine/hysteresis/toggle", test_toggle);
  g_test_add_func ("/engine/hysteresis/sweep-errors", test_sweep_errors);
  return g_test_run ();
}
