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
 *
 * Both can draw the diagram (--plot FILE, PNG/SVG/PDF by suffix, with provenance in its
 * metadata); `continue` also reports the bistable ranges and the hysteresis loop
 * (currents-hysteresis.h) in words and, with --data, marks the levels of the parameter
 * the data were recorded at.
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "currents-cli-private.h"
#include "currents-cli-ensemble.h"
#include "currents-continuation.h"
#include "currents-hysteresis.h"
#include "currents-periodic.h"
#include "currents-plot-diagram.h"

#define PLOT_WIDTH  800.0
#define PLOT_HEIGHT 560.0

/* WIDTHxHEIGHT, as `currents-cli plot --size`. */
static gboolean
parse_size (const char *text,
            double     *width,
            double     *height)
{
  g_auto(GStrv) parts = g_strsplit_set (text, "xX×", -1);
  char *end = NULL;

  if (g_strv_length (parts) != 2)
    return FALSE;
  *width = g_ascii_strtod (parts[0], &end);
  if (end == parts[0] || *end != '\0')
    return FALSE;
  *height = g_ascii_strtod (parts[1], &end);
  if (end == parts[1] || *end != '\0')
    return FALSE;
  return *width >= 16 && *height >= 16 && *width <= 20000 && *height <= 20000;
}

static gboolean
is_image_path (const char *path)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  return g_str_has_suffix (lower, ".png") || g_str_has_suffix (lower, ".svg")
         || g_str_has_suffix (lower, ".pdf");
}

static char *
file_sha256 (const char *path)
{
  g_autofree char *contents = NULL;
  gsize length = 0;

  if (!g_file_get_contents (path, &contents, &length, NULL))
    return g_strdup ("unknown");
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The distinct values of the input column @param in a data file, sorted. */
static GArray *
data_levels (const char  *path,
             const char  *param,
             char       **sha256,
             GError     **error)
{
  const char *inputs[] = { param, NULL };
  CurrentsCsvOptions options = { 0 };
  g_autoptr(CurrentsDataset) data = NULL;
  GArray *levels;
  int col;

  options.input_columns = inputs;
  data = currents_dataset_load (path, &options, error);
  if (data == NULL)
    return NULL;
  col = currents_dataset_find_input (data, param);
  if (col < 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "%s: no column '%s' to take the levels of the parameter from", path, param);
      return NULL;
    }
  levels = g_array_new (FALSE, FALSE, sizeof (double));
  for (gsize t = 0; t < currents_dataset_get_n_trajectories (data); t++)
    {
      const CurrentsTrajectory *traj = currents_dataset_get_trajectory (data, t);
      const double *u = currents_trajectory_get_inputs (traj);
      gsize m = currents_dataset_get_n_inputs (data);

      for (gsize k = 0; k < currents_trajectory_get_n_samples (traj); k++)
        {
          double v = u[k * m + col];
          gboolean seen = FALSE;

          if (!isfinite (v))
            continue;
          for (guint i = 0; i < levels->len && !seen; i++)
            seen = fabs (g_array_index (levels, double, i) - v) <= 1e-12 * MAX (1.0, fabs (v));
          if (!seen)
            g_array_append_val (levels, v);
        }
    }
  g_array_sort (levels, compare_doubles);
  *sha256 = g_strdup (currents_dataset_get_sha256 (data));
  return levels;
}

/* The quantity drawn: a state (its index) or the 2-norm (-1). */
static double
quantity_of (const double *x,
             gsize         n,
             int           quantity)
{
  double s = 0.0;

  if (quantity >= 0)
    return x[quantity];
  for (gsize i = 0; i < n; i++)
    s += x[i] * x[i];
  return sqrt (s);
}

static void
set_provenance (CurrentsPlotDiagram *diagram,
                const char          *title,
                const char          *model_path,
                const char          *command,
                const char          *settings)
{
  g_autofree char *sha = file_sha256 (model_path);
  g_autofree char *source = g_strdup_printf ("%s (sha256 %s)", model_path, sha);

  currents_plot_diagram_set_metadata (diagram, "Title", title);
  currents_plot_diagram_set_metadata (diagram, "Software", "currents-cli " PACKAGE_VERSION);
  currents_plot_diagram_set_metadata (diagram, "Source", source);
  currents_plot_diagram_set_metadata (diagram, "Description", command);
  currents_plot_diagram_set_metadata (diagram, "Comment", settings);
}


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

