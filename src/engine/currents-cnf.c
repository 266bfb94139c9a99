/* currents-cnf.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Continuous normalizing flows (see currents-cnf.h for the equations).
 *
 * One augmented field serves both directions: with σ = +1 (forward, sampling) or
 * σ = −1 (backward, likelihoods), in the solver's time s with t = σ s,
 *
 *   F(s, y) = σ (f(t, x), −tr J(t, x)),    J = ∂f/∂x,   y = (x, ℓ),
 *   ∂F/∂y   = σ [[J, 0], [−∂(tr J)/∂x, 0]],   ∂F/∂p = σ [∂f/∂p ; −∂(tr J)/∂p].
 *
 * The base density: Σ₀ = L Lᵀ (Cholesky), z = L⁻¹(x − μ₀),
 *   log p_0(x) = −½ (n log 2π + log det Σ₀ + |z|²),   ∇ log p_0 = −L⁻ᵀ z.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-cnf"

#include <math.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "currents-cnf.h"
#include "currents-data.h"
#include "currents-error.h"
#include "currents-mlp.h"

/* ---- Snapshot data ------------------------------------------------------------------ */

typedef struct
{
  double  t;
  GArray *cells; /* double, n_cells × n */
} Snapshot;

struct _CurrentsSnapshots
{
  char  **names;
  gsize   n;
  GArray *snaps; /* Snapshot, increasing t */
};

static void
snapshot_clear (gpointer data)
{
  Snapshot *s = data;

  g_clear_pointer (&s->cells, g_array_unref);
}

/**
 * currents_snapshots_new:
 * @state_names: %NULL-terminated state names (copied)
 *
 * Returns: (transfer full): an empty set of snapshots
 */
CurrentsSnapshots *
currents_snapshots_new (const char *const *state_names)
{
  CurrentsSnapshots *s;

  g_return_val_if_fail (state_names != NULL && state_names[0] != NULL, NULL);

  s = g_new0 (CurrentsSnapshots, 1);
  s->names = g_strdupv ((char **) state_names);
  s->n = g_strv_length (s->names);
  s->snaps = g_array_new (FALSE, TRUE, sizeof (Snapshot));
  g_array_set_clear_func (s->snaps, snapshot_clear);
  return s;
}

void
currents_snapshots_free (CurrentsSnapshots *snapshots)
{
  if (snapshots == NULL)
    return;
  g_strfreev (snapshots->names);
  g_array_unref (snapshots->snaps);
  g_free (snapshots);
}

/**
 * currents_snapshots_add:
 * @snapshots: the set
 * @t: the snapshot's time
 * @n_cells: rows in @cells
 * @cells: n_cells × n values, row-major, all finite
 * @error: return location
 *
 * Returns: %TRUE on success
 */
gboolean
currents_snapshots_add (CurrentsSnapshots *snapshots,
                        double             t,
                        gsize              n_cells,
                        const double      *cells,
                        GError           **error)
{
  gsize pos;
  Snapshot *s;

  g_return_val_if_fail (snapshots != NULL, FALSE);
  g_return_val_if_fail (cells != NULL || n_cells == 0, FALSE);

  if (!isfinite (t))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "A snapshot's time must be a finite number");
      return FALSE;
    }
  for (gsize r = 0; r < n_cells * snapshots->n; r++)
    if (!isfinite (cells[r]))
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "Cell %zu of the snapshot at t = %g has a missing or non-finite "
                       "value for %s",
                     r / snapshots->n + 1, t, snapshots->names[r % snapshots->n]);
        return FALSE;
      }

  for (pos = 0; pos < snapshots->snaps->len; pos++)
    if (g_array_index (snapshots->snaps, Snapshot, pos).t >= t)
      break;
  if (pos == snapshots->snaps->len || g_array_index (snapshots->snaps, Snapshot, pos).t != t)
    {
      Snapshot fresh = { t, g_array_new (FALSE, FALSE, sizeof (double)) };

      g_array_insert_val (snapshots->snaps, pos, fresh);
    }
  s = &g_array_index (snapshots->snaps, Snapshot, pos);
  g_array_append_vals (s->cells, cells, n_cells * snapshots->n);
  return TRUE;
}

static gboolean
parse_number (const char *field, double *value)
{
  g_autofree char *copy = g_strstrip (g_strdup (field));
  char *end = NULL;

  if (copy[0] == '\0')
    return FALSE;
  *value = g_ascii_strtod (copy, &end);
  return end != NULL && *end == '\0' && isfinite (*value);
}

/**
 * currents_snapshots_parse:
 * @contents: CSV text
 * @length: its length, or -1 when NUL-terminated
 * @filename: (nullable): the name errors cite
 * @error: return location; %CURRENTS_ENGINE_ERROR_DATA_FORMAT with file, line and column
 *
 * Returns: (transfer full): the snapshots, or %NULL
 */
CurrentsSnapshots *
currents_snapshots_parse (const char  *contents,
                          gssize       length,
                          const char  *filename,
                          GError     **error)
{
  g_autoptr (CurrentsCsvPreview) preview = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GArray) cols = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autoptr (CurrentsSnapshots) snaps = NULL;
  g_autofree double *row = NULL;
  const char *display = filename != NULL ? filename : "<data>";
  gssize t_col = -1;

  g_return_val_if_fail (contents != NULL || length <= 0, NULL);

  preview = currents_csv_preview_new (contents, length, G_MAXSIZE);
  if (preview->header_line == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "%s: no header line: expected column names such as t,x,y", display);
      return NULL;
    }
  for (gsize c = 0; c < preview->n_cols; c++)
    {
      const char *name = preview->names[c];

      if (currents_csv_is_trajectory_name (name))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                       "%s:%zu: column %zu (%s) names trajectories, but snapshot data has "
                         "no cell identities: remove the column or load the file as "
                         "trajectories",
                       display, preview->header_line, c + 1, name);
          return NULL;
        }
      if (currents_csv_is_time_name (name))
        {
          if (t_col >= 0)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                           "%s:%zu: columns %zd and %zu are both times", display,
                           preview->header_line, t_col + 1, c + 1);
              return NULL;
            }
          t_col = c;
          continue;
        }
      if (name[0] == '\0')
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                       "%s:%zu: column %zu has no name", display, preview->header_line,
                       c + 1);
          return NULL;
        }
      g_ptr_array_add (names, (gpointer) name);
      g_array_append_val (cols, c);
    }
  if (t_col < 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "%s:%zu: no time column: expected one named t or time", display,
                   preview->header_line);
      return NULL;
    }
  if (names->len == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "%s:%zu: no state columns besides the time", display,
                   preview->header_line);
      return NULL;
    }
  if (preview->n_rows == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "%s: no data rows after the header", display);
      return NULL;
    }
  g_ptr_array_add (names, NULL);
  snaps = currents_snapshots_new ((const char *const *) names->pdata);
  row = g_new (double, snaps->n);

  for (gsize r = 0; r < preview->n_rows; r++)
    {
      char **fields = preview->rows[r];
      gsize n_fields = g_strv_length (fields);
      double t;

      if (n_fields != preview->n_cols)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                       "%s:%zu: expected %zu fields as in the header, found %zu",
                       display, preview->lines[r], preview->n_cols, n_fields);
          return NULL;
        }
      if (!parse_number (fields[t_col], &t))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                       "%s:%zu: column %zd (%s): “%s” is not a finite number", display,
                       preview->lines[r], t_col + 1, preview->names[t_col], fields[t_col]);
          return NULL;
        }
      for (gsize i = 0; i < snaps->n; i++)
        {
          gsize c = g_array_index (cols, gsize, i);

          if (!parse_number (fields[c], &row[i]))
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                           "%s:%zu: column %zu (%s): “%s” is not a finite number (a cell "
                             "needs every state measured)",
                           display, preview->lines[r], c + 1, preview->names[c], fields[c]);
              return NULL;
            }
        }
      if (!currents_snapshots_add (snaps, t, 1, row, error))
        return NULL;
    }
  return g_steal_pointer (&snaps);
}

