/* currents-cli-info.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli info DATA.csv` and `currents-cli check MODEL.ode`.
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <math.h>

#include "currents-cli-private.h"


static void
json_column (JsonBuilder               *b,
             const char                *name,
             const char                *role,
             const CurrentsColumnStats *s)
{
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "name");
  json_builder_add_string_value (b, name);
  json_builder_set_member_name (b, "role");
  json_builder_add_string_value (b, role);
  cli_json_member_number (b, "min", s->min);
  cli_json_member_number (b, "max", s->max);
  cli_json_member_number (b, "mean", s->mean);
  cli_json_member_number (b, "sd", s->sd);
  json_builder_set_member_name (b, "observed");
  json_builder_add_int_value (b, (gint64) s->n_observed);
  json_builder_set_member_name (b, "missing");
  json_builder_add_int_value (b, (gint64) s->n_missing);
  cli_json_member_number (b, "missing_fraction", s->missing_fraction);
  json_builder_end_object (b);
}

int
cli_info (int    argc,
          char **argv)
{
  g_auto(GStrv) inputs = NULL;
  g_auto(GStrv) ignore = NULL;
  gboolean constant = FALSE, json = FALSE;
  GOptionEntry entries[] = {
    { "input", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &inputs,
      "Read column NAME as an external input (repeatable)", "NAME" },
    { "constant-inputs", 0, 0, G_OPTION_ARG_NONE, &constant,
      "Require every input to be constant within a trajectory", NULL },
    { "ignore", 0, 0, G_OPTION_ARG_STRING_ARRAY, &ignore,
      "Skip column NAME (repeatable)", "NAME" },
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("DATA.csv");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsDataset) ds = NULL;
  CurrentsCsvOptions opts = { 0 };

  g_option_context_set_summary (ctx, "Summarise a trajectory data set: trajectories, samples, "
                                     "time span and per-column statistics.\n\nExample:\n"
                                     "  currents-cli info data.csv --input iptg");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "info takes exactly one data file");

  opts.input_columns = (const char *const *) inputs;
  opts.ignore_columns = (const char *const *) ignore;
  opts.constant_inputs = constant;
  ds = currents_dataset_load (argv[1], &opts, &error);
  if (ds == NULL)
    return cli_user_error (error);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();
      double t0, t1;

      currents_dataset_get_time_span (ds, &t0, &t1);
      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, argv[1]);
      json_builder_set_member_name (b, "sha256");
      json_builder_add_string_value (b, currents_dataset_get_sha256 (ds));
      json_builder_set_member_name (b, "trajectories");
      json_builder_add_int_value (b, (gint64) currents_dataset_get_n_trajectories (ds));
      json_builder_set_member_name (b, "samples");
      json_builder_add_int_value (b, (gint64) currents_dataset_get_n_samples (ds));
      cli_json_member_number (b, "t_min", t0);
      cli_json_member_number (b, "t_max", t1);
      json_builder_set_member_name (b, "columns");
      json_builder_begin_array (b);
      for (gsize i = 0; i < currents_dataset_get_n_states (ds); i++)
        {
          CurrentsColumnStats s;
          currents_dataset_get_state_stats (ds, i, &s);
          json_column (b, currents_dataset_get_state_name (ds, i), "state", &s);
        }
      for (gsize i = 0; i < currents_dataset_get_n_inputs (ds); i++)
        {
          CurrentsColumnStats s;
          currents_dataset_get_input_stats (ds, i, &s);
          json_column (b, currents_dataset_get_input_name (ds, i), "input", &s);
        }
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
    }
  else
    {
      g_autofree char *text = currents_dataset_summary (ds);
      g_print ("%s", text);
      if (!g_str_has_suffix (text, "\n"))
        g_print ("\n");
    }
  return CLI_OK;
}

static const char *
yes_no_list (const char *const *v)
{
  return v != NULL && v[0] != NULL ? "" : " (none)";
}

/* A model's family and conserved quantities, as text lines or JSON members. */
static void
family_json (JsonBuilder         *b,
             const CurrentsModel *model)
{
  CurrentsModelFamily family = currents_model_get_family (model);

  json_builder_set_member_name (b, "family");
  json_builder_add_string_value (b, currents_model_family_to_string (family));
  if (family != CURRENTS_MODEL_EQUATIONS)
    {
      json_builder_set_member_name (b, "family_weights");
      json_builder_add_int_value (b, (gint64) (currents_model_get_n_params (model) -
                                               currents_model_get_family_offset (model)));
    }
  if (family == CURRENTS_MODEL_STOICHIOMETRIC)
    {
      const CurrentsStoichModel *st = currents_model_get_stoich (model);
      const CurrentsStoichMatrix *mx = currents_stoich_model_get_matrix (st);

      json_builder_set_member_name (b, "reactions");
      json_builder_begin_array (b);
      for (gsize j = 0; j < currents_stoich_matrix_get_n_reactions (mx); j++)
        {
          CurrentsReactionFlags f = currents_stoich_model_get_flags (st, j);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, currents_stoich_matrix_get_reactions (mx)[j]);
          json_builder_set_member_name (b, "reversible");
          json_builder_add_boolean_value (b, !(f & CURRENTS_REACTION_IRREVERSIBLE));
          json_builder_set_member_name (b, "mass_action");
          json_builder_add_boolean_value (b, (f & CURRENTS_REACTION_MASS_ACTION) != 0);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  if (family == CURRENTS_MODEL_HAMILTONIAN)
    {
      const CurrentsHamiltonianSpec *spec =
        currents_hamiltonian_model_get_spec (currents_model_get_hamiltonian (model));

      json_builder_set_member_name (b, "dissipative");
      json_builder_add_boolean_value (b, spec->kind == CURRENTS_HAMILTONIAN_DISSIPATIVE);
    }
  json_builder_set_member_name (b, "conserved");
  json_builder_begin_array (b);
  for (gsize i = 0; i < currents_model_get_n_conserved (model); i++)
    {
      const CurrentsModelConserved *c = currents_model_get_conserved (model, i);

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "name");
      json_builder_add_string_value (b, c->name);
      json_builder_set_member_name (b, "expression");
      json_builder_add_string_value (b, c->expression);
      json_builder_set_member_name (b, "exact");
      json_builder_add_boolean_value (b, c->exact);
      cli_json_member_number (b, "weight", c->weight);
      json_builder_end_object (b);
    }
  json_builder_end_array (b);
}

