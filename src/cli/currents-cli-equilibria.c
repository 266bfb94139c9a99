/* currents-cli-equilibria.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli equilibria`: every equilibrium in a box, with eigenvalues, unit
 * eigenvectors and textbook type; `currents-cli knockout`: single knockouts ranked by
 * the shift of the steady state. Both take an equation model or a trained model.
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "currents-cli-private.h"
#include "currents-cli-ensemble.h"





static void
json_strings (JsonBuilder       *b,
              const char        *key,
              const char *const *names,
              gsize              n)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (gsize i = 0; i < n; i++)
    json_builder_add_string_value (b, names[i]);
  json_builder_end_array (b);
}

/* "eigenvalues": [[re, im], …], "eigenvectors": [[[re, im] per component] per vector] */
static void
json_linearisation (JsonBuilder               *b,
                    const CurrentsEquilibrium *eq)
{
  gsize n = eq->n;

  json_builder_set_member_name (b, "eigenvalues");
  json_builder_begin_array (b);
  for (gsize j = 0; j < n; j++)
    {
      json_builder_begin_array (b);
      cli_json_number (b, eq->eig_re[j]);
      cli_json_number (b, eq->eig_im[j]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "eigenvectors");
  json_builder_begin_array (b);
  for (gsize j = 0; j < n; j++)
    {
      json_builder_begin_array (b);
      for (gsize i = 0; i < n; i++)
        {
          json_builder_begin_array (b);
          cli_json_number (b, eq->evec_re[i * n + j]);
          cli_json_number (b, eq->evec_im[i * n + j]);
          json_builder_end_array (b);
        }
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "type");
  json_builder_add_string_value (b, currents_equilibrium_type_to_string (eq->type));
  json_builder_set_member_name (b, "stable");
  json_builder_add_boolean_value (b, eq->stable);
  json_builder_set_member_name (b, "n_stable");
  json_builder_add_int_value (b, (gint64) eq->n_stable);
  json_builder_set_member_name (b, "n_unstable");
  json_builder_add_int_value (b, (gint64) eq->n_unstable);
  json_builder_set_member_name (b, "n_center");
  json_builder_add_int_value (b, (gint64) eq->n_center);
}

static void
json_header (JsonBuilder          *b,
             const CurrentsSystem *sys,
             const char           *cmd,
             gboolean              autonomous,
             double                t)
{
  json_builder_set_member_name (b, "program");
  json_builder_add_string_value (b, "currents-cli " PACKAGE_VERSION);
  json_builder_set_member_name (b, "command");
  json_builder_add_string_value (b, cmd);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, currents_system_get_filename (sys));
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, currents_system_describe_kind (sys));
  json_strings (b, "states", currents_system_get_state_names (sys),
                currents_system_get_n_states (sys));
  json_builder_set_member_name (b, "autonomous");
  json_builder_add_boolean_value (b, autonomous);
  /* the time at which f is frozen; null for an autonomous model, where it does not matter */
  json_builder_set_member_name (b, "t_fixed");
  if (autonomous)
    json_builder_add_null_value (b);
  else
    cli_json_number (b, t);
}

static char *
format_complex (double re,
                double im)
{
  if (isnan (re) || isnan (im))
    return g_strdup ("NaN");
  if (im == 0.0)
    return g_strdup_printf ("%.6g", re);
  return g_strdup_printf ("%.6g%s%.6gi", re, im < 0 ? "-" : "+", fabs (im));
}

/* Eigenvalues in one line, pairs as re+/-wi (ASCII: g_print converts to the locale) */
static char *
format_eigenvalues (const CurrentsEquilibrium *eq)
{
  GString *s = g_string_new (NULL);

  for (gsize j = 0; j < eq->n; j++)
    {
      g_autofree char *c = NULL;

      if (j > 0)
        g_string_append (s, ", ");
      if (eq->eig_im[j] > 0.0 && j + 1 < eq->n)
        {
          g_string_append_printf (s, "%.6g+/-%.6gi", eq->eig_re[j], eq->eig_im[j]);
          j++;
          continue;
        }
      c = format_complex (eq->eig_re[j], eq->eig_im[j]);
      g_string_append (s, c);
    }
  return g_string_free (s, FALSE);
}

