/* currents-tape.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Forward:  v_k = op_k(v_a, v_b, v_c) for k in tape order.
 * Reverse:  v̄_a += v̄_k ∂op_k/∂v_a (likewise b, c) for k in reverse order, seeded with
 *           v̄_{f_i} = w_i; then wᵀ∂f/∂x = v̄_x and wᵀ∂f/∂p = v̄_p.
 * The Jacobians are n reverse sweeps, one per output (row i seeded with e_i).
 *
 * Non-smooth operations take the derivative of the branch in force (|x| → sign x, the
 * taken side of min/max/if); step functions (heav, sign, floor, comparisons) have
 * derivative 0. x^y at x = 0 with y constant never produces NaN: y·x^(y−1) with
 * 0^0 = 1, and ∂/∂y = x^y ln x is taken as 0 where x ≤ 0.
 */
#define G_LOG_DOMAIN "currents-tape"

#include "config.h"

#include <math.h>
#include <string.h>

#include "currents-tape-private.h"

struct _Tape
{
  gsize      n_states;
  gsize      n_inputs;
  gsize      n_params;
  gsize      n_in;       /* n_states + n_inputs + n_params + 1 (t) */
  GArray    *instrs;     /* TapeInstr */
  GArray    *nn_args;    /* gint32 */
  GPtrArray *nets;       /* TapeNet* */
  gint32    *f_slots;
  gsize      f_end;      /* instructions f needs */
  gint32    *aux_slots;
  gsize      n_aux;
  gsize      n_acts;     /* activation doubles over all nets */
  gsize      n_scratch;  /* largest net scratch */
  gsize      max_args;
};

typedef struct
{
  const Tape *tape;
  double     *v;
  double     *bar;
  double     *acts;
  double     *scratch;
  double     *nn_in;
  double     *nn_dx;
} TapeWs;

static void
tape_net_free (gpointer data)
{
  TapeNet *net = data;

  g_free (net->widths);
  g_free (net);
}

Tape *
_currents_tape_new (gsize n_states,
                    gsize n_inputs,
                    gsize n_params)
{
  Tape *tape = g_new0 (Tape, 1);

  tape->n_states = n_states;
  tape->n_inputs = n_inputs;
  tape->n_params = n_params;
  tape->n_in = n_states + n_inputs + n_params + 1;
  tape->instrs = g_array_new (FALSE, FALSE, sizeof (TapeInstr));
  tape->nn_args = g_array_new (FALSE, FALSE, sizeof (gint32));
  tape->nets = g_ptr_array_new_with_free_func (tape_net_free);
  tape->f_slots = g_new0 (gint32, MAX (n_states, 1));
  return tape;
}

void
_currents_tape_free (Tape *tape)
{
  if (tape == NULL)
    return;
  g_array_unref (tape->instrs);
  g_array_unref (tape->nn_args);
  g_ptr_array_unref (tape->nets);
  g_free (tape->f_slots);
  g_free (tape->aux_slots);
  g_free (tape);
}

gint32
_currents_tape_slot_x (const Tape *tape, gsize i)
{
  return (gint32) i;
}

gint32
_currents_tape_slot_u (const Tape *tape, gsize i)
{
  return (gint32) (tape->n_states + i);
}

gint32
_currents_tape_slot_p (const Tape *tape, gsize i)
{
  return (gint32) (tape->n_states + tape->n_inputs + i);
}

gint32
_currents_tape_slot_t (const Tape *tape)
{
  return (gint32) (tape->n_in - 1);
}

gint32
_currents_tape_emit (Tape   *tape,
                     TapeOp  op,
                     gint32  a,
                     gint32  b,
                     gint32  c)
{
  TapeInstr in = { .op = op, .a = a, .b = b, .c = c, .value = 0.0 };

  g_array_append_val (tape->instrs, in);
  return (gint32) (tape->n_in + tape->instrs->len - 1);
}

gint32
_currents_tape_emit_const (Tape   *tape,
                           double  value)
{
  TapeInstr in = { .op = TAPE_CONST, .a = -1, .b = -1, .c = -1, .value = value };

  /* Reuse an identical constant: tapes stay short and constants are never written. */
  for (guint k = 0; k < tape->instrs->len; k++)
    {
      const TapeInstr *o = &g_array_index (tape->instrs, TapeInstr, k);
      if (o->op == TAPE_CONST && memcmp (&o->value, &value, sizeof value) == 0)
        return (gint32) (tape->n_in + k);
    }
  g_array_append_val (tape->instrs, in);
  return (gint32) (tape->n_in + tape->instrs->len - 1);
}

