/* currents-compare-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A learned vector field beside the known one the data came from, and a heat map of
 * their difference with the data's coverage outlined.
 *
 * On an nx × ny grid of the portrait's plane (other states, inputs and parameters at
 * the sliders' values, the known model's mapped by name):
 *
 *   d(x) = ‖f_learned(x) − f_known(x)‖₂           (absolute)
 *   r(x) = d(x) / ‖f_known(x)‖₂                    (relative)
 *
 * Coverage: the cells holding a data point projected on the plane, dilated by one cell
 * (8-neighbourhood). RMS_in = √(mean of d² over covered cells), RMS_out likewise.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-compare-view"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-compare-view.h"
#include "currents-plot.h"
#include "currents-view-util-private.h"

#define HEAT_N       48   /* heat map cells per axis */
#define ARROW_N      15   /* arrows per axis */
#define VIEW_POLL_MS 400  /* the portrait has no view signal: look while shown */
#define HEAD_LINES   64   /* provenance comment lines read from a data file */
#define EXAMPLES     "/org/currents/Currents/examples/"
/* what the heat map fades to where there are no data */
#define VEIL_GREY(theme) ((theme)->dark ? 0.14 : 0.78)
#define VEIL             0.6

/* ------------------------------------------------------------------------------------ */
/* The computation                                                                        */

typedef struct
{
  guint     nx, ny, ax, ay;
  double    window[4];
  double   *diff;        /* nx × ny, row-major, j upwards: ‖Δf‖ */
  double   *known_norm;  /* nx × ny: ‖f_known‖ */
  guint8   *covered;     /* nx × ny */
  double   *lfx, *lfy;   /* ax × ay: the learned field on the axes */
  double   *kfx, *kfy;   /* the known field */
  double    max_speed;
  double    rms_in, rms_out, rms_known_in, rms_known_out;
  guint     n_in, n_out;
  double   *px, *py;     /* the data points on the plane */
  gsize     n_points;
  gboolean  has_data;    /* FALSE: no data shown, coverage unknown */
} Result;

static void
result_free (Result *r)
{
  g_free (r->diff);
  g_free (r->known_norm);
  g_free (r->covered);
  g_free (r->lfx);
  g_free (r->lfy);
  g_free (r->kfx);
  g_free (r->kfy);
  g_free (r->px);
  g_free (r->py);
  g_free (r);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Result, result_free)

typedef struct
{
  CurrentsField *learned, *known;
  double        *lp, *lu, *kp, *ku;
  double        *base;       /* the learned model's state: off-axis values from the sliders */
  gsize          n;          /* states (the same names in both) */
  gsize         *k_of_l;     /* learned state i is known state k_of_l[i] */
  guint          ix, iy;
  double         t;
  double         window[4];
  double        *px, *py;
  gsize          n_points;
  gboolean       has_data;
  guint          generation;
} Job;

static void
job_free (Job *job)
{
  g_clear_pointer (&job->learned, currents_field_unref);
  g_clear_pointer (&job->known, currents_field_unref);
  g_free (job->lp);
  g_free (job->lu);
  g_free (job->kp);
  g_free (job->ku);
  g_free (job->base);
  g_free (job->k_of_l);
  g_free (job->px);
  g_free (job->py);
  g_free (job);
}

/* Both fields at the plane point (@cx, @cy): @fl in the learned order, @fk in the known's. */
static void
eval_pair (const Job              *job,
           CurrentsFieldWorkspace *lws,
           CurrentsFieldWorkspace *kws,
           double                  cx,
           double                  cy,
           double                 *x,
           double                 *xk,
           double                 *fl,
           double                 *fk)
{
  x[job->ix] = cx;
  x[job->iy] = cy;
  for (gsize i = 0; i < job->n; i++)
    xk[job->k_of_l[i]] = x[i];
  currents_field_eval (lws, job->t, x, job->lu, job->lp, fl);
  currents_field_eval (kws, job->t, xk, job->ku, job->kp, fk);
}

static void
compare_thread (GTask        *task,
                gpointer      source,
                gpointer      task_data,
                GCancellable *cancellable)
{
  Job *job = task_data;
  g_autoptr(Result) r = g_new0 (Result, 1);
  g_autoptr(CurrentsFieldWorkspace) lws = currents_field_workspace_new (job->learned);
  g_autoptr(CurrentsFieldWorkspace) kws = currents_field_workspace_new (job->known);
  g_autofree double *x = g_memdup2 (job->base, job->n * sizeof (double));
  g_autofree double *xk = g_new0 (double, job->n);
  g_autofree double *fl = g_new0 (double, job->n);
  g_autofree double *fk = g_new0 (double, job->n);
  g_autofree guint8 *occupied = NULL;
  const double *w = job->window;
  double hx, hy, s_in = 0, s_out = 0, k_in = 0, k_out = 0;

  r->nx = r->ny = HEAT_N;
  r->ax = r->ay = ARROW_N;
  memcpy (r->window, w, sizeof r->window);
  r->diff = g_new (double, r->nx * r->ny);
  r->known_norm = g_new (double, r->nx * r->ny);
  r->covered = g_new0 (guint8, r->nx * r->ny);
  r->lfx = g_new (double, r->ax * r->ay);
  r->lfy = g_new (double, r->ax * r->ay);
  r->kfx = g_new (double, r->ax * r->ay);
  r->kfy = g_new (double, r->ax * r->ay);

  hx = (w[1] - w[0]) / r->nx;
  hy = (w[3] - w[2]) / r->ny;
  for (guint j = 0; j < r->ny; j++)
    {
      if (g_cancellable_is_cancelled (cancellable))
        {
          g_task_return_error_if_cancelled (task);
          return;
        }
      for (guint i = 0; i < r->nx; i++)
        {
          double d2 = 0, k2 = 0;

          eval_pair (job, lws, kws, w[0] + (i + 0.5) * hx, w[2] + (j + 0.5) * hy, x, xk, fl, fk);
          for (gsize s = 0; s < job->n; s++)
            {
              double fks = fk[job->k_of_l[s]], e = fl[s] - fks;

              d2 += e * e;
              k2 += fks * fks;
            }
          r->diff[j * r->nx + i] = sqrt (d2);
          r->known_norm[j * r->nx + i] = sqrt (k2);
        }
    }

  for (guint j = 0; j < r->ay; j++)
    for (guint i = 0; i < r->ax; i++)
      {
        gsize c = j * r->ax + i;

        eval_pair (job, lws, kws, w[0] + (i + 0.5) * (w[1] - w[0]) / r->ax,
                   w[2] + (j + 0.5) * (w[3] - w[2]) / r->ay, x, xk, fl, fk);
        r->lfx[c] = fl[job->ix];
        r->lfy[c] = fl[job->iy];
        r->kfx[c] = fk[job->k_of_l[job->ix]];
        r->kfy[c] = fk[job->k_of_l[job->iy]];
        for (int m = 0; m < 2; m++)
          {
            double s = m == 0 ? hypot (r->lfx[c], r->lfy[c]) : hypot (r->kfx[c], r->kfy[c]);

            if (isfinite (s))
              r->max_speed = MAX (r->max_speed, s);
          }
      }

  /* occupancy of the data points, dilated by one cell */
  occupied = g_new0 (guint8, r->nx * r->ny);
  for (gsize k = 0; k < job->n_points; k++)
    {
      double fi = floor ((job->px[k] - w[0]) / hx), fj = floor ((job->py[k] - w[2]) / hy);

      if (fi >= 0 && fi < r->nx && fj >= 0 && fj < r->ny)
        occupied[(gsize) fj * r->nx + (gsize) fi] = 1;
    }
  for (guint j = 0; j < r->ny; j++)
    for (guint i = 0; i < r->nx; i++)
      for (int dj = -1; dj <= 1 && !r->covered[j * r->nx + i]; dj++)
        for (int di = -1; di <= 1; di++)
          {
            int a = (int) i + di, b = (int) j + dj;

            if (a >= 0 && b >= 0 && a < (int) r->nx && b < (int) r->ny
                && occupied[b * r->nx + a])
              {
                r->covered[j * r->nx + i] = 1;
                break;
              }
          }

  for (gsize c = 0; c < r->nx * r->ny; c++)
    {
      double d = r->diff[c], k = r->known_norm[c];

      if (!isfinite (d))
        continue;
      if (r->covered[c])
        {
          s_in += d * d;
          k_in += k * k;
          r->n_in++;
        }
      else
        {
          s_out += d * d;
          k_out += k * k;
          r->n_out++;
        }
    }
  r->rms_in = r->n_in > 0 ? sqrt (s_in / r->n_in) : NAN;
  r->rms_out = r->n_out > 0 ? sqrt (s_out / r->n_out) : NAN;
  r->rms_known_in = r->n_in > 0 ? sqrt (k_in / r->n_in) : NAN;
  r->rms_known_out = r->n_out > 0 ? sqrt (k_out / r->n_out) : NAN;

  r->px = g_steal_pointer (&job->px);
  r->py = g_steal_pointer (&job->py);
  r->n_points = job->n_points;
  r->has_data = job->has_data;
  g_task_return_pointer (task, g_steal_pointer (&r), (GDestroyNotify) result_free);
}