/**
 * currents_snapshots_load:
 * @path: a CSV file
 * @error: return location
 *
 * Returns: (transfer full): the snapshots, or %NULL
 */
CurrentsSnapshots *
currents_snapshots_load (const char  *path,
                         GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *display = NULL;
  g_autoptr (GError) local = NULL;
  gsize length;

  g_return_val_if_fail (path != NULL, NULL);

  display = g_filename_display_name (path);
  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO, "%s",
                   local->message);
      return NULL;
    }
  return currents_snapshots_parse (contents, length, display, error);
}

gsize
currents_snapshots_get_n_states (const CurrentsSnapshots *snapshots)
{
  g_return_val_if_fail (snapshots != NULL, 0);
  return snapshots->n;
}

const char *
currents_snapshots_get_state_name (const CurrentsSnapshots *snapshots,
                                   gsize                    i)
{
  g_return_val_if_fail (snapshots != NULL && i < snapshots->n, NULL);
  return snapshots->names[i];
}

gsize
currents_snapshots_get_n_times (const CurrentsSnapshots *snapshots)
{
  g_return_val_if_fail (snapshots != NULL, 0);
  return snapshots->snaps->len;
}

double
currents_snapshots_get_time (const CurrentsSnapshots *snapshots,
                             gsize                    k)
{
  g_return_val_if_fail (snapshots != NULL && k < snapshots->snaps->len, NAN);
  return g_array_index (snapshots->snaps, Snapshot, k).t;
}

gsize
currents_snapshots_get_n_cells (const CurrentsSnapshots *snapshots,
                                gsize                    k)
{
  g_return_val_if_fail (snapshots != NULL && k < snapshots->snaps->len, 0);
  return g_array_index (snapshots->snaps, Snapshot, k).cells->len / snapshots->n;
}

const double *
currents_snapshots_get_cells (const CurrentsSnapshots *snapshots,
                              gsize                    k)
{
  g_return_val_if_fail (snapshots != NULL && k < snapshots->snaps->len, NULL);
  return (const double *) g_array_index (snapshots->snaps, Snapshot, k).cells->data;
}

/**
 * currents_snapshots_moments:
 * @snapshots: the data
 * @k: a snapshot
 * @mean: (out): n values
 * @cov: (out): n × n values
 * @error: return location; fails when the snapshot has fewer than two cells
 *
 * Returns: %TRUE on success
 */
gboolean
currents_snapshots_moments (const CurrentsSnapshots *snapshots,
                            gsize                    k,
                            double                  *mean,
                            double                  *cov,
                            GError                 **error)
{
  gsize n, N;
  const double *X;

  g_return_val_if_fail (snapshots != NULL && k < snapshots->snaps->len, FALSE);

  n = snapshots->n;
  N = currents_snapshots_get_n_cells (snapshots, k);
  X = currents_snapshots_get_cells (snapshots, k);
  if (N < 2)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The snapshot at t = %g has %zu cell(s); its spread needs at least two",
                   currents_snapshots_get_time (snapshots, k), N);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      double s = 0.0;

      for (gsize r = 0; r < N; r++)
        s += X[r * n + i];
      mean[i] = s / N;
    }
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j <= i; j++)
      {
        double s = 0.0;

        for (gsize r = 0; r < N; r++)
          s += (X[r * n + i] - mean[i]) * (X[r * n + j] - mean[j]);
        cov[i * n + j] = cov[j * n + i] = s / (N - 1);
      }
  return TRUE;
}

/* lower Cholesky factor by rows; FALSE when not positive definite */
static gboolean
cholesky (const double *cov, gsize n, double *L, double *logdet)
{
  *logdet = 0.0;
  memset (L, 0, n * n * sizeof (double));
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j <= i; j++)
      {
        double s = cov[i * n + j];

        for (gsize l = 0; l < j; l++)
          s -= L[i * n + l] * L[j * n + l];
        if (i == j)
          {
            if (!(s > 1e-300) || !(s > 1e-14 * fabs (cov[i * n + i])))
              return FALSE;
            L[i * n + i] = sqrt (s);
            *logdet += 2.0 * log (L[i * n + i]);
          }
        else
          L[i * n + j] = s / L[j * n + j];
      }
  return TRUE;
}

/* log N(x; μ, L Lᵀ) */
static double
gauss_log (const double *x, const double *mu, const double *L, double logdet, gsize n,
           double *z)
{
  double q = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      double s = x[i] - mu[i];

      for (gsize j = 0; j < i; j++)
        s -= L[i * n + j] * z[j];
      z[i] = s / L[i * n + i];
      q += z[i] * z[i];
    }
  return -0.5 * (n * log (2.0 * G_PI) + logdet + q);
}

/**
 * currents_snapshots_fit_mixture:
 * @snapshots: the data
 * @k: a snapshot
 * @n_components: K ≥ 1
 * @seed: for the k-means++ start
 * @weights: (out): K values
 * @means: (out): K × n values
 * @covs: (out): K × n × n values
 * @log_likelihood: (out) (nullable): the mean log-likelihood of the cells under the fit
 * @error: return location
 *
 * A Gaussian mixture fitted to snapshot @k by expectation–maximisation from a k-means++
 * start (a ridge of 1e-6 × the mean variance keeps each covariance positive definite).
 *
 * Returns: %TRUE on success
 */
