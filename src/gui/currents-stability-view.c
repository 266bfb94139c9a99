/* currents-stability-view.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The equilibria of the shown model at the sliders' values, with the linearisation of the selected one: its own phase portrait and its place on the trace-determinant plane.
 *
 * Near an equilibrium x*, y = x − x* follows y′ = J y + O(|y|²) with J = ∂f/∂x (x*). In the
 * plotted states (a, b) the 2 × 2 block J₂ (all of J when n = 2) has
 *
 *   τ = tr J₂,   Δ = det J₂,   λ = τ/2 ± √(τ²/4 − Δ),
 *
 * and the linear flow is exact:
 *
 *   e^{J₂t} = e^{τt/2} [ C(t) I + S(t) (J₂ − τ/2 I) ],
 *   C = cosh st, S = sinh(st)/s  (s² = τ²/4 − Δ > 0),
 *   C = cos ωt,  S = sin(ωt)/ω   (ω² = Δ − τ²/4 > 0),   C = 1, S = t (repeated),
 *
 * which holds for defective J₂ too. The model's own trajectories in the same window use
 * RK4 on f with the other states held at x*, with the same steps.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-stability-view"

#include <math.h>
#include <string.h>

#include <adwaita.h>
#include <glib/gi18n.h>
#include <pango/pangocairo.h>

#include "currents-plot.h"
#include "currents-stability-view.h"
#include "currents-window-ensemble.h"
#include "currents-window-ensemble-private.h"
#include "currents-view-util-private.h"

#define DEBOUNCE_MS       120
#define GRID              14          /* field arrows per side; even: none on x* itself */
#define N_TRAJ            12
#define TRAJ_STEPS        400         /* each way */
#define TRAJ_MAX          (2 * TRAJ_STEPS + 1)
#define ARC_STEP          0.012       /* in window half-widths */
#define REL_TOL           1e-9

/* The neighbourhood's field and trajectories, in the plotted states' coordinates. */
typedef struct
{
  double window[4];                   /* xlo, xhi, ylo, yhi */
  double fx[GRID * GRID];
  double fy[GRID * GRID];
  guint  n_traj;
  guint  len[N_TRAJ];
  double tx[N_TRAJ * TRAJ_MAX];
  double ty[N_TRAJ * TRAJ_MAX];
} Sketch;

/* A flow in the plane: its velocity and one step of length @dt. */
typedef struct
{
  void   (*velocity) (gpointer data, double x, double y, double *vx, double *vy);
  void   (*step)     (gpointer data, double dt, double *x, double *y);
  gpointer data;
} Flow;

struct _CurrentsStabilityView
{
  GtkWidget         parent_instance;

  CurrentsPortrait *portrait;
  CurrentsParameterPanel *panel;

  /* template */
  GtkSpinner       *eq_spinner;
  GtkLabel         *context_label;
  GtkListBox       *eq_list;
  GtkLabel         *eq_status;
  GtkLabel         *verdict_label;
  GtkLabel         *numbers_label;
  GtkToggleButton  *linear_button;
  GtkToggleButton  *nonlinear_button;
  GtkToggleButton  *both_button;
  GtkAdjustment    *zoom_adjustment;
  GtkLabel         *linear_title;
  GtkDrawingArea   *linear_area;
  GtkLabel         *linear_caption;
  GtkLabel         *plane_title;
  GtkDrawingArea   *plane_area;
  GtkLabel         *plane_caption;

  /* the search */
  GCancellable     *cancellable;
  guint             generation;
  guint             debounce_id;
  gboolean          dirty;
  gboolean          running;
  guint             n_updates;
  char             *message;

  /* what the table shows */
  GPtrArray        *eqs;              /* CurrentsEquilibrium */
  guint            *agree;            /* per equilibrium: ensemble members that have it */
  guint             n_members;        /* 0: no ensemble shown */
  double           *jac;              /* len × n × n */
  gsize             n;
  GStrv             names;
  guint             xa, ya;           /* plotted states */
  double            t;
  guint             selected;
  gboolean          updating_list;

  /* the selected equilibrium */
  double            J2[4];
  double            tau, delta;
  const char       *region;
  char             *verdict;
  Sketch           *linear;
  Sketch           *nonlinear;
  GCancellable     *detail_cancellable;
  guint             detail_generation;
  gboolean          detail_running;
  guint             detail_id;
  CurrentsStabilityShow show;
  double            discrepancy;
  double           *follow;           /* the selected state, followed across updates */

  CurrentsStabilityStats stats;
  gboolean          disposed;
};

G_DEFINE_FINAL_TYPE (CurrentsStabilityView, currents_stability_view, GTK_TYPE_WIDGET)

static void schedule (CurrentsStabilityView *self, guint delay_ms);
static void start_detail (CurrentsStabilityView *self);

/* ------------------------------------------------------------------------------------ */
/* Words                                                                                  */

static const char *
type_label (const CurrentsEquilibrium *eq)
{
  switch (eq->type)
    {
    case CURRENTS_EQUILIBRIUM_STABLE_NODE: return _("stable node");
    case CURRENTS_EQUILIBRIUM_UNSTABLE_NODE: return _("unstable node");
    case CURRENTS_EQUILIBRIUM_SADDLE: return _("saddle");
    case CURRENTS_EQUILIBRIUM_STABLE_FOCUS: return _("stable spiral");
    case CURRENTS_EQUILIBRIUM_UNSTABLE_FOCUS: return _("unstable spiral");
    case CURRENTS_EQUILIBRIUM_CENTER: return _("centre (linear)");
    case CURRENTS_EQUILIBRIUM_SADDLE_FOCUS: return _("saddle-focus");
    case CURRENTS_EQUILIBRIUM_DEGENERATE:
    default:
      if (eq->n_center > 0)
        return _("non-hyperbolic");
      if (eq->n_unstable == 0)
        return _("stable degenerate node / star");
      if (eq->n_stable == 0)
        return _("unstable degenerate node / star");
      return _("saddle (repeated eigenvalue)");
    }
}

/* The label with its first letter (any script's) in upper case. */
static char *
capitalize (const char *text)
{
  const char *rest = g_utf8_next_char (text);
  g_autofree char *first = g_utf8_strup (text, rest - text);

  return g_strconcat (first, rest, NULL);
}

static CurrentsPlotGlyph
glyph_of (const CurrentsEquilibrium *eq)
{
  if (eq->n_center > 0)
    return CURRENTS_PLOT_GLYPH_NEUTRAL;
  if (eq->n_unstable == 0)
    return CURRENTS_PLOT_GLYPH_STABLE;
  if (eq->n_stable == 0)
    return CURRENTS_PLOT_GLYPH_UNSTABLE;
  return CURRENTS_PLOT_GLYPH_SADDLE;
}

/* %.4g with a real minus sign */
static char *
format_number (double v)
{
  g_autofree char *s = NULL;

  if (fabs (v) < 5e-14)
    v = 0.0;
  s = g_strdup_printf ("%.4g", v);
  if (s[0] == '-')
    return g_strconcat ("−", s + 1, NULL);
  return g_steal_pointer (&s);
}

static char *
format_eigenvalues (const CurrentsEquilibrium *eq)
{
  GString *s = g_string_new (NULL);

  for (gsize j = 0; j < eq->n; j++)
    {
      g_autofree char *re = format_number (eq->eig_re[j]);

      if (s->len > 0)
        g_string_append (s, ", ");
      if (eq->eig_im[j] != 0.0 && j + 1 < eq->n && eq->eig_im[j + 1] == -eq->eig_im[j])
        {
          g_autofree char *im = format_number (fabs (eq->eig_im[j]));

          if (eq->eig_re[j] == 0.0 || fabs (eq->eig_re[j]) < 5e-14)
            g_string_append_printf (s, "±%si", im);
          else
            g_string_append_printf (s, "%s ± %si", re, im);
          j++;
        }
      else
        g_string_append (s, re);
    }
  return g_string_free (s, FALSE);
}

const char *
currents_stability_classify_jacobian (const double J[4])
{
  double tau = J[0] + J[3], delta = J[0] * J[3] - J[1] * J[2];
  double norm = MAX (MAX (fabs (J[0]), fabs (J[1])), MAX (fabs (J[2]), fabs (J[3])));
  double disc = tau * tau - 4.0 * delta;

  if (norm == 0.0 || fabs (delta) <= REL_TOL * norm * norm)
    return "non-hyperbolic";
  if (delta < 0.0)
    return "saddle";
  if (fabs (tau) <= REL_TOL * norm)
    return "centre";
  if (fabs (disc) <= REL_TOL * norm * norm)
    {
      gboolean star = fabs (J[1]) <= REL_TOL * norm && fabs (J[2]) <= REL_TOL * norm;

      if (star)
        return tau < 0.0 ? "stable star" : "unstable star";
      return tau < 0.0 ? "stable degenerate node" : "unstable degenerate node";
    }
  if (disc > 0.0)
    return tau < 0.0 ? "stable node" : "unstable node";
  return tau < 0.0 ? "stable spiral" : "unstable spiral";
}

static const char *
region_sentence (const char *region)
{
  if (g_str_equal (region, "saddle"))
    return _("Saddle (Δ < 0): unstable. One eigen-direction attracts, the other repels.");
  if (g_str_equal (region, "stable node"))
    return _("Stable node (τ < 0, 0 < Δ < τ²/4): nearby states approach it without turning.");
  if (g_str_equal (region, "unstable node"))
    return _("Unstable node (τ > 0, 0 < Δ < τ²/4): nearby states leave it without turning.");
  if (g_str_equal (region, "stable spiral"))
    return _("Stable spiral or focus (τ < 0, Δ > τ²/4): nearby states wind inwards.");
  if (g_str_equal (region, "unstable spiral"))
    return _("Unstable spiral or focus (τ > 0, Δ > τ²/4): nearby states wind outwards.");
  if (g_str_equal (region, "centre"))
    return _("Centre (linear): nonlinear terms decide. The linearisation (τ = 0, Δ > 0) "
             "has closed orbits but cannot decide whether the model spirals in, spirals "
             "out or really circles.");
  if (g_str_equal (region, "stable degenerate node"))
    return _("Degenerate node / star (Δ = τ²/4), stable (τ < 0): a repeated eigenvalue "
             "with one eigen-direction, on the border between nodes and spirals.");
  if (g_str_equal (region, "unstable degenerate node"))
    return _("Degenerate node / star (Δ = τ²/4), unstable (τ > 0): a repeated eigenvalue "
             "with one eigen-direction, on the border between nodes and spirals.");
  if (g_str_equal (region, "stable star"))
    return _("Star (Δ = τ²/4, J = λI), stable (τ < 0): a repeated eigenvalue, every "
             "direction is an eigen-direction.");
  if (g_str_equal (region, "unstable star"))
    return _("Star (Δ = τ²/4, J = λI), unstable (τ > 0): a repeated eigenvalue, every "
             "direction is an eigen-direction.");
  return _("Non-hyperbolic: a zero eigenvalue (Δ = 0). The linearisation cannot decide "
           "stability; the nonlinear terms do.");
}