static void
family_print (const CurrentsModel *model)
{
  CurrentsModelFamily family = currents_model_get_family (model);
  gsize nw = currents_model_get_n_params (model) - currents_model_get_family_offset (model);

  g_print ("family: %s", currents_model_family_to_string (family));
  if (family == CURRENTS_MODEL_HAMILTONIAN)
    {
      const CurrentsHamiltonianSpec *spec =
        currents_hamiltonian_model_get_spec (currents_model_get_hamiltonian (model));

      g_print (" (%s, energy network %" G_GSIZE_FORMAT,
               spec->kind == CURRENTS_HAMILTONIAN_DISSIPATIVE ? "dissipative" : "conservative",
               currents_model_get_n_states (model));
      for (gsize l = 0; l < spec->n_hidden; l++)
        g_print ("-%" G_GSIZE_FORMAT, spec->hidden[l]);
      g_print ("-1 %s, %" G_GSIZE_FORMAT " weights)",
               currents_activation_to_string (spec->activation), nw);
    }
  else if (family == CURRENTS_MODEL_STOICHIOMETRIC)
    {
      const CurrentsStoichModel *st = currents_model_get_stoich (model);
      const CurrentsStoichMatrix *mx = currents_stoich_model_get_matrix (st);
      gsize m = currents_stoich_matrix_get_n_reactions (mx);

      g_print (" (%" G_GSIZE_FORMAT " reaction%s, rate network with %" G_GSIZE_FORMAT
               " weights)", m, m == 1 ? "" : "s", nw);
      for (gsize j = 0; j < m; j++)
        {
          CurrentsReactionFlags f = currents_stoich_model_get_flags (st, j);
          g_print ("%s %s%s%s", j == 0 ? ":" : ",", currents_stoich_matrix_get_reactions (mx)[j],
                   f & CURRENTS_REACTION_IRREVERSIBLE ? "" : " (reversible)",
                   f & CURRENTS_REACTION_MASS_ACTION ? " (mass action)" : "");
        }
    }
  g_print ("\nconserved:%s", currents_model_get_n_conserved (model) == 0 ? " (none)" : "");
  for (gsize i = 0; i < currents_model_get_n_conserved (model); i++)
    {
      const CurrentsModelConserved *c = currents_model_get_conserved (model, i);

      if (c->exact)
        g_print ("%s %s = %s (exact)", i == 0 ? "" : ";", c->name, c->expression);
      else
        g_print ("%s %s = %s (penalty, weight %g)", i == 0 ? "" : ";", c->name, c->expression,
                 c->weight);
    }
  g_print ("\n");
}

