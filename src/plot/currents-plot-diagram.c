/* currents-plot-diagram.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bifurcation diagrams. Everything is kept in the caller's units and mapped to axis
 * units (log10 on a logarithmic axis) when drawn, so the viewport of the last draw is
 * linear in axis units and hit-testing goes through it.
 *
 * Layout of a figure: background, bands and regions, grid, then clipped to the plot
 * area the hatching of extrapolated stretches, branches, jumps, the marker and special
 * points; then the frame and tick labels (our own, so that log axes get labels at the
 * decades: 10⁻², 10⁻¹, 1, 10), the data's levels as a rug along the bottom, the legend
 * in the emptiest corner, and last the labels of special points, placed greedily where
 * they cover no other label, glyph, legend or (as far as possible) line.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-plot-diagram"

#include <math.h>
#include <string.h>

#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <pango/pangocairo.h>

#include "currents-plot-diagram.h"
#include "currents-plot-export-private.h"
#include "currents-plot-private.h"

#define TICK_LENGTH     CURRENTS_PLOT_TICK_LENGTH
#define MINOR_TICK      3.0
#define SPECIAL_RADIUS  4.5
#define DEVICE_LIMIT    1e6

typedef struct
{
  CurrentsPlotBranchKind kind;
  double                *x;
  double                *y;
  gboolean              *stable;
  gboolean              *extrapolated;
  gsize                  n;
  guint                  color_index;
} Branch;

typedef struct
{
  CurrentsPlotSpecialKind kind;
  double                  x;
  double                  y;
  char                   *label;
  /* from the last draw */
  gboolean                drawn;
  double                  dx;
  double                  dy;
} Special;

typedef struct
{
  double  lo;
  double  hi;
  char   *label;
} Band;

typedef struct
{
  double *x;
  double *y;
  gsize   n;
  char   *label;
} Region;

typedef struct
{
  double x;
  double y_from;
  double y_to;
} Jump;

/* An ensemble's tipping point: its interval, median and members' values. */
typedef struct
{
  double  lo;
  double  hi;
  double  median;
  double *members;
  gsize   n_members;
} Interval;

struct _CurrentsPlotDiagram
{
  GPtrArray            *branches;
  GArray               *specials;
  GArray               *bands;
  GPtrArray            *regions;
  GArray               *jumps;
  GArray               *levels;
  GArray               *intervals;
  GArray               *metadata;
  char                 *x_label;
  char                 *y_label;
  gboolean              log_x;
  gboolean              log_y;
  gboolean              has_window;
  double                window[4];
  double                marker_x;
  double                marker_y;
  gboolean              show_legend;

  gboolean              has_viewport;
  CurrentsPlotViewport  viewport;
};

/* A device rectangle, for label placement. */
typedef struct
{
  double x, y, w, h;
} Rect;

/* One tick of an axis, in axis units. */
typedef struct
{
  double  value;
  char   *label;  /* NULL for a minor tick */
} Tick;

const char *
currents_plot_special_kind_to_string (CurrentsPlotSpecialKind kind)
{
  switch (kind)
    {
    case CURRENTS_PLOT_SPECIAL_FOLD:
      return "fold";
    case CURRENTS_PLOT_SPECIAL_HOPF:
      return "hopf";
    case CURRENTS_PLOT_SPECIAL_BRANCH_POINT:
      return "branch point";
    case CURRENTS_PLOT_SPECIAL_CUSP:
      return "cusp";
    case CURRENTS_PLOT_SPECIAL_BOGDANOV_TAKENS:
      return "bogdanov-takens";
    case CURRENTS_PLOT_SPECIAL_PERIOD_DOUBLING:
      return "period doubling";
    default:
      return NULL;
    }
}

static void
branch_free (gpointer data)
{
  Branch *b = data;

  g_free (b->x);
  g_free (b->y);
  g_free (b->stable);
  g_free (b->extrapolated);
  g_free (b);
}

static void
special_clear (gpointer data)
{
  Special *s = data;

  g_clear_pointer (&s->label, g_free);
}

static void
band_clear (gpointer data)
{
  Band *b = data;

  g_clear_pointer (&b->label, g_free);
}

static void
interval_clear (gpointer data)
{
  Interval *iv = data;

  g_clear_pointer (&iv->members, g_free);
}

static void
region_free (gpointer data)
{
  Region *r = data;

  g_free (r->x);
  g_free (r->y);
  g_free (r->label);
  g_free (r);
}

CurrentsPlotDiagram *
currents_plot_diagram_new (void)
{
  CurrentsPlotDiagram *d = g_new0 (CurrentsPlotDiagram, 1);

  d->branches = g_ptr_array_new_with_free_func (branch_free);
  d->specials = g_array_new (FALSE, TRUE, sizeof (Special));
  g_array_set_clear_func (d->specials, special_clear);
  d->bands = g_array_new (FALSE, TRUE, sizeof (Band));
  g_array_set_clear_func (d->bands, band_clear);
  d->regions = g_ptr_array_new_with_free_func (region_free);
  d->jumps = g_array_new (FALSE, TRUE, sizeof (Jump));
  d->levels = g_array_new (FALSE, TRUE, sizeof (double));
  d->intervals = g_array_new (FALSE, TRUE, sizeof (Interval));
  g_array_set_clear_func (d->intervals, interval_clear);
  d->metadata = _currents_plot_metadata_new ();
  d->marker_x = NAN;
  d->marker_y = NAN;
  d->show_legend = TRUE;
  return d;
}

void
currents_plot_diagram_free (CurrentsPlotDiagram *diagram)
{
  if (diagram == NULL)
    return;
  g_ptr_array_unref (diagram->branches);
  g_array_unref (diagram->specials);
  g_array_unref (diagram->bands);
  g_ptr_array_unref (diagram->regions);
  g_array_unref (diagram->jumps);
  g_array_unref (diagram->levels);
  g_array_unref (diagram->intervals);
  g_array_unref (diagram->metadata);
  g_free (diagram->x_label);
  g_free (diagram->y_label);
  g_free (diagram);
}

void
currents_plot_diagram_set_labels (CurrentsPlotDiagram *diagram,
                                  const char          *x_label,
                                  const char          *y_label)
{
  g_return_if_fail (diagram != NULL);

  g_free (diagram->x_label);
  g_free (diagram->y_label);
  diagram->x_label = g_strdup (x_label);
  diagram->y_label = g_strdup (y_label);
}

void
currents_plot_diagram_set_log (CurrentsPlotDiagram *diagram,
                               gboolean             log_x,
                               gboolean             log_y)
{
  g_return_if_fail (diagram != NULL);

  diagram->log_x = !!log_x;
  diagram->log_y = !!log_y;
}

void
currents_plot_diagram_set_window (CurrentsPlotDiagram *diagram,
                                  double               xlo,
                                  double               xhi,
                                  double               ylo,
                                  double               yhi)
{
  g_return_if_fail (diagram != NULL);
  g_return_if_fail (isfinite (xlo) && isfinite (xhi) && xlo < xhi);
  g_return_if_fail (isfinite (ylo) && isfinite (yhi) && ylo < yhi);

  diagram->has_window = TRUE;
  diagram->window[0] = xlo;
  diagram->window[1] = xhi;
  diagram->window[2] = ylo;
  diagram->window[3] = yhi;
}

void
currents_plot_diagram_unset_window (CurrentsPlotDiagram *diagram)
{
  g_return_if_fail (diagram != NULL);

  diagram->has_window = FALSE;
}

/* Own units to axis units: log10 on a log axis (NaN for non-positive values). */
static inline double
axis_value (gboolean log_scale,
            double   v)
{
  if (!isfinite (v))
    return NAN;
  if (log_scale)
    return v > 0.0 ? log10 (v) : NAN;
  return v;
}

static inline double
own_value (gboolean log_scale,
           double   a)
{
  return log_scale ? pow (10.0, a) : a;
}

static void
extend (double *lo,
        double *hi,
        double  v)
{
  if (!isfinite (v))
    return;
  *lo = MIN (*lo, v);
  *hi = MAX (*hi, v);
}

/* The window in axis units; FALSE when there is nothing to fit (then a default). */
static gboolean
axis_window (const CurrentsPlotDiagram *d,
             double                     w[4])
{
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;

  if (d->has_window)
    {
      w[0] = axis_value (d->log_x, d->window[0]);
      w[1] = axis_value (d->log_x, d->window[1]);
      w[2] = axis_value (d->log_y, d->window[2]);
      w[3] = axis_value (d->log_y, d->window[3]);
      if (isfinite (w[0]) && isfinite (w[1]) && isfinite (w[2]) && isfinite (w[3]))
        return TRUE;
      /* a window with non-positive ends on a log axis: fit instead */
    }

  for (guint i = 0; i < d->branches->len; i++)
    {
      const Branch *b = g_ptr_array_index (d->branches, i);

      for (gsize k = 0; k < b->n; k++)
        {
          double ax = axis_value (d->log_x, b->x[k]), ay = axis_value (d->log_y, b->y[k]);

          if (isfinite (ax) && isfinite (ay))
            {
              extend (&xlo, &xhi, ax);
              extend (&ylo, &yhi, ay);
            }
        }
    }
  for (guint i = 0; i < d->specials->len; i++)
    {
      const Special *s = &g_array_index (d->specials, Special, i);
      double ax = axis_value (d->log_x, s->x), ay = axis_value (d->log_y, s->y);

      if (isfinite (ax) && isfinite (ay))
        {
          extend (&xlo, &xhi, ax);
          extend (&ylo, &yhi, ay);
        }
    }
  for (guint i = 0; i < d->regions->len; i++)
    {
      const Region *r = g_ptr_array_index (d->regions, i);

      for (gsize k = 0; k < r->n; k++)
        {
          double ax = axis_value (d->log_x, r->x[k]), ay = axis_value (d->log_y, r->y[k]);

          if (isfinite (ax) && isfinite (ay))
            {
              extend (&xlo, &xhi, ax);
              extend (&ylo, &yhi, ay);
            }
        }
    }
  for (guint i = 0; i < d->jumps->len; i++)
    {
      const Jump *j = &g_array_index (d->jumps, Jump, i);

      extend (&xlo, &xhi, axis_value (d->log_x, j->x));
      extend (&ylo, &yhi, axis_value (d->log_y, j->y_from));
      extend (&ylo, &yhi, axis_value (d->log_y, j->y_to));
    }
  for (guint i = 0; i < d->bands->len; i++)
    {
      const Band *b = &g_array_index (d->bands, Band, i);

      extend (&xlo, &xhi, axis_value (d->log_x, b->lo));
      extend (&xlo, &xhi, axis_value (d->log_x, b->hi));
    }
  for (guint i = 0; i < d->intervals->len; i++)
    {
      const Interval *iv = &g_array_index (d->intervals, Interval, i);

      extend (&xlo, &xhi, axis_value (d->log_x, iv->lo));
      extend (&xlo, &xhi, axis_value (d->log_x, iv->hi));
    }

  if (!(xlo <= xhi) || !(ylo <= yhi))
    {
      w[0] = d->log_x ? 0.0 : 0.0;
      w[1] = 1.0;
      w[2] = 0.0;
      w[3] = 1.0;
      return FALSE;
    }
  currents_plot_pad_range (&xlo, &xhi, 0.03);
  currents_plot_pad_range (&ylo, &yhi, 0.06);
  w[0] = xlo;
  w[1] = xhi;
  w[2] = ylo;
  w[3] = yhi;
  return TRUE;
}

