/* currents-stoich.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Stoichiometric models (n species, m reactions, k inputs, q network outputs):
 *
 *   dx/dt = f(x, u; θ) = S r(x, u; θ),
 *   ξ = (x − x_mean) ⊘ x_scale,  η = (u − u_mean) ⊘ u_scale,  y = g_θ(ξ, η) ∈ ℝ^q,
 *   r_j = κ_j Σ_{c ∈ channels(j)} s_c a_c(y_c) π_c(x),   π_c(x) = Π_{i ∈ G_c} x_i,
 *
 * with κ_j the rate scale, one channel per reaction (s = +1) or two for a reversible
 * mass-action one (forward s = +1, backward s = −1), a_c = softplus for irreversible and
 * mass-action channels and the identity otherwise, and the gate G_c the reactants of
 * reaction j (S_ij < 0) for a mass-action forward channel, its products (S_ij > 0) for a
 * backward one, and empty otherwise. So a reversible mass-action reaction is
 * κ (k⁺ Π reactants − k⁻ Π products) with k± ≥ 0 learned functions, and a species that is
 * absent is never consumed: with every reaction mass-action, x ≥ 0 stays so. Gates follow
 * the net stoichiometry S, so a catalyst written on both sides (net 0) does not gate; the
 * network may still learn its effect, from its input ξ.
 *
 * Exact derivatives: with ω = Sᵀw (ω_j = Σ_i S_ij w_i) and γ_c = ω_j s_c κ_j,
 *
 *   wᵀ∂f/∂θ = (∂g/∂θ)ᵀ δ,   δ_c = γ_c a_c'(y_c) π_c,
 *   wᵀ∂f/∂x_k = ((∂g/∂ξ)ᵀ δ)_k / x_scale_k + Σ_{c: k ∈ G_c} γ_c a_c(y_c) Π_{i ∈ G_c, i≠k} x_i,
 *
 * one backward pass of the MLP per VJP; the Jacobians are n VJPs (rows e_i). Batches
 * (currents-field.h) run the MLP's batched kernels on chunks of rows. The exact
 * second derivative (currents_field_hvp()) is given at stoich_hvp().
 *
 * Conservation laws: c with cᵀS = 0. An orthonormal basis comes from the SVD of S (the
 * left singular vectors beyond the numerical rank). For the user we look for small
 * integer laws: each column of S is scaled to integers (columns may be scaled freely: the
 * left null space does not change), then the minimal semi-positive laws are found by
 * Farkas' algorithm (the P-invariants of Petri nets: E + C, S + C + P), completed when
 * they do not span the null space by the integer null vectors of the reduced echelon form
 * of Sᵀ; all exact in 64-bit integers with overflow checks. When S is not rational with
 * small denominators, or a number would overflow, the orthonormal basis is shown.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-stoich"

#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <string.h>

#include "currents-error.h"
#include "currents-field-private.h"
#include "currents-field-util-private.h"
#include "currents-stoich.h"

G_STATIC_ASSERT (CURRENTS_STOICH_MAX_LAYERS <= CURRENTS_MLP_NET_MAX_LAYERS);

struct _CurrentsStoichMatrix
{
  gsize   n;
  gsize   m;
  char  **species;    /* n, NULL-terminated */
  char  **reactions;  /* m, NULL-terminated */
  double *values;     /* n × m */
};

/* ------------------------------------------------------------------------------------ */
/* The matrix                                                                           */

static gboolean
check_names (const char *const *names,
             gsize              count,
             const char        *what,
             GError           **error)
{
  for (gsize i = 0; i < count; i++)
    {
      if (names[i] == NULL || names[i][0] == '\0')
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "%s %" G_GSIZE_FORMAT " has no name", what, i + 1);
          return FALSE;
        }
      for (gsize k = 0; k < i; k++)
        if (g_strcmp0 (names[i], names[k]) == 0)
          {
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                         "%s “%s” is named twice", what, names[i]);
            return FALSE;
          }
    }
  return TRUE;
}

/**
 * currents_stoich_matrix_new:
 * @n_species: n ≥ 1
 * @n_reactions: m ≥ 1
 * @species: n names
 * @reactions: (nullable): m names; %NULL: R1, R2, …
 * @values: n × m, row-major (copied)
 * @error: return location for an error
 *
 * Returns: (transfer full): the matrix, or %NULL when a name is missing or repeated or a
 * value is not finite.
 */
CurrentsStoichMatrix *
currents_stoich_matrix_new (gsize              n_species,
                            gsize              n_reactions,
                            const char *const *species,
                            const char *const *reactions,
                            const double      *values,
                            GError           **error)
{
  CurrentsStoichMatrix *self;

  g_return_val_if_fail (species != NULL && values != NULL, NULL);

  if (n_species == 0 || n_reactions == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a stoichiometric matrix needs at least one species and one reaction "
                   "(got %" G_GSIZE_FORMAT " × %" G_GSIZE_FORMAT ")", n_species, n_reactions);
      return NULL;
    }
  if (!check_names (species, n_species, "species", error))
    return NULL;
  if (reactions != NULL && !check_names (reactions, n_reactions, "reaction", error))
    return NULL;
  for (gsize i = 0; i < n_species; i++)
    for (gsize j = 0; j < n_reactions; j++)
      if (!isfinite (values[i * n_reactions + j]))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE,
                       "the stoichiometric coefficient of species “%s” in reaction %"
                       G_GSIZE_FORMAT " is not a finite number", species[i], j + 1);
          return NULL;
        }

  self = g_new0 (CurrentsStoichMatrix, 1);
  self->n = n_species;
  self->m = n_reactions;
  self->species = g_new0 (char *, n_species + 1);
  for (gsize i = 0; i < n_species; i++)
    self->species[i] = g_strdup (species[i]);
  self->reactions = g_new0 (char *, n_reactions + 1);
  for (gsize j = 0; j < n_reactions; j++)
    self->reactions[j] = reactions != NULL ? g_strdup (reactions[j])
                                           : g_strdup_printf ("R%" G_GSIZE_FORMAT, j + 1);
  self->values = g_memdup2 (values, n_species * n_reactions * sizeof (double));
  return self;
}

CurrentsStoichMatrix *
currents_stoich_matrix_copy (const CurrentsStoichMatrix *matrix)
{
  g_return_val_if_fail (matrix != NULL, NULL);
  return currents_stoich_matrix_new (matrix->n, matrix->m,
                                     (const char *const *) matrix->species,
                                     (const char *const *) matrix->reactions,
                                     matrix->values, NULL);
}

void
currents_stoich_matrix_free (CurrentsStoichMatrix *matrix)
{
  if (matrix == NULL)
    return;
  g_strfreev (matrix->species);
  g_strfreev (matrix->reactions);
  g_free (matrix->values);
  g_free (matrix);
}

gsize
currents_stoich_matrix_get_n_species (const CurrentsStoichMatrix *matrix)
{
  return matrix->n;
}

gsize
currents_stoich_matrix_get_n_reactions (const CurrentsStoichMatrix *matrix)
{
  return matrix->m;
}

const char *const *
currents_stoich_matrix_get_species (const CurrentsStoichMatrix *matrix)
{
  return (const char *const *) matrix->species;
}

const char *const *
currents_stoich_matrix_get_reactions (const CurrentsStoichMatrix *matrix)
{
  return (const char *const *) matrix->reactions;
}

const double *
currents_stoich_matrix_get_values (const CurrentsStoichMatrix *matrix)
{
  return matrix->values;
}

double
currents_stoich_matrix_get (const CurrentsStoichMatrix *matrix,
                            gsize                       species,
                            gsize                       reaction)
{
  g_return_val_if_fail (species < matrix->n && reaction < matrix->m, 0.0);
  return matrix->values[species * matrix->m + reaction];
}

/* ------------------------------------------------------------------------------------ */
/* CSV                                                                                  */

