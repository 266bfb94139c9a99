/* test-gallery.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The classroom gallery in a window under a display (`xvfb-run -a`): it lists every
 * bundled example, each card opens its model and data with the page, axes, window and
 * slider values it names (and no warning: G_DEBUG=fatal-warnings); the new example
 * models conserve what their comments say; a teacher's `.ode` in
 * $XDG_DATA_HOME/currents/gallery becomes a card, with its `.gallery` and CSV beside
 * it, also when written while the gallery is shown; a broken one shows its error on
 * its card.
 *
 * With CURRENTS_SCREENSHOT_DIR set, writes gallery-*.png there.
 */
#include "config.h"

#define G_LOG_DOMAIN "test-gallery"

#include <math.h>
#include <string.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-window.h"
#include "currents-gui-test.h"

/* cards that open a population of cells, not a model with trajectory data: cells
 * (tested in test-population) */
#define N_POPULATION_CARDS 1
#define WAIT_SECONDS 30.0

typedef struct
{
  CurrentsWindow   *window;
  CurrentsPortrait *portrait;
  CurrentsGallery  *gallery;
  char             *folder;
} Fixture;

/* What each bundled card promises (its .gallery). */
typedef struct
{
  const char *id;
  const char *model;
  const char *data;
  const char *page;
  const char *x, *y;
  double      view[4];    /* NaN: the model's own */
  const char *set_name;   /* a slider the card sets, or NULL */
  double      set_value;
} Expected;

static const Expected expected[] = {
  { "toggle", "toggle.ode", "toggle.csv", "diagram", "u", "v", { 0, 5.5, 0, 3.5 }, "iptg", 0 },
  { "lotka-volterra", "lotka-volterra.ode", "lotka-volterra.csv", "portrait", "x", "y",
    { 0, 35, 0, 12 }, NULL, 0 },
  { "vanderpol", "vanderpol.ode", "vanderpol.csv", "portrait", "x", "y", { -3, 3, -4, 4 },
    "mu", 1 },
  { "pendulum", "pendulum.ode", "pendulum.csv", "portrait", "theta", "omega",
    { -7, 7, -8, 8 }, NULL, 0 },
  { "pendulum-dissipative", "pendulum-dissipative.ode", "pendulum.csv", "portrait", "theta",
    "omega", { -7, 7, -8, 8 }, NULL, 0 },
  { "brusselator", "brusselator.ode", "brusselator.csv", "portrait", "x", "y",
    { 0, 4.5, 0, 5.5 }, NULL, 0 },
  { "fitzhugh-nagumo", "fitzhugh-nagumo.ode", "fitzhugh-nagumo.csv", "portrait", "v", "w",
    { -2.5, 2.5, -1, 2 }, NULL, 0 },
  { "sir", "sir.ode", "sir.csv", "portrait", "S", "I", { 0, 1000, 0, 400 }, NULL, 0 },
  { "chemostat-hybrid", "chemostat-hybrid.ode", "chemostat.csv", "portrait", "S", "X",
    { 0, 5, 0, 3 }, NULL, 0 },
  { "fedbatch", "fedbatch.ode", "fedbatch.csv", "terms", "S", "X", { 0, 25, 0, 22 },
    NULL, 0 },
  { "enzyme", "enzyme.ode", "enzyme.csv", "portrait", "S", "C", { 0, 10, 0, 1 }, NULL, 0 },
  { "oscillator", "oscillator.ode", "oscillator.csv", "portrait", "x", "p",
    { -2.2, 2.2, -1.6, 1.6 }, NULL, 0 },
  { "oscillator-hnn", "oscillator-hnn.ode", "oscillator.csv", "portrait", "x", "p",
    { -2.2, 2.2, -1.6, 1.6 }, NULL, 0 },
  { "enzyme-reactions", "enzyme-reactions.ode", "enzyme.csv", "portrait", "S", "C",
    { 0, 10, 0, 1 }, NULL, 0 },
  { "enzyme-conserve", "enzyme-conserve.ode", "enzyme.csv", "portrait", "S", "C",
    { 0, 10, 0, 1 }, NULL, 0 },
  { "repressilator", "repressilator.ode", "repressilator.csv", "portrait", "x", "y",
    { 0, 10, 0, 10 }, NULL, 0 },
  { "lorenz", "lorenz.ode", "lorenz.csv", "portrait", "x", "z", { NAN, NAN, NAN, NAN },
    NULL, 0 },
  { "resnet", "spiral.ode", "spiral.csv", "resnet", "x", "y", { -2.5, 2.5, -2.5, 2.5 },
    NULL, 0 },
};

