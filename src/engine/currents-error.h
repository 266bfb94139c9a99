/* currents-error.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define CURRENTS_ENGINE_ERROR (currents_engine_error_quark ())

/**
 * CurrentsEngineError:
 * @CURRENTS_ENGINE_ERROR_IO: a file could not be read or written
 * @CURRENTS_ENGINE_ERROR_DATA_FORMAT: a data file is malformed
 * @CURRENTS_ENGINE_ERROR_MODEL_SYNTAX: a model file does not parse
 * @CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC: a model parses but is inconsistent
 *   (unknown name, wrong arity, duplicate or missing equation)
 * @CURRENTS_ENGINE_ERROR_UNSUPPORTED: a construct Currents does not implement
 * @CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT: a caller's argument is out of range
 * @CURRENTS_ENGINE_ERROR_NON_FINITE: a computation produced NaN or infinity
 * @CURRENTS_ENGINE_ERROR_MAX_STEPS: a solver hit its step limit
 * @CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW: a solver's step fell below its minimum
 * @CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN: a linear solve met a singular matrix
 * @CURRENTS_ENGINE_ERROR_NO_CONVERGENCE: an iteration did not converge
 * @CURRENTS_ENGINE_ERROR_OUT_OF_BOUNDS: a state left the model's bound
 * @CURRENTS_ENGINE_ERROR_CANCELLED: the caller cancelled the work
 */
typedef enum
{
  CURRENTS_ENGINE_ERROR_IO,
  CURRENTS_ENGINE_ERROR_DATA_FORMAT,
  CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
  CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
  CURRENTS_ENGINE_ERROR_UNSUPPORTED,
  CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
  CURRENTS_ENGINE_ERROR_NON_FINITE,
  CURRENTS_ENGINE_ERROR_MAX_STEPS,
  CURRENTS_ENGINE_ERROR_STEP_UNDERFLOW,
  CURRENTS_ENGINE_ERROR_SINGULAR_JACOBIAN,
  CURRENTS_ENGINE_ERROR_NO_CONVERGENCE,
  CURRENTS_ENGINE_ERROR_OUT_OF_BOUNDS,
  CURRENTS_ENGINE_ERROR_CANCELLED,
} CurrentsEngineError;

GQuark currents_engine_error_quark (void);

G_END_DECLS
