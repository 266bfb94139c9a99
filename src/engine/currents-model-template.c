/* currents-model-template.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "currents-template"

#include "config.h"

#include <math.h>
#include <string.h>

#include "currents-error.h"
#include "currents-model-template.h"

static const char *const kind_names[] = { "equations", "hybrid", "reactions", "hamiltonian" };

const char *
currents_model_template_to_string (CurrentsModelTemplate kind)
{
  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  return kind_names[kind];
}

gboolean
currents_model_template_from_string (const char            *text,
                                     CurrentsModelTemplate *kind)
{
  g_return_val_if_fail (text != NULL, FALSE);

  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_ascii_strcasecmp (text, kind_names[i]) == 0)
      {
        if (kind != NULL)
          *kind = (CurrentsModelTemplate) i;
        return TRUE;
      }
  return FALSE;
}

/* What the template is written for: names, starting values, time span. */
typedef struct
{
  GPtrArray  *states;   /* char* */
  GPtrArray  *inputs;   /* char* */
  GArray     *init;     /* double per state */
  GArray     *levels;   /* double per input */
  double      total;
  const char *data_name;
} Frame;

static void
frame_clear (Frame *f)
{
  g_clear_pointer (&f->states, g_ptr_array_unref);
  g_clear_pointer (&f->inputs, g_ptr_array_unref);
  g_clear_pointer (&f->init, g_array_unref);
  g_clear_pointer (&f->levels, g_array_unref);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Frame, frame_clear)

/* A `.ode` name: a letter or '_', then letters, digits, '_' or '.'. */
static gboolean
is_ode_name (const char *s)
{
  if (s == NULL || !(g_ascii_isalpha (s[0]) || s[0] == '_'))
    return FALSE;
  for (const char *c = s + 1; *c != '\0'; c++)
    if (!(g_ascii_isalnum (*c) || *c == '_' || *c == '.'))
      return FALSE;
  return TRUE;
}

/* (The data set already refuses names that differ only in case.) */
static gboolean
check_names (GPtrArray  *names,
             const char *what,
             GError    **error)
{
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = g_ptr_array_index (names, i);

      if (!is_ode_name (name))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "the %s column '%s' is not a name a model can use (a letter, then "
                       "letters, digits or '_'); rename the column in the data and try again",
                       what, name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
frame_init (Frame                 *f,
            const CurrentsDataset *dataset,
            GError               **error)
{
  f->states = g_ptr_array_new_with_free_func (g_free);
  f->inputs = g_ptr_array_new_with_free_func (g_free);
  f->init = g_array_new (FALSE, TRUE, sizeof (double));
  f->levels = g_array_new (FALSE, TRUE, sizeof (double));
  if (dataset == NULL)
    {
      const double x0[] = { 1.0, 0.5 };

      g_ptr_array_add (f->states, g_strdup ("x"));
      g_ptr_array_add (f->states, g_strdup ("y"));
      g_array_append_vals (f->init, x0, 2);
      f->total = 20.0;
      return TRUE;
    }

  gsize n = currents_dataset_get_n_states (dataset);
  gsize m = currents_dataset_get_n_inputs (dataset);
  double t0, t1;

  for (gsize i = 0; i < n; i++)
    g_ptr_array_add (f->states, g_strdup (currents_dataset_get_state_name (dataset, i)));
  for (gsize k = 0; k < m; k++)
    g_ptr_array_add (f->inputs, g_strdup (currents_dataset_get_input_name (dataset, k)));
  {
    g_autoptr(GPtrArray) all = g_ptr_array_new ();

    for (guint i = 0; i < f->states->len; i++)
      g_ptr_array_add (all, g_ptr_array_index (f->states, i));
    for (guint k = 0; k < f->inputs->len; k++)
      g_ptr_array_add (all, g_ptr_array_index (f->inputs, k));
    if (!check_names (all, "data", error))
      return FALSE;
  }

  /* Start where the first trajectory starts: its first observed value of each state
   * (a later sample where the first is missing), its first input levels. */
  g_array_set_size (f->init, n);
  g_array_set_size (f->levels, m);
  if (currents_dataset_get_n_trajectories (dataset) > 0)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, 0);
      gsize ns = currents_trajectory_get_n_samples (tr);
      const double *x = currents_trajectory_get_states (tr);
      const double *u = currents_trajectory_get_inputs (tr);

      for (gsize i = 0; i < n; i++)
        for (gsize s = 0; s < ns; s++)
          if (isfinite (x[s * n + i]))
            {
              g_array_index (f->init, double, i) = x[s * n + i];
              break;
            }
      for (gsize k = 0; k < m && ns > 0 && u != NULL; k++)
        g_array_index (f->levels, double, k) = u[k];
    }
  currents_dataset_get_time_span (dataset, &t0, &t1);
  f->total = isfinite (t1 - t0) && t1 > t0 ? t1 - t0 : 20.0;
  f->data_name = currents_dataset_get_filename (dataset);
  return TRUE;
}

