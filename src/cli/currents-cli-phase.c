/* currents-cli-phase.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The phase plane from the command line: `currents-cli nullclines`, `trajectory` (with an
 * optional stable limit cycle from its end) and `basins`, for a 2-D model or a 2-D slice of
 * an n-D one (two states as axes, the others held at their initial values or --fix), an
 * equation model or a trained model alike.
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "currents-cli-private.h"

/* ------------------------------------------------------------------------------------ */
/* JSON helpers                                                                          */




/* [[x, y], …] */
static void
jpoints (JsonBuilder  *b,
         const char   *key,
         const double *xy,
         gsize         n_points)
{
  if (key != NULL)
    json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (gsize k = 0; k < n_points; k++)
    cli_json_member_vector (b, NULL, xy + 2 * k, 2);
  json_builder_end_array (b);
}

/* ------------------------------------------------------------------------------------ */
/* The plane from the options                                                            */

typedef struct
{
  char   **set_items;
  char   **fix_items;
  char   **view_items;
  char    *x_name;
  char    *y_name;
  gboolean json;
} PlaneArgs;

static void
plane_args_clear (PlaneArgs *a)
{
  g_strfreev (a->set_items);
  g_strfreev (a->fix_items);
  g_strfreev (a->view_items);
  g_free (a->x_name);
  g_free (a->y_name);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PlaneArgs, plane_args_clear)

#define PLANE_ENTRIES(a)                                                                     \
  { "x", 0, 0, G_OPTION_ARG_STRING, &(a).x_name,                                            \
    "The state on the horizontal axis (default: the model's xp)", "NAME" },                  \
  { "y", 0, 0, G_OPTION_ARG_STRING, &(a).y_name,                                            \
    "The state on the vertical axis (default: the model's yp)", "NAME" },                    \
  { "view", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(a).view_items,                               \
    "The view (default: the model's @ window or a trained model's data range)",              \
    "X=LO:HI,Y=LO:HI" },                                                                     \
  { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &(a).set_items,                               \
    "Set a parameter or input (repeatable; a=1,b=2 lists allowed)", "NAME=VALUE" },          \
  { "fix", 0, 0, G_OPTION_ARG_STRING_ARRAY, &(a).fix_items,                                 \
    "Hold a state other than the axes here (default: its initial value)", "NAME=VALUE,…" }, \
  { "json", 0, 0, G_OPTION_ARG_NONE, &(a).json, "Print one JSON object", NULL }

typedef struct
{
  CurrentsSystem     *sys;
  CurrentsPhasePlane *plane;
  gsize               ax;
  gsize               ay;
  double              view[4];
} Plane;

static void
plane_clear (Plane *p)
{
  currents_phase_plane_free (p->plane);
  currents_system_free (p->sys);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Plane, plane_clear)

static int
fail (const char *fmt,
      ...) G_GNUC_PRINTF (1, 2);

static int
fail (const char *fmt,
      ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_printerr ("currents-cli: %s\n", msg);
  return CLI_ERROR;
}

