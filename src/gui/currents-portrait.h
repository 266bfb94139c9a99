/* currents-portrait.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-parameter-panel.h"
#include "currents-plot-scene.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_PORTRAIT (currents_portrait_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsPortrait, currents_portrait, CURRENTS, PORTRAIT, GtkWidget)

GtkWidget             *currents_portrait_new            (void);

/* (transfer full) (nullable): the portrait owns what it is given. An equation model, a
 * trained model or a data set; a model and data recorded from it are drawn together. */
void                   currents_portrait_set_system     (CurrentsPortrait *self,
                                                         CurrentsSystem   *system);
void                   currents_portrait_set_model      (CurrentsPortrait *self,
                                                         CurrentsModel    *model);
void                   currents_portrait_set_dataset    (CurrentsPortrait *self,
                                                         CurrentsDataset  *dataset);
/* (transfer none) (nullable) */
CurrentsSystem        *currents_portrait_get_system     (CurrentsPortrait *self);
/* The system's equation model (NULL for a neural one). */
const CurrentsModel   *currents_portrait_get_model      (CurrentsPortrait *self);
const CurrentsDataset *currents_portrait_get_dataset    (CurrentsPortrait *self);

/* The variables the axes can show: the model's (else the data's) states, then time.
 * A GListModel of GtkStringObject, for GtkDropDown. */
GListModel            *currents_portrait_get_variables  (CurrentsPortrait *self);
guint                  currents_portrait_get_x_axis     (CurrentsPortrait *self);
guint                  currents_portrait_get_y_axis     (CurrentsPortrait *self);
void                   currents_portrait_set_x_axis     (CurrentsPortrait *self,
                                                         guint             variable);
void                   currents_portrait_set_y_axis     (CurrentsPortrait *self,
                                                         guint             variable);
void                   currents_portrait_swap_axes      (CurrentsPortrait *self);

/* What is shown (also the portrait.layer-* actions). */
CurrentsPlotLayers     currents_portrait_get_layers     (CurrentsPortrait *self);
void                   currents_portrait_set_layers     (CurrentsPortrait *self,
                                                         CurrentsPlotLayers layers);
gboolean               currents_portrait_get_scale_arrows (CurrentsPortrait *self);
void                   currents_portrait_set_scale_arrows (CurrentsPortrait *self,
                                                           gboolean          scale_arrows);
gboolean               currents_portrait_get_show_legend  (CurrentsPortrait *self);
void                   currents_portrait_set_show_legend  (CurrentsPortrait *self,
                                                           gboolean          show_legend);

/* The view in the axes' units: xlo, xhi, ylo, yhi. */
gboolean               currents_portrait_get_view       (CurrentsPortrait *self,
                                                         double            view[4]);
void                   currents_portrait_set_view       (CurrentsPortrait *self,
                                                         const double      view[4]);
void                   currents_portrait_reset_view     (CurrentsPortrait *self);
/* Zooms by @factor (> 1: in) about the canvas point (@x, @y). */
void                   currents_portrait_zoom           (CurrentsPortrait *self,
                                                         double            factor,
                                                         double            x,
                                                         double            y);
/* Canvas coordinates of a point of the plane (after the first drawing). */
gboolean               currents_portrait_data_to_canvas (CurrentsPortrait *self,
                                                         double            x,
                                                         double            y,
                                                         double           *cx,
                                                         double           *cy);

/* What a click at canvas point (@x, @y) does: opens the equilibrium under it, or
 * launches a trajectory from it (forward, backward or both: portrait.direction). */
void                   currents_portrait_click          (CurrentsPortrait *self,
                                                         double            x,
                                                         double            y);
/* Launched trajectories: how many, and the clear action. */
guint                  currents_portrait_get_n_launched (CurrentsPortrait *self);
void                   currents_portrait_clear_launched (CurrentsPortrait *self);
/* The hover read-out at canvas point (@x, @y): "u = …, v = … · u′ = …, v′ = …". */
const char            *currents_portrait_hover          (CurrentsPortrait *self,
                                                         double            x,
                                                         double            y);
/* (transfer none) (element-type CurrentsEquilibrium): the plane's equilibria shown. */
GPtrArray             *currents_portrait_get_equilibria (CurrentsPortrait *self);
CurrentsParameterPanel *currents_portrait_get_parameter_panel (CurrentsPortrait *self);
/* The popover an equilibrium's click opens (for tests), or NULL. */
GtkWidget             *currents_portrait_get_equilibrium_popover (CurrentsPortrait *self);

/* TRUE while anything is being computed for what is shown. */
gboolean               currents_portrait_get_busy       (CurrentsPortrait *self);
/* What the last frame drew, and how many frames were drawn. */
void                   currents_portrait_get_stats      (CurrentsPortrait *self,
                                                         CurrentsPlotStats *stats);
guint                  currents_portrait_get_n_frames   (CurrentsPortrait *self);
/* How many results of the live layers (field, nullclines, equilibria) were shown. */
guint                  currents_portrait_get_n_updates  (CurrentsPortrait *self);

/* Writes what is shown to a PNG, SVG or PDF file (by suffix) with its provenance;
 * @width × @height in pixels (PNG) or points. */
gboolean               currents_portrait_export         (CurrentsPortrait *self,
                                                         const char       *path,
                                                         int               width,
                                                         int               height,
                                                         GError          **error);
/* Writes the visible curves (trajectories, nullclines, …) and equilibria as CSV. */
gboolean               currents_portrait_export_csv     (CurrentsPortrait *self,
                                                         const char       *path,
                                                         GError          **error);

/* Rings the state @state (n_states values; %NULL clears) in the plane: the equilibrium
 * another view selected. Cleared when the content changes. */
/* A tint over the plane (currents_plot_scene_set_shading()), kept until replaced:
 * @values NULL removes it. */
void                   currents_portrait_set_shading    (CurrentsPortrait *self,
                                                         const double      window[4],
                                                         gsize             nx,
                                                         gsize             ny,
                                                         const double     *values,
                                                         double            full,
                                                         const char       *label);
gboolean               currents_portrait_get_shading    (CurrentsPortrait *self,
                                                         gsize            *nx,
                                                         gsize            *ny,
                                                         const double    **values);
void                   currents_portrait_highlight_state (CurrentsPortrait *self,
                                                          const double     *state);
/* Where the ring is drawn, in canvas coordinates (FALSE when there is none). */
gboolean               currents_portrait_get_highlight   (CurrentsPortrait *self,
                                                          double           *cx,
                                                          double           *cy);

G_END_DECLS
