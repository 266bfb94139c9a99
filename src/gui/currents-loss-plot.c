/* currents-loss-plot.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Training and validation MSE against the epoch, on a logarithmic axis, drawn with
 * Cairo in the plot library's colours. Points arrive one epoch at a time during
 * training; adding one only queues a frame, and a frame draws a few thousand points
 * well within a millisecond, so live updates stay cheap for the main thread.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-loss-plot"

#include <math.h>

#include <adwaita.h>
#include <glib/gi18n.h>

#include "currents-loss-plot.h"
#include "currents-plot.h"

typedef struct
{
  double epoch;
  double train;
  double val;
} LossPoint;

struct _CurrentsLossPlot
{
  GtkWidget  parent_instance;

  GArray    *points;        /* of LossPoint */
  guint      planned;
  guint      best_epoch;
  guint      n_frames;
};

G_DEFINE_FINAL_TYPE (CurrentsLossPlot, currents_loss_plot, GTK_TYPE_WIDGET)

#define TICK 4.0

static const char *const superscripts[] = {
  "⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"
};

/* "10⁻³": a decade label with a real minus sign. */
static char *
decade_label (int k)
{
  GString *s = g_string_new ("10");
  char digits[16];

  if (k < 0)
    g_string_append (s, "⁻");
  g_snprintf (digits, sizeof digits, "%d", ABS (k));
  for (const char *d = digits; *d != '\0'; d++)
    g_string_append (s, superscripts[*d - '0']);
  return g_string_free (s, FALSE);
}

static PangoLayout *
make_layout (GtkWidget  *widget,
             cairo_t    *cr,
             double      scale)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  const PangoFontDescription *base;
  PangoFontDescription *font;

  base = pango_context_get_font_description (gtk_widget_get_pango_context (widget));
  font = base != NULL ? pango_font_description_copy (base)
                      : pango_font_description_from_string ("Sans 10");
  if (pango_font_description_get_size_is_absolute (font))
    pango_font_description_set_absolute_size (font, pango_font_description_get_size (font) * scale);
  else
    pango_font_description_set_size (font, (int) (pango_font_description_get_size (font) * scale));
  pango_font_description_set_variant (font, PANGO_VARIANT_NORMAL);
  pango_layout_set_font_description (layout, font);
  pango_font_description_free (font);
  return layout;
}

static void
text_extent (PangoLayout *layout,
             const char  *text,
             double      *w,
             double      *h)
{
  int pw, ph;

  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &pw, &ph);
  if (w != NULL)
    *w = pw;
  if (h != NULL)
    *h = ph;
}

static void
show_text (cairo_t     *cr,
           PangoLayout *layout,
           const char  *text,
           double       x,
           double       y)
{
  pango_layout_set_text (layout, text, -1);
  cairo_move_to (cr, round (x), round (y));
  pango_cairo_show_layout (cr, layout);
}

/* The smallest 1, 2 or 5 × 10ᵏ at or above @v: an axis that grows in steps, not every
 * epoch. */
static double
nice_ceiling (double v)
{
  double p = pow (10.0, floor (log10 (v)));

  if (v <= p)
    return p;
  if (v <= 2 * p)
    return 2 * p;
  if (v <= 5 * p)
    return 5 * p;
  return 10 * p;
}

static double
crisp (double v)
{
  return floor (v) + 0.5;
}

