/* currents-loss.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 *   J(θ) = (1/N) Σ_r Σ_k Σ_i w_i (x_i^r(t_k; θ) − y_ik^r)² + λ Σ_{j trainable} θ_j²
 *   dJ/dθ = (1/N) Σ_r dL_r/dθ + 2λθ        (dL_r/dθ from currents-adjoint)
 *
 * Conservation penalties add Σ_c λ_c (1/N_c) Σ_{x ∈ C} (∇q_c(x)·f(t, x, u; θ))² over the
 * collocation points C (complete data samples, and predicted states at the sample times).
 * They are summed with the squared errors, scaled by s_c = λ_c N / N_c so that the common
 * division by N leaves λ_c/N_c: at predicted states inside the observation callback (so
 * ∂/∂x goes back through the adjoint, and the direct ∂/∂θ is kept per lane and added only
 * when the solve succeeds), at data states after the solve.
 *
 * Work is cut into blocks of CURRENTS_LOSS_BLOCK trajectories of the batch, in batch
 * order; each block's sums go to its own buffer and the blocks are added in order at
 * the end. Threads take blocks from a shared counter, so which thread ran a block never
 * changes a bit of the result; the caller takes blocks too and waits only for the blocks
 * others took, never for a worker that has not woken up (on a busy machine it then runs
 * them all itself).
 *
 * Stacking. Within a block, the trajectories whose inputs are constant are integrated
 * together, as one system of dimension B·n (currents-stack.h) with shared steps, when
 *
 *   - the field is autonomous and evaluates batches itself (the neural field: each
 *     stage is then one matrix product per layer for all B trajectories),
 *   - the gradient method is DISCRETE and the solver not stiff.
 *
 * An autonomous field with constant inputs has solutions that depend on t − t0 only, so
 * every trajectory is shifted to start at 0; the stacked system is observed at the union
 * of the shifted sample times (x_r at trajectory r's own times, the others' rows weigh
 * nothing there). DISCRETE does not stop at observations (they come from the dense
 * output), so the union adds no steps; the continuous adjoints stop at every observation
 * backwards, where a union of B grids would multiply their steps, so they run one
 * trajectory at a time. The error norm is the largest of the trajectories' own RMS norms
 * (_currents_adjoint_set_group_size()), so the step sizes are those the most demanding
 * trajectory of the block would take alone: the loss agrees with the one-at-a-time loss
 * to the solver's tolerance, not bit for bit. The same blocks are stacked whether or not
 * a gradient is wanted, and whatever the thread count. When a stacked solve fails (a
 * trajectory that blows up, say), its trajectories are run one at a time instead, so
 * results and messages are those of the plain path.
 */
#define G_LOG_DOMAIN "currents-loss"

#include "config.h"

#include <math.h>
#include <string.h>

#include "currents-adjoint-private.h"
#include "currents-conserved-quantity.h"
#include "currents-error.h"
#include "currents-loss.h"
#include "currents-mlp.h"
#include "currents-stack.h"

/* Trajectories per block: the unit of work of a thread and of stacking. 8 keeps the
 * neural field's matrix products efficient and gives 2 threads one block each on 16. */
#define CURRENTS_LOSS_BLOCK 8

typedef struct _Worker Worker;

/* What one thread needs to run blocks: a workspace for single trajectories, one per
 * stacked size (made on first use) and the merged observation grid of a block. */
typedef struct
{
  CurrentsAdjoint *adjoint;
  CurrentsAdjoint *stacked[CURRENTS_LOSS_BLOCK + 1];
  double          *x0;          /* BLOCK × n */
  double          *gx0;         /* BLOCK × n */
  double          *u;           /* BLOCK × m */
  gsize            cap;         /* entries the arrays below hold */
  double          *times;       /* union of the shifted times */
  gsize           *first;       /* per union time: its first entry (K + 1) */
  guint           *entry_row;   /* entry: the block row observed … */
  gsize           *entry_k;     /* … and its sample */
  /* conservation penalties */
  CurrentsFieldWorkspace *fws;
  GPtrArray       *cws;         /* a CurrentsConservedQuantityWorkspace per quantity */
  double          *pf;          /* n: f at a collocation point */
  double          *pgq;         /* n: ∇q */
  double          *phv;         /* n: H_q f */
  double          *pw;          /* n: Σ_c 2 s_c q̇_c ∇q_c */
  double          *pu;          /* m */
  double          *pgp;         /* k: the penalty's direct dJ/dp along a run */
} Lane;

struct _CurrentsLoss
{
  CurrentsField          *field;
  const CurrentsDataset  *dataset;
  CurrentsLossOptions     options;
  gsize                   n;
  gsize                   m;
  gsize                   k;           /* field parameters */
  gsize                   n_traj;
  gsize                   n_params;    /* k (+ n·n_traj when learning initial states) */
  double                 *weights;     /* n */
  double                 *x0;          /* n_traj × n */
  double                **obs;         /* per trajectory: n_samples × n, model order */
  CurrentsInputSignal   **signals;     /* per trajectory, or NULL when m = 0 */
  gboolean                stackable;   /* the field and method allow stacking */
  gboolean               *const_input; /* per trajectory: inputs constant over time */
  double                 *u_const;     /* n_traj × m: those constant inputs */
  CurrentsField          *stack_fields[CURRENTS_LOSS_BLOCK + 1];  /* by size, ≥ 2 */
  char                  **state_names;
  GPtrArray              *cons;        /* CurrentsConservedQuantity */
  GArray                 *cons_weight; /* double: λ_c */
  gsize                  *n_full;      /* per trajectory: samples with every state seen */
  double                 *pen_scale;   /* per quantity, for the job: λ_c · N_obs / N_c */

  /* workers */
  guint                   n_workers;   /* threads besides the caller */
  Worker                 *workers;
  Lane                    own;         /* the caller's */
  GMutex                  mutex;
  GCond                   cond_work;
  GCond                   cond_done;
  guint                   generation;  /* of the job in flight */
  gboolean                quit;

