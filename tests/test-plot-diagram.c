/* test-plot-diagram.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bifurcation diagrams drawn into image surfaces, checked through the stats of what was
 * drawn and the mapping between data and device. The S-shaped branch is the cubic
 * p = x³ − 3x (x ∈ [−2, 2]): folds at (p, x) = (2, −1) and (−2, 1), stable where
 * dp/dx = 3x² − 3 > 0. With CURRENTS_SCREENSHOT_DIR set the figures are also written
 * there (diagram-*.png).
 */
#include "config.h"

#define G_LOG_DOMAIN "test-plot-diagram"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gstdio.h>

#include "currents-plot-diagram.h"

#define W 640
#define H 420
#define N_S 201

static CurrentsPlotTheme light;

/* x_k = (k − 100)/50, so that x = ±1 falls exactly on points 50 and 150 */
static void
s_curve (double   p[N_S],
         double   x[N_S],
         gboolean stable[N_S])
{
  for (int k = 0; k < N_S; k++)
    {
      x[k] = (k - 100) / 50.0;
      p[k] = x[k] * x[k] * x[k] - 3 * x[k];
      stable[k] = 3 * x[k] * x[k] - 3 > 0;
    }
}

static CurrentsPlotDiagram *
s_diagram (void)
{
  CurrentsPlotDiagram *d = currents_plot_diagram_new ();
  double p[N_S], x[N_S];
  gboolean stable[N_S];

  s_curve (p, x, stable);
  currents_plot_diagram_set_labels (d, "p", "x");
  currents_plot_diagram_add_branch (d, CURRENTS_PLOT_BRANCH_EQUILIBRIA, p, x, stable, NULL, N_S, 4);
  currents_plot_diagram_add_special (d, CURRENTS_PLOT_SPECIAL_FOLD, 2.0, -1.0, "LP  p = 2");
  currents_plot_diagram_add_special (d, CURRENTS_PLOT_SPECIAL_FOLD, -2.0, 1.0, "LP  p = −2");
  return d;
}

static void
draw (CurrentsPlotDiagram      *d,
      const CurrentsPlotTheme  *theme,
      CurrentsPlotDiagramStats *stats,
      const char               *shot)
{
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, W, H);
  cairo_t *cr = cairo_create (surface);
  const char *dir = g_getenv ("CURRENTS_SCREENSHOT_DIR");

  currents_plot_diagram_draw (d, cr, theme, W, H, stats);
  g_assert_cmpint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);
  cairo_destroy (cr);
  if (dir != NULL && shot != NULL)
    {
      g_autofree char *path = g_build_filename (dir, shot, NULL);

      g_assert_cmpint (cairo_surface_write_to_png (surface, path), ==, CAIRO_STATUS_SUCCESS);
    }
  cairo_surface_destroy (surface);
}

static void
test_s_curve (void)
{
  g_autoptr(CurrentsPlotDiagram) d = s_diagram ();
  CurrentsPlotDiagramStats st;
  CurrentsPlotTheme dark;

  draw (d, &light, &st, "diagram-s-curve.png");
  g_assert_cmpuint (st.n_branches, ==, 1);
  g_assert_cmpuint (st.n_folds, ==, 2);
  g_assert_cmpuint (st.n_special, ==, 2);
  g_assert_cmpuint (st.n_hopf, ==, 0);
  g_assert_cmpuint (st.n_labels, ==, 2);
  /* segments 0–48 and 151–199 have two stable ends: 98 solid, the other 102 dashed */
  g_assert_cmpuint (st.n_stable_segments, ==, 98);
  g_assert_cmpuint (st.n_unstable_segments, ==, 102);
  g_assert_false (st.marker_drawn);
  g_assert_true (isnan (st.marker_x));

  currents_plot_theme_init (&dark, TRUE);
  draw (d, &dark, &st, "diagram-s-curve-dark.png");
  g_assert_cmpuint (st.n_folds, ==, 2);
  g_assert_cmpuint (st.n_labels, ==, 2);
}

