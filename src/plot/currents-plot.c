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

/* Cairo keeps coordinates in 24.8 fixed point: keep far-away points representable. */
#define DEVICE_LIMIT 1.0e6

#define TICK_LENGTH 5.0

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
  const guint32 *palette = dark ? dark_palette : light_palette;

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
      theme->trajectory = rgba (0xdeddda, 0.75);
      theme->highlight = rgb (0xffffff);
      theme->field[0] = rgb (0x1a5fb4);
      theme->field[1] = rgb (0x3584e4);
      theme->field[2] = rgb (0x99c1f1);
      theme->field[3] = rgb (0xdc8add);
    }
  else
    {
      theme->background = rgb (0xfafafa);
      theme->plot_background = rgb (0xffffff);
      theme->foreground = rgba (0x000000, 0.8);
      theme->frame = rgba (0x000000, 0.35);
      theme->grid = rgba (0x000000, 0.06);
      theme->trajectory = rgba (0x3d3846, 0.7);
      theme->highlight = rgb (0x241f31);
      theme->field[0] = rgb (0x99c1f1);
      theme->field[1] = rgb (0x3584e4);
      theme->field[2] = rgb (0x1a5fb4);
      theme->field[3] = rgb (0x613583);
    }
  for (guint i = 0; i < CURRENTS_PLOT_PALETTE_SIZE; i++)
    theme->palette[i] = rgb (palette[i]);
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

static PangoLayout *
create_layout (cairo_t                 *cr,
               const CurrentsPlotTheme *theme,
               gboolean                 italic)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (theme->font);

  if (italic)
    pango_font_description_set_style (desc, PANGO_STYLE_ITALIC);
  pango_layout_set_font_description (layout, desc);
  pango_font_description_free (desc);
  return layout;
}

