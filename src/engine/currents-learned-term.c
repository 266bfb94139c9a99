/* currents-learned-term.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A learned term is a network g(θ; a) whose weights θ are p[param_offset …] of the model
 * (currents-model.h); the grid evaluates it with currents_mlp_forward(), exactly what the
 * model's tape computes for a call of the term.
 *
 * The argument names and the names the equations pass to a term are not kept by the
 * compiled model, so they are read again from its source with the parser
 * (currents-model-private.h); nothing is compiled twice.
 *
 * A reference law is compiled as a tiny `.ode` model over the arguments, as a conserved
 * quantity is (currents-conserved-quantity.c):
 *
 *   a_0' = r(a),   a_i' = 0 (i > 0),   par c_1=…, c_2=…
 *
 * so the model language, its functions and its messages are the same as in model files.
 */
#define G_LOG_DOMAIN "currents-learned-term"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "currents-error.h"
#include "currents-field.h"
#include "currents-learned-term.h"
#include "currents-mlp.h"
#include "currents-model-private.h"

#define REFERENCE_FILE "reference"
/* relative differences are taken against max(|r|, REL_FLOOR · max_inside |r|) */
#define REL_FLOOR 0.05

int
currents_learned_term_find (const CurrentsModel *model,
                            const char          *name)
{
  g_return_val_if_fail (model != NULL, -1);

  if (name == NULL)
    return -1;
  for (gsize i = 0; i < currents_model_get_n_learned (model); i++)
    if (g_ascii_strcasecmp (currents_model_get_learned (model, i)->name, name) == 0)
      return (int) i;
  return -1;
}