/* ------------------------------------------------------------------------------------ */
/* Flows and sketches                                                                     */

typedef struct
{
  double J[4];
  double x0, y0;
} LinearFlow;

static void
linear_velocity (gpointer data, double x, double y, double *vx, double *vy)
{
  const LinearFlow *lf = data;
  double a = x - lf->x0, b = y - lf->y0;

  *vx = lf->J[0] * a + lf->J[1] * b;
  *vy = lf->J[2] * a + lf->J[3] * b;
}

/* y ← e^{J dt} y, exactly */
static void
linear_step (gpointer data, double dt, double *x, double *y)
{
  const LinearFlow *lf = data;
  double tau = lf->J[0] + lf->J[3], delta = lf->J[0] * lf->J[3] - lf->J[1] * lf->J[2];
  double q = 0.25 * tau * tau - delta, c, s, e = exp (0.5 * tau * dt);
  double a = *x - lf->x0, b = *y - lf->y0, m00, m01, m10, m11;

  if (q > 0.0)
    {
      double r = sqrt (q);

      c = cosh (r * dt);
      s = sinh (r * dt) / r;
    }
  else if (q < 0.0)
    {
      double w = sqrt (-q);

      c = cos (w * dt);
      s = sin (w * dt) / w;
    }
  else
    {
      c = 1.0;
      s = dt;
    }
  m00 = e * (c + s * (lf->J[0] - 0.5 * tau));
  m01 = e * s * lf->J[1];
  m10 = e * s * lf->J[2];
  m11 = e * (c + s * (lf->J[3] - 0.5 * tau));
  *x = lf->x0 + m00 * a + m01 * b;
  *y = lf->y0 + m10 * a + m11 * b;
}

typedef struct
{
  CurrentsFieldWorkspace *ws;
  const double           *p, *u;
  double                  t;
  double                 *x, *f;      /* n each */
  guint                   xa, ya;
} ModelFlow;

static void
model_velocity (gpointer data, double x, double y, double *vx, double *vy)
{
  ModelFlow *mf = data;

  mf->x[mf->xa] = x;
  mf->x[mf->ya] = y;
  currents_field_eval (mf->ws, mf->t, mf->x, mf->u, mf->p, mf->f);
  *vx = mf->f[mf->xa];
  *vy = mf->f[mf->ya];
}

static void
model_step (gpointer data, double dt, double *x, double *y)
{
  double k1x, k1y, k2x, k2y, k3x, k3y, k4x, k4y;

  model_velocity (data, *x, *y, &k1x, &k1y);
  model_velocity (data, *x + 0.5 * dt * k1x, *y + 0.5 * dt * k1y, &k2x, &k2y);
  model_velocity (data, *x + 0.5 * dt * k2x, *y + 0.5 * dt * k2y, &k3x, &k3y);
  model_velocity (data, *x + dt * k3x, *y + dt * k3y, &k4x, &k4y);
  *x += dt / 6.0 * (k1x + 2.0 * k2x + 2.0 * k3x + k4x);
  *y += dt / 6.0 * (k1y + 2.0 * k2y + 2.0 * k3y + k4y);
}

/* One way from (x, y) along @flow (@sign = ±1 for forward/backward), steps of about
 * ARC_STEP window half-widths, until it leaves the window, reaches the centre or closes.
 * Writes at most TRAJ_STEPS points after the start; returns how many. */
static guint
trace (const Flow   *flow,
       const double  w[4],
       double        sign,
       double        dt_max,
       double        x,
       double        y,
       double       *ox,
       double       *oy,
       gboolean     *closed)
{
  double hx = 0.5 * (w[1] - w[0]), hy = 0.5 * (w[3] - w[2]);
  double cx = 0.5 * (w[0] + w[1]), cy = 0.5 * (w[2] + w[3]);
  double sx = x, sy = y, length = 0.0;
  guint k = 0;

  *closed = FALSE;
  while (k < TRAJ_STEPS)
    {
      double vx, vy, speed, dt, px = x, py = y, d;

      flow->velocity (flow->data, x, y, &vx, &vy);
      speed = hypot (vx / hx, vy / hy);
      if (!(speed > 0.0) || !isfinite (speed))
        break;
      dt = MIN (ARC_STEP / speed, dt_max);
      flow->step (flow->data, sign * dt, &x, &y);
      if (!isfinite (x) || !isfinite (y))
        break;
      ox[k] = x;
      oy[k] = y;
      k++;
      length += hypot ((x - px) / hx, (y - py) / hy);
      if (fabs (x - cx) > hx || fabs (y - cy) > hy)
        break;
      if (hypot ((x - cx) / hx, (y - cy) / hy) < 0.01)
        break;
      d = hypot ((x - sx) / hx, (y - sy) / hy);
      if (length > 0.5 && d < 1.5 * ARC_STEP)
        {
          *closed = TRUE;
          ox[k] = sx;
          oy[k] = sy;
          k++;
          break;
        }
    }
  return k;
}

/* The field on a GRID × GRID lattice and N_TRAJ trajectories through fixed points of
 * the window, each run both ways. */
static void
sketch_fill (Sketch       *sk,
             const Flow   *flow,
             const double  window[4],
             double        dt_max,
             GCancellable *cancellable)
{
  double hx = 0.5 * (window[1] - window[0]), hy = 0.5 * (window[3] - window[2]);
  double cx = 0.5 * (window[0] + window[1]), cy = 0.5 * (window[2] + window[3]);
  g_autofree double *bx = g_new (double, TRAJ_STEPS + 1);
  g_autofree double *by = g_new (double, TRAJ_STEPS + 1);
  g_autofree double *fxs = g_new (double, TRAJ_STEPS + 1);
  g_autofree double *fys = g_new (double, TRAJ_STEPS + 1);

  memcpy (sk->window, window, sizeof sk->window);
  for (guint j = 0; j < GRID; j++)
    for (guint i = 0; i < GRID; i++)
      {
        double x = window[0] + (i + 0.5) * (window[1] - window[0]) / GRID;
        double y = window[2] + (j + 0.5) * (window[3] - window[2]) / GRID;

        flow->velocity (flow->data, x, y, &sk->fx[j * GRID + i], &sk->fy[j * GRID + i]);
      }

  sk->n_traj = 0;
  for (guint k = 0; k < N_TRAJ; k++)
    {
      /* eight on an inner ring, four further out between them */
      double r = k < 8 ? 0.45 : 0.85;
      double angle = k < 8 ? G_PI / 8.0 + k * G_PI / 4.0 : (k - 8) * G_PI / 2.0;
      double x0 = cx + r * hx * cos (angle), y0 = cy + r * hy * sin (angle);
      double *ox = sk->tx + sk->n_traj * TRAJ_MAX, *oy = sk->ty + sk->n_traj * TRAJ_MAX;
      guint nb = 0, nf;
      gboolean closed;

      if (g_cancellable_is_cancelled (cancellable))
        return;
      nf = trace (flow, window, 1.0, dt_max, x0, y0, fxs, fys, &closed);
      if (!closed)
        nb = trace (flow, window, -1.0, dt_max, x0, y0, bx, by, &closed);
      for (guint i = 0; i < nb; i++)
        {
          ox[i] = bx[nb - 1 - i];
          oy[i] = by[nb - 1 - i];
        }
      ox[nb] = x0;
      oy[nb] = y0;
      memcpy (ox + nb + 1, fxs, nf * sizeof (double));
      memcpy (oy + nb + 1, fys, nf * sizeof (double));
      if (nb + nf == 0)
        continue;
      sk->len[sk->n_traj++] = nb + 1 + nf;
    }
}

/* Largest |λ| of the 2 × 2 block: steps stay below a fraction of its time scale. */
static double
step_limit (const double J[4])
{
  double tau = J[0] + J[3], delta = J[0] * J[3] - J[1] * J[2];
  double q = 0.25 * tau * tau - delta;
  double rho = q >= 0.0 ? fabs (0.5 * tau) + sqrt (q) : sqrt (delta);
  double norm = fabs (J[0]) + fabs (J[1]) + fabs (J[2]) + fabs (J[3]);

  rho = MAX (rho, 1e-3 * norm);
  return rho > 0.0 ? 0.05 / rho : 1.0;
}

/* ------------------------------------------------------------------------------------ */
/* The search (a worker thread on a snapshot)                                             */

typedef struct
{
  CurrentsField *field;
  double        *p, *u, *lo, *hi;
  gsize          n;
  double         t;
  guint          generation;
  GPtrArray     *eqs;
  double        *jac;
  GPtrArray     *members;   /* (nullable) an ensemble's members' systems, owned */
  guint         *agree;     /* per equilibrium found, members that have it */
} FindJob;

static void
find_job_free (gpointer data)
{
  FindJob *job = data;

  currents_field_unref (job->field);
  g_free (job->p);
  g_free (job->u);
  g_free (job->lo);
  g_free (job->hi);
  g_clear_pointer (&job->eqs, g_ptr_array_unref);
  g_free (job->jac);
  g_clear_pointer (&job->members, g_ptr_array_unref);
  g_free (job->agree);
  g_free (job);
}

static void
find_thread (GTask        *task,
             gpointer      source_object,
             gpointer      task_data,
             GCancellable *cancellable)
{
  FindJob *job = task_data;
  CurrentsEquilibriaOptions eo;
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;
  g_autofree double *f = NULL;
  GError *error = NULL;
  gsize n = job->n;

  currents_equilibria_options_init (&eo);
  eo.lo = job->lo;
  eo.hi = job->hi;
  eo.t = job->t;
  job->eqs = currents_equilibria_find (job->field, job->p, job->u, &eo, cancellable, &error);
  if (job->eqs == NULL)
    {
      g_task_return_error (task, error);
      return;
    }
  ws = currents_field_workspace_new (job->field);
  f = g_new (double, n);
  job->jac = g_new0 (double, MAX (job->eqs->len, 1) * n * n);
  for (guint i = 0; i < job->eqs->len; i++)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (job->eqs, i);

      currents_field_jacobian (ws, job->t, eq->state, job->u, job->p, f, job->jac + i * n * n,
                               NULL);
    }
  /* an ensemble: how many members have each equilibrium (the clusters of
   * currents_ensemble_equilibria, matched by the nearest median within their tolerance) */
  if (job->members != NULL)
    {
      g_autoptr(GPtrArray) clusters = currents_ensemble_equilibria (job->members, &eo, 0.0,
                                                                   cancellable, NULL);

      job->agree = g_new0 (guint, MAX (job->eqs->len, 1));
      for (guint i = 0; clusters != NULL && i < job->eqs->len; i++)
        {
          const CurrentsEquilibrium *eq = g_ptr_array_index (job->eqs, i);
          double best = G_MAXDOUBLE;

          for (guint c = 0; c < clusters->len; c++)
            {
              const CurrentsEnsembleEquilibrium *ce = g_ptr_array_index (clusters, c);
              double worst = 0.0;

              for (gsize k = 0; k < n; k++)
                worst = MAX (worst, fabs (ce->median[k] - eq->state[k])
                                    / MAX (job->hi[k] - job->lo[k], 1e-300));
              if (worst < 0.15 && worst < best)
                {
                  best = worst;
                  job->agree[i] = (guint) ce->agree;
                }
            }
        }
    }
  g_task_return_boolean (task, TRUE);
}

