/* test-help.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The user guide: every page is listed and renders with a heading and without stray
 * markup, every link between pages leads to a page, links and Back navigate, the search
 * filters the list, app.help (F1) and app.help-page open the guide; and the German
 * translation of the window loads from the build tree.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes help-PAGE.png there.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-help"

#include <locale.h>
#include <string.h>

#include <glib/gi18n.h>
#include <gsl/gsl_errno.h>

#include "currents-application.h"
#include "currents-help-window.h"
#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 20.0
#define N_PAGES 19

static gboolean
is_drawn (gpointer data)
{
  return gtk_widget_get_mapped (data) && gtk_widget_get_width (data) > 0;
}

/* The window as GTK drew it, when CURRENTS_SCREENSHOT_DIR asks for it. */
static void
screenshot (GtkWidget  *widget,
            const char *name)
{
  if (g_getenv ("CURRENTS_SCREENSHOT_DIR") == NULL)
    return;
  g_assert_true (currents_gui_test_iterate_until (is_drawn, widget, WAIT_SECONDS));
  currents_gui_test_screenshot (widget, "help", name);
}

typedef struct
{
  CurrentsHelpWindow *help;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->help = currents_help_window_new (NULL);
  g_object_add_weak_pointer (G_OBJECT (fixture->help), (gpointer *) &fixture->help);
  gtk_window_present (GTK_WINDOW (fixture->help));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  gtk_window_destroy (GTK_WINDOW (fixture->help));
  g_assert_true (currents_gui_test_iterate_until (currents_gui_test_is_null, &fixture->help,
                                                  WAIT_SECONDS));
}

static gboolean
strv_has (GStrv       strv,
          const char *s)
{
  return g_strv_contains ((const char * const *) strv, s);
}

/* The rendered text outside code: what a reader sees as prose. */
static char *
prose_text (GtkTextBuffer *buffer)
{
  GtkTextTagTable *table = gtk_text_buffer_get_tag_table (buffer);
  GtkTextTag *code = gtk_text_tag_table_lookup (table, "code");
  GtkTextTag *codeblock = gtk_text_tag_table_lookup (table, "codeblock");
  GString *text = g_string_new (NULL);
  GtkTextIter iter;

  g_assert_nonnull (code);
  g_assert_nonnull (codeblock);
  for (gtk_text_buffer_get_start_iter (buffer, &iter); !gtk_text_iter_is_end (&iter);
       gtk_text_iter_forward_char (&iter))
    if (!gtk_text_iter_has_tag (&iter, code) && !gtk_text_iter_has_tag (&iter, codeblock))
      g_string_append_unichar (text, gtk_text_iter_get_char (&iter));
    else
      g_string_append_c (text, ' ');
  return g_string_free (text, FALSE);
}

/* The texts of the ranges tagged @name, in order. */
static GPtrArray *
tagged_ranges (GtkTextBuffer *buffer,
               const char    *name)
{
  GtkTextTag *tag = gtk_text_tag_table_lookup (gtk_text_buffer_get_tag_table (buffer), name);
  GPtrArray *ranges = g_ptr_array_new_with_free_func (g_free);
  GtkTextIter start, end;

  g_assert_nonnull (tag);
  gtk_text_buffer_get_start_iter (buffer, &start);
  while (gtk_text_iter_starts_tag (&start, tag) ||
         gtk_text_iter_forward_to_tag_toggle (&start, tag))
    {
      if (!gtk_text_iter_starts_tag (&start, tag))
        break;
      end = start;
      gtk_text_iter_forward_to_tag_toggle (&end, tag);
      g_ptr_array_add (ranges, gtk_text_iter_get_text (&start, &end));
      start = end;
      if (gtk_text_iter_is_end (&start))
        break;
    }
  return ranges;
}

