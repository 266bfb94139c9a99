/* currents-mlp.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Forward:  z_{l+1} = W_l h_l + b_l,  h_{l+1} = σ(z_{l+1}), output y = z_L (linear).
 * Backward: δ_L = ∂L/∂y;  δ_l = σ'(z_l) ⊙ (W_lᵀ δ_{l+1});
 *           ∂L/∂W_l += δ_{l+1} h_lᵀ,  ∂L/∂b_l += δ_{l+1},  ∂L/∂x += W_0ᵀ δ_1.
 *
 * The batched kernels do the same for B rows at once as matrix products (see
 * currents-mlp.h): layers at least BLAS_MIN_WIDTH wide on both sides go through
 * cblas_dgemm (B > 1) or dgemv/dger (B = 1); thin ones (the n-wide input and output
 * layers of a Neural ODE) through plain loops, which cost little and avoid BLAS's per-call
 * overhead. The choice depends on the shapes only, so a result never depends on which
 * thread computed it.
 *
 * OpenBLAS must not start threads of its own inside ours (the loss runs its own
 * workers, and determinism needs each product computed by one thread):
 * currents_mlp_blas_init() sets it to one thread, once per process, before the first
 * workspace that calls BLAS exists (neural field workspaces and the data-set loss call
 * it). The matrices here are far below OpenBLAS's own threading threshold anyway.
 *
 * tanh in the batched passes: our own branch-free kernel on 8 lanes, so that it
 * vectorises (AVX-512, AVX2 or SSE2, the clone picked at run time; valgrind, which has no
 * AVX-512, gets the AVX2 one; no FMA, so every clone rounds alike, bit for bit). The
 * scalar passes keep libm's tanh, whose numbers the reference test reproduces bit for
 * bit.
 *
 *   |x| < 0.625:  tanh x = x + x s P(s)/Q(s),  s = x²  (Cephes' rational approximation)
 *   |x| ≥ 0.625:  tanh |x| = 1 − 2/(eʸ + 1),  y = 2|x| = n ln2 + r,  |r| ≤ ln2/2,
 *                 eʳ = (Q(r²) + r P(r²)) / (Q(r²) − r P(r²))  (Cephes' exp, Padé form),
 *                 so 2/(eʸ + 1) = 2(Q − rP) / (2ⁿ(Q + rP) + (Q − rP)): one division.
 *
 * |x| is capped at 22 (tanh rounds to 1 beyond 19.1); NaN stays NaN, −0 stays −0.
 * Within 2 ulp (4e-16 relative) of libm's tanh in 4·10⁶ samples (test-neural checks it);
 * libm's takes about 12 ns per value here (through expm1), this 0.8 ns (AVX-512) or
 * 1.8 ns (AVX2).
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-mlp"

#include <math.h>
#include <string.h>

#include <cblas.h>
#include <gsl/gsl_rng.h>

#include "currents-error.h"
#include "currents-mlp.h"

gsize
currents_mlp_n_weights (const CurrentsMlpShape *shape)
{
  gsize n = 0;

  for (gsize l = 0; l < shape->n_layers; l++)
    n += shape->widths[l + 1] * shape->widths[l] + shape->widths[l + 1];
  return n;
}

/* Per layer l (1..L): z_l then h_l, each widths[l] long. */
gsize
currents_mlp_n_activations (const CurrentsMlpShape *shape)
{
  gsize n = 0;

  for (gsize l = 1; l <= shape->n_layers; l++)
    n += 2 * shape->widths[l];
  return n;
}

gsize
currents_mlp_n_scratch (const CurrentsMlpShape *shape)
{
  gsize m = 0;

  for (gsize l = 0; l <= shape->n_layers; l++)
    m = MAX (m, shape->widths[l]);
  return 2 * m;
}

/* PyTorch's default for nn.Linear: W and b uniform in ±1/√fan_in. */
void
currents_mlp_init (const CurrentsMlpShape *shape,
                   guint64                 seed,
                   double                 *theta)
{
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  gsize k = 0;

  gsl_rng_set (rng, (unsigned long) seed);
  for (gsize l = 0; l < shape->n_layers; l++)
    {
      gsize in = shape->widths[l], out = shape->widths[l + 1];
      double bound = 1.0 / sqrt ((double) in);

      for (gsize i = 0; i < out * in + out; i++)
        theta[k++] = bound * (2.0 * gsl_rng_uniform (rng) - 1.0);
    }
  gsl_rng_free (rng);
}

#define BLAS_MIN_WIDTH 8

/* Cephes tanh.c: P(s)/Q(s) for |x| < 0.625 (Q monic). */
#define TANH_P0 -9.64399179425052238628E-1
#define TANH_P1 -9.92877231001918586564E1
#define TANH_P2 -1.61468768441708447952E3
#define TANH_Q0 1.12811678491632931402E2
#define TANH_Q1 2.23548839060100448583E3
#define TANH_Q2 4.84406305325125486048E3
/* Cephes exp.c: eʳ = 1 + 2rP(r²)/(Q(r²) − rP(r²)); ln 2 = C1 + C2 with C1 exact in 20 bits */
#define EXP_P0 1.26177193074810590878E-4
#define EXP_P1 3.02994407707441961300E-2
#define EXP_P2 9.99999999999999999910E-1
#define EXP_Q0 3.00198505138664455042E-6
#define EXP_Q1 2.52448340349684104192E-3
#define EXP_Q2 2.27265548208155028766E-1
#define EXP_Q3 2.00000000000000000009E0
#define EXP_C1 6.93145751953125E-1
#define EXP_C2 1.42860682030941723212E-6
#define LOG2E 1.4426950408889634074
/* 1.5·2⁵²: adding it rounds to an integer held in the low mantissa bits */
#define ROUND_SHIFT 6755399441055744.0

