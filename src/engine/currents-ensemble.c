/* currents-ensemble.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ensembles of trained models (see currents-ensemble.h).
 *
 * Bootstrap: member k trains on trajectories i_1 … i_n, i_j = gsl_rng_uniform_int (r, n)
 * with r = mt19937 seeded with seed + k: about 63% of the trajectories, some twice.
 *
 * Intervals over m values v_(1) ≤ … ≤ v_(m): m < 20 → [v_(1), v_(m)] ("range");
 * m ≥ 20 → the 5% and 95% quantiles with GSL's linear interpolation between order
 * statistics (gsl_stats_quantile_from_sorted_data). The centre is the median.
 *
 * Clustering across members (equilibria, tipping points): points are taken member by
 * member; each joins the nearest cluster (scaled max-norm distance to the cluster's mean)
 * that has no point of its member yet and lies within the tolerance, or starts a new
 * cluster. The result does not depend on thread counts: members are analysed in order.
 *
 * The file's members carry a SHA-256 of their text ("members_sha256"), so a file whose
 * numbers were damaged (or edited) is refused rather than analysed.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-ensemble"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>

#include "currents-error-private.h"
#include "currents-ensemble.h"
#include "currents-error.h"
#include "currents-json.h"
#include "currents-mlp.h"
#include "currents-version.h"

#define SNIFF_BYTES 4096

const char *
currents_ensemble_member_status_to_string (CurrentsEnsembleMemberStatus status)
{
  return status == CURRENTS_ENSEMBLE_MEMBER_FINISHED ? "finished" : "stopped";
}

const char *
currents_interval_kind_to_string (CurrentsIntervalKind kind)
{
  return kind == CURRENTS_INTERVAL_RANGE ? "range" : "5-95%";
}

CurrentsIntervalKind
currents_interval (double *values,
                   gsize   n,
                   double *median,
                   double *lo,
                   double *hi)
{
  g_return_val_if_fail (values != NULL && n > 0, CURRENTS_INTERVAL_RANGE);

  gsl_sort (values, 1, n);
  *median = gsl_stats_median_from_sorted_data (values, 1, n);
  if (n < 20)
    {
      *lo = values[0];
      *hi = values[n - 1];
      return CURRENTS_INTERVAL_RANGE;
    }
  *lo = gsl_stats_quantile_from_sorted_data (values, 1, n, 0.05);
  *hi = gsl_stats_quantile_from_sorted_data (values, 1, n, 0.95);
  return CURRENTS_INTERVAL_QUANTILES;
}

void
currents_ensemble_bootstrap (guint64 seed,
                             guint   k,
                             gsize   n_trajectories,
                             gsize  *indices)
{
  gsl_rng *r;

  g_return_if_fail (n_trajectories > 0 && indices != NULL);

  r = gsl_rng_alloc (gsl_rng_mt19937);
  gsl_rng_set (r, (unsigned long) (seed + k));
  for (gsize i = 0; i < n_trajectories; i++)
    indices[i] = (gsize) gsl_rng_uniform_int (r, (unsigned long) n_trajectories);
  gsl_rng_free (r);
}

CurrentsDataset *
currents_ensemble_resample (const CurrentsDataset *dataset,
                            const gsize           *indices,
                            gsize                  n,
                            GError               **error)
{
  gsize ns = currents_dataset_get_n_states (dataset);
  gsize nu = currents_dataset_get_n_inputs (dataset);
  gsize nt = currents_dataset_get_n_trajectories (dataset);
  g_autofree const char **snames = g_new0 (const char *, ns + 1);
  g_autofree const char **unames = g_new0 (const char *, nu + 1);
  g_autofree guint *drawn = g_new0 (guint, MAX (nt, 1));
  g_autoptr(CurrentsDataset) out = NULL;

  for (gsize i = 0; i < ns; i++)
    snames[i] = currents_dataset_get_state_name (dataset, i);
  for (gsize j = 0; j < nu; j++)
    unames[j] = currents_dataset_get_input_name (dataset, j);
  out = currents_dataset_new (snames, unames);
  for (gsize q = 0; q < n; q++)
    {
      const CurrentsTrajectory *tr;
      g_autofree char *id = NULL;

      g_return_val_if_fail (indices[q] < nt, NULL);
      tr = currents_dataset_get_trajectory (dataset, indices[q]);
      drawn[indices[q]]++;
      id = drawn[indices[q]] == 1
           ? g_strdup (currents_trajectory_get_id (tr))
           : g_strdup_printf ("%s#%u", currents_trajectory_get_id (tr), drawn[indices[q]]);
      if (!currents_dataset_add_trajectory (out, id, currents_trajectory_get_n_samples (tr),
                                            currents_trajectory_get_times (tr),
                                            currents_trajectory_get_states (tr),
                                            currents_trajectory_get_inputs (tr), error))
        return NULL;
    }
  return g_steal_pointer (&out);
}

/* ------------------------------------------------------------------------------------ */
/* The ensemble                                                                          */

typedef struct
{
  CurrentsTrainedModel         *tm;
  char                         *text;      /* its trained-model JSON, as saved */
  guint                         index;
  guint64                       seed;
  gsize                        *bootstrap;
  gsize                         n_bootstrap;
  CurrentsEnsembleMemberStatus  status;
} Member;

struct _CurrentsEnsemble
{
  guint64     seed;
  guint       n_planned;
  GArray     *members;      /* Member */
  char       *data_filename;
  char       *data_sha256;
  gsize       n_trajectories;
  JsonObject *settings;
};

static void
member_clear (gpointer data)
{
  Member *m = data;

  g_clear_pointer (&m->tm, currents_trained_model_free);
  g_clear_pointer (&m->text, g_free);
  g_clear_pointer (&m->bootstrap, g_free);
}

CurrentsEnsemble *
currents_ensemble_new (guint64 seed,
                       guint   n_planned)
{
  CurrentsEnsemble *ens = g_new0 (CurrentsEnsemble, 1);

  ens->seed = seed;
  ens->n_planned = n_planned;
  ens->members = g_array_new (FALSE, TRUE, sizeof (Member));
  g_array_set_clear_func (ens->members, member_clear);
  ens->settings = json_object_new ();
  return ens;
}

void
currents_ensemble_free (CurrentsEnsemble *ens)
{
  if (ens == NULL)
    return;
  g_array_unref (ens->members);
  g_free (ens->data_filename);
  g_free (ens->data_sha256);
  json_object_unref (ens->settings);
  g_free (ens);
}

static gint
member_cmp (gconstpointer a,
            gconstpointer b)
{
  const Member *x = a, *y = b;
  return (x->index > y->index) - (x->index < y->index);
}

/* @text: (transfer full) (nullable): the member's JSON when already at hand */
static void
add_member (CurrentsEnsemble             *ens,
            CurrentsTrainedModel         *tm,
            char                         *text,
            guint                         index,
            guint64                       seed,
            const gsize                  *bootstrap,
            gsize                         n_bootstrap,
            CurrentsEnsembleMemberStatus  status)
{
  Member m = { 0 };

  m.tm = tm;
  m.text = text != NULL ? text : currents_trained_model_to_data (tm);
  m.index = index;
  m.seed = seed;
  m.bootstrap = g_memdup2 (bootstrap, MAX (n_bootstrap, 1) * sizeof (gsize));
  m.n_bootstrap = n_bootstrap;
  m.status = status;
  g_array_append_val (ens->members, m);
  g_array_sort (ens->members, member_cmp);
}

/**
 * currents_ensemble_add_member:
 * @ens: an ensemble
 * @tm: (transfer full): the member's trained model
 * @index: its position among the planned members
 * @seed: its seed
 * @bootstrap: (array length=n_bootstrap): the trajectories it was trained on
 * @n_bootstrap: how many
 * @status: finished or stopped early
 */
