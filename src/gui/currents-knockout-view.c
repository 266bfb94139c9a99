/* currents-knockout-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every state's knockout ranked by the steady-state shift it causes, as a bar chart and a
 * table, and the knocked-out system beside the original.
 *
 * The reference x_ref is the steady state reached from the system's initial state; the
 * knockout of state i holds x_i = 0 (currents-knockout.h) and its shift is
 * ‖x_ko − x_ref‖₂. The time course of a knockout runs both systems from x_ref, the
 * knocked-out one with x_i = 0 held, over the model's total time, lengthened (doubling)
 * until the knocked-out run has come close to its steady state, or shortened to about
 * three times its settling time when that is much shorter. The phase plane shows the
 * same two runs in the portrait's axes over the knocked-out field's arrows (the states
 * off the plane held at the knockout's steady state).
 *
 * All of it is computed in one GTask on a snapshot of the portrait's system (field
 * reference, copies of parameters, inputs, initial state and names), only while the view
 * is mapped; a newer request cancels the running one and a generation counter drops
 * results that no longer belong to what is shown.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-knockout-view"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-knockout-view.h"
#include "currents-view-util-private.h"

#define COURSE_SAMPLES   401
#define COURSE_DOUBLINGS 5
#define DEBOUNCE_MS      200
#define MAX_PANELS       16
#define PLANE_GRID       17

/* ------------------------------------------------------------------------------------ */
/* Results                                                                               */

typedef struct
{
  gsize     gene;
  double    shift;
  gboolean  steady;
  gboolean  settled;
  gboolean  stable;
  gboolean  extrapolated;
  double   *state;          /* n */
  char     *type;           /* the equilibrium's type, or NULL */
  char     *message;        /* why no steady state, or NULL */
  /* the time course from the reference */
  gsize     n_times;
  double   *times;
  double   *original;       /* n_times × n */
  double   *knocked_out;    /* n_times × n */
  char     *course_error;   /* why the course stops early, or NULL */
  /* the knocked-out field on the phase plane's grid (the other states at x_ko) */
  double    plane_window[4];
  double   *plane_fx;       /* PLANE_GRID × PLANE_GRID, row-major, rows upwards */
  double   *plane_fy;
} KoRow;

static void
ko_row_free (KoRow *row)
{
  g_free (row->state);
  g_free (row->type);
  g_free (row->message);
  g_free (row->times);
  g_free (row->original);
  g_free (row->knocked_out);
  g_free (row->course_error);
  g_free (row->plane_fx);
  g_free (row->plane_fy);
  g_free (row);
}

typedef struct
{
  gsize      n;
  char     **names;         /* n, NULL-terminated */
  double    *from;          /* the initial state the reference was reached from */
  double    *reference;     /* n, or NULL when there is none */
  gboolean   ref_stable;
  gboolean   ref_settled;
  gboolean   autonomous;
  double     t_frozen;
  gboolean   trained;
  gboolean   has_plane;
  guint      plane_x;
  guint      plane_y;
  GPtrArray *rows;          /* KoRow, by rank */
  char      *error_title;   /* set when there are no knockouts to show */
  char      *error;
} KoResult;

static void
ko_result_free (KoResult *result)
{
  g_strfreev (result->names);
  g_free (result->from);
  g_free (result->reference);
  g_clear_pointer (&result->rows, g_ptr_array_unref);
  g_free (result->error_title);
  g_free (result->error);
  g_free (result);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (KoResult, ko_result_free)

/* What the worker computes from: a snapshot taken on the main thread. */
typedef struct
{
  CurrentsField      *field;
  gsize               n;
  gsize               m;
  double             *p;
  double             *u;
  double             *x0;
  char              **names;
  CurrentsSimOptions  sim;
  double              t0;
  double              total;
  double             *x_min;
  double             *x_max;
  gboolean            trained;
  gboolean            has_plane;
  guint               plane_x;
  guint               plane_y;
} TaskData;

static void
task_data_free (TaskData *td)
{
  g_clear_pointer (&td->field, currents_field_unref);
  g_free (td->p);
  g_free (td->u);
  g_free (td->x0);
  g_strfreev (td->names);
  g_free (td->x_min);
  g_free (td->x_max);
  g_free (td);
}

/* ------------------------------------------------------------------------------------ */

struct _CurrentsKnockoutView
{
  GtkWidget           parent_instance;

  GtkStack           *ko_stack;
  AdwStatusPage      *ko_status;
  GtkSpinner         *ko_spinner;
  GtkLabel           *ko_reference_label;
  GtkDrawingArea     *ko_bars;
  GtkColumnView      *ko_table;
  GtkLabel           *ko_course_title;
  GtkToggleButton    *ko_together_button;
  GtkToggleButton    *ko_separate_button;
  GtkToggleButton    *ko_plane_button;
  GtkDrawingArea     *ko_course;

  CurrentsPortrait   *portrait;       /* weak */

  GtkStringList      *rows_model;     /* gene names by rank */
  GtkSingleSelection *selection;
  GtkColumnViewColumn *extrapolated_column;
  gboolean            updating_selection;

  KoResult           *result;
  char               *selected;       /* gene name, or NULL */
  char               *message;

  GCancellable       *cancellable;    /* the running computation */
  guint               generation;
  guint               debounce_id;
  gboolean            dirty;
  guint               n_updates;

  /* the bar chart's rows, for clicks */
  double              bars_left;
  double              bars_width;
  double              bars_top;
  double              bars_row_height;
  guint               bars_rows;

  guint               n_bars;
  guint               n_curves;
  guint               n_arrows;
  guint               n_bar_frames;
  guint               n_course_frames;
};

G_DEFINE_FINAL_TYPE (CurrentsKnockoutView, currents_knockout_view, GTK_TYPE_WIDGET)

enum
{
  COLUMN_RANK,
  COLUMN_GENE,
  COLUMN_SHIFT,
  COLUMN_STATE,
  COLUMN_STABLE,
  COLUMN_EXTRAPOLATED,
};

/* ------------------------------------------------------------------------------------ */
/* The worker                                                                            */

static char *
format_state (char *const   *names,
              const double  *x,
              gsize          n)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s = %.4g", i ? ", " : "", names[i], x[i]);
  return g_string_free (s, FALSE);
}

/* Runs @field from @x0 over [t0, t0 + span] into @times and @out (COURSE_SAMPLES rows);
 * entries past a failure are NaN and @message says why. FALSE only on cancellation. */
