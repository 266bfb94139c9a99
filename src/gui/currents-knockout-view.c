/* currents-knockout-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Every state's knockout ranked by the steady-state shift it causes, as a bar chart and a table, and the knocked-out system beside the original.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-knockout-view"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-knockout-view.h"

struct _CurrentsKnockoutView
{
  GtkWidget         parent_instance;

  CurrentsPortrait *portrait;
};

G_DEFINE_FINAL_TYPE (CurrentsKnockoutView, currents_knockout_view, GTK_TYPE_WIDGET)

static void
currents_knockout_view_dispose (GObject *object)
{
  CurrentsKnockoutView *self = CURRENTS_KNOCKOUT_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_KNOCKOUT_VIEW);
  /* children the template made but did not bind */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (currents_knockout_view_parent_class)->dispose (object);
}

static void
currents_knockout_view_class_init (CurrentsKnockoutViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_knockout_view_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-knockout-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "knockoutview");
}

static void
currents_knockout_view_init (CurrentsKnockoutView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
currents_knockout_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_KNOCKOUT_VIEW, NULL);
}

void
currents_knockout_view_set_portrait (CurrentsKnockoutView *self,
                               CurrentsPortrait *portrait)
{
  g_return_if_fail (CURRENTS_IS_KNOCKOUT_VIEW (self));
  self->portrait = portrait;
}
