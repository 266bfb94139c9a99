/* currents-compare-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A learned vector field beside the known one the data came from, and a heat map of their difference with the data's coverage outlined.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-compare-view"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-compare-view.h"

struct _CurrentsCompareView
{
  GtkWidget         parent_instance;

  CurrentsPortrait *portrait;
};

G_DEFINE_FINAL_TYPE (CurrentsCompareView, currents_compare_view, GTK_TYPE_WIDGET)

static void
currents_compare_view_dispose (GObject *object)
{
  CurrentsCompareView *self = CURRENTS_COMPARE_VIEW (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_COMPARE_VIEW);
  /* children the template made but did not bind */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (currents_compare_view_parent_class)->dispose (object);
}

static void
currents_compare_view_class_init (CurrentsCompareViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_compare_view_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-compare-view.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "compareview");
}

static void
currents_compare_view_init (CurrentsCompareView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
currents_compare_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_COMPARE_VIEW, NULL);
}

void
currents_compare_view_set_portrait (CurrentsCompareView *self,
                               CurrentsPortrait *portrait)
{
  g_return_if_fail (CURRENTS_IS_COMPARE_VIEW (self));
  self->portrait = portrait;
}
