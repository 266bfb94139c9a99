/* test-portrait.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The phase portrait in the window, under a display (`xvfb-run -a`), on the bundled genetic
 * toggle switch
 *
 *   u' = a₁/(1 + v²) − u,   v' = a₂/(1 + u²) − v   (iptg = 0),
 *
 * which has three equilibria for a₁ = a₂ = 3 (two stable nodes and a saddle on the
 * diagonal) and one for a₁ = a₂ = 1.5 (the pitchfork is at a = 2): every layer drawn
 * without a GTK warning (G_DEBUG=fatal-warnings), clicks that launch trajectories that
 * stay until cleared, sliders that move nullclines and equilibria, the equilibrium
 * popover, pan and zoom, the hover read-out, export with provenance, trained (neural)
 * models, and a slice of a model with more than two states.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes portrait-*.png there (window and figure, light
 * and dark).
 */
#include "config.h"

#define G_LOG_DOMAIN "test-portrait"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 60.0

typedef struct
{
  CurrentsWindow   *window;
  CurrentsPortrait *portrait;
  char             *tmpdir;
} Fixture;

static gboolean
idle_portrait (gpointer data)
{
  return !currents_portrait_get_busy (data);
}

static guint
n_frames (gpointer portrait)
{
  return currents_portrait_get_n_frames (portrait);
}

/* Everything computed, then a frame drawn after that. */
static void
wait_for_portrait (Fixture           *fixture,
                   CurrentsPlotStats *stats)
{
  g_assert_true (currents_gui_test_iterate_until (idle_portrait, fixture->portrait, WAIT_SECONDS));
  /* the fade-in animations end */
  currents_gui_test_pause (0.6);
  g_assert_true (currents_gui_test_iterate_until (idle_portrait, fixture->portrait, WAIT_SECONDS));
  g_assert_true (currents_gui_test_redraw (
    currents_gui_test_find_descendant (GTK_WIDGET (fixture->portrait), GTK_TYPE_DRAWING_AREA),
    n_frames, fixture->portrait, WAIT_SECONDS));
  currents_portrait_get_stats (fixture->portrait, stats);
}

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  g_autofree char *figure = currents_gui_test_screenshot_path ("portrait", name, "-figure");
  g_autoptr(GError) error = NULL;

  if (figure == NULL)
    return;
  /* the window's own drawing, once whatever changed is laid out and drawn */
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "portrait", name);
  g_assert_true (currents_portrait_export (fixture->portrait, figure, 800, 600, &error));
  g_assert_no_error (error);
}

static gboolean
has_a1_slider (gpointer data)
{
  return currents_parameter_panel_get_adjustment (
           currents_portrait_get_parameter_panel (CURRENTS_PORTRAIT (data)), "a1") != NULL;
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->tmpdir = currents_gui_test_make_temp_dir ("currents-portrait-XXXXXX");

  fixture->window = currents_gui_test_window_new (1100, 720, TRUE);
  fixture->portrait = currents_window_get_portrait (fixture->window);
  /* a1 = 3: the symmetric switch (bistable at iptg = 0, closed forms) the example was
   * before it got its hysteresis loop; the slider moves as a user would move it */
  g_assert_true (currents_gui_test_iterate_until (has_a1_slider, fixture->portrait, WAIT_SECONDS));
  g_assert_true (currents_parameter_panel_set_value (
    currents_portrait_get_parameter_panel (fixture->portrait), "a1", 3.0));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (), ADW_COLOR_SCHEME_DEFAULT);
  /* The window goes away entirely, whatever work is under way: no task keeps it. */
  currents_gui_test_destroy_window (&fixture->window, &fixture->portrait, WAIT_SECONDS);
  currents_gui_test_remove_tree (fixture->tmpdir);
  g_free (fixture->tmpdir);
}

static double
symmetric_root (double a)
{
  double u = 1.0;

  for (int i = 0; i < 60; i++)
    u -= (u * u * u + u - a) / (3 * u * u + 1);
  return u;
}

static gboolean
activate (Fixture    *fixture,
          const char *action,
          GVariant   *parameter)
{
  return gtk_widget_activate_action_variant (GTK_WIDGET (fixture->portrait), action, parameter);
}

