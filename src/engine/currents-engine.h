/* currents-engine.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Currents numerical engine: one header for all of it.
 */
#pragma once

#include "currents-error.h"
#include "currents-field.h"
#include "currents-data.h"
#include "currents-simulate.h"
#include "currents-model.h"
#include "currents-mlp.h"
#include "currents-neural.h"
#include "currents-hamiltonian.h"
#include "currents-symplectic.h"
#include "currents-trained.h"
#include "currents-adjoint.h"
#include "currents-conserved-quantity.h"
#include "currents-loss.h"
#include "currents-train.h"
#include "currents-learner.h"
#include "currents-system.h"
#include "currents-equilibria.h"
#include "currents-knockout.h"
#include "currents-json.h"
#include "currents-periodic.h"
#include "currents-phase.h"
#include "currents-continuation.h"
#include "currents-hysteresis.h"
#include "currents-version.h"
#include "currents-workspace.h"
#include "currents-stoich.h"
#include "currents-cnf.h"
#include "currents-model-template.h"
#include "currents-sparse.h"
#include "currents-learned-term.h"
#include "currents-ensemble.h"
#include "currents-population.h"