void
currents_ensemble_add_member (CurrentsEnsemble             *ens,
                              CurrentsTrainedModel         *tm,
                              guint                         index,
                              guint64                       seed,
                              const gsize                  *bootstrap,
                              gsize                         n_bootstrap,
                              CurrentsEnsembleMemberStatus  status)
{
  g_return_if_fail (ens != NULL && tm != NULL);
  add_member (ens, tm, NULL, index, seed, bootstrap, n_bootstrap, status);
}

gsize
currents_ensemble_get_n_members (const CurrentsEnsemble *ens)
{
  return ens->members->len;
}

guint
currents_ensemble_get_n_planned (const CurrentsEnsemble *ens)
{
  return ens->n_planned;
}

guint64
currents_ensemble_get_seed (const CurrentsEnsemble *ens)
{
  return ens->seed;
}

static const Member *
get_member (const CurrentsEnsemble *ens,
            gsize                   k)
{
  g_return_val_if_fail (ens != NULL && k < ens->members->len, NULL);
  return &g_array_index (ens->members, Member, k);
}

const CurrentsTrainedModel *
currents_ensemble_get_member (const CurrentsEnsemble *ens,
                              gsize                   k)
{
  const Member *m = get_member (ens, k);
  return m != NULL ? m->tm : NULL;
}

guint
currents_ensemble_get_member_index (const CurrentsEnsemble *ens,
                                    gsize                   k)
{
  const Member *m = get_member (ens, k);
  return m != NULL ? m->index : 0;
}

guint64
currents_ensemble_get_member_seed (const CurrentsEnsemble *ens,
                                   gsize                   k)
{
  const Member *m = get_member (ens, k);
  return m != NULL ? m->seed : 0;
}

CurrentsEnsembleMemberStatus
currents_ensemble_get_member_status (const CurrentsEnsemble *ens,
                                     gsize                   k)
{
  const Member *m = get_member (ens, k);
  return m != NULL ? m->status : CURRENTS_ENSEMBLE_MEMBER_STOPPED;
}

const gsize *
currents_ensemble_get_bootstrap (const CurrentsEnsemble *ens,
                                 gsize                   k,
                                 gsize                  *n)
{
  const Member *m = get_member (ens, k);

  if (n != NULL)
    *n = m != NULL ? m->n_bootstrap : 0;
  return m != NULL ? m->bootstrap : NULL;
}

CurrentsTrainedModel *
currents_ensemble_dup_member (const CurrentsEnsemble *ens,
                              gsize                   k)
{
  const Member *m = get_member (ens, k);
  g_autoptr(GError) error = NULL;
  CurrentsTrainedModel *tm;

  if (m == NULL)
    return NULL;
  tm = currents_trained_model_load_from_data (m->text, -1, "ensemble member", &error);
  /* the text was written by us or checked on loading */
  g_assert_no_error (error);
  return tm;
}

CurrentsSystem *
currents_ensemble_new_system (const CurrentsEnsemble *ens,
                              gsize                   k)
{
  CurrentsTrainedModel *tm = currents_ensemble_dup_member (ens, k);
  return tm != NULL ? currents_system_new_from_trained (tm) : NULL;
}

GPtrArray *
currents_ensemble_new_systems (const CurrentsEnsemble *ens)
{
  GPtrArray *systems = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_system_free);

  for (gsize k = 0; k < ens->members->len; k++)
    g_ptr_array_add (systems, currents_ensemble_new_system (ens, k));
  return systems;
}

void
currents_ensemble_set_data (CurrentsEnsemble *ens,
                            const char       *filename,
                            const char       *sha256,
                            gsize             n_trajectories)
{
  char *f = g_strdup (filename), *s = g_strdup (sha256);

  g_free (ens->data_filename);
  g_free (ens->data_sha256);
  ens->data_filename = f;
  ens->data_sha256 = s;
  ens->n_trajectories = n_trajectories;
}

const char *
currents_ensemble_get_data_filename (const CurrentsEnsemble *ens)
{
  return ens->data_filename;
}

const char *
currents_ensemble_get_data_sha256 (const CurrentsEnsemble *ens)
{
  return ens->data_sha256;
}

gsize
currents_ensemble_get_n_trajectories (const CurrentsEnsemble *ens)
{
  return ens->n_trajectories;
}

void
currents_ensemble_set_settings (CurrentsEnsemble *ens,
                                JsonObject       *settings)
{
  JsonObject *copy = settings != NULL ? currents_json_object_deep_copy (settings)
                                      : json_object_new ();

  json_object_unref (ens->settings);
  ens->settings = copy;
}

JsonObject *
currents_ensemble_get_settings (const CurrentsEnsemble *ens)
{
  return ens->settings;
}

/* ------------------------------------------------------------------------------------ */
/* Writing                                                                               */

static JsonNode *
members_node (const CurrentsEnsemble *ens)
{
  JsonArray *arr = json_array_new ();
  JsonNode *node = json_node_new (JSON_NODE_ARRAY);

  for (guint k = 0; k < ens->members->len; k++)
    {
      const Member *m = &g_array_index (ens->members, Member, k);
      g_autoptr(JsonParser) parser = json_parser_new ();
      JsonObject *obj = json_object_new ();
      JsonArray *boot = json_array_sized_new ((guint) m->n_bootstrap);
      g_autoptr(GError) error = NULL;

      json_object_set_int_member (obj, "index", m->index);
      json_object_set_int_member (obj, "seed", (gint64) m->seed);
      json_object_set_string_member (obj, "status",
                                     currents_ensemble_member_status_to_string (m->status));
      for (gsize i = 0; i < m->n_bootstrap; i++)
        json_array_add_int_element (boot, (gint64) m->bootstrap[i]);
      json_object_set_array_member (obj, "bootstrap", boot);
      if (!json_parser_load_from_data (parser, m->text, -1, &error))
        g_error ("a member's own JSON does not parse: %s", error->message);
      json_object_set_member (obj, "model", json_parser_steal_root (parser));
      json_array_add_object_element (arr, obj);
    }
  json_node_take_array (node, arr);
  return node;
}

static char *
sha256_of (const char *text)
{
  return g_compute_checksum_for_string (G_CHECKSUM_SHA256, text, -1);
}

char *
currents_ensemble_to_data (const CurrentsEnsemble *ens)
{
  g_autoptr(JsonNode) root = json_node_new (JSON_NODE_OBJECT);
  g_autoptr(JsonNode) members = members_node (ens);
  g_autofree char *members_text = currents_json_to_string (members);
  g_autofree char *sum = sha256_of (members_text);
  JsonObject *obj = json_object_new ();
  JsonObject *data = json_object_new ();

  json_object_set_string_member (obj, "format", CURRENTS_ENSEMBLE_FORMAT);
  json_object_set_int_member (obj, "version", CURRENTS_ENSEMBLE_VERSION);
  json_object_set_string_member (obj, "engine", currents_engine_version ());
  json_object_set_int_member (obj, "seed", (gint64) ens->seed);
  json_object_set_int_member (obj, "planned_members", ens->n_planned);
  json_object_set_int_member (obj, "n_members", ens->members->len);
  if (ens->data_filename != NULL)
    json_object_set_string_member (data, "file", ens->data_filename);
  else
    json_object_set_null_member (data, "file");
  if (ens->data_sha256 != NULL)
    json_object_set_string_member (data, "sha256", ens->data_sha256);
  else
    json_object_set_null_member (data, "sha256");
  json_object_set_int_member (data, "trajectories", (gint64) ens->n_trajectories);
  json_object_set_object_member (obj, "data", data);
  json_object_set_object_member (obj, "settings",
                                 currents_json_object_deep_copy (ens->settings));
  json_object_set_string_member (obj, "members_sha256", sum);
  json_object_set_member (obj, "members", json_node_ref (members));
  json_node_take_object (root, obj);
  return currents_json_to_string (root);
}

