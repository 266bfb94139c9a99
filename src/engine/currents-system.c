/* currents-system.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "currents-system"

#include "config.h"

#include <math.h>
#include <string.h>

#include "currents-error.h"
#include "currents-system.h"

struct _CurrentsSystem
{
  char                 *filename;
  CurrentsModel        *model;     /* owned, for a .ode file */
  CurrentsTrainedModel *trained;   /* owned, for a trained model */
  CurrentsField        *field;
  gsize                 n;
  gsize                 m;
  gsize                 k;
  double               *params;
  double               *inputs;
  double               *initial;
};

static void
system_init_arrays (CurrentsSystem *s)
{
  s->params = g_new0 (double, MAX (s->k, 1));
  s->inputs = g_new0 (double, MAX (s->m, 1));
  s->initial = g_new0 (double, MAX (s->n, 1));
}

CurrentsSystem *
currents_system_new_from_model (CurrentsModel *model)
{
  CurrentsSystem *s = g_new0 (CurrentsSystem, 1);

  s->model = model;
  s->filename = g_strdup (currents_model_get_filename (model));
  s->field = currents_model_get_field (model);
  s->n = currents_model_get_n_states (model);
  s->m = currents_model_get_n_inputs (model);
  s->k = currents_model_get_n_params (model);
  system_init_arrays (s);
  memcpy (s->params, currents_model_get_params (model), s->k * sizeof (double));
  memcpy (s->inputs, currents_model_get_input_defaults (model), s->m * sizeof (double));
  memcpy (s->initial, currents_model_get_initial (model), s->n * sizeof (double));
  return s;
}

CurrentsSystem *
currents_system_new_from_trained (CurrentsTrainedModel *trained)
{
  CurrentsSystem *s = g_new0 (CurrentsSystem, 1);
  const CurrentsModel *ode = currents_trained_model_get_ode (trained);

  s->trained = trained;
  s->field = currents_trained_model_get_field (trained);
  s->n = currents_trained_model_get_n_states (trained);
  s->m = currents_trained_model_get_n_inputs (trained);
  s->k = currents_trained_model_get_n_params (trained);
  system_init_arrays (s);
  memcpy (s->params, currents_trained_model_get_params (trained), s->k * sizeof (double));
  if (ode != NULL)
    {
      memcpy (s->inputs, currents_model_get_input_defaults (ode), s->m * sizeof (double));
      memcpy (s->initial, currents_model_get_initial (ode), s->n * sizeof (double));
    }
  else
    {
      g_autofree double *xlo = g_new0 (double, MAX (s->n, 1));
      g_autofree double *xhi = g_new0 (double, MAX (s->n, 1));
      g_autofree double *ulo = g_new0 (double, MAX (s->m, 1));
      g_autofree double *uhi = g_new0 (double, MAX (s->m, 1));

      /* Neural models: start mid-range, inputs at their lowest level (the control). */
      if (currents_trained_model_get_ranges (trained, xlo, xhi, ulo, uhi))
        {
          for (gsize i = 0; i < s->n; i++)
            s->initial[i] = isfinite (xlo[i] + xhi[i]) ? 0.5 * (xlo[i] + xhi[i]) : 0.0;
          for (gsize j = 0; j < s->m; j++)
            s->inputs[j] = isfinite (ulo[j]) ? ulo[j] : 0.0;
        }
    }
  return s;
}

CurrentsSystem *
currents_system_load (const char  *path,
                      GError     **error)
{
  if (currents_trained_model_sniff (path))
    {
      CurrentsTrainedModel *tm = currents_trained_model_load (path, error);
      CurrentsSystem *s;

      if (tm == NULL)
        return NULL;
      s = currents_system_new_from_trained (tm);
      s->filename = g_strdup (path);
      return s;
    }
  {
    CurrentsModel *model = currents_model_new_from_file (path, error);
    return model != NULL ? currents_system_new_from_model (model) : NULL;
  }
}

void
currents_system_free (CurrentsSystem *s)
{
  if (s == NULL)
    return;
  currents_model_free (s->model);
  currents_trained_model_free (s->trained);
  g_free (s->filename);
  g_free (s->params);
  g_free (s->inputs);
  g_free (s->initial);
  g_free (s);
}

void
currents_system_set_filename (CurrentsSystem *s,
                              const char     *filename)
{
  g_return_if_fail (s != NULL);

  g_free (s->filename);
  s->filename = g_strdup (filename);
}

