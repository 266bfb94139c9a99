/* currents-bifurcation-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bifurcation diagram of the shown model: equilibria (and periodic orbits) against a
 * parameter or input, linked to the portrait's slider; a two-parameter mode for fold and
 * Hopf curves.
 *
 * The continuation is made on the main thread (it copies the parameters and refs the
 * field) and run in a GTask thread, with the periodic orbits born at its Hopf points
 * when asked. Outcomes are cached under a key that names everything they depend on:
 * the content generation, the parameter(s) and range(s), and the values of every other
 * parameter and input; moving the swept parameter itself only moves the marker.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-bifurcation-view"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-bifurcation-view.h"
#include "currents-bifurcation-ensemble-private.h"
#include "currents-continuation.h"
#include "currents-hysteresis.h"
#include "currents-periodic.h"
#include "currents-view-util-private.h"
#include "currents-window-ensemble.h"

#define DEBOUNCE_MS     300
#define CACHE_MAX       24
#define MAX_LEVELS      64
#define CLICK_RADIUS    10.0
#define PERIODIC_POINTS 400

/* ------------------------------------------------------------------------------------ */
/* What one computation produced (shared by the cache and the view: refcounted)          */

typedef struct
{
  gboolean               two;
  CurrentsContinuation  *cont;     /* owns the branches and special points */
  GPtrArray             *orbits;   /* per Hopf point (in result order): GPtrArray of
                                    * CurrentsPeriodicOrbit, or NULL when it failed */
  GPtrArray             *periodic_errors; /* char *, messages */
  char                  *error;    /* the computation failed: what to tell the user */
} Outcome;

static void
outcome_clear (gpointer data)
{
  Outcome *o = data;

  g_clear_pointer (&o->cont, currents_continuation_free);
  g_clear_pointer (&o->orbits, g_ptr_array_unref);
  g_clear_pointer (&o->periodic_errors, g_ptr_array_unref);
  g_clear_pointer (&o->error, g_free);
}

static void
outcome_unref (Outcome *o)
{
  g_rc_box_release_full (o, outcome_clear);
}

static Outcome *
outcome_new (void)
{
  return g_rc_box_new0 (Outcome);
}

static void
free_orbit_list (gpointer data)
{
  if (data != NULL)
    g_ptr_array_unref (data);
}

/* ------------------------------------------------------------------------------------ */
/* The job a worker thread runs                                                           */

typedef struct
{
  CurrentsContinuation *cont;     /* made on the main thread; moves into the outcome */
  CurrentsField        *field;    /* for the periodic orbits */
  double               *p;
  double               *u;
  gsize                 param_index;
  gboolean              is_input;
  double                lo, hi;
  gboolean              periodic;
  gboolean              two;
  guint                 generation;
  char                 *key;
} Job;

static void
job_free (gpointer data)
{
  Job *job = data;

  g_clear_pointer (&job->cont, currents_continuation_free);
  g_clear_pointer (&job->field, currents_field_unref);
  g_free (job->p);
  g_free (job->u);
  g_free (job->key);
  g_free (job);
}

static void
job_run (GTask        *task,
         gpointer      source,
         gpointer      data,
         GCancellable *cancellable)
{
  Job *job = data;
  g_autoptr(GError) error = NULL;
  Outcome *outcome;

  if (!currents_continuation_run (job->cont, cancellable, &error))
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  outcome = outcome_new ();
  outcome->two = job->two;
  outcome->cont = g_steal_pointer (&job->cont);
  if (job->periodic && !job->two)
    {
      const CurrentsContinuationResult *res = currents_continuation_get_result (outcome->cont);
      g_autoptr(GPtrArray) hopf =
        currents_continuation_result_get_special (res, CURRENTS_BIFURCATION_HOPF);

      outcome->orbits = g_ptr_array_new_with_free_func (free_orbit_list);
      outcome->periodic_errors = g_ptr_array_new_with_free_func (g_free);
      for (guint i = 0; i < hopf->len; i++)
        {
          const CurrentsBifurcation *hp = g_ptr_array_index (hopf, i);
          g_autoptr(GError) perr = NULL;
          GPtrArray *orbits;

          if (job->is_input)
            job->u[job->param_index] = hp->param;
          else
            job->p[job->param_index] = hp->param;
          orbits = currents_periodic_continue_from_hopf (job->field, job->p, job->u,
                                                         job->param_index, job->is_input,
                                                         hp->state, hp->frequency,
                                                         hp->evec_re, hp->evec_im, job->lo,
                                                         job->hi, PERIODIC_POINTS,
                                                         cancellable, &perr);
          if (g_cancellable_is_cancelled (cancellable))
            {
              g_clear_pointer (&orbits, g_ptr_array_unref);
              outcome_unref (outcome);
              g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
              return;
            }
          if (orbits == NULL)
            g_ptr_array_add (outcome->periodic_errors,
                             g_strdup_printf (_("The periodic orbits from the Hopf point at "
                                                "%.4g could not be followed: %s"),
                                              hp->param, perr != NULL ? perr->message : "?"));
          g_ptr_array_add (outcome->orbits, orbits);
        }
    }
  g_task_return_pointer (task, outcome, (GDestroyNotify) outcome_unref);
}

/* ------------------------------------------------------------------------------------ */

struct _CurrentsBifurcationView
{
  GtkWidget               parent_instance;

  /* template */
  GtkToggleButton        *bif_two_toggle;
  GtkDropDown            *bif_param_dropdown;
  GtkEntry               *bif_lo_entry;
  GtkEntry               *bif_hi_entry;
  GtkWidget              *bif_quantity_label;
  GtkDropDown            *bif_quantity_dropdown;
  GtkWidget              *bif_param2_label;
  GtkDropDown            *bif_param2_dropdown;
  GtkEntry               *bif_lo2_entry;
  GtkWidget              *bif_dash2_label;
  GtkEntry               *bif_hi2_entry;
  GtkCheckButton         *bif_periodic_check;
  GtkSpinner             *bif_spinner;
  GtkButton              *bif_cancel_button;
  GtkButton              *bif_export_button;
  GtkDrawingArea         *bif_canvas;
  GtkLabel               *bif_summary_label;

  CurrentsPortrait       *portrait;   /* weak */
  CurrentsParameterPanel *panel;      /* weak */

  /* what is shown */
  GtkStringList          *param_names;    /* inputs, then named parameters */
  GtkStringList          *quantity_names; /* states, then the norm */
  char                   *param;
  char                   *param2;
  int                     quantity;       /* state index or -1 (norm) */
  gboolean                quantity_chosen;
  gboolean                two;
  gboolean                periodic;
  double                  lo, hi, lo2, hi2;
  gboolean                log_x, log_y;
  gboolean                slider_log, slider_log2;
  gboolean                range_chosen, range2_chosen; /* typed, kept for the same name */
  double                 *levels;
  gsize                   n_levels;
  double                 *nominal_p;      /* the values when the model came: the start */
  double                 *nominal_u;

  /* computation */
  guint                   generation;     /* bumped when the content changes */
  GHashTable             *cache;          /* key → Outcome */
  GCancellable           *cancellable;
  char                   *running_key;
  char                   *shown_key;
  Outcome                *outcome;        /* shown (a reference) */
  guint                   debounce_source;
  gboolean                dirty;          /* wants a computation when mapped */
  gboolean                updating;       /* filling the controls: no reactions */

  /* drawing */
  CurrentsPlotDiagram    *diagram;
  CurrentsPlotDiagramStats stats;
  guint                   n_frames;
  GArray                 *folds;          /* double */
  GPtrArray              *special_states; /* per diagram special point: const double * */
  char                   *summary;
  char                   *summary_base;   /* without the sentence about the marker */
  char                   *shown_param;    /* what the diagram's axes are */
  char                   *shown_param2;
  GPtrArray              *regions;        /* GArray of (x, y) pairs: the wedges drawn */
  char                   *error;

  /* an ensemble's tipping points (currents-bifurcation-ensemble.c) */
  CurrentsBifurcationEnsemble *ensemble;
  GPtrArray              *tipping_points; /* shown (a reference), or NULL */

  char                   *start_param;    /* currents_bifurcation_view_set_start() */
  double                  start;

  /* dragging the marker */
  double                  drag_x, drag_y;
  gboolean                drag_moved;
};

G_DEFINE_FINAL_TYPE (CurrentsBifurcationView, currents_bifurcation_view, GTK_TYPE_WIDGET)

static void request_compute (CurrentsBifurcationView *self, guint delay_ms);
static void rebuild_diagram (CurrentsBifurcationView *self);

/* ------------------------------------------------------------------------------------ */
/* Helpers                                                                                */

static CurrentsSystem *
get_system (CurrentsBifurcationView *self)
{
  return self->portrait != NULL ? currents_portrait_get_system (self->portrait) : NULL;
}

static const CurrentsDataset *
get_dataset (CurrentsBifurcationView *self)
{
  return self->portrait != NULL ? currents_portrait_get_dataset (self->portrait) : NULL;
}

static gboolean
param_value (CurrentsBifurcationView *self,
             const char              *name,
             double                  *value)
{
  CurrentsSystem *sys = get_system (self);
  int i;

  if (name == NULL)
    return FALSE;
  if (self->panel != NULL && currents_parameter_panel_get_value (self->panel, name, value))
    return TRUE;
  if (sys == NULL)
    return FALSE;
  if ((i = currents_system_find_input (sys, name)) >= 0)
    {
      *value = currents_system_get_inputs (sys)[i];
      return TRUE;
    }
  if ((i = currents_system_find_param (sys, name)) >= 0)
    {
      *value = currents_system_get_params (sys)[i];
      return TRUE;
    }
  return FALSE;
}

static guint
find_string (GtkStringList *list,
             const char    *name)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (list));

  for (guint i = 0; name != NULL && i < n; i++)
    if (g_strcmp0 (gtk_string_list_get_string (list, i), name) == 0)
      return i;
  return GTK_INVALID_LIST_POSITION;
}

static char *
format_value (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.6g", v));
}

static void
set_entry_value (GtkEntry *entry,
                 double    v)
{
  g_autofree char *text = format_value (v);

  gtk_editable_set_text (GTK_EDITABLE (entry), text);
  gtk_widget_remove_css_class (GTK_WIDGET (entry), "error");
}

static gboolean
parse_entry (GtkEntry *entry,
             double   *v)
{
  g_autofree char *text = g_strstrip (g_strdup (gtk_editable_get_text (GTK_EDITABLE (entry))));
  char *end = NULL;

  /* a decimal comma, as many locales write it */
  g_strdelimit (text, ",", '.');
  *v = g_ascii_strtod (text, &end);
  return end != text && *end == '\0' && isfinite (*v);
}

/* The slider's range of @name (own units) and whether it moves on a log scale. */
static gboolean
slider_range (CurrentsBifurcationView *self,
              const char              *name,
              double                  *lo,
              double                  *hi,
              gboolean                *log_scale)
{
  double offset = 0.0, v;

  *log_scale = FALSE;
  if (self->panel != NULL
      && currents_parameter_panel_get_range (self->panel, name, lo, hi, log_scale, &offset)
      && *lo < *hi)
    return TRUE;
  if (!param_value (self, name, &v))
    return FALSE;
  *lo = v >= 0 ? 0.0 : 2.0 * v;
  *hi = MAX (2.0 * fabs (v), 1.0);
  return TRUE;
}

