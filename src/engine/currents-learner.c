/* currents-learner.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-learner"

#include <math.h>
#include <string.h>

#include "currents-conserved-quantity.h"
#include "currents-error.h"
#include "currents-learner.h"

struct _CurrentsLearner
{
  CurrentsNeuralModel *neural;
  CurrentsModel       *model;
  CurrentsField       *field;      /* borrowed from one of the two */
  double              *theta0;     /* the field's parameters */
  gboolean            *trainable;
  gsize                n_params;
  gboolean             fit_params;
  GPtrArray           *conserve;        /* char *: conserved quantities */
  GArray              *conserve_weight; /* double: their weights */
};

static CurrentsLearner *
learner_alloc (void)
{
  return g_new0 (CurrentsLearner, 1);
}

void
currents_learner_free (CurrentsLearner *learner)
{
  if (learner == NULL)
    return;
  currents_neural_model_free (learner->neural);
  currents_model_free (learner->model);
  g_free (learner->theta0);
  g_free (learner->trainable);
  if (learner->conserve != NULL)
    g_ptr_array_unref (learner->conserve);
  if (learner->conserve_weight != NULL)
    g_array_unref (learner->conserve_weight);
  g_free (learner);
}

/* θ0 and what to fit: every weight of a network; for a `.ode` model its learned terms,
 * and its ordinary parameters too when asked. */
static gboolean
learner_finish (CurrentsLearner *l,
                const double    *theta0,
                GError         **error)
{
  gsize k = currents_field_get_n_params (l->field);
  gsize named = l->model != NULL ? currents_model_get_n_named_params (l->model) : 0;

  l->n_params = k;
  l->theta0 = g_new0 (double, MAX (k, 1));
  if (theta0 != NULL && k > 0)
    memcpy (l->theta0, theta0, k * sizeof (double));
  l->trainable = g_new0 (gboolean, MAX (k, 1));
  for (gsize j = 0; j < k; j++)
    l->trainable[j] = j >= named || l->fit_params;

  if (l->model != NULL && k == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%s has nothing to fit: no parameters and no learned terms",
                   currents_model_get_filename (l->model));
      return FALSE;
    }
  if (l->model != NULL && !l->fit_params && named == k)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "%s has no learned terms; fit its parameters instead",
                   currents_model_get_filename (l->model));
      return FALSE;
    }
  /* the model's `conserve` statements are penalties of every loss */
  for (gsize c = 0; l->model != NULL && c < currents_model_get_n_conserved (l->model); c++)
    {
      const CurrentsModelConserved *mc = currents_model_get_conserved (l->model, c);

      if (!mc->exact &&
          !currents_learner_add_conservation (l, mc->expression, mc->weight, error))
        return FALSE;
    }
  return TRUE;
}

CurrentsLearner *
currents_learner_new_neural (const CurrentsDataset    *dataset,
                             const CurrentsNeuralSpec *spec,
                             gboolean                  standardize,
                             GError                  **error)
{
  g_autoptr(CurrentsLearner) l = NULL;

  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (spec != NULL, NULL);

  l = learner_alloc ();
  if (!standardize)
    {
      gsize n = currents_dataset_get_n_states (dataset), m = currents_dataset_get_n_inputs (dataset);
      g_autofree double *zeros = g_new0 (double, MAX (n + m, 1));
      g_autofree double *ones = g_new (double, MAX (n + m, 1));
      g_autofree gboolean *nolog = g_new0 (gboolean, MAX (m, 1));
      g_autofree const char **snames = g_new0 (const char *, n + 1);
      g_autofree const char **inames = g_new0 (const char *, m + 1);
      CurrentsNeuralScaling sc;

      if (spec->log_inputs != NULL && spec->log_inputs[0] != NULL)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                       "--log-input needs standardisation (drop --no-standardize)");
          return NULL;
        }
      for (gsize i = 0; i < n + m; i++)
        ones[i] = 1.0;
      for (gsize i = 0; i < n; i++)
        snames[i] = currents_dataset_get_state_name (dataset, i);
      for (gsize i = 0; i < m; i++)
        inames[i] = currents_dataset_get_input_name (dataset, i);
      sc.x_mean = zeros;
      sc.x_scale = ones;
      sc.u_mean = zeros;
      sc.u_scale = ones;
      sc.u_log = nolog;
      sc.u_offset = zeros;
      sc.t_scale = 1.0;
      l->neural = currents_neural_model_new_full (snames, inames, spec, &sc, error);
    }
  else
    l->neural = currents_neural_model_new (dataset, spec, error);
  if (l->neural == NULL)
    return NULL;
  l->field = currents_neural_model_get_field (l->neural);
  if (!learner_finish (l, currents_neural_model_get_initial_params (l->neural), error))
    return NULL;
  return g_steal_pointer (&l);
}

