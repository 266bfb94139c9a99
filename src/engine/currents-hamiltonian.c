/* currents-hamiltonian.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Hamiltonian networks (see currents-hamiltonian.h):
 *
 *   H(x) = κ H̃(ξ),  ξ = (x − m) ⊘ σ,   f = (J − R)∇H,   R = [[0, 0], [0, D]],  D = L Lᵀ.
 *
 * Everything comes from one pass over the MLP H̃ with tangents: given a direction v,
 * the forward pass carries h_l and ḣ_l = ∂h_l/∂ξ · ṽ (ṽ = v ⊘ σ),
 *
 *   z_{l+1} = W_l h_l + b_l,  ż_{l+1} = W_l ḣ_l,  h_{l+1} = σ(z),  ḣ_{l+1} = σ'(z) ż,
 *
 * and ends in H̃ and s̃ = ṽᵀ∇H̃. The reverse pass of s̃ (adjoints h̄, ḣ̄; s̄ = 1) runs
 *
 *   z̄ = σ'(z) h̄ + σ''(z) ż ḣ̄,   ż̄ = σ'(z) ḣ̄,
 *   ∂W_l += z̄ h_lᵀ + ż̄ ḣ_lᵀ,  ∂b_l += z̄,   h̄_l = W_lᵀ z̄,  ḣ̄_l = W_lᵀ ż̄,
 *
 * and leaves ḣ̄₀ = ∇H̃(ξ) and h̄₀ = ∇²H̃(ξ) ṽ. In physical units
 *
 *   ∇H = κ ∇H̃ ⊘ σ,   ∇²H v = κ (∇²H̃ ṽ) ⊘ σ,   ∂(vᵀ∇H)/∂θ = κ ∂s̃/∂θ.
 *
 * VJP: wᵀf = vᵀ∇H with v = (J − R)ᵀw = (−w_p, w_q − D w_p), so gx += ∇²H v and
 * gθ += ∂(vᵀ∇H)/∂θ; for L, with g = ∇H, wᵀf ∋ −w_pᵀ L Lᵀ g_p, whose derivative is
 * ∂/∂L_ij = −(w_p,i (Lᵀg_p)_j + g_p,i (Lᵀw_p)_j), j ≤ i.
 * The Jacobian ∂f/∂x takes 2d passes (v = e_j gives the Hessian's columns), ∂f/∂θ 2d VJPs.
 * The hvp differentiates the pass along w once more along v (ham_third()).
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-hamiltonian"

#include <math.h>
#include <string.h>

#include "currents-error.h"
#include "currents-field-private.h"
#include "currents-hamiltonian.h"
#include "currents-mlp.h"

typedef struct
{
  gsize              n;            /* states, 2d */
  gsize              d;
  gsize              n_layers;     /* affine layers = n_hidden + 1 */
  gsize              widths[CURRENTS_HAMILTONIAN_MAX_LAYERS + 2];
  gsize              offsets[CURRENTS_HAMILTONIAN_MAX_LAYERS + 1]; /* W_l in θ */
  gsize              act_offsets[CURRENTS_HAMILTONIAN_MAX_LAYERS + 2];
  gsize              n_acts;       /* Σ widths over the input and hidden layers */
  gsize              max_width;
  CurrentsActivation activation;
  gsize              n_weights;    /* MLP */
  gsize              n_damping;    /* d(d+1)/2 or 0 */
  gsize              n_params;
  double            *x_mean;       /* n */
  double            *x_scale;      /* n */
  double             kappa;
} HamImpl;

typedef struct
{
  double *s1, *s2, *zd, *h, *hd; /* per layer, at act_offsets: σ'(z), σ''(z), ż, h, ḣ
                                  * (layer 0: only h, ḣ = ξ, ṽ) */
  double *hbar, *hdbar;      /* max_width each */
  double *zbar, *zdbar;      /* max_width each */
  double *v;                 /* n */
  double *g;                 /* n: ∇H */
  double *hv;                /* n: ∇²H v */
  double *hess;              /* n × n */
  double *e;                 /* n */
  double *a, *b;             /* d */
  /* hvp: second tangents δ· along ṽ, per layer (n_acts) and per width (max_width) */
  double *s3, *dz, *dzd, *dh, *dhd;
  double *dhbar, *dhdbar, *dzbar, *dzdbar;
  double *hvp;               /* n */
} HamWs;

struct _CurrentsHamiltonianModel
{
  CurrentsField          *field;
  const HamImpl          *impl;
  CurrentsHamiltonianSpec spec;
  double                 *theta0;
};

/* ------------------------------------------------------------------------------------ */
/* Activations: σ, σ', σ''                                                              */

static inline void act_eval (CurrentsActivation act, double z, double *s0, double *s1,
                             double *s2);

