/* test-model.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The model language: every example parses; every error names file, line and column;
 * expression semantics; exact Jacobians ∂f/∂x, ∂f/∂p and vector-Jacobian products
 * against central finite differences (normwise relative error ≤ 1e-7).
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "currents-engine.h"
#include "currents-mlp.h"

static CurrentsModel *
parse_ok (const char *src)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (src, "test.ode", &error);

  g_assert_no_error (error);
  g_assert_nonnull (model);
  return model;
}

/* f at (x, u, p) with the model's defaults where NULL. */
static void
eval_f (CurrentsModel *model,
        double         t,
        const double  *x,
        const double  *u,
        const double  *p,
        double        *f)
{
  g_autoptr(CurrentsFieldWorkspace) ws =
    currents_field_workspace_new (currents_model_get_field (model));

  currents_field_eval (ws, t, x, u ? u : currents_model_get_input_defaults (model),
                       p ? p : currents_model_get_params (model), f);
}

static double
eval1 (const char *expr,
       double      x)
{
  g_autofree char *src = g_strdup_printf ("par a=2.385, b=-0.75\nx' = %s\n", expr);
  g_autoptr(CurrentsModel) model = parse_ok (src);
  double f;

  eval_f (model, 0.0, &x, NULL, NULL, &f);
  return f;
}

static void
test_semantics (void)
{
  /* precedence and associativity */
  g_assert_cmpfloat (eval1 ("1 + 2*3", 0), ==, 7.0);
  g_assert_cmpfloat (eval1 ("-x^2", 3), ==, -9.0);
  g_assert_cmpfloat (eval1 ("-x**2", 3), ==, -9.0);
  g_assert_cmpfloat (eval1 ("2^3^2", 0), ==, 512.0);
  g_assert_cmpfloat (eval1 ("2**3**2", 0), ==, 512.0);
  g_assert_cmpfloat (eval1 ("x^-2", 2), ==, 0.25);
  g_assert_cmpfloat (eval1 ("(-x)^2", 3), ==, 9.0);
  g_assert_cmpfloat (eval1 ("10 - 4 - 3", 0), ==, 3.0);
  g_assert_cmpfloat (eval1 ("24 / 4 / 3", 0), ==, 2.0);
  g_assert_cmpfloat (eval1 ("2*-x", 1.5), ==, -3.0);
  g_assert_cmpfloat (eval1 ("a*x + b", 2.0), ==, 2.385 * 2.0 - 0.75);
  /* comparisons, logic, if */
  g_assert_cmpfloat (eval1 ("x > 1", 2), ==, 1.0);
  g_assert_cmpfloat (eval1 ("x <= 1", 2), ==, 0.0);
  g_assert_cmpfloat (eval1 ("x == 2", 2), ==, 1.0);
  g_assert_cmpfloat (eval1 ("x != 2", 2), ==, 0.0);
  g_assert_cmpfloat (eval1 ("(x > 1) & (x < 3)", 2), ==, 1.0);
  g_assert_cmpfloat (eval1 ("(x > 5) | (x < 3)", 2), ==, 1.0);
  g_assert_cmpfloat (eval1 ("1 + x < 3 + 1", 2.5), ==, 1.0);
  g_assert_cmpfloat (eval1 ("if(x>1)then(x*10)else(-x)", 2), ==, 20.0);
  g_assert_cmpfloat (eval1 ("if(x>1)then(x*10)else(-x)", 0.5), ==, -0.5);
  g_assert_cmpfloat (eval1 ("IF (x>1) THEN (1) ELSE (if(x>0)then(2)else(3))", -1), ==, 3.0);
  /* functions */
  g_assert_cmpfloat_with_epsilon (eval1 ("sin(x)^2 + cos(x)^2", 2.385), 1.0, 1e-15);
  g_assert_cmpfloat (eval1 ("heav(x)", 0), ==, 1.0);
  g_assert_cmpfloat (eval1 ("heav(x)", -0.1), ==, 0.0);
  g_assert_cmpfloat (eval1 ("sign(x)", -2.385), ==, -1.0);
  g_assert_cmpfloat (eval1 ("sign(x)", 0), ==, 0.0);
  g_assert_cmpfloat (eval1 ("mod(x, 3)", 7.5), ==, 1.5);
  g_assert_cmpfloat (eval1 ("mod(x, 3)", -1), ==, 2.0);
  g_assert_cmpfloat (eval1 ("flr(x) + floor(x) + ceil(x)", 2.385), ==, 7.0);
  g_assert_cmpfloat (eval1 ("min(x, 1) + max(x, 1)", 2.385), ==, 3.385);
  g_assert_cmpfloat (eval1 ("atan2(x, -1)", 1), ==, atan2 (1, -1));
  g_assert_cmpfloat (eval1 ("log(x) - ln(x)", 2.385), ==, 0.0);
  g_assert_cmpfloat (eval1 ("log10(x)", 1000), ==, 3.0);
  g_assert_cmpfloat (eval1 ("abs(x) + sqrt(x*x)", -2.5), ==, 5.0);
  g_assert_cmpfloat (eval1 ("pi", 0), ==, G_PI);
  g_assert_cmpfloat (eval1 ("exp(ln(x))", 2.385), ==, exp (log (2.385)));
  g_assert_cmpfloat (eval1 ("tanh(x) + sinh(x) - cosh(x)", 0.3),
                     ==, tanh (0.3) + sinh (0.3) - cosh (0.3));
  g_assert_cmpfloat (eval1 ("not(x)", 0), ==, 1.0);
  g_assert_cmpfloat (eval1 (".1e+01 + 2. + 1e-8", 0), ==, 1.0 + 2.0 + 1e-8);
}

