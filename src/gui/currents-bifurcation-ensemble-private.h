/* currents-bifurcation-ensemble-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The Bifurcations page's ensemble run: currents_ensemble_continue() over every member
 * in a GTask thread, keyed like the view's own outcome.
 */
#pragma once

#include "currents-engine.h"
#include "currents-ensemble.h"

G_BEGIN_DECLS

typedef struct _CurrentsBifurcationEnsemble CurrentsBifurcationEnsemble;

/* @done runs on the main thread when a run for a key ends (with a result or an error;
 * never after a cancellation). */
CurrentsBifurcationEnsemble *_currents_bifurcation_ensemble_new (void     (*done) (gpointer data),
                                                                 gpointer   data);
void       _currents_bifurcation_ensemble_free      (CurrentsBifurcationEnsemble *be);
/* Starts a run for @key unless its result is kept or it runs already. The members'
 * systems are made here (main thread) with @shown's named parameters and inputs. */
void       _currents_bifurcation_ensemble_request   (CurrentsBifurcationEnsemble       *be,
                                                     const CurrentsEnsemble            *ens,
                                                     CurrentsSystem                    *shown,
                                                     const char                        *param,
                                                     const CurrentsContinuationOptions *options,
                                                     const char                        *key);
/* Stops a run; TRUE when one was running. */
gboolean   _currents_bifurcation_ensemble_cancel    (CurrentsBifurcationEnsemble *be);
/* Stops a run and forgets the result. */
void       _currents_bifurcation_ensemble_clear     (CurrentsBifurcationEnsemble *be);
gboolean   _currents_bifurcation_ensemble_running   (CurrentsBifurcationEnsemble *be);
/* (transfer none) (nullable) (element-type CurrentsTippingPoint): the result for @key;
 * the members asked, those whose continuation failed and the first one's message, or
 * the run's error (then %NULL). */
GPtrArray *_currents_bifurcation_ensemble_get       (CurrentsBifurcationEnsemble *be,
                                                     const char                  *key,
                                                     gsize                       *n_members,
                                                     gsize                       *n_failed,
                                                     const char                 **failure,
                                                     const char                 **error);
/* Runs started so far. */
guint      _currents_bifurcation_ensemble_get_runs  (CurrentsBifurcationEnsemble *be);

G_END_DECLS
