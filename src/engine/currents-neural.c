/* currents-neural.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A pure Neural ODE in physical units (n states x, m inputs u, network g_θ: ℝⁿ⁺ᵐ → ℝⁿ):
 *
 *   ξ_j = (x_j − m_x,j) / σ_x,j,    η_k = (v_k(u_k) − m_u,k) / σ_u,k,
 *   v_k(u) = u, or log10(u + u₀,k) for a log-scaled input,
 *   f_i(x, u; θ) = c_i g_θ,i(ξ, η),   c_i = σ_x,i / τ.
 *
 * Exact derivatives from backward passes of the MLP (currents-mlp.h):
 *
 *   ∂f_i/∂x_j = c_i (∂g_i/∂ξ_j) / σ_x,j,    ∂f_i/∂θ = c_i ∂g_i/∂θ,
 *   wᵀ∂f/∂x   = (∂g/∂ξ)ᵀ (c ⊙ w) ⊘ σ_x,      wᵀ∂f/∂θ = (∂g/∂θ)ᵀ (c ⊙ w).
 *
 * The Jacobians take n backward passes (row i with seed c_i e_i), a VJP takes one.
 *
 * Batches (currents-field.h) run the MLP's batched kernels on up to CURRENTS_MLP_NET_CHUNK
 * rows at a time: matrix products over the rows, ∂f/∂θ summed over them. The tape of a batch keeps,
 * per chunk, the network inputs (ξ, η) (B × (n + m)), the MLP's tape and g's outputs
 * (B × n), so a batched VJP from it runs the backward pass alone.
 *
 * Scaling from a data set: m, σ are the mean and the sample standard deviation (divisor
 * N − 1, as currents_dataset_get_state_stats()) of a column's observed values (states:
 * NaN excluded; inputs: v(u) over all samples); a constant column gets σ = 1 and its
 * value as mean. u₀ is the smallest positive level of the input in the data. τ is the
 * mean over trajectories of (last time − first time), 1 when that is 0.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-neural"

#include <math.h>
#include <string.h>

#include "currents-error.h"
#include "currents-field-util-private.h"
#include "currents-neural.h"

G_STATIC_ASSERT (CURRENTS_NEURAL_MAX_LAYERS <= CURRENTS_MLP_NET_MAX_LAYERS);

/* The field's implementation: immutable, shared by every workspace and thread. */
typedef struct
{
  gsize            n;            /* states */
  gsize            m;            /* inputs */
  CurrentsMlpNet   net;          /* n + m → n */
  CurrentsMlpInputs inputs;      /* the scaling arrays below */
  double          *x_mean;       /* n */
  double          *x_scale;      /* n */
  double          *out_scale;    /* n: c_i = σ_x,i / τ */
  double          *u_mean;       /* m */
  double          *u_scale;      /* m */
  double          *u_offset;     /* m */
  gboolean        *u_log;        /* m */
  double           t_scale;
} NeuralImpl;

/* Per-thread scratch: one block, carved up. */
typedef struct
{
  double *in;       /* n + m: network input (ξ, η) */
  double *acts;     /* n_acts */
  double *y;        /* n: network output */
  double *dy;       /* n: backward seed */
  double *din;      /* n + m: ∂/∂(ξ, η) */
  double *scratch;  /* n_scratch */
  CurrentsMlpBatch batch; /* chunks of rows */
  /* second derivatives: directions in (ξ, η), output, MLP scratch */
  double *h_v;       /* n + m */
  double *h_w;       /* n + m */
  double *h_out;     /* n */
  double *h_scratch; /* currents_mlp_n_hvp_scratch */
} NeuralWs;

struct _CurrentsNeuralModel
{
  CurrentsField        *field;
  const NeuralImpl     *impl;          /* the field's, alive while we hold field */
  CurrentsNeuralSpec    spec;          /* log_inputs → log_names */
  char                **log_names;
  char                **state_names;
  char                **input_names;
  CurrentsNeuralScaling scaling;       /* arrays → impl's */
  double               *initial;       /* n_weights */
};

/* ------------------------------------------------------------------------------------ */
/* The field                                                                            */

