/* currents-cli-continue.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli continue`: the one-parameter bifurcation diagram of equilibria (branches
 * with stability, folds, Hopf points with ω and l₁, branch points), optionally with the
 * periodic orbits born at the Hopf points; `currents-cli continue2`: curves of folds and
 * Hopf points in two parameters, with cusp and Bogdanov–Takens points. Both take an
 * equation model or a trained model (whose parameter is then one of its inputs).
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "currents-cli-private.h"
#include "currents-continuation.h"
#include "currents-periodic.h"




/* LO:HI (either may be negative). */
static gboolean
parse_range (const char  *text,
             const char  *option,
             double      *lo,
             double      *hi,
             GError     **error)
{
  const char *colon = text != NULL ? strchr (text, ':') : NULL;
  g_autofree char *left = NULL;

  if (colon == NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%s: expected LO:HI, found '%s'", option, text != NULL ? text : "");
      return FALSE;
    }
  left = g_strndup (text, colon - text);
  if (!cli_parse_double (left, option, lo, error) ||
      !cli_parse_double (colon + 1, option, hi, error))
    return FALSE;
  if (!(*lo < *hi))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%s %s: the range %s (LO must be below HI)", option, text,
                   *lo == *hi ? "has zero width" : "is inverted");
      return FALSE;
    }
  return TRUE;
}

/* The box for the starting equilibria: the default (as `currents-cli equilibria`), then
 * --box. */
static gboolean
make_box (CurrentsSystem  *sys,
          char           **box_items,
          double          *lo,
          double          *hi,
          GError         **error)
{
  g_autoptr(GArray) boxes = NULL;

  currents_continuation_default_box (sys, lo, hi);
  if (box_items != NULL && !(boxes = cli_parse_ranges (box_items, "--box", error)))
    return FALSE;
  for (guint b = 0; boxes != NULL && b < boxes->len; b++)
    {
      const CliRange *r = &g_array_index (boxes, CliRange, b);
      int i = currents_system_find_state (sys, r->name);

      if (i < 0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "--box %s: the %s has no state variable named '%s'", r->name,
                       currents_system_describe_kind (sys), r->name);
          return FALSE;
        }
      if (!(r->lo < r->hi))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "--box %s=%g:%g has zero width (LO must be below HI)", r->name,
                       r->lo, r->hi);
          return FALSE;
        }
      lo[i] = r->lo;
      hi[i] = r->hi;
    }
  return TRUE;
}

static gboolean
parse_steps (const char                  *ds_text,
             const char                  *ds_min_text,
             const char                  *ds_max_text,
             int                          max_points,
             int                          max_branches,
             CurrentsContinuationOptions *o,
             GError                     **error)
{
  if ((ds_text && !cli_parse_double (ds_text, "--ds", &o->ds, error)) ||
      (ds_min_text && !cli_parse_double (ds_min_text, "--ds-min", &o->ds_min, error)) ||
      (ds_max_text && !cli_parse_double (ds_max_text, "--ds-max", &o->ds_max, error)))
    return FALSE;
  if (o->ds < 0 || o->ds_min < 0 || o->ds_max < 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "--ds, --ds-min and --ds-max must be positive");
      return FALSE;
    }
  if (max_points < 0 || max_points == 1)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "--max-points must be at least 2");
      return FALSE;
    }
  if (max_branches < 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "--max-branches must be positive");
      return FALSE;
    }
  if (max_points > 0)
    o->max_points = (gsize) max_points;
  if (max_branches > 0)
    o->max_branches = (gsize) max_branches;
  return TRUE;
}

static void
json_header (JsonBuilder          *b,
             CurrentsSystem       *sys,
             const char           *cmd,
             gboolean              autonomous,
             double                t,
             const double         *lo,
             const double         *hi)
{
  gsize n = currents_system_get_n_states (sys);
  const char *const *names = currents_system_get_state_names (sys);

  json_builder_set_member_name (b, "program");
  json_builder_add_string_value (b, "currents-cli " PACKAGE_VERSION);
  json_builder_set_member_name (b, "command");
  json_builder_add_string_value (b, cmd);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, currents_system_get_filename (sys));
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, currents_system_describe_kind (sys));
  json_builder_set_member_name (b, "states");
  json_builder_begin_array (b);
  for (gsize i = 0; i < n; i++)
    json_builder_add_string_value (b, names[i]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "autonomous");
  json_builder_add_boolean_value (b, autonomous);
  json_builder_set_member_name (b, "t_fixed");
  if (autonomous)
    json_builder_add_null_value (b);
  else
    cli_json_number (b, t);
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
}

