/* test-model-chooser.c — "New Model…": a family for the data shown
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define G_LOG_DOMAIN "test-model-chooser"

#include <string.h>

#include "currents-window.h"
#include "currents-gui-test.h"

#define WAIT_SECONDS 60.0

typedef struct
{
  CurrentsWindow *window;
  GtkWidget      *chooser;
} Fixture;

static gboolean
has_dataset (gpointer data)
{
  return currents_portrait_get_dataset (currents_window_get_portrait (data)) != NULL
         && currents_portrait_get_model (currents_window_get_portrait (data)) != NULL;
}

static void
fixture_setup (Fixture       *fixture,
               gconstpointer  data)
{
  fixture->window = currents_gui_test_window_new (1100, 720, TRUE);
  g_assert_true (currents_gui_test_iterate_until (has_dataset, fixture->window, WAIT_SECONDS));
}

static void
fixture_teardown (Fixture       *fixture,
                  gconstpointer  data)
{
  if (fixture->chooser != NULL)
    gtk_window_destroy (GTK_WINDOW (fixture->chooser));
  currents_gui_test_destroy_window (&fixture->window, NULL, WAIT_SECONDS);
}

static gboolean
is_model_named (gpointer data)
{
  const CurrentsModel *model = currents_portrait_get_model (currents_window_get_portrait (data));

  return model != NULL && g_strcmp0 (currents_model_get_filename (model), "Untitled.ode") == 0;
}

/* On the toggle switch with its data (states u, v; input iptg): every family but the
 * Hamiltonian one (an input) is offered; the hybrid one opens the editor on the
 * template for exactly this data set, which applied becomes the model with one learned
 * term per state, whose learned terms the training panel then offers to fit. */
static void
test_hybrid (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsModelChooser *chooser = currents_window_new_model (fixture->window);
  const CurrentsDataset *ds = currents_portrait_get_dataset (currents_window_get_portrait (fixture->window));
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = currents_model_template (CURRENTS_MODEL_TEMPLATE_HYBRID, ds, &error);
  g_autofree char *text = NULL;
  CurrentsModelEditor *editor;
  const CurrentsModel *model;
  const char *why = NULL;

  fixture->chooser = GTK_WIDGET (chooser);
  g_object_add_weak_pointer (G_OBJECT (chooser), (gpointer *) &fixture->chooser);
  g_assert_no_error (error);
  g_assert_true (gtk_widget_get_visible (GTK_WIDGET (chooser)));
  g_assert_cmpint (currents_model_chooser_get_choice (chooser), ==, CURRENTS_MODEL_CHOICE_NEURAL);
  for (guint c = 0; c < CURRENTS_MODEL_N_CHOICES; c++)
    g_assert_cmpint (currents_model_chooser_get_available (chooser, c, NULL), ==,
                     c != CURRENTS_MODEL_CHOICE_HAMILTONIAN);
  g_assert_false (currents_model_chooser_get_available (chooser, CURRENTS_MODEL_CHOICE_HAMILTONIAN,
                                                        &why));
  g_assert_nonnull (strstr (why, "no inputs"));
  /* an unavailable family cannot be chosen */
  currents_model_chooser_set_choice (chooser, CURRENTS_MODEL_CHOICE_HAMILTONIAN);
  g_assert_cmpint (currents_model_chooser_get_choice (chooser), ==, CURRENTS_MODEL_CHOICE_NEURAL);
  g_assert_null (currents_model_chooser_get_source (chooser));

  currents_model_chooser_set_choice (chooser, CURRENTS_MODEL_CHOICE_HYBRID);
  g_assert_cmpstr (currents_model_chooser_get_source (chooser), ==, expected);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (chooser), "create");

  editor = currents_window_edit_model (fixture->window);
  text = currents_model_editor_dup_source (editor);
  g_assert_cmpstr (text, ==, expected);
  g_assert_cmpstr (currents_model_editor_get_name (editor), ==, "Untitled.ode");
  g_assert_true (currents_model_editor_apply (editor));
  g_assert_true (currents_gui_test_iterate_until (is_model_named, fixture->window, WAIT_SECONDS));
  model = currents_portrait_get_model (currents_window_get_portrait (fixture->window));
  g_assert_cmpuint (currents_model_get_n_learned (model), ==, 2);
  g_assert_cmpstr (currents_model_get_state_name (model, 0), ==, "u");
  g_assert_cmpstr (currents_model_get_input_name (model, 0), ==, "iptg");
  /* the data stay */
  g_assert_true (currents_portrait_get_dataset (currents_window_get_portrait (fixture->window)) != NULL);
  g_assert_true (currents_training_panel_set_kind (currents_window_get_training_panel (fixture->window),
                                                   "learned"));
  g_assert_cmpstr (currents_training_panel_get_kind (currents_window_get_training_panel (fixture->window)),
                   ==, "learned");
  gtk_window_destroy (GTK_WINDOW (editor));
}

/* A neural ODE: the training panel switches from the model's parameters to a network
 * and comes into view. */
static void
test_neural (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (fixture->window);
  GtkWidget *flap = gtk_widget_get_ancestor (GTK_WIDGET (panel), ADW_TYPE_FLAP);
  CurrentsModelChooser *chooser;

  g_assert_nonnull (flap);
  adw_flap_set_reveal_flap (ADW_FLAP (flap), FALSE);
  /* toggle.ode has parameters: the panel can fit them */
  g_assert_true (currents_training_panel_set_kind (panel, "params"));
  g_assert_false (currents_training_panel_set_kind (panel, "learned"));
  g_assert_cmpstr (currents_training_panel_get_kind (panel), ==, "params");

  chooser = currents_window_new_model (fixture->window);
  fixture->chooser = GTK_WIDGET (chooser);
  g_object_add_weak_pointer (G_OBJECT (chooser), (gpointer *) &fixture->chooser);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (chooser), "create");
  g_assert_cmpstr (currents_training_panel_get_kind (panel), ==, "neural");
  g_assert_true (adw_flap_get_reveal_flap (ADW_FLAP (flap)));
}

/* Cancel changes nothing. */
static void
test_cancel (Fixture       *fixture,
             gconstpointer  data)
{
  CurrentsTrainingPanel *panel = currents_window_get_training_panel (fixture->window);
  const CurrentsModel *before = currents_portrait_get_model (currents_window_get_portrait (fixture->window));
  CurrentsModelChooser *chooser;

  g_assert_true (currents_training_panel_set_kind (panel, "params"));
  chooser = currents_window_new_model (fixture->window);
  fixture->chooser = GTK_WIDGET (chooser);
  g_object_add_weak_pointer (G_OBJECT (chooser), (gpointer *) &fixture->chooser);
  currents_model_chooser_set_choice (chooser, CURRENTS_MODEL_CHOICE_EQUATIONS);
  adw_message_dialog_response (ADW_MESSAGE_DIALOG (chooser), "cancel");
  g_assert_cmpstr (currents_training_panel_get_kind (panel), ==, "params");
  g_assert_true (currents_portrait_get_model (currents_window_get_portrait (fixture->window)) == before);
}

int
main (int   argc,
      char *argv[])
{
  currents_gui_test_init (&argc, &argv);
  currents_gui_test_load_style ();

#define ADD(path, func) \
  g_test_add (path, Fixture, NULL, fixture_setup, func, fixture_teardown)
  ADD ("/model-chooser/hybrid", test_hybrid);
  ADD ("/model-chooser/neural", test_neural);
  ADD ("/model-chooser/cancel", test_cancel);
#undef ADD
  return g_test_run ();
}
