/* currents-help-window.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The user guide inside the application: Markdown pages from the resources rendered
 * into a GtkTextView with tags, a searchable list of pages, links with a history.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-help-window"

#include <string.h>

#include <glib/gi18n.h>

#include "currents-help-window.h"

#define HELP_RESOURCE_PATH "/org/currents/Currents/help/"
#define LINK_TARGET_KEY "currents-help-link-target"

/* The order of the list; every page under help/C/ must be here (the tests check). */
static const char * const page_ids[] = {
  "index",
  "portrait",
  "timeseries",
  "training",
  "bifurcations",
  "stability",
  "knockouts",
  "compare",
  "resnet",
  "terms",
  "conservation",
  "population",
  "families",
  "gallery",
  "ode",
  "csv",
  "algorithms",
  "cli",
  "shortcuts",
};

typedef struct
{
  char *id;
  char *title;
  char *folded_text;  /* casefolded source, for the search */
} HelpPage;

struct _CurrentsHelpWindow
{
  AdwWindow parent_instance;

  AdwLeaflet     *help_leaflet;
  GtkSearchEntry *help_search;
  GtkListBox     *help_list;
  GtkButton      *help_back;
  AdwWindowTitle *help_title;
  GtkScrolledWindow *help_scroller;
  GtkTextView    *help_view;

  GPtrArray *pages;     /* HelpPage*, in list order */
  GPtrArray *rows;      /* GtkListBoxRow*, parallel to pages (owned by the list) */
  GPtrArray *history;   /* char*, ids shown before the current one */
  GPtrArray *links;     /* char*, link targets of the page shown */
  char      *current;
  char     **query;     /* casefolded words of the search, or NULL */
  gboolean   selecting; /* the list selection follows a page change */
};

G_DEFINE_FINAL_TYPE (CurrentsHelpWindow, currents_help_window, ADW_TYPE_WINDOW)

static void
help_page_free (gpointer data)
{
  HelpPage *page = data;

  g_free (page->id);
  g_free (page->title);
  g_free (page->folded_text);
  g_free (page);
}

/* ---- pages ---------------------------------------------------------------------- */

static gboolean
is_known_page (const char *id)
{
  for (guint i = 0; i < G_N_ELEMENTS (page_ids); i++)
    if (g_strcmp0 (page_ids[i], id) == 0)
      return TRUE;
  return FALSE;
}

GStrv
currents_help_list_page_ids (void)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  GStrv ids;

  for (guint i = 0; i < G_N_ELEMENTS (page_ids); i++)
    g_strv_builder_add (builder, page_ids[i]);
  ids = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return ids;
}

char *
currents_help_page_get_source (const char *id)
{
  const char * const *languages;

  g_return_val_if_fail (id != NULL, NULL);

  if (!is_known_page (id))
    return NULL;

  /* The user's languages in order of preference; "C" is the last of them. */
  languages = g_get_language_names ();
  for (guint i = 0; languages[i] != NULL; i++)
    {
      g_autofree char *path = NULL;
      g_autoptr(GBytes) bytes = NULL;

      if (strchr (languages[i], '.') != NULL || strchr (languages[i], '@') != NULL)
        continue;
      path = g_strdup_printf (HELP_RESOURCE_PATH "%s/%s.md", languages[i], id);
      bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE, NULL);
      if (bytes != NULL)
        return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  return NULL;
}

static char *
page_title (const char *source,
            const char *id)
{
  for (const char *line = source; line != NULL && *line != '\0';)
    {
      const char *end = strchr (line, '\n');

      if (g_str_has_prefix (line, "# "))
        {
          g_autofree char *title = end ? g_strndup (line + 2, end - line - 2)
                                       : g_strdup (line + 2);
          return g_strstrip (g_steal_pointer (&title));
        }
      line = end ? end + 1 : NULL;
    }
  return g_strdup (id);
}

static HelpPage *
help_page_new (const char *id)
{
  g_autofree char *source = currents_help_page_get_source (id);
  HelpPage *page;

  if (source == NULL)
    return NULL;
  page = g_new0 (HelpPage, 1);
  page->id = g_strdup (id);
  page->title = page_title (source, id);
  page->folded_text = g_utf8_casefold (source, -1);
  return page;
}

