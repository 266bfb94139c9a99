/* currents-import-sheet.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The CSV import sheet: the first rows of the file as the reader cuts them, a role per
 * column (time, trajectory, state, input, ignored; inputs optionally on a log scale),
 * and the reader's verdict on the file with those roles, checked in a thread after each
 * change. A malformed file shows the reader's message in place, with its line marked in
 * the preview (appended below it when the line lies further down).
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-import-sheet"

#include <string.h>

#include <glib/gi18n.h>

#include "currents-import-sheet.h"

#define PREVIEW_ROWS 50

struct _CurrentsImportSheet
{
  AdwWindow           parent_instance;

  /* template children */
  AdwWindowTitle     *window_title;
  GtkRevealer        *error_revealer;
  GtkLabel           *error_label;
  GtkLabel           *summary_label;
  GtkSpinner         *spinner;
  GtkGrid            *grid;
  GtkCheckButton     *snapshots_check;

  GFile              *file;
  char               *name;
  GBytes             *contents;
  gsize               n_lines;
  CurrentsCsvPreview *preview;
  char              **model_inputs;

  guint               n_cols;
  CurrentsColumnRole *roles;
  gboolean           *log_scale;
  GPtrArray          *dropdowns;     /* GtkDropDown per column */
  GPtrArray          *checks;        /* GtkCheckButton per column */
  GPtrArray          *headers;       /* the header box per column */
  GPtrArray          *rows;          /* per preview row, a GPtrArray of its labels */
  GPtrArray          *extra;         /* widgets of the appended error line */
  gboolean            updating;

  /* the reader's options for the roles */
  GPtrArray          *opt_inputs;
  GPtrArray          *opt_ignore;
  const char         *opt_time;
  const char         *opt_trajectory;

  /* checking */
  guint               generation;
  guint               pending;        /* checks running */
  GCancellable       *cancellable;
  gboolean            loading;
  char               *error;
  guint               error_line;
  gboolean            error_line_shown;
  CurrentsDataset    *dataset;
  gboolean            snapshots_mode;  /* snapshot data of a population (CNF) */
  CurrentsSnapshots  *snapshots;
};

G_DEFINE_FINAL_TYPE (CurrentsImportSheet, currents_import_sheet, ADW_TYPE_WINDOW)

enum {
  PROP_0,
  PROP_BUSY,
  N_PROPS
};

enum {
  IMPORT,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

static void schedule_check (CurrentsImportSheet *self);

static const char *
role_label (CurrentsColumnRole role)
{
  switch (role)
    {
    case CURRENTS_COLUMN_TIME: return C_("column role", "Time");
    case CURRENTS_COLUMN_TRAJECTORY: return C_("column role", "Trajectory");
    case CURRENTS_COLUMN_STATE: return C_("column role", "State");
    case CURRENTS_COLUMN_INPUT: return C_("column role", "Input");
    case CURRENTS_COLUMN_IGNORE:
    default: return C_("column role", "Ignore");
    }
}

gboolean
currents_import_sheet_get_busy (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), FALSE);
  return self->loading || self->pending > 0;
}

static void
notify_busy (CurrentsImportSheet *self)
{
  gboolean busy = currents_import_sheet_get_busy (self);

  gtk_spinner_set_spinning (self->spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), busy);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BUSY]);
}

static void
update_import_enabled (CurrentsImportSheet *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "sheet.import",
                                 (self->dataset != NULL || self->snapshots != NULL)
                                 && self->error == NULL
                                 && self->pending == 0 && !self->loading);
}

/* ---- the preview ---- */

static GtkWidget *
cell_label (const char *text,
            gboolean    dim)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (label), 18);
  gtk_label_set_single_line_mode (GTK_LABEL (label), TRUE);
  gtk_widget_set_tooltip_text (label, text);
  gtk_widget_add_css_class (label, "import-cell");
  gtk_widget_add_css_class (label, "numeric");
  if (dim)
    gtk_widget_add_css_class (label, "dim-label");
  return label;
}

static void
clear_grid (CurrentsImportSheet *self)
{
  GtkWidget *child;

  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->grid))) != NULL)
    gtk_grid_remove (self->grid, child);
  g_ptr_array_set_size (self->dropdowns, 0);
  g_ptr_array_set_size (self->checks, 0);
  g_ptr_array_set_size (self->headers, 0);
  g_ptr_array_set_size (self->rows, 0);
  g_ptr_array_set_size (self->extra, 0);
}

