/* currents-timeseries-plot.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Each variable against time: the data's samples as dots, the model's prediction as a
 * line in the same colour, continuing past the last sample (marked by a dashed line:
 * beyond it the model extrapolates). One trajectory large, or all of them as small
 * multiples, each panel on its own scale. An ensemble's prediction is the members' median
 * with their interval as a translucent band around it. Drawn with the plot library
 * (Cairo, Pango).
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-timeseries-plot"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-plot.h"
#include "currents-timeseries-plot.h"

#define MAX_PANELS 400
#define CELL_WIDTH 230      /* small multiples: the narrowest panel */
#define CELL_HEIGHT 170     /* … and its height; more rows scroll */

struct _CurrentsTimeseriesPlot
{
  GtkWidget   parent_instance;

  GPtrArray  *tracks;
  GStrv       names;
  int         selected;

  guint       n_panels;
  guint       n_markers;
  guint       n_curves;
  guint       n_bands;
};

G_DEFINE_FINAL_TYPE (CurrentsTimeseriesPlot, currents_timeseries_plot, GTK_TYPE_WIDGET)

void
currents_timeseries_track_free (CurrentsTimeseriesTrack *track)
{
  if (track == NULL)
    return;
  g_free (track->id);
  g_free (track->times);
  g_free (track->samples);
  g_free (track->pred_times);
  g_free (track->pred);
  g_free (track->band_lo);
  g_free (track->band_hi);
  g_free (track);
}

static guint
n_columns (double width)
{
  return MAX (1, (guint) floor (width / CELL_WIDTH));
}

static void
extend (double *lo,
        double *hi,
        double  v)
{
  if (isfinite (v))
    {
      *lo = MIN (*lo, v);
      *hi = MAX (*hi, v);
    }
}

static PangoLayout *
make_layout (GtkWidget *widget,
             cairo_t   *cr,
             gboolean   bold,
             double     scale)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  const PangoFontDescription *base;
  PangoFontDescription *font;

  base = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  font = base != NULL ? pango_font_description_copy (base)
                      : pango_font_description_from_string ("Sans 10");
  if (!pango_font_description_get_size_is_absolute (font))
    pango_font_description_set_size (font, (int) (pango_font_description_get_size (font) * scale));
  if (bold)
    pango_font_description_set_weight (font, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  return layout;
}

/* The interval of variable @v as a translucent area, one polygon per stretch where both
 * ends are known. Returns the stretches drawn. */
static guint
draw_band (cairo_t                       *cr,
           const CurrentsPlotViewport    *vp,
           const CurrentsTimeseriesTrack *track,
           gsize                          v,
           const CurrentsPlotColor       *color)
{
  gsize nv = track->n_vars, k = 0;
  CurrentsPlotColor fill = *color;
  guint n = 0;

  fill.alpha *= 0.22;
  cairo_save (cr);
  currents_plot_set_source_color (cr, &fill);
  while (k < track->n_pred)
    {
      gsize a, b;

      while (k < track->n_pred && !(isfinite (track->band_lo[k * nv + v])
                                    && isfinite (track->band_hi[k * nv + v])))
        k++;
      a = k;
      while (k < track->n_pred && isfinite (track->band_lo[k * nv + v])
             && isfinite (track->band_hi[k * nv + v]))
        k++;
      b = k;
      if (b < a + 2)
        continue;
      cairo_new_path (cr);
      for (gsize q = a; q < b; q++)
        {
          double dx, dy;

          currents_plot_viewport_to_device (vp, track->pred_times[q], track->band_hi[q * nv + v],
                                            &dx, &dy);
          cairo_line_to (cr, dx, dy);
        }
      for (gsize q = b; q-- > a;)
        {
          double dx, dy;

          currents_plot_viewport_to_device (vp, track->pred_times[q], track->band_lo[q * nv + v],
                                            &dx, &dy);
          cairo_line_to (cr, dx, dy);
        }
      cairo_close_path (cr);
      cairo_fill (cr);
      n++;
    }
  cairo_restore (cr);
  return n;
}