static int
find_page (CurrentsHelpWindow *self,
           const char         *id)
{
  for (guint i = 0; i < self->pages->len; i++)
    if (g_strcmp0 (((HelpPage *) g_ptr_array_index (self->pages, i))->id, id) == 0)
      return (int) i;
  return -1;
}

/* ---- rendering ------------------------------------------------------------------ */

static void
create_tags (GtkTextBuffer *buffer)
{
  GdkRGBA code_bg = { 0.5, 0.5, 0.5, 0.14 };
  GdkRGBA link_fg = { 0.11, 0.44, 0.85, 1.0 };

  gtk_text_buffer_create_tag (buffer, "h1",
                              "weight", PANGO_WEIGHT_BOLD,
                              "scale", 1.6,
                              "pixels-above-lines", 6,
                              "pixels-below-lines", 12,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "h2",
                              "weight", PANGO_WEIGHT_BOLD,
                              "scale", 1.25,
                              "pixels-above-lines", 14,
                              "pixels-below-lines", 6,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "paragraph", "pixels-below-lines", 10, NULL);
  gtk_text_buffer_create_tag (buffer, "item",
                              "left-margin", 48,
                              "indent", -18,
                              "pixels-below-lines", 4,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "item-last", "pixels-below-lines", 12, NULL);
  gtk_text_buffer_create_tag (buffer, "bold", "weight", PANGO_WEIGHT_BOLD, NULL);
  gtk_text_buffer_create_tag (buffer, "italic", "style", PANGO_STYLE_ITALIC, NULL);
  gtk_text_buffer_create_tag (buffer, "code",
                              "family", "monospace",
                              "background-rgba", &code_bg,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "codeblock",
                              "family", "monospace",
                              "paragraph-background-rgba", &code_bg,
                              "left-margin", 36,
                              "right-margin", 12,
                              "wrap-mode", GTK_WRAP_NONE,
                              NULL);
  gtk_text_buffer_create_tag (buffer, "codeblock-edge", "pixels-below-lines", 12, NULL);
  gtk_text_buffer_create_tag (buffer, "link",
                              "foreground-rgba", &link_fg,
                              "underline", PANGO_UNDERLINE_SINGLE,
                              NULL);
}

static void
insert_tagged (GtkTextBuffer *buffer,
               GtkTextIter   *iter,
               const char    *text,
               gsize          len,
               GPtrArray     *tags)
{
  int offset = gtk_text_iter_get_offset (iter);
  GtkTextIter start;

  gtk_text_buffer_insert (buffer, iter, text, (int) len);
  gtk_text_buffer_get_iter_at_offset (buffer, &start, offset);
  for (guint i = 0; i < tags->len; i++)
    gtk_text_buffer_apply_tag (buffer, g_ptr_array_index (tags, i), &start, iter);
}

static GtkTextTag *
named_tag (GtkTextBuffer *buffer,
           const char    *name)
{
  return gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), name);
}

/* Inline markup of one block: `code`, **bold**, *italic*, [text](target). A marker
 * without its closing partner is plain text. */
