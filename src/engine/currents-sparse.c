/* currents-sparse.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "currents-sparse"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <lapacke.h>

#include "currents-error.h"
#include "currents-model.h"
#include "currents-simulate.h"
#include "currents-sparse.h"

#define LIBRARY_FILE "library"

struct _CurrentsLibrary
{
  GPtrArray              *states;   /* char* */
  GPtrArray              *inputs;   /* char* */
  GPtrArray              *terms;    /* char* */
  char                   *prefix;   /* aux names: PREFIX1, PREFIX2, … */
  CurrentsModel          *model;    /* compiled terms (NULL until needed) */
  CurrentsFieldWorkspace *ws;
};

/* ---- the library ---- */

static gboolean
has_name (GPtrArray  *names,
          const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (g_ptr_array_index (names, i) != NULL
        && g_ascii_strcasecmp (g_ptr_array_index (names, i), name) == 0)
      return TRUE;
  return FALSE;
}

CurrentsLibrary *
currents_library_new (const char *const *state_names,
                      const char *const *input_names)
{
  CurrentsLibrary *lib;

  g_return_val_if_fail (state_names != NULL && state_names[0] != NULL, NULL);

  lib = g_new0 (CurrentsLibrary, 1);
  lib->states = g_ptr_array_new_with_free_func (g_free);
  lib->inputs = g_ptr_array_new_with_free_func (g_free);
  lib->terms = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; state_names[i] != NULL; i++)
    g_ptr_array_add (lib->states, g_strdup (state_names[i]));
  for (gsize k = 0; input_names != NULL && input_names[k] != NULL; k++)
    g_ptr_array_add (lib->inputs, g_strdup (input_names[k]));
  g_ptr_array_add (lib->states, NULL);
  g_ptr_array_add (lib->inputs, NULL);
  /* a prefix for the terms' aux names that no state or input starts with */
  lib->prefix = g_strdup ("term_");
  for (guint tries = 0;; tries++)
    {
      gboolean clash = FALSE;

      for (guint i = 0; i + 1 < lib->states->len && !clash; i++)
        clash = g_str_has_prefix (g_ptr_array_index (lib->states, i), lib->prefix);
      for (guint k = 0; k + 1 < lib->inputs->len && !clash; k++)
        clash = g_str_has_prefix (g_ptr_array_index (lib->inputs, k), lib->prefix);
      if (!clash)
        break;
      g_free (lib->prefix);
      lib->prefix = g_strdup_printf ("term%u_", tries + 1);
    }
  return lib;
}

void
currents_library_free (CurrentsLibrary *lib)
{
  if (lib == NULL)
    return;
  g_clear_pointer (&lib->ws, currents_field_workspace_free);
  g_clear_pointer (&lib->model, currents_model_free);
  g_ptr_array_unref (lib->states);
  g_ptr_array_unref (lib->inputs);
  g_ptr_array_unref (lib->terms);
  g_free (lib->prefix);
  g_free (lib);
}

gsize
currents_library_get_n_terms (const CurrentsLibrary *lib)
{
  return lib->terms->len;
}

const char *
currents_library_get_term (const CurrentsLibrary *lib,
                           gsize                  j)
{
  g_return_val_if_fail (j < lib->terms->len, NULL);
  return g_ptr_array_index (lib->terms, j);
}

gsize
currents_library_get_n_states (const CurrentsLibrary *lib)
{
  return lib->states->len - 1;
}

gsize
currents_library_get_n_inputs (const CurrentsLibrary *lib)
{
  return lib->inputs->len - 1;
}

const char *const *
currents_library_get_state_names (const CurrentsLibrary *lib)
{
  return (const char *const *) lib->states->pdata;
}

const char *const *
currents_library_get_input_names (const CurrentsLibrary *lib)
{
  return (const char *const *) lib->inputs->pdata;
}

static void
invalidate (CurrentsLibrary *lib)
{
  g_clear_pointer (&lib->ws, currents_field_workspace_free);
  g_clear_pointer (&lib->model, currents_model_free);
}

/* Adds @term (taken) unless it is there already. */
static void
add_term (CurrentsLibrary *lib,
          char            *term)
{
  if (has_name (lib->terms, term))
    {
      g_free (term);
      return;
    }
  g_ptr_array_add (lib->terms, term);
  invalidate (lib);
}

/* The source of a model whose aux quantities are @terms, over the library's states
 * and inputs; line numbers of term j = first_line + j. */