/* Link targets in a page's source, outside fenced code: [text](target) */
static GPtrArray *
source_links (const char *source)
{
  g_autoptr(GRegex) regex = g_regex_new ("\\[[^\\]\\n]*\\]\\(([^)\\s]+)\\)", 0, 0, NULL);
  g_auto(GStrv) lines = g_strsplit (source, "\n", -1);
  GPtrArray *links = g_ptr_array_new_with_free_func (g_free);
  gboolean in_code = FALSE;

  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_autoptr(GMatchInfo) match = NULL;

      if (g_str_has_prefix (lines[i], "```"))
        in_code = !in_code;
      if (in_code)
        continue;
      g_regex_match (regex, lines[i], 0, &match);
      while (g_match_info_matches (match))
        {
          g_ptr_array_add (links, g_match_info_fetch (match, 1));
          g_match_info_next (match, NULL);
        }
    }
  return links;
}

#define HELP_PATH "/org/currents/Currents/help/"

/* The page @id in language @lang exactly as stored, or NULL. */
static char *
stored_source (const char *lang,
               const char *id)
{
  g_autofree char *path = g_strdup_printf (HELP_PATH "%s/%s.md", lang, id);
  g_autoptr(GBytes) bytes = g_resources_lookup_data (path, G_RESOURCE_LOOKUP_FLAGS_NONE,
                                                     NULL);

  if (bytes == NULL)
    return NULL;
  return g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
}

static void
test_pages (Fixture       *fixture,
            gconstpointer  data)
{
  g_auto(GStrv) listed = currents_help_window_list_pages (fixture->help, FALSE);
  g_auto(GStrv) ids = currents_help_list_page_ids ();
  g_auto(GStrv) resources = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (g_strv_length (listed), ==, N_PAGES);
  g_assert_true (g_strv_equal ((const char * const *) listed, (const char * const *) ids));
  g_assert_cmpstr (listed[0], ==, "index");
  g_assert_cmpstr (currents_help_window_get_page (fixture->help), ==, "index");

  /* every page stored in the resources is listed, and nothing else */
  resources = g_resources_enumerate_children ("/org/currents/Currents/help/C/",
                                              G_RESOURCE_LOOKUP_FLAGS_NONE, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (g_strv_length (resources), ==, N_PAGES);
  for (guint i = 0; resources[i] != NULL; i++)
    {
      g_autofree char *id = NULL;

      g_assert_true (g_str_has_suffix (resources[i], ".md"));
      id = g_strndup (resources[i], strlen (resources[i]) - 3);
      g_assert_true (strv_has (listed, id));
    }

  /* a translation holds the same pages (the German one all of them) */
  {
    g_auto(GStrv) languages = g_resources_enumerate_children (HELP_PATH,
                                                              G_RESOURCE_LOOKUP_FLAGS_NONE,
                                                              &error);

    g_assert_no_error (error);
    g_assert_true (g_strv_contains ((const char * const *) languages, "C/"));
    g_assert_true (g_strv_contains ((const char * const *) languages, "de/"));
    for (guint l = 0; languages[l] != NULL; l++)
      {
        g_autofree char *path = g_strconcat (HELP_PATH, languages[l], NULL);
        g_auto(GStrv) files = g_resources_enumerate_children (path,
                                                              G_RESOURCE_LOOKUP_FLAGS_NONE,
                                                              &error);

        g_assert_no_error (error);
        for (guint i = 0; files[i] != NULL; i++)
          {
            g_autofree char *id = g_strndup (files[i], strlen (files[i]) - 3);

            g_assert_true (strv_has (listed, id));
          }
        if (g_str_equal (languages[l], "de/"))
          g_assert_cmpuint (g_strv_length (files), ==, N_PAGES);
      }
  }

  g_assert_null (currents_help_page_get_source ("no-such-page"));
  g_assert_false (currents_help_window_show_page (fixture->help, "no-such-page"));
  g_assert_cmpstr (currents_help_window_get_page (fixture->help), ==, "index");
}

static void
test_render (Fixture       *fixture,
             gconstpointer  data)
{
  g_auto(GStrv) ids = currents_help_list_page_ids ();
  GtkTextBuffer *buffer = currents_help_window_get_buffer (fixture->help);

  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autofree char *source = currents_help_page_get_source (ids[i]);
      g_autofree char *text = NULL;
      g_autofree char *prose = NULL;
      g_autoptr(GPtrArray) h1 = NULL;
      g_autoptr(GPtrArray) h2 = NULL;
      GtkTextIter start, end;

      g_test_message ("page %s", ids[i]);
      g_assert_nonnull (source);
      g_assert_true (currents_help_window_show_page (fixture->help, ids[i]));
      g_assert_cmpstr (currents_help_window_get_page (fixture->help), ==, ids[i]);

      gtk_text_buffer_get_bounds (buffer, &start, &end);
      text = gtk_text_buffer_get_text (buffer, &start, &end, FALSE);
      /* real content, not a stub */
      g_assert_cmpint (g_utf8_strlen (text, -1), >, 600);

      /* one title, the page's first line, and sections under it */
      h1 = tagged_ranges (buffer, "h1");
      h2 = tagged_ranges (buffer, "h2");
      g_assert_cmpuint (h1->len, ==, 1);
      g_assert_true (g_str_has_prefix (source, "# "));
      g_assert_true (g_str_has_prefix (text, g_ptr_array_index (h1, 0)));
      g_assert_cmpuint (h2->len, >=, 1);

      /* the markup is consumed: no markers left in the prose */
      prose = prose_text (buffer);
      g_assert_null (strstr (prose, "**"));
      g_assert_null (strstr (prose, "]("));
      g_assert_null (strstr (prose, "```"));
      g_assert_null (strstr (prose, "\n# "));
      g_assert_null (strstr (prose, "\n## "));

      screenshot (GTK_WIDGET (fixture->help), ids[i]);
    }
}