static void
text_size (PangoLayout *layout,
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
  g_autoptr(PangoLayout) layout = create_layout (cr, theme, FALSE);
  double em, label_w = 0.0, gap, pad;
  double first, step;
  int decimals;
  guint n;

  text_size (layout, "0", NULL, &em);
  gap = 0.35 * em;
  pad = 0.9 * em;

  vp->xlo = xlo;
  vp->xhi = xhi;
  vp->ylo = ylo;
  vp->yhi = yhi;
  vp->top = pad;
  vp->height = height - vp->top - (TICK_LENGTH + gap + em + gap + em + pad);
  vp->height = MAX (vp->height, 1.0);

  n = currents_plot_nice_ticks (ylo, yhi, y_tick_target (vp), &first, &step, &decimals);
  for (guint k = 0; k < n; k++)
    {
      g_autofree char *label = currents_plot_format_tick (first + k * step, decimals);
      double w;

      text_size (layout, label, &w, NULL);
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

/* Lines of width 1 on pixel centres look crisp. */
static double
crisp (double v)
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
      cairo_move_to (cr, crisp (dx), vp->top);
      cairo_line_to (cr, crisp (dx), vp->top + vp->height);
    }
  n = currents_plot_nice_ticks (vp->ylo, vp->yhi, y_tick_target (vp), &first, &step, &decimals);
  for (guint k = 0; k < n; k++)
    {
      currents_plot_viewport_to_device (vp, vp->xlo, first + k * step, &dx, &dy);
      cairo_move_to (cr, vp->left, crisp (dy));
      cairo_line_to (cr, vp->left + vp->width, crisp (dy));
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

void
currents_plot_draw_axes (cairo_t                    *cr,
                         const CurrentsPlotTheme    *theme,
                         const CurrentsPlotViewport *vp,
                         const char                 *x_label,
                         const char                 *y_label)
{
  g_autoptr(PangoLayout) layout = create_layout (cr, theme, FALSE);
  g_autoptr(PangoLayout) title = create_layout (cr, theme, TRUE);
  double first, step, dx, dy, w, h, em, gap, label_w = 0.0;
  double right = vp->left + vp->width, bottom = vp->top + vp->height;
  int decimals;
  guint n;

  text_size (layout, "0", NULL, &em);
  gap = 0.35 * em;

  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  currents_plot_set_source_color (cr, &theme->frame);
  cairo_rectangle (cr, crisp (vp->left), crisp (vp->top),
                   floor (right) - floor (vp->left), floor (bottom) - floor (vp->top));
  cairo_stroke (cr);

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
      currents_plot_set_source_color (cr, &theme->frame);
      cairo_move_to (cr, crisp (dx), crisp (bottom));
      cairo_line_to (cr, crisp (dx), crisp (bottom) + TICK_LENGTH);
      cairo_stroke (cr);

      text_size (layout, label, &w, &h);
      currents_plot_set_source_color (cr, &theme->foreground);
      cairo_move_to (cr, round (dx - w / 2), round (bottom + TICK_LENGTH + gap));
      pango_cairo_show_layout (cr, layout);
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
      currents_plot_set_source_color (cr, &theme->frame);
      cairo_move_to (cr, crisp (vp->left), crisp (dy));
      cairo_line_to (cr, crisp (vp->left) - TICK_LENGTH, crisp (dy));
      cairo_stroke (cr);

      text_size (layout, label, &w, &h);
      label_w = MAX (label_w, w);
      currents_plot_set_source_color (cr, &theme->foreground);
      cairo_move_to (cr, round (vp->left - TICK_LENGTH - gap - w), round (dy - h / 2));
      pango_cairo_show_layout (cr, layout);
    }

  currents_plot_set_source_color (cr, &theme->foreground);
  if (x_label != NULL && *x_label != '\0')
    {
      text_size (title, x_label, &w, &h);
      cairo_move_to (cr, round (vp->left + (vp->width - w) / 2),
                     round (bottom + TICK_LENGTH + gap + em + gap));
      pango_cairo_show_layout (cr, title);
    }
  if (y_label != NULL && *y_label != '\0')
    {
      double x;

      text_size (title, y_label, &w, &h);
      x = vp->left - TICK_LENGTH - gap - label_w - gap - h;
      cairo_save (cr);
      cairo_move_to (cr, round (x), round (vp->top + (vp->height + w) / 2));
      cairo_rotate (cr, -G_PI / 2);
      pango_cairo_update_layout (cr, title);
      pango_cairo_show_layout (cr, title);
      cairo_restore (cr);
    }
  cairo_restore (cr);
}

static void
arrow_head (cairo_t *cr,
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
  double sx, sy, cw, ch, full;
  guint drawn = 0;

  g_return_val_if_fail (nx > 0 && ny > 0, 0);

  if (!(max_speed > 0.0))
    {
      max_speed = 0.0;
      for (gsize k = 0; k < nx * ny; k++)
        {
          double s = hypot (fx[k], fy[k]);

          if (isfinite (s) && s > max_speed)
            max_speed = s;
        }
    }

  sx = vp->width / (vp->xhi - vp->xlo);
  sy = vp->height / (vp->yhi - vp->ylo);
  cw = vp->width / nx;
  ch = vp->height / ny;
  full = 0.72 * MIN (cw, ch);

  cairo_save (cr);
  cairo_set_line_width (cr, 1.1);
  cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
  for (gsize j = 0; j < ny; j++)
    for (gsize i = 0; i < nx; i++)
      {
        double vx = fx[j * nx + i], vy = fy[j * nx + i];
        double speed = hypot (vx, vy);
        double s = max_speed > 0.0 ? sqrt (MIN (speed / max_speed, 1.0)) : 0.0;
        double cx = vp->left + (i + 0.5) * cw, cy = vp->top + vp->height - (j + 0.5) * ch;
        double dx = vx * sx, dy = -vy * sy, norm = hypot (dx, dy);
        double len, head, ux, uy;
        CurrentsPlotColor color;

        if (!isfinite (speed) || !isfinite (norm))
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
        cairo_move_to (cr, cx - ux * len / 2, cy - uy * len / 2);
        cairo_line_to (cr, cx + ux * (len / 2 - 0.6 * head), cy + uy * (len / 2 - 0.6 * head));
        cairo_stroke (cr);
        arrow_head (cr, cx + ux * len / 2, cy + uy * len / 2, ux, uy, head, 0.42 * head);
        cairo_fill (cr);
      }
  cairo_restore (cr);
  return drawn;
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
      last = *k + 1 == n || !isfinite (x[(*k + 1) * x_stride]) || !isfinite (y[(*k + 1) * y_stride]);
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
                  arrow_head (cr, tx + ux * head / 2, ty + uy * head / 2, ux, uy, head,
                              0.45 * head);
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
  g_autoptr(PangoLayout) layout = create_layout (cr, theme, FALSE);
  double em, text_w = 0.0;

  text_size (layout, "0", NULL, &em);
  for (gsize k = 0; k < n_entries; k++)
    {
      double w;

      text_size (layout, entries[k].label, &w, NULL);
      if (entries[k].symbol != CURRENTS_PLOT_LEGEND_TEXT)
        w += LEGEND_SYMBOL_WIDTH + 0.5 * em;
      text_w = MAX (text_w, w);
    }
  *width = n_entries > 0 ? text_w + 1.4 * em : 0.0;
  *height = n_entries > 0 ? n_entries * 1.3 * em + 0.8 * em : 0.0;
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
  g_autoptr(PangoLayout) layout = create_layout (cr, theme, FALSE);
  double em, w, h, x, y, margin;
  CurrentsPlotColor bg = theme->plot_background;

  if (n_entries == 0)
    return;

  text_size (layout, "0", NULL, &em);
  currents_plot_measure_legend (cr, theme, entries, n_entries, &w, &h);
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

  for (gsize k = 0; k < n_entries; k++)
    {
      const CurrentsPlotLegendEntry *e = &entries[k];
      double row = y + 0.4 * em + k * 1.3 * em;
      double mid = row + 0.65 * em;
      double tx = x + 0.7 * em, th;

      if (e->symbol != CURRENTS_PLOT_LEGEND_TEXT)
        {
          currents_plot_set_source_color (cr, &e->color);
          if (e->symbol != CURRENTS_PLOT_LEGEND_MARKER)
            {
              cairo_set_line_width (cr, e->line_width > 0 ? e->line_width : 1.5);
              cairo_move_to (cr, tx, mid);
              cairo_line_to (cr, tx + LEGEND_SYMBOL_WIDTH, mid);
              cairo_stroke (cr);
            }
          if (e->symbol != CURRENTS_PLOT_LEGEND_LINE)
            {
              cairo_arc (cr, tx + LEGEND_SYMBOL_WIDTH / 2, mid, 3.0, 0, 2 * G_PI);
              cairo_fill (cr);
            }
          tx += LEGEND_SYMBOL_WIDTH + 0.5 * em;
        }
      text_size (layout, e->label, NULL, &th);
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
  g_autoptr(PangoLayout) layout = create_layout (cr, theme, FALSE);
  double first, step, w, em, label_w = 0.0, caption_w = 0.0;
  int decimals;
  guint n = colorbar_ticks (NULL, max_value, &first, &step, &decimals);

  text_size (layout, "0", NULL, &em);
  for (guint k = 0; k < n; k++)
    {
      g_autofree char *tick = currents_plot_format_tick (first + k * step, decimals);

      text_size (layout, tick, &w, NULL);
      label_w = MAX (label_w, w);
    }
  if (label != NULL)
    text_size (layout, label, &caption_w, NULL);
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
  g_autoptr(PangoLayout) layout = create_layout (cr, theme, FALSE);
  double em, first, step, w, h, x, top, height, bottom;
  int decimals;
  guint n, steps;

  if (!(max_value > 0.0) || !isfinite (max_value))
    return;

  text_size (layout, "0", NULL, &em);
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
      cairo_move_to (cr, x + COLORBAR_WIDTH, crisp (ty));
      cairo_line_to (cr, x + COLORBAR_WIDTH + TICK_LENGTH, crisp (ty));
      cairo_stroke (cr);
      text_size (layout, tick, &w, &h);
      currents_plot_set_source_color (cr, &theme->foreground);
      cairo_move_to (cr, round (x + COLORBAR_WIDTH + TICK_LENGTH + 0.35 * em), round (ty - h / 2));
      pango_cairo_show_layout (cr, layout);
    }

  if (label != NULL)
    {
      text_size (layout, label, &w, &h);
      currents_plot_set_source_color (cr, &theme->foreground);
      cairo_move_to (cr, round (x - 0.25 * em), round (vp->top));
      pango_cairo_show_layout (cr, layout);
    }
  cairo_restore (cr);
}
