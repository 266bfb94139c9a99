/* test-adjoint.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tests of currents-adjoint and its Dormand–Prince 5(4) solver:
 *
 *   DP5 against closed forms  x' = −a x: x = x0 e^(−at);
 *                             x' = A x, A = [[α, ω], [−ω, α]]: x = e^(αt) R(−ωt) x0
 *   and against GSL's rk8pd at tight tolerance; the dense output's two forms agree.
 *
 *   Gradients of L = Σ_k Σ_i (x_i(t_k) − d_ki)²  (NaN data contribute 0) with respect to p
 *   and x0, compared normwise, ‖g − g_fd‖/‖g_fd‖, with central differences:
 *     DISCRETE           against differences of the same step sequence replayed fixed;
 *     ADJOINT/BACKSOLVE  against differences of the loss solved at a tighter tolerance;
 *   for Lotka–Volterra, a hybrid model with a learned term and an input-driven model whose
 *   piecewise-linear input has interior breakpoints. The three methods agree.
 *
 *   On a strongly contracting system backsolve drifts (integrating x backwards is
 *   unstable) while DISCRETE and ADJOINT stay accurate; `stiff` (msbdf) gradients;
 *   storage: backsolve's does not grow as the tolerance tightens; every error path.
 *
 *   Stacked systems (B copies of a field as one): their rows and derivatives are the
 *   copies', and the per-copy error norm makes a copy at rest cost no steps. A field that
 *   keeps tapes (neural) gives the DISCRETE gradient bit for bit with and without them.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-adjoint"

#include <math.h>
#include <string.h>

#include <glib.h>
#include <gsl/gsl_errno.h>

#include "currents-adjoint.h"
#include "currents-adjoint-private.h"
#include "currents-data.h"
#include "currents-dopri-private.h"
#include "currents-error.h"
#include "currents-model.h"
#include "currents-neural.h"
#include "currents-stack.h"

#define MAX_N 4

/* ------------------------------------------------------------------------------------ */
/* Loss                                                                                 */

typedef struct
{
  gsize         n;
  const double *data;   /* K × n, NaN: missing */
} SqLoss;

static double
sq_loss (gsize         k,
         double        t,
         const double *x,
         double       *dldx,
         gpointer      user_data)
{
  const SqLoss *sl = user_data;
  double l = 0.0;

  for (gsize i = 0; i < sl->n; i++)
    {
      const double d = sl->data[k * sl->n + i];

      if (isnan (d))
        {
          if (dldx != NULL)
            dldx[i] = 0.0;
          continue;
        }
      l += (x[i] - d) * (x[i] - d);
      if (dldx != NULL)
        dldx[i] = 2.0 * (x[i] - d);
    }
  return l;
}

/* ------------------------------------------------------------------------------------ */
/* Problems                                                                             */

typedef struct
{
  CurrentsModel       *model;
  CurrentsField       *field;
  gsize                n;
  gsize                k;
  double               x0[MAX_N];
  double              *p;
  CurrentsInputSignal *inputs;
  double               t0;
  double              *times;
  gsize                n_times;
  double              *data;
  SqLoss               loss;
} Problem;

