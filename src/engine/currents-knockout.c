/* currents-knockout.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Knocked-out fields, for a held set K and P = I − Σ_{i∈K} e_i e_iᵀ:
 *
 *   full (n states):         f̃(x) = P f(P x),      ∂f̃/∂x = P J(P x) P,
 *                            wᵀ∂f̃/∂x = ((P w)ᵀ J(P x)) P,   wᵀ∂f̃/∂p = (P w)ᵀ ∂f/∂p(P x),
 *                            d/dε ∂f̃/∂x(x + εv)·w = P H(P x)[P v, P w];
 *   reduced (the free states F, embedding E: ℝ^|F| → ℝⁿ with zeros on K):
 *                            f_F(y) = Eᵀ f(E y),    ∂f_F/∂y = Eᵀ J(E y) E.
 *
 * The full one is integrated (x_i stays exactly 0 because f̃_i = 0); the reduced one is
 * what Newton solves and what decides stability (the full Jacobian has a zero row and
 * column per knocked-out state, whose zero eigenvalue says nothing about the dynamics).
 * Either may freeze t for a non-autonomous base field.
 *
 * Evaluating f at x_i = 0 leaves 0^n and its derivatives to the base field (the `.ode`
 * tape handles x^n at 0 explicitly); a column of J for a held state is never used, so a
 * non-finite ∂f/∂x_i there does not spread.
 */
#define G_LOG_DOMAIN "currents-knockout"

#include "config.h"

#include <math.h>
#include <string.h>

#include "currents-error.h"
#include "currents-knockout.h"

typedef struct
{
  CurrentsField *base;
  gsize          n;
  gsize          k;
  gboolean      *held;     /* n */
  gsize          n_free;
  gsize         *free_idx; /* n_free */
  gboolean       reduced;
  gboolean       freeze;
  double         t_frozen;
} KoImpl;

typedef struct
{
  CurrentsFieldWorkspace *base_ws;
  double                 *x;   /* n */
  double                 *v;   /* n */
  double                 *w;   /* n */
  double                 *f;   /* n */
  double                 *gx;  /* n */
  double                 *J;   /* n × n (reduced only) */
  double                 *jp;  /* n × k (reduced only) */
} KoWs;

static gpointer
ko_ws_new (gconstpointer data)
{
  const KoImpl *impl = data;
  KoWs *ws = g_new0 (KoWs, 1);
  gsize n = impl->n;
  gsize extra = impl->reduced ? n * n + n * impl->k : 0;

  ws->base_ws = currents_field_workspace_new (impl->base);
  ws->x = g_new0 (double, 5 * n + extra);
  ws->v = ws->x + n;
  ws->w = ws->v + n;
  ws->f = ws->w + n;
  ws->gx = ws->f + n;
  if (impl->reduced)
    {
      ws->J = ws->gx + n;
      ws->jp = ws->J + n * n;
    }
  return ws;
}

static void
ko_ws_free (gpointer data)
{
  KoWs *ws = data;

  if (ws == NULL)
    return;
  currents_field_workspace_free (ws->base_ws);
  g_free (ws->x);
  g_free (ws);
}

static void
ko_impl_free (gpointer data)
{
  KoImpl *impl = data;

  currents_field_unref (impl->base);
  g_free (impl->held);
  g_free (impl->free_idx);
  g_free (impl);
}

/* dst = P src (full) or E src (reduced). */
static void
ko_project_in (const KoImpl *impl,
               const double *src,
               double       *dst)
{
  if (impl->reduced)
    {
      memset (dst, 0, impl->n * sizeof (double));
      for (gsize a = 0; a < impl->n_free; a++)
        dst[impl->free_idx[a]] = src[a];
    }
  else
    for (gsize i = 0; i < impl->n; i++)
      dst[i] = impl->held[i] ? 0.0 : src[i];
}

static inline double
ko_time (const KoImpl *impl,
         double        t)
{
  return impl->freeze ? impl->t_frozen : t;
}

static void
ko_eval (gconstpointer data,
         gpointer      wsp,
         double        t,
         const double *x,
         const double *u,
         const double *p,
         double       *f)
{
  const KoImpl *impl = data;
  KoWs *ws = wsp;

  ko_project_in (impl, x, ws->x);
  if (impl->reduced)
    {
      currents_field_eval (ws->base_ws, ko_time (impl, t), ws->x, u, p, ws->f);
      for (gsize a = 0; a < impl->n_free; a++)
        f[a] = ws->f[impl->free_idx[a]];
    }
  else
    {
      currents_field_eval (ws->base_ws, ko_time (impl, t), ws->x, u, p, f);
      for (gsize i = 0; i < impl->n; i++)
        if (impl->held[i])
          f[i] = 0.0;
    }
}