/* ---- files ---- */

static void
write_file (Fixture    *fixture,
            const char *name,
            const char *contents)
{
  g_object_unref (currents_gui_test_write_file (fixture->folder, name, contents));
}

static void
screenshot (Fixture    *fixture,
            const char *name)
{
  currents_gui_test_screenshot (GTK_WIDGET (fixture->window), "gallery", name);
}

/* ---- fixture ---- */

static void
fixture_set_up (Fixture       *fixture,
                gconstpointer  data)
{
  fixture->folder = currents_gallery_get_user_folder ();
  /* the test environment keeps XDG_DATA_HOME in the build tree */
  g_assert_true (g_str_has_prefix (fixture->folder, g_get_user_data_dir ()));
  currents_gui_test_remove_tree (fixture->folder);
  g_assert_cmpint (g_mkdir_with_parents (fixture->folder, 0755), ==, 0);

  fixture->window = currents_gui_test_window_new (1180, 800, FALSE);
  fixture->portrait = currents_window_get_portrait (fixture->window);
  fixture->gallery = CURRENTS_GALLERY (currents_window_get_page (fixture->window, "gallery"));
}

static void
fixture_tear_down (Fixture       *fixture,
                   gconstpointer  data)
{
  /* no task keeps the window or the gallery alive */
  currents_gui_test_destroy_window (&fixture->window, &fixture->gallery, WAIT_SECONDS);
  currents_gui_test_remove_tree (fixture->folder);
  g_free (fixture->folder);
}

/* ---- helpers ---- */

static const char *
variable (Fixture *fixture,
          guint    i)
{
  GListModel *vars = currents_portrait_get_variables (fixture->portrait);
  g_autoptr(GtkStringObject) item = g_list_model_get_item (vars, i);

  g_assert_nonnull (item);
  /* the list keeps the item */
  return gtk_string_object_get_string (item);
}

typedef struct
{
  Fixture      *fixture;
  const double *view;
} ViewWait;

static gboolean
view_is (gpointer data)
{
  ViewWait *w = data;
  double view[4];

  if (!currents_portrait_get_view (w->fixture->portrait, view))
    return FALSE;
  for (guint i = 0; i < 4; i++)
    if (fabs (view[i] - w->view[i]) > 1e-9 * MAX (1.0, fabs (w->view[i])))
      return FALSE;
  return TRUE;
}

static gboolean
portrait_idle (gpointer data)
{
  return !currents_portrait_get_busy (data);
}

static gboolean
all_thumbnails (gpointer data)
{
  CurrentsGallery *gallery = data;

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    if (!currents_gallery_has_thumbnail (gallery, expected[i].id))
      return FALSE;
  return TRUE;
}

static gboolean
has_card (gpointer data)
{
  void **args = data;

  return currents_gallery_get_card_title (args[0], args[1]) != NULL;
}

static gboolean
has_equilibria (gpointer data)
{
  GPtrArray *eq = currents_portrait_get_equilibria (data);

  return eq != NULL && eq->len > 0 && !currents_portrait_get_busy (data);
}

/* Opens a card as its Open button does and checks what the window shows. */
static void
open_and_check (Fixture        *fixture,
                const Expected *e)
{
  const CurrentsModel *model;
  const CurrentsDataset *dataset;
  ViewWait w = { fixture, e->view };

  g_assert_true (currents_gallery_open_card (fixture->gallery, e->id));
  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, e->page);

  model = currents_portrait_get_model (fixture->portrait);
  g_assert_nonnull (model);
  {
    /* a trained model keeps the path its model was trained from */
    g_autofree char *base = g_path_get_basename (currents_model_get_filename (model));

    g_assert_cmpstr (base, ==, e->model);
  }
  dataset = currents_portrait_get_dataset (fixture->portrait);
  g_assert_nonnull (dataset);
  g_assert_cmpuint (currents_dataset_get_n_trajectories (dataset), >=, 5);
  g_assert_cmpstr (variable (fixture, currents_portrait_get_x_axis (fixture->portrait)), ==,
                   e->x);
  g_assert_cmpstr (variable (fixture, currents_portrait_get_y_axis (fixture->portrait)), ==,
                   e->y);

  if (!isnan (e->view[0]))
    g_assert_true (currents_gui_test_iterate_until (view_is, &w, WAIT_SECONDS));
  if (e->set_name != NULL)
    {
      double value = NAN;

      g_assert_true (currents_parameter_panel_get_value (
        currents_portrait_get_parameter_panel (fixture->portrait), e->set_name, &value));
      g_assert_cmpfloat_with_epsilon (value, e->set_value, 1e-12);
    }
  g_assert_null (currents_window_get_last_error (fixture->window));
}

