/* currents-system.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A dynamical system ready for simulation and analysis, whatever it came from: an
 * equation model (`.ode`) or a trained model (JSON). It carries the vector field, the
 * parameter vector in force, the names of states, inputs and parameters, defaults for
 * the initial state and the inputs, and a view window. Every command that takes a model
 * takes either kind through currents_system_load().
 */
#pragma once

#include <glib.h>

#include "currents-model.h"
#include "currents-simulate.h"
#include "currents-trained.h"

G_BEGIN_DECLS

typedef struct _CurrentsSystem CurrentsSystem;

CurrentsSystem       *currents_system_load              (const char           *path,
                                                         GError              **error);
/* Take ownership of the model. */
CurrentsSystem       *currents_system_new_from_model    (CurrentsModel        *model);
CurrentsSystem       *currents_system_new_from_trained  (CurrentsTrainedModel *trained);
void                  currents_system_free              (CurrentsSystem       *system);

const char           *currents_system_get_filename      (const CurrentsSystem *system);
/* What messages and outputs call it (an ensemble's member: "FILE#K"). */
void                  currents_system_set_filename      (CurrentsSystem       *system,
                                                         const char           *filename);
/* "model" or "trained model" */
const char           *currents_system_describe_kind     (const CurrentsSystem *system);
CurrentsField        *currents_system_get_field         (const CurrentsSystem *system);
const CurrentsModel  *currents_system_get_model         (const CurrentsSystem *system);
const CurrentsTrainedModel *currents_system_get_trained (const CurrentsSystem *system);

gsize                 currents_system_get_n_states      (const CurrentsSystem *system);
const char *const    *currents_system_get_state_names   (const CurrentsSystem *system);
gsize                 currents_system_get_n_inputs      (const CurrentsSystem *system);
const char *const    *currents_system_get_input_names   (const CurrentsSystem *system);
gsize                 currents_system_get_n_params      (const CurrentsSystem *system);
/* The parameters a user may set by name (a model's `par`s; none for a neural model). */
gsize                 currents_system_get_n_named_params (const CurrentsSystem *system);
const char           *currents_system_get_param_name    (const CurrentsSystem *system,
                                                         gsize                 i);
/* Mutable copies the caller may change (--set): */
double               *currents_system_get_params        (CurrentsSystem       *system);
double               *currents_system_get_inputs        (CurrentsSystem       *system);
double               *currents_system_get_initial       (CurrentsSystem       *system);

int                   currents_system_find_state        (const CurrentsSystem *system,
                                                         const char           *name);
int                   currents_system_find_input        (const CurrentsSystem *system,
                                                         const char           *name);
int                   currents_system_find_param        (const CurrentsSystem *system,
                                                         const char           *name);
/* Sets a parameter or an input by name; a clear error when it has neither. */
gboolean              currents_system_set               (CurrentsSystem       *system,
                                                         const char           *name,
                                                         double                value,
                                                         GError              **error);

void                  currents_system_get_sim_options   (const CurrentsSystem *system,
                                                         CurrentsSimOptions   *options);
/* The view: a model's `@` window, or the training data's range; axes indices. */
void                  currents_system_get_window        (const CurrentsSystem *system,
                                                         int                  *x_axis,
                                                         int                  *y_axis,
                                                         double               *xlo,
                                                         double               *xhi,
                                                         double               *ylo,
                                                         double               *yhi);
void                  currents_system_get_default_box (const CurrentsSystem *system,
                                                         double               *lo,
                                                         double               *hi);
double                currents_system_get_t0            (const CurrentsSystem *system);
double                currents_system_get_total         (const CurrentsSystem *system);

/**
 * currents_system_get_support:
 * @x_min, @x_max: (nullable): n values each
 * @u_min, @u_max: (nullable): m values each
 *
 * Where a trained model's data went: each state's and input's training range. FALSE
 * (and nothing written) for a model written by hand, which holds everywhere it is
 * defined, and for a trained model that recorded no ranges.
 */
gboolean              currents_system_get_support       (const CurrentsSystem *system,
                                                         double               *x_min,
                                                         double               *x_max,
                                                         double               *u_min,
                                                         double               *u_max);
/**
 * currents_system_is_extrapolated:
 * @x: (nullable): a state (n values)
 * @u: (nullable): input values (m values)
 * @outside: (out) (optional): the index of the first state outside its range, or n + k
 *   for input k; -1 when inside
 *
 * TRUE when a trained model is asked about a state or input outside its training range
 * (with a margin of 1e-9 of each range, so the data's own extremes are inside).
 */
gboolean              currents_system_is_extrapolated   (const CurrentsSystem *system,
                                                         const double         *x,
                                                         const double         *u,
                                                         int                  *outside);
/* A trajectory (n_points × n states, inputs @u held) leaves the training range: the first
 * row outside, or -1. */
gssize                currents_system_first_extrapolated (const CurrentsSystem *system,
                                                          const double         *x,
                                                          gsize                 n_points,
                                                          const double         *u);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsSystem, currents_system_free)

G_END_DECLS
