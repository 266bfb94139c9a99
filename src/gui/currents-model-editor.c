/* currents-model-editor.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model editor: GtkSourceView with the `.ode` language, line numbers and the
 * compiler's verdict as the user types. Compiling a model takes well under a
 * millisecond, so the text is compiled on the main thread after a short pause in the
 * typing; the error's line and column come from the message ("NAME:LINE:COL: …"), are
 * underlined in the text, marked in the gutter and said below it.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-model-editor"

#include <string.h>

#include <glib/gi18n.h>
#include <gtksourceview/gtksource.h>

#include "currents-engine.h"
#include "currents-model-editor.h"

#define CHECK_DELAY_MS 250
#define ERROR_MARK "currents-error"

struct _CurrentsModelEditor
{
  AdwWindow        parent_instance;

  /* template children */
  AdwWindowTitle  *window_title;
  GtkSourceView   *view;
  GtkWidget       *status_bar;
  GtkImage        *status_icon;
  GtkLabel        *status_label;

  GtkSourceBuffer *buffer;
  GtkTextTag      *error_tag;
  char            *name;
  char            *applied;      /* the source last set or applied */
  guint            check_source;
  char            *error;
  guint            error_line;
  guint            error_column;
};

G_DEFINE_FINAL_TYPE (CurrentsModelEditor, currents_model_editor, ADW_TYPE_WINDOW)

enum {
  APPLY,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static GtkSourceLanguageManager *
language_manager (void)
{
  static GtkSourceLanguageManager *manager;

  if (manager == NULL)
    {
      const char *const *defaults;
      g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
      g_auto(GStrv) path = NULL;

      manager = gtk_source_language_manager_new ();
      defaults = gtk_source_language_manager_get_search_path (manager);
      g_strv_builder_add (builder, "resource:///org/currents/Currents/language-specs");
      g_strv_builder_addv (builder, (const char **) defaults);
      path = g_strv_builder_end (builder);
      gtk_source_language_manager_set_search_path (manager, (const char *const *) path);
    }
  return manager;
}

static void
update_style_scheme (CurrentsModelEditor *self)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  GtkSourceStyleSchemeManager *schemes = gtk_source_style_scheme_manager_get_default ();
  const char *id = adw_style_manager_get_dark (style) ? "Adwaita-dark" : "Adwaita";
  GtkSourceStyleScheme *scheme = gtk_source_style_scheme_manager_get_scheme (schemes, id);

  if (scheme != NULL)
    gtk_source_buffer_set_style_scheme (self->buffer, scheme);
}

static char *
buffer_text (CurrentsModelEditor *self)
{
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (GTK_TEXT_BUFFER (self->buffer), &start, &end);
  return gtk_text_buffer_get_text (GTK_TEXT_BUFFER (self->buffer), &start, &end, FALSE);
}

/* Line and column from "NAME:LINE:COL: message" (or "NAME:LINE: message"); the message
 * after them in @rest. */
static void
parse_position (const char  *message,
                const char  *name,
                guint       *line,
                guint       *column,
                const char **rest)
{
  const char *p = message;
  char *end = NULL;
  guint64 v;

  *line = *column = 0;
  *rest = message;
  if (name == NULL || !g_str_has_prefix (p, name) || p[strlen (name)] != ':')
    return;
  p += strlen (name) + 1;
  if (!g_ascii_isdigit (*p))
    return;
  v = g_ascii_strtoull (p, &end, 10);
  if (end == NULL || *end != ':' || v == 0 || v > G_MAXINT)
    return;
  *line = (guint) v;
  p = end + 1;
  if (g_ascii_isdigit (*p))
    {
      v = g_ascii_strtoull (p, &end, 10);
      if (end != NULL && *end == ':' && v <= G_MAXINT)
        {
          *column = (guint) v;
          p = end + 1;
        }
    }
  while (*p == ' ')
    p++;
  *rest = p;
}

