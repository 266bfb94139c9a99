/* currents-adjoint.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Loss and gradient of one trajectory,
 *
 *   dx/dt = f(t, x, u(t), p),  x(t0) = x0,   L = Σ_k ℓ_k(x(t_k)),
 *
 * Forward pass (all methods but `stiff`): Dormand–Prince 5(4) from t0 to t_K, stopping
 * only at the breakpoints of u(t) and at t_K. Observation times are NOT stopping points:
 * x(t_k) inside a step is the step's dense output x_n + h Σ_i w_i(θ) k_i (4th order, free:
 * it only uses the FSAL stage k_7), so the step sequence does not depend on where the data
 * lie. Every method differentiates exactly that computed x(t_k).
 *
 * DISCRETE — reverse mode through the accepted steps. The forward pass keeps (t_n, h_n,
 * t_{n+1}, x_n, k_1 … k_6) per step (k_7 is the next step's k_1); the backward pass
 * forms the stage inputs Y_i = x_n + h Σ_{j<i} a_ij k_j again from them, bit for bit as
 * the forward pass did (no evaluation of f), and runs
 *
 *   x̄_{n+1} += Σ_{obs in step} … (see below);   k̄_i = h b_i x̄_{n+1};   x̄_n = x̄_{n+1}
 *   for i = 6 … 1:  Ȳ = k̄_iᵀ ∂f/∂x(Y_i),  p̄ += k̄_iᵀ ∂f/∂p(Y_i),
 *                   x̄_n += Ȳ,  k̄_j += h a_ij Ȳ (j < i)
 *
 * and for an observation at θ inside step n (x = x_n + h Σ w_i(θ) k_i, with k_7 =
 * f(t_{n+1}, x_{n+1}) the next step's k_1): x̄_n += g, k̄_i += h w_i(θ) g, and k̄_7 goes
 * through a VJP at (t_{n+1}, x_{n+1}) into x̄_{n+1}, p̄. That is the point of step n + 1's
 * k_1, and a VJP is linear in its weight, so the two are one VJP with weight k̄_7 + k̄_1:
 * step n + 1's stage-1 VJP waits until step n's k̄_7 is known. The step sizes h_n (and θ) are
 * treated as constants, as diffrax does: this is the exact gradient of the computed
 * solution for the step sequence the forward pass chose, not the derivative of the
 * step-size controller (which is piecewise constant and would add nothing but noise).
 *
 * Fields that keep tapes (currents_field_get_tape_size(); the neural field's are its
 * hidden activations) are evaluated through the batched entry with one row, and the
 * forward pass files the tape of every stage evaluation of every accepted step (7 per
 * step, the last shared with the next step as FSAL shares k_7), so each VJP of the
 * backward pass is a backward pass alone. Tapes stop being filed once they would exceed
 * the workspace's budget (TAPE_BUDGET doubles); later steps' VJPs recompute their forward
 * pass, with the same numbers.
 *
 * ADJOINT — the checkpointed continuous adjoint, integrated backwards from t_K to t0:
 *
 *   dλ/dt = −(∂f/∂x)ᵀ λ,   dμ/dt = −(∂f/∂p)ᵀ λ,   λ(t_k⁻) = λ(t_k⁺) + ∂ℓ_k/∂x,
 *   dL/dx0 = λ(t0),  dL/dp = μ(t0),  λ(t_K⁺) = 0, μ(t_K) = 0,
 *
 * with the same DP5 (error control on λ and μ, on λ only with `seminorm`), stopping at
 * every t_k and every breakpoint. x(t) comes from the stored forward dense output (Hairer's
 * five vectors per step), never from integrating x backwards.
 *
 * BACKSOLVE — Chen et al. (2018): [x, λ, μ] integrated backwards together,
 *   dx/dt = f,  dλ/dt = −(∂f/∂x)ᵀλ,  dμ/dt = −(∂f/∂p)ᵀλ
 * (one VJP per stage gives all three), error control on x, λ (and μ unless seminorm).
 * Only x(t_k) and ∂ℓ_k/∂x are kept, so memory does not depend on the number of steps; as
 * torchdiffeq does, x is reset to the forward x(t_k) at each observation, which bounds
 * the drift of an unstable backward x to one interval between observations.
 *
 * Stiff (`stiff`, ADJOINT only): forward with GSL's msbdf (exact ∂f/∂x) through
 * gsl_odeiv2_evolve_apply, stopping at every t_k and breakpoint; per accepted step
 * (t_n, x_n, f_n) is kept and x(t) between steps is the cubic Hermite interpolant
 *
 *   x(t_n + s H) = h00(s) x_n + h10(s) H f_n + h01(s) x_{n+1} + h11(s) H f_{n+1}.
 *
 * Backwards, λ is integrated by msbdf too (its Jacobian is −(∂f/∂x)ᵀ, exact); μ is a
 * quadrature over each accepted backward step [t_b, t_a] by 4-point Gauss–Lobatto
 * (exact for degree 5) on the cubic Hermite interpolant of λ (λ' = −(∂f/∂x)ᵀλ at both
 * ends):  μ += (t_a − t_b) Σ_i w_i (∂f/∂p)ᵀλ (t_i),  w = (1, 5, 5, 1)/12.
 *
 * Storage: one workspace per thread owns every buffer; the step records and observation
 * arrays grow geometrically and are kept across runs, so a run allocates nothing once the
 * buffers are large enough, and nothing per step ever except that geometric growth.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-adjoint"

#include <float.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_odeiv2.h>

#include "currents-adjoint.h"
#include "currents-adjoint-private.h"
#include "currents-dopri-private.h"
#include "currents-error.h"

#define DEFAULT_MAX_STEPS     1000000
#define CANCEL_CHECK_EVERY    8
#define MAX_STATES_IN_MESSAGE 8
#define NO_STEP               G_MAXSIZE
/* Tapes of one DISCRETE forward pass, in doubles (64 MB per workspace) */
#define TAPE_BUDGET           ((gsize) 1 << 23)
/* Tape records are multiples of 8 doubles on 64-byte boundaries (whole cache lines). */
#define TAPE_ALIGN            8

typedef enum
{
  RECORD_NONE,
  RECORD_STEPS,     /* DISCRETE: t, h, t_new, x_n, k_1 … k_6 */
  RECORD_DENSE,     /* ADJOINT:  t, h, t_new, r (5n) */
  RECORD_HERMITE,   /* stiff:    t, x_n, f_n */
} RecordKind;

struct _CurrentsAdjoint
{
  CurrentsField             *field;
  CurrentsFieldWorkspace    *ws;
  CurrentsAdjointOptions     options;
  gsize                      n;
  gsize                      m;
  gsize                      k;

  CurrentsDopri             *fwd;        /* dim n */
  CurrentsDopri             *bwd;        /* dim up to 2n + k */
  gboolean                   batch_eval; /* f through the field's batched entries */
  gsize                      group_size; /* error-control subgroups of the states, 0: none */

  /* DISCRETE tapes: evaluation (6 s + i) is stage i + 1 of step s (i = 0 … 6). */
  double                    *tape;
  gsize                      tape_stride; /* doubles per evaluation, 0: no tapes */
  gsize                      tape_cap;    /* doubles */
  gsize                      tape_budget;
  gboolean                   taping;      /* the forward pass is filing them */
  gsize                      n_taped;     /* steps 0 … n_taped − 1 have all seven */

  /* Step records, flat: n_rec records of rec_stride doubles. */
  double                    *rec;
  gsize                      rec_cap;    /* doubles */
  gsize                      rec_stride;
  gsize                      n_rec;
  RecordKind                 rec_kind;
  gsize                      n_rec_steps; /* DP5 steps in rec (test hook) */
  gsize                      cursor;

  /* Per observation (obs_cap rows). */
  double                    *obs_x;      /* K × n: x(t_k) */
  double                    *obs_g;      /* K × n: ∂ℓ_k/∂x */
  gsize                     *obs_step;   /* step index holding t_k, NO_STEP for t0 */
  double                    *obs_theta;  /* θ of t_k in that step; 1: its end */
  gsize                      obs_cap;

  /* Scratch, sized in _new. */
  double                    *u;          /* max(m, 1) */
  double                    *xt;         /* n: x(t) in backward right-hand sides */
  double                    *gx;         /* n */
  double                    *xbar;       /* n */
  double                    *mu;         /* k: dL/dp being accumulated */
  double                    *kbar;       /* 7n */
  double                    *wpend;      /* n: a VJP weight not yet applied */
  double                    *yst;        /* 7n: stage inputs */
  double                    *aug;        /* 2n + k */
  double                    *lam_a;      /* n (stiff) */
  double                    *dlam_a;     /* n */
  double                    *dlam_b;     /* n */
  double                    *lam_s;      /* n */
  double                    *gp_a;       /* k */
  double                    *gp_b;       /* k */
  double                    *gp_s;       /* k */
  double                    *jac;        /* n × n (stiff) */