gboolean
currents_snapshots_fit_mixture (const CurrentsSnapshots *snapshots,
                                gsize                    k,
                                gsize                    n_components,
                                guint64                  seed,
                                double                  *weights,
                                double                  *means,
                                double                  *covs,
                                double                  *log_likelihood,
                                GError                 **error)
{
  gsize n, N, K = n_components;
  const double *X;
  g_autofree double *R = NULL, *L = NULL, *logdet = NULL, *d2 = NULL, *z = NULL;
  g_autofree double *mean_all = NULL, *cov_all = NULL;
  gsl_rng *rng;
  double ridge = 0.0, prev = -INFINITY, ll = 0.0;

  g_return_val_if_fail (snapshots != NULL && k < snapshots->snaps->len, FALSE);
  g_return_val_if_fail (n_components >= 1, FALSE);
  g_return_val_if_fail (weights != NULL && means != NULL && covs != NULL, FALSE);

  n = snapshots->n;
  N = currents_snapshots_get_n_cells (snapshots, k);
  X = currents_snapshots_get_cells (snapshots, k);
  if (N < K * (n + 1))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The snapshot at t = %g has %zu cells; a mixture of %zu Gaussians in %zu "
                     "states needs at least %zu",
                   currents_snapshots_get_time (snapshots, k), N, K, n, K * (n + 1));
      return FALSE;
    }
  mean_all = g_new (double, n);
  cov_all = g_new (double, n * n);
  if (!currents_snapshots_moments (snapshots, k, mean_all, cov_all, error))
    return FALSE;
  for (gsize i = 0; i < n; i++)
    ridge += cov_all[i * n + i] / n;
  ridge *= 1e-6;

  R = g_new0 (double, N * K);
  L = g_new (double, K * n * n);
  logdet = g_new (double, K);
  d2 = g_new (double, N);
  z = g_new (double, n);

  /* k-means++ centres, then hard responsibilities to the nearest */
  rng = gsl_rng_alloc (gsl_rng_mt19937);
  gsl_rng_set (rng, seed);
  memcpy (means, X + gsl_rng_uniform_int (rng, N) * n, n * sizeof (double));
  for (gsize c = 1; c < K; c++)
    {
      double total = 0.0, u, acc = 0.0;
      gsize pick = N - 1;

      for (gsize r = 0; r < N; r++)
        {
          d2[r] = INFINITY;
          for (gsize cc = 0; cc < c; cc++)
            {
              double s = 0.0;

              for (gsize i = 0; i < n; i++)
                s += (X[r * n + i] - means[cc * n + i]) * (X[r * n + i] - means[cc * n + i])
                     / cov_all[i * n + i];
              d2[r] = MIN (d2[r], s);
            }
          total += d2[r];
        }
      u = gsl_rng_uniform (rng) * total;
      for (gsize r = 0; r < N; r++)
        {
          acc += d2[r];
          if (acc > u)
            {
              pick = r;
              break;
            }
        }
      memcpy (means + c * n, X + pick * n, n * sizeof (double));
    }
  gsl_rng_free (rng);
  for (gsize r = 0; r < N; r++)
    {
      gsize best = 0;
      double best_d = INFINITY;

      for (gsize c = 0; c < K; c++)
        {
          double s = 0.0;

          for (gsize i = 0; i < n; i++)
            s += (X[r * n + i] - means[c * n + i]) * (X[r * n + i] - means[c * n + i])
                 / cov_all[i * n + i];
          if (s < best_d)
            {
              best_d = s;
              best = c;
            }
        }
      R[r * K + best] = 1.0;
    }

  for (gsize it = 0; it < 1000; it++)
    {
      /* M step */
      for (gsize c = 0; c < K; c++)
        {
          double nc = 0.0, *mu = means + c * n, *cv = covs + c * n * n;

          for (gsize r = 0; r < N; r++)
            nc += R[r * K + c];
          nc = MAX (nc, 1e-300);
          weights[c] = nc / N;
          for (gsize i = 0; i < n; i++)
            {
              double s = 0.0;

              for (gsize r = 0; r < N; r++)
                s += R[r * K + c] * X[r * n + i];
              mu[i] = s / nc;
            }
          for (gsize i = 0; i < n; i++)
            for (gsize j = 0; j <= i; j++)
              {
                double s = 0.0;

                for (gsize r = 0; r < N; r++)
                  s += R[r * K + c] * (X[r * n + i] - mu[i]) * (X[r * n + j] - mu[j]);
                cv[i * n + j] = cv[j * n + i] = s / nc + (i == j ? ridge : 0.0);
              }
          if (!cholesky (cv, n, L + c * n * n, &logdet[c]))
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR,
                           CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN,
                           "A component of the mixture fitted to the snapshot at t = %g "
                             "collapsed: use fewer components",
                           currents_snapshots_get_time (snapshots, k));
              return FALSE;
            }
        }
      /* E step */
      ll = 0.0;
      for (gsize r = 0; r < N; r++)
        {
          double top = -INFINITY, sum = 0.0, lse;

          for (gsize c = 0; c < K; c++)
            {
              R[r * K + c] = log (weights[c])
                             + gauss_log (X + r * n, means + c * n, L + c * n * n, logdet[c],
                                          n, z);
              top = MAX (top, R[r * K + c]);
            }
          for (gsize c = 0; c < K; c++)
            sum += exp (R[r * K + c] - top);
          lse = top + log (sum);
          for (gsize c = 0; c < K; c++)
            R[r * K + c] = exp (R[r * K + c] - lse);
          ll += lse / N;
        }
      if (ll - prev < 1e-12 * (1.0 + fabs (ll)))
        break;
      prev = ll;
    }
  if (log_likelihood != NULL)
    *log_likelihood = ll;
  return TRUE;
}

/* ---- The linear field --------------------------------------------------------------- */

typedef struct
{
  gsize n;
} LinearImpl;

static void
linear_eval (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
             const double *p, double *f)
{
  const LinearImpl *li = impl;
  gsize n = li->n;
  const double *A = p, *b = p + n * n;

  (void) ws; (void) t; (void) u;
  for (gsize i = 0; i < n; i++)
    {
      double s = b[i];

      for (gsize j = 0; j < n; j++)
        s += A[i * n + j] * x[j];
      f[i] = s;
    }
}

static void
linear_jacobian (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
                 const double *p, double *f, double *jx, double *jp)
{
  const LinearImpl *li = impl;
  gsize n = li->n, k = n * n + n;

  if (f != NULL)
    linear_eval (impl, ws, t, x, u, p, f);
  memcpy (jx, p, n * n * sizeof (double));
  if (jp != NULL)
    {
      memset (jp, 0, n * k * sizeof (double));
      for (gsize i = 0; i < n; i++)
        {
          for (gsize j = 0; j < n; j++)
            jp[i * k + i * n + j] = x[j];
          jp[i * k + n * n + i] = 1.0;
        }
    }
}

static void
linear_vjp (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
            const double *p, const double *w, double *f, double *gx, double *gp)
{
  const LinearImpl *li = impl;
  gsize n = li->n;
  const double *A = p;

  if (f != NULL)
    linear_eval (impl, ws, t, x, u, p, f);
  if (gx != NULL)
    for (gsize i = 0; i < n; i++)
      for (gsize j = 0; j < n; j++)
        gx[j] += w[i] * A[i * n + j];
  if (gp != NULL)
    for (gsize i = 0; i < n; i++)
      {
        for (gsize j = 0; j < n; j++)
          gp[i * n + j] += w[i] * x[j];
        gp[n * n + i] += w[i];
      }
}

static void
linear_hvp (gconstpointer impl, gpointer ws, double t, const double *x, const double *u,
            const double *p, const double *v, const double *w, double *out)
{
  const LinearImpl *li = impl;

  (void) ws; (void) t; (void) x; (void) u; (void) p; (void) v; (void) w;
  memset (out, 0, li->n * sizeof (double));
}

static const CurrentsFieldVTable linear_vtable = {
  .eval = linear_eval,
  .jacobian = linear_jacobian,
  .vjp = linear_vjp,
  .impl_free = g_free,
  .hvp = linear_hvp,
};

/**
 * currents_cnf_linear_field_new:
 * @n_states: the dimension n ≥ 1
 *
 * Returns: (transfer full): the field f(x) = A x + b with parameters (A, b)
 */
CurrentsField *
currents_cnf_linear_field_new (gsize n_states)
{
  LinearImpl *li;

  g_return_val_if_fail (n_states > 0, NULL);

  li = g_new0 (LinearImpl, 1);
  li->n = n_states;
  return currents_field_new (&linear_vtable, li, n_states, 0, n_states * n_states + n_states,
                             TRUE);
}

/**
 * currents_cnf_linear_divergence_grad:
 * @field: a field from currents_cnf_linear_field_new()
 *
 * The exact divergence gradient of the linear field (a #CurrentsCnfDivergenceGradFunc;
 * @user_data unused): ∂(tr A)/∂x = 0, ∂(tr A)/∂A_ij = δ_ij, ∂(tr A)/∂b = 0.
 */
void
currents_cnf_linear_divergence_grad (const CurrentsField *field,
                                     double               t,
                                     const double        *x,
                                     const double        *p,
                                     double              *gx,
                                     double              *gp,
                                     double              *scratch,
                                     gpointer             user_data)
{
  gsize n = currents_field_get_n_states (field);

  (void) t; (void) x; (void) p; (void) scratch; (void) user_data;
  memset (gx, 0, n * sizeof (double));
  memset (gp, 0, (n * n + n) * sizeof (double));
  for (gsize i = 0; i < n; i++)
    gp[i * n + i] = 1.0;
}

/* ---- The augmented field ------------------------------------------------------------ */

typedef struct
{
  CurrentsField                *field;
  gsize                         n;
  gsize                         k;
  double                        sign;
  CurrentsCnfDivergenceGradFunc div_grad;
  gpointer                      div_data;
  gsize                         n_div_scratch;
} AugImpl;

typedef struct
{
  CurrentsFieldWorkspace *ws;
  double                 *jx;  /* n × n */
  double                 *jp;  /* n × k */
  double                 *f;   /* n */
  double                 *dgx; /* n */
  double                 *dgp; /* k */
  double                 *wx;  /* n */
  double                 *div_scratch;
} AugWs;