/* Loads the model, applies --set and --fix, chooses the axes and the view. */
static int
plane_open (Plane           *pl,
            const char      *path,
            const PlaneArgs *a)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) sets = NULL, fixes = NULL, views = NULL;
  const char *names[2] = { a->x_name, a->y_name };
  const char *const *states;
  int xa, ya;
  double win[4];
  double *x0;

  pl->sys = cli_open_system (path, &error);
  if (pl->sys == NULL)
    return cli_user_error (error);
  states = currents_system_get_state_names (pl->sys);
  if (a->set_items != NULL && !(sets = cli_parse_assignments (a->set_items, "--set", &error)))
    return cli_user_error (error);
  for (guint i = 0; sets != NULL && i < sets->len; i++)
    {
      const CliAssign *s = &g_array_index (sets, CliAssign, i);
      if (!currents_system_set (pl->sys, s->name, s->value, &error))
        {
          g_prefix_error (&error, "--set %s: ", s->name);
          return cli_user_error (error);
        }
    }
  if (a->view_items != NULL && !(views = cli_parse_ranges (a->view_items, "--view", &error)))
    return cli_user_error (error);
  /* axes named only in --view */
  if (views != NULL && views->len == 2 && names[0] == NULL && names[1] == NULL)
    {
      names[0] = g_array_index (views, CliRange, 0).name;
      names[1] = g_array_index (views, CliRange, 1).name;
    }
  pl->plane = currents_phase_plane_new_for_system (pl->sys, names[0], names[1], NULL, &error);
  if (pl->plane == NULL)
    return cli_user_error (error);
  currents_phase_plane_get_axes (pl->plane, &pl->ax, &pl->ay);
  currents_system_get_window (pl->sys, &xa, &ya, &win[0], &win[1], &win[2], &win[3]);
  if ((gsize) xa != pl->ax || (gsize) ya != pl->ay)
    {
      /* the window belongs to other axes: a neutral default around the initial state */
      const double *init = currents_system_get_initial (pl->sys);
      for (int k = 0; k < 2; k++)
        {
          double c = init[k == 0 ? pl->ax : pl->ay];
          double h = MAX (1.0, fabs (c));
          win[2 * k] = c - h;
          win[2 * k + 1] = c + h;
        }
    }
  memcpy (pl->view, win, sizeof win);
  for (guint v = 0; views != NULL && v < views->len; v++)
    {
      const CliRange *r = &g_array_index (views, CliRange, v);
      int i = currents_system_find_state (pl->sys, r->name);

      if (i < 0)
        return fail ("--view %s: the %s has no state variable named '%s'", r->name,
                     currents_system_describe_kind (pl->sys), r->name);
      if ((gsize) i != pl->ax && (gsize) i != pl->ay)
        return fail ("--view %s: '%s' is not an axis (the axes are %s and %s)", r->name,
                     r->name, states[pl->ax], states[pl->ay]);
      pl->view[(gsize) i == pl->ax ? 0 : 2] = r->lo;
      pl->view[(gsize) i == pl->ax ? 1 : 3] = r->hi;
    }
  if (!(pl->view[0] < pl->view[1]) || !(pl->view[2] < pl->view[3]))
    return fail ("the view %s=%g:%g, %s=%g:%g has zero width (LO must be below HI)",
                 states[pl->ax], pl->view[0], pl->view[1], states[pl->ay], pl->view[2],
                 pl->view[3]);

  x0 = currents_system_get_initial (pl->sys);
  if (a->fix_items != NULL && !(fixes = cli_parse_assignments (a->fix_items, "--fix", &error)))
    return cli_user_error (error);
  for (guint f = 0; fixes != NULL && f < fixes->len; f++)
    {
      const CliAssign *s = &g_array_index (fixes, CliAssign, f);
      int i = currents_system_find_state (pl->sys, s->name);

      if (i < 0)
        return fail ("--fix %s: the %s has no state variable named '%s'", s->name,
                     currents_system_describe_kind (pl->sys), s->name);
      if ((gsize) i == pl->ax || (gsize) i == pl->ay)
        return fail ("--fix %s: '%s' is an axis of the plane; fix only the other states",
                     s->name, s->name);
      x0[i] = s->value;
    }
  currents_phase_plane_free (pl->plane);
  pl->plane = currents_phase_plane_new_for_system (pl->sys, states[pl->ax], states[pl->ay],
                                                   pl->view, &error);
  if (pl->plane == NULL)
    return cli_user_error (error);
  return CLI_OK;
}

