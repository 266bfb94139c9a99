/* currents-field-util.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Shared plumbing of the MLP-backed fields; see currents-field-util-private.h.
 */
#include "config.h"

#define G_LOG_DOMAIN "currents-field-util"

#include <math.h>
#include <string.h>

#include "currents-field-util-private.h"

/* widths = (n_in, hidden…, n_out); n_hidden ≤ CURRENTS_MLP_NET_MAX_LAYERS. */
void
_currents_mlp_net_init (CurrentsMlpNet     *net,
                        gsize               n_in,
                        const gsize        *hidden,
                        gsize               n_hidden,
                        CurrentsActivation  activation,
                        gsize               n_out)
{
  g_assert (n_hidden <= CURRENTS_MLP_NET_MAX_LAYERS);

  net->widths[0] = n_in;
  for (gsize l = 0; l < n_hidden; l++)
    net->widths[l + 1] = hidden[l];
  net->widths[n_hidden + 1] = n_out;
  net->shape.n_layers = n_hidden + 1;
  net->shape.widths = net->widths;
  net->shape.activation = activation;
  net->n_in = n_in;
  net->n_out = n_out;
  net->n_weights = currents_mlp_n_weights (&net->shape);
  net->n_acts = currents_mlp_n_activations (&net->shape);
  net->n_scratch = currents_mlp_n_scratch (&net->shape);
  net->n_tape = currents_mlp_n_tape (&net->shape);
  net->n_batch_scratch = currents_mlp_n_batch_scratch (&net->shape, CURRENTS_MLP_NET_CHUNK);
}

void
_currents_mlp_batch_init (CurrentsMlpBatch     *batch,
                          const CurrentsMlpNet *net)
{
  const gsize nin = net->n_in, nout = net->n_out;

  batch->in = g_aligned_alloc0 (CURRENTS_MLP_NET_CHUNK * (2 * nin + net->n_tape + 2 * nout)
                                + net->n_batch_scratch, sizeof (double), 64);
  batch->tape = batch->in + CURRENTS_MLP_NET_CHUNK * nin;
  batch->y = batch->tape + CURRENTS_MLP_NET_CHUNK * net->n_tape;
  batch->dy = batch->y + CURRENTS_MLP_NET_CHUNK * nout;
  batch->din = batch->dy + CURRENTS_MLP_NET_CHUNK * nout;
  batch->scratch = batch->din + CURRENTS_MLP_NET_CHUNK * nin;
}

void
_currents_mlp_batch_clear (CurrentsMlpBatch *batch)
{
  g_aligned_free (batch->in);
  memset (batch, 0, sizeof *batch);
}

/* in (n + m) = (ξ, η) of one point */
void
_currents_mlp_inputs (const CurrentsMlpInputs *inputs,
                      const double            *x,
                      const double            *u,
                      double                  *in)
{
  const gsize n = inputs->n, m = inputs->m;

  for (gsize j = 0; j < n; j++)
    in[j] = (x[j] - inputs->x_mean[j]) / inputs->x_scale[j];
  for (gsize k = 0; k < m; k++)
    {
      double v = inputs->u_log != NULL && inputs->u_log[k]
                 ? log10 (u[k] + inputs->u_offset[k]) : u[k];

      in[n + k] = (v - inputs->u_mean[k]) / inputs->u_scale[k];
    }
}

/* in (B × (n + m)) = (ξ, η) of each row; u may be NULL when m = 0 */
void
_currents_mlp_inputs_batch (const CurrentsMlpInputs *inputs,
                            gsize                    n_rows,
                            const double            *x,
                            const double            *u,
                            double                  *in)
{
  const gsize n = inputs->n, m = inputs->m;

  for (gsize r = 0; r < n_rows; r++)
    _currents_mlp_inputs (inputs, x + r * n, m > 0 ? u + r * m : NULL, in + r * (n + m));
}

/* Doubles of a batch tape per row: inputs, the MLP's tape, outputs. */
gsize
_currents_mlp_net_tape_row (const CurrentsMlpNet *net)
{
  return net->n_in + net->n_tape + net->n_out;
}

/* The forward pass of a chunk of @n_rows rows at @x, @u (the chunk's; @u may be NULL when
 * there are no inputs): into @tape (the chunk's start) when it is not NULL, else through
 * @batch->in into @y without a tape. Returns where the outputs (n_rows × n_out) are. */