static void
json_parameter (JsonBuilder *b,
                const char  *key,
                const char  *name,
                double       lo,
                double       hi,
                gboolean     log_scale)
{
  json_builder_set_member_name (b, key);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "range");
  json_builder_begin_array (b);
  cli_json_number (b, lo);
  cli_json_number (b, hi);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "log");
  json_builder_add_boolean_value (b, log_scale);
  json_builder_end_object (b);
}

static void
json_special (JsonBuilder               *b,
              const CurrentsBifurcation *s,
              gboolean                   two)
{
  json_builder_begin_object (b);
  cli_json_member_number (b, "param", s->param);
  if (two)
    cli_json_member_number (b, "param2", s->param2);
  cli_json_member_vector (b, "state", s->state, s->n);
  switch (s->kind)
    {
    case CURRENTS_BIFURCATION_HOPF:
      cli_json_member_number (b, "frequency", s->frequency);
      cli_json_member_number (b, "lyapunov", s->lyapunov);
      json_builder_set_member_name (b, "criticality");
      if (isfinite (s->lyapunov))
        json_builder_add_string_value (b, s->lyapunov < 0 ? "supercritical"
                                          : s->lyapunov > 0 ? "subcritical" : "degenerate");
      else
        json_builder_add_null_value (b);
      break;
    case CURRENTS_BIFURCATION_FOLD:
      cli_json_member_number (b, "normal_form", s->normal_form);
      break;
    case CURRENTS_BIFURCATION_BRANCH_POINT:
      cli_json_member_vector (b, "direction", s->evec_re, s->n);
      break;
    default:
      break;
    }
  json_builder_set_member_name (b, "branch");
  json_builder_add_int_value (b, (gint64) s->branch);
  json_builder_set_member_name (b, "point");
  json_builder_add_int_value (b, (gint64) s->point);
  json_builder_end_object (b);
}

static void
json_specials (JsonBuilder                      *b,
               const char                       *key,
               const CurrentsContinuationResult *r,
               CurrentsBifurcationKind           kind,
               gboolean                          two)
{
  g_autoptr(GPtrArray) list = currents_continuation_result_get_special (r, kind);

  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    json_special (b, g_ptr_array_index (list, i), two);
  json_builder_end_array (b);
}

static void
json_branch (JsonBuilder                      *b,
             const CurrentsContinuationBranch *br)
{
  gboolean two = br->param2 != NULL;

  json_builder_begin_object (b);
  if (two)
    {
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, currents_curve_kind_to_string (br->kind));
    }
  json_builder_set_member_name (b, "ends");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, currents_continuation_end_to_string (br->end_first));
  json_builder_add_string_value (b, currents_continuation_end_to_string (br->end_last));
  json_builder_end_array (b);
  json_builder_set_member_name (b, "points");
  json_builder_begin_array (b);
  for (gsize k = 0; k < br->n_points; k++)
    {
      json_builder_begin_object (b);
      cli_json_member_number (b, "param", br->param[k]);
      if (two)
        cli_json_member_number (b, "param2", br->param2[k]);
      cli_json_member_vector (b, "state", br->state + k * br->n, br->n);
      if (br->frequency != NULL)
        cli_json_member_number (b, "frequency", br->frequency[k]);
      if (!two)
        {
          json_builder_set_member_name (b, "stable");
          json_builder_add_boolean_value (b, br->stable[k]);
        }
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
  json_builder_end_object (b);
}

static char *
format_state (CurrentsSystem *sys,
              const double   *x)
{
  const char *const *names = currents_system_get_state_names (sys);
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < currents_system_get_n_states (sys); i++)
    g_string_append_printf (s, "%s%s=%.6g", i ? ", " : "", names[i], x[i]);
  return g_string_free (s, FALSE);
}