  /* the job in flight */
  const double           *job_theta;
  const gsize            *job_traj;
  gsize                   job_n;
  gboolean                job_grad;
  GCancellable           *job_cancel;
  gsize                   next_block;  /* the next block to take; under the mutex */
  gsize                   n_blocks;
  gsize                   blocks_done; /* under the mutex */

  /* per-block results */
  gsize                   max_blocks;
  double                 *block_grad;  /* max_blocks × n_params */
  double                 *block_obj;
  double                 *block_sse;
  double                 *block_pen;
  gsize                  *block_nfe_f;
  gsize                  *block_nfe_b;
  gsize                  *block_steps;
  gsize                  *block_stacked;
  GError                **block_error;
};

struct _Worker
{
  CurrentsLoss    *loss;
  Lane             lane;
  GThread         *thread;
};

typedef struct
{
  const double *y;        /* n_samples × n observations (NaN = missing) */
  const double *w;
  gsize         n;
  double        sse;      /* unweighted, data units */
  /* the penalty at the predicted states (pen_scale NULL: none) */
  CurrentsLoss              *loss;
  Lane                      *lane;
  const double              *theta;
  const CurrentsInputSignal *signal;
  const double              *pen_scale;
  double                     pen;
} ObsClosure;

static double point_penalty (CurrentsLoss *loss, Lane *lane, const double *scale, double t,
                             const double *x, const double *u, const double *theta,
                             double *dldx, double *gp);

static double
squared_error (gsize         k,
               double        t,
               const double *x,
               double       *dldx,
               gpointer      user_data)
{
  ObsClosure *c = user_data;
  const double *y = c->y + k * c->n;
  double l = 0.0;

  for (gsize i = 0; i < c->n; i++)
    {
      if (isnan (y[i]))
        {
          if (dldx != NULL)
            dldx[i] = 0.0;
          continue;
        }
      {
        double r = x[i] - y[i];
        l += c->w[i] * r * r;
        c->sse += r * r;
        if (dldx != NULL)
          dldx[i] = 2.0 * c->w[i] * r;
      }
    }
  if (c->pen_scale != NULL)
    {
      double *u = NULL, p;

      if (c->loss->m > 0)
        {
          u = c->lane->pu;
          currents_input_signal_eval (c->signal, t, u);
        }
      p = point_penalty (c->loss, c->lane, c->pen_scale, t, x, u, c->theta, dldx,
                         dldx != NULL ? c->lane->pgp : NULL);
      c->pen += p;
      l += p;
    }
  return l;
}

void
currents_loss_options_init (CurrentsLossOptions *options)
{
  memset (options, 0, sizeof *options);
  currents_adjoint_options_init (&options->adjoint);
  options->weight_decay = 0.0;
  options->learn_initial = FALSE;
  options->n_threads = 0;
}

static int
find_name (const char *const *names,
           gsize              n,
           const char        *name)
{
  for (gsize i = 0; i < n; i++)
    if (g_ascii_strcasecmp (names[i], name) == 0)
      return (int) i;
  return -1;
}

static void run_block (CurrentsLoss *loss, Lane *lane, gsize b);

/* The next block of job @gen, or G_MAXSIZE when its blocks are all taken (or it is
 * over: a worker that wakes late finds nothing, and nobody waits for it). */
static gsize
claim_block (CurrentsLoss *loss,
             guint         gen)
{
  gsize b = G_MAXSIZE;

  g_mutex_lock (&loss->mutex);
  if (loss->generation == gen && loss->next_block < loss->n_blocks)
    b = loss->next_block++;
  g_mutex_unlock (&loss->mutex);
  return b;
}

static void
run_blocks (CurrentsLoss *loss,
            Lane         *lane,
            guint         gen)
{
  gsize b;

  while ((b = claim_block (loss, gen)) != G_MAXSIZE)
    {
      run_block (loss, lane, b);
      g_mutex_lock (&loss->mutex);
      if (++loss->blocks_done == loss->n_blocks)
        g_cond_signal (&loss->cond_done);
      g_mutex_unlock (&loss->mutex);
    }
}

static gpointer
worker_main (gpointer data)
{
  Worker *w = data;
  CurrentsLoss *loss = w->loss;
  guint seen = 0;

  g_mutex_lock (&loss->mutex);
  for (;;)
    {
      while (!loss->quit && loss->generation == seen)
        g_cond_wait (&loss->cond_work, &loss->mutex);
      if (loss->quit)
        break;
      seen = loss->generation;
      g_mutex_unlock (&loss->mutex);
      run_blocks (loss, &w->lane, seen);
      g_mutex_lock (&loss->mutex);
    }
  g_mutex_unlock (&loss->mutex);
  return NULL;
}

static void
lane_init (Lane                      *lane,
           CurrentsField             *field,
           const CurrentsLossOptions *options)
{
  const gsize n = currents_field_get_n_states (field);
  const gsize m = currents_field_get_n_inputs (field);

  memset (lane, 0, sizeof *lane);
  lane->adjoint = currents_adjoint_new (field, &options->adjoint);
  lane->x0 = g_new0 (double, CURRENTS_LOSS_BLOCK * MAX (n, 1));
  lane->gx0 = g_new0 (double, CURRENTS_LOSS_BLOCK * MAX (n, 1));
  lane->u = g_new0 (double, CURRENTS_LOSS_BLOCK * MAX (m, 1));
  lane->fws = currents_field_workspace_new (field);
  lane->cws = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_conserved_quantity_workspace_free);
  lane->pf = g_new0 (double, MAX (n, 1));
  lane->pgq = g_new0 (double, MAX (n, 1));
  lane->phv = g_new0 (double, MAX (n, 1));
  lane->pw = g_new0 (double, MAX (n, 1));
  lane->pu = g_new0 (double, MAX (m, 1));
  lane->pgp = g_new0 (double, MAX (currents_field_get_n_params (field), 1));
}