  /* GSL msbdf (stiff), dim n; the driver owns step, control and evolve. */
  gsl_odeiv2_driver         *bdf;
  gsl_odeiv2_step           *bdf_step;
  gsl_odeiv2_control        *bdf_control;
  gsl_odeiv2_evolve         *bdf_evolve;
  gsl_odeiv2_system          bdf_sys;
  double                    *x_prev;     /* n */

  /* Test hook: replayed steps (triples). */
  double                    *replay;
  gsize                      n_replay;

  /* The current run. */
  const double              *p;
  const CurrentsInputSignal *inputs;
  const double              *times;
  gsize                      n_times;
  CurrentsObservationFunc    obs;
  gpointer                   obs_data;
  GCancellable              *cancellable;
  gboolean                   want_grad;
  gsize                      kk;         /* k when dL/dp is wanted, else 0 */
  gsize                      next_obs;
  double                     loss;
  GError                    *cb_error;
  gsize                      nfe_bwd;
  gsize                      bdf_rejected;
  gsize                      bdf_steps;
};

/* ------------------------------------------------------------------------------------ */
/* Methods and options                                                                  */

static const char *const method_names[] = {
  [CURRENTS_GRADIENT_DISCRETE] = "discrete",
  [CURRENTS_GRADIENT_ADJOINT] = "adjoint",
  [CURRENTS_GRADIENT_BACKSOLVE] = "backsolve",
};

/**
 * currents_gradient_method_from_string:
 * @name: "discrete", "adjoint" or "backsolve" (case-insensitive)
 * @method: (out): the method
 *
 * Returns: %TRUE if @name is a method
 */
gboolean
currents_gradient_method_from_string (const char             *name,
                                      CurrentsGradientMethod *method)
{
  g_return_val_if_fail (method != NULL, FALSE);

  if (name == NULL)
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (method_names); i++)
    if (g_ascii_strcasecmp (name, method_names[i]) == 0)
      {
        *method = (CurrentsGradientMethod) i;
        return TRUE;
      }
  return FALSE;
}

/**
 * currents_gradient_method_to_string:
 * @method: a method
 *
 * Returns: its name, or "unknown"
 */
const char *
currents_gradient_method_to_string (CurrentsGradientMethod method)
{
  if ((guint) method < G_N_ELEMENTS (method_names))
    return method_names[method];
  return "unknown";
}

/**
 * currents_adjoint_options_init:
 * @options: (out caller-allocates): options to fill
 *
 * Sets the defaults: DISCRETE, rtol 1e-6, atol 1e-8, max_steps 1000000, h_min 0
 * (1e-12·max(1, |t|)), no seminorm, not stiff.
 */
void
currents_adjoint_options_init (CurrentsAdjointOptions *options)
{
  g_return_if_fail (options != NULL);

  memset (options, 0, sizeof *options);
  options->method = CURRENTS_GRADIENT_DISCRETE;
  options->rtol = 1e-6;
  options->atol = 1e-8;
  options->max_steps = DEFAULT_MAX_STEPS;
  options->h_min = 0.0;
  options->seminorm = FALSE;
  options->stiff = FALSE;
}

/* ------------------------------------------------------------------------------------ */
/* Workspace                                                                            */

static int bdf_fwd_func (double t, const double y[], double dydt[], void *data);
static int bdf_fwd_jacobian (double t, const double y[], double *dfdy, double dfdt[],
                             void *data);

/**
 * currents_adjoint_new:
 * @field: the vector field
 * @options: (nullable): options; %NULL for the defaults
 *
 * Allocates a workspace for one thread: solver vectors, a field workspace and (for
 * `stiff`) GSL's msbdf. Step storage grows on demand and is kept across runs.
 *
 * Returns: (transfer full): a new workspace
 */
CurrentsAdjoint *
currents_adjoint_new (CurrentsField                *field,
                      const CurrentsAdjointOptions *options)
{
  CurrentsAdjoint *adj;
  gsize n, k, c;

  g_return_val_if_fail (field != NULL, NULL);

  adj = g_new0 (CurrentsAdjoint, 1);
  adj->field = currents_field_ref (field);
  adj->ws = currents_field_workspace_new (field);
  if (options != NULL)
    adj->options = *options;
  else
    currents_adjoint_options_init (&adj->options);
  if (adj->options.max_steps == 0)
    adj->options.max_steps = DEFAULT_MAX_STEPS;

  n = adj->n = currents_field_get_n_states (field);
  adj->m = currents_field_get_n_inputs (field);
  k = adj->k = currents_field_get_n_params (field);
  c = MAX (n, 1);

  adj->fwd = _currents_dopri_new (n);
  adj->bwd = _currents_dopri_new (0);     /* sized by the first backward solve */
  adj->batch_eval = currents_field_has_batch (field);
  adj->tape_stride = currents_field_get_tape_size (field, 1);
  adj->tape_stride = (adj->tape_stride + TAPE_ALIGN - 1) / TAPE_ALIGN * TAPE_ALIGN;
  adj->tape_budget = TAPE_BUDGET;

  adj->u = g_new0 (double, MAX (adj->m, 1));
  adj->xt = g_new0 (double, c);
  adj->gx = g_new0 (double, c);
  adj->xbar = g_new0 (double, c);
  adj->mu = g_new0 (double, MAX (k, 1));
  adj->kbar = g_new0 (double, CURRENTS_DOPRI_STAGES * c);
  adj->wpend = g_new0 (double, c);
  adj->yst = g_new0 (double, CURRENTS_DOPRI_STAGES * c);
  adj->aug = g_new0 (double, 2 * n + k + 1);
  adj->lam_a = g_new0 (double, c);
  adj->dlam_a = g_new0 (double, c);
  adj->dlam_b = g_new0 (double, c);
  adj->lam_s = g_new0 (double, c);
  adj->gp_a = g_new0 (double, MAX (k, 1));
  adj->gp_b = g_new0 (double, MAX (k, 1));
  adj->gp_s = g_new0 (double, MAX (k, 1));
  adj->x_prev = g_new0 (double, c);

  if (adj->options.stiff && n > 0)
    {
      double rtol = adj->options.rtol > 0.0 ? adj->options.rtol : 1e-6;
      double atol = adj->options.atol >= 0.0 ? adj->options.atol : 1e-8;

      adj->jac = g_new0 (double, n * n);
      adj->bdf_sys.dimension = n;
      adj->bdf_sys.params = adj;
      adj->bdf_sys.function = bdf_fwd_func;
      adj->bdf_sys.jacobian = bdf_fwd_jacobian;
      /* Invalid tolerances are reported by the run. */
      adj->bdf = gsl_odeiv2_driver_alloc_standard_new (&adj->bdf_sys, gsl_odeiv2_step_msbdf,
                                                       1e-6, atol, rtol, 1.0, 0.0);
      g_assert (adj->bdf != NULL);
      adj->bdf_step = adj->bdf->s;
      adj->bdf_control = adj->bdf->c;
      adj->bdf_evolve = adj->bdf->e;
    }
  return adj;
}

void
currents_adjoint_free (CurrentsAdjoint *adj)
{
  if (adj == NULL)
    return;
  _currents_dopri_free (adj->fwd);
  _currents_dopri_free (adj->bwd);
  g_free (adj->rec);
  g_free (adj->obs_x);
  g_free (adj->obs_g);
  g_free (adj->obs_step);
  g_free (adj->obs_theta);
  g_free (adj->u);
  g_free (adj->xt);
  g_free (adj->gx);
  g_free (adj->xbar);
  g_free (adj->mu);
  g_free (adj->kbar);
  g_free (adj->wpend);
  g_free (adj->yst);
  g_free (adj->aug);
  g_free (adj->lam_a);
  g_free (adj->dlam_a);
  g_free (adj->dlam_b);
  g_free (adj->lam_s);
  g_free (adj->gp_a);
  g_free (adj->gp_b);
  g_free (adj->gp_s);
  g_free (adj->jac);
  g_free (adj->x_prev);
  g_free (adj->replay);
  g_aligned_free (adj->tape);
  if (adj->bdf != NULL)
    gsl_odeiv2_driver_free (adj->bdf);
  currents_field_workspace_free (adj->ws);
  currents_field_unref (adj->field);
  g_free (adj);
}

const CurrentsAdjointOptions *
currents_adjoint_get_options (const CurrentsAdjoint *adj)
{
  g_return_val_if_fail (adj != NULL, NULL);
  return &adj->options;
}

/* ------------------------------------------------------------------------------------ */
/* Storage                                                                              */