static void
ko_jacobian (gconstpointer data,
             gpointer      wsp,
             double        t,
             const double *x,
             const double *u,
             const double *p,
             double       *f,
             double       *jx,
             double       *jp)
{
  const KoImpl *impl = data;
  KoWs *ws = wsp;
  gsize n = impl->n, k = impl->k;

  ko_project_in (impl, x, ws->x);
  if (impl->reduced)
    {
      gsize r = impl->n_free;

      currents_field_jacobian (ws->base_ws, ko_time (impl, t), ws->x, u, p, ws->f, ws->J,
                               jp != NULL ? ws->jp : NULL);
      for (gsize a = 0; a < r; a++)
        {
          gsize i = impl->free_idx[a];

          if (f != NULL)
            f[a] = ws->f[i];
          for (gsize b = 0; b < r; b++)
            jx[a * r + b] = ws->J[i * n + impl->free_idx[b]];
          if (jp != NULL)
            memcpy (jp + a * k, ws->jp + i * k, k * sizeof (double));
        }
      return;
    }
  currents_field_jacobian (ws->base_ws, ko_time (impl, t), ws->x, u, p, f, jx, jp);
  for (gsize i = 0; i < n; i++)
    {
      if (!impl->held[i])
        continue;
      if (f != NULL)
        f[i] = 0.0;
      for (gsize j = 0; j < n; j++)
        {
          jx[i * n + j] = 0.0;   /* row: dx_i/dt = 0 */
          jx[j * n + i] = 0.0;   /* column: x_i has no influence */
        }
      if (jp != NULL)
        memset (jp + i * k, 0, k * sizeof (double));
    }
}

static void
ko_vjp (gconstpointer data,
        gpointer      wsp,
        double        t,
        const double *x,
        const double *u,
        const double *p,
        const double *w,
        double       *f,
        double       *gx,
        double       *gp)
{
  const KoImpl *impl = data;
  KoWs *ws = wsp;
  gsize n = impl->n;

  ko_project_in (impl, x, ws->x);
  ko_project_in (impl, w, ws->w);
  memset (ws->gx, 0, n * sizeof (double));
  currents_field_vjp (ws->base_ws, ko_time (impl, t), ws->x, u, p, ws->w,
                      f != NULL ? ws->f : NULL, gx != NULL ? ws->gx : NULL, gp);
  if (impl->reduced)
    {
      for (gsize a = 0; a < impl->n_free; a++)
        {
          gsize i = impl->free_idx[a];

          if (f != NULL)
            f[a] = ws->f[i];
          if (gx != NULL)
            gx[a] += ws->gx[i];
        }
      return;
    }
  for (gsize i = 0; i < n; i++)
    {
      if (f != NULL)
        f[i] = impl->held[i] ? 0.0 : ws->f[i];
      if (gx != NULL && !impl->held[i])
        gx[i] += ws->gx[i];
    }
}

static void
ko_hvp (gconstpointer data,
        gpointer      wsp,
        double        t,
        const double *x,
        const double *u,
        const double *p,
        const double *v,
        const double *w,
        double       *out)
{
  const KoImpl *impl = data;
  KoWs *ws = wsp;

  ko_project_in (impl, x, ws->x);
  ko_project_in (impl, v, ws->v);
  ko_project_in (impl, w, ws->w);
  currents_field_hvp (ws->base_ws, ko_time (impl, t), ws->x, u, p, ws->v, ws->w, ws->f);
  if (impl->reduced)
    for (gsize a = 0; a < impl->n_free; a++)
      out[a] = ws->f[impl->free_idx[a]];
  else
    for (gsize i = 0; i < impl->n; i++)
      out[i] = impl->held[i] ? 0.0 : ws->f[i];
}

static const CurrentsFieldVTable ko_vtable = {
  .workspace_new = ko_ws_new,
  .workspace_free = ko_ws_free,
  .eval = ko_eval,
  .jacobian = ko_jacobian,
  .vjp = ko_vjp,
  .impl_free = ko_impl_free,
};

static const CurrentsFieldVTable ko_vtable_hvp = {
  .workspace_new = ko_ws_new,
  .workspace_free = ko_ws_free,
  .eval = ko_eval,
  .jacobian = ko_jacobian,
  .vjp = ko_vjp,
  .impl_free = ko_impl_free,
  .hvp = ko_hvp,
};

