/* currents-hysteresis.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Tipping points in words: from a one-parameter continuation, the ranges of the
 * parameter where two or more stable equilibria coexist (bistability), the hysteresis
 * loop a slow sweep follows (up along one stable branch until it folds, a jump, down
 * along the other until it folds), and a sentence a biologist can read:
 *
 *   "bistable for 1.3e-5 < iptg < 3.9e-5; switching up at 3.9e-5, down at 1.3e-5"
 *
 * A quasi-static sweep by simulation (relax to steady state, step the parameter, relax
 * again from there) checks the loop independently of continuation.
 */
#pragma once

#include <gio/gio.h>

#include "currents-continuation.h"
#include "currents-system.h"

G_BEGIN_DECLS

/**
 * CurrentsBistableRange:
 * @lo: the range's lower end, in the parameter's own units (a fold)
 * @hi: its upper end (a fold)
 * @n_stable: the largest number of stable equilibria coexisting inside it
 * @up: a sweep of increasing parameter leaves its stable branch (jumps) here
 * @down: a sweep of decreasing parameter jumps here
 * @up_from, @up_to: the quantity before and after the upward jump (states of the chosen
 *   quantity; see currents_hysteresis_find())
 * @down_from, @down_to: the same for the downward jump
 * @up_state, @down_state: (nullable): the full equilibria where the jumps start (n values)
 */
typedef struct
{
  double   lo;
  double   hi;
  guint    n_stable;
  double   up;
  double   down;
  double   up_from;
  double   up_to;
  double   down_from;
  double   down_to;
  gsize    n;
  double  *up_state;
  double  *down_state;
} CurrentsBistableRange;

void currents_bistable_range_free (CurrentsBistableRange *range);

/**
 * currents_hysteresis_find:
 * @result: a one-parameter continuation (branches of equilibria)
 * @quantity: the state whose value tells the branches apart (its index), or -1 for the
 *   2-norm of the state
 *
 * Returns: (transfer container) (element-type CurrentsBistableRange): the bistable
 * ranges in increasing order of the parameter (empty when there are none)
 */
GPtrArray *currents_hysteresis_find     (const CurrentsContinuationResult *result,
                                         int                               quantity);

/**
 * currents_hysteresis_describe:
 * @ranges: from currents_hysteresis_find()
 * @param_name: the parameter's name as the user knows it
 *
 * Returns: one sentence, e.g. "bistable for 1.3e-5 < iptg < 3.9e-5; switching up at
 * 3.9e-5, down at 1.3e-5", or "monostable over the range" (translatable).
 */
char      *currents_hysteresis_describe (GPtrArray                        *ranges,
                                         const char                       *param_name);

/**
 * CurrentsSweep:
 * @n_steps: parameter values visited
 * @param: the values (increasing for the upward sweep, decreasing for the downward)
 * @state: the steady state reached at each, n_steps × n row-major (NaN where none was
 *   reached within the time allowed)
 */
typedef struct
{
  gsize   n;
  gsize   n_steps;
  double *param;
  double *state;
} CurrentsSweep;

void currents_sweep_free (CurrentsSweep *sweep);

/**
 * currents_hysteresis_sweep:
 * @system: the model (its current parameters and inputs are copied; not kept)
 * @param: the parameter or input to sweep
 * @lo, @hi: the range, own units
 * @log_scale: steps equally spaced in log10
 * @n_steps: values visited (≥ 2)
 * @upward: from @lo to @hi (else from @hi to @lo)
 * @x0: (nullable): the state to relax from at the first value (NULL: the system's
 *   initial state)
 *
 * Returns: (transfer full): the sweep, or NULL with an error (unknown name, cancelled)
 */
CurrentsSweep *currents_hysteresis_sweep (CurrentsSystem *system,
                                          const char     *param,
                                          double          lo,
                                          double          hi,
                                          gboolean        log_scale,
                                          gsize           n_steps,
                                          gboolean        upward,
                                          const double   *x0,
                                          GCancellable   *cancellable,
                                          GError        **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsBistableRange, currents_bistable_range_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsSweep, currents_sweep_free)

G_END_DECLS
