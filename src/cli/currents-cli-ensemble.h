/* currents-cli-ensemble.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Ensembles on the command line: `train --ensemble K`, and `predict`, `equilibria` and
 * `continue` given an ensemble file (currents-ensemble.h). Each command parses its own
 * options and hands them here.
 */
#pragma once

#include "currents-cli-private.h"

G_BEGIN_DECLS

int cli_train_ensemble      (const char                  *data_path,
                             const CurrentsDataset       *dataset,
                             const CurrentsTrainOptions  *options,
                             guint                        n_members,
                             int                          n_threads,
                             guint64                      seed,
                             CurrentsEnsembleLearnerFunc  make_learner,
                             gpointer                     learner_data,
                             const char                  *output,
                             gboolean                     json,
                             gboolean                     quiet);

int cli_predict_ensemble    (const char                  *path,
                             const char                  *data,
                             char                       **inputs,
                             char                       **init_items,
                             char                       **set_items,
                             const char                  *times_text,
                             const char                  *t0_text,
                             const char                  *t1_text,
                             const char                  *dt_text,
                             const char                  *output,
                             gboolean                     json);

int cli_equilibria_ensemble (const char                  *path,
                             char                       **set_items,
                             char                       **box_items,
                             int                          n_seeds,
                             guint64                      seed,
                             const char                  *t_text,
                             gboolean                     json);

int cli_continue_ensemble   (const char                  *path,
                             const char                  *param,
                             CurrentsContinuationOptions *options,
                             char                       **set_items,
                             char                       **box_items,
                             const char                  *t_text,
                             gboolean                     json);

G_END_DECLS
