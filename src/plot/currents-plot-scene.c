/* currents-plot-scene.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-plot"

#include <math.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <gio/gio.h>

#include "currents-plot-scene.h"

#define MAX_ARROWS_PER_SIDE 80

typedef struct
{
  CurrentsPlotCurveKind kind;
  char                 *label;
  gsize                 color_index;
  gsize                 n;
  double               *xy;   /* n × 2, interleaved */
} Curve;

struct _CurrentsPlotScene
{
  gboolean               has_window;
  double                 xlo, xhi, ylo, yhi;
  char                  *x_label;
  char                  *y_label;

  CurrentsPlotFieldFunc  field_func;
  gpointer               field_data;
  GDestroyNotify         field_destroy;
  char                  *speed_label;
  CurrentsPlotArrowStyle arrow_style;
  double                 arrow_spacing;

  /* The field sampled on the last grid: valid while window, size and function stay. */
  gboolean               cache_valid;
  gsize                  cache_nx, cache_ny;
  double                 cache_window[4];
  double                *cache_fx, *cache_fy;

  gboolean               show_legend;
  GPtrArray             *curves;
  GPtrArray             *notes;
};

static void
curve_free (gpointer data)
{
  Curve *curve = data;

  g_free (curve->label);
  g_free (curve->xy);
  g_free (curve);
}

CurrentsPlotScene *
currents_plot_scene_new (void)
{
  CurrentsPlotScene *scene = g_new0 (CurrentsPlotScene, 1);

  scene->arrow_style = CURRENTS_PLOT_ARROWS_NORMALIZED;
  scene->arrow_spacing = 30.0;
  scene->show_legend = TRUE;
  scene->curves = g_ptr_array_new_with_free_func (curve_free);
  scene->notes = g_ptr_array_new_with_free_func (g_free);
  return scene;
}

static void
invalidate_field (CurrentsPlotScene *scene)
{
  scene->cache_valid = FALSE;
}

void
currents_plot_scene_free (CurrentsPlotScene *scene)
{
  if (scene == NULL)
    return;
  currents_plot_scene_set_field (scene, NULL, NULL, NULL, NULL);
  g_free (scene->x_label);
  g_free (scene->y_label);
  g_free (scene->cache_fx);
  g_free (scene->cache_fy);
  g_ptr_array_unref (scene->curves);
  g_ptr_array_unref (scene->notes);
  g_free (scene);
}

void
currents_plot_scene_set_window (CurrentsPlotScene *scene,
                                double             xlo,
                                double             xhi,
                                double             ylo,
                                double             yhi)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (isfinite (xlo) && isfinite (xhi) && xlo < xhi);
  g_return_if_fail (isfinite (ylo) && isfinite (yhi) && ylo < yhi);

  scene->has_window = TRUE;
  scene->xlo = xlo;
  scene->xhi = xhi;
  scene->ylo = ylo;
  scene->yhi = yhi;
  invalidate_field (scene);
}

gboolean
currents_plot_scene_get_window (const CurrentsPlotScene *scene,
                                double                  *xlo,
                                double                  *xhi,
                                double                  *ylo,
                                double                  *yhi)
{
  g_return_val_if_fail (scene != NULL, FALSE);

  if (xlo != NULL)
    *xlo = scene->xlo;
  if (xhi != NULL)
    *xhi = scene->xhi;
  if (ylo != NULL)
    *ylo = scene->ylo;
  if (yhi != NULL)
    *yhi = scene->yhi;
  return scene->has_window;
}

void
currents_plot_scene_set_labels (CurrentsPlotScene *scene,
                                const char        *x_label,
                                const char        *y_label)
{
  g_return_if_fail (scene != NULL);

  g_free (scene->x_label);
  g_free (scene->y_label);
  scene->x_label = g_strdup (x_label);
  scene->y_label = g_strdup (y_label);
}

void
currents_plot_scene_set_field (CurrentsPlotScene     *scene,
                               CurrentsPlotFieldFunc  func,
                               gpointer               user_data,
                               GDestroyNotify         destroy,
                               const char            *speed_label)
{
  g_return_if_fail (scene != NULL);

  if (scene->field_destroy != NULL)
    scene->field_destroy (scene->field_data);
  scene->field_func = func;
  scene->field_data = user_data;
  scene->field_destroy = destroy;
  g_free (scene->speed_label);
  scene->speed_label = g_strdup (speed_label);
  invalidate_field (scene);
}

