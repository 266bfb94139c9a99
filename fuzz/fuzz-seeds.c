/* fuzz-seeds.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Writes small, valid seed inputs for the JSON fuzz targets, made with the engine's own
 * writers: the bundled trained models and ensembles are hundreds of kilobytes (long
 * training histories, 64-wide networks), too slow to mutate, and no workspace ships.
 *
 *   fuzz-seeds CORPUS_DIR   writes CORPUS_DIR/{trained,ensemble,workspace}/gen-*
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_errno.h>

#include "currents-engine.h"

static const char toggle_ode[] =
  "# toggle switch\n"
  "par a1=3.2, a2=2.9, n=2.5\n"
  "input iptg=0.5\n"
  "init u=1.2, v=0.4\n"
  "u' = a1/(1+v^n) - u\n"
  "v' = a2/(1+(u/(1+iptg))^n) - v\n"
  "aux total = u + v\n"
  "@ total=20, xp=u, yp=v, xlo=0, xhi=4, ylo=0, yhi=4\n"
  "done\n";

static const char toggle_csv[] =
  "trajectory,t,u,v,iptg\n"
  "a,0,1.2,0.4,0.5\n"
  "a,0.5,1.9,0.35,0.5\n"
  "a,1.25,2.4,,0.5\n"
  "b,0,0.1,2.0,0\n"
  "b,1,0.3,2.6,0\n";

static void
write_file (const char *dir,
            const char *name,
            const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autoptr (GError) error = NULL;

  if (!g_file_set_contents (path, text, -1, &error))
    {
      fprintf (stderr, "fuzz-seeds: %s\n", error->message);
      exit (1);
    }
}

static void
check (gboolean      ok,
       const GError *error)
{
  if (!ok)
    {
      fprintf (stderr, "fuzz-seeds: %s\n", error != NULL ? error->message : "failed");
      exit (1);
    }
}

/* A neural model of the toggle's states and input: hidden widths @w1 (and @w2 when > 0). */
static CurrentsTrainedModel *
tiny_neural (gsize       w1,
             gsize       w2,
             CurrentsActivation activation,
             gboolean    log_input)
{
  const char *states[] = { "u", "v", NULL };
  const char *inputs[] = { "iptg", NULL };
  const char *log_inputs[] = { "iptg", NULL };
  const double x_mean[] = { 1.5, 1.1 }, x_scale[] = { 0.9, 0.7 };
  const double u_mean[] = { 0.3 }, u_scale[] = { 0.25 }, u_offset[] = { log_input ? 0.01 : 0 };
  const gboolean u_log[] = { log_input };
  CurrentsNeuralScaling scaling = { x_mean, x_scale, u_mean, u_scale, u_log, u_offset, 2.5 };
  CurrentsNeuralSpec spec;
  g_autoptr (GError) error = NULL;
  CurrentsNeuralModel *nm;

  currents_neural_spec_init (&spec);
  spec.n_hidden = w2 > 0 ? 2 : 1;
  spec.hidden[0] = w1;
  spec.hidden[1] = w2;
  spec.activation = activation;
  spec.seed = 7;
  spec.log_inputs = log_input ? log_inputs : NULL;
  nm = currents_neural_model_new_full (states, inputs, &spec, &scaling, &error);
  check (nm != NULL, error);
  return currents_trained_model_new_neural (nm, currents_neural_model_get_initial_params (nm));
}