/* Generic vectors (GCC at -O2 does not vectorise such loops by itself). The tanh kernel
 * works on 8 lanes: 512-bit instructions in the AVX-512 clone (twice as fast as AVX2
 * here), pairs of 256-bit ones in the AVX2 clone, SSE2 otherwise; the other kernels on
 * 4. Lanes do not interact, so every clone gives the same bits. */
typedef double  v4df __attribute__ ((vector_size (32)));
typedef double  v8df __attribute__ ((vector_size (64)));
typedef guint64 v8du __attribute__ ((vector_size (64)));

/* b in the lanes where m is all ones, else a (bitwise: no branch, nothing speculated) */
#define V8_SELECT(m, b, a) ((v8df) (((v8du) (b) & (m)) | ((v8du) (a) & ~(m))))
#define V8_SPLAT(c) ((v8df) { c, c, c, c, c, c, c, c })

/* v[0..7] = tanh(v[0..7]); pointers rather than vector arguments, whose ABI differs
 * between the clones. */
static inline __attribute__ ((always_inline)) void
v8_tanh (double *v)
{
  const v8du sign_bit = (v8du) V8_SPLAT (-0.0);
  v8df x, a, s, ps, qs, y, kd, r, rr, px, qx, scale, num, den, q;
  v8du small, ki;

  memcpy (&x, v, sizeof x);
  a = (v8df) ((v8du) x & ~sign_bit);
  /* lanes where |x| < 0.625, and NaN (which that branch keeps NaN) */
  small = (v8du) ~(a >= 0.625);
  s = x * x;
  ps = (TANH_P0 * s + TANH_P1) * s + TANH_P2;
  qs = ((s + TANH_Q0) * s + TANH_Q1) * s + TANH_Q2;
  y = 2.0 * V8_SELECT ((v8du) (a > 22.0), V8_SPLAT (22.0), a);
  kd = y * LOG2E + ROUND_SHIFT;
  ki = (v8du) kd;
  kd = kd - ROUND_SHIFT;                         /* n = round(y / ln 2), 0 ≤ n ≤ 64 */
  r = y - kd * EXP_C1;
  r = r - kd * EXP_C2;
  rr = r * r;
  px = r * ((EXP_P0 * rr + EXP_P1) * rr + EXP_P2);
  qx = ((EXP_Q0 * rr + EXP_Q1) * rr + EXP_Q2) * rr + EXP_Q3;
  scale = (v8df) ((ki + 1023) << 52);            /* 2ⁿ: the low bits of ki are n */
  num = V8_SELECT (small, x * s * ps, 2.0 * (qx - px));
  den = V8_SELECT (small, qs, scale * (qx + px) + (qx - px));
  q = num / den;
  /* tanh has the sign of x in both branches (and −0 stays −0) */
  x = (v8df) ((v8du) V8_SELECT (small, x + q, 1.0 - q) | ((v8du) x & sign_bit));
  memcpy (v, &x, sizeof x);
}

/**
 * currents_mlp_tanh_array:
 * @v: (inout): values, replaced by their tanh
 * @n: how many
 *
 * tanh by the batched passes' kernel (see the top of this file), 8 values at a time.
 */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__ ((target_clones ("avx512f", "avx2", "default")))
#endif
void
currents_mlp_tanh_array (double *v,
                         gsize   n)
{
  gsize i = 0;

  for (; i + 8 <= n; i += 8)
    v8_tanh (v + i);
  if (i < n)
    {
      /* the tail through the same lanes, so it rounds alike */
      double tail[8] = { 0 };

      memcpy (tail, v + i, (n - i) * sizeof (double));
      v8_tanh (tail);
      memcpy (v + i, tail, (n - i) * sizeof (double));
    }
}

static gpointer
blas_init_once (gpointer data)
{
  openblas_set_num_threads (1);
  return NULL;
}

/**
 * currents_mlp_blas_init:
 *
 * Makes OpenBLAS compute on the calling thread only (once per process; see the header of
 * this file for why).
 */
void
currents_mlp_blas_init (void)
{
  static GOnce once = G_ONCE_INIT;

  g_once (&once, blas_init_once, NULL);
}

static inline double
act (CurrentsActivation a,
     double             z)
{
  switch (a)
    {
    case CURRENTS_ACTIVATION_TANH:
      return tanh (z);
    case CURRENTS_ACTIVATION_SOFTPLUS:
      return z > 30.0 ? z : log1p (exp (z));
    case CURRENTS_ACTIVATION_SILU:
      return z / (1.0 + exp (-z));
    case CURRENTS_ACTIVATION_RELU:
      return z > 0.0 ? z : 0.0;
    case CURRENTS_ACTIVATION_IDENTITY:
    default:
      return z;
    }
}

/* σ'(z), given z and h = σ(z). */
static inline double
act_deriv (CurrentsActivation a,
           double             z,
           double             h)
{
  switch (a)
    {
    case CURRENTS_ACTIVATION_TANH:
      return 1.0 - h * h;
    case CURRENTS_ACTIVATION_SOFTPLUS:
      return 1.0 / (1.0 + exp (-z));
    case CURRENTS_ACTIVATION_SILU:
      {
        double s = 1.0 / (1.0 + exp (-z));
        return s * (1.0 + z * (1.0 - s));
      }
    case CURRENTS_ACTIVATION_RELU:
      return z > 0.0 ? 1.0 : 0.0;
    case CURRENTS_ACTIVATION_IDENTITY:
    default:
      return 1.0;
    }
}

