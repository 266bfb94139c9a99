/* currents-cli-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#pragma once

#include <gio/gio.h>

#include <json-glib/json-glib.h>

#include "currents-engine.h"

G_BEGIN_DECLS

/* Exit statuses: 0 success, 1 an error the user can fix, 2 wrong usage. */
enum { CLI_OK = 0, CLI_ERROR = 1, CLI_USAGE = 2 };

typedef struct
{
  const char *name;
  double      value;
} CliAssign;

typedef struct
{
  const char *name;
  double      lo;
  double      hi;
} CliRange;

int      cli_info      (int argc, char **argv);
int      cli_check     (int argc, char **argv);
int      cli_simulate  (int argc, char **argv);
int      cli_train     (int argc, char **argv);
int      cli_predict   (int argc, char **argv);
int      cli_gradient  (int argc, char **argv);
int      cli_equilibria (int argc, char **argv);
int      cli_knockout  (int argc, char **argv);
int      cli_nullclines (int argc, char **argv);
int      cli_basins    (int argc, char **argv);
int      cli_trajectory (int argc, char **argv);
int      cli_continue  (int argc, char **argv);
int      cli_continue2 (int argc, char **argv);
int      cli_plot      (int argc, char **argv);
int      cli_discover  (int argc, char **argv);
int      cli_term      (int argc, char **argv);
/* populations of cells (currents-cli-population.c) */
int      cli_train_snapshots (int argc, char **argv);
int      cli_sample    (int argc, char **argv);
int      cli_density   (int argc, char **argv);

gboolean cli_parse_double     (const char *text, const char *what, double *value, GError **error);
GArray  *cli_parse_assignments (char **items, const char *option, GError **error);
GArray  *cli_parse_ranges     (char **items, const char *option, GError **error);
GArray  *cli_parse_doubles    (const char *text, const char *option, GError **error);
int      cli_usage_error      (GOptionContext *context, const char *fmt, ...) G_GNUC_PRINTF (2, 3);
int      cli_user_error       (const GError *error);
char    *cli_command_line     (void);
/* Whether a file can be written at @path (its folder exists and takes a new file): asked
 * before hours of training, not after. */
gboolean cli_check_writable   (const char *path, const char *what, GError **error);
void     cli_json_print       (JsonBuilder *builder);
CurrentsSystem *cli_load_system (const char *path, char **set_items, int *status);
/* A model, trained model or an ensemble's member FILE#K (an ensemble alone is refused
 * with what to do). */
CurrentsSystem *cli_open_system (const char *path, GError **error);
/* A SIGINT source's body: the first Ctrl-C cancels (saying @what_is_kept will be saved,
 * unless NULL), a second one kills. */
gboolean cli_interrupt        (GCancellable *cancellable, const char *what_is_kept);
void     cli_json_number      (JsonBuilder *b, double v);
void     cli_json_member_number (JsonBuilder *b, const char *key, double v);
void     cli_json_member_vector (JsonBuilder *b, const char *key, const double *v, gsize n);

G_END_DECLS