/* Log axis: the slider is on a log scale, or the range spans more than two decades of
 * positive values. */
static gboolean
wants_log (double   lo,
           double   hi,
           gboolean slider_log)
{
  return lo > 0.0 && (slider_log || hi / lo > 100.0);
}

static int
compare_doubles (gconstpointer a,
                 gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* The distinct levels of the parameter (an input) in the data, sorted. */
static void
collect_levels (CurrentsBifurcationView *self)
{
  const CurrentsDataset *ds = get_dataset (self);
  g_autoptr(GArray) levels = g_array_new (FALSE, FALSE, sizeof (double));
  int j;

  g_clear_pointer (&self->levels, g_free);
  self->n_levels = 0;
  if (ds == NULL || self->param == NULL
      || (j = currents_dataset_find_input (ds, self->param)) < 0)
    return;
  for (gsize t = 0; t < currents_dataset_get_n_trajectories (ds); t++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, t);
      const double *u = currents_trajectory_get_inputs (tr);
      gsize m = currents_dataset_get_n_inputs (ds);

      for (gsize k = 0; u != NULL && k < currents_trajectory_get_n_samples (tr); k++)
        {
          double v = u[k * m + (gsize) j];
          gboolean seen = FALSE;

          if (!isfinite (v))
            continue;
          for (guint l = 0; l < levels->len && !seen; l++)
            {
              double w = g_array_index (levels, double, l);

              seen = fabs (v - w) <= 1e-12 * MAX (1.0, fabs (w));
            }
          if (!seen)
            {
              if (levels->len >= MAX_LEVELS)
                break;
              g_array_append_val (levels, v);
            }
        }
    }
  g_array_sort (levels, compare_doubles);
  if (levels->len > 0)
    {
      self->n_levels = levels->len;
      self->levels = (double *) g_array_free (g_steal_pointer (&levels), FALSE);
    }
}

/* ------------------------------------------------------------------------------------ */
/* Status                                                                                 */

static void
update_busy (CurrentsBifurcationView *self)
{
  gboolean running = self->cancellable != NULL
                     || (self->ensemble != NULL
                         && _currents_bifurcation_ensemble_running (self->ensemble));

  gtk_spinner_set_spinning (self->bif_spinner, running);
  gtk_widget_set_sensitive (GTK_WIDGET (self->bif_cancel_button), running);
}

static void
set_summary (CurrentsBifurcationView *self,
             const char              *text,
             gboolean                 is_error)
{
  g_free (self->summary);
  self->summary = g_strdup (text != NULL ? text : "");
  gtk_label_set_text (self->bif_summary_label, self->summary);
  if (is_error)
    gtk_widget_add_css_class (GTK_WIDGET (self->bif_summary_label), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->bif_summary_label), "error");
}

/* The engine's message as a sentence: a capital first, a full stop last. */
static void
show_error (CurrentsBifurcationView *self,
            const char              *message)
{
  GString *text = g_string_new (NULL);
  char buf[8];

  if (message != NULL && *message != '\0')
    {
      g_string_append_len (text, buf,
                           g_unichar_to_utf8 (g_unichar_toupper (g_utf8_get_char (message)), buf));
      g_string_append (text, g_utf8_next_char (message));
      if (!g_str_has_suffix (text->str, "."))
        g_string_append_c (text, '.');
    }
  g_free (self->error);
  self->error = g_string_free (text, FALSE);
  set_summary (self, self->error, TRUE);
}

static void
clear_shown (CurrentsBifurcationView *self)
{
  g_clear_pointer (&self->outcome, outcome_unref);
  g_clear_pointer (&self->shown_key, g_free);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->summary_base, g_free);
  g_clear_pointer (&self->shown_param, g_free);
  g_clear_pointer (&self->shown_param2, g_free);
  g_array_set_size (self->folds, 0);
  g_ptr_array_set_size (self->special_states, 0);
  g_ptr_array_set_size (self->regions, 0);
  g_clear_pointer (&self->tipping_points, g_ptr_array_unref);
  currents_plot_diagram_clear (self->diagram);
  gtk_widget_queue_draw (GTK_WIDGET (self->bif_canvas));
}

/* ------------------------------------------------------------------------------------ */
/* Controls                                                                               */

static void
sync_mode_widgets (CurrentsBifurcationView *self)
{
  gboolean two = self->two;

  gtk_widget_set_visible (self->bif_quantity_label, !two);
  gtk_widget_set_visible (GTK_WIDGET (self->bif_quantity_dropdown), !two);
  gtk_widget_set_visible (GTK_WIDGET (self->bif_periodic_check), !two);
  gtk_widget_set_visible (self->bif_param2_label, two);
  gtk_widget_set_visible (GTK_WIDGET (self->bif_param2_dropdown), two);
  gtk_widget_set_visible (GTK_WIDGET (self->bif_lo2_entry), two);
  gtk_widget_set_visible (self->bif_dash2_label, two);
  gtk_widget_set_visible (GTK_WIDGET (self->bif_hi2_entry), two);
}

/* The range of the parameter from its slider (the default), and its axis scale. */
static void
reset_range (CurrentsBifurcationView *self)
{
  double lo = 0.0, hi = 1.0;
  gboolean log_scale = FALSE;

  if (self->param != NULL && slider_range (self, self->param, &lo, &hi, &log_scale))
    {
      self->lo = lo;
      self->hi = hi;
      self->slider_log = log_scale;
    }
  else
    {
      self->lo = self->hi = NAN;
      self->slider_log = FALSE;
    }
  self->log_x = wants_log (self->lo, self->hi, self->slider_log);
  self->updating = TRUE;
  set_entry_value (self->bif_lo_entry, self->lo);
  set_entry_value (self->bif_hi_entry, self->hi);
  self->updating = FALSE;
}

static void
reset_range2 (CurrentsBifurcationView *self)
{
  double lo = 0.0, hi = 1.0;
  gboolean log_scale = FALSE;

  if (self->param2 != NULL && slider_range (self, self->param2, &lo, &hi, &log_scale))
    {
      self->lo2 = lo;
      self->hi2 = hi;
      self->slider_log2 = log_scale;
    }
  else
    {
      self->lo2 = self->hi2 = NAN;
      self->slider_log2 = FALSE;
    }
  self->log_y = wants_log (self->lo2, self->hi2, self->slider_log2);
  self->updating = TRUE;
  set_entry_value (self->bif_lo2_entry, self->lo2);
  set_entry_value (self->bif_hi2_entry, self->hi2);
  self->updating = FALSE;
}

/* A range the user typed stays for the same parameter of a new model (a better trained
 * one, say); only whether its slider is logarithmic is read again. */
static void
keep_range (CurrentsBifurcationView *self,
            gboolean                 second)
{
  const char *name = second ? self->param2 : self->param;
  double lo, hi;
  gboolean log_scale = FALSE;

  if (name != NULL && slider_range (self, name, &lo, &hi, &log_scale))
    {
      if (second)
        self->slider_log2 = log_scale;
      else
        self->slider_log = log_scale;
    }
  if (second)
    self->log_y = wants_log (self->lo2, self->hi2, self->slider_log2);
  else
    self->log_x = wants_log (self->lo, self->hi, self->slider_log);
}

/* The second parameter by default: the first one in the list other than the first. */
static void
default_param2 (CurrentsBifurcationView *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->param_names));

  if (self->param2 != NULL && g_strcmp0 (self->param2, self->param) != 0
      && find_string (self->param_names, self->param2) != GTK_INVALID_LIST_POSITION)
    return;
  g_clear_pointer (&self->param2, g_free);
  for (guint i = 0; i < n; i++)
    if (g_strcmp0 (gtk_string_list_get_string (self->param_names, i), self->param) != 0)
      {
        self->param2 = g_strdup (gtk_string_list_get_string (self->param_names, i));
        break;
      }
}

static void
select_in_dropdowns (CurrentsBifurcationView *self)
{
  guint q;

  self->updating = TRUE;
  gtk_drop_down_set_selected (self->bif_param_dropdown,
                              find_string (self->param_names, self->param));
  gtk_drop_down_set_selected (self->bif_param2_dropdown,
                              find_string (self->param_names, self->param2));
  q = self->quantity < 0 ? g_list_model_get_n_items (G_LIST_MODEL (self->quantity_names)) - 1
                         : (guint) self->quantity;
  gtk_drop_down_set_selected (self->bif_quantity_dropdown, q);
  self->updating = FALSE;
}

/* The model changed: the lists of parameters and states, the defaults. */
static void
rebuild_controls (CurrentsBifurcationView *self)
{
  CurrentsSystem *sys = get_system (self);
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  g_autoptr(GPtrArray) states = g_ptr_array_new ();
  g_autofree char *old_param2 = NULL;
  gsize n = 0;

  if (sys != NULL)
    {
      const char *const *in = currents_system_get_input_names (sys);
      const char *const *st = currents_system_get_state_names (sys);

      for (gsize j = 0; j < currents_system_get_n_inputs (sys); j++)
        g_ptr_array_add (names, (gpointer) in[j]);
      for (gsize k = 0; k < currents_system_get_n_named_params (sys); k++)
        g_ptr_array_add (names, (gpointer) currents_system_get_param_name (sys, k));
      n = currents_system_get_n_states (sys);
      for (gsize i = 0; i < n; i++)
        g_ptr_array_add (states, (gpointer) st[i]);
    }
  g_ptr_array_add (names, NULL);
  g_ptr_array_add (states, (gpointer) _("‖x‖ (norm)"));
  g_ptr_array_add (states, NULL);

  self->updating = TRUE;
  g_clear_object (&self->param_names);
  g_clear_object (&self->quantity_names);
  self->param_names = gtk_string_list_new ((const char *const *) names->pdata);
  self->quantity_names = gtk_string_list_new ((const char *const *) states->pdata);
  gtk_drop_down_set_model (self->bif_param_dropdown, G_LIST_MODEL (self->param_names));
  gtk_drop_down_set_model (self->bif_param2_dropdown, G_LIST_MODEL (self->param_names));
  gtk_drop_down_set_model (self->bif_quantity_dropdown, G_LIST_MODEL (self->quantity_names));
  self->updating = FALSE;

  /* keep the choices that still make sense */
  if (find_string (self->param_names, self->param) == GTK_INVALID_LIST_POSITION)
    {
      g_clear_pointer (&self->param, g_free);
      if (names->len > 1)
        self->param = g_strdup (names->pdata[0]);
      self->range_chosen = FALSE;
    }
  old_param2 = g_strdup (self->param2);
  default_param2 (self);
  if (g_strcmp0 (old_param2, self->param2) != 0)
    self->range2_chosen = FALSE;
  if (!self->quantity_chosen || self->quantity >= (int) n)
    {
      guint x = self->portrait != NULL ? currents_portrait_get_x_axis (self->portrait) : 0;

      self->quantity = n == 0 ? -1 : x < n ? (int) x : 0;
      self->quantity_chosen = FALSE;
    }
  select_in_dropdowns (self);
  if (self->range_chosen)
    keep_range (self, FALSE);
  else
    reset_range (self);
  if (self->range2_chosen)
    keep_range (self, TRUE);
  else
    reset_range2 (self);
  collect_levels (self);
}

/* ------------------------------------------------------------------------------------ */
/* Computation                                                                            */