static gboolean
is_cancellation (const GError *error)
{
  return g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
         || g_error_matches (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED);
}

static void
update_busy (CurrentsStabilityView *self)
{
  gboolean busy = currents_stability_view_get_busy (self);

  gtk_spinner_set_spinning (self->eq_spinner, busy);
  gtk_widget_set_visible (GTK_WIDGET (self->eq_spinner), busy);
}

static void
set_message (CurrentsStabilityView *self,
             const char            *message,
             gboolean               error)
{
  g_free (self->message);
  self->message = g_strdup (message);
  gtk_label_set_text (self->eq_status, message != NULL ? message : "");
  gtk_widget_set_visible (GTK_WIDGET (self->eq_status), message != NULL);
  if (error)
    gtk_widget_add_css_class (GTK_WIDGET (self->eq_status), "error");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (self->eq_status), "error");
}

/* ------------------------------------------------------------------------------------ */
/* The table                                                                              */

static void
glyph_draw (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        data)
{
  CurrentsPlotTheme theme;
  CurrentsPlotColor ink, paper;

  currents_plot_theme_init (&theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
  ink = theme.equilibrium;
  paper = theme.plot_background;
  currents_plot_draw_glyph (cr, 0.5 * width, 0.5 * height, 6.0,
                            (CurrentsPlotGlyph) GPOINTER_TO_INT (data), &ink, &paper);
}

static char *
format_state (CurrentsStabilityView     *self,
              const CurrentsEquilibrium *eq)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < eq->n; i++)
    {
      g_autofree char *v = format_number (eq->state[i]);

      g_string_append_printf (s, "%s%s = %s", i > 0 ? ", " : "", self->names[i], v);
    }
  return g_string_free (s, FALSE);
}

static void
rebuild_list (CurrentsStabilityView *self)
{
  GtkWidget *child;

  self->updating_list = TRUE;
  while ((child = gtk_widget_get_first_child (GTK_WIDGET (self->eq_list))) != NULL)
    gtk_list_box_remove (self->eq_list, child);
  for (guint r = 0; self->eqs != NULL && r < self->eqs->len; r++)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (self->eqs, r);
      g_autofree char *state = format_state (self, eq);
      g_autofree char *eig = format_eigenvalues (eq);
      g_autofree char *found = self->agree != NULL && self->n_members > 0
                               ? g_strdup_printf (ngettext ("\nFound in %u of %u ensemble member",
                                                            "\nFound in %u of %u ensemble members",
                                                            self->n_members),
                                                  self->agree[r], self->n_members)
                               : g_strdup ("");
      g_autofree char *subtitle = g_strdup_printf ("%s\nλ = %s%s", state, eig, found);
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *glyph = gtk_drawing_area_new ();
      g_autofree char *title = capitalize (type_label (eq));

      adw_preferences_row_set_use_markup (ADW_PREFERENCES_ROW (row), FALSE);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), title);
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row), subtitle);
      adw_action_row_set_subtitle_lines (ADW_ACTION_ROW (row), 0);
      gtk_drawing_area_set_content_width (GTK_DRAWING_AREA (glyph), 16);
      gtk_drawing_area_set_content_height (GTK_DRAWING_AREA (glyph), 16);
      gtk_widget_set_valign (glyph, GTK_ALIGN_CENTER);
      gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (glyph), glyph_draw,
                                      GINT_TO_POINTER (glyph_of (eq)), NULL);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), glyph);
      gtk_list_box_append (self->eq_list, row);
    }
  self->updating_list = FALSE;
}

static void
restrict_jacobian (CurrentsStabilityView *self,
                   guint                  row,
                   double                 J2[4])
{
  const double *J = self->jac + row * self->n * self->n;
  gsize n = self->n;

  J2[0] = J[self->xa * n + self->xa];
  J2[1] = J[self->xa * n + self->ya];
  J2[2] = J[self->ya * n + self->xa];
  J2[3] = J[self->ya * n + self->ya];
}

/* The neighbourhood: the portrait's view (else the search box) scaled about x*. */
static void
neighbourhood (CurrentsStabilityView     *self,
               const CurrentsEquilibrium *eq,
               double                     window[4])
{
  double view[4], frac = pow (10.0, gtk_adjustment_get_value (self->zoom_adjustment));
  CurrentsSystem *system = self->portrait != NULL ? currents_portrait_get_system (self->portrait)
                                                  : NULL;
  double wx = 1.0, wy = 1.0;

  if (self->portrait != NULL && currents_portrait_get_view (self->portrait, view)
      && currents_portrait_get_x_axis (self->portrait) == self->xa
      && currents_portrait_get_y_axis (self->portrait) == self->ya)
    {
      wx = view[1] - view[0];
      wy = view[3] - view[2];
    }
  else if (system != NULL && currents_system_get_n_states (system) == self->n)
    {
      g_autofree double *lo = g_new (double, self->n);
      g_autofree double *hi = g_new (double, self->n);

      currents_system_get_default_box (system, lo, hi);
      wx = hi[self->xa] - lo[self->xa];
      wy = hi[self->ya] - lo[self->ya];
    }
  if (!(wx > 0.0) || !isfinite (wx))
    wx = 1.0;
  if (!(wy > 0.0) || !isfinite (wy))
    wy = 1.0;
  window[0] = eq->state[self->xa] - frac * wx;
  window[1] = eq->state[self->xa] + frac * wx;
  window[2] = eq->state[self->ya] - frac * wy;
  window[3] = eq->state[self->ya] + frac * wy;
}

static void
update_captions (CurrentsStabilityView *self)
{
  const CurrentsEquilibrium *eq;
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL, *tau = NULL, *delta = NULL;
  g_autofree char *disc = NULL, *caption = NULL, *numbers = NULL;
  const char *xs, *ys;

  if (self->eqs == NULL || self->selected >= self->eqs->len || self->n < 2)
    {
      gboolean one_state = self->eqs != NULL && self->selected < self->eqs->len && self->n < 2;

      gtk_label_set_text (self->verdict_label,
                          one_state ? _("A model with one state has no phase plane: the sign "
                                        "of its eigenvalue decides.")
                          : self->eqs != NULL && self->eqs->len > 0
                            ? _("Select an equilibrium in the list.") : "");
      gtk_label_set_text (self->numbers_label, "");
      gtk_label_set_text (self->linear_title, _("Linearisation"));
      gtk_label_set_text (self->plane_title, one_state ? _("Eigenvalues in the Complex Plane")
                                                       : _("Trace–Determinant Plane"));
      gtk_label_set_text (self->linear_caption, "");
      gtk_label_set_text (self->plane_caption, "");
      return;
    }
  eq = g_ptr_array_index (self->eqs, self->selected);
  xs = self->names[self->xa];
  ys = self->names[self->ya];
  a = format_number (self->J2[0]);
  b = format_number (self->J2[1]);
  c = format_number (self->J2[2]);
  d = format_number (self->J2[3]);
  tau = format_number (self->tau);
  delta = format_number (self->delta);
  disc = format_number (self->tau * self->tau - 4.0 * self->delta);

  gtk_label_set_text (self->verdict_label, self->verdict);
  numbers = g_strdup_printf (_("J = [%s, %s; %s, %s]\nτ = tr J = %s\nΔ = det J = %s\n"
                               "τ² − 4Δ = %s"), a, b, c, d, tau, delta, disc);
  gtk_label_set_text (self->numbers_label, numbers);

  {
    g_autofree char *xv = format_number (eq->state[self->xa]);
    g_autofree char *yv = format_number (eq->state[self->ya]);
    g_autofree char *title = g_strdup_printf (_("Linearisation near %s* = %s, %s* = %s"),
                                              xs, xv, ys, yv);

    gtk_label_set_text (self->linear_title, title);
  }

  if (self->show == CURRENTS_STABILITY_SHOW_LINEAR)
    caption = g_strdup (_("The linearisation y′ = J y: its direction field, its "
                          "eigen-directions (real eigenvalues) and exact trajectories "
                          "exp(J t) y₀. Compare with “Nonlinear”: close to the equilibrium "
                          "the two agree (Hartman–Grobman) unless it is non-hyperbolic."));
  else if (self->show == CURRENTS_STABILITY_SHOW_NONLINEAR)
    caption = g_strdup (_("The model's own field and trajectories in the same window, "
                          "with the eigen-directions of J dashed: near a hyperbolic "
                          "equilibrium they look like the linearisation's."));
  else
    caption = g_strdup (_("The model's field; exact linear trajectories solid, the "
                          "model's trajectories dashed from the same starting points."));
  if (self->show != CURRENTS_STABILITY_SHOW_LINEAR && isfinite (self->discrepancy))
    {
      g_autofree char *more = g_strdup_printf (_(" In this window the model's field differs "
                                                 "from J y by at most %.2g %% of J y's "
                                                 "largest arrow."),
                                               100.0 * self->discrepancy);
      char *joined = g_strconcat (caption, more, NULL);

      g_free (caption);
      caption = joined;
    }
  if (self->n > 2)
    {
      g_autofree char *more = g_strdup_printf (_(" J here is the 2 × 2 block of the %zu × %zu "
                                                 "Jacobian in %s and %s; the other states "
                                                 "are held at the equilibrium."),
                                               self->n, self->n, xs, ys);
      char *joined = g_strconcat (caption, more, NULL);

      g_free (caption);
      caption = joined;
    }
  gtk_label_set_text (self->linear_caption, caption);

  if (self->n == 2)
    {
      gtk_label_set_text (self->plane_title, _("Trace–Determinant Plane"));
      gtk_label_set_text (self->plane_caption,
                          _("Where τ = tr J and Δ = det J put the equilibrium: saddles below "
                            "Δ = 0, nodes between it and the parabola Δ = τ²/4, spirals "
                            "above; stable on the left (τ < 0), unstable on the right. "
                            "The other equilibria are shown small."));
    }
  else
    {
      gtk_label_set_text (self->plane_title, _("Eigenvalues in the Complex Plane"));
      gtk_label_set_text (self->plane_caption,
                          _("The trace–determinant plane applies to two-state systems. "
                            "With more states, stability is read from all the eigenvalues "
                            "of J: stable when every one lies in the shaded left half-plane."));
    }
}