static CurrentsModel *
parse_ok (const char *src)
{
  g_autoptr (GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (src, "test.ode", &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

static void
problem_free (Problem *pb)
{
  currents_model_free (pb->model);
  currents_input_signal_free (pb->inputs);
  g_free (pb->p);
  g_free (pb->times);
  g_free (pb->data);
  g_free (pb);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Problem, problem_free)

/* Times t0 + span·(k + 1)/K pushed a little off the grid, data = the model's solution at
 * p (from rk8pd) perturbed, every 5th entry missing. */
static Problem *
problem_new (const char   *src,
             const double *x0,
             double        t0,
             double        span,
             gsize         n_times,
             CurrentsInputSignal *inputs)
{
  Problem *pb = g_new0 (Problem, 1);
  g_autoptr (CurrentsSimulator) sim = NULL;
  g_autoptr (GError) error = NULL;
  CurrentsSimOptions so;

  pb->model = parse_ok (src);
  pb->field = currents_model_get_field (pb->model);
  pb->n = currents_field_get_n_states (pb->field);
  pb->k = currents_field_get_n_params (pb->field);
  g_assert_cmpuint (pb->n, <=, MAX_N);
  memcpy (pb->x0, x0, pb->n * sizeof (double));
  pb->p = g_memdup2 (currents_model_get_params (pb->model), MAX (pb->k, 1) * sizeof (double));
  for (gsize j = currents_model_get_n_named_params (pb->model); j < pb->k; j++)
    pb->p[j] = 0.6 * sin (1.3 * (double) j + 0.2);
  pb->inputs = inputs;
  pb->t0 = t0;
  pb->n_times = n_times;
  pb->times = g_new (double, n_times);
  for (gsize k = 0; k < n_times; k++)
    pb->times[k] = t0 + span * ((double) k + 1.0 - 0.3 * sin (2.385 * (double) k)
                                * (k + 1 < n_times ? 1.0 : 0.0)) / (double) n_times;

  pb->data = g_new (double, n_times * pb->n);
  currents_sim_options_init (&so);
  so.rtol = 1e-12;
  so.atol = 1e-12;
  sim = currents_simulator_new (pb->field, &so);
  g_assert_true (currents_simulator_run (sim, pb->x0, pb->p, inputs, t0, pb->times, n_times,
                                         pb->data, NULL, NULL, &error));
  g_assert_no_error (error);
  for (gsize i = 0; i < n_times * pb->n; i++)
    pb->data[i] = i % 5 == 3 ? NAN : pb->data[i] * (1.0 + 0.1 * sin (0.7 * (double) i)) + 0.05;
  pb->loss.n = pb->n;
  pb->loss.data = pb->data;
  return pb;
}

static void
options_for (CurrentsAdjointOptions *o,
             CurrentsGradientMethod  method,
             double                  tol)
{
  currents_adjoint_options_init (o);
  o->method = method;
  o->rtol = tol;
  o->atol = tol;
}

/* Loss (and, when g is not NULL, g = [dL/dp, dL/dx0]) at (p, x0). */
static double
problem_eval (Problem                      *pb,
              const CurrentsAdjointOptions *o,
              const double                 *p,
              const double                 *x0,
              const double                 *replay,
              gsize                         n_replay,
              double                       *g,
              CurrentsAdjointStats         *stats)
{
  g_autoptr (CurrentsAdjoint) adj = currents_adjoint_new (pb->field, o);
  g_autoptr (GError) error = NULL;
  double loss = NAN;

  if (replay != NULL)
    _currents_adjoint_set_replay (adj, replay, n_replay);
  if (g != NULL)
    memset (g, 0, (pb->k + pb->n) * sizeof (double));
  g_assert_true (currents_adjoint_run (adj, x0, p, pb->inputs, pb->t0, pb->times, pb->n_times,
                                       sq_loss, &pb->loss, &loss, NULL,
                                       g != NULL ? g : NULL, g != NULL ? g + pb->k : NULL,
                                       stats, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (isfinite (loss));
  return loss;
}

/* The accepted steps of a DISCRETE run at @o (triples; free with g_free). */
static double *
problem_steps (Problem                      *pb,
               const CurrentsAdjointOptions *o,
               gsize                        *n_steps)
{
  g_autoptr (CurrentsAdjoint) adj = currents_adjoint_new (pb->field, o);
  g_autoptr (GError) error = NULL;
  double loss, *g = g_new0 (double, pb->k + pb->n), *steps;

  g_assert_cmpint (o->method, ==, CURRENTS_GRADIENT_DISCRETE);
  g_assert_true (currents_adjoint_run (adj, pb->x0, pb->p, pb->inputs, pb->t0, pb->times,
                                       pb->n_times, sq_loss, &pb->loss, &loss, NULL, g,
                                       g + pb->k, NULL, NULL, &error));
  g_assert_no_error (error);
  *n_steps = _currents_adjoint_get_steps (adj, NULL);
  g_assert_cmpuint (*n_steps, >, 0);
  steps = g_new (double, 3 * *n_steps);
  g_assert_cmpuint (_currents_adjoint_get_steps (adj, steps), ==, *n_steps);
  g_free (g);
  return steps;
}

/* Central differences of the loss in [p, x0], relative steps. */
static void
problem_fd (Problem                      *pb,
            const CurrentsAdjointOptions *o,
            const double                 *replay,
            gsize                         n_replay,
            double                        rel_eps,
            double                       *g)
{
  g_autofree double *p = g_memdup2 (pb->p, MAX (pb->k, 1) * sizeof (double));
  double x0[MAX_N];

  memcpy (x0, pb->x0, sizeof x0);
  for (gsize j = 0; j < pb->k + pb->n; j++)
    {
      double *v = j < pb->k ? &p[j] : &x0[j - pb->k];
      const double v0 = *v;
      const double eps = rel_eps * MAX (fabs (v0), 0.1);
      double lp, lm;

      *v = v0 + eps;
      lp = problem_eval (pb, o, p, x0, replay, n_replay, NULL, NULL);
      *v = v0 - eps;
      lm = problem_eval (pb, o, p, x0, replay, n_replay, NULL, NULL);
      *v = v0;
      g[j] = (lp - lm) / (2.0 * eps);
    }
}

static double
rel_error (const double *g,
           const double *ref,
           gsize         len)
{
  double d = 0.0, r = 0.0;

  for (gsize i = 0; i < len; i++)
    {
      d += (g[i] - ref[i]) * (g[i] - ref[i]);
      r += ref[i] * ref[i];
    }
  g_assert_cmpfloat (r, >, 0.0);
  return sqrt (d / r);
}

typedef struct
{
  double err[3];     /* per method, against its reference */
  double agree;      /* largest pairwise relative difference */
} GradReport;

/* All three methods at tol against finite differences (see the top of the file). */
static void
check_gradients (Problem    *pb,
                 const char *name,
                 double      tol,
                 double      bound,
                 GradReport *report)
{
  const gsize len = pb->k + pb->n;
  g_autofree double *g_fd_loss = g_new (double, len);
  g_autofree double *g_fd_steps = g_new (double, len);
  g_autofree double *g_all = g_new (double, 3 * len);
  double *g[3] = { g_all, g_all + len, g_all + 2 * len };
  g_autofree double *steps = NULL;
  CurrentsAdjointOptions o, o_ref;
  CurrentsAdjointStats st[3];
  gsize n_steps;
  GradReport rep = { { 0 }, 0 };

  /* References. */
  options_for (&o, CURRENTS_GRADIENT_DISCRETE, tol);
  steps = problem_steps (pb, &o, &n_steps);
  problem_fd (pb, &o, steps, n_steps, 1e-5, g_fd_steps);
  options_for (&o_ref, CURRENTS_GRADIENT_DISCRETE, tol * 1e-3);
  problem_fd (pb, &o_ref, NULL, 0, 1e-5, g_fd_loss);

  for (guint m = 0; m < 3; m++)
    {
      options_for (&o, (CurrentsGradientMethod) m, tol);
      problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, g[m], &st[m]);
      rep.err[m] = rel_error (g[m], m == CURRENTS_GRADIENT_DISCRETE ? g_fd_steps : g_fd_loss,
                              len);
      g_test_message ("%s %s: rel. error %.3g, steps %zu/%zu, nfe %zu/%zu, peak %zu", name,
                      currents_gradient_method_to_string (m), rep.err[m],
                      st[m].n_steps_forward, st[m].n_steps_backward, st[m].nfe_forward,
                      st[m].nfe_backward, st[m].peak_doubles);
      g_assert_cmpfloat (rep.err[m], <=, bound);
      g_assert_cmpuint (st[m].n_steps_forward, >, 0);
      g_assert_cmpuint (st[m].n_steps_backward, >, 0);
      g_assert_cmpuint (st[m].nfe_forward, >=, 6 * st[m].n_steps_forward);
    }
  /* DISCRETE differentiates the computed solution: it is also close to the true gradient. */
  g_assert_cmpfloat (rel_error (g[0], g_fd_loss, len), <=, 10 * bound);
  for (guint a = 0; a < 3; a++)
    for (guint b = a + 1; b < 3; b++)
      rep.agree = MAX (rep.agree, rel_error (g[a], g[b], len));
  g_test_message ("%s: methods agree to %.3g", name, rep.agree);
  g_assert_cmpfloat (rep.agree, <=, bound);
  if (report != NULL)
    *report = rep;
}

/* ------------------------------------------------------------------------------------ */
/* DP5                                                                                  */

static double
identity_loss (gsize         k,
               double        t,
               const double *x,
               double       *dldx,
               gpointer      user_data)
{
  const gsize *n = user_data;

  for (gsize i = 0; dldx != NULL && i < *n; i++)
    dldx[i] = 1.0;
  return x[0];
}

/* Forward pass only: states at times. */
static void
forward_states (CurrentsField *field,
                const double  *x0,
                const double  *p,
                double         t0,
                const double  *times,
                gsize          n_times,
                double         tol,
                double        *states,
                CurrentsAdjointStats *stats)
{
  g_autoptr (GError) error = NULL;
  CurrentsAdjointOptions o;
  g_autoptr (CurrentsAdjoint) adj = NULL;
  gsize n = currents_field_get_n_states (field);
  double loss;

  options_for (&o, CURRENTS_GRADIENT_DISCRETE, tol);
  adj = currents_adjoint_new (field, &o);
  g_assert_true (currents_adjoint_run (adj, x0, p, NULL, t0, times, n_times, identity_loss, &n,
                                       &loss, states, NULL, NULL, stats, NULL, &error));
  g_assert_no_error (error);
}

static void
test_dopri_decay (void)
{
  g_autoptr (CurrentsModel) model = parse_ok ("par a=1.37\nx' = -a*x\n");
  const double x0 = 2.385, a = 1.37;
  double times[40], states[40];
  CurrentsAdjointStats st;

  for (gsize k = 0; k < 40; k++)
    times[k] = 0.25 * (double) k + 0.1 * sin ((double) k);
  times[0] = 0.0;

  /* Tight: every observation, whether inside a step or at its end, to ~1e-10. */
  forward_states (currents_model_get_field (model), &x0, &a, 0.0, times, 40, 1e-12, states, &st);
  g_assert_cmpfloat (states[0], ==, x0);
  for (gsize k = 0; k < 40; k++)
    g_assert_cmpfloat (fabs (states[k] - x0 * exp (-a * times[k])), <=, 1e-10 * x0);
  g_assert_cmpuint (st.n_steps_forward, >, 20);
  /* FSAL: 6 evaluations per step attempt, plus k_1 and the first-step probe. */
  g_assert_cmpuint (st.nfe_forward, ==, 6 * (st.n_steps_forward + st.n_rejected_forward) + 2);

  /* Loose: few steps, many observations from the dense output, still within ~tol. */
  forward_states (currents_model_get_field (model), &x0, &a, 0.0, times, 40, 1e-6, states, &st);
  g_assert_cmpuint (st.n_steps_forward, <, 40);
  for (gsize k = 0; k < 40; k++)
    g_assert_cmpfloat (fabs (states[k] - x0 * exp (-a * times[k])), <=, 1e-5 * x0);
}

static void
test_dopri_linear (void)
{
  /* Eigenvalues α ± iω. */
  g_autoptr (CurrentsModel) model = parse_ok ("par al=-0.3, om=2.1\n"
                                              "x' = al*x + om*y\n"
                                              "y' = -om*x + al*y\n");
  const double x0[2] = { 1.5, -0.7 }, p[2] = { -0.3, 2.1 };
  double times[25], states[50], worst = 0.0;

  for (gsize k = 0; k < 25; k++)
    times[k] = 0.4 * (double) (k + 1);
  forward_states (currents_model_get_field (model), x0, p, 0.0, times, 25, 1e-11, states, NULL);
  for (gsize k = 0; k < 25; k++)
    {
      const double t = times[k], e = exp (p[0] * t), c = cos (p[1] * t), s = sin (p[1] * t);
      const double x = e * (c * x0[0] + s * x0[1]);
      const double y = e * (-s * x0[0] + c * x0[1]);

      worst = MAX (worst, hypot (states[2 * k] - x, states[2 * k + 1] - y));
    }
  g_test_message ("linear: worst error %.3g", worst);
  g_assert_cmpfloat (worst, <=, 1e-9);
}

static void
test_dopri_rk8pd (void)
{
  g_autoptr (CurrentsModel) model = parse_ok ("par a=1.1, b=0.4, c=0.4, d=0.1\n"
                                              "x' = a*x - b*x*y\n"
                                              "y' = d*x*y - c*y\n");
  CurrentsField *field = currents_model_get_field (model);
  const double x0[2] = { 10.0, 2.0 };
  const double *p = currents_model_get_params (model);
  double times[30], ours[60], ref[60], worst = 0.0;
  g_autoptr (CurrentsSimulator) sim = NULL;
  g_autoptr (GError) error = NULL;
  CurrentsSimOptions so;

  for (gsize k = 0; k < 30; k++)
    times[k] = 0.7 * (double) (k + 1) - 0.2 * cos ((double) k);
  currents_sim_options_init (&so);
  so.rtol = so.atol = 1e-13;
  sim = currents_simulator_new (field, &so);
  g_assert_true (currents_simulator_run (sim, x0, p, NULL, 0.0, times, 30, ref, NULL, NULL,
                                         &error));
  g_assert_no_error (error);
  forward_states (field, x0, p, 0.0, times, 30, 1e-11, ours, NULL);
  for (gsize i = 0; i < 60; i++)
    worst = MAX (worst, fabs (ours[i] - ref[i]) / MAX (1.0, fabs (ref[i])));
  g_test_message ("Lotka–Volterra vs rk8pd: worst relative error %.3g", worst);
  g_assert_cmpfloat (worst, <=, 1e-8);
}

typedef struct
{
  double theta[4];
  double max_diff;
  gsize  n_steps;
} DenseCheck;

static void
pendulum_rhs (double        t,
              const double *y,
              double       *dydt,
              gpointer      data)
{
  dydt[0] = y[1];
  dydt[1] = -sin (y[0]) + 0.3 * cos (t);
}

static gboolean
dense_cb (CurrentsDopri *dp,
          double         t,
          double         h,
          double         t_new,
          gpointer       data)
{
  DenseCheck *dc = data;
  double r[10], a[2], b[2];

  _currents_dopri_dense_coeffs (dp, h, 2, r);
  for (guint q = 0; q < 4; q++)
    {
      _currents_dopri_dense_eval_step (dp, h, dc->theta[q], 2, a);
      _currents_dopri_dense_coeffs_eval (r, 2, dc->theta[q], b);
      for (guint i = 0; i < 2; i++)
        dc->max_diff = MAX (dc->max_diff, fabs (a[i] - b[i]));
    }
  /* θ = 1 gives the step's end, θ = 0 its start. */
  _currents_dopri_dense_eval_step (dp, h, 1.0, 2, a);
  for (guint i = 0; i < 2; i++)
    dc->max_diff = MAX (dc->max_diff, fabs (a[i] - dp->y_new[i]));
  _currents_dopri_dense_eval_step (dp, h, 0.0, 2, a);
  for (guint i = 0; i < 2; i++)
    dc->max_diff = MAX (dc->max_diff, fabs (a[i] - dp->y[i]));
  dc->n_steps++;
  return TRUE;
}

static void
test_dopri_dense (void)
{
  CurrentsDopri *dp = _currents_dopri_new (2);
  DenseCheck dc = { { 0.1, 0.37, 0.5, 0.93 }, 0.0, 0 };
  const double y0[2] = { 1.2, 0.0 };
  double w[CURRENTS_DOPRI_STAGES], sum;

  /* Consistency of the weights: Σ w_i(θ) = θ (exact for y' = 1), w(1) = b. */
  for (double theta = 0.0; theta <= 1.0; theta += 0.125)
    {
      _currents_dopri_dense_weights (theta, w);
      sum = 0.0;
      for (guint i = 0; i < CURRENTS_DOPRI_STAGES; i++)
        sum += w[i];
      g_assert_cmpfloat_with_epsilon (sum, theta, 1e-14);
      g_assert_cmpfloat (w[1], ==, 0.0);
    }
  _currents_dopri_dense_weights (1.0, w);
  for (guint i = 0; i < CURRENTS_DOPRI_STAGES; i++)
    g_assert_cmpfloat_with_epsilon (w[i], _currents_dopri_b[i], 1e-15);

  dp->func = pendulum_rhs;
  dp->rtol = dp->atol = 1e-7;
  _currents_dopri_begin (dp, 0.0, y0);
  g_assert_cmpint (_currents_dopri_advance (dp, 7.3, dense_cb, &dc), ==, CURRENTS_DOPRI_OK);
  g_assert_cmpfloat (dp->t, ==, 7.3);
  g_assert_cmpuint (dc.n_steps, ==, dp->n_steps);
  g_assert_cmpuint (dc.n_steps, >, 10);
  g_assert_cmpfloat (dc.max_diff, <=, 1e-14);

  /* Backwards to 0 lands close to where it started (the system is not stiff). */
  g_assert_cmpint (_currents_dopri_advance (dp, 0.0, NULL, NULL), ==, CURRENTS_DOPRI_OK);
  g_assert_cmpfloat (dp->t, ==, 0.0);
  g_assert_cmpfloat (fabs (dp->y[0] - y0[0]), <=, 1e-5);
  _currents_dopri_free (dp);
}

/* ------------------------------------------------------------------------------------ */
/* Gradients                                                                            */

static const char lv_src[] =
  "par a=1.1, b=0.4, c=0.4, d=0.1\n"
  "x' = a*x - b*x*y\n"
  "y' = d*x*y - c*y\n";

static void
test_gradient_parametric (void)
{
  const double x0[2] = { 10.0, 2.0 };
  g_autoptr (Problem) pb = problem_new (lv_src, x0, 0.0, 9.0, 12, NULL);

  check_gradients (pb, "lotka-volterra", 1e-10, 1e-6, NULL);
}

static void
test_gradient_hybrid (void)
{
  const char *src =
    "par D=0.3, Sin=5, Y=0.5\n"
    "learn mu(S) hidden=8 activation=tanh seed=3\n"
    "X' = (mu(S)*S/(1 + S) - D)*X\n"
    "S' = D*(Sin - S) - mu(S)*S/(1 + S)*X/Y\n";
  const double x0[2] = { 0.4, 3.2 };
  g_autoptr (Problem) pb = problem_new (src, x0, 0.0, 8.0, 10, NULL);

  g_assert_cmpuint (pb->k, ==, 3 + 8 + 8 + 8 + 1);
  check_gradients (pb, "hybrid", 1e-10, 1e-6, NULL);
}

static CurrentsInputSignal *
ramp_signal_new (void)
{
  const char *const state_names[] = { "u", "v", NULL };
  const char *const input_names[] = { "iptg", NULL };
  const double knot_t[] = { 0.0, 1.3, 2.7, 4.1, 5.5, 9.0 };
  const double knot_u[] = { 0.0, 1.5, 0.4, 2.0, 2.0, 0.5 };
  double states[2 * G_N_ELEMENTS (knot_t)] = { 0 };
  g_autoptr (CurrentsDataset) ds = currents_dataset_new (state_names, input_names);
  g_autoptr (GError) error = NULL;
  CurrentsInputSignal *signal;
  const double *bps;
  gsize nb;

  g_assert_true (currents_dataset_add_trajectory (ds, "ramp", G_N_ELEMENTS (knot_t), knot_t,
                                                  states, knot_u, &error));
  g_assert_no_error (error);
  signal = currents_input_signal_new_from_trajectory (currents_dataset_get_trajectory (ds, 0), 1);
  bps = currents_input_signal_get_breakpoints (signal, &nb);
  g_assert_cmpuint (nb, ==, 6);
  g_assert_cmpfloat (bps[1], ==, 1.3);
  return signal;
}

static const char toggle_src[] =
  "input iptg=0\n"
  "par a1=3, a2=3, n=2, m=2, K=1, eta=2\n"
  "u' = a1/(1 + v^n) - u\n"
  "v' = a2/(1 + (u/(1 + (iptg/K)^eta))^m) - v\n";

static void
test_gradient_input (void)
{
  const double x0[2] = { 2.5, 0.2 };
  g_autoptr (Problem) pb = problem_new (toggle_src, x0, 0.0, 8.0, 11, ramp_signal_new ());

  /* An observation exactly on a breakpoint. */
  pb->times[3] = 2.7;
  g_assert_cmpfloat (pb->times[2], <, 2.7);
  g_assert_cmpfloat (pb->times[4], >, 2.7);
  check_gradients (pb, "input", 1e-10, 1e-6, NULL);
}

static void
test_gradient_discrete_exact (void)
{
  /* At a loose tolerance most observations fall inside steps (dense output) and the
   * computed solution is far from the true one; DISCRETE is still the exact gradient of
   * what was computed, while the continuous adjoint is only tol-accurate. */
  const double x0[2] = { 10.0, 2.0 };
  g_autoptr (Problem) pb = problem_new (lv_src, x0, 0.0, 9.0, 25, NULL);
  const gsize len = pb->k + pb->n;
  g_autofree double *g = g_new (double, len);
  g_autofree double *g_adj = g_new (double, len);
  g_autofree double *g_fd = g_new (double, len);
  g_autofree double *steps = NULL;
  CurrentsAdjointOptions o;
  gsize n_steps, interior = 0;
  double err, err_adj;

  options_for (&o, CURRENTS_GRADIENT_DISCRETE, 1e-4);
  steps = problem_steps (pb, &o, &n_steps);
  for (gsize k = 0; k < pb->n_times; k++)
    {
      gboolean at_end = FALSE;

      for (gsize s = 0; s < n_steps; s++)
        at_end = at_end || steps[3 * s + 2] == pb->times[k];
      interior += !at_end;
    }
  g_assert_cmpuint (n_steps, <, pb->n_times);
  g_assert_cmpuint (interior, >, pb->n_times / 2);
  problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, g, NULL);
  problem_fd (pb, &o, steps, n_steps, 1e-6, g_fd);
  err = rel_error (g, g_fd, len);
  options_for (&o, CURRENTS_GRADIENT_ADJOINT, 1e-4);
  problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, g_adj, NULL);
  err_adj = rel_error (g_adj, g_fd, len);
  g_test_message ("tol 1e-4, %zu steps, %zu of %zu observations inside steps: discrete %.3g, "
                  "adjoint %.3g", n_steps, interior, pb->n_times, err, err_adj);
  g_assert_cmpfloat (err, <=, 1e-8);
  g_assert_cmpfloat (err_adj, >=, 100.0 * err);
}

static void
test_gradient_t0_observed (void)
{
  /* t0 = times[0] (the observation of x0 itself) and a negative t0. */
  const double x0[2] = { 10.0, 2.0 };
  g_autoptr (Problem) pb = problem_new (lv_src, x0, -1.5, 6.0, 6, NULL);

  pb->times[0] = pb->t0;
  pb->data[0] = 9.0;
  pb->data[1] = 2.5;
  check_gradients (pb, "t0 observed", 1e-10, 1e-6, NULL);
}

static void
test_gradient_accumulates (void)
{
  /* grad_p and grad_x0 are added to; the same workspace gives the same numbers. */
  const double x0[2] = { 10.0, 2.0 };
  g_autoptr (Problem) pb = problem_new (lv_src, x0, 0.0, 5.0, 7, NULL);
  CurrentsAdjointOptions o;

  for (guint m = 0; m < 3; m++)
    {
      g_autoptr (CurrentsAdjoint) adj = NULL;
      g_autoptr (GError) error = NULL;
      double g1[4] = { 0 }, g2[4] = { 1, 2, 3, 4 }, x1[2] = { 0 }, x2[2] = { -1, 5 };
      double l1, l2, s1[14], s2[14];

      options_for (&o, (CurrentsGradientMethod) m, 1e-8);
      adj = currents_adjoint_new (pb->field, &o);
      g_assert_true (currents_adjoint_run (adj, pb->x0, pb->p, NULL, 0.0, pb->times, 7, sq_loss,
                                           &pb->loss, &l1, s1, g1, x1, NULL, NULL, &error));
      g_assert_true (currents_adjoint_run (adj, pb->x0, pb->p, NULL, 0.0, pb->times, 7, sq_loss,
                                           &pb->loss, &l2, s2, g2, x2, NULL, NULL, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (l1, ==, l2);
      g_assert_cmpmem (s1, sizeof s1, s2, sizeof s2);
      for (guint j = 0; j < 4; j++)
        g_assert_cmpfloat (g2[j], ==, g1[j] + (double) (j + 1));
      g_assert_cmpfloat (x2[0], ==, x1[0] - 1.0);
      g_assert_cmpfloat (x2[1], ==, x1[1] + 5.0);
      g_assert_cmpfloat (fabs (g1[0]), >, 0.0);
    }
}

static void
test_gradient_seminorm (void)
{
  const char *src =
    "par D=0.3, Sin=5, Y=0.5\n"
    "learn mu(S) hidden=8 activation=tanh seed=3\n"
    "X' = (mu(S)*S/(1 + S) - D)*X\n"
    "S' = D*(Sin - S) - mu(S)*S/(1 + S)*X/Y\n";
  const double x0[2] = { 0.4, 3.2 };
  g_autoptr (Problem) pb = problem_new (src, x0, 0.0, 8.0, 10, NULL);
  const gsize len = pb->k + pb->n;
  g_autofree double *g_full = g_new (double, len);
  g_autofree double *g_semi = g_new (double, len);
  g_autofree double *g_ref = g_new (double, len);
  CurrentsAdjointOptions o;
  CurrentsAdjointStats s_full, s_semi;

  for (guint m = CURRENTS_GRADIENT_ADJOINT; m <= CURRENTS_GRADIENT_BACKSOLVE; m++)
    {
      options_for (&o, (CurrentsGradientMethod) m, 1e-12);
      problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, g_ref, NULL);
      options_for (&o, (CurrentsGradientMethod) m, 1e-7);
      problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, g_full, &s_full);
      o.seminorm = TRUE;
      problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, g_semi, &s_semi);
      g_test_message ("%s: full norm %zu backward steps (error %.3g), seminorm %zu (%.3g)",
                      currents_gradient_method_to_string (m), s_full.n_steps_backward,
                      rel_error (g_full, g_ref, len), s_semi.n_steps_backward,
                      rel_error (g_semi, g_ref, len));
      g_assert_cmpuint (s_semi.n_steps_backward, <=, s_full.n_steps_backward);
      g_assert_cmpfloat (rel_error (g_semi, g_ref, len), <=, 1e-4);
      g_assert_cmpfloat (rel_error (g_full, g_ref, len), <=, 1e-4);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Stacked systems and tapes                                                            */

static void
test_stack_field (void)
{
  /* B copies of a model with an input: rows as the model's own evaluations, the
   * Jacobian block diagonal, ∂/∂p summed over the copies, bit for bit */
  g_autoptr (CurrentsModel) model = parse_ok (toggle_src);
  CurrentsField *field = currents_model_get_field (model);
  g_autoptr (CurrentsField) stack = currents_stack_field_new (field, 3);
  g_autoptr (CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  g_autoptr (CurrentsFieldWorkspace) sws = currents_field_workspace_new (stack);
  const gsize n = 2, k = currents_field_get_n_params (field), N = 3 * n;
  const double *p = currents_model_get_params (model);
  const double x[12] = { 2.5, 0.2, 0.7, 1.9, 3.1, 3.3, 0.4, 0.1, 1.2, 2.2, 0.05, 2.9 };
  const double u[6] = { 0.0, 1.4, 2.385, 0.7, 0.3, 1.1 };
  const double w[12] = { 0.3, -1.1, 2.0, 0.5, -0.7, 0.9, 1.0, 1.0, 0.2, -0.4, 0.6, 0.8 };
  double f[12], f_rows[12], gx[12] = { 0 }, gx_rows[12] = { 0 };
  double jx[36], jrow[4];
  g_autofree double *jp = g_new (double, N * k), *jp_row = g_new (double, n * k);
  g_autofree double *gp = g_new0 (double, k), *gp_rows = g_new0 (double, k);

  g_assert_cmpuint (currents_field_get_n_states (stack), ==, N);
  g_assert_cmpuint (currents_field_get_n_inputs (stack), ==, 3);
  g_assert_cmpuint (currents_field_get_n_params (stack), ==, k);
  g_assert_true (currents_field_is_autonomous (stack) == currents_field_is_autonomous (field));
  g_assert_false (currents_field_has_batch (field));
  g_assert_true (currents_field_has_batch (stack));
  g_assert_cmpuint (currents_field_get_tape_size (stack, 2), ==, 0);

  currents_field_eval (sws, 0.0, x, u, p, f);
  for (gsize r = 0; r < 3; r++)
    currents_field_eval (ws, 0.0, x + r * n, u + r, p, f_rows + r * n);
  g_assert_cmpmem (f, N * sizeof (double), f_rows, N * sizeof (double));
  /* a batch of two stacked points is six rows */
  currents_field_eval_batch (sws, 2, 0.0, x, u, p, f, NULL);
  for (gsize r = 3; r < 6; r++)
    currents_field_eval (ws, 0.0, x + r * n, u + r, p, f_rows + (r - 3) * n);
  g_assert_cmpmem (f + N, N * sizeof (double), f_rows, N * sizeof (double));

  currents_field_jacobian (sws, 0.0, x, u, p, NULL, jx, jp);
  for (gsize r = 0; r < 3; r++)
    {
      currents_field_jacobian (ws, 0.0, x + r * n, u + r, p, NULL, jrow, jp_row);
      g_assert_cmpmem (jp + r * n * k, n * k * sizeof (double), jp_row, n * k * sizeof (double));
      for (gsize i = 0; i < n; i++)
        for (gsize c = 0; c < N; c++)
          g_assert_cmpfloat (jx[(r * n + i) * N + c], ==,
                             c / n == r ? jrow[i * n + c % n] : 0.0);
    }

  currents_field_vjp (sws, 0.0, x, u, p, w, f, gx, gp);
  for (gsize r = 0; r < 3; r++)
    currents_field_vjp (ws, 0.0, x + r * n, u + r, p, w + r * n, NULL, gx_rows + r * n,
                        gp_rows);
  g_assert_cmpmem (gx, N * sizeof (double), gx_rows, N * sizeof (double));
  g_assert_cmpmem (gp, k * sizeof (double), gp_rows, k * sizeof (double));
}

typedef struct
{
  gsize         n;
  gsize         rows;
  const double *data;   /* K × n, for row 0 */
} RowLoss;

/* Row 0 of a stacked state against the data, the other rows weigh nothing. */
static double
row0_loss (gsize         k,
           double        t,
           const double *x,
           double       *dldx,
           gpointer      user_data)
{
  const RowLoss *rl = user_data;
  SqLoss sl = { rl->n, rl->data };

  if (dldx != NULL)
    memset (dldx, 0, rl->rows * rl->n * sizeof (double));
  return sq_loss (k, t, x, dldx, &sl);
}

static void
test_stack_group_norm (void)
{
  /* [x_hard, 0] stacked: the zero copy stays at its equilibrium with no error at all, so
   * with one norm per copy the solver takes exactly the steps of x_hard alone, and the
   * loss and gradient are x_hard's. One RMS norm over both would dilute the error by √2
   * and take fewer steps. */
  const double x0[2] = { 10.0, 2.0 };
  g_autoptr (Problem) pb = problem_new (lv_src, x0, 0.0, 9.0, 12, NULL);
  g_autoptr (CurrentsField) stack = currents_stack_field_new (pb->field, 2);
  const double x0s[4] = { 10.0, 2.0, 0.0, 0.0 };
  RowLoss rl = { 2, 2, pb->data };
  CurrentsAdjointOptions o;
  CurrentsAdjointStats st1, st2, st_diluted;
  double g1[6], gp[4] = { 0 }, gx[4] = { 0 }, l1, l2, l_diluted, gd[4] = { 0 }, gxd[4] = { 0 };
  GError *error = NULL;

  options_for (&o, CURRENTS_GRADIENT_DISCRETE, 1e-8);
  l1 = problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, g1, &st1);
  {
    g_autoptr (CurrentsAdjoint) adj = currents_adjoint_new (stack, &o);

    _currents_adjoint_set_group_size (adj, 2);
    g_assert_true (currents_adjoint_run (adj, x0s, pb->p, NULL, 0.0, pb->times, pb->n_times,
                                         row0_loss, &rl, &l2, NULL, gp, gx, &st2, NULL,
                                         &error));
    g_assert_no_error (error);
  }
  {
    g_autoptr (CurrentsAdjoint) adj = currents_adjoint_new (stack, &o);

    g_assert_true (currents_adjoint_run (adj, x0s, pb->p, NULL, 0.0, pb->times, pb->n_times,
                                         row0_loss, &rl, &l_diluted, NULL, gd, gxd,
                                         &st_diluted, NULL, &error));
    g_assert_no_error (error);
  }
  g_test_message ("steps: alone %zu, stacked %zu, one norm over both %zu", st1.n_steps_forward,
                  st2.n_steps_forward, st_diluted.n_steps_forward);
  g_assert_cmpuint (st2.n_steps_forward, ==, st1.n_steps_forward);
  g_assert_cmpuint (st_diluted.n_steps_forward, <, st1.n_steps_forward);
  g_assert_cmpfloat (l2, ==, l1);
  for (gsize j = 0; j < 4; j++)
    g_assert_cmpfloat (gp[j], ==, g1[j]);
  g_assert_cmpfloat (gx[0], ==, g1[4]);
  g_assert_cmpfloat (gx[1], ==, g1[5]);
}

static void
test_tapes (void)
{
  /* A neural field keeps tapes: the gradient from them equals, bit for bit, the gradient
   * that recomputes every forward pass (budget 0) or some of them (a budget for three
   * steps), and matches differences of the loss over the same steps replayed. */
  const char *states[] = { "x", "y", NULL };
  const double mean[2] = { 1.0, 0.5 }, scale[2] = { 0.8, 1.3 };
  CurrentsNeuralScaling sc = { mean, scale, NULL, NULL, NULL, NULL, 1.7 };
  CurrentsNeuralSpec spec;
  g_autoptr (CurrentsNeuralModel) nn = NULL;
  CurrentsField *field;
  GError *error = NULL;
  double times[9], data[18], x0[2] = { 1.4, 0.3 };
  SqLoss sl = { 2, data };
  CurrentsAdjointOptions o;
  gsize k, stride, n_steps = 0;
  g_autofree double *p = NULL, *g_full = NULL, *g_none = NULL, *g_part = NULL, *steps = NULL;
  g_autofree double *g_fd = NULL;
  double gx_full[2] = { 0 }, gx_none[2] = { 0 }, gx_part[2] = { 0 };
  double l_full, l_none, l_part, num = 0.0, den = 0.0;
  CurrentsAdjointStats st_full, st_none;

  currents_neural_spec_init (&spec);
  spec.hidden[0] = 8;
  spec.hidden[1] = 7;
  spec.seed = 5;
  nn = currents_neural_model_new_full (states, NULL, &spec, &sc, &error);
  g_assert_no_error (error);
  field = currents_neural_model_get_field (nn);
  k = currents_field_get_n_params (field);
  stride = currents_field_get_tape_size (field, 1);
  g_assert_cmpuint (stride, >, 0);
  p = g_new (double, k);
  for (gsize j = 0; j < k; j++)
    p[j] = 2.0 * currents_neural_model_get_initial_params (nn)[j];
  for (gsize q = 0; q < 9; q++)
    {
      times[q] = 0.4 * (double) q + 0.05 * sin ((double) q);
      data[2 * q] = 1.0 + 0.3 * sin (times[q]);
      data[2 * q + 1] = 0.5 * cos (0.8 * times[q]);
    }
  times[0] = 0.0;
  g_full = g_new0 (double, k);
  g_none = g_new0 (double, k);
  g_part = g_new0 (double, k);
  options_for (&o, CURRENTS_GRADIENT_DISCRETE, 1e-7);

  for (guint run = 0; run < 3; run++)
    {
      g_autoptr (CurrentsAdjoint) adj = currents_adjoint_new (field, &o);
      double *g = run == 0 ? g_full : run == 1 ? g_none : g_part;
      double *gx = run == 0 ? gx_full : run == 1 ? gx_none : gx_part;
      double *l = run == 0 ? &l_full : run == 1 ? &l_none : &l_part;

      if (run == 1)
        _currents_adjoint_set_tape_budget (adj, 0);
      else if (run == 2)
        _currents_adjoint_set_tape_budget (adj, (6 * 3 + 1) * ((stride + 7) / 8 * 8));
      g_assert_true (currents_adjoint_run (adj, x0, p, NULL, 0.0, times, 9, sq_loss, &sl, l,
                                           NULL, g, gx, run == 0 ? &st_full
                                           : run == 1 ? &st_none : NULL, NULL, &error));
      g_assert_no_error (error);
      if (run == 0)
        {
          n_steps = _currents_adjoint_get_steps (adj, NULL);
          steps = g_new (double, 3 * n_steps);
          _currents_adjoint_get_steps (adj, steps);
        }
    }
  g_test_message ("%zu steps; peak storage %zu doubles with tapes, %zu without", n_steps,
                  st_full.peak_doubles, st_none.peak_doubles);
  g_assert_cmpuint (n_steps, >, 3);
  g_assert_cmpuint (st_full.peak_doubles, >=, st_none.peak_doubles + 6 * n_steps * stride);
  g_assert_cmpuint (st_full.nfe_backward, ==, st_none.nfe_backward);
  g_assert_true (l_none == l_full && l_part == l_full);
  g_assert_cmpmem (g_none, k * sizeof (double), g_full, k * sizeof (double));
  g_assert_cmpmem (g_part, k * sizeof (double), g_full, k * sizeof (double));
  g_assert_cmpmem (gx_none, sizeof gx_none, gx_full, sizeof gx_full);
  g_assert_cmpmem (gx_part, sizeof gx_part, gx_full, sizeof gx_full);

  /* against differences of the replayed steps, over θ */
  g_fd = g_new (double, k);
  for (gsize j = 0; j < k; j++)
    {
      const double save = p[j], h = 1e-6 * MAX (1.0, fabs (save));
      double lp, lm;

      for (gsize side = 0; side < 2; side++)
        {
          g_autoptr (CurrentsAdjoint) adj = currents_adjoint_new (field, &o);

          _currents_adjoint_set_replay (adj, steps, n_steps);
          p[j] = side == 0 ? save + h : save - h;
          g_assert_true (currents_adjoint_run (adj, x0, p, NULL, 0.0, times, 9, sq_loss, &sl,
                                               side == 0 ? &lp : &lm, NULL, NULL, NULL, NULL,
                                               NULL, &error));
          g_assert_no_error (error);
        }
      p[j] = save;
      g_fd[j] = (lp - lm) / (2 * h);
      num += (g_full[j] - g_fd[j]) * (g_full[j] - g_fd[j]);
      den += g_fd[j] * g_fd[j];
    }
  g_test_message ("|g - fd|/|fd| = %.2e", sqrt (num / den));
  g_assert_cmpfloat (sqrt (num / den), <=, 1e-7);
}

/* ------------------------------------------------------------------------------------ */
/* Contraction: backsolve drifts                                                        */

static void
test_backsolve_drift (void)
{
  /* x' = −a(x − sin t), y' = x − b y: the x-mode contracts at rate a, so x integrated
   * backwards grows like e^(a·span) from its local errors. One observation at the end. */
  const char *src =
    "par a=50, b=0.7\n"
    "x' = -a*(x - sin(t))\n"
    "y' = x - b*y\n";
  const double x0[2] = { 1.3, -0.4 };
  g_autoptr (Problem) pb = problem_new (src, x0, 0.0, 1.2, 1, NULL);
  const gsize len = pb->k + pb->n;
  g_autofree double *g_ref = g_new (double, len);
  g_autofree double *g = g_new (double, len);
  CurrentsAdjointOptions o;
  double err[3];

  options_for (&o, CURRENTS_GRADIENT_DISCRETE, 1e-13);
  problem_fd (pb, &o, NULL, 0, 1e-5, g_ref);

  for (guint m = 0; m < 3; m++)
    {
      g_autoptr (CurrentsAdjoint) adj = NULL;
      g_autoptr (GError) error = NULL;
      double loss;
      gboolean ok;

      options_for (&o, (CurrentsGradientMethod) m, 1e-8);
      adj = currents_adjoint_new (pb->field, &o);
      memset (g, 0, len * sizeof (double));
      ok = currents_adjoint_run (adj, pb->x0, pb->p, NULL, pb->t0, pb->times, pb->n_times,
                                 sq_loss, &pb->loss, &loss, NULL, g, g + pb->k, NULL, NULL,
                                 &error);
      if (m == CURRENTS_GRADIENT_BACKSOLVE && !ok)
        {
          /* An unstable backward x may also end the solve: that is a failure too. */
          g_test_message ("backsolve failed: %s", error->message);
          err[m] = INFINITY;
          continue;
        }
      g_assert_no_error (error);
      err[m] = rel_error (g, g_ref, len);
      g_test_message ("contracting: %s rel. error %.3g",
                      currents_gradient_method_to_string (m), err[m]);
    }
  g_assert_cmpfloat (err[CURRENTS_GRADIENT_DISCRETE], <=, 1e-5);
  g_assert_cmpfloat (err[CURRENTS_GRADIENT_ADJOINT], <=, 1e-5);
  g_assert_cmpfloat (err[CURRENTS_GRADIENT_BACKSOLVE], >=,
                     10.0 * MAX (err[CURRENTS_GRADIENT_DISCRETE], err[CURRENTS_GRADIENT_ADJOINT]));
}

/* ------------------------------------------------------------------------------------ */
/* Stiff                                                                                */

static void
test_stiff (void)
{
  const char *src =
    "par a=50, b=0.7\n"
    "x' = -a*(x - sin(t))\n"
    "y' = x - b*y\n";
  const double x0[2] = { 1.3, -0.4 };
  g_autoptr (Problem) pb = problem_new (src, x0, 0.0, 6.0, 9, NULL);
  const gsize len = pb->k + pb->n;
  g_autofree double *g_ref = g_new (double, len);
  g_autofree double *g = g_new (double, len);
  CurrentsAdjointOptions o;
  CurrentsAdjointStats st;
  double loss_bdf, loss_ref, err;

  /* The true gradient: differences of a tight DP5 solve. */
  options_for (&o, CURRENTS_GRADIENT_DISCRETE, 1e-13);
  problem_fd (pb, &o, NULL, 0, 1e-5, g_ref);
  loss_ref = problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, NULL, NULL);

  options_for (&o, CURRENTS_GRADIENT_ADJOINT, 1e-10);
  o.stiff = TRUE;
  loss_bdf = problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, g, &st);
  err = rel_error (g, g_ref, len);
  /* (Differences of the msbdf loss itself are noisy at ~1e-4: its step and order choices
   * change with p, which is why the reference comes from a tight DP5 solve.) */
  g_test_message ("stiff: loss %.12g (DP5 %.12g), rel. error %.3g; steps %zu/%zu, nfe %zu/%zu",
                  loss_bdf, loss_ref, err, st.n_steps_forward, st.n_steps_backward,
                  st.nfe_forward, st.nfe_backward);
  g_assert_cmpfloat (fabs (loss_bdf - loss_ref), <=, 1e-6 * loss_ref);
  g_assert_cmpfloat (err, <=, 1e-5);
  g_assert_cmpuint (st.n_steps_backward, >, 0);
}

static void
test_stiff_robertson (void)
{
  /* Robertson's kinetics, rates scaled to keep the FD reference cheap but still stiff
   * (eigenvalues down to about −1e4). */
  const char *src =
    "par k1=0.04, k2=3e4, k3=1e2\n"
    "a' = -k1*a + k3*b*c\n"
    "b' = k1*a - k3*b*c - k2*b^2\n"
    "c' = k2*b^2\n";
  const double x0[3] = { 1.0, 0.0, 0.0 };
  g_autoptr (Problem) pb = problem_new (src, x0, 0.0, 20.0, 6, NULL);
  const gsize len = pb->k + pb->n;
  g_autofree double *g_fd = g_new (double, len);
  g_autofree double *g = g_new (double, len);
  CurrentsAdjointOptions o;
  CurrentsAdjointStats st;
  double err;

  options_for (&o, CURRENTS_GRADIENT_ADJOINT, 1e-10);
  o.stiff = TRUE;
  problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, g, &st);
  o.rtol = o.atol = 1e-12;
  problem_fd (pb, &o, NULL, 0, 1e-4, g_fd);
  err = rel_error (g, g_fd, len);
  g_test_message ("robertson: rel. error %.3g, steps %zu/%zu", err, st.n_steps_forward,
                  st.n_steps_backward);
  g_assert_cmpfloat (err, <=, 1e-5);
}

