/* currents-train.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Adam (Kingma & Ba 2015) with bias correction, on the trainable entries of θ:
 *
 *   m ← β₁m + (1−β₁)g,  v ← β₂v + (1−β₂)g²,
 *   θ ← θ − η_e · (m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε)
 *
 * with g clipped to norm c when c > 0 and the epoch's rate η_e from the schedule:
 * constant, cosine η_min + ½(η − η_min)(1 + cos(π e/E)), or step η γ^⌊e/s⌋, times ½ per
 * recovered failure. After every epoch the criterion (validation MSE, or the full
 * training MSE without a validation set) is evaluated at the current θ; the best θ is
 * kept. BFGS (GSL's vector_bfgs2) may polish the best θ on the full training objective.
 *
 * Faults. The criterion J₀ at the starting θ is measured first. An epoch diverges when
 * its criterion J_e is far above the best J* so far and above the data's mean variance
 * V (the MSE of predicting each state's mean; not used with unit weights):
 *
 *   J_e > 100 J*,  J_e > V  and  J_e > 10 J₀  (at once: worse than the untrained model), or
 *   J_e > 100 J*,  J_e > V  and  J_e > J₀     for 3 epochs in a row,
 *
 * which ordinary noisy training never does (it starts at J₀ and goes down; from a start
 * that already fits well, a step may multiply a tiny loss, but not past V). The first
 * epoch has no best to compare with: J_1 > 10 J₀ and J_1 > V is recorded as a divergence
 * (there is nothing earlier to go back to). A diverged
 * epoch, a failed solve or a non-finite loss or gradient restores the best θ, resets
 * Adam's moments and halves the rate; more than max_failures in a row stop training.
 * The first fault is classified from what the engine saw — the loss blowing up while the
 * solver succeeds (the learning rate), a forward solve failing with |x| huge or not
 * finite (the solution escapes to infinity), the explicit solver's step limit or step
 * collapse at a bounded state (stiffness) — and said in words with what to change. A
 * solve that fails at the starting θ stops training at once: no step can get past it.
 */
#define G_LOG_DOMAIN "currents-train"

#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include <gsl/gsl_blas.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_rng.h>

#include "currents-error.h"
#include "currents-train.h"

#define DIVERGE_FACTOR_BEST  100.0  /* J_e over the best J* … */
#define DIVERGE_FACTOR_START  10.0  /* … and over the starting J₀: diverged at once */
#define DIVERGE_EPOCHS          3   /* or far above J* and above J₀ this many epochs */
#define HUGE_STATE           1e6    /* |x| beyond this many times the data's spread */

typedef enum
{
  PHASE_ADAM,
  PHASE_POLISH,
  PHASE_DONE,
} Phase;

struct _CurrentsTrainer
{
  CurrentsLoss         *loss;
  CurrentsTrainOptions  options;
  gsize                 n_params;
  double               *theta;
  double               *best;
  GMutex                best_lock;   /* guards best, best_epoch and the history for
                                      * snapshots taken while a worker trains */
  double               *grad;
  double               *m1;
  double               *m2;
  gboolean             *trainable;
  gboolean             *val_initial;  /* θ entries that are validation initial states */
  guint64               adam_t;
  double                lr_scale;
  guint                 epoch;
  guint                 best_epoch;
  double                best_crit;
  guint                 since_best;
  guint                 failures;
  Phase                 phase;
  gsize                *train;
  gsize                 n_train;
  gsize                *val;
  gsize                 n_val;
  gsl_rng              *rng;
  GArray               *hist_train;
  GArray               *hist_val;
  char                 *note;

  /* faults */
  double                crit0;      /* the criterion at θ0 (NaN until measured) */
  double                floor;      /* V: no divergence below it */
  guint                 n_far;      /* epochs in a row far above the best */
  guint                 n_faults;   /* divergences and failures undone */
  CurrentsTrainFaultInfo fault;     /* the first */
  gboolean              fault_from_start;  /* … compared with J₀, at epoch 1 */
  char                 *advice;

  /* BFGS polish */
  gsl_multimin_fdfminimizer *bfgs;
  gsl_multimin_function_fdf  bfgs_fn;
  gsl_vector           *bfgs_x;
  gsize                 n_free;     /* trainable entries */
  gsize                *free_index;
  guint                 polish_iter;
  GCancellable         *polish_cancel;
  GError               *polish_error;
  double                polish_mse;     /* training MSE at the last point BFGS evaluated */
  gsize                 polish_nfe_f;
  gsize                 polish_nfe_b;
};

static const char *schedule_names[] = { "constant", "cosine", "step" };

gboolean
currents_lr_schedule_from_string (const char         *name,
                                  CurrentsLrSchedule *schedule)
{
  for (gsize i = 0; i < G_N_ELEMENTS (schedule_names); i++)
    if (g_ascii_strcasecmp (name, schedule_names[i]) == 0)
      {
        *schedule = (CurrentsLrSchedule) i;
        return TRUE;
      }
  return FALSE;
}

const char *
currents_lr_schedule_to_string (CurrentsLrSchedule schedule)
{
  return (gsize) schedule < G_N_ELEMENTS (schedule_names) ? schedule_names[schedule] : "?";
}

void
currents_train_options_init (CurrentsTrainOptions *o)
{
  memset (o, 0, sizeof *o);
  o->epochs = 500;
  o->lr = 1e-2;
  o->beta1 = 0.9;
  o->beta2 = 0.999;
  o->eps = 1e-8;
  o->schedule = CURRENTS_LR_COSINE;
  o->lr_min = 0.0;
  o->step_every = 100;
  o->step_gamma = 0.5;
  o->clip_norm = 0.0;
  o->batch_size = 0;
  o->val_fraction = 0.2;
  o->seed = 0;
  o->patience = 0;
  o->polish = FALSE;
  o->polish_iterations = 200;
  o->max_failures = 5;
  currents_loss_options_init (&o->loss);
}

static void
set_note (CurrentsTrainer *t,
          const char      *fmt,
          ...) G_GNUC_PRINTF (2, 3);

static void
set_note (CurrentsTrainer *t,
          const char      *fmt,
          ...)
{
  va_list ap;

  g_free (t->note);
  t->note = NULL;
  if (fmt == NULL)
    return;
  va_start (ap, fmt);
  t->note = g_strdup_vprintf (fmt, ap);
  va_end (ap);
}

