/* currents-preferences.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The preferences window: every row is bound to a GSettings key, so a change applies at
 * once and is remembered. Tolerances are chosen by their power of ten.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-preferences"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <glib/gi18n.h>

#include "currents-preferences.h"

#define MAX_WIDTH 65536

static const char *const color_schemes[] = { "default", "light", "dark", NULL };
static const char *const activations[] = { "tanh", "softplus", "silu", NULL };

struct _CurrentsPreferences
{
  AdwPreferencesWindow parent_instance;

  /* template children */
  AdwComboRow   *style_row;
  GtkSpinButton *autosave_spin;
  GtkSwitch     *embed_switch;
  GtkSpinButton *rtol_spin;
  GtkSpinButton *atol_spin;
  AdwEntryRow   *hidden_row;
  AdwComboRow   *activation_row;
  GtkSpinButton *train_rtol_spin;
  GtkSpinButton *train_atol_spin;

  GSettings     *settings;
};

G_DEFINE_FINAL_TYPE (CurrentsPreferences, currents_preferences, ADW_TYPE_PREFERENCES_WINDOW)

GSettings *
currents_preferences_dup_settings (void)
{
  GSettingsSchemaSource *source = g_settings_schema_source_get_default ();
  g_autoptr(GSettingsSchema) schema = NULL;

  if (source != NULL)
    schema = g_settings_schema_source_lookup (source, APP_ID, TRUE);
  if (schema == NULL)
    return NULL;
  return g_settings_new_full (schema, NULL, NULL);
}

static AdwColorScheme
color_scheme_from_string (const char *s)
{
  if (g_strcmp0 (s, "light") == 0)
    return ADW_COLOR_SCHEME_FORCE_LIGHT;
  if (g_strcmp0 (s, "dark") == 0)
    return ADW_COLOR_SCHEME_FORCE_DARK;
  return ADW_COLOR_SCHEME_DEFAULT;
}

static void
color_scheme_changed_cb (GSettings  *settings,
                         const char *key,
                         gpointer    user_data)
{
  g_autofree char *value = g_settings_get_string (settings, "color-scheme");

  adw_style_manager_set_color_scheme (adw_style_manager_get_default (),
                                      color_scheme_from_string (value));
}

void
currents_preferences_follow_style (void)
{
  AdwStyleManager *style = adw_style_manager_get_default ();
  GSettings *settings;

  if (g_object_get_data (G_OBJECT (style), "currents-settings") != NULL)
    return;
  settings = currents_preferences_dup_settings ();
  if (settings == NULL)
    return;
  /* The style manager lives as long as the display: it keeps the settings. */
  g_object_set_data_full (G_OBJECT (style), "currents-settings", settings, g_object_unref);
  g_signal_connect (settings, "changed::color-scheme", G_CALLBACK (color_scheme_changed_cb),
                    NULL);
  color_scheme_changed_cb (settings, "color-scheme", NULL);
}

gboolean
currents_preferences_parse_widths (const char  *text,
                                   guint       *widths,
                                   gsize        max,
                                   gsize       *n_widths,
                                   GError     **error)
{
  g_auto(GStrv) parts = NULL;
  gsize n = 0;

  g_return_val_if_fail (text != NULL && n_widths != NULL, FALSE);

  parts = g_strsplit_set (text, ", ;x×", -1);
  for (gsize i = 0; parts[i] != NULL; i++)
    {
      guint64 v;

      if (parts[i][0] == '\0')
        continue;
      if (!g_ascii_string_to_unsigned (parts[i], 10, 1, MAX_WIDTH, &v, NULL))
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("“%s” is not a layer width: give whole numbers from 1 to %d, "
                         "such as “64, 64”"), parts[i], MAX_WIDTH);
          return FALSE;
        }
      if (n == max)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                       _("At most %lu hidden layers"), (gulong) max);
          return FALSE;
        }
      widths[n++] = (guint) v;
    }
  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
                           _("Give at least one hidden layer width, such as “64, 64”"));
      return FALSE;
    }
  *n_widths = n;
  return TRUE;
}

