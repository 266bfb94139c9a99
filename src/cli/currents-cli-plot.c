/* currents-cli-plot.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli plot`: the window's phase portrait rendered headless to PNG, SVG or PDF
 * by the same drawing code (src/plot), at publication quality: nullclines projected
 * onto the curves, equilibria by multistart Newton, separatrices, basins. The file
 * records how it was made (PNG text chunks, SVG metadata, PDF document information).
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "currents-cli-private.h"

/* the grid of the members' disagreement */
#define ENSEMBLE_SHADE_NX 48
#define ENSEMBLE_SHADE_NY 36
#include "currents-plot-portrait.h"

#define DEFAULT_LAYERS (CURRENTS_PLOT_LAYER_FIELD | CURRENTS_PLOT_LAYER_NULLCLINES       \
                        | CURRENTS_PLOT_LAYER_EQUILIBRIA | CURRENTS_PLOT_LAYER_TRAJECTORIES \
                        | CURRENTS_PLOT_LAYER_DATA | CURRENTS_PLOT_LAYER_LAUNCHED)

typedef struct
{
  char   **set_items;
  char   **fix_items;
  char   **view_items;
  char   **input_items;
  char   **from_items;
  char    *x_name;
  char    *y_name;
  char    *data_path;
  char    *layers_text;
  char    *size_text;
  char    *arrows_text;
  char    *direction_text;
  char    *basins_text;
  char    *csv_path;
  char    *output;
  gboolean dark;
  gboolean no_legend;
} PlotArgs;