/* Everything the outcome depends on. */
static char *
make_key (CurrentsBifurcationView *self)
{
  CurrentsSystem *sys = get_system (self);
  GString *key = g_string_new (NULL);
  const double *p = currents_system_get_params (sys), *u = currents_system_get_inputs (sys);

  g_string_append_printf (key, "%u|%p|%d|%s|%s|%.17g|%.17g|%d", self->generation, (void *) sys,
                          self->two, self->param, self->two ? self->param2 : "", self->lo,
                          self->hi, self->log_x);
  if (self->two)
    g_string_append_printf (key, "|%.17g|%.17g|%d", self->lo2, self->hi2, self->log_y);
  else
    g_string_append_printf (key, "|periodic=%d", self->periodic);
  if (self->start_param != NULL && g_strcmp0 (self->start_param, self->param) == 0)
    g_string_append_printf (key, "|start=%.17g", self->start);
  for (gsize j = 0; j < currents_system_get_n_inputs (sys); j++)
    {
      const char *name = currents_system_get_input_names (sys)[j];

      if (g_strcmp0 (name, self->param) != 0 && !(self->two && g_strcmp0 (name, self->param2) == 0))
        g_string_append_printf (key, "|%.17g", u[j]);
    }
  for (gsize k = 0; k < currents_system_get_n_named_params (sys); k++)
    {
      const char *name = currents_system_get_param_name (sys, k);

      if (g_strcmp0 (name, self->param) != 0 && !(self->two && g_strcmp0 (name, self->param2) == 0))
        g_string_append_printf (key, "|%.17g", p[k]);
    }
  return g_string_free (key, FALSE);
}

/* Where the starting equilibria are looked for: the parameter's value when the model
 * came (its window was made for it), not the slider's, so that the diagram does not
 * depend on where the marker is. */
static double
nominal_value (CurrentsBifurcationView *self,
               const char              *name)
{
  CurrentsSystem *sys = get_system (self);
  int i;

  if (self->nominal_u != NULL && (i = currents_system_find_input (sys, name)) >= 0)
    return self->nominal_u[i];
  if (self->nominal_p != NULL && (i = currents_system_find_param (sys, name)) >= 0)
    return self->nominal_p[i];
  return self->lo;
}

/* Where the continuation looks for its starting equilibria. */
static double
start_value (CurrentsBifurcationView *self)
{
  double v = self->start_param != NULL && g_strcmp0 (self->start_param, self->param) == 0
             ? self->start : nominal_value (self, self->param);

  return CLAMP (v, self->lo, self->hi);
}

static void
cancel_running (CurrentsBifurcationView *self)
{
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  g_clear_pointer (&self->running_key, g_free);
  update_busy (self);
}

static void
show_outcome (CurrentsBifurcationView *self,
              Outcome                 *outcome,
              const char              *key)
{
  if (self->outcome != outcome)
    {
      g_clear_pointer (&self->outcome, outcome_unref);
      self->outcome = g_rc_box_acquire (outcome);
    }
  g_free (self->shown_key);
  self->shown_key = g_strdup (key);
  rebuild_diagram (self);
}

static gboolean
is_cancellation (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
         || g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
}

static void
job_done (GObject      *source,
          GAsyncResult *result,
          gpointer      user_data)
{
  CurrentsBifurcationView *self = CURRENTS_BIFURCATION_VIEW (source);
  GTask *task = G_TASK (result);
  Job *job = g_task_get_task_data (task);
  g_autoptr(GError) error = NULL;
  Outcome *outcome = g_task_propagate_pointer (task, &error);
  gboolean current = self->cancellable == g_task_get_cancellable (task);

  if (current)
    {
      g_clear_object (&self->cancellable);
      g_clear_pointer (&self->running_key, g_free);
      update_busy (self);
    }
  if (outcome == NULL && (error == NULL || is_cancellation (error)))
    return;
  if (outcome == NULL)
    {
      outcome = outcome_new ();
      outcome->error = g_strdup (error->message);
    }
  /* a result for what was on screen when it started is worth keeping */
  if (job->generation == self->generation && self->cache != NULL)
    {
      if (g_hash_table_size (self->cache) >= CACHE_MAX)
        g_hash_table_remove_all (self->cache);
      g_hash_table_replace (self->cache, g_strdup (job->key), g_rc_box_acquire (outcome));
    }
  if (current && job->generation == self->generation)
    {
      g_autofree char *key = get_system (self) != NULL ? make_key (self) : NULL;

      if (g_strcmp0 (key, job->key) == 0)
        show_outcome (self, outcome, key);
      else
        request_compute (self, 0);
    }
  outcome_unref (outcome);
}

/* The curves in the plane start from the folds and Hopf points of a one-parameter run at
 * the system's value of the second parameter: take its value when the model came, as for
 * the first, so that the curves found do not depend on where the cross-hair is. The
 * continuation copies the parameters, so the system's value is put back at once (all on
 * the main thread, which alone uses the system). */
static CurrentsContinuation *
new_two_at_nominal (CurrentsBifurcationView           *self,
                    CurrentsSystem                    *sys,
                    const CurrentsContinuationOptions *o,
                    GError                           **error)
{
  double start = CLAMP (nominal_value (self, self->param2), self->lo2, self->hi2);
  int j = currents_system_find_input (sys, self->param2);
  int k = currents_system_find_param (sys, self->param2);
  double *slot = j >= 0 ? &currents_system_get_inputs (sys)[j]
                 : k >= 0 ? &currents_system_get_params (sys)[k] : NULL;
  double saved = slot != NULL ? *slot : NAN;
  CurrentsContinuation *cont;

  if (slot != NULL)
    *slot = start;
  cont = currents_continuation_new_two (sys, self->param, self->param2, o, TRUE, TRUE, error);
  if (slot != NULL)
    *slot = saved;
  return cont;
}

/* With an ensemble shown, one parameter: its tipping points across the members, with
 * the options of the view's own run. */
static void
ensemble_request (CurrentsBifurcationView *self,
                  CurrentsSystem          *sys,
                  const char              *key)
{
  const CurrentsEnsemble *ens = self->portrait != NULL
                                ? currents_portrait_get_shown_ensemble (self->portrait) : NULL;
  gsize n = currents_system_get_n_states (sys);
  g_autofree double *box_lo = NULL, *box_hi = NULL;
  CurrentsContinuationOptions o;

  if (ens == NULL || self->two)
    return;
  box_lo = g_new (double, MAX (n, 1));
  box_hi = g_new (double, MAX (n, 1));
  currents_continuation_default_box (sys, box_lo, box_hi);
  currents_continuation_options_init (&o);
  o.lo = self->lo;
  o.hi = self->hi;
  o.log_scale = self->log_x;
  o.box_lo = box_lo;
  o.box_hi = box_hi;
  o.t = currents_system_get_t0 (sys);
  o.start = start_value (self);
  _currents_bifurcation_ensemble_request (self->ensemble, ens, sys, self->param, &o, key);
  update_busy (self);
}

static void
ensemble_done_cb (gpointer data)
{
  CurrentsBifurcationView *self = data;

  update_busy (self);
  if (self->outcome != NULL && self->shown_key != NULL)
    rebuild_diagram (self);
}

/* The ensemble's intervals in the diagram and its sentences in @summary, when its run
 * was for what is shown. */
static void
ensemble_add (CurrentsBifurcationView *self,
              GString                 *summary)
{
  const char *error = NULL, *failure = NULL;
  gsize n_members = 0, n_failed = 0;
  GPtrArray *tps = _currents_bifurcation_ensemble_get (self->ensemble, self->shown_key,
                                                       &n_members, &n_failed, &failure,
                                                       &error);

  if (tps == NULL && error == NULL)
    return;
  if (tps == NULL)
    {
      g_string_append_printf (summary, _("Across the ensemble: %s "), error);
      return;
    }
  self->tipping_points = g_ptr_array_ref (tps);
  if (tps->len == 0)
    g_string_append_printf (summary, _("No tipping points in any of the %u members. "),
                            (guint) n_members);
  /* the engine's own sentences, as the command line prints them */
  for (guint i = 0; i < tps->len; i++)
    {
      const CurrentsTippingPoint *tp = g_ptr_array_index (tps, i);
      g_autofree char *sentence = currents_tipping_point_describe (tp, self->param);

      currents_plot_diagram_add_interval (self->diagram, tp->lo, tp->hi, tp->param, tp->params,
                                          tp->found_in);
      if (i == 0)
        g_string_append_printf (summary, ngettext ("Across the ensemble of %u model: ",
                                                   "Across the ensemble of %u models: ",
                                                   (guint) n_members), (guint) n_members);
      g_string_append (summary, sentence);
      g_string_append (summary, i + 1 < tps->len ? "; " : ". ");
    }
  if (n_failed > 0)
    g_string_append_printf (summary, _("Left out %u of %u members whose continuation failed "
                                       "(first: %s). "),
                            (guint) n_failed, (guint) n_members, failure != NULL ? failure : "?");
}

/* Starts (or takes from the cache) the computation for what the controls say. */
static void
compute_now (CurrentsBifurcationView *self)
{
  CurrentsSystem *sys = get_system (self);
  g_autofree char *key = NULL;
  g_autofree double *box_lo = NULL, *box_hi = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsContinuationOptions o;
  CurrentsContinuation *cont;
  Outcome *cached;
  GTask *task;
  Job *job;
  gsize n;
  int k, j;

  self->dirty = FALSE;
  if (sys == NULL)
    {
      cancel_running (self);
      clear_shown (self);
      set_summary (self, _("Open a model to see how its equilibria change with a parameter."),
                   FALSE);
      return;
    }
  if (self->param == NULL || (self->two && self->param2 == NULL))
    {
      cancel_running (self);
      clear_shown (self);
      show_error (self, self->param == NULL
                        ? _("The model has no parameter or input to vary.")
                        : _("The model has only one parameter or input: two are needed for "
                            "the plane of two parameters."));
      return;
    }
  if (!(self->lo < self->hi) || (self->two && !(self->lo2 < self->hi2)))
    {
      cancel_running (self);
      clear_shown (self);
      show_error (self, _("The range is empty: the first value must be below the second."));
      return;
    }

  key = make_key (self);
  ensemble_request (self, sys, key);
  if (g_strcmp0 (key, self->running_key) == 0)
    return;
  if (g_strcmp0 (key, self->shown_key) == 0)
    {
      cancel_running (self);
      return;
    }
  if ((cached = g_hash_table_lookup (self->cache, key)) != NULL)
    {
      cancel_running (self);
      show_outcome (self, cached, key);
      return;
    }
  cancel_running (self);

  n = currents_system_get_n_states (sys);
  box_lo = g_new (double, MAX (n, 1));
  box_hi = g_new (double, MAX (n, 1));
  currents_continuation_default_box (sys, box_lo, box_hi);
  currents_continuation_options_init (&o);
  o.lo = self->lo;
  o.hi = self->hi;
  o.log_scale = self->log_x;
  o.box_lo = box_lo;
  o.box_hi = box_hi;
  o.t = currents_system_get_t0 (sys);
  o.start = start_value (self);
  if (self->two)
    {
      o.lo2 = self->lo2;
      o.hi2 = self->hi2;
      o.log_scale2 = self->log_y;
      cont = new_two_at_nominal (self, sys, &o, &error);
    }
  else
    cont = currents_continuation_new (sys, self->param, &o, &error);
  if (cont == NULL)
    {
      clear_shown (self);
      show_error (self, error->message);
      return;
    }

  job = g_new0 (Job, 1);
  job->cont = cont;
  job->two = self->two;
  job->periodic = self->periodic && !self->two;
  job->lo = self->lo;
  job->hi = self->hi;
  job->generation = self->generation;
  job->key = g_strdup (key);
  if (job->periodic)
    {
      gsize np = currents_system_get_n_params (sys), nu = currents_system_get_n_inputs (sys);

      k = currents_system_find_param (sys, self->param);
      j = currents_system_find_input (sys, self->param);
      job->field = currents_field_ref (currents_system_get_field (sys));
      job->p = g_memdup2 (currents_system_get_params (sys), MAX (np, 1) * sizeof (double));
      job->u = g_memdup2 (currents_system_get_inputs (sys), MAX (nu, 1) * sizeof (double));
      job->is_input = j >= 0;
      job->param_index = (gsize) (j >= 0 ? j : MAX (k, 0));
    }

  self->cancellable = g_cancellable_new ();
  self->running_key = g_steal_pointer (&key);
  task = g_task_new (self, self->cancellable, job_done, NULL);
  g_task_set_source_tag (task, compute_now);
  g_task_set_task_data (task, job, job_free);
  g_task_run_in_thread (task, job_run);
  g_object_unref (task);
  update_busy (self);
  if (self->outcome == NULL)
    set_summary (self, _("Following the equilibria…"), FALSE);
}

