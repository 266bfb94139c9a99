/* currents-plot.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-plot"

#include <math.h>
#include <string.h>

#include <pango/pangocairo.h>

#include "currents-plot.h"
#include "currents-plot-private.h"

/* Cairo keeps coordinates in 24.8 fixed point: keep far-away points representable. */
#define DEVICE_LIMIT 1.0e6

#define TICK_LENGTH CURRENTS_PLOT_TICK_LENGTH

static CurrentsPlotColor
rgb (guint32 hex)
{
  return (CurrentsPlotColor) {
    ((hex >> 16) & 0xff) / 255.0,
    ((hex >> 8) & 0xff) / 255.0,
    (hex & 0xff) / 255.0,
    1.0,
  };
}

static CurrentsPlotColor
rgba (guint32 hex,
      double  alpha)
{
  CurrentsPlotColor c = rgb (hex);

  c.alpha = alpha;
  return c;
}

/**
 * currents_plot_theme_init:
 * @theme: the theme to fill
 * @dark: colours for a dark background
 *
 * Colours from the GNOME palette: data in the saturated mid shades, the field in a
 * blue-to-purple ramp that stays behind the data.
 */
void
currents_plot_theme_init (CurrentsPlotTheme *theme,
                          gboolean           dark)
{
  static const guint32 light_palette[CURRENTS_PLOT_PALETTE_SIZE] = {
    0xe66100, /* orange 4 */
    0x26a269, /* green 5 */
    0xc01c28, /* red 4 */
    0x813d9c, /* purple 4 */
    0x1c71d8, /* blue 4 */
    0xc88800, /* yellow 6 */
    0x865e3c, /* brown 4 */
    0x3d3846, /* dark 2 */
  };
  static const guint32 dark_palette[CURRENTS_PLOT_PALETTE_SIZE] = {
    0xffa348, /* orange 2 */
    0x57e389, /* green 2 */
    0xf66151, /* red 2 */
    0xdc8add, /* purple 2 */
    0x62a0ea, /* blue 2 */
    0xf8e45c, /* yellow 2 */
    0xcdab8f, /* brown 2 */
    0xdeddda, /* light 3 */
  };
  /* Basins: light tints that stay behind the arrows, the field's blue last. */
  static const guint32 light_basins[CURRENTS_PLOT_PALETTE_SIZE] = {
    0x8ff0a4, /* green 1 */
    0xf9f06b, /* yellow 1 */
    0xf66151, /* red 1 */
    0xdc8add, /* purple 1 */
    0xffbe6f, /* orange 1 */
    0xcdab8f, /* brown 1 */
    0x99c1f1, /* blue 1 */
    0xc0bfbc, /* light 4 */
  };
  static const guint32 dark_basins[CURRENTS_PLOT_PALETTE_SIZE] = {
    0x33d17a, /* green 3 */
    0xf6d32d, /* yellow 3 */
    0xe01b24, /* red 3 */
    0x9141ac, /* purple 3 */
    0xff7800, /* orange 3 */
    0x986a44, /* brown 3 */
    0x3584e4, /* blue 3 */
    0x77767b, /* dark 1 */
  };
  const guint32 *palette = dark ? dark_palette : light_palette;
  const guint32 *basins = dark ? dark_basins : light_basins;

  g_return_if_fail (theme != NULL);

  memset (theme, 0, sizeof *theme);
  theme->dark = dark;
  if (dark)
    {
      theme->background = rgb (0x242424);
      theme->plot_background = rgb (0x1e1e1e);
      theme->foreground = rgba (0xffffff, 0.85);
      theme->frame = rgba (0xffffff, 0.35);
      theme->grid = rgba (0xffffff, 0.07);
      theme->trajectory = rgba (0xdeddda, 0.55);
      theme->highlight = rgb (0xffffff);
      theme->field[0] = rgba (0x1a5fb4, 0.9);
      theme->field[1] = rgb (0x3584e4);
      theme->field[2] = rgb (0x62a0ea);
      theme->field[3] = rgb (0x99c1f1);
      theme->nullcline[0] = rgb (0xffa348);
      theme->nullcline[1] = rgb (0xdc8add);
      theme->equilibrium = rgb (0xffffff);
      theme->separatrix = rgb (0x57e389);
      theme->launched = rgba (0xffffff, 0.95);
      theme->basin_alpha = 0.2;
    }
  else
    {
      theme->background = rgb (0xfafafa);
      theme->plot_background = rgb (0xffffff);
      theme->foreground = rgba (0x000000, 0.8);
      theme->frame = rgba (0x000000, 0.35);
      theme->grid = rgba (0x000000, 0.06);
      theme->trajectory = rgba (0x5e5c64, 0.55);
      theme->highlight = rgb (0x241f31);
      theme->field[0] = rgba (0x99c1f1, 0.85);
      theme->field[1] = rgba (0x62a0ea, 0.85);
      theme->field[2] = rgba (0x3584e4, 0.85);
      theme->field[3] = rgba (0x1a5fb4, 0.85);
      theme->nullcline[0] = rgb (0xe66100);
      theme->nullcline[1] = rgb (0x9141ac);
      theme->equilibrium = rgb (0x241f31);
      theme->separatrix = rgb (0x26a269);
      theme->launched = rgba (0x241f31, 0.92);
      theme->basin_alpha = 0.4;
    }
  for (guint i = 0; i < CURRENTS_PLOT_PALETTE_SIZE; i++)
    {
      theme->palette[i] = rgb (palette[i]);
      theme->basin[i] = rgb (basins[i]);
    }
  g_strlcpy (theme->font, "Sans 10", sizeof theme->font);
}

void
currents_plot_theme_palette_color (const CurrentsPlotTheme *theme,
                                   gsize                    index,
                                   CurrentsPlotColor       *color)
{
  *color = theme->palette[index % CURRENTS_PLOT_PALETTE_SIZE];
}

void
currents_plot_theme_field_color (const CurrentsPlotTheme *theme,
                                 double                   s,
                                 CurrentsPlotColor       *color)
{
  const guint n = G_N_ELEMENTS (theme->field);
  double pos;
  guint k;
  double f;

  if (!(s > 0.0))
    s = 0.0;
  if (s > 1.0)
    s = 1.0;
  pos = s * (n - 1);
  k = MIN ((guint) pos, n - 2);
  f = pos - k;
  color->red = (1 - f) * theme->field[k].red + f * theme->field[k + 1].red;
  color->green = (1 - f) * theme->field[k].green + f * theme->field[k + 1].green;
  color->blue = (1 - f) * theme->field[k].blue + f * theme->field[k + 1].blue;
  color->alpha = (1 - f) * theme->field[k].alpha + f * theme->field[k + 1].alpha;
}

void
currents_plot_set_source_color (cairo_t                 *cr,
                                const CurrentsPlotColor *color)
{
  cairo_set_source_rgba (cr, color->red, color->green, color->blue, color->alpha);
}

void
currents_plot_viewport_to_device (const CurrentsPlotViewport *vp,
                                  double                      x,
                                  double                      y,
                                  double                     *dx,
                                  double                     *dy)
{
  *dx = vp->left + (x - vp->xlo) / (vp->xhi - vp->xlo) * vp->width;
  *dy = vp->top + (vp->yhi - y) / (vp->yhi - vp->ylo) * vp->height;
}

void
currents_plot_viewport_to_data (const CurrentsPlotViewport *vp,
                                double                      dx,
                                double                      dy,
                                double                     *x,
                                double                     *y)
{
  *x = vp->xlo + (dx - vp->left) / vp->width * (vp->xhi - vp->xlo);
  *y = vp->yhi - (dy - vp->top) / vp->height * (vp->yhi - vp->ylo);
}