static void
clear_error_marks (CurrentsModelEditor *self)
{
  GtkTextBuffer *buffer = GTK_TEXT_BUFFER (self->buffer);
  GtkTextIter start, end;

  gtk_text_buffer_get_bounds (buffer, &start, &end);
  gtk_text_buffer_remove_tag (buffer, self->error_tag, &start, &end);
  gtk_source_buffer_remove_source_marks (self->buffer, &start, &end, ERROR_MARK);
}

/* Underlines from the column to the end of the line (the whole line's text when the
 * column is past it or not known) and marks the line in the gutter. */
static void
mark_error (CurrentsModelEditor *self)
{
  GtkTextBuffer *buffer = GTK_TEXT_BUFFER (self->buffer);
  GtkTextIter start, end;
  int n_lines = gtk_text_buffer_get_line_count (buffer);
  int line = (int) self->error_line - 1;

  if (line < 0)
    return;
  if (line >= n_lines)
    line = n_lines - 1;
  gtk_text_buffer_get_iter_at_line (buffer, &start, line);
  end = start;
  if (!gtk_text_iter_ends_line (&end))
    gtk_text_iter_forward_to_line_end (&end);
  /* Trailing blanks are not the error. */
  while (gtk_text_iter_compare (&end, &start) > 0)
    {
      GtkTextIter prev = end;

      gtk_text_iter_backward_char (&prev);
      if (!g_unichar_isspace (gtk_text_iter_get_char (&prev)))
        break;
      end = prev;
    }
  if (self->error_column > 1)
    {
      GtkTextIter at = start;

      if (gtk_text_iter_forward_chars (&at, (int) self->error_column - 1)
          && gtk_text_iter_get_line (&at) == line && gtk_text_iter_compare (&at, &end) < 0)
        start = at;
    }
  while (gtk_text_iter_compare (&start, &end) < 0
         && g_unichar_isspace (gtk_text_iter_get_char (&start)))
    gtk_text_iter_forward_char (&start);
  if (gtk_text_iter_equal (&start, &end))
    {
      /* An empty line (the error is that something is missing): mark its end. */
      if (!gtk_text_iter_ends_line (&end))
        gtk_text_iter_forward_char (&end);
      else if (gtk_text_iter_get_line_offset (&start) > 0)
        gtk_text_iter_backward_char (&start);
    }
  gtk_text_buffer_apply_tag (buffer, self->error_tag, &start, &end);

  gtk_text_buffer_get_iter_at_line (buffer, &start, line);
  gtk_source_buffer_create_source_mark (self->buffer, NULL, ERROR_MARK, &start);
}

static void
set_status (CurrentsModelEditor *self,
            const char          *icon,
            const char          *text,
            gboolean             is_error)
{
  gtk_image_set_from_icon_name (self->status_icon, icon);
  gtk_label_set_text (self->status_label, text);
  if (is_error)
    gtk_widget_add_css_class (self->status_bar, "error");
  else
    gtk_widget_remove_css_class (self->status_bar, "error");
}

static char *
describe_model (const CurrentsModel *model)
{
  gsize ns = currents_model_get_n_states (model);
  gsize np = currents_model_get_n_named_params (model);
  gsize ni = currents_model_get_n_inputs (model);
  gsize nl = currents_model_get_n_learned (model);
  g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func (g_free);

  g_ptr_array_add (parts, g_strdup_printf (ngettext ("%lu state", "%lu states", (gulong) ns),
                                           (gulong) ns));
  g_ptr_array_add (parts, g_strdup_printf (ngettext ("%lu parameter", "%lu parameters",
                                                     (gulong) np), (gulong) np));
  if (ni > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%lu input", "%lu inputs", (gulong) ni),
                                             (gulong) ni));
  if (nl > 0)
    g_ptr_array_add (parts, g_strdup_printf (ngettext ("%lu learned term", "%lu learned terms",
                                                       (gulong) nl), (gulong) nl));
  g_ptr_array_add (parts, NULL);
  return g_strjoinv (" · ", (char **) parts->pdata);
}