static gboolean
simulate_course (CurrentsField             *field,
                 const CurrentsSimOptions  *sim_options,
                 const double              *x0,
                 const double              *p,
                 const CurrentsInputSignal *inputs,
                 gsize                      n,
                 double                     t0,
                 double                     span,
                 double                    *times,
                 double                    *out,
                 char                     **message,
                 GCancellable              *cancellable,
                 GError                   **error)
{
  g_autoptr(CurrentsSimulator) sim = currents_simulator_new (field, sim_options);
  g_autoptr(GError) local = NULL;
  gsize reached = 0;

  for (gsize k = 0; k < COURSE_SAMPLES; k++)
    times[k] = t0 + span * (double) k / (COURSE_SAMPLES - 1);
  if (currents_simulator_run (sim, x0, p, inputs, t0, times, COURSE_SAMPLES, out, &reached,
                              cancellable, &local))
    return TRUE;
  if (g_error_matches (local, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      g_propagate_error (error, g_steal_pointer (&local));
      return FALSE;
    }
  for (gsize k = reached * n; k < COURSE_SAMPLES * n; k++)
    out[k] = NAN;
  if (message != NULL && *message == NULL)
    *message = g_strdup (local->message);
  return TRUE;
}

static double
distance (const double *a,
          const double *b,
          gsize         n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += (a[i] - b[i]) * (a[i] - b[i]);
  return sqrt (s);
}

/* The knocked-out field on a grid of the phase plane around both runs, the states off
 * the plane held at the knockout's steady state (or its start when there is none). */
static void
compute_plane (const TaskData *td,
               CurrentsField  *ko_field,
               const double   *x0,
               KoRow          *row)
{
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (ko_field);
  g_autofree double *x = g_memdup2 (row->steady ? row->state : x0, td->n * sizeof (double));
  g_autofree double *f = g_new (double, td->n);
  const double *runs[] = { row->original, row->knocked_out };
  guint a = td->plane_x, b = td->plane_y;
  double xlo = MIN (x0[a], row->state[a]), xhi = MAX (x0[a], row->state[a]);
  double ylo = MIN (x0[b], row->state[b]), yhi = MAX (x0[b], row->state[b]);

  for (guint r = 0; r < G_N_ELEMENTS (runs); r++)
    for (gsize k = 0; k < row->n_times; k++)
      {
        double xa = runs[r][k * td->n + a], xb = runs[r][k * td->n + b];

        if (isfinite (xa) && isfinite (xb))
          {
            xlo = MIN (xlo, xa);
            xhi = MAX (xhi, xa);
            ylo = MIN (ylo, xb);
            yhi = MAX (yhi, xb);
          }
      }
  /* a collapsed side (a state held at 0, or one that does not move) gets some room */
  if (xhi - xlo < 1e-6 * (1.0 + fabs (xlo)))
    {
      xlo -= 0.25 * (1.0 + fabs (xlo));
      xhi += 0.25 * (1.0 + fabs (xhi));
    }
  if (yhi - ylo < 1e-6 * (1.0 + fabs (ylo)))
    {
      ylo -= 0.25 * (1.0 + fabs (ylo));
      yhi += 0.25 * (1.0 + fabs (yhi));
    }
  currents_plot_pad_range (&xlo, &xhi, 0.12);
  currents_plot_pad_range (&ylo, &yhi, 0.12);
  row->plane_window[0] = xlo;
  row->plane_window[1] = xhi;
  row->plane_window[2] = ylo;
  row->plane_window[3] = yhi;
  row->plane_fx = g_new (double, PLANE_GRID * PLANE_GRID);
  row->plane_fy = g_new (double, PLANE_GRID * PLANE_GRID);
  for (guint j = 0; j < PLANE_GRID; j++)
    for (guint i = 0; i < PLANE_GRID; i++)
      {
        x[a] = xlo + (i + 0.5) * (xhi - xlo) / PLANE_GRID;
        x[b] = ylo + (j + 0.5) * (yhi - ylo) / PLANE_GRID;
        x[row->gene] = 0.0;
        currents_field_eval (ws, td->t0, x, td->u, td->p, f);
        row->plane_fx[j * PLANE_GRID + i] = f[a];
        row->plane_fy[j * PLANE_GRID + i] = f[b];
      }
}

/* Both runs of one knockout from the reference, long enough for the knocked-out one to
 * come close to its steady state (when it approaches one). */
static gboolean
compute_course (const TaskData            *td,
                const CurrentsInputSignal *inputs,
                const double              *reference,
                KoRow                     *row,
                GCancellable              *cancellable,
                GError                   **error)
{
  g_autoptr(CurrentsField) ko_field = currents_knockout_field_new (td->field, &row->gene, 1);
  g_autofree double *x0 = g_memdup2 (reference, td->n * sizeof (double));
  gsize n = td->n;
  double span = td->total > 0.0 && isfinite (td->total) ? td->total : 20.0;

  x0[row->gene] = 0.0;
  row->n_times = COURSE_SAMPLES;
  row->times = g_new (double, COURSE_SAMPLES);
  row->original = g_new (double, COURSE_SAMPLES * n);
  row->knocked_out = g_new (double, COURSE_SAMPLES * n);

  for (guint d = 0;; d++)
    {
      const double *end = row->knocked_out + (COURSE_SAMPLES - 1) * n;
      double scale = 1e-9;

      g_clear_pointer (&row->course_error, g_free);
      if (!simulate_course (ko_field, &td->sim, x0, td->p, inputs, n, td->t0, span, row->times,
                            row->knocked_out, &row->course_error, cancellable, error))
        return FALSE;
      if (d == COURSE_DOUBLINGS || !row->steady || !row->settled || row->course_error != NULL)
        break;
      for (gsize i = 0; i < n; i++)
        scale = MAX (scale, fabs (row->state[i]));
      scale = MAX (scale, row->shift);
      if (distance (end, row->state, n) <= 2e-3 * scale)
        break;
      span *= 2.0;
    }

  /* Zoom in on the change: about three times as long as the knocked-out run takes to
   * come within 1% of the way to its steady state, when that is much shorter. */
  if (row->steady && row->settled && row->course_error == NULL)
    {
      /* 1% of the way from the start to the knockout's steady state */
      double scale = distance (x0, row->state, n) + 1e-12, t_settle = 0.0;

      for (gsize k = COURSE_SAMPLES; k-- > 0;)
        if (distance (row->knocked_out + k * n, row->state, n) > 1e-2 * scale)
          {
            t_settle = row->times[MIN (k + 1, COURSE_SAMPLES - 1)] - td->t0;
            break;
          }
      if (3.0 * t_settle < 0.5 * span)
        {
          span = MAX (3.0 * t_settle, span / 16.0);
          if (!simulate_course (ko_field, &td->sim, x0, td->p, inputs, n, td->t0, span,
                                row->times, row->knocked_out, &row->course_error, cancellable,
                                error))
            return FALSE;
        }
    }
  if (!simulate_course (td->field, &td->sim, reference, td->p, inputs, n, td->t0, span,
                        row->times, row->original, &row->course_error, cancellable, error))
    return FALSE;
  if (td->has_plane)
    compute_plane (td, ko_field, x0, row);
  return TRUE;
}

static void
knockout_thread (GTask        *task,
                 gpointer      source,
                 gpointer      task_data,
                 GCancellable *cancellable)
{
  TaskData *td = task_data;
  g_autoptr(KoResult) result = g_new0 (KoResult, 1);
  g_autoptr(CurrentsSteadyState) ref = NULL;
  g_autoptr(CurrentsInputSignal) inputs = NULL;
  g_autoptr(GPtrArray) kos = NULL;
  g_autofree gsize *genes = g_new (gsize, td->n);
  g_autoptr(GError) error = NULL;
  CurrentsKnockoutOptions o;

  result->n = td->n;
  result->names = g_strdupv (td->names);
  result->from = g_memdup2 (td->x0, td->n * sizeof (double));
  result->autonomous = currents_field_is_autonomous (td->field);
  result->t_frozen = td->t0;
  result->trained = td->trained;
  result->has_plane = td->has_plane;
  result->plane_x = td->plane_x;
  result->plane_y = td->plane_y;
  result->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) ko_row_free);

  currents_knockout_options_init (&o);
  o.sim = &td->sim;
  o.t = td->t0;
  o.x_min = td->x_min;
  o.x_max = td->x_max;

  ref = currents_knockout_steady_state (td->field, td->p, td->u, td->x0, NULL, 0, &o,
                                        cancellable, &error);
  if (ref == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }
  if (!ref->steady)
    {
      g_autofree char *start = format_state (td->names, td->x0, td->n);

      result->error_title = g_strdup (_("No Reference Steady State"));
      /* Translators: the first %s is a state such as "u = 1, v = 2"; the second says why */
      result->error = g_strdup_printf (_("From the initial state %s the model does not come "
                                         "to a steady state (%s). Knockouts are measured "
                                         "from one: choose another initial state with the "
                                         "state sliders or in the model."),
                                       start, ref->message != NULL
                                              ? ref->message
                                              : _("Newton's method did not converge"));
      g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) ko_result_free);
      return;
    }
  result->reference = g_memdup2 (ref->state, td->n * sizeof (double));
  result->ref_stable = ref->stable;
  result->ref_settled = ref->settled;

  for (gsize i = 0; i < td->n; i++)
    genes[i] = i;
  kos = currents_knockout_run (td->field, td->p, td->u, ref, genes, td->n, &o, cancellable,
                               &error);
  if (kos == NULL)
    {
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  inputs = currents_input_signal_new_constant (td->m, td->u);
  for (guint k = 0; k < kos->len; k++)
    {
      const CurrentsKnockout *ko = g_ptr_array_index (kos, k);
      KoRow *row = g_new0 (KoRow, 1);

      row->gene = ko->gene;
      row->shift = ko->shift;
      row->steady = ko->result->steady;
      row->settled = ko->result->settled;
      row->stable = ko->result->stable;
      row->extrapolated = ko->extrapolated;
      row->state = g_memdup2 (ko->result->state, td->n * sizeof (double));
      if (ko->result->linear != NULL)
        row->type = g_strdup (currents_equilibrium_type_to_string (ko->result->linear->type));
      row->message = g_strdup (ko->result->message);
      g_ptr_array_add (result->rows, row);
      if (!compute_course (td, inputs, ref->state, row, cancellable, &error))
        {
          g_task_return_error (task, g_steal_pointer (&error));
          return;
        }
    }
  g_task_return_pointer (task, g_steal_pointer (&result), (GDestroyNotify) ko_result_free);
}