static void
sync_column_widgets (CurrentsImportSheet *self)
{
  gboolean any_input = FALSE;

  for (guint c = 0; c < self->n_cols; c++)
    any_input |= self->roles[c] == CURRENTS_COLUMN_INPUT;
  self->updating = TRUE;
  for (guint c = 0; c < self->n_cols && c < self->dropdowns->len; c++)
    {
      GtkDropDown *dd = g_ptr_array_index (self->dropdowns, c);
      GtkCheckButton *check = g_ptr_array_index (self->checks, c);
      GtkWidget *header = g_ptr_array_index (self->headers, c);

      gtk_drop_down_set_selected (dd, self->roles[c]);
      gtk_check_button_set_active (check, self->log_scale[c]);
      /* Only inputs have a scale; the others keep its place while there is one. */
      gtk_widget_set_visible (GTK_WIDGET (check), any_input);
      gtk_widget_set_opacity (GTK_WIDGET (check),
                              self->roles[c] == CURRENTS_COLUMN_INPUT ? 1.0 : 0.0);
      gtk_widget_set_sensitive (GTK_WIDGET (check), self->roles[c] == CURRENTS_COLUMN_INPUT);
      gtk_widget_set_can_target (GTK_WIDGET (check), self->roles[c] == CURRENTS_COLUMN_INPUT);
      if (self->roles[c] == CURRENTS_COLUMN_IGNORE)
        gtk_widget_add_css_class (header, "ignored");
      else
        gtk_widget_remove_css_class (header, "ignored");
      for (guint r = 0; r < self->rows->len; r++)
        {
          GPtrArray *row = g_ptr_array_index (self->rows, r);

          if (c + 1 < row->len)
            {
              GtkWidget *cell = g_ptr_array_index (row, c + 1);

              if (self->roles[c] == CURRENTS_COLUMN_IGNORE)
                gtk_widget_add_css_class (cell, "ignored");
              else
                gtk_widget_remove_css_class (cell, "ignored");
            }
        }
    }
  self->updating = FALSE;
}

static void
role_selected_cb (GtkDropDown         *dd,
                  GParamSpec          *pspec,
                  CurrentsImportSheet *self)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (dd), "column"));

  if (self->updating)
    return;
  currents_import_sheet_set_role (self, column, gtk_drop_down_get_selected (dd));
}

static void
log_toggled_cb (GtkCheckButton      *check,
                CurrentsImportSheet *self)
{
  guint column = GPOINTER_TO_UINT (g_object_get_data (G_OBJECT (check), "column"));

  if (self->updating)
    return;
  currents_import_sheet_set_log_scale (self, column, gtk_check_button_get_active (check));
}

static GtkWidget *
column_header (CurrentsImportSheet *self,
               guint                c)
{
  static const char *roles[] = { NULL, NULL, NULL, NULL, NULL, NULL };
  const char *name = self->preview->names[c];
  g_autoptr(GtkStringList) list = NULL;
  g_autofree char *dd_label = NULL, *check_label = NULL;
  GtkWidget *box, *title, *dd, *check;

  for (int r = CURRENTS_COLUMN_TIME; r <= CURRENTS_COLUMN_IGNORE; r++)
    roles[r] = role_label (r);
  list = gtk_string_list_new (roles);

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_add_css_class (box, "import-header");
  title = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (title), 0.0f);
  gtk_label_set_ellipsize (GTK_LABEL (title), PANGO_ELLIPSIZE_END);
  gtk_label_set_max_width_chars (GTK_LABEL (title), 16);
  gtk_widget_set_tooltip_text (title, name);
  gtk_widget_add_css_class (title, "heading");
  gtk_box_append (GTK_BOX (box), title);

  dd = gtk_drop_down_new (G_LIST_MODEL (g_steal_pointer (&list)), NULL);
  g_object_set_data (G_OBJECT (dd), "column", GUINT_TO_POINTER (c));
  /* Translators: the accessible name of the role chooser of the column named %s */
  dd_label = g_strdup_printf (_("Role of column “%s”"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (dd), GTK_ACCESSIBLE_PROPERTY_LABEL, dd_label, -1);
  gtk_widget_set_tooltip_text (dd, dd_label);
  g_signal_connect (dd, "notify::selected", G_CALLBACK (role_selected_cb), self);
  gtk_box_append (GTK_BOX (box), dd);

  check = gtk_check_button_new_with_mnemonic (_("_Log scale"));
  g_object_set_data (G_OBJECT (check), "column", GUINT_TO_POINTER (c));
  /* Translators: the accessible name of the log-scale check of the input column %s */
  check_label = g_strdup_printf (_("Log scale for input “%s”"), name);
  gtk_accessible_update_property (GTK_ACCESSIBLE (check), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  check_label, -1);
  gtk_widget_set_tooltip_text (check, _("Inputs that span decades (an inducer’s levels) are "
                                        "better learned on a log scale"));
  g_signal_connect (check, "toggled", G_CALLBACK (log_toggled_cb), self);
  gtk_box_append (GTK_BOX (box), check);

  g_ptr_array_add (self->dropdowns, dd);
  g_ptr_array_add (self->checks, check);
  g_ptr_array_add (self->headers, box);
  return box;
}

