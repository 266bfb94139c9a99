/* currents-plot-export.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-plot"

#include <math.h>
#include <string.h>

#include <cairo-pdf.h>
#include <cairo-svg.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "currents-plot-export-private.h"

/* ---- metadata list ---- */

static void
metadata_clear (gpointer data)
{
  CurrentsPlotMetadata *m = data;

  g_clear_pointer (&m->key, g_free);
  g_clear_pointer (&m->value, g_free);
}

GArray *
_currents_plot_metadata_new (void)
{
  GArray *metadata = g_array_new (FALSE, TRUE, sizeof (CurrentsPlotMetadata));

  g_array_set_clear_func (metadata, metadata_clear);
  return metadata;
}

void
_currents_plot_metadata_set (GArray     *metadata,
                             const char *key,
                             const char *value)
{
  CurrentsPlotMetadata m;

  for (guint i = 0; i < metadata->len; i++)
    {
      CurrentsPlotMetadata *old = &g_array_index (metadata, CurrentsPlotMetadata, i);

      if (strcmp (old->key, key) == 0)
        {
          if (value == NULL)
            g_array_remove_index (metadata, i);
          else
            {
              g_free (old->value);
              old->value = g_strdup (value);
            }
          return;
        }
    }
  if (value == NULL)
    return;
  m.key = g_strdup (key);
  m.value = g_strdup (value);
  g_array_append_val (metadata, m);
}

const char *
_currents_plot_metadata_get (const GArray *metadata,
                             const char   *key)
{
  if (metadata == NULL)
    return NULL;
  for (guint i = 0; i < metadata->len; i++)
    {
      const CurrentsPlotMetadata *m = &g_array_index (metadata, CurrentsPlotMetadata, i);

      if (strcmp (m->key, key) == 0)
        return m->value;
    }
  return NULL;
}

/* ---- PNG text chunks ---- */

/* CRC-32 of ISO 3309 as PNG uses it, bit by bit: only the short text chunks need it. */
static guint32
png_crc (const guint8 *data,
         gsize         len,
         guint32       crc)
{
  for (gsize i = 0; i < len; i++)
    {
      crc ^= data[i];
      for (int k = 0; k < 8; k++)
        crc = (crc & 1) ? 0xedb88320u ^ (crc >> 1) : crc >> 1;
    }
  return crc;
}

static void
png_append_chunk (GByteArray   *out,
                  const char   *type,
                  const guint8 *data,
                  gsize         len)
{
  guint8 be[4];
  guint32 crc;

  be[0] = (len >> 24) & 0xff;
  be[1] = (len >> 16) & 0xff;
  be[2] = (len >> 8) & 0xff;
  be[3] = len & 0xff;
  g_byte_array_append (out, be, 4);
  g_byte_array_append (out, (const guint8 *) type, 4);
  g_byte_array_append (out, data, len);
  crc = png_crc ((const guint8 *) type, 4, 0xffffffffu);
  crc = png_crc (data, len, crc) ^ 0xffffffffu;
  be[0] = (crc >> 24) & 0xff;
  be[1] = (crc >> 16) & 0xff;
  be[2] = (crc >> 8) & 0xff;
  be[3] = crc & 0xff;
  g_byte_array_append (out, be, 4);
}

static gboolean
is_ascii_printable (const char *s)
{
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    if (*p >= 0x80 || (*p < 0x20 && *p != '\n'))
      return FALSE;
  return TRUE;
}