static void
invalidate_detail (CurrentsStabilityView *self)
{
  self->discrepancy = NAN;
  self->detail_generation++;
  g_cancellable_cancel (self->detail_cancellable);
  g_clear_object (&self->detail_cancellable);
  self->detail_running = FALSE;
  g_clear_pointer (&self->nonlinear, g_free);
  g_clear_handle_id (&self->detail_id, g_source_remove);
}

static void
select_internal (CurrentsStabilityView *self,
                 guint                  row)
{
  const CurrentsEquilibrium *eq;

  invalidate_detail (self);
  g_clear_pointer (&self->linear, g_free);
  g_clear_pointer (&self->verdict, g_free);
  self->region = NULL;
  self->selected = G_MAXUINT;
  if (self->eqs != NULL && row < self->eqs->len)
    {
      self->selected = row;
      eq = g_ptr_array_index (self->eqs, row);
      g_free (self->follow);
      self->follow = g_memdup2 (eq->state, eq->n * sizeof (double));
      if (self->portrait != NULL)
        currents_portrait_highlight_state (self->portrait, eq->state);
      if (self->n >= 2)
        {
          LinearFlow lf;
          Flow flow = { linear_velocity, linear_step, &lf };
          double window[4];

          restrict_jacobian (self, row, self->J2);
          self->tau = self->J2[0] + self->J2[3];
          self->delta = self->J2[0] * self->J2[3] - self->J2[1] * self->J2[2];
          self->region = currents_stability_classify_jacobian (self->J2);
          if (self->n == 2)
            self->verdict = g_strdup (region_sentence (self->region));
          else
            {
              g_autofree char *kind = capitalize (type_label (eq));

              self->verdict = g_strdup_printf (_("%s of the full %zu-state system (from all "
                                                 "%zu eigenvalues). In the %s–%s slice: %s"),
                                               kind, self->n, self->n, self->names[self->xa],
                                               self->names[self->ya],
                                               region_sentence (self->region));
            }
          memcpy (lf.J, self->J2, sizeof lf.J);
          lf.x0 = eq->state[self->xa];
          lf.y0 = eq->state[self->ya];
          neighbourhood (self, eq, window);
          self->linear = g_new0 (Sketch, 1);
          sketch_fill (self->linear, &flow, window, step_limit (self->J2), NULL);
          start_detail (self);
        }
    }
  else if (self->portrait != NULL)
    currents_portrait_highlight_state (self->portrait, NULL);

  self->updating_list = TRUE;
  if (self->selected != G_MAXUINT)
    gtk_list_box_select_row (self->eq_list,
                             gtk_list_box_get_row_at_index (self->eq_list, (int) self->selected));
  else
    gtk_list_box_unselect_all (self->eq_list);
  self->updating_list = FALSE;
  update_captions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->linear_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->plane_area));
  update_busy (self);
}

static void
row_selected_cb (GtkListBox            *box,
                 GtkListBoxRow         *row,
                 CurrentsStabilityView *self)
{
  /* rows removed while the template goes away select nothing */
  if (self->updating_list || self->disposed)
    return;
  select_internal (self, row != NULL ? (guint) gtk_list_box_row_get_index (row) : G_MAXUINT);
}

/* ------------------------------------------------------------------------------------ */
/* The model's neighbourhood (a worker thread)                                           */

typedef struct
{
  CurrentsField *field;
  double        *p, *u, *x;
  gsize          n;
  double         t;
  guint          xa, ya;
  double         window[4];
  double         dt_max;
  guint          generation;
  Sketch        *sketch;
} DetailJob;

static void
detail_job_free (gpointer data)
{
  DetailJob *job = data;

  currents_field_unref (job->field);
  g_free (job->p);
  g_free (job->u);
  g_free (job->x);
  g_free (job->sketch);
  g_free (job);
}

static void
detail_thread (GTask        *task,
               gpointer      source_object,
               gpointer      task_data,
               GCancellable *cancellable)
{
  DetailJob *job = task_data;
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (job->field);
  g_autofree double *f = g_new (double, job->n);
  ModelFlow mf = { ws, job->p, job->u, job->t, job->x, f, job->xa, job->ya };
  Flow flow = { model_velocity, model_step, &mf };

  job->sketch = g_new0 (Sketch, 1);
  sketch_fill (job->sketch, &flow, job->window, job->dt_max, cancellable);
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
      return;
    }
  g_task_return_boolean (task, TRUE);
}

static void
detail_done (GObject      *object,
             GAsyncResult *result,
             gpointer      user_data)
{
  CurrentsStabilityView *self = CURRENTS_STABILITY_VIEW (object);
  DetailJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;

  if (job->generation != self->detail_generation)
    return;
  self->detail_running = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      update_busy (self);
      return;
    }
  g_clear_pointer (&self->nonlinear, g_free);
  self->nonlinear = g_steal_pointer (&job->sketch);
  if (self->linear != NULL)
    {
      double worst = 0.0, largest = 0.0;

      for (guint i = 0; i < GRID * GRID; i++)
        {
          worst = MAX (worst, hypot (self->nonlinear->fx[i] - self->linear->fx[i],
                                     self->nonlinear->fy[i] - self->linear->fy[i]));
          largest = MAX (largest, hypot (self->linear->fx[i], self->linear->fy[i]));
        }
      self->discrepancy = largest > 0.0 ? worst / largest : NAN;
    }
  update_captions (self);
  self->n_updates++;
  update_busy (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->linear_area));
}

static void
start_detail (CurrentsStabilityView *self)
{
  CurrentsSystem *system = self->portrait != NULL ? currents_portrait_get_system (self->portrait)
                                                  : NULL;
  const CurrentsEquilibrium *eq;
  g_autoptr(GTask) task = NULL;
  DetailJob *job;

  if (system == NULL || self->linear == NULL || self->selected == G_MAXUINT
      || currents_system_get_n_states (system) != self->n)
    return;
  invalidate_detail (self);
  eq = g_ptr_array_index (self->eqs, self->selected);
  job = g_new0 (DetailJob, 1);
  job->field = currents_field_ref (currents_system_get_field (system));
  job->n = self->n;
  job->p = g_memdup2 (currents_system_get_params (system),
                      MAX (currents_system_get_n_params (system), 1) * sizeof (double));
  job->u = g_memdup2 (currents_system_get_inputs (system),
                      MAX (currents_system_get_n_inputs (system), 1) * sizeof (double));
  job->x = g_memdup2 (eq->state, self->n * sizeof (double));
  job->t = self->t;
  job->xa = self->xa;
  job->ya = self->ya;
  memcpy (job->window, self->linear->window, sizeof job->window);
  job->dt_max = step_limit (self->J2);
  job->generation = self->detail_generation;
  self->detail_cancellable = g_cancellable_new ();
  self->detail_running = TRUE;
  task = g_task_new (self, self->detail_cancellable, detail_done, NULL);
  g_task_set_source_tag (task, start_detail);
  g_task_set_task_data (task, job, detail_job_free);
  g_task_run_in_thread (task, detail_thread);
  update_busy (self);
}

static gboolean
detail_timeout (gpointer data)
{
  CurrentsStabilityView *self = data;
  guint row = self->selected;

  self->detail_id = 0;
  /* the neighbourhood changed: both sketches again */
  select_internal (self, row);
  return G_SOURCE_REMOVE;
}

static void
zoom_changed_cb (GtkAdjustment         *adjustment,
                 CurrentsStabilityView *self)
{
  if (self->selected == G_MAXUINT)
    return;
  g_clear_handle_id (&self->detail_id, g_source_remove);
  self->detail_id = g_timeout_add (DEBOUNCE_MS, detail_timeout, self);
}

static void
show_toggled_cb (GtkToggleButton       *button,
                 CurrentsStabilityView *self)
{
  if (!gtk_toggle_button_get_active (button))
    return;
  if (button == self->linear_button)
    self->show = CURRENTS_STABILITY_SHOW_LINEAR;
  else if (button == self->nonlinear_button)
    self->show = CURRENTS_STABILITY_SHOW_NONLINEAR;
  else
    self->show = CURRENTS_STABILITY_SHOW_BOTH;
  update_captions (self);
  gtk_widget_queue_draw (GTK_WIDGET (self->linear_area));
}

/* ------------------------------------------------------------------------------------ */
/* Starting the search and applying its result                                           */

static void
find_done (GObject      *object,
           GAsyncResult *result,
           gpointer      user_data)
{
  CurrentsStabilityView *self = CURRENTS_STABILITY_VIEW (object);
  FindJob *job = g_task_get_task_data (G_TASK (result));
  g_autoptr(GError) error = NULL;
  const double *previous = NULL;
  guint row = G_MAXUINT;
  CurrentsSystem *system;

  if (job->generation != self->generation)
    return;
  self->running = FALSE;
  if (!g_task_propagate_boolean (G_TASK (result), &error))
    {
      if (!is_cancellation (error))
        {
          g_clear_pointer (&self->eqs, g_ptr_array_unref);
          rebuild_list (self);
          select_internal (self, G_MAXUINT);
          set_message (self, error->message, TRUE);
          self->n_updates++;
        }
      update_busy (self);
      return;
    }

  g_clear_pointer (&self->eqs, g_ptr_array_unref);
  g_free (self->jac);
  self->eqs = g_steal_pointer (&job->eqs);
  self->jac = g_steal_pointer (&job->jac);
  g_free (self->agree);
  self->agree = g_steal_pointer (&job->agree);
  self->n_members = job->members != NULL ? job->members->len : 0;
  system = self->portrait != NULL ? currents_portrait_get_system (self->portrait) : NULL;
  g_strfreev (self->names);
  self->names = NULL;
  if (system != NULL)
    self->names = g_strdupv ((GStrv) currents_system_get_state_names (system));
  rebuild_list (self);

  if (self->eqs->len == 0)
    set_message (self, _("No equilibrium in the search box at these values: every state "
                         "moves. Widen the portrait's view or change the sliders."), FALSE);
  else
    set_message (self, NULL, FALSE);

  /* keep following the equilibrium that was selected (the nearest one now) */
  previous = self->follow;
  if (previous != NULL && self->eqs->len > 0)
    {
      double best = INFINITY;

      for (guint i = 0; i < self->eqs->len; i++)
        {
          const CurrentsEquilibrium *eq = g_ptr_array_index (self->eqs, i);
          double d = 0.0;

          for (gsize k = 0; k < self->n; k++)
            d += (eq->state[k] - previous[k]) * (eq->state[k] - previous[k])
                 / ((job->hi[k] - job->lo[k]) * (job->hi[k] - job->lo[k]));
          if (d < best)
            {
              best = d;
              row = i;
            }
        }
    }
  else if (self->eqs->len > 0)
    row = 0;
  self->n_updates++;
  select_internal (self, row);
}

