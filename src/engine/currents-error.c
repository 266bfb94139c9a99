/* currents-error.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "currents-engine"

#include <string.h>

#include "currents-error.h"
#include "currents-error-private.h"

G_DEFINE_QUARK (currents-engine-error-quark, currents_engine_error)

/*
 * _currents_error_set_save:
 * @error: return location
 * @path: the file that was being saved
 * @what: what it holds ("trained model", "workspace", …)
 * @cause: the error of g_file_set_contents()
 *
 * Sets a %CURRENTS_ENGINE_ERROR_IO error "PATH: cannot save the WHAT: REASON", with a
 * hint where the user can do something about it. GLib's own message names the temporary
 * file (PATH.XXXXXX) and the system call; the user only needs the reason, which GLib puts
 * last (strerror's text, after the last ": ").
 */
void
_currents_error_set_save (GError       **error,
                          const char    *path,
                          const char    *what,
                          const GError  *cause)
{
  g_autofree char *display = g_filename_display_name (path);
  const char *reason = cause->message;
  const char *colon = strrchr (cause->message, ':');
  const char *hint = "";

  if (cause->domain == G_FILE_ERROR && colon != NULL && colon[1] == ' ' && colon[2] != '\0')
    reason = colon + 2;
  if (g_error_matches (cause, G_FILE_ERROR, G_FILE_ERROR_NOSPC))
    hint = " (the disk is full: free some space or save somewhere else)";
  else if (g_error_matches (cause, G_FILE_ERROR, G_FILE_ERROR_ROFS)
           || g_error_matches (cause, G_FILE_ERROR, G_FILE_ERROR_ACCES)
           || g_error_matches (cause, G_FILE_ERROR, G_FILE_ERROR_PERM))
    hint = " (choose a folder you can write to)";
  g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
               "%s: cannot save the %s: %s%s", display, what, reason, hint);
}