static CurrentsField *
ko_field_new (CurrentsField  *base,
              const gboolean *held,
              gboolean        reduced,
              gboolean        freeze,
              double          t_frozen)
{
  KoImpl *impl = g_new0 (KoImpl, 1);
  gsize n = currents_field_get_n_states (base);

  impl->base = currents_field_ref (base);
  impl->n = n;
  impl->k = currents_field_get_n_params (base);
  impl->held = g_new0 (gboolean, MAX (n, 1));
  impl->free_idx = g_new0 (gsize, MAX (n, 1));
  for (gsize i = 0; i < n; i++)
    {
      impl->held[i] = held != NULL && held[i];
      if (!impl->held[i])
        impl->free_idx[impl->n_free++] = i;
    }
  impl->reduced = reduced;
  impl->freeze = freeze;
  impl->t_frozen = t_frozen;
  return currents_field_new (currents_field_has_hvp (base) ? &ko_vtable_hvp : &ko_vtable, impl,
                             reduced ? impl->n_free : n, currents_field_get_n_inputs (base),
                             impl->k, currents_field_is_autonomous (base) || freeze);
}

CurrentsField *
currents_knockout_field_new (CurrentsField *base,
                             const gsize   *genes,
                             gsize          n_genes)
{
  gsize n;
  g_autofree gboolean *held = NULL;

  g_return_val_if_fail (base != NULL, NULL);
  g_return_val_if_fail (n_genes == 0 || genes != NULL, NULL);
  n = currents_field_get_n_states (base);
  held = g_new0 (gboolean, MAX (n, 1));
  for (gsize g = 0; g < n_genes; g++)
    {
      if (genes[g] >= n)
        return NULL;
      held[genes[g]] = TRUE;
    }
  return ko_field_new (base, held, FALSE, FALSE, 0.0);
}

/* ------------------------------------------------------------------------------------ */
/* Steady states                                                                        */

void
currents_knockout_options_init (CurrentsKnockoutOptions *options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof *options);
  options->t_max = 1e4;
  options->t_first = 1.0;
  options->settle_tol = 1e-8;
  options->tol = 1e-12;
  options->max_iter = 50;
}

void
currents_steady_state_free (CurrentsSteadyState *ss)
{
  if (ss == NULL)
    return;
  g_free (ss->state);
  currents_equilibrium_free (ss->linear);
  g_free (ss->message);
  g_free (ss);
}

void
currents_knockout_free (CurrentsKnockout *ko)
{
  if (ko == NULL)
    return;
  currents_steady_state_free (ko->result);
  g_free (ko);
}

static gboolean
all_finite_n (const double *v,
              gsize         k)
{
  for (gsize i = 0; i < k; i++)
    if (!isfinite (v[i]))
      return FALSE;
  return TRUE;
}

static double
scaled_rate (CurrentsFieldWorkspace *ws,
             gsize                   n,
             const double           *x,
             const double           *u,
             const double           *p,
             double                 *f)
{
  double r = 0.0;

  currents_field_eval (ws, 0.0, x, u, p, f);
  for (gsize i = 0; i < n; i++)
    {
      double ri = fabs (f[i]) / (1.0 + fabs (x[i]));
      if (isnan (ri))
        return NAN;
      r = MAX (r, ri);
    }
  return r;
}

static void
resolve_options (const CurrentsKnockoutOptions *in,
                 CurrentsKnockoutOptions       *o,
                 CurrentsSimOptions            *so)
{
  if (in != NULL)
    *o = *in;
  else
    currents_knockout_options_init (o);
  if (!(o->t_max > 0.0))
    o->t_max = 1e4;
  if (!(o->t_first > 0.0))
    o->t_first = 1.0;
  if (!(o->settle_tol > 0.0))
    o->settle_tol = 1e-8;
  if (!(o->tol > 0.0))
    o->tol = 1e-12;
  if (o->max_iter == 0)
    o->max_iter = 50;
  if (o->sim != NULL && !currents_method_is_fixed_step (o->sim->method))
    *so = *o->sim;
  else
    {
      currents_sim_options_init (so);
      so->method = CURRENTS_METHOD_RK8PD;
      so->rtol = 1e-8;
      so->atol = 1e-10;
      if (o->sim != NULL)
        so->bound = o->sim->bound;
    }
  o->sim = so;
}