typedef struct
{
  char  *text;    /* trimmed, unquoted */
  gsize  column;  /* 1-based character column of the field's start */
} CsvField;

/* Splits one line at commas; a field may be "quoted" (no embedded quotes or commas). */
static GArray *
csv_split (const char *line)
{
  GArray *fields = g_array_new (FALSE, FALSE, sizeof (CsvField));
  const char *p = line;

  for (;;)
    {
      const char *end = strchr (p, ',');
      gsize len = end != NULL ? (gsize) (end - p) : strlen (p);
      CsvField field;
      char *text = g_strstrip (g_strndup (p, len));
      gsize tl = strlen (text);

      if (tl >= 2 && text[0] == '"' && text[tl - 1] == '"')
        {
          char *inner = g_strstrip (g_strndup (text + 1, tl - 2));

          g_free (text);
          text = inner;
        }
      field.text = text;
      field.column = (gsize) (p - line) + 1;
      while (line[field.column - 1] == ' ' || line[field.column - 1] == '\t')
        field.column++;
      g_array_append_val (fields, field);
      if (end == NULL)
        break;
      p = end + 1;
    }
  return fields;
}

static void
csv_fields_free (GArray *fields)
{
  if (fields == NULL)
    return;
  for (guint i = 0; i < fields->len; i++)
    g_free (g_array_index (fields, CsvField, i).text);
  g_array_free (fields, TRUE);
}

static char *
join_names (const char *const *names,
            gsize              count)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < count; i++)
    g_string_append_printf (s, "%s%s", i > 0 ? ", " : "", names[i]);
  return g_string_free (s, FALSE);
}

#define CSV_ERROR(line, col, ...) \
  G_STMT_START { \
    g_autofree char *msg_ = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT, \
                 "%s:%" G_GSIZE_FORMAT ":%" G_GSIZE_FORMAT ": %s", display, \
                 (gsize) (line), (gsize) (col), msg_); \
    goto out; \
  } G_STMT_END

/**
 * currents_stoich_matrix_new_from_csv_data:
 * @text: the CSV: a header row (a label, then one name per reaction), then one row per
 *   species (its name, then its coefficient in each reaction; an empty cell is 0). Blank
 *   lines and lines starting with # are skipped.
 * @length: bytes of @text, or -1 when it is nul-terminated
 * @display: the file name for messages
 * @species: (nullable): the model's species, %NULL-terminated: every row must name one of
 *   them and each must have a row; rows are put in this order. %NULL: the file's order.
 * @error: return location for an error (%CURRENTS_ENGINE_ERROR_DATA_FORMAT, the message
 *   names the file, line and column)
 *
 * Returns: (transfer full): the matrix, or %NULL
 */
CurrentsStoichMatrix *
currents_stoich_matrix_new_from_csv_data (const char        *text,
                                          gssize             length,
                                          const char        *display,
                                          const char *const *species,
                                          GError           **error)
{
  CurrentsStoichMatrix *result = NULL;
  g_autofree char *copy = length < 0 ? g_strdup (text) : g_strndup (text, (gsize) length);
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) reactions = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GArray) rows = g_array_new (FALSE, FALSE, sizeof (double));
  g_autoptr (GArray) row_lines = g_array_new (FALSE, FALSE, sizeof (gsize));
  gsize n_expected = species != NULL ? g_strv_length ((char **) species) : 0;
  gsize header_line = 0, last_line = 0, m = 0;
  GArray *fields = NULL;

  g_return_val_if_fail (text != NULL, NULL);
  if (display == NULL)
    display = "<matrix>";

  lines = g_strsplit (copy, "\n", -1);
  for (gsize l = 0; lines[l] != NULL; l++)
    {
      char *line = lines[l];
      gsize len = strlen (line), lineno = l + 1;
      const char *s = line;

      if (len > 0 && line[len - 1] == '\r')
        line[len - 1] = '\0';
      while (*s == ' ' || *s == '\t')
        s++;
      if (*s == '\0' || *s == '#')
        continue;

      csv_fields_free (fields);
      fields = csv_split (line);
      last_line = lineno;
      if (header_line == 0)
        {
          header_line = lineno;
          if (fields->len < 2)
            CSV_ERROR (lineno, strlen (line) + 1,
                       "the header needs a label and at least one reaction name "
                       "(species as rows, reactions as columns)");
          m = fields->len - 1;
          for (guint c = 1; c < fields->len; c++)
            {
              CsvField *f = &g_array_index (fields, CsvField, c);

              if (f->text[0] == '\0')
                CSV_ERROR (lineno, f->column, "reaction %u has no name", c);
              for (guint k = 0; k < reactions->len; k++)
                if (strcmp (reactions->pdata[k], f->text) == 0)
                  CSV_ERROR (lineno, f->column, "reaction “%s” is named twice", f->text);
              g_ptr_array_add (reactions, g_strdup (f->text));
            }
          continue;
        }

      {
        CsvField *name = &g_array_index (fields, CsvField, 0);

        if (fields->len != m + 1)
          {
            gsize col = fields->len > m + 1
                        ? g_array_index (fields, CsvField, m + 1).column
                        : strlen (line) + 1;

            CSV_ERROR (lineno, col, "this row has %u cells but the header (line %" G_GSIZE_FORMAT
                       ") has %" G_GSIZE_FORMAT " (a species name and %" G_GSIZE_FORMAT
                       " reactions)", fields->len, header_line, m + 1, m);
          }
        if (name->text[0] == '\0')
          CSV_ERROR (lineno, name->column, "the row has no species name");
        for (guint k = 0; k < names->len; k++)
          if (strcmp (names->pdata[k], name->text) == 0)
            CSV_ERROR (lineno, name->column, "species “%s” has two rows", name->text);
        if (species != NULL && !g_strv_contains (species, name->text))
          {
            g_autofree char *list = join_names (species, n_expected);

            CSV_ERROR (lineno, name->column, "species “%s” is not in the model (its species: %s)",
                       name->text, list);
          }
        g_ptr_array_add (names, g_strdup (name->text));
        g_array_append_val (row_lines, lineno);
        for (gsize c = 1; c <= m; c++)
          {
            CsvField *f = &g_array_index (fields, CsvField, c);
            double v = 0.0;

            if (f->text[0] != '\0')
              {
                char *end = NULL;

                v = g_ascii_strtod (f->text, &end);
                if (end == f->text || *end != '\0' || !isfinite (v))
                  CSV_ERROR (lineno, f->column, "“%s” (species “%s”, reaction “%s”) is not a "
                             "number", f->text, name->text,
                             (const char *) reactions->pdata[c - 1]);
              }
            g_array_append_val (rows, v);
          }
      }
    }

  if (header_line == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "%s:1:1: the file is empty; expected a header row of reaction names and "
                   "one row per species", display);
      goto out;
    }
  if (names->len == 0)
    CSV_ERROR (header_line + 1, 1, "no species rows after the header");
  if (species != NULL && names->len != n_expected)
    {
      g_autoptr (GString) missing = g_string_new (NULL);

      for (gsize i = 0; i < n_expected; i++)
        {
          gboolean found = FALSE;

          for (guint k = 0; k < names->len && !found; k++)
            found = strcmp (names->pdata[k], species[i]) == 0;
          if (!found)
            g_string_append_printf (missing, "%s%s", missing->len > 0 ? ", " : "", species[i]);
        }
      CSV_ERROR (last_line + 1, 1, "the matrix has %u species rows but the model has %"
                 G_GSIZE_FORMAT " species; no row for %s", names->len, n_expected,
                 missing->str);
    }

  {
    gsize n = names->len;
    g_autofree double *values = g_new (double, n * m);
    g_autofree const char **order = g_new0 (const char *, n + 1);

    g_ptr_array_add (reactions, NULL);
    for (gsize i = 0; i < n; i++)
      {
        gsize src = i;

        if (species != NULL)
          for (gsize k = 0; k < n; k++)
            if (strcmp (names->pdata[k], species[i]) == 0)
              src = k;
        order[i] = names->pdata[src];
        memcpy (values + i * m, &g_array_index (rows, double, src * m), m * sizeof (double));
      }
    result = currents_stoich_matrix_new (n, m, order, (const char *const *) reactions->pdata,
                                         values, error);
  }