/* σ‴ from σ, σ′, σ″ */
static inline double
act_third (CurrentsActivation act, double s0, double s1, double s2)
{
  if (act == CURRENTS_ACTIVATION_SOFTPLUS)
    return s2 * (1.0 - 2.0 * s1);
  return -2.0 * s1 * s1 - 2.0 * s0 * s2;
}

static inline void
act_eval (CurrentsActivation act, double z, double *s0, double *s1, double *s2)
{
  if (act == CURRENTS_ACTIVATION_SOFTPLUS)
    {
      double e = exp (-fabs (z));   /* ∈ (0, 1]: no overflow */
      double sig = z >= 0.0 ? 1.0 / (1.0 + e) : e / (1.0 + e);

      *s0 = MAX (z, 0.0) + log1p (e);
      *s1 = sig;
      *s2 = sig * (1.0 - sig);
    }
  else
    {
      double a = tanh (z);

      *s0 = a;
      *s1 = 1.0 - a * a;
      *s2 = -2.0 * a * *s1;
    }
}

/* ------------------------------------------------------------------------------------ */
/* The tangent pass and its reverse                                                     */

/* Fills ws->g = ∇H and ws->hv = ∇²H v at x (v may be NULL: 0); accumulates
 * scale · ∂(vᵀ∇H)/∂θ into gtheta (MLP part) when not NULL. Returns H. */
static double
ham_pass (const HamImpl *impl, HamWs *ws, const double *theta, const double *x,
          const double *v, double *gtheta, double scale)
{
  gsize L = impl->n_layers;
  double Ht = 0.0;
  double *h0 = ws->h + impl->act_offsets[0], *hd0 = ws->hd + impl->act_offsets[0];

  for (gsize j = 0; j < impl->n; j++)
    {
      h0[j] = (x[j] - impl->x_mean[j]) / impl->x_scale[j];
      hd0[j] = v != NULL ? v[j] / impl->x_scale[j] : 0.0;
    }

  /* Forward with tangents. */
  for (gsize l = 0; l < L; l++)
    {
      gsize in = impl->widths[l], out = impl->widths[l + 1];
      const double *W = theta + impl->offsets[l], *bias = W + out * in;
      const double *hi = ws->h + impl->act_offsets[l], *hdi = ws->hd + impl->act_offsets[l];

      for (gsize i = 0; i < out; i++)
        {
          const double *row = W + i * in;
          double z = bias[i], zd = 0.0;

          for (gsize j = 0; j < in; j++)
            {
              z += row[j] * hi[j];
              zd += row[j] * hdi[j];
            }
          if (l + 1 < L)
            {
              gsize o = impl->act_offsets[l + 1] + i;
              double s0, s1, s2;

              act_eval (impl->activation, z, &s0, &s1, &s2);
              ws->s1[o] = s1;
              ws->s2[o] = s2;
              ws->zd[o] = zd;
              ws->h[o] = s0;
              ws->hd[o] = s1 * zd;
            }
          else
            Ht = z;   /* s̃ = zd is not needed: its reverse pass starts from W_{L−1} */
        }
    }

  /* Reverse of s̃ = W_{L−1} ḣ_{L−1}: h̄ = 0, ḣ̄ = W_{L−1}ᵀ. */
  {
    gsize in = impl->widths[L - 1];
    const double *W = theta + impl->offsets[L - 1];
    const double *hdi = ws->hd + impl->act_offsets[L - 1];

    for (gsize j = 0; j < in; j++)
      {
        ws->hbar[j] = 0.0;
        ws->hdbar[j] = W[j];
      }
    if (gtheta != NULL)
      {
        double *gW = gtheta + impl->offsets[L - 1];

        for (gsize j = 0; j < in; j++)
          gW[j] += scale * hdi[j];
      }
  }

  for (gsize l = L - 1; l-- > 0;)
    {
      /* Layer l: z_{l+1} = W_l h_l + b_l, h_{l+1} = σ(z_{l+1}). */
      gsize in = impl->widths[l], out = impl->widths[l + 1];
      const double *W = theta + impl->offsets[l];
      gsize o = impl->act_offsets[l + 1];
      const double *hi = ws->h + impl->act_offsets[l], *hdi = ws->hd + impl->act_offsets[l];

      for (gsize i = 0; i < out; i++)
        {
          double s1 = ws->s1[o + i], s2 = ws->s2[o + i];

          ws->zbar[i] = s1 * ws->hbar[i] + s2 * ws->zd[o + i] * ws->hdbar[i];
          ws->zdbar[i] = s1 * ws->hdbar[i];
        }
      if (gtheta != NULL)
        {
          double *gW = gtheta + impl->offsets[l], *gb = gW + out * in;

          for (gsize i = 0; i < out; i++)
            {
              double zb = scale * ws->zbar[i], zdb = scale * ws->zdbar[i];
              double *grow = gW + i * in;

              for (gsize j = 0; j < in; j++)
                grow[j] += zb * hi[j] + zdb * hdi[j];
              gb[i] += zb;
            }
        }
      for (gsize j = 0; j < in; j++)
        {
          double hb = 0.0, hdb = 0.0;

          for (gsize i = 0; i < out; i++)
            {
              hb += W[i * in + j] * ws->zbar[i];
              hdb += W[i * in + j] * ws->zdbar[i];
            }
          ws->hbar[j] = hb;
          ws->hdbar[j] = hdb;
        }
    }

  for (gsize j = 0; j < impl->n; j++)
    {
      ws->g[j] = impl->kappa * ws->hdbar[j] / impl->x_scale[j];
      ws->hv[j] = impl->kappa * ws->hbar[j] / impl->x_scale[j];
    }
  return impl->kappa * Ht;
}

