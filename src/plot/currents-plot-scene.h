/* currents-plot-scene.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A phase portrait as a figure: a data window, axis titles, and layers that can each be
 * shown or hidden — a basin colouring, a direction field (arrows or streamlines, from a
 * callback sampled on a grid fitted to the drawing size, or from a grid computed
 * elsewhere), nullclines, separatrices, sample trajectories, trajectories the user
 * launched, the data's trajectories and equilibria drawn as textbook glyphs — with a
 * legend and a speed colour bar. The window and `currents-cli plot` fill one and draw it
 * at any size into any Cairo surface; the scene owns copies of everything it was given.
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

/**
 * CurrentsPlotLayers:
 * What a scene shows; drawn bottom to top in this order (equilibria last).
 */
typedef enum
{
  CURRENTS_PLOT_LAYER_BASINS       = 1 << 0,
  CURRENTS_PLOT_LAYER_FIELD        = 1 << 1,
  CURRENTS_PLOT_LAYER_NULLCLINES   = 1 << 2,
  CURRENTS_PLOT_LAYER_SEPARATRICES = 1 << 3,
  CURRENTS_PLOT_LAYER_TRAJECTORIES = 1 << 4,   /* sample trajectories, the initial state's */
  CURRENTS_PLOT_LAYER_LAUNCHED     = 1 << 5,   /* trajectories the user started */
  CURRENTS_PLOT_LAYER_DATA         = 1 << 6,
  CURRENTS_PLOT_LAYER_EQUILIBRIA   = 1 << 7,
} CurrentsPlotLayers;

#define CURRENTS_PLOT_N_LAYERS   8
#define CURRENTS_PLOT_LAYERS_ALL ((CurrentsPlotLayers) 0xff)

/* "basins", "field", "nullclines", "separatrices", "trajectories", "launched", "data",
 * "equilibria" */
const char        *currents_plot_layer_to_string       (CurrentsPlotLayers      layer);
/* 0 for an unknown name. */
CurrentsPlotLayers currents_plot_layer_from_string     (const char             *name);
/* A comma list of names; FALSE with an error naming the unknown one. */
gboolean           currents_plot_layers_parse          (const char             *text,
                                                        CurrentsPlotLayers     *layers,
                                                        GError                **error);

typedef enum
{
  CURRENTS_PLOT_CURVE_TRAJECTORY,  /* a model trajectory: a thin line with a direction arrow */
  CURRENTS_PLOT_CURVE_INITIAL,     /* from the model's initial state: emphasised, start marked */
  CURRENTS_PLOT_CURVE_DATA,        /* data samples: markers joined by lines, palette colour */
  CURRENTS_PLOT_CURVE_NULLCLINE_X, /* ẋ = 0 of the horizontal axis's variable */
  CURRENTS_PLOT_CURVE_NULLCLINE_Y, /* ẏ = 0 */
  CURRENTS_PLOT_CURVE_STABLE_MANIFOLD,   /* a separatrix: a saddle's stable manifold */
  CURRENTS_PLOT_CURVE_UNSTABLE_MANIFOLD, /* its unstable manifold (dashed) */
  CURRENTS_PLOT_CURVE_LAUNCHED,    /* started by the user: bold, start marked, arrows */
  CURRENTS_PLOT_CURVE_CYCLE,       /* a limit cycle (with the basins) */
} CurrentsPlotCurveKind;

#define CURRENTS_PLOT_N_CURVE_KINDS 9

/* The layer a kind of curve belongs to. */
CurrentsPlotLayers currents_plot_curve_kind_layer     (CurrentsPlotCurveKind   kind);
/* "trajectory", "initial", "data", "nullcline-x", "nullcline-y", "stable-manifold",
 * "unstable-manifold", "launched", "cycle" */
const char        *currents_plot_curve_kind_to_string (CurrentsPlotCurveKind   kind);

/**
 * CurrentsPlotStats:
 * What the last currents_plot_scene_draw() drew.
 */