/* Every layer at once, light and dark. */
static void
test_all_layers (Fixture       *fixture,
                 gconstpointer  data)
{
  CurrentsPlotStats st;
  GPtrArray *eqs;

  wait_for_portrait (fixture, &st);
  /* the defaults: no separatrices, no basins */
  g_assert_cmpuint (st.n_arrows, >, 100);
  g_assert_cmpuint (st.n_nullclines, >=, 2);
  g_assert_cmpuint (st.n_equilibria, ==, 3);
  g_assert_cmpuint (st.n_separatrices, ==, 0);
  g_assert_cmpuint (st.n_basin_cells, ==, 0);
  g_assert_cmpuint (st.n_trajectories, ==, 17);
  g_assert_cmpuint (st.n_data_curves, >, 0);

  /* the menu's actions switch layers on */
  g_assert_true (activate (fixture, "portrait.layer-separatrices", NULL));
  g_assert_true (activate (fixture, "portrait.layer-basins", NULL));
  g_assert_true (currents_portrait_get_layers (fixture->portrait) & CURRENTS_PLOT_LAYER_BASINS);
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (st.n_separatrices, ==, 4);
  /* all but the cells on the diagonal, which go to the saddle */
  g_assert_cmpuint (st.n_basin_cells, >, 64 * 62);
  g_assert_cmpuint (st.n_equilibria, ==, 3);

  eqs = currents_portrait_get_equilibria (fixture->portrait);
  g_assert_cmpuint (eqs->len, ==, 3);
  g_assert_cmpfloat_with_epsilon (((CurrentsEquilibrium *) g_ptr_array_index (eqs, 1))->state[0],
                                  symmetric_root (3.0), 1e-8);
  screenshot (fixture, "all-layers");

  g_assert_true (activate (fixture, "portrait.field-style", g_variant_new_string ("streamlines")));
  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      ADW_COLOR_SCHEME_FORCE_DARK);
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (st.n_arrows, >, 10);
  screenshot (fixture, "all-layers-dark");

  /* and off again */
  currents_portrait_set_layers (fixture->portrait, CURRENTS_PLOT_LAYER_NULLCLINES);
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (st.n_arrows, ==, 0);
  g_assert_cmpuint (st.n_equilibria, ==, 0);
  g_assert_cmpuint (st.n_nullclines, >=, 2);
  g_assert_cmpuint (st.n_data_curves, ==, 0);
}

/* Clicks launch trajectories that stay, through parameter changes, until cleared. */
static void
test_click_launches (Fixture       *fixture,
                     gconstpointer  data)
{
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (fixture->portrait);
  CurrentsPlotStats st;
  double cx, cy;

  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (currents_portrait_get_n_launched (fixture->portrait), ==, 0);
  g_assert_cmpuint (st.n_launched, ==, 0);

  g_assert_true (currents_portrait_data_to_canvas (fixture->portrait, 1.5, 2.385, &cx, &cy));
  currents_portrait_click (fixture->portrait, cx, cy);
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (currents_portrait_get_n_launched (fixture->portrait), ==, 1);
  g_assert_cmpuint (st.n_launched, ==, 1);

  /* both directions from a second point */
  g_assert_true (activate (fixture, "portrait.direction", g_variant_new_string ("both")));
  g_assert_true (currents_portrait_data_to_canvas (fixture->portrait, 2.9, 1.1, &cx, &cy));
  currents_portrait_click (fixture->portrait, cx, cy);
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (st.n_launched, ==, 2);
  screenshot (fixture, "launched");

  /* they stay when a parameter moves, recomputed */
  g_assert_true (currents_parameter_panel_set_value (panel, "a1", 2.385));
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (st.n_launched, ==, 2);

  /* a click outside the plot area does nothing */
  currents_portrait_click (fixture->portrait, 2.0, 2.0);
  g_assert_cmpuint (currents_portrait_get_n_launched (fixture->portrait), ==, 2);

  g_assert_true (activate (fixture, "portrait.clear", NULL));
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (currents_portrait_get_n_launched (fixture->portrait), ==, 0);
  g_assert_cmpuint (st.n_launched, ==, 0);
}