/* One curve: finite positive values joined, broken where a value is missing. */
static void
stroke_curve (cairo_t                    *cr,
              const CurrentsPlotViewport *vp,
              GArray                     *points,
              gboolean                    validation,
              const CurrentsPlotColor    *color)
{
  gboolean pen_down = FALSE;
  guint drawn = 0;

  cairo_save (cr);
  cairo_rectangle (cr, vp->left, vp->top, vp->width, vp->height);
  cairo_clip (cr);
  for (guint k = 0; k < points->len; k++)
    {
      const LossPoint *p = &g_array_index (points, LossPoint, k);
      double v = validation ? p->val : p->train, dx, dy;

      if (!(isfinite (v) && v > 0))
        {
          pen_down = FALSE;
          continue;
        }
      currents_plot_viewport_to_device (vp, p->epoch, log10 (v), &dx, &dy);
      if (pen_down)
        cairo_line_to (cr, dx, dy);
      else
        cairo_move_to (cr, dx, dy);
      pen_down = TRUE;
      drawn++;
    }
  if (drawn == 1)
    {
      /* a single epoch: a dot rather than nothing */
      double x, y;

      cairo_get_current_point (cr, &x, &y);
      cairo_new_path (cr);
      cairo_arc (cr, x, y, 2.5, 0, 2 * G_PI);
      currents_plot_set_source_color (cr, color);
      cairo_fill (cr);
    }
  else
    {
      currents_plot_set_source_color (cr, color);
      cairo_set_line_width (cr, 2.0);
      cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
      cairo_set_line_cap (cr, CAIRO_LINE_CAP_ROUND);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

static void
draw_legend_item (cairo_t                 *cr,
                  PangoLayout             *layout,
                  const char              *label,
                  const CurrentsPlotColor *color,
                  const CurrentsPlotColor *text,
                  gboolean                 marker,
                  double                  *x,
                  double                   y,
                  double                   h)
{
  double w;

  currents_plot_set_source_color (cr, color);
  if (marker)
    {
      cairo_arc (cr, *x + 6, y + h / 2, 3.5, 0, 2 * G_PI);
      cairo_fill (cr);
    }
  else
    {
      cairo_set_line_width (cr, 2.0);
      cairo_move_to (cr, *x, round (y + h / 2));
      cairo_line_to (cr, *x + 12, round (y + h / 2));
      cairo_stroke (cr);
    }
  *x += 16;
  currents_plot_set_source_color (cr, text);
  text_extent (layout, label, &w, NULL);
  show_text (cr, layout, label, *x, y);
  *x += w + 14;
}

static void
currents_loss_plot_snapshot (GtkWidget   *widget,
                             GtkSnapshot *snapshot)
{
  CurrentsLossPlot *self = CURRENTS_LOSS_PLOT (widget);
  double width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  g_autoptr(PangoLayout) small = NULL;
  CurrentsPlotTheme theme;
  CurrentsPlotViewport vp;
  CurrentsPlotColor train_color, val_color, dim;
  double lo = INFINITY, hi = -INFINITY, label_w = 0, em, w, h, xmax;
  gboolean have_val = FALSE;
  int klo, khi, kstep;
  cairo_t *cr;

  if (width <= 1 || height <= 1)
    return;
  self->n_frames++;

  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  train_color = theme.palette[4];
  val_color = theme.palette[0];
  dim = theme.foreground;
  dim.alpha *= 0.55;

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  small = make_layout (widget, cr, 0.85);
  text_extent (small, "0", NULL, &em);

  for (guint k = 0; k < self->points->len; k++)
    {
      const LossPoint *p = &g_array_index (self->points, LossPoint, k);

      if (isfinite (p->train) && p->train > 0)
        {
          lo = MIN (lo, p->train);
          hi = MAX (hi, p->train);
        }
      if (isfinite (p->val) && p->val > 0)
        {
          lo = MIN (lo, p->val);
          hi = MAX (hi, p->val);
          have_val = TRUE;
        }
    }

  if (!(lo <= hi))
    {
      const char *text = _("The loss appears here during training");

      currents_plot_set_source_color (cr, &dim);
      text_extent (small, text, &w, &h);
      pango_layout_set_width (small, (int) (width * PANGO_SCALE));
      pango_layout_set_alignment (small, PANGO_ALIGN_CENTER);
      pango_layout_set_wrap (small, PANGO_WRAP_WORD);
      show_text (cr, small, text, 0, (height - h) / 2);
      cairo_destroy (cr);
      return;
    }

  /* whole decades around the data, at least one */
  klo = (int) floor (log10 (lo));
  khi = (int) ceil (log10 (hi));
  if (khi <= klo)
    khi = klo + 1;
  kstep = MAX (1, (khi - klo + 5) / 6);

  for (int k = klo; k <= khi; k += kstep)
    {
      g_autofree char *label = decade_label (k);

      text_extent (small, label, &w, NULL);
      label_w = MAX (label_w, w);
    }

  /* the planned epochs, or while far from them an axis that grows with the run */
  xmax = MAX ((double) self->planned, 1.0);
  if (self->points->len > 0)
    {
      double last = g_array_index (self->points, LossPoint, self->points->len - 1).epoch;

      xmax = MAX (MIN (xmax, nice_ceiling (MAX (10.0, 1.2 * last))), last);
    }

  vp.xlo = 0;
  vp.xhi = xmax;
  vp.ylo = klo;
  vp.yhi = khi;
  vp.left = label_w + TICK + 0.6 * em + 2;
  vp.top = em + 1.2 * em;               /* the legend's row */
  vp.width = MAX (width - vp.left - 0.8 * em, 1.0);
  vp.height = MAX (height - vp.top - (TICK + 0.3 * em + em + 0.2 * em), 1.0);

  /* grid: decades, and 2…9 between them when there is room */
  cairo_set_line_width (cr, 1.0);
  for (int k = klo; k <= khi; k++)
    {
      double dx, dy;

      currents_plot_viewport_to_device (&vp, 0, k, &dx, &dy);
      currents_plot_set_source_color (cr, &theme.grid);
      cairo_move_to (cr, vp.left, crisp (dy));
      cairo_line_to (cr, vp.left + vp.width, crisp (dy));
      cairo_stroke (cr);
      if (k < khi && vp.height / (khi - klo) > 40)
        for (int j = 2; j <= 9; j++)
          {
            CurrentsPlotColor minor = theme.grid;

            minor.alpha *= 0.5;
            currents_plot_viewport_to_device (&vp, 0, k + log10 (j), &dx, &dy);
            currents_plot_set_source_color (cr, &minor);
            cairo_move_to (cr, vp.left, crisp (dy));
            cairo_line_to (cr, vp.left + vp.width, crisp (dy));
            cairo_stroke (cr);
          }
    }

  /* y labels */
  for (int k = klo; k <= khi; k += kstep)
    {
      g_autofree char *label = decade_label (k);
      double dx, dy;

      currents_plot_viewport_to_device (&vp, 0, k, &dx, &dy);
      currents_plot_set_source_color (cr, &theme.frame);
      cairo_move_to (cr, crisp (vp.left) - TICK, crisp (dy));
      cairo_line_to (cr, crisp (vp.left), crisp (dy));
      cairo_stroke (cr);
      text_extent (small, label, &w, &h);
      currents_plot_set_source_color (cr, &dim);
      show_text (cr, small, label, vp.left - TICK - 0.3 * em - w, dy - h / 2);
    }

  /* x ticks: epochs */
  {
    double first, step;
    int decimals;
    guint n = currents_plot_nice_ticks (0, xmax, MAX (2, (guint) (vp.width / 70)), &first,
                                        &step, &decimals);

    for (guint k = 0; k < n; k++)
      {
        double v = first + k * step, dx, dy;
        g_autofree char *label = currents_plot_format_tick (v, MAX (decimals, 0));

        currents_plot_viewport_to_device (&vp, v, klo, &dx, &dy);
        currents_plot_set_source_color (cr, &theme.frame);
        cairo_move_to (cr, crisp (dx), crisp (vp.top + vp.height));
        cairo_line_to (cr, crisp (dx), crisp (vp.top + vp.height) + TICK);
        cairo_stroke (cr);
        text_extent (small, label, &w, &h);
        currents_plot_set_source_color (cr, &dim);
        show_text (cr, small, label, MIN (dx - w / 2, width - w - 1),
                   vp.top + vp.height + TICK + 0.2 * em);
      }
  }

  /* the axis line at the bottom and left */
  currents_plot_set_source_color (cr, &theme.frame);
  cairo_move_to (cr, crisp (vp.left), vp.top);
  cairo_line_to (cr, crisp (vp.left), crisp (vp.top + vp.height));
  cairo_line_to (cr, vp.left + vp.width, crisp (vp.top + vp.height));
  cairo_stroke (cr);

  stroke_curve (cr, &vp, self->points, FALSE, &train_color);
  if (have_val)
    stroke_curve (cr, &vp, self->points, TRUE, &val_color);

  /* the best epoch: a ring on the curve that chose it */
  if (self->best_epoch > 0)
    for (guint k = 0; k < self->points->len; k++)
      {
        const LossPoint *p = &g_array_index (self->points, LossPoint, k);
        double v = have_val && isfinite (p->val) ? p->val : p->train, dx, dy;

        if ((guint) p->epoch != self->best_epoch || !(isfinite (v) && v > 0))
          continue;
        currents_plot_viewport_to_device (&vp, p->epoch, log10 (v), &dx, &dy);
        cairo_arc (cr, dx, dy, 4.5, 0, 2 * G_PI);
        currents_plot_set_source_color (cr, &theme.plot_background);
        cairo_fill_preserve (cr);
        currents_plot_set_source_color (cr, &theme.foreground);
        cairo_set_line_width (cr, 2.0);
        cairo_stroke (cr);
        break;
      }

  /* legend above the plot area */
  {
    double x = vp.left;

    text_extent (small, "M", NULL, &h);
    draw_legend_item (cr, small, _("Training"), &train_color, &dim, FALSE, &x, 0, h);
    if (have_val)
      draw_legend_item (cr, small, _("Validation"), &val_color, &dim, FALSE, &x, 0, h);
    if (self->best_epoch > 0)
      draw_legend_item (cr, small, _("Best"), &theme.foreground, &dim, TRUE, &x, 0, h);
    {
      const char *unit = _("MSE");

      text_extent (small, unit, &w, NULL);
      if (x + w < width)
        {
          currents_plot_set_source_color (cr, &dim);
          show_text (cr, small, unit, width - w - 2, 0);
        }
    }
  }

  cairo_destroy (cr);
}

static void
dark_changed_cb (CurrentsLossPlot *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

static void
currents_loss_plot_measure (GtkWidget      *widget,
                            GtkOrientation  orientation,
                            int             for_size,
                            int            *minimum,
                            int            *natural,
                            int            *minimum_baseline,
                            int            *natural_baseline)
{
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 160 : 120;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 320 : 180;
}

static void
currents_loss_plot_dispose (GObject *object)
{
  g_signal_handlers_disconnect_by_func (adw_style_manager_get_default (), dark_changed_cb, object);

  G_OBJECT_CLASS (currents_loss_plot_parent_class)->dispose (object);
}

static void
currents_loss_plot_finalize (GObject *object)
{
  CurrentsLossPlot *self = CURRENTS_LOSS_PLOT (object);

  g_array_unref (self->points);

  G_OBJECT_CLASS (currents_loss_plot_parent_class)->finalize (object);
}

static void
currents_loss_plot_class_init (CurrentsLossPlotClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_loss_plot_dispose;
  object_class->finalize = currents_loss_plot_finalize;
  widget_class->snapshot = currents_loss_plot_snapshot;
  widget_class->measure = currents_loss_plot_measure;

  gtk_widget_class_set_css_name (widget_class, "lossplot");
  gtk_widget_class_set_accessible_role (widget_class, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
currents_loss_plot_init (CurrentsLossPlot *self)
{
  self->points = g_array_new (FALSE, FALSE, sizeof (LossPoint));
  gtk_accessible_update_property (GTK_ACCESSIBLE (self),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Loss during training"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  _("Training and validation mean squared error per epoch, "
                                    "on a logarithmic scale"),
                                  -1);
  g_signal_connect_swapped (adw_style_manager_get_default (), "notify::dark",
                            G_CALLBACK (dark_changed_cb), self);
}

GtkWidget *
currents_loss_plot_new (void)
{
  return g_object_new (CURRENTS_TYPE_LOSS_PLOT, NULL);
}

void
currents_loss_plot_reset (CurrentsLossPlot *self,
                          guint             epochs)
{
  g_return_if_fail (CURRENTS_IS_LOSS_PLOT (self));

  g_array_set_size (self->points, 0);
  self->planned = epochs;
  self->best_epoch = 0;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
currents_loss_plot_add (CurrentsLossPlot *self,
                        guint             epoch,
                        double            train_loss,
                        double            val_loss)
{
  LossPoint p = { epoch, train_loss, val_loss };

  g_return_if_fail (CURRENTS_IS_LOSS_PLOT (self));

  /* a report for an epoch already shown replaces it */
  if (self->points->len > 0 &&
      g_array_index (self->points, LossPoint, self->points->len - 1).epoch >= epoch)
    return;
  g_array_append_val (self->points, p);
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
currents_loss_plot_set_history (CurrentsLossPlot *self,
                                const double     *train_loss,
                                const double     *val_loss,
                                gsize             n)
{
  g_return_if_fail (CURRENTS_IS_LOSS_PLOT (self));

  g_array_set_size (self->points, 0);
  for (gsize e = 0; e < n; e++)
    {
      LossPoint p = { e + 1, train_loss != NULL ? train_loss[e] : NAN,
                      val_loss != NULL ? val_loss[e] : NAN };

      g_array_append_val (self->points, p);
    }
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

void
currents_loss_plot_set_best (CurrentsLossPlot *self,
                             guint             epoch)
{
  g_return_if_fail (CURRENTS_IS_LOSS_PLOT (self));

  if (self->best_epoch == epoch)
    return;
  self->best_epoch = epoch;
  gtk_widget_queue_draw (GTK_WIDGET (self));
}

guint
currents_loss_plot_get_n_points (CurrentsLossPlot *self)
{
  g_return_val_if_fail (CURRENTS_IS_LOSS_PLOT (self), 0);
  return self->points->len;
}

guint
currents_loss_plot_get_n_frames (CurrentsLossPlot *self)
{
  g_return_val_if_fail (CURRENTS_IS_LOSS_PLOT (self), 0);
  return self->n_frames;
}
