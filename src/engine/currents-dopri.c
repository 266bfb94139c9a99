/* currents-dopri.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Dormand–Prince 5(4) (see currents-dopri-private.h for the step and dense output).
 *
 Error test, per group G of components (x, λ, μ; components in no group ride along
 * uncontrolled, as a seminorm does), the largest of the RMS norms:
 *
 *   ‖err‖ = max_G sqrt( (1/|G|) Σ_{i∈G} (err_i / (atol + rtol·max(|y_i|, |y⁺_i|)))² ) ≤ 1.
 *
 * A group may be split into equal subgroups (group_split), which then count as groups:
 * for B trajectories integrated as one stacked system that is the largest of the
 * trajectories' own norms, so stacking neither dilutes nor sharpens the control.
 *
 * Step size by Hairer's PI controller (dopri5.f, β = 0.04):
 *
 *   h_new = h / clamp(‖err‖^(1/5 − 0.75β) · ‖err_old‖^(−β) / 0.9,  1/10, 5)
 *
 * with no growth right after a rejection. A step whose stages are not finite is rejected
 * with h/4; when the step underflows after that the solve reports NON_FINITE. Each solve
 * lands exactly on its stopping time: a step within 1 % of reaching it is stretched or
 * cut to it.
 *
 * The first step (Hairer's hinit): h₀ = 0.01·‖y‖/‖f‖, one explicit Euler probe to
 * estimate ‖f'‖, then h = min(100 h₀, (0.01 / max(‖f'‖, ‖f‖))^(1/5)).
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-dopri"

#include <float.h>
#include <math.h>
#include <string.h>

#include "currents-dopri-private.h"

#define CANCEL_CHECK_EVERY 8

const double _currents_dopri_c[CURRENTS_DOPRI_STAGES] = {
  0.0, 1.0 / 5.0, 3.0 / 10.0, 4.0 / 5.0, 8.0 / 9.0, 1.0, 1.0,
};

const double _currents_dopri_a[CURRENTS_DOPRI_STAGES][CURRENTS_DOPRI_STAGES] = {
  { 0 },
  { 1.0 / 5.0 },
  { 3.0 / 40.0, 9.0 / 40.0 },
  { 44.0 / 45.0, -56.0 / 15.0, 32.0 / 9.0 },
  { 19372.0 / 6561.0, -25360.0 / 2187.0, 64448.0 / 6561.0, -212.0 / 729.0 },
  { 9017.0 / 3168.0, -355.0 / 33.0, 46732.0 / 5247.0, 49.0 / 176.0, -5103.0 / 18656.0 },
  { 35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0 },
};

const double _currents_dopri_b[CURRENTS_DOPRI_STAGES] = {
  35.0 / 384.0, 0.0, 500.0 / 1113.0, 125.0 / 192.0, -2187.0 / 6784.0, 11.0 / 84.0, 0.0,
};

const double _currents_dopri_e[CURRENTS_DOPRI_STAGES] = {
  71.0 / 57600.0, 0.0, -71.0 / 16695.0, 71.0 / 1920.0, -17253.0 / 339200.0, 22.0 / 525.0,
  -1.0 / 40.0,
};

const double _currents_dopri_d[CURRENTS_DOPRI_STAGES] = {
  -12715105075.0 / 11282082432.0, 0.0, 87487479700.0 / 32700410799.0,
  -10690763975.0 / 1880347072.0, 701980252875.0 / 199316789632.0,
  -1453857185.0 / 822651844.0, 69997945.0 / 29380423.0,
};

static void
dopri_alloc (CurrentsDopri *dp,
             gsize          dim)
{
  const gsize c = MAX (dim, 1);

  dp->cap = c;
  dp->y = g_new0 (double, c);
  dp->y_new = g_new0 (double, c);
  dp->err = g_new0 (double, c);
  for (guint i = 0; i < CURRENTS_DOPRI_STAGES; i++)
    dp->k[i] = g_new0 (double, c);
}

static void
dopri_release (CurrentsDopri *dp)
{
  g_free (dp->y);
  g_free (dp->y_new);
  g_free (dp->err);
  for (guint i = 0; i < CURRENTS_DOPRI_STAGES; i++)
    g_free (dp->k[i]);
}

CurrentsDopri *
_currents_dopri_new (gsize dim)
{
  CurrentsDopri *dp = g_new0 (CurrentsDopri, 1);

  dp->dim = dim;
  dp->n_groups = 1;
  dp->group_end[0] = dim;
  dp->n_read = dim;
  dp->rtol = 1e-6;
  dp->atol = 1e-8;
  dp->max_steps = 1000000;
  dopri_alloc (dp, dim);
  return dp;
}

void
_currents_dopri_free (CurrentsDopri *dp)
{
  if (dp == NULL)
    return;
  dopri_release (dp);
  g_free (dp);
}

void
_currents_dopri_resize (CurrentsDopri *dp,
                        gsize          dim)
{
  if (dim > dp->cap)
    {
      dopri_release (dp);
      dopri_alloc (dp, MAX (dim, 2 * dp->cap));
    }
  dp->dim = dim;
  dp->n_groups = 1;
  dp->group_end[0] = dim;
  memset (dp->group_split, 0, sizeof dp->group_split);
  dp->n_read = dim;
}

void
_currents_dopri_begin (CurrentsDopri *dp,
                       double         t,
                       const double  *y)
{
  dp->t = t;
  if (y != dp->y)
    memcpy (dp->y, y, dp->dim * sizeof (double));
  dp->have_k1 = FALSE;
  dp->h = 0.0;
  dp->err_old = 1e-4;
  dp->last_rejected = FALSE;
  dp->nonfinite = FALSE;
  dp->replay_pos = 0;
  dp->n_steps = 0;
  dp->n_rejected = 0;
  dp->nfe = 0;
}

void
_currents_dopri_restart (CurrentsDopri *dp)
{
  dp->have_k1 = FALSE;
  dp->err_old = 1e-4;
  dp->last_rejected = FALSE;
}

static inline double
dopri_h_min (const CurrentsDopri *dp)
{
  return dp->h_min > 0.0 ? dp->h_min : 1e-12 * MAX (1.0, fabs (dp->t));
}

static gboolean
all_finite (const double *v,
            gsize         n)
{
  int bad = 0;

  /* v − v is 0 for a finite v and NaN otherwise; an integer OR, so it vectorises. */
  for (gsize i = 0; i < n; i++)
    bad |= !(v[i] - v[i] == 0.0);
  return !bad;
}