out:
  csv_fields_free (fields);
  return result;
}

/**
 * currents_stoich_matrix_new_from_csv:
 * @path: a CSV file, see currents_stoich_matrix_new_from_csv_data()
 * @species: (nullable): the model's species
 * @error: return location for an error
 *
 * Returns: (transfer full): the matrix, or %NULL
 */
CurrentsStoichMatrix *
currents_stoich_matrix_new_from_csv (const char        *path,
                                     const char *const *species,
                                     GError           **error)
{
  g_autofree char *text = NULL;
  g_autofree char *display = NULL;
  gsize length = 0;
  GError *local = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  if (!g_file_get_contents (path, &text, &length, &local))
    {
      g_set_error_literal (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                           local->message);
      g_error_free (local);
      return NULL;
    }
  display = g_filename_display_name (path);
  return currents_stoich_matrix_new_from_csv_data (text, (gssize) length, display, species,
                                                   error);
}

/* ------------------------------------------------------------------------------------ */
/* Conservation laws                                                                    */

struct _CurrentsConservation
{
  gsize     n;
  gsize     rank;
  gsize     n_laws;
  double   *orthonormal;  /* n_laws × n */
  double   *laws;         /* n_laws × n */
  gboolean  integer;
  char    **texts;        /* n_laws */
};

/* Largest |value| we let integers reach; products of two stay far below 2⁶³. */
#define INT_LIMIT ((gint64) 1 << 40)
/* Farkas' algorithm keeps at most this many rows before giving up. */
#define FARKAS_MAX_ROWS 512

static gint64
gcd64 (gint64 a,
       gint64 b)
{
  a = a < 0 ? -a : a;
  b = b < 0 ? -b : b;
  while (b != 0)
    {
      gint64 t = a % b;

      a = b;
      b = t;
    }
  return a;
}

/* p/q ≈ x with q ≤ 1000 (continued fractions), FALSE when none is within round-off. */
static gboolean
small_rational (double  x,
                gint64 *num,
                gint64 *den)
{
  double tol = 1e-12 * MAX (1.0, fabs (x));

  for (gint64 q = 1; q <= 1000; q++)
    {
      double p = nearbyint (x * (double) q);

      if (fabs (p) < (double) INT_LIMIT && fabs (p / (double) q - x) <= tol)
        {
          *num = (gint64) p;
          *den = q;
          return TRUE;
        }
    }
  return FALSE;
}

/* S (n × m) with each column multiplied by the lcm of its entries' denominators. */
static gboolean
integer_columns (const CurrentsStoichMatrix *S,
                 gint64                     *out)
{
  gsize n = S->n, m = S->m;

  for (gsize j = 0; j < m; j++)
    {
      gint64 lcm = 1;

      for (gsize i = 0; i < n; i++)
        {
          gint64 p, q;

          if (!small_rational (S->values[i * m + j], &p, &q))
            return FALSE;
          lcm = lcm / gcd64 (lcm, q) * q;
          if (lcm > 1000000)
            return FALSE;
        }
      for (gsize i = 0; i < n; i++)
        {
          double v = nearbyint (S->values[i * m + j] * (double) lcm);

          if (fabs (v) >= (double) INT_LIMIT)
            return FALSE;
          out[i * m + j] = (gint64) v;
        }
    }
  return TRUE;
}

/* Divides v (len) by the gcd of its entries; FALSE when all are 0. */
static gboolean
normalize_int (gint64 *v,
               gsize   len)
{
  gint64 g = 0;

  for (gsize i = 0; i < len; i++)
    g = gcd64 (g, v[i]);
  if (g == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    v[i] /= g;
  return TRUE;
}

/* a·x + b·y for rows of len entries into out; FALSE on overflow past INT_LIMIT. */
static gboolean
combine_int (gint64        a,
             const gint64 *x,
             gint64        b,
             const gint64 *y,
             gint64       *out,
             gsize         len)
{
  for (gsize i = 0; i < len; i++)
    {
      gint64 s, t, r;

      if (__builtin_mul_overflow (a, x[i], &s) || __builtin_mul_overflow (b, y[i], &t)
          || __builtin_add_overflow (s, t, &r) || r >= INT_LIMIT || r <= -INT_LIMIT)
        return FALSE;
      out[i] = r;
    }
  return TRUE;
}

/* Minimal semi-positive c ≥ 0 with cᵀA = 0 (A: n × m integers), Farkas' algorithm on the
 * rows [A | I]. Returns an array of n-vectors (gint64 *), or NULL on overflow or blow-up. */
static GPtrArray *
farkas (const gint64 *A,
        gsize         n,
        gsize         m)
{
  const gsize w = m + n;
  g_autoptr (GPtrArray) rows = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *result;

  for (gsize i = 0; i < n; i++)
    {
      gint64 *r = g_new0 (gint64, w);

      memcpy (r, A + i * m, m * sizeof (gint64));
      r[m + i] = 1;
      g_ptr_array_add (rows, r);
    }

  for (gsize j = 0; j < m; j++)
    {
      g_autoptr (GPtrArray) next = g_ptr_array_new_with_free_func (g_free);

      for (guint a = 0; a < rows->len; a++)
        {
          const gint64 *ra = rows->pdata[a];

          if (ra[j] == 0)
            g_ptr_array_add (next, g_memdup2 (ra, w * sizeof (gint64)));
        }
      for (guint a = 0; a < rows->len; a++)
        {
          const gint64 *ra = rows->pdata[a];

          if (ra[j] <= 0)
            continue;
          for (guint b = 0; b < rows->len; b++)
            {
              const gint64 *rb = rows->pdata[b];
              gint64 *r;

              if (rb[j] >= 0)
                continue;
              r = g_new (gint64, w);
              if (!combine_int (-rb[j], ra, ra[j], rb, r, w) || !normalize_int (r, w))
                {
                  g_free (r);
                  return NULL;
                }
              g_ptr_array_add (next, r);
              if (next->len > FARKAS_MAX_ROWS)
                return NULL;
            }
        }

      /* keep the rows of minimal support (in the identity part), one per support */
      for (guint a = 0; a < next->len;)
        {
          const gint64 *ra = next->pdata[a];
          gboolean drop = FALSE;

          for (guint b = 0; b < next->len && !drop; b++)
            {
              const gint64 *rb = next->pdata[b];
              gboolean subset = TRUE, equal = TRUE;

              if (a == b)
                continue;
              for (gsize i = m; i < w; i++)
                {
                  if (rb[i] != 0 && ra[i] == 0)
                    subset = FALSE;
                  if ((rb[i] != 0) != (ra[i] != 0))
                    equal = FALSE;
                }
              /* rb's support ⊆ ra's: drop ra when strictly, or when equal and b < a */
              drop = subset && (!equal || b < a);
            }
          if (drop)
            g_ptr_array_remove_index (next, a);
          else
            a++;
        }
      g_ptr_array_unref (rows);
      rows = g_steal_pointer (&next);
    }

  result = g_ptr_array_new_with_free_func (g_free);
  for (guint a = 0; a < rows->len; a++)
    {
      const gint64 *r = rows->pdata[a];

      g_ptr_array_add (result, g_memdup2 (r + m, n * sizeof (gint64)));
    }
  return result;
}

/* Integer null vectors x of Aᵀ (A: n × m, so Aᵀx = 0 ⇔ xᵀA = 0), one per free column of
 * the reduced echelon form of Aᵀ, kept in integers (fraction-free elimination). NULL on
 * overflow. */
static GPtrArray *
echelon_null_vectors (const gint64 *A,
                      gsize         n,
                      gsize         m)
{
  g_autofree gint64 *B = g_new (gint64, m * n);  /* Aᵀ: m × n */
  g_autofree gsize *pivot_col = g_new (gsize, m);
  g_autofree gboolean *is_pivot = g_new0 (gboolean, n);
  g_autofree gint64 *tmp = g_new (gint64, n);
  GPtrArray *result;
  gsize rank = 0;

  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < m; j++)
      B[j * n + i] = A[i * m + j];

  for (gsize c = 0; c < n && rank < m; c++)
    {
      gsize p = rank;

      while (p < m && B[p * n + c] == 0)
        p++;
      if (p == m)
        continue;
      if (p != rank)
        for (gsize k = 0; k < n; k++)
          {
            gint64 t = B[p * n + k];

            B[p * n + k] = B[rank * n + k];
            B[rank * n + k] = t;
          }
      for (gsize r = 0; r < m; r++)
        {
          gint64 a = B[rank * n + c], b = B[r * n + c];

          if (r == rank || b == 0)
            continue;
          if (!combine_int (a, B + r * n, -b, B + rank * n, tmp, n))
            return NULL;
          normalize_int (tmp, n);
          memcpy (B + r * n, tmp, n * sizeof (gint64));
        }
      normalize_int (B + rank * n, n);
      pivot_col[rank] = c;
      is_pivot[c] = TRUE;
      rank++;
    }

  result = g_ptr_array_new_with_free_func (g_free);
  for (gsize f = 0; f < n; f++)
    {
      gint64 *x;
      gint64 L = 1;

      if (is_pivot[f])
        continue;
      for (gsize r = 0; r < rank; r++)
        {
          gint64 a = B[r * n + pivot_col[r]];

          a = a < 0 ? -a : a;
          L = L / gcd64 (L, a) * a;
          if (L >= INT_LIMIT)
            {
              g_ptr_array_unref (result);
              return NULL;
            }
        }
      x = g_new0 (gint64, n);
      x[f] = L;
      for (gsize r = 0; r < rank; r++)
        {
          gint64 v;

          if (__builtin_mul_overflow (B[r * n + f], L / B[r * n + pivot_col[r]], &v))
            {
              g_free (x);
              g_ptr_array_unref (result);
              return NULL;
            }
          x[pivot_col[r]] = -v;
        }
      normalize_int (x, n);
      g_ptr_array_add (result, x);
    }
  return result;
}