static gboolean
debounce_cb (gpointer data)
{
  CurrentsBifurcationView *self = data;

  self->debounce_source = 0;
  compute_now (self);
  return G_SOURCE_REMOVE;
}

/* Computes after @delay_ms, or when the view is next shown. */
static void
request_compute (CurrentsBifurcationView *self,
                 guint                    delay_ms)
{
  self->dirty = TRUE;
  g_clear_handle_id (&self->debounce_source, g_source_remove);
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    return;
  if (delay_ms == 0)
    self->debounce_source = g_idle_add (debounce_cb, self);
  else
    self->debounce_source = g_timeout_add (delay_ms, debounce_cb, self);
}

/* ------------------------------------------------------------------------------------ */
/* The diagram                                                                            */

static double
quantity_of (const double *x,
             gsize         n,
             int           q)
{
  double s = 0.0;

  if (q >= 0)
    return x[q];
  for (gsize i = 0; i < n; i++)
    s += x[i] * x[i];
  return sqrt (s);
}

static const char *
quantity_label (CurrentsBifurcationView *self)
{
  CurrentsSystem *sys = get_system (self);

  if (sys == NULL || self->quantity < 0)
    return _("‖x‖");
  return currents_system_get_state_names (sys)[self->quantity];
}

/* The stable equilibria at @x along the branches: how many, and their quantities. */
static guint
stable_at (CurrentsBifurcationView *self,
           double                   x,
           GArray                  *values)
{
  const CurrentsContinuationResult *res = currents_continuation_get_result (self->outcome->cont);
  guint count = 0;

  for (guint b = 0; b < res->branches->len; b++)
    {
      const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, b);

      for (gsize k = 0; k + 1 < br->n_points; k++)
        {
          double p0 = br->param[k], p1 = br->param[k + 1], t, q0, q1, v;

          /* half-open, so that a point shared by two segments counts once */
          if (!((p0 <= x && x < p1) || (p1 <= x && x < p0)
                || (k + 2 == br->n_points && x == p1)))
            continue;
          if (!br->stable[k] || !br->stable[k + 1])
            continue;
          t = p1 != p0 ? (x - p0) / (p1 - p0) : 0.0;
          q0 = quantity_of (br->state + k * br->n, br->n, self->quantity);
          q1 = quantity_of (br->state + (k + 1) * br->n, br->n, self->quantity);
          v = q0 + t * (q1 - q0);
          g_array_append_val (values, v);
          count++;
        }
    }
  g_array_sort (values, compare_doubles);
  return count;
}

static gboolean
inside_polygon (GArray *xy,
                double  x,
                double  y)
{
  const double *p = (const double *) xy->data;
  guint n = xy->len / 2;
  gboolean inside = FALSE;

  for (guint i = 0, j = n - 1; n >= 3 && i < n; j = i++)
    if ((p[2 * i + 1] > y) != (p[2 * j + 1] > y)
        && x < (p[2 * j] - p[2 * i]) * (y - p[2 * i + 1]) / (p[2 * j + 1] - p[2 * i + 1])
               + p[2 * i])
      inside = !inside;
  return inside;
}

/* A sentence about where the marker is: the stable states there, or whether the
 * cross-hair lies in a bistable wedge. */
static char *
describe_marker (CurrentsBifurcationView *self,
                 double                   x,
                 double                   y)
{
  if (!isfinite (x) || x < self->lo || x > self->hi)
    return NULL;
  if (self->outcome->two)
    {
      gboolean inside = FALSE;

      if (self->regions->len == 0 || !isfinite (y))
        return NULL;
      for (guint r = 0; r < self->regions->len && !inside; r++)
        inside = inside_polygon (g_ptr_array_index (self->regions, r), x, y);
      return g_strdup_printf (inside ? _("At %s = %.4g, %s = %.4g (the cross-hair) the model "
                                         "is bistable.")
                                     : _("At %s = %.4g, %s = %.4g (the cross-hair) the model "
                                         "is outside the bistable wedge."),
                              self->shown_param, x, self->shown_param2, y);
    }
  else
    {
      g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GString) text = g_string_new (NULL);
      guint n = stable_at (self, x, values);

      if (n == 0)
        g_string_append_printf (text, _("At %s = %.4g (the marker): no stable equilibrium"),
                                self->shown_param, x);
      else if (n == 1)
        g_string_append_printf (text, _("At %s = %.4g (the marker): one stable state,"),
                                self->shown_param, x);
      else
        g_string_append_printf (text, _("At %s = %.4g (the marker): %u stable states,"),
                                self->shown_param, x, n);
      for (guint i = 0; i < values->len; i++)
        g_string_append_printf (text, "%s%s = %.3g", i == 0 ? " " : _(" or "),
                                quantity_label (self), g_array_index (values, double, i));
      g_string_append (text, n >= 2 ? _("; which one the system is in depends on its history.")
                                    : ".");
      return g_string_free (g_steal_pointer (&text), FALSE);
    }
}

static void
update_marker (CurrentsBifurcationView *self)
{
  double x = NAN, y = NAN;

  if (self->outcome == NULL || self->outcome->error != NULL || self->shown_param == NULL)
    currents_plot_diagram_set_marker (self->diagram, NAN, NAN);
  else
    {
      g_autofree char *here = NULL;

      if (!param_value (self, self->shown_param, &x))
        x = NAN;
      if (self->outcome->two && !param_value (self, self->shown_param2, &y))
        y = NAN;
      currents_plot_diagram_set_marker (self->diagram, x, y);
      here = describe_marker (self, x, y);
      if (self->summary_base != NULL)
        {
          g_autofree char *text = here == NULL ? g_strdup (self->summary_base)
                                  : *self->summary_base == '\0' ? g_strdup (here)
                                  : g_strconcat (self->summary_base, " ", here, NULL);

          set_summary (self, text, FALSE);
        }
    }
  gtk_widget_queue_draw (GTK_WIDGET (self->bif_canvas));
}

static gboolean
outside_levels (CurrentsBifurcationView *self,
                double                   v)
{
  double span;

  if (self->n_levels < 2)
    return FALSE;
  span = self->levels[self->n_levels - 1] - self->levels[0];
  return v < self->levels[0] - 1e-9 * span || v > self->levels[self->n_levels - 1] + 1e-9 * span;
}

static void
widen (double *lo,
       double *hi,
       double  v)
{
  if (isfinite (v))
    {
      *lo = MIN (*lo, v);
      *hi = MAX (*hi, v);
    }
}

static CurrentsPlotSpecialKind
special_kind (CurrentsBifurcationKind kind)
{
  switch (kind)
    {
    case CURRENTS_BIFURCATION_FOLD:
      return CURRENTS_PLOT_SPECIAL_FOLD;
    case CURRENTS_BIFURCATION_HOPF:
      return CURRENTS_PLOT_SPECIAL_HOPF;
    case CURRENTS_BIFURCATION_BRANCH_POINT:
      return CURRENTS_PLOT_SPECIAL_BRANCH_POINT;
    case CURRENTS_BIFURCATION_CUSP:
      return CURRENTS_PLOT_SPECIAL_CUSP;
    case CURRENTS_BIFURCATION_BOGDANOV_TAKENS:
    default:
      return CURRENTS_PLOT_SPECIAL_BOGDANOV_TAKENS;
    }
}

static const char *
special_abbrev (CurrentsBifurcationKind kind)
{
  switch (kind)
    {
    case CURRENTS_BIFURCATION_FOLD:
      return "LP";
    case CURRENTS_BIFURCATION_HOPF:
      return "H";
    case CURRENTS_BIFURCATION_BRANCH_POINT:
      return "BP";
    case CURRENTS_BIFURCATION_CUSP:
      return "CP";
    case CURRENTS_BIFURCATION_BOGDANOV_TAKENS:
    default:
      return "BT";
    }
}

/* "0.123, 0.456 and 0.789" */
static void
append_values (GString *s,
               GArray  *values)
{
  for (guint i = 0; i < values->len; i++)
    {
      if (i > 0)
        g_string_append (s, i + 1 == values->len ? _(" and ") : ", ");
      g_string_append_printf (s, "%.4g", g_array_index (values, double, i));
    }
}