static void
lane_clear (Lane *lane)
{
  currents_adjoint_free (lane->adjoint);
  for (gsize b = 0; b <= CURRENTS_LOSS_BLOCK; b++)
    currents_adjoint_free (lane->stacked[b]);
  g_free (lane->x0);
  g_free (lane->gx0);
  g_free (lane->u);
  g_free (lane->times);
  g_free (lane->first);
  g_free (lane->entry_row);
  g_free (lane->entry_k);
  currents_field_workspace_free (lane->fws);
  g_ptr_array_unref (lane->cws);
  g_free (lane->pf);
  g_free (lane->pgq);
  g_free (lane->phv);
  g_free (lane->pw);
  g_free (lane->pu);
  g_free (lane->pgp);
}

/* Room for a block of @n_entries observations (geometric growth, once in a while). */
static void
lane_reserve (Lane  *lane,
              gsize  n_entries)
{
  if (n_entries <= lane->cap)
    return;
  lane->cap = MAX (n_entries, 2 * lane->cap);
  lane->times = g_renew (double, lane->times, lane->cap);
  lane->first = g_renew (gsize, lane->first, lane->cap + 1);
  lane->entry_row = g_renew (guint, lane->entry_row, lane->cap);
  lane->entry_k = g_renew (gsize, lane->entry_k, lane->cap);
}

CurrentsLoss *
currents_loss_new (CurrentsField             *field,
                   const char *const         *state_names,
                   const char *const         *input_names,
                   const double              *input_defaults,
                   const double              *initial_defaults,
                   const CurrentsDataset     *dataset,
                   const CurrentsLossOptions *options,
                   GError                   **error)
{
  g_autoptr(CurrentsLoss) loss = NULL;
  const char *file = currents_dataset_get_filename (dataset);
  gsize n = currents_field_get_n_states (field);
  gsize m = currents_field_get_n_inputs (field);
  gsize ds_n = currents_dataset_get_n_states (dataset);
  gsize ds_m = currents_dataset_get_n_inputs (dataset);
  g_autofree int *state_col = g_new0 (int, MAX (n, 1));
  g_autofree int *input_col = g_new0 (int, MAX (m, 1));
  gsize n_observed = 0;
  guint n_threads;

  if (file == NULL)
    file = "the data";

  /* Every data column must mean something to the model. */
  for (gsize c = 0; c < ds_n; c++)
    if (find_name (state_names, n, currents_dataset_get_state_name (dataset, c)) < 0)
      {
        g_autofree char *list = g_strjoinv (", ", (char **) state_names);
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "%s: the column '%s' is not a state of the model (its states: %s); "
                     "mark it as an input or ignore it",
                     file, currents_dataset_get_state_name (dataset, c), list);
        return NULL;
      }
  for (gsize c = 0; c < ds_m; c++)
    if (input_names == NULL ||
        find_name (input_names, m, currents_dataset_get_input_name (dataset, c)) < 0)
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "%s: the input column '%s' is not an input of the model%s",
                     file, currents_dataset_get_input_name (dataset, c),
                     m == 0 ? " (it has none)" : "");
        return NULL;
      }
  for (gsize i = 0; i < n; i++)
    state_col[i] = currents_dataset_find_state (dataset, state_names[i]);
  for (gsize j = 0; j < m; j++)
    {
      input_col[j] = currents_dataset_find_input (dataset, input_names[j]);
      if (input_col[j] < 0 && input_defaults == NULL)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "%s: the model's input '%s' has no column in the data and no "
                       "default value", file, input_names[j]);
          return NULL;
        }
    }

  loss = g_new0 (CurrentsLoss, 1);
  g_mutex_init (&loss->mutex);
  g_cond_init (&loss->cond_work);
  g_cond_init (&loss->cond_done);
  loss->field = currents_field_ref (field);
  loss->dataset = dataset;
  loss->options = *options;
  loss->n = n;
  loss->m = m;
  loss->k = currents_field_get_n_params (field);
  loss->n_traj = currents_dataset_get_n_trajectories (dataset);
  loss->n_params = loss->k + (options->learn_initial ? n * loss->n_traj : 0);
  loss->weights = g_new0 (double, MAX (n, 1));
  loss->x0 = g_new0 (double, MAX (n * loss->n_traj, 1));
  loss->obs = g_new0 (double *, MAX (loss->n_traj, 1));
  loss->signals = g_new0 (CurrentsInputSignal *, MAX (loss->n_traj, 1));
  loss->const_input = g_new0 (gboolean, MAX (loss->n_traj, 1));
  loss->u_const = g_new0 (double, MAX (loss->n_traj * m, 1));
  loss->state_names = g_new0 (char *, n + 1);
  for (gsize i = 0; i < n; i++)
    loss->state_names[i] = g_strdup (state_names[i]);
  loss->cons = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_conserved_quantity_free);
  loss->cons_weight = g_array_new (FALSE, FALSE, sizeof (double));
  loss->n_full = g_new0 (gsize, MAX (loss->n_traj, 1));

  for (gsize i = 0; i < n; i++)
    {
      CurrentsColumnStats s;
      double var;

      loss->weights[i] = 1.0;
      if (state_col[i] < 0 || options->unit_weights)
        continue;
      currents_dataset_get_state_stats (dataset, (gsize) state_col[i], &s);
      var = s.sd * s.sd;
      if (isfinite (var) && var > 0.0)
        loss->weights[i] = 1.0 / var;
    }

  for (gsize r = 0; r < loss->n_traj; r++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, r);
      gsize ns = currents_trajectory_get_n_samples (tr);
      const double *ys = currents_trajectory_get_states (tr);
      const double *us = currents_trajectory_get_inputs (tr);
      double *y;

      if (ns < 2)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "%s: trajectory '%s' has %" G_GSIZE_FORMAT " sample%s; training needs "
                       "at least two per trajectory", file, currents_trajectory_get_id (tr),
                       ns, ns == 1 ? "" : "s");
          return NULL;
        }
      y = loss->obs[r] = g_new (double, ns * n);
      for (gsize s = 0; s < ns; s++)
        {
          gsize seen = 0;

          for (gsize i = 0; i < n; i++)
            {
              y[s * n + i] = state_col[i] >= 0 ? ys[s * ds_n + state_col[i]] : NAN;
              if (!isnan (y[s * n + i]))
                seen++;
            }
          n_observed += seen;
          if (seen == n)
            loss->n_full[r]++;
        }
      /* x0: the first observation of each state (the first sample where it is seen) */
      for (gsize i = 0; i < n; i++)
        {
          double v = NAN;

          for (gsize s = 0; s < ns && isnan (v); s++)
            v = y[s * n + i];
          if (isnan (v))
            {
              if (initial_defaults != NULL)
                v = initial_defaults[i];
              else if (state_col[i] >= 0)
                {
                  CurrentsColumnStats st;
                  currents_dataset_get_state_stats (dataset, (gsize) state_col[i], &st);
                  v = st.mean;
                }
            }
          if (!isfinite (v))
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                           "%s: trajectory '%s' gives no initial value for '%s' (it is never "
                           "observed and the model has no default)", file,
                           currents_trajectory_get_id (tr), state_names[i]);
              return NULL;
            }
          loss->x0[r * n + i] = v;
        }
      if (m > 0)
        {
          /* the trajectory's inputs in the model's order (defaults where absent) */
          g_autofree double *u = g_new (double, ns * m);

          for (gsize s = 0; s < ns; s++)
            for (gsize j = 0; j < m; j++)
              u[s * m + j] = input_col[j] >= 0 ? us[s * ds_m + input_col[j]]
                                                : input_defaults[j];
          loss->signals[r] = currents_input_signal_new (m, ns, currents_trajectory_get_times (tr),
                                                        u);
          memcpy (loss->u_const + r * m, u, m * sizeof (double));
          loss->const_input[r] = TRUE;
          for (gsize s = 1; s < ns && loss->const_input[r]; s++)
            loss->const_input[r] = memcmp (u + s * m, u, m * sizeof (double)) == 0;
        }
      else
        loss->const_input[r] = TRUE;
    }
  if (n_observed == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%s: no state of the model is observed in the data", file);
      return NULL;
    }

  loss->max_blocks = (loss->n_traj + CURRENTS_LOSS_BLOCK - 1) / CURRENTS_LOSS_BLOCK;
  loss->block_grad = g_new0 (double, MAX (loss->max_blocks * loss->n_params, 1));
  loss->block_obj = g_new0 (double, loss->max_blocks);
  loss->block_sse = g_new0 (double, loss->max_blocks);
  loss->block_pen = g_new0 (double, loss->max_blocks);
  loss->block_nfe_f = g_new0 (gsize, loss->max_blocks);
  loss->block_nfe_b = g_new0 (gsize, loss->max_blocks);
  loss->block_steps = g_new0 (gsize, loss->max_blocks);
  loss->block_stacked = g_new0 (gsize, loss->max_blocks);
  loss->block_error = g_new0 (GError *, loss->max_blocks);

  loss->stackable = !options->unstacked && !options->adjoint.stiff
                    && options->adjoint.method == CURRENTS_GRADIENT_DISCRETE
                    && currents_field_is_autonomous (field)
                    && currents_field_has_batch (field);
  if (loss->stackable)
    for (gsize b = 2; b <= CURRENTS_LOSS_BLOCK; b++)
      loss->stack_fields[b] = currents_stack_field_new (field, b);

  /* before any thread calls BLAS */
  currents_mlp_blas_init ();
  lane_init (&loss->own, field, options);
  n_threads = options->n_threads > 0 ? options->n_threads : g_get_num_processors ();
  n_threads = MIN (n_threads, (guint) MAX (loss->max_blocks, 1));
  loss->n_workers = n_threads > 1 ? n_threads - 1 : 0;
  loss->workers = g_new0 (Worker, MAX (loss->n_workers, 1));
  for (guint w = 0; w < loss->n_workers; w++)
    {
      loss->workers[w].loss = loss;
      lane_init (&loss->workers[w].lane, field, options);
      loss->workers[w].thread = g_thread_new ("currents-loss", worker_main, &loss->workers[w]);
    }
  return g_steal_pointer (&loss);
}

