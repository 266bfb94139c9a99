/* test-knockout-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The knockout view in the window, under a display (`xvfb-run -a`). Its ranking equals a
 * direct currents_knockout_run() with the options `currents-cli knockout` uses, and the
 * analytic answers:
 *
 *   toggle switch  u' = a1/(1 + v²) − u,  v' = a2/(1 + u²) − v  (iptg = 0):
 *     knocking out u leaves v' = a2 − v, so x_ko = (0, a2); knocking out v gives (a1, 0);
 *   repressilator  x' = α/(1 + zⁿ) − x, …: knocking out x gives y = α, z = α/(1 + αⁿ).
 *
 * A chosen knockout's time course has 2 × n curves, the knocked-out state's run is 0
 * throughout and the others approach x_ko; a slider moves the ranking (a burst of slider
 * moves makes one computation); nothing is computed while the page is hidden; a trained model marks knockouts outside its data
 * as extrapolated; a model without a steady state says so in words.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes knockout-*.png there.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-knockout-view"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 30.0

typedef struct
{
  CurrentsWindow       *window;
  CurrentsPortrait     *portrait;
  CurrentsKnockoutView *view;
} Fixture;

typedef struct
{
  CurrentsKnockoutView *view;
  guint                 updates;
  guint                 n_genes;
} UpdateWait;

static gboolean
updated (gpointer data)
{
  UpdateWait *w = data;

  return currents_knockout_view_get_n_updates (w->view) > w->updates
         && !currents_knockout_view_get_busy (w->view)
         && (w->n_genes == 0 || currents_knockout_view_get_n_genes (w->view) == w->n_genes);
}

/* Waits for a result after @updates with @n_genes genes (0: any). */
static void
wait_for_update (Fixture *fixture,
                 guint    updates,
                 guint    n_genes)
{
  UpdateWait w = { fixture->view, updates, n_genes };

  g_assert_true (currents_gui_test_iterate_until (updated, &w, WAIT_SECONDS));
}

typedef struct
{
  CurrentsKnockoutView *view;
  guint                 frames;
  guint                 bars;
  guint                 curves;
} DrawWait;

static gboolean
drew (gpointer data)
{
  DrawWait *w = data;
  guint bars, curves, bar_frames, course_frames;

  currents_knockout_view_get_stats (w->view, &bars, &curves, &bar_frames, &course_frames);
  return bar_frames + course_frames > w->frames && bars == w->bars && curves == w->curves;
}

/* Redraws and waits until the last drawings show @bars bars and @curves curves. */
static void
assert_drawn (Fixture *fixture,
              guint    bars,
              guint    curves)
{
  DrawWait w = { fixture->view, 0, bars, curves };
  guint b, c, bf, cf;

  currents_knockout_view_get_stats (fixture->view, NULL, NULL, &bf, &cf);
  w.frames = bf + cf;
  gtk_widget_queue_draw (GTK_WIDGET (fixture->view));
  for (GtkWidget *child = gtk_widget_get_first_child (GTK_WIDGET (fixture->view)); child != NULL;
       child = gtk_widget_get_next_sibling (child))
    gtk_widget_queue_draw (child);
  currents_gui_test_iterate_until (drew, &w, WAIT_SECONDS);
  currents_knockout_view_get_stats (fixture->view, &b, &c, NULL, NULL);
  g_assert_cmpuint (b, ==, bars);
  g_assert_cmpuint (c, ==, curves);
}

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "knockout", name);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->window = currents_gui_test_window_new (1280, 760, TRUE);
  fixture->portrait = currents_window_get_portrait (fixture->window);
  fixture->view = CURRENTS_KNOCKOUT_VIEW (currents_window_get_page (fixture->window,
                                                                    "knockouts"));
  g_assert_nonnull (fixture->view);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  currents_gui_test_destroy_window (&fixture->window, &fixture->view, WAIT_SECONDS);
}

static void
show_view (Fixture *fixture)
{
  guint updates = currents_knockout_view_get_n_updates (fixture->view);

  g_assert_true (currents_window_show_page (fixture->window, "knockouts"));
  wait_for_update (fixture, updates, 0);
}