/* The time at which a non-autonomous field is frozen: --t, else the model's t0. */
static gboolean
frozen_time (const CurrentsSystem *sys,
             const char           *t_text,
             double               *t,
             GError              **error)
{
  *t = currents_system_get_t0 (sys);
  return t_text == NULL || cli_parse_double (t_text, "--t", t, error);
}


int
cli_equilibria (int    argc,
                char **argv)
{
  g_auto(GStrv) set_items = NULL;
  g_auto(GStrv) box_items = NULL;
  g_autofree char *t_text = NULL, *seed_text = NULL;
  gboolean json = FALSE;
  int n_seeds = 0;
  GOptionEntry entries[] = {
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set_items,
      "Set a parameter or input (repeatable; a=1,b=2 lists allowed)", "NAME=VALUE" },
    { "box", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &box_items,
      "Search this box (states not named keep the default range)", "NAME=LO:HI,..." },
    { "seeds", 0, 0, G_OPTION_ARG_INT, &n_seeds,
      "Newton starts (default 32 + 16 n)", "N" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text,
      "Seed of the scrambled Halton design (default 0)", "S" },
    { "t", 0, 0, G_OPTION_ARG_STRING, &t_text,
      "Hold t here for a non-autonomous model (default: the model's t0)", "T" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autoptr(GArray) boxes = NULL;
  g_autoptr(GPtrArray) eqs = NULL;
  g_autofree double *lo = NULL, *hi = NULL;
  g_autofree char *cmd = cli_command_line ();
  CurrentsEquilibriaOptions o;
  const char *const *names;
  gboolean autonomous;
  guint64 seed = 0;
  double t;
  gsize n;
  gboolean trained_ranges;
  guint n_out = 0;
  int status = CLI_OK;

  g_option_context_set_summary (ctx,
    "Find every equilibrium f(x*) = 0 in a box by Newton's method (exact Jacobian) from a\n"
    "space-filling set of starts; print each with its eigenvalues, unit eigenvectors and\n"
    "type (stable/unstable node or focus, saddle, center, saddle-focus, degenerate).\n"
    "Residuals are max_i |f_i| / ((1 + |x_i|) max(1, max_j |J_ij|)), polished to 1e-12.\n"
    "The default box is the model's @ window (or a trained model's data range), padded.\n\n"
    "Examples:\n"
    "  currents-cli equilibria pendulum.ode --json\n"
    "  currents-cli equilibria toggle.ode --set a1=4 --box u=0:5,v=0:5\n"
    "  currents-cli equilibria lorenz.ode --box x=-30:30,y=-30:30,z=-5:60 --seeds 200");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "equilibria takes exactly one model file");
  if (n_seeds < 0)
    return cli_usage_error (ctx, "--seeds must not be negative");
  if (seed_text != NULL)
    {
      char *end = NULL;
      seed = g_ascii_strtoull (seed_text, &end, 10);
      if (end == seed_text || *end != '\0' || seed_text[0] == '-')
        return cli_usage_error (ctx, "--seed: expected a whole number, found '%s'", seed_text);
    }
  if (currents_ensemble_sniff (argv[1]))
    return cli_equilibria_ensemble (argv[1], set_items, box_items, n_seeds, seed, t_text, json);

  sys = cli_load_system (argv[1], set_items, &status);
  if (sys == NULL)
    return status;
  n = currents_system_get_n_states (sys);
  names = currents_system_get_state_names (sys);
  autonomous = currents_field_is_autonomous (currents_system_get_field (sys));
  if (!frozen_time (sys, t_text, &t, &error))
    return cli_user_error (error);

  lo = g_new (double, n);
  hi = g_new (double, n);
  currents_system_get_default_box (sys, lo, hi);
  if (box_items != NULL && !(boxes = cli_parse_ranges (box_items, "--box", &error)))
    return cli_user_error (error);
  for (guint b = 0; boxes != NULL && b < boxes->len; b++)
    {
      const CliRange *r = &g_array_index (boxes, CliRange, b);
      int i = currents_system_find_state (sys, r->name);

      if (i < 0)
        {
          g_printerr ("currents-cli: --box %s: the %s has no state variable named '%s'\n",
                      r->name, currents_system_describe_kind (sys), r->name);
          return CLI_ERROR;
        }
      if (!(r->lo < r->hi))
        {
          g_printerr ("currents-cli: --box %s=%g:%g has zero width (LO must be below HI)\n",
                      r->name, r->lo, r->hi);
          return CLI_ERROR;
        }
      lo[i] = r->lo;
      hi[i] = r->hi;
    }

  currents_equilibria_options_init (&o);
  o.lo = lo;
  o.hi = hi;
  o.n_seeds = (gsize) n_seeds;
  o.seed = seed;
  o.t = t;
  eqs = currents_equilibria_find (currents_system_get_field (sys),
                                  currents_system_get_params (sys),
                                  currents_system_get_inputs (sys), &o, NULL, &error);
  if (eqs == NULL)
    return cli_user_error (error);
  trained_ranges = currents_system_get_support (sys, NULL, NULL, NULL, NULL);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      gboolean any_out = FALSE;

      json_builder_begin_object (b);
      json_header (b, sys, cmd, autonomous, t);
      json_builder_set_member_name (b, "box");
      json_builder_begin_object (b);
      for (gsize i = 0; i < n; i++)
        {
          json_builder_set_member_name (b, names[i]);
          json_builder_begin_array (b);
          cli_json_number (b, lo[i]);
          cli_json_number (b, hi[i]);
          json_builder_end_array (b);
        }
      json_builder_end_object (b);
      json_builder_set_member_name (b, "seeds");
      if (n_seeds > 0)
        json_builder_add_int_value (b, n_seeds);
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "seed");
      json_builder_add_int_value (b, (gint64) seed);
      cli_json_member_number (b, "tol", o.tol);
      json_builder_set_member_name (b, "equilibria");
      json_builder_begin_array (b);
      for (guint k = 0; k < eqs->len; k++)
        {
          const CurrentsEquilibrium *eq = g_ptr_array_index (eqs, k);

          json_builder_begin_object (b);
          cli_json_member_vector (b, "state", eq->state, n);
          json_linearisation (b, eq);
          cli_json_member_number (b, "residual", eq->residual);
          if (trained_ranges)
            {
              gboolean out = currents_system_is_extrapolated (sys, eq->state,
                                                              currents_system_get_inputs (sys),
                                                              NULL);

              any_out |= out;
              json_builder_set_member_name (b, "extrapolated");
              json_builder_add_boolean_value (b, out);
            }
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      if (trained_ranges)
        {
          json_builder_set_member_name (b, "extrapolated");
          json_builder_add_boolean_value (b, any_out);
        }
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  g_print ("Equilibria of %s (%s) in ", currents_system_get_filename (sys),
           currents_system_describe_kind (sys));
  for (gsize i = 0; i < n; i++)
    g_print ("%s%s=%g:%g", i ? ", " : "", names[i], lo[i], hi[i]);
  g_print ("\n");
  if (!autonomous)
    g_print ("The model is not autonomous: t held fixed at %g.\n", t);
  if (eqs->len == 0)
    {
      g_print ("None found.\n");
      return CLI_OK;
    }
  for (gsize i = 0; i < n; i++)
    g_print ("%-14s", names[i]);
  g_print ("%-16s%-8s%-10s%s\n", "type", "stable", "residual", "eigenvalues");
  for (guint k = 0; k < eqs->len; k++)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (eqs, k);
      g_autofree char *ev = format_eigenvalues (eq);

      gboolean out = trained_ranges
                     && currents_system_is_extrapolated (sys, eq->state,
                                                         currents_system_get_inputs (sys), NULL);

      for (gsize i = 0; i < n; i++)
        g_print ("%-14.8g", eq->state[i]);
      g_print ("%-16s%-8s%-10.2g%s%s\n", currents_equilibrium_type_to_string (eq->type),
               eq->stable ? "yes" : "no", eq->residual, ev, out ? "  *" : "");
      n_out += out;
    }
  g_print ("%u equilibri%s.\n", eqs->len, eqs->len == 1 ? "um" : "a");
  if (n_out > 0)
    g_print ("* extrapolated: outside the range of the data the model was trained on, where "
             "it is a guess.\n");
  return CLI_OK;
}