gboolean
currents_plot_diagram_get_window (const CurrentsPlotDiagram *diagram,
                                  double                     window[4])
{
  double w[4];
  gboolean ok;

  g_return_val_if_fail (diagram != NULL, FALSE);

  ok = axis_window (diagram, w);
  if (window != NULL)
    {
      if (diagram->has_window && ok)
        memcpy (window, diagram->window, sizeof diagram->window);
      else
        {
          window[0] = own_value (diagram->log_x, w[0]);
          window[1] = own_value (diagram->log_x, w[1]);
          window[2] = own_value (diagram->log_y, w[2]);
          window[3] = own_value (diagram->log_y, w[3]);
        }
    }
  return ok;
}

void
currents_plot_diagram_clear (CurrentsPlotDiagram *diagram)
{
  g_return_if_fail (diagram != NULL);

  g_ptr_array_set_size (diagram->branches, 0);
  g_array_set_size (diagram->specials, 0);
  g_array_set_size (diagram->bands, 0);
  g_ptr_array_set_size (diagram->regions, 0);
  g_array_set_size (diagram->jumps, 0);
  g_array_set_size (diagram->levels, 0);
  g_array_set_size (diagram->intervals, 0);
  diagram->marker_x = NAN;
  diagram->marker_y = NAN;
}

guint
currents_plot_diagram_add_branch (CurrentsPlotDiagram    *diagram,
                                  CurrentsPlotBranchKind  kind,
                                  const double           *x,
                                  const double           *y,
                                  const gboolean         *stable,
                                  const gboolean         *extrapolated,
                                  gsize                   n,
                                  guint                   color_index)
{
  Branch *b;

  g_return_val_if_fail (diagram != NULL, 0);
  g_return_val_if_fail (n == 0 || (x != NULL && y != NULL), 0);

  b = g_new0 (Branch, 1);
  b->kind = kind;
  b->n = n;
  b->color_index = color_index;
  b->x = g_new (double, MAX (n, 1));
  b->y = g_new (double, MAX (n, 1));
  b->stable = g_new (gboolean, MAX (n, 1));
  if (n > 0)
    {
      memcpy (b->x, x, n * sizeof (double));
      memcpy (b->y, y, n * sizeof (double));
    }
  for (gsize k = 0; k < n; k++)
    b->stable[k] = stable != NULL ? !!stable[k] : TRUE;
  if (extrapolated != NULL)
    {
      b->extrapolated = g_new (gboolean, MAX (n, 1));
      for (gsize k = 0; k < n; k++)
        b->extrapolated[k] = !!extrapolated[k];
    }
  g_ptr_array_add (diagram->branches, b);
  return diagram->branches->len - 1;
}

guint
currents_plot_diagram_add_special (CurrentsPlotDiagram     *diagram,
                                   CurrentsPlotSpecialKind  kind,
                                   double                   x,
                                   double                   y,
                                   const char              *label)
{
  Special s = { 0 };

  g_return_val_if_fail (diagram != NULL, 0);

  s.kind = kind;
  s.x = x;
  s.y = y;
  s.label = label != NULL && *label != '\0' ? g_strdup (label) : NULL;
  s.dx = NAN;
  s.dy = NAN;
  g_array_append_val (diagram->specials, s);
  return diagram->specials->len - 1;
}

guint
currents_plot_diagram_get_n_special (const CurrentsPlotDiagram *diagram)
{
  g_return_val_if_fail (diagram != NULL, 0);

  return diagram->specials->len;
}

gboolean
currents_plot_diagram_get_special (const CurrentsPlotDiagram *diagram,
                                   guint                      index,
                                   CurrentsPlotSpecialKind   *kind,
                                   double                    *x,
                                   double                    *y)
{
  const Special *s;

  g_return_val_if_fail (diagram != NULL, FALSE);

  if (index >= diagram->specials->len)
    return FALSE;
  s = &g_array_index (diagram->specials, Special, index);
  if (kind != NULL)
    *kind = s->kind;
  if (x != NULL)
    *x = s->x;
  if (y != NULL)
    *y = s->y;
  return TRUE;
}

void
currents_plot_diagram_add_band (CurrentsPlotDiagram *diagram,
                                double               lo,
                                double               hi,
                                const char          *label)
{
  Band b;

  g_return_if_fail (diagram != NULL);

  if (!isfinite (lo) || !isfinite (hi))
    return;
  b.lo = MIN (lo, hi);
  b.hi = MAX (lo, hi);
  b.label = label != NULL && *label != '\0' ? g_strdup (label) : NULL;
  g_array_append_val (diagram->bands, b);
}

guint
currents_plot_diagram_add_interval (CurrentsPlotDiagram *diagram,
                                    double               lo,
                                    double               hi,
                                    double               median,
                                    const double        *members,
                                    gsize                n_members)
{
  Interval iv;

  g_return_val_if_fail (diagram != NULL, 0);
  g_return_val_if_fail (n_members == 0 || members != NULL, 0);

  iv.lo = MIN (lo, hi);
  iv.hi = MAX (lo, hi);
  iv.median = median;
  iv.members = n_members > 0 ? g_memdup2 (members, n_members * sizeof (double)) : NULL;
  iv.n_members = n_members;
  g_array_append_val (diagram->intervals, iv);
  return diagram->intervals->len - 1;
}

guint
currents_plot_diagram_get_n_intervals (const CurrentsPlotDiagram *diagram)
{
  g_return_val_if_fail (diagram != NULL, 0);

  return diagram->intervals->len;
}

gboolean
currents_plot_diagram_get_interval (const CurrentsPlotDiagram *diagram,
                                    guint                      index,
                                    double                    *lo,
                                    double                    *hi,
                                    double                    *median,
                                    const double             **members,
                                    gsize                     *n_members)
{
  const Interval *iv;

  g_return_val_if_fail (diagram != NULL, FALSE);

  if (index >= diagram->intervals->len)
    return FALSE;
  iv = &g_array_index (diagram->intervals, Interval, index);
  if (lo != NULL)
    *lo = iv->lo;
  if (hi != NULL)
    *hi = iv->hi;
  if (median != NULL)
    *median = iv->median;
  if (members != NULL)
    *members = iv->members;
  if (n_members != NULL)
    *n_members = iv->n_members;
  return TRUE;
}

void
currents_plot_diagram_add_region (CurrentsPlotDiagram *diagram,
                                  const double        *x,
                                  const double        *y,
                                  gsize                n,
                                  const char          *label)
{
  Region *r;

  g_return_if_fail (diagram != NULL);
  g_return_if_fail (n == 0 || (x != NULL && y != NULL));

  if (n < 3)
    return;
  r = g_new0 (Region, 1);
  r->x = g_memdup2 (x, n * sizeof (double));
  r->y = g_memdup2 (y, n * sizeof (double));
  r->n = n;
  r->label = label != NULL && *label != '\0' ? g_strdup (label) : NULL;
  g_ptr_array_add (diagram->regions, r);
}

void
currents_plot_diagram_add_jump (CurrentsPlotDiagram *diagram,
                                double               x,
                                double               y_from,
                                double               y_to)
{
  Jump j = { x, y_from, y_to };

  g_return_if_fail (diagram != NULL);

  g_array_append_val (diagram->jumps, j);
}

void
currents_plot_diagram_set_levels (CurrentsPlotDiagram *diagram,
                                  const double        *levels,
                                  gsize                n)
{
  g_return_if_fail (diagram != NULL);
  g_return_if_fail (n == 0 || levels != NULL);

  g_array_set_size (diagram->levels, 0);
  if (n > 0)
    g_array_append_vals (diagram->levels, levels, n);
}

void
currents_plot_diagram_set_marker (CurrentsPlotDiagram *diagram,
                                  double               x,
                                  double               y)
{
  g_return_if_fail (diagram != NULL);

  diagram->marker_x = x;
  diagram->marker_y = y;
}

void
currents_plot_diagram_set_show_legend (CurrentsPlotDiagram *diagram,
                                       gboolean             show)
{
  g_return_if_fail (diagram != NULL);

  diagram->show_legend = !!show;
}

void
currents_plot_diagram_set_metadata (CurrentsPlotDiagram *diagram,
                                    const char          *key,
                                    const char          *value)
{
  g_return_if_fail (diagram != NULL);
  g_return_if_fail (key != NULL && *key != '\0');

  _currents_plot_metadata_set (diagram->metadata, key, value);
}

/* ---- text and ticks ---- */