static void
insert_inline (GtkTextBuffer *buffer,
               GtkTextIter   *iter,
               const char    *text,
               gsize          len,
               GPtrArray     *tags,
               GPtrArray     *links)
{
  const char *p = text;
  const char *end = text + len;
  const char *plain = text;

  while (p < end)
    {
      const char *close = NULL;

      if (*p == '`')
        {
          close = memchr (p + 1, '`', end - p - 1);
          if (close != NULL)
            {
              insert_tagged (buffer, iter, plain, p - plain, tags);
              g_ptr_array_add (tags, named_tag (buffer, "code"));
              insert_tagged (buffer, iter, p + 1, close - p - 1, tags);
              g_ptr_array_remove_index (tags, tags->len - 1);
              p = plain = close + 1;
              continue;
            }
        }
      else if (*p == '*' && p + 1 < end && p[1] == '*')
        {
          close = g_strstr_len (p + 2, end - p - 2, "**");
          if (close != NULL && close > p + 2)
            {
              insert_tagged (buffer, iter, plain, p - plain, tags);
              g_ptr_array_add (tags, named_tag (buffer, "bold"));
              insert_inline (buffer, iter, p + 2, close - p - 2, tags, links);
              g_ptr_array_remove_index (tags, tags->len - 1);
              p = plain = close + 2;
              continue;
            }
        }
      else if (*p == '*' && p + 1 < end && p[1] != ' ')
        {
          close = memchr (p + 1, '*', end - p - 1);
          if (close != NULL && close > p + 1 && close[-1] != ' ')
            {
              insert_tagged (buffer, iter, plain, p - plain, tags);
              g_ptr_array_add (tags, named_tag (buffer, "italic"));
              insert_inline (buffer, iter, p + 1, close - p - 1, tags, links);
              g_ptr_array_remove_index (tags, tags->len - 1);
              p = plain = close + 1;
              continue;
            }
        }
      else if (*p == '[')
        {
          const char *bracket = memchr (p + 1, ']', end - p - 1);

          if (bracket != NULL && bracket + 1 < end && bracket[1] == '(')
            close = memchr (bracket + 2, ')', end - bracket - 2);
          if (close != NULL)
            {
              g_autofree char *target = g_strndup (bracket + 2, close - bracket - 2);
              GtkTextTag *target_tag = gtk_text_buffer_create_tag (buffer, NULL, NULL);

              g_strstrip (target);
              g_object_set_data_full (G_OBJECT (target_tag), LINK_TARGET_KEY,
                                      g_strdup (target), g_free);
              g_ptr_array_add (links, g_steal_pointer (&target));

              insert_tagged (buffer, iter, plain, p - plain, tags);
              g_ptr_array_add (tags, named_tag (buffer, "link"));
              g_ptr_array_add (tags, target_tag);
              insert_inline (buffer, iter, p + 1, bracket - p - 1, tags, links);
              g_ptr_array_set_size (tags, tags->len - 2);
              p = plain = close + 1;
              continue;
            }
        }
      p++;
    }
  insert_tagged (buffer, iter, plain, end - plain, tags);
}

typedef enum
{
  BLOCK_NONE,
  BLOCK_PARAGRAPH,
  BLOCK_ITEM,
} BlockKind;

typedef struct
{
  GtkTextBuffer *buffer;
  GtkTextIter    iter;
  GPtrArray     *links;
  BlockKind      kind;
  GString       *text;   /* the block gathered so far */
  char          *marker; /* "•" or "3." for a list item */
  gboolean       in_list;
} Renderer;

static void
start_line (Renderer *r)
{
  if (!gtk_text_iter_is_start (&r->iter))
    gtk_text_buffer_insert (r->buffer, &r->iter, "\n", 1);
}

static void
end_list (Renderer *r)
{
  GtkTextIter start;

  if (!r->in_list)
    return;
  /* space after the list: its last line gets the margin of a paragraph */
  start = r->iter;
  gtk_text_iter_set_line_offset (&start, 0);
  gtk_text_buffer_apply_tag_by_name (r->buffer, "item-last", &start, &r->iter);
  r->in_list = FALSE;
}

static void
flush_block (Renderer *r)
{
  g_autoptr(GPtrArray) tags = g_ptr_array_new ();
  int line_start;
  GtkTextIter start;

  if (r->kind == BLOCK_NONE)
    return;

  if (r->kind != BLOCK_ITEM)
    end_list (r);
  start_line (r);
  line_start = gtk_text_iter_get_offset (&r->iter);
  if (r->kind == BLOCK_ITEM)
    {
      gtk_text_buffer_insert (r->buffer, &r->iter, r->marker, -1);
      gtk_text_buffer_insert (r->buffer, &r->iter, " ", 1);
      r->in_list = TRUE;
    }
  insert_inline (r->buffer, &r->iter, r->text->str, r->text->len, tags, r->links);
  gtk_text_buffer_get_iter_at_offset (r->buffer, &start, line_start);
  gtk_text_buffer_apply_tag_by_name (r->buffer, r->kind == BLOCK_ITEM ? "item" : "paragraph",
                                     &start, &r->iter);

  g_string_truncate (r->text, 0);
  g_clear_pointer (&r->marker, g_free);
  r->kind = BLOCK_NONE;
}

static void
insert_heading (Renderer   *r,
                const char *text,
                const char *tag)
{
  g_autoptr(GPtrArray) tags = g_ptr_array_new ();

  flush_block (r);
  end_list (r);
  start_line (r);
  g_ptr_array_add (tags, named_tag (r->buffer, tag));
  insert_inline (r->buffer, &r->iter, text, strlen (text), tags, r->links);
}