/* σ''(z), given z and h = σ(z). */
static inline double
act_second (CurrentsActivation a,
            double             z,
            double             h)
{
  switch (a)
    {
    case CURRENTS_ACTIVATION_TANH:
      return -2.0 * h * (1.0 - h * h);
    case CURRENTS_ACTIVATION_SOFTPLUS:
      {
        double s = 1.0 / (1.0 + exp (-z));
        return s * (1.0 - s);
      }
    case CURRENTS_ACTIVATION_SILU:
      {
        double s = 1.0 / (1.0 + exp (-z));
        return s * (1.0 - s) * (2.0 + z * (1.0 - 2.0 * s));
      }
    case CURRENTS_ACTIVATION_RELU:
    case CURRENTS_ACTIVATION_IDENTITY:
    default:
      return 0.0;
    }
}

gsize
currents_mlp_n_hvp_scratch (const CurrentsMlpShape *shape)
{
  return 4 * currents_mlp_n_scratch (shape);
}

/**
 * currents_mlp_hvp:
 * @shape: the network
 * @theta: its weights
 * @x: the input (widths[0])
 * @v: a direction in input space
 * @w: another direction
 * @out: (out): d/dε [J(x + εv) w] at ε = 0 (widths[L] values): the second directional
 *   derivative, by forward mode over forward mode. Per layer, with z = W h + b:
 *   ḣ' = σ'(z) W ḣ for each direction, ḧ' = σ''(z) (W ḣ_v)(W ḣ_w) + σ'(z) W ḧ;
 *   the output layer is linear.
 * @scratch: currents_mlp_n_hvp_scratch() doubles
 */
void
currents_mlp_hvp (const CurrentsMlpShape *shape,
                  const double           *theta,
                  const double           *x,
                  const double           *v,
                  const double           *w,
                  double                 *out,
                  double                 *scratch)
{
  gsize maxw = currents_mlp_n_scratch (shape) / 2;
  double *h = scratch, *hv = h + maxw, *hw = hv + maxw, *hvw = hw + maxw;
  double *nh = hvw + maxw, *nhv = nh + maxw, *nhw = nhv + maxw, *nhvw = nhw + maxw;
  const double *W = theta;

  memcpy (h, x, shape->widths[0] * sizeof (double));
  memcpy (hv, v, shape->widths[0] * sizeof (double));
  memcpy (hw, w, shape->widths[0] * sizeof (double));
  memset (hvw, 0, shape->widths[0] * sizeof (double));
  for (gsize l = 0; l < shape->n_layers; l++)
    {
      gsize in = shape->widths[l], outw = shape->widths[l + 1];
      const double *b = W + outw * in;
      gboolean last = l + 1 == shape->n_layers;

      for (gsize i = 0; i < outw; i++)
        {
          const double *row = W + i * in;
          double z = b[i], zv = 0.0, zw = 0.0, zvw = 0.0;

          for (gsize j = 0; j < in; j++)
            {
              z += row[j] * h[j];
              zv += row[j] * hv[j];
              zw += row[j] * hw[j];
              zvw += row[j] * hvw[j];
            }
          if (last)
            {
              nh[i] = z;
              nhv[i] = zv;
              nhw[i] = zw;
              nhvw[i] = zvw;
            }
          else
            {
              double s = act (shape->activation, z);
              double s1 = act_deriv (shape->activation, z, s);
              double s2 = act_second (shape->activation, z, s);

              nh[i] = s;
              nhv[i] = s1 * zv;
              nhw[i] = s1 * zw;
              nhvw[i] = s2 * zv * zw + s1 * zvw;
            }
        }
      {
        double *tmp;
        tmp = h; h = nh; nh = tmp;
        tmp = hv; hv = nhv; nhv = tmp;
        tmp = hw; hw = nhw; nhw = tmp;
        tmp = hvw; hvw = nhvw; nhvw = tmp;
      }
      W = b + outw;
    }
  memcpy (out, hvw, shape->widths[shape->n_layers] * sizeof (double));
}

void
currents_mlp_forward (const CurrentsMlpShape *shape,
                      const double           *theta,
                      const double           *x,
                      double                 *acts,
                      double                 *y)
{
  const double *h = x;
  const double *w = theta;
  double *a = acts;

  for (gsize l = 0; l < shape->n_layers; l++)
    {
      gsize in = shape->widths[l], out = shape->widths[l + 1];
      const double *b = w + out * in;
      double *z = a, *hn = a + out;
      gboolean last = (l + 1 == shape->n_layers);

      for (gsize i = 0; i < out; i++)
        {
          const double *row = w + i * in;
          double s = b[i];

          for (gsize j = 0; j < in; j++)
            s += row[j] * h[j];
          z[i] = s;
          hn[i] = last ? s : act (shape->activation, s);
        }
      h = hn;
      w = b + out;
      a += 2 * out;
    }
  if (y != NULL)
    memcpy (y, h, shape->widths[shape->n_layers] * sizeof (double));
}

/* Needs acts from currents_mlp_forward() at the same x and θ; scratch holds
 * currents_mlp_n_scratch() doubles. dx and dtheta may be NULL. */
