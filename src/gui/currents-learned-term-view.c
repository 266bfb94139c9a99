/* currents-learned-term-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Learned terms page. A grid of a few hundred network evaluations is cheap, so it is
 * computed on the main thread, but only while the page is mapped: a change while it is
 * hidden marks it dirty and the page recomputes when shown again. The grid is evaluated
 * from the portrait's system as it is at that moment (its parameters are what the sliders
 * and training have made them), so nothing of the system is kept between updates.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-learned-term-view"

#include <adwaita.h>
#include <glib/gi18n.h>
#include <math.h>

#include "currents-learned-term-view.h"
#include "currents-plot-term.h"
#include "currents-view-util-private.h"

#define GRID_1D 400
#define GRID_2D 60

struct _CurrentsLearnedTermView
{
  GtkWidget                parent_instance;

  GtkWidget               *term_dropdown;
  GtkWidget               *term_reference_entry;
  GtkWidget               *term_stack;
  GtkWidget               *term_status;
  GtkWidget               *term_canvas;
  GtkWidget               *term_summary;

  CurrentsPortrait        *portrait;   /* weak */
  CurrentsParameterPanel  *panel;      /* weak */
  GtkStringList           *terms;
  gboolean                 dirty;
  gboolean                 rebuilding;

  /* what is drawn */
  CurrentsLearnedTermGrid *grid;
  char                    *term_name;
  GStrv                    arg_names;
  double                   data_lo[2];
  double                   data_hi[2];
  char                    *reference_text;
  CurrentsReferenceLaw    *law;
  double                  *reference;
  gboolean                 has_comparison;
  CurrentsTermComparison   comparison;
  char                    *summary;
};

G_DEFINE_FINAL_TYPE (CurrentsLearnedTermView, currents_learned_term_view, GTK_TYPE_WIDGET)

static const CurrentsModel *
shown_model (CurrentsLearnedTermView *self,
             CurrentsSystem         **system)
{
  CurrentsSystem *s = self->portrait != NULL ? currents_portrait_get_system (self->portrait)
                                             : NULL;
  const CurrentsModel *model = s != NULL ? currents_system_get_model (s) : NULL;

  if (system != NULL)
    *system = s;
  return model != NULL && currents_model_get_n_learned (model) > 0 ? model : NULL;
}

static void
clear_result (CurrentsLearnedTermView *self)
{
  g_clear_pointer (&self->grid, currents_learned_term_grid_free);
  g_clear_pointer (&self->reference, g_free);
  g_clear_pointer (&self->arg_names, g_strfreev);
  g_clear_pointer (&self->term_name, g_free);
  self->has_comparison = FALSE;
}

static void
set_summary (CurrentsLearnedTermView *self,
             char                    *text)
{
  g_free (self->summary);
  self->summary = text;
  gtk_label_set_text (GTK_LABEL (self->term_summary), text != NULL ? text : "");
  gtk_widget_set_visible (self->term_summary, text != NULL && *text != '\0');
}

static char *
format_number (double v)
{
  return g_strdup_printf ("%.3g", v);
}

/* The words under the plot: the data's range and, with a law, how far the term is from it
 * there. */
