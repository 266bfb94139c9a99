/* test-population.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Population page, in the window, under a display (`xvfb-run -a`): the cells example
 * from the gallery and from its files, the heat map against the engine's log p, the time
 * slider, the sample paths, computing only while shown, and training with Cancel.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes population-*.png there.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-population"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-gallery.h"
#include "currents-import-sheet.h"
#include "currents-gui-test.h"
#include "currents-population-view.h"
#include "currents-window.h"

#define WAIT_SECONDS 60.0

typedef struct
{
  CurrentsWindow         *window;
  CurrentsPopulationView *view;
} Fixture;

static gboolean
view_idle (gpointer data)
{
  return !currents_population_view_get_busy (data)
         && (currents_population_view_get_grid (data, NULL, NULL, NULL, NULL, NULL, NULL,
                                                NULL) != NULL
             || currents_population_view_get_error (data) != NULL);
}

static gboolean
not_training (gpointer data)
{
  return !currents_population_view_get_training (data);
}

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  (void) data;
  fixture->window = currents_gui_test_window_new (1100, 760, FALSE);
  fixture->view = CURRENTS_POPULATION_VIEW (currents_window_get_page (fixture->window,
                                                                      "population"));
  g_assert_nonnull (fixture->view);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  (void) data;
  currents_gui_test_destroy_window (&fixture->window, &fixture->view, WAIT_SECONDS);
}

static gboolean
page_visible (CurrentsWindow *window)
{
  GtkWidget *child = currents_window_get_page (window, "population");
  AdwViewStack *stack = ADW_VIEW_STACK (gtk_widget_get_parent (child));

  return adw_view_stack_page_get_visible (adw_view_stack_get_page (stack, child));
}

/* The heat map's values are the engine's log p at the grid points. */
static void
check_grid (Fixture *fixture, double t_expected)
{
  const CurrentsPopulation *pop = currents_population_view_get_population (fixture->view);
  g_autofree double *engine = NULL;
  g_autoptr (GError) error = NULL;
  const double *grid;
  double box[4], t, worst = 0.0, lp, xq[2];
  guint nx, ny, ix, iy;
  gboolean marginal;
  gsize c;

  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  g_assert_cmpstr (currents_population_view_get_error (fixture->view), ==, NULL);
  grid = currents_population_view_get_grid (fixture->view, &nx, &ny, box, &t, &ix, &iy,
                                            &marginal);
  g_assert_nonnull (grid);
  g_assert_false (marginal);
  g_assert_cmpfloat (t, ==, t_expected);
  engine = g_new (double, nx * ny);
  g_assert_true (currents_population_density_grid (pop, t, ix, iy, box[0], box[1], box[2],
                                                   box[3], nx, ny, NULL, 0, 0, engine, NULL,
                                                   &error));
  g_assert_no_error (error);
  for (c = 0; c < nx * ny; c++)
    worst = MAX (worst, fabs (grid[c] - engine[c]));
  g_test_message ("heat map %u × %u at t = %g over [%g, %g] × [%g, %g]: worst |Δ log p| "
                  "against the engine %.3g", nx, ny, t, box[0], box[1], box[2], box[3], worst);
  g_assert_cmpfloat (worst, <=, 1e-9);
  /* one cell alone (its own solve, not the batch): within the solver's tolerance */
  c = (ny / 2) * nx + nx / 3;
  xq[0] = box[0] + (box[1] - box[0]) * (double) (nx / 3) / (nx - 1);
  xq[1] = box[2] + (box[3] - box[2]) * (double) (ny / 2) / (ny - 1);
  g_assert_true (currents_population_log_density (pop, t, xq, 1, &lp, NULL, &error));
  g_test_message ("cell (%g, %g): heat map %.9f, alone %.9f", xq[0], xq[1], grid[c], lp);
  g_assert_cmpfloat (fabs (grid[c] - lp), <=, 1e-4);
}