static char *
library_source (const CurrentsLibrary *lib,
                GPtrArray             *terms,
                int                   *first_line)
{
  GString *s = g_string_new (NULL);
  int line = 1;

  if (currents_library_get_n_inputs (lib) > 0)
    {
      g_string_append (s, "input ");
      for (gsize k = 0; k < currents_library_get_n_inputs (lib); k++)
        g_string_append_printf (s, "%s%s=0", k > 0 ? ", " : "",
                                (const char *) g_ptr_array_index (lib->inputs, k));
      g_string_append_c (s, '\n');
      line++;
    }
  for (gsize i = 0; i < currents_library_get_n_states (lib); i++)
    {
      g_string_append_printf (s, "%s' = 0\n", (const char *) g_ptr_array_index (lib->states, i));
      line++;
    }
  *first_line = line;
  for (guint j = 0; j < terms->len; j++)
    {
    g_string_append_printf (s, "aux %s%u = %s\n", lib->prefix, j + 1,
                            (const char *) g_ptr_array_index (terms, j));
    }
  g_string_append (s, "done\n");
  return g_string_free (s, FALSE);
}

/* "library:LINE:COL: message" of the term on @line → the message with the column in the
 * user's expression. */
static void
rewrite_error (const CurrentsLibrary *lib,
               GError                *error,
               const char            *expression,
               guint                  index)
{
  g_autofree char *head = g_strdup_printf (LIBRARY_FILE ":");
  const char *msg = error->message;
  int line = 0, col = 0, consumed = 0;
  /* the term's line is "aux PREFIXk = TERM" */
  gsize prefix_len = strlen ("aux ") + strlen (lib->prefix) + strlen (" = ");
  g_autofree char *num = g_strdup_printf ("%u", index + 1);
  char *text;

  prefix_len += strlen (num);
  if (g_str_has_prefix (msg, head)
      && sscanf (msg + strlen (head), "%d:%d: %n", &line, &col, &consumed) == 2 && consumed > 0)
    {
      int user_col = col - (int) prefix_len;

      if (user_col >= 1)
        text = g_strdup_printf ("in the term '%s', column %d: %s", expression, user_col,
                                msg + strlen (head) + consumed);
      else
        text = g_strdup_printf ("in the term '%s': %s", expression,
                                msg + strlen (head) + consumed);
    }
  else
    text = g_strdup_printf ("in the term '%s': %s", expression, msg);
  g_free (error->message);
  error->message = text;
}

/* Compiles @terms alone, to check them; the model on success. */
static CurrentsModel *
compile_terms (const CurrentsLibrary *lib,
               GPtrArray             *terms,
               GError               **error)
{
  int first_line = 0;
  g_autofree char *source = library_source (lib, terms, &first_line);
  GError *local = NULL;
  CurrentsModel *model = currents_model_new_from_string (source, LIBRARY_FILE, &local);

  if (model == NULL)
    {
      int line = 0;
      guint index = 0;

      if (sscanf (local->message, LIBRARY_FILE ":%d:", &line) == 1 && line >= first_line
          && (guint) (line - first_line) < terms->len)
        index = (guint) (line - first_line);
      rewrite_error (lib, local, g_ptr_array_index (terms, index), index);
      g_propagate_error (error, local);
    }
  return model;
}

gboolean
currents_library_add_expression (CurrentsLibrary *lib,
                                 const char      *expression,
                                 GError         **error)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  CurrentsModel *model;

  g_return_val_if_fail (lib != NULL, FALSE);
  g_return_val_if_fail (expression != NULL, FALSE);

  text = g_strstrip (g_strdup (expression));
  if (text[0] == '\0' || strchr (text, '\n') != NULL || strchr (text, '#') != NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the term '%s' is not an expression of the states and inputs", expression);
      return FALSE;
    }
  g_ptr_array_add (one, g_strdup (text));
  model = compile_terms (lib, one, error);
  if (model == NULL)
    return FALSE;
  currents_model_free (model);
  add_term (lib, g_steal_pointer (&text));
  return TRUE;
}

/* Monomials of total degree @degree over variables 0 … n_vars-1, non-decreasing index
 * sequences, written "x*y^2". */
static void
add_monomials (CurrentsLibrary *lib,
               GPtrArray       *vars,
               guint            degree,
               guint            start,
               guint           *powers)
{
  if (degree == 0)
    {
      GString *s = g_string_new (NULL);

      for (guint v = 0; v < vars->len; v++)
        if (powers[v] > 0)
          {
            if (s->len > 0)
              g_string_append_c (s, '*');
            g_string_append (s, g_ptr_array_index (vars, v));
            if (powers[v] > 1)
              g_string_append_printf (s, "^%u", powers[v]);
          }
      add_term (lib, g_string_free (s, FALSE));
      return;
    }
  for (guint v = start; v < vars->len; v++)
    {
      powers[v]++;
      add_monomials (lib, vars, degree - 1, v, powers);
      powers[v]--;
    }
}