/* ------------------------------------------------------------------------------------ */
/* Showing results                                                                       */

static const KoRow *
row_at (CurrentsKnockoutView *self,
        guint                 rank)
{
  if (self->result == NULL || self->result->rows == NULL || rank >= self->result->rows->len)
    return NULL;
  return g_ptr_array_index (self->result->rows, rank);
}

static const char *
row_name (CurrentsKnockoutView *self,
          const KoRow          *row)
{
  return self->result->names[row->gene];
}

static int
rank_of (CurrentsKnockoutView *self,
         const char           *gene)
{
  if (gene == NULL || self->result == NULL || self->result->rows == NULL)
    return -1;
  for (guint k = 0; k < self->result->rows->len; k++)
    if (g_strcmp0 (row_name (self, g_ptr_array_index (self->result->rows, k)), gene) == 0)
      return (int) k;
  return -1;
}

static const KoRow *
selected_row (CurrentsKnockoutView *self)
{
  int rank = rank_of (self, self->selected);

  return rank >= 0 ? row_at (self, (guint) rank) : NULL;
}

static void
update_busy (CurrentsKnockoutView *self)
{
  gboolean busy = currents_knockout_view_get_busy (self);

  gtk_spinner_set_spinning (self->ko_spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->ko_spinner), busy);
}

static void
update_course_title (CurrentsKnockoutView *self)
{
  const KoRow *row = selected_row (self);
  g_autofree char *title = NULL;

  if (row == NULL)
    title = g_strdup (_("Choose a knockout"));
  else
    title = currents_knockout_view_get_display (self) == CURRENTS_KNOCKOUT_DISPLAY_PLANE
            /* Translators: %s is a state (gene) name */
            ? g_strdup_printf (_("Knockout of %s: phase plane from the reference"),
                               row_name (self, row))
            /* Translators: %s is a state (gene) name */
            : g_strdup_printf (_("Knockout of %s: time course from the reference"),
                               row_name (self, row));
  gtk_label_set_text (self->ko_course_title, title);
}

static void
show_message (CurrentsKnockoutView *self,
              const char           *title,
              const char           *description)
{
  g_free (self->message);
  self->message = g_strdup (description != NULL ? description : title);
  adw_status_page_set_title (self->ko_status, title);
  adw_status_page_set_description (self->ko_status, description);
  gtk_stack_set_visible_child_name (self->ko_stack, "message");
}

static void
sync_selection (CurrentsKnockoutView *self)
{
  int rank = rank_of (self, self->selected);

  self->updating_selection = TRUE;
  gtk_single_selection_set_selected (self->selection,
                                     rank >= 0 ? (guint) rank : GTK_INVALID_LIST_POSITION);
  self->updating_selection = FALSE;
  update_course_title (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->ko_bars));
  gtk_widget_queue_draw (GTK_WIDGET (self->ko_course));
}

static void
apply_result (CurrentsKnockoutView *self,
              KoResult             *result)
{
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  GString *ref = g_string_new (NULL);
  guint n_rows;

  g_clear_pointer (&self->result, ko_result_free);
  self->result = result;
  self->n_updates++;

  n_rows = result->rows != NULL ? result->rows->len : 0;
  for (guint k = 0; k < n_rows; k++)
    g_ptr_array_add (names, (gpointer) row_name (self, g_ptr_array_index (result->rows, k)));
  g_ptr_array_add (names, NULL);
  self->updating_selection = TRUE;
  gtk_string_list_splice (self->rows_model, 0,
                          g_list_model_get_n_items (G_LIST_MODEL (self->rows_model)),
                          (const char *const *) names->pdata);
  self->updating_selection = FALSE;

  if (result->error != NULL)
    {
      show_message (self, result->error_title, result->error);
      g_string_free (ref, TRUE);
      sync_selection (self);
      return;
    }
  g_clear_pointer (&self->message, g_free);

  /* keep the gene chosen before, else show the largest shift */
  if (rank_of (self, self->selected) < 0)
    {
      g_free (self->selected);
      self->selected = n_rows > 0 ? g_strdup (row_name (self, row_at (self, 0))) : NULL;
    }

  {
    g_autofree char *state = format_state (result->names, result->reference, result->n);

    if (result->ref_settled)
      /* Translators: %s is a state such as "u = 2.618, v = 0.382" */
      g_string_append_printf (ref, result->ref_stable ? _("Reference steady state (stable): %s.")
                                                      : _("Reference steady state (unstable): %s."),
                              state);
    else
      g_string_append_printf (ref, _("Reference steady state (unstable; the flow from the "
                                     "initial state does not come to rest there): %s."), state);
  }
  if (!result->autonomous)
    g_string_append_printf (ref, " %s", _("The model is not autonomous: t is held at its start."));
  for (guint k = 0; k < n_rows; k++)
    if (((KoRow *) g_ptr_array_index (result->rows, k))->extrapolated)
      {
        g_string_append_printf (ref, "\n%s", _("* Extrapolated: x = 0 lies outside the training "
                                               "data's range of that state, so the trained model "
                                               "is guessing there."));
        break;
      }
  gtk_label_set_text (self->ko_reference_label, ref->str);
  g_string_free (ref, TRUE);

  gtk_column_view_column_set_visible (self->extrapolated_column, result->trained);
  gtk_drawing_area_set_content_height (self->ko_bars,
                                       (int) CLAMP (28 * n_rows + 56, 120, 380));
  gtk_stack_set_visible_child_name (self->ko_stack, "results");
  sync_selection (self);
}

static void
knockout_done (GObject      *source,
               GAsyncResult *res,
               gpointer      user_data)
{
  CurrentsKnockoutView *self = CURRENTS_KNOCKOUT_VIEW (source);
  guint generation = GPOINTER_TO_UINT (user_data);
  g_autoptr(GError) error = NULL;
  KoResult *result = g_task_propagate_pointer (G_TASK (res), &error);

  if (generation != self->generation)
    {
      g_clear_pointer (&result, ko_result_free);
      return;
    }
  g_clear_object (&self->cancellable);
  if (result == NULL)
    {
      if (!g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_clear_pointer (&self->result, ko_result_free);
          gtk_string_list_splice (self->rows_model, 0,
                                  g_list_model_get_n_items (G_LIST_MODEL (self->rows_model)),
                                  NULL);
          show_message (self, _("Knockouts Failed"), error->message);
          self->n_updates++;
        }
      update_busy (self);
      return;
    }
  apply_result (self, result);
  update_busy (self);
}

/* ------------------------------------------------------------------------------------ */
/* Following the portrait                                                                */