/* ------------------------------------------------------------------------------------ */

static void
json_steady (JsonBuilder               *b,
             const CurrentsSteadyState *ss)
{
  cli_json_member_vector (b, "state", ss->state, ss->n);
  json_builder_set_member_name (b, "stable");
  json_builder_add_boolean_value (b, ss->stable);
  json_builder_set_member_name (b, "steady");
  json_builder_add_boolean_value (b, ss->steady);
  json_builder_set_member_name (b, "settled");
  json_builder_add_boolean_value (b, ss->settled);
  cli_json_member_number (b, "residual", ss->residual);
  json_builder_set_member_name (b, "type");
  if (ss->linear != NULL)
    json_builder_add_string_value (b, currents_equilibrium_type_to_string (ss->linear->type));
  else
    json_builder_add_null_value (b);
  if (ss->linear != NULL)
    {
      json_builder_set_member_name (b, "eigenvalues");
      json_builder_begin_array (b);
      for (gsize j = 0; j < ss->linear->n; j++)
        {
          json_builder_begin_array (b);
          cli_json_number (b, ss->linear->eig_re[j]);
          cli_json_number (b, ss->linear->eig_im[j]);
          json_builder_end_array (b);
        }
      json_builder_end_array (b);
    }
  json_builder_set_member_name (b, "message");
  if (ss->message != NULL)
    json_builder_add_string_value (b, ss->message);
  else
    json_builder_add_null_value (b);
}