gboolean
currents_ensemble_save (const CurrentsEnsemble *ens,
                        const char             *path,
                        GError                **error)
{
  g_autofree char *text = NULL;
  g_autoptr(GError) local = NULL;

  g_return_val_if_fail (ens != NULL && path != NULL, FALSE);

  text = currents_ensemble_to_data (ens);
  /* g_file_set_contents writes a temporary file and renames it over @path */
  if (!g_file_set_contents (path, text, -1, &local))
    {
      _currents_error_set_save (error, path, "ensemble", local);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Reading                                                                               */

static gboolean
mentions_format (const char *data,
                 gsize       len)
{
  return g_strstr_len (data, (gssize) len, "\"" CURRENTS_ENSEMBLE_FORMAT "\"") != NULL;
}

CurrentsEnsemble *
currents_ensemble_load_from_data (const char  *data,
                                  gssize       length,
                                  const char  *filename,
                                  GError     **error)
{
  g_autoptr(JsonParser) parser = json_parser_new_immutable ();
  g_autofree char *invalid = NULL;
  g_autoptr(CurrentsEnsemble) ens = NULL;
  CurrentsJsonReader rd = { .name = filename != NULL ? filename : "<data>", .error = error,
                            .naming = CURRENTS_JSON_NAME_PATH };
  JsonObject *root, *dobj, *settings;
  JsonArray *members;
  JsonNode *mnode;
  const char *format, *sum;
  gint64 version = 0, seed = 0, planned = 0, n_members = 0, n_traj = 0;
  gsize len;

  g_return_val_if_fail (data != NULL || length == 0, NULL);

  len = length < 0 ? strlen (data) : (gsize) length;
  root = currents_json_parse_object (&rd, parser, data, len, "a Currents ensemble", &invalid);
  if (invalid != NULL)
    {
      if (!mentions_format (data, MIN (len, SNIFF_BYTES)))
        currents_json_fail (&rd, "not a Currents ensemble (not valid JSON: %s)", invalid);
      else
        currents_json_fail (&rd, "the file is damaged or truncated: not valid JSON (%s)",
                            invalid);
    }
  if (root == NULL)
    return NULL;
  format = currents_json_get_string (&rd, root, NULL, "format", CURRENTS_JSON_REQUIRED);
  if (rd.failed)
    return NULL;
  if (strcmp (format, CURRENTS_ENSEMBLE_FORMAT) != 0)
    {
      currents_json_fail (&rd, "not a Currents ensemble (its format is '%s'%s)", format,
                          strcmp (format, CURRENTS_TRAINED_FORMAT) == 0
                          ? ": a single trained model" : "");
      return NULL;
    }
  currents_json_get_int (&rd, root, NULL, "version", &version);
  if (!rd.failed && version != CURRENTS_ENSEMBLE_VERSION)
    currents_json_fail (&rd, "ensemble format version %" G_GINT64_FORMAT " is not supported "
                        "(this program reads version %d)", version, CURRENTS_ENSEMBLE_VERSION);
  currents_json_get_int (&rd, root, NULL, "seed", &seed);
  currents_json_get_int (&rd, root, NULL, "planned_members", &planned);
  currents_json_get_int (&rd, root, NULL, "n_members", &n_members);
  dobj = currents_json_get_object (&rd, root, NULL, "data", CURRENTS_JSON_REQUIRED);
  settings = currents_json_get_object (&rd, root, NULL, "settings", CURRENTS_JSON_REQUIRED);
  sum = currents_json_get_string (&rd, root, NULL, "members_sha256", CURRENTS_JSON_REQUIRED);
  members = currents_json_get_array (&rd, root, NULL, "members", CURRENTS_JSON_REQUIRED);
  if (rd.failed)
    return NULL;
  if (planned < 1 || planned > G_MAXUINT || n_members < 1 || n_members > planned || seed < 0)
    {
      currents_json_fail (&rd, "the file is damaged: %" G_GINT64_FORMAT " members of %"
                          G_GINT64_FORMAT " planned", n_members, planned);
      return NULL;
    }
  if (json_array_get_length (members) != (guint) n_members)
    {
      currents_json_fail (&rd, "the file is damaged: it lists %u members, not %" G_GINT64_FORMAT,
                          json_array_get_length (members), n_members);
      return NULL;
    }
  mnode = json_object_get_member (root, "members");
  {
    g_autofree char *text = currents_json_to_string (mnode);
    g_autofree char *actual = sha256_of (text);

    if (strcmp (actual, sum) != 0)
      {
        currents_json_fail (&rd, "the file is damaged: its members do not match their "
                            "checksum (members_sha256); it was changed after it was written");
        return NULL;
      }
  }

  ens = currents_ensemble_new ((guint64) seed, (guint) planned);
  {
    const char *file = currents_json_get_string (&rd, dobj, "data", "file",
                                                 CURRENTS_JSON_NULLABLE);
    const char *sha = currents_json_get_string (&rd, dobj, "data", "sha256",
                                                CURRENTS_JSON_NULLABLE);

    currents_json_get_int (&rd, dobj, "data", "trajectories", &n_traj);
    if (rd.failed)
      return NULL;
    currents_ensemble_set_data (ens, file, sha, (gsize) MAX (n_traj, 0));
  }
  currents_ensemble_set_settings (ens, settings);

  for (guint k = 0; k < (guint) n_members; k++)
    {
      JsonNode *el = json_array_get_element (members, k);
      g_autofree char *where = g_strdup_printf ("members[%u]", k);
      g_autofree char *model_text = NULL;
      g_autofree gsize *boot = NULL;
      g_autoptr(GError) local = NULL;
      CurrentsTrainedModel *tm;
      JsonObject *mo;
      JsonArray *barr;
      JsonNode *model;
      const char *status;
      gint64 index = 0, mseed = 0;
      guint nb;

      if (!JSON_NODE_HOLDS_OBJECT (el))
        {
          currents_json_fail (&rd, "%s is %s, not an object", where,
                              currents_json_node_kind (el));
          return NULL;
        }
      mo = json_node_get_object (el);
      currents_json_get_int (&rd, mo, where, "index", &index);
      currents_json_get_int (&rd, mo, where, "seed", &mseed);
      status = currents_json_get_string (&rd, mo, where, "status", CURRENTS_JSON_REQUIRED);
      barr = currents_json_get_array (&rd, mo, where, "bootstrap", CURRENTS_JSON_REQUIRED);
      currents_json_get_object (&rd, mo, where, "model", CURRENTS_JSON_REQUIRED);
      if (rd.failed)
        return NULL;
      if (index < 0 || index >= planned || mseed != seed + index)
        {
          currents_json_fail (&rd, "%s: index %" G_GINT64_FORMAT " and seed %" G_GINT64_FORMAT
                              " do not fit an ensemble of %" G_GINT64_FORMAT " seeded with %"
                              G_GINT64_FORMAT, where, index, mseed, planned, seed);
          return NULL;
        }
      if (strcmp (status, "finished") != 0 && strcmp (status, "stopped") != 0)
        {
          currents_json_fail (&rd, "%s: unknown status '%s' (expected finished or stopped)",
                              where, status);
          return NULL;
        }
      nb = json_array_get_length (barr);
      boot = g_new0 (gsize, MAX (nb, 1));
      for (guint i = 0; i < nb; i++)
        {
          JsonNode *b = json_array_get_element (barr, i);

          if (!JSON_NODE_HOLDS_VALUE (b) || json_node_get_value_type (b) != G_TYPE_INT64 ||
              json_node_get_int (b) < 0 || (n_traj > 0 && json_node_get_int (b) >= n_traj))
            {
              currents_json_fail (&rd, "%s: bootstrap[%u] is not a trajectory index below %"
                                  G_GINT64_FORMAT, where, i, n_traj);
              return NULL;
            }
          boot[i] = (gsize) json_node_get_int (b);
        }
      model = json_object_get_member (mo, "model");
      model_text = currents_json_to_string (model);
      tm = currents_trained_model_load_from_data (model_text, -1, where, &local);
      if (tm == NULL)
        {
          currents_json_fail (&rd, "%s", local->message);
          return NULL;
        }
      if (k > 0)
        {
          const CurrentsTrainedModel *first = g_array_index (ens->members, Member, 0).tm;
          const char *const *a = currents_trained_model_get_state_names (first);
          const char *const *b = currents_trained_model_get_state_names (tm);
          gboolean same = g_strv_equal ((const char *const *) a, (const char *const *) b) &&
                          g_strv_equal (currents_trained_model_get_input_names (first),
                                        currents_trained_model_get_input_names (tm));
          if (!same)
            {
              currents_trained_model_free (tm);
              currents_json_fail (&rd, "%s has other states or inputs than members[0]", where);
              return NULL;
            }
        }
      add_member (ens, tm, g_steal_pointer (&model_text), (guint) index, (guint64) mseed, boot,
                  nb, strcmp (status, "finished") == 0 ? CURRENTS_ENSEMBLE_MEMBER_FINISHED
                                                       : CURRENTS_ENSEMBLE_MEMBER_STOPPED);
    }
  return g_steal_pointer (&ens);
}

CurrentsEnsemble *
currents_ensemble_load (const char  *path,
                        GError     **error)
{
  g_autofree char *text = NULL;
  g_autofree char *display = NULL;
  g_autoptr(GError) local = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                   "%s: cannot read the ensemble: %s", display, local->message);
      return NULL;
    }
  return currents_ensemble_load_from_data (text, (gssize) len, display, error);
}

