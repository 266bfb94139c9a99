/* currents-continuation.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Pseudo-arclength continuation of equilibria, folds and Hopf points.
 *
 * A curve is the zero set of G: ℝᴺ → ℝᴺ⁻¹ in z = (x, s[, s₂][, κ]):
 *
 *   equilibria  (N = n+1):  G = f(x, s)
 *   folds       (N = n+2):  G = (f, g),   [f_x b; cᵀ 0] (v; g) = (0; 1),
 *                                          [f_xᵀ c; bᵀ 0] (w; g) = (0; 1),
 *                           g_z = −wᵀ (f_x)_z v
 *   Hopf points (N = n+3):  G = (f, G_{i₁j₁}, G_{i₂j₂}),  M = f_x² + κI,
 *                           [M B; Cᵀ 0] (V; G) = (0; I₂),  [Mᵀ C; Bᵀ 0] (W; G') = (0; I₂),
 *                           (G_ij)_z = −W_iᵀ M_z V_j,  M_z = (f_x)_z f_x + f_x (f_x)_z
 *
 * (Govaerts, "Numerical methods for bifurcations of dynamical equilibria", 2000; the
 * pair (i₁j₁, i₂j₂) is chosen at each step to make the Newton matrix best conditioned.)
 * (f_x)_{x_k} a = hvp(e_k, a) (exact, from the field); (f_x)_s a for expression models
 * by the tape's mixed tangent pass (exact). The bordering vectors are replaced by the
 * last point's normalised v, w (V, W orthonormalised) after every step, so they stay
 * far from the singular choices.
 *
 * All work happens in scaled coordinates ẑ = D⁻¹z (D: the states' box widths, the
 * parameters' range widths, κ's starting value), so that steps, angles and tolerances
 * mean the same in any units. Step k → k+1 (‖τ‖ = 1):
 *
 *   predictor   ẑ⁰ = ẑ_k + Δs τ_k
 *   corrector   Newton on  [G(ẑ) ; τ_k·(ẑ − ẑ_k) − Δs] = 0
 *   tangent     [Ĝ_z(ẑ_{k+1}); τ_kᵀ] τ = e_N, normalised (so τ·τ_k > 0)
 *
 * with Δs halved on a failed corrector or a turn of more than ~14° between tangents, and
 * grown by 1.5 after quick convergence. A step is also refused when the number of
 * eigenvalues with positive real part changes in a way its test functions cannot
 * explain (two crossings in one step). Test-function zeros are located by the Illinois
 * method in σ = τ_k·(ẑ − ẑ_k) ∈ (0, Δs), each trial corrected onto the curve; after a
 * fold is located the other test functions are checked on both sides of it, so that a
 * Hopf point next to a fold is never stepped over.
 *
 * First Lyapunov coefficient (Kuznetsov, Elements of Applied Bifurcation Theory, 3rd ed.,
 * eq. 3.20), A = f_x, Aq = iωq, Aᵀp = −iωp, ‖q‖ = 1, ⟨p, q⟩ = p̄ᵀq = 1:
 *
 *   l₁ = 1/(2ω) Re[⟨p, C(q,q,q̄)⟩ − 2⟨p, B(q, A⁻¹B(q,q̄))⟩ + ⟨p, B(q̄, (2iωI − A)⁻¹B(q,q))⟩]
 *
 * B(a, b) = hvp(a, b) is exact. The third derivatives C(u, v, v) come from central
 * differences of the exact hvp along u (step h = 6e-6 (1 + ‖x‖∞), error O(h²) ≈ 1e-10
 * relative): with q = a + ib, C(q,q,q̄) = C(a,a,a) + C(a,b,b) + i (C(b,a,a) + C(b,b,b)).
 * This is the one place where the engine differentiates numerically.
 */
#define G_LOG_DOMAIN "currents-continuation"

#include "config.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include <lapacke.h>

#include "currents-continuation.h"
#include "currents-equilibria.h"
#include "currents-error.h"
#include "currents-field-private.h"
#include "currents-mlp.h"
#include "currents-neural.h"
#include "currents-tape-tangent-private.h"

#define NEWTON_MAX_IT   12
#define NEWTON_TOL      1e-11   /* ‖Δẑ‖∞ ≤ tol (1 + ‖ẑ‖∞) */
#define COS_MAX_TURN    0.97    /* ≈ 14° between successive tangents */
#define LOCATE_MAX_IT   100
#define LOCATE_TOL      1e-13   /* on σ, relative to 1 + ‖ẑ‖∞ */
#define RANK_TOL        1e-10   /* relative singular value below which a start is singular */
#define N_TESTS         3

typedef enum
{
  MODE_EQ,
  MODE_FOLD,
  MODE_HOPF,
} Mode;

typedef enum
{
  DERIV_FIELD,    /* parameters only: ∂f/∂p from the field's Jacobian */
  DERIV_TAPE,     /* expression model: tangent passes over the tape */
  DERIV_NEURAL,   /* neural model: backward passes through its network */
} DerivKind;

/* Test function ids: 0 … N_TESTS−1 per mode; range ends after them. */
enum
{
  TEST_EQ_FOLD = 0,
  TEST_EQ_HOPF = 1,
  TEST_EQ_BP = 2,
  TEST_FOLD_CUSP = 0,
  TEST_FOLD_BT = 1,
  TEST_HOPF_BT = 0,
  TEST_END = 16,       /* 16 + 2 l + (0: lo, 1: hi) */
};

typedef struct
{
  gboolean is_input;
  gsize    index;
  gboolean log;
  double   lo, hi;     /* λ units */
  double   slo, shi;   /* s units */
  char    *name;
} Handle;

typedef struct
{
  gsize            n, m;
  gsize            widths[CURRENTS_NEURAL_MAX_LAYERS + 2];
  CurrentsMlpShape shape;
  double          *x_mean, *x_scale, *out_scale, *u_mean, *u_scale, *u_offset;
  gboolean        *u_log;
  double          *in, *acts, *scratch, *y, *dy, *din;
} NeuralDeriv;

/* A point on a curve, in scaled coordinates, with what the tests need. */
typedef struct
{
  double  *z;          /* N */
  double  *tau;        /* N */
  double  *wr, *wi;    /* n: eigenvalues of f_x */
  double  *vw;         /* 4n: fold v, w; Hopf V (2 columns), W (2 columns) */
  double   psi[N_TESTS];
  double   sigma;
  guint    n_unstable;
  gboolean stable;
  int      test;       /* for events: which test located it */
} Point;

typedef struct
{
  Mode     mode;
  gsize    N;
  double  *D;          /* N: scales */
  double   ds;
  Point   *a, *b, *trial, *tmp;
  double  *bb, *cc;    /* borders: fold b, c (n); Hopf B, C (2n each, column j at + j n) */
  double  *bb0;        /* the borders at the start (4n) */
  int      pair;       /* Hopf: which two entries of G */
  int      pair0;
  guint    pass;
  guint    n_passes;
  GArray  *pz[2];      /* double, N per point */
  GArray  *ptau[2];
  GArray  *pun[2];     /* guint */
  GArray  *pst[2];     /* gboolean */
  CurrentsContinuationEnd end[2];
  GPtrArray *specials; /* CurrentsBifurcation: branch = pass, point = index in pass */
  GPtrArray *switches; /* Point*: branch points to leave (z, tau at the point) */
  double  *z0, *tau0;  /* the start and its tangent (pass 1 leaves backwards) */
  gboolean from_bp;
  double   hopf_omega;
} Tracer;

typedef enum
{
  TASK_START,
  TASK_SWITCH,
  TASK_FOLD,
  TASK_HOPF,
} TaskKind;

typedef struct
{
  TaskKind kind;
  double  *x;        /* n (raw) */
  double   s[2];     /* parameters (s units) */
  double   omega;    /* Hopf */
  Point   *bp;       /* switch: the branch point (scaled, with its tangent) */
  double  *D;        /* switch: the branch's scales */
  int      sign;     /* switch: ±1 */
} Task;

/* A finished curve kept for deduplication (scaled, with tangents). */
typedef struct
{
  Mode    mode;
  gsize   N;
  double *D;
  GArray *z;
  GArray *tau;
} Trace;

struct _CurrentsContinuation
{
  CurrentsField          *field;
  CurrentsFieldWorkspace *fws;
  gpointer                tape_ws;
  const Tape             *tape;
  DerivKind               deriv;
  NeuralDeriv            *nd;
  gsize                   n, m, k;
  double                 *p, *u;
  double                  t;
  gboolean                frozen;
  gboolean                has_hvp;
  Handle                  h[2];
  guint                   n_par;
  CurrentsContinuationOptions opt;
  double                 *box_lo, *box_hi, *exit_lo, *exit_hi;
  double                  start_lambda;
  double                  ds_hat, ds_min_hat, ds_max_hat;
  gboolean                two;
  gboolean                from_folds, from_hopf;
  CurrentsContinuation   *sub;      /* two parameters: the one-parameter run */
  gboolean                started;
  gboolean                done;
  guint                   n_singular_starts;
  guint                   n_traced;
  GQueue                  tasks;
  Tracer                 *tr;
  CurrentsContinuationResult result;
  GPtrArray              *traces;

  /* workspace (sized for N ≤ n + 3) */
  gsize   Nmax;
  double *zraw, *dz, *rhs, *G, *DG, *DG4, *H, *f, *J, *Fs, *jp;
  int    *ipiv, *ipivK;
  double *K, *X, *Y, *M, *JV, *JtW, *hv, *ek, *hva, *hvb;
  double *E, *wr, *wi, *eig_work;
  int     eig_lwork;
  double *S, *sv, *U, *VT, *svd_work;
  int     svd_lwork;
};

/* ------------------------------------------------------------------------------------ */
/* Names                                                                                */

const char *
currents_bifurcation_kind_to_string (CurrentsBifurcationKind kind)
{
  switch (kind)
    {
    case CURRENTS_BIFURCATION_FOLD: return "fold";
    case CURRENTS_BIFURCATION_HOPF: return "hopf";
    case CURRENTS_BIFURCATION_BRANCH_POINT: return "branch point";
    case CURRENTS_BIFURCATION_CUSP: return "cusp";
    case CURRENTS_BIFURCATION_BOGDANOV_TAKENS: return "bogdanov-takens";
    default: return "unknown";
    }
}

const char *
currents_curve_kind_to_string (CurrentsCurveKind kind)
{
  switch (kind)
    {
    case CURRENTS_CURVE_EQUILIBRIA: return "equilibria";
    case CURRENTS_CURVE_FOLDS: return "fold";
    case CURRENTS_CURVE_HOPF: return "hopf";
    default: return "unknown";
    }
}

const char *
currents_continuation_end_to_string (CurrentsContinuationEnd end)
{
  switch (end)
    {
    case CURRENTS_CONTINUATION_END_RANGE: return "range";
    case CURRENTS_CONTINUATION_END_MAX_POINTS: return "max-points";
    case CURRENTS_CONTINUATION_END_STEP_MIN: return "step-min";
    case CURRENTS_CONTINUATION_END_BOX: return "box";
    case CURRENTS_CONTINUATION_END_CLOSED: return "closed";
    case CURRENTS_CONTINUATION_END_BRANCH_POINT: return "branch-point";
    case CURRENTS_CONTINUATION_END_SPECIAL: return "bogdanov-takens";
    case CURRENTS_CONTINUATION_END_CANCELLED: return "cancelled";
    default: return "unknown";
    }
}

/* ------------------------------------------------------------------------------------ */
/* Records                                                                              */

static CurrentsBifurcation *
bifurcation_new (CurrentsBifurcationKind kind,
                 gsize                   n)
{
  CurrentsBifurcation *b = g_new0 (CurrentsBifurcation, 1);

  b->kind = kind;
  b->n = n;
  b->state = g_new0 (double, 3 * MAX (n, 1));
  b->evec_re = b->state + MAX (n, 1);
  b->evec_im = b->state + 2 * MAX (n, 1);
  b->param = b->param2 = NAN;
  b->frequency = b->lyapunov = b->normal_form = NAN;
  return b;
}

/**
 * currents_bifurcation_copy:
 * @b: a special point
 *
 * Returns: (transfer full): a deep copy
 */
CurrentsBifurcation *
currents_bifurcation_copy (const CurrentsBifurcation *b)
{
  CurrentsBifurcation *c;

  g_return_val_if_fail (b != NULL, NULL);
  c = bifurcation_new (b->kind, b->n);
  memcpy (c->state, b->state, 3 * MAX (b->n, 1) * sizeof (double));
  c->param = b->param;
  c->param2 = b->param2;
  c->frequency = b->frequency;
  c->lyapunov = b->lyapunov;
  c->normal_form = b->normal_form;
  c->branch = b->branch;
  c->point = b->point;
  return c;
}

void
currents_bifurcation_free (CurrentsBifurcation *b)
{
  if (b == NULL)
    return;
  g_free (b->state);
  g_free (b);
}

static void
branch_free (gpointer data)
{
  CurrentsContinuationBranch *br = data;

  if (br == NULL)
    return;
  g_free (br->param);
  g_free (br->param2);
  g_free (br->state);
  g_free (br->stable);
  g_free (br->n_unstable);
  g_free (br->frequency);
  g_free (br);
}

/**
 * currents_continuation_result_get_special:
 * @result: a result
 * @kind: which special points
 *
 * Returns: (transfer container) (element-type CurrentsBifurcation): the special points of
 *   @kind in the order found (owned by @result)
 */
GPtrArray *
currents_continuation_result_get_special (const CurrentsContinuationResult *result,
                                          CurrentsBifurcationKind           kind)
{
  GPtrArray *out = g_ptr_array_new ();

  g_return_val_if_fail (result != NULL, out);
  for (guint i = 0; i < result->special->len; i++)
    {
      CurrentsBifurcation *b = g_ptr_array_index (result->special, i);
      if (b->kind == kind)
        g_ptr_array_add (out, b);
    }
  return out;
}

static Point *
point_new (gsize N,
           gsize n)
{
  Point *pt = g_new0 (Point, 1);

  pt->z = g_new0 (double, 2 * N + 6 * MAX (n, 1));
  pt->tau = pt->z + N;
  pt->wr = pt->tau + N;
  pt->wi = pt->wr + MAX (n, 1);
  pt->vw = pt->wi + MAX (n, 1);
  return pt;
}

static void
point_free (gpointer data)
{
  Point *pt = data;

  if (pt == NULL)
    return;
  g_free (pt->z);
  g_free (pt);
}