static void
rebuild_grid (CurrentsImportSheet *self)
{
  const CurrentsCsvPreview *pv = self->preview;
  GtkWidget *corner;

  clear_grid (self);
  if (pv == NULL)
    return;

  corner = cell_label (_("Line"), TRUE);
  gtk_widget_set_valign (corner, GTK_ALIGN_END);
  gtk_grid_attach (self->grid, corner, 0, 0, 1, 1);
  for (guint c = 0; c < pv->n_cols; c++)
    gtk_grid_attach (self->grid, column_header (self, c), c + 1, 0, 1, 1);

  for (gsize r = 0; r < pv->n_rows; r++)
    {
      GPtrArray *row = g_ptr_array_new ();
      g_autofree char *line = g_strdup_printf ("%" G_GSIZE_FORMAT, pv->lines[r]);
      GtkWidget *number = cell_label (line, TRUE);

      gtk_widget_add_css_class (number, "line-number");
      gtk_grid_attach (self->grid, number, 0, (int) r + 1, 1, 1);
      g_ptr_array_add (row, number);
      for (guint c = 0; pv->rows[r][c] != NULL; c++)
        {
          GtkWidget *cell = cell_label (pv->rows[r][c], FALSE);

          gtk_grid_attach (self->grid, cell, c + 1, (int) r + 1, 1, 1);
          g_ptr_array_add (row, cell);
        }
      g_ptr_array_add (self->rows, row);
    }
  sync_column_widgets (self);
}

/* The text of line @n (from 1) of the contents, or NULL. */
static char *
line_text (CurrentsImportSheet *self,
           gsize                n)
{
  gsize len = 0;
  const char *p = g_bytes_get_data (self->contents, &len), *end = p + len;

  for (gsize line = 1; p < end; line++)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;

      if (line == n)
        {
          if (line_end > p && line_end[-1] == '\r')
            line_end--;
          return g_utf8_make_valid (p, line_end - p);
        }
      if (nl == NULL)
        break;
      p = nl + 1;
    }
  return NULL;
}

/* Marks the error's line in the preview; a line past the preview is appended. */
static void
show_error_line (CurrentsImportSheet *self)
{
  const CurrentsCsvPreview *pv = self->preview;
  gboolean found = FALSE;

  for (guint i = 0; i < self->extra->len; i++)
    gtk_grid_remove (self->grid, g_ptr_array_index (self->extra, i));
  g_ptr_array_set_size (self->extra, 0);

  for (guint r = 0; r < self->rows->len; r++)
    {
      GPtrArray *row = g_ptr_array_index (self->rows, r);
      gboolean bad = self->error_line > 0 && pv->lines[r] == self->error_line;

      found |= bad;
      for (guint k = 0; k < row->len; k++)
        {
          if (bad)
            gtk_widget_add_css_class (g_ptr_array_index (row, k), "error-line");
          else
            gtk_widget_remove_css_class (g_ptr_array_index (row, k), "error-line");
        }
    }
  for (guint c = 0; c < self->headers->len; c++)
    {
      GtkWidget *header = g_ptr_array_index (self->headers, c);
      gboolean bad = self->error_line > 0 && self->error_line == pv->header_line;

      found |= bad;
      if (bad)
        gtk_widget_add_css_class (header, "error-line");
      else
        gtk_widget_remove_css_class (header, "error-line");
    }

  if (!found && self->error_line > 0 && pv != NULL && self->error_line > pv->header_line)
    {
      g_autofree char *header = line_text (self, pv->header_line);
      g_autofree char *text = line_text (self, self->error_line);

      if (header != NULL && text != NULL)
        {
          g_autofree char *both = g_strconcat (header, "\n", text, NULL);
          g_autoptr(CurrentsCsvPreview) cut = currents_csv_preview_new (both, -1, 1);
          g_autofree char *number = g_strdup_printf ("%u", self->error_line);
          int y = (int) pv->n_rows + 1;
          GtkWidget *gap = cell_label ("⋯", TRUE);
          GtkWidget *label = cell_label (number, TRUE);

          gtk_grid_attach (self->grid, gap, 0, y, 1, 1);
          g_ptr_array_add (self->extra, gap);
          gtk_widget_add_css_class (label, "error-line");
          gtk_grid_attach (self->grid, label, 0, y + 1, 1, 1);
          g_ptr_array_add (self->extra, label);
          for (guint c = 0; cut->n_rows > 0 && cut->rows[0][c] != NULL; c++)
            {
              GtkWidget *cell = cell_label (cut->rows[0][c], FALSE);

              gtk_widget_add_css_class (cell, "error-line");
              gtk_grid_attach (self->grid, cell, c + 1, y + 1, 1, 1);
              g_ptr_array_add (self->extra, cell);
            }
          found = TRUE;
        }
    }
  self->error_line_shown = found;
}

/* ---- the verdict ---- */

