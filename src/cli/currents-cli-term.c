/* currents-cli-term.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli term`: a hybrid model's learned term on a grid of its arguments, the
 * data's range of each argument, and the difference from a reference law inside that
 * range (see currents-learned-term.h).
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "currents-cli-private.h"
#include "currents-plot-term.h"

/* The data for the ranges: columns named after the model's inputs are inputs. */
static CurrentsDataset *
load_data (const char           *path,
           const CurrentsSystem *sys,
           GError              **error)
{
  const char *const *inputs = currents_system_get_input_names (sys);
  g_autoptr(GPtrArray) columns = g_ptr_array_new ();
  CurrentsCsvOptions options = { 0 };
  CurrentsDataset *dataset = currents_dataset_load (path, &options, error);

  if (dataset == NULL)
    return NULL;
  for (gsize i = 0; inputs != NULL && inputs[i] != NULL; i++)
    if (currents_dataset_find_state (dataset, inputs[i]) >= 0)
      g_ptr_array_add (columns, (gpointer) inputs[i]);
  if (columns->len == 0)
    return dataset;
  g_ptr_array_add (columns, NULL);
  options.input_columns = (const char *const *) columns->pdata;
  currents_dataset_free (dataset);
  return currents_dataset_load (path, &options, error);
}

/* A trained model's recorded data ranges, when no data set is given. */
static gboolean
trained_range (const CurrentsSystem *sys,
               const char           *name,
               double               *lo,
               double               *hi)
{
  const CurrentsTrainedModel *tm = currents_system_get_trained (sys);
  gsize n = currents_system_get_n_states (sys), m = currents_system_get_n_inputs (sys);
  g_autofree double *x_min = g_new (double, MAX (n, 1));
  g_autofree double *x_max = g_new (double, MAX (n, 1));
  g_autofree double *u_min = g_new (double, MAX (m, 1));
  g_autofree double *u_max = g_new (double, MAX (m, 1));
  int i;

  if (tm == NULL || name == NULL || !currents_trained_model_get_ranges (tm, x_min, x_max, u_min, u_max))
    return FALSE;
  if ((i = currents_system_find_state (sys, name)) >= 0)
    {
      *lo = x_min[i];
      *hi = x_max[i];
    }
  else if ((i = currents_system_find_input (sys, name)) >= 0)
    {
      *lo = u_min[i];
      *hi = u_max[i];
    }
  else
    return FALSE;
  return isfinite (*lo) && isfinite (*hi);
}

static void
json_array (JsonBuilder  *b,
            const double *v,
            gsize         n)
{
  json_builder_begin_array (b);
  for (gsize i = 0; i < n; i++)
    cli_json_number (b, v[i]);
  json_builder_end_array (b);
}

/* values as a list (1-D) or a list of rows, one per value of the second argument */
static void
json_values (JsonBuilder                   *b,
             const char                    *key,
             const CurrentsLearnedTermGrid *grid,
             const double                  *v)
{
  json_builder_set_member_name (b, key);
  if (grid->n_args == 1)
    {
      json_array (b, v, grid->size[0]);
      return;
    }
  json_builder_begin_array (b);
  for (gsize j = 0; j < grid->size[1]; j++)
    json_array (b, v + j * grid->size[0], grid->size[0]);
  json_builder_end_array (b);
}

static gboolean
draw_png (const char                    *path,
          const CurrentsLearnedTermGrid *grid,
          const char                    *name,
          const char *const             *args,
          const double                  *ref_values,
          CurrentsReferenceLaw          *law,
          const double                  *data_lo,
          const double                  *data_hi,
          GError                       **error)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 800, 500);
  cairo_t *cr = cairo_create (surface);
  CurrentsPlotTheme theme;
  CurrentsPlotTerm term = { 0 };
  cairo_status_t status;

  currents_plot_theme_init (&theme, FALSE);
  term.grid = grid;
  term.term_name = name;
  term.arg_names = args;
  term.reference = ref_values;
  term.reference_label = law != NULL ? currents_reference_law_get_expression (law) : NULL;
  for (gsize k = 0; k < 2; k++)
    {
      term.data_lo[k] = data_lo[k];
      term.data_hi[k] = data_hi[k];
    }
  currents_plot_term_draw (cr, &theme, 800, 500, &term, NULL);
  cairo_destroy (cr);
  status = cairo_surface_write_to_png (surface, path);
  cairo_surface_destroy (surface);
  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                   "--plot: could not write %s (%s)", path, cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}