static void
rec_reset (CurrentsAdjoint *adj,
           RecordKind       kind)
{
  const gsize n = adj->n;

  adj->rec_kind = kind;
  adj->n_rec = 0;
  adj->n_rec_steps = 0;
  adj->cursor = 0;
  switch (kind)
    {
    case RECORD_STEPS:
      adj->rec_stride = 3 + CURRENTS_DOPRI_STAGES * n;    /* x_n, k_1 … k_6 */
      break;
    case RECORD_DENSE:
      adj->rec_stride = 3 + 5 * n;
      break;
    case RECORD_HERMITE:
      adj->rec_stride = 1 + 2 * n;
      break;
    case RECORD_NONE:
    default:
      adj->rec_stride = 0;
      break;
    }
}

/* A new record at the end (geometric growth: amortised, never per step). */
static inline double *
rec_push (CurrentsAdjoint *adj)
{
  const gsize need = (adj->n_rec + 1) * adj->rec_stride;

  if (need > adj->rec_cap)
    {
      adj->rec_cap = MAX (need, MAX (2 * adj->rec_cap, 64 * adj->rec_stride));
      adj->rec = g_renew (double, adj->rec, adj->rec_cap);
    }
  return adj->rec + (adj->n_rec++) * adj->rec_stride;
}

static inline const double *
rec_at (const CurrentsAdjoint *adj,
        gsize                  i)
{
  return adj->rec + i * adj->rec_stride;
}

static void
obs_reserve (CurrentsAdjoint *adj,
             gsize            n_times)
{
  if (n_times <= adj->obs_cap)
    return;
  adj->obs_cap = MAX (n_times, 2 * adj->obs_cap);
  adj->obs_x = g_renew (double, adj->obs_x, adj->obs_cap * MAX (adj->n, 1));
  adj->obs_g = g_renew (double, adj->obs_g, adj->obs_cap * MAX (adj->n, 1));
  adj->obs_step = g_renew (gsize, adj->obs_step, adj->obs_cap);
  adj->obs_theta = g_renew (double, adj->obs_theta, adj->obs_cap);
}

gsize
_currents_adjoint_get_steps (const CurrentsAdjoint *adj,
                             double                *triples)
{
  g_return_val_if_fail (adj != NULL, 0);

  if (adj->rec_kind != RECORD_STEPS && adj->rec_kind != RECORD_DENSE)
    return 0;
  if (triples != NULL)
    for (gsize i = 0; i < adj->n_rec_steps; i++)
      memcpy (triples + 3 * i, rec_at (adj, i), 3 * sizeof (double));
  return adj->n_rec_steps;
}

void
_currents_adjoint_set_group_size (CurrentsAdjoint *adj,
                                  gsize            group_size)
{
  g_return_if_fail (adj != NULL);
  adj->group_size = group_size;
}

void
_currents_adjoint_set_tape_budget (CurrentsAdjoint *adj,
                                   gsize            n_doubles)
{
  g_return_if_fail (adj != NULL);
  adj->tape_budget = n_doubles;
}

/* Where the field files the tape of the evaluation the forward solver is making, or
 * NULL (not taping, the first-step probe, or over budget: then taping stops). */
static double *
tape_slot (CurrentsAdjoint *adj)
{
  const guint stage = adj->fwd->stage;
  gsize slot, need;

  if (stage == CURRENTS_DOPRI_NO_STAGE)
    return NULL;
  /* k_1 (stage 0) is evaluated afresh only where a solve begins; at step s its slot is
   * step s − 1's k_7, the same point */
  slot = (CURRENTS_DOPRI_STAGES - 1) * adj->n_rec_steps + stage;
  need = (slot + 1) * adj->tape_stride;
  if (need > adj->tape_cap)
    {
      gsize cap;
      double *grown;

      if (need > adj->tape_budget)
        {
          adj->taping = FALSE;
          return NULL;
        }
      /* geometric growth, a few times per workspace at most */
      cap = MIN (MAX (need, 2 * adj->tape_cap), adj->tape_budget);
      cap = MAX (cap, MIN (64 * CURRENTS_DOPRI_STAGES * adj->tape_stride, adj->tape_budget));
      cap = MAX (cap, need);
      grown = g_aligned_alloc (cap, sizeof (double), 64);
      if (adj->tape != NULL)
        memcpy (grown, adj->tape, adj->tape_cap * sizeof (double));
      g_aligned_free (adj->tape);
      adj->tape = grown;
      adj->tape_cap = cap;
    }
  return adj->tape + slot * adj->tape_stride;
}

/* The tape of stage st (0 … 6) of step s, when it was filed. */
static inline const double *
tape_at (const CurrentsAdjoint *adj,
         gsize                  s,
         gsize                  st)
{
  if (s >= adj->n_taped)
    return NULL;
  return adj->tape + ((CURRENTS_DOPRI_STAGES - 1) * s + st) * adj->tape_stride;
}

void
_currents_adjoint_set_replay (CurrentsAdjoint *adj,
                              const double    *triples,
                              gsize            n_steps)
{
  g_return_if_fail (adj != NULL);

  g_clear_pointer (&adj->replay, g_free);
  adj->n_replay = 0;
  if (triples != NULL && n_steps > 0)
    {
      adj->replay = g_memdup2 (triples, 3 * n_steps * sizeof (double));
      adj->n_replay = n_steps;
    }
}

/* ------------------------------------------------------------------------------------ */
/* Errors                                                                               */

static void adj_set_error (CurrentsAdjoint *adj, GError **error, int code, double t,
                           const char *name, const double *v, gsize nv,
                           const char *format, ...) G_GNUC_PRINTF (8, 9);

/* "<what> at t = T: x[0] = 1.2, x[1] = -4e+08 (gradient adjoint, dopri5)" */
static void
adj_set_error (CurrentsAdjoint *adj,
               GError         **error,
               int              code,
               double           t,
               const char      *name,
               const double    *v,
               gsize            nv,
               const char      *format,
               ...)
{
  GString *s = g_string_new (NULL);
  va_list args;

  va_start (args, format);
  g_string_append_vprintf (s, format, args);
  va_end (args);

  g_string_append_printf (s, " at t = %.12g", t);
  if (v != NULL && nv > 0)
    {
      gsize shown = MIN (nv, MAX_STATES_IN_MESSAGE);

      g_string_append (s, ":");
      for (gsize i = 0; i < shown; i++)
        g_string_append_printf (s, "%s %s[%" G_GSIZE_FORMAT "] = %g", i > 0 ? "," : "",
                                name, i, v[i]);
      if (shown < nv)
        g_string_append_printf (s, ", … (%" G_GSIZE_FORMAT " values)", nv);
    }
  g_string_append_printf (s, " (gradient %s, %s)",
                          currents_gradient_method_to_string (adj->options.method),
                          adj->options.stiff ? "msbdf" : "dopri5");
  g_set_error_literal (error, CURRENTS_ENGINE_ERROR, code, s->str);
  g_string_free (s, TRUE);
}

/* Turns a DP5 failure into an error; @what is "forward solve" or "backward solve". */
static void
dopri_error (CurrentsAdjoint     *adj,
             CurrentsDopri       *dp,
             CurrentsDopriStatus  status,
             const char          *what,
             const char          *name,
             gsize                nv,
             GError             **error)
{
  switch (status)
    {
    case CURRENTS_DOPRI_CALLBACK:
      g_propagate_error (error, g_steal_pointer (&adj->cb_error));
      break;
    case CURRENTS_DOPRI_MAX_STEPS:
      adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_MAX_STEPS, dp->t, name, dp->y, nv,
                     "%s: maximum number of steps (%" G_GSIZE_FORMAT ") reached", what,
                     dp->max_steps);
      break;
    case CURRENTS_DOPRI_UNDERFLOW:
      adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW, dp->t, name, dp->y, nv,
                     "%s: step size underflow (h = %g)", what, fabs (dp->h));
      break;
    case CURRENTS_DOPRI_NON_FINITE:
      adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_NON_FINITE, dp->t, name, dp->y, nv,
                     "%s: the right-hand side is not finite", what);
      break;
    case CURRENTS_DOPRI_CANCELLED:
      adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_CANCELLED, dp->t, name, dp->y, nv,
                     "%s cancelled", what);
      break;
    case CURRENTS_DOPRI_REPLAY:
      adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT, dp->t, name, dp->y,
                     nv, "%s: the replayed step sequence does not fit this run", what);
      break;
    case CURRENTS_DOPRI_OK:
    default:
      g_assert_not_reached ();
    }
}

static gboolean
check_finite (CurrentsAdjoint *adj,
              const double    *v,
              gsize            nv,
              double           t,
              const char      *what,
              GError         **error)
{
  for (gsize i = 0; i < nv; i++)
    if (!isfinite (v[i]))
      {
        adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_NON_FINITE, t, "v", v, nv,
                       "%s is not finite", what);
        return FALSE;
      }
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Evaluations                                                                          */