/* "12. text" → 12 and the offset of text; 0 when the line is not a numbered item */
static gsize
numbered_item (const char *line,
               char      **number)
{
  gsize i = 0;

  while (g_ascii_isdigit (line[i]))
    i++;
  if (i == 0 || i > 3 || line[i] != '.' || line[i + 1] != ' ')
    return 0;
  *number = g_strndup (line, i + 1);
  return i + 2;
}

static void
render_markdown (GtkTextBuffer *buffer,
                 const char    *source,
                 GPtrArray     *links)
{
  g_auto(GStrv) lines = g_strsplit (source, "\n", -1);
  Renderer r = { buffer, { 0 }, links, BLOCK_NONE, g_string_new (NULL), NULL, FALSE };
  gboolean in_code = FALSE;
  int code_start = -1;

  gtk_text_buffer_set_text (buffer, "", 0);
  gtk_text_buffer_get_start_iter (buffer, &r.iter);

  for (guint n = 0; lines[n] != NULL; n++)
    {
      char *line = lines[n];
      gsize len = strlen (line);
      const char *stripped;
      g_autofree char *number = NULL;
      gsize skip;

      if (len > 0 && line[len - 1] == '\r')
        line[--len] = '\0';

      if (g_str_has_prefix (line, "```"))
        {
          if (!in_code)
            {
              flush_block (&r);
              end_list (&r);
              in_code = TRUE;
              code_start = -1;
            }
          else
            {
              GtkTextIter start;

              in_code = FALSE;
              if (code_start >= 0)
                {
                  gtk_text_buffer_get_iter_at_offset (buffer, &start, code_start);
                  gtk_text_buffer_apply_tag_by_name (buffer, "codeblock", &start, &r.iter);
                  start = r.iter;
                  gtk_text_iter_set_line_offset (&start, 0);
                  gtk_text_buffer_apply_tag_by_name (buffer, "codeblock-edge",
                                                     &start, &r.iter);
                }
            }
          continue;
        }
      if (in_code)
        {
          start_line (&r);
          if (code_start < 0)
            code_start = gtk_text_iter_get_offset (&r.iter);
          gtk_text_buffer_insert (buffer, &r.iter, line, (int) len);
          continue;
        }

      stripped = line;
      while (*stripped == ' ')
        stripped++;

      if (*stripped == '\0')
        {
          flush_block (&r);
          continue;
        }
      if (g_str_has_prefix (line, "# "))
        insert_heading (&r, line + 2, "h1");
      else if (g_str_has_prefix (line, "## ") || g_str_has_prefix (line, "### "))
        insert_heading (&r, strchr (line, ' ') + 1, "h2");
      else if (stripped == line && (g_str_has_prefix (line, "- ") || g_str_has_prefix (line, "* ")))
        {
          flush_block (&r);
          r.kind = BLOCK_ITEM;
          r.marker = g_strdup ("•");
          g_string_append (r.text, line + 2);
        }
      else if (stripped == line && (skip = numbered_item (line, &number)) > 0)
        {
          flush_block (&r);
          r.kind = BLOCK_ITEM;
          r.marker = g_steal_pointer (&number);
          g_string_append (r.text, line + skip);
        }
      else
        {
          /* a continuation line joins the block with a space */
          if (r.kind == BLOCK_NONE)
            r.kind = BLOCK_PARAGRAPH;
          else
            g_string_append_c (r.text, ' ');
          g_string_append (r.text, stripped);
        }
    }
  flush_block (&r);
  end_list (&r);
  g_string_free (r.text, TRUE);
}

/* ---- the window ----------------------------------------------------------------- */

static void
update_back (CurrentsHelpWindow *self)
{
  gtk_widget_set_sensitive (GTK_WIDGET (self->help_back), self->history->len > 0);
}