/* Stretches of one stability along a branch, "0 → 2 stable; 2 → 4 unstable". */
static char *
format_stability (const CurrentsContinuationBranch *br)
{
  GString *s = g_string_new (NULL);
  gsize start = 0;

  for (gsize k = 1; k <= br->n_points; k++)
    if (k == br->n_points || br->stable[k] != br->stable[start])
      {
        g_string_append_printf (s, "%s%.6g → %.6g %s", start ? "; " : "", br->param[start],
                                br->param[k - 1], br->stable[start] ? "stable" : "unstable");
        start = k;
      }
  return g_string_free (s, FALSE);
}

typedef struct
{
  double  param;
  GPtrArray *orbits;  /* CurrentsPeriodicOrbit */
  char   *error;
} HopfOrbits;

static void
hopf_orbits_clear (gpointer data)
{
  HopfOrbits *h = data;

  g_clear_pointer (&h->orbits, g_ptr_array_unref);
  g_free (h->error);
}

int
cli_continue (int    argc,
              char **argv)
{
  g_auto(GStrv) set_items = NULL;
  g_auto(GStrv) box_items = NULL;
  g_autofree char *param = NULL, *range_text = NULL, *ds_text = NULL, *ds_min_text = NULL;
  g_autofree char *ds_max_text = NULL, *start_text = NULL, *t_text = NULL;
  gboolean json = FALSE, log_scale = FALSE, periodic = FALSE, no_switch = FALSE;
  int max_points = 0, max_branches = 0;
  GOptionEntry entries[] = {
    { "param", 'p', 0, G_OPTION_ARG_STRING, &param,
      "The parameter (or input) to vary", "NAME" },
    { "range", 'r', 0, G_OPTION_ARG_STRING, &range_text,
      "Its range, in its own units", "LO:HI" },
    { "log", 0, 0, G_OPTION_ARG_NONE, &log_scale,
      "Continue in log10 of the parameter (LO > 0); values stay in its units", NULL },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set_items,
      "Set a parameter or input (repeatable; a=1,b=2 lists allowed)", "NAME=VALUE" },
    { "start", 0, 0, G_OPTION_ARG_STRING, &start_text,
      "Look for the starting equilibria here (default: the parameter's value, moved into "
      "the range)", "VALUE" },
    { "box", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &box_items,
      "Look for starting equilibria in this box (as `equilibria --box`)", "NAME=LO:HI,..." },
    { "ds", 0, 0, G_OPTION_ARG_STRING, &ds_text,
      "First step, in units of the parameter (of log10 of it with --log) "
      "(default: 1/100 of the range)", "DS" },
    { "ds-min", 0, 0, G_OPTION_ARG_STRING, &ds_min_text,
      "Smallest step before a branch is given up (default: 1e-7 of the range)", "DS" },
    { "ds-max", 0, 0, G_OPTION_ARG_STRING, &ds_max_text,
      "Largest step (default: 1/25 of the range)", "DS" },
    { "max-points", 0, 0, G_OPTION_ARG_INT, &max_points,
      "Points per branch at most (default 1000)", "N" },
    { "max-branches", 0, 0, G_OPTION_ARG_INT, &max_branches,
      "Branches at most (default 32)", "N" },
    { "no-switch", 0, 0, G_OPTION_ARG_NONE, &no_switch,
      "Do not follow the other branches at branch points", NULL },
    { "periodic", 0, 0, G_OPTION_ARG_NONE, &periodic,
      "Also continue the periodic orbits born at each Hopf point", NULL },
    { "t", 0, 0, G_OPTION_ARG_STRING, &t_text,
      "Hold t here for a non-autonomous model (default: the model's t0)", "T" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autoptr(CurrentsContinuation) cont = NULL;
  g_autoptr(GArray) hopf_orbits = NULL;
  g_autofree double *lo = NULL, *hi = NULL;
  g_autofree char *cmd = cli_command_line ();
  CurrentsContinuationOptions o;
  const CurrentsContinuationResult *res;
  gboolean autonomous;
  int status = CLI_OK;
  gsize n;

  g_option_context_set_summary (ctx,
    "Follow the equilibria of a model as one parameter (or input) varies, from every\n"
    "equilibrium at the start, by pseudo-arclength continuation with the exact Jacobian:\n"
    "branches with their stability, folds (tipping points), Hopf points (angular frequency\n"
    "ω and first Lyapunov coefficient l1: negative supercritical, positive subcritical) and\n"
    "branch points, whose other branches are followed too.\n\n"
    "Examples:\n"
    "  currents-cli continue brusselator.ode --param b --range 0:4 --json\n"
    "  currents-cli continue toggle.ode --param iptg --range 0.01:100 --log\n"
    "  currents-cli continue lorenz.ode --param rho --range 0.5:30 --periodic");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "continue takes exactly one model file");
  if (param == NULL)
    return cli_usage_error (ctx, "continue needs --param NAME");
  if (range_text == NULL)
    return cli_usage_error (ctx, "continue needs --range LO:HI");

  currents_continuation_options_init (&o);
  if (!parse_range (range_text, "--range", &o.lo, &o.hi, &error) ||
      !parse_steps (ds_text, ds_min_text, ds_max_text, max_points, max_branches, &o, &error) ||
      (start_text && !cli_parse_double (start_text, "--start", &o.start, &error)))
    return cli_user_error (error);
  o.log_scale = log_scale;
  o.switch_branches = !no_switch;

  sys = cli_load_system (argv[1], set_items, &status);
  if (sys == NULL)
    return status;
  n = currents_system_get_n_states (sys);
  autonomous = currents_field_is_autonomous (currents_system_get_field (sys));
  o.t = currents_system_get_t0 (sys);
  if (t_text && !cli_parse_double (t_text, "--t", &o.t, &error))
    return cli_user_error (error);
  lo = g_new (double, MAX (n, 1));
  hi = g_new (double, MAX (n, 1));
  if (!make_box (sys, box_items, lo, hi, &error))
    return cli_user_error (error);
  o.box_lo = lo;
  o.box_hi = hi;

  cont = currents_continuation_new (sys, param, &o, &error);
  if (cont == NULL || !currents_continuation_run (cont, NULL, &error))
    return cli_user_error (error);
  res = currents_continuation_get_result (cont);

  if (periodic)
    {
      g_autoptr(GPtrArray) hopf = NULL;
      int k = currents_system_find_param (sys, param);
      int j = currents_system_find_input (sys, param);

      hopf = currents_continuation_result_get_special (res, CURRENTS_BIFURCATION_HOPF);
      hopf_orbits = g_array_new (FALSE, TRUE, sizeof (HopfOrbits));
      g_array_set_clear_func (hopf_orbits, hopf_orbits_clear);
      for (guint i = 0; i < hopf->len; i++)
        {
          const CurrentsBifurcation *hp = g_ptr_array_index (hopf, i);
          g_autofree double *p = g_memdup2 (currents_system_get_params (sys),
                                            MAX (currents_system_get_n_params (sys), 1) *
                                            sizeof (double));
          g_autofree double *u = g_memdup2 (currents_system_get_inputs (sys),
                                            MAX (currents_system_get_n_inputs (sys), 1) *
                                            sizeof (double));
          g_autoptr(GError) perr = NULL;
          HopfOrbits ho = { hp->param, NULL, NULL };

          if (k >= 0)
            p[k] = hp->param;
          else
            u[j] = hp->param;
          ho.orbits = currents_periodic_continue_from_hopf (currents_system_get_field (sys), p,
                                                            u, (gsize) (k >= 0 ? k : j), k < 0,
                                                            hp->state, hp->frequency,
                                                            hp->evec_re, hp->evec_im, o.lo,
                                                            o.hi, MIN (o.max_points, 400),
                                                            NULL, &perr);
          if (ho.orbits == NULL)
            {
              ho.error = g_strdup (perr->message);
              g_printerr ("currents-cli: periodic orbits from the Hopf point at %s = %g: %s\n",
                          param, hp->param, perr->message);
            }
          g_array_append_val (hopf_orbits, ho);
        }
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_header (b, sys, cmd, autonomous, o.t, lo, hi);
      json_parameter (b, "parameter", param, o.lo, o.hi, log_scale);
      cli_json_member_number (b, "start", currents_continuation_get_start (cont));
      json_builder_set_member_name (b, "branches");
      json_builder_begin_array (b);
      for (guint i = 0; i < res->branches->len; i++)
        json_branch (b, g_ptr_array_index (res->branches, i));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "truncated");
      json_builder_add_boolean_value (b, res->truncated);
      json_specials (b, "folds", res, CURRENTS_BIFURCATION_FOLD, FALSE);
      json_specials (b, "hopf", res, CURRENTS_BIFURCATION_HOPF, FALSE);
      json_specials (b, "branch_points", res, CURRENTS_BIFURCATION_BRANCH_POINT, FALSE);
      json_builder_set_member_name (b, "periodic_orbits");
      json_builder_begin_array (b);
      for (guint i = 0; hopf_orbits != NULL && i < hopf_orbits->len; i++)
        {
          const HopfOrbits *ho = &g_array_index (hopf_orbits, HopfOrbits, i);

          for (guint k = 0; ho->orbits != NULL && k < ho->orbits->len; k++)
            {
              const CurrentsPeriodicOrbit *orb = g_ptr_array_index (ho->orbits, k);

              json_builder_begin_object (b);
              cli_json_member_number (b, "param", orb->param);
              cli_json_member_number (b, "period", orb->period);
              cli_json_member_vector (b, "max", orb->max, orb->n);
              cli_json_member_vector (b, "min", orb->min, orb->n);
              json_builder_set_member_name (b, "stable");
              json_builder_add_boolean_value (b, orb->stable);
              json_builder_set_member_name (b, "hopf");
              json_builder_add_int_value (b, i);
              json_builder_end_object (b);
            }
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  g_print ("Equilibria of %s (%s) continued in %s over %g:%g%s, from %s = %g\n",
           currents_system_get_filename (sys), currents_system_describe_kind (sys), param,
           o.lo, o.hi, log_scale ? " (log scale)" : "", param,
           currents_continuation_get_start (cont));
  if (!autonomous)
    g_print ("The model is not autonomous: t held fixed at %g.\n", o.t);
  for (guint i = 0; i < res->branches->len; i++)
    {
      const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, i);
      g_autofree char *stab = format_stability (br);

      g_print ("Branch %u: %" G_GSIZE_FORMAT " points (ends: %s, %s)\n  %s: %s\n", i + 1,
               br->n_points, currents_continuation_end_to_string (br->end_first),
               currents_continuation_end_to_string (br->end_last), param, stab);
    }
  if (res->truncated)
    g_print ("(stopped after %u branches: --max-branches)\n", res->branches->len);
  {
    static const struct { CurrentsBifurcationKind kind; const char *title; } kinds[] = {
      { CURRENTS_BIFURCATION_FOLD, "Folds (tipping points)" },
      { CURRENTS_BIFURCATION_HOPF, "Hopf points" },
      { CURRENTS_BIFURCATION_BRANCH_POINT, "Branch points" },
    };

    for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
      {
        g_autoptr(GPtrArray) list = currents_continuation_result_get_special (res, kinds[k].kind);

        g_print ("%s:%s\n", kinds[k].title, list->len == 0 ? " none" : "");
        for (guint i = 0; i < list->len; i++)
          {
            const CurrentsBifurcation *s = g_ptr_array_index (list, i);
            g_autofree char *state = format_state (sys, s->state);

            g_print ("  %s = %.10g at %s", param, s->param, state);
            if (s->kind == CURRENTS_BIFURCATION_HOPF)
              {
                g_print (", ω = %.6g (period %.6g)", s->frequency, 2 * G_PI / s->frequency);
                if (isfinite (s->lyapunov))
                  g_print (", l1 = %.4g (%s)", s->lyapunov,
                           s->lyapunov < 0 ? "supercritical"
                           : s->lyapunov > 0 ? "subcritical" : "degenerate");
              }
            g_print ("\n");
          }
      }
  }
  if (hopf_orbits != NULL)
    for (guint i = 0; i < hopf_orbits->len; i++)
      {
        const HopfOrbits *ho = &g_array_index (hopf_orbits, HopfOrbits, i);

        if (ho->orbits == NULL || ho->orbits->len == 0)
          continue;
        {
          const CurrentsPeriodicOrbit *first = g_ptr_array_index (ho->orbits, 0);
          const CurrentsPeriodicOrbit *last = g_ptr_array_index (ho->orbits,
                                                                 ho->orbits->len - 1);

          g_print ("Periodic orbits from the Hopf point at %s = %.6g: %u orbits, %s %.6g → %.6g, "
                   "period %.6g → %.6g\n", param, ho->param, ho->orbits->len, param,
                   first->param, last->param, first->period, last->period);
        }
      }
  return CLI_OK;
}