char *
currents_learned_term_list_names (const CurrentsModel *model)
{
  g_autoptr(GString) s = g_string_new (NULL);

  for (gsize i = 0; i < currents_model_get_n_learned (model); i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "",
                            currents_model_get_learned (model, i)->name);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static OdeProgram *
parse_model (const CurrentsModel *model)
{
  const char *source = currents_model_get_source (model);

  /* the model was compiled from this source, so it parses */
  return source != NULL ? _currents_ode_parse (source, currents_model_get_filename (model),
                                               NULL)
                        : NULL;
}

static const OdeLearn *
find_learn (const OdeProgram *prog,
            const char       *name)
{
  for (guint i = 0; prog != NULL && i < prog->learns->len; i++)
    {
      const OdeLearn *l = g_ptr_array_index (prog->learns, i);

      if (g_ascii_strcasecmp (l->name, name) == 0)
        return l;
    }
  return NULL;
}

char **
currents_learned_term_get_arg_names (const CurrentsModel *model,
                                     gsize                term)
{
  const CurrentsLearnedTerm *lt;
  g_autoptr(OdeProgram) prog = NULL;
  const OdeLearn *l;
  char **names;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (term < currents_model_get_n_learned (model), NULL);

  lt = currents_model_get_learned (model, term);
  prog = parse_model (model);
  l = find_learn (prog, lt->name);
  names = g_new0 (char *, lt->n_args + 1);
  for (gsize k = 0; k < lt->n_args; k++)
    names[k] = l != NULL && (int) k < l->n_args ? g_strdup (l->args[k])
                                                : g_strdup_printf ("x%" G_GSIZE_FORMAT, k + 1);
  return names;
}

double
currents_learned_term_eval (const CurrentsModel *model,
                            gsize                term,
                            const double        *params,
                            const double        *args)
{
  const CurrentsLearnedTerm *lt;
  CurrentsMlpShape shape;
  g_autofree double *acts = NULL;
  double y = NAN;

  g_return_val_if_fail (model != NULL, NAN);
  g_return_val_if_fail (term < currents_model_get_n_learned (model), NAN);

  lt = currents_model_get_learned (model, term);
  shape.n_layers = lt->n_layers;
  shape.widths = lt->widths;
  shape.activation = lt->activation;
  acts = g_new0 (double, MAX (currents_mlp_n_activations (&shape), 1));
  currents_mlp_forward (&shape, params + lt->param_offset, args, acts, &y);
  return y;
}

/* ---- the data's range ---- */

typedef struct
{
  const char *term;
  gsize       arg;
  const char *passed;     /* the plain name every call passes, or NULL */
  gboolean    mixed;      /* some call passes something else */
} CallScan;

static void
scan_ast (CallScan  *scan,
          const Ast *a)
{
  if (a == NULL)
    return;
  if (a->kind == AST_CALL && g_ascii_strcasecmp (a->name, scan->term) == 0
      && scan->arg < (gsize) a->n_args)
    {
      const Ast *arg = a->args[scan->arg];

      if (arg->kind != AST_NAME)
        scan->mixed = TRUE;
      else if (scan->passed == NULL)
        scan->passed = arg->name;
      else if (g_ascii_strcasecmp (scan->passed, arg->name) != 0)
        scan->mixed = TRUE;
    }
  for (int i = 0; i < a->n_args; i++)
    scan_ast (scan, a->args[i]);
}

static void
scan_decls (CallScan  *scan,
            GPtrArray *decls)
{
  for (guint i = 0; i < decls->len; i++)
    scan_ast (scan, ((OdeDecl *) g_ptr_array_index (decls, i))->expr);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

char *
currents_learned_term_get_arg_source (const CurrentsModel *model,
                                      gsize                term,
                                      gsize                arg)
{
  const CurrentsLearnedTerm *lt;
  g_autoptr(OdeProgram) prog = NULL;
  const OdeLearn *l;
  CallScan scan = { 0 };

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (term < currents_model_get_n_learned (model), NULL);

  lt = currents_model_get_learned (model, term);
  if (arg >= lt->n_args || (prog = parse_model (model)) == NULL)
    return NULL;
  scan.term = lt->name;
  scan.arg = arg;
  scan_decls (&scan, prog->equations);
  scan_decls (&scan, prog->fixed);
  scan_decls (&scan, prog->derived);
  scan_decls (&scan, prog->aux);
  for (guint i = 0; i < prog->funcs->len; i++)
    scan_ast (&scan, ((OdeFunc *) g_ptr_array_index (prog->funcs, i))->body);
  if (scan.passed != NULL && !scan.mixed)
    return g_strdup (scan.passed);
  l = find_learn (prog, lt->name);
  return l != NULL && arg < (gsize) l->n_args ? g_strdup (l->args[arg]) : NULL;
}

gboolean
currents_learned_term_data_range (const CurrentsModel   *model,
                                  gsize                  term,
                                  gsize                  arg,
                                  const CurrentsDataset *dataset,
                                  double                *lo,
                                  double                *hi,
                                  GArray               **levels)
{
  g_autofree char *name = NULL;
  int index;

  g_return_val_if_fail (model != NULL, FALSE);
  g_return_val_if_fail (term < currents_model_get_n_learned (model), FALSE);
  g_return_val_if_fail (lo != NULL && hi != NULL, FALSE);

  *lo = NAN;
  *hi = NAN;
  if (levels != NULL)
    *levels = NULL;
  if (dataset == NULL || (name = currents_learned_term_get_arg_source (model, term, arg)) == NULL)
    return FALSE;

  if ((index = currents_dataset_find_state (dataset, name)) >= 0)
    {
      CurrentsColumnStats stats;

      currents_dataset_get_state_stats (dataset, (gsize) index, &stats);
      if (stats.n_observed == 0)
        return FALSE;
      *lo = stats.min;
      *hi = stats.max;
      return TRUE;
    }
  if ((index = currents_dataset_find_input (dataset, name)) >= 0)
    {
      gsize m = currents_dataset_get_n_inputs (dataset);
      g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));

      for (gsize t = 0; t < currents_dataset_get_n_trajectories (dataset); t++)
        {
          const CurrentsTrajectory *traj = currents_dataset_get_trajectory (dataset, t);
          const double *u = currents_trajectory_get_inputs (traj);

          for (gsize k = 0; k < currents_trajectory_get_n_samples (traj); k++)
            g_array_append_val (values, u[k * m + (gsize) index]);
        }
      if (values->len == 0)
        return FALSE;
      g_array_sort (values, compare_doubles);
      /* distinct levels, in place */
      {
        guint n = 1;

        for (guint i = 1; i < values->len; i++)
          if (g_array_index (values, double, i) != g_array_index (values, double, n - 1))
            g_array_index (values, double, n++) = g_array_index (values, double, i);
        g_array_set_size (values, n);
      }
      *lo = g_array_index (values, double, 0);
      *hi = g_array_index (values, double, values->len - 1);
      if (levels != NULL)
        *levels = g_steal_pointer (&values);
      return TRUE;
    }
  return FALSE;
}

