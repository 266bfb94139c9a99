/* currents-data.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Trajectory data sets and the CSV reader/writer.
 *
 * The reader scans the file's bytes where they lie. Each data line is copied into one
 * reusable scratch buffer, where fields are cut by writing NUL bytes over separators
 * and quoted fields are unescaped; numbers go straight into per-trajectory double
 * arrays that grow geometrically. No allocation happens per cell or per row. For a
 * large input the SHA-256 runs on a second thread while the text is parsed.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-data"

#include <math.h>
#include <string.h>

#include "currents-error-private.h"
#include "currents-data.h"
#include "currents-error.h"

struct _CurrentsTrajectory
{
  char   *id;
  gsize   n_samples;
  gsize   n_states;
  gsize   n_inputs;
  double *times;     /* n_samples */
  double *states;    /* n_samples × n_states, row-major */
  double *inputs;    /* n_samples × n_inputs, row-major; NULL when n_inputs == 0 */

  /* While parsing only: allocated rows, and the file line of each row. */
  gsize   capacity;
  gsize  *lines;
};

struct _CurrentsDataset
{
  char       *filename;      /* nullable */
  char       *sha256;
  GChecksum  *checksum;      /* running SHA-256 of the CSV serialisation; NULL when
                              * sha256 is that of a parsed file's bytes */
  char      **state_names;
  char      **input_names;
  gsize       n_states;
  gsize       n_inputs;
  GPtrArray  *trajectories;  /* of CurrentsTrajectory */
  GHashTable *by_id;         /* id (borrowed) → CurrentsTrajectory (borrowed) */
};

/* Column names that give a column a role when a file is read. */
static const char *const time_aliases[] = { "t", "time", NULL };
static const char *const trajectory_aliases[] = { "trajectory", "traj", "id", "experiment", NULL };

#define DECIMAL_COMMA_HINT "decimal comma? use ';' as separator or '.' as decimal point"

/* ------------------------------------------------------------------------------------ */
/* Trajectories and data sets                                                           */

static CurrentsTrajectory *
trajectory_new (const char *id,
                gsize       n_states,
                gsize       n_inputs)
{
  CurrentsTrajectory *tr = g_new0 (CurrentsTrajectory, 1);

  tr->id = g_strdup (id);
  tr->n_states = n_states;
  tr->n_inputs = n_inputs;
  return tr;
}

static void
trajectory_free (gpointer data)
{
  CurrentsTrajectory *tr = data;

  if (tr == NULL)
    return;
  g_free (tr->id);
  g_free (tr->times);
  g_free (tr->states);
  g_free (tr->inputs);
  g_free (tr->lines);
  g_free (tr);
}

static void
trajectory_reserve (CurrentsTrajectory *tr,
                    gsize               n)
{
  gsize cap;

  if (n <= tr->capacity)
    return;
  cap = MAX (n, MAX (64, tr->capacity * 2));
  tr->times = g_renew (double, tr->times, cap);
  tr->states = g_renew (double, tr->states, cap * tr->n_states);
  if (tr->n_inputs > 0)
    tr->inputs = g_renew (double, tr->inputs, cap * tr->n_inputs);
  tr->lines = g_renew (gsize, tr->lines, cap);
  tr->capacity = cap;
}

static gboolean
name_in (const char        *name,
         const char *const *list)
{
  for (gsize i = 0; list[i] != NULL; i++)
    if (g_ascii_strcasecmp (name, list[i]) == 0)
      return TRUE;
  return FALSE;
}

/* The shortest of %.15g, %.16g, %.17g that reads back as @v: numbers in messages
 * look as the file wrote them. @buf holds G_ASCII_DTOSTR_BUF_SIZE bytes. */
static const char *
format_number (char   *buf,
               double  v)
{
  static const char *const formats[] = { "%.15g", "%.16g" };

  for (gsize i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, formats[i], v);
      if (g_ascii_strtod (buf, NULL) == v)
        return buf;
    }
  return g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, "%.17g", v);
}

static CurrentsDataset *
dataset_alloc (void)
{
  CurrentsDataset *self = g_new0 (CurrentsDataset, 1);

  self->trajectories = g_ptr_array_new_with_free_func (trajectory_free);
  self->by_id = g_hash_table_new (g_str_hash, g_str_equal);
  return self;
}

/**
 * currents_dataset_free:
 * @dataset: (nullable): a data set
 */
void
currents_dataset_free (CurrentsDataset *dataset)
{
  if (dataset == NULL)
    return;
  g_free (dataset->filename);
  g_free (dataset->sha256);
  if (dataset->checksum != NULL)
    g_checksum_free (dataset->checksum);
  g_strfreev (dataset->state_names);
  g_strfreev (dataset->input_names);
  g_hash_table_unref (dataset->by_id);
  g_ptr_array_unref (dataset->trajectories);
  g_free (dataset);
}

/**
 * currents_dataset_copy:
 * @dataset: a data set
 *
 * A deep copy with the same file name and checksum, for work that must own its data
 * (a training thread, a second view of it).
 *
 * Returns: (transfer full): the copy
 */
CurrentsDataset *
currents_dataset_copy (const CurrentsDataset *dataset)
{
  CurrentsDataset *copy;

  g_return_val_if_fail (dataset != NULL, NULL);

  copy = dataset_alloc ();
  copy->filename = g_strdup (dataset->filename);
  copy->sha256 = g_strdup (dataset->sha256);
  copy->checksum = dataset->checksum != NULL ? g_checksum_copy (dataset->checksum) : NULL;
  copy->state_names = g_strdupv (dataset->state_names);
  copy->input_names = g_strdupv (dataset->input_names);
  copy->n_states = dataset->n_states;
  copy->n_inputs = dataset->n_inputs;
  for (guint j = 0; j < dataset->trajectories->len; j++)
    {
      const CurrentsTrajectory *tr = g_ptr_array_index (dataset->trajectories, j);
      CurrentsTrajectory *t = trajectory_new (tr->id, tr->n_states, tr->n_inputs);

      t->n_samples = tr->n_samples;
      t->times = g_memdup2 (tr->times, tr->n_samples * sizeof (double));
      t->states = g_memdup2 (tr->states, tr->n_samples * tr->n_states * sizeof (double));
      if (tr->n_inputs > 0)
        t->inputs = g_memdup2 (tr->inputs, tr->n_samples * tr->n_inputs * sizeof (double));
      g_ptr_array_add (copy->trajectories, t);
      g_hash_table_insert (copy->by_id, t->id, t);
    }
  return copy;
}

/* ------------------------------------------------------------------------------------ */
/* Writing                                                                              */

static void
append_csv_string (GString    *out,
                   const char *s)
{
  gsize len = strlen (s);
  gboolean quote;

  /* Quote what a reader would otherwise split, trim, or take for a comment. */
  quote = len == 0 || s[0] == '#' || g_ascii_isspace (s[0]) || g_ascii_isspace (s[len - 1]);
  for (const char *p = s; *p != '\0' && !quote; p++)
    quote = *p == ',' || *p == ';' || *p == '"' || (guchar) *p < 0x20;
  if (!quote)
    {
      g_string_append_len (out, s, len);
      return;
    }
  g_string_append_c (out, '"');
  for (const char *p = s; *p != '\0'; p++)
    {
      if (*p == '"')
        g_string_append_c (out, '"');
      g_string_append_c (out, *p);
    }
  g_string_append_c (out, '"');
}

static void
append_double (GString *out,
               double   v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  g_string_append (out, g_ascii_formatd (buf, sizeof buf, "%.17g", v));
}

static void
append_header (GString               *out,
               const CurrentsDataset *dataset)
{
  g_string_append (out, "trajectory,t");
  for (gsize i = 0; i < dataset->n_states; i++)
    {
      g_string_append_c (out, ',');
      append_csv_string (out, dataset->state_names[i]);
    }
  for (gsize i = 0; i < dataset->n_inputs; i++)
    {
      g_string_append_c (out, ',');
      append_csv_string (out, dataset->input_names[i]);
    }
  g_string_append_c (out, '\n');
}

static void
append_trajectory (GString                  *out,
                   const CurrentsTrajectory *tr)
{
  GString *id = g_string_new (NULL);

  append_csv_string (id, tr->id);
  for (gsize k = 0; k < tr->n_samples; k++)
    {
      g_string_append_len (out, id->str, id->len);
      g_string_append_c (out, ',');
      append_double (out, tr->times[k]);
      for (gsize i = 0; i < tr->n_states; i++)
        {
          double v = tr->states[k * tr->n_states + i];

          g_string_append_c (out, ',');
          if (!isnan (v))
            append_double (out, v);
        }
      for (gsize i = 0; i < tr->n_inputs; i++)
        {
          g_string_append_c (out, ',');
          append_double (out, tr->inputs[k * tr->n_inputs + i]);
        }
      g_string_append_c (out, '\n');
    }
  g_string_free (id, TRUE);
}