gboolean
currents_ensemble_sniff (const char *path)
{
  char buf[SNIFF_BYTES];
  const char *p = buf, *fmt;
  gsize n;
  FILE *fp;

  g_return_val_if_fail (path != NULL, FALSE);

  fp = fopen (path, "rb");
  if (fp == NULL)
    return FALSE;
  n = fread (buf, 1, sizeof buf, fp);
  fclose (fp);
  while (p < buf + n && g_ascii_isspace (*p))
    p++;
  if (p == buf + n || *p != '{')
    return FALSE;
  /* the format is the first member we write; a nested trained model comes much later */
  fmt = g_strstr_len (p, (gssize) (buf + n - p), "\"format\"");
  return fmt != NULL &&
         g_strstr_len (fmt, MIN ((gssize) (buf + n - fmt), 64),
                       "\"" CURRENTS_ENSEMBLE_FORMAT "\"") != NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Training                                                                              */

typedef enum
{
  MEMBER_PENDING,
  MEMBER_RUNNING,
  MEMBER_FINISHED,
  MEMBER_STOPPED,
  MEMBER_FAILED,
} MemberState;

typedef struct
{
  guint                 index;
  guint64               seed;
  gsize                *bootstrap;
  gsize                 n_bootstrap;
  CurrentsDataset      *resample;
  CurrentsLearner      *learner;
  CurrentsTrainer      *trainer;
  CurrentsTrainOptions  options;
  MemberState           state;
} Job;

struct _CurrentsEnsembleTrainer
{
  const CurrentsDataset   *dataset;
  CurrentsEnsembleOptions  options;
  guint                    n_members;
  guint                    n_threads;
  Job                     *jobs;

  /* while running */
  GMutex                   mutex;        /* next, n_done, error, job states */
  GMutex                   report;       /* one progress call at a time */
  guint                    next;
  guint                    n_done;
  GError                  *error;
  GCancellable            *cancellable;
  CurrentsEnsembleProgressFunc progress;
  gpointer                 progress_data;
};

void
currents_ensemble_options_init (CurrentsEnsembleOptions *options)
{
  memset (options, 0, sizeof *options);
  options->n_members = CURRENTS_ENSEMBLE_DEFAULT_MEMBERS;
  currents_train_options_init (&options->train);
}

CurrentsEnsembleTrainer *
currents_ensemble_trainer_new (const CurrentsDataset         *dataset,
                               const CurrentsEnsembleOptions *options,
                               CurrentsEnsembleLearnerFunc    make_learner,
                               gpointer                       user_data,
                               GError                       **error)
{
  g_autoptr(CurrentsEnsembleTrainer) et = NULL;
  gsize nt;
  guint procs = MAX (g_get_num_processors (), 1);

  g_return_val_if_fail (dataset != NULL && options != NULL && make_learner != NULL, NULL);

  nt = currents_dataset_get_n_trajectories (dataset);
  if (nt < 2)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "an ensemble resamples trajectories: the data need at least 2, not %"
                   G_GSIZE_FORMAT, nt);
      return NULL;
    }
  et = g_new0 (CurrentsEnsembleTrainer, 1);
  g_mutex_init (&et->mutex);
  g_mutex_init (&et->report);
  et->dataset = dataset;
  et->options = *options;
  et->n_members = options->n_members > 0 ? options->n_members
                                         : CURRENTS_ENSEMBLE_DEFAULT_MEMBERS;
  et->n_threads = options->n_threads > 0 ? MIN (options->n_threads, procs) : procs;
  et->n_threads = MIN (et->n_threads, et->n_members);
  et->jobs = g_new0 (Job, et->n_members);

  for (guint k = 0; k < et->n_members; k++)
    {
      Job *j = &et->jobs[k];

      j->index = k;
      j->seed = options->seed + k;
      j->n_bootstrap = nt;
      j->bootstrap = g_new (gsize, nt);
      currents_ensemble_bootstrap (options->seed, k, nt, j->bootstrap);
      j->resample = currents_ensemble_resample (dataset, j->bootstrap, nt, error);
      if (j->resample == NULL)
        return NULL;
      j->learner = make_learner (k, j->seed, user_data, error);
      if (j->learner == NULL)
        {
          g_prefix_error (error, "ensemble member %u: ", k + 1);
          return NULL;
        }
      j->options = options->train;
      j->options.seed = j->seed;
      /* members run side by side: each computes on its own thread */
      j->options.loss.n_threads = 1;
      j->trainer = currents_learner_new_trainer (j->learner, j->resample, &j->options, error);
      if (j->trainer == NULL)
        {
          g_prefix_error (error, "ensemble member %u: ", k + 1);
          return NULL;
        }
    }
  return g_steal_pointer (&et);
}

void
currents_ensemble_trainer_free (CurrentsEnsembleTrainer *et)
{
  if (et == NULL)
    return;
  for (guint k = 0; et->jobs != NULL && k < et->n_members; k++)
    {
      Job *j = &et->jobs[k];

      g_clear_pointer (&j->trainer, currents_trainer_free);
      g_clear_pointer (&j->learner, currents_learner_free);
      g_clear_pointer (&j->resample, currents_dataset_free);
      g_free (j->bootstrap);
    }
  g_free (et->jobs);
  g_clear_error (&et->error);
  g_mutex_clear (&et->mutex);
  g_mutex_clear (&et->report);
  g_free (et);
}

guint
currents_ensemble_trainer_get_n_members (const CurrentsEnsembleTrainer *et)
{
  return et->n_members;
}

CurrentsTrainer *
currents_ensemble_trainer_get_member (const CurrentsEnsembleTrainer *et,
                                      guint                          k)
{
  g_return_val_if_fail (k < et->n_members, NULL);
  return et->jobs[k].trainer;
}