const char *
currents_system_get_filename (const CurrentsSystem *s)
{
  return s->filename;
}

const char *
currents_system_describe_kind (const CurrentsSystem *s)
{
  return s->trained != NULL ? "trained model" : "model";
}

CurrentsField *
currents_system_get_field (const CurrentsSystem *s)
{
  return s->field;
}

const CurrentsModel *
currents_system_get_model (const CurrentsSystem *s)
{
  if (s->model != NULL)
    return s->model;
  return s->trained != NULL ? currents_trained_model_get_ode (s->trained) : NULL;
}

const CurrentsTrainedModel *
currents_system_get_trained (const CurrentsSystem *s)
{
  return s->trained;
}

gsize
currents_system_get_n_states (const CurrentsSystem *s)
{
  return s->n;
}

const char *const *
currents_system_get_state_names (const CurrentsSystem *s)
{
  const CurrentsModel *m = currents_system_get_model (s);

  if (m != NULL)
    return currents_model_get_state_names (m);
  return currents_trained_model_get_state_names (s->trained);
}

gsize
currents_system_get_n_inputs (const CurrentsSystem *s)
{
  return s->m;
}

const char *const *
currents_system_get_input_names (const CurrentsSystem *s)
{
  const CurrentsModel *m = currents_system_get_model (s);

  if (m != NULL)
    return currents_model_get_input_names (m);
  return currents_trained_model_get_input_names (s->trained);
}

gsize
currents_system_get_n_params (const CurrentsSystem *s)
{
  return s->k;
}

gsize
currents_system_get_n_named_params (const CurrentsSystem *s)
{
  const CurrentsModel *m = currents_system_get_model (s);
  return m != NULL ? currents_model_get_n_named_params (m) : 0;
}

const char *
currents_system_get_param_name (const CurrentsSystem *s,
                                gsize                 i)
{
  const CurrentsModel *m = currents_system_get_model (s);
  return m != NULL ? currents_model_get_param_name (m, i) : NULL;
}

double *
currents_system_get_params (CurrentsSystem *s)
{
  return s->params;
}

double *
currents_system_get_inputs (CurrentsSystem *s)
{
  return s->inputs;
}

double *
currents_system_get_initial (CurrentsSystem *s)
{
  return s->initial;
}

static int
find_in (const char *const *names,
         gsize              n,
         const char        *name)
{
  for (gsize i = 0; names != NULL && i < n; i++)
    if (g_ascii_strcasecmp (names[i], name) == 0)
      return (int) i;
  return -1;
}

int
currents_system_find_state (const CurrentsSystem *s,
                            const char           *name)
{
  return find_in (currents_system_get_state_names (s), s->n, name);
}

int
currents_system_find_input (const CurrentsSystem *s,
                            const char           *name)
{
  const CurrentsModel *m = currents_system_get_model (s);

  if (m != NULL)
    return currents_model_find_input (m, name);
  return find_in (currents_trained_model_get_input_names (s->trained), s->m, name);
}

int
currents_system_find_param (const CurrentsSystem *s,
                            const char           *name)
{
  const CurrentsModel *m = currents_system_get_model (s);
  return m != NULL ? currents_model_find_param (m, name) : -1;
}

gboolean
currents_system_set (CurrentsSystem  *s,
                     const char      *name,
                     double           value,
                     GError         **error)
{
  int k = currents_system_find_param (s, name);
  int j = currents_system_find_input (s, name);

  if (!isfinite (value))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                   "%s must be a finite number", name);
      return FALSE;
    }
  if (k >= 0)
    s->params[k] = value;
  else if (j >= 0)
    s->inputs[j] = value;
  else
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the %s has no parameter or input named '%s'",
                   currents_system_describe_kind (s), name);
      return FALSE;
    }
  return TRUE;
}

void
currents_system_get_sim_options (const CurrentsSystem *s,
                                 CurrentsSimOptions   *options)
{
  const CurrentsModel *m = currents_system_get_model (s);

  if (m != NULL && s->trained == NULL)
    currents_model_get_sim_options (m, options);
  else
    {
      /* trained models: accurate adaptive integration, no XPP bound */
      currents_sim_options_init (options);
      options->rtol = 1e-8;
      options->atol = 1e-10;
    }
}

