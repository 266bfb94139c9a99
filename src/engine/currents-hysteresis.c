/* currents-hysteresis.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Bistability from a one-parameter continuation. Each branch of equilibria is cut into
 * its stable stretches (maximal runs of stable points); a stretch covers the interval
 * [min λ, max λ] of its points. Where a stretch ends because stability is lost, the end
 * is a fold (or a Hopf point): when the continuation located a fold next to the end, the
 * fold's λ is taken as the end, so the ranges' ends are exactly the folds' values. The
 * number of stable equilibria at λ is the number of stretches covering λ; a bistable
 * range is a maximal interval where it is ≥ 2.
 *
 * The hysteresis loop: sweeping λ up, the state follows the stretch that ends at the
 * range's upper end and jumps there to another stretch covering that λ (the one nearest
 * in the chosen quantity); sweeping down, the same at the lower end.
 *
 * The quasi-static sweep visits λ_0 … λ_{N−1} (equally spaced, in log10 when asked) and
 * at each relaxes to steady state from the previous one by simulation
 * (currents_knockout_steady_state with no knockouts).
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-hysteresis"

#include <math.h>
#include <string.h>

#include <glib/gi18n-lib.h>

#include "currents-error.h"
#include "currents-hysteresis.h"
#include "currents-knockout.h"

void
currents_bistable_range_free (CurrentsBistableRange *range)
{
  if (range == NULL)
    return;
  g_free (range->up_state);
  g_free (range->down_state);
  g_free (range);
}

void
currents_sweep_free (CurrentsSweep *sweep)
{
  if (sweep == NULL)
    return;
  g_free (sweep->param);
  g_free (sweep->state);
  g_free (sweep);
}

/* A stable stretch: points first … last of a branch (inclusive, in branch order), and
 * the points that give its λ-interval's ends (a located fold next to it when there is
 * one). A stretch end "jumps" when stability is lost there (not at a branch end). */
typedef struct
{
  const CurrentsContinuationBranch *branch;
  gsize                             first;
  gsize                             last;
  double                            lo;
  double                            hi;
  /* the point (index in the branch) at each end of the interval, and whether the
   * state leaves the stretch there (stability is lost) */
  gsize                             lo_point;
  gsize                             hi_point;
  gboolean                          lo_jumps;
  gboolean                          hi_jumps;
} Stretch;

static double
quantity_at (const CurrentsContinuationBranch *b,
             gsize                             k,
             int                               quantity)
{
  const double *x = b->state + k * b->n;

  if (quantity >= 0 && (gsize) quantity < b->n)
    return x[quantity];
  {
    double s = 0.0;

    for (gsize i = 0; i < b->n; i++)
      s += x[i] * x[i];
    return sqrt (s);
  }
}

static gboolean
is_fold_point (const CurrentsContinuationResult *result,
               gsize                             branch,
               gsize                             point)
{
  for (guint i = 0; i < result->special->len; i++)
    {
      const CurrentsBifurcation *s = g_ptr_array_index (result->special, i);

      if (s->branch == branch && s->point == point && s->kind == CURRENTS_BIFURCATION_FOLD)
        return TRUE;
    }
  return FALSE;
}

/* The interval of a stretch, taking in a located fold just outside either end. */
static void
stretch_interval (const CurrentsContinuationResult *result,
                  gsize                             bi,
                  Stretch                          *s)
{
  const CurrentsContinuationBranch *b = s->branch;
  gsize from = s->first, to = s->last;

  if (from > 0 && is_fold_point (result, bi, from - 1))
    from--;
  if (to + 1 < b->n_points && is_fold_point (result, bi, to + 1))
    to++;

  s->lo = INFINITY;
  s->hi = -INFINITY;
  for (gsize k = from; k <= to; k++)
    {
      double p = b->param[k];

      if (!isfinite (p))
        continue;
      if (p < s->lo)
        {
          s->lo = p;
          s->lo_point = k;
        }
      if (p > s->hi)
        {
          s->hi = p;
          s->hi_point = k;
        }
    }
  /* the state leaves the stretch at an end of the interval when that end is where
   * stability is lost, not where the branch (or the range) ends */
  s->lo_jumps = (s->lo_point <= s->first && s->first > 0)
                || (s->lo_point >= s->last && s->last + 1 < b->n_points);
  s->hi_jumps = (s->hi_point <= s->first && s->first > 0)
                || (s->hi_point >= s->last && s->last + 1 < b->n_points);
}