static void
test_links (Fixture       *fixture,
            gconstpointer  data)
{
  g_auto(GStrv) ids = currents_help_list_page_ids ();
  g_autoptr(GHashTable) reached = g_hash_table_new (g_str_hash, g_str_equal);
  guint n_internal = 0, n_web = 0;

  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autofree char *source = currents_help_page_get_source (ids[i]);
      g_autoptr(GPtrArray) parsed = source_links (source);
      g_auto(GStrv) rendered = NULL;

      g_assert_true (currents_help_window_show_page (fixture->help, ids[i]));
      rendered = currents_help_window_get_links (fixture->help);

      /* the renderer made a link of every link in the source, in order */
      g_assert_cmpuint (g_strv_length (rendered), ==, parsed->len);
      for (guint k = 0; k < parsed->len; k++)
        {
          const char *target = g_ptr_array_index (parsed, k);

          g_assert_cmpstr (rendered[k], ==, target);
          if (g_str_has_prefix (target, "https://"))
            {
              n_web++;
              continue;
            }
          g_test_message ("%s → %s", ids[i], target);
          g_assert_null (g_uri_peek_scheme (target));
          g_assert_true (strv_has (ids, target));
          g_assert_cmpstr (target, !=, ids[i]);
          n_internal++;
          if (g_str_equal (ids[i], "index"))
            g_hash_table_add (reached, (gpointer) g_intern_string (target));
        }
      /* every page leads somewhere else */
      g_assert_cmpuint (parsed->len, >=, 1);
    }
  /* the index leads to every other page */
  g_assert_cmpuint (g_hash_table_size (reached), ==, N_PAGES - 1);
  g_assert_cmpuint (n_internal, >=, 40);
  g_assert_cmpuint (n_web, >=, 1);

  /* a translated page links to the same pages, in the same order */
  for (guint i = 0; ids[i] != NULL; i++)
    {
      g_autofree char *english = stored_source ("C", ids[i]);
      g_autofree char *german = stored_source ("de", ids[i]);
      g_autoptr(GPtrArray) english_links = source_links (english);
      g_autoptr(GPtrArray) german_links = NULL;

      g_assert_nonnull (german);
      g_assert_cmpstr (german, !=, english);
      german_links = source_links (german);
      g_assert_cmpuint (german_links->len, ==, english_links->len);
      for (guint k = 0; k < german_links->len; k++)
        g_assert_cmpstr (g_ptr_array_index (german_links, k), ==,
                         g_ptr_array_index (english_links, k));
    }
}

