/* currents-portrait-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared between currents-portrait.c (content, work, drawing, gestures) and
 * currents-portrait-actions.c (actions, export, the equilibrium popover).
 */
#pragma once

#include <adwaita.h>

#include "currents-plot-portrait.h"
#include "currents-portrait.h"

G_BEGIN_DECLS

typedef struct
{
  double     x, y;
  int        direction;   /* +1 forward, −1 backward, 0 both */
  guint      serial;      /* the parameters it was computed for */
  GPtrArray *branches;    /* CurrentsPhaseTrajectory, or NULL before the first result */
} Launch;

struct _CurrentsPortrait
{
  GtkWidget               parent_instance;

  /* template children */
  AdwFlap                *flap;
  GtkOverlay             *overlay;
  GtkDrawingArea         *canvas;
  GtkWidget              *toolbar;
  GtkLabel               *readout;
  GtkWidget              *status_box;
  GtkSpinner             *status_spinner;
  GtkLabel               *status_label;
  CurrentsParameterPanel *parameter_panel;
  GtkWidget              *equilibrium_popover;

  /* content */
  CurrentsSystem         *system;
  CurrentsDataset        *dataset;
  CurrentsFieldWorkspace *hover_ws;     /* the full field's, for the read-out */
  double                 *hover_f;
  GtkStringList          *variables;
  guint                   n_states;     /* variables[n_states] is time */
  int                    *data_column;  /* per state variable: the data's column or -1 */
  guint                   x_axis;
  guint                   y_axis;
  gboolean                updating_variables;

  /* what is shown */
  CurrentsPlotLayers      layers;
  CurrentsPlotArrowStyle  arrow_style;
  gboolean                show_legend;
  int                     direction;
  CurrentsPlotScene      *scene;
  /* a shading kept across scenes (an ensemble's disagreement), or NULL */
  double                 *shading;
  gsize                   shading_nx, shading_ny;
  double                  shading_window[4];
  double                  shading_full;
  char                   *shading_label;
  GPtrArray              *equilibria;   /* the plane's, as drawn */
  GPtrArray              *launches;     /* Launch */
  char                   *readout_text;

  /* the view */
  gboolean                has_view;
  double                  view[4];
  double                  home[4];
  gboolean                view_moved;   /* by the user */
  double                  drag_view[4];
  gboolean                panning;
  double                  zoom_view[4];
  double                  zoom_centre[2];
  double                  hover[2];

  /* work */
  GCancellable           *cancellable;  /* all work for the content shown */
  guint                   generation;   /* content and axes */
  guint                   serial;       /* parameters */
  guint                   view_serial;  /* parameters or view */
  guint                   rebuild_source;
  guint                   settle_source;
  gboolean                live_running;
  gboolean                live_pending;
  gboolean                live_full;
  GCancellable           *live_cancellable;
  gsize                   grid_nx, grid_ny;
  GCancellable           *heavy_cancellable;
  guint                   heavy_running;
  guint                   sim_running;
  guint                   launches_running;
  gboolean                busy;
  AdwAnimation           *fades[CURRENTS_PLOT_N_LAYERS];

  /* the state another view points at (a selected equilibrium), or none */
  gboolean                has_highlight;
  double                 *highlight;

  CurrentsPlotStats       stats;
  guint                   n_frames;
  guint                   n_updates;
};

/* currents-portrait-actions.c */
void     _currents_portrait_class_install_actions (GtkWidgetClass   *widget_class);
void     _currents_portrait_update_actions        (CurrentsPortrait *self);
void     _currents_portrait_show_equilibrium      (CurrentsPortrait *self,
                                                   guint             index,
                                                   double            x,
                                                   double            y);
const CurrentsPortraitLabels *_currents_portrait_labels (void);

/* currents-portrait.c */
void     _currents_portrait_set_direction         (CurrentsPortrait *self,
                                                   int               direction);
void     _currents_portrait_set_arrow_style       (CurrentsPortrait *self,
                                                   CurrentsPlotArrowStyle style);
void     _currents_portrait_hold_at_equilibrium   (CurrentsPortrait *self);
char    *_currents_portrait_describe              (CurrentsPortrait *self);
void     _currents_portrait_set_provenance        (CurrentsPortrait *self,
                                                   CurrentsPlotScene *scene);

G_END_DECLS
