/* bench-portrait-gui.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's phase portrait while a slider is dragged, measured in the window itself:
 * a trained model (a neural field 3-64-64-2 tanh with seeded weights: states x, y and an
 * input s), the input's slider moved every 16 ms for a few seconds; reports the frames
 * GTK drew and the live-layer results (field, nullclines, equilibria) shown per second,
 * and the canvas size. Run it under a display as large as the figure should be:
 *
 *   xvfb-run -a -s "-screen 0 1920x1200x24" meson test -C BUILDDIR --benchmark bench-portrait-gui
 *
 * usage: bench-portrait-gui [SECONDS]   (default 4)
 */
#include "config.h"

#define G_LOG_DOMAIN "bench-portrait-gui"

#include <math.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

typedef struct
{
  GtkAdjustment *adj;
  guint          ticks;
} Drag;

static gboolean
drag_cb (gpointer data)
{
  Drag *d = data;

  gtk_adjustment_set_value (d->adj, sin (0.05 * d->ticks++));
  return G_SOURCE_CONTINUE;
}

static gboolean
wake (gpointer data)
{
  return G_SOURCE_CONTINUE;
}

int
main (int   argc,
      char *argv[])
{
  const char *names[] = { "x", "y", NULL };
  const char *inputs[] = { "s", NULL };
  const double zeros[2] = { 0, 0 }, ones[2] = { 1, 1 };
  const double u_mean[1] = { 0 }, u_scale[1] = { 1 }, offset[1] = { 0 };
  const gboolean no_log[1] = { FALSE };
  const double x_min[2] = { -3, -2 }, x_max[2] = { 3, 2 }, u_min[1] = { -1 }, u_max[1] = { 1 };
  CurrentsNeuralScaling sc = { zeros, ones, u_mean, u_scale, no_log, offset, 1.0 };
  double seconds = argc > 1 ? atof (argv[1]) : 4.0;
  g_autoptr(GError) error = NULL;
  CurrentsNeuralSpec spec;
  CurrentsNeuralModel *nn;
  CurrentsTrainedModel *tm;
  CurrentsWindow *window;
  CurrentsPortrait *portrait;
  Drag drag = { 0 };
  guint frames0, updates0, tick, wake_id;
  GdkDisplay *display;
  GdkRectangle geometry = { 0, 0, 1920, 1080 };

  gsl_set_error_handler_off ();
  g_setenv ("GTK_A11Y", "none", FALSE);
  gtk_init ();
  adw_init ();
  if (!(seconds > 0.5))
    seconds = 4.0;

  display = gdk_display_get_default ();
  if (display != NULL)
    {
      GListModel *monitors = gdk_display_get_monitors (display);
      g_autoptr(GdkMonitor) monitor = g_list_model_get_item (monitors, 0);

      if (monitor != NULL)
        gdk_monitor_get_geometry (monitor, &geometry);
    }

  currents_neural_spec_init (&spec);
  spec.seed = 2;
  nn = currents_neural_model_new_full (names, inputs, &spec, &sc, &error);
  if (nn == NULL)
    g_error ("%s", error->message);
  tm = currents_trained_model_new_neural (nn, currents_neural_model_get_initial_params (nn));
  currents_trained_model_set_ranges (tm, x_min, x_max, u_min, u_max);

  window = currents_window_new (NULL);
  gtk_window_set_default_size (GTK_WINDOW (window), MIN (geometry.width, 1920),
                               MIN (geometry.height, 1080));
  gtk_window_present (GTK_WINDOW (window));
  currents_window_show_system (window, currents_system_new_from_trained (tm), "neural");
  portrait = currents_window_get_portrait (window);
  /* the figure alone, as large as it gets */
  g_object_set (portrait, "show-parameters", FALSE, NULL);

  wake_id = g_timeout_add (5, wake, NULL);
  currents_gui_test_pause (2.0);
  drag.adj = currents_parameter_panel_get_adjustment (
    currents_portrait_get_parameter_panel (portrait), "s");
  if (drag.adj == NULL)
    g_error ("no slider for the input s");

  frames0 = currents_portrait_get_n_frames (portrait);
  updates0 = currents_portrait_get_n_updates (portrait);
  tick = g_timeout_add (16, drag_cb, &drag);
  currents_gui_test_pause (seconds);
  g_source_remove (tick);
  {
    guint frames = currents_portrait_get_n_frames (portrait) - frames0;
    guint updates = currents_portrait_get_n_updates (portrait) - updates0;
    g_print ("bench-portrait-gui: 3-64-64-2 tanh, input slider moved %u times in %.1f s, "
             "window %dx%d: %u frames (%.1f fps, %.1f ms/frame), %u live updates (%.1f per s)\n",
             drag.ticks, seconds, gtk_widget_get_width (GTK_WIDGET (window)),
             gtk_widget_get_height (GTK_WIDGET (window)), frames, frames / seconds,
             frames > 0 ? 1000.0 * seconds / frames : 0.0, updates, updates / seconds);
  }
  g_source_remove (wake_id);
  gtk_window_destroy (GTK_WINDOW (window));
  return 0;
}