static void
update_sha256 (CurrentsDataset *dataset)
{
  GChecksum *copy = g_checksum_copy (dataset->checksum);

  g_free (dataset->sha256);
  dataset->sha256 = g_strdup (g_checksum_get_string (copy));
  g_checksum_free (copy);
}

/* Switch a data set to a checksum of its serialisation (once it is built in memory). */
static void
start_running_checksum (CurrentsDataset *dataset)
{
  GString *s;

  if (dataset->checksum != NULL)
    return;
  s = g_string_new (NULL);
  dataset->checksum = g_checksum_new (G_CHECKSUM_SHA256);
  append_header (s, dataset);
  for (guint j = 0; j < dataset->trajectories->len; j++)
    append_trajectory (s, g_ptr_array_index (dataset->trajectories, j));
  g_checksum_update (dataset->checksum, (const guchar *) s->str, s->len);
  g_string_free (s, TRUE);
  update_sha256 (dataset);
}

/**
 * currents_dataset_to_csv:
 * @dataset: a data set
 * @comment: (nullable): text written first, each of its lines prefixed with `# `
 *
 * Serialises @dataset as `trajectory,t,<states>,<inputs>`, numbers as `%.17g` in
 * the C locale (so reading them back gives the same bits), missing states as empty
 * cells.
 *
 * Returns: (transfer full): the CSV text
 */
char *
currents_dataset_to_csv (const CurrentsDataset *dataset,
                         const char            *comment)
{
  GString *out;

  g_return_val_if_fail (dataset != NULL, NULL);

  out = g_string_sized_new (4096);
  if (comment != NULL)
    {
      g_auto (GStrv) lines = g_strsplit (comment, "\n", -1);
      guint n = g_strv_length (lines);

      /* A final newline does not start another comment line. */
      if (n > 0 && lines[n - 1][0] == '\0')
        n--;
      for (guint i = 0; i < n; i++)
        {
          gsize len = strlen (lines[i]);

          if (len > 0 && lines[i][len - 1] == '\r')
            lines[i][--len] = '\0';
          g_string_append (out, len > 0 ? "# " : "#");
          g_string_append (out, lines[i]);
          g_string_append_c (out, '\n');
        }
    }
  append_header (out, dataset);
  for (guint j = 0; j < dataset->trajectories->len; j++)
    append_trajectory (out, g_ptr_array_index (dataset->trajectories, j));
  return g_string_free (out, FALSE);
}

/**
 * currents_dataset_save_csv:
 * @dataset: a data set
 * @path: where to write
 * @comment: (nullable): see currents_dataset_to_csv()
 * @error: return location for a %CURRENTS_ENGINE_ERROR_IO error
 *
 * Writes currents_dataset_to_csv() to @path atomically.
 *
 * Returns: %TRUE on success
 */
