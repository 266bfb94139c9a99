/* currents-model-chooser.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#define G_LOG_DOMAIN "currents-gui"

#include "config.h"

#include <glib/gi18n.h>

#include "currents-model-chooser.h"

struct _CurrentsModelChooser
{
  AdwMessageDialog parent_instance;

  /* template children */
  GtkListBox      *list;

  GtkCheckButton  *checks[CURRENTS_MODEL_N_CHOICES];
  char            *sources[CURRENTS_MODEL_N_CHOICES];   /* .ode families only */
  char            *why[CURRENTS_MODEL_N_CHOICES];       /* why not available */
};

G_DEFINE_FINAL_TYPE (CurrentsModelChooser, currents_model_chooser, ADW_TYPE_MESSAGE_DIALOG)

enum
{
  CHOSEN,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

typedef struct
{
  const char *title;
  const char *subtitle;
  int         template;   /* CurrentsModelTemplate, or -1 */
} Family;

static const Family families[CURRENTS_MODEL_N_CHOICES] = {
  { N_("Neural ODE"),
    N_("Learn all of dx/dt from the data as a neural network"), -1 },
  { N_("Equations"),
    N_("Write the laws you know and fit their parameters to the data"),
    CURRENTS_MODEL_TEMPLATE_EQUATIONS },
  { N_("Hybrid Model"),
    N_("Known equations with a few learned terms inside them"),
    CURRENTS_MODEL_TEMPLATE_HYBRID },
  { N_("Reaction Network"),
    N_("dx/dt = S·r(x): reactions you write, rates learned; what they conserve stays "
       "constant exactly"),
    CURRENTS_MODEL_TEMPLATE_REACTIONS },
  { N_("Hamiltonian Network"),
    N_("A learned energy H(q, p) that the motion conserves by construction"),
    CURRENTS_MODEL_TEMPLATE_HAMILTONIAN },
  { N_("Population of Cells"),
    N_("Snapshots of many cells without identities: a density carried by a learned flow "
       "(import the data as snapshots)"), -1 },
};

CurrentsModelChoice
currents_model_chooser_get_choice (CurrentsModelChooser *self)
{
  g_return_val_if_fail (CURRENTS_IS_MODEL_CHOOSER (self), CURRENTS_MODEL_CHOICE_NEURAL);

  for (guint i = 0; i < CURRENTS_MODEL_N_CHOICES; i++)
    if (gtk_check_button_get_active (self->checks[i]))
      return (CurrentsModelChoice) i;
  return CURRENTS_MODEL_CHOICE_NEURAL;
}

void
currents_model_chooser_set_choice (CurrentsModelChooser *self,
                                   CurrentsModelChoice   choice)
{
  g_return_if_fail (CURRENTS_IS_MODEL_CHOOSER (self));
  g_return_if_fail ((guint) choice < CURRENTS_MODEL_N_CHOICES);

  if (self->why[choice] == NULL)
    gtk_check_button_set_active (self->checks[choice], TRUE);
}

gboolean
currents_model_chooser_get_available (CurrentsModelChooser *self,
                                      CurrentsModelChoice   choice,
                                      const char          **why)
{
  g_return_val_if_fail (CURRENTS_IS_MODEL_CHOOSER (self), FALSE);
  g_return_val_if_fail ((guint) choice < CURRENTS_MODEL_N_CHOICES, FALSE);

  if (why != NULL)
    *why = self->why[choice];
  return self->why[choice] == NULL;
}

const char *
currents_model_chooser_get_source (CurrentsModelChooser *self)
{
  g_return_val_if_fail (CURRENTS_IS_MODEL_CHOOSER (self), NULL);

  return self->sources[currents_model_chooser_get_choice (self)];
}

static void
response_cb (CurrentsModelChooser *self,
             const char           *response)
{
  CurrentsModelChoice choice;

  if (g_strcmp0 (response, "create") != 0)
    return;
  choice = currents_model_chooser_get_choice (self);
  g_signal_emit (self, signals[CHOSEN], 0, (guint) choice, self->sources[choice]);
}

static void
build_rows (CurrentsModelChooser  *self,
            const CurrentsDataset *dataset)
{
  GtkCheckButton *group = NULL;

  for (guint i = 0; i < CURRENTS_MODEL_N_CHOICES; i++)
    {
      const Family *f = &families[i];
      GtkWidget *row = adw_action_row_new ();
      GtkWidget *check = gtk_check_button_new ();

      if (f->template >= 0)
        {
          g_autoptr(GError) error = NULL;

          self->sources[i] = currents_model_template ((CurrentsModelTemplate) f->template,
                                                      dataset, &error);
          if (self->sources[i] == NULL)
            self->why[i] = g_strdup (error->message);
        }
      gtk_check_button_set_group (GTK_CHECK_BUTTON (check), group);
      if (group == NULL)
        group = GTK_CHECK_BUTTON (check);
      gtk_widget_set_valign (check, GTK_ALIGN_CENTER);
      adw_action_row_add_prefix (ADW_ACTION_ROW (row), check);
      adw_action_row_set_activatable_widget (ADW_ACTION_ROW (row), check);
      adw_preferences_row_set_title (ADW_PREFERENCES_ROW (row), _(f->title));
      adw_action_row_set_subtitle (ADW_ACTION_ROW (row),
                                   self->why[i] != NULL ? self->why[i] : _(f->subtitle));
      gtk_widget_set_sensitive (row, self->why[i] == NULL);
      gtk_list_box_append (self->list, row);
      self->checks[i] = GTK_CHECK_BUTTON (check);
    }
  gtk_check_button_set_active (self->checks[CURRENTS_MODEL_CHOICE_NEURAL], TRUE);
}

CurrentsModelChooser *
currents_model_chooser_new (GtkWindow             *parent,
                            const CurrentsDataset *dataset)
{
  CurrentsModelChooser *self = g_object_new (CURRENTS_TYPE_MODEL_CHOOSER,
                                             "transient-for", parent, NULL);

  build_rows (self, dataset);
  return self;
}

static void
currents_model_chooser_finalize (GObject *object)
{
  CurrentsModelChooser *self = CURRENTS_MODEL_CHOOSER (object);

  for (guint i = 0; i < CURRENTS_MODEL_N_CHOICES; i++)
    {
      g_free (self->sources[i]);
      g_free (self->why[i]);
    }
  G_OBJECT_CLASS (currents_model_chooser_parent_class)->finalize (object);
}

static void
currents_model_chooser_class_init (CurrentsModelChooserClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->finalize = currents_model_chooser_finalize;

  /**
   * CurrentsModelChooser::chosen:
   * @choice: a #CurrentsModelChoice
   * @source: (nullable): the family's first model as `.ode` text
   */
  signals[CHOSEN] = g_signal_new ("chosen", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                  NULL, NULL, NULL, G_TYPE_NONE, 2, G_TYPE_UINT, G_TYPE_STRING);

  gtk_widget_class_set_template_from_resource (
    widget_class, "/org/currents/Currents/ui/currents-model-chooser.ui");
  gtk_widget_class_bind_template_child (widget_class, CurrentsModelChooser, list);
}

static void
currents_model_chooser_init (CurrentsModelChooser *self)
{
  gtk_widget_init_template (GTK_WIDGET (self));
  g_signal_connect (self, "response", G_CALLBACK (response_cb), NULL);
}