void
currents_loss_free (CurrentsLoss *loss)
{
  if (loss == NULL)
    return;
  if (loss->workers != NULL)
    {
      g_mutex_lock (&loss->mutex);
      loss->quit = TRUE;
      g_cond_broadcast (&loss->cond_work);
      g_mutex_unlock (&loss->mutex);
      for (guint w = 0; w < loss->n_workers; w++)
        {
          g_thread_join (loss->workers[w].thread);
          lane_clear (&loss->workers[w].lane);
        }
      g_free (loss->workers);
    }
  if (loss->own.adjoint != NULL)
    lane_clear (&loss->own);
  for (gsize b = 0; b <= CURRENTS_LOSS_BLOCK; b++)
    if (loss->stack_fields[b] != NULL)
      currents_field_unref (loss->stack_fields[b]);
  g_free (loss->const_input);
  g_free (loss->u_const);
  g_strfreev (loss->state_names);
  if (loss->cons != NULL)
    g_ptr_array_unref (loss->cons);
  if (loss->cons_weight != NULL)
    g_array_unref (loss->cons_weight);
  g_free (loss->n_full);
  g_free (loss->pen_scale);
  for (gsize r = 0; r < loss->n_traj; r++)
    {
      if (loss->obs != NULL)
        g_free (loss->obs[r]);
      if (loss->signals != NULL)
        currents_input_signal_free (loss->signals[r]);
    }
  g_free (loss->obs);
  g_free (loss->signals);
  g_free (loss->weights);
  g_free (loss->x0);
  g_free (loss->block_grad);
  g_free (loss->block_obj);
  g_free (loss->block_sse);
  g_free (loss->block_pen);
  g_free (loss->block_nfe_f);
  g_free (loss->block_nfe_b);
  g_free (loss->block_steps);
  g_free (loss->block_stacked);
  if (loss->block_error != NULL)
    for (gsize b = 0; b < loss->max_blocks; b++)
      g_clear_error (&loss->block_error[b]);
  g_free (loss->block_error);
  currents_field_unref (loss->field);
  g_mutex_clear (&loss->mutex);
  g_cond_clear (&loss->cond_work);
  g_cond_clear (&loss->cond_done);
  g_free (loss);
}

