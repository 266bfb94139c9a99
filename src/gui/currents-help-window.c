/* currents-help-window.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The user guide inside the application.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-help-window"

#include <glib/gi18n.h>

#include "currents-help-window.h"

struct _CurrentsHelpWindow
{
  AdwWindow parent_instance;
};

G_DEFINE_FINAL_TYPE (CurrentsHelpWindow, currents_help_window, ADW_TYPE_WINDOW)

static void
currents_help_window_class_init (CurrentsHelpWindowClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-help-window.ui");
}

static void
currents_help_window_init (CurrentsHelpWindow *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

CurrentsHelpWindow *
currents_help_window_new (GtkWindow *parent)
{
  return g_object_new (CURRENTS_TYPE_HELP_WINDOW, "transient-for", parent, NULL);
}

gboolean
currents_help_window_show_page (CurrentsHelpWindow *self,
                                const char         *id)
{
  g_return_val_if_fail (CURRENTS_IS_HELP_WINDOW (self), FALSE);
  return FALSE;
}
