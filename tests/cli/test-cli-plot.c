/* test-cli-plot.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli plot` as a user runs it, and what its pixels show. For the genetic toggle
 * switch (a₁ = a₂ = 3, iptg = 0) the nullclines are u = 3/(1 + v²) and v = 3/(1 + u²), the
 * equilibria (0.382, 2.618) and (2.618, 0.382) stable and u = v = 1.2134 (u³ + u = 3) a
 * saddle: the PNG must show each nullcline's colour along its curve, the stable glyph's ink
 * at the stable equilibria and the saddle's half-filled glyph at the saddle, at the pixels
 * the plot's own layout computes for them. Also SVG and PDF with their provenance, the
 * curves as CSV, a trained model, data, and the exit statuses (0 ok, 1 user error, 2 usage).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-cli-test.h"
#include "currents-plot-portrait.h"

/* The toggle switch with a1 = a2 = 3, whose nullclines and equilibria have closed forms
 * (the example itself is asymmetric, for its hysteresis loop); relative to data/examples. */
#define SYMMETRIC_TOGGLE "../../tests/data/toggle-symmetric.ode"

static char *tmpdir;

static char *
temp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

/* ---- pixels ---- */

typedef struct
{
  cairo_surface_t     *image;
  CurrentsPlotViewport vp;
  CurrentsPlotTheme    theme;
} Picture;