static gpointer
aug_workspace_new (gconstpointer impl)
{
  const AugImpl *ai = impl;
  AugWs *aw = g_new0 (AugWs, 1);

  aw->ws = currents_field_workspace_new (ai->field);
  aw->jx = g_new0 (double, ai->n * ai->n);
  aw->jp = g_new0 (double, ai->n * MAX (ai->k, 1));
  aw->f = g_new0 (double, ai->n);
  aw->dgx = g_new0 (double, ai->n);
  aw->dgp = g_new0 (double, MAX (ai->k, 1));
  aw->wx = g_new0 (double, ai->n);
  aw->div_scratch = g_new0 (double, MAX (ai->n_div_scratch, 1));
  return aw;
}

static void
aug_workspace_free (gpointer ws)
{
  AugWs *aw = ws;

  currents_field_workspace_free (aw->ws);
  g_free (aw->jx);
  g_free (aw->jp);
  g_free (aw->f);
  g_free (aw->dgx);
  g_free (aw->dgp);
  g_free (aw->wx);
  g_free (aw->div_scratch);
  g_free (aw);
}

static void
aug_impl_free (gpointer impl)
{
  AugImpl *ai = impl;

  currents_field_unref (ai->field);
  g_free (ai);
}

static double
trace (const double *jx, gsize n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += jx[i * n + i];
  return s;
}

/* dgx = ∂(tr J)/∂x, dgp = ∂(tr J)/∂p; zeros where the field gives no way to them (the
 * public API refuses gradients then, so only an outside caller of the Jacobian sees it). */
static void
aug_div_grad (const AugImpl *ai, AugWs *aw, double t, const double *x, const double *p)
{
  if (ai->div_grad != NULL)
    ai->div_grad (ai->field, t, x, p, aw->dgx, aw->dgp, aw->div_scratch, ai->div_data);
  else
    {
      memset (aw->dgx, 0, ai->n * sizeof (double));
      memset (aw->dgp, 0, ai->k * sizeof (double));
    }
}

static void
aug_eval (gconstpointer impl, gpointer ws, double s, const double *y, const double *u,
          const double *p, double *F)
{
  const AugImpl *ai = impl;
  AugWs *aw = ws;
  double t = ai->sign * s;

  (void) u;
  currents_field_jacobian (aw->ws, t, y, NULL, p, aw->f, aw->jx, NULL);
  for (gsize i = 0; i < ai->n; i++)
    F[i] = ai->sign * aw->f[i];
  F[ai->n] = -ai->sign * trace (aw->jx, ai->n);
}

static void
aug_jacobian (gconstpointer impl, gpointer ws, double s, const double *y, const double *u,
              const double *p, double *F, double *jx, double *jp)
{
  const AugImpl *ai = impl;
  AugWs *aw = ws;
  gsize n = ai->n, k = ai->k, m = n + 1;
  double t = ai->sign * s, sg = ai->sign;

  (void) u;
  currents_field_jacobian (aw->ws, t, y, NULL, p, aw->f, aw->jx, jp != NULL ? aw->jp : NULL);
  aug_div_grad (ai, aw, t, y, p);
  if (F != NULL)
    {
      for (gsize i = 0; i < n; i++)
        F[i] = sg * aw->f[i];
      F[n] = -sg * trace (aw->jx, n);
    }
  for (gsize i = 0; i < n; i++)
    {
      for (gsize j = 0; j < n; j++)
        jx[i * m + j] = sg * aw->jx[i * n + j];
      jx[i * m + n] = 0.0;
    }
  for (gsize j = 0; j < n; j++)
    jx[n * m + j] = -sg * aw->dgx[j];
  jx[n * m + n] = 0.0;
  if (jp != NULL)
    {
      for (gsize i = 0; i < n; i++)
        for (gsize l = 0; l < k; l++)
          jp[i * k + l] = sg * aw->jp[i * k + l];
      for (gsize l = 0; l < k; l++)
        jp[n * k + l] = -sg * aw->dgp[l];
    }
}

static void
aug_vjp (gconstpointer impl, gpointer ws, double s, const double *y, const double *u,
         const double *p, const double *w, double *F, double *gx, double *gp)
{
  const AugImpl *ai = impl;
  AugWs *aw = ws;
  gsize n = ai->n;
  double t = ai->sign * s, sg = ai->sign, wc = w[n];

  (void) u;
  currents_field_jacobian (aw->ws, t, y, NULL, p, aw->f, aw->jx, NULL);
  if (F != NULL)
    {
      for (gsize i = 0; i < n; i++)
        F[i] = sg * aw->f[i];
      F[n] = -sg * trace (aw->jx, n);
    }
  if (gx == NULL && gp == NULL)
    return;
  aug_div_grad (ai, aw, t, y, p);
  for (gsize i = 0; i < n; i++)
    aw->wx[i] = sg * w[i];
  if (gx != NULL)
    {
      for (gsize i = 0; i < n; i++)
        for (gsize j = 0; j < n; j++)
          gx[j] += aw->wx[i] * aw->jx[i * n + j];
      for (gsize j = 0; j < n; j++)
        gx[j] -= sg * wc * aw->dgx[j];
    }
  if (gp != NULL)
    {
      currents_field_vjp (aw->ws, t, y, NULL, p, aw->wx, NULL, NULL, gp);
      for (gsize l = 0; l < ai->k; l++)
        gp[l] -= sg * wc * aw->dgp[l];
    }
}

static const CurrentsFieldVTable aug_vtable = {
  .workspace_new = aug_workspace_new,
  .workspace_free = aug_workspace_free,
  .eval = aug_eval,
  .jacobian = aug_jacobian,
  .vjp = aug_vjp,
  .impl_free = aug_impl_free,
};

static CurrentsField *
aug_field_new (CurrentsField *field, double sign, AugImpl **impl_out)
{
  AugImpl *ai = g_new0 (AugImpl, 1);

  ai->field = currents_field_ref (field);
  ai->n = currents_field_get_n_states (field);
  ai->k = currents_field_get_n_params (field);
  ai->sign = sign;
  *impl_out = ai;
  return currents_field_new (&aug_vtable, ai, ai->n + 1, 0, ai->k,
                             currents_field_is_autonomous (field));
}

/* ---- The flow ----------------------------------------------------------------------- */

static void neural_div_free (gpointer data);

struct _CurrentsCnf
{
  CurrentsField   *field;
  gsize            n;
  gsize            k;
  double           t0;
  double          *mean;  /* K × n */
  double          *cov;   /* K × n × n */
  double          *chol;  /* K × n × n, lower L_c with Σ_c = L_c L_cᵀ */
  gsize            n_comp;   /* K */
  double          *weights;  /* K */
  double          *log_norm; /* K: log w_c − ½ (n log 2π + log det Σ_c) */
  double          *comp;     /* K: scratch */
  AugImpl         *fwd_impl;
  AugImpl         *bwd_impl;
  CurrentsField   *fwd;
  CurrentsField   *bwd;
  CurrentsAdjoint *fwd_adj;
  CurrentsAdjoint *bwd_adj;
  CurrentsAdjointOptions options;
  gpointer         neural; /* NeuralDiv, when set by currents_cnf_set_neural() */
  double          *y;     /* n + 1 */
  double          *y_end; /* n + 1 */
  double          *z;     /* n */
  double          *grad;  /* n */
  double          *gp;    /* k */
};

/**
 * currents_cnf_new_mixture:
 *
 * See currents-cnf.h.
 */