typedef struct
{
  guint  n_arrows;         /* arrows, or streamlines */
  guint  n_trajectories;   /* model curves (trajectory and initial) with a visible segment */
  guint  n_data_curves;    /* data curves with a visible sample */
  guint  n_markers;
  double max_speed;
  guint  n_nullclines;     /* nullcline polylines with a visible segment */
  guint  n_equilibria;     /* glyphs inside the plot area */
  guint  n_separatrices;   /* separatrix branches with a visible segment */
  guint  n_launched;       /* launched trajectories with a visible segment */
  guint  n_basin_cells;    /* basin cells coloured */
  guint  n_uncovered_cells; /* cells veiled as outside the data (see set_coverage) */
  guint  n_shaded_cells;    /* cells tinted by set_shading (value > 0) */
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

void               currents_plot_scene_set_layers       (CurrentsPlotScene      *scene,
                                                         CurrentsPlotLayers      layers);
CurrentsPlotLayers currents_plot_scene_get_layers       (const CurrentsPlotScene *scene);
/* Opacity of one layer in [0, 1] (fading a layer in); 1 by default. */
void               currents_plot_scene_set_layer_opacity (CurrentsPlotScene     *scene,
                                                          CurrentsPlotLayers     layer,
                                                          double                 opacity);

/* @func: (nullable): no sampled field when %NULL. @speed_label names the colour bar. */
void               currents_plot_scene_set_field        (CurrentsPlotScene      *scene,
                                                         CurrentsPlotFieldFunc   func,
                                                         gpointer                user_data,
                                                         GDestroyNotify          destroy,
                                                         const char             *speed_label);
gboolean           currents_plot_scene_has_field        (const CurrentsPlotScene *scene);
/**
 * currents_plot_scene_set_field_grid:
 * @window: where the grid was sampled (cell centres as in currents_plot_draw_field())
 * @fx, @fy: (nullable): nx × ny velocities (copied); %NULL removes the grid
 *
 * A field computed elsewhere (a worker thread). It takes precedence over the callback,
 * and is drawn where it was sampled even after the window moved.
 */
void               currents_plot_scene_set_field_grid   (CurrentsPlotScene      *scene,
                                                         const double            window[4],
                                                         gsize                   nx,
                                                         gsize                   ny,
                                                         const double           *fx,
                                                         const double           *fy,
                                                         const char             *speed_label);
/* The grid size the scene would sample for a plot area of @width × @height. */
void               currents_plot_scene_get_field_grid_size (const CurrentsPlotScene *scene,
                                                            double               width,
                                                            double               height,
                                                            gsize               *nx,
                                                            gsize               *ny);
void               currents_plot_scene_set_arrow_style  (CurrentsPlotScene      *scene,
                                                         CurrentsPlotArrowStyle  style);
/* Distance between arrows in device units (default 30). */
void               currents_plot_scene_set_arrow_spacing (CurrentsPlotScene     *scene,
                                                          double                 spacing);
void               currents_plot_scene_set_show_legend  (CurrentsPlotScene      *scene,
                                                         gboolean                show);
/* Space (device units) kept free above the plot area for controls floating over the
 * figure (0 by default). */
void               currents_plot_scene_set_top_margin   (CurrentsPlotScene      *scene,
                                                         double                  height);
double             currents_plot_scene_get_top_margin   (const CurrentsPlotScene *scene);

/**
 * currents_plot_scene_add_curve:
 * @label: (nullable): the curve's legend entry; unlabelled curves (or "") have none
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
/* Marks the start of the last curve added (a launched trajectory's click point). */
void               currents_plot_scene_mark_start       (CurrentsPlotScene      *scene,
                                                         double                  x,
                                                         double                  y);
/* Dims the last curve added (data recorded at another input level than the one shown). */
void               currents_plot_scene_dim_last         (CurrentsPlotScene      *scene);
/* A legend line without a symbol, e.g. "and 12 more", after the curves' entries. */
/**
 * currents_plot_scene_set_coverage:
 * @label: (nullable): the legend's words for the veil ("outside the data"), or NULL for
 *   none
 *
 * Extrapolation honesty for a learned model: the plot area is cut into
 * CURRENTS_PLOT_COVERAGE_NX × _NY cells of the window; a cell is covered when a data
 * sample (of the data curves) lies in it or in one of its 8 neighbours. The others are
 * veiled in grey, the boundary dashed, and the legend names the veil.
 */
/**
 * currents_plot_scene_set_shading:
 * @values: (nullable): nx × ny values ≥ 0 over @window, row-major from the bottom row
 *   (NaN: none); NULL removes the shading
 * @full: the value drawn at full strength (larger ones too)
 * @label: the legend's words ("members disagree")
 *
 * A translucent warm tint whose strength follows the values: where an ensemble's members
 * disagree about the field. Drawn under the arrows and curves.
 */
void               currents_plot_scene_set_shading      (CurrentsPlotScene      *scene,
                                                         const double            window[4],
                                                         gsize                   nx,
                                                         gsize                   ny,
                                                         const double           *values,
                                                         double                  full,
                                                         const char             *label);

#define CURRENTS_PLOT_COVERAGE_NX 48
#define CURRENTS_PLOT_COVERAGE_NY 36
void               currents_plot_scene_set_coverage     (CurrentsPlotScene      *scene,
                                                         const char             *label);
/* Whether (x, y) lies in a covered cell of the window last drawn or set; TRUE when there
 * is no coverage (no label, or no data). */
gboolean           currents_plot_scene_is_covered       (const CurrentsPlotScene *scene,
                                                         double                  x,
                                                         double                  y);
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

/* An equilibrium at (x, y); @label names its type in the legend (first one per glyph). */
void               currents_plot_scene_add_equilibrium  (CurrentsPlotScene      *scene,
                                                         double                  x,
                                                         double                  y,
                                                         CurrentsPlotGlyph       glyph,
                                                         const char             *label);
void               currents_plot_scene_clear_equilibria (CurrentsPlotScene      *scene);
gsize              currents_plot_scene_get_n_equilibria (const CurrentsPlotScene *scene);
/* The equilibrium nearest the device point (of the last drawing) within @radius, or -1. */
int                currents_plot_scene_find_equilibrium (const CurrentsPlotScene *scene,
                                                         double                  device_x,
                                                         double                  device_y,
                                                         double                  radius);

/**
 * currents_plot_scene_set_basins:
 * @labels: (nullable): ny × nx attractor indices (negative: none), copied; %NULL removes
 * @labels_text: (nullable): legend entries, one per attractor (%NULL-terminated)
 */
void               currents_plot_scene_set_basins       (CurrentsPlotScene      *scene,
                                                         const double            window[4],
                                                         gsize                   nx,
                                                         gsize                   ny,
                                                         const int              *labels,
                                                         const char *const      *labels_text);

/* Key–value pairs recorded in exported files (PNG tEXt chunks, SVG comment and
 * <metadata>, PDF document information): "Title", "Software", "Source", "Description"
 * (the settings), "Creation Time", … Setting a key again replaces it. */
void               currents_plot_scene_set_metadata     (CurrentsPlotScene      *scene,
                                                         const char             *key,
                                                         const char             *value);
const char        *currents_plot_scene_get_metadata     (const CurrentsPlotScene *scene,
                                                         const char             *key);

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
/* The viewport of the last drawing; %FALSE before the first. */
gboolean           currents_plot_scene_get_viewport     (const CurrentsPlotScene *scene,
                                                         CurrentsPlotViewport   *vp);

/**
 * currents_plot_scene_export:
 * Writes the figure to @path as PNG, SVG or PDF, chosen by the file's suffix;
 * @width and @height are pixels for PNG and points for SVG and PDF. The scene's
 * metadata is recorded in the file.
 */
gboolean           currents_plot_scene_export           (CurrentsPlotScene      *scene,
                                                         const CurrentsPlotTheme *theme,
                                                         const char             *path,
                                                         double                  width,
                                                         double                  height,
                                                         GError                **error);

/* As currents_plot_scene_export(), a PNG with @scale pixels per unit (2: for print). */
gboolean           currents_plot_scene_export_scaled    (CurrentsPlotScene      *scene,
                                                         const CurrentsPlotTheme *theme,
                                                         const char             *path,
                                                         double                  width,
                                                         double                  height,
                                                         double                  scale,
                                                         GError                **error);

/**
 * currents_plot_scene_export_csv:
 * Writes the points of the curves in the visible layers (every kind but data) and the
 * equilibria as CSV: `curve,kind,label,X,Y` with the axis titles as X and Y, preceded by
 * `#` lines with the metadata.
 */
gboolean           currents_plot_scene_export_csv       (CurrentsPlotScene      *scene,
                                                         const char             *path,
                                                         GError                **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsPlotScene, currents_plot_scene_free)

G_END_DECLS