/* ws->hvp = ∇³H[v, w] = d/dε ∇²H(x + εv) w: the tangent pass along w and its reverse,
 * differentiated once more along v (second tangents δ·, δh₀ = ṽ):
 *
 *   δz = W δh,  δż = W δḣ,  δh′ = σ′ δz,  δḣ′ = σ″ δz ż + σ′ δż,
 *   δz̄ = σ″ δz h̄ + σ′ δh̄ + σ‴ δz ż ḣ̄ + σ″ δż ḣ̄ + σ″ ż δḣ̄,
 *   δż̄ = σ″ δz ḣ̄ + σ′ δḣ̄,   δh̄ = Wᵀ δz̄,  δḣ̄ = Wᵀ δż̄,
 *
 * from δh̄ = δḣ̄ = 0 at the output; then δh̄₀ = ∇³H̃[ṽ, w̃]. */
static void
ham_third (const HamImpl *impl, HamWs *ws, const double *theta, const double *x,
           const double *v, const double *w)
{
  gsize L = impl->n_layers;
  gsize o0 = impl->act_offsets[0];

  for (gsize j = 0; j < impl->n; j++)
    {
      ws->h[o0 + j] = (x[j] - impl->x_mean[j]) / impl->x_scale[j];
      ws->hd[o0 + j] = w[j] / impl->x_scale[j];
      ws->dh[o0 + j] = v[j] / impl->x_scale[j];
      ws->dhd[o0 + j] = 0.0;
    }
  for (gsize l = 0; l + 1 < L; l++)
    {
      gsize in = impl->widths[l], out = impl->widths[l + 1];
      const double *W = theta + impl->offsets[l], *bias = W + out * in;
      gsize oi = impl->act_offsets[l], o = impl->act_offsets[l + 1];

      for (gsize i = 0; i < out; i++)
        {
          const double *row = W + i * in;
          double z = bias[i], zd = 0.0, dz = 0.0, dzd = 0.0, s0, s1, s2;

          for (gsize j = 0; j < in; j++)
            {
              z += row[j] * ws->h[oi + j];
              zd += row[j] * ws->hd[oi + j];
              dz += row[j] * ws->dh[oi + j];
              dzd += row[j] * ws->dhd[oi + j];
            }
          act_eval (impl->activation, z, &s0, &s1, &s2);
          ws->s1[o + i] = s1;
          ws->s2[o + i] = s2;
          ws->s3[o + i] = act_third (impl->activation, s0, s1, s2);
          ws->zd[o + i] = zd;
          ws->dz[o + i] = dz;
          ws->dzd[o + i] = dzd;
          ws->h[o + i] = s0;
          ws->hd[o + i] = s1 * zd;
          ws->dh[o + i] = s1 * dz;
          ws->dhd[o + i] = s2 * dz * zd + s1 * dzd;
        }
    }
  {
    gsize in = impl->widths[L - 1];
    const double *W = theta + impl->offsets[L - 1];

    for (gsize j = 0; j < in; j++)
      {
        ws->hbar[j] = 0.0;
        ws->hdbar[j] = W[j];
        ws->dhbar[j] = 0.0;
        ws->dhdbar[j] = 0.0;
      }
  }
  for (gsize l = L - 1; l-- > 0;)
    {
      gsize in = impl->widths[l], out = impl->widths[l + 1];
      const double *W = theta + impl->offsets[l];
      gsize o = impl->act_offsets[l + 1];

      for (gsize i = 0; i < out; i++)
        {
          double s1 = ws->s1[o + i], s2 = ws->s2[o + i], s3 = ws->s3[o + i];
          double zd = ws->zd[o + i], dz = ws->dz[o + i], dzd = ws->dzd[o + i];
          double hb = ws->hbar[i], hdb = ws->hdbar[i];
          double dhb = ws->dhbar[i], dhdb = ws->dhdbar[i];

          ws->zbar[i] = s1 * hb + s2 * zd * hdb;
          ws->zdbar[i] = s1 * hdb;
          ws->dzbar[i] = s2 * dz * hb + s1 * dhb + s3 * dz * zd * hdb + s2 * dzd * hdb
                         + s2 * zd * dhdb;
          ws->dzdbar[i] = s2 * dz * hdb + s1 * dhdb;
        }
      for (gsize j = 0; j < in; j++)
        {
          double a = 0.0, b = 0.0, c = 0.0, e = 0.0;

          for (gsize i = 0; i < out; i++)
            {
              double wij = W[i * in + j];

              a += wij * ws->zbar[i];
              b += wij * ws->zdbar[i];
              c += wij * ws->dzbar[i];
              e += wij * ws->dzdbar[i];
            }
          ws->hbar[j] = a;
          ws->hdbar[j] = b;
          ws->dhbar[j] = c;
          ws->dhdbar[j] = e;
        }
    }
  for (gsize j = 0; j < impl->n; j++)
    ws->hvp[j] = impl->kappa * ws->dhbar[j] / impl->x_scale[j];
}

