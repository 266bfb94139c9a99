/* currents-discover-dialog.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * "Read Equations Back…": sparse regression of the trained model shown onto a library of
 * candidate terms (currents-sparse.h) — polynomials, Hill functions, the user's own
 * expressions — over the data shown, in a thread on a snapshot of the model. The result
 * is shown as equations with R² and the residual per equation, and can be opened in the
 * model editor or set as the known model of the Learned vs Known page.
 */
#pragma once

#include <adwaita.h>

#include "currents-engine.h"
#include "currents-window.h"

G_BEGIN_DECLS

#define CURRENTS_TYPE_DISCOVER_DIALOG (currents_discover_dialog_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsDiscoverDialog, currents_discover_dialog, CURRENTS,
                      DISCOVER_DIALOG, AdwWindow)

typedef enum
{
  CURRENTS_DISCOVER_INTEGRAL,   /* the flow: ∫Θ dt against x(b) − x(a) (the default) */
  CURRENTS_DISCOVER_POINTS,     /* the field's values at the data's points */
} CurrentsDiscoverForm;

/* Transient for @window, reading the model and data its portrait shows. */
CurrentsDiscoverDialog *currents_discover_dialog_new            (CurrentsWindow         *window);

/* The library's settings, as the widgets show them. */
void        currents_discover_dialog_set_degree         (CurrentsDiscoverDialog *self,
                                                         guint                   degree);
void        currents_discover_dialog_set_include_inputs (CurrentsDiscoverDialog *self,
                                                         gboolean                with_inputs);
/* "K:n, K:n" (empty: no Hill functions) */
void        currents_discover_dialog_set_hill           (CurrentsDiscoverDialog *self,
                                                         const char             *text);
void        currents_discover_dialog_set_activation     (CurrentsDiscoverDialog *self,
                                                         gboolean                activation);
/* expressions separated by ';' */
void        currents_discover_dialog_set_terms          (CurrentsDiscoverDialog *self,
                                                         const char             *text);
void        currents_discover_dialog_set_threshold      (CurrentsDiscoverDialog *self,
                                                         double                  threshold);
void        currents_discover_dialog_set_form           (CurrentsDiscoverDialog *self,
                                                         CurrentsDiscoverForm    form);

/* The Find button: builds the library (errors shown at once) and runs the regression
 * in a thread; a run already going is cancelled. */
void        currents_discover_dialog_find               (CurrentsDiscoverDialog *self);
/* TRUE while a regression runs. */
gboolean    currents_discover_dialog_get_busy           (CurrentsDiscoverDialog *self);
/* Results applied so far. */
guint       currents_discover_dialog_get_n_results      (CurrentsDiscoverDialog *self);
/* (nullable): the error shown, or NULL */
const char *currents_discover_dialog_get_error          (CurrentsDiscoverDialog *self);

/* (nullable): the result shown: its library, fit, `.ode` text, and the sentence on what
 * was kept ("2 of 6 terms kept in u′, …"). */
const CurrentsLibrary   *currents_discover_dialog_get_library (CurrentsDiscoverDialog *self);
const CurrentsSparseFit *currents_discover_dialog_get_fit     (CurrentsDiscoverDialog *self);
const char  *currents_discover_dialog_get_source        (CurrentsDiscoverDialog *self);
const char  *currents_discover_dialog_get_summary       (CurrentsDiscoverDialog *self);
/* The equation as shown ("u′ = 5*1/(1 + (v/1)^2) - u"), or NULL. */
const char  *currents_discover_dialog_get_equation      (CurrentsDiscoverDialog *self,
                                                         gsize                   i);

/* The result's buttons; both close the dialog. "Open in Editor" returns the editor (or
 * NULL without a result); "Compare with the Network" sets the found model as the known
 * model of the Learned vs Known page and shows it (FALSE without a result or when the
 * text does not read back as a model). */
CurrentsModelEditor *currents_discover_dialog_open_in_editor (CurrentsDiscoverDialog *self);
gboolean    currents_discover_dialog_compare            (CurrentsDiscoverDialog *self);

G_END_DECLS