static void
report (CurrentsEnsembleTrainer     *et,
        Job                         *j,
        const CurrentsTrainProgress *p,
        gboolean                     finished)
{
  CurrentsEnsembleProgress e = { 0 };

  if (et->progress == NULL)
    return;
  g_mutex_lock (&et->mutex);
  e.n_done = et->n_done;
  g_mutex_unlock (&et->mutex);
  e.n_members = et->n_members;
  e.member = j->index;
  e.member_finished = finished;
  if (p != NULL)
    {
      e.epoch = p->epoch;
      e.epochs = p->epochs;
      e.train_loss = p->train_loss;
      e.val_loss = p->val_loss;
      e.best_loss = p->best_loss;
    }
  else
    {
      e.epochs = j->options.epochs;
      e.train_loss = e.val_loss = e.best_loss = NAN;
    }
  g_mutex_lock (&et->report);
  et->progress (&e, et->progress_data);
  g_mutex_unlock (&et->report);
}

static gpointer
worker_main (gpointer data)
{
  CurrentsEnsembleTrainer *et = data;

  currents_mlp_blas_init ();
  for (;;)
    {
      Job *j;
      GError *error = NULL;
      CurrentsTrainProgress last = { 0 };
      gboolean ok = TRUE, any = FALSE;

      g_mutex_lock (&et->mutex);
      while (et->next < et->n_members &&
             (et->jobs[et->next].state == MEMBER_FINISHED ||
              et->jobs[et->next].state == MEMBER_FAILED))
        et->next++;
      if (et->error != NULL || g_cancellable_is_cancelled (et->cancellable) ||
          et->next >= et->n_members)
        {
          g_mutex_unlock (&et->mutex);
          break;
        }
      j = &et->jobs[et->next++];
      j->state = MEMBER_RUNNING;
      g_mutex_unlock (&et->mutex);

      while (!currents_trainer_test (j->trainer))
        {
          CurrentsTrainProgress p;

          if (!currents_trainer_iterate (j->trainer, &p, et->cancellable, &error))
            {
              ok = FALSE;
              break;
            }
          last = p;
          any = TRUE;
          report (et, j, &p, FALSE);
        }

      g_mutex_lock (&et->mutex);
      if (ok)
        {
          j->state = MEMBER_FINISHED;
          et->n_done++;
        }
      else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
               g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED))
        {
          j->state = MEMBER_STOPPED;
          g_clear_error (&error);
        }
      else
        {
          j->state = MEMBER_FAILED;
          if (et->error == NULL)
            {
              g_prefix_error (&error, "ensemble member %u: ", j->index + 1);
              et->error = error;
              error = NULL;
            }
          g_clear_error (&error);
        }
      g_mutex_unlock (&et->mutex);
      if (ok)
        report (et, j, any ? &last : NULL, TRUE);
    }
  return NULL;
}

gboolean
currents_ensemble_trainer_run (CurrentsEnsembleTrainer      *et,
                               GCancellable                 *cancellable,
                               CurrentsEnsembleProgressFunc  progress,
                               gpointer                      progress_data,
                               GError                      **error)
{
  g_autoptr(GCancellable) own = NULL;
  GThread **threads;
  gboolean cancelled;

  g_return_val_if_fail (et != NULL, FALSE);

  if (cancellable == NULL)
    cancellable = own = g_cancellable_new ();
  et->cancellable = cancellable;
  et->progress = progress;
  et->progress_data = progress_data;
  /* a second run resumes the members stopped by a cancellation */
  et->next = 0;
  et->n_done = 0;
  for (guint k = 0; k < et->n_members; k++)
    if (et->jobs[k].state == MEMBER_FINISHED)
      et->n_done++;
  g_clear_error (&et->error);

  threads = g_new0 (GThread *, et->n_threads);
  for (guint w = 1; w < et->n_threads; w++)
    threads[w] = g_thread_new ("currents-ensemble", worker_main, et);
  worker_main (et);
  for (guint w = 1; w < et->n_threads; w++)
    g_thread_join (threads[w]);
  g_free (threads);
  et->progress = NULL;
  et->progress_data = NULL;
  et->cancellable = NULL;

  if (et->error != NULL)
    {
      g_propagate_error (error, g_steal_pointer (&et->error));
      return FALSE;
    }
  cancelled = et->n_done < et->n_members;
  if (cancelled)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                   "training stopped: %u of %u ensemble members finished", et->n_done,
                   et->n_members);
      return FALSE;
    }
  return TRUE;
}

/* Background training: the progress relay as in currents-train.c, one pending idle. */
typedef struct
{
  GMutex                       mutex;
  gboolean                     idle_pending;
  gboolean                     have_latest;
  gboolean                     closed;
  CurrentsEnsembleProgress     latest;
  GMainContext                *context;
  CurrentsEnsembleProgressFunc func;
  gpointer                     data;
  GDestroyNotify               notify;
  CurrentsEnsembleTrainer     *et;
} Relay;

static void
relay_free (gpointer data)
{
  Relay *r = data;

  g_mutex_clear (&r->mutex);
  if (r->notify != NULL)
    r->notify (r->data);
  g_main_context_unref (r->context);
}

static void
relay_unref (gpointer data)
{
  g_atomic_rc_box_release_full (data, relay_free);
}

static gboolean
relay_dispatch (gpointer data)
{
  Relay *r = data;
  CurrentsEnsembleProgress p;
  gboolean deliver;

  g_mutex_lock (&r->mutex);
  r->idle_pending = FALSE;
  deliver = r->have_latest && !r->closed;
  p = r->latest;
  r->have_latest = FALSE;
  g_mutex_unlock (&r->mutex);
  if (deliver && r->func != NULL)
    r->func (&p, r->data);
  return G_SOURCE_REMOVE;
}

static void
relay_post (const CurrentsEnsembleProgress *p,
            gpointer                        data)
{
  Relay *r = data;
  gboolean schedule = FALSE;

  g_mutex_lock (&r->mutex);
  r->latest = *p;
  r->have_latest = TRUE;
  if (!r->idle_pending)
    {
      r->idle_pending = TRUE;
      schedule = TRUE;
    }
  g_mutex_unlock (&r->mutex);
  if (schedule)
    {
      GSource *src = g_idle_source_new ();

      g_source_set_priority (src, G_PRIORITY_DEFAULT_IDLE);
      g_source_set_callback (src, relay_dispatch, g_atomic_rc_box_acquire (r), relay_unref);
      g_source_set_static_name (src, "[currents] ensemble progress");
      g_source_attach (src, r->context);
      g_source_unref (src);
    }
}

static void
train_thread (GTask        *task,
              gpointer      source,
              gpointer      task_data,
              GCancellable *cancellable)
{
  Relay *r = task_data;
  GError *error = NULL;

  if (!currents_ensemble_trainer_run (r->et, cancellable, relay_post, r, &error))
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

void
currents_ensemble_trainer_train_async (CurrentsEnsembleTrainer      *et,
                                       GCancellable                 *cancellable,
                                       CurrentsEnsembleProgressFunc  progress,
                                       gpointer                      progress_data,
                                       GDestroyNotify                progress_notify,
                                       GAsyncReadyCallback           callback,
                                       gpointer                      user_data)
{
  g_autoptr(GTask) task = NULL;
  Relay *r = g_atomic_rc_box_new0 (Relay);

  g_mutex_init (&r->mutex);
  r->context = g_main_context_ref_thread_default ();
  r->func = progress;
  r->data = progress_data;
  r->notify = progress_notify;
  r->et = et;

  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, currents_ensemble_trainer_train_async);
  g_task_set_name (task, "[currents] train ensemble");
  g_task_set_task_data (task, r, relay_unref);
  g_task_run_in_thread (task, train_thread);
}