gboolean
currents_dataset_save_csv (const CurrentsDataset *dataset,
                           const char            *path,
                           const char            *comment,
                           GError               **error)
{
  g_autofree char *csv = NULL;
  g_autoptr (GError) local = NULL;

  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  csv = currents_dataset_to_csv (dataset, comment);
  if (!g_file_set_contents (path, csv, -1, &local))
    {
      _currents_error_set_save (error, path, "data", local);
      return FALSE;
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Building in memory                                                                   */

static gboolean
valid_name (const char *name)
{
  return name != NULL && name[0] != '\0' && g_utf8_validate (name, -1, NULL)
         && strpbrk (name, "\r\n") == NULL && !name_in (name, time_aliases)
         && !name_in (name, trajectory_aliases);
}

/**
 * currents_dataset_new:
 * @state_names: %NULL-terminated names of the state columns (at least one)
 * @input_names: (nullable): %NULL-terminated names of the input columns
 *
 * Makes an empty data set to fill with currents_dataset_add_trajectory(). Names must
 * be non-empty UTF-8 without line breaks, distinct ignoring case, and none of the
 * names that give a column a role in a file (`t`, `time`, `trajectory`, `traj`, `id`,
 * `experiment`), so that the data set reads back from its CSV unchanged.
 *
 * Returns: (transfer full): a new data set
 */
CurrentsDataset *
currents_dataset_new (const char *const *state_names,
                      const char *const *input_names)
{
  CurrentsDataset *self;
  g_autoptr (GPtrArray) all = g_ptr_array_new ();

  g_return_val_if_fail (state_names != NULL && state_names[0] != NULL, NULL);

  for (gsize i = 0; state_names[i] != NULL; i++)
    g_ptr_array_add (all, (gpointer) state_names[i]);
  for (gsize i = 0; input_names != NULL && input_names[i] != NULL; i++)
    g_ptr_array_add (all, (gpointer) input_names[i]);
  for (guint i = 0; i < all->len; i++)
    {
      g_return_val_if_fail (valid_name (all->pdata[i]), NULL);
      for (guint j = 0; j < i; j++)
        g_return_val_if_fail (g_ascii_strcasecmp (all->pdata[i], all->pdata[j]) != 0, NULL);
    }

  self = dataset_alloc ();
  self->state_names = g_strdupv ((char **) state_names);
  self->input_names = input_names != NULL ? g_strdupv ((char **) input_names) : g_new0 (char *, 1);
  self->n_states = g_strv_length (self->state_names);
  self->n_inputs = g_strv_length (self->input_names);
  start_running_checksum (self);
  return self;
}

/**
 * currents_dataset_add_trajectory:
 * @dataset: a data set
 * @id: the trajectory's id: non-empty UTF-8 without line breaks, new in @dataset
 * @n_samples: number of samples, at least 1
 * @times: (array length=n_samples): finite, strictly increasing times
 * @states: n_samples × n_states, row-major; NaN marks a missing value
 * @inputs: (nullable): n_samples × n_inputs, row-major, finite; %NULL when there
 *   are no inputs
 * @error: return location for a %CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT error
 *
 * Copies one trajectory into @dataset. On error @dataset is unchanged.
 *
 * Returns: %TRUE on success
 */
gboolean
currents_dataset_add_trajectory (CurrentsDataset *dataset,
                                 const char      *id,
                                 gsize            n_samples,
                                 const double    *times,
                                 const double    *states,
                                 const double    *inputs,
                                 GError         **error)
{
  CurrentsTrajectory *tr;
  gsize ns, ni;
  GString *s;
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (dataset != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  ns = dataset->n_states;
  ni = dataset->n_inputs;

#define INVALID(...) \
  G_STMT_START { \
    g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT, \
                 __VA_ARGS__); \
    return FALSE; \
  } G_STMT_END

  if (id == NULL || id[0] == '\0' || !g_utf8_validate (id, -1, NULL)
      || strpbrk (id, "\r\n") != NULL)
    INVALID ("a trajectory id must be non-empty UTF-8 text on one line");
  if (g_hash_table_contains (dataset->by_id, id))
    INVALID ("trajectory \"%s\" is already in the data set", id);
  if (n_samples == 0)
    INVALID ("trajectory \"%s\" has no samples", id);
  if (times == NULL || states == NULL)
    INVALID ("trajectory \"%s\": times and states are required", id);
  if (ni > 0 && inputs == NULL)
    INVALID ("trajectory \"%s\": the data set has inputs (%" G_GSIZE_FORMAT ") but "
             "none were given", id, ni);
  for (gsize k = 0; k < n_samples; k++)
    {
      if (!isfinite (times[k]))
        INVALID ("trajectory \"%s\": time %" G_GSIZE_FORMAT " is not finite", id, k);
      if (k > 0 && !(times[k] > times[k - 1]))
        INVALID ("trajectory \"%s\": times must be strictly increasing (sample %"
                 G_GSIZE_FORMAT ": %s after %s)", id, k, format_number (a, times[k]),
                 format_number (b, times[k - 1]));
      for (gsize i = 0; i < ns; i++)
        if (isinf (states[k * ns + i]))
          INVALID ("trajectory \"%s\": state \"%s\" at sample %" G_GSIZE_FORMAT
                   " is infinite (use NaN for a missing value)",
                   id, dataset->state_names[i], k);
      for (gsize i = 0; i < ni; i++)
        if (!isfinite (inputs[k * ni + i]))
          INVALID ("trajectory \"%s\": input \"%s\" at sample %" G_GSIZE_FORMAT
                   " is not finite", id, dataset->input_names[i], k);
    }
#undef INVALID

  tr = trajectory_new (id, ns, ni);
  tr->n_samples = n_samples;
  tr->times = g_memdup2 (times, n_samples * sizeof (double));
  tr->states = g_memdup2 (states, n_samples * ns * sizeof (double));
  if (ni > 0)
    tr->inputs = g_memdup2 (inputs, n_samples * ni * sizeof (double));
  g_ptr_array_add (dataset->trajectories, tr);
  g_hash_table_insert (dataset->by_id, tr->id, tr);

  if (dataset->checksum == NULL)
    start_running_checksum (dataset);
  else
    {
      s = g_string_new (NULL);
      append_trajectory (s, tr);
      g_checksum_update (dataset->checksum, (const guchar *) s->str, s->len);
      g_string_free (s, TRUE);
      update_sha256 (dataset);
    }
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Reading                                                                              */

typedef struct
{
  char    *s;       /* NUL-terminated in the buffer */
  gsize    len;
  gboolean quoted;
} Field;

typedef enum
{
  ROLE_TIME,
  ROLE_TRAJECTORY,
  ROLE_STATE,
  ROLE_INPUT,
  ROLE_IGNORE,
} Role;

typedef enum
{
  CELL_NUMBER,
  CELL_MISSING,
  CELL_NOT_NUMBER,
  CELL_NON_FINITE,
  CELL_DECIMAL_COMMA,
} CellKind;

typedef struct
{
  char            *display;      /* file name for messages */
  char             sep;
  gsize            header_line;
  gsize            n_cols;
  char           **names;        /* n_cols */
  Role            *roles;        /* n_cols */
  gsize           *slot;         /* n_cols: index among states or inputs */
  Field           *fields;
  gsize            fields_cap;
  char            *scratch;      /* the current line, cut into fields */
  gsize            scratch_cap;
  CurrentsDataset *dataset;
} Parser;

static void
parser_clear (Parser *p)
{
  g_free (p->display);
  g_strfreev (p->names);
  g_free (p->roles);
  g_free (p->slot);
  g_free (p->fields);
  g_free (p->scratch);
  currents_dataset_free (p->dataset);
}

G_GNUC_PRINTF (4, 5)
static void
parse_error (GError      **error,
             const Parser *p,
             gsize         line,
             const char   *format,
             ...)
{
  g_autofree char *msg = NULL;
  va_list args;

  va_start (args, format);
  msg = g_strdup_vprintf (format, args);
  va_end (args);
  if (line > 0)
    g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                 "%s:%" G_GSIZE_FORMAT ": %s", p->display, line, msg);
  else
    g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                 "%s: %s", p->display, msg);
}

/* A cell's text for a message: quoted, shortened, an empty cell said in words. */
static char *
describe_cell (const char *s,
               gsize       len)
{
  g_autofree char *text = NULL;
  glong n_chars;

  if (len == 0)
    return g_strdup ("an empty cell");
  text = g_strndup (s, len);
  n_chars = g_utf8_strlen (text, -1);
  if (n_chars > 40)
    {
      g_autofree char *head = g_utf8_substring (text, 0, 37);
      return g_strdup_printf ("\"%s...\"", head);
    }
  return g_strdup_printf ("\"%s\"", text);
}

static inline gboolean
is_blank (char c,
          char sep)
{
  return c == ' ' || (c == '\t' && sep != '\t');
}

/*
 * Copies the line [line_start, line_end) into the scratch buffer and cuts it into
 * NUL-terminated fields there, unescaping quoted ones.
 */
static gboolean
split_line (Parser     *ps,
            const char *line_start,
            const char *line_end,
            gsize       line,
            gsize      *n_fields,
            GError    **error)
{
  gsize n = 0, len = line_end - line_start;
  char sep = ps->sep;
  char *p, *end;

  if (len + 1 > ps->scratch_cap)
    {
      ps->scratch_cap = MAX (len + 1, MAX (256, ps->scratch_cap * 2));
      ps->scratch = g_realloc (ps->scratch, ps->scratch_cap);
    }
  memcpy (ps->scratch, line_start, len);
  ps->scratch[len] = '\0';
  p = ps->scratch;
  end = p + len;

  for (;;)
    {
      Field *f;
      gboolean at_end;

      if (n == ps->fields_cap)
        {
          ps->fields_cap = MAX (16, ps->fields_cap * 2);
          ps->fields = g_renew (Field, ps->fields, ps->fields_cap);
        }
      f = &ps->fields[n];

      while (p < end && is_blank (*p, sep))
        p++;
      if (p < end && *p == '"')
        {
          char *w;

          p++;
          f->s = w = p;
          for (;;)
            {
              if (p >= end)
                {
                  parse_error (error, ps, line, "field %" G_GSIZE_FORMAT ": a quoted "
                               "field has no closing quote (quotes may not span lines)",
                               n + 1);
                  return FALSE;
                }
              if (*p == '"')
                {
                  if (p + 1 < end && p[1] == '"')
                    {
                      *w++ = '"';
                      p += 2;
                      continue;
                    }
                  p++;
                  break;
                }
              *w++ = *p++;
            }
          f->len = w - f->s;
          f->quoted = TRUE;
          while (p < end && is_blank (*p, sep))
            p++;
          if (p < end && *p != sep)
            {
              /* the text is UTF-8: quote the whole character, not its first byte */
              parse_error (error, ps, line, "field %" G_GSIZE_FORMAT ": expected a "
                           "separator after the closing quote, found '%.*s'", n + 1,
                           (int) MIN ((gsize) g_utf8_skip[(guchar) *p], (gsize) (end - p)),
                           p);
              return FALSE;
            }
          at_end = p >= end;
          *w = '\0';
        }
      else
        {
          f->s = p;
          while (p < end && *p != sep)
            p++;
          f->len = p - f->s;
          while (f->len > 0 && is_blank (f->s[f->len - 1], sep))
            f->len--;
          f->quoted = FALSE;
          at_end = p >= end;
          f->s[f->len] = '\0';
        }
      n++;
      if (at_end)
        break;
      p++;  /* past the separator */
    }
  *n_fields = n;
  return TRUE;
}

static CellKind
parse_cell (char    *s,
            gsize    len,
            char     sep,
            double  *value)
{
  char *end, *comma;
  double v;

  while (len > 0 && (*s == ' ' || *s == '\t'))
    s++, len--;
  while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
    len--;
  if (len == 0)
    return CELL_MISSING;
  if ((len == 2 && g_ascii_strncasecmp (s, "na", 2) == 0)
      || (len == 3 && g_ascii_strncasecmp (s, "nan", 3) == 0))
    return CELL_MISSING;

  v = g_ascii_strtod (s, &end);
  if (end != s + len || end == s)
    {
      /* One comma and no point: a decimal comma. */
      comma = memchr (s, ',', len);
      if (comma == NULL || memchr (comma + 1, ',', len - (comma + 1 - s)) != NULL
          || memchr (s, '.', len) != NULL)
        return CELL_NOT_NUMBER;
      *comma = '.';
      v = g_ascii_strtod (s, &end);
      *comma = ',';
      if (end != s + len || end == s)
        return CELL_NOT_NUMBER;
      if (sep != ';')
        return CELL_DECIMAL_COMMA;
    }
  if (isnan (v))
    return CELL_MISSING;
  if (isinf (v))
    return CELL_NON_FINITE;
  *value = v;
  return CELL_NUMBER;
}

static const char *
role_word (Role role)
{
  switch (role)
    {
    case ROLE_TIME:
      return "a time";
    case ROLE_INPUT:
      return "an input level";
    case ROLE_STATE:
    case ROLE_TRAJECTORY:
    case ROLE_IGNORE:
    default:
      return "a number";
    }
}

/* Reads one numeric cell of column @col; states may be missing (NaN). */
static gboolean
read_number (Parser  *ps,
             gsize    line,
             gsize    col,
             double  *out,
             GError **error)
{
  Field *f = &ps->fields[col];
  Role role = ps->roles[col];
  g_autofree char *found = NULL;
  double v = 0;

  switch (parse_cell (f->s, f->len, ps->sep, &v))
    {
    case CELL_NUMBER:
      *out = v;
      return TRUE;

    case CELL_MISSING:
      if (role == ROLE_STATE)
        {
          *out = NAN;
          return TRUE;
        }
      found = describe_cell (f->s, f->len);
      parse_error (error, ps, line, "column %" G_GSIZE_FORMAT " (\"%s\"): expected %s, "
                   "found %s (%s may not be missing)", col + 1, ps->names[col],
                   role_word (role), found, role == ROLE_TIME ? "a time" : "an input");
      return FALSE;

    case CELL_NON_FINITE:
      found = describe_cell (f->s, f->len);
      parse_error (error, ps, line, "column %" G_GSIZE_FORMAT " (\"%s\"): expected a finite "
                   "number, found %s", col + 1, ps->names[col], found);
      return FALSE;

    case CELL_DECIMAL_COMMA:
      found = describe_cell (f->s, f->len);
      parse_error (error, ps, line, "column %" G_GSIZE_FORMAT " (\"%s\"): expected %s, "
                   "found %s (" DECIMAL_COMMA_HINT ")", col + 1, ps->names[col],
                   role_word (role), found);
      return FALSE;

    case CELL_NOT_NUMBER:
    default:
      found = describe_cell (f->s, f->len);
      parse_error (error, ps, line, "column %" G_GSIZE_FORMAT " (\"%s\"): expected %s, "
                   "found %s", col + 1, ps->names[col], role_word (role), found);
      return FALSE;
    }
}

static gboolean
all_digits (const char *s,
            gsize       len)
{
  if (len == 0)
    return FALSE;
  for (gsize i = 0; i < len; i++)
    if (!g_ascii_isdigit (s[i]))
      return FALSE;
  return TRUE;
}

/* Fields "12" and "5" that a decimal comma may have split from "12,5". */
static gboolean
split_number (const Field *a,
              const Field *b)
{
  const char *as = a->s;
  gsize alen = a->len, blen = b->len, digits = 0;

  if (a->quoted || b->quoted)
    return FALSE;
  if (alen > 0 && (as[0] == '-' || as[0] == '+'))
    as++, alen--;
  if (!all_digits (as, alen))
    return FALSE;
  while (digits < blen && g_ascii_isdigit (b->s[digits]))
    digits++;
  if (digits == 0)
    return FALSE;
  if (digits < blen)
    {
      gsize e = digits;

      if (b->s[e] != 'e' && b->s[e] != 'E')
        return FALSE;
      e++;
      if (e < blen && (b->s[e] == '+' || b->s[e] == '-'))
        e++;
      return all_digits (b->s + e, blen - e);
    }
  return TRUE;
}

/*
 * Would joining some pairs of fields ("12","5" → "12.5") make a long row fit the header
 * with a number in every numeric column? reach[i * (extra + 1) + m]: the first i fields
 * fill the first i − m columns using m joins.
 */
static gboolean
split_decimal_commas (const Parser *ps,
                      gsize         n_fields)
{
  gsize extra = n_fields - ps->n_cols, w = extra + 1;
  g_autofree gboolean *reach = g_new0 (gboolean, (n_fields + 1) * w);

  reach[0] = TRUE;
  for (gsize i = 0; i < n_fields; i++)
    for (gsize m = 0; m <= extra && m <= i; m++)
      {
        gsize col = i - m;
        gboolean numeric;
        CellKind kind;
        double v;

        if (!reach[i * w + m] || col >= ps->n_cols)
          continue;
        numeric = ps->roles[col] != ROLE_TRAJECTORY && ps->roles[col] != ROLE_IGNORE;
        kind = parse_cell (ps->fields[i].s, ps->fields[i].len, ps->sep, &v);
        if (!numeric || kind == CELL_NUMBER || kind == CELL_MISSING)
          reach[(i + 1) * w + m] = TRUE;
        if (numeric && m < extra && i + 1 < n_fields
            && split_number (&ps->fields[i], &ps->fields[i + 1]))
          reach[(i + 2) * w + m + 1] = TRUE;
      }
  return reach[n_fields * w + extra];
}

static char
detect_separator (const char *p,
                  const char *end)
{
  gsize n_comma = 0, n_tab = 0, n_semi = 0;
  gboolean in_quotes = FALSE;

  for (; p < end; p++)
    {
      if (*p == '"')
        in_quotes = !in_quotes;
      else if (!in_quotes)
        {
          n_comma += *p == ',';
          n_tab += *p == '\t';
          n_semi += *p == ';';
        }
    }
  if (n_tab > 0 && n_tab >= n_comma && n_tab >= n_semi)
    return '\t';
  if (n_semi > 0 && n_semi >= n_comma)
    return ';';
  return ',';
}

static char *
column_list (const Parser *ps)
{
  GString *s = g_string_new (NULL);

  for (gsize i = 0; i < ps->n_cols; i++)
    g_string_append_printf (s, "%s\"%s\"", i > 0 ? ", " : "", ps->names[i]);
  return g_string_free (s, FALSE);
}

static gboolean
find_named_column (Parser     *ps,
                   const char *name,
                   const char *what,
                   gsize      *col,
                   GError    **error)
{
  for (gsize i = 0; i < ps->n_cols; i++)
    if (g_ascii_strcasecmp (ps->names[i], name) == 0)
      {
        *col = i;
        return TRUE;
      }
  {
    g_autofree char *list = column_list (ps);
    parse_error (error, ps, ps->header_line, "no column named \"%s\" (asked for as %s); "
                 "the columns are %s", name, what, list);
  }
  return FALSE;
}

/* Finds the column with one of @aliases; FALSE on ambiguity. */
static gboolean
find_role_column (Parser            *ps,
                  const char *const *aliases,
                  const char        *what,
                  gssize            *col,
                  GError           **error)
{
  *col = -1;
  for (gsize i = 0; i < ps->n_cols; i++)
    {
      if (ps->roles[i] == ROLE_IGNORE || !name_in (ps->names[i], aliases))
        continue;
      if (*col >= 0)
        {
          parse_error (error, ps, ps->header_line, "columns %" G_GSSIZE_FORMAT " (\"%s\") "
                       "and %" G_GSIZE_FORMAT " (\"%s\") are both %s column; ignore one "
                       "of them", *col + 1, ps->names[*col], i + 1, ps->names[i], what);
          return FALSE;
        }
      *col = i;
    }
  return TRUE;
}

/* The time (@what = "time") or trajectory column: the one named @name when given, and
 * then no other column may carry one of @aliases unless it is ignored; else by alias. */
static gboolean
choose_role_column (Parser            *ps,
                    const char        *name,
                    const char *const *aliases,
                    const char        *what,
                    gssize            *col,
                    GError           **error)
{
  g_autofree char *article = g_strdup_printf ("a %s", what);
  g_autofree char *asked = g_strdup_printf ("the %s column", what);
  gsize c;

  if (name == NULL)
    return find_role_column (ps, aliases, article, col, error);

  if (!find_named_column (ps, name, asked, &c, error))
    return FALSE;
  if (ps->roles[c] != ROLE_STATE)
    {
      parse_error (error, ps, ps->header_line, "column %" G_GSIZE_FORMAT " (\"%s\") cannot "
                   "be the %s column: it is %s", c + 1, ps->names[c], what,
                   ps->roles[c] == ROLE_TIME ? "the time column" : "ignored");
      return FALSE;
    }
  for (gsize i = 0; i < ps->n_cols; i++)
    if (i != c && ps->roles[i] == ROLE_STATE && name_in (ps->names[i], aliases))
      {
        parse_error (error, ps, ps->header_line, "column %" G_GSIZE_FORMAT " (\"%s\") is "
                     "named like %s column, but column %" G_GSIZE_FORMAT " (\"%s\") is the "
                     "%s column; ignore column %" G_GSIZE_FORMAT " or rename it", i + 1,
                     ps->names[i], article, c + 1, ps->names[c], what, i + 1);
        return FALSE;
      }
  *col = (gssize) c;
  return TRUE;
}

static gboolean
parse_header (Parser                   *ps,
              const char               *line,
              const char               *end,
              const CurrentsCsvOptions *options,
              GError                  **error)
{
  gsize n = 0, n_states = 0, n_inputs = 0, si = 0, ii = 0;
  gssize t_col, traj_col;

  ps->sep = detect_separator (line, end);
  if (!split_line (ps, line, end, ps->header_line, &n, error))
    return FALSE;

  ps->n_cols = n;
  ps->names = g_new0 (char *, n + 1);
  ps->roles = g_new0 (Role, n);
  ps->slot = g_new0 (gsize, n);
  for (gsize i = 0; i < n; i++)
    {
      const Field *f = &ps->fields[i];
      const char *s = f->s;
      gsize len = f->len;

      while (len > 0 && g_ascii_isspace (*s))
        s++, len--;
      while (len > 0 && g_ascii_isspace (s[len - 1]))
        len--;
      ps->names[i] = g_strndup (s, len);
      ps->roles[i] = ROLE_STATE;
    }
  for (gsize i = 0; i < n; i++)
    {
      if (ps->names[i][0] == '\0')
        {
          parse_error (error, ps, ps->header_line, "column %" G_GSIZE_FORMAT " has no name "
                       "(expected a header line such as \"t,x,y\")", i + 1);
          return FALSE;
        }
      for (gsize j = 0; j < i; j++)
        if (g_ascii_strcasecmp (ps->names[i], ps->names[j]) == 0)
          {
            parse_error (error, ps, ps->header_line, "column %" G_GSIZE_FORMAT " (\"%s\") "
                         "has the same name as column %" G_GSIZE_FORMAT " (\"%s\"); "
                         "column names must differ (ignoring case)",
                         i + 1, ps->names[i], j + 1, ps->names[j]);
            return FALSE;
          }
    }

  for (gsize k = 0; options != NULL && options->ignore_columns != NULL
                    && options->ignore_columns[k] != NULL; k++)
    {
      gsize col;

      if (!find_named_column (ps, options->ignore_columns[k], "a column to ignore", &col,
                              error))
        return FALSE;
      ps->roles[col] = ROLE_IGNORE;
    }

  if (!choose_role_column (ps, options != NULL ? options->time_column : NULL, time_aliases,
                           "time", &t_col, error))
    return FALSE;
  if (t_col < 0)
    {
      g_autofree char *list = column_list (ps);
      parse_error (error, ps, ps->header_line, "no time column: expected a column named "
                   "\"t\" or \"time\"; the columns are %s", list);
      return FALSE;
    }
  ps->roles[t_col] = ROLE_TIME;
  if (!choose_role_column (ps, options != NULL ? options->trajectory_column : NULL,
                           trajectory_aliases, "trajectory", &traj_col, error))
    return FALSE;
  if (traj_col >= 0)
    ps->roles[traj_col] = ROLE_TRAJECTORY;

  for (gsize k = 0; options != NULL && options->input_columns != NULL
                    && options->input_columns[k] != NULL; k++)
    {
      gsize col;

      if (!find_named_column (ps, options->input_columns[k], "an input", &col, error))
        return FALSE;
      if (ps->roles[col] != ROLE_STATE && ps->roles[col] != ROLE_INPUT)
        {
          parse_error (error, ps, ps->header_line, "column %" G_GSIZE_FORMAT " (\"%s\") "
                       "cannot be an input: it is %s", col + 1, ps->names[col],
                       ps->roles[col] == ROLE_TIME ? "the time column"
                       : ps->roles[col] == ROLE_TRAJECTORY ? "the trajectory column"
                       : "ignored");
          return FALSE;
        }
      ps->roles[col] = ROLE_INPUT;
    }

  for (gsize i = 0; i < n; i++)
    {
      n_states += ps->roles[i] == ROLE_STATE;
      n_inputs += ps->roles[i] == ROLE_INPUT;
    }
  if (n_states == 0)
    {
      parse_error (error, ps, ps->header_line, "no state columns: every column is the "
                   "time, the trajectory id, an input or ignored, but at least one column "
                   "of measured values is needed");
      return FALSE;
    }

  ps->dataset->n_states = n_states;
  ps->dataset->n_inputs = n_inputs;
  ps->dataset->state_names = g_new0 (char *, n_states + 1);
  ps->dataset->input_names = g_new0 (char *, n_inputs + 1);
  for (gsize i = 0; i < n; i++)
    {
      if (ps->roles[i] == ROLE_STATE)
        {
          ps->slot[i] = si;
          ps->dataset->state_names[si++] = g_strdup (ps->names[i]);
        }
      else if (ps->roles[i] == ROLE_INPUT)
        {
          ps->slot[i] = ii;
          ps->dataset->input_names[ii++] = g_strdup (ps->names[i]);
        }
    }
  return TRUE;
}

static int
compare_times (gconstpointer a,
               gconstpointer b,
               gpointer      user_data)
{
  const double *times = user_data;
  double ta = times[*(const gsize *) a], tb = times[*(const gsize *) b];

  return (ta > tb) - (ta < tb);
}

/* Stable sort by time, then refuse duplicate times. */
static gboolean
sort_trajectory (Parser             *ps,
                 CurrentsTrajectory *tr,
                 GError            **error)
{
  gsize n = tr->n_samples, ns = tr->n_states, ni = tr->n_inputs;
  gboolean sorted = TRUE;
  gsize t_col = 0;

  for (gsize k = 1; k < n && sorted; k++)
    sorted = tr->times[k] > tr->times[k - 1];

  if (!sorted)
    {
      gsize *order = g_new (gsize, n);
      double *times = g_new (double, n);
      double *states = g_new (double, n * ns);
      double *inputs = ni > 0 ? g_new (double, n * ni) : NULL;
      gsize *lines = g_new (gsize, n);

      for (gsize k = 0; k < n; k++)
        order[k] = k;
      /* g_qsort_with_data is a stable merge sort. */
      g_qsort_with_data (order, n, sizeof (gsize), compare_times, tr->times);
      for (gsize k = 0; k < n; k++)
        {
          gsize o = order[k];

          times[k] = tr->times[o];
          memcpy (states + k * ns, tr->states + o * ns, ns * sizeof (double));
          if (ni > 0)
            memcpy (inputs + k * ni, tr->inputs + o * ni, ni * sizeof (double));
          lines[k] = tr->lines[o];
        }
      g_free (order);
      g_free (tr->times);
      g_free (tr->states);
      g_free (tr->inputs);
      g_free (tr->lines);
      tr->times = times;
      tr->states = states;
      tr->inputs = inputs;
      tr->lines = lines;
      tr->capacity = n;
    }

  for (gsize k = 1; k < n; k++)
    if (!(tr->times[k] > tr->times[k - 1]))
      {
        char buf[G_ASCII_DTOSTR_BUF_SIZE];

        while (ps->roles[t_col] != ROLE_TIME)
          t_col++;
        parse_error (error, ps, MAX (tr->lines[k], tr->lines[k - 1]),
                     "column %" G_GSIZE_FORMAT " (\"%s\"): time %s appears twice in "
                     "trajectory \"%s\" (also on line %" G_GSIZE_FORMAT "); times "
                     "within a trajectory must differ", t_col + 1, ps->names[t_col],
                     format_number (buf, tr->times[k]), tr->id,
                     MIN (tr->lines[k], tr->lines[k - 1]));
        return FALSE;
      }
  return TRUE;
}

static gboolean
check_constant_inputs (Parser             *ps,
                       CurrentsTrajectory *tr,
                       GError            **error)
{
  gsize ni = tr->n_inputs;

  for (gsize i = 0; i < ni; i++)
    for (gsize k = 1; k < tr->n_samples; k++)
      if (tr->inputs[k * ni + i] != tr->inputs[i])
        {
          char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];
          gsize col = 0;

          while (!(ps->roles[col] == ROLE_INPUT && ps->slot[col] == i))
            col++;
          parse_error (error, ps, tr->lines[k], "column %" G_GSIZE_FORMAT " (\"%s\"): "
                       "input changes within trajectory \"%s\" (%s here, %s on line %"
                       G_GSIZE_FORMAT "), but constant inputs were asked for",
                       col + 1, ps->names[col], tr->id,
                       format_number (a, tr->inputs[k * ni + i]),
                       format_number (b, tr->inputs[i]),
                       tr->lines[0]);
          return FALSE;
        }
  return TRUE;
}