/* The RMS of v_i / (atol + rtol·max(|a_i|, |b_i|)) over [lo, hi), hi > lo. */
static double
dopri_rms (const CurrentsDopri *dp,
           const double        *v,
           const double        *a,
           const double        *b,
           gsize                lo,
           gsize                hi)
{
  double acc[4] = { 0.0, 0.0, 0.0, 0.0 };
  gsize i = lo;

  /* Four partial sums in a fixed order: deterministic, and not one long chain. */
  for (; i + 4 <= hi; i += 4)
    for (guint q = 0; q < 4; q++)
      {
        double sc = dp->atol + dp->rtol * MAX (fabs (a[i + q]), fabs (b[i + q]));
        double r = v[i + q] / MAX (sc, DBL_MIN);

        acc[q] += r * r;
      }
  for (; i < hi; i++)
    {
      double sc = dp->atol + dp->rtol * MAX (fabs (a[i]), fabs (b[i]));
      double r = v[i] / MAX (sc, DBL_MIN);

      acc[0] += r * r;
    }
  return sqrt (((acc[0] + acc[1]) + (acc[2] + acc[3])) / (double) (hi - lo));
}

/* The largest over the groups (or their subgroups) of their RMS norms. */
static double
dopri_norm (const CurrentsDopri *dp,
            const double        *v,
            const double        *a,
            const double        *b)
{
  double norm = 0.0;
  gsize lo = 0;

  for (guint g = 0; g < dp->n_groups; g++)
    {
      const gsize hi = dp->group_end[g];
      const gsize step = dp->group_split[g] > 0 ? dp->group_split[g] : MAX (hi - lo, 1);

      for (gsize s_lo = lo; s_lo < hi; s_lo += step)
        {
          const double s = dopri_rms (dp, v, a, b, s_lo, MIN (s_lo + step, hi));

          /* (written so that a NaN propagates) */
          norm = s > norm || isnan (s) ? s : norm;
        }
      lo = hi;
    }
  return norm;
}