static void
test_stiff_unsupported (void)
{
  g_autoptr (CurrentsModel) model = parse_ok (lv_src);
  const double x0[2] = { 10.0, 2.0 }, times[2] = { 1.0, 2.0 }, data[4] = { 1, 2, 3, 4 };
  SqLoss sl = { 2, data };

  for (guint m = 0; m < 3; m++)
    {
      g_autoptr (CurrentsAdjoint) adj = NULL;
      g_autoptr (GError) error = NULL;
      CurrentsAdjointOptions o;
      double loss, g[4] = { 0 };
      gboolean ok;

      options_for (&o, (CurrentsGradientMethod) m, 1e-8);
      o.stiff = TRUE;
      adj = currents_adjoint_new (currents_model_get_field (model), &o);
      ok = currents_adjoint_run (adj, x0, currents_model_get_params (model), NULL, 0.0, times, 2,
                                 sq_loss, &sl, &loss, NULL, g, NULL, NULL, NULL, &error);
      if (m == CURRENTS_GRADIENT_ADJOINT)
        {
          g_assert_no_error (error);
          g_assert_true (ok);
          g_assert_cmpfloat (fabs (g[0]), >, 0.0);
        }
      else
        {
          g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED);
          g_assert_false (ok);
          g_assert_cmpfloat (g[0], ==, 0.0);
        }
    }
}