gsize
_currents_tape_add_net (Tape               *tape,
                        gsize               n_layers,
                        const gsize        *widths,
                        CurrentsActivation  activation,
                        gsize               param_offset)
{
  TapeNet *net = g_new0 (TapeNet, 1);

  net->widths = g_memdup2 (widths, (n_layers + 1) * sizeof (gsize));
  net->shape.n_layers = n_layers;
  net->shape.widths = net->widths;
  net->shape.activation = activation;
  net->n_args = widths[0];
  net->param_offset = param_offset;
  g_ptr_array_add (tape->nets, net);
  return tape->nets->len - 1;
}

gint32
_currents_tape_emit_nn (Tape         *tape,
                        gsize         net_index,
                        const gint32 *args,
                        gsize         n_args)
{
  TapeNet *net = g_ptr_array_index (tape->nets, net_index);
  gint32 first = (gint32) tape->nn_args->len;
  gint32 slot;

  g_assert (n_args == net->n_args);
  g_array_append_vals (tape->nn_args, args, n_args);
  slot = _currents_tape_emit (tape, TAPE_NN, first, (gint32) net_index, -1);
  /* Each call site gets its own activations: one call's backward pass must see its
   * own forward values. Offsets are kept in the instruction's c operand. */
  g_array_index (tape->instrs, TapeInstr, tape->instrs->len - 1).c = (gint32) tape->n_acts;
  tape->n_acts += currents_mlp_n_activations (&net->shape);
  tape->n_scratch = MAX (tape->n_scratch, currents_mlp_n_scratch (&net->shape));
  tape->max_args = MAX (tape->max_args, n_args);
  return slot;
}

void
_currents_tape_set_outputs (Tape         *tape,
                            const gint32 *f_slots)
{
  memcpy (tape->f_slots, f_slots, tape->n_states * sizeof (gint32));
  tape->f_end = tape->instrs->len;
}

void
_currents_tape_set_aux (Tape         *tape,
                        const gint32 *aux_slots,
                        gsize         n_aux)
{
  g_free (tape->aux_slots);
  tape->aux_slots = g_memdup2 (aux_slots, MAX (n_aux, 1) * sizeof (gint32));
  tape->n_aux = n_aux;
}

gsize
_currents_tape_get_length (const Tape *tape)
{
  return tape->instrs->len;
}

gboolean
_currents_tape_uses_t (const Tape *tape)
{
  gint32 ts = _currents_tape_slot_t (tape);

  for (gsize k = 0; k < tape->f_end; k++)
    {
      const TapeInstr *in = &g_array_index (tape->instrs, TapeInstr, k);

      if (in->op == TAPE_NN)
        {
          const TapeNet *net = g_ptr_array_index (tape->nets, in->b);
          for (gsize j = 0; j < net->n_args; j++)
            if (g_array_index (tape->nn_args, gint32, in->a + j) == ts)
              return TRUE;
        }
      else if (in->op != TAPE_CONST && (in->a == ts || in->b == ts || in->c == ts))
        return TRUE;
    }
  for (gsize i = 0; i < tape->n_states; i++)
    if (tape->f_slots[i] == ts)
      return TRUE;
  return FALSE;
}

static gpointer
tape_ws_new (gconstpointer impl)
{
  const Tape *tape = impl;
  TapeWs *ws = g_new0 (TapeWs, 1);
  gsize n_slots = tape->n_in + tape->instrs->len;

  ws->tape = tape;
  ws->v = g_new0 (double, n_slots);
  ws->bar = g_new0 (double, n_slots);
  ws->acts = g_new0 (double, MAX (tape->n_acts, 1));
  ws->scratch = g_new0 (double, MAX (tape->n_scratch, 1));
  ws->nn_in = g_new0 (double, MAX (tape->max_args, 1));
  ws->nn_dx = g_new0 (double, MAX (tape->max_args, 1));
  return ws;
}

static void
tape_ws_free (gpointer data)
{
  TapeWs *ws = data;

  if (ws == NULL)
    return;
  g_free (ws->v);
  g_free (ws->bar);
  g_free (ws->acts);
  g_free (ws->scratch);
  g_free (ws->nn_in);
  g_free (ws->nn_dx);
  g_free (ws);
}