static void
point_copy (Point       *dst,
            const Point *src,
            gsize        N,
            gsize        n)
{
  memcpy (dst->z, src->z, (2 * N + 6 * MAX (n, 1)) * sizeof (double));
  memcpy (dst->psi, src->psi, sizeof src->psi);
  dst->sigma = src->sigma;
  dst->n_unstable = src->n_unstable;
  dst->stable = src->stable;
  dst->test = src->test;
}

static Point *
point_dup (const Point *src,
           gsize        N,
           gsize        n)
{
  Point *pt = point_new (N, n);

  point_copy (pt, src, N, n);
  return pt;
}

static void
task_free (gpointer data)
{
  Task *t = data;

  if (t == NULL)
    return;
  g_free (t->x);
  g_free (t->D);
  point_free (t->bp);
  g_free (t);
}

static void
trace_free (gpointer data)
{
  Trace *tr = data;

  if (tr == NULL)
    return;
  g_free (tr->D);
  g_array_unref (tr->z);
  g_array_unref (tr->tau);
  g_free (tr);
}

static void
tracer_free (Tracer *tr)
{
  if (tr == NULL)
    return;
  g_free (tr->D);
  point_free (tr->a);
  point_free (tr->b);
  point_free (tr->trial);
  point_free (tr->tmp);
  g_free (tr->bb);
  for (guint i = 0; i < 2; i++)
    {
      g_array_unref (tr->pz[i]);
      g_array_unref (tr->ptau[i]);
      g_array_unref (tr->pun[i]);
      g_array_unref (tr->pst[i]);
    }
  g_ptr_array_unref (tr->specials);
  g_ptr_array_unref (tr->switches);
  g_free (tr->z0);
  g_free (tr);
}

static gsize
mode_N (Mode  mode,
        gsize n)
{
  return n + (mode == MODE_EQ ? 1 : mode == MODE_FOLD ? 2 : 3);
}

static Tracer *
tracer_new (CurrentsContinuation *c,
            Mode                  mode)
{
  Tracer *tr = g_new0 (Tracer, 1);
  gsize n = c->n, N = mode_N (mode, n);

  tr->mode = mode;
  tr->N = N;
  tr->D = g_new0 (double, N);
  tr->a = point_new (N, n);
  tr->b = point_new (N, n);
  tr->trial = point_new (N, n);
  tr->tmp = point_new (N, n);
  tr->bb = g_new0 (double, 8 * MAX (n, 1));
  tr->cc = tr->bb + 2 * MAX (n, 1);
  tr->bb0 = tr->bb + 4 * MAX (n, 1);
  for (guint i = 0; i < 2; i++)
    {
      tr->pz[i] = g_array_new (FALSE, FALSE, sizeof (double));
      tr->ptau[i] = g_array_new (FALSE, FALSE, sizeof (double));
      tr->pun[i] = g_array_new (FALSE, FALSE, sizeof (guint));
      tr->pst[i] = g_array_new (FALSE, FALSE, sizeof (gboolean));
    }
  tr->specials = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_bifurcation_free);
  tr->switches = g_ptr_array_new_with_free_func (point_free);
  tr->z0 = g_new0 (double, 2 * N);
  tr->tau0 = tr->z0 + N;
  tr->ds = c->ds_hat;
  return tr;
}

/* ------------------------------------------------------------------------------------ */
/* Small linear algebra                                                                 */

static inline double
dot (const double *a,
     const double *b,
     gsize         k)
{
  double s = 0.0;

  for (gsize i = 0; i < k; i++)
    s += a[i] * b[i];
  return s;
}

static inline double
norm2 (const double *a,
       gsize         k)
{
  return sqrt (dot (a, a, k));
}

static inline double
norm_inf (const double *a,
          gsize         k)
{
  double m = 0.0;

  for (gsize i = 0; i < k; i++)
    m = MAX (m, fabs (a[i]));
  return m;
}

static gboolean
all_finite (const double *a,
            gsize         k)
{
  for (gsize i = 0; i < k; i++)
    if (!isfinite (a[i]))
      return FALSE;
  return TRUE;
}

/* LU of the row-major N×N matrix A in place (LAPACK sees Aᵀ); FALSE when singular. */
static gboolean
lu_factor (double *A,
           gsize   N,
           int    *ipiv)
{
  lapack_int info = LAPACKE_dgetrf_work (LAPACK_COL_MAJOR, (lapack_int) N, (lapack_int) N,
                                         A, (lapack_int) N, ipiv);
  return info == 0;
}

/* Solves A x = b (transpose = FALSE) or Aᵀ x = b for nrhs column-major right-hand sides
 * (b[i + j N]), after lu_factor(A). */
static void
lu_solve (const double *LU,
          gsize         N,
          const int    *ipiv,
          gboolean      transpose,
          double       *b,
          gsize         nrhs)
{
  LAPACKE_dgetrs_work (LAPACK_COL_MAJOR, transpose ? 'N' : 'T', (lapack_int) N,
                       (lapack_int) nrhs, LU, (lapack_int) N, ipiv, b, (lapack_int) N);
}

/* det(A) / Π ‖row_i‖ (Hadamard-scaled: |·| ≤ 1), from the LU and the original rows. */
static double
lu_det_scaled (const double *LU,
               gsize         N,
               const int    *ipiv,
               const double *rownorms)
{
  double d = 1.0;

  for (gsize i = 0; i < N; i++)
    {
      d *= LU[i * N + i] / (rownorms[i] > 0.0 ? rownorms[i] : 1.0);
      if (ipiv[i] != (int) i + 1)
        d = -d;
    }
  return d;
}

/* ------------------------------------------------------------------------------------ */
/* The parameters                                                                       */

static inline double
handle_lambda (const Handle *h,
               double        s)
{
  return h->log ? pow (10.0, s) : s;
}

static inline double
handle_s (const Handle *h,
          double        lambda)
{
  return h->log ? log10 (lambda) : lambda;
}

static inline double
handle_dlds (const Handle *h,
             double        s)
{
  return h->log ? G_LN10 * pow (10.0, s) : 1.0;
}

static void
set_params (CurrentsContinuation *c,
            const double         *s)
{
  for (guint l = 0; l < c->n_par; l++)
    {
      double lam = handle_lambda (&c->h[l], s[l]);

      if (c->h[l].is_input)
        c->u[c->h[l].index] = lam;
      else
        c->p[c->h[l].index] = lam;
    }
}

static double
get_lambda (CurrentsContinuation *c,
            guint                 l)
{
  return c->h[l].is_input ? c->u[c->h[l].index] : c->p[c->h[l].index];
}

/* ------------------------------------------------------------------------------------ */
/* Derivatives                                                                          */

static NeuralDeriv *
neural_deriv_new (const CurrentsNeuralModel *model)
{
  NeuralDeriv *nd = g_new0 (NeuralDeriv, 1);
  const CurrentsNeuralSpec *spec = currents_neural_model_get_spec (model);
  const CurrentsNeuralScaling *sc = currents_neural_model_get_scaling (model);
  gsize n = currents_neural_model_get_n_states (model);
  gsize m = currents_neural_model_get_n_inputs (model);
  gsize nm = MAX (n + m, 1);

  nd->n = n;
  nd->m = m;
  nd->widths[0] = n + m;
  for (gsize l = 0; l < spec->n_hidden; l++)
    nd->widths[l + 1] = spec->hidden[l];
  nd->widths[spec->n_hidden + 1] = n;
  nd->shape.n_layers = spec->n_hidden + 1;
  nd->shape.widths = nd->widths;
  nd->shape.activation = spec->activation;
  nd->x_mean = g_memdup2 (sc->x_mean, n * sizeof (double));
  nd->x_scale = g_memdup2 (sc->x_scale, n * sizeof (double));
  nd->out_scale = g_new (double, n);
  for (gsize i = 0; i < n; i++)
    nd->out_scale[i] = sc->x_scale[i] / sc->t_scale;
  nd->u_mean = g_new0 (double, MAX (m, 1));
  nd->u_scale = g_new0 (double, MAX (m, 1));
  nd->u_offset = g_new0 (double, MAX (m, 1));
  nd->u_log = g_new0 (gboolean, MAX (m, 1));
  for (gsize k = 0; k < m; k++)
    {
      nd->u_mean[k] = sc->u_mean[k];
      nd->u_scale[k] = sc->u_scale[k];
      nd->u_log[k] = sc->u_log != NULL && sc->u_log[k];
      nd->u_offset[k] = nd->u_log[k] ? sc->u_offset[k] : 0.0;
    }
  nd->in = g_new0 (double, nm);
  nd->din = g_new0 (double, nm);
  nd->acts = g_new0 (double, MAX (currents_mlp_n_activations (&nd->shape), 1));
  nd->scratch = g_new0 (double, MAX (currents_mlp_n_scratch (&nd->shape), 1));
  nd->y = g_new0 (double, MAX (n, 1));
  nd->dy = g_new0 (double, MAX (n, 1));
  return nd;
}

static void
neural_deriv_free (NeuralDeriv *nd)
{
  if (nd == NULL)
    return;
  g_free (nd->x_mean);
  g_free (nd->x_scale);
  g_free (nd->out_scale);
  g_free (nd->u_mean);
  g_free (nd->u_scale);
  g_free (nd->u_offset);
  g_free (nd->u_log);
  g_free (nd->in);
  g_free (nd->din);
  g_free (nd->acts);
  g_free (nd->scratch);
  g_free (nd->y);
  g_free (nd->dy);
  g_free (nd);
}

/* The neural field's f, ∂f/∂x and ∂f/∂u_k (the same formulas as currents-neural.c):
 * ∂f_i/∂x_j = c_i ∂g_i/∂ξ_j / σ_x,j,  ∂f_i/∂u_k = c_i ∂g_i/∂η_k · dη_k/du_k. */
static void
neural_fjac (CurrentsContinuation *c,
             const double         *x,
             double               *f,
             double               *J,
             double               *Fs,
             const double         *s)
{
  NeuralDeriv *nd = c->nd;
  gsize n = nd->n, m = nd->m;

  for (gsize j = 0; j < n; j++)
    nd->in[j] = (x[j] - nd->x_mean[j]) / nd->x_scale[j];
  for (gsize k = 0; k < m; k++)
    {
      double v = nd->u_log[k] ? log10 (c->u[k] + nd->u_offset[k]) : c->u[k];
      nd->in[n + k] = (v - nd->u_mean[k]) / nd->u_scale[k];
    }
  currents_mlp_forward (&nd->shape, c->p, nd->in, nd->acts, nd->y);
  for (gsize i = 0; i < n; i++)
    f[i] = nd->out_scale[i] * nd->y[i];
  memset (nd->dy, 0, n * sizeof (double));
  for (gsize i = 0; i < n; i++)
    {
      memset (nd->din, 0, (n + m) * sizeof (double));
      nd->dy[i] = nd->out_scale[i];
      currents_mlp_backward (&nd->shape, c->p, nd->in, nd->acts, nd->dy, nd->din, NULL,
                             nd->scratch);
      nd->dy[i] = 0.0;
      for (gsize j = 0; j < n; j++)
        J[i * n + j] = nd->din[j] / nd->x_scale[j];
      for (guint l = 0; l < c->n_par; l++)
        {
          gsize k = c->h[l].index;
          double deta = nd->u_log[k]
                        ? 1.0 / ((c->u[k] + nd->u_offset[k]) * G_LN10 * nd->u_scale[k])
                        : 1.0 / nd->u_scale[k];

          Fs[l * n + i] = nd->din[n + k] * deta * handle_dlds (&c->h[l], s[l]);
        }
    }
}

/* f, J = ∂f/∂x (n×n row-major) and Fs = ∂f/∂s_l (column l at Fs + l n) at (x, s);
 * FALSE when something is not finite. */
static gboolean
fjac (CurrentsContinuation *c,
      const double         *x,
      const double         *s,
      double               *f,
      double               *J,
      double               *Fs)
{
  gsize n = c->n;

  set_params (c, s);
  switch (c->deriv)
    {
    case DERIV_TAPE:
      currents_field_jacobian (c->fws, c->t, x, c->u, c->p, f, J, NULL);
      for (guint l = 0; l < c->n_par; l++)
        {
          int seed = c->h[l].is_input ? (int) c->h[l].index : (int) (c->m + c->h[l].index);
          double dl = handle_dlds (&c->h[l], s[l]);

          if (!_currents_tape_tangent2 (c->tape, c->tape_ws, c->t, x, c->u, c->p, NULL, seed,
                                        NULL, NULL, Fs + l * n, NULL, NULL))
            return FALSE;
          for (gsize i = 0; i < n; i++)
            Fs[l * n + i] *= dl;
        }
      break;
    case DERIV_NEURAL:
      neural_fjac (c, x, f, J, Fs, s);
      break;
    case DERIV_FIELD:
    default:
      currents_field_jacobian (c->fws, c->t, x, c->u, c->p, f, J, c->jp);
      for (guint l = 0; l < c->n_par; l++)
        {
          double dl = handle_dlds (&c->h[l], s[l]);
          for (gsize i = 0; i < n; i++)
            Fs[l * n + i] = c->jp[i * c->k + c->h[l].index] * dl;
        }
      break;
    }
  return all_finite (f, n) && all_finite (J, n * n) && all_finite (Fs, c->n_par * n);
}

/* out = (∂f_x/∂x · a) b = hvp(a, b) at x (parameters as last set). */
static void
hvp (CurrentsContinuation *c,
     const double         *x,
     const double         *a,
     const double         *b,
     double               *out)
{
  if (!currents_field_hvp (c->fws, c->t, x, c->u, c->p, a, b, out))
    for (gsize i = 0; i < c->n; i++)
      out[i] = NAN;
}

/* out = ∂/∂s_l (f_x w) at x (expression models only). */
static void
mixed (CurrentsContinuation *c,
       const double         *x,
       const double         *s,
       guint                 l,
       const double         *w,
       double               *out)
{
  int seed = c->h[l].is_input ? (int) c->h[l].index : (int) (c->m + c->h[l].index);
  double dl = handle_dlds (&c->h[l], s[l]);

  g_assert (c->deriv == DERIV_TAPE);
  if (!_currents_tape_tangent2 (c->tape, c->tape_ws, c->t, x, c->u, c->p, NULL, seed, w, NULL,
                                NULL, NULL, out))
    for (gsize i = 0; i < c->n; i++)
      out[i] = NAN;
  for (gsize i = 0; i < c->n; i++)
    out[i] *= dl;
}

/* ------------------------------------------------------------------------------------ */
/* The defining systems                                                                 */

