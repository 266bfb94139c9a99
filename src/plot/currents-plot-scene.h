/* currents-plot-scene.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A phase-plane figure: a data window, axis titles, a direction field sampled from
 * a callback on a grid fitted to the drawing size, model trajectories, data
 * trajectories and a legend. The window and `currents-cli plot` fill one and draw
 * it at any size; the scene owns copies of everything it was given.
 */
#pragma once

#include "currents-plot.h"

G_BEGIN_DECLS

typedef struct _CurrentsPlotScene CurrentsPlotScene;

/**
 * CurrentsPlotFieldFunc:
 * Writes the velocity (dx/dt, dy/dt) of the plane's two variables at (x, y).
 * Returns %FALSE where the field is undefined.
 */
typedef gboolean (*CurrentsPlotFieldFunc) (double    x,
                                           double    y,
                                           double   *fx,
                                           double   *fy,
                                           gpointer  user_data);

typedef enum
{
  CURRENTS_PLOT_CURVE_TRAJECTORY, /* a model trajectory: a thin line with a direction arrow */
  CURRENTS_PLOT_CURVE_INITIAL,    /* from the model's initial state: emphasised, start marked */
  CURRENTS_PLOT_CURVE_DATA,       /* data samples: markers joined by lines, palette colour */
} CurrentsPlotCurveKind;

/**
 * CurrentsPlotStats:
 * What the last currents_plot_scene_draw() drew.
 */
typedef struct
{
  guint  n_arrows;
  guint  n_trajectories;   /* model curves (trajectory and initial) with a visible segment */
  guint  n_data_curves;    /* data curves with a visible sample */
  guint  n_markers;
  double max_speed;
} CurrentsPlotStats;

CurrentsPlotScene *currents_plot_scene_new              (void);
void               currents_plot_scene_free             (CurrentsPlotScene      *scene);

void               currents_plot_scene_set_window       (CurrentsPlotScene      *scene,
                                                         double                  xlo,
                                                         double                  xhi,
                                                         double                  ylo,
                                                         double                  yhi);
gboolean           currents_plot_scene_get_window       (const CurrentsPlotScene *scene,
                                                         double                 *xlo,
                                                         double                 *xhi,
                                                         double                 *ylo,
                                                         double                 *yhi);
void               currents_plot_scene_set_labels       (CurrentsPlotScene      *scene,
                                                         const char             *x_label,
                                                         const char             *y_label);

/* @func: (nullable): no field when %NULL. @speed_label names the colour bar. */
void               currents_plot_scene_set_field        (CurrentsPlotScene      *scene,
                                                         CurrentsPlotFieldFunc   func,
                                                         gpointer                user_data,
                                                         GDestroyNotify          destroy,
                                                         const char             *speed_label);
gboolean           currents_plot_scene_has_field        (const CurrentsPlotScene *scene);
void               currents_plot_scene_set_arrow_style  (CurrentsPlotScene      *scene,
                                                         CurrentsPlotArrowStyle  style);
/* Distance between arrows in device units (default 30). */
void               currents_plot_scene_set_arrow_spacing (CurrentsPlotScene     *scene,
                                                          double                 spacing);
void               currents_plot_scene_set_show_legend  (CurrentsPlotScene      *scene,
                                                         gboolean                show);

/**
 * currents_plot_scene_add_curve:
 * @label: (nullable): the curve's legend entry; unlabelled curves have none
 * @color_index: palette index (data curves only)
 *
 * Copies the @n points (x[k * x_stride], y[k * y_stride]).
 */
void               currents_plot_scene_add_curve        (CurrentsPlotScene      *scene,
                                                         CurrentsPlotCurveKind   kind,
                                                         const char             *label,
                                                         const double           *x,
                                                         gsize                   x_stride,
                                                         const double           *y,
                                                         gsize                   y_stride,
                                                         gsize                   n,
                                                         gsize                   color_index);
/* A legend line without a symbol, e.g. "and 12 more", after the curves' entries. */
void               currents_plot_scene_add_legend_note  (CurrentsPlotScene      *scene,
                                                         const char             *text);
void               currents_plot_scene_clear_curves     (CurrentsPlotScene      *scene,
                                                         CurrentsPlotCurveKind   kind);
gsize              currents_plot_scene_get_n_curves     (const CurrentsPlotScene *scene,
                                                         CurrentsPlotCurveKind   kind);
/* Union of the finite points of the curves of @kind; %FALSE when there are none. */
gboolean           currents_plot_scene_get_extent       (const CurrentsPlotScene *scene,
                                                         CurrentsPlotCurveKind   kind,
                                                         double                 *xlo,
                                                         double                 *xhi,
                                                         double                 *ylo,
                                                         double                 *yhi);

/**
 * currents_plot_scene_draw:
 * @stats: (out) (optional): what was drawn
 *
 * Draws the figure into the rectangle (0, 0, @width, @height) of @cr. Without a
 * window only the background is drawn.
 */
void               currents_plot_scene_draw             (CurrentsPlotScene      *scene,
                                                         cairo_t                *cr,
                                                         const CurrentsPlotTheme *theme,
                                                         double                  width,
                                                         double                  height,
                                                         CurrentsPlotStats      *stats);

/**
 * currents_plot_scene_export:
 * Writes the figure to @path as PNG, SVG or PDF, chosen by the file's suffix;
 * @width and @height are pixels for PNG and points for SVG and PDF.
 */
gboolean           currents_plot_scene_export           (CurrentsPlotScene      *scene,
                                                         const CurrentsPlotTheme *theme,
                                                         const char             *path,
                                                         double                  width,
                                                         double                  height,
                                                         GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsPlotScene, currents_plot_scene_free)

G_END_DECLS
