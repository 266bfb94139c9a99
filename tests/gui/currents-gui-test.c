/* currents-gui-test.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The helpers shared by the GUI test suites (tests/gui/); see currents-gui-test.h.
 */
#include "config.h"

#include <adwaita.h>
#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-gui-test.h"

/* How long the main loop runs before a screenshot: a toast slides in, a flap opens,
 * whatever changed is laid out and drawn. */
#define SCREENSHOT_SETTLE_SECONDS 0.7

/**
 * currents_gui_test_init:
 * @argc: main()'s
 * @argv: main()'s
 *
 * What every GUI test program does first: GSL reports errors by status (never aborts),
 * no accessibility bus and the Cairo renderer unless the environment says otherwise, then
 * g_test_init(), gtk_init() and adw_init().
 */
void
currents_gui_test_init (int    *argc,
                        char ***argv)
{
  gsl_set_error_handler_off ();
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);

  g_test_init (argc, argv, NULL);
  gtk_init ();
  adw_init ();
}

/**
 * currents_gui_test_load_style:
 *
 * Loads the application's style sheet for the default display, as AdwApplication would
 * load it for the application.
 */
void
currents_gui_test_load_style (void)
{
  g_autoptr(GtkCssProvider) css = gtk_css_provider_new ();

  gtk_css_provider_load_from_resource (css, "/org/currents/Currents/style.css");
  gtk_style_context_add_provider_for_display (gdk_display_get_default (),
                                              GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
}

/**
 * currents_gui_test_window_new:
 * @width: the window's default width
 * @height: its default height
 * @example: whether to open the bundled example (the genetic toggle switch) in it
 *
 * A main window as a test wants it: the example opened (asserted) when asked for, then
 * presented. Hand the reference to currents_gui_test_destroy_window() in the tear-down.
 *
 * Returns: (transfer full): the window, with a reference of the test's own
 */
CurrentsWindow *
currents_gui_test_window_new (int      width,
                              int      height,
                              gboolean example)
{
  CurrentsWindow *window = g_object_ref (currents_window_new (NULL));

  gtk_window_set_default_size (GTK_WINDOW (window), width, height);
  if (example)
    g_assert_true (currents_window_open_example (window));
  gtk_window_present (GTK_WINDOW (window));
  return window;
}

/**
 * currents_gui_test_make_temp_dir:
 * @template_name: as for g_dir_make_tmp() ("currents-window-XXXXXX")
 *
 * Returns: (transfer full): a new empty folder (asserted); remove it with
 *   currents_gui_test_remove_tree()
 */
char *
currents_gui_test_make_temp_dir (const char *template_name)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp (template_name, &error);

  g_assert_no_error (error);
  return dir;
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

/**
 * currents_gui_test_iterate_until:
 * @done: the condition, called before every main loop iteration
 * @data: passed to @done
 * @seconds: the most to wait
 *
 * Runs the default main context until @done (@data) holds or @seconds have passed. A
 * 10 ms timeout keeps the loop waking up, so that conditions that change without a
 * main loop event (a worker thread's result, the clock) are seen.
 *
 * Returns: whether @done held (FALSE on the timeout); assert it.
 */
/**
 * currents_gui_test_time_scale:
 *
 * How much longer waits may take: CURRENTS_TEST_TIME_SCALE (≥ 1; a sanitizer or valgrind
 * build is several times slower), else 1. Waits for a condition stretch by it; fixed
 * pauses do not.
 */
double
currents_gui_test_time_scale (void)
{
  const char *env = g_getenv ("CURRENTS_TEST_TIME_SCALE");
  double scale = env != NULL ? g_ascii_strtod (env, NULL) : 1.0;

  return scale >= 1.0 && scale <= 100.0 ? scale : 1.0;
}

gboolean
currents_gui_test_iterate_until (CurrentsGuiTestDone done,
                                 gpointer            data,
                                 double              seconds)
{
  gint64 deadline = g_get_monotonic_time ()
                    + (gint64) (seconds * currents_gui_test_time_scale () * G_USEC_PER_SEC);
  guint tick = g_timeout_add (10, wake, NULL);
  gboolean ok;

  while (!(ok = done (data)) && g_get_monotonic_time () < deadline)
    g_main_context_iteration (NULL, TRUE);
  g_source_remove (tick);
  return ok;
}

static gboolean
past (gpointer data)
{
  return g_get_monotonic_time () >= *(gint64 *) data;
}

/**
 * currents_gui_test_pause:
 * @seconds: how long
 *
 * Runs the main loop for @seconds: animations end, idle work is done.
 */
void
currents_gui_test_pause (double seconds)
{
  gint64 until = g_get_monotonic_time () + (gint64) (seconds * G_USEC_PER_SEC);

  currents_gui_test_iterate_until (past, &until, seconds + 1.0);
}

/**
 * currents_gui_test_is_null:
 * @data: (type gpointer*): where a pointer is kept
 *
 * A condition for currents_gui_test_iterate_until(): the pointer at @data is %NULL (a
 * weak pointer whose object went away).
 */
gboolean
currents_gui_test_is_null (gpointer data)
{
  return *(gpointer *) data == NULL;
}

typedef struct
{
  CurrentsGuiTestCount count;
  gpointer             object;
  guint                before;
} Counted;

static gboolean
counted_more (gpointer data)
{
  Counted *c = data;

  return c->count (c->object) > c->before;
}

/**
 * currents_gui_test_redraw:
 * @widget: what to redraw (a view's drawing area, say)
 * @count: how many frames @object has drawn
 * @object: passed to @count
 * @seconds: the most to wait
 *
 * Queues a redraw of @widget and runs the main loop until @object has drawn a frame
 * after now (@count went up), or @seconds have passed.
 *
 * Returns: whether a frame was drawn (FALSE on the timeout); assert it.
 */
gboolean
currents_gui_test_redraw (GtkWidget           *widget,
                          CurrentsGuiTestCount count,
                          gpointer             object,
                          double               seconds)
{
  Counted c = { count, object, count (object) };

  gtk_widget_queue_draw (widget);
  return currents_gui_test_iterate_until (counted_more, &c, seconds);
}

/**
 * currents_gui_test_destroy_window:
 * @window_location: (type GtkWindow**): where the test keeps its reference to the window
 * @child_location: (type GObject**) (nullable): where it keeps a (borrowed) pointer to a
 *   part of the window (a view), or %NULL
 * @seconds: how long the window and the part may take to go
 *
 * Destroys the window (unless it was destroyed already, by its close action say), drops
 * the test's reference and asserts that the window, and the part at @child_location,
 * are finalized within @seconds: whatever work was under way, no task keeps them alive.
 * Both locations are %NULL afterwards.
 */
void
currents_gui_test_destroy_window (gpointer window_location,
                                  gpointer child_location,
                                  double   seconds)
{
  GtkWindow **location = window_location;
  GtkWindow *window = *location;
  guint position;

  g_object_add_weak_pointer (G_OBJECT (window), (gpointer *) location);
  if (child_location != NULL)
    g_object_add_weak_pointer (G_OBJECT (*(GObject **) child_location),
                               (gpointer *) child_location);
  if (g_list_store_find (G_LIST_STORE (gtk_window_get_toplevels ()), window, &position))
    gtk_window_destroy (window);
  g_object_unref (window);
  g_assert_true (currents_gui_test_iterate_until (currents_gui_test_is_null, location,
                                                  seconds));
  if (child_location != NULL)
    g_assert_true (currents_gui_test_iterate_until (currents_gui_test_is_null,
                                                    child_location, seconds));
}

static GtkWidget *
find_nth (GtkWidget *widget,
          GType      type,
          guint     *skip)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (widget, type))
    {
      if (*skip == 0)
        return widget;
      (*skip)--;
    }
  for (GtkWidget *child = gtk_widget_get_first_child (widget); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    {
      GtkWidget *found = find_nth (child, type, skip);

      if (found != NULL)
        return found;
    }
  return NULL;
}