/* The ranking computed directly, with the options the view documents. */
static GPtrArray *
direct_run (CurrentsSystem       *sys,
            CurrentsSteadyState **reference)
{
  gsize n = currents_system_get_n_states (sys);
  const CurrentsTrainedModel *tm = currents_system_get_trained (sys);
  g_autofree gsize *genes = g_new (gsize, n);
  g_autofree double *xmin = g_new (double, n), *xmax = g_new (double, n);
  double umin[8], umax[8];
  g_autoptr(GError) error = NULL;
  CurrentsKnockoutOptions o;
  CurrentsSimOptions so;
  CurrentsSteadyState *ref;
  GPtrArray *kos;

  currents_knockout_options_init (&o);
  currents_system_get_sim_options (sys, &so);
  o.sim = &so;
  o.t = currents_system_get_t0 (sys);
  if (tm != NULL && currents_trained_model_get_ranges (tm, xmin, xmax, umin, umax))
    {
      o.x_min = xmin;
      o.x_max = xmax;
    }
  ref = currents_knockout_steady_state (currents_system_get_field (sys),
                                        currents_system_get_params (sys),
                                        currents_system_get_inputs (sys),
                                        currents_system_get_initial (sys), NULL, 0, &o, NULL,
                                        &error);
  g_assert_no_error (error);
  g_assert_true (ref->steady);
  for (gsize i = 0; i < n; i++)
    genes[i] = i;
  kos = currents_knockout_run (currents_system_get_field (sys), currents_system_get_params (sys),
                               currents_system_get_inputs (sys), ref, genes, n, &o, NULL, &error);
  g_assert_no_error (error);
  *reference = ref;
  return kos;
}

/* The view lists every state, largest shift first, as the direct run does. */
static void
assert_matches_direct_run (Fixture *fixture)
{
  CurrentsSystem *sys = currents_portrait_get_system (fixture->portrait);
  const char *const *names = currents_system_get_state_names (sys);
  gsize n = currents_system_get_n_states (sys), n_ref;
  g_autoptr(CurrentsSteadyState) ref = NULL;
  g_autoptr(GPtrArray) kos = direct_run (sys, &ref);
  const double *view_ref = currents_knockout_view_get_reference (fixture->view, &n_ref);

  g_assert_cmpuint (currents_knockout_view_get_n_genes (fixture->view), ==, n);
  g_assert_cmpuint (kos->len, ==, n);
  g_assert_nonnull (view_ref);
  g_assert_cmpuint (n_ref, ==, n);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat_with_epsilon (view_ref[i], ref->state[i], 1e-9);
  for (guint k = 0; k < n; k++)
    {
      const CurrentsKnockout *ko = g_ptr_array_index (kos, k);
      const double *state;
      gboolean steady, stable, extrapolated;

      g_assert_cmpstr (currents_knockout_view_get_gene_name (fixture->view, k), ==,
                       names[ko->gene]);
      g_assert_cmpint (currents_knockout_view_get_rank (fixture->view, names[ko->gene]), ==, k);
      g_assert_cmpfloat_with_epsilon (currents_knockout_view_get_shift (fixture->view, k),
                                      ko->shift, 1e-9);
      g_assert_true (currents_knockout_view_get_gene (fixture->view, k, &state, &steady, &stable,
                                                      &extrapolated));
      g_assert_true (steady == ko->result->steady);
      g_assert_true (stable == ko->result->stable);
      g_assert_true (extrapolated == ko->extrapolated);
      for (gsize i = 0; i < n; i++)
        g_assert_cmpfloat_with_epsilon (state[i], ko->result->state[i], 1e-9);
      g_assert_cmpfloat (state[ko->gene], ==, 0.0);
      if (k > 0)
        g_assert_cmpfloat (currents_knockout_view_get_shift (fixture->view, k - 1), >=,
                           currents_knockout_view_get_shift (fixture->view, k));
    }
  g_assert_cmpint (currents_knockout_view_get_rank (fixture->view, "no-such-gene"), ==, -1);
  g_assert_null (currents_knockout_view_get_gene_name (fixture->view, (guint) n));
  g_assert_null (currents_knockout_view_get_message (fixture->view));
}

/* The selected knockout's course: 2 × n curves; the knocked-out state 0 throughout; the
 * others start at the reference and end at the knockout's steady state. */