/* Extrapolation honesty: whether a trained model is asked about states or input values
 * outside its training range. The swept quantity (and the second one of a two-parameter
 * continuation) replaces its input's value at each point. */
typedef struct
{
  const CurrentsSystem *sys;
  int                   input;    /* the swept input, or -1 (a parameter) */
  int                   input2;
  double               *u;        /* the system's inputs, overwritten per point */
  gboolean              any;
} Honesty;

static void
honesty_init (Honesty              *h,
              const CurrentsSystem *sys,
              const char           *param,
              const char           *param2)
{
  gsize m = currents_system_get_n_inputs (sys);

  h->sys = sys;
  h->input = currents_system_find_param (sys, param) >= 0 ? -1
             : currents_system_find_input (sys, param);
  h->input2 = param2 == NULL || currents_system_find_param (sys, param2) >= 0 ? -1
              : currents_system_find_input (sys, param2);
  h->u = g_memdup2 (currents_system_get_inputs ((CurrentsSystem *) sys), MAX (m, 1) * sizeof (double));
  h->any = FALSE;
}

static void
honesty_clear (Honesty *h)
{
  g_clear_pointer (&h->u, g_free);
}

/* Writes "extrapolated": bool for a point (nothing for a model written by hand). */
static void
json_extrapolated (JsonBuilder  *b,
                   Honesty      *h,
                   const double *x,
                   double        param,
                   double        param2)
{
  gboolean out;

  if (h == NULL || !currents_system_get_support (h->sys, NULL, NULL, NULL, NULL))
    return;
  if (h->input >= 0)
    h->u[h->input] = param;
  if (h->input2 >= 0)
    h->u[h->input2] = param2;
  out = currents_system_is_extrapolated (h->sys, x, h->u, NULL);
  h->any |= out;
  json_builder_set_member_name (b, "extrapolated");
  json_builder_add_boolean_value (b, out);
}

static void
json_special (JsonBuilder               *b,
              const CurrentsBifurcation *s,
              gboolean                   two,
              Honesty                   *h)
{
  json_builder_begin_object (b);
  json_extrapolated (b, h, s->state, s->param, two ? s->param2 : NAN);
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
               gboolean                          two,
               Honesty                          *h)
{
  g_autoptr(GPtrArray) list = currents_continuation_result_get_special (r, kind);

  json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (guint i = 0; i < list->len; i++)
    json_special (b, g_ptr_array_index (list, i), two, h);
  json_builder_end_array (b);
}

static void
json_branch (JsonBuilder                      *b,
             const CurrentsContinuationBranch *br,
             Honesty                          *h)
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
      json_extrapolated (b, h, br->state + k * br->n, br->param[k], two ? br->param2[k] : NAN);
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

/* The one-parameter diagram: branches of equilibria (the quantity against the parameter),
 * periodic orbits' max and min, folds, Hopf and branch points, the bistable ranges with
 * their jumps, and the data's levels. */