int
cli_term (int    argc,
          char **argv)
{
  g_autofree char *term_name = NULL, *reference = NULL, *data_path = NULL, *plot = NULL;
  g_auto(GStrv) range_items = NULL;
  g_auto(GStrv) set_items = NULL;
  gboolean json = FALSE;
  int size = 200;
  GOptionEntry entries[] = {
    { "term", 't', 0, G_OPTION_ARG_STRING, &term_name,
      "The learned term (default: the first)", "NAME" },
    { "range", 'r', 0, G_OPTION_ARG_STRING_ARRAY, &range_items,
      "The grid's range of an argument (default: the data's range, widened by a quarter "
      "on each side)", "ARG=LO:HI,..." },
    { "size", 'n', 0, G_OPTION_ARG_INT, &size, "Grid points per argument (default 200)", "N" },
    { "reference", 0, 0, G_OPTION_ARG_STRING, &reference,
      "A law to compare with, in the arguments' names: EXPR or EXPR;NAME=VALUE;...", "EXPR" },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set_items,
      "Set a constant of the reference law (repeatable; a=1,b=2 lists allowed)",
      "NAME=VALUE" },
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data_path,
      "The data whose range of each argument counts (default: a trained model's "
      "training data range)", "CSV" },
    { "plot", 'o', 0, G_OPTION_ARG_FILENAME, &plot,
      "Also draw the term to this PNG file", "FILE.png" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autoptr(CurrentsDataset) dataset = NULL;
  g_autoptr(CurrentsLearnedTermGrid) grid = NULL;
  g_autoptr(CurrentsReferenceLaw) law = NULL;
  g_autoptr(GArray) ranges = NULL;
  g_autoptr(GArray) sets = NULL;
  g_autofree double *ref_values = NULL;
  g_autofree char *cmd = cli_command_line ();
  g_auto(GStrv) args = NULL;
  const CurrentsModel *model;
  const CurrentsLearnedTerm *lt;
  CurrentsTermComparison cmp = { NAN, NAN, NAN, 0 };
  double lo[2] = { 0, 0 }, hi[2] = { 1, 1 };
  double data_lo[2] = { NAN, NAN }, data_hi[2] = { NAN, NAN };
  int term = 0;
  int status = CLI_OK;

  g_option_context_set_summary (ctx,
    "Evaluate a hybrid model's learned term (`learn mu(S)` in a .ode file, or the\n"
    "trained model made from one) on a grid of its arguments (one or two), with the\n"
    "data's range of each argument; with --reference, the RMS and largest relative\n"
    "difference from a known law at the grid points inside that range. Outside the\n"
    "data's range the network extrapolates: nothing is claimed there.\n"
    "Prints CSV (ARG,…,TERM[,reference]) or, with --json, one object with the keys\n"
    "term, args, grid, values, reference, data_range, rms_inside, max_rel_inside.\n\n"
    "Examples:\n"
    "  currents-cli term fedbatch-trained.json --data fedbatch.csv \\\n"
    "      --reference 'mumax*S/(Ks + S + S^2/Ki)' --set mumax=0.6,Ks=0.5,Ki=9 --json\n"
    "  currents-cli term fedbatch.ode --range S=0:30 --size 50");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "term takes exactly one model file");
  if (size < 2 || size > 2000)
    return cli_usage_error (ctx, "--size must be from 2 to 2000");
  if (range_items != NULL && !(ranges = cli_parse_ranges (range_items, "--range", &error)))
    return cli_user_error (error);
  if (set_items != NULL && !(sets = cli_parse_assignments (set_items, "--set", &error)))
    return cli_user_error (error);
  if (sets != NULL && reference == NULL)
    return cli_usage_error (ctx, "--set gives constants of the reference law: add --reference");

  sys = cli_load_system (argv[1], NULL, &status);
  if (sys == NULL)
    return status;
  model = currents_system_get_model (sys);
  if (model == NULL || currents_model_get_n_learned (model) == 0)
    {
      g_printerr ("currents-cli: %s has no learned terms (declare one in a .ode file with "
                  "`learn mu(S)`)\n", argv[1]);
      return CLI_ERROR;
    }
  if (term_name != NULL && (term = currents_learned_term_find (model, term_name)) < 0)
    {
      g_autofree char *list = currents_learned_term_list_names (model);

      g_printerr ("currents-cli: --term: %s has no learned term '%s' (its learned terms: %s)\n",
                  argv[1], term_name, list);
      return CLI_ERROR;
    }
  lt = currents_model_get_learned (model, (gsize) term);
  if (lt->n_args > 2)
    {
      g_printerr ("currents-cli: the learned term '%s' takes %" G_GSIZE_FORMAT " arguments; "
                  "only terms of one or two arguments can be shown on a grid\n", lt->name,
                  lt->n_args);
      return CLI_ERROR;
    }
  args = currents_learned_term_get_arg_names (model, (gsize) term);

  if (data_path != NULL && !(dataset = load_data (data_path, sys, &error)))
    return cli_user_error (error);

  /* each argument's data range, then the grid's range */
  for (gsize k = 0; k < lt->n_args; k++)
    {
      g_autofree char *source = currents_learned_term_get_arg_source (model, (gsize) term, k);
      gboolean known;

      known = dataset != NULL
        ? currents_learned_term_data_range (model, (gsize) term, k, dataset, &data_lo[k],
                                            &data_hi[k], NULL)
        : trained_range (sys, source, &data_lo[k], &data_hi[k]);
      if (!known)
        data_lo[k] = data_hi[k] = NAN;
      currents_learned_term_default_range (model, (gsize) term, k, data_lo[k], data_hi[k],
                                           &lo[k], &hi[k]);
    }
  for (guint i = 0; ranges != NULL && i < ranges->len; i++)
    {
      const CliRange *r = &g_array_index (ranges, CliRange, i);
      gsize k;

      for (k = 0; k < lt->n_args; k++)
        if (g_ascii_strcasecmp (r->name, args[k]) == 0)
          break;
      if (k == lt->n_args)
        {
          g_autofree char *list = g_strjoinv (", ", args);

          g_printerr ("currents-cli: --range: '%s' is not an argument of %s (its arguments: "
                      "%s)\n", r->name, lt->name, list);
          return CLI_ERROR;
        }
      lo[k] = r->lo;
      hi[k] = r->hi;
    }
  grid = currents_learned_term_grid_new (model, (gsize) term, currents_system_get_params (sys),
                                         lo, hi, (gsize) size, &error);
  if (grid == NULL)
    return cli_user_error (error);

  if (reference != NULL)
    {
      g_autoptr(GString) text = g_string_new (reference);

      /* --set NAME=VALUE adds a constant (or changes one the text gives) */
      for (guint i = 0; sets != NULL && i < sets->len; i++)
        {
          const CliAssign *a = &g_array_index (sets, CliAssign, i);
          char buf[G_ASCII_DTOSTR_BUF_SIZE];

          g_string_append_printf (text, ";%s=%s", a->name,
                                  g_ascii_dtostr (buf, sizeof buf, a->value));
        }
      law = currents_reference_law_new_parse (text->str, (const char *const *) args, &error);
      if (law == NULL)
        {
          g_prefix_error (&error, "--reference: ");
          return cli_user_error (error);
        }
      ref_values = g_new (double, grid->size[0] * grid->size[1]);
      currents_learned_term_compare (grid, law, data_lo, data_hi, ref_values, &cmp);
    }

  if (plot != NULL && !draw_png (plot, grid, lt->name, (const char *const *) args, ref_values,
                                 law, data_lo, data_hi, &error))
    return cli_user_error (error);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "term");
      json_builder_add_string_value (b, lt->name);
      json_builder_set_member_name (b, "args");
      json_builder_begin_array (b);
      for (gsize k = 0; k < lt->n_args; k++)
        json_builder_add_string_value (b, args[k]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "grid");
      json_builder_begin_object (b);
      for (gsize k = 0; k < lt->n_args; k++)
        {
          json_builder_set_member_name (b, args[k]);
          json_array (b, grid->axis[k], grid->size[k]);
        }
      json_builder_end_object (b);
      json_values (b, "values", grid, grid->values);
      json_builder_set_member_name (b, "reference");
      if (law != NULL)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "expression");
          json_builder_add_string_value (b, currents_reference_law_get_expression (law));
          json_builder_set_member_name (b, "constants");
          json_builder_begin_object (b);
          for (gsize c = 0; c < currents_reference_law_get_n_constants (law); c++)
            cli_json_member_number (b, currents_reference_law_get_constant_name (law, c),
                                    currents_reference_law_get_constant (law, c));
          json_builder_end_object (b);
          json_values (b, "values", grid, ref_values);
          json_builder_end_object (b);
        }
      else
        json_builder_add_null_value (b);
      json_builder_set_member_name (b, "data_range");
      json_builder_begin_object (b);
      for (gsize k = 0; k < lt->n_args; k++)
        {
          json_builder_set_member_name (b, args[k]);
          if (isfinite (data_lo[k]))
            {
              json_builder_begin_array (b);
              cli_json_number (b, data_lo[k]);
              cli_json_number (b, data_hi[k]);
              json_builder_end_array (b);
            }
          else
            json_builder_add_null_value (b);
        }
      json_builder_end_object (b);
      cli_json_member_number (b, "rms_inside", cmp.rms);
      cli_json_member_number (b, "rel_rms_inside", cmp.rel_rms);
      cli_json_member_number (b, "max_rel_inside", cmp.max_rel);
      json_builder_set_member_name (b, "n_inside");
      json_builder_add_int_value (b, (gint64) cmp.n_inside);
      json_builder_set_member_name (b, "command");
      json_builder_add_string_value (b, cmd);
      json_builder_set_member_name (b, "program");
      json_builder_add_string_value (b, "currents-cli " PACKAGE_VERSION);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  g_print ("# made by currents-cli %s: %s\n", PACKAGE_VERSION, cmd);
  {
    g_autofree char *list = g_strjoinv (", ", args);

    g_print ("# learned term %s(%s) of %s\n", lt->name, list, argv[1]);
  }
  for (gsize k = 0; k < lt->n_args; k++)
    if (isfinite (data_lo[k]))
      g_print ("# data range %s %.17g:%.17g\n", args[k], data_lo[k], data_hi[k]);
    else
      g_print ("# data range %s unknown\n", args[k]);
  if (law != NULL)
    {
      g_print ("# reference %s", currents_reference_law_get_expression (law));
      for (gsize c = 0; c < currents_reference_law_get_n_constants (law); c++)
        g_print ("%s%s=%.10g", c == 0 ? " with " : ", ",
                 currents_reference_law_get_constant_name (law, c),
                 currents_reference_law_get_constant (law, c));
      g_print ("\n# inside the data range (%" G_GSIZE_FORMAT " points): rms %.6g, relative rms "
               "%.6g, max relative %.6g\n", cmp.n_inside, cmp.rms, cmp.rel_rms, cmp.max_rel);
    }
  for (gsize k = 0; k < lt->n_args; k++)
    g_print ("%s,", args[k]);
  g_print ("%s%s\n", lt->name, law != NULL ? ",reference" : "");
  for (gsize j = 0; j < grid->size[1]; j++)
    for (gsize i = 0; i < grid->size[0]; i++)
      {
        gsize at = j * grid->size[0] + i;

        g_print ("%.17g,", grid->axis[0][i]);
        if (grid->n_args == 2)
          g_print ("%.17g,", grid->axis[1][j]);
        g_print ("%.17g", grid->values[at]);
        if (law != NULL)
          g_print (",%.17g", ref_values[at]);
        g_print ("\n");
      }
  return CLI_OK;
}
