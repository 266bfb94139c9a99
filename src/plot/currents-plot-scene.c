/* currents-plot-scene.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-plot"

#include <math.h>
#include <string.h>

#include <gio/gio.h>

#include "currents-plot-scene.h"
#include "currents-plot-export-private.h"

#define MAX_ARROWS_PER_SIDE 80
#define GLYPH_RADIUS        5.5

typedef struct
{
  CurrentsPlotCurveKind kind;
  char                 *label;
  gsize                 color_index;
  gsize                 n;
  double               *xy;   /* n × 2, interleaved */
  gboolean              has_start;
  double                start[2];
  gboolean              dimmed;
} Curve;

typedef struct
{
  double            x, y;
  CurrentsPlotGlyph glyph;
  char             *label;
} Equilibrium;

struct _CurrentsPlotScene
{
  gboolean               has_window;
  double                 xlo, xhi, ylo, yhi;
  char                  *x_label;
  char                  *y_label;

  CurrentsPlotLayers     layers;
  double                 opacity[CURRENTS_PLOT_N_LAYERS];

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

  /* A field grid given from outside. */
  gboolean               has_grid;
  gsize                  grid_nx, grid_ny;
  double                 grid_window[4];
  double                *grid_fx, *grid_fy;

  /* Basins of attraction. */
  gsize                  basins_nx, basins_ny;
  double                 basins_window[4];
  int                   *basins;
  GStrv                  basin_labels;

  gboolean               show_legend;
  double                 top_margin;
  GPtrArray             *curves;
  GPtrArray             *notes;
  char                  *coverage_label;
  double                *shading;      /* shading_nx × ny, or NULL */
  gsize                  shading_nx, shading_ny;
  double                 shading_window[4];
  double                 shading_full;
  char                  *shading_label;
  guint8                *covered;      /* COVERAGE_NX × NY over the window, or NULL */
  GArray                *equilibria;
  GArray                *metadata;

  gboolean               has_viewport;
  CurrentsPlotViewport   viewport;
};

static const char *const layer_names[CURRENTS_PLOT_N_LAYERS] = {
  "basins", "field", "nullclines", "separatrices", "trajectories", "launched", "data",
  "equilibria",
};

const char *
currents_plot_layer_to_string (CurrentsPlotLayers layer)
{
  for (guint i = 0; i < CURRENTS_PLOT_N_LAYERS; i++)
    if (layer == (CurrentsPlotLayers) (1u << i))
      return layer_names[i];
  return NULL;
}

CurrentsPlotLayers
currents_plot_layer_from_string (const char *name)
{
  g_return_val_if_fail (name != NULL, 0);

  for (guint i = 0; i < CURRENTS_PLOT_N_LAYERS; i++)
    if (g_ascii_strcasecmp (name, layer_names[i]) == 0)
      return (CurrentsPlotLayers) (1u << i);
  return 0;
}

gboolean
currents_plot_layers_parse (const char          *text,
                            CurrentsPlotLayers  *layers,
                            GError             **error)
{
  g_auto(GStrv) parts = NULL;
  CurrentsPlotLayers out = 0;

  g_return_val_if_fail (text != NULL && layers != NULL, FALSE);

  parts = g_strsplit (text, ",", -1);
  for (guint i = 0; parts[i] != NULL; i++)
    {
      const char *name = g_strstrip (parts[i]);
      CurrentsPlotLayers layer;

      if (*name == '\0')
        continue;
      if (g_ascii_strcasecmp (name, "all") == 0)
        {
          out = CURRENTS_PLOT_LAYERS_ALL;
          continue;
        }
      layer = currents_plot_layer_from_string (name);
      if (layer == 0)
        {
          g_autoptr(GString) known = g_string_new (NULL);

          for (guint k = 0; k < CURRENTS_PLOT_N_LAYERS; k++)
            g_string_append_printf (known, "%s, ", layer_names[k]);

          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                       "unknown layer '%s' (the layers: %sall)", name, known->str);
          return FALSE;
        }
      out |= layer;
    }
  *layers = out;
  return TRUE;
}

CurrentsPlotLayers
currents_plot_curve_kind_layer (CurrentsPlotCurveKind kind)
{
  switch (kind)
    {
    case CURRENTS_PLOT_CURVE_TRAJECTORY:
    case CURRENTS_PLOT_CURVE_INITIAL:
      return CURRENTS_PLOT_LAYER_TRAJECTORIES;
    case CURRENTS_PLOT_CURVE_DATA:
      return CURRENTS_PLOT_LAYER_DATA;
    case CURRENTS_PLOT_CURVE_NULLCLINE_X:
    case CURRENTS_PLOT_CURVE_NULLCLINE_Y:
      return CURRENTS_PLOT_LAYER_NULLCLINES;
    case CURRENTS_PLOT_CURVE_STABLE_MANIFOLD:
    case CURRENTS_PLOT_CURVE_UNSTABLE_MANIFOLD:
      return CURRENTS_PLOT_LAYER_SEPARATRICES;
    case CURRENTS_PLOT_CURVE_LAUNCHED:
      return CURRENTS_PLOT_LAYER_LAUNCHED;
    case CURRENTS_PLOT_CURVE_CYCLE:
      return CURRENTS_PLOT_LAYER_BASINS;
    default:
      return 0;
    }
}

const char *
currents_plot_curve_kind_to_string (CurrentsPlotCurveKind kind)
{
  static const char *const names[CURRENTS_PLOT_N_CURVE_KINDS] = {
    "trajectory", "initial", "data", "nullcline-x", "nullcline-y", "stable-manifold",
    "unstable-manifold", "launched", "cycle",
  };

  return (guint) kind < G_N_ELEMENTS (names) ? names[kind] : NULL;
}

static guint
layer_index (CurrentsPlotLayers layer)
{
  for (guint i = 0; i < CURRENTS_PLOT_N_LAYERS; i++)
    if (layer == (CurrentsPlotLayers) (1u << i))
      return i;
  return 0;
}

static void
curve_free (gpointer data)
{
  Curve *curve = data;

  g_free (curve->label);
  g_free (curve->xy);
  g_free (curve);
}

static void
equilibrium_clear (gpointer data)
{
  Equilibrium *eq = data;

  g_free (eq->label);
}