static inline double
xpp_mod (double a, double b)
{
  return a - b * floor (a / b);
}

static void
tape_forward (const Tape   *tape,
              TapeWs       *ws,
              double        t,
              const double *x,
              const double *u,
              const double *p,
              gsize         end)
{
  double *v = ws->v;
  const TapeInstr *ins = (const TapeInstr *) (gpointer) tape->instrs->data;
  double *out = v + tape->n_in;

  if (tape->n_states > 0)
    memcpy (v, x, tape->n_states * sizeof (double));
  if (tape->n_inputs > 0)
    memcpy (v + tape->n_states, u, tape->n_inputs * sizeof (double));
  if (tape->n_params > 0)
    memcpy (v + tape->n_states + tape->n_inputs, p, tape->n_params * sizeof (double));
  v[tape->n_in - 1] = t;

  for (gsize k = 0; k < end; k++)
    {
      const TapeInstr *in = &ins[k];
      double A = in->a >= 0 ? v[in->a] : 0.0;
      double B = in->b >= 0 ? v[in->b] : 0.0;
      double r;

      switch ((TapeOp) in->op)
        {
        case TAPE_CONST: r = in->value; break;
        case TAPE_ADD: r = A + B; break;
        case TAPE_SUB: r = A - B; break;
        case TAPE_MUL: r = A * B; break;
        case TAPE_DIV: r = A / B; break;
        case TAPE_POW: r = pow (A, B); break;
        case TAPE_NEG: r = -A; break;
        case TAPE_LT: r = A < B; break;
        case TAPE_GT: r = A > B; break;
        case TAPE_LE: r = A <= B; break;
        case TAPE_GE: r = A >= B; break;
        case TAPE_EQ: r = A == B; break;
        case TAPE_NE: r = A != B; break;
        case TAPE_AND: r = (A != 0.0) && (B != 0.0); break;
        case TAPE_OR: r = (A != 0.0) || (B != 0.0); break;
        case TAPE_NOT: r = A == 0.0; break;
        case TAPE_IF: r = A != 0.0 ? B : v[in->c]; break;
        case TAPE_SIN: r = sin (A); break;
        case TAPE_COS: r = cos (A); break;
        case TAPE_TAN: r = tan (A); break;
        case TAPE_ASIN: r = asin (A); break;
        case TAPE_ACOS: r = acos (A); break;
        case TAPE_ATAN: r = atan (A); break;
        case TAPE_ATAN2: r = atan2 (A, B); break;
        case TAPE_SINH: r = sinh (A); break;
        case TAPE_COSH: r = cosh (A); break;
        case TAPE_TANH: r = tanh (A); break;
        case TAPE_EXP: r = exp (A); break;
        case TAPE_LN: r = log (A); break;
        case TAPE_LOG10: r = log10 (A); break;
        case TAPE_SQRT: r = sqrt (A); break;
        case TAPE_ABS: r = fabs (A); break;
        case TAPE_HEAV: r = A >= 0.0 ? 1.0 : 0.0; break;
        case TAPE_SIGN: r = A > 0.0 ? 1.0 : (A < 0.0 ? -1.0 : 0.0); break;
        case TAPE_MIN: r = A <= B ? A : B; break;
        case TAPE_MAX: r = A >= B ? A : B; break;
        case TAPE_MOD: r = xpp_mod (A, B); break;
        case TAPE_FLOOR: r = floor (A); break;
        case TAPE_CEIL: r = ceil (A); break;
        case TAPE_NN:
          {
            const TapeNet *net = g_ptr_array_index (tape->nets, in->b);
            const gint32 *args = &g_array_index (tape->nn_args, gint32, in->a);

            for (gsize j = 0; j < net->n_args; j++)
              ws->nn_in[j] = v[args[j]];
            currents_mlp_forward (&net->shape, p + net->param_offset, ws->nn_in,
                                  ws->acts + in->c, &r);
          }
          break;
        case TAPE_N_OPS:
        default:
          g_assert_not_reached ();
        }
      out[k] = r;
    }
}

static inline gboolean
slot_is_const (const Tape *tape,
               gint32      slot)
{
  return slot >= (gint32) tape->n_in &&
         g_array_index (tape->instrs, TapeInstr, slot - tape->n_in).op == TAPE_CONST;
}

