/* currents-gui-test.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What every GUI test suite needs, in one place: running the main loop until something
 * holds (with a timeout), pausing while animations end, tearing a window down and
 * checking that nothing keeps it alive, finding a widget by type, screenshots into
 * $CURRENTS_SCREENSHOT_DIR, and scratch files.
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-window.h"

G_BEGIN_DECLS

void       currents_gui_test_init               (int                 *argc,
                                                 char              ***argv);
void       currents_gui_test_load_style         (void);

CurrentsWindow *currents_gui_test_window_new      (int                  width,
                                                 int                  height,
                                                 gboolean             example);
char      *currents_gui_test_make_temp_dir      (const char          *template_name);

/* CURRENTS_TEST_TIME_SCALE, for slow (sanitizer) builds: waits stretch by it. */
double     currents_gui_test_time_scale         (void);

/* A condition for currents_gui_test_iterate_until(): TRUE once it holds. */
typedef gboolean (*CurrentsGuiTestDone) (gpointer data);

gboolean   currents_gui_test_iterate_until      (CurrentsGuiTestDone  done,
                                                 gpointer             data,
                                                 double               seconds);
void       currents_gui_test_pause              (double               seconds);
gboolean   currents_gui_test_is_null            (gpointer             data);

/* How many frames @object (a view) has drawn so far, for currents_gui_test_redraw(). */
typedef guint (*CurrentsGuiTestCount) (gpointer object);

gboolean   currents_gui_test_redraw             (GtkWidget           *widget,
                                                 CurrentsGuiTestCount count,
                                                 gpointer             object,
                                                 double               seconds);

void       currents_gui_test_destroy_window     (gpointer             window_location,
                                                 gpointer             child_location,
                                                 double               seconds);

GtkWidget *currents_gui_test_find_descendant    (GtkWidget           *root,
                                                 GType                type);
GtkWidget *currents_gui_test_find_nth_descendant (GtkWidget          *root,
                                                  GType               type,
                                                  guint               n);

void       currents_gui_test_screenshot         (GtkWidget           *widget,
                                                 const char          *prefix,
                                                 const char          *name);
char      *currents_gui_test_screenshot_path    (const char          *prefix,
                                                 const char          *name,
                                                 const char          *suffix);

GFile     *currents_gui_test_write_file         (const char          *folder,
                                                 const char          *name,
                                                 const char          *contents);
void       currents_gui_test_remove_tree        (const char          *path);

/* Opens @path in @window (currents_window_open_async) and waits for it (asserted to
 * succeed within @seconds). */
void       currents_gui_test_open               (CurrentsWindow      *window,
                                                 const char          *path,
                                                 double               seconds);

G_END_DECLS