/* A trained model: what it is, what it learned from, how well. */
static int
check_trained (const char *path,
               gboolean    json)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) tm = currents_trained_model_load (path, &error);
  const char *const *states, *const *inputs;
  JsonObject *training;
  const guint *epochs;
  const double *tl, *vl;
  gsize nh;

  if (tm == NULL)
    return cli_user_error (error);
  states = currents_trained_model_get_state_names (tm);
  inputs = currents_trained_model_get_input_names (tm);
  training = currents_trained_model_get_training (tm);
  nh = currents_trained_model_get_history (tm, &epochs, &tl, &vl);
  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, path);
      json_builder_set_member_name (b, "kind");
      json_builder_add_string_value (b, currents_trained_model_get_kind (tm) ==
                                        CURRENTS_TRAINED_NEURAL ? "neural" : "ode");
      json_builder_set_member_name (b, "states");
      json_builder_begin_array (b);
      for (gsize i = 0; states[i] != NULL; i++)
        json_builder_add_string_value (b, states[i]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "inputs");
      json_builder_begin_array (b);
      for (gsize i = 0; inputs != NULL && inputs[i] != NULL; i++)
        json_builder_add_string_value (b, inputs[i]);
      json_builder_end_array (b);
      json_builder_set_member_name (b, "params");
      json_builder_add_int_value (b, (gint64) currents_trained_model_get_n_params (tm));
      if (currents_trained_model_get_kind (tm) == CURRENTS_TRAINED_ODE)
        family_json (b, currents_trained_model_get_ode (tm));
      json_builder_set_member_name (b, "epochs");
      json_builder_add_int_value (b, (gint64) nh);
      json_builder_set_member_name (b, "data");
      json_builder_add_string_value (b, currents_trained_model_get_data_filename (tm)
                                        ? currents_trained_model_get_data_filename (tm) : "");
      json_builder_set_member_name (b, "data_sha256");
      json_builder_add_string_value (b, currents_trained_model_get_data_sha256 (tm)
                                        ? currents_trained_model_get_data_sha256 (tm) : "");
      if (training != NULL)
        {
          json_builder_set_member_name (b, "training");
          json_builder_add_value (b, json_node_init_object (json_node_alloc (), training));
        }
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }
  g_print ("%s: trained %s model, %" G_GSIZE_FORMAT " parameters\nstates:",
           path, currents_trained_model_get_kind (tm) == CURRENTS_TRAINED_NEURAL
                 ? "neural ODE" : "equation", currents_trained_model_get_n_params (tm));
  for (gsize i = 0; states[i] != NULL; i++)
    g_print (" %s", states[i]);
  g_print ("\ninputs:");
  for (gsize i = 0; inputs != NULL && inputs[i] != NULL; i++)
    g_print (" %s", inputs[i]);
  if (inputs == NULL || inputs[0] == NULL)
    g_print (" (none)");
  g_print ("\n");
  if (currents_trained_model_get_kind (tm) == CURRENTS_TRAINED_NEURAL)
    {
      const CurrentsNeuralModel *nm = currents_trained_model_get_neural (tm);
      const CurrentsNeuralSpec *spec = currents_neural_model_get_spec (nm);
      const CurrentsNeuralScaling *sc = currents_neural_model_get_scaling (nm);

      g_print ("network: %" G_GSIZE_FORMAT, currents_neural_model_get_n_states (nm) +
                                             currents_neural_model_get_n_inputs (nm));
      for (gsize l = 0; l < spec->n_hidden; l++)
        g_print ("-%" G_GSIZE_FORMAT, spec->hidden[l]);
      g_print ("-%" G_GSIZE_FORMAT " %s, time scale %g\n", currents_neural_model_get_n_states (nm),
               currents_activation_to_string (spec->activation), sc->t_scale);
      for (gsize j = 0; inputs != NULL && inputs[j] != NULL; j++)
        if (sc->u_log[j])
          g_print ("input %s enters as log10(%s + %g)\n", inputs[j], inputs[j], sc->u_offset[j]);
    }
  if (currents_trained_model_get_kind (tm) == CURRENTS_TRAINED_ODE)
    family_print (currents_trained_model_get_ode (tm));
  if (currents_trained_model_get_data_filename (tm) != NULL)
    g_print ("data: %s (sha256 %s)\n", currents_trained_model_get_data_filename (tm),
             currents_trained_model_get_data_sha256 (tm));
  if (nh > 0)
    g_print ("history: %" G_GSIZE_FORMAT " epochs, last train MSE %g, validation MSE %g\n", nh,
             tl[nh - 1], vl[nh - 1]);
  return CLI_OK;
}