static void
test_declarations (void)
{
  const char *src =
    "# a comment\n"
    "number c=3\n"
    "PAR Alpha=1.5, beta = 2  gamma=-0.25\n"
    "p delta\n"
    "!twoalpha = 2*alpha\n"
    "sq(u) = u*u\n"
    "g(u, v) = sq(u) + v + c\n"
    "k = twoalpha + beta\n"
    "dX/dt = -k*x + g(y, gamma)\n"
    "y' = DELTA + \\\n"
    "     x\n"
    "z'=t\n"
    "aux energy = x^2 + y^2\n"
    "aux Z.E. = k\n"
    "init x=1.5,y\n"
    "z(0)=-4\n"
    "@ total=12, DT=.25, meth=euler, xp=x, yp=y, xlo=-2,xhi=2, ylo=-1, yhi=1\n"
    "@ bounds=1000, njmp=2, nplot=2\n"
    "done\n"
    "x' = this is after done and never read\n";
  g_autoptr(CurrentsModel) model = parse_ok (src);
  const CurrentsModelOptions *o = currents_model_get_options (model);
  double x[3] = { 0.5, -1.25, 7.0 }, f[3], aux[2];
  double k = 2 * 1.5 + 2;
  g_autoptr(CurrentsFieldWorkspace) ws =
    currents_field_workspace_new (currents_model_get_field (model));

  g_assert_cmpuint (currents_model_get_n_states (model), ==, 3);
  g_assert_cmpstr (currents_model_get_state_name (model, 0), ==, "X");
  g_assert_cmpint (currents_model_find_state (model, "x"), ==, 0);
  g_assert_cmpuint (currents_model_get_n_params (model), ==, 4);
  g_assert_cmpint (currents_model_find_param (model, "alpha"), ==, 0);
  g_assert_cmpfloat (currents_model_get_params (model)[2], ==, -0.25);
  g_assert_cmpfloat (currents_model_get_params (model)[3], ==, 0.0);
  g_assert_cmpfloat (currents_model_get_initial (model)[0], ==, 1.5);
  g_assert_cmpfloat (currents_model_get_initial (model)[1], ==, 0.0);
  g_assert_cmpfloat (currents_model_get_initial (model)[2], ==, -4.0);
  g_assert_false (currents_field_is_autonomous (currents_model_get_field (model)));

  currents_field_eval (ws, 3.5, x, NULL, currents_model_get_params (model), f);
  g_assert_cmpfloat (f[0], ==, -k * 0.5 + (1.25 * 1.25 - 0.25 + 3));
  g_assert_cmpfloat (f[1], ==, 0.0 + 0.5);
  g_assert_cmpfloat (f[2], ==, 3.5);
  g_assert_cmpuint (currents_model_get_n_aux (model), ==, 2);
  g_assert_cmpstr (currents_model_get_aux_name (model, 1), ==, "Z.E.");
  currents_model_eval_aux (model, ws, 3.5, x, NULL, currents_model_get_params (model), aux);
  g_assert_cmpfloat (aux[0], ==, 0.25 + 1.5625);
  g_assert_cmpfloat (aux[1], ==, k);

  g_assert_cmpfloat (o->total, ==, 12.0);
  g_assert_cmpfloat (o->dt, ==, 0.25);
  g_assert_cmpfloat (o->bound, ==, 1000.0);
  g_assert_cmpint (o->njmp, ==, 2);
  g_assert_cmpint (o->method, ==, CURRENTS_METHOD_EULER);
  g_assert_cmpstr (o->xp, ==, "x");
  g_assert_true (o->has_window);
  g_assert_cmpfloat (o->xlo, ==, -2.0);
  /* nplot only changes XPP's display: listed, not refused */
  g_assert_nonnull (currents_model_get_ignored (model)[0]);
  g_assert_nonnull (strstr (currents_model_get_ignored (model)[0], "nplot"));
  g_assert_nonnull (strstr (currents_model_get_ignored (model)[0], "test.ode:18:"));
}