/* ---- tests ---- */

static void
test_cards (Fixture       *fixture,
            gconstpointer  data)
{
  guint n = currents_gallery_get_n_cards (fixture->gallery);

  /* an empty window shows the gallery */
  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, "gallery");
  g_assert_cmpuint (n, ==, G_N_ELEMENTS (expected) + N_POPULATION_CARDS);
  /* in the order the cards name: the toggle first, the ResNet last */
  g_assert_cmpstr (currents_gallery_get_card_id (fixture->gallery, 0), ==, "toggle");
  g_assert_cmpstr (currents_gallery_get_card_id (fixture->gallery, n - 1), ==, "resnet");
  g_assert_null (currents_gallery_get_card_id (fixture->gallery, n));
  g_assert_cmpstr (currents_gallery_get_card_title (fixture->gallery, "toggle"), ==,
                   "Genetic Toggle Switch");
  g_assert_null (currents_gallery_get_card_title (fixture->gallery, "no-such-card"));

  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      const Expected *e = &expected[i];
      const CurrentsGalleryExample *ex = currents_gallery_get_example (fixture->gallery, e->id);

      g_test_message ("card %s", e->id);
      g_assert_null (currents_gallery_get_card_error (fixture->gallery, e->id));
      g_assert_nonnull (ex);
      g_assert_cmpstr (ex->model_name, ==, e->model);
      g_assert_cmpstr (ex->data_name, ==, e->data);
      g_assert_nonnull (ex->data);
      /* each data set is small: it ships in the program */
      g_assert_cmpuint (g_bytes_get_size (ex->data), >, 10000);
      g_assert_cmpuint (g_bytes_get_size (ex->data), <, 80000);
      g_assert_cmpstr (ex->page, ==, e->page);
      g_assert_cmpstr (ex->x_axis, ==, e->x);
      g_assert_cmpstr (ex->y_axis, ==, e->y);
      g_assert_true (ex->has_view == !isnan (e->view[0]));
      g_assert_null (ex->model_file);
    }

  /* the thumbnails are drawn while the gallery is shown */
  g_assert_true (currents_gui_test_iterate_until (all_thumbnails, fixture->gallery, 50));
  screenshot (fixture, "cards");

  /* a card's detail page, and back */
  g_assert_null (currents_gallery_get_detail_card (fixture->gallery));
  g_assert_true (currents_gallery_activate_card (fixture->gallery, "oscillator"));
  g_assert_cmpstr (currents_gallery_get_detail_card (fixture->gallery), ==, "oscillator");
  g_assert_false (currents_gallery_activate_card (fixture->gallery, "no-such-card"));
  screenshot (fixture, "detail");
  currents_gallery_show_cards (fixture->gallery);
  g_assert_null (currents_gallery_get_detail_card (fixture->gallery));
}

static void
test_open_each (Fixture       *fixture,
                gconstpointer  data)
{
  for (guint i = 0; i < G_N_ELEMENTS (expected); i++)
    {
      g_test_message ("opening %s", expected[i].id);
      open_and_check (fixture, &expected[i]);
      /* back to the gallery for the next one, as the header-bar toggle does */
      g_assert_true (currents_window_show_page (fixture->window, "gallery"));
      g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, "gallery");
    }
  /* whatever was computing for the last one ends without a warning */
  currents_window_show_page (fixture->window, "portrait");
  g_assert_true (currents_gui_test_iterate_until (portrait_idle, fixture->portrait, WAIT_SECONDS));
}