static gsize
support_size (const gint64 *v,
              gsize         n)
{
  gsize s = 0;

  for (gsize i = 0; i < n; i++)
    s += v[i] != 0;
  return s;
}

static guint64
abs_sum (const gint64 *v,
         gsize         n)
{
  guint64 s = 0;

  for (gsize i = 0; i < n; i++)
    s += (guint64) (v[i] < 0 ? -v[i] : v[i]);
  return s;
}

/* Candidates by support size, then by the sum of |coefficients|; data: &n. */
static gint
compare_laws (gconstpointer a,
              gconstpointer b,
              gpointer      data)
{
  const gint64 *x = *(const gint64 *const *) a, *y = *(const gint64 *const *) b;
  const gsize sort_n = *(const gsize *) data;
  gsize sx = support_size (x, sort_n), sy = support_size (y, sort_n);
  guint64 ax, ay;

  if (sx != sy)
    return sx < sy ? -1 : 1;
  ax = abs_sum (x, sort_n);
  ay = abs_sum (y, sort_n);
  return ax < ay ? -1 : ax > ay ? 1 : 0;
}

/* Appends v to the Gram–Schmidt basis Q (count × n) when it is independent of it. */
static gboolean
add_if_independent (double       *Q,
                    gsize        *count,
                    const gint64 *v,
                    gsize         n)
{
  g_autofree double *r = g_new (double, n);
  double norm0 = 0.0, norm = 0.0;

  for (gsize i = 0; i < n; i++)
    {
      r[i] = (double) v[i];
      norm0 += r[i] * r[i];
    }
  for (int pass = 0; pass < 2; pass++)
    for (gsize k = 0; k < *count; k++)
      {
        double d = 0.0;

        for (gsize i = 0; i < n; i++)
          d += Q[k * n + i] * r[i];
        for (gsize i = 0; i < n; i++)
          r[i] -= d * Q[k * n + i];
      }
  for (gsize i = 0; i < n; i++)
    norm += r[i] * r[i];
  if (norm <= 1e-16 * norm0)
    return FALSE;
  norm = sqrt (norm);
  for (gsize i = 0; i < n; i++)
    Q[*count * n + i] = r[i] / norm;
  (*count)++;
  return TRUE;
}

/* Signs: more positive than negative entries, or when as many, the first one positive. */
static void
orient_int (gint64 *v,
            gsize   n)
{
  gsize pos = 0, neg = 0, first = 0;
  gboolean flip;

  for (gsize i = 0; i < n; i++)
    {
      pos += v[i] > 0;
      neg += v[i] < 0;
    }
  while (first < n && v[first] == 0)
    first++;
  flip = neg > pos || (neg == pos && first < n && v[first] < 0);
  if (flip)
    for (gsize i = 0; i < n; i++)
      v[i] = -v[i];
}

/* Fills cons->laws with d integer laws; FALSE when none can be found exactly. */
static gboolean
integer_laws (const CurrentsStoichMatrix *S,
              CurrentsConservation       *cons)
{
  const gsize n = S->n, m = S->m, d = cons->n_laws;
  g_autofree gint64 *A = g_new (gint64, n * m);
  g_autoptr (GPtrArray) semi = NULL;
  g_autoptr (GPtrArray) echelon = NULL;
  g_autofree double *Q = g_new (double, (d + 1) * n);
  gsize count = 0;

  if (!integer_columns (S, A))
    return FALSE;
  echelon = echelon_null_vectors (A, n, m);
  if (echelon == NULL || echelon->len != d)
    return FALSE;  /* overflow, or the SVD's rank is not the exact one */

  semi = farkas (A, n, m);
  if (semi != NULL)
    {
      g_ptr_array_sort_with_data (semi, compare_laws, (gpointer) &n);
      for (guint a = 0; a < semi->len && count < d; a++)
        {
          const gint64 *v = semi->pdata[a];

          if (add_if_independent (Q, &count, v, n))
            for (gsize i = 0; i < n; i++)
              cons->laws[(count - 1) * n + i] = (double) v[i];
        }
    }
  for (guint a = 0; a < echelon->len; a++)
    orient_int (echelon->pdata[a], n);
  g_ptr_array_sort_with_data (echelon, compare_laws, (gpointer) &n);
  for (guint a = 0; a < echelon->len && count < d; a++)
    {
      const gint64 *v = echelon->pdata[a];

      if (add_if_independent (Q, &count, v, n))
        for (gsize i = 0; i < n; i++)
          cons->laws[(count - 1) * n + i] = (double) v[i];
    }
  return count == d;
}

static char *
format_law (const double      *c,
            gsize              n,
            gboolean           integer,
            const char *const *species)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < n; i++)
    {
      double v = c[i];
      double a = fabs (v);

      if (integer ? v == 0.0 : a < 1e-12)
        continue;
      if (s->len == 0)
        g_string_append (s, v < 0 ? "-" : "");
      else
        g_string_append (s, v < 0 ? " - " : " + ");
      if (integer)
        {
          if (a != 1.0)
            g_string_append_printf (s, "%.0f ", a);
        }
      else
        g_string_append_printf (s, "%.4g ", a);
      g_string_append (s, species[i]);
    }
  if (s->len == 0)
    g_string_append (s, "0");
  return g_string_free (s, FALSE);
}

/**
 * currents_stoich_matrix_conservation:
 * @matrix: S
 * @error: return location for an error
 *
 * Finds the conservation laws cᵀx = const, cᵀS = 0.
 *
 * Returns: (transfer full): the laws (possibly none), or %NULL when the SVD fails
 */