/* ------------------------------------------------------------------------------------ */
/* The widget                                                                             */

struct _CurrentsCompareView
{
  GtkWidget         parent_instance;

  CurrentsPortrait *portrait;
  CurrentsParameterPanel *panel;

  GtkWidget        *compare_known_label;
  GtkWidget        *compare_relative_button;
  GtkWidget        *compare_choose_button;
  GtkWidget        *compare_stack;
  GtkWidget        *compare_status;
  GtkWidget        *compare_canvas;
  GtkWidget        *compare_summary;

  /* known models, owned; self->known points at one of them */
  CurrentsSystem   *chosen;
  CurrentsSystem   *remembered;
  CurrentsSystem   *provenance;
  char             *provenance_key;   /* the data (file name and checksum) it was found for */
  gboolean          provenance_changed;
  CurrentsSystem   *known;
  CurrentsCompareKnownOrigin origin;
  char             *chosen_error;

  GCancellable     *cancellable;
  guint             generation;
  gboolean          running;
  gboolean          dirty;
  gboolean          can_compare;
  double            requested_view[4];
  guint             poll_source;
  GtkFileChooserNative *chooser;

  Result           *result;
  char             *known_title;
  char             *x_name;
  char             *y_name;
  gboolean          relative;
  guint             n_results;
  guint             n_draws;
};

G_DEFINE_FINAL_TYPE (CurrentsCompareView, currents_compare_view, GTK_TYPE_WIDGET)

static void request (CurrentsCompareView *self);

static gboolean
names_match (const CurrentsSystem *a,
             const CurrentsSystem *b)
{
  gsize n = currents_system_get_n_states (a);
  const char *const *names = currents_system_get_state_names (a);

  if (n != currents_system_get_n_states (b))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    if (currents_system_find_state (b, names[i]) < 0)
      return FALSE;
  return TRUE;
}

static CurrentsSystem *
shown_trained (CurrentsCompareView *self)
{
  CurrentsSystem *system = self->portrait != NULL ? currents_portrait_get_system (self->portrait)
                                                  : NULL;

  return system != NULL && currents_system_get_trained (system) != NULL ? system : NULL;
}

static CurrentsSystem *
system_from_source (const char *source,
                    const char *name,
                    GError    **error)
{
  CurrentsModel *model = currents_model_new_from_string (source, name, error);

  return model != NULL ? currents_system_new_from_model (model) : NULL;
}

/* ---- provenance: `# model PATH sha256 HEX` in a data file's leading comments ---- */

static gboolean
parse_provenance (const char *text,
                  gsize       length,
                  char      **path,
                  char      **sha256)
{
  g_auto(GStrv) lines = NULL;
  g_autofree char *head = g_strndup (text, MIN (length, 64 * 1024));

  lines = g_strsplit (head, "\n", HEAD_LINES);
  for (guint k = 0; lines[k] != NULL; k++)
    {
      const char *line = g_strstrip (lines[k]);
      g_auto(GStrv) words = NULL;
      guint n;

      if (*line == '\0')
        continue;
      if (*line != '#')
        break;
      line++;
      while (*line == ' ' || *line == '\t')
        line++;
      if (!g_str_has_prefix (line, "model ") && !g_str_has_prefix (line, "model\t"))
        continue;
      words = g_strsplit_set (line + 6, " \t", -1);
      n = g_strv_length (words);
      /* the path may hold spaces: the checksum is the last two words */
      if (n >= 3 && g_strcmp0 (words[n - 2], "sha256") == 0)
        {
          g_autofree char *joined = NULL;

          g_free (words[n - 2]);
          words[n - 2] = NULL;
          joined = g_strjoinv (" ", words);
          words[n - 2] = g_strdup ("sha256");
          *path = g_strdup (g_strstrip (joined));
          *sha256 = g_ascii_strdown (words[n - 1], -1);
        }
      else
        {
          g_autofree char *joined = g_strjoinv (" ", words);

          *path = g_strdup (g_strstrip (joined));
          *sha256 = NULL;
        }
      return **path != '\0';
    }
  return FALSE;
}

