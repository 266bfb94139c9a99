/* main.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define G_LOG_DOMAIN "currents"

#include <locale.h>

#include <glib/gi18n.h>
#include <gsl/gsl_errno.h>

#include "currents-application.h"

int
main (int   argc,
      char *argv[])
{
  g_autoptr(CurrentsApplication) app = NULL;
  const char *localedir;

  /* GSL's default handler aborts; the engine checks status codes itself. */
  gsl_set_error_handler_off ();

  setlocale (LC_ALL, "");
  /* CURRENTS_LOCALEDIR: the catalogs of a build tree (tools/currents-dev run, tests) */
  localedir = g_getenv ("CURRENTS_LOCALEDIR");
  bindtextdomain (GETTEXT_PACKAGE, localedir != NULL && *localedir != '\0' ? localedir : LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);

  g_set_application_name (_("Currents"));

  app = currents_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