static void
start (CurrentsKnockoutView *self)
{
  CurrentsSystem *system;
  g_autoptr(GTask) task = NULL;
  const CurrentsTrainedModel *trained;
  const char *const *names;
  TaskData *td;

  g_clear_handle_id (&self->debounce_id, g_source_remove);
  if (!self->dirty || !gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      update_busy (self);
      return;
    }
  self->dirty = FALSE;
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->generation++;

  system = self->portrait != NULL ? currents_portrait_get_system (self->portrait) : NULL;
  if (system == NULL)
    {
      g_clear_pointer (&self->result, ko_result_free);
      gtk_string_list_splice (self->rows_model, 0,
                              g_list_model_get_n_items (G_LIST_MODEL (self->rows_model)), NULL);
      if (self->portrait != NULL && currents_portrait_get_dataset (self->portrait) != NULL)
        show_message (self, _("Knockouts Need a Model"),
                      _("A data set alone has no equations to knock a state out of. "
                        "Open a model, or train one on these data."));
      else
        show_message (self, _("No Model"),
                      _("Open a model to see how far knocking out each of its states moves "
                        "the steady state."));
      update_busy (self);
      return;
    }

  td = g_new0 (TaskData, 1);
  td->field = currents_field_ref (currents_system_get_field (system));
  td->n = currents_system_get_n_states (system);
  td->m = currents_system_get_n_inputs (system);
  td->p = g_memdup2 (currents_system_get_params (system),
                     MAX (currents_field_get_n_params (td->field), 1) * sizeof (double));
  td->u = g_memdup2 (currents_system_get_inputs (system), MAX (td->m, 1) * sizeof (double));
  td->x0 = g_memdup2 (currents_system_get_initial (system), td->n * sizeof (double));
  names = currents_system_get_state_names (system);
  td->names = g_new0 (char *, td->n + 1);
  for (gsize i = 0; i < td->n; i++)
    td->names[i] = g_strdup (names[i]);
  currents_system_get_sim_options (system, &td->sim);
  td->t0 = currents_system_get_t0 (system);
  td->total = currents_system_get_total (system);
  if (td->n >= 2)
    {
      guint a = currents_portrait_get_x_axis (self->portrait);
      guint b = currents_portrait_get_y_axis (self->portrait);

      td->has_plane = TRUE;
      /* the portrait's axes when both are states (not time), else the first two states */
      if (a < td->n && b < td->n && a != b)
        {
          td->plane_x = a;
          td->plane_y = b;
        }
      else
        {
          td->plane_x = 0;
          td->plane_y = 1;
        }
    }
  trained = currents_system_get_trained (system);
  if (trained != NULL)
    {
      gsize m = currents_trained_model_get_n_inputs (trained);
      g_autofree double *umin = g_new (double, MAX (m, 1));
      g_autofree double *umax = g_new (double, MAX (m, 1));

      td->trained = TRUE;
      td->x_min = g_new (double, td->n);
      td->x_max = g_new (double, td->n);
      if (!currents_trained_model_get_ranges (trained, td->x_min, td->x_max, umin, umax))
        {
          g_clear_pointer (&td->x_min, g_free);
          g_clear_pointer (&td->x_max, g_free);
        }
    }

  self->cancellable = g_cancellable_new ();
  task = g_task_new (self, self->cancellable, knockout_done, GUINT_TO_POINTER (self->generation));
  g_task_set_source_tag (task, start);
  g_task_set_task_data (task, td, (GDestroyNotify) task_data_free);
  g_task_run_in_thread (task, knockout_thread);
  update_busy (self);
}

static gboolean
debounced_cb (gpointer data)
{
  CurrentsKnockoutView *self = data;

  self->debounce_id = 0;
  start (self);
  return G_SOURCE_REMOVE;
}

/* What is shown no longer matches the model: drop the running computation and compute
 * again, now or after the sliders have rested (@debounce). */
static void
invalidate (CurrentsKnockoutView *self,
            gboolean              debounce)
{
  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->generation++;
  self->dirty = TRUE;
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      update_busy (self);
      return;
    }
  if (debounce)
    self->debounce_id = g_timeout_add (DEBOUNCE_MS, debounced_cb, self);
  else
    start (self);
  update_busy (self);
}

static void
content_changed_cb (CurrentsKnockoutView *self)
{
  invalidate (self, FALSE);
}

static void
value_changed_cb (CurrentsKnockoutView *self)
{
  invalidate (self, TRUE);
}

static void
currents_knockout_view_map (GtkWidget *widget)
{
  CurrentsKnockoutView *self = CURRENTS_KNOCKOUT_VIEW (widget);

  GTK_WIDGET_CLASS (currents_knockout_view_parent_class)->map (widget);
  start (self);
}

static void
currents_knockout_view_unmap (GtkWidget *widget)
{
  CurrentsKnockoutView *self = CURRENTS_KNOCKOUT_VIEW (widget);

  /* nothing is computed for a hidden view: finish when shown again */
  if (self->cancellable != NULL || self->debounce_id != 0)
    {
      if (self->cancellable != NULL)
        g_cancellable_cancel (self->cancellable);
      g_clear_object (&self->cancellable);
      g_clear_handle_id (&self->debounce_id, g_source_remove);
      self->generation++;
      self->dirty = TRUE;
    }
  GTK_WIDGET_CLASS (currents_knockout_view_parent_class)->unmap (widget);
  update_busy (self);
}

/* ------------------------------------------------------------------------------------ */
/* Drawing                                                                               */

static void
theme_for (GtkWidget         *widget,
           CurrentsPlotTheme *theme)
{
  const PangoFontDescription *font;

  currents_plot_theme_init (theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  font = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  if (font != NULL)
    {
      g_autofree char *name = pango_font_description_to_string (font);

      g_strlcpy (theme->font, name, sizeof theme->font);
    }
}

static PangoLayout *
make_layout (cairo_t                 *cr,
             const CurrentsPlotTheme *theme,
             gboolean                 bold,
             gboolean                 italic)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (theme->font);

  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  if (italic)
    pango_font_description_set_style (desc, PANGO_STYLE_ITALIC);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  return layout;
}

static double
layout_em (cairo_t                 *cr,
           const CurrentsPlotTheme *theme)
{
  g_autoptr(PangoLayout) layout = make_layout (cr, theme, FALSE, FALSE);
  int h;

  pango_layout_set_text (layout, "0", -1);
  pango_layout_get_pixel_size (layout, NULL, &h);
  return h;
}

static void
show_text (cairo_t                 *cr,
           PangoLayout             *layout,
           const char              *text,
           const CurrentsPlotColor *color,
           double                   x,
           double                   y,
           double                   xalign,
           double                   yalign)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  currents_plot_set_source_color (cr, color);
  cairo_move_to (cr, round (x - xalign * w), round (y - yalign * h));
  pango_cairo_show_layout (cr, layout);
}

static double
text_width (PangoLayout *layout,
            const char  *text)
{
  int w;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, NULL);
  return w;
}