/* "LINE: message" from the reader's "NAME:LINE: message"; LINE is 0 when absent. */
static char *
split_message (const char *message,
               const char *name,
               guint      *line)
{
  const char *p = message;
  guint64 n = 0;
  char *end = NULL;

  *line = 0;
  if (name != NULL && g_str_has_prefix (p, name) && p[strlen (name)] == ':')
    p += strlen (name) + 1;
  else
    return g_strdup (message);
  if (g_ascii_isdigit (*p))
    {
      n = g_ascii_strtoull (p, &end, 10);
      if (end != NULL && *end == ':' && n > 0 && n <= G_MAXUINT)
        {
          *line = (guint) n;
          p = end + 1;
        }
    }
  while (*p == ' ')
    p++;
  return g_strdup (p);
}

static void
set_verdict (CurrentsImportSheet *self,
             CurrentsDataset     *dataset,
             const GError        *error)
{
  g_clear_pointer (&self->dataset, currents_dataset_free);
  g_clear_pointer (&self->snapshots, currents_snapshots_free);
  g_clear_pointer (&self->error, g_free);
  self->error_line = 0;

  if (dataset != NULL)
    {
      gsize nt = currents_dataset_get_n_trajectories (dataset);
      gsize ns = currents_dataset_get_n_states (dataset);
      gsize ni = currents_dataset_get_n_inputs (dataset);
      gsize nr = currents_dataset_get_n_samples (dataset);
      g_autofree char *t = g_strdup_printf (ngettext ("%lu trajectory", "%lu trajectories",
                                                      (gulong) nt), (gulong) nt);
      g_autofree char *s = g_strdup_printf (ngettext ("%lu state", "%lu states", (gulong) ns),
                                            (gulong) ns);
      g_autofree char *i = g_strdup_printf (ngettext ("%lu input", "%lu inputs", (gulong) ni),
                                            (gulong) ni);
      g_autofree char *r = g_strdup_printf (ngettext ("%lu row", "%lu rows", (gulong) nr),
                                            (gulong) nr);
      g_autofree char *summary = g_strdup_printf ("%s · %s · %s · %s", t, s, i, r);

      self->dataset = dataset;
      gtk_label_set_text (self->summary_label, summary);
      gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
    }
  else
    {
      g_autofree char *text = NULL;
      guint line = 0;

      text = split_message (error->message, self->name, &line);
      self->error_line = line;
      if (line > 0)
        /* Translators: a line of the data file, then what is wrong with it */
        self->error = g_strdup_printf (_("Line %u: %s"), line, text);
      else
        self->error = g_steal_pointer (&text);
      gtk_label_set_text (self->error_label, self->error);
      gtk_revealer_set_reveal_child (self->error_revealer, TRUE);
      gtk_label_set_text (self->summary_label,
                          _("The data cannot be imported with these roles: change a role "
                            "or fix the file"));
    }
  show_error_line (self);
  update_import_enabled (self);
}

/* Snapshot data: its own summary (the roles do not apply: a time column and states). */
static void
set_snapshot_verdict (CurrentsImportSheet *self,
                      CurrentsSnapshots   *snapshots,
                      const GError        *error)
{
  gsize nt, ns, nc = 0;
  g_autofree char *t = NULL, *s = NULL, *c = NULL, *summary = NULL;

  if (snapshots == NULL)
    {
      set_verdict (self, NULL, error);
      return;
    }
  g_clear_pointer (&self->dataset, currents_dataset_free);
  g_clear_pointer (&self->snapshots, currents_snapshots_free);
  g_clear_pointer (&self->error, g_free);
  self->error_line = 0;
  gtk_revealer_set_reveal_child (self->error_revealer, FALSE);
  show_error_line (self);
  nt = currents_snapshots_get_n_times (snapshots);
  ns = currents_snapshots_get_n_states (snapshots);
  for (gsize k = 0; k < nt; k++)
    nc += currents_snapshots_get_n_cells (snapshots, k);
  t = g_strdup_printf (ngettext ("%lu snapshot", "%lu snapshots", (gulong) nt), (gulong) nt);
  s = g_strdup_printf (ngettext ("%lu state", "%lu states", (gulong) ns), (gulong) ns);
  c = g_strdup_printf (ngettext ("%lu cell", "%lu cells", (gulong) nc), (gulong) nc);
  summary = g_strdup_printf ("%s · %s · %s", t, s, c);
  self->snapshots = snapshots;
  gtk_label_set_text (self->summary_label, summary);
  update_import_enabled (self);
}

typedef struct
{
  GBytes             *contents;
  char               *name;
  char               *time;
  char               *trajectory;
  GStrv               inputs;
  GStrv               ignore;
  gboolean            snapshots;
  guint               generation;
} CheckJob;

static void
check_job_free (gpointer data)
{
  CheckJob *job = data;

  g_bytes_unref (job->contents);
  g_free (job->name);
  g_free (job->time);
  g_free (job->trajectory);
  g_strfreev (job->inputs);
  g_strfreev (job->ignore);
  g_free (job);
}