/* Bordered fold system at J: v, w, g (borders tr->bb = b, tr->cc = c). */
static gboolean
fold_border (CurrentsContinuation *c,
             Tracer               *tr,
             double               *v,
             double               *w,
             double               *g)
{
  gsize n = c->n, n1 = n + 1;
  double *K = c->K;

  for (gsize i = 0; i < n; i++)
    {
      memcpy (K + i * n1, c->J + i * n, n * sizeof (double));
      K[i * n1 + n] = tr->bb[i];
      K[n * n1 + i] = tr->cc[i];
    }
  K[n * n1 + n] = 0.0;
  if (!lu_factor (K, n1, c->ipivK))
    return FALSE;
  memset (c->X, 0, n1 * sizeof (double));
  c->X[n] = 1.0;
  lu_solve (K, n1, c->ipivK, FALSE, c->X, 1);
  memset (c->Y, 0, n1 * sizeof (double));
  c->Y[n] = 1.0;
  lu_solve (K, n1, c->ipivK, TRUE, c->Y, 1);
  memcpy (v, c->X, n * sizeof (double));
  memcpy (w, c->Y, n * sizeof (double));
  *g = c->X[n];
  return all_finite (c->X, n1) && all_finite (c->Y, n1);
}

/* Bordered Hopf system: M = J² + κI, V, W (n × 2, column j at + j n), G (2×2 row-major:
 * G[i*2+j] = g_ij). */
static gboolean
hopf_border (CurrentsContinuation *c,
             Tracer               *tr,
             double                kappa,
             double               *V,
             double               *W,
             double               *Gm)
{
  gsize n = c->n, n2 = n + 2;
  double *K = c->K, *M = c->M;

  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < n; j++)
      {
        double s = 0.0;
        for (gsize l = 0; l < n; l++)
          s += c->J[i * n + l] * c->J[l * n + j];
        M[i * n + j] = s + (i == j ? kappa : 0.0);
      }
  memset (K, 0, n2 * n2 * sizeof (double));
  for (gsize i = 0; i < n; i++)
    {
      memcpy (K + i * n2, M + i * n, n * sizeof (double));
      for (gsize j = 0; j < 2; j++)
        {
          K[i * n2 + n + j] = tr->bb[j * n + i];
          K[(n + j) * n2 + i] = tr->cc[j * n + i];
        }
    }
  if (!lu_factor (K, n2, c->ipivK))
    return FALSE;
  memset (c->X, 0, 2 * n2 * sizeof (double));
  c->X[n] = 1.0;
  c->X[n2 + n + 1] = 1.0;
  lu_solve (K, n2, c->ipivK, FALSE, c->X, 2);
  memset (c->Y, 0, 2 * n2 * sizeof (double));
  c->Y[n] = 1.0;
  c->Y[n2 + n + 1] = 1.0;
  lu_solve (K, n2, c->ipivK, TRUE, c->Y, 2);
  for (gsize j = 0; j < 2; j++)
    {
      memcpy (V + j * n, c->X + j * n2, n * sizeof (double));
      memcpy (W + j * n, c->Y + j * n2, n * sizeof (double));
      for (gsize i = 0; i < 2; i++)
        Gm[i * 2 + j] = c->X[j * n2 + n + i];
    }
  return all_finite (c->X, 2 * n2) && all_finite (c->Y, 2 * n2);
}

static const int hopf_pairs[6][2] = { { 0, 3 }, { 1, 2 }, { 0, 1 }, { 0, 2 }, { 1, 3 },
                                      { 2, 3 } };

/* G (N−1) and, when DG is not NULL, Ĝ_z ((N−1) × N, scaled columns) at the scaled ẑ.
 * Hopf: when DG4 is not NULL it receives all four G rows' derivatives (4 × N) as well.
 * Leaves c->J, c->f and (fold, Hopf) the bordered vectors in vw (may be NULL). */
static gboolean
sys_eval (CurrentsContinuation *c,
          Tracer               *tr,
          const double         *zh,
          double               *G,
          double               *DG,
          double               *DG4,
          double               *vw)
{
  gsize n = c->n, N = tr->N;
  double *z = c->zraw, *x = c->zraw, *s = c->zraw + n;

  for (gsize i = 0; i < N; i++)
    z[i] = tr->D[i] * zh[i];
  if (!fjac (c, x, s, c->f, c->J, c->Fs))
    return FALSE;
  memcpy (G, c->f, n * sizeof (double));
  if (DG != NULL)
    for (gsize i = 0; i < n; i++)
      {
        double *row = DG + i * N;

        memcpy (row, c->J + i * n, n * sizeof (double));
        for (guint l = 0; l < c->n_par; l++)
          row[n + l] = c->Fs[l * n + i];
        if (tr->mode == MODE_HOPF)
          row[n + 2] = 0.0;
      }

  if (tr->mode == MODE_FOLD)
    {
      double *v = c->JV, *w = c->JtW, g;

      if (!fold_border (c, tr, v, w, &g))
        return FALSE;
      G[n] = g;
      if (vw != NULL)
        {
          memcpy (vw, v, n * sizeof (double));
          memcpy (vw + n, w, n * sizeof (double));
        }
      if (DG != NULL)
        {
          double *row = DG + n * N;

          for (gsize k = 0; k < n; k++)
            {
              memset (c->ek, 0, n * sizeof (double));
              c->ek[k] = 1.0;
              hvp (c, x, c->ek, v, c->hv);
              row[k] = -dot (w, c->hv, n);
            }
          for (guint l = 0; l < 2; l++)
            {
              mixed (c, x, s, l, v, c->hv);
              row[n + l] = -dot (w, c->hv, n);
            }
        }
    }
  else if (tr->mode == MODE_HOPF)
    {
      double kappa = z[n + 2];
      double *V = c->hva, *W = c->hva + 2 * n, Gm[4];

      if (!hopf_border (c, tr, kappa, V, W, Gm))
        return FALSE;
      G[n] = Gm[hopf_pairs[tr->pair][0]];
      G[n + 1] = Gm[hopf_pairs[tr->pair][1]];
      if (vw != NULL)
        memcpy (vw, V, 4 * n * sizeof (double));
      if (DG != NULL || DG4 != NULL)
        {
          double *JVj = c->JV, *JtWi = c->JtW;   /* 2n each */
          double *all = DG4 != NULL ? DG4 : c->DG4;
          double *h = c->hvb;                     /* 4n: hvp(e_k, V_j), hvp(e_k, JV_j) */

          for (gsize j = 0; j < 2; j++)
            for (gsize i = 0; i < n; i++)
              {
                JVj[j * n + i] = dot (c->J + i * n, V + j * n, n);
                {
                  double sum = 0.0;
                  for (gsize l = 0; l < n; l++)
                    sum += c->J[l * n + i] * W[j * n + l];
                  JtWi[j * n + i] = sum;
                }
              }
          for (gsize k = 0; k < n; k++)
            {
              memset (c->ek, 0, n * sizeof (double));
              c->ek[k] = 1.0;
              for (gsize j = 0; j < 2; j++)
                {
                  hvp (c, x, c->ek, V + j * n, h + j * n);
                  hvp (c, x, c->ek, JVj + j * n, h + (2 + j) * n);
                }
              for (gsize i = 0; i < 2; i++)
                for (gsize j = 0; j < 2; j++)
                  all[(i * 2 + j) * N + k] = -(dot (W + i * n, h + (2 + j) * n, n) +
                                               dot (JtWi + i * n, h + j * n, n));
            }
          for (guint l = 0; l < 2; l++)
            {
              for (gsize j = 0; j < 2; j++)
                {
                  mixed (c, x, s, l, V + j * n, h + j * n);
                  mixed (c, x, s, l, JVj + j * n, h + (2 + j) * n);
                }
              for (gsize i = 0; i < 2; i++)
                for (gsize j = 0; j < 2; j++)
                  all[(i * 2 + j) * N + n + l] = -(dot (W + i * n, h + (2 + j) * n, n) +
                                                   dot (JtWi + i * n, h + j * n, n));
            }
          for (gsize i = 0; i < 2; i++)
            for (gsize j = 0; j < 2; j++)
              all[(i * 2 + j) * N + n + 2] = -dot (W + i * n, V + j * n, n);
          if (DG != NULL)
            for (gsize r = 0; r < 2; r++)
              memcpy (DG + (n + r) * N, all + hopf_pairs[tr->pair][r] * N,
                      N * sizeof (double));
        }
    }

  if (DG != NULL)
    for (gsize r = 0; r + 1 < N; r++)
      for (gsize j = 0; j < N; j++)
        DG[r * N + j] *= tr->D[j];
  if (DG4 != NULL)
    for (gsize r = 0; r < 4; r++)
      for (gsize j = 0; j < N; j++)
        DG4[r * N + j] *= tr->D[j];
  return all_finite (G, N - 1) && (DG == NULL || all_finite (DG, (N - 1) * N));
}

/* Hopf: the pair of G entries whose rows make [Ĝ_z; τᵀ] best conditioned at ẑ. */
static gboolean
hopf_choose_pair (CurrentsContinuation *c,
                  Tracer               *tr,
                  const double         *zh,
                  const double         *tau)
{
  gsize n = c->n, N = tr->N;
  double best = -1.0;
  int best_pair = tr->pair;

  if (!sys_eval (c, tr, zh, c->G, c->DG, c->DG4, NULL))
    return FALSE;
  for (int q = 0; q < 6; q++)
    {
      double *rownorm = c->rhs, d;

      memcpy (c->H, c->DG, n * N * sizeof (double));
      memcpy (c->H + n * N, c->DG4 + hopf_pairs[q][0] * N, N * sizeof (double));
      memcpy (c->H + (n + 1) * N, c->DG4 + hopf_pairs[q][1] * N, N * sizeof (double));
      memcpy (c->H + (N - 1) * N, tau, N * sizeof (double));
      for (gsize r = 0; r < N; r++)
        rownorm[r] = norm2 (c->H + r * N, N);
      if (!lu_factor (c->H, N, c->ipiv))
        continue;
      d = fabs (lu_det_scaled (c->H, N, c->ipiv, rownorm));
      if (d > best)
        {
          best = d;
          best_pair = q;
        }
    }
  tr->pair = best_pair;
  return best > 0.0;
}

/* ------------------------------------------------------------------------------------ */
/* Corrector, tangent, tests                                                            */

/* Newton from ẑ (in: the predictor, out: the point) on [G(ẑ); τ₀·(ẑ − ẑ₀) − σ] = 0.
 * Fails when it moves farther than @max_move from the predictor, meets a singular
 * matrix or a non-finite value, or needs more than NEWTON_MAX_IT iterations. */
static gboolean
correct (CurrentsContinuation *c,
         Tracer               *tr,
         const double         *z0,
         const double         *tau0,
         double                sigma,
         double               *zh,
         double                max_move,
         guint                *iterations)
{
  gsize N = tr->N;
  double *zp = c->dz + N;   /* the predictor */

  memcpy (zp, zh, N * sizeof (double));
  for (guint it = 1; it <= NEWTON_MAX_IT; it++)
    {
      double step, moved = 0.0;

      if (!sys_eval (c, tr, zh, c->G, c->DG, NULL, NULL))
        return FALSE;
      memcpy (c->H, c->DG, (N - 1) * N * sizeof (double));
      memcpy (c->H + (N - 1) * N, tau0, N * sizeof (double));
      for (gsize i = 0; i + 1 < N; i++)
        c->dz[i] = -c->G[i];
      {
        double r = -sigma;
        for (gsize i = 0; i < N; i++)
          r += tau0[i] * (zh[i] - z0[i]);
        c->dz[N - 1] = -r;
      }
      if (!lu_factor (c->H, N, c->ipiv))
        return FALSE;
      lu_solve (c->H, N, c->ipiv, FALSE, c->dz, 1);
      if (!all_finite (c->dz, N))
        return FALSE;
      for (gsize i = 0; i < N; i++)
        {
          zh[i] += c->dz[i];
          moved = MAX (moved, fabs (zh[i] - zp[i]));
        }
      if (moved > max_move)
        return FALSE;
      step = norm_inf (c->dz, N);
      if (step <= NEWTON_TOL * (1.0 + norm_inf (zh, N)))
        {
          if (iterations != NULL)
            *iterations = it;
          return TRUE;
        }
    }
  return FALSE;
}

/* Π_{i<j} (μ_i + μ_j) / (|μ_i| + |μ_j| + δ): zero when two eigenvalues sum to zero
 * (a pair ±iω, or a real pair ±μ), real because eigenvalues come in conjugate pairs. */
static double
hopf_product (const double *wr,
              const double *wi,
              gsize         n)
{
  double scale = 0.0, pr = 1.0, pi = 0.0, delta;

  for (gsize i = 0; i < n; i++)
    scale = MAX (scale, hypot (wr[i], wi[i]));
  delta = 1e-12 * (1.0 + scale);
  for (gsize i = 0; i < n; i++)
    for (gsize j = i + 1; j < n; j++)
      {
        double sr = wr[i] + wr[j], si = wi[i] + wi[j];
        double d = hypot (wr[i], wi[i]) + hypot (wr[j], wi[j]) + delta;
        double fr = sr / d, fi = si / d, t;

        t = pr * fr - pi * fi;
        pi = pr * fi + pi * fr;
        pr = t;
      }
  return pr;
}

/* Eigenvalues of c->J into wr, wi; counts. */
static gboolean
eigenvalues (CurrentsContinuation *c,
             double               *wr,
             double               *wi,
             guint                *n_unstable,
             gboolean             *stable)
{
  gsize n = c->n;
  lapack_int info;
  double maxre = -INFINITY;
  guint nu = 0;

  memcpy (c->E, c->J, n * n * sizeof (double));
  /* LAPACK sees Jᵀ, which has the same eigenvalues */
  info = LAPACKE_dgeev_work (LAPACK_COL_MAJOR, 'N', 'N', (lapack_int) n, c->E,
                             (lapack_int) n, wr, wi, NULL, 1, NULL, 1, c->eig_work,
                             c->eig_lwork);
  if (info != 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      maxre = MAX (maxre, wr[i]);
      if (wr[i] > 0.0)
        nu++;
    }
  *n_unstable = nu;
  *stable = maxre < 0.0;
  return TRUE;
}