static void
test_gallery (Fixture       *fixture,
              gconstpointer  data)
{
  CurrentsGallery *gallery = CURRENTS_GALLERY (currents_window_get_page (fixture->window,
                                                                         "gallery"));
  const CurrentsGalleryExample *ex = currents_gallery_get_example (gallery, "cells");
  const CurrentsSnapshots *snaps;
  const double *points, *times, *grid;
  double t_first;
  guint n_paths, n_times;

  (void) data;
  g_assert_false (page_visible (fixture->window));
  g_assert_nonnull (ex);
  g_assert_cmpstr (ex->population_name, ==, "cells-pop.json");
  g_assert_cmpstr (ex->snapshots_name, ==, "cells.csv");
  g_assert_true (currents_gallery_open_card (gallery, "cells"));
  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, "population");
  g_assert_true (page_visible (fixture->window));
  g_assert_null (currents_window_get_last_error (fixture->window));
  snaps = currents_population_view_get_snapshots (fixture->view);
  g_assert_nonnull (snaps);
  g_assert_cmpuint (currents_snapshots_get_n_times (snaps), ==, 4);
  g_assert_cmpuint (currents_snapshots_get_n_cells (snaps, 3), ==, 300);
  g_assert_nonnull (currents_population_view_get_population (fixture->view));

  currents_population_view_set_grid_size (fixture->view, 40);
  t_first = currents_population_view_get_time (fixture->view);
  g_assert_cmpfloat (t_first, ==, 0.0);
  check_grid (fixture, t_first);
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "population", "t0");

  /* the slider: between snapshots, then at the last one */
  currents_population_view_set_time (fixture->view, 1.37);
  check_grid (fixture, 1.37);
  grid = currents_population_view_get_grid (fixture->view, NULL, NULL, NULL, NULL, NULL, NULL,
                                            NULL);
  currents_population_view_set_time (fixture->view, 3.0);
  check_grid (fixture, 3.0);
  g_assert_true (grid != currents_population_view_get_grid (fixture->view, NULL, NULL, NULL,
                                                             NULL, NULL, NULL, NULL));
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "population", "t3");

  /* N sample paths from t0 through the last snapshot time */
  currents_population_view_set_n_paths (fixture->view, 7);
  g_assert_true (currents_gui_test_iterate_until (view_idle, fixture->view, WAIT_SECONDS));
  n_paths = currents_population_view_get_paths (fixture->view, &points, &times, &n_times);
  g_assert_cmpuint (n_paths, ==, 7);
  g_assert_cmpuint (n_times, >=, 2);
  g_assert_cmpfloat (times[0], ==, 0.0);
  g_assert_cmpfloat (times[n_times - 1], ==, 3.0);
  for (guint q = 0; q < n_paths * n_times * 2; q++)
    g_assert_true (isfinite (points[q]));

  /* another card hides the page */
  g_assert_true (currents_gallery_open_card (gallery, "toggle"));
  g_assert_false (page_visible (fixture->window));
  g_assert_false (currents_population_view_has_content (fixture->view));
}

typedef struct
{
  CurrentsWindow *window;
  gboolean        done;
} OpenWait;

static void
opened_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  OpenWait *w = data;
  g_autoptr (GError) error = NULL;

  g_assert_true (currents_window_open_finish (CURRENTS_WINDOW (object), result, &error));
  g_assert_no_error (error);
  w->done = TRUE;
}

static gboolean
open_done (gpointer data)
{
  return ((OpenWait *) data)->done;
}

static gboolean
has_error (gpointer data)
{
  return currents_window_get_last_error (data) != NULL;
}

/* A population model file opens on the page, with the snapshots it was trained on found
 * beside it (same SHA-256); a damaged one is refused with a toast. */
static void
test_open_file (Fixture       *fixture,
                gconstpointer  data)
{
  g_autofree char *dir = currents_gui_test_make_temp_dir ("population-XXXXXX");
  g_autofree char *pop_path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples",
                                                "cells-pop.json", NULL);
  g_autofree char *csv_path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples",
                                                "cells.csv", NULL);
  g_autofree char *pop_text = NULL, *csv_text = NULL;
  g_autoptr (GFile) pop_file = NULL, csv_file = NULL, bad = NULL;
  OpenWait w = { fixture->window, FALSE };

  (void) data;
  g_assert_true (g_file_get_contents (pop_path, &pop_text, NULL, NULL));
  g_assert_true (g_file_get_contents (csv_path, &csv_text, NULL, NULL));
  pop_file = currents_gui_test_write_file (dir, "cells-pop.json", pop_text);
  csv_file = currents_gui_test_write_file (dir, "cells.csv", csv_text);
  currents_window_open_async (fixture->window, pop_file, NULL, opened_cb, &w);
  g_assert_true (currents_gui_test_iterate_until (open_done, &w, WAIT_SECONDS));
  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, "population");
  g_assert_nonnull (currents_population_view_get_population (fixture->view));
  g_assert_nonnull (currents_population_view_get_snapshots (fixture->view));
  currents_population_view_set_grid_size (fixture->view, 16);
  check_grid (fixture, 0.0);

  bad = currents_gui_test_write_file (dir, "bad.json",
                                      "{\"format\": \"currents-population-model\", \"version\"");
  currents_window_open (fixture->window, bad);
  g_assert_true (currents_gui_test_iterate_until (has_error, fixture->window, WAIT_SECONDS));
  g_assert_nonnull (strstr (currents_window_get_last_error (fixture->window), "truncated"));
  /* what was shown stays */
  g_assert_nonnull (currents_population_view_get_population (fixture->view));
  currents_gui_test_remove_tree (dir);
}

