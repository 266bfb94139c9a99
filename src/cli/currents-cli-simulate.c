/* currents-cli-simulate.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli simulate`: one run of a model written as `t,<states>,<aux>` CSV, or a
 * synthetic data set (several trajectories from sampled initial states, for each level
 * of an input, at regular or irregular times, with Gaussian measurement noise) written
 * in the trajectory data format.
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "currents-cli-private.h"

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* Applies --set NAME=VALUE to parameters or inputs. */
static gboolean
apply_sets (CurrentsSystem        *sys,
            GArray               *sets,
            double               *p,
            double               *u,
            GError              **error)
{
  for (guint i = 0; sets != NULL && i < sets->len; i++)
    {
      CliAssign *a = &g_array_index (sets, CliAssign, i);
      int k = currents_system_find_param (sys, a->name);
      int m = currents_system_find_input (sys, a->name);

      if (k >= 0)
        p[k] = a->value;
      else if (m >= 0)
        u[m] = a->value;
      else
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "--set %s: the model has no parameter or input named '%s'",
                       a->name, a->name);
          return FALSE;
        }
    }
  return TRUE;
}

static gboolean
apply_inits (CurrentsSystem        *sys,
             GArray               *inits,
             double               *x0,
             GError              **error)
{
  for (guint i = 0; inits != NULL && i < inits->len; i++)
    {
      CliAssign *a = &g_array_index (inits, CliAssign, i);
      int k = currents_system_find_state (sys, a->name);

      if (k < 0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "--init %s: the model has no state variable named '%s'",
                       a->name, a->name);
          return FALSE;
        }
      x0[k] = a->value;
    }
  return TRUE;
}

static char *
format_number (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (v))
    return g_strdup ("NaN");
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.15g", v));
}

static gboolean
write_output (const char  *path,
              const char  *text,
              GError     **error)
{
  if (path == NULL || strcmp (path, "-") == 0)
    {
      fputs (text, stdout);
      return fflush (stdout) == 0;
    }
  return g_file_set_contents (path, text, -1, error);
}

static char *
provenance (const CurrentsSystem *sys,
            guint64               seed,
            gboolean              with_seed)
{
  g_autofree char *cmd = cli_command_line ();
  g_autofree char *contents = NULL;
  g_autofree char *sum = NULL;
  gsize length = 0;
  GString *s = g_string_new (NULL);

  /* the checksum of the model file as read (a .ode source or a trained model) */
  if (g_file_get_contents (currents_system_get_filename (sys), &contents, &length, NULL))
    sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) contents, length);
  g_string_append_printf (s, "made by currents-cli %s: %s\n%s %s sha256 %s",
                          PACKAGE_VERSION, cmd, currents_system_describe_kind (sys),
                          currents_system_get_filename (sys), sum ? sum : "unknown");
  if (with_seed)
    g_string_append_printf (s, "\nseed %" G_GUINT64_FORMAT, seed);
  return g_string_free (s, FALSE);
}

static gboolean
aux_named (const CurrentsModel *model,
           const char          *name)
{
  for (gsize i = 0; i < currents_model_get_n_aux (model); i++)
    if (g_ascii_strcasecmp (currents_model_get_aux_name (model, i), name) == 0)
      return TRUE;
  return FALSE;
}

/* A fixed-step Gauss–Legendre run (currents-symplectic.h) through the output times: each
 * interval between two output times in ⌈|Δt|/h⌉ equal steps, so equally spaced outputs
 * give one constant step. */
static gboolean
gauss_run (CurrentsField            *field,
           CurrentsSymplecticMethod  method,
           double                    h,
           const double             *x0,
           const double             *u,
           const double             *p,
           double                    t0,
           const double             *times,
           gsize                     n_times,
           double                   *out,
           GError                  **error)
{
  g_autoptr(CurrentsSymplectic) sym = currents_symplectic_new (field, method);
  gsize n = currents_field_get_n_states (field);
  g_autofree double *x = g_memdup2 (x0, MAX (n, 1) * sizeof (double));
  double t = t0;

  for (gsize k = 0; k < n_times; k++)
    {
      double span = times[k] - t;
      gsize steps = (gsize) ceil (fabs (span) / h - 1e-9);

      if (steps > 0 &&
          !currents_symplectic_evolve (sym, t, span / (double) steps, steps, u, p, x, NULL,
                                       NULL, error))
        return FALSE;
      t = times[k];
      memcpy (out + k * n, x, n * sizeof (double));
    }
  return TRUE;
}