static char *
format_state (const char *const *names,
              const double      *x,
              gsize              n)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s=%.6g", i ? " " : "", names[i], x[i]);
  return g_string_free (s, FALSE);
}

/* Everything a knockout run needs on one system: the genes (--gene, default all), the
 * start (the initial state, --from), the options (--t, --t-max, the training ranges of a
 * trained model), the reference steady state and the knockouts. FALSE with @error; when
 * the reference is not steady, *ref is set and the error says so. */
static gboolean
knockout_system (CurrentsSystem           *sys,
                 char                    **gene_items,
                 char                    **from_items,
                 const char               *t_text,
                 const char               *tmax_text,
                 GArray                   *genes,
                 double                  **x0_out,
                 double                   *t_out,
                 CurrentsSteadyState     **ref_out,
                 GPtrArray               **kos_out,
                 GError                  **error)
{
  g_autoptr(GArray) froms = NULL;
  g_autofree double *x0 = NULL, *xmin = NULL, *xmax = NULL, *umin = NULL, *umax = NULL;
  g_autoptr(CurrentsSteadyState) ref = NULL;
  CurrentsKnockoutOptions o;
  CurrentsSimOptions so;
  const CurrentsTrainedModel *tm;
  const char *const *names = currents_system_get_state_names (sys);
  gsize n = currents_system_get_n_states (sys), m = currents_system_get_n_inputs (sys);
  double t;

  if (!frozen_time (sys, t_text, &t, error))
    return FALSE;
  g_array_set_size (genes, 0);
  for (char **it = gene_items; it != NULL && *it != NULL; it++)
    {
      g_auto(GStrv) parts = g_strsplit (*it, ",", -1);

      for (char **pp = parts; *pp != NULL; pp++)
        {
          g_autofree char *name = g_strstrip (g_strdup (*pp));
          int i = currents_system_find_state (sys, name);
          gsize gi;

          if (i < 0)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                           "--gene %s: the %s has no state variable named '%s'", name,
                           currents_system_describe_kind (sys), name);
              return FALSE;
            }
          gi = (gsize) i;
          g_array_append_val (genes, gi);
        }
    }
  if (genes->len == 0)
    for (gsize i = 0; i < n; i++)
      g_array_append_val (genes, i);

  x0 = g_memdup2 (currents_system_get_initial (sys), n * sizeof (double));
  if (from_items != NULL && !(froms = cli_parse_assignments (from_items, "--from", error)))
    return FALSE;
  for (guint k = 0; froms != NULL && k < froms->len; k++)
    {
      const CliAssign *a = &g_array_index (froms, CliAssign, k);
      int i = currents_system_find_state (sys, a->name);

      if (i < 0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "--from %s: the %s has no state variable named '%s'", a->name,
                       currents_system_describe_kind (sys), a->name);
          return FALSE;
        }
      x0[i] = a->value;
    }

  currents_knockout_options_init (&o);
  currents_system_get_sim_options (sys, &so);
  o.sim = &so;
  o.t = t;
  if (tmax_text != NULL)
    {
      if (!cli_parse_double (tmax_text, "--t-max", &o.t_max, error))
        return FALSE;
      if (!(o.t_max > 0))
        {
          g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                       "--t-max must be positive");
          return FALSE;
        }
    }
  tm = currents_system_get_trained (sys);
  if (tm != NULL)
    {
      xmin = g_new (double, n);
      xmax = g_new (double, n);
      umin = g_new (double, MAX (m, 1));
      umax = g_new (double, MAX (m, 1));
      if (currents_trained_model_get_ranges (tm, xmin, xmax, umin, umax))
        {
          o.x_min = xmin;
          o.x_max = xmax;
        }
    }

  ref = currents_knockout_steady_state (currents_system_get_field (sys),
                                        currents_system_get_params (sys),
                                        currents_system_get_inputs (sys), x0, NULL, 0, &o, NULL,
                                        error);
  if (ref == NULL)
    return FALSE;
  if (!ref->steady)
    {
      g_autofree char *start = format_state (names, x0, n);

      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                   "no reference steady state from %s: %s\n"
                   "Give another starting state with --from NAME=VALUE,...", start,
                   ref->message != NULL ? ref->message : "Newton did not converge");
      return FALSE;
    }
  *kos_out = currents_knockout_run (currents_system_get_field (sys),
                                    currents_system_get_params (sys),
                                    currents_system_get_inputs (sys), ref,
                                    (gsize *) (gpointer) genes->data, genes->len, &o, NULL, error);
  if (*kos_out == NULL)
    return FALSE;
  *x0_out = g_steal_pointer (&x0);
  *t_out = t;
  *ref_out = g_steal_pointer (&ref);
  return TRUE;
}

