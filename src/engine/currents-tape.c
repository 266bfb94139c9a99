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
 *
 * Second order (hvp and the continuation's mixed derivatives): a forward tangent pass
 * over the first-derivative rules with two directions (hyper-dual numbers),
 *
 *   ṙ  = Σ_a φ_a ȧ,   r' = Σ_a φ_a a',   ṙ' = Σ_a φ_a ȧ' + Σ_ab φ_ab ȧ b',
 *
 * seeded with ẋ = v, x' = w (and optionally ṡ = 1 on one input or parameter slot), so
 * that ṙ' at the outputs is d/dε [∂f/∂x(x + εv) w]. One pass gives all n components;
 * learned terms propagate the three tangents through their layers
 * (ḣ = σ'(z) ż, ḣ' = σ'(z) ż' + σ''(z) ż z'). The non-smooth conventions above carry
 * over (second derivatives of the branch in force, 0 for step functions).
 */
#define G_LOG_DOMAIN "currents-tape"

#include "config.h"

#include <math.h>
#include <string.h>

#include "currents-tape-private.h"
#include "currents-tape-tangent-private.h"

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
  double     *d1;       /* first tangent ṡ per slot */
  double     *d2;       /* second tangent s' */
  double     *d12;      /* mixed ṡ' */
  double     *nn_t;     /* 6 × widest layer: ping-pong tangents through a learned term */
  gsize       nn_w;     /* widest layer */
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
  ws->d1 = g_new0 (double, n_slots);
  ws->d2 = g_new0 (double, n_slots);
  ws->d12 = g_new0 (double, n_slots);
  {
    gsize w = 1;

    for (guint i = 0; i < tape->nets->len; i++)
      {
        const TapeNet *net = g_ptr_array_index (tape->nets, i);
        for (gsize l = 0; l <= net->shape.n_layers; l++)
          w = MAX (w, net->widths[l]);
      }
    ws->nn_t = g_new0 (double, 6 * w);
    ws->nn_w = w;
  }
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
  g_free (ws->d1);
  g_free (ws->d2);
  g_free (ws->d12);
  g_free (ws->nn_t);
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

/* σ'(z) and σ''(z), given z and h = σ(z), for the learned terms' activations. */
static inline void
act_d12 (CurrentsActivation a,
         double             z,
         double             h,
         double            *s1,
         double            *s2)
{
  switch (a)
    {
    case CURRENTS_ACTIVATION_TANH:
      *s1 = 1.0 - h * h;
      *s2 = -2.0 * h * *s1;
      break;
    case CURRENTS_ACTIVATION_SOFTPLUS:
      {
        double sg = 1.0 / (1.0 + exp (-z));
        *s1 = sg;
        *s2 = sg * (1.0 - sg);
      }
      break;
    case CURRENTS_ACTIVATION_SILU:
      {
        double sg = 1.0 / (1.0 + exp (-z));
        *s1 = sg * (1.0 + z * (1.0 - sg));
        *s2 = sg * (1.0 - sg) * (2.0 + z * (1.0 - 2.0 * sg));
      }
      break;
    case CURRENTS_ACTIVATION_RELU:
      *s1 = z > 0.0 ? 1.0 : 0.0;
      *s2 = 0.0;
      break;
    case CURRENTS_ACTIVATION_IDENTITY:
    default:
      *s1 = 1.0;
      *s2 = 0.0;
      break;
    }
}

/* f · t with 0 · ∞ = 0: a zero tangent contributes nothing, even where a partial
 * derivative is infinite (√x at 0, x^0.5 at 0). */
static inline double
tm (double f,
    double t)
{
  return t == 0.0 ? 0.0 : f * t;
}

/* Three tangents (ṡ, s', ṡ') through one learned term; ws->acts hold its forward pass. */
static void
tape_tangent_nn (const Tape      *tape,
                 TapeWs          *ws,
                 const TapeInstr *in,
                 const double    *p,
                 double          *r1,
                 double          *r2,
                 double          *r12)
{
  const TapeNet *net = g_ptr_array_index (tape->nets, in->b);
  const gint32 *args = &g_array_index (tape->nn_args, gint32, in->a);
  const double *W = p + net->param_offset;
  const double *acts = ws->acts + in->c;
  gsize w = ws->nn_w;
  double *a1 = ws->nn_t, *a2 = a1 + w, *a12 = a2 + w;
  double *b1 = a12 + w, *b2 = b1 + w, *b12 = b2 + w;

  for (gsize j = 0; j < net->n_args; j++)
    {
      a1[j] = ws->d1[args[j]];
      a2[j] = ws->d2[args[j]];
      a12[j] = ws->d12[args[j]];
    }
  for (gsize l = 0; l < net->shape.n_layers; l++)
    {
      gsize nin = net->widths[l], nout = net->widths[l + 1];
      gboolean last = l + 1 == net->shape.n_layers;
      double *t;

      for (gsize i = 0; i < nout; i++)
        {
          const double *row = W + i * nin;
          double z1 = 0.0, z2 = 0.0, z12 = 0.0;

          for (gsize j = 0; j < nin; j++)
            {
              z1 += row[j] * a1[j];
              z2 += row[j] * a2[j];
              z12 += row[j] * a12[j];
            }
          if (last)
            {
              b1[i] = z1;
              b2[i] = z2;
              b12[i] = z12;
            }
          else
            {
              double s1, s2;

              act_d12 (net->shape.activation, acts[i], acts[nout + i], &s1, &s2);
              b1[i] = s1 * z1;
              b2[i] = s1 * z2;
              b12[i] = s1 * z12 + s2 * z1 * z2;
            }
        }
      W += nout * nin + nout;
      acts += 2 * nout;
      t = a1; a1 = b1; b1 = t;
      t = a2; a2 = b2; b2 = t;
      t = a12; a12 = b12; b12 = t;
    }
  *r1 = a1[0];
  *r2 = a2[0];
  *r12 = a12[0];
}

/* The second-order tangent sweep over instructions 0 … end−1; needs ws->v from
 * tape_forward() and the seeds of the input slots in ws->d1, d2, d12. */
static void
tape_tangent2 (const Tape   *tape,
               TapeWs       *ws,
               const double *p,
               gsize         end)
{
  const double *v = ws->v;
  double *d1 = ws->d1, *d2 = ws->d2, *d12 = ws->d12;
  const TapeInstr *ins = (const TapeInstr *) (gpointer) tape->instrs->data;

  for (gsize k = 0; k < end; k++)
    {
      const TapeInstr *in = &ins[k];
      gsize s = tape->n_in + k;
      double A = 0.0, B = 0.0, r = v[s];
      double a1 = 0.0, a2 = 0.0, a12 = 0.0, b1 = 0.0, b2 = 0.0, b12 = 0.0;
      double fa = 0.0, fb = 0.0, faa = 0.0, fab = 0.0, fbb = 0.0;
      gint32 sel = -1;

      if (in->op != TAPE_NN && in->op != TAPE_CONST)
        {
          if (in->a >= 0)
            {
              A = v[in->a];
              a1 = d1[in->a];
              a2 = d2[in->a];
              a12 = d12[in->a];
            }
          if (in->b >= 0)
            {
              B = v[in->b];
              b1 = d1[in->b];
              b2 = d2[in->b];
              b12 = d12[in->b];
            }
        }

      switch ((TapeOp) in->op)
        {
        case TAPE_CONST:
        case TAPE_LT: case TAPE_GT: case TAPE_LE: case TAPE_GE: case TAPE_EQ: case TAPE_NE:
        case TAPE_AND: case TAPE_OR: case TAPE_NOT:
        case TAPE_HEAV: case TAPE_SIGN: case TAPE_FLOOR: case TAPE_CEIL:
          d1[s] = d2[s] = d12[s] = 0.0;
          continue;
        case TAPE_IF: sel = A != 0.0 ? in->b : in->c; break;
        case TAPE_MIN: sel = A <= B ? in->a : in->b; break;
        case TAPE_MAX: sel = A >= B ? in->a : in->b; break;
        case TAPE_ADD: fa = 1.0; fb = 1.0; break;
        case TAPE_SUB: fa = 1.0; fb = -1.0; break;
        case TAPE_MUL: fa = B; fb = A; fab = 1.0; break;
        case TAPE_DIV:
          fa = 1.0 / B;
          fb = -r / B;
          fab = -1.0 / (B * B);
          fbb = 2.0 * r / (B * B);
          break;
        case TAPE_POW:
          if (B == 0.0)
            fa = 0.0;
          else if (B == 1.0)
            fa = 1.0;
          else if (B == 2.0)
            {
              fa = 2.0 * A;
              faa = 2.0;
            }
          else
            {
              fa = B * pow (A, B - 1.0);
              faa = B * (B - 1.0) * pow (A, B - 2.0);
            }
          if (A > 0.0 && (b1 != 0.0 || b2 != 0.0 || b12 != 0.0))
            {
              double L = log (A);

              fb = r * L;
              fbb = r * L * L;
              fab = pow (A, B - 1.0) * (1.0 + B * L);
            }
          break;
        case TAPE_NEG: fa = -1.0; break;
        case TAPE_SIN: fa = cos (A); faa = -r; break;
        case TAPE_COS: fa = -sin (A); faa = -r; break;
        case TAPE_TAN: fa = 1.0 + r * r; faa = 2.0 * r * fa; break;
        case TAPE_ASIN:
          {
            double q = 1.0 - A * A;
            fa = 1.0 / sqrt (q);
            faa = A / (q * sqrt (q));
          }
          break;
        case TAPE_ACOS:
          {
            double q = 1.0 - A * A;
            fa = -1.0 / sqrt (q);
            faa = -A / (q * sqrt (q));
          }
          break;
        case TAPE_ATAN:
          {
            double q = 1.0 + A * A;
            fa = 1.0 / q;
            faa = -2.0 * A / (q * q);
          }
          break;
        case TAPE_ATAN2:
          {
            double d = A * A + B * B;
            fa = B / d;
            fb = -A / d;
            faa = -2.0 * A * B / (d * d);
            fbb = 2.0 * A * B / (d * d);
            fab = (A * A - B * B) / (d * d);
          }
          break;
        case TAPE_SINH: fa = cosh (A); faa = r; break;
        case TAPE_COSH: fa = sinh (A); faa = r; break;
        case TAPE_TANH: fa = 1.0 - r * r; faa = -2.0 * r * fa; break;
        case TAPE_EXP: fa = r; faa = r; break;
        case TAPE_LN: fa = 1.0 / A; faa = -1.0 / (A * A); break;
        case TAPE_LOG10: fa = 1.0 / (A * G_LN10); faa = -1.0 / (A * A * G_LN10); break;
        case TAPE_SQRT: fa = 0.5 / r; faa = -0.25 / (r * r * r); break;
        case TAPE_ABS: fa = A > 0.0 ? 1.0 : (A < 0.0 ? -1.0 : 0.0); break;
        case TAPE_MOD: fa = 1.0; fb = -floor (A / B); break;
        case TAPE_NN:
          tape_tangent_nn (tape, ws, in, p, &d1[s], &d2[s], &d12[s]);
          continue;
        case TAPE_N_OPS:
        default:
          g_assert_not_reached ();
        }

      if (sel >= 0)
        {
          d1[s] = d1[sel];
          d2[s] = d2[sel];
          d12[s] = d12[sel];
          continue;
        }
      d1[s] = tm (fa, a1) + tm (fb, b1);
      d2[s] = tm (fa, a2) + tm (fb, b2);
      d12[s] = tm (fa, a12) + tm (fb, b12) + tm (faa, a1 * a2) +
               tm (fab, a1 * b2 + b1 * a2) + tm (fbb, b1 * b2);
    }
}

/* Seeds the input slots: ẋ = dx1, x' = dx2 (either may be NULL), ṡ = 1 on slot n + seed. */
static void
tape_seed (const Tape   *tape,
           TapeWs       *ws,
           const double *dx1,
           int           seed,
           const double *dx2)
{
  gsize n = tape->n_states;

  memset (ws->d1, 0, tape->n_in * sizeof (double));
  memset (ws->d2, 0, tape->n_in * sizeof (double));
  memset (ws->d12, 0, tape->n_in * sizeof (double));
  if (dx1 != NULL)
    memcpy (ws->d1, dx1, n * sizeof (double));
  if (dx2 != NULL)
    memcpy (ws->d2, dx2, n * sizeof (double));
  if (seed >= 0)
    ws->d1[n + (gsize) seed] = 1.0;
}

static void
tape_field_hvp (gconstpointer impl,
                gpointer      wsp,
                double        t,
                const double *x,
                const double *u,
                const double *p,
                const double *v,
                const double *w,
                double       *out)
{
  const Tape *tape = impl;
  TapeWs *ws = wsp;

  tape_forward (tape, ws, t, x, u, p, tape->f_end);
  tape_seed (tape, ws, v, -1, w);
  tape_tangent2 (tape, ws, p, tape->f_end);
  for (gsize i = 0; i < tape->n_states; i++)
    out[i] = ws->d12[tape->f_slots[i]];
}

gboolean
_currents_tape_tangent2 (const Tape   *tape,
                         gpointer      wsp,
                         double        t,
                         const double *x,
                         const double *u,
                         const double *p,
                         const double *dx1,
                         int           seed,
                         const double *dx2,
                         double       *f,
                         double       *d1f,
                         double       *d2f,
                         double       *d12f)
{
  TapeWs *ws = wsp;
  gsize n = tape->n_states;

  g_return_val_if_fail (seed < (int) (tape->n_inputs + tape->n_params), FALSE);
  if (seed >= (int) tape->n_inputs)
    for (guint i = 0; i < tape->nets->len; i++)
      {
        const TapeNet *net = g_ptr_array_index (tape->nets, i);
        gsize j = (gsize) seed - tape->n_inputs;

        if (j >= net->param_offset &&
            j < net->param_offset + currents_mlp_n_weights (&net->shape))
          return FALSE;
      }
  tape_forward (tape, ws, t, x, u, p, tape->f_end);
  tape_seed (tape, ws, dx1, seed, dx2);
  tape_tangent2 (tape, ws, p, tape->f_end);
  for (gsize i = 0; i < n; i++)
    {
      gint32 s = tape->f_slots[i];

      if (f != NULL)
        f[i] = ws->v[s];
      if (d1f != NULL)
        d1f[i] = ws->d1[s];
      if (d2f != NULL)
        d2f[i] = ws->d2[s];
      if (d12f != NULL)
        d12f[i] = ws->d12[s];
    }
  return TRUE;
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
  .hvp = tape_field_hvp,
};

CurrentsField *
_currents_tape_make_field (Tape *tape)
{
  return currents_field_new (&tape_vtable, tape, tape->n_states, tape->n_inputs,
                             tape->n_params, !_currents_tape_uses_t (tape));
}