CurrentsCnf *
currents_cnf_new_mixture (CurrentsField                *field,
                          double                        t0,
                          gsize                         n_components,
                          const double                 *weights,
                          const double                 *means,
                          const double                 *covs,
                          const CurrentsAdjointOptions *options,
                          GError                      **error)
{
  g_autoptr (CurrentsCnf) cnf = NULL;
  CurrentsAdjointOptions opts;
  gsize n, K = n_components;
  double wsum = 0.0;

  g_return_val_if_fail (field != NULL, NULL);
  g_return_val_if_fail (n_components >= 1, NULL);
  g_return_val_if_fail (means != NULL && covs != NULL, NULL);
  g_return_val_if_fail (weights != NULL || n_components == 1, NULL);

  n = currents_field_get_n_states (field);
  if (currents_field_get_n_inputs (field) != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   "A flow of cell populations takes a field without inputs; this one has "
                     "%zu",
                   currents_field_get_n_inputs (field));
      return NULL;
    }
  if (!isfinite (t0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The base density's time must be finite");
      return NULL;
    }
  for (gsize c = 0; c < K; c++)
    {
      double w = weights != NULL ? weights[c] : 1.0;

      if (!(w > 0.0) || !isfinite (w))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "The base density's component %zu has weight %g; weights must be "
                         "positive",
                       c + 1, w);
          return NULL;
        }
      wsum += w;
    }

  cnf = g_new0 (CurrentsCnf, 1);
  cnf->field = currents_field_ref (field);
  cnf->n = n;
  cnf->k = currents_field_get_n_params (field);
  cnf->t0 = t0;
  cnf->n_comp = K;
  cnf->weights = g_new (double, K);
  cnf->log_norm = g_new (double, K);
  cnf->comp = g_new (double, K);
  cnf->mean = g_memdup2 (means, K * n * sizeof (double));
  cnf->cov = g_memdup2 (covs, K * n * n * sizeof (double));
  cnf->chol = g_new0 (double, K * n * n);
  cnf->y = g_new0 (double, n + 1);
  cnf->y_end = g_new0 (double, n + 1);
  cnf->z = g_new0 (double, n);
  cnf->grad = g_new0 (double, n);
  cnf->gp = g_new0 (double, MAX (cnf->k, 1));

  for (gsize c = 0; c < K; c++)
    {
      const double *mean = means + c * n, *cov = covs + c * n * n;
      double logdet;

      cnf->weights[c] = (weights != NULL ? weights[c] : 1.0) / wsum;
      for (gsize i = 0; i < n; i++)
        {
          if (!isfinite (mean[i]))
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                           "The base density's mean is not finite");
              return NULL;
            }
          for (gsize j = 0; j < n; j++)
            if (!isfinite (cov[i * n + j])
                || fabs (cov[i * n + j] - cov[j * n + i])
                   > 1e-12 * (fabs (cov[i * n + j]) + fabs (cov[j * n + i])))
              {
                g_set_error (error, CURRENTS_ENGINE_ERROR,
                             CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                             "The base density's covariance must be a finite symmetric "
                               "matrix");
                return NULL;
              }
        }
      if (!cholesky (cov, n, cnf->chol + c * n * n, &logdet))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN,
                       "The base density's covariance is not positive definite (the states "
                         "are linearly dependent, or there are too few cells for %zu states)",
                       n);
          return NULL;
        }
      cnf->log_norm[c] = log (cnf->weights[c]) - 0.5 * (n * log (2.0 * G_PI) + logdet);
    }

  if (options != NULL)
    opts = *options;
  else
    {
      currents_adjoint_options_init (&opts);
      opts.rtol = 1e-8;
      opts.atol = 1e-10;
    }
  /* The gradient is the derivative of the computed solution (discrete adjoint), so
   * training's line of descent is exact whatever the tolerance. */
  opts.method = CURRENTS_GRADIENT_DISCRETE;
  opts.stiff = FALSE;

  cnf->fwd = aug_field_new (field, 1.0, &cnf->fwd_impl);
  cnf->bwd = aug_field_new (field, -1.0, &cnf->bwd_impl);
  cnf->options = opts;
  cnf->fwd_adj = currents_adjoint_new (cnf->fwd, &opts);
  cnf->bwd_adj = currents_adjoint_new (cnf->bwd, &opts);
  return g_steal_pointer (&cnf);
}

/**
 * currents_cnf_new:
 *
 * See currents-cnf.h.
 */
CurrentsCnf *
currents_cnf_new (CurrentsField                *field,
                  double                        t0,
                  const double                 *mean,
                  const double                 *cov,
                  const CurrentsAdjointOptions *options,
                  GError                      **error)
{
  return currents_cnf_new_mixture (field, t0, 1, NULL, mean, cov, options, error);
}

/**
 * currents_cnf_new_from_snapshots:
 *
 * See currents-cnf.h. t0 is the first snapshot's time.
 */
CurrentsCnf *
currents_cnf_new_from_snapshots (CurrentsField                *field,
                                 const CurrentsSnapshots      *snapshots,
                                 const CurrentsAdjointOptions *options,
                                 GError                      **error)
{
  g_autofree double *mean = NULL, *cov = NULL;
  gsize n;

  g_return_val_if_fail (field != NULL && snapshots != NULL, NULL);

  n = currents_field_get_n_states (field);
  if (snapshots->n != n)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The data have %zu states but the model has %zu", snapshots->n, n);
      return NULL;
    }
  if (snapshots->snaps->len == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The data have no snapshots");
      return NULL;
    }
  mean = g_new (double, n);
  cov = g_new (double, n * n);
  if (!currents_snapshots_moments (snapshots, 0, mean, cov, error))
    return NULL;
  return currents_cnf_new (field, currents_snapshots_get_time (snapshots, 0), mean, cov,
                           options, error);
}

/**
 * currents_cnf_new_from_snapshots_mixture:
 *
 * See currents-cnf.h.
 */
CurrentsCnf *
currents_cnf_new_from_snapshots_mixture (CurrentsField                *field,
                                         const CurrentsSnapshots      *snapshots,
                                         gsize                         n_components,
                                         guint64                       seed,
                                         const CurrentsAdjointOptions *options,
                                         GError                      **error)
{
  g_autofree double *w = NULL, *means = NULL, *covs = NULL;
  gsize n;

  g_return_val_if_fail (field != NULL && snapshots != NULL, NULL);
  g_return_val_if_fail (n_components >= 1, NULL);

  n = currents_field_get_n_states (field);
  if (snapshots->n != n)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The data have %zu states but the model has %zu", snapshots->n, n);
      return NULL;
    }
  if (snapshots->snaps->len == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The data have no snapshots");
      return NULL;
    }
  w = g_new (double, n_components);
  means = g_new (double, n_components * n);
  covs = g_new (double, n_components * n * n);
  if (!currents_snapshots_fit_mixture (snapshots, 0, n_components, seed, w, means, covs, NULL,
                                       error))
    return NULL;
  return currents_cnf_new_mixture (field, currents_snapshots_get_time (snapshots, 0),
                                   n_components, w, means, covs, options, error);
}

gsize
currents_cnf_get_n_components (const CurrentsCnf *cnf)
{
  g_return_val_if_fail (cnf != NULL, 0);
  return cnf->n_comp;
}

const double *
currents_cnf_get_base_weights (const CurrentsCnf *cnf)
{
  g_return_val_if_fail (cnf != NULL, NULL);
  return cnf->weights;
}

void
currents_cnf_free (CurrentsCnf *cnf)
{
  if (cnf == NULL)
    return;
  g_clear_pointer (&cnf->fwd_adj, currents_adjoint_free);
  g_clear_pointer (&cnf->bwd_adj, currents_adjoint_free);
  g_clear_pointer (&cnf->fwd, currents_field_unref);
  g_clear_pointer (&cnf->bwd, currents_field_unref);
  g_clear_pointer (&cnf->field, currents_field_unref);
  g_clear_pointer (&cnf->neural, neural_div_free);
  g_free (cnf->mean);
  g_free (cnf->cov);
  g_free (cnf->chol);
  g_free (cnf->weights);
  g_free (cnf->log_norm);
  g_free (cnf->comp);
  g_free (cnf->y);
  g_free (cnf->y_end);
  g_free (cnf->z);
  g_free (cnf->grad);
  g_free (cnf->gp);
  g_free (cnf);
}