static gpointer
neural_ws_new (gconstpointer data)
{
  const NeuralImpl *impl = data;
  gsize nin = impl->n + impl->m;
  NeuralWs *ws = g_new0 (NeuralWs, 1);
  double *block = g_new0 (double, 2 * nin + impl->net.n_acts + 2 * impl->n + impl->net.n_scratch);

  ws->in = block;
  ws->acts = ws->in + nin;
  ws->y = ws->acts + impl->net.n_acts;
  ws->dy = ws->y + impl->n;
  ws->din = ws->dy + impl->n;
  ws->scratch = ws->din + nin;
  _currents_mlp_batch_init (&ws->batch, &impl->net);
  ws->h_v = g_new0 (double, 2 * nin + impl->n + currents_mlp_n_hvp_scratch (&impl->net.shape));
  ws->h_w = ws->h_v + nin;
  ws->h_out = ws->h_w + nin;
  ws->h_scratch = ws->h_out + impl->n;
  currents_mlp_blas_init ();
  return ws;
}

static void
neural_ws_free (gpointer data)
{
  NeuralWs *ws = data;

  if (ws == NULL)
    return;
  g_free (ws->in);
  _currents_mlp_batch_clear (&ws->batch);
  g_free (ws->h_v);
  g_free (ws);
}

static void
neural_impl_free (gpointer data)
{
  NeuralImpl *impl = data;

  g_free (impl->x_mean);
  g_free (impl->x_scale);
  g_free (impl->out_scale);
  g_free (impl->u_mean);
  g_free (impl->u_scale);
  g_free (impl->u_offset);
  g_free (impl->u_log);
  g_free (impl);
}

/* ws->in = (ξ, η), ws->y = g_θ(ξ, η), f = c ⊙ y (when f is not NULL). */
static void
neural_forward (const NeuralImpl *impl,
                NeuralWs         *ws,
                const double     *x,
                const double     *u,
                const double     *p,
                double           *f)
{
  gsize n = impl->n;

  _currents_mlp_inputs (&impl->inputs, x, u, ws->in);
  currents_mlp_forward (&impl->net.shape, p, ws->in, ws->acts, ws->y);
  if (f != NULL)
    for (gsize i = 0; i < n; i++)
      f[i] = impl->out_scale[i] * ws->y[i];
}

static void
neural_eval (gconstpointer data,
             gpointer      wsp,
             double        t,
             const double *x,
             const double *u,
             const double *p,
             double       *f)
{
  neural_forward (data, wsp, x, u, p, f);
}

static void
neural_jacobian (gconstpointer data,
                 gpointer      wsp,
                 double        t,
                 const double *x,
                 const double *u,
                 const double *p,
                 double       *f,
                 double       *jx,
                 double       *jp)
{
  const NeuralImpl *impl = data;
  NeuralWs *ws = wsp;
  gsize n = impl->n, nin = impl->n + impl->m, k = impl->net.n_weights;

  neural_forward (impl, ws, x, u, p, f);
  memset (ws->dy, 0, n * sizeof (double));
  for (gsize i = 0; i < n; i++)
    {
      double *gp = NULL;

      if (jp != NULL)
        {
          gp = jp + i * k;
          memset (gp, 0, k * sizeof (double));
        }
      memset (ws->din, 0, nin * sizeof (double));
      ws->dy[i] = impl->out_scale[i];
      currents_mlp_backward (&impl->net.shape, p, ws->in, ws->acts, ws->dy, ws->din, gp,
                             ws->scratch);
      ws->dy[i] = 0.0;
      for (gsize j = 0; j < n; j++)
        jx[i * n + j] = ws->din[j] / impl->x_scale[j];
    }
}

static void
neural_vjp (gconstpointer data,
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
  const NeuralImpl *impl = data;
  NeuralWs *ws = wsp;
  gsize n = impl->n;

  neural_forward (impl, ws, x, u, p, f);
  if (gx == NULL && gp == NULL)
    return;
  for (gsize i = 0; i < n; i++)
    ws->dy[i] = impl->out_scale[i] * w[i];
  _currents_mlp_net_backward (&impl->net, p, ws->in, ws->acts, ws->dy, ws->din, ws->scratch,
                              n, impl->x_scale, gx, gp);
}

static gsize
neural_tape_size (gconstpointer data,
                  gsize         n_rows)
{
  const NeuralImpl *impl = data;

  return n_rows * _currents_mlp_net_tape_row (&impl->net);
}