/* D = L Lᵀ applied to a (d): out = D a; uses ws->b as scratch. */
static void
damping_apply (const HamImpl *impl, HamWs *ws, const double *Lp, const double *a, double *out)
{
  gsize d = impl->d;

  /* b = Lᵀ a: b_j = Σ_{i ≥ j} L_ij a_i */
  for (gsize j = 0; j < d; j++)
    ws->b[j] = 0.0;
  for (gsize i = 0, k = 0; i < d; i++)
    for (gsize j = 0; j <= i; j++, k++)
      ws->b[j] += Lp[k] * a[i];
  for (gsize i = 0, k = 0; i < d; i++)
    {
      double s = 0.0;

      for (gsize j = 0; j <= i; j++, k++)
        s += Lp[k] * ws->b[j];
      out[i] = s;
    }
}

/* f = (J − R) g from ws->g. */
static void
field_from_grad (const HamImpl *impl, HamWs *ws, const double *theta, double *f)
{
  gsize d = impl->d;
  const double *g = ws->g;

  for (gsize i = 0; i < d; i++)
    {
      f[i] = g[d + i];
      f[d + i] = -g[i];
    }
  if (impl->n_damping > 0)
    {
      damping_apply (impl, ws, theta + impl->n_weights, g + d, ws->a);
      for (gsize i = 0; i < d; i++)
        f[d + i] -= ws->a[i];
    }
}

/* ------------------------------------------------------------------------------------ */
/* The field                                                                            */

static gpointer
ham_ws_new (gconstpointer impl_)
{
  const HamImpl *impl = impl_;
  HamWs *ws = g_new0 (HamWs, 1);
  gsize n = impl->n, d = impl->d, mw = impl->max_width;

  ws->s1 = g_new0 (double, impl->n_acts);
  ws->s2 = g_new0 (double, impl->n_acts);
  ws->zd = g_new0 (double, impl->n_acts);
  ws->h = g_new0 (double, impl->n_acts);
  ws->hd = g_new0 (double, impl->n_acts);
  ws->hbar = g_new0 (double, mw);
  ws->hdbar = g_new0 (double, mw);
  ws->zbar = g_new0 (double, mw);
  ws->zdbar = g_new0 (double, mw);
  ws->v = g_new0 (double, n);
  ws->g = g_new0 (double, n);
  ws->hv = g_new0 (double, n);
  ws->hess = g_new0 (double, n * n);
  ws->e = g_new0 (double, n);
  ws->a = g_new0 (double, d);
  ws->b = g_new0 (double, d);
  ws->s3 = g_new0 (double, impl->n_acts);
  ws->dz = g_new0 (double, impl->n_acts);
  ws->dzd = g_new0 (double, impl->n_acts);
  ws->dh = g_new0 (double, impl->n_acts);
  ws->dhd = g_new0 (double, impl->n_acts);
  ws->dhbar = g_new0 (double, mw);
  ws->dhdbar = g_new0 (double, mw);
  ws->dzbar = g_new0 (double, mw);
  ws->dzdbar = g_new0 (double, mw);
  ws->hvp = g_new0 (double, n);
  return ws;
}

static void
ham_ws_free (gpointer ws_)
{
  HamWs *ws = ws_;

  g_free (ws->s1);
  g_free (ws->s2);
  g_free (ws->zd);
  g_free (ws->h);
  g_free (ws->hd);
  g_free (ws->hbar);
  g_free (ws->hdbar);
  g_free (ws->zbar);
  g_free (ws->zdbar);
  g_free (ws->v);
  g_free (ws->g);
  g_free (ws->hv);
  g_free (ws->hess);
  g_free (ws->e);
  g_free (ws->a);
  g_free (ws->b);
  g_free (ws->s3);
  g_free (ws->dz);
  g_free (ws->dzd);
  g_free (ws->dh);
  g_free (ws->dhd);
  g_free (ws->dhbar);
  g_free (ws->dhdbar);
  g_free (ws->dzbar);
  g_free (ws->dzdbar);
  g_free (ws->hvp);
  g_free (ws);
}