static const char *
state (const Frame *f,
       guint        i)
{
  return g_ptr_array_index (f->states, i);
}

/* "u, v, iptg": every state, then every input */
static char *
argument_list (const Frame *f)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < f->states->len; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", state (f, i));
  for (guint k = 0; k < f->inputs->len; k++)
    g_string_append_printf (s, ", %s", (const char *) g_ptr_array_index (f->inputs, k));
  return g_string_free (s, FALSE);
}

static void
append_header (GString     *s,
               const Frame *f,
               const char  *what)
{
  g_string_append_printf (s, "# Untitled.ode — %s", what);
  if (f->data_name != NULL)
    {
      g_autofree char *base = g_path_get_basename (f->data_name);

      g_string_append_printf (s, " for %s", base);
    }
  g_string_append (s, "\n# SPDX-License-Identifier: GPL-3.0-or-later\n#\n");
}

static void
append_inputs (GString     *s,
               const Frame *f)
{
  if (f->inputs->len == 0)
    return;
  g_string_append (s, "# Inputs come from the data (each trajectory's own levels).\ninput ");
  for (guint k = 0; k < f->inputs->len; k++)
    g_string_append_printf (s, "%s%s=%.6g", k > 0 ? ", " : "",
                            (const char *) g_ptr_array_index (f->inputs, k),
                            g_array_index (f->levels, double, k));
  g_string_append_c (s, '\n');
}

static void
append_footer (GString     *s,
               const Frame *f)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (s, "init ");
  for (guint i = 0; i < f->states->len; i++)
    {
      g_ascii_formatd (buf, sizeof buf, "%.6g", g_array_index (f->init, double, i));
      g_string_append_printf (s, "%s%s=%s", i > 0 ? ", " : "", state (f, i), buf);
    }
  g_ascii_formatd (buf, sizeof buf, "%.6g", f->total);
  g_string_append_printf (s, "\n@ total=%s", buf);
  if (f->states->len >= 2)
    g_string_append_printf (s, ", xp=%s, yp=%s", state (f, 0), state (f, 1));
  g_string_append (s, "\ndone\n");
}

static void
write_equations (GString     *s,
                 const Frame *f)
{
  append_header (s, f, "equations");
  g_string_append (s, "# Write what you know about each state's rate of change. The parameters\n"
                      "# (par) can be fitted to the data: Train ▸ Fit the parameters.\n"
                      "# To start with, every state decays at its own rate.\n");
  g_string_append (s, "par ");
  for (guint i = 0; i < f->states->len; i++)
    g_string_append_printf (s, "%sk_%s=1", i > 0 ? ", " : "", state (f, i));
  g_string_append_c (s, '\n');
  append_inputs (s, f);
  for (guint i = 0; i < f->states->len; i++)
    g_string_append_printf (s, "%s' = -k_%s*%s\n", state (f, i), state (f, i), state (f, i));
  append_footer (s, f);
}