static gboolean
render_page (CurrentsHelpWindow *self,
             const char         *id)
{
  g_autofree char *source = currents_help_page_get_source (id);
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->help_view);
  GtkAdjustment *adjustment;
  int index = find_page (self, id);
  GtkTextIter start;

  if (source == NULL || index < 0)
    return FALSE;

  g_ptr_array_set_size (self->links, 0);
  render_markdown (buffer, source, self->links);
  gtk_text_buffer_get_start_iter (buffer, &start);
  gtk_text_buffer_place_cursor (buffer, &start);

  g_free (self->current);
  self->current = g_strdup (id);
  adw_window_title_set_subtitle (self->help_title,
                                 ((HelpPage *) g_ptr_array_index (self->pages, index))->title);

  adjustment = gtk_scrolled_window_get_vadjustment (self->help_scroller);
  gtk_adjustment_set_value (adjustment, gtk_adjustment_get_lower (adjustment));

  self->selecting = TRUE;
  gtk_list_box_select_row (self->help_list, g_ptr_array_index (self->rows, index));
  self->selecting = FALSE;

  if (adw_leaflet_get_folded (self->help_leaflet))
    adw_leaflet_set_visible_child_name (self->help_leaflet, "content");
  return TRUE;
}

gboolean
currents_help_window_show_page (CurrentsHelpWindow *self,
                                const char         *id)
{
  g_autofree char *previous = NULL;

  g_return_val_if_fail (CURRENTS_IS_HELP_WINDOW (self), FALSE);
  g_return_val_if_fail (id != NULL, FALSE);

  if (find_page (self, id) < 0)
    return FALSE;
  if (g_strcmp0 (self->current, id) == 0)
    return TRUE;

  previous = g_strdup (self->current);
  if (!render_page (self, id))
    return FALSE;
  if (previous != NULL)
    g_ptr_array_add (self->history, g_steal_pointer (&previous));
  update_back (self);
  return TRUE;
}

const char *
currents_help_window_get_page (CurrentsHelpWindow *self)
{
  g_return_val_if_fail (CURRENTS_IS_HELP_WINDOW (self), NULL);
  return self->current;
}

gboolean
currents_help_window_go_back (CurrentsHelpWindow *self)
{
  g_autofree char *id = NULL;

  g_return_val_if_fail (CURRENTS_IS_HELP_WINDOW (self), FALSE);

  if (self->history->len == 0)
    return FALSE;
  id = g_ptr_array_steal_index (self->history, self->history->len - 1);
  render_page (self, id);
  update_back (self);
  return TRUE;
}

gboolean
currents_help_window_activate_link (CurrentsHelpWindow *self,
                                    const char         *target)
{
  g_return_val_if_fail (CURRENTS_IS_HELP_WINDOW (self), FALSE);
  g_return_val_if_fail (target != NULL, FALSE);

  if (g_uri_peek_scheme (target) != NULL)
    {
      gtk_show_uri (GTK_WINDOW (self), target, GDK_CURRENT_TIME);
      return TRUE;
    }
  return currents_help_window_show_page (self, target);
}

GStrv
currents_help_window_get_links (CurrentsHelpWindow *self)
{
  GStrvBuilder *builder;
  GStrv links;

  g_return_val_if_fail (CURRENTS_IS_HELP_WINDOW (self), NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->links->len; i++)
    g_strv_builder_add (builder, g_ptr_array_index (self->links, i));
  links = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return links;
}

GtkTextBuffer *
currents_help_window_get_buffer (CurrentsHelpWindow *self)
{
  g_return_val_if_fail (CURRENTS_IS_HELP_WINDOW (self), NULL);
  return gtk_text_view_get_buffer (self->help_view);
}

static gboolean
page_matches (CurrentsHelpWindow *self,
              const HelpPage     *page)
{
  if (self->query == NULL)
    return TRUE;
  for (guint i = 0; self->query[i] != NULL; i++)
    if (strstr (page->folded_text, self->query[i]) == NULL)
      return FALSE;
  return TRUE;
}

static gboolean
filter_row (GtkListBoxRow *row,
            gpointer       user_data)
{
  CurrentsHelpWindow *self = user_data;
  const HelpPage *page = g_object_get_data (G_OBJECT (row), "help-page");

  return page_matches (self, page);
}