static void
ham_eval (gconstpointer impl_, gpointer ws_, double t, const double *x, const double *u,
          const double *p, double *f)
{
  const HamImpl *impl = impl_;
  HamWs *ws = ws_;

  (void) t;
  (void) u;
  ham_pass (impl, ws, p, x, NULL, NULL, 0.0);
  field_from_grad (impl, ws, p, f);
}

/* hess = ∇²H (symmetric, n × n, row-major), column by column. */
static void
ham_hessian (const HamImpl *impl, HamWs *ws, const double *theta, const double *x,
             double *hess)
{
  gsize n = impl->n;

  for (gsize j = 0; j < n; j++)
    {
      memset (ws->e, 0, n * sizeof (double));
      ws->e[j] = 1.0;
      ham_pass (impl, ws, theta, x, ws->e, NULL, 0.0);
      for (gsize i = 0; i < n; i++)
        hess[i * n + j] = ws->hv[i];
    }
}

/* gx += wᵀ ∂f/∂x, gp += wᵀ ∂f/∂θ; ws->g = ∇H afterwards. */
static void
ham_vjp_core (const HamImpl *impl, HamWs *ws, const double *x, const double *p,
              const double *w, double *gx, double *gp)
{
  gsize d = impl->d, n = impl->n;
  const double *Lp = p + impl->n_weights;

  /* v = (J − R)ᵀ w */
  for (gsize i = 0; i < d; i++)
    {
      ws->v[i] = -w[d + i];
      ws->v[d + i] = w[i];
    }
  if (impl->n_damping > 0)
    {
      damping_apply (impl, ws, Lp, w + d, ws->a);
      for (gsize i = 0; i < d; i++)
        ws->v[d + i] -= ws->a[i];
    }
  ham_pass (impl, ws, p, x, ws->v, gp, impl->kappa);
  if (gx != NULL)
    for (gsize j = 0; j < n; j++)
      gx[j] += ws->hv[j];
  if (gp != NULL && impl->n_damping > 0)
    {
      double *gL = gp + impl->n_weights;
      const double *wp = w + d, *gpm = ws->g + d;

      /* a = Lᵀ w_p, b = Lᵀ g_p */
      for (gsize j = 0; j < d; j++)
        ws->a[j] = ws->b[j] = 0.0;
      for (gsize i = 0, k = 0; i < d; i++)
        for (gsize j = 0; j <= i; j++, k++)
          {
            ws->a[j] += Lp[k] * wp[i];
            ws->b[j] += Lp[k] * gpm[i];
          }
      for (gsize i = 0, k = 0; i < d; i++)
        for (gsize j = 0; j <= i; j++, k++)
          gL[k] -= wp[i] * ws->b[j] + gpm[i] * ws->a[j];
    }
}

static void
ham_vjp (gconstpointer impl_, gpointer ws_, double t, const double *x, const double *u,
         const double *p, const double *w, double *f, double *gx, double *gp)
{
  const HamImpl *impl = impl_;
  HamWs *ws = ws_;

  (void) t;
  (void) u;
  ham_vjp_core (impl, ws, x, p, w, gx, gp);
  if (f != NULL)
    field_from_grad (impl, ws, p, f);
}

static void
ham_jacobian (gconstpointer impl_, gpointer ws_, double t, const double *x, const double *u,
              const double *p, double *f, double *jx, double *jp)
{
  const HamImpl *impl = impl_;
  HamWs *ws = ws_;
  gsize n = impl->n, d = impl->d;

  (void) t;
  (void) u;
  if (jx != NULL)
    {
      double *Hs = ws->hess;

      ham_hessian (impl, ws, p, x, Hs);
      if (f != NULL)   /* every pass leaves ∇H in ws->g */
        field_from_grad (impl, ws, p, f);
      /* rows q_i = (∇²H)_{p_i,·}; rows p_i = −(∇²H)_{q_i,·} − Σ_k D_ik (∇²H)_{p_k,·} */
      for (gsize i = 0; i < d; i++)
        for (gsize j = 0; j < n; j++)
          {
            jx[i * n + j] = Hs[(d + i) * n + j];
            jx[(d + i) * n + j] = -Hs[i * n + j];
          }
      if (impl->n_damping > 0)
        for (gsize j = 0; j < n; j++)
          {
            for (gsize k = 0; k < d; k++)
              ws->e[k] = Hs[(d + k) * n + j];
            damping_apply (impl, ws, p + impl->n_weights, ws->e, ws->a);
            for (gsize i = 0; i < d; i++)
              jx[(d + i) * n + j] -= ws->a[i];
          }
    }
  if (jp != NULL)
    {
      gsize k = impl->n_params;

      memset (jp, 0, n * k * sizeof (double));
      for (gsize i = 0; i < n; i++)
        {
          memset (ws->e, 0, n * sizeof (double));
          ws->e[i] = 1.0;
          ham_vjp_core (impl, ws, x, p, ws->e, NULL, jp + i * k);
        }
    }
  if (f != NULL && jx == NULL)
    {
      ham_pass (impl, ws, p, x, NULL, NULL, 0.0);
      field_from_grad (impl, ws, p, f);
    }
}