/* ------------------------------------------------------------------------------------ */
/* Storage                                                                              */

static void
test_peak_storage (void)
{
  const double x0[2] = { 10.0, 2.0 };
  g_autoptr (Problem) pb = problem_new (lv_src, x0, 0.0, 9.0, 12, NULL);
  g_autofree double *g = g_new (double, pb->k + pb->n);
  gsize peak[3][2], steps[3][2];
  const double tols[2] = { 1e-4, 1e-10 };
  CurrentsAdjointOptions o;

  for (guint m = 0; m < 3; m++)
    for (guint i = 0; i < 2; i++)
      {
        CurrentsAdjointStats st;

        options_for (&o, (CurrentsGradientMethod) m, tols[i]);
        problem_eval (pb, &o, pb->p, pb->x0, NULL, 0, g, &st);
        peak[m][i] = st.peak_doubles;
        steps[m][i] = st.n_steps_forward;
        g_test_message ("%s tol %g: %zu steps, peak %zu doubles",
                        currents_gradient_method_to_string (m), tols[i], steps[m][i],
                        peak[m][i]);
      }
  g_assert_cmpuint (steps[0][1], >, 10 * steps[0][0]);
  g_assert_cmpuint (peak[CURRENTS_GRADIENT_BACKSOLVE][0], ==, peak[CURRENTS_GRADIENT_BACKSOLVE][1]);
  /* At least x_n and k_1 (DISCRETE) or five dense-output vectors (ADJOINT) per step. */
  g_assert_cmpuint (peak[CURRENTS_GRADIENT_DISCRETE][1] - peak[CURRENTS_GRADIENT_DISCRETE][0], >=,
                    2 * pb->n * (steps[0][1] - steps[0][0]));
  g_assert_cmpuint (peak[CURRENTS_GRADIENT_ADJOINT][1] - peak[CURRENTS_GRADIENT_ADJOINT][0], >=,
                    5 * pb->n * (steps[1][1] - steps[1][0]));
  g_assert_cmpuint (peak[CURRENTS_GRADIENT_BACKSOLVE][1], <, peak[CURRENTS_GRADIENT_DISCRETE][1]);
}