void
currents_learned_term_default_range (const CurrentsModel *model,
                                     gsize                term,
                                     gsize                arg,
                                     double               data_lo,
                                     double               data_hi,
                                     double              *lo,
                                     double              *hi)
{
  const CurrentsModelOptions *o;
  g_autofree char *source = NULL;

  g_return_if_fail (model != NULL && lo != NULL && hi != NULL);

  *lo = 0.0;
  *hi = 1.0;
  if (isfinite (data_lo) && isfinite (data_hi))
    {
      double pad = data_hi > data_lo ? 0.25 * (data_hi - data_lo) : 1.0;

      *lo = data_lo - pad;
      *hi = data_hi + pad;
      /* a quantity observed (up to noise) non-negative: from 0, not from below it */
      if (*lo < 0.0 && data_lo > -0.05 * (data_hi - data_lo))
        *lo = MIN (data_lo, 0.0);
      return;
    }
  o = currents_model_get_options (model);
  source = currents_learned_term_get_arg_source (model, term, arg);
  if (source == NULL || !o->has_window)
    return;
  if (o->xp != NULL && g_ascii_strcasecmp (o->xp, source) == 0 && o->xhi > o->xlo)
    {
      *lo = o->xlo;
      *hi = o->xhi;
    }
  else if (o->yp != NULL && g_ascii_strcasecmp (o->yp, source) == 0 && o->yhi > o->ylo)
    {
      *lo = o->ylo;
      *hi = o->yhi;
    }
}

/* ---- the grid ---- */

CurrentsLearnedTermGrid *
currents_learned_term_grid_new (const CurrentsModel *model,
                                gsize                term,
                                const double        *params,
                                const double        *lo,
                                const double        *hi,
                                gsize                size,
                                GError             **error)
{
  g_autoptr(CurrentsLearnedTermGrid) grid = NULL;
  const CurrentsLearnedTerm *lt;
  g_autofree double *acts = NULL;
  CurrentsMlpShape shape;
  const double *theta;

  g_return_val_if_fail (model != NULL, NULL);
  g_return_val_if_fail (params != NULL && lo != NULL && hi != NULL, NULL);

  if (term >= currents_model_get_n_learned (model))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the model has %" G_GSIZE_FORMAT " learned term%s, not %" G_GSIZE_FORMAT,
                   currents_model_get_n_learned (model),
                   currents_model_get_n_learned (model) == 1 ? "" : "s", term + 1);
      return NULL;
    }
  lt = currents_model_get_learned (model, term);
  if (lt->n_args > 2)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   "the learned term '%s' takes %" G_GSIZE_FORMAT " arguments; only terms "
                   "of one or two arguments can be shown on a grid", lt->name, lt->n_args);
      return NULL;
    }
  if (size < 2 || size > 100000 || (lt->n_args == 2 && size > 2000))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a grid needs from 2 to %d points per axis, not %" G_GSIZE_FORMAT,
                   lt->n_args == 2 ? 2000 : 100000, size);
      return NULL;
    }
  for (gsize k = 0; k < lt->n_args; k++)
    if (!isfinite (lo[k]) || !isfinite (hi[k]) || !(hi[k] > lo[k]))
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "the range of argument %" G_GSIZE_FORMAT " of '%s' must be finite with "
                     "its lower end below its upper end (found %g:%g)", k + 1, lt->name,
                     lo[k], hi[k]);
        return NULL;
      }

  grid = g_new0 (CurrentsLearnedTermGrid, 1);
  grid->term = term;
  grid->n_args = lt->n_args;
  grid->size[0] = size;
  grid->size[1] = lt->n_args == 2 ? size : 1;
  for (gsize k = 0; k < lt->n_args; k++)
    {
      grid->lo[k] = lo[k];
      grid->hi[k] = hi[k];
      grid->axis[k] = g_new (double, size);
      for (gsize i = 0; i < size; i++)
        grid->axis[k][i] = i + 1 == size ? hi[k]
                                         : lo[k] + (hi[k] - lo[k]) * (double) i / (double) (size - 1);
    }
  grid->values = g_new (double, grid->size[0] * grid->size[1]);

  shape.n_layers = lt->n_layers;
  shape.widths = lt->widths;
  shape.activation = lt->activation;
  acts = g_new0 (double, MAX (currents_mlp_n_activations (&shape), 1));
  theta = params + lt->param_offset;
  for (gsize j = 0; j < grid->size[1]; j++)
    for (gsize i = 0; i < grid->size[0]; i++)
      {
        double a[2] = { grid->axis[0][i], lt->n_args == 2 ? grid->axis[1][j] : 0.0 };
        double *y = &grid->values[j * grid->size[0] + i];

        currents_mlp_forward (&shape, theta, a, acts, y);
        if (!isfinite (*y))
          {
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                         "the learned term '%s' is not finite at %g%s%.0g (its weights may "
                         "have diverged)", lt->name, a[0], lt->n_args == 2 ? ", " : "",
                         lt->n_args == 2 ? a[1] : 0.0);
            return NULL;
          }
      }
  return g_steal_pointer (&grid);
}

