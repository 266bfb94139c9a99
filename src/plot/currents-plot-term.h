/* currents-plot-term.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A learned term of a hybrid model (see currents-learned-term.h) drawn for the window's
 * Learned terms page and `currents-cli term --plot`: a term of one argument as a curve
 * with an optional reference law dashed, the data's range clear and the rest veiled and
 * hatched (the network extrapolates there); a term of two arguments as a heat map with
 * the data's range outlined.
 */
#pragma once

#include "currents-learned-term.h"
#include "currents-plot.h"

G_BEGIN_DECLS

typedef struct
{
  const CurrentsLearnedTermGrid *grid;
  const char                    *term_name;
  const char *const             *arg_names;       /* grid->n_args names */
  const double                  *reference;       /* (nullable): values on the grid */
  const char                    *reference_label; /* (nullable): legend text */
  double                         data_lo[2];      /* NaN: unknown */
  double                         data_hi[2];
} CurrentsPlotTerm;

/**
 * currents_plot_term_draw:
 * @vp: (out) (optional): the viewport used, for hit tests
 *
 * Draws the whole figure into a @width × @height area.
 */
void currents_plot_term_draw (cairo_t                 *cr,
                              const CurrentsPlotTheme *theme,
                              double                   width,
                              double                   height,
                              const CurrentsPlotTerm  *term,
                              CurrentsPlotViewport    *vp);

G_END_DECLS
