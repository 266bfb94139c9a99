/* test-plot.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The drawing library on its own: ticks, labels, gaps, and a whole phase-plane
 * scene of the genetic toggle switch
 *
 *   u' = a₁/(1 + vⁿ) − u,   v' = a₂/(1 + uᵐ) − v,   a₁ = a₂ = 3, n = m = 2,
 *
 * integrated here with RK4 so the test needs no engine. With CURRENTS_SCREENSHOT_DIR
 * set, the scene is also written there as plot-light.png, plot-dark.png and .svg.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-plot"

#include <math.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "currents-plot-scene.h"

static void
toggle (const double *x,
        double       *f)
{
  f[0] = 3.0 / (1.0 + x[1] * x[1]) - x[0];
  f[1] = 3.0 / (1.0 + x[0] * x[0]) - x[1];
}

static gboolean
toggle_field (double    x,
              double    y,
              double   *fx,
              double   *fy,
              gpointer  user_data)
{
  double s[2] = { x, y }, f[2];

  toggle (s, f);
  *fx = f[0];
  *fy = f[1];
  return TRUE;
}

/* n samples, dt apart, from x0 (row-major n × 2). */
static double *
integrate (double u0,
           double v0,
           double dt,
           gsize  n)
{
  double *out = g_new (double, 2 * n);
  double x[2] = { u0, v0 };
  const int sub = 10;
  double h = dt / sub;

  for (gsize k = 0; k < n; k++)
    {
      out[2 * k] = x[0];
      out[2 * k + 1] = x[1];
      for (int s = 0; s < sub; s++)
        {
          double k1[2], k2[2], k3[2], k4[2], y[2];

          toggle (x, k1);
          y[0] = x[0] + h / 2 * k1[0]; y[1] = x[1] + h / 2 * k1[1];
          toggle (y, k2);
          y[0] = x[0] + h / 2 * k2[0]; y[1] = x[1] + h / 2 * k2[1];
          toggle (y, k3);
          y[0] = x[0] + h * k3[0]; y[1] = x[1] + h * k3[1];
          toggle (y, k4);
          x[0] += h / 6 * (k1[0] + 2 * k2[0] + 2 * k3[0] + k4[0]);
          x[1] += h / 6 * (k1[1] + 2 * k2[1] + 2 * k3[1] + k4[1]);
        }
    }
  return out;
}