static CurrentsTrainedModel *
tiny_ode (void)
{
  g_autoptr (GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (toggle_ode, "toggle.ode", &error);

  check (model != NULL, error);
  return currents_trained_model_new_ode (model, currents_model_get_params (model));
}

static void
write_trained (const char           *dir,
               const char           *name,
               CurrentsTrainedModel *tm)
{
  g_autofree char *text = currents_trained_model_to_data (tm);

  write_file (dir, name, text);
  currents_trained_model_free (tm);
}

static void
write_ensemble (const char *dir,
                const char *name,
                gboolean    neural)
{
  g_autoptr (CurrentsEnsemble) ens = currents_ensemble_new (11, 3);
  g_autofree char *text = NULL;
  const gsize boot[] = { 0, 1, 1 };

  currents_ensemble_set_data (ens, "toggle.csv", NULL, 2);
  for (guint k = 0; k < 2; k++)
    currents_ensemble_add_member (ens,
                                  neural ? tiny_neural (3, 0, CURRENTS_ACTIVATION_TANH, FALSE)
                                         : tiny_ode (),
                                  k, 11 + k, boot, G_N_ELEMENTS (boot) - k,
                                  k == 0 ? CURRENTS_ENSEMBLE_MEMBER_FINISHED
                                         : CURRENTS_ENSEMBLE_MEMBER_STOPPED);
  text = currents_ensemble_to_data (ens);
  write_file (dir, name, text);
}

static void
write_workspace (const char *dir)
{
  g_autoptr (CurrentsWorkspace) ws = currents_workspace_new ();
  g_autoptr (GError) error = NULL;
  g_autofree char *text = NULL;
  g_autofree char *trained_json = NULL;
  char *input_columns[] = { "iptg", NULL };
  CurrentsWorkspaceDataset dataset = {
    .name = "toggle", .csv = (char *) toggle_csv, .time_column = "t",
    .input_columns = input_columns, .log_inputs = input_columns,
  };
  CurrentsWorkspaceModel equation = {
    .name = "toggle model", .kind = CURRENTS_WORKSPACE_MODEL_EQUATION,
    .path = "toggle.ode", .source = (char *) toggle_ode,
  };
  CurrentsWorkspaceModel neural = {
    .name = "network", .kind = CURRENTS_WORKSPACE_MODEL_NEURAL, .dataset = "toggle",
    .n_hidden = 2, .hidden = { 4, 3 }, .activation = CURRENTS_ACTIVATION_SOFTPLUS, .seed = 3,
  };
  CurrentsWorkspaceTrained trained = { .name = "fit", .model = "network", .dataset = "toggle" };
  CurrentsTrainedModel *tm = tiny_neural (4, 3, CURRENTS_ACTIVATION_SOFTPLUS, TRUE);

  trained.json = trained_json = currents_trained_model_to_data (tm);
  currents_trained_model_free (tm);
  check (currents_workspace_set_dataset (ws, &dataset, &error), error);
  check (currents_workspace_set_model (ws, &equation, &error), error);
  check (currents_workspace_set_model (ws, &neural, &error), error);
  check (currents_workspace_set_trained (ws, &trained, &error), error);
  check (currents_workspace_set_active (ws, "toggle", "toggle model", "fit", &error), error);
  json_object_set_string_member (currents_workspace_get_view (ws), "page", "portrait");
  text = currents_workspace_to_data (ws, NULL);
  write_file (dir, "gen-toggle.currents", text);
}

int
main (int    argc,
      char **argv)
{
  g_autofree char *trained = NULL, *ensemble = NULL, *workspace = NULL;

  gsl_set_error_handler_off ();
  if (argc != 2)
    {
      fprintf (stderr, "usage: fuzz-seeds CORPUS_DIR\n");
      return 2;
    }
  trained = g_build_filename (argv[1], "trained", NULL);
  ensemble = g_build_filename (argv[1], "ensemble", NULL);
  workspace = g_build_filename (argv[1], "workspace", NULL);
  g_mkdir_with_parents (trained, 0755);
  g_mkdir_with_parents (ensemble, 0755);
  g_mkdir_with_parents (workspace, 0755);

  write_trained (trained, "gen-neural-tanh.json",
                 tiny_neural (3, 0, CURRENTS_ACTIVATION_TANH, FALSE));
  write_trained (trained, "gen-neural-log.json",
                 tiny_neural (2, 2, CURRENTS_ACTIVATION_SILU, TRUE));
  write_trained (trained, "gen-ode.json", tiny_ode ());
  write_ensemble (ensemble, "gen-neural.json", TRUE);
  write_ensemble (ensemble, "gen-ode.json", FALSE);
  write_workspace (workspace);
  return 0;
}
