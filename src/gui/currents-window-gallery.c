/* currents-window-gallery.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's side of the gallery: a card's ::open-example shows its model and data in
 * place of what was shown, then arranges the view: page, axes, layers, slider values and
 * the plane's window. The sliders exist only once the portrait has rebuilt for the new
 * model (its ::content-changed), so the values and the window wait for that.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-window"

#include <glib/gi18n.h>
#include <string.h>

#include "currents-window.h"
#include "currents-window-gallery-private.h"
#include "currents-window-population-private.h"
#include "currents-window-workspace-private.h"

typedef struct
{
  CurrentsWindow      *window;     /* not owned: the window owns this */
  const CurrentsModel *model;      /* only compared: what the arrangement belongs to */
  char               **set;
  gboolean             has_view;
  double               view[4];
  guint                idle;
} Pending;

static void
pending_free (gpointer data)
{
  Pending *pending = data;

  g_clear_handle_id (&pending->idle, g_source_remove);
  g_strfreev (pending->set);
  g_free (pending);
}

static char **
input_names (const CurrentsModel *model)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (gsize i = 0; i < currents_model_get_n_inputs (model); i++)
    g_strv_builder_add (builder, currents_model_get_input_name (model, i));
  return g_strv_builder_end (builder);
}

/* As the window reads data after a model: columns named after the model's inputs (an
 * inducer level) are inputs, not states. */
static CurrentsDataset *
parse_data (const char         *contents,
            gsize               length,
            const char         *name,
            const char *const  *inputs,
            GError            **error)
{
  g_autoptr(GPtrArray) columns = g_ptr_array_new ();
  CurrentsCsvOptions options = { 0 };
  CurrentsDataset *dataset;

  dataset = currents_dataset_parse (contents, length, name, &options, error);
  if (dataset == NULL)
    return NULL;
  for (guint i = 0; inputs[i] != NULL; i++)
    if (currents_dataset_find_state (dataset, inputs[i]) >= 0)
      g_ptr_array_add (columns, (gpointer) inputs[i]);
  if (columns->len == 0 || columns->len == currents_dataset_get_n_states (dataset))
    return dataset;
  g_ptr_array_add (columns, NULL);
  options.input_columns = (const char *const *) columns->pdata;
  currents_dataset_free (dataset);
  return currents_dataset_parse (contents, length, name, &options, error);
}

static void
arrange (Pending *pending)
{
  CurrentsPortrait *portrait = currents_window_get_portrait (pending->window);
  CurrentsParameterPanel *panel = currents_portrait_get_parameter_panel (portrait);
  g_autoptr(GString) unknown = g_string_new (NULL);

  for (guint i = 0; pending->set != NULL && pending->set[i] != NULL; i++)
    {
      const char *eq = strchr (pending->set[i], '=');
      g_autofree char *name = NULL;

      if (eq == NULL)
        continue;
      name = g_strstrip (g_strndup (pending->set[i], eq - pending->set[i]));
      if (!currents_parameter_panel_set_value (panel, name, g_ascii_strtod (eq + 1, NULL)))
        g_string_append_printf (unknown, "%s%s", unknown->len > 0 ? ", " : "", name);
    }
  if (pending->has_view)
    currents_portrait_set_view (portrait, pending->view);
  if (unknown->len > 0)
    {
      g_autofree char *message = g_strdup_printf (_("The card sets %s, which the model "
                                                    "does not have"), unknown->str);

      currents_window_show_error (pending->window, message);
    }
}

static gboolean
arrange_cb (gpointer data)
{
  Pending *pending = data;
  CurrentsWindow *self = pending->window;

  pending->idle = 0;
  /* something else was opened meanwhile: leave it as it is */
  if (currents_portrait_get_model (currents_window_get_portrait (self)) == pending->model)
    arrange (pending);
  g_object_set_data (G_OBJECT (self), "currents-gallery-pending", NULL);
  return G_SOURCE_REMOVE;
}

static void
content_changed_cb (CurrentsPortrait *portrait,
                    gpointer          user_data)
{
  CurrentsWindow *self = user_data;
  Pending *pending = g_object_get_data (G_OBJECT (self), "currents-gallery-pending");

  /* The portrait announces the change before it picks its window: arrange after it. */
  if (pending != NULL && pending->idle == 0)
    pending->idle = g_idle_add_full (G_PRIORITY_HIGH_IDLE, arrange_cb, pending, NULL);
}

static int
axis_index (CurrentsPortrait *portrait,
            const char       *name)
{
  CurrentsSystem *system = currents_portrait_get_system (portrait);

  return name != NULL && system != NULL ? currents_system_find_state (system, name) : -1;
}