static void
test_ticks (void)
{
  double first, step;
  int decimals;
  guint n;

  n = currents_plot_nice_ticks (0.0, 3.5, 5, &first, &step, &decimals);
  g_assert_cmpuint (n, ==, 8);
  g_assert_cmpfloat_with_epsilon (first, 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (step, 0.5, 1e-12);
  g_assert_cmpint (decimals, ==, 1);

  n = currents_plot_nice_ticks (-2.385, 7.13, 4, &first, &step, &decimals);
  g_assert_cmpfloat_with_epsilon (step, 2.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (first, 0.0, 1e-12);
  g_assert_cmpuint (n, ==, 3);
  g_assert_cmpint (decimals, ==, 1);

  n = currents_plot_nice_ticks (1000.0, 5000.0, 4, &first, &step, &decimals);
  g_assert_cmpfloat_with_epsilon (step, 1000.0, 1e-9);
  g_assert_cmpuint (n, ==, 5);
  g_assert_cmpint (decimals, ==, 0);

  n = currents_plot_nice_ticks (0.0012, 0.0047, 5, &first, &step, &decimals);
  g_assert_cmpfloat_with_epsilon (step, 0.0005, 1e-15);
  g_assert_cmpint (decimals, ==, 4);
  g_assert_cmpuint (n, ==, 7);

  /* Degenerate and non-finite ranges give no ticks. */
  g_assert_cmpuint (currents_plot_nice_ticks (1.0, 1.0, 5, &first, &step, &decimals), ==, 0);
  g_assert_cmpuint (currents_plot_nice_ticks (NAN, 1.0, 5, &first, &step, &decimals), ==, 0);
}

static void
test_format (void)
{
  struct { double v; int d; const char *expected; } cases[] = {
    { 0.0, 0, "0" },
    { 2.5, 1, "2.5" },
    { -1.5, 1, "\u22121.5" },
    { -0.0001, 2, "0.00" },
    { -0.0, 1, "0.0" },
    { 1000.0, 0, "1000" },
  };
  double lo = 1.0, hi = 1.0;

  /* Labels use the C locale here; the GUI's follow the user's. */
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s = currents_plot_format_tick (cases[i].v, cases[i].d);

      g_assert_cmpstr (s, ==, cases[i].expected);
    }

  currents_plot_pad_range (&lo, &hi, 0.1);
  g_assert_cmpfloat (lo, <, 1.0);
  g_assert_cmpfloat (hi, >, 1.0);
  lo = 0.0;
  hi = 10.0;
  currents_plot_pad_range (&lo, &hi, 0.1);
  g_assert_cmpfloat_with_epsilon (lo, -1.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (hi, 11.0, 1e-12);
}

static void
test_viewport (void)
{
  CurrentsPlotViewport vp = { -1.0, 3.0, 0.0, 2.0, 10.0, 20.0, 400.0, 200.0 };
  double dx, dy, x, y;

  currents_plot_viewport_to_device (&vp, -1.0, 2.0, &dx, &dy);
  g_assert_cmpfloat_with_epsilon (dx, 10.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (dy, 20.0, 1e-12);
  currents_plot_viewport_to_device (&vp, 3.0, 0.0, &dx, &dy);
  g_assert_cmpfloat_with_epsilon (dx, 410.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (dy, 220.0, 1e-12);
  currents_plot_viewport_to_data (&vp, 110.0, 70.0, &x, &y);
  g_assert_cmpfloat_with_epsilon (x, 0.0, 1e-12);
  g_assert_cmpfloat_with_epsilon (y, 1.5, 1e-12);
}

static void
test_polyline_gaps (void)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 100, 100);
  cairo_t *cr = cairo_create (surface);
  CurrentsPlotViewport vp = { 0, 4, 0, 4, 0, 0, 100, 100 };
  CurrentsPlotColor black = { 0, 0, 0, 1 };
  /* rows of (t, x, y): a missing y at row 2 splits the curve in two */
  const double rows[] = {
    0.0, 0.5, 0.5,
    1.0, 1.0, 1.0,
    2.0, 1.5, NAN,
    3.0, 2.0, 2.0,
    4.0, 3.0, 3.0,
    5.0, 3.5, 3.1,
  };

  g_assert_cmpuint (currents_plot_draw_polyline (cr, &vp, rows + 1, 3, rows + 2, 3, 6, &black,
                                                 1.0, 0.5), ==, 3);
  g_assert_cmpuint (currents_plot_draw_markers (cr, &vp, rows + 1, 3, rows + 2, 3, 6, &black,
                                                NULL, 2.0), ==, 5);
  /* time on x: stride 3 from the first column */
  g_assert_cmpuint (currents_plot_draw_polyline (cr, &vp, rows, 3, rows + 1, 3, 6, &black,
                                                 1.0, -1.0), ==, 5);
  g_assert_cmpuint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static CurrentsPlotScene *
toggle_scene (void)
{
  CurrentsPlotScene *scene = currents_plot_scene_new ();
  const double starts[][2] = {
    { 0.4, 0.1 }, { 0.1, 0.5 }, { 3.3, 3.4 }, { 0.2, 3.3 }, { 3.4, 0.3 }, { 1.0, 1.2 },
    { 2.0, 3.4 }, { 3.4, 2.1 }, { 1.3, 1.0 },
  };
  g_autofree double *initial = integrate (2.5, 0.2, 0.05, 400);

  currents_plot_scene_set_window (scene, 0.0, 3.5, 0.0, 3.5);
  currents_plot_scene_set_labels (scene, "u", "v");
  currents_plot_scene_set_field (scene, toggle_field, NULL, NULL, "speed");

  for (guint i = 0; i < G_N_ELEMENTS (starts); i++)
    {
      g_autofree double *track = integrate (starts[i][0], starts[i][1], 0.05, 400);

      currents_plot_scene_add_curve (scene, CURRENTS_PLOT_CURVE_TRAJECTORY,
                                     i == 0 ? "Trajectories" : NULL,
                                     track, 2, track + 1, 2, 400, 0);
    }
  currents_plot_scene_add_curve (scene, CURRENTS_PLOT_CURVE_INITIAL, "From the initial state",
                                 initial, 2, initial + 1, 2, 400, 0);

  /* Three "measured" trajectories: coarse samples with a deterministic wobble and a
   * few missing values. */
  for (guint i = 0; i < 3; i++)
    {
      const double u0[] = { 0.3, 2.9, 1.6 }, v0[] = { 2.6, 0.6, 3.1 };
      g_autofree double *track = integrate (u0[i], v0[i], 0.5, 16);
      g_autofree char *label = g_strdup_printf ("iptg = %g", 0.25 * i);

      for (guint k = 0; k < 16; k++)
        {
          track[2 * k] += 0.04 * sin (7.1 * k + i);
          track[2 * k + 1] += 0.04 * cos (5.3 * k + 2 * i);
        }
      track[2 * 5 + 1] = NAN;
      currents_plot_scene_add_curve (scene, CURRENTS_PLOT_CURVE_DATA, label,
                                     track, 2, track + 1, 2, 16, i);
    }
  return scene;
}

static void
test_scene_draw (void)
{
  g_autoptr(CurrentsPlotScene) scene = toggle_scene ();
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 640, 480);
  cairo_t *cr = cairo_create (surface);
  CurrentsPlotTheme theme;
  CurrentsPlotStats stats;
  double xlo, xhi, ylo, yhi;

  currents_plot_theme_init (&theme, FALSE);
  currents_plot_scene_draw (scene, cr, &theme, 640, 480, &stats);
  g_assert_cmpuint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);

  g_assert_cmpuint (stats.n_arrows, >, 50);
  g_assert_cmpuint (stats.n_trajectories, ==, 10);
  g_assert_cmpuint (stats.n_data_curves, ==, 3);
  g_assert_cmpuint (stats.n_markers, ==, 3 * 15);
  /* top speed near the corner (3.5, 3.5): |f| = √2 (3.5 − 3/13.25) ≈ 4.63, less
   * half a cell */
  g_assert_cmpfloat (stats.max_speed, >, 4.0);
  g_assert_cmpfloat (stats.max_speed, <, G_SQRT2 * (3.5 - 3.0 / 13.25));

  g_assert_cmpuint (currents_plot_scene_get_n_curves (scene, CURRENTS_PLOT_CURVE_DATA), ==, 3);
  g_assert_true (currents_plot_scene_get_extent (scene, CURRENTS_PLOT_CURVE_DATA,
                                                 &xlo, &xhi, &ylo, &yhi));
  g_assert_cmpfloat (xlo, <, xhi);
  g_assert_cmpfloat (ylo, <, yhi);

  currents_plot_scene_clear_curves (scene, CURRENTS_PLOT_CURVE_DATA);
  currents_plot_scene_draw (scene, cr, &theme, 640, 480, &stats);
  g_assert_cmpuint (stats.n_data_curves, ==, 0);
  g_assert_false (currents_plot_scene_get_extent (scene, CURRENTS_PLOT_CURVE_DATA,
                                                  &xlo, &xhi, &ylo, &yhi));

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
test_scene_empty (void)
{
  g_autoptr(CurrentsPlotScene) scene = currents_plot_scene_new ();
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 64, 48);
  cairo_t *cr = cairo_create (surface);
  CurrentsPlotTheme theme;
  CurrentsPlotStats stats = { 1, 1, 1, 1, 1.0 };

  currents_plot_theme_init (&theme, TRUE);
  g_assert_false (currents_plot_scene_get_window (scene, NULL, NULL, NULL, NULL));
  currents_plot_scene_draw (scene, cr, &theme, 64, 48, &stats);
  g_assert_cmpuint (stats.n_arrows, ==, 0);
  g_assert_cmpuint (stats.n_trajectories, ==, 0);
  g_assert_cmpuint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
test_scene_export (void)
{
  g_autoptr(CurrentsPlotScene) scene = toggle_scene ();
  const char *shots = g_getenv ("CURRENTS_SCREENSHOT_DIR");
  g_autofree char *tmp = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsPlotTheme light, dark;
  const char *dir;

  if (shots != NULL)
    dir = shots;
  else
    {
      tmp = g_dir_make_tmp ("currents-plot-XXXXXX", &error);
      g_assert_no_error (error);
      dir = tmp;
    }
  currents_plot_theme_init (&light, FALSE);
  currents_plot_theme_init (&dark, TRUE);

  {
    g_autofree char *png = g_build_filename (dir, "plot-light.png", NULL);
    g_autofree char *png_dark = g_build_filename (dir, "plot-dark.png", NULL);
    g_autofree char *svg = g_build_filename (dir, "plot-light.svg", NULL);
    g_autofree char *bad = g_build_filename (dir, "plot.bmp", NULL);

    g_assert_true (currents_plot_scene_export (scene, &light, png, 800, 600, &error));
    g_assert_no_error (error);
    g_assert_true (currents_plot_scene_export (scene, &dark, png_dark, 800, 600, &error));
    g_assert_no_error (error);
    g_assert_true (currents_plot_scene_export (scene, &light, svg, 800, 600, &error));
    g_assert_no_error (error);
    g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
    g_assert_true (g_file_test (svg, G_FILE_TEST_IS_REGULAR));

    g_assert_false (currents_plot_scene_export (scene, &light, bad, 800, 600, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);

    if (tmp != NULL)
      {
        g_unlink (png);
        g_unlink (png_dark);
        g_unlink (svg);
        g_rmdir (tmp);
      }
  }
}

/* Extrapolation honesty: with a coverage label, the cells with no data sample in them or
 * in a neighbour are veiled; the count equals the test's own, data points are covered,
 * far corners are not; without a label (a model written by hand) nothing is veiled. */
static void
test_scene_coverage (void)
{
  g_autoptr(CurrentsPlotScene) scene = currents_plot_scene_new ();
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 640, 480);
  cairo_t *cr = cairo_create (surface);
  const gsize nx = CURRENTS_PLOT_COVERAGE_NX, ny = CURRENTS_PLOT_COVERAGE_NY;
  g_autofree guint8 *occ = g_new0 (guint8, nx * ny);
  CurrentsPlotTheme theme;
  CurrentsPlotStats stats;
  double track[2 * 40];
  guint expected = 0;

  currents_plot_scene_set_window (scene, 0.0, 4.8, 0.0, 3.6);
  /* a diagonal track from (0.5, 0.5) to (3.4, 2.45) */
  for (guint k = 0; k < 40; k++)
    {
      track[2 * k] = 0.5 + 2.9 * k / 39.0;
      track[2 * k + 1] = 0.5 + 1.95 * k / 39.0;
      occ[(gsize) floor (track[2 * k + 1] / 0.1) * nx + (gsize) floor (track[2 * k] / 0.1)] = 1;
    }
  currents_plot_scene_add_curve (scene, CURRENTS_PLOT_CURVE_DATA, "data", track, 2, track + 1,
                                 2, 40, 0);
  for (gsize j = 0; j < ny; j++)
    for (gsize i = 0; i < nx; i++)
      {
        gboolean near = FALSE;

        for (int dj = -1; dj <= 1; dj++)
          for (int di = -1; di <= 1; di++)
            {
              int a = (int) i + di, b = (int) j + dj;

              near |= a >= 0 && b >= 0 && a < (int) nx && b < (int) ny && occ[b * nx + a];
            }
        expected += !near;
      }
  currents_plot_theme_init (&theme, FALSE);

  currents_plot_scene_draw (scene, cr, &theme, 640, 480, &stats);
  g_assert_cmpuint (stats.n_uncovered_cells, ==, 0);
  g_assert_true (currents_plot_scene_is_covered (scene, 4.5, 3.5));

  currents_plot_scene_set_coverage (scene, "outside the data");
  currents_plot_scene_draw (scene, cr, &theme, 640, 480, &stats);
  g_assert_cmpuint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpuint (stats.n_uncovered_cells, ==, expected);
  g_assert_cmpuint (expected, >, nx * ny / 2);
  for (guint k = 0; k < 40; k++)
    g_assert_true (currents_plot_scene_is_covered (scene, track[2 * k], track[2 * k + 1]));
  g_assert_false (currents_plot_scene_is_covered (scene, 4.5, 0.2));
  g_assert_false (currents_plot_scene_is_covered (scene, 0.2, 3.4));
  /* outside the window: not covered */
  g_assert_false (currents_plot_scene_is_covered (scene, -1.0, 1.0));
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

/* Shading (an ensemble's disagreement): every cell with a value > 0 is tinted, NaN and 0
 * are not, and the legend names it. */
static void
test_scene_shading (void)
{
  g_autoptr(CurrentsPlotScene) scene = currents_plot_scene_new ();
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 320, 240);
  cairo_t *cr = cairo_create (surface);
  const double window[4] = { 0.0, 1.0, 0.0, 1.0 };
  double values[6 * 4];
  CurrentsPlotTheme theme;
  CurrentsPlotStats stats;
  guint expected = 0;

  for (guint c = 0; c < 24; c++)
    {
      values[c] = c % 3 == 0 ? 0.0 : c % 5 == 0 ? NAN : 0.1 * c;
      expected += values[c] > 0;
    }
  currents_plot_scene_set_window (scene, 0.0, 1.0, 0.0, 1.0);
  currents_plot_theme_init (&theme, FALSE);
  currents_plot_scene_set_shading (scene, window, 6, 4, values, 1.0, "members disagree");
  currents_plot_scene_draw (scene, cr, &theme, 320, 240, &stats);
  g_assert_cmpuint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpuint (stats.n_shaded_cells, ==, expected);
  currents_plot_scene_set_shading (scene, window, 6, 4, NULL, 1.0, NULL);
  currents_plot_scene_draw (scene, cr, &theme, 320, 240, &stats);
  g_assert_cmpuint (stats.n_shaded_cells, ==, 0);
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/plot/ticks/nice", test_ticks);
  g_test_add_func ("/plot/ticks/format", test_format);
  g_test_add_func ("/plot/viewport", test_viewport);
  g_test_add_func ("/plot/polyline/gaps", test_polyline_gaps);
  g_test_add_func ("/plot/scene/draw", test_scene_draw);
  g_test_add_func ("/plot/scene/coverage", test_scene_coverage);
  g_test_add_func ("/plot/scene/shading", test_scene_shading);
  g_test_add_func ("/plot/scene/empty", test_scene_empty);
  g_test_add_func ("/plot/scene/export", test_scene_export);

  return g_test_run ();
}
