/* currents-parameter-panel.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Sliders for a model's inputs, parameters and the states off the plane's axes. Each row
 * is a name, a spin button with the value and a scale; a log-scale row's scale moves in
 * log10(u + u₀) (the neural model's own input transform) while the spin button shows u.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-parameter-panel"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-parameter-panel.h"

typedef struct
{
  CurrentsParameterPanel *panel;
  CurrentsParameterKind   kind;
  guint                   index;
  char                   *name;
  double                  initial;
  gboolean                log;
  double                  offset;     /* u₀ of a log row */
  GtkAdjustment          *scale_adj;  /* log10 (u + u₀) for a log row */
  GtkAdjustment          *spin_adj;   /* u; the same as scale_adj otherwise */
  GtkWidget              *row;
  gboolean                syncing;
} Row;

struct _CurrentsParameterPanel
{
  GtkWidget       parent_instance;

  GtkWidget      *scroller;
  AdwPreferencesGroup *inputs_group;
  AdwPreferencesGroup *params_group;
  AdwPreferencesGroup *states_group;
  GtkWidget      *inputs_reset;
  GtkWidget      *params_reset;
  GtkWidget      *states_reset;
  GtkWidget      *empty_label;

  GPtrArray      *rows;
};

G_DEFINE_FINAL_TYPE (CurrentsParameterPanel, currents_parameter_panel, GTK_TYPE_WIDGET)

