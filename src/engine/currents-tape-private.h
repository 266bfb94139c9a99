/* currents-tape-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * A tape: a straight-line program of scalar operations compiled from a model's
 * expressions. Slots 0..n_in−1 hold the inputs (x, then u, then p, then t);
 * instruction k writes slot n_in + k. Forward evaluation runs the tape in order;
 * reverse mode runs it backwards with adjoints ā (ā_in += ā_out · ∂out/∂in).
 */
#pragma once

#include <glib.h>

#include "currents-field.h"
#include "currents-mlp.h"

G_BEGIN_DECLS

typedef enum
{
  TAPE_CONST,
  TAPE_ADD, TAPE_SUB, TAPE_MUL, TAPE_DIV, TAPE_POW, TAPE_NEG,
  TAPE_LT, TAPE_GT, TAPE_LE, TAPE_GE, TAPE_EQ, TAPE_NE, TAPE_AND, TAPE_OR, TAPE_NOT,
  TAPE_IF,
  TAPE_SIN, TAPE_COS, TAPE_TAN, TAPE_ASIN, TAPE_ACOS, TAPE_ATAN, TAPE_ATAN2,
  TAPE_SINH, TAPE_COSH, TAPE_TANH, TAPE_EXP, TAPE_LN, TAPE_LOG10, TAPE_SQRT, TAPE_ABS,
  TAPE_HEAV, TAPE_SIGN, TAPE_MIN, TAPE_MAX, TAPE_MOD, TAPE_FLOOR, TAPE_CEIL,
  TAPE_NN,
  TAPE_N_OPS
} TapeOp;

typedef struct
{
  guint8 op;
  gint32 a, b, c;     /* operand slots (−1 unused); for TAPE_NN a = first arg index into
                       * the tape's nn_args, b = learned-term index */
  double value;       /* TAPE_CONST */
} TapeInstr;

typedef struct
{
  CurrentsMlpShape shape;
  gsize           *widths;
  gsize            n_args;
  gsize            param_offset;  /* into p */
  gsize            act_offset;    /* into the workspace's activation buffer */
} TapeNet;

typedef struct _Tape Tape;

Tape      *_currents_tape_new          (gsize n_states, gsize n_inputs, gsize n_params);
void       _currents_tape_free         (Tape *tape);
gint32     _currents_tape_slot_x       (const Tape *tape, gsize i);
gint32     _currents_tape_slot_u       (const Tape *tape, gsize i);
gint32     _currents_tape_slot_p       (const Tape *tape, gsize i);
gint32     _currents_tape_slot_t       (const Tape *tape);
gint32     _currents_tape_emit         (Tape *tape, TapeOp op, gint32 a, gint32 b, gint32 c);
gint32     _currents_tape_emit_const   (Tape *tape, double value);
gint32     _currents_tape_emit_nn      (Tape *tape, gsize net, const gint32 *args, gsize n_args);
gsize      _currents_tape_add_net      (Tape *tape, gsize n_layers, const gsize *widths,
                                        CurrentsActivation activation, gsize param_offset);
/* Marks the end of the part of the tape that f needs; outputs are slots. */
void       _currents_tape_set_outputs  (Tape *tape, const gint32 *f_slots);
void       _currents_tape_set_aux      (Tape *tape, const gint32 *aux_slots, gsize n_aux);
gsize      _currents_tape_get_length   (const Tape *tape);
gboolean   _currents_tape_uses_t       (const Tape *tape);

/* Makes a field over the tape; the field owns the tape. */
CurrentsField *_currents_tape_make_field (Tape *tape);
void       _currents_tape_eval_aux     (const Tape *tape, gpointer ws, double t,
                                        const double *x, const double *u, const double *p,
                                        double *aux);

G_END_DECLS
