/* currents-plot-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drawing helpers shared by the figures of this library (currents-plot.c implements
 * them): text layouts, crisp lines, arrow heads, and the ticks and titles around a frame.
 */
#pragma once

#include <pango/pangocairo.h>

#include "currents-plot.h"

G_BEGIN_DECLS

/* Major ticks stick this far out of the frame; their labels start a gap further out. */
#define CURRENTS_PLOT_TICK_LENGTH 5.0

/* A layout in the theme's font, italic for titles, its size times @scale. */
PangoLayout *_currents_plot_create_layout (cairo_t                 *cr,
                                           const CurrentsPlotTheme *theme,
                                           gboolean                 italic,
                                           double                   scale);
/* Sets @text on @layout and gives its size in pixels (either pointer may be NULL). */
void         _currents_plot_text_size     (PangoLayout             *layout,
                                           const char              *text,
                                           double                  *width,
                                           double                  *height);
/* Lines of width 1 on pixel centres look crisp. */
double       _currents_plot_crisp         (double                   v);
/* The outline of an arrow head with its tip at (@tip_x, @tip_y) pointing along the unit
 * vector (@ux, @uy); the caller fills it. */
void         _currents_plot_arrow_head    (cairo_t                 *cr,
                                           double                   tip_x,
                                           double                   tip_y,
                                           double                   ux,
                                           double                   uy,
                                           double                   length,
                                           double                   half_width);

/* The frame around the plot area, 1 unit wide on pixel centres, in the frame colour
 * (the line width and colour stay set). */
void         _currents_plot_stroke_frame  (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const CurrentsPlotViewport *vp);
/* A tick of @length below the frame at device x @dx, and when @label is not NULL the
 * label centred under it, CURRENTS_PLOT_TICK_LENGTH + @gap below the frame. */
void         _currents_plot_draw_x_tick   (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const CurrentsPlotViewport *vp,
                                           PangoLayout                *layout,
                                           double                      dx,
                                           double                      length,
                                           const char                 *label,
                                           double                      gap);
/* A tick of @length left of the frame at device y @dy, and its label right-aligned
 * CURRENTS_PLOT_TICK_LENGTH + @gap left of the frame. Returns the label's width (0 for
 * none). */
double       _currents_plot_draw_y_tick   (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const CurrentsPlotViewport *vp,
                                           PangoLayout                *layout,
                                           double                      dy,
                                           double                      length,
                                           const char                 *label,
                                           double                      gap);
/* The axis titles in @title (an italic layout) in the foreground colour: the x title
 * centred under the plot area with its top at @x_title_top, the y title turned a quarter
 * left, centred beside the plot area with its bottom edge (as read) at @y_title_right.
 * Empty or NULL titles are skipped. */
void         _currents_plot_draw_titles   (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const CurrentsPlotViewport *vp,
                                           PangoLayout                *title,
                                           const char                 *x_label,
                                           double                      x_title_top,
                                           const char                 *y_label,
                                           double                      y_title_right);

G_END_DECLS