enum {
  VALUE_CHANGED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

static void
row_free (gpointer data)
{
  Row *row = data;

  g_free (row->name);
  g_clear_object (&row->scale_adj);
  g_clear_object (&row->spin_adj);
  g_free (row);
}

static double
row_value (const Row *row)
{
  return gtk_adjustment_get_value (row->spin_adj);
}

static void
scale_changed_cb (GtkAdjustment *adj,
                  Row           *row)
{
  if (row->syncing)
    return;
  if (row->log)
    {
      row->syncing = TRUE;
      gtk_adjustment_set_value (row->spin_adj,
                                MAX (pow (10.0, gtk_adjustment_get_value (adj)) - row->offset,
                                     gtk_adjustment_get_lower (row->spin_adj)));
      row->syncing = FALSE;
    }
  g_signal_emit (row->panel, signals[VALUE_CHANGED], 0, (guint) row->kind, row->index,
                 row_value (row));
}

static void
spin_changed_cb (GtkAdjustment *adj,
                 Row           *row)
{
  if (row->syncing || !row->log)
    return;
  row->syncing = TRUE;
  gtk_adjustment_set_value (row->scale_adj, log10 (gtk_adjustment_get_value (adj) + row->offset));
  row->syncing = FALSE;
  g_signal_emit (row->panel, signals[VALUE_CHANGED], 0, (guint) row->kind, row->index,
                 row_value (row));
}

static guint
digits_for (double lo,
            double hi)
{
  double span = hi - lo;

  if (!(span > 0.0))
    return 3;
  return (guint) CLAMP (3 - (int) floor (log10 (span)), 0, 8);
}

static Row *
add_row (CurrentsParameterPanel *self,
         AdwPreferencesGroup    *group,
         CurrentsParameterKind   kind,
         guint                   index,
         const char             *name,
         double                  value,
         double                  lo,
         double                  hi,
         gboolean                log_scale,
         double                  offset)
{
  Row *row = g_new0 (Row, 1);
  GtkWidget *box, *top, *label, *spin, *scale;
  double step;

  if (!isfinite (value))
    value = 0.0;
  if (!(lo < hi) || !isfinite (lo) || !isfinite (hi))
    {
      lo = value - MAX (1.0, fabs (value));
      hi = value + MAX (1.0, fabs (value));
    }
  lo = MIN (lo, value);
  hi = MAX (hi, value);
  if (log_scale && !(lo + offset > 0.0))
    log_scale = FALSE;

  row->panel = self;
  row->kind = kind;
  row->index = index;
  row->name = g_strdup (name);
  row->initial = value;
  row->log = log_scale;
  row->offset = offset;

  step = (hi - lo) / 200.0;
  row->spin_adj = g_object_ref_sink (gtk_adjustment_new (value, lo, hi, step, 10 * step, 0.0));
  if (log_scale)
    {
      double llo = log10 (lo + offset), lhi = log10 (hi + offset);

      row->scale_adj = g_object_ref_sink (gtk_adjustment_new (log10 (value + offset), llo, lhi,
                                                               (lhi - llo) / 200.0,
                                                               (lhi - llo) / 20.0, 0.0));
    }
  else
    row->scale_adj = g_object_ref (row->spin_adj);

  row->row = gtk_list_box_row_new ();
  gtk_list_box_row_set_activatable (GTK_LIST_BOX_ROW (row->row), FALSE);
  gtk_list_box_row_set_selectable (GTK_LIST_BOX_ROW (row->row), FALSE);
  gtk_widget_add_css_class (row->row, "parameter-row");

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_margin_start (box, 12);
  gtk_widget_set_margin_end (box, 8);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 2);
  top = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 6);
  label = gtk_label_new (name);
  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_label_set_ellipsize (GTK_LABEL (label), PANGO_ELLIPSIZE_END);
  gtk_widget_set_hexpand (label, TRUE);
  gtk_widget_add_css_class (label, "parameter-name");
  if (log_scale)
    gtk_widget_set_tooltip_text (label, _("On a logarithmic scale"));
  spin = gtk_spin_button_new (row->spin_adj, step, digits_for (lo, hi));
  gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
  gtk_editable_set_width_chars (GTK_EDITABLE (spin), 6);
  gtk_widget_set_valign (spin, GTK_ALIGN_CENTER);
  gtk_widget_add_css_class (spin, "flat");
  gtk_widget_add_css_class (spin, "numeric");
  gtk_accessible_update_relation (GTK_ACCESSIBLE (spin), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  label, NULL, -1);
  gtk_box_append (GTK_BOX (top), label);
  gtk_box_append (GTK_BOX (top), spin);

  scale = gtk_scale_new (GTK_ORIENTATION_HORIZONTAL, row->scale_adj);
  gtk_scale_set_draw_value (GTK_SCALE (scale), FALSE);
  gtk_widget_set_hexpand (scale, TRUE);
  gtk_scale_add_mark (GTK_SCALE (scale), gtk_adjustment_get_value (row->scale_adj),
                      GTK_POS_BOTTOM, NULL);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (scale), GTK_ACCESSIBLE_RELATION_LABELLED_BY,
                                  label, NULL, -1);
  gtk_box_append (GTK_BOX (box), top);
  gtk_box_append (GTK_BOX (box), scale);
  gtk_list_box_row_set_child (GTK_LIST_BOX_ROW (row->row), box);

  g_signal_connect (row->scale_adj, "value-changed", G_CALLBACK (scale_changed_cb), row);
  if (log_scale)
    g_signal_connect (row->spin_adj, "value-changed", G_CALLBACK (spin_changed_cb), row);

  adw_preferences_group_add (group, row->row);
  g_ptr_array_add (self->rows, row);
  return row;
}

static void
clear_rows (CurrentsParameterPanel *self)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);
      AdwPreferencesGroup *group = row->kind == CURRENTS_PARAMETER_INPUT ? self->inputs_group
                                   : row->kind == CURRENTS_PARAMETER_PARAM ? self->params_group
                                   : self->states_group;

      g_signal_handlers_disconnect_by_data (row->scale_adj, row);
      g_signal_handlers_disconnect_by_data (row->spin_adj, row);
      adw_preferences_group_remove (group, row->row);
    }
  g_ptr_array_set_size (self->rows, 0);
}

static void
reset_kind (CurrentsParameterPanel *self,
            CurrentsParameterKind   kind)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row->kind == kind)
        currents_parameter_panel_set_value (self, row->name, row->initial);
    }
}

static void
inputs_reset_cb (CurrentsParameterPanel *self)
{
  reset_kind (self, CURRENTS_PARAMETER_INPUT);
}

