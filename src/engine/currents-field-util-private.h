/* currents-field-util-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * What the MLP-backed fields (currents-neural.c, currents-stoich.c) share: a network of
 * n_in = n + m inputs (ξ, η) and n_out outputs, where
 *
 *   ξ_j = (x_j − m_x,j) / σ_x,j,    η_k = (v_k(u_k) − m_u,k) / σ_u,k,
 *   v_k(u) = u, or log10(u + u₀,k) for a log-scaled input,
 *
 * so a cotangent d(ξ, η) of the inputs gives wᵀ∂f/∂x_j = dξ_j / σ_x,j. Batches run the
 * MLP's batched kernels on up to CURRENTS_MLP_NET_CHUNK rows at a time; the tape of a chunk
 * of B rows holds its inputs (B × n_in), the MLP's tape (B × n_tape) and the network's
 * outputs (B × n_out).
 */
#pragma once

#include <glib.h>

#include "currents-mlp.h"

G_BEGIN_DECLS

/* Rows per batched call into the MLP; larger batches go in chunks of this many. */
#define CURRENTS_MLP_NET_CHUNK 32
#define CURRENTS_MLP_NET_MAX_LAYERS 16

/* A network's shape and the sizes of its buffers: immutable, part of a field's impl. */
typedef struct
{
  gsize            widths[CURRENTS_MLP_NET_MAX_LAYERS + 2];
  CurrentsMlpShape shape;           /* widths → widths[] above */
  gsize            n_in;
  gsize            n_out;
  gsize            n_weights;
  gsize            n_acts;
  gsize            n_scratch;
  gsize            n_tape;          /* MLP tape, per batch row */
  gsize            n_batch_scratch; /* MLP scratch for CURRENTS_MLP_NET_CHUNK rows */
} CurrentsMlpNet;

/* Per-thread buffers for chunks of up to CURRENTS_MLP_NET_CHUNK rows: one aligned block. */
typedef struct
{
  double *in;      /* CHUNK × n_in */
  double *tape;    /* CHUNK × n_tape */
  double *y;       /* CHUNK × n_out */
  double *dy;      /* CHUNK × n_out */
  double *din;     /* CHUNK × n_in */
  double *scratch; /* n_batch_scratch */
} CurrentsMlpBatch;

/* The input scaling (arrays borrowed from the impl). u_log NULL: no input is log-scaled. */
typedef struct
{
  gsize           n;
  gsize           m;
  const double   *x_mean;   /* n */
  const double   *x_scale;  /* n */
  const double   *u_mean;   /* m */
  const double   *u_scale;  /* m */
  const gboolean *u_log;    /* m, or NULL */
  const double   *u_offset; /* m, or NULL when u_log is */
} CurrentsMlpInputs;

void  _currents_mlp_net_init          (CurrentsMlpNet          *net,
                                       gsize                    n_in,
                                       const gsize             *hidden,
                                       gsize                    n_hidden,
                                       CurrentsActivation       activation,
                                       gsize                    n_out);

void  _currents_mlp_batch_init        (CurrentsMlpBatch        *batch,
                                       const CurrentsMlpNet    *net);
void  _currents_mlp_batch_clear       (CurrentsMlpBatch        *batch);

void  _currents_mlp_inputs            (const CurrentsMlpInputs *inputs,
                                       const double            *x,
                                       const double            *u,
                                       double                  *in);
void  _currents_mlp_inputs_batch      (const CurrentsMlpInputs *inputs,
                                       gsize                    n_rows,
                                       const double            *x,
                                       const double            *u,
                                       double                  *in);

gsize _currents_mlp_net_tape_row      (const CurrentsMlpNet    *net);
const double *_currents_mlp_net_forward_chunk (const CurrentsMlpNet    *net,
                                              const CurrentsMlpInputs *inputs,
                                              CurrentsMlpBatch        *batch,
                                              const double            *p,
                                              gsize                    n_rows,
                                              const double            *x,
                                              const double            *u,
                                              double                  *tape,
                                              double                  *y);
void  _currents_mlp_net_chunk         (const CurrentsMlpNet    *net,
                                       const CurrentsMlpInputs *inputs,
                                       CurrentsMlpBatch        *batch,
                                       const double            *p,
                                       gsize                    n_rows,
                                       const double            *x,
                                       const double            *u,
                                       const double            *tape,
                                       const double           **in,
                                       const double           **mt,
                                       const double           **y);

void  _currents_mlp_net_backward      (const CurrentsMlpNet    *net,
                                       const double            *p,
                                       const double            *in,
                                       const double            *acts,
                                       const double            *dy,
                                       double                  *din,
                                       double                  *scratch,
                                       gsize                    n,
                                       const double            *x_scale,
                                       double                  *gx,
                                       double                  *gp);
void  _currents_mlp_net_backward_batch (const CurrentsMlpNet   *net,
                                       CurrentsMlpBatch        *batch,
                                       const double            *p,
                                       gsize                    n_rows,
                                       const double            *in,
                                       const double            *mt,
                                       gsize                    n,
                                       const double            *x_scale,
                                       double                  *gx,
                                       double                  *gp);

void  _currents_mlp_net_directions    (gsize                    n_in,
                                       gsize                    n,
                                       const double            *x_scale,
                                       const double            *v,
                                       const double            *w,
                                       double                  *hv,
                                       double                  *hw);

G_END_DECLS