static void
assert_course (Fixture    *fixture,
               const char *gene,
               double      end_tol)
{
  int rank = currents_knockout_view_get_rank (fixture->view, gene);
  const double *times, *orig, *ko, *ref, *ko_state;
  gsize n_times, n, n_ref, g;
  CurrentsSystem *sys = currents_portrait_get_system (fixture->portrait);

  g_assert_cmpint (rank, >=, 0);
  g_assert_true (currents_knockout_view_select_gene (fixture->view, gene));
  g_assert_cmpstr (currents_knockout_view_get_selected (fixture->view), ==, gene);
  g_assert_true (currents_knockout_view_get_course (fixture->view, &n_times, &n, &times, &orig,
                                                    &ko));
  g_assert_true (currents_knockout_view_get_gene (fixture->view, (guint) rank, &ko_state, NULL,
                                                  NULL, NULL));
  ref = currents_knockout_view_get_reference (fixture->view, &n_ref);
  g_assert_cmpuint (n, ==, currents_system_get_n_states (sys));
  g_assert_cmpuint (n_ref, ==, n);
  g = (gsize) currents_system_find_state (sys, gene);
  g_assert_cmpuint (n_times, >, 100);
  g_assert_cmpfloat (times[0], ==, currents_system_get_t0 (sys));
  /* long enough to come within 1% of the knockout's steady state, never past 32 × total */
  g_assert_cmpfloat (times[n_times - 1], >, times[0]);
  g_assert_cmpfloat (times[n_times - 1], <=, 32.0 * currents_system_get_total (sys));
  for (gsize i = 0; i < n; i++)
    {
      /* both runs start from the reference, the knockout with x_g = 0 */
      g_assert_cmpfloat_with_epsilon (orig[i], ref[i], 1e-12);
      g_assert_cmpfloat_with_epsilon (ko[i], i == g ? 0.0 : ref[i], 1e-12);
      g_assert_cmpfloat_with_epsilon (ko[(n_times - 1) * n + i], ko_state[i], end_tol);
    }
  for (gsize k = 0; k < n_times; k++)
    g_assert_cmpfloat (ko[k * n + g], ==, 0.0);
  assert_drawn (fixture, (guint) n, 2 * (guint) n);
}