/**
 * currents_gui_test_find_nth_descendant:
 * @root: where to look
 * @type: the widget type (a subtype matches too)
 * @n: how many matches to pass over (0: the first)
 *
 * Looks through @root and its descendants depth first, a widget before its children,
 * children in order.
 *
 * Returns: (transfer none) (nullable): the match after @n others, or %NULL
 */
GtkWidget *
currents_gui_test_find_nth_descendant (GtkWidget *root,
                                       GType      type,
                                       guint      n)
{
  return find_nth (root, type, &n);
}

/**
 * currents_gui_test_find_descendant:
 * @root: where to look
 * @type: the widget type (a subtype matches too)
 *
 * Returns: (transfer none) (nullable): the first widget of @type in @root (@root itself
 *   included), depth first, or %NULL
 */
GtkWidget *
currents_gui_test_find_descendant (GtkWidget *root,
                                   GType      type)
{
  return currents_gui_test_find_nth_descendant (root, type, 0);
}

/**
 * currents_gui_test_screenshot_path:
 * @prefix: the suite's file prefix ("portrait")
 * @name: what the picture shows ("basins-dark")
 * @suffix: (nullable): appended to @name ("-figure"), or %NULL
 *
 * Returns: (transfer full) (nullable): $CURRENTS_SCREENSHOT_DIR/PREFIX-NAMESUFFIX.png, or
 *   %NULL when CURRENTS_SCREENSHOT_DIR is not set (no screenshots wanted)
 */