gboolean
currents_plot_scene_has_field (const CurrentsPlotScene *scene)
{
  g_return_val_if_fail (scene != NULL, FALSE);
  return scene->field_func != NULL;
}

void
currents_plot_scene_set_arrow_style (CurrentsPlotScene      *scene,
                                     CurrentsPlotArrowStyle  style)
{
  g_return_if_fail (scene != NULL);
  scene->arrow_style = style;
}

void
currents_plot_scene_set_arrow_spacing (CurrentsPlotScene *scene,
                                       double             spacing)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (spacing > 0.0);
  scene->arrow_spacing = spacing;
}

void
currents_plot_scene_set_show_legend (CurrentsPlotScene *scene,
                                     gboolean           show)
{
  g_return_if_fail (scene != NULL);
  scene->show_legend = !!show;
}

void
currents_plot_scene_add_curve (CurrentsPlotScene     *scene,
                               CurrentsPlotCurveKind  kind,
                               const char            *label,
                               const double          *x,
                               gsize                  x_stride,
                               const double          *y,
                               gsize                  y_stride,
                               gsize                  n,
                               gsize                  color_index)
{
  Curve *curve;

  g_return_if_fail (scene != NULL);
  g_return_if_fail (n == 0 || (x != NULL && y != NULL));

  curve = g_new0 (Curve, 1);
  curve->kind = kind;
  curve->label = g_strdup (label);
  curve->color_index = color_index;
  curve->n = n;
  curve->xy = g_new (double, 2 * MAX (n, 1));
  for (gsize k = 0; k < n; k++)
    {
      curve->xy[2 * k] = x[k * x_stride];
      curve->xy[2 * k + 1] = y[k * y_stride];
    }
  g_ptr_array_add (scene->curves, curve);
}

void
currents_plot_scene_add_legend_note (CurrentsPlotScene *scene,
                                     const char        *text)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (text != NULL);
  g_ptr_array_add (scene->notes, g_strdup (text));
}

void
currents_plot_scene_clear_curves (CurrentsPlotScene     *scene,
                                  CurrentsPlotCurveKind  kind)
{
  g_return_if_fail (scene != NULL);

  for (guint i = scene->curves->len; i > 0; i--)
    {
      Curve *curve = g_ptr_array_index (scene->curves, i - 1);

      if (curve->kind == kind)
        g_ptr_array_remove_index (scene->curves, i - 1);
    }
  if (kind == CURRENTS_PLOT_CURVE_DATA)
    g_ptr_array_set_size (scene->notes, 0);
}

static gboolean
same_group (CurrentsPlotCurveKind a,
            CurrentsPlotCurveKind b)
{
  return (a == CURRENTS_PLOT_CURVE_DATA) == (b == CURRENTS_PLOT_CURVE_DATA);
}

gsize
currents_plot_scene_get_n_curves (const CurrentsPlotScene *scene,
                                  CurrentsPlotCurveKind    kind)
{
  gsize n = 0;

  g_return_val_if_fail (scene != NULL, 0);

  for (guint i = 0; i < scene->curves->len; i++)
    {
      const Curve *curve = g_ptr_array_index (scene->curves, i);

      n += curve->kind == kind;
    }
  return n;
}

gboolean
currents_plot_scene_get_extent (const CurrentsPlotScene *scene,
                                CurrentsPlotCurveKind    kind,
                                double                  *xlo,
                                double                  *xhi,
                                double                  *ylo,
                                double                  *yhi)
{
  double box[4] = { INFINITY, -INFINITY, INFINITY, -INFINITY };
  gboolean any = FALSE;

  g_return_val_if_fail (scene != NULL, FALSE);

  for (guint i = 0; i < scene->curves->len; i++)
    {
      const Curve *curve = g_ptr_array_index (scene->curves, i);

      if (!same_group (curve->kind, kind))
        continue;
      for (gsize k = 0; k < curve->n; k++)
        {
          double x = curve->xy[2 * k], y = curve->xy[2 * k + 1];

          if (!isfinite (x) || !isfinite (y))
            continue;
          box[0] = MIN (box[0], x);
          box[1] = MAX (box[1], x);
          box[2] = MIN (box[2], y);
          box[3] = MAX (box[3], y);
          any = TRUE;
        }
    }
  *xlo = box[0];
  *xhi = box[1];
  *ylo = box[2];
  *yhi = box[3];
  return any;
}

