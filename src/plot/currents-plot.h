/* currents-plot.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Drawing primitives shared by the window and `currents-cli plot`: Cairo and Pango
 * only, no GTK and no engine. Everything draws into a cairo_t in device units
 * (pixels for an image surface, points for SVG/PDF) through a viewport that maps
 * the data window [xlo, xhi] × [ylo, yhi] onto a rectangle of the surface.
 *
 * Point arrays are strided so that a row-major n_samples × n_states block can be
 * drawn without copying: point k is (x[k * x_stride], y[k * y_stride]).
 * A non-finite coordinate is a missing value: lines break there.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  double red;
  double green;
  double blue;
  double alpha;
} CurrentsPlotColor;

#define CURRENTS_PLOT_PALETTE_SIZE 8

/**
 * CurrentsPlotTheme:
 * @dark: whether the colours are for a dark background
 * @font: a Pango font description string for labels, e.g. "Sans 10"
 *
 * Initialise with currents_plot_theme_init(); change what you need.
 */
typedef struct
{
  gboolean          dark;
  CurrentsPlotColor background;      /* around the plot area */
  CurrentsPlotColor plot_background; /* inside it */
  CurrentsPlotColor foreground;      /* labels, ticks */
  CurrentsPlotColor frame;
  CurrentsPlotColor grid;
  CurrentsPlotColor trajectory;      /* model trajectories */
  CurrentsPlotColor highlight;       /* the trajectory from the model's initial state */
  CurrentsPlotColor field[4];        /* speed colour map, slow to fast */
  CurrentsPlotColor palette[CURRENTS_PLOT_PALETTE_SIZE];
  char              font[64];
  CurrentsPlotColor nullcline[2];    /* the x axis's nullcline (x′ = 0), the y axis's */
  CurrentsPlotColor equilibrium;     /* glyph ink */
  CurrentsPlotColor separatrix;
  CurrentsPlotColor launched;        /* trajectories the user started */
  CurrentsPlotColor basin[CURRENTS_PLOT_PALETTE_SIZE]; /* basin tints, per attractor */
  double            basin_alpha;
} CurrentsPlotTheme;

void currents_plot_theme_init          (CurrentsPlotTheme       *theme,
                                        gboolean                 dark);
void currents_plot_theme_palette_color (const CurrentsPlotTheme *theme,
                                        gsize                    index,
                                        CurrentsPlotColor       *color);
/* The speed colour map at s ∈ [0, 1] (clamped). */
void currents_plot_theme_field_color   (const CurrentsPlotTheme *theme,
                                        double                   s,
                                        CurrentsPlotColor       *color);
void currents_plot_set_source_color    (cairo_t                 *cr,
                                        const CurrentsPlotColor *color);

/**
 * CurrentsPlotViewport:
 * The data window and the device rectangle it is drawn in (y grows downwards on
 * the device, upwards in the data).
 */
typedef struct
{
  double xlo, xhi, ylo, yhi;
  double left, top, width, height;
} CurrentsPlotViewport;

void     currents_plot_viewport_to_device (const CurrentsPlotViewport *vp,
                                           double                      x,
                                           double                      y,
                                           double                     *dx,
                                           double                     *dy);
void     currents_plot_viewport_to_data   (const CurrentsPlotViewport *vp,
                                           double                      dx,
                                           double                      dy,
                                           double                     *x,
                                           double                     *y);

/**
 * currents_plot_nice_ticks:
 * Chooses about @target ticks on [lo, hi] at 1, 2, 2.5 or 5 × 10ᵏ: writes the first
 * tick, the step and the number of decimals labels need. Returns the tick count.
 */
guint    currents_plot_nice_ticks         (double                      lo,
                                           double                      hi,
                                           guint                       target,
                                           double                     *first,
                                           double                     *step,
                                           int                        *decimals);
/* A tick label with @decimals decimals and a real minus sign (U+2212). */
char    *currents_plot_format_tick        (double                      value,
                                           int                         decimals);
/* Widens [*lo, *hi] by @fraction of its length on each side (±1 when degenerate). */
void     currents_plot_pad_range          (double                     *lo,
                                           double                     *hi,
                                           double                      fraction);

/**
 * currents_plot_layout:
 * Fills @vp: the data window as given, the plot area inside a @width × @height
 * figure with room for tick labels and axis titles, and @right_extra device units
 * kept free on the right (for a colour bar).
 */