int
cli_continue2 (int    argc,
               char **argv)
{
  g_auto(GStrv) set_items = NULL;
  g_auto(GStrv) box_items = NULL;
  g_autofree char *param = NULL, *param2 = NULL, *range_text = NULL, *range2_text = NULL;
  g_autofree char *from = NULL, *ds_text = NULL, *ds_min_text = NULL, *ds_max_text = NULL;
  g_autofree char *t_text = NULL;
  gboolean json = FALSE, log_scale = FALSE, log_scale2 = FALSE;
  int max_points = 0, max_branches = 0;
  GOptionEntry entries[] = {
    { "param", 'p', 0, G_OPTION_ARG_STRING, &param,
      "The first parameter (or input): the one-parameter run finds the starting points",
      "NAME" },
    { "param2", 0, 0, G_OPTION_ARG_STRING, &param2, "The second parameter (or input)",
      "NAME" },
    { "range", 'r', 0, G_OPTION_ARG_STRING, &range_text, "The first parameter's range",
      "LO:HI" },
    { "range2", 0, 0, G_OPTION_ARG_STRING, &range2_text, "The second parameter's range",
      "LO:HI" },
    { "from", 0, 0, G_OPTION_ARG_STRING, &from,
      "Continue the folds, the Hopf points or both (default both)", "fold|hopf|both" },
    { "log", 0, 0, G_OPTION_ARG_NONE, &log_scale, "The first parameter on a log scale", NULL },
    { "log2", 0, 0, G_OPTION_ARG_NONE, &log_scale2, "The second on a log scale", NULL },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set_items,
      "Set a parameter or input (repeatable; a=1,b=2 lists allowed)", "NAME=VALUE" },
    { "box", 'b', 0, G_OPTION_ARG_STRING_ARRAY, &box_items,
      "Look for starting equilibria in this box", "NAME=LO:HI,..." },
    { "ds", 0, 0, G_OPTION_ARG_STRING, &ds_text,
      "First step, in units of the first parameter (default: 1/100 of its range)", "DS" },
    { "ds-min", 0, 0, G_OPTION_ARG_STRING, &ds_min_text, "Smallest step", "DS" },
    { "ds-max", 0, 0, G_OPTION_ARG_STRING, &ds_max_text, "Largest step", "DS" },
    { "max-points", 0, 0, G_OPTION_ARG_INT, &max_points,
      "Points per curve at most (default 1000)", "N" },
    { "max-branches", 0, 0, G_OPTION_ARG_INT, &max_branches,
      "Curves at most (default 32)", "N" },
    { "t", 0, 0, G_OPTION_ARG_STRING, &t_text,
      "Hold t here for a non-autonomous model (default: the model's t0)", "T" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autoptr(CurrentsContinuation) cont = NULL;
  g_autofree double *lo = NULL, *hi = NULL;
  g_autofree char *cmd = cli_command_line ();
  CurrentsContinuationOptions o;
  const CurrentsContinuationResult *res;
  gboolean autonomous, from_folds = TRUE, from_hopf = TRUE;
  int status = CLI_OK;
  gsize n;

  g_option_context_set_summary (ctx,
    "Follow the folds and Hopf points of a model in two parameters: a one-parameter\n"
    "continuation in --param (at the current value of --param2) finds them, then each is\n"
    "continued as a curve in both, with cusp points (on fold curves) and Bogdanov–Takens\n"
    "points (where fold and Hopf curves meet). Exact second derivatives throughout.\n\n"
    "Examples:\n"
    "  currents-cli continue2 cusp.ode --param h --param2 r --range -2:2 --range2 -1:2 --json\n"
    "  currents-cli continue2 brusselator.ode --param b --param2 a --range 0:6 --range2 0.2:2 "
    "--from hopf");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "continue2 takes exactly one model file");
  if (param == NULL || param2 == NULL)
    return cli_usage_error (ctx, "continue2 needs --param NAME and --param2 NAME");
  if (range_text == NULL || range2_text == NULL)
    return cli_usage_error (ctx, "continue2 needs --range LO:HI and --range2 LO:HI");
  if (from != NULL)
    {
      if (g_ascii_strcasecmp (from, "fold") == 0 || g_ascii_strcasecmp (from, "folds") == 0)
        from_hopf = FALSE;
      else if (g_ascii_strcasecmp (from, "hopf") == 0)
        from_folds = FALSE;
      else if (g_ascii_strcasecmp (from, "both") != 0)
        return cli_usage_error (ctx, "--from: expected fold, hopf or both, found '%s'", from);
    }

  currents_continuation_options_init (&o);
  if (!parse_range (range_text, "--range", &o.lo, &o.hi, &error) ||
      !parse_range (range2_text, "--range2", &o.lo2, &o.hi2, &error) ||
      !parse_steps (ds_text, ds_min_text, ds_max_text, max_points, max_branches, &o, &error))
    return cli_user_error (error);
  o.log_scale = log_scale;
  o.log_scale2 = log_scale2;

  sys = cli_load_system (argv[1], set_items, &status);
  if (sys == NULL)
    return status;
  n = currents_system_get_n_states (sys);
  autonomous = currents_field_is_autonomous (currents_system_get_field (sys));
  o.t = currents_system_get_t0 (sys);
  if (t_text && !cli_parse_double (t_text, "--t", &o.t, &error))
    return cli_user_error (error);
  lo = g_new (double, MAX (n, 1));
  hi = g_new (double, MAX (n, 1));
  if (!make_box (sys, box_items, lo, hi, &error))
    return cli_user_error (error);
  o.box_lo = lo;
  o.box_hi = hi;

  cont = currents_continuation_new_two (sys, param, param2, &o, from_folds, from_hopf, &error);
  if (cont == NULL || !currents_continuation_run (cont, NULL, &error))
    return cli_user_error (error);
  res = currents_continuation_get_result (cont);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_header (b, sys, cmd, autonomous, o.t, lo, hi);
      json_parameter (b, "parameter", param, o.lo, o.hi, log_scale);
      json_parameter (b, "parameter2", param2, o.lo2, o.hi2, log_scale2);
      json_builder_set_member_name (b, "curves");
      json_builder_begin_array (b);
      for (guint i = 0; i < res->branches->len; i++)
        json_branch (b, g_ptr_array_index (res->branches, i));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "truncated");
      json_builder_add_boolean_value (b, res->truncated);
      json_specials (b, "cusps", res, CURRENTS_BIFURCATION_CUSP, TRUE);
      json_specials (b, "bogdanov_takens", res, CURRENTS_BIFURCATION_BOGDANOV_TAKENS, TRUE);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  g_print ("Folds and Hopf points of %s (%s) in %s (%g:%g) and %s (%g:%g)\n",
           currents_system_get_filename (sys), currents_system_describe_kind (sys), param,
           o.lo, o.hi, param2, o.lo2, o.hi2);
  if (!autonomous)
    g_print ("The model is not autonomous: t held fixed at %g.\n", o.t);
  for (guint i = 0; i < res->branches->len; i++)
    {
      const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, i);
      const gsize last = br->n_points - 1;

      g_print ("Curve %u (%s): %" G_GSIZE_FORMAT " points from (%s, %s) = (%.6g, %.6g) to "
               "(%.6g, %.6g) (ends: %s, %s)\n", i + 1,
               br->kind == CURRENTS_CURVE_FOLDS ? "folds" : "Hopf points", br->n_points,
               param, param2, br->param[0], br->param2[0], br->param[last], br->param2[last],
               currents_continuation_end_to_string (br->end_first),
               currents_continuation_end_to_string (br->end_last));
    }
  if (res->truncated)
    g_print ("(stopped after %u curves: --max-branches)\n", res->branches->len);
  {
    static const struct { CurrentsBifurcationKind kind; const char *title; } kinds[] = {
      { CURRENTS_BIFURCATION_CUSP, "Cusp points" },
      { CURRENTS_BIFURCATION_BOGDANOV_TAKENS, "Bogdanov–Takens points" },
    };

    for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
      {
        g_autoptr(GPtrArray) list = currents_continuation_result_get_special (res, kinds[k].kind);

        g_print ("%s:%s\n", kinds[k].title, list->len == 0 ? " none" : "");
        for (guint i = 0; i < list->len; i++)
          {
            const CurrentsBifurcation *s = g_ptr_array_index (list, i);
            g_autofree char *state = format_state (sys, s->state);

            g_print ("  %s = %.10g, %s = %.10g at %s\n", param, s->param, param2, s->param2,
                     state);
          }
      }
  }
  return CLI_OK;
}