const double *
_currents_mlp_net_forward_chunk (const CurrentsMlpNet    *net,
                                 const CurrentsMlpInputs *inputs,
                                 CurrentsMlpBatch        *batch,
                                 const double            *p,
                                 gsize                    n_rows,
                                 const double            *x,
                                 const double            *u,
                                 double                  *tape,
                                 double                  *y)
{
  double *in = tape != NULL ? tape : batch->in;
  double *mt = tape != NULL ? in + n_rows * net->n_in : NULL;

  if (tape != NULL)
    y = mt + n_rows * net->n_tape;
  _currents_mlp_inputs_batch (inputs, n_rows, x, u, in);
  currents_mlp_forward_batch (&net->shape, p, n_rows, in, y, mt, batch->scratch);
  return y;
}

/* The inputs, MLP tape and outputs of a chunk of @n_rows rows: sliced from @tape (the
 * chunk's start) when it is not NULL; otherwise a forward pass at @x, @u (the chunk's)
 * into @batch's buffers. */
void
_currents_mlp_net_chunk (const CurrentsMlpNet    *net,
                         const CurrentsMlpInputs *inputs,
                         CurrentsMlpBatch        *batch,
                         const double            *p,
                         gsize                    n_rows,
                         const double            *x,
                         const double            *u,
                         const double            *tape,
                         const double           **in,
                         const double           **mt,
                         const double           **y)
{
  if (tape != NULL)
    {
      *in = tape;
      *mt = *in + n_rows * net->n_in;
      *y = *mt + n_rows * net->n_tape;
      return;
    }
  _currents_mlp_inputs_batch (inputs, n_rows, x, u, batch->in);
  currents_mlp_forward_batch (&net->shape, p, n_rows, batch->in, batch->y, batch->tape,
                              batch->scratch);
  *in = batch->in;
  *mt = batch->tape;
  *y = batch->y;
}

/* One backward pass from the seed @dy (after a forward pass that left @in, @acts):
 * gp += (∂y/∂θ)ᵀ dy and, when @gx is not NULL, gx_j += (∂y/∂ξ_j)ᵀ dy / σ_x,j (j < n);
 * @din (n_in) is scratch. */
void
_currents_mlp_net_backward (const CurrentsMlpNet *net,
                            const double         *p,
                            const double         *in,
                            const double         *acts,
                            const double         *dy,
                            double               *din,
                            double               *scratch,
                            gsize                 n,
                            const double         *x_scale,
                            double               *gx,
                            double               *gp)
{
  if (gx != NULL)
    memset (din, 0, net->n_in * sizeof (double));
  currents_mlp_backward (&net->shape, p, in, acts, dy, gx != NULL ? din : NULL, gp, scratch);
  if (gx != NULL)
    for (gsize j = 0; j < n; j++)
      gx[j] += din[j] / x_scale[j];
}

/* The batched _currents_mlp_net_backward() of a chunk of @n_rows rows from the seeds in
 * @batch->dy; @gx (n_rows × n) is the chunk's. */
void
_currents_mlp_net_backward_batch (const CurrentsMlpNet *net,
                                  CurrentsMlpBatch     *batch,
                                  const double         *p,
                                  gsize                 n_rows,
                                  const double         *in,
                                  const double         *mt,
                                  gsize                 n,
                                  const double         *x_scale,
                                  double               *gx,
                                  double               *gp)
{
  const gsize nin = net->n_in;

  if (gx != NULL)
    memset (batch->din, 0, n_rows * nin * sizeof (double));
  currents_mlp_backward_batch (&net->shape, p, n_rows, in, mt, batch->dy,
                               gx != NULL ? batch->din : NULL, gp, batch->scratch);
  if (gx != NULL)
    for (gsize r = 0; r < n_rows; r++)
      for (gsize j = 0; j < n; j++)
        gx[r * n + j] += batch->din[r * nin + j] / x_scale[j];
}

/* Directions v, w in x as directions in the network's inputs (inputs held fixed):
 * hv = (v ⊘ σ_x, 0), hw = (w ⊘ σ_x, 0), each n_in long. */
void
_currents_mlp_net_directions (gsize         n_in,
                              gsize         n,
                              const double *x_scale,
                              const double *v,
                              const double *w,
                              double       *hv,
                              double       *hw)
{
  memset (hv, 0, n_in * sizeof (double));
  memset (hw, 0, n_in * sizeof (double));
  for (gsize j = 0; j < n; j++)
    {
      hv[j] = v[j] / x_scale[j];
      hw[j] = w[j] / x_scale[j];
    }
}
