/* xpp-corpus-check.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Runs every model of an XPPAUT compatibility corpus (models/NAME.ode with xppaut's own
 * output in reference/NAME.csv and per-model tolerances in manifest.json) through
 * Currents and scores it the way the corpus README prescribes:
 *
 *   score = max over reference rows (t ≤ t_compare_max) and columns j of
 *           |ours(t) − ref_j(t)| / S_j,   S_j = max_t |ref_j(t)| (1 where that is 0),
 *
 * with ours(t) taken at the same time (|Δt| ≤ 1e-6·max(1,|t|)) or interpolated linearly
 * between the two rows around t. A model passes when score ≤ tol_fair.
 *
 * usage: xpp-corpus-check CORPUS_DIR [NAME…]
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <json-glib/json-glib.h>

#include "currents-engine.h"

typedef struct
{
  GPtrArray *header;  /* char* */
  GArray    *rows;    /* double, row-major */
  gsize      n_cols;
} Table;

static void
table_free (Table *t)
{
  g_ptr_array_unref (t->header);
  g_array_unref (t->rows);
  g_free (t);
}

static Table *
read_reference (const char  *path,
                GError     **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  Table *t;

  if (!g_file_get_contents (path, &text, NULL, error))
    return NULL;
  lines = g_strsplit (text, "\n", -1);
  t = g_new0 (Table, 1);
  t->header = g_ptr_array_new_with_free_func (g_free);
  t->rows = g_array_new (FALSE, FALSE, sizeof (double));
  for (char **l = lines; *l != NULL; l++)
    {
      g_auto(GStrv) cells = NULL;

      g_strstrip (*l);
      if (**l == '\0' || **l == '#')
        continue;
      cells = g_strsplit (*l, ",", -1);
      if (t->header->len == 0)
        {
          for (char **c = cells; *c != NULL; c++)
            g_ptr_array_add (t->header, g_strdup (g_strstrip (*c)));
          t->n_cols = t->header->len;
          continue;
        }
      if (g_strv_length (cells) != t->n_cols)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: ragged row", path);
          table_free (t);
          return NULL;
        }
      for (char **c = cells; *c != NULL; c++)
        {
          double v = g_ascii_strtod (*c, NULL);
          g_array_append_val (t->rows, v);
        }
    }
  return t;
}