CurrentsLearner *
currents_learner_new_model (CurrentsModel *model,
                            gboolean       fit_params,
                            GError       **error)
{
  g_autoptr(CurrentsLearner) l = NULL;

  g_return_val_if_fail (model != NULL, NULL);

  l = learner_alloc ();
  l->model = model;
  l->fit_params = fit_params;
  l->field = currents_model_get_field (model);
  if (!learner_finish (l, currents_model_get_params (model), error))
    return NULL;
  return g_steal_pointer (&l);
}

CurrentsLearner *
currents_learner_new_trained (const CurrentsTrainedModel *trained,
                              gboolean                    fit_params,
                              GError                    **error)
{
  g_autoptr(CurrentsLearner) l = NULL;

  g_return_val_if_fail (trained != NULL, NULL);

  l = learner_alloc ();
  l->fit_params = fit_params;
  if (currents_trained_model_get_kind (trained) == CURRENTS_TRAINED_NEURAL)
    {
      const CurrentsNeuralModel *nm = currents_trained_model_get_neural (trained);

      l->neural = currents_neural_model_new_full (currents_neural_model_get_state_names (nm),
                                                  currents_neural_model_get_input_names (nm),
                                                  currents_neural_model_get_spec (nm),
                                                  currents_neural_model_get_scaling (nm), error);
      if (l->neural == NULL)
        return NULL;
      l->field = currents_neural_model_get_field (l->neural);
    }
  else
    {
      const CurrentsModel *om = currents_trained_model_get_ode (trained);

      l->model = currents_model_new_from_string (currents_model_get_source (om),
                                                 currents_model_get_filename (om), error);
      if (l->model == NULL)
        return NULL;
      l->field = currents_model_get_field (l->model);
    }
  if (!learner_finish (l, currents_trained_model_get_params (trained), error))
    return NULL;
  return g_steal_pointer (&l);
}

CurrentsField *
currents_learner_get_field (const CurrentsLearner *learner)
{
  return learner->field;
}

const CurrentsNeuralModel *
currents_learner_get_neural (const CurrentsLearner *learner)
{
  return learner->neural;
}

const CurrentsModel *
currents_learner_get_model (const CurrentsLearner *learner)
{
  return learner->model;
}

const char *const *
currents_learner_get_state_names (const CurrentsLearner *learner)
{
  return learner->neural != NULL ? currents_neural_model_get_state_names (learner->neural)
                                 : currents_model_get_state_names (learner->model);
}

const char *const *
currents_learner_get_input_names (const CurrentsLearner *learner)
{
  return learner->neural != NULL ? currents_neural_model_get_input_names (learner->neural)
                                 : currents_model_get_input_names (learner->model);
}

const double *
currents_learner_get_input_defaults (const CurrentsLearner *learner)
{
  return learner->model != NULL ? currents_model_get_input_defaults (learner->model) : NULL;
}

const double *
currents_learner_get_initial_defaults (const CurrentsLearner *learner)
{
  return learner->model != NULL ? currents_model_get_initial (learner->model) : NULL;
}

gsize
currents_learner_get_n_params (const CurrentsLearner *learner)
{
  return learner->n_params;
}

double *
currents_learner_get_initial_params (CurrentsLearner *learner)
{
  return learner->theta0;
}

const gboolean *
currents_learner_get_trainable (const CurrentsLearner *learner)
{
  return learner->trainable;
}

gboolean
currents_learner_get_fit_params (const CurrentsLearner *learner)
{
  return learner->fit_params;
}

CurrentsLoss *
currents_learner_new_loss (const CurrentsLearner     *learner,
                           const CurrentsDataset     *dataset,
                           const CurrentsLossOptions *options,
                           GError                   **error)
{
  g_return_val_if_fail (learner != NULL, NULL);
  g_return_val_if_fail (dataset != NULL, NULL);
  g_return_val_if_fail (options != NULL, NULL);

  g_autoptr(CurrentsLoss) loss = NULL;

  loss = currents_loss_new (learner->field, currents_learner_get_state_names (learner),
                            currents_learner_get_input_names (learner),
                            currents_learner_get_input_defaults (learner),
                            currents_learner_get_initial_defaults (learner), dataset, options,
                            error);
  if (loss == NULL)
    return NULL;
  for (guint c = 0; learner->conserve != NULL && c < learner->conserve->len; c++)
    if (!currents_loss_add_conservation (loss, g_ptr_array_index (learner->conserve, c),
                                         g_array_index (learner->conserve_weight, double, c),
                                         error))
      return NULL;
  return g_steal_pointer (&loss);
}

