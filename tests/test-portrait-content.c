/* test-portrait-content.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What a phase portrait shows, computed with the engine (src/plot/currents-plot-portrait.c)
 * for the genetic toggle switch
 *
 *   u' = a₁/(1 + v²) − u,   v' = a₂/(1 + u²) − v   (iptg = 0),
 *
 * whose nullclines are u = a₁/(1 + v²) and v = a₂/(1 + u²); with a₁ = a₂ = a the
 * symmetric equilibrium solves u³ + u = a and a pitchfork at a = 2 adds two stable ones
 * (a = 3: u = v ≈ 1.2134 a saddle, (2.618, 0.382) and (0.382, 2.618) stable nodes). Also
 * layers on and off, exported files and their metadata, the CSV of the curves, a trained
 * (neural) model.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-portrait-content"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-plot-portrait.h"

static CurrentsSystem *
toggle (void)
{
  /* the symmetric switch (a1 = a2 = 3) the example was until it got its hysteresis loop */
  g_autofree char *path = g_build_filename (CURRENTS_SOURCE_DIR, "tests", "data",
                                            "toggle-symmetric.ode", NULL);
  g_autoptr(GError) error = NULL;
  CurrentsSystem *sys = currents_system_load (path, &error);

  g_assert_no_error (error);
  g_assert_nonnull (sys);
  return sys;
}

static CurrentsPortraitSpec *
toggle_spec (double a)
{
  g_autoptr(CurrentsSystem) sys = toggle ();
  g_autoptr(GError) error = NULL;

  g_assert_true (currents_system_set (sys, "a1", a, &error));
  g_assert_true (currents_system_set (sys, "a2", a, &error));
  g_assert_no_error (error);
  return currents_portrait_spec_new_for_system (sys, -1, -1, NULL);
}

/* The symmetric root of u³ + u − a = 0. */
static double
symmetric_root (double a)
{
  double u = 1.0;

  for (int i = 0; i < 60; i++)
    u -= (u * u * u + u - a) / (3 * u * u + 1);
  return u;
}

static void
assert_on_nullclines (const CurrentsNullclines *nc,
                      double                    a,
                      double                    tol)
{
  gsize points = 0;

  for (int k = 0; k < 2; k++)
    {
      g_assert_cmpuint (nc->curves[k]->len, >=, 1);
      for (guint c = 0; c < nc->curves[k]->len; c++)
        {
          const CurrentsPolyline *line = g_ptr_array_index (nc->curves[k], c);

          for (gsize i = 0; i < line->n_points; i++)
            {
              double u = line->xy[2 * i], v = line->xy[2 * i + 1];
              double err = k == 0 ? u - a / (1 + v * v) : v - a / (1 + u * u);

              g_assert_cmpfloat (fabs (err), <, tol);
              points++;
            }
        }
    }
  g_assert_cmpuint (points, >, 50);
}

static void
test_nullclines (void)
{
  g_autoptr(CurrentsPortraitSpec) spec = toggle_spec (3.0);
  g_autoptr(CurrentsPortraitLive) preview = NULL, full = NULL;
  g_autoptr(GError) error = NULL;

  g_assert_cmpuint (spec->ax, ==, 0);
  g_assert_cmpuint (spec->ay, ==, 1);
  g_assert_cmpfloat (spec->view[1], ==, 3.5);

  preview = currents_portrait_compute_live (spec, CURRENTS_PLOT_LAYERS_ALL, 20, 20,
                                            CURRENTS_PORTRAIT_PREVIEW, NULL, &error);
  g_assert_no_error (error);
  /* one regula-falsi step on a 48-cell grid: well inside a pixel at any screen size */
  assert_on_nullclines (preview->nullclines, 3.0, 2e-3);
  g_assert_cmpuint (preview->nx, ==, 20);
  g_assert_nonnull (preview->fx);

  full = currents_portrait_compute_live (spec, CURRENTS_PLOT_LAYER_NULLCLINES, 0, 0,
                                         CURRENTS_PORTRAIT_FULL, NULL, &error);
  g_assert_no_error (error);
  assert_on_nullclines (full->nullclines, 3.0, 1e-9);
  g_assert_null (full->fx);
  g_assert_null (full->equilibria);
}

