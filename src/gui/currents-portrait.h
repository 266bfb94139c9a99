/* currents-portrait.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-plot-scene.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_PORTRAIT (currents_portrait_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsPortrait, currents_portrait, CURRENTS, PORTRAIT, GtkWidget)

GtkWidget             *currents_portrait_new            (void);

/* (transfer full) (nullable): the plane owns what it is given. */
void                   currents_portrait_set_model      (CurrentsPortrait *self,
                                                            CurrentsModel      *model);
void                   currents_portrait_set_dataset    (CurrentsPortrait *self,
                                                            CurrentsDataset    *dataset);
/* (transfer none) (nullable) */
const CurrentsModel   *currents_portrait_get_model      (CurrentsPortrait *self);
const CurrentsDataset *currents_portrait_get_dataset    (CurrentsPortrait *self);

/* The variables the axes can show: the model's (else the data's) states, then time.
 * A GListModel of GtkStringObject, for GtkDropDown. */
GListModel            *currents_portrait_get_variables  (CurrentsPortrait *self);
guint                  currents_portrait_get_x_axis     (CurrentsPortrait *self);
guint                  currents_portrait_get_y_axis     (CurrentsPortrait *self);
void                   currents_portrait_set_x_axis     (CurrentsPortrait *self,
                                                            guint               variable);
void                   currents_portrait_set_y_axis     (CurrentsPortrait *self,
                                                            guint               variable);
void                   currents_portrait_swap_axes      (CurrentsPortrait *self);

gboolean               currents_portrait_get_scale_arrows (CurrentsPortrait *self);
void                   currents_portrait_set_scale_arrows (CurrentsPortrait *self,
                                                              gboolean            scale_arrows);
gboolean               currents_portrait_get_show_legend  (CurrentsPortrait *self);
void                   currents_portrait_set_show_legend  (CurrentsPortrait *self,
                                                              gboolean            show_legend);

/* TRUE while trajectories are being simulated for the current content. */
gboolean               currents_portrait_get_busy       (CurrentsPortrait *self);
/* What the last frame drew, and how many frames were drawn. */
void                   currents_portrait_get_stats      (CurrentsPortrait *self,
                                                            CurrentsPlotStats  *stats);
guint                  currents_portrait_get_n_frames   (CurrentsPortrait *self);

/* Writes what is shown to a PNG, SVG or PDF file (by suffix). */
gboolean               currents_portrait_export         (CurrentsPortrait *self,
                                                            const char         *path,
                                                            int                 width,
                                                            int                 height,
                                                            GError            **error);

G_END_DECLS