gboolean
currents_learner_add_conservation (CurrentsLearner *learner,
                                   const char      *expression,
                                   double           weight,
                                   GError         **error)
{
  g_autoptr(CurrentsConservedQuantity) cons = NULL;

  g_return_val_if_fail (learner != NULL, FALSE);
  g_return_val_if_fail (expression != NULL, FALSE);

  if (!isfinite (weight) || weight < 0.0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_INVALID_ARGUMENT,
                   "the weight of the conserved quantity '%s' must be a number ≥ 0, not %g",
                   expression, weight);
      return FALSE;
    }
  cons = currents_conserved_quantity_new (expression, currents_learner_get_state_names (learner),
                                    error);
  if (cons == NULL)
    return FALSE;
  if (learner->conserve == NULL)
    {
      learner->conserve = g_ptr_array_new_with_free_func (g_free);
      learner->conserve_weight = g_array_new (FALSE, FALSE, sizeof (double));
    }
  g_ptr_array_add (learner->conserve, g_strdup (expression));
  g_array_append_val (learner->conserve_weight, weight);
  return TRUE;
}

gsize
currents_learner_get_n_conservations (const CurrentsLearner *learner)
{
  return learner->conserve != NULL ? learner->conserve->len : 0;
}

const char *
currents_learner_get_conservation (const CurrentsLearner *learner,
                                   gsize                  i,
                                   double                *weight)
{
  g_return_val_if_fail (i < currents_learner_get_n_conservations (learner), NULL);
  if (weight != NULL)
    *weight = g_array_index (learner->conserve_weight, double, i);
  return g_ptr_array_index (learner->conserve, i);
}

CurrentsTrainer *
currents_learner_new_trainer (const CurrentsLearner      *learner,
                              const CurrentsDataset      *dataset,
                              const CurrentsTrainOptions *options,
                              GError                    **error)
{
  g_autofree double *theta0 = NULL;
  g_autofree gboolean *trainable = NULL;
  CurrentsLoss *loss;
  gsize n_p, k = learner->n_params;

  g_return_val_if_fail (options != NULL, NULL);

  loss = currents_learner_new_loss (learner, dataset, &options->loss, error);
  if (loss == NULL)
    return NULL;
  n_p = currents_loss_get_n_params (loss);
  theta0 = g_new0 (double, MAX (n_p, 1));
  currents_loss_init_params (loss, learner->theta0, theta0);
  trainable = g_new0 (gboolean, MAX (n_p, 1));
  for (gsize j = 0; j < n_p; j++)
    trainable[j] = j >= k || learner->trainable[j];
  return currents_trainer_new (loss, theta0, trainable, options, error);
}

static int
find_name (const char *const *names,
           const char        *name)
{
  for (gsize q = 0; names != NULL && names[q] != NULL; q++)
    if (g_ascii_strcasecmp (names[q], name) == 0)
      return (int) q;
  return -1;
}

CurrentsTrainedModel *
currents_learner_new_trained_model (const CurrentsLearner *learner,
                                    const double          *params,
                                    const CurrentsDataset *dataset,
                                    const CurrentsTrainer *trainer)
{
  CurrentsTrainedModel *tm;

  g_return_val_if_fail (learner != NULL, NULL);
  g_return_val_if_fail (params != NULL || learner->n_params == 0, NULL);

  if (learner->neural != NULL)
    {
      const CurrentsNeuralModel *nm = learner->neural;
      CurrentsNeuralModel *copy;

      copy = currents_neural_model_new_full (currents_neural_model_get_state_names (nm),
                                             currents_neural_model_get_input_names (nm),
                                             currents_neural_model_get_spec (nm),
                                             currents_neural_model_get_scaling (nm), NULL);
      g_return_val_if_fail (copy != NULL, NULL);
      tm = currents_trained_model_new_neural (copy, params);
    }
  else
    {
      CurrentsModel *copy = currents_model_new_from_string (currents_model_get_source (learner->model),
                                                            currents_model_get_filename (learner->model),
                                                            NULL);

      g_return_val_if_fail (copy != NULL, NULL);
      tm = currents_trained_model_new_ode (copy, params);
    }

  if (dataset != NULL)
    {
      const char *const *snames = currents_learner_get_state_names (learner);
      const char *const *inames = currents_learner_get_input_names (learner);
      gsize mn = currents_field_get_n_states (learner->field);
      gsize mm = currents_field_get_n_inputs (learner->field);
      g_autofree double *xlo = g_new (double, MAX (mn, 1)), *xhi = g_new (double, MAX (mn, 1));
      g_autofree double *ulo = g_new (double, MAX (mm, 1)), *uhi = g_new (double, MAX (mm, 1));

      for (gsize i = 0; i < mn; i++)
        xlo[i] = xhi[i] = NAN;
      for (gsize j = 0; j < mm; j++)
        ulo[j] = uhi[j] = NAN;
      for (gsize c = 0; c < currents_dataset_get_n_states (dataset); c++)
        {
          int i = find_name (snames, currents_dataset_get_state_name (dataset, c));
          CurrentsColumnStats st;

          currents_dataset_get_state_stats (dataset, c, &st);
          if (i >= 0 && (gsize) i < mn)
            {
              xlo[i] = st.min;
              xhi[i] = st.max;
            }
        }
      for (gsize c = 0; c < currents_dataset_get_n_inputs (dataset); c++)
        {
          int j = find_name (inames, currents_dataset_get_input_name (dataset, c));
          CurrentsColumnStats st;

          currents_dataset_get_input_stats (dataset, c, &st);
          if (j >= 0 && (gsize) j < mm)
            {
              ulo[j] = st.min;
              uhi[j] = st.max;
            }
        }
      currents_trained_model_set_ranges (tm, xlo, xhi, ulo, uhi);
      currents_trained_model_set_data (tm, currents_dataset_get_filename (dataset),
                                       currents_dataset_get_sha256 (dataset));
    }

  if (trainer != NULL)
    {
      const double *ht, *hv;
      gsize nh = currents_trainer_get_history (trainer, &ht, &hv);

      for (gsize e = 0; e < nh; e++)
        currents_trained_model_add_history (tm, (guint) (e + 1), ht[e], hv[e]);
    }
  return tm;
}