/* At ẑ: the tangent (oriented by @ref: τ·ref > 0), eigenvalues and test functions. */
static gboolean
point_finish (CurrentsContinuation *c,
              Tracer               *tr,
              Point                *pt,
              const double         *ref)
{
  gsize n = c->n, N = tr->N;
  double *rownorm = c->rhs, nt, det;

  if (!sys_eval (c, tr, pt->z, c->G, c->DG, NULL, pt->vw))
    return FALSE;
  memcpy (c->H, c->DG, (N - 1) * N * sizeof (double));
  memcpy (c->H + (N - 1) * N, ref, N * sizeof (double));
  for (gsize r = 0; r < N; r++)
    rownorm[r] = norm2 (c->H + r * N, N);
  if (!lu_factor (c->H, N, c->ipiv))
    return FALSE;
  memset (pt->tau, 0, N * sizeof (double));
  pt->tau[N - 1] = 1.0;
  lu_solve (c->H, N, c->ipiv, FALSE, pt->tau, 1);
  nt = norm2 (pt->tau, N);
  if (!(nt > 0.0) || !isfinite (nt))
    return FALSE;
  for (gsize i = 0; i < N; i++)
    pt->tau[i] /= nt;
  det = lu_det_scaled (c->H, N, c->ipiv, rownorm);
  if (!eigenvalues (c, pt->wr, pt->wi, &pt->n_unstable, &pt->stable))
    return FALSE;

  memset (pt->psi, 0, sizeof pt->psi);
  switch (tr->mode)
    {
    case MODE_EQ:
      pt->psi[TEST_EQ_FOLD] = pt->tau[n];
      pt->psi[TEST_EQ_HOPF] = hopf_product (pt->wr, pt->wi, n);
      pt->psi[TEST_EQ_BP] = det;
      break;
    case MODE_FOLD:
      {
        const double *v = pt->vw, *w = pt->vw + n;
        double nv = norm2 (v, n), nw = norm2 (w, n);

        hvp (c, c->zraw, v, v, c->hv);
        pt->psi[TEST_FOLD_CUSP] = dot (w, c->hv, n) / (nw * nv * nv);
        pt->psi[TEST_FOLD_BT] = dot (w, v, n) / (nw * nv);
      }
      break;
    case MODE_HOPF:
      pt->psi[TEST_HOPF_BT] = pt->z[n + 2];
      break;
    }
  return all_finite (pt->psi, N_TESTS);
}

static double
test_value (CurrentsContinuation *c,
            Tracer               *tr,
            const Point          *pt,
            int                   test)
{
  if (test >= TEST_END)
    {
      int l = (test - TEST_END) / 2, hi = (test - TEST_END) % 2;
      double s = pt->z[c->n + l] * tr->D[c->n + l];
      return s - (hi ? c->h[l].shi : c->h[l].slo);
    }
  return pt->psi[test];
}

static int
n_tests (Mode mode)
{
  return mode == MODE_EQ ? 3 : mode == MODE_FOLD ? 2 : 1;
}

static gboolean
sign_change (double a,
             double b)
{
  return (a < 0.0 && b > 0.0) || (a > 0.0 && b < 0.0) || (a != 0.0 && b == 0.0);
}

/* The point on the curve at σ along the chord from tr->a (guess: a starting ẑ). */
static gboolean
solve_at (CurrentsContinuation *c,
          Tracer               *tr,
          double                sigma,
          const double         *guess,
          double                max_move,
          Point                *out)
{
  memcpy (out->z, guess, tr->N * sizeof (double));
  if (!correct (c, tr, tr->a->z, tr->a->tau, sigma, out->z, max_move, NULL))
    return FALSE;
  if (!point_finish (c, tr, out, tr->a->tau))
    return FALSE;
  out->sigma = sigma;
  return TRUE;
}

/* Illinois (modified regula falsi) for a zero of test @test between lo and hi (points on
 * the chord from tr->a, σ_lo < σ_hi, with a sign change). */
static gboolean
locate (CurrentsContinuation *c,
        Tracer               *tr,
        int                   test,
        const Point          *lo,
        const Point          *hi,
        Point                *out)
{
  gsize N = tr->N;
  double slo = lo->sigma, shi = hi->sigma;
  double flo = test_value (c, tr, lo, test), fhi = test_value (c, tr, hi, test);
  double tol = LOCATE_TOL * (1.0 + norm_inf (tr->a->z, N));
  g_autofree double *zlo = g_memdup2 (lo->z, N * sizeof (double));
  g_autofree double *zhi = g_memdup2 (hi->z, N * sizeof (double));
  g_autofree double *guess = g_new (double, N);
  gboolean have = FALSE;
  int side = 0;

  if (fhi == 0.0)
    {
      point_copy (out, hi, N, c->n);
      out->test = test;
      return TRUE;
    }
  for (guint it = 0; it < LOCATE_MAX_IT && shi - slo > tol; it++)
    {
      double sg = (slo * fhi - shi * flo) / (fhi - flo), fr, fv;

      if (!(sg > slo && sg < shi) || !isfinite (sg))
        sg = 0.5 * (slo + shi);
      fr = (sg - slo) / (shi - slo);
      for (gsize i = 0; i < N; i++)
        guess[i] = zlo[i] + fr * (zhi[i] - zlo[i]);
      if (!solve_at (c, tr, sg, guess, 2.0 * (shi - slo) + 1e-9, tr->trial))
        {
          /* bisect once before giving up */
          sg = 0.5 * (slo + shi);
          for (gsize i = 0; i < N; i++)
            guess[i] = 0.5 * (zlo[i] + zhi[i]);
          if (!solve_at (c, tr, sg, guess, 2.0 * (shi - slo) + 1e-9, tr->trial))
            break;
        }
      point_copy (out, tr->trial, N, c->n);
      have = TRUE;
      fv = test_value (c, tr, tr->trial, test);
      if (fv == 0.0)
        break;
      if ((fv < 0.0) == (fhi < 0.0))
        {
          shi = sg;
          fhi = fv;
          memcpy (zhi, tr->trial->z, N * sizeof (double));
          if (side == 1)
            flo *= 0.5;
          side = 1;
        }
      else
        {
          slo = sg;
          flo = fv;
          memcpy (zlo, tr->trial->z, N * sizeof (double));
          if (side == -1)
            fhi *= 0.5;
          side = -1;
        }
    }
  if (!have)
    return FALSE;
  out->test = test;
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Special points                                                                       */

/* Re⟨p, z⟩ = Re Σ p̄_i z_i */
static inline double
re_inner (const double *pr,
          const double *pi,
          const double *zr,
          const double *zi,
          gsize         n)
{
  return dot (pr, zr, n) + dot (pi, zi, n);
}

/* C(u, v, v) ≈ [B_{x+hu}(v, v) − B_{x−hu}(v, v)] / 2h (the third derivative along u). */
static void
third (CurrentsContinuation *c,
       const double         *x,
       const double         *u,
       const double         *v,
       double               *xs,
       double               *tmp,
       double               *out)
{
  gsize n = c->n;
  double h = 6e-6 * (1.0 + norm_inf (x, n));

  for (gsize i = 0; i < n; i++)
    xs[i] = x[i] + h * u[i];
  hvp (c, xs, v, v, out);
  for (gsize i = 0; i < n; i++)
    xs[i] = x[i] - h * u[i];
  hvp (c, xs, v, v, tmp);
  for (gsize i = 0; i < n; i++)
    out[i] = (out[i] - tmp[i]) / (2.0 * h);
}

/* At raw x with c->J current: is the zero of the Hopf test a Hopf point (a conjugate pair
 * ±iω) rather than a neutral saddle? Fills ω, q and l₁ (see the top of the file). */
static gboolean
hopf_analyse (CurrentsContinuation *c,
              const double         *x,
              CurrentsBifurcation  *b)
{
  gsize n = c->n;
  g_autofree double *buf = g_new0 (double, 6 * n * n + 40 * n + 8 * n * n);
  double *A = buf, *vl = A + n * n, *vr = vl + n * n, *wr = vr + n * n, *wi = wr + n;
  double *qa = wi + n, *qb = qa + n, *pa = qb + n, *pb = pa + n;
  double *Bqqbar = pb + n, *Bqqr = Bqqbar + n, *Bqqi = Bqqr + n, *r = Bqqi + n;
  double *t1 = r + n, *t2 = t1 + n, *t3 = t2 + n, *xs = t3 + n;
  double *Cr = xs + n, *Ci = Cr + n, *sr = Ci + n, *si = sr + n;
  double *Br = si + n, *Bi = Br + n, *Sr = Bi + n, *Si = Sr + n;
  double *big = Si + n;               /* (2n)² */
  double *ones = big + 4 * n * n;     /* scratch for dgesv rhs */
  g_autofree lapack_int *ipiv = g_new0 (lapack_int, 2 * n + 1);
  double best_c = INFINITY, best_r = INFINITY, omega, cr, ci, cn;
  gsize ic = 0;

  if (n < 2)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < n; j++)
      A[i + j * n] = c->J[i * n + j];
  if (LAPACKE_dgeev (LAPACK_COL_MAJOR, 'V', 'V', (lapack_int) n, A, (lapack_int) n, wr, wi,
                     vl, (lapack_int) n, vr, (lapack_int) n) != 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      double mag = hypot (wr[i], wi[i]);

      if (wi[i] > 0.0 && i + 1 < n)
        {
          double q = fabs (wr[i]) / (mag + 1e-300);
          if (q < best_c)
            {
              best_c = q;
              ic = i;
            }
        }
      for (gsize j = i + 1; j < n; j++)
        if (wi[i] == 0.0 && wi[j] == 0.0)
          {
            double q = fabs (wr[i] + wr[j]) / (fabs (wr[i]) + fabs (wr[j]) + 1e-300);
            best_r = MIN (best_r, q);
          }
    }
  if (!(best_c <= best_r))
    return FALSE;   /* a neutral saddle */

  omega = wi[ic];
  for (gsize i = 0; i < n; i++)
    {
      qa[i] = vr[i + ic * n];
      qb[i] = vr[i + (ic + 1) * n];
      pa[i] = vl[i + ic * n];
      pb[i] = vl[i + (ic + 1) * n];
    }
  cn = sqrt (dot (qa, qa, n) + dot (qb, qb, n));
  for (gsize i = 0; i < n; i++)
    {
      qa[i] /= cn;
      qb[i] /= cn;
    }
  /* ⟨p, q⟩ = p̄ᵀq = c; p ← p / c̄ */
  cr = dot (pa, qa, n) + dot (pb, qb, n);
  ci = dot (pa, qb, n) - dot (pb, qa, n);
  {
    double d = cr * cr + ci * ci;
    for (gsize i = 0; i < n; i++)
      {
        /* p / c̄ = p c / |c|² */
        double ar = pa[i], ai = pb[i];
        pa[i] = (ar * cr - ai * ci) / d;
        pb[i] = (ar * ci + ai * cr) / d;
      }
  }
  b->frequency = omega;
  memcpy (b->evec_re, qa, n * sizeof (double));
  memcpy (b->evec_im, qb, n * sizeof (double));

  if (!c->has_hvp || !c->opt.lyapunov)
    return TRUE;

  /* B(q, q̄) = B(a,a) + B(b,b);  B(q, q) = B(a,a) − B(b,b) + 2i B(a,b) */
  hvp (c, x, qa, qa, t1);
  hvp (c, x, qb, qb, t2);
  hvp (c, x, qa, qb, t3);
  for (gsize i = 0; i < n; i++)
    {
      Bqqbar[i] = t1[i] + t2[i];
      Bqqr[i] = t1[i] - t2[i];
      Bqqi[i] = 2.0 * t3[i];
    }
  /* r = A⁻¹ B(q, q̄) */
  for (gsize i = 0; i < n; i++)
    for (gsize j = 0; j < n; j++)
      A[i + j * n] = c->J[i * n + j];
  memcpy (r, Bqqbar, n * sizeof (double));
  if (LAPACKE_dgesv (LAPACK_COL_MAJOR, (lapack_int) n, 1, A, (lapack_int) n, ipiv, r,
                     (lapack_int) n) != 0)
    return TRUE;
  /* s = (2iωI − A)⁻¹ B(q, q):  [−A  −2ωI; 2ωI  −A] (sr; si) = (Re; Im) */
  {
    gsize n2 = 2 * n;

    memset (big, 0, n2 * n2 * sizeof (double));
    for (gsize i = 0; i < n; i++)
      {
        for (gsize j = 0; j < n; j++)
          {
            big[i + j * n2] = -c->J[i * n + j];
            big[(n + i) + (n + j) * n2] = -c->J[i * n + j];
          }
        big[i + (n + i) * n2] = -2.0 * omega;
        big[(n + i) + i * n2] = 2.0 * omega;
        ones[i] = Bqqr[i];
        ones[n + i] = Bqqi[i];
      }
    if (LAPACKE_dgesv (LAPACK_COL_MAJOR, (lapack_int) n2, 1, big, (lapack_int) n2, ipiv, ones,
                       (lapack_int) n2) != 0)
      return TRUE;
    memcpy (sr, ones, n * sizeof (double));
    memcpy (si, ones + n, n * sizeof (double));
  }
  /* B(q, r) = B(a, r) + i B(b, r) */
  hvp (c, x, qa, r, Br);
  hvp (c, x, qb, r, Bi);
  /* B(q̄, s) = B(a, sr) + B(b, si) + i (B(a, si) − B(b, sr)) */
  hvp (c, x, qa, sr, t1);
  hvp (c, x, qb, si, t2);
  for (gsize i = 0; i < n; i++)
    Sr[i] = t1[i] + t2[i];
  hvp (c, x, qa, si, t1);
  hvp (c, x, qb, sr, t2);
  for (gsize i = 0; i < n; i++)
    Si[i] = t1[i] - t2[i];
  /* C(q, q, q̄) = C(a,a,a) + C(a,b,b) + i (C(b,a,a) + C(b,b,b)) */
  third (c, x, qa, qa, xs, t3, t1);
  third (c, x, qa, qb, xs, t3, t2);
  for (gsize i = 0; i < n; i++)
    Cr[i] = t1[i] + t2[i];
  third (c, x, qb, qa, xs, t3, t1);
  third (c, x, qb, qb, xs, t3, t2);
  for (gsize i = 0; i < n; i++)
    Ci[i] = t1[i] + t2[i];
  /* the hvp calls at shifted x leave the parameters as they were */
  b->lyapunov = (re_inner (pa, pb, Cr, Ci, n) - 2.0 * re_inner (pa, pb, Br, Bi, n) +
                 re_inner (pa, pb, Sr, Si, n)) / (2.0 * omega);
  if (!isfinite (b->lyapunov))
    b->lyapunov = NAN;
  return TRUE;
}