/* ---- mappings between settings and rows ---- */

static gboolean
string_to_index (GValue   *value,
                 GVariant *variant,
                 gpointer  user_data)
{
  const char *const *choices = user_data;
  const char *s = g_variant_get_string (variant, NULL);

  for (guint i = 0; choices[i] != NULL; i++)
    if (g_strcmp0 (choices[i], s) == 0)
      {
        g_value_set_uint (value, i);
        return TRUE;
      }
  g_value_set_uint (value, 0);
  return TRUE;
}

static GVariant *
index_to_string (const GValue       *value,
                 const GVariantType *type,
                 gpointer            user_data)
{
  const char *const *choices = user_data;
  guint i = g_value_get_uint (value);

  if (i >= g_strv_length ((char **) choices))
    return NULL;
  return g_variant_new_string (choices[i]);
}

static gboolean
tolerance_to_exponent (GValue   *value,
                       GVariant *variant,
                       gpointer  user_data)
{
  double tol = g_variant_get_double (variant);

  g_value_set_double (value, tol > 0 ? round (log10 (tol)) : -6.0);
  return TRUE;
}

static GVariant *
exponent_to_tolerance (const GValue       *value,
                       const GVariantType *type,
                       gpointer            user_data)
{
  /* Exactly 1e-6, not pow (10, -6)'s last-bit neighbour. */
  g_autofree char *text = g_strdup_printf ("1e%d", (int) g_value_get_double (value));

  return g_variant_new_double (g_ascii_strtod (text, NULL));
}

static gboolean
tolerance_output_cb (GtkSpinButton *spin)
{
  GtkAdjustment *adjustment = gtk_spin_button_get_adjustment (spin);
  g_autofree char *text = g_strdup_printf ("1e%d", (int) gtk_adjustment_get_value (adjustment));

  gtk_editable_set_text (GTK_EDITABLE (spin), text);
  return TRUE;
}

static int
tolerance_input_cb (GtkSpinButton *spin,
                    double        *new_value)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (spin));
  char *end = NULL;
  double v = g_ascii_strtod (text, &end);

  if (end == text || (end != NULL && *end != '\0'))
    return GTK_INPUT_ERROR;
  /* "1e-8" or just the exponent "-8". */
  *new_value = v > 0 ? round (log10 (v)) : v;
  return TRUE;
}

static void
hidden_apply_cb (CurrentsPreferences *self)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (self->hidden_row));
  guint widths[16];
  gsize n = 0;
  g_autoptr(GError) error = NULL;
  g_autoptr(GString) normal = g_string_new (NULL);

  if (!currents_preferences_parse_widths (text, widths, G_N_ELEMENTS (widths), &n, &error))
    {
      gtk_widget_add_css_class (GTK_WIDGET (self->hidden_row), "error");
      adw_preferences_window_add_toast (ADW_PREFERENCES_WINDOW (self),
                                        adw_toast_new (error->message));
      return;
    }
  gtk_widget_remove_css_class (GTK_WIDGET (self->hidden_row), "error");
  for (gsize i = 0; i < n; i++)
    g_string_append_printf (normal, "%s%u", i > 0 ? ", " : "", widths[i]);
  g_settings_set_string (self->settings, "train-hidden", normal->str);
}

static void
sync_hidden_row (CurrentsPreferences *self)
{
  g_autofree char *text = g_settings_get_string (self->settings, "train-hidden");

  gtk_editable_set_text (GTK_EDITABLE (self->hidden_row), text);
  gtk_widget_remove_css_class (GTK_WIDGET (self->hidden_row), "error");
}

/* ---- GObject ---- */

static void
currents_preferences_dispose (GObject *object)
{
  CurrentsPreferences *self = CURRENTS_PREFERENCES (object);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_PREFERENCES);
  g_clear_object (&self->settings);

  G_OBJECT_CLASS (currents_preferences_parent_class)->dispose (object);
}

