/* currents-portrait-actions.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The portrait's actions (portrait.*), its export dialogs and the popover that tells an
 * equilibrium's eigenvalues, eigenvectors and type.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-portrait"

#include <math.h>
#include <string.h>

#include <glib/gi18n.h>

#include "currents-portrait-private.h"

#define EXPORT_PNG_SCALE 2.0

const CurrentsPortraitLabels *
_currents_portrait_labels (void)
{
  static CurrentsPortraitLabels labels;
  static gsize initialised = 0;

  if (g_once_init_enter (&initialised))
    {
      /* Translators: the nullcline of a variable, e.g. "u′ = 0" */
      labels.nullcline = _("%s\u2032 = 0");
      labels.stable = _("Stable");
      labels.unstable = _("Unstable");
      labels.saddle = _("Saddle");
      labels.neutral = _("Neutral");
      labels.speed = _("speed");
      labels.stable_manifold = _("Separatrix");
      labels.unstable_manifold = _("Unstable manifold");
      /* grey lines need no legend entry */
      labels.trajectories = "";
      labels.initial = _("Initial state");
      labels.launched = _("Launched");
      labels.cycle = _("Limit cycle");
      g_once_init_leave (&initialised, 1);
    }
  return &labels;
}

static void
toast (CurrentsPortrait *self,
       const char       *message)
{
  GtkWidget *overlay = gtk_widget_get_ancestor (GTK_WIDGET (self), ADW_TYPE_TOAST_OVERLAY);

  if (overlay != NULL)
    adw_toast_overlay_add_toast (ADW_TOAST_OVERLAY (overlay), adw_toast_new (message));
  else
    g_message ("%s", message);
}

/* ------------------------------------------------------------------------------------ */
/* The equilibrium popover                                                               */

static const char *
type_name (CurrentsEquilibriumType type)
{
  switch (type)
    {
    case CURRENTS_EQUILIBRIUM_STABLE_NODE:
      return _("Stable node");
    case CURRENTS_EQUILIBRIUM_UNSTABLE_NODE:
      return _("Unstable node");
    case CURRENTS_EQUILIBRIUM_SADDLE:
      return _("Saddle");
    case CURRENTS_EQUILIBRIUM_STABLE_FOCUS:
      return _("Stable focus");
    case CURRENTS_EQUILIBRIUM_UNSTABLE_FOCUS:
      return _("Unstable focus");
    case CURRENTS_EQUILIBRIUM_CENTER:
      return _("Centre (linearisation undecided)");
    case CURRENTS_EQUILIBRIUM_SADDLE_FOCUS:
      return _("Saddle-focus");
    case CURRENTS_EQUILIBRIUM_DEGENERATE:
    default:
      return _("Degenerate");
    }
}

static char *
number (double v)
{
  g_autofree char *s = g_strdup_printf ("%.5g", fabs (v));

  if (v < 0.0 && g_strcmp0 (s, "0") != 0)
    return g_strconcat ("\u2212", s, NULL);
  return g_steal_pointer (&s);
}

static char *
complex_number (double re,
                double im)
{
  g_autofree char *r = number (re);
  g_autofree char *i = NULL;

  if (im == 0.0)
    return g_steal_pointer (&r);
  i = g_strdup_printf ("%.5g", fabs (im));
  return g_strdup_printf ("%s %s %si", r, im < 0.0 ? "\u2212" : "+", i);
}

static GtkWidget *
cell (const char *text,
      gboolean    dim)
{
  GtkWidget *label = gtk_label_new (text);

  gtk_label_set_xalign (GTK_LABEL (label), 0.0);
  gtk_widget_add_css_class (label, dim ? "dim-label" : "numeric");
  return label;
}

