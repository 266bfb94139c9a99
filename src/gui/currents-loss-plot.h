/* currents-loss-plot.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define CURRENTS_TYPE_LOSS_PLOT (currents_loss_plot_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsLossPlot, currents_loss_plot, CURRENTS, LOSS_PLOT, GtkWidget)

GtkWidget *currents_loss_plot_new           (void);

/* Forgets every point; @epochs is the planned length of the x axis. */
void       currents_loss_plot_reset         (CurrentsLossPlot *self,
                                             guint             epochs);
/* One epoch's training and validation MSE (NaN where unknown); epochs increase. */
void       currents_loss_plot_add           (CurrentsLossPlot *self,
                                             guint             epoch,
                                             double            train_loss,
                                             double            val_loss);
/* Replaces the points with a complete history (epoch e + 1 at index e). */
void       currents_loss_plot_set_history   (CurrentsLossPlot *self,
                                             const double     *train_loss,
                                             const double     *val_loss,
                                             gsize             n);
/* Marks the epoch of the best parameters (0: none). */
void       currents_loss_plot_set_best      (CurrentsLossPlot *self,
                                             guint             epoch);
guint      currents_loss_plot_get_n_points  (CurrentsLossPlot *self);
guint      currents_loss_plot_get_n_frames  (CurrentsLossPlot *self);

G_END_DECLS