static void
test_toggle (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (fixture->portrait);
  CurrentsSystem *sys;
  const double *ref, *state;
  double u, v, shift_u, shift_v;
  guint updates;
  double x, y;

  show_view (fixture);
  g_assert_cmpuint (currents_knockout_view_get_n_genes (fixture->view), ==, 2);
  assert_matches_direct_run (fixture);

  /* the reference solves u = 5/(1 + v²), v = 3/(1 + u²) (a1 = 5, a2 = 3) on the u-high
   * branch, the only one at iptg = 0 */
  ref = currents_knockout_view_get_reference (fixture->view, NULL);
  u = ref[0];
  v = ref[1];
  g_assert_cmpfloat (fabs (u - 5.0 / (1.0 + v * v)), <, 1e-9);
  g_assert_cmpfloat (fabs (v - 3.0 / (1.0 + u * u)), <, 1e-9);
  g_assert_cmpfloat (u, >, v);
  shift_u = hypot (u, 3.0 - v);   /* x_ko = (0, 3) */
  shift_v = hypot (5.0 - u, v);   /* x_ko = (5, 0) */
  g_assert_cmpstr (currents_knockout_view_get_gene_name (fixture->view, 0), ==, "u");
  g_assert_cmpstr (currents_knockout_view_get_gene_name (fixture->view, 1), ==, "v");
  g_assert_cmpfloat_with_epsilon (currents_knockout_view_get_shift (fixture->view, 0), shift_u,
                                  1e-8);
  g_assert_cmpfloat_with_epsilon (currents_knockout_view_get_shift (fixture->view, 1), shift_v,
                                  1e-8);

  /* the largest shift is shown first; choosing v shows its course */
  g_assert_cmpstr (currents_knockout_view_get_selected (fixture->view), ==, "u");
  assert_course (fixture, "v", 1e-4);
  currents_knockout_view_set_display (fixture->view, CURRENTS_KNOCKOUT_DISPLAY_PER_STATE);
  assert_drawn (fixture, 2, 4);
  screenshot (fixture, "toggle-separate");
  currents_knockout_view_set_display (fixture->view, CURRENTS_KNOCKOUT_DISPLAY_TOGETHER);
  assert_course (fixture, "u", 1e-4);
  screenshot (fixture, "toggle");

  /* a click on v's bar chooses it; below the bars nothing */
  g_assert_true (currents_knockout_view_get_bar_center (fixture->view, 1, &x, &y));
  g_assert_cmpint (currents_knockout_view_click_bars (fixture->view, x, y), ==, 1);
  g_assert_cmpstr (currents_knockout_view_get_selected (fixture->view), ==, "v");
  g_assert_cmpint (currents_knockout_view_click_bars (fixture->view, x, y + 1000.0), ==, -1);
  g_assert_cmpstr (currents_knockout_view_get_selected (fixture->view), ==, "v");
  g_assert_false (currents_knockout_view_select_gene (fixture->view, "w"));

  /* the table lists the genes by rank; choosing its first row chooses u */
  {
    GtkWidget *table = currents_gui_test_find_descendant (GTK_WIDGET (fixture->view),
                                                          GTK_TYPE_COLUMN_VIEW);
    GtkSelectionModel *rows;
    g_autoptr(GtkStringObject) first = NULL;

    g_assert_nonnull (table);
    rows = gtk_column_view_get_model (GTK_COLUMN_VIEW (table));
    g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (rows)), ==, 2);
    g_assert_true (gtk_selection_model_is_selected (rows, 1));
    first = g_list_model_get_item (G_LIST_MODEL (rows), 0);
    g_assert_cmpstr (gtk_string_object_get_string (first), ==, "u");
    g_assert_true (gtk_selection_model_select_item (rows, 0, TRUE));
    g_assert_cmpstr (currents_knockout_view_get_selected (fixture->view), ==, "u");
    g_assert_true (gtk_selection_model_select_item (rows, 1, TRUE));
    g_assert_cmpstr (currents_knockout_view_get_selected (fixture->view), ==, "v");
  }

  /* a slider: a1 = 4.2 makes the knockout of v reach (a1, 0) */
  updates = currents_knockout_view_get_n_updates (fixture->view);
  g_assert_true (currents_parameter_panel_set_value (panel, "a1", 4.2));
  wait_for_update (fixture, updates, 2);
  sys = currents_portrait_get_system (fixture->portrait);
  g_assert_cmpfloat (currents_system_get_params (sys)[currents_system_find_param (sys, "a1")],
                     ==, 4.2);
  assert_matches_direct_run (fixture);
  g_assert_true (currents_knockout_view_get_gene (fixture->view,
                                                  (guint) currents_knockout_view_get_rank (
                                                    fixture->view, "v"),
                                                  &state, NULL, NULL, NULL));
  g_assert_cmpfloat_with_epsilon (state[0], 4.2, 1e-8);
  g_assert_cmpfloat (state[1], ==, 0.0);
  ref = currents_knockout_view_get_reference (fixture->view, NULL);
  g_assert_cmpfloat (fabs (ref[0] - 4.2 / (1.0 + ref[1] * ref[1])), <, 1e-9);
  g_assert_cmpfloat_with_epsilon (currents_knockout_view_get_shift (
                                    fixture->view,
                                    (guint) currents_knockout_view_get_rank (fixture->view, "v")),
                                  hypot (4.2 - ref[0], ref[1]), 1e-8);
  /* the choice survives the update */
  g_assert_cmpstr (currents_knockout_view_get_selected (fixture->view), ==, "v");
  assert_course (fixture, "v", 1e-4);
}