/* Null vectors of c->J (q right, p left) from its SVD. */
static gboolean
null_vectors_J (CurrentsContinuation *c,
                double               *q,
                double               *pl)
{
  gsize n = c->n;

  memcpy (c->S, c->J, n * n * sizeof (double));
  /* LAPACK sees Jᵀ = U Σ Vᵀ, so J = V Σ Uᵀ: J q = 0 for q = U[:, n−1], Jᵀ p = 0 for
   * p = V[:, n−1] = row n−1 of Vᵀ. */
  if (LAPACKE_dgesvd_work (LAPACK_COL_MAJOR, 'A', 'A', (lapack_int) n, (lapack_int) n, c->S,
                           (lapack_int) n, c->sv, c->U, (lapack_int) n, c->VT, (lapack_int) n,
                           c->svd_work, c->svd_lwork) != 0)
    return FALSE;
  for (gsize i = 0; i < n; i++)
    {
      q[i] = c->U[i + (n - 1) * n];
      pl[i] = c->VT[(n - 1) + i * n];
    }
  return TRUE;
}

/* The fold's normal-form coefficient a = ½ pᵀB(q,q) / pᵀq, q along @dir. */
static void
fold_analyse (CurrentsContinuation *c,
              const double         *x,
              const double         *dir,
              CurrentsBifurcation  *b)
{
  gsize n = c->n;
  double *q = b->evec_re, *pl = c->hv + n, pq;

  if (!null_vectors_J (c, q, pl))
    return;
  if (dir != NULL && dot (q, dir, n) < 0.0)
    for (gsize i = 0; i < n; i++)
      q[i] = -q[i];
  if (!c->has_hvp)
    return;
  pq = dot (pl, q, n);
  hvp (c, x, q, q, c->hv);
  if (fabs (pq) > 1e-10)
    b->normal_form = 0.5 * dot (pl, c->hv, n) / pq;
}

/* The second null direction of Ĝ_z at a branch point ẑ (c->DG current), orthogonal to
 * the branch's tangent tau1. */
static gboolean
bp_direction (CurrentsContinuation *c,
              Tracer               *tr,
              const double         *tau1,
              double               *tau2)
{
  gsize N = tr->N;
  double best = -1.0;

  memcpy (c->S, c->DG, (N - 1) * N * sizeof (double));
  if (LAPACKE_dgesvd_work (LAPACK_COL_MAJOR, 'A', 'N', (lapack_int) N, (lapack_int) (N - 1),
                           c->S, (lapack_int) N, c->sv, c->U, (lapack_int) N, c->VT, 1,
                           c->svd_work, c->svd_lwork) != 0)
    return FALSE;
  for (gsize col = N - 2; col < N; col++)
    {
      const double *u = c->U + col * N;
      double d = dot (u, tau1, N), nr;

      for (gsize i = 0; i < N; i++)
        c->rhs[i] = u[i] - d * tau1[i];
      nr = norm2 (c->rhs, N);
      if (nr > best)
        {
          best = nr;
          for (gsize i = 0; i < N; i++)
            tau2[i] = c->rhs[i] / nr;
        }
    }
  return best > 1e-6;
}

/* The null vector of Ĝ_z at ẑ (c->DG current) from its SVD; FALSE when its rank is
 * below N − 1. */
static gboolean
null_tangent (CurrentsContinuation *c,
              Tracer               *tr,
              const double         *A,
              gsize                 rows,
              double               *tau)
{
  gsize N = tr->N, k = MIN (N, rows);

  memcpy (c->S, A, rows * N * sizeof (double));
  if (LAPACKE_dgesvd_work (LAPACK_COL_MAJOR, 'A', 'N', (lapack_int) N, (lapack_int) rows,
                           c->S, (lapack_int) N, c->sv, c->U, (lapack_int) N, c->VT, 1,
                           c->svd_work, c->svd_lwork) != 0)
    return FALSE;
  memcpy (tau, c->U + (N - 1) * N, N * sizeof (double));
  /* rank N − 1 needs the (N−1)-th singular value clear of zero */
  return c->sv[0] > 0.0 && c->sv[MIN (k, N - 1) - 1] > RANK_TOL * c->sv[0];
}

/* ------------------------------------------------------------------------------------ */
/* Tracing                                                                              */

static gsize
pass_len (const Tracer *tr,
          guint         pass)
{
  return tr->pz[pass]->len / tr->N;
}

static void
pass_append (Tracer      *tr,
             const Point *pt)
{
  g_array_append_vals (tr->pz[tr->pass], pt->z, tr->N);
  g_array_append_vals (tr->ptau[tr->pass], pt->tau, tr->N);
  g_array_append_val (tr->pun[tr->pass], pt->n_unstable);
  g_array_append_val (tr->pst[tr->pass], pt->stable);
}

static void
raw_state (const Tracer *tr,
           const double *zh,
           gsize         n,
           double       *x)
{
  for (gsize i = 0; i < n; i++)
    x[i] = tr->D[i] * zh[i];
}

/* Sets the borders of a fold or Hopf tracer from a point's v, w (V, W). */
static void
update_borders (CurrentsContinuation *c,
                Tracer               *tr,
                const Point          *pt)
{
  gsize n = c->n;

  if (tr->mode == MODE_FOLD)
    {
      double nv = norm2 (pt->vw, n), nw = norm2 (pt->vw + n, n);

      if (nv > 0.0 && nw > 0.0 && isfinite (nv + nw))
        for (gsize i = 0; i < n; i++)
          {
            tr->cc[i] = pt->vw[i] / nv;
            tr->bb[i] = pt->vw[n + i] / nw;
          }
    }
  else if (tr->mode == MODE_HOPF)
    {
      /* Gram–Schmidt: V → C, W → B */
      for (gsize set = 0; set < 2; set++)
        {
          const double *src = pt->vw + set * 2 * n;
          double *e0 = c->ek, *e1 = c->rhs, n0, n1, d;

          memcpy (e0, src, n * sizeof (double));
          memcpy (e1, src + n, n * sizeof (double));
          n0 = norm2 (e0, n);
          if (!(n0 > 0.0) || !isfinite (n0))
            continue;
          for (gsize i = 0; i < n; i++)
            e0[i] /= n0;
          d = dot (e0, e1, n);
          for (gsize i = 0; i < n; i++)
            e1[i] -= d * e0[i];
          n1 = norm2 (e1, n);
          if (!(n1 > 1e-12 * n0) || !isfinite (n1))
            continue;
          for (gsize i = 0; i < n; i++)
            e1[i] /= n1;
          memcpy (set == 0 ? tr->cc : tr->bb, e0, n * sizeof (double));
          memcpy ((set == 0 ? tr->cc : tr->bb) + n, e1, n * sizeof (double));
        }
    }
}

/* Distance from the raw point z to the segments of a finished curve, relative to what
 * a chord between two tangents can deviate from the arc. */
static gboolean
on_trace (const Trace  *trc,
          const double *z,
          double       *zh)
{
  gsize N = trc->N, np = trc->z->len / N;
  const double *Z = (const double *) (gpointer) trc->z->data;
  const double *T = (const double *) (gpointer) trc->tau->data;

  for (gsize i = 0; i < N; i++)
    zh[i] = z[i] / trc->D[i];
  for (gsize k = 0; k + 1 < np || (np == 1 && k == 0); k++)
    {
      const double *A = Z + k * N, *B = np == 1 ? A : Z + (k + 1) * N;
      double ab2 = 0.0, t = 0.0, d2 = 0.0, L, cth, tol;

      for (gsize i = 0; i < N; i++)
        {
          ab2 += (B[i] - A[i]) * (B[i] - A[i]);
          t += (zh[i] - A[i]) * (B[i] - A[i]);
        }
      t = ab2 > 0.0 ? CLAMP (t / ab2, 0.0, 1.0) : 0.0;
      for (gsize i = 0; i < N; i++)
        {
          double e = zh[i] - (A[i] + t * (B[i] - A[i]));
          d2 += e * e;
        }
      L = sqrt (ab2);
      cth = np == 1 ? 1.0 : fabs (dot (T + k * N, T + (k + 1) * N, N));
      tol = 1e-6 * (1.0 + norm_inf (zh, N)) + 0.25 * L * acos (MIN (cth, 1.0));
      if (sqrt (d2) <= tol)
        return TRUE;
    }
  return FALSE;
}

static gboolean
on_any_trace (CurrentsContinuation *c,
              Mode                  mode,
              const Tracer         *tr,
              const double         *zh)
{
  gsize N = tr->N;
  g_autofree double *z = g_new (double, 2 * N);

  for (gsize i = 0; i < N; i++)
    z[i] = tr->D[i] * zh[i];
  for (guint k = 0; k < c->traces->len; k++)
    {
      const Trace *trc = g_ptr_array_index (c->traces, k);
      if (trc->mode == mode && on_trace (trc, z, z + N))
        return TRUE;
    }
  return FALSE;
}

static void
add_special (CurrentsContinuation    *c,
             Tracer                  *tr,
             const Point             *pt,
             CurrentsBifurcationKind  kind,
             CurrentsBifurcation     *b)
{
  gsize n = c->n;

  if (b == NULL)
    b = bifurcation_new (kind, n);
  raw_state (tr, pt->z, n, b->state);
  b->param = handle_lambda (&c->h[0], tr->D[n] * pt->z[n]);
  if (tr->mode != MODE_EQ)
    b->param2 = handle_lambda (&c->h[1], tr->D[n + 1] * pt->z[n + 1]);
  b->branch = tr->pass;
  b->point = pass_len (tr, tr->pass);
  g_ptr_array_add (tr->specials, b);
}

static void
end_pass (CurrentsContinuation    *c,
          Tracer                  *tr,
          CurrentsContinuationEnd  why)
{
  tr->end[tr->pass] = why;
  if (tr->pass == 0 && tr->n_passes == 2 && why != CURRENTS_CONTINUATION_END_CLOSED &&
      why != CURRENTS_CONTINUATION_END_CANCELLED)
    {
      gsize N = tr->N;

      tr->pass = 1;
      memcpy (tr->a->z, tr->z0, N * sizeof (double));
      memcpy (tr->bb, tr->bb0, 4 * MAX (c->n, 1) * sizeof (double));
      tr->pair = tr->pair0;
      for (gsize i = 0; i < N; i++)
        c->rhs[N + i] = -tr->tau0[i];
      if (!point_finish (c, tr, tr->a, c->rhs + N))
        {
          tr->end[1] = CURRENTS_CONTINUATION_END_STEP_MIN;
          tr->pass = 2;
          return;
        }
      pass_append (tr, tr->a);
      tr->ds = c->ds_hat;
      return;
    }
  tr->pass = 2;   /* done */
}

static int
compare_sigma (gconstpointer a,
               gconstpointer b)
{
  const Point *pa = *(const Point *const *) a, *pb = *(const Point *const *) b;
  return (pa->sigma > pb->sigma) - (pa->sigma < pb->sigma);
}

/* Handles a located zero; FALSE when it is not a special point after all. */
static gboolean
event_special (CurrentsContinuation *c,
               Tracer               *tr,
               Point                *e)
{
  gsize n = c->n;
  CurrentsBifurcation *b = NULL;
  double *x = c->hv + 2 * n;   /* raw state (n) */

  raw_state (tr, e->z, n, x);
  /* evaluating at the point sets the parameters and c->J there */
  if (!sys_eval (c, tr, e->z, c->G, NULL, NULL, NULL))
    return FALSE;

  switch (tr->mode)
    {
    case MODE_EQ:
      if (e->test == TEST_EQ_FOLD)
        {
          g_autofree double *dir = g_new (double, n);

          /* where [f_x | f_s] loses rank the turn is a branch point (a pitchfork seen from
           * its bifurcating branch), which the determinant reports */
          if (!sys_eval (c, tr, e->z, c->G, c->DG, NULL, NULL))
            return FALSE;
          memcpy (c->S, c->DG, n * tr->N * sizeof (double));
          if (LAPACKE_dgesvd_work (LAPACK_COL_MAJOR, 'N', 'N', (lapack_int) tr->N,
                                   (lapack_int) n, c->S, (lapack_int) tr->N, c->sv, NULL, 1,
                                   NULL, 1, c->svd_work, c->svd_lwork) != 0 ||
              c->sv[n - 1] <= 1e-7 * c->sv[0])
            return FALSE;

          for (gsize i = 0; i < n; i++)
            dir[i] = e->tau[i] * tr->D[i];
          b = bifurcation_new (CURRENTS_BIFURCATION_FOLD, n);
          fold_analyse (c, x, dir, b);
          add_special (c, tr, e, CURRENTS_BIFURCATION_FOLD, b);
        }
      else if (e->test == TEST_EQ_HOPF)
        {
          b = bifurcation_new (CURRENTS_BIFURCATION_HOPF, n);
          if (!hopf_analyse (c, x, b))
            {
              currents_bifurcation_free (b);
              return FALSE;
            }
          add_special (c, tr, e, CURRENTS_BIFURCATION_HOPF, b);
        }
      else if (e->test == TEST_EQ_BP)
        {
          Point *sw;
          g_autofree double *tau2 = g_new (double, tr->N);
          double nc;

          /* [Ĝ_z; τᵀ] is singular here, so the tangent solved there is meaningless: the
           * branch's direction is the step's chord */
          for (gsize i = 0; i < tr->N; i++)
            e->tau[i] = tr->b->z[i] - tr->a->z[i];
          nc = norm2 (e->tau, tr->N);
          for (gsize i = 0; i < tr->N; i++)
            e->tau[i] /= nc;
          sw = point_dup (e, tr->N, n);

          if (!sys_eval (c, tr, e->z, c->G, c->DG, NULL, NULL) ||
              !bp_direction (c, tr, e->tau, tau2))
            {
              point_free (sw);
              return FALSE;
            }
          b = bifurcation_new (CURRENTS_BIFURCATION_BRANCH_POINT, n);
          for (gsize i = 0; i < n; i++)
            b->evec_re[i] = tau2[i] * tr->D[i];
          {
            double nr = norm2 (b->evec_re, n);
            if (nr > 0.0)
              for (gsize i = 0; i < n; i++)
                b->evec_re[i] /= nr;
          }
          add_special (c, tr, e, CURRENTS_BIFURCATION_BRANCH_POINT, b);
          sw->test = (int) tr->specials->len - 1;
          g_ptr_array_add (tr->switches, sw);
        }
      break;
    case MODE_FOLD:
      add_special (c, tr, e, e->test == TEST_FOLD_CUSP ? CURRENTS_BIFURCATION_CUSP
                                                       : CURRENTS_BIFURCATION_BOGDANOV_TAKENS,
                   NULL);
      break;
    case MODE_HOPF:
      add_special (c, tr, e, CURRENTS_BIFURCATION_BOGDANOV_TAKENS, NULL);
      break;
    }
  return TRUE;
}