static void
build_one (CurrentsBifurcationView *self,
           GString                 *summary)
{
  const CurrentsContinuationResult *res = currents_continuation_get_result (self->outcome->cont);
  CurrentsSystem *sys = get_system (self);
  const char *name = self->param;
  int q = self->quantity;
  double ylo = INFINITY, yhi = -INFINITY;
  g_autoptr(GPtrArray) ranges = NULL;
  g_autoptr(GPtrArray) hopf = NULL;
  g_autoptr(GPtrArray) bps = NULL;
  g_autoptr(GArray) values = g_array_new (FALSE, FALSE, sizeof (double));
  g_autofree char *words = NULL;
  gboolean extrapolating = FALSE;

  for (guint b = 0; b < res->branches->len; b++)
    {
      const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, b);
      g_autofree double *y = g_new (double, MAX (br->n_points, 1));
      g_autofree gboolean *ext = g_new (gboolean, MAX (br->n_points, 1));

      for (gsize k = 0; k < br->n_points; k++)
        {
          y[k] = quantity_of (br->state + k * br->n, br->n, q);
          ext[k] = outside_levels (self, br->param[k]);
          extrapolating |= ext[k];
          if (br->param[k] >= self->lo && br->param[k] <= self->hi)
            widen (&ylo, &yhi, y[k]);
        }
      currents_plot_diagram_add_branch (self->diagram, CURRENTS_PLOT_BRANCH_EQUILIBRIA,
                                        br->param, y, br->stable,
                                        self->n_levels >= 2 ? ext : NULL, br->n_points, 0);
    }

  for (guint i = 0; i < res->special->len; i++)
    {
      const CurrentsBifurcation *s = g_ptr_array_index (res->special, i);
      double y = quantity_of (s->state, s->n, q);
      g_autofree char *label = g_strdup_printf ("%s  %s = %.4g", special_abbrev (s->kind), name,
                                                s->param);

      currents_plot_diagram_add_special (self->diagram, special_kind (s->kind), s->param, y,
                                         label);
      g_ptr_array_add (self->special_states, s->state);
      if (s->kind == CURRENTS_BIFURCATION_FOLD)
        g_array_append_val (self->folds, s->param);
    }

  /* periodic orbits: their max and min of the quantity (a state's; the norm has none) */
  if (self->outcome->orbits != NULL && q >= 0)
    for (guint h = 0; h < self->outcome->orbits->len; h++)
      {
        GPtrArray *orbits = g_ptr_array_index (self->outcome->orbits, h);
        g_autofree double *x = NULL, *ymax = NULL, *ymin = NULL;
        g_autofree gboolean *stable = NULL;

        if (orbits == NULL || orbits->len == 0)
          continue;
        x = g_new (double, orbits->len);
        ymax = g_new (double, orbits->len);
        ymin = g_new (double, orbits->len);
        stable = g_new (gboolean, orbits->len);
        for (guint k = 0; k < orbits->len; k++)
          {
            const CurrentsPeriodicOrbit *orb = g_ptr_array_index (orbits, k);

            x[k] = orb->param;
            ymax[k] = orb->max[q];
            ymin[k] = orb->min[q];
            stable[k] = orb->stable;
            if (x[k] >= self->lo && x[k] <= self->hi)
              {
                widen (&ylo, &yhi, ymax[k]);
                widen (&ylo, &yhi, ymin[k]);
              }
          }
        currents_plot_diagram_add_branch (self->diagram, CURRENTS_PLOT_BRANCH_PERIODIC_MAX, x,
                                          ymax, stable, NULL, orbits->len, 1);
        currents_plot_diagram_add_branch (self->diagram, CURRENTS_PLOT_BRANCH_PERIODIC_MIN, x,
                                          ymin, stable, NULL, orbits->len, 1);
      }

  /* the tipping points in words, the bistable ranges shaded, the loop's jumps */
  ranges = currents_hysteresis_find (res, q);
  for (guint i = 0; ranges != NULL && i < ranges->len; i++)
    {
      const CurrentsBistableRange *r = g_ptr_array_index (ranges, i);

      currents_plot_diagram_add_band (self->diagram, r->lo, r->hi, _("bistable"));
      if (isfinite (r->up) && isfinite (r->up_from) && isfinite (r->up_to))
        currents_plot_diagram_add_jump (self->diagram, r->up, r->up_from, r->up_to);
      if (isfinite (r->down) && isfinite (r->down_from) && isfinite (r->down_to))
        currents_plot_diagram_add_jump (self->diagram, r->down, r->down_from, r->down_to);
    }
  words = ranges != NULL ? currents_hysteresis_describe (ranges, name) : NULL;
  if (res->branches->len == 0)
    {
      g_string_append_printf (summary, _("No equilibria were found at %s = %.4g (in the box "
                                         "the phase portrait shows). "),
                              name, currents_continuation_get_start (self->outcome->cont));
    }
  else if (words != NULL && *words != '\0')
    {
      /* a sentence of its own */
      gunichar first = g_utf8_get_char (words);
      char buf[8];

      g_string_append_len (summary, buf, g_unichar_to_utf8 (g_unichar_toupper (first), buf));
      g_string_append (summary, g_utf8_next_char (words));
      g_string_append (summary, ". ");
    }

  if (self->folds->len > 0)
    {
      g_autoptr(GArray) sorted = g_array_copy (self->folds);

      g_array_sort (sorted, compare_doubles);
      g_string_append_printf (summary,
                              g_dngettext (GETTEXT_PACKAGE, "Tipping point (fold) at %s = ",
                                           "Tipping points (folds) at %s = ", self->folds->len),
                              name);
      append_values (summary, sorted);
      g_string_append (summary, ". ");
    }
  else if (res->branches->len > 0)
    g_string_append_printf (summary, _("No tipping points (folds) for %.4g ≤ %s ≤ %.4g. "),
                            self->lo, name, self->hi);

  hopf = currents_continuation_result_get_special (res, CURRENTS_BIFURCATION_HOPF);
  for (guint i = 0; i < hopf->len; i++)
    {
      const CurrentsBifurcation *s = g_ptr_array_index (hopf, i);

      g_string_append_printf (summary, _("Hopf point at %s = %.4g (ω = %.3g, period %.3g"),
                              name, s->param, s->frequency, 2 * G_PI / s->frequency);
      if (isfinite (s->lyapunov))
        g_string_append_printf (summary, "; %s",
                                s->lyapunov < 0 ? _("supercritical: small stable oscillations")
                                : s->lyapunov > 0 ? _("subcritical: oscillations appear abruptly")
                                : _("degenerate"));
      g_string_append (summary, "). ");
    }
  bps = currents_continuation_result_get_special (res, CURRENTS_BIFURCATION_BRANCH_POINT);
  for (guint i = 0; i < bps->len; i++)
    g_array_append_val (values, ((CurrentsBifurcation *) g_ptr_array_index (bps, i))->param);
  if (values->len > 0)
    {
      g_string_append_printf (summary, _("Branch points at %s = "), name);
      append_values (summary, values);
      g_string_append (summary, ". ");
    }
  for (guint h = 0; self->outcome->orbits != NULL && h < self->outcome->orbits->len; h++)
    {
      GPtrArray *orbits = g_ptr_array_index (self->outcome->orbits, h);
      const CurrentsPeriodicOrbit *first, *last;

      if (orbits == NULL || orbits->len == 0 || h >= hopf->len)
        continue;
      first = g_ptr_array_index (orbits, 0);
      last = g_ptr_array_index (orbits, orbits->len - 1);
      g_string_append_printf (summary, _("Periodic orbits from the Hopf point at %s = %.4g: "
                                         "%s %.4g → %.4g, period %.3g → %.3g. "),
                              name, ((CurrentsBifurcation *) g_ptr_array_index (hopf, h))->param,
                              name, first->param, last->param, first->period, last->period);
    }
  if (self->outcome->orbits != NULL && q < 0 && hopf->len > 0)
    g_string_append (summary, _("Choose a state to see the periodic orbits' amplitude. "));
  for (guint i = 0; self->outcome->periodic_errors != NULL
                    && i < self->outcome->periodic_errors->len; i++)
    {
      g_string_append (summary, g_ptr_array_index (self->outcome->periodic_errors, i));
      g_string_append (summary, " ");
    }
  if (res->truncated)
    g_string_append (summary, _("Only the first branches are shown. "));
  if (extrapolating && sys != NULL && currents_system_get_trained (sys) != NULL)
    g_string_append_printf (summary, _("The data were recorded for %.4g ≤ %s ≤ %.4g (ticks); "
                                       "beyond, the trained model extrapolates (hatched). "),
                            self->levels[0], name, self->levels[self->n_levels - 1]);
  else if (extrapolating)
    g_string_append_printf (summary, _("The data were recorded for %.4g ≤ %s ≤ %.4g (ticks); "
                                       "beyond, nothing in them tests the model (hatched). "),
                            self->levels[0], name, self->levels[self->n_levels - 1]);
  if (sys != NULL && !currents_field_is_autonomous (currents_system_get_field (sys)))
    g_string_append_printf (summary, _("The model depends on time: t is held at %.4g. "),
                            currents_system_get_t0 (sys));

  currents_plot_diagram_set_levels (self->diagram, self->levels, self->n_levels);
  currents_plot_diagram_set_labels (self->diagram, name, quantity_label (self));
  currents_plot_diagram_set_log (self->diagram, self->log_x, FALSE);
  if (!(ylo <= yhi))
    {
      ylo = 0.0;
      yhi = 1.0;
    }
  currents_plot_pad_range (&ylo, &yhi, 0.06);
  currents_plot_diagram_set_window (self->diagram, self->lo, self->hi, ylo, yhi);
}

/* Which end of [lo, hi] @v lies on: -1, +1, or 0 for neither. */
static int
edge (double v,
      double lo,
      double hi,
      double span)
{
  if (fabs (v - lo) <= 1e-6 * span)
    return -1;
  if (fabs (v - hi) <= 1e-6 * span)
    return 1;
  return 0;
}

/* The region between the two arms of the fold curve that meet at @cusp: the curve's
 * points (with a second curve ending at the cusp, when the continuation stopped there),
 * closed. */
static void
add_cusp_region (CurrentsBifurcationView          *self,
                 const CurrentsContinuationResult *res,
                 const CurrentsBifurcation        *cusp)
{
  const CurrentsContinuationBranch *br;
  g_autoptr(GArray) xs = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) ys = g_array_new (FALSE, FALSE, sizeof (double));
  double sx = MAX (self->hi - self->lo, 1e-300), sy = MAX (self->hi2 - self->lo2, 1e-300);

  if (cusp->branch >= res->branches->len)
    return;
  br = g_ptr_array_index (res->branches, cusp->branch);
  for (gsize k = 0; k < br->n_points; k++)
    {
      g_array_append_val (xs, br->param[k]);
      g_array_append_val (ys, br->param2[k]);
    }
  /* the cusp at one end of its curve: the other arm is another fold curve ending there */
  if (cusp->point == 0 || cusp->point + 1 == br->n_points)
    for (guint b = 0; b < res->branches->len; b++)
      {
        const CurrentsContinuationBranch *other = g_ptr_array_index (res->branches, b);
        gsize last;

        if (b == cusp->branch || other->kind != CURRENTS_CURVE_FOLDS || other->n_points < 2)
          continue;
        last = other->n_points - 1;
        if (fabs (other->param[0] - cusp->param) < 1e-3 * sx
            && fabs (other->param2[0] - cusp->param2) < 1e-3 * sy)
          for (gsize k = 0; k <= last; k++)
            {
              g_array_prepend_val (xs, other->param[k]);
              g_array_prepend_val (ys, other->param2[k]);
            }
        else if (fabs (other->param[last] - cusp->param) < 1e-3 * sx
                 && fabs (other->param2[last] - cusp->param2) < 1e-3 * sy)
          for (gsize k = 0; k <= last; k++)
            {
              g_array_append_val (xs, other->param[last - k]);
              g_array_append_val (ys, other->param2[last - k]);
            }
        else
          continue;
        break;
      }
  /* both arms leave the window on adjacent sides: close the wedge through the corner
   * between them, not across it */
  if (xs->len >= 2)
    {
      double x0 = g_array_index (xs, double, 0), y0 = g_array_index (ys, double, 0);
      double x1 = g_array_index (xs, double, xs->len - 1);
      double y1 = g_array_index (ys, double, ys->len - 1);
      int e0x = edge (x0, self->lo, self->hi, sx), e0y = edge (y0, self->lo2, self->hi2, sy);
      int e1x = edge (x1, self->lo, self->hi, sx), e1y = edge (y1, self->lo2, self->hi2, sy);
      double cx = NAN, cy = NAN;

      if (e0x != 0 && e1y != 0 && e0y == 0 && e1x == 0)
        {
          cx = e0x < 0 ? self->lo : self->hi;
          cy = e1y < 0 ? self->lo2 : self->hi2;
        }
      else if (e0y != 0 && e1x != 0 && e0x == 0 && e1y == 0)
        {
          cx = e1x < 0 ? self->lo : self->hi;
          cy = e0y < 0 ? self->lo2 : self->hi2;
        }
      if (isfinite (cx))
        {
          g_array_append_val (xs, cx);
          g_array_append_val (ys, cy);
        }
    }
  if (xs->len >= 3)
    {
      GArray *xy = g_array_sized_new (FALSE, FALSE, sizeof (double), 2 * xs->len);

      currents_plot_diagram_add_region (self->diagram, (const double *) xs->data,
                                        (const double *) ys->data, xs->len, _("bistable"));
      for (guint k = 0; k < xs->len; k++)
        {
          g_array_append_val (xy, g_array_index (xs, double, k));
          g_array_append_val (xy, g_array_index (ys, double, k));
        }
      g_ptr_array_add (self->regions, xy);
    }
}