CurrentsTrainer *
currents_trainer_new (CurrentsLoss               *loss,
                      const double               *theta0,
                      const gboolean             *trainable,
                      const CurrentsTrainOptions *options,
                      GError                    **error)
{
  CurrentsTrainer *t;
  gsize n_traj = currents_loss_get_n_trajectories (loss);
  g_autofree gsize *order = NULL;
  gsize n_val;

  if (options->epochs == 0 || !(options->lr > 0) || !isfinite (options->lr) ||
      !(options->beta1 >= 0 && options->beta1 < 1) || !(options->beta2 >= 0 && options->beta2 < 1) ||
      !(options->val_fraction >= 0 && options->val_fraction < 1) || options->clip_norm < 0 ||
      options->loss.weight_decay < 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "training settings out of range: epochs ≥ 1, learning rate > 0, "
                   "0 ≤ β < 1, 0 ≤ validation fraction < 1, clipping and weight decay ≥ 0");
      currents_loss_free (loss);
      return NULL;
    }

  t = g_new0 (CurrentsTrainer, 1);
  t->loss = loss;
  t->options = *options;
  t->n_params = currents_loss_get_n_params (loss);
  t->theta = g_memdup2 (theta0, MAX (t->n_params, 1) * sizeof (double));
  t->best = g_memdup2 (theta0, MAX (t->n_params, 1) * sizeof (double));
  g_mutex_init (&t->best_lock);
  t->grad = g_new0 (double, MAX (t->n_params, 1));
  t->m1 = g_new0 (double, MAX (t->n_params, 1));
  t->m2 = g_new0 (double, MAX (t->n_params, 1));
  t->trainable = g_new0 (gboolean, MAX (t->n_params, 1));
  for (gsize j = 0; j < t->n_params; j++)
    t->trainable[j] = trainable == NULL || trainable[j];
  t->val_initial = g_new0 (gboolean, MAX (t->n_params, 1));
  t->free_index = g_new0 (gsize, MAX (t->n_params, 1));
  for (gsize j = 0; j < t->n_params; j++)
    if (t->trainable[j])
      t->free_index[t->n_free++] = j;
  t->lr_scale = 1.0;
  t->best_crit = INFINITY;
  t->crit0 = NAN;
  t->fault.t = NAN;
  t->fault.loss = t->fault.best_loss = NAN;
  t->hist_train = g_array_new (FALSE, FALSE, sizeof (double));
  t->hist_val = g_array_new (FALSE, FALSE, sizeof (double));
  t->rng = gsl_rng_alloc (gsl_rng_mt19937);
  gsl_rng_set (t->rng, (unsigned long) options->seed);

  /* Validation split by trajectory, seeded: a random permutation, the first n_val. */
  order = g_new (gsize, MAX (n_traj, 1));
  for (gsize i = 0; i < n_traj; i++)
    order[i] = i;
  for (gsize i = n_traj; i > 1; i--)
    {
      gsize j = gsl_rng_uniform_int (t->rng, i);
      gsize tmp = order[i - 1];
      order[i - 1] = order[j];
      order[j] = tmp;
    }
  n_val = (gsize) floor (options->val_fraction * (double) n_traj + 0.5);
  if (options->val_fraction > 0 && n_val == 0 && n_traj >= 2)
    n_val = 1;
  if (n_val >= n_traj)
    n_val = n_traj - 1;
  t->n_val = n_val;
  t->val = g_new (gsize, MAX (n_val, 1));
  t->n_train = n_traj - n_val;
  t->train = g_new (gsize, MAX (t->n_train, 1));
  memcpy (t->val, order, n_val * sizeof (gsize));
  memcpy (t->train, order + n_val, t->n_train * sizeof (gsize));
  /* evaluation order does not depend on the shuffle: sort each set */
  for (gsize a = 0; a < n_val; a++)
    for (gsize b = a + 1; b < n_val; b++)
      if (t->val[b] < t->val[a])
        {
          gsize tmp = t->val[a];
          t->val[a] = t->val[b];
          t->val[b] = tmp;
        }
  for (gsize a = 0; a < t->n_train; a++)
    for (gsize b = a + 1; b < t->n_train; b++)
      if (t->train[b] < t->train[a])
        {
          gsize tmp = t->train[a];
          t->train[a] = t->train[b];
          t->train[b] = tmp;
        }
  /* The objective's weights come from the training trajectories alone. */
  if (t->n_train > 0)
    currents_loss_set_weights_from (loss, t->train, t->n_train);

  /* With learned initial states, a validation trajectory's initial state is estimated
   * from its own data (θ is never fitted to validation data): its noisy first sample
   * would otherwise set a floor under the validation error that no model can pass. */
  {
    gsize n = currents_loss_get_n_states (loss);

    for (gsize v = 0; v < t->n_val; v++)
      {
        gssize at = currents_loss_get_initial_index (loss, t->val[v]);

        for (gsize i = 0; at >= 0 && i < n; i++)
          t->val_initial[at + i] = t->trainable[at + i];
      }
  }
  t->phase = PHASE_ADAM;
  return t;
}

void
currents_trainer_free (CurrentsTrainer *t)
{
  if (t == NULL)
    return;
  currents_loss_free (t->loss);
  g_free (t->theta);
  g_free (t->best);
  g_mutex_clear (&t->best_lock);
  g_free (t->grad);
  g_free (t->m1);
  g_free (t->m2);
  g_free (t->trainable);
  g_free (t->val_initial);
  g_free (t->free_index);
  g_free (t->train);
  g_free (t->val);
  g_array_unref (t->hist_train);
  g_array_unref (t->hist_val);
  g_free (t->note);
  g_free (t->fault.trajectory);
  g_free (t->fault.message);
  g_free (t->advice);
  gsl_rng_free (t->rng);
  if (t->bfgs != NULL)
    gsl_multimin_fdfminimizer_free (t->bfgs);
  if (t->bfgs_x != NULL)
    gsl_vector_free (t->bfgs_x);
  g_clear_error (&t->polish_error);
  g_free (t);
}

static double
epoch_lr (const CurrentsTrainer *t)
{
  const CurrentsTrainOptions *o = &t->options;
  double e = (double) t->epoch, E = (double) o->epochs, lr;

  switch (o->schedule)
    {
    case CURRENTS_LR_COSINE:
      lr = o->lr_min + 0.5 * (o->lr - o->lr_min) * (1.0 + cos (G_PI * e / E));
      break;
    case CURRENTS_LR_STEP:
      lr = o->lr * pow (o->step_gamma, floor (e / (double) MAX (o->step_every, 1)));
      break;
    case CURRENTS_LR_CONSTANT:
    default:
      lr = o->lr;
      break;
    }
  return lr * t->lr_scale;
}