static void
test_toggle (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsParameterPanel *panel;
  double value = NAN, lo = NAN, hi = NAN;

  currents_gallery_activate_card (fixture->gallery, "toggle");
  g_assert_cmpstr (currents_gallery_get_detail_card (fixture->gallery), ==, "toggle");
  open_and_check (fixture, &expected[0]);
  /* the diagram it opens on, with the inducer's slider at 0 and room to sweep it */
  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, "diagram");
  g_assert_true (gtk_widget_get_mapped (currents_window_get_page (fixture->window, "diagram")));
  panel = currents_portrait_get_parameter_panel (fixture->portrait);
  g_assert_true (currents_parameter_panel_get_value (panel, "iptg", &value));
  g_assert_cmpfloat (value, ==, 0.0);
  g_assert_true (currents_parameter_panel_get_range (panel, "iptg", &lo, &hi, NULL, NULL));
  g_assert_cmpfloat (hi, >=, 1.2);   /* the data's levels go to 1.2 */
  /* the gallery returns to its cards for next time */
  g_assert_null (currents_gallery_get_detail_card (fixture->gallery));
  g_assert_null (currents_window_get_last_error (fixture->window));
  screenshot (fixture, "toggle-diagram");
}

/* The conservation laws the new models' comments state hold for the field itself:
 * d/dt of each conserved sum is 0 at any state. */
static void
test_conserved (Fixture       *fixture,
                gconstpointer  data)
{
  static const struct
  {
    const char *id;
    double      x[4];
    double      w[2][4];   /* the conserved sums' weights (a zero row: none) */
  } cases[] = {
    { "sir", { 612.37, 85.2, 302.43, 0 }, { { 1, 1, 1, 0 }, { 0 } } },
    { "enzyme", { 6.385, 0.627, 0.373, 2.91 }, { { 0, 1, 1, 0 }, { 1, 0, 1, 1 } } },
  };

  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      const CurrentsGalleryExample *ex = currents_gallery_get_example (fixture->gallery,
                                                                       cases[c].id);
      g_autoptr(GError) error = NULL;
      g_autoptr(CurrentsModel) model = currents_model_new_from_string (ex->model_source,
                                                                       ex->model_name, &error);
      g_autoptr(CurrentsFieldWorkspace) ws = NULL;
      double f[4] = { 0 };

      g_assert_no_error (error);
      ws = currents_field_workspace_new (currents_model_get_field (model));
      currents_field_eval (ws, 0, cases[c].x, currents_model_get_input_defaults (model),
                           currents_model_get_params (model), f);
      for (guint k = 0; k < 2; k++)
        {
          double sum = 0, scale = 0;

          for (guint i = 0; i < currents_model_get_n_states (model); i++)
            {
              sum += cases[c].w[k][i] * f[i];
              scale += fabs (f[i]);
            }
          g_assert_cmpfloat (scale, >, 0.1);   /* the state does move */
          g_assert_cmpfloat (fabs (sum), <=, 1e-12 * scale);
        }
    }

  /* the Hamiltonian oscillator: ∇H · f = 0, and its equilibria are the saddle at the
   * origin between the wells' centres at x = ±√(−alpha/beta) = ±1 */
  {
    const CurrentsGalleryExample *ex = currents_gallery_get_example (fixture->gallery,
                                                                     "oscillator");
    g_autoptr(CurrentsModel) model = currents_model_new_from_string (ex->model_source,
                                                                     ex->model_name, NULL);
    g_autoptr(CurrentsFieldWorkspace) ws =
      currents_field_workspace_new (currents_model_get_field (model));
    const double x[2] = { 1.2837, -0.6213 }, alpha = -1, beta = 1;
    double f[2], aux[1];
    GPtrArray *eq;

    currents_field_eval (ws, 0, x, NULL, currents_model_get_params (model), f);
    g_assert_cmpfloat (fabs ((alpha * x[0] + beta * pow (x[0], 3)) * f[0] + x[1] * f[1]), <=,
                       1e-12);
    g_assert_cmpuint (currents_model_get_n_aux (model), ==, 1);
    currents_model_eval_aux (model, ws, 0, x, NULL, currents_model_get_params (model), aux);
    g_assert_cmpfloat_with_epsilon (aux[0], x[1] * x[1] / 2 + alpha * x[0] * x[0] / 2
                                            + beta * pow (x[0], 4) / 4, 1e-12);

    g_assert_true (currents_gallery_open_card (fixture->gallery, "oscillator"));
    g_assert_true (currents_gui_test_iterate_until (has_equilibria, fixture->portrait,
                                                    WAIT_SECONDS));
    eq = currents_portrait_get_equilibria (fixture->portrait);
    g_assert_cmpuint (eq->len, ==, 3);
    for (guint i = 0; i < 3; i++)
      {
        const CurrentsEquilibrium *e = g_ptr_array_index (eq, i);

        g_assert_cmpfloat_with_epsilon (e->state[0], (double) i - 1.0, 1e-8);
        g_assert_cmpfloat_with_epsilon (e->state[1], 0.0, 1e-8);
        /* λ² = −alpha − 3 beta x²: ±1 (saddle) at 0, ±i√2 (centres) at ±1 */
        g_assert_cmpfloat_with_epsilon (fabs (e->eig_re[0]), i == 1 ? 1.0 : 0.0, 1e-6);
        g_assert_cmpfloat_with_epsilon (fabs (e->eig_im[0]), i == 1 ? 0.0 : G_SQRT2, 1e-6);
      }
  }

  /* the ResNet card's spiral: one focus with eigenvalues a ± i w = −0.1 ± i */
  {
    GPtrArray *eq;
    const CurrentsEquilibrium *e;

    g_assert_true (currents_gallery_open_card (fixture->gallery, "resnet"));
    currents_window_show_page (fixture->window, "portrait");
    g_assert_true (currents_gui_test_iterate_until (has_equilibria, fixture->portrait,
                                                    WAIT_SECONDS));
    eq = currents_portrait_get_equilibria (fixture->portrait);
    g_assert_cmpuint (eq->len, ==, 1);
    e = g_ptr_array_index (eq, 0);
    g_assert_cmpfloat_with_epsilon (e->state[0], 0.0, 1e-9);
    g_assert_cmpfloat_with_epsilon (e->eig_re[0], -0.1, 1e-9);
    g_assert_cmpfloat_with_epsilon (fabs (e->eig_im[0]), 1.0, 1e-9);
  }
}