static void
params_reset_cb (CurrentsParameterPanel *self)
{
  reset_kind (self, CURRENTS_PARAMETER_PARAM);
}

static void
states_reset_cb (CurrentsParameterPanel *self)
{
  reset_kind (self, CURRENTS_PARAMETER_STATE);
}

/* 0…2×|v| on the side of its sign; ±1 around 0. */
static void
parameter_range (double  v,
                 double *lo,
                 double *hi)
{
  if (v > 0.0)
    {
      *lo = 0.0;
      *hi = 2.0 * v;
    }
  else if (v < 0.0)
    {
      *lo = 2.0 * v;
      *hi = 0.0;
    }
  else
    {
      *lo = -1.0;
      *hi = 1.0;
    }
}

void
currents_parameter_panel_set_system (CurrentsParameterPanel *self,
                                     CurrentsSystem         *system,
                                     const CurrentsDataset  *dataset,
                                     guint                   x_axis,
                                     guint                   y_axis)
{
  const CurrentsTrainedModel *trained;
  const CurrentsNeuralModel *neural = NULL;
  const CurrentsNeuralScaling *scaling = NULL;
  g_autofree double *xlo = NULL, *xhi = NULL, *ulo = NULL, *uhi = NULL;
  gboolean has_ranges = FALSE;
  gsize n, m, k;

  g_return_if_fail (CURRENTS_IS_PARAMETER_PANEL (self));

  clear_rows (self);
  if (system == NULL)
    {
      gtk_widget_set_visible (GTK_WIDGET (self->inputs_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->params_group), FALSE);
      gtk_widget_set_visible (GTK_WIDGET (self->states_group), FALSE);
      gtk_widget_set_visible (self->empty_label, TRUE);
      return;
    }

  n = currents_system_get_n_states (system);
  m = currents_system_get_n_inputs (system);
  k = currents_system_get_n_named_params (system);
  trained = currents_system_get_trained (system);
  if (trained != NULL)
    {
      neural = currents_trained_model_get_neural (trained);
      scaling = neural != NULL ? currents_neural_model_get_scaling (neural) : NULL;
      xlo = g_new (double, MAX (n, 1));
      xhi = g_new (double, MAX (n, 1));
      ulo = g_new (double, MAX (m, 1));
      uhi = g_new (double, MAX (m, 1));
      has_ranges = currents_trained_model_get_ranges (trained, xlo, xhi, ulo, uhi);
    }

  for (gsize j = 0; j < m; j++)
    {
      const char *name = currents_system_get_input_names (system)[j];
      double v = currents_system_get_inputs (system)[j];
      double lo = NAN, hi = NAN, offset = 0.0;
      gboolean log_scale = FALSE;
      int col = dataset != NULL ? currents_dataset_find_input (dataset, name) : -1;

      if (col >= 0)
        {
          CurrentsColumnStats st;

          currents_dataset_get_input_stats (dataset, col, &st);
          lo = st.min;
          hi = st.max;
        }
      else if (has_ranges)
        {
          lo = ulo[j];
          hi = uhi[j];
        }
      if (!(lo < hi))
        {
          lo = MIN (0.0, v);
          hi = MAX (2.0 * fabs (v), 1.0);
        }
      if (scaling != NULL && scaling->u_log != NULL && scaling->u_log[j])
        {
          log_scale = TRUE;
          offset = scaling->u_offset[j];
        }
      add_row (self, self->inputs_group, CURRENTS_PARAMETER_INPUT, j, name, v, lo, hi,
               log_scale, offset);
    }
  for (gsize i = 0; i < k; i++)
    {
      double v = currents_system_get_params (system)[i], lo, hi;

      parameter_range (v, &lo, &hi);
      add_row (self, self->params_group, CURRENTS_PARAMETER_PARAM, i,
               currents_system_get_param_name (system, i), v, lo, hi, FALSE, 0.0);
    }
  for (gsize i = 0; i < n; i++)
    {
      const char *name = currents_system_get_state_names (system)[i];
      double v = currents_system_get_initial (system)[i];
      double lo = NAN, hi = NAN;
      int col = dataset != NULL ? currents_dataset_find_state (dataset, name) : -1;

      if (i == x_axis || i == y_axis)
        continue;
      if (col >= 0)
        {
          CurrentsColumnStats st;

          currents_dataset_get_state_stats (dataset, col, &st);
          lo = st.min;
          hi = st.max;
        }
      else if (has_ranges)
        {
          lo = xlo[i];
          hi = xhi[i];
        }
      if (!(lo < hi))
        {
          lo = v >= 0.0 ? 0.0 : 2.0 * v;
          hi = MAX (2.0 * fabs (v), 1.0);
        }
      add_row (self, self->states_group, CURRENTS_PARAMETER_STATE, i, name, v, lo, hi, FALSE,
               0.0);
    }

  gtk_widget_set_visible (GTK_WIDGET (self->inputs_group), m > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->params_group), k > 0);
  gtk_widget_set_visible (GTK_WIDGET (self->states_group), self->rows->len > m + k);
  gtk_widget_set_visible (self->empty_label, self->rows->len == 0);
}