static void
check_thread (GTask        *task,
              gpointer      source_object,
              gpointer      task_data,
              GCancellable *cancellable)
{
  CheckJob *job = task_data;
  CurrentsCsvOptions options = { 0 };
  CurrentsDataset *dataset;
  GError *error = NULL;
  gsize len = 0;
  const char *data = g_bytes_get_data (job->contents, &len);

  if (job->snapshots)
    {
      CurrentsSnapshots *snapshots = currents_snapshots_parse (data, (gssize) len, job->name,
                                                               &error);

      if (snapshots == NULL)
        g_task_return_error (task, error);
      else
        g_task_return_pointer (task, snapshots, (GDestroyNotify) currents_snapshots_free);
      return;
    }
  options.time_column = job->time;
  options.trajectory_column = job->trajectory;
  options.input_columns = (const char *const *) job->inputs;
  options.ignore_columns = (const char *const *) job->ignore;
  dataset = currents_dataset_parse (data, (gssize) len, job->name, &options, &error);
  if (dataset == NULL)
    g_task_return_error (task, error);
  else
    g_task_return_pointer (task, dataset, (GDestroyNotify) currents_dataset_free);
}

static void
check_done (GObject      *object,
            GAsyncResult *result,
            gpointer      user_data)
{
  CurrentsImportSheet *self = CURRENTS_IMPORT_SHEET (object);
  CheckJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  CurrentsDataset *dataset;

  if (job->snapshots)
    {
      CurrentsSnapshots *snapshots = g_task_propagate_pointer (G_TASK (result), &error);

      self->pending--;
      if (!g_cancellable_is_cancelled (self->cancellable) && job->generation == self->generation)
        set_snapshot_verdict (self, g_steal_pointer (&snapshots), error);
      g_clear_pointer (&snapshots, currents_snapshots_free);
      if (!g_cancellable_is_cancelled (self->cancellable))
        {
          update_import_enabled (self);
          notify_busy (self);
        }
      return;
    }
  dataset = g_task_propagate_pointer (G_TASK (result), &error);
  self->pending--;
  if (g_cancellable_is_cancelled (self->cancellable))
    {
      /* The sheet is gone. */
      g_clear_pointer (&dataset, currents_dataset_free);
      return;
    }
  /* Only the newest check speaks. */
  if (job->generation == self->generation)
    set_verdict (self, dataset, error);
  else
    g_clear_pointer (&dataset, currents_dataset_free);
  update_import_enabled (self);
  notify_busy (self);
}

static void
rebuild_options (CurrentsImportSheet *self)
{
  g_ptr_array_set_size (self->opt_inputs, 0);
  g_ptr_array_set_size (self->opt_ignore, 0);
  self->opt_time = self->opt_trajectory = NULL;
  for (guint c = 0; c < self->n_cols; c++)
    {
      const char *name = self->preview->names[c];

      switch (self->roles[c])
        {
        case CURRENTS_COLUMN_TIME: self->opt_time = name; break;
        case CURRENTS_COLUMN_TRAJECTORY: self->opt_trajectory = name; break;
        case CURRENTS_COLUMN_INPUT: g_ptr_array_add (self->opt_inputs, (gpointer) name); break;
        case CURRENTS_COLUMN_IGNORE: g_ptr_array_add (self->opt_ignore, (gpointer) name); break;
        case CURRENTS_COLUMN_STATE:
        default: break;
        }
    }
  g_ptr_array_add (self->opt_inputs, NULL);
  g_ptr_array_add (self->opt_ignore, NULL);
}

static void
schedule_check (CurrentsImportSheet *self)
{
  g_autoptr(GTask) task = NULL;
  CheckJob *job;

  if (self->contents == NULL)
    return;
  self->generation++;
  rebuild_options (self);
  g_clear_pointer (&self->dataset, currents_dataset_free);
  g_clear_pointer (&self->snapshots, currents_snapshots_free);

  /* Said before reading: no time column at all. */
  if (self->opt_time == NULL && self->n_cols > 0 && !self->snapshots_mode)
    {
      g_autoptr(GError) error = g_error_new_literal (CURRENTS_ENGINE_ERROR,
                                                     CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                                                     _("No column is the time: give one "
                                                       "column the role Time"));

      set_verdict (self, NULL, error);
      notify_busy (self);
      return;
    }

  job = g_new0 (CheckJob, 1);
  job->contents = g_bytes_ref (self->contents);
  job->name = g_strdup (self->name);
  job->time = g_strdup (self->opt_time);
  job->trajectory = g_strdup (self->opt_trajectory);
  job->inputs = g_strdupv ((char **) self->opt_inputs->pdata);
  job->ignore = g_strdupv ((char **) self->opt_ignore->pdata);
  job->generation = self->generation;
  job->snapshots = self->snapshots_mode;

  self->pending++;
  update_import_enabled (self);
  notify_busy (self);
  task = g_task_new (self, self->cancellable, check_done, NULL);
  g_task_set_source_tag (task, schedule_check);
  g_task_set_task_data (task, job, check_job_free);
  g_task_run_in_thread (task, check_thread);
}