/* The head of a data file, from disk or, for the bundled examples, from the resources. */
static char *
read_data_head (const char *filename,
                const char *sha256,
                gsize      *length,
                char      **directory)
{
  g_autofree char *base = NULL, *resource = NULL;
  g_autoptr(GBytes) bytes = NULL;

  if (filename == NULL)
    return NULL;
  if (g_file_test (filename, G_FILE_TEST_IS_REGULAR))
    {
      FILE *fp = fopen (filename, "rb");
      char *buf;

      if (fp == NULL)
        return NULL;
      buf = g_malloc0 (64 * 1024 + 1);
      *length = fread (buf, 1, 64 * 1024, fp);
      fclose (fp);
      *directory = g_path_get_dirname (filename);
      return buf;
    }
  base = g_path_get_basename (filename);
  resource = g_strconcat (EXAMPLES, base, NULL);
  bytes = g_resources_lookup_data (resource, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
  if (bytes == NULL)
    return NULL;
  /* only when it is the very file the data came from */
  if (sha256 != NULL)
    {
      g_autofree char *sum = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, bytes);

      if (g_ascii_strcasecmp (sum, sha256) != 0)
        return NULL;
    }
  *length = g_bytes_get_size (bytes);
  *directory = NULL;
  return g_strndup (g_bytes_get_data (bytes, NULL), *length);
}

/* Finds the model a data file names; *changed when only a file of another checksum is
 * there. */
static CurrentsSystem *
find_provenance (const char *data_file,
                 const char *data_sha256,
                 gboolean   *changed)
{
  g_autofree char *head = NULL, *dir = NULL, *path = NULL, *sha = NULL, *base = NULL;
  g_autofree char *cwd = g_get_current_dir ();
  g_autoptr(GPtrArray) candidates = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *fallback_source = NULL;
  gsize length = 0;

  head = read_data_head (data_file, data_sha256, &length, &dir);
  if (head == NULL || !parse_provenance (head, length, &path, &sha))
    return NULL;
  base = g_path_get_basename (path);
  if (g_path_is_absolute (path))
    g_ptr_array_add (candidates, g_strdup (path));
  if (dir != NULL)
    {
      g_ptr_array_add (candidates, g_build_filename (dir, path, NULL));
      g_ptr_array_add (candidates, g_build_filename (dir, base, NULL));
    }
  g_ptr_array_add (candidates, g_build_filename (cwd, path, NULL));
  g_ptr_array_add (candidates, g_build_filename (CURRENTS_SOURCE_DIR, path, NULL));
  g_ptr_array_add (candidates, g_strconcat ("resource://" EXAMPLES, base, NULL));

  for (guint k = 0; k < candidates->len; k++)
    {
      const char *candidate = g_ptr_array_index (candidates, k);
      g_autofree char *source = NULL, *sum = NULL;
      gsize size = 0;

      if (g_str_has_prefix (candidate, "resource://"))
        {
          g_autoptr(GBytes) bytes = g_resources_lookup_data (candidate + strlen ("resource://"),
                                                             G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);

          if (bytes == NULL)
            continue;
          size = g_bytes_get_size (bytes);
          source = g_strndup (g_bytes_get_data (bytes, NULL), size);
        }
      else if (!g_file_get_contents (candidate, &source, &size, NULL))
        continue;
      sum = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) source, size);
      if (sha == NULL || g_ascii_strcasecmp (sum, sha) == 0)
        {
          CurrentsSystem *system = system_from_source (source, base, NULL);

          if (system != NULL)
            {
              *changed = FALSE;
              return system;
            }
        }
      else if (fallback_source == NULL)
        fallback_source = g_steal_pointer (&source);
    }
  if (fallback_source != NULL)
    {
      CurrentsSystem *system = system_from_source (fallback_source, base, NULL);

      *changed = system != NULL;
      return system;
    }
  return NULL;
}

static void
update_provenance (CurrentsCompareView *self,
                   CurrentsSystem      *trained_system)
{
  const CurrentsDataset *dataset = currents_portrait_get_dataset (self->portrait);
  const CurrentsTrainedModel *tm = currents_system_get_trained (trained_system);
  const char *file = NULL, *sha = NULL;
  g_autofree char *key = NULL;

  if (dataset != NULL)
    {
      file = currents_dataset_get_filename (dataset);
      sha = currents_dataset_get_sha256 (dataset);
    }
  if (file == NULL && tm != NULL)
    {
      file = currents_trained_model_get_data_filename (tm);
      sha = currents_trained_model_get_data_sha256 (tm);
    }
  key = g_strdup_printf ("%s\n%s", file != NULL ? file : "", sha != NULL ? sha : "");
  if (g_strcmp0 (key, self->provenance_key) == 0)
    return;
  g_free (self->provenance_key);
  self->provenance_key = g_steal_pointer (&key);
  g_clear_pointer (&self->provenance, currents_system_free);
  self->provenance_changed = FALSE;
  if (file != NULL)
    self->provenance = find_provenance (file, sha, &self->provenance_changed);
}

/* Which known model belongs with what the portrait shows. */
static void
update_known (CurrentsCompareView *self)
{
  CurrentsSystem *trained = shown_trained (self);

  self->known = NULL;
  self->origin = CURRENTS_COMPARE_KNOWN_NONE;
  if (trained == NULL)
    return;
  update_provenance (self, trained);
  if (self->chosen != NULL && names_match (self->chosen, trained))
    {
      self->known = self->chosen;
      self->origin = CURRENTS_COMPARE_KNOWN_CHOSEN;
    }
  else if (self->provenance != NULL && !self->provenance_changed
           && names_match (self->provenance, trained))
    {
      self->known = self->provenance;
      self->origin = CURRENTS_COMPARE_KNOWN_PROVENANCE;
    }
  else if (self->remembered != NULL && names_match (self->remembered, trained))
    {
      self->known = self->remembered;
      self->origin = CURRENTS_COMPARE_KNOWN_REMEMBERED;
    }
  else if (self->provenance != NULL && names_match (self->provenance, trained))
    {
      self->known = self->provenance;
      self->origin = CURRENTS_COMPARE_KNOWN_CHANGED;
    }
}

static char *
state_list (const CurrentsSystem *system)
{
  return g_strjoinv (", ", (char **) currents_system_get_state_names (system));
}

static void
show_message (CurrentsCompareView *self,
              const char          *title,
              const char          *description)
{
  adw_status_page_set_title (ADW_STATUS_PAGE (self->compare_status), title);
  adw_status_page_set_description (ADW_STATUS_PAGE (self->compare_status), description);
  gtk_stack_set_visible_child_name (GTK_STACK (self->compare_stack), "message");
  gtk_widget_set_visible (self->compare_summary, FALSE);
  gtk_widget_set_visible (self->compare_relative_button, FALSE);
  /* the status page has its own */
  gtk_widget_set_visible (self->compare_choose_button, FALSE);
}