/* The criterion at θ: validation MSE, or the full training MSE without validation. */
static gboolean
criterion (CurrentsTrainer *t,
           const double    *theta,
           double          *crit,
           double          *val_mse,
           GCancellable    *cancellable,
           GError         **error)
{
  CurrentsLossResult r;

  *val_mse = NAN;
  if (t->n_val > 0)
    {
      if (!currents_loss_eval (t->loss, theta, t->val, t->n_val, t->trainable, NULL, &r,
                               cancellable, error))
        return FALSE;
      *val_mse = r.mse;
      *crit = r.mse;
      return TRUE;
    }
  if (!currents_loss_eval (t->loss, theta, t->train, t->n_train, t->trainable, NULL, &r,
                           cancellable, error))
    return FALSE;
  *crit = r.mse;
  return TRUE;
}

static gboolean
is_cancel (const GError *error)
{
  return g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED) ||
         g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

/* ---- faults ---- */

const char *
currents_train_fault_to_string (CurrentsTrainFault fault)
{
  switch (fault)
    {
    case CURRENTS_TRAIN_FAULT_NONE:
      return "none";
    case CURRENTS_TRAIN_FAULT_LEARNING_RATE:
      return "learning-rate";
    case CURRENTS_TRAIN_FAULT_BLOW_UP:
      return "blow-up";
    case CURRENTS_TRAIN_FAULT_STIFF:
      return "stiff";
    case CURRENTS_TRAIN_FAULT_SOLVER:
    default:
      return "solver";
    }
}

/* V, the mean over states of the data's variance (1/w_i), the loss of predicting each
 * state's mean; 0 with unit weights, which carry no scale. */
static double
data_variance (const CurrentsTrainer *t)
{
  const double *w = currents_loss_get_weights (t->loss);
  gsize n = currents_loss_get_n_states (t->loss), k = 0;
  double v = 0.0;

  if (t->options.loss.unit_weights || w == NULL)
    return 0.0;
  for (gsize i = 0; i < n; i++)
    if (w[i] > 0 && isfinite (w[i]))
      {
        v += 1.0 / w[i];
        k++;
      }
  return k > 0 ? v / (double) k : 0.0;
}

/* The largest spread (standard deviation) of a state in the data: the loss's weights are
 * 1/Var(y_i), or 1 with unit weights. */
static double
data_spread (const CurrentsTrainer *t)
{
  const double *w = currents_loss_get_weights (t->loss);
  gsize n = currents_loss_get_n_states (t->loss);
  double sd = 1.0;

  for (gsize i = 0; w != NULL && i < n; i++)
    if (w[i] > 0 && isfinite (w[i]))
      sd = MAX (sd, 1.0 / sqrt (w[i]));
  return sd;
}

/* Reads a solver failure as currents-adjoint words it:
 *   trajectory 'ID': forward solve: <what> at t = T: x[0] = v, x[1] = v (gradient M, S)
 * into the fault's trajectory, time, largest |x| and step limit, and classifies it. */
static void
classify_failure (const CurrentsTrainer  *t,
                  const GError           *cause,
                  CurrentsTrainFaultInfo *f)
{
  const char *msg = cause->message, *at, *p;
  /* the forward solve, or an observation of its state */
  gboolean forward = strstr (msg, "backward") == NULL;
  gboolean implicit = strstr (msg, ", msbdf)") != NULL;
  gboolean solver_code = g_error_matches (cause, CURRENTS_ENGINE_ERROR,
                                          CURRENTS_ENGINE_ERROR_NON_FINITE) ||
                         g_error_matches (cause, CURRENTS_ENGINE_ERROR,
                                          CURRENTS_ENGINE_ERROR_MAX_STEPS) ||
                         g_error_matches (cause, CURRENTS_ENGINE_ERROR,
                                          CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW);
  gboolean have_state = FALSE;

  f->t = NAN;
  f->max_state = 0.0;
  f->n_steps = 0;
  g_clear_pointer (&f->trajectory, g_free);
  g_free (f->message);
  f->message = g_strdup (msg);

  if (g_str_has_prefix (msg, "trajectory '"))
    {
      const char *id = msg + strlen ("trajectory '");
      const char *end = strstr (id, "': ");

      if (end != NULL)
        f->trajectory = g_strndup (id, (gsize) (end - id));
    }
  at = strstr (msg, " at t = ");
  if (at != NULL)
    {
      f->t = g_ascii_strtod (at + strlen (" at t = "), NULL);
      for (p = strstr (at, "] = "); p != NULL; p = strstr (p, "] = "))
        {
          char *end = NULL;
          double v;

          p += strlen ("] = ");
          v = g_ascii_strtod (p, &end);
          if (end == p)
            {
              /* printf's "inf", "-nan" */
              const char *q = *p == '-' ? p + 1 : p;

              if (g_ascii_strncasecmp (q, "inf", 3) == 0 || g_ascii_strncasecmp (q, "nan", 3) == 0)
                v = INFINITY;
              else
                continue;
            }
          have_state = TRUE;
          f->max_state = isfinite (v) ? MAX (f->max_state, fabs (v)) : INFINITY;
        }
    }
  if (g_error_matches (cause, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MAX_STEPS))
    {
      p = strstr (msg, "maximum number of steps (");
      if (p != NULL)
        f->n_steps = g_ascii_strtoull (p + strlen ("maximum number of steps ("), NULL, 10);
    }
  if (!have_state)
    f->max_state = NAN;

  if (!solver_code)
    f->kind = CURRENTS_TRAIN_FAULT_SOLVER;
  else if (!forward || at == NULL)
    /* not a solve (the loss or the gradient is not finite), or the backward pass: after
     * a step that is the step's size; at kept parameters something else */
    f->kind = f->after_step && !forward && at == NULL ? CURRENTS_TRAIN_FAULT_LEARNING_RATE
                                                      : CURRENTS_TRAIN_FAULT_SOLVER;
  else if (!(f->max_state <= HUGE_STATE * data_spread (t)))
    f->kind = CURRENTS_TRAIN_FAULT_BLOW_UP;
  else if (!implicit && !g_error_matches (cause, CURRENTS_ENGINE_ERROR,
                                          CURRENTS_ENGINE_ERROR_NON_FINITE))
    f->kind = CURRENTS_TRAIN_FAULT_STIFF;
  else
    f->kind = CURRENTS_TRAIN_FAULT_SOLVER;
}

/* Records the run's first fault. */
static void
note_failure (CurrentsTrainer *t,
              const GError    *cause,
              guint            epoch,
              gboolean         after_step,
              double           lr)
{
  if (t->fault.kind != CURRENTS_TRAIN_FAULT_NONE)
    return;
  t->fault.epoch = epoch;
  t->fault.after_step = after_step;
  t->fault.lr = lr;
  t->fault.best_loss = t->best_crit;
  classify_failure (t, cause, &t->fault);
}

