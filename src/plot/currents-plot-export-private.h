/* currents-plot-export-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Image export shared by scenes and diagrams: the container (PNG, SVG or PDF by the
 * file's suffix) and its provenance — PNG tEXt/iTXt chunks, SVG comments and a Dublin
 * Core <metadata> block, PDF document information — written from a list of key/value
 * pairs. The figure itself comes from a draw callback.
 */
#pragma once

#include <cairo.h>
#include <glib.h>

#include "currents-plot.h"

G_BEGIN_DECLS

/* One entry of a metadata list (a GArray of these, in the order they were set). */
typedef struct
{
  char *key;
  char *value;
} CurrentsPlotMetadata;

GArray     *_currents_plot_metadata_new (void);
/* Sets @key to @value (replacing an earlier value in place), or removes it when @value
 * is NULL. */
void        _currents_plot_metadata_set (GArray     *metadata,
                                         const char *key,
                                         const char *value);
const char *_currents_plot_metadata_get (const GArray *metadata,
                                         const char   *key);

/* Draws @figure on @cr in @theme, @width × @height user units. */
typedef void (*CurrentsPlotExportDrawFunc) (gpointer                 figure,
                                            cairo_t                 *cr,
                                            const CurrentsPlotTheme *theme,
                                            double                   width,
                                            double                   height);

/* Writes @path as PNG, SVG or PDF by its suffix (any case). A PNG has @scale device
 * pixels per unit; vector formats ignore @scale. @metadata may be NULL. */
gboolean    _currents_plot_export_image (const char                 *path,
                                         double                      width,
                                         double                      height,
                                         double                      scale,
                                         const GArray               *metadata,
                                         CurrentsPlotExportDrawFunc  draw,
                                         gpointer                    figure,
                                         const CurrentsPlotTheme    *theme,
                                         GError                    **error);

G_END_DECLS
