/* currents-field.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The one vector-field interface that every model implements:
 *
 *   dx/dt = f(t, x, u, p),   x ∈ ℝⁿ (states), u ∈ ℝᵐ (inputs), p ∈ ℝᵏ (parameters)
 *
 * with its exact Jacobians ∂f/∂x (n×n, row-major: J[i*n + j] = ∂f_i/∂x_j),
 * ∂f/∂p (n×k, row-major) and vector-Jacobian products
 *
 *   gx += wᵀ ∂f/∂x,   gp += wᵀ ∂f/∂p   (accumulating, as backward passes do).
 *
 * A CurrentsField is immutable once made and reference counted, so one field may be
 * shared by several threads; each thread evaluates through its own
 * CurrentsFieldWorkspace, and no evaluation allocates.
 *
 * Batches: B points at once, one per row of row-major matrices (X, F, W, GX: B × n,
 * U: B × m),
 *
 *   F_r = f(t, X_r, U_r, p),   GX_r += W_rᵀ ∂f/∂x(X_r),   gp += Σ_r W_rᵀ ∂f/∂p(X_r),
 *
 * which a model may compute as matrix products (the neural field does). A field without
 * batched entries is evaluated row by row, so callers need not care. A batched evaluation
 * may also save its intermediate values on a *tape* (currents_field_get_tape_size()
 * doubles, 0 when the field keeps none); a batched VJP given that tape, at the same
 * arguments, then skips the forward pass it would otherwise repeat.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _CurrentsField CurrentsField;
typedef struct _CurrentsFieldWorkspace CurrentsFieldWorkspace;

/**
 * CurrentsFieldVTable:
 * @workspace_new: allocates an implementation workspace (may return %NULL when
 *   none is needed)
 * @workspace_free: frees it
 * @eval: f = f(t, x, u, p)
 * @jacobian: jx = ∂f/∂x (n×n) and, when @jp is not %NULL, jp = ∂f/∂p (n×k); also
 *   writes f into @f when @f is not %NULL
 * @vjp: gx += wᵀ∂f/∂x and gp += wᵀ∂f/∂p (either output may be %NULL); also writes
 *   f into @f when @f is not %NULL
 * @impl_free: frees the implementation when the field's last reference goes
 * @hvp: (nullable): the exact directional second derivative
 *   out = d/dε [J(x + εv) w] at ε = 0, i.e. out_i = Σ_jk ∂²f_i/∂x_j∂x_k v_j w_k
 *   (for codimension-2 continuation and normal forms)
 * @eval_batch: (nullable): F = f(t, X_r, U_r, p) for @n_rows rows; also fills @tape when
 *   it is not %NULL; %NULL: row by row with @eval
 * @vjp_batch: (nullable): GX += …, gp += … as above (either may be %NULL), F too when not
 *   %NULL; @tape, when not %NULL, comes from @eval_batch at the same arguments; %NULL:
 *   row by row with @vjp
 * @tape_size: (nullable): doubles the tape of @n_rows rows takes; %NULL: no tapes
 *
 * Implementations never allocate in @eval, @jacobian, @vjp, @eval_batch or @vjp_batch.
 */
typedef struct
{
  gpointer (*workspace_new)  (gconstpointer impl);
  void     (*workspace_free) (gpointer ws);
  void     (*eval)           (gconstpointer impl, gpointer ws, double t, const double *x,
                              const double *u, const double *p, double *f);
  void     (*jacobian)       (gconstpointer impl, gpointer ws, double t, const double *x,
                              const double *u, const double *p, double *f, double *jx,
                              double *jp);
  void     (*vjp)            (gconstpointer impl, gpointer ws, double t, const double *x,
                              const double *u, const double *p, const double *w, double *f,
                              double *gx, double *gp);
  void     (*impl_free)      (gpointer impl);
  void     (*hvp)            (gconstpointer impl, gpointer ws, double t, const double *x,
                              const double *u, const double *p, const double *v,
                              const double *w, double *out);
  void     (*eval_batch)     (gconstpointer impl, gpointer ws, gsize n_rows, double t,
                              const double *x, const double *u, const double *p, double *f,
                              double *tape);
  void     (*vjp_batch)      (gconstpointer impl, gpointer ws, gsize n_rows, double t,
                              const double *x, const double *u, const double *p,
                              const double *w, const double *tape, double *f, double *gx,
                              double *gp);
  gsize    (*tape_size)      (gconstpointer impl, gsize n_rows);
} CurrentsFieldVTable;