/* Tape of a chunk of Bc rows: in (Bc × (n + m)), the MLP's tape, y (Bc × n). */
static void
neural_eval_batch (gconstpointer data,
                   gpointer      wsp,
                   gsize         n_rows,
                   double        t,
                   const double *x,
                   const double *u,
                   const double *p,
                   double       *f,
                   double       *tape)
{
  const NeuralImpl *impl = data;
  NeuralWs *ws = wsp;
  const gsize n = impl->n, m = impl->m, row = _currents_mlp_net_tape_row (&impl->net);

  for (gsize c0 = 0; c0 < n_rows; c0 += CURRENTS_MLP_NET_CHUNK)
    {
      const gsize B = MIN (CURRENTS_MLP_NET_CHUNK, n_rows - c0);
      double *fc = f + c0 * n;
      const double *y;

      y = _currents_mlp_net_forward_chunk (&impl->net, &impl->inputs, &ws->batch, p, B,
                                           x + c0 * n, m > 0 ? u + c0 * m : NULL,
                                           tape != NULL ? tape + c0 * row : NULL, fc);
      for (gsize r = 0; r < B; r++)
        for (gsize i = 0; i < n; i++)
          fc[r * n + i] = impl->out_scale[i] * y[r * n + i];
    }
}

static void
neural_vjp_batch (gconstpointer data,
                  gpointer      wsp,
                  gsize         n_rows,
                  double        t,
                  const double *x,
                  const double *u,
                  const double *p,
                  const double *w,
                  const double *tape,
                  double       *f,
                  double       *gx,
                  double       *gp)
{
  const NeuralImpl *impl = data;
  NeuralWs *ws = wsp;
  const gsize n = impl->n, m = impl->m, row = _currents_mlp_net_tape_row (&impl->net);

  for (gsize c0 = 0; c0 < n_rows; c0 += CURRENTS_MLP_NET_CHUNK)
    {
      const gsize B = MIN (CURRENTS_MLP_NET_CHUNK, n_rows - c0);
      const double *in, *mt, *y;

      _currents_mlp_net_chunk (&impl->net, &impl->inputs, &ws->batch, p, B, x + c0 * n,
                               m > 0 ? u + c0 * m : NULL, tape != NULL ? tape + c0 * row : NULL,
                               &in, &mt, &y);
      if (f != NULL)
        for (gsize r = 0; r < B; r++)
          for (gsize i = 0; i < n; i++)
            f[(c0 + r) * n + i] = impl->out_scale[i] * y[r * n + i];
      if (gx == NULL && gp == NULL)
        continue;
      for (gsize r = 0; r < B; r++)
        for (gsize i = 0; i < n; i++)
          ws->batch.dy[r * n + i] = impl->out_scale[i] * w[(c0 + r) * n + i];
      _currents_mlp_net_backward_batch (&impl->net, &ws->batch, p, B, in, mt, n, impl->x_scale,
                                        gx != NULL ? gx + c0 * n : NULL, gp);
    }
}

/* out = d/dε [∂f/∂x(x + εv) · w]: with ξ = (x − m)/σ and f = c ⊙ g, the directions in
 * network units are v/σ and w/σ (inputs fixed), and out = c ⊙ g''(ξ; v/σ, w/σ). */
static void
neural_hvp (gconstpointer data,
            gpointer      wsp,
            double        t,
            const double *x,
            const double *u,
            const double *p,
            const double *v,
            const double *w,
            double       *out)
{
  const NeuralImpl *impl = data;
  NeuralWs *ws = wsp;
  gsize n = impl->n, nin = impl->n + impl->m;

  neural_forward (impl, ws, x, u, p, NULL);     /* fills ws->in = (ξ, η) */
  _currents_mlp_net_directions (nin, n, impl->x_scale, v, w, ws->h_v, ws->h_w);
  currents_mlp_hvp (&impl->net.shape, p, ws->in, ws->h_v, ws->h_w, ws->h_out, ws->h_scratch);
  for (gsize i = 0; i < n; i++)
    out[i] = impl->out_scale[i] * ws->h_out[i];
}

static const CurrentsFieldVTable neural_vtable = {
  .hvp = neural_hvp,
  .workspace_new = neural_ws_new,
  .workspace_free = neural_ws_free,
  .eval = neural_eval,
  .jacobian = neural_jacobian,
  .vjp = neural_vjp,
  .impl_free = neural_impl_free,
  .eval_batch = neural_eval_batch,
  .vjp_batch = neural_vjp_batch,
  .tape_size = neural_tape_size,
};