static void
currents_preferences_class_init (CurrentsPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_preferences_dispose;

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/currents/Currents/ui/currents-preferences.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsPreferences, style_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPreferences, autosave_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPreferences, embed_switch);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPreferences, rtol_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPreferences, atol_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPreferences, hidden_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPreferences, activation_row);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPreferences, train_rtol_spin);
  gtk_widget_class_bind_template_child (widget_class, CurrentsPreferences, train_atol_spin);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_w, GDK_CONTROL_MASK,
                                       "window.close", NULL);
}

static void
currents_preferences_init (CurrentsPreferences *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));

  g_signal_connect (self->rtol_spin, "output", G_CALLBACK (tolerance_output_cb), NULL);
  g_signal_connect (self->rtol_spin, "input", G_CALLBACK (tolerance_input_cb), NULL);
  g_signal_connect (self->atol_spin, "output", G_CALLBACK (tolerance_output_cb), NULL);
  g_signal_connect (self->atol_spin, "input", G_CALLBACK (tolerance_input_cb), NULL);
  g_signal_connect (self->train_rtol_spin, "output", G_CALLBACK (tolerance_output_cb), NULL);
  g_signal_connect (self->train_rtol_spin, "input", G_CALLBACK (tolerance_input_cb), NULL);
  g_signal_connect (self->train_atol_spin, "output", G_CALLBACK (tolerance_output_cb), NULL);
  g_signal_connect (self->train_atol_spin, "input", G_CALLBACK (tolerance_input_cb), NULL);

  self->settings = currents_preferences_dup_settings ();
  if (self->settings == NULL)
    {
      /* Nothing to remember the choices in: show the defaults, unchangeable. */
      gtk_widget_set_sensitive (GTK_WIDGET (self), FALSE);
      return;
    }

  g_settings_bind_with_mapping (self->settings, "color-scheme", self->style_row, "selected",
                                G_SETTINGS_BIND_DEFAULT, string_to_index, index_to_string,
                                (gpointer) color_schemes, NULL);
  g_settings_bind_with_mapping (self->settings, "train-activation", self->activation_row,
                                "selected", G_SETTINGS_BIND_DEFAULT, string_to_index,
                                index_to_string, (gpointer) activations, NULL);
  g_settings_bind (self->settings, "autosave-interval",
                   gtk_spin_button_get_adjustment (self->autosave_spin), "value",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind (self->settings, "embed-data", self->embed_switch, "active",
                   G_SETTINGS_BIND_DEFAULT);
  g_settings_bind_with_mapping (self->settings, "solver-rtol",
                                gtk_spin_button_get_adjustment (self->rtol_spin), "value",
                                G_SETTINGS_BIND_DEFAULT, tolerance_to_exponent,
                                exponent_to_tolerance, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "solver-atol",
                                gtk_spin_button_get_adjustment (self->atol_spin), "value",
                                G_SETTINGS_BIND_DEFAULT, tolerance_to_exponent,
                                exponent_to_tolerance, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "train-rtol",
                                gtk_spin_button_get_adjustment (self->train_rtol_spin), "value",
                                G_SETTINGS_BIND_DEFAULT, tolerance_to_exponent,
                                exponent_to_tolerance, NULL, NULL);
  g_settings_bind_with_mapping (self->settings, "train-atol",
                                gtk_spin_button_get_adjustment (self->train_atol_spin), "value",
                                G_SETTINGS_BIND_DEFAULT, tolerance_to_exponent,
                                exponent_to_tolerance, NULL, NULL);
  sync_hidden_row (self);
  g_signal_connect_object (self->settings, "changed::train-hidden",
                           G_CALLBACK (sync_hidden_row), self, G_CONNECT_SWAPPED);
  g_signal_connect_swapped (self->hidden_row, "apply", G_CALLBACK (hidden_apply_cb), self);
}

CurrentsPreferences *
currents_preferences_new (GtkWindow *parent)
{
  g_return_val_if_fail (parent == NULL || GTK_IS_WINDOW (parent), NULL);

  return g_object_new (CURRENTS_TYPE_PREFERENCES,
                       "transient-for", parent,
                       "modal", parent != NULL,
                       NULL);
}
