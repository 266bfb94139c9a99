/* currents-gallery.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The classroom gallery: the bundled examples (and the teacher's own `.ode` files in the
 * user's gallery folder) as cards. Activating a card emits ::open with the example.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CURRENTS_TYPE_GALLERY (currents_gallery_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsGallery, currents_gallery, CURRENTS, GALLERY, GtkWidget)

GtkWidget *currents_gallery_new (void);

G_END_DECLS
