/* currents-continuation.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Numerical continuation of equilibria and of their bifurcations (tipping points).
 *
 * One parameter: the branches of  f(x, λ) = 0  traced by pseudo-arclength continuation in
 * y = (x, s), s = λ or s = log10 λ, with a tangent predictor (the null vector of the
 * n × (n+1) Jacobian [f_x | f_s], oriented so that successive tangents agree) and Newton
 * on the bordered system [f(y) = 0, τ·(y − y_k) = Δs]. Along a branch the test functions
 *
 *   fold:           τ_s, the s-component of the tangent;
 *   Hopf:           Π_{i<j} (μ_i + μ_j) over the eigenvalues μ of f_x (the bialternate
 *                   product's determinant); a real pair μ, −μ (neutral saddle) is rejected;
 *   branch point:   det [f_x f_s; τᵀ] (the bordered Jacobian);
 *
 * are watched for sign changes and their zeros located by the Illinois (regula falsi)
 * method along the arclength, each trial point corrected onto the branch. New branches
 * leave branch points along the second null direction.
 *
 * Two parameters (α, β): curves of folds in z = (x, α, β) from the minimally augmented
 * system  f = 0, g = 0  with  [f_x b; cᵀ 0] (v; g) = (0; 1)  (Govaerts), and curves of
 * Hopf points in z = (x, α, β, κ) from  f = 0, G_{i₁j₁} = G_{i₂j₂} = 0  with
 * [f_x² + κI  B; Cᵀ  0] (V; G) = (0; I₂)  (κ = ω²). Their Jacobians use the exact
 * second derivatives (the field's hvp and, for expression models, mixed x–parameter
 * derivatives from the tape). Cusp points: the fold's normal-form coefficient
 * ⟨w, f_xx(v, v)⟩ changes sign; Bogdanov–Takens points: ⟨w, v⟩ = 0 on a fold curve and
 * κ = 0 on a Hopf curve.
 *
 * Everything uses the model's exact Jacobian; the only finite differences are the third
 * derivatives in the first Lyapunov coefficient (central differences of the exact hvp
 * along the critical eigenvector, see currents-continuation.c).
 *
 * Driven GSL-style:
 *
 *   cont = currents_continuation_new (system, "b", &options, &error);
 *   while (!currents_continuation_test (cont))
 *     if (!currents_continuation_iterate (cont, cancellable, &error)) break;
 *   result = currents_continuation_get_result (cont);
 */
#pragma once

#include <gio/gio.h>

#include "currents-system.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_BIFURCATION_FOLD,             /* limit point (saddle-node) */
  CURRENTS_BIFURCATION_HOPF,
  CURRENTS_BIFURCATION_BRANCH_POINT,
  CURRENTS_BIFURCATION_CUSP,             /* two parameters: on a fold curve */
  CURRENTS_BIFURCATION_BOGDANOV_TAKENS,  /* two parameters: fold meets Hopf */
} CurrentsBifurcationKind;

/* "fold", "hopf", "branch point", "cusp", "bogdanov-takens" */
const char *currents_bifurcation_kind_to_string (CurrentsBifurcationKind kind);

typedef enum
{
  CURRENTS_CURVE_EQUILIBRIA,   /* a branch of equilibria in one parameter */
  CURRENTS_CURVE_FOLDS,        /* a curve of folds in two parameters */
  CURRENTS_CURVE_HOPF,         /* a curve of Hopf points in two parameters */
} CurrentsCurveKind;

const char *currents_curve_kind_to_string (CurrentsCurveKind kind);

/* Why a branch ended (at each of its two ends). */
typedef enum
{
  CURRENTS_CONTINUATION_END_RANGE,       /* a parameter reached the end of its range */
  CURRENTS_CONTINUATION_END_MAX_POINTS,  /* the branch has options->max_points points */
  CURRENTS_CONTINUATION_END_STEP_MIN,    /* the corrector failed down to ds_min */
  CURRENTS_CONTINUATION_END_BOX,         /* the state left the (generous) box */
  CURRENTS_CONTINUATION_END_CLOSED,      /* the branch came back to its start: a loop */
  CURRENTS_CONTINUATION_END_BRANCH_POINT,/* the branch begins at a branch point */
  CURRENTS_CONTINUATION_END_SPECIAL,     /* a Hopf curve ends at a Bogdanov–Takens point */
  CURRENTS_CONTINUATION_END_CANCELLED,
} CurrentsContinuationEnd;

const char *currents_continuation_end_to_string (CurrentsContinuationEnd end);