gboolean
currents_model_editor_check (CurrentsModelEditor *self)
{
  g_autofree char *text = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  g_autoptr(GError) error = NULL;

  g_return_val_if_fail (CURRENTS_IS_MODEL_EDITOR (self), FALSE);

  g_clear_handle_id (&self->check_source, g_source_remove);
  text = buffer_text (self);
  model = currents_model_new_from_string (text, self->name, &error);
  clear_error_marks (self);
  g_clear_pointer (&self->error, g_free);
  self->error_line = self->error_column = 0;

  if (model == NULL)
    {
      const char *rest = NULL;
      g_autofree char *shown = NULL;

      if (error == NULL)
        error = g_error_new_literal (CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                                     _("The model does not compile"));
      parse_position (error->message, self->name, &self->error_line, &self->error_column,
                      &rest);
      if (self->error_line > 0 && self->error_column > 0)
        /* Translators: where in the model text an error is, then the error */
        shown = g_strdup_printf (_("Line %u, column %u: %s"), self->error_line,
                                 self->error_column, rest);
      else if (self->error_line > 0)
        shown = g_strdup_printf (_("Line %u: %s"), self->error_line, rest);
      else
        shown = g_strdup (rest);
      self->error = g_steal_pointer (&shown);
      mark_error (self);
      set_status (self, "dialog-error-symbolic", self->error, TRUE);
      return FALSE;
    }
  if (currents_model_get_n_states (model) == 0)
    {
      self->error = g_strdup (_("The model has no state variables: add an equation such as "
                                "“x' = -x”"));
      set_status (self, "dialog-error-symbolic", self->error, TRUE);
      return FALSE;
    }

  {
    g_autofree char *summary = describe_model (model);

    set_status (self, "emblem-ok-symbolic", summary, FALSE);
  }
  return TRUE;
}

static gboolean
check_timeout (gpointer data)
{
  CurrentsModelEditor *self = data;

  self->check_source = 0;
  currents_model_editor_check (self);
  return G_SOURCE_REMOVE;
}

static void
buffer_changed_cb (CurrentsModelEditor *self)
{
  g_clear_handle_id (&self->check_source, g_source_remove);
  self->check_source = g_timeout_add (CHECK_DELAY_MS, check_timeout, self);
}

void
currents_model_editor_set_source (CurrentsModelEditor *self,
                                  const char          *name,
                                  const char          *source)
{
  g_return_if_fail (CURRENTS_IS_MODEL_EDITOR (self));
  g_return_if_fail (source != NULL);

  g_free (self->name);
  self->name = g_strdup (name != NULL ? name : _("Untitled Model"));
  g_free (self->applied);
  self->applied = g_strdup (source);
  adw_window_title_set_subtitle (self->window_title, self->name);

  gtk_text_buffer_begin_irreversible_action (GTK_TEXT_BUFFER (self->buffer));
  gtk_text_buffer_set_text (GTK_TEXT_BUFFER (self->buffer), source, -1);
  gtk_text_buffer_end_irreversible_action (GTK_TEXT_BUFFER (self->buffer));
  gtk_text_buffer_set_modified (GTK_TEXT_BUFFER (self->buffer), FALSE);
  {
    GtkTextIter start;

    gtk_text_buffer_get_start_iter (GTK_TEXT_BUFFER (self->buffer), &start);
    gtk_text_buffer_place_cursor (GTK_TEXT_BUFFER (self->buffer), &start);
  }
  currents_model_editor_check (self);
}

char *
currents_model_editor_dup_source (CurrentsModelEditor *self)
{
  g_return_val_if_fail (CURRENTS_IS_MODEL_EDITOR (self), NULL);
  return buffer_text (self);
}

const char *
currents_model_editor_get_name (CurrentsModelEditor *self)
{
  g_return_val_if_fail (CURRENTS_IS_MODEL_EDITOR (self), NULL);
  return self->name;
}

