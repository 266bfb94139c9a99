/* currents-window-discover.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's side of "Read Equations Back…": the win.discover action, enabled while the
 * portrait shows a trained model and a data set, opening one dialog per window.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-window"

#include <glib/gi18n.h>

#include "currents-window-discover-private.h"

#define DIALOG_KEY "currents-window-discover-dialog"

static void
sync_action (CurrentsWindow *self)
{
  CurrentsPortrait *portrait = currents_window_get_portrait (self);
  CurrentsSystem *system = currents_portrait_get_system (portrait);

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "win.discover",
                                 system != NULL && currents_system_get_trained (system) != NULL
                                 && currents_portrait_get_dataset (portrait) != NULL);
}

static void
content_changed_cb (CurrentsPortrait *portrait,
                    CurrentsWindow   *self)
{
  sync_action (self);
}

static void
dialog_destroyed_cb (GtkWidget      *dialog,
                     CurrentsWindow *self)
{
  if (g_object_get_data (G_OBJECT (self), DIALOG_KEY) == dialog)
    g_object_set_data (G_OBJECT (self), DIALOG_KEY, NULL);
}

CurrentsDiscoverDialog *
_currents_window_discover (CurrentsWindow *self)
{
  CurrentsDiscoverDialog *dialog = g_object_get_data (G_OBJECT (self), DIALOG_KEY);

  if (dialog == NULL)
    {
      dialog = currents_discover_dialog_new (self);
      g_object_set_data (G_OBJECT (self), DIALOG_KEY, dialog);
      g_signal_connect_object (dialog, "destroy", G_CALLBACK (dialog_destroyed_cb), self, 0);
    }
  gtk_window_present (GTK_WINDOW (dialog));
  return dialog;
}

static void
discover_action (GtkWidget  *widget,
                 const char *action_name,
                 GVariant   *parameter)
{
  _currents_window_discover (CURRENTS_WINDOW (widget));
}

void
_currents_window_class_init_discover (GtkWidgetClass *widget_class)
{
  g_type_ensure (CURRENTS_TYPE_DISCOVER_DIALOG);
  gtk_widget_class_install_action (widget_class, "win.discover", NULL, discover_action);
}

void
_currents_window_init_discover (CurrentsWindow *self)
{
  g_signal_connect_object (currents_window_get_portrait (self), "content-changed",
                           G_CALLBACK (content_changed_cb), self, 0);
  sync_action (self);
}