static GArray *
stable_stretches (const CurrentsContinuationResult *result)
{
  GArray *stretches = g_array_new (FALSE, TRUE, sizeof (Stretch));

  for (guint bi = 0; bi < result->branches->len; bi++)
    {
      const CurrentsContinuationBranch *b = g_ptr_array_index (result->branches, bi);
      gsize k = 0;

      if (b->kind != CURRENTS_CURVE_EQUILIBRIA || b->n_points == 0)
        continue;
      while (k < b->n_points)
        {
          Stretch s = { 0 };

          if (!b->stable[k])
            {
              k++;
              continue;
            }
          s.branch = b;
          s.first = k;
          while (k + 1 < b->n_points && b->stable[k + 1])
            k++;
          s.last = k;
          k++;
          stretch_interval (result, bi, &s);
          if (isfinite (s.lo) && isfinite (s.hi))
            g_array_append_val (stretches, s);
        }
    }
  return stretches;
}

/* The quantity on a stretch at λ = @p (linear between its points), or NaN. */
static double
stretch_quantity (const Stretch *s,
                  double         p,
                  int            quantity,
                  double        *state,
                  gsize          n)
{
  const CurrentsContinuationBranch *b = s->branch;
  gsize from = s->first > 0 ? s->first - 1 : 0;
  gsize to = MIN (s->last + 1, b->n_points - 1);

  for (gsize k = from; k < to; k++)
    {
      double p0 = b->param[k], p1 = b->param[k + 1];
      double f;

      if (!((p >= p0 && p <= p1) || (p >= p1 && p <= p0)))
        continue;
      /* stay on the stretch: a segment into an unstable neighbour counts only at its
       * stable end's side */
      f = p1 != p0 ? (p - p0) / (p1 - p0) : 0.0;
      if (state != NULL)
        for (gsize i = 0; i < n; i++)
          state[i] = (1 - f) * b->state[k * n + i] + f * b->state[(k + 1) * n + i];
      return (1 - f) * quantity_at (b, k, quantity) + f * quantity_at (b, k + 1, quantity);
    }
  return NAN;
}

static int
compare_double (gconstpointer a,
                gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;

  return (x > y) - (x < y);
}

/* How many stretches cover the open interval around λ = @p. */
static guint
coverage (GArray *stretches,
          double  p)
{
  guint count = 0;

  for (guint i = 0; i < stretches->len; i++)
    {
      const Stretch *s = &g_array_index (stretches, Stretch, i);

      if (s->lo < p && p < s->hi)
        count++;
    }
  return count;
}

/* At an end λ = @p of a range: the stretch that ends there (@upper: its hi end) and
 * the quantity before and after the jump to the nearest other stretch covering @p. */
static void
jump_at (GArray  *stretches,
         double   p,
         gboolean upper,
         int      quantity,
         gsize    n,
         double  *at,
         double  *from,
         double  *to,
         double **state)
{
  const Stretch *leaving = NULL;
  double best = INFINITY;

  *at = NAN;
  *from = NAN;
  *to = NAN;
  *state = NULL;
  for (guint i = 0; i < stretches->len; i++)
    {
      const Stretch *s = &g_array_index (stretches, Stretch, i);

      if ((upper ? s->hi : s->lo) == p && (upper ? s->hi_jumps : s->lo_jumps))
        {
          leaving = s;
          break;
        }
    }
  if (leaving == NULL)
    return;

  {
    gsize k = upper ? leaving->hi_point : leaving->lo_point;

    *at = p;
    *from = quantity_at (leaving->branch, k, quantity);
    *state = g_memdup2 (leaving->branch->state + k * n, n * sizeof (double));
  }
  for (guint i = 0; i < stretches->len; i++)
    {
      const Stretch *s = &g_array_index (stretches, Stretch, i);
      double q;

      if (s == leaving || !(s->lo <= p && p <= s->hi))
        continue;
      /* not another stretch that ends here as well */
      if ((upper && s->hi == p) || (!upper && s->lo == p))
        continue;
      q = stretch_quantity (s, p, quantity, NULL, n);
      if (isfinite (q) && fabs (q - *from) < best)
        {
          best = fabs (q - *from);
          *to = q;
        }
    }
}

