/* currents-cli.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * currents-cli: the Currents engine from the command line, for scripts, tests and papers.
 */
#define G_LOG_DOMAIN "currents-cli"

#include "config.h"

#include <signal.h>

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include <gsl/gsl_errno.h>

#include "currents-cli-private.h"

static const struct
{
  const char *name;
  int       (*run) (int argc, char **argv);
  const char *summary;
} commands[] = {
  { "info", cli_info, "Summarise a trajectory data set (CSV)" },
  { "check", cli_check, "Read a model (.ode) and report what it declares" },
  { "simulate", cli_simulate, "Simulate a model; make synthetic data sets" },
  { "train", cli_train, "Learn a model from trajectory data" },
  { "predict", cli_predict, "Predict trajectories with a trained model" },
  { "gradient", cli_gradient, "Evaluate the training loss and its exact gradient" },
  { "equilibria", cli_equilibria, "Find equilibria, their eigenvalues and types" },
  { "knockout", cli_knockout, "Knock out states (genes) and rank the steady-state shifts" },
  { "nullclines", cli_nullclines, "Nullclines of a 2-D slice" },
  { "trajectory", cli_trajectory, "Trajectories forward and backward from a point" },
  { "basins", cli_basins, "Basins of attraction on a grid" },
  { "continue", cli_continue, "Continue equilibria in a parameter: folds, Hopf points" },
  { "continue2", cli_continue2, "Continue folds and Hopf points in two parameters" },
  { "plot", cli_plot, "Render a phase portrait to PNG, SVG or PDF" },
  { "discover", cli_discover, "Read equations back from a (learned) field: sparse regression" },
  { "term", cli_term, "A hybrid model's learned term on a grid, against a known law" },
  { "sample", cli_sample, "Draw cells or sample paths from a population model" },
  { "density", cli_density, "A population model's log-density on a grid" },
};

static char *global_command_line;

/* The command line as typed, for the provenance of output files. */
char *
cli_command_line (void)
{
  return g_strdup (global_command_line);
}

gboolean
cli_parse_double (const char  *text,
                  const char  *what,
                  double      *value,
                  GError     **error)
{
  char *end = NULL;
  g_autofree char *copy = g_strstrip (g_strdup (text));

  *value = g_ascii_strtod (copy, &end);
  if (*copy == '\0' || end == copy || *end != '\0')
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%s: expected a number, found '%s'", what, text);
      return FALSE;
    }
  if (!isfinite (*value))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%s: expected a finite number, found '%s'", what, text);
      return FALSE;
    }
  return TRUE;
}

/* NAME=VALUE items, each possibly a comma list (a=1,b=2). */
GArray *
cli_parse_assignments (char       **items,
                       const char  *option,
                       GError     **error)
{
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (CliAssign));

  for (char **it = items; it != NULL && *it != NULL; it++)
    {
      g_auto(GStrv) parts = g_strsplit (*it, ",", -1);

      for (char **p = parts; *p != NULL; p++)
        {
          const char *eq = strchr (*p, '=');
          CliAssign a;
          g_autofree char *what = NULL;

          if (eq == NULL || eq == *p)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                           "%s: expected NAME=VALUE, found '%s'", option, *p);
              return NULL;
            }
          g_autofree char *name = g_strstrip (g_strndup (*p, eq - *p));

          a.name = g_intern_string (name);
          what = g_strdup_printf ("%s %s", option, a.name);
          if (!cli_parse_double (eq + 1, what, &a.value, error))
            return NULL;
          g_array_append_val (out, a);
        }
    }
  return g_steal_pointer (&out);
}

/* NAME=LO:HI items, comma lists allowed. */
GArray *
cli_parse_ranges (char       **items,
                  const char  *option,
                  GError     **error)
{
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (CliRange));

  for (char **it = items; it != NULL && *it != NULL; it++)
    {
      g_auto(GStrv) parts = g_strsplit (*it, ",", -1);

      for (char **p = parts; *p != NULL; p++)
        {
          const char *eq = strchr (*p, '=');
          const char *colon = eq ? strchr (eq + 1, ':') : NULL;
          CliRange r;
          g_autofree char *lo = NULL;
          g_autofree char *what = NULL;

          if (eq == NULL || colon == NULL || eq == *p)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                           "%s: expected NAME=LO:HI, found '%s'", option, *p);
              return NULL;
            }
          g_autofree char *name = NULL;

          name = g_strstrip (g_strndup (*p, eq - *p));
          r.name = g_intern_string (name);
          lo = g_strndup (eq + 1, colon - eq - 1);
          what = g_strdup_printf ("%s %s", option, r.name);
          if (!cli_parse_double (lo, what, &r.lo, error) ||
              !cli_parse_double (colon + 1, what, &r.hi, error))
            return NULL;
          if (r.hi < r.lo)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                           "%s: the range %s=%g:%g is empty (LO must not exceed HI)",
                           option, r.name, r.lo, r.hi);
              return NULL;
            }
          g_array_append_val (out, r);
        }
    }
  return g_steal_pointer (&out);
}