void     currents_plot_layout             (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           double                      width,
                                           double                      height,
                                           double                      xlo,
                                           double                      xhi,
                                           double                      ylo,
                                           double                      yhi,
                                           double                      right_extra,
                                           CurrentsPlotViewport       *vp);

/* As currents_plot_layout(), with @top_extra device units kept free above the plot area
 * (for controls floating over the figure). */
void     currents_plot_layout_full        (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           double                      width,
                                           double                      height,
                                           double                      xlo,
                                           double                      xhi,
                                           double                      ylo,
                                           double                      yhi,
                                           double                      right_extra,
                                           double                      top_extra,
                                           CurrentsPlotViewport       *vp);

void     currents_plot_draw_background    (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           double                      width,
                                           double                      height,
                                           const CurrentsPlotViewport *vp);
/* Grid lines at the ticks, under the content. */
void     currents_plot_draw_grid          (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const CurrentsPlotViewport *vp);
/* Frame, ticks, tick labels and the two axis titles (variable names, in italics). */
void     currents_plot_draw_axes          (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const CurrentsPlotViewport *vp,
                                           const char                 *x_label,
                                           const char                 *y_label);

typedef enum
{
  CURRENTS_PLOT_ARROWS_NORMALIZED, /* all arrows the same length: direction only */
  CURRENTS_PLOT_ARROWS_SCALED,     /* length grows with speed */
  CURRENTS_PLOT_ARROWS_STREAMLINES,/* evenly spaced streamlines instead of arrows */
} CurrentsPlotArrowStyle;

/**
 * currents_plot_draw_field_grid:
 * @window: xlo, xhi, ylo, yhi of the grid, which need not be the viewport's: a grid
 *   sampled for an earlier view stays attached to the plane while the view moves
 * @nx, @ny, @fx, @fy: as for currents_plot_draw_field(), over @window
 *
 * Returns: the number of arrows drawn (streamlines: the number of streamlines)
 */
guint    currents_plot_draw_field_grid    (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const CurrentsPlotViewport *vp,
                                           const double                window[4],
                                           gsize                       nx,
                                           gsize                       ny,
                                           const double               *fx,
                                           const double               *fy,
                                           CurrentsPlotArrowStyle      style,
                                           double                      max_speed);

/**
 * CurrentsPlotGlyph:
 * Textbook marks for equilibria: a filled disc for a stable one, an open disc for an
 * unstable one, a half-filled disc for a saddle, a ring with a dot where linearisation
 * does not decide (a centre, a zero eigenvalue).
 */
typedef enum
{
  CURRENTS_PLOT_GLYPH_STABLE,
  CURRENTS_PLOT_GLYPH_UNSTABLE,
  CURRENTS_PLOT_GLYPH_SADDLE,
  CURRENTS_PLOT_GLYPH_NEUTRAL,
} CurrentsPlotGlyph;

/* One glyph centred at device point (@x, @y), inked in @ink, filled parts of the open
 * glyphs in @paper. */
void     currents_plot_draw_glyph         (cairo_t                    *cr,
                                           double                      x,
                                           double                      y,
                                           double                      radius,
                                           CurrentsPlotGlyph           glyph,
                                           const CurrentsPlotColor    *ink,
                                           const CurrentsPlotColor    *paper);

/**
 * currents_plot_draw_basins:
 * @labels: ny × nx, row-major, row j at y = ylo + (j + ½)·H/ny: an attractor index
 *   (its tint from the theme), or negative for none
 * @alpha: opacity of the tints (multiplied with the theme's basin_alpha)
 *
 * Returns: the number of cells coloured
 */
guint    currents_plot_draw_basins        (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const CurrentsPlotViewport *vp,
                                           const double                window[4],
                                           gsize                       nx,
                                           gsize                       ny,
                                           const int                  *labels,
                                           double                      alpha);

/**
 * currents_plot_draw_field:
 * @nx, @ny: grid size; arrow (i, j) sits at the centre of cell (i, j) of the window
 * @fx, @fy: nx × ny velocity components in data units per time, row-major
 *   (fx[j * nx + i], j counting upwards from ylo)
 * @max_speed: the speed drawn in the fastest colour; ≤ 0 for the largest on the grid
 *
 * Arrows are coloured by speed √(fx² + fy²) on the theme's colour map (square-root
 * scale, so slow regions near equilibria stay distinguishable). Non-finite vectors
 * are skipped.
 *
 * Returns: the number of arrows drawn
 */