gboolean
currents_ensemble_trainer_train_finish (CurrentsEnsembleTrainer  *et,
                                        GAsyncResult             *result,
                                        GError                  **error)
{
  Relay *r;

  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        currents_ensemble_trainer_train_async, FALSE);
  r = g_task_get_task_data (G_TASK (result));
  g_return_val_if_fail (r->et == et, FALSE);
  g_mutex_lock (&r->mutex);
  r->closed = TRUE;
  g_mutex_unlock (&r->mutex);
  return g_task_propagate_boolean (G_TASK (result), error);
}

CurrentsEnsemble *
currents_ensemble_trainer_get_ensemble (CurrentsEnsembleTrainer *et,
                                        const char              *program,
                                        const char              *command)
{
  g_autoptr(CurrentsEnsemble) ens = NULL;
  g_autoptr(JsonObject) settings = json_object_new ();
  const CurrentsDataset *ds = et->dataset;

  ens = currents_ensemble_new (et->options.seed, et->n_members);
  for (guint k = 0; k < et->n_members; k++)
    {
      Job *j = &et->jobs[k];
      gsize np = currents_trainer_get_n_params (j->trainer);
      g_autofree double *best = NULL;
      g_autoptr(JsonObject) ts = NULL;
      CurrentsTrainedModel *tm;
      guint best_epoch;
      gboolean finite = TRUE;

      if (j->state != MEMBER_FINISHED && j->state != MEMBER_STOPPED)
        continue;
      best = g_new0 (double, MAX (np, 1));
      best_epoch = currents_trainer_copy_best_params (j->trainer, best);
      if (best_epoch == 0)
        continue;
      for (gsize i = 0; i < np; i++)
        finite = finite && isfinite (best[i]);
      if (!finite)
        continue;
      tm = currents_learner_new_trained_model (j->learner, best, ds, j->trainer);
      ts = currents_learner_describe_training (j->learner, &j->options, ds, program, command);
      json_object_set_int_member (ts, "ensemble_member", k);
      json_object_set_int_member (ts, "best_epoch", best_epoch);
      json_object_set_boolean_member (ts, "stopped_by_user", j->state == MEMBER_STOPPED);
      currents_trained_model_set_training (tm, ts);
      currents_trained_model_set_data (tm, currents_dataset_get_filename (ds),
                                       currents_dataset_get_sha256 (ds));
      currents_ensemble_add_member (ens, tm, k, j->seed, j->bootstrap, j->n_bootstrap,
                                    j->state == MEMBER_FINISHED
                                    ? CURRENTS_ENSEMBLE_MEMBER_FINISHED
                                    : CURRENTS_ENSEMBLE_MEMBER_STOPPED);
    }
  if (currents_ensemble_get_n_members (ens) == 0)
    return NULL;
  if (program != NULL)
    json_object_set_string_member (settings, "program", program);
  if (command != NULL)
    json_object_set_string_member (settings, "command", command);
  json_object_set_int_member (settings, "members", et->n_members);
  json_object_set_int_member (settings, "threads", et->n_threads);
  json_object_set_int_member (settings, "epochs", et->options.train.epochs);
  currents_ensemble_set_settings (ens, settings);
  currents_ensemble_set_data (ens, currents_dataset_get_filename (ds),
                              currents_dataset_get_sha256 (ds),
                              currents_dataset_get_n_trajectories (ds));
  return g_steal_pointer (&ens);
}

/* ------------------------------------------------------------------------------------ */
/* Prediction                                                                            */

