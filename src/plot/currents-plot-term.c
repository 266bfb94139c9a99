/* currents-plot-term.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Outside the data's range the curve is still drawn, under a grey veil with 45° hatching,
 * as the bifurcation diagram marks extrapolated stretches: what the network does there is
 * not what the data taught it.
 */
#include "config.h"

#include <math.h>

#include <glib/gi18n-lib.h>

#include "currents-plot-term.h"

#define VEIL_ALPHA   0.55
#define HATCH_STEP   9.0

static void
veil_band (cairo_t                    *cr,
           const CurrentsPlotTheme    *theme,
           const CurrentsPlotViewport *vp,
           double                      x0,
           double                      x1)
{
  double d0, d1, dy;
  CurrentsPlotColor veil = theme->plot_background;

  currents_plot_viewport_to_device (vp, MAX (x0, vp->xlo), vp->ylo, &d0, &dy);
  currents_plot_viewport_to_device (vp, MIN (x1, vp->xhi), vp->ylo, &d1, &dy);
  if (!(d1 > d0))
    return;
  cairo_save (cr);
  cairo_rectangle (cr, d0, vp->top, d1 - d0, vp->height);
  cairo_clip (cr);
  veil.alpha = VEIL_ALPHA;
  currents_plot_set_source_color (cr, &veil);
  cairo_paint (cr);
  /* hatching at 45° */
  {
    CurrentsPlotColor ink = theme->foreground;

    ink.alpha = 0.18;
    currents_plot_set_source_color (cr, &ink);
  }
  cairo_set_line_width (cr, 1.0);
  for (double s = d0 - vp->height; s < d1; s += HATCH_STEP)
    {
      cairo_move_to (cr, s, vp->top + vp->height);
      cairo_line_to (cr, s + vp->height, vp->top);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
heat_color (const CurrentsPlotTheme *theme,
            double                   f,
            CurrentsPlotColor       *c)
{
  double s = CLAMP (f, 0.0, 1.0) * 3.0;
  int i = MIN ((int) s, 2);
  double t = s - i;
  const CurrentsPlotColor *a = &theme->field[i], *b = &theme->field[i + 1];

  c->red = (1 - t) * a->red + t * b->red;
  c->green = (1 - t) * a->green + t * b->green;
  c->blue = (1 - t) * a->blue + t * b->blue;
  c->alpha = 1.0;
}

static void
draw_1d (cairo_t                 *cr,
         const CurrentsPlotTheme *theme,
         double                   width,
         double                   height,
         const CurrentsPlotTerm  *term,
         CurrentsPlotViewport    *vp)
{
  const CurrentsLearnedTermGrid *g = term->grid;
  gsize n = g->size[0];
  double ylo = INFINITY, yhi = -INFINITY;
  CurrentsPlotColor learned, reference;
  CurrentsPlotLegendEntry entries[3] = { { 0 } };
  g_autofree char *learned_label = NULL;
  g_autofree char *y_label = NULL;
  gsize n_entries = 0;

  for (gsize i = 0; i < n; i++)
    {
      /* the vertical range is what the data support: a law may have a pole outside */
      if (isfinite (term->data_lo[0])
          && (g->axis[0][i] < term->data_lo[0] || g->axis[0][i] > term->data_hi[0]))
        continue;
      if (isfinite (g->values[i]))
        {
          ylo = MIN (ylo, g->values[i]);
          yhi = MAX (yhi, g->values[i]);
        }
      if (term->reference != NULL && isfinite (term->reference[i]))
        {
          ylo = MIN (ylo, term->reference[i]);
          yhi = MAX (yhi, term->reference[i]);
        }
    }
  if (!isfinite (ylo))
    {
      ylo = 0.0;
      yhi = 1.0;
    }
  currents_plot_pad_range (&ylo, &yhi, 0.12);
  y_label = g_strdup_printf ("%s(%s)", term->term_name, term->arg_names[0]);
  currents_plot_layout (cr, theme, width, height, g->lo[0], g->hi[0], ylo, yhi, 0.0, vp);
  currents_plot_draw_background (cr, theme, width, height, vp);
  currents_plot_draw_grid (cr, theme, vp);

  currents_plot_theme_palette_color (theme, 0, &learned);
  currents_plot_theme_palette_color (theme, 1, &reference);
  if (term->reference != NULL)
    {
      cairo_save (cr);
      cairo_set_dash (cr, (double[]) { 7.0, 5.0 }, 2, 0.0);
      currents_plot_draw_polyline (cr, vp, g->axis[0], 1, term->reference, 1, n, &reference,
                                   2.0, -1.0);
      cairo_restore (cr);
    }
  currents_plot_draw_polyline (cr, vp, g->axis[0], 1, g->values, 1, n, &learned, 2.5, -1.0);

  /* outside the data: veiled and hatched */
  if (isfinite (term->data_lo[0]))
    {
      veil_band (cr, theme, vp, vp->xlo, term->data_lo[0]);
      veil_band (cr, theme, vp, term->data_hi[0], vp->xhi);
    }
  else
    veil_band (cr, theme, vp, vp->xlo, vp->xhi);
  currents_plot_draw_axes (cr, theme, vp, term->arg_names[0], y_label);

  learned_label = g_strdup_printf (_("%s learned"), y_label);
  entries[n_entries].label = learned_label;
  entries[n_entries].color = learned;
  entries[n_entries].symbol = CURRENTS_PLOT_LEGEND_LINE;
  entries[n_entries++].line_width = 2.5;
  if (term->reference != NULL)
    {
      entries[n_entries].label = term->reference_label != NULL ? term->reference_label
                                                               : _("reference");
      entries[n_entries].color = reference;
      entries[n_entries].symbol = CURRENTS_PLOT_LEGEND_DASHED;
      entries[n_entries++].line_width = 2.0;
    }
  entries[n_entries].label = isfinite (term->data_lo[0]) ? _("outside the data: extrapolated")
                                                          : _("data range unknown");
  entries[n_entries].color = theme->grid;
  entries[n_entries++].symbol = CURRENTS_PLOT_LEGEND_PATCH;
  currents_plot_draw_legend (cr, theme, vp, entries, n_entries, CURRENTS_PLOT_CORNER_TOP_RIGHT);
}

static void
draw_2d (cairo_t                 *cr,
         const CurrentsPlotTheme *theme,
         double                   width,
         double                   height,
         const CurrentsPlotTerm  *term,
         CurrentsPlotViewport    *vp)
{
  const CurrentsLearnedTermGrid *g = term->grid;
  gsize nx = g->size[0], ny = g->size[1];
  double vlo = INFINITY, vhi = -INFINITY;
  CurrentsPlotLegendEntry entries[2] = { { 0 } };
  g_autofree char *range_label = NULL;
  g_autofree char *lo_text = NULL, *hi_text = NULL;

  for (gsize k = 0; k < nx * ny; k++)
    if (isfinite (g->values[k]))
      {
        vlo = MIN (vlo, g->values[k]);
        vhi = MAX (vhi, g->values[k]);
      }
  if (!isfinite (vlo))
    vlo = vhi = 0.0;
  currents_plot_layout (cr, theme, width, height, g->lo[0], g->hi[0], g->lo[1], g->hi[1], 0.0,
                        vp);
  currents_plot_draw_background (cr, theme, width, height, vp);
  cairo_save (cr);
  cairo_rectangle (cr, vp->left, vp->top, vp->width, vp->height);
  cairo_clip (cr);
  for (gsize j = 0; j < ny; j++)
    for (gsize i = 0; i < nx; i++)
      {
        /* a cell centred on each grid point */
        double dx = (g->hi[0] - g->lo[0]) / (double) (nx - 1);
        double dy = (g->hi[1] - g->lo[1]) / (double) (ny - 1);
        double x0, y0, x1, y1;
        CurrentsPlotColor c;

        currents_plot_viewport_to_device (vp, g->axis[0][i] - dx / 2, g->axis[1][j] - dy / 2,
                                          &x0, &y0);
        currents_plot_viewport_to_device (vp, g->axis[0][i] + dx / 2, g->axis[1][j] + dy / 2,
                                          &x1, &y1);
        heat_color (theme, vhi > vlo ? (g->values[j * nx + i] - vlo) / (vhi - vlo) : 0.5, &c);
        currents_plot_set_source_color (cr, &c);
        cairo_rectangle (cr, x0, y1, x1 - x0 + 0.5, y0 - y1 + 0.5);
        cairo_fill (cr);
      }
  /* the data's coverage outlined */
  if (isfinite (term->data_lo[0]) && isfinite (term->data_lo[1]))
    {
      double x0, y0, x1, y1;

      currents_plot_viewport_to_device (vp, term->data_lo[0], term->data_lo[1], &x0, &y0);
      currents_plot_viewport_to_device (vp, term->data_hi[0], term->data_hi[1], &x1, &y1);
      currents_plot_set_source_color (cr, &theme->foreground);
      cairo_set_line_width (cr, 2.0);
      cairo_set_dash (cr, (double[]) { 6.0, 4.0 }, 2, 0.0);
      cairo_rectangle (cr, x0, y1, x1 - x0, y0 - y1);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
  currents_plot_draw_axes (cr, theme, vp, term->arg_names[0], term->arg_names[1]);

  lo_text = currents_plot_format_tick (vlo, 3);
  hi_text = currents_plot_format_tick (vhi, 3);
  range_label = g_strdup_printf (_("%s from %s to %s"), term->term_name, lo_text, hi_text);
  entries[0].label = range_label;
  heat_color (theme, 1.0, &entries[0].color);
  entries[0].symbol = CURRENTS_PLOT_LEGEND_PATCH;
  entries[1].label = _("the data’s range");
  entries[1].color = theme->foreground;
  entries[1].symbol = CURRENTS_PLOT_LEGEND_DASHED;
  entries[1].line_width = 2.0;
  currents_plot_draw_legend (cr, theme, vp, entries,
                             isfinite (term->data_lo[0]) && isfinite (term->data_lo[1]) ? 2 : 1,
                             CURRENTS_PLOT_CORNER_TOP_RIGHT);
}

void
currents_plot_term_draw (cairo_t                 *cr,
                         const CurrentsPlotTheme *theme,
                         double                   width,
                         double                   height,
                         const CurrentsPlotTerm  *term,
                         CurrentsPlotViewport    *vp)
{
  CurrentsPlotViewport local;

  g_return_if_fail (cr != NULL && theme != NULL && term != NULL && term->grid != NULL);

  if (vp == NULL)
    vp = &local;
  if (term->grid->n_args == 2)
    draw_2d (cr, theme, width, height, term, vp);
  else
    draw_1d (cr, theme, width, height, term, vp);
}