int
cli_simulate (int    argc,
              char **argv)
{
  g_auto(GStrv) set_items = NULL;
  g_auto(GStrv) init_items = NULL;
  g_auto(GStrv) box_items = NULL;
  g_auto(GStrv) level_items = NULL;
  g_autofree char *t0_text = NULL, *t1_text = NULL, *dt_text = NULL, *times_text = NULL;
  g_autofree char *method_text = NULL, *rtol_text = NULL, *atol_text = NULL;
  g_autofree char *noise_text = NULL, *noise_rel_text = NULL, *output = NULL;
  g_autofree char *seed_text = NULL, *step_text = NULL;
  int n_traj = 0, n_samples = 0;
  gboolean gauss = FALSE;
  CurrentsSymplecticMethod gauss_method = CURRENTS_SYMPLECTIC_GAUSS4;
  gboolean irregular = FALSE, no_aux = FALSE, dense = FALSE;
  GOptionEntry entries[] = {
    { "set", 's', 0, G_OPTION_ARG_STRING_ARRAY, &set_items,
      "Set a parameter or input (repeatable; a=1,b=2 lists allowed)", "NAME=VALUE" },
    { "init", 'i', 0, G_OPTION_ARG_STRING_ARRAY, &init_items,
      "Set an initial state (repeatable)", "NAME=VALUE" },
    { "t0", 0, 0, G_OPTION_ARG_STRING, &t0_text, "Start time (default: the file's t0)", "T" },
    { "t1", 0, 0, G_OPTION_ARG_STRING, &t1_text,
      "End time (default: t0 + the file's total; before t0 integrates backward)", "T" },
    { "dt", 0, 0, G_OPTION_ARG_STRING, &dt_text,
      "Output spacing (default: the file's dt·njmp)", "DT" },
    { "times", 0, 0, G_OPTION_ARG_STRING, &times_text, "Output at these times", "T1,T2,…" },
    { "method", 'm', 0, G_OPTION_ARG_STRING, &method_text,
      "Integrator: rk8pd, rkf45, rkck, bdf, rk4, euler, modeuler, symplectic, or the "
      "implicit symplectic gauss4 and midpoint (for Hamiltonian models) "
      "(default: the file's @ meth)", "METHOD" },
    { "step", 0, 0, G_OPTION_ARG_STRING, &step_text,
      "Fixed step of gauss4/midpoint (default: the file's dt, at most the output spacing)",
      "H" },
    { "rtol", 0, 0, G_OPTION_ARG_STRING, &rtol_text, "Relative tolerance", "R" },
    { "atol", 0, 0, G_OPTION_ARG_STRING, &atol_text, "Absolute tolerance", "A" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &output, "Write CSV here (default: stdout)",
      "OUT.csv" },
    { "dense", 0, 0, G_OPTION_ARG_NONE, &dense,
      "Output every step the solver takes (for smooth plots)", NULL },
    { "no-aux", 0, 0, G_OPTION_ARG_NONE, &no_aux, "Leave out the aux columns", NULL },
    { "trajectories", 'n', 0, G_OPTION_ARG_INT, &n_traj,
      "Synthetic data: trajectories (per input level)", "N" },
    { "init-box", 0, 0, G_OPTION_ARG_STRING_ARRAY, &box_items,
      "Synthetic data: sample these initial states uniformly", "NAME=LO:HI,…" },
    { "samples", 'k', 0, G_OPTION_ARG_INT, &n_samples,
      "Synthetic data: samples per trajectory, t0 included", "K" },
    { "irregular", 0, 0, G_OPTION_ARG_NONE, &irregular,
      "Synthetic data: sorted uniform random times after t0", NULL },
    { "noise", 0, 0, G_OPTION_ARG_STRING, &noise_text,
      "Synthetic data: absolute Gaussian noise (standard deviation) on every state", "SD" },
    { "noise-rel", 0, 0, G_OPTION_ARG_STRING, &noise_rel_text,
      "Synthetic data: relative Gaussian noise, SD·|x|", "SD" },
    { "levels", 0, 0, G_OPTION_ARG_STRING_ARRAY, &level_items,
      "Synthetic data: trajectories for each level of an input", "NAME=V1,V2,…" },
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_text, "Random seed (default 1)", "S" },
    { NULL }
  };
  g_autoptr(GOptionContext) ctx = g_option_context_new ("MODEL.ode|TRAINED.json");
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  const CurrentsModel *model;
  g_autoptr(GArray) sets = NULL, inits = NULL, boxes = NULL, times = NULL;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autofree double *x0 = NULL, *p = NULL, *u = NULL;
  CurrentsSimOptions sopts;
  gsize n, m;
  double t0, t1, noise = 0.0, noise_rel = 0.0;
  guint64 seed = 1;
  gboolean synthetic;
  g_autoptr(GArray) levels = NULL;
  int level_index = -1, level_param = -1;

  g_option_context_set_summary (ctx,
    "Simulate a model from its initial state (or --init) and write t,<states>,<aux> CSV;\n"
    "or make a synthetic data set with --trajectories/--samples/--init-box/--noise.\n\n"
    "Examples:\n"
    "  currents-cli simulate lorenz.ode --t1 40 --dt 0.01 -o lorenz.csv\n"
    "  currents-cli simulate toggle.ode --trajectories 8 --init-box u=0:3,v=0:3 \\\n"
    "      --samples 41 --irregular --noise 0.01 --levels iptg=0,0.5,2 --seed 7 -o data.csv");
  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error))
    return cli_usage_error (ctx, "%s", error->message);
  if (argc != 2)
    return cli_usage_error (ctx, "simulate takes exactly one model file");
  if ((dt_text != NULL) + (times_text != NULL) + dense > 1)
    return cli_usage_error (ctx, "give one of --dt, --times and --dense, not several");
  if (n_traj < 0 || n_samples < 0)
    return cli_usage_error (ctx, "--trajectories and --samples must be positive");
  if (n_samples == 1)
    return cli_usage_error (ctx, "--samples must be at least 2");
  synthetic = n_traj > 0 || n_samples > 0 || box_items != NULL || irregular ||
              noise_text != NULL || noise_rel_text != NULL || level_items != NULL;
  if (irregular && n_samples == 0)
    return cli_usage_error (ctx, "--irregular needs --samples K");

  sys = cli_open_system (argv[1], &error);
  if (sys == NULL)
    return cli_user_error (error);
  model = currents_system_get_model (sys);     /* NULL for a neural model */
  n = currents_system_get_n_states (sys);
  m = currents_system_get_n_inputs (sys);

  x0 = g_memdup2 (currents_system_get_initial (sys), MAX (n, 1) * sizeof (double));
  p = g_memdup2 (currents_system_get_params (sys),
                 MAX (currents_system_get_n_params (sys), 1) * sizeof (double));
  u = g_memdup2 (currents_system_get_inputs (sys), MAX (m, 1) * sizeof (double));

  if ((set_items && !(sets = cli_parse_assignments (set_items, "--set", &error))) ||
      (init_items && !(inits = cli_parse_assignments (init_items, "--init", &error))) ||
      (box_items && !(boxes = cli_parse_ranges (box_items, "--init-box", &error))))
    return cli_user_error (error);
  if (!apply_sets (sys, sets, p, u, &error) || !apply_inits (sys, inits, x0, &error))
    return cli_user_error (error);
  for (guint i = 0; boxes != NULL && i < boxes->len; i++)
    if (currents_system_find_state (sys, g_array_index (boxes, CliRange, i).name) < 0)
      {
        g_printerr ("currents-cli: --init-box %s: the model has no state variable named '%s'\n",
                    g_array_index (boxes, CliRange, i).name,
                    g_array_index (boxes, CliRange, i).name);
        return CLI_ERROR;
      }

  if (level_items != NULL)
    {
      const char *item = level_items[0];
      const char *eq = strchr (item, '=');
      g_autofree char *name = NULL;

      if (level_items[1] != NULL)
        return cli_usage_error (ctx, "--levels takes one input (NAME=V1,V2,…)");
      if (eq == NULL || eq == item)
        return cli_usage_error (ctx, "--levels: expected NAME=V1,V2,…, found '%s'", item);
      name = g_strndup (item, eq - item);
      level_index = currents_system_find_input (sys, name);
      level_param = currents_system_find_param (sys, name);
      if (level_index < 0 && level_param < 0)
        {
          g_printerr ("currents-cli: --levels %s: the model has no input or parameter named "
                      "'%s'\n", name, name);
          return CLI_ERROR;
        }
      levels = cli_parse_doubles (eq + 1, "--levels", &error);
      if (levels == NULL)
        return cli_user_error (error);
    }

  if (seed_text != NULL)
    {
      char *end = NULL;
      seed = g_ascii_strtoull (seed_text, &end, 10);
      if (end == seed_text || *end != '\0')
        return cli_usage_error (ctx, "--seed: expected a whole number, found '%s'", seed_text);
    }
  if (noise_text && !cli_parse_double (noise_text, "--noise", &noise, &error))
    return cli_user_error (error);
  if (noise_rel_text && !cli_parse_double (noise_rel_text, "--noise-rel", &noise_rel, &error))
    return cli_user_error (error);
  if (noise < 0 || noise_rel < 0)
    return cli_usage_error (ctx, "noise must not be negative");

  t0 = currents_system_get_t0 (sys);
  if (t0_text && !cli_parse_double (t0_text, "--t0", &t0, &error))
    return cli_user_error (error);
  t1 = t0 + currents_system_get_total (sys);
  if (t1_text && !cli_parse_double (t1_text, "--t1", &t1, &error))
    return cli_user_error (error);

  /* Output times. */
  times = g_array_new (FALSE, FALSE, sizeof (double));
  if (times_text != NULL)
    {
      g_autoptr(GArray) given = cli_parse_doubles (times_text, "--times", &error);
      if (given == NULL)
        return cli_user_error (error);
      g_array_append_vals (times, given->data, given->len);
    }
  else if (n_samples > 0)
    {
      /* filled per trajectory below */
    }
  else if (dt_text == NULL && t0_text == NULL && t1_text == NULL && model != NULL)
    {
      gsize k;
      g_autofree double *def = currents_model_get_default_times (model, &k);
      g_array_append_vals (times, def, k);
    }
  else
    {
      double dt = model != NULL
                  ? currents_model_get_options (model)->dt *
                    MAX (1, currents_model_get_options (model)->njmp)
                  : fabs (t1 - t0) / 100.0;
      double span = fabs (t1 - t0), sign = t1 < t0 ? -1.0 : 1.0;
      gsize k;

      if (dt_text && !cli_parse_double (dt_text, "--dt", &dt, &error))
        return cli_user_error (error);
      if (!(dt > 0))
        return cli_usage_error (ctx, "--dt must be positive");
      if (span / dt > 1e8)
        return cli_usage_error (ctx, "--dt %g gives more than 10⁸ output rows", dt);
      k = (gsize) floor (span / dt + 1e-9);
      for (gsize j = 0; j <= k; j++)
        {
          double t = t0 + sign * (double) j * dt;
          g_array_append_val (times, t);
        }
      if (fabs (g_array_index (times, double, times->len - 1) - t1) > 1e-9 * MAX (1.0, span))
        g_array_append_val (times, t1);
    }

  currents_system_get_sim_options (sys, &sopts);
  if (method_text != NULL && (g_ascii_strcasecmp (method_text, "gauss4") == 0 ||
                              g_ascii_strcasecmp (method_text, "midpoint") == 0))
    {
      gauss = TRUE;
      gauss_method = g_ascii_strcasecmp (method_text, "gauss4") == 0
                     ? CURRENTS_SYMPLECTIC_GAUSS4 : CURRENTS_SYMPLECTIC_MIDPOINT;
      if (synthetic || dense)
        return cli_usage_error (ctx, "--method %s makes one run at the output times; it "
                                     "does not combine with --dense or synthetic data "
                                     "options", method_text);
    }
  else if (step_text != NULL)
    return cli_usage_error (ctx, "--step is the fixed step of --method gauss4 or midpoint");
  else if (method_text != NULL)
    {
      CurrentsMethod method;
      if (!currents_method_from_string (method_text, &method))
        return cli_usage_error (ctx, "--method: unknown method '%s' (expected rk8pd, rkf45, "
                                     "rkck, bdf, rk4, euler, modeuler, symplectic, gauss4 "
                                     "or midpoint)", method_text);
      if (method != sopts.method && !currents_method_is_fixed_step (method))
        {
          CurrentsSimOptions defaults;
          currents_sim_options_init (&defaults);
          sopts.rtol = defaults.rtol;
          sopts.atol = defaults.atol;
          sopts.h_min = defaults.h_min;
          sopts.h_max = defaults.h_max;
        }
      if (currents_method_is_fixed_step (method) && !currents_method_is_fixed_step (sopts.method))
        sopts.h = model != NULL ? currents_model_get_options (model)->dt : 0.01;
      sopts.method = method;
    }
  if (rtol_text && !cli_parse_double (rtol_text, "--rtol", &sopts.rtol, &error))
    return cli_user_error (error);
  if (atol_text && !cli_parse_double (atol_text, "--atol", &sopts.atol, &error))
    return cli_user_error (error);
  if (!(sopts.rtol > 0) || !(sopts.atol > 0))
    return cli_usage_error (ctx, "tolerances must be positive");

  sim = currents_simulator_new (currents_system_get_field (sys), &sopts);
  currents_simulator_set_state_names (sim, currents_system_get_state_names (sys));

  if (!synthetic)
    {
      gsize na = no_aux || model == NULL ? 0 : currents_model_get_n_aux (model);
      /* a Hamiltonian model's learned energy, to watch it being conserved */
      gboolean energy = !no_aux && model != NULL &&
                        currents_model_get_family (model) == CURRENTS_MODEL_HAMILTONIAN;
      g_autofree double *out = g_new0 (double, MAX (times->len * n, 1));
      g_autofree double *aux = g_new0 (double, MAX (na, 1));
      g_autoptr(CurrentsInputSignal) sig = currents_input_signal_new_constant (m, u);
      g_autoptr(CurrentsFieldWorkspace) ws = NULL;
      g_autoptr(GString) csv = g_string_new (NULL);
      g_autofree char *prov = provenance (sys, 0, FALSE);
      g_auto(GStrv) prov_lines = g_strsplit (prov, "\n", -1);

      if (dense)
        {
          g_autoptr(GArray) xs = g_array_new (FALSE, FALSE, sizeof (double));

          g_array_set_size (times, 0);
          if (!currents_simulator_run_dense (sim, x0, p, sig, t0, t1, times, xs, NULL, &error))
            return cli_user_error (error);
          g_free (out);
          out = g_memdup2 (xs->data, MAX (xs->len, 1) * sizeof (double));
        }
      else if (gauss)
        {
          double h = model != NULL ? currents_model_get_options (model)->dt : 0.01;

          if (step_text && !cli_parse_double (step_text, "--step", &h, &error))
            return cli_user_error (error);
          if (!(h > 0) || !isfinite (h))
            return cli_usage_error (ctx, "--step must be positive");
          if (!gauss_run (currents_system_get_field (sys), gauss_method, h, x0, u, p, t0,
                          (const double *) times->data, times->len, out, &error))
            return cli_user_error (error);
        }
      else if (!currents_simulator_run (sim, x0, p, sig, t0, (double *) times->data,
                                        times->len, out, NULL, NULL, &error))
        return cli_user_error (error);
      for (char **l = prov_lines; *l != NULL; l++)
        g_string_append_printf (csv, "# %s\n", *l);
      g_string_append (csv, "t");
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (csv, ",%s", currents_system_get_state_names (sys)[i]);
      for (gsize i = 0; i < na; i++)
        g_string_append_printf (csv, ",%s", currents_model_get_aux_name (model, i));
      if (energy)
        g_string_append (csv, currents_system_find_state (sys, "H") < 0 &&
                              !aux_named (model, "H") ? ",H" : ",H_learned");
      g_string_append_c (csv, '\n');
      ws = currents_field_workspace_new (currents_system_get_field (sys));
      for (guint k = 0; k < times->len; k++)
        {
          double t = g_array_index (times, double, k);
          g_autofree char *ts = format_number (t);

          g_string_append (csv, ts);
          for (gsize i = 0; i < n; i++)
            {
              g_autofree char *v = format_number (out[k * n + i]);
              g_string_append_c (csv, ',');
              g_string_append (csv, v);
            }
          if (na > 0)
            {
              currents_model_eval_aux (model, ws, t, out + k * n, u, p, aux);
              for (gsize i = 0; i < na; i++)
                {
                  g_autofree char *v = format_number (aux[i]);
                  g_string_append_c (csv, ',');
                  g_string_append (csv, v);
                }
            }
          if (energy)
            {
              g_autofree char *v = format_number (currents_model_eval_energy (model,
                                                                              out + k * n, p));
              g_string_append_c (csv, ',');
              g_string_append (csv, v);
            }
          g_string_append_c (csv, '\n');
        }
      if (!write_output (output, csv->str, &error))
        return cli_user_error (error);
      return CLI_OK;
    }

  /* Synthetic data set. */
  {
    gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
    g_autoptr(CurrentsDataset) ds = NULL;
    g_autofree char *prov = provenance (sys, seed, TRUE);
    g_autofree char *csv = NULL;
    guint n_levels = levels != NULL ? levels->len : 1;
    int per_level = MAX (n_traj, 1);
    int id = 0;
    int status = CLI_OK;

    if (t1 == t0)
      {
        gsl_rng_free (rng);
        return cli_usage_error (ctx, "synthetic data needs t1 different from t0");
      }
    gsl_rng_set (rng, (unsigned long) seed);
    {
      g_autofree const char **in_names = g_new0 (const char *, m + 1);
      for (gsize i = 0; i < m; i++)
        in_names[i] = currents_system_get_input_names (sys)[i];
      ds = currents_dataset_new (currents_system_get_state_names (sys), in_names);
    }
    for (guint L = 0; L < n_levels && status == CLI_OK; L++)
      {
        g_autofree double *pl = g_memdup2 (p, MAX (currents_system_get_n_params (sys), 1) *
                                              sizeof (double));
        g_autofree double *ul = g_memdup2 (u, MAX (m, 1) * sizeof (double));

        if (levels != NULL)
          {
            double v = g_array_index (levels, double, L);
            if (level_index >= 0)
              ul[level_index] = v;
            else
              pl[level_param] = v;
          }
        for (int r = 0; r < per_level && status == CLI_OK; r++)
          {
            g_autofree double *xs = g_memdup2 (x0, n * sizeof (double));
            g_autoptr(GArray) tt = g_array_new (FALSE, FALSE, sizeof (double));
            g_autofree double *out = NULL;
            g_autofree double *inputs = NULL;
            g_autoptr(CurrentsInputSignal) sig = currents_input_signal_new_constant (m, ul);
            g_autofree char *tid = g_strdup_printf ("%d", id++);

            for (guint b = 0; boxes != NULL && b < boxes->len; b++)
              {
                CliRange *rg = &g_array_index (boxes, CliRange, b);
                xs[currents_system_find_state (sys, rg->name)] =
                  rg->lo + (rg->hi - rg->lo) * gsl_rng_uniform (rng);
              }
            if (n_samples > 0)
              {
                g_array_append_val (tt, t0);
                for (int k = 1; k < n_samples; k++)
                  {
                    double t;
                    if (irregular)
                      t = t0 + (t1 - t0) * (1.0 - gsl_rng_uniform (rng));  /* (t0, t1] */
                    else
                      t = t0 + (t1 - t0) * (double) k / (double) (n_samples - 1);
                    g_array_append_val (tt, t);
                  }
                if (irregular)
                  {
                    g_array_sort (tt, compare_doubles);
                    if (t1 < t0)
                      for (guint a = 1, z = tt->len - 1; a < z; a++, z--)
                        {
                          double tmp = g_array_index (tt, double, a);
                          g_array_index (tt, double, a) = g_array_index (tt, double, z);
                          g_array_index (tt, double, z) = tmp;
                        }
                  }
              }
            else
              g_array_append_vals (tt, times->data, times->len);
            out = g_new0 (double, tt->len * n);
            if (!currents_simulator_run (sim, xs, pl, sig, t0, (double *) tt->data, tt->len,
                                         out, NULL, NULL, &error))
              {
                g_prefix_error (&error, "trajectory %s: ", tid);
                status = cli_user_error (error);
                break;
              }
            for (gsize k = 0; k < tt->len * n; k++)
              {
                if (noise > 0)
                  out[k] += gsl_ran_gaussian (rng, noise);
                if (noise_rel > 0)
                  out[k] += gsl_ran_gaussian (rng, noise_rel * fabs (out[k]));
              }
            inputs = g_new0 (double, MAX (tt->len * m, 1));
            for (gsize k = 0; k < tt->len; k++)
              for (gsize i = 0; i < m; i++)
                inputs[k * m + i] = ul[i];
            if (t1 < t0)
              {
                /* the data format wants increasing times */
                for (gsize a = 0, z = tt->len - 1; a < z; a++, z--)
                  {
                    double tmp = g_array_index (tt, double, a);
                    g_array_index (tt, double, a) = g_array_index (tt, double, z);
                    g_array_index (tt, double, z) = tmp;
                    for (gsize i = 0; i < n; i++)
                      {
                        tmp = out[a * n + i];
                        out[a * n + i] = out[z * n + i];
                        out[z * n + i] = tmp;
                      }
                  }
              }
            if (!currents_dataset_add_trajectory (ds, tid, tt->len, (double *) tt->data, out,
                                                  m > 0 ? inputs : NULL, &error))
              {
                status = cli_user_error (error);
                break;
              }
          }
      }
    gsl_rng_free (rng);
    if (status != CLI_OK)
      return status;
    csv = currents_dataset_to_csv (ds, prov);
    if (!write_output (output, csv, &error))
      return cli_user_error (error);
  }
  return CLI_OK;
}
