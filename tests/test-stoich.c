/* test-stoich.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Stoichiometric models dx/dt = S r_θ(x, u): the matrix from memory and from CSV (and
 * every refusal, with file, line and column), the conservation laws cᵀS = 0 (exact small
 * integer laws for the enzyme S + E ⇌ C → E + P: E + C and S + C + P; the fallbacks), the
 * exact Jacobians and VJPs against central finite differences, the conserved quantities
 * along a long rk8pd run to 1e-12 relative, irreversible rates ≥ 0 and mass-action rates
 * exactly 0 without a reactant, and species staying non-negative.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <glib/gstdio.h>
#include <gsl/gsl_rng.h>

#include "currents-engine.h"
#include "currents-stoich.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC (gsl_rng, gsl_rng_free)

/* The enzyme of data/examples/enzyme.ode: species S, E, C, P; reactions
 * bind: S + E → C, unbind: C → S + E, cat: C → E + P. */
static const char *enzyme_species[] = { "S", "E", "C", "P", NULL };
static const char *enzyme_reactions[] = { "bind", "unbind", "cat", NULL };
static const double enzyme_S[] = {
  -1.0,  1.0,  0.0,
  -1.0,  1.0,  1.0,
   1.0, -1.0, -1.0,
   0.0,  0.0,  1.0,
};
/* The same with the binding as one reversible reaction: bind ⇌, cat. */
static const double enzyme2_S[] = {
  -1.0,  0.0,
  -1.0,  1.0,
   1.0, -1.0,
   0.0,  1.0,
};

static CurrentsStoichMatrix *
enzyme_matrix (void)
{
  GError *error = NULL;
  CurrentsStoichMatrix *S = currents_stoich_matrix_new (4, 3, enzyme_species,
                                                        enzyme_reactions, enzyme_S, &error);

  g_assert_no_error (error);
  return S;
}

static CurrentsStoichMatrix *
enzyme2_matrix (void)
{
  const char *reactions[] = { "bind", "cat", NULL };
  GError *error = NULL;
  CurrentsStoichMatrix *S = currents_stoich_matrix_new (4, 2, enzyme_species, reactions,
                                                        enzyme2_S, &error);

  g_assert_no_error (error);
  return S;
}

static double
norm2 (const double *v,
       gsize         n)
{
  double s = 0.0;

  for (gsize i = 0; i < n; i++)
    s += v[i] * v[i];
  return sqrt (s);
}

static double
rel_diff (const double *a,
          const double *b,
          gsize         n)
{
  double d = 0.0;

  for (gsize i = 0; i < n; i++)
    d += (a[i] - b[i]) * (a[i] - b[i]);
  return sqrt (d) / MAX (norm2 (b, n), 1e-300);
}

/* ------------------------------------------------------------------------------------ */
/* The matrix                                                                           */

static void
test_matrix_new (void)
{
  const char *dup[] = { "A", "A", NULL };
  const double v[] = { 1.0, -1.0 };
  const double bad[] = { 1.0, NAN };
  g_autoptr (CurrentsStoichMatrix) S = enzyme_matrix ();
  g_autoptr (CurrentsStoichMatrix) copy = currents_stoich_matrix_copy (S);
  GError *error = NULL;
  CurrentsStoichMatrix *none;

  g_assert_cmpuint (currents_stoich_matrix_get_n_species (copy), ==, 4);
  g_assert_cmpuint (currents_stoich_matrix_get_n_reactions (copy), ==, 3);
  g_assert_cmpstr (currents_stoich_matrix_get_species (copy)[2], ==, "C");
  g_assert_cmpstr (currents_stoich_matrix_get_reactions (copy)[2], ==, "cat");
  g_assert_cmpfloat (currents_stoich_matrix_get (copy, 2, 1), ==, -1.0);
  g_assert_cmpmem (currents_stoich_matrix_get_values (copy), sizeof enzyme_S, enzyme_S,
                   sizeof enzyme_S);

  {
    const char *one[] = { "A", NULL };
    g_autoptr (CurrentsStoichMatrix) T = currents_stoich_matrix_new (1, 2, one, NULL, v,
                                                                     &error);

    g_assert_no_error (error);
    g_assert_cmpstr (currents_stoich_matrix_get_reactions (T)[1], ==, "R2");
  }

  none = currents_stoich_matrix_new (2, 1, dup, NULL, v, &error);
  g_assert_null (none);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“A” is named twice"));
  g_clear_error (&error);

  none = currents_stoich_matrix_new (0, 1, dup, NULL, v, &error);
  g_assert_null (none);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  {
    const char *ab[] = { "A", "B", NULL };

    none = currents_stoich_matrix_new (2, 1, ab, NULL, bad, &error);
    g_assert_null (none);
    g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NON_FINITE);
    g_assert_nonnull (strstr (error->message, "“B”"));
    g_clear_error (&error);
  }
}

/* ------------------------------------------------------------------------------------ */
/* CSV                                                                                  */