static void
update_known_label (CurrentsCompareView *self)
{
  GtkWidget *label = self->compare_known_label;
  const char *name = currents_compare_view_get_known_name (self);
  g_autofree char *text = NULL;

  gtk_widget_remove_css_class (label, "warning");
  gtk_widget_remove_css_class (label, "error");
  switch (self->origin)
    {
    case CURRENTS_COMPARE_KNOWN_CHOSEN:
      text = g_strdup_printf (_("Known model: %s (chosen)"), name);
      break;
    case CURRENTS_COMPARE_KNOWN_PROVENANCE:
      text = g_strdup_printf (_("Known model: %s (named in the data file)"), name);
      break;
    case CURRENTS_COMPARE_KNOWN_CHANGED:
      text = g_strdup_printf (_("Known model: %s — the file changed since the data were made"),
                              name);
      gtk_widget_add_css_class (label, "warning");
      break;
    case CURRENTS_COMPARE_KNOWN_REMEMBERED:
      text = g_strdup_printf (_("Known model: %s (shown before training)"), name);
      break;
    case CURRENTS_COMPARE_KNOWN_NONE:
    default:
      if (self->chosen_error != NULL)
        {
          text = g_strdup (self->chosen_error);
          gtk_widget_add_css_class (label, "error");
        }
      else
        text = g_strdup (_("No known model"));
      break;
    }
  gtk_label_set_label (GTK_LABEL (label), text);
  gtk_widget_set_tooltip_text (label, text);
}

/* Everything about what is shown changed: find the known model again and recompute. */
static void
refresh (CurrentsCompareView *self)
{
  update_known (self);
  update_known_label (self);
  request (self);
}

/* ---- requests ---- */

static void
compare_done (GObject      *source,
              GAsyncResult *res,
              gpointer      data)
{
  CurrentsCompareView *self = CURRENTS_COMPARE_VIEW (source);
  GTask *task = G_TASK (res);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Result *result = g_task_propagate_pointer (task, &error);

  if (job->generation != self->generation)
    {
      g_clear_pointer (&result, result_free);
      return;
    }
  self->running = FALSE;
  if (result == NULL)
    return;
  g_clear_pointer (&self->result, result_free);
  self->result = result;
  self->n_results++;
  gtk_stack_set_visible_child_name (GTK_STACK (self->compare_stack), "plot");
  gtk_widget_set_visible (self->compare_relative_button, TRUE);
  gtk_widget_set_visible (self->compare_choose_button, TRUE);
  {
    g_autofree char *in = NULL, *out = NULL, *text = NULL;

    if (!result->has_data)
      {
        in = g_strdup (_("Show the data the network learned from to see where it has evidence."));
        out = g_strdup_printf (_("Over the whole view: RMS ‖Δf‖ = %.4g, %.3g %% of the known "
                                 "field’s RMS speed."),
                               result->rms_out, 100.0 * result->rms_out / result->rms_known_out);
      }
    else
      {
        if (result->n_in > 0)
          in = g_strdup_printf (_("Inside the data’s coverage (%u cells): RMS ‖Δf‖ = %.4g, "
                                  "%.3g %% of the known field’s RMS speed."),
                                result->n_in, result->rms_in,
                                100.0 * result->rms_in / result->rms_known_in);
        else
          in = g_strdup (_("No data points on this view."));
        if (result->n_out > 0)
          out = g_strdup_printf (_("Outside, where the network guesses (%u cells): "
                                   "RMS ‖Δf‖ = %.4g, %.3g %%."),
                                 result->n_out, result->rms_out,
                                 100.0 * result->rms_out / result->rms_known_out);
        else
          out = g_strdup (_("The data cover the whole view."));
      }
    text = g_strdup_printf ("%s %s", in, out);
    gtk_label_set_label (GTK_LABEL (self->compare_summary), text);
    gtk_widget_set_visible (self->compare_summary, TRUE);
  }
  gtk_widget_queue_draw (self->compare_canvas);
}

/* The data points on the plane of states @x_name, @y_name. */
static void
project_data (const CurrentsDataset *dataset,
              const char            *x_name,
              const char            *y_name,
              double               **px,
              double               **py,
              gsize                 *n_points)
{
  int dx, dy;
  gsize n = 0, m, total;

  *px = *py = NULL;
  *n_points = 0;
  if (dataset == NULL)
    return;
  dx = currents_dataset_find_state (dataset, x_name);
  dy = currents_dataset_find_state (dataset, y_name);
  if (dx < 0 || dy < 0)
    return;
  m = currents_dataset_get_n_states (dataset);
  total = currents_dataset_get_n_samples (dataset);
  *px = g_new (double, MAX (total, 1));
  *py = g_new (double, MAX (total, 1));
  for (gsize k = 0; k < currents_dataset_get_n_trajectories (dataset); k++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (dataset, k);
      const double *s = currents_trajectory_get_states (tr);

      for (gsize q = 0; q < currents_trajectory_get_n_samples (tr) && n < total; q++)
        if (isfinite (s[q * m + dx]) && isfinite (s[q * m + dy]))
          {
            (*px)[n] = s[q * m + dx];
            (*py)[n] = s[q * m + dy];
            n++;
          }
    }
  *n_points = n;
}

/* A copy of @n values, never empty (a field may take no inputs or parameters). */
static double *
copy_values (const double *values,
             gsize         n)
{
  double *copy = g_new0 (double, MAX (n, 1));

  if (n > 0)
    memcpy (copy, values, n * sizeof (double));
  return copy;
}

/* A snapshot of what the worker needs; NULL (and a message shown) when nothing can be
 * compared. */