/* Horizontal bars, the largest shift on top. */
static void
draw_bars (GtkDrawingArea *area,
           cairo_t        *cr,
           int             width,
           int             height,
           gpointer        user_data)
{
  CurrentsKnockoutView *self = user_data;
  CurrentsPlotTheme theme;
  g_autoptr(PangoLayout) label = NULL;
  g_autoptr(PangoLayout) bold = NULL;
  g_autoptr(PangoLayout) note = NULL;
  CurrentsPlotViewport vp;
  CurrentsPlotColor bar_color, selected_color, muted;
  guint n = self->result != NULL && self->result->rows != NULL ? self->result->rows->len : 0;
  double max_shift = 0.0, name_w = 0.0, value_w = 0.0, em, first, step;
  int decimals, em_h;
  guint n_ticks;

  self->n_bar_frames++;
  self->n_bars = 0;
  self->bars_rows = 0;
  theme_for (GTK_WIDGET (area), &theme);
  currents_plot_set_source_color (cr, &theme.background);
  cairo_paint (cr);
  if (n == 0)
    return;

  label = make_layout (cr, &theme, FALSE, FALSE);
  bold = make_layout (cr, &theme, TRUE, FALSE);
  note = make_layout (cr, &theme, FALSE, TRUE);
  pango_layout_set_text (label, "0", -1);
  pango_layout_get_pixel_size (label, NULL, &em_h);
  em = em_h;

  for (guint k = 0; k < n; k++)
    {
      const KoRow *row = row_at (self, k);
      g_autofree char *value = NULL;

      if (isfinite (row->shift))
        max_shift = MAX (max_shift, row->shift);
      name_w = MAX (name_w, text_width (bold, row_name (self, row)));
      value = isfinite (row->shift) ? g_strdup_printf ("%.3g", row->shift)
                                    : g_strdup (_("no steady state"));
      value_w = MAX (value_w, text_width (label, value) + (row->extrapolated ? em * 1.2 : 0.0));
    }
  if (!(max_shift > 0.0))
    max_shift = 1.0;

  vp.left = round (12.0 + name_w + 0.8 * em);
  vp.top = round (0.5 * em);
  vp.width = MAX (width - vp.left - value_w - 1.2 * em - 12.0, 20.0);
  vp.height = MAX (height - vp.top - 2.9 * em, 10.0);
  vp.xlo = 0.0;
  n_ticks = currents_plot_nice_ticks (0.0, max_shift, (guint) CLAMP (vp.width / 80.0, 2, 8),
                                      &first, &step, &decimals);
  vp.xhi = MAX (max_shift, first + (n_ticks - 1) * step);
  vp.ylo = 0.0;
  vp.yhi = 1.0;

  /* grid and the shift axis */
  cairo_set_line_width (cr, 1.0);
  for (guint t = 0; t < n_ticks; t++)
    {
      double v = first + t * step, dx, dy;
      g_autofree char *tick = currents_plot_format_tick (fabs (v) < 1e-9 * step ? 0.0 : v,
                                                         decimals);

      currents_plot_viewport_to_device (&vp, v, 0.0, &dx, &dy);
      currents_plot_set_source_color (cr, &theme.grid);
      cairo_move_to (cr, floor (dx) + 0.5, vp.top);
      cairo_line_to (cr, floor (dx) + 0.5, vp.top + vp.height);
      cairo_stroke (cr);
      show_text (cr, label, tick, &theme.foreground, dx, vp.top + vp.height + 0.25 * em, 0.5,
                 0.0);
    }
  currents_plot_set_source_color (cr, &theme.frame);
  cairo_move_to (cr, vp.left + 0.5, vp.top);
  cairo_line_to (cr, vp.left + 0.5, vp.top + vp.height);
  cairo_move_to (cr, vp.left, floor (vp.top + vp.height) + 0.5);
  cairo_line_to (cr, vp.left + vp.width, floor (vp.top + vp.height) + 0.5);
  cairo_stroke (cr);
  show_text (cr, note, _("steady-state shift ‖x_ko − x_ref‖"), &theme.foreground,
             vp.left + vp.width / 2, vp.top + vp.height + 1.45 * em, 0.5, 0.0);

  bar_color = theme.palette[4];
  selected_color = theme.palette[0];
  muted = theme.foreground;
  muted.alpha = 0.6;
  self->bars_left = vp.left;
  self->bars_width = vp.width;
  self->bars_top = vp.top;
  self->bars_row_height = vp.height / n;
  self->bars_rows = n;
  for (guint k = 0; k < n; k++)
    {
      const KoRow *row = row_at (self, k);
      gboolean selected = g_strcmp0 (row_name (self, row), self->selected) == 0;
      double row_top = vp.top + k * self->bars_row_height;
      double mid = row_top + self->bars_row_height / 2;
      double bar_h = MIN (0.64 * self->bars_row_height, 2.0 * em);
      CurrentsPlotColor fill = selected ? selected_color : bar_color;

      show_text (cr, bold, row_name (self, row), selected ? &selected_color : &theme.foreground,
                 vp.left - 0.6 * em, mid, 1.0, 0.5);
      if (!isfinite (row->shift))
        {
          show_text (cr, note, _("no steady state"), &muted, vp.left + 0.5 * em, mid, 0.0, 0.5);
          continue;
        }
      {
        double x1, dy, w;
        g_autofree char *value = g_strdup_printf ("%.3g", row->shift);

        currents_plot_viewport_to_device (&vp, row->shift, 0.0, &x1, &dy);
        w = MAX (x1 - vp.left, 1.0);
        cairo_rectangle (cr, vp.left + 1.0, round (mid - bar_h / 2), w, round (bar_h));
        if (row->stable)
          {
            currents_plot_set_source_color (cr, &fill);
            cairo_fill (cr);
          }
        else
          {
            /* an unstable steady state: an open bar */
            CurrentsPlotColor tint = fill;

            tint.alpha = 0.18;
            currents_plot_set_source_color (cr, &tint);
            cairo_fill_preserve (cr);
            currents_plot_set_source_color (cr, &fill);
            cairo_set_line_width (cr, 1.5);
            cairo_stroke (cr);
          }
        self->n_bars++;
        show_text (cr, label, value, &theme.foreground, vp.left + w + 0.5 * em, mid, 0.0, 0.5);
        if (row->extrapolated)
          show_text (cr, bold, "*", &selected_color,
                     vp.left + w + 0.6 * em + text_width (label, value), mid, 0.0, 0.5);
      }
    }
}

static void
course_range (const KoRow *row,
              gsize        n,
              gsize        i0,
              gsize        i1,
              double      *lo,
              double      *hi)
{
  *lo = 0.0;
  *hi = 0.0;
  for (gsize k = 0; k < row->n_times; k++)
    for (gsize i = i0; i < i1; i++)
      {
        double a = row->original[k * n + i], b = row->knocked_out[k * n + i];

        if (isfinite (a))
          {
            *lo = MIN (*lo, a);
            *hi = MAX (*hi, a);
          }
        if (isfinite (b))
          {
            *lo = MIN (*lo, b);
            *hi = MAX (*hi, b);
          }
      }
  if (*hi - *lo < 1e-12)
    *hi = *lo + 1.0;
  currents_plot_pad_range (lo, hi, 0.05);
}

/* The runs of state @i: the original solid, the knocked-out one dashed. */
static guint
draw_state_curves (cairo_t                    *cr,
                   const CurrentsPlotViewport *vp,
                   const KoRow                *row,
                   gsize                       n,
                   gsize                       i,
                   const CurrentsPlotColor    *color,
                   gboolean                    original,
                   gboolean                    knocked_out)
{
  static const double dash[] = { 7.0, 4.0 };
  guint drawn = 0;

  cairo_save (cr);
  cairo_rectangle (cr, vp->left, vp->top, vp->width, vp->height);
  cairo_clip (cr);
  if (original
      && currents_plot_draw_polyline (cr, vp, row->times, 1, row->original + i, n, row->n_times,
                                      color, 2.0, -1.0) > 0)
    drawn++;
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
  if (knocked_out
      && currents_plot_draw_polyline (cr, vp, row->times, 1, row->knocked_out + i, n,
                                      row->n_times, color, 2.0, -1.0) > 0)
    drawn++;
  cairo_restore (cr);
  return drawn;
}

static void
style_entries (const CurrentsPlotTheme *theme,
               CurrentsPlotLegendEntry *entries)
{
  entries[0] = (CurrentsPlotLegendEntry) { _("original"), theme->foreground,
                                           CURRENTS_PLOT_LEGEND_LINE, 2.0, 0, { 0 } };
  entries[1] = (CurrentsPlotLegendEntry) { _("knocked out"), theme->foreground,
                                           CURRENTS_PLOT_LEGEND_DASHED, 2.0, 0, { 0 } };
}

static CurrentsPlotGlyph
glyph_for (gboolean steady,
           gboolean stable)
{
  return !steady ? CURRENTS_PLOT_GLYPH_NEUTRAL
         : stable ? CURRENTS_PLOT_GLYPH_STABLE : CURRENTS_PLOT_GLYPH_UNSTABLE;
}

/* The knocked-out field's arrows, the run from the reference to the knockout's steady
 * state (dashed) and the original run (solid), with both end points. */
static void
draw_plane (CurrentsKnockoutView    *self,
            cairo_t                 *cr,
            const CurrentsPlotTheme *theme,
            const KoRow             *row,
            double                   width,
            double                   height)
{
  static const double dash[] = { 7.0, 4.0 };
  const KoResult *result = self->result;
  guint a = result->plane_x, b = result->plane_y;
  gsize n = result->n;
  CurrentsPlotLegendEntry entries[4];
  CurrentsPlotViewport vp;
  CurrentsPlotColor ko_color, orig_color;
  g_autofree char *x_label = NULL, *y_label = NULL;
  double dx, dy;

  x_label = row->gene == a ? g_strdup_printf (_("%s (held at 0)"), result->names[a])
                           : g_strdup (result->names[a]);
  y_label = row->gene == b ? g_strdup_printf (_("%s (held at 0)"), result->names[b])
                           : g_strdup (result->names[b]);
  currents_plot_layout (cr, theme, width, height, row->plane_window[0], row->plane_window[1],
                        row->plane_window[2], row->plane_window[3], 0.0, &vp);
  currents_plot_draw_background (cr, theme, width, height, &vp);
  currents_plot_draw_grid (cr, theme, &vp);
  self->n_arrows = currents_plot_draw_field (cr, theme, &vp, PLANE_GRID, PLANE_GRID,
                                             row->plane_fx, row->plane_fy,
                                             CURRENTS_PLOT_ARROWS_NORMALIZED, 0.0);

  orig_color = theme->highlight;
  ko_color = theme->palette[0];
  if (currents_plot_draw_polyline (cr, &vp, row->original + a, n, row->original + b, n,
                                   row->n_times, &orig_color, 2.0, 0.5) > 0)
    self->n_curves++;
  cairo_save (cr);
  cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
  if (currents_plot_draw_polyline (cr, &vp, row->knocked_out + a, n, row->knocked_out + b, n,
                                   row->n_times, &ko_color, 2.5, 0.35) > 0)
    self->n_curves++;
  cairo_restore (cr);

  currents_plot_viewport_to_device (&vp, result->reference[a], result->reference[b], &dx, &dy);
  currents_plot_draw_glyph (cr, dx, dy, 6.0, glyph_for (TRUE, result->ref_stable),
                            &theme->equilibrium, &theme->plot_background);
  if (row->steady)
    {
      currents_plot_viewport_to_device (&vp, row->state[a], row->state[b], &dx, &dy);
      currents_plot_draw_glyph (cr, dx, dy, 6.0, glyph_for (TRUE, row->stable), &ko_color,
                                &theme->plot_background);
    }
  currents_plot_draw_axes (cr, theme, &vp, x_label, y_label);

  entries[0] = (CurrentsPlotLegendEntry) { _("original"), orig_color,
                                           CURRENTS_PLOT_LEGEND_LINE, 2.0, 0, { 0 } };
  entries[1] = (CurrentsPlotLegendEntry) { _("knocked out"), ko_color,
                                           CURRENTS_PLOT_LEGEND_DASHED, 2.5, 0, { 0 } };
  entries[2] = (CurrentsPlotLegendEntry) { _("reference"), theme->equilibrium,
                                           CURRENTS_PLOT_LEGEND_GLYPH, 0.0,
                                           glyph_for (TRUE, result->ref_stable),
                                           theme->plot_background };
  entries[3] = (CurrentsPlotLegendEntry) { _("knockout's steady state"), ko_color,
                                           CURRENTS_PLOT_LEGEND_GLYPH, 0.0,
                                           glyph_for (row->steady, row->stable),
                                           theme->plot_background };
  currents_plot_draw_legend (cr, theme, &vp, entries, row->steady ? 4 : 3,
                             CURRENTS_PLOT_CORNER_TOP_RIGHT);
}