void
currents_library_add_polynomials (CurrentsLibrary *lib,
                                  guint            degree,
                                  gboolean         with_inputs)
{
  g_autoptr(GPtrArray) vars = g_ptr_array_new ();
  g_autofree guint *powers = NULL;

  g_return_if_fail (lib != NULL);

  for (gsize i = 0; i < currents_library_get_n_states (lib); i++)
    g_ptr_array_add (vars, g_ptr_array_index (lib->states, i));
  for (gsize k = 0; with_inputs && k < currents_library_get_n_inputs (lib); k++)
    g_ptr_array_add (vars, g_ptr_array_index (lib->inputs, k));
  powers = g_new0 (guint, vars->len);
  add_term (lib, g_strdup ("1"));
  for (guint d = 1; d <= degree; d++)
    add_monomials (lib, vars, d, 0, powers);
}

static char *
format_number (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.10g", v));
}

gboolean
currents_library_add_hill (CurrentsLibrary *lib,
                           const char      *state,
                           double           K,
                           double           n,
                           gboolean         repression,
                           gboolean         activation,
                           GError         **error)
{
  g_autofree char *k_text = NULL, *n_text = NULL;

  g_return_val_if_fail (lib != NULL, FALSE);

  if (!(isfinite (K) && K > 0) || !(isfinite (n) && n > 0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a Hill function needs a threshold K > 0 and an exponent n > 0, not K = %g, "
                   "n = %g", K, n);
      return FALSE;
    }
  if (state != NULL && !has_name (lib->states, state))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "'%s' is not a state of the model (a Hill function is a function of a "
                   "state)", state);
      return FALSE;
    }
  k_text = format_number (K);
  n_text = format_number (n);
  for (gsize i = 0; i < currents_library_get_n_states (lib); i++)
    {
      const char *x = g_ptr_array_index (lib->states, i);

      if (state != NULL && g_ascii_strcasecmp (state, x) != 0)
        continue;
      if (repression)
        add_term (lib, g_strdup_printf ("1/(1 + (%s/%s)^%s)", x, k_text, n_text));
      if (activation)
        add_term (lib, g_strdup_printf ("(%s/%s)^%s/(1 + (%s/%s)^%s)", x, k_text, n_text, x,
                                        k_text, n_text));
    }
  return TRUE;
}

static gboolean
library_compile (CurrentsLibrary *lib,
                 GError         **error)
{
  if (lib->model != NULL)
    return TRUE;
  if (lib->terms->len == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the library of candidate terms is empty: add polynomials, Hill functions "
                   "or terms of your own");
      return FALSE;
    }
  lib->model = compile_terms (lib, lib->terms, error);
  if (lib->model == NULL)
    return FALSE;
  lib->ws = currents_field_workspace_new (currents_model_get_field (lib->model));
  return TRUE;
}

gboolean
currents_library_eval (CurrentsLibrary *lib,
                       gsize            n_points,
                       const double    *x,
                       const double    *u,
                       double          *theta,
                       GError         **error)
{
  gsize n, m, M;
  double zero = 0.0;

  g_return_val_if_fail (lib != NULL, FALSE);
  g_return_val_if_fail (x != NULL && theta != NULL, FALSE);

  if (!library_compile (lib, error))
    return FALSE;
  n = currents_library_get_n_states (lib);
  m = currents_library_get_n_inputs (lib);
  M = lib->terms->len;
  for (gsize r = 0; r < n_points; r++)
    {
      double *row = theta + r * M;

      currents_model_eval_aux (lib->model, lib->ws, 0.0, x + r * n, m > 0 ? u + r * m : &zero,
                               currents_model_get_params (lib->model), row);
      for (gsize j = 0; j < M; j++)
        if (!isfinite (row[j]))
          {
            g_autofree char *where = g_strdup_printf ("%g", x[r * n]);

            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                         "the term '%s' is not finite at a sample point (%s = %s, …); drop it "
                         "or change its threshold",
                         (const char *) g_ptr_array_index (lib->terms, j),
                         (const char *) g_ptr_array_index (lib->states, 0), where);
            return FALSE;
          }
    }
  return TRUE;
}

/* ---- samples of a field ---- */

void
currents_field_samples_free (CurrentsFieldSamples *samples)
{
  if (samples == NULL)
    return;
  g_free (samples->x);
  g_free (samples->u);
  g_free (samples->f);
  g_free (samples->theta);
  g_free (samples);
}