static guint
n_equilibria (Fixture *fixture)
{
  GPtrArray *eqs = currents_portrait_get_equilibria (fixture->portrait);

  return eqs != NULL ? eqs->len : 0;
}

/* The sliders: nullclines and equilibria follow the parameters. */
static void
test_sliders (Fixture       *fixture,
              gconstpointer  data)
{
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (fixture->portrait);
  GtkAdjustment *a1, *a2, *iptg;
  CurrentsPlotStats st;
  CurrentsSystem *sys;
  GPtrArray *eqs;

  wait_for_portrait (fixture, &st);
  /* iptg, then a1, a2, n, m, K, eta */
  g_assert_cmpuint (currents_parameter_panel_get_n_rows (panel), ==, 7);
  a1 = currents_parameter_panel_get_adjustment (panel, "a1");
  a2 = currents_parameter_panel_get_adjustment (panel, "a2");
  iptg = currents_parameter_panel_get_adjustment (panel, "iptg");
  g_assert_nonnull (a1);
  g_assert_nonnull (iptg);
  /* a parameter's range is 0…2×value (the file's a1 = 5); an input's is the data's */
  g_assert_cmpfloat (gtk_adjustment_get_lower (a1), ==, 0.0);
  g_assert_cmpfloat (gtk_adjustment_get_upper (a1), ==, 10.0);
  g_assert_cmpfloat (gtk_adjustment_get_upper (iptg), ==, 1.2);
  g_assert_cmpuint (n_equilibria (fixture), ==, 3);

  /* dragging: several values in a row, only the last one counts */
  for (int k = 0; k <= 10; k++)
    {
      gtk_adjustment_set_value (a1, 3.0 - 0.15 * k);
      gtk_adjustment_set_value (a2, 3.0 - 0.15 * k);
      g_main_context_iteration (NULL, FALSE);
    }
  wait_for_portrait (fixture, &st);
  sys = currents_portrait_get_system (fixture->portrait);
  g_assert_cmpfloat (currents_system_get_params (sys)[0], ==, 1.5);
  g_assert_cmpuint (n_equilibria (fixture), ==, 1);
  g_assert_cmpuint (st.n_equilibria, ==, 1);
  eqs = currents_portrait_get_equilibria (fixture->portrait);
  g_assert_cmpfloat_with_epsilon (((CurrentsEquilibrium *) g_ptr_array_index (eqs, 0))->state[0],
                                  symmetric_root (1.5), 1e-8);
  g_assert_true (((CurrentsEquilibrium *) g_ptr_array_index (eqs, 0))->stable);
  screenshot (fixture, "a-1.5");

  /* back past the pitchfork */
  gtk_adjustment_set_value (a1, 3.0);
  gtk_adjustment_set_value (a2, 3.0);
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (n_equilibria (fixture), ==, 3);

  /* the inducer flips the switch: only the v-high state is left */
  gtk_adjustment_set_value (iptg, 1.2);
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (n_equilibria (fixture), ==, 1);
  eqs = currents_portrait_get_equilibria (fixture->portrait);
  g_assert_cmpfloat (((CurrentsEquilibrium *) g_ptr_array_index (eqs, 0))->state[1], >, 2.0);
  screenshot (fixture, "iptg-2");
}