static void
draw_course (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        user_data)
{
  CurrentsKnockoutView *self = user_data;
  const KoRow *row = selected_row (self);
  CurrentsPlotTheme theme;
  gsize n;
  double t_lo, t_hi;

  self->n_course_frames++;
  self->n_curves = 0;
  self->n_arrows = 0;
  theme_for (GTK_WIDGET (area), &theme);
  currents_plot_set_source_color (cr, &theme.background);
  cairo_paint (cr);
  if (row == NULL || row->n_times == 0)
    {
      g_autoptr(PangoLayout) layout = make_layout (cr, &theme, FALSE, TRUE);
      CurrentsPlotColor muted = theme.foreground;

      muted.alpha = 0.6;
      if (self->result != NULL && self->result->rows != NULL && self->result->rows->len > 0)
        show_text (cr, layout, _("Click a bar or a row to see that knockout over time."),
                   &muted, width / 2.0, height / 2.0, 0.5, 0.5);
      return;
    }

  n = self->result->n;
  t_lo = row->times[0];
  t_hi = row->times[row->n_times - 1];

  if (currents_knockout_view_get_display (self) == CURRENTS_KNOCKOUT_DISPLAY_PLANE
      && self->result->has_plane && row->plane_fx != NULL)
    draw_plane (self, cr, &theme, row, width, height);
  else if (currents_knockout_view_get_display (self) != CURRENTS_KNOCKOUT_DISPLAY_PER_STATE)
    {
      g_autofree CurrentsPlotLegendEntry *entries = g_new0 (CurrentsPlotLegendEntry, n + 2);
      g_autofree char **labels = g_new0 (char *, n);
      CurrentsPlotViewport vp;
      double lo, hi, lw, lh, em;
      guint columns = n > 8 ? 2 : 1;
      gboolean outside;

      for (gsize i = 0; i < n; i++)
        {
          currents_plot_theme_palette_color (&theme, i, &entries[i].color);
          labels[i] = i == row->gene ? g_strdup_printf (_("%s (held at 0)"), self->result->names[i])
                                     : g_strdup (self->result->names[i]);
          entries[i].label = labels[i];
          entries[i].symbol = CURRENTS_PLOT_LEGEND_LINE;
          entries[i].line_width = 2.0;
        }
      style_entries (&theme, entries + n);
      /* the legend beside the plot, where it hides no curve */
      currents_plot_measure_legend_columns (cr, &theme, entries, n + 2, columns, &lw, &lh);
      em = layout_em (cr, &theme);
      outside = lw + em < 0.35 * width;
      course_range (row, n, 0, n, &lo, &hi);
      currents_plot_layout (cr, &theme, width, height, t_lo, t_hi, lo, hi,
                            outside ? lw + 0.7 * em : 0.0, &vp);
      currents_plot_draw_background (cr, &theme, width, height, &vp);
      currents_plot_draw_grid (cr, &theme, &vp);
      /* every solid curve first, so that no dashed one hides under them */
      for (gsize i = 0; i < n; i++)
        self->n_curves += draw_state_curves (cr, &vp, row, n, i, &entries[i].color, TRUE, FALSE);
      for (gsize i = 0; i < n; i++)
        self->n_curves += draw_state_curves (cr, &vp, row, n, i, &entries[i].color, FALSE, TRUE);
      currents_plot_draw_axes (cr, &theme, &vp, "t", _("state"));
      if (outside)
        {
          CurrentsPlotViewport beside = vp;

          beside.left = vp.left + vp.width;
          beside.width = lw + 1.4 * em;
          beside.top = vp.top - 0.7 * em;
          currents_plot_draw_legend_columns (cr, &theme, &beside, entries, n + 2, columns,
                                             CURRENTS_PLOT_CORNER_TOP_LEFT);
        }
      else if (lw < 0.6 * vp.width && lh < 0.8 * vp.height)
        currents_plot_draw_legend_columns (cr, &theme, &vp, entries, n + 2, columns,
                                           CURRENTS_PLOT_CORNER_TOP_RIGHT);
      for (gsize i = 0; i < n; i++)
        g_free (labels[i]);
    }
  else
    {
      guint shown = (guint) MIN (n, MAX_PANELS);
      guint cols = shown > 4 && width > 720 ? 2 : 1;
      guint rows = (shown + cols - 1) / cols;
      CurrentsPlotLegendEntry entries[2];
      CurrentsPlotViewport strip = { 0 };
      double em = layout_em (cr, &theme), lw, lh, band, cw, ch, left = 0.0;

      /* the line styles once, in a strip above the panels */
      style_entries (&theme, entries);
      currents_plot_measure_legend_columns (cr, &theme, entries, 2, 2, &lw, &lh);
      band = lh + 0.3 * em;
      strip.left = 0.0;
      strip.top = 0.2 * em - 0.7 * em;
      strip.width = width - 0.7 * em;
      strip.height = band;
      currents_plot_draw_legend_columns (cr, &theme, &strip, entries, 2, 2,
                                         CURRENTS_PLOT_CORNER_TOP_RIGHT);
      cw = (double) width / cols;
      ch = (height - band) / rows;
      /* the panels' axes aligned: room for the widest tick labels in each */
      for (guint i = 0; i < shown; i++)
        {
          CurrentsPlotViewport vp;
          double lo, hi;

          course_range (row, n, i, i + 1, &lo, &hi);
          currents_plot_layout (cr, &theme, cw, ch, t_lo, t_hi, lo, hi, 0.0, &vp);
          left = MAX (left, vp.left);
        }

      for (guint i = 0; i < shown; i++)
        {
          CurrentsPlotColor color;
          CurrentsPlotViewport vp;
          double lo, hi;
          g_autofree char *ylabel = i == row->gene
                                    ? g_strdup_printf (_("%s (held at 0)"), self->result->names[i])
                                    : g_strdup (self->result->names[i]);

          cairo_save (cr);
          cairo_translate (cr, round ((i % cols) * cw), round (band + (i / cols) * ch));
          course_range (row, n, i, i + 1, &lo, &hi);
          currents_plot_layout (cr, &theme, cw, ch, t_lo, t_hi, lo, hi, 0.0, &vp);
          vp.width = MAX (vp.width - (left - vp.left), 1.0);
          vp.left = left;
          currents_plot_draw_background (cr, &theme, cw, ch, &vp);
          currents_plot_draw_grid (cr, &theme, &vp);
          currents_plot_theme_palette_color (&theme, i, &color);
          self->n_curves += draw_state_curves (cr, &vp, row, n, i, &color, TRUE, TRUE);
          currents_plot_draw_axes (cr, &theme, &vp, i / cols == rows - 1 ? "t" : NULL, ylabel);
          cairo_restore (cr);
        }
    }

  if (row->course_error != NULL)
    {
      g_autoptr(PangoLayout) layout = make_layout (cr, &theme, FALSE, TRUE);
      g_autofree char *text = g_strdup_printf (_("The run stops early: %s"), row->course_error);

      pango_layout_set_width (layout, (int) ((width - 24) * PANGO_SCALE));
      pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
      show_text (cr, layout, text, &theme.palette[2], 12, height - 4.0, 0.0, 1.0);
    }
}