CurrentsConservation *
currents_stoich_matrix_conservation (const CurrentsStoichMatrix *matrix,
                                     GError                    **error)
{
  const gsize n = matrix->n, m = matrix->m, kmin = MIN (n, m);
  g_autofree double *a = g_memdup2 (matrix->values, n * m * sizeof (double));
  g_autofree double *sv = g_new (double, kmin);
  g_autofree double *U = g_new (double, n * n);
  g_autofree double *superb = g_new (double, kmin + 1);
  CurrentsConservation *cons;
  lapack_int info;
  double tol;
  gsize rank = 0;

  g_return_val_if_fail (matrix != NULL, NULL);

  info = LAPACKE_dgesvd (LAPACK_ROW_MAJOR, 'A', 'N', (lapack_int) n, (lapack_int) m, a,
                         (lapack_int) m, sv, U, (lapack_int) n, NULL, 1, superb);
  if (info != 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                   "the singular value decomposition of the stoichiometric matrix failed "
                   "(LAPACK dgesvd: %d)", (int) info);
      return NULL;
    }
  tol = (double) MAX (n, m) * DBL_EPSILON * sv[0];
  for (gsize k = 0; k < kmin; k++)
    rank += sv[k] > tol;

  cons = g_new0 (CurrentsConservation, 1);
  cons->n = n;
  cons->rank = rank;
  cons->n_laws = n - rank;
  cons->orthonormal = g_new0 (double, cons->n_laws * n + 1);
  cons->laws = g_new0 (double, cons->n_laws * n + 1);
  for (gsize k = 0; k < cons->n_laws; k++)
    for (gsize i = 0; i < n; i++)
      cons->orthonormal[k * n + i] = U[i * n + rank + k];

  cons->integer = cons->n_laws > 0 && integer_laws (matrix, cons);
  if (!cons->integer)
    memcpy (cons->laws, cons->orthonormal, cons->n_laws * n * sizeof (double));
  cons->texts = g_new0 (char *, cons->n_laws + 1);
  for (gsize k = 0; k < cons->n_laws; k++)
    cons->texts[k] = format_law (cons->laws + k * n, n, cons->integer,
                                 (const char *const *) matrix->species);
  return cons;
}

void
currents_conservation_free (CurrentsConservation *cons)
{
  if (cons == NULL)
    return;
  g_free (cons->orthonormal);
  g_free (cons->laws);
  g_strfreev (cons->texts);
  g_free (cons);
}

gsize
currents_conservation_get_n_laws (const CurrentsConservation *cons)
{
  return cons->n_laws;
}

gsize
currents_conservation_get_n_species (const CurrentsConservation *cons)
{
  return cons->n;
}

gsize
currents_conservation_get_rank (const CurrentsConservation *cons)
{
  return cons->rank;
}

const double *
currents_conservation_get_orthonormal (const CurrentsConservation *cons)
{
  return cons->orthonormal;
}

const double *
currents_conservation_get_laws (const CurrentsConservation *cons)
{
  return cons->laws;
}

gboolean
currents_conservation_is_integer (const CurrentsConservation *cons)
{
  return cons->integer;
}

const char *
currents_conservation_get_text (const CurrentsConservation *cons,
                                gsize                       law)
{
  g_return_val_if_fail (law < cons->n_laws, NULL);
  return cons->texts[law];
}

/* cᵀx, summed in a fixed order */
double
currents_conservation_eval (const CurrentsConservation *cons,
                            gsize                       law,
                            const double               *x)
{
  double s = 0.0;

  g_return_val_if_fail (law < cons->n_laws, NAN);
  for (gsize i = 0; i < cons->n; i++)
    s += cons->laws[law * cons->n + i] * x[i];
  return s;
}

/* ------------------------------------------------------------------------------------ */
/* The field                                                                            */

typedef struct
{
  gsize            n;            /* species */
  gsize            m;            /* reactions */
  gsize            k;            /* inputs */
  gsize            q;            /* channels = network outputs */
  double          *S;            /* n × m */
  CurrentsMlpNet   net;          /* n + k → q */
  CurrentsMlpInputs inputs;      /* the scaling arrays below */
  gsize           *ch_reaction;  /* q */
  double          *ch_sign;      /* q: ±1 */
  gboolean        *ch_softplus;  /* q */
  gsize           *ch_gate;      /* q + 1 offsets into gates */
  gsize           *gates;        /* species indices */
  double          *x_mean;       /* n */
  double          *x_scale;      /* n */
  double          *u_mean;       /* k */
  double          *u_scale;      /* k */
  double          *rate_scale;   /* m */
} StoichImpl;

typedef struct
{
  double *in;       /* n + k */
  double *acts;     /* n_acts */
  double *y;        /* q */
  double *a;        /* q: a_c(y_c) */
  double *pi;       /* q: π_c(x) */
  double *dy;       /* q */
  double *din;      /* n + k */
  double *omega;    /* m */
  double *r;        /* m */
  double *e;        /* n */
  double *scratch;  /* n_scratch */
  /* second derivatives */
  double *jy;       /* q × (n + k): ∂y/∂(ξ, η) */
  double *hv;       /* n + k: direction v in network units */
  double *hw;       /* n + k */
  double *hout;     /* q: y''[v, w] */
  double *hr;       /* m: r''[v, w] */
  double *hscratch; /* currents_mlp_n_hvp_scratch */
  CurrentsMlpBatch batch; /* chunks of rows */
} StoichWs;

struct _CurrentsStoichModel
{
  CurrentsField        *field;
  const StoichImpl     *impl;
  CurrentsStoichMatrix *matrix;
  char                **input_names;
  CurrentsReactionFlags *flags;
  double               *initial;
  CurrentsStoichSpec    spec;
  CurrentsStoichScaling scaling;        /* arrays → impl's */
};

static gpointer
stoich_ws_new (gconstpointer data)
{
  const StoichImpl *impl = data;
  gsize nin = impl->n + impl->k;
  StoichWs *ws = g_new0 (StoichWs, 1);
  double *b = g_new0 (double, 2 * nin + impl->net.n_acts + 4 * impl->q + 2 * impl->m + impl->n
                              + impl->net.n_scratch);

  ws->in = b;
  ws->acts = ws->in + nin;
  ws->y = ws->acts + impl->net.n_acts;
  ws->a = ws->y + impl->q;
  ws->pi = ws->a + impl->q;
  ws->dy = ws->pi + impl->q;
  ws->din = ws->dy + impl->q;
  ws->omega = ws->din + nin;
  ws->r = ws->omega + impl->m;
  ws->e = ws->r + impl->m;
  ws->scratch = ws->e + impl->n;
  b = g_new0 (double, impl->q * nin + 2 * nin + impl->q + impl->m
                      + currents_mlp_n_hvp_scratch (&impl->net.shape));
  ws->jy = b;
  ws->hv = ws->jy + impl->q * nin;
  ws->hw = ws->hv + nin;
  ws->hout = ws->hw + nin;
  ws->hr = ws->hout + impl->q;
  ws->hscratch = ws->hr + impl->m;
  _currents_mlp_batch_init (&ws->batch, &impl->net);
  currents_mlp_blas_init ();
  return ws;
}

static void
stoich_ws_free (gpointer data)
{
  StoichWs *ws = data;

  if (ws == NULL)
    return;
  g_free (ws->in);
  g_free (ws->jy);
  _currents_mlp_batch_clear (&ws->batch);
  g_free (ws);
}

static void
stoich_impl_free (gpointer data)
{
  StoichImpl *impl = data;

  g_free (impl->S);
  g_free (impl->ch_reaction);
  g_free (impl->ch_sign);
  g_free (impl->ch_softplus);
  g_free (impl->ch_gate);
  g_free (impl->gates);
  g_free (impl->x_mean);
  g_free (impl->x_scale);
  g_free (impl->u_mean);
  g_free (impl->u_scale);
  g_free (impl->rate_scale);
  g_free (impl);
}