static gboolean
outside_range (CurrentsContinuation *c,
               Tracer               *tr,
               const Point          *pt)
{
  for (guint l = 0; l < (tr->mode == MODE_EQ ? 1u : 2u); l++)
    {
      double s = tr->D[c->n + l] * pt->z[c->n + l];
      double slack = 1e-12 * (c->h[l].shi - c->h[l].slo);

      if (s < c->h[l].slo - slack || s > c->h[l].shi + slack)
        return TRUE;
    }
  return FALSE;
}

/* One predictor–corrector step of the current pass, with its events. */
static void
tracer_step (CurrentsContinuation *c,
             Tracer               *tr)
{
  gsize n = c->n, N = tr->N;
  Point *a = tr->a, *b = tr->b;
  guint iters = 0;
  double cosang = 1.0, ds;
  int nt = n_tests (tr->mode);
  guint n_par = tr->mode == MODE_EQ ? 1 : 2;
  g_autoptr(GPtrArray) events = NULL;
  const Point *end_event = NULL;

  for (;;)
    {
      gboolean ok = TRUE;

      ds = tr->ds;
      for (gsize i = 0; i < N; i++)
        b->z[i] = a->z[i] + ds * a->tau[i];
      if (tr->mode == MODE_HOPF)
        ok = hopf_choose_pair (c, tr, b->z, a->tau);
      ok = ok && correct (c, tr, a->z, a->tau, ds, b->z, ds, &iters) &&
           point_finish (c, tr, b, a->tau);
      if (ok)
        {
          b->sigma = 0.0;
          for (gsize i = 0; i < N; i++)
            b->sigma += a->tau[i] * (b->z[i] - a->z[i]);
          cosang = dot (a->tau, b->tau, N);
          if (cosang < COS_MAX_TURN && ds > 2.0 * c->ds_min_hat)
            ok = FALSE;
        }
      if (ok && tr->mode == MODE_EQ && ds > 2.0 * c->ds_min_hat)
        {
          /* refuse steps over crossings the test functions cannot account for */
          int du = abs ((int) b->n_unstable - (int) a->n_unstable);
          int nf = sign_change (a->psi[TEST_EQ_FOLD], b->psi[TEST_EQ_FOLD]);
          int nh = sign_change (a->psi[TEST_EQ_HOPF], b->psi[TEST_EQ_HOPF]);
          int nb = sign_change (a->psi[TEST_EQ_BP], b->psi[TEST_EQ_BP]);

          if (du % 2 != (nf + nb) % 2 || du > nf + nb + 2 * nh)
            ok = FALSE;
        }
      if (ok)
        break;
      tr->ds = 0.5 * ds;
      if (tr->ds < c->ds_min_hat)
        {
          end_pass (c, tr, CURRENTS_CONTINUATION_END_STEP_MIN);
          return;
        }
    }
  a->sigma = 0.0;

  /* located zeros of the test functions and of the range ends */
  events = g_ptr_array_new_with_free_func (point_free);
  for (int i = 0; i < nt; i++)
    if (sign_change (a->psi[i], b->psi[i]))
      {
        Point *e = point_new (N, n);
        if (locate (c, tr, i, a, b, e))
          g_ptr_array_add (events, e);
        else
          point_free (e);
      }
  for (guint l = 0; l < n_par; l++)
    for (int hi = 0; hi < 2; hi++)
      {
        int test = TEST_END + 2 * (int) l + hi;

        if (sign_change (test_value (c, tr, a, test), test_value (c, tr, b, test)))
          {
            Point *e = point_new (N, n);
            if (locate (c, tr, test, a, b, e))
              g_ptr_array_add (events, e);
            else
              point_free (e);
          }
      }
  /* between the located points, look again: a Hopf point next to a fold shows only on
   * one side of it */
  for (int round = 0; round < 3 && events->len > 0; round++)
    {
      g_autoptr(GPtrArray) found = g_ptr_array_new ();

      g_ptr_array_sort (events, compare_sigma);
      for (int i = 0; i < nt; i++)
        {
          const Point *prev = a;

          for (guint k = 0; k <= events->len; k++)
            {
              const Point *q = k < events->len ? g_ptr_array_index (events, k) : b;
              gboolean known = FALSE;

              if (k < events->len && (q->test == i || q->test >= TEST_END))
                continue;
              if (!sign_change (prev->psi[i], q->psi[i]))
                {
                  prev = q;
                  continue;
                }
              for (guint e = 0; e < events->len; e++)
                {
                  const Point *ev = g_ptr_array_index (events, e);
                  if (ev->test == i && ev->sigma > prev->sigma && ev->sigma < q->sigma)
                    known = TRUE;
                }
              for (guint e = 0; e < found->len; e++)
                {
                  const Point *ev = g_ptr_array_index (found, e);
                  if (ev->test == i && ev->sigma > prev->sigma && ev->sigma < q->sigma)
                    known = TRUE;
                }
              if (!known)
                {
                  Point *e = point_new (N, n);
                  if (locate (c, tr, i, prev, q, e))
                    g_ptr_array_add (found, e);
                  else
                    point_free (e);
                }
              prev = q;
            }
        }
      if (found->len == 0)
        break;
      for (guint k = 0; k < found->len; k++)
        g_ptr_array_add (events, g_ptr_array_index (found, k));
    }
  g_ptr_array_sort (events, compare_sigma);

  for (guint k = 0; k < events->len; k++)
    {
      const Point *e = g_ptr_array_index (events, k);
      if (e->test >= TEST_END)
        {
          end_event = e;
          break;
        }
    }

  for (guint k = 0; k < events->len; k++)
    {
      Point *e = g_ptr_array_index (events, k);

      if (end_event != NULL && e->sigma > end_event->sigma)
        break;
      if (e->test >= TEST_END)
        {
          int l = (e->test - TEST_END) / 2;

          /* exactly on the range's end (the state moves by ~1e-16 for it) */
          e->z[n + l] = ((e->test - TEST_END) % 2 ? c->h[l].shi : c->h[l].slo) / tr->D[n + l];
          pass_append (tr, e);
          end_pass (c, tr, CURRENTS_CONTINUATION_END_RANGE);
          return;
        }
      if (!event_special (c, tr, e))
        continue;
      pass_append (tr, e);
      if (tr->mode == MODE_HOPF && e->test == TEST_HOPF_BT)
        {
          end_pass (c, tr, CURRENTS_CONTINUATION_END_SPECIAL);
          return;
        }
    }

  if (outside_range (c, tr, b))
    {
      /* (a start on the range's edge facing out) */
      end_pass (c, tr, CURRENTS_CONTINUATION_END_RANGE);
      return;
    }
  pass_append (tr, b);

  {
    gboolean outside = FALSE;

    for (gsize i = 0; i < n; i++)
      {
        double x = tr->D[i] * b->z[i];
        if (x < c->exit_lo[i] || x > c->exit_hi[i])
          outside = TRUE;
      }
    if (outside)
      {
        end_pass (c, tr, CURRENTS_CONTINUATION_END_BOX);
        return;
      }
  }
  if (tr->pass == 0 && pass_len (tr, 0) >= 4)
    {
      /* back at the start: a closed curve */
      Trace seg = { tr->mode, N, tr->D, NULL, NULL };
      g_autofree double *z = g_new (double, 2 * N);
      g_autoptr(GArray) zz = g_array_new (FALSE, FALSE, sizeof (double));
      g_autoptr(GArray) tt = g_array_new (FALSE, FALSE, sizeof (double));

      g_array_append_vals (zz, a->z, N);
      g_array_append_vals (zz, b->z, N);
      g_array_append_vals (tt, a->tau, N);
      g_array_append_vals (tt, b->tau, N);
      seg.z = zz;
      seg.tau = tt;
      for (gsize i = 0; i < N; i++)
        z[i] = tr->D[i] * tr->z0[i];
      if (on_trace (&seg, z, z + N))
        {
          memcpy (b->z, tr->z0, N * sizeof (double));
          memcpy (b->tau, tr->tau0, N * sizeof (double));
          pass_append (tr, b);
          end_pass (c, tr, CURRENTS_CONTINUATION_END_CLOSED);
          return;
        }
    }
  /* half the points each way when the branch goes both ways from its start */
  if (pass_len (tr, 0) + (pass_len (tr, 1) > 0 ? pass_len (tr, 1) - 1 : 0) >= c->opt.max_points ||
      (tr->pass == 0 && tr->n_passes == 2 && pass_len (tr, 0) >= (c->opt.max_points + 1) / 2))
    {
      end_pass (c, tr, CURRENTS_CONTINUATION_END_MAX_POINTS);
      return;
    }

  update_borders (c, tr, b);
  if (iters <= 2 && cosang > 0.995)
    tr->ds = MIN (1.5 * ds, c->ds_max_hat);
  else if (iters >= 6)
    tr->ds = MAX (ds / 1.5, c->ds_min_hat);
  tr->a = b;
  tr->b = a;
}

/* ------------------------------------------------------------------------------------ */
/* Branches                                                                             */

static gboolean
same_special (const CurrentsBifurcation *a,
              const CurrentsBifurcation *b)
{
  double dx = 0.0, xs = 0.0;

  if (a->kind != b->kind)
    return FALSE;
  if (fabs (a->param - b->param) > 1e-6 * (1.0 + fabs (a->param)))
    return FALSE;
  if (isfinite (a->param2) &&
      fabs (a->param2 - b->param2) > 1e-6 * (1.0 + fabs (a->param2)))
    return FALSE;
  for (gsize i = 0; i < a->n; i++)
    {
      dx = MAX (dx, fabs (a->state[i] - b->state[i]));
      xs = MAX (xs, fabs (a->state[i]));
    }
  return dx <= 1e-5 * (1.0 + xs);
}

/* Moves a finished tracer into the result: one branch in arclength order, its special
 * points (each once), its branch points to leave, and its trace for deduplication. */
static void
tracer_finish (CurrentsContinuation *c,
               Tracer               *tr)
{
  gsize n = c->n, N = tr->N;
  gsize len0 = pass_len (tr, 0), len1 = pass_len (tr, 1);
  gsize off = len1 > 0 ? len1 - 1 : 0, total = off + len0;
  CurrentsContinuationBranch *br;
  Trace *trc;
  guint index = c->result.branches->len;
  gboolean two_param = tr->mode != MODE_EQ;

  if (total == 0)
    return;
  br = g_new0 (CurrentsContinuationBranch, 1);
  br->kind = tr->mode == MODE_EQ ? CURRENTS_CURVE_EQUILIBRIA
             : tr->mode == MODE_FOLD ? CURRENTS_CURVE_FOLDS : CURRENTS_CURVE_HOPF;
  br->n = n;
  br->n_points = total;
  br->param = g_new (double, total);
  br->param2 = two_param ? g_new (double, total) : NULL;
  br->state = g_new (double, total * MAX (n, 1));
  br->stable = g_new (gboolean, total);
  br->n_unstable = g_new (guint, total);
  br->frequency = tr->mode == MODE_HOPF ? g_new (double, total) : NULL;
  br->end_last = tr->end[0];
  br->end_first = tr->from_bp ? CURRENTS_CONTINUATION_END_BRANCH_POINT
                  : tr->n_passes == 2 && tr->end[0] != CURRENTS_CONTINUATION_END_CLOSED
                  ? tr->end[1] : tr->end[0];

  trc = g_new0 (Trace, 1);
  trc->mode = tr->mode;
  trc->N = N;
  trc->D = g_memdup2 (tr->D, N * sizeof (double));
  trc->z = g_array_sized_new (FALSE, FALSE, sizeof (double), total * N);
  trc->tau = g_array_sized_new (FALSE, FALSE, sizeof (double), total * N);

  for (gsize k = 0; k < total; k++)
    {
      guint pass = k < off ? 1 : 0;
      gsize i = k < off ? len1 - 1 - k : k - off;
      const double *z = &g_array_index (tr->pz[pass], double, i * N);
      const double *t = &g_array_index (tr->ptau[pass], double, i * N);

      br->param[k] = handle_lambda (&c->h[0], tr->D[n] * z[n]);
      if (two_param)
        br->param2[k] = handle_lambda (&c->h[1], tr->D[n + 1] * z[n + 1]);
      raw_state (tr, z, n, br->state + k * n);
      br->stable[k] = g_array_index (tr->pst[pass], gboolean, i);
      br->n_unstable[k] = g_array_index (tr->pun[pass], guint, i);
      if (br->frequency != NULL)
        {
          double kappa = tr->D[n + 2] * z[n + 2];
          br->frequency[k] = kappa > 0.0 ? sqrt (kappa) : NAN;
        }
      g_array_append_vals (trc->z, z, N);
      g_array_append_vals (trc->tau, t, N);
    }
  g_ptr_array_add (c->result.branches, br);
  g_ptr_array_add (c->traces, trc);

  for (guint s = 0; s < tr->specials->len; s++)
    {
      CurrentsBifurcation *b = g_ptr_array_index (tr->specials, s);
      gboolean dup = FALSE;

      b->point = b->branch == 1 ? len1 - 1 - b->point : off + b->point;
      b->branch = index;
      for (guint k = 0; k < c->result.special->len && !dup; k++)
        dup = same_special (g_ptr_array_index (c->result.special, k), b);
      if (dup)
        continue;
      g_ptr_array_add (c->result.special, currents_bifurcation_copy (b));
      if (b->kind == CURRENTS_BIFURCATION_BRANCH_POINT && c->opt.switch_branches)
        for (guint w = 0; w < tr->switches->len; w++)
          {
            Point *sw = g_ptr_array_index (tr->switches, w);

            if (sw->test != (int) s)
              continue;
            for (int sign = 1; sign >= -1; sign -= 2)
              {
                Task *task = g_new0 (Task, 1);

                task->kind = TASK_SWITCH;
                task->bp = point_dup (sw, N, n);
                task->D = g_memdup2 (tr->D, N * sizeof (double));
                task->sign = sign;
                g_queue_push_tail (&c->tasks, task);
              }
          }
    }
  c->n_traced++;
}

/* Scales for a tracer: states by the box, parameters by their ranges, κ by its start. */
static void
set_scales (CurrentsContinuation *c,
            Tracer               *tr,
            double                kappa0)
{
  gsize n = c->n;

  for (gsize i = 0; i < n; i++)
    tr->D[i] = MAX (c->box_hi[i] - c->box_lo[i], 1e-12);
  for (guint l = 0; l < (tr->mode == MODE_EQ ? 1u : 2u); l++)
    tr->D[n + l] = c->h[l].shi - c->h[l].slo;
  if (tr->mode == MODE_HOPF)
    tr->D[n + 2] = MAX (fabs (kappa0), 1e-8);
}