int
cli_check (int    argc,
           char **argv)
{
  gboolean json = FALSE;
  GOptionEntry entries[] = {
    { "json", 0, 0, G_OPTION_ARG_NONE, &json, "Print one JSON object", NULL },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  const CurrentsModelOptions *o;
  const char *const *ignored;
  gsize n, k;

  g_option_context_set_summary (ctx, "Read a model and report its states, parameters, inputs, "
                                     "learned terms and options, and the options it "
                                     "ignored.\n\nExample:\n  currents-cli check model.ode");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "check takes exactly one model file");

  if (currents_trained_model_sniff (argv[1]))
    return check_trained (argv[1], json);
  model = currents_model_new_from_file (argv[1], &error);
  if (model == NULL)
    return cli_user_error (error);
  o = currents_model_get_options (model);
  ignored = currents_model_get_ignored (model);
  n = currents_model_get_n_states (model);
  k = currents_model_get_n_named_params (model);

  if (json)
    {
      g_autoptr(JsonBuilder) b = json_builder_new ();

      json_builder_begin_object (b);
      json_builder_set_member_name (b, "file");
      json_builder_add_string_value (b, argv[1]);
      json_builder_set_member_name (b, "states");
      json_builder_begin_array (b);
      for (gsize i = 0; i < n; i++)
        {
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, currents_model_get_state_name (model, i));
          cli_json_member_number (b, "initial", currents_model_get_initial (model)[i]);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      json_builder_set_member_name (b, "parameters");
      json_builder_begin_object (b);
      for (gsize i = 0; i < k; i++)
        cli_json_member_number (b, currents_model_get_param_name (model, i),
                     currents_model_get_params (model)[i]);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "inputs");
      json_builder_begin_object (b);
      for (gsize i = 0; i < currents_model_get_n_inputs (model); i++)
        cli_json_member_number (b, currents_model_get_input_name (model, i),
                     currents_model_get_input_defaults (model)[i]);
      json_builder_end_object (b);
      json_builder_set_member_name (b, "aux");
      json_builder_begin_array (b);
      for (gsize i = 0; i < currents_model_get_n_aux (model); i++)
        json_builder_add_string_value (b, currents_model_get_aux_name (model, i));
      json_builder_end_array (b);
      json_builder_set_member_name (b, "learned");
      json_builder_begin_array (b);
      for (gsize i = 0; i < currents_model_get_n_learned (model); i++)
        {
          const CurrentsLearnedTerm *l = currents_model_get_learned (model, i);
          json_builder_begin_object (b);
          json_builder_set_member_name (b, "name");
          json_builder_add_string_value (b, l->name);
          json_builder_set_member_name (b, "widths");
          json_builder_begin_array (b);
          for (gsize j = 0; j <= l->n_layers; j++)
            json_builder_add_int_value (b, (gint64) l->widths[j]);
          json_builder_end_array (b);
          json_builder_set_member_name (b, "weights");
          json_builder_add_int_value (b, (gint64) l->n_weights);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
      family_json (b, model);
      json_builder_set_member_name (b, "autonomous");
      json_builder_add_boolean_value (b,
                                      currents_field_is_autonomous (currents_model_get_field (model)));
      json_builder_set_member_name (b, "method");
      json_builder_add_string_value (b, currents_method_to_string (o->method));
      cli_json_member_number (b, "dt", o->dt);
      cli_json_member_number (b, "total", o->total);
      cli_json_member_number (b, "t0", o->t0);
      cli_json_member_number (b, "bound", o->bound);
      cli_json_member_number (b, "tol", o->tol);
      cli_json_member_number (b, "atol", o->atol);
      json_builder_set_member_name (b, "ignored");
      json_builder_begin_array (b);
      for (gsize i = 0; ignored[i] != NULL; i++)
        json_builder_add_string_value (b, ignored[i]);
      json_builder_end_array (b);
      json_builder_end_object (b);
      cli_json_print (b);
      return CLI_OK;
    }

  g_print ("%s: %" G_GSIZE_FORMAT " state%s, %" G_GSIZE_FORMAT " parameter%s, %"
           G_GSIZE_FORMAT " input%s, %" G_GSIZE_FORMAT " aux, %" G_GSIZE_FORMAT
           " learned term%s; %s\n",
           argv[1], n, n == 1 ? "" : "s", k, k == 1 ? "" : "s",
           currents_model_get_n_inputs (model),
           currents_model_get_n_inputs (model) == 1 ? "" : "s",
           currents_model_get_n_aux (model), currents_model_get_n_learned (model),
           currents_model_get_n_learned (model) == 1 ? "" : "s",
           currents_field_is_autonomous (currents_model_get_field (model))
           ? "autonomous" : "non-autonomous (depends on t)");
  g_print ("states:");
  for (gsize i = 0; i < n; i++)
    g_print (" %s(0)=%g", currents_model_get_state_name (model, i),
             currents_model_get_initial (model)[i]);
  g_print ("\nparameters:%s", k == 0 ? " (none)" : "");
  for (gsize i = 0; i < k; i++)
    g_print (" %s=%g", currents_model_get_param_name (model, i),
             currents_model_get_params (model)[i]);
  g_print ("\ninputs:%s", currents_model_get_n_inputs (model) == 0 ? " (none)" : "");
  for (gsize i = 0; i < currents_model_get_n_inputs (model); i++)
    g_print (" %s=%g", currents_model_get_input_name (model, i),
             currents_model_get_input_defaults (model)[i]);
  g_print ("\naux:%s", currents_model_get_n_aux (model) == 0 ? " (none)" : "");
  for (gsize i = 0; i < currents_model_get_n_aux (model); i++)
    g_print (" %s", currents_model_get_aux_name (model, i));
  g_print ("\n");
  for (gsize i = 0; i < currents_model_get_n_learned (model); i++)
    {
      const CurrentsLearnedTerm *l = currents_model_get_learned (model, i);
      g_print ("learned %s: network", l->name);
      for (gsize j = 0; j <= l->n_layers; j++)
        g_print ("%s%" G_GSIZE_FORMAT, j == 0 ? " " : "-", l->widths[j]);
      g_print (" (%" G_GSIZE_FORMAT " weights)\n", l->n_weights);
    }
  family_print (model);
  g_print ("numerics: method %s (%s), dt=%g, total=%g, t0=%g, bound=%g",
           currents_method_to_string (o->method),
           o->method_name != NULL ? o->method_name : "XPP default",
           o->dt, o->total, o->t0, o->bound);
  if (!currents_method_is_fixed_step (o->method))
    {
      CurrentsSimOptions so;
      currents_model_get_sim_options (model, &so);
      g_print (", tol=%g, atol=%g", o->tol, o->atol);
      if (so.rtol != o->tol || so.atol != o->atol)
        g_print (" (run at rtol=%g, atol=%g for XPP's accuracy)", so.rtol, so.atol);
    }
  g_print ("\nignored:%s\n", yes_no_list (ignored));
  for (gsize i = 0; ignored[i] != NULL; i++)
    g_print ("  %s\n", ignored[i]);
  return CLI_OK;
}