static void
plot_args_clear (PlotArgs *a)
{
  g_strfreev (a->set_items);
  g_strfreev (a->fix_items);
  g_strfreev (a->view_items);
  g_strfreev (a->input_items);
  g_strfreev (a->from_items);
  g_free (a->x_name);
  g_free (a->y_name);
  g_free (a->data_path);
  g_free (a->layers_text);
  g_free (a->size_text);
  g_free (a->arrows_text);
  g_free (a->direction_text);
  g_free (a->basins_text);
  g_free (a->csv_path);
  g_free (a->output);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (PlotArgs, plot_args_clear)

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
parse_grid (const char *text,
            gsize      *nx,
            gsize      *ny)
{
  g_auto(GStrv) parts = g_strsplit_set (text, "xX×", -1);
  guint64 v[2];

  if (g_strv_length (parts) < 1 || g_strv_length (parts) > 2)
    return FALSE;
  for (guint i = 0; i < 2; i++)
    {
      const char *s = parts[MIN (i, g_strv_length (parts) - 1)];
      char *end = NULL;

      if (s[0] == '-' || s[0] == '+')
        return FALSE;
      v[i] = g_ascii_strtoull (s, &end, 10);
      if (end == s || *end != '\0' || v[i] < 2 || v[i] > 1024)
        return FALSE;
    }
  *nx = v[0];
  *ny = v[1];
  return TRUE;
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

/* "a1=3, a2=3, …; iptg=0": the parameters and inputs in force. */
static char *
describe_values (CurrentsSystem *sys)
{
  g_autoptr(GString) s = g_string_new (NULL);
  const double *p = currents_system_get_params (sys);
  const double *u = currents_system_get_inputs (sys);
  const char *const *inputs = currents_system_get_input_names (sys);

  for (gsize i = 0; i < currents_system_get_n_named_params (sys); i++)
    g_string_append_printf (s, "%s%s=%.10g", s->len > 0 ? ", " : "",
                            currents_system_get_param_name (sys, i), p[i]);
  for (gsize j = 0; j < currents_system_get_n_inputs (sys); j++)
    g_string_append_printf (s, "%s%s=%.10g", s->len > 0 ? ", " : "", inputs[j], u[j]);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

int
cli_plot (int    argc,
          char **argv)
{
  g_auto(PlotArgs) a = { 0 };
  GOptionEntry entries[] = {
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &a.output,
      "The image to write: .png, .svg or .pdf", "FILE" },
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &a.data_path,
      "Draw the trajectories of a data set (CSV) too", "DATA.csv" },
    { "input", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &a.input_items,
      "A data column that is an input, not a state (repeatable)", "NAME" },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &a.set_items,
      "Set a parameter or input (repeatable; a=1,b=2 lists allowed)", "NAME=VALUE" },
    { "x", 0, 0, G_OPTION_ARG_STRING, &a.x_name,
      "The state on the horizontal axis (default: the model's xp)", "NAME" },
    { "y", 0, 0, G_OPTION_ARG_STRING, &a.y_name,
      "The state on the vertical axis (default: the model's yp)", "NAME" },
    { "view", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.view_items,
      "The view (default: the model's @ window, a trained model's or the data's range)",
      "X=LO:HI,Y=LO:HI" },
    { "fix", 0, 0, G_OPTION_ARG_STRING_ARRAY, &a.fix_items,
      "Hold a state other than the axes here (default: its initial value)", "NAME=VALUE,…" },
    { "layers", 'l', 0, G_OPTION_ARG_STRING, &a.layers_text,
      "What to draw: field, nullclines, equilibria, separatrices, basins, data, "
      "trajectories, launched, or all (default: field,nullclines,equilibria,trajectories,data)",
      "LIST" },
    { "from", 'f', 0, G_OPTION_ARG_STRING_ARRAY, &a.from_items,
      "Launch a trajectory from this point (repeatable)", "X=VALUE,Y=VALUE" },
    { "direction", 0, 0, G_OPTION_ARG_STRING, &a.direction_text,
      "Launched trajectories run forward, backward or both (default both)", "DIR" },
    { "arrows", 0, 0, G_OPTION_ARG_STRING, &a.arrows_text,
      "The field as normalized arrows (default), scaled arrows or streamlines", "STYLE" },
    { "basins-grid", 0, 0, G_OPTION_ARG_STRING, &a.basins_text,
      "Cells of the basins' grid (default 64x64)", "NxM" },
    { "size", 0, 0, G_OPTION_ARG_STRING, &a.size_text,
      "Width and height: pixels for PNG, points for SVG and PDF (default 800x600)", "WxH" },
    { "dark", 0, 0, G_OPTION_ARG_NONE, &a.dark, "Colours for a dark background", NULL },
    { "no-legend", 0, 0, G_OPTION_ARG_NONE, &a.no_legend, "Leave out the legend", NULL },
    { "csv", 0, 0, G_OPTION_ARG_FILENAME, &a.csv_path,
      "Also write the drawn curves (trajectories, nullclines, …) as CSV", "FILE" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json -o FILE");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autoptr(GPtrArray) members = NULL;   /* an ensemble's systems */
  g_autoptr(CurrentsDataset) dataset = NULL;
  g_autoptr(CurrentsPortraitSpec) spec = NULL;
  g_autoptr(CurrentsPortraitLive) live = NULL;
  g_autoptr(CurrentsPlotScene) scene = NULL;
  g_autoptr(GArray) sets = NULL, fixes = NULL, views = NULL;
  g_autoptr(GPtrArray) input_names = g_ptr_array_new ();
  g_autofree char *command = NULL, *sha = NULL, *values = NULL, *settings = NULL;
  g_autofree char *title = NULL, *source = NULL;
  CurrentsPlotLayers layers = DEFAULT_LAYERS;
  CurrentsPlotArrowStyle arrows = CURRENTS_PLOT_ARROWS_NORMALIZED;
  CurrentsPlotTheme theme;
  const char *const *states;
  double width = 800, height = 600, view[4];
  gsize basins_nx = 64, basins_ny = 64, field_nx, field_ny;
  int direction = 0, ax = -1, ay = -1;
  gsize n;

  g_option_context_set_summary (ctx,
    "The phase portrait of a 2-D model, or of a 2-D slice of an n-D one (two states as\n"
    "axes, the others held at their initial values or --fix), an equation model or a\n"
    "trained model alike, rendered as the window draws it: direction field, nullclines,\n"
    "equilibria (filled: stable, open: unstable, half-filled: saddle), separatrices,\n"
    "basins of attraction, sample and launched trajectories, data. The image records the\n"
    "program version, the model's checksum and the command line.\n\n"
    "Examples:\n"
    "  currents-cli plot toggle.ode -o toggle.png\n"
    "  currents-cli plot toggle.ode --data toggle.csv --input iptg --set iptg=0.5 -o t.pdf\n"
    "  currents-cli plot vanderpol.ode --layers field,nullclines,basins --arrows streamlines "
    "-o v.svg\n"
    "  currents-cli plot trained.json --view x=-2:2,y=-2:2 --size 1600x1200 -o nn.png");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "plot takes exactly one model file");
  if (a.output == NULL)
    return cli_usage_error (ctx, "give the image to write with -o FILE.png|svg|pdf");
  {
    g_autofree char *lower = g_ascii_strdown (a.output, -1);

    if (!g_str_has_suffix (lower, ".png") && !g_str_has_suffix (lower, ".svg")
        && !g_str_has_suffix (lower, ".pdf"))
      return cli_usage_error (ctx, "-o %s: the image must end in .png, .svg or .pdf",
                              a.output);
  }
  if (a.layers_text != NULL && !currents_plot_layers_parse (a.layers_text, &layers, &error))
    return cli_usage_error (ctx, "--layers: %s", error->message);
  if (a.size_text != NULL && !parse_size (a.size_text, &width, &height))
    return cli_usage_error (ctx, "--size: expected WIDTHxHEIGHT between 16 and 20000, found '%s'",
                            a.size_text);
  if (a.basins_text != NULL && !parse_grid (a.basins_text, &basins_nx, &basins_ny))
    return cli_usage_error (ctx, "--basins-grid: expected N or NxM (2 to 1024), found '%s'",
                            a.basins_text);
  if (a.arrows_text != NULL)
    {
      if (g_ascii_strcasecmp (a.arrows_text, "normalized") == 0
          || g_ascii_strcasecmp (a.arrows_text, "normalised") == 0)
        arrows = CURRENTS_PLOT_ARROWS_NORMALIZED;
      else if (g_ascii_strcasecmp (a.arrows_text, "scaled") == 0)
        arrows = CURRENTS_PLOT_ARROWS_SCALED;
      else if (g_ascii_strcasecmp (a.arrows_text, "streamlines") == 0)
        arrows = CURRENTS_PLOT_ARROWS_STREAMLINES;
      else
        return cli_usage_error (ctx, "--arrows: expected normalized, scaled or streamlines, "
                                     "found '%s'", a.arrows_text);
    }
  if (a.direction_text != NULL)
    {
      if (g_ascii_strcasecmp (a.direction_text, "forward") == 0)
        direction = 1;
      else if (g_ascii_strcasecmp (a.direction_text, "backward") == 0)
        direction = -1;
      else if (g_ascii_strcasecmp (a.direction_text, "both") == 0)
        direction = 0;
      else
        return cli_usage_error (ctx, "--direction: expected forward, backward or both, found "
                                     "'%s'", a.direction_text);
    }
  if (a.input_items != NULL && a.data_path == NULL)
    return cli_usage_error (ctx, "--input names a column of --data; give the data too");

  /* the model, --set; an ensemble: its first member, and all members for the shading */
  if (currents_ensemble_sniff (argv[1]))
    {
      g_autoptr(CurrentsEnsemble) ens = currents_ensemble_load (argv[1], &error);
      g_autofree char *name = NULL;

      if (ens == NULL)
        return cli_user_error (error);
      members = currents_ensemble_new_systems (ens);
      sys = currents_ensemble_new_system (ens, 0);
      name = g_strdup_printf ("%s#1", argv[1]);
      currents_system_set_filename (sys, name);
    }
  else
    sys = cli_open_system (argv[1], &error);
  if (sys == NULL)
    return cli_user_error (error);
  n = currents_system_get_n_states (sys);
  states = currents_system_get_state_names (sys);
  if (n < 2)
    return fail ("%s has %" G_GSIZE_FORMAT " state variable; a phase portrait needs two",
                 argv[1], n);
  if (a.set_items != NULL && !(sets = cli_parse_assignments (a.set_items, "--set", &error)))
    return cli_user_error (error);
  for (guint i = 0; sets != NULL && i < sets->len; i++)
    {
      const CliAssign *s = &g_array_index (sets, CliAssign, i);

      if (!currents_system_set (sys, s->name, s->value, &error))
        {
          g_prefix_error (&error, "--set %s: ", s->name);
          return cli_user_error (error);
        }
      for (guint k = 0; members != NULL && k < members->len; k++)
        if (!currents_system_set (g_ptr_array_index (members, k), s->name, s->value, &error))
          return cli_user_error (error);
    }

  /* the axes */
  if (a.view_items != NULL && !(views = cli_parse_ranges (a.view_items, "--view", &error)))
    return cli_user_error (error);
  {
    const char *names[2] = { a.x_name, a.y_name };
    int *axis[2] = { &ax, &ay };

    /* axes named only in --view */
    if (views != NULL && views->len == 2 && names[0] == NULL && names[1] == NULL)
      {
        names[0] = g_array_index (views, CliRange, 0).name;
        names[1] = g_array_index (views, CliRange, 1).name;
      }
    for (int k = 0; k < 2; k++)
      if (names[k] != NULL)
        {
          *axis[k] = currents_system_find_state (sys, names[k]);
          if (*axis[k] < 0)
            {
              g_autofree char *list = g_strjoinv (", ", (char **) states);

              return fail ("--%c %s: the %s has no state variable named '%s' (its states: %s)",
                           k == 0 ? 'x' : 'y', names[k], currents_system_describe_kind (sys),
                           names[k], list);
            }
        }
    if (ax >= 0 && ax == ay)
      return fail ("the two axes must be different state variables (both are '%s')",
                   states[ax]);
  }

  /* --fix: the other states */
  if (a.fix_items != NULL && !(fixes = cli_parse_assignments (a.fix_items, "--fix", &error)))
    return cli_user_error (error);
  spec = currents_portrait_spec_new_for_system (sys, ax, ay, NULL);
  for (guint f = 0; fixes != NULL && f < fixes->len; f++)
    {
      const CliAssign *s = &g_array_index (fixes, CliAssign, f);
      int i = currents_system_find_state (sys, s->name);

      if (i < 0)
        return fail ("--fix %s: the %s has no state variable named '%s'", s->name,
                     currents_system_describe_kind (sys), s->name);
      if ((gsize) i == spec->ax || (gsize) i == spec->ay)
        return fail ("--fix %s: '%s' is an axis of the plane; fix only the other states",
                     s->name, s->name);
      spec->x[i] = s->value;
    }

  /* the data */
  if (a.data_path != NULL)
    {
      CurrentsCsvOptions options = { 0 };
      g_autoptr(GPtrArray) inputs = g_ptr_array_new ();

      for (guint i = 0; a.input_items != NULL && a.input_items[i] != NULL; i++)
        {
          g_auto(GStrv) parts = g_strsplit (a.input_items[i], ",", -1);

          for (guint k = 0; parts[k] != NULL; k++)
            if (*g_strstrip (parts[k]) != '\0')
              g_ptr_array_add (input_names, (gpointer) g_intern_string (parts[k]));
        }
      for (guint i = 0; i < input_names->len; i++)
        g_ptr_array_add (inputs, g_ptr_array_index (input_names, i));
      g_ptr_array_add (inputs, NULL);
      if (input_names->len > 0)
        options.input_columns = (const char *const *) inputs->pdata;
      dataset = currents_dataset_load (a.data_path, &options, &error);
      if (dataset == NULL)
        return cli_user_error (error);
    }

  /* the view: the model's window for its own axes, else the data's range */
  memcpy (view, spec->view, sizeof view);
  {
    int wx, wy;
    double win[4];
    int cx = dataset != NULL ? currents_dataset_find_state (dataset, states[spec->ax]) : -1;
    int cy = dataset != NULL ? currents_dataset_find_state (dataset, states[spec->ay]) : -1;
    const CurrentsModel *model = currents_system_get_model (sys);
    gboolean has_window = model != NULL && currents_model_get_options (model)->has_window;

    currents_system_get_window (sys, &wx, &wy, &win[0], &win[1], &win[2], &win[3]);
    if (cx >= 0 && cy >= 0
        && !(has_window && (gsize) wx == spec->ax && (gsize) wy == spec->ay)
        && currents_system_get_trained (sys) == NULL)
      {
        CurrentsColumnStats sx, sy;

        currents_dataset_get_state_stats (dataset, cx, &sx);
        currents_dataset_get_state_stats (dataset, cy, &sy);
        if (isfinite (sx.min + sx.max + sy.min + sy.max))
          {
            view[0] = sx.min;
            view[1] = sx.max;
            view[2] = sy.min;
            view[3] = sy.max;
            currents_plot_pad_range (&view[0], &view[1], 0.05);
            currents_plot_pad_range (&view[2], &view[3], 0.05);
          }
      }
  }
  for (guint v = 0; views != NULL && v < views->len; v++)
    {
      const CliRange *r = &g_array_index (views, CliRange, v);
      int i = currents_system_find_state (sys, r->name);

      if (i < 0)
        return fail ("--view %s: the %s has no state variable named '%s'", r->name,
                     currents_system_describe_kind (sys), r->name);
      if ((gsize) i != spec->ax && (gsize) i != spec->ay)
        return fail ("--view %s: '%s' is not an axis (the axes are %s and %s)", r->name,
                     r->name, states[spec->ax], states[spec->ay]);
      view[(gsize) i == spec->ax ? 0 : 2] = r->lo;
      view[(gsize) i == spec->ax ? 1 : 3] = r->hi;
    }
  if (!(view[0] < view[1]) || !(view[2] < view[3]))
    return fail ("the view %s=%g:%g, %s=%g:%g has zero width (LO must be below HI)",
                 states[spec->ax], view[0], view[1], states[spec->ay], view[2], view[3]);
  memcpy (spec->view, view, sizeof view);

  /* provenance */
  command = cli_command_line ();
  sha = file_sha256 (argv[1]);
  values = describe_values (sys);
  title = members != NULL
          ? g_strdup_printf ("Phase portrait of %s (member 1 of %u; shaded where the members "
                             "disagree)", argv[1], members->len)
          : g_strdup_printf ("Phase portrait of %s", argv[1]);
  source = g_strdup_printf ("%s (%s, sha256 %s)%s%s", argv[1],
                            currents_system_describe_kind (sys), sha,
                            dataset != NULL ? "; data " : "",
                            dataset != NULL ? a.data_path : "");
  {
    g_autoptr(GString) s = g_string_new (NULL);
    g_autofree char *layer_list = NULL;
    g_autoptr(GPtrArray) names = g_ptr_array_new ();

    for (guint i = 0; i < CURRENTS_PLOT_N_LAYERS; i++)
      if (layers & (1u << i))
        g_ptr_array_add (names, (gpointer) currents_plot_layer_to_string (1u << i));
    g_ptr_array_add (names, NULL);
    layer_list = g_strjoinv (",", (char **) names->pdata);
    g_string_append_printf (s, "axes %s, %s; view %s=%.10g:%.10g, %s=%.10g:%.10g; layers %s",
                            states[spec->ax], states[spec->ay], states[spec->ax], view[0],
                            view[1], states[spec->ay], view[2], view[3], layer_list);
    if (*values != '\0')
      g_string_append_printf (s, "; %s", values);
    for (gsize i = 0; i < n; i++)
      if (i != spec->ax && i != spec->ay)
        g_string_append_printf (s, "; %s fixed at %.10g", states[i], spec->x[i]);
    if (dataset != NULL)
      g_string_append_printf (s, "; data sha256 %s", currents_dataset_get_sha256 (dataset));
    settings = g_string_free (g_steal_pointer (&s), FALSE);
  }

  /* the scene */
  scene = currents_plot_scene_new ();
  currents_plot_scene_set_window (scene, view[0], view[1], view[2], view[3]);
  currents_plot_scene_set_labels (scene, states[spec->ax], states[spec->ay]);
  currents_plot_scene_set_layers (scene, layers);
  currents_plot_scene_set_arrow_style (scene, arrows);
  currents_plot_scene_set_show_legend (scene, !a.no_legend);
  currents_plot_scene_set_metadata (scene, "Title", title);
  currents_plot_scene_set_metadata (scene, "Software", "currents-cli " PACKAGE_VERSION);
  currents_plot_scene_set_metadata (scene, "Source", source);
  currents_plot_scene_set_metadata (scene, "Description", command);
  currents_plot_scene_set_metadata (scene, "Comment", settings);
  currents_plot_theme_init (&theme, a.dark);

  {
    /* the arrow grid for the plot area this size gives */
    cairo_surface_t *probe = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
    cairo_t *cr = cairo_create (probe);
    CurrentsPlotViewport vp;

    currents_plot_layout (cr, &theme, width, height, view[0], view[1], view[2], view[3],
                          0.08 * width, &vp);
    currents_plot_scene_get_field_grid_size (scene, vp.width, vp.height, &field_nx, &field_ny);
    cairo_destroy (cr);
    cairo_surface_destroy (probe);
  }

  if (members != NULL)
    {
      double shade[ENSEMBLE_SHADE_NX * ENSEMBLE_SHADE_NY];

      if (!currents_ensemble_disagreement (members, spec->ax, spec->ay, spec->x, view,
                                           ENSEMBLE_SHADE_NX, ENSEMBLE_SHADE_NY, shade, &error))
        return cli_user_error (error);
      currents_plot_scene_set_shading (scene, view, ENSEMBLE_SHADE_NX, ENSEMBLE_SHADE_NY, shade,
                                       1.0, "members disagree");
    }

  live = currents_portrait_compute_live (spec, layers, field_nx, field_ny,
                                         CURRENTS_PORTRAIT_FULL, NULL, &error);
  if (live == NULL)
    return cli_user_error (error);
  currents_portrait_scene_set_live (scene, live, states[spec->ax], states[spec->ay], NULL);

  if (layers & CURRENTS_PLOT_LAYER_SEPARATRICES)
    {
      g_autoptr(GPtrArray) seps = currents_portrait_separatrices (spec, live->equilibria, NULL,
                                                                  &error);

      if (seps == NULL)
        return cli_user_error (error);
      currents_portrait_scene_set_separatrices (scene, seps, NULL);
    }
  if (layers & CURRENTS_PLOT_LAYER_BASINS)
    {
      g_autoptr(CurrentsBasins) basins = NULL;

      if (!currents_field_is_autonomous (spec->field))
        return fail ("basins need an autonomous model; leave out the basins layer");
      basins = currents_portrait_basins (spec, basins_nx, basins_ny, NULL, &error);
      if (basins == NULL)
        return cli_user_error (error);
      currents_portrait_scene_set_basins (scene, basins, NULL);
    }
  if (layers & CURRENTS_PLOT_LAYER_TRAJECTORIES)
    {
      g_autoptr(GPtrArray) samples = currents_portrait_sample_trajectories (spec, 4, NULL, &error);

      if (samples == NULL)
        return cli_user_error (error);
      currents_portrait_scene_set_samples (scene, samples, NULL);
    }
  for (guint f = 0; a.from_items != NULL && a.from_items[f] != NULL; f++)
    {
      char *one[] = { a.from_items[f], NULL };
      g_autoptr(GArray) from = cli_parse_assignments (one, "--from", &error);
      g_autoptr(GPtrArray) branches = NULL;
      double xy[2] = { spec->x[spec->ax], spec->x[spec->ay] };

      if (from == NULL)
        return cli_user_error (error);
      for (guint k = 0; k < from->len; k++)
        {
          const CliAssign *s = &g_array_index (from, CliAssign, k);
          int i = currents_system_find_state (sys, s->name);

          if (i < 0 || ((gsize) i != spec->ax && (gsize) i != spec->ay))
            return fail ("--from %s: '%s' is not an axis (the axes are %s and %s)", s->name,
                         s->name, states[spec->ax], states[spec->ay]);
          xy[(gsize) i == spec->ax ? 0 : 1] = s->value;
        }
      branches = currents_portrait_trajectories_from (spec, xy[0], xy[1], direction, NULL, &error);
      if (branches == NULL)
        return cli_user_error (error);
      currents_portrait_scene_add_launched (scene, branches, xy[0], xy[1], NULL);
    }
  /* a trained model away from its data is a guess: veil it (see the legend) */
  if (currents_system_get_trained (sys) != NULL)
    currents_plot_scene_set_coverage (scene, "outside the data: extrapolated");
  if (dataset != NULL && (layers & CURRENTS_PLOT_LAYER_DATA))
    {
      int cx = currents_dataset_find_state (dataset, states[spec->ax]);
      int cy = currents_dataset_find_state (dataset, states[spec->ay]);
      guint more;

      if (cx < 0 || cy < 0)
        return fail ("%s has no columns %s and %s to draw on this plane", a.data_path,
                     states[spec->ax], states[spec->ay]);
      more = currents_portrait_scene_add_data (scene, dataset, cx, cy,
                                               currents_system_get_input_names (sys),
                                               currents_system_get_inputs (sys),
                                               currents_system_get_n_inputs (sys), 6, NULL);
      if (more > 0)
        {
          g_autofree char *note = g_strdup_printf ("and %u more", more);

          currents_plot_scene_add_legend_note (scene, note);
        }
    }

  if (!currents_plot_scene_export (scene, &theme, a.output, width, height, &error))
    return cli_user_error (error);
  if (a.csv_path != NULL && !currents_plot_scene_export_csv (scene, a.csv_path, &error))
    return cli_user_error (error);
  return CLI_OK;
}