CurrentsPlotScene *
currents_plot_scene_new (void)
{
  CurrentsPlotScene *scene = g_new0 (CurrentsPlotScene, 1);

  scene->layers = CURRENTS_PLOT_LAYERS_ALL;
  for (guint i = 0; i < CURRENTS_PLOT_N_LAYERS; i++)
    scene->opacity[i] = 1.0;
  scene->arrow_style = CURRENTS_PLOT_ARROWS_NORMALIZED;
  scene->arrow_spacing = 30.0;
  scene->show_legend = TRUE;
  scene->curves = g_ptr_array_new_with_free_func (curve_free);
  scene->notes = g_ptr_array_new_with_free_func (g_free);
  scene->equilibria = g_array_new (FALSE, TRUE, sizeof (Equilibrium));
  g_array_set_clear_func (scene->equilibria, equilibrium_clear);
  scene->metadata = _currents_plot_metadata_new ();
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
  g_free (scene->grid_fx);
  g_free (scene->grid_fy);
  g_free (scene->speed_label);
  g_free (scene->basins);
  g_strfreev (scene->basin_labels);
  g_ptr_array_unref (scene->curves);
  g_ptr_array_unref (scene->notes);
  g_free (scene->coverage_label);
  g_free (scene->covered);
  g_free (scene->shading);
  g_free (scene->shading_label);
  g_array_unref (scene->equilibria);
  g_array_unref (scene->metadata);
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
currents_plot_scene_set_layers (CurrentsPlotScene  *scene,
                                CurrentsPlotLayers  layers)
{
  g_return_if_fail (scene != NULL);
  scene->layers = layers & CURRENTS_PLOT_LAYERS_ALL;
}

CurrentsPlotLayers
currents_plot_scene_get_layers (const CurrentsPlotScene *scene)
{
  g_return_val_if_fail (scene != NULL, 0);
  return scene->layers;
}

void
currents_plot_scene_set_layer_opacity (CurrentsPlotScene  *scene,
                                       CurrentsPlotLayers  layer,
                                       double              opacity)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (currents_plot_layer_to_string (layer) != NULL);

  scene->opacity[layer_index (layer)] = isfinite (opacity) ? CLAMP (opacity, 0.0, 1.0) : 1.0;
}

static gboolean
shown (const CurrentsPlotScene *scene,
       CurrentsPlotLayers       layer)
{
  return (scene->layers & layer) != 0 && scene->opacity[layer_index (layer)] > 0.0;
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
  if (func != NULL || !scene->has_grid)
    {
      g_free (scene->speed_label);
      scene->speed_label = g_strdup (speed_label);
    }
  invalidate_field (scene);
}

gboolean
currents_plot_scene_has_field (const CurrentsPlotScene *scene)
{
  g_return_val_if_fail (scene != NULL, FALSE);
  return scene->field_func != NULL || scene->has_grid;
}

void
currents_plot_scene_set_field_grid (CurrentsPlotScene *scene,
                                    const double       window[4],
                                    gsize              nx,
                                    gsize              ny,
                                    const double      *fx,
                                    const double      *fy,
                                    const char        *speed_label)
{
  g_return_if_fail (scene != NULL);

  g_clear_pointer (&scene->grid_fx, g_free);
  g_clear_pointer (&scene->grid_fy, g_free);
  scene->has_grid = FALSE;
  if (fx == NULL || fy == NULL || nx == 0 || ny == 0)
    return;
  g_return_if_fail (window != NULL && window[0] < window[1] && window[2] < window[3]);

  scene->has_grid = TRUE;
  scene->grid_nx = nx;
  scene->grid_ny = ny;
  memcpy (scene->grid_window, window, sizeof scene->grid_window);
  scene->grid_fx = g_memdup2 (fx, nx * ny * sizeof (double));
  scene->grid_fy = g_memdup2 (fy, nx * ny * sizeof (double));
  g_free (scene->speed_label);
  scene->speed_label = g_strdup (speed_label);
}

void
currents_plot_scene_get_field_grid_size (const CurrentsPlotScene *scene,
                                         double                   width,
                                         double                   height,
                                         gsize                   *nx,
                                         gsize                   *ny)
{
  g_return_if_fail (scene != NULL && nx != NULL && ny != NULL);

  *nx = (gsize) CLAMP (round (width / scene->arrow_spacing), 2, MAX_ARROWS_PER_SIDE);
  *ny = (gsize) CLAMP (round (height / scene->arrow_spacing), 2, MAX_ARROWS_PER_SIDE);
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
  invalidate_field (scene);
}

void
currents_plot_scene_set_show_legend (CurrentsPlotScene *scene,
                                     gboolean           show)
{
  g_return_if_fail (scene != NULL);
  scene->show_legend = !!show;
}

void
currents_plot_scene_set_top_margin (CurrentsPlotScene *scene,
                                    double             height)
{
  g_return_if_fail (scene != NULL);
  scene->top_margin = MAX (height, 0.0);
}

