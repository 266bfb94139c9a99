/* test-atomic-write.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Saving when the file system fails: every saver of the engine (trained model, workspace,
 * data CSV, ensemble, population model) goes through g_file_set_contents(), which writes
 * PATH.XXXXXX, fsyncs it and renames it over PATH. Faults are injected by interposing
 * the libc functions GLib 2.74 calls for that (open64, write, rename: see
 * `nm -D libglib-2.0.so.0` and `strace`; it calls no fallocate() or fsync() for a new
 * file) in this executable, which the dynamic linker searches first (before libglib, and
 * before ASan's interceptors, which are reached through RTLD_NEXT like libc's).
 * A fault is armed only for files in the test's own directory:
 *   rename      the temporary file is complete, its rename fails (EIO);
 *   disk-full   the first write() writes part of the text, the next fails (ENOSPC);
 *   read-only   the temporary file cannot be created (EROFS), as in a read-only directory
 *               (CI runs as root, where chmod would not stop the writes);
 *   no-access   the same with EACCES.
 * After each: the call returned FALSE with a %CURRENTS_ENGINE_ERROR_IO error naming the
 * file and the reason, the previous file is byte for byte what it was, the directory holds
 * nothing else (no temporary file left), and, disarmed, the same save succeeds and changes
 * the file (so the bytes compared differ).
 */
#undef _FORTIFY_SOURCE
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "config.h"

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <gsl/gsl_errno.h>

#include "currents-engine.h"
#include "currents-neural.h"

/* ------------------------------------------------------------------------------------ */
/* The interposed functions                                                             */

typedef enum
{
  FAULT_NONE,
  FAULT_RENAME,
  FAULT_DISK_FULL,
  FAULT_READ_ONLY,
  FAULT_NO_ACCESS,
} Fault;

static Fault  armed = FAULT_NONE;
static char  *armed_dir;          /* "DIR/": only files in it fail */
static int    tracked_fd = -1;    /* the temporary file GLib created in armed_dir */
static guint  n_fired;            /* how often the armed fault struck */
static gsize  n_written;          /* bytes really written to tracked_fd before the fault */
static guint  n_created;          /* temporary files created in armed_dir */

static int     (*real_open64) (const char *, int, ...);
static ssize_t (*real_write) (int, const void *, size_t);
static int     (*real_rename) (const char *, const char *);

static void *
next_symbol (const char *name)
{
  void *sym = dlsym (RTLD_NEXT, name);

  if (sym == NULL)
    {
      /* no g_error(): it may write */
      fprintf (stderr, "test-atomic-write: no next %s\n", name);
      abort ();
    }
  return sym;
}

static gboolean
in_armed_dir (const char *path)
{
  return armed != FAULT_NONE && armed_dir != NULL && path != NULL
         && g_str_has_prefix (path, armed_dir);
}

int
open64 (const char *path,
        int         flags,
        ...)
{
  mode_t mode = 0;
  int fd;

  if (flags & (O_CREAT | __O_TMPFILE))
    {
      va_list ap;

      va_start (ap, flags);
      mode = va_arg (ap, int);
      va_end (ap);
    }
  if (real_open64 == NULL)
    real_open64 = next_symbol ("open64");

  if ((flags & O_CREAT) && in_armed_dir (path)
      && (armed == FAULT_READ_ONLY || armed == FAULT_NO_ACCESS))
    {
      n_fired++;
      errno = armed == FAULT_READ_ONLY ? EROFS : EACCES;
      return -1;
    }
  fd = real_open64 (path, flags, mode);
  if (fd >= 0 && (flags & O_CREAT) && in_armed_dir (path))
    {
      tracked_fd = fd;
      n_created++;
    }
  return fd;
}

ssize_t
write (int         fd,
       const void *buf,
       size_t      count)
{
  if (real_write == NULL)
    real_write = next_symbol ("write");

  if (armed == FAULT_DISK_FULL && fd == tracked_fd && fd >= 0)
    {
      ssize_t s;

      if (n_written > 0 || count < 2)
        {
          n_fired++;
          errno = ENOSPC;
          return -1;
        }
      /* part of it fits */
      s = real_write (fd, buf, count / 2);
      if (s > 0)
        n_written += s;
      return s;
    }
  return real_write (fd, buf, count);
}