/* A window that shows only p ∈ [0, 3]: what lies left of it is not counted. */
static void
test_window (void)
{
  g_autoptr(CurrentsPlotDiagram) d = s_diagram ();
  CurrentsPlotDiagramStats st;
  double w[4];

  g_assert_true (currents_plot_diagram_get_window (d, w));
  /* fitted: the branch's extent, p ∈ [−2, 2], x ∈ [−2, 2], with a margin */
  g_assert_cmpfloat (w[0], <, -2.0);
  g_assert_cmpfloat (w[0], >, -2.5);
  g_assert_cmpfloat (w[1], >, 2.0);
  g_assert_cmpfloat (w[3], >, 2.0);

  currents_plot_diagram_set_window (d, 0.0, 3.0, -2.5, 2.5);
  g_assert_true (currents_plot_diagram_get_window (d, w));
  g_assert_cmpfloat (w[0], ==, 0.0);
  g_assert_cmpfloat (w[1], ==, 3.0);
  draw (d, &light, &st, NULL);
  g_assert_cmpuint (st.n_folds, ==, 1);
  g_assert_cmpuint (st.n_stable_segments + st.n_unstable_segments, <, 200);
  g_assert_cmpuint (st.n_stable_segments, >, 0);
  g_assert_cmpuint (st.n_unstable_segments, >, 0);
  currents_plot_diagram_unset_window (d);
  draw (d, &light, &st, NULL);
  g_assert_cmpuint (st.n_stable_segments + st.n_unstable_segments, ==, 200);
}

static void
test_marker (void)
{
  g_autoptr(CurrentsPlotDiagram) d = s_diagram ();
  CurrentsPlotDiagramStats st;
  double dx, dy, x, y;

  currents_plot_diagram_set_marker (d, 0.735, NAN);
  draw (d, &light, &st, NULL);
  g_assert_true (st.marker_drawn);
  g_assert_true (currents_plot_diagram_to_device (d, 0.735, NAN, &dx, &dy));
  g_assert_cmpfloat_with_epsilon (st.marker_x, dx, 1e-9);
  g_assert_true (isnan (dy));

  /* the drag goes back through to_data */
  g_assert_true (currents_plot_diagram_to_device (d, 0.735, 1.25, &dx, &dy));
  g_assert_true (currents_plot_diagram_to_data (d, dx, dy, &x, &y));
  g_assert_cmpfloat_with_epsilon (x, 0.735, 1e-12);
  g_assert_cmpfloat_with_epsilon (y, 1.25, 1e-12);

  /* outside the window: not drawn */
  currents_plot_diagram_set_marker (d, 40.0, NAN);
  draw (d, &light, &st, NULL);
  g_assert_false (st.marker_drawn);
  g_assert_true (isnan (st.marker_x));
}

/* log10 on x: the decades 10⁻², 10⁻¹, 1, 10, 10² are equally wide. */
static void
test_log_axes (void)
{
  g_autoptr(CurrentsPlotDiagram) d = currents_plot_diagram_new ();
  CurrentsPlotDiagramStats st;
  CurrentsPlotViewport vp;
  double x[81], y[81], dx[5], dy, back, w[4];
  gboolean stable[81];

  /* a sigmoidal response over four decades, plus a point at 0 that cannot be drawn */
  for (int k = 0; k < 81; k++)
    {
      x[k] = pow (10.0, -2.0 + k / 20.0);
      y[k] = 1.0 + 40.0 * x[k] * x[k] / (1.0 + x[k] * x[k]);
      stable[k] = TRUE;
    }
  x[0] = 0.0;
  currents_plot_diagram_set_log (d, TRUE, FALSE);
  currents_plot_diagram_set_labels (d, "iptg", "u");
  currents_plot_diagram_add_branch (d, CURRENTS_PLOT_BRANCH_EQUILIBRIA, x, y, stable, NULL, 81, 4);
  currents_plot_diagram_set_marker (d, 3.0, NAN);
  draw (d, &light, &st, "diagram-log.png");

  /* the point at 0 is dropped: 80 points, 79 segments */
  g_assert_cmpuint (st.n_stable_segments, ==, 79);
  g_assert_true (currents_plot_diagram_get_viewport (d, &vp));
  g_assert_cmpfloat (vp.xlo, <, log10 (x[1]));
  g_assert_cmpfloat (vp.xhi, >, 2.0);
  g_assert_cmpfloat (vp.xhi, <, 2.5);
  g_assert_true (currents_plot_diagram_get_window (d, w));
  g_assert_cmpfloat_with_epsilon (log10 (w[0]), vp.xlo, 1e-12);

  for (int k = 0; k < 5; k++)
    g_assert_true (currents_plot_diagram_to_device (d, pow (10.0, k - 2), 10.0, &dx[k], &dy));
  for (int k = 1; k < 4; k++)
    g_assert_cmpfloat_with_epsilon (dx[k + 1] - dx[k], dx[1] - dx[0], 1e-9);
  g_assert_cmpfloat (dx[1] - dx[0], >, 50.0);
  /* non-positive values have no place on a log axis */
  g_assert_false (currents_plot_diagram_to_device (d, 0.0, 10.0, NULL, NULL));
  g_assert_true (currents_plot_diagram_to_data (d, 0.5 * (dx[2] + dx[3]), dy, &back, NULL));
  g_assert_cmpfloat_with_epsilon (back, sqrt (10.0), 1e-9);
  g_assert_true (currents_plot_diagram_to_device (d, 3.0, NAN, &dx[0], NULL));
  g_assert_cmpfloat_with_epsilon (st.marker_x, dx[0], 1e-9);
}