static void
test_repressilator (Fixture       *fixture,
                    gconstpointer  data)
{
  const char *data_dir = g_getenv ("CURRENTS_DATA_DIR");
  g_autofree char *path = g_build_filename (data_dir != NULL ? data_dir
                                                             : CURRENTS_SOURCE_DIR "/data",
                                            "examples", "repressilator.ode", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  const double *ref, *state;
  double s;
  guint updates;

  show_view (fixture);
  updates = currents_knockout_view_get_n_updates (fixture->view);
  currents_window_open (fixture->window, file);
  wait_for_update (fixture, updates, 3);
  assert_matches_direct_run (fixture);

  /* the symmetric reference s = α/(1 + s³), unstable: the flow from the initial state
   * circles it on the limit cycle */
  ref = currents_knockout_view_get_reference (fixture->view, NULL);
  s = ref[0];
  g_assert_cmpfloat (fabs (s - 10.0 / (1.0 + s * s * s)), <, 1e-9);
  g_assert_cmpfloat_with_epsilon (ref[1], s, 1e-9);
  g_assert_cmpfloat_with_epsilon (ref[2], s, 1e-9);
  /* knocking out x: y = α, z = α/(1 + α³) */
  g_assert_true (currents_knockout_view_get_gene (fixture->view,
                                                  (guint) currents_knockout_view_get_rank (
                                                    fixture->view, "x"),
                                                  &state, NULL, NULL, NULL));
  g_assert_cmpfloat (state[0], ==, 0.0);
  g_assert_cmpfloat_with_epsilon (state[1], 10.0, 1e-8);
  g_assert_cmpfloat_with_epsilon (state[2], 10.0 / 1001.0, 1e-8);
  for (guint k = 0; k < 3; k++)
    g_assert_cmpfloat_with_epsilon (currents_knockout_view_get_shift (fixture->view, k),
                                    sqrt (s * s + (10.0 - s) * (10.0 - s)
                                          + (10.0 / 1001.0 - s) * (10.0 / 1001.0 - s)), 1e-8);

  assert_course (fixture, "y", 1e-3);
  screenshot (fixture, "repressilator");
  currents_knockout_view_set_display (fixture->view, CURRENTS_KNOCKOUT_DISPLAY_PER_STATE);
  assert_drawn (fixture, 3, 6);
  screenshot (fixture, "repressilator-separate");

  /* the knockout of z in the portrait's (x, y) plane: the two runs and the field */
  {
    guint x_axis, y_axis, n_arrows;

    assert_course (fixture, "z", 1e-3);
    currents_knockout_view_set_display (fixture->view, CURRENTS_KNOCKOUT_DISPLAY_PLANE);
    g_assert_cmpint (currents_knockout_view_get_display (fixture->view), ==,
                     CURRENTS_KNOCKOUT_DISPLAY_PLANE);
    assert_drawn (fixture, 3, 2);
    g_assert_true (currents_knockout_view_get_plane (fixture->view, &x_axis, &y_axis,
                                                     &n_arrows));
    g_assert_cmpuint (x_axis, ==, 0);
    g_assert_cmpuint (y_axis, ==, 1);
    g_assert_cmpuint (n_arrows, >, 200);
    screenshot (fixture, "repressilator-plane");
  }

  /* the same in the dark */
  if (g_getenv ("CURRENTS_SCREENSHOT_DIR") != NULL)
    {
      AdwStyleManager *style = adw_style_manager_get_default ();

      adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
      currents_knockout_view_set_display (fixture->view, CURRENTS_KNOCKOUT_DISPLAY_TOGETHER);
      assert_drawn (fixture, 3, 6);
      screenshot (fixture, "repressilator-dark");
      adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
    }
}

static const char toggle_source[] =
  "input iptg=0\n"
  "par a1=3, a2=3, n=2, m=2, K=1, eta=2\n"
  "u' = a1/(1 + v^n) - u\n"
  "v' = a2/(1 + (u/(1 + (iptg/K)^eta))^m) - v\n"
  "init u=2.5, v=0.2\n"
  "@ total=20\n"
  "done\n";

/* A trained model whose data never saw u near 0: its knockout is extrapolated. */
static void
test_trained (Fixture       *fixture,
              gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (toggle_source, "toggle.ode", &error);
  g_autofree double *p = NULL;
  const double x_min[] = { 0.35, 0.0 }, x_max[] = { 3.1, 3.2 };
  const double u_min[] = { 0.0 }, u_max[] = { 1.0 };
  CurrentsTrainedModel *tm;
  gboolean extrapolated;
  guint updates;

  g_assert_no_error (error);
  p = g_memdup2 (currents_model_get_params (model),
                 currents_model_get_n_params (model) * sizeof (double));
  p[currents_model_find_param (model, "a1")] = 2.385;   /* as if fitted */
  tm = currents_trained_model_new_ode (model, p);
  currents_trained_model_set_ranges (tm, x_min, x_max, u_min, u_max);

  show_view (fixture);
  updates = currents_knockout_view_get_n_updates (fixture->view);
  currents_window_show_system (fixture->window, currents_system_new_from_trained (tm),
                               "toggle-trained.json");
  g_assert_nonnull (currents_system_get_trained (currents_portrait_get_system (fixture->portrait)));
  wait_for_update (fixture, updates, 2);
  assert_matches_direct_run (fixture);

  g_assert_true (currents_knockout_view_get_gene (fixture->view,
                                                  (guint) currents_knockout_view_get_rank (
                                                    fixture->view, "u"),
                                                  NULL, NULL, NULL, &extrapolated));
  g_assert_true (extrapolated);
  g_assert_true (currents_knockout_view_get_gene (fixture->view,
                                                  (guint) currents_knockout_view_get_rank (
                                                    fixture->view, "v"),
                                                  NULL, NULL, NULL, &extrapolated));
  g_assert_false (extrapolated);
  assert_course (fixture, "u", 1e-4);
  screenshot (fixture, "trained");
}

/* Nothing is computed while the page is hidden; showing it catches up. */
static void
test_hidden (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (fixture->portrait);
  guint bar_frames, updates;

  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), !=, "knockouts");
  currents_gui_test_pause (0.6);
  g_assert_cmpuint (currents_knockout_view_get_n_updates (fixture->view), ==, 0);
  g_assert_false (currents_knockout_view_get_busy (fixture->view));
  currents_knockout_view_get_stats (fixture->view, NULL, NULL, &bar_frames, NULL);
  g_assert_cmpuint (bar_frames, ==, 0);

  show_view (fixture);
  g_assert_cmpuint (currents_knockout_view_get_n_updates (fixture->view), ==, 1);
  assert_matches_direct_run (fixture);

  /* a slider moved while hidden: still nothing until shown */
  g_assert_true (currents_window_show_page (fixture->window, "portrait"));
  g_assert_true (currents_parameter_panel_set_value (panel, "a2", 3.7));
  currents_gui_test_pause (0.6);
  g_assert_cmpuint (currents_knockout_view_get_n_updates (fixture->view), ==, 1);
  g_assert_false (currents_knockout_view_get_busy (fixture->view));
  updates = currents_knockout_view_get_n_updates (fixture->view);
  g_assert_true (currents_window_show_page (fixture->window, "knockouts"));
  wait_for_update (fixture, updates, 2);
  assert_matches_direct_run (fixture);

  /* a slider dragged through five values: one computation, for the last of them */
  updates = currents_knockout_view_get_n_updates (fixture->view);
  for (guint k = 0; k < 5; k++)
    g_assert_true (currents_parameter_panel_set_value (panel, "a1", 3.1 + 0.35 * k));
  g_assert_true (currents_knockout_view_get_busy (fixture->view));
  wait_for_update (fixture, updates, 2);
  currents_gui_test_pause (0.5);
  g_assert_cmpuint (currents_knockout_view_get_n_updates (fixture->view), ==, updates + 1);
  {
    const double *state;

    g_assert_true (currents_knockout_view_get_gene (fixture->view,
                                                    (guint) currents_knockout_view_get_rank (
                                                      fixture->view, "v"),
                                                    &state, NULL, NULL, NULL));
    g_assert_cmpfloat_with_epsilon (state[0], 3.1 + 0.35 * 4, 1e-8);
  }
  assert_matches_direct_run (fixture);
}