static void
build_two (CurrentsBifurcationView *self,
           GString                 *summary)
{
  const CurrentsContinuationResult *res = currents_continuation_get_result (self->outcome->cont);
  guint n_fold = 0, n_hopf = 0;
  double v2 = NAN;

  for (guint b = 0; b < res->branches->len; b++)
    {
      const CurrentsContinuationBranch *br = g_ptr_array_index (res->branches, b);
      gboolean fold = br->kind == CURRENTS_CURVE_FOLDS;

      if (br->param2 == NULL)
        continue;
      currents_plot_diagram_add_branch (self->diagram,
                                        fold ? CURRENTS_PLOT_BRANCH_FOLD_CURVE
                                             : CURRENTS_PLOT_BRANCH_HOPF_CURVE,
                                        br->param, br->param2, NULL, NULL, br->n_points,
                                        fold ? 0 : 1);
      if (fold)
        n_fold++;
      else
        n_hopf++;
    }
  for (guint i = 0; i < res->special->len; i++)
    {
      const CurrentsBifurcation *s = g_ptr_array_index (res->special, i);
      g_autofree char *label = NULL;

      if (s->kind != CURRENTS_BIFURCATION_CUSP && s->kind != CURRENTS_BIFURCATION_BOGDANOV_TAKENS)
        continue;
      label = g_strdup_printf ("%s  (%.4g, %.4g)", special_abbrev (s->kind), s->param, s->param2);
      currents_plot_diagram_add_special (self->diagram, special_kind (s->kind), s->param,
                                         s->param2, label);
      g_ptr_array_add (self->special_states, s->state);
      if (s->kind == CURRENTS_BIFURCATION_CUSP)
        add_cusp_region (self, res, s);
    }

  param_value (self, self->param2, &v2);
  if (n_fold + n_hopf == 0)
    g_string_append_printf (summary, _("No folds or Hopf points for %.4g ≤ %s ≤ %.4g at "
                                       "%s = %.4g, so no curves to follow. "),
                            self->lo, self->param, self->hi, self->param2, v2);
  else
    {
      if (n_fold > 0)
        g_string_append_printf (summary,
                                g_dngettext (GETTEXT_PACKAGE,
                                             "%u curve of folds (tipping points): across it "
                                             "two equilibria meet and vanish. ",
                                             "%u curves of folds (tipping points): across "
                                             "each, two equilibria meet and vanish. ", n_fold),
                                n_fold);
      if (n_hopf > 0)
        g_string_append_printf (summary,
                                g_dngettext (GETTEXT_PACKAGE,
                                             "%u curve of Hopf points: across it an "
                                             "equilibrium starts or stops oscillating. ",
                                             "%u curves of Hopf points: across each, an "
                                             "equilibrium starts or stops oscillating. ", n_hopf),
                                n_hopf);
    }
  for (guint i = 0; i < res->special->len; i++)
    {
      const CurrentsBifurcation *s = g_ptr_array_index (res->special, i);

      if (s->kind == CURRENTS_BIFURCATION_CUSP)
        g_string_append_printf (summary, _("Cusp at %s = %.4g, %s = %.4g: inside the shaded "
                                           "wedge the model is bistable. "),
                                self->param, s->param, self->param2, s->param2);
      else if (s->kind == CURRENTS_BIFURCATION_BOGDANOV_TAKENS)
        g_string_append_printf (summary, _("Bogdanov–Takens point at %s = %.4g, %s = %.4g. "),
                                self->param, s->param, self->param2, s->param2);
    }
  if (res->truncated)
    g_string_append (summary, _("Only the first curves are shown. "));

  currents_plot_diagram_set_labels (self->diagram, self->param, self->param2);
  currents_plot_diagram_set_log (self->diagram, self->log_x, self->log_y);
  currents_plot_diagram_set_window (self->diagram, self->lo, self->hi, self->lo2, self->hi2);
}

/* Turns the shown outcome into the diagram and the words under it. */
static void
rebuild_diagram (CurrentsBifurcationView *self)
{
  g_autoptr(GString) summary = g_string_new (NULL);

  currents_plot_diagram_clear (self->diagram);
  g_array_set_size (self->folds, 0);
  g_ptr_array_set_size (self->special_states, 0);
  g_ptr_array_set_size (self->regions, 0);
  g_clear_pointer (&self->error, g_free);
  g_clear_pointer (&self->summary_base, g_free);
  g_clear_pointer (&self->tipping_points, g_ptr_array_unref);
  g_free (self->shown_param);
  g_free (self->shown_param2);
  self->shown_param = g_strdup (self->param);
  self->shown_param2 = g_strdup (self->param2);
  if (self->outcome == NULL)
    {
      gtk_widget_queue_draw (GTK_WIDGET (self->bif_canvas));
      return;
    }
  if (self->outcome->error != NULL)
    {
      show_error (self, self->outcome->error);
      update_marker (self);
      return;
    }
  if (self->outcome->two)
    build_two (self, summary);
  else
    {
      build_one (self, summary);
      ensemble_add (self, summary);
    }
  if (summary->len > 0 && summary->str[summary->len - 1] == ' ')
    g_string_truncate (summary, summary->len - 1);
  self->summary_base = g_strdup (summary->str);
  set_summary (self, summary->str, FALSE);
  update_marker (self);
}

/* ------------------------------------------------------------------------------------ */
/* Drawing and pointer                                                                    */

static void
theme_for (CurrentsBifurcationView *self,
           CurrentsPlotTheme       *theme,
           gboolean                 dark)
{
  PangoFontDescription *font;

  currents_plot_theme_init (theme, dark);
  font = pango_context_get_font_description (gtk_widget_get_pango_context (GTK_WIDGET (self)));
  if (font != NULL)
    {
      g_autofree char *name = pango_font_description_to_string (font);

      g_strlcpy (theme->font, name, sizeof theme->font);
    }
}

static void
draw_cb (GtkDrawingArea *area,
         cairo_t        *cr,
         int             width,
         int             height,
         gpointer        data)
{
  CurrentsBifurcationView *self = data;
  CurrentsPlotTheme theme;

  if (width <= 0 || height <= 0)
    return;
  theme_for (self, &theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  currents_plot_diagram_draw (self->diagram, cr, &theme, width, height, &self->stats);
  self->n_frames++;
}

static void
dark_changed_cb (CurrentsBifurcationView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->bif_canvas));
}

/* Moves the slider(s) to the values at device point (@x, @y) in the plot area. */
static gboolean
move_to_device (CurrentsBifurcationView *self,
                double                   x,
                double                   y)
{
  CurrentsPlotViewport vp;
  double px, py;

  if (self->panel == NULL || self->outcome == NULL || self->outcome->error != NULL
      || !currents_plot_diagram_get_viewport (self->diagram, &vp)
      || !currents_plot_diagram_to_data (self->diagram, x, y, &px, &py))
    return FALSE;
  /* the plot area, with a little slack so the ends of the range can be reached */
  if (x < vp.left - 4 || x > vp.left + vp.width + 4 || y < vp.top - 4
      || y > vp.top + vp.height + 4)
    return FALSE;
  px = CLAMP (px, self->lo, self->hi);
  if (!currents_parameter_panel_set_value (self->panel, self->shown_param, px))
    return FALSE;
  if (self->outcome->two)
    currents_parameter_panel_set_value (self->panel, self->shown_param2,
                                        CLAMP (py, self->lo2, self->hi2));
  return TRUE;
}

gboolean
currents_bifurcation_view_click (CurrentsBifurcationView *self,
                                 double                   x,
                                 double                   y)
{
  CurrentsPlotSpecialKind kind;
  double px, py;
  int i;

  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);

  if (self->panel == NULL || self->outcome == NULL || self->outcome->error != NULL)
    return FALSE;
  i = currents_plot_diagram_find_special (self->diagram, x, y, CLICK_RADIUS);
  if (i >= 0 && currents_plot_diagram_get_special (self->diagram, (guint) i, &kind, &px, &py))
    {
      if (!currents_parameter_panel_set_value (self->panel, self->shown_param, px))
        return FALSE;
      if (self->outcome->two)
        currents_parameter_panel_set_value (self->panel, self->shown_param2, py);
      /* ring the equilibrium there in the phase portrait */
      if (!self->outcome->two && (guint) i < self->special_states->len && self->portrait != NULL)
        currents_portrait_highlight_state (self->portrait,
                                           g_ptr_array_index (self->special_states, i));
      return TRUE;
    }
  return move_to_device (self, x, y);
}

static void
drag_begin_cb (GtkGestureDrag          *gesture,
               double                   x,
               double                   y,
               CurrentsBifurcationView *self)
{
  self->drag_x = x;
  self->drag_y = y;
  self->drag_moved = FALSE;
}

static void
drag_update_cb (GtkGestureDrag          *gesture,
                double                   dx,
                double                   dy,
                CurrentsBifurcationView *self)
{
  if (!self->drag_moved && hypot (dx, dy) < 3.0)
    return;
  self->drag_moved = TRUE;
  move_to_device (self, self->drag_x + dx, self->drag_y + dy);
}

static void
drag_end_cb (GtkGestureDrag          *gesture,
             double                   dx,
             double                   dy,
             CurrentsBifurcationView *self)
{
  if (!self->drag_moved)
    currents_bifurcation_view_click (self, self->drag_x, self->drag_y);
}

/* ------------------------------------------------------------------------------------ */
/* Export                                                                                 */

static void
set_export_metadata (CurrentsBifurcationView *self)
{
  CurrentsSystem *sys = get_system (self);
  g_autofree char *title = NULL, *settings = NULL;

  if (self->two)
    {
      title = g_strdup_printf (_("Folds and Hopf points in %s and %s"), self->param, self->param2);
      settings = g_strdup_printf ("%s = %g:%g%s, %s = %g:%g%s", self->param, self->lo, self->hi,
                                  self->log_x ? " (log)" : "", self->param2, self->lo2,
                                  self->hi2, self->log_y ? " (log)" : "");
    }
  else
    {
      title = g_strdup_printf (_("Bifurcation diagram of %s against %s"), quantity_label (self),
                               self->param);
      settings = g_strdup_printf ("%s = %g:%g%s%s", self->param, self->lo, self->hi,
                                  self->log_x ? " (log)" : "",
                                  self->periodic ? ", periodic orbits" : "");
    }
  currents_plot_diagram_set_metadata (self->diagram, "Title", title);
  currents_plot_diagram_set_metadata (self->diagram, "Software", "Currents " PACKAGE_VERSION);
  if (sys != NULL && currents_system_get_filename (sys) != NULL)
    currents_plot_diagram_set_metadata (self->diagram, "Source",
                                        currents_system_get_filename (sys));
  currents_plot_diagram_set_metadata (self->diagram, "Description", settings);
}