/* A click on a glyph tells its eigenvalues, eigenvectors and type. */
static void
test_equilibrium_popover (Fixture       *fixture,
                          gconstpointer  data)
{
  CurrentsPlotStats st;
  double s = symmetric_root (3.0), cx, cy;
  GtkWidget *popover;
  guint n_launched;

  wait_for_portrait (fixture, &st);
  n_launched = currents_portrait_get_n_launched (fixture->portrait);
  g_assert_true (currents_portrait_data_to_canvas (fixture->portrait, s, s, &cx, &cy));
  currents_portrait_click (fixture->portrait, cx + 2, cy - 3);
  popover = currents_portrait_get_equilibrium_popover (fixture->portrait);
  g_assert_nonnull (popover);
  currents_gui_test_pause (0.3);
  g_assert_true (gtk_widget_get_visible (popover));
  /* the glyph was hit: no trajectory */
  g_assert_cmpuint (currents_portrait_get_n_launched (fixture->portrait), ==, n_launched);
  {
    GtkWidget *box = gtk_popover_get_child (GTK_POPOVER (popover));
    GtkWidget *title = gtk_widget_get_first_child (box);

    g_assert_cmpstr (gtk_label_get_label (GTK_LABEL (title)), ==, "Saddle");
  }
  screenshot (fixture, "popover");
  if (g_getenv ("CURRENTS_SCREENSHOT_DIR") != NULL)
    {
      /* the popover is a surface of its own */
      g_autoptr(GtkSnapshot) snapshot = gtk_snapshot_new ();
      g_autoptr(GskRenderNode) node = NULL;
      g_autoptr(GdkTexture) texture = NULL;
      g_autofree char *path = g_strdup_printf ("%s/portrait-popover-card.png",
                                               g_getenv ("CURRENTS_SCREENSHOT_DIR"));
      int w = gtk_widget_get_width (popover), h = gtk_widget_get_height (popover);

      GTK_WIDGET_GET_CLASS (popover)->snapshot (popover, snapshot);
      node = gtk_snapshot_free_to_node (g_steal_pointer (&snapshot));
      if (node != NULL && w > 0 && h > 0)
        {
          texture = gsk_renderer_render_texture (gtk_native_get_renderer (GTK_NATIVE (popover)),
                                                 node, &GRAPHENE_RECT_INIT (0, 0, w, h));
          gdk_texture_save_to_png (texture, path);
        }
    }
  gtk_popover_popdown (GTK_POPOVER (popover));
}

/* Pan, zoom, reset, and the read-out under the pointer. */
static void
test_view (Fixture       *fixture,
           gconstpointer  data)
{
  CurrentsPlotStats st;
  double home[4], view[4], cx, cy;
  const char *text;

  wait_for_portrait (fixture, &st);
  g_assert_true (currents_portrait_get_view (fixture->portrait, home));
  g_assert_cmpfloat (home[1], ==, 5.5);   /* the file's xhi */

  g_assert_true (currents_portrait_data_to_canvas (fixture->portrait, 1.0, 2.0, &cx, &cy));
  text = currents_portrait_hover (fixture->portrait, cx, cy);
  g_assert_nonnull (text);
  /* u = 1, v = 2: u' = 3/5 − 1, v' = 3/2 − 2 */
  g_assert_nonnull (strstr (text, "u = 1"));
  g_assert_nonnull (strstr (text, "v = 2"));
  g_assert_nonnull (strstr (text, "u\u2032 = \u22120.4"));
  g_assert_nonnull (strstr (text, "v\u2032 = \u22120.5"));
  g_assert_null (currents_portrait_hover (fixture->portrait, 1.0, 1.0));

  /* zoom in about (1, 2): it stays put */
  currents_portrait_zoom (fixture->portrait, 2.0, cx, cy);
  g_assert_true (currents_portrait_get_view (fixture->portrait, view));
  g_assert_cmpfloat_with_epsilon (view[1] - view[0], 2.75, 1e-9);
  g_assert_cmpfloat_with_epsilon ((1.0 - view[0]) / (view[1] - view[0]), 1.0 / 5.5, 1e-2);
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (st.n_arrows, >, 100);
  g_assert_cmpuint (st.n_nullclines, >=, 1);

  /* pan */
  view[0] += 0.5;
  view[1] += 0.5;
  currents_portrait_set_view (fixture->portrait, view);
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (st.n_arrows, >, 100);
  g_assert_true (currents_portrait_data_to_canvas (fixture->portrait, 1.7, 1.9, &cx, &cy));
  g_assert_nonnull (currents_portrait_hover (fixture->portrait, cx, cy));
  screenshot (fixture, "zoomed");

  g_assert_true (activate (fixture, "portrait.reset-view", NULL));
  g_assert_true (currents_portrait_get_view (fixture->portrait, view));
  g_assert_cmpmem (view, sizeof view, home, sizeof home);
  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (st.n_equilibria, ==, 3);
}