static const char decay_ode[] =
  "# decay.ode — relaxation toward a set point\n"
  "#\n"
  "# x relaxes to the level c at rate k; y follows x.\n"
  "par k=0.5, c=2\n"
  "x' = k*(c - x)\n"
  "y' = x - y\n"
  "init x=0, y=0\n"
  "@ total=10, xp=x, yp=y, xlo=0, xhi=3, ylo=0, yhi=3\n"
  "done\n";

static const char decay_csv[] =
  "trajectory,t,x,y\n"
  "1,0,0,0\n1,1,0.787,0.213\n1,2,1.264,0.576\n1,3,1.554,0.889\n"
  "2,0,3,1\n2,1,2.607,2.102\n2,2,2.368,2.323\n2,3,2.223,2.315\n";

static void
test_teacher (Fixture       *fixture,
              gconstpointer  data)
{
  const CurrentsGalleryExample *ex;
  const double view[4] = { -0.5, 2.75, 0, 2.5 };
  ViewWait w = { fixture, view };
  double value = NAN;
  guint n = currents_gallery_get_n_cards (fixture->gallery);

  write_file (fixture, "decay.ode", decay_ode);
  write_file (fixture, "decay.csv", decay_csv);
  write_file (fixture, "decay.gallery",
              "[Gallery]\n"
              "Summary=Watch x and y approach the set point\n"
              "Summary[de]=x und y nähern sich dem Sollwert\n"
              "Try=Change k;Change c\n"
              "View=-0.5;2.75;0;2.5\n"
              "Set=k=0.7\n");
  currents_gallery_refresh (fixture->gallery);
  g_assert_cmpuint (currents_gallery_get_n_cards (fixture->gallery), ==, n + 1);
  /* after the bundled ones; the title from the file's first comment line */
  g_assert_cmpstr (currents_gallery_get_card_id (fixture->gallery, n), ==, "user:decay");
  g_assert_cmpstr (currents_gallery_get_card_title (fixture->gallery, "user:decay"), ==,
                   "Relaxation toward a set point");
  g_assert_null (currents_gallery_get_card_error (fixture->gallery, "user:decay"));
  ex = currents_gallery_get_example (fixture->gallery, "user:decay");
  g_assert_nonnull (ex->model_file);
  g_assert_cmpstr (ex->data_name, ==, "decay.csv");
  g_assert_cmpstr (ex->page, ==, "portrait");

  g_assert_true (currents_gallery_activate_card (fixture->gallery, "user:decay"));
  screenshot (fixture, "teacher-detail");
  g_assert_true (currents_gallery_open_card (fixture->gallery, "user:decay"));
  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, "portrait");
  g_assert_cmpstr (currents_model_get_filename (currents_portrait_get_model (fixture->portrait)),
                   ==, "decay.ode");
  g_assert_nonnull (currents_portrait_get_dataset (fixture->portrait));
  g_assert_cmpuint (currents_dataset_get_n_trajectories (
                      currents_portrait_get_dataset (fixture->portrait)), ==, 2);
  g_assert_true (currents_gui_test_iterate_until (view_is, &w, WAIT_SECONDS));
  g_assert_true (currents_parameter_panel_get_value (
    currents_portrait_get_parameter_panel (fixture->portrait), "k", &value));
  g_assert_cmpfloat_with_epsilon (value, 0.7, 1e-12);
  /* the one equilibrium x = y = c */
  g_assert_true (currents_gui_test_iterate_until (has_equilibria, fixture->portrait, WAIT_SECONDS));
  {
    GPtrArray *eq = currents_portrait_get_equilibria (fixture->portrait);
    const CurrentsEquilibrium *e = g_ptr_array_index (eq, 0);

    g_assert_cmpuint (eq->len, ==, 1);
    g_assert_cmpfloat_with_epsilon (e->state[0], 2.0, 1e-9);
    g_assert_cmpfloat_with_epsilon (e->state[1], 2.0, 1e-9);
  }
  g_assert_null (currents_window_get_last_error (fixture->window));
  screenshot (fixture, "teacher-open");
}