static void
orient_start (Tracer *tr,
              gsize   comp,
              double *tau)
{
  gsize N = tr->N, big = 0;
  double sign;

  for (gsize i = 0; i < N; i++)
    if (fabs (tau[i]) > fabs (tau[big]))
      big = i;
  sign = fabs (tau[comp]) > 1e-9 ? tau[comp] : tau[big];
  if (sign < 0.0)
    for (gsize i = 0; i < N; i++)
      tau[i] = -tau[i];
}

/* Makes the tracer for a task, or NULL when the task's curve is already known or the
 * start is singular. */
static Tracer *
task_begin (CurrentsContinuation *c,
            Task                 *task)
{
  gsize n = c->n;
  Tracer *tr;
  Mode mode = task->kind == TASK_FOLD ? MODE_FOLD
              : task->kind == TASK_HOPF ? MODE_HOPF : MODE_EQ;
  gsize N;
  g_autofree double *tau = NULL;

  tr = tracer_new (c, mode);
  N = tr->N;
  tau = g_new0 (double, N);

  if (task->kind == TASK_SWITCH)
    {
      Point *bp = task->bp;
      g_autofree double *tau2 = g_new (double, N);
      double h = c->ds_hat;

      memcpy (tr->D, task->D, N * sizeof (double));
      if (!sys_eval (c, tr, bp->z, c->G, c->DG, NULL, NULL) ||
          !bp_direction (c, tr, bp->tau, tau2))
        goto skip;
      for (gsize i = 0; i < N; i++)
        {
          tau2[i] *= task->sign;
          tr->a->z[i] = bp->z[i] + h * tau2[i];
        }
      if (!correct (c, tr, bp->z, tau2, h, tr->a->z, h, NULL) ||
          !point_finish (c, tr, tr->a, tau2))
        goto skip;
      if (on_any_trace (c, MODE_EQ, tr, tr->a->z))
        goto skip;
      /* the branch point itself first, then the new point */
      memcpy (bp->tau, tau2, N * sizeof (double));
      tr->from_bp = TRUE;
      tr->n_passes = 1;
      memcpy (tr->z0, bp->z, N * sizeof (double));
      memcpy (tr->tau0, tau2, N * sizeof (double));
      pass_append (tr, bp);
      pass_append (tr, tr->a);
      return tr;
    }

  if (mode == MODE_EQ)
    {
      set_scales (c, tr, 0.0);
      for (gsize i = 0; i < n; i++)
        tr->a->z[i] = task->x[i] / tr->D[i];
      tr->a->z[n] = task->s[0] / tr->D[n];
      if (!sys_eval (c, tr, tr->a->z, c->G, c->DG, NULL, NULL))
        goto skip;
      if (!null_tangent (c, tr, c->DG, N - 1, tau))
        {
          c->n_singular_starts++;
          goto skip;
        }
      orient_start (tr, n, tau);
    }
  else if (mode == MODE_FOLD)
    {
      g_autofree double *q = g_new (double, 2 * n);

      set_scales (c, tr, 0.0);
      for (gsize i = 0; i < n; i++)
        tr->a->z[i] = task->x[i] / tr->D[i];
      tr->a->z[n] = task->s[0] / tr->D[n];
      tr->a->z[n + 1] = task->s[1] / tr->D[n + 1];
      if (!fjac (c, task->x, task->s, c->f, c->J, c->Fs) || !null_vectors_J (c, q, q + n))
        goto skip;
      memcpy (tr->cc, q, n * sizeof (double));
      memcpy (tr->bb, q + n, n * sizeof (double));
      if (!sys_eval (c, tr, tr->a->z, c->G, c->DG, NULL, NULL) ||
          !null_tangent (c, tr, c->DG, N - 1, tau))
        goto skip;
      orient_start (tr, n + 1, tau);
    }
  else
    {
      double kappa0 = task->omega * task->omega;
      double *M = c->M;

      set_scales (c, tr, kappa0);
      for (gsize i = 0; i < n; i++)
        tr->a->z[i] = task->x[i] / tr->D[i];
      tr->a->z[n] = task->s[0] / tr->D[n];
      tr->a->z[n + 1] = task->s[1] / tr->D[n + 1];
      tr->a->z[n + 2] = kappa0 / tr->D[n + 2];
      if (!fjac (c, task->x, task->s, c->f, c->J, c->Fs))
        goto skip;
      for (gsize i = 0; i < n; i++)
        for (gsize j = 0; j < n; j++)
          {
            double s = 0.0;
            for (gsize l = 0; l < n; l++)
              s += c->J[i * n + l] * c->J[l * n + j];
            M[i * n + j] = s + (i == j ? kappa0 : 0.0);
          }
      memcpy (c->S, M, n * n * sizeof (double));
      if (LAPACKE_dgesvd_work (LAPACK_COL_MAJOR, 'A', 'A', (lapack_int) n, (lapack_int) n,
                               c->S, (lapack_int) n, c->sv, c->U, (lapack_int) n, c->VT,
                               (lapack_int) n, c->svd_work, c->svd_lwork) != 0)
        goto skip;
      for (gsize j = 0; j < 2; j++)
        for (gsize i = 0; i < n; i++)
          {
            tr->cc[j * n + i] = c->U[i + (n - 2 + j) * n];
            tr->bb[j * n + i] = c->VT[(n - 2 + j) + i * n];
          }
      /* the tangent from all four G rows, then the best pair */
      if (!sys_eval (c, tr, tr->a->z, c->G, c->DG, c->DG4, NULL))
        goto skip;
      memcpy (c->H, c->DG, n * N * sizeof (double));
      memcpy (c->H + n * N, c->DG4, 4 * N * sizeof (double));
      if (!null_tangent (c, tr, c->H, n + 4, tau))
        goto skip;
      orient_start (tr, n + 1, tau);
      if (!hopf_choose_pair (c, tr, tr->a->z, tau))
        goto skip;
    }

  if (on_any_trace (c, mode, tr, tr->a->z))
    goto skip;
  if (!point_finish (c, tr, tr->a, tau))
    goto skip;
  memcpy (tr->bb0, tr->bb, 4 * MAX (n, 1) * sizeof (double));
  tr->pair0 = tr->pair;
  tr->n_passes = 2;
  memcpy (tr->z0, tr->a->z, N * sizeof (double));
  memcpy (tr->tau0, tr->a->tau, N * sizeof (double));
  pass_append (tr, tr->a);
  return tr;

skip:
  tracer_free (tr);
  return NULL;
}

/* ------------------------------------------------------------------------------------ */
/* Public interface                                                                     */

void
currents_continuation_options_init (CurrentsContinuationOptions *options)
{
  g_return_if_fail (options != NULL);
  memset (options, 0, sizeof *options);
  options->lo = options->hi = NAN;
  options->lo2 = options->hi2 = NAN;
  options->start = NAN;
  options->max_points = 1000;
  options->max_branches = 32;
  options->switch_branches = TRUE;
  options->lyapunov = TRUE;
  options->seed = 1;
}

void
currents_continuation_default_box (const CurrentsSystem *system,
                                   double               *lo,
                                   double               *hi)
{
  currents_system_get_default_box (system, lo, hi);
}

static gboolean
resolve_handle (CurrentsSystem *system,
                const char     *name,
                double          lo,
                double          hi,
                gboolean        log_scale,
                Handle         *h,
                GError        **error)
{
  int k, j;

  if (name == NULL || *name == '\0')
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "continuation: no parameter given");
      return FALSE;
    }
  k = currents_system_find_param (system, name);
  j = currents_system_find_input (system, name);
  if (k < 0 && j < 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the %s has no parameter or input named '%s'",
                   currents_system_describe_kind (system), name);
      return FALSE;
    }
  if (!isfinite (lo) || !isfinite (hi))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "continuation in %s: the range %g:%g is not finite", name, lo, hi);
      return FALSE;
    }
  if (!(lo < hi))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "continuation in %s: the range %g:%g is %s; LO must be below HI", name,
                   lo, hi, lo == hi ? "empty (zero width)" : "inverted");
      return FALSE;
    }
  if (log_scale && !(lo > 0.0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "continuation in %s on a log scale needs a positive range (found %g:%g)",
                   name, lo, hi);
      return FALSE;
    }
  h->is_input = k < 0;
  h->index = (gsize) (k >= 0 ? k : j);
  h->log = log_scale;
  h->lo = lo;
  h->hi = hi;
  h->slo = handle_s (h, lo);
  h->shi = handle_s (h, hi);
  h->name = g_strdup (name);
  return TRUE;
}

static CurrentsContinuation *
cont_new (CurrentsSystem                    *system,
          const char                        *param,
          const char                        *param2,
          const CurrentsContinuationOptions *options,
          GError                           **error)
{
  g_autoptr(CurrentsContinuation) c = g_new0 (CurrentsContinuation, 1);
  gsize n, N, big;
  const CurrentsModel *model;
  const CurrentsTrainedModel *tm;
  double lam0, W;
  lapack_int lw;
  double q;

  c->traces = g_ptr_array_new_with_free_func (trace_free);
  c->result.branches = g_ptr_array_new_with_free_func (branch_free);
  c->result.special = g_ptr_array_new_with_free_func ((GDestroyNotify) currents_bifurcation_free);
  g_queue_init (&c->tasks);
  c->opt = *options;
  c->opt.box_lo = c->opt.box_hi = NULL;
  if (c->opt.max_points < 2)
    c->opt.max_points = options->max_points == 0 ? 1000 : 2;
  if (c->opt.max_branches == 0)
    c->opt.max_branches = 32;

  c->field = currents_field_ref (currents_system_get_field (system));
  c->n = n = currents_system_get_n_states (system);
  c->m = currents_system_get_n_inputs (system);
  c->k = currents_system_get_n_params (system);
  if (n == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "continuation: the model has no states");
      return NULL;
    }
  c->p = g_memdup2 (currents_system_get_params (system), MAX (c->k, 1) * sizeof (double));
  c->u = g_memdup2 (currents_system_get_inputs (system), MAX (c->m, 1) * sizeof (double));
  c->t = isfinite (options->t) ? options->t : 0.0;
  c->frozen = !currents_field_is_autonomous (c->field);
  c->fws = currents_field_workspace_new (c->field);
  c->has_hvp = currents_field_has_hvp (c->field);

  if (!resolve_handle (system, param, options->lo, options->hi, options->log_scale, &c->h[0],
                       error))
    return NULL;
  c->n_par = 1;
  if (param2 != NULL)
    {
      if (!resolve_handle (system, param2, options->lo2, options->hi2, options->log_scale2,
                           &c->h[1], error))
        return NULL;
      if (c->h[1].is_input == c->h[0].is_input && c->h[1].index == c->h[0].index)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "two-parameter continuation needs two different parameters (both "
                       "are '%s')", param);
          return NULL;
        }
      c->n_par = 2;
      c->two = TRUE;
      if (!(get_lambda (c, 1) >= c->h[1].lo && get_lambda (c, 1) <= c->h[1].hi))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "two-parameter continuation starts at %s = %g, outside its range "
                       "%g:%g (set it inside)", param2, get_lambda (c, 1), c->h[1].lo,
                       c->h[1].hi);
          return NULL;
        }
    }

  /* how to differentiate with respect to the parameters */
  model = currents_system_get_model (system);
  tm = currents_system_get_trained (system);
  /* (a Hamiltonian's or a reaction network's field is its engine's, not a tape) */
  if (model != NULL && currents_model_get_field (model) == c->field &&
      currents_model_get_family (model) == CURRENTS_MODEL_EQUATIONS)
    {
      c->deriv = DERIV_TAPE;
      c->tape = currents_field_get_impl (c->field);
      c->tape_ws = _currents_field_workspace_get_impl_ws (c->fws);
    }
  else if (tm != NULL && currents_trained_model_get_neural (tm) != NULL)
    {
      c->deriv = DERIV_NEURAL;
      c->nd = neural_deriv_new (currents_trained_model_get_neural (tm));
    }
  else
    {
      c->deriv = DERIV_FIELD;
      for (guint l = 0; l < c->n_par; l++)
        if (c->h[l].is_input)
          {
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                         "continuation in the input '%s' needs the derivative ∂f/∂u, which "
                         "this kind of model does not provide", c->h[l].name);
            return NULL;
          }
    }
  if (c->two && (!c->has_hvp || c->deriv != DERIV_TAPE))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   "two-parameter continuation needs the model's exact second derivatives "
                   "(available for equation models); this %s has none",
                   currents_system_describe_kind (system));
      return NULL;
    }

  /* the start and the steps */
  lam0 = options->start;
  if (!isfinite (lam0))
    lam0 = get_lambda (c, 0);
  lam0 = CLAMP (lam0, c->h[0].lo, c->h[0].hi);
  c->start_lambda = lam0;
  W = c->h[0].shi - c->h[0].slo;
  c->ds_hat = options->ds > 0.0 ? options->ds / W : 0.01;
  c->ds_max_hat = options->ds_max > 0.0 ? options->ds_max / W : 0.04;
  c->ds_min_hat = options->ds_min > 0.0 ? options->ds_min / W : 1e-7;
  c->ds_max_hat = MAX (c->ds_max_hat, c->ds_hat);
  c->ds_min_hat = MIN (c->ds_min_hat, c->ds_hat);
  if (!isfinite (c->ds_hat + c->ds_max_hat + c->ds_min_hat))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "continuation: the step sizes are not finite");
      return NULL;
    }

  /* the box */
  c->box_lo = g_new (double, 4 * n);
  c->box_hi = c->box_lo + n;
  c->exit_lo = c->box_hi + n;
  c->exit_hi = c->exit_lo + n;
  if (options->box_lo != NULL && options->box_hi != NULL)
    {
      memcpy (c->box_lo, options->box_lo, n * sizeof (double));
      memcpy (c->box_hi, options->box_hi, n * sizeof (double));
    }
  else
    currents_continuation_default_box (system, c->box_lo, c->box_hi);
  for (gsize i = 0; i < n; i++)
    {
      double w = c->box_hi[i] - c->box_lo[i];

      if (!isfinite (w) || !(w > 0.0))
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "continuation: the box of state %" G_GSIZE_FORMAT " (%g:%g) is empty "
                       "or not finite", i, c->box_lo[i], c->box_hi[i]);
          return NULL;
        }
      c->exit_lo[i] = c->box_lo[i] - 10.0 * w;
      c->exit_hi[i] = c->box_hi[i] + 10.0 * w;
    }

  /* workspace */
  c->Nmax = N = n + 3;
  big = (N + 1) * (N + 1);
  c->zraw = g_new0 (double, N);
  c->dz = g_new0 (double, 2 * N);
  c->rhs = g_new0 (double, 2 * N);
  c->G = g_new0 (double, N);
  c->DG = g_new0 (double, big);
  c->DG4 = g_new0 (double, 4 * N);
  c->H = g_new0 (double, big + 4 * N);
  c->f = g_new0 (double, n);
  c->J = g_new0 (double, n * n);
  c->Fs = g_new0 (double, 2 * n);
  c->jp = g_new0 (double, MAX (n * c->k, 1));
  c->ipiv = g_new0 (int, N + 1);
  c->ipivK = g_new0 (int, N + 1);
  c->K = g_new0 (double, (n + 2) * (n + 2));
  c->X = g_new0 (double, 2 * (n + 2));
  c->Y = g_new0 (double, 2 * (n + 2));
  c->M = g_new0 (double, n * n);
  c->JV = g_new0 (double, 2 * n);
  c->JtW = g_new0 (double, 2 * n);
  c->hv = g_new0 (double, 3 * n);
  c->ek = g_new0 (double, n);
  c->hva = g_new0 (double, 4 * n);
  c->hvb = g_new0 (double, 4 * n);
  c->E = g_new0 (double, n * n);
  c->wr = g_new0 (double, n);
  c->wi = g_new0 (double, n);
  c->S = g_new0 (double, big + N);
  c->sv = g_new0 (double, N + 1);
  c->U = g_new0 (double, N * N);
  c->VT = g_new0 (double, N * N);

  LAPACKE_dgeev_work (LAPACK_COL_MAJOR, 'N', 'N', (lapack_int) n, c->E, (lapack_int) n,
                      c->wr, c->wi, NULL, 1, NULL, 1, &q, -1);
  c->eig_lwork = MAX ((int) q, 4 * (int) n) + 8;
  c->eig_work = g_new0 (double, c->eig_lwork);
  lw = 0;
  {
    const gsize shapes[][2] = { { n, n }, { N, N - 1 }, { N, N + 1 }, { n + 1, n },
                                { n + 2, n + 1 } };

    for (gsize s = 0; s < G_N_ELEMENTS (shapes); s++)
      {
        LAPACKE_dgesvd_work (LAPACK_COL_MAJOR, 'A', 'A', (lapack_int) shapes[s][0],
                             (lapack_int) shapes[s][1], c->S, (lapack_int) shapes[s][0],
                             c->sv, c->U, (lapack_int) shapes[s][0], c->VT,
                             (lapack_int) shapes[s][1], &q, -1);
        lw = MAX (lw, (lapack_int) q);
      }
  }
  c->svd_lwork = (int) lw + 8 * (int) N + 64;
  c->svd_work = g_new0 (double, c->svd_lwork);

  return g_steal_pointer (&c);
}