void
currents_learned_term_grid_free (CurrentsLearnedTermGrid *grid)
{
  if (grid == NULL)
    return;
  g_free (grid->axis[0]);
  g_free (grid->axis[1]);
  g_free (grid->values);
  g_free (grid);
}

/* ---- the reference law ---- */

struct _CurrentsReferenceLaw
{
  char                   *expression;
  CurrentsModel          *model;
  CurrentsFieldWorkspace *ws;
  gsize                   n_args;
  gsize                   n_consts;
  double                 *values;   /* the constants, in the model's parameter order */
  double                 *f;        /* n_args */
};

CurrentsReferenceLaw *
currents_reference_law_new (const char        *expression,
                            const char *const *arg_names,
                            const char *const *const_names,
                            const double      *const_values,
                            GError           **error)
{
  g_autoptr(CurrentsReferenceLaw) law = NULL;
  g_autoptr(GString) src = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *stripped = NULL;
  gsize n, m;
  int prefix;

  g_return_val_if_fail (expression != NULL, NULL);
  g_return_val_if_fail (arg_names != NULL, NULL);

  n = g_strv_length ((char **) arg_names);
  m = const_names != NULL ? g_strv_length ((char **) const_names) : 0;
  stripped = g_strstrip (g_strdup (expression));
  if (n == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a reference law needs at least one argument");
      return NULL;
    }
  if (*stripped == '\0' || strpbrk (expression, "\n\r;#") != NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the reference law '%s' must be one expression on one line, as in "
                   "mumax*S/(Ks + S)", expression);
      return NULL;
    }
  for (gsize c = 0; c < m; c++)
    {
      if (!g_ascii_isalpha (const_names[c][0]) || !isfinite (const_values[c]))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the reference law's constant '%s' needs a name starting with a "
                       "letter and a finite value", const_names[c]);
          return NULL;
        }
      for (gsize k = 0; k < n; k++)
        if (g_ascii_strcasecmp (const_names[c], arg_names[k]) == 0)
          {
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                         "the reference law's constant '%s' has the name of an argument of "
                         "the term", const_names[c]);
            return NULL;
          }
    }

  src = g_string_new (NULL);
  g_string_append_printf (src, "%s'=", arg_names[0]);
  prefix = (int) src->len;
  g_string_append_printf (src, "%s\n", expression);
  for (gsize k = 1; k < n; k++)
    g_string_append_printf (src, "%s'=0\n", arg_names[k]);
  for (gsize c = 0; c < m; c++)
    g_string_append_printf (src, "par %s=%.17g\n", const_names[c], const_values[c]);
  g_string_append (src, "done\n");

  law = g_new0 (CurrentsReferenceLaw, 1);
  law->expression = g_strdup (stripped);
  law->n_args = n;
  law->model = currents_model_new_from_string (src->str, REFERENCE_FILE, &local);
  if (law->model == NULL)
    {
      int line = 0, col = 0, used = 0;
      g_autofree char *args = g_strjoinv (", ", (char **) arg_names);
      g_autofree char *consts = m > 0 ? g_strjoinv (", ", (char **) const_names)
                                      : g_strdup ("none");

      if (sscanf (local->message, REFERENCE_FILE ":%d:%d: %n", &line, &col, &used) == 2
          && used > 0 && line == 1)
        g_set_error (error, CURRENTS_ENGINE_ERROR, local->code,
                     "the reference law '%s', column %d: %s (it may name the arguments %s "
                     "and the constants %s)", expression, MAX (col - prefix, 1),
                     local->message + used, args, consts);
      else
        g_set_error (error, CURRENTS_ENGINE_ERROR, local->code,
                     "the reference law '%s': %s (it may name the arguments %s and the "
                     "constants %s)", expression, local->message, args, consts);
      return NULL;
    }
  if (currents_model_get_n_states (law->model) != n
      || currents_model_get_n_named_params (law->model) != m
      || currents_model_get_n_inputs (law->model) != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the reference law '%s' could not be made an expression of the term's "
                   "arguments (are two names alike?)", expression);
      return NULL;
    }
  law->n_consts = m;
  law->values = g_new0 (double, MAX (m, 1));
  memcpy (law->values, currents_model_get_params (law->model), m * sizeof (double));
  law->ws = currents_field_workspace_new (currents_model_get_field (law->model));
  law->f = g_new0 (double, n);
  return g_steal_pointer (&law);
}