static void
describe_context (CurrentsStabilityView *self,
                  CurrentsSystem        *system)
{
  GString *s = g_string_new (NULL);
  const char *const *inputs = currents_system_get_input_names (system);
  const double *u = currents_system_get_inputs (system), *p = currents_system_get_params (system);
  gsize n_named = currents_system_get_n_named_params (system);

  for (gsize i = 0; i < currents_system_get_n_inputs (system); i++)
    {
      g_autofree char *v = format_number (u[i]);

      g_string_append_printf (s, "%s%s = %s", s->len > 0 ? ", " : "", inputs[i], v);
    }
  for (gsize i = 0; i < n_named; i++)
    {
      g_autofree char *v = format_number (p[i]);

      g_string_append_printf (s, "%s%s = %s", s->len > 0 ? ", " : "",
                              currents_system_get_param_name (system, i), v);
    }
  if (s->len > 0)
    {
      g_autofree char *text = g_strdup_printf (_("Every equilibrium of the full model at %s"),
                                               s->str);

      gtk_label_set_text (self->context_label, text);
    }
  else
    gtk_label_set_text (self->context_label, _("Every equilibrium of the full model"));
  if (!currents_field_is_autonomous (currents_system_get_field (system)))
    {
      g_autofree char *t = format_number (self->t);
      g_autofree char *text = g_strdup_printf (_("%s, with time held at t = %s (the model "
                                                 "is not autonomous)"),
                                               gtk_label_get_text (self->context_label), t);

      gtk_label_set_text (self->context_label, text);
    }
  g_string_free (s, TRUE);
}

static void
start_find (CurrentsStabilityView *self)
{
  CurrentsSystem *system = self->portrait != NULL ? currents_portrait_get_system (self->portrait)
                                                  : NULL;
  g_autoptr(GTask) task = NULL;
  FindJob *job;
  double view[4];
  gsize n;
  guint xa, ya;

  self->generation++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  self->running = FALSE;
  self->dirty = FALSE;

  if (system == NULL || currents_system_get_n_states (system) == 0)
    {
      g_clear_pointer (&self->eqs, g_ptr_array_unref);
      rebuild_list (self);
      select_internal (self, G_MAXUINT);
      gtk_label_set_text (self->context_label, "");
      set_message (self, _("Open a model to see its equilibria and their stability."), FALSE);
      self->n_updates++;
      update_busy (self);
      return;
    }
  n = currents_system_get_n_states (system);
  if (self->eqs != NULL && self->n != n)
    {
      g_clear_pointer (&self->eqs, g_ptr_array_unref);
      rebuild_list (self);
      select_internal (self, G_MAXUINT);
    }
  self->n = n;
  self->t = currents_system_get_t0 (system);
  xa = currents_portrait_get_x_axis (self->portrait);
  ya = currents_portrait_get_y_axis (self->portrait);
  if (xa >= n)
    xa = (ya == 0 && n > 1) ? 1 : 0;
  if (ya >= n || ya == xa)
    ya = xa == 0 ? MIN (1, n - 1) : 0;
  self->xa = xa;
  self->ya = ya;
  describe_context (self, system);

  job = g_new0 (FindJob, 1);
  job->field = currents_field_ref (currents_system_get_field (system));
  job->n = n;
  job->t = self->t;
  job->p = g_memdup2 (currents_system_get_params (system),
                      MAX (currents_system_get_n_params (system), 1) * sizeof (double));
  job->u = g_memdup2 (currents_system_get_inputs (system),
                      MAX (currents_system_get_n_inputs (system), 1) * sizeof (double));
  job->lo = g_new (double, n);
  job->hi = g_new (double, n);
  currents_system_get_default_box (system, job->lo, job->hi);
  /* what the portrait shows is searched too */
  if (currents_portrait_get_view (self->portrait, view))
    {
      guint pa = currents_portrait_get_x_axis (self->portrait);
      guint pb = currents_portrait_get_y_axis (self->portrait);

      if (pa < n && isfinite (view[0]) && isfinite (view[1]))
        {
          job->lo[pa] = MIN (job->lo[pa], view[0]);
          job->hi[pa] = MAX (job->hi[pa], view[1]);
        }
      if (pb < n && isfinite (view[2]) && isfinite (view[3]))
        {
          job->lo[pb] = MIN (job->lo[pb], view[2]);
          job->hi[pb] = MAX (job->hi[pb], view[3]);
        }
    }
  job->generation = self->generation;
  if (currents_portrait_get_shown_ensemble (self->portrait) != NULL)
    {
      job->members = currents_ensemble_new_systems (currents_portrait_get_shown_ensemble (self->portrait));
      for (guint k = 0; k < job->members->len; k++)
        _currents_ensemble_copy_settings (g_ptr_array_index (job->members, k), system);
    }

  self->cancellable = g_cancellable_new ();
  self->running = TRUE;
  task = g_task_new (self, self->cancellable, find_done, NULL);
  g_task_set_source_tag (task, start_find);
  g_task_set_task_data (task, job, find_job_free);
  g_task_run_in_thread (task, find_thread);
  update_busy (self);
}

static gboolean
debounce_timeout (gpointer data)
{
  CurrentsStabilityView *self = data;

  self->debounce_id = 0;
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    start_find (self);
  return G_SOURCE_REMOVE;
}

static void
schedule (CurrentsStabilityView *self,
          guint                  delay_ms)
{
  self->dirty = TRUE;
  /* whatever runs is stale now */
  self->generation++;
  g_cancellable_cancel (self->cancellable);
  self->running = FALSE;
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  if (gtk_widget_get_mapped (GTK_WIDGET (self)))
    self->debounce_id = g_timeout_add (delay_ms, debounce_timeout, self);
  update_busy (self);
}

static void
content_changed_cb (CurrentsPortrait      *portrait,
                    CurrentsStabilityView *self)
{
  CurrentsSystem *system = portrait != NULL ? currents_portrait_get_system (portrait) : NULL;
  g_autofree double *follow = g_steal_pointer (&self->follow);

  /* the old table goes; the selection is followed into a model of the same shape (a
   * better trained one, other axes) */
  g_clear_pointer (&self->eqs, g_ptr_array_unref);
  g_clear_pointer (&self->jac, g_free);
  self->selected = G_MAXUINT;
  rebuild_list (self);
  select_internal (self, G_MAXUINT);
  g_clear_pointer (&self->follow, g_free);
  if (system != NULL && currents_system_get_n_states (system) == self->n)
    self->follow = g_steal_pointer (&follow);
  schedule (self, 0);
}

static void
value_changed_cb (CurrentsParameterPanel *panel,
                  guint                   kind,
                  guint                   index,
                  double                  value,
                  CurrentsStabilityView  *self)
{
  /* a state held off the plane changes no equilibrium of the full model */
  if (kind == CURRENTS_PARAMETER_STATE)
    return;
  schedule (self, DEBOUNCE_MS);
}

static void
map_cb (GtkWidget             *widget,
        CurrentsStabilityView *self)
{
  if (self->dirty || self->eqs == NULL)
    schedule (self, 0);
  else if (self->selected != G_MAXUINT && self->portrait != NULL)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (self->eqs, self->selected);

      currents_portrait_highlight_state (self->portrait, eq->state);
      if (self->nonlinear == NULL && self->linear != NULL)
        start_detail (self);
    }
}

static void
unmap_cb (GtkWidget             *widget,
          CurrentsStabilityView *self)
{
  /* nothing is computed while hidden: what runs now is done again when shown */
  if (self->running || self->debounce_id != 0)
    {
      self->generation++;
      g_cancellable_cancel (self->cancellable);
      g_clear_handle_id (&self->debounce_id, g_source_remove);
      self->running = FALSE;
      self->dirty = TRUE;
    }
  if (self->detail_running)
    invalidate_detail (self);
  update_busy (self);
}

/* ------------------------------------------------------------------------------------ */
/* Drawing                                                                                */

typedef enum
{
  ANCHOR_START,
  ANCHOR_MIDDLE,
  ANCHOR_END,
} Anchor;

static void
draw_text (cairo_t                 *cr,
           const CurrentsPlotTheme *theme,
           double                   x,
           double                   y,
           const char              *text,
           Anchor                   ax,
           Anchor                   ay,
           double                   scale,
           gboolean                 bold,
           const CurrentsPlotColor *color)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (theme->font);
  int w, h;

  pango_font_description_set_size (desc, (int) (pango_font_description_get_size (desc) * scale));
  if (bold)
    pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  cairo_save (cr);
  currents_plot_set_source_color (cr, color != NULL ? color : &theme->foreground);
  cairo_move_to (cr, x - (ax == ANCHOR_START ? 0.0 : ax == ANCHOR_MIDDLE ? 0.5 * w : w),
                 y - (ay == ANCHOR_START ? 0.0 : ay == ANCHOR_MIDDLE ? 0.5 * h : h));
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  pango_font_description_free (desc);
  g_object_unref (layout);
}

/* The same on a rounded patch of the plot's paper, legible over regions and lines. */
static void
draw_boxed_text (cairo_t                 *cr,
                 const CurrentsPlotTheme *theme,
                 double                   x,
                 double                   y,
                 const char              *text,
                 gboolean                 left_of)
{
  PangoLayout *layout = pango_cairo_create_layout (cr);
  PangoFontDescription *desc = pango_font_description_from_string (theme->font);
  CurrentsPlotColor paper = theme->plot_background;
  int w, h;
  double x0;

  pango_font_description_set_size (desc, (int) (pango_font_description_get_size (desc) * 0.9));
  pango_font_description_set_weight (desc, PANGO_WEIGHT_BOLD);
  pango_layout_set_font_description (layout, desc);
  pango_layout_set_text (layout, text, -1);
  pango_layout_get_pixel_size (layout, &w, &h);
  x0 = left_of ? x - w : x;
  cairo_save (cr);
  paper.alpha = 0.88;
  currents_plot_set_source_color (cr, &paper);
  cairo_new_sub_path (cr);
  cairo_arc (cr, x0 + w + 1.0, y + 2.0, 3.0, -G_PI / 2.0, 0.0);
  cairo_arc (cr, x0 + w + 1.0, y + h - 2.0, 3.0, 0.0, G_PI / 2.0);
  cairo_arc (cr, x0 - 1.0, y + h - 2.0, 3.0, G_PI / 2.0, G_PI);
  cairo_arc (cr, x0 - 1.0, y + 2.0, 3.0, G_PI, 1.5 * G_PI);
  cairo_close_path (cr);
  cairo_fill (cr);
  currents_plot_set_source_color (cr, &theme->foreground);
  cairo_move_to (cr, x0, y);
  pango_cairo_show_layout (cr, layout);
  cairo_restore (cr);
  pango_font_description_free (desc);
  g_object_unref (layout);
}