/* log(1 + eʸ) and its derivative, the logistic function, without overflow */
static inline double
softplus (double y)
{
  return y > 0.0 ? y + log1p (exp (-y)) : log1p (exp (y));
}

static inline double
logistic (double y)
{
  if (y >= 0.0)
    return 1.0 / (1.0 + exp (-y));
  else
    {
      double e = exp (y);

      return e / (1.0 + e);
    }
}

/* From the network's outputs y (q) at x: a (q), π (q), the rates r (m) and, when f is not
 * NULL, f = S r (n). */
static void
stoich_rates (const StoichImpl *impl,
              const double     *x,
              const double     *y,
              double           *a,
              double           *pi,
              double           *r,
              double           *f)
{
  const gsize n = impl->n, m = impl->m, q = impl->q;

  memset (r, 0, m * sizeof (double));
  for (gsize c = 0; c < q; c++)
    {
      double prod = 1.0;

      for (gsize g = impl->ch_gate[c]; g < impl->ch_gate[c + 1]; g++)
        prod *= x[impl->gates[g]];
      a[c] = impl->ch_softplus[c] ? softplus (y[c]) : y[c];
      pi[c] = prod;
      r[impl->ch_reaction[c]] += impl->ch_sign[c] * a[c] * prod;
    }
  for (gsize j = 0; j < m; j++)
    r[j] *= impl->rate_scale[j];
  if (f != NULL)
    for (gsize i = 0; i < n; i++)
      {
        double s = 0.0;

        for (gsize j = 0; j < m; j++)
          s += impl->S[i * m + j] * r[j];
        f[i] = s;
      }
}

/* The backward seed of one point: dy (q) = ∂(wᵀf)/∂y, and, when gx is not NULL, the
 * gates' part of wᵀ∂f/∂x added to gx; omega: m doubles of scratch. */
static void
stoich_seed (const StoichImpl *impl,
             const double     *x,
             const double     *y,
             const double     *a,
             const double     *pi,
             const double     *w,
             double           *omega,
             double           *dy,
             double           *gx)
{
  const gsize n = impl->n, m = impl->m, q = impl->q;

  for (gsize j = 0; j < m; j++)
    {
      double s = 0.0;

      for (gsize i = 0; i < n; i++)
        s += impl->S[i * m + j] * w[i];
      omega[j] = s * impl->rate_scale[j];
    }
  for (gsize c = 0; c < q; c++)
    {
      double gamma = omega[impl->ch_reaction[c]] * impl->ch_sign[c];
      double da = impl->ch_softplus[c] ? logistic (y[c]) : 1.0;

      dy[c] = gamma * da * pi[c];
      if (gx == NULL || gamma == 0.0)
        continue;
      for (gsize g = impl->ch_gate[c]; g < impl->ch_gate[c + 1]; g++)
        {
          double rest = 1.0;

          for (gsize h = impl->ch_gate[c]; h < impl->ch_gate[c + 1]; h++)
            if (h != g)
              rest *= x[impl->gates[h]];
          gx[impl->gates[g]] += gamma * a[c] * rest;
        }
    }
}

/* ws: in, y, a, pi, r (rates); f = S r when f is not NULL. */
static void
stoich_forward (const StoichImpl *impl,
                StoichWs         *ws,
                const double     *x,
                const double     *u,
                const double     *p,
                double           *f)
{
  _currents_mlp_inputs (&impl->inputs, x, u, ws->in);
  currents_mlp_forward (&impl->net.shape, p, ws->in, ws->acts, ws->y);
  stoich_rates (impl, x, ws->y, ws->a, ws->pi, ws->r, f);
}

/* After stoich_forward at x: gx += wᵀ∂f/∂x, gp += wᵀ∂f/∂θ (either may be NULL). */
static void
stoich_backward (const StoichImpl *impl,
                 StoichWs         *ws,
                 const double     *x,
                 const double     *p,
                 const double     *w,
                 double           *gx,
                 double           *gp)
{
  stoich_seed (impl, x, ws->y, ws->a, ws->pi, w, ws->omega, ws->dy, gx);
  _currents_mlp_net_backward (&impl->net, p, ws->in, ws->acts, ws->dy, ws->din, ws->scratch,
                              impl->n, impl->x_scale, gx, gp);
}

static void
stoich_eval (gconstpointer data,
             gpointer      wsp,
             double        t,
             const double *x,
             const double *u,
             const double *p,
             double       *f)
{
  stoich_forward (data, wsp, x, u, p, f);
}

static void
stoich_jacobian (gconstpointer data,
                 gpointer      wsp,
                 double        t,
                 const double *x,
                 const double *u,
                 const double *p,
                 double       *f,
                 double       *jx,
                 double       *jp)
{
  const StoichImpl *impl = data;
  StoichWs *ws = wsp;
  const gsize n = impl->n, K = impl->net.n_weights;

  stoich_forward (impl, ws, x, u, p, f);
  memset (ws->e, 0, n * sizeof (double));
  for (gsize i = 0; i < n; i++)
    {
      double *gp = jp != NULL ? jp + i * K : NULL;

      memset (jx + i * n, 0, n * sizeof (double));
      if (gp != NULL)
        memset (gp, 0, K * sizeof (double));
      ws->e[i] = 1.0;
      stoich_backward (impl, ws, x, p, ws->e, jx + i * n, gp);
      ws->e[i] = 0.0;
    }
}

static void
stoich_vjp (gconstpointer data,
            gpointer      wsp,
            double        t,
            const double *x,
            const double *u,
            const double *p,
            const double *w,
            double       *f,
            double       *gx,
            double       *gp)
{
  stoich_forward (data, wsp, x, u, p, f);
  if (gx != NULL || gp != NULL)
    stoich_backward (data, wsp, x, p, w, gx, gp);
}

static gsize
stoich_tape_size (gconstpointer data,
                  gsize         n_rows)
{
  const StoichImpl *impl = data;

  return n_rows * _currents_mlp_net_tape_row (&impl->net);
}

/* Rows in chunks of CURRENTS_MLP_NET_CHUNK through the MLP's batched kernels; the tape of a chunk of
 * Bc rows holds the inputs (Bc × (n + k)), the MLP's tape and y (Bc × q). */
static void
stoich_eval_batch (gconstpointer data,
                   gpointer      wsp,
                   gsize         n_rows,
                   double        t,
                   const double *x,
                   const double *u,
                   const double *p,
                   double       *f,
                   double       *tape)
{
  const StoichImpl *impl = data;
  StoichWs *ws = wsp;
  const gsize n = impl->n, k = impl->k, q = impl->q;
  const gsize row = _currents_mlp_net_tape_row (&impl->net);

  for (gsize c0 = 0; c0 < n_rows; c0 += CURRENTS_MLP_NET_CHUNK)
    {
      const gsize B = MIN (CURRENTS_MLP_NET_CHUNK, n_rows - c0);
      const double *y;

      y = _currents_mlp_net_forward_chunk (&impl->net, &impl->inputs, &ws->batch, p, B,
                                           x + c0 * n, k > 0 ? u + c0 * k : NULL,
                                           tape != NULL ? tape + c0 * row : NULL, ws->batch.y);
      for (gsize r = 0; r < B; r++)
        stoich_rates (impl, x + (c0 + r) * n, y + r * q, ws->a, ws->pi, ws->r,
                      f + (c0 + r) * n);
    }
}