static void
note_divergence (CurrentsTrainer *t,
                 guint            epoch,
                 double           crit,
                 double           lr)
{
  if (t->fault.kind != CURRENTS_TRAIN_FAULT_NONE)
    return;
  t->fault.kind = CURRENTS_TRAIN_FAULT_LEARNING_RATE;
  t->fault.epoch = epoch;
  t->fault.after_step = TRUE;
  t->fault.loss = crit;
  t->fault_from_start = !isfinite (t->best_crit);
  t->fault.best_loss = t->fault_from_start ? t->crit0 : t->best_crit;
  t->fault.lr = lr;
}

static char *
smaller_lr (double lr)
{
  /* the default, or a tenth of a rate already below it */
  if (lr > 1e-2 * (1.0 + 1e-9))
    return g_strdup (_("0.01 (the default)"));
  return g_strdup_printf ("%.2g", lr / 10.0);
}

/* What went wrong and what to change, and which model is kept. */
static void
compose_advice (CurrentsTrainer *t)
{
  const CurrentsTrainFaultInfo *f = &t->fault;
  const char *traj = f->trajectory != NULL ? f->trajectory : "?";
  g_autofree char *lr_try = smaller_lr (t->options.lr);
  GString *s;

  g_clear_pointer (&t->advice, g_free);
  if (f->kind == CURRENTS_TRAIN_FAULT_NONE)
    return;
  s = g_string_new (NULL);
  switch (f->kind)
    {
    case CURRENTS_TRAIN_FAULT_LEARNING_RATE:
      if (isfinite (f->loss) && f->best_loss > 0 && t->fault_from_start)
        g_string_append_printf (s, _("Training diverged at epoch %u (loss %.3g, %.0f× the "
                                     "starting loss %.3g): the learning rate %g is too large — "
                                     "try %s or lower."),
                                f->epoch, f->loss, f->loss / f->best_loss, f->best_loss,
                                t->options.lr, lr_try);
      else if (isfinite (f->loss) && f->best_loss > 0)
        g_string_append_printf (s, _("Training diverged at epoch %u (loss %.3g, %.0f× the "
                                     "best %.3g): the learning rate %g is too large — try "
                                     "%s or lower."),
                                f->epoch, f->loss, f->loss / f->best_loss, f->best_loss,
                                t->options.lr, lr_try);
      else
        g_string_append_printf (s, _("Training diverged at epoch %u (the loss or its "
                                     "gradient became infinite after a step): the learning "
                                     "rate %g is too large — try %s or lower."),
                                f->epoch, t->options.lr, lr_try);
      break;
    case CURRENTS_TRAIN_FAULT_BLOW_UP:
      if (f->after_step)
        g_string_append_printf (s, _("At epoch %u a step with learning rate %.3g led to "
                                     "parameters whose solution escapes to infinity near "
                                     "t = %.3g in trajectory “%s”: lower the learning rate "
                                     "to %s or less, bound the right-hand side (e.g. "
                                     "saturating terms) or shorten the time span."),
                                f->epoch, f->lr, f->t, traj, lr_try);
      else
        g_string_append_printf (s, _("The model's solution escapes to infinity near t = %.3g "
                                     "in trajectory “%s” (|x| reached %.3g) at the %s "
                                     "parameters: bound the right-hand side (e.g. saturating "
                                     "terms such as x/(1 + x)), shorten the time span, or fit "
                                     "from parameters closer to the data."),
                                f->t, traj, f->max_state,
                                f->epoch == 0 ? _("starting") : _("best"));
      break;
    case CURRENTS_TRAIN_FAULT_STIFF:
      if (f->n_steps > 0)
        g_string_append_printf (s, _("The equations are stiff for the explicit solver: "
                                     "dopri5 used up its %zu steps by t = %.3g in trajectory "
                                     "“%s” while the state stayed bounded (|x| ≤ %.3g)."),
                                f->n_steps, f->t, traj, f->max_state);
      else
        g_string_append_printf (s, _("The equations are stiff for the explicit solver: "
                                     "dopri5's step collapsed near t = %.3g in trajectory "
                                     "“%s” while the state stayed bounded (|x| ≤ %.3g)."),
                                f->t, traj, f->max_state);
      g_string_append (s, _(" Choose the implicit solver (BDF): --stiff on the command line, "
                            "“Stiff Solver (BDF)” under Solver in the training panel."));
      break;
    case CURRENTS_TRAIN_FAULT_SOLVER:
    default:
      if (f->n_steps > 0)
        {
          g_string_append_printf (s, _("A solve failed at epoch %u: %s. Loosen the tolerances "
                                       "or raise the step limit."),
                                  f->epoch, f->message != NULL ? f->message : "?");
          break;
        }
      g_string_append_printf (s, _("A solve failed at epoch %u: %s. Check the model's "
                                   "right-hand side there, or try another gradient method or "
                                   "tighter tolerances."),
                              f->epoch, f->message != NULL ? f->message : "?");
      break;
    }
  if (t->n_faults > 0)
    g_string_append_printf (s, ngettext (" Training went on from the best parameters at half "
                                         "the learning rate (%u time).",
                                         " Training went on from the best parameters at half "
                                         "the learning rate (%u times).", t->n_faults),
                            t->n_faults);
  if (t->best_epoch > 0)
    g_string_append_printf (s, _(" The best model (epoch %u) is kept."), t->best_epoch);
  else
    g_string_append (s, _(" No epoch ended without a failure: there is no model to keep."));
  t->advice = g_string_free (s, FALSE);
}

/* Training is over: the advice, if anything went wrong, is the last report's note. */
static void
finish (CurrentsTrainer *t)
{
  t->phase = PHASE_DONE;
  compose_advice (t);
  if (t->advice != NULL)
    set_note (t, "%s", t->advice);
}

/* A step failed or diverged: go back to the best θ, forget the moments, halve the rate. */
static gboolean
recover (CurrentsTrainer *t,
         GError         **error,
         GError          *cause)
{
  t->failures++;
  t->n_faults++;
  memcpy (t->theta, t->best, t->n_params * sizeof (double));
  memset (t->m1, 0, t->n_params * sizeof (double));
  memset (t->m2, 0, t->n_params * sizeof (double));
  t->adam_t = 0;
  t->n_far = 0;
  t->lr_scale *= 0.5;
  set_note (t, "%s; restored the best parameters and halved the learning rate",
            cause->message);
  if (t->failures > t->options.max_failures)
    {
      finish (t);
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                   _("Training stopped after %u failed steps in a row. %s"), t->failures,
                   t->advice);
      g_error_free (cause);
      return FALSE;
    }
  g_error_free (cause);
  return TRUE;
}

/* A failure at θ: recorded (with whether an Adam step led there), then undone. */
static gboolean
recover_failure (CurrentsTrainer *t,
                 GError         **error,
                 GError          *cause,
                 guint            epoch,
                 double           lr)
{
  gboolean after_step = memcmp (t->theta, t->best, t->n_params * sizeof (double)) != 0;

  note_failure (t, cause, epoch, after_step, lr);
  return recover (t, error, cause);
}