static void
write_hybrid (GString     *s,
              const Frame *f)
{
  g_autofree char *args = argument_list (f);

  append_header (s, f, "a hybrid model");
  g_string_append (s, "# Known terms as equations, unknown ones learned: here each state decays\n"
                      "# at a known rate k_X (fitted with Train ▸ Fit the parameters as well),\n"
                      "# and what produces it is a small neural network of all the states.\n"
                      "# Replace any learned term by the law you know, or give a network fewer\n"
                      "# arguments.\n");
  g_string_append (s, "par ");
  for (guint i = 0; i < f->states->len; i++)
    g_string_append_printf (s, "%sk_%s=0.1", i > 0 ? ", " : "", state (f, i));
  g_string_append_c (s, '\n');
  append_inputs (s, f);
  for (guint i = 0; i < f->states->len; i++)
    g_string_append_printf (s, "learn make_%s(%s) hidden=8 activation=softplus seed=%u\n",
                            state (f, i), args, i + 1);
  for (guint i = 0; i < f->states->len; i++)
    g_string_append_printf (s, "%s' = make_%s(%s) - k_%s*%s\n", state (f, i), state (f, i),
                            args, state (f, i), state (f, i));
  append_footer (s, f);
}

static gboolean
write_reactions (GString     *s,
                 const Frame *f,
                 GError     **error)
{
  guint n = f->states->len;

  if (n < 2)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a reaction network turns species into each other, but the data have "
                   "only one state; choose equations or a hybrid model");
      return FALSE;
    }

  append_header (s, f, "a reaction network");
  g_string_append (s, "# dx/dt = S·r(x): the reactions fix the stoichiometric matrix S, a neural\n"
                      "# network learns the rates r. Whatever the reactions conserve (the left\n"
                      "# null space of S) stays constant exactly, whatever the network learns.\n"
                      "# Write the reactions you know:  reaction NAME: A + B -> C [mass]\n"
                      "# (-> cannot run backwards, <-> can; `mass` makes the rate vanish when a\n"
                      "# reactant is absent). To start with, the states convert into each\n"
                      "# other in a chain.\n");
  append_inputs (s, f);
  for (guint i = 0; i + 1 < n; i++)
      g_string_append_printf (s, "reaction r%u: %s <-> %s\n", i + 1, state (f, i), state (f, i + 1));
  g_string_append (s, "rates hidden=16 activation=tanh seed=1\n");
  append_footer (s, f);
  return TRUE;
}

static gboolean
write_hamiltonian (GString     *s,
                   const Frame *f,
                   GError     **error)
{
  guint n = f->states->len, half = n / 2;

  if (n % 2 != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a Hamiltonian model pairs each coordinate with a momentum, but the data "
                   "have %u states; choose a data set with coordinates and momenta", n);
      return FALSE;
    }
  if (f->inputs->len > 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a Hamiltonian model has no inputs, but the data have %u; choose another "
                   "family or data without input columns", f->inputs->len);
      return FALSE;
    }
  append_header (s, f, "a Hamiltonian network");
  g_string_append (s, "# A learned energy H(q, p) with dq/dt = ∂H/∂p and dp/dt = −∂H/∂q: the\n"
                      "# flow conserves H and areas in the phase plane by construction.\n"
                      "# Coordinates come before the bar, momenta after it (in pairs); check that\n"
                      "# the pairing is right. For a damped system add damping=0.1.\n"
                      "hamiltonian");
  for (guint i = 0; i < half; i++)
    g_string_append_printf (s, " %s", state (f, i));
  g_string_append (s, " |");
  for (guint i = half; i < n; i++)
    g_string_append_printf (s, " %s", state (f, i));
  g_string_append (s, " hidden=16,16 activation=tanh seed=1\n");
  append_footer (s, f);
  return TRUE;
}

char *
currents_model_template (CurrentsModelTemplate  kind,
                         const CurrentsDataset *dataset,
                         GError               **error)
{
  g_auto(Frame) f = { 0 };
  g_autoptr(GString) s = g_string_new (NULL);

  g_return_val_if_fail ((guint) kind < G_N_ELEMENTS (kind_names), NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!frame_init (&f, dataset, error))
    return NULL;
  switch (kind)
    {
    case CURRENTS_MODEL_TEMPLATE_EQUATIONS:
      write_equations (s, &f);
      break;
    case CURRENTS_MODEL_TEMPLATE_HYBRID:
      write_hybrid (s, &f);
      break;
    case CURRENTS_MODEL_TEMPLATE_REACTIONS:
      if (!write_reactions (s, &f, error))
        return NULL;
      break;
    case CURRENTS_MODEL_TEMPLATE_HAMILTONIAN:
    default:
      if (!write_hamiltonian (s, &f, error))
        return NULL;
      break;
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}
