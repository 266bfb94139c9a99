/* currents-mlp.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Forward:  z_{l+1} = W_l h_l + b_l,  h_{l+1} = σ(z_{l+1}), output y = z_L (linear).
 * Backward: δ_L = ∂L/∂y;  δ_l = σ'(z_l) ⊙ (W_lᵀ δ_{l+1});
 *           ∂L/∂W_l += δ_{l+1} h_lᵀ,  ∂L/∂b_l += δ_{l+1},  ∂L/∂x += W_0ᵀ δ_1.
 */
#define G_LOG_DOMAIN "currents-mlp"

#include "config.h"

#include <math.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "currents-error.h"
#include "currents-mlp.h"

gsize
currents_mlp_n_weights (const CurrentsMlpShape *shape)
{
  gsize n = 0;

  for (gsize l = 0; l < shape->n_layers; l++)
    n += shape->widths[l + 1] * shape->widths[l] + shape->widths[l + 1];
  return n;
}

/* Per layer l (1..L): z_l then h_l, each widths[l] long. */
gsize
currents_mlp_n_activations (const CurrentsMlpShape *shape)
{
  gsize n = 0;

  for (gsize l = 1; l <= shape->n_layers; l++)
    n += 2 * shape->widths[l];
  return n;
}

gsize
currents_mlp_n_scratch (const CurrentsMlpShape *shape)
{
  gsize m = 0;

  for (gsize l = 0; l <= shape->n_layers; l++)
    m = MAX (m, shape->widths[l]);
  return 2 * m;
}

/* PyTorch's default for nn.Linear: W and b uniform in ±1/√fan_in. */
void
currents_mlp_init (const CurrentsMlpShape *shape,
                   guint64                 seed,
                   double                 *theta)
{
  gsl_rng *rng = gsl_rng_alloc (gsl_rng_mt19937);
  gsize k = 0;

  gsl_rng_set (rng, (unsigned long) seed);
  for (gsize l = 0; l < shape->n_layers; l++)
    {
      gsize in = shape->widths[l], out = shape->widths[l + 1];
      double bound = 1.0 / sqrt ((double) in);

      for (gsize i = 0; i < out * in + out; i++)
        theta[k++] = bound * (2.0 * gsl_rng_uniform (rng) - 1.0);
    }
  gsl_rng_free (rng);
}

static inline double
act (CurrentsActivation a,
     double             z)
{
  switch (a)
    {
    case CURRENTS_ACTIVATION_TANH:
      return tanh (z);
    case CURRENTS_ACTIVATION_SOFTPLUS:
      return z > 30.0 ? z : log1p (exp (z));
    case CURRENTS_ACTIVATION_SILU:
      return z / (1.0 + exp (-z));
    case CURRENTS_ACTIVATION_RELU:
      return z > 0.0 ? z : 0.0;
    case CURRENTS_ACTIVATION_IDENTITY:
    default:
      return z;
    }
}

/* σ'(z), given z and h = σ(z). */
static inline double
act_deriv (CurrentsActivation a,
           double             z,
           double             h)
{
  switch (a)
    {
    case CURRENTS_ACTIVATION_TANH:
      return 1.0 - h * h;
    case CURRENTS_ACTIVATION_SOFTPLUS:
      return 1.0 / (1.0 + exp (-z));
    case CURRENTS_ACTIVATION_SILU:
      {
        double s = 1.0 / (1.0 + exp (-z));
        return s * (1.0 + z * (1.0 - s));
      }
    case CURRENTS_ACTIVATION_RELU:
      return z > 0.0 ? 1.0 : 0.0;
    case CURRENTS_ACTIVATION_IDENTITY:
    default:
      return 1.0;
    }
}