static gboolean
to_device_clamped (const CurrentsPlotViewport *vp,
                   double                      x,
                   double                      y,
                   double                     *dx,
                   double                     *dy)
{
  if (!isfinite (x) || !isfinite (y))
    return FALSE;
  currents_plot_viewport_to_device (vp, x, y, dx, dy);
  *dx = CLAMP (*dx, -DEVICE_LIMIT, DEVICE_LIMIT);
  *dy = CLAMP (*dy, -DEVICE_LIMIT, DEVICE_LIMIT);
  return TRUE;
}

guint
currents_plot_nice_ticks (double  lo,
                          double  hi,
                          guint   target,
                          double *first,
                          double *step,
                          int    *decimals)
{
  double range = hi - lo;
  double raw, mag, norm, nice, s, f;
  guint count;
  int d;

  *first = lo;
  *step = 0.0;
  *decimals = 0;
  if (!isfinite (lo) || !isfinite (hi) || !(range > 0.0))
    return 0;

  raw = range / MAX (target, 1u);
  mag = pow (10.0, floor (log10 (raw)));
  norm = raw / mag;
  if (norm < 1.5)
    nice = 1.0;
  else if (norm < 2.25)
    nice = 2.0;
  else if (norm < 3.5)
    nice = 2.5;
  else if (norm < 7.5)
    nice = 5.0;
  else
    nice = 10.0;
  s = nice * mag;

  f = ceil (lo / s - 1e-9) * s;
  count = (guint) floor ((hi - f) / s + 1e-9) + 1;

  /* The fewest decimals that write the step exactly. */
  for (d = 0; d < 12; d++)
    {
      double scaled = s * pow (10.0, d);

      if (fabs (scaled - round (scaled)) < 1e-6 * scaled)
        break;
    }

  *first = f;
  *step = s;
  *decimals = d;
  return count;
}

char *
currents_plot_format_tick (double value,
                           int    decimals)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  double mag = fabs (value);

  if (mag >= 1e6 || (mag > 0.0 && decimals > 6))
    g_snprintf (buf, sizeof buf, "%.3g", mag);
  else
    g_snprintf (buf, sizeof buf, "%.*f", decimals, mag);

  /* No "−0": a value that prints as zero is zero. */
  if (value < 0.0 && strspn (buf, "0.,") != strlen (buf))
    return g_strconcat ("\u2212", buf, NULL);
  return g_strdup (buf);
}

void
currents_plot_pad_range (double *lo,
                         double *hi,
                         double  fraction)
{
  double span;

  if (!isfinite (*lo) || !isfinite (*hi))
    {
      *lo = -1.0;
      *hi = 1.0;
      return;
    }
  if (*hi < *lo)
    {
      double t = *lo;

      *lo = *hi;
      *hi = t;
    }
  span = *hi - *lo;
  if (span <= 1e-12 * MAX (fabs (*lo), fabs (*hi)) || span == 0.0)
    {
      double half = MAX (1.0, 0.1 * fabs (*lo));

      *lo -= half;
      *hi += half;
      return;
    }
  *lo -= fraction * span;
  *hi += fraction * span;
}

PangoLayout *
_currents_plot_create_layout (cairo_t                 *cr,
                              const CurrentsPlotTheme *theme,
                              gboolean                 italic,
                              double                   scale)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (theme->font);

  if (italic)
    pango_font_description_set_style (desc, PANGO_STYLE_ITALIC);
  if (scale != 1.0)
    {
      int size = pango_font_description_get_size (desc);

      if (pango_font_description_get_size_is_absolute (desc))
        pango_font_description_set_absolute_size (desc, size * scale);
      else
        pango_font_description_set_size (desc, (int) (size * scale));
    }
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  return layout;
}

void
_currents_plot_text_size (PangoLayout *layout,
                          const char  *text,
                          double      *width,
                          double      *height)
{
  int w, h;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  if (width != NULL)
    *width = w;
  if (height != NULL)
    *height = h;
}

static guint
x_tick_target (const CurrentsPlotViewport *vp)
{
  return (guint) CLAMP (vp->width / 90.0, 2.0, 12.0);
}

static guint
y_tick_target (const CurrentsPlotViewport *vp)
{
  return (guint) CLAMP (vp->height / 60.0, 2.0, 12.0);
}

void
currents_plot_layout (cairo_t                 *cr,
                      const CurrentsPlotTheme *theme,
                      double                   width,
                      double                   height,
                      double                   xlo,
                      double                   xhi,
                      double                   ylo,
                      double                   yhi,
                      double                   right_extra,
                      CurrentsPlotViewport    *vp)
{
  currents_plot_layout_full (cr, theme, width, height, xlo, xhi, ylo, yhi, right_extra, 0.0, vp);
}

void
currents_plot_layout_full (cairo_t                 *cr,
                           const CurrentsPlotTheme *theme,
                           double                   width,
                           double                   height,
                           double                   xlo,
                           double                   xhi,
                           double                   ylo,
                           double                   yhi,
                           double                   right_extra,
                           double                   top_extra,
                           CurrentsPlotViewport    *vp)
{
  g_autoptr(PangoLayout) layout = _currents_plot_create_layout (cr, theme, FALSE, 1.0);
  double em, label_w = 0.0, gap, pad;
  double first, step;
  int decimals;
  guint n;

  _currents_plot_text_size (layout, "0", NULL, &em);
  gap = 0.35 * em;
  pad = 0.9 * em;

  vp->xlo = xlo;
  vp->xhi = xhi;
  vp->ylo = ylo;
  vp->yhi = yhi;
  vp->top = pad + MAX (top_extra, 0.0);
  vp->height = height - vp->top - (TICK_LENGTH + gap + em + gap + em + pad);
  vp->height = MAX (vp->height, 1.0);

  n = currents_plot_nice_ticks (ylo, yhi, y_tick_target (vp), &first, &step, &decimals);
  for (guint k = 0; k < n; k++)
    {
      g_autofree char *label = currents_plot_format_tick (first + k * step, decimals);
      double w;

      _currents_plot_text_size (layout, label, &w, NULL);
      label_w = MAX (label_w, w);
    }

  vp->left = pad + em + 2 * gap + label_w + gap + TICK_LENGTH;
  vp->width = width - vp->left - pad - right_extra - 0.5 * em;
  vp->width = MAX (vp->width, 1.0);
}

void
currents_plot_draw_background (cairo_t                    *cr,
                               const CurrentsPlotTheme    *theme,
                               double                      width,
                               double                      height,
                               const CurrentsPlotViewport *vp)
{
  cairo_save (cr);
  currents_plot_set_source_color (cr, &theme->background);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  currents_plot_set_source_color (cr, &theme->plot_background);
  cairo_rectangle (cr, vp->left, vp->top, vp->width, vp->height);
  cairo_fill (cr);
  cairo_restore (cr);
}

double
_currents_plot_crisp (double v)
{
  return floor (v) + 0.5;
}