int
rename (const char *oldpath,
        const char *newpath)
{
  if (real_rename == NULL)
    real_rename = next_symbol ("rename");

  if (armed == FAULT_RENAME && in_armed_dir (newpath))
    {
      n_fired++;
      errno = EIO;
      return -1;
    }
  return real_rename (oldpath, newpath);
}

static void
arm (Fault       fault,
     const char *dir)
{
  g_free (armed_dir);
  armed_dir = g_strconcat (dir, G_DIR_SEPARATOR_S, NULL);
  tracked_fd = -1;
  n_fired = 0;
  n_written = 0;
  n_created = 0;
  armed = fault;
}

static void
disarm (void)
{
  armed = FAULT_NONE;
  tracked_fd = -1;
  g_clear_pointer (&armed_dir, g_free);
}

/* ------------------------------------------------------------------------------------ */
/* The savers, each of an object that depends on @v (different v, different bytes)      */

static const char ode_source[] =
  "# decay towards a level\n"
  "par a=2.385, b=0.5\n"
  "x' = a - b*x\n"
  "y' = b*x - y\n"
  "init x=1, y=0\n"
  "done\n";

static CurrentsTrainedModel *
make_trained (double v)
{
  g_autoptr(GError) error = NULL;
  CurrentsModel *model = currents_model_new_from_string (ode_source, "decay.ode", &error);
  g_autofree double *params = NULL;
  gsize n;

  g_assert_no_error (error);
  n = currents_model_get_n_params (model);
  g_assert_cmpuint (n, ==, 2);
  params = g_memdup2 (currents_model_get_params (model), n * sizeof (double));
  params[0] = v;
  return currents_trained_model_new_ode (model, params);
}

static gboolean
save_trained (double       v,
              const char  *path,
              GError     **error)
{
  g_autoptr(CurrentsTrainedModel) tm = make_trained (v);

  return currents_trained_model_save (tm, path, error);
}

static gboolean
save_workspace (double       v,
                const char  *path,
                GError     **error)
{
  g_autoptr(CurrentsWorkspace) ws = currents_workspace_new ();

  json_object_set_double_member (currents_workspace_get_view (ws), "zoom", v);
  json_object_set_string_member (currents_workspace_get_view (ws), "page", "portrait");
  return currents_workspace_save (ws, path, error);
}

static gboolean
save_dataset (double       v,
              const char  *path,
              GError     **error)
{
  const char *states[] = { "u", "v", NULL };
  const char *inputs[] = { "IPTG", NULL };
  g_autoptr(CurrentsDataset) ds = currents_dataset_new (states, inputs);
  const double t[] = { 0.0, 0.5, 1.25 };
  const double x[] = { 2.385, 0.1, 2.2, 0.4, 1.9, 0.8 };
  const double u[] = { v, v, v };
  g_autoptr(GError) local = NULL;

  g_assert_true (currents_dataset_add_trajectory (ds, "a", 3, t, x, u, &local));
  g_assert_no_error (local);
  return currents_dataset_save_csv (ds, path, "made by test-atomic-write", error);
}

static gboolean
save_ensemble (double       v,
               const char  *path,
               GError     **error)
{
  CurrentsEnsemble *ens = currents_ensemble_new (17, 2);
  const gsize bootstrap[] = { 0, 0, 1 };
  gboolean ok;

  currents_ensemble_add_member (ens, make_trained (v), 0, 17, bootstrap, 3,
                                CURRENTS_ENSEMBLE_MEMBER_FINISHED);
  currents_ensemble_add_member (ens, make_trained (v + 1.5), 1, 18, bootstrap, 3,
                                CURRENTS_ENSEMBLE_MEMBER_STOPPED);
  ok = currents_ensemble_save (ens, path, error);
  currents_ensemble_free (ens);
  return ok;
}