static void
json_plane_header (JsonBuilder *b,
                   const Plane *pl,
                   const char  *cmd)
{
  const char *const *states = currents_system_get_state_names (pl->sys);
  const double *x0 = currents_system_get_initial (pl->sys);
  gsize n = currents_system_get_n_states (pl->sys);
  gboolean autonomous = currents_field_is_autonomous (currents_system_get_field (pl->sys));
  g_autofree char *command = cli_command_line ();

  json_builder_set_member_name (b, "program");
  json_builder_add_string_value (b, "currents-cli " PACKAGE_VERSION);
  json_builder_set_member_name (b, "command");
  json_builder_add_string_value (b, command != NULL ? command : cmd);
  json_builder_set_member_name (b, "model");
  json_builder_add_string_value (b, currents_system_get_filename (pl->sys));
  json_builder_set_member_name (b, "kind");
  json_builder_add_string_value (b, currents_system_describe_kind (pl->sys));
  json_builder_set_member_name (b, "axes");
  json_builder_begin_array (b);
  json_builder_add_string_value (b, states[pl->ax]);
  json_builder_add_string_value (b, states[pl->ay]);
  json_builder_end_array (b);
  json_builder_set_member_name (b, "view");
  json_builder_begin_object (b);
  cli_json_member_vector (b, states[pl->ax], pl->view, 2);
  cli_json_member_vector (b, states[pl->ay], pl->view + 2, 2);
  json_builder_end_object (b);
  /* the states held fixed in a slice of an n-D model */
  json_builder_set_member_name (b, "fixed");
  json_builder_begin_object (b);
  for (gsize i = 0; i < n; i++)
    if (i != pl->ax && i != pl->ay)
      cli_json_member_number (b, states[i], x0[i]);
  json_builder_end_object (b);
  json_builder_set_member_name (b, "autonomous");
  json_builder_add_boolean_value (b, autonomous);
  json_builder_set_member_name (b, "t_fixed");
  if (autonomous)
    json_builder_add_null_value (b);
  else
    cli_json_number (b, currents_system_get_t0 (pl->sys));
}

static void
print_plane_header (const Plane *pl,
                    const char  *what)
{
  const char *const *states = currents_system_get_state_names (pl->sys);
  const double *x0 = currents_system_get_initial (pl->sys);
  gsize n = currents_system_get_n_states (pl->sys);
  gboolean first = TRUE;

  g_print ("%s of %s (%s) in %s=%g:%g, %s=%g:%g\n", what,
           currents_system_get_filename (pl->sys), currents_system_describe_kind (pl->sys),
           states[pl->ax], pl->view[0], pl->view[1], states[pl->ay], pl->view[2], pl->view[3]);
  for (gsize i = 0; i < n; i++)
    if (i != pl->ax && i != pl->ay)
      {
        g_print ("%s%s=%g", first ? "A slice: the other states held at " : ", ", states[i],
                 x0[i]);
        first = FALSE;
      }
  if (!first)
    g_print ("\n");
}