static void
stoich_vjp_batch (gconstpointer data,
                  gpointer      wsp,
                  gsize         n_rows,
                  double        t,
                  const double *x,
                  const double *u,
                  const double *p,
                  const double *w,
                  const double *tape,
                  double       *f,
                  double       *gx,
                  double       *gp)
{
  const StoichImpl *impl = data;
  StoichWs *ws = wsp;
  const gsize n = impl->n, k = impl->k, q = impl->q;
  const gsize row = _currents_mlp_net_tape_row (&impl->net);

  for (gsize c0 = 0; c0 < n_rows; c0 += CURRENTS_MLP_NET_CHUNK)
    {
      const gsize B = MIN (CURRENTS_MLP_NET_CHUNK, n_rows - c0);
      const double *in, *mt, *y;

      _currents_mlp_net_chunk (&impl->net, &impl->inputs, &ws->batch, p, B, x + c0 * n,
                               k > 0 ? u + c0 * k : NULL, tape != NULL ? tape + c0 * row : NULL,
                               &in, &mt, &y);
      for (gsize r = 0; r < B; r++)
        {
          const double *xr = x + (c0 + r) * n;

          stoich_rates (impl, xr, y + r * q, ws->a, ws->pi, ws->r,
                        f != NULL ? f + (c0 + r) * n : NULL);
          if (gx != NULL || gp != NULL)
            stoich_seed (impl, xr, y + r * q, ws->a, ws->pi, w + (c0 + r) * n, ws->omega,
                         ws->batch.dy + r * q, gx != NULL ? gx + (c0 + r) * n : NULL);
        }
      if (gx == NULL && gp == NULL)
        continue;
      _currents_mlp_net_backward_batch (&impl->net, &ws->batch, p, B, in, mt, n, impl->x_scale,
                                        gx != NULL ? gx + c0 * n : NULL, gp);
    }
}

/* out = d/dε [∂f/∂x(x + εv) w] = S r''[v, w], channel by channel with φ = a(y) π:
 *
 *   φ''[v, w] = a''(y) (y'v)(y'w) π + a'(y) y''[v, w] π + a'(y) ((y'v)(π'w) + (y'w)(π'v))
 *               + a(y) π''[v, w],
 *
 * y'v from the network's Jacobian (q backward passes), y''[v, w] from currents_mlp_hvp(),
 * π'v = Σ_g v_g Π_{h≠g} x_h and π''[v, w] = Σ_{g≠h} v_g w_h Π_{l≠g,h} x_l. */
static void
stoich_hvp (gconstpointer data,
            gpointer      wsp,
            double        t,
            const double *x,
            const double *u,
            const double *p,
            const double *v,
            const double *w,
            double       *out)
{
  const StoichImpl *impl = data;
  StoichWs *ws = wsp;
  const gsize n = impl->n, m = impl->m, nin = impl->n + impl->k, q = impl->q;

  stoich_forward (impl, ws, x, u, p, NULL);
  _currents_mlp_net_directions (nin, n, impl->x_scale, v, w, ws->hv, ws->hw);
  currents_mlp_hvp (&impl->net.shape, p, ws->in, ws->hv, ws->hw, ws->hout, ws->hscratch);
  memset (ws->dy, 0, q * sizeof (double));
  memset (ws->jy, 0, q * nin * sizeof (double));
  for (gsize c = 0; c < q; c++)
    {
      ws->dy[c] = 1.0;
      currents_mlp_backward (&impl->net.shape, p, ws->in, ws->acts, ws->dy, ws->jy + c * nin, NULL,
                             ws->scratch);
      ws->dy[c] = 0.0;
    }

  memset (ws->hr, 0, m * sizeof (double));
  for (gsize c = 0; c < q; c++)
    {
      const gsize g0 = impl->ch_gate[c], g1 = impl->ch_gate[c + 1];
      double yv = 0.0, yw = 0.0, pv = 0.0, pw = 0.0, pvw = 0.0, a1, a2, phi;

      for (gsize i = 0; i < n; i++)
        {
          yv += ws->jy[c * nin + i] * ws->hv[i];
          yw += ws->jy[c * nin + i] * ws->hw[i];
        }
      for (gsize g = g0; g < g1; g++)
        {
          double rest = 1.0;

          for (gsize h = g0; h < g1; h++)
            if (h != g)
              rest *= x[impl->gates[h]];
          pv += v[impl->gates[g]] * rest;
          pw += w[impl->gates[g]] * rest;
          for (gsize h = g0; h < g1; h++)
            {
              double rest2 = 1.0;

              if (h == g)
                continue;
              for (gsize l = g0; l < g1; l++)
                if (l != g && l != h)
                  rest2 *= x[impl->gates[l]];
              pvw += v[impl->gates[g]] * w[impl->gates[h]] * rest2;
            }
        }
      if (impl->ch_softplus[c])
        {
          a1 = logistic (ws->y[c]);
          a2 = a1 * (1.0 - a1);
        }
      else
        {
          a1 = 1.0;
          a2 = 0.0;
        }
      phi = a2 * yv * yw * ws->pi[c] + a1 * ws->hout[c] * ws->pi[c]
            + a1 * (yv * pw + yw * pv) + ws->a[c] * pvw;
      ws->hr[impl->ch_reaction[c]] += impl->ch_sign[c] * phi;
    }
  for (gsize i = 0; i < n; i++)
    {
      double s = 0.0;

      for (gsize j = 0; j < m; j++)
        s += impl->S[i * m + j] * impl->rate_scale[j] * ws->hr[j];
      out[i] = s;
    }
}

static const CurrentsFieldVTable stoich_vtable = {
  .workspace_new = stoich_ws_new,
  .workspace_free = stoich_ws_free,
  .eval = stoich_eval,
  .jacobian = stoich_jacobian,
  .vjp = stoich_vjp,
  .impl_free = stoich_impl_free,
  .hvp = stoich_hvp,
  .eval_batch = stoich_eval_batch,
  .vjp_batch = stoich_vjp_batch,
  .tape_size = stoich_tape_size,
};

void
currents_stoich_spec_init (CurrentsStoichSpec *spec)
{
  memset (spec, 0, sizeof *spec);
  spec->n_hidden = 2;
  spec->hidden[0] = 32;
  spec->hidden[1] = 32;
  spec->activation = CURRENTS_ACTIVATION_TANH;
  spec->seed = 1;
}

static double *
copy_or_fill (const double *src,
              gsize         len,
              double        fill)
{
  double *out = g_new (double, len + 1);

  for (gsize i = 0; i < len; i++)
    out[i] = src != NULL ? src[i] : fill;
  return out;
}

static gboolean
check_positive (const double *v,
                gsize         len,
                const char   *what,
                GError      **error)
{
  if (v == NULL)
    return TRUE;
  for (gsize i = 0; i < len; i++)
    if (!(v[i] > 0.0) || !isfinite (v[i]))
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "%s %" G_GSIZE_FORMAT " must be a positive number (got %g)", what,
                     i + 1, v[i]);
        return FALSE;
      }
  return TRUE;
}

/**
 * currents_stoich_model_new:
 * @matrix: S (copied)
 * @input_names: (nullable): %NULL-terminated input names (none when %NULL)
 * @flags: (nullable): one per reaction; %NULL: all reversible, no gating
 * @spec: (nullable): the network; %NULL: currents_stoich_spec_init()'s defaults
 * @scaling: (nullable): network units; %NULL: identity
 * @error: return location for an error
 *
 * Returns: (transfer full): the model, or %NULL on a bad argument
 */
