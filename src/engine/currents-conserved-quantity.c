/* currents-conserved-quantity.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The quantity is compiled as a tiny `.ode` model over the same states whose first
 * equation is q and the others 0:
 *
 *   x_0' = q(x),   x_i' = 0  (i > 0)
 *
 * so its tape gives q exactly, and one forward and second-order tangent pass with
 * directions ẋ = v, x' = e_k gives
 *
 *   d1f_0 = ∇q·v,   d2f_0 = ∂q/∂x_k,   d12f_0 = Σ_j ∂²q/∂x_j∂x_k v_j = (H_q v)_k.
 *
 * Names are checked before compiling, so that a name that is not a state is reported
 * with its column in the user's expression rather than in the generated model.
 */
#define G_LOG_DOMAIN "currents-conservation"

#include "config.h"

#include <stdio.h>
#include <string.h>

#include "currents-conserved-quantity.h"
#include "currents-error.h"
#include "currents-field-private.h"
#include "currents-model.h"
#include "currents-tape-tangent-private.h"

#define QUANTITY_FILE "quantity"

struct _CurrentsConservedQuantity
{
  char          *expression;
  CurrentsModel *model;
  gsize          n;
};

struct _CurrentsConservedQuantityWorkspace
{
  const CurrentsConservedQuantity *cons;
  CurrentsFieldWorkspace     *fws;
  gpointer                    tape_ws;
  const Tape                 *tape;
  double                     *f;     /* n */
  double                     *e;     /* n: a unit vector */
  double                     *out;   /* n */
  double                     *out2;  /* n */
};

static gboolean
is_state (const char *const *state_names,
          const char        *name)
{
  for (gsize i = 0; state_names[i] != NULL; i++)
    if (g_ascii_strcasecmp (state_names[i], name) == 0)
      return TRUE;
  return FALSE;
}

/* Refuses a name that is neither a state nor a function call nor `pi`, naming its
 * column (1-based). */
static gboolean
check_names (const char        *expression,
             const char *const *state_names,
             GError           **error)
{
  const char *s = expression;

  while (*s != '\0')
    {
      if (g_ascii_isdigit (*s) || (*s == '.' && g_ascii_isdigit (s[1])))
        {
          /* a number, with its exponent: 2.5e-3 names nothing */
          while (g_ascii_isdigit (*s) || *s == '.')
            s++;
          if ((*s == 'e' || *s == 'E')
              && (g_ascii_isdigit (s[1])
                  || ((s[1] == '+' || s[1] == '-') && g_ascii_isdigit (s[2]))))
            {
              s += 2;
              while (g_ascii_isdigit (*s))
                s++;
            }
          continue;
        }
      if (g_ascii_isalpha (*s) || *s == '_')
        {
          const char *start = s, *after;
          g_autofree char *name = NULL;

          while (g_ascii_isalnum (*s) || *s == '_')
            s++;
          name = g_strndup (start, (gsize) (s - start));
          for (after = s; *after == ' ' || *after == '\t'; after++)
            ;
          if (*after == '(' || g_ascii_strcasecmp (name, "pi") == 0
              || is_state (state_names, name))
            continue;
          {
            g_autofree char *list = g_strjoinv (", ", (char **) state_names);

            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                         "the conserved quantity '%s', column %d: '%s' is not a state of "
                         "the model (its states: %s)", expression,
                         (int) (start - expression) + 1, name, list);
            return FALSE;
          }
        }
      s++;
    }
  return TRUE;
}