/* ------------------------------------------------------------------------------------ */
/* Errors                                                                               */

static GError *
run_expect_error (const char                   *src,
                  const CurrentsAdjointOptions *o,
                  const double                 *x0,
                  double                        t0,
                  const double                 *times,
                  gsize                         n_times,
                  GCancellable                 *cancellable)
{
  g_autoptr (CurrentsModel) model = parse_ok (src);
  CurrentsField *field = currents_model_get_field (model);
  g_autoptr (CurrentsAdjoint) adj = currents_adjoint_new (field, o);
  const gsize n = currents_field_get_n_states (field);
  g_autofree double *data = g_new0 (double, MAX (n_times, 1) * n);
  g_autofree double *g = g_new0 (double, currents_field_get_n_params (field) + 1);
  double gx[MAX_N] = { 0 };
  SqLoss sl = { n, data };
  GError *error = NULL;
  double loss = 1.0;

  g_assert_false (currents_adjoint_run (adj, x0, currents_model_get_params (model), NULL, t0,
                                        times, n_times, sq_loss, &sl, &loss, NULL, g, gx, NULL,
                                        cancellable, &error));
  g_assert_nonnull (error);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (gx[i], ==, 0.0);
  g_test_message ("%s", error->message);
  return error;
}

static void
test_error_blowup (void)
{
  const double x0 = 1.0, times[2] = { 0.5, 2.0 };

  for (guint m = 0; m < 3; m++)
    {
      CurrentsAdjointOptions o;
      g_autoptr (GError) error = NULL;
      const char *at;

      options_for (&o, (CurrentsGradientMethod) m, 1e-8);
      error = run_expect_error ("x' = x^2\n", &o, &x0, 0.0, times, 2, NULL);
      g_assert_true (error->code == CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW
                     || error->code == CURRENTS_ENGINE_ERROR_NON_FINITE);
      g_assert_true (g_str_has_prefix (error->message, "forward solve"));
      /* x = 1/(1 − t) blows up at t = 1. */
      at = strstr (error->message, "at t = ");
      g_assert_nonnull (at);
      g_assert_cmpfloat (fabs (g_ascii_strtod (at + 7, NULL) - 1.0), <=, 1e-3);
      g_assert_nonnull (strstr (error->message, "x[0] = "));
    }
  {
    CurrentsAdjointOptions o;
    g_autoptr (GError) error = NULL;

    options_for (&o, CURRENTS_GRADIENT_ADJOINT, 1e-8);
    o.stiff = TRUE;
    error = run_expect_error ("x' = x^2\n", &o, &x0, 0.0, times, 2, NULL);
    g_assert_nonnull (strstr (error->message, "at t = "));
  }
}

