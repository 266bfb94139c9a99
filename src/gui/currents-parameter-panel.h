/* currents-parameter-panel.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gtk/gtk.h>

#include "currents-engine.h"

G_BEGIN_DECLS

typedef enum
{
  CURRENTS_PARAMETER_INPUT,
  CURRENTS_PARAMETER_PARAM,
  CURRENTS_PARAMETER_STATE,   /* a state held fixed off the plane's axes */
} CurrentsParameterKind;

#define CURRENTS_TYPE_PARAMETER_PANEL (currents_parameter_panel_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsParameterPanel, currents_parameter_panel, CURRENTS,
                      PARAMETER_PANEL, GtkWidget)

GtkWidget     *currents_parameter_panel_new            (void);

/**
 * currents_parameter_panel_set_system:
 * @system: (nullable): what to show sliders for; borrowed, it must outlive the panel's
 *   use of it (until the next call)
 * @dataset: (nullable): data whose input levels and state ranges set the sliders' ranges
 * @x_axis, @y_axis: the states on the plane's axes (no sliders; G_MAXUINT for none)
 *
 * One slider for every input and named parameter, and for every state off the axes.
 * Ranges: a parameter's 0…2×|value|; an input's range in the data or in the trained
 * model's data, on a log scale where the model takes it on a log scale; a state's range
 * in the data, or around its value.
 */
void           currents_parameter_panel_set_system     (CurrentsParameterPanel *self,
                                                        CurrentsSystem         *system,
                                                        const CurrentsDataset  *dataset,
                                                        guint                   x_axis,
                                                        guint                   y_axis);
/* Rows (sliders) shown. */
guint          currents_parameter_panel_get_n_rows     (CurrentsParameterPanel *self);
/* The slider's adjustment of the input, parameter or state @name (log10 units on a log
 * slider), or NULL. */
GtkAdjustment *currents_parameter_panel_get_adjustment (CurrentsParameterPanel *self,
                                                        const char             *name);
/* Moves a slider as the user would (the value in the quantity's own units). */
gboolean       currents_parameter_panel_set_value      (CurrentsParameterPanel *self,
                                                        const char             *name,
                                                        double                  value);
/* The value a slider holds, in the quantity's own units; FALSE when there is no such row. */
gboolean       currents_parameter_panel_get_value      (CurrentsParameterPanel *self,
                                                        const char             *name,
                                                        double                 *value);
/* A slider's range in the quantity's own units, whether it moves on a log scale
 * (log10 (u + @offset)) and its offset u₀ (0 for a linear row). Any out argument may
 * be NULL. */
gboolean       currents_parameter_panel_get_range      (CurrentsParameterPanel *self,
                                                        const char             *name,
                                                        double                 *lo,
                                                        double                 *hi,
                                                        gboolean               *log_scale,
                                                        double                 *offset);
/* Shows @value for a state without emitting ::value-changed (held at an equilibrium). */
void           currents_parameter_panel_show_state     (CurrentsParameterPanel *self,
                                                        guint                   index,
                                                        double                  value);
G_END_DECLS