static void
test_find_special (void)
{
  g_autoptr(CurrentsPlotDiagram) d = s_diagram ();
  CurrentsPlotSpecialKind kind;
  double dx, dy, x, y;
  guint hopf;

  hopf = currents_plot_diagram_add_special (d, CURRENTS_PLOT_SPECIAL_HOPF, 0.4, 0.8, "H");
  g_assert_cmpuint (hopf, ==, 2);
  g_assert_cmpuint (currents_plot_diagram_get_n_special (d), ==, 3);
  g_assert_true (currents_plot_diagram_get_special (d, hopf, &kind, &x, &y));
  g_assert_cmpint (kind, ==, CURRENTS_PLOT_SPECIAL_HOPF);
  g_assert_cmpfloat (x, ==, 0.4);
  g_assert_cmpfloat (y, ==, 0.8);
  g_assert_false (currents_plot_diagram_get_special (d, 3, NULL, NULL, NULL));
  g_assert_cmpstr (currents_plot_special_kind_to_string (kind), ==, "hopf");

  draw (d, &light, NULL, NULL);
  g_assert_true (currents_plot_diagram_to_device (d, 0.4, 0.8, &dx, &dy));
  g_assert_cmpint (currents_plot_diagram_find_special (d, dx, dy, 6.0), ==, (int) hopf);
  g_assert_cmpint (currents_plot_diagram_find_special (d, dx + 3.0, dy - 2.0, 6.0), ==, (int) hopf);
  g_assert_cmpint (currents_plot_diagram_find_special (d, dx + 20.0, dy, 6.0), ==, -1);
  g_assert_cmpint (currents_plot_diagram_find_special (d, dx, dy - 20.0, 6.0), ==, -1);
  g_assert_true (currents_plot_diagram_to_device (d, 2.0, -1.0, &dx, &dy));
  g_assert_cmpint (currents_plot_diagram_find_special (d, dx + 1.0, dy, 6.0), ==, 0);
}

/* Folds, Hopf points and branch points crowded together: each label finds a free place. */
static void
test_labels_crowded (void)
{
  g_autoptr(CurrentsPlotDiagram) d = s_diagram ();
  CurrentsPlotDiagramStats st;

  currents_plot_diagram_add_special (d, CURRENTS_PLOT_SPECIAL_HOPF, 2.0, -1.0, "H  p = 2");
  currents_plot_diagram_add_special (d, CURRENTS_PLOT_SPECIAL_BRANCH_POINT, 2.02, -0.98, "BP");
  currents_plot_diagram_add_special (d, CURRENTS_PLOT_SPECIAL_HOPF, 1.9, -1.05, "H₂");
  draw (d, &light, &st, "diagram-crowded.png");
  g_assert_cmpuint (st.n_special, ==, 5);
  g_assert_cmpuint (st.n_folds, ==, 2);
  g_assert_cmpuint (st.n_hopf, ==, 2);
  g_assert_cmpuint (st.n_branch_points, ==, 1);
  g_assert_cmpuint (st.n_labels, ==, 5);
}