GtkTextBuffer *
currents_model_editor_get_buffer (CurrentsModelEditor *self)
{
  g_return_val_if_fail (CURRENTS_IS_MODEL_EDITOR (self), NULL);
  return GTK_TEXT_BUFFER (self->buffer);
}

const char *
currents_model_editor_get_error (CurrentsModelEditor *self)
{
  g_return_val_if_fail (CURRENTS_IS_MODEL_EDITOR (self), NULL);
  return self->error;
}

guint
currents_model_editor_get_error_line (CurrentsModelEditor *self)
{
  g_return_val_if_fail (CURRENTS_IS_MODEL_EDITOR (self), 0);
  return self->error_line;
}

guint
currents_model_editor_get_error_column (CurrentsModelEditor *self)
{
  g_return_val_if_fail (CURRENTS_IS_MODEL_EDITOR (self), 0);
  return self->error_column;
}

gboolean
currents_model_editor_apply (CurrentsModelEditor *self)
{
  g_autofree char *text = NULL;

  g_return_val_if_fail (CURRENTS_IS_MODEL_EDITOR (self), FALSE);

  if (!currents_model_editor_check (self))
    {
      gtk_widget_error_bell (GTK_WIDGET (self));
      return FALSE;
    }
  text = buffer_text (self);
  g_free (self->applied);
  self->applied = g_strdup (text);
  gtk_text_buffer_set_modified (GTK_TEXT_BUFFER (self->buffer), FALSE);
  g_signal_emit (self, signals[APPLY], 0, self->name, text);
  return TRUE;
}

static void
apply_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  currents_model_editor_apply (CURRENTS_MODEL_EDITOR (widget));
}

static void
revert_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CurrentsModelEditor *self = CURRENTS_MODEL_EDITOR (widget);
  g_autofree char *applied = g_strdup (self->applied != NULL ? self->applied : "");

  gtk_text_buffer_set_text (GTK_TEXT_BUFFER (self->buffer), applied, -1);
  gtk_text_buffer_set_modified (GTK_TEXT_BUFFER (self->buffer), FALSE);
  currents_model_editor_check (self);
}

static void
modified_changed_cb (CurrentsModelEditor *self)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.revert",
                                 gtk_text_buffer_get_modified (GTK_TEXT_BUFFER (self->buffer)));
}

/* The error as a tooltip over the underlined text. */
static gboolean
query_tooltip_cb (GtkWidget           *widget,
                  int                  x,
                  int                  y,
                  gboolean             keyboard,
                  GtkTooltip          *tooltip,
                  CurrentsModelEditor *self)
{
  GtkTextIter iter;
  int bx, by;

  if (self->error == NULL)
    return FALSE;
  if (keyboard)
    gtk_text_buffer_get_iter_at_mark (GTK_TEXT_BUFFER (self->buffer), &iter,
                                      gtk_text_buffer_get_insert (GTK_TEXT_BUFFER (self->buffer)));
  else
    {
      gtk_text_view_window_to_buffer_coords (GTK_TEXT_VIEW (widget), GTK_TEXT_WINDOW_WIDGET,
                                             x, y, &bx, &by);
      if (!gtk_text_view_get_iter_at_location (GTK_TEXT_VIEW (widget), &iter, bx, by))
        return FALSE;
    }
  if (!gtk_text_iter_has_tag (&iter, self->error_tag))
    return FALSE;
  gtk_tooltip_set_text (tooltip, self->error);
  return TRUE;
}

static void
currents_model_editor_dispose (GObject *object)
{
  CurrentsModelEditor *self = CURRENTS_MODEL_EDITOR (object);

  g_clear_handle_id (&self->check_source, g_source_remove);
  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_MODEL_EDITOR);

  G_OBJECT_CLASS (currents_model_editor_parent_class)->dispose (object);
}

static void
currents_model_editor_finalize (GObject *object)
{
  CurrentsModelEditor *self = CURRENTS_MODEL_EDITOR (object);

  g_clear_object (&self->buffer);
  g_free (self->name);
  g_free (self->applied);
  g_free (self->error);

  G_OBJECT_CLASS (currents_model_editor_parent_class)->finalize (object);
}