static void
shuffle (CurrentsTrainer *t,
         gsize           *v,
         gsize            n)
{
  for (gsize i = n; i > 1; i--)
    {
      gsize j = gsl_rng_uniform_int (t->rng, i);
      gsize tmp = v[i - 1];
      v[i - 1] = v[j];
      v[j] = tmp;
    }
}

/* BFGS on the trainable entries, full training objective. */
static double
polish_f (const gsl_vector *x,
          void             *data)
{
  CurrentsTrainer *t = data;
  CurrentsLossResult r;
  g_autofree double *theta = g_memdup2 (t->theta, t->n_params * sizeof (double));

  if (t->polish_error != NULL)
    return NAN;
  for (gsize a = 0; a < t->n_free; a++)
    theta[t->free_index[a]] = gsl_vector_get (x, a);
  if (!currents_loss_eval (t->loss, theta, t->train, t->n_train, t->trainable, NULL, &r,
                           t->polish_cancel, &t->polish_error))
    return NAN;
  t->polish_mse = r.mse;
  t->polish_nfe_f += r.nfe_forward;
  return r.objective;
}

static void
polish_fdf (const gsl_vector *x,
            void             *data,
            double           *f,
            gsl_vector       *df)
{
  CurrentsTrainer *t = data;
  CurrentsLossResult r;
  g_autofree double *theta = g_memdup2 (t->theta, t->n_params * sizeof (double));

  *f = NAN;
  gsl_vector_set_all (df, 0.0);
  if (t->polish_error != NULL)
    return;
  for (gsize a = 0; a < t->n_free; a++)
    theta[t->free_index[a]] = gsl_vector_get (x, a);
  if (!currents_loss_eval (t->loss, theta, t->train, t->n_train, t->trainable, t->grad, &r,
                           t->polish_cancel, &t->polish_error))
    return;
  *f = r.objective;
  t->polish_mse = r.mse;
  t->polish_nfe_f += r.nfe_forward;
  t->polish_nfe_b += r.nfe_backward;
  for (gsize a = 0; a < t->n_free; a++)
    gsl_vector_set (df, a, t->grad[t->free_index[a]]);
}

static void
polish_df (const gsl_vector *x,
           void             *data,
           gsl_vector       *df)
{
  double f;
  polish_fdf (x, data, &f, df);
}

static gboolean
polish_step (CurrentsTrainer       *t,
             CurrentsTrainProgress *p,
             GCancellable          *cancellable,
             GError               **error)
{
  int status;
  double crit, val;

  t->polish_cancel = cancellable;
  if (t->bfgs == NULL)
    {
      memcpy (t->theta, t->best, t->n_params * sizeof (double));
      t->bfgs_x = gsl_vector_alloc (MAX (t->n_free, 1));
      for (gsize a = 0; a < t->n_free; a++)
        gsl_vector_set (t->bfgs_x, a, t->theta[t->free_index[a]]);
      /* GSL keeps a pointer to the function: it lives in the trainer */
      t->bfgs_fn.n = t->n_free;
      t->bfgs_fn.f = polish_f;
      t->bfgs_fn.df = polish_df;
      t->bfgs_fn.fdf = polish_fdf;
      t->bfgs_fn.params = t;
      t->bfgs = gsl_multimin_fdfminimizer_alloc (gsl_multimin_fdfminimizer_vector_bfgs2,
                                                 t->n_free);
      status = gsl_multimin_fdfminimizer_set (t->bfgs, &t->bfgs_fn, t->bfgs_x, 1e-3, 0.1);
      if (status != GSL_SUCCESS || t->polish_error != NULL)
        goto stop;
    }
  t->polish_nfe_f = t->polish_nfe_b = 0;
  status = gsl_multimin_fdfminimizer_iterate (t->bfgs);
  t->polish_iter++;
  p->train_loss = t->polish_mse;
  p->nfe_forward = t->polish_nfe_f;
  p->nfe_backward = t->polish_nfe_b;
  if (t->polish_error != NULL)
    goto stop;
  for (gsize a = 0; a < t->n_free; a++)
    t->theta[t->free_index[a]] = gsl_vector_get (gsl_multimin_fdfminimizer_x (t->bfgs), a);
  if (!criterion (t, t->theta, &crit, &val, cancellable, error))
    return FALSE;
  p->val_loss = val;
  p->objective = gsl_multimin_fdfminimizer_minimum (t->bfgs);
  p->grad_norm = gsl_blas_dnrm2 (gsl_multimin_fdfminimizer_gradient (t->bfgs));
  g_mutex_lock (&t->best_lock);
  g_array_append_val (t->hist_train, p->train_loss);
  g_array_append_val (t->hist_val, p->val_loss);
  g_mutex_unlock (&t->best_lock);
  if (crit < t->best_crit)
    {
      t->best_crit = crit;
      g_mutex_lock (&t->best_lock);
      t->best_epoch = t->epoch + t->polish_iter;
      memcpy (t->best, t->theta, t->n_params * sizeof (double));
      g_mutex_unlock (&t->best_lock);
      p->improved = TRUE;
    }
  if (status != GSL_SUCCESS || t->polish_iter >= t->options.polish_iterations ||
      gsl_multimin_test_gradient (gsl_multimin_fdfminimizer_gradient (t->bfgs), 1e-10) ==
        GSL_SUCCESS)
    finish (t);
  return TRUE;

stop:
  if (t->polish_error != NULL)
    {
      GError *e = g_steal_pointer (&t->polish_error);
      if (is_cancel (e))
        {
          g_propagate_error (error, e);
          return FALSE;
        }
      set_note (t, "BFGS polish stopped: %s; the best parameters are kept", e->message);
      g_error_free (e);
    }
  {
    g_autofree char *polish_note = g_steal_pointer (&t->note);

    finish (t);
    if (t->advice != NULL && polish_note != NULL)
      set_note (t, "%s. %s", polish_note, t->advice);
    else if (polish_note != NULL)
      set_note (t, "%s", polish_note);
  }
  return TRUE;
}

static void
progress_fill (CurrentsTrainer       *t,
               CurrentsTrainProgress *p)
{
  /* BFGS iterations count on after the Adam epochs */
  p->epoch = t->epoch + t->polish_iter;
  p->epochs = t->options.epochs + (t->options.polish ? t->options.polish_iterations : 0);
  p->best_epoch = t->best_epoch;
  p->best_loss = t->best_crit;
  p->polishing = t->phase == PHASE_POLISH;
  p->finished = t->phase == PHASE_DONE;
  p->note = t->note;
}

/* The validation loss at θ, and one Adam step on the validation trajectories' own
 * initial states (their gradient only; θ is untouched). */
