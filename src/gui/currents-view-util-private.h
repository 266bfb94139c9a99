/* currents-view-util-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What every view that follows the portrait does alike.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Stops following *@object (the portrait or its parameter panel, held through a weak
 * pointer at @object): disconnects @self's handlers, drops the weak pointer, clears it.
 * Nothing when it is gone already. */
void _currents_view_forget            (gpointer   self,
                                       gpointer  *object);
/* Unparents the children a template made but did not bind (in GTK 4.8
 * gtk_widget_dispose_template() leaves them). */
void _currents_view_unparent_children (GtkWidget *widget);

G_END_DECLS