gboolean
currents_ensemble_predict (GPtrArray                 *systems,
                           const double              *x0,
                           const CurrentsInputSignal *inputs,
                           double                     t0,
                           const double              *times,
                           gsize                      n_times,
                           double                    *median,
                           double                    *lo,
                           double                    *hi,
                           CurrentsIntervalKind      *kind,
                           gsize                     *n_ok,
                           GCancellable              *cancellable,
                           GError                   **error)
{
  gsize K, n, ok = 0;
  g_autofree double *all = NULL;
  g_autofree double *v = NULL;
  g_autoptr(GError) first = NULL;

  g_return_val_if_fail (systems != NULL && systems->len > 0, FALSE);

  K = systems->len;
  n = currents_system_get_n_states (g_ptr_array_index (systems, 0));
  all = g_new (double, MAX (K * n_times * n, 1));
  for (gsize k = 0; k < K; k++)
    {
      CurrentsSystem *sys = g_ptr_array_index (systems, k);
      g_autoptr(CurrentsSimulator) sim = NULL;
      g_autoptr(CurrentsInputSignal) own = NULL;
      g_autoptr(GError) local = NULL;
      CurrentsSimOptions so;
      gsize reached = 0;

      currents_system_get_sim_options (sys, &so);
      sim = currents_simulator_new (currents_system_get_field (sys), &so);
      if (inputs == NULL)
        own = currents_input_signal_new_constant (currents_system_get_n_inputs (sys),
                                                  currents_system_get_inputs (sys));
      if (currents_simulator_run (sim, x0, currents_system_get_params (sys),
                                  inputs != NULL ? inputs : own, t0, times, n_times,
                                  all + ok * n_times * n, &reached, cancellable, &local))
        {
          ok++;
          continue;
        }
      if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
          g_error_matches (local, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      if (first == NULL)
        {
          g_prefix_error (&local, "ensemble member %" G_GSIZE_FORMAT ": ", k + 1);
          first = g_steal_pointer (&local);
        }
    }
  *n_ok = ok;
  if (ok == 0)
    {
      g_propagate_error (error, g_steal_pointer (&first));
      return FALSE;
    }
  v = g_new (double, ok);
  for (gsize q = 0; q < n_times * n; q++)
    {
      gsize m = 0;

      for (gsize k = 0; k < ok; k++)
        if (isfinite (all[k * n_times * n + q]))
          v[m++] = all[k * n_times * n + q];
      if (m == 0)
        {
          median[q] = lo[q] = hi[q] = NAN;
          continue;
        }
      *kind = currents_interval (v, m, &median[q], &lo[q], &hi[q]);
    }
  *kind = ok < 20 ? CURRENTS_INTERVAL_RANGE : CURRENTS_INTERVAL_QUANTILES;
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Clustering                                                                            */

typedef struct
{
  GArray *members;   /* guint */
  GArray *points;    /* double, dim per point */
  GArray *extra;     /* gpointer: the original item */
  double *mean;
} Cluster;

static void
cluster_free (gpointer data)
{
  Cluster *c = data;

  g_array_unref (c->members);
  g_array_unref (c->points);
  g_array_unref (c->extra);
  g_free (c->mean);
  g_free (c);
}

/* Adds point @x (dim values, already scaled) of member @k to the nearest cluster within
 * @tol in the max-norm that has no point of @k yet, or to a new one. */
static void
cluster_add (GPtrArray    *clusters,
             gsize         dim,
             guint         k,
             const double *x,
             gpointer      item,
             double        tol)
{
  Cluster *best = NULL;
  double best_d = tol;

  for (guint c = 0; c < clusters->len; c++)
    {
      Cluster *cl = g_ptr_array_index (clusters, c);
      gboolean taken = FALSE;
      double d = 0.0;

      for (guint q = 0; q < cl->members->len && !taken; q++)
        taken = g_array_index (cl->members, guint, q) == k;
      if (taken)
        continue;
      for (gsize i = 0; i < dim; i++)
        d = MAX (d, fabs (x[i] - cl->mean[i]));
      if (d < best_d)
        {
          best_d = d;
          best = cl;
        }
    }
  if (best == NULL)
    {
      best = g_new0 (Cluster, 1);
      best->members = g_array_new (FALSE, FALSE, sizeof (guint));
      best->points = g_array_new (FALSE, FALSE, sizeof (double));
      best->extra = g_array_new (FALSE, FALSE, sizeof (gpointer));
      best->mean = g_new0 (double, MAX (dim, 1));
      g_ptr_array_add (clusters, best);
    }
  g_array_append_val (best->members, k);
  g_array_append_vals (best->points, x, (guint) dim);
  g_array_append_val (best->extra, item);
  for (gsize i = 0; i < dim; i++)
    {
      double s = 0.0;

      for (guint q = 0; q < best->members->len; q++)
        s += g_array_index (best->points, double, q * dim + i);
      best->mean[i] = s / best->members->len;
    }
}

/* ------------------------------------------------------------------------------------ */
/* Equilibria                                                                            */

void
currents_ensemble_equilibrium_free (CurrentsEnsembleEquilibrium *eq)
{
  if (eq == NULL)
    return;
  g_free (eq->members);
  g_free (eq->median);
  g_free (eq->lo);
  g_free (eq->hi);
  g_free (eq);
}

static gint
ens_eq_cmp (gconstpointer a,
            gconstpointer b)
{
  const CurrentsEnsembleEquilibrium *x = *(CurrentsEnsembleEquilibrium *const *) a;
  const CurrentsEnsembleEquilibrium *y = *(CurrentsEnsembleEquilibrium *const *) b;

  if (x->n > 0 && x->median[0] != y->median[0])
    return x->median[0] < y->median[0] ? -1 : 1;
  return (x->agree < y->agree) - (x->agree > y->agree);
}

GPtrArray *
currents_ensemble_equilibria (GPtrArray                       *systems,
                              const CurrentsEquilibriaOptions *options,
                              double                           tol,
                              GCancellable                    *cancellable,
                              GError                         **error)
{
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  g_autoptr(GPtrArray) clusters = g_ptr_array_new_with_free_func (cluster_free);
  GPtrArray *out;
  gsize K, n;
  g_autofree double *scaled = NULL;

  g_return_val_if_fail (systems != NULL && systems->len > 0 && options != NULL, NULL);

  if (!(tol > 0))
    tol = 0.15;
  K = systems->len;
  n = currents_system_get_n_states (g_ptr_array_index (systems, 0));
  scaled = g_new (double, MAX (n, 1));
  for (gsize k = 0; k < K; k++)
    {
      CurrentsSystem *sys = g_ptr_array_index (systems, k);
      GPtrArray *eqs = currents_equilibria_find (currents_system_get_field (sys),
                                                 currents_system_get_params (sys),
                                                 currents_system_get_inputs (sys), options,
                                                 cancellable, error);
      if (eqs == NULL)
        {
          g_prefix_error (error, "ensemble member %" G_GSIZE_FORMAT ": ", k + 1);
          return NULL;
        }
      g_ptr_array_add (found, eqs);
      for (guint e = 0; e < eqs->len; e++)
        {
          CurrentsEquilibrium *eq = g_ptr_array_index (eqs, e);

          for (gsize i = 0; i < n; i++)
            scaled[i] = eq->state[i] / (options->hi[i] - options->lo[i]);
          cluster_add (clusters, n, (guint) k, scaled, eq, tol);
        }
    }

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_ensemble_equilibrium_free);
  for (guint c = 0; c < clusters->len; c++)
    {
      Cluster *cl = g_ptr_array_index (clusters, c);
      CurrentsEnsembleEquilibrium *ee = g_new0 (CurrentsEnsembleEquilibrium, 1);
      guint m = cl->members->len;
      g_autofree double *v = g_new (double, m);
      guint counts[CURRENTS_EQUILIBRIUM_SADDLE_FOCUS + 1] = { 0 };

      ee->n = n;
      ee->agree = m;
      ee->n_members = K;
      ee->members = g_memdup2 (cl->members->data, m * sizeof (guint));
      ee->median = g_new (double, MAX (n, 1));
      ee->lo = g_new (double, MAX (n, 1));
      ee->hi = g_new (double, MAX (n, 1));
      for (gsize i = 0; i < n; i++)
        {
          for (guint q = 0; q < m; q++)
            v[q] = ((CurrentsEquilibrium *) g_array_index (cl->extra, gpointer, q))->state[i];
          ee->kind = currents_interval (v, m, &ee->median[i], &ee->lo[i], &ee->hi[i]);
        }
      if (n == 0)
        ee->kind = m < 20 ? CURRENTS_INTERVAL_RANGE : CURRENTS_INTERVAL_QUANTILES;
      for (guint q = 0; q < m; q++)
        {
          const CurrentsEquilibrium *eq = g_array_index (cl->extra, gpointer, q);

          counts[eq->type]++;
          if (eq->stable)
            ee->n_stable++;
        }
      ee->type = ((CurrentsEquilibrium *) g_array_index (cl->extra, gpointer, 0))->type;
      for (guint t = 0; t < G_N_ELEMENTS (counts); t++)
        if (counts[t] > counts[ee->type])
          ee->type = t;
      ee->type_agree = counts[ee->type];
      g_ptr_array_add (out, ee);
    }
  g_ptr_array_sort (out, ens_eq_cmp);
  return out;
}

/* ------------------------------------------------------------------------------------ */
/* Tipping points                                                                        */

void
currents_tipping_point_free (CurrentsTippingPoint *tp)
{
  if (tp == NULL)
    return;
  g_free (tp->members);
  g_free (tp->params);
  g_free (tp->state);
  g_free (tp);
}

static gint
tp_cmp (gconstpointer a,
        gconstpointer b)
{
  const CurrentsTippingPoint *x = *(CurrentsTippingPoint *const *) a;
  const CurrentsTippingPoint *y = *(CurrentsTippingPoint *const *) b;

  if (x->kind != y->kind)
    return x->kind == CURRENTS_BIFURCATION_FOLD ? -1 : 1;
  return (x->param > y->param) - (x->param < y->param);
}

GPtrArray *
currents_ensemble_continue (GPtrArray                         *systems,
                            const char                        *param,
                            const CurrentsContinuationOptions *options,
                            double                             tol,
                            gsize                             *n_failed,
                            char                             **failure,
                            GCancellable                      *cancellable,
                            GError                           **error)
{
  g_autoptr(GPtrArray) conts =
    g_ptr_array_new_with_free_func ((GDestroyNotify) currents_continuation_free);
  g_autoptr(GPtrArray) lists = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  GPtrArray *clusters[2];
  CurrentsBifurcationKind kinds[2] = { CURRENTS_BIFURCATION_FOLD, CURRENTS_BIFURCATION_HOPF };
  g_autofree double *box_lo = NULL, *box_hi = NULL, *x = NULL;
  g_autoptr(GError) first = NULL;
  GPtrArray *out;
  gsize K, n, failed = 0;
  double s_lo, s_hi;

  g_return_val_if_fail (systems != NULL && systems->len > 0 && options != NULL, NULL);

  if (!(tol > 0))
    tol = 0.15;
  K = systems->len;
  n = currents_system_get_n_states (g_ptr_array_index (systems, 0));
  box_lo = g_new (double, MAX (n, 1));
  box_hi = g_new (double, MAX (n, 1));
  x = g_new (double, n + 1);
  if (options->box_lo != NULL && options->box_hi != NULL)
    {
      memcpy (box_lo, options->box_lo, n * sizeof (double));
      memcpy (box_hi, options->box_hi, n * sizeof (double));
    }
  else
    currents_continuation_default_box (g_ptr_array_index (systems, 0), box_lo, box_hi);
  s_lo = options->log_scale ? log10 (options->lo) : options->lo;
  s_hi = options->log_scale ? log10 (options->hi) : options->hi;

  for (int c = 0; c < 2; c++)
    clusters[c] = g_ptr_array_new_with_free_func (cluster_free);
  for (gsize k = 0; k < K; k++)
    {
      CurrentsSystem *sys = g_ptr_array_index (systems, k);
      g_autoptr(GError) local = NULL;
      CurrentsContinuation *cont = currents_continuation_new (sys, param, options, &local);
      const CurrentsContinuationResult *res;

      if (cont != NULL)
        g_ptr_array_add (conts, cont);
      if (cont == NULL || !currents_continuation_run (cont, cancellable, &local))
        {
          if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED) ||
              g_error_matches (local, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED) ||
              g_error_matches (local, CURRENTS_ENGINE_ERROR,
                               CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT))
            {
              /* the same for every member: say it once */
              for (int c = 0; c < 2; c++)
                g_ptr_array_unref (clusters[c]);
              g_propagate_error (error, g_steal_pointer (&local));
              return NULL;
            }
          failed++;
          if (first == NULL)
            {
              g_prefix_error (&local, "ensemble member %u: ", (guint) k + 1);
              first = g_steal_pointer (&local);
            }
          continue;
        }
      res = currents_continuation_get_result (cont);
      for (int c = 0; c < 2; c++)
        {
          GPtrArray *list = currents_continuation_result_get_special (res, kinds[c]);

          g_ptr_array_add (lists, list);
          for (guint i = 0; i < list->len; i++)
            {
              CurrentsBifurcation *b = g_ptr_array_index (list, i);
              double s = options->log_scale ? log10 (b->param) : b->param;

              /* the state at a fold moves much more than its parameter when the model
               * changes a little (the branch is flat there): it gets twice the room */
              x[0] = s / (s_hi - s_lo);
              for (gsize q = 0; q < n; q++)
                x[q + 1] = b->state[q] / (2 * (box_hi[q] - box_lo[q]));
              cluster_add (clusters[c], n + 1, (guint) k, x, b, tol);
            }
        }
    }
  if (n_failed != NULL)
    *n_failed = failed;
  if (failure != NULL)
    *failure = first != NULL ? g_strdup (first->message) : NULL;
  if (failed == K)
    {
      for (int c = 0; c < 2; c++)
        g_ptr_array_unref (clusters[c]);
      g_prefix_error (&first, "continuation failed in every ensemble member; ");
      g_propagate_error (error, g_steal_pointer (&first));
      return NULL;
    }

  out = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_tipping_point_free);
  for (int c = 0; c < 2; c++)
    {
      for (guint i = 0; i < clusters[c]->len; i++)
        {
          Cluster *cl = g_ptr_array_index (clusters[c], i);
          CurrentsTippingPoint *tp = g_new0 (CurrentsTippingPoint, 1);
          guint m = cl->members->len;
          g_autofree double *v = g_new (double, m);

          tp->kind = kinds[c];
          tp->found_in = m;
          tp->n_members = K;
          tp->members = g_memdup2 (cl->members->data, m * sizeof (guint));
          tp->params = g_new (double, m);
          for (guint q = 0; q < m; q++)
            tp->params[q] = ((CurrentsBifurcation *) g_array_index (cl->extra, gpointer, q))->param;
          tp->interval_kind = currents_interval (tp->params, m, &tp->param, &tp->lo, &tp->hi);
          tp->n = n;
          tp->state = g_new (double, MAX (n, 1));
          for (gsize q = 0; q < n; q++)
            {
              double lo, hi;

              for (guint r = 0; r < m; r++)
                v[r] = ((CurrentsBifurcation *) g_array_index (cl->extra, gpointer, r))->state[q];
              currents_interval (v, m, &tp->state[q], &lo, &hi);
            }
          tp->frequency = NAN;
          if (tp->kind == CURRENTS_BIFURCATION_HOPF)
            {
              double lo, hi;

              for (guint r = 0; r < m; r++)
                v[r] = ((CurrentsBifurcation *) g_array_index (cl->extra, gpointer, r))->frequency;
              currents_interval (v, m, &tp->frequency, &lo, &hi);
            }
          g_ptr_array_add (out, tp);
        }
      g_ptr_array_unref (clusters[c]);
    }
  g_ptr_array_sort (out, tp_cmp);
  return out;
}