/* "10⁻²", "10⁻¹", "1", "10", "10²", … */
static char *
decade_label (int k)
{
  static const char *const sup[] = {
    "\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074",
    "\u2075", "\u2076", "\u2077", "\u2078", "\u2079",
  };
  g_autoptr(GString) s = NULL;
  char digits[16];

  if (k == 0)
    return g_strdup ("1");
  if (k == 1)
    return g_strdup ("10");
  s = g_string_new ("10");
  if (k < 0)
    g_string_append (s, "\u207b");
  g_snprintf (digits, sizeof digits, "%d", ABS (k));
  for (const char *p = digits; *p != '\0'; p++)
    g_string_append (s, sup[*p - '0']);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

static void
tick_clear (gpointer data)
{
  Tick *t = data;

  g_clear_pointer (&t->label, g_free);
}

/* Ticks on [lo, hi] (axis units) with about @target labelled ones. A log axis spanning
 * a decade or more is labelled at decades (every k-th when crowded) with minor ticks at
 * 2…9 × 10ᵏ; a shorter one at nice values of the quantity itself. */
static GArray *
axis_ticks (double   lo,
            double   hi,
            gboolean log_scale,
            guint    target)
{
  GArray *ticks = g_array_new (FALSE, TRUE, sizeof (Tick));
  double first, step;
  int decimals;
  guint n;

  g_array_set_clear_func (ticks, tick_clear);
  if (!isfinite (lo) || !isfinite (hi) || !(hi > lo))
    return ticks;

  if (log_scale && hi - lo >= 0.999)
    {
      int k0 = (int) ceil (lo - 1e-9), k1 = (int) floor (hi + 1e-9);
      int every = MAX (1, (int) ceil ((double) (k1 - k0 + 1) / MAX (target, 2u)));

      for (int k = (int) floor (lo); k <= k1; k++)
        {
          if (k >= k0 && (k - k0) % every == 0)
            {
              Tick t = { (double) k, decade_label (k) };

              g_array_append_val (ticks, t);
            }
          else if (k >= k0)
            {
              Tick t = { (double) k, NULL };

              g_array_append_val (ticks, t);
            }
          if (every == 1 && hi - lo < 6.0)
            for (int m = 2; m <= 9; m++)
              {
                double v = k + log10 ((double) m);

                if (v > lo && v < hi)
                  {
                    Tick t = { v, NULL };

                    g_array_append_val (ticks, t);
                  }
              }
        }
      return ticks;
    }

  if (log_scale)
    {
      double vlo = pow (10.0, lo), vhi = pow (10.0, hi);

      n = currents_plot_nice_ticks (vlo, vhi, target, &first, &step, &decimals);
      for (guint k = 0; k < n; k++)
        {
          double v = first + k * step;
          Tick t;

          if (!(v > 0.0))
            continue;
          t.value = log10 (v);
          t.label = currents_plot_format_tick (v, decimals);
          g_array_append_val (ticks, t);
        }
      return ticks;
    }

  n = currents_plot_nice_ticks (lo, hi, target, &first, &step, &decimals);
  for (guint k = 0; k < n; k++)
    {
      double v = first + k * step;
      Tick t;

      if (fabs (v) < 1e-9 * step)
        v = 0.0;
      t.value = v;
      t.label = currents_plot_format_tick (v, decimals);
      g_array_append_val (ticks, t);
    }
  return ticks;
}

static guint
x_tick_target (double width)
{
  return (guint) CLAMP (width / 90.0, 2.0, 12.0);
}

static guint
y_tick_target (double height)
{
  return (guint) CLAMP (height / 60.0, 2.0, 12.0);
}

static void
layout_figure (CurrentsPlotDiagram     *d,
               cairo_t                 *cr,
               const CurrentsPlotTheme *theme,
               double                   width,
               double                   height,
               const double             w[4],
               double                   right_extra,
               double                   top_extra,
               CurrentsPlotViewport    *vp)
{
  g_autoptr(PangoLayout) layout = _currents_plot_create_layout (cr, theme, FALSE, 1.0);
  g_autoptr(GArray) ticks = NULL;
  double em, gap, pad, label_w = 0.0;

  _currents_plot_text_size (layout, "0", NULL, &em);
  gap = 0.35 * em;
  pad = 0.9 * em;

  vp->xlo = w[0];
  vp->xhi = w[1];
  vp->ylo = w[2];
  vp->yhi = w[3];
  vp->top = pad + top_extra;
  /* decade labels carry superscripts: a little more room under the axis */
  vp->height = height - vp->top - (TICK_LENGTH + gap + 1.1 * em + gap + em + pad);
  vp->height = MAX (vp->height, 1.0);

  ticks = axis_ticks (w[2], w[3], d->log_y, y_tick_target (vp->height));
  for (guint k = 0; k < ticks->len; k++)
    {
      const Tick *t = &g_array_index (ticks, Tick, k);
      double tw;

      if (t->label == NULL)
        continue;
      _currents_plot_text_size (layout, t->label, &tw, NULL);
      label_w = MAX (label_w, tw);
    }
  vp->left = pad + em + 2 * gap + label_w + gap + TICK_LENGTH;
  vp->width = width - vp->left - pad - 0.5 * em - right_extra;
  vp->width = MAX (vp->width, 1.0);
}

static void
draw_grid (const CurrentsPlotDiagram  *d,
           cairo_t                    *cr,
           const CurrentsPlotTheme    *theme,
           const CurrentsPlotViewport *vp)
{
  g_autoptr(GArray) xt = axis_ticks (vp->xlo, vp->xhi, d->log_x, x_tick_target (vp->width));
  g_autoptr(GArray) yt = axis_ticks (vp->ylo, vp->yhi, d->log_y, y_tick_target (vp->height));
  double dx, dy;

  cairo_save (cr);
  cairo_set_line_width (cr, 1.0);
  currents_plot_set_source_color (cr, &theme->grid);
  for (guint k = 0; k < xt->len; k++)
    {
      const Tick *t = &g_array_index (xt, Tick, k);

      if (t->label == NULL)
        continue;
      currents_plot_viewport_to_device (vp, t->value, vp->ylo, &dx, &dy);
      cairo_move_to (cr, _currents_plot_crisp (dx), vp->top);
      cairo_line_to (cr, _currents_plot_crisp (dx), vp->top + vp->height);
    }
  for (guint k = 0; k < yt->len; k++)
    {
      const Tick *t = &g_array_index (yt, Tick, k);

      if (t->label == NULL)
        continue;
      currents_plot_viewport_to_device (vp, vp->xlo, t->value, &dx, &dy);
      cairo_move_to (cr, vp->left, _currents_plot_crisp (dy));
      cairo_line_to (cr, vp->left + vp->width, _currents_plot_crisp (dy));
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
draw_axes (const CurrentsPlotDiagram  *d,
           cairo_t                    *cr,
           const CurrentsPlotTheme    *theme,
           const CurrentsPlotViewport *vp)
{
  g_autoptr(PangoLayout) layout = _currents_plot_create_layout (cr, theme, FALSE, 1.0);
  g_autoptr(PangoLayout) title = _currents_plot_create_layout (cr, theme, TRUE, 1.0);
  g_autoptr(GArray) xt = axis_ticks (vp->xlo, vp->xhi, d->log_x, x_tick_target (vp->width));
  g_autoptr(GArray) yt = axis_ticks (vp->ylo, vp->yhi, d->log_y, y_tick_target (vp->height));
  double right = vp->left + vp->width, bottom = vp->top + vp->height;
  double dx, dy, w, em, gap, label_w = 0.0;

  _currents_plot_text_size (layout, "0", NULL, &em);
  gap = 0.35 * em;

  cairo_save (cr);
  _currents_plot_stroke_frame (cr, theme, vp);

  for (guint k = 0; k < xt->len; k++)
    {
      const Tick *t = &g_array_index (xt, Tick, k);
      double len = t->label != NULL ? TICK_LENGTH : MINOR_TICK;

      currents_plot_viewport_to_device (vp, t->value, vp->ylo, &dx, &dy);
      if (dx < vp->left - 0.5 || dx > right + 0.5)
        continue;
      _currents_plot_draw_x_tick (cr, theme, vp, layout, dx, len, t->label, gap);
    }

  for (guint k = 0; k < yt->len; k++)
    {
      const Tick *t = &g_array_index (yt, Tick, k);
      double len = t->label != NULL ? TICK_LENGTH : MINOR_TICK;

      currents_plot_viewport_to_device (vp, vp->xlo, t->value, &dx, &dy);
      if (dy < vp->top - 0.5 || dy > bottom + 0.5)
        continue;
      w = _currents_plot_draw_y_tick (cr, theme, vp, layout, dy, len, t->label, gap);
      label_w = MAX (label_w, w);
    }

  _currents_plot_draw_titles (cr, theme, vp, title, d->x_label,
                              bottom + TICK_LENGTH + gap + 1.1 * em + gap, d->y_label,
                              vp->left - TICK_LENGTH - gap - label_w - gap);
  cairo_restore (cr);
}

/* ---- geometry ---- */

static gboolean
to_device (const CurrentsPlotDiagram  *d,
           const CurrentsPlotViewport *vp,
           double                      x,
           double                      y,
           double                     *dx,
           double                     *dy)
{
  double ax = axis_value (d->log_x, x), ay = axis_value (d->log_y, y);

  if (!isfinite (ax) || !isfinite (ay))
    return FALSE;
  currents_plot_viewport_to_device (vp, ax, ay, dx, dy);
  *dx = CLAMP (*dx, -DEVICE_LIMIT, DEVICE_LIMIT);
  *dy = CLAMP (*dy, -DEVICE_LIMIT, DEVICE_LIMIT);
  return TRUE;
}

static gboolean
inside (const CurrentsPlotViewport *vp,
        double                      dx,
        double                      dy,
        double                      slack)
{
  return dx >= vp->left - slack && dx <= vp->left + vp->width + slack
         && dy >= vp->top - slack && dy <= vp->top + vp->height + slack;
}

/* Whether the segment (x0, y0)–(x1, y1) crosses the plot area (Liang–Barsky). */
static gboolean
segment_visible (const CurrentsPlotViewport *vp,
                 double                      x0,
                 double                      y0,
                 double                      x1,
                 double                      y1)
{
  double t0 = 0.0, t1 = 1.0;
  double ddx = x1 - x0, ddy = y1 - y0;
  const double p[4] = { -ddx, ddx, -ddy, ddy };
  const double q[4] = { x0 - vp->left, vp->left + vp->width - x0,
                        y0 - vp->top, vp->top + vp->height - y0 };

  for (int i = 0; i < 4; i++)
    {
      if (p[i] == 0.0)
        {
          if (q[i] < 0.0)
            return FALSE;
          continue;
        }
      double r = q[i] / p[i];

      if (p[i] < 0.0)
        t0 = MAX (t0, r);
      else
        t1 = MIN (t1, r);
      if (t0 > t1)
        return FALSE;
    }
  return TRUE;
}

static gboolean
rects_overlap (const Rect *a,
               const Rect *b)
{
  return a->x < b->x + b->w && b->x < a->x + a->w && a->y < b->y + b->h && b->y < a->y + a->h;
}

/* ---- content ---- */

static void
special_path (cairo_t                 *cr,
              CurrentsPlotSpecialKind  kind,
              double                   x,
              double                   y,
              double                   r)
{
  switch (kind)
    {
    case CURRENTS_PLOT_SPECIAL_FOLD:
      cairo_rectangle (cr, x - 0.85 * r, y - 0.85 * r, 1.7 * r, 1.7 * r);
      break;
    case CURRENTS_PLOT_SPECIAL_HOPF:
    case CURRENTS_PLOT_SPECIAL_PERIOD_DOUBLING:
      cairo_move_to (cr, x, y - 1.2 * r);
      cairo_line_to (cr, x + 1.2 * r, y);
      cairo_line_to (cr, x, y + 1.2 * r);
      cairo_line_to (cr, x - 1.2 * r, y);
      cairo_close_path (cr);
      break;
    case CURRENTS_PLOT_SPECIAL_CUSP:
      cairo_move_to (cr, x, y - 1.2 * r);
      cairo_line_to (cr, x + 1.1 * r, y + 0.8 * r);
      cairo_line_to (cr, x - 1.1 * r, y + 0.8 * r);
      cairo_close_path (cr);
      break;
    case CURRENTS_PLOT_SPECIAL_BOGDANOV_TAKENS:
      cairo_move_to (cr, x, y + 1.2 * r);
      cairo_line_to (cr, x + 1.1 * r, y - 0.8 * r);
      cairo_line_to (cr, x - 1.1 * r, y - 0.8 * r);
      cairo_close_path (cr);
      break;
    case CURRENTS_PLOT_SPECIAL_BRANCH_POINT:
    default:
      cairo_new_sub_path (cr);
      cairo_arc (cr, x, y, r, 0, 2 * G_PI);
      break;
    }
}

static void
special_color (const CurrentsPlotTheme *theme,
               CurrentsPlotSpecialKind  kind,
               CurrentsPlotColor       *color)
{
  switch (kind)
    {
    case CURRENTS_PLOT_SPECIAL_HOPF:
      currents_plot_theme_palette_color (theme, 2, color);   /* red */
      break;
    case CURRENTS_PLOT_SPECIAL_BOGDANOV_TAKENS:
      currents_plot_theme_palette_color (theme, 3, color);   /* purple */
      break;
    case CURRENTS_PLOT_SPECIAL_PERIOD_DOUBLING:
      currents_plot_theme_palette_color (theme, 1, color);   /* green */
      break;
    default:
      *color = theme->equilibrium;
      break;
    }
}

/* A special point's glyph: a square for a fold, a diamond for Hopf, a circled cross for
 * a branch point, a triangle for a cusp (pointing down for Bogdanov–Takens), an open
 * diamond for period doubling; a halo in the paper colour keeps it clear of lines. */
static void
draw_special_glyph (cairo_t                 *cr,
                    const CurrentsPlotTheme *theme,
                    CurrentsPlotSpecialKind  kind,
                    double                   x,
                    double                   y,
                    double                   r)
{
  CurrentsPlotColor ink;

  special_color (theme, kind, &ink);
  cairo_save (cr);
  cairo_new_path (cr);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_MITER);
  special_path (cr, kind, x, y, r);
  currents_plot_set_source_color (cr, &theme->plot_background);
  cairo_set_line_width (cr, 3.0);
  cairo_stroke_preserve (cr);
  switch (kind)
    {
    case CURRENTS_PLOT_SPECIAL_BRANCH_POINT:
    case CURRENTS_PLOT_SPECIAL_PERIOD_DOUBLING:
      cairo_fill_preserve (cr);
      currents_plot_set_source_color (cr, &ink);
      cairo_set_line_width (cr, 1.4);
      cairo_stroke (cr);
      if (kind == CURRENTS_PLOT_SPECIAL_BRANCH_POINT)
        {
          double c = 0.7 * r;

          cairo_move_to (cr, x - c, y - c);
          cairo_line_to (cr, x + c, y + c);
          cairo_move_to (cr, x - c, y + c);
          cairo_line_to (cr, x + c, y - c);
          cairo_stroke (cr);
        }
      break;
    default:
      currents_plot_set_source_color (cr, &ink);
      cairo_fill (cr);
      break;
    }
  cairo_restore (cr);
}

static void
branch_color (const CurrentsPlotTheme *theme,
              const Branch            *b,
              CurrentsPlotColor       *color)
{
  currents_plot_theme_palette_color (theme, b->color_index, color);
}

/* Hatching along the extrapolated stretches of a branch: short strokes at 45° every few
 * device units, so that the line itself stays readable through them. Returns the
 * number of segments hatched inside the plot area. */
static guint
draw_hatching (const CurrentsPlotDiagram  *d,
               cairo_t                    *cr,
               const CurrentsPlotTheme    *theme,
               const CurrentsPlotViewport *vp,
               const Branch               *b)
{
  const double spacing = 4.0, half = 4.5;
  CurrentsPlotColor ink = theme->foreground;
  double carry = 0.0;
  guint count = 0;

  if (b->extrapolated == NULL || b->n < 2)
    return 0;

  cairo_save (cr);
  ink.alpha *= 0.45;
  currents_plot_set_source_color (cr, &ink);
  cairo_set_line_width (cr, 1.0);
  for (gsize k = 0; k + 1 < b->n; k++)
    {
      double x0, y0, x1, y1, len;

      if (!(b->extrapolated[k] && b->extrapolated[k + 1]))
        {
          carry = 0.0;
          continue;
        }
      if (!to_device (d, vp, b->x[k], b->y[k], &x0, &y0)
          || !to_device (d, vp, b->x[k + 1], b->y[k + 1], &x1, &y1))
        continue;
      if (!segment_visible (vp, x0, y0, x1, y1))
        continue;
      count++;
      len = hypot (x1 - x0, y1 - y0);
      for (double s = carry; s < len; s += spacing)
        {
          double f = len > 0.0 ? s / len : 0.0;
          double px = x0 + f * (x1 - x0), py = y0 + f * (y1 - y0);

          cairo_move_to (cr, px - half, py + half);
          cairo_line_to (cr, px + half, py - half);
          carry = s + spacing - len;
        }
      if (len <= 0.0)
        carry = MAX (carry, 0.0);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
  return count;
}

/* A branch of equilibria or a curve of two parameters: runs of one stability stroked
 * as one path each (so dashes flow along the curve). A segment is solid when both its
 * ends are stable. Counts the segments that cross the plot area. */
static guint
draw_lines (const CurrentsPlotDiagram  *d,
            cairo_t                    *cr,
            const CurrentsPlotTheme    *theme,
            const CurrentsPlotViewport *vp,
            const Branch               *b,
            double                      line_width,
            gboolean                    dashed_unstable,
            guint                      *n_stable,
            guint                      *n_unstable,
            GArray                     *occupied)
{
  const double dash[] = { 5.0, 3.5 };
  CurrentsPlotColor color;
  guint visible = 0;
  gsize k = 0;

  branch_color (theme, b, &color);
  cairo_save (cr);
  currents_plot_set_source_color (cr, &color);
  cairo_set_line_width (cr, line_width);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);

  while (k + 1 < b->n)
    {
      gboolean run_stable = b->stable[k] && b->stable[k + 1];
      gboolean pen = FALSE;
      double px = 0.0, py = 0.0;

      cairo_new_path (cr);
      for (; k + 1 < b->n; k++)
        {
          gboolean st = b->stable[k] && b->stable[k + 1];
          double x0, y0, x1, y1;

          if (st != run_stable)
            break;
          if (!to_device (d, vp, b->x[k], b->y[k], &x0, &y0)
              || !to_device (d, vp, b->x[k + 1], b->y[k + 1], &x1, &y1))
            {
              pen = FALSE;
              continue;
            }
          if (!pen || fabs (px - x0) + fabs (py - y0) > 0.01)
            cairo_move_to (cr, x0, y0);
          cairo_line_to (cr, x1, y1);
          pen = TRUE;
          px = x1;
          py = y1;
          if (segment_visible (vp, x0, y0, x1, y1))
            {
              visible++;
              if (st || !dashed_unstable)
                (*n_stable)++;
              else
                (*n_unstable)++;
              if (occupied != NULL)
                {
                  double mid[2] = { 0.5 * (x0 + x1), 0.5 * (y0 + y1) };

                  g_array_append_vals (occupied, &x0, 1);
                  g_array_append_vals (occupied, &y0, 1);
                  g_array_append_vals (occupied, mid, 2);
                }
            }
        }
      if (dashed_unstable && !run_stable)
        cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
      else
        cairo_set_dash (cr, NULL, 0, 0.0);
      cairo_set_line_cap (cr, dashed_unstable && !run_stable ? CAIRO_LINE_CAP_BUTT
                                                             : CAIRO_LINE_CAP_ROUND);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
  return visible;
}

/* A periodic branch (max or min): a thin line through its points and a disc at each
 * (decimated to one per few device units), filled where stable and open where not.
 * Returns the discs drawn inside the plot area. */
static guint
draw_periodic (const CurrentsPlotDiagram  *d,
               cairo_t                    *cr,
               const CurrentsPlotTheme    *theme,
               const CurrentsPlotViewport *vp,
               const Branch               *b,
               guint                      *visible_segments,
               GArray                     *occupied)
{
  const double radius = 2.6, min_gap = 7.0;
  CurrentsPlotColor color;
  double lx = -INFINITY, ly = -INFINITY;
  guint dots = 0;

  branch_color (theme, b, &color);
  cairo_save (cr);
  currents_plot_set_source_color (cr, &color);
  cairo_set_line_width (cr, 0.9);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_ROUND);
  cairo_new_path (cr);
  for (gsize k = 0; k + 1 < b->n; k++)
    {
      double x0, y0, x1, y1;

      if (!to_device (d, vp, b->x[k], b->y[k], &x0, &y0)
          || !to_device (d, vp, b->x[k + 1], b->y[k + 1], &x1, &y1))
        continue;
      cairo_move_to (cr, x0, y0);
      cairo_line_to (cr, x1, y1);
      if (segment_visible (vp, x0, y0, x1, y1))
        (*visible_segments)++;
    }
  cairo_stroke (cr);

  cairo_set_line_width (cr, 1.1);
  for (gsize k = 0; k < b->n; k++)
    {
      double x, y;
      gboolean last = k + 1 == b->n;

      if (!to_device (d, vp, b->x[k], b->y[k], &x, &y) || !inside (vp, x, y, 0.0))
        continue;
      if (!last && hypot (x - lx, y - ly) < min_gap)
        continue;
      cairo_new_path (cr);
      cairo_arc (cr, x, y, radius, 0, 2 * G_PI);
      if (b->stable[k])
        {
          currents_plot_set_source_color (cr, &color);
          cairo_fill (cr);
        }
      else
        {
          currents_plot_set_source_color (cr, &theme->plot_background);
          cairo_fill_preserve (cr);
          currents_plot_set_source_color (cr, &color);
          cairo_stroke (cr);
        }
      lx = x;
      ly = y;
      dots++;
      if (occupied != NULL)
        {
          g_array_append_vals (occupied, &x, 1);
          g_array_append_vals (occupied, &y, 1);
        }
    }
  cairo_restore (cr);
  return dots;
}

static void
band_color (const CurrentsPlotTheme *theme,
            CurrentsPlotColor       *color)
{
  currents_plot_theme_palette_color (theme, 4, color);  /* blue */
  color->alpha = theme->dark ? 0.16 : 0.10;
}

/* ---- legend ---- */

typedef enum
{
  LEGEND_LINE,
  LEGEND_DASHED,
  LEGEND_PERIODIC_STABLE,
  LEGEND_PERIODIC_UNSTABLE,
  LEGEND_SPECIAL,
  LEGEND_PATCH,
  LEGEND_RUG,
  LEGEND_HATCH,
} LegendSymbol;

typedef struct
{
  const char              *label;
  LegendSymbol             symbol;
  CurrentsPlotColor        color;
  CurrentsPlotSpecialKind  special;
  double                   line_width;
} LegendEntry;

#define LEGEND_SYMBOL_WIDTH 24.0

static void
legend_symbol (cairo_t                 *cr,
               const CurrentsPlotTheme *theme,
               const LegendEntry       *e,
               double                   x,
               double                   mid,
               double                   em)
{
  const double dash[] = { 5.0, 3.5 };
  double r = 2.6;

  cairo_save (cr);
  currents_plot_set_source_color (cr, &e->color);
  switch (e->symbol)
    {
    case LEGEND_LINE:
    case LEGEND_DASHED:
      cairo_set_line_width (cr, e->line_width);
      if (e->symbol == LEGEND_DASHED)
        cairo_set_dash (cr, dash, G_N_ELEMENTS (dash), 0.0);
      cairo_move_to (cr, x, mid);
      cairo_line_to (cr, x + LEGEND_SYMBOL_WIDTH, mid);
      cairo_stroke (cr);
      break;
    case LEGEND_PERIODIC_STABLE:
    case LEGEND_PERIODIC_UNSTABLE:
      cairo_set_line_width (cr, 0.9);
      cairo_move_to (cr, x, mid);
      cairo_line_to (cr, x + LEGEND_SYMBOL_WIDTH, mid);
      cairo_stroke (cr);
      cairo_set_line_width (cr, 1.1);
      for (int i = 0; i < 2; i++)
        {
          cairo_new_path (cr);
          cairo_arc (cr, x + LEGEND_SYMBOL_WIDTH * (0.25 + 0.5 * i), mid, r, 0, 2 * G_PI);
          if (e->symbol == LEGEND_PERIODIC_STABLE)
            cairo_fill (cr);
          else
            {
              currents_plot_set_source_color (cr, &theme->plot_background);
              cairo_fill_preserve (cr);
              currents_plot_set_source_color (cr, &e->color);
              cairo_stroke (cr);
            }
        }
      break;
    case LEGEND_SPECIAL:
      draw_special_glyph (cr, theme, e->special, x + LEGEND_SYMBOL_WIDTH / 2, mid,
                          SPECIAL_RADIUS);
      break;
    case LEGEND_PATCH:
      cairo_rectangle (cr, x + 2, mid - 0.4 * em, LEGEND_SYMBOL_WIDTH - 4, 0.8 * em);
      cairo_fill (cr);
      break;
    case LEGEND_RUG:
      cairo_set_line_width (cr, 1.5);
      for (int i = 0; i < 4; i++)
        {
          cairo_move_to (cr, x + 3 + i * 6, mid + 0.4 * em);
          cairo_line_to (cr, x + 3 + i * 6, mid - 0.3 * em);
        }
      cairo_stroke (cr);
      break;
    case LEGEND_HATCH:
    default:
      cairo_set_line_width (cr, 1.0);
      for (double s = 2; s < LEGEND_SYMBOL_WIDTH - 2; s += 4)
        {
          cairo_move_to (cr, x + s - 3, mid + 3);
          cairo_line_to (cr, x + s + 3, mid - 3);
        }
      cairo_stroke (cr);
      break;
    }
  cairo_restore (cr);
}

static guint
legend_rows_for (guint n,
                 guint columns)
{
  return (n + columns - 1) / MAX (columns, 1u);
}

static void
measure_legend (PangoLayout       *layout,
                const LegendEntry *entries,
                guint              n,
                double             em,
                double            *w,
                double            *h)
{
  double text_w = 0.0;

  for (guint k = 0; k < n; k++)
    {
      double tw;

      _currents_plot_text_size (layout, entries[k].label, &tw, NULL);
      text_w = MAX (text_w, tw);
    }
  *w = n > 0 ? 0.7 * em + LEGEND_SYMBOL_WIDTH + 0.5 * em + text_w + 0.7 * em : 0.0;
  *h = n > 0 ? n * 1.3 * em + 0.8 * em : 0.0;
}

static guint
count_in_rect (GArray     *occupied,
               const Rect *r)
{
  guint count = 0;

  for (guint k = 0; k + 1 < occupied->len; k += 2)
    {
      double x = g_array_index (occupied, double, k), y = g_array_index (occupied, double, k + 1);

      if (x >= r->x && x <= r->x + r->w && y >= r->y && y <= r->y + r->h)
        count++;
    }
  return count;
}

typedef enum
{
  LEGEND_INSIDE,  /* in the plot area, where it hides least */
  LEGEND_TOP,     /* in rows above the plot area */
  LEGEND_RIGHT,   /* in a column right of the plot area */
} LegendPlace;

/* Draws the legend (inside: where it covers the fewest drawn points); returns its
 * rectangle in @placed (w = 0 when none; inside, the size is still reported when it does
 * not fit, with @score G_MAXUINT), the widest entry in @column_w and the entry count in
 * @n_entries. */
static void
draw_legend (const CurrentsPlotDiagram  *d,
             cairo_t                    *cr,
             const CurrentsPlotTheme    *theme,
             const CurrentsPlotViewport *vp,
             GArray                     *occupied,
             GArray                     *obstacles,
             LegendPlace                 place,
             guint                      *score,
             double                     *column_w,
             guint                      *n_entries,
             Rect                       *placed)
{
  g_autoptr(PangoLayout) layout = _currents_plot_create_layout (cr, theme, FALSE, 0.9);
  LegendEntry entries[16];
  gboolean seen_special[CURRENTS_PLOT_SPECIAL_PERIOD_DOUBLING + 1] = { FALSE };
  gboolean stable_eq = FALSE, unstable_eq = FALSE, per_stable = FALSE, per_unstable = FALSE;
  gboolean fold_curve = FALSE, hopf_curve = FALSE, hatched = FALSE;
  CurrentsPlotColor eq_color = theme->foreground, per_color = theme->foreground;
  CurrentsPlotColor fold_color = theme->foreground, hopf_color = theme->foreground;
  double em, w, h, margin, best_x = 0.0, best_y = 0.0;
  guint n = 0, best = G_MAXUINT;

  placed->w = placed->h = 0.0;
  for (guint i = 0; i < d->branches->len; i++)
    {
      const Branch *b = g_ptr_array_index (d->branches, i);

      for (gsize k = 0; k < b->n; k++)
        {
          switch (b->kind)
            {
            case CURRENTS_PLOT_BRANCH_EQUILIBRIA:
              if (k + 1 < b->n && b->stable[k] && b->stable[k + 1])
                {
                  if (!stable_eq)
                    branch_color (theme, b, &eq_color);
                  stable_eq = TRUE;
                }
              else if (k + 1 < b->n)
                {
                  if (!stable_eq && !unstable_eq)
                    branch_color (theme, b, &eq_color);
                  unstable_eq = TRUE;
                }
              break;
            case CURRENTS_PLOT_BRANCH_PERIODIC_MAX:
            case CURRENTS_PLOT_BRANCH_PERIODIC_MIN:
              if (!per_stable && !per_unstable)
                branch_color (theme, b, &per_color);
              if (b->stable[k])
                per_stable = TRUE;
              else
                per_unstable = TRUE;
              break;
            case CURRENTS_PLOT_BRANCH_FOLD_CURVE:
              if (!fold_curve)
                branch_color (theme, b, &fold_color);
              fold_curve = TRUE;
              break;
            case CURRENTS_PLOT_BRANCH_HOPF_CURVE:
            default:
              if (!hopf_curve)
                branch_color (theme, b, &hopf_color);
              hopf_curve = TRUE;
              break;
            }
          if (b->extrapolated != NULL && b->extrapolated[k])
            hatched = TRUE;
        }
    }
  for (guint i = 0; i < d->specials->len; i++)
    {
      const Special *s = &g_array_index (d->specials, Special, i);

      if (s->drawn && (guint) s->kind < G_N_ELEMENTS (seen_special))
        seen_special[s->kind] = TRUE;
    }

#define ADD(lbl, sym, col, lw) \
  G_STMT_START { entries[n].label = (lbl); entries[n].symbol = (sym); \
    entries[n].color = (col); entries[n].line_width = (lw); \
    entries[n].special = CURRENTS_PLOT_SPECIAL_FOLD; n++; } G_STMT_END

  if (stable_eq)
    ADD (_("stable equilibria"), LEGEND_LINE, eq_color, 2.0);
  if (unstable_eq)
    ADD (_("unstable equilibria"), LEGEND_DASHED, eq_color, 1.6);
  if (per_stable)
    ADD (_("stable periodic orbits (max, min)"), LEGEND_PERIODIC_STABLE, per_color, 0.9);
  if (per_unstable)
    ADD (_("unstable periodic orbits (max, min)"), LEGEND_PERIODIC_UNSTABLE, per_color, 0.9);
  if (fold_curve)
    ADD (_("folds"), LEGEND_LINE, fold_color, 2.0);
  if (hopf_curve)
    ADD (_("Hopf bifurcations"), LEGEND_LINE, hopf_color, 2.0);
  if (hatched)
    ADD (_("outside the data"), LEGEND_HATCH, theme->foreground, 1.0);
  for (guint k = 0; k < G_N_ELEMENTS (seen_special); k++)
    {
      static const char *const names[] = {
        N_("fold (LP)"), N_("Hopf (H)"), N_("branch point (BP)"), N_("cusp (CP)"),
        N_("Bogdanov–Takens (BT)"), N_("period doubling (PD)"),
      };

      if (!seen_special[k])
        continue;
      ADD (_(names[k]), LEGEND_SPECIAL, theme->foreground, 1.0);
      entries[n - 1].special = (CurrentsPlotSpecialKind) k;
    }
  if (d->levels->len > 0)
    {
      CurrentsPlotColor rug;

      currents_plot_theme_palette_color (theme, 0, &rug);
      ADD (_("levels in the data"), LEGEND_RUG, rug, 1.5);
    }
  if (d->intervals->len > 0)
    {
      CurrentsPlotColor patch;

      currents_plot_theme_palette_color (theme, 3, &patch);
      patch.alpha = 0.45;
      ADD (_("tipping intervals across the ensemble"), LEGEND_PATCH, patch, 1.0);
    }
#undef ADD

  if (n == 0)
    return;

  _currents_plot_text_size (layout, "0", NULL, &em);
  measure_legend (layout, entries, n, em, &w, &h);
  margin = 0.7 * em;
  placed->w = w;
  placed->h = h;
  *n_entries = n;
  *column_w = w - 1.4 * em + 1.2 * em;
  if (place == LEGEND_TOP)
    {
      /* row by row, left to right, unboxed, over the plot area */
      guint columns = MAX (1u, (guint) floor ((vp->width + 1.2 * em) / *column_w));
      double top = vp->top - (legend_rows_for (n, columns) * 1.3 * em + 0.3 * em);

      cairo_save (cr);
      for (guint k = 0; k < n; k++)
        {
          double mid = top + (k / columns) * 1.3 * em + 0.65 * em, th;
          double tx = vp->left + (k % columns) * *column_w;

          legend_symbol (cr, theme, &entries[k], tx, mid, em);
          tx += LEGEND_SYMBOL_WIDTH + 0.5 * em;
          _currents_plot_text_size (layout, entries[k].label, NULL, &th);
          currents_plot_set_source_color (cr, &theme->foreground);
          cairo_move_to (cr, round (tx), round (mid - th / 2));
          pango_cairo_show_layout (cr, layout);
        }
      cairo_restore (cr);
      *score = 0;
      placed->x = vp->left;
      placed->y = top;
      return;
    }
  if (place == LEGEND_RIGHT)
    {
      best = 0;
      best_x = round (vp->left + vp->width + margin);
      best_y = round (vp->top);
      goto draw;
    }
  if (w > vp->width - 2 * margin || h > vp->height - 2 * margin)
    {
      /* no room inside: only its size is reported */
      *score = G_MAXUINT;
      return;
    }

  /* the four corners first, then the middles of the four sides */
  for (int place = 0; place < 8; place++)
    {
      static const double fx[8] = { 1, 0, 1, 0, 0.5, 0.5, 1, 0 };
      static const double fy[8] = { 0, 0, 1, 1, 0, 1, 0.5, 0.5 };
      Rect r;
      guint count;

      r.x = round (vp->left + margin + fx[place] * (vp->width - 2 * margin - w));
      r.y = round (vp->top + margin + fy[place] * (vp->height - 2 * margin - h));
      r.w = w;
      r.h = h;
      /* a corner is the expected place: a side's middle must be clearly better */
      count = count_in_rect (occupied, &r) + (place >= 4 ? 3 : 0);
      /* special points and a band's label must stay readable */
      for (guint i = 0; i < d->specials->len; i++)
        {
          const Special *sp = &g_array_index (d->specials, Special, i);

          if (sp->drawn && sp->dx >= r.x - SPECIAL_RADIUS && sp->dx <= r.x + r.w + SPECIAL_RADIUS
              && sp->dy >= r.y - SPECIAL_RADIUS && sp->dy <= r.y + r.h + SPECIAL_RADIUS)
            count += 1000;
        }
      for (guint o = 0; o < obstacles->len; o++)
        if (rects_overlap (&r, &g_array_index (obstacles, Rect, o)))
          count += 100000;
      if (count < best)
        {
          best = count;
          best_x = r.x;
          best_y = r.y;
        }
    }

draw:
  *score = best;
  cairo_save (cr);
  {
    CurrentsPlotColor bg = theme->plot_background;

    bg.alpha = 0.9;
    cairo_rectangle (cr, best_x + 0.5, best_y + 0.5, w, h);
    currents_plot_set_source_color (cr, &bg);
    cairo_fill_preserve (cr);
    cairo_set_line_width (cr, 1.0);
    currents_plot_set_source_color (cr, &theme->frame);
    cairo_stroke (cr);
  }
  for (guint k = 0; k < n; k++)
    {
      double row = best_y + 0.4 * em + k * 1.3 * em, mid = row + 0.65 * em, th;
      double tx = best_x + 0.7 * em;

      legend_symbol (cr, theme, &entries[k], tx, mid, em);
      tx += LEGEND_SYMBOL_WIDTH + 0.5 * em;
      _currents_plot_text_size (layout, entries[k].label, NULL, &th);
      currents_plot_set_source_color (cr, &theme->foreground);
      cairo_move_to (cr, round (tx), round (mid - th / 2));
      pango_cairo_show_layout (cr, layout);
    }
  cairo_restore (cr);
  placed->x = best_x;
  placed->y = best_y;
  placed->w = w;
  placed->h = h;
}

/* ---- labels of special points ---- */

/* Greedy placement in order of the points: eight positions around the glyph, then the
 * same farther out with a leader line; a position is allowed when it lies inside the
 * plot area and overlaps no placed label, no glyph and no legend, and among those the
 * one covering the fewest drawn points of lines wins. A label with no room is left out. */
static guint
place_labels (CurrentsPlotDiagram        *d,
              cairo_t                    *cr,
              const CurrentsPlotTheme    *theme,
              const CurrentsPlotViewport *vp,
              GArray                     *occupied,
              GArray                     *obstacles)
{
  g_autoptr(PangoLayout) layout = _currents_plot_create_layout (cr, theme, FALSE, 0.9);
  static const double dirs[8][2] = {
    { 1, -1 }, { -1, -1 }, { 1, 1 }, { -1, 1 }, { 0, -1 }, { 0, 1 }, { 1, 0 }, { -1, 0 },
  };
  CurrentsPlotColor halo = theme->plot_background;
  guint drawn = 0;

  /* every glyph is an obstacle for every label */
  for (guint i = 0; i < d->specials->len; i++)
    {
      const Special *s = &g_array_index (d->specials, Special, i);
      Rect r = { s->dx - SPECIAL_RADIUS - 1, s->dy - SPECIAL_RADIUS - 1,
                 2 * SPECIAL_RADIUS + 2, 2 * SPECIAL_RADIUS + 2 };

      if (s->drawn)
        g_array_append_val (obstacles, r);
    }

  halo.alpha = 0.85;
  for (guint i = 0; i < d->specials->len; i++)
    {
      Special *s = &g_array_index (d->specials, Special, i);
      double tw, th, best_score = INFINITY;
      Rect best = { 0 };
      gboolean leader = FALSE;

      if (!s->drawn || s->label == NULL)
        continue;
      _currents_plot_text_size (layout, s->label, &tw, &th);

      for (int ring = 0; ring < 3 && !isfinite (best_score); ring++)
        {
          double off = SPECIAL_RADIUS + 2.0 + ring * 14.0;

          for (int k = 0; k < 8; k++)
            {
              Rect r;
              double score;
              gboolean clash = FALSE;

              r.w = tw + 2;
              r.h = th;
              r.x = s->dx + dirs[k][0] * off - (dirs[k][0] < 0 ? r.w : dirs[k][0] > 0 ? 0 : r.w / 2);
              r.y = s->dy + dirs[k][1] * off - (dirs[k][1] < 0 ? r.h : dirs[k][1] > 0 ? 0 : r.h / 2);
              r.x = round (r.x);
              r.y = round (r.y);
              if (r.x < vp->left + 2 || r.y < vp->top + 2 || r.x + r.w > vp->left + vp->width - 2
                  || r.y + r.h > vp->top + vp->height - 2)
                continue;
              for (guint o = 0; o < obstacles->len && !clash; o++)
                clash = rects_overlap (&r, &g_array_index (obstacles, Rect, o));
              if (clash)
                continue;
              /* lines under a label cost; prefer the first directions a little */
              {
                /* a line's width and a dot's radius reach past their points */
                Rect grown = { r.x - 3.5, r.y - 3.5, r.w + 7.0, r.h + 7.0 };

                score = count_in_rect (occupied, &grown) + 0.01 * k;
              }
              if (score < best_score)
                {
                  best_score = score;
                  best = r;
                  leader = ring > 0;
                }
            }
        }
      if (!isfinite (best_score))
        continue;

      cairo_save (cr);
      if (leader)
        {
          double cx = CLAMP (s->dx, best.x, best.x + best.w);
          double cy = CLAMP (s->dy, best.y, best.y + best.h);
          CurrentsPlotColor line = theme->foreground;

          line.alpha *= 0.75;
          currents_plot_set_source_color (cr, &line);
          cairo_set_line_width (cr, 0.8);
          cairo_move_to (cr, s->dx + (cx - s->dx) * SPECIAL_RADIUS / MAX (hypot (cx - s->dx, cy - s->dy), 1e-9),
                         s->dy + (cy - s->dy) * SPECIAL_RADIUS / MAX (hypot (cx - s->dx, cy - s->dy), 1e-9));
          cairo_line_to (cr, cx, cy);
          cairo_stroke (cr);
        }
      currents_plot_set_source_color (cr, &halo);
      cairo_rectangle (cr, best.x, best.y + 1, best.w, best.h - 1);
      cairo_fill (cr);
      currents_plot_set_source_color (cr, &theme->foreground);
      cairo_move_to (cr, best.x + 1, best.y);
      pango_cairo_show_layout (cr, layout);
      cairo_restore (cr);
      g_array_append_val (obstacles, best);
      drawn++;
    }
  return drawn;
}

/* ---- drawing ---- */

/* An ensemble's tipping points: each interval a translucent band over the plot's height
 * with a strip along the parameter axis, the median a line through the strip, each
 * member's value a tick in it (above the data's rug). */
static void
draw_intervals (const CurrentsPlotDiagram  *d,
                cairo_t                    *cr,
                const CurrentsPlotTheme    *theme,
                const CurrentsPlotViewport *vp,
                GArray                     *obstacles,
                CurrentsPlotDiagramStats   *st)
{
  double bottom = floor (vp->top + vp->height) - 9.0, strip = 10.0;

  if (d->intervals->len == 0)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, vp->left, vp->top, vp->width, vp->height);
  cairo_clip (cr);
  for (guint i = 0; i < d->intervals->len; i++)
    {
      const Interval *iv = &g_array_index (d->intervals, Interval, i);
      double lo = axis_value (d->log_x, iv->lo), hi = axis_value (d->log_x, iv->hi);
      double med = axis_value (d->log_x, iv->median);
      double x0, x1, xm, y;
      CurrentsPlotColor fill;

      if (!isfinite (lo) || !isfinite (hi))
        continue;
      currents_plot_viewport_to_device (vp, lo, vp->ylo, &x0, &y);
      currents_plot_viewport_to_device (vp, hi, vp->ylo, &x1, &y);
      x0 = MAX (x0, vp->left - 1.0);
      x1 = MIN (x1, vp->left + vp->width + 1.0);
      if (x1 < x0)
        continue;
      /* a range of one value still shows */
      if (x1 - x0 < 2.0)
        {
          x0 -= 1.0;
          x1 += 1.0;
        }
      currents_plot_theme_palette_color (theme, 3, &fill);
      fill.alpha = 0.12;
      currents_plot_set_source_color (cr, &fill);
      cairo_rectangle (cr, x0, vp->top, x1 - x0, vp->height);
      cairo_fill (cr);
      fill.alpha = 0.45;
      currents_plot_set_source_color (cr, &fill);
      cairo_rectangle (cr, x0, bottom - strip, x1 - x0, strip);
      cairo_fill (cr);
      st->n_intervals++;

      currents_plot_theme_palette_color (theme, 3, &fill);
      currents_plot_set_source_color (cr, &fill);
      cairo_set_line_width (cr, 1.0);
      for (gsize k = 0; k < iv->n_members; k++)
        {
          double a = axis_value (d->log_x, iv->members[k]), x;

          if (!isfinite (a))
            continue;
          currents_plot_viewport_to_device (vp, a, vp->ylo, &x, &y);
          if (x < vp->left - 0.5 || x > vp->left + vp->width + 0.5)
            continue;
          cairo_move_to (cr, _currents_plot_crisp (x), bottom - strip);
          cairo_line_to (cr, _currents_plot_crisp (x), bottom);
          st->n_member_ticks++;
        }
      cairo_stroke (cr);
      if (isfinite (med))
        {
          currents_plot_viewport_to_device (vp, med, vp->ylo, &xm, &y);
          cairo_set_line_width (cr, 2.5);
          cairo_move_to (cr, xm, bottom - strip - 3.0);
          cairo_line_to (cr, xm, bottom + 1.0);
          cairo_stroke (cr);
        }
      {
        Rect r = { x0, bottom - strip - 3.0, x1 - x0, strip + 4.0 };

        g_array_append_val (obstacles, r);
      }
    }
  cairo_restore (cr);
}

static void
draw_figure (CurrentsPlotDiagram      *diagram,
             cairo_t                  *cr,
             const CurrentsPlotTheme  *theme,
             double                    width,
             double                    height,
             LegendPlace               legend_place,
             double                    legend_extra,
             CurrentsPlotDiagramStats *stats,
             guint                    *legend_score,
             double                   *legend_column_w,
             guint                    *legend_n,
             Rect                     *legend_out)
{
  g_autoptr(GArray) occupied = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr(GArray) obstacles = g_array_new (FALSE, FALSE, sizeof (Rect));
  g_autoptr(PangoLayout) band_layout = NULL;
  CurrentsPlotDiagramStats st = { 0 };
  CurrentsPlotViewport vp;
  Rect legend_rect = { 0 };
  guint score = G_MAXUINT;
  double w[4], em;

  st.marker_x = NAN;
  axis_window (diagram, w);
  layout_figure (diagram, cr, theme, width, height, w,
                 legend_place == LEGEND_RIGHT ? legend_extra : 0.0,
                 legend_place == LEGEND_TOP ? legend_extra : 0.0, &vp);
  diagram->viewport = vp;
  diagram->has_viewport = TRUE;

  cairo_save (cr);
  currents_plot_set_source_color (cr, &theme->background);
  cairo_rectangle (cr, 0, 0, width, height);
  cairo_fill (cr);
  currents_plot_set_source_color (cr, &theme->plot_background);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_fill (cr);

  band_layout = _currents_plot_create_layout (cr, theme, FALSE, 0.9);
  _currents_plot_text_size (band_layout, "0", NULL, &em);

  /* bands and regions under everything */
  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);
  for (guint i = 0; i < diagram->bands->len; i++)
    {
      const Band *b = &g_array_index (diagram->bands, Band, i);
      double x0, x1, y, lo = axis_value (diagram->log_x, b->lo), hi = axis_value (diagram->log_x, b->hi);
      CurrentsPlotColor fill, edge;

      if (diagram->log_x && !isfinite (lo) && isfinite (hi))
        lo = vp.xlo;
      if (!isfinite (lo) || !isfinite (hi))
        continue;
      currents_plot_viewport_to_device (&vp, lo, vp.ylo, &x0, &y);
      currents_plot_viewport_to_device (&vp, hi, vp.ylo, &x1, &y);
      x0 = MAX (x0, vp.left);
      x1 = MIN (x1, vp.left + vp.width);
      if (!(x1 > x0))
        continue;
      band_color (theme, &fill);
      edge = fill;
      edge.alpha = MIN (1.0, 4.0 * fill.alpha);
      currents_plot_set_source_color (cr, &fill);
      cairo_rectangle (cr, x0, vp.top, x1 - x0, vp.height);
      cairo_fill (cr);
      cairo_set_line_width (cr, 1.0);
      currents_plot_set_source_color (cr, &edge);
      cairo_move_to (cr, _currents_plot_crisp (x0), vp.top);
      cairo_line_to (cr, _currents_plot_crisp (x0), vp.top + vp.height);
      cairo_move_to (cr, _currents_plot_crisp (x1), vp.top);
      cairo_line_to (cr, _currents_plot_crisp (x1), vp.top + vp.height);
      cairo_stroke (cr);
      st.n_bands++;
      if (b->label != NULL)
        {
          double tw, th;
          Rect r;
          CurrentsPlotColor ink;

          _currents_plot_text_size (band_layout, b->label, &tw, &th);
          r.x = round (CLAMP (0.5 * (x0 + x1) - tw / 2, vp.left + 2, vp.left + vp.width - tw - 2));
          r.y = round (vp.top + 0.3 * em);
          r.w = tw;
          r.h = th;
          currents_plot_theme_palette_color (theme, 4, &ink);
          currents_plot_set_source_color (cr, &ink);
          cairo_move_to (cr, r.x, r.y);
          pango_cairo_show_layout (cr, band_layout);
          g_array_append_val (obstacles, r);
        }
    }
  for (guint i = 0; i < diagram->regions->len; i++)
    {
      const Region *r = g_ptr_array_index (diagram->regions, i);
      CurrentsPlotColor fill, edge;
      double cx = 0.0, cy = 0.0;
      guint m = 0;
      gboolean any_inside = FALSE;

      cairo_new_path (cr);
      for (gsize k = 0; k < r->n; k++)
        {
          double x, y;

          if (!to_device (diagram, &vp, r->x[k], r->y[k], &x, &y))
            continue;
          if (m == 0)
            cairo_move_to (cr, x, y);
          else
            cairo_line_to (cr, x, y);
          cx += x;
          cy += y;
          m++;
          any_inside = any_inside || inside (&vp, x, y, 0.0);
        }
      if (m < 3)
        {
          cairo_new_path (cr);
          continue;
        }
      cairo_close_path (cr);
      {
        double ex0, ey0, ex1, ey1;

        cairo_fill_extents (cr, &ex0, &ey0, &ex1, &ey1);
        if (!(ex1 > ex0 && ey1 > ey0))
          {
            cairo_new_path (cr);
            continue;
          }
        any_inside = TRUE;
      }
      currents_plot_theme_palette_color (theme, 3, &fill);
      fill.alpha = theme->dark ? 0.2 : 0.13;
      edge = fill;
      edge.alpha = 3 * fill.alpha;
      currents_plot_set_source_color (cr, &fill);
      cairo_fill (cr);
      if (any_inside)
        st.n_bands++;
      if (r->label != NULL)
        {
          double tw, th;
          Rect lr;

          cx /= m;
          cy /= m;
          _currents_plot_text_size (band_layout, r->label, &tw, &th);
          lr.x = round (cx - tw / 2);
          lr.y = round (cy - th / 2);
          lr.w = tw;
          lr.h = th;
          if (inside (&vp, lr.x, lr.y, 0.0) && inside (&vp, lr.x + tw, lr.y + th, 0.0))
            {
              CurrentsPlotColor ink;

              currents_plot_theme_palette_color (theme, 3, &ink);
              currents_plot_set_source_color (cr, &ink);
              cairo_move_to (cr, lr.x, lr.y);
              pango_cairo_show_layout (cr, band_layout);
              g_array_append_val (obstacles, lr);
            }
        }
      (void) edge;
    }
  cairo_restore (cr);

  draw_grid (diagram, cr, theme, &vp);

  /* the content, clipped to the plot area */
  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);

  for (guint i = 0; i < diagram->branches->len; i++)
    st.n_extrapolated_segments
      += draw_hatching (diagram, cr, theme, &vp, g_ptr_array_index (diagram->branches, i));

  /* periodic branches first, so that equilibria lie on top of them */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < diagram->branches->len; i++)
      {
        const Branch *b = g_ptr_array_index (diagram->branches, i);
        gboolean periodic = b->kind == CURRENTS_PLOT_BRANCH_PERIODIC_MAX
                            || b->kind == CURRENTS_PLOT_BRANCH_PERIODIC_MIN;
        guint visible = 0;

        if (periodic != (pass == 0))
          continue;
        if (periodic)
          {
            st.n_periodic_points += draw_periodic (diagram, cr, theme, &vp, b, &visible, occupied);
            /* a lone visible point counts as a visible branch too */
            if (visible == 0 && b->n == 1)
              {
                double x, y;

                if (to_device (diagram, &vp, b->x[0], b->y[0], &x, &y) && inside (&vp, x, y, 0.0))
                  visible = 1;
              }
          }
        else
          visible = draw_lines (diagram, cr, theme, &vp, b,
                                b->kind == CURRENTS_PLOT_BRANCH_EQUILIBRIA ? 2.0 : 2.2,
                                b->kind == CURRENTS_PLOT_BRANCH_EQUILIBRIA,
                                &st.n_stable_segments, &st.n_unstable_segments, occupied);
        if (visible > 0)
          st.n_branches++;
      }

  /* the hysteresis loop's jumps: thin vertical arrows */
  for (guint i = 0; i < diagram->jumps->len; i++)
    {
      const Jump *j = &g_array_index (diagram->jumps, Jump, i);
      double x0, y0, x1, y1, len, head = 7.0;
      CurrentsPlotColor ink = theme->foreground;

      if (!to_device (diagram, &vp, j->x, j->y_from, &x0, &y0)
          || !to_device (diagram, &vp, j->x, j->y_to, &x1, &y1))
        continue;
      if (!segment_visible (&vp, x0, y0, x1, y1))
        continue;
      len = fabs (y1 - y0);
      if (len < 1.0)
        continue;
      cairo_save (cr);
      ink.alpha *= 0.85;
      currents_plot_set_source_color (cr, &ink);
      cairo_set_line_width (cr, 1.3);
      {
        const double dots[] = { 3.0, 2.5 };
        double sign = y1 > y0 ? 1.0 : -1.0;
        double stop = y1 - sign * MIN (head, 0.6 * len);

        cairo_set_dash (cr, dots, G_N_ELEMENTS (dots), 0.0);
        cairo_move_to (cr, x0, y0);
        cairo_line_to (cr, x0, stop);
        cairo_stroke (cr);
        cairo_set_dash (cr, NULL, 0, 0.0);
        _currents_plot_arrow_head (cr, x0, y1 - sign * 2.0, 0.0, sign, MIN (head, 0.6 * len), 3.2);
        cairo_fill (cr);
      }
      cairo_restore (cr);
      for (double y = MIN (y0, y1); y <= MAX (y0, y1); y += 6.0)
        {
          g_array_append_vals (occupied, &x0, 1);
          g_array_append_vals (occupied, &y, 1);
        }
      st.n_jumps++;
    }

  /* the marker: the current value of the parameter (two parameters: a cross-hair) */
  {
    double ax = axis_value (diagram->log_x, diagram->marker_x);

    if (isfinite (ax))
      {
        double mx, my, ay = axis_value (diagram->log_y, diagram->marker_y);
        CurrentsPlotColor ink;

        currents_plot_viewport_to_device (&vp, ax, isfinite (ay) ? ay : vp.ylo, &mx, &my);
        if (mx >= vp.left && mx <= vp.left + vp.width)
          {
            currents_plot_theme_palette_color (theme, 4, &ink);
            ink.alpha = 0.75;
            cairo_save (cr);
            currents_plot_set_source_color (cr, &ink);
            cairo_set_line_width (cr, 1.25);
            cairo_move_to (cr, mx, vp.top);
            cairo_line_to (cr, mx, vp.top + vp.height);
            if (isfinite (ay) && my >= vp.top && my <= vp.top + vp.height)
              {
                cairo_move_to (cr, vp.left, my);
                cairo_line_to (cr, vp.left + vp.width, my);
                cairo_stroke (cr);
                cairo_arc (cr, mx, my, 3.5, 0, 2 * G_PI);
                cairo_fill (cr);
              }
            else
              cairo_stroke (cr);
            cairo_restore (cr);
            st.marker_drawn = TRUE;
            st.marker_x = mx;
          }
      }
  }

  /* special points */
  for (guint i = 0; i < diagram->specials->len; i++)
    {
      Special *s = &g_array_index (diagram->specials, Special, i);
      double x, y;

      s->drawn = FALSE;
      s->dx = s->dy = NAN;
      if (!to_device (diagram, &vp, s->x, s->y, &x, &y) || !inside (&vp, x, y, 0.0))
        continue;
      draw_special_glyph (cr, theme, s->kind, x, y, SPECIAL_RADIUS);
      s->drawn = TRUE;
      s->dx = x;
      s->dy = y;
      st.n_special++;
      switch (s->kind)
        {
        case CURRENTS_PLOT_SPECIAL_FOLD:
          st.n_folds++;
          break;
        case CURRENTS_PLOT_SPECIAL_HOPF:
          st.n_hopf++;
          break;
        case CURRENTS_PLOT_SPECIAL_BRANCH_POINT:
          st.n_branch_points++;
          break;
        default:
          break;
        }
    }
  cairo_restore (cr);

  draw_axes (diagram, cr, theme, &vp);

  /* the data's levels: a rug of short ticks standing on the bottom of the frame */
  if (diagram->levels->len > 0)
    {
      CurrentsPlotColor rug;
      double bottom = floor (vp.top + vp.height);

      currents_plot_theme_palette_color (theme, 0, &rug);
      cairo_save (cr);
      currents_plot_set_source_color (cr, &rug);
      cairo_set_line_width (cr, 1.5);
      for (guint i = 0; i < diagram->levels->len; i++)
        {
          double a = axis_value (diagram->log_x, g_array_index (diagram->levels, double, i));
          double x, y;

          if (!isfinite (a))
            continue;
          currents_plot_viewport_to_device (&vp, a, vp.ylo, &x, &y);
          if (x < vp.left - 0.5 || x > vp.left + vp.width + 0.5)
            continue;
          cairo_move_to (cr, x, bottom);
          cairo_line_to (cr, x, bottom - 7.0);
          st.n_level_ticks++;
          for (double yy = bottom - 7.0; yy <= bottom; yy += 3.5)
            {
              g_array_append_vals (occupied, &x, 1);
              g_array_append_vals (occupied, &yy, 1);
            }
        }
      cairo_stroke (cr);
      cairo_restore (cr);
      {
        /* nothing may cover the rug */
        Rect r = { vp.left, bottom - 8.0, vp.width, 8.0 };

        g_array_append_val (obstacles, r);
      }
    }

  draw_intervals (diagram, cr, theme, &vp, obstacles, &st);

  if (diagram->show_legend)
    {
      double column_w = 0.0;
      guint n = 0;

      draw_legend (diagram, cr, theme, &vp, occupied, obstacles, legend_place, &score,
                   &column_w, &n, &legend_rect);
      if (legend_rect.w > 0.0 && legend_place == LEGEND_INSIDE && score != G_MAXUINT)
        g_array_append_val (obstacles, legend_rect);
      if (legend_column_w != NULL)
        *legend_column_w = column_w;
      if (legend_n != NULL)
        *legend_n = n;
    }

  st.n_labels = place_labels (diagram, cr, theme, &vp, occupied, obstacles);
  cairo_restore (cr);

  if (stats != NULL)
    *stats = st;
  if (legend_score != NULL)
    *legend_score = score;
  if (legend_out != NULL)
    *legend_out = legend_rect;
}