static Job *
make_job (CurrentsCompareView *self)
{
  CurrentsSystem *system = self->portrait != NULL ? currents_portrait_get_system (self->portrait)
                                                  : NULL;
  CurrentsSystem *known = self->known;
  const char *const *names;
  guint ix, iy;
  gsize n;
  Job *job;

  if (system == NULL)
    {
      show_message (self, _("Nothing to Compare"),
                    _("Open data made from a model and train a model on them to compare the "
                      "two here."));
      return NULL;
    }
  if (currents_system_get_trained (system) == NULL)
    {
      show_message (self, _("No Trained Model"),
                    _("Train a model on this data to compare it with the model the data came "
                      "from."));
      return NULL;
    }
  if (known == NULL)
    {
      if (self->chosen != NULL && !names_match (self->chosen, system))
        {
          g_autofree char *a = state_list (self->chosen), *b = state_list (system);
          g_autofree char *text = g_strdup_printf (
            _("The chosen model’s states (%s) are not the trained model’s (%s). Choose the "
              "model the data came from."), a, b);

          show_message (self, _("Different States"), text);
        }
      else
        show_message (self, _("No Known Model"),
                      _("The data do not say which model made them. Choose the equation model "
                        "(.ode) they came from to see where the network learned it and where "
                        "it guesses."));
      return NULL;
    }
  n = currents_system_get_n_states (system);
  ix = currents_portrait_get_x_axis (self->portrait);
  iy = currents_portrait_get_y_axis (self->portrait);
  if (ix >= n || iy >= n || ix == iy)
    {
      show_message (self, _("Not a Phase Plane"),
                    _("Show two states on the portrait’s axes to compare the fields."));
      return NULL;
    }

  job = g_new0 (Job, 1);
  job->learned = currents_field_ref (currents_system_get_field (system));
  job->known = currents_field_ref (currents_system_get_field (known));
  job->lp = copy_values (currents_system_get_params (system),
                         currents_system_get_n_params (system));
  job->lu = copy_values (currents_system_get_inputs (system),
                         currents_system_get_n_inputs (system));
  job->kp = copy_values (currents_system_get_params (known),
                         currents_system_get_n_params (known));
  job->ku = copy_values (currents_system_get_inputs (known),
                         currents_system_get_n_inputs (known));
  /* the known model's parameters and inputs at the sliders' values, by name */
  for (gsize k = 0; k < currents_system_get_n_named_params (known); k++)
    {
      const char *name = currents_system_get_param_name (known, k);
      int l = currents_system_find_param (system, name);
      int q = currents_system_find_param (known, name);

      if (l >= 0 && q >= 0 && (gsize) l < currents_system_get_n_params (system))
        job->kp[q] = job->lp[l];
    }
  names = currents_system_get_input_names (known);
  for (gsize k = 0; k < currents_system_get_n_inputs (known); k++)
    {
      int l = currents_system_find_input (system, names[k]);

      if (l >= 0)
        job->ku[k] = job->lu[l];
    }
  job->n = n;
  job->base = copy_values (currents_system_get_initial (system), n);
  job->k_of_l = g_new (gsize, n);
  names = currents_system_get_state_names (system);
  for (gsize i = 0; i < n; i++)
    job->k_of_l[i] = (gsize) currents_system_find_state (known, names[i]);
  job->ix = ix;
  job->iy = iy;
  job->t = currents_system_get_t0 (system);
  if (!currents_portrait_get_view (self->portrait, job->window))
    {
      int xa, ya;

      currents_system_get_window (system, &xa, &ya, &job->window[0], &job->window[1],
                                  &job->window[2], &job->window[3]);
      if (xa != (int) ix || ya != (int) iy)
        {
          double lo[64], hi[64];

          /* another pair of axes: the model's box on them */
          if (n <= G_N_ELEMENTS (lo))
            {
              currents_system_get_default_box (system, lo, hi);
              job->window[0] = lo[ix];
              job->window[1] = hi[ix];
              job->window[2] = lo[iy];
              job->window[3] = hi[iy];
            }
        }
    }
  project_data (currents_portrait_get_dataset (self->portrait), names[ix], names[iy], &job->px,
                &job->py, &job->n_points);
  job->has_data = job->px != NULL;

  g_free (self->known_title);
  self->known_title = g_strdup_printf (_("Known · %s"),
                                       currents_compare_view_get_known_name (self));
  g_free (self->x_name);
  self->x_name = g_strdup (names[ix]);
  g_free (self->y_name);
  self->y_name = g_strdup (names[iy]);
  return job;
}

static void
request (CurrentsCompareView *self)
{
  g_autoptr(GTask) task = NULL;
  Job *job;

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->generation++;
  self->running = FALSE;
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->dirty = TRUE;
      return;
    }
  self->dirty = FALSE;
  job = make_job (self);
  self->can_compare = job != NULL;
  if (job == NULL)
    {
      g_clear_pointer (&self->result, result_free);
      return;
    }
  memcpy (self->requested_view, job->window, sizeof self->requested_view);
  job->generation = self->generation;
  self->cancellable = g_cancellable_new ();
  self->running = TRUE;
  task = g_task_new (self, self->cancellable, compare_done, NULL);
  g_task_set_source_tag (task, request);
  g_task_set_task_data (task, job, (GDestroyNotify) job_free);
  g_task_run_in_thread (task, compare_thread);
}

/* ---- following the portrait ---- */

static void
content_changed_cb (CurrentsCompareView *self)
{
  CurrentsSystem *system = currents_portrait_get_system (self->portrait);
  const CurrentsModel *model = system != NULL ? currents_system_get_model (system) : NULL;

  /* An equation model shown: the known one once a trained model of it replaces it (the
   * portrait frees it then, so keep a copy now). */
  if (model != NULL && currents_system_get_trained (system) == NULL)
    {
      const CurrentsModel *old = self->remembered != NULL
                                   ? currents_system_get_model (self->remembered) : NULL;

      if (old == NULL
          || g_strcmp0 (currents_model_get_source (old), currents_model_get_source (model)) != 0)
        {
          g_clear_pointer (&self->remembered, currents_system_free);
          self->remembered = system_from_source (currents_model_get_source (model),
                                                 currents_model_get_filename (model), NULL);
        }
    }
  refresh (self);
}

static void
value_changed_cb (CurrentsCompareView *self)
{
  if (self->can_compare || self->dirty)
    request (self);
}

static gboolean
poll_view_cb (gpointer data)
{
  CurrentsCompareView *self = data;
  double view[4];

  if (self->can_compare && self->portrait != NULL
      && currents_portrait_get_view (self->portrait, view)
      && memcmp (view, self->requested_view, sizeof view) != 0)
    request (self);
  return G_SOURCE_CONTINUE;
}

static void
map_cb (CurrentsCompareView *self)
{
  double view[4];

  if (self->poll_source == 0)
    self->poll_source = g_timeout_add (VIEW_POLL_MS, poll_view_cb, self);
  if (self->dirty
      || (self->can_compare && self->portrait != NULL
          && currents_portrait_get_view (self->portrait, view)
          && memcmp (view, self->requested_view, sizeof view) != 0))
    request (self);
}

static void
unmap_cb (CurrentsCompareView *self)
{
  g_clear_handle_id (&self->poll_source, g_source_remove);
  if (self->running)
    {
      /* finish it when shown again */
      g_cancellable_cancel (self->cancellable);
      self->generation++;
      self->running = FALSE;
      self->dirty = TRUE;
    }
}

/* ---- the known model from a file ---- */

static void
chooser_response_cb (CurrentsCompareView  *self,
                     int                   response,
                     GtkFileChooserNative *chooser)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (chooser));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;
      CurrentsModel *model = path != NULL ? currents_model_new_from_file (path, &error) : NULL;

      g_clear_pointer (&self->chosen_error, g_free);
      if (model != NULL)
        currents_compare_view_set_known (self, currents_system_new_from_model (model));
      else
        {
          self->chosen_error = g_strdup (error != NULL ? error->message
                                                       : _("The model could not be read"));
          refresh (self);
        }
    }
  g_clear_object (&self->chooser);
}

static void
choose_clicked_cb (CurrentsCompareView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();

  if (self->chooser != NULL)
    return;
  self->chooser = gtk_file_chooser_native_new (_("Choose the Model the Data Came From"),
                                               GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                               GTK_FILE_CHOOSER_ACTION_OPEN, _("_Choose"),
                                               _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (self->chooser), TRUE);
  gtk_file_filter_set_name (filter, _("Equation models (.ode)"));
  gtk_file_filter_add_suffix (filter, "ode");
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (self->chooser), filter);
  g_signal_connect_swapped (self->chooser, "response", G_CALLBACK (chooser_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (self->chooser));
}

static void
relative_toggled_cb (CurrentsCompareView *self)
{
  currents_compare_view_set_relative (
    self, gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (self->compare_relative_button)));
}