static void
test_default_times (void)
{
  /* XPP takes ⌊total/dt + 0.1⌋ steps: total=6.28, dt=.05 ends at 6.25 (125 steps). */
  g_autoptr(CurrentsModel) model = parse_ok ("x'=-x\n@ total=6.28, dt=.05\n");
  g_autoptr(CurrentsModel) jmp = parse_ok ("x'=-x\n@ total=10, dt=.5, njmp=3\n");
  g_autofree double *t = NULL, *tj = NULL;
  gsize n, nj;

  t = currents_model_get_default_times (model, &n);
  g_assert_cmpuint (n, ==, 126);
  g_assert_cmpfloat_with_epsilon (t[n - 1], 6.25, 1e-12);
  tj = currents_model_get_default_times (jmp, &nj);
  /* 20 steps in blocks of 3: 7 blocks, the last reaching 10.5 as XPP does */
  g_assert_cmpuint (nj, ==, 8);
  g_assert_cmpfloat_with_epsilon (tj[nj - 1], 10.5, 1e-12);
}

typedef struct
{
  const char *src;
  int         code;
  const char *where;    /* "line:col" that must appear */
  const char *says;     /* a phrase the message must contain */
} BadCase;

static void
test_errors (void)
{
  static const BadCase cases[] = {
    { "x' = y + \n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, "test.ode:1:", "expected" },
    { "x' = \n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":1:", "expected an expression" },
    { "x' = 2 * (x + 1\n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":1:", "')'" },
    { "x' = 2 $ x\n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":1:8:", "unexpected character" },
    { "par a=1\nx' = -a*q\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, ":2:9:", "unknown name 'q'" },
    { "x' = sin(x, 2)\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, ":1:6:", "takes 1 argument" },
    { "f(a,b)=a+b\nx' = f(x)\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, ":2:6:", "takes 2 arguments" },
    { "x' = -x\ny' = x\nx' = 1\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, ":3:1:",
      "duplicate equation for 'x'" },
    { "x' = -x\ninit x=1, y=2\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, ":2:11:",
      "'y', which has no equation" },
    { "par x=1\nx' = -x\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, ":1:5:", "already" },
    { "x' = blah(x)\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, ":1:6:", "unknown function" },
    { "table w wave.tab\nx'=-x\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:1:", "tables" },
    { "wiener w\nx'=-x+w\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:1:", "Wiener" },
    { "markov z 2\nx'=-x\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:1:", "Markov" },
    { "x' = -delay(x, 1)\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:7:", "delay" },
    { "x' = -x + ran(1)\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:11:", "ran" },
    { "x(t) = 1 + int{exp(-t)#x}\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:1:", "Volterra" },
    { "volt x = 1\nx'=-x\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:1:", "Volterra" },
    { "x(t+1) = x/2\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:1:", "maps" },
    { "x[1..3]' = -x[j]\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:2:", "arrays" },
    { "0 = x - y\nx'=-x\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:1:", "algebraic" },
    { "x'=-x\n@ meth=discrete\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":2:8:", "discrete" },
    { "x'=-x\n@ meth=zzz\n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":2:8:", "unknown integration" },
    { "x'=-x\n@ total=abc\n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":2:9:", "expected a number" },
    { "f(u) = f(u) + 1\nx' = f(x)\n", CURRENTS_ENGINE_ERROR_UNSUPPORTED, ":1:8:", "recursive" },
    { "a = b + 1\nb = a * 2\nx' = a\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, ":", "itself" },
    { "# nothing here\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, "test.ode", "no equations" },
    { "frobnicate 3\nx'=-x\n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":1:1:", "unknown statement" },
    { "par a=one\nx'=-a\n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":1:7:", "expected a number" },
    { "x' = if(x>1)then(2)\n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":1:", "else" },
    { "x' = -x\n@ xp=q\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, "test.ode", "xp=q" },
    { "learn mu(s) hidden=0\nx'=mu(x)\n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":1:20:",
      "widths" },
    { "learn mu(s) activation=cosine\nx'=mu(x)\n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":1:",
      "unknown activation" },
    { "learn mu(s)\nx'=mu(x, x)\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, ":2:4:",
      "takes 1 argument" },
    { "t = 3\nx' = -x\n", CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, ":1:1:", "reserved" },
    { "x' = x +\n\xff\n", CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, ":2:", "UTF-8" },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = NULL;
      g_autoptr(CurrentsModel) model = currents_model_new_from_string (cases[i].src, "test.ode",
                                                                       &error);

      if (model != NULL)
        g_error ("case %" G_GSIZE_FORMAT " parsed but should not: %s", i, cases[i].src);
      g_assert_error (error, CURRENTS_ENGINE_ERROR, cases[i].code);
      if (strstr (error->message, cases[i].where) == NULL ||
          strstr (error->message, cases[i].says) == NULL)
        g_error ("case %" G_GSIZE_FORMAT ": message '%s' lacks '%s' or '%s'", i,
                 error->message, cases[i].where, cases[i].says);
    }
}

static void
test_file_errors (void)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsModel) model = currents_model_new_from_file ("/nonexistent/m.ode", &error);

  g_assert_null (model);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "/nonexistent/m.ode"));
}

static void
test_examples (void)
{
  const char *dir = g_getenv ("CURRENTS_DATA_DIR");
  g_autofree char *examples = NULL;
  g_autoptr(GDir) d = NULL;
  const char *name;
  guint n = 0;

  g_assert_nonnull (dir);
  examples = g_build_filename (dir, "examples", NULL);
  d = g_dir_open (examples, 0, NULL);
  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = NULL;
      g_autoptr(GError) error = NULL;
      g_autoptr(CurrentsModel) model = NULL;
      double f[8];

      if (!g_str_has_suffix (name, ".ode"))
        continue;
      path = g_build_filename (examples, name, NULL);
      model = currents_model_new_from_file (path, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (currents_model_get_n_states (model), >=, 2);
      g_assert_cmpuint (currents_model_get_n_states (model), <=, G_N_ELEMENTS (f));
      g_assert_true (currents_model_get_options (model)->has_window);
      eval_f (model, 0.0, currents_model_get_initial (model), NULL, NULL, f);
      for (gsize i = 0; i < currents_model_get_n_states (model); i++)
        g_assert_true (isfinite (f[i]));
      n++;
    }
  g_assert_cmpuint (n, >=, 8);
}

/* Checks ∂f/∂x, ∂f/∂p and wᵀJ against central differences at (t, x, u, p). */
static void
check_derivatives (CurrentsModel *model,
                   double         t,
                   const double  *x,
                   const double  *u,
                   const double  *p)
{
  CurrentsField *field = currents_model_get_field (model);
  gsize n = currents_field_get_n_states (field), k = currents_field_get_n_params (field);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  g_autofree double *J = g_new0 (double, n * n), *Jp = g_new0 (double, n * MAX (k, 1));
  g_autofree double *Jfd = g_new0 (double, n * n), *Jpfd = g_new0 (double, n * MAX (k, 1));
  g_autofree double *xx = g_memdup2 (x, n * sizeof (double));
  g_autofree double *pp = g_memdup2 (p, MAX (k, 1) * sizeof (double));
  g_autofree double *fp = g_new0 (double, n), *fm = g_new0 (double, n), *f = g_new0 (double, n);
  g_autofree double *w = g_new0 (double, n), *gx = g_new0 (double, n);
  g_autofree double *gp = g_new0 (double, MAX (k, 1)), *f2 = g_new0 (double, n);
  double num = 0, den = 0;

  currents_field_jacobian (ws, t, x, u, p, f, J, Jp);
  for (gsize j = 0; j < n; j++)
    {
      double h = 1e-6 * MAX (1.0, fabs (x[j]));
      xx[j] = x[j] + h;
      currents_field_eval (ws, t, xx, u, p, fp);
      xx[j] = x[j] - h;
      currents_field_eval (ws, t, xx, u, p, fm);
      xx[j] = x[j];
      for (gsize i = 0; i < n; i++)
        Jfd[i * n + j] = (fp[i] - fm[i]) / (2 * h);
    }
  for (gsize j = 0; j < k; j++)
    {
      double h = 1e-6 * MAX (1.0, fabs (p[j]));
      pp[j] = p[j] + h;
      currents_field_eval (ws, t, x, u, pp, fp);
      pp[j] = p[j] - h;
      currents_field_eval (ws, t, x, u, pp, fm);
      pp[j] = p[j];
      for (gsize i = 0; i < n; i++)
        Jpfd[i * k + j] = (fp[i] - fm[i]) / (2 * h);
    }
  for (gsize i = 0; i < n * n; i++)
    {
      num += (J[i] - Jfd[i]) * (J[i] - Jfd[i]);
      den += Jfd[i] * Jfd[i];
    }
  g_assert_cmpfloat (den, >, 0.0);
  g_assert_cmpfloat (sqrt (num / den), <=, 1e-7);
  if (k > 0)
    {
      num = den = 0;
      for (gsize i = 0; i < n * k; i++)
        {
          num += (Jp[i] - Jpfd[i]) * (Jp[i] - Jpfd[i]);
          den += Jpfd[i] * Jpfd[i];
        }
      if (den > 0)
        g_assert_cmpfloat (sqrt (num / den), <=, 1e-7);
      else
        g_assert_cmpfloat (num, ==, 0.0);
    }

  /* VJP: gx = wᵀJ and gp = wᵀJp, accumulated onto what is there. */
  for (gsize i = 0; i < n; i++)
    {
      w[i] = 0.3 + 1.7 * (double) i - 0.45 * (double) (i * i);
      gx[i] = 1.0;
    }
  for (gsize j = 0; j < k; j++)
    gp[j] = -2.0;
  currents_field_vjp (ws, t, x, u, p, w, f2, gx, gp);
  for (gsize i = 0; i < n; i++)
    g_assert_cmpfloat (f2[i], ==, f[i]);
  for (gsize j = 0; j < n; j++)
    {
      double s = 0;
      for (gsize i = 0; i < n; i++)
        s += w[i] * J[i * n + j];
      g_assert_cmpfloat_with_epsilon (gx[j] - 1.0, s, 1e-12 * MAX (1.0, fabs (s)));
    }
  for (gsize j = 0; j < k; j++)
    {
      double s = 0;
      for (gsize i = 0; i < n; i++)
        s += w[i] * Jp[i * k + j];
      g_assert_cmpfloat_with_epsilon (gp[j] + 2.0, s, 1e-12 * MAX (1.0, fabs (s)));
    }
}

static void
test_jacobian (void)
{
  const char *src =
    "input s=0.7\n"
    "par a=2.385, b=0.731, n=2.2, k=1.3\n"
    "!c = a*b\n"
    "hill(z, m) = z^m/(k^m + z^m)\n"
    "q = exp(-b*x)*sin(a*y)\n"
    "x' = a*hill(y, n) - b*x + c*q + s^2*atan2(y, x)\n"
    "y' = -x*y/(1 + x^2) + sqrt(1 + y^2)*tanh(s*x) + if(x > y)then(x*y)else(y^3)\n"
    "z' = abs(x - z)*cosh(y/3) + max(x, z)*min(y, 1) + log10(2 + x^2)*ln(3 + y^2) - mod(z, 1.5)\n";
  g_autoptr(CurrentsModel) model = parse_ok (src);
  const double pts[][3] = {
    { 0.61, 1.42, 2.385 }, { 1.9, 0.37, -0.8 }, { -1.1, 2.2, 0.4 }, { 0.05, 0.9, 3.1 },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (pts); i++)
    check_derivatives (model, 0.0, pts[i], currents_model_get_input_defaults (model),
                       currents_model_get_params (model));
}

static void
test_jacobian_corpus_shapes (void)
{
  /* Hodgkin–Huxley-like rates: functions calling functions, fixed quantities defined
   * after use, ** powers, heav — as the XPP corpus writes them. */
  const char *src =
    "par gna=120, gk=36, gl=0.3, ena=50, ek=-77, el=-54.4, i0=10\n"
    "am(v)=.1*(v+40)/(1-exp(-(v+40)/10))\n"
    "bm(v)=4*exp(-(v+65)/18)\n"
    "an(v)=.01*(v+55)/(1-exp(-(v+55)/10))\n"
    "bn(v)=.125*exp(-(v+65)/80)\n"
    "minf(v)=am(v)/(am(v)+bm(v))\n"
    "v'=i0*heav(t-1) - gna*m**3*h*(v-ena) - gk*n**4*(v-ek) - gl*(v-el)\n"
    "n'=an(v)*(1-n)-bn(v)*n\n"
    "m=minf(v)\n"
    "h=0.8-n\n";
  g_autoptr(CurrentsModel) model = parse_ok (src);
  const double pts[][2] = { { -65.2, 0.317 }, { -20.5, 0.62 }, { 12.3, 0.45 } };

  for (gsize i = 0; i < G_N_ELEMENTS (pts); i++)
    check_derivatives (model, 2.385, pts[i], NULL, currents_model_get_params (model));
}

static void
test_power_at_zero (void)
{
  /* A knockout puts x at 0: x^n and its derivatives must stay finite there. */
  g_autoptr(CurrentsModel) model = parse_ok ("par n=2, a=3\n"
                                             "x' = a/(1 + y^n) - x\n"
                                             "y' = a/(1 + x^n) - y + x^1 + x^0\n");
  CurrentsField *field = currents_model_get_field (model);
  g_autoptr(CurrentsFieldWorkspace) ws = currents_field_workspace_new (field);
  double x[2] = { 0.0, 0.0 }, f[2], J[4], Jp[4];

  currents_field_jacobian (ws, 0, x, NULL, currents_model_get_params (model), f, J, Jp);
  for (int i = 0; i < 4; i++)
    {
      g_assert_true (isfinite (J[i]));
      g_assert_true (isfinite (Jp[i]));
    }
  g_assert_cmpfloat (f[0], ==, 3.0);
  g_assert_cmpfloat (J[0], ==, -1.0);
  g_assert_cmpfloat (J[1], ==, 0.0);      /* −a n y^(n−1)/(1+y^n)² at y = 0 */
  g_assert_cmpfloat (J[2], ==, 1.0);      /* d/dx of x^1 + x^0 = 1 */
  g_assert_cmpfloat (Jp[0], ==, 0.0);     /* ∂/∂n of a/(1+y^n) at y = 0 (limit, not NaN) */
}

static void
test_learned (void)
{
  const char *src =
    "par D=0.3, Sin=5, Y=0.5\n"
    "learn mu(S) hidden=5,3 activation=tanh seed=7\n"
    "learn g(a, b) hidden=4 activation=softplus\n"
    "X' = (mu(S) - D)*X + g(X, S)\n"
    "S' = D*(Sin - S) - mu(S)*X/Y\n";
  g_autoptr(CurrentsModel) model = parse_ok (src);
  const CurrentsLearnedTerm *mu, *g;
  CurrentsMlpShape shape;
  g_autofree double *p = NULL;
  double x[2] = { 1.37, 2.385 }, f[2], acts[64], y_mu, y_g, in_g[2] = { 1.37, 2.385 };
  gsize n_p;

  g_assert_cmpuint (currents_model_get_n_learned (model), ==, 2);
  mu = currents_model_get_learned (model, 0);
  g = currents_model_get_learned (model, 1);
  g_assert_cmpuint (mu->n_weights, ==, (5 * 1 + 5) + (3 * 5 + 3) + (1 * 3 + 1));
  g_assert_cmpuint (g->n_weights, ==, (4 * 2 + 4) + (1 * 4 + 1));
  g_assert_cmpuint (mu->param_offset, ==, 3);
  g_assert_cmpuint (g->param_offset, ==, 3 + mu->n_weights);
  n_p = currents_model_get_n_params (model);
  g_assert_cmpuint (n_p, ==, 3 + mu->n_weights + g->n_weights);

  /* Evaluate with given weights: f must equal the equations with the networks
   * computed independently here. */
  p = g_memdup2 (currents_model_get_params (model), n_p * sizeof (double));
  for (gsize i = 3; i < n_p; i++)
    p[i] = 0.9 * sin (1.3 * (double) i + 0.2);
  eval_f (model, 0.0, x, NULL, p, f);
  {
    /* mu: 1-5-3-1 tanh, by hand */
    const double *w = p + mu->param_offset;
    double h1[5], h2[3], s;
    for (int i = 0; i < 5; i++)
      h1[i] = tanh (w[i] * x[1] + w[5 + i]);
    w += 10;
    for (int i = 0; i < 3; i++)
      {
        s = w[15 + i];
        for (int j = 0; j < 5; j++)
          s += w[i * 5 + j] * h1[j];
        h2[i] = tanh (s);
      }
    w += 18;
    s = w[3];
    for (int j = 0; j < 3; j++)
      s += w[j] * h2[j];
    y_mu = s;
  }
  shape.n_layers = g->n_layers;
  shape.widths = g->widths;
  shape.activation = g->activation;
  currents_mlp_forward (&shape, p + g->param_offset, in_g, acts, &y_g);
  g_assert_cmpfloat_with_epsilon (f[0], (y_mu - 0.3) * 1.37 + y_g, 1e-13);
  g_assert_cmpfloat_with_epsilon (f[1], 0.3 * (5 - 2.385) - y_mu * 1.37 / 0.5, 1e-13);

  check_derivatives (model, 0.0, x, NULL, p);
}

static void
test_reentrant (void)
{
  /* Two workspaces on one field give the same numbers, interleaved. */
  g_autoptr(CurrentsModel) model = parse_ok ("par a=1.5\nx'=a*sin(y)\ny'=-x*x\n");
  CurrentsField *field = currents_model_get_field (model);
  g_autoptr(CurrentsFieldWorkspace) w1 = currents_field_workspace_new (field);
  g_autoptr(CurrentsFieldWorkspace) w2 = currents_field_workspace_new (field);
  double x1[2] = { 0.3, 0.7 }, x2[2] = { -2.0, 4.0 }, f1[2], f2[2], g1[2];

  currents_field_eval (w1, 0, x1, NULL, currents_model_get_params (model), f1);
  currents_field_eval (w2, 0, x2, NULL, currents_model_get_params (model), f2);
  currents_field_eval (w1, 0, x1, NULL, currents_model_get_params (model), g1);
  g_assert_cmpfloat (f1[0], ==, g1[0]);
  g_assert_cmpfloat (f1[0], ==, 1.5 * sin (0.7));
  g_assert_cmpfloat (f2[1], ==, -4.0);
}

int
main (int    argc,
      char **argv)
{
  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/model/semantics", test_semantics);
  g_test_add_func ("/engine/model/declarations", test_declarations);
  g_test_add_func ("/engine/model/default-times", test_default_times);
  g_test_add_func ("/engine/model/errors", test_errors);
  g_test_add_func ("/engine/model/file-errors", test_file_errors);
  g_test_add_func ("/engine/model/examples", test_examples);
  g_test_add_func ("/engine/model/jacobian", test_jacobian);
  g_test_add_func ("/engine/model/jacobian-corpus-shapes", test_jacobian_corpus_shapes);
  g_test_add_func ("/engine/model/power-at-zero", test_power_at_zero);
  g_test_add_func ("/engine/model/learned", test_learned);
  g_test_add_func ("/engine/model/reentrant", test_reentrant);
  return g_test_run ();
}