void
currents_mlp_backward (const CurrentsMlpShape *shape,
                       const double           *theta,
                       const double           *x,
                       const double           *acts,
                       const double           *dy,
                       double                 *dx,
                       double                 *dtheta,
                       double                 *scratch)
{
  gsize L = shape->n_layers;
  gsize half = currents_mlp_n_scratch (shape) / 2;
  double *delta = scratch, *delta_prev = scratch + half;
  gsize w_off[64], a_off[64];
  gsize wo = 0, ao = 0;

  g_assert (L < G_N_ELEMENTS (w_off));
  for (gsize l = 0; l < L; l++)
    {
      w_off[l] = wo;
      a_off[l] = ao;
      wo += shape->widths[l + 1] * shape->widths[l] + shape->widths[l + 1];
      ao += 2 * shape->widths[l + 1];
    }

  memcpy (delta, dy, shape->widths[L] * sizeof (double));
  for (gsize l = L; l-- > 0;)
    {
      gsize in = shape->widths[l], out = shape->widths[l + 1];
      const double *W = theta + w_off[l];
      const double *h_in = l == 0 ? x : acts + a_off[l - 1] + shape->widths[l];

      if (dtheta != NULL)
        {
          double *gW = dtheta + w_off[l], *gb = gW + out * in;

          for (gsize i = 0; i < out; i++)
            {
              double d = delta[i];

              if (d == 0.0)
                continue;
              for (gsize j = 0; j < in; j++)
                gW[i * in + j] += d * h_in[j];
              gb[i] += d;
            }
        }
      if (l == 0 && dx == NULL)
        break;
      for (gsize j = 0; j < in; j++)
        delta_prev[j] = 0.0;
      for (gsize i = 0; i < out; i++)
        {
          double d = delta[i];

          if (d == 0.0)
            continue;
          for (gsize j = 0; j < in; j++)
            delta_prev[j] += W[i * in + j] * d;
        }
      if (l == 0)
        {
          for (gsize j = 0; j < in; j++)
            dx[j] += delta_prev[j];
          break;
        }
      {
        const double *z = acts + a_off[l - 1], *h = z + in;

        for (gsize j = 0; j < in; j++)
          delta_prev[j] *= act_deriv (shape->activation, z[j], h[j]);
      }
      {
        double *tmp = delta;
        delta = delta_prev;
        delta_prev = tmp;
      }
    }
}

/* ------------------------------------------------------------------------------------ */
/* Batched kernels                                                                      */

static inline gboolean
tape_has_z (CurrentsActivation a)
{
  return a == CURRENTS_ACTIVATION_SOFTPLUS || a == CURRENTS_ACTIVATION_SILU;
}

/* Doubles per batch row of a batched forward pass's tape. */
gsize
currents_mlp_n_tape (const CurrentsMlpShape *shape)
{
  gsize n = 0;

  for (gsize l = 1; l < shape->n_layers; l++)
    n += shape->widths[l];
  return tape_has_z (shape->activation) ? 2 * n : n;
}

static inline gboolean
use_blas (gsize in,
          gsize out)
{
  return in >= BLAS_MIN_WIDTH && out >= BLAS_MIN_WIDTH;
}

/* Doubles of scratch a batched pass of @n_rows rows needs: two B × (widest layer)
 * matrices, and the transposed weights and weight gradient of a thin input layer. */
gsize
currents_mlp_n_batch_scratch (const CurrentsMlpShape *shape,
                              gsize                   n_rows)
{
  gsize wide = 0, thin = 0;

  for (gsize l = 0; l <= shape->n_layers; l++)
    wide = MAX (wide, shape->widths[l]);
  for (gsize l = 0; l < shape->n_layers; l++)
    if (!use_blas (shape->widths[l], shape->widths[l + 1]))
      thin = MAX (thin, shape->widths[l] * shape->widths[l + 1]);
  return 2 * n_rows * wide + 2 * thin;
}

/* Small vector kernels on 4 lanes (GCC at -O2 vectorises none of these loops by itself).
 * They are inlined into the batched passes, which are cloned for AVX2. Element-wise ones
 * round exactly as their scalar loops would; dot products keep four partial sums. */
#define ALWAYS_INLINE static inline __attribute__ ((always_inline))

/* y += a x */
ALWAYS_INLINE void
v_axpy (double       *y,
        double        a,
        const double *x,
        gsize         n)
{
  gsize i = 0;

  for (; i + 4 <= n; i += 4)
    {
      v4df vx, vy;

      memcpy (&vx, x + i, sizeof vx);
      memcpy (&vy, y + i, sizeof vy);
      vy = vy + a * vx;
      memcpy (y + i, &vy, sizeof vy);
    }
  for (; i < n; i++)
    y[i] = y[i] + a * x[i];
}

/* y += x */
ALWAYS_INLINE void
v_add (double       *y,
       const double *x,
       gsize         n)
{
  gsize i = 0;

  for (; i + 4 <= n; i += 4)
    {
      v4df vx, vy;

      memcpy (&vx, x + i, sizeof vx);
      memcpy (&vy, y + i, sizeof vy);
      vy = vy + vx;
      memcpy (y + i, &vy, sizeof vy);
    }
  for (; i < n; i++)
    y[i] = y[i] + x[i];
}

