/* test-large.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Big inputs in the window (under a display: `xvfb-run -a`): the window stays
 * responsive and its memory bounded while it works on
 *   - a data set of 10⁶ rows (1000 trajectories × 1000 samples, 2 states and an input),
 *     opened under the toggle switch's model, shown in the phase portrait and the time
 *     series (1000 predictions);
 *   - a model with 50 states (a ring of repressors), shown in the portrait, the Stability
 *     page (50 eigenvalues) and the Knockouts page (50 knockouts);
 *   - a neural ODE of 8 hidden layers of 256 (461 k weights), trained in the panel until
 *     its first best model is shown, then stopped.
 * "Responsive" is measured as the longest time the main loop did not run a 10 ms timer
 * (its stall); memory as the peak resident set (VmHWM) and the resident set after each
 * part (VmRSS). The bounds asserted are generous (a stall under 5 s, memory under 3 GB,
 * each part's growth after it ends under 1 GB); the figures are printed as `# …` lines
 * (also by `meson test --benchmark`, where this runs again as a benchmark).
 */
#include "config.h"

#define G_LOG_DOMAIN "test-large"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "currents-knockout-view.h"
#include "currents-stability-view.h"
#include "currents-timeseries-view.h"
#include "currents-training-panel.h"
#include "currents-window.h"
#include "currents-gui-test.h"

#define STALL_BOUND_S  5.0
#define MEMORY_BOUND   (3.0 * 1024 * 1024 * 1024)
#define GROWTH_BOUND   (1.0 * 1024 * 1024 * 1024)

/* ---- the main loop's stalls ---- */

typedef struct
{
  gint64 last;
  gint64 max_gap;
} Stall;

static Stall stall;

static gboolean
tick_cb (gpointer data)
{
  gint64 now = g_get_monotonic_time ();

  if (stall.last > 0)
    stall.max_gap = MAX (stall.max_gap, now - stall.last);
  stall.last = now;
  return G_SOURCE_CONTINUE;
}

static void
stall_reset (void)
{
  stall.last = g_get_monotonic_time ();
  stall.max_gap = 0;
}

/* kB of /proc/self/status's @key ("VmHWM", "VmRSS") */
static double
status_kb (const char *key)
{
  g_autofree char *text = NULL;
  const char *p;

  if (!g_file_get_contents ("/proc/self/status", &text, NULL, NULL)
      || (p = strstr (text, key)) == NULL)
    return NAN;
  return g_ascii_strtod (p + strlen (key) + 1, NULL);
}

static void
report (const char *part,
        double      seconds,
        double      rss_before_kb)
{
  double rss = status_kb ("VmRSS"), hwm = status_kb ("VmHWM");

  g_print ("# %s: %.2f s; longest stall of the main loop %.0f ms; resident %.0f MB "
           "(+%.0f MB), peak %.0f MB\n", part, seconds, stall.max_gap / 1000.0, rss / 1024,
           (rss - rss_before_kb) / 1024, hwm / 1024);
  g_assert_cmpfloat (stall.max_gap / 1e6, <, STALL_BOUND_S);
  g_assert_cmpfloat (hwm * 1024, <, MEMORY_BOUND);
  g_assert_cmpfloat ((rss - rss_before_kb) * 1024, <, GROWTH_BOUND);
}

/* ---- waiting ---- */


static gboolean
portrait_idle (gpointer data)
{
  return !currents_portrait_get_busy (currents_window_get_portrait (data));
}

static gboolean
timeseries_done (gpointer data)
{
  CurrentsTimeseriesView *view = currents_window_get_timeseries_view (data);

  return !currents_timeseries_view_get_busy (view)
         && currents_timeseries_view_get_track (view, 999) != NULL
         && currents_timeseries_view_get_track (view, 999)->n_pred > 0;
}

static gboolean
stability_done (gpointer data)
{
  CurrentsStabilityView *view = data;

  return !currents_stability_view_get_busy (view) && currents_stability_view_get_n_rows (view) > 0;
}

static gboolean
knockouts_done (gpointer data)
{
  CurrentsKnockoutView *view = data;

  return !currents_knockout_view_get_busy (view) && currents_knockout_view_get_n_genes (view) == 50;
}

static gboolean
has_best (gpointer data)
{
  return currents_training_panel_get_best_epoch (data) >= 1;
}

static gboolean
not_running (gpointer data)
{
  return !currents_training_panel_get_running (data);
}

/* ---- the inputs ---- */

static char *
write_big_csv (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "big.csv", NULL);
  FILE *f = g_fopen (path, "w");
  GRand *rand = g_rand_new_with_seed (2026);

  g_assert_nonnull (f);
  fputs ("trajectory,t,u,v,iptg\n", f);
  for (int r = 0; r < 1000; r++)
    {
      double u = g_rand_double_range (rand, 0, 5), v = g_rand_double_range (rand, 0, 3);
      static const double levels[] = { 0, 0.5, 0.8, 1.2 };

      for (int k = 0; k < 1000; k++)
        {
          double t = 0.01 * k;

          fprintf (f, "%d,%.4f,%.6f,%.6f,%g\n", r, t, u + 0.1 * sin (t), v + 0.1 * cos (t),
                   levels[r % 4]);
        }
    }
  g_assert_cmpint (fclose (f), ==, 0);
  g_rand_free (rand);
  return g_steal_pointer (&path);
}

