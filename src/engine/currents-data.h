/* currents-data.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trajectory data sets: several trajectories, each on its own irregular time grid,
 * with state columns (NaN marks a missing value) and input columns (external inputs
 * such as an inducer level, piecewise linear in t).
 *
 * Layout: a trajectory's states are n_samples × n_states, row-major
 * (states[k * n_states + i] is state i at times[k]); inputs likewise n_samples × n_inputs.
 * Times are strictly increasing within a trajectory.
 */
#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _CurrentsDataset    CurrentsDataset;
typedef struct _CurrentsTrajectory CurrentsTrajectory;

/**
 * CurrentsCsvOptions:
 * @input_columns: (nullable): %NULL-terminated names of columns to read as inputs
 * @constant_inputs: when %TRUE, every input must be constant within a trajectory
 * @ignore_columns: (nullable): %NULL-terminated names of columns to skip
 * @time_column: (nullable): the name of the time column, when it is not called `t` or
 *   `time`; other columns with those names must then be ignored
 * @trajectory_column: (nullable): the name of the trajectory column, when it is not
 *   called `trajectory`, `traj`, `id` or `experiment`; likewise
 *
 * Zero-initialise and set what you need.
 */
typedef struct
{
  const char *const *input_columns;
  gboolean           constant_inputs;
  const char *const *ignore_columns;
  const char        *time_column;
  const char        *trajectory_column;
} CurrentsCsvOptions;

/**
 * CurrentsCsvPreview:
 * @separator: the field separator the reader would use
 * @n_cols: the number of header fields
 * @names: (array length=n_cols): the header's column names (%NULL-terminated)
 * @n_rows: the number of data rows kept
 * @rows: (array length=n_rows): each row's fields (%NULL-terminated; a row may have
 *   more or fewer fields than the header)
 * @lines: (array length=n_rows): each row's line number in the file (from 1)
 * @header_line: the header's line number (0 when the text has none)
 *
 * The first rows of CSV text cut into fields the way the reader cuts them, for an
 * import preview. Comment and blank lines are skipped.
 */
typedef struct
{
  char    separator;
  gsize   n_cols;
  char  **names;
  gsize   n_rows;
  char ***rows;
  gsize  *lines;
  gsize   header_line;
} CurrentsCsvPreview;

CurrentsCsvPreview       *currents_csv_preview_new           (const char               *contents,
                                                              gssize                    length,
                                                              gsize                     max_rows);
void                      currents_csv_preview_free          (CurrentsCsvPreview       *preview);
/* TRUE when @name is one the reader takes as the time (or trajectory) column by itself. */
gboolean                  currents_csv_is_time_name          (const char               *name);
gboolean                  currents_csv_is_trajectory_name    (const char               *name);

/**
 * CurrentsColumnStats:
 * Summary of one state or input column over the whole data set (missing values
 * excluded; min/max/mean/sd are NaN when the column has no data).
 */
typedef struct
{
  double min;
  double max;
  double mean;
  double sd;
  gsize  n_observed;
  gsize  n_missing;
  double missing_fraction;
} CurrentsColumnStats;

CurrentsDataset          *currents_dataset_load              (const char               *path,
                                                              const CurrentsCsvOptions *options,
                                                              GError                  **error);
CurrentsDataset          *currents_dataset_parse             (const char               *contents,
                                                              gssize                    length,
                                                              const char               *filename,
                                                              const CurrentsCsvOptions *options,
                                                              GError                  **error);
CurrentsDataset          *currents_dataset_new               (const char *const        *state_names,
                                                              const char *const        *input_names);
gboolean                  currents_dataset_add_trajectory    (CurrentsDataset          *dataset,
                                                              const char               *id,
                                                              gsize                     n_samples,
                                                              const double             *times,
                                                              const double             *states,
                                                              const double             *inputs,
                                                              GError                  **error);
gboolean                  currents_dataset_save_csv          (const CurrentsDataset    *dataset,
                                                              const char               *path,
                                                              const char               *comment,
                                                              GError                  **error);
char                     *currents_dataset_to_csv            (const CurrentsDataset    *dataset,
                                                              const char               *comment);
void                      currents_dataset_free              (CurrentsDataset          *dataset);
CurrentsDataset          *currents_dataset_copy              (const CurrentsDataset    *dataset);

const char               *currents_dataset_get_filename      (const CurrentsDataset    *dataset);
const char               *currents_dataset_get_sha256        (const CurrentsDataset    *dataset);
gsize                     currents_dataset_get_n_trajectories (const CurrentsDataset   *dataset);
gsize                     currents_dataset_get_n_states      (const CurrentsDataset    *dataset);
gsize                     currents_dataset_get_n_inputs      (const CurrentsDataset    *dataset);
gsize                     currents_dataset_get_n_samples     (const CurrentsDataset    *dataset);
const char               *currents_dataset_get_state_name    (const CurrentsDataset    *dataset,
                                                              gsize                     i);
const char               *currents_dataset_get_input_name    (const CurrentsDataset    *dataset,
                                                              gsize                     i);
int                       currents_dataset_find_state        (const CurrentsDataset    *dataset,
                                                              const char               *name);
int                       currents_dataset_find_input        (const CurrentsDataset    *dataset,
                                                              const char               *name);
const CurrentsTrajectory *currents_dataset_get_trajectory    (const CurrentsDataset    *dataset,
                                                              gsize                     i);
void                      currents_dataset_get_time_span     (const CurrentsDataset    *dataset,
                                                              double                   *t_min,
                                                              double                   *t_max);
void                      currents_dataset_get_state_stats   (const CurrentsDataset    *dataset,
                                                              gsize                     i,
                                                              CurrentsColumnStats      *stats);
void                      currents_dataset_get_input_stats   (const CurrentsDataset    *dataset,
                                                              gsize                     i,
                                                              CurrentsColumnStats      *stats);
char                     *currents_dataset_summary           (const CurrentsDataset    *dataset);

const char               *currents_trajectory_get_id         (const CurrentsTrajectory *traj);
gsize                     currents_trajectory_get_n_samples  (const CurrentsTrajectory *traj);
const double             *currents_trajectory_get_times      (const CurrentsTrajectory *traj);
const double             *currents_trajectory_get_states     (const CurrentsTrajectory *traj);
const double             *currents_trajectory_get_inputs     (const CurrentsTrajectory *traj);
gboolean                  currents_trajectory_input_is_constant (const CurrentsTrajectory *traj,
                                                                 gsize                     i);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsDataset, currents_dataset_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (CurrentsCsvPreview, currents_csv_preview_free)

G_END_DECLS