static gboolean
save_population (double       v,
                 const char  *path,
                 GError     **error)
{
  const double x_mean[2] = { 0, 0 }, x_scale[2] = { 1, 1 };
  CurrentsNeuralScaling scaling = { x_mean, x_scale, NULL, NULL, NULL, NULL, 1.0 };
  const double means[2] = { v, -1.25 };
  const double covs[4] = { 0.6, 0.2, 0.2, 0.4 };
  const double times[2] = { 0.0, 1.0 };
  g_autoptr(GError) local = NULL;
  CurrentsPopulation *pop;
  CurrentsNeuralModel *model;
  CurrentsNeuralSpec spec;
  gboolean ok;

  currents_neural_spec_init (&spec);
  spec.n_hidden = 1;
  spec.hidden[0] = 3;
  model = currents_neural_model_new_full ((const char *const[]) { "a", "b", NULL }, NULL,
                                          &spec, &scaling, &local);
  g_assert_no_error (local);
  pop = currents_population_new (model, NULL, 0.0, 1, NULL, means, covs, times, 2, &local);
  g_assert_no_error (local);
  ok = currents_population_save (pop, path, error);
  currents_population_free (pop);
  return ok;
}

typedef gboolean (*SaveFunc) (double v, const char *path, GError **error);

typedef struct
{
  const char *name;
  const char *file;
  const char *what;   /* in the message: "cannot save the WHAT" */
  SaveFunc    save;
} Saver;

static const Saver savers[] = {
  { "trained", "model.json", "trained model", save_trained },
  { "workspace", "work.currents", "workspace", save_workspace },
  { "dataset", "data.csv", "data", save_dataset },
  { "ensemble", "ensemble.json", "ensemble", save_ensemble },
  { "population", "population.json", "population model", save_population },
};

typedef struct
{
  const char *name;
  Fault       fault;
  int         errsv;   /* the errno the fault gives: its strerror is the reason shown */
  const char *hint;    /* (nullable): a hint the message must also give */
} FaultCase;

static const FaultCase faults[] = {
  { "rename", FAULT_RENAME, EIO, NULL },
  { "disk-full", FAULT_DISK_FULL, ENOSPC, "the disk is full" },
  { "read-only", FAULT_READ_ONLY, EROFS, "a folder you can write to" },
  { "no-access", FAULT_NO_ACCESS, EACCES, "a folder you can write to" },
};

typedef struct
{
  const Saver     *saver;
  const FaultCase *fault;
} Case;

/* ------------------------------------------------------------------------------------ */
/* The test                                                                             */

static void
remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_assert_cmpint (g_remove (path), ==, 0);
    }
  g_assert_cmpint (g_rmdir (dir), ==, 0);
}

/* The names in @dir, sorted and joined by spaces. */
static char *
list_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  g_assert_nonnull (d);
  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, (GCompareFunc) g_strcmp0);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static GBytes *
read_bytes (const char *path)
{
  g_autoptr(GError) error = NULL;
  char *contents = NULL;
  gsize length = 0;

  g_assert_true (g_file_get_contents (path, &contents, &length, &error));
  g_assert_no_error (error);
  return g_bytes_new_take (contents, length);
}