static gboolean
validation_initial_step (CurrentsTrainer *t,
                         double           lr,
                         double          *crit,
                         double          *val_mse,
                         GCancellable    *cancellable,
                         GError         **error)
{
  CurrentsLossResult r;
  double b1t, b2t;

  if (!currents_loss_eval (t->loss, t->theta, t->val, t->n_val, t->trainable, t->grad, &r,
                           cancellable, error))
    return FALSE;
  *crit = *val_mse = r.mse;
  b1t = 1.0 - pow (t->options.beta1, (double) MAX (t->adam_t, 1));
  b2t = 1.0 - pow (t->options.beta2, (double) MAX (t->adam_t, 1));
  for (gsize j = 0; j < t->n_params; j++)
    {
      double g;

      if (!t->val_initial[j])
        continue;
      g = t->grad[j];
      if (!isfinite (g))
        continue;
      t->m1[j] = t->options.beta1 * t->m1[j] + (1.0 - t->options.beta1) * g;
      t->m2[j] = t->options.beta2 * t->m2[j] + (1.0 - t->options.beta2) * g * g;
      t->theta[j] -= lr * (t->m1[j] / b1t) / (sqrt (t->m2[j] / b2t) + t->options.eps);
    }
  return TRUE;
}

/* The epoch's figures into the report and the history. */
static void
record_epoch (CurrentsTrainer       *t,
              CurrentsTrainProgress *p,
              double                 sse,
              gsize                  n_obs,
              double                 val,
              double                 obj,
              double                 gnorm)
{
  p->train_loss = n_obs > 0 ? sse / (double) n_obs : NAN;
  p->val_loss = val;
  p->objective = obj;
  p->grad_norm = gnorm;
  g_mutex_lock (&t->best_lock);
  g_array_append_val (t->hist_train, p->train_loss);
  g_array_append_val (t->hist_val, p->val_loss);
  g_mutex_unlock (&t->best_lock);
}

/**
 * currents_trainer_iterate:
 * @trainer: a trainer
 * @progress: (out): what this iteration did
 * @cancellable: (nullable): honoured inside the solves
 * @error: a cancellation, or a failure that could not be recovered
 *
 * Runs one epoch of Adam (or one BFGS iteration when polishing). The best parameters
 * survive any error.
 */
static gboolean iterate (CurrentsTrainer       *t,
                         CurrentsTrainProgress *p,
                         GCancellable          *cancellable,
                         GError               **error);

gboolean
currents_trainer_iterate (CurrentsTrainer       *t,
                          CurrentsTrainProgress *p,
                          GCancellable          *cancellable,
                          GError               **error)
{
  GError *local = NULL;

  if (iterate (t, p, cancellable, &local))
    return TRUE;
  /* stopped by the user after something went wrong: the advice holds all the same */
  if (is_cancel (local) && t->advice == NULL)
    compose_advice (t);
  g_propagate_error (error, local);
  return FALSE;
}

static gboolean
iterate (CurrentsTrainer       *t,
         CurrentsTrainProgress *p,
         GCancellable          *cancellable,
         GError               **error)
{
  gint64 start = g_get_monotonic_time ();
  gsize batch = t->options.batch_size > 0 ? MIN (t->options.batch_size, t->n_train)
                                           : t->n_train;
  double sse = 0.0, crit = INFINITY, val = NAN, obj = 0.0, gnorm = 0.0;
  gsize n_obs = 0;
  gboolean failed = FALSE;

  memset (p, 0, sizeof *p);
  p->val_loss = NAN;
  p->train_loss = NAN;
  set_note (t, NULL);

  if (t->phase == PHASE_DONE)
    {
      progress_fill (t, p);
      return TRUE;
    }
  if (g_cancellable_set_error_if_cancelled (cancellable, error))
    return FALSE;

  /* the criterion where training starts: the yardstick of divergence; a solve that
   * fails here fails again after every restore, so training stops at once */
  if (t->phase == PHASE_ADAM && t->epoch == 0 && isnan (t->crit0))
    {
      GError *local = NULL;
      double v;

      t->floor = data_variance (t);
      if (!criterion (t, t->theta, &t->crit0, &v, cancellable, &local))
        {
          t->crit0 = NAN;
          if (is_cancel (local))
            {
              g_propagate_error (error, local);
              return FALSE;
            }
          note_failure (t, local, 0, FALSE, epoch_lr (t));
          finish (t);
          g_set_error_literal (error, local->domain, local->code, t->advice);
          g_error_free (local);
          progress_fill (t, p);
          p->diverged = TRUE;
          return FALSE;
        }
    }

  if (t->phase == PHASE_POLISH)
    {
      if (!polish_step (t, p, cancellable, error))
        return FALSE;
      p->ms = (double) (g_get_monotonic_time () - start) / 1000.0;
      p->lr = 0.0;
      progress_fill (t, p);
      return TRUE;
    }

  shuffle (t, t->train, t->n_train);
  p->lr = epoch_lr (t);
  for (gsize first = 0; first < t->n_train; first += batch)
    {
      gsize nb = MIN (batch, t->n_train - first);
      CurrentsLossResult r;
      GError *local = NULL;
      double norm = 0.0, scale = 1.0;
      double b1t, b2t;

      if (!currents_loss_eval (t->loss, t->theta, t->train + first, nb, t->trainable, t->grad,
                               &r, cancellable, &local))
        {
          if (is_cancel (local))
            {
              g_propagate_error (error, local);
              return FALSE;
            }
          if (!recover_failure (t, error, local, t->epoch + 1, p->lr))
            return FALSE;
          failed = TRUE;
          break;
        }
      for (gsize j = 0; j < t->n_params; j++)
        if (t->trainable[j])
          norm += t->grad[j] * t->grad[j];
      norm = sqrt (norm);
      if (!isfinite (norm))
        {
          GError *e = g_error_new (CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                                   "the gradient is not finite");
          note_divergence (t, t->epoch + 1, NAN, p->lr);
          if (!recover (t, error, e))
            return FALSE;
          failed = TRUE;
          break;
        }
      sse += r.mse * (double) r.n_observed;
      n_obs += r.n_observed;
      obj += r.objective;
      gnorm = norm;
      p->nfe_forward += r.nfe_forward;
      p->nfe_backward += r.nfe_backward;
      if (t->options.clip_norm > 0 && norm > t->options.clip_norm)
        scale = t->options.clip_norm / norm;

      t->adam_t++;
      b1t = 1.0 - pow (t->options.beta1, (double) t->adam_t);
      b2t = 1.0 - pow (t->options.beta2, (double) t->adam_t);
      for (gsize j = 0; j < t->n_params; j++)
        {
          double g;

          if (!t->trainable[j] || t->val_initial[j])
            continue;
          g = t->grad[j] * scale;
          t->m1[j] = t->options.beta1 * t->m1[j] + (1.0 - t->options.beta1) * g;
          t->m2[j] = t->options.beta2 * t->m2[j] + (1.0 - t->options.beta2) * g * g;
          t->theta[j] -= p->lr * (t->m1[j] / b1t) / (sqrt (t->m2[j] / b2t) + t->options.eps);
        }
    }

  t->epoch++;
  if (!failed)
    {
      GError *local = NULL;

      if (!(t->n_val > 0 && t->options.loss.learn_initial
            ? validation_initial_step (t, p->lr, &crit, &val, cancellable, &local)
            : criterion (t, t->theta, &crit, &val, cancellable, &local)))
        {
          if (is_cancel (local))
            {
              g_propagate_error (error, local);
              return FALSE;
            }
          if (!recover_failure (t, error, local, t->epoch, p->lr))
            {
              record_epoch (t, p, sse, n_obs, val, obj, gnorm);
              return FALSE;
            }
          failed = TRUE;
        }
    }
  if (!failed && isfinite (t->best_crit))
    {
      gboolean far = crit > DIVERGE_FACTOR_BEST * t->best_crit && crit > t->floor;

      t->n_far = far && crit > t->crit0 ? t->n_far + 1 : 0;
      if (far && (crit > DIVERGE_FACTOR_START * t->crit0 || t->n_far >= DIVERGE_EPOCHS))
        {
          GError *e = g_error_new (CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                                   "the loss diverged (%.3g, %.0f× the best %.3g)", crit,
                                   crit / t->best_crit, t->best_crit);

          note_divergence (t, t->epoch, crit, p->lr);
          if (!recover (t, error, e))
            {
              record_epoch (t, p, sse, n_obs, val, obj, gnorm);
              return FALSE;
            }
          failed = TRUE;
        }
    }
  /* the first epoch has no model to go back to: a jump far above where training started
   * is recorded (and said at the end), and the epoch is the first best all the same */
  if (!failed && t->epoch == 1 && crit > DIVERGE_FACTOR_START * t->crit0 && crit > t->floor)
    {
      note_divergence (t, t->epoch, crit, p->lr);
      p->diverged = TRUE;
    }
  if (!failed)
    t->failures = 0;
  p->diverged = p->diverged || failed;
  record_epoch (t, p, sse, n_obs, val, obj, gnorm);

  if (!failed && crit < t->best_crit)
    {
      t->best_crit = crit;
      t->since_best = 0;
      g_mutex_lock (&t->best_lock);
      t->best_epoch = t->epoch;
      memcpy (t->best, t->theta, t->n_params * sizeof (double));
      g_mutex_unlock (&t->best_lock);
      p->improved = TRUE;
    }
  else
    t->since_best++;

  if (t->epoch >= t->options.epochs ||
      (t->options.patience > 0 && t->since_best >= t->options.patience))
    {
      if (t->epoch < t->options.epochs)
        set_note (t, "stopped early: no better loss in %u epochs", t->options.patience);
      if (t->options.polish && t->n_free > 0)
        t->phase = PHASE_POLISH;
      else
        finish (t);
    }
  p->ms = (double) (g_get_monotonic_time () - start) / 1000.0;
  progress_fill (t, p);
  return TRUE;
}