/* Σ a_i b_i: lane q sums the i ≡ q (mod 4), then (s0 + s1) + (s2 + s3), then the tail. */
ALWAYS_INLINE double
v_dot (const double *a,
       const double *b,
       gsize         n)
{
  v4df acc = { 0.0, 0.0, 0.0, 0.0 };
  double s;
  gsize i = 0;

  for (; i + 4 <= n; i += 4)
    {
      v4df va, vb;

      memcpy (&va, a + i, sizeof va);
      memcpy (&vb, b + i, sizeof vb);
      acc = acc + va * vb;
    }
  s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  for (; i < n; i++)
    s += a[i] * b[i];
  return s;
}

/* d ⊙= σ'(z), given h = σ(z) (z only where tape_has_z()). */
ALWAYS_INLINE void
act_deriv_rows (CurrentsActivation a,
                double            *d,
                const double      *z,
                const double      *h,
                gsize              len)
{
  gsize i = 0;

  switch (a)
    {
    case CURRENTS_ACTIVATION_TANH:
      for (; i + 4 <= len; i += 4)
        {
          v4df vd, vh;

          memcpy (&vd, d + i, sizeof vd);
          memcpy (&vh, h + i, sizeof vh);
          vd = vd * (1.0 - vh * vh);
          memcpy (d + i, &vd, sizeof vd);
        }
      for (; i < len; i++)
        d[i] *= 1.0 - h[i] * h[i];
      break;
    case CURRENTS_ACTIVATION_RELU:
      /* z > 0 exactly where h = max(z, 0) > 0 */
      for (; i < len; i++)
        d[i] *= h[i] > 0.0 ? 1.0 : 0.0;
      break;
    case CURRENTS_ACTIVATION_IDENTITY:
      break;
    default:
      for (; i < len; i++)
        d[i] *= act_deriv (a, z[i], h[i]);
      break;
    }
}

/* v = σ(v), len values */
static void
act_rows (CurrentsActivation a,
          double            *v,
          gsize              len)
{
  switch (a)
    {
    case CURRENTS_ACTIVATION_TANH:
      currents_mlp_tanh_array (v, len);
      break;
    case CURRENTS_ACTIVATION_IDENTITY:
      break;
    default:
      for (gsize i = 0; i < len; i++)
        v[i] = act (a, v[i]);
      break;
    }
}

/* wt (in × out) = Wᵀ */
ALWAYS_INLINE void
transpose (gsize         in,
           gsize         out,
           const double *W,
           double       *wt)
{
  for (gsize i = 0; i < out; i++)
    for (gsize j = 0; j < in; j++)
      wt[j * out + i] = W[i * in + j];
}

/* Z (B × out) = H (B × in) Wᵀ + 1 bᵀ,  W out × in; wt: in × out scratch. */
ALWAYS_INLINE void
affine_rows (gsize         B,
             gsize         in,
             gsize         out,
             const double *W,
             const double *b,
             const double *H,
             double       *Z,
             double       *wt)
{
  if (use_blas (in, out))
    {
      for (gsize r = 0; r < B; r++)
        memcpy (Z + r * out, b, out * sizeof (double));
      if (B > 1)
        cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasTrans, (int) B, (int) out, (int) in,
                     1.0, H, (int) in, W, (int) in, 1.0, Z, (int) out);
      else
        cblas_dgemv (CblasRowMajor, CblasNoTrans, (int) out, (int) in, 1.0, W, (int) in, H,
                     1, 1.0, Z, 1);
    }
  else if (in <= out)
    {
      /* thin input: z_r = b + Σ_j h_rj (column j of W) */
      transpose (in, out, W, wt);
      for (gsize r = 0; r < B; r++)
        {
          double *z = Z + r * out;

          memcpy (z, b, out * sizeof (double));
          for (gsize j = 0; j < in; j++)
            v_axpy (z, H[r * in + j], wt + j * out, out);
        }
    }
  else
    /* thin output: one dot product per entry */
    for (gsize r = 0; r < B; r++)
      for (gsize i = 0; i < out; i++)
        Z[r * out + i] = b[i] + v_dot (W + i * in, H + r * in, in);
}

/* gW (out × in) += Dᵀ H,  gb += 1ᵀ D  (D: B × out, H: B × in); gwt: in × out scratch. */
ALWAYS_INLINE void
affine_grad_params (gsize         B,
                    gsize         in,
                    gsize         out,
                    const double *D,
                    const double *H,
                    double       *gW,
                    double       *gb,
                    double       *gwt)
{
  if (use_blas (in, out) && B > 1)
    cblas_dgemm (CblasRowMajor, CblasTrans, CblasNoTrans, (int) out, (int) in, (int) B, 1.0,
                 D, (int) out, H, (int) in, 1.0, gW, (int) in);
  else if (use_blas (in, out))
    cblas_dger (CblasRowMajor, (int) out, (int) in, 1.0, D, 1, H, 1, gW, (int) in);
  else if (in <= out)
    {
      /* thin input: accumulate Hᵀ D (in × out, rows contiguous), then add it transposed */
      memset (gwt, 0, in * out * sizeof (double));
      for (gsize r = 0; r < B; r++)
        for (gsize j = 0; j < in; j++)
          v_axpy (gwt + j * out, H[r * in + j], D + r * out, out);
      for (gsize i = 0; i < out; i++)
        for (gsize j = 0; j < in; j++)
          gW[i * in + j] += gwt[j * out + i];
    }
  else
    for (gsize r = 0; r < B; r++)
      for (gsize i = 0; i < out; i++)
        v_axpy (gW + i * in, D[r * out + i], H + r * in, in);
  for (gsize r = 0; r < B; r++)
    v_add (gb, D + r * out, out);
}

