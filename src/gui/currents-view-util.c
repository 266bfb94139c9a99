/* currents-view-util.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#include "currents-view-util-private.h"

void
_currents_view_forget (gpointer  self,
                       gpointer *object)
{
  if (*object == NULL)
    return;
  g_signal_handlers_disconnect_by_data (*object, self);
  g_object_remove_weak_pointer (G_OBJECT (*object), object);
  *object = NULL;
}

void
_currents_view_unparent_children (GtkWidget *widget)
{
  for (GtkWidget *child; (child = gtk_widget_get_first_child (widget)) != NULL;)
    gtk_widget_unparent (child);
}