static gboolean
parse_count (const char  *text,
             gsize       *value)
{
  char *end = NULL;
  guint64 v;

  if (text == NULL || text[0] == '-' || text[0] == '+')
    return FALSE;
  v = g_ascii_strtoull (text, &end, 10);
  if (end == text || *end != '\0' || v == 0 || v > 1000000)
    return FALSE;
  *value = (gsize) v;
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* nullclines                                                                            */

int
cli_nullclines (int    argc,
                char **argv)
{
  g_auto(PlaneArgs) a = { 0 };
  g_autofree char *grid_text = NULL, *refine_text = NULL;
  GOptionEntry entries[] = {
    PLANE_ENTRIES (a),
    { "grid", 'g', 0, G_OPTION_ARG_STRING, &grid_text,
      "Coarse grid cells per side (default 64)", "N" },
    { "refine", 0, 0, G_OPTION_ARG_STRING, &refine_text,
      "Each coarse cell is refined R×R along the curves (default 4)", "R" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsNullclines) nc = NULL;
  g_auto(Plane) pl = { 0 };
  const char *const *states;
  gsize grid = 64, refine = 4;
  int status;

  g_option_context_set_summary (ctx,
    "Nullclines f_x = 0 and f_y = 0 of a 2-D model or of a 2-D slice of an n-D one:\n"
    "marching squares on an adaptive grid, every vertex projected onto the curve by Newton\n"
    "with the exact Jacobian, joined into polylines (closed curves too). Warnings name the\n"
    "places where a curve is tangent to the grid or passes a saddle of f.\n\n"
    "Examples:\n"
    "  currents-cli nullclines toggle.ode --json\n"
    "  currents-cli nullclines fitzhugh-nagumo.ode --view v=-2.5:2.5,w=-1:2 --grid 128\n"
    "  currents-cli nullclines repressilator.ode --x p1 --y p2 --fix m1=1,m2=1,m3=1,p3=1");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "nullclines takes exactly one model file");
  if (grid_text != NULL && !parse_count (grid_text, &grid))
    return cli_usage_error (ctx, "--grid: expected a whole number of cells ≥ 2, found '%s'",
                            grid_text);
  if (refine_text != NULL && !parse_count (refine_text, &refine))
    return cli_usage_error (ctx, "--refine: expected a whole number ≥ 1, found '%s'",
                            refine_text);
  if (grid < 2)
    return cli_usage_error (ctx, "--grid must be at least 2");

  status = plane_open (&pl, argv[1], &a);
  if (status != CLI_OK)
    return status;
  states = currents_system_get_state_names (pl.sys);
  nc = currents_phase_nullclines (pl.plane, grid, refine, NULL, &error);
  if (nc == NULL)
    return cli_user_error (error);

  if (a.json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_plane_header (b, &pl, "nullclines");
      json_builder_set_member_name (b, "grid");
      json_builder_add_int_value (b, (gint64) grid);
      json_builder_set_member_name (b, "refine");
      json_builder_add_int_value (b, (gint64) refine);
      json_builder_set_member_name (b, "nullclines");
      json_builder_begin_array (b);
      for (int k = 0; k < 2; k++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "variable");
          json_builder_add_string_value (b, states[k == 0 ? pl.ax : pl.ay]);
          json_builder_set_member_name (b, "curves");
          json_builder_begin_array (b);
          for (guint c = 0; c < nc->curves[k]->len; c++)
            {
              const CurrentsPolyline *line = g_ptr_array_index (nc->curves[k], c);
              jpoints (b, NULL, line->xy, line->n_points);
            }
          json_builder_end_array (b);
          json_builder_set_member_name (b, "closed");
          json_builder_begin_array (b);
          for (guint c = 0; c < nc->curves[k]->len; c++)
            json_builder_add_boolean_value (
              b, ((const CurrentsPolyline *) g_ptr_array_index (nc->curves[k], c))->closed);
          json_builder_end_array (b);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "warnings");
      json_builder_begin_array (b);
      for (guint w = 0; w < nc->warnings->len; w++)
        json_builder_add_string_value (b, g_ptr_array_index (nc->warnings, w));
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  print_plane_header (&pl, "Nullclines");
  for (int k = 0; k < 2; k++)
    {
      const char *name = states[k == 0 ? pl.ax : pl.ay];

      g_print ("%s' = 0: %u curve%s\n", name, nc->curves[k]->len,
               nc->curves[k]->len == 1 ? "" : "s");
      for (guint c = 0; c < nc->curves[k]->len; c++)
        {
          const CurrentsPolyline *line = g_ptr_array_index (nc->curves[k], c);
          const double *e = line->xy + 2 * (line->n_points - 1);

          if (line->closed)
            g_print ("  closed, %" G_GSIZE_FORMAT " points, through (%.6g, %.6g)\n",
                     line->n_points, line->xy[0], line->xy[1]);
          else
            g_print ("  open, %" G_GSIZE_FORMAT " points, from (%.6g, %.6g) to (%.6g, %.6g)\n",
                     line->n_points, line->xy[0], line->xy[1], e[0], e[1]);
        }
    }
  for (guint w = 0; w < nc->warnings->len; w++)
    g_print ("warning: %s\n", (const char *) g_ptr_array_index (nc->warnings, w));
  return CLI_OK;
}

/* ------------------------------------------------------------------------------------ */
/* trajectory                                                                            */

static void
json_orbit (JsonBuilder                 *b,
            const CurrentsPeriodicOrbit *orbit)
{
  json_builder_begin_object (b);
  cli_json_member_number (b, "period", orbit->period);
  json_builder_set_member_name (b, "multipliers");
  json_builder_begin_array (b);
  for (gsize i = 0; i < orbit->n; i++)
    {
      json_builder_begin_array (b);
      cli_json_number (b, orbit->mult_re[i]);
      cli_json_number (b, orbit->mult_im[i]);
      json_builder_end_array (b);
    }
  json_builder_end_array (b);
  json_builder_set_member_name (b, "stable");
  json_builder_add_boolean_value (b, orbit->stable);
  cli_json_member_vector (b, "point", orbit->x0, orbit->n);
  cli_json_member_vector (b, "min", orbit->min, orbit->n);
  cli_json_member_vector (b, "max", orbit->max, orbit->n);
  json_builder_end_object (b);
}

/* The first point of a trajectory in the plane (the other states held) where a trained
 * model leaves its training range, or -1. */
static gssize
plane_first_outside (const Plane  *pl,
                     const double *xy,
                     gsize         n_points)
{
  gsize n = currents_system_get_n_states (pl->sys);
  g_autofree double *x = g_memdup2 (currents_system_get_initial (pl->sys), n * sizeof (double));
  const double *u = currents_phase_plane_get_inputs (pl->plane);

  for (gsize r = 0; r < n_points; r++)
    {
      x[pl->ax] = xy[2 * r];
      x[pl->ay] = xy[2 * r + 1];
      if (currents_system_is_extrapolated (pl->sys, x, u, NULL))
        return (gssize) r;
    }
  return -1;
}

int
cli_trajectory (int    argc,
                char **argv)
{
  g_auto(PlaneArgs) a = { 0 };
  g_auto(GStrv) from_items = NULL;
  g_autofree char *t1_text = NULL, *margin_text = NULL;
  gboolean forward = FALSE, backward = FALSE, both = FALSE, limit_cycle = FALSE;
  GOptionEntry entries[] = {
    PLANE_ENTRIES (a),
    { "from", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &from_items,
      "The start point (axes not named: their initial values)", "X=VALUE,Y=VALUE" },
    { "forward", 0, 0, G_OPTION_ARG_NONE, &forward, "Forward in time (the default)", NULL },
    { "backward", 0, 0, G_OPTION_ARG_NONE, &backward, "Backward in time", NULL },
    { "both", 0, 0, G_OPTION_ARG_NONE, &both, "Forward and backward", NULL },
    { "t1", 0, 0, G_OPTION_ARG_STRING, &t1_text,
      "The longest time span (default: the file's total)", "T" },
    { "margin", 0, 0, G_OPTION_ARG_STRING, &margin_text,
      "Stop this fraction of the view's size outside it (default 0.05)", "M" },
    { "limit-cycle", 0, 0, G_OPTION_ARG_NONE, &limit_cycle,
      "Look for a stable limit cycle from the forward end point", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(GArray) from = NULL;
  g_autoptr(GPtrArray) trajs = g_ptr_array_new_with_free_func (
    (GDestroyNotify) currents_phase_trajectory_free);
  g_autoptr(CurrentsPeriodicOrbit) orbit = NULL;
  g_auto(Plane) pl = { 0 };
  CurrentsTrajectoryOptions to;
  CurrentsSimOptions so;
  const char *const *states;
  const double *x0;
  double start[2], total;
  int status;

  g_option_context_set_summary (ctx,
    "Trajectories of a 2-D model (or slice) from a point, forward and/or backward in time,\n"
    "at the solver's own steps (accurate adaptive integration), each stopped at the view's\n"
    "edge (with a margin), at an equilibrium, on blow-up or at the time limit, and the\n"
    "reason reported; --limit-cycle reports a stable limit cycle reached from the end.\n\n"
    "Examples:\n"
    "  currents-cli trajectory vanderpol.ode --from x=0.1,y=0 --limit-cycle --json\n"
    "  currents-cli trajectory pendulum.ode --from theta=3,omega=0 --both --t1 30");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "trajectory takes exactly one model file");
  if ((forward ? 1 : 0) + (backward ? 1 : 0) + (both ? 1 : 0) > 1)
    return cli_usage_error (ctx, "give one of --forward, --backward and --both");
  if (!backward && !both)
    forward = TRUE;

  status = plane_open (&pl, argv[1], &a);
  if (status != CLI_OK)
    return status;
  states = currents_system_get_state_names (pl.sys);
  x0 = currents_system_get_initial (pl.sys);
  start[0] = x0[pl.ax];
  start[1] = x0[pl.ay];
  if (from_items != NULL && !(from = cli_parse_assignments (from_items, "--from", &error)))
    return cli_user_error (error);
  for (guint f = 0; from != NULL && f < from->len; f++)
    {
      const CliAssign *s = &g_array_index (from, CliAssign, f);
      int i = currents_system_find_state (pl.sys, s->name);

      if (i < 0)
        return fail ("--from %s: the %s has no state variable named '%s'", s->name,
                     currents_system_describe_kind (pl.sys), s->name);
      if ((gsize) i != pl.ax && (gsize) i != pl.ay)
        return fail ("--from %s: '%s' is not an axis (the axes are %s and %s; use --fix for "
                     "the other states)", s->name, s->name, states[pl.ax], states[pl.ay]);
      start[(gsize) i == pl.ax ? 0 : 1] = s->value;
    }

  currents_trajectory_options_init (&to);
  /* an adaptive, accurate solver; BDF when the model asks for a stiff one */
  currents_system_get_sim_options (pl.sys, &so);
  if (so.method == CURRENTS_METHOD_BDF)
    to.sim.method = CURRENTS_METHOD_BDF;
  if (so.bound > 0.0)
    to.sim.bound = so.bound;
  to.t0 = currents_system_get_t0 (pl.sys);
  total = currents_system_get_total (pl.sys);
  to.t_max = total > 0.0 && isfinite (total) ? total : 100.0;
  if (t1_text != NULL && !cli_parse_double (t1_text, "--t1", &to.t_max, &error))
    return cli_user_error (error);
  if (!(to.t_max > 0.0))
    return cli_usage_error (ctx, "--t1 must be positive (the time span; use --backward to "
                                 "integrate backward)");
  if (margin_text != NULL && !cli_parse_double (margin_text, "--margin", &to.margin, &error))
    return cli_user_error (error);
  if (!(to.margin >= 0.0))
    return cli_usage_error (ctx, "--margin must not be negative");

  for (int d = 0; d < 2; d++)
    {
      int dir = d == 0 ? 1 : -1;
      CurrentsPhaseTrajectory *tr;

      if ((dir == 1 && !(forward || both)) || (dir == -1 && !(backward || both)))
        continue;
      tr = currents_phase_trajectory (pl.plane, start, dir, &to, NULL, &error);
      if (tr == NULL)
        return cli_user_error (error);
      g_ptr_array_add (trajs, tr);
    }
  if (limit_cycle)
    {
      const CurrentsPhaseTrajectory *last = g_ptr_array_index (trajs, 0);
      const double *end = last->direction == 1 ? last->xy + 2 * (last->n_points - 1) : start;

      orbit = currents_phase_limit_cycle (pl.plane, end, MAX (10.0 * to.t_max, 1000.0), NULL,
                                          &error);
      if (orbit == NULL && error != NULL)
        return cli_user_error (error);
    }

  if (a.json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      gboolean any_out = FALSE;

      json_builder_begin_object (b);
      json_plane_header (b, &pl, "trajectory");
      cli_json_member_vector (b, "from", start, 2);
      json_builder_set_member_name (b, "trajectories");
      json_builder_begin_array (b);
      for (guint k = 0; k < trajs->len; k++)
        {
          const CurrentsPhaseTrajectory *tr = g_ptr_array_index (trajs, k);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "direction");
          json_builder_add_string_value (b, tr->direction == 1 ? "forward" : "backward");
          cli_json_member_vector (b, "t", tr->t, tr->n_points);
          jpoints (b, "points", tr->xy, tr->n_points);
          if (currents_system_get_support (pl.sys, NULL, NULL, NULL, NULL))
            {
              gssize r = plane_first_outside (&pl, tr->xy, tr->n_points);

              any_out |= r >= 0;
              json_builder_set_member_name (b, "extrapolated");
              json_builder_add_boolean_value (b, r >= 0);
              json_builder_set_member_name (b, "extrapolated_from_t");
              if (r >= 0)
                cli_json_number (b, tr->t[r]);
              else
                json_builder_add_null_value (b);
            }
          json_builder_set_member_name (b, "stopped");
          json_builder_add_string_value (b, currents_phase_stop_to_string (tr->stopped));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      if (currents_system_get_support (pl.sys, NULL, NULL, NULL, NULL))
        {
          json_builder_set_member_name (b, "extrapolated");
          json_builder_add_boolean_value (b, any_out);
        }
      if (limit_cycle)
        {
          json_builder_set_member_name (b, "limit_cycle");
          if (orbit != NULL)
            json_orbit (b, orbit);
          else
            json_builder_add_null_value (b);
        }
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  print_plane_header (&pl, "Trajectories");
  for (guint k = 0; k < trajs->len; k++)
    {
      const CurrentsPhaseTrajectory *tr = g_ptr_array_index (trajs, k);
      const double *e = tr->xy + 2 * (tr->n_points - 1);

      g_print ("%s from (%.6g, %.6g): %" G_GSIZE_FORMAT " points to t = %.6g, (%s, %s) = "
               "(%.6g, %.6g); stopped: %s\n", tr->direction == 1 ? "forward" : "backward",
               start[0], start[1], tr->n_points, tr->t[tr->n_points - 1], states[pl.ax],
               states[pl.ay], e[0], e[1], currents_phase_stop_to_string (tr->stopped));
    }
  if (limit_cycle)
    {
      if (orbit == NULL)
        g_print ("No stable limit cycle from the end point.\n");
      else
        {
          g_print ("%s limit cycle: period %.10g, through (%.6g, %.6g), %s=%.6g:%.6g, "
                   "%s=%.6g:%.6g\nFloquet multipliers:", orbit->stable ? "Stable" : "Neutral",
                   orbit->period, orbit->x0[0], orbit->x0[1], states[pl.ax], orbit->min[0],
                   orbit->max[0], states[pl.ay], orbit->min[1], orbit->max[1]);
          for (gsize i = 0; i < orbit->n; i++)
            {
              if (orbit->mult_im[i] != 0.0)
                g_print (" %.8g%+.8gi", orbit->mult_re[i], orbit->mult_im[i]);
              else
                g_print (" %.8g", orbit->mult_re[i]);
            }
          g_print ("\n");
        }
    }
  return CLI_OK;
}

/* ------------------------------------------------------------------------------------ */
/* basins                                                                                */

static gboolean
parse_grid (const char *text,
            gsize      *nx,
            gsize      *ny)
{
  g_auto(GStrv) parts = NULL;

  if (text == NULL)
    return FALSE;
  parts = g_strsplit_set (text, "xX×", -1);
  if (g_strv_length (parts) == 1)
    {
      if (!parse_count (parts[0], nx))
        return FALSE;
      *ny = *nx;
      return TRUE;
    }
  return g_strv_length (parts) == 2 && parse_count (parts[0], nx) &&
         parse_count (parts[1], ny);
}

int
cli_basins (int    argc,
            char **argv)
{
  g_auto(PlaneArgs) a = { 0 };
  g_autofree char *grid_text = NULL, *t1_text = NULL;
  int n_threads = 0;
  GOptionEntry entries[] = {
    PLANE_ENTRIES (a),
    { "grid", 'g', 0, G_OPTION_ARG_STRING, &grid_text,
      "Cells along x and y (default 64x64)", "NxM" },
    { "t1", 0, 0, G_OPTION_ARG_STRING, &t1_text,
      "The longest time each cell's trajectory runs (default 200)", "T" },
    { "threads", 'j', 0, G_OPTION_ARG_INT, &n_threads,
      "Worker threads (default: the processors; the result does not depend on it)", "N" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsBasins) basins = NULL;
  g_auto(Plane) pl = { 0 };
  CurrentsBasinsOptions bo;
  CurrentsSimOptions so;
  const char *const *states;
  gsize n;
  int status;

  g_option_context_set_summary (ctx,
    "Basins of attraction on a grid: the trajectory from each cell's centre is followed to\n"
    "the attractor it reaches — a stable equilibrium or a stable limit cycle — or marked\n"
    "escaped (it left the view by a view's size or blew up) or other. Labels are indices\n"
    "into the attractors, -1 escaped, -2 other; rows go up in y. Needs an autonomous model.\n\n"
    "Examples:\n"
    "  currents-cli basins toggle.ode --grid 100x100 --json\n"
    "  currents-cli basins vanderpol.ode --grid 40");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "basins takes exactly one model file");
  currents_basins_options_init (&bo);
  if (grid_text != NULL && !parse_grid (grid_text, &bo.nx, &bo.ny))
    return cli_usage_error (ctx, "--grid: expected N or NxM (whole numbers ≥ 1), found '%s'",
                            grid_text);
  if (bo.nx > 4096 || bo.ny > 4096)
    return cli_usage_error (ctx, "--grid: at most 4096 cells per side");
  if (n_threads < 0)
    return cli_usage_error (ctx, "--threads must not be negative");
  bo.n_threads = (guint) n_threads;
  if (t1_text != NULL && !cli_parse_double (t1_text, "--t1", &bo.trajectory.t_max, &error))
    return cli_user_error (error);
  if (!(bo.trajectory.t_max > 0.0))
    return cli_usage_error (ctx, "--t1 must be positive");

  status = plane_open (&pl, argv[1], &a);
  if (status != CLI_OK)
    return status;
  states = currents_system_get_state_names (pl.sys);
  n = currents_system_get_n_states (pl.sys);
  currents_system_get_sim_options (pl.sys, &so);
  if (so.method == CURRENTS_METHOD_BDF)
    bo.trajectory.sim.method = CURRENTS_METHOD_BDF;
  basins = currents_phase_basins (pl.plane, &bo, NULL, &error);
  if (basins == NULL)
    return cli_user_error (error);

  if (a.json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      g_autofree double *full = g_new (double, n);

      json_builder_begin_object (b);
      json_plane_header (b, &pl, "basins");
      json_builder_set_member_name (b, "grid");
      json_builder_begin_array (b);
      json_builder_add_int_value (b, (gint64) basins->nx);
      json_builder_add_int_value (b, (gint64) basins->ny);
      json_builder_end_array (b);
      cli_json_member_number (b, "t_max", bo.trajectory.t_max);
      json_builder_set_member_name (b, "attractors");
      json_builder_begin_array (b);
      for (guint k = 0; k < basins->attractors->len; k++)
        {
          const CurrentsAttractor *at = g_ptr_array_index (basins->attractors, k);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "kind");
          json_builder_add_string_value (b, at->kind == CURRENTS_ATTRACTOR_EQUILIBRIUM
                                              ? "equilibrium" : "limit cycle");
          currents_phase_plane_embed (pl.plane, at->state, full);
          cli_json_member_vector (b, "state", full, n);
          cli_json_member_vector (b, "point", at->state, 2);
          if (at->orbit != NULL)
            {
              json_builder_set_member_name (b, "orbit");
              json_orbit (b, at->orbit);
              jpoints (b, "curve", at->curve->xy, at->curve->n_points);
            }
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "label_codes");
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "-1");
      json_builder_add_string_value (b, "escaped");
      json_builder_set_member_name (b, "-2");
      json_builder_add_string_value (b, "other");
      json_builder_end_object (b);
      json_builder_set_member_name (b, "labels");
      json_builder_begin_array (b);
      for (gsize j = 0; j < basins->ny; j++)
        {
          json_builder_begin_array (b);
          for (gsize i = 0; i < basins->nx; i++)
            json_builder_add_int_value (b, basins->labels[j * basins->nx + i]);
          json_builder_end_array (b);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  print_plane_header (&pl, "Basins of attraction");
  g_print ("%" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT " cells; attractors:\n", basins->nx,
           basins->ny);
  for (guint k = 0; k < basins->attractors->len; k++)
    {
      const CurrentsAttractor *at = g_ptr_array_index (basins->attractors, k);
      gsize count = 0;

      for (gsize c = 0; c < basins->nx * basins->ny; c++)
        count += basins->labels[c] == (int) k;
      g_print ("  %c  %s at (%s, %s) = (%.6g, %.6g)", k < 26 ? 'A' + k : '#',
               at->kind == CURRENTS_ATTRACTOR_EQUILIBRIUM ? "equilibrium" : "limit cycle",
               states[pl.ax], states[pl.ay], at->state[0], at->state[1]);
      if (at->orbit != NULL)
        g_print (", period %.8g", at->orbit->period);
      g_print (": %" G_GSIZE_FORMAT " cells\n", count);
    }
  g_print ("  .  other, (space) escaped\n");
  /* the map, highest y first */
  for (gsize j = basins->ny; j-- > 0;)
    {
      for (gsize i = 0; i < basins->nx; i++)
        {
          int l = basins->labels[j * basins->nx + i];
          g_print ("%c", l >= 0 ? (l < 26 ? 'A' + l : '#') : l == CURRENTS_BASIN_OTHER ? '.' : ' ');
        }
      g_print ("\n");
    }
  return CLI_OK;
}
