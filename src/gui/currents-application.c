/* currents-application.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-application"

#include <glib/gi18n.h>

#include "currents-application.h"
#include "currents-help-window.h"
#include "currents-window.h"
#include "currents-window-workspace-private.h"

struct _CurrentsApplication
{
  AdwApplication parent_instance;

  CurrentsHelpWindow *help_window; /* weak: one user guide for all windows */
  gboolean            train;       /* --train: start training on what is opened */
};

G_DEFINE_FINAL_TYPE (CurrentsApplication, currents_application, ADW_TYPE_APPLICATION)

CurrentsApplication *
currents_application_new (void)
{
  return g_object_new (CURRENTS_TYPE_APPLICATION,
                       "application-id", APP_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN,
                       "resource-base-path", "/org/currents/Currents",
                       NULL);
}

static void
currents_application_activate (GApplication *app)
{
  CurrentsWindow *window;

  window = currents_window_new (CURRENTS_APPLICATION (app));
  currents_window_open_example (window);
  gtk_window_present (GTK_WINDOW (window));
  /* After a crash (or a close with unsaved changes): offer what was autosaved. */
  currents_window_offer_recovery (window);
}

/* `currents --train FILE…`: training starts once what it learns from is open. */
static void
train_when_ready_cb (CurrentsTrainingPanel *panel,
                     GParamSpec            *pspec,
                     CurrentsWindow        *window)
{
  if (currents_training_panel_get_state (panel) != CURRENTS_TRAINING_READY)
    return;
  g_signal_handlers_disconnect_by_func (panel, train_when_ready_cb, window);
  gtk_widget_activate_action (GTK_WIDGET (window), "win.train-start", NULL);
}

/* `currents FILE…` opens the files together in one window: a model and data
 * recorded from it are shown on one plane. */
static void
currents_application_open (GApplication  *app,
                           GFile        **files,
                           int            n_files,
                           const char    *hint)
{
  CurrentsWindow *window;

  window = currents_window_new (CURRENTS_APPLICATION (app));
  if (CURRENTS_APPLICATION (app)->train)
    g_signal_connect (currents_window_get_training_panel (window), "notify::state",
                      G_CALLBACK (train_when_ready_cb), window);
  currents_window_open_files (window, files, n_files);
  gtk_window_present (GTK_WINDOW (window));
}

static int
currents_application_handle_local_options (GApplication *app,
                                           GVariantDict *options)
{
  if (g_variant_dict_contains (options, "train"))
    CURRENTS_APPLICATION (app)->train = TRUE;
  return -1;
}

static void
currents_application_about (GSimpleAction *action,
                            GVariant      *parameter,
                            gpointer       user_data)
{
  static const char *developers[] = { "The Currents authors", NULL };
  GtkApplication *app = GTK_APPLICATION (user_data);
  GtkWindow *parent = gtk_application_get_active_window (app);

  adw_show_about_window (parent,
                         "application-name", _("Currents"),
                         "application-icon", APP_ID,
                         "developer-name", "The Currents authors",
                         "version", PACKAGE_VERSION,
                         "comments", _("Explore and learn models of dynamical systems"),
                         "copyright", "© 2026 The Currents authors",
                         "license-type", GTK_LICENSE_GPL_3_0,
                         "developers", developers,
                         /* Translators: Replace "translator-credits" with your names, one name per line */
                         "translator-credits", _("translator-credits"),
                         NULL);
}

/* Opens the user guide on page @page (or the index); it stays one window. */
gboolean
currents_application_show_help (CurrentsApplication *self,
                                const char          *page)
{
  GtkWindow *parent;
  gboolean found;

  g_return_val_if_fail (CURRENTS_IS_APPLICATION (self), FALSE);

  if (self->help_window == NULL)
    {
      parent = gtk_application_get_active_window (GTK_APPLICATION (self));
      self->help_window = currents_help_window_new (parent);
      gtk_window_set_application (GTK_WINDOW (self->help_window), GTK_APPLICATION (self));
      g_object_add_weak_pointer (G_OBJECT (self->help_window),
                                 (gpointer *) &self->help_window);
    }
  found = currents_help_window_show_page (self->help_window, page ? page : "index");
  gtk_window_present (GTK_WINDOW (self->help_window));
  return found;
}

static void
currents_application_help (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  currents_application_show_help (CURRENTS_APPLICATION (user_data), "index");
}

static void
currents_application_help_page (GSimpleAction *action,
                                GVariant      *parameter,
                                gpointer       user_data)
{
  const char *page = g_variant_get_string (parameter, NULL);

  if (!currents_application_show_help (CURRENTS_APPLICATION (user_data), page))
    g_debug ("no help page “%s”", page);
}

static void
currents_application_quit (GSimpleAction *action,
                           GVariant      *parameter,
                           gpointer       user_data)
{
  g_application_quit (G_APPLICATION (user_data));
}

static const GActionEntry app_actions[] = {
  { "about", currents_application_about },
  { "quit", currents_application_quit },
  { "help", currents_application_help },
  { "help-page", currents_application_help_page, "s" },
};

static void
currents_application_startup (GApplication *app)
{
  static const char *quit_accels[] = { "<Control>q", NULL };
  static const char *open_accels[] = { "<Control>o", NULL };
  static const char *close_accels[] = { "<Control>w", NULL };
  static const char *swap_accels[] = { "<Control>backslash", NULL };
  static const char *help_accels[] = { "F1", NULL };

  G_APPLICATION_CLASS (currents_application_parent_class)->startup (app);

  g_action_map_add_action_entries (G_ACTION_MAP (app), app_actions,
                                   G_N_ELEMENTS (app_actions), app);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.quit", quit_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.open", open_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "window.close", close_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "win.swap-axes", swap_accels);
  gtk_application_set_accels_for_action (GTK_APPLICATION (app), "app.help", help_accels);
  _currents_window_workspace_set_accels (GTK_APPLICATION (app));
  currents_preferences_follow_style ();
}

/* Quitting does not close windows one by one: keep their unsaved work here. */
static void
currents_application_shutdown (GApplication *app)
{
  for (GList *l = gtk_application_get_windows (GTK_APPLICATION (app)); l != NULL; l = l->next)
    if (CURRENTS_IS_WINDOW (l->data))
      _currents_window_workspace_close (l->data);

  G_APPLICATION_CLASS (currents_application_parent_class)->shutdown (app);
}

static void
currents_application_class_init (CurrentsApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);

  app_class->activate = currents_application_activate;
  app_class->open = currents_application_open;
  app_class->handle_local_options = currents_application_handle_local_options;
  app_class->startup = currents_application_startup;
  app_class->shutdown = currents_application_shutdown;
}

static void
currents_application_init (CurrentsApplication *self)
{
  static const GOptionEntry entries[] = {
    { "train", 0, 0, G_OPTION_ARG_NONE, NULL,
      N_("Start training a model on the data opened (with the training panel's settings)"), NULL },
    { NULL }
  };

  g_application_add_main_option_entries (G_APPLICATION (self), entries);
}