/* tEXt for plain ASCII, iTXt (UTF-8) otherwise; keywords are 1–79 Latin-1 bytes. */
static void
png_append_text (GByteArray *out,
                 const char *key,
                 const char *value)
{
  g_autoptr(GByteArray) data = g_byte_array_new ();
  gsize klen = MIN (strlen (key), 79);
  const guint8 zero[4] = { 0, 0, 0, 0 };

  g_byte_array_append (data, (const guint8 *) key, klen);
  g_byte_array_append (data, zero, 1);
  if (is_ascii_printable (value))
    {
      g_byte_array_append (data, (const guint8 *) value, strlen (value));
      png_append_chunk (out, "tEXt", data->data, data->len);
    }
  else
    {
      /* compression flag and method, empty language tag and translated keyword */
      g_byte_array_append (data, zero, 4);
      g_byte_array_append (data, (const guint8 *) value, strlen (value));
      png_append_chunk (out, "iTXt", data->data, data->len);
    }
}

/* The text chunks go right after the signature (8 bytes) and IHDR (25 bytes). */
static gboolean
png_write_with_text (const char        *path,
                     const GByteArray  *png,
                     const GArray      *metadata,
                     GError           **error)
{
  g_autoptr(GByteArray) out = g_byte_array_new ();

  if (png->len < 33)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, _("%s: no image was written"), path);
      return FALSE;
    }
  g_byte_array_append (out, png->data, 33);
  for (guint i = 0; metadata != NULL && i < metadata->len; i++)
    {
      const CurrentsPlotMetadata *m = &g_array_index (metadata, CurrentsPlotMetadata, i);

      png_append_text (out, m->key, m->value);
    }
  g_byte_array_append (out, png->data + 33, png->len - 33);
  return g_file_set_contents (path, (const char *) out->data, out->len, error);
}

/* ---- SVG and PDF metadata ---- */

static cairo_status_t
write_to_bytes (void                *closure,
                const unsigned char *data,
                unsigned int         length)
{
  g_byte_array_append (closure, data, length);
  return CAIRO_STATUS_SUCCESS;
}

static cairo_status_t
write_to_string (void                *closure,
                 const unsigned char *data,
                 unsigned int         length)
{
  g_string_append_len (closure, (const char *) data, length);
  return CAIRO_STATUS_SUCCESS;
}

static void
svg_insert_metadata (GString      *svg,
                     const GArray *metadata)
{
  g_autoptr(GString) meta = g_string_new ("\n");
  static const struct { const char *key; const char *dc; } dc[] = {
    { "Title", "title" }, { "Software", "creator" }, { "Description", "description" },
    { "Source", "source" }, { "Creation Time", "date" },
  };
  const char *open_tag, *close;

  if (metadata == NULL || metadata->len == 0)
    return;
  for (guint i = 0; i < metadata->len; i++)
    {
      const CurrentsPlotMetadata *m = &g_array_index (metadata, CurrentsPlotMetadata, i);
      g_autoptr(GString) value = g_string_new (m->value);

      /* "--" may not appear in an XML comment */
      g_string_replace (value, "--", "- -", 0);
      g_string_append_printf (meta, "<!-- %s: %s -->\n", m->key, value->str);
    }
  g_string_append (meta, "<metadata>\n<rdf:RDF xmlns:rdf=\"http://www.w3.org/1999/02/"
                         "22-rdf-syntax-ns#\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n"
                         "<rdf:Description rdf:about=\"\">\n");
  for (guint i = 0; i < G_N_ELEMENTS (dc); i++)
    {
      const char *value = _currents_plot_metadata_get (metadata, dc[i].key);
      g_autofree char *escaped = NULL;

      if (value == NULL)
        continue;
      escaped = g_markup_escape_text (value, -1);
      g_string_append_printf (meta, "<dc:%s>%s</dc:%s>\n", dc[i].dc, escaped, dc[i].dc);
    }
  g_string_append (meta, "</rdf:Description>\n</rdf:RDF>\n</metadata>\n");

  /* right after the opening <svg …> tag */
  open_tag = strstr (svg->str, "<svg");
  close = open_tag != NULL ? strchr (open_tag, '>') : NULL;
  if (close == NULL)
    return;
  g_string_insert (svg, close + 1 - svg->str, meta->str);
}