static void
field_grid_size (const CurrentsPlotScene    *scene,
                 const CurrentsPlotViewport *vp,
                 gsize                      *nx,
                 gsize                      *ny)
{
  *nx = (gsize) CLAMP (round (vp->width / scene->arrow_spacing), 2, MAX_ARROWS_PER_SIDE);
  *ny = (gsize) CLAMP (round (vp->height / scene->arrow_spacing), 2, MAX_ARROWS_PER_SIDE);
}

/* Samples the field at the cell centres of an nx × ny grid over the window. */
static double
sample_field (CurrentsPlotScene *scene,
              gsize              nx,
              gsize              ny)
{
  double max_speed = 0.0;

  if (!scene->cache_valid || scene->cache_nx != nx || scene->cache_ny != ny
      || scene->cache_window[0] != scene->xlo || scene->cache_window[1] != scene->xhi
      || scene->cache_window[2] != scene->ylo || scene->cache_window[3] != scene->yhi)
    {
      g_free (scene->cache_fx);
      g_free (scene->cache_fy);
      scene->cache_fx = g_new (double, nx * ny);
      scene->cache_fy = g_new (double, nx * ny);
      for (gsize j = 0; j < ny; j++)
        for (gsize i = 0; i < nx; i++)
          {
            double x = scene->xlo + (i + 0.5) * (scene->xhi - scene->xlo) / nx;
            double y = scene->ylo + (j + 0.5) * (scene->yhi - scene->ylo) / ny;
            double *fx = &scene->cache_fx[j * nx + i], *fy = &scene->cache_fy[j * nx + i];

            if (!scene->field_func (x, y, fx, fy, scene->field_data))
              *fx = *fy = NAN;
          }
      scene->cache_valid = TRUE;
      scene->cache_nx = nx;
      scene->cache_ny = ny;
      scene->cache_window[0] = scene->xlo;
      scene->cache_window[1] = scene->xhi;
      scene->cache_window[2] = scene->ylo;
      scene->cache_window[3] = scene->yhi;
    }

  for (gsize k = 0; k < nx * ny; k++)
    {
      double s = hypot (scene->cache_fx[k], scene->cache_fy[k]);

      if (isfinite (s) && s > max_speed)
        max_speed = s;
    }
  return max_speed;
}

static guint
count_points_in (const CurrentsPlotScene    *scene,
                 const CurrentsPlotViewport *vp,
                 double                      x0,
                 double                      y0,
                 double                      w,
                 double                      h)
{
  guint n = 0;

  for (guint i = 0; i < scene->curves->len; i++)
    {
      const Curve *curve = g_ptr_array_index (scene->curves, i);

      for (gsize k = 0; k < curve->n; k++)
        {
          double dx, dy;

          if (!isfinite (curve->xy[2 * k]) || !isfinite (curve->xy[2 * k + 1]))
            continue;
          currents_plot_viewport_to_device (vp, curve->xy[2 * k], curve->xy[2 * k + 1], &dx, &dy);
          n += dx >= x0 && dx <= x0 + w && dy >= y0 && dy <= y0 + h;
        }
    }
  return n;
}

/* The corner where the legend hides the fewest points. */
static CurrentsPlotCorner
choose_legend_corner (const CurrentsPlotScene    *scene,
                      const CurrentsPlotViewport *vp,
                      double                      w,
                      double                      h)
{
  static const CurrentsPlotCorner order[] = {
    CURRENTS_PLOT_CORNER_TOP_RIGHT, CURRENTS_PLOT_CORNER_TOP_LEFT,
    CURRENTS_PLOT_CORNER_BOTTOM_RIGHT, CURRENTS_PLOT_CORNER_BOTTOM_LEFT,
  };
  CurrentsPlotCorner best = order[0];
  guint best_count = G_MAXUINT;

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      gboolean left = order[i] == CURRENTS_PLOT_CORNER_TOP_LEFT
                      || order[i] == CURRENTS_PLOT_CORNER_BOTTOM_LEFT;
      gboolean top = order[i] == CURRENTS_PLOT_CORNER_TOP_LEFT
                     || order[i] == CURRENTS_PLOT_CORNER_TOP_RIGHT;
      double x0 = left ? vp->left : vp->left + vp->width - w - 20;
      double y0 = top ? vp->top : vp->top + vp->height - h - 20;
      guint count = count_points_in (scene, vp, x0, y0, w + 20, h + 20);

      if (count < best_count)
        {
          best = order[i];
          best_count = count;
        }
    }
  return best;
}