void
_currents_portrait_show_equilibrium (CurrentsPortrait *self,
                                     guint             index,
                                     double            x,
                                     double            y)
{
  const CurrentsEquilibrium *eq = g_ptr_array_index (self->equilibria, index);
  const char *xn = gtk_string_list_get_string (self->variables, self->x_axis);
  const char *yn = gtk_string_list_get_string (self->variables, self->y_axis);
  GtkWidget *box, *title, *where, *grid;
  g_autofree char *xs = number (eq->state[0]), *ys = number (eq->state[1]);
  g_autofree char *at = g_strdup_printf ("%s = %s, %s = %s", xn, xs, yn, ys);
  int row = 0;

  if (self->equilibrium_popover == NULL)
    {
      self->equilibrium_popover = gtk_popover_new ();
      gtk_widget_set_parent (self->equilibrium_popover, GTK_WIDGET (self->canvas));
      gtk_popover_set_position (GTK_POPOVER (self->equilibrium_popover), GTK_POS_TOP);
    }

  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  gtk_widget_set_margin_start (box, 6);
  gtk_widget_set_margin_end (box, 6);
  gtk_widget_set_margin_top (box, 6);
  gtk_widget_set_margin_bottom (box, 6);
  title = gtk_label_new (type_name (eq->type));
  gtk_widget_add_css_class (title, "heading");
  gtk_label_set_xalign (GTK_LABEL (title), 0.0);
  where = cell (at, FALSE);
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), where);
  if (self->n_states > 2)
    {
      GtkWidget *note = cell (_("An equilibrium of the plane: the other states are held fixed"),
                              TRUE);

      gtk_label_set_wrap (GTK_LABEL (note), TRUE);
      gtk_label_set_max_width_chars (GTK_LABEL (note), 32);
      gtk_widget_add_css_class (note, "caption");
      gtk_box_append (GTK_BOX (box), note);
    }

  grid = gtk_grid_new ();
  gtk_grid_set_column_spacing (GTK_GRID (grid), 12);
  gtk_grid_set_row_spacing (GTK_GRID (grid), 4);
  gtk_widget_set_margin_top (grid, 6);
  gtk_grid_attach (GTK_GRID (grid), cell (_("Eigenvalue"), TRUE), 0, row, 1, 1);
  gtk_grid_attach (GTK_GRID (grid), cell (_("Eigenvector"), TRUE), 1, row++, 1, 1);
  for (gsize j = 0; j < eq->n; j++, row++)
    {
      g_autofree char *lambda = complex_number (eq->eig_re[j], eq->eig_im[j]);
      g_autofree char *v0 = complex_number (eq->evec_re[0 * eq->n + j], eq->evec_im[0 * eq->n + j]);
      g_autofree char *v1 = complex_number (eq->evec_re[1 * eq->n + j], eq->evec_im[1 * eq->n + j]);
      g_autofree char *lt = g_strdup_printf ("\u03bb%s = %s", j == 0 ? "\u2081" : "\u2082", lambda);
      g_autofree char *vt = g_strdup_printf ("(%s, %s)", v0, v1);

      gtk_grid_attach (GTK_GRID (grid), cell (lt, FALSE), 0, row, 1, 1);
      gtk_grid_attach (GTK_GRID (grid), cell (vt, FALSE), 1, row, 1, 1);
    }
  gtk_box_append (GTK_BOX (box), grid);

  gtk_popover_set_child (GTK_POPOVER (self->equilibrium_popover), box);
  gtk_popover_set_pointing_to (GTK_POPOVER (self->equilibrium_popover),
                               &(GdkRectangle) { (int) x - 6, (int) y - 6, 12, 12 });
  {
    double cx, cy;

    /* point at the glyph itself */
    if (currents_portrait_data_to_canvas (self, eq->state[0], eq->state[1], &cx, &cy))
      gtk_popover_set_pointing_to (GTK_POPOVER (self->equilibrium_popover),
                                   &(GdkRectangle) { (int) round (cx) - 6, (int) round (cy) - 6,
                                                     12, 12 });
  }
  gtk_accessible_update_property (GTK_ACCESSIBLE (self->equilibrium_popover),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, type_name (eq->type), -1);
  gtk_popover_popup (GTK_POPOVER (self->equilibrium_popover));
}

/* ------------------------------------------------------------------------------------ */
/* Export                                                                                */

