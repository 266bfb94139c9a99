/* currents-stability-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The equilibria of the shown model at the sliders' values, with the linearisation of the selected one: its own phase portrait and its place on the trace-determinant plane.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-stability-view"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-stability-view.h"

struct _CurrentsStabilityView
{
  GtkWidget         parent_instance;

  CurrentsPortrait *portrait;
};

G_DEFINE_FINAL_TYPE (CurrentsStabilityView, currents_stability_view, GTK_TYPE_WIDGET)

static void
currents_stability_view_dispose (GObject *object)
{
  CurrentsStabilityView *self = CURRENTS_STABILITY_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_STABILITY_VIEW);
  /* children the template made but did not bind */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (currents_stability_view_parent_class)->dispose (object);
}

static void
currents_stability_view_class_init (CurrentsStabilityViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_stability_view_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-stability-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "stabilityview");
}

static void
currents_stability_view_init (CurrentsStabilityView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
currents_stability_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_STABILITY_VIEW, NULL);
}

void
currents_stability_view_set_portrait (CurrentsStabilityView *self,
                               CurrentsPortrait *portrait)
{
  g_return_if_fail (CURRENTS_IS_STABILITY_VIEW (self));
  self->portrait = portrait;
}