static gboolean
plot_continue (CurrentsSystem                   *sys,
               const CurrentsContinuationResult *res,
               GArray                           *hopf_orbits,
               GPtrArray                        *ranges,
               int                               quantity,
               const char                       *param,
               gboolean                          log_scale,
               GArray                           *levels,
               const char                       *path,
               double                            width,
               double                            height,
               const char                       *title,
               const char                       *model_path,
               const char                       *command,
               const char                       *settings,
               GError                          **error)
{
  g_autoptr(CurrentsPlotDiagram) diagram = currents_plot_diagram_new ();
  const char *const *names = currents_system_get_state_names (sys);
  gsize n = currents_system_get_n_states (sys);
  CurrentsPlotTheme theme;

  currents_plot_diagram_set_labels (diagram, param, quantity >= 0 ? names[quantity] : "‖x‖");
  currents_plot_diagram_set_log (diagram, log_scale, FALSE);

  for (guint i = 0; i < res->branches->len; i++)
    {
      const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, i);
      g_autofree double *y = g_new (double, MAX (br->n_points, 1));

      for (gsize k = 0; k < br->n_points; k++)
        y[k] = quantity_of (br->state + k * br->n, br->n, quantity);
      currents_plot_diagram_add_branch (diagram, CURRENTS_PLOT_BRANCH_EQUILIBRIA, br->param, y,
                                        br->stable, NULL, br->n_points, 4);
    }

  /* a periodic orbit's extremes of one state (the norm has none to draw) */
  for (guint i = 0; quantity >= 0 && hopf_orbits != NULL && i < hopf_orbits->len; i++)
    {
      const HopfOrbits *ho = &g_array_index (hopf_orbits, HopfOrbits, i);
      g_autofree double *x = NULL, *ymax = NULL, *ymin = NULL;
      g_autofree gboolean *stable = NULL;
      guint m;

      if (ho->orbits == NULL || ho->orbits->len == 0)
        continue;
      m = ho->orbits->len;
      x = g_new (double, m);
      ymax = g_new (double, m);
      ymin = g_new (double, m);
      stable = g_new (gboolean, m);
      for (guint k = 0; k < m; k++)
        {
          const CurrentsPeriodicOrbit *orb = g_ptr_array_index (ho->orbits, k);

          x[k] = orb->param;
          ymax[k] = orb->max[quantity];
          ymin[k] = orb->min[quantity];
          stable[k] = orb->stable;
        }
      currents_plot_diagram_add_branch (diagram, CURRENTS_PLOT_BRANCH_PERIODIC_MAX, x, ymax,
                                        stable, NULL, m, 0);
      currents_plot_diagram_add_branch (diagram, CURRENTS_PLOT_BRANCH_PERIODIC_MIN, x, ymin,
                                        stable, NULL, m, 0);
    }

  for (guint i = 0; i < res->special->len; i++)
    {
      const CurrentsBifurcation *b = g_ptr_array_index (res->special, i);
      static const struct { CurrentsBifurcationKind kind; CurrentsPlotSpecialKind plot;
                            const char *tag; } kinds[] = {
        { CURRENTS_BIFURCATION_FOLD, CURRENTS_PLOT_SPECIAL_FOLD, "LP" },
        { CURRENTS_BIFURCATION_HOPF, CURRENTS_PLOT_SPECIAL_HOPF, "H" },
        { CURRENTS_BIFURCATION_BRANCH_POINT, CURRENTS_PLOT_SPECIAL_BRANCH_POINT, "BP" },
      };

      for (gsize k = 0; k < G_N_ELEMENTS (kinds); k++)
        if (kinds[k].kind == b->kind)
          {
            g_autofree char *label = g_strdup_printf ("%s  %s = %.3g", kinds[k].tag, param,
                                                      b->param);

            currents_plot_diagram_add_special (diagram, kinds[k].plot, b->param,
                                               quantity_of (b->state, n, quantity), label);
          }
    }

  for (guint i = 0; i < ranges->len; i++)
    {
      const CurrentsBistableRange *r = g_ptr_array_index (ranges, i);

      currents_plot_diagram_add_band (diagram, r->lo, r->hi,
                                      r->n_stable > 2 ? "multistable" : "bistable");
      if (isfinite (r->up) && isfinite (r->up_from) && isfinite (r->up_to))
        currents_plot_diagram_add_jump (diagram, r->up, r->up_from, r->up_to);
      if (isfinite (r->down) && isfinite (r->down_from) && isfinite (r->down_to))
        currents_plot_diagram_add_jump (diagram, r->down, r->down_from, r->down_to);
    }
  if (levels != NULL && levels->len > 0)
    currents_plot_diagram_set_levels (diagram, (const double *) levels->data, levels->len);

  set_provenance (diagram, title, model_path, command, settings);
  currents_plot_theme_init (&theme, FALSE);
  return currents_plot_diagram_export (diagram, path, &theme, width, height, error);
}

/* The model with --set applied, the time a non-autonomous one is frozen at (--t, else its
 * t0) and the box the starting equilibria are looked for in (--box), into @o; NULL with
 * the exit status in @status. */