static const char *
suffix_for (const char *format)
{
  return g_strcmp0 (format, "svg") == 0 ? ".svg" : g_strcmp0 (format, "pdf") == 0 ? ".pdf"
         : g_strcmp0 (format, "csv") == 0 ? ".csv" : ".png";
}

static void
export_response_cb (GtkNativeDialog *dialog,
                    int              response,
                    gpointer         user_data)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (user_data);
  const char *format = g_object_get_data (G_OBJECT (dialog), "format");

  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr(GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file != NULL ? g_file_get_path (file) : NULL;
      g_autoptr(GError) error = NULL;
      gboolean ok;

      if (path == NULL)
        {
          toast (self, _("Only local files can be written"));
          goto out;
        }
      if (!g_str_has_suffix (path, suffix_for (format)))
        {
          char *with = g_strconcat (path, suffix_for (format), NULL);

          g_free (path);
          path = with;
        }
      if (g_strcmp0 (format, "csv") == 0)
        ok = currents_portrait_export_csv (self, path, &error);
      else
        {
          CurrentsPlotTheme theme;
          int width = MAX (gtk_widget_get_width (GTK_WIDGET (self->canvas)), 480);
          int height = MAX (gtk_widget_get_height (GTK_WIDGET (self->canvas)), 360);

          double margin = currents_plot_scene_get_top_margin (self->scene);

          currents_plot_theme_init (&theme, FALSE);
          _currents_portrait_set_provenance (self, self->scene);
          /* the file has no toolbar over it */
          currents_plot_scene_set_top_margin (self->scene, 0);
          ok = currents_plot_scene_export_scaled (self->scene, &theme, path, width, height,
                                                  EXPORT_PNG_SCALE, &error);
          currents_plot_scene_set_top_margin (self->scene, margin);
        }
      if (ok)
        {
          g_autofree char *base = g_path_get_basename (path);
          g_autofree char *message = g_strdup_printf (_("Saved %s"), base);

          toast (self, message);
        }
      else
        toast (self, error->message);
    }
out:
  gtk_native_dialog_destroy (dialog);
  g_object_unref (dialog);
}

static void
export_action (GtkWidget  *widget,
               const char *action_name,
               GVariant   *parameter)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (widget);
  const char *format = g_variant_get_string (parameter, NULL);
  GtkFileChooserNative *native;
  g_autoptr(GtkFileFilter) filter = gtk_file_filter_new ();
  g_autofree char *stem = NULL, *name = NULL, *pattern = NULL;
  GtkRoot *root = gtk_widget_get_root (widget);
  const char *title;

  if (g_strcmp0 (format, "csv") == 0)
    title = _("Export the Curves as CSV");
  else if (g_strcmp0 (format, "svg") == 0)
    title = _("Export the Portrait as SVG");
  else if (g_strcmp0 (format, "pdf") == 0)
    title = _("Export the Portrait as PDF");
  else
    {
      format = "png";
      title = _("Export the Portrait as PNG");
    }

  native = gtk_file_chooser_native_new (title, GTK_IS_WINDOW (root) ? GTK_WINDOW (root) : NULL,
                                        GTK_FILE_CHOOSER_ACTION_SAVE, _("_Export"), _("_Cancel"));
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (native), TRUE);
  pattern = g_strconcat ("*", suffix_for (format), NULL);
  gtk_file_filter_add_pattern (filter, pattern);
  gtk_file_filter_set_name (filter, g_strcmp0 (format, "csv") == 0 ? _("CSV files")
                                    : g_strcmp0 (format, "svg") == 0 ? _("SVG images")
                                    : g_strcmp0 (format, "pdf") == 0 ? _("PDF documents")
                                    : _("PNG images"));
  gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (native), filter);

  if (self->system != NULL && currents_system_get_filename (self->system) != NULL)
    {
      g_autofree char *base = g_path_get_basename (currents_system_get_filename (self->system));
      char *dot = strrchr (base, '.');

      if (dot != NULL)
        *dot = '\0';
      stem = g_strdup (base);
    }
  name = g_strconcat (stem != NULL ? stem : "portrait",
                      g_strcmp0 (format, "csv") == 0 ? "-curves" : "-portrait",
                      suffix_for (format), NULL);
  gtk_file_chooser_set_current_name (GTK_FILE_CHOOSER (native), name);
  g_object_set_data_full (G_OBJECT (native), "format", g_strdup (format), g_free);
  g_signal_connect (native, "response", G_CALLBACK (export_response_cb), self);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (native));
}