/* ---- roles ---- */

static gboolean
name_in (const char        *name,
         const char *const *list)
{
  for (gsize i = 0; list != NULL && list[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
guess_roles (CurrentsImportSheet *self)
{
  gboolean have_time = FALSE, have_traj = FALSE;

  for (guint c = 0; c < self->n_cols; c++)
    {
      const char *name = self->preview->names[c];

      self->log_scale[c] = FALSE;
      if (!have_time && currents_csv_is_time_name (name))
        {
          self->roles[c] = CURRENTS_COLUMN_TIME;
          have_time = TRUE;
        }
      else if (!have_traj && currents_csv_is_trajectory_name (name))
        {
          self->roles[c] = CURRENTS_COLUMN_TRAJECTORY;
          have_traj = TRUE;
        }
      else if (currents_csv_is_time_name (name) || currents_csv_is_trajectory_name (name))
        self->roles[c] = CURRENTS_COLUMN_IGNORE;
      else if (name_in (name, (const char *const *) self->model_inputs))
        self->roles[c] = CURRENTS_COLUMN_INPUT;
      else
        self->roles[c] = CURRENTS_COLUMN_STATE;
    }
}

void
currents_import_sheet_set_model_inputs (CurrentsImportSheet *self,
                                        const char *const   *inputs)
{
  g_return_if_fail (CURRENTS_IS_IMPORT_SHEET (self));

  g_strfreev (self->model_inputs);
  self->model_inputs = g_strdupv ((char **) inputs);
}

void
currents_import_sheet_set_contents (CurrentsImportSheet *self,
                                    const char          *name,
                                    const char          *contents,
                                    gssize               length)
{
  gsize len;

  g_return_if_fail (CURRENTS_IS_IMPORT_SHEET (self));
  g_return_if_fail (contents != NULL || length <= 0);

  if (contents == NULL)
    contents = "";
  len = length < 0 ? strlen (contents) : (gsize) length;

  g_free (self->name);
  self->name = g_strdup (name != NULL ? name : _("Data"));
  g_clear_pointer (&self->contents, g_bytes_unref);
  self->contents = g_bytes_new (contents, len);
  g_clear_pointer (&self->preview, currents_csv_preview_free);
  self->preview = currents_csv_preview_new (contents, (gssize) len, PREVIEW_ROWS);

  self->n_cols = self->preview->n_cols;
  g_free (self->roles);
  g_free (self->log_scale);
  self->roles = g_new0 (CurrentsColumnRole, MAX (self->n_cols, 1));
  self->log_scale = g_new0 (gboolean, MAX (self->n_cols, 1));
  guess_roles (self);

  adw_window_title_set_subtitle (self->window_title, self->name);
  rebuild_grid (self);
  if (self->dropdowns->len > 0)
    gtk_window_set_focus (GTK_WINDOW (self), g_ptr_array_index (self->dropdowns, 0));
  schedule_check (self);
}

guint
currents_import_sheet_get_n_columns (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), 0);
  return self->n_cols;
}

const char *
currents_import_sheet_get_column_name (CurrentsImportSheet *self,
                                       guint                column)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), NULL);
  g_return_val_if_fail (column < self->n_cols, NULL);
  return self->preview->names[column];
}

CurrentsColumnRole
currents_import_sheet_get_role (CurrentsImportSheet *self,
                                guint                column)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), CURRENTS_COLUMN_IGNORE);
  g_return_val_if_fail (column < self->n_cols, CURRENTS_COLUMN_IGNORE);
  return self->roles[column];
}

void
currents_import_sheet_set_role (CurrentsImportSheet *self,
                                guint                column,
                                CurrentsColumnRole   role)
{
  g_return_if_fail (CURRENTS_IS_IMPORT_SHEET (self));
  g_return_if_fail (column < self->n_cols);
  g_return_if_fail (role <= CURRENTS_COLUMN_IGNORE);

  if (self->roles[column] == role)
    return;
  /* One time column and one trajectory column: the one chosen before steps aside. */
  if (role == CURRENTS_COLUMN_TIME || role == CURRENTS_COLUMN_TRAJECTORY)
    for (guint c = 0; c < self->n_cols; c++)
      if (c != column && self->roles[c] == role)
        self->roles[c] = CURRENTS_COLUMN_IGNORE;
  self->roles[column] = role;
  if (role != CURRENTS_COLUMN_INPUT)
    self->log_scale[column] = FALSE;
  sync_column_widgets (self);
  schedule_check (self);
}

gboolean
currents_import_sheet_get_log_scale (CurrentsImportSheet *self,
                                     guint                column)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), FALSE);
  g_return_val_if_fail (column < self->n_cols, FALSE);
  return self->log_scale[column];
}