void
currents_help_window_search (CurrentsHelpWindow *self,
                             const char         *text)
{
  g_return_if_fail (CURRENTS_IS_HELP_WINDOW (self));

  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (self->help_search)), text) != 0)
    {
      /* the entry's ::search-changed comes back here after a delay: apply it now */
      gtk_editable_set_text (GTK_EDITABLE (self->help_search), text ? text : "");
    }

  g_clear_pointer (&self->query, g_strfreev);
  if (text != NULL)
    {
      g_autofree char *folded = g_utf8_casefold (text, -1);
      g_auto(GStrv) words = g_strsplit_set (g_strstrip (folded), " \t", -1);
      GStrvBuilder *builder = g_strv_builder_new ();

      for (guint i = 0; words[i] != NULL; i++)
        if (words[i][0] != '\0')
          g_strv_builder_add (builder, words[i]);
      self->query = g_strv_builder_end (builder);
      g_strv_builder_unref (builder);
      if (self->query[0] == NULL)
        g_clear_pointer (&self->query, g_strfreev);
    }
  gtk_list_box_invalidate_filter (self->help_list);
}

GStrv
currents_help_window_list_pages (CurrentsHelpWindow *self,
                                 gboolean            visible_only)
{
  GStrvBuilder *builder;
  GStrv ids;

  g_return_val_if_fail (CURRENTS_IS_HELP_WINDOW (self), NULL);

  builder = g_strv_builder_new ();
  for (guint i = 0; i < self->pages->len; i++)
    {
      const HelpPage *page = g_ptr_array_index (self->pages, i);

      if (!visible_only || page_matches (self, page))
        g_strv_builder_add (builder, page->id);
    }
  ids = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return ids;
}

static void
on_search_changed (CurrentsHelpWindow *self,
                   GtkSearchEntry     *entry)
{
  currents_help_window_search (self, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_row_activated (CurrentsHelpWindow *self,
                  GtkListBoxRow      *row,
                  GtkListBox         *list)
{
  const HelpPage *page = g_object_get_data (G_OBJECT (row), "help-page");

  if (self->selecting || page == NULL)
    return;
  currents_help_window_show_page (self, page->id);
  if (adw_leaflet_get_folded (self->help_leaflet))
    adw_leaflet_set_visible_child_name (self->help_leaflet, "content");
}

static void
on_back_clicked (CurrentsHelpWindow *self)
{
  currents_help_window_go_back (self);
}

static void
on_pages_clicked (CurrentsHelpWindow *self)
{
  adw_leaflet_set_visible_child_name (self->help_leaflet, "sidebar");
}

static const char *
link_at (CurrentsHelpWindow *self,
         double              x,
         double              y)
{
  GtkTextIter iter;
  int bx, by;
  g_autoptr(GSList) tags = NULL;

  gtk_text_view_window_to_buffer_coords (self->help_view, GTK_TEXT_WINDOW_WIDGET,
                                         (int) x, (int) y, &bx, &by);
  if (!gtk_text_view_get_iter_at_location (self->help_view, &iter, bx, by))
    return NULL;
  tags = gtk_text_iter_get_tags (&iter);
  for (GSList *l = tags; l != NULL; l = l->next)
    {
      const char *target = g_object_get_data (l->data, LINK_TARGET_KEY);

      if (target != NULL)
        return target;
    }
  return NULL;
}

static void
on_click_released (GtkGestureClick    *gesture,
                   int                 n_press,
                   double              x,
                   double              y,
                   CurrentsHelpWindow *self)
{
  GtkTextBuffer *buffer = gtk_text_view_get_buffer (self->help_view);
  g_autofree char *target = NULL;
  const char *found;

  if (n_press != 1 || gtk_text_buffer_get_has_selection (buffer))
    return;
  found = link_at (self, x, y);
  if (found == NULL)
    return;
  /* the page the link belongs to is replaced while it is followed */
  target = g_strdup (found);
  currents_help_window_activate_link (self, target);
}

static void
on_motion (GtkEventControllerMotion *motion,
           double                    x,
           double                    y,
           CurrentsHelpWindow       *self)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (self->help_view),
                                   link_at (self, x, y) != NULL ? "pointer" : NULL);
}

static gboolean
back_shortcut (GtkWidget *widget,
               GVariant  *args,
               gpointer   user_data)
{
  return currents_help_window_go_back (CURRENTS_HELP_WINDOW (widget));
}

static gboolean
search_shortcut (GtkWidget *widget,
                 GVariant  *args,
                 gpointer   user_data)
{
  CurrentsHelpWindow *self = CURRENTS_HELP_WINDOW (widget);

  if (adw_leaflet_get_folded (self->help_leaflet))
    adw_leaflet_set_visible_child_name (self->help_leaflet, "sidebar");
  gtk_widget_grab_focus (GTK_WIDGET (self->help_search));
  return TRUE;
}

