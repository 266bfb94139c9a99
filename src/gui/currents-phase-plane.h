/* currents-phase-plane.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-plot-scene.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_PHASE_PLANE (currents_phase_plane_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsPhasePlane, currents_phase_plane, CURRENTS, PHASE_PLANE, GtkWidget)

GtkWidget             *currents_phase_plane_new            (void);

/* (transfer full) (nullable): the plane owns what it is given. */
void                   currents_phase_plane_set_model      (CurrentsPhasePlane *self,
                                                            CurrentsModel      *model);
void                   currents_phase_plane_set_dataset    (CurrentsPhasePlane *self,
                                                            CurrentsDataset    *dataset);
/* (transfer none) (nullable) */
const CurrentsModel   *currents_phase_plane_get_model      (CurrentsPhasePlane *self);
const CurrentsDataset *currents_phase_plane_get_dataset    (CurrentsPhasePlane *self);

/* The variables the axes can show: the model's (else the data's) states, then time.
 * A GListModel of GtkStringObject, for GtkDropDown. */
GListModel            *currents_phase_plane_get_variables  (CurrentsPhasePlane *self);
guint                  currents_phase_plane_get_x_axis     (CurrentsPhasePlane *self);
guint                  currents_phase_plane_get_y_axis     (CurrentsPhasePlane *self);
void                   currents_phase_plane_set_x_axis     (CurrentsPhasePlane *self,
                                                            guint               variable);
void                   currents_phase_plane_set_y_axis     (CurrentsPhasePlane *self,
                                                            guint               variable);
void                   currents_phase_plane_swap_axes      (CurrentsPhasePlane *self);

gboolean               currents_phase_plane_get_scale_arrows (CurrentsPhasePlane *self);
void                   currents_phase_plane_set_scale_arrows (CurrentsPhasePlane *self,
                                                              gboolean            scale_arrows);
gboolean               currents_phase_plane_get_show_legend  (CurrentsPhasePlane *self);
void                   currents_phase_plane_set_show_legend  (CurrentsPhasePlane *self,
                                                              gboolean            show_legend);

/* TRUE while trajectories are being simulated for the current content. */
gboolean               currents_phase_plane_get_busy       (CurrentsPhasePlane *self);
/* What the last frame drew, and how many frames were drawn. */
void                   currents_phase_plane_get_stats      (CurrentsPhasePlane *self,
                                                            CurrentsPlotStats  *stats);
guint                  currents_phase_plane_get_n_frames   (CurrentsPhasePlane *self);

/* Writes what is shown to a PNG, SVG or PDF file (by suffix). */
gboolean               currents_phase_plane_export         (CurrentsPhasePlane *self,
                                                            const char         *path,
                                                            int                 width,
                                                            int                 height,
                                                            GError            **error);

G_END_DECLS
