/* currents-periodic.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Periodic orbits x(t + T) = x(t) of an autonomous field by single shooting:
 *
 *   G(x0, T) = φ_T(x0) − x0 = 0,   with a phase condition  f(x0_ref) · (x0 − x0_ref) = 0
 *
 * solved by Newton with the monodromy matrix M = ∂φ_T/∂x0 from the variational equations
 * dM/dt = J(φ_t(x0)) M (exact Jacobian, integrated alongside), so the Floquet multipliers
 * are M's eigenvalues (one of them 1, the trivial one). Also: detection of a stable limit
 * cycle by long integration and Poincaré return, and continuation of a family of orbits
 * in a parameter, starting from a Hopf point.
 */
#pragma once

#include <gio/gio.h>

#include "currents-field.h"

G_BEGIN_DECLS

/**
 * CurrentsPeriodicOrbit:
 * @n: dimension
 * @x0: a point on the orbit (n)
 * @period: T
 * @mult_re: Floquet multipliers, real parts (n), sorted by decreasing modulus; the trivial
 *   multiplier (closest to 1) is included
 * @mult_im: imaginary parts (n)
 * @max: max over the orbit of each state (n)
 * @min: min over the orbit of each state (n)
 * @stable: every non-trivial multiplier has modulus < 1
 * @param: the continuation parameter's value (NaN outside continuation)
 */
typedef struct
{
  gsize    n;
  double  *x0;
  double   period;
  double  *mult_re;
  double  *mult_im;
  double  *max;
  double  *min;
  gboolean stable;
  double   param;
} CurrentsPeriodicOrbit;

CurrentsPeriodicOrbit *currents_periodic_orbit_new  (gsize n);
void                   currents_periodic_orbit_free (CurrentsPeriodicOrbit *orbit);

/* Newton on the shooting system from a guess (x0, T); fills @orbit (multipliers, range).
 * Errors: NO_CONVERGENCE (says how far it got), MAX_STEPS / NON_FINITE from the solves. */
gboolean currents_periodic_orbit_solve  (CurrentsField          *field,
                                         const double           *p,
                                         const double           *u,
                                         const double           *x0_guess,
                                         double                  period_guess,
                                         CurrentsPeriodicOrbit  *orbit,
                                         GCancellable           *cancellable,
                                         GError                **error);

/* Integrates from x0 for a transient, then looks for a return to a Poincaré section;
 * returns NULL (no error) when the trajectory settles on an equilibrium or does not
 * return within @t_max. */
CurrentsPeriodicOrbit *currents_periodic_orbit_find_stable (CurrentsField  *field,
                                                            const double   *p,
                                                            const double   *u,
                                                            const double   *x0,
                                                            double          t_max,
                                                            GCancellable   *cancellable,
                                                            GError        **error);

/**
 * currents_periodic_continue_from_hopf:
 * @field: autonomous field
 * @p: parameters at the Hopf point (the continued one at index @param_index of p, or of u
 *   when @param_is_input)
 * @u: inputs
 * @param_index: which parameter (or input) varies
 * @param_is_input: whether it is an input
 * @x_hopf: the Hopf equilibrium
 * @omega: the Hopf frequency (rad per time unit): the first orbit's period ≈ 2π/ω
 * @eigvec_re: real part of the critical eigenvector
 * @eigvec_im: imaginary part
 * @lo: parameter range
 * @hi: parameter range
 * @max_points: orbits to compute at most
 * @cancellable: (nullable)
 * @error: return location
 *
 * Returns: (transfer full) (element-type CurrentsPeriodicOrbit): the family, each with
 *   @param set, in continuation order (pseudo-arclength in (x0, T, parameter))
 */
GPtrArray *currents_periodic_continue_from_hopf (CurrentsField *field,
                                                 const double  *p,
                                                 const double  *u,
                                                 gsize          param_index,
                                                 gboolean       param_is_input,
                                                 const double  *x_hopf,
                                                 double         omega,
                                                 const double  *eigvec_re,
                                                 const double  *eigvec_im,
                                                 double         lo,
                                                 double         hi,
                                                 gsize          max_points,
                                                 GCancellable  *cancellable,
                                                 GError       **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsPeriodicOrbit, currents_periodic_orbit_free)

G_END_DECLS
