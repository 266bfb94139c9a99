/* currents-hysteresis.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * (placeholder bodies: being written)
 */
#include "config.h"

#include "currents-hysteresis.h"


void
currents_bistable_range_free (CurrentsBistableRange *range)
{

}

GPtrArray *
currents_hysteresis_find (const CurrentsContinuationResult *result, int quantity)
{
  return NULL;
}

char      *
currents_hysteresis_describe (GPtrArray *ranges, const char *param_name)
{
  return NULL;
}

void
currents_sweep_free (CurrentsSweep *sweep)
{

}

CurrentsSweep *
currents_hysteresis_sweep (CurrentsSystem *system, const char *param, double lo, double hi, gboolean log_scale, gsize n_steps, gboolean upward, const double *x0, GCancellable *cancellable, GError **error)
{
  return NULL;
}
