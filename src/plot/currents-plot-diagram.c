/* currents-plot-diagram.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * (placeholder bodies: being written)
 */
#include "config.h"

#include "currents-plot-diagram.h"


const char *
currents_plot_special_kind_to_string (CurrentsPlotSpecialKind kind)
{
  return NULL;
}

CurrentsPlotDiagram *
currents_plot_diagram_new (void)
{
  return NULL;
}

void
currents_plot_diagram_free (CurrentsPlotDiagram *diagram)
{

}

void
currents_plot_diagram_set_labels (CurrentsPlotDiagram *diagram, const char *x_label, const char *y_label)
{

}

void
currents_plot_diagram_set_log (CurrentsPlotDiagram *diagram, gboolean log_x, gboolean log_y)
{

}

void
currents_plot_diagram_set_window (CurrentsPlotDiagram *diagram, double xlo, double xhi, double ylo, double yhi)
{

}

void
currents_plot_diagram_unset_window (CurrentsPlotDiagram *diagram)
{

}

gboolean
currents_plot_diagram_get_window (const CurrentsPlotDiagram *diagram, double window[4])
{
  return FALSE;
}

void
currents_plot_diagram_clear (CurrentsPlotDiagram *diagram)
{

}

guint
currents_plot_diagram_add_branch (CurrentsPlotDiagram *diagram, CurrentsPlotBranchKind kind, const double *x, const double *y, const gboolean *stable, const gboolean *extrapolated, gsize n, guint color_index)
{
  return 0;
}

guint
currents_plot_diagram_add_special (CurrentsPlotDiagram *diagram, CurrentsPlotSpecialKind kind, double x, double y, const char *label)
{
  return 0;
}

guint
currents_plot_diagram_get_n_special (const CurrentsPlotDiagram *diagram)
{
  return 0;
}

gboolean
currents_plot_diagram_get_special (const CurrentsPlotDiagram *diagram, guint index, CurrentsPlotSpecialKind *kind, double *x, double *y)
{
  return FALSE;
}

void
currents_plot_diagram_add_band (CurrentsPlotDiagram *diagram, double lo, double hi, const char *label)
{

}

void
currents_plot_diagram_add_region (CurrentsPlotDiagram *diagram, const double *x, const double *y, gsize n, const char *label)
{

}

void
currents_plot_diagram_add_jump (CurrentsPlotDiagram *diagram, double x, double y_from, double y_to)
{

}

void
currents_plot_diagram_set_levels (CurrentsPlotDiagram *diagram, const double *levels, gsize n)
{

}

void
currents_plot_diagram_set_marker (CurrentsPlotDiagram *diagram, double x, double y)
{

}

void
currents_plot_diagram_set_show_legend (CurrentsPlotDiagram *diagram, gboolean show)
{

}

void
currents_plot_diagram_set_metadata (CurrentsPlotDiagram *diagram, const char *key, const char *value)
{

}

void
currents_plot_diagram_draw (CurrentsPlotDiagram *diagram, cairo_t *cr, const CurrentsPlotTheme *theme, double width, double height, CurrentsPlotDiagramStats *stats)
{

}

gboolean
currents_plot_diagram_get_viewport (const CurrentsPlotDiagram *diagram, CurrentsPlotViewport *vp)
{
  return FALSE;
}

gboolean
currents_plot_diagram_to_device (const CurrentsPlotDiagram *diagram, double x, double y, double *dx, double *dy)
{
  return FALSE;
}

gboolean
currents_plot_diagram_to_data (const CurrentsPlotDiagram *diagram, double dx, double dy, double *x, double *y)
{
  return FALSE;
}

int
currents_plot_diagram_find_special (const CurrentsPlotDiagram *diagram, double dx, double dy, double radius)
{
  return -1;
}

gboolean
currents_plot_diagram_export (CurrentsPlotDiagram *diagram, const char *path, const CurrentsPlotTheme *theme, double width, double height, GError **error)
{
  return FALSE;
}