static void
check_equilibria (GPtrArray *eqs,
                  double     a)
{
  double s = symmetric_root (a);

  if (a > 2.0)
    {
      const CurrentsEquilibrium *lo, *mid, *hi;

      g_assert_cmpuint (eqs->len, ==, 3);
      lo = g_ptr_array_index (eqs, 0);
      mid = g_ptr_array_index (eqs, 1);
      hi = g_ptr_array_index (eqs, 2);
      g_assert_cmpfloat_with_epsilon (mid->state[0], s, 1e-9);
      g_assert_cmpfloat_with_epsilon (mid->state[1], s, 1e-9);
      g_assert_cmpint (mid->type, ==, CURRENTS_EQUILIBRIUM_SADDLE);
      g_assert_true (lo->stable && hi->stable);
      g_assert_cmpfloat_with_epsilon (lo->state[0], hi->state[1], 1e-9);
      g_assert_cmpint (currents_portrait_glyph_for_type (mid->type), ==,
                       CURRENTS_PLOT_GLYPH_SADDLE);
      g_assert_cmpint (currents_portrait_glyph_for_type (lo->type), ==, CURRENTS_PLOT_GLYPH_STABLE);
    }
  else
    {
      const CurrentsEquilibrium *eq;

      g_assert_cmpuint (eqs->len, ==, 1);
      eq = g_ptr_array_index (eqs, 0);
      g_assert_cmpfloat_with_epsilon (eq->state[0], s, 1e-9);
      g_assert_true (eq->stable);
    }
}

static void
test_equilibria (void)
{
  const double levels[] = { 3.0, 1.5, 2.385 };

  for (guint i = 0; i < G_N_ELEMENTS (levels); i++)
    for (int q = 0; q < 2; q++)
      {
        g_autoptr(CurrentsPortraitSpec) spec = toggle_spec (levels[i]);
        g_autoptr(CurrentsPortraitLive) live = NULL;
        g_autoptr(GError) error = NULL;

        live = currents_portrait_compute_live (spec, CURRENTS_PLOT_LAYER_EQUILIBRIA, 0, 0,
                                               q == 0 ? CURRENTS_PORTRAIT_PREVIEW
                                                      : CURRENTS_PORTRAIT_FULL,
                                               NULL, &error);
        g_assert_no_error (error);
        check_equilibria (live->equilibria, levels[i]);
      }
}

static void
test_cancelled (void)
{
  g_autoptr(CurrentsPortraitSpec) spec = toggle_spec (3.0);
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GError) error = NULL;
  CurrentsPortraitLive *live;

  g_cancellable_cancel (cancellable);
  live = currents_portrait_compute_live (spec, CURRENTS_PLOT_LAYERS_ALL, 8, 8,
                                         CURRENTS_PORTRAIT_FULL, cancellable, &error);
  g_assert_null (live);
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
}