static void
currents_model_editor_class_init (CurrentsModelEditorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_model_editor_dispose;
  object_class->finalize = currents_model_editor_finalize;

  /* A model that compiles was applied: (name, source). */
  signals[APPLY] = g_signal_new ("apply", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                 0, NULL, NULL, NULL, G_TYPE_NONE, 2,
                                 G_TYPE_STRING, G_TYPE_STRING);

  gtk_source_init ();
  g_type_ensure (GTK_SOURCE_TYPE_VIEW);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-model-editor.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsModelEditor, window_title);
  gtk_widget_class_bind_template_child (widget_class, CurrentsModelEditor, view);
  gtk_widget_class_bind_template_child (widget_class, CurrentsModelEditor, status_bar);
  gtk_widget_class_bind_template_child (widget_class, CurrentsModelEditor, status_icon);
  gtk_widget_class_bind_template_child (widget_class, CurrentsModelEditor, status_label);

  gtk_widget_class_install_action (widget_class, "editor.apply", NULL, apply_action);
  gtk_widget_class_install_action (widget_class, "editor.revert", NULL, revert_action);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Return, GDK_CONTROL_MASK,
                                       "editor.apply", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_KP_Enter, GDK_CONTROL_MASK,
                                       "editor.apply", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
currents_model_editor_init (CurrentsModelEditor *self)
{
  GtkSourceLanguage *language;
  g_autoptr(GtkSourceMarkAttributes) attributes = gtk_source_mark_attributes_new ();
  GdkRGBA background = { 0.88f, 0.11f, 0.14f, 0.12f };
  GdkRGBA red = { 0.88f, 0.11f, 0.14f, 1.0f };

  gtk_widget_init_template (GTK_WIDGET (self));

  self->buffer = gtk_source_buffer_new (NULL);
  language = gtk_source_language_manager_get_language (language_manager (), "currents-ode");
  if (language != NULL)
    gtk_source_buffer_set_language (self->buffer, language);
  gtk_source_buffer_set_highlight_matching_brackets (self->buffer, TRUE);
  gtk_text_view_set_buffer (GTK_TEXT_VIEW (self->view), GTK_TEXT_BUFFER (self->buffer));

  self->error_tag = gtk_text_buffer_create_tag (GTK_TEXT_BUFFER (self->buffer),
                                                CURRENTS_MODEL_EDITOR_ERROR_TAG,
                                                "underline", PANGO_UNDERLINE_ERROR_LINE,
                                                "underline-rgba", &red,
                                                NULL);

  gtk_source_mark_attributes_set_icon_name (attributes, "dialog-error-symbolic");
  gtk_source_mark_attributes_set_background (attributes, &background);
  gtk_source_view_set_mark_attributes (self->view, ERROR_MARK, attributes, 10);

  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (update_style_scheme), self, G_CONNECT_SWAPPED);
  update_style_scheme (self);

  g_signal_connect_swapped (self->buffer, "changed", G_CALLBACK (buffer_changed_cb), self);
  g_signal_connect_swapped (self->buffer, "modified-changed", G_CALLBACK (modified_changed_cb),
                            self);
  gtk_widget_set_has_tooltip (GTK_WIDGET (self->view), TRUE);
  g_signal_connect (self->view, "query-tooltip", G_CALLBACK (query_tooltip_cb), self);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "editor.revert", FALSE);
  set_status (self, "emblem-ok-symbolic", "", FALSE);
  /* Typing goes to the text, not to the (selectable) verdict below it. */
  gtk_window_set_focus (GTK_WINDOW (self), GTK_WIDGET (self->view));
}

CurrentsModelEditor *
currents_model_editor_new (GtkWindow *parent)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (CURRENTS_TYPE_MODEL_EDITOR,
                       "transient-for", parent,
                       NULL);
}