/* G (B × in) = D W, or G += D W when @accumulate  (D: B × out, W: out × in); wt: the
 * transposed W of a thin input layer (affine_rows() made it). */
ALWAYS_INLINE void
affine_grad_input (gsize         B,
                   gsize         in,
                   gsize         out,
                   const double *W,
                   const double *D,
                   double       *G,
                   gboolean      accumulate,
                   double       *wt)
{
  if (use_blas (in, out) && B > 1)
    cblas_dgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, (int) B, (int) in, (int) out, 1.0,
                 D, (int) out, W, (int) in, accumulate ? 1.0 : 0.0, G, (int) in);
  else if (use_blas (in, out))
    cblas_dgemv (CblasRowMajor, CblasTrans, (int) out, (int) in, 1.0, W, (int) in, D, 1,
                 accumulate ? 1.0 : 0.0, G, 1);
  else if (in <= out)
    {
      /* thin input: g_rj = Σ_i d_ri W_ij, a dot product with row j of Wᵀ */
      transpose (in, out, W, wt);
      for (gsize r = 0; r < B; r++)
        for (gsize j = 0; j < in; j++)
          {
            const double v = v_dot (D + r * out, wt + j * out, out);

            G[r * in + j] = accumulate ? G[r * in + j] + v : v;
          }
    }
  else
    for (gsize r = 0; r < B; r++)
      {
        double *g = G + r * in;

        if (!accumulate)
          memset (g, 0, in * sizeof (double));
        for (gsize i = 0; i < out; i++)
          v_axpy (g, D[r * out + i], W + i * in, in);
      }
}

/**
 * currents_mlp_forward_batch:
 * @shape: the network
 * @theta: its weights
 * @n_rows: B
 * @x: B × widths[0] inputs, row-major
 * @y: (out): B × widths[L] outputs
 * @tape: (out) (nullable): B · currents_mlp_n_tape() doubles for a backward pass
 * @scratch: currents_mlp_n_batch_scratch() doubles
 *
 * y_r = g_θ(x_r) for every row; allocates nothing.
 */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__ ((target_clones ("avx2", "default")))
#endif
void
currents_mlp_forward_batch (const CurrentsMlpShape *shape,
                            const double           *theta,
                            gsize                   n_rows,
                            const double           *x,
                            double                 *y,
                            double                 *tape,
                            double                 *scratch)
{
  const gsize B = n_rows, L = shape->n_layers;
  gsize half = 0;
  const gboolean store_z = tape != NULL && tape_has_z (shape->activation);
  const double *h = x;
  const double *w = theta;
  double *t = tape;
  double *wt;

  for (gsize l = 0; l <= L; l++)
    half = MAX (half, B * shape->widths[l]);
  wt = scratch + 2 * half;
  for (gsize l = 0; l < L; l++)
    {
      const gsize in = shape->widths[l], out = shape->widths[l + 1];
      const double *b = w + out * in;
      const gboolean last = l + 1 == L;
      double *z = last ? y : t != NULL ? t : scratch + (l % 2) * half;

      affine_rows (B, in, out, w, b, h, z, wt);
      if (!last)
        {
          if (store_z)
            memcpy (z + B * out, z, B * out * sizeof (double));
          act_rows (shape->activation, z, B * out);
          h = z;
          if (t != NULL)
            t += (store_z ? 2 : 1) * B * out;
        }
      w = b + out;
    }
}

/**
 * currents_mlp_backward_batch:
 * @shape: the network
 * @theta: its weights
 * @n_rows: B
 * @x: B × widths[0], the inputs of the forward pass
 * @tape: its tape (currents_mlp_forward_batch() at the same @x and @theta)
 * @dy: B × widths[L], ∂L/∂y per row
 * @dx: (inout) (nullable): B × widths[0], ∂L/∂x is added per row
 * @dtheta: (inout) (nullable): ∂L/∂θ summed over the rows is added
 * @scratch: currents_mlp_n_batch_scratch() doubles
 */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
__attribute__ ((target_clones ("avx2", "default")))
#endif
void
currents_mlp_backward_batch (const CurrentsMlpShape *shape,
                             const double           *theta,
                             gsize                   n_rows,
                             const double           *x,
                             const double           *tape,
                             const double           *dy,
                             double                 *dx,
                             double                 *dtheta,
                             double                 *scratch)
{
  const gsize B = n_rows, L = shape->n_layers;
  const gsize zf = tape_has_z (shape->activation) ? 2 : 1;
  gsize half = 0, w_off[64], t_off[64], wo = 0, to = 0;
  double *delta, *delta_prev, *wt, *gwt;

  g_assert (L < G_N_ELEMENTS (w_off));
  for (gsize l = 0; l <= L; l++)
    half = MAX (half, B * shape->widths[l]);
  delta = scratch;
  delta_prev = scratch + half;
  wt = scratch + 2 * half;
  gwt = wt + (currents_mlp_n_batch_scratch (shape, B) - 2 * half) / 2;
  for (gsize l = 0; l < L; l++)
    {
      w_off[l] = wo;
      t_off[l] = to;       /* where H_l starts (hidden layers l ≥ 1) */
      wo += shape->widths[l + 1] * shape->widths[l] + shape->widths[l + 1];
      if (l > 0)
        to += zf * B * shape->widths[l];
    }

  memcpy (delta, dy, B * shape->widths[L] * sizeof (double));
  for (gsize l = L; l-- > 0;)
    {
      const gsize in = shape->widths[l], out = shape->widths[l + 1];
      const double *W = theta + w_off[l];
      const double *h_in = l == 0 ? x : tape + t_off[l];

      if (dtheta != NULL)
        affine_grad_params (B, in, out, delta, h_in, dtheta + w_off[l],
                            dtheta + w_off[l] + out * in, gwt);
      if (l == 0)
        {
          if (dx != NULL)
            affine_grad_input (B, in, out, W, delta, dx, TRUE, wt);
          break;
        }
      affine_grad_input (B, in, out, W, delta, delta_prev, FALSE, wt);
      act_deriv_rows (shape->activation, delta_prev, zf == 2 ? h_in + B * in : NULL, h_in,
                      B * in);
      {
        double *tmp = delta;
        delta = delta_prev;
        delta_prev = tmp;
      }
    }
}