/* out = d/dε [(J − R)∇²H(x + εv) w] = (J − R) ∇³H[v, w] */
static void
ham_hvp (gconstpointer impl_, gpointer ws_, double t, const double *x, const double *u,
         const double *p, const double *v, const double *w, double *out)
{
  const HamImpl *impl = impl_;
  HamWs *ws = ws_;
  gsize d = impl->d;

  (void) t;
  (void) u;
  ham_third (impl, ws, p, x, v, w);
  for (gsize i = 0; i < d; i++)
    {
      out[i] = ws->hvp[d + i];
      out[d + i] = -ws->hvp[i];
    }
  if (impl->n_damping > 0)
    {
      damping_apply (impl, ws, p + impl->n_weights, ws->hvp + d, ws->a);
      for (gsize i = 0; i < d; i++)
        out[d + i] -= ws->a[i];
    }
}

static void
ham_impl_free (gpointer impl_)
{
  HamImpl *impl = impl_;

  g_free (impl->x_mean);
  g_free (impl->x_scale);
  g_free (impl);
}

static const CurrentsFieldVTable ham_vtable = {
  .workspace_new = ham_ws_new,
  .workspace_free = ham_ws_free,
  .eval = ham_eval,
  .jacobian = ham_jacobian,
  .vjp = ham_vjp,
  .impl_free = ham_impl_free,
  .hvp = ham_hvp,
};

/* ------------------------------------------------------------------------------------ */
/* Construction                                                                         */

/**
 * currents_hamiltonian_spec_init:
 * @spec: the spec to fill with defaults (conservative, 2 × 32 tanh, seed 1, L = 0.3 I)
 */
void
currents_hamiltonian_spec_init (CurrentsHamiltonianSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->kind = CURRENTS_HAMILTONIAN_CONSERVATIVE;
  spec->n_hidden = 2;
  spec->hidden[0] = 32;
  spec->hidden[1] = 32;
  spec->activation = CURRENTS_ACTIVATION_TANH;
  spec->seed = 1;
  spec->damping_init = 0.3;
}

/**
 * currents_hamiltonian_model_new:
 * @n_states: 2d, the coordinates q then the momenta p
 * @spec: the network and the kind of field
 * @scaling: (nullable): the affine map to network units (%NULL: identity, κ = 1)
 * @error: return location for an error
 *
 * Returns: (transfer full): the model, or %NULL with @error set when the state count is
 *   odd or zero, the activation is not twice differentiable, or a width or scale is invalid
 */