static gboolean
parse_rows (Parser                   *ps,
            const char               *p,
            const char               *end,
            gsize                     lineno,
            const CurrentsCsvOptions *options,
            GError                  **error)
{
  CurrentsDataset *ds = ps->dataset;
  CurrentsTrajectory *last = NULL;
  gsize n_rows = 0;
  gsize t_col = 0;
  gssize traj_col = -1;
  gsize ns = ds->n_states, ni = ds->n_inputs;
  g_autofree gsize *observed = g_new0 (gsize, ns);

  for (gsize i = 0; i < ps->n_cols; i++)
    {
      if (ps->roles[i] == ROLE_TIME)
        t_col = i;
      else if (ps->roles[i] == ROLE_TRAJECTORY)
        traj_col = i;
    }

  while (p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;
      const char *next = nl != NULL ? nl + 1 : end;
      const char *q = p;
      gsize n_fields = 0, row;
      gboolean empty = TRUE;
      CurrentsTrajectory *tr;

      lineno++;
      if (line_end > p && line_end[-1] == '\r')
        line_end--;
      while (q < line_end && (*q == ' ' || *q == '\t'))
        q++;
      if (q == line_end || *q == '#')
        {
          p = next;
          continue;
        }

      if (!split_line (ps, p, line_end, lineno, &n_fields, error))
        return FALSE;
      p = next;

      for (gsize i = 0; i < n_fields && empty; i++)
        empty = ps->fields[i].len == 0;
      if (empty)
        continue;  /* a row of bare separators, as spreadsheets write */

      if (n_fields != ps->n_cols)
        {
          gboolean hint = ps->sep == ',' && n_fields > ps->n_cols
                          && split_decimal_commas (ps, n_fields);

          parse_error (error, ps, lineno, "expected %" G_GSIZE_FORMAT " fields as in the "
                       "header, found %" G_GSIZE_FORMAT " (too %s%s)", ps->n_cols, n_fields,
                       n_fields < ps->n_cols ? "few" : "many",
                       hint ? "; " DECIMAL_COMMA_HINT : "");
          return FALSE;
        }

      if (traj_col >= 0)
        {
          Field *f = &ps->fields[traj_col];

          if (f->len == 0)
            {
              parse_error (error, ps, lineno, "column %" G_GSSIZE_FORMAT " (\"%s\"): "
                           "expected a trajectory id, found an empty cell",
                           traj_col + 1, ps->names[traj_col]);
              return FALSE;
            }
          if (last == NULL || strcmp (last->id, f->s) != 0)
            {
              last = g_hash_table_lookup (ds->by_id, f->s);
              if (last == NULL)
                {
                  last = trajectory_new (f->s, ns, ni);
                  g_ptr_array_add (ds->trajectories, last);
                  g_hash_table_insert (ds->by_id, last->id, last);
                }
            }
        }
      else if (last == NULL)
        {
          last = trajectory_new ("0", ns, ni);
          g_ptr_array_add (ds->trajectories, last);
          g_hash_table_insert (ds->by_id, last->id, last);
        }
      tr = last;

      row = tr->n_samples;
      trajectory_reserve (tr, row + 1);
      if (!read_number (ps, lineno, t_col, &tr->times[row], error))
        return FALSE;
      for (gsize i = 0; i < ps->n_cols; i++)
        {
          switch (ps->roles[i])
            {
            case ROLE_STATE:
              {
                double *v = &tr->states[row * ns + ps->slot[i]];

                if (!read_number (ps, lineno, i, v, error))
                  return FALSE;
                observed[ps->slot[i]] += !isnan (*v);
              }
              break;
            case ROLE_INPUT:
              if (!read_number (ps, lineno, i, &tr->inputs[row * ni + ps->slot[i]], error))
                return FALSE;
              break;
            case ROLE_TIME:
            case ROLE_TRAJECTORY:
            case ROLE_IGNORE:
            default:
              break;
            }
        }
      tr->lines[row] = lineno;
      tr->n_samples++;
      n_rows++;
    }

  if (n_rows == 0)
    {
      parse_error (error, ps, ps->header_line, "no data rows after the header");
      return FALSE;
    }

  for (gsize i = 0; i < ps->n_cols; i++)
    if (ps->roles[i] == ROLE_STATE && observed[ps->slot[i]] == 0)
      {
        parse_error (error, ps, ps->header_line, "column %" G_GSIZE_FORMAT " (\"%s\") has "
                     "no data: every value is missing", i + 1, ps->names[i]);
        return FALSE;
      }

  for (guint j = 0; j < ds->trajectories->len; j++)
    {
      CurrentsTrajectory *tr = g_ptr_array_index (ds->trajectories, j);

      if (!sort_trajectory (ps, tr, error))
        return FALSE;
      if (options != NULL && options->constant_inputs && !check_constant_inputs (ps, tr, error))
        return FALSE;
    }

  /* Give back what geometric growth over-allocated; the line numbers go too. */
  for (guint j = 0; j < ds->trajectories->len; j++)
    {
      CurrentsTrajectory *tr = g_ptr_array_index (ds->trajectories, j);

      tr->times = g_renew (double, tr->times, tr->n_samples);
      tr->states = g_renew (double, tr->states, tr->n_samples * ns);
      if (ni > 0)
        tr->inputs = g_renew (double, tr->inputs, tr->n_samples * ni);
      g_clear_pointer (&tr->lines, g_free);
      tr->capacity = tr->n_samples;
    }
  return TRUE;
}