/* ------------------------------------------------------------------------------------ */
/* Drawing                                                                               */

static double
shown_value (const CurrentsCompareView *self,
             gsize                      c)
{
  const Result *r = self->result;

  if (!self->relative)
    return r->diff[c];
  if (r->known_norm[c] > 0)
    return r->diff[c] / r->known_norm[c];
  return r->diff[c] > 0 ? INFINITY : 0.0;
}

static void
draw_title (cairo_t                    *cr,
            const CurrentsPlotTheme    *theme,
            const CurrentsPlotViewport *vp,
            const char                 *title)
{
  g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
  PangoFontDescription *font = pango_font_description_from_string (theme->font);
  int w, h;

  pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  pango_layout_set_text (layout, title, -1);
  pango_layout_set_width (layout, (int) (vp->width * PANGO_SCALE));
  pango_layout_set_ellipsize (layout, PANGO_ELLIPSIZE_END);
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_get_pixel_size (layout, &w, &h);
  currents_plot_set_source_color (cr, &theme->foreground);
  cairo_move_to (cr, vp->left, round (vp->top - h - 0.6 * h));
  pango_cairo_show_layout (cr, layout);
}

/* The boundary between covered and uncovered cells, as cell edges. */
static void
draw_coverage (cairo_t                    *cr,
               const CurrentsPlotViewport *vp,
               const Result               *r,
               const CurrentsPlotColor    *color,
               double                      line_width,
               gboolean                    dashed)
{
  double hx = (r->window[1] - r->window[0]) / r->nx, hy = (r->window[3] - r->window[2]) / r->ny;

  cairo_save (cr);
  cairo_rectangle (cr, vp->left, vp->top, vp->width, vp->height);
  cairo_clip (cr);
  for (guint j = 0; j < r->ny; j++)
    for (guint i = 0; i < r->nx; i++)
      {
        gboolean c = r->covered[j * r->nx + i];
        double x0, y0, x1, y1;

        /* the right and upper edges of each cell; the view's border is no boundary */
        if (i + 1 < r->nx && c != r->covered[j * r->nx + i + 1])
          {
            currents_plot_viewport_to_device (vp, r->window[0] + (i + 1) * hx,
                                              r->window[2] + j * hy, &x0, &y0);
            currents_plot_viewport_to_device (vp, r->window[0] + (i + 1) * hx,
                                              r->window[2] + (j + 1) * hy, &x1, &y1);
            cairo_move_to (cr, x0, y0);
            cairo_line_to (cr, x1, y1);
          }
        if (j + 1 < r->ny && c != r->covered[(j + 1) * r->nx + i])
          {
            currents_plot_viewport_to_device (vp, r->window[0] + i * hx,
                                              r->window[2] + (j + 1) * hy, &x0, &y0);
            currents_plot_viewport_to_device (vp, r->window[0] + (i + 1) * hx,
                                              r->window[2] + (j + 1) * hy, &x1, &y1);
            cairo_move_to (cr, x0, y0);
            cairo_line_to (cr, x1, y1);
          }
      }
  cairo_set_line_width (cr, line_width);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_SQUARE);
  if (dashed)
    {
      const double dash[] = { 4.0, 3.0 };

      cairo_set_dash (cr, dash, 2, 0);
    }
  currents_plot_set_source_color (cr, color);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_heat (cairo_t                    *cr,
           const CurrentsPlotTheme    *theme,
           const CurrentsPlotViewport *vp,
           const CurrentsCompareView  *self,
           double                      max_value)
{
  const Result *r = self->result;
  cairo_surface_t *image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) r->nx,
                                                       (int) r->ny);
  int stride = cairo_image_surface_get_stride (image);
  unsigned char *data;
  double x0, y0, x1, y1;
  const double grey = VEIL_GREY (theme), veil = VEIL;

  cairo_surface_flush (image);
  data = cairo_image_surface_get_data (image);
  for (guint j = 0; j < r->ny; j++)
    for (guint i = 0; i < r->nx; i++)
      {
        gsize c = j * r->nx + i;
        double v = shown_value (self, c);
        CurrentsPlotColor col = theme->plot_background;
        guint32 *px = (guint32 *) (data + (r->ny - 1 - j) * stride) + i;

        if (!isnan (v))
          currents_plot_theme_field_color (theme, isfinite (v) ? sqrt (v / max_value) : 1.0,
                                           &col);
        if (r->has_data && !r->covered[c])
          {
            col.red = (1 - veil) * col.red + veil * grey;
            col.green = (1 - veil) * col.green + veil * grey;
            col.blue = (1 - veil) * col.blue + veil * grey;
          }
        *px = 0xff000000u | ((guint32) lround (CLAMP (col.red, 0, 1) * 255) << 16)
              | ((guint32) lround (CLAMP (col.green, 0, 1) * 255) << 8)
              | (guint32) lround (CLAMP (col.blue, 0, 1) * 255);
      }
  cairo_surface_mark_dirty (image);

  currents_plot_viewport_to_device (vp, r->window[0], r->window[3], &x0, &y0);
  currents_plot_viewport_to_device (vp, r->window[1], r->window[2], &x1, &y1);
  cairo_save (cr);
  cairo_rectangle (cr, vp->left, vp->top, vp->width, vp->height);
  cairo_clip (cr);
  cairo_translate (cr, x0, y0);
  cairo_scale (cr, (x1 - x0) / r->nx, (y1 - y0) / r->ny);
  cairo_set_source_surface (cr, image, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_rectangle (cr, 0, 0, r->nx, r->ny);
  cairo_fill (cr);
  cairo_restore (cr);
  cairo_surface_destroy (image);
}

static CurrentsPlotColor
hex_color (guint32 rgb)
{
  return (CurrentsPlotColor) { ((rgb >> 16) & 0xff) / 255.0, ((rgb >> 8) & 0xff) / 255.0,
                               (rgb & 0xff) / 255.0, 1.0 };
}

/* Small differences pale (light) or dark (dark), large ones red to yellow. */
static void
heat_theme (CurrentsPlotTheme *theme)
{
  const guint32 light[4] = { 0xfaf8f5, 0xf8e45c, 0xff7800, 0xa51d2d };
  const guint32 dark[4] = { 0x2a2730, 0xa51d2d, 0xff7800, 0xf8e45c };

  for (guint k = 0; k < 4; k++)
    theme->field[k] = hex_color (theme->dark ? dark[k] : light[k]);
}