static char *
describe (CurrentsLearnedTermView *self,
          const char              *law_error)
{
  g_autoptr(GString) s = g_string_new (NULL);
  gsize n = self->grid->n_args;
  gboolean known = TRUE;

  for (gsize k = 0; k < n; k++)
    known = known && isfinite (self->data_lo[k]);
  if (known)
    {
      g_autoptr(GString) ranges = g_string_new (NULL);

      for (gsize k = 0; k < n; k++)
        {
          g_autofree char *lo = format_number (self->data_lo[k]);
          g_autofree char *hi = format_number (self->data_hi[k]);

          /* Translators: a variable's range in the data, "S from 0 to 22.4" */
          g_string_append_printf (ranges, k > 0 ? _(", %s from %s to %s") : _("%s from %s to %s"),
                                  self->arg_names[k], lo, hi);
        }
      g_string_append_printf (s, _("The data cover %s; outside that range the network "
                                   "extrapolates and nothing is claimed."), ranges->str);
    }
  else
    g_string_append (s, _("Open the data the model was trained on to see where the term is "
                          "supported by data."));

  if (law_error != NULL)
    g_string_append_printf (s, "\n%s", law_error);
  else if (self->has_comparison && self->comparison.n_inside > 0)
    {
      g_autofree char *rms = format_number (self->comparison.rms);
      g_autofree char *rel = g_strdup_printf ("%.1f", 100.0 * self->comparison.rel_rms);
      g_autofree char *max_rel = g_strdup_printf ("%.0f", 100.0 * self->comparison.max_rel);

      g_string_append_c (s, '\n');
      g_string_append_printf (s, known ? _("Inside the data’s range the learned %s differs from "
                                           "the reference by an RMS of %s (%s%% of the "
                                           "reference’s RMS); the largest relative difference "
                                           "is %s%%.")
                                       : _("Over the plot the learned %s differs from the "
                                           "reference by an RMS of %s (%s%% of the "
                                           "reference’s RMS); the largest relative difference "
                                           "is %s%%."),
                              self->term_name, rms, rel, max_rel);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
recompute (CurrentsLearnedTermView *self)
{
  CurrentsSystem *system = NULL;
  const CurrentsModel *model = shown_model (self, &system);
  const CurrentsDataset *dataset;
  const CurrentsLearnedTerm *lt;
  g_autoptr(GError) error = NULL;
  g_autofree char *law_error = NULL;
  double lo[2] = { 0, 0 }, hi[2] = { 1, 1 };
  guint selected;

  if (!gtk_widget_get_mapped (GTK_WIDGET (self)))
    {
      self->dirty = TRUE;
      return;
    }
  self->dirty = FALSE;
  clear_result (self);
  if (model == NULL)
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->term_stack), "message");
      set_summary (self, NULL);
      return;
    }
  selected = gtk_drop_down_get_selected (GTK_DROP_DOWN (self->term_dropdown));
  if (selected >= currents_model_get_n_learned (model))
    selected = 0;
  lt = currents_model_get_learned (model, selected);
  self->term_name = g_strdup (lt->name);
  self->arg_names = currents_learned_term_get_arg_names (model, selected);
  dataset = currents_portrait_get_dataset (self->portrait);
  for (gsize k = 0; k < 2; k++)
    self->data_lo[k] = self->data_hi[k] = NAN;
  if (lt->n_args > 2)
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->term_stack), "message");
      adw_status_page_set_title (ADW_STATUS_PAGE (self->term_status),
                                 _("Too Many Arguments to Show"));
      set_summary (self, g_strdup_printf (_("The learned term %s takes %zu arguments; only "
                                            "terms of one or two arguments can be drawn."),
                                          lt->name, lt->n_args));
      return;
    }
  for (gsize k = 0; k < lt->n_args; k++)
    {
      if (!currents_learned_term_data_range (model, selected, k, dataset, &self->data_lo[k],
                                             &self->data_hi[k], NULL))
        self->data_lo[k] = self->data_hi[k] = NAN;
      currents_learned_term_default_range (model, selected, k, self->data_lo[k],
                                           self->data_hi[k], &lo[k], &hi[k]);
    }
  self->grid = currents_learned_term_grid_new (model, selected,
                                               currents_system_get_params (system), lo, hi,
                                               lt->n_args == 2 ? GRID_2D : GRID_1D, &error);
  if (self->grid == NULL)
    {
      gtk_stack_set_visible_child_name (GTK_STACK (self->term_stack), "message");
      set_summary (self, g_strdup (error->message));
      return;
    }

  /* the reference law, compiled for these arguments */
  g_clear_pointer (&self->law, currents_reference_law_free);
  if (self->reference_text != NULL && *self->reference_text != '\0')
    {
      self->law = currents_reference_law_new_parse (self->reference_text,
                                                    (const char *const *) self->arg_names,
                                                    &error);
      if (self->law == NULL)
        law_error = g_strdup (error->message);
    }
  if (self->law != NULL)
    {
      self->reference = g_new (double, self->grid->size[0] * self->grid->size[1]);
      currents_learned_term_compare (self->grid, self->law, self->data_lo, self->data_hi,
                                     self->reference, &self->comparison);
      self->has_comparison = TRUE;
    }
  gtk_widget_remove_css_class (self->term_reference_entry, "error");
  if (law_error != NULL)
    gtk_widget_add_css_class (self->term_reference_entry, "error");
  set_summary (self, describe (self, law_error));
  gtk_stack_set_visible_child_name (GTK_STACK (self->term_stack), "plot");
  gtk_widget_queue_draw (self->term_canvas);
}

