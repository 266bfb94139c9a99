/* currents-plot-diagram.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bifurcation diagrams, drawn the same in the window and by `currents-cli continue
 * --plot`: Cairo and Pango only, no GTK and no engine (the caller converts a
 * continuation result into branches, special points and bands).
 *
 * One parameter: a chosen quantity (a state or a norm) against the parameter; branches
 * of equilibria solid where stable and dashed where unstable, periodic-orbit branches
 * (max and min amplitude) as thinner lines (filled discs stable, open unstable), folds,
 * Hopf and branch points marked and labelled with their values, shaded bistable
 * ranges, the hysteresis loop's jumps as vertical arrows, the data's levels of the
 * parameter as ticks along the axis, segments outside the data's support hatched, and a
 * vertical marker at the current value of the parameter.
 *
 * Two parameters: curves of folds and of Hopf points in the parameter plane, regions
 * (the cusp's bistable wedge) shaded, cusp and Bogdanov–Takens points marked, and a
 * cross-hair marker at the current values.
 *
 * Both axes may be logarithmic (log10; non-positive values are then not drawn).
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "currents-plot.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_PLOT_BRANCH_EQUILIBRIA,    /* solid where @stable, dashed where not */
  CURRENTS_PLOT_BRANCH_PERIODIC_MAX,  /* a periodic orbit's maximum of the quantity */
  CURRENTS_PLOT_BRANCH_PERIODIC_MIN,  /* … and its minimum */
  CURRENTS_PLOT_BRANCH_FOLD_CURVE,    /* two parameters: a curve of folds */
  CURRENTS_PLOT_BRANCH_HOPF_CURVE,    /* two parameters: a curve of Hopf points */
} CurrentsPlotBranchKind;

typedef enum
{
  CURRENTS_PLOT_SPECIAL_FOLD,
  CURRENTS_PLOT_SPECIAL_HOPF,
  CURRENTS_PLOT_SPECIAL_BRANCH_POINT,
  CURRENTS_PLOT_SPECIAL_CUSP,
  CURRENTS_PLOT_SPECIAL_BOGDANOV_TAKENS,
  CURRENTS_PLOT_SPECIAL_PERIOD_DOUBLING,
} CurrentsPlotSpecialKind;

/* "fold", "hopf", "branch point", "cusp", "bogdanov-takens", "period doubling" */
const char *currents_plot_special_kind_to_string (CurrentsPlotSpecialKind kind);

/**
 * CurrentsPlotDiagramStats:
 * What the last currents_plot_diagram_draw() drew (for tests and debugging).
 */
typedef struct
{
  guint n_branches;         /* branches with at least one segment inside the view */
  guint n_stable_segments;  /* line segments drawn solid */
  guint n_unstable_segments;/* drawn dashed */
  guint n_periodic_points;
  guint n_special;          /* special points drawn (inside the view) */
  guint n_folds;
  guint n_hopf;
  guint n_branch_points;
  guint n_labels;           /* special points' labels drawn */
  guint n_bands;            /* shaded ranges or regions drawn */
  guint n_jumps;
  guint n_level_ticks;      /* the data's levels drawn as ticks */
  guint n_extrapolated_segments;
  gboolean marker_drawn;
  double marker_x;          /* device x of the marker (NaN when none) */
  guint n_intervals;        /* ensembles' tipping intervals drawn */
  guint n_member_ticks;     /* their members' values drawn as ticks */
} CurrentsPlotDiagramStats;

typedef struct _CurrentsPlotDiagram CurrentsPlotDiagram;

CurrentsPlotDiagram *currents_plot_diagram_new          (void);
void                 currents_plot_diagram_free         (CurrentsPlotDiagram *diagram);

/* Axis titles (the parameter's and the quantity's names); either may be NULL. */
void     currents_plot_diagram_set_labels    (CurrentsPlotDiagram *diagram,
                                              const char          *x_label,
                                              const char          *y_label);
void     currents_plot_diagram_set_log       (CurrentsPlotDiagram *diagram,
                                              gboolean             log_x,
                                              gboolean             log_y);
/* The data window (own units, also on log axes); unset: fitted to what was added. */
void     currents_plot_diagram_set_window    (CurrentsPlotDiagram *diagram,
                                              double               xlo,
                                              double               xhi,
                                              double               ylo,
                                              double               yhi);
void     currents_plot_diagram_unset_window  (CurrentsPlotDiagram *diagram);
/* The window the next draw uses (set, or fitted with a margin). FALSE when empty. */
gboolean currents_plot_diagram_get_window    (const CurrentsPlotDiagram *diagram,
                                              double               window[4]);

/* Removes branches, special points, bands, jumps, levels, intervals and marker. */
void     currents_plot_diagram_clear         (CurrentsPlotDiagram *diagram);

/**
 * currents_plot_diagram_add_branch:
 * @x, @y: @n points (copied); non-finite values break the line
 * @stable: (nullable): per point; %NULL: all stable (curves of two parameters)
 * @extrapolated: (nullable): per point, outside the data's support (hatched)
 * @color_index: the theme's palette colour (branches of one diagram share one colour
 *   for equilibria, periodic branches another, by default)
 *
 * Returns: the branch's index
 */