void
currents_mlp_forward (const CurrentsMlpShape *shape,
                      const double           *theta,
                      const double           *x,
                      double                 *acts,
                      double                 *y)
{
  const double *h = x;
  const double *w = theta;
  double *a = acts;

  for (gsize l = 0; l < shape->n_layers; l++)
    {
      gsize in = shape->widths[l], out = shape->widths[l + 1];
      const double *b = w + out * in;
      double *z = a, *hn = a + out;
      gboolean last = (l + 1 == shape->n_layers);

      for (gsize i = 0; i < out; i++)
        {
          const double *row = w + i * in;
          double s = b[i];

          for (gsize j = 0; j < in; j++)
            s += row[j] * h[j];
          z[i] = s;
          hn[i] = last ? s : act (shape->activation, s);
        }
      h = hn;
      w = b + out;
      a += 2 * out;
    }
  if (y != NULL)
    memcpy (y, h, shape->widths[shape->n_layers] * sizeof (double));
}

/* Needs acts from currents_mlp_forward() at the same x and θ; scratch holds
 * currents_mlp_n_scratch() doubles. dx and dtheta may be NULL. */
void
currents_mlp_backward (const CurrentsMlpShape *shape,
                       const double           *theta,
                       const double           *x,
                       const double           *acts,
                       const double           *dy,
                       double                 *dx,
                       double                 *dtheta,
                       double                 *scratch)
{
  gsize L = shape->n_layers;
  gsize half = currents_mlp_n_scratch (shape) / 2;
  double *delta = scratch, *delta_prev = scratch + half;
  gsize w_off[64], a_off[64];
  gsize wo = 0, ao = 0;

  g_assert (L < G_N_ELEMENTS (w_off));
  for (gsize l = 0; l < L; l++)
    {
      w_off[l] = wo;
      a_off[l] = ao;
      wo += shape->widths[l + 1] * shape->widths[l] + shape->widths[l + 1];
      ao += 2 * shape->widths[l + 1];
    }

  memcpy (delta, dy, shape->widths[L] * sizeof (double));
  for (gsize l = L; l-- > 0;)
    {
      gsize in = shape->widths[l], out = shape->widths[l + 1];
      const double *W = theta + w_off[l];
      const double *h_in = l == 0 ? x : acts + a_off[l - 1] + shape->widths[l];

      if (dtheta != NULL)
        {
          double *gW = dtheta + w_off[l], *gb = gW + out * in;

          for (gsize i = 0; i < out; i++)
            {
              double d = delta[i];

              if (d == 0.0)
                continue;
              for (gsize j = 0; j < in; j++)
                gW[i * in + j] += d * h_in[j];
              gb[i] += d;
            }
        }
      if (l == 0 && dx == NULL)
        break;
      for (gsize j = 0; j < in; j++)
        delta_prev[j] = 0.0;
      for (gsize i = 0; i < out; i++)
        {
          double d = delta[i];

          if (d == 0.0)
            continue;
          for (gsize j = 0; j < in; j++)
            delta_prev[j] += W[i * in + j] * d;
        }
      if (l == 0)
        {
          for (gsize j = 0; j < in; j++)
            dx[j] += delta_prev[j];
          break;
        }
      {
        const double *z = acts + a_off[l - 1], *h = z + in;

        for (gsize j = 0; j < in; j++)
          delta_prev[j] *= act_deriv (shape->activation, z[j], h[j]);
      }
      {
        double *tmp = delta;
        delta = delta_prev;
        delta_prev = tmp;
      }
    }
}

gboolean
currents_activation_from_string (const char         *name,
                                 CurrentsActivation *activation)
{
  static const struct { const char *name; CurrentsActivation a; } table[] = {
    { "tanh", CURRENTS_ACTIVATION_TANH },
    { "softplus", CURRENTS_ACTIVATION_SOFTPLUS },
    { "silu", CURRENTS_ACTIVATION_SILU },
    { "swish", CURRENTS_ACTIVATION_SILU },
    { "relu", CURRENTS_ACTIVATION_RELU },
    { "identity", CURRENTS_ACTIVATION_IDENTITY },
    { "linear", CURRENTS_ACTIVATION_IDENTITY },
  };

  for (gsize i = 0; i < G_N_ELEMENTS (table); i++)
    if (g_ascii_strcasecmp (name, table[i].name) == 0)
      {
        *activation = table[i].a;
        return TRUE;
      }
  return FALSE;
}