/* Knockouts across an ensemble: each member's shifts, ranked by their median, with the
 * members' interval and in how many members the knockout reached a steady state. */
static int
knockout_ensemble (const char  *path,
                   char       **gene_items,
                   char       **from_items,
                   char       **set_items,
                   const char  *t_text,
                   const char  *tmax_text,
                   gboolean     json,
                   const char  *cmd)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsEnsemble) ens = currents_ensemble_load (path, &error);
  g_autoptr(GArray) genes = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autofree double *shift = NULL;      /* n_members × n_genes, NaN: no steady state */
  g_autofree gboolean *extrap = NULL;   /* n_genes: extrapolated in some member */
  g_autofree guint *order = NULL;
  g_autofree double *median = NULL, *lo = NULL, *hi = NULL;
  g_autofree guint *found = NULL;
  g_autoptr(CurrentsSystem) first = NULL;
  CurrentsIntervalKind kind = CURRENTS_INTERVAL_RANGE;
  gsize K, G = 0;

  if (ens == NULL)
    return cli_user_error (error);
  K = currents_ensemble_get_n_members (ens);
  for (gsize k = 0; k < K; k++)
    {
      g_autoptr(CurrentsSystem) sys = currents_ensemble_new_system (ens, k);
      g_autoptr(GArray) sets = NULL;
      g_autoptr(CurrentsSteadyState) ref = NULL;
      g_autoptr(GPtrArray) kos = NULL;
      g_autofree double *x0 = NULL;
      double t;

      if (set_items != NULL && !(sets = cli_parse_assignments (set_items, "--set", &error)))
        return cli_user_error (error);
      for (guint i = 0; sets != NULL && i < sets->len; i++)
        {
          const CliAssign *a = &g_array_index (sets, CliAssign, i);

          if (!currents_system_set (sys, a->name, a->value, &error))
            {
              g_prefix_error (&error, "--set %s: ", a->name);
              return cli_user_error (error);
            }
        }
      if (!knockout_system (sys, gene_items, from_items, t_text, tmax_text, genes, &x0, &t,
                            &ref, &kos, &error))
        {
          g_prefix_error (&error, "member %zu: ", k + 1);
          return cli_user_error (error);
        }
      if (shift == NULL)
        {
          G = genes->len;
          shift = g_new (double, K * G);
          extrap = g_new0 (gboolean, G);
        }
      for (guint q = 0; q < kos->len; q++)
        {
          const CurrentsKnockout *ko = g_ptr_array_index (kos, q);

          for (gsize g = 0; g < G; g++)
            if (g_array_index (genes, gsize, g) == ko->gene)
              {
                shift[k * G + g] = ko->result->steady ? ko->shift : NAN;
                extrap[g] |= ko->extrapolated;
              }
        }
      if (first == NULL)
        first = g_steal_pointer (&sys);
    }
  median = g_new (double, G);
  lo = g_new (double, G);
  hi = g_new (double, G);
  found = g_new0 (guint, G);
  order = g_new (guint, G);
  for (gsize g = 0; g < G; g++)
    {
      g_autofree double *v = g_new (double, K);

      for (gsize k = 0; k < K; k++)
        if (isfinite (shift[k * G + g]))
          v[found[g]++] = shift[k * G + g];
      median[g] = lo[g] = hi[g] = NAN;
      if (found[g] > 0)
        kind = currents_interval (v, found[g], &median[g], &lo[g], &hi[g]);
      order[g] = (guint) g;
    }
  /* largest median shift first; knockouts that settled nowhere last */
  for (gsize a = 1; a < G; a++)
    for (gsize b = a; b > 0; b--)
      {
        double x = median[order[b - 1]], y = median[order[b]];

        if ((isnan (x) && !isnan (y)) || (!isnan (x) && !isnan (y) && y > x))
          {
            guint tmp = order[b - 1];

            order[b - 1] = order[b];
            order[b] = tmp;
          }
      }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      const char *const *names = currents_system_get_state_names (first);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "program");
      json_builder_add_string_value (b, "currents-cli " PACKAGE_VERSION);
      json_builder_set_member_name (b, "command");
      json_builder_add_string_value (b, cmd);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, path);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, "ensemble");
      json_builder_set_member_name (b, "ensemble");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "members");
      json_builder_add_int_value (b, (gint64) K);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "knockouts");
      json_builder_begin_array (b);
      for (gsize q = 0; q < G; q++)
        {
          gsize g = order[q];

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "gene");
          json_builder_add_string_value (b, names[g_array_index (genes, gsize, g)]);
          cli_json_member_number (b, "shift", median[g]);
          json_builder_set_member_name (b, "interval");
          json_builder_begin_array (b);
          cli_json_number (b, lo[g]);
          cli_json_number (b, hi[g]);
          json_builder_end_array (b);
          json_builder_set_member_name (b, "interval_kind");
          json_builder_add_string_value (b, currents_interval_kind_to_string (kind));
          json_builder_set_member_name (b, "found_in");
          json_builder_add_int_value (b, found[g]);
          json_builder_set_member_name (b, "members");
          json_builder_begin_array (b);
          for (gsize k = 0; k < K; k++)
            cli_json_number (b, shift[k * G + g]);
          json_builder_end_array (b);
          json_builder_set_member_name (b, "extrapolated");
          json_builder_add_boolean_value (b, extrap[g]);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }
  g_print ("Knockouts across the ensemble %s (%zu members)\n", path, K);
  g_print ("%-5s%-14s%-14s%-26s%s\n", "rank", "gene", "median shift",
           kind == CURRENTS_INTERVAL_RANGE ? "members' range" : "5–95%", "found in");
  for (gsize q = 0; q < G; q++)
    {
      gsize g = order[q];
      g_autofree char *range = found[g] > 0 ? g_strdup_printf ("%.4g – %.4g", lo[g], hi[g])
                                            : g_strdup ("-");

      g_print ("%-5zu%-14s%-14.6g%-26s%u of %zu%s\n", q + 1,
               currents_system_get_state_names (first)[g_array_index (genes, gsize, g)],
               median[g], range, found[g], K,
               extrap[g] ? "  (extrapolated: 0 is outside the training range)" : "");
    }
  return CLI_OK;
}