static void
test_error_non_finite (void)
{
  const double x0[2] = { 0.5, 1.0 }, times[2] = { 0.2, 2.0 };
  CurrentsAdjointOptions o;

  for (guint m = 0; m < 3; m++)
    {
      g_autoptr (GError) e1 = NULL;
      g_autoptr (GError) e2 = NULL;
      const char *at;

      options_for (&o, (CurrentsGradientMethod) m, 1e-8);
      /* NaN at once. */
      e1 = run_expect_error ("x' = sqrt(-1 - x^2)\ny' = -y\n", &o, x0, 0.0, times, 2, NULL);
      g_assert_error (e1, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE);
      g_assert_nonnull (strstr (e1->message, "at t = 0:"));
      /* NaN once x < 0, at t = 0.5. */
      e2 = run_expect_error ("x' = -1\ny' = -sqrt(x)*y\n", &o, x0, 0.0, times, 2, NULL);
      g_assert_error (e2, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE);
      at = strstr (e2->message, "at t = ");
      g_assert_nonnull (at);
      g_assert_cmpfloat (fabs (g_ascii_strtod (at + 7, NULL) - 0.5), <=, 1e-6);
    }
  {
    g_autoptr (GError) error = NULL;

    options_for (&o, CURRENTS_GRADIENT_ADJOINT, 1e-8);
    o.stiff = TRUE;
    error = run_expect_error ("x' = sqrt(-1 - x^2)\ny' = -y\n", &o, x0, 0.0, times, 2, NULL);
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE);
  }
}