static void
draw_message (cairo_t                 *cr,
              const CurrentsPlotTheme *theme,
              int                      width,
              int                      height,
              const char              *text)
{
  CurrentsPlotColor dim = theme->foreground;

  currents_plot_set_source_color (cr, &theme->background);
  cairo_paint (cr);
  dim.alpha = 0.6;
  draw_text (cr, theme, 0.5 * width, 0.5 * height, text, ANCHOR_MIDDLE, ANCHOR_MIDDLE, 1.0,
             FALSE, &dim);
}

/* As currents_plot_layout(), with the plot area's height between 0.75 and 1.2 times its
 * width (centred across, at the top down): the linearisation's directions are not
 * stretched much more than the portrait's. */
static void
square_layout (cairo_t                 *cr,
               const CurrentsPlotTheme *theme,
               int                      width,
               int                      height,
               const double             r[4],
               CurrentsPlotViewport    *vp)
{
  double d;

  currents_plot_layout (cr, theme, width, height, r[0], r[1], r[2], r[3], 0.0, vp);
  d = vp->height - 1.2 * vp->width;
  if (d > 0.0)
    {
      vp->top += 0.25 * d;
      vp->height -= d;
    }
  d = 0.75 * vp->width - vp->height;
  if (d > 0.0)
    {
      vp->left += 0.5 * d / 0.75;
      vp->width -= d / 0.75;
    }
}

static void
theme_for (CurrentsPlotTheme *theme)
{
  currents_plot_theme_init (theme, adw_style_manager_get_dark (adw_style_manager_get_default ()));
}

static guint
draw_trajectories (cairo_t                    *cr,
                   const CurrentsPlotViewport *vp,
                   const Sketch               *sk,
                   const CurrentsPlotColor    *color,
                   gboolean                    dashed)
{
  guint drawn = 0;

  cairo_save (cr);
  if (dashed)
    cairo_set_dash (cr, (double[]) { 5.0, 3.0 }, 2, 0.0);
  for (guint k = 0; k < sk->n_traj; k++)
    if (currents_plot_draw_polyline (cr, vp, sk->tx + k * TRAJ_MAX, 1, sk->ty + k * TRAJ_MAX, 1,
                                     sk->len[k], color, 1.6, 0.55) > 0)
      drawn++;
  cairo_restore (cr);
  return drawn;
}

/* Real eigenvectors of the 2 × 2 block, as lines through the equilibrium. */
static guint
draw_eigen_directions (CurrentsStabilityView      *self,
                       cairo_t                    *cr,
                       const CurrentsPlotTheme    *theme,
                       const CurrentsPlotViewport *vp,
                       double                      x0,
                       double                      y0,
                       gboolean                    dashed)
{
  const double *J = self->J2;
  double tau = self->tau, q = 0.25 * tau * tau - self->delta;
  double norm = MAX (MAX (fabs (J[0]), fabs (J[1])), MAX (fabs (J[2]), fabs (J[3])));
  double lambda[2];
  guint n_lambda, drawn = 0;

  if (norm == 0.0 || q < -REL_TOL * norm * norm)
    return 0;
  if (q <= REL_TOL * norm * norm)
    {
      lambda[0] = 0.5 * tau;
      n_lambda = 1;
    }
  else
    {
      lambda[0] = 0.5 * tau + sqrt (q);
      lambda[1] = 0.5 * tau - sqrt (q);
      n_lambda = 2;
    }
  for (guint k = 0; k < n_lambda; k++)
    {
      /* (J − λI) v = 0: v from the row of J − λI with the larger entries */
      double a = J[0] - lambda[k], b = J[1], c = J[2], d = J[3] - lambda[k], vx, vy, len, s;
      double xs[2], ys[2], ex, ey;
      CurrentsPlotColor color;
      g_autofree char *lv = format_number (lambda[k]);
      g_autofree char *label = NULL;

      if (hypot (a, b) >= hypot (c, d))
        {
          vx = -b;
          vy = a;
        }
      else
        {
          vx = -d;
          vy = c;
        }
      len = hypot (vx, vy);
      if (!(len > REL_TOL * norm))
        continue;   /* J = λI: a star, every direction is one */
      vx /= len;
      vy /= len;
      /* long enough to cross the window */
      s = 4.0 * MAX (vp->xhi - vp->xlo, vp->yhi - vp->ylo);
      xs[0] = x0 - s * vx;
      xs[1] = x0 + s * vx;
      ys[0] = y0 - s * vy;
      ys[1] = y0 + s * vy;
      /* blue attracts, red repels */
      currents_plot_theme_palette_color (theme, lambda[k] < 0.0 ? 4 : 2, &color);
      cairo_save (cr);
      if (dashed)
        cairo_set_dash (cr, (double[]) { 7.0, 4.0 }, 2, 0.0);
      currents_plot_draw_polyline (cr, vp, xs, 1, ys, 1, 2, &color, 2.2, -1.0);
      cairo_restore (cr);
      drawn++;

      /* the label where the line leaves the plot area, inside it */
      {
        double t = INFINITY, dxp, dyp, sign;

        if (vx != 0.0)
          t = MIN (t, fabs (0.5 * (vp->xhi - vp->xlo) / vx));
        if (vy != 0.0)
          t = MIN (t, fabs (0.5 * (vp->yhi - vp->ylo) / vy));
        t *= 0.8;
        /* the first label in the upper half (or on the right), the second opposite */
        sign = vy > 0.0 || (vy == 0.0 && vx > 0.0) ? 1.0 : -1.0;
        if (k == 1)
          sign = -sign;
        ex = x0 + t * vx * sign;
        ey = y0 + t * vy * sign;
        currents_plot_viewport_to_device (vp, ex, ey, &dxp, &dyp);
        label = g_strdup_printf ("λ = %s", lv);
        if (dxp > vp->left + 0.5 * vp->width)
          draw_text (cr, theme, dxp - 6.0, dyp, label, ANCHOR_END, ANCHOR_MIDDLE, 0.9, TRUE,
                     &color);
        else
          draw_text (cr, theme, dxp + 6.0, dyp, label, ANCHOR_START, ANCHOR_MIDDLE, 0.9, TRUE,
                     &color);
      }
    }
  return drawn;
}

static void
linear_draw (GtkDrawingArea *area,
             cairo_t        *cr,
             int             width,
             int             height,
             gpointer        data)
{
  CurrentsStabilityView *self = data;
  CurrentsPlotTheme theme;
  CurrentsPlotViewport vp;
  const CurrentsEquilibrium *eq;
  const Sketch *field;
  const double *w;
  double gx, gy;
  CurrentsPlotColor traj, model_traj, paper;

  theme_for (&theme);
  self->stats.n_linear_frames++;
  self->stats.n_arrows = self->stats.n_eigen_directions = 0;
  self->stats.n_linear_trajectories = self->stats.n_nonlinear_trajectories = 0;
  if (self->linear == NULL)
    {
      draw_message (cr, &theme, width, height,
                    self->eqs != NULL && self->eqs->len > 0 && self->n < 2
                      ? _("One state: no phase plane")
                      : _("No equilibrium selected"));
      return;
    }
  eq = g_ptr_array_index (self->eqs, self->selected);
  w = self->linear->window;
  square_layout (cr, &theme, width, height, w, &vp);
  currents_plot_draw_background (cr, &theme, width, height, &vp);
  currents_plot_draw_grid (cr, &theme, &vp);

  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);
  field = self->show == CURRENTS_STABILITY_SHOW_LINEAR || self->nonlinear == NULL
            ? self->linear : self->nonlinear;
  self->stats.n_arrows = currents_plot_draw_field (cr, &theme, &vp, GRID, GRID, field->fx,
                                                   field->fy, CURRENTS_PLOT_ARROWS_NORMALIZED,
                                                   0.0);
  self->stats.n_eigen_directions
    = draw_eigen_directions (self, cr, &theme, &vp, eq->state[self->xa], eq->state[self->ya],
                             self->show == CURRENTS_STABILITY_SHOW_NONLINEAR);

  traj = theme.trajectory;
  model_traj = theme.launched;
  if (self->show != CURRENTS_STABILITY_SHOW_NONLINEAR)
    self->stats.n_linear_trajectories = draw_trajectories (cr, &vp, self->linear, &traj, FALSE);
  if (self->show != CURRENTS_STABILITY_SHOW_LINEAR && self->nonlinear != NULL)
    self->stats.n_nonlinear_trajectories
      = draw_trajectories (cr, &vp, self->nonlinear, &model_traj,
                           self->show == CURRENTS_STABILITY_SHOW_BOTH);
  else if (self->show != CURRENTS_STABILITY_SHOW_LINEAR)
    {
      CurrentsPlotColor dim = theme.foreground;

      dim.alpha = 0.6;
      draw_text (cr, &theme, vp.left + 0.5 * vp.width, vp.top + 8.0,
                 _("Computing the model's trajectories…"), ANCHOR_MIDDLE, ANCHOR_START, 0.9,
                 FALSE, &dim);
    }

  cairo_restore (cr);
  if (self->show != CURRENTS_STABILITY_SHOW_LINEAR && self->nonlinear != NULL)
    {
      CurrentsPlotLegendEntry entries[2] = {
        { _("linearisation"), traj, CURRENTS_PLOT_LEGEND_LINE, 1.6, 0, { 0 } },
        { _("model"), model_traj, self->show == CURRENTS_STABILITY_SHOW_BOTH
                                    ? CURRENTS_PLOT_LEGEND_DASHED : CURRENTS_PLOT_LEGEND_LINE,
          1.6, 0, { 0 } },
      };

      if (self->show == CURRENTS_STABILITY_SHOW_BOTH)
        currents_plot_draw_legend (cr, &theme, &vp, entries, 2, CURRENTS_PLOT_CORNER_TOP_LEFT);
      else
        currents_plot_draw_legend (cr, &theme, &vp, entries + 1, 1,
                                   CURRENTS_PLOT_CORNER_TOP_LEFT);
    }
  currents_plot_viewport_to_device (&vp, eq->state[self->xa], eq->state[self->ya], &gx, &gy);
  paper = theme.plot_background;
  currents_plot_draw_glyph (cr, gx, gy, 6.0, glyph_of (eq), &theme.equilibrium, &paper);
  currents_plot_draw_axes (cr, &theme, &vp, self->names[self->xa], self->names[self->ya]);
}

/* The plane's range: the selected point well inside, the parabola's shape visible. */
static void
plane_range (CurrentsStabilityView *self,
             double                 r[4])
{
  double s = MAX (fabs (self->tau), 2.0 * sqrt (fabs (self->delta)));

  if (!(s > 0.0) || !isfinite (s))
    s = 1.0;
  s *= 1.5;
  r[0] = -s;
  r[1] = s;
  r[2] = -0.6 * 0.25 * s * s;
  r[3] = 1.15 * 0.25 * s * s;
}