static void
bars_pressed_cb (GtkGestureClick      *gesture,
                 int                   n_press,
                 double                x,
                 double                y,
                 CurrentsKnockoutView *self)
{
  currents_knockout_view_click_bars (self, x, y);
}

static void
dark_changed_cb (CurrentsKnockoutView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->ko_bars));
  gtk_widget_queue_draw (GTK_WIDGET (self->ko_course));
}

static void
layout_toggled_cb (CurrentsKnockoutView *self)
{
  update_course_title (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->ko_course));
}

/* ------------------------------------------------------------------------------------ */
/* The table                                                                             */

static void
cell_setup_cb (GtkSignalListItemFactory *factory,
               GtkListItem              *item,
               gpointer                  user_data)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "column"));
  GtkWidget *label = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (label),
                        column == COLUMN_RANK || column == COLUMN_SHIFT ? 1.0 : 0.0);
  if (column == COLUMN_STATE)
    gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  if (column == COLUMN_GENE)
    gtk_widget_add_css_class (label, "heading");
  if (column == COLUMN_SHIFT || column == COLUMN_STATE || column == COLUMN_RANK)
    gtk_widget_add_css_class (label, "numeric");
  gtk_list_item_set_child (item, label);
}

static void
cell_bind_cb (GtkSignalListItemFactory *factory,
              GtkListItem              *item,
              CurrentsKnockoutView     *self)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (factory), "column"));
  GtkLabel *label = GTK_LABEL (gtk_list_item_get_child (item));
  const KoRow *row = row_at (self, gtk_list_item_get_position (item));
  g_autofree char *text = NULL;
  g_autofree char *tooltip = NULL;

  if (row == NULL)
    {
      gtk_label_set_text (label, "");
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (label), "warning");
  gtk_widget_remove_css_class (GTK_WIDGET (label), "dim-label");
  switch (column)
    {
    case COLUMN_RANK:
      text = g_strdup_printf ("%u", gtk_list_item_get_position (item) + 1);
      break;
    case COLUMN_GENE:
      text = g_strdup (row_name (self, row));
      break;
    case COLUMN_SHIFT:
      text = isfinite (row->shift) ? g_strdup_printf ("%.4g", row->shift) : g_strdup ("—");
      break;
    case COLUMN_STATE:
      if (row->steady)
        {
          text = format_state (self->result->names, row->state, self->result->n);
          tooltip = row->settled ? g_strdup (text)
                                 : g_strdup_printf (_("%s — the flow does not come to rest "
                                                      "there (%s)"), text,
                                                    row->message != NULL ? row->message : "");
        }
      else
        {
          text = g_strdup (_("none reached"));
          tooltip = g_strdup (row->message);
          gtk_widget_add_css_class (GTK_WIDGET (label), "dim-label");
        }
      break;
    case COLUMN_STABLE:
      text = !row->steady ? g_strdup ("—") : g_strdup (row->stable ? _("yes") : _("no"));
      tooltip = g_strdup (row->type);
      break;
    case COLUMN_EXTRAPOLATED:
    default:
      text = g_strdup (row->extrapolated ? _("extrapolated") : "");
      if (row->extrapolated)
        {
          gtk_widget_add_css_class (GTK_WIDGET (label), "warning");
          tooltip = g_strdup (_("0 lies outside the training data's range of this state"));
        }
      break;
    }
  gtk_label_set_text (label, text);
  gtk_widget_set_tooltip_text (GTK_WIDGET (label), tooltip);
}

static GtkColumnViewColumn *
add_column (CurrentsKnockoutView *self,
            const char           *title,
            guint                 column,
            gboolean              expand)
{
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();
  GtkColumnViewColumn *col;

  g_object_set_data (G_OBJECT (factory), "column", GUINT_TO_POINTER (column));
  g_signal_connect (factory, "setup", G_CALLBACK (cell_setup_cb), NULL);
  g_signal_connect_object (factory, "bind", G_CALLBACK (cell_bind_cb), self, 0);
  col = gtk_column_view_column_new (title, factory);
  gtk_column_view_column_set_expand (col, expand);
  gtk_column_view_column_set_resizable (col, TRUE);
  gtk_column_view_append_column (self->ko_table, col);
  g_object_unref (col);
  return col;
}

static void
selection_changed_cb (CurrentsKnockoutView *self)
{
  guint position;
  const KoRow *row;

  if (self->updating_selection)
    return;
  position = gtk_single_selection_get_selected (self->selection);
  row = row_at (self, position);
  currents_knockout_view_select_gene (self, row != NULL ? row_name (self, row) : NULL);
}

/* ------------------------------------------------------------------------------------ */

static void
currents_knockout_view_dispose (GObject *object)
{
  CurrentsKnockoutView *self = CURRENTS_KNOCKOUT_VIEW (object);

  if (self->cancellable != NULL)
    g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->generation++;
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  if (self->portrait != NULL)
    {
      g_object_remove_weak_pointer (G_OBJECT (self->portrait), (gpointer *) &self->portrait);
      self->portrait = NULL;
    }
  if (self->ko_table != NULL)
    gtk_column_view_set_model (self->ko_table, NULL);
  g_clear_object (&self->selection);
  g_clear_object (&self->rows_model);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_KNOCKOUT_VIEW);
  /* children the template made but did not bind */
  _currents_view_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (currents_knockout_view_parent_class)->dispose (object);
}

static void
currents_knockout_view_finalize (GObject *object)
{
  CurrentsKnockoutView *self = CURRENTS_KNOCKOUT_VIEW (object);

  g_clear_pointer (&self->result, ko_result_free);
  g_free (self->selected);
  g_free (self->message);
  G_OBJECT_CLASS (currents_knockout_view_parent_class)->finalize (object);
}

static void
currents_knockout_view_class_init (CurrentsKnockoutViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_knockout_view_dispose;
  object_class->finalize = currents_knockout_view_finalize;
  widget_class->map = currents_knockout_view_map;
  widget_class->unmap = currents_knockout_view_unmap;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-knockout-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_stack);
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_status);
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_spinner);
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_reference_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_bars);
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_table);
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_course_title);
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_together_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_separate_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_plane_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsKnockoutView, ko_course);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "knockoutview");
}

static void
currents_knockout_view_init (CurrentsKnockoutView *self)
{
  GtkGesture *click;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->rows_model = gtk_string_list_new (NULL);
  self->selection = gtk_single_selection_new (g_object_ref (G_LIST_MODEL (self->rows_model)));
  gtk_single_selection_set_autoselect (self->selection, FALSE);
  gtk_single_selection_set_can_unselect (self->selection, TRUE);
  g_signal_connect_object (self->selection, "notify::selected",
                           G_CALLBACK (selection_changed_cb), self, G_CONNECT_SWAPPED);
  gtk_column_view_set_model (self->ko_table, GTK_SELECTION_MODEL (self->selection));
  add_column (self, _("#"), COLUMN_RANK, FALSE);
  add_column (self, _("Gene"), COLUMN_GENE, FALSE);
  add_column (self, _("Shift"), COLUMN_SHIFT, FALSE);
  add_column (self, _("Stable"), COLUMN_STABLE, FALSE);
  self->extrapolated_column = add_column (self, _("Data"), COLUMN_EXTRAPOLATED, FALSE);
  gtk_column_view_column_set_visible (self->extrapolated_column, FALSE);
  add_column (self, _("Knocked-out steady state"), COLUMN_STATE, TRUE);

  gtk_drawing_area_set_draw_func (self->ko_bars, draw_bars, self, NULL);
  gtk_drawing_area_set_draw_func (self->ko_course, draw_course, self, NULL);
  click = gtk_gesture_click_new ();
  g_signal_connect (click, "pressed", G_CALLBACK (bars_pressed_cb), self);
  gtk_widget_add_controller (GTK_WIDGET (self->ko_bars), GTK_EVENT_CONTROLLER (click));
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->ko_bars), "pointer");
  g_signal_connect_object (self->ko_separate_button, "toggled", G_CALLBACK (layout_toggled_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (self->ko_plane_button, "toggled", G_CALLBACK (layout_toggled_cb),
                           self, G_CONNECT_SWAPPED);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (dark_changed_cb), self, G_CONNECT_SWAPPED);

  self->dirty = TRUE;
  update_course_title (self);
  update_busy (self);
}