static gboolean
contains (const char *path,
          const char *fragment)
{
  g_autofree char *text = NULL;
  gsize len = 0, f = strlen (fragment);

  g_assert_true (g_file_get_contents (path, &text, &len, NULL));
  for (gsize i = 0; i + f <= len; i++)
    if (memcmp (text + i, fragment, f) == 0)
      return TRUE;
  return FALSE;
}

static void
test_export (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *png = g_build_filename (fixture->tmpdir, "t.png", NULL);
  g_autofree char *svg = g_build_filename (fixture->tmpdir, "t.svg", NULL);
  g_autofree char *pdf = g_build_filename (fixture->tmpdir, "t.pdf", NULL);
  g_autofree char *csv = g_build_filename (fixture->tmpdir, "t.csv", NULL);
  g_autoptr(GError) error = NULL;
  CurrentsPlotStats st;
  double cx, cy;

  wait_for_portrait (fixture, &st);
  g_assert_true (currents_portrait_data_to_canvas (fixture->portrait, 0.5, 0.5, &cx, &cy));
  currents_portrait_click (fixture->portrait, cx, cy);
  wait_for_portrait (fixture, &st);

  g_assert_true (currents_portrait_export (fixture->portrait, png, 640, 480, &error));
  g_assert_no_error (error);
  g_assert_true (contains (png, "Currents " PACKAGE_VERSION));
  g_assert_true (contains (png, "toggle.ode (model, sha256 "));
  g_assert_true (contains (png, "a1=3, a2=3"));
  g_assert_true (currents_portrait_export (fixture->portrait, svg, 640, 480, &error));
  g_assert_true (contains (svg, "<!-- Software: Currents " PACKAGE_VERSION " -->"));
  g_assert_true (currents_portrait_export (fixture->portrait, pdf, 640, 480, &error));
  g_assert_true (contains (pdf, "/Creator (Currents " PACKAGE_VERSION ")"));
  g_assert_true (currents_portrait_export_csv (fixture->portrait, csv, &error));
  g_assert_no_error (error);
  g_assert_true (contains (csv, "# Software: Currents"));
  g_assert_true (contains (csv, "curve,kind,label,u,v\n"));
  g_assert_true (contains (csv, ",launched,"));
  g_assert_true (contains (csv, ",nullcline-x,"));
  g_assert_true (contains (csv, ",equilibrium,Saddle,"));
}

/* A trained model: a neural field of x and y with an input s, 3-64-64-2. */
static CurrentsTrainedModel *
neural_model (void)
{
  const char *names[] = { "x", "y", NULL };
  const char *inputs[] = { "s", NULL };
  const double zeros[2] = { 0, 0 }, ones[2] = { 1, 1 };
  const double u_mean[1] = { 0 }, u_scale[1] = { 1 }, offset[1] = { 0 };
  const gboolean no_log[1] = { FALSE };
  const double x_min[2] = { -2, -1.5 }, x_max[2] = { 2, 1.5 }, u_min[1] = { -1 }, u_max[1] = { 1 };
  CurrentsNeuralScaling sc = { zeros, ones, u_mean, u_scale, no_log, offset, 1.0 };
  CurrentsNeuralSpec spec;
  g_autoptr(GError) error = NULL;
  CurrentsNeuralModel *nn;
  CurrentsTrainedModel *tm;

  currents_neural_spec_init (&spec);
  spec.seed = 2;
  nn = currents_neural_model_new_full (names, inputs, &spec, &sc, &error);
  g_assert_no_error (error);
  tm = currents_trained_model_new_neural (nn, currents_neural_model_get_initial_params (nn));
  currents_trained_model_set_ranges (tm, x_min, x_max, u_min, u_max);
  return tm;
}