static inline void
inputs_at (CurrentsAdjoint *adj,
           double           t)
{
  if (adj->m > 0)
    currents_input_signal_eval (adj->inputs, t, adj->u);
}

static void
fwd_rhs (double        t,
         const double *x,
         double       *f,
         gpointer      data)
{
  CurrentsAdjoint *adj = data;

  inputs_at (adj, t);
  /* Fields with batched entries always through them (one row), taping or not, so the
   * forward numbers do not depend on whether a gradient is wanted. */
  if (adj->batch_eval)
    currents_field_eval_batch (adj->ws, 1, t, x, adj->m > 0 ? adj->u : NULL, adj->p, f,
                               adj->taping ? tape_slot (adj) : NULL);
  else
    currents_field_eval (adj->ws, t, x, adj->u, adj->p, f);
}

/* x(t) from the stored DP5 dense output (ADJOINT). */
static void
dense_x_at (CurrentsAdjoint *adj,
            double           t,
            double          *x)
{
  gsize i = adj->cursor;
  const double *r;

  while (i > 0 && t < rec_at (adj, i)[0])
    i--;
  while (i + 1 < adj->n_rec && t > rec_at (adj, i)[2])
    i++;
  adj->cursor = i;
  r = rec_at (adj, i);
  _currents_dopri_dense_coeffs_eval (r + 3, adj->n, (t - r[0]) / r[1], x);
}

/* x(t) from the stored msbdf steps by cubic Hermite interpolation (stiff). */
static void
hermite_x_at (CurrentsAdjoint *adj,
              double           t,
              double          *x)
{
  const gsize n = adj->n;
  gsize i = adj->cursor;
  const double *a, *b;
  double H, s, h00, h10, h01, h11;

  if (adj->n_rec < 2)
    {
      memcpy (x, rec_at (adj, 0) + 1, n * sizeof (double));
      return;
    }
  if (i + 1 >= adj->n_rec)
    i = adj->n_rec - 2;
  while (i > 0 && t < rec_at (adj, i)[0])
    i--;
  while (i + 2 < adj->n_rec && t > rec_at (adj, i + 1)[0])
    i++;
  adj->cursor = i;
  a = rec_at (adj, i);
  b = rec_at (adj, i + 1);
  H = b[0] - a[0];
  s = (t - a[0]) / H;
  h00 = (1.0 + 2.0 * s) * (1.0 - s) * (1.0 - s);
  h10 = s * (1.0 - s) * (1.0 - s);
  h01 = s * s * (3.0 - 2.0 * s);
  h11 = s * s * (s - 1.0);
  for (gsize j = 0; j < n; j++)
    x[j] = h00 * a[1 + j] + h10 * H * a[1 + n + j] + h01 * b[1 + j] + h11 * H * b[1 + n + j];
}

/* [λ, μ]' = −[(∂f/∂x)ᵀλ, (∂f/∂p)ᵀλ] at the stored x(t). */
static void
adjoint_rhs (double        t,
             const double *y,
             double       *dydt,
             gpointer      data)
{
  CurrentsAdjoint *adj = data;
  const gsize n = adj->n, dim = n + adj->kk;

  dense_x_at (adj, t, adj->xt);
  inputs_at (adj, t);
  memset (dydt, 0, dim * sizeof (double));
  if (adj->batch_eval)
    currents_field_vjp_batch (adj->ws, 1, t, adj->xt, adj->m > 0 ? adj->u : NULL, adj->p, y,
                              NULL, NULL, dydt, adj->kk > 0 ? dydt + n : NULL);
  else
    currents_field_vjp (adj->ws, t, adj->xt, adj->u, adj->p, y, NULL, dydt,
                        adj->kk > 0 ? dydt + n : NULL);
  for (gsize i = 0; i < dim; i++)
    dydt[i] = -dydt[i];
}

/* [x, λ, μ]' = [f, −(∂f/∂x)ᵀλ, −(∂f/∂p)ᵀλ], one VJP. */
static void
backsolve_rhs (double        t,
               const double *y,
               double       *dydt,
               gpointer      data)
{
  CurrentsAdjoint *adj = data;
  const gsize n = adj->n, dim = 2 * n + adj->kk;

  inputs_at (adj, t);
  memset (dydt + n, 0, (n + adj->kk) * sizeof (double));
  /* through the batched entry, as the forward pass evaluated f */
  if (adj->batch_eval)
    currents_field_vjp_batch (adj->ws, 1, t, y, adj->m > 0 ? adj->u : NULL, adj->p, y + n,
                              NULL, dydt, dydt + n, adj->kk > 0 ? dydt + 2 * n : NULL);
  else
    currents_field_vjp (adj->ws, t, y, adj->u, adj->p, y + n, dydt, dydt + n,
                        adj->kk > 0 ? dydt + 2 * n : NULL);
  for (gsize i = n; i < dim; i++)
    dydt[i] = -dydt[i];
}

/* ------------------------------------------------------------------------------------ */
/* Observations                                                                         */

static gboolean
observe (CurrentsAdjoint *adj,
         gsize            ko,
         double           t,
         const double    *x,
         gsize            step,
         double           theta,
         GError         **error)
{
  const gsize n = adj->n;
  double *g = adj->want_grad ? adj->obs_g + ko * n : NULL;
  double l;

  memcpy (adj->obs_x + ko * n, x, n * sizeof (double));
  adj->obs_step[ko] = step;
  adj->obs_theta[ko] = theta;
  if (g != NULL)
    memset (g, 0, n * sizeof (double));
  l = adj->obs (ko, t, x, g, adj->obs_data);
  if (!isfinite (l))
    {
      adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_NON_FINITE, t, "x", x, n,
                     "the loss of observation %" G_GSIZE_FORMAT " is not finite (%g)", ko, l);
      return FALSE;
    }
  if (g != NULL)
    for (gsize i = 0; i < n; i++)
      if (!isfinite (g[i]))
        {
          adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_NON_FINITE, t, "x", x, n,
                         "the loss gradient of observation %" G_GSIZE_FORMAT
                         " is not finite (component %" G_GSIZE_FORMAT ")", ko, i);
          return FALSE;
        }
  adj->loss += l;
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Forward pass (DP5)                                                                   */

static gboolean
fwd_step_cb (CurrentsDopri *dp,
             double         t,
             double         h,
             double         t_new,
             gpointer       data)
{
  CurrentsAdjoint *adj = data;
  const gsize n = adj->n;
  const gsize step = adj->n_rec_steps;

  if (adj->rec_kind == RECORD_STEPS || adj->rec_kind == RECORD_DENSE)
    {
      double *r = rec_push (adj);

      r[0] = t;
      r[1] = h;
      r[2] = t_new;
      if (adj->rec_kind == RECORD_STEPS)
        {
          memcpy (r + 3, dp->y, n * sizeof (double));
          for (guint j = 0; j < CURRENTS_DOPRI_STAGES - 1; j++)
            memcpy (r + 3 + (1 + j) * n, dp->k[j], n * sizeof (double));
        }
      else
        _currents_dopri_dense_coeffs (dp, h, n, r + 3);
    }
  if (adj->taping)
    adj->n_taped = step + 1;
  adj->n_rec_steps++;

  while (adj->next_obs < adj->n_times && adj->times[adj->next_obs] <= t_new)
    {
      const gsize ko = adj->next_obs;
      const double tk = adj->times[ko];
      gboolean ok;

      if (tk == t_new)
        ok = observe (adj, ko, tk, dp->y_new, step, 1.0, &adj->cb_error);
      else
        {
          const double theta = (tk - t) / h;

          _currents_dopri_dense_eval_step (dp, h, theta, n, adj->xt);
          ok = observe (adj, ko, tk, adj->xt, step, theta, &adj->cb_error);
        }
      if (!ok)
        return FALSE;
      adj->next_obs++;
    }
  return TRUE;
}

/* Error-control groups: n_groups consecutive groups of n components, then (unless
 * seminorm) the parameter channels as one more group. */
static void
dopri_configure (CurrentsAdjoint *adj,
                 CurrentsDopri   *dp,
                 guint            n_groups,
                 gsize            n_param_channels,
                 CurrentsDopriFunc func)
{
  const gsize dim = n_groups * adj->n + n_param_channels;

  _currents_dopri_resize (dp, dim);
  dp->n_groups = 0;
  for (guint g = 0; g < n_groups; g++)
    {
      dp->group_split[dp->n_groups] = adj->group_size > 0 && adj->n % adj->group_size == 0
                                      ? adj->group_size : 0;
      dp->group_end[dp->n_groups++] = (g + 1) * adj->n;
    }
  if (n_param_channels > 0 && !adj->options.seminorm)
    dp->group_end[dp->n_groups++] = dim;
  dp->n_read = n_groups * adj->n;
  dp->rtol = adj->options.rtol;
  dp->atol = adj->options.atol;
  dp->h_min = adj->options.h_min;
  dp->max_steps = adj->options.max_steps;
  dp->func = func;
  dp->func_data = adj;
  dp->cancellable = adj->cancellable;
  dp->replay = NULL;
  dp->n_replay = 0;
}