/* Everything a hysteresis figure carries: periodic branches, a band, jumps, the data's
 * levels and an extrapolated stretch. */
static void
test_full_figure (void)
{
  g_autoptr(CurrentsPlotDiagram) d = s_diagram ();
  CurrentsPlotDiagramStats st;
  const double levels[] = { -1.5, 0.0, 0.5, 1.0, 30.0 };
  double px[9], pmax[9], pmin[9];
  gboolean pst[9], extra[N_S];
  double p[N_S], x[N_S];
  gboolean stable[N_S];

  for (int k = 0; k < 9; k++)
    {
      px[k] = -1.6 + 0.2 * k;
      pmax[k] = 0.4 + 0.1 * sqrt (k);
      pmin[k] = -0.4 - 0.1 * sqrt (k);
      pst[k] = k < 5;
    }
  currents_plot_diagram_add_branch (d, CURRENTS_PLOT_BRANCH_PERIODIC_MAX, px, pmax, pst, NULL, 9, 0);
  currents_plot_diagram_add_branch (d, CURRENTS_PLOT_BRANCH_PERIODIC_MIN, px, pmin, pst, NULL, 9, 0);
  currents_plot_diagram_add_special (d, CURRENTS_PLOT_SPECIAL_HOPF, -1.6, 0.0, "H");

  /* a second copy of the S, shifted up, extrapolated for x > 1.5 (points 176–200) */
  s_curve (p, x, stable);
  for (int k = 0; k < N_S; k++)
    {
      x[k] += 0.25;
      extra[k] = k >= 176;
    }
  currents_plot_diagram_add_branch (d, CURRENTS_PLOT_BRANCH_EQUILIBRIA, p, x, stable, extra, N_S, 7);

  currents_plot_diagram_add_band (d, -2.0, 2.0, "bistable");
  currents_plot_diagram_add_jump (d, 2.0, -1.0, 2.0);
  currents_plot_diagram_add_jump (d, -2.0, 1.0, -2.0);
  currents_plot_diagram_set_levels (d, levels, G_N_ELEMENTS (levels));
  currents_plot_diagram_set_marker (d, 1.2, NAN);
  draw (d, &light, &st, "diagram-full.png");

  g_assert_cmpuint (st.n_branches, ==, 4);
  g_assert_cmpuint (st.n_periodic_points, ==, 18);
  g_assert_cmpuint (st.n_bands, ==, 1);
  g_assert_cmpuint (st.n_jumps, ==, 2);
  g_assert_cmpuint (st.n_level_ticks, ==, 4);     /* 30 lies outside */
  g_assert_cmpuint (st.n_extrapolated_segments, ==, 24);
  g_assert_cmpuint (st.n_stable_segments, ==, 2 * 98);
  g_assert_cmpuint (st.n_hopf, ==, 1);
  g_assert_cmpuint (st.n_labels, ==, 3);
  g_assert_true (st.marker_drawn);

  currents_plot_diagram_clear (d);
  draw (d, &light, &st, NULL);
  g_assert_cmpuint (st.n_branches + st.n_special + st.n_bands + st.n_jumps + st.n_level_ticks,
                    ==, 0);
  g_assert_false (st.marker_drawn);
}

/* Non-finite points break the line; a lone NaN costs the two segments that touch it. */
static void
test_non_finite (void)
{
  g_autoptr(CurrentsPlotDiagram) d = currents_plot_diagram_new ();
  CurrentsPlotDiagramStats st;
  double x[11], y[11];

  for (int k = 0; k < 11; k++)
    {
      x[k] = 0.1 * k;
      y[k] = sin (x[k]);
    }
  y[5] = NAN;
  x[8] = INFINITY;
  currents_plot_diagram_add_branch (d, CURRENTS_PLOT_BRANCH_EQUILIBRIA, x, y, NULL, NULL, 11, 0);
  currents_plot_diagram_add_special (d, CURRENTS_PLOT_SPECIAL_FOLD, NAN, 1.0, "LP");
  currents_plot_diagram_add_jump (d, NAN, 0.0, 1.0);
  currents_plot_diagram_add_band (d, NAN, 1.0, NULL);
  draw (d, &light, &st, NULL);
  /* segments 0–3, 6 and 9: 10 − 4 */
  g_assert_cmpuint (st.n_stable_segments, ==, 6);
  g_assert_cmpuint (st.n_unstable_segments, ==, 0);
  g_assert_cmpuint (st.n_special, ==, 0);
  g_assert_cmpuint (st.n_jumps, ==, 0);
  g_assert_cmpuint (st.n_bands, ==, 0);
}