static void
test_teacher_monitored (Fixture       *fixture,
                        gconstpointer  data)
{
  void *args[2] = { NULL, (gpointer) "user:late" };

  /* the folder exists (set-up made it): a file written now appears by itself */
  currents_gallery_refresh (fixture->gallery);
  args[0] = fixture->gallery;
  g_assert_null (currents_gallery_get_card_title (fixture->gallery, "user:late"));
  write_file (fixture, "late.ode", decay_ode);
  g_assert_true (currents_gui_test_iterate_until (has_card, args, WAIT_SECONDS));
  g_assert_cmpstr (currents_gallery_get_card_title (fixture->gallery, "user:late"), ==,
                   "Relaxation toward a set point");
}

typedef struct
{
  CurrentsGallery *gallery;
  const char      *id;
} ThumbWait;

static gboolean
has_thumbnail (gpointer data)
{
  ThumbWait *w = data;

  return currents_gallery_has_thumbnail (w->gallery, w->id);
}

static gboolean
unmapped (gpointer data)
{
  return !gtk_widget_get_mapped (data);
}

/* Thumbnails are drawn only while the gallery is shown. */
static void
test_thumbnails_when_shown (Fixture       *fixture,
                            gconstpointer  data)
{
  ThumbWait w = { fixture->gallery, "user:hidden" };

  g_assert_true (currents_gallery_open_card (fixture->gallery, "vanderpol"));
  /* once the window's transition is over */
  g_assert_true (currents_gui_test_iterate_until (unmapped, fixture->gallery, WAIT_SECONDS));
  write_file (fixture, "hidden.ode", decay_ode);
  currents_gallery_refresh (fixture->gallery);
  g_assert_nonnull (currents_gallery_get_card_title (fixture->gallery, "user:hidden"));
  currents_gui_test_pause (1.5);
  g_assert_false (currents_gallery_has_thumbnail (fixture->gallery, "user:hidden"));

  g_assert_true (currents_window_show_page (fixture->window, "gallery"));
  g_assert_true (currents_gui_test_iterate_until (has_thumbnail, &w, WAIT_SECONDS));
  /* and kept: a refresh does not draw it again */
  currents_gallery_refresh (fixture->gallery);
  g_assert_true (currents_gallery_has_thumbnail (fixture->gallery, "user:hidden"));
}