const char *
currents_activation_to_string (CurrentsActivation activation)
{
  switch (activation)
    {
    case CURRENTS_ACTIVATION_TANH: return "tanh";
    case CURRENTS_ACTIVATION_SOFTPLUS: return "softplus";
    case CURRENTS_ACTIVATION_SILU: return "silu";
    case CURRENTS_ACTIVATION_RELU: return "relu";
    case CURRENTS_ACTIVATION_IDENTITY: return "identity";
    default: return "?";
    }
}

/**
 * currents_mlp_load_text:
 * @path: a text file of tensors, each a line `name dim…` followed by a line of
 *   dim₁·dim₂… numbers (PyTorch's row-major order), layers in order, weight then bias
 *   (the format of shared/bench/init_h64_seed0.txt)
 * @n_weights: how many numbers the network needs
 * @theta: (out): the weights in currents-mlp layout (the same order)
 * @error: a message naming the line that is wrong
 */
gboolean
currents_mlp_load_text (const char  *path,
                        gsize        n_weights,
                        double      *theta,
                        GError     **error)
{
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GError *local = NULL;
  gsize k = 0;

  if (!g_file_get_contents (path, &text, NULL, &local))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO, "%s", local->message);
      g_error_free (local);
      return FALSE;
    }
  lines = g_strsplit (text, "\n", -1);
  for (gsize i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) head = NULL;
      g_auto(GStrv) vals = NULL;
      gsize count = 1, dims = 0;

      g_strstrip (lines[i]);
      if (*lines[i] == '\0' || *lines[i] == '#')
        continue;
      head = g_strsplit_set (lines[i], " \t", -1);
      for (gsize d = 1; head[d] != NULL; d++)
        if (*head[d] != '\0')
          {
            char *end = NULL;
            guint64 v = g_ascii_strtoull (head[d], &end, 10);
            if (*end != '\0' || v == 0)
              {
                g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                             "%s:%" G_GSIZE_FORMAT ": expected a tensor name and its "
                             "dimensions, found '%s'", path, i + 1, lines[i]);
                return FALSE;
              }
            count *= (gsize) v;
            dims++;
          }
      if (dims == 0 || lines[i + 1] == NULL)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                       "%s:%" G_GSIZE_FORMAT ": expected a tensor name and its dimensions "
                       "followed by a line of values", path, i + 1);
          return FALSE;
        }
      i++;
      vals = g_strsplit_set (g_strstrip (lines[i]), " \t", -1);
      for (gsize v = 0; vals[v] != NULL; v++)
        {
          char *end = NULL;
          double x;

          if (*vals[v] == '\0')
            continue;
          x = g_ascii_strtod (vals[v], &end);
          if (*end != '\0' || !isfinite (x) || k >= n_weights || count == 0)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                           "%s:%" G_GSIZE_FORMAT ": %s", path, i + 1,
                           k >= n_weights ? "more weights than the network has" :
                           count == 0 ? "more values than the tensor's dimensions say"
                                      : "expected finite numbers");
              return FALSE;
            }
          theta[k++] = x;
          count--;
        }
      if (count != 0)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                       "%s:%" G_GSIZE_FORMAT ": '%s' has fewer values than its dimensions "
                       "say", path, i + 1, head[0]);
          return FALSE;
        }
    }
  if (k != n_weights)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_DATA_FORMAT,
                   "%s has %" G_GSIZE_FORMAT " weights; the network needs %" G_GSIZE_FORMAT,
                   path, k, n_weights);
      return FALSE;
    }
  return TRUE;
}