/**
 * CurrentsContinuationBranch:
 * @kind: what the points are
 * @n: number of states
 * @n_points: number of points
 * @param: λ at each point, in the parameter's own units (also with a log scale)
 * @param2: the second parameter at each point (curves of two parameters; %NULL otherwise)
 * @state: the equilibrium, @n_points × @n row-major
 * @stable: whether every eigenvalue of ∂f/∂x has negative real part
 * @n_unstable: eigenvalues with positive real part
 * @frequency: Hopf curves: ω = √κ at each point (NaN where κ ≤ 0); %NULL otherwise
 * @end_first: why the branch ends at its first point
 * @end_last: why it ends at its last point
 *
 * Special points are also points of the branch, in arclength order.
 */
typedef struct
{
  CurrentsCurveKind        kind;
  gsize                    n;
  gsize                    n_points;
  double                  *param;
  double                  *param2;
  double                  *state;
  gboolean                *stable;
  guint                   *n_unstable;
  double                  *frequency;
  CurrentsContinuationEnd  end_first;
  CurrentsContinuationEnd  end_last;
} CurrentsContinuationBranch;

/**
 * CurrentsBifurcation:
 * @kind: what it is
 * @n: number of states
 * @param: the (first) parameter, in its own units
 * @param2: the second parameter (NaN for one-parameter continuation)
 * @state: the equilibrium (n)
 * @frequency: Hopf: the angular frequency ω (rad per time unit) of the critical pair
 *   ±iω; NaN otherwise
 * @lyapunov: Hopf: the first Lyapunov coefficient l₁ (Kuznetsov's normalisation
 *   ‖q‖ = 1, ⟨p, q⟩ = 1): negative supercritical, positive subcritical; NaN when not
 *   computed (the field has no exact second derivatives)
 * @normal_form: fold and cusp: a = ½⟨p, f_xx(q, q)⟩ with f_x q = 0, f_xᵀp = 0, ‖q‖ = 1,
 *   ⟨p, q⟩ = 1 (ẏ = (…) + a y²); NaN when not computed
 * @evec_re: Hopf: the critical eigenvector q (f_x q = iωq, ‖q‖ = 1), real part; fold and
 *   branch point: the null vector of f_x (or of the n × (n+1) Jacobian's second null
 *   direction, state part); n values
 * @evec_im: Hopf: imaginary part of q; zeros otherwise
 * @branch: the index of the branch (or curve) it lies on
 * @point: its index in that branch
 */
typedef struct
{
  CurrentsBifurcationKind kind;
  gsize                   n;
  double                  param;
  double                  param2;
  double                 *state;
  double                  frequency;
  double                  lyapunov;
  double                  normal_form;
  double                 *evec_re;
  double                 *evec_im;
  gsize                   branch;
  gsize                   point;
} CurrentsBifurcation;

CurrentsBifurcation *currents_bifurcation_copy (const CurrentsBifurcation *b);
void                 currents_bifurcation_free (CurrentsBifurcation       *b);

/**
 * CurrentsContinuationResult:
 * @branches: (element-type CurrentsContinuationBranch): branches of equilibria, or
 *   curves of folds and Hopf points
 * @special: (element-type CurrentsBifurcation): every special point, each once, in the
 *   order found
 * @truncated: branches were left unexplored because options->max_branches was reached
 */
typedef struct
{
  GPtrArray *branches;
  GPtrArray *special;
  gboolean   truncated;
} CurrentsContinuationResult;

/* The special points of one kind, in order (transfer container). */
GPtrArray *currents_continuation_result_get_special (const CurrentsContinuationResult *result,
                                                     CurrentsBifurcationKind           kind);

/**
 * CurrentsContinuationOptions:
 * @lo: the range of the parameter, in its own units (lo < hi)
 * @hi: see @lo
 * @log_scale: continue in s = log10 λ (needs @lo > 0)
 * @start: λ at which the starting equilibria are looked for (NaN: the system's current
 *   value, moved into the range when it lies outside)
 * @lo2: two parameters: the range of the second parameter
 * @hi2: see @lo2
 * @log_scale2: the second parameter on a log scale
 * @ds: the first pseudo-arclength step, in s units (0: 1/100 of the range)
 * @ds_min: the smallest step before a branch is given up (0: 1e-7 of the range)
 * @ds_max: the largest step (0: 1/25 of the range)
 * @max_points: points per branch at most (0: 1000)
 * @max_branches: branches (or curves) at most; further starts and branch switches are
 *   left out and the result says so (0: 32)
 * @switch_branches: leave branch points along the second branch (one parameter)
 * @lyapunov: compute l₁ at Hopf points when the field has exact second derivatives
 * @box_lo: (nullable): where to look for starting equilibria (n values; %NULL: a default
 *   box, see currents_continuation_default_box()); a branch stops when it leaves this
 *   box widened tenfold
 * @box_hi: (nullable): see @box_lo
 * @t: the time at which a non-autonomous field is frozen
 * @seed: seeds the equilibrium search's design
 */