/* The dropdown lists the model's terms; the selection stays on a term of the same name. */
static void
rebuild_terms (CurrentsLearnedTermView *self)
{
  const CurrentsModel *model = shown_model (self, NULL);
  g_autofree char *previous = self->term_name != NULL ? g_strdup (self->term_name) : NULL;
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->terms));
  g_autoptr(GPtrArray) names = g_ptr_array_new ();
  guint keep = 0;

  for (gsize i = 0; model != NULL && i < currents_model_get_n_learned (model); i++)
    {
      const char *name = currents_model_get_learned (model, i)->name;

      g_ptr_array_add (names, (gpointer) name);
      if (previous != NULL && g_ascii_strcasecmp (previous, name) == 0)
        keep = i;
    }
  g_ptr_array_add (names, NULL);
  self->rebuilding = TRUE;
  gtk_string_list_splice (self->terms, 0, n, (const char *const *) names->pdata);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->term_dropdown), keep);
  self->rebuilding = FALSE;
  gtk_widget_set_sensitive (self->term_dropdown, names->len > 2);
  adw_status_page_set_title (ADW_STATUS_PAGE (self->term_status), _("No Learned Terms"));
}

static void
content_changed_cb (CurrentsLearnedTermView *self)
{
  rebuild_terms (self);
  recompute (self);
}

static void
value_changed_cb (CurrentsLearnedTermView *self)
{
  recompute (self);
}

static void
selected_cb (CurrentsLearnedTermView *self)
{
  if (!self->rebuilding)
    recompute (self);
}

static void
reference_activate_cb (CurrentsLearnedTermView *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->term_reference_entry));

  g_free (self->reference_text);
  self->reference_text = g_strdup (text);
  recompute (self);
}

static void
map_cb (CurrentsLearnedTermView *self)
{
  if (self->dirty)
    recompute (self);
}

static void
draw_cb (GtkDrawingArea *area,
         cairo_t        *cr,
         int             width,
         int             height,
         gpointer        user_data)
{
  CurrentsLearnedTermView *self = user_data;
  CurrentsPlotTheme theme;
  CurrentsPlotTerm term = { 0 };

  if (self->grid == NULL)
    return;
  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  term.grid = self->grid;
  term.term_name = self->term_name;
  term.arg_names = (const char *const *) self->arg_names;
  term.reference = self->reference;
  term.reference_label = self->law != NULL ? currents_reference_law_get_expression (self->law)
                                           : NULL;
  for (gsize k = 0; k < 2; k++)
    {
      term.data_lo[k] = self->data_lo[k];
      term.data_hi[k] = self->data_hi[k];
    }
  currents_plot_term_draw (cr, &theme, width, height, &term, NULL);
}

static void
disconnect_portrait (CurrentsLearnedTermView *self)
{
  _currents_view_forget (self, (gpointer *) &self->panel);
  _currents_view_forget (self, (gpointer *) &self->portrait);
}

static void
currents_learned_term_view_dispose (GObject *object)
{
  CurrentsLearnedTermView *self = CURRENTS_LEARNED_TERM_VIEW (object);

  disconnect_portrait (self);
  clear_result (self);
  g_clear_pointer (&self->law, currents_reference_law_free);
  g_clear_object (&self->terms);
  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_LEARNED_TERM_VIEW);
  /* children the template made but did not bind */
  _currents_view_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (currents_learned_term_view_parent_class)->dispose (object);
}

static void
currents_learned_term_view_finalize (GObject *object)
{
  CurrentsLearnedTermView *self = CURRENTS_LEARNED_TERM_VIEW (object);

  g_free (self->reference_text);
  g_free (self->summary);
  G_OBJECT_CLASS (currents_learned_term_view_parent_class)->finalize (object);
}

static void
currents_learned_term_view_class_init (CurrentsLearnedTermViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_learned_term_view_dispose;
  object_class->finalize = currents_learned_term_view_finalize;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-learned-term-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsLearnedTermView, term_dropdown);
  gtk_widget_class_bind_template_child (widget_class, CurrentsLearnedTermView,
                                        term_reference_entry);
  gtk_widget_class_bind_template_child (widget_class, CurrentsLearnedTermView, term_stack);
  gtk_widget_class_bind_template_child (widget_class, CurrentsLearnedTermView, term_status);
  gtk_widget_class_bind_template_child (widget_class, CurrentsLearnedTermView, term_canvas);
  gtk_widget_class_bind_template_child (widget_class, CurrentsLearnedTermView, term_summary);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "learnedtermview");
}