/* The first breakpoint of u in (a, b), or b. */
static double
next_breakpoint (CurrentsAdjoint *adj,
                 double           a,
                 double           b)
{
  const double *bps;
  gsize nb;

  if (adj->m == 0)
    return b;
  bps = currents_input_signal_get_breakpoints (adj->inputs, &nb);
  for (gsize i = 0; i < nb; i++)
    if (bps[i] > a)
      return bps[i] < b ? bps[i] : b;
  return b;
}

/* The last breakpoint of u in (b, a), or b (backwards). */
static double
prev_breakpoint (CurrentsAdjoint *adj,
                 double           a,
                 double           b)
{
  const double *bps;
  gsize nb;

  if (adj->m == 0)
    return b;
  bps = currents_input_signal_get_breakpoints (adj->inputs, &nb);
  for (gsize i = nb; i > 0; i--)
    if (bps[i - 1] < a)
      return bps[i - 1] > b ? bps[i - 1] : b;
  return b;
}

static gboolean
forward_dopri (CurrentsAdjoint *adj,
               const double    *x0,
               double           t0,
               RecordKind       kind,
               GError         **error)
{
  CurrentsDopri *dp = adj->fwd;
  const double T = adj->times[adj->n_times - 1];
  double t = t0;

  rec_reset (adj, kind);
  dopri_configure (adj, dp, 1, 0, fwd_rhs);
  adj->taping = kind == RECORD_STEPS && adj->tape_stride > 0;
  adj->n_taped = 0;
  if (adj->replay != NULL)
    {
      dp->replay = adj->replay;
      dp->n_replay = adj->n_replay;
    }
  _currents_dopri_begin (dp, t0, x0);

  while (t < T)
    {
      const double stop = next_breakpoint (adj, t, T);
      CurrentsDopriStatus st = _currents_dopri_advance (dp, stop, fwd_step_cb, adj);

      if (st != CURRENTS_DOPRI_OK)
        {
          dopri_error (adj, dp, st, "forward solve", "x", adj->n, error);
          return FALSE;
        }
      t = stop;
    }

  /* DISCRETE: the state after the last step and its f (the last step's k_7). */
  if (kind == RECORD_STEPS && adj->n_rec_steps > 0)
    {
      double *r = rec_push (adj);

      r[0] = r[2] = T;
      r[1] = 0.0;
      memcpy (r + 3, dp->y, adj->n * sizeof (double));
      memcpy (r + 3 + adj->n, dp->k[0], adj->n * sizeof (double));
      memset (r + 3 + 2 * adj->n, 0, (CURRENTS_DOPRI_STAGES - 2) * adj->n * sizeof (double));
    }
  adj->taping = FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* DISCRETE backward                                                                    */

/* x̄ += VJP at the point, p̄ += …; gx is zeroed first. @tape: the forward pass's, or
 * NULL. */
static inline void
vjp_into (CurrentsAdjoint *adj,
          double           t,
          const double    *x,
          const double    *w,
          const double    *tape,
          double          *xbar)
{
  const gsize n = adj->n;

  inputs_at (adj, t);
  memset (adj->gx, 0, n * sizeof (double));
  if (adj->batch_eval)
    currents_field_vjp_batch (adj->ws, 1, t, x, adj->m > 0 ? adj->u : NULL, adj->p, w, tape,
                              NULL, adj->gx, adj->kk > 0 ? adj->mu : NULL);
  else
    currents_field_vjp (adj->ws, t, x, adj->u, adj->p, w, NULL, adj->gx,
                        adj->kk > 0 ? adj->mu : NULL);
  adj->nfe_bwd++;
  if (xbar != NULL)
    for (gsize i = 0; i < n; i++)
      xbar[i] += adj->gx[i];
}

static gboolean
backward_discrete (CurrentsAdjoint *adj,
                   gsize           *n_steps,
                   GError         **error)
{
  const gsize n = adj->n;
  const gsize N = adj->n_rec_steps;
  const gsize S = CURRENTS_DOPRI_STAGES;
  double *xbar = adj->xbar;
  double *kbar = adj->kbar;
  double *yst = adj->yst;
  double *kptr[CURRENTS_DOPRI_STAGES];
  double *wpend = adj->wpend;
  gboolean pending = FALSE;  /* wpend: the stage-1 weight of step s + 1, not yet applied */
  gsize ko = adj->n_times;   /* observations ≥ ko are done */

  memset (xbar, 0, n * sizeof (double));

  for (gsize s = N; s-- > 0;)
    {
      const double *r = rec_at (adj, s);
      const double *r_next = rec_at (adj, s + 1);
      const double t = r[0], h = r[1], t_new = r[2];
      const double *y = r + 3;
      gboolean interior = FALSE;

      if ((N - 1 - s) % CANCEL_CHECK_EVERY == 0 && g_cancellable_is_cancelled (adj->cancellable))
        {
          adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_CANCELLED, t_new, "x", r_next + 3, n,
                         "backward pass cancelled");
          return FALSE;
        }

      /* the stored stages k_1 … k_6, and k_7 = the next record's k_1 */
      for (gsize j = 0; j < S - 1; j++)
        kptr[j] = (double *) (y + (1 + j) * n);
      kptr[S - 1] = (double *) (r_next + 3 + n);

      memset (kbar, 0, S * n * sizeof (double));

      /* Observations in this step: at its end (into x̄_{n+1}) or inside it. */
      while (ko > 0 && adj->obs_step[ko - 1] == s)
        {
          const double *g = adj->obs_g + (ko - 1) * n;
          const double theta = adj->obs_theta[ko - 1];

          ko--;
          if (theta == 1.0)
            {
              for (gsize i = 0; i < n; i++)
                xbar[i] += g[i];
            }
          else
            {
              double w[CURRENTS_DOPRI_STAGES];

              _currents_dopri_dense_weights (theta, w);
              for (gsize j = 0; j < S; j++)
                for (gsize i = 0; i < n; i++)
                  kbar[j * n + i] += h * w[j] * g[i];
              /* the x_n term of the interpolant joins x̄_n below, through yst[0] */
              for (gsize i = 0; i < n; i++)
                yst[i] = (interior ? yst[i] : 0.0) + g[i];
              interior = TRUE;
            }
        }

      /* k_7 = f(t_{n+1}, x_{n+1}) enters only through interior observations; with step
       * n + 1's k_1 (the same point) in one VJP. */
      if (interior && pending)
        for (gsize i = 0; i < n; i++)
          wpend[i] += kbar[(S - 1) * n + i];
      else if (interior)
        memcpy (wpend, kbar + (S - 1) * n, n * sizeof (double));
      if (interior || pending)
        vjp_into (adj, t_new, r_next + 3, wpend, tape_at (adj, s, S - 1), xbar);

      /* The stage inputs, as the forward pass formed them. */
      for (gsize st = 1; st < S - 1; st++)
        _currents_dopri_stage_input (y, kptr, st, h, n, yst + st * n);

      /* x_{n+1} = x_n + h Σ b_i k_i. */
      for (gsize j = 0; j < S - 1; j++)
        if (_currents_dopri_b[j] != 0.0)
          for (gsize i = 0; i < n; i++)
            kbar[j * n + i] += h * _currents_dopri_b[j] * xbar[i];
      if (interior)
        for (gsize i = 0; i < n; i++)
          xbar[i] += yst[i];

      /* Stages 6 … 2, then 1. */
      for (gsize st = S - 1; st-- > 1;)
        {
          const double *ks = kbar + st * n;
          const double ts = st >= 5 ? t_new : t + _currents_dopri_c[st] * h;

          vjp_into (adj, ts, yst + st * n, ks, tape_at (adj, s, st), xbar);
          for (gsize j = 0; j < st; j++)
            {
              const double c = h * _currents_dopri_a[st][j];

              if (c != 0.0)
                for (gsize i = 0; i < n; i++)
                  kbar[j * n + i] += c * adj->gx[i];
            }
        }
      /* stage 1: after step n − 1's k̄_7 (see above) */
      memcpy (wpend, kbar, n * sizeof (double));
      pending = TRUE;

      if (!check_finite (adj, xbar, n, t, "the backward pass", error))
        return FALSE;
    }
  if (pending)
    {
      const double *r = rec_at (adj, 0);

      vjp_into (adj, r[0], r + 3, wpend, tape_at (adj, 0, 0), xbar);
      if (!check_finite (adj, xbar, n, r[0], "the backward pass", error))
        return FALSE;
    }

  /* An observation at t0. */
  while (ko > 0)
    {
      const double *g = adj->obs_g + (ko - 1) * n;

      ko--;
      for (gsize i = 0; i < n; i++)
        xbar[i] += g[i];
    }
  *n_steps = N;
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* ADJOINT and BACKSOLVE backward (DP5)                                                 */

static gboolean
backward_dopri (CurrentsAdjoint *adj,
                double           t0,
                gboolean         backsolve,
                gsize           *n_steps,
                GError         **error)
{
  CurrentsDopri *dp = adj->bwd;
  const gsize n = adj->n, kk = adj->kk;
  const gsize dim = (backsolve ? 2 * n : n) + kk;
  const gsize off = backsolve ? n : 0;            /* where λ starts */
  gsize ko = adj->n_times - 1;                     /* the observation at t */
  double t = adj->times[ko];
  double *y = adj->aug;

  dopri_configure (adj, dp, backsolve ? 2 : 1, kk, backsolve ? backsolve_rhs : adjoint_rhs);
  memset (y, 0, dim * sizeof (double));
  if (backsolve)
    memcpy (y, adj->obs_x + ko * n, n * sizeof (double));
  memcpy (y + off, adj->obs_g + ko * n, n * sizeof (double));
  adj->cursor = adj->n_rec > 0 ? adj->n_rec - 1 : 0;
  _currents_dopri_begin (dp, t, y);
  *n_steps = 0;

  while (t > t0)
    {
      const double t_obs = ko > 0 ? adj->times[ko - 1] : t0;
      const double stop = prev_breakpoint (adj, t, MAX (t_obs, t0));
      CurrentsDopriStatus st = _currents_dopri_advance (dp, stop, NULL, NULL);

      *n_steps = dp->n_steps;
      if (st != CURRENTS_DOPRI_OK)
        {
          adj->nfe_bwd += dp->nfe;
          dopri_error (adj, dp, st, "backward solve", backsolve ? "x" : "lambda",
                       backsolve ? 2 * n : n, error);
          return FALSE;
        }
      t = stop;
      if (ko > 0 && t == adj->times[ko - 1])
        {
          ko--;
          if (backsolve)
            memcpy (dp->y, adj->obs_x + ko * n, n * sizeof (double));
          for (gsize i = 0; i < n; i++)
            dp->y[off + i] += adj->obs_g[ko * n + i];
          _currents_dopri_restart (dp);
        }
    }

  adj->nfe_bwd += dp->nfe;
  memcpy (adj->xbar, dp->y + off, n * sizeof (double));
  if (kk > 0)
    memcpy (adj->mu, dp->y + off + n, kk * sizeof (double));
  if (!check_finite (adj, dp->y + off, n + kk, t0, "the adjoint", error))
    return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Stiff: msbdf forward and backward                                                    */

static int
bdf_fwd_func (double        t,
              const double  y[],
              double        dydt[],
              void         *data)
{
  CurrentsAdjoint *adj = data;

  fwd_rhs (t, y, dydt, adj);
  adj->fwd->nfe++;
  for (gsize i = 0; i < adj->n; i++)
    if (!isfinite (dydt[i]))
      return GSL_EBADFUNC;
  return GSL_SUCCESS;
}

static int
bdf_fwd_jacobian (double        t,
                  const double  y[],
                  double       *dfdy,
                  double        dfdt[],
                  void         *data)
{
  CurrentsAdjoint *adj = data;
  const gsize n = adj->n;

  inputs_at (adj, t);
  currents_field_jacobian (adj->ws, t, y, adj->u, adj->p, NULL, dfdy, NULL);
  adj->fwd->nfe++;
  /* msbdf does not use ∂f/∂t. */
  memset (dfdt, 0, n * sizeof (double));
  for (gsize i = 0; i < n * n; i++)
    if (!isfinite (dfdy[i]))
      return GSL_EBADFUNC;
  return GSL_SUCCESS;
}

static int
bdf_bwd_func (double        t,
              const double  lam[],
              double        dlam[],
              void         *data)
{
  CurrentsAdjoint *adj = data;
  const gsize n = adj->n;

  hermite_x_at (adj, t, adj->xt);
  inputs_at (adj, t);
  memset (dlam, 0, n * sizeof (double));
  currents_field_vjp (adj->ws, t, adj->xt, adj->u, adj->p, lam, NULL, dlam, NULL);
  adj->nfe_bwd++;
  for (gsize i = 0; i < n; i++)
    {
      dlam[i] = -dlam[i];
      if (!isfinite (dlam[i]))
        return GSL_EBADFUNC;
    }
  return GSL_SUCCESS;
}

static int
bdf_bwd_jacobian (double        t,
                  const double  lam[],
                  double       *dfdy,
                  double        dfdt[],
                  void         *data)
{
  CurrentsAdjoint *adj = data;
  const gsize n = adj->n;

  hermite_x_at (adj, t, adj->xt);
  inputs_at (adj, t);
  currents_field_jacobian (adj->ws, t, adj->xt, adj->u, adj->p, NULL, adj->jac, NULL);
  adj->nfe_bwd++;
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < n; j++)
      {
        dfdy[i * n + j] = -adj->jac[j * n + i];
        if (!isfinite (dfdy[i * n + j]))
          return GSL_EBADFUNC;
      }
  memset (dfdt, 0, n * sizeof (double));
  return GSL_SUCCESS;
}

static void
bdf_reset (CurrentsAdjoint *adj)
{
  adj->bdf_rejected += adj->bdf_evolve->failed_steps;
  gsl_odeiv2_evolve_reset (adj->bdf_evolve);
  gsl_odeiv2_step_reset (adj->bdf_step);
}

/* A first step from the scaled sizes of y and y' (as the simulator does). */
static double
bdf_initial_step (CurrentsAdjoint *adj,
                  const double    *y,
                  const double    *dy,
                  double           span)
{
  double d0 = 0.0, d1 = 0.0, h;

  for (gsize i = 0; i < adj->n; i++)
    {
      double sc = MAX (adj->options.atol + adj->options.rtol * fabs (y[i]), DBL_MIN);

      d0 += (y[i] / sc) * (y[i] / sc);
      d1 += (dy[i] / sc) * (dy[i] / sc);
    }
  d0 = sqrt (d0 / adj->n);
  d1 = sqrt (d1 / adj->n);
  h = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
  if (!isfinite (h))
    h = 1e-6;
  h = MIN (h, fabs (span));
  return MAX (h, 100.0 * (adj->options.h_min > 0.0 ? adj->options.h_min : 1e-12));
}

/* One msbdf step towards @stop with the budget, cancellation and failure checks. */
static gboolean
bdf_step (CurrentsAdjoint *adj,
          double          *t,
          double           stop,
          double          *h,
          double          *y,
          gsize           *n_steps,
          const char      *what,
          const char      *name,
          GError         **error)
{
  const gsize n = adj->n;
  const double t_prev = *t;
  const double h_min = adj->options.h_min > 0.0 ? adj->options.h_min
                                                 : 1e-12 * MAX (1.0, fabs (*t));
  int status;

  if (*n_steps % CANCEL_CHECK_EVERY == 0 && g_cancellable_is_cancelled (adj->cancellable))
    {
      adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_CANCELLED, *t, name, y, n,
                     "%s cancelled", what);
      return FALSE;
    }
  if (*n_steps + adj->bdf_rejected + adj->bdf_evolve->failed_steps >= adj->options.max_steps)
    {
      adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_MAX_STEPS, *t, name, y, n,
                     "%s: maximum number of steps (%" G_GSIZE_FORMAT ") reached", what,
                     adj->options.max_steps);
      return FALSE;
    }

  memcpy (adj->x_prev, y, n * sizeof (double));
  status = gsl_odeiv2_evolve_apply (adj->bdf_evolve, adj->bdf_control, adj->bdf_step,
                                    &adj->bdf_sys, t, stop, h, y);
  if (status != GSL_SUCCESS)
    {
      *t = t_prev;
      memcpy (y, adj->x_prev, n * sizeof (double));
      if (status == GSL_EBADFUNC)
        adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_NON_FINITE, *t, name, y, n,
                       "%s: the right-hand side became non-finite in the step starting", what);
      else
        adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW, *t, name, y, n,
                       "%s: step size underflow (h = %g)", what, fabs (*h));
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    if (!isfinite (y[i]))
      {
        adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_NON_FINITE, *t, name, y, n,
                       "%s: the state is not finite", what);
        return FALSE;
      }
  if (*t != stop && fabs (*t - t_prev) < h_min)
    {
      adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW, *t, name, y, n,
                     "%s: step size underflow (h = %g)", what, fabs (*t - t_prev));
      return FALSE;
    }
  (*n_steps)++;
  return TRUE;
}