gboolean
currents_bifurcation_view_export (CurrentsBifurcationView *self,
                                  const char              *path,
                                  int                      width,
                                  int                      height,
                                  GError                 **error)
{
  CurrentsPlotTheme theme;

  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  theme_for (self, &theme, FALSE);
  set_export_metadata (self);
  return currents_plot_diagram_export (self->diagram, path, &theme, width, height, error);
}

static void
export_response_cb (GtkNativeDialog         *dialog,
                    int                      response,
                    CurrentsBifurcationView *self)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;

      if (path != NULL && !g_str_has_suffix (path, ".png") && !g_str_has_suffix (path, ".svg")
          && !g_str_has_suffix (path, ".pdf"))
        {
          char *with_suffix = g_strconcat (path, ".png", NULL);

          g_free (path);
          path = with_suffix;
        }
      if (path != NULL && !currents_bifurcation_view_export (self, path, 1200, 800, &error))
        {
          GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
          GtkWidget *msg = adw_message_dialog_new (GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                                   _("Could Not Export the Diagram"),
                                                   error->message);

          adw_message_dialog_add_response (ADW_MESSAGE_DIALOG (msg), "close", _("_Close"));
          gtk_window_present (GTK_WINDOW (msg));
        }
    }
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
  g_object_unref (self);
}

static void
export_clicked_cb (CurrentsBifurcationView *self)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (self));
  GtkFileChooserNative *chooser;
  g_autofree char *name = NULL;
  static const struct { const char *title; const char *pattern; } kinds[] = {
    { N_("PNG image"), "*.png" },
    { N_("SVG drawing"), "*.svg" },
    { N_("PDF document"), "*.pdf" },
  };

  chooser = gtk_file_chooser_native_new (_("Export the Diagram"),
                                         GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                         GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"),
                                         _("_Cancel"));
  for (gsize i = 0; i < G_N_ELEMENTS (kinds); i++)
    {
      GtkFileFilter *filter = gtk_file_filter_new ();

      gtk_file_filter_set_name (filter, _(kinds[i].title));
      gtk_file_filter_add_pattern (filter, kinds[i].pattern);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (chooser), filter);
      g_object_unref (filter);
    }
  name = g_strdup_printf ("bifurcation-%s.png", self->param != NULL ? self->param : "diagram");
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (chooser), name);
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (chooser), TRUE);
  g_signal_connect (chooser, "response", G_CALLBACK (export_response_cb), g_object_ref (self));
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (chooser));
}

/* ------------------------------------------------------------------------------------ */
/* Reactions                                                                              */

static void
content_changed_cb (CurrentsBifurcationView *self)
{
  CurrentsSystem *sys = get_system (self);

  self->generation++;
  g_clear_pointer (&self->nominal_p, g_free);
  g_clear_pointer (&self->nominal_u, g_free);
  if (sys != NULL)
    {
      self->nominal_p = g_memdup2 (currents_system_get_params (sys),
                                   MAX (currents_system_get_n_params (sys), 1) * sizeof (double));
      self->nominal_u = g_memdup2 (currents_system_get_inputs (sys),
                                   MAX (currents_system_get_n_inputs (sys), 1) * sizeof (double));
    }
  g_hash_table_remove_all (self->cache);
  g_clear_pointer (&self->start_param, g_free);
  _currents_bifurcation_ensemble_clear (self->ensemble);
  cancel_running (self);
  clear_shown (self);
  rebuild_controls (self);
  if (get_system (self) != NULL)
    set_summary (self, "", FALSE);
  request_compute (self, 0);
}

static gboolean
is_swept (CurrentsBifurcationView *self,
          guint                    kind,
          guint                    index)
{
  CurrentsSystem *sys = get_system (self);
  const char *name;

  if (sys == NULL)
    return FALSE;
  if (kind == CURRENTS_PARAMETER_INPUT && index < currents_system_get_n_inputs (sys))
    name = currents_system_get_input_names (sys)[index];
  else if (kind == CURRENTS_PARAMETER_PARAM && index < currents_system_get_n_named_params (sys))
    name = currents_system_get_param_name (sys, index);
  else
    return FALSE;
  return g_strcmp0 (name, self->param) == 0
         || (self->two && g_strcmp0 (name, self->param2) == 0);
}

static void
value_changed_cb (CurrentsParameterPanel  *panel,
                  guint                    kind,
                  guint                    index,
                  double                   value,
                  CurrentsBifurcationView *self)
{
  /* a state held off the plane does not change the equilibria */
  if (kind == CURRENTS_PARAMETER_STATE)
    return;
  if (is_swept (self, kind, index))
    update_marker (self);
  else
    request_compute (self, DEBOUNCE_MS);
}

static void
param_selected_cb (CurrentsBifurcationView *self)
{
  guint i = gtk_drop_down_get_selected (self->bif_param_dropdown);

  if (self->updating || i == GTK_INVALID_LIST_POSITION)
    return;
  currents_bifurcation_view_set_parameter (self, gtk_string_list_get_string (self->param_names, i));
}

static void
param2_selected_cb (CurrentsBifurcationView *self)
{
  guint i = gtk_drop_down_get_selected (self->bif_param2_dropdown);

  if (self->updating || i == GTK_INVALID_LIST_POSITION)
    return;
  currents_bifurcation_view_set_parameter2 (self,
                                            gtk_string_list_get_string (self->param_names, i));
}

static void
quantity_selected_cb (CurrentsBifurcationView *self)
{
  guint i = gtk_drop_down_get_selected (self->bif_quantity_dropdown);
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->quantity_names));

  if (self->updating || i == GTK_INVALID_LIST_POSITION)
    return;
  currents_bifurcation_view_set_quantity (self, i + 1 == n ? -1 : (int) i);
}

static void
range_activate_cb (CurrentsBifurcationView *self)
{
  double lo, hi, lo2, hi2;
  gboolean ok = TRUE;

  if (self->updating)
    return;
  if (!parse_entry (self->bif_lo_entry, &lo) || !parse_entry (self->bif_hi_entry, &hi)
      || !(lo < hi))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->bif_lo_entry), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->bif_hi_entry), "error");
      ok = FALSE;
    }
  if (self->two && (!parse_entry (self->bif_lo2_entry, &lo2)
                    || !parse_entry (self->bif_hi2_entry, &hi2) || !(lo2 < hi2)))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->bif_lo2_entry), "error");
      gtk_widget_add_css_class (GTK_WIDGET (self->bif_hi2_entry), "error");
      ok = FALSE;
    }
  if (!ok)
    {
      show_error (self, _("Type a range as two numbers, the first below the second."));
      return;
    }
  currents_bifurcation_view_set_range (self, lo, hi);
  if (self->two)
    currents_bifurcation_view_set_range2 (self, lo2, hi2);
}

static void
two_toggled_cb (CurrentsBifurcationView *self)
{
  if (!self->updating)
    currents_bifurcation_view_set_two_parameters (
      self, gtk_toggle_button_get_active (self->bif_two_toggle));
}

static void
periodic_toggled_cb (CurrentsBifurcationView *self)
{
  if (!self->updating)
    currents_bifurcation_view_set_periodic (self,
                                            gtk_check_button_get_active (self->bif_periodic_check));
}

static void
cancel_clicked_cb (CurrentsBifurcationView *self)
{
  currents_bifurcation_view_cancel (self);
}

static void
map_cb (CurrentsBifurcationView *self)
{
  if (self->dirty)
    request_compute (self, 0);
}

static void
unmap_cb (CurrentsBifurcationView *self)
{
  g_clear_handle_id (&self->debounce_source, g_source_remove);
  if (_currents_bifurcation_ensemble_cancel (self->ensemble))
    {
      self->dirty = TRUE;
      update_busy (self);
    }
  if (self->cancellable != NULL)
    {
      cancel_running (self);
      self->dirty = TRUE;
    }
}

/* ------------------------------------------------------------------------------------ */
/* Object                                                                                 */

static void
forget_portrait (CurrentsBifurcationView *self)
{
  _currents_view_forget (self, (gpointer *) &self->panel);
  _currents_view_forget (self, (gpointer *) &self->portrait);
}

static void
currents_bifurcation_view_dispose (GObject *object)
{
  CurrentsBifurcationView *self = CURRENTS_BIFURCATION_VIEW (object);

  g_clear_handle_id (&self->debounce_source, g_source_remove);
  if (self->cancellable != NULL)
    {
      g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
    }
  g_clear_pointer (&self->running_key, g_free);
  g_clear_pointer (&self->ensemble, _currents_bifurcation_ensemble_free);
  g_clear_pointer (&self->tipping_points, g_ptr_array_unref);
  forget_portrait (self);
  g_signal_handlers_disconnect_by_func (adw_style_manager_get_default (), dark_changed_cb, self);
  g_clear_pointer (&self->cache, g_hash_table_unref);
  g_clear_pointer (&self->outcome, outcome_unref);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_BIFURCATION_VIEW);
  /* children the template made but did not bind */
  _currents_view_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (currents_bifurcation_view_parent_class)->dispose (object);
}

static void
currents_bifurcation_view_finalize (GObject *object)
{
  CurrentsBifurcationView *self = CURRENTS_BIFURCATION_VIEW (object);

  g_clear_pointer (&self->diagram, currents_plot_diagram_free);
  g_clear_object (&self->param_names);
  g_clear_object (&self->quantity_names);
  g_clear_pointer (&self->folds, g_array_unref);
  g_clear_pointer (&self->special_states, g_ptr_array_unref);
  g_free (self->param);
  g_free (self->param2);
  g_free (self->levels);
  g_free (self->nominal_p);
  g_free (self->nominal_u);
  g_free (self->shown_key);
  g_free (self->start_param);
  g_free (self->summary);
  g_free (self->summary_base);
  g_free (self->shown_param);
  g_free (self->shown_param2);
  g_clear_pointer (&self->regions, g_ptr_array_unref);
  g_free (self->error);
  G_OBJECT_CLASS (currents_bifurcation_view_parent_class)->finalize (object);
}

static void
currents_bifurcation_view_class_init (CurrentsBifurcationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_bifurcation_view_dispose;
  object_class->finalize = currents_bifurcation_view_finalize;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-bifurcation-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_two_toggle);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_param_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_lo_entry);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_hi_entry);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_quantity_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView,
                                        bif_quantity_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_param2_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView,
                                        bif_param2_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_lo2_entry);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_dash2_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_hi2_entry);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_periodic_check);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_spinner);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_cancel_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_export_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_canvas);
  gtk_widget_class_bind_template_child (widget_class, CurrentsBifurcationView, bif_summary_label);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bifurcationview");
}