char *
currents_gui_test_screenshot_path (const char *prefix,
                                   const char *name,
                                   const char *suffix)
{
  const char *dir = g_getenv ("CURRENTS_SCREENSHOT_DIR");

  if (dir == NULL)
    return NULL;
  return g_strdup_printf ("%s/%s-%s%s.png", dir, prefix, name, suffix != NULL ? suffix : "");
}

/**
 * currents_gui_test_screenshot:
 * @widget: a realized widget, usually the window
 * @prefix: the suite's file prefix ("window")
 * @name: what the picture shows
 *
 * With CURRENTS_SCREENSHOT_DIR set, runs the main loop 0.7 s (animations end, what
 * changed is laid out and drawn) and writes @widget as GTK draws it to
 * $CURRENTS_SCREENSHOT_DIR/PREFIX-NAME.png (drawing it again, for up to 4 s, while a frame
 * in progress leaves it empty); without it, does nothing.
 */
void
currents_gui_test_screenshot (GtkWidget  *widget,
                              const char *prefix,
                              const char *name)
{
  g_autofree char *path = currents_gui_test_screenshot_path (prefix, name, NULL);
  g_autoptr(GdkPaintable) paintable = NULL;
  g_autoptr(GtkSnapshot) snapshot = NULL;
  g_autoptr(GskRenderNode) node = NULL;
  g_autoptr(GdkTexture) texture = NULL;
  int width, height;

  if (path == NULL)
    return;
  currents_gui_test_pause (SCREENSHOT_SETTLE_SECONDS);
  width = gtk_widget_get_width (widget);
  height = gtk_widget_get_height (widget);
  g_assert_cmpint (width, >, 0);
  paintable = gtk_widget_paintable_new (widget);
  /* a frame in progress on a busy machine may leave the paintable empty for a moment */
  for (guint attempt = 0; node == NULL && attempt < 20; attempt++)
    {
      snapshot = gtk_snapshot_new ();
      gdk_paintable_snapshot (paintable, GDK_SNAPSHOT (snapshot), width, height);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
      if (node == NULL)
        {
          gtk_widget_queue_draw (widget);
          currents_gui_test_pause (0.2);
        }
    }
  g_assert_nonnull (node);
  texture = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (widget)),
                                         node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  g_assert_true (gdk_texture_save_to_png (texture, path));
}

/**
 * currents_gui_test_write_file:
 * @folder: an existing folder
 * @name: the file's name in it
 * @contents: what to write (text)
 *
 * Returns: (transfer full): the file written
 */
GFile *
currents_gui_test_write_file (const char *folder,
                              const char *name,
                              const char *contents)
{
  g_autofree char *path = g_build_filename (folder, name, NULL);
  g_autoptr(GError) error = NULL;

  g_file_set_contents (path, contents, -1, &error);
  g_assert_no_error (error);
  return g_file_new_for_path (path);
}

/**
 * currents_gui_test_remove_tree:
 * @path: a file or a folder
 *
 * Removes @path, a folder with everything in it; a missing @path is fine.
 */
void
currents_gui_test_remove_tree (const char *path)
{
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
      const char *name;

      while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          currents_gui_test_remove_tree (child);
        }
      g_rmdir (path);
    }
  else
    g_remove (path);
}

static gboolean
has_result (gpointer data)
{
  return *(GAsyncResult **) data != NULL;
}

static void
open_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  *(GAsyncResult **) user_data = g_object_ref (result);
}

/**
 * currents_gui_test_open:
 * @window: a window
 * @path: a file to open in it
 * @seconds: how long it may take
 *
 * Opens @path as the window's Open does, and waits until it is shown (asserted).
 */
void
currents_gui_test_open (CurrentsWindow *window,
                        const char     *path,
                        double          seconds)
{
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GAsyncResult) result = NULL;
  g_autoptr(GError) error = NULL;

  currents_window_open_async (window, file, NULL, open_done, &result);
  g_assert_true (currents_gui_test_iterate_until (has_result, &result, seconds));
  g_assert_true (currents_window_open_finish (window, result, &error));
  g_assert_no_error (error);
}