gboolean
currents_trainer_test (const CurrentsTrainer *t)
{
  return t->phase == PHASE_DONE;
}

CurrentsLoss *
currents_trainer_get_loss (const CurrentsTrainer *t)
{
  return t->loss;
}

gsize
currents_trainer_get_n_params (const CurrentsTrainer *t)
{
  return t->n_params;
}

const double *
currents_trainer_get_params (const CurrentsTrainer *t)
{
  return t->theta;
}

const double *
currents_trainer_get_best_params (const CurrentsTrainer *t)
{
  return t->best;
}

guint
currents_trainer_get_best_epoch (const CurrentsTrainer *t)
{
  return t->best_epoch;
}

/**
 * currents_trainer_copy_best_params:
 * @trainer: a trainer, possibly training in a worker thread right now
 * @params: (out): currents_trainer_get_n_params() values
 *
 * Copies the best parameters so far; safe to call from any thread while
 * currents_trainer_train_async() runs (the worker updates them under a lock).
 *
 * Returns: the epoch they come from (0: the starting parameters)
 */
/**
 * currents_trainer_copy_history:
 * @trainer: a trainer, possibly training in a worker thread right now
 * @from: the first epoch's index to copy (0-based)
 * @train_loss: (out): appended to: training MSE per epoch from @from on
 * @val_loss: (out): appended to likewise
 *
 * Copies the loss history from @from on; safe to call from any thread while
 * currents_trainer_train_async() runs.
 *
 * Returns: the number of epochs in the history
 */
gsize
currents_trainer_copy_history (CurrentsTrainer *t,
                               gsize            from,
                               GArray          *train_loss,
                               GArray          *val_loss)
{
  gsize n;

  g_mutex_lock (&t->best_lock);
  n = t->hist_train->len;
  if (from < n)
    {
      g_array_append_vals (train_loss, &g_array_index (t->hist_train, double, from), n - from);
      g_array_append_vals (val_loss, &g_array_index (t->hist_val, double, from), n - from);
    }
  g_mutex_unlock (&t->best_lock);
  return n;
}

guint
currents_trainer_copy_best_params (CurrentsTrainer *t,
                                   double          *params)
{
  guint epoch;

  g_mutex_lock (&t->best_lock);
  memcpy (params, t->best, t->n_params * sizeof (double));
  epoch = t->best_epoch;
  g_mutex_unlock (&t->best_lock);
  return epoch;
}

const CurrentsTrainOptions *
currents_trainer_get_options (const CurrentsTrainer *t)
{
  return &t->options;
}

/**
 * currents_trainer_get_fault:
 * @trainer: a trainer, not training right now
 *
 * Returns: (nullable): the first fault of the run, or %NULL when nothing went wrong
 */
const CurrentsTrainFaultInfo *
currents_trainer_get_fault (const CurrentsTrainer *t)
{
  return t->fault.kind != CURRENTS_TRAIN_FAULT_NONE ? &t->fault : NULL;
}

guint
currents_trainer_get_n_faults (const CurrentsTrainer *t)
{
  return t->n_faults;
}

/**
 * currents_trainer_get_advice:
 * @trainer: a trainer whose training has ended
 *
 * Returns: (nullable): what went wrong and what to change, ending with which model is
 *   kept; %NULL when nothing went wrong (or training has not ended)
 */
const char *
currents_trainer_get_advice (const CurrentsTrainer *t)
{
  return t->advice;
}