static CurrentsSystem *
load_for_continuation (const char                  *path,
                       char                       **set_items,
                       const char                  *t_text,
                       char                       **box_items,
                       CurrentsContinuationOptions *o,
                       double                     **lo,
                       double                     **hi,
                       gboolean                    *autonomous,
                       int                         *status)
{
  g_autoptr(CurrentsSystem) sys = cli_load_system (path, set_items, status);
  g_autoptr(GError) error = NULL;
  gsize n;

  if (sys == NULL)
    return NULL;
  n = currents_system_get_n_states (sys);
  *autonomous = currents_field_is_autonomous (currents_system_get_field (sys));
  o->t = currents_system_get_t0 (sys);
  if (t_text && !cli_parse_double (t_text, "--t", &o->t, &error))
    {
      *status = cli_user_error (error);
      return NULL;
    }
  *lo = g_new (double, MAX (n, 1));
  *hi = g_new (double, MAX (n, 1));
  if (!make_box (sys, box_items, *lo, *hi, &error))
    {
      *status = cli_user_error (error);
      return NULL;
    }
  o->box_lo = *lo;
  o->box_hi = *hi;
  return g_steal_pointer (&sys);
}

int
cli_continue (int    argc,
              char **argv)
{
  g_auto(GStrv) set_items = NULL;
  g_auto(GStrv) box_items = NULL;
  g_autofree char *param = NULL, *range_text = NULL, *ds_text = NULL, *ds_min_text = NULL;
  g_autofree char *ds_max_text = NULL, *start_text = NULL, *t_text = NULL;
  g_autofree char *plot_path = NULL, *plot_y = NULL, *size_text = NULL, *data_path = NULL;
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
    { "plot", 0, 0, G_OPTION_ARG_FILENAME, &plot_path,
      "Draw the diagram into this image (.png, .svg or .pdf)", "FILE" },
    { "plot-y", 0, 0, G_OPTION_ARG_STRING, &plot_y,
      "The quantity drawn against the parameter, and whose jumps are reported: a state "
      "or 'norm' (default: the first state)", "STATE|norm" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size_text,
      "Image size in pixels (points for SVG/PDF) (default 800x560)", "WxH" },
    { "data", 0, 0, G_OPTION_ARG_FILENAME, &data_path,
      "Mark the levels of the parameter in this data file (its column of that name) on the "
      "diagram", "DATA.csv" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GPtrArray) ranges = NULL;
  g_autoptr(GArray) levels = NULL;
  g_autofree char *summary = NULL;
  g_autofree char *data_sha = NULL;
  double width = PLOT_WIDTH, height = PLOT_HEIGHT;
  int quantity = 0;
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

  g_option_context_set_summary (ctx,
    "Follow the equilibria of a model as one parameter (or input) varies, from every\n"
    "equilibrium at the start, by pseudo-arclength continuation with the exact Jacobian:\n"
    "branches with their stability, folds (tipping points), Hopf points (angular frequency\n"
    "ω and first Lyapunov coefficient l1: negative supercritical, positive subcritical) and\n"
    "branch points, whose other branches are followed too; the ranges where two stable\n"
    "equilibria coexist (bistability) and where a slow sweep switches between them.\n\n"
    "Examples:\n"
    "  currents-cli continue brusselator.ode --param b --range 0:4 --json\n"
    "  currents-cli continue toggle.ode --param iptg --range 0.01:100 --log\n"
    "  currents-cli continue toggle.ode --param iptg --range 0.01:100 --log --plot-y u \\\n"
    "      --data toggle.csv --plot toggle-iptg.pdf\n"
    "  currents-cli continue lorenz.ode --param rho --range 0.5:30 --periodic --plot lorenz.png");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "continue takes exactly one model file");
  if (param == NULL)
    return cli_usage_error (ctx, "continue needs --param NAME");
  if (range_text == NULL)
    return cli_usage_error (ctx, "continue needs --range LO:HI");
  if (plot_path != NULL && !is_image_path (plot_path))
    return cli_usage_error (ctx, "--plot: expected a .png, .svg or .pdf file, found '%s'",
                            plot_path);
  if (size_text != NULL && !parse_size (size_text, &width, &height))
    return cli_usage_error (ctx, "--size: expected WIDTHxHEIGHT between 16 and 20000, found '%s'",
                            size_text);

  currents_continuation_options_init (&o);
  if (!parse_range (range_text, "--range", &o.lo, &o.hi, &error) ||
      !parse_steps (ds_text, ds_min_text, ds_max_text, max_points, max_branches, &o, &error) ||
      (start_text && !cli_parse_double (start_text, "--start", &o.start, &error)))
    return cli_user_error (error);
  o.log_scale = log_scale;
  o.switch_branches = !no_switch;
  if (currents_ensemble_sniff (argv[1]))
    {
      if (plot_path != NULL || periodic || data_path != NULL)
        return cli_usage_error (ctx, "--plot, --periodic and --data are not available for an "
                                     "ensemble file");
      return cli_continue_ensemble (argv[1], param, &o, set_items, box_items, t_text, json);
    }

  sys = load_for_continuation (argv[1], set_items, t_text, box_items, &o, &lo, &hi,
                               &autonomous, &status);
  if (sys == NULL)
    return status;
  if (plot_y != NULL)
    {
      quantity = g_ascii_strcasecmp (plot_y, "norm") == 0 ? -1
                 : currents_system_find_state (sys, plot_y);
      if (quantity < 0 && g_ascii_strcasecmp (plot_y, "norm") != 0)
        {
          g_set_error (&error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "--plot-y: '%s' is not a state of %s (nor 'norm')", plot_y, argv[1]);
          return cli_user_error (error);
        }
    }
  if (data_path != NULL)
    {
      levels = data_levels (data_path, param, &data_sha, &error);
      if (levels == NULL)
        return cli_user_error (error);
    }

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

  ranges = currents_hysteresis_find (res, quantity);
  summary = currents_hysteresis_describe (ranges, param);

  if (plot_path != NULL)
    {
      g_autofree char *title = g_strdup_printf ("Bifurcation diagram of %s in %s", argv[1],
                                                param);
      g_autoptr(GString) settings = g_string_new (NULL);

      g_string_append_printf (settings, "parameter %s over %.10g:%.10g%s; y %s", param, o.lo,
                              o.hi, log_scale ? " (log scale)" : "",
                              quantity >= 0 ? currents_system_get_state_names (sys)[quantity]
                                            : "norm");
      if (data_sha != NULL)
        g_string_append_printf (settings, "; data %s sha256 %s", data_path, data_sha);
      if (!plot_continue (sys, res, hopf_orbits, ranges, quantity, param, log_scale, levels,
                          plot_path, width, height, title, argv[1], cmd, settings->str, &error))
        return cli_user_error (error);
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      Honesty h;

      honesty_init (&h, sys, param, NULL);
      json_builder_begin_object (b);
      json_header (b, sys, cmd, autonomous, o.t, lo, hi);
      json_parameter (b, "parameter", param, o.lo, o.hi, log_scale);
      cli_json_member_number (b, "start", currents_continuation_get_start (cont));
      json_builder_set_member_name (b, "branches");
      json_builder_begin_array (b);
      for (guint i = 0; i < res->branches->len; i++)
        json_branch (b, g_ptr_array_index (res->branches, i), &h);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "truncated");
      json_builder_add_boolean_value (b, res->truncated);
      json_specials (b, "folds", res, CURRENTS_BIFURCATION_FOLD, FALSE, &h);
      json_specials (b, "hopf", res, CURRENTS_BIFURCATION_HOPF, FALSE, &h);
      json_specials (b, "branch_points", res, CURRENTS_BIFURCATION_BRANCH_POINT, FALSE, &h);
      /* a trained model asked outside its training range anywhere above */
      if (currents_system_get_support (sys, NULL, NULL, NULL, NULL))
        {
          json_builder_set_member_name (b, "extrapolated");
          json_builder_add_boolean_value (b, h.any);
        }
      honesty_clear (&h);
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
      json_builder_set_member_name (b, "bistable");
      json_builder_begin_array (b);
      for (guint i = 0; i < ranges->len; i++)
        {
          const CurrentsBistableRange *r = g_ptr_array_index (ranges, i);

          json_builder_begin_object (b);
          cli_json_member_number (b, "lo", r->lo);
          cli_json_member_number (b, "hi", r->hi);
          cli_json_member_number (b, "up", r->up);
          cli_json_member_number (b, "down", r->down);
          json_builder_set_member_name (b, "n_stable");
          json_builder_add_int_value (b, r->n_stable);
          cli_json_member_number (b, "up_from", r->up_from);
          cli_json_member_number (b, "up_to", r->up_to);
          cli_json_member_number (b, "down_from", r->down_from);
          cli_json_member_number (b, "down_to", r->down_to);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "quantity");
      json_builder_add_string_value (b, quantity >= 0
                                        ? currents_system_get_state_names (sys)[quantity]
                                        : "norm");
      json_builder_set_member_name (b, "summary");
      json_builder_add_string_value (b, summary);
      if (plot_path != NULL)
        {
          json_builder_set_member_name (b, "plot");
          json_builder_add_string_value (b, plot_path);
        }
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
  g_print ("Hysteresis: %s\n", summary);
  if (plot_path != NULL)
    g_print ("Diagram written to %s\n", plot_path);
  return CLI_OK;
}