CurrentsReferenceLaw *
currents_reference_law_new_parse (const char        *text,
                                  const char *const *arg_names,
                                  GError           **error)
{
  g_auto(GStrv) parts = NULL;
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  char *expression;

  g_return_val_if_fail (text != NULL, NULL);

  parts = g_strsplit (text, ";", -1);
  expression = parts[0] != NULL ? g_strstrip (parts[0]) : NULL;
  if (expression == NULL || *expression == '\0')
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a reference law is written EXPR;NAME=VALUE;…, as in "
                   "mumax*S/(Ks + S);mumax=0.6;Ks=0.5");
      return NULL;
    }
  /* "mu = …": the term's own name first */
  {
    const char *s = expression;

    if (g_ascii_isalpha (*s) || *s == '_')
      {
        while (g_ascii_isalnum (*s) || *s == '_' || *s == '.')
          s++;
        while (*s == ' ')
          s++;
        if (*s == '=' && s[1] != '=')
          expression = g_strstrip ((char *) s + 1);
      }
  }
  for (guint i = 1; parts[i] != NULL; i++)
    {
      char *item = g_strstrip (parts[i]);
      char *eq = strchr (item, '=');
      char *end = NULL;
      double v;

      if (*item == '\0')
        continue;
      if (eq == NULL)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the reference law's constant '%s' needs a value, as in Ks=0.5",
                       item);
          return NULL;
        }
      *eq = '\0';
      v = g_ascii_strtod (eq + 1, &end);
      while (end != NULL && *end == ' ')
        end++;
      if (end == eq + 1 || end == NULL || *end != '\0' || !isfinite (v))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the reference law's constant '%s': expected a number, found '%s'",
                       g_strstrip (item), eq + 1);
          return NULL;
        }
      item = g_strstrip (item);
      {
        guint j;

        /* a name given again changes the value given before */
        for (j = 0; j < names->len; j++)
          if (g_ascii_strcasecmp (g_ptr_array_index (names, j), item) == 0)
            break;
        if (j < names->len)
          g_array_index (values, double, j) = v;
        else
          {
            g_ptr_array_add (names, g_strdup (item));
            g_array_append_val (values, v);
          }
      }
    }
  g_ptr_array_add (names, NULL);
  return currents_reference_law_new (expression, arg_names, (const char *const *) names->pdata,
                                     (const double *) values->data, error);
}