gboolean
currents_activation_from_string (const char         *name,
                                 CurrentsActivation *activation)
{
  static const struct { const char *name; CurrentsActivation a; } table[] = {
    { "tanh", CURRENTS_ACTIVATION_TANH },
    { "softplus", CURRENTS_ACTIVATION_SOFTPLUS },
    { "silu", CURRENTS_ACTIVATION_SILU },
    { "swish", CURRENTS_ACTIVATION_SILU },
    { "relu", CURRENTS_ACTIVATION_RELU },
    { "identity", CURRENTS_ACTIVATION_IDENTITY },
    { "linear", CURRENTS_ACTIVATION_IDENTITY },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_ascii_strcasecmp (name, table[i].name) == 0)
      {
        *activation = table[i].a;
        return TRUE;
      }
  return FALSE;
}

const char *
currents_activation_to_string (CurrentsActivation activation)
{
  switch (activation)
    {
    case CURRENTS_ACTIVATION_TANH: return "tanh";
    case CURRENTS_ACTIVATION_SOFTPLUS: return "softplus";
    case CURRENTS_ACTIVATION_SILU: return "silu";
    case CURRENTS_ACTIVATION_RELU: return "relu";
    case CURRENTS_ACTIVATION_IDENTITY: return "identity";
    default: return "?";
    }
}

/**
 * currents_mlp_load_text:
 * @path: a text file of tensors, each a line `name dim…` followed by a line of
 *   dim₁·dim₂… numbers (PyTorch's row-major order), layers in order, weight then bias
 *   (the format of shared/bench/init_h64_seed0.txt)
 * @n_weights: how many numbers the network needs
 * @theta: (out): the weights in currents-mlp layout (the same order)
 * @error: a message naming the line that is wrong
 */
gboolean
currents_mlp_load_text (const char  *path,
                        gsize        n_weights,
                        double      *theta,
                        GError     **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GError *local = NULL;
  gsize k = 0;

  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  lines = g_strsplit (text, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) head = NULL;
      g_auto(GStrv) vals = NULL;
      gsize count = 1, dims = 0;

      g_strstrip (lines[i]);
      if (*lines[i] == '\0' || *lines[i] == '#')
        continue;
      head = g_strsplit_set (lines[i], " \t", -1);
      for (gsize d = 1; head[d] != NULL; d++)
        if (*head[d] != '\0')
          {
            char *end = NULL;
            guint64 v = g_ascii_strtoull (head[d], &end, 10);
            if (*end != '\0' || v == 0)
              {
                g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                             "%s:%" G_GSIZE_FORMAT ": expected a tensor name and its "
                             "dimensions, found '%s'", path, i + 1, lines[i]);
                return FALSE;
              }
            count *= (gsize) v;
            dims++;
          }
      if (dims == 0 || lines[i + 1] == NULL)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                       "%s:%" G_GSIZE_FORMAT ": expected a tensor name and its dimensions "
                       "followed by a line of values", path, i + 1);
          return FALSE;
        }
      i++;
      vals = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      for (gsize v = 0; vals[v] != NULL; v++)
        {
          char *end = NULL;
          double x;

          if (*vals[v] == '\0')
            continue;
          x = g_ascii_strtod (vals[v], &end);
          if (*end != '\0' || !isfinite (x) || k >= n_weights || count == 0)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                           "%s:%" G_GSIZE_FORMAT ": %s", path, i + 1,
                           k >= n_weights ? "more weights than the network has" :
                           count == 0 ? "more values than the tensor's dimensions say"
                                      : "expected finite numbers");
              return FALSE;
            }
          theta[k++] = x;
          count--;
        }
      if (count != 0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                       "%s:%" G_GSIZE_FORMAT ": '%s' has fewer values than its dimensions "
                       "say", path, i + 1, head[0]);
          return FALSE;
        }
    }
  if (k != n_weights)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "%s has %" G_GSIZE_FORMAT " weights; the network needs %" G_GSIZE_FORMAT,
                   path, k, n_weights);
      return FALSE;
    }
  return TRUE;
}

gsize
currents_mlp_n_trace_scratch (const CurrentsMlpShape *shape)
{
  gsize total = 0, maxw = 0;

  for (gsize l = 0; l <= shape->n_layers; l++)
    {
      total += shape->widths[l];
      maxw = MAX (maxw, shape->widths[l]);
    }
  return 4 * total + 4 * maxw;
}