char *
currents_tipping_point_describe (const CurrentsTippingPoint *tp,
                                 const char                 *param)
{
  const char *what = tp->kind == CURRENTS_BIFURCATION_FOLD ? "tipping" : "Hopf point";

  if (tp->interval_kind == CURRENTS_INTERVAL_RANGE)
    return g_strdup_printf ("%s at %s = %.4g, range %.4g–%.4g over %" G_GSIZE_FORMAT
                            " member%s, found in %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT,
                            what, param, tp->param, tp->lo, tp->hi, tp->found_in,
                            tp->found_in == 1 ? "" : "s", tp->found_in, tp->n_members);
  return g_strdup_printf ("%s at %s = %.4g, 90%% interval %.4g–%.4g over %" G_GSIZE_FORMAT
                          " members, found in %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT,
                          what, param, tp->param, tp->lo, tp->hi, tp->found_in,
                          tp->found_in, tp->n_members);
}

gboolean
currents_ensemble_disagreement (GPtrArray     *systems,
                                gsize          ax,
                                gsize          ay,
                                const double  *x_base,
                                const double   window[4],
                                gsize          nx,
                                gsize          ny,
                                double        *out,
                                GError       **error)
{
  g_autoptr(GPtrArray) ws = g_ptr_array_new_with_free_func (
    (GDestroyNotify) currents_field_workspace_free);
  g_autofree double *x = NULL, *f = NULL, *mean = NULL;
  const double *u;
  double total = 0.0;
  gsize K, n, n_finite = 0;

  g_return_val_if_fail (systems != NULL && systems->len > 0, FALSE);
  g_return_val_if_fail (x_base != NULL && out != NULL, FALSE);

  K = systems->len;
  n = currents_system_get_n_states (g_ptr_array_index (systems, 0));
  if (ax >= n || ay >= n || ax == ay || nx == 0 || ny == 0
      || !(window[0] < window[1]) || !(window[2] < window[3]))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the members' disagreement needs two different axes and a window");
      return FALSE;
    }
  u = currents_system_get_inputs (g_ptr_array_index (systems, 0));
  for (gsize k = 0; k < K; k++)
    g_ptr_array_add (ws, currents_field_workspace_new (
                           currents_system_get_field (g_ptr_array_index (systems, k))));
  x = g_memdup2 (x_base, n * sizeof (double));
  f = g_new (double, K * n);
  mean = g_new (double, n);
  for (gsize j = 0; j < ny; j++)
    for (gsize i = 0; i < nx; i++)
      {
        double spread = 0.0, size = 0.0;
        gboolean finite = TRUE;

        x[ax] = window[0] + (window[1] - window[0]) * (i + 0.5) / (double) nx;
        x[ay] = window[2] + (window[3] - window[2]) * (j + 0.5) / (double) ny;
        memset (mean, 0, n * sizeof (double));
        for (gsize k = 0; k < K; k++)
          {
            CurrentsSystem *sys = g_ptr_array_index (systems, k);

            currents_field_eval (g_ptr_array_index (ws, k), 0.0, x, u,
                                 currents_system_get_params (sys), f + k * n);
            for (gsize q = 0; q < n; q++)
              {
                finite &= isfinite (f[k * n + q]);
                mean[q] += f[k * n + q] / (double) K;
              }
          }
        for (gsize k = 0; k < K && finite; k++)
          for (gsize q = 0; q < n; q++)
            {
              spread += (f[k * n + q] - mean[q]) * (f[k * n + q] - mean[q]);
              size += f[k * n + q] * f[k * n + q];
            }
        out[j * nx + i] = finite ? spread : NAN;
        if (finite)
          {
            total += size;
            n_finite++;
          }
      }
  /* relative to the field's RMS size over the window, so that slow regions (near
   * equilibria, where any relative measure blows up) are not flagged for being slow */
  for (gsize c = 0; c < nx * ny; c++)
    if (isfinite (out[c]))
      out[c] = total > 0.0 ? sqrt (out[c] / (total / (double) n_finite)) : 0.0;
  return TRUE;
}