CurrentsFieldSamples *
currents_field_samples_new_from_data (CurrentsField         *field,
                                      const double          *p,
                                      const CurrentsDataset *dataset,
                                      gsize                  n_extra,
                                      guint64                seed,
                                      GError               **error)
{
  g_autoptr(CurrentsFieldSamples) s = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autoptr(GArray) xs = NULL, us = NULL;
  gsize n, m, count = 0;
  double zero = 0.0;

  g_return_val_if_fail (field != NULL && dataset != NULL, NULL);

  n = currents_dataset_get_n_states (dataset);
  m = currents_dataset_get_n_inputs (dataset);
  if (currents_field_get_n_states (field) != n || currents_field_get_n_inputs (field) != m)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the data have %zu states and %zu inputs, the model %zu and %zu: sample "
                   "the model on the data it was trained on", n, m,
                   currents_field_get_n_states (field), currents_field_get_n_inputs (field));
      return NULL;
    }
  xs = g_array_new (FALSE, FALSE, sizeof (double));
  us = g_array_new (FALSE, FALSE, sizeof (double));
  for (gsize k = 0; k < currents_dataset_get_n_trajectories (dataset); k++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, k);
      gsize ns = currents_trajectory_get_n_samples (tr);
      const double *x = currents_trajectory_get_states (tr);
      const double *u = currents_trajectory_get_inputs (tr);

      for (gsize r = 0; r < ns; r++)
        {
          gboolean ok = TRUE;

          for (gsize i = 0; i < n && ok; i++)
            ok = isfinite (x[r * n + i]);
          if (!ok)
            continue;
          g_array_append_vals (xs, x + r * n, n);
          if (m > 0)
            g_array_append_vals (us, u + r * m, m);
          count++;
        }
    }
  if (count == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "the data have no sample with every state observed");
      return NULL;
    }
  if (n_extra > 0)
    {
      gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
      gsize n_data = count;

      gsl_rng_set (rng, (unsigned long) seed);
      for (gsize e = 0; e < n_extra; e++)
        {
          gsize pick = gsl_rng_uniform_int (rng, (unsigned long) n_data);

          for (gsize i = 0; i < n; i++)
            {
              CurrentsColumnStats st;
              double v;

              currents_dataset_get_state_stats (dataset, i, &st);
              v = st.min + (st.max - st.min) * gsl_rng_uniform (rng);
              g_array_append_val (xs, v);
            }
          if (m > 0)
            {
              /* (a copy first: appending may move the array) */
              g_autofree double *level = g_memdup2 (&g_array_index (us, double, pick * m),
                                                    m * sizeof (double));

              g_array_append_vals (us, level, m);
            }
          count++;
        }
      gsl_rng_free (rng);
    }

  s = g_new0 (CurrentsFieldSamples, 1);
  s->n_points = count;
  s->n_states = n;
  s->n_inputs = m;
  s->x = (double *) g_array_free (g_steal_pointer (&xs), FALSE);
  s->u = m > 0 ? (double *) g_array_free (g_steal_pointer (&us), FALSE) : NULL;
  s->f = g_new (double, count * n);
  ws = currents_field_workspace_new (field);
  for (gsize r = 0; r < count; r++)
    {
      currents_field_eval (ws, 0.0, s->x + r * n, m > 0 ? s->u + r * m : &zero, p, s->f + r * n);
      for (gsize i = 0; i < n; i++)
        if (!isfinite (s->f[r * n + i]))
          {
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                         "the model's vector field is not finite at a data point");
            return NULL;
          }
    }
  return g_steal_pointer (&s);
}