/* Hairer's hinit, towards t_stop; needs k[0]. Uses y_new and k[1] as scratch. */
static double
dopri_initial_step (CurrentsDopri *dp,
                    double         t_stop)
{
  const double span = fabs (t_stop - dp->t);
  const double dir = t_stop >= dp->t ? 1.0 : -1.0;
  double dnf, dny, h, der2, der12, h1;

  dnf = dopri_norm (dp, dp->k[0], dp->y, dp->y);
  dny = dopri_norm (dp, dp->y, dp->y, dp->y);
  if (dnf <= 1e-5 || dny <= 1e-5)
    h = 1e-6;
  else
    h = 0.01 * dny / dnf;
  h = MIN (h, span);
  if (!(h > 0.0))
    h = span;

  for (gsize i = 0; i < dp->dim; i++)
    dp->y_new[i] = dp->y[i] + dir * h * dp->k[0][i];
  dp->stage = CURRENTS_DOPRI_NO_STAGE;
  dp->func (dp->t + dir * h, dp->y_new, dp->k[1], dp->func_data);
  dp->nfe++;
  for (gsize i = 0; i < dp->dim; i++)
    dp->err[i] = dp->k[1][i] - dp->k[0][i];
  der2 = dopri_norm (dp, dp->err, dp->y, dp->y) / h;
  der12 = MAX (fabs (der2), dnf);
  if (!isfinite (der12))
    h1 = 1e-3 * h;
  else if (der12 <= 1e-15)
    h1 = MAX (1e-6, h * 1e-3);
  else
    h1 = pow (0.01 / der12, 1.0 / 5.0);
  h = MIN (100.0 * h, h1);
  h = MIN (h, span);
  h = MAX (h, 10.0 * dopri_h_min (dp));
  return dir * h;
}

void
_currents_dopri_stage_input (const double  *y,
                             double *const *k,
                             guint          s,
                             double         h,
                             gsize          n,
                             double        *out)
{
  const double *a = _currents_dopri_a[s];

  /* Column by column, so each loop is a contiguous axpy. */
  for (gsize i = 0; i < n; i++)
    out[i] = a[0] * k[0][i];
  for (guint j = 1; j < s; j++)
    if (a[j] != 0.0)
      {
        const double aj = a[j];
        const double *kj = k[j];

        for (gsize i = 0; i < n; i++)
          out[i] += aj * kj[i];
      }
  for (gsize i = 0; i < n; i++)
    out[i] = y[i] + h * out[i];
}

/* Stages 2..7, y_new and err for the step (t, h) with t_new for c = 1. */
static void
dopri_attempt (CurrentsDopri *dp,
               double         h,
               double         t_new)
{
  const gsize dim = dp->dim;
  const gsize n_ctrl = dp->n_groups > 0 ? dp->group_end[dp->n_groups - 1] : 0;
  double *const *k = dp->k;
  double *ys = dp->y_new;

  for (guint s = 1; s < CURRENTS_DOPRI_STAGES; s++)
    {
      const double ts = s >= 5 ? t_new : dp->t + _currents_dopri_c[s] * h;

      /* y_new is the input of stage 7 (FSAL): complete; earlier stages only as far as
       * func reads. */
      _currents_dopri_stage_input (dp->y, k, s, h, s == CURRENTS_DOPRI_STAGES - 1 ? dim
                                                   : MIN (dp->n_read, dim), ys);
      dp->stage = s;
      dp->func (ts, ys, k[s], dp->func_data);
    }
  dp->nfe += CURRENTS_DOPRI_STAGES - 1;

  for (gsize i = 0; i < n_ctrl; i++)
    dp->err[i] = _currents_dopri_e[0] * k[0][i];
  for (guint j = 2; j < CURRENTS_DOPRI_STAGES; j++)
    {
      const double ej = _currents_dopri_e[j];
      const double *kj = k[j];

      for (gsize i = 0; i < n_ctrl; i++)
        dp->err[i] += ej * kj[i];
    }
  for (gsize i = 0; i < n_ctrl; i++)
    dp->err[i] *= h;
}