static gboolean
parse_text (Parser                   *ps,
            const char               *buf,
            gsize                     len,
            const CurrentsCsvOptions *options,
            GError                  **error)
{
  const char *p = buf, *end = buf + len;
  const char *invalid = NULL;
  gsize lineno = 0;

  if (len >= 3 && memcmp (p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  if (!g_utf8_validate_len (p, end - p, &invalid))
    {
      gsize line = 1;
      const char *line_start = p;

      for (const char *q = p; q < invalid; q++)
        if (*q == '\n')
          {
            line++;
            line_start = q + 1;
          }
      if (*invalid == '\0')
        parse_error (error, ps, line, "a NUL byte at byte %" G_GSIZE_FORMAT " of the line; "
                     "this is not a text file", (gsize) (invalid - line_start) + 1);
      else
        parse_error (error, ps, line, "not valid UTF-8 text (byte 0x%02X at byte %"
                     G_GSIZE_FORMAT " of the line); save the file as UTF-8",
                     (guint) (guchar) *invalid, (gsize) (invalid - line_start) + 1);
      return FALSE;
    }

  /* The header: the first line that is neither blank nor a comment. */
  while (p < end && ps->header_line == 0)
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;
      const char *next = nl != NULL ? nl + 1 : end;
      const char *q = p;

      lineno++;
      if (line_end > p && line_end[-1] == '\r')
        line_end--;
      while (q < line_end && (*q == ' ' || *q == '\t'))
        q++;
      if (q < line_end && *q != '#')
        {
          ps->header_line = lineno;
          if (!parse_header (ps, p, line_end, options, error))
            return FALSE;
        }
      p = next;
    }
  if (ps->header_line == 0)
    {
      parse_error (error, ps, 0, "the file is empty: expected a header line such as "
                   "\"t,x,y\" followed by rows of numbers");
      return FALSE;
    }

  return parse_rows (ps, p, end, lineno, options, error);
}

typedef struct
{
  const guchar *data;
  gsize         len;
} HashJob;

static gpointer
hash_thread (gpointer data)
{
  HashJob *job = data;

  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, job->data, job->len);
}