void
currents_system_get_window (const CurrentsSystem *s,
                            int                  *x_axis,
                            int                  *y_axis,
                            double               *xlo,
                            double               *xhi,
                            double               *ylo,
                            double               *yhi)
{
  const CurrentsModel *m = currents_system_get_model (s);

  *x_axis = 0;
  *y_axis = s->n > 1 ? 1 : 0;
  *xlo = -1;
  *xhi = 1;
  *ylo = -1;
  *yhi = 1;
  if (m != NULL)
    {
      const CurrentsModelOptions *o = currents_model_get_options (m);

      if (o->xp != NULL && currents_model_find_state (m, o->xp) >= 0)
        *x_axis = currents_model_find_state (m, o->xp);
      if (o->yp != NULL && currents_model_find_state (m, o->yp) >= 0)
        *y_axis = currents_model_find_state (m, o->yp);
      if (o->has_window)
        {
          *xlo = o->xlo;
          *xhi = o->xhi;
          *ylo = o->ylo;
          *yhi = o->yhi;
          return;
        }
    }
  if (s->trained != NULL)
    {
      g_autofree double *lo = g_new0 (double, MAX (s->n, 1));
      g_autofree double *hi = g_new0 (double, MAX (s->n, 1));
      g_autofree double *ulo = g_new0 (double, MAX (s->m, 1));
      g_autofree double *uhi = g_new0 (double, MAX (s->m, 1));

      if (currents_trained_model_get_ranges (s->trained, lo, hi, ulo, uhi) &&
          isfinite (lo[*x_axis] + hi[*x_axis] + lo[*y_axis] + hi[*y_axis]))
        {
          double px = 0.1 * MAX (hi[*x_axis] - lo[*x_axis], 1e-6);
          double py = 0.1 * MAX (hi[*y_axis] - lo[*y_axis], 1e-6);

          *xlo = lo[*x_axis] - px;
          *xhi = hi[*x_axis] + px;
          *ylo = lo[*y_axis] - py;
          *yhi = hi[*y_axis] + py;
        }
    }
}

double
currents_system_get_t0 (const CurrentsSystem *s)
{
  const CurrentsModel *m = currents_system_get_model (s);
  return m != NULL ? currents_model_get_options (m)->t0 : 0.0;
}

double
currents_system_get_total (const CurrentsSystem *s)
{
  const CurrentsModel *m = currents_system_get_model (s);

  if (s->trained != NULL)
    {
      /* a trained model: the span of the data it learned from */
      JsonObject *o = currents_trained_model_get_training (s->trained);

      if (o != NULL && json_object_has_member (o, "t_min") && json_object_has_member (o, "t_max") &&
          !json_object_get_null_member (o, "t_min") && !json_object_get_null_member (o, "t_max"))
        {
          double span = json_object_get_double_member (o, "t_max") -
                        json_object_get_double_member (o, "t_min");
          if (span > 0.0 && isfinite (span))
            return span;
        }
    }
  return m != NULL ? currents_model_get_options (m)->total : 10.0;
}

/**
 * currents_system_get_default_box:
 * @system: a system
 * @lo: (out): n lower bounds
 * @hi: (out): n upper bounds
 *
 * Where to look for equilibria by default: the `@` window of the plotted states, or a
 * trained model's data range, padded by 5% of the width each side; every other state
 * x0 ± max(1, |x0|, the larger half-width of the window).
 */