guint    currents_plot_diagram_add_branch    (CurrentsPlotDiagram    *diagram,
                                              CurrentsPlotBranchKind  kind,
                                              const double           *x,
                                              const double           *y,
                                              const gboolean         *stable,
                                              const gboolean         *extrapolated,
                                              gsize                   n,
                                              guint                   color_index);

/* A special point with its label (e.g. "LP  iptg = 0.42"; NULL: none). Returns its index. */
guint    currents_plot_diagram_add_special   (CurrentsPlotDiagram     *diagram,
                                              CurrentsPlotSpecialKind  kind,
                                              double                   x,
                                              double                   y,
                                              const char              *label);
guint    currents_plot_diagram_get_n_special (const CurrentsPlotDiagram *diagram);
gboolean currents_plot_diagram_get_special   (const CurrentsPlotDiagram *diagram,
                                              guint                    index,
                                              CurrentsPlotSpecialKind *kind,
                                              double                  *x,
                                              double                  *y);

/* A shaded range of the parameter, lo < x < hi, over the whole height (a bistable
 * range), with an optional label inside it. */
void     currents_plot_diagram_add_band      (CurrentsPlotDiagram *diagram,
                                              double               lo,
                                              double               hi,
                                              const char          *label);
/* An ensemble's tipping point (currents_ensemble_continue()): its interval lo–hi of the
 * parameter shaded (over the plot and as a strip along the parameter axis), its median a
 * line, and each member's value (@members, @n_members; copied) a tick. Returns its index. */
guint    currents_plot_diagram_add_interval  (CurrentsPlotDiagram *diagram,
                                              double               lo,
                                              double               hi,
                                              double               median,
                                              const double        *members,
                                              gsize                n_members);
guint    currents_plot_diagram_get_n_intervals (const CurrentsPlotDiagram *diagram);
/* Any out argument may be NULL; @members: (transfer none). FALSE past the end. */
gboolean currents_plot_diagram_get_interval  (const CurrentsPlotDiagram *diagram,
                                              guint                      index,
                                              double                    *lo,
                                              double                    *hi,
                                              double                    *median,
                                              const double             **members,
                                              gsize                     *n_members);
/* A shaded region of the plane (two parameters: the bistable wedge of a cusp), a
 * closed polygon of @n vertices (copied). */
void     currents_plot_diagram_add_region    (CurrentsPlotDiagram *diagram,
                                              const double        *x,
                                              const double        *y,
                                              gsize                n,
                                              const char          *label);
/* A jump of the hysteresis loop: at parameter @x from @y_from to @y_to, an arrow. */
void     currents_plot_diagram_add_jump      (CurrentsPlotDiagram *diagram,
                                              double               x,
                                              double               y_from,
                                              double               y_to);
/* The parameter values the data were recorded at: ticks along the horizontal axis. */
void     currents_plot_diagram_set_levels    (CurrentsPlotDiagram *diagram,
                                              const double        *levels,
                                              gsize                n);
/* The current value of the parameter (NaN: none); two parameters: also @y (NaN: a
 * vertical line only). */
void     currents_plot_diagram_set_marker    (CurrentsPlotDiagram *diagram,
                                              double               x,
                                              double               y);
void     currents_plot_diagram_set_show_legend (CurrentsPlotDiagram *diagram,
                                              gboolean             show);
/* The image's provenance (PNG text chunks, SVG/PDF metadata), as for scenes. */
void     currents_plot_diagram_set_metadata  (CurrentsPlotDiagram *diagram,
                                              const char          *key,
                                              const char          *value);

/* Draws into @cr, @width × @height device units; fills @stats when not NULL. */
void     currents_plot_diagram_draw          (CurrentsPlotDiagram       *diagram,
                                              cairo_t                   *cr,
                                              const CurrentsPlotTheme   *theme,
                                              double                     width,
                                              double                     height,
                                              CurrentsPlotDiagramStats  *stats);
/* The last draw's viewport (its data window in axis units: log10 on log axes). */
gboolean currents_plot_diagram_get_viewport  (const CurrentsPlotDiagram *diagram,
                                              CurrentsPlotViewport      *vp);
/* Device coordinates of a data point after a draw, and back (own units). */
gboolean currents_plot_diagram_to_device     (const CurrentsPlotDiagram *diagram,
                                              double                     x,
                                              double                     y,
                                              double                    *dx,
                                              double                    *dy);
gboolean currents_plot_diagram_to_data       (const CurrentsPlotDiagram *diagram,
                                              double                     dx,
                                              double                     dy,
                                              double                    *x,
                                              double                    *y);
/* The special point drawn within @radius device units of (dx, dy), or -1. */
int      currents_plot_diagram_find_special  (const CurrentsPlotDiagram *diagram,
                                              double                     dx,
                                              double                     dy,
                                              double                     radius);
/* Writes a PNG, SVG or PDF (by suffix) of @width × @height (pixels or points). */
gboolean currents_plot_diagram_export        (CurrentsPlotDiagram       *diagram,
                                              const char                *path,
                                              const CurrentsPlotTheme   *theme,
                                              double                     width,
                                              double                     height,
                                              GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsPlotDiagram, currents_plot_diagram_free)

G_END_DECLS