static void
draw_cb (GtkDrawingArea *area,
         cairo_t        *cr,
         int             width,
         int             height,
         gpointer        data)
{
  CurrentsCompareView *self = data;
  const Result *r = self->result;
  CurrentsPlotTheme theme;
  CurrentsPlotViewport vp[3];
  CurrentsPlotColor outline, points;
  const PangoFontDescription *font;
  guint cols, rows;
  double ch, base, extra[3], max_value = 0, bar, top_extra, em;
  const char *bar_label;

  if (r == NULL || self->x_name == NULL)
    return;
  self->n_draws++;
  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  font = pango_context_get_font_description (gtk_widget_get_pango_context (GTK_WIDGET (area)));
  if (font != NULL)
    {
      g_autofree char *font_name = pango_font_description_to_string (font);

      g_strlcpy (theme.font, font_name, sizeof theme.font);
    }

  for (gsize c = 0; c < r->nx * r->ny; c++)
    {
      double v = shown_value (self, c);

      if (isfinite (v))
        max_value = MAX (max_value, v);
    }
  if (self->relative)
    max_value = MIN (max_value, 1.0);
  if (!(max_value > 0))
    max_value = 1.0;
  bar_label = self->relative ? "‖Δf‖ / ‖f‖" : "‖Δf‖";

  {
    g_autoptr(PangoLayout) layout = pango_cairo_create_layout (cr);
    PangoFontDescription *desc = pango_font_description_from_string (theme.font);
    int w, h;

    pango_layout_set_font_description (layout, desc);
    pango_font_description_free (desc);
    pango_layout_set_text (layout, "Ag", -1);
    pango_layout_get_pixel_size (layout, &w, &h);
    em = h;
  }
  top_extra = 1.8 * em;
  bar = MAX (currents_plot_colorbar_width (cr, &theme, bar_label, max_value),
             currents_plot_colorbar_width (cr, &theme, "‖f‖", r->max_speed));

  /* Three panels in a row when there is room, else two over one, else one above the
   * other. The learned field has no colour bar: a narrow gutter instead, the panels
   * sized so that the three plot areas are the same. */
  cols = width >= 1.45 * height ? 3 : (width >= 0.7 * height ? 2 : 1);
  rows = (3 + cols - 1) / cols;
  extra[0] = cols > 1 ? 1.5 * em : bar;
  extra[1] = extra[2] = bar;
  base = width;
  for (guint p = 0; p < cols; p++)
    base -= extra[p];
  base /= cols;
  ch = (double) height / rows;
  /* no tall, thin plots */
  cairo_save (cr);
  currents_plot_layout_full (cr, &theme, base + extra[0], ch, r->window[0], r->window[1],
                             r->window[2], r->window[3], extra[0], top_extra, &vp[0]);
  cairo_restore (cr);
  if (vp[0].height > 1.2 * vp[0].width)
    ch -= vp[0].height - 1.2 * vp[0].width;
  for (guint p = 0; p < 3; p++)
    {
      guint row = p / cols, col = p % cols;
      double left = 0, top = row * ((double) height / rows) + ((double) height / rows - ch) / 2;

      for (guint q = 0; q < col; q++)
        left += base + extra[q];
      /* the heat map alone on the second row: centred */
      if (cols == 2 && row == 1)
        left = (width - base - extra[p]) / 2;
      cairo_save (cr);
      cairo_translate (cr, left, top);
      currents_plot_layout_full (cr, &theme, base + extra[p], ch, r->window[0], r->window[1],
                                 r->window[2], r->window[3], extra[p], top_extra, &vp[p]);
      cairo_restore (cr);
      vp[p].left += left;
      vp[p].top += top;
    }

  currents_plot_set_source_color (cr, &theme.background);
  cairo_paint (cr);
  for (guint p = 0; p < 3; p++)
    {
      currents_plot_set_source_color (cr, &theme.plot_background);
      cairo_rectangle (cr, vp[p].left, vp[p].top, vp[p].width, vp[p].height);
      cairo_fill (cr);
    }

  outline = theme.foreground;
  outline.alpha = 0.85;
  points = theme.foreground;
  points.alpha = theme.dark ? 0.45 : 0.35;

  for (guint p = 0; p < 2; p++)
    {
      currents_plot_draw_grid (cr, &theme, &vp[p]);
      currents_plot_draw_field_grid (cr, &theme, &vp[p], r->window, r->ax, r->ay,
                                     p == 0 ? r->lfx : r->kfx, p == 0 ? r->lfy : r->kfy,
                                     CURRENTS_PLOT_ARROWS_NORMALIZED, r->max_speed);
      if (r->n_points > 0)
        draw_coverage (cr, &vp[p], r, &outline, 1.2, TRUE);
      currents_plot_draw_axes (cr, &theme, &vp[p], self->x_name, self->y_name);
      draw_title (cr, &theme, &vp[p], p == 0 ? _("Learned") : self->known_title);
    }
  currents_plot_draw_colorbar (cr, &theme, &vp[1], "‖f‖", r->max_speed);

  /* the difference in warm colours, apart from the fields' blues */
  heat_theme (&theme);
  draw_heat (cr, &theme, &vp[2], self, max_value);
  if (r->n_points > 0)
    {
      currents_plot_draw_markers (cr, &vp[2], r->px, 1, r->py, 1, r->n_points, &points, NULL,
                                  1.1);
      draw_coverage (cr, &vp[2], r, &outline, 1.6, FALSE);
    }
  currents_plot_draw_axes (cr, &theme, &vp[2], self->x_name, self->y_name);
  currents_plot_draw_colorbar (cr, &theme, &vp[2], bar_label, max_value);
  draw_title (cr, &theme, &vp[2], self->relative ? _("Relative difference ‖Δf‖ / ‖f‖")
                                                  : _("Difference ‖Δf‖"));
  if (r->has_data)
    {
      CurrentsPlotLegendEntry entries[2] = { { 0 } };
      gsize n = 0;

      entries[n].label = _("data coverage");
      entries[n].color = outline;
      entries[n].symbol = CURRENTS_PLOT_LEGEND_LINE;
      entries[n].line_width = 1.6;
      n++;
      entries[n].label = _("no data: the network guesses");
      /* a middling difference, faded as where there are no data */
      currents_plot_theme_field_color (&theme, 0.5, &entries[n].color);
      entries[n].color.red = (1 - VEIL) * entries[n].color.red + VEIL * VEIL_GREY (&theme);
      entries[n].color.green = (1 - VEIL) * entries[n].color.green + VEIL * VEIL_GREY (&theme);
      entries[n].color.blue = (1 - VEIL) * entries[n].color.blue + VEIL * VEIL_GREY (&theme);
      entries[n].symbol = CURRENTS_PLOT_LEGEND_PATCH;
      n++;
      currents_plot_draw_legend (cr, &theme, &vp[2], entries, n, CURRENTS_PLOT_CORNER_TOP_RIGHT);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Life cycle                                                                             */

static void
disconnect_portrait (CurrentsCompareView *self)
{
  /* either may be going away already: the weak pointers say which are left */
  _currents_view_forget (self, (gpointer *) &self->panel);
  _currents_view_forget (self, (gpointer *) &self->portrait);
}

static void
currents_compare_view_dispose (GObject *object)
{
  CurrentsCompareView *self = CURRENTS_COMPARE_VIEW (object);

  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->generation++;
  g_clear_handle_id (&self->poll_source, g_source_remove);
  if (self->chooser != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->chooser, self);
      gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (self->chooser));
      g_clear_object (&self->chooser);
    }
  disconnect_portrait (self);
  self->known = NULL;
  g_clear_pointer (&self->chosen, currents_system_free);
  g_clear_pointer (&self->remembered, currents_system_free);
  g_clear_pointer (&self->provenance, currents_system_free);
  g_clear_pointer (&self->result, result_free);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_COMPARE_VIEW);
  /* children the template made but did not bind */
  _currents_view_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (currents_compare_view_parent_class)->dispose (object);
}