/* A value that is zero up to rounding, written as zero in a label. */
static double
clean (double v)
{
  return fabs (v) < 1e-12 ? 0.0 : v;
}

/* The two-parameter diagram: curves of folds and of Hopf points in the parameter plane,
 * cusp and Bogdanov–Takens points. */
static gboolean
plot_continue2 (const CurrentsContinuationResult *res,
                const char                       *param,
                const char                       *param2,
                gboolean                          log_scale,
                gboolean                          log_scale2,
                const char                       *path,
                double                            width,
                double                            height,
                const char                       *title,
                const char                       *model_path,
                const char                       *command,
                const char                       *settings,
                GError                          **error)
{
  g_autoptr(CurrentsPlotDiagram) diagram = currents_plot_diagram_new ();
  CurrentsPlotTheme theme;

  currents_plot_diagram_set_labels (diagram, param, param2);
  currents_plot_diagram_set_log (diagram, log_scale, log_scale2);
  for (guint i = 0; i < res->branches->len; i++)
    {
      const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, i);
      gboolean folds = br->kind == CURRENTS_CURVE_FOLDS;

      currents_plot_diagram_add_branch (diagram, folds ? CURRENTS_PLOT_BRANCH_FOLD_CURVE
                                                       : CURRENTS_PLOT_BRANCH_HOPF_CURVE,
                                        br->param, br->param2, NULL, NULL, br->n_points,
                                        folds ? 4 : 2);
    }
  for (guint i = 0; i < res->special->len; i++)
    {
      const CurrentsBifurcation *b = g_ptr_array_index (res->special, i);
      g_autofree char *label = NULL;

      if (b->kind == CURRENTS_BIFURCATION_CUSP)
        {
          const CurrentsContinuationBranch *br = b->branch < res->branches->len
                                                 ? g_ptr_array_index (res->branches, b->branch)
                                                 : NULL;

          /* the fold curve through a cusp, closed, bounds its wedge of bistability */
          if (br != NULL && br->n_points >= 3)
            currents_plot_diagram_add_region (diagram, br->param, br->param2, br->n_points,
                                              "bistable");
          label = g_strdup_printf ("CP  (%.3g, %.3g)", clean (b->param), clean (b->param2));
          currents_plot_diagram_add_special (diagram, CURRENTS_PLOT_SPECIAL_CUSP, b->param,
                                             b->param2, label);
        }
      else if (b->kind == CURRENTS_BIFURCATION_BOGDANOV_TAKENS)
        {
          label = g_strdup_printf ("BT  (%.3g, %.3g)", clean (b->param), clean (b->param2));
          currents_plot_diagram_add_special (diagram, CURRENTS_PLOT_SPECIAL_BOGDANOV_TAKENS,
                                             b->param, b->param2, label);
        }
    }
  set_provenance (diagram, title, model_path, command, settings);
  currents_plot_theme_init (&theme, FALSE);
  return currents_plot_diagram_export (diagram, path, &theme, width, height, error);
}