static gboolean
check_model (const char  *dir,
             JsonObject  *entry,
             double      *score_out,
             GError     **error)
{
  const char *name = json_object_get_string_member (entry, "name");
  double tol = json_object_get_double_member (entry, "tol_fair");
  double tmax = INFINITY;
  g_autofree char *model_path = g_strdup_printf ("%s/models/%s.ode", dir, name);
  g_autofree char *ref_path = g_strdup_printf ("%s/reference/%s.csv", dir, name);
  g_autoptr(CurrentsModel) model = NULL;
  g_autoptr(CurrentsSimulator) sim = NULL;
  g_autoptr(CurrentsInputSignal) sig = NULL;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autofree double *times = NULL, *out = NULL, *ours = NULL, *scale = NULL;
  g_autofree int *map = NULL;
  CurrentsSimOptions opts;
  Table *ref;
  gsize n_times, n, na, n_ref;
  double worst = 0.0;

  if (json_object_has_member (entry, "t_compare_max") &&
      !json_object_get_null_member (entry, "t_compare_max"))
    tmax = json_object_get_double_member (entry, "t_compare_max");

  model = currents_model_new_from_file (model_path, error);
  if (model == NULL)
    return FALSE;
  n = currents_model_get_n_states (model);
  na = currents_model_get_n_aux (model);
  times = currents_model_get_default_times (model, &n_times);
  out = g_new0 (double, n_times * n);
  currents_model_get_sim_options (model, &opts);
  sim = currents_simulator_new (currents_model_get_field (model), &opts);
  currents_simulator_set_state_names (sim, currents_model_get_state_names (model));
  sig = currents_input_signal_new_constant (currents_model_get_n_inputs (model),
                                            currents_model_get_input_defaults (model));
  if (!currents_simulator_run (sim, currents_model_get_initial (model),
                               currents_model_get_params (model), sig,
                               currents_model_get_options (model)->t0, times, n_times, out,
                               NULL, NULL, error))
    return FALSE;

  /* ours: n_times × (1 + n + na): t, states, aux */
  ws = currents_field_workspace_new (currents_model_get_field (model));
  ours = g_new0 (double, n_times * (1 + n + na));
  for (gsize k = 0; k < n_times; k++)
    {
      double *row = ours + k * (1 + n + na);
      row[0] = times[k];
      memcpy (row + 1, out + k * n, n * sizeof (double));
      if (na > 0)
        currents_model_eval_aux (model, ws, times[k], out + k * n,
                                 currents_model_get_input_defaults (model),
                                 currents_model_get_params (model), row + 1 + n);
    }

  ref = read_reference (ref_path, error);
  if (ref == NULL)
    return FALSE;
  n_ref = ref->rows->len / ref->n_cols;
  map = g_new0 (int, ref->n_cols);
  scale = g_new0 (double, ref->n_cols);
  for (gsize j = 1; j < ref->n_cols; j++)
    {
      const char *h = g_ptr_array_index (ref->header, j);
      gboolean is_aux = g_str_has_prefix (h, "aux:");
      const char *bare = is_aux ? h + 4 : h;
      int k = currents_model_find_state (model, bare);

      map[j] = k >= 0 ? 1 + k : -1;
      if (k < 0)
        for (gsize a = 0; a < na; a++)
          if (g_ascii_strcasecmp (currents_model_get_aux_name (model, a), bare) == 0)
            map[j] = (int) (1 + n + a);
      if (map[j] < 0)
        {
          g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                       "the reference column '%s' names nothing in the model", h);
          table_free (ref);
          return FALSE;
        }
      scale[j] = 0.0;
      for (gsize r = 0; r < n_ref; r++)
        scale[j] = MAX (scale[j], fabs (g_array_index (ref->rows, double, r * ref->n_cols + j)));
      if (scale[j] == 0.0)
        scale[j] = 1.0;
    }

  for (gsize r = 0; r < n_ref; r++)
    {
      const double *rr = &g_array_index (ref->rows, double, r * ref->n_cols);
      double t = rr[0], tol_t = 1e-6 * MAX (1.0, fabs (t));
      gsize lo = 0, hi = n_times;
      gsize w = 1 + n + na;

      if (t > tmax + 1e-9)
        continue;
      /* first of our times ≥ t − tol_t */
      while (lo < hi)
        {
          gsize mid = (lo + hi) / 2;
          if (ours[mid * w] < t - tol_t)
            lo = mid + 1;
          else
            hi = mid;
        }
      for (gsize j = 1; j < ref->n_cols; j++)
        {
          double v, d;

          if (lo < n_times && fabs (ours[lo * w] - t) <= tol_t)
            v = ours[lo * w + map[j]];
          else if (lo > 0 && lo < n_times)
            {
              const double *a = ours + (lo - 1) * w, *b = ours + lo * w;
              double s = (t - a[0]) / (b[0] - a[0]);
              v = a[map[j]] + s * (b[map[j]] - a[map[j]]);
            }
          else
            {
              g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                           "no output at the reference time t = %g", t);
              table_free (ref);
              return FALSE;
            }
          d = fabs (v - rr[j]) / scale[j];
          if (!(d <= worst))
            worst = isnan (d) ? INFINITY : d;
        }
    }
  table_free (ref);
  *score_out = worst;
  if (!(worst <= tol))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
                   "max scaled difference %.3g exceeds the tolerance %g", worst, tol);
      return FALSE;
    }
  return TRUE;
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *manifest = NULL;
  JsonArray *entries;
  guint passed = 0, failed = 0;

  setlocale (LC_ALL, "");
  gsl_set_error_handler_off ();
  if (argc < 2)
    {
      g_printerr ("usage: xpp-corpus-check CORPUS_DIR [NAME…]\n");
      return 2;
    }
  manifest = g_build_filename (argv[1], "manifest.json", NULL);
  if (!json_parser_load_from_file (parser, manifest, &error))
    {
      g_printerr ("xpp-corpus-check: %s: %s\n", manifest, error->message);
      return 2;
    }
  entries = json_node_get_array (json_parser_get_root (parser));
  for (guint i = 0; i < json_array_get_length (entries); i++)
    {
      JsonObject *entry = json_array_get_object_element (entries, i);
      const char *name = json_object_get_string_member (entry, "name");
      g_autoptr(GError) err = NULL;
      double score = NAN;
      gboolean selected = argc == 2;

      for (int a = 2; a < argc; a++)
        selected |= strcmp (argv[a], name) == 0;
      if (!selected)
        continue;
      if (check_model (argv[1], entry, &score, &err))
        {
          passed++;
          g_print ("ok %-12s score %.3g ≤ %g\n", name, score,
                   json_object_get_double_member (entry, "tol_fair"));
        }
      else
        {
          failed++;
          g_print ("FAIL %-12s %s\n", name, err->message);
        }
    }
  g_print ("xpp-corpus: %u passed, %u failed\n", passed, failed);
  return failed == 0 && passed > 0 ? 0 : 1;
}