static void
currents_compare_view_finalize (GObject *object)
{
  CurrentsCompareView *self = CURRENTS_COMPARE_VIEW (object);

  g_free (self->provenance_key);
  g_free (self->chosen_error);
  g_free (self->known_title);
  g_free (self->x_name);
  g_free (self->y_name);
  G_OBJECT_CLASS (currents_compare_view_parent_class)->finalize (object);
}

static void
currents_compare_view_class_init (CurrentsCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_compare_view_dispose;
  object_class->finalize = currents_compare_view_finalize;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-compare-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsCompareView, compare_known_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsCompareView,
                                        compare_relative_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsCompareView, compare_choose_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsCompareView, compare_stack);
  gtk_widget_class_bind_template_child (widget_class, CurrentsCompareView, compare_status);
  gtk_widget_class_bind_template_child (widget_class, CurrentsCompareView, compare_canvas);
  gtk_widget_class_bind_template_child (widget_class, CurrentsCompareView, compare_summary);
  gtk_widget_class_bind_template_callback (widget_class, choose_clicked_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "compareview");
}

static void
currents_compare_view_init (CurrentsCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->compare_canvas), draw_cb, self, NULL);
  g_signal_connect_swapped (self->compare_relative_button, "toggled",
                            G_CALLBACK (relative_toggled_cb), self);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (gtk_widget_queue_draw), self->compare_canvas,
                           G_CONNECT_SWAPPED);
  g_signal_connect (self, "unmap", G_CALLBACK (unmap_cb), NULL);
  gtk_widget_set_visible (self->compare_relative_button, FALSE);
  gtk_widget_set_visible (self->compare_choose_button, FALSE);
  self->dirty = TRUE;
}

GtkWidget *
currents_compare_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_COMPARE_VIEW, NULL);
}

void
currents_compare_view_set_portrait (CurrentsCompareView *self,
                                    CurrentsPortrait    *portrait)
{
  g_return_if_fail (CURRENTS_IS_COMPARE_VIEW (self));

  if (self->portrait == portrait)
    return;
  disconnect_portrait (self);
  self->portrait = portrait;
  if (portrait != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (portrait), (gpointer *) &self->portrait);
      g_signal_connect_swapped (portrait, "content-changed", G_CALLBACK (content_changed_cb), self);
      self->panel = currents_portrait_get_parameter_panel (portrait);
      if (self->panel != NULL)
        {
          g_object_add_weak_pointer (G_OBJECT (self->panel), (gpointer *) &self->panel);
          g_signal_connect_swapped (self->panel, "value-changed", G_CALLBACK (value_changed_cb),
                                    self);
        }
      content_changed_cb (self);
    }
  else
    refresh (self);
}

void
currents_compare_view_set_known (CurrentsCompareView *self,
                                 CurrentsSystem      *known)
{
  g_return_if_fail (CURRENTS_IS_COMPARE_VIEW (self));

  self->known = NULL;
  g_clear_pointer (&self->chosen, currents_system_free);
  g_clear_pointer (&self->chosen_error, g_free);
  self->chosen = known;
  refresh (self);
}

gboolean
currents_compare_view_has_known (CurrentsCompareView *self)
{
  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), FALSE);
  return self->known != NULL;
}

CurrentsCompareKnownOrigin
currents_compare_view_get_known_origin (CurrentsCompareView *self)
{
  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), CURRENTS_COMPARE_KNOWN_NONE);
  return self->origin;
}

const char *
currents_compare_view_get_known_name (CurrentsCompareView *self)
{
  const char *name;
  const char *slash;

  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), NULL);
  if (self->known == NULL)
    return NULL;
  name = currents_system_get_filename (self->known);
  if (name == NULL)
    return _("model");
  slash = strrchr (name, G_DIR_SEPARATOR);
  return slash != NULL ? slash + 1 : name;
}

void
currents_compare_view_set_relative (CurrentsCompareView *self,
                                    gboolean             relative)
{
  g_return_if_fail (CURRENTS_IS_COMPARE_VIEW (self));

  relative = !!relative;
  if (self->relative == relative)
    return;
  self->relative = relative;
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (self->compare_relative_button), relative);
  gtk_widget_queue_draw (self->compare_canvas);
}

gboolean
currents_compare_view_get_relative (CurrentsCompareView *self)
{
  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), FALSE);
  return self->relative;
}

gboolean
currents_compare_view_get_busy (CurrentsCompareView *self)
{
  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), FALSE);
  return self->running || (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)));
}

gboolean
currents_compare_view_get_grid (CurrentsCompareView *self,
                                guint               *nx,
                                guint               *ny,
                                double               window[4])
{
  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), FALSE);

  if (self->result == NULL)
    return FALSE;
  if (nx != NULL)
    *nx = self->result->nx;
  if (ny != NULL)
    *ny = self->result->ny;
  if (window != NULL)
    memcpy (window, self->result->window, 4 * sizeof (double));
  return TRUE;
}

double
currents_compare_view_get_difference (CurrentsCompareView *self,
                                      guint                i,
                                      guint                j)
{
  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), NAN);

  if (self->result == NULL || i >= self->result->nx || j >= self->result->ny)
    return NAN;
  return shown_value (self, (gsize) j * self->result->nx + i);
}

gboolean
currents_compare_view_get_covered (CurrentsCompareView *self,
                                   guint                i,
                                   guint                j)
{
  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), FALSE);

  if (self->result == NULL || i >= self->result->nx || j >= self->result->ny)
    return FALSE;
  return self->result->covered[(gsize) j * self->result->nx + i] != 0;
}

gboolean
currents_compare_view_get_rms (CurrentsCompareView *self,
                               double              *inside,
                               double              *outside,
                               guint               *n_inside,
                               guint               *n_outside)
{
  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), FALSE);

  if (self->result == NULL)
    return FALSE;
  if (inside != NULL)
    *inside = self->result->rms_in;
  if (outside != NULL)
    *outside = self->result->rms_out;
  if (n_inside != NULL)
    *n_inside = self->result->n_in;
  if (n_outside != NULL)
    *n_outside = self->result->n_out;
  return TRUE;
}

guint
currents_compare_view_get_n_results (CurrentsCompareView *self)
{
  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), 0);
  return self->n_results;
}

guint
currents_compare_view_get_n_draws (CurrentsCompareView *self)
{
  g_return_val_if_fail (CURRENTS_IS_COMPARE_VIEW (self), 0);
  return self->n_draws;
}