/* A phone-sized window can hold the view: it asks for little width. */
static void
test_narrow (Fixture       *fixture,
             gconstpointer  data)
{
  int min_width;

  show_view (fixture);
  gtk_widget_measure (GTK_WIDGET (fixture->view), GTK_ORIENTATION_HORIZONTAL, -1, &min_width,
                      NULL, NULL, NULL);
  g_assert_cmpint (min_width, <=, 360);
  assert_drawn (fixture, 2, 4);
}

/* A model that never settles: the view says why instead of ranking anything. */
static void
test_no_steady_state (Fixture       *fixture,
                      gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string ("par r=0.7\n"
                                                         "x' = r\n"
                                                         "y' = -y\n"
                                                         "init x=0, y=1.5\n"
                                                         "done\n", "drift.ode", &error);
  const char *message;
  guint updates;

  g_assert_no_error (error);
  show_view (fixture);
  updates = currents_knockout_view_get_n_updates (fixture->view);
  currents_window_show_model (fixture->window, model, "drift.ode");
  wait_for_update (fixture, updates, 0);
  g_assert_cmpuint (currents_knockout_view_get_n_genes (fixture->view), ==, 0);
  message = currents_knockout_view_get_message (fixture->view);
  g_assert_nonnull (message);
  g_assert_nonnull (strstr (message, "x = 0, y = 1.5"));
  g_assert_nonnull (strstr (message, "steady state"));
  g_assert_false (currents_knockout_view_get_course (fixture->view, NULL, NULL, NULL, NULL,
                                                     NULL));
  screenshot (fixture, "no-steady-state");
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/gui/knockout-view/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("toggle", test_toggle);
  ADD ("repressilator", test_repressilator);
  ADD ("trained", test_trained);
  ADD ("hidden", test_hidden);
  ADD ("narrow", test_narrow);
  ADD ("no-steady-state", test_no_steady_state);

#undef ADD

  return g_test_run ();
}