CurrentsHamiltonianModel *
currents_hamiltonian_model_new (gsize                              n_states,
                                const CurrentsHamiltonianSpec     *spec,
                                const CurrentsHamiltonianScaling  *scaling,
                                GError                           **error)
{
  CurrentsHamiltonianModel *model;
  CurrentsMlpShape shape;
  HamImpl *impl;
  gsize L;

  g_return_val_if_fail (spec != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (n_states == 0 || n_states % 2 != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                   "a Hamiltonian model needs an even number of states, coordinates q "
                   "then as many momenta p; it has %" G_GSIZE_FORMAT, n_states);
      return NULL;
    }
  if (spec->kind != CURRENTS_HAMILTONIAN_CONSERVATIVE
      && spec->kind != CURRENTS_HAMILTONIAN_DISSIPATIVE)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "unknown kind of Hamiltonian model (%d)", (int) spec->kind);
      return NULL;
    }
  if (spec->n_hidden < 1 || spec->n_hidden > CURRENTS_HAMILTONIAN_MAX_LAYERS)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a Hamiltonian network needs 1 to %d hidden layers, not %" G_GSIZE_FORMAT,
                   CURRENTS_HAMILTONIAN_MAX_LAYERS, spec->n_hidden);
      return NULL;
    }
  for (gsize l = 0; l < spec->n_hidden; l++)
    if (spec->hidden[l] < 1)
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "hidden layer %" G_GSIZE_FORMAT " has width %" G_GSIZE_FORMAT
                     " (a layer needs at least one unit)", l + 1, spec->hidden[l]);
        return NULL;
      }
  if (spec->activation != CURRENTS_ACTIVATION_TANH
      && spec->activation != CURRENTS_ACTIVATION_SOFTPLUS)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   "a Hamiltonian network needs a smooth activation (tanh or softplus): "
                   "its vector field is the gradient of the network and training needs "
                   "second derivatives");
      return NULL;
    }
  if (spec->kind == CURRENTS_HAMILTONIAN_DISSIPATIVE && !isfinite (spec->damping_init))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the initial damping must be a finite number");
      return NULL;
    }
  if (scaling != NULL)
    {
      if (!(scaling->energy_scale >= 0.0) || !isfinite (scaling->energy_scale))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the energy scale must be a positive number, not %g",
                       scaling->energy_scale);
          return NULL;
        }
      for (gsize j = 0; j < n_states; j++)
        if ((scaling->x_scale != NULL
             && (!(scaling->x_scale[j] > 0.0) || !isfinite (scaling->x_scale[j])))
            || (scaling->x_mean != NULL && !isfinite (scaling->x_mean[j])))
          {
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                         "state %" G_GSIZE_FORMAT " has an invalid scale or mean "
                         "(scales must be positive and finite)", j + 1);
            return NULL;
          }
    }

  impl = g_new0 (HamImpl, 1);
  impl->n = n_states;
  impl->d = n_states / 2;
  impl->n_layers = L = spec->n_hidden + 1;
  impl->widths[0] = n_states;
  for (gsize l = 0; l < spec->n_hidden; l++)
    impl->widths[l + 1] = spec->hidden[l];
  impl->widths[L] = 1;
  impl->activation = spec->activation;
  impl->max_width = 0;
  impl->n_acts = 0;
  for (gsize l = 0, off = 0; l < L; l++)
    {
      impl->offsets[l] = off;
      off += impl->widths[l + 1] * impl->widths[l] + impl->widths[l + 1];
      impl->act_offsets[l] = impl->n_acts;
      impl->n_acts += impl->widths[l];
      impl->max_width = MAX (impl->max_width, impl->widths[l]);
    }
  shape.n_layers = L;
  shape.widths = impl->widths;
  shape.activation = spec->activation;
  impl->n_weights = currents_mlp_n_weights (&shape);
  impl->n_damping = spec->kind == CURRENTS_HAMILTONIAN_DISSIPATIVE
                    ? impl->d * (impl->d + 1) / 2 : 0;
  impl->n_params = impl->n_weights + impl->n_damping;
  impl->x_mean = g_new0 (double, n_states);
  impl->x_scale = g_new (double, n_states);
  impl->kappa = 1.0;
  for (gsize j = 0; j < n_states; j++)
    {
      impl->x_mean[j] = scaling != NULL && scaling->x_mean != NULL ? scaling->x_mean[j] : 0.0;
      impl->x_scale[j] = scaling != NULL && scaling->x_scale != NULL ? scaling->x_scale[j] : 1.0;
    }
  if (scaling != NULL && scaling->energy_scale > 0.0)
    impl->kappa = scaling->energy_scale;

  model = g_new0 (CurrentsHamiltonianModel, 1);
  model->impl = impl;
  model->spec = *spec;
  model->theta0 = g_new0 (double, impl->n_params);
  currents_mlp_init (&shape, spec->seed, model->theta0);
  for (gsize i = 0, k = impl->n_weights; impl->n_damping > 0 && i < impl->d; i++)
    for (gsize j = 0; j <= i; j++, k++)
      model->theta0[k] = i == j ? spec->damping_init : 0.0;
  model->field = currents_field_new (&ham_vtable, impl, n_states, 0, impl->n_params, TRUE);
  return model;
}

/**
 * currents_hamiltonian_model_free:
 * @model: (nullable): the model (its field lives on while referenced)
 */
void
currents_hamiltonian_model_free (CurrentsHamiltonianModel *model)
{
  if (model == NULL)
    return;
  currents_field_unref (model->field);
  g_free (model->theta0);
  g_free (model);
}

/**
 * currents_hamiltonian_model_get_field:
 * @model: the model
 *
 * Returns: (transfer none): the vector field (n = 2d states, no inputs, θ parameters)
 */
CurrentsField *
currents_hamiltonian_model_get_field (const CurrentsHamiltonianModel *model)
{
  return model->field;
}

const CurrentsHamiltonianSpec *
currents_hamiltonian_model_get_spec (const CurrentsHamiltonianModel *model)
{
  return &model->spec;
}

gsize
currents_hamiltonian_model_get_n_states (const CurrentsHamiltonianModel *model)
{
  return model->impl->n;
}

gsize
currents_hamiltonian_model_get_n_params (const CurrentsHamiltonianModel *model)
{
  return model->impl->n_params;
}

gsize
currents_hamiltonian_model_get_damping_offset (const CurrentsHamiltonianModel *model)
{
  return model->impl->n_weights;
}

const double *
currents_hamiltonian_model_get_initial_params (const CurrentsHamiltonianModel *model)
{
  return model->theta0;
}

/**
 * currents_hamiltonian_model_get_scaling:
 * @model: the model
 *
 * Returns: m, σ (2d entries each, owned by the model) and κ
 */
CurrentsHamiltonianScaling
currents_hamiltonian_model_get_scaling (const CurrentsHamiltonianModel *model)
{
  CurrentsHamiltonianScaling scaling = { model->impl->x_mean, model->impl->x_scale,
                                         model->impl->kappa };

  return scaling;
}