/* Work only while shown: the slider moved on a hidden page computes when it is shown. */
static void
test_mapped_only (Fixture       *fixture,
                  gconstpointer  data)
{
  CurrentsGallery *gallery = CURRENTS_GALLERY (currents_window_get_page (fixture->window,
                                                                         "gallery"));
  double t;

  (void) data;
  g_assert_true (currents_gallery_open_card (gallery, "cells"));
  currents_population_view_set_grid_size (fixture->view, 16);
  check_grid (fixture, 0.0);
  currents_window_show_page (fixture->window, "portrait");
  currents_population_view_set_time (fixture->view, 2.25);
  currents_gui_test_pause (1.0);
  g_assert_true (currents_population_view_get_busy (fixture->view));
  currents_population_view_get_grid (fixture->view, NULL, NULL, NULL, &t, NULL, NULL, NULL);
  g_assert_cmpfloat (t, ==, 0.0);
  currents_window_show_page (fixture->window, "population");
  check_grid (fixture, 2.25);
}

/* Training from snapshots alone in a thread; Cancel keeps the best model so far. */
static void
test_train (Fixture       *fixture,
            gconstpointer  data)
{
  g_autofree char *csv_path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples",
                                                "cells.csv", NULL);
  g_autoptr (GError) error = NULL;
  CurrentsSnapshots *snaps = currents_snapshots_load (csv_path, &error);
  double loss;

  (void) data;
  g_assert_no_error (error);
  currents_window_show_page (fixture->window, "population");
  currents_population_view_set_snapshots (fixture->view, snaps, "cells.csv");
  g_assert_null (currents_population_view_get_population (fixture->view));
  currents_population_view_set_train_iterations (fixture->view, 2);
  currents_population_view_train (fixture->view);
  g_assert_true (currents_population_view_get_training (fixture->view));
  g_assert_true (currents_gui_test_iterate_until (not_training, fixture->view, WAIT_SECONDS));
  g_assert_nonnull (currents_population_view_get_population (fixture->view));
  loss = currents_population_view_get_train_loss (fixture->view);
  g_test_message ("two steps from scratch: −log-likelihood %.4f", loss);
  g_assert_true (isfinite (loss));

  /* a long run, cancelled: it stops after the step under way and keeps the best */
  currents_population_view_set_train_iterations (fixture->view, 100000);
  currents_population_view_train (fixture->view);
  currents_gui_test_pause (1.0);
  currents_population_view_cancel_training (fixture->view);
  g_assert_true (currents_gui_test_iterate_until (not_training, fixture->view, 30.0));
  g_test_message ("continued and cancelled: −log-likelihood %.4f",
                  currents_population_view_get_train_loss (fixture->view));
  g_assert_cmpfloat (currents_population_view_get_train_loss (fixture->view), <=, loss);
  currents_population_view_set_grid_size (fixture->view, 12);
  check_grid (fixture, 0.0);
}

static gboolean
sheet_ready (gpointer data)
{
  return !currents_import_sheet_get_busy (data);
}

/* The import sheet's snapshot choice: refused as trajectories (times repeat without a
 * trajectory column), accepted as snapshots, and shown on the Population page. */
static void
test_import (Fixture       *fixture,
             gconstpointer  data)
{
  g_autofree char *dir = currents_gui_test_make_temp_dir ("population-XXXXXX");
  g_autoptr (GFile) file = currents_gui_test_write_file (
    dir, "few.csv", "t,a,b\n0,1.2,0.3\n0,0.8,0.5\n0,1.1,0.1\n0,0.9,0.4\n"
                    "2,1.7,0.9\n2,1.5,1.2\n2,1.9,1.1\n");
  CurrentsImportSheet *sheet;
  const CurrentsSnapshots *snaps;

  (void) data;
  sheet = currents_window_import (fixture->window, file);
  g_assert_true (currents_gui_test_iterate_until (sheet_ready, sheet, WAIT_SECONDS));
  g_assert_false (currents_import_sheet_get_snapshots_mode (sheet));
  g_test_message ("as trajectories: %s", currents_import_sheet_get_error (sheet));
  g_assert_nonnull (currents_import_sheet_get_error (sheet));
  currents_import_sheet_set_snapshots_mode (sheet, TRUE);
  g_assert_true (currents_gui_test_iterate_until (sheet_ready, sheet, WAIT_SECONDS));
  g_assert_null (currents_import_sheet_get_error (sheet));
  g_assert_true (currents_import_sheet_import (sheet));
  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, "population");
  snaps = currents_population_view_get_snapshots (fixture->view);
  g_assert_nonnull (snaps);
  g_assert_cmpuint (currents_snapshots_get_n_times (snaps), ==, 2);
  g_assert_cmpuint (currents_snapshots_get_n_cells (snaps, 0), ==, 4);
  g_assert_cmpuint (currents_snapshots_get_n_cells (snaps, 1), ==, 3);
  g_assert_cmpfloat (currents_snapshots_get_time (snaps, 1), ==, 2.0);
  g_assert_null (currents_population_view_get_population (fixture->view));
  currents_gui_test_remove_tree (dir);
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/gui/population/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("gallery", test_gallery);
  ADD ("open-file", test_open_file);
  ADD ("mapped-only", test_mapped_only);
  ADD ("train", test_train);
  ADD ("import", test_import);

#undef ADD

  return g_test_run ();
}