static gboolean
check_args (CurrentsField                 *field,
            const double                  *x0,
            const gsize                   *genes,
            gsize                          n_genes,
            const CurrentsKnockoutOptions *o,
            GError                       **error)
{
  gsize n = currents_field_get_n_states (field);

  if (n == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "knockout: the field has no states");
      return FALSE;
    }
  for (gsize g = 0; g < n_genes; g++)
    if (genes[g] >= n)
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "knockout: state %" G_GSIZE_FORMAT " does not exist (the model has %"
                     G_GSIZE_FORMAT ")", genes[g], n);
        return FALSE;
      }
  for (gsize i = 0; x0 != NULL && i < n; i++)
    if (!isfinite (x0[i]))
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                     "knockout: the starting state's entry %" G_GSIZE_FORMAT " is not "
                     "finite", i);
        return FALSE;
      }
  if (!isfinite (o->t) || !isfinite (o->t_max))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "knockout: the frozen time and the time limit must be finite");
      return FALSE;
    }
  return TRUE;
}

#define LEG_SAMPLES 64

/* For a trajectory that does not come to rest (a limit cycle, say): the equilibrium
 * of the free states inside the bounding box of the last leg, nearest to the leg's
 * mean. Writes it to xr (n_free) and returns TRUE when there is one. */
static gboolean
equilibrium_inside (CurrentsField                 *reduced,
                    const double                  *p,
                    const double                  *u,
                    const CurrentsKnockoutOptions *o,
                    const double                  *lo,
                    const double                  *hi,
                    const double                  *mean,
                    double                        *xr,
                    GCancellable                  *cancellable)
{
  gsize r = currents_field_get_n_states (reduced);
  CurrentsEquilibriaOptions eo;
  g_autoptr(GPtrArray) eqs = NULL;
  double best = INFINITY;

  currents_equilibria_options_init (&eo);
  eo.lo = lo;
  eo.hi = hi;
  eo.n_seeds = 16 + 8 * r;
  eo.tol = o->tol;
  eo.max_iter = o->max_iter;
  eo.t = o->t;
  eqs = currents_equilibria_find (reduced, p, u, &eo, cancellable, NULL);
  for (guint k = 0; eqs != NULL && k < eqs->len; k++)
    {
      const CurrentsEquilibrium *e = g_ptr_array_index (eqs, k);
      double d = 0.0;

      for (gsize a = 0; a < r; a++)
        d += (e->state[a] - mean[a]) * (e->state[a] - mean[a]) /
             ((hi[a] - lo[a]) * (hi[a] - lo[a]));
      if (d < best)
        {
          best = d;
          memcpy (xr, e->state, r * sizeof (double));
        }
    }
  return isfinite (best);
}