static void
test_navigate (Fixture       *fixture,
               gconstpointer  data)
{
  g_auto(GStrv) links = NULL;
  GtkTextBuffer *buffer = currents_help_window_get_buffer (fixture->help);
  g_autoptr(GPtrArray) h1 = NULL;

  g_assert_cmpstr (currents_help_window_get_page (fixture->help), ==, "index");
  g_assert_false (currents_help_window_go_back (fixture->help));

  links = currents_help_window_get_links (fixture->help);
  g_assert_true (strv_has (links, "bifurcations"));

  /* follow index → bifurcations → algorithms, then Back twice */
  g_assert_true (currents_help_window_activate_link (fixture->help, "bifurcations"));
  g_assert_cmpstr (currents_help_window_get_page (fixture->help), ==, "bifurcations");
  h1 = tagged_ranges (buffer, "h1");
  g_assert_cmpuint (h1->len, ==, 1);
  g_assert_nonnull (strstr (g_ptr_array_index (h1, 0), "Bifurcation"));
  g_clear_pointer (&links, g_strfreev);
  links = currents_help_window_get_links (fixture->help);
  g_assert_true (strv_has (links, "algorithms"));
  g_assert_true (currents_help_window_activate_link (fixture->help, "algorithms"));
  g_assert_cmpstr (currents_help_window_get_page (fixture->help), ==, "algorithms");

  /* an unknown page changes nothing */
  g_assert_false (currents_help_window_activate_link (fixture->help, "no-such-page"));
  g_assert_cmpstr (currents_help_window_get_page (fixture->help), ==, "algorithms");

  g_assert_true (currents_help_window_go_back (fixture->help));
  g_assert_cmpstr (currents_help_window_get_page (fixture->help), ==, "bifurcations");
  g_assert_true (currents_help_window_go_back (fixture->help));
  g_assert_cmpstr (currents_help_window_get_page (fixture->help), ==, "index");
  g_assert_false (currents_help_window_go_back (fixture->help));
  g_clear_pointer (&h1, g_ptr_array_unref);
  h1 = tagged_ranges (buffer, "h1");
  g_assert_cmpstr (g_ptr_array_index (h1, 0), ==, "Getting Started with Currents");
}

static void
assert_visible (CurrentsHelpWindow *help,
                const char         *query,
                const char * const *expected)
{
  g_auto(GStrv) visible = NULL;

  currents_help_window_search (help, query);
  visible = currents_help_window_list_pages (help, TRUE);
  g_test_message ("search “%s”", query);
  g_assert_true (g_strv_equal ((const char * const *) visible, expected));
}

static void
test_search (Fixture       *fixture,
             gconstpointer  data)
{
  static const char * const repressilator[] = { "gallery", NULL };
  static const char * const shooting[] = { "bifurcations", "algorithms", NULL };
  static const char * const both[] = { "algorithms", NULL };
  static const char * const none[] = { NULL };
  g_auto(GStrv) all = currents_help_list_page_ids ();

  /* a word of one page only leaves that page; case does not matter */
  assert_visible (fixture->help, "Repressilator", repressilator);
  assert_visible (fixture->help, "shooting", shooting);
  /* every word must occur */
  assert_visible (fixture->help, "shooting  Floquet", both);
  assert_visible (fixture->help, "xyzzy", none);
  assert_visible (fixture->help, "", (const char * const *) all);
}

static gboolean
is_folded (gpointer data)
{
  return adw_leaflet_get_folded (data);
}

/* On a narrow screen the list and the page take turns. */
static void
test_narrow (void)
{
  CurrentsHelpWindow *help = currents_help_window_new (NULL);
  AdwLeaflet *leaflet;

  g_object_add_weak_pointer (G_OBJECT (help), (gpointer *) &help);
  gtk_window_set_default_size (GTK_WINDOW (help), 380, 600);
  gtk_window_present (GTK_WINDOW (help));
  leaflet = ADW_LEAFLET (adw_window_get_content (ADW_WINDOW (help)));
  g_assert_true (currents_gui_test_iterate_until (is_folded, leaflet, WAIT_SECONDS));

  adw_leaflet_set_visible_child_name (leaflet, "sidebar");
  g_assert_true (currents_help_window_show_page (help, "csv"));
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "content");
  g_assert_true (adw_leaflet_navigate (leaflet, ADW_NAVIGATION_DIRECTION_BACK));
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "sidebar");
  g_assert_true (currents_help_window_go_back (help));
  g_assert_cmpstr (currents_help_window_get_page (help), ==, "index");
  g_assert_cmpstr (adw_leaflet_get_visible_child_name (leaflet), ==, "content");

  gtk_window_destroy (GTK_WINDOW (help));
  g_assert_true (currents_gui_test_iterate_until (currents_gui_test_is_null, &help, WAIT_SECONDS));
}