void
currents_import_sheet_set_log_scale (CurrentsImportSheet *self,
                                     guint                column,
                                     gboolean             log_scale)
{
  g_return_if_fail (CURRENTS_IS_IMPORT_SHEET (self));
  g_return_if_fail (column < self->n_cols);

  self->log_scale[column] = log_scale && self->roles[column] == CURRENTS_COLUMN_INPUT;
  sync_column_widgets (self);
}

void
currents_import_sheet_get_options (CurrentsImportSheet *self,
                                   CurrentsCsvOptions  *options)
{
  g_return_if_fail (CURRENTS_IS_IMPORT_SHEET (self));
  g_return_if_fail (options != NULL);

  rebuild_options (self);
  memset (options, 0, sizeof *options);
  options->time_column = self->opt_time;
  options->trajectory_column = self->opt_trajectory;
  if (self->opt_inputs->len > 1)
    options->input_columns = (const char *const *) self->opt_inputs->pdata;
  if (self->opt_ignore->len > 1)
    options->ignore_columns = (const char *const *) self->opt_ignore->pdata;
}

char **
currents_import_sheet_dup_log_inputs (CurrentsImportSheet *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), NULL);

  for (guint c = 0; c < self->n_cols; c++)
    if (self->roles[c] == CURRENTS_COLUMN_INPUT && self->log_scale[c])
      g_strv_builder_add (builder, self->preview->names[c]);
  return g_strv_builder_end (builder);
}

const char *
currents_import_sheet_get_error (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), NULL);
  return self->error;
}

guint
currents_import_sheet_get_error_line (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), 0);
  return self->error_line;
}

gboolean
currents_import_sheet_get_error_line_shown (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), FALSE);
  return self->error_line_shown;
}

GFile *
currents_import_sheet_get_file (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), NULL);
  return self->file;
}

const char *
currents_import_sheet_get_name (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), NULL);
  return self->name;
}

const char *
currents_import_sheet_get_contents (CurrentsImportSheet *self,
                                    gsize               *length)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), NULL);

  if (self->contents == NULL)
    {
      if (length != NULL)
        *length = 0;
      return NULL;
    }
  return g_bytes_get_data (self->contents, length);
}

CurrentsDataset *
currents_import_sheet_steal_dataset (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), NULL);
  return g_steal_pointer (&self->dataset);
}

CurrentsSnapshots *
currents_import_sheet_steal_snapshots (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), NULL);
  return g_steal_pointer (&self->snapshots);
}

void
currents_import_sheet_set_snapshots_mode (CurrentsImportSheet *self,
                                          gboolean             snapshots)
{
  g_return_if_fail (CURRENTS_IS_IMPORT_SHEET (self));

  snapshots = !!snapshots;
  if (gtk_check_button_get_active (self->snapshots_check) != snapshots)
    gtk_check_button_set_active (self->snapshots_check, snapshots);   /* comes back here */
  if (self->snapshots_mode == snapshots)
    return;
  self->snapshots_mode = snapshots;
  schedule_check (self);
}

gboolean
currents_import_sheet_get_snapshots_mode (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), FALSE);
  return self->snapshots_mode;
}

static void
snapshots_toggled_cb (CurrentsImportSheet *self)
{
  currents_import_sheet_set_snapshots_mode (self,
                                            gtk_check_button_get_active (self->snapshots_check));
}

gboolean
currents_import_sheet_import (CurrentsImportSheet *self)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), FALSE);

  if ((self->dataset == NULL && self->snapshots == NULL) || self->error != NULL || currents_import_sheet_get_busy (self))
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return FALSE;
    }
  g_signal_emit (self, signals[IMPORT], 0);
  gtk_window_close (GTK_WINDOW (self));
  return TRUE;
}

static void
import_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  currents_import_sheet_import (CURRENTS_IMPORT_SHEET (widget));
}

/* ---- loading ---- */

static void
load_contents_cb (GObject      *object,
                  GAsyncResult *result,
                  gpointer      user_data)
{
  g_autoptr(GTask) task = user_data;
  CurrentsImportSheet *self = g_task_get_source_object (task);
  g_autofree char *contents = NULL;
  g_autofree char *basename = NULL;
  g_autofree char *name = NULL;
  GError *error = NULL;
  gsize length = 0;

  self->loading = FALSE;
  if (!g_file_load_contents_finish (G_FILE (object), result, &contents, &length, NULL, &error))
    {
      notify_busy (self);
      g_task_return_error (task, error);
      return;
    }
  basename = g_file_get_basename (G_FILE (object));
  name = g_filename_display_name (basename != NULL ? basename : "");
  g_set_object (&self->file, G_FILE (object));
  currents_import_sheet_set_contents (self, name, contents, (gssize) length);
  notify_busy (self);
  g_task_return_boolean (task, TRUE);
}

