/* currents-cli-discover.c — equations read back from a (learned) vector field
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "currents-cli-private.h"

/* "K:n" → K, n */
static gboolean
parse_hill (const char *text,
            double     *K,
            double     *n,
            GError    **error)
{
  g_auto(GStrv) parts = g_strsplit (text, ":", -1);

  if (g_strv_length (parts) != 2)
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "--hill %s: expected K:n, such as 1:2 (threshold 1, exponent 2)", text);
      return FALSE;
    }
  return cli_parse_double (g_strstrip (parts[0]), "--hill threshold", K, error)
         && cli_parse_double (g_strstrip (parts[1]), "--hill exponent", n, error);
}

int
cli_discover (int    argc,
              char **argv)
{
  g_autofree char *data_path = NULL, *output = NULL, *threshold_text = NULL;
  g_auto(GStrv) hill_items = NULL, term_items = NULL, set_items = NULL;
  int degree = 2, extra = 0, seed = 0;
  gboolean json = FALSE, activation = FALSE, no_repression = FALSE, poly_inputs = FALSE;
  gboolean points = FALSE;
  GOptionEntry entries[] = {
    { "data", 'd', 0, G_OPTION_ARG_FILENAME, &data_path,
      "Sample the field at this data set's points (required; usually the training data)",
      "DATA.csv" },
    { "degree", 0, 0, G_OPTION_ARG_INT, &degree,
      "Polynomials of the states up to this degree (default 2; -1 for none)", "D" },
    { "poly-inputs", 0, 0, G_OPTION_ARG_NONE, &poly_inputs,
      "Let the polynomials include the inputs", NULL },
    { "hill", 0, 0, G_OPTION_ARG_STRING_ARRAY, &hill_items,
      "Hill functions of every state with threshold K and exponent n (repeatable)", "K:n" },
    { "activation", 0, 0, G_OPTION_ARG_NONE, &activation,
      "Hill activations x^n/(K^n + x^n) as well", NULL },
    { "no-repression", 0, 0, G_OPTION_ARG_NONE, &no_repression,
      "No Hill repressions K^n/(K^n + x^n)", NULL },
    { "term", 0, 0, G_OPTION_ARG_STRING_ARRAY, &term_items,
      "A term of your own, an expression of the states and inputs (repeatable)", "EXPR" },
    { "threshold", 0, 0, G_OPTION_ARG_STRING, &threshold_text,
      "Drop terms contributing less than this share of an equation's RMS (default 0.05)", "T" },
    { "points", 0, 0, G_OPTION_ARG_NONE, &points,
      "Regress the field's values at the data's points instead of its flow (the integral "
      "form, the default)", NULL },
    { "extra", 0, 0, G_OPTION_ARG_INT, &extra,
      "With --points: also sample N uniform points in the data's bounding box", "N" },
    { "seed", 0, 0, G_OPTION_ARG_INT, &seed, "Seed of the extra points (default 0)", "S" },
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set_items,
      "Set a parameter of the model first (repeatable)", "NAME=VALUE" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write the found model (.ode) here",
      "FILE.ode" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autoptr(CurrentsDataset) ds = NULL;
  g_autoptr(CurrentsLibrary) lib = NULL;
  g_autoptr(CurrentsFieldSamples) samples = NULL;
  g_autoptr(CurrentsSparseFit) fit = NULL;
  g_autofree char *cmd = cli_command_line ();
  g_autofree char *comment = NULL, *text = NULL;
  CurrentsSparseOptions options;
  CurrentsCsvOptions csv = { 0 };
  double t0, t1;
  gsize n, M;
  int status = CLI_OK;

  g_option_context_set_summary (ctx,
    "Reads equations back from a vector field — typically a trained network — by sparse\n"
    "regression onto a library of candidate terms (sequentially thresholded least squares,\n"
    "as in SINDy). By default the regression is in integral (weak) form: the field's own\n"
    "trajectories from each data trajectory's start, ∫Θ dt against the displacement over\n"
    "short windows, which a learned field determines better than its values at single\n"
    "points (--points regresses those instead). The result is a .ode model\n"
    "whose coefficients are parameters, with R² per equation, ready to simulate, compare\n"
    "and refit with `currents-cli train DATA --model FOUND.ode --fit-params`.\n\n"
    "Examples:\n"
    "  currents-cli discover lv.json --data lotka-volterra.csv --degree 2 -o lv-found.ode\n"
    "  currents-cli discover toggle.json --data toggle.csv --degree 1 --hill 1:2 \\\n"
    "      --term '1/(1 + (u/(1 + iptg^2))^2)' --json");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "discover takes exactly one model file");
  if (data_path == NULL)
    return cli_usage_error (ctx, "--data is required: the field is sampled at the data's points");
  if (degree > 6)
    return cli_usage_error (ctx, "--degree %d: at most 6", degree);
  if (extra < 0 || seed < 0)
    return cli_usage_error (ctx, "--extra and --seed must be ≥ 0");

  currents_sparse_options_init (&options);
  if (threshold_text != NULL
      && !cli_parse_double (threshold_text, "--threshold", &options.threshold, &error))
    return cli_usage_error (ctx, "%s", error->message);

  sys = cli_load_system (argv[1], set_items, &status);
  if (sys == NULL)
    return status;
  n = currents_system_get_n_states (sys);
  /* the data's input columns are the model's inputs */
  csv.input_columns = currents_system_get_input_names (sys);
  ds = currents_dataset_load (data_path, &csv, &error);
  if (ds == NULL)
    return cli_user_error (error);

  /* the field is sampled at the data's states: they must be the model's, in order */
  for (gsize i = 0; i < n; i++)
    if (currents_dataset_get_n_states (ds) != n
        || g_ascii_strcasecmp (currents_dataset_get_state_name (ds, i),
                               currents_system_get_state_names (sys)[i]) != 0)
      {
        g_autofree char *want = g_strjoinv (", ", (char **) currents_system_get_state_names (sys));
        g_autoptr(GString) have = g_string_new (NULL);

        for (gsize k = 0; k < currents_dataset_get_n_states (ds); k++)
          g_string_append_printf (have, "%s%s", k > 0 ? ", " : "",
                                  currents_dataset_get_state_name (ds, k));
        g_printerr ("currents-cli: %s has the states %s, but the model's states are %s: give "
                    "the data the model was trained on\n", data_path, have->str, want);
        return CLI_ERROR;
      }

  lib = currents_library_new (currents_system_get_state_names (sys),
                              currents_system_get_input_names (sys));
  if (degree >= 0)
    currents_library_add_polynomials (lib, (guint) degree, poly_inputs);
  for (char **it = hill_items; it != NULL && *it != NULL; it++)
    {
      double K, hn;

      if (!parse_hill (*it, &K, &hn, &error))
        return cli_usage_error (ctx, "%s", error->message);
      if (!currents_library_add_hill (lib, NULL, K, hn, !no_repression, activation, &error))
        return cli_user_error (error);
    }
  for (char **it = term_items; it != NULL && *it != NULL; it++)
    if (!currents_library_add_expression (lib, *it, &error))
      return cli_user_error (error);

  if (extra > 0 && !points)
    return cli_usage_error (ctx, "--extra goes with --points");
  if (points)
    samples = currents_field_samples_new_from_data (currents_system_get_field (sys),
                                                    currents_system_get_params (sys), ds,
                                                    (gsize) extra, (guint64) seed, &error);
  else
    samples = currents_field_samples_new_integral (lib, currents_system_get_field (sys),
                                                   currents_system_get_params (sys), ds, 10,
                                                   &error);
  if (samples == NULL)
    return cli_user_error (error);
  fit = currents_sparse_fit_new (lib, samples, &options, &error);
  if (fit == NULL)
    return cli_user_error (error);
  M = currents_library_get_n_terms (lib);

  currents_dataset_get_time_span (ds, &t0, &t1);
  comment = g_strdup_printf ("made by currents-cli %s: %s\nfrom %s, %s %zu %s of %s "
                             "(sha256 %s)", PACKAGE_VERSION, cmd, argv[1],
                             points ? "sampled at" : "integrated over", samples->n_points,
                             points ? "points" : "windows of its trajectories from the starts",
                             data_path, currents_dataset_get_sha256 (ds));
  text = currents_sparse_fit_to_ode (fit, comment, currents_system_get_initial (sys),
                                     currents_system_get_inputs (sys), t1 - t0);
  if (output != NULL && !g_file_set_contents (output, text, -1, &error))
    {
      g_printerr ("currents-cli: cannot write %s: %s\n", output, error->message);
      return CLI_ERROR;
    }

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "model");
      json_builder_add_string_value (b, argv[1]);
      json_builder_set_member_name (b, "data");
      json_builder_add_string_value (b, data_path);
      json_builder_set_member_name (b, "data_sha256");
      json_builder_add_string_value (b, currents_dataset_get_sha256 (ds));
      json_builder_set_member_name (b, "form");
      json_builder_add_string_value (b, points ? "points" : "integral");
      json_builder_set_member_name (b, "n_points");
      json_builder_add_int_value (b, (gint64) samples->n_points);
      cli_json_member_number (b, "threshold", options.threshold);
      json_builder_set_member_name (b, "terms");
      json_builder_begin_array (b);
      for (gsize j = 0; j < M; j++)
        json_builder_add_string_value (b, currents_library_get_term (lib, j));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "equations");
      json_builder_begin_array (b);
      for (gsize i = 0; i < n; i++)
        {
          g_autofree char *rhs = currents_sparse_fit_describe (fit, i);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "state");
          json_builder_add_string_value (b, currents_system_get_state_names (sys)[i]);
          json_builder_set_member_name (b, "rhs");
          json_builder_add_string_value (b, rhs);
          json_builder_set_member_name (b, "coefficients");
          json_builder_begin_object (b);
          for (gsize j = 0; j < M; j++)
            {
              double c = currents_sparse_fit_get_coefficients (fit)[i * M + j];

              if (c != 0.0)
                cli_json_member_number (b, currents_library_get_term (lib, j), c);
            }
          json_builder_end_object (b);
          cli_json_member_number (b, "r2", currents_sparse_fit_get_r2 (fit, i));
          cli_json_member_number (b, "rel_rms", currents_sparse_fit_get_rel_rms (fit, i));
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      if (output != NULL)
        {
          json_builder_set_member_name (b, "model_file");
          json_builder_add_string_value (b, output);
        }
      else
        {
          json_builder_set_member_name (b, "ode");
          json_builder_add_string_value (b, text);
        }
      json_builder_end_object (b);
      cli_json_print (b);
    }
  else if (output == NULL)
    fputs (text, stdout);
  else
    for (gsize i = 0; i < n; i++)
      {
        g_autofree char *rhs = currents_sparse_fit_describe (fit, i);

        printf ("%s' = %s   (R² = %.6f)\n", currents_system_get_state_names (sys)[i], rhs,
                currents_sparse_fit_get_r2 (fit, i));
      }
  return CLI_OK;
}