static void
draw_legend (CurrentsPlotScene          *scene,
             cairo_t                    *cr,
             const CurrentsPlotTheme    *theme,
             const CurrentsPlotViewport *vp)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (CurrentsPlotLegendEntry));
  CurrentsPlotCurveKind order[] = {
    CURRENTS_PLOT_CURVE_INITIAL, CURRENTS_PLOT_CURVE_TRAJECTORY, CURRENTS_PLOT_CURVE_DATA,
  };
  double w, h;

  for (guint o = 0; o < G_N_ELEMENTS (order); o++)
    for (guint i = 0; i < scene->curves->len; i++)
      {
        const Curve *curve = g_ptr_array_index (scene->curves, i);
        CurrentsPlotLegendEntry e = { 0 };

        if (curve->kind != order[o] || curve->label == NULL)
          continue;
        e.label = curve->label;
        switch (curve->kind)
          {
          case CURRENTS_PLOT_CURVE_INITIAL:
            e.color = theme->highlight;
            e.symbol = CURRENTS_PLOT_LEGEND_LINE_MARKER;
            e.line_width = 2.2;
            break;
          case CURRENTS_PLOT_CURVE_TRAJECTORY:
            e.color = theme->trajectory;
            e.symbol = CURRENTS_PLOT_LEGEND_LINE;
            e.line_width = 1.3;
            break;
          case CURRENTS_PLOT_CURVE_DATA:
          default:
            currents_plot_theme_palette_color (theme, curve->color_index, &e.color);
            e.symbol = CURRENTS_PLOT_LEGEND_LINE_MARKER;
            e.line_width = 1.3;
            break;
          }
        g_array_append_val (entries, e);
      }
  for (guint i = 0; i < scene->notes->len; i++)
    {
      CurrentsPlotLegendEntry e = { 0 };

      e.label = g_ptr_array_index (scene->notes, i);
      e.symbol = CURRENTS_PLOT_LEGEND_TEXT;
      g_array_append_val (entries, e);
    }
  if (entries->len == 0)
    return;

  currents_plot_measure_legend (cr, theme, (CurrentsPlotLegendEntry *) entries->data,
                                entries->len, &w, &h);
  /* A legend bigger than a third of the plot hides more than it tells. */
  if (w > 0.6 * vp->width || h > 0.6 * vp->height)
    return;
  currents_plot_draw_legend (cr, theme, vp, (CurrentsPlotLegendEntry *) entries->data,
                             entries->len, choose_legend_corner (scene, vp, w, h));
}