static void
picture_clear (Picture *p)
{
  g_clear_pointer (&p->image, cairo_surface_destroy);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC (Picture, picture_clear)

/* Reads the PNG and lays out a plot of that size over [0, 3.5]² with no colour bar (no
 * field), as the command does. */
static void
picture_load (Picture    *p,
              const char *path,
              gboolean    dark)
{
  cairo_t *cr;

  p->image = cairo_image_surface_create_from_png (path);
  g_assert_cmpint (cairo_surface_status (p->image), ==, CAIRO_STATUS_SUCCESS);
  currents_plot_theme_init (&p->theme, dark);
  cr = cairo_create (p->image);
  currents_plot_layout (cr, &p->theme, cairo_image_surface_get_width (p->image),
                        cairo_image_surface_get_height (p->image), 0.0, 3.5, 0.0, 3.5, 0.0,
                        &p->vp);
  cairo_destroy (cr);
}

static void
pixel (const Picture *p,
       int            x,
       int            y,
       double        *rgb)
{
  const guint8 *data = cairo_image_surface_get_data (p->image);
  int stride = cairo_image_surface_get_stride (p->image);
  guint32 px = *(const guint32 *) (data + y * stride + 4 * x);
  double a = ((px >> 24) & 0xff) / 255.0;

  /* premultiplied ARGB; the figure is opaque */
  rgb[0] = a > 0 ? ((px >> 16) & 0xff) / 255.0 / a : 0.0;
  rgb[1] = a > 0 ? ((px >> 8) & 0xff) / 255.0 / a : 0.0;
  rgb[2] = a > 0 ? (px & 0xff) / 255.0 / a : 0.0;
}

static double
distance (const double            *rgb,
          const CurrentsPlotColor *c)
{
  return fabs (rgb[0] - c->red) + fabs (rgb[1] - c->green) + fabs (rgb[2] - c->blue);
}

/* A pixel of @color within @radius pixels of the data point (x, y). */
static gboolean
has_color_near (const Picture           *p,
                double                   x,
                double                   y,
                const CurrentsPlotColor *color,
                int                      radius)
{
  double dx, dy;

  currents_plot_viewport_to_device (&p->vp, x, y, &dx, &dy);
  for (int j = -radius; j <= radius; j++)
    for (int i = -radius; i <= radius; i++)
      {
        int px = (int) floor (dx) + i, py = (int) floor (dy) + j;
        double rgb[3];

        if (px < 0 || py < 0 || px >= cairo_image_surface_get_width (p->image)
            || py >= cairo_image_surface_get_height (p->image))
          continue;
        pixel (p, px, py, rgb);
        if (distance (rgb, color) < 0.12)
          return TRUE;
      }
  return FALSE;
}

static const double stable_lo[2] = { 0.38196601125010515, 2.6180339887498949 };
static const double stable_hi[2] = { 2.6180339887498949, 0.38196601125010515 };

static double
saddle (void)
{
  double u = 1.0;

  for (int i = 0; i < 60; i++)
    u -= (u * u * u + u - 3.0) / (3 * u * u + 1);
  return u;
}

static gboolean
near_equilibrium (double u,
                  double v)
{
  double s = saddle ();

  return hypot (u - stable_lo[0], v - stable_lo[1]) < 0.2
         || hypot (u - stable_hi[0], v - stable_hi[1]) < 0.2 || hypot (u - s, v - s) < 0.2;
}

/* Both nullclines in their colours along the curves, where they are apart. */
static void
check_nullclines (const Picture *p,
                  gboolean       expected)
{
  guint checked = 0;

  for (double v = 0.05; v < 3.5; v += 0.05)
    {
      double u = 3.0 / (1.0 + v * v);

      if (near_equilibrium (u, v) || fabs (u - v) < 0.15)
        continue;
      g_assert_cmpint (has_color_near (p, u, v, &p->theme.nullcline[0], 2), ==, expected);
      /* the other curve is elsewhere here */
      g_assert_false (has_color_near (p, u, v, &p->theme.nullcline[1], 1)
                      && fabs (v - 3.0 / (1.0 + u * u)) > 0.3);
      checked++;
    }
  for (double u = 0.05; u < 3.5; u += 0.05)
    {
      double v = 3.0 / (1.0 + u * u);

      if (near_equilibrium (u, v) || fabs (u - v) < 0.15)
        continue;
      g_assert_cmpint (has_color_near (p, u, v, &p->theme.nullcline[1], 2), ==, expected);
      checked++;
    }
  g_assert_cmpuint (checked, >, 80);
}

/* The glyphs: filled at the stable equilibria, half-filled (left) at the saddle. */
static void
check_glyphs (const Picture *p)
{
  const CurrentsPlotColor *ink = &p->theme.equilibrium;
  const CurrentsPlotColor *paper = &p->theme.plot_background;
  double s = saddle (), dx, dy, rgb[3];

  for (int k = 0; k < 2; k++)
    {
      const double *e = k == 0 ? stable_lo : stable_hi;

      currents_plot_viewport_to_device (&p->vp, e[0], e[1], &dx, &dy);
      pixel (p, (int) floor (dx), (int) floor (dy), rgb);
      g_assert_cmpfloat (distance (rgb, ink), <, 0.1);
    }
  currents_plot_viewport_to_device (&p->vp, s, s, &dx, &dy);
  pixel (p, (int) floor (dx) - 2, (int) floor (dy), rgb);
  g_assert_cmpfloat (distance (rgb, ink), <, 0.1);
  pixel (p, (int) floor (dx) + 3, (int) floor (dy), rgb);
  g_assert_cmpfloat (distance (rgb, paper), <, 0.1);
}

static void
test_png_layers (void)
{
  g_autofree char *model = currents_cli_test_example (SYMMETRIC_TOGGLE);
  g_autofree char *png = temp_path ("nullclines.png");
  g_autofree char *glyphs = temp_path ("glyphs.png");
  g_autofree char *dark = temp_path ("dark.png");
  g_autofree char *none = temp_path ("trajectories.png");
  g_auto(CurrentsCliRun) r = { 0 }, r2 = { 0 }, r3 = { 0 }, r4 = { 0 };

  currents_cli_test_run (&r, "plot", model, "--layers", "nullclines", "--size", "800x600", "-o",
                         png, NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  {
    g_auto(Picture) p = { 0 };

    picture_load (&p, png, FALSE);
    g_assert_cmpint (cairo_image_surface_get_width (p.image), ==, 800);
    g_assert_cmpint (cairo_image_surface_get_height (p.image), ==, 600);
    check_nullclines (&p, TRUE);
  }

  currents_cli_test_run (&r2, "plot", model, "--layers=nullclines,equilibria", "--size=640x640",
                         "--no-legend",
                         "-o", glyphs, NULL);
  g_assert_cmpint (r2.status, ==, 0);
  {
    g_auto(Picture) p = { 0 };

    picture_load (&p, glyphs, FALSE);
    check_nullclines (&p, TRUE);
    check_glyphs (&p);
  }

  currents_cli_test_run (&r3, "plot", model, "--layers", "nullclines,equilibria", "--dark",
                         "--no-legend",
                         "-o", dark, NULL);
  g_assert_cmpint (r3.status, ==, 0);
  {
    g_auto(Picture) p = { 0 };

    picture_load (&p, dark, TRUE);
    check_nullclines (&p, TRUE);
    check_glyphs (&p);
  }

  /* without the layer, no nullcline colour along the curves */
  currents_cli_test_run (&r4, "plot", model, "--layers", "trajectories", "--no-legend", "-o", none,
                         NULL);
  g_assert_cmpint (r4.status, ==, 0);
  {
    g_auto(Picture) p = { 0 };

    picture_load (&p, none, FALSE);
    check_nullclines (&p, FALSE);
  }
}

static void
test_formats (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle.ode");
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *svg = temp_path ("toggle.svg");
  g_autofree char *pdf = temp_path ("toggle.pdf");
  g_autofree char *png = temp_path ("toggle.png");
  g_autofree char *csv = temp_path ("curves.csv");
  g_auto(CurrentsCliRun) r = { 0 }, r2 = { 0 }, r3 = { 0 };

  /* a1 = 3: the symmetric switch, bistable with a saddle at u = v = 1.2134 */
  currents_cli_test_run (&r, "plot", model, "--set", "a1=3", "--layers", "all", "--basins-grid",
                         "16", "--from", "u=1.5,v=2.385", "--direction", "forward", "--arrows",
                         "streamlines", "-o", svg, "--csv", csv, NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (currents_cli_test_file_contains (svg, "<svg"));
  g_assert_true (currents_cli_test_file_contains (
    svg, "<!-- Software: currents-cli " PACKAGE_VERSION " -->"));
  g_assert_true (currents_cli_test_file_contains (svg, "toggle.ode (model, sha256 "));
  g_assert_true (currents_cli_test_file_contains (
    svg, "layers basins,field,nullclines,separatrices,trajectories,launched,data,equilibria"));
  g_assert_true (currents_cli_test_file_contains (csv, "curve,kind,label,u,v\n"));
  g_assert_true (currents_cli_test_file_contains (csv, ",nullcline-x,"));
  g_assert_true (currents_cli_test_file_contains (csv, ",stable-manifold,"));
  g_assert_true (currents_cli_test_file_contains (csv, ",launched,"));
  g_assert_true (currents_cli_test_file_contains (csv, ",equilibrium,saddle,1.2134"));

  currents_cli_test_run (&r2, "plot", model, "--set", "a1=1.5,a2=1.5", "--view",
                         "u=-0.5:3,v=-0.5:3", "-o",
                         pdf, NULL);
  g_assert_cmpint (r2.status, ==, 0);
  g_assert_true (currents_cli_test_file_contains (pdf, "%PDF"));
  g_assert_true (currents_cli_test_file_contains (pdf,
                                                  "/Creator (currents-cli " PACKAGE_VERSION ")"));
  g_assert_true (currents_cli_test_file_contains (pdf, "/Title (Phase portrait of "));

  currents_cli_test_run (&r3, "plot", model, "--data", data, "--input", "iptg", "--set", "iptg=0.5",
                         "--size", "400x300", "-o", png, NULL);
  g_assert_cmpstr (r3.err, ==, "");
  g_assert_cmpint (r3.status, ==, 0);
  g_assert_true (currents_cli_test_file_contains (png, "tEXt"));
  g_assert_true (currents_cli_test_file_contains (png, "iptg=0.5"));
  g_assert_true (currents_cli_test_file_contains (png, "data sha256 "));
}

static void
test_trained (void)
{
  const char *names[] = { "x", "y", NULL };
  const double zeros[2] = { 0, 0 }, ones[2] = { 1, 1 };
  const double lo[2] = { -2, -2 }, hi[2] = { 2, 2 };
  CurrentsNeuralScaling sc = { zeros, ones, NULL, NULL, NULL, NULL, 1.0 };
  CurrentsNeuralSpec spec;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) tm = NULL;
  g_autofree char *json = temp_path ("neural.json");
  g_autofree char *png = temp_path ("neural.png");
  g_auto(CurrentsCliRun) r = { 0 };
  CurrentsNeuralModel *nn;

  currents_neural_spec_init (&spec);
  spec.seed = 3;
  nn = currents_neural_model_new_full (names, NULL, &spec, &sc, &error);
  g_assert_no_error (error);
  tm = currents_trained_model_new_neural (nn, currents_neural_model_get_initial_params (nn));
  currents_trained_model_set_ranges (tm, lo, hi, NULL, NULL);
  g_assert_true (currents_trained_model_save (tm, json, &error));
  g_assert_no_error (error);

  currents_cli_test_run (&r, "plot", json, "--layers", "field,nullclines,equilibria,separatrices",
                         "-o", png,
                         NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  g_assert_true (currents_cli_test_file_contains (png, "trained model, sha256"));
  {
    cairo_surface_t *image = cairo_image_surface_create_from_png (png);

    g_assert_cmpint (cairo_surface_status (image), ==, CAIRO_STATUS_SUCCESS);
    cairo_surface_destroy (image);
  }
}

static void
test_errors (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle.ode");
  g_autofree char *png = temp_path ("e.png");
  g_autofree char *absent = temp_path ("absent.ode");
  g_autofree char *nowhere = g_build_filename (tmpdir, "no-such-dir", "x.png", NULL);
  struct { int status; const char *args[10]; } cases[] = {
    { 2, { "plot", NULL } },
    { 2, { "plot", model, NULL } },                                    /* no -o */
    { 2, { "plot", model, "-o", "x.bmp", NULL } },
    { 2, { "plot", model, "--layers", "fields", "-o", png, NULL } },
    { 2, { "plot", model, "--size", "10x10", "-o", png, NULL } },
    { 2, { "plot", model, "--arrows", "curly", "-o", png, NULL } },
    { 2, { "plot", model, "--direction", "sideways", "-o", png, NULL } },
    { 2, { "plot", model, "--input", "iptg", "-o", png, NULL } },      /* no --data */
    { 1, { "plot", absent, "-o", png, NULL } },
    { 1, { "plot", model, "--x", "w", "-o", png, NULL } },
    { 1, { "plot", model, "--x", "u", "--y", "u", "-o", png, NULL } },
    { 1, { "plot", model, "--set", "nope=1", "-o", png, NULL } },
    { 1, { "plot", model, "--view", "u=1:1,v=0:1", "-o", png, NULL } },
    { 1, { "plot", model, "--from", "t=1", "-o", png, NULL } },
    { 1, { "plot", model, "-o", nowhere, NULL } },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_auto(CurrentsCliRun) r = { 0 };

      currents_cli_test_run (&r, cases[i].args[0], cases[i].args[1], cases[i].args[2],
                             cases[i].args[3],
                             cases[i].args[4], cases[i].args[5], cases[i].args[6], cases[i].args[7],
                             cases[i].args[8], NULL);
      g_test_message ("case %u: %s", i, r.err);
      g_assert_cmpint (r.status, ==, cases[i].status);
      g_assert_true (g_str_has_prefix (r.err, "currents-cli: "));
      g_assert_cmpstr (r.out, ==, "");
    }
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GError) error = NULL;
  int status;

  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

  tmpdir = g_dir_make_tmp ("currents-cli-plot-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/cli/plot/png-layers", test_png_layers);
  g_test_add_func ("/cli/plot/formats", test_formats);
  g_test_add_func ("/cli/plot/trained", test_trained);
  g_test_add_func ("/cli/plot/errors", test_errors);

  status = g_test_run ();
  {
    g_autoptr(GDir) dir = g_dir_open (tmpdir, 0, NULL);
    const char *name;

    while (dir != NULL && (name = g_dir_read_name (dir)) != NULL)
      {
        g_autofree char *path = g_build_filename (tmpdir, name, NULL);

        g_unlink (path);
      }
    g_rmdir (tmpdir);
  }
  return status;
}
