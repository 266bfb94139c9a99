/* test-learned-term-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Learned terms page in the window, under a display (`xvfb-run -a`): the fed-batch
 * card opens the trained hybrid on this page; the curve's values are the engine's
 * mu(S) of the shipped trained model, the reference RMS in words is the engine's figure
 * for Haldane's law inside the data's range of S; a bad law is refused in words; a model
 * without learned terms shows the empty state.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes learned-term-*.png there.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-learned-term-view"

#include <math.h>
#include <string.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 30.0
#define TRAINED CURRENTS_SOURCE_DIR "/data/examples/fedbatch-trained.json"
#define REFERENCE "mu=mumax*S/(Ks + S + S^2/Ki);mumax=0.6;Ks=0.5;Ki=9"

typedef struct
{
  CurrentsWindow          *window;
  CurrentsPortrait        *portrait;
  CurrentsLearnedTermView *view;
} Fixture;

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->window = currents_gui_test_window_new (1100, 760, FALSE);
  fixture->portrait = currents_window_get_portrait (fixture->window);
  fixture->view = CURRENTS_LEARNED_TERM_VIEW (currents_window_get_page (fixture->window,
                                                                        "terms"));
  g_assert_nonnull (fixture->view);
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  currents_gui_test_destroy_window (&fixture->window, &fixture->view, WAIT_SECONDS);
}

static gboolean
has_comparison (gpointer data)
{
  return currents_learned_term_view_get_comparison (data, NULL);
}

static gboolean
has_grid (gpointer data)
{
  return currents_learned_term_view_get_grid (data) != NULL;
}

static void
test_fedbatch (Fixture       *fixture,
               gconstpointer  data)
{
  static const char *const args[] = { "S", NULL };
  CurrentsGallery *gallery = CURRENTS_GALLERY (currents_window_get_page (fixture->window,
                                                                         "gallery"));
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsTrainedModel) tm = currents_trained_model_load (TRAINED, &error);
  g_autoptr(CurrentsReferenceLaw) law = NULL;
  g_autofree char *rms_text = NULL;
  const CurrentsLearnedTermGrid *grid;
  const CurrentsModel *model;
  const CurrentsDataset *dataset;
  CurrentsTermComparison shown, engine;
  double lo, hi, worst = 0.0;

  g_assert_no_error (error);
  g_assert_true (currents_gallery_open_card (gallery, "fedbatch"));
  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, "terms");
  g_assert_true (currents_gui_test_iterate_until (has_comparison, fixture->view, WAIT_SECONDS));
  g_assert_null (currents_window_get_last_error (fixture->window));
  g_assert_cmpstr (currents_learned_term_view_get_term (fixture->view), ==, "mu");

  /* the curve: the shipped model's mu(S), evaluated here by the engine */
  grid = currents_learned_term_view_get_grid (fixture->view);
  g_assert_nonnull (grid);
  g_assert_cmpuint (grid->n_args, ==, 1);
  model = currents_trained_model_get_ode (tm);
  for (gsize i = 0; i < grid->size[0]; i += 7)
    {
      double s = grid->axis[0][i];
      double v = currents_learned_term_eval (model, 0, currents_trained_model_get_params (tm), &s);

      worst = MAX (worst, fabs (grid->values[i] - v));
    }
  g_test_message ("curve against the engine: worst difference %.3g", worst);
  g_assert_cmpfloat (worst, <=, 1e-12);

  /* the reference in words: the engine's RMS inside the data's range of S */
  dataset = currents_portrait_get_dataset (fixture->portrait);
  g_assert_nonnull (dataset);
  g_assert_true (currents_learned_term_data_range (model, 0, 0, dataset, &lo, &hi, NULL));
  law = currents_reference_law_new_parse (REFERENCE, args, &error);
  g_assert_no_error (error);
  currents_learned_term_compare (grid, law, &lo, &hi, NULL, &engine);
  g_assert_true (currents_learned_term_view_get_comparison (fixture->view, &shown));
  g_test_message ("reference RMS inside S = %.4g:%.4g: %.6g (%.2f%% of the law's)", lo, hi,
                  engine.rms, 100 * engine.rel_rms);
  g_assert_cmpfloat (shown.rms, ==, engine.rms);
  g_assert_cmpuint (shown.n_inside, ==, engine.n_inside);
  g_assert_cmpfloat (engine.rel_rms, <=, 0.05);
  rms_text = g_strdup_printf ("%.3g", engine.rms);
  g_assert_nonnull (strstr (currents_learned_term_view_get_summary (fixture->view), rms_text));
  if (g_getenv ("CURRENTS_SCREENSHOT_DIR") != NULL)
    currents_gui_test_pause (1.0);   /* the page transition done */
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "learned-term", "fedbatch");

  /* a law that does not compile: said in words, no comparison */
  currents_learned_term_view_set_reference (fixture->view, "mumax*S/(K + S);mumax=0.6");
  g_assert_false (currents_learned_term_view_get_comparison (fixture->view, NULL));
  g_assert_nonnull (strstr (currents_learned_term_view_get_summary (fixture->view), "'K'"));
  g_assert_nonnull (currents_learned_term_view_get_grid (fixture->view));
  /* and a good one again, with another constant */
  currents_learned_term_view_set_reference (fixture->view, REFERENCE ";Ki=20");
  g_assert_true (currents_learned_term_view_get_comparison (fixture->view, &shown));
  g_assert_true (shown.rms > engine.rms);
}

static void
test_no_terms (Fixture       *fixture,
               gconstpointer  data)
{
  CurrentsGallery *gallery = CURRENTS_GALLERY (currents_window_get_page (fixture->window,
                                                                         "gallery"));

  /* shown while hidden: computed when shown */
  g_assert_true (currents_gallery_open_card (gallery, "fedbatch"));
  currents_window_show_page (fixture->window, "portrait");
  g_assert_true (currents_gallery_open_card (gallery, "toggle"));
  currents_window_show_page (fixture->window, "terms");
  currents_gui_test_pause (0.3);
  g_assert_null (currents_learned_term_view_get_grid (fixture->view));
  g_assert_cmpstr (currents_learned_term_view_get_summary (fixture->view), ==, "");
  g_assert_null (currents_learned_term_view_get_term (fixture->view));

  /* the chemostat's hybrid: its term without a reference */
  g_assert_true (currents_gallery_open_card (gallery, "chemostat-hybrid"));
  currents_window_show_page (fixture->window, "terms");
  g_assert_true (currents_gui_test_iterate_until (has_grid, fixture->view, WAIT_SECONDS));
  g_assert_cmpstr (currents_learned_term_view_get_term (fixture->view), ==, "mu");
  g_assert_false (currents_learned_term_view_get_comparison (fixture->view, NULL));
  g_assert_false (currents_learned_term_view_set_term (fixture->view, "nu"));
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  g_test_add ("/gui/learned-term/fedbatch", Fixture, NULL, fixture_set_up, test_fedbatch,
              fixture_tear_down);
  g_test_add ("/gui/learned-term/no-terms", Fixture, NULL, fixture_set_up, test_no_terms,
              fixture_tear_down);
  return g_test_run ();
}