static void
fill_region (cairo_t                    *cr,
             const CurrentsPlotViewport *vp,
             const CurrentsPlotColor    *color,
             double                      alpha,
             gboolean                    right,
             gboolean                    above_parabola)
{
  const int N = 120;
  double x0 = right ? 0.0 : vp->xlo, x1 = right ? vp->xhi : 0.0, dx, dy;
  CurrentsPlotColor c = *color;

  c.alpha = alpha;
  cairo_new_path (cr);
  for (int i = 0; i <= N; i++)
    {
      double tau = x0 + (x1 - x0) * i / N;

      currents_plot_viewport_to_device (vp, tau, 0.25 * tau * tau, &dx, &dy);
      if (i == 0)
        cairo_move_to (cr, dx, dy);
      else
        cairo_line_to (cr, dx, dy);
    }
  currents_plot_viewport_to_device (vp, x1, above_parabola ? vp->yhi * 10.0 : 0.0, &dx, &dy);
  cairo_line_to (cr, dx, dy);
  currents_plot_viewport_to_device (vp, x0, above_parabola ? vp->yhi * 10.0 : 0.0, &dx, &dy);
  cairo_line_to (cr, dx, dy);
  cairo_close_path (cr);
  currents_plot_set_source_color (cr, &c);
  cairo_fill (cr);
}

static void
draw_trace_determinant (CurrentsStabilityView      *self,
                        cairo_t                    *cr,
                        const CurrentsPlotTheme    *theme,
                        int                         width,
                        int                         height)
{
  CurrentsPlotViewport vp;
  CurrentsPlotColor stable, unstable, saddle, ink, centre, dim, paper;
  double r[4], xs[161], ys[161], dx, dy, dx2, dy2, s;

  plane_range (self, r);
  s = r[1];
  square_layout (cr, theme, width, height, r, &vp);
  currents_plot_draw_background (cr, theme, width, height, &vp);

  currents_plot_theme_palette_color (theme, 4, &stable);
  currents_plot_theme_palette_color (theme, 2, &unstable);
  currents_plot_theme_palette_color (theme, 3, &saddle);
  currents_plot_theme_palette_color (theme, 0, &centre);
  ink = theme->foreground;
  dim = theme->foreground;
  dim.alpha = 0.75;

  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);
  /* saddles below Δ = 0 */
  currents_plot_viewport_to_device (&vp, r[0], 0.0, &dx, &dy);
  currents_plot_viewport_to_device (&vp, r[1], r[2], &dx2, &dy2);
  {
    CurrentsPlotColor c = saddle;

    c.alpha = 0.13;
    currents_plot_set_source_color (cr, &c);
    cairo_rectangle (cr, dx, dy, dx2 - dx, dy2 - dy);
    cairo_fill (cr);
  }
  fill_region (cr, &vp, &stable, 0.10, FALSE, FALSE);
  fill_region (cr, &vp, &stable, 0.22, FALSE, TRUE);
  fill_region (cr, &vp, &unstable, 0.10, TRUE, FALSE);
  fill_region (cr, &vp, &unstable, 0.22, TRUE, TRUE);
  cairo_restore (cr);
  currents_plot_draw_grid (cr, theme, &vp);

  /* Δ = 0 (a zero eigenvalue) dashed, the parabola, the centre half-line */
  cairo_save (cr);
  cairo_rectangle (cr, vp.left, vp.top, vp.width, vp.height);
  cairo_clip (cr);
  xs[0] = r[0];
  xs[1] = r[1];
  ys[0] = ys[1] = 0.0;
  cairo_save (cr);
  cairo_set_dash (cr, (double[]) { 6.0, 4.0 }, 2, 0.0);
  currents_plot_draw_polyline (cr, &vp, xs, 1, ys, 1, 2, &ink, 1.2, -1.0);
  cairo_restore (cr);
  for (int i = 0; i <= 160; i++)
    {
      xs[i] = r[0] + (r[1] - r[0]) * i / 160.0;
      ys[i] = 0.25 * xs[i] * xs[i];
    }
  currents_plot_draw_polyline (cr, &vp, xs, 1, ys, 1, 161, &ink, 1.6, -1.0);
  xs[0] = xs[1] = 0.0;
  ys[0] = 0.0;
  ys[1] = r[3] * 2.0;
  currents_plot_draw_polyline (cr, &vp, xs, 1, ys, 1, 2, &centre, 3.0, -1.0);
  cairo_restore (cr);

  /* region names */
  /* "saddles" on the side away from the point */
  currents_plot_viewport_to_device (&vp, self->tau < 0.0 ? 0.5 * s : -0.5 * s, 0.8 * r[2],
                                    &dx, &dy);
  draw_text (cr, theme, dx, dy, _("saddles"), ANCHOR_MIDDLE, ANCHOR_MIDDLE, 1.0, TRUE, &dim);
  currents_plot_viewport_to_device (&vp, -0.5 * s, 0.8 * r[3], &dx, &dy);
  draw_text (cr, theme, dx, dy, _("stable spirals"), ANCHOR_MIDDLE, ANCHOR_MIDDLE, 1.0, TRUE, &dim);
  currents_plot_viewport_to_device (&vp, 0.5 * s, 0.8 * r[3], &dx, &dy);
  draw_text (cr, theme, dx, dy, _("unstable spirals"), ANCHOR_MIDDLE, ANCHOR_MIDDLE, 1.0, TRUE,
             &dim);
  currents_plot_viewport_to_device (&vp, -0.97 * s, 0.09 * s * s, &dx, &dy);
  draw_text (cr, theme, dx, dy, _("stable\nnodes"), ANCHOR_START, ANCHOR_MIDDLE, 1.0, TRUE, &dim);
  currents_plot_viewport_to_device (&vp, 0.97 * s, 0.09 * s * s, &dx, &dy);
  draw_text (cr, theme, dx, dy, _("unstable\nnodes"), ANCHOR_END, ANCHOR_MIDDLE, 1.0, TRUE, &dim);
  /* the borderlines */
  currents_plot_viewport_to_device (&vp, 0.0, 0.97 * r[3], &dx, &dy);
  draw_text (cr, theme, dx + 5.0, dy, _("centres (τ = 0)"), ANCHOR_START, ANCHOR_START, 0.85,
             FALSE, &centre);
  /* the parabola's name inside it, on the side away from the point */
  currents_plot_viewport_to_device (&vp, self->tau < 0.0 ? 0.7 * s : -0.7 * s,
                                    0.25 * 0.49 * s * s, &dx, &dy);
  draw_text (cr, theme, self->tau < 0.0 ? dx - 8.0 : dx + 8.0, dy,
             _("Δ = τ²/4:\ndegenerate\nnodes / stars"),
             self->tau < 0.0 ? ANCHOR_END : ANCHOR_START, ANCHOR_END, 0.85, FALSE, &ink);
  currents_plot_viewport_to_device (&vp, r[0], 0.0, &dx, &dy);
  draw_text (cr, theme, dx + 4.0, dy - 2.0, _("Δ = 0: non-hyperbolic"), ANCHOR_START,
             ANCHOR_END, 0.85, FALSE, &ink);

  /* every equilibrium, the selected one large */
  paper = theme->plot_background;
  self->stats.n_plane_points = 0;
  for (guint i = 0; i < self->eqs->len; i++)
    {
      const CurrentsEquilibrium *eq = g_ptr_array_index (self->eqs, i);
      double J2[4], tau, delta;
      gboolean selected = i == self->selected;

      restrict_jacobian (self, i, J2);
      tau = J2[0] + J2[3];
      delta = J2[0] * J2[3] - J2[1] * J2[2];
      if (!selected && (tau < r[0] || tau > r[1] || delta < r[2] || delta > r[3]))
        continue;
      currents_plot_viewport_to_device (&vp, tau, delta, &dx, &dy);
      currents_plot_draw_glyph (cr, dx, dy, selected ? 7.0 : 4.0, glyph_of (eq),
                                &theme->equilibrium, &paper);
      self->stats.n_plane_points++;
      if (selected)
        {
          g_autofree char *t = format_number (tau), *d = format_number (delta);
          g_autofree char *label = g_strdup_printf ("(τ, Δ) = (%s, %s)", t, d);
          CurrentsPlotColor ring;

          currents_plot_theme_palette_color (theme, 1, &ring);
          currents_plot_set_source_color (cr, &ring);
          cairo_set_line_width (cr, 2.0);
          cairo_new_path (cr);
          cairo_arc (cr, dx, dy, 12.0, 0.0, 2.0 * G_PI);
          cairo_stroke (cr);
          draw_boxed_text (cr, theme, dx + (tau > 0.0 ? -14.0 : 14.0), dy + 13.0, label,
                           tau > 0.0);
        }
    }
  currents_plot_draw_axes (cr, theme, &vp, _("τ = tr J"), _("Δ = det J"));
}

static void
draw_complex_plane (CurrentsStabilityView      *self,
                    cairo_t                    *cr,
                    const CurrentsPlotTheme    *theme,
                    int                         width,
                    int                         height)
{
  const CurrentsEquilibrium *eq = g_ptr_array_index (self->eqs, self->selected);
  CurrentsPlotViewport vp;
  CurrentsPlotColor stable, ink, mark;
  double m = 0.0, xs[2], ys[2], dx, dy, dx2, dy2;

  for (gsize j = 0; j < eq->n; j++)
    m = MAX (m, MAX (fabs (eq->eig_re[j]), fabs (eq->eig_im[j])));
  if (!(m > 0.0) || !isfinite (m))
    m = 1.0;
  m *= 1.3;
  square_layout (cr, theme, width, height, (double[4]) { -m, m, -m, m }, &vp);
  currents_plot_draw_background (cr, theme, width, height, &vp);
  currents_plot_theme_palette_color (theme, 4, &stable);
  stable.alpha = 0.15;
  currents_plot_viewport_to_device (&vp, -m, m, &dx, &dy);
  currents_plot_viewport_to_device (&vp, 0.0, -m, &dx2, &dy2);
  currents_plot_set_source_color (cr, &stable);
  cairo_rectangle (cr, dx, dy, dx2 - dx, dy2 - dy);
  cairo_fill (cr);
  currents_plot_draw_grid (cr, theme, &vp);
  ink = theme->foreground;
  xs[0] = xs[1] = 0.0;
  ys[0] = -m;
  ys[1] = m;
  currents_plot_draw_polyline (cr, &vp, xs, 1, ys, 1, 2, &ink, 1.4, -1.0);
  currents_plot_viewport_to_device (&vp, -0.5 * m, 0.85 * m, &dx, &dy);
  stable.alpha = 1.0;
  draw_text (cr, theme, dx, dy, _("stable half-plane"), ANCHOR_MIDDLE, ANCHOR_MIDDLE, 0.9, TRUE,
             &stable);

  self->stats.n_eigenvalue_marks = 0;
  cairo_set_line_width (cr, 2.5);
  for (gsize j = 0; j < eq->n; j++)
    {
      /* sorted by decreasing real part: red grows, grey undecided, blue decays */
      if (j < eq->n_unstable)
        currents_plot_theme_palette_color (theme, 2, &mark);
      else if (j >= eq->n - eq->n_stable)
        currents_plot_theme_palette_color (theme, 4, &mark);
      else
        mark = theme->foreground;
      currents_plot_viewport_to_device (&vp, eq->eig_re[j], eq->eig_im[j], &dx, &dy);
      currents_plot_set_source_color (cr, &mark);
      cairo_move_to (cr, dx - 6, dy - 6);
      cairo_line_to (cr, dx + 6, dy + 6);
      cairo_move_to (cr, dx - 6, dy + 6);
      cairo_line_to (cr, dx + 6, dy - 6);
      cairo_stroke (cr);
      self->stats.n_eigenvalue_marks++;
    }
  self->stats.n_plane_points = 1;
  currents_plot_draw_axes (cr, theme, &vp, _("Re λ"), _("Im λ"));
}