CurrentsFieldSamples *
currents_field_samples_new_integral (CurrentsLibrary       *lib,
                                     CurrentsField         *field,
                                     const double          *p,
                                     const CurrentsDataset *dataset,
                                     guint                  window,
                                     GError               **error)
{
  g_autoptr(CurrentsFieldSamples) s = NULL;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(GArray) rows_f = NULL, rows_theta = NULL;
  CurrentsSimOptions options;
  gsize n, m, M;

  g_return_val_if_fail (lib != NULL && field != NULL && dataset != NULL, NULL);

  n = currents_dataset_get_n_states (dataset);
  m = currents_dataset_get_n_inputs (dataset);
  if (window < 2 || window % 2 != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a window of %u steps: Simpson's rule needs an even number ≥ 2", window);
      return NULL;
    }
  if (currents_field_get_n_states (field) != n || currents_field_get_n_inputs (field) != m
      || currents_library_get_n_states (lib) != n || currents_library_get_n_inputs (lib) != m)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the data have %zu states and %zu inputs, the model %zu and %zu: sample "
                   "the model on the data it was trained on", n, m,
                   currents_field_get_n_states (field), currents_field_get_n_inputs (field));
      return NULL;
    }
  if (!library_compile (lib, error))
    return NULL;
  M = currents_library_get_n_terms (lib);
  currents_sim_options_init (&options);
  options.rtol = 1e-9;
  options.atol = 1e-11;
  sim = currents_simulator_new (field, &options);
  rows_f = g_array_new (FALSE, FALSE, sizeof (double));
  rows_theta = g_array_new (FALSE, FALSE, sizeof (double));

  for (gsize k = 0; k < currents_dataset_get_n_trajectories (dataset); k++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, k);
      gsize ns = currents_trajectory_get_n_samples (tr);
      const double *tt = currents_trajectory_get_times (tr);
      const double *xs = currents_trajectory_get_states (tr);
      g_autoptr(CurrentsInputSignal) sig = NULL;
      g_autofree double *x0 = g_new0 (double, n), *grid = NULL, *x = NULL, *u = NULL;
      g_autofree double *th = NULL;
      gsize G, steps;
      gboolean ok = TRUE;

      if (ns < 2 || !(tt[ns - 1] > tt[0]))
        continue;
      /* each state's first observation */
      for (gsize i = 0; i < n && ok; i++)
        {
          ok = FALSE;
          for (gsize r = 0; r < ns && !ok; r++)
            if (isfinite (xs[r * n + i]))
              {
                x0[i] = xs[r * n + i];
                ok = TRUE;
              }
        }
      if (!ok)
        continue;
      sig = currents_input_signal_new_from_trajectory (tr, m);
      steps = (20 * (ns - 1) / window) * window;
      steps = MAX (steps, window);
      G = steps + 1;
      grid = g_new (double, G);
      x = g_new (double, G * n);
      u = g_new0 (double, G * MAX (m, 1));
      th = g_new (double, G * M);
      for (gsize g = 0; g < G; g++)
        grid[g] = tt[0] + (tt[ns - 1] - tt[0]) * (double) g / (double) steps;
      grid[G - 1] = tt[ns - 1];
      memcpy (x, x0, n * sizeof (double));
      if (!currents_simulator_run (sim, x0, p, sig, tt[0], grid + 1, G - 1, x + n, NULL, NULL,
                                   error))
        {
          g_prefix_error (error, "the model's trajectory from trajectory '%s' of the data: ",
                          currents_trajectory_get_id (tr));
          return NULL;
        }
      for (gsize g = 0; g < G && m > 0; g++)
        currents_input_signal_eval (sig, grid[g], u + g * m);
      if (!currents_library_eval (lib, G, x, m > 0 ? u : NULL, th, error))
        return NULL;
      for (gsize a = 0; a + window < G; a += window)
        {
          double h = (grid[a + window] - grid[a]) / (double) window;

          for (gsize i = 0; i < n; i++)
            {
              double d = x[(a + window) * n + i] - x[a * n + i];

              g_array_append_val (rows_f, d);
            }
          for (gsize j = 0; j < M; j++)
            {
              /* Simpson: h/3 (f0 + 4 f1 + 2 f2 + … + 4 f_{w-1} + f_w) */
              double sum = th[a * M + j] + th[(a + window) * M + j];

              for (gsize q = 1; q < window; q++)
                sum += (q % 2 == 1 ? 4.0 : 2.0) * th[(a + q) * M + j];
              sum *= h / 3.0;
              g_array_append_val (rows_theta, sum);
            }
        }
    }
  if (rows_f->len == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "the data have no trajectory with two samples and every state observed");
      return NULL;
    }
  s = g_new0 (CurrentsFieldSamples, 1);
  s->n_states = n;
  s->n_inputs = m;
  s->n_points = rows_f->len / n;
  s->f = (double *) g_array_free (g_steal_pointer (&rows_f), FALSE);
  s->theta = (double *) g_array_free (g_steal_pointer (&rows_theta), FALSE);
  s->n_terms = M;
  return g_steal_pointer (&s);
}

/* ---- the regression ---- */

void
currents_sparse_options_init (CurrentsSparseOptions *options)
{
  g_return_if_fail (options != NULL);
  options->threshold = 0.05;
  options->max_iterations = 20;
}

struct _CurrentsSparseFit
{
  gsize      n_states;
  gsize      n_inputs;
  GPtrArray *states;     /* char*, NULL-terminated */
  GPtrArray *inputs;     /* char*, NULL-terminated */
  GPtrArray *terms;      /* char* */
  double    *xi;         /* n_states × n_terms */
  double    *r2;
  double    *rel_rms;
  guint      iterations;
};