/**
 * currents_mlp_trace_grad:
 * @shape: the network
 * @theta: its weights
 * @x: the input (widths[0])
 * @n_diag: how many diagonal entries, ≤ min(widths[0], widths[L])
 * @a: their weights (n_diag values)
 * @dx: (inout) (nullable): ∂D/∂x is added here (widths[0] values)
 * @dtheta: (inout) (nullable): ∂D/∂θ is added here
 * @scratch: currents_mlp_n_trace_scratch() doubles
 *
 * The weighted trace of the Jacobian D = Σ_{i < n_diag} a_i ∂y_i/∂x_i (a field's
 * divergence) and its exact gradient: per direction e_i, forward mode (tangents ż = W ḣ,
 * ḣ = σ'(z) ż, ḣ₀ = e_i), then reverse mode through both the primal and the tangent pass:
 *
 *   W̄ += ż̄ ḣᵀ + z̄ hᵀ,  b̄ += z̄,  ḣ̄ = Wᵀż̄,  h̄ = Wᵀz̄,
 *   ż̄ = σ'(z) ḣ̄,  z̄ = σ'(z) h̄ + σ''(z) ż ḣ̄,   seeds ż̄_L = a_i e_i, z̄_L = 0.
 *
 * Returns: D
 */
double
currents_mlp_trace_grad (const CurrentsMlpShape *shape,
                         const double           *theta,
                         const double           *x,
                         gsize                   n_diag,
                         const double           *a,
                         double                 *dx,
                         double                 *dtheta,
                         double                 *scratch)
{
  gsize L = shape->n_layers, total = 0, maxw = 0;
  gsize off[CURRENTS_MLP_TRACE_MAX_LAYERS + 1], woff[CURRENTS_MLP_TRACE_MAX_LAYERS];
  double *h, *z, *zd, *hd, *bz, *bzd, *bh, *bhd;
  double D = 0.0;

  g_return_val_if_fail (L <= CURRENTS_MLP_TRACE_MAX_LAYERS, NAN);
  g_return_val_if_fail (n_diag <= MIN (shape->widths[0], shape->widths[L]), NAN);

  for (gsize l = 0, w = 0; l <= L; l++)
    {
      off[l] = total;
      total += shape->widths[l];
      maxw = MAX (maxw, shape->widths[l]);
      if (l < L)
        {
          woff[l] = w;
          w += shape->widths[l + 1] * shape->widths[l] + shape->widths[l + 1];
        }
    }
  /* per layer l: h_l, z_l (l ≥ 1), ż_l (l ≥ 1), ḣ_l; then four work vectors */
  h = scratch;
  z = h + total;
  zd = z + total;
  hd = zd + total;
  bz = hd + total;
  bzd = bz + maxw;
  bh = bzd + maxw;
  bhd = bh + maxw;

  /* primal */
  memcpy (h, x, shape->widths[0] * sizeof (double));
  for (gsize l = 0; l < L; l++)
    {
      gsize in = shape->widths[l], out = shape->widths[l + 1];
      const double *W = theta + woff[l], *b = W + out * in;

      for (gsize r = 0; r < out; r++)
        {
          double s = b[r];

          for (gsize c = 0; c < in; c++)
            s += W[r * in + c] * h[off[l] + c];
          z[off[l + 1] + r] = s;
          h[off[l + 1] + r] = l + 1 == L ? s : act (shape->activation, s);
        }
    }

  for (gsize i = 0; i < n_diag; i++)
    {
      /* tangent along e_i */
      memset (hd, 0, shape->widths[0] * sizeof (double));
      hd[i] = 1.0;
      for (gsize l = 0; l < L; l++)
        {
          gsize in = shape->widths[l], out = shape->widths[l + 1];
          const double *W = theta + woff[l];

          for (gsize r = 0; r < out; r++)
            {
              double s = 0.0, zz = z[off[l + 1] + r];

              for (gsize c = 0; c < in; c++)
                s += W[r * in + c] * hd[off[l] + c];
              zd[off[l + 1] + r] = s;
              hd[off[l + 1] + r] = l + 1 == L ? s
                : act_deriv (shape->activation, zz, h[off[l + 1] + r]) * s;
            }
        }
      D += a[i] * zd[off[L] + i];

      /* reverse */
      memset (bz, 0, shape->widths[L] * sizeof (double));
      memset (bzd, 0, shape->widths[L] * sizeof (double));
      bzd[i] = a[i];
      for (gsize l = L; l-- > 0;)
        {
          gsize in = shape->widths[l], out = shape->widths[l + 1];
          const double *W = theta + woff[l];

          if (dtheta != NULL)
            {
              double *dW = dtheta + woff[l], *db = dW + out * in;

              for (gsize r = 0; r < out; r++)
                {
                  for (gsize c = 0; c < in; c++)
                    dW[r * in + c] += bzd[r] * hd[off[l] + c] + bz[r] * h[off[l] + c];
                  db[r] += bz[r];
                }
            }
          for (gsize c = 0; c < in; c++)
            {
              double sd = 0.0, s = 0.0;

              for (gsize r = 0; r < out; r++)
                {
                  sd += W[r * in + c] * bzd[r];
                  s += W[r * in + c] * bz[r];
                }
              bhd[c] = sd;
              bh[c] = s;
            }
          if (l == 0)
            {
              if (dx != NULL)
                for (gsize c = 0; c < in; c++)
                  dx[c] += bh[c];
            }
          else
            for (gsize c = 0; c < in; c++)
              {
                double zz = z[off[l] + c], hh = h[off[l] + c];
                double s1 = act_deriv (shape->activation, zz, hh);
                double s2 = act_second (shape->activation, zz, hh);

                bzd[c] = s1 * bhd[c];
                bz[c] = s1 * bh[c] + s2 * zd[off[l] + c] * bhd[c];
              }
        }
    }
  return D;
}