static void
open_example_cb (CurrentsGallery              *gallery,
                 const CurrentsGalleryExample *example,
                 CurrentsWindow               *self)
{
  CurrentsPortrait *portrait = currents_window_get_portrait (self);
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) data = NULL;
  g_auto(GStrv) inputs = NULL;
  CurrentsDataset *dataset = NULL;
  CurrentsModel *model;
  Pending *pending;
  int x, y;

  g_object_set_data (G_OBJECT (self), "currents-gallery-pending", NULL);

  model = currents_model_new_from_string (example->model_source, example->model_name, &error);
  if (model == NULL)
    {
      currents_window_show_error (self, error != NULL ? error->message
                                                      : _("The example could not be read"));
      return;
    }
  inputs = input_names (model);

  if (example->data != NULL)
    data = g_bytes_ref (example->data);
  else if (example->data_file != NULL)
    {
      char *contents = NULL;
      gsize length = 0;

      /* a teacher's CSV beside the model: small, local */
      if (g_file_load_contents (example->data_file, NULL, &contents, &length, NULL, &error))
        data = g_bytes_new_take (contents, length);
    }
  if (data != NULL)
    dataset = parse_data (g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                          example->data_name, (const char *const *) inputs, &error);
  if (error != NULL)
    currents_window_show_error (self, error->message);

  /* in place of what was shown, and recorded in the workspace as opening files is */
  currents_window_show (self, NULL, NULL, NULL, NULL);
  _currents_window_opened_model (self, example->model_file, example->model_name,
                                 example->model_source);
  if (example->trained != NULL)
    {
      g_autoptr(GError) trained_error = NULL;
      CurrentsTrainedModel *tm;

      /* a trained model of the example: shown in its place (its equations keep the
       * model's name), the source recorded */
      tm = currents_trained_model_load_from_data (g_bytes_get_data (example->trained, NULL),
                                                  g_bytes_get_size (example->trained),
                                                  example->model_name, &trained_error);
      if (tm == NULL)
        g_prefix_error (&trained_error, "%s: ", example->trained_name);
      if (tm != NULL)
        {
          currents_model_free (model);
          currents_window_show_system (self, currents_system_new_from_trained (tm),
                                       example->trained_name);
          model = (CurrentsModel *) currents_portrait_get_model (portrait);
        }
      else
        {
          currents_window_show_error (self, trained_error->message);
          currents_window_show_model (self, model, example->model_name);
        }
    }
  else
    currents_window_show_model (self, model, example->model_name);
  currents_learned_term_view_set_reference (
    CURRENTS_LEARNED_TERM_VIEW (currents_window_get_page (self, "terms")), example->reference);
  if (dataset != NULL)
    {
      _currents_window_opened_dataset (self, example->data_file, example->data_name,
                                       g_bytes_get_data (data, NULL), g_bytes_get_size (data),
                                       dataset);
      currents_window_show_dataset (self, dataset, example->data_name);
    }

  /* the axes (the states come first among the portrait's variables) */
  x = axis_index (portrait, example->x_axis);
  y = axis_index (portrait, example->y_axis);
  if (x >= 0 && (guint) x == currents_portrait_get_y_axis (portrait) && y >= 0)
    {
      currents_portrait_set_y_axis (portrait, y);
      currents_portrait_set_x_axis (portrait, x);
    }
  else
    {
      if (x >= 0)
        currents_portrait_set_x_axis (portrait, x);
      if (y >= 0)
        currents_portrait_set_y_axis (portrait, y);
    }
  if (example->layers != NULL)
    {
      CurrentsPlotLayers layers;

      if (currents_plot_layers_parse (example->layers, &layers, &error))
        currents_portrait_set_layers (portrait, layers);
      else
        currents_window_show_error (self, error->message);
    }

  /* the sliders and the window once the portrait has rebuilt */
  pending = g_new0 (Pending, 1);
  pending->window = self;
  pending->model = model;
  pending->set = g_strdupv ((char **) example->set);
  pending->has_view = example->has_view;
  memcpy (pending->view, example->view, sizeof pending->view);
  g_object_set_data_full (G_OBJECT (self), "currents-gallery-pending", pending, pending_free);

  /* a population of cells: its model and snapshots on the Population page */
  if (example->population != NULL || example->snapshots != NULL)
    {
      CurrentsPopulation *pop = NULL;
      CurrentsSnapshots *snaps = NULL;

      g_clear_error (&error);
      if (example->population != NULL)
        pop = currents_population_load_from_data (g_bytes_get_data (example->population, NULL),
                                                  (gssize) g_bytes_get_size (example->population),
                                                  example->population_name, &error);
      if (error == NULL && example->snapshots != NULL)
        snaps = currents_snapshots_parse (g_bytes_get_data (example->snapshots, NULL),
                                          (gssize) g_bytes_get_size (example->snapshots),
                                          example->snapshots_name, &error);
      if (error != NULL)
        currents_window_show_error (self, error->message);
      _currents_window_show_population (self, pop, example->population_name, snaps,
                                        example->snapshots_name, FALSE);
    }

  if (!currents_window_show_page (self, example->page))
    {
      g_autofree char *message = g_strdup_printf (_("The card names an unknown page “%s”"),
                                                  example->page);

      currents_window_show_page (self, "portrait");
      currents_window_show_error (self, message);
    }
}

void
_currents_window_init_gallery (CurrentsWindow *self)
{
  GtkWidget *gallery = currents_window_get_page (self, "gallery");

  g_signal_connect_object (gallery, "open-example", G_CALLBACK (open_example_cb), self, 0);
  g_signal_connect_object (currents_window_get_portrait (self), "content-changed",
                           G_CALLBACK (content_changed_cb), self, 0);
}
