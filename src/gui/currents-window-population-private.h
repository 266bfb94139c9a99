/* currents-window-population-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The window's side of populations of cells (currents-window-population.c): opening a
 * population model, showing snapshot data, the Population page's visibility.
 */
#pragma once

#include "currents-window.h"

G_BEGIN_DECLS

/* Connects the Population page to the window (at start-up). */
void     _currents_window_init_population  (CurrentsWindow     *self);
/* TRUE (and takes @task, completing it once shown) when @file is a population model. */
gboolean _currents_window_open_population  (CurrentsWindow     *self,
                                            GFile              *file,
                                            GCancellable       *cancellable,
                                            GTask              *task);
/* Shows a model and/or snapshots (either may be NULL; ownership taken) on the Population
 * page, makes the page visible and, with @present, shows it. */
void     _currents_window_show_population  (CurrentsWindow     *self,
                                            CurrentsPopulation *population,
                                            const char         *population_name,
                                            CurrentsSnapshots  *snapshots,
                                            const char         *snapshots_name,
                                            gboolean            present);
/* In currents-window.c: the page's content changed (the window shows its plot stack). */
void     _currents_window_population_changed (CurrentsWindow *self);
/* Empties the Population page and hides it. */
void     _currents_window_clear_population (CurrentsWindow     *self);

G_END_DECLS
