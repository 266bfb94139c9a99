/* currents-bifurcation-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The bifurcation diagram of the shown model: equilibria (and periodic orbits) against a parameter or input, linked to the portrait's slider; a two-parameter mode for fold and Hopf curves.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-bifurcation-view"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-bifurcation-view.h"

struct _CurrentsBifurcationView
{
  GtkWidget         parent_instance;

  CurrentsPortrait *portrait;
};

G_DEFINE_FINAL_TYPE (CurrentsBifurcationView, currents_bifurcation_view, GTK_TYPE_WIDGET)

static void
currents_bifurcation_view_dispose (GObject *object)
{
  CurrentsBifurcationView *self = CURRENTS_BIFURCATION_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_BIFURCATION_VIEW);
  /* children the template made but did not bind */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (currents_bifurcation_view_parent_class)->dispose (object);
}

static void
currents_bifurcation_view_class_init (CurrentsBifurcationViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_bifurcation_view_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-bifurcation-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "bifurcationview");
}

static void
currents_bifurcation_view_init (CurrentsBifurcationView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
currents_bifurcation_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_BIFURCATION_VIEW, NULL);
}

void
currents_bifurcation_view_set_portrait (CurrentsBifurcationView *self,
                               CurrentsPortrait *portrait)
{
  g_return_if_fail (CURRENTS_IS_BIFURCATION_VIEW (self));
  self->portrait = portrait;
}