static void
assert_failed_cleanly (const Case   *c,
                       const char   *path,
                       gboolean      ok,
                       const GError *error)
{
  g_autofree char *display = g_filename_display_name (path);
  g_autofree char *what = g_strdup_printf ("cannot save the %s", c->saver->what);
  g_autofree char *temporary = g_strconcat (display, ".", NULL);

  g_test_message ("%s", error != NULL ? error->message : "(no error)");
  g_assert_false (ok);
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  g_assert_nonnull (strstr (error->message, display));
  g_assert_nonnull (strstr (error->message, what));
  g_assert_nonnull (strstr (error->message, g_strerror (c->fault->errsv)));
  if (c->fault->hint != NULL)
    g_assert_nonnull (strstr (error->message, c->fault->hint));
  /* GLib's temporary file is not what the user asked to save: not named */
  g_assert_null (strstr (error->message, temporary));
  g_assert_null (strstr (error->message, "()"));

  /* the fault struck where it was meant to */
  g_assert_cmpuint (n_fired, >=, 1);
  switch (c->fault->fault)
    {
    case FAULT_RENAME:
      g_assert_cmpuint (n_created, ==, 1);
      break;
    case FAULT_DISK_FULL:
      g_assert_cmpuint (n_created, ==, 1);
      g_assert_cmpuint (n_written, >, 0);
      break;
    case FAULT_READ_ONLY:
    case FAULT_NO_ACCESS:
      g_assert_cmpuint (n_created, ==, 0);
      break;
    case FAULT_NONE:
    default:
      g_assert_not_reached ();
    }
}

static void
test_fault (gconstpointer data)
{
  const Case *c = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("currents-atomic-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *listing = NULL;
  g_autoptr(GBytes) before = NULL;
  g_autoptr(GBytes) after = NULL;
  g_autoptr(GBytes) written = NULL;
  gboolean ok;

  g_assert_no_error (error);
  path = g_build_filename (dir, c->saver->file, NULL);

  /* a fresh file: the failed save leaves nothing at all */
  arm (c->fault->fault, dir);
  ok = c->saver->save (2.5, path, &error);
  disarm ();
  assert_failed_cleanly (c, path, ok, error);
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "");
  g_clear_error (&error);
  g_clear_pointer (&listing, g_free);

  /* the previous version */
  g_assert_true (c->saver->save (1.75, path, &error));
  g_assert_no_error (error);
  before = read_bytes (path);
  g_assert_cmpuint (g_bytes_get_size (before), >, 100);

  arm (c->fault->fault, dir);
  ok = c->saver->save (2.5, path, &error);
  disarm ();
  assert_failed_cleanly (c, path, ok, error);
  g_clear_error (&error);

  after = read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, c->saver->file);

  /* disarmed, the same save goes through and changes the file */
  g_assert_true (c->saver->save (2.5, path, &error));
  g_assert_no_error (error);
  written = read_bytes (path);
  g_assert_false (g_bytes_equal (before, written));
  g_clear_pointer (&listing, g_free);
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, c->saver->file);

  remove_dir (dir);
}

/* A directory that does not exist (no injection): the message names the file. */
static void
test_missing_dir (gconstpointer data)
{
  const Saver *saver = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("currents-atomic-XXXXXX", &error);
  g_autofree char *path = NULL;
  g_autofree char *display = NULL;
  g_autofree char *listing = NULL;

  g_assert_no_error (error);
  path = g_build_filename (dir, "no-such-dir", saver->file, NULL);
  display = g_filename_display_name (path);
  g_assert_false (saver->save (2.5, path, &error));
  g_assert_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, display));
  g_assert_nonnull (strstr (error->message, g_strerror (ENOENT)));
  listing = list_dir (dir);
  g_assert_cmpstr (listing, ==, "");
  remove_dir (dir);
}

int
main (int    argc,
      char **argv)
{
  g_autoptr(GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);

  gsl_set_error_handler_off ();
  g_test_init (&argc, &argv, NULL);

  for (gsize i = 0; i < G_N_ELEMENTS (savers); i++)
    {
      g_autofree char *missing = g_strdup_printf ("/engine/atomic-write/%s/missing-dir",
                                                  savers[i].name);

      for (gsize j = 0; j < G_N_ELEMENTS (faults); j++)
        {
          Case *c = g_new0 (Case, 1);
          g_autofree char *name = g_strdup_printf ("/engine/atomic-write/%s/%s",
                                                   savers[i].name, faults[j].name);

          c->saver = &savers[i];
          c->fault = &faults[j];
          g_ptr_array_add (cases, c);
          g_test_add_data_func (name, c, test_fault);
        }
      g_test_add_data_func (missing, &savers[i], test_missing_dir);
    }
  return g_test_run ();
}