GtkWidget *
currents_knockout_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_KNOCKOUT_VIEW, NULL);
}

void
currents_knockout_view_set_portrait (CurrentsKnockoutView *self,
                                     CurrentsPortrait     *portrait)
{
  g_return_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self));
  g_return_if_fail (portrait == NULL || CURRENTS_IS_PORTRAIT (portrait));

  if (self->portrait == portrait)
    return;
  if (self->portrait != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->portrait, self);
      g_signal_handlers_disconnect_by_data (currents_portrait_get_parameter_panel (self->portrait),
                                            self);
      g_object_remove_weak_pointer (G_OBJECT (self->portrait), (gpointer *) &self->portrait);
    }
  self->portrait = portrait;
  if (portrait != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (portrait), (gpointer *) &self->portrait);
      g_signal_connect_object (portrait, "content-changed", G_CALLBACK (content_changed_cb),
                               self, G_CONNECT_SWAPPED);
      g_signal_connect_object (currents_portrait_get_parameter_panel (portrait), "value-changed",
                               G_CALLBACK (value_changed_cb), self, G_CONNECT_SWAPPED);
    }
  invalidate (self, FALSE);
}

gboolean
currents_knockout_view_get_busy (CurrentsKnockoutView *self)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), FALSE);
  return self->cancellable != NULL || self->debounce_id != 0
         || (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)));
}

guint
currents_knockout_view_get_n_updates (CurrentsKnockoutView *self)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), 0);
  return self->n_updates;
}

const char *
currents_knockout_view_get_message (CurrentsKnockoutView *self)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), NULL);
  return self->message;
}

guint
currents_knockout_view_get_n_genes (CurrentsKnockoutView *self)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), 0);
  return self->result != NULL && self->result->rows != NULL ? self->result->rows->len : 0;
}

const char *
currents_knockout_view_get_gene_name (CurrentsKnockoutView *self,
                                      guint                 rank)
{
  const KoRow *row;

  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), NULL);
  row = row_at (self, rank);
  return row != NULL ? row_name (self, row) : NULL;
}

double
currents_knockout_view_get_shift (CurrentsKnockoutView *self,
                                  guint                 rank)
{
  const KoRow *row;

  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), NAN);
  row = row_at (self, rank);
  return row != NULL ? row->shift : NAN;
}

gboolean
currents_knockout_view_get_gene (CurrentsKnockoutView *self,
                                 guint                 rank,
                                 const double        **state,
                                 gboolean             *steady,
                                 gboolean             *stable,
                                 gboolean             *extrapolated)
{
  const KoRow *row;

  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), FALSE);
  row = row_at (self, rank);
  if (row == NULL)
    return FALSE;
  if (state != NULL)
    *state = row->state;
  if (steady != NULL)
    *steady = row->steady;
  if (stable != NULL)
    *stable = row->stable;
  if (extrapolated != NULL)
    *extrapolated = row->extrapolated;
  return TRUE;
}

int
currents_knockout_view_get_rank (CurrentsKnockoutView *self,
                                 const char           *gene)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), -1);
  return rank_of (self, gene);
}

const double *
currents_knockout_view_get_reference (CurrentsKnockoutView *self,
                                      gsize                *n)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), NULL);
  if (n != NULL)
    *n = self->result != NULL ? self->result->n : 0;
  return self->result != NULL ? self->result->reference : NULL;
}

gboolean
currents_knockout_view_select_gene (CurrentsKnockoutView *self,
                                    const char           *gene)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), FALSE);
  if (gene != NULL && rank_of (self, gene) < 0)
    return FALSE;
  if (g_strcmp0 (gene, self->selected) != 0)
    {
      g_free (self->selected);
      self->selected = g_strdup (gene);
    }
  sync_selection (self);
  return TRUE;
}

const char *
currents_knockout_view_get_selected (CurrentsKnockoutView *self)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), NULL);
  return rank_of (self, self->selected) >= 0 ? self->selected : NULL;
}

int
currents_knockout_view_click_bars (CurrentsKnockoutView *self,
                                   double                x,
                                   double                y)
{
  const KoRow *row;
  double k;

  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), -1);
  if (self->bars_rows == 0 || !(self->bars_row_height > 0.0))
    return -1;
  k = floor ((y - self->bars_top) / self->bars_row_height);
  if (k < 0 || k >= self->bars_rows)
    return -1;
  row = row_at (self, (guint) k);
  if (row == NULL)
    return -1;
  currents_knockout_view_select_gene (self, row_name (self, row));
  return (int) k;
}

gboolean
currents_knockout_view_get_bar_center (CurrentsKnockoutView *self,
                                       guint                 rank,
                                       double               *x,
                                       double               *y)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), FALSE);
  if (rank >= self->bars_rows)
    return FALSE;
  *x = self->bars_left + 0.5 * self->bars_width;
  *y = self->bars_top + (rank + 0.5) * self->bars_row_height;
  return TRUE;
}

gboolean
currents_knockout_view_get_course (CurrentsKnockoutView *self,
                                   gsize                *n_times,
                                   gsize                *n_states,
                                   const double        **times,
                                   const double        **original,
                                   const double        **knocked_out)
{
  const KoRow *row;

  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), FALSE);
  row = selected_row (self);
  if (row == NULL || row->n_times == 0)
    return FALSE;
  if (n_times != NULL)
    *n_times = row->n_times;
  if (n_states != NULL)
    *n_states = self->result->n;
  if (times != NULL)
    *times = row->times;
  if (original != NULL)
    *original = row->original;
  if (knocked_out != NULL)
    *knocked_out = row->knocked_out;
  return TRUE;
}

void
currents_knockout_view_set_display (CurrentsKnockoutView    *self,
                                    CurrentsKnockoutDisplay  display)
{
  g_return_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self));
  switch (display)
    {
    case CURRENTS_KNOCKOUT_DISPLAY_PER_STATE:
      gtk_toggle_button_set_active (self->ko_separate_button, TRUE);
      break;
    case CURRENTS_KNOCKOUT_DISPLAY_PLANE:
      gtk_toggle_button_set_active (self->ko_plane_button, TRUE);
      break;
    case CURRENTS_KNOCKOUT_DISPLAY_TOGETHER:
    default:
      gtk_toggle_button_set_active (self->ko_together_button, TRUE);
      break;
    }
}

CurrentsKnockoutDisplay
currents_knockout_view_get_display (CurrentsKnockoutView *self)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), CURRENTS_KNOCKOUT_DISPLAY_TOGETHER);
  if (gtk_toggle_button_get_active (self->ko_plane_button))
    return CURRENTS_KNOCKOUT_DISPLAY_PLANE;
  if (gtk_toggle_button_get_active (self->ko_separate_button))
    return CURRENTS_KNOCKOUT_DISPLAY_PER_STATE;
  return CURRENTS_KNOCKOUT_DISPLAY_TOGETHER;
}

gboolean
currents_knockout_view_get_plane (CurrentsKnockoutView *self,
                                  guint                *x_axis,
                                  guint                *y_axis,
                                  guint                *n_arrows)
{
  g_return_val_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self), FALSE);
  if (self->result == NULL || !self->result->has_plane)
    return FALSE;
  if (x_axis != NULL)
    *x_axis = self->result->plane_x;
  if (y_axis != NULL)
    *y_axis = self->result->plane_y;
  if (n_arrows != NULL)
    *n_arrows = self->n_arrows;
  return TRUE;
}

void
currents_knockout_view_get_stats (CurrentsKnockoutView *self,
                                  guint                *n_bars,
                                  guint                *n_curves,
                                  guint                *n_bar_frames,
                                  guint                *n_course_frames)
{
  g_return_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self));
  if (n_bars != NULL)
    *n_bars = self->n_bars;
  if (n_curves != NULL)
    *n_curves = self->n_curves;
  if (n_bar_frames != NULL)
    *n_bar_frames = self->n_bar_frames;
  if (n_course_frames != NULL)
    *n_course_frames = self->n_course_frames;
}