void
currents_sparse_fit_free (CurrentsSparseFit *fit)
{
  if (fit == NULL)
    return;
  g_ptr_array_unref (fit->states);
  g_ptr_array_unref (fit->inputs);
  g_ptr_array_unref (fit->terms);
  g_free (fit->xi);
  g_free (fit->r2);
  g_free (fit->rel_rms);
  g_free (fit);
}

/* Least squares of f onto the active columns of theta (N × M, row-major), columns scaled
 * by @scale; coefficients of inactive terms 0. */
static gboolean
solve_active (const double   *theta,
              const double   *scale,
              gsize           N,
              gsize           M,
              const gboolean *active,
              const double   *f,
              gsize           stride,
              double         *xi,
              GError        **error)
{
  g_autofree double *A = NULL, *b = NULL, *sv = NULL;
  g_autofree gsize *cols = g_new (gsize, M);
  lapack_int rank = 0, info;
  gsize k = 0, ldb;

  for (gsize j = 0; j < M; j++)
    {
      xi[j] = 0.0;
      if (active[j])
        cols[k++] = j;
    }
  if (k == 0)
    return TRUE;
  ldb = MAX (N, k);
  A = g_new (double, N * k);
  b = g_new0 (double, ldb);
  sv = g_new (double, MIN (N, k));
  for (gsize c = 0; c < k; c++)
    for (gsize r = 0; r < N; r++)
      A[c * N + r] = theta[r * M + cols[c]] / scale[cols[c]];
  for (gsize r = 0; r < N; r++)
    b[r] = f[r * stride];
  info = LAPACKE_dgelsd (LAPACK_COL_MAJOR, (lapack_int) N, (lapack_int) k, 1, A, (lapack_int) N,
                         b, (lapack_int) ldb, sv, 1e-12, &rank);
  if (info != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                   "the least-squares solve did not converge (LAPACK dgelsd: %d)", (int) info);
      return FALSE;
    }
  for (gsize c = 0; c < k; c++)
    xi[cols[c]] = b[c] / scale[cols[c]];
  return TRUE;
}