/* The legend goes inside the plot area where it hides the fewest drawn points. When
 * every place there would hide something, it goes above the plot area in at most two
 * rows, or else right of it if the plot keeps half the width and the legend would hide
 * a special point or a band's label. That takes a trial draw onto a recording surface
 * to learn where everything falls. */
void
currents_plot_diagram_draw (CurrentsPlotDiagram      *diagram,
                            cairo_t                  *cr,
                            const CurrentsPlotTheme  *theme,
                            double                    width,
                            double                    height,
                            CurrentsPlotDiagramStats *stats)
{
  LegendPlace place = LEGEND_INSIDE;
  double extra = 0.0;

  g_return_if_fail (diagram != NULL);
  g_return_if_fail (cr != NULL && theme != NULL);

  if (diagram->show_legend)
    {
      cairo_surface_t *trial = cairo_recording_surface_create (CAIRO_CONTENT_COLOR_ALPHA, NULL);
      cairo_t *tcr = cairo_create (trial);
      g_autoptr(PangoLayout) layout = _currents_plot_create_layout (tcr, theme, FALSE, 0.9);
      double column_w = 0.0, em;
      guint score = 0, n = 0;
      Rect legend = { 0 };

      _currents_plot_text_size (layout, "0", NULL, &em);
      draw_figure (diagram, tcr, theme, width, height, LEGEND_INSIDE, 0.0, NULL, &score,
                   &column_w, &n, &legend);
      if (score > 0 && n > 0 && column_w > 0.0)
        {
          guint columns = (guint) floor ((diagram->viewport.width + 1.2 * em) / column_w);
          guint rows = columns > 0 ? legend_rows_for (n, columns) : G_MAXUINT;

          if (rows <= 2 && rows * 1.3 * em + 0.3 * em < 0.2 * height)
            {
              place = LEGEND_TOP;
              extra = rows * 1.3 * em + 0.3 * em;
            }
          else if (score >= 1000 && width - (legend.w + 20.0) >= 0.5 * width)
            {
              place = LEGEND_RIGHT;
              extra = legend.w + 20.0;
            }
        }
      g_clear_object (&layout);
      cairo_destroy (tcr);
      cairo_surface_destroy (trial);
    }
  draw_figure (diagram, cr, theme, width, height, place, extra, stats, NULL, NULL, NULL, NULL);
}