/* ------------------------------------------------------------------------------------ */
/* Construction                                                                         */

/**
 * currents_neural_spec_init:
 * @spec: (out caller-allocates): the spec to fill
 *
 * Sets the defaults: two hidden layers of 64, tanh, seed 0, no log-scaled inputs.
 */
void
currents_neural_spec_init (CurrentsNeuralSpec *spec)
{
  g_return_if_fail (spec != NULL);

  memset (spec, 0, sizeof *spec);
  spec->n_hidden = 2;
  spec->hidden[0] = 64;
  spec->hidden[1] = 64;
  spec->activation = CURRENTS_ACTIVATION_TANH;
  spec->seed = 0;
  spec->log_inputs = NULL;
}

static int
find_name (const char *const *names,
           const char        *name)
{
  for (gsize i = 0; names != NULL && names[i] != NULL; i++)
    if (g_ascii_strcasecmp (names[i], name) == 0)
      return (int) i;
  return -1;
}

static char *
name_list (const char *const *names)
{
  if (names == NULL || names[0] == NULL)
    return g_strdup ("none");
  return g_strjoinv (", ", (char **) names);
}

/* Checks the architecture and resolves spec->log_inputs against @input_names:
 * log_flags[k] = TRUE for each input listed (m entries). */
static gboolean
check_spec (const CurrentsNeuralSpec *spec,
            const char *const        *input_names,
            gboolean                 *log_flags,
            GError                  **error)
{
  int a = (int) spec->activation;

  if (spec->n_hidden > CURRENTS_NEURAL_MAX_LAYERS)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "too many hidden layers: %" G_GSIZE_FORMAT " (at most %d)",
                   spec->n_hidden, CURRENTS_NEURAL_MAX_LAYERS);
      return FALSE;
    }
  for (gsize l = 0; l < spec->n_hidden; l++)
    if (spec->hidden[l] < 1)
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "hidden layer %" G_GSIZE_FORMAT " has width %" G_GSIZE_FORMAT
                     " (a layer needs at least one unit)", l + 1, spec->hidden[l]);
        return FALSE;
      }
  if (a < (int) CURRENTS_ACTIVATION_TANH || a > (int) CURRENTS_ACTIVATION_IDENTITY)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "unknown activation (%d)", a);
      return FALSE;
    }
  for (gsize i = 0; spec->log_inputs != NULL && spec->log_inputs[i] != NULL; i++)
    {
      int k = find_name (input_names, spec->log_inputs[i]);

      if (k < 0)
        {
          g_autofree char *list = name_list (input_names);

          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "'%s' is asked for as a log-scaled input, but there is no input of "
                       "that name (the inputs are: %s)", spec->log_inputs[i], list);
          return FALSE;
        }
      log_flags[k] = TRUE;
    }
  return TRUE;
}

static gboolean
check_names (const char *const *names,
             const char        *what,
             GError           **error)
{
  for (gsize i = 0; names != NULL && names[i] != NULL; i++)
    {
      if (names[i][0] == '\0')
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "%s %" G_GSIZE_FORMAT " has an empty name", what, i + 1);
          return FALSE;
        }
      for (gsize j = 0; j < i; j++)
        if (g_ascii_strcasecmp (names[i], names[j]) == 0)
          {
            g_set_error (error, CURRENTS_ENGINE_ERROR,
                         CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                         "%s '%s' appears twice", what, names[i]);
            return FALSE;
          }
    }
  return TRUE;
}