/* One trajectory in a @width × @height panel at the current origin. */
static void
draw_panel (CurrentsTimeseriesPlot        *self,
            cairo_t                       *cr,
            const CurrentsPlotTheme       *theme,
            const CurrentsTimeseriesTrack *track,
            double                         width,
            double                         height,
            gboolean                       large)
{
  CurrentsPlotViewport vp;
  double tlo = INFINITY, thi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  double t_last = NAN;

  for (gsize k = 0; k < track->n_samples; k++)
    {
      extend (&tlo, &thi, track->times[k]);
      for (gsize v = 0; v < track->n_vars; v++)
        extend (&ylo, &yhi, track->samples[k * track->n_vars + v]);
    }
  if (track->n_samples > 0)
    t_last = track->times[track->n_samples - 1];
  for (gsize k = 0; k < track->n_pred; k++)
    {
      gboolean any = FALSE;

      for (gsize v = 0; v < track->n_vars; v++)
        {
          if (isfinite (track->pred[k * track->n_vars + v]))
            {
              extend (&ylo, &yhi, track->pred[k * track->n_vars + v]);
              any = TRUE;
            }
          if (track->band_lo != NULL)
            {
              extend (&ylo, &yhi, track->band_lo[k * track->n_vars + v]);
              extend (&ylo, &yhi, track->band_hi[k * track->n_vars + v]);
            }
        }
      if (any)
        extend (&tlo, &thi, track->pred_times[k]);
    }
  if (!(tlo <= thi))
    tlo = 0, thi = 1;
  if (!(ylo <= yhi))
    ylo = 0, yhi = 1;
  if (thi <= tlo)
    thi = tlo + 1;
  currents_plot_pad_range (&ylo, &yhi, 0.06);

  currents_plot_layout (cr, theme, width, height, tlo, thi, ylo, yhi, 0, &vp);
  currents_plot_draw_background (cr, theme, width, height, &vp);
  currents_plot_draw_grid (cr, theme, &vp);

  /* beyond the last sample the model extrapolates */
  if (isfinite (t_last) && t_last < thi && track->n_pred > 0)
    {
      double dx, dy;
      CurrentsPlotColor c = theme->frame;
      double dash[] = { 4.0, 3.0 };

      currents_plot_viewport_to_device (&vp, t_last, ylo, &dx, &dy);
      cairo_save (cr);
      c.alpha *= 0.8;
      currents_plot_set_source_color (cr, &c);
      cairo_set_dash (cr, dash, 2, 0);
      cairo_set_line_width (cr, 1.0);
      cairo_move_to (cr, floor (dx) + 0.5, vp.top);
      cairo_line_to (cr, floor (dx) + 0.5, vp.top + vp.height);
      cairo_stroke (cr);
      cairo_restore (cr);
    }

  for (gsize v = 0; v < track->n_vars; v++)
    {
      CurrentsPlotColor color;

      currents_plot_theme_palette_color (theme, v, &color);
      if (track->band_lo != NULL && track->n_pred > 1
          && draw_band (cr, &vp, track, v, &color) > 0)
        self->n_bands++;
      if (track->n_pred > 1
          && currents_plot_draw_polyline (cr, &vp, track->pred_times, 1, track->pred + v,
                                          track->n_vars, track->n_pred, &color, 2.0, -1) > 0)
        self->n_curves++;
      self->n_markers += currents_plot_draw_markers (cr, &vp, track->times, 1,
                                                     track->samples + v, track->n_vars,
                                                     track->n_samples, &color,
                                                     &theme->plot_background,
                                                     large ? 3.5 : 2.5);
    }
  currents_plot_draw_axes (cr, theme, &vp, large ? "t" : NULL, NULL);

  if (large && track->n_vars > 0 && self->names != NULL)
    {
      g_autofree CurrentsPlotLegendEntry *entries = g_new0 (CurrentsPlotLegendEntry, track->n_vars);

      for (gsize v = 0; v < track->n_vars && self->names[v] != NULL; v++)
        {
          entries[v].label = self->names[v];
          currents_plot_theme_palette_color (theme, v, &entries[v].color);
          entries[v].symbol = track->n_pred > 0 ? CURRENTS_PLOT_LEGEND_LINE_MARKER
                                                : CURRENTS_PLOT_LEGEND_MARKER;
          entries[v].line_width = 2.0;
        }
      currents_plot_draw_legend (cr, theme, &vp, entries, track->n_vars,
                                 CURRENTS_PLOT_CORNER_TOP_RIGHT);
    }
  self->n_panels++;
}