CurrentsDopriStatus
_currents_dopri_advance (CurrentsDopri         *dp,
                         double                 t_stop,
                         CurrentsDopriStepFunc  step_cb,
                         gpointer               cb_data)
{
  const double beta = 0.04, expo1 = 0.2 - beta * 0.75, safe = 0.9;
  const double facc1 = 5.0, facc2 = 0.1;

  while (dp->t != t_stop)
    {
      const double dir = t_stop > dp->t ? 1.0 : -1.0;
      const double remaining = t_stop - dp->t;
      double h, t_new, err, fac;
      gboolean clipped = FALSE;

      if ((dp->n_steps + dp->n_rejected) % CANCEL_CHECK_EVERY == 0
          && g_cancellable_is_cancelled (dp->cancellable))
        return CURRENTS_DOPRI_CANCELLED;
      if (dp->n_steps + dp->n_rejected >= dp->max_steps)
        return CURRENTS_DOPRI_MAX_STEPS;

      if (!dp->have_k1)
        {
          dp->stage = 0;
          dp->func (dp->t, dp->y, dp->k[0], dp->func_data);
          dp->nfe++;
          if (!all_finite (dp->k[0], dp->dim))
            return CURRENTS_DOPRI_NON_FINITE;
          dp->have_k1 = TRUE;
        }

      if (dp->replay != NULL)
        {
          const double *r = dp->replay + 3 * dp->replay_pos;

          if (dp->replay_pos >= dp->n_replay || r[0] != dp->t
              || (r[2] - t_stop) * dir > 0.0)
            return CURRENTS_DOPRI_REPLAY;
          h = r[1];
          t_new = r[2];
        }
      else
        {
          if (dp->h == 0.0 || dp->h * dir < 0.0)
            dp->h = dopri_initial_step (dp, t_stop);
          h = dp->h;
          if (fabs (h) * 1.01 >= fabs (remaining))
            {
              clipped = fabs (remaining) < fabs (h);
              h = remaining;
              t_new = t_stop;
            }
          else
            {
              if (fabs (h) < dopri_h_min (dp))
                return dp->nonfinite ? CURRENTS_DOPRI_NON_FINITE : CURRENTS_DOPRI_UNDERFLOW;
              t_new = dp->t + h;
            }
        }

      dopri_attempt (dp, h, t_new);
      err = dopri_norm (dp, dp->err, dp->y, dp->y_new);

      if (!isfinite (err) || !all_finite (dp->y_new, dp->dim)
          || !all_finite (dp->k[CURRENTS_DOPRI_STAGES - 1], dp->dim))
        {
          if (dp->replay != NULL)
            return CURRENTS_DOPRI_NON_FINITE;
          dp->n_rejected++;
          dp->nonfinite = TRUE;
          dp->last_rejected = TRUE;
          dp->h = 0.25 * h;
          if (fabs (dp->h) < dopri_h_min (dp))
            return CURRENTS_DOPRI_NON_FINITE;
          continue;
        }

      if (dp->replay != NULL || err <= 1.0)
        {
          double h_next;

          fac = pow (err, expo1) / pow (dp->err_old, beta);
          fac = MAX (facc2, MIN (facc1, fac / safe));
          h_next = h / fac;
          if (dp->last_rejected && fabs (h_next) > fabs (h))
            h_next = h;
          /* A step cut short to land on t_stop says little about the next one. */
          if (clipped && fabs (h_next) >= fabs (h))
            h_next = dir * MAX (fabs (h_next), fabs (dp->h));
          dp->err_old = MAX (err, 1e-4);
          dp->last_rejected = FALSE;
          dp->nonfinite = FALSE;
          if (dp->replay == NULL)
            dp->h = h_next;
          else
            dp->replay_pos++;

          if (step_cb != NULL && !step_cb (dp, dp->t, h, t_new, cb_data))
            return CURRENTS_DOPRI_CALLBACK;

          {
            double *tmp = dp->y;

            dp->y = dp->y_new;
            dp->y_new = tmp;
            tmp = dp->k[0];
            dp->k[0] = dp->k[CURRENTS_DOPRI_STAGES - 1];
            dp->k[CURRENTS_DOPRI_STAGES - 1] = tmp;
          }
          dp->t = t_new;
          dp->n_steps++;
        }
      else
        {
          fac = pow (err, expo1);
          dp->h = h / MIN (facc1, fac / safe);
          dp->last_rejected = TRUE;
          dp->nonfinite = FALSE;
          dp->n_rejected++;
        }
    }
  return CURRENTS_DOPRI_OK;
}