static void
currents_learned_term_view_init (CurrentsLearnedTermView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->terms = gtk_string_list_new (NULL);
  gtk_drop_down_set_model (GTK_DROP_DOWN (self->term_dropdown), G_LIST_MODEL (self->terms));
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (self->term_canvas), draw_cb, self, NULL);
  g_signal_connect_swapped (self->term_dropdown, "notify::selected", G_CALLBACK (selected_cb),
                            self);
  g_signal_connect_swapped (self->term_reference_entry, "activate",
                            G_CALLBACK (reference_activate_cb), self);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), NULL);
  g_signal_connect_object (adw_style_manager_get_default (), "notify::dark",
                           G_CALLBACK (gtk_widget_queue_draw), self->term_canvas,
                           G_CONNECT_SWAPPED);
  for (gsize k = 0; k < 2; k++)
    self->data_lo[k] = self->data_hi[k] = NAN;
  set_summary (self, NULL);
  self->dirty = TRUE;
}

GtkWidget *
currents_learned_term_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_LEARNED_TERM_VIEW, NULL);
}

void
currents_learned_term_view_set_portrait (CurrentsLearnedTermView *self,
                                         CurrentsPortrait        *portrait)
{
  g_return_if_fail (CURRENTS_IS_LEARNED_TERM_VIEW (self));

  if (self->portrait == portrait)
    return;
  disconnect_portrait (self);
  self->portrait = portrait;
  if (portrait != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (portrait), (gpointer *) &self->portrait);
      g_signal_connect_swapped (portrait, "content-changed", G_CALLBACK (content_changed_cb),
                                self);
      self->panel = currents_portrait_get_parameter_panel (portrait);
      if (self->panel != NULL)
        {
          g_object_add_weak_pointer (G_OBJECT (self->panel), (gpointer *) &self->panel);
          g_signal_connect_swapped (self->panel, "value-changed", G_CALLBACK (value_changed_cb),
                                    self);
        }
    }
  content_changed_cb (self);
}

gboolean
currents_learned_term_view_set_term (CurrentsLearnedTermView *self,
                                     const char              *name)
{
  const CurrentsModel *model;
  int i;

  g_return_val_if_fail (CURRENTS_IS_LEARNED_TERM_VIEW (self), FALSE);

  model = shown_model (self, NULL);
  if (model == NULL || (i = currents_learned_term_find (model, name)) < 0)
    return FALSE;
  gtk_drop_down_set_selected (GTK_DROP_DOWN (self->term_dropdown), (guint) i);
  return TRUE;
}

const char *
currents_learned_term_view_get_term (CurrentsLearnedTermView *self)
{
  g_return_val_if_fail (CURRENTS_IS_LEARNED_TERM_VIEW (self), NULL);
  return self->term_name;
}

void
currents_learned_term_view_set_reference (CurrentsLearnedTermView *self,
                                          const char              *text)
{
  g_return_if_fail (CURRENTS_IS_LEARNED_TERM_VIEW (self));

  gtk_editable_set_text (GTK_EDITABLE (self->term_reference_entry), text != NULL ? text : "");
  reference_activate_cb (self);
}

const CurrentsLearnedTermGrid *
currents_learned_term_view_get_grid (CurrentsLearnedTermView *self)
{
  g_return_val_if_fail (CURRENTS_IS_LEARNED_TERM_VIEW (self), NULL);
  return self->dirty ? NULL : self->grid;
}

gboolean
currents_learned_term_view_get_comparison (CurrentsLearnedTermView *self,
                                           CurrentsTermComparison  *comparison)
{
  g_return_val_if_fail (CURRENTS_IS_LEARNED_TERM_VIEW (self), FALSE);

  if (self->dirty || !self->has_comparison)
    return FALSE;
  if (comparison != NULL)
    *comparison = self->comparison;
  return TRUE;
}

const char *
currents_learned_term_view_get_summary (CurrentsLearnedTermView *self)
{
  g_return_val_if_fail (CURRENTS_IS_LEARNED_TERM_VIEW (self), NULL);
  return self->summary != NULL ? self->summary : "";
}