static CurrentsSteadyState *
steady_state (CurrentsField                 *field,
              const double                  *p,
              const double                  *u,
              const double                  *x0,
              const gsize                   *genes,
              gsize                          n_genes,
              const CurrentsKnockoutOptions *o,
              GCancellable                  *cancellable,
              GError                       **error)
{
  gsize n = currents_field_get_n_states (field);
  gsize m = currents_field_get_n_inputs (field);
  gboolean freeze = !currents_field_is_autonomous (field);
  g_autofree gboolean *held = g_new0 (gboolean, n);
  g_autofree double *u0 = g_new0 (double, MAX (m, 1));
  g_autofree double *f = g_new0 (double, n);
  g_autofree double *ys = g_new0 (double, LEG_SAMPLES * n);
  g_autofree double *times = g_new0 (double, LEG_SAMPLES);
  g_autoptr(CurrentsField) full = NULL;
  g_autoptr(CurrentsField) reduced = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(CurrentsInputSignal) sig = NULL;
  g_autoptr(CurrentsSteadyState) ss = g_new0 (CurrentsSteadyState, 1);
  CurrentsSimOptions so = *o->sim;
  double T = 0.0, leg = o->t_first;
  gsize n_free = 0, last_samples = 0;
  gboolean failed = FALSE;

  if (u != NULL)
    memcpy (u0, u, m * sizeof (double));
  for (gsize g = 0; g < n_genes; g++)
    held[genes[g]] = TRUE;
  ss->n = n;
  ss->state = g_new0 (double, n);
  for (gsize i = 0; i < n; i++)
    {
      ss->state[i] = held[i] ? 0.0 : x0[i];
      n_free += !held[i];
    }
  ss->residual = NAN;

  full = ko_field_new (field, held, FALSE, freeze, o->t);
  ws = currents_field_workspace_new (full);
  sig = currents_input_signal_new_constant (m, u0);
  sim = currents_simulator_new (full, &so);

  /* legs of doubling length, each sampled at LEG_SAMPLES times (the last leg's samples
   * bound an oscillation, should the trajectory not come to rest) */
  ss->settled = scaled_rate (ws, n, ss->state, u0, p, f) <= o->settle_tol;
  while (!ss->settled && T < o->t_max)
    {
      g_autoptr(GError) local = NULL;
      double t1 = MIN (T + leg, o->t_max);
      gsize reached = 0;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                       "knockout: cancelled at t = %g", T);
          return NULL;
        }
      for (gsize k = 0; k < LEG_SAMPLES; k++)
        times[k] = T + (t1 - T) * (double) (k + 1) / LEG_SAMPLES;
      times[LEG_SAMPLES - 1] = t1;
      if (!currents_simulator_run (sim, ss->state, p, sig, T, times, LEG_SAMPLES, ys, &reached,
                                   cancellable, &local))
        {
          if (g_error_matches (local, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED) ||
              g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                           "knockout: cancelled at t = %g", T);
              return NULL;
            }
          if ((g_error_matches (local, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MAX_STEPS) ||
               g_error_matches (local, CURRENTS_ENGINE_ERROR,
                                CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW)) &&
              so.method != CURRENTS_METHOD_BDF)
            {
              /* stiff: go on with the implicit method from where we are */
              so.method = CURRENTS_METHOD_BDF;
              currents_simulator_free (sim);
              sim = currents_simulator_new (full, &so);
              continue;
            }
          if (reached > 0 && all_finite_n (ys + (reached - 1) * n, n))
            {
              memcpy (ss->state, ys + (reached - 1) * n, n * sizeof (double));
              T = times[reached - 1];
            }
          ss->message = g_strdup_printf ("the integration stopped at about t = %g: %s", T,
                                         local->message);
          failed = TRUE;
          break;
        }
      if (!all_finite_n (ys, LEG_SAMPLES * n))
        {
          ss->message = g_strdup_printf ("the state became non-finite between t = %g and %g",
                                         T, t1);
          failed = TRUE;
          break;
        }
      memcpy (ss->state, ys + (LEG_SAMPLES - 1) * n, n * sizeof (double));
      last_samples = LEG_SAMPLES;
      T = t1;
      leg *= 2.0;
      ss->settled = scaled_rate (ws, n, ss->state, u0, p, f) <= o->settle_tol;
    }
  ss->t_reached = T;

  if (n_free == 0)
    {
      /* everything held: x = 0 is trivially at rest */
      ss->steady = ss->settled = ss->stable = TRUE;
      ss->residual = 0.0;
      return g_steal_pointer (&ss);
    }

  reduced = ko_field_new (field, held, TRUE, freeze, o->t);
  {
    g_autofree double *xr = g_new (double, n_free);
    g_autoptr(GError) local = NULL;
    gboolean ok;
    gsize a = 0;

    for (gsize i = 0; i < n; i++)
      if (!held[i])
        xr[a++] = ss->state[i];
    ok = currents_equilibrium_polish (reduced, p, u0, o->t, xr, o->tol, o->max_iter,
                                      &ss->residual, &local);
    if (!ok && !ss->settled && !failed && last_samples > 0)
      {
        /* still moving at the end: look for the equilibrium the motion surrounds */
        g_autofree double *lo = g_new (double, n_free);
        g_autofree double *hi = g_new (double, n_free);
        g_autofree double *mean = g_new0 (double, n_free);

        a = 0;
        for (gsize i = 0; i < n; i++)
          {
            if (held[i])
              continue;
            lo[a] = INFINITY;
            hi[a] = -INFINITY;
            for (gsize k = 0; k < last_samples; k++)
              {
                double v = ys[k * n + i];
                lo[a] = MIN (lo[a], v);
                hi[a] = MAX (hi[a], v);
                mean[a] += v / last_samples;
              }
            {
              double pad = 0.1 * (hi[a] - lo[a]) + 1e-6 * (1.0 + fabs (mean[a]));
              lo[a] -= pad;
              hi[a] += pad;
            }
            a++;
          }
        if (equilibrium_inside (reduced, p, u0, o, lo, hi, mean, xr, cancellable))
          {
            g_clear_error (&local);
            ok = currents_equilibrium_polish (reduced, p, u0, o->t, xr, o->tol, o->max_iter,
                                              &ss->residual, &local);
          }
        if (g_cancellable_is_cancelled (cancellable))
          {
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                         "knockout: cancelled");
            return NULL;
          }
      }
    if (ok)
      {
        ss->steady = TRUE;
        a = 0;
        for (gsize i = 0; i < n; i++)
          if (!held[i])
            ss->state[i] = xr[a++];
        ss->linear = currents_equilibrium_analyse (reduced, p, u0, o->t, xr);
        ss->stable = ss->linear->stable;
        if (!ss->settled && ss->message == NULL)
          ss->message = g_strdup_printf ("the trajectory had not come to rest by t = %g; "
                                         "this is the equilibrium Newton found near its path", T);
      }
    else if (ss->message == NULL)
      ss->message = ss->settled ? g_strdup (local->message)
                                : g_strdup_printf ("no steady state: the trajectory had not "
                                                   "come to rest by t = %g, and %s", T,
                                                   local->message);
  }
  return g_steal_pointer (&ss);
}