/* Builds the model from checked pieces (arrays copied). */
static CurrentsNeuralModel *
model_build (const char *const        *state_names,
             const char *const        *input_names,
             const CurrentsNeuralSpec *spec,
             const double             *x_mean,
             const double             *x_scale,
             const double             *u_mean,
             const double             *u_scale,
             const gboolean           *u_log,
             const double             *u_offset,
             double                    t_scale)
{
  CurrentsNeuralModel *model = g_new0 (CurrentsNeuralModel, 1);
  NeuralImpl *impl = g_new0 (NeuralImpl, 1);
  gsize n = g_strv_length ((char **) state_names);
  gsize m = input_names != NULL ? g_strv_length ((char **) input_names) : 0;
  GPtrArray *logs = g_ptr_array_new ();

  impl->n = n;
  impl->m = m;
  _currents_mlp_net_init (&impl->net, n + m, spec->hidden, spec->n_hidden, spec->activation,
                          n);
  impl->x_mean = g_memdup2 (x_mean, n * sizeof (double));
  impl->x_scale = g_memdup2 (x_scale, n * sizeof (double));
  impl->out_scale = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    impl->out_scale[i] = x_scale[i] / t_scale;
  /* g_new0 keeps valid (if empty) pointers when m = 0. */
  impl->u_mean = g_new0 (double, MAX (m, 1));
  impl->u_scale = g_new0 (double, MAX (m, 1));
  impl->u_offset = g_new0 (double, MAX (m, 1));
  impl->u_log = g_new0 (gboolean, MAX (m, 1));
  for (gsize k = 0; k < m; k++)
    {
      impl->u_mean[k] = u_mean[k];
      impl->u_scale[k] = u_scale[k];
      impl->u_log[k] = u_log[k];
      impl->u_offset[k] = u_log[k] ? u_offset[k] : 0.0;
      if (u_log[k])
        g_ptr_array_add (logs, g_strdup (input_names[k]));
    }
  impl->t_scale = t_scale;
  impl->inputs = (CurrentsMlpInputs) {
    .n = n, .m = m,
    .x_mean = impl->x_mean, .x_scale = impl->x_scale,
    .u_mean = impl->u_mean, .u_scale = impl->u_scale,
    .u_log = impl->u_log, .u_offset = impl->u_offset,
  };

  model->field = currents_field_new (&neural_vtable, impl, n, m, impl->net.n_weights, TRUE);
  model->impl = impl;
  model->state_names = g_strdupv ((char **) state_names);
  model->input_names = input_names != NULL ? g_strdupv ((char **) input_names)
                                           : g_new0 (char *, 1);
  g_ptr_array_add (logs, NULL);
  model->log_names = (char **) g_ptr_array_free (logs, FALSE);
  model->spec = *spec;
  model->spec.log_inputs = (const char *const *) model->log_names;
  model->scaling.x_mean = impl->x_mean;
  model->scaling.x_scale = impl->x_scale;
  model->scaling.u_mean = impl->u_mean;
  model->scaling.u_scale = impl->u_scale;
  model->scaling.u_log = impl->u_log;
  model->scaling.u_offset = impl->u_offset;
  model->scaling.t_scale = t_scale;
  model->initial = g_new (double, impl->net.n_weights);
  currents_mlp_init (&impl->net.shape, spec->seed, model->initial);
  return model;
}

/* Mean and scale of @n values; σ = 1 (and the mean the value itself) for a constant
 * column, the sample standard deviation otherwise. */
static void
mean_scale (const double *v,
            gsize         n,
            double       *mean,
            double       *scale)
{
  double sum = 0.0, ss = 0.0, lo = v[0], hi = v[0], mu, sd;

  for (gsize i = 0; i < n; i++)
    {
      sum += v[i];
      lo = MIN (lo, v[i]);
      hi = MAX (hi, v[i]);
    }
  if (lo == hi)
    {
      *mean = lo;
      *scale = 1.0;
      return;
    }
  mu = sum / (double) n;
  for (gsize i = 0; i < n; i++)
    ss += (v[i] - mu) * (v[i] - mu);
  sd = sqrt (ss / (double) (n - 1));
  *mean = mu;
  *scale = sd > 0.0 && isfinite (sd) ? sd : 1.0;
}

/**
 * currents_neural_model_new:
 * @dataset: the training data (states, inputs, times)
 * @spec: (nullable): the architecture; %NULL for the defaults
 *   (currents_neural_spec_init())
 * @error: return location for a %CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT error
 *
 * Makes a Neural ODE whose scaling (m_x, σ_x, u₀, m_u, σ_u, τ) comes from @dataset and
 * whose initial weights are seeded from @spec->seed (see the file's header for the
 * statistics used).
 *
 * Returns: (transfer full) (nullable): the model, or %NULL with @error set
 */