static void
test_csv_read (void)
{
  /* rows in another order than the model's, a comment, CRLF, quotes, an empty cell */
  const char *text =
    "# enzyme\r\n"
    "species, bind, unbind, cat\r\n"
    "E, -1, 1, 1\r\n"
    "\r\n"
    "\"S\", -1, 1,\r\n"
    "C, 1, -1, -1\r\n"
    "P, 0, 0, 1\r\n";
  g_autofree char *dir = g_dir_make_tmp ("test-stoich-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "enzyme.csv", NULL);
  g_autoptr (CurrentsStoichMatrix) S = NULL;
  g_autoptr (CurrentsStoichMatrix) F = NULL;
  GError *error = NULL;

  S = currents_stoich_matrix_new_from_csv_data (text, -1, "enzyme.csv", enzyme_species,
                                                &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_stoich_matrix_get_n_species (S), ==, 4);
  g_assert_cmpuint (currents_stoich_matrix_get_n_reactions (S), ==, 3);
  for (gsize i = 0; i < 4; i++)
    g_assert_cmpstr (currents_stoich_matrix_get_species (S)[i], ==, enzyme_species[i]);
  for (gsize j = 0; j < 3; j++)
    g_assert_cmpstr (currents_stoich_matrix_get_reactions (S)[j], ==, enzyme_reactions[j]);
  g_assert_cmpmem (currents_stoich_matrix_get_values (S), sizeof enzyme_S, enzyme_S,
                   sizeof enzyme_S);

  /* from a file, in the file's order */
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  F = currents_stoich_matrix_new_from_csv (path, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (currents_stoich_matrix_get_species (F)[0], ==, "E");
  g_assert_cmpstr (currents_stoich_matrix_get_species (F)[1], ==, "S");
  g_assert_cmpfloat (currents_stoich_matrix_get (F, 1, 2), ==, 0.0);
  g_assert_cmpfloat (currents_stoich_matrix_get (F, 0, 2), ==, 1.0);
  g_unlink (path);
  g_rmdir (dir);

  g_assert_null (currents_stoich_matrix_new_from_csv (path, NULL, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  g_clear_error (&error);
}

static void
expect_csv_error (const char        *text,
                  const char *const *species,
                  const char        *where,
                  const char        *what)
{
  GError *error = NULL;
  CurrentsStoichMatrix *S = currents_stoich_matrix_new_from_csv_data (text, -1, "net.csv",
                                                                      species, &error);

  g_assert_null (S);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT);
  if (!g_str_has_prefix (error->message, where) || strstr (error->message, what) == NULL)
    g_error ("expected “%s … %s”, got “%s”", where, what, error->message);
  g_test_message ("%s", error->message);
  g_clear_error (&error);
}

static void
test_csv_errors (void)
{
  /* a bad number: line 3, the third cell starts at column 9 */
  expect_csv_error ("species,bind,unbind,cat\n"
                    "S,-1,1,0\n"
                    "E,-1,1x,1\n"
                    "C,1,-1,-1\n"
                    "P,0,0,1\n", enzyme_species, "net.csv:3:6:", "“1x”");
  /* a ragged row: too few cells (column after the last), too many (the extra cell) */
  expect_csv_error ("species,bind,unbind,cat\n"
                    "S,-1,1,0\n"
                    "E,-1,1\n", enzyme_species, "net.csv:3:7:", "has 3 cells");
  expect_csv_error ("species,bind,unbind,cat\n"
                    "S,-1,1,0,5\n", enzyme_species, "net.csv:2:10:", "has 5 cells");
  /* a species the model does not have */
  expect_csv_error ("species,bind,unbind,cat\n"
                    "S,-1,1,0\n"
                    "  Q,-1,1,1\n", enzyme_species, "net.csv:3:3:",
                    "species “Q” is not in the model (its species: S, E, C, P)");
  /* shape: a species without a row */
  expect_csv_error ("species,bind,unbind,cat\n"
                    "S,-1,1,0\n"
                    "E,-1,1,1\n"
                    "C,1,-1,-1\n", enzyme_species, "net.csv:5:1:",
                    "3 species rows but the model has 4 species; no row for P");
  /* a species twice, a reaction twice, a nameless reaction, no reactions, no rows */
  expect_csv_error ("species,bind,unbind,cat\n"
                    "S,-1,1,0\n"
                    "S,-1,1,0\n", NULL, "net.csv:3:1:", "“S” has two rows");
  expect_csv_error ("species,bind,bind\n", NULL, "net.csv:1:14:", "“bind” is named twice");
  expect_csv_error ("species,bind,,cat\n", NULL, "net.csv:1:14:", "reaction 2 has no name");
  expect_csv_error ("species\nS\n", NULL, "net.csv:1:8:", "at least one reaction");
  expect_csv_error ("species,bind\n", NULL, "net.csv:2:1:", "no species rows");
  expect_csv_error ("# nothing\n", NULL, "net.csv:1:1:", "empty");
}

/* ------------------------------------------------------------------------------------ */
/* Conservation laws                                                                    */

/* ‖OOᵀ − I‖_max and ‖OS‖_max of the orthonormal basis O */
static void
check_orthonormal (const CurrentsStoichMatrix *S,
                   const CurrentsConservation *cons)
{
  gsize n = currents_stoich_matrix_get_n_species (S);
  gsize m = currents_stoich_matrix_get_n_reactions (S);
  gsize d = currents_conservation_get_n_laws (cons);
  const double *O = currents_conservation_get_orthonormal (cons);
  const double *L = currents_conservation_get_laws (cons);
  const double *v = currents_stoich_matrix_get_values (S);

  for (gsize a = 0; a < d; a++)
    {
      for (gsize b = 0; b < d; b++)
        {
          double dot = 0.0;

          for (gsize i = 0; i < n; i++)
            dot += O[a * n + i] * O[b * n + i];
          g_assert_cmpfloat (fabs (dot - (a == b)), <=, 1e-14);
        }
      for (gsize j = 0; j < m; j++)
        {
          double so = 0.0, sl = 0.0;

          for (gsize i = 0; i < n; i++)
            {
              so += O[a * n + i] * v[i * m + j];
              sl += L[a * n + i] * v[i * m + j];
            }
          g_assert_cmpfloat (fabs (so), <=, 1e-14);
          g_assert_cmpfloat (fabs (sl), <=, 1e-14);
        }
    }
}

static void
test_conservation_enzyme (void)
{
  g_autoptr (CurrentsStoichMatrix) S = enzyme_matrix ();
  g_autoptr (CurrentsStoichMatrix) S2 = enzyme2_matrix ();
  const double expect[2][4] = { { 0, 1, 1, 0 }, { 1, 0, 1, 1 } };
  GError *error = NULL;

  for (int k = 0; k < 2; k++)
    {
      g_autoptr (CurrentsConservation) cons =
        currents_stoich_matrix_conservation (k == 0 ? S : S2, &error);
      const double x[] = { 7.25, 0.375, 1.5, 2.125 };

      g_assert_no_error (error);
      g_assert_cmpuint (currents_conservation_get_rank (cons), ==, 2);
      g_assert_cmpuint (currents_conservation_get_n_laws (cons), ==, 2);
      g_assert_cmpuint (currents_conservation_get_n_species (cons), ==, 4);
      g_assert_true (currents_conservation_is_integer (cons));
      g_assert_cmpmem (currents_conservation_get_laws (cons), sizeof expect, expect,
                       sizeof expect);
      g_assert_cmpstr (currents_conservation_get_text (cons, 0), ==, "E + C");
      g_assert_cmpstr (currents_conservation_get_text (cons, 1), ==, "S + C + P");
      g_assert_cmpfloat (currents_conservation_eval (cons, 0, x), ==, 1.875);
      g_assert_cmpfloat (currents_conservation_eval (cons, 1, x), ==, 10.875);
      check_orthonormal (k == 0 ? S : S2, cons);
    }
}

typedef struct
{
  gsize         n, m;
  const double *values;
  gboolean      integer;
  gsize         n_laws;
  const char   *texts[3];
} LawCase;

static void
test_conservation_cases (void)
{
  static const char *names[] = { "A", "B", "C", NULL };
  /* A → B + C: two semi-positive laws */
  static const double split[] = { -1, 1, 1 };
  /* ∅ → A + B: no semi-positive law, A − B from the echelon form */
  static const double pair[] = { 1, 1 };
  /* 2A → B, and with B's coefficient ½: A + 2B either way */
  static const double dimer[] = { -2, 1 };
  static const double half[] = { -1, 0.5 };
  /* A → √2 B: not rational, the orthonormal law */
  static const double irr[] = { -1, G_SQRT2 };
  /* A ⇌ B, B → ∅, ∅ → A: nothing conserved */
  static const double open[] = { -1, 0, 1, 1, -1, 0 };
  /* nothing happens: every species is conserved */
  static const double zero[] = { 0, 0 };
  /* A + B → C, C → A + B, A → B: A + B + 2C */
  static const double mixed[] = { -1, 1, -1, -1, 1, 1, 1, -1, 0 };
  const LawCase cases[] = {
    { 3, 1, split, TRUE, 2, { "A + B", "A + C" } },
    { 2, 1, pair, TRUE, 1, { "A - B" } },
    { 2, 1, dimer, TRUE, 1, { "A + 2 B" } },
    { 2, 1, half, TRUE, 1, { "A + 2 B" } },
    { 2, 1, irr, FALSE, 1, { "0.8165 A + 0.5774 B" } },
    { 2, 3, open, TRUE, 0, { NULL } },
    { 3, 3, mixed, TRUE, 1, { "A + B + 2 C" } },
    { 2, 1, zero, TRUE, 2, { "A", "B" } },
  };

  for (gsize c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      const LawCase *lc = &cases[c];
      GError *error = NULL;
      g_autoptr (CurrentsStoichMatrix) S =
        currents_stoich_matrix_new (lc->n, lc->m, names, NULL, lc->values, &error);
      g_autoptr (CurrentsConservation) cons = NULL;

      g_assert_no_error (error);
      cons = currents_stoich_matrix_conservation (S, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (currents_conservation_get_n_laws (cons), ==, lc->n_laws);
      g_assert_cmpuint (currents_conservation_get_rank (cons) + lc->n_laws, ==, lc->n);
      if (lc->n_laws > 0)
        g_assert_cmpint (currents_conservation_is_integer (cons), ==, lc->integer);
      for (gsize k = 0; k < lc->n_laws; k++)
        {
          const char *text = currents_conservation_get_text (cons, k);

          /* the orthonormal fallback's sign is LAPACK's */
          if (!lc->integer && text[0] == '-')
            text = NULL;
          if (text != NULL)
            g_assert_cmpstr (text, ==, lc->texts[k]);
        }
      check_orthonormal (S, cons);
    }
}

/* Random sparse integer networks (8 species, 2–11 reactions, coefficients in −2…2): the
 * integer laws satisfy cᵀS = 0 exactly, are independent, and span the left null space
 * (their count is n − rank). */
static void
test_conservation_random (void)
{
  static const char *names[] = { "A", "B", "C", "D", "E", "F", "G", "H", NULL };
  g_autoptr (gsl_rng) rng = gsl_rng_alloc (gsl_rng_mt19937);
  gsize n_integer = 0, n_total = 0;

  gsl_rng_set (rng, 31337);
  for (int trial = 0; trial < 200; trial++)
    {
      const gsize n = 8, m = 2 + gsl_rng_uniform_int (rng, 10);
      double v[8 * 11];
      GError *error = NULL;
      g_autoptr (CurrentsStoichMatrix) S = NULL;
      g_autoptr (CurrentsConservation) cons = NULL;
      const double *L;
      gsize d;

      for (gsize i = 0; i < n * m; i++)
        v[i] = gsl_rng_uniform (rng) < 0.6 ? 0.0 : (double) gsl_rng_uniform_int (rng, 5) - 2.0;
      S = currents_stoich_matrix_new (n, m, names, NULL, v, &error);
      g_assert_no_error (error);
      cons = currents_stoich_matrix_conservation (S, &error);
      g_assert_no_error (error);
      d = currents_conservation_get_n_laws (cons);
      g_assert_cmpuint (d, >=, n > m ? n - m : 0);
      check_orthonormal (S, cons);
      n_total++;
      if (d == 0)
        continue;
      g_assert_true (currents_conservation_is_integer (cons));
      n_integer++;
      L = currents_conservation_get_laws (cons);
      for (gsize a = 0; a < d; a++)
        {
          for (gsize i = 0; i < n; i++)
            g_assert_cmpfloat (L[a * n + i], ==, nearbyint (L[a * n + i]));
          for (gsize j = 0; j < m; j++)
            {
              double sum = 0.0;

              for (gsize i = 0; i < n; i++)
                sum += L[a * n + i] * v[i * m + j];
              g_assert_cmpfloat (sum, ==, 0.0);
            }
        }
      /* independent: the Gram matrix's smallest singular value is away from 0 */
      {
        g_autoptr (CurrentsStoichMatrix) T = NULL;
        g_autoptr (CurrentsConservation) tc = NULL;
        g_autofree double *Lt = g_new (double, n * d);

        for (gsize i = 0; i < n; i++)
          for (gsize a = 0; a < d; a++)
            Lt[i * d + a] = L[a * n + i];
        T = currents_stoich_matrix_new (n, d, names, NULL, Lt, &error);
        g_assert_no_error (error);
        tc = currents_stoich_matrix_conservation (T, &error);
        g_assert_no_error (error);
        g_assert_cmpuint (currents_conservation_get_rank (tc), ==, d);
      }
    }
  g_test_message ("%" G_GSIZE_FORMAT " random networks, %" G_GSIZE_FORMAT
                  " with conservation laws, all found as integers", n_total, n_integer);
}

/* ------------------------------------------------------------------------------------ */
/* The field's derivatives                                                              */

/* Species S, E, C, P, one input u; reactions: bind (reversible, mass action), cat
 * (irreversible, mass action), iso S ⇌ P (reversible, free), leak P → S (irreversible). */
static CurrentsStoichModel *
mixed_model (guint64 seed)
{
  const char *reactions[] = { "bind", "cat", "iso", "leak", NULL };
  const char *inputs[] = { "u", NULL };
  const double v[] = {
    -1,  0, -1,  1,
    -1,  1,  0,  0,
     1, -1,  0,  0,
     0,  1,  1, -1,
  };
  const CurrentsReactionFlags flags[] = {
    CURRENTS_REACTION_MASS_ACTION,
    CURRENTS_REACTION_IRREVERSIBLE | CURRENTS_REACTION_MASS_ACTION,
    CURRENTS_REACTION_REVERSIBLE,
    CURRENTS_REACTION_IRREVERSIBLE,
  };
  const double x_mean[] = { 1.5, 0.25, 0.5, 2.0 };
  const double x_scale[] = { 2.5, 0.75, 0.5, 3.0 };
  const double u_mean[] = { 0.3 };
  const double u_scale[] = { 1.7 };
  const double rate_scale[] = { 1.3, 0.45, 0.8, 2.2 };
  const CurrentsStoichScaling scaling = { x_mean, x_scale, u_mean, u_scale, rate_scale };
  CurrentsStoichSpec spec;
  GError *error = NULL;
  g_autoptr (CurrentsStoichMatrix) S = currents_stoich_matrix_new (4, 4, enzyme_species,
                                                                   reactions, v, &error);
  CurrentsStoichModel *model;

  g_assert_no_error (error);
  currents_stoich_spec_init (&spec);
  spec.hidden[0] = 9;
  spec.hidden[1] = 7;
  spec.seed = seed;
  model = currents_stoich_model_new (S, inputs, flags, &spec, &scaling, &error);
  g_assert_no_error (error);
  return model;
}

static void
check_derivatives (CurrentsStoichModel *model,
                   const double        *x,
                   const double        *u,
                   double              *worst)
{
  CurrentsField *field = currents_stoich_model_get_field (model);
  g_autoptr (CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  const gsize n = currents_field_get_n_states (field), K = currents_field_get_n_params (field);
  const double *p0 = currents_stoich_model_get_initial_params (model);
  g_autofree double *p = g_memdup2 (p0, K * sizeof (double));
  g_autofree double *jx = g_new (double, n * n);
  g_autofree double *jp = g_new (double, n * K);
  g_autofree double *jx_fd = g_new (double, n * n);
  g_autofree double *jp_fd = g_new (double, n * K);
  g_autofree double *gp = g_new0 (double, K);
  g_autofree double *gp_ref = g_new0 (double, K);
  double f[8], f0[8], fp[8], fm[8], xe[8], gx[8], gx_ref[8];
  const double w[] = { 0.7, -1.3, 0.45, 2.1 };
  const double eps = 1e-6;
  double e;

  g_assert_cmpuint (n, ==, 4);
  currents_field_eval (ws, 0.0, x, u, p, f0);
  currents_field_jacobian (ws, 0.0, x, u, p, f, jx, jp);
  g_assert_cmpmem (f, n * sizeof (double), f0, n * sizeof (double));

  for (gsize j = 0; j < n; j++)
    {
      double h = eps * MAX (1.0, fabs (x[j]));

      memcpy (xe, x, n * sizeof (double));
      xe[j] = x[j] + h;
      currents_field_eval (ws, 0.0, xe, u, p, fp);
      xe[j] = x[j] - h;
      currents_field_eval (ws, 0.0, xe, u, p, fm);
      for (gsize i = 0; i < n; i++)
        jx_fd[i * n + j] = (fp[i] - fm[i]) / (2.0 * h);
    }
  for (gsize k = 0; k < K; k++)
    {
      double pk = p[k];

      p[k] = pk + eps;
      currents_field_eval (ws, 0.0, x, u, p, fp);
      p[k] = pk - eps;
      currents_field_eval (ws, 0.0, x, u, p, fm);
      p[k] = pk;
      for (gsize i = 0; i < n; i++)
        jp_fd[i * K + k] = (fp[i] - fm[i]) / (2.0 * eps);
    }
  e = rel_diff (jx, jx_fd, n * n);
  worst[0] = MAX (worst[0], e);
  g_assert_cmpfloat (e, <=, 1e-6);
  e = rel_diff (jp, jp_fd, n * K);
  worst[1] = MAX (worst[1], e);
  g_assert_cmpfloat (e, <=, 1e-6);

  /* VJPs against wᵀJ (accumulating onto a non-zero start) */
  for (gsize j = 0; j < n; j++)
    {
      gx[j] = 0.5 * (double) j;
      gx_ref[j] = gx[j];
      for (gsize i = 0; i < n; i++)
        gx_ref[j] += w[i] * jx[i * n + j];
    }
  for (gsize k = 0; k < K; k++)
    {
      gp[k] = 0.25;
      gp_ref[k] = 0.25;
      for (gsize i = 0; i < n; i++)
        gp_ref[k] += w[i] * jp[i * K + k];
    }
  currents_field_vjp (ws, 0.0, x, u, p, w, f, gx, gp);
  g_assert_cmpmem (f, n * sizeof (double), f0, n * sizeof (double));
  /* and directly against central differences of wᵀf */
  {
    double d[4], d_fd[4];
    g_autofree double *dp = g_new (double, K);
    g_autofree double *dp_fd = g_new0 (double, K);

    for (gsize j = 0; j < n; j++)
      {
        d[j] = gx[j] - 0.5 * (double) j;
        d_fd[j] = 0.0;
        for (gsize i = 0; i < n; i++)
          d_fd[j] += w[i] * jx_fd[i * n + j];
      }
    for (gsize k = 0; k < K; k++)
      {
        dp[k] = gp[k] - 0.25;
        for (gsize i = 0; i < n; i++)
          dp_fd[k] += w[i] * jp_fd[i * K + k];
      }
    e = MAX (rel_diff (d, d_fd, n), rel_diff (dp, dp_fd, K));
    worst[4] = MAX (worst[4], e);
    g_assert_cmpfloat (e, <=, 1e-6);
  }
  e = rel_diff (gx, gx_ref, n);
  worst[2] = MAX (worst[2], e);
  g_assert_cmpfloat (e, <=, 1e-13);
  e = rel_diff (gp, gp_ref, K);
  worst[2] = MAX (worst[2], e);
  g_assert_cmpfloat (e, <=, 1e-13);
  /* second derivatives: d/dε [J(x + εv) w] against central differences of J w */
  {
    const double v[] = { -0.35, 1.15, 0.6, -0.8 };
    const double ww[] = { 0.9, 0.3, -1.4, 0.55 };
    g_autofree double *jpl = g_new (double, n * n);
    g_autofree double *jmi = g_new (double, n * n);
    double hvp[4], hvp_fd[4];
    const double h = 1e-5;

    g_assert_true (currents_field_has_hvp (field));
    g_assert_true (currents_field_hvp (ws, 0.0, x, u, p, v, ww, hvp));
    for (gsize j = 0; j < n; j++)
      xe[j] = x[j] + h * v[j];
    currents_field_jacobian (ws, 0.0, xe, u, p, NULL, jpl, NULL);
    for (gsize j = 0; j < n; j++)
      xe[j] = x[j] - h * v[j];
    currents_field_jacobian (ws, 0.0, xe, u, p, NULL, jmi, NULL);
    for (gsize i = 0; i < n; i++)
      {
        hvp_fd[i] = 0.0;
        for (gsize j = 0; j < n; j++)
          hvp_fd[i] += (jpl[i * n + j] - jmi[i * n + j]) * ww[j] / (2.0 * h);
      }
    e = rel_diff (hvp, hvp_fd, n);
    worst[3] = MAX (worst[3], e);
    g_assert_cmpfloat (e, <=, 1e-6);
  }

  /* one output alone */
  memcpy (gx, gx_ref, n * sizeof (double));
  currents_field_vjp (ws, 0.0, x, u, p, w, NULL, NULL, gp);
  for (gsize k = 0; k < K; k++)
    gp[k] -= gp_ref[k] - 0.25;
  g_assert_cmpfloat (rel_diff (gp, gp_ref, K), <=, 1e-13);
}

static void
test_derivatives (void)
{
  g_autoptr (gsl_rng) rng = gsl_rng_alloc (gsl_rng_mt19937);
  double worst[5] = { 0, 0, 0, 0, 0 };

  gsl_rng_set (rng, 2385);
  for (guint64 seed = 1; seed <= 4; seed++)
    {
      g_autoptr (CurrentsStoichModel) model = mixed_model (seed);
      double x[4], u[1];

      g_assert_cmpuint (currents_stoich_model_get_n_outputs (model), ==, 5);
      for (int trial = 0; trial < 3; trial++)
        {
          for (gsize i = 0; i < 4; i++)
            x[i] = 0.1 + 4.0 * gsl_rng_uniform (rng);
          u[0] = -1.0 + 3.0 * gsl_rng_uniform (rng);
          /* with a species at 0: the gates' derivatives there */
          if (trial == 2)
            x[seed % 4] = 0.0;
          check_derivatives (model, x, u, worst);
        }
    }
  g_test_message ("worst normwise error vs central differences: ∂f/∂x %.2e, ∂f/∂θ %.2e; "
                  "VJP vs wᵀJ %.2e, vs differences of wᵀf %.2e; second derivatives %.2e",
                  worst[0], worst[1], worst[2], worst[4], worst[3]);
}

/* Batched evaluations and VJPs (70 rows: three chunks), with and without a tape, against
 * the row-by-row ones. */
static void
test_batch (void)
{
  g_autoptr (CurrentsStoichModel) model = mixed_model (3);
  CurrentsField *field = currents_stoich_model_get_field (model);
  g_autoptr (CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  g_autoptr (gsl_rng) rng = gsl_rng_alloc (gsl_rng_mt19937);
  const double *p = currents_stoich_model_get_initial_params (model);
  const gsize B = 70, n = 4, K = currents_field_get_n_params (field);
  g_autofree double *X = g_new (double, B * n);
  g_autofree double *U = g_new (double, B);
  g_autofree double *W = g_new (double, B * n);
  g_autofree double *F = g_new (double, B * n);
  g_autofree double *Fb = g_new (double, B * n);
  g_autofree double *Fv = g_new (double, B * n);
  g_autofree double *GX = g_new0 (double, B * n);
  g_autofree double *GXb = g_new0 (double, B * n);
  g_autofree double *GXt = g_new0 (double, B * n);
  g_autofree double *gp = g_new0 (double, K);
  g_autofree double *gpb = g_new0 (double, K);
  g_autofree double *gpt = g_new0 (double, K);
  g_autofree double *tape = NULL;
  double worst = 0.0;

  g_assert_true (currents_field_has_batch (field));
  tape = g_new (double, currents_field_get_tape_size (field, B));
  gsl_rng_set (rng, 99);
  for (gsize r = 0; r < B; r++)
    {
      for (gsize i = 0; i < n; i++)
        {
          X[r * n + i] = r % 7 == i ? 0.0 : 5.0 * gsl_rng_uniform (rng);
          W[r * n + i] = 2.0 * gsl_rng_uniform (rng) - 1.0;
        }
      U[r] = 2.0 * gsl_rng_uniform (rng) - 1.0;
      currents_field_vjp (ws, 0.0, X + r * n, U + r, p, W + r * n, F + r * n, GX + r * n, gp);
    }
  currents_field_eval_batch (ws, B, 0.0, X, U, p, Fb, NULL);
  worst = MAX (worst, rel_diff (Fb, F, B * n));
  currents_field_vjp_batch (ws, B, 0.0, X, U, p, W, NULL, Fv, GXb, gpb);
  worst = MAX (worst, rel_diff (Fv, F, B * n));
  worst = MAX (worst, rel_diff (GXb, GX, B * n));
  worst = MAX (worst, rel_diff (gpb, gp, K));
  memset (Fb, 0, B * n * sizeof (double));
  currents_field_eval_batch (ws, B, 0.0, X, U, p, Fb, tape);
  worst = MAX (worst, rel_diff (Fb, F, B * n));
  currents_field_vjp_batch (ws, B, 0.0, X, U, p, W, tape, NULL, GXt, gpt);
  worst = MAX (worst, rel_diff (GXt, GX, B * n));
  worst = MAX (worst, rel_diff (gpt, gp, K));
  g_test_message ("batched vs row by row: %.2e relative", worst);
  g_assert_cmpfloat (worst, <=, 1e-13);
}

/* ------------------------------------------------------------------------------------ */
/* Rates                                                                                */

static void
test_rates (void)
{
  g_autoptr (CurrentsStoichModel) model = mixed_model (7);
  CurrentsField *field = currents_stoich_model_get_field (model);
  g_autoptr (CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  g_autoptr (gsl_rng) rng = gsl_rng_alloc (gsl_rng_mt19937);
  const double *p = currents_stoich_model_get_initial_params (model);
  double x[4], u[1], r[4], f[4];
  double iso_min = INFINITY, iso_max = -INFINITY, bind_min = INFINITY, bind_max = -INFINITY;

  gsl_rng_set (rng, 4711);
  g_assert_cmpuint (currents_stoich_model_get_flags (model, 1), ==,
                    CURRENTS_REACTION_IRREVERSIBLE | CURRENTS_REACTION_MASS_ACTION);
  for (int k = 0; k < 2000; k++)
    {
      /* species ≥ 0 for the mass-action ones; leak (irreversible, not gated) anywhere */
      for (gsize i = 0; i < 4; i++)
        x[i] = 10.0 * gsl_rng_uniform (rng);
      u[0] = -5.0 + 10.0 * gsl_rng_uniform (rng);
      currents_stoich_model_eval_rates (model, ws, x, u, p, r);
      g_assert_cmpfloat (r[1], >=, 0.0);
      g_assert_cmpfloat (r[3], >=, 0.0);
      iso_min = MIN (iso_min, r[2]);
      iso_max = MAX (iso_max, r[2]);
      bind_min = MIN (bind_min, r[0]);
      bind_max = MAX (bind_max, r[0]);
      /* f = S r */
      currents_field_eval (ws, 0.0, x, u, p, f);
      g_assert_cmpfloat (fabs (f[0] - (-r[0] - r[2] + r[3])), <=, 1e-14 * (1 + fabs (f[0])));
      g_assert_cmpfloat (fabs (f[3] - (r[1] + r[2] - r[3])), <=, 1e-14 * (1 + fabs (f[3])));

      x[0] = -20.0 + 40.0 * gsl_rng_uniform (rng);
      x[3] = -20.0 + 40.0 * gsl_rng_uniform (rng);
      currents_stoich_model_eval_rates (model, ws, x, u, p, r);
      g_assert_cmpfloat (r[3], >=, 0.0);

      /* mass action: cat (C → E + P) without C is exactly 0; bind without S goes
       * backward only, and without S and C not at all */
      for (gsize i = 0; i < 4; i++)
        x[i] = 10.0 * gsl_rng_uniform (rng);
      x[2] = 0.0;
      currents_stoich_model_eval_rates (model, ws, x, u, p, r);
      g_assert_cmpfloat (r[1], ==, 0.0);
      g_assert_cmpfloat (r[0], >, 0.0);
      x[0] = 0.0;
      currents_stoich_model_eval_rates (model, ws, x, u, p, r);
      g_assert_cmpfloat (r[0], ==, 0.0);
      x[2] = 1.0 + gsl_rng_uniform (rng);
      currents_stoich_model_eval_rates (model, ws, x, u, p, r);
      g_assert_cmpfloat (r[0], <, 0.0);
    }
  /* the reversible ones take both signs here; the flags are what keeps the others ≥ 0 */
  g_test_message ("reversible rates: iso in [%.3g, %.3g], bind in [%.3g, %.3g]", iso_min,
                  iso_max, bind_min, bind_max);
  g_assert_cmpfloat (iso_min, <, 0.0);
  g_assert_cmpfloat (iso_max, >, 0.0);
}

/* ------------------------------------------------------------------------------------ */
/* Conservation along trajectories                                                      */

/* The enzyme with mass-action rates (bind reversible, cat irreversible) and random
 * weights: t = 1000 with rk8pd at rtol = atol = 1e-12. */
static void
test_conservation_trajectory (void)
{
  const CurrentsReactionFlags flags[] = {
    CURRENTS_REACTION_MASS_ACTION,
    CURRENTS_REACTION_IRREVERSIBLE | CURRENTS_REACTION_MASS_ACTION,
  };
  const double x0s[][4] = { { 10.0, 1.0, 0.0, 0.0 }, { 2.385, 0.75, 0.125, 3.5 } };
  g_autoptr (CurrentsStoichMatrix) S = enzyme2_matrix ();
  g_autoptr (CurrentsConservation) cons = NULL;
  CurrentsSimOptions options;
  GError *error = NULL;
  double worst = 0.0, lowest = INFINITY;
  const gsize n_times = 2000;
  g_autofree double *times = g_new (double, n_times);
  g_autofree double *out = g_new (double, n_times * 4);

  cons = currents_stoich_matrix_conservation (S, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_conservation_get_n_laws (cons), ==, 2);
  for (gsize k = 0; k < n_times; k++)
    times[k] = 1000.0 * (double) (k + 1) / (double) n_times;
  currents_sim_options_init (&options);
  options.rtol = 1e-12;
  options.atol = 1e-12;

  for (guint64 seed = 1; seed <= 3; seed++)
    for (gsize c = 0; c < G_N_ELEMENTS (x0s); c++)
      {
        CurrentsStoichSpec spec;
        g_autoptr (CurrentsStoichModel) model = NULL;
        g_autoptr (CurrentsSimulator) sim = NULL;
        const double *x0 = x0s[c];
        double moved = 0.0;
        gsize reached = 0;

        currents_stoich_spec_init (&spec);
        spec.hidden[0] = 16;
        spec.hidden[1] = 16;
        spec.seed = seed;
        model = currents_stoich_model_new (S, NULL, flags, &spec, NULL, &error);
        g_assert_no_error (error);
        sim = currents_simulator_new (currents_stoich_model_get_field (model), &options);
        g_assert_true (currents_simulator_run (sim, x0,
                                               currents_stoich_model_get_initial_params (model),
                                               NULL, 0.0, times, n_times, out, &reached, NULL,
                                               &error));
        g_assert_no_error (error);
        g_assert_cmpuint (reached, ==, n_times);
        for (gsize k = 0; k < n_times; k++)
          {
            const double *x = out + k * 4;

            for (gsize l = 0; l < 2; l++)
              {
                double q0 = currents_conservation_eval (cons, l, x0);
                double q = currents_conservation_eval (cons, l, x);

                worst = MAX (worst, fabs (q - q0) / fabs (q0));
              }
            for (gsize i = 0; i < 4; i++)
              lowest = MIN (lowest, x[i]);
          }
        /* the run went somewhere: the substrate was turned over */
        for (gsize i = 0; i < 4; i++)
          moved = MAX (moved, fabs (out[(n_times - 1) * 4 + i] - x0[i]));
        g_test_message ("seed %" G_GUINT64_FORMAT ", x0 #%" G_GSIZE_FORMAT
                        ": x(1000) = (%.4g, %.4g, %.4g, %.4g), %" G_GSIZE_FORMAT " evaluations",
                        seed, c, out[(n_times - 1) * 4], out[(n_times - 1) * 4 + 1],
                        out[(n_times - 1) * 4 + 2], out[(n_times - 1) * 4 + 3],
                        currents_simulator_get_n_evals (sim));
        g_assert_cmpfloat (moved, >, 1.0);
      }

  /* driven: both reactions reversible, the rates following an input u(t), a triangle
   * wave of period 50, so the species never settle */
  {
    const CurrentsReactionFlags rev[] = {
      CURRENTS_REACTION_MASS_ACTION, CURRENTS_REACTION_MASS_ACTION,
    };
    const char *inputs[] = { "u", NULL };
    const double rate_scale[] = { 2.5, 1.5 };
    const double u_scale[] = { 0.25 };
    const CurrentsStoichScaling scaling = { NULL, NULL, NULL, u_scale, rate_scale };
    const gsize n_knots = 41;
    g_autofree double *kt = g_new (double, n_knots);
    g_autofree double *ku = g_new (double, n_knots);
    g_autoptr (CurrentsInputSignal) signal = NULL;
    g_autoptr (CurrentsStoichModel) model = NULL;
    g_autoptr (CurrentsSimulator) sim = NULL;
    CurrentsStoichSpec spec;
    const double x0[] = { 2.385, 0.75, 0.125, 3.5 };
    double lo = INFINITY, hi = -INFINITY;
    gsize reached = 0;

    for (gsize k = 0; k < n_knots; k++)
      {
        kt[k] = 25.0 * (double) k;
        ku[k] = (k % 2 == 0) ? -4.0 : 4.0;
      }
    signal = currents_input_signal_new (1, n_knots, kt, ku);
    currents_stoich_spec_init (&spec);
    spec.hidden[0] = 16;
    spec.hidden[1] = 16;
    spec.seed = 11;
    model = currents_stoich_model_new (S, inputs, rev, &spec, &scaling, &error);
    g_assert_no_error (error);
    sim = currents_simulator_new (currents_stoich_model_get_field (model), &options);
    g_assert_true (currents_simulator_run (sim, x0,
                                           currents_stoich_model_get_initial_params (model),
                                           signal, 0.0, times, n_times, out, &reached, NULL,
                                           &error));
    g_assert_no_error (error);
    g_assert_cmpuint (reached, ==, n_times);
    for (gsize k = 0; k < n_times; k++)
      {
        const double *x = out + k * 4;

        for (gsize l = 0; l < 2; l++)
          {
            double q0 = currents_conservation_eval (cons, l, x0);
            double q = currents_conservation_eval (cons, l, x);

            worst = MAX (worst, fabs (q - q0) / fabs (q0));
          }
        for (gsize i = 0; i < 4; i++)
          lowest = MIN (lowest, x[i]);
        /* the substrate over the last period */
        if (times[k] >= 950.0)
          {
            lo = MIN (lo, x[0]);
            hi = MAX (hi, x[0]);
          }
      }
    g_test_message ("driven: S in [%.4g, %.4g] over t ∈ [950, 1000], %" G_GSIZE_FORMAT
                    " evaluations", lo, hi, currents_simulator_get_n_evals (sim));
    g_assert_cmpfloat (hi - lo, >, 0.2);
  }

  g_test_message ("worst relative conservation error over t ∈ [0, 1000]: %.3e; "
                  "lowest species value: %.3e", worst, lowest);
  g_assert_cmpfloat (worst, <=, 1e-12);
  g_assert_cmpfloat (lowest, >=, 0.0);
}

/* ------------------------------------------------------------------------------------ */
/* Fitting the rates                                                                    */

/* Derivative matching on the mass-action enzyme of data/examples/enzyme.ode
 * (k1 = 1, km1 = 0.5, k2 = 0.3): states from five runs of the true model, targets its
 * exact derivatives; full-batch Adam on
 *
 *   L(θ) = (1/N) Σ_r Σ_i ((f_θ(x_r) − f(x_r))_i / σ_i)²,   ∇L from VJPs with
 *   w_r = 2 (f_θ(x_r) − f(x_r)) ⊘ σ² / N.
 */
static double
fit_loss (CurrentsFieldWorkspace *ws,
          gsize                   N,
          const double           *X,
          const double           *F,
          const double           *sigma,
          const double           *p,
          double                 *grad)
{
  double loss = 0.0, f[4], w[4];
  gsize K = currents_field_get_n_params (currents_field_workspace_get_field (ws));

  if (grad != NULL)
    memset (grad, 0, K * sizeof (double));
  for (gsize r = 0; r < N; r++)
    {
      currents_field_eval (ws, 0.0, X + r * 4, NULL, p, f);
      for (gsize i = 0; i < 4; i++)
        {
          double d = (f[i] - F[r * 4 + i]) / sigma[i];

          loss += d * d / (double) N;
          w[i] = 2.0 * d / sigma[i] / (double) N;
        }
      if (grad != NULL)
        currents_field_vjp (ws, 0.0, X + r * 4, NULL, p, w, NULL, NULL, grad);
    }
  return loss;
}

static void
test_fit_enzyme (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples",
                                            "enzyme.ode", NULL);
  const CurrentsReactionFlags flags[] = {
    CURRENTS_REACTION_MASS_ACTION,
    CURRENTS_REACTION_IRREVERSIBLE | CURRENTS_REACTION_MASS_ACTION,
  };
  const gsize n_runs = 5, n_samples = 41, N = n_runs * n_samples;
  GError *error = NULL;
  g_autoptr (CurrentsModel) truth = currents_model_new_from_file (path, &error);
  g_autoptr (CurrentsStoichMatrix) S = enzyme2_matrix ();
  g_autoptr (CurrentsConservation) cons = NULL;
  g_autoptr (CurrentsStoichModel) model = NULL;
  g_autoptr (CurrentsFieldWorkspace) tws = NULL;
  g_autoptr (CurrentsFieldWorkspace) ws = NULL;
  g_autoptr (CurrentsSimulator) tsim = NULL;
  g_autoptr (CurrentsSimulator) sim = NULL;
  g_autoptr (gsl_rng) rng = gsl_rng_alloc (gsl_rng_mt19937);
  g_autofree double *X = g_new (double, N * 4);
  g_autofree double *F = g_new (double, N * 4);
  g_autofree double *times = g_new (double, n_samples);
  double mean[4] = { 0 }, sd[4] = { 0 }, fsd[4] = { 0 };
  const double *tp;
  CurrentsSimOptions options;
  CurrentsStoichSpec spec;
  CurrentsStoichScaling scaling = { 0 };
  gsize K;
  g_autofree double *p = NULL;
  g_autofree double *g = NULL;
  g_autofree double *am = NULL;
  g_autofree double *av = NULL;
  double loss0, loss, rate_err = 0.0, rate_norm = 0.0, df = 0.0, fn = 0.0;
  double traj_err = 0.0, worst = 0.0;

  g_assert_no_error (error);
  for (gsize i = 0; i < 4; i++)
    g_assert_cmpstr (currents_model_get_state_name (truth, i), ==, enzyme_species[i]);
  tp = currents_model_get_params (truth);
  g_assert_cmpfloat (tp[currents_model_find_param (truth, "k1")], ==, 1.0);
  g_assert_cmpfloat (tp[currents_model_find_param (truth, "km1")], ==, 0.5);
  g_assert_cmpfloat (tp[currents_model_find_param (truth, "k2")], ==, 0.3);

  /* the data: states along five runs, the true derivatives there */
  currents_sim_options_init (&options);
  options.rtol = 1e-10;
  options.atol = 1e-12;
  tws = currents_field_workspace_new (currents_model_get_field (truth));
  tsim = currents_simulator_new (currents_model_get_field (truth), &options);
  gsl_rng_set (rng, 2026);
  for (gsize k = 0; k < n_samples; k++)
    times[k] = 1.5 * (double) k;
  for (gsize run = 0; run < n_runs; run++)
    {
      double x0[4];
      gsize reached = 0;

      x0[0] = 4.0 + 6.0 * gsl_rng_uniform (rng);
      x0[1] = 0.5 + gsl_rng_uniform (rng);
      x0[2] = 0.2 * gsl_rng_uniform (rng);
      x0[3] = 2.0 * gsl_rng_uniform (rng);
      memcpy (X + run * n_samples * 4, x0, sizeof x0);
      g_assert_true (currents_simulator_run (tsim, x0, tp, NULL, 0.0, times + 1, n_samples - 1,
                                             X + (run * n_samples + 1) * 4, &reached, NULL,
                                             &error));
      g_assert_no_error (error);
    }
  for (gsize r = 0; r < N; r++)
    currents_field_eval (tws, 0.0, X + r * 4, NULL, tp, F + r * 4);
  for (gsize i = 0; i < 4; i++)
    {
      double fm = 0.0;

      for (gsize r = 0; r < N; r++)
        {
          mean[i] += X[r * 4 + i] / (double) N;
          fm += F[r * 4 + i] / (double) N;
        }
      for (gsize r = 0; r < N; r++)
        {
          sd[i] += (X[r * 4 + i] - mean[i]) * (X[r * 4 + i] - mean[i]) / (double) (N - 1);
          fsd[i] += (F[r * 4 + i] - fm) * (F[r * 4 + i] - fm) / (double) (N - 1);
        }
      sd[i] = sqrt (sd[i]);
      fsd[i] = sqrt (fsd[i]);
    }

  /* the model and Adam */
  currents_stoich_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 16;
  spec.seed = 5;
  scaling.x_mean = mean;
  scaling.x_scale = sd;
  model = currents_stoich_model_new (S, NULL, flags, &spec, &scaling, &error);
  g_assert_no_error (error);
  K = currents_stoich_model_get_n_params (model);
  p = g_memdup2 (currents_stoich_model_get_initial_params (model), K * sizeof (double));
  g = g_new (double, K);
  am = g_new0 (double, K);
  av = g_new0 (double, K);
  ws = currents_field_workspace_new (currents_stoich_model_get_field (model));
  loss0 = fit_loss (ws, N, X, F, fsd, p, NULL);
  for (int it = 1; it <= 3000; it++)
    {
      const double b1 = 0.9, b2 = 0.999;
      double lr = it <= 2000 ? 1e-2 : 1e-3;

      fit_loss (ws, N, X, F, fsd, p, g);
      for (gsize k = 0; k < K; k++)
        {
          am[k] = b1 * am[k] + (1.0 - b1) * g[k];
          av[k] = b2 * av[k] + (1.0 - b2) * g[k] * g[k];
          p[k] -= lr * (am[k] / (1.0 - pow (b1, it)))
                  / (sqrt (av[k] / (1.0 - pow (b2, it))) + 1e-12);
        }
    }
  loss = fit_loss (ws, N, X, F, fsd, p, NULL);

  /* the learned rates against the law, the derivatives against the truth */
  for (gsize r = 0; r < N; r++)
    {
      const double *x = X + r * 4;
      double rt[2] = { x[0] * x[1] - 0.5 * x[2], 0.3 * x[2] }, rl[2], f[4];

      currents_stoich_model_eval_rates (model, ws, x, NULL, p, rl);
      currents_field_eval (ws, 0.0, x, NULL, p, f);
      for (gsize j = 0; j < 2; j++)
        {
          rate_err += (rl[j] - rt[j]) * (rl[j] - rt[j]);
          rate_norm += rt[j] * rt[j];
        }
      for (gsize i = 0; i < 4; i++)
        {
          df += (f[i] - F[r * 4 + i]) * (f[i] - F[r * 4 + i]);
          fn += F[r * 4 + i] * F[r * 4 + i];
        }
    }
  rate_err = sqrt (rate_err / rate_norm);
  df = sqrt (df / fn);

  /* the fitted model from the example's initial state: to t = 60 against the truth, to
   * t = 1000 for its conserved quantities */
  cons = currents_stoich_matrix_conservation (S, &error);
  g_assert_no_error (error);
  options.rtol = 1e-12;
  options.atol = 1e-12;
  sim = currents_simulator_new (currents_stoich_model_get_field (model), &options);
  {
    const double *x0 = currents_model_get_initial (truth);
    const gsize n_t = 1000;
    g_autofree double *tt = g_new (double, n_t);
    g_autofree double *xl = g_new (double, n_t * 4);
    g_autofree double *xt = g_new (double, n_t * 4);
    gsize reached = 0;

    for (gsize k = 0; k < n_t; k++)
      tt[k] = 1000.0 * (double) (k + 1) / (double) n_t;
    g_assert_true (currents_simulator_run (sim, x0, p, NULL, 0.0, tt, n_t, xl, &reached,
                                           NULL, &error));
    g_assert_no_error (error);
    g_assert_true (currents_simulator_run (tsim, x0, tp, NULL, 0.0, tt, n_t, xt, &reached,
                                           NULL, &error));
    g_assert_no_error (error);
    for (gsize k = 0; k < n_t; k++)
      {
        if (tt[k] <= 60.0)
          for (gsize i = 0; i < 4; i++)
            traj_err = MAX (traj_err, fabs (xl[k * 4 + i] - xt[k * 4 + i]));
        for (gsize l = 0; l < 2; l++)
          {
            double q0 = currents_conservation_eval (cons, l, x0);

            worst = MAX (worst, fabs (currents_conservation_eval (cons, l, xl + k * 4) - q0)
                                / fabs (q0));
          }
      }
  }

  g_test_message ("fit of %" G_GSIZE_FORMAT " weights to %" G_GSIZE_FORMAT " points: loss "
                  "%.3e → %.3e; rates vs k1·S·E − km1·C and k2·C: %.2e relative; derivatives "
                  "%.2e relative; trajectory from (10, 1, 0, 0) to t = 60: max |Δx| %.3e; "
                  "conservation to t = 1000: %.2e relative", K, N, loss0, loss, rate_err, df,
                  traj_err, worst);
  g_assert_cmpfloat (loss, <, 1e-4 * loss0);
  g_assert_cmpfloat (rate_err, <, 5e-3);
  g_assert_cmpfloat (df, <, 5e-3);
  g_assert_cmpfloat (traj_err, <, 0.1);
  g_assert_cmpfloat (worst, <=, 1e-12);
}

/* The trajectory loss of currents-loss.h on data/examples/enzyme.csv with the stoichiometric
 * field: its gradient (discrete adjoint through the field's VJPs) against central
 * differences, and the predicted trajectories keeping E + C and S + C + P. */
static void
test_loss_gradient (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("CURRENTS_DATA_DIR"), "examples",
                                            "enzyme.csv", NULL);
  const CurrentsReactionFlags flags[] = {
    CURRENTS_REACTION_MASS_ACTION,
    CURRENTS_REACTION_IRREVERSIBLE | CURRENTS_REACTION_MASS_ACTION,
  };
  GError *error = NULL;
  g_autoptr (CurrentsDataset) ds = currents_dataset_load (path, NULL, &error);
  g_autoptr (CurrentsStoichMatrix) S = enzyme2_matrix ();
  g_autoptr (CurrentsStoichModel) model = NULL;
  g_autoptr (CurrentsLoss) loss = NULL;
  g_autoptr (CurrentsConservation) cons = NULL;
  CurrentsStoichSpec spec;
  CurrentsStoichScaling scaling = { 0 };
  CurrentsLossOptions o;
  CurrentsLossResult res;
  double mean[4], sd[4], num = 0.0, den = 0.0, worst = 0.0;
  const gsize idx[] = { 0, 2, 4 };
  gsize K;
  g_autofree double *theta = NULL;
  g_autofree double *g = NULL;

  g_assert_no_error (error);
  for (gsize i = 0; i < 4; i++)
    {
      CurrentsColumnStats st;

      g_assert_cmpint (currents_dataset_find_state (ds, enzyme_species[i]), ==, (int) i);
      currents_dataset_get_state_stats (ds, i, &st);
      mean[i] = st.mean;
      sd[i] = st.sd;
    }
  currents_stoich_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 6;
  spec.seed = 3;
  scaling.x_mean = mean;
  scaling.x_scale = sd;
  model = currents_stoich_model_new (S, NULL, flags, &spec, &scaling, &error);
  g_assert_no_error (error);
  K = currents_stoich_model_get_n_params (model);

  currents_loss_options_init (&o);
  o.adjoint.method = CURRENTS_GRADIENT_DISCRETE;
  o.adjoint.rtol = 1e-10;
  o.adjoint.atol = 1e-12;
  o.n_threads = 1;
  o.weight_decay = 1e-3;
  loss = currents_loss_new (currents_stoich_model_get_field (model), enzyme_species, NULL,
                            NULL, NULL, ds, &o, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_loss_get_n_params (loss), ==, K);
  theta = g_memdup2 (currents_stoich_model_get_initial_params (model), K * sizeof (double));
  g = g_new0 (double, K);
  g_assert_true (currents_loss_eval (loss, theta, idx, G_N_ELEMENTS (idx), NULL, g, &res,
                                     NULL, &error));
  g_assert_no_error (error);
  for (gsize j = 0; j < K; j++)
    {
      const double h = 1e-6, save = theta[j];
      CurrentsLossResult rp, rm;
      double fd;

      theta[j] = save + h;
      g_assert_true (currents_loss_eval (loss, theta, idx, G_N_ELEMENTS (idx), NULL, NULL, &rp,
                                         NULL, &error));
      theta[j] = save - h;
      g_assert_true (currents_loss_eval (loss, theta, idx, G_N_ELEMENTS (idx), NULL, NULL, &rm,
                                         NULL, &error));
      theta[j] = save;
      fd = (rp.objective - rm.objective) / (2.0 * h);
      num += (g[j] - fd) * (g[j] - fd);
      den += fd * fd;
    }
  g_assert_cmpfloat (den, >, 0.0);

  cons = currents_stoich_matrix_conservation (S, &error);
  g_assert_no_error (error);
  for (gsize r = 0; r < currents_dataset_get_n_trajectories (ds); r++)
    {
      const CurrentsTrajectory *tr = currents_dataset_get_trajectory (ds, r);
      gsize ns = currents_trajectory_get_n_samples (tr);
      g_autofree double *pred = g_new (double, ns * 4);

      g_assert_true (currents_loss_predict (loss, theta, r, pred, &error));
      g_assert_no_error (error);
      for (gsize k = 1; k < ns; k++)
        for (gsize l = 0; l < 2; l++)
          {
            double q0 = currents_conservation_eval (cons, l, pred);

            worst = MAX (worst, fabs (currents_conservation_eval (cons, l, pred + k * 4) - q0)
                                / fabs (q0));
          }
    }
  g_test_message ("trajectory loss %.4g (MSE %.4g) over %" G_GSIZE_FORMAT " weights: gradient "
                  "vs central differences %.2e normwise; predictions' conservation error "
                  "%.2e relative", res.objective, res.mse, K, sqrt (num / den), worst);
  g_assert_cmpfloat (sqrt (num / den), <=, 1e-6);
  g_assert_cmpfloat (worst, <=, 1e-12);
}

/* ------------------------------------------------------------------------------------ */
/* Refusals                                                                             */

static void
test_model_errors (void)
{
  g_autoptr (CurrentsStoichMatrix) S = enzyme_matrix ();
  const char *clash[] = { "E", NULL };
  const double bad_scale[] = { 1.0, 0.0, 1.0, 1.0 };
  const CurrentsStoichScaling scaling = { NULL, bad_scale, NULL, NULL, NULL };
  CurrentsStoichSpec spec;
  GError *error = NULL;
  CurrentsStoichModel *model;

  model = currents_stoich_model_new (S, clash, NULL, NULL, NULL, &error);
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "“E” is both a species and an input"));
  g_clear_error (&error);

  model = currents_stoich_model_new (S, NULL, NULL, NULL, &scaling, &error);
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "species 2"));
  g_clear_error (&error);

  currents_stoich_spec_init (&spec);
  spec.hidden[1] = 0;
  model = currents_stoich_model_new (S, NULL, NULL, &spec, NULL, &error);
  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);

  /* the defaults: 2 hidden layers of 32, one output per reaction */
  model = currents_stoich_model_new (S, NULL, NULL, NULL, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (currents_stoich_model_get_n_outputs (model), ==, 3);
  g_assert_cmpuint (currents_stoich_model_get_n_params (model), ==,
                    (4 * 32 + 32) + (32 * 32 + 32) + (32 * 3 + 3));
  g_assert_cmpuint (currents_stoich_model_get_n_inputs (model), ==, 0);
  g_assert_true (currents_stoich_model_get_matrix (model) != S);
  g_assert_cmpuint (currents_stoich_model_get_spec (model)->hidden[1], ==, 32);
  g_assert_cmpfloat (currents_stoich_model_get_scaling (model)->x_scale[3], ==, 1.0);
  g_assert_cmpfloat (currents_stoich_model_get_scaling (model)->rate_scale[2], ==, 1.0);
  g_assert_cmpfloat (currents_stoich_model_get_scaling (model)->x_mean[0], ==, 0.0);
  currents_stoich_model_free (model);
}

int
main (int   argc,
      char *argv[])
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/engine/stoich/matrix/new", test_matrix_new);
  g_test_add_func ("/engine/stoich/csv/read", test_csv_read);
  g_test_add_func ("/engine/stoich/csv/errors", test_csv_errors);
  g_test_add_func ("/engine/stoich/conservation/enzyme", test_conservation_enzyme);
  g_test_add_func ("/engine/stoich/conservation/cases", test_conservation_cases);
  g_test_add_func ("/engine/stoich/conservation/random", test_conservation_random);
  g_test_add_func ("/engine/stoich/field/derivatives", test_derivatives);
  g_test_add_func ("/engine/stoich/field/batch", test_batch);
  g_test_add_func ("/engine/stoich/field/rates", test_rates);
  g_test_add_func ("/engine/stoich/conservation/trajectory", test_conservation_trajectory);
  g_test_add_func ("/engine/stoich/model/errors", test_model_errors);
  g_test_add_func ("/engine/stoich/fit/enzyme", test_fit_enzyme);
  g_test_add_func ("/engine/stoich/fit/loss-gradient", test_loss_gradient);
  return g_test_run ();
}