int
cli_continue2 (int    argc,
               char **argv)
{
  g_auto(GStrv) set_items = NULL;
  g_auto(GStrv) box_items = NULL;
  g_autofree char *param = NULL, *param2 = NULL, *range_text = NULL, *range2_text = NULL;
  g_autofree char *from = NULL, *ds_text = NULL, *ds_min_text = NULL, *ds_max_text = NULL;
  g_autofree char *t_text = NULL, *plot_path = NULL, *size_text = NULL;
  gboolean json = FALSE, log_scale = FALSE, log_scale2 = FALSE;
  double width = PLOT_WIDTH, height = PLOT_HEIGHT;
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
    { "plot", 0, 0, G_OPTION_ARG_FILENAME, &plot_path,
      "Draw the curves into this image (.png, .svg or .pdf)", "FILE" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &size_text,
      "Image size in pixels (points for SVG/PDF) (default 800x560)", "WxH" },
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

  g_option_context_set_summary (ctx,
    "Follow the folds and Hopf points of a model in two parameters: a one-parameter\n"
    "continuation in --param (at the current value of --param2) finds them, then each is\n"
    "continued as a curve in both, with cusp points (on fold curves) and Bogdanov–Takens\n"
    "points (where fold and Hopf curves meet). Exact second derivatives throughout.\n\n"
    "Examples:\n"
    "  currents-cli continue2 cusp.ode --param h --param2 r --range -2:2 --range2 -1:2 --json\n"
    "  currents-cli continue2 brusselator.ode --param b --param2 a --range 0:6 --range2 0.2:2 "
    "--from hopf --plot brusselator-ab.svg");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "continue2 takes exactly one model file");
  if (param == NULL || param2 == NULL)
    return cli_usage_error (ctx, "continue2 needs --param NAME and --param2 NAME");
  if (range_text == NULL || range2_text == NULL)
    return cli_usage_error (ctx, "continue2 needs --range LO:HI and --range2 LO:HI");
  if (plot_path != NULL && !is_image_path (plot_path))
    return cli_usage_error (ctx, "--plot: expected a .png, .svg or .pdf file, found '%s'",
                            plot_path);
  if (size_text != NULL && !parse_size (size_text, &width, &height))
    return cli_usage_error (ctx, "--size: expected WIDTHxHEIGHT between 16 and 20000, found '%s'",
                            size_text);
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

  sys = load_for_continuation (argv[1], set_items, t_text, box_items, &o, &lo, &hi,
                               &autonomous, &status);
  if (sys == NULL)
    return status;

  cont = currents_continuation_new_two (sys, param, param2, &o, from_folds, from_hopf, &error);
  if (cont == NULL || !currents_continuation_run (cont, NULL, &error))
    return cli_user_error (error);
  res = currents_continuation_get_result (cont);

  if (plot_path != NULL)
    {
      g_autofree char *title = g_strdup_printf ("Folds and Hopf points of %s in %s and %s",
                                                argv[1], param, param2);
      g_autofree char *settings = g_strdup_printf ("%s over %.10g:%.10g%s; %s over %.10g:%.10g%s",
                                                   param, o.lo, o.hi, log_scale ? " (log)" : "",
                                                   param2, o.lo2, o.hi2,
                                                   log_scale2 ? " (log)" : "");

      if (!plot_continue2 (res, param, param2, log_scale, log_scale2, plot_path, width, height,
                           title, argv[1], cmd, settings, &error))
        return cli_user_error (error);
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      Honesty h;

      honesty_init (&h, sys, param, param2);
      json_builder_begin_object (b);
      json_header (b, sys, cmd, autonomous, o.t, lo, hi);
      json_parameter (b, "parameter", param, o.lo, o.hi, log_scale);
      json_parameter (b, "parameter2", param2, o.lo2, o.hi2, log_scale2);
      json_builder_set_member_name (b, "curves");
      json_builder_begin_array (b);
      for (guint i = 0; i < res->branches->len; i++)
        json_branch (b, g_ptr_array_index (res->branches, i), &h);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "truncated");
      json_builder_add_boolean_value (b, res->truncated);
      json_specials (b, "cusps", res, CURRENTS_BIFURCATION_CUSP, TRUE, &h);
      json_specials (b, "bogdanov_takens", res, CURRENTS_BIFURCATION_BOGDANOV_TAKENS, TRUE, &h);
      if (currents_system_get_support (sys, NULL, NULL, NULL, NULL))
        {
          json_builder_set_member_name (b, "extrapolated");
          json_builder_add_boolean_value (b, h.any);
        }
      honesty_clear (&h);
      if (plot_path != NULL)
        {
          json_builder_set_member_name (b, "plot");
          json_builder_add_string_value (b, plot_path);
        }
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
  if (plot_path != NULL)
    g_print ("Diagram written to %s\n", plot_path);
  return CLI_OK;
}