static void
test_trained (Fixture       *fixture,
              gconstpointer  data)
{
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (fixture->portrait);
  g_autoptr(CurrentsTrainedModel) tm = neural_model ();
  g_autofree char *path = g_build_filename (fixture->tmpdir, "neural.json", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GError) error = NULL;
  CurrentsSystem *sys;
  GtkAdjustment *s;
  CurrentsPlotStats st;
  double view[4];

  g_assert_true (currents_trained_model_save (tm, path, &error));
  g_assert_no_error (error);

  /* through the window's open path, as a user opens it */
  currents_window_open (fixture->window, file);
  {
    gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;

    while (g_get_monotonic_time () < until
           && ((sys = currents_portrait_get_system (fixture->portrait)) == NULL
               || currents_system_get_trained (sys) == NULL))
      g_main_context_iteration (NULL, TRUE);
  }
  sys = currents_portrait_get_system (fixture->portrait);
  g_assert_nonnull (currents_system_get_trained (sys));
  g_assert_null (currents_portrait_get_model (fixture->portrait));
  g_assert_null (currents_window_get_last_error (fixture->window));

  wait_for_portrait (fixture, &st);
  g_assert_cmpuint (st.n_arrows, >, 100);
  g_assert_cmpuint (st.n_nullclines, >=, 1);
  g_assert_cmpuint (st.n_trajectories, ==, 17);
  /* the view of a trained model: its data's range, padded */
  g_assert_true (currents_portrait_get_view (fixture->portrait, view));
  g_assert_cmpfloat_with_epsilon (view[0], -2.4, 1e-9);
  g_assert_cmpfloat_with_epsilon (view[3], 1.8, 1e-9);

  /* one slider, for the input, over the trained model's range */
  g_assert_cmpuint (currents_parameter_panel_get_n_rows (panel), ==, 1);
  s = currents_parameter_panel_get_adjustment (panel, "s");
  g_assert_nonnull (s);
  g_assert_cmpfloat (gtk_adjustment_get_lower (s), ==, -1.0);
  g_assert_cmpfloat (gtk_adjustment_get_upper (s), ==, 1.0);
  gtk_adjustment_set_value (s, 0.75);
  wait_for_portrait (fixture, &st);
  sys = currents_portrait_get_system (fixture->portrait);
  g_assert_cmpfloat (currents_system_get_inputs (sys)[0], ==, 0.75);
  g_assert_cmpuint (st.n_arrows, >, 100);
  for (guint i = 0; i < n_equilibria (fixture); i++)
    {
      GPtrArray *eqs = currents_portrait_get_equilibria (fixture->portrait);

      g_assert_cmpfloat (((CurrentsEquilibrium *) g_ptr_array_index (eqs, i))->residual, <, 1e-8);
    }
  screenshot (fixture, "trained");

  /* an input the network takes as log10(s + s₀): its slider moves on that scale */
  {
    const char *names[] = { "x", "y", NULL };
    const char *inputs[] = { "s", NULL };
    const char *log_inputs[] = { "s", NULL };
    const double zeros[2] = { 0, 0 }, ones[2] = { 1, 1 };
    const double u_mean[1] = { 0 }, u_scale[1] = { 1 }, offset[1] = { 0.1 };
    const gboolean log_flag[1] = { TRUE };
    const double x_min[2] = { -2, -2 }, x_max[2] = { 2, 2 }, u_min[1] = { 0 }, u_max[1] = { 100 };
    CurrentsNeuralScaling sc = { zeros, ones, u_mean, u_scale, log_flag, offset, 1.0 };
    CurrentsNeuralSpec spec;
    CurrentsNeuralModel *nn;
    CurrentsTrainedModel *logm;
    GtkAdjustment *adj;

    currents_neural_spec_init (&spec);
    spec.seed = 5;
    spec.log_inputs = log_inputs;
    nn = currents_neural_model_new_full (names, inputs, &spec, &sc, &error);
    g_assert_no_error (error);
    logm = currents_trained_model_new_neural (nn, currents_neural_model_get_initial_params (nn));
    currents_trained_model_set_ranges (logm, x_min, x_max, u_min, u_max);
    currents_window_show_system (fixture->window, currents_system_new_from_trained (logm),
                                 "log.json");
    wait_for_portrait (fixture, &st);
    adj = currents_parameter_panel_get_adjustment (panel, "s");
    g_assert_nonnull (adj);
    g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_lower (adj), log10 (0.1), 1e-12);
    g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_upper (adj), log10 (100.1), 1e-12);
    /* halfway along the slider is the geometric middle */
    gtk_adjustment_set_value (adj, 0.5 * (log10 (0.1) + log10 (100.1)));
    wait_for_portrait (fixture, &st);
    sys = currents_portrait_get_system (fixture->portrait);
    g_assert_cmpfloat_with_epsilon (currents_system_get_inputs (sys)[0],
                                    sqrt (0.1 * 100.1) - 0.1, 1e-9);
    g_assert_true (currents_parameter_panel_set_value (panel, "s", 10.0));
    g_assert_cmpfloat_with_epsilon (gtk_adjustment_get_value (adj), log10 (10.1), 1e-12);
    wait_for_portrait (fixture, &st);
    g_assert_cmpfloat (currents_system_get_inputs (sys)[0], ==, 10.0);
  }
}

