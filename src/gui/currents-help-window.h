/* currents-help-window.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The user guide inside the application: a list of pages and the page shown.
 *
 * Pages are resources under /org/currents/Currents/help/LANG/ID.md (help/C/ in the
 * source tree, help/LANG/ for translated pages) in a small Markdown subset: # and ##
 * headings, paragraphs, "- " and "1. " lists, `code`, **bold**, *italic*, fenced code
 * blocks, links [text](page-id) to other pages and [text](https://…) to the web.
 */
#pragma once

#include <adwaita.h>

G_BEGIN_DECLS

#define CURRENTS_TYPE_HELP_WINDOW (currents_help_window_get_type ())

G_DECLARE_FINAL_TYPE (CurrentsHelpWindow, currents_help_window, CURRENTS, HELP_WINDOW, AdwWindow)

/* @parent: (nullable): the window it belongs to */
CurrentsHelpWindow *currents_help_window_new       (GtkWindow          *parent);
/* Shows the page @id ("index", "portrait", "bifurcations", …); FALSE when unknown.
 * The page shown before is remembered for Back. */
gboolean            currents_help_window_show_page (CurrentsHelpWindow *self,
                                                    const char         *id);
/* The id of the page shown. */
const char         *currents_help_window_get_page  (CurrentsHelpWindow *self);

/* What a click on a link does: a page id shows that page (FALSE when there is no such
 * page), an address with a scheme (https://…) opens in the browser. */
gboolean            currents_help_window_activate_link (CurrentsHelpWindow *self,
                                                        const char         *target);
/* Returns to the page shown before the last link or page change; FALSE at the start. */
gboolean            currents_help_window_go_back   (CurrentsHelpWindow *self);

/* Filters the list of pages by their text (every word must occur); "" shows all. */
void                currents_help_window_search    (CurrentsHelpWindow *self,
                                                    const char         *text);
/* (transfer full): the ids of the pages listed, in order; with @visible_only those the
 * search leaves. */
GStrv               currents_help_window_list_pages (CurrentsHelpWindow *self,
                                                     gboolean            visible_only);
/* (transfer full): the targets of the links on the page shown, in order. */
GStrv               currents_help_window_get_links (CurrentsHelpWindow *self);
/* (transfer none): the buffer the page is rendered into; its tag table holds the named
 * tags "h1", "h2", "code", "codeblock", "bold", "italic" and "link". */
GtkTextBuffer      *currents_help_window_get_buffer (CurrentsHelpWindow *self);

/* (transfer full) (nullable): the Markdown source of page @id in the user's language
 * (English when it is not translated), or NULL when there is no such page. */
char               *currents_help_page_get_source  (const char         *id);
/* (transfer full): the ids of all pages, in the order of the list. */
GStrv               currents_help_list_page_ids    (void);

G_END_DECLS