static void
currents_timeseries_plot_snapshot (GtkWidget   *widget,
                                   GtkSnapshot *snapshot)
{
  CurrentsTimeseriesPlot *self = CURRENTS_TIMESERIES_PLOT (widget);
  double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  CurrentsPlotTheme theme;
  const PangoFontDescription *font;
  cairo_t *cr;

  self->n_panels = self->n_markers = self->n_curves = self->n_bands = 0;
  if (width <= 1 || height <= 1 || self->tracks == NULL || self->tracks->len == 0)
    return;

  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  font = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  if (font != NULL)
    {
      g_autofree char *name = pango_font_description_to_string (font);

      g_strlcpy (theme.font, name, sizeof theme.font);
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (self->selected >= 0 && (guint) self->selected < self->tracks->len)
    draw_panel (self, cr, &theme, g_ptr_array_index (self->tracks, self->selected), width,
                height, TRUE);
  else
    {
      guint n = MIN (self->tracks->len, MAX_PANELS);
      guint cols = MIN (n_columns (width), n);
      guint rows = (n + cols - 1) / cols;
      double cw = width / cols, ch = MAX (height / rows, 60.0);
      g_autoptr(PangoLayout) title = make_layout (widget, cr, TRUE, 0.85);
      g_autoptr(PangoLayout) tag = make_layout (widget, cr, FALSE, 0.85);
      GtkWidget *scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
      double visible_lo = 0, visible_hi = height;
      int th;

      if (scroller != NULL)
        {
          GtkAdjustment *adj = gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller));

          visible_lo = gtk_adjustment_get_value (adj);
          visible_hi = visible_lo + gtk_adjustment_get_page_size (adj);
        }

      /* small panels need smaller type */
      {
        PangoFontDescription *small = pango_font_description_from_string (theme.font);
        g_autofree char *name = NULL;

        if (!pango_font_description_get_size_is_absolute (small))
          pango_font_description_set_size (small,
                                           (int) (pango_font_description_get_size (small) * 0.8));
        name = pango_font_description_to_string (small);
        g_strlcpy (theme.font, name, sizeof theme.font);
        pango_font_description_free (small);
      }

      currents_plot_set_source_color (cr, &theme.background);
      cairo_paint (cr);
      pango_layout_set_text (title, "Mg", -1);
      pango_layout_get_pixel_size (title, NULL, &th);
      for (guint i = 0; i < n; i++)
        {
          const CurrentsTimeseriesTrack *track = g_ptr_array_index (self->tracks, i);
          double x = (i % cols) * cw, y = (i / cols) * ch;
          g_autofree char *mse = NULL, *head = NULL;
          int tw = 0, tag_w = 0;

          if (y + ch > height + 1)
            break;
          /* what the scrolled window does not show is not drawn */
          if (y + ch < visible_lo || y > visible_hi)
            continue;
          cairo_save (cr);
          cairo_translate (cr, round (x), round (y));
          mse = isfinite (track->mse) ? g_strdup_printf ("%.3g", track->mse) : g_strdup ("—");
          head = g_strdup_printf (_("%s · MSE %s"), track->id, mse);
          if (track->validation)
            {
              pango_layout_set_text (tag, _("validation"), -1);
              pango_layout_get_pixel_size (tag, &tag_w, NULL);
            }
          currents_plot_set_source_color (cr, &theme.foreground);
          pango_layout_set_text (title, head, -1);
          pango_layout_set_width (title, (int) (MAX (cw - 20 - (tag_w ? tag_w + 8 : 0), 10)
                                                * PANGO_SCALE));
          pango_layout_set_ellipsize (title, PANGO_ELLIPSIZE_END);
          cairo_move_to (cr, 10, 4);
          pango_cairo_show_layout (cr, title);
          if (track->validation)
            {
              CurrentsPlotColor accent = theme.palette[4];

              pango_layout_get_pixel_size (title, &tw, NULL);
              currents_plot_set_source_color (cr, &accent);
              cairo_move_to (cr, 10 + tw + 8, 4);
              pango_cairo_show_layout (cr, tag);
            }
          cairo_translate (cr, 0, th + 4);
          draw_panel (self, cr, &theme, track, cw, ch - th - 4, FALSE);
          cairo_restore (cr);
        }
    }
  cairo_destroy (cr);
}

