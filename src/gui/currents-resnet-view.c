/* currents-resnet-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Why a residual network is an ODE: Euler steps of size h drawn over the continuous flow of the same field, h on a slider, the error shrinking as h goes to 0.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-resnet-view"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-resnet-view.h"

struct _CurrentsResnetView
{
  GtkWidget         parent_instance;

  CurrentsPortrait *portrait;
};

G_DEFINE_FINAL_TYPE (CurrentsResnetView, currents_resnet_view, GTK_TYPE_WIDGET)

static void
currents_resnet_view_dispose (GObject *object)
{
  CurrentsResnetView *self = CURRENTS_RESNET_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_RESNET_VIEW);
  /* children the template made but did not bind */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (currents_resnet_view_parent_class)->dispose (object);
}

static void
currents_resnet_view_class_init (CurrentsResnetViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_resnet_view_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-resnet-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "resnetview");
}

static void
currents_resnet_view_init (CurrentsResnetView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
currents_resnet_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_RESNET_VIEW, NULL);
}

void
currents_resnet_view_set_portrait (CurrentsResnetView *self,
                               CurrentsPortrait *portrait)
{
  g_return_if_fail (CURRENTS_IS_RESNET_VIEW (self));
  self->portrait = portrait;
}