/**
 * currents_hamiltonian_scaling_from_dataset:
 * @dataset: trajectories of (q, p): the first half of the states coordinates, the second
 *   half their momenta
 * @x_mean: (out): m, the states' means (n entries)
 * @x_scale: (out): σ, their sample standard deviations (1 for a constant column)
 * @energy_scale: (out): κ
 * @error: return location for an error
 *
 * The scaling under which the network's inputs and outputs are of order one:
 * τ_i = σ_i / rms(Δx_i/Δt) over consecutive observed samples (the time in which state i
 * moves by one σ), τ their geometric mean (states that never move left out; 1 when none
 * moves), and since dq/dt = (κ/σ_p) ∂H̃/∂p̃ and dp/dt = −(κ/σ_q) ∂H̃/∂q̃ should both be
 * of order σ/τ, κ = mean_i σ_qi σ_pi / τ.
 *
 * Returns: %FALSE with @error set when the data set has an odd number of states or no
 *   observation of a state
 */
gboolean
currents_hamiltonian_scaling_from_dataset (const CurrentsDataset *dataset,
                                           double                *x_mean,
                                           double                *x_scale,
                                           double                *energy_scale,
                                           GError               **error)
{
  gsize n = currents_dataset_get_n_states (dataset), d = n / 2;
  gsize n_traj = currents_dataset_get_n_trajectories (dataset);
  double log_sum = 0.0, tau, kappa = 0.0;
  gsize n_tau = 0;

  if (n == 0 || n % 2 != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                   "a Hamiltonian model needs an even number of states, coordinates q "
                   "then as many momenta p; the data have %" G_GSIZE_FORMAT, n);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      CurrentsColumnStats st;
      double ss = 0.0;
      gsize count = 0;

      currents_dataset_get_state_stats (dataset, i, &st);
      if (st.n_observed == 0 || !isfinite (st.mean))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                       "state '%s' has no observations",
                       currents_dataset_get_state_name (dataset, i));
          return FALSE;
        }
      x_mean[i] = st.mean;
      x_scale[i] = isfinite (st.sd) && st.sd > 0.0 ? st.sd : 1.0;
      for (gsize r = 0; r < n_traj; r++)
        {
          const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, r);
          const double *t = currents_trajectory_get_times (tr);
          const double *s = currents_trajectory_get_states (tr);
          gsize a = G_MAXSIZE;

          for (gsize k = 0; k < currents_trajectory_get_n_samples (tr); k++)
            {
              double slope;

              if (isnan (s[k * n + i]))
                continue;
              if (a != G_MAXSIZE)
                {
                  slope = (s[k * n + i] - s[a * n + i]) / (t[k] - t[a]);
                  ss += slope * slope;
                  count++;
                }
              a = k;
            }
        }
      if (count > 0 && ss > 0.0)
        {
          double tau_i = x_scale[i] / sqrt (ss / (double) count);

          if (isfinite (tau_i) && tau_i > 0.0)
            {
              log_sum += log (tau_i);
              n_tau++;
            }
        }
    }
  tau = n_tau > 0 ? exp (log_sum / (double) n_tau) : 1.0;
  for (gsize i = 0; i < d; i++)
    kappa += x_scale[i] * x_scale[d + i] / tau;
  *energy_scale = kappa / (double) d;
  return TRUE;
}

static HamWs *
model_ws (const CurrentsHamiltonianModel *model, CurrentsFieldWorkspace *ws)
{
  g_return_val_if_fail (currents_field_workspace_get_field (ws) == model->field, NULL);
  return _currents_field_workspace_get_impl_ws (ws);
}

/**
 * currents_hamiltonian_energy:
 * @model: the model
 * @ws: a workspace of the model's field
 * @x: the state (q, p), 2d entries
 * @p: θ
 * @grad: (nullable): receives ∇H (2d entries)
 *
 * Returns: the energy H(x)
 */
double
currents_hamiltonian_energy (const CurrentsHamiltonianModel *model,
                             CurrentsFieldWorkspace         *ws,
                             const double                   *x,
                             const double                   *p,
                             double                         *grad)
{
  HamWs *hws = model_ws (model, ws);
  double H;

  g_return_val_if_fail (hws != NULL, NAN);
  H = ham_pass (model->impl, hws, p, x, NULL, NULL, 0.0);
  if (grad != NULL)
    memcpy (grad, hws->g, model->impl->n * sizeof (double));
  return H;
}

/**
 * currents_hamiltonian_hessian:
 * @model: the model
 * @ws: a workspace of the model's field
 * @x: the state (q, p)
 * @p: θ
 * @hess: receives ∇²H (2d × 2d, row-major, symmetric)
 */
void
currents_hamiltonian_hessian (const CurrentsHamiltonianModel *model,
                              CurrentsFieldWorkspace         *ws,
                              const double                   *x,
                              const double                   *p,
                              double                         *hess)
{
  HamWs *hws = model_ws (model, ws);

  g_return_if_fail (hws != NULL);
  ham_hessian (model->impl, hws, p, x, hess);
}