static double
nan_loss (gsize         k,
          double        t,
          const double *x,
          double       *dldx,
          gpointer      user_data)
{
  if (dldx != NULL)
    dldx[0] = 1.0;
  return k == 1 ? NAN : x[0];
}

static void
test_error_loss (void)
{
  g_autoptr (CurrentsModel) model = parse_ok (lv_src);
  const double x0[2] = { 10.0, 2.0 }, times[3] = { 0.5, 1.0, 2.0 };

  for (guint m = 0; m < 3; m++)
    {
      g_autoptr (CurrentsAdjoint) adj = NULL;
      g_autoptr (GError) error = NULL;
      CurrentsAdjointOptions o;
      double loss, g[4] = { 0 };

      options_for (&o, (CurrentsGradientMethod) m, 1e-8);
      adj = currents_adjoint_new (currents_model_get_field (model), &o);
      g_assert_false (currents_adjoint_run (adj, x0, currents_model_get_params (model), NULL,
                                            0.0, times, 3, nan_loss, NULL, &loss, NULL, g, NULL,
                                            NULL, NULL, &error));
      g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE);
      g_assert_nonnull (strstr (error->message, "observation 1"));
      g_assert_nonnull (strstr (error->message, "at t = 1:"));
      g_assert_cmpfloat (g[0], ==, 0.0);
    }
}

static void
test_error_max_steps (void)
{
  const double x0[2] = { 2.0, 0.0 }, times[2] = { 10.0, 100.0 };
  const char *src = "par w=20\nx' = y\ny' = -w^2*x\n";

  for (guint m = 0; m < 3; m++)
    {
      CurrentsAdjointOptions o;
      g_autoptr (GError) error = NULL;

      options_for (&o, (CurrentsGradientMethod) m, 1e-8);
      o.max_steps = 50;
      error = run_expect_error (src, &o, x0, 0.0, times, 2, NULL);
      g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MAX_STEPS);
      g_assert_nonnull (strstr (error->message, "(50)"));
      g_assert_nonnull (strstr (error->message, "at t = "));
    }
  {
    CurrentsAdjointOptions o;
    g_autoptr (GError) error = NULL;

    options_for (&o, CURRENTS_GRADIENT_ADJOINT, 1e-8);
    o.max_steps = 50;
    o.stiff = TRUE;
    error = run_expect_error (src, &o, x0, 0.0, times, 2, NULL);
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MAX_STEPS);
  }
  {
    /* h_min: a forced minimum above the steps this oscillator needs. */
    CurrentsAdjointOptions o;
    g_autoptr (GError) error = NULL;

    options_for (&o, CURRENTS_GRADIENT_DISCRETE, 1e-8);
    o.h_min = 0.5;
    error = run_expect_error (src, &o, x0, 0.0, times, 2, NULL);
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW);
  }
}

/* A field x' = −x that cancels its cancellable after a number of evaluations or VJPs. */
typedef struct
{
  GCancellable *cancellable;
  gsize         cancel_at;
  gsize         count;
} Canceller;

typedef struct
{
  Canceller *c;
} CancelImpl;

static void
cf_tick (const CancelImpl *ci)
{
  if (++ci->c->count == ci->c->cancel_at)
    g_cancellable_cancel (ci->c->cancellable);
}

static void
cf_eval (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
         const double *p, double *f)
{
  cf_tick (impl);
  f[0] = -p[0] * x[0];
}

