/* test-cli-diagram.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * `currents-cli continue --plot` and `continue2 --plot` as a user runs them. The toggle
 * switch as shipped (a1 = 5, a2 = 3), continued in iptg over 0.01:100 on a log scale, is
 * bistable between its two folds (iptg ≈ 0.641 and 0.923): the JSON's bistable range must
 * be exactly those folds, the summary the sentence built from them, and the diagram a PNG
 * with its provenance. The symmetric switch (a1 = a2 = 3) is bistable from below the
 * range up to one fold, so there is no downward switch inside it (null). A linear model is
 * monostable. Also SVG/PDF, continue2 on the cusp, and the usage errors.
 */
#include "config.h"

#include <math.h>
#include <string.h>

#include <cairo.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>

#include "currents-cli-test.h"

static char *tmpdir;

static char *
temp_path (const char *name)
{
  return g_build_filename (tmpdir, name, NULL);
}

static JsonObject *
parse (JsonParser *parser,
       const char *text)
{
  g_autoptr(GError) error = NULL;

  g_assert_true (json_parser_load_from_data (parser, text, -1, &error));
  g_assert_no_error (error);
  return json_node_get_object (json_parser_get_root (parser));
}

static void
test_toggle_plot_json (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle.ode");
  g_autofree char *data = currents_cli_test_example ("toggle.csv");
  g_autofree char *png = temp_path ("toggle-iptg.png");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(CurrentsCliRun) r = { 0 };
  g_autofree char *expected = NULL;
  JsonObject *root, *range;
  JsonArray *folds, *bistable;
  double f0, f1, lo, hi;
  cairo_surface_t *image;

  currents_cli_test_run (&r, "continue", model, "--param", "iptg", "--range", "0.01:100", "--log",
                         "--plot-y", "u", "--data", data, "--plot", png, "--json", NULL);
  g_assert_cmpstr (r.err, ==, "");
  g_assert_cmpint (r.status, ==, 0);
  root = parse (parser, r.out);

  folds = json_object_get_array_member (root, "folds");
  g_assert_cmpuint (json_array_get_length (folds), ==, 2);
  f0 = json_object_get_double_member (json_array_get_object_element (folds, 0), "param");
  f1 = json_object_get_double_member (json_array_get_object_element (folds, 1), "param");
  bistable = json_object_get_array_member (root, "bistable");
  g_assert_cmpuint (json_array_get_length (bistable), ==, 1);
  range = json_array_get_object_element (bistable, 0);
  lo = json_object_get_double_member (range, "lo");
  hi = json_object_get_double_member (range, "hi");
  g_test_message ("bistable for %.12g < iptg < %.12g; folds %.12g, %.12g", lo, hi, f0, f1);
  g_assert_cmpfloat (lo, ==, MIN (f0, f1));
  g_assert_cmpfloat (hi, ==, MAX (f0, f1));
  g_assert_cmpfloat_with_epsilon (lo, 0.6415, 1e-3);
  g_assert_cmpfloat_with_epsilon (hi, 0.9227, 1e-3);
  g_assert_cmpfloat (json_object_get_double_member (range, "up"), ==, hi);
  g_assert_cmpfloat (json_object_get_double_member (range, "down"), ==, lo);
  /* sweeping up, u falls from the u-high branch onto the v-high one */
  g_assert_cmpfloat (json_object_get_double_member (range, "up_from"), >,
                     json_object_get_double_member (range, "up_to"));
  g_assert_cmpstr (json_object_get_string_member (root, "quantity"), ==, "u");
  expected = g_strdup_printf ("bistable for %.3g < iptg < %.3g; switching up at %.3g, down at %.3g",
                              lo, hi, hi, lo);
  g_assert_cmpstr (json_object_get_string_member (root, "summary"), ==, expected);
  g_assert_cmpstr (json_object_get_string_member (root, "summary"), ==,
                   "bistable for 0.641 < iptg < 0.923; switching up at 0.923, down at 0.641");
  g_assert_cmpstr (json_object_get_string_member (root, "plot"), ==, png);

  /* the image: a PNG of the default size with its provenance */
  g_assert_true (g_file_test (png, G_FILE_TEST_IS_REGULAR));
  g_assert_true (currents_cli_test_file_contains (png, "\x89PNG\r\n\x1a\n"));
  g_assert_true (currents_cli_test_file_contains (png, "tEXtSoftware"));
  g_assert_true (currents_cli_test_file_contains (png, "currents-cli " PACKAGE_VERSION));
  g_assert_true (currents_cli_test_file_contains (png, "Bifurcation diagram of"));
  g_assert_true (currents_cli_test_file_contains (png, "sha256"));
  g_assert_true (currents_cli_test_file_contains (png, "data "));
  image = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (image), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (image), ==, 800);
  g_assert_cmpint (cairo_image_surface_get_height (image), ==, 560);
  cairo_surface_destroy (image);
  g_remove (png);
}