gsize
currents_loss_get_n_params (const CurrentsLoss *loss)
{
  return loss->n_params;
}

gsize
currents_loss_get_n_trajectories (const CurrentsLoss *loss)
{
  return loss->n_traj;
}

void
currents_loss_set_weights_from (CurrentsLoss *loss,
                                const gsize  *traj,
                                gsize         n_traj)
{
  if (loss->options.unit_weights)
    return;
  for (gsize i = 0; i < loss->n; i++)
    {
      double mean = 0.0, m2 = 0.0;
      gsize count = 0;

      /* Welford's running variance over the observed values */
      for (gsize q = 0; q < n_traj; q++)
        {
          const CurrentsTrajectory *tr = currents_dataset_get_trajectory (loss->dataset, traj[q]);
          gsize ns = currents_trajectory_get_n_samples (tr);
          const double *y = loss->obs[traj[q]];

          for (gsize s = 0; s < ns; s++)
            {
              double v = y[s * loss->n + i], d;

              if (isnan (v))
                continue;
              count++;
              d = v - mean;
              mean += d / (double) count;
              m2 += d * (v - mean);
            }
        }
      loss->weights[i] = 1.0;
      if (count > 1 && m2 > 0.0 && isfinite (m2))
        loss->weights[i] = (double) (count - 1) / m2;
    }
}

gsize
currents_loss_get_n_states (const CurrentsLoss *loss)
{
  return loss->n;
}

gssize
currents_loss_get_initial_index (const CurrentsLoss *loss,
                                 gsize               r)
{
  if (!loss->options.learn_initial || r >= loss->n_traj)
    return -1;
  return (gssize) (loss->k + r * loss->n);
}

const double *
currents_loss_get_weights (const CurrentsLoss *loss)
{
  return loss->weights;
}

void
currents_loss_init_params (const CurrentsLoss *loss,
                           const double       *field_params,
                           double             *theta)
{
  if (loss->k > 0)
    memcpy (theta, field_params, loss->k * sizeof (double));
  if (loss->options.learn_initial)
    memcpy (theta + loss->k, loss->x0, loss->n * loss->n_traj * sizeof (double));
}

static const double *
initial_state (const CurrentsLoss *loss,
               const double       *theta,
               gsize               r)
{
  return loss->options.learn_initial ? theta + loss->k + r * loss->n : loss->x0 + r * loss->n;
}

/* The penalty at one collocation point (t, x, u):
 *
 *   P = Σ_c s_c q̇_c²,   q̇_c = ∇q_c(x)·f(t, x, u, θ),
 *
 * and, when @dldx is not NULL, dP/dx added to it, dP/dθ to @gp (k values):
 *
 *   dP/dx = Σ_c 2 s_c q̇_c (H_{q_c} f + (∂f/∂x)ᵀ∇q_c),   dP/dθ = (∂f/∂θ)ᵀ Σ_c 2 s_c q̇_c ∇q_c
 *
 * (one VJP of the field for all quantities). */
static double
point_penalty (CurrentsLoss *loss,
               Lane         *lane,
               const double *scale,
               double        t,
               const double *x,
               const double *u,
               const double *theta,
               double       *dldx,
               double       *gp)
{
  const gsize n = loss->n;
  const gboolean want = dldx != NULL || gp != NULL;
  double pen = 0.0;

  currents_field_eval (lane->fws, t, x, u, theta, lane->pf);
  if (want)
    memset (lane->pw, 0, n * sizeof (double));
  for (guint c = 0; c < loss->cons->len; c++)
    {
      CurrentsConservedQuantityWorkspace *cws = g_ptr_array_index (lane->cws, c);
      double rate;

      if (!want)
        {
          rate = currents_conserved_quantity_rate (cws, x, lane->pf, NULL, NULL);
          pen += scale[c] * rate * rate;
          continue;
        }
      rate = currents_conserved_quantity_rate (cws, x, lane->pf, lane->pgq,
                                         dldx != NULL ? lane->phv : NULL);
      pen += scale[c] * rate * rate;
      for (gsize i = 0; i < n; i++)
        {
          lane->pw[i] += 2.0 * scale[c] * rate * lane->pgq[i];
          if (dldx != NULL)
            dldx[i] += 2.0 * scale[c] * rate * lane->phv[i];
        }
    }
  if (want)
    currents_field_vjp (lane->fws, t, x, u, theta, lane->pw, NULL, dldx, gp);
  return pen;
}

/* The penalty at trajectory r's observed states (every state seen): the points do not
 * depend on θ, so only dP/dθ is added to @grad. */
static double
data_penalty (CurrentsLoss *loss,
              Lane         *lane,
              gsize         r,
              const double *theta,
              double       *grad)
{
  const CurrentsTrajectory *tr = currents_dataset_get_trajectory (loss->dataset, r);
  gsize ns = currents_trajectory_get_n_samples (tr);
  const double *times = currents_trajectory_get_times (tr);
  const double *y = loss->obs[r];
  double pen = 0.0;

  if (loss->n_full[r] == 0)
    return 0.0;
  for (gsize s = 0; s < ns; s++)
    {
      const double *x = y + s * loss->n;
      double *u = NULL;
      gboolean full = TRUE;

      for (gsize i = 0; i < loss->n && full; i++)
        full = !isnan (x[i]);
      if (!full)
        continue;
      if (loss->m > 0)
        {
          u = lane->pu;
          currents_input_signal_eval (loss->signals[r], times[s], u);
        }
      pen += point_penalty (loss, lane, loss->pen_scale, times[s], x, u, theta, NULL, grad);
    }
  return pen;
}