CurrentsSparseFit *
currents_sparse_fit_new (CurrentsLibrary             *lib,
                         const CurrentsFieldSamples  *samples,
                         const CurrentsSparseOptions *options,
                         GError                     **error)
{
  g_autoptr(CurrentsSparseFit) fit = NULL;
  g_autofree double *theta = NULL, *scale = NULL;
  g_autofree gboolean *active = NULL, *next = NULL;
  CurrentsSparseOptions defaults;
  gsize N, M, n;

  g_return_val_if_fail (lib != NULL && samples != NULL, NULL);

  if (options == NULL)
    {
      currents_sparse_options_init (&defaults);
      options = &defaults;
    }
  if (!(isfinite (options->threshold) && options->threshold >= 0) || options->max_iterations == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the threshold must be a number ≥ 0 (such as 0.05) and there must be at "
                   "least one iteration");
      return NULL;
    }
  n = currents_library_get_n_states (lib);
  if (samples->n_states != n || samples->n_inputs != currents_library_get_n_inputs (lib))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the samples have %zu states and %zu inputs, the library %zu and %zu",
                   samples->n_states, samples->n_inputs, n, currents_library_get_n_inputs (lib));
      return NULL;
    }
  if (!library_compile (lib, error))
    return NULL;
  N = samples->n_points;
  M = currents_library_get_n_terms (lib);
  if (N < M)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%zu sample points cannot determine %zu candidate terms: use a smaller "
                   "library or more points", N, M);
      return NULL;
    }
  theta = g_new (double, N * M);
  if (samples->theta != NULL)
    {
      if (samples->n_terms != M)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the integral samples were made for %zu terms, the library has %zu",
                       samples->n_terms, M);
          return NULL;
        }
      memcpy (theta, samples->theta, N * M * sizeof (double));
    }
  else if (!currents_library_eval (lib, N, samples->x, samples->u, theta, error))
    return NULL;

  /* columns scaled to unit RMS; a column that vanishes on the samples cannot be fitted */
  scale = g_new (double, M);
  for (gsize j = 0; j < M; j++)
    {
      double ss = 0.0;

      for (gsize r = 0; r < N; r++)
        ss += theta[r * M + j] * theta[r * M + j];
      scale[j] = sqrt (ss / (double) N);
    }

  fit = g_new0 (CurrentsSparseFit, 1);
  fit->n_states = n;
  fit->n_inputs = currents_library_get_n_inputs (lib);
  fit->states = g_ptr_array_new_with_free_func (g_free);
  fit->inputs = g_ptr_array_new_with_free_func (g_free);
  fit->terms = g_ptr_array_new_with_free_func (g_free);
  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (fit->states, g_strdup (currents_library_get_state_names (lib)[i]));
  for (gsize k = 0; k < fit->n_inputs; k++)
    g_ptr_array_add (fit->inputs, g_strdup (currents_library_get_input_names (lib)[k]));
  g_ptr_array_add (fit->states, NULL);
  g_ptr_array_add (fit->inputs, NULL);
  for (gsize j = 0; j < M; j++)
    g_ptr_array_add (fit->terms, g_strdup (currents_library_get_term (lib, j)));
  fit->xi = g_new0 (double, n * M);
  fit->r2 = g_new (double, n);
  fit->rel_rms = g_new (double, n);
  active = g_new (gboolean, M);
  next = g_new (gboolean, M);

  for (gsize i = 0; i < n; i++)
    {
      double *xi = fit->xi + i * M;
      double ss_f = 0.0, mean = 0.0, ss_tot = 0.0, ss_res = 0.0, rms_f;
      guint it;

      for (gsize r = 0; r < N; r++)
        {
          double v = samples->f[r * n + i];

          ss_f += v * v;
          mean += v;
        }
      mean /= (double) N;
      rms_f = sqrt (ss_f / (double) N);
      for (gsize j = 0; j < M; j++)
        active[j] = scale[j] > 0.0;
      for (it = 0; it < options->max_iterations; it++)
        {
          gboolean changed = FALSE;

          if (!solve_active (theta, scale, N, M, active, samples->f + i, n, xi, error))
            return NULL;
          for (gsize j = 0; j < M; j++)
            {
              next[j] = active[j] && fabs (xi[j]) * scale[j] >= options->threshold * rms_f
                        && rms_f > 0.0;
              changed |= next[j] != active[j];
            }
          if (!changed)
            break;
          memcpy (active, next, M * sizeof (gboolean));
        }
      /* the coefficients of the final active set */
      if (!solve_active (theta, scale, N, M, active, samples->f + i, n, xi, error))
        return NULL;
      fit->iterations = MAX (fit->iterations, it + 1);
      for (gsize r = 0; r < N; r++)
        {
          double pred = 0.0, v = samples->f[r * n + i];

          for (gsize j = 0; j < M; j++)
            pred += theta[r * M + j] * xi[j];
          ss_res += (v - pred) * (v - pred);
          ss_tot += (v - mean) * (v - mean);
        }
      fit->r2[i] = ss_tot > 0.0 ? 1.0 - ss_res / ss_tot : (ss_res == 0.0 ? 1.0 : 0.0);
      fit->rel_rms[i] = rms_f > 0.0 ? sqrt (ss_res / (double) N) / rms_f : 0.0;
    }
  return g_steal_pointer (&fit);
}

const double *
currents_sparse_fit_get_coefficients (const CurrentsSparseFit *fit)
{
  return fit->xi;
}

double
currents_sparse_fit_get_coefficient (const CurrentsSparseFit *fit,
                                     gsize                    equation,
                                     const char              *term)
{
  g_return_val_if_fail (equation < fit->n_states, NAN);

  for (guint j = 0; j < fit->terms->len; j++)
    if (strcmp (g_ptr_array_index (fit->terms, j), term) == 0)
      return fit->xi[equation * fit->terms->len + j];
  return NAN;
}

double
currents_sparse_fit_get_r2 (const CurrentsSparseFit *fit,
                            gsize                    equation)
{
  g_return_val_if_fail (equation < fit->n_states, NAN);
  return fit->r2[equation];
}

double
currents_sparse_fit_get_rel_rms (const CurrentsSparseFit *fit,
                                 gsize                    equation)
{
  g_return_val_if_fail (equation < fit->n_states, NAN);
  return fit->rel_rms[equation];
}

guint
currents_sparse_fit_get_n_iterations (const CurrentsSparseFit *fit)
{
  return fit->iterations;
}

/* c·term: "c" for the constant, "c*x*y" for a monomial, "c*(…)" otherwise. */
static void
append_product (GString    *s,
                const char *coefficient,
                const char *term)
{
  gboolean plain = TRUE;

  if (strcmp (term, "1") == 0)
    {
      g_string_append (s, coefficient);
      return;
    }
  for (const char *c = term; *c != '\0' && plain; c++)
    plain = g_ascii_isalnum (*c) || *c == '_' || *c == '.' || *c == '*' || *c == '^';
  g_string_append_printf (s, plain ? "%s*%s" : "%s*(%s)", coefficient, term);
}