void
currents_system_get_default_box (const CurrentsSystem *system,
                                 double               *lo,
                                 double               *hi)
{
  CurrentsSystem *sys = (CurrentsSystem *) system;
  gsize n = currents_system_get_n_states (system), m = currents_system_get_n_inputs (system);
  const double *x0 = currents_system_get_initial (sys);
  const CurrentsModel *model = currents_system_get_model (system);
  const CurrentsTrainedModel *tm = currents_system_get_trained (system);
  g_autofree double *xmin = g_new (double, MAX (n, 1));
  g_autofree double *xmax = g_new (double, MAX (n, 1));
  g_autofree double *umin = g_new (double, MAX (m, 1));
  g_autofree double *umax = g_new (double, MAX (m, 1));
  gboolean have_ranges = FALSE, have_window = FALSE;
  int xa, ya;
  double xlo, xhi, ylo, yhi, half = 1.0;

  for (gsize i = 0; i < n; i++)
    xmin[i] = xmax[i] = NAN;
  if (tm != NULL)
    have_ranges = currents_trained_model_get_ranges (tm, xmin, xmax, umin, umax);
  currents_system_get_window (system, &xa, &ya, &xlo, &xhi, &ylo, &yhi);
  if (tm == NULL && model != NULL)
    have_window = currents_model_get_options (model)->has_window;
  if (have_window)
    half = MAX (half, 0.5 * MAX (xhi - xlo, yhi - ylo));
  for (gsize i = 0; i < n; i++)
    {
      double a = NAN, b = NAN;

      if (have_ranges && isfinite (xmin[i]) && isfinite (xmax[i]))
        {
          a = xmin[i];
          b = xmax[i];
        }
      else if (have_window && (int) i == xa)
        {
          a = xlo;
          b = xhi;
        }
      else if (have_window && (int) i == ya)
        {
          a = ylo;
          b = yhi;
        }
      if (isfinite (a) && isfinite (b) && b > a)
        {
          lo[i] = a - 0.05 * (b - a);
          hi[i] = b + 0.05 * (b - a);
        }
      else
        {
          double c = isfinite (x0[i]) ? x0[i] : 0.0;
          double h = MAX (half, fabs (c));
          lo[i] = c - h;
          hi[i] = c + h;
        }
    }
}

gboolean
currents_system_get_support (const CurrentsSystem *system,
                             double               *x_min,
                             double               *x_max,
                             double               *u_min,
                             double               *u_max)
{
  g_autofree double *a = NULL, *b = NULL, *c = NULL, *d = NULL;

  g_return_val_if_fail (system != NULL, FALSE);

  if (system->trained == NULL)
    return FALSE;
  a = g_new (double, MAX (system->n, 1));
  b = g_new (double, MAX (system->n, 1));
  c = g_new (double, MAX (system->m, 1));
  d = g_new (double, MAX (system->m, 1));
  if (!currents_trained_model_get_ranges (system->trained, a, b, c, d))
    return FALSE;
  if (x_min != NULL)
    memcpy (x_min, a, system->n * sizeof (double));
  if (x_max != NULL)
    memcpy (x_max, b, system->n * sizeof (double));
  if (u_min != NULL)
    memcpy (u_min, c, system->m * sizeof (double));
  if (u_max != NULL)
    memcpy (u_max, d, system->m * sizeof (double));
  return TRUE;
}

static gboolean
outside_range (double v,
               double lo,
               double hi)
{
  double margin = 1e-9 * MAX (hi - lo, MAX (fabs (lo), fabs (hi)));

  /* an unobserved column (NaN range) says nothing */
  if (!isfinite (lo) || !isfinite (hi))
    return FALSE;
  return !(v >= lo - margin && v <= hi + margin);
}

gboolean
currents_system_is_extrapolated (const CurrentsSystem *system,
                                 const double         *x,
                                 const double         *u,
                                 int                  *outside)
{
  g_autofree double *xlo = NULL, *xhi = NULL, *ulo = NULL, *uhi = NULL;

  g_return_val_if_fail (system != NULL, FALSE);

  if (outside != NULL)
    *outside = -1;
  xlo = g_new (double, MAX (system->n, 1));
  xhi = g_new (double, MAX (system->n, 1));
  ulo = g_new (double, MAX (system->m, 1));
  uhi = g_new (double, MAX (system->m, 1));
  if (!currents_system_get_support (system, xlo, xhi, ulo, uhi))
    return FALSE;
  for (gsize i = 0; x != NULL && i < system->n; i++)
    if (outside_range (x[i], xlo[i], xhi[i]))
      {
        if (outside != NULL)
          *outside = (int) i;
        return TRUE;
      }
  for (gsize k = 0; u != NULL && k < system->m; k++)
    if (outside_range (u[k], ulo[k], uhi[k]))
      {
        if (outside != NULL)
          *outside = (int) (system->n + k);
        return TRUE;
      }
  return FALSE;
}

gssize
currents_system_first_extrapolated (const CurrentsSystem *system,
                                    const double         *x,
                                    gsize                 n_points,
                                    const double         *u)
{
  g_return_val_if_fail (system != NULL, -1);

  if (system->trained == NULL)
    return -1;
  if (u != NULL && currents_system_is_extrapolated (system, NULL, u, NULL))
    return 0;
  for (gsize r = 0; r < n_points; r++)
    if (currents_system_is_extrapolated (system, x + r * system->n, NULL, NULL))
      return (gssize) r;
  return -1;
}