static gboolean
is_breakpoint (CurrentsAdjoint *adj,
               double           t)
{
  const double *bps;
  gsize nb;

  if (adj->m == 0)
    return FALSE;
  bps = currents_input_signal_get_breakpoints (adj->inputs, &nb);
  for (gsize i = 0; i < nb; i++)
    if (bps[i] == t)
      return TRUE;
  return FALSE;
}

static gboolean
forward_bdf (CurrentsAdjoint *adj,
             const double    *x0,
             double           t0,
             gboolean         record,
             gsize           *n_steps,
             GError         **error)
{
  const gsize n = adj->n;
  const double T = adj->times[adj->n_times - 1];
  double *x = adj->fwd->y;
  double t = t0, h;
  double *r;

  adj->bdf_sys.function = bdf_fwd_func;
  adj->bdf_sys.jacobian = bdf_fwd_jacobian;
  adj->bdf_rejected = 0;
  bdf_reset (adj);
  adj->bdf_rejected = 0;
  rec_reset (adj, record ? RECORD_HERMITE : RECORD_NONE);
  *n_steps = 0;

  memcpy (x, x0, n * sizeof (double));
  fwd_rhs (t0, x, adj->fwd->k[0], adj);
  adj->fwd->nfe++;
  for (gsize i = 0; i < n; i++)
    if (!isfinite (adj->fwd->k[0][i]))
      {
        adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_NON_FINITE, t0, "x", x, n,
                       "forward solve: the right-hand side is not finite");
        return FALSE;
      }
  if (record)
    {
      r = rec_push (adj);
      r[0] = t0;
      memcpy (r + 1, x, n * sizeof (double));
      memcpy (r + 1 + n, adj->fwd->k[0], n * sizeof (double));
    }
  h = bdf_initial_step (adj, x, adj->fwd->k[0], T - t0);

  while (t < T)
    {
      const double t_obs = adj->times[adj->next_obs];
      const double stop = next_breakpoint (adj, t, t_obs);

      while (t != stop)
        {
          if (!bdf_step (adj, &t, stop, &h, x, n_steps, "forward solve", "x", error))
            return FALSE;
          if (record)
            {
              r = rec_push (adj);
              r[0] = t;
              memcpy (r + 1, x, n * sizeof (double));
              fwd_rhs (t, x, r + 1 + n, adj);
              adj->fwd->nfe++;
            }
        }
      if (stop == t_obs)
        {
          if (!observe (adj, adj->next_obs, t, x, NO_STEP, 1.0, error))
            return FALSE;
          adj->next_obs++;
        }
      if (is_breakpoint (adj, stop))
        bdf_reset (adj);
    }
  bdf_reset (adj);
  return TRUE;
}