/* bar must hold the seeds; runs instructions end−1 … 0. */
static void
tape_reverse (const Tape   *tape,
              TapeWs       *ws,
              const double *p,
              gsize         end)
{
  const double *v = ws->v;
  double *bar = ws->bar;
  const TapeInstr *ins = (const TapeInstr *) (gpointer) tape->instrs->data;

  for (gsize k = end; k-- > 0;)
    {
      const TapeInstr *in = &ins[k];
      gsize s = tape->n_in + k;
      double g = bar[s];
      double A, B, r;

      if (g == 0.0)
        continue;
      A = in->a >= 0 ? v[in->a] : 0.0;
      B = in->b >= 0 ? v[in->b] : 0.0;
      r = v[s];

      switch ((TapeOp) in->op)
        {
        case TAPE_CONST:
        case TAPE_LT: case TAPE_GT: case TAPE_LE: case TAPE_GE: case TAPE_EQ: case TAPE_NE:
        case TAPE_AND: case TAPE_OR: case TAPE_NOT:
        case TAPE_HEAV: case TAPE_SIGN: case TAPE_FLOOR: case TAPE_CEIL:
          break;
        case TAPE_ADD: bar[in->a] += g; bar[in->b] += g; break;
        case TAPE_SUB: bar[in->a] += g; bar[in->b] -= g; break;
        case TAPE_MUL: bar[in->a] += g * B; bar[in->b] += g * A; break;
        case TAPE_DIV: bar[in->a] += g / B; bar[in->b] -= g * r / B; break;
        case TAPE_POW:
          {
            double dx;

            if (B == 0.0)
              dx = 0.0;
            else if (B == 1.0)
              dx = 1.0;
            else if (B == 2.0)
              dx = 2.0 * A;
            else
              dx = B * pow (A, B - 1.0);
            bar[in->a] += g * dx;
            if (!slot_is_const (tape, in->b) && A > 0.0)
              bar[in->b] += g * r * log (A);
          }
          break;
        case TAPE_NEG: bar[in->a] -= g; break;
        case TAPE_IF:
          if (A != 0.0)
            bar[in->b] += g;
          else
            bar[in->c] += g;
          break;
        case TAPE_SIN: bar[in->a] += g * cos (A); break;
        case TAPE_COS: bar[in->a] -= g * sin (A); break;
        case TAPE_TAN: bar[in->a] += g * (1.0 + r * r); break;
        case TAPE_ASIN: bar[in->a] += g / sqrt (1.0 - A * A); break;
        case TAPE_ACOS: bar[in->a] -= g / sqrt (1.0 - A * A); break;
        case TAPE_ATAN: bar[in->a] += g / (1.0 + A * A); break;
        case TAPE_ATAN2:
          {
            double d = A * A + B * B;
            bar[in->a] += g * B / d;
            bar[in->b] -= g * A / d;
          }
          break;
        case TAPE_SINH: bar[in->a] += g * cosh (A); break;
        case TAPE_COSH: bar[in->a] += g * sinh (A); break;
        case TAPE_TANH: bar[in->a] += g * (1.0 - r * r); break;
        case TAPE_EXP: bar[in->a] += g * r; break;
        case TAPE_LN: bar[in->a] += g / A; break;
        case TAPE_LOG10: bar[in->a] += g / (A * G_LN10); break;
        case TAPE_SQRT: bar[in->a] += g * 0.5 / r; break;
        case TAPE_ABS: bar[in->a] += A > 0.0 ? g : (A < 0.0 ? -g : 0.0); break;
        case TAPE_MIN:
          if (A <= B)
            bar[in->a] += g;
          else
            bar[in->b] += g;
          break;
        case TAPE_MAX:
          if (A >= B)
            bar[in->a] += g;
          else
            bar[in->b] += g;
          break;
        case TAPE_MOD: bar[in->a] += g; bar[in->b] -= g * floor (A / B); break;
        case TAPE_NN:
          {
            const TapeNet *net = g_ptr_array_index (tape->nets, in->b);
            const gint32 *args = &g_array_index (tape->nn_args, gint32, in->a);
            double *theta_bar = bar + _currents_tape_slot_p (tape, net->param_offset);

            for (gsize j = 0; j < net->n_args; j++)
              {
                ws->nn_in[j] = v[args[j]];
                ws->nn_dx[j] = 0.0;
              }
            currents_mlp_backward (&net->shape, p + net->param_offset, ws->nn_in,
                                   ws->acts + in->c, &g, ws->nn_dx, theta_bar,
                                   ws->scratch);
            for (gsize j = 0; j < net->n_args; j++)
              bar[args[j]] += ws->nn_dx[j];
          }
          break;
        case TAPE_N_OPS:
        default:
          g_assert_not_reached ();
        }
    }
}