static void
test_toggle_text (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle.ode");
  g_autofree char *svg = temp_path ("toggle.svg");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_auto(CurrentsCliRun) r = { 0 };
  g_auto(CurrentsCliRun) j = { 0 };
  JsonObject *root, *range;
  JsonArray *folds;
  double fold;

  currents_cli_test_run (&r, "continue", model, "--param", "iptg", "--range", "0.01:100", "--log",
                         "--plot", svg, "--size", "600x400", NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Hysteresis: bistable for 0.641 < iptg < 0.923; switching up "
                                   "at 0.923, down at 0.641\n"));
  g_assert_true (currents_cli_test_file_contains (svg, "<svg"));
  g_assert_true (currents_cli_test_file_contains (svg, "width=\"600"));
  g_assert_true (currents_cli_test_file_contains (svg, "<dc:title>Bifurcation diagram of"));
  g_remove (svg);

  /* the symmetric switch (a1 = a2 = 3): one fold, no downward switch inside the range */
  currents_cli_test_run (&j, "continue", model, "--param", "iptg", "--range", "0.01:100", "--log",
                         "--json",
                         "--set", "a1=3", NULL);
  g_assert_cmpint (j.status, ==, 0);
  root = parse (parser, j.out);
  folds = json_object_get_array_member (root, "folds");
  g_assert_cmpuint (json_array_get_length (folds), ==, 1);
  fold = json_object_get_double_member (json_array_get_object_element (folds, 0), "param");
  range = json_array_get_object_element (json_object_get_array_member (root, "bistable"), 0);
  g_assert_cmpfloat_with_epsilon (json_object_get_double_member (range, "lo"), 0.01, 1e-12);
  g_assert_cmpfloat (json_object_get_double_member (range, "hi"), ==, fold);
  g_assert_true (json_object_get_null_member (range, "down"));
  g_assert_true (g_str_has_suffix (json_object_get_string_member (root, "summary"),
                                   "; switching up at 0.333"));
}

static void
test_monostable (void)
{
  g_autofree char *model = temp_path ("linear.ode");
  g_autofree char *pdf = temp_path ("linear.pdf");
  g_autoptr(JsonParser) parser = json_parser_new ();
  g_autoptr(GError) error = NULL;
  g_auto(CurrentsCliRun) r = { 0 };
  JsonObject *root;

  g_file_set_contents (model, "par p=0.37\nx' = p - x\ninit x=0\ndone\n", -1, &error);
  g_assert_no_error (error);
  currents_cli_test_run (&r, "continue", model, "--param", "p", "--range", "-2.5:3.5", "--plot",
                         pdf,
                         "--json", NULL);
  g_assert_cmpint (r.status, ==, 0);
  root = parse (parser, r.out);
  g_assert_cmpuint (json_array_get_length (json_object_get_array_member (root, "bistable")), ==, 0);
  g_assert_cmpstr (json_object_get_string_member (root, "summary"), ==,
                   "monostable over the range");
  g_assert_true (currents_cli_test_file_contains (pdf, "%PDF-"));
  g_assert_true (currents_cli_test_file_contains (pdf, "Bifurcation diagram of"));
  g_remove (pdf);
  g_remove (model);
}

static void
test_continue2_plot (void)
{
  g_autofree char *model = temp_path ("cusp.ode");
  g_autofree char *png = temp_path ("cusp.png");
  g_autoptr(GError) error = NULL;
  g_auto(CurrentsCliRun) r = { 0 };

  g_file_set_contents (model, "par h=0, r=1\nx' = h + r*x - x^3\ninit x=1\ndone\n", -1, &error);
  g_assert_no_error (error);
  currents_cli_test_run (&r, "continue2", model, "--param", "h", "--param2", "r", "--range", "-2:2",
                         "--range2", "-1:2", "--plot", png, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "Cusp points:\n  h = "));
  g_assert_nonnull (strstr (r.out, "Diagram written to"));
  g_assert_true (currents_cli_test_file_contains (png, "\x89PNG\r\n\x1a\n"));
  g_assert_true (currents_cli_test_file_contains (png, "Folds and Hopf points of"));
  g_remove (png);
  g_remove (model);
}

static void
test_errors (void)
{
  g_autofree char *model = currents_cli_test_example ("toggle.ode");
  g_autofree char *other = currents_cli_test_example ("brusselator.csv");
  g_autofree char *png = temp_path ("never.png");
  g_auto(CurrentsCliRun) a = { 0 };
  g_auto(CurrentsCliRun) b = { 0 };
  g_auto(CurrentsCliRun) c = { 0 };
  g_auto(CurrentsCliRun) d = { 0 };

  currents_cli_test_run (&a, "continue", model, "--param", "iptg", "--range", "0.01:100", "--log",
                         "--plot", "diagram.bmp", NULL);
  g_assert_cmpint (a.status, ==, 2);
  g_assert_nonnull (strstr (a.err, ".png, .svg or .pdf"));
  currents_cli_test_run (&b, "continue", model, "--param", "iptg", "--range", "0.01:100", "--log",
                         "--plot", png, "--size", "5x5", NULL);
  g_assert_cmpint (b.status, ==, 2);
  currents_cli_test_run (&c, "continue", model, "--param", "iptg", "--range", "0.01:100", "--log",
                         "--plot", png, "--plot-y", "w", NULL);
  g_assert_cmpint (c.status, ==, 1);
  g_assert_nonnull (strstr (c.err, "'w' is not a state"));
  currents_cli_test_run (&d, "continue", model, "--param", "iptg", "--range", "0.01:100", "--log",
                         "--plot", png, "--data", other, NULL);
  g_assert_cmpint (d.status, ==, 1);
  g_assert_false (g_file_test (png, G_FILE_TEST_EXISTS));
}

int
main (int   argc,
      char **argv)
{
  g_autoptr(GError) error = NULL;
  int status;

  g_test_init (&argc, &argv, NULL);
  tmpdir = g_dir_make_tmp ("currents-cli-diagram-XXXXXX", &error);
  g_assert_no_error (error);

  g_test_add_func ("/cli/diagram/toggle-plot-json", test_toggle_plot_json);
  g_test_add_func ("/cli/diagram/toggle-text", test_toggle_text);
  g_test_add_func ("/cli/diagram/monostable", test_monostable);
  g_test_add_func ("/cli/diagram/continue2", test_continue2_plot);
  g_test_add_func ("/cli/diagram/errors", test_errors);
  status = g_test_run ();
  g_rmdir (tmpdir);
  g_free (tmpdir);
  return status;
}