static void
currents_bifurcation_view_init (CurrentsBifurcationView *self)
{
  GtkGesture *drag;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->diagram = currents_plot_diagram_new ();
  self->ensemble = _currents_bifurcation_ensemble_new (ensemble_done_cb, self);
  self->cache = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                       (GDestroyNotify) outcome_unref);
  self->folds = g_array_new (FALSE, FALSE, sizeof (double));
  self->special_states = g_ptr_array_new ();
  self->regions = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  self->param_names = gtk_string_list_new (NULL);
  self->quantity_names = gtk_string_list_new (NULL);
  self->quantity = -1;
  self->lo = self->hi = self->lo2 = self->hi2 = NAN;
  self->summary = g_strdup ("");

  gtk_drawing_area_set_draw_func (self->bif_canvas, draw_cb, self, NULL);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->bif_canvas), "crosshair");
  drag = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (drag), GDK_BUTTON_PRIMARY);
  g_signal_connect (drag, "drag-begin", G_CALLBACK (drag_begin_cb), self);
  g_signal_connect (drag, "drag-update", G_CALLBACK (drag_update_cb), self);
  g_signal_connect (drag, "drag-end", G_CALLBACK (drag_end_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->bif_canvas), GTK_EVENT_CONTROLLER (drag));

  g_signal_connect_swapped (self->bif_param_dropdown, "notify::selected",
                            G_CALLBACK (param_selected_cb), self);
  g_signal_connect_swapped (self->bif_param2_dropdown, "notify::selected",
                            G_CALLBACK (param2_selected_cb), self);
  g_signal_connect_swapped (self->bif_quantity_dropdown, "notify::selected",
                            G_CALLBACK (quantity_selected_cb), self);
  g_signal_connect_swapped (self->bif_lo_entry, "activate", G_CALLBACK (range_activate_cb), self);
  g_signal_connect_swapped (self->bif_hi_entry, "activate", G_CALLBACK (range_activate_cb), self);
  g_signal_connect_swapped (self->bif_lo2_entry, "activate", G_CALLBACK (range_activate_cb), self);
  g_signal_connect_swapped (self->bif_hi2_entry, "activate", G_CALLBACK (range_activate_cb), self);
  g_signal_connect_swapped (self->bif_two_toggle, "toggled", G_CALLBACK (two_toggled_cb), self);
  g_signal_connect_swapped (self->bif_periodic_check, "toggled",
                            G_CALLBACK (periodic_toggled_cb), self);
  g_signal_connect_swapped (self->bif_cancel_button, "clicked", G_CALLBACK (cancel_clicked_cb),
                            self);
  g_signal_connect_swapped (self->bif_export_button, "clicked", G_CALLBACK (export_clicked_cb),
                            self);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
  g_signal_connect (self, "unmap", G_CALLBACK (unmap_cb), NULL);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (dark_changed_cb), self);

  sync_mode_widgets (self);
  rebuild_controls (self);
  self->dirty = TRUE;
}

GtkWidget *
currents_bifurcation_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_BIFURCATION_VIEW, NULL);
}

void
currents_bifurcation_view_set_portrait (CurrentsBifurcationView *self,
                                        CurrentsPortrait        *portrait)
{
  g_return_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self));
  g_return_if_fail (portrait == NULL || CURRENTS_IS_PORTRAIT (portrait));

  if (portrait == self->portrait)
    return;
  forget_portrait (self);
  if (portrait != NULL)
    {
      self->portrait = portrait;
      g_object_add_weak_pointer (G_OBJECT (portrait), (gpointer *) &self->portrait);
      self->panel = currents_portrait_get_parameter_panel (portrait);
      g_object_add_weak_pointer (G_OBJECT (self->panel), (gpointer *) &self->panel);
      g_signal_connect_swapped (portrait, "content-changed", G_CALLBACK (content_changed_cb),
                                self);
      g_signal_connect (self->panel, "value-changed", G_CALLBACK (value_changed_cb), self);
    }
  content_changed_cb (self);
}

gboolean
currents_bifurcation_view_set_parameter (CurrentsBifurcationView *self,
                                         const char              *name)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);

  if (find_string (self->param_names, name) == GTK_INVALID_LIST_POSITION)
    return FALSE;
  if (g_strcmp0 (name, self->param) == 0)
    return TRUE;
  g_free (self->param);
  self->param = g_strdup (name);
  self->range_chosen = FALSE;
  /* the same parameter on both axes says nothing: take another */
  if (g_strcmp0 (self->param2, name) == 0)
    {
      g_clear_pointer (&self->param2, g_free);
      default_param2 (self);
      self->range2_chosen = FALSE;
      reset_range2 (self);
    }
  select_in_dropdowns (self);
  reset_range (self);
  collect_levels (self);
  request_compute (self, 0);
  return TRUE;
}

gboolean
currents_bifurcation_view_set_parameter2 (CurrentsBifurcationView *self,
                                          const char              *name)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);

  if (find_string (self->param_names, name) == GTK_INVALID_LIST_POSITION
      || g_strcmp0 (name, self->param) == 0)
    {
      select_in_dropdowns (self);
      return FALSE;
    }
  if (g_strcmp0 (name, self->param2) == 0)
    return TRUE;
  g_free (self->param2);
  self->param2 = g_strdup (name);
  self->range2_chosen = FALSE;
  select_in_dropdowns (self);
  reset_range2 (self);
  if (self->two)
    request_compute (self, 0);
  return TRUE;
}

gboolean
currents_bifurcation_view_set_quantity (CurrentsBifurcationView *self,
                                        int                      quantity)
{
  CurrentsSystem *sys;

  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);

  sys = get_system (self);
  if (quantity < -1 || (sys != NULL && quantity >= (int) currents_system_get_n_states (sys))
      || (sys == NULL && quantity >= 0))
    return FALSE;
  self->quantity_chosen = TRUE;
  if (quantity == self->quantity)
    return TRUE;
  self->quantity = quantity;
  select_in_dropdowns (self);
  /* the same continuation, another view of it */
  if (!self->two)
    rebuild_diagram (self);
  return TRUE;
}

int
currents_bifurcation_view_get_quantity (CurrentsBifurcationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), -1);
  return self->quantity;
}

gboolean
currents_bifurcation_view_set_range (CurrentsBifurcationView *self,
                                     double                   lo,
                                     double                   hi)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);

  if (!(lo < hi) || !isfinite (lo) || !isfinite (hi))
    return FALSE;
  self->lo = lo;
  self->hi = hi;
  self->range_chosen = TRUE;
  self->log_x = wants_log (lo, hi, self->slider_log);
  self->updating = TRUE;
  set_entry_value (self->bif_lo_entry, lo);
  set_entry_value (self->bif_hi_entry, hi);
  self->updating = FALSE;
  request_compute (self, 0);
  return TRUE;
}

gboolean
currents_bifurcation_view_set_range2 (CurrentsBifurcationView *self,
                                      double                   lo,
                                      double                   hi)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);

  if (!(lo < hi) || !isfinite (lo) || !isfinite (hi))
    return FALSE;
  self->lo2 = lo;
  self->hi2 = hi;
  self->range2_chosen = TRUE;
  self->log_y = wants_log (lo, hi, self->slider_log2);
  self->updating = TRUE;
  set_entry_value (self->bif_lo2_entry, lo);
  set_entry_value (self->bif_hi2_entry, hi);
  self->updating = FALSE;
  if (self->two)
    request_compute (self, 0);
  return TRUE;
}

gboolean
currents_bifurcation_view_get_range (CurrentsBifurcationView *self,
                                     double                  *lo,
                                     double                  *hi,
                                     gboolean                *log_scale)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);

  if (lo != NULL)
    *lo = self->lo;
  if (hi != NULL)
    *hi = self->hi;
  if (log_scale != NULL)
    *log_scale = self->log_x;
  return self->lo < self->hi;
}

void
currents_bifurcation_view_set_two_parameters (CurrentsBifurcationView *self,
                                              gboolean                 two)
{
  g_return_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self));

  two = !!two;
  if (two == self->two)
    return;
  self->two = two;
  self->updating = TRUE;
  gtk_toggle_button_set_active (self->bif_two_toggle, two);
  self->updating = FALSE;
  sync_mode_widgets (self);
  request_compute (self, 0);
}

void
currents_bifurcation_view_set_periodic (CurrentsBifurcationView *self,
                                        gboolean                 periodic)
{
  g_return_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self));

  periodic = !!periodic;
  if (periodic == self->periodic)
    return;
  self->periodic = periodic;
  self->updating = TRUE;
  gtk_check_button_set_active (self->bif_periodic_check, periodic);
  self->updating = FALSE;
  if (!self->two)
    request_compute (self, 0);
}

gboolean
currents_bifurcation_view_get_busy (CurrentsBifurcationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);
  return self->cancellable != NULL || self->debounce_source != 0
         || (self->ensemble != NULL && _currents_bifurcation_ensemble_running (self->ensemble))
         || (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)));
}

void
currents_bifurcation_view_cancel (CurrentsBifurcationView *self)
{
  g_return_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self));

  g_clear_handle_id (&self->debounce_source, g_source_remove);
  self->dirty = FALSE;
  /* the ensemble's run too (the single model's diagram and words stay) */
  if (_currents_bifurcation_ensemble_cancel (self->ensemble))
    update_busy (self);
  if (self->cancellable == NULL)
    return;
  cancel_running (self);
  set_summary (self, _("Stopped. Change a setting, or press Enter in a range field, to "
                       "compute again."), FALSE);
}

void
currents_bifurcation_view_get_stats (CurrentsBifurcationView  *self,
                                     CurrentsPlotDiagramStats *stats)
{
  g_return_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self));
  g_return_if_fail (stats != NULL);
  *stats = self->stats;
}

guint
currents_bifurcation_view_get_n_frames (CurrentsBifurcationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), 0);
  return self->n_frames;
}

CurrentsPlotDiagram *
currents_bifurcation_view_get_diagram (CurrentsBifurcationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), NULL);
  return self->diagram;
}

const double *
currents_bifurcation_view_get_folds (CurrentsBifurcationView *self,
                                     guint                   *n_folds)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), NULL);

  if (n_folds != NULL)
    *n_folds = self->folds->len;
  return (const double *) self->folds->data;
}

const char *
currents_bifurcation_view_get_summary (CurrentsBifurcationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), NULL);
  return self->summary;
}

const char *
currents_bifurcation_view_get_error (CurrentsBifurcationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), NULL);
  return self->error;
}

gboolean
currents_bifurcation_view_get_marker (CurrentsBifurcationView *self,
                                      double                  *x,
                                      double                  *y)
{
  double vx = NAN, vy = NAN;
  gboolean ok;

  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);

  ok = param_value (self, self->param, &vx);
  if (self->two && !param_value (self, self->param2, &vy))
    vy = NAN;
  if (x != NULL)
    *x = ok ? vx : NAN;
  if (y != NULL)
    *y = vy;
  return ok;
}

GPtrArray *
currents_bifurcation_view_get_tipping_points (CurrentsBifurcationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), NULL);
  return self->tipping_points;
}

guint
currents_bifurcation_view_get_ensemble_runs (CurrentsBifurcationView *self)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), 0);
  return self->ensemble != NULL ? _currents_bifurcation_ensemble_get_runs (self->ensemble) : 0;
}

gboolean
currents_bifurcation_view_set_start (CurrentsBifurcationView *self,
                                     const char              *name,
                                     double                   value)
{
  g_return_val_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self), FALSE);

  if (name != NULL && find_string (self->param_names, name) == GTK_INVALID_LIST_POSITION)
    return FALSE;
  if (name != NULL && !isfinite (value))
    return FALSE;
  g_free (self->start_param);
  self->start_param = g_strdup (name);
  self->start = value;
  request_compute (self, 0);
  return TRUE;
}