static void
test_teacher_broken (Fixture       *fixture,
                     gconstpointer  data)
{
  const char *error;

  write_file (fixture, "broken.ode",
              "# broken.ode\n"
              "par a=1\n"
              "x' = a*x +* 2\n"
              "done\n");
  write_file (fixture, "badview.ode", decay_ode);
  write_file (fixture, "badview.gallery", "[Gallery]\nView=0;1;2\n");
  write_file (fixture, "badset.ode", decay_ode);
  write_file (fixture, "badset.gallery", "[Gallery]\nSet=k\n");
  write_file (fixture, "nostates.ode", "# only a parameter\npar a=1\ndone\n");
  currents_gallery_refresh (fixture->gallery);

  /* the model's syntax error, with the file and line, on the card */
  error = currents_gallery_get_card_error (fixture->gallery, "user:broken");
  g_assert_nonnull (error);
  g_assert_nonnull (strstr (error, "broken.ode"));
  g_assert_nonnull (strstr (error, "3"));
  g_assert_cmpstr (currents_gallery_get_card_title (fixture->gallery, "user:broken"), ==,
                   "broken");
  g_assert_nonnull (strstr (currents_gallery_get_card_error (fixture->gallery, "user:badview"),
                            "View"));
  g_assert_nonnull (strstr (currents_gallery_get_card_error (fixture->gallery, "user:badset"),
                            "Set"));
  g_assert_nonnull (strstr (currents_gallery_get_card_error (fixture->gallery,
                                                              "user:nostates"),
                            "no equations"));
  g_assert_null (currents_gallery_get_example (fixture->gallery, "user:broken"));

  /* it cannot open, its detail page says why, and the window stays as it was */
  g_assert_false (currents_gallery_open_card (fixture->gallery, "user:broken"));
  g_assert_true (currents_gallery_activate_card (fixture->gallery, "user:broken"));
  g_assert_cmpstr (currents_gallery_get_detail_card (fixture->gallery), ==, "user:broken");
  g_assert_null (currents_portrait_get_system (fixture->portrait));
  g_assert_cmpstr (currents_window_get_visible_page (fixture->window), ==, "gallery");
  g_assert_null (currents_window_get_last_error (fixture->window));
  screenshot (fixture, "broken");
  currents_gallery_show_cards (fixture->gallery);

  /* fixed: it opens */
  write_file (fixture, "broken.ode", decay_ode);
  currents_gallery_refresh (fixture->gallery);
  g_assert_null (currents_gallery_get_card_error (fixture->gallery, "user:broken"));
  g_assert_true (currents_gallery_open_card (fixture->gallery, "user:broken"));
  g_assert_nonnull (currents_portrait_get_system (fixture->portrait));
}

/* The thumbnails follow the dark style. */
static void
test_dark (Fixture       *fixture,
           gconstpointer  data)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  ThumbWait w = { fixture->gallery, "oscillator" };

  g_assert_true (currents_gui_test_iterate_until (has_thumbnail, &w, WAIT_SECONDS));
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_FORCE_DARK);
  /* drawn again for the dark background */
  g_assert_false (currents_gallery_has_thumbnail (fixture->gallery, "oscillator"));
  g_assert_cmpuint (currents_gallery_get_n_cards (fixture->gallery), ==,
                    G_N_ELEMENTS (expected) + N_POPULATION_CARDS);
  g_assert_true (currents_gui_test_iterate_until (has_thumbnail, &w, WAIT_SECONDS));
  g_assert_true (currents_gallery_activate_card (fixture->gallery, "oscillator"));
  screenshot (fixture, "dark");
  adw_style_manager_set_color_scheme (style, ADW_COLOR_SCHEME_DEFAULT);
  g_assert_false (currents_gallery_has_thumbnail (fixture->gallery, "oscillator"));
  /* the detail page stays on its card */
  g_assert_cmpstr (currents_gallery_get_detail_card (fixture->gallery), ==, "oscillator");
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);

#define ADD(path, func) \
  g_test_add ("/gui/gallery/" path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

  ADD ("cards", test_cards);
  ADD ("open-each", test_open_each);
  ADD ("toggle", test_toggle);
  ADD ("conserved", test_conserved);
  ADD ("teacher", test_teacher);
  ADD ("teacher/monitored", test_teacher_monitored);
  ADD ("teacher/broken", test_teacher_broken);
  ADD ("thumbnails-when-shown", test_thumbnails_when_shown);
  ADD ("dark", test_dark);

#undef ADD

  return g_test_run ();
}