static void
test_application (void)
{
  g_autoptr(CurrentsApplication) app = currents_application_new ();
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) accels = NULL;
  CurrentsHelpWindow *help = NULL;

  g_application_set_flags (G_APPLICATION (app),
                           G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE);
  g_assert_true (g_application_register (G_APPLICATION (app), NULL, &error));
  g_assert_no_error (error);

  accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app), "app.help");
  g_assert_cmpuint (g_strv_length (accels), ==, 1);
  g_assert_cmpstr (accels[0], ==, "F1");

  g_action_group_activate_action (G_ACTION_GROUP (app), "help-page",
                                  g_variant_new_string ("ode"));
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l; l = l->next)
    if (CURRENTS_IS_HELP_WINDOW (l->data))
      help = l->data;
  g_assert_nonnull (help);
  g_assert_cmpstr (currents_help_window_get_page (help), ==, "ode");

  /* F1 again: the same window, on the index */
  g_action_group_activate_action (G_ACTION_GROUP (app), "help", NULL);
  g_assert_cmpuint (g_list_length (gtk_application_get_windows (GTK_APPLICATION (app))), ==, 1);
  g_assert_cmpstr (currents_help_window_get_page (help), ==, "index");
  g_assert_true (currents_help_window_go_back (help));
  g_assert_cmpstr (currents_help_window_get_page (help), ==, "ode");

  g_assert_false (currents_application_show_help (app, "no-such-page"));
  g_assert_cmpstr (currents_help_window_get_page (help), ==, "ode");

  g_object_add_weak_pointer (G_OBJECT (help), (gpointer *) &help);
  gtk_window_destroy (GTK_WINDOW (help));
  g_assert_true (currents_gui_test_iterate_until (currents_gui_test_is_null, &help, WAIT_SECONDS));
}

#define LOCALE_HINT "the locale de_DE.UTF-8 is missing: run `tools/currents-dev test`, " \
                    "which generates it"

static const char *
view_stack_title (CurrentsWindow *window,
                  const char     *name)
{
  GtkWidget *child = currents_window_get_page (window, name);
  GtkWidget *stack;

  g_assert_nonnull (child);
  stack = gtk_widget_get_ancestor (child, ADW_TYPE_VIEW_STACK);
  g_assert_nonnull (stack);
  return adw_view_stack_page_get_title (adw_view_stack_get_page (ADW_VIEW_STACK (stack), child));
}