/**
 * currents_cnf_set_divergence_grad:
 * @cnf: the flow
 * @func: (nullable): the field's exact divergence gradient
 * @user_data: its closure, which must outlive the flow
 * @n_scratch: doubles of scratch @func needs (each solver workspace has its own)
 *
 * Makes the loss's gradient available. Set it before the flow is used.
 */
void
currents_cnf_set_divergence_grad (CurrentsCnf                  *cnf,
                                  CurrentsCnfDivergenceGradFunc func,
                                  gpointer                      user_data,
                                  gsize                         n_scratch)
{
  g_return_if_fail (cnf != NULL);

  cnf->fwd_impl->div_grad = cnf->bwd_impl->div_grad = func;
  cnf->fwd_impl->div_data = cnf->bwd_impl->div_data = user_data;
  cnf->fwd_impl->n_div_scratch = cnf->bwd_impl->n_div_scratch = n_scratch;
  /* the solvers' workspaces are sized when made */
  currents_adjoint_free (cnf->fwd_adj);
  currents_adjoint_free (cnf->bwd_adj);
  cnf->fwd_adj = currents_adjoint_new (cnf->fwd, &cnf->options);
  cnf->bwd_adj = currents_adjoint_new (cnf->bwd, &cnf->options);
}

/* The neural field f_i = (σ_i/τ) g_i((x − m)/σ): tr J = (1/τ) Σ_i ∂g_i/∂ξ_i. */
typedef struct
{
  gsize            n;
  gsize            widths[CURRENTS_NEURAL_MAX_LAYERS + 2];
  CurrentsMlpShape shape;
  double          *x_mean;  /* n */
  double          *x_scale; /* n */
  double          *a;       /* n, 1/τ */
} NeuralDiv;

static void
neural_div_free (gpointer data)
{
  NeuralDiv *nd = data;

  g_free (nd->x_mean);
  g_free (nd->x_scale);
  g_free (nd->a);
  g_free (nd);
}

/* scratch: ξ (n), ∂D/∂ξ (n), then the MLP's */
static void
neural_div_grad (const CurrentsField *field,
                 double               t,
                 const double        *x,
                 const double        *p,
                 double              *gx,
                 double              *gp,
                 double              *scratch,
                 gpointer             user_data)
{
  const NeuralDiv *nd = user_data;
  gsize n = nd->n;
  double *xi = scratch, *dxi = xi + n;

  (void) t;
  for (gsize i = 0; i < n; i++)
    {
      xi[i] = (x[i] - nd->x_mean[i]) / nd->x_scale[i];
      dxi[i] = 0.0;
    }
  memset (gp, 0, currents_field_get_n_params (field) * sizeof (double));
  currents_mlp_trace_grad (&nd->shape, p, xi, n, nd->a, dxi, gp, dxi + n);
  for (gsize i = 0; i < n; i++)
    gx[i] = dxi[i] / nd->x_scale[i];
}

/**
 * currents_cnf_set_neural:
 * @cnf: a flow made with currents_neural_model_get_field (@model)
 * @model: the neural model (without inputs)
 * @error: return location
 *
 * Returns: %TRUE when the model fits the flow
 */
gboolean
currents_cnf_set_neural (CurrentsCnf               *cnf,
                         const CurrentsNeuralModel *model,
                         GError                   **error)
{
  const CurrentsNeuralSpec *spec;
  const CurrentsNeuralScaling *sc;
  NeuralDiv *nd;

  g_return_val_if_fail (cnf != NULL && model != NULL, FALSE);

  if (currents_neural_model_get_field (model) != cnf->field)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The flow was made with another field than this neural model's");
      return FALSE;
    }
  spec = currents_neural_model_get_spec (model);
  sc = currents_neural_model_get_scaling (model);
  nd = g_new0 (NeuralDiv, 1);
  nd->n = cnf->n;
  nd->widths[0] = cnf->n;
  for (gsize l = 0; l < spec->n_hidden; l++)
    nd->widths[l + 1] = spec->hidden[l];
  nd->widths[spec->n_hidden + 1] = cnf->n;
  nd->shape.n_layers = spec->n_hidden + 1;
  nd->shape.widths = nd->widths;
  nd->shape.activation = spec->activation;
  nd->x_mean = g_memdup2 (sc->x_mean, cnf->n * sizeof (double));
  nd->x_scale = g_memdup2 (sc->x_scale, cnf->n * sizeof (double));
  nd->a = g_new (double, cnf->n);
  for (gsize i = 0; i < cnf->n; i++)
    nd->a[i] = 1.0 / sc->t_scale;
  g_clear_pointer (&cnf->neural, neural_div_free);
  cnf->neural = nd;
  currents_cnf_set_divergence_grad (cnf, neural_div_grad, nd,
                                    2 * cnf->n + currents_mlp_n_trace_scratch (&nd->shape));
  return TRUE;
}

gboolean
currents_cnf_has_gradient (const CurrentsCnf *cnf)
{
  g_return_val_if_fail (cnf != NULL, FALSE);
  return cnf->bwd_impl->div_grad != NULL;
}

CurrentsField *
currents_cnf_get_field (const CurrentsCnf *cnf)
{
  g_return_val_if_fail (cnf != NULL, NULL);
  return cnf->field;
}

double
currents_cnf_get_t0 (const CurrentsCnf *cnf)
{
  g_return_val_if_fail (cnf != NULL, NAN);
  return cnf->t0;
}

const double *
currents_cnf_get_base_mean (const CurrentsCnf *cnf)
{
  g_return_val_if_fail (cnf != NULL, NULL);
  return cnf->mean;
}

const double *
currents_cnf_get_base_cov (const CurrentsCnf *cnf)
{
  g_return_val_if_fail (cnf != NULL, NULL);
  return cnf->cov;
}

/* log p_0(x) = log Σ_c exp(log_norm_c − ½|z_c|²), z_c = L_c⁻¹(x − μ_c);
 * ∇ log p_0 = −Σ_c r_c L_c⁻ᵀ z_c with the responsibilities r_c, into grad when not NULL */
static double
base_log_density (const CurrentsCnf *cnf, const double *x, double *grad)
{
  gsize n = cnf->n, K = cnf->n_comp;
  double *z = cnf->z, *e = cnf->comp, top = -INFINITY, sum = 0.0, lp;

  for (gsize c = 0; c < K; c++)
    {
      const double *L = cnf->chol + c * n * n, *mu = cnf->mean + c * n;
      double q = 0.0;

      for (gsize i = 0; i < n; i++)
        {
          double s = x[i] - mu[i];

          for (gsize j = 0; j < i; j++)
            s -= L[i * n + j] * z[j];
          z[i] = s / L[i * n + i];
          q += z[i] * z[i];
        }
      e[c] = cnf->log_norm[c] - 0.5 * q;
      top = MAX (top, e[c]);
    }
  for (gsize c = 0; c < K; c++)
    sum += exp (e[c] - top);
  lp = top + log (sum);
  if (grad == NULL)
    return lp;

  memset (grad, 0, n * sizeof (double));
  for (gsize c = 0; c < K; c++)
    {
      const double *L = cnf->chol + c * n * n, *mu = cnf->mean + c * n;
      double r = exp (e[c] - lp);

      /* z_c again, then w = L⁻ᵀ z_c in place (z) */
      for (gsize i = 0; i < n; i++)
        {
          double s = x[i] - mu[i];

          for (gsize j = 0; j < i; j++)
            s -= L[i * n + j] * z[j];
          z[i] = s / L[i * n + i];
        }
      for (gsize ii = n; ii-- > 0;)
        {
          double s = z[ii];

          for (gsize j = ii + 1; j < n; j++)
            s -= L[j * n + ii] * z[j];
          z[ii] = s / L[ii * n + ii];
        }
      for (gsize i = 0; i < n; i++)
        grad[i] -= r * z[i];
    }
  return lp;
}