static gboolean
run_one (CurrentsLoss     *loss,
         CurrentsAdjoint  *adj,
         Lane             *lane,
         const double     *pen_scale,
         const double     *theta,
         gsize             r,
         double           *grad,
         double           *obj,
         double           *pen,
         double           *sse,
         gsize            *nfe_f,
         gsize            *nfe_b,
         gsize            *steps,
         double           *states,
         GCancellable     *cancellable,
         GError          **error)
{
  const CurrentsTrajectory *tr = currents_dataset_get_trajectory (loss->dataset, r);
  gsize ns = currents_trajectory_get_n_samples (tr);
  const double *times = currents_trajectory_get_times (tr);
  ObsClosure c = { loss->obs[r], loss->weights, loss->n, 0.0,
                   loss, lane, theta, loss->signals[r], NULL, 0.0 };
  CurrentsAdjointStats st = { 0 };
  double l = 0.0;
  double *gx0 = NULL;

  if (loss->cons->len > 0 && pen_scale != NULL)
    {
      c.pen_scale = pen_scale;
      memset (lane->pgp, 0, MAX (loss->k, 1) * sizeof (double));
    }
  if (grad != NULL && loss->options.learn_initial)
    gx0 = grad + loss->k + r * loss->n;
  if (!currents_adjoint_run (adj, initial_state (loss, theta, r), theta, loss->signals[r],
                             times[0], times, ns, squared_error, &c, &l, states,
                             grad, gx0, &st, cancellable, error))
    {
      g_prefix_error (error, "trajectory '%s': ", currents_trajectory_get_id (tr));
      return FALSE;
    }
  if (c.pen_scale != NULL)
    {
      if (grad != NULL)
        for (gsize j = 0; j < loss->k; j++)
          grad[j] += lane->pgp[j];
      {
        double dp = data_penalty (loss, lane, r, theta, grad);

        l += dp;
        c.pen += dp;
      }
    }
  *obj += l;
  *pen += c.pen;
  *sse += c.sse;
  *nfe_f += st.nfe_forward;
  *nfe_b += st.nfe_backward;
  *steps += st.n_steps_forward;
  return TRUE;
}

typedef struct
{
  const CurrentsLoss *loss;
  Lane               *lane;
  const gsize        *traj;     /* trajectory of each row */
  gsize               n_rows;
  double              sse;
  const double       *theta;
  const double       *pen_scale; /* NULL: no penalty */
  double              pen;
} StackClosure;

/* The squared error of the stacked system at union time k: the rows observed then. */
static double
stacked_squared_error (gsize         k,
                       double        t,
                       const double *x,
                       double       *dldx,
                       gpointer      user_data)
{
  StackClosure *c = user_data;
  const gsize n = c->loss->n;
  CurrentsLoss *loss = (CurrentsLoss *) c->loss;
  const double *w = c->loss->weights;
  double l = 0.0;

  if (dldx != NULL)
    memset (dldx, 0, c->n_rows * n * sizeof (double));
  for (gsize e = c->lane->first[k]; e < c->lane->first[k + 1]; e++)
    {
      const guint row = c->lane->entry_row[e];
      const double *y = c->loss->obs[c->traj[row]] + c->lane->entry_k[e] * n;
      const double *xr = x + row * n;

      for (gsize i = 0; i < n; i++)
        {
          double r;

          if (isnan (y[i]))
            continue;
          r = xr[i] - y[i];
          l += w[i] * r * r;
          c->sse += r * r;
          if (dldx != NULL)
            dldx[row * n + i] = 2.0 * w[i] * r;
        }
      if (c->pen_scale != NULL)
        {
          /* autonomous, constant inputs: t only shifted */
          double p = point_penalty (loss, c->lane, c->pen_scale, t, xr,
                                    loss->m > 0 ? loss->u_const + c->traj[row] * loss->m : NULL,
                                    c->theta, dldx != NULL ? dldx + row * n : NULL,
                                    dldx != NULL ? c->lane->pgp : NULL);
          c->pen += p;
          l += p;
        }
    }
  return l;
}

/* Merges the rows' sample times, each shifted to start at 0, into lane->times (K of
 * them; equal times become one) with the observations at each. Returns K. */
static gsize
merge_times (const CurrentsLoss *loss,
             Lane               *lane,
             const gsize        *traj,
             gsize               n_rows)
{
  const double *times[CURRENTS_LOSS_BLOCK];
  gsize ns[CURRENTS_LOSS_BLOCK], pos[CURRENTS_LOSS_BLOCK] = { 0 };
  gsize total = 0, K = 0, e = 0;

  for (gsize i = 0; i < n_rows; i++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (loss->dataset, traj[i]);

      times[i] = currents_trajectory_get_times (tr);
      ns[i] = currents_trajectory_get_n_samples (tr);
      total += ns[i];
    }
  lane_reserve (lane, total);
  for (;;)
    {
      double t_min = INFINITY;
      gboolean any = FALSE;

      for (gsize i = 0; i < n_rows; i++)
        if (pos[i] < ns[i])
          {
            const double ti = times[i][pos[i]] - times[i][0];

            if (!any || ti < t_min)
              t_min = ti;
            any = TRUE;
          }
      if (!any)
        break;
      lane->times[K] = t_min;
      lane->first[K] = e;
      for (gsize i = 0; i < n_rows; i++)
        if (pos[i] < ns[i] && times[i][pos[i]] - times[i][0] == t_min)
          {
            lane->entry_row[e] = (guint) i;
            lane->entry_k[e] = pos[i]++;
            e++;
          }
      K++;
    }
  lane->first[K] = e;
  return K;
}

/* The rows' trajectories as one stacked solve; on success their sums are added to
 * block b's. On failure nothing is added. */