/* A ring of 50 repressors: x_i' = a / (1 + x_{i-1}^2) - x_i. */
static char *
write_ring (const char *dir)
{
  g_autofree char *path = g_build_filename (dir, "ring50.ode", NULL);
  g_autoptr(GString) s = g_string_new ("# a ring of 50 repressors\npar a=3\n");

  for (int i = 0; i < 50; i++)
    g_string_append_printf (s, "x%d' = a/(1+x%d^2) - x%d\n", i, (i + 49) % 50, i);
  for (int i = 0; i < 50; i++)
    g_string_append_printf (s, "init x%d=%g\n", i, 0.5 + 0.01 * i);
  g_string_append (s, "@ total=20\ndone\n");
  g_assert_true (g_file_set_contents (path, s->str, -1, NULL));
  return g_steal_pointer (&path);
}

static void
test_large (void)
{
  g_autofree char *dir = currents_gui_test_make_temp_dir ("currents-large-XXXXXX");
  g_autofree char *csv = write_big_csv (dir);
  g_autofree char *ring = write_ring (dir);
  g_autofree char *ode = g_build_filename (CURRENTS_SOURCE_DIR, "data", "examples", "toggle.ode", NULL);
  g_autofree char *small = g_build_filename (CURRENTS_SOURCE_DIR, "data", "examples", "toggle.csv", NULL);
  g_autoptr(GSettings) settings = g_settings_new ("org.currents.Currents");
  CurrentsTrainingPanel *panel;
  g_autoptr(GError) error = NULL;
  CurrentsWindow *window;
  GObject *view;
  double rss0;
  gint64 t0;
  guint tick;

  /* the network of the last part, before the window binds the settings */
  g_settings_set_string (settings, "train-hidden", "256,256,256,256,256,256,256,256");
  g_settings_set_uint (settings, "train-epochs", 1000);

  window = currents_gui_test_window_new (1200, 800, FALSE);
  tick = g_timeout_add (10, tick_cb, NULL);
  currents_gui_test_iterate_until (portrait_idle, window, 10.0);

  /* 10⁶ rows under the model whose input they carry */
  currents_gui_test_open (window, ode, 120.0);
  rss0 = status_kb ("VmRSS");
  stall_reset ();
  t0 = g_get_monotonic_time ();
  currents_gui_test_open (window, csv, 120.0);
  report ("10^6 rows: opened (read in a thread, recorded in the workspace)",
          (g_get_monotonic_time () - t0) / 1e6, rss0);
  g_assert_cmpuint (currents_dataset_get_n_trajectories (currents_portrait_get_dataset (currents_window_get_portrait (window))),
                    ==, 1000);
  g_assert_true (currents_gui_test_iterate_until (portrait_idle, window, 120.0));
  report ("10^6 rows: drawn in the phase portrait", (g_get_monotonic_time () - t0) / 1e6, rss0);
  stall_reset ();
  t0 = g_get_monotonic_time ();
  currents_window_show_page (window, "timeseries");
  g_assert_true (currents_gui_test_iterate_until (timeseries_done, window, 300.0));
  report ("10^6 rows: 1000 predictions in the time series", (g_get_monotonic_time () - t0) / 1e6, rss0);

  /* 50 states */
  rss0 = status_kb ("VmRSS");
  stall_reset ();
  t0 = g_get_monotonic_time ();
  currents_gui_test_open (window, ring, 120.0);
  g_assert_cmpuint (currents_system_get_n_states (currents_portrait_get_system (currents_window_get_portrait (window))),
                    ==, 50);
  currents_window_show_page (window, "portrait");
  g_assert_true (currents_gui_test_iterate_until (portrait_idle, window, 120.0));
  view = G_OBJECT (currents_window_get_page (window, "stability"));
  currents_window_show_page (window, "stability");
  g_assert_true (currents_gui_test_iterate_until (stability_done, view, 120.0));
  view = G_OBJECT (currents_window_get_page (window, "knockouts"));
  currents_window_show_page (window, "knockouts");
  g_assert_true (currents_gui_test_iterate_until (knockouts_done, view, 120.0));
  report ("50 states (portrait, stability, 50 knockouts)", (g_get_monotonic_time () - t0) / 1e6, rss0);

  /* a network of 8 × 256, trained until its first best model is shown */
  currents_gui_test_open (window, small, 120.0);
  currents_window_show_page (window, "portrait");
  panel = currents_window_get_training_panel (window);
  rss0 = status_kb ("VmRSS");
  stall_reset ();
  t0 = g_get_monotonic_time ();
  g_assert_true (currents_training_panel_start (panel, &error));
  g_assert_no_error (error);
  g_assert_true (currents_gui_test_iterate_until (has_best, panel, 600.0));
  {
    gsize n = 0;

    currents_training_panel_get_best_params (panel, &n);
    g_print ("# 8×256 network: %zu weights\n", n);
    g_assert_cmpuint (n, >, 450000);
  }
  currents_training_panel_stop (panel);
  g_assert_true (currents_gui_test_iterate_until (not_running, panel, 600.0));
  g_assert_true (currents_gui_test_iterate_until (portrait_idle, window, 120.0));
  report ("8×256 network (train to the first best, show, stop)",
          (g_get_monotonic_time () - t0) / 1e6, rss0);

  g_source_remove (tick);
  currents_gui_test_destroy_window (&window, NULL, 60.0);
  currents_gui_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  g_test_add_func ("/gui/large/responsive", test_large);
  return g_test_run ();
}