CurrentsStoichModel *
currents_stoich_model_new (const CurrentsStoichMatrix  *matrix,
                           const char *const           *input_names,
                           const CurrentsReactionFlags *flags,
                           const CurrentsStoichSpec    *spec,
                           const CurrentsStoichScaling *scaling,
                           GError                     **error)
{
  CurrentsStoichSpec defaults;
  CurrentsStoichScaling none = { 0 };
  CurrentsStoichModel *self;
  StoichImpl *impl;
  gsize n, m, k, q = 0, n_gates = 0, c = 0, g = 0;

  g_return_val_if_fail (matrix != NULL, NULL);

  if (spec == NULL)
    {
      currents_stoich_spec_init (&defaults);
      spec = &defaults;
    }
  if (scaling == NULL)
    scaling = &none;
  n = matrix->n;
  m = matrix->m;
  k = input_names != NULL ? g_strv_length ((char **) input_names) : 0;

  if (spec->n_hidden > CURRENTS_STOICH_MAX_LAYERS)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "at most %d hidden layers (got %" G_GSIZE_FORMAT ")",
                   CURRENTS_STOICH_MAX_LAYERS, spec->n_hidden);
      return NULL;
    }
  for (gsize l = 0; l < spec->n_hidden; l++)
    if (spec->hidden[l] == 0)
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "hidden layer %" G_GSIZE_FORMAT " has no units", l + 1);
        return NULL;
      }
  if (input_names != NULL && !check_names (input_names, k, "input", error))
    return NULL;
  for (gsize l = 0; l < k; l++)
    if (g_strv_contains ((const char *const *) matrix->species, input_names[l]))
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                     "“%s” is both a species and an input", input_names[l]);
        return NULL;
      }
  if (!check_positive (scaling->x_scale, n, "the scale of species", error)
      || !check_positive (scaling->u_scale, k, "the scale of input", error)
      || !check_positive (scaling->rate_scale, m, "the rate scale of reaction", error))
    return NULL;

  /* channels and gates */
  for (gsize j = 0; j < m; j++)
    {
      CurrentsReactionFlags fl = flags != NULL ? flags[j] : CURRENTS_REACTION_REVERSIBLE;

      q += (fl & CURRENTS_REACTION_MASS_ACTION) && !(fl & CURRENTS_REACTION_IRREVERSIBLE)
           ? 2 : 1;
      if (fl & CURRENTS_REACTION_MASS_ACTION)
        for (gsize i = 0; i < n; i++)
          n_gates += matrix->values[i * m + j] != 0.0;
    }

  impl = g_new0 (StoichImpl, 1);
  impl->n = n;
  impl->m = m;
  impl->k = k;
  impl->q = q;
  impl->S = g_memdup2 (matrix->values, n * m * sizeof (double));
  impl->ch_reaction = g_new0 (gsize, q);
  impl->ch_sign = g_new0 (double, q);
  impl->ch_softplus = g_new0 (gboolean, q);
  impl->ch_gate = g_new0 (gsize, q + 1);
  impl->gates = g_new0 (gsize, n_gates + 1);
  for (gsize j = 0; j < m; j++)
    {
      CurrentsReactionFlags fl = flags != NULL ? flags[j] : CURRENTS_REACTION_REVERSIBLE;
      gboolean ma = (fl & CURRENTS_REACTION_MASS_ACTION) != 0;
      gboolean irr = (fl & CURRENTS_REACTION_IRREVERSIBLE) != 0;

      /* forward channel: reactants gate it */
      impl->ch_reaction[c] = j;
      impl->ch_sign[c] = 1.0;
      impl->ch_softplus[c] = ma || irr;
      impl->ch_gate[c] = g;
      if (ma)
        for (gsize i = 0; i < n; i++)
          if (matrix->values[i * m + j] < 0.0)
            impl->gates[g++] = i;
      c++;
      if (ma && !irr)
        {
          /* backward channel: products gate it */
          impl->ch_reaction[c] = j;
          impl->ch_sign[c] = -1.0;
          impl->ch_softplus[c] = TRUE;
          impl->ch_gate[c] = g;
          for (gsize i = 0; i < n; i++)
            if (matrix->values[i * m + j] > 0.0)
              impl->gates[g++] = i;
          c++;
        }
    }
  impl->ch_gate[q] = g;
  impl->x_mean = copy_or_fill (scaling->x_mean, n, 0.0);
  impl->x_scale = copy_or_fill (scaling->x_scale, n, 1.0);
  impl->u_mean = copy_or_fill (scaling->u_mean, k, 0.0);
  impl->u_scale = copy_or_fill (scaling->u_scale, k, 1.0);
  impl->rate_scale = copy_or_fill (scaling->rate_scale, m, 1.0);

  impl->inputs = (CurrentsMlpInputs) {
    .n = n, .m = k,
    .x_mean = impl->x_mean, .x_scale = impl->x_scale,
    .u_mean = impl->u_mean, .u_scale = impl->u_scale,
  };
  _currents_mlp_net_init (&impl->net, n + k, spec->hidden, spec->n_hidden, spec->activation,
                          q);

  self = g_new0 (CurrentsStoichModel, 1);
  self->impl = impl;
  self->field = currents_field_new (&stoich_vtable, impl, n, k, impl->net.n_weights, TRUE);
  self->matrix = currents_stoich_matrix_copy (matrix);
  self->input_names = g_new0 (char *, k + 1);
  for (gsize l = 0; l < k; l++)
    self->input_names[l] = g_strdup (input_names[l]);
  self->flags = g_new0 (CurrentsReactionFlags, m);
  if (flags != NULL)
    memcpy (self->flags, flags, m * sizeof (CurrentsReactionFlags));
  self->spec = *spec;
  self->scaling.x_mean = impl->x_mean;
  self->scaling.x_scale = impl->x_scale;
  self->scaling.u_mean = impl->u_mean;
  self->scaling.u_scale = impl->u_scale;
  self->scaling.rate_scale = impl->rate_scale;
  self->initial = g_new (double, impl->net.n_weights);
  currents_mlp_init (&impl->net.shape, spec->seed, self->initial);
  return self;
}

void
currents_stoich_model_free (CurrentsStoichModel *model)
{
  if (model == NULL)
    return;
  currents_field_unref (model->field);
  currents_stoich_matrix_free (model->matrix);
  g_strfreev (model->input_names);
  g_free (model->flags);
  g_free (model->initial);
  g_free (model);
}

/* Returns: (transfer none): the field; ref it to keep it beyond the model */
CurrentsField *
currents_stoich_model_get_field (const CurrentsStoichModel *model)
{
  return model->field;
}

const CurrentsStoichMatrix *
currents_stoich_model_get_matrix (const CurrentsStoichModel *model)
{
  return model->matrix;
}

gsize
currents_stoich_model_get_n_inputs (const CurrentsStoichModel *model)
{
  return model->impl->k;
}

const char *const *
currents_stoich_model_get_input_names (const CurrentsStoichModel *model)
{
  return (const char *const *) model->input_names;
}

CurrentsReactionFlags
currents_stoich_model_get_flags (const CurrentsStoichModel *model,
                                 gsize                      reaction)
{
  g_return_val_if_fail (reaction < model->impl->m, CURRENTS_REACTION_REVERSIBLE);
  return model->flags[reaction];
}

gsize
currents_stoich_model_get_n_params (const CurrentsStoichModel *model)
{
  return model->impl->net.n_weights;
}

gsize
currents_stoich_model_get_n_outputs (const CurrentsStoichModel *model)
{
  return model->impl->q;
}

const double *
currents_stoich_model_get_initial_params (const CurrentsStoichModel *model)
{
  return model->initial;
}

void
currents_stoich_model_eval_rates (const CurrentsStoichModel *model,
                                  CurrentsFieldWorkspace    *ws,
                                  const double              *x,
                                  const double              *u,
                                  const double              *p,
                                  double                    *r)
{
  StoichWs *sws;

  g_return_if_fail (currents_field_workspace_get_field (ws) == model->field);
  sws = _currents_field_workspace_get_impl_ws (ws);
  stoich_forward (model->impl, sws, x, u, p, NULL);
  memcpy (r, sws->r, model->impl->m * sizeof (double));
}

const CurrentsStoichSpec *
currents_stoich_model_get_spec (const CurrentsStoichModel *model)
{
  return &model->spec;
}

/* Returns: the scaling in use, every array filled in (defaults: mean 0, scale 1) */
const CurrentsStoichScaling *
currents_stoich_model_get_scaling (const CurrentsStoichModel *model)
{
  return &model->scaling;
}