/* In the subprocess: LANGUAGE=de, LC_ALL=LANG=de_DE.UTF-8 from the parent. */
static void
translation_child (void)
{
  const char *localedir = g_getenv ("CURRENTS_LOCALEDIR");
  g_auto(GStrv) ids = currents_help_list_page_ids ();
  CurrentsWindow *window;
  CurrentsHelpWindow *help;

  if (setlocale (LC_ALL, "de_DE.UTF-8") == NULL)
    g_error (LOCALE_HINT);
  g_assert_cmpstr (g_getenv ("LANGUAGE"), ==, "de");
  g_assert_nonnull (localedir);
  g_assert_nonnull (bindtextdomain (GETTEXT_PACKAGE, localedir));
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_assert_cmpstr (_("_Open"), ==, "_Öffnen");
  g_assert_cmpstr (g_dngettext (GETTEXT_PACKAGE, "%lu trajectory", "%lu trajectories", 3),
                   ==, "%lu Trajektorien");
  g_assert_cmpstr (g_dpgettext2 (GETTEXT_PACKAGE, "column role", "Input"), ==,
                   "Eingangsgröße");

  window = currents_window_new (NULL);
  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) &window);
  gtk_window_present (GTK_WINDOW (window));
  g_assert_cmpstr (view_stack_title (window, "portrait"), ==, "_Phasenporträt");
  g_assert_cmpstr (view_stack_title (window, "diagram"), ==, "_Bifurkationen");
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (window)), ==, "Currents");

  help = currents_help_window_new (GTK_WINDOW (window));
  g_object_add_weak_pointer (G_OBJECT (help), (gpointer *) &help);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (help)), ==, "Currents-Hilfe");

  /* the guide in German: its pages, rendered with their German titles */
  {
    GtkTextBuffer *buffer = currents_help_window_get_buffer (help);
    g_autoptr(GPtrArray) h1 = tagged_ranges (buffer, "h1");
    g_autofree char *source = currents_help_page_get_source ("ode");
    g_autofree char *german = stored_source ("de", "ode");

    g_assert_cmpstr (currents_help_window_get_page (help), ==, "index");
    g_assert_cmpuint (h1->len, ==, 1);
    g_assert_cmpstr (g_ptr_array_index (h1, 0), ==, "Erste Schritte mit Currents");
    g_assert_cmpstr (source, ==, german);
    g_assert_true (currents_help_window_activate_link (help, "bifurcations"));
    g_clear_pointer (&h1, g_ptr_array_unref);
    h1 = tagged_ranges (buffer, "h1");
    g_assert_cmpstr (g_ptr_array_index (h1, 0), ==, "Bifurkationen und Kipppunkte");
    g_assert_true (currents_help_window_go_back (help));

    for (guint i = 0; ids[i] != NULL; i++)
      {
        g_autofree char *prose = NULL;

        g_assert_true (currents_help_window_show_page (help, ids[i]));
        g_clear_pointer (&h1, g_ptr_array_unref);
        h1 = tagged_ranges (buffer, "h1");
        g_assert_cmpuint (h1->len, ==, 1);
        prose = prose_text (buffer);
        g_assert_null (strstr (prose, "**"));
        g_assert_null (strstr (prose, "]("));
      }
    g_assert_true (currents_help_window_show_page (help, "index"));
    gtk_window_present (GTK_WINDOW (help));
    screenshot (GTK_WIDGET (help), "de-index");
  }

  gtk_window_destroy (GTK_WINDOW (help));
  gtk_window_destroy (GTK_WINDOW (window));
  g_assert_true (currents_gui_test_iterate_until (currents_gui_test_is_null, &help, WAIT_SECONDS));
  g_assert_true (currents_gui_test_iterate_until (currents_gui_test_is_null, &window,
                                                  WAIT_SECONDS));
}

static void
test_translation (void)
{
  g_autofree char *saved_language = g_strdup (g_getenv ("LANGUAGE"));
  g_autofree char *saved_lc_all = g_strdup (g_getenv ("LC_ALL"));
  g_autofree char *saved_lang = g_strdup (g_getenv ("LANG"));
  g_autofree char *saved_locale = g_strdup (setlocale (LC_ALL, NULL));

  if (g_test_subprocess ())
    {
      translation_child ();
      return;
    }

  /* the machine must have the locale, or the test would silently run in C */
  if (setlocale (LC_ALL, "de_DE.UTF-8") == NULL)
    {
      g_test_fail_printf (LOCALE_HINT);
      return;
    }
  setlocale (LC_ALL, saved_locale);

  g_setenv ("LANGUAGE", "de", TRUE);
  g_setenv ("LC_ALL", "de_DE.UTF-8", TRUE);
  g_setenv ("LANG", "de_DE.UTF-8", TRUE);
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
#define RESTORE(name, value) \
  (value ? (void) g_setenv (name, value, TRUE) : g_unsetenv (name))
  RESTORE ("LANGUAGE", saved_language);
  RESTORE ("LC_ALL", saved_lc_all);
  RESTORE ("LANG", saved_lang);
#undef RESTORE

  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*WARNING*");
  g_test_trap_assert_stderr_unmatched ("*CRITICAL*");
  g_test_trap_assert_stderr_unmatched ("*Gtk-*");
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/help/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("pages", test_pages);
  ADD ("render", test_render);
  ADD ("links", test_links);
  ADD ("navigate", test_navigate);
  ADD ("search", test_search);
  g_test_add_func ("/help/narrow", test_narrow);
  g_test_add_func ("/help/application", test_application);
  g_test_add_func ("/help/translation", test_translation);

#undef ADD

  return g_test_run ();
}