static void
test_empty (void)
{
  g_autoptr(CurrentsPlotDiagram) d = currents_plot_diagram_new ();
  CurrentsPlotDiagramStats st;
  double w[4];

  g_assert_false (currents_plot_diagram_get_window (d, w));
  g_assert_false (currents_plot_diagram_to_device (d, 0.0, 0.0, NULL, NULL));
  g_assert_cmpint (currents_plot_diagram_find_special (d, 10, 10, 100), ==, -1);
  draw (d, &light, &st, "diagram-empty.png");
  g_assert_cmpuint (st.n_branches, ==, 0);
  g_assert_cmpuint (st.n_stable_segments, ==, 0);
  g_assert_cmpuint (st.n_labels, ==, 0);
  g_assert_true (isnan (st.marker_x));
  g_assert_true (currents_plot_diagram_to_device (d, 0.5, 0.5, NULL, NULL));

  currents_plot_diagram_set_log (d, TRUE, TRUE);
  draw (d, &light, &st, NULL);
  g_assert_cmpuint (st.n_branches, ==, 0);
}

/* Two parameters: fold and Hopf curves, the cusp's wedge and a cross-hair. The fold
 * curve of x' = a + b x − x³ is 27 a² = 4 b³, meeting at the cusp (0, 0). */
static void
test_two_parameters (void)
{
  g_autoptr(CurrentsPlotDiagram) d = currents_plot_diagram_new ();
  CurrentsPlotDiagramStats st;
  double fa[41], fb[41], wa[42], wb[42], ha[2] = { -0.8, 0.8 }, hb[2] = { 1.8, 0.6 };
  double dx, dy;

  for (int k = 0; k < 41; k++)
    {
      double b = 2.0 * abs (k - 20) / 20.0;

      fb[k] = b;
      fa[k] = (k < 20 ? -1 : 1) * 2.0 * pow (b / 3.0, 1.5);
      wa[k] = fa[k];
      wb[k] = fb[k];
    }
  wa[41] = fa[0];
  wb[41] = fb[0];
  currents_plot_diagram_set_labels (d, "a", "b");
  currents_plot_diagram_add_branch (d, CURRENTS_PLOT_BRANCH_FOLD_CURVE, fa, fb, NULL, NULL, 41, 4);
  currents_plot_diagram_add_branch (d, CURRENTS_PLOT_BRANCH_HOPF_CURVE, ha, hb, NULL, NULL, 2, 2);
  currents_plot_diagram_add_region (d, wa, wb, 42, "bistable");
  currents_plot_diagram_add_special (d, CURRENTS_PLOT_SPECIAL_CUSP, 0.0, 0.0, "CP");
  currents_plot_diagram_add_special (d, CURRENTS_PLOT_SPECIAL_BOGDANOV_TAKENS, -0.8, 1.8, "BT");
  currents_plot_diagram_set_marker (d, 0.3, 1.2);
  draw (d, &light, &st, "diagram-two-parameters.png");
  g_assert_cmpuint (st.n_branches, ==, 2);
  g_assert_cmpuint (st.n_stable_segments, ==, 41);
  g_assert_cmpuint (st.n_unstable_segments, ==, 0);
  g_assert_cmpuint (st.n_bands, ==, 1);
  g_assert_cmpuint (st.n_special, ==, 2);
  g_assert_cmpuint (st.n_folds, ==, 0);
  g_assert_cmpuint (st.n_labels, ==, 2);
  g_assert_true (st.marker_drawn);
  g_assert_true (currents_plot_diagram_to_device (d, 0.3, 1.2, &dx, &dy));
  g_assert_cmpfloat_with_epsilon (st.marker_x, dx, 1e-9);
}