static void
pdf_set_metadata (cairo_surface_t *surface,
                  const GArray    *metadata)
{
  const char *title = _currents_plot_metadata_get (metadata, "Title");
  const char *software = _currents_plot_metadata_get (metadata, "Software");
  const char *description = _currents_plot_metadata_get (metadata, "Description");
  g_autoptr(GString) keywords = g_string_new (NULL);

  if (title != NULL)
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_TITLE, title);
  if (software != NULL)
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_CREATOR, software);
  if (description != NULL)
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_SUBJECT, description);
  /* the rest, "Key: value; …", in the keywords (cairo 1.16 has no custom entries) */
  for (guint i = 0; metadata != NULL && i < metadata->len; i++)
    {
      const CurrentsPlotMetadata *m = &g_array_index (metadata, CurrentsPlotMetadata, i);

      if (strcmp (m->key, "Title") == 0 || strcmp (m->key, "Software") == 0
          || strcmp (m->key, "Description") == 0)
        continue;
      g_string_append_printf (keywords, "%s%s: %s", keywords->len > 0 ? "; " : "", m->key,
                              m->value);
    }
  if (keywords->len > 0)
    cairo_pdf_surface_set_metadata (surface, CAIRO_PDF_METADATA_KEYWORDS, keywords->str);
}

/* ---- export ---- */

static gboolean
has_suffix (const char *path,
            const char *suffix)
{
  g_autofree char *lower = g_ascii_strdown (path, -1);

  return g_str_has_suffix (lower, suffix);
}

gboolean
_currents_plot_export_image (const char                 *path,
                             double                      width,
                             double                      height,
                             double                      scale,
                             const GArray               *metadata,
                             CurrentsPlotExportDrawFunc  draw,
                             gpointer                    figure,
                             const CurrentsPlotTheme    *theme,
                             GError                    **error)
{
  g_autoptr(GByteArray) png = NULL;
  g_autoptr(GString) svg = NULL;
  cairo_surface_t *surface;
  cairo_status_t status;
  cairo_t *cr;

  g_return_val_if_fail (path != NULL && draw != NULL, FALSE);
  g_return_val_if_fail (width >= 1.0 && height >= 1.0, FALSE);
  g_return_val_if_fail (scale > 0.0, FALSE);

  if (has_suffix (path, ".png"))
    {
      surface = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, (int) ceil (width * scale),
                                            (int) ceil (height * scale));
      cairo_surface_set_device_scale (surface, scale, scale);
      png = g_byte_array_new ();
    }
  else if (has_suffix (path, ".svg"))
    {
      svg = g_string_new (NULL);
      surface = cairo_svg_surface_create_for_stream (write_to_string, svg, width, height);
      cairo_svg_surface_restrict_to_version (surface, CAIRO_SVG_VERSION_1_1);
    }
  else if (has_suffix (path, ".pdf"))
    {
      surface = cairo_pdf_surface_create (path, width, height);
      pdf_set_metadata (surface, metadata);
    }
  else
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                   _("%s: unknown image format (use .png, .svg or .pdf)"), path);
      return FALSE;
    }

  cr = cairo_create (surface);
  draw (figure, cr, theme, width, height);
  cairo_destroy (cr);
  cairo_surface_flush (surface);
  status = png != NULL ? cairo_surface_write_to_png_stream (surface, write_to_bytes, png)
                       : cairo_surface_status (surface);
  cairo_surface_finish (surface);
  if (status == CAIRO_STATUS_SUCCESS)
    status = cairo_surface_status (surface);
  cairo_surface_destroy (surface);

  if (status != CAIRO_STATUS_SUCCESS)
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "%s: %s", path,
                   cairo_status_to_string (status));
      return FALSE;
    }
  if (png != NULL)
    return png_write_with_text (path, png, metadata, error);
  if (svg != NULL)
    {
      svg_insert_metadata (svg, metadata);
      return g_file_set_contents (path, svg->str, svg->len, error);
    }
  return TRUE;
}