static void
test_trajectories (void)
{
  g_autoptr(CurrentsPortraitSpec) spec = toggle_spec (3.0);
  g_autoptr(GPtrArray) samples = NULL, both = NULL, seps = NULL;
  g_autoptr(CurrentsBasins) basins = NULL;
  g_autoptr(CurrentsPlotScene) scene = currents_plot_scene_new ();
  g_autoptr(GError) error = NULL;
  const CurrentsPhaseTrajectory *back, *fwd;

  samples = currents_portrait_sample_trajectories (spec, 3, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (samples->len, ==, 10);
  currents_portrait_scene_set_samples (scene, samples, NULL);
  g_assert_cmpuint (currents_plot_scene_get_n_curves (scene, CURRENTS_PLOT_CURVE_TRAJECTORY),
                    ==, 9);
  g_assert_cmpuint (currents_plot_scene_get_n_curves (scene, CURRENTS_PLOT_CURVE_INITIAL), ==, 1);

  both = currents_portrait_trajectories_from (spec, 1.5, 2.385, 0, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (both->len, ==, 2);
  back = g_ptr_array_index (both, 0);
  fwd = g_ptr_array_index (both, 1);
  g_assert_cmpint (back->direction, ==, -1);
  g_assert_cmpint (fwd->direction, ==, 1);
  /* forward it settles on the upper-left stable node */
  g_assert_cmpfloat (fabs (fwd->xy[2 * (fwd->n_points - 1)] - 0.3820), <, 1e-2);
  currents_portrait_scene_add_launched (scene, both, 1.5, 2.385, NULL);
  currents_portrait_scene_add_launched (scene, both, 1.5, 2.385, NULL);
  g_assert_cmpuint (currents_plot_scene_get_n_curves (scene, CURRENTS_PLOT_CURVE_LAUNCHED), ==, 2);

  /* the saddle's stable manifold is the diagonal u = v */
  seps = currents_portrait_separatrices (spec, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (seps->len, ==, 1);
  {
    const CurrentsSeparatrix *sep = g_ptr_array_index (seps, 0);
    const CurrentsPhaseTrajectory *stable = sep->branches[2];
    const double *end = stable->xy + 2 * (stable->n_points - 1);

    g_assert_cmpfloat (fabs (end[0] - end[1]), <, 1e-4);
  }
  currents_portrait_scene_set_separatrices (scene, seps, NULL);
  g_assert_cmpuint (currents_plot_scene_get_n_curves (scene, CURRENTS_PLOT_CURVE_STABLE_MANIFOLD),
                    ==, 2);

  basins = currents_portrait_basins (spec, 12, 12, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (basins->attractors->len, ==, 2);
  /* below the diagonal to the u-high state, above to the v-high one */
  g_assert_cmpint (basins->labels[0 * 12 + 11], !=, basins->labels[11 * 12 + 0]);
  currents_portrait_scene_set_basins (scene, basins, NULL);
}

/* The scene with every layer, then each one alone. */
static void
test_layers (void)
{
  g_autoptr(CurrentsPortraitSpec) spec = toggle_spec (3.0);
  g_autoptr(CurrentsPortraitLive) live = NULL;
  g_autoptr(CurrentsPlotScene) scene = currents_plot_scene_new ();
  g_autoptr(GPtrArray) samples = NULL, seps = NULL, launched = NULL;
  g_autoptr(CurrentsBasins) basins = NULL;
  g_autoptr(GError) error = NULL;
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 800, 600);
  cairo_t *cr = cairo_create (surface);
  CurrentsPlotTheme theme;
  CurrentsPlotStats st;
  CurrentsPlotViewport vp;
  double dx, dy;

  currents_plot_theme_init (&theme, FALSE);
  live = currents_portrait_compute_live (spec, CURRENTS_PLOT_LAYERS_ALL, 24, 18,
                                         CURRENTS_PORTRAIT_FULL, NULL, &error);
  g_assert_no_error (error);
  samples = currents_portrait_sample_trajectories (spec, 2, NULL, &error);
  seps = currents_portrait_separatrices (spec, live->equilibria, NULL, &error);
  basins = currents_portrait_basins (spec, 16, 16, NULL, &error);
  launched = currents_portrait_trajectories_from (spec, 0.5, 0.5, 1, NULL, &error);
  g_assert_no_error (error);

  currents_plot_scene_set_window (scene, 0, 3.5, 0, 3.5);
  currents_plot_scene_set_labels (scene, "u", "v");
  currents_portrait_scene_set_live (scene, live, "u", "v", NULL);
  currents_portrait_scene_set_samples (scene, samples, NULL);
  currents_portrait_scene_set_separatrices (scene, seps, NULL);
  currents_portrait_scene_set_basins (scene, basins, NULL);
  currents_portrait_scene_add_launched (scene, launched, 0.5, 0.5, NULL);

  g_assert_false (currents_plot_scene_get_viewport (scene, &vp));
  currents_plot_scene_draw (scene, cr, &theme, 800, 600, &st);
  g_assert_cmpuint (st.n_arrows, ==, 24 * 18);
  g_assert_cmpuint (st.n_nullclines, ==, 2);
  g_assert_cmpuint (st.n_equilibria, ==, 3);
  g_assert_cmpuint (st.n_separatrices, ==, 4);
  g_assert_cmpuint (st.n_trajectories, ==, 5);
  g_assert_cmpuint (st.n_launched, ==, 1);
  /* all but the cells on the diagonal, whose trajectories go to the saddle */
  g_assert_cmpuint (st.n_basin_cells, >, 16 * 14);

  /* hit-testing the glyphs */
  g_assert_true (currents_plot_scene_get_viewport (scene, &vp));
  currents_plot_viewport_to_device (&vp, symmetric_root (3.0), symmetric_root (3.0), &dx, &dy);
  g_assert_cmpint (currents_plot_scene_find_equilibrium (scene, dx + 3, dy - 2, 8), ==, 1);
  g_assert_cmpint (currents_plot_scene_find_equilibrium (scene, dx + 30, dy, 8), ==, -1);

  for (guint l = 0; l < CURRENTS_PLOT_N_LAYERS; l++)
    {
      CurrentsPlotLayers layer = 1u << l;

      currents_plot_scene_set_layers (scene, layer);
      currents_plot_scene_draw (scene, cr, &theme, 800, 600, &st);
      g_assert_cmpuint (st.n_arrows > 0, ==, layer == CURRENTS_PLOT_LAYER_FIELD);
      g_assert_cmpuint (st.n_nullclines > 0, ==, layer == CURRENTS_PLOT_LAYER_NULLCLINES);
      g_assert_cmpuint (st.n_equilibria > 0, ==, layer == CURRENTS_PLOT_LAYER_EQUILIBRIA);
      g_assert_cmpuint (st.n_separatrices > 0, ==, layer == CURRENTS_PLOT_LAYER_SEPARATRICES);
      g_assert_cmpuint (st.n_trajectories > 0, ==, layer == CURRENTS_PLOT_LAYER_TRAJECTORIES);
      g_assert_cmpuint (st.n_launched > 0, ==, layer == CURRENTS_PLOT_LAYER_LAUNCHED);
      g_assert_cmpuint (st.n_basin_cells > 0, ==, layer == CURRENTS_PLOT_LAYER_BASINS);
      g_assert_cmpstr (currents_plot_layer_to_string (layer), !=, NULL);
      g_assert_cmpuint (currents_plot_layer_from_string (currents_plot_layer_to_string (layer)),
                        ==, layer);
    }

  /* faded in: half opacity still draws */
  currents_plot_scene_set_layers (scene, CURRENTS_PLOT_LAYERS_ALL);
  currents_plot_scene_set_layer_opacity (scene, CURRENTS_PLOT_LAYER_SEPARATRICES, 0.5);
  currents_plot_scene_set_arrow_style (scene, CURRENTS_PLOT_ARROWS_STREAMLINES);
  currents_plot_scene_draw (scene, cr, &theme, 800, 600, &st);
  g_assert_cmpuint (st.n_separatrices, ==, 4);
  g_assert_cmpuint (st.n_arrows, >, 10);   /* streamlines */
  g_assert_cmpuint (cairo_status (cr), ==, CAIRO_STATUS_SUCCESS);

  if (g_getenv ("CURRENTS_SCREENSHOT_DIR") != NULL)
    for (int dark = 0; dark < 2; dark++)
      {
        g_autofree char *path = g_strdup_printf ("%s/portrait-all-%s.png",
                                                 g_getenv ("CURRENTS_SCREENSHOT_DIR"),
                                                 dark ? "dark" : "light");

        currents_plot_theme_init (&theme, dark);
        g_assert_true (currents_plot_scene_export (scene, &theme, path, 1000, 750, &error));
        g_assert_no_error (error);
      }

  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

static void
test_layer_names (void)
{
  CurrentsPlotLayers layers = 0;
  g_autoptr(GError) error = NULL;

  g_assert_true (currents_plot_layers_parse ("field, nullclines,equilibria", &layers, &error));
  g_assert_cmpuint (layers, ==, CURRENTS_PLOT_LAYER_FIELD | CURRENTS_PLOT_LAYER_NULLCLINES
                                | CURRENTS_PLOT_LAYER_EQUILIBRIA);
  g_assert_true (currents_plot_layers_parse ("all", &layers, &error));
  g_assert_cmpuint (layers, ==, CURRENTS_PLOT_LAYERS_ALL);
  g_assert_false (currents_plot_layers_parse ("field,nullclins", &layers, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "nullclins"));
  g_assert_cmpuint (currents_plot_layer_from_string ("nope"), ==, 0);
}

static gboolean
contains (const guchar *data,
          gsize         n,
          const char   *fragment)
{
  gsize f = strlen (fragment);

  for (gsize i = 0; i + f <= n; i++)
    if (memcmp (data + i, fragment, f) == 0)
      return TRUE;
  return FALSE;
}

/* A tEXt or iTXt chunk with keyword @key whose text contains @fragment. */
static gboolean
png_has_text (const char *path,
              const char *key,
              const char *fragment)
{
  g_autofree char *data = NULL;
  gsize len = 0, pos = 8;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpmem (data, 8, "\x89PNG\r\n\x1a\n", 8);
  while (pos + 12 <= len)
    {
      const guchar *p = (const guchar *) data + pos;
      gsize n = ((gsize) p[0] << 24) | ((gsize) p[1] << 16) | ((gsize) p[2] << 8) | p[3];
      gsize klen = strlen (key);

      if ((memcmp (p + 4, "tEXt", 4) == 0 || memcmp (p + 4, "iTXt", 4) == 0)
          && n > klen && memcmp (p + 8, key, klen) == 0 && p[8 + klen] == 0
          && contains (p + 8 + klen, n - klen, fragment))
        return TRUE;
      pos += 12 + n;
    }
  return FALSE;
}

static void
test_export (void)
{
  g_autoptr(CurrentsPortraitSpec) spec = toggle_spec (3.0);
  g_autoptr(CurrentsPortraitLive) live = NULL;
  g_autoptr(CurrentsPlotScene) scene = currents_plot_scene_new ();
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("currents-portrait-XXXXXX", &error);
  g_autofree char *png = g_build_filename (dir, "p.png", NULL);
  g_autofree char *svg = g_build_filename (dir, "p.svg", NULL);
  g_autofree char *pdf = g_build_filename (dir, "p.pdf", NULL);
  g_autofree char *csv = g_build_filename (dir, "p.csv", NULL);
  g_autofree char *text = NULL;
  CurrentsPlotTheme theme;

  currents_plot_theme_init (&theme, FALSE);
  live = currents_portrait_compute_live (spec, CURRENTS_PLOT_LAYERS_ALL, 10, 10,
                                         CURRENTS_PORTRAIT_PREVIEW, NULL, &error);
  g_assert_no_error (error);
  currents_plot_scene_set_window (scene, 0, 3.5, 0, 3.5);
  currents_plot_scene_set_labels (scene, "u", "v");
  currents_portrait_scene_set_live (scene, live, "u", "v", NULL);
  currents_plot_scene_set_metadata (scene, "Software", "Currents " PACKAGE_VERSION);
  currents_plot_scene_set_metadata (scene, "Source", "toggle.ode");
  currents_plot_scene_set_metadata (scene, "Description", "a1=3 \u2192 three equilibria -- (test)");
  currents_plot_scene_set_metadata (scene, "Source", "toggle.ode (sha256 c4d6)");
  g_assert_cmpstr (currents_plot_scene_get_metadata (scene, "Source"), ==,
                   "toggle.ode (sha256 c4d6)");

  {
    /* exporting leaves the viewport of the figure on screen (hit-testing uses it) */
    cairo_surface_t *screen = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 800, 600);
    cairo_t *cr = cairo_create (screen);
    CurrentsPlotViewport before, after;

    currents_plot_scene_draw (scene, cr, &theme, 800, 600, NULL);
    g_assert_true (currents_plot_scene_get_viewport (scene, &before));
    g_assert_true (currents_plot_scene_export (scene, &theme, png, 320, 240, &error));
    g_assert_no_error (error);
    g_assert_true (currents_plot_scene_get_viewport (scene, &after));
    g_assert_cmpmem (&before, sizeof before, &after, sizeof after);
    cairo_destroy (cr);
    cairo_surface_destroy (screen);
  }
  g_assert_true (png_has_text (png, "Software", "Currents " PACKAGE_VERSION));
  g_assert_true (png_has_text (png, "Source", "sha256 c4d6"));
  g_assert_true (png_has_text (png, "Description", "three equilibria"));
  {
    /* still a PNG cairo reads back, at its size */
    cairo_surface_t *back = cairo_image_surface_create_from_png (png);

    g_assert_cmpint (cairo_surface_status (back), ==, CAIRO_STATUS_SUCCESS);
    g_assert_cmpint (cairo_image_surface_get_width (back), ==, 320);
    cairo_surface_destroy (back);
  }

  g_assert_true (currents_plot_scene_export (scene, &theme, svg, 320, 240, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (svg, &text, NULL, NULL));
  g_assert_nonnull (strstr (text, "<!-- Software: Currents " PACKAGE_VERSION " -->"));
  g_assert_nonnull (strstr (text, "<dc:source>toggle.ode (sha256 c4d6)</dc:source>"));
  g_assert_nonnull (strstr (text, "- - (test)"));   /* no "--" inside a comment */
  g_assert_nonnull (strstr (text, "</svg>"));
  g_clear_pointer (&text, g_free);

  g_assert_true (currents_plot_scene_export (scene, &theme, pdf, 320, 240, &error));
  g_assert_no_error (error);
  {
    gsize len = 0;

    g_assert_true (g_file_get_contents (pdf, &text, &len, NULL));
    g_assert_true (g_str_has_prefix (text, "%PDF"));
    g_assert_true (contains ((const guchar *) text, len,
                             "/Creator (Currents " PACKAGE_VERSION ")"));
    g_clear_pointer (&text, g_free);
  }

  g_assert_true (currents_plot_scene_export_csv (scene, csv, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (csv, &text, NULL, NULL));
  g_assert_true (g_str_has_prefix (text, "# Software: Currents"));
  g_assert_nonnull (strstr (text, "\ncurve,kind,label,u,v\n"));
  g_assert_nonnull (strstr (text, ",nullcline-x,u\u2032 = 0,"));
  g_assert_nonnull (strstr (text, ",nullcline-y,v\u2032 = 0,"));
  g_assert_nonnull (strstr (text, ",equilibrium,saddle,1.2134"));

  g_unlink (png);
  g_unlink (svg);
  g_unlink (pdf);
  g_unlink (csv);
  g_rmdir (dir);
}

/* A trained model: a neural field with seeded weights. */
static void
test_neural (void)
{
  const char *names[] = { "x", "y", NULL };
  const char *inputs[] = { "s", NULL };
  const double zeros[2] = { 0, 0 }, ones[2] = { 1, 1 }, u_mean[1] = { 0 }, u_scale[1] = { 1 };
  const gboolean no_log[1] = { FALSE };
  const double offset[1] = { 0 };
  CurrentsNeuralScaling sc = { zeros, ones, u_mean, u_scale, no_log, offset, 1.0 };
  CurrentsNeuralSpec nspec;
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autoptr(CurrentsPortraitSpec) spec = NULL;
  g_autoptr(CurrentsPortraitLive) a = NULL, b = NULL;
  CurrentsNeuralModel *nn;
  const double view[4] = { -2.5, 2.5, -2.5, 2.5 };

  currents_neural_spec_init (&nspec);
  nspec.seed = 2;
  nn = currents_neural_model_new_full (names, inputs, &nspec, &sc, &error);
  g_assert_no_error (error);
  sys = currents_system_new_from_trained (
          currents_trained_model_new_neural (nn, currents_neural_model_get_initial_params (nn)));
  spec = currents_portrait_spec_new_for_system (sys, 0, 1, view);
  a = currents_portrait_compute_live (spec, CURRENTS_PLOT_LAYERS_ALL, 16, 16,
                                      CURRENTS_PORTRAIT_PREVIEW, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (a->fx);
  for (gsize i = 0; i < 16 * 16; i++)
    g_assert_true (isfinite (a->fx[i]) && isfinite (a->fy[i]));

  /* the field follows the input */
  spec->u[0] = 2.385;
  b = currents_portrait_compute_live (spec, CURRENTS_PLOT_LAYER_FIELD, 16, 16,
                                      CURRENTS_PORTRAIT_PREVIEW, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpfloat (fabs (a->fx[17] - b->fx[17]) + fabs (a->fy[17] - b->fy[17]), >, 1e-6);

  /* each equilibrium found is one */
  for (guint i = 0; i < a->equilibria->len; i++)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (a->equilibria, i);

      g_assert_cmpfloat (eq->residual, <, 1e-8);
    }
}

int
main (int   argc,
      char *argv[])
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

  if (g_getenv ("CURRENTS_DATA_DIR") == NULL)
    g_setenv ("CURRENTS_DATA_DIR", CURRENTS_SOURCE_DIR "/data", TRUE);

  g_test_add_func ("/portrait/nullclines", test_nullclines);
  g_test_add_func ("/portrait/equilibria", test_equilibria);
  g_test_add_func ("/portrait/cancelled", test_cancelled);
  g_test_add_func ("/portrait/trajectories", test_trajectories);
  g_test_add_func ("/portrait/layers", test_layers);
  g_test_add_func ("/portrait/layer-names", test_layer_names);
  g_test_add_func ("/portrait/export", test_export);
  g_test_add_func ("/portrait/neural", test_neural);

  return g_test_run ();
}
