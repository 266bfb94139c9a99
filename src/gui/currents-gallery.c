/* currents-gallery.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The classroom gallery: the bundled examples (and the teacher's own `.ode` files in the
 * user's gallery folder) as cards.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-gallery"

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-gallery.h"

struct _CurrentsGallery
{
  GtkWidget parent_instance;
};

G_DEFINE_FINAL_TYPE (CurrentsGallery, currents_gallery, GTK_TYPE_WIDGET)

static void
currents_gallery_dispose (GObject *object)
{
  gtk_widget_dispose_template (GTK_WIDGET (object), CURRENTS_TYPE_GALLERY);
  /* children the template made but did not bind */
  for (GtkWidget *child; (child = gtk_widget_get_first_child (GTK_WIDGET (object))) != NULL;)
    gtk_widget_unparent (child);
  G_OBJECT_CLASS (currents_gallery_parent_class)->dispose (object);
}

static void
currents_gallery_class_init (CurrentsGalleryClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_gallery_dispose;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-gallery.ui");
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "gallery");
}

static void
currents_gallery_init (CurrentsGallery *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
}

GtkWidget *
currents_gallery_new (void)
{
  return g_object_new (CURRENTS_TYPE_GALLERY, NULL);
}
