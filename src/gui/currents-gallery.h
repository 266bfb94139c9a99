/* currents-gallery.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The classroom gallery: the bundled examples (and the teacher's own `.ode` files in the
 * user's gallery folder) as cards. Activating a card shows its detail page; its Open
 * button emits ::open-example with the card's CurrentsGalleryExample.
 *
 * A card is described by a GKeyFile `NAME.gallery` (group [Gallery]) beside its model:
 *   Title, Summary, Description   texts (bundled cards: translated through gettext,
 *                                  teachers' cards: Title[de]=… locale keys)
 *   Try                           what to try, a list (;)
 *   Model, Data                   file names beside the .gallery (Data optional)
 *   Page                          portrait (default), timeseries, diagram, stability,
 *                                  knockouts, compare or resnet
 *   X, Y                          the axes' state names
 *   View                          xlo;xhi;ylo;yhi
 *   Set                           NAME=VALUE;… slider values (inputs, parameters)
 *   Layers                        portrait layers shown (field;nullclines;…)
 *   Order                         position among the cards (smaller first)
 * A teacher's card is NAME.ode in currents_gallery_get_user_folder(), with an optional
 * NAME.gallery (its Model key is not needed) and its data NAME.csv (or Data=) beside it;
 * without a Title the card's title is the file's first comment line.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/**
 * CurrentsGalleryExample:
 * What opening a card shows; every string owned by the gallery.
 * @model_source: the `.ode` text; @data: (nullable): the CSV bytes
 * @x_axis, @y_axis, @layers, @set: (nullable)
 */
typedef struct
{
  const char  *id;
  const char  *title;
  const char  *model_name;
  const char  *model_source;
  GFile       *model_file;     /* (nullable): a teacher's file, NULL for bundled ones */
  const char  *data_name;      /* (nullable) */
  GBytes      *data;           /* (nullable) */
  GFile       *data_file;      /* (nullable) */
  const char  *page;
  const char  *x_axis;
  const char  *y_axis;
  gboolean     has_view;
  double       view[4];
  const char *const *set;      /* "NAME=VALUE" */
  const char  *layers;         /* a comma list, or NULL */
  const char  *trained_name;   /* (nullable): a trained model of the model, shown instead */
  GBytes      *trained;        /* (nullable): its JSON */
  const char  *reference;      /* (nullable): a reference law for the Learned terms page */
  /* a population of cells (bundled cards' Population= and Snapshots= keys) */
  const char  *population_name;   /* (nullable) */
  GBytes      *population;        /* (nullable): a population model's JSON */
  const char  *snapshots_name;    /* (nullable) */
  GBytes      *snapshots;         /* (nullable): snapshot data (CSV) */
} CurrentsGalleryExample;

#define CURRENTS_TYPE_GALLERY (currents_gallery_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsGallery, currents_gallery, CURRENTS, GALLERY, GtkWidget)

GtkWidget  *currents_gallery_new              (void);

/* The cards, bundled ones first, in their order. */
guint       currents_gallery_get_n_cards      (CurrentsGallery *self);
/* (nullable): the id of card @index ("toggle", or "user:NAME" for a teacher's file). */
const char *currents_gallery_get_card_id      (CurrentsGallery *self,
                                               guint            index);
/* (nullable): NULL for an unknown id. */
const char *currents_gallery_get_card_title   (CurrentsGallery *self,
                                               const char      *id);
/* (nullable): why a card cannot open (a broken teacher's file), shown on it. */
const char *currents_gallery_get_card_error   (CurrentsGallery *self,
                                               const char      *id);
/* (nullable) (transfer none): what the card opens, or NULL (unknown id or error). */
const CurrentsGalleryExample *
            currents_gallery_get_example      (CurrentsGallery *self,
                                               const char      *id);
/* Whether the card's thumbnail has been drawn. */
gboolean    currents_gallery_has_thumbnail    (CurrentsGallery *self,
                                               const char      *id);

/* Shows the card's detail page (as clicking it does); FALSE for an unknown id. */
gboolean    currents_gallery_activate_card    (CurrentsGallery *self,
                                               const char      *id);
/* The card whose detail page is shown, or NULL while the cards are. */
const char *currents_gallery_get_detail_card  (CurrentsGallery *self);
/* Back to the cards. */
void        currents_gallery_show_cards       (CurrentsGallery *self);
/* Emits ::open-example for the card (as its Open button does); FALSE for an unknown id or
 * a card with an error. */
gboolean    currents_gallery_open_card        (CurrentsGallery *self,
                                               const char      *id);
/* Reads the bundled cards and the teacher's folder again (also done on changes there). */
void        currents_gallery_refresh          (CurrentsGallery *self);

/* (type filename): g_get_user_data_dir()/currents/gallery, where teachers add cards. */
char       *currents_gallery_get_user_folder  (void);

G_END_DECLS