CurrentsNeuralModel *
currents_neural_model_new (const CurrentsDataset    *dataset,
                           const CurrentsNeuralSpec *spec,
                           GError                  **error)
{
  CurrentsNeuralSpec defaults;
  gsize n, m, n_traj, n_samples, pos;
  g_autofree double *x_mean = NULL, *x_scale = NULL, *u_mean = NULL, *u_scale = NULL;
  g_autofree double *u_offset = NULL, *column = NULL;
  g_autofree gboolean *u_log = NULL;
  g_autofree const char **state_names = NULL, **input_names = NULL;
  double tau = 0.0;

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (spec == NULL)
    {
      currents_neural_spec_init (&defaults);
      spec = &defaults;
    }
  n = currents_dataset_get_n_states (dataset);
  m = currents_dataset_get_n_inputs (dataset);
  n_traj = currents_dataset_get_n_trajectories (dataset);
  n_samples = currents_dataset_get_n_samples (dataset);
  if (n == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a neural model needs at least one state, and the data has none");
      return NULL;
    }
  if (n_traj == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the data set has no trajectories to take the model's scaling from");
      return NULL;
    }

  state_names = g_new0 (const char *, n + 1);
  for (gsize i = 0; i < n; i++)
    state_names[i] = currents_dataset_get_state_name (dataset, i);
  input_names = g_new0 (const char *, m + 1);
  for (gsize k = 0; k < m; k++)
    input_names[k] = currents_dataset_get_input_name (dataset, k);

  u_log = g_new0 (gboolean, MAX (m, 1));
  if (!check_spec (spec, input_names, u_log, error))
    return NULL;

  x_mean = g_new0 (double, n);
  x_scale = g_new0 (double, n);
  u_mean = g_new0 (double, MAX (m, 1));
  u_scale = g_new0 (double, MAX (m, 1));
  u_offset = g_new0 (double, MAX (m, 1));
  column = g_new (double, n_samples);

  for (gsize i = 0; i < n; i++)
    {
      pos = 0;
      for (gsize r = 0; r < n_traj; r++)
        {
          const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, r);
          const double *s = currents_trajectory_get_states (tr);

          for (gsize k = 0; k < currents_trajectory_get_n_samples (tr); k++)
            if (!isnan (s[k * n + i]))
              column[pos++] = s[k * n + i];
        }
      if (pos == 0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "state '%s' has no observed value in the data, so it cannot be "
                       "scaled", state_names[i]);
          return NULL;
        }
      mean_scale (column, pos, &x_mean[i], &x_scale[i]);
    }

  for (gsize j = 0; j < m; j++)
    {
      double lo_pos = INFINITY;

      pos = 0;
      for (gsize r = 0; r < n_traj; r++)
        {
          const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, r);
          const double *in = currents_trajectory_get_inputs (tr);

          for (gsize k = 0; k < currents_trajectory_get_n_samples (tr); k++)
            {
              double v = in[k * m + j];

              if (u_log[j] && v < 0.0)
                {
                  g_set_error (error, CURRENTS_ENGINE_ERROR,
                               CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                               "input '%s' cannot be log-scaled: it has a negative level "
                               "(%g in trajectory \"%s\")", input_names[j], v,
                               currents_trajectory_get_id (tr));
                  return NULL;
                }
              if (v > 0.0)
                lo_pos = MIN (lo_pos, v);
              column[pos++] = v;
            }
        }
      if (u_log[j])
        {
          if (!isfinite (lo_pos))
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR,
                           CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                           "input '%s' cannot be log-scaled: it is never positive in the "
                           "data", input_names[j]);
              return NULL;
            }
          u_offset[j] = lo_pos;
          for (gsize k = 0; k < pos; k++)
            column[k] = log10 (column[k] + lo_pos);
        }
      mean_scale (column, pos, &u_mean[j], &u_scale[j]);
    }

  /* τ: the time in which the states typically move by one standard deviation,
   * τ_i = σ_i / rms(Δx_i/Δt) over secants of observed samples at least D/20 apart (D the
   * mean trajectory duration), τ the geometric mean of
   * the τ_i (states that never move are left out), kept within [D/1000, D]. Then g_θ's outputs are O(1) whatever the system's speed:
   * taking τ = D instead makes fast systems need large outputs, and training stalls. */
  {
    double duration = 0.0, log_sum = 0.0;
    gsize n_tau = 0;

    for (gsize r = 0; r < n_traj; r++)
      {
        const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, r);
        const double *t = currents_trajectory_get_times (tr);

        duration += t[currents_trajectory_get_n_samples (tr) - 1] - t[0];
      }
    duration /= (double) n_traj;
    for (gsize i = 0; i < n; i++)
      {
        double ss = 0.0;
        gsize count = 0;

        for (gsize r = 0; r < n_traj; r++)
          {
            const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, r);
            const double *t = currents_trajectory_get_times (tr);
            const double *s = currents_trajectory_get_states (tr);

            gsize a = G_MAXSIZE;

            /* secants at least D/20 apart, so measurement noise over close samples does
             * not pass for speed */
            for (gsize k = 0; k < currents_trajectory_get_n_samples (tr); k++)
              {
                double slope;

                if (isnan (s[k * n + i]))
                  continue;
                if (a == G_MAXSIZE)
                  {
                    a = k;
                    continue;
                  }
                if (t[k] - t[a] < duration / 20.0)
                  continue;
                slope = (s[k * n + i] - s[a * n + i]) / (t[k] - t[a]);
                ss += slope * slope;
                count++;
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
    tau = n_tau > 0 ? exp (log_sum / (double) n_tau) : duration;
    if (duration > 0.0 && isfinite (duration))
      tau = CLAMP (tau, duration / 1000.0, duration);
  }
  if (!(tau > 0.0) || !isfinite (tau))
    tau = 1.0;

  return model_build (state_names, input_names, spec, x_mean, x_scale, u_mean, u_scale,
                      u_log, u_offset, tau);
}

