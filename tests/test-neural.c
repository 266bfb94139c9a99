/* test-neural.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pure Neural ODEs: dx/dt = (σ_x/τ) ⊙ g_θ((x − m_x)/σ_x, (v(u) − m_u)/σ_u).
 * The scaling against hand computation, the field against an independent evaluation of
 * the formula and the reference 2-64-64-2 network, the exact derivatives against
 * central finite differences, and every refusal; batched evaluations and VJPs against
 * the row-by-row ones and finite differences, and the batched passes' tanh against
 * libm's.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"
#include "currents-mlp.h"
#include "currents-neural.h"

/* ------------------------------------------------------------------------------------ */
/* Data                                                                                 */

/* States x, y; inputs iptg (log-scaled in most tests), k. x has missing values, y is
 * constant, iptg has the uninduced level 0. */
static CurrentsDataset *
make_dataset (void)
{
  const char *states[] = { "x", "y", NULL };
  const char *inputs[] = { "iptg", "k", NULL };
  CurrentsDataset *ds = currents_dataset_new (states, inputs);
  const double ta[] = { 0.0, 1.5, 4.0 };
  const double sa[] = { 1.0, 3.0, 2.0, 3.0, NAN, 3.0 };
  const double ua[] = { 0.0, 2.0, 0.0, 2.0, 0.0, 2.0 };
  const double tb[] = { 0.5, 2.5 };
  const double sb[] = { 4.0, 3.0, 7.0, NAN };
  const double ub[] = { 0.1, 5.0, 0.1, 5.0 };
  const double tc[] = { 0.0, 2.0 };
  const double sc[] = { 3.0, 3.0, 5.0, 3.0 };
  const double uc[] = { 1.0, 0.5, 1.0, 0.5 };
  GError *error = NULL;

  g_assert_true (currents_dataset_add_trajectory (ds, "a", 3, ta, sa, ua, &error));
  g_assert_true (currents_dataset_add_trajectory (ds, "b", 2, tb, sb, ub, &error));
  g_assert_true (currents_dataset_add_trajectory (ds, "c", 2, tc, sc, uc, &error));
  g_assert_no_error (error);
  return ds;
}

static double
sample_sd (const double *v,
           gsize         n)
{
  double mean = 0.0, ss = 0.0;

  for (gsize i = 0; i < n; i++)
    mean += v[i];
  mean /= (double) n;
  for (gsize i = 0; i < n; i++)
    ss += (v[i] - mean) * (v[i] - mean);
  return sqrt (ss / (double) (n - 1));
}

static void
assert_close (double a,
              double b,
              double rel)
{
  if (!(fabs (a - b) <= rel * MAX (1.0, fabs (b))))
    g_error ("%.17g differs from %.17g by more than %g (relative)", a, b, rel);
}

static void
test_spec_defaults (void)
{
  CurrentsNeuralSpec spec;

  memset (&spec, 0x5a, sizeof spec);
  currents_neural_spec_init (&spec);
  g_assert_cmpuint (spec.n_hidden, ==, 2);
  g_assert_cmpuint (spec.hidden[0], ==, 64);
  g_assert_cmpuint (spec.hidden[1], ==, 64);
  g_assert_cmpint (spec.activation, ==, CURRENTS_ACTIVATION_TANH);
  g_assert_cmpuint (spec.seed, ==, 0);
  g_assert_null (spec.log_inputs);
}

static void
test_scaling (void)
{
  g_autoptr(CurrentsDataset) ds = make_dataset ();
  const char *logs[] = { "IPTG", NULL };   /* matched ignoring case, as data names are */
  CurrentsNeuralSpec spec;
  g_autoptr(CurrentsNeuralModel) model = NULL;
  const CurrentsNeuralScaling *sc;
  CurrentsColumnStats stats;
  GError *error = NULL;
  /* By hand. Observed x: 1, 2, 4, 7, 3, 5 → mean 22/6, Σx² − N m² = 104 − 484/6. */
  const double x_obs[] = { 1, 2, 4, 7, 3, 5 };
  const double x_mean = 22.0 / 6.0, x_sd = sqrt ((104.0 - 484.0 / 6.0) / 5.0);
  /* iptg over all 7 samples: 0, 0, 0, 0.1, 0.1, 1, 1; u₀ = 0.1 (smallest positive). */
  const double v_iptg[] = { log10 (0.1), log10 (0.1), log10 (0.1), log10 (0.2), log10 (0.2),
                            log10 (1.1), log10 (1.1) };
  const double iptg_mean = (3.0 * -1.0 + 2.0 * log10 (0.2) + 2.0 * log10 (1.1)) / 7.0;
  /* k: 2, 2, 2, 5, 5, 0.5, 0.5 → mean 17/7 */
  const double k_vals[] = { 2, 2, 2, 5, 5, 0.5, 0.5 };

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 3;
  spec.log_inputs = logs;
  model = currents_neural_model_new (ds, &spec, &error);
  g_assert_no_error (error);
  g_assert_nonnull (model);
  sc = currents_neural_model_get_scaling (model);

  assert_close (sc->x_mean[0], x_mean, 1e-15);
  assert_close (sc->x_scale[0], x_sd, 1e-14);
  assert_close (sc->x_scale[0], sample_sd (x_obs, 6), 1e-15);
  assert_close (sc->x_scale[0], 2.1602468994692867, 1e-15);
  /* The same statistics as the data module reports (sample sd, divisor N − 1). */
  currents_dataset_get_state_stats (ds, 0, &stats);
  g_assert_cmpfloat (sc->x_mean[0], ==, stats.mean);
  g_assert_cmpfloat (sc->x_scale[0], ==, stats.sd);
  /* y is constant: σ = 1, never 0, and its mean is its value */
  g_assert_cmpfloat (sc->x_mean[1], ==, 3.0);
  g_assert_cmpfloat (sc->x_scale[1], ==, 1.0);

  g_assert_true (sc->u_log[0]);
  g_assert_false (sc->u_log[1]);
  g_assert_cmpfloat (sc->u_offset[0], ==, 0.1);
  g_assert_cmpfloat (sc->u_offset[1], ==, 0.0);
  assert_close (sc->u_mean[0], iptg_mean, 1e-15);
  assert_close (sc->u_scale[0], sample_sd (v_iptg, 7), 1e-14);
  assert_close (sc->u_mean[1], 17.0 / 7.0, 1e-15);
  assert_close (sc->u_scale[1], sample_sd (k_vals, 7), 1e-14);
  assert_close (sc->u_scale[1], sqrt ((3 * 4 + 2 * 25 + 2 * 0.25 - 289.0 / 7.0) / 6.0), 1e-14);
  /* τ = σ_x / rms(Δx/Δt): the observed pairs of x move at 2/3 (a), 3/2 (b), 1 (c);
   * y never moves and is left out; within [D/1000, D], D = 8/3 the mean duration */
  assert_close (sc->t_scale,
                2.1602468994692867 / sqrt ((4.0 / 9.0 + 9.0 / 4.0 + 1.0) / 3.0), 1e-14);

  /* The spec as kept: the log input spelt as the data spells it. */
  g_assert_cmpstr (currents_neural_model_get_spec (model)->log_inputs[0], ==, "iptg");
  g_assert_null (currents_neural_model_get_spec (model)->log_inputs[1]);
  g_assert_cmpuint (currents_neural_model_get_n_states (model), ==, 2);
  g_assert_cmpuint (currents_neural_model_get_n_inputs (model), ==, 2);
  g_assert_cmpstr (currents_neural_model_get_state_names (model)[1], ==, "y");
  g_assert_cmpstr (currents_neural_model_get_input_names (model)[0], ==, "iptg");
}