typedef struct
{
  double        lo;
  double        hi;
  gboolean      log_scale;
  double        start;
  double        lo2;
  double        hi2;
  gboolean      log_scale2;
  double        ds;
  double        ds_min;
  double        ds_max;
  gsize         max_points;
  gsize         max_branches;
  gboolean      switch_branches;
  gboolean      lyapunov;
  const double *box_lo;
  const double *box_hi;
  double        t;
  guint64       seed;
} CurrentsContinuationOptions;

void currents_continuation_options_init (CurrentsContinuationOptions *options);

/* The default box for the starting equilibria, as `currents-cli equilibria` chooses it:
 * the `@` window of the plotted states or a trained model's data range, padded by 5% of
 * the width each side; other states x₀ ± max(1, |x₀|, the larger half-width of the
 * window). @lo, @hi: n values each. */
void currents_continuation_default_box (const CurrentsSystem *system,
                                        double               *lo,
                                        double               *hi);

typedef struct _CurrentsContinuation CurrentsContinuation;

/**
 * currents_continuation_new:
 * @system: the model; its current parameters and inputs (after --set) are copied
 * @param: the name of the parameter or input to vary
 * @options: range and settings
 * @error: an unknown name, an empty or inverted range, a log scale over non-positive
 *   values
 *
 * A one-parameter continuation of equilibria. Add starting equilibria with
 * currents_continuation_add_start(), or let the first iteration find every equilibrium
 * in the box at the start value.
 */
CurrentsContinuation *currents_continuation_new     (CurrentsSystem                    *system,
                                                     const char                        *param,
                                                     const CurrentsContinuationOptions *options,
                                                     GError                           **error);
/**
 * currents_continuation_new_two:
 * @param2: the second parameter or input
 *
 * A two-parameter continuation of folds and Hopf points. Start it with
 * currents_continuation_add_bifurcation() (a fold or Hopf point of a one-parameter run
 * in @param at the system's value of @param2), or let the first iteration run the
 * one-parameter continuation in @param and start from every fold (@from_folds) and Hopf
 * point (@from_hopf) it finds.
 */
CurrentsContinuation *currents_continuation_new_two (CurrentsSystem                    *system,
                                                     const char                        *param,
                                                     const char                        *param2,
                                                     const CurrentsContinuationOptions *options,
                                                     gboolean                           from_folds,
                                                     gboolean                           from_hopf,
                                                     GError                           **error);
void                  currents_continuation_free    (CurrentsContinuation              *cont);

/* A starting equilibrium (polished first) at options->start; FALSE with an error when
 * Newton does not converge from @x. */
gboolean   currents_continuation_add_start        (CurrentsContinuation      *cont,
                                                   const double              *x,
                                                   GError                   **error);
/* Two parameters: a fold or Hopf point (with @param = λ of the first parameter) to
 * continue; other kinds are refused. */
gboolean   currents_continuation_add_bifurcation  (CurrentsContinuation      *cont,
                                                   const CurrentsBifurcation *point,
                                                   GError                   **error);

/* One step of the work (a predictor–corrector step with its tests, or the start of a
 * branch). FALSE with @error on failure or cancellation (checked at every step). */
gboolean   currents_continuation_iterate          (CurrentsContinuation      *cont,
                                                   GCancellable              *cancellable,
                                                   GError                   **error);
/* TRUE when every branch is done. */
gboolean   currents_continuation_test             (const CurrentsContinuation *cont);
/* Iterates until done. */
gboolean   currents_continuation_run              (CurrentsContinuation      *cont,
                                                   GCancellable              *cancellable,
                                                   GError                   **error);

/* The branches and special points so far (owned by @cont). */
const CurrentsContinuationResult *
           currents_continuation_get_result       (const CurrentsContinuation *cont);

gsize      currents_continuation_get_n_states     (const CurrentsContinuation *cont);
/* Whether l₁ and the normal forms can be computed (the field has exact second
 * derivatives). */
gboolean   currents_continuation_has_second_derivatives (const CurrentsContinuation *cont);
/* Whether the field depends on t (then it was frozen at options->t). */
gboolean   currents_continuation_is_frozen        (const CurrentsContinuation *cont);
/* The value of the parameter at which the starting equilibria were looked for. */
double     currents_continuation_get_start        (const CurrentsContinuation *cont);

/* Background continuation (GTask, in a worker thread): @cont must not be used until
 * the callback has run; then read its result. */
void       currents_continuation_run_async        (CurrentsContinuation      *cont,
                                                   GCancellable              *cancellable,
                                                   GAsyncReadyCallback        callback,
                                                   gpointer                   user_data);
gboolean   currents_continuation_run_finish       (CurrentsContinuation      *cont,
                                                   GAsyncResult              *result,
                                                   GError                   **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsContinuation, currents_continuation_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsBifurcation, currents_bifurcation_free)

G_END_DECLS