/* Below this size a thread costs more than hashing in line. */
#define HASH_THREAD_MIN_BYTES (4u << 20)

static CurrentsDataset *
parse_buffer (const char               *buf,
              gsize                     len,
              const char               *filename,
              const CurrentsCsvOptions *options,
              GError                  **error)
{
  Parser ps = { 0 };
  HashJob job = { (const guchar *) buf, len };
  GThread *hasher = NULL;
  CurrentsDataset *result = NULL;
  char *sha256;
  gboolean ok;

  if (len >= HASH_THREAD_MIN_BYTES)
    hasher = g_thread_try_new ("currents-sha256", hash_thread, &job, NULL);

  ps.display = filename != NULL ? g_filename_display_name (filename) : g_strdup ("<data>");
  ps.dataset = dataset_alloc ();
  ps.dataset->filename = g_strdup (filename);
  ok = parse_text (&ps, buf, len, options, error);

  sha256 = hasher != NULL ? g_thread_join (hasher) : hash_thread (&job);
  if (ok)
    {
      ps.dataset->sha256 = sha256;
      result = g_steal_pointer (&ps.dataset);
    }
  else
    g_free (sha256);
  parser_clear (&ps);
  return result;
}

/**
 * currents_dataset_parse:
 * @contents: CSV text
 * @length: its length in bytes, or -1 when NUL-terminated
 * @filename: (nullable): the name used in messages and returned by
 *   currents_dataset_get_filename()
 * @options: (nullable): which columns are inputs or ignored
 * @error: return location for a %CURRENTS_ENGINE_ERROR_DATA_FORMAT error
 *
 * Reads trajectories from CSV text; see the module description for the format. The
 * data set's checksum is the SHA-256 of @contents.
 *
 * Returns: (transfer full) (nullable): the data set, or %NULL with @error set
 */
CurrentsDataset *
currents_dataset_parse (const char               *contents,
                        gssize                    length,
                        const char               *filename,
                        const CurrentsCsvOptions *options,
                        GError                  **error)
{
  g_return_val_if_fail (contents != NULL || length <= 0, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (contents == NULL)
    contents = "";
  return parse_buffer (contents, length < 0 ? strlen (contents) : (gsize) length, filename,
                       options, error);
}

/**
 * currents_dataset_load:
 * @path: a CSV file
 * @options: (nullable): which columns are inputs or ignored
 * @error: return location for a %CURRENTS_ENGINE_ERROR_IO or
 *   %CURRENTS_ENGINE_ERROR_DATA_FORMAT error
 *
 * Reads a CSV file with currents_dataset_parse().
 *
 * Returns: (transfer full) (nullable): the data set, or %NULL with @error set
 */
CurrentsDataset *
currents_dataset_load (const char               *path,
                       const CurrentsCsvOptions *options,
                       GError                  **error)
{
  g_autofree char *buf = NULL;
  g_autoptr (GError) local = NULL;
  gsize len = 0;

  g_return_val_if_fail (path != NULL, NULL);
  g_return_val_if_fail (error == NULL || *error == NULL, NULL);

  if (!g_file_get_contents (path, &buf, &len, &local))
    {
      g_set_error_literal (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                           local->message);
      return NULL;
    }
  return parse_buffer (buf, len, path, options, error);
}

/* ------------------------------------------------------------------------------------ */
/* Queries                                                                              */

const char *
currents_dataset_get_filename (const CurrentsDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, NULL);
  return dataset->filename;
}