void
currents_plot_scene_draw (CurrentsPlotScene       *scene,
                          cairo_t                 *cr,
                          const CurrentsPlotTheme *theme,
                          double                   width,
                          double                   height,
                          CurrentsPlotStats       *stats)
{
  CurrentsPlotViewport vp;
  CurrentsPlotStats st = { 0 };
  double right_extra = 0.0, max_speed = 0.0, marker_radius;
  gsize nx = 0, ny = 0, n_data_samples = 0;
  CurrentsPlotColor outline;

  g_return_if_fail (scene != NULL);
  g_return_if_fail (cr != NULL);
  g_return_if_fail (theme != NULL);

  if (stats != NULL)
    *stats = st;

  if (!scene->has_window || width < 1.0 || height < 1.0)
    {
      cairo_save (cr);
      currents_plot_set_source_color (cr, &theme->background);
      cairo_rectangle (cr, 0, 0, width, height);
      cairo_fill (cr);
      cairo_restore (cr);
      return;
    }

  /* With a field, lay out twice: the colour bar's width depends on the top speed,
   * which depends on the grid the first layout gives. */
  currents_plot_layout (cr, theme, width, height, scene->xlo, scene->xhi, scene->ylo,
                        scene->yhi, 0.0, &vp);
  if (scene->field_func != NULL)
    {
      field_grid_size (scene, &vp, &nx, &ny);
      max_speed = sample_field (scene, nx, ny);
      if (max_speed > 0.0)
        {
          right_extra = currents_plot_colorbar_width (cr, theme, scene->speed_label, max_speed);
          currents_plot_layout (cr, theme, width, height, scene->xlo, scene->xhi, scene->ylo,
                                scene->yhi, right_extra, &vp);
          field_grid_size (scene, &vp, &nx, &ny);
          max_speed = sample_field (scene, nx, ny);
        }
    }

  currents_plot_draw_background (cr, theme, width, height, &vp);
  currents_plot_draw_grid (cr, theme, &vp);

  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);

  if (scene->field_func != NULL)
    st.n_arrows = currents_plot_draw_field (cr, theme, &vp, nx, ny, scene->cache_fx,
                                            scene->cache_fy, scene->arrow_style, max_speed);
  st.max_speed = max_speed;

  for (guint i = 0; i < scene->curves->len; i++)
    {
      const Curve *curve = g_ptr_array_index (scene->curves, i);

      if (curve->kind == CURRENTS_PLOT_CURVE_TRAJECTORY
          && currents_plot_draw_polyline (cr, &vp, curve->xy, 2, curve->xy + 1, 2, curve->n,
                                          &theme->trajectory, 1.4, 0.4) > 0)
        st.n_trajectories++;
      if (curve->kind == CURRENTS_PLOT_CURVE_DATA)
        n_data_samples += curve->n;
    }
  for (guint i = 0; i < scene->curves->len; i++)
    {
      const Curve *curve = g_ptr_array_index (scene->curves, i);

      if (curve->kind != CURRENTS_PLOT_CURVE_INITIAL)
        continue;
      if (currents_plot_draw_polyline (cr, &vp, curve->xy, 2, curve->xy + 1, 2, curve->n,
                                       &theme->highlight, 2.2, 0.4) > 0)
        st.n_trajectories++;
      currents_plot_draw_markers (cr, &vp, curve->xy, 2, curve->xy + 1, 2, MIN (curve->n, 1),
                                  &theme->highlight, &theme->plot_background, 4.0);
    }

  /* Data last, on top: lines first, then all markers, so no line crosses a marker. */
  marker_radius = n_data_samples > 3000 ? 1.6 : n_data_samples > 800 ? 2.2
                  : n_data_samples > 200 ? 2.8 : 3.4;
  outline = theme->plot_background;
  for (guint i = 0; i < scene->curves->len; i++)
    {
      const Curve *curve = g_ptr_array_index (scene->curves, i);
      CurrentsPlotColor color;

      if (curve->kind != CURRENTS_PLOT_CURVE_DATA)
        continue;
      currents_plot_theme_palette_color (theme, curve->color_index, &color);
      color.alpha = 0.6;
      currents_plot_draw_polyline (cr, &vp, curve->xy, 2, curve->xy + 1, 2, curve->n, &color,
                                   1.2, -1.0);
    }
  for (guint i = 0; i < scene->curves->len; i++)
    {
      const Curve *curve = g_ptr_array_index (scene->curves, i);
      CurrentsPlotColor color;
      guint n;

      if (curve->kind != CURRENTS_PLOT_CURVE_DATA)
        continue;
      currents_plot_theme_palette_color (theme, curve->color_index, &color);
      n = currents_plot_draw_markers (cr, &vp, curve->xy, 2, curve->xy + 1, 2, curve->n, &color,
                                      marker_radius > 2.0 ? &outline : NULL, marker_radius);
      st.n_markers += n;
      st.n_data_curves += n > 0;
    }
  cairo_restore (cr);

  currents_plot_draw_axes (cr, theme, &vp, scene->x_label, scene->y_label);
  if (scene->field_func != NULL && max_speed > 0.0)
    currents_plot_draw_colorbar (cr, theme, &vp, scene->speed_label, max_speed);
  if (scene->show_legend)
    draw_legend (scene, cr, theme, &vp);

  if (stats != NULL)
    *stats = st;
}

gboolean
currents_plot_scene_export (CurrentsPlotScene       *scene,
                            const CurrentsPlotTheme *theme,
                            const char              *path,
                            double                   width,
                            double                   height,
                            GError                 **error)
{
  cairo_surface_t *surface;
  cairo_status_t status;
  gboolean png = FALSE;
  cairo_t *cr;

  g_return_val_if_fail (scene != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width >= 1.0 && height >= 1.0, FALSE);

  if (g_str_has_suffix (path, ".png") || g_str_has_suffix (path, ".PNG"))
    {
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil (width),
                                            (int) ceil (height));
      png = TRUE;
    }
  else if (g_str_has_suffix (path, ".svg") || g_str_has_suffix (path, ".SVG"))
    surface = cairo_svg_surface_create (path, width, height);
  else if (g_str_has_suffix (path, ".pdf") || g_str_has_suffix (path, ".PDF"))
    surface = cairo_pdf_surface_create (path, width, height);
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   "%s: unknown image format (use .png, .svg or .pdf)", path);
      return FALSE;
    }

  cr = cairo_create (surface);
  currents_plot_scene_draw (scene, cr, theme, width, height, NULL);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  status = png ? cairo_surface_write_to_png (surface, path) : cairo_surface_status (surface);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  return TRUE;
}