static gboolean
check_positive (const double *v,
                gsize         n,
                const char   *what,
                const char *const *names,
                GError      **error)
{
  for (gsize i = 0; i < n; i++)
    if (!(v[i] > 0.0) || !isfinite (v[i]))
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "the %s of '%s' is %g; it must be a finite positive number", what,
                     names[i], v[i]);
        return FALSE;
      }
  return TRUE;
}

static gboolean
check_finite (const double *v,
              gsize         n,
              const char   *what,
              const char *const *names,
              GError      **error)
{
  for (gsize i = 0; i < n; i++)
    if (!isfinite (v[i]))
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "the %s of '%s' is not finite", what, names[i]);
        return FALSE;
      }
  return TRUE;
}

/**
 * currents_neural_model_new_full:
 * @state_names: %NULL-terminated state names (at least one)
 * @input_names: (nullable): %NULL-terminated input names
 * @spec: the architecture; @spec->log_inputs must name exactly the inputs whose
 *   @scaling->u_log is %TRUE
 * @scaling: the scaling; @u_log may be %NULL (then taken from @spec->log_inputs), the
 *   input arrays may be %NULL when there are no inputs, @u_offset may be %NULL when no
 *   input is log-scaled
 * @error: return location for a %CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT error
 *
 * Makes a Neural ODE from explicit pieces, as a loader needs. Arrays are copied.
 *
 * Returns: (transfer full) (nullable): the model, or %NULL with @error set
 */
CurrentsNeuralModel *
currents_neural_model_new_full (const char *const           *state_names,
                                const char *const           *input_names,
                                const CurrentsNeuralSpec    *spec,
                                const CurrentsNeuralScaling *scaling,
                                GError                     **error)
{
  gsize n, m;
  g_autofree gboolean *from_spec = NULL;

  g_return_val_if_fail (spec != NULL && scaling != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  n = state_names != NULL ? g_strv_length ((char **) state_names) : 0;
  m = input_names != NULL ? g_strv_length ((char **) input_names) : 0;
  if (n == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a neural model needs at least one state");
      return NULL;
    }
  if (!check_names (state_names, "state", error) || !check_names (input_names, "input", error))
    return NULL;
  from_spec = g_new0 (gboolean, MAX (m, 1));
  if (!check_spec (spec, input_names, from_spec, error))
    return NULL;
  if (scaling->x_mean == NULL || scaling->x_scale == NULL
      || (m > 0 && (scaling->u_mean == NULL || scaling->u_scale == NULL)))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the scaling is incomplete (means and scales of every state and input "
                   "are needed)");
      return NULL;
    }
  if (!check_finite (scaling->x_mean, n, "mean", state_names, error)
      || !check_positive (scaling->x_scale, n, "scale", state_names, error)
      || !check_finite (scaling->u_mean, m, "mean", input_names, error)
      || !check_positive (scaling->u_scale, m, "scale", input_names, error))
    return NULL;
  if (!(scaling->t_scale > 0.0) || !isfinite (scaling->t_scale))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the time scale is %g; it must be a finite positive number",
                   scaling->t_scale);
      return NULL;
    }
  for (gsize k = 0; k < m; k++)
    {
      gboolean lg = scaling->u_log != NULL ? scaling->u_log[k] : from_spec[k];

      if (!lg != !from_spec[k])
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "input '%s' is %s in the scaling but %s in the architecture's log "
                       "inputs", input_names[k], lg ? "log-scaled" : "not log-scaled",
                       from_spec[k] ? "listed" : "not listed");
          return NULL;
        }
      if (lg && (scaling->u_offset == NULL || !(scaling->u_offset[k] > 0.0)
                 || !isfinite (scaling->u_offset[k])))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the log offset u₀ of input '%s' must be a finite positive number",
                       input_names[k]);
          return NULL;
        }
    }

  return model_build (state_names, input_names, spec, scaling->x_mean, scaling->x_scale,
                      scaling->u_mean, scaling->u_scale, from_spec, scaling->u_offset,
                      scaling->t_scale);
}