static gboolean
run_stacked (CurrentsLoss  *loss,
             Lane          *lane,
             const gsize   *traj,
             gsize          n_rows,
             gsize          b,
             double        *grad,
             GError       **error)
{
  const gsize n = loss->n, m = loss->m;
  const double *theta = loss->job_theta;
  StackClosure c = { loss, lane, traj, n_rows, 0.0, theta, NULL, 0.0 };
  CurrentsAdjointStats st = { 0 };
  g_autoptr(CurrentsInputSignal) signal = NULL;
  gboolean want_x0 = grad != NULL && loss->options.learn_initial;
  CurrentsAdjoint *adj;
  double l = 0.0;
  gsize K;

  if (lane->stacked[n_rows] == NULL)
    {
      lane->stacked[n_rows] = currents_adjoint_new (loss->stack_fields[n_rows],
                                                    &loss->options.adjoint);
      _currents_adjoint_set_group_size (lane->stacked[n_rows], n);
    }
  adj = lane->stacked[n_rows];
  for (gsize i = 0; i < n_rows; i++)
    {
      memcpy (lane->x0 + i * n, initial_state (loss, theta, traj[i]), n * sizeof (double));
      if (m > 0)
        memcpy (lane->u + i * m, loss->u_const + traj[i] * m, m * sizeof (double));
    }
  if (m > 0)
    signal = currents_input_signal_new_constant (n_rows * m, lane->u);
  if (want_x0)
    memset (lane->gx0, 0, n_rows * n * sizeof (double));
  K = merge_times (loss, lane, traj, n_rows);
  if (loss->cons->len > 0)
    {
      c.pen_scale = loss->pen_scale;
      memset (lane->pgp, 0, MAX (loss->k, 1) * sizeof (double));
    }

  if (!currents_adjoint_run (adj, lane->x0, theta, signal, 0.0, lane->times, K,
                             stacked_squared_error, &c, &l, NULL, grad,
                             want_x0 ? lane->gx0 : NULL, &st, loss->job_cancel, error))
    return FALSE;

  if (want_x0)
    for (gsize i = 0; i < n_rows; i++)
      {
        double *g = grad + loss->k + traj[i] * n;

        for (gsize j = 0; j < n; j++)
          g[j] += lane->gx0[i * n + j];
      }
  if (c.pen_scale != NULL)
    {
      if (grad != NULL)
        for (gsize j = 0; j < loss->k; j++)
          grad[j] += lane->pgp[j];
      for (gsize i = 0; i < n_rows; i++)
        {
          double dp = data_penalty (loss, lane, traj[i], theta, grad);

          l += dp;
          c.pen += dp;
        }
    }
  /* counts per trajectory, as the one-at-a-time path reports them */
  loss->block_obj[b] += l;
  loss->block_pen[b] += c.pen;
  loss->block_sse[b] += c.sse;
  loss->block_nfe_f[b] += n_rows * st.nfe_forward;
  loss->block_nfe_b[b] += n_rows * st.nfe_backward;
  loss->block_steps[b] += n_rows * st.n_steps_forward;
  loss->block_stacked[b] += n_rows;
  return TRUE;
}

static void
run_block (CurrentsLoss *loss,
           Lane         *lane,
           gsize         b)
{
  gsize first = b * CURRENTS_LOSS_BLOCK;
  gsize last = MIN (first + CURRENTS_LOSS_BLOCK, loss->job_n);
  double *grad = loss->job_grad ? loss->block_grad + b * loss->n_params : NULL;
  gsize stacked[CURRENTS_LOSS_BLOCK];
  gboolean is_stacked[CURRENTS_LOSS_BLOCK] = { FALSE };
  gsize n_stacked = 0;

  loss->block_obj[b] = 0.0;
  loss->block_sse[b] = 0.0;
  loss->block_pen[b] = 0.0;
  loss->block_nfe_f[b] = loss->block_nfe_b[b] = loss->block_steps[b] = 0;
  loss->block_stacked[b] = 0;
  g_clear_error (&loss->block_error[b]);
  if (grad != NULL)
    memset (grad, 0, loss->n_params * sizeof (double));

  if (loss->stackable)
    for (gsize q = first; q < last; q++)
      if (loss->const_input[loss->job_traj[q]])
        {
          stacked[n_stacked++] = loss->job_traj[q];
          is_stacked[q - first] = TRUE;
        }
  if (n_stacked >= 2)
    {
      GError *local = NULL;

      if (!run_stacked (loss, lane, stacked, n_stacked, b, grad, &local))
        {
          if (g_error_matches (local, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED))
            {
              g_propagate_error (&loss->block_error[b], local);
              return;
            }
          /* one at a time, for the result or for the message naming the trajectory */
          g_error_free (local);
          memset (is_stacked, 0, sizeof is_stacked);
        }
    }
  else
    memset (is_stacked, 0, sizeof is_stacked);

  for (gsize q = first; q < last; q++)
    if (!is_stacked[q - first]
        && !run_one (loss, lane->adjoint, lane, loss->pen_scale, loss->job_theta,
                     loss->job_traj[q], grad, &loss->block_obj[b], &loss->block_pen[b],
                     &loss->block_sse[b], &loss->block_nfe_f[b],
                     &loss->block_nfe_b[b], &loss->block_steps[b], NULL, loss->job_cancel,
                     &loss->block_error[b]))
      return;
}