/**
 * currents_cnf_base_log_density:
 *
 * See currents-cnf.h. Uses the flow's scratch: not for concurrent use.
 */
double
currents_cnf_base_log_density (const CurrentsCnf *cnf,
                               const double      *x,
                               double            *grad)
{
  g_return_val_if_fail (cnf != NULL && x != NULL, NAN);
  return base_log_density (cnf, x, grad);
}

static gboolean
check_cancelled (GCancellable *cancellable, GError **error)
{
  if (!g_cancellable_is_cancelled (cancellable))
    return FALSE;
  g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
               "The flow's computation was cancelled");
  return TRUE;
}

typedef struct
{
  CurrentsCnf *cnf;
  double       weight;
} BackObs;

/* ℓ(y) = weight · (−log p_0(x) + c), y = (x, c) at t0: −log p_t of the cell */
static double
back_obs (gsize k, double t, const double *y, double *dldy, gpointer user_data)
{
  BackObs *bo = user_data;
  CurrentsCnf *cnf = bo->cnf;
  gsize n = cnf->n;
  double lp0;

  (void) k; (void) t;
  lp0 = base_log_density (cnf, y, dldy != NULL ? cnf->grad : NULL);
  if (dldy != NULL)
    {
      for (gsize i = 0; i < n; i++)
        dldy[i] = -bo->weight * cnf->grad[i];
      dldy[n] = bo->weight;
    }
  return bo->weight * (-lp0 + y[n]);
}

/* sampling observes nothing: only the end state is wanted */
static double
zero_obs (gsize k, double t, const double *y, double *dldy, gpointer user_data)
{
  const CurrentsCnf *cnf = user_data;

  (void) k; (void) t; (void) y;
  if (dldy != NULL)
    memset (dldy, 0, (cnf->n + 1) * sizeof (double));
  return 0.0;
}

/* −log p_t(x) · weight (into *nll), its p-gradient added to grad_p when not NULL */
static gboolean
cell_nll (CurrentsCnf   *cnf,
          const double  *p,
          double         t,
          const double  *x,
          double         weight,
          double        *nll,
          double        *x0,
          double        *grad_p,
          GCancellable  *cancellable,
          GError       **error)
{
  BackObs bo = { cnf, weight };
  double s1 = -cnf->t0;
  g_autoptr (GError) local = NULL;

  memcpy (cnf->y, x, cnf->n * sizeof (double));
  cnf->y[cnf->n] = 0.0;
  if (t == cnf->t0)
    {
      *nll = back_obs (0, s1, cnf->y, NULL, &bo);
      if (x0 != NULL)
        memcpy (x0, x, cnf->n * sizeof (double));
      return TRUE;
    }
  if (!currents_adjoint_run (cnf->bwd_adj, cnf->y, p, NULL, -t, &s1, 1, back_obs, &bo, nll,
                             cnf->y_end, grad_p, NULL, NULL, cancellable, &local))
    {
      if (g_error_matches (local, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED))
        g_propagate_error (error, g_steal_pointer (&local));
      else
        g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                    "Carrying a cell at t = %g back to t = %g: ", t,
                                    cnf->t0);
      return FALSE;
    }
  if (!isfinite (*nll))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                   "The log-density of a cell at t = %g is not finite: the flow carried "
                     "it out of reach",
                   t);
      return FALSE;
    }
  if (x0 != NULL)
    memcpy (x0, cnf->y_end, cnf->n * sizeof (double));
  return TRUE;
}

/**
 * currents_cnf_log_density:
 *
 * See currents-cnf.h.
 */
gboolean
currents_cnf_log_density (CurrentsCnf   *cnf,
                          const double  *p,
                          double         t,
                          const double  *x,
                          gsize          n_points,
                          double        *logp,
                          double        *x0,
                          GCancellable  *cancellable,
                          GError       **error)
{
  g_return_val_if_fail (cnf != NULL, FALSE);
  g_return_val_if_fail (p != NULL || cnf->k == 0, FALSE);
  g_return_val_if_fail (x != NULL || n_points == 0, FALSE);
  g_return_val_if_fail (logp != NULL || n_points == 0, FALSE);

  if (!(t >= cnf->t0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "Densities are known from t = %g on; t = %g is before", cnf->t0, t);
      return FALSE;
    }
  for (gsize r = 0; r < n_points; r++)
    {
      double nll;

      if (check_cancelled (cancellable, error))
        return FALSE;
      if (!cell_nll (cnf, p, t, x + r * cnf->n, 1.0, &nll,
                     x0 != NULL ? x0 + r * cnf->n : NULL, NULL, cancellable, error))
        return FALSE;
      logp[r] = -nll;
    }
  return TRUE;
}

/**
 * currents_cnf_loss:
 *
 * See currents-cnf.h.
 */
gboolean
currents_cnf_loss (CurrentsCnf             *cnf,
                   const double            *p,
                   const CurrentsSnapshots *snapshots,
                   double                  *loss,
                   double                  *grad_p,
                   GCancellable            *cancellable,
                   GError                 **error)
{
  gsize n_cells = 0;
  double total = 0.0;

  g_return_val_if_fail (cnf != NULL && snapshots != NULL && loss != NULL, FALSE);
  g_return_val_if_fail (p != NULL || cnf->k == 0, FALSE);

  if (snapshots->n != cnf->n)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "The data have %zu states but the model has %zu", snapshots->n, cnf->n);
      return FALSE;
    }
  if (grad_p != NULL && !currents_cnf_has_gradient (cnf))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   "This model has no exact gradient of its divergence, so a flow of cell "
                     "populations cannot be trained with it");
      return FALSE;
    }
  for (gsize k = 0; k < snapshots->snaps->len; k++)
    {
      double t = currents_snapshots_get_time (snapshots, k);

      if (t < cnf->t0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "The snapshot at t = %g comes before the base density's time %g",
                       t, cnf->t0);
          return FALSE;
        }
      if (t > cnf->t0)
        n_cells += currents_snapshots_get_n_cells (snapshots, k);
    }
  if (n_cells == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "No cells after t = %g: a flow needs at least two snapshots", cnf->t0);
      return FALSE;
    }

  if (grad_p != NULL)
    memset (grad_p, 0, cnf->k * sizeof (double));
  for (gsize k = 0; k < snapshots->snaps->len; k++)
    {
      double t = currents_snapshots_get_time (snapshots, k);
      gsize N = currents_snapshots_get_n_cells (snapshots, k);
      const double *X = currents_snapshots_get_cells (snapshots, k);

      if (t == cnf->t0)
        continue;
      for (gsize r = 0; r < N; r++)
        {
          double nll;

          if (check_cancelled (cancellable, error))
            return FALSE;
          if (!cell_nll (cnf, p, t, X + r * cnf->n, 1.0 / n_cells, &nll, NULL, grad_p,
                         cancellable, error))
            return FALSE;
          total += nll;
        }
    }
  *loss = total;
  return TRUE;
}

/**
 * currents_cnf_sample:
 *
 * See currents-cnf.h.
 */