double
currents_plot_scene_get_top_margin (const CurrentsPlotScene *scene)
{
  g_return_val_if_fail (scene != NULL, 0.0);
  return scene->top_margin;
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
  curve->label = label != NULL && *label != '\0' ? g_strdup (label) : NULL;
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
currents_plot_scene_mark_start (CurrentsPlotScene *scene,
                                double             x,
                                double             y)
{
  Curve *curve;

  g_return_if_fail (scene != NULL);
  g_return_if_fail (scene->curves->len > 0);

  curve = g_ptr_array_index (scene->curves, scene->curves->len - 1);
  curve->has_start = TRUE;
  curve->start[0] = x;
  curve->start[1] = y;
}

void
currents_plot_scene_dim_last (CurrentsPlotScene *scene)
{
  Curve *curve;

  g_return_if_fail (scene != NULL);
  g_return_if_fail (scene->curves->len > 0);

  curve = g_ptr_array_index (scene->curves, scene->curves->len - 1);
  curve->dimmed = TRUE;
}

void
currents_plot_scene_set_shading (CurrentsPlotScene *scene,
                                 const double       window[4],
                                 gsize              nx,
                                 gsize              ny,
                                 const double      *values,
                                 double             full,
                                 const char        *label)
{
  g_return_if_fail (scene != NULL);

  g_clear_pointer (&scene->shading, g_free);
  g_clear_pointer (&scene->shading_label, g_free);
  if (values == NULL || nx == 0 || ny == 0)
    return;
  scene->shading = g_memdup2 (values, nx * ny * sizeof (double));
  scene->shading_nx = nx;
  scene->shading_ny = ny;
  memcpy (scene->shading_window, window, sizeof scene->shading_window);
  scene->shading_full = full > 0 ? full : 1.0;
  scene->shading_label = g_strdup (label);
}

static CurrentsPlotColor
shading_color (const CurrentsPlotTheme *theme)
{
  CurrentsPlotColor c = { 0.85, 0.33, 0.10, 1.0 };   /* a warm orange, readable on both */

  (void) theme;
  return c;
}

static guint
draw_shading (const CurrentsPlotScene    *scene,
              cairo_t                    *cr,
              const CurrentsPlotTheme    *theme,
              const CurrentsPlotViewport *vp)
{
  const double *w = scene->shading_window;
  double hx = (w[1] - w[0]) / (double) scene->shading_nx;
  double hy = (w[3] - w[2]) / (double) scene->shading_ny;
  CurrentsPlotColor c = shading_color (theme);
  guint n = 0;

  cairo_save (cr);
  for (gsize j = 0; j < scene->shading_ny; j++)
    for (gsize i = 0; i < scene->shading_nx; i++)
      {
        double v = scene->shading[j * scene->shading_nx + i], x0, y0, x1, y1;

        if (!(v > 0))
          continue;
        c.alpha = 0.5 * MIN (1.0, v / scene->shading_full);
        currents_plot_viewport_to_device (vp, w[0] + i * hx, w[2] + j * hy, &x0, &y0);
        currents_plot_viewport_to_device (vp, w[0] + (i + 1) * hx, w[2] + (j + 1) * hy, &x1, &y1);
        x0 = round (x0);
        x1 = round (x1);
        y0 = round (y0);
        y1 = round (y1);
        currents_plot_set_source_color (cr, &c);
        cairo_rectangle (cr, MIN (x0, x1), MIN (y0, y1), fabs (x1 - x0), fabs (y1 - y0));
        cairo_fill (cr);
        n++;
      }
  cairo_restore (cr);
  return n;
}

void
currents_plot_scene_set_coverage (CurrentsPlotScene *scene,
                                  const char        *label)
{
  g_return_if_fail (scene != NULL);

  g_free (scene->coverage_label);
  scene->coverage_label = g_strdup (label);
}

/* The covered cells for the current window and data curves; NULL when there is nothing
 * to say (no label, no window, no data sample in the window). */
static guint8 *
compute_coverage (const CurrentsPlotScene *scene)
{
  const gsize nx = CURRENTS_PLOT_COVERAGE_NX, ny = CURRENTS_PLOT_COVERAGE_NY;
  g_autofree guint8 *occupied = NULL;
  guint8 *covered;
  double hx, hy;
  gsize n_in = 0;

  if (scene->coverage_label == NULL || !scene->has_window)
    return NULL;
  hx = (scene->xhi - scene->xlo) / (double) nx;
  hy = (scene->yhi - scene->ylo) / (double) ny;
  occupied = g_new0 (guint8, nx * ny);
  for (guint c = 0; c < scene->curves->len; c++)
    {
      const Curve *curve = g_ptr_array_index (scene->curves, c);

      if (curve->kind != CURRENTS_PLOT_CURVE_DATA)
        continue;
      for (gsize k = 0; k < curve->n; k++)
        {
          double fi = floor ((curve->xy[2 * k] - scene->xlo) / hx);
          double fj = floor ((curve->xy[2 * k + 1] - scene->ylo) / hy);

          if (fi >= 0 && fi < (double) nx && fj >= 0 && fj < (double) ny)
            {
              occupied[(gsize) fj * nx + (gsize) fi] = 1;
              n_in++;
            }
        }
    }
  if (n_in == 0)
    return NULL;
  covered = g_new0 (guint8, nx * ny);
  for (gsize j = 0; j < ny; j++)
    for (gsize i = 0; i < nx; i++)
      for (int dj = -1; dj <= 1 && !covered[j * nx + i]; dj++)
        for (int di = -1; di <= 1; di++)
          {
            int a = (int) i + di, b = (int) j + dj;

            if (a >= 0 && b >= 0 && a < (int) nx && b < (int) ny && occupied[b * (int) nx + a])
              {
                covered[j * nx + i] = 1;
                break;
              }
          }
  return covered;
}

gboolean
currents_plot_scene_is_covered (const CurrentsPlotScene *scene,
                                double                   x,
                                double                   y)
{
  g_autofree guint8 *covered = NULL;
  double fi, fj;

  g_return_val_if_fail (scene != NULL, TRUE);

  covered = compute_coverage (scene);
  if (covered == NULL)
    return TRUE;
  fi = floor ((x - scene->xlo) / ((scene->xhi - scene->xlo) / CURRENTS_PLOT_COVERAGE_NX));
  fj = floor ((y - scene->ylo) / ((scene->yhi - scene->ylo) / CURRENTS_PLOT_COVERAGE_NY));
  if (!(fi >= 0 && fi < CURRENTS_PLOT_COVERAGE_NX && fj >= 0 && fj < CURRENTS_PLOT_COVERAGE_NY))
    return FALSE;
  return covered[(gsize) fj * CURRENTS_PLOT_COVERAGE_NX + (gsize) fi] != 0;
}

/* Grey over the uncovered cells, the boundary dashed; the number of veiled cells. */
static guint
draw_coverage (const CurrentsPlotScene    *scene,
               cairo_t                    *cr,
               const CurrentsPlotTheme    *theme,
               const CurrentsPlotViewport *vp,
               const guint8               *covered)
{
  const gsize nx = CURRENTS_PLOT_COVERAGE_NX, ny = CURRENTS_PLOT_COVERAGE_NY;
  double hx = (scene->xhi - scene->xlo) / (double) nx, hy = (scene->yhi - scene->ylo) / (double) ny;
  CurrentsPlotColor veil = theme->foreground;
  guint n = 0;

  cairo_save (cr);
  veil.alpha = 0.16;
  currents_plot_set_source_color (cr, &veil);
  for (gsize j = 0; j < ny; j++)
    for (gsize i = 0; i < nx; i++)
      if (!covered[j * nx + i])
        {
          double x0, y0, x1, y1;

          currents_plot_viewport_to_device (vp, scene->xlo + i * hx, scene->ylo + j * hy, &x0, &y0);
          currents_plot_viewport_to_device (vp, scene->xlo + (i + 1) * hx,
                                            scene->ylo + (j + 1) * hy, &x1, &y1);
          /* whole device pixels, so neighbouring cells neither overlap nor gap */
          x0 = round (x0);
          x1 = round (x1);
          y0 = round (y0);
          y1 = round (y1);
          cairo_rectangle (cr, MIN (x0, x1), MIN (y0, y1), fabs (x1 - x0), fabs (y1 - y0));
          n++;
        }
  cairo_fill (cr);
  for (gsize j = 0; j < ny; j++)
    for (gsize i = 0; i < nx; i++)
      {
        gboolean c = covered[j * nx + i];
        double x0, y0, x1, y1;

        if (i + 1 < nx && c != covered[j * nx + i + 1])
          {
            currents_plot_viewport_to_device (vp, scene->xlo + (i + 1) * hx, scene->ylo + j * hy,
                                              &x0, &y0);
            currents_plot_viewport_to_device (vp, scene->xlo + (i + 1) * hx,
                                              scene->ylo + (j + 1) * hy, &x1, &y1);
            cairo_move_to (cr, x0, y0);
            cairo_line_to (cr, x1, y1);
          }
        if (j + 1 < ny && c != covered[(j + 1) * nx + i])
          {
            currents_plot_viewport_to_device (vp, scene->xlo + i * hx, scene->ylo + (j + 1) * hy,
                                              &x0, &y0);
            currents_plot_viewport_to_device (vp, scene->xlo + (i + 1) * hx,
                                              scene->ylo + (j + 1) * hy, &x1, &y1);
            cairo_move_to (cr, x0, y0);
            cairo_line_to (cr, x1, y1);
          }
      }
  {
    const double dash[] = { 4.0, 3.0 };
    CurrentsPlotColor line = theme->foreground;

    line.alpha = 0.55;
    cairo_set_dash (cr, dash, 2, 0);
    cairo_set_line_width (cr, 1.0);
    currents_plot_set_source_color (cr, &line);
    cairo_stroke (cr);
  }
  cairo_restore (cr);
  return n;
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
      if (kind != CURRENTS_PLOT_CURVE_DATA && curve->kind != CURRENTS_PLOT_CURVE_TRAJECTORY
          && curve->kind != CURRENTS_PLOT_CURVE_INITIAL && curve->kind != kind)
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

void
currents_plot_scene_add_equilibrium (CurrentsPlotScene *scene,
                                     double             x,
                                     double             y,
                                     CurrentsPlotGlyph  glyph,
                                     const char        *label)
{
  Equilibrium eq = { x, y, glyph, g_strdup (label) };

  g_return_if_fail (scene != NULL);
  g_array_append_val (scene->equilibria, eq);
}

void
currents_plot_scene_clear_equilibria (CurrentsPlotScene *scene)
{
  g_return_if_fail (scene != NULL);
  g_array_set_size (scene->equilibria, 0);
}

gsize
currents_plot_scene_get_n_equilibria (const CurrentsPlotScene *scene)
{
  g_return_val_if_fail (scene != NULL, 0);
  return scene->equilibria->len;
}

int
currents_plot_scene_find_equilibrium (const CurrentsPlotScene *scene,
                                      double                   device_x,
                                      double                   device_y,
                                      double                   radius)
{
  double best = radius;
  int found = -1;

  g_return_val_if_fail (scene != NULL, -1);

  if (!scene->has_viewport || !(scene->layers & CURRENTS_PLOT_LAYER_EQUILIBRIA))
    return -1;
  for (guint i = 0; i < scene->equilibria->len; i++)
    {
      const Equilibrium *eq = &g_array_index (scene->equilibria, Equilibrium, i);
      double dx, dy, d;

      currents_plot_viewport_to_device (&scene->viewport, eq->x, eq->y, &dx, &dy);
      d = hypot (dx - device_x, dy - device_y);
      if (d <= best)
        {
          best = d;
          found = (int) i;
        }
    }
  return found;
}

void
currents_plot_scene_set_basins (CurrentsPlotScene  *scene,
                                const double        window[4],
                                gsize               nx,
                                gsize               ny,
                                const int          *labels,
                                const char *const  *labels_text)
{
  g_return_if_fail (scene != NULL);

  g_clear_pointer (&scene->basins, g_free);
  g_clear_pointer (&scene->basin_labels, g_strfreev);
  if (labels == NULL || nx == 0 || ny == 0)
    return;
  g_return_if_fail (window != NULL && window[0] < window[1] && window[2] < window[3]);

  scene->basins_nx = nx;
  scene->basins_ny = ny;
  memcpy (scene->basins_window, window, sizeof scene->basins_window);
  scene->basins = g_memdup2 (labels, nx * ny * sizeof (int));
  scene->basin_labels = g_strdupv ((char **) labels_text);
}

void
currents_plot_scene_set_metadata (CurrentsPlotScene *scene,
                                  const char        *key,
                                  const char        *value)
{
  g_return_if_fail (scene != NULL);
  g_return_if_fail (key != NULL && *key != '\0');

  _currents_plot_metadata_set (scene->metadata, key, value);
}

const char *
currents_plot_scene_get_metadata (const CurrentsPlotScene *scene,
                                  const char              *key)
{
  g_return_val_if_fail (scene != NULL && key != NULL, NULL);

  return _currents_plot_metadata_get (scene->metadata, key);
}

/* Samples the field callback at the cell centres of an nx × ny grid over the window. */
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

static double
grid_speed (const CurrentsPlotScene *scene)
{
  double max_speed = 0.0;

  for (gsize k = 0; k < scene->grid_nx * scene->grid_ny; k++)
    {
      double s = hypot (scene->grid_fx[k], scene->grid_fy[k]);

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

      if (!shown (scene, currents_plot_curve_kind_layer (curve->kind)))
        continue;
      for (gsize k = 0; k < curve->n; k++)
        {
          double dx, dy;

          if (!isfinite (curve->xy[2 * k]) || !isfinite (curve->xy[2 * k + 1]))
            continue;
          currents_plot_viewport_to_device (vp, curve->xy[2 * k], curve->xy[2 * k + 1], &dx, &dy);
          n += dx >= x0 && dx <= x0 + w && dy >= y0 && dy <= y0 + h;
        }
    }
  /* An equilibrium under the legend would be hidden: count it heavily. */
  for (guint i = 0; shown (scene, CURRENTS_PLOT_LAYER_EQUILIBRIA) && i < scene->equilibria->len;
       i++)
    {
      const Equilibrium *eq = &g_array_index (scene->equilibria, Equilibrium, i);
      double dx, dy;

      currents_plot_viewport_to_device (vp, eq->x, eq->y, &dx, &dy);
      n += 1000 * (dx >= x0 && dx <= x0 + w && dy >= y0 && dy <= y0 + h);
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
  CurrentsPlotCorner best = order[1];
  guint best_count = G_MAXUINT;

  for (guint i = 0; i < G_N_ELEMENTS (order); i++)
    {
      gboolean left = order[i] == CURRENTS_PLOT_CORNER_TOP_LEFT
                      || order[i] == CURRENTS_PLOT_CORNER_BOTTOM_LEFT;
      gboolean top = order[i] == CURRENTS_PLOT_CORNER_TOP_LEFT
                     || order[i] == CURRENTS_PLOT_CORNER_TOP_RIGHT;
      double x0 = left ? vp->left : vp->left + vp->width - w - 20;
      double y0 = top ? vp->top : vp->top + vp->height - h - 20;
      guint count;

      count = count_points_in (scene, vp, x0, y0, w + 20, h + 20);
      if (count < best_count)
        {
          best = order[i];
          best_count = count;
        }
    }
  return best;
}

static void
legend_line (GArray                  *entries,
             const char              *label,
             const CurrentsPlotColor *color,
             CurrentsPlotLegendSymbol symbol,
             double                   line_width)
{
  CurrentsPlotLegendEntry e = { 0 };

  e.label = label;
  e.color = *color;
  e.symbol = symbol;
  e.line_width = line_width;
  g_array_append_val (entries, e);
}

static void
draw_legend (CurrentsPlotScene          *scene,
             cairo_t                    *cr,
             const CurrentsPlotTheme    *theme,
             const CurrentsPlotViewport *vp)
{
  g_autoptr(GArray) entries = g_array_new (FALSE, TRUE, sizeof (CurrentsPlotLegendEntry));
  static const CurrentsPlotCurveKind order[] = {
    CURRENTS_PLOT_CURVE_NULLCLINE_X, CURRENTS_PLOT_CURVE_NULLCLINE_Y,
    CURRENTS_PLOT_CURVE_STABLE_MANIFOLD, CURRENTS_PLOT_CURVE_UNSTABLE_MANIFOLD,
    CURRENTS_PLOT_CURVE_CYCLE, CURRENTS_PLOT_CURVE_LAUNCHED,
    CURRENTS_PLOT_CURVE_INITIAL, CURRENTS_PLOT_CURVE_TRAJECTORY, CURRENTS_PLOT_CURVE_DATA,
  };
  static const CurrentsPlotGlyph glyphs[] = {
    CURRENTS_PLOT_GLYPH_STABLE, CURRENTS_PLOT_GLYPH_SADDLE, CURRENTS_PLOT_GLYPH_UNSTABLE,
    CURRENTS_PLOT_GLYPH_NEUTRAL,
  };
  double w = 0.0, h = 0.0;
  guint columns;

  if (shown (scene, CURRENTS_PLOT_LAYER_EQUILIBRIA))
    for (guint g = 0; g < G_N_ELEMENTS (glyphs); g++)
      for (guint i = 0; i < scene->equilibria->len; i++)
        {
          const Equilibrium *eq = &g_array_index (scene->equilibria, Equilibrium, i);
          CurrentsPlotLegendEntry e = { 0 };

          if (eq->glyph != glyphs[g] || eq->label == NULL)
            continue;
          e.label = eq->label;
          e.symbol = CURRENTS_PLOT_LEGEND_GLYPH;
          e.glyph = eq->glyph;
          e.color = theme->equilibrium;
          e.paper = theme->plot_background;
          g_array_append_val (entries, e);
          break;
        }

  for (guint o = 0; o < G_N_ELEMENTS (order); o++)
    for (guint i = 0; i < scene->curves->len; i++)
      {
        const Curve *curve = g_ptr_array_index (scene->curves, i);
        CurrentsPlotColor color;

        if (curve->kind != order[o] || curve->label == NULL
            || !shown (scene, currents_plot_curve_kind_layer (curve->kind)))
          continue;
        switch (curve->kind)
          {
          case CURRENTS_PLOT_CURVE_NULLCLINE_X:
            legend_line (entries, curve->label, &theme->nullcline[0], CURRENTS_PLOT_LEGEND_LINE,
                         2.4);
            break;
          case CURRENTS_PLOT_CURVE_NULLCLINE_Y:
            legend_line (entries, curve->label, &theme->nullcline[1], CURRENTS_PLOT_LEGEND_LINE,
                         2.4);
            break;
          case CURRENTS_PLOT_CURVE_STABLE_MANIFOLD:
            legend_line (entries, curve->label, &theme->separatrix, CURRENTS_PLOT_LEGEND_LINE,
                         2.0);
            break;
          case CURRENTS_PLOT_CURVE_UNSTABLE_MANIFOLD:
            legend_line (entries, curve->label, &theme->separatrix,
                         CURRENTS_PLOT_LEGEND_DASHED, 2.0);
            break;
          case CURRENTS_PLOT_CURVE_CYCLE:
            legend_line (entries, curve->label, &theme->equilibrium, CURRENTS_PLOT_LEGEND_LINE,
                         2.6);
            break;
          case CURRENTS_PLOT_CURVE_LAUNCHED:
            legend_line (entries, curve->label, &theme->launched, CURRENTS_PLOT_LEGEND_LINE_MARKER,
                         2.0);
            break;
          case CURRENTS_PLOT_CURVE_INITIAL:
            legend_line (entries, curve->label, &theme->highlight,
                         CURRENTS_PLOT_LEGEND_LINE_MARKER, 2.2);
            break;
          case CURRENTS_PLOT_CURVE_TRAJECTORY:
            legend_line (entries, curve->label, &theme->trajectory, CURRENTS_PLOT_LEGEND_LINE, 1.3);
            break;
          case CURRENTS_PLOT_CURVE_DATA:
          default:
            currents_plot_theme_palette_color (theme, curve->color_index, &color);
            legend_line (entries, curve->label, &color, CURRENTS_PLOT_LEGEND_LINE_MARKER, 1.3);
            break;
          }
        /* one entry per kind, except data, whose curves each have their own */
        if (curve->kind != CURRENTS_PLOT_CURVE_DATA)
          break;
      }
  for (guint i = 0; shown (scene, CURRENTS_PLOT_LAYER_DATA) && i < scene->notes->len; i++)
    {
      CurrentsPlotLegendEntry e = { 0 };

      e.label = g_ptr_array_index (scene->notes, i);
      e.symbol = CURRENTS_PLOT_LEGEND_TEXT;
      g_array_append_val (entries, e);
    }
  if (scene->shading != NULL && scene->shading_label != NULL)
    {
      CurrentsPlotLegendEntry e = { 0 };

      e.label = scene->shading_label;
      e.symbol = CURRENTS_PLOT_LEGEND_PATCH;
      e.color = shading_color (theme);
      e.color.alpha = 0.5;
      g_array_append_val (entries, e);
    }
  if (scene->covered != NULL)
    {
      CurrentsPlotLegendEntry e = { 0 };

      e.label = scene->coverage_label;
      e.symbol = CURRENTS_PLOT_LEGEND_PATCH;
      e.color = theme->foreground;
      e.color.alpha = 0.3;
      g_array_append_val (entries, e);
    }
  if (scene->basins != NULL && scene->basin_labels != NULL
      && shown (scene, CURRENTS_PLOT_LAYER_BASINS))
    for (guint i = 0; scene->basin_labels[i] != NULL; i++)
      {
        CurrentsPlotLegendEntry e = { 0 };

        e.label = scene->basin_labels[i];
        e.symbol = CURRENTS_PLOT_LEGEND_PATCH;
        e.color = theme->basin[i % CURRENTS_PLOT_PALETTE_SIZE];
        e.color.alpha = MIN (1.0, 1.6 * theme->basin_alpha);
        g_array_append_val (entries, e);
      }
  if (entries->len == 0)
    return;

  /* Two columns rather than a tall legend; one bigger than a third of the plot hides more
   * than it tells. */
  for (columns = 1; columns <= 2; columns++)
    {
      currents_plot_measure_legend_columns (cr, theme, (CurrentsPlotLegendEntry *) entries->data,
                                            entries->len, columns, &w, &h);
      if (h <= 0.45 * vp->height && w <= 0.7 * vp->width)
        break;
    }
  if (w > 0.7 * vp->width || h > 0.6 * vp->height)
    return;
  currents_plot_draw_legend_columns (cr, theme, vp, (CurrentsPlotLegendEntry *) entries->data,
                                     entries->len, MIN (columns, 2),
                                     choose_legend_corner (scene, vp, w, h));
}

static void
begin_layer (CurrentsPlotScene  *scene,
             cairo_t            *cr,
             CurrentsPlotLayers  layer)
{
  if (scene->opacity[layer_index (layer)] < 1.0)
    cairo_push_group (cr);
}

static void
end_layer (CurrentsPlotScene  *scene,
           cairo_t            *cr,
           CurrentsPlotLayers  layer)
{
  double opacity = scene->opacity[layer_index (layer)];

  if (opacity < 1.0)
    {
      cairo_pop_group_to_source (cr);
      cairo_paint_with_alpha (cr, opacity);
    }
}

static guint
draw_kind (CurrentsPlotScene          *scene,
           cairo_t                    *cr,
           const CurrentsPlotTheme    *theme,
           const CurrentsPlotViewport *vp,
           CurrentsPlotCurveKind       kind)
{
  guint visible = 0;

  for (guint i = 0; i < scene->curves->len; i++)
    {
      const Curve *curve = g_ptr_array_index (scene->curves, i);
      const double dash[] = { 6.0, 4.0 };
      CurrentsPlotColor color;
      double width = 1.4, arrow = -1.0;

      if (curve->kind != kind)
        continue;
      switch (kind)
        {
        case CURRENTS_PLOT_CURVE_NULLCLINE_X:
        case CURRENTS_PLOT_CURVE_NULLCLINE_Y:
          color = theme->nullcline[kind == CURRENTS_PLOT_CURVE_NULLCLINE_Y];
          width = 2.4;
          break;
        case CURRENTS_PLOT_CURVE_STABLE_MANIFOLD:
        case CURRENTS_PLOT_CURVE_UNSTABLE_MANIFOLD:
          color = theme->separatrix;
          width = 2.0;
          arrow = 0.5;
          break;
        case CURRENTS_PLOT_CURVE_CYCLE:
          color = theme->equilibrium;
          width = 2.6;
          arrow = 0.25;
          break;
        case CURRENTS_PLOT_CURVE_LAUNCHED:
          color = theme->launched;
          width = 2.0;
          arrow = 0.35;
          break;
        case CURRENTS_PLOT_CURVE_INITIAL:
          color = theme->highlight;
          width = 2.2;
          arrow = 0.4;
          break;
        case CURRENTS_PLOT_CURVE_TRAJECTORY:
        default:
          color = theme->trajectory;
          width = 1.2;
          arrow = 0.4;
          break;
        }
      if (kind == CURRENTS_PLOT_CURVE_UNSTABLE_MANIFOLD)
        cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
      if (currents_plot_draw_polyline (cr, vp, curve->xy, 2, curve->xy + 1, 2, curve->n, &color,
                                       width, arrow) > 0)
        visible++;
      cairo_set_dash (cr, NULL, 0, 0.0);

      if (kind == CURRENTS_PLOT_CURVE_INITIAL)
        currents_plot_draw_markers (cr, vp, curve->xy, 2, curve->xy + 1, 2, MIN (curve->n, 1),
                                    &theme->highlight, &theme->plot_background, 4.0);
      if (curve->has_start)
        {
          CurrentsPlotColor paper = theme->plot_background;

          currents_plot_draw_markers (cr, vp, curve->start, 1, curve->start + 1, 1, 1, &paper,
                                      &color, 3.2);
        }
    }
  return visible;
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
  gboolean field = FALSE;
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
  currents_plot_layout_full (cr, theme, width, height, scene->xlo, scene->xhi, scene->ylo,
                             scene->yhi, 0.0, scene->top_margin, &vp);
  if (shown (scene, CURRENTS_PLOT_LAYER_FIELD))
    {
      if (scene->has_grid)
        {
          field = TRUE;
          max_speed = grid_speed (scene);
        }
      else if (scene->field_func != NULL)
        {
          field = TRUE;
          currents_plot_scene_get_field_grid_size (scene, vp.width, vp.height, &nx, &ny);
          max_speed = sample_field (scene, nx, ny);
        }
      if (field && max_speed > 0.0)
        {
          right_extra = currents_plot_colorbar_width (cr, theme, scene->speed_label, max_speed);
          currents_plot_layout_full (cr, theme, width, height, scene->xlo, scene->xhi,
                                     scene->ylo, scene->yhi, right_extra, scene->top_margin, &vp);
          if (!scene->has_grid)
            {
              currents_plot_scene_get_field_grid_size (scene, vp.width, vp.height, &nx, &ny);
              max_speed = sample_field (scene, nx, ny);
            }
        }
    }
  scene->viewport = vp;
  scene->has_viewport = TRUE;

  currents_plot_draw_background (cr, theme, width, height, &vp);
  currents_plot_draw_grid (cr, theme, &vp);

  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);

  if (scene->basins != NULL && shown (scene, CURRENTS_PLOT_LAYER_BASINS))
    st.n_basin_cells = currents_plot_draw_basins (
      cr, theme, &vp, scene->basins_window, scene->basins_nx, scene->basins_ny, scene->basins,
      scene->opacity[layer_index (CURRENTS_PLOT_LAYER_BASINS)]);

  if (field)
    {
      begin_layer (scene, cr, CURRENTS_PLOT_LAYER_FIELD);
      if (scene->has_grid)
        st.n_arrows = currents_plot_draw_field_grid (cr, theme, &vp, scene->grid_window,
                                                     scene->grid_nx, scene->grid_ny,
                                                     scene->grid_fx, scene->grid_fy,
                                                     scene->arrow_style, max_speed);
      else
        st.n_arrows = currents_plot_draw_field_grid (cr, theme, &vp, scene->cache_window, nx, ny,
                                                     scene->cache_fx, scene->cache_fy,
                                                     scene->arrow_style, max_speed);
      end_layer (scene, cr, CURRENTS_PLOT_LAYER_FIELD);
      st.max_speed = max_speed;
    }

  if (scene->shading != NULL)
    st.n_shaded_cells = draw_shading (scene, cr, theme, &vp);

  /* a learned model outside its data: veiled, whatever layers are shown */
  g_clear_pointer (&scene->covered, g_free);
  scene->covered = compute_coverage (scene);
  if (scene->covered != NULL)
    st.n_uncovered_cells = draw_coverage (scene, cr, theme, &vp, scene->covered);

  if (shown (scene, CURRENTS_PLOT_LAYER_BASINS))
    {
      begin_layer (scene, cr, CURRENTS_PLOT_LAYER_BASINS);
      draw_kind (scene, cr, theme, &vp, CURRENTS_PLOT_CURVE_CYCLE);
      end_layer (scene, cr, CURRENTS_PLOT_LAYER_BASINS);
    }

  if (shown (scene, CURRENTS_PLOT_LAYER_TRAJECTORIES))
    {
      begin_layer (scene, cr, CURRENTS_PLOT_LAYER_TRAJECTORIES);
      st.n_trajectories = draw_kind (scene, cr, theme, &vp, CURRENTS_PLOT_CURVE_TRAJECTORY);
      end_layer (scene, cr, CURRENTS_PLOT_LAYER_TRAJECTORIES);
    }

  if (shown (scene, CURRENTS_PLOT_LAYER_NULLCLINES))
    {
      begin_layer (scene, cr, CURRENTS_PLOT_LAYER_NULLCLINES);
      st.n_nullclines = draw_kind (scene, cr, theme, &vp, CURRENTS_PLOT_CURVE_NULLCLINE_X);
      st.n_nullclines += draw_kind (scene, cr, theme, &vp, CURRENTS_PLOT_CURVE_NULLCLINE_Y);
      end_layer (scene, cr, CURRENTS_PLOT_LAYER_NULLCLINES);
    }

  if (shown (scene, CURRENTS_PLOT_LAYER_SEPARATRICES))
    {
      begin_layer (scene, cr, CURRENTS_PLOT_LAYER_SEPARATRICES);
      st.n_separatrices = draw_kind (scene, cr, theme, &vp, CURRENTS_PLOT_CURVE_STABLE_MANIFOLD);
      st.n_separatrices += draw_kind (scene, cr, theme, &vp,
                                      CURRENTS_PLOT_CURVE_UNSTABLE_MANIFOLD);
      end_layer (scene, cr, CURRENTS_PLOT_LAYER_SEPARATRICES);
    }

  if (shown (scene, CURRENTS_PLOT_LAYER_TRAJECTORIES))
    st.n_trajectories += draw_kind (scene, cr, theme, &vp, CURRENTS_PLOT_CURVE_INITIAL);

  /* Data: lines first, then all markers, so no line crosses a marker. */
  if (shown (scene, CURRENTS_PLOT_LAYER_DATA))
    {
      begin_layer (scene, cr, CURRENTS_PLOT_LAYER_DATA);
      for (guint i = 0; i < scene->curves->len; i++)
        {
          const Curve *curve = g_ptr_array_index (scene->curves, i);

          if (curve->kind == CURRENTS_PLOT_CURVE_DATA)
            n_data_samples += curve->n;
        }
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
          color.alpha = curve->dimmed ? 0.15 : 0.6;
          currents_plot_draw_polyline (cr, &vp, curve->xy, 2, curve->xy + 1, 2, curve->n, &color,
                                       1.2, -1.0);
        }
      for (guint i = 0; i < scene->curves->len; i++)
        {
          const Curve *curve = g_ptr_array_index (scene->curves, i);
          CurrentsPlotColor color, faint;
          guint n;

          if (curve->kind != CURRENTS_PLOT_CURVE_DATA)
            continue;
          currents_plot_theme_palette_color (theme, curve->color_index, &color);
          faint = outline;
          if (curve->dimmed)
            {
              color.alpha = 0.25;
              faint.alpha = 0.25;
            }
          n = currents_plot_draw_markers (cr, &vp, curve->xy, 2, curve->xy + 1, 2, curve->n,
                                          &color, marker_radius > 2.0 ? &faint : NULL,
                                          marker_radius);
          st.n_markers += n;
          st.n_data_curves += n > 0;
        }
      end_layer (scene, cr, CURRENTS_PLOT_LAYER_DATA);
    }

  if (shown (scene, CURRENTS_PLOT_LAYER_LAUNCHED))
    st.n_launched = draw_kind (scene, cr, theme, &vp, CURRENTS_PLOT_CURVE_LAUNCHED);

  if (shown (scene, CURRENTS_PLOT_LAYER_EQUILIBRIA))
    {
      begin_layer (scene, cr, CURRENTS_PLOT_LAYER_EQUILIBRIA);
      for (guint i = 0; i < scene->equilibria->len; i++)
        {
          const Equilibrium *eq = &g_array_index (scene->equilibria, Equilibrium, i);
          double dx, dy;

          if (!isfinite (eq->x) || !isfinite (eq->y))
            continue;
          currents_plot_viewport_to_device (&vp, eq->x, eq->y, &dx, &dy);
          if (dx < vp.left - GLYPH_RADIUS || dx > vp.left + vp.width + GLYPH_RADIUS
              || dy < vp.top - GLYPH_RADIUS || dy > vp.top + vp.height + GLYPH_RADIUS)
            continue;
          currents_plot_draw_glyph (cr, dx, dy, GLYPH_RADIUS, eq->glyph, &theme->equilibrium,
                                    &theme->plot_background);
          st.n_equilibria++;
        }
      end_layer (scene, cr, CURRENTS_PLOT_LAYER_EQUILIBRIA);
    }
  cairo_restore (cr);

  currents_plot_draw_axes (cr, theme, &vp, scene->x_label, scene->y_label);
  if (field && max_speed > 0.0)
    currents_plot_draw_colorbar (cr, theme, &vp, scene->speed_label, max_speed);
  if (scene->show_legend)
    draw_legend (scene, cr, theme, &vp);

  if (stats != NULL)
    *stats = st;
}

gboolean
currents_plot_scene_get_viewport (const CurrentsPlotScene *scene,
                                  CurrentsPlotViewport    *vp)
{
  g_return_val_if_fail (scene != NULL, FALSE);

  if (vp != NULL && scene->has_viewport)
    *vp = scene->viewport;
  return scene->has_viewport;
}

/* ---- export ---- */

static void
export_draw (gpointer                 figure,
             cairo_t                 *cr,
             const CurrentsPlotTheme *theme,
             double                   width,
             double                   height)
{
  currents_plot_scene_draw (figure, cr, theme, width, height, NULL);
}

gboolean
currents_plot_scene_export (CurrentsPlotScene       *scene,
                            const CurrentsPlotTheme *theme,
                            const char              *path,
                            double                   width,
                            double                   height,
                            GError                 **error)
{
  return currents_plot_scene_export_scaled (scene, theme, path, width, height, 1.0, error);
}

gboolean
currents_plot_scene_export_scaled (CurrentsPlotScene       *scene,
                                   const CurrentsPlotTheme *theme,
                                   const char              *path,
                                   double                   width,
                                   double                   height,
                                   double                   scale,
                                   GError                 **error)
{
  CurrentsPlotViewport saved_viewport;
  gboolean saved_has_viewport, ok;

  g_return_val_if_fail (scene != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (width >= 1.0 && height >= 1.0, FALSE);
  g_return_val_if_fail (scale > 0.0 && scale <= 16.0, FALSE);

  /* the figure on screen keeps its viewport (hit-testing goes by it) */
  saved_viewport = scene->viewport;
  saved_has_viewport = scene->has_viewport;
  ok = _currents_plot_export_image (path, width, height, scale, scene->metadata, export_draw,
                                    scene, theme, error);
  scene->viewport = saved_viewport;
  scene->has_viewport = saved_has_viewport;
  return ok;
}

static void
csv_field (GString    *out,
           const char *text)
{
  if (text == NULL)
    return;
  if (strpbrk (text, ",\"\n\r") != NULL)
    {
      g_autoptr(GString) q = g_string_new (text);

      g_string_replace (q, "\"", "\"\"", 0);
      g_string_append_printf (out, "\"%s\"", q->str);
    }
  else
    g_string_append (out, text);
}

static void
csv_number (GString *out,
            double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isfinite (v))
    g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.12g", v));
  else
    g_string_append (out, "NaN");
}

gboolean
currents_plot_scene_export_csv (CurrentsPlotScene  *scene,
                                const char         *path,
                                GError            **error)
{
  g_autoptr(GString) out = g_string_new (NULL);
  static const char *const glyph_names[] = { "stable", "unstable", "saddle", "neutral" };
  guint id = 0;

  g_return_val_if_fail (scene != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  for (guint i = 0; i < scene->metadata->len; i++)
    {
      const CurrentsPlotMetadata *m =
        &g_array_index (scene->metadata, CurrentsPlotMetadata, i);
      g_autofree char *value = g_strdup (m->value);

      g_strdelimit (value, "\n\r", ' ');
      g_string_append_printf (out, "# %s: %s\n", m->key, value);
    }
  g_string_append (out, "curve,kind,label,");
  csv_field (out, scene->x_label != NULL ? scene->x_label : "x");
  g_string_append_c (out, ',');
  csv_field (out, scene->y_label != NULL ? scene->y_label : "y");
  g_string_append_c (out, '\n');

  for (guint i = 0; i < scene->curves->len; i++)
    {
      const Curve *curve = g_ptr_array_index (scene->curves, i);
      const char *label = curve->label;

      if (curve->kind == CURRENTS_PLOT_CURVE_DATA
          || !(scene->layers & currents_plot_curve_kind_layer (curve->kind)))
        continue;
      /* unlabelled curves of a kind share the first one's label */
      for (guint j = 0; label == NULL && j < i; j++)
        {
          const Curve *other = g_ptr_array_index (scene->curves, j);

          if (other->kind == curve->kind && other->label != NULL)
            label = other->label;
        }
      for (gsize k = 0; k < curve->n; k++)
        {
          g_string_append_printf (out, "%u,%s,", id,
                                  currents_plot_curve_kind_to_string (curve->kind));
          csv_field (out, label);
          g_string_append_c (out, ',');
          csv_number (out, curve->xy[2 * k]);
          g_string_append_c (out, ',');
          csv_number (out, curve->xy[2 * k + 1]);
          g_string_append_c (out, '\n');
        }
      id++;
    }
  if (scene->layers & CURRENTS_PLOT_LAYER_EQUILIBRIA)
    for (guint i = 0; i < scene->equilibria->len; i++)
      {
        const Equilibrium *eq = &g_array_index (scene->equilibria, Equilibrium, i);

        g_string_append_printf (out, "%u,equilibrium,", id++);
        csv_field (out, eq->label != NULL ? eq->label : glyph_names[eq->glyph]);
        g_string_append_c (out, ',');
        csv_number (out, eq->x);
        g_string_append_c (out, ',');
        csv_number (out, eq->y);
        g_string_append_c (out, '\n');
      }
  return g_file_set_contents (path, out->str, out->len, error);
}