gboolean
currents_loss_eval (CurrentsLoss       *loss,
                    const double       *theta,
                    const gsize        *traj,
                    gsize               n_traj,
                    const gboolean     *trainable,
                    double             *grad,
                    CurrentsLossResult *result,
                    GCancellable       *cancellable,
                    GError            **error)
{
  gsize n_obs = 0, n_colloc = 0;
  double obj = 0.0, sse = 0.0, pen = 0.0;
  gboolean parallel;
  guint gen;

  memset (result, 0, sizeof *result);
  for (gsize q = 0; q < n_traj; q++)
    {
      const CurrentsTrajectory *tr;
      gsize ns;

      if (traj[q] >= loss->n_traj)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "trajectory index %" G_GSIZE_FORMAT " is out of range", traj[q]);
          return FALSE;
        }
      tr = currents_dataset_get_trajectory (loss->dataset, traj[q]);
      ns = currents_trajectory_get_n_samples (tr);
      for (gsize s = 0; s < ns * loss->n; s++)
        if (!isnan (loss->obs[traj[q]][s]))
          n_obs++;
      n_colloc += ns + loss->n_full[traj[q]];
    }
  if (n_traj > loss->n_traj)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the batch has %" G_GSIZE_FORMAT " trajectories, more than the data set's "
                   "%" G_GSIZE_FORMAT, n_traj, loss->n_traj);
      return FALSE;
    }
  if (n_traj == 0 || n_obs == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the batch has no observed values");
      return FALSE;
    }

  /* The penalties' scales: the blocks' sums are divided by N_obs like the squared
   * errors, so s_c = λ_c N_obs / N_c gives λ_c · mean over the N_c collocation points. */
  for (guint c = 0; c < loss->cons->len; c++)
    loss->pen_scale[c] = g_array_index (loss->cons_weight, double, c) * (double) n_obs
                         / (double) n_colloc;

  /* A new job: every block of the last one is done, and claims of it fail from now. */
  g_mutex_lock (&loss->mutex);
  loss->job_theta = theta;
  loss->job_traj = traj;
  loss->job_n = n_traj;
  loss->job_grad = grad != NULL;
  loss->job_cancel = cancellable;
  loss->n_blocks = (n_traj + CURRENTS_LOSS_BLOCK - 1) / CURRENTS_LOSS_BLOCK;
  loss->blocks_done = 0;
  gen = ++loss->generation;
  parallel = loss->n_workers > 0 && loss->n_blocks > 1;
  if (parallel)
    {
      loss->next_block = 0;
      g_cond_broadcast (&loss->cond_work);
    }
  else
    loss->next_block = loss->n_blocks;     /* all the caller's */
  g_mutex_unlock (&loss->mutex);

  if (parallel)
    {
      /* The caller takes blocks too, and waits only for blocks that others took. */
      run_blocks (loss, &loss->own, gen);
      g_mutex_lock (&loss->mutex);
      while (loss->blocks_done < loss->n_blocks)
        g_cond_wait (&loss->cond_done, &loss->mutex);
      g_mutex_unlock (&loss->mutex);
    }
  else
    for (gsize b = 0; b < loss->n_blocks; b++)
      run_block (loss, &loss->own, b);

  /* Reduce in block order; report the first failure in block order. */
  for (gsize b = 0; b < loss->n_blocks; b++)
    if (loss->block_error[b] != NULL)
      {
        g_propagate_error (error, g_steal_pointer (&loss->block_error[b]));
        for (gsize c = b + 1; c < loss->n_blocks; c++)
          g_clear_error (&loss->block_error[c]);
        return FALSE;
      }
  if (grad != NULL)
    memset (grad, 0, loss->n_params * sizeof (double));
  for (gsize b = 0; b < loss->n_blocks; b++)
    {
      obj += loss->block_obj[b];
      sse += loss->block_sse[b];
      pen += loss->block_pen[b];
      result->nfe_forward += loss->block_nfe_f[b];
      result->nfe_backward += loss->block_nfe_b[b];
      result->n_steps += loss->block_steps[b];
      result->n_stacked += loss->block_stacked[b];
      if (grad != NULL)
        {
          const double *g = loss->block_grad + b * loss->n_params;
          for (gsize j = 0; j < loss->n_params; j++)
            grad[j] += g[j];
        }
    }

  obj /= (double) n_obs;
  if (grad != NULL)
    for (gsize j = 0; j < loss->n_params; j++)
      grad[j] /= (double) n_obs;
  if (loss->options.weight_decay > 0.0)
    {
      double lam = loss->options.weight_decay, pen = 0.0;

      for (gsize j = 0; j < loss->k; j++)
        if (trainable == NULL || trainable[j])
          {
            pen += theta[j] * theta[j];
            if (grad != NULL)
              grad[j] += 2.0 * lam * theta[j];
          }
      obj += lam * pen;
    }
  result->objective = obj;
  result->mse = sse / (double) n_obs;
  result->penalty = pen / (double) n_obs;
  result->n_observed = n_obs;
  if (!isfinite (obj))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                   "the loss is not finite");
      return FALSE;
    }
  return TRUE;
}

gboolean
currents_loss_add_conservation (CurrentsLoss *loss,
                                const char   *expression,
                                double        weight,
                                GError      **error)
{
  CurrentsConservedQuantity *cons;

  g_return_val_if_fail (loss != NULL, FALSE);
  g_return_val_if_fail (expression != NULL, FALSE);

  if (!isfinite (weight) || weight < 0.0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the weight of the conserved quantity '%s' must be a number ≥ 0, not %g",
                   expression, weight);
      return FALSE;
    }
  cons = currents_conserved_quantity_new (expression, (const char *const *) loss->state_names, error);
  if (cons == NULL)
    return FALSE;
  /* No job is in flight between evaluations, so the workers' lanes may grow here. */
  g_mutex_lock (&loss->mutex);
  g_ptr_array_add (loss->cons, cons);
  g_array_append_val (loss->cons_weight, weight);
  loss->pen_scale = g_renew (double, loss->pen_scale, loss->cons->len);
  g_ptr_array_add (loss->own.cws, currents_conserved_quantity_workspace_new (cons));
  for (guint w = 0; w < loss->n_workers; w++)
    g_ptr_array_add (loss->workers[w].lane.cws, currents_conserved_quantity_workspace_new (cons));
  g_mutex_unlock (&loss->mutex);
  return TRUE;
}

gsize
currents_loss_get_n_conservations (const CurrentsLoss *loss)
{
  return loss->cons->len;
}

const char *
currents_loss_get_conservation (const CurrentsLoss *loss,
                                gsize               i,
                                double             *weight)
{
  g_return_val_if_fail (i < loss->cons->len, NULL);
  if (weight != NULL)
    *weight = g_array_index (loss->cons_weight, double, i);
  return currents_conserved_quantity_get_expression (g_ptr_array_index (loss->cons, i));
}

gboolean
currents_loss_predict (CurrentsLoss  *loss,
                       const double  *theta,
                       gsize          r,
                       double        *states,
                       GError       **error)
{
  double obj = 0, pen = 0, sse = 0;
  gsize a = 0, b = 0, c = 0;

  g_return_val_if_fail (r < loss->n_traj, FALSE);
  return run_one (loss, loss->own.adjoint, &loss->own, NULL, theta, r, NULL, &obj, &pen, &sse,
                  &a, &b, &c, states,
                  NULL, error);
}