gboolean
currents_plot_diagram_get_viewport (const CurrentsPlotDiagram *diagram,
                                    CurrentsPlotViewport      *vp)
{
  g_return_val_if_fail (diagram != NULL, FALSE);

  if (vp != NULL && diagram->has_viewport)
    *vp = diagram->viewport;
  return diagram->has_viewport;
}

gboolean
currents_plot_diagram_to_device (const CurrentsPlotDiagram *diagram,
                                 double                     x,
                                 double                     y,
                                 double                    *dx,
                                 double                    *dy)
{
  double ax, ay, tx, ty;

  g_return_val_if_fail (diagram != NULL, FALSE);

  if (!diagram->has_viewport)
    return FALSE;
  ax = axis_value (diagram->log_x, x);
  ay = axis_value (diagram->log_y, y);
  /* NaN y: only the horizontal position is wanted (a vertical marker) */
  if (!isfinite (ax))
    return FALSE;
  currents_plot_viewport_to_device (&diagram->viewport, ax,
                                    isfinite (ay) ? ay : diagram->viewport.ylo, &tx, &ty);
  if (dx != NULL)
    *dx = tx;
  if (dy != NULL)
    *dy = isfinite (ay) ? ty : NAN;
  return TRUE;
}

gboolean
currents_plot_diagram_to_data (const CurrentsPlotDiagram *diagram,
                               double                     dx,
                               double                     dy,
                               double                    *x,
                               double                    *y)
{
  double ax, ay;

  g_return_val_if_fail (diagram != NULL, FALSE);

  if (!diagram->has_viewport || !isfinite (dx) || !isfinite (dy))
    return FALSE;
  currents_plot_viewport_to_data (&diagram->viewport, dx, dy, &ax, &ay);
  if (x != NULL)
    *x = own_value (diagram->log_x, ax);
  if (y != NULL)
    *y = own_value (diagram->log_y, ay);
  return TRUE;
}