CurrentsConservedQuantity *
currents_conserved_quantity_new (const char        *expression,
                           const char *const *state_names,
                           GError           **error)
{
  g_autoptr(CurrentsConservedQuantity) cons = NULL;
  g_autoptr(GString) src = NULL;
  g_autoptr(GError) local = NULL;
  g_autofree char *stripped = NULL;
  gsize n;
  int prefix;

  g_return_val_if_fail (expression != NULL, NULL);
  g_return_val_if_fail (state_names != NULL, NULL);

  n = g_strv_length ((char **) state_names);
  stripped = g_strstrip (g_strdup (expression));
  if (n == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a conserved quantity needs a model with states");
      return NULL;
    }
  if (*stripped == '\0' || strpbrk (expression, "\n\r;#") != NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the conserved quantity '%s' must be one expression of the states on one "
                   "line, as in E + C", expression);
      return NULL;
    }
  if (!check_names (expression, state_names, error))
    return NULL;

  src = g_string_new (NULL);
  g_string_append_printf (src, "%s'=", state_names[0]);
  prefix = (int) src->len;
  g_string_append_printf (src, "%s\n", expression);
  for (gsize i = 1; i < n; i++)
    g_string_append_printf (src, "%s'=0\n", state_names[i]);
  g_string_append (src, "done\n");

  cons = g_new0 (CurrentsConservedQuantity, 1);
  cons->expression = g_strdup (expression);
  cons->n = n;
  cons->model = currents_model_new_from_string (src->str, QUANTITY_FILE, &local);
  if (cons->model == NULL)
    {
      int line = 0, col = 0, used = 0;

      /* "quantity:LINE:COL: message": point at the column of the user's expression */
      if (sscanf (local->message, QUANTITY_FILE ":%d:%d: %n", &line, &col, &used) == 2
          && used > 0 && line == 1)
        g_set_error (error, CURRENTS_ENGINE_ERROR, local->code,
                     "the conserved quantity '%s', column %d: %s", expression,
                     MAX (col - prefix, 1), local->message + used);
      else
        g_set_error (error, CURRENTS_ENGINE_ERROR, local->code,
                     "the conserved quantity '%s': %s", expression, local->message);
      return NULL;
    }
  if (currents_model_get_n_states (cons->model) != n
      || currents_model_get_n_params (cons->model) != 0
      || currents_model_get_n_inputs (cons->model) != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the conserved quantity '%s' could not be made an expression of the "
                   "model's states (are two states named alike?)", expression);
      return NULL;
    }
  return g_steal_pointer (&cons);
}

void
currents_conserved_quantity_free (CurrentsConservedQuantity *cons)
{
  if (cons == NULL)
    return;
  g_free (cons->expression);
  currents_model_free (cons->model);
  g_free (cons);
}

const char *
currents_conserved_quantity_get_expression (const CurrentsConservedQuantity *cons)
{
  return cons->expression;
}

gsize
currents_conserved_quantity_get_n_states (const CurrentsConservedQuantity *cons)
{
  return cons->n;
}

CurrentsConservedQuantityWorkspace *
currents_conserved_quantity_workspace_new (const CurrentsConservedQuantity *cons)
{
  CurrentsConservedQuantityWorkspace *ws = g_new0 (CurrentsConservedQuantityWorkspace, 1);
  CurrentsField *field = currents_model_get_field (cons->model);

  ws->cons = cons;
  ws->fws = currents_field_workspace_new (field);
  ws->tape = currents_field_get_impl (field);
  ws->tape_ws = _currents_field_workspace_get_impl_ws (ws->fws);
  ws->f = g_new0 (double, cons->n);
  ws->e = g_new0 (double, cons->n);
  ws->out = g_new0 (double, cons->n);
  ws->out2 = g_new0 (double, cons->n);
  return ws;
}

void
currents_conserved_quantity_workspace_free (CurrentsConservedQuantityWorkspace *ws)
{
  if (ws == NULL)
    return;
  currents_field_workspace_free (ws->fws);
  g_free (ws->f);
  g_free (ws->e);
  g_free (ws->out);
  g_free (ws->out2);
  g_free (ws);
}

double
currents_conserved_quantity_eval (CurrentsConservedQuantityWorkspace *ws,
                            const double                  *x)
{
  static const double none = 0.0;

  currents_field_eval (ws->fws, 0.0, x, &none, &none, ws->f);
  return ws->f[0];
}

double
currents_conserved_quantity_rate (CurrentsConservedQuantityWorkspace *ws,
                            const double                  *x,
                            const double                  *v,
                            double                        *grad,
                            double                        *hv)
{
  static const double none = 0.0;
  const gsize n = ws->cons->n;
  double rate = 0.0;

  if (grad == NULL && hv == NULL)
    {
      _currents_tape_tangent2 (ws->tape, ws->tape_ws, 0.0, x, &none, &none, v, -1, NULL,
                               NULL, ws->out, NULL, NULL);
      return ws->out[0];
    }
  for (gsize k = 0; k < n; k++)
    {
      ws->e[k] = 1.0;
      _currents_tape_tangent2 (ws->tape, ws->tape_ws, 0.0, x, &none, &none, v, -1, ws->e,
                               NULL, ws->out, ws->out2, ws->f);
      ws->e[k] = 0.0;
      rate = ws->out[0];
      if (grad != NULL)
        grad[k] = ws->out2[0];
      if (hv != NULL)
        hv[k] = ws->f[0];
    }
  return rate;
}