static void
tape_field_eval (gconstpointer impl,
                 gpointer      wsp,
                 double        t,
                 const double *x,
                 const double *u,
                 const double *p,
                 double       *f)
{
  const Tape *tape = impl;
  TapeWs *ws = wsp;

  tape_forward (tape, ws, t, x, u, p, tape->f_end);
  for (gsize i = 0; i < tape->n_states; i++)
    f[i] = ws->v[tape->f_slots[i]];
}

static void
tape_field_jacobian (gconstpointer impl,
                     gpointer      wsp,
                     double        t,
                     const double *x,
                     const double *u,
                     const double *p,
                     double       *f,
                     double       *jx,
                     double       *jp)
{
  const Tape *tape = impl;
  TapeWs *ws = wsp;
  gsize n = tape->n_states, k = tape->n_params;
  gsize n_slots = tape->n_in + tape->f_end;
  gint32 px = _currents_tape_slot_p (tape, 0);

  tape_forward (tape, ws, t, x, u, p, tape->f_end);
  if (f != NULL)
    for (gsize i = 0; i < n; i++)
      f[i] = ws->v[tape->f_slots[i]];
  for (gsize i = 0; i < n; i++)
    {
      memset (ws->bar, 0, n_slots * sizeof (double));
      ws->bar[tape->f_slots[i]] = 1.0;
      tape_reverse (tape, ws, p, tape->f_end);
      if (jx != NULL)
        memcpy (jx + i * n, ws->bar, n * sizeof (double));
      if (jp != NULL && k > 0)
        memcpy (jp + i * k, ws->bar + px, k * sizeof (double));
    }
}

static void
tape_field_vjp (gconstpointer impl,
                gpointer      wsp,
                double        t,
                const double *x,
                const double *u,
                const double *p,
                const double *w,
                double       *f,
                double       *gx,
                double       *gp)
{
  const Tape *tape = impl;
  TapeWs *ws = wsp;
  gsize n = tape->n_states, k = tape->n_params;
  gsize n_slots = tape->n_in + tape->f_end;
  gint32 px = _currents_tape_slot_p (tape, 0);

  tape_forward (tape, ws, t, x, u, p, tape->f_end);
  if (f != NULL)
    for (gsize i = 0; i < n; i++)
      f[i] = ws->v[tape->f_slots[i]];
  memset (ws->bar, 0, n_slots * sizeof (double));
  for (gsize i = 0; i < n; i++)
    ws->bar[tape->f_slots[i]] += w[i];
  tape_reverse (tape, ws, p, tape->f_end);
  if (gx != NULL)
    for (gsize i = 0; i < n; i++)
      gx[i] += ws->bar[i];
  if (gp != NULL)
    for (gsize j = 0; j < k; j++)
      gp[j] += ws->bar[px + j];
}

void
_currents_tape_eval_aux (const Tape   *tape,
                         gpointer      wsp,
                         double        t,
                         const double *x,
                         const double *u,
                         const double *p,
                         double       *aux)
{
  TapeWs *ws = wsp;

  tape_forward (tape, ws, t, x, u, p, tape->instrs->len);
  for (gsize i = 0; i < tape->n_aux; i++)
    aux[i] = ws->v[tape->aux_slots[i]];
}

static void
tape_impl_free (gpointer impl)
{
  _currents_tape_free (impl);
}

static const CurrentsFieldVTable tape_vtable = {
  .workspace_new = tape_ws_new,
  .workspace_free = tape_ws_free,
  .eval = tape_field_eval,
  .jacobian = tape_field_jacobian,
  .vjp = tape_field_vjp,
  .impl_free = tape_impl_free,
};

CurrentsField *
_currents_tape_make_field (Tape *tape)
{
  return currents_field_new (&tape_vtable, tape, tape->n_states, tape->n_inputs,
                             tape->n_params, !_currents_tape_uses_t (tape));
}