guint    currents_plot_draw_field         (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const CurrentsPlotViewport *vp,
                                           gsize                       nx,
                                           gsize                       ny,
                                           const double               *fx,
                                           const double               *fy,
                                           CurrentsPlotArrowStyle      style,
                                           double                      max_speed);

/**
 * currents_plot_draw_polyline:
 * @arrow_at: where along the curve (fraction of its drawn length) to put an
 *   arrowhead showing its direction; negative for none
 *
 * Draws the finite stretches of the curve, clipped to the plot area.
 *
 * Returns: the number of line segments drawn
 */
guint    currents_plot_draw_polyline      (cairo_t                    *cr,
                                           const CurrentsPlotViewport *vp,
                                           const double               *x,
                                           gsize                       x_stride,
                                           const double               *y,
                                           gsize                       y_stride,
                                           gsize                       n,
                                           const CurrentsPlotColor    *color,
                                           double                      line_width,
                                           double                      arrow_at);

/* Filled circles of @radius with a thin outline in @outline (nullable); returns the count. */
guint    currents_plot_draw_markers       (cairo_t                    *cr,
                                           const CurrentsPlotViewport *vp,
                                           const double               *x,
                                           gsize                       x_stride,
                                           const double               *y,
                                           gsize                       y_stride,
                                           gsize                       n,
                                           const CurrentsPlotColor    *color,
                                           const CurrentsPlotColor    *outline,
                                           double                      radius);

typedef enum
{
  CURRENTS_PLOT_LEGEND_LINE,
  CURRENTS_PLOT_LEGEND_LINE_MARKER,
  CURRENTS_PLOT_LEGEND_MARKER,
  CURRENTS_PLOT_LEGEND_TEXT,        /* no symbol, e.g. "… 12 more" */
  CURRENTS_PLOT_LEGEND_GLYPH,       /* an equilibrium glyph (@glyph) */
  CURRENTS_PLOT_LEGEND_DASHED,      /* a dashed line */
  CURRENTS_PLOT_LEGEND_PATCH,       /* a filled square (a basin's tint) */
} CurrentsPlotLegendSymbol;

typedef struct
{
  const char               *label;
  CurrentsPlotColor         color;
  CurrentsPlotLegendSymbol  symbol;
  double                    line_width;
  CurrentsPlotGlyph         glyph;
  CurrentsPlotColor         paper;  /* the open glyphs' inside */
} CurrentsPlotLegendEntry;

typedef enum
{
  CURRENTS_PLOT_CORNER_TOP_RIGHT,
  CURRENTS_PLOT_CORNER_TOP_LEFT,
  CURRENTS_PLOT_CORNER_BOTTOM_RIGHT,
  CURRENTS_PLOT_CORNER_BOTTOM_LEFT,
} CurrentsPlotCorner;

/* Size of the legend box in device units. */
void     currents_plot_measure_legend     (cairo_t                       *cr,
                                           const CurrentsPlotTheme       *theme,
                                           const CurrentsPlotLegendEntry *entries,
                                           gsize                          n_entries,
                                           double                        *width,
                                           double                        *height);
void     currents_plot_draw_legend        (cairo_t                       *cr,
                                           const CurrentsPlotTheme       *theme,
                                           const CurrentsPlotViewport    *vp,
                                           const CurrentsPlotLegendEntry *entries,
                                           gsize                          n_entries,
                                           CurrentsPlotCorner             corner);
/* The same in @columns columns (filled top to bottom, then left to right). */
void     currents_plot_measure_legend_columns (cairo_t                   *cr,
                                           const CurrentsPlotTheme       *theme,
                                           const CurrentsPlotLegendEntry *entries,
                                           gsize                          n_entries,
                                           guint                          columns,
                                           double                        *width,
                                           double                        *height);
void     currents_plot_draw_legend_columns (cairo_t                      *cr,
                                           const CurrentsPlotTheme       *theme,
                                           const CurrentsPlotViewport    *vp,
                                           const CurrentsPlotLegendEntry *entries,
                                           gsize                          n_entries,
                                           guint                          columns,
                                           CurrentsPlotCorner             corner);

/* Width the colour bar needs to the right of the plot area. */
double   currents_plot_colorbar_width     (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const char                 *label,
                                           double                      max_value);
/* A vertical bar of the speed colour map from 0 to @max_value beside the plot area. */
void     currents_plot_draw_colorbar      (cairo_t                    *cr,
                                           const CurrentsPlotTheme    *theme,
                                           const CurrentsPlotViewport *vp,
                                           const char                 *label,
                                           double                      max_value);

G_END_DECLS