GPtrArray *
currents_hysteresis_find (const CurrentsContinuationResult *result,
                          int                               quantity)
{
  GPtrArray *ranges = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_bistable_range_free);
  g_autoptr(GArray) stretches = NULL;
  g_autoptr(GArray) ends = NULL;
  gsize n = 0;

  g_return_val_if_fail (result != NULL, ranges);

  stretches = stable_stretches (result);
  if (stretches->len < 2)
    return ranges;
  n = g_array_index (stretches, Stretch, 0).branch->n;

  ends = g_array_new (FALSE, FALSE, sizeof (double));
  for (guint i = 0; i < stretches->len; i++)
    {
      const Stretch *s = &g_array_index (stretches, Stretch, i);

      g_array_append_val (ends, s->lo);
      g_array_append_val (ends, s->hi);
    }
  g_array_sort (ends, compare_double);

  /* walk the elementary intervals between consecutive distinct ends */
  {
    CurrentsBistableRange *open = NULL;

    for (guint i = 0; i + 1 < ends->len; i++)
      {
        double a = g_array_index (ends, double, i), b = g_array_index (ends, double, i + 1);
        guint count;

        if (!(b > a))
          continue;
        count = coverage (stretches, 0.5 * (a + b));
        if (count >= 2)
          {
            if (open == NULL)
              {
                open = g_new0 (CurrentsBistableRange, 1);
                open->lo = a;
                open->n = n;
              }
            open->hi = b;
            open->n_stable = MAX (open->n_stable, count);
          }
        else if (open != NULL)
          {
            g_ptr_array_add (ranges, open);
            open = NULL;
          }
      }
    if (open != NULL)
      g_ptr_array_add (ranges, open);
  }

  for (guint i = 0; i < ranges->len; i++)
    {
      CurrentsBistableRange *r = g_ptr_array_index (ranges, i);

      jump_at (stretches, r->hi, TRUE, quantity, n, &r->up, &r->up_from, &r->up_to,
               &r->up_state);
      jump_at (stretches, r->lo, FALSE, quantity, n, &r->down, &r->down_from, &r->down_to,
               &r->down_state);
    }
  return ranges;
}

char *
currents_hysteresis_describe (GPtrArray  *ranges,
                              const char *param_name)
{
  g_autoptr(GString) s = g_string_new (NULL);

  g_return_val_if_fail (param_name != NULL, NULL);

  if (ranges == NULL || ranges->len == 0)
    return g_strdup (_("monostable over the range"));

  for (guint i = 0; i < ranges->len; i++)
    {
      const CurrentsBistableRange *r = g_ptr_array_index (ranges, i);

      if (i > 0)
        g_string_append (s, "; ");
      if (r->n_stable > 2)
        /* TRANSLATORS: %u stable states coexist for lo < name < hi */
        g_string_append_printf (s, _("%u stable states for %.3g < %s < %.3g"), r->n_stable,
                                r->lo, param_name, r->hi);
      else
        g_string_append_printf (s, _("bistable for %.3g < %s < %.3g"), r->lo, param_name,
                                r->hi);
      if (isfinite (r->up) && isfinite (r->down))
        g_string_append_printf (s, _("; switching up at %.3g, down at %.3g"), r->up, r->down);
      else if (isfinite (r->up))
        g_string_append_printf (s, _("; switching up at %.3g"), r->up);
      else if (isfinite (r->down))
        g_string_append_printf (s, _("; switching down at %.3g"), r->down);
    }
  return g_string_free (g_steal_pointer (&s), FALSE);
}