gboolean
currents_cnf_sample (CurrentsCnf   *cnf,
                     const double  *p,
                     double         t,
                     gsize          n_samples,
                     gsl_rng       *rng,
                     double        *x,
                     double        *logp,
                     GCancellable  *cancellable,
                     GError       **error)
{
  gsize n;

  g_return_val_if_fail (cnf != NULL && rng != NULL, FALSE);
  g_return_val_if_fail (p != NULL || cnf->k == 0, FALSE);
  g_return_val_if_fail (x != NULL || n_samples == 0, FALSE);

  n = cnf->n;
  if (!(t >= cnf->t0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "Samples are drawn from t = %g on; t = %g is before", cnf->t0, t);
      return FALSE;
    }
  for (gsize r = 0; r < n_samples; r++)
    {
      double lp0, dummy, u = cnf->n_comp > 1 ? gsl_rng_uniform (rng) : 0.0, acc = 0.0;
      gsize c = 0;
      g_autoptr (GError) local = NULL;
      const double *L, *mu;

      if (check_cancelled (cancellable, error))
        return FALSE;
      while (c + 1 < cnf->n_comp && u >= acc + cnf->weights[c])
        acc += cnf->weights[c++];
      L = cnf->chol + c * n * n;
      mu = cnf->mean + c * n;
      for (gsize i = 0; i < n; i++)
        cnf->z[i] = gsl_ran_gaussian_ziggurat (rng, 1.0);
      for (gsize i = 0; i < n; i++)
        {
          double s = mu[i];

          for (gsize j = 0; j <= i; j++)
            s += L[i * n + j] * cnf->z[j];
          cnf->y[i] = s;
        }
      cnf->y[n] = 0.0;
      lp0 = base_log_density (cnf, cnf->y, NULL);
      if (t == cnf->t0)
        memcpy (cnf->y_end, cnf->y, (n + 1) * sizeof (double));
      else if (!currents_adjoint_run (cnf->fwd_adj, cnf->y, p, NULL, cnf->t0, &t, 1, zero_obs,
                                      cnf, &dummy, cnf->y_end, NULL, NULL, NULL, cancellable,
                                      &local))
        {
          if (g_error_matches (local, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local));
          else
            g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                        "Pushing a sample forward to t = %g: ", t);
          return FALSE;
        }
      memcpy (x + r * n, cnf->y_end, n * sizeof (double));
      if (logp != NULL)
        logp[r] = lp0 + cnf->y_end[n];
    }
  return TRUE;
}

/**
 * currents_cnf_sample_paths:
 *
 * See currents-cnf.h.
 */
gboolean
currents_cnf_sample_paths (CurrentsCnf   *cnf,
                           const double  *p,
                           const double  *times,
                           gsize          n_times,
                           gsize          n_samples,
                           gsl_rng       *rng,
                           double        *x,
                           double        *logp,
                           GCancellable  *cancellable,
                           GError       **error)
{
  g_autofree double *states = NULL;
  gsize n, skip;

  g_return_val_if_fail (cnf != NULL && rng != NULL, FALSE);
  g_return_val_if_fail (p != NULL || cnf->k == 0, FALSE);
  g_return_val_if_fail (times != NULL && n_times > 0, FALSE);
  g_return_val_if_fail (x != NULL || n_samples == 0, FALSE);

  n = cnf->n;
  for (gsize j = 0; j < n_times; j++)
    if (!(times[j] >= cnf->t0) || (j > 0 && !(times[j] > times[j - 1])))
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "Path times must increase from t = %g on", cnf->t0);
        return FALSE;
      }
  skip = times[0] == cnf->t0 ? 1 : 0;
  states = g_new (double, n_times * (n + 1));
  for (gsize r = 0; r < n_samples; r++)
    {
      double lp0, dummy, u = cnf->n_comp > 1 ? gsl_rng_uniform (rng) : 0.0, acc = 0.0;
      gsize c = 0;
      g_autoptr (GError) local = NULL;
      const double *L, *mu;

      if (check_cancelled (cancellable, error))
        return FALSE;
      while (c + 1 < cnf->n_comp && u >= acc + cnf->weights[c])
        acc += cnf->weights[c++];
      L = cnf->chol + c * n * n;
      mu = cnf->mean + c * n;
      for (gsize i = 0; i < n; i++)
        cnf->z[i] = gsl_ran_gaussian_ziggurat (rng, 1.0);
      for (gsize i = 0; i < n; i++)
        {
          double s = mu[i];

          for (gsize j = 0; j <= i; j++)
            s += L[i * n + j] * cnf->z[j];
          cnf->y[i] = s;
        }
      cnf->y[n] = 0.0;
      lp0 = base_log_density (cnf, cnf->y, NULL);
      if (skip)
        memcpy (states, cnf->y, (n + 1) * sizeof (double));
      if (n_times > skip
          && !currents_adjoint_run (cnf->fwd_adj, cnf->y, p, NULL, cnf->t0, times + skip,
                                    n_times - skip, zero_obs, cnf, &dummy,
                                    states + skip * (n + 1), NULL, NULL, NULL, cancellable,
                                    &local))
        {
          if (g_error_matches (local, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED))
            g_propagate_error (error, g_steal_pointer (&local));
          else
            g_propagate_prefixed_error (error, g_steal_pointer (&local),
                                        "Pushing a sample along its path: ");
          return FALSE;
        }
      for (gsize j = 0; j < n_times; j++)
        {
          memcpy (x + (r * n_times + j) * n, states + j * (n + 1), n * sizeof (double));
          if (logp != NULL)
            logp[r * n_times + j] = lp0 + states[j * (n + 1) + n];
        }
    }
  return TRUE;
}

void
currents_cnf_train_options_init (CurrentsCnfTrainOptions *options)
{
  g_return_if_fail (options != NULL);

  options->n_iterations = 200;
  options->learning_rate = 0.05;
  options->beta1 = 0.9;
  options->beta2 = 0.999;
  options->epsilon = 1e-8;
}

/**
 * currents_cnf_train:
 *
 * See currents-cnf.h. Adam (Kingma & Ba 2015) on the full batch:
 *   m ← β₁m + (1 − β₁)g,  v ← β₂v + (1 − β₂)g²,  p ← p − α m̂ / (√v̂ + ε).
 */
gboolean
currents_cnf_train (CurrentsCnf                   *cnf,
                    const CurrentsSnapshots       *snapshots,
                    const CurrentsCnfTrainOptions *options,
                    double                        *p,
                    double                        *loss,
                    CurrentsCnfProgressFunc        progress,
                    gpointer                       progress_data,
                    GCancellable                  *cancellable,
                    GError                       **error)
{
  CurrentsCnfTrainOptions opts;
  gsize k;
  g_autofree double *g = NULL, *m = NULL, *v = NULL, *best = NULL;
  double best_loss = INFINITY, b1t = 1.0, b2t = 1.0;

  g_return_val_if_fail (cnf != NULL && snapshots != NULL, FALSE);
  g_return_val_if_fail (p != NULL || cnf->k == 0, FALSE);

  if (options != NULL)
    opts = *options;
  else
    currents_cnf_train_options_init (&opts);
  k = cnf->k;
  g = g_new0 (double, MAX (k, 1));
  m = g_new0 (double, MAX (k, 1));
  v = g_new0 (double, MAX (k, 1));
  best = g_memdup2 (p, k * sizeof (double));

  for (gsize it = 0; it < opts.n_iterations; it++)
    {
      double L;

      if (!currents_cnf_loss (cnf, p, snapshots, &L, g, cancellable, error))
        return FALSE;
      if (L < best_loss)
        {
          best_loss = L;
          memcpy (best, p, k * sizeof (double));
        }
      b1t *= opts.beta1;
      b2t *= opts.beta2;
      for (gsize l = 0; l < k; l++)
        {
          m[l] = opts.beta1 * m[l] + (1.0 - opts.beta1) * g[l];
          v[l] = opts.beta2 * v[l] + (1.0 - opts.beta2) * g[l] * g[l];
          p[l] -= opts.learning_rate * (m[l] / (1.0 - b1t))
                  / (sqrt (v[l] / (1.0 - b2t)) + opts.epsilon);
        }
      if (progress != NULL && !progress (it, L, progress_data))
        break;
    }
  /* the last step's parameters have not been scored yet */
  {
    double L;

    if (!currents_cnf_loss (cnf, p, snapshots, &L, NULL, cancellable, error))
      return FALSE;
    if (L < best_loss)
      {
        best_loss = L;
        memcpy (best, p, k * sizeof (double));
      }
  }
  memcpy (p, best, k * sizeof (double));
  if (loss != NULL)
    *loss = best_loss;
  return TRUE;
}