/* λ' and (∂f/∂p)ᵀλ at t (one VJP). */
static void
bdf_adjoint_point (CurrentsAdjoint *adj,
                   double           t,
                   const double    *lam,
                   double          *dlam,
                   double          *gp)
{
  const gsize n = adj->n, kk = adj->kk;

  hermite_x_at (adj, t, adj->xt);
  inputs_at (adj, t);
  memset (dlam, 0, n * sizeof (double));
  if (kk > 0)
    memset (gp, 0, kk * sizeof (double));
  currents_field_vjp (adj->ws, t, adj->xt, adj->u, adj->p, lam, NULL, dlam,
                      kk > 0 ? gp : NULL);
  adj->nfe_bwd++;
  for (gsize i = 0; i < n; i++)
    dlam[i] = -dlam[i];
}

static gboolean
backward_bdf (CurrentsAdjoint *adj,
              double           t0,
              gsize           *n_steps,
              GError         **error)
{
  static const double lobatto_s[2] = { 0.27639320225002103, 0.72360679774997897 };
  const gsize n = adj->n, kk = adj->kk;
  gsize ko = adj->n_times - 1;
  double t = adj->times[ko];
  double *lam = adj->xbar;
  double h;

  adj->bdf_sys.function = bdf_bwd_func;
  adj->bdf_sys.jacobian = bdf_bwd_jacobian;
  bdf_reset (adj);
  adj->bdf_rejected = 0;
  adj->cursor = adj->n_rec > 1 ? adj->n_rec - 2 : 0;
  *n_steps = 0;
  if (kk > 0)
    memset (adj->mu, 0, kk * sizeof (double));

  memcpy (lam, adj->obs_g + ko * n, n * sizeof (double));
  bdf_adjoint_point (adj, t, lam, adj->dlam_a, adj->gp_a);
  h = -bdf_initial_step (adj, lam, adj->dlam_a, t - t0);

  while (t > t0)
    {
      const double t_obs = ko > 0 ? adj->times[ko - 1] : t0;
      const double stop = prev_breakpoint (adj, t, MAX (t_obs, t0));

      while (t != stop)
        {
          const double ta = t;

          memcpy (adj->lam_a, lam, n * sizeof (double));
          if (!bdf_step (adj, &t, stop, &h, lam, n_steps, "backward solve", "lambda", error))
            return FALSE;
          bdf_adjoint_point (adj, t, lam, adj->dlam_b, adj->gp_b);
          if (kk > 0)
            {
              /* μ += (t_a − t_b) Σ w_i (∂f/∂p)ᵀλ(t_i) on the Hermite interpolant of λ. */
              const double H = t - ta;

              for (gsize j = 0; j < kk; j++)
                adj->mu[j] += -H * (adj->gp_a[j] + adj->gp_b[j]) / 12.0;
              for (guint q = 0; q < 2; q++)
                {
                  const double s = lobatto_s[q];
                  const double h00 = (1.0 + 2.0 * s) * (1.0 - s) * (1.0 - s);
                  const double h10 = s * (1.0 - s) * (1.0 - s);
                  const double h01 = s * s * (3.0 - 2.0 * s);
                  const double h11 = s * s * (s - 1.0);
                  const double ts = ta + s * H;

                  for (gsize i = 0; i < n; i++)
                    adj->lam_s[i] = h00 * adj->lam_a[i] + h10 * H * adj->dlam_a[i]
                                    + h01 * lam[i] + h11 * H * adj->dlam_b[i];
                  bdf_adjoint_point (adj, ts, adj->lam_s, adj->gx, adj->gp_s);
                  for (gsize j = 0; j < kk; j++)
                    adj->mu[j] += -H * 5.0 * adj->gp_s[j] / 12.0;
                }
            }
          memcpy (adj->dlam_a, adj->dlam_b, n * sizeof (double));
          if (kk > 0)
            memcpy (adj->gp_a, adj->gp_b, kk * sizeof (double));
        }
      if (ko > 0 && t == adj->times[ko - 1])
        {
          ko--;
          for (gsize i = 0; i < n; i++)
            lam[i] += adj->obs_g[ko * n + i];
          bdf_reset (adj);
          bdf_adjoint_point (adj, t, lam, adj->dlam_a, adj->gp_a);
        }
      else if (is_breakpoint (adj, t))
        bdf_reset (adj);
    }
  bdf_reset (adj);
  if (!check_finite (adj, lam, n, t0, "the adjoint", error))
    return FALSE;
  if (kk > 0 && !check_finite (adj, adj->mu, kk, t0, "the parameter gradient", error))
    return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Runs                                                                                 */

/* Doubles a run holds at its peak (the end of the forward pass): step records, the
 * observations, and the vectors of the solvers it uses. */
static gsize
peak_doubles (const CurrentsAdjoint *adj)
{
  const gsize n = adj->n, kk = adj->kk;
  gsize total = adj->n_rec * adj->rec_stride + adj->n_times * (2 * n + 2)
                + (2 + CURRENTS_DOPRI_STAGES + 1) * n;

  if (adj->n_taped > 0)
    total += ((CURRENTS_DOPRI_STAGES - 1) * adj->n_taped + 1) * adj->tape_stride;

  if (!adj->want_grad)
    return total;
  if (adj->options.stiff)
    return total + n * n + 8 * n + 3 * kk;
  switch (adj->options.method)
    {
    case CURRENTS_GRADIENT_DISCRETE:
      return total + 2 * CURRENTS_DOPRI_STAGES * n + 2 * n + kk;
    case CURRENTS_GRADIENT_ADJOINT:
      return total + (2 + CURRENTS_DOPRI_STAGES + 1) * (n + kk) + n;
    case CURRENTS_GRADIENT_BACKSOLVE:
    default:
      return total + (2 + CURRENTS_DOPRI_STAGES + 1) * (2 * n + kk);
    }
}

static gboolean
validate (CurrentsAdjoint           *adj,
          const double              *x0,
          const CurrentsInputSignal *inputs,
          double                     t0,
          const double              *times,
          gsize                      n_times,
          GError                   **error)
{
  const CurrentsAdjointOptions *o = &adj->options;

  if ((guint) o->method >= G_N_ELEMENTS (method_names))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "unknown gradient method %d", (int) o->method);
      return FALSE;
    }
  if (o->stiff && o->method != CURRENTS_GRADIENT_ADJOINT)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   "the stiff (BDF) solver supports only the continuous adjoint, not %s",
                   currents_gradient_method_to_string (o->method));
      return FALSE;
    }
  if (!isfinite (o->rtol) || !isfinite (o->atol) || o->rtol < 0.0 || o->atol < 0.0
      || o->rtol + o->atol <= 0.0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "rtol and atol must be finite, at least 0 and not both 0 "
                   "(rtol = %g, atol = %g)", o->rtol, o->atol);
      return FALSE;
    }
  if (!isfinite (o->h_min) || o->h_min < 0.0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "h_min must be finite and at least 0 (h_min = %g)", o->h_min);
      return FALSE;
    }
  if (adj->n == 0)
    {
      g_set_error_literal (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                           "the model has no states to integrate");
      return FALSE;
    }
  if (adj->m > 0 && inputs == NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the model has %" G_GSIZE_FORMAT " inputs but no input signal was given",
                   adj->m);
      return FALSE;
    }
  if (inputs != NULL && currents_input_signal_get_n_inputs (inputs) != adj->m)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the input signal has %" G_GSIZE_FORMAT " inputs, the model %" G_GSIZE_FORMAT,
                   currents_input_signal_get_n_inputs (inputs), adj->m);
      return FALSE;
    }
  if (!isfinite (t0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the initial time is not finite (t0 = %g)", t0);
      return FALSE;
    }
  for (gsize k = 0; k < n_times; k++)
    {
      if (!isfinite (times[k]))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "observation time %" G_GSIZE_FORMAT " is not finite", k);
          return FALSE;
        }
      if (k == 0 && times[0] < t0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the first observation time %g lies before t0 = %g", times[0], t0);
          return FALSE;
        }
      if (k > 0 && !(times[k] > times[k - 1]))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "observation times must increase strictly: times[%" G_GSIZE_FORMAT
                       "] = %g after %g", k, times[k], times[k - 1]);
          return FALSE;
        }
    }
  for (gsize i = 0; i < adj->n; i++)
    if (!isfinite (x0[i]))
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "the initial value of x[%" G_GSIZE_FORMAT "] is not finite (%g)", i, x0[i]);
        return FALSE;
      }
  return TRUE;
}