void
currents_reference_law_free (CurrentsReferenceLaw *law)
{
  if (law == NULL)
    return;
  currents_field_workspace_free (law->ws);
  currents_model_free (law->model);
  g_free (law->expression);
  g_free (law->values);
  g_free (law->f);
  g_free (law);
}

const char *
currents_reference_law_get_expression (const CurrentsReferenceLaw *law)
{
  return law->expression;
}

gsize
currents_reference_law_get_n_constants (const CurrentsReferenceLaw *law)
{
  return law->n_consts;
}

const char *
currents_reference_law_get_constant_name (const CurrentsReferenceLaw *law,
                                          gsize                       i)
{
  g_return_val_if_fail (i < law->n_consts, NULL);
  return currents_model_get_param_name (law->model, i);
}

double
currents_reference_law_get_constant (const CurrentsReferenceLaw *law,
                                     gsize                       i)
{
  g_return_val_if_fail (i < law->n_consts, NAN);
  return law->values[i];
}

gboolean
currents_reference_law_set_constant (CurrentsReferenceLaw *law,
                                     const char           *name,
                                     double                value)
{
  int i = currents_model_find_param (law->model, name);

  if (i < 0 || (gsize) i >= law->n_consts)
    return FALSE;
  law->values[i] = value;
  return TRUE;
}

double
currents_reference_law_eval (CurrentsReferenceLaw *law,
                             const double         *args)
{
  static const double none = 0.0;

  currents_field_eval (law->ws, 0.0, args, &none, law->values, law->f);
  return law->f[0];
}

/* ---- the comparison ---- */

static gboolean
inside (double        v,
        const double *lo,
        const double *hi,
        gsize         k)
{
  if (lo != NULL && isfinite (lo[k]) && v < lo[k])
    return FALSE;
  if (hi != NULL && isfinite (hi[k]) && v > hi[k])
    return FALSE;
  return TRUE;
}

void
currents_learned_term_compare (const CurrentsLearnedTermGrid *grid,
                               CurrentsReferenceLaw          *law,
                               const double                  *lo,
                               const double                  *hi,
                               double                        *reference_values,
                               CurrentsTermComparison        *result)
{
  gsize total;
  g_autofree double *own = NULL;
  g_autofree gboolean *in = NULL;
  double *ref;
  double sum = 0.0, sum_ref = 0.0, max_rel = 0.0, max_abs = 0.0, floor_;
  gsize n = 0;

  g_return_if_fail (grid != NULL && law != NULL && result != NULL);
  g_return_if_fail (law->n_args == grid->n_args);

  total = grid->size[0] * grid->size[1];
  ref = reference_values != NULL ? reference_values : (own = g_new (double, total));
  in = g_new (gboolean, total);
  for (gsize j = 0; j < grid->size[1]; j++)
    for (gsize i = 0; i < grid->size[0]; i++)
      {
        double a[2] = { grid->axis[0][i], grid->n_args == 2 ? grid->axis[1][j] : 0.0 };
        gsize at = j * grid->size[0] + i;

        ref[at] = currents_reference_law_eval (law, a);
        in[at] = inside (a[0], lo, hi, 0) && (grid->n_args == 1 || inside (a[1], lo, hi, 1));
        if (in[at])
          max_abs = MAX (max_abs, fabs (ref[at]));
      }
  floor_ = REL_FLOOR * max_abs;
  for (gsize at = 0; at < total; at++)
    {
      double g = grid->values[at], r = ref[at];

      if (!in[at])
        continue;
      n++;
      sum += (g - r) * (g - r);
      sum_ref += r * r;
      if (MAX (fabs (r), floor_) > 0.0)
        max_rel = MAX (max_rel, fabs (g - r) / MAX (fabs (r), floor_));
    }
  result->n_inside = n;
  result->rms = n > 0 ? sqrt (sum / (double) n) : NAN;
  result->rel_rms = n > 0 && sum_ref > 0.0 ? sqrt (sum / sum_ref) : NAN;
  result->max_rel = n > 0 ? max_rel : NAN;
}