GArray *
cli_parse_doubles (const char  *text,
                   const char  *option,
                   GError     **error)
{
  g_autoptr(GArray) out = g_array_new (FALSE, FALSE, sizeof (double));
  g_auto(GStrv) parts = g_strsplit (text, ",", -1);

  for (char **p = parts; *p != NULL; p++)
    {
      double v;
      if (!cli_parse_double (*p, option, &v, error))
        return NULL;
      g_array_append_val (out, v);
    }
  if (out->len == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%s: expected a comma-separated list of numbers", option);
      return NULL;
    }
  return g_steal_pointer (&out);
}

int
cli_usage_error (GOptionContext *context,
                 const char     *fmt,
                 ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_printerr ("currents-cli: %s\n", msg);
  if (context != NULL)
    g_printerr ("Try '%s --help'.\n", g_get_prgname ());
  return CLI_USAGE;
}

int
cli_user_error (const GError *error)
{
  g_printerr ("currents-cli: %s\n", error->message);
  return CLI_ERROR;
}

/* Loads a model or trained model and applies --set; prints the error and returns NULL on failure. */
/* An ensemble's member named FILE#K (1 … K), as a system; an ensemble named alone is
 * refused with what to do. NULL without an error when @path is no ensemble. */
static CurrentsSystem *
load_member (const char  *path,
             GError     **error)
{
  const char *hash = strrchr (path, '#');
  g_autofree char *file = NULL;
  g_autoptr(CurrentsEnsemble) ens = NULL;
  guint64 k = 0;
  gsize n;

  if (hash != NULL && hash[1] != '\0'
      && g_ascii_string_to_unsigned (hash + 1, 10, 1, G_MAXUINT, &k, NULL)
      && !g_file_test (path, G_FILE_TEST_EXISTS))
    file = g_strndup (path, (gsize) (hash - path));
  else
    {
      k = 0;
      file = g_strdup (path);
    }
  if (!currents_ensemble_sniff (file))
    return NULL;
  ens = currents_ensemble_load (file, error);
  if (ens == NULL)
    return NULL;
  n = currents_ensemble_get_n_members (ens);
  if (k == 0 || k > n)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   k == 0
                   ? "%s is an ensemble of %zu models and this command analyses one: name a "
                     "member as %s#1 … %s#%zu (predict, equilibria, continue and knockout run "
                     "across the whole ensemble)"
                   : "%s has %zu members: name one of %s#1 … %s#%zu",
                   file, n, file, file, n);
      return NULL;
    }
  {
    CurrentsSystem *sys = currents_ensemble_new_system (ens, (gsize) (k - 1));
    g_autofree char *name = g_strdup_printf ("%s#%u", file, (guint) k);

    currents_system_set_filename (sys, name);
    return sys;
  }
}

gboolean
cli_interrupt (GCancellable *cancellable,
               const char   *what_is_kept)
{
  /* First Ctrl-C stops gracefully (what is kept is saved); a second one kills. */
  if (!g_cancellable_is_cancelled (cancellable))
    {
      if (what_is_kept != NULL)
        g_printerr ("\ncurrents-cli: stopping; %s will be saved (Ctrl-C again to quit at once)\n",
                    what_is_kept);
      g_cancellable_cancel (cancellable);
      return G_SOURCE_CONTINUE;
    }
  signal (SIGINT, SIG_DFL);
  raise (SIGINT);
  return G_SOURCE_REMOVE;
}

CurrentsSystem *
cli_open_system (const char  *path,
                 GError     **error)
{
  GError *local = NULL;
  CurrentsSystem *sys = load_member (path, &local);

  if (sys != NULL || local != NULL)
    {
      if (local != NULL)
        g_propagate_error (error, local);
      return sys;
    }
  return currents_system_load (path, error);
}