static gboolean
contains (const char *data,
          gsize       len,
          const char *needle)
{
  gsize m = strlen (needle);

  for (gsize i = 0; i + m <= len; i++)
    if (memcmp (data + i, needle, m) == 0)
      return TRUE;
  return FALSE;
}

static void
test_export (void)
{
  g_autoptr(CurrentsPlotDiagram) d = s_diagram ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("currents-diagram-XXXXXX", &error);
  const char *suffixes[] = { "png", "svg", "pdf" };
  CurrentsPlotViewport before, after;
  double dx, dy;

  g_assert_no_error (error);
  currents_plot_diagram_set_metadata (d, "Title", "S-shaped branch");
  currents_plot_diagram_set_metadata (d, "Software", "currents-test 1.0");
  currents_plot_diagram_set_metadata (d, "Source", "p = x^3 - 3x, µ-free");
  currents_plot_diagram_set_metadata (d, "Dropped", "x");
  currents_plot_diagram_set_metadata (d, "Dropped", NULL);

  /* the figure on screen keeps its viewport and hit positions after an export */
  draw (d, &light, NULL, NULL);
  g_assert_true (currents_plot_diagram_get_viewport (d, &before));

  for (guint i = 0; i < G_N_ELEMENTS (suffixes); i++)
    {
      g_autofree char *name = g_strdup_printf ("diagram.%s", suffixes[i]);
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *data = NULL;
      gsize len;

      g_assert_true (currents_plot_diagram_export (d, path, &light, 1200, 800, &error));
      g_assert_no_error (error);
      g_assert_true (g_file_get_contents (path, &data, &len, &error));
      g_assert_no_error (error);
      if (i == 0)
        {
          g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
          g_assert_true (contains (data, len, "tEXtTitle"));
          g_assert_true (contains (data, len, "S-shaped branch"));
          g_assert_true (contains (data, len, "tEXtSoftware"));
          /* non-ASCII: an international text chunk */
          g_assert_true (contains (data, len, "iTXtSource"));
          g_assert_false (contains (data, len, "Dropped"));
          g_assert_cmpuint (len, >, 5000);
        }
      else if (i == 1)
        {
          g_assert_true (contains (data, len, "<svg"));
          g_assert_true (contains (data, len, "<dc:title>S-shaped branch</dc:title>"));
          g_assert_true (contains (data, len, "<dc:creator>currents-test 1.0</dc:creator>"));
        }
      else
        {
          g_assert_true (g_str_has_prefix (data, "%PDF-"));
          g_assert_true (contains (data, len, "S-shaped branch"));
          g_assert_true (contains (data, len, "currents-test 1.0"));
        }
      g_remove (path);
    }
  g_assert_true (currents_plot_diagram_get_viewport (d, &after));
  g_assert_cmpmem (&before, sizeof before, &after, sizeof after);
  g_assert_true (currents_plot_diagram_to_device (d, 2.0, -1.0, &dx, &dy));
  g_assert_cmpint (currents_plot_diagram_find_special (d, dx, dy, 3.0), ==, 0);

  {
    g_autofree char *bad = g_build_filename (dir, "diagram.bmp", NULL);

    g_assert_false (currents_plot_diagram_export (d, bad, &light, 100, 100, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
    g_clear_error (&error);
  }
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  currents_plot_theme_init (&light, FALSE);

  g_test_add_func ("/plot-diagram/s-curve", test_s_curve);
  g_test_add_func ("/plot-diagram/window", test_window);
  g_test_add_func ("/plot-diagram/marker", test_marker);
  g_test_add_func ("/plot-diagram/log-axes", test_log_axes);
  g_test_add_func ("/plot-diagram/find-special", test_find_special);
  g_test_add_func ("/plot-diagram/labels-crowded", test_labels_crowded);
  g_test_add_func ("/plot-diagram/full-figure", test_full_figure);
  g_test_add_func ("/plot-diagram/non-finite", test_non_finite);
  g_test_add_func ("/plot-diagram/empty", test_empty);
  g_test_add_func ("/plot-diagram/two-parameters", test_two_parameters);
  g_test_add_func ("/plot-diagram/export", test_export);
  return g_test_run ();
}