CurrentsContinuation *
currents_continuation_new (CurrentsSystem                    *system,
                           const char                        *param,
                           const CurrentsContinuationOptions *options,
                           GError                           **error)
{
  g_return_val_if_fail (system != NULL && options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  return cont_new (system, param, NULL, options, error);
}

CurrentsContinuation *
currents_continuation_new_two (CurrentsSystem                    *system,
                               const char                        *param,
                               const char                        *param2,
                               const CurrentsContinuationOptions *options,
                               gboolean                           from_folds,
                               gboolean                           from_hopf,
                               GError                           **error)
{
  g_autoptr(CurrentsContinuation) c = NULL;

  g_return_val_if_fail (system != NULL && options != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);
  if (param2 == NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "two-parameter continuation needs a second parameter");
      return NULL;
    }
  c = cont_new (system, param, param2, options, error);
  if (c == NULL)
    return NULL;
  c->from_folds = from_folds;
  c->from_hopf = from_hopf;
  {
    CurrentsContinuationOptions o1 = *options;

    o1.switch_branches = TRUE;
    o1.lyapunov = FALSE;
    c->sub = cont_new (system, param, NULL, &o1, error);
    if (c->sub == NULL)
      return NULL;
  }
  return g_steal_pointer (&c);
}

void
currents_continuation_free (CurrentsContinuation *c)
{
  if (c == NULL)
    return;
  currents_continuation_free (c->sub);
  g_queue_clear_full (&c->tasks, task_free);
  tracer_free (c->tr);
  if (c->result.branches != NULL)
    g_ptr_array_unref (c->result.branches);
  if (c->result.special != NULL)
    g_ptr_array_unref (c->result.special);
  if (c->traces != NULL)
    g_ptr_array_unref (c->traces);
  for (guint l = 0; l < 2; l++)
    g_free (c->h[l].name);
  neural_deriv_free (c->nd);
  if (c->fws != NULL)
    currents_field_workspace_free (c->fws);
  if (c->field != NULL)
    currents_field_unref (c->field);
  g_free (c->p);
  g_free (c->u);
  g_free (c->box_lo);
  g_free (c->zraw);
  g_free (c->dz);
  g_free (c->rhs);
  g_free (c->G);
  g_free (c->DG);
  g_free (c->DG4);
  g_free (c->H);
  g_free (c->f);
  g_free (c->J);
  g_free (c->Fs);
  g_free (c->jp);
  g_free (c->ipiv);
  g_free (c->ipivK);
  g_free (c->K);
  g_free (c->X);
  g_free (c->Y);
  g_free (c->M);
  g_free (c->JV);
  g_free (c->JtW);
  g_free (c->hv);
  g_free (c->ek);
  g_free (c->hva);
  g_free (c->hvb);
  g_free (c->E);
  g_free (c->wr);
  g_free (c->wi);
  g_free (c->eig_work);
  g_free (c->S);
  g_free (c->sv);
  g_free (c->U);
  g_free (c->VT);
  g_free (c->svd_work);
  g_free (c);
}

gboolean
currents_continuation_add_start (CurrentsContinuation  *c,
                                 const double          *x,
                                 GError               **error)
{
  Task *task;
  g_autofree double *xs = NULL;
  double s0, res;

  g_return_val_if_fail (c != NULL && x != NULL, FALSE);
  g_return_val_if_fail (!c->two, FALSE);
  s0 = handle_s (&c->h[0], c->start_lambda);
  set_params (c, &s0);
  xs = g_memdup2 (x, c->n * sizeof (double));
  if (!currents_equilibrium_polish (c->field, c->p, c->u, c->t, xs, 1e-12, 50, &res, error))
    return FALSE;
  task = g_new0 (Task, 1);
  task->kind = TASK_START;
  task->x = g_steal_pointer (&xs);
  task->s[0] = s0;
  g_queue_push_tail (&c->tasks, task);
  c->started = TRUE;
  return TRUE;
}

gboolean
currents_continuation_add_bifurcation (CurrentsContinuation       *c,
                                       const CurrentsBifurcation  *point,
                                       GError                    **error)
{
  Task *task;

  g_return_val_if_fail (c != NULL && point != NULL, FALSE);
  if (!c->two || (point->kind != CURRENTS_BIFURCATION_FOLD &&
                  point->kind != CURRENTS_BIFURCATION_HOPF))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "only folds and Hopf points start a two-parameter continuation");
      return FALSE;
    }
  if (point->kind == CURRENTS_BIFURCATION_HOPF && !(point->frequency > 0.0))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "a Hopf point needs its frequency to start a Hopf curve");
      return FALSE;
    }
  task = g_new0 (Task, 1);
  task->kind = point->kind == CURRENTS_BIFURCATION_FOLD ? TASK_FOLD : TASK_HOPF;
  task->x = g_memdup2 (point->state, c->n * sizeof (double));
  task->s[0] = handle_s (&c->h[0], point->param);
  task->s[1] = handle_s (&c->h[1], isfinite (point->param2) ? point->param2
                                                            : get_lambda (c, 1));
  task->omega = point->frequency;
  g_queue_push_tail (&c->tasks, task);
  c->started = TRUE;
  return TRUE;
}

static gboolean
cancelled (GCancellable  *cancellable,
           GError       **error)
{
  if (g_cancellable_is_cancelled (cancellable))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_CANCELLED,
                   "continuation cancelled");
      return TRUE;
    }
  return FALSE;
}

static gboolean
find_starts (CurrentsContinuation  *c,
             GCancellable          *cancellable,
             GError               **error)
{
  CurrentsEquilibriaOptions eo;
  g_autoptr(GPtrArray) eqs = NULL;
  double s0 = handle_s (&c->h[0], c->start_lambda);

  set_params (c, &s0);
  currents_equilibria_options_init (&eo);
  eo.lo = c->box_lo;
  eo.hi = c->box_hi;
  eo.t = c->t;
  eo.seed = c->opt.seed;
  eqs = currents_equilibria_find (c->field, c->p, c->u, &eo, cancellable, error);
  if (eqs == NULL)
    return FALSE;
  if (eqs->len == 0)
    {
      GString *box = g_string_new (NULL);

      for (gsize i = 0; i < c->n; i++)
        g_string_append_printf (box, "%s%g:%g", i > 0 ? ", " : "", c->box_lo[i],
                                c->box_hi[i]);
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                   "no equilibria found at %s = %g in the box (%s): nothing to continue",
                   c->h[0].name, c->start_lambda, box->str);
      g_string_free (box, TRUE);
      return FALSE;
    }
  for (guint i = 0; i < eqs->len; i++)
    {
      const CurrentsEquilibrium *e = g_ptr_array_index (eqs, i);
      Task *task = g_new0 (Task, 1);

      task->kind = TASK_START;
      task->x = g_memdup2 (e->state, c->n * sizeof (double));
      task->s[0] = s0;
      g_queue_push_tail (&c->tasks, task);
    }
  return TRUE;
}

static gboolean
find_starts_two (CurrentsContinuation  *c,
                 GCancellable          *cancellable,
                 GError               **error)
{
  const CurrentsContinuationResult *r;
  guint added = 0;

  while (!currents_continuation_test (c->sub))
    if (!currents_continuation_iterate (c->sub, cancellable, error))
      return FALSE;
  r = currents_continuation_get_result (c->sub);
  for (guint i = 0; i < r->special->len; i++)
    {
      const CurrentsBifurcation *b = g_ptr_array_index (r->special, i);

      if ((b->kind == CURRENTS_BIFURCATION_FOLD && c->from_folds) ||
          (b->kind == CURRENTS_BIFURCATION_HOPF && c->from_hopf))
        {
          if (!currents_continuation_add_bifurcation (c, b, error))
            return FALSE;
          added++;
        }
    }
  if (added == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
                   "no %s found in %s over %g:%g (at %s = %g) to start from",
                   c->from_folds && c->from_hopf ? "folds or Hopf points"
                   : c->from_folds ? "folds" : "Hopf points",
                   c->h[0].name, c->h[0].lo, c->h[0].hi, c->h[1].name, get_lambda (c, 1));
      return FALSE;
    }
  return TRUE;
}

gboolean
currents_continuation_iterate (CurrentsContinuation  *c,
                               GCancellable          *cancellable,
                               GError               **error)
{
  g_return_val_if_fail (c != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (c->done)
    return TRUE;
  if (cancelled (cancellable, error))
    return FALSE;
  if (!c->started)
    {
      c->started = TRUE;
      return c->two ? find_starts_two (c, cancellable, error)
                    : find_starts (c, cancellable, error);
    }
  if (c->tr == NULL)
    {
      Task *task;

      if (c->result.branches->len >= c->opt.max_branches && !g_queue_is_empty (&c->tasks))
        {
          c->result.truncated = TRUE;
          g_queue_clear_full (&c->tasks, task_free);
        }
      task = g_queue_pop_head (&c->tasks);

      if (task == NULL)
        {
          c->done = TRUE;
          if (c->n_traced == 0 && c->n_singular_starts > 0)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR,
                           CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN,
                           "continuation in %s: the Jacobian [∂f/∂x | ∂f/∂%s] is singular at "
                           "every starting equilibrium (rank below %" G_GSIZE_FORMAT "): the "
                           "equilibria are not isolated, so they form no branch to follow",
                           c->h[0].name, c->h[0].name, c->n);
              return FALSE;
            }
          return TRUE;
        }
      c->tr = task_begin (c, task);
      task_free (task);
      return TRUE;
    }
  tracer_step (c, c->tr);
  if (c->tr->pass >= 2)
    {
      tracer_finish (c, c->tr);
      tracer_free (c->tr);
      c->tr = NULL;
    }
  return TRUE;
}

gboolean
currents_continuation_test (const CurrentsContinuation *c)
{
  g_return_val_if_fail (c != NULL, TRUE);
  return c->done;
}

gboolean
currents_continuation_run (CurrentsContinuation  *c,
                           GCancellable          *cancellable,
                           GError               **error)
{
  g_return_val_if_fail (c != NULL, FALSE);
  while (!currents_continuation_test (c))
    if (!currents_continuation_iterate (c, cancellable, error))
      return FALSE;
  return TRUE;
}

const CurrentsContinuationResult *
currents_continuation_get_result (const CurrentsContinuation *c)
{
  g_return_val_if_fail (c != NULL, NULL);
  return &c->result;
}

gsize
currents_continuation_get_n_states (const CurrentsContinuation *c)
{
  g_return_val_if_fail (c != NULL, 0);
  return c->n;
}

gboolean
currents_continuation_has_second_derivatives (const CurrentsContinuation *c)
{
  g_return_val_if_fail (c != NULL, FALSE);
  return c->has_hvp;
}

gboolean
currents_continuation_is_frozen (const CurrentsContinuation *c)
{
  g_return_val_if_fail (c != NULL, FALSE);
  return c->frozen;
}

double
currents_continuation_get_start (const CurrentsContinuation *c)
{
  g_return_val_if_fail (c != NULL, NAN);
  return c->start_lambda;
}

static void
run_thread (GTask        *task,
            gpointer      source,
            gpointer      data,
            GCancellable *cancellable)
{
  CurrentsContinuation *c = data;
  GError *error = NULL;

  if (currents_continuation_run (c, cancellable, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

void
currents_continuation_run_async (CurrentsContinuation *c,
                                 GCancellable         *cancellable,
                                 GAsyncReadyCallback   callback,
                                 gpointer              user_data)
{
  g_autoptr(GTask) task = NULL;

  g_return_if_fail (c != NULL);
  task = g_task_new (NULL, cancellable, callback, user_data);
  g_task_set_source_tag (task, currents_continuation_run_async);
  g_task_set_task_data (task, c, NULL);
  g_task_run_in_thread (task, run_thread);
}

gboolean
currents_continuation_run_finish (CurrentsContinuation  *c,
                                  GAsyncResult          *result,
                                  GError               **error)
{
  g_return_val_if_fail (g_task_is_valid (result, NULL), FALSE);
  g_return_val_if_fail (g_task_get_task_data (G_TASK (result)) == c, FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}