char *
currents_sparse_fit_describe (const CurrentsSparseFit *fit,
                              gsize                    equation)
{
  GString *s = g_string_new (NULL);
  gsize M = fit->terms->len;

  g_return_val_if_fail (equation < fit->n_states, NULL);

  for (gsize j = 0; j < M; j++)
    {
      double c = fit->xi[equation * M + j];
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      if (c == 0.0)
        continue;
      if (s->len > 0)
        g_string_append (s, c < 0 ? " - " : " + ");
      else if (c < 0)
        g_string_append_c (s, '-');
      append_product (s, g_ascii_formatd (buf, sizeof buf, "%.6g", fabs (c)),
                      g_ptr_array_index (fit->terms, j));
    }
  if (s->len == 0)
    g_string_append_c (s, '0');
  return g_string_free (s, FALSE);
}

char *
currents_sparse_fit_to_ode (const CurrentsSparseFit *fit,
                            const char              *comment,
                            const double            *initial,
                            const double            *input_defaults,
                            double                   total)
{
  GString *s = g_string_new (NULL);
  gsize M = fit->terms->len, n = fit->n_states;
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (fit != NULL, NULL);

  if (comment != NULL)
    {
      g_auto(GStrv) lines = g_strsplit (comment, "\n", -1);

      for (guint l = 0; lines[l] != NULL; l++)
        g_string_append_printf (s, "# %s\n", lines[l]);
    }
  g_string_append (s, "# Found by sparse regression (sequentially thresholded least squares) of\n"
                      "# the vector field onto a library of candidate terms. Every coefficient\n"
                      "# is a parameter: refit them to the data with\n"
                      "#   currents-cli train DATA --model THIS.ode --fit-params\n");
  if (fit->n_inputs > 0)
    {
      g_string_append (s, "input ");
      for (gsize k = 0; k < fit->n_inputs; k++)
        g_string_append_printf (s, "%s%s=%s", k > 0 ? ", " : "",
                                (const char *) g_ptr_array_index (fit->inputs, k),
                                g_ascii_formatd (buf, sizeof buf, "%.10g",
                                                 input_defaults != NULL ? input_defaults[k] : 0.0));
      g_string_append_c (s, '\n');
    }
  /* the parameters, one `par` line per equation */
  for (gsize i = 0; i < n; i++)
    {
      guint k = 0;

      for (gsize j = 0; j < M; j++)
        if (fit->xi[i * M + j] != 0.0)
          {
            g_string_append (s, k == 0 ? "par " : ", ");
            g_string_append_printf (s, "c_%s_%u=%s", (const char *) g_ptr_array_index (fit->states, i),
                                    ++k, g_ascii_formatd (buf, sizeof buf, "%.17g",
                                                          fit->xi[i * M + j]));
          }
      if (k > 0)
        g_string_append_c (s, '\n');
    }
  for (gsize i = 0; i < n; i++)
    {
      g_autofree char *inline_text = currents_sparse_fit_describe (fit, i);
      const char *x = g_ptr_array_index (fit->states, i);
      GString *rhs = g_string_new (NULL);
      guint k = 0;

      g_string_append_printf (s, "# %s' = %s   (R² = %.6f, residual %.3g%% of the field's RMS)\n",
                              x, inline_text, fit->r2[i], 100.0 * fit->rel_rms[i]);
      for (gsize j = 0; j < M; j++)
        if (fit->xi[i * M + j] != 0.0)
          {
            g_autofree char *name = g_strdup_printf ("c_%s_%u", x, ++k);

            if (rhs->len > 0)
              g_string_append (rhs, " + ");
            append_product (rhs, name, g_ptr_array_index (fit->terms, j));
          }
      if (rhs->len == 0)
        g_string_append_c (rhs, '0');
      g_string_append_printf (s, "%s' = %s\n", x, rhs->str);
      g_string_free (rhs, TRUE);
    }
  if (initial != NULL)
    {
      g_string_append (s, "init ");
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (s, "%s%s=%s", i > 0 ? ", " : "",
                                (const char *) g_ptr_array_index (fit->states, i),
                                g_ascii_formatd (buf, sizeof buf, "%.10g", initial[i]));
      g_string_append_c (s, '\n');
    }
  if (isfinite (total) && total > 0)
    {
      g_string_append_printf (s, "@ total=%s", g_ascii_formatd (buf, sizeof buf, "%.10g", total));
      if (n >= 2)
        g_string_append_printf (s, ", xp=%s, yp=%s", (const char *) g_ptr_array_index (fit->states, 0),
                                (const char *) g_ptr_array_index (fit->states, 1));
      g_string_append_c (s, '\n');
    }
  g_string_append (s, "done\n");
  return g_string_free (s, FALSE);
}