int
currents_plot_diagram_find_special (const CurrentsPlotDiagram *diagram,
                                    double                     dx,
                                    double                     dy,
                                    double                     radius)
{
  double best = INFINITY;
  int found = -1;

  g_return_val_if_fail (diagram != NULL, -1);

  for (guint i = 0; i < diagram->specials->len; i++)
    {
      const Special *s = &g_array_index (diagram->specials, Special, i);
      double dist;

      if (!s->drawn)
        continue;
      dist = hypot (s->dx - dx, s->dy - dy);
      if (dist <= radius && dist < best)
        {
          best = dist;
          found = (int) i;
        }
    }
  return found;
}

/* ---- export ---- */

static void
export_draw (gpointer                 figure,
             cairo_t                 *cr,
             const CurrentsPlotTheme *theme,
             double                   width,
             double                   height)
{
  currents_plot_diagram_draw (figure, cr, theme, width, height, NULL);
}

gboolean
currents_plot_diagram_export (CurrentsPlotDiagram     *diagram,
                              const char              *path,
                              const CurrentsPlotTheme *theme,
                              double                   width,
                              double                   height,
                              GError                 **error)
{
  g_autoptr(GArray) saved_specials = NULL;
  CurrentsPlotViewport saved_viewport;
  gboolean saved_has_viewport, ok;

  g_return_val_if_fail (diagram != NULL, FALSE);
  g_return_val_if_fail (path != NULL && theme != NULL, FALSE);
  g_return_val_if_fail (width >= 1.0 && height >= 1.0, FALSE);

  /* the figure on screen keeps its viewport and hit positions */
  saved_viewport = diagram->viewport;
  saved_has_viewport = diagram->has_viewport;
  saved_specials = g_array_sized_new (FALSE, FALSE, sizeof (double), 3 * diagram->specials->len);
  for (guint i = 0; i < diagram->specials->len; i++)
    {
      const Special *s = &g_array_index (diagram->specials, Special, i);
      double v[3] = { s->drawn, s->dx, s->dy };

      g_array_append_vals (saved_specials, v, 3);
    }
  ok = _currents_plot_export_image (path, width, height, 1.0, diagram->metadata, export_draw,
                                    diagram, theme, error);
  diagram->viewport = saved_viewport;
  diagram->has_viewport = saved_has_viewport;
  for (guint i = 0; i < diagram->specials->len; i++)
    {
      Special *s = &g_array_index (diagram->specials, Special, i);

      s->drawn = g_array_index (saved_specials, double, 3 * i) != 0.0;
      s->dx = g_array_index (saved_specials, double, 3 * i + 1);
      s->dy = g_array_index (saved_specials, double, 3 * i + 2);
    }
  return ok;
}