CurrentsField          *currents_field_new              (const CurrentsFieldVTable *vtable,
                                                         gpointer                   impl,
                                                         gsize                      n_states,
                                                         gsize                      n_inputs,
                                                         gsize                      n_params,
                                                         gboolean                   autonomous);
CurrentsField          *currents_field_ref              (CurrentsField             *field);
void                    currents_field_unref            (CurrentsField             *field);
gsize                   currents_field_get_n_states     (const CurrentsField       *field);
gsize                   currents_field_get_n_inputs     (const CurrentsField       *field);
gsize                   currents_field_get_n_params     (const CurrentsField       *field);
gboolean                currents_field_is_autonomous    (const CurrentsField       *field);
gconstpointer           currents_field_get_impl         (const CurrentsField       *field);

CurrentsFieldWorkspace *currents_field_workspace_new    (CurrentsField             *field);
void                    currents_field_workspace_free   (CurrentsFieldWorkspace    *ws);

void                    currents_field_eval             (CurrentsFieldWorkspace    *ws,
                                                         double                     t,
                                                         const double              *x,
                                                         const double              *u,
                                                         const double              *p,
                                                         double                    *f);
void                    currents_field_jacobian         (CurrentsFieldWorkspace    *ws,
                                                         double                     t,
                                                         const double              *x,
                                                         const double              *u,
                                                         const double              *p,
                                                         double                    *f,
                                                         double                    *jx,
                                                         double                    *jp);
void                    currents_field_vjp              (CurrentsFieldWorkspace    *ws,
                                                         double                     t,
                                                         const double              *x,
                                                         const double              *u,
                                                         const double              *p,
                                                         const double              *w,
                                                         double                    *f,
                                                         double                    *gx,
                                                         double                    *gp);
CurrentsField          *currents_field_workspace_get_field (CurrentsFieldWorkspace *ws);

gboolean                currents_field_has_batch        (const CurrentsField       *field);
gsize                   currents_field_get_tape_size    (const CurrentsField       *field,
                                                         gsize                      n_rows);
void                    currents_field_eval_batch       (CurrentsFieldWorkspace    *ws,
                                                         gsize                      n_rows,
                                                         double                     t,
                                                         const double              *x,
                                                         const double              *u,
                                                         const double              *p,
                                                         double                    *f,
                                                         double                    *tape);
void                    currents_field_vjp_batch        (CurrentsFieldWorkspace    *ws,
                                                         gsize                      n_rows,
                                                         double                     t,
                                                         const double              *x,
                                                         const double              *u,
                                                         const double              *p,
                                                         const double              *w,
                                                         const double              *tape,
                                                         double                    *f,
                                                         double                    *gx,
                                                         double                    *gp);
gboolean                currents_field_has_hvp          (const CurrentsField       *field);
/* out = d/dε [∂f/∂x(x + εv) · w] at ε = 0; returns FALSE when the field has no exact second
 * derivatives. */
gboolean                currents_field_hvp              (CurrentsFieldWorkspace    *ws,
                                                         double                     t,
                                                         const double              *x,
                                                         const double              *u,
                                                         const double              *p,
                                                         const double              *v,
                                                         const double              *w,
                                                         double                    *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsField, currents_field_unref)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsFieldWorkspace, currents_field_workspace_free)

G_END_DECLS