static void
cf_jacobian (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
             const double *p, double *f, double *jx, double *jp)
{
  cf_tick (impl);
  if (f != NULL)
    f[0] = -p[0] * x[0];
  jx[0] = -p[0];
  if (jp != NULL)
    jp[0] = -x[0];
}

static void
cf_vjp (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
        const double *p, const double *w, double *f, double *gx, double *gp)
{
  cf_tick (impl);
  if (f != NULL)
    f[0] = -p[0] * x[0];
  if (gx != NULL)
    gx[0] += -p[0] * w[0];
  if (gp != NULL)
    gp[0] += -x[0] * w[0];
}

static const CurrentsFieldVTable cancel_vtable = {
  .eval = cf_eval,
  .jacobian = cf_jacobian,
  .vjp = cf_vjp,
};

static void
test_error_cancelled (void)
{
  Canceller c = { 0 };
  CancelImpl ci = { &c };
  g_autoptr (CurrentsField) field = currents_field_new (&cancel_vtable, &ci, 1, 0, 1, TRUE);
  double times[200], data[200], x0 = 1.0, p = 1.0;
  SqLoss sl = { 1, data };

  for (gsize k = 0; k < 200; k++)
    {
      times[k] = 0.05 * (double) (k + 1);
      data[k] = 0.5;
    }

  for (guint m = 0; m < 4; m++)
    for (guint phase = 0; phase < 3; phase++)
      {
        g_autoptr (CurrentsAdjoint) adj = NULL;
        g_autoptr (GError) error = NULL;
        CurrentsAdjointOptions o;
        CurrentsAdjointStats st;
        double loss, gp = 0.0, gx = 0.0;
        gsize total;

        options_for (&o, m == 3 ? CURRENTS_GRADIENT_ADJOINT : (CurrentsGradientMethod) m, 1e-9);
        o.stiff = m == 3;
        adj = currents_adjoint_new (field, &o);

        /* How many evaluations a whole run takes. */
        c.cancellable = NULL;
        c.count = 0;
        c.cancel_at = 0;
        g_assert_true (currents_adjoint_run (adj, &x0, &p, NULL, 0.0, times, 200, sq_loss, &sl,
                                             &loss, NULL, &gp, &gx, &st, NULL, &error));
        g_assert_no_error (error);
        total = c.count;
        g_assert_cmpfloat (gx, <, 0.0);

        c.cancellable = g_cancellable_new ();
        c.count = 0;
        /* before the run, in the forward pass, in the backward pass */
        c.cancel_at = phase == 0 ? 0 : phase == 1 ? 20 : (3 * total) / 4;
        if (phase == 0)
          g_cancellable_cancel (c.cancellable);
        gp = gx = 0.0;
        g_assert_false (currents_adjoint_run (adj, &x0, &p, NULL, 0.0, times, 200, sq_loss, &sl,
                                              &loss, NULL, &gp, &gx, NULL, c.cancellable,
                                              &error));
        g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
        g_assert_nonnull (strstr (error->message, "at t = "));
        if (phase == 2)
          g_assert_nonnull (strstr (error->message, "backward"));
        g_assert_cmpfloat (gp, ==, 0.0);
        g_assert_cmpfloat (gx, ==, 0.0);
        g_clear_object (&c.cancellable);
      }
}

static void
test_error_invalid (void)
{
  const double x0[2] = { 10.0, 2.0 };
  const double bad_order[3] = { 1.0, 3.0, 2.0 };
  const double repeated[3] = { 1.0, 2.0, 2.0 };
  const double before[2] = { -0.5, 1.0 };
  const double nan_time[2] = { 1.0, NAN };
  const double ok_times[2] = { 1.0, 2.0 };
  const double nan_x0[2] = { NAN, 1.0 };
  CurrentsAdjointOptions o;

  options_for (&o, CURRENTS_GRADIENT_DISCRETE, 1e-8);
  {
    g_autoptr (GError) e = run_expect_error (lv_src, &o, x0, 0.0, bad_order, 3, NULL);
    g_assert_error (e, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr (GError) e = run_expect_error (lv_src, &o, x0, 0.0, repeated, 3, NULL);
    g_assert_error (e, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr (GError) e = run_expect_error (lv_src, &o, x0, 0.0, before, 2, NULL);
    g_assert_error (e, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
    g_assert_nonnull (strstr (e->message, "before t0"));
  }
  {
    g_autoptr (GError) e = run_expect_error (lv_src, &o, x0, 0.0, nan_time, 2, NULL);
    g_assert_error (e, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  }
  {
    g_autoptr (GError) e = run_expect_error (lv_src, &o, nan_x0, 0.0, ok_times, 2, NULL);
    g_assert_error (e, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  }
  {
    CurrentsAdjointOptions bad = o;
    g_autoptr (GError) e = NULL;

    bad.rtol = -1.0;
    e = run_expect_error (lv_src, &bad, x0, 0.0, ok_times, 2, NULL);
    g_assert_error (e, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  }
  {
    /* Inputs missing for a model that has them. */
    g_autoptr (GError) e = run_expect_error (toggle_src, &o, x0, 0.0, ok_times, 2, NULL);
    g_assert_error (e, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  }
}

static void
test_method_names (void)
{
  CurrentsGradientMethod m;

  g_assert_true (currents_gradient_method_from_string ("Backsolve", &m));
  g_assert_cmpint (m, ==, CURRENTS_GRADIENT_BACKSOLVE);
  g_assert_true (currents_gradient_method_from_string ("adjoint", &m));
  g_assert_cmpint (m, ==, CURRENTS_GRADIENT_ADJOINT);
  g_assert_true (currents_gradient_method_from_string ("DISCRETE", &m));
  g_assert_cmpint (m, ==, CURRENTS_GRADIENT_DISCRETE);
  g_assert_false (currents_gradient_method_from_string ("sensitivity", &m));
  g_assert_false (currents_gradient_method_from_string (NULL, &m));
  for (guint i = 0; i < 3; i++)
    {
      g_assert_true (currents_gradient_method_from_string (
        currents_gradient_method_to_string ((CurrentsGradientMethod) i), &m));
      g_assert_cmpint (m, ==, (int) i);
    }
  g_assert_cmpstr (currents_gradient_method_to_string ((CurrentsGradientMethod) 7), ==,
                   "unknown");
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/adjoint/method-names", test_method_names);
  g_test_add_func ("/engine/adjoint/dopri/decay", test_dopri_decay);
  g_test_add_func ("/engine/adjoint/dopri/linear", test_dopri_linear);
  g_test_add_func ("/engine/adjoint/dopri/rk8pd", test_dopri_rk8pd);
  g_test_add_func ("/engine/adjoint/dopri/dense", test_dopri_dense);
  g_test_add_func ("/engine/adjoint/gradient/parametric", test_gradient_parametric);
  g_test_add_func ("/engine/adjoint/gradient/hybrid", test_gradient_hybrid);
  g_test_add_func ("/engine/adjoint/gradient/input", test_gradient_input);
  g_test_add_func ("/engine/adjoint/gradient/discrete-exact", test_gradient_discrete_exact);
  g_test_add_func ("/engine/adjoint/gradient/t0-observed", test_gradient_t0_observed);
  g_test_add_func ("/engine/adjoint/gradient/accumulates", test_gradient_accumulates);
  g_test_add_func ("/engine/adjoint/gradient/seminorm", test_gradient_seminorm);
  g_test_add_func ("/engine/adjoint/stack/field", test_stack_field);
  g_test_add_func ("/engine/adjoint/stack/group-norm", test_stack_group_norm);
  g_test_add_func ("/engine/adjoint/discrete-tapes", test_tapes);
  g_test_add_func ("/engine/adjoint/backsolve-drift", test_backsolve_drift);
  g_test_add_func ("/engine/adjoint/stiff/contracting", test_stiff);
  g_test_add_func ("/engine/adjoint/stiff/robertson", test_stiff_robertson);
  g_test_add_func ("/engine/adjoint/stiff/unsupported", test_stiff_unsupported);
  g_test_add_func ("/engine/adjoint/peak-storage", test_peak_storage);
  g_test_add_func ("/engine/adjoint/errors/blowup", test_error_blowup);
  g_test_add_func ("/engine/adjoint/errors/non-finite", test_error_non_finite);
  g_test_add_func ("/engine/adjoint/errors/max-steps", test_error_max_steps);
  g_test_add_func ("/engine/adjoint/errors/loss", test_error_loss);
  g_test_add_func ("/engine/adjoint/errors/cancelled", test_error_cancelled);
  g_test_add_func ("/engine/adjoint/errors/invalid", test_error_invalid);

  return g_test_run ();
}
