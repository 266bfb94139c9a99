/* bench-portrait.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Frame times of the phase portrait while a slider is dragged, for a trained model: a
 * neural field with 2-64-64-2 tanh layers and seeded weights (x, y only: the drag pans
 * the view, which recomputes everything a parameter change does) and 3-64-64-2 (one input
 * s, dragged). Each frame is what the window does: the live layers in preview quality
 * (direction field on the arrow grid of a 1920 × 1080 plot, nullclines, equilibria) in
 * the worker, then the whole figure drawn into a 1920 × 1080 image on the main thread.
 * The two run concurrently in the window, so a frame there costs max(worker, draw); the
 * serial sum is the worst case on one core. Also the full-quality recomputation when the
 * drag stops, and the toggle switch (.ode) for comparison. Goal: ≥ 30 frames a second.
 *
 * usage: bench-portrait [FRAMES]   (default 60; medians are reported)
 */
#define G_LOG_DOMAIN "bench-portrait"

#include "config.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-plot-portrait.h"

#define WIDTH  1920
#define HEIGHT 1080

static int
cmp (const void *a,
     const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

static double
median (double *v,
        int     n)
{
  qsort (v, n, sizeof (double), cmp);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

static CurrentsSystem *
neural (gboolean with_input)
{
  const char *names[] = { "x", "y", NULL };
  const char *inputs[] = { "s", NULL };
  const double zeros[2] = { 0, 0 }, ones[2] = { 1, 1 };
  const double u_mean[1] = { 0 }, u_scale[1] = { 1 }, offset[1] = { 0 };
  const gboolean no_log[1] = { FALSE };
  CurrentsNeuralScaling sc = { zeros, ones, u_mean, u_scale, no_log, offset, 1.0 };
  CurrentsNeuralSpec spec;
  g_autoptr(GError) error = NULL;
  CurrentsNeuralModel *nn;

  if (!with_input)
    sc.u_mean = sc.u_scale = sc.u_offset = NULL, sc.u_log = NULL;
  currents_neural_spec_init (&spec);   /* 2 hidden layers of 64, tanh */
  spec.seed = 2;
  nn = currents_neural_model_new_full (names, with_input ? inputs : NULL, &spec, &sc, &error);
  if (nn == NULL)
    g_error ("%s", error->message);
  return currents_system_new_from_trained (
           currents_trained_model_new_neural (nn, currents_neural_model_get_initial_params (nn)));
}

static void
bench (const char     *label,
       CurrentsSystem *sys,
       const double   *view,
       gboolean        drag_input,
       int             frames)
{
  g_autoptr(CurrentsPortraitSpec) spec = currents_portrait_spec_new_for_system (sys, 0, 1, view);
  g_autoptr(CurrentsPlotScene) scene = currents_plot_scene_new ();
  cairo_surface_t *surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, WIDTH, HEIGHT);
  cairo_t *cr = cairo_create (surface);
  g_autofree double *worker = g_new (double, frames);
  g_autofree double *draw = g_new (double, frames);
  g_autofree double *serial = g_new (double, frames);
  const char *const *names = currents_system_get_state_names (sys);
  CurrentsPlotTheme theme;
  CurrentsPlotViewport vp;
  CurrentsPlotStats st = { 0 };
  gsize nx, ny, eqs = 0;
  double full_ms;

  currents_plot_theme_init (&theme, FALSE);
  currents_plot_scene_set_labels (scene, names[0], names[1]);
  currents_plot_scene_set_window (scene, view[0], view[1], view[2], view[3]);
  currents_plot_layout (cr, &theme, WIDTH, HEIGHT, view[0], view[1], view[2], view[3], 80, &vp);
  currents_plot_scene_get_field_grid_size (scene, vp.width, vp.height, &nx, &ny);

  for (int f = 0; f < frames; f++)
    {
      g_autoptr(CurrentsPortraitLive) live = NULL;
      double phase = 2 * G_PI * f / frames;
      gint64 t0, t1, t2;

      if (drag_input)
        spec->u[0] = 1.5 * sin (phase);
      else
        {
          /* a pan of a tenth of the view back and forth */
          double dx = 0.1 * (view[1] - view[0]) * sin (phase);

          spec->view[0] = view[0] + dx;
          spec->view[1] = view[1] + dx;
        }
      t0 = g_get_monotonic_time ();
      live = currents_portrait_compute_live (spec, CURRENTS_PLOT_LAYER_FIELD
                                                   | CURRENTS_PLOT_LAYER_NULLCLINES
                                                   | CURRENTS_PLOT_LAYER_EQUILIBRIA,
                                             nx, ny, CURRENTS_PORTRAIT_PREVIEW, NULL, NULL);
      t1 = g_get_monotonic_time ();
      currents_plot_scene_set_window (scene, spec->view[0], spec->view[1], spec->view[2],
                                      spec->view[3]);
      currents_portrait_scene_set_live (scene, live, names[0], names[1], NULL);
      currents_plot_scene_draw (scene, cr, &theme, WIDTH, HEIGHT, &st);
      cairo_surface_flush (surface);
      t2 = g_get_monotonic_time ();
      worker[f] = (t1 - t0) / 1000.0;
      draw[f] = (t2 - t1) / 1000.0;
      serial[f] = (t2 - t0) / 1000.0;
      eqs = live->equilibria->len;
    }

  {
    gint64 t0 = g_get_monotonic_time ();
    g_autoptr(CurrentsPortraitLive) live =
      currents_portrait_compute_live (spec, CURRENTS_PLOT_LAYERS_ALL, nx, ny,
                                      CURRENTS_PORTRAIT_FULL, NULL, NULL);

    full_ms = (g_get_monotonic_time () - t0) / 1000.0;
  }

  {
    double w = median (worker, frames), d = median (draw, frames), s = median (serial, frames);

    g_print ("%-28s %2zux%-2zu arrows, %u nullcline curves, %zu equilibria: "
             "worker %6.2f ms, draw %6.2f ms -> %5.1f ms/frame (%5.1f fps) pipelined, "
             "%5.1f ms (%5.1f fps) serial; full quality at rest %6.1f ms\n",
             label, nx, ny, st.n_nullclines, eqs, w, d, MAX (w, d), 1000.0 / MAX (w, d), s,
             1000.0 / s, full_ms);
  }
  cairo_destroy (cr);
  cairo_surface_destroy (surface);
}

int
main (int    argc,
      char **argv)
{
  int frames = argc > 1 ? atoi (argv[1]) : 60;
  const double nn_view[4] = { -3, 3, -2, 2 };
  const char *data_dir = g_getenv ("CURRENTS_DATA_DIR");
  g_autofree char *toggle_path = NULL;
  g_autoptr(CurrentsSystem) a = NULL, b = NULL, t = NULL;
  g_autoptr(GError) error = NULL;

  gsl_set_error_handler_off ();
  if (frames < 3)
    frames = 3;
  g_print ("bench-portrait: slider drags at %dx%d, %d frames, medians (goal >= 30 fps)\n",
           WIDTH, HEIGHT, frames);

  a = neural (FALSE);
  bench ("2-64-64-2 tanh, pan", a, nn_view, FALSE, frames);
  b = neural (TRUE);
  bench ("3-64-64-2 tanh, input drag", b, nn_view, TRUE, frames);

  toggle_path = g_build_filename (data_dir != NULL ? data_dir : CURRENTS_SOURCE_DIR "/data",
                                  "examples", "toggle.ode", NULL);
  t = currents_system_load (toggle_path, &error);
  if (t == NULL)
    g_error ("%s", error->message);
  {
    const double view[4] = { 0, 3.5, 0, 3.5 };

    bench ("toggle.ode, iptg drag", t, view, TRUE, frames);
  }
  return 0;
}