CurrentsSweep *
currents_hysteresis_sweep (CurrentsSystem *system,
                           const char     *param,
                           double          lo,
                           double          hi,
                           gboolean        log_scale,
                           gsize           n_steps,
                           gboolean        upward,
                           const double   *x0,
                           GCancellable   *cancellable,
                           GError        **error)
{
  g_autoptr(CurrentsSweep) sweep = NULL;
  g_autofree double *p = NULL;
  g_autofree double *u = NULL;
  g_autofree double *x = NULL;
  CurrentsKnockoutOptions options;
  CurrentsField *field;
  gsize n, np, nu;
  int ip, iu;

  g_return_val_if_fail (system != NULL, NULL);
  g_return_val_if_fail (param != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  ip = currents_system_find_param (system, param);
  iu = ip < 0 ? currents_system_find_input (system, param) : -1;
  if (ip < 0 && iu < 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("“%s” is neither a parameter nor an input of the model"), param);
      return NULL;
    }
  if (!isfinite (lo) || !isfinite (hi) || !(lo < hi))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("The sweep's range %g:%g is empty: give LO < HI"), lo, hi);
      return NULL;
    }
  if (log_scale && !(lo > 0.0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("A logarithmic sweep needs a positive range, not %g:%g"), lo, hi);
      return NULL;
    }
  if (n_steps < 2)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   _("A sweep needs at least 2 steps, not %lu"), (gulong) n_steps);
      return NULL;
    }

  field = currents_system_get_field (system);
  n = currents_system_get_n_states (system);
  np = currents_system_get_n_params (system);
  nu = currents_system_get_n_inputs (system);
  p = g_memdup2 (currents_system_get_params (system), MAX (np, 1) * sizeof (double));
  u = g_memdup2 (currents_system_get_inputs (system), MAX (nu, 1) * sizeof (double));
  x = g_memdup2 (x0 != NULL ? x0 : currents_system_get_initial (system), n * sizeof (double));

  currents_knockout_options_init (&options);
  options.t = currents_system_get_t0 (system);

  sweep = g_new0 (CurrentsSweep, 1);
  sweep->n = n;
  sweep->n_steps = n_steps;
  sweep->param = g_new (double, n_steps);
  sweep->state = g_new (double, n_steps * n);

  for (gsize k = 0; k < n_steps; k++)
    {
      gsize j = upward ? k : n_steps - 1 - k;
      double f = (double) j / (n_steps - 1), value;
      g_autoptr(CurrentsSteadyState) ss = NULL;

      if (log_scale)
        value = pow (10.0, log10 (lo) + f * (log10 (hi) - log10 (lo)));
      else
        value = lo + f * (hi - lo);
      /* the ends exactly */
      if (j == 0)
        value = lo;
      else if (j == n_steps - 1)
        value = hi;
      sweep->param[k] = value;
      if (ip >= 0)
        p[ip] = value;
      else
        u[iu] = value;

      if (g_cancellable_is_cancelled (cancellable))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                       _("The sweep was cancelled at %s = %g"), param, value);
          return NULL;
        }
      ss = currents_knockout_steady_state (field, p, nu > 0 ? u : NULL, x, NULL, 0, &options,
                                           cancellable, error);
      if (ss == NULL)
        return NULL;
      if (ss->steady || ss->settled)
        {
          memcpy (sweep->state + k * n, ss->state, n * sizeof (double));
          memcpy (x, ss->state, n * sizeof (double));
        }
      else
        {
          for (gsize i = 0; i < n; i++)
            sweep->state[k * n + i] = NAN;
          /* go on from wherever the flow got to, if it is a state at all */
          for (gsize i = 0; i < n; i++)
            if (isfinite (ss->state[i]))
              x[i] = ss->state[i];
        }
    }
  return g_steal_pointer (&sweep);
}