CurrentsSystem *
cli_load_system (const char  *path,
                 char       **set_items,
                 int         *status)
{
  g_autoptr(GError) error = NULL;
  g_autoptr(CurrentsSystem) sys = NULL;
  g_autoptr(GArray) sets = NULL;

  sys = cli_open_system (path, &error);
  if (sys == NULL)
    {
      *status = cli_user_error (error);
      return NULL;
    }
  if (set_items != NULL && !(sets = cli_parse_assignments (set_items, "--set", &error)))
    {
      *status = cli_user_error (error);
      return NULL;
    }
  for (guint i = 0; sets != NULL && i < sets->len; i++)
    {
      const CliAssign *a = &g_array_index (sets, CliAssign, i);

      if (!currents_system_set (sys, a->name, a->value, &error))
        {
          g_prefix_error (&error, "--set %s: ", a->name);
          *status = cli_user_error (error);
          return NULL;
        }
    }
  return g_steal_pointer (&sys);
}

/* A number, or null where it is not finite (JSON has no NaN). */
void
cli_json_number (JsonBuilder *b,
                 double       v)
{
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

void
cli_json_member_number (JsonBuilder *b,
                        const char  *key,
                        double       v)
{
  json_builder_set_member_name (b, key);
  cli_json_number (b, v);
}

/* An array of numbers, as a member when @key is given. */
void
cli_json_member_vector (JsonBuilder  *b,
                        const char   *key,
                        const double *v,
                        gsize         n)
{
  if (key != NULL)
    json_builder_set_member_name (b, key);
  json_builder_begin_array (b);
  for (gsize i = 0; i < n; i++)
    cli_json_number (b, v[i]);
  json_builder_end_array (b);
}

void
cli_json_print (JsonBuilder *builder)
{
  g_autoptr(JsonNode) root = json_builder_get_root (builder);
  g_autofree char *text = currents_json_to_string (root);

  /* not json-glib's generator: it writes 1e-08 as "1e-08.0" (see currents-json.h) */
  fputs (text, stdout);
}

static void
print_help (FILE *out)
{
  fprintf (out, "Usage: currents-cli COMMAND [OPTION…]\n\n"
                "Learn and explore the laws of motion of dynamical systems.\n\nCommands:\n");
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (out, "  %-10s %s\n", commands[i].name, commands[i].summary);
  fprintf (out, "\nRun 'currents-cli COMMAND --help' for a command's options.\n"
                "Examples:\n"
                "  currents-cli check data/examples/toggle.ode\n"
                "  currents-cli simulate data/examples/toggle.ode --t1 10 --dt 0.5\n"
                "  currents-cli info data/examples/toggle.csv\n");
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GString) line = g_string_new ("currents-cli");
  int status;

  setlocale (LC_ALL, "");
  gsl_set_error_handler_off ();
  for (int i = 1; i < argc; i++)
    {
      g_autofree char *quoted = g_shell_quote (argv[i]);
      g_string_append_c (line, ' ');
      g_string_append (line, strpbrk (argv[i], " \t'\"$\\") ? quoted : argv[i]);
    }
  global_command_line = line->str;

  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0 ||
      strcmp (argv[1], "help") == 0)
    {
      print_help (argc < 2 ? stderr : stdout);
      return argc < 2 ? CLI_USAGE : CLI_OK;
    }
  if (strcmp (argv[1], "--version") == 0)
    {
      g_print ("currents-cli %s\n", PACKAGE_VERSION);
      return CLI_OK;
    }
  for (gsize i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        g_autofree char *prgname = g_strdup_printf ("currents-cli %s", commands[i].name);
        g_set_prgname (prgname);
        status = commands[i].run (argc - 1, argv + 1);
        global_command_line = NULL;
        return status;
      }
  g_printerr ("currents-cli: unknown command '%s'\n", argv[1]);
  print_help (stderr);
  return CLI_USAGE;
}

gboolean
cli_check_writable (const char  *path,
                    const char  *what,
                    GError     **error)
{
  g_autofree char *dir = g_path_get_dirname (path);
  g_autofree char *probe = g_build_filename (dir, ".currents-XXXXXX", NULL);
  int fd;

  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, G_FILE_ERROR, G_FILE_ERROR_ISDIR,
                   "%s: cannot save the %s there: it is a folder; give a file name", path, what);
      return FALSE;
    }
  fd = g_mkstemp (probe);
  if (fd < 0)
    {
      int saved = errno;

      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "%s: cannot save the %s there: %s (nothing was started; choose another "
                   "place with -o)", path, what, g_strerror (saved));
      return FALSE;
    }
  close (fd);
  g_remove (probe);
  return TRUE;
}
