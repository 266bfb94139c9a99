/* currents-training-panel.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"
#include "currents-loss-plot.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_TRAINING_NO_DATA,   /* nothing to learn from */
  CURRENTS_TRAINING_READY,
  CURRENTS_TRAINING_RUNNING,
  CURRENTS_TRAINING_STOPPING,  /* asked to stop; the worker is finishing its step */
  CURRENTS_TRAINING_FINISHED,  /* ran to the end */
  CURRENTS_TRAINING_STOPPED,   /* stopped by the user; the best model is kept */
  CURRENTS_TRAINING_FAILED,    /* see currents_training_panel_get_last_error() */
} CurrentsTrainingState;

GType currents_training_state_get_type (void);
#define CURRENTS_TYPE_TRAINING_STATE (currents_training_state_get_type ())

#define CURRENTS_TYPE_TRAINING_PANEL (currents_training_panel_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsTrainingPanel, currents_training_panel, CURRENTS, TRAINING_PANEL,
                      GtkWidget)

GtkWidget            *currents_training_panel_new            (void);

/* What to learn from: the data set, and the model whose learned terms or parameters
 * may be fitted instead of a neural ODE (both nullable; copied). A run in progress keeps
 * its own copies. */
void                  currents_training_panel_set_source     (CurrentsTrainingPanel *self,
                                                              const CurrentsModel   *model,
                                                              const CurrentsDataset *dataset);

/* What to fit: "neural" (a neural ODE), "learned" (the model's learned terms) or
 * "params" (its learned terms and parameters). FALSE when the source offers no such
 * choice (no model, or nothing of that kind to fit). */
gboolean              currents_training_panel_set_kind       (CurrentsTrainingPanel *self,
                                                              const char            *kind);
const char           *currents_training_panel_get_kind       (CurrentsTrainingPanel *self);

/* Quantities of the states to conserve by penalty ("E + C; S + C + P", semicolons
 * between them; "" for none) and their weight λ ≥ 0: see
 * currents_learner_add_conservation(). */
void                  currents_training_panel_set_conserved  (CurrentsTrainingPanel *self,
                                                              const char            *quantities,
                                                              double                 weight);
const char           *currents_training_panel_get_conserved  (CurrentsTrainingPanel *self);

/* Starts training with the settings shown (training.start does the same and shows a
 * failure in the panel). Returns FALSE with @error when the settings or the data do not
 * allow it. */
gboolean              currents_training_panel_start          (CurrentsTrainingPanel *self,
                                                              GError               **error);
/* Asks training to stop; the best parameters are kept. */
void                  currents_training_panel_stop           (CurrentsTrainingPanel *self);

CurrentsTrainingState currents_training_panel_get_state      (CurrentsTrainingPanel *self);
/* TRUE while a worker thread runs (RUNNING or STOPPING). */
gboolean              currents_training_panel_get_running    (CurrentsTrainingPanel *self);
/* TRUE when a trained model can be saved. */
gboolean              currents_training_panel_get_has_model  (CurrentsTrainingPanel *self);
const char           *currents_training_panel_get_last_error (CurrentsTrainingPanel *self);

/* The best parameters so far (a snapshot taken at most about once a second while
 * training, exact once it has ended) and their epoch; NULL before the first epoch. */
const double         *currents_training_panel_get_best_params (CurrentsTrainingPanel *self,
                                                               gsize                 *n_params);
guint                 currents_training_panel_get_best_epoch (CurrentsTrainingPanel *self);
/* (transfer full) (nullable): the trained model with those parameters, ready to
 * simulate. "best-changed" says when it changes. */
CurrentsSystem       *currents_training_panel_dup_best_system (CurrentsTrainingPanel *self);
CurrentsTrainedModel *currents_training_panel_dup_trained_model (CurrentsTrainingPanel *self);
/* The training data's checksum and which of its trajectories are held out. */
const char           *currents_training_panel_get_data_sha256 (CurrentsTrainingPanel *self);
const gsize          *currents_training_panel_get_validation_set (CurrentsTrainingPanel *self,
                                                                  gsize                 *n);

/* Writes the trained model (JSON, atomically). */
gboolean              currents_training_panel_save           (CurrentsTrainingPanel *self,
                                                              const char            *path,
                                                              GError               **error);

/* Ensembles: with more than one model (a neural ODE only), Start trains that many
 * networks on bootstrap resamples (currents-ensemble.h), one job with one Stop; it ends
 * with "ensemble-trained". */
void                  currents_training_panel_set_n_models   (CurrentsTrainingPanel *self,
                                                              guint                  n_models);
guint                 currents_training_panel_get_n_models   (CurrentsTrainingPanel *self);
/* Whether the Models row can be used (FALSE unless a neural ODE is chosen). */
gboolean              currents_training_panel_get_ensemble_possible (CurrentsTrainingPanel *self);
/* Members finished so far in the ensemble run going or last run. */
guint                 currents_training_panel_get_members_done (CurrentsTrainingPanel *self);
/* (transfer none) (nullable): the last ensemble trained. */
const CurrentsEnsemble *currents_training_panel_get_ensemble (CurrentsTrainingPanel *self);
/* (transfer full) (nullable): a copy of it, every member bit for bit. */
CurrentsEnsemble     *currents_training_panel_dup_ensemble   (CurrentsTrainingPanel *self);

CurrentsLossPlot     *currents_training_panel_get_loss_plot  (CurrentsTrainingPanel *self);
/* The longest the panel's own main-thread handlers (progress, best-changed and its
 * handlers) took during the last run, in milliseconds. */
double                currents_training_panel_get_max_handler_ms (CurrentsTrainingPanel *self);

G_END_DECLS