void
_currents_dopri_dense_weights (double theta,
                               double w[CURRENTS_DOPRI_STAGES])
{
  const double th1 = 1.0 - theta;
  const double a = theta * th1;
  const double b = theta * theta * th1;
  const double d = b * th1;

  for (guint i = 0; i < CURRENTS_DOPRI_STAGES; i++)
    w[i] = theta * _currents_dopri_b[i] - a * _currents_dopri_b[i]
           + 2.0 * b * _currents_dopri_b[i] + d * _currents_dopri_d[i];
  w[0] += a - b;
  w[CURRENTS_DOPRI_STAGES - 1] -= b;
}

void
_currents_dopri_dense_eval_step (const CurrentsDopri *dp,
                                 double               h,
                                 double               theta,
                                 gsize                n,
                                 double              *out)
{
  double w[CURRENTS_DOPRI_STAGES];

  _currents_dopri_dense_weights (theta, w);
  for (gsize i = 0; i < n; i++)
    {
      double acc = 0.0;

      for (guint j = 0; j < CURRENTS_DOPRI_STAGES; j++)
        acc += w[j] * dp->k[j][i];
      out[i] = dp->y[i] + h * acc;
    }
}

void
_currents_dopri_dense_coeffs (const CurrentsDopri *dp,
                              double               h,
                              gsize                n,
                              double              *r)
{
  double *r0 = r, *r1 = r + n, *r2 = r + 2 * n, *r3 = r + 3 * n, *r4 = r + 4 * n;
  const double *const *k = (const double *const *) dp->k;

  for (gsize i = 0; i < n; i++)
    {
      const double ydiff = dp->y_new[i] - dp->y[i];
      const double bspl = h * k[0][i] - ydiff;
      double acc = 0.0;

      for (guint j = 0; j < CURRENTS_DOPRI_STAGES; j++)
        acc += _currents_dopri_d[j] * k[j][i];
      r0[i] = dp->y[i];
      r1[i] = ydiff;
      r2[i] = bspl;
      r3[i] = ydiff - h * k[CURRENTS_DOPRI_STAGES - 1][i] - bspl;
      r4[i] = h * acc;
    }
}

void
_currents_dopri_dense_coeffs_eval (const double *r,
                                   gsize         n,
                                   double        theta,
                                   double       *out)
{
  const double th1 = 1.0 - theta;
  const double *r0 = r, *r1 = r + n, *r2 = r + 2 * n, *r3 = r + 3 * n, *r4 = r + 4 * n;

  for (gsize i = 0; i < n; i++)
    out[i] = r0[i] + theta * (r1[i] + th1 * (r2[i] + theta * (r3[i] + th1 * r4[i])));
}
