/* currents-symplectic.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Fixed-step Gauss–Legendre collocation for any CurrentsField:
 *
 *   Z_i = h Σ_j a_ij f(t + c_j h, x + Z_j),   x₁ = x + h Σ_j b_j f(t + c_j h, x + Z_j),
 *
 * implicit midpoint (s = 1, order 2) or the 2-stage Gauss method (order 4). Both are
 * symplectic, so on a Hamiltonian field (currents-hamiltonian.h) the energy error stays a
 * bounded oscillation of order hᵖ instead of drifting, even for a non-separable H; both
 * conserve every quadratic invariant exactly. The stage equations are solved by Newton's
 * method with the field's exact Jacobian at every stage, to round-off, and the update is
 * summed with compensation, so long runs do not drift by round-off either.
 *
 * Set / iterate: currents_symplectic_new() allocates everything once; each
 * currents_symplectic_step() allocates nothing.
 */
#pragma once

#include <gio/gio.h>

#include "currents-field.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_SYMPLECTIC_MIDPOINT,  /* implicit midpoint, order 2 */
  CURRENTS_SYMPLECTIC_GAUSS4,    /* 2-stage Gauss–Legendre, order 4 */
} CurrentsSymplecticMethod;

typedef struct _CurrentsSymplectic CurrentsSymplectic;

CurrentsSymplectic *currents_symplectic_new        (CurrentsField             *field,
                                                    CurrentsSymplecticMethod   method);
void                currents_symplectic_free       (CurrentsSymplectic        *sym);
guint               currents_symplectic_get_order  (CurrentsSymplecticMethod   method);
gboolean            currents_symplectic_step       (CurrentsSymplectic        *sym,
                                                    double                     t,
                                                    double                     h,
                                                    const double              *u,
                                                    const double              *p,
                                                    double                    *x,
                                                    GError                   **error);
gboolean            currents_symplectic_evolve     (CurrentsSymplectic        *sym,
                                                    double                     t0,
                                                    double                     h,
                                                    gsize                      n_steps,
                                                    const double              *u,
                                                    const double              *p,
                                                    double                    *x,
                                                    double                    *out,
                                                    GCancellable              *cancellable,
                                                    GError                   **error);
/* Newton iterations over all steps since creation. */
guint64             currents_symplectic_get_n_newton (const CurrentsSymplectic *sym);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsSymplectic, currents_symplectic_free)

G_END_DECLS