CurrentsSteadyState *
currents_knockout_steady_state (CurrentsField                 *field,
                                const double                  *p,
                                const double                  *u,
                                const double                  *x0,
                                const gsize                   *genes,
                                gsize                          n_genes,
                                const CurrentsKnockoutOptions *options,
                                GCancellable                  *cancellable,
                                GError                       **error)
{
  CurrentsKnockoutOptions o;
  CurrentsSimOptions so;

  g_return_val_if_fail (field != NULL && x0 != NULL, NULL);
  g_return_val_if_fail (n_genes == 0 || genes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  resolve_options (options, &o, &so);
  if (!check_args (field, x0, genes, n_genes, &o, error))
    return NULL;
  return steady_state (field, p, u, x0, genes, n_genes, &o, cancellable, error);
}

static int
compare_knockouts (gconstpointer a,
                   gconstpointer b)
{
  const CurrentsKnockout *x = *(CurrentsKnockout *const *) a;
  const CurrentsKnockout *y = *(CurrentsKnockout *const *) b;
  gboolean xn = isnan (x->shift), yn = isnan (y->shift);

  if (xn != yn)
    return xn ? 1 : -1;
  if (!xn && x->shift != y->shift)
    return x->shift > y->shift ? -1 : 1;
  return (x->gene > y->gene) - (x->gene < y->gene);
}

GPtrArray *
currents_knockout_run (CurrentsField                 *field,
                       const double                  *p,
                       const double                  *u,
                       const CurrentsSteadyState     *reference,
                       const gsize                   *genes,
                       gsize                          n_genes,
                       const CurrentsKnockoutOptions *options,
                       GCancellable                  *cancellable,
                       GError                       **error)
{
  CurrentsKnockoutOptions o;
  CurrentsSimOptions so;
  g_autoptr(GPtrArray) out = NULL;
  gsize n;

  g_return_val_if_fail (field != NULL && reference != NULL, NULL);
  g_return_val_if_fail (n_genes == 0 || genes != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = currents_field_get_n_states (field);
  resolve_options (options, &o, &so);
  if (reference->n != n)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "knockout: the reference has %" G_GSIZE_FORMAT " states, the field %"
                   G_GSIZE_FORMAT, reference->n, n);
      return NULL;
    }
  if (!check_args (field, reference->state, genes, n_genes, &o, error))
    return NULL;

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_knockout_free);
  for (gsize g = 0; g < n_genes; g++)
    {
      CurrentsKnockout *ko;
      CurrentsSteadyState *ss;
      gsize i = genes[g];

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                       "knockout: cancelled after %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT
                       " knockouts", g, n_genes);
          return NULL;
        }
      ss = steady_state (field, p, u, reference->state, &i, 1, &o, cancellable, error);
      if (ss == NULL)
        return NULL;
      ko = g_new0 (CurrentsKnockout, 1);
      ko->gene = i;
      ko->result = ss;
      if (ss->steady)
        {
          double s2 = 0.0;

          for (gsize j = 0; j < n; j++)
            s2 += (ss->state[j] - reference->state[j]) * (ss->state[j] - reference->state[j]);
          ko->shift = sqrt (s2);
        }
      else
        ko->shift = NAN;
      ko->extrapolated = o.x_min != NULL && o.x_max != NULL &&
                         (0.0 < o.x_min[i] || 0.0 > o.x_max[i]);
      g_ptr_array_add (out, ko);
    }
  g_ptr_array_sort (out, compare_knockouts);
  return g_steal_pointer (&out);
}