static void
currents_help_window_dispose (GObject *object)
{
  CurrentsHelpWindow *self = CURRENTS_HELP_WINDOW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_HELP_WINDOW);
  g_clear_pointer (&self->rows, g_ptr_array_unref);
  G_OBJECT_CLASS (currents_help_window_parent_class)->dispose (object);
}

static void
currents_help_window_finalize (GObject *object)
{
  CurrentsHelpWindow *self = CURRENTS_HELP_WINDOW (object);

  g_clear_pointer (&self->pages, g_ptr_array_unref);
  g_clear_pointer (&self->history, g_ptr_array_unref);
  g_clear_pointer (&self->links, g_ptr_array_unref);
  g_clear_pointer (&self->query, g_strfreev);
  g_free (self->current);
  G_OBJECT_CLASS (currents_help_window_parent_class)->finalize (object);
}

static void
currents_help_window_class_init (CurrentsHelpWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_help_window_dispose;
  object_class->finalize = currents_help_window_finalize;

  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-help-window.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsHelpWindow, help_leaflet);
  gtk_widget_class_bind_template_child (widget_class, CurrentsHelpWindow, help_search);
  gtk_widget_class_bind_template_child (widget_class, CurrentsHelpWindow, help_list);
  gtk_widget_class_bind_template_child (widget_class, CurrentsHelpWindow, help_back);
  gtk_widget_class_bind_template_child (widget_class, CurrentsHelpWindow, help_title);
  gtk_widget_class_bind_template_child (widget_class, CurrentsHelpWindow, help_scroller);
  gtk_widget_class_bind_template_child (widget_class, CurrentsHelpWindow, help_view);
  gtk_widget_class_bind_template_callback (widget_class, on_search_changed);
  gtk_widget_class_bind_template_callback (widget_class, on_row_activated);
  gtk_widget_class_bind_template_callback (widget_class, on_back_clicked);
  gtk_widget_class_bind_template_callback (widget_class, on_pages_clicked);

  gtk_widget_class_add_binding (widget_class, GDK_KEY_Left, GDK_ALT_MASK,
                                back_shortcut, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_Back, 0, back_shortcut, NULL);
  gtk_widget_class_add_binding (widget_class, GDK_KEY_f, GDK_CONTROL_MASK,
                                search_shortcut, NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0,
                                       "window.close", NULL);
}

static void
currents_help_window_init (CurrentsHelpWindow *self)
{
  GtkGesture *click;
  GtkEventController *motion;

  gtk_widget_init_template (GTK_WIDGET (self));

  self->pages = g_ptr_array_new_with_free_func (help_page_free);
  self->rows = g_ptr_array_new ();
  self->history = g_ptr_array_new_with_free_func (g_free);
  self->links = g_ptr_array_new_with_free_func (g_free);

  create_tags (gtk_text_view_get_buffer (self->help_view));

  for (guint i = 0; i < G_N_ELEMENTS (page_ids); i++)
    {
      HelpPage *page = help_page_new (page_ids[i]);
      GtkWidget *row, *label;

      if (page == NULL)
        continue;
      label = g_object_new (GTK_TYPE_LABEL,
                            "label", page->title,
                            "xalign", 0.0f,
                            "ellipsize", PANGO_ELLIPSIZE_END,
                            NULL);
      row = gtk_list_box_row_new ();
      gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row), label);
      g_object_set_data (G_OBJECT (row), "help-page", page);
      gtk_list_box_append (self->help_list, row);
      g_ptr_array_add (self->pages, page);
      g_ptr_array_add (self->rows, row);
    }
  gtk_list_box_set_filter_func (self->help_list, filter_row, self, NULL);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_PRIMARY);
  g_signal_connect (click, "released", G_CALLBACK (on_click_released), self);
  gtk_widget_add_controller (GTK_WIDGET (self->help_view), GTK_EVENT_CONTROLLER (click));

  motion = gtk_event_controller_motion_new ();
  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), self);
  gtk_widget_add_controller (GTK_WIDGET (self->help_view), motion);

  render_page (self, "index");
}

CurrentsHelpWindow *
currents_help_window_new (GtkWindow *parent)
{
  return g_object_new (CURRENTS_TYPE_HELP_WINDOW, "transient-for", parent, NULL);
}