static void
add_number (JsonBuilder *b,
            const char  *key,
            double       v)
{
  json_builder_set_member_name (b, key);
  if (isfinite (v))
    json_builder_add_double_value (b, v);
  else
    json_builder_add_null_value (b);
}

JsonObject *
currents_learner_describe_training (const CurrentsLearner      *learner,
                                    const CurrentsTrainOptions *o,
                                    const CurrentsDataset      *dataset,
                                    const char                 *program,
                                    const char                 *command)
{
  g_autoptr(JsonBuilder) b = json_builder_new ();
  g_autoptr(JsonNode) node = NULL;
  double t0 = NAN, t1 = NAN;

  g_return_val_if_fail (learner != NULL, NULL);
  g_return_val_if_fail (o != NULL, NULL);

  if (dataset != NULL)
    currents_dataset_get_time_span (dataset, &t0, &t1);
  json_builder_begin_object (b);
  json_builder_set_member_name (b, "program");
  json_builder_add_string_value (b, program != NULL ? program : "");
  if (command != NULL)
    {
      json_builder_set_member_name (b, "command");
      json_builder_add_string_value (b, command);
    }
  json_builder_set_member_name (b, "seed");
  json_builder_add_int_value (b, (gint64) o->seed);
  json_builder_set_member_name (b, "epochs");
  json_builder_add_int_value (b, o->epochs);
  add_number (b, "lr", o->lr);
  json_builder_set_member_name (b, "schedule");
  json_builder_add_string_value (b, currents_lr_schedule_to_string (o->schedule));
  add_number (b, "clip_norm", o->clip_norm);
  json_builder_set_member_name (b, "batch");
  json_builder_add_int_value (b, (gint64) o->batch_size);
  add_number (b, "val_fraction", o->val_fraction);
  json_builder_set_member_name (b, "patience");
  json_builder_add_int_value (b, o->patience);
  add_number (b, "weight_decay", o->loss.weight_decay);
  json_builder_set_member_name (b, "gradient");
  json_builder_add_string_value (b, currents_gradient_method_to_string (o->loss.adjoint.method));
  add_number (b, "rtol", o->loss.adjoint.rtol);
  add_number (b, "atol", o->loss.adjoint.atol);
  json_builder_set_member_name (b, "stiff");
  json_builder_add_boolean_value (b, o->loss.adjoint.stiff);
  json_builder_set_member_name (b, "unit_weights");
  json_builder_add_boolean_value (b, o->loss.unit_weights);
  json_builder_set_member_name (b, "learn_initial");
  json_builder_add_boolean_value (b, o->loss.learn_initial);
  json_builder_set_member_name (b, "polish");
  json_builder_add_boolean_value (b, o->polish);
  json_builder_set_member_name (b, "fit_params");
  json_builder_add_boolean_value (b, learner->fit_params);
  if (currents_learner_get_n_conservations (learner) > 0)
    {
      json_builder_set_member_name (b, "conserve");
      json_builder_begin_array (b);
      for (gsize c = 0; c < currents_learner_get_n_conservations (learner); c++)
        {
          double w;
          const char *expr = currents_learner_get_conservation (learner, c, &w);

          json_builder_begin_object (b);
          json_builder_set_member_name (b, "expression");
          json_builder_add_string_value (b, expr);
          add_number (b, "weight", w);
          json_builder_end_object (b);
        }
      json_builder_end_array (b);
    }
  add_number (b, "t_min", t0);
  add_number (b, "t_max", t1);
  json_builder_end_object (b);
  node = json_builder_get_root (b);
  return json_object_ref (json_node_get_object (node));
}