/**
 * currents_adjoint_run:
 * @adjoint: a workspace (one per thread)
 * @x0: initial state at @t0
 * @p: parameters
 * @inputs: (nullable): u(t)
 * @t0: start time, ≤ times[0]
 * @times: observation times, strictly increasing
 * @n_times: how many
 * @obs: the loss of each observation
 * @obs_data: its closure
 * @loss: (out): Σ_k ℓ_k
 * @states: (out) (nullable): x(t_k), n_times × n
 * @grad_p: (inout) (nullable): dL/dp is added here
 * @grad_x0: (inout) (nullable): dL/dx0 is added here
 * @stats: (out) (nullable): counts
 * @cancellable: (nullable): checked every few steps
 * @error: return location
 *
 * See currents-adjoint.h. On failure @grad_p and @grad_x0 are left unchanged.
 *
 * Returns: %TRUE on success
 */
gboolean
currents_adjoint_run (CurrentsAdjoint           *adj,
                      const double              *x0,
                      const double              *p,
                      const CurrentsInputSignal *inputs,
                      double                     t0,
                      const double              *times,
                      gsize                      n_times,
                      CurrentsObservationFunc    obs,
                      gpointer                   obs_data,
                      double                    *loss,
                      double                    *states,
                      double                    *grad_p,
                      double                    *grad_x0,
                      CurrentsAdjointStats      *stats,
                      GCancellable              *cancellable,
                      GError                   **error)
{
  const CurrentsAdjointOptions *o;
  const CurrentsGradientMethod method = adj != NULL ? adj->options.method : 0;
  CurrentsAdjointStats st = { 0 };
  gsize n, n_bwd_steps = 0;
  gboolean ok = FALSE;

  g_return_val_if_fail (adj != NULL, FALSE);
  g_return_val_if_fail (x0 != NULL, FALSE);
  g_return_val_if_fail (p != NULL || adj->k == 0, FALSE);
  g_return_val_if_fail (n_times == 0 || times != NULL, FALSE);
  g_return_val_if_fail (obs != NULL || n_times == 0, FALSE);
  g_return_val_if_fail (loss != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  o = &adj->options;
  n = adj->n;
  *loss = 0.0;
  if (stats != NULL)
    memset (stats, 0, sizeof *stats);

  if (!validate (adj, x0, inputs, t0, times, n_times, error))
    return FALSE;

  adj->p = p;
  adj->inputs = inputs;
  adj->times = times;
  adj->n_times = n_times;
  adj->obs = obs;
  adj->obs_data = obs_data;
  adj->cancellable = cancellable;
  adj->want_grad = grad_p != NULL || grad_x0 != NULL;
  adj->kk = grad_p != NULL ? adj->k : 0;
  adj->next_obs = 0;
  adj->loss = 0.0;
  adj->nfe_bwd = 0;
  adj->bdf_rejected = 0;
  adj->taping = FALSE;
  adj->n_taped = 0;
  adj->n_rec_steps = 0;
  g_clear_error (&adj->cb_error);
  adj->fwd->nfe = adj->fwd->n_steps = adj->fwd->n_rejected = 0;

  if (g_cancellable_is_cancelled (cancellable))
    {
      adj_set_error (adj, error, CURRENTS_ENGINE_ERROR_CANCELLED, t0, "x", x0, n,
                     "gradient cancelled");
      return FALSE;
    }
  if (n_times == 0)
    return TRUE;

  obs_reserve (adj, n_times);
  if (adj->kk > 0)
    memset (adj->mu, 0, adj->kk * sizeof (double));
  memset (adj->xbar, 0, n * sizeof (double));

  /* An observation at t0 uses x0 itself. */
  if (times[0] == t0)
    {
      if (!observe (adj, 0, t0, x0, NO_STEP, 1.0, error))
        goto out;
      adj->next_obs = 1;
    }

  /* Forward. */
  if (o->stiff)
    {
      if (!forward_bdf (adj, x0, t0, adj->want_grad, &st.n_steps_forward, error))
        goto out;
      st.n_rejected_forward = adj->bdf_rejected;
    }
  else
    {
      RecordKind kind = RECORD_NONE;

      if (adj->want_grad && method == CURRENTS_GRADIENT_DISCRETE)
        kind = RECORD_STEPS;
      else if (adj->want_grad && method == CURRENTS_GRADIENT_ADJOINT)
        kind = RECORD_DENSE;
      if (times[n_times - 1] > t0 && !forward_dopri (adj, x0, t0, kind, error))
        goto out;
      st.n_steps_forward = adj->fwd->n_steps;
      st.n_rejected_forward = adj->fwd->n_rejected;
    }
  st.nfe_forward = adj->fwd->nfe;
  st.peak_doubles = peak_doubles (adj);

  /* Backward. */
  if (adj->want_grad)
    {
      if (times[n_times - 1] == t0)
        {
          /* Only an observation at t0: dL/dx0 = ∂ℓ_0/∂x, dL/dp = 0. */
          memcpy (adj->xbar, adj->obs_g, n * sizeof (double));
        }
      else if (o->stiff)
        {
          if (!backward_bdf (adj, t0, &n_bwd_steps, error))
            goto out;
        }
      else if (method == CURRENTS_GRADIENT_DISCRETE)
        {
          if (!backward_discrete (adj, &n_bwd_steps, error))
            goto out;
        }
      else if (!backward_dopri (adj, t0, method == CURRENTS_GRADIENT_BACKSOLVE, &n_bwd_steps,
                                error))
        goto out;

      if (grad_x0 != NULL)
        for (gsize i = 0; i < n; i++)
          grad_x0[i] += adj->xbar[i];
      if (grad_p != NULL)
        for (gsize j = 0; j < adj->k; j++)
          grad_p[j] += adj->mu[j];
    }

  if (states != NULL)
    memcpy (states, adj->obs_x, n_times * n * sizeof (double));
  *loss = adj->loss;
  ok = TRUE;

out:
  st.n_steps_backward = n_bwd_steps;
  st.nfe_backward = adj->nfe_bwd;
  if (st.nfe_forward == 0)
    st.nfe_forward = adj->fwd->nfe;
  if (stats != NULL)
    *stats = st;
  adj->p = NULL;
  adj->inputs = NULL;
  adj->times = NULL;
  adj->obs = NULL;
  adj->obs_data = NULL;
  adj->cancellable = NULL;
  adj->fwd->cancellable = adj->bwd->cancellable = NULL;
  return ok;
}