void
currents_plot_draw_grid (cairo_t                    *cr,
                         const CurrentsPlotTheme    *theme,
                         const CurrentsPlotViewport *vp)
{
  double first, step, dx, dy;
  int decimals;
  guint n;

  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  currents_plot_set_source_color (cr, &theme->grid);

  n = currents_plot_nice_ticks (vp->xlo, vp->xhi, x_tick_target (vp), &first, &step, &decimals);
  for (guint k = 0; k < n; k++)
    {
      currents_plot_viewport_to_device (vp, first + k * step, vp->ylo, &dx, &dy);
      cairo_move_to (cr, _currents_plot_crisp (dx), vp->top);
      cairo_line_to (cr, _currents_plot_crisp (dx), vp->top + vp->height);
    }
  n = currents_plot_nice_ticks (vp->ylo, vp->yhi, y_tick_target (vp), &first, &step, &decimals);
  for (guint k = 0; k < n; k++)
    {
      currents_plot_viewport_to_device (vp, vp->xlo, first + k * step, &dx, &dy);
      cairo_move_to (cr, vp->left, _currents_plot_crisp (dy));
      cairo_line_to (cr, vp->left + vp->width, _currents_plot_crisp (dy));
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
_currents_plot_stroke_frame (cairo_t                    *cr,
                             const CurrentsPlotTheme    *theme,
                             const CurrentsPlotViewport *vp)
{
  double right = vp->left + vp->width, bottom = vp->top + vp->height;

  cairo_set_line_width (cr, 1.0);
  currents_plot_set_source_color (cr, &theme->frame);
  cairo_rectangle (cr, _currents_plot_crisp (vp->left), _currents_plot_crisp (vp->top),
                   floor (right) - floor (vp->left), floor (bottom) - floor (vp->top));
  cairo_stroke (cr);
}

void
_currents_plot_draw_x_tick (cairo_t                    *cr,
                            const CurrentsPlotTheme    *theme,
                            const CurrentsPlotViewport *vp,
                            PangoLayout                *layout,
                            double                      dx,
                            double                      length,
                            const char                 *label,
                            double                      gap)
{
  double bottom = vp->top + vp->height, w, h;

  currents_plot_set_source_color (cr, &theme->frame);
  cairo_move_to (cr, _currents_plot_crisp (dx), _currents_plot_crisp (bottom));
  cairo_line_to (cr, _currents_plot_crisp (dx), _currents_plot_crisp (bottom) + length);
  cairo_stroke (cr);
  if (label == NULL)
    return;
  _currents_plot_text_size (layout, label, &w, &h);
  currents_plot_set_source_color (cr, &theme->foreground);
  cairo_move_to (cr, round (dx - w / 2), round (bottom + TICK_LENGTH + gap));
  pango_cairo_show_layout (cr, layout);
}

double
_currents_plot_draw_y_tick (cairo_t                    *cr,
                            const CurrentsPlotTheme    *theme,
                            const CurrentsPlotViewport *vp,
                            PangoLayout                *layout,
                            double                      dy,
                            double                      length,
                            const char                 *label,
                            double                      gap)
{
  double w, h;

  currents_plot_set_source_color (cr, &theme->frame);
  cairo_move_to (cr, _currents_plot_crisp (vp->left), _currents_plot_crisp (dy));
  cairo_line_to (cr, _currents_plot_crisp (vp->left) - length, _currents_plot_crisp (dy));
  cairo_stroke (cr);
  if (label == NULL)
    return 0.0;
  _currents_plot_text_size (layout, label, &w, &h);
  currents_plot_set_source_color (cr, &theme->foreground);
  cairo_move_to (cr, round (vp->left - TICK_LENGTH - gap - w), round (dy - h / 2));
  pango_cairo_show_layout (cr, layout);
  return w;
}

void
_currents_plot_draw_titles (cairo_t                    *cr,
                            const CurrentsPlotTheme    *theme,
                            const CurrentsPlotViewport *vp,
                            PangoLayout                *title,
                            const char                 *x_label,
                            double                      x_title_top,
                            const char                 *y_label,
                            double                      y_title_right)
{
  double w, h;

  currents_plot_set_source_color (cr, &theme->foreground);
  if (x_label != NULL && *x_label != '\0')
    {
      _currents_plot_text_size (title, x_label, &w, &h);
      cairo_move_to (cr, round (vp->left + (vp->width - w) / 2), round (x_title_top));
      pango_cairo_show_layout (cr, title);
    }
  if (y_label != NULL && *y_label != '\0')
    {
      _currents_plot_text_size (title, y_label, &w, &h);
      cairo_save (cr);
      cairo_move_to (cr, round (y_title_right - h), round (vp->top + (vp->height + w) / 2));
      cairo_rotate (cr, -G_PI / 2);
      pango_cairo_update_layout (cr, title);
      pango_cairo_show_layout (cr, title);
      cairo_restore (cr);
    }
}

void
currents_plot_draw_axes (cairo_t                    *cr,
                         const CurrentsPlotTheme    *theme,
                         const CurrentsPlotViewport *vp,
                         const char                 *x_label,
                         const char                 *y_label)
{
  g_autoptr(PangoLayout) layout = _currents_plot_create_layout (cr, theme, FALSE, 1.0);
  g_autoptr(PangoLayout) title = _currents_plot_create_layout (cr, theme, TRUE, 1.0);
  double first, step, dx, dy, w, em, gap, label_w = 0.0;
  double bottom = vp->top + vp->height;
  int decimals;
  guint n;

  _currents_plot_text_size (layout, "0", NULL, &em);
  gap = 0.35 * em;

  cairo_save (cr);
  _currents_plot_stroke_frame (cr, theme, vp);

  /* x ticks below the frame, labels centred under them */
  n = currents_plot_nice_ticks (vp->xlo, vp->xhi, x_tick_target (vp), &first, &step, &decimals);
  for (guint k = 0; k < n; k++)
    {
      double v = first + k * step;
      g_autofree char *label = NULL;

      if (fabs (v) < 1e-9 * step)
        v = 0.0;
      label = currents_plot_format_tick (v, decimals);
      currents_plot_viewport_to_device (vp, v, vp->ylo, &dx, &dy);
      _currents_plot_draw_x_tick (cr, theme, vp, layout, dx, TICK_LENGTH, label, gap);
    }

  /* y ticks left of the frame, labels right-aligned */
  n = currents_plot_nice_ticks (vp->ylo, vp->yhi, y_tick_target (vp), &first, &step, &decimals);
  for (guint k = 0; k < n; k++)
    {
      double v = first + k * step;
      g_autofree char *label = NULL;

      if (fabs (v) < 1e-9 * step)
        v = 0.0;
      label = currents_plot_format_tick (v, decimals);
      currents_plot_viewport_to_device (vp, vp->xlo, v, &dx, &dy);
      w = _currents_plot_draw_y_tick (cr, theme, vp, layout, dy, TICK_LENGTH, label, gap);
      label_w = MAX (label_w, w);
    }

  _currents_plot_draw_titles (cr, theme, vp, title, x_label,
                              bottom + TICK_LENGTH + gap + em + gap, y_label,
                              vp->left - TICK_LENGTH - gap - label_w - gap);
  cairo_restore (cr);
}

void
_currents_plot_arrow_head (cairo_t *cr,
                           double   tip_x,
                           double   tip_y,
                           double   ux,
                           double   uy,
                           double   length,
                           double   half_width)
{
  double bx = tip_x - ux * length, by = tip_y - uy * length;

  cairo_move_to (cr, tip_x, tip_y);
  cairo_line_to (cr, bx - uy * half_width, by + ux * half_width);
  cairo_line_to (cr, bx + ux * 0.25 * length, by + uy * 0.25 * length);
  cairo_line_to (cr, bx + uy * half_width, by - ux * half_width);
  cairo_close_path (cr);
}

static double
grid_max_speed (gsize         n,
                const double *fx,
                const double *fy)
{
  double max_speed = 0.0;

  for (gsize k = 0; k < n; k++)
    {
      double s = hypot (fx[k], fy[k]);

      if (isfinite (s) && s > max_speed)
        max_speed = s;
    }
  return max_speed;
}

guint
currents_plot_draw_field (cairo_t                    *cr,
                          const CurrentsPlotTheme    *theme,
                          const CurrentsPlotViewport *vp,
                          gsize                       nx,
                          gsize                       ny,
                          const double               *fx,
                          const double               *fy,
                          CurrentsPlotArrowStyle      style,
                          double                      max_speed)
{
  const double window[4] = { vp->xlo, vp->xhi, vp->ylo, vp->yhi };

  return currents_plot_draw_field_grid (cr, theme, vp, window, nx, ny, fx, fy, style,
                                        max_speed);
}

/* One arrow as one filled outline: a shaft of width @w from (x0, y0) along (ux, uy) to
 * the head's base, and the head, whose tip is @len from the start. One fill per arrow is
 * much cheaper for Cairo than a stroke and a fill, and one path for many arrows costs
 * more than both (its scan conversion spans the whole plot). */
static void
arrow_outline (cairo_t *cr,
               double   x0,
               double   y0,
               double   ux,
               double   uy,
               double   len,
               double   w,
               double   head,
               double   half)
{
  double bx = x0 + ux * (len - head), by = y0 + uy * (len - head);
  double nx = -uy, ny = ux, hw = 0.5 * w;

  cairo_move_to (cr, x0 + nx * hw, y0 + ny * hw);
  cairo_line_to (cr, bx + ux * 0.25 * head + nx * hw, by + uy * 0.25 * head + ny * hw);
  cairo_line_to (cr, bx + nx * half, by + ny * half);
  cairo_line_to (cr, x0 + ux * len, y0 + uy * len);
  cairo_line_to (cr, bx - nx * half, by - ny * half);
  cairo_line_to (cr, bx + ux * 0.25 * head - nx * hw, by + uy * 0.25 * head - ny * hw);
  cairo_line_to (cr, x0 - nx * hw, y0 - ny * hw);
  cairo_close_path (cr);
}

static guint
draw_arrows (cairo_t                    *cr,
             const CurrentsPlotTheme    *theme,
             const CurrentsPlotViewport *vp,
             const double                window[4],
             gsize                       nx,
             gsize                       ny,
             const double               *fx,
             const double               *fy,
             CurrentsPlotArrowStyle      style,
             double                      max_speed)
{
  double sx, sy, cw, ch, full;
  guint drawn = 0;

  sx = vp->width / (vp->xhi - vp->xlo);
  sy = vp->height / (vp->yhi - vp->ylo);
  cw = (window[1] - window[0]) / nx * sx;
  ch = (window[3] - window[2]) / ny * sy;
  full = 0.72 * MIN (cw, ch);

  cairo_save (cr);
  for (gsize j = 0; j < ny; j++)
    for (gsize i = 0; i < nx; i++)
      {
        double vx = fx[j * nx + i], vy = fy[j * nx + i];
        double speed = hypot (vx, vy);
        double s = max_speed > 0.0 ? sqrt (MIN (speed / max_speed, 1.0)) : 0.0;
        double dx = vx * sx, dy = -vy * sy, norm = hypot (dx, dy);
        double len, head, ux, uy, cx, cy;
        CurrentsPlotColor color;

        if (!isfinite (speed) || !isfinite (norm))
          continue;
        currents_plot_viewport_to_device (vp, window[0] + (i + 0.5) * (window[1] - window[0]) / nx,
                                          window[2] + (j + 0.5) * (window[3] - window[2]) / ny,
                                          &cx, &cy);
        if (cx < vp->left - full || cx > vp->left + vp->width + full
            || cy < vp->top - full || cy > vp->top + vp->height + full)
          continue;

        currents_plot_theme_field_color (theme, s, &color);
        currents_plot_set_source_color (cr, &color);
        drawn++;

        len = style == CURRENTS_PLOT_ARROWS_SCALED ? full * MAX (s, 0.12) : full;
        if (norm == 0.0 || len < 2.0)
          {
            cairo_arc (cr, cx, cy, 1.3, 0, 2 * G_PI);
            cairo_fill (cr);
            continue;
          }
        ux = dx / norm;
        uy = dy / norm;
        head = CLAMP (0.36 * len, 3.0, 6.0);
        arrow_outline (cr, cx - ux * len / 2, cy - uy * len / 2, ux, uy, len, 1.1, head,
                       0.42 * head);
        cairo_fill (cr);
      }
  cairo_restore (cr);
  return drawn;
}

/* ---- streamlines ---- */

/* The field of the grid at a device point, bilinear between cell centres, as a device
 * velocity; FALSE where it is not finite. */
typedef struct
{
  const CurrentsPlotViewport *vp;
  const double               *window;
  gsize                       nx, ny;
  const double               *fx, *fy;
  double                      sx, sy;
} GridField;

static gboolean
grid_field_at (const GridField *g,
               double           px,
               double           py,
               double          *vx,
               double          *vy,
               double          *speed)
{
  double x, y, gi, gj, a, b, fx = 0.0, fy = 0.0;
  gsize i0, j0, i1, j1;

  currents_plot_viewport_to_data (g->vp, px, py, &x, &y);
  gi = (x - g->window[0]) / (g->window[1] - g->window[0]) * g->nx - 0.5;
  gj = (y - g->window[2]) / (g->window[3] - g->window[2]) * g->ny - 0.5;
  if (!(gi > -1.0 && gi < g->nx && gj > -1.0 && gj < g->ny))
    return FALSE;
  gi = CLAMP (gi, 0.0, g->nx - 1.0);
  gj = CLAMP (gj, 0.0, g->ny - 1.0);
  i0 = (gsize) gi;
  j0 = (gsize) gj;
  i1 = MIN (i0 + 1, g->nx - 1);
  j1 = MIN (j0 + 1, g->ny - 1);
  a = gi - i0;
  b = gj - j0;
#define AT(arr, i, j) (arr)[(j) * g->nx + (i)]
  fx = (1 - a) * (1 - b) * AT (g->fx, i0, j0) + a * (1 - b) * AT (g->fx, i1, j0)
       + (1 - a) * b * AT (g->fx, i0, j1) + a * b * AT (g->fx, i1, j1);
  fy = (1 - a) * (1 - b) * AT (g->fy, i0, j0) + a * (1 - b) * AT (g->fy, i1, j0)
       + (1 - a) * b * AT (g->fy, i0, j1) + a * b * AT (g->fy, i1, j1);
#undef AT
  if (!isfinite (fx) || !isfinite (fy))
    return FALSE;
  *speed = hypot (fx, fy);
  *vx = fx * g->sx;
  *vy = -fy * g->sy;
  return TRUE;
}

typedef struct
{
  double  x0, y0;     /* the occupancy grid's origin and cell size */
  double  cell;
  int     cols, rows;
  guint  *owner;      /* 0: free, else streamline id */
} Occupancy;

static guint *
occupancy_cell (Occupancy *occ,
                double     px,
                double     py)
{
  int c = (int) floor ((px - occ->x0) / occ->cell);
  int r = (int) floor ((py - occ->y0) / occ->cell);

  if (c < 0 || r < 0 || c >= occ->cols || r >= occ->rows)
    return NULL;
  return &occ->owner[r * occ->cols + c];
}

/* Free within one cell around (px, py) of any line but @id. */
static gboolean
occupancy_free (Occupancy *occ,
                double     px,
                double     py,
                guint      id)
{
  for (int dr = -1; dr <= 1; dr++)
    for (int dc = -1; dc <= 1; dc++)
      {
        guint *o = occupancy_cell (occ, px + dc * occ->cell, py + dr * occ->cell);

        if (o != NULL && *o != 0 && *o != id && (dr == 0 || dc == 0))
          return FALSE;
      }
  return TRUE;
}

/* Follows the normalised field from (px, py) in @dir (±1) with midpoint steps of @h
 * device units; appends (x, y, speed) triples to @out. */
static void
trace_streamline (const GridField            *g,
                  Occupancy                  *occ,
                  guint                       id,
                  double                      px,
                  double                      py,
                  double                      dir,
                  double                      h,
                  double                      min_speed,
                  GArray                     *out)
{
  const CurrentsPlotViewport *vp = g->vp;
  const guint max_steps = (guint) (4.0 * (vp->width + vp->height) / h);

  for (guint step = 0; step < max_steps; step++)
    {
      double vx, vy, sp, n, mx, my, vx2, vy2, sp2, n2;
      double point[3];

      if (!grid_field_at (g, px, py, &vx, &vy, &sp) || sp <= min_speed)
        break;
      n = hypot (vx, vy);
      if (!(n > 0.0))
        break;
      mx = px + dir * 0.5 * h * vx / n;
      my = py + dir * 0.5 * h * vy / n;
      if (!grid_field_at (g, mx, my, &vx2, &vy2, &sp2))
        break;
      n2 = hypot (vx2, vy2);
      if (!(n2 > 0.0))
        break;
      px += dir * h * vx2 / n2;
      py += dir * h * vy2 / n2;
      if (px < vp->left || px > vp->left + vp->width || py < vp->top
          || py > vp->top + vp->height)
        break;
      if (!occupancy_free (occ, px, py, id))
        break;
      point[0] = px;
      point[1] = py;
      point[2] = sp2;
      g_array_append_vals (out, point, 1);
    }
}

static guint
draw_streamlines (cairo_t                    *cr,
                  const CurrentsPlotTheme    *theme,
                  const CurrentsPlotViewport *vp,
                  const double                window[4],
                  gsize                       nx,
                  gsize                       ny,
                  const double               *fx,
                  const double               *fy,
                  double                      max_speed)
{
  GridField g = { vp, window, nx, ny, fx, fy, 0, 0 };
  double sep, h;
  Occupancy occ;
  g_autoptr(GArray) back = g_array_new (FALSE, FALSE, 3 * sizeof (double));
  g_autoptr(GArray) fwd = g_array_new (FALSE, FALSE, 3 * sizeof (double));
  g_autoptr(GArray) line = g_array_new (FALSE, FALSE, 3 * sizeof (double));
  guint drawn = 0, id = 0;
  int seeds_x, seeds_y;

  g.sx = vp->width / (vp->xhi - vp->xlo);
  g.sy = vp->height / (vp->yhi - vp->ylo);
  /* Lines about as far apart as the arrows would be. */
  sep = MAX (12.0, 0.9 * MIN ((window[1] - window[0]) / nx * g.sx,
                              (window[3] - window[2]) / ny * g.sy));
  h = MAX (1.0, 0.12 * sep);

  occ.cell = 0.5 * sep;
  occ.x0 = vp->left;
  occ.y0 = vp->top;
  occ.cols = (int) ceil (vp->width / occ.cell) + 1;
  occ.rows = (int) ceil (vp->height / occ.cell) + 1;
  occ.owner = g_new0 (guint, (gsize) occ.cols * occ.rows);

  cairo_save (cr);
  cairo_set_line_width (cr, 1.2);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

  seeds_x = MAX (1, (int) floor (vp->width / sep));
  seeds_y = MAX (1, (int) floor (vp->height / sep));
  /* Seeds in a fixed interleaved order, so the picture is the same every time and the
   * first lines spread over the whole plane. */
  for (int pass = 0; pass < 4; pass++)
    for (int r = pass / 2; r < seeds_y; r += 2)
      for (int c = pass % 2; c < seeds_x; c += 2)
        {
          double px = vp->left + (c + 0.5) * vp->width / seeds_x;
          double py = vp->top + (r + 0.5) * vp->height / seeds_y;
          double seed[3], vx, vy, sp, length = 0.0;
          gsize mid;

          if (!occupancy_free (&occ, px, py, G_MAXUINT)
              || !grid_field_at (&g, px, py, &vx, &vy, &sp))
            continue;
          id++;
          g_array_set_size (back, 0);
          g_array_set_size (fwd, 0);
          g_array_set_size (line, 0);
          trace_streamline (&g, &occ, id, px, py, -1.0, h, 1e-9 * max_speed, back);
          trace_streamline (&g, &occ, id, px, py, 1.0, h, 1e-9 * max_speed, fwd);
          for (guint k = back->len; k > 0; k--)
            g_array_append_vals (line, &g_array_index (back, double, 3 * (k - 1)), 1);
          seed[0] = px;
          seed[1] = py;
          seed[2] = sp;
          g_array_append_vals (line, seed, 1);
          g_array_append_vals (line, fwd->data, fwd->len);
          for (guint k = 1; k < line->len; k++)
            {
              const double *a = &g_array_index (line, double, 3 * (k - 1));
              const double *b = &g_array_index (line, double, 3 * k);
              length += hypot (b[0] - a[0], b[1] - a[1]);
            }
          if (length < 0.8 * sep)
            continue;

          for (guint k = 0; k < line->len; k++)
            {
              const double *a = &g_array_index (line, double, 3 * k);
              guint *o = occupancy_cell (&occ, a[0], a[1]);

              if (o != NULL)
                *o = id;
            }

          /* Pieces of a few steps, each in the colour of its speed. */
          for (guint k = 0; k + 1 < line->len; k += 6)
            {
              guint end = MIN (k + 6, line->len - 1);
              const double *a = &g_array_index (line, double, 3 * ((k + end) / 2));
              double s = max_speed > 0.0 ? sqrt (MIN (a[2] / max_speed, 1.0)) : 0.0;
              CurrentsPlotColor color;

              currents_plot_theme_field_color (theme, s, &color);
              currents_plot_set_source_color (cr, &color);
              cairo_move_to (cr, g_array_index (line, double, 3 * k),
                             g_array_index (line, double, 3 * k + 1));
              for (guint q = k + 1; q <= end; q++)
                cairo_line_to (cr, g_array_index (line, double, 3 * q),
                               g_array_index (line, double, 3 * q + 1));
              cairo_stroke (cr);
            }

          /* An arrowhead halfway along, pointing forward in time. */
          mid = line->len / 2;
          if (mid + 1 < line->len)
            {
              const double *a = &g_array_index (line, double, 3 * mid);
              const double *b = &g_array_index (line, double, 3 * (mid + 1));
              double d = hypot (b[0] - a[0], b[1] - a[1]);
              double s = max_speed > 0.0 ? sqrt (MIN (a[2] / max_speed, 1.0)) : 0.0;
              CurrentsPlotColor color;

              if (d > 0.0)
                {
                  currents_plot_theme_field_color (theme, s, &color);
                  currents_plot_set_source_color (cr, &color);
                  _currents_plot_arrow_head (cr, a[0] + 2.5 * (b[0] - a[0]) / d,
                                             a[1] + 2.5 * (b[1] - a[1]) / d,
                                             (b[0] - a[0]) / d, (b[1] - a[1]) / d, 6.0, 2.8);
                  cairo_fill (cr);
                }
            }
          drawn++;
        }
  cairo_restore (cr);
  g_free (occ.owner);
  return drawn;
}

guint
currents_plot_draw_field_grid (cairo_t                    *cr,
                               const CurrentsPlotTheme    *theme,
                               const CurrentsPlotViewport *vp,
                               const double                window[4],
                               gsize                       nx,
                               gsize                       ny,
                               const double               *fx,
                               const double               *fy,
                               CurrentsPlotArrowStyle      style,
                               double                      max_speed)
{
  g_return_val_if_fail (nx > 0 && ny > 0, 0);
  g_return_val_if_fail (window != NULL && window[0] < window[1] && window[2] < window[3], 0);

  if (!(max_speed > 0.0))
    max_speed = grid_max_speed (nx * ny, fx, fy);
  if (style == CURRENTS_PLOT_ARROWS_STREAMLINES)
    return draw_streamlines (cr, theme, vp, window, nx, ny, fx, fy, max_speed);
  return draw_arrows (cr, theme, vp, window, nx, ny, fx, fy, style, max_speed);
}

void
currents_plot_draw_glyph (cairo_t                 *cr,
                          double                   x,
                          double                   y,
                          double                   radius,
                          CurrentsPlotGlyph        glyph,
                          const CurrentsPlotColor *ink,
                          const CurrentsPlotColor *paper)
{
  const double line = MAX (1.2, 0.28 * radius);

  cairo_save (cr);
  cairo_new_path (cr);
  /* A halo in the paper colour keeps the glyph readable over lines. */
  cairo_arc (cr, x, y, radius + 0.5 * line + 1.0, 0, 2 * G_PI);
  currents_plot_set_source_color (cr, paper);
  cairo_fill (cr);

  switch (glyph)
    {
    case CURRENTS_PLOT_GLYPH_STABLE:
      cairo_arc (cr, x, y, radius, 0, 2 * G_PI);
      currents_plot_set_source_color (cr, ink);
      cairo_fill (cr);
      break;
    case CURRENTS_PLOT_GLYPH_SADDLE:
      /* the left half filled */
      cairo_move_to (cr, x, y - radius);
      cairo_arc_negative (cr, x, y, radius, -G_PI / 2, G_PI / 2);
      cairo_close_path (cr);
      currents_plot_set_source_color (cr, ink);
      cairo_fill (cr);
      cairo_arc (cr, x, y, radius - 0.5 * line, 0, 2 * G_PI);
      cairo_set_line_width (cr, line);
      cairo_stroke (cr);
      break;
    case CURRENTS_PLOT_GLYPH_NEUTRAL:
      cairo_arc (cr, x, y, 0.32 * radius, 0, 2 * G_PI);
      currents_plot_set_source_color (cr, ink);
      cairo_fill (cr);
      G_GNUC_FALLTHROUGH;
    case CURRENTS_PLOT_GLYPH_UNSTABLE:
    default:
      cairo_arc (cr, x, y, radius - 0.5 * line, 0, 2 * G_PI);
      currents_plot_set_source_color (cr, ink);
      cairo_set_line_width (cr, line);
      cairo_stroke (cr);
      break;
    }
  cairo_restore (cr);
}

guint
currents_plot_draw_basins (cairo_t                    *cr,
                           const CurrentsPlotTheme    *theme,
                           const CurrentsPlotViewport *vp,
                           const double                window[4],
                           gsize                       nx,
                           gsize                       ny,
                           const int                  *labels,
                           double                      alpha)
{
  cairo_surface_t *image;
  cairo_pattern_t *pattern;
  cairo_matrix_t matrix;
  unsigned char *data;
  double x0, y0, x1, y1;
  guint coloured = 0;
  int stride;

  g_return_val_if_fail (nx > 0 && ny > 0 && labels != NULL, 0);
  g_return_val_if_fail (window[0] < window[1] && window[2] < window[3], 0);

  image = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) nx, (int) ny);
  cairo_surface_flush (image);
  data = cairo_image_surface_get_data (image);
  stride = cairo_image_surface_get_stride (image);
  for (gsize j = 0; j < ny; j++)
    {
      /* image rows go down, grid rows up */
      guint32 *row = (guint32 *) (data + (ny - 1 - j) * stride);

      for (gsize i = 0; i < nx; i++)
        {
          int l = labels[j * nx + i];
          const CurrentsPlotColor *c;
          guint32 a, r, g, b;

          if (l < 0)
            {
              row[i] = 0;
              continue;
            }
          c = &theme->basin[l % CURRENTS_PLOT_PALETTE_SIZE];
          a = (guint32) round (255.0 * CLAMP (c->alpha, 0.0, 1.0));
          r = (guint32) round (c->red * a);
          g = (guint32) round (c->green * a);
          b = (guint32) round (c->blue * a);
          row[i] = (a << 24) | (r << 16) | (g << 8) | b;
          coloured++;
        }
    }
  cairo_surface_mark_dirty (image);

  currents_plot_viewport_to_device (vp, window[0], window[3], &x0, &y0);
  currents_plot_viewport_to_device (vp, window[1], window[2], &x1, &y1);
  pattern = cairo_pattern_create_for_surface (image);
  /* pattern space: image pixels; user space: device */
  cairo_matrix_init_scale (&matrix, nx / (x1 - x0), ny / (y1 - y0));
  cairo_matrix_translate (&matrix, -x0, -y0);
  cairo_pattern_set_matrix (pattern, &matrix);
  cairo_pattern_set_filter (pattern, CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend (pattern, CAIRO_EXTEND_PAD);

  cairo_save (cr);
  cairo_rectangle (cr, MAX (x0, vp->left), MAX (y0, vp->top),
                   MIN (x1, vp->left + vp->width) - MAX (x0, vp->left),
                   MIN (y1, vp->top + vp->height) - MAX (y0, vp->top));
  cairo_clip (cr);
  cairo_set_source (cr, pattern);
  cairo_paint_with_alpha (cr, CLAMP (alpha * theme->basin_alpha, 0.0, 1.0));
  cairo_restore (cr);

  cairo_pattern_destroy (pattern);
  cairo_surface_destroy (image);
  return coloured;
}

/* Next point of the curve from @k on: FALSE at a gap. Points closer than @min_step to
 * the last one drawn are skipped (a long trajectory has thousands inside one pixel),
 * except the last before a gap or the end. */
static gboolean
next_point (const CurrentsPlotViewport *vp,
            const double               *x,
            gsize                       x_stride,
            const double               *y,
            gsize                       y_stride,
            gsize                       n,
            gsize                      *k,
            double                      px,
            double                      py,
            gboolean                    pen_down,
            double                      min_step,
            double                     *dx,
            double                     *dy)
{
  for (; *k < n; (*k)++)
    {
      gboolean last;

      if (!to_device_clamped (vp, x[*k * x_stride], y[*k * y_stride], dx, dy))
        return FALSE;
      last = *k + 1 == n || !isfinite (x[(*k + 1) * x_stride])
             || !isfinite (y[(*k + 1) * y_stride]);
      if (!pen_down || last || fabs (*dx - px) + fabs (*dy - py) >= min_step)
        return TRUE;
    }
  return FALSE;
}

guint
currents_plot_draw_polyline (cairo_t                    *cr,
                             const CurrentsPlotViewport *vp,
                             const double               *x,
                             gsize                       x_stride,
                             const double               *y,
                             gsize                       y_stride,
                             gsize                       n,
                             const CurrentsPlotColor    *color,
                             double                      line_width,
                             double                      arrow_at)
{
  const double min_step = 0.5;
  gboolean pen_down = FALSE;
  double total = 0.0, px = 0.0, py = 0.0;
  guint segments = 0;

  cairo_save (cr);
  currents_plot_set_source_color (cr, color);
  cairo_set_line_width (cr, line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);

  for (gsize k = 0; k < n; k++)
    {
      double dx, dy;

      if (!next_point (vp, x, x_stride, y, y_stride, n, &k, px, py, pen_down, min_step,
                       &dx, &dy))
        {
          pen_down = FALSE;
          continue;
        }
      if (pen_down)
        {
          cairo_line_to (cr, dx, dy);
          total += hypot (dx - px, dy - py);
          segments++;
        }
      else
        cairo_move_to (cr, dx, dy);
      pen_down = TRUE;
      px = dx;
      py = dy;
    }
  cairo_stroke (cr);

  /* An arrowhead at a fraction of the drawn length, if that point is visible. */
  if (arrow_at >= 0.0 && total > 12.0 * line_width)
    {
      double goal = CLAMP (arrow_at, 0.0, 1.0) * total, run = 0.0;

      pen_down = FALSE;
      for (gsize k = 0; k < n; k++)
        {
          double dx, dy, seg;

          if (!next_point (vp, x, x_stride, y, y_stride, n, &k, px, py, pen_down, min_step,
                           &dx, &dy))
            {
              pen_down = FALSE;
              continue;
            }
          seg = pen_down ? hypot (dx - px, dy - py) : 0.0;
          if (pen_down && seg > 0.0 && run + seg >= goal)
            {
              double f = (goal - run) / seg;
              double tx = px + f * (dx - px), ty = py + f * (dy - py);
              double ux = (dx - px) / seg, uy = (dy - py) / seg;
              double head = 3.2 + 2.2 * line_width;

              if (tx >= vp->left && tx <= vp->left + vp->width
                  && ty >= vp->top && ty <= vp->top + vp->height)
                {
                  _currents_plot_arrow_head (cr, tx + ux * head / 2, ty + uy * head / 2, ux, uy,
                                             head, 0.45 * head);
                  cairo_fill (cr);
                }
              break;
            }
          run += seg;
          pen_down = TRUE;
          px = dx;
          py = dy;
        }
    }
  cairo_restore (cr);
  return segments;
}

guint
currents_plot_draw_markers (cairo_t                    *cr,
                            const CurrentsPlotViewport *vp,
                            const double               *x,
                            gsize                       x_stride,
                            const double               *y,
                            gsize                       y_stride,
                            gsize                       n,
                            const CurrentsPlotColor    *color,
                            const CurrentsPlotColor    *outline,
                            double                      radius)
{
  guint drawn = 0;
  /* Many markers (a million samples): one per cell of half a radius is all that shows,
   * so the others are left out — the picture is the same, and drawing it stays cheap. */
  double cell = MAX (1.0, 0.5 * radius);
  gsize cols = (gsize) ceil ((vp->width + 2 * radius) / cell) + 1;
  gsize rows = (gsize) ceil ((vp->height + 2 * radius) / cell) + 1;
  g_autofree guint8 *taken = n > 256 && cols * rows < ((gsize) 1 << 26)
                             ? g_malloc0 ((cols * rows + 7) / 8) : NULL;

  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  for (gsize k = 0; k < n; k++)
    {
      double dx, dy;

      if (!to_device_clamped (vp, x[k * x_stride], y[k * y_stride], &dx, &dy))
        continue;
      if (dx < vp->left - radius || dx > vp->left + vp->width + radius
          || dy < vp->top - radius || dy > vp->top + vp->height + radius)
        continue;
      if (taken != NULL)
        {
          gsize c = (gsize) ((dx - vp->left + radius) / cell), r = (gsize) ((dy - vp->top + radius) / cell);
          gsize bit = MIN (r, rows - 1) * cols + MIN (c, cols - 1);

          if (taken[bit / 8] & (1u << (bit % 8)))
            continue;
          taken[bit / 8] |= (guint8) (1u << (bit % 8));
        }
      cairo_new_sub_path (cr);
      cairo_arc (cr, dx, dy, radius, 0, 2 * G_PI);
      drawn++;
    }
  currents_plot_set_source_color (cr, color);
  if (outline != NULL)
    {
      cairo_fill_preserve (cr);
      currents_plot_set_source_color (cr, outline);
      cairo_stroke (cr);
    }
  else
    cairo_fill (cr);
  cairo_restore (cr);
  return drawn;
}

#define LEGEND_SYMBOL_WIDTH 22.0

void
currents_plot_measure_legend (cairo_t                       *cr,
                              const CurrentsPlotTheme       *theme,
                              const CurrentsPlotLegendEntry *entries,
                              gsize                          n_entries,
                              double                        *width,
                              double                        *height)
{
  currents_plot_measure_legend_columns (cr, theme, entries, n_entries, 1, width, height);
}

/* Entry k goes in column k / rows, row k % rows. */
static guint
legend_rows (gsize n_entries,
             guint columns)
{
  return (guint) ((n_entries + MAX (columns, 1) - 1) / MAX (columns, 1));
}

static double
legend_column_width (PangoLayout                   *layout,
                     const CurrentsPlotLegendEntry *entries,
                     gsize                          n_entries,
                     guint                          rows,
                     guint                          column,
                     double                         em)
{
  double text_w = 0.0;

  for (gsize k = (gsize) column * rows; k < MIN ((gsize) (column + 1) * rows, n_entries); k++)
    {
      double w;

      _currents_plot_text_size (layout, entries[k].label, &w, NULL);
      if (entries[k].symbol != CURRENTS_PLOT_LEGEND_TEXT)
        w += LEGEND_SYMBOL_WIDTH + 0.5 * em;
      text_w = MAX (text_w, w);
    }
  return text_w;
}

void
currents_plot_measure_legend_columns (cairo_t                       *cr,
                                      const CurrentsPlotTheme       *theme,
                                      const CurrentsPlotLegendEntry *entries,
                                      gsize                          n_entries,
                                      guint                          columns,
                                      double                        *width,
                                      double                        *height)
{
  g_autoptr(PangoLayout) layout = _currents_plot_create_layout (cr, theme, FALSE, 1.0);
  guint rows = legend_rows (n_entries, columns);
  double em, w = 0.0;

  _currents_plot_text_size (layout, "0", NULL, &em);
  columns = rows > 0 ? (guint) ((n_entries + rows - 1) / rows) : 0;
  for (guint c = 0; c < columns; c++)
    w += legend_column_width (layout, entries, n_entries, rows, c, em) + (c > 0 ? 1.2 * em : 0.0);
  *width = n_entries > 0 ? w + 1.4 * em : 0.0;
  *height = n_entries > 0 ? rows * 1.3 * em + 0.8 * em : 0.0;
}

static void
rounded_rectangle (cairo_t *cr,
                   double   x,
                   double   y,
                   double   w,
                   double   h,
                   double   r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

void
currents_plot_draw_legend (cairo_t                       *cr,
                           const CurrentsPlotTheme       *theme,
                           const CurrentsPlotViewport    *vp,
                           const CurrentsPlotLegendEntry *entries,
                           gsize                          n_entries,
                           CurrentsPlotCorner             corner)
{
  currents_plot_draw_legend_columns (cr, theme, vp, entries, n_entries, 1, corner);
}

void
currents_plot_draw_legend_columns (cairo_t                       *cr,
                                   const CurrentsPlotTheme       *theme,
                                   const CurrentsPlotViewport    *vp,
                                   const CurrentsPlotLegendEntry *entries,
                                   gsize                          n_entries,
                                   guint                          columns,
                                   CurrentsPlotCorner             corner)
{
  g_autoptr(PangoLayout) layout = _currents_plot_create_layout (cr, theme, FALSE, 1.0);
  double em, w, h, x, y, margin, column_x;
  CurrentsPlotColor bg = theme->plot_background;
  guint rows = legend_rows (n_entries, columns);

  if (n_entries == 0)
    return;

  _currents_plot_text_size (layout, "0", NULL, &em);
  currents_plot_measure_legend_columns (cr, theme, entries, n_entries, columns, &w, &h);
  margin = 0.7 * em;
  x = (corner == CURRENTS_PLOT_CORNER_TOP_LEFT || corner == CURRENTS_PLOT_CORNER_BOTTOM_LEFT)
      ? vp->left + margin : vp->left + vp->width - margin - w;
  y = (corner == CURRENTS_PLOT_CORNER_TOP_LEFT || corner == CURRENTS_PLOT_CORNER_TOP_RIGHT)
      ? vp->top + margin : vp->top + vp->height - margin - h;
  x = round (x);
  y = round (y);

  cairo_save (cr);
  bg.alpha = 0.88;
  rounded_rectangle (cr, x + 0.5, y + 0.5, w, h, 0.4 * em);
  currents_plot_set_source_color (cr, &bg);
  cairo_fill_preserve (cr);
  cairo_set_line_width (cr, 1.0);
  currents_plot_set_source_color (cr, &theme->frame);
  cairo_stroke (cr);

  column_x = x + 0.7 * em;
  for (gsize k = 0; k < n_entries; k++)
    {
      const CurrentsPlotLegendEntry *e = &entries[k];
      double row = y + 0.4 * em + (k % rows) * 1.3 * em;
      double mid = row + 0.65 * em;
      double tx, th;

      if (k > 0 && k % rows == 0)
        column_x += legend_column_width (layout, entries, n_entries, rows, (guint) (k / rows) - 1,
                                         em) + 1.2 * em;
      tx = column_x;

      switch (e->symbol)
        {
        case CURRENTS_PLOT_LEGEND_TEXT:
          break;
        case CURRENTS_PLOT_LEGEND_GLYPH:
          currents_plot_draw_glyph (cr, tx + LEGEND_SYMBOL_WIDTH / 2, mid, 0.36 * em, e->glyph,
                                    &e->color, &e->paper);
          break;
        case CURRENTS_PLOT_LEGEND_PATCH:
          currents_plot_set_source_color (cr, &e->color);
          rounded_rectangle (cr, tx + 2, mid - 0.4 * em, LEGEND_SYMBOL_WIDTH - 4, 0.8 * em,
                             0.15 * em);
          cairo_fill (cr);
          break;
        case CURRENTS_PLOT_LEGEND_LINE:
        case CURRENTS_PLOT_LEGEND_LINE_MARKER:
        case CURRENTS_PLOT_LEGEND_MARKER:
        case CURRENTS_PLOT_LEGEND_DASHED:
        default:
          currents_plot_set_source_color (cr, &e->color);
          if (e->symbol != CURRENTS_PLOT_LEGEND_MARKER)
            {
              const double dash[] = { 4.0, 3.0 };

              cairo_set_line_width (cr, e->line_width > 0 ? e->line_width : 1.5);
              if (e->symbol == CURRENTS_PLOT_LEGEND_DASHED)
                cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
              cairo_move_to (cr, tx, mid);
              cairo_line_to (cr, tx + LEGEND_SYMBOL_WIDTH, mid);
              cairo_stroke (cr);
              cairo_set_dash (cr, NULL, 0, 0.0);
            }
          if (e->symbol == CURRENTS_PLOT_LEGEND_LINE_MARKER
              || e->symbol == CURRENTS_PLOT_LEGEND_MARKER)
            {
              cairo_arc (cr, tx + LEGEND_SYMBOL_WIDTH / 2, mid, 3.0, 0, 2 * G_PI);
              cairo_fill (cr);
            }
          break;
        }
      if (e->symbol != CURRENTS_PLOT_LEGEND_TEXT)
        tx += LEGEND_SYMBOL_WIDTH + 0.5 * em;
      _currents_plot_text_size (layout, e->label, NULL, &th);
      currents_plot_set_source_color (cr, &theme->foreground);
      cairo_move_to (cr, round (tx), round (mid - th / 2));
      pango_cairo_show_layout (cr, layout);
    }
  cairo_restore (cr);
}

#define COLORBAR_GAP   14.0
#define COLORBAR_WIDTH 10.0

static guint
colorbar_ticks (const CurrentsPlotViewport *vp,
                double                      max_value,
                double                     *first,
                double                     *step,
                int                        *decimals)
{
  double h = vp != NULL ? vp->height : 300.0;

  return currents_plot_nice_ticks (0.0, max_value, (guint) CLAMP (h / 90.0, 2.0, 5.0),
                                   first, step, decimals);
}

double
currents_plot_colorbar_width (cairo_t                 *cr,
                              const CurrentsPlotTheme *theme,
                              const char              *label,
                              double                   max_value)
{
  g_autoptr(PangoLayout) layout = _currents_plot_create_layout (cr, theme, FALSE, 1.0);
  double first, step, w, em, label_w = 0.0, caption_w = 0.0;
  int decimals;
  guint n = colorbar_ticks (NULL, max_value, &first, &step, &decimals);

  _currents_plot_text_size (layout, "0", NULL, &em);
  for (guint k = 0; k < n; k++)
    {
      g_autofree char *tick = currents_plot_format_tick (first + k * step, decimals);

      _currents_plot_text_size (layout, tick, &w, NULL);
      label_w = MAX (label_w, w);
    }
  if (label != NULL)
    _currents_plot_text_size (layout, label, &caption_w, NULL);
  return COLORBAR_GAP + MAX (COLORBAR_WIDTH + TICK_LENGTH + 0.35 * em + label_w + 1.0 * em,
                             caption_w - 0.5 * em);
}

void
currents_plot_draw_colorbar (cairo_t                    *cr,
                             const CurrentsPlotTheme    *theme,
                             const CurrentsPlotViewport *vp,
                             const char                 *label,
                             double                      max_value)
{
  g_autoptr(PangoLayout) layout = _currents_plot_create_layout (cr, theme, FALSE, 1.0);
  double em, first, step, w, h, x, top, height, bottom;
  int decimals;
  guint n, steps;

  if (!(max_value > 0.0) || !isfinite (max_value))
    return;

  _currents_plot_text_size (layout, "0", NULL, &em);
  x = round (vp->left + vp->width + COLORBAR_GAP);
  top = round (vp->top + (label != NULL ? 1.6 * em : 0.0));
  bottom = round (vp->top + vp->height);
  height = bottom - top;
  if (height < 2 * em)
    return;

  cairo_save (cr);

  /* The bar is drawn in the same square-root scale the arrows use. */
  steps = (guint) MAX (height, 2.0);
  for (guint k = 0; k < steps; k++)
    {
      CurrentsPlotColor c;

      currents_plot_theme_field_color (theme, (k + 0.5) / steps, &c);
      currents_plot_set_source_color (cr, &c);
      cairo_rectangle (cr, x, bottom - (k + 1) * height / steps, COLORBAR_WIDTH,
                       height / steps + 0.5);
      cairo_fill (cr);
    }
  cairo_set_line_width (cr, 1.0);
  currents_plot_set_source_color (cr, &theme->frame);
  cairo_rectangle (cr, x + 0.5, top + 0.5, COLORBAR_WIDTH - 1.0, height - 1.0);
  cairo_stroke (cr);

  n = colorbar_ticks (vp, max_value, &first, &step, &decimals);
  for (guint k = 0; k < n; k++)
    {
      double v = first + k * step;
      double ty = bottom - sqrt (v / max_value) * height;
      g_autofree char *tick = currents_plot_format_tick (v, decimals);

      currents_plot_set_source_color (cr, &theme->frame);
      cairo_move_to (cr, x + COLORBAR_WIDTH, _currents_plot_crisp (ty));
      cairo_line_to (cr, x + COLORBAR_WIDTH + TICK_LENGTH, _currents_plot_crisp (ty));
      cairo_stroke (cr);
      _currents_plot_text_size (layout, tick, &w, &h);
      currents_plot_set_source_color (cr, &theme->foreground);
      cairo_move_to (cr, round (x + COLORBAR_WIDTH + TICK_LENGTH + 0.35 * em), round (ty - h / 2));
      pango_cairo_show_layout (cr, layout);
    }

  if (label != NULL)
    {
      _currents_plot_text_size (layout, label, &w, &h);
      currents_plot_set_source_color (cr, &theme->foreground);
      cairo_move_to (cr, round (x - 0.25 * em), round (vp->top));
      pango_cairo_show_layout (cr, layout);
    }
  cairo_restore (cr);
}