/* ------------------------------------------------------------------------------------ */
/* The other actions                                                                     */

static void
clear_action (GtkWidget  *widget,
              const char *action_name,
              GVariant   *parameter)
{
  currents_portrait_clear_launched (CURRENTS_PORTRAIT (widget));
}

static void
reset_view_action (GtkWidget  *widget,
                   const char *action_name,
                   GVariant   *parameter)
{
  currents_portrait_reset_view (CURRENTS_PORTRAIT (widget));
}

static void
zoom_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  CurrentsPortrait *self = CURRENTS_PORTRAIT (widget);
  CurrentsPlotViewport vp;
  double factor = g_str_equal (action_name, "portrait.zoom-in") ? 1.25 : 0.8;

  if (!currents_plot_scene_get_viewport (self->scene, &vp))
    return;
  currents_portrait_zoom (self, factor, vp.left + 0.5 * vp.width, vp.top + 0.5 * vp.height);
}

static void
hold_action (GtkWidget  *widget,
             const char *action_name,
             GVariant   *parameter)
{
  _currents_portrait_hold_at_equilibrium (CURRENTS_PORTRAIT (widget));
}

void
_currents_portrait_update_actions (CurrentsPortrait *self)
{
  gboolean plane = self->system != NULL && self->x_axis < self->n_states
                   && self->y_axis < self->n_states && self->x_axis != self->y_axis;

  gtk_widget_action_set_enabled (GTK_WIDGET (self), "portrait.clear", self->launches->len > 0);
  /* clicks launch trajectories in the plane only */
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "portrait.direction", plane);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "portrait.hold-at-equilibrium",
                                 plane && self->n_states > 2);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "portrait.export", self->n_states > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (self), "portrait.reset-view", self->n_states > 0);
}

void
_currents_portrait_class_install_actions (GtkWidgetClass *widget_class)
{
  static const char *const layers[] = {
    "field", "nullclines", "equilibria", "separatrices", "basins", "trajectories", "launched",
    "data",
  };

  for (guint i = 0; i < G_N_ELEMENTS (layers); i++)
    {
      g_autofree char *action = g_strconcat ("portrait.layer-", layers[i], NULL);
      g_autofree char *property = g_strconcat ("layer-", layers[i], NULL);

      gtk_widget_class_install_property_action (widget_class, action, property);
    }
  gtk_widget_class_install_property_action (widget_class, "portrait.field-style", "field-style");
  gtk_widget_class_install_property_action (widget_class, "portrait.direction", "direction");
  gtk_widget_class_install_property_action (widget_class, "portrait.show-legend", "show-legend");
  gtk_widget_class_install_property_action (widget_class, "portrait.show-parameters",
                                            "show-parameters");
  gtk_widget_class_install_action (widget_class, "portrait.clear", NULL, clear_action);
  gtk_widget_class_install_action (widget_class, "portrait.reset-view", NULL, reset_view_action);
  gtk_widget_class_install_action (widget_class, "portrait.zoom-in", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "portrait.zoom-out", NULL, zoom_action);
  gtk_widget_class_install_action (widget_class, "portrait.export", "s", export_action);
  gtk_widget_class_install_action (widget_class, "portrait.hold-at-equilibrium", NULL,
                                   hold_action);

  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Delete, 0, "portrait.clear", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_0, GDK_CONTROL_MASK,
                                       "portrait.reset-view", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_plus, GDK_CONTROL_MASK,
                                       "portrait.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_equal, GDK_CONTROL_MASK,
                                       "portrait.zoom-in", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_minus, GDK_CONTROL_MASK,
                                       "portrait.zoom-out", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "portrait.show-parameters",
                                       NULL);
}