/**
 * currents_dataset_get_sha256:
 * @dataset: a data set
 *
 * Returns: the SHA-256 (hex) of the file's bytes for a parsed data set, or of
 *   currents_dataset_to_csv (@dataset, %NULL) for one built in memory
 */
const char *
currents_dataset_get_sha256 (const CurrentsDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, NULL);
  return dataset->sha256;
}

gsize
currents_dataset_get_n_trajectories (const CurrentsDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, 0);
  return dataset->trajectories->len;
}

gsize
currents_dataset_get_n_states (const CurrentsDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, 0);
  return dataset->n_states;
}

gsize
currents_dataset_get_n_inputs (const CurrentsDataset *dataset)
{
  g_return_val_if_fail (dataset != NULL, 0);
  return dataset->n_inputs;
}

/**
 * currents_dataset_get_n_samples:
 * @dataset: a data set
 *
 * Returns: the number of samples over all trajectories
 */
gsize
currents_dataset_get_n_samples (const CurrentsDataset *dataset)
{
  gsize n = 0;

  g_return_val_if_fail (dataset != NULL, 0);
  for (guint j = 0; j < dataset->trajectories->len; j++)
    n += ((CurrentsTrajectory *) g_ptr_array_index (dataset->trajectories, j))->n_samples;
  return n;
}

const char *
currents_dataset_get_state_name (const CurrentsDataset *dataset,
                                 gsize                  i)
{
  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (i < dataset->n_states, NULL);
  return dataset->state_names[i];
}

const char *
currents_dataset_get_input_name (const CurrentsDataset *dataset,
                                 gsize                  i)
{
  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (i < dataset->n_inputs, NULL);
  return dataset->input_names[i];
}

static int
find_name (char *const *names,
           gsize        n,
           const char  *name)
{
  for (gsize i = 0; i < n; i++)
    if (g_ascii_strcasecmp (names[i], name) == 0)
      return (int) i;
  return -1;
}

/**
 * currents_dataset_find_state:
 * @dataset: a data set
 * @name: a column name (matched ignoring ASCII case)
 *
 * Returns: the state's index, or -1
 */
int
currents_dataset_find_state (const CurrentsDataset *dataset,
                             const char            *name)
{
  g_return_val_if_fail (dataset != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);
  return find_name (dataset->state_names, dataset->n_states, name);
}

/**
 * currents_dataset_find_input:
 * @dataset: a data set
 * @name: a column name (matched ignoring ASCII case)
 *
 * Returns: the input's index, or -1
 */
int
currents_dataset_find_input (const CurrentsDataset *dataset,
                             const char            *name)
{
  g_return_val_if_fail (dataset != NULL, -1);
  g_return_val_if_fail (name != NULL, -1);
  return find_name (dataset->input_names, dataset->n_inputs, name);
}

const CurrentsTrajectory *
currents_dataset_get_trajectory (const CurrentsDataset *dataset,
                                 gsize                  i)
{
  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (i < dataset->trajectories->len, NULL);
  return g_ptr_array_index (dataset->trajectories, i);
}

/**
 * currents_dataset_get_time_span:
 * @dataset: a data set
 * @t_min: (out) (optional): the earliest time of any trajectory (NaN when empty)
 * @t_max: (out) (optional): the latest time of any trajectory (NaN when empty)
 */
void
currents_dataset_get_time_span (const CurrentsDataset *dataset,
                                double                *t_min,
                                double                *t_max)
{
  double lo = NAN, hi = NAN;

  g_return_if_fail (dataset != NULL);
  for (guint j = 0; j < dataset->trajectories->len; j++)
    {
      const CurrentsTrajectory *tr = g_ptr_array_index (dataset->trajectories, j);

      if (j == 0 || tr->times[0] < lo)
        lo = tr->times[0];
      if (j == 0 || tr->times[tr->n_samples - 1] > hi)
        hi = tr->times[tr->n_samples - 1];
    }
  if (t_min != NULL)
    *t_min = lo;
  if (t_max != NULL)
    *t_max = hi;
}

/* Two passes (mean, then squared deviations) for accuracy. */
static void
column_stats (const CurrentsDataset *dataset,
              gboolean               inputs,
              gsize                  i,
              CurrentsColumnStats   *stats)
{
  gsize stride = inputs ? dataset->n_inputs : dataset->n_states;
  double sum = 0, ss = 0, lo = INFINITY, hi = -INFINITY, mean;
  gsize n = 0, missing = 0;

  for (guint j = 0; j < dataset->trajectories->len; j++)
    {
      const CurrentsTrajectory *tr = g_ptr_array_index (dataset->trajectories, j);
      const double *col = (inputs ? tr->inputs : tr->states) + i;

      for (gsize k = 0; k < tr->n_samples; k++)
        {
          double v = col[k * stride];

          if (isnan (v))
            {
              missing++;
              continue;
            }
          n++;
          sum += v;
          lo = MIN (lo, v);
          hi = MAX (hi, v);
        }
    }
  mean = n > 0 ? sum / n : NAN;
  for (guint j = 0; j < dataset->trajectories->len && n > 1; j++)
    {
      const CurrentsTrajectory *tr = g_ptr_array_index (dataset->trajectories, j);
      const double *col = (inputs ? tr->inputs : tr->states) + i;

      for (gsize k = 0; k < tr->n_samples; k++)
        {
          double v = col[k * stride];

          if (!isnan (v))
            ss += (v - mean) * (v - mean);
        }
    }

  stats->n_observed = n;
  stats->n_missing = missing;
  stats->missing_fraction = n + missing > 0 ? (double) missing / (double) (n + missing) : 0.0;
  stats->mean = mean;
  stats->min = n > 0 ? lo : NAN;
  stats->max = n > 0 ? hi : NAN;
  stats->sd = n > 1 ? sqrt (ss / (double) (n - 1)) : n == 1 ? 0.0 : NAN;
}

/**
 * currents_dataset_get_state_stats:
 * @dataset: a data set
 * @i: a state index
 * @stats: (out caller-allocates): the column's summary over all trajectories; sd is
 *   the sample standard deviation (divisor n − 1), 0 for a single value
 */
void
currents_dataset_get_state_stats (const CurrentsDataset *dataset,
                                  gsize                  i,
                                  CurrentsColumnStats   *stats)
{
  g_return_if_fail (dataset != NULL && stats != NULL);
  g_return_if_fail (i < dataset->n_states);
  column_stats (dataset, FALSE, i, stats);
}

/**
 * currents_dataset_get_input_stats:
 * @dataset: a data set
 * @i: an input index
 * @stats: (out caller-allocates): as for currents_dataset_get_state_stats()
 */
void
currents_dataset_get_input_stats (const CurrentsDataset *dataset,
                                  gsize                  i,
                                  CurrentsColumnStats   *stats)
{
  g_return_if_fail (dataset != NULL && stats != NULL);
  g_return_if_fail (i < dataset->n_inputs);
  column_stats (dataset, TRUE, i, stats);
}

static const char *
fmt_num (char   *buf,
         double  v)
{
  if (isnan (v))
    return "-";
  return g_ascii_formatd (buf, G_ASCII_DTOSTR_BUF_SIZE, "%.6g", v);
}

/**
 * currents_dataset_summary:
 * @dataset: a data set
 *
 * Returns: (transfer full): several lines of text describing @dataset: file,
 *   checksum, trajectories, samples, time span and per-column statistics
 */