static void
plane_draw (GtkDrawingArea *area,
            cairo_t        *cr,
            int             width,
            int             height,
            gpointer        data)
{
  CurrentsStabilityView *self = data;
  CurrentsPlotTheme theme;

  theme_for (&theme);
  self->stats.n_plane_frames++;
  self->stats.n_plane_points = 0;
  self->stats.n_eigenvalue_marks = 0;
  if (self->eqs == NULL || self->selected >= self->eqs->len)
    {
      draw_message (cr, &theme, width, height, _("No equilibrium selected"));
      return;
    }
  if (self->n == 2)
    draw_trace_determinant (self, cr, &theme, width, height);
  else
    draw_complex_plane (self, cr, &theme, width, height);
}

static void
dark_changed_cb (AdwStyleManager       *manager,
                 GParamSpec            *pspec,
                 CurrentsStabilityView *self)
{
  gtk_widget_queue_draw (GTK_WIDGET (self->linear_area));
  gtk_widget_queue_draw (GTK_WIDGET (self->plane_area));
  for (GtkWidget *row = gtk_widget_get_first_child (GTK_WIDGET (self->eq_list)); row != NULL;
       row = gtk_widget_get_next_sibling (row))
    gtk_widget_queue_draw (row);
}

/* ------------------------------------------------------------------------------------ */
/* GObject                                                                                */

static void
currents_stability_view_dispose (GObject *object)
{
  CurrentsStabilityView *self = CURRENTS_STABILITY_VIEW (object);

  self->disposed = TRUE;
  self->generation++;
  g_cancellable_cancel (self->cancellable);
  g_clear_object (&self->cancellable);
  invalidate_detail (self);
  g_clear_handle_id (&self->debounce_id, g_source_remove);
  _currents_view_forget (self, (gpointer *) &self->portrait);
  _currents_view_forget (self, (gpointer *) &self->panel);
  g_signal_handlers_disconnect_by_data (adw_style_manager_get_default (), self);

  gtk_widget_dispose_template (GTK_WIDGET (self), CURRENTS_TYPE_STABILITY_VIEW);
  /* children the template made but did not bind */
  _currents_view_unparent_children (GTK_WIDGET (object));
  G_OBJECT_CLASS (currents_stability_view_parent_class)->dispose (object);
}

static void
currents_stability_view_finalize (GObject *object)
{
  CurrentsStabilityView *self = CURRENTS_STABILITY_VIEW (object);

  g_clear_pointer (&self->eqs, g_ptr_array_unref);
  g_free (self->agree);
  g_free (self->jac);
  g_strfreev (self->names);
  g_free (self->message);
  g_free (self->verdict);
  g_free (self->linear);
  g_free (self->nonlinear);
  g_free (self->follow);
  G_OBJECT_CLASS (currents_stability_view_parent_class)->finalize (object);
}

static void
currents_stability_view_class_init (CurrentsStabilityViewClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = currents_stability_view_dispose;
  object_class->finalize = currents_stability_view_finalize;
  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-stability-view.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, eq_spinner);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, context_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, eq_list);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, eq_status);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, verdict_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, numbers_label);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, linear_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, nonlinear_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, both_button);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, zoom_adjustment);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, linear_title);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, linear_area);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, linear_caption);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, plane_title);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, plane_area);
  gtk_widget_class_bind_template_child (widget_class, CurrentsStabilityView, plane_caption);
  gtk_widget_class_bind_template_callback (widget_class, row_selected_cb);
  gtk_widget_class_bind_template_callback (widget_class, show_toggled_cb);
  gtk_widget_class_bind_template_callback (widget_class, zoom_changed_cb);
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BIN_LAYOUT);
  gtk_widget_class_set_css_name (widget_class, "stabilityview");
}

static void
currents_stability_view_init (CurrentsStabilityView *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  self->selected = G_MAXUINT;
  self->show = CURRENTS_STABILITY_SHOW_LINEAR;
  self->discrepancy = NAN;
  gtk_drawing_area_set_draw_func (self->linear_area, linear_draw, self, NULL);
  gtk_drawing_area_set_draw_func (self->plane_area, plane_draw, self, NULL);
  g_signal_connect (self, "map", G_CALLBACK (map_cb), self);
  g_signal_connect (self, "unmap", G_CALLBACK (unmap_cb), self);
  g_signal_connect (adw_style_manager_get_default (), "notify::dark",
                    G_CALLBACK (dark_changed_cb), self);
  update_captions (self);
  update_busy (self);
}

GtkWidget *
currents_stability_view_new (void)
{
  return g_object_new (CURRENTS_TYPE_STABILITY_VIEW, NULL);
}

void
currents_stability_view_set_portrait (CurrentsStabilityView *self,
                                      CurrentsPortrait      *portrait)
{
  g_return_if_fail (CURRENTS_IS_STABILITY_VIEW (self));
  g_return_if_fail (portrait == NULL || CURRENTS_IS_PORTRAIT (portrait));

  if (self->portrait != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->portrait, self);
      g_object_remove_weak_pointer (G_OBJECT (self->portrait), (gpointer *) &self->portrait);
    }
  if (self->panel != NULL)
    {
      g_signal_handlers_disconnect_by_data (self->panel, self);
      g_object_remove_weak_pointer (G_OBJECT (self->panel), (gpointer *) &self->panel);
    }
  self->portrait = portrait;
  self->panel = NULL;
  if (portrait != NULL)
    {
      g_object_add_weak_pointer (G_OBJECT (portrait), (gpointer *) &self->portrait);
      g_signal_connect (portrait, "content-changed", G_CALLBACK (content_changed_cb), self);
      self->panel = currents_portrait_get_parameter_panel (portrait);
      if (self->panel != NULL)
        {
          g_object_add_weak_pointer (G_OBJECT (self->panel), (gpointer *) &self->panel);
          g_signal_connect (self->panel, "value-changed", G_CALLBACK (value_changed_cb), self);
        }
    }
  content_changed_cb (portrait, self);
}

/* ------------------------------------------------------------------------------------ */
/* For tests                                                                              */

gboolean
currents_stability_view_get_busy (CurrentsStabilityView *self)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), FALSE);
  return self->running || self->debounce_id != 0 || self->detail_running || self->detail_id != 0
         || (self->dirty && gtk_widget_get_mapped (GTK_WIDGET (self)));
}

guint
currents_stability_view_get_n_updates (CurrentsStabilityView *self)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), 0);
  return self->n_updates;
}

const char *
currents_stability_view_get_message (CurrentsStabilityView *self)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), NULL);
  return self->message;
}

guint
currents_stability_view_get_n_rows (CurrentsStabilityView *self)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), 0);
  return self->eqs != NULL ? self->eqs->len : 0;
}

const CurrentsEquilibrium *
currents_stability_view_get_equilibrium (CurrentsStabilityView *self,
                                         guint                  row)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), NULL);
  if (self->eqs == NULL || row >= self->eqs->len)
    return NULL;
  return g_ptr_array_index (self->eqs, row);
}

const char *
currents_stability_view_get_type_label (CurrentsStabilityView *self,
                                        guint                  row)
{
  const CurrentsEquilibrium *eq = currents_stability_view_get_equilibrium (self, row);

  return eq != NULL ? type_label (eq) : NULL;
}

char *
currents_stability_view_format_eigenvalues (CurrentsStabilityView *self,
                                            guint                  row)
{
  const CurrentsEquilibrium *eq = currents_stability_view_get_equilibrium (self, row);

  return eq != NULL ? format_eigenvalues (eq) : NULL;
}

void
currents_stability_view_select_row (CurrentsStabilityView *self,
                                    guint                  row)
{
  g_return_if_fail (CURRENTS_IS_STABILITY_VIEW (self));
  select_internal (self, row);
}

guint
currents_stability_view_get_selected (CurrentsStabilityView *self)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), G_MAXUINT);
  return self->selected;
}

gboolean
currents_stability_view_get_trace_determinant (CurrentsStabilityView *self,
                                               double                *tau,
                                               double                *delta)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), FALSE);
  if (self->region == NULL)
    return FALSE;
  if (tau != NULL)
    *tau = self->tau;
  if (delta != NULL)
    *delta = self->delta;
  return TRUE;
}

const char *
currents_stability_view_get_region (CurrentsStabilityView *self)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), NULL);
  return self->region;
}

const char *
currents_stability_view_get_verdict (CurrentsStabilityView *self)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), NULL);
  return self->verdict;
}

void
currents_stability_view_set_show (CurrentsStabilityView *self,
                                  CurrentsStabilityShow  show)
{
  g_return_if_fail (CURRENTS_IS_STABILITY_VIEW (self));
  gtk_toggle_button_set_active (show == CURRENTS_STABILITY_SHOW_LINEAR ? self->linear_button
                                : show == CURRENTS_STABILITY_SHOW_NONLINEAR
                                  ? self->nonlinear_button : self->both_button, TRUE);
}

void
currents_stability_view_set_neighbourhood (CurrentsStabilityView *self,
                                           double                 fraction)
{
  g_return_if_fail (CURRENTS_IS_STABILITY_VIEW (self));
  g_return_if_fail (fraction > 0.0);
  gtk_adjustment_set_value (self->zoom_adjustment, log10 (fraction));
}

void
currents_stability_view_get_stats (CurrentsStabilityView  *self,
                                   CurrentsStabilityStats *stats)
{
  g_return_if_fail (CURRENTS_IS_STABILITY_VIEW (self));
  *stats = self->stats;
}

double
currents_stability_view_get_discrepancy (CurrentsStabilityView *self)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), NAN);
  return self->discrepancy;
}

guint
currents_stability_view_get_agreement (CurrentsStabilityView *self,
                                       guint                  row,
                                       guint                 *n_members)
{
  g_return_val_if_fail (CURRENTS_IS_STABILITY_VIEW (self), 0);

  if (n_members != NULL)
    *n_members = self->n_members;
  if (self->agree == NULL || self->eqs == NULL || row >= self->eqs->len)
    return 0;
  return self->agree[row];
}