static void
test_time_scale_zero (void)
{
  /* Single-sample trajectories: durations are 0, so τ = 1. A constant input without
   * log scaling: mean its value, σ = 1. */
  const char *states[] = { "a", NULL };
  const char *inputs[] = { "u", NULL };
  g_autoptr(CurrentsDataset) ds = currents_dataset_new (states, inputs);
  const double t = 2.385, s1 = 1.25, s2 = 0.5, u = 0.1;
  g_autoptr(CurrentsNeuralModel) model = NULL;
  GError *error = NULL;

  g_assert_true (currents_dataset_add_trajectory (ds, "1", 1, &t, &s1, &u, &error));
  g_assert_true (currents_dataset_add_trajectory (ds, "2", 1, &t, &s2, &u, &error));
  model = currents_neural_model_new (ds, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (currents_neural_model_get_scaling (model)->t_scale, ==, 1.0);
  g_assert_cmpfloat (currents_neural_model_get_scaling (model)->u_mean[0], ==, 0.1);
  g_assert_cmpfloat (currents_neural_model_get_scaling (model)->u_scale[0], ==, 1.0);
  assert_close (currents_neural_model_get_scaling (model)->x_scale[0],
                sqrt (2.0 * 0.375 * 0.375), 1e-15);
  /* default architecture: 2-64-64-1 */
  g_assert_cmpuint (currents_neural_model_get_n_params (model), ==,
                    (2 * 64 + 64) + (64 * 64 + 64) + (64 + 1));
}

/* ------------------------------------------------------------------------------------ */
/* The field                                                                            */

static void
theta_fill (double *p,
            gsize   k,
            double  amp)
{
  for (gsize i = 0; i < k; i++)
    p[i] = amp * sin (1.3 * (double) i + 0.4);
}

/* One hidden layer (width H, tanh) evaluated from the formula, nothing shared with the
 * engine but the layout W₁ (H × nin), b₁, W₂ (n × H), b₂. */
static void
formula_f (const CurrentsNeuralScaling *sc,
           gsize                        n,
           gsize                        m,
           gsize                        H,
           const double                *p,
           const double                *x,
           const double                *u,
           double                      *f)
{
  double in[8], h[8];
  gsize nin = n + m;
  const double *W1 = p, *b1 = p + H * nin, *W2 = b1 + H, *b2 = W2 + n * H;

  for (gsize j = 0; j < n; j++)
    in[j] = (x[j] - sc->x_mean[j]) / sc->x_scale[j];
  for (gsize k = 0; k < m; k++)
    in[n + k] = ((sc->u_log[k] ? log10 (u[k] + sc->u_offset[k]) : u[k]) - sc->u_mean[k])
                / sc->u_scale[k];
  for (gsize i = 0; i < H; i++)
    {
      double s = b1[i];

      for (gsize j = 0; j < nin; j++)
        s += W1[i * nin + j] * in[j];
      h[i] = tanh (s);
    }
  for (gsize i = 0; i < n; i++)
    {
      double s = b2[i];

      for (gsize j = 0; j < H; j++)
        s += W2[i * H + j] * h[j];
      f[i] = sc->x_scale[i] / sc->t_scale * s;
    }
}

static void
test_formula (void)
{
  /* 2-3-2 (no inputs) and 4-3-2 (two inputs, one log-scaled) against the formula. */
  for (int with_inputs = 0; with_inputs <= 1; with_inputs++)
    {
      g_autoptr(CurrentsDataset) full = make_dataset ();
      g_autoptr(CurrentsDataset) ds = NULL;
      const char *logs[] = { "iptg", NULL };
      const char *states[] = { "x", "y", NULL };
      CurrentsNeuralSpec spec;
      g_autoptr(CurrentsNeuralModel) model = NULL;
      g_autoptr(CurrentsFieldWorkspace) ws = NULL;
      const CurrentsNeuralScaling *sc;
      CurrentsField *field;
      GError *error = NULL;
      gsize n = 2, m = with_inputs ? 2 : 0, k;
      double p[64], f[2], g[2];
      const double pts[][4] = {
        { 2.385, 3.1, 0.0, 1.7 }, { -0.4, 2.2, 0.35, 0.5 }, { 6.3, 4.8, 1.0, 3.9 },
      };

      if (with_inputs)
        ds = g_steal_pointer (&full);
      else
        {
          /* the same states without inputs */
          const double t[] = { 0.0, 1.0, 3.0 }, s[] = { 1.0, 3.5, 2.5, 0.25, 4.0, 1.0 };

          ds = currents_dataset_new (states, NULL);
          g_assert_true (currents_dataset_add_trajectory (ds, "a", 3, t, s, NULL, &error));
        }
      currents_neural_spec_init (&spec);
      spec.n_hidden = 1;
      spec.hidden[0] = 3;
      spec.log_inputs = with_inputs ? logs : NULL;
      model = currents_neural_model_new (ds, &spec, &error);
      g_assert_no_error (error);
      field = currents_neural_model_get_field (model);
      k = currents_field_get_n_params (field);
      g_assert_cmpuint (k, ==, 3 * (n + m) + 3 + 2 * 3 + 2);
      g_assert_cmpuint (currents_field_get_n_states (field), ==, n);
      g_assert_cmpuint (currents_field_get_n_inputs (field), ==, m);
      g_assert_true (currents_field_is_autonomous (field));
      sc = currents_neural_model_get_scaling (model);
      g_assert_cmpfloat (sc->x_scale[0], !=, 1.0);
      theta_fill (p, k, 0.9);
      ws = currents_field_workspace_new (field);
      for (gsize i = 0; i < G_N_ELEMENTS (pts); i++)
        {
          currents_field_eval (ws, 0.0, pts[i], pts[i] + 2, p, f);
          formula_f (sc, n, m, 3, p, pts[i], pts[i] + 2, g);
          assert_close (f[0], g[0], 1e-14);
          assert_close (f[1], g[1], 1e-14);
          /* autonomous: t does not matter */
          currents_field_eval (ws, 123.4, pts[i], pts[i] + 2, p, g);
          g_assert_cmpfloat (f[0], ==, g[0]);
          g_assert_cmpfloat (f[1], ==, g[1]);
        }
    }
}

static void
test_initial_params (void)
{
  g_autoptr(CurrentsDataset) ds = make_dataset ();
  CurrentsNeuralSpec spec;
  g_autoptr(CurrentsNeuralModel) a = NULL, b = NULL, c = NULL;
  gsize widths[] = { 4, 7, 5, 2 };
  CurrentsMlpShape shape = { 3, widths, CURRENTS_ACTIVATION_SILU };
  g_autofree double *theta = NULL;
  gsize k;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 2;
  spec.hidden[0] = 7;
  spec.hidden[1] = 5;
  spec.activation = CURRENTS_ACTIVATION_SILU;
  spec.seed = 2385;
  a = currents_neural_model_new (ds, &spec, NULL);
  b = currents_neural_model_new (ds, &spec, NULL);
  spec.seed = 2386;
  c = currents_neural_model_new (ds, &spec, NULL);
  k = currents_neural_model_get_n_params (a);
  g_assert_cmpuint (k, ==, currents_mlp_n_weights (&shape));
  theta = g_new (double, k);
  currents_mlp_init (&shape, 2385, theta);
  g_assert_cmpmem (currents_neural_model_get_initial_params (a), k * sizeof (double),
                   theta, k * sizeof (double));
  g_assert_cmpmem (currents_neural_model_get_initial_params (b), k * sizeof (double),
                   theta, k * sizeof (double));
  g_assert_true (memcmp (currents_neural_model_get_initial_params (c), theta,
                         k * sizeof (double)) != 0);
  /* PyTorch's bound: first layer ±1/√4 */
  for (gsize i = 0; i < 7 * 4 + 7; i++)
    g_assert_cmpfloat (fabs (theta[i]), <=, 0.5);
}

static void
test_field_outlives_model (void)
{
  g_autoptr(CurrentsDataset) ds = make_dataset ();
  CurrentsNeuralSpec spec;
  CurrentsNeuralModel *model;
  g_autoptr(CurrentsField) field = NULL;
  g_autoptr(CurrentsFieldWorkspace) w1 = NULL, w2 = NULL;
  g_autofree double *p = NULL;
  double x1[2] = { 2.385, 3.3 }, x2[2] = { 0.5, 2.9 }, u[2] = { 0.0, 1.25 };
  double f1[2], f2[2], g1[2];

  currents_neural_spec_init (&spec);
  spec.hidden[0] = spec.hidden[1] = 6;
  model = currents_neural_model_new (ds, &spec, NULL);
  field = currents_field_ref (currents_neural_model_get_field (model));
  p = g_memdup2 (currents_neural_model_get_initial_params (model),
                 currents_field_get_n_params (field) * sizeof (double));
  w1 = currents_field_workspace_new (field);
  currents_field_eval (w1, 0, x1, u, p, g1);
  currents_neural_model_free (model);

  /* two workspaces interleaved */
  w2 = currents_field_workspace_new (field);
  currents_field_eval (w1, 0, x1, u, p, f1);
  currents_field_eval (w2, 0, x2, u, p, f2);
  currents_field_eval (w2, 0, x1, u, p, f2);
  g_assert_cmpfloat (f1[0], ==, g1[0]);
  g_assert_cmpfloat (f1[1], ==, g1[1]);
  g_assert_cmpfloat (f2[0], ==, g1[0]);
  g_assert_cmpfloat (f2[1], ==, g1[1]);
}

/* ------------------------------------------------------------------------------------ */
/* The reference network                                                                */

typedef struct
{
  double W1[64 * 2], b1[64], W2[64 * 64], b2[64], W3[2 * 64], b3[2];
} Reference;

static void
read_tensor (char      **lines,
             gsize      *at,
             const char *name,
             gsize       count,
             double     *out)
{
  g_auto(GStrv) head = NULL, values = NULL;
  gsize product = 1, got = 0;

  head = g_strsplit (g_strstrip (lines[*at]), " ", -1);
  g_assert_cmpstr (head[0], ==, name);
  for (gsize i = 1; head[i] != NULL; i++)
    product *= g_ascii_strtoull (head[i], NULL, 10);
  g_assert_cmpuint (product, ==, count);
  values = g_strsplit (g_strstrip (lines[*at + 1]), " ", -1);
  for (gsize i = 0; values[i] != NULL; i++)
    {
      char *end;

      if (values[i][0] == '\0')
        continue;
      g_assert_cmpuint (got, <, count);
      out[got++] = g_ascii_strtod (values[i], &end);
      g_assert_true (*end == '\0');
    }
  g_assert_cmpuint (got, ==, count);
  *at += 2;
}

static void
test_reference (void)
{
  /* the published reference weights, read where the workplace keeps them (beside the
   * source tree) rather than copied into it */
  g_autofree char *path = g_build_filename (CURRENTS_SOURCE_DIR, "..", "shared", "bench",
                                            "init_h64_seed0.txt", NULL);
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  g_autofree Reference *r = g_new0 (Reference, 1);
  g_autofree double *theta = NULL;
  const char *states[] = { "x", "y", NULL };
  const double zero[2] = { 0, 0 }, one[2] = { 1, 1 };
  CurrentsNeuralScaling sc = { zero, one, NULL, NULL, NULL, NULL, 1.0 };
  CurrentsNeuralSpec spec;
  g_autoptr(CurrentsNeuralModel) model = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  GError *error = NULL;
  gsize k, at = 0, off = 0;
  const double pts[][2] = {
    { 0.0, 0.0 }, { 2.385, 0.731 }, { -1.2, 3.4 }, { 0.25, -0.5 }, { 3.0, 3.0 },
  };

  g_assert_true (g_file_get_contents (path, &text, NULL, &error));
  g_assert_no_error (error);
  lines = g_strsplit (text, "\n", -1);
  read_tensor (lines, &at, "l1.weight", 64 * 2, r->W1);
  read_tensor (lines, &at, "l1.bias", 64, r->b1);
  read_tensor (lines, &at, "l2.weight", 64 * 64, r->W2);
  read_tensor (lines, &at, "l2.bias", 64, r->b2);
  read_tensor (lines, &at, "l3.weight", 2 * 64, r->W3);
  read_tensor (lines, &at, "l3.bias", 2, r->b3);

  currents_neural_spec_init (&spec);   /* 2 × 64 tanh */
  model = currents_neural_model_new_full (states, NULL, &spec, &sc, &error);
  g_assert_no_error (error);
  k = currents_neural_model_get_n_params (model);
  g_assert_cmpuint (k, ==, 64 * 2 + 64 + 64 * 64 + 64 + 2 * 64 + 2);

  /* PyTorch's nn.Linear weight is (out × in) row-major, as currents-mlp's W; each
   * layer's W then b, as currents-mlp lays θ out. */
  theta = g_new (double, k);
#define PUT(a) G_STMT_START { memcpy (theta + off, a, sizeof (a)); off += G_N_ELEMENTS (a); } G_STMT_END
  PUT (r->W1);
  PUT (r->b1);
  PUT (r->W2);
  PUT (r->b2);
  PUT (r->W3);
  PUT (r->b3);
#undef PUT
  g_assert_cmpuint (off, ==, k);

  ws = currents_field_workspace_new (currents_neural_model_get_field (model));
  for (gsize q = 0; q < G_N_ELEMENTS (pts); q++)
    {
      double h1[64], h2[64], y[2], f[2];

      for (int i = 0; i < 64; i++)
        {
          double s = r->b1[i];

          for (int j = 0; j < 2; j++)
            s += r->W1[i * 2 + j] * pts[q][j];
          h1[i] = tanh (s);
        }
      for (int i = 0; i < 64; i++)
        {
          double s = r->b2[i];

          for (int j = 0; j < 64; j++)
            s += r->W2[i * 64 + j] * h1[j];
          h2[i] = tanh (s);
        }
      for (int i = 0; i < 2; i++)
        {
          double s = r->b3[i];

          for (int j = 0; j < 64; j++)
            s += r->W3[i * 64 + j] * h2[j];
          y[i] = s;
        }
      currents_field_eval (ws, 0.0, pts[q], NULL, theta, f);
      /* identity scaling and the same order of summation: bit for bit */
      g_assert_cmpfloat (f[0], ==, y[0]);
      g_assert_cmpfloat (f[1], ==, y[1]);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Derivatives                                                                          */

static double
rel_error (const double *a,
           const double *b,
           gsize         n)
{
  double d = 0.0, s = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      d += (a[i] - b[i]) * (a[i] - b[i]);
      s += b[i] * b[i];
    }
  g_assert_cmpfloat (s, >, 0.0);
  return sqrt (d / s);
}

static void
check_derivatives (CurrentsActivation activation)
{
  g_autoptr(CurrentsDataset) ds = make_dataset ();
  const char *logs[] = { "iptg", NULL };
  CurrentsNeuralSpec spec;
  g_autoptr(CurrentsNeuralModel) model = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  const CurrentsNeuralScaling *sc;
  CurrentsField *field;
  GError *error = NULL;
  gsize n = 2, k;
  g_autofree double *p = NULL, *jp = NULL, *jp_fd = NULL, *gp = NULL, *gp_fd = NULL;
  g_autofree double *gp0 = NULL;
  const double pts[][4] = {
    { 2.385, 3.1, 0.0, 1.7 }, { 0.4, 2.2, 0.35, 0.5 }, { 6.3, 4.8, 1.0, 3.9 },
  };
  const double w[2] = { 0.731, -1.377 };

  currents_neural_spec_init (&spec);
  spec.n_hidden = 2;
  spec.hidden[0] = 6;
  spec.hidden[1] = 5;
  spec.activation = activation;
  spec.seed = 11;
  spec.log_inputs = logs;
  model = currents_neural_model_new (ds, &spec, &error);
  g_assert_no_error (error);
  field = currents_neural_model_get_field (model);
  sc = currents_neural_model_get_scaling (model);
  g_assert_true (sc->u_log[0]);
  g_assert_cmpfloat (sc->x_scale[0], !=, 1.0);
  g_assert_cmpfloat (sc->t_scale, !=, 1.0);
  k = currents_field_get_n_params (field);
  p = g_new (double, k);
  /* larger than the initial weights, so the activations work in their nonlinear range */
  for (gsize i = 0; i < k; i++)
    p[i] = 2.5 * currents_neural_model_get_initial_params (model)[i] + 0.1 * sin ((double) i);
  jp = g_new (double, n * k);
  jp_fd = g_new (double, n * k);
  gp = g_new (double, k);
  gp0 = g_new (double, k);
  gp_fd = g_new (double, k);
  ws = currents_field_workspace_new (field);

  for (gsize q = 0; q < G_N_ELEMENTS (pts); q++)
    {
      const double *x0 = pts[q], *u = pts[q] + 2;
      double f[2], f_j[2], f_v[2], jx[4], jx_fd[4], jx_only[4], gx[2], gx_fd[2];
      double x[2], fp[2], fm[2];

      currents_field_eval (ws, 0.0, x0, u, p, f);
      currents_field_jacobian (ws, 0.0, x0, u, p, f_j, jx, jp);
      g_assert_cmpfloat (f_j[0], ==, f[0]);
      g_assert_cmpfloat (f_j[1], ==, f[1]);
      /* without f and jp */
      currents_field_jacobian (ws, 0.0, x0, u, p, NULL, jx_only, NULL);
      g_assert_cmpmem (jx_only, sizeof jx_only, jx, sizeof jx);

      /* ∂f/∂x by central differences, h relative to the state's scale */
      for (gsize j = 0; j < n; j++)
        {
          double h = 1e-5 * sc->x_scale[j];

          memcpy (x, x0, sizeof x);
          x[j] = x0[j] + h;
          currents_field_eval (ws, 0.0, x, u, p, fp);
          x[j] = x0[j] - h;
          currents_field_eval (ws, 0.0, x, u, p, fm);
          for (gsize i = 0; i < n; i++)
            jx_fd[i * n + j] = (fp[i] - fm[i]) / (2 * h);
        }
      g_test_message ("point %" G_GSIZE_FORMAT ": |Jx - fd|/|fd| = %.2e", q,
                      rel_error (jx, jx_fd, n * n));
      g_assert_cmpfloat (rel_error (jx, jx_fd, n * n), <=, 1e-7);

      /* ∂f/∂p */
      for (gsize j = 0; j < k; j++)
        {
          double save = p[j], h = 1e-6 * MAX (1.0, fabs (save));

          p[j] = save + h;
          currents_field_eval (ws, 0.0, x0, u, p, fp);
          p[j] = save - h;
          currents_field_eval (ws, 0.0, x0, u, p, fm);
          p[j] = save;
          for (gsize i = 0; i < n; i++)
            jp_fd[i * k + j] = (fp[i] - fm[i]) / (2 * h);
        }
      g_test_message ("point %" G_GSIZE_FORMAT ": |Jp - fd|/|fd| = %.2e", q,
                      rel_error (jp, jp_fd, n * k));
      g_assert_cmpfloat (rel_error (jp, jp_fd, n * k), <=, 1e-7);

      /* VJP accumulates onto what is there */
      gx[0] = 0.5;
      gx[1] = -2.0;
      for (gsize j = 0; j < k; j++)
        gp[j] = gp0[j] = cos ((double) j);
      currents_field_vjp (ws, 0.0, x0, u, p, w, f_v, gx, gp);
      g_assert_cmpfloat (f_v[0], ==, f[0]);
      g_assert_cmpfloat (f_v[1], ==, f[1]);
      gx[0] -= 0.5;
      gx[1] += 2.0;
      for (gsize j = 0; j < n; j++)
        gx_fd[j] = w[0] * jx_fd[0 * n + j] + w[1] * jx_fd[1 * n + j];
      for (gsize j = 0; j < k; j++)
        {
          gp[j] -= gp0[j];
          gp_fd[j] = w[0] * jp_fd[j] + w[1] * jp_fd[k + j];
        }
      g_assert_cmpfloat (rel_error (gx, gx_fd, n), <=, 1e-7);
      g_assert_cmpfloat (rel_error (gp, gp_fd, k), <=, 1e-7);
      /* and agrees with wᵀJ from the exact Jacobians */
      for (gsize j = 0; j < n; j++)
        assert_close (gx[j], w[0] * jx[j] + w[1] * jx[n + j], 1e-13);

      /* either output may be NULL */
      gx[0] = gx[1] = 0.0;
      currents_field_vjp (ws, 0.0, x0, u, p, w, NULL, gx, NULL);
      for (gsize j = 0; j < n; j++)
        assert_close (gx[j], w[0] * jx[j] + w[1] * jx[n + j], 1e-13);
      memset (gp, 0, k * sizeof (double));
      currents_field_vjp (ws, 0.0, x0, u, p, w, NULL, NULL, gp);
      g_assert_cmpfloat (rel_error (gp, gp_fd, k), <=, 1e-7);
    }
}

static void
test_derivatives_tanh (void)
{
  check_derivatives (CURRENTS_ACTIVATION_TANH);
}

static void
test_derivatives_softplus (void)
{
  check_derivatives (CURRENTS_ACTIVATION_SOFTPLUS);
}

static void
test_derivatives_silu (void)
{
  check_derivatives (CURRENTS_ACTIVATION_SILU);
}

/* ------------------------------------------------------------------------------------ */
/* Refusals                                                                             */

static void
expect_error (CurrentsNeuralModel *model,
              GError             **errorp,
              const char          *fragment)
{
  GError *error = *errorp;

  *errorp = NULL;
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  if (strstr (error->message, fragment) == NULL)
    g_error ("message \"%s\" does not mention \"%s\"", error->message, fragment);
  g_error_free (error);
}

static void
test_errors (void)
{
  g_autoptr(CurrentsDataset) ds = make_dataset ();
  CurrentsNeuralSpec spec;
  GError *error = NULL;
  const char *unknown[] = { "iptg", "arabinose", NULL };
  const char *k_log[] = { "k", NULL };

  /* unknown log input */
  currents_neural_spec_init (&spec);
  spec.log_inputs = unknown;
  expect_error (currents_neural_model_new (ds, &spec, &error), &error,
                "'arabinose' is asked for as a log-scaled input, but there is no input of "
                "that name (the inputs are: iptg, k)");

  /* a zero width */
  currents_neural_spec_init (&spec);
  spec.hidden[1] = 0;
  expect_error (currents_neural_model_new (ds, &spec, &error), &error,
                "hidden layer 2 has width 0");

  /* too many layers */
  currents_neural_spec_init (&spec);
  spec.n_hidden = CURRENTS_NEURAL_MAX_LAYERS + 1;
  expect_error (currents_neural_model_new (ds, &spec, &error), &error, "too many hidden layers");

  /* no trajectories */
  {
    const char *states[] = { "x", NULL };
    g_autoptr(CurrentsDataset) empty = currents_dataset_new (states, NULL);

    expect_error (currents_neural_model_new (empty, NULL, &error), &error, "no trajectories");
  }

  /* a state never observed */
  {
    const char *states[] = { "x", "ghost", NULL };
    g_autoptr(CurrentsDataset) d = currents_dataset_new (states, NULL);
    const double t[] = { 0, 1 }, s[] = { 1, NAN, 2, NAN };

    g_assert_true (currents_dataset_add_trajectory (d, "a", 2, t, s, NULL, NULL));
    expect_error (currents_neural_model_new (d, NULL, &error), &error,
                  "state 'ghost' has no observed value");
  }

  /* log of an input with negative levels, and of one never positive */
  {
    const char *states[] = { "x", NULL };
    const char *inputs[] = { "k", NULL };
    g_autoptr(CurrentsDataset) neg = currents_dataset_new (states, inputs);
    g_autoptr(CurrentsDataset) zero = currents_dataset_new (states, inputs);
    const double t[] = { 0, 1 }, s[] = { 1, 2 }, un[] = { 0.5, -0.25 }, uz[] = { 0, 0 };

    g_assert_true (currents_dataset_add_trajectory (neg, "a", 2, t, s, un, NULL));
    g_assert_true (currents_dataset_add_trajectory (zero, "a", 2, t, s, uz, NULL));
    currents_neural_spec_init (&spec);
    spec.log_inputs = k_log;
    expect_error (currents_neural_model_new (neg, &spec, &error), &error,
                  "input 'k' cannot be log-scaled: it has a negative level (-0.25 in "
                  "trajectory \"a\")");
    expect_error (currents_neural_model_new (zero, &spec, &error), &error,
                  "input 'k' cannot be log-scaled: it is never positive");
  }

  /* new_full: a zero scale, a log flag the spec does not list, a bad offset, τ */
  {
    const char *states[] = { "x", "y", NULL };
    const char *inputs[] = { "u", NULL };
    const double mean[2] = { 0, 0 }, scale[2] = { 1, 0 }, good[2] = { 1, 2 };
    const double um[1] = { 0 }, us[1] = { 1 }, off[1] = { 0 };
    const gboolean yes[1] = { TRUE };
    const char *u_log[] = { "u", NULL };
    CurrentsNeuralScaling sc = { mean, scale, um, us, NULL, NULL, 1.0 };

    currents_neural_spec_init (&spec);
    expect_error (currents_neural_model_new_full (states, inputs, &spec, &sc, &error), &error,
                  "the scale of 'y' is 0; it must be a finite positive number");
    sc.x_scale = good;
    sc.u_log = yes;
    expect_error (currents_neural_model_new_full (states, inputs, &spec, &sc, &error), &error,
                  "input 'u' is log-scaled in the scaling but not listed in the "
                  "architecture's log inputs");
    spec.log_inputs = u_log;
    sc.u_offset = off;
    expect_error (currents_neural_model_new_full (states, inputs, &spec, &sc, &error), &error,
                  "the log offset u₀ of input 'u' must be a finite positive number");
    sc.u_offset = NULL;
    sc.u_log = NULL;   /* taken from the spec */
    sc.t_scale = 0.0;
    expect_error (currents_neural_model_new_full (states, inputs, &spec, &sc, &error), &error,
                  "the time scale is 0");
    {
      const char *dup[] = { "x", "X", NULL };

      sc.t_scale = 1.0;
      spec.log_inputs = NULL;
        expect_error (currents_neural_model_new_full (dup, inputs, &spec, &sc, &error), &error,
                    "state 'X' appears twice");
        expect_error (currents_neural_model_new_full (NULL, inputs, &spec, &sc, &error), &error,
                    "at least one state");
    }
  }
}

/* ------------------------------------------------------------------------------------ */
/* Batches                                                                              */

/* ‖a − b‖ / ‖b‖ over n values (0 when both vanish). */
static double
norm_rel (const double *a,
          const double *b,
          gsize         n)
{
  double d = 0.0, s = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      d += (a[i] - b[i]) * (a[i] - b[i]);
      s += b[i] * b[i];
    }
  return s > 0.0 ? sqrt (d / s) : sqrt (d);
}

/* Batched evaluations and VJPs against the row-by-row ones (which use libm's tanh and
 * other loops: about 1e-15 apart), with and without a tape, and against central
 * differences of the batched evaluation; B = 45 crosses the field's chunk of 32 rows. */
static void
check_batch (CurrentsActivation activation,
             gsize              B)
{
  g_autoptr(CurrentsDataset) ds = make_dataset ();
  const char *logs[] = { "iptg", NULL };
  CurrentsNeuralSpec spec;
  g_autoptr(CurrentsNeuralModel) model = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  CurrentsField *field;
  GError *error = NULL;
  const gsize n = 2, m = 2;
  gsize k, ts, q;
  g_autofree double *p = NULL, *x = NULL, *u = NULL, *w = NULL, *f = NULL, *f_rows = NULL;
  g_autofree double *gx = NULL, *gx_rows = NULL, *gx_tape = NULL, *gp = NULL;
  g_autofree double *gp_rows = NULL, *gp_tape = NULL, *tape = NULL, *f_v = NULL;
  g_autofree double *xp = NULL, *fp = NULL, *fm = NULL, *gp_fd = NULL;
  double gx_fd[2];

  currents_neural_spec_init (&spec);
  spec.hidden[0] = 12;
  spec.hidden[1] = 9;
  spec.activation = activation;
  spec.seed = 17;
  spec.log_inputs = logs;
  model = currents_neural_model_new (ds, &spec, &error);
  g_assert_no_error (error);
  field = currents_neural_model_get_field (model);
  g_assert_true (currents_field_has_batch (field));
  k = currents_field_get_n_params (field);
  ts = currents_field_get_tape_size (field, B);
  g_assert_cmpuint (ts, >, 0);
  g_assert_cmpuint (currents_field_get_tape_size (field, 2 * B), ==, 2 * ts);

  p = g_new (double, k);
  for (gsize i = 0; i < k; i++)
    p[i] = 2.0 * currents_neural_model_get_initial_params (model)[i] + 0.1 * cos ((double) i);
  x = g_new (double, B * n);
  u = g_new (double, B * m);
  w = g_new (double, B * n);
  for (gsize r = 0; r < B; r++)
    {
      x[r * n] = 2.385 + 1.7 * sin (0.9 * (double) r);
      x[r * n + 1] = 3.1 + 1.3 * cos (1.3 * (double) r);
      u[r * m] = 0.1 * (double) (r % 5);
      u[r * m + 1] = 0.5 + 0.37 * (double) (r % 3);
      w[r * n] = 0.731 - 0.05 * (double) r;
      w[r * n + 1] = -1.377 + 0.11 * sin ((double) r);
    }
  f = g_new (double, B * n);
  f_v = g_new (double, B * n);
  f_rows = g_new (double, B * n);
  gx = g_new (double, B * n);
  gx_rows = g_new (double, B * n);
  gx_tape = g_new (double, B * n);
  gp = g_new (double, k);
  gp_rows = g_new (double, k);
  gp_tape = g_new (double, k);
  tape = g_new (double, ts);
  ws = currents_field_workspace_new (field);

  /* evaluation: as the rows, and the same with or without a tape */
  currents_field_eval_batch (ws, B, 0.0, x, u, p, f, NULL);
  for (gsize r = 0; r < B; r++)
    currents_field_eval (ws, 0.0, x + r * n, u + r * m, p, f_rows + r * n);
  g_test_message ("%s, %" G_GSIZE_FORMAT " rows: |F - rows|/|rows| = %.2e",
                  currents_activation_to_string (activation), B, norm_rel (f, f_rows, B * n));
  g_assert_cmpfloat (norm_rel (f, f_rows, B * n), <=, 1e-14);
  currents_field_eval_batch (ws, B, 0.0, x, u, p, f_v, tape);
  g_assert_cmpmem (f_v, B * n * sizeof (double), f, B * n * sizeof (double));

  /* VJP: accumulates onto what is there; gp is the sum over the rows */
  for (gsize i = 0; i < B * n; i++)
    gx[i] = gx_rows[i] = gx_tape[i] = 0.25 * (double) i;
  for (gsize j = 0; j < k; j++)
    gp[j] = gp_rows[j] = gp_tape[j] = sin ((double) j);
  currents_field_vjp_batch (ws, B, 0.0, x, u, p, w, NULL, f_v, gx, gp);
  g_assert_cmpmem (f_v, B * n * sizeof (double), f, B * n * sizeof (double));
  for (gsize r = 0; r < B; r++)
    currents_field_vjp (ws, 0.0, x + r * n, u + r * m, p, w + r * n, NULL, gx_rows + r * n,
                        gp_rows);
  g_test_message ("|GX - rows| = %.2e, |gp - rows| = %.2e", norm_rel (gx, gx_rows, B * n),
                  norm_rel (gp, gp_rows, k));
  g_assert_cmpfloat (norm_rel (gx, gx_rows, B * n), <=, 1e-14);
  g_assert_cmpfloat (norm_rel (gp, gp_rows, k), <=, 1e-14);
  /* from the tape: the same numbers, bit for bit (only the forward pass is skipped) */
  currents_field_vjp_batch (ws, B, 0.0, x, u, p, w, tape, NULL, gx_tape, gp_tape);
  g_assert_cmpmem (gx_tape, B * n * sizeof (double), gx, B * n * sizeof (double));
  g_assert_cmpmem (gp_tape, k * sizeof (double), gp, k * sizeof (double));
  /* either output may be NULL */
  memset (gx_tape, 0, B * n * sizeof (double));
  currents_field_vjp_batch (ws, B, 0.0, x, u, p, w, tape, NULL, gx_tape, NULL);
  for (gsize i = 0; i < B * n; i++)
    assert_close (gx_tape[i], gx[i] - 0.25 * (double) i, 1e-13);

  /* against central differences of the batched evaluation: row q's ∂/∂x and all of ∂/∂θ */
  q = MIN (3, B - 1);
  xp = g_memdup2 (x, B * n * sizeof (double));
  fp = g_new (double, B * n);
  fm = g_new (double, B * n);
  gp_fd = g_new0 (double, k);
  memset (gx_tape, 0, B * n * sizeof (double));
  memset (gp_tape, 0, k * sizeof (double));
  currents_field_vjp_batch (ws, B, 0.0, x, u, p, w, NULL, NULL, gx_tape, gp_tape);
  for (gsize j = 0; j < n; j++)
    {
      const double h = 1e-6;
      double d = 0.0;

      xp[q * n + j] = x[q * n + j] + h;
      currents_field_eval_batch (ws, B, 0.0, xp, u, p, fp, NULL);
      xp[q * n + j] = x[q * n + j] - h;
      currents_field_eval_batch (ws, B, 0.0, xp, u, p, fm, NULL);
      xp[q * n + j] = x[q * n + j];
      for (gsize i = 0; i < n; i++)
        d += w[q * n + i] * (fp[q * n + i] - fm[q * n + i]) / (2 * h);
      gx_fd[j] = d;
    }
  g_test_message ("row %" G_GSIZE_FORMAT ": |gx - fd|/|fd| = %.2e", q,
                  norm_rel (gx_tape + q * n, gx_fd, n));
  g_assert_cmpfloat (norm_rel (gx_tape + q * n, gx_fd, n), <=, 1e-7);
  for (gsize j = 0; j < k; j++)
    {
      const double save = p[j], h = 1e-6 * MAX (1.0, fabs (save));
      double d = 0.0;

      p[j] = save + h;
      currents_field_eval_batch (ws, B, 0.0, x, u, p, fp, NULL);
      p[j] = save - h;
      currents_field_eval_batch (ws, B, 0.0, x, u, p, fm, NULL);
      p[j] = save;
      for (gsize i = 0; i < B * n; i++)
        d += w[i] * (fp[i] - fm[i]) / (2 * h);
      gp_fd[j] = d;
    }
  g_test_message ("|gp - fd|/|fd| = %.2e", norm_rel (gp_tape, gp_fd, k));
  g_assert_cmpfloat (norm_rel (gp_tape, gp_fd, k), <=, 1e-7);
}

static void
test_batch_tanh (void)
{
  check_batch (CURRENTS_ACTIVATION_TANH, 5);
  check_batch (CURRENTS_ACTIVATION_TANH, 45);
  check_batch (CURRENTS_ACTIVATION_TANH, 1);
}

static void
test_batch_others (void)
{
  check_batch (CURRENTS_ACTIVATION_SOFTPLUS, 7);
  check_batch (CURRENTS_ACTIVATION_SILU, 33);
  check_batch (CURRENTS_ACTIVATION_RELU, 6);
}

/* The wide layers of the reference architecture go through BLAS (and the thin ones
 * through the vector loops): rows of a batch against the scalar passes. */
static void
test_batch_h64 (void)
{
  const char *states[] = { "x", "y", NULL };
  const double zero[2] = { 0, 0 }, one[2] = { 1.3, 0.7 };
  CurrentsNeuralScaling sc = { zero, one, NULL, NULL, NULL, NULL, 2.5 };
  CurrentsNeuralSpec spec;
  g_autoptr(CurrentsNeuralModel) model = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  CurrentsField *field;
  GError *error = NULL;
  const gsize B = 8, n = 2;
  gsize k;
  g_autofree double *p = NULL, *gp = NULL, *gp_rows = NULL, *tape = NULL;
  double x[16], w[16], f[16], f_rows[16], gx[16] = { 0 }, gx_rows[16] = { 0 };

  currents_neural_spec_init (&spec);
  model = currents_neural_model_new_full (states, NULL, &spec, &sc, &error);
  g_assert_no_error (error);
  field = currents_neural_model_get_field (model);
  k = currents_field_get_n_params (field);
  p = g_memdup2 (currents_neural_model_get_initial_params (model), k * sizeof (double));
  gp = g_new0 (double, k);
  gp_rows = g_new0 (double, k);
  tape = g_new (double, currents_field_get_tape_size (field, B));
  for (gsize i = 0; i < B * n; i++)
    {
      x[i] = 3.0 * sin (1.7 * (double) i);
      w[i] = cos (0.3 * (double) i);
    }
  ws = currents_field_workspace_new (field);
  currents_field_eval_batch (ws, B, 0.0, x, NULL, p, f, tape);
  currents_field_vjp_batch (ws, B, 0.0, x, NULL, p, w, tape, NULL, gx, gp);
  for (gsize r = 0; r < B; r++)
    {
      currents_field_eval (ws, 0.0, x + r * n, NULL, p, f_rows + r * n);
      currents_field_vjp (ws, 0.0, x + r * n, NULL, p, w + r * n, NULL, gx_rows + r * n,
                          gp_rows);
    }
  g_assert_cmpfloat (norm_rel (f, f_rows, B * n), <=, 1e-14);
  g_assert_cmpfloat (norm_rel (gx, gx_rows, B * n), <=, 1e-14);
  g_assert_cmpfloat (norm_rel (gp, gp_rows, k), <=, 1e-14);
}

/* The batched passes' tanh against libm's: within a few ulp, and the special values. */
static void
test_tanh_kernel (void)
{
  const gsize N = 200003;
  g_autofree double *v = g_new (double, N);
  g_autofree double *ref = g_new (double, N);
  double worst = 0.0;
  double special[] = { 0.0, -0.0, 0.625, -0.625, nextafter (0.625, 0.0), 19.1, -22.0, 23.0,
                       710.0, -1e300, 5e-324, 1e-8, INFINITY, -INFINITY, NAN };

  for (gsize i = 0; i < N; i++)
    {
      /* magnitudes from 1e-9 to 40, both signs */
      double mag = pow (10.0, -9.0 + 10.6 * (double) i / (double) N);

      v[i] = (i % 2 ? -1.0 : 1.0) * mag;
      ref[i] = tanh (v[i]);
    }
  currents_mlp_tanh_array (v, N);
  for (gsize i = 0; i < N; i++)
    worst = MAX (worst, fabs (v[i] - ref[i]) / fabs (ref[i]));
  g_test_message ("largest relative error %.3g", worst);
  g_assert_cmpfloat (worst, <=, 4.5e-16);

  memcpy (v, special, sizeof special);
  currents_mlp_tanh_array (v, G_N_ELEMENTS (special));
  for (gsize i = 0; i < G_N_ELEMENTS (special); i++)
    {
      double r = tanh (special[i]);

      if (isnan (r))
        g_assert_true (isnan (v[i]));
      else
        {
          g_assert_cmpfloat (fabs (v[i] - r), <=, 4.5e-16 * fabs (r));
          g_assert_cmpint (!!signbit (v[i]), ==, !!signbit (r));
        }
    }
}


/* Exact second directional derivatives d/dε [J(x + εv) w] against central differences of
 * the exact Jacobian, with non-trivial scaling and a log-scaled input. */
static void
check_hvp (CurrentsActivation activation)
{
  g_autoptr(CurrentsDataset) ds = make_dataset ();
  const char *logs[] = { "iptg", NULL };
  CurrentsNeuralSpec spec;
  g_autoptr(CurrentsNeuralModel) model = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  CurrentsField *field;
  GError *error = NULL;
  g_autofree double *p = NULL;
  gsize k;
  const double pts[][4] = {
    { 2.385, 3.1, 0.0, 1.7 }, { 0.4, 2.2, 0.35, 0.5 }, { 6.3, 4.8, 1.0, 3.9 },
  };
  const double v[2] = { 0.813, -0.291 }, w[2] = { -1.377, 0.731 };

  currents_neural_spec_init (&spec);
  spec.n_hidden = 2;
  spec.hidden[0] = 6;
  spec.hidden[1] = 5;
  spec.activation = activation;
  spec.seed = 11;
  spec.log_inputs = logs;
  model = currents_neural_model_new (ds, &spec, &error);
  g_assert_no_error (error);
  field = currents_neural_model_get_field (model);
  g_assert_true (currents_field_has_hvp (field));
  k = currents_field_get_n_params (field);
  p = g_new (double, k);
  for (gsize i = 0; i < k; i++)
    p[i] = 2.5 * currents_neural_model_get_initial_params (model)[i] + 0.1 * sin ((double) i);
  ws = currents_field_workspace_new (field);
  for (gsize q = 0; q < G_N_ELEMENTS (pts); q++)
    {
      const double *x0 = pts[q], *u = pts[q] + 2;
      double out[2], fd[2], xp[2], xm[2], jp[4], jm[4], num = 0, den = 0;
      double h = 1e-5;

      g_assert_true (currents_field_hvp (ws, 0.0, x0, u, p, v, w, out));
      for (int j = 0; j < 2; j++)
        {
          xp[j] = x0[j] + h * v[j];
          xm[j] = x0[j] - h * v[j];
        }
      currents_field_jacobian (ws, 0.0, xp, u, p, NULL, jp, NULL);
      currents_field_jacobian (ws, 0.0, xm, u, p, NULL, jm, NULL);
      for (int i = 0; i < 2; i++)
        {
          fd[i] = 0;
          for (int j = 0; j < 2; j++)
            fd[i] += (jp[i * 2 + j] - jm[i * 2 + j]) / (2 * h) * w[j];
          num += (out[i] - fd[i]) * (out[i] - fd[i]);
          den += fd[i] * fd[i];
        }
      g_assert_cmpfloat (den, >, 0.0);
      g_assert_cmpfloat (sqrt (num / den), <=, 1e-7);
    }
}

static void
test_hvp (void)
{
  check_hvp (CURRENTS_ACTIVATION_TANH);
  check_hvp (CURRENTS_ACTIVATION_SOFTPLUS);
  check_hvp (CURRENTS_ACTIVATION_SILU);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/neural/spec-defaults", test_spec_defaults);
  g_test_add_func ("/engine/neural/scaling", test_scaling);
  g_test_add_func ("/engine/neural/time-scale-zero", test_time_scale_zero);
  g_test_add_func ("/engine/neural/formula", test_formula);
  g_test_add_func ("/engine/neural/initial-params", test_initial_params);
  g_test_add_func ("/engine/neural/field-outlives-model", test_field_outlives_model);
  g_test_add_func ("/engine/neural/reference-h64", test_reference);
  g_test_add_func ("/engine/neural/derivatives/tanh", test_derivatives_tanh);
  g_test_add_func ("/engine/neural/derivatives/softplus", test_derivatives_softplus);
  g_test_add_func ("/engine/neural/derivatives/silu", test_derivatives_silu);
  g_test_add_func ("/engine/neural/errors", test_errors);
  g_test_add_func ("/engine/neural/batch/tanh", test_batch_tanh);
  g_test_add_func ("/engine/neural/batch/other-activations", test_batch_others);
  g_test_add_func ("/engine/neural/batch/h64", test_batch_h64);
  g_test_add_func ("/engine/neural/batch/tanh-kernel", test_tanh_kernel);
  g_test_add_func ("/engine/neural/hvp", test_hvp);
  return g_test_run ();
}