void
currents_import_sheet_load_async (CurrentsImportSheet *self,
                                  GFile               *file,
                                  GCancellable        *cancellable,
                                  GAsyncReadyCallback  callback,
                                  gpointer             user_data)
{
  GTask *task;

  g_return_if_fail (CURRENTS_IS_IMPORT_SHEET (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, currents_import_sheet_load_async);
  self->loading = TRUE;
  notify_busy (self);
  update_import_enabled (self);
  g_file_load_contents_async (file, cancellable, load_contents_cb, task);
}

gboolean
currents_import_sheet_load_finish (CurrentsImportSheet  *self,
                                   GAsyncResult         *result,
                                   GError              **error)
{
  g_return_val_if_fail (CURRENTS_IS_IMPORT_SHEET (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result))
                        == currents_import_sheet_load_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- GObject ---- */

static void
currents_import_sheet_dispose (GObject *object)
{
  CurrentsImportSheet *self = CURRENTS_IMPORT_SHEET (object);

  g_cancellable_cancel (self->cancellable);
  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_IMPORT_SHEET);

  G_OBJECT_CLASS (currents_import_sheet_parent_class)->dispose (object);
}

static void
currents_import_sheet_finalize (GObject *object)
{
  CurrentsImportSheet *self = CURRENTS_IMPORT_SHEET (object);

  g_clear_object (&self->file);
  g_free (self->name);
  g_clear_pointer (&self->contents, g_bytes_unref);
  g_clear_pointer (&self->preview, currents_csv_preview_free);
  g_strfreev (self->model_inputs);
  g_free (self->roles);
  g_free (self->log_scale);
  g_ptr_array_unref (self->dropdowns);
  g_ptr_array_unref (self->checks);
  g_ptr_array_unref (self->headers);
  g_ptr_array_unref (self->rows);
  g_ptr_array_unref (self->extra);
  g_ptr_array_unref (self->opt_inputs);
  g_ptr_array_unref (self->opt_ignore);
  g_clear_object (&self->cancellable);
  g_free (self->error);
  g_clear_pointer (&self->dataset, currents_dataset_free);
  g_clear_pointer (&self->snapshots, currents_snapshots_free);

  G_OBJECT_CLASS (currents_import_sheet_parent_class)->finalize (object);
}

static void
currents_import_sheet_get_property (GObject    *object,
                                    guint       prop_id,
                                    GValue     *value,
                                    GParamSpec *pspec)
{
  CurrentsImportSheet *self = CURRENTS_IMPORT_SHEET (object);

  switch (prop_id)
    {
    case PROP_BUSY:
      g_value_set_boolean (value, currents_import_sheet_get_busy (self));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
currents_import_sheet_class_init (CurrentsImportSheetClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_import_sheet_dispose;
  object_class->finalize = currents_import_sheet_finalize;
  object_class->get_property = currents_import_sheet_get_property;

  properties[PROP_BUSY] =
    g_param_spec_boolean ("busy", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[IMPORT] = g_signal_new ("import", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                  0, NULL, NULL, NULL, G_TYPE_NONE, 0);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-import-sheet.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsImportSheet, window_title);
  gtk_widget_class_bind_template_child (widget_class, CurrentsImportSheet, error_revealer);
  gtk_widget_class_bind_template_child (widget_class, CurrentsImportSheet, error_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsImportSheet, summary_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsImportSheet, spinner);
  gtk_widget_class_bind_template_child (widget_class, CurrentsImportSheet, grid);
  gtk_widget_class_bind_template_child (widget_class, CurrentsImportSheet, snapshots_check);

  gtk_widget_class_install_action (widget_class, "sheet.import", NULL, import_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "sheet.import", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "sheet.import", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "window.close", NULL);
}

static void
currents_import_sheet_init (CurrentsImportSheet *self)
{
  self->dropdowns = g_ptr_array_new ();
  self->checks = g_ptr_array_new ();
  self->headers = g_ptr_array_new ();
  self->rows = g_ptr_array_new_with_free_func ((GDestroyNotify) g_ptr_array_unref);
  self->extra = g_ptr_array_new ();
  self->opt_inputs = g_ptr_array_new ();
  self->opt_ignore = g_ptr_array_new ();
  self->cancellable = g_cancellable_new ();

  gtk_widget_init_template (GTK_WIDGET (self));
  gtk_widget_set_visible (GTK_WIDGET (self->spinner), FALSE);
  g_signal_connect_swapped (self->snapshots_check, "toggled", G_CALLBACK (snapshots_toggled_cb),
                            self);
  /* Not the selectable error text: it would show a caret. */
  gtk_widget_set_focus_on_click (GTK_WIDGET (self->error_label), FALSE);
  gtk_window_set_focus (GTK_WINDOW (self), NULL);
  update_import_enabled (self);
}

CurrentsImportSheet *
currents_import_sheet_new (GtkWindow *parent)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (CURRENTS_TYPE_IMPORT_SHEET,
                       "transient-for", parent,
                       NULL);
}