const gsize *
currents_trainer_get_train_set (const CurrentsTrainer *t,
                                gsize                 *n)
{
  *n = t->n_train;
  return t->train;
}

const gsize *
currents_trainer_get_val_set (const CurrentsTrainer *t,
                              gsize                 *n)
{
  *n = t->n_val;
  return t->val;
}

gsize
currents_trainer_get_history (const CurrentsTrainer *t,
                              const double         **train_loss,
                              const double         **val_loss)
{
  *train_loss = (const double *) (gpointer) t->hist_train->data;
  *val_loss = (const double *) (gpointer) t->hist_val->data;
  return t->hist_train->len;
}

gboolean
currents_trainer_evaluate_best (CurrentsTrainer *t,
                                double          *train_mse,
                                double          *val_mse,
                                GCancellable    *cancellable,
                                GError         **error)
{
  CurrentsLossResult r;
  g_autofree gsize *sorted = g_memdup2 (t->train, MAX (t->n_train, 1) * sizeof (gsize));

  /* the training set's order is shuffled each epoch: evaluate it sorted */
  for (gsize a = 0; a < t->n_train; a++)
    for (gsize b = a + 1; b < t->n_train; b++)
      if (sorted[b] < sorted[a])
        {
          gsize tmp = sorted[a];
          sorted[a] = sorted[b];
          sorted[b] = tmp;
        }
  if (!currents_loss_eval (t->loss, t->best, sorted, t->n_train, t->trainable, NULL, &r,
                           cancellable, error))
    return FALSE;
  *train_mse = r.mse;
  *val_mse = NAN;
  if (t->n_val > 0)
    {
      if (!currents_loss_eval (t->loss, t->best, t->val, t->n_val, t->trainable, NULL, &r,
                               cancellable, error))
        return FALSE;
      *val_mse = r.mse;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Background training                                                                  */

/* The worker leaves its latest report here; one idle at a time carries it over. */
typedef struct
{
  GMutex                    mutex;
  CurrentsTrainProgress     latest;
  char                     *latest_note;
  gboolean                  have_latest;
  gboolean                  idle_pending;
  gboolean                  closed;
  GMainContext             *context;
  CurrentsTrainProgressFunc func;
  gpointer                  data;
  GDestroyNotify            notify;
} Relay;

static void
relay_free (gpointer data)
{
  Relay *r = data;

  g_mutex_clear (&r->mutex);
  g_free (r->latest_note);
  if (r->notify != NULL)
    r->notify (r->data);
  g_main_context_unref (r->context);
}

static void
relay_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, relay_free);
}

static gboolean
relay_dispatch (gpointer data)
{
  Relay *r = data;
  CurrentsTrainProgress p;
  g_autofree char *note = NULL;
  gboolean deliver;

  g_mutex_lock (&r->mutex);
  r->idle_pending = FALSE;
  deliver = r->have_latest && !r->closed;
  p = r->latest;
  note = g_steal_pointer (&r->latest_note);
  r->have_latest = FALSE;
  g_mutex_unlock (&r->mutex);
  if (deliver && r->func != NULL)
    {
      p.note = note;
      r->func (&p, r->data);
    }
  return G_SOURCE_REMOVE;
}

static void
relay_post (Relay                       *r,
            const CurrentsTrainProgress *p)
{
  gboolean schedule = FALSE;

  g_mutex_lock (&r->mutex);
  r->latest = *p;
  g_free (r->latest_note);
  r->latest_note = g_strdup (p->note);
  r->latest.note = NULL;
  r->have_latest = TRUE;
  if (!r->idle_pending)
    {
      r->idle_pending = TRUE;
      schedule = TRUE;
    }
  g_mutex_unlock (&r->mutex);
  if (schedule)
    {
      GSource *src = g_idle_source_new ();

      g_source_set_priority (src, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (src, relay_dispatch, g_atomic_rc_box_acquire (r),
                             relay_unref);
      g_source_set_static_name (src, "[currents] training progress");
      g_source_attach (src, r->context);
      g_source_unref (src);
    }
}

static void
train_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CurrentsTrainer *t = g_object_get_data (G_OBJECT (task), "currents-trainer");
  Relay *r = task_data;
  GError *error = NULL;

  while (!currents_trainer_test (t))
    {
      CurrentsTrainProgress p;

      if (!currents_trainer_iterate (t, &p, cancellable, &error))
        {
          g_task_return_error (task, error);
          return;
        }
      relay_post (r, &p);
    }
  g_task_return_boolean (task, TRUE);
}

/**
 * currents_trainer_train_async:
 * @trainer: a trainer, not to be touched until the callback
 * @cancellable: (nullable): stops training within a solve; the best parameters stay
 * @progress: (nullable): called on the caller's main context with the latest report
 * @progress_data: its data
 * @progress_notify: (nullable): frees @progress_data when training is over
 * @callback: called when training ends
 * @user_data: its data
 *
 * Trains to the end in a worker thread.
 */
void
currents_trainer_train_async (CurrentsTrainer          *trainer,
                              GCancellable             *cancellable,
                              CurrentsTrainProgressFunc progress,
                              gpointer                  progress_data,
                              GDestroyNotify            progress_notify,
                              GAsyncReadyCallback       callback,
                              gpointer                  user_data)
{
  g_autoptr(GTask) task = NULL;
  Relay *r = g_atomic_rc_box_new0 (Relay);

  g_mutex_init (&r->mutex);
  r->context = g_main_context_ref_thread_default ();
  r->func = progress;
  r->data = progress_data;
  r->notify = progress_notify;

  /* GTask's source object must be a GObject: the trainer travels as task data's owner */
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, currents_trainer_train_async);
  g_task_set_name (task, "[currents] train");
  g_task_set_task_data (task, r, relay_unref);
  g_object_set_data (G_OBJECT (task), "currents-trainer", trainer);
  g_task_run_in_thread (task, train_thread);
}

/**
 * currents_trainer_train_finish:
 * @trainer: the trainer given to currents_trainer_train_async()
 * @result: the result
 * @error: why training stopped early (cancellation included)
 *
 * Returns: %TRUE when training ran to its end
 */
gboolean
currents_trainer_train_finish (CurrentsTrainer  *trainer,
                               GAsyncResult     *result,
                               GError          **error)
{
  Relay *r;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == currents_trainer_train_async,
                        FALSE);
  g_return_val_if_fail (g_object_get_data (G_OBJECT (result), "currents-trainer") == trainer,
                        FALSE);
  /* a report still queued would arrive after the end: drop it */
  r = g_task_get_task_data (G_TASK (result));
  g_mutex_lock (&r->mutex);
  r->closed = TRUE;
  g_mutex_unlock (&r->mutex);
  return g_task_propagate_boolean (G_TASK (result), error);
}