/**
 * currents_neural_model_free:
 * @model: (nullable): a model
 *
 * Frees @model and drops its reference on its field.
 */
void
currents_neural_model_free (CurrentsNeuralModel *model)
{
  if (model == NULL)
    return;
  currents_field_unref (model->field);
  g_strfreev (model->log_names);
  g_strfreev (model->state_names);
  g_strfreev (model->input_names);
  g_free (model->initial);
  g_free (model);
}

/**
 * currents_neural_model_get_field:
 * @model: a model
 *
 * Returns: (transfer none): the model's vector field (autonomous; p = θ)
 */
CurrentsField *
currents_neural_model_get_field (const CurrentsNeuralModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return model->field;
}

/**
 * currents_neural_model_get_spec:
 * @model: a model
 *
 * Returns: (transfer none): the architecture; its log_inputs are the inputs' names as
 *   the model spells them
 */
const CurrentsNeuralSpec *
currents_neural_model_get_spec (const CurrentsNeuralModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return &model->spec;
}

/**
 * currents_neural_model_get_scaling:
 * @model: a model
 *
 * Returns: (transfer none): the scaling (arrays owned by @model)
 */
const CurrentsNeuralScaling *
currents_neural_model_get_scaling (const CurrentsNeuralModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return &model->scaling;
}

/**
 * currents_neural_model_get_n_states:
 * @model: a model
 *
 * Returns: n, the number of states (network outputs)
 */
gsize
currents_neural_model_get_n_states (const CurrentsNeuralModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->impl->n;
}

/**
 * currents_neural_model_get_n_inputs:
 * @model: a model
 *
 * Returns: m, the number of inputs
 */
gsize
currents_neural_model_get_n_inputs (const CurrentsNeuralModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->impl->m;
}

/**
 * currents_neural_model_get_state_names:
 * @model: a model
 *
 * Returns: (transfer none): the %NULL-terminated state names
 */
const char *const *
currents_neural_model_get_state_names (const CurrentsNeuralModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return (const char *const *) model->state_names;
}

/**
 * currents_neural_model_get_input_names:
 * @model: a model
 *
 * Returns: (transfer none): the %NULL-terminated input names (empty when none)
 */
const char *const *
currents_neural_model_get_input_names (const CurrentsNeuralModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return (const char *const *) model->input_names;
}

/**
 * currents_neural_model_get_n_params:
 * @model: a model
 *
 * Returns: the number of network weights, the length of θ
 */
gsize
currents_neural_model_get_n_params (const CurrentsNeuralModel *model)
{
  g_return_val_if_fail (model != NULL, 0);
  return model->impl->net.n_weights;
}

/**
 * currents_neural_model_get_initial_params:
 * @model: a model
 *
 * Returns: (transfer none): θ as initialised from the spec's seed (PyTorch's uniform
 *   ±1/√fan_in, see currents_mlp_init())
 */
const double *
currents_neural_model_get_initial_params (const CurrentsNeuralModel *model)
{
  g_return_val_if_fail (model != NULL, NULL);
  return model->initial;
}