static void
dark_changed_cb (CurrentsTimeseriesPlot *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
currents_timeseries_plot_measure (GtkWidget      *widget,
                                  GtkOrientation  orientation,
                                  int             for_size,
                                  int            *minimum,
                                  int            *natural,
                                  int            *minimum_baseline,
                                  int            *natural_baseline)
{
  CurrentsTimeseriesPlot *self = CURRENTS_TIMESERIES_PLOT (widget);

  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 200 : 160;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 600 : 400;
  /* small multiples: as many rows as the width needs, in a scrolled window */
  if (orientation == GTK_ORIENTATION_VERTICAL && self->selected < 0 && self->tracks != NULL
      && self->tracks->len > 0 && for_size > 0)
    {
      guint n = MIN (self->tracks->len, MAX_PANELS);
      guint cols = MIN (n_columns (for_size), n);

      *minimum = *natural = (int) (((n + cols - 1) / cols) * CELL_HEIGHT);
    }
}

static GtkSizeRequestMode
currents_timeseries_plot_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
scrolled_cb (CurrentsTimeseriesPlot *self)
{
  if (self->selected < 0)
    gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
currents_timeseries_plot_root (GtkWidget *widget)
{
  GtkWidget *scroller;

  GTK_WIDGET_CLASS (currents_timeseries_plot_parent_class)->root (widget);
  scroller = gtk_widget_get_ancestor (widget, GTK_TYPE_SCROLLED_WINDOW);
  if (scroller != NULL)
    g_signal_connect_object (gtk_scrolled_window_get_vadjustment (GTK_SCROLLED_WINDOW (scroller)),
                             "value-changed", G_CALLBACK (scrolled_cb), widget,
                             G_CONNECT_SWAPPED);
}

static void
currents_timeseries_plot_dispose (GObject *object)
{
  g_signal_handlers_disconnect_by_func (adw_style_manager_get_default (), dark_changed_cb, object);

  G_OBJECT_CLASS (currents_timeseries_plot_parent_class)->dispose (object);
}

static void
currents_timeseries_plot_finalize (GObject *object)
{
  CurrentsTimeseriesPlot *self = CURRENTS_TIMESERIES_PLOT (object);

  g_clear_pointer (&self->tracks, g_ptr_array_unref);
  g_strfreev (self->names);

  G_OBJECT_CLASS (currents_timeseries_plot_parent_class)->finalize (object);
}

static void
currents_timeseries_plot_class_init (CurrentsTimeseriesPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_timeseries_plot_dispose;
  object_class->finalize = currents_timeseries_plot_finalize;
  widget_class->snapshot = currents_timeseries_plot_snapshot;
  widget_class->measure = currents_timeseries_plot_measure;
  widget_class->get_request_mode = currents_timeseries_plot_get_request_mode;
  widget_class->root = currents_timeseries_plot_root;

  gtk_widget_class_set_css_name (widget_class, "timeseriesplot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
currents_timeseries_plot_init (CurrentsTimeseriesPlot *self)
{
  self->selected = 0;
  gtk_widget_set_hexpand (GTK_WIDGET (self), TRUE);
  gtk_widget_set_vexpand (GTK_WIDGET (self), TRUE);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Time series"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("The data's samples as dots and the model's prediction as "
                                    "lines, against time"),
                                  -1);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (dark_changed_cb), self);
}

GtkWidget *
currents_timeseries_plot_new (void)
{
  return g_object_new (CURRENTS_TYPE_TIMESERIES_PLOT, NULL);
}

void
currents_timeseries_plot_set_tracks (CurrentsTimeseriesPlot *self,
                                     GPtrArray              *tracks,
                                     const char *const      *names)
{
  g_return_if_fail (CURRENTS_IS_TIMESERIES_PLOT (self));

  if (tracks != NULL)
    g_ptr_array_ref (tracks);
  g_clear_pointer (&self->tracks, g_ptr_array_unref);
  self->tracks = tracks;
  g_strfreev (self->names);
  self->names = g_strdupv ((char **) names);
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

void
currents_timeseries_plot_set_selected (CurrentsTimeseriesPlot *self,
                                       int                     index)
{
  g_return_if_fail (CURRENTS_IS_TIMESERIES_PLOT (self));

  if (self->selected == index)
    return;
  self->selected = index;
  gtk_widget_queue_resize (GTK_WIDGET (self));
}

int
currents_timeseries_plot_get_selected (CurrentsTimeseriesPlot *self)
{
  g_return_val_if_fail (CURRENTS_IS_TIMESERIES_PLOT (self), -1);
  return self->selected;
}

void
currents_timeseries_plot_get_stats (CurrentsTimeseriesPlot *self,
                                    guint                  *n_panels,
                                    guint                  *n_markers,
                                    guint                  *n_curves)
{
  g_return_if_fail (CURRENTS_IS_TIMESERIES_PLOT (self));

  if (n_panels != NULL)
    *n_panels = self->n_panels;
  if (n_markers != NULL)
    *n_markers = self->n_markers;
  if (n_curves != NULL)
    *n_curves = self->n_curves;
}

guint
currents_timeseries_plot_get_n_bands (CurrentsTimeseriesPlot *self)
{
  g_return_val_if_fail (CURRENTS_IS_TIMESERIES_PLOT (self), 0);
  return self->n_bands;
}