guint
currents_parameter_panel_get_n_rows (CurrentsParameterPanel *self)
{
  g_return_val_if_fail (CURRENTS_IS_PARAMETER_PANEL (self), 0);
  return self->rows->len;
}

static Row *
find_row (CurrentsParameterPanel *self,
          const char             *name)
{
  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (g_ascii_strcasecmp (row->name, name) == 0)
        return row;
    }
  return NULL;
}

GtkAdjustment *
currents_parameter_panel_get_adjustment (CurrentsParameterPanel *self,
                                         const char             *name)
{
  Row *row;

  g_return_val_if_fail (CURRENTS_IS_PARAMETER_PANEL (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  row = find_row (self, name);
  return row != NULL ? row->scale_adj : NULL;
}

gboolean
currents_parameter_panel_set_value (CurrentsParameterPanel *self,
                                    const char             *name,
                                    double                  value)
{
  Row *row;

  g_return_val_if_fail (CURRENTS_IS_PARAMETER_PANEL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  row = find_row (self, name);
  if (row == NULL || !isfinite (value))
    return FALSE;
  /* a value beyond the slider's range (a point picked in a wider diagram) widens it */
  if (value < gtk_adjustment_get_lower (row->spin_adj)
      && (!row->log || value + row->offset > 0.0))
    {
      gtk_adjustment_set_lower (row->spin_adj, value);
      if (row->log)
        gtk_adjustment_set_lower (row->scale_adj, log10 (value + row->offset));
    }
  if (value > gtk_adjustment_get_upper (row->spin_adj))
    {
      gtk_adjustment_set_upper (row->spin_adj, value);
      if (row->log)
        gtk_adjustment_set_upper (row->scale_adj, log10 (value + row->offset));
    }
  if (row->log)
    gtk_adjustment_set_value (row->spin_adj, value);
  else
    gtk_adjustment_set_value (row->scale_adj, value);
  return TRUE;
}

gboolean
currents_parameter_panel_get_value (CurrentsParameterPanel *self,
                                    const char             *name,
                                    double                 *value)
{
  Row *row;

  g_return_val_if_fail (CURRENTS_IS_PARAMETER_PANEL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  row = find_row (self, name);
  if (row == NULL)
    return FALSE;
  if (value != NULL)
    *value = row_value (row);
  return TRUE;
}

gboolean
currents_parameter_panel_get_range (CurrentsParameterPanel *self,
                                    const char             *name,
                                    double                 *lo,
                                    double                 *hi,
                                    gboolean               *log_scale,
                                    double                 *offset)
{
  Row *row;

  g_return_val_if_fail (CURRENTS_IS_PARAMETER_PANEL (self), FALSE);
  g_return_val_if_fail (name != NULL, FALSE);

  row = find_row (self, name);
  if (row == NULL)
    return FALSE;
  if (lo != NULL)
    *lo = gtk_adjustment_get_lower (row->spin_adj);
  if (hi != NULL)
    *hi = gtk_adjustment_get_upper (row->spin_adj);
  if (log_scale != NULL)
    *log_scale = row->log;
  if (offset != NULL)
    *offset = row->log ? row->offset : 0.0;
  return TRUE;
}

void
currents_parameter_panel_show_state (CurrentsParameterPanel *self,
                                     guint                   index,
                                     double                  value)
{
  g_return_if_fail (CURRENTS_IS_PARAMETER_PANEL (self));

  for (guint i = 0; i < self->rows->len; i++)
    {
      Row *row = g_ptr_array_index (self->rows, i);

      if (row->kind != CURRENTS_PARAMETER_STATE || row->index != index)
        continue;
      row->syncing = TRUE;
      /* widen the range if the equilibrium lies outside it */
      if (value < gtk_adjustment_get_lower (row->spin_adj))
        gtk_adjustment_set_lower (row->spin_adj, value);
      if (value > gtk_adjustment_get_upper (row->spin_adj))
        gtk_adjustment_set_upper (row->spin_adj, value);
      gtk_adjustment_set_value (row->spin_adj, value);
      row->syncing = FALSE;
    }
}

static void
currents_parameter_panel_dispose (GObject *object)
{
  CurrentsParameterPanel *self = CURRENTS_PARAMETER_PANEL (object);

  if (self->rows != NULL)
    clear_rows (self);
  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_PARAMETER_PANEL);

  G_OBJECT_CLASS (currents_parameter_panel_parent_class)->dispose (object);
}

static void
currents_parameter_panel_finalize (GObject *object)
{
  CurrentsParameterPanel *self = CURRENTS_PARAMETER_PANEL (object);

  g_clear_pointer (&self->rows, g_ptr_array_unref);

  G_OBJECT_CLASS (currents_parameter_panel_parent_class)->finalize (object);
}

static void
currents_parameter_panel_class_init (CurrentsParameterPanelClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_parameter_panel_dispose;
  object_class->finalize = currents_parameter_panel_finalize;

  /**
   * CurrentsParameterPanel::value-changed:
   * @kind: a CurrentsParameterKind
   * @index: the input's, parameter's or state's index in the model
   * @value: the new value in its own units
   */
  signals[VALUE_CHANGED] =
    g_signal_new ("value-changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 3, G_TYPE_UINT, G_TYPE_UINT, G_TYPE_DOUBLE);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-parameter-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsParameterPanel, scroller);
  gtk_widget_class_bind_template_child (widget_class, CurrentsParameterPanel, inputs_group);
  gtk_widget_class_bind_template_child (widget_class, CurrentsParameterPanel, params_group);
  gtk_widget_class_bind_template_child (widget_class, CurrentsParameterPanel, states_group);
  gtk_widget_class_bind_template_child (widget_class, CurrentsParameterPanel, inputs_reset);
  gtk_widget_class_bind_template_child (widget_class, CurrentsParameterPanel, params_reset);
  gtk_widget_class_bind_template_child (widget_class, CurrentsParameterPanel, states_reset);
  gtk_widget_class_bind_template_child (widget_class, CurrentsParameterPanel, empty_label);

  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "parameterpanel");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_GROUP);
}

static void
currents_parameter_panel_init (CurrentsParameterPanel *self)
{
  self->rows = g_ptr_array_new_with_free_func (row_free);

  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect_swapped (self->inputs_reset, "clicked", G_CALLBACK (inputs_reset_cb), self);
  g_signal_connect_swapped (self->params_reset, "clicked", G_CALLBACK (params_reset_cb), self);
  g_signal_connect_swapped (self->states_reset, "clicked", G_CALLBACK (states_reset_cb), self);
  gtk_accessible_update_property (GTK_ACCESSIBLE (self), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Inputs and parameters"), -1);
  currents_parameter_panel_set_system (self, NULL, NULL, G_MAXUINT, G_MAXUINT);
}

GtkWidget *
currents_parameter_panel_new (void)
{
  return g_object_new (CURRENTS_TYPE_PARAMETER_PANEL, NULL);
}