int
cli_knockout (int    argc,
              char **argv)
{
  g_auto(GStrv) set_items = NULL;
  g_auto(GStrv) gene_items = NULL;
  g_auto(GStrv) from_items = NULL;
  g_autofree char *t_text = NULL, *tmax_text = NULL;
  gboolean json = FALSE, all = FALSE;
  GOptionEntry entries[] = {
    { "gene", 'g', 0, G_OPTION_ARG_STRING_ARRAY, &gene_items,
      "Knock out this state (repeatable; a,b lists allowed)", "NAME" },
    { "all", 'a', 0, G_OPTION_ARG_NONE, &all, "Knock out each state in turn (default)", NULL },
    { "from", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &from_items,
      "Start the reference run here (default: the model's initial state)", "NAME=VALUE,..." },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set_items,
      "Set a parameter or input (repeatable; a=1,b=2 lists allowed)", "NAME=VALUE" },
    { "t", 0, 0, G_OPTION_ARG_STRING, &t_text,
      "Hold t here for a non-autonomous model (default: the model's t0)", "T" },
    { "t-max", 0, 0, G_OPTION_ARG_STRING, &tmax_text,
      "Integrate at most this long towards each steady state (default 10000)", "T" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autoptr(GArray) genes = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr(CurrentsSteadyState) ref = NULL;
  g_autoptr(GPtrArray) kos = NULL;
  g_autofree double *x0 = NULL;
  g_autofree char *cmd = cli_command_line ();
  const char *const *names;
  gboolean autonomous;
  double t;
  gsize n;
  int status = CLI_OK;

  g_option_context_set_summary (ctx,
    "In-silico knockouts: hold a state (gene) at 0, so that every influence of it vanishes,\n"
    "and integrate from the unperturbed steady state until the system settles; then polish\n"
    "by Newton and report stability. Knockouts are ranked by the 2-norm of the shift of\n"
    "the steady state. For a trained model, a knockout is \"extrapolated\" when 0 lies\n"
    "outside the state's training range.\n\n"
    "Examples:\n"
    "  currents-cli knockout toggle.ode --all\n"
    "  currents-cli knockout repressilator.ode --gene x --json\n"
    "  currents-cli knockout toggle.json --from u=0.2,v=2.5 --set iptg=0.1");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "knockout takes exactly one model file");
  if (all && gene_items != NULL)
    return cli_usage_error (ctx, "give either --gene or --all, not both");

  if (currents_ensemble_sniff (argv[1]))
    return knockout_ensemble (argv[1], gene_items, from_items, set_items, t_text, tmax_text,
                              json, cmd);
  sys = cli_load_system (argv[1], set_items, &status);
  if (sys == NULL)
    return status;
  n = currents_system_get_n_states (sys);
  names = currents_system_get_state_names (sys);
  autonomous = currents_field_is_autonomous (currents_system_get_field (sys));
  if (!knockout_system (sys, gene_items, from_items, t_text, tmax_text, genes, &x0, &t, &ref,
                        &kos, &error))
    {
      if (g_error_matches (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE))
        return cli_usage_error (ctx, "%s", error->message);
      return cli_user_error (error);
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_header (b, sys, cmd, autonomous, t);
      cli_json_member_vector (b, "from", x0, n);
      json_builder_set_member_name (b, "reference");
      json_builder_begin_object (b);
      json_steady (b, ref);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "knockouts");
      json_builder_begin_array (b);
      for (guint k = 0; k < kos->len; k++)
        {
          const CurrentsKnockout *ko = g_ptr_array_index (kos, k);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "gene");
          json_builder_add_string_value (b, names[ko->gene]);
          cli_json_member_number (b, "shift", ko->shift);
          json_builder_set_member_name (b, "extrapolated");
          json_builder_add_boolean_value (b, ko->extrapolated);
          json_steady (b, ko->result);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  {
    g_autofree char *rs = format_state (names, ref->state, n);

    g_print ("Knockouts of %s (%s)\n", currents_system_get_filename (sys),
             currents_system_describe_kind (sys));
    if (!autonomous)
      g_print ("The model is not autonomous: t held fixed at %g.\n", t);
    g_print ("Reference steady state (%s%s): %s\n",
             ref->stable ? "stable" : "unstable",
             ref->settled ? "" : "; the trajectory does not come to rest there", rs);
    g_print ("%-5s%-14s%-14s%-8s%-14s%s\n", "rank", "gene", "shift", "stable", "type",
             "steady state");
    for (guint k = 0; k < kos->len; k++)
      {
        const CurrentsKnockout *ko = g_ptr_array_index (kos, k);
        const CurrentsSteadyState *r = ko->result;
        g_autofree char *xs = format_state (names, r->state, n);
        g_autofree char *st = !r->steady ? g_strdup_printf ("none (%s)", r->message)
                              : r->settled ? g_strdup (xs)
                              : g_strdup_printf ("%s (not approached: %s)", xs, r->message);
        g_autofree char *shift = isnan (ko->shift) ? g_strdup ("-")
                                                   : g_strdup_printf ("%.6g", ko->shift);

        g_print ("%-5u%-14s%-14s%-8s%-14s%s%s\n", k + 1, names[ko->gene], shift,
                 r->steady ? (r->stable ? "yes" : "no") : "-",
                 r->linear != NULL ? currents_equilibrium_type_to_string (r->linear->type) : "-",
                 st, ko->extrapolated ? "  (extrapolated: 0 is outside the training range)" : "");
      }
  }
  return CLI_OK;
}