char *
currents_dataset_summary (const CurrentsDataset *dataset)
{
  GString *s;
  gsize n_traj, n_samples, min_n = G_MAXSIZE, max_n = 0, width = 6;
  double t0, t1;
  char a[G_ASCII_DTOSTR_BUF_SIZE], b[G_ASCII_DTOSTR_BUF_SIZE];

  g_return_val_if_fail (dataset != NULL, NULL);

  n_traj = dataset->trajectories->len;
  n_samples = currents_dataset_get_n_samples (dataset);
  for (guint j = 0; j < n_traj; j++)
    {
      const CurrentsTrajectory *tr = g_ptr_array_index (dataset->trajectories, j);

      min_n = MIN (min_n, tr->n_samples);
      max_n = MAX (max_n, tr->n_samples);
    }
  currents_dataset_get_time_span (dataset, &t0, &t1);

  s = g_string_new (NULL);
  if (dataset->filename != NULL)
    {
      g_autofree char *display = g_filename_display_name (dataset->filename);
      g_string_append_printf (s, "File:          %s\n", display);
    }
  else
    g_string_append (s, "File:          (in memory)\n");
  g_string_append_printf (s, "SHA-256:       %s\n", dataset->sha256);
  g_string_append_printf (s, "Trajectories:  %u\n", (guint) n_traj);
  if (n_traj > 0 && min_n != max_n)
    g_string_append_printf (s, "Samples:       %" G_GSIZE_FORMAT " (%" G_GSIZE_FORMAT
                            " to %" G_GSIZE_FORMAT " per trajectory)\n",
                            n_samples, min_n, max_n);
  else if (n_traj > 0)
    g_string_append_printf (s, "Samples:       %" G_GSIZE_FORMAT " (%" G_GSIZE_FORMAT
                            " per trajectory)\n", n_samples, min_n);
  else
    g_string_append (s, "Samples:       0\n");
  g_string_append_printf (s, "Time span:     %s to %s\n", fmt_num (a, t0), fmt_num (b, t1));

  for (gsize i = 0; i < dataset->n_states; i++)
    width = MAX (width, (gsize) g_utf8_strlen (dataset->state_names[i], -1));
  for (gsize i = 0; i < dataset->n_inputs; i++)
    width = MAX (width, (gsize) g_utf8_strlen (dataset->input_names[i], -1));

  g_string_append_printf (s, "Columns:\n  %-*s  %-5s  %12s  %12s  %12s  %12s  %8s\n",
                          (int) width, "name", "role", "min", "max", "mean", "sd",
                          "missing");
  for (gsize pass = 0; pass < 2; pass++)
    {
      gsize n = pass == 0 ? dataset->n_states : dataset->n_inputs;

      for (gsize i = 0; i < n; i++)
        {
          const char *name = pass == 0 ? dataset->state_names[i] : dataset->input_names[i];
          CurrentsColumnStats st;
          char c[G_ASCII_DTOSTR_BUF_SIZE], d[G_ASCII_DTOSTR_BUF_SIZE];
          char pct[G_ASCII_DTOSTR_BUF_SIZE];
          gsize pad = width - (gsize) g_utf8_strlen (name, -1);

          column_stats (dataset, pass == 1, i, &st);
          g_string_append_printf (s, "  %s%*s  %-5s  %12s  %12s  %12s  %12s  %7s%%\n",
                                  name, (int) pad, "", pass == 0 ? "state" : "input",
                                  fmt_num (a, st.min), fmt_num (b, st.max),
                                  fmt_num (c, st.mean), fmt_num (d, st.sd),
                                  g_ascii_formatd (pct, sizeof pct, "%.1f",
                                                   100.0 * st.missing_fraction));
        }
    }
  return g_string_free (s, FALSE);
}

/* ------------------------------------------------------------------------------------ */
/* Trajectories                                                                         */

const char *
currents_trajectory_get_id (const CurrentsTrajectory *traj)
{
  g_return_val_if_fail (traj != NULL, NULL);
  return traj->id;
}

gsize
currents_trajectory_get_n_samples (const CurrentsTrajectory *traj)
{
  g_return_val_if_fail (traj != NULL, 0);
  return traj->n_samples;
}

const double *
currents_trajectory_get_times (const CurrentsTrajectory *traj)
{
  g_return_val_if_fail (traj != NULL, NULL);
  return traj->times;
}

const double *
currents_trajectory_get_states (const CurrentsTrajectory *traj)
{
  g_return_val_if_fail (traj != NULL, NULL);
  return traj->states;
}

/**
 * currents_trajectory_get_inputs:
 * @traj: a trajectory
 *
 * Returns: (nullable): n_samples × n_inputs, row-major; %NULL when there are no inputs
 */
const double *
currents_trajectory_get_inputs (const CurrentsTrajectory *traj)
{
  g_return_val_if_fail (traj != NULL, NULL);
  return traj->inputs;
}

/**
 * currents_trajectory_input_is_constant:
 * @traj: a trajectory
 * @i: an input index
 *
 * Returns: %TRUE when input @i has one value over the whole trajectory
 */
gboolean
currents_trajectory_input_is_constant (const CurrentsTrajectory *traj,
                                       gsize                     i)
{
  g_return_val_if_fail (traj != NULL, FALSE);
  g_return_val_if_fail (i < traj->n_inputs, FALSE);
  for (gsize k = 1; k < traj->n_samples; k++)
    if (traj->inputs[k * traj->n_inputs + i] != traj->inputs[i])
      return FALSE;
  return TRUE;
}

/* ------------------------------------------------------------------------------------ */
/* Preview                                                                              */

/**
 * currents_csv_is_time_name:
 * @name: a column name
 *
 * Returns: %TRUE when the reader takes a column called @name as the time column
 */
gboolean
currents_csv_is_time_name (const char *name)
{
  return name != NULL && name_in (name, time_aliases);
}

/**
 * currents_csv_is_trajectory_name:
 * @name: a column name
 *
 * Returns: %TRUE when the reader takes a column called @name as the trajectory column
 */
gboolean
currents_csv_is_trajectory_name (const char *name)
{
  return name != NULL && name_in (name, trajectory_aliases);
}

static char **
preview_fields (Parser     *ps,
                const char *line,
                const char *end,
                gsize       lineno)
{
  char **cells;
  gsize n = 0;

  if (!split_line (ps, line, end, lineno, &n, NULL))
    {
      /* Show what is there: the line as one cell. */
      cells = g_new0 (char *, 2);
      cells[0] = g_strndup (line, end - line);
      return cells;
    }
  cells = g_new0 (char *, n + 1);
  for (gsize i = 0; i < n; i++)
    cells[i] = g_strndup (ps->fields[i].s, ps->fields[i].len);
  return cells;
}

/**
 * currents_csv_preview_new:
 * @contents: CSV text
 * @length: its length in bytes, or -1 when NUL-terminated
 * @max_rows: how many data rows to keep at most
 *
 * Cuts the header and the first @max_rows data rows of @contents into fields, as
 * currents_dataset_parse() would, without checking the values: the preview shows even
 * a file the reader refuses. Text that is not valid UTF-8 is made valid for display.
 *
 * Returns: (transfer full): the preview; n_cols is 0 when there is no header
 */
CurrentsCsvPreview *
currents_csv_preview_new (const char *contents,
                          gssize      length,
                          gsize       max_rows)
{
  CurrentsCsvPreview *preview = g_new0 (CurrentsCsvPreview, 1);
  g_autoptr(GPtrArray) rows = g_ptr_array_new ();
  g_autoptr(GArray) lines = g_array_new (FALSE, FALSE, sizeof (gsize));
  g_autofree char *valid = NULL;
  Parser ps = { 0 };
  const char *p, *end;
  gsize lineno = 0;

  g_return_val_if_fail (contents != NULL || length <= 0, preview);

  if (contents == NULL)
    contents = "";
  if (length < 0)
    length = strlen (contents);
  if (!g_utf8_validate_len (contents, length, NULL))
    {
      valid = g_utf8_make_valid (contents, length);
      contents = valid;
      length = strlen (valid);
    }
  p = contents;
  end = contents + length;
  if (end - p >= 3 && memcmp (p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;

  ps.display = g_strdup ("<preview>");
  preview->separator = ',';
  while (p < end && (preview->header_line == 0 || rows->len < max_rows))
    {
      const char *nl = memchr (p, '\n', end - p);
      const char *line_end = nl != NULL ? nl : end;
      const char *next = nl != NULL ? nl + 1 : end;
      const char *q = p;

      lineno++;
      if (line_end > p && line_end[-1] == '\r')
        line_end--;
      while (q < line_end && (*q == ' ' || *q == '\t'))
        q++;
      if (q < line_end && *q != '#')
        {
          if (preview->header_line == 0)
            {
              preview->header_line = lineno;
              preview->separator = ps.sep = detect_separator (p, line_end);
              preview->names = preview_fields (&ps, p, line_end, lineno);
              preview->n_cols = g_strv_length (preview->names);
              for (gsize i = 0; i < preview->n_cols; i++)
                g_strstrip (preview->names[i]);
            }
          else
            {
              g_ptr_array_add (rows, preview_fields (&ps, p, line_end, lineno));
              g_array_append_val (lines, lineno);
            }
        }
      p = next;
    }
  parser_clear (&ps);

  if (preview->names == NULL)
    preview->names = g_new0 (char *, 1);
  preview->n_rows = rows->len;
  g_ptr_array_add (rows, NULL);
  preview->rows = (char ***) g_ptr_array_steal (rows, NULL);
  preview->lines = (gsize *) (void *) g_array_free (g_steal_pointer (&lines), FALSE);
  return preview;
}

/**
 * currents_csv_preview_free:
 * @preview: (nullable): a preview
 */
void
currents_csv_preview_free (CurrentsCsvPreview *preview)
{
  if (preview == NULL)
    return;
  g_strfreev (preview->names);
  for (gsize i = 0; i < preview->n_rows; i++)
    g_strfreev (preview->rows[i]);
  g_free (preview->rows);
  g_free (preview->lines);
  g_free (preview);
}