/* More than two states: a slice, the others on sliders or held at an equilibrium. */
static void
test_slice (Fixture       *fixture,
            gconstpointer  data)
{
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (fixture->portrait);
  const char *data_dir = g_getenv ("CURRENTS_DATA_DIR");
  g_autofree char *path = g_build_filename (data_dir != NULL ? data_dir
                                                             : CURRENTS_SOURCE_DIR "/data",
                                            "examples", "lorenz.ode", NULL);
  g_autoptr(CurrentsModel) model = NULL;
  g_autoptr(GError) error = NULL;
  CurrentsSystem *sys;
  CurrentsPlotStats st;
  GtkAdjustment *y;

  model = currents_model_new_from_file (path, &error);
  g_assert_no_error (error);
  currents_window_show_model (fixture->window, g_steal_pointer (&model), "lorenz.ode");
  wait_for_portrait (fixture, &st);
  sys = currents_portrait_get_system (fixture->portrait);
  g_assert_cmpuint (currents_system_get_n_states (sys), ==, 3);
  /* x and z on the axes (the file's), y on a slider */
  g_assert_cmpuint (currents_portrait_get_x_axis (fixture->portrait), ==, 0);
  g_assert_cmpuint (currents_portrait_get_y_axis (fixture->portrait), ==, 2);
  y = currents_parameter_panel_get_adjustment (panel, "y");
  g_assert_nonnull (y);
  g_assert_null (currents_parameter_panel_get_adjustment (panel, "z"));
  g_assert_cmpuint (st.n_arrows, >, 100);

  /* the slice through an equilibrium of the whole system: y held at it */
  gtk_adjustment_set_value (y, 7.13);
  wait_for_portrait (fixture, &st);
  g_assert_true (activate (fixture, "portrait.hold-at-equilibrium", NULL));
  wait_for_portrait (fixture, &st);
  {
    double yv = currents_system_get_initial (currents_portrait_get_system (fixture->portrait))[1];
    double c = sqrt (8.0 / 3.0 * 27.0);

    /* no equilibrium is stable for ρ = 28: the nearest of the origin and
     * C± = (±√(β(ρ−1)), ±√(β(ρ−1)), ρ−1), so y is 0 or ±c */
    g_assert_true (fabs (yv) < 1e-6 || fabs (fabs (yv) - c) < 1e-6);
  }
  screenshot (fixture, "slice");

  /* another axis pair */
  currents_portrait_set_y_axis (fixture->portrait, 1);
  wait_for_portrait (fixture, &st);
  g_assert_nonnull (currents_parameter_panel_get_adjustment (panel, "z"));
  g_assert_null (currents_parameter_panel_get_adjustment (panel, "y"));
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  currents_gui_test_load_style ();

#define ADD(path, func) \
  g_test_add ("/gui/portrait/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("all-layers", test_all_layers);
  ADD ("click-launches", test_click_launches);
  ADD ("sliders", test_sliders);
  ADD ("equilibrium-popover", test_equilibrium_popover);
  ADD ("view", test_view);
  ADD ("export", test_export);
  ADD ("trained", test_trained);
  ADD ("slice", test_slice);

#undef ADD

  return g_test_run ();
}
