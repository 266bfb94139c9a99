/* currents-model.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Resolves the names of a parsed `.ode` program and compiles its equations to a tape:
 * user functions are inlined at each call (so derivatives flow through them),
 * fixed quantities and derived parameters are computed once per evaluation, learned
 * terms become network operations whose weights are part of p.
 */
#define G_LOG_DOMAIN "currents-model"

#include "config.h"

#include <math.h>
#include <string.h>

#include "currents-error.h"
#include "currents-field-private.h"
#include "currents-mlp.h"
#include "currents-model-private.h"

struct _CurrentsModel
{
  char                 *filename;
  char                 *source;
  CurrentsModelOptions  options;
  GStrv                 ignored;
  GStrv                 state_names;
  GStrv                 input_names;
  GStrv                 param_names;
  GStrv                 aux_names;
  double               *initial;
  double               *input_defaults;
  double               *params;
  gsize                 n_states;
  gsize                 n_inputs;
  gsize                 n_named_params;
  gsize                 n_params;
  gsize                 n_aux;
  CurrentsLearnedTerm  *learned;
  gsize                 n_learned;
  Tape                 *tape;     /* owned by the field */
  CurrentsField        *field;
};

typedef enum
{
  SYM_STATE,
  SYM_INPUT,
  SYM_PARAM,
  SYM_NUMBER,
  SYM_FIXED,
  SYM_DERIVED,
} SymKind;

typedef struct
{
  SymKind        kind;
  gsize          index;
  const OdeDecl *decl;
  gint32         slot;       /* memoised slot for fixed and derived quantities */
  gboolean       compiling;  /* cycle detection */
} Symbol;

typedef struct
{
  const char *name;
  gint32      slot;
} Binding;

typedef struct
{
  OdeProgram *prog;
  Tape       *tape;
  GHashTable *symbols;   /* lower-case name → Symbol* */
  GHashTable *funcs;     /* lower-case name → OdeFunc* */
  GHashTable *learns;    /* lower-case name → index */
  GPtrArray  *active;    /* OdeFunc* being inlined */
  GArray     *scope;     /* Binding: innermost function's arguments */
  GError    **error;
  gboolean    failed;
} Compiler;

G_GNUC_PRINTF (5, 6) static void
cfail (Compiler   *c,
       int         code,
       int         line,
       int         col,
       const char *fmt,
       ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  if (c->failed)
    return;
  c->failed = TRUE;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (c->error, CURRENTS_ENGINE_ERROR, code, "%s:%d:%d: %s",
               c->prog->filename, line, col, msg);
}

static char *
key_of (const char *name)
{
  return g_ascii_strdown (name, -1);
}

static const struct { const char *name; TapeOp op; int arity; } builtins[] = {
  { "sin", TAPE_SIN, 1 }, { "cos", TAPE_COS, 1 }, { "tan", TAPE_TAN, 1 },
  { "asin", TAPE_ASIN, 1 }, { "acos", TAPE_ACOS, 1 }, { "atan", TAPE_ATAN, 1 },
  { "atan2", TAPE_ATAN2, 2 }, { "sinh", TAPE_SINH, 1 }, { "cosh", TAPE_COSH, 1 },
  { "tanh", TAPE_TANH, 1 }, { "exp", TAPE_EXP, 1 }, { "ln", TAPE_LN, 1 },
  { "log", TAPE_LN, 1 }, { "log10", TAPE_LOG10, 1 }, { "sqrt", TAPE_SQRT, 1 },
  { "abs", TAPE_ABS, 1 }, { "heav", TAPE_HEAV, 1 }, { "sign", TAPE_SIGN, 1 },
  { "min", TAPE_MIN, 2 }, { "max", TAPE_MAX, 2 }, { "mod", TAPE_MOD, 2 },
  { "floor", TAPE_FLOOR, 1 }, { "flr", TAPE_FLOOR, 1 }, { "ceil", TAPE_CEIL, 1 },
  { "not", TAPE_NOT, 1 },
};

static const char *unsupported_functions[] = {
  "delay", "del_shft", "ran", "normal", "poisson", "sum", "shift", "ishift", "int",
  "besselj", "bessely", "besseli", "besselk", "erf", "erfc", "lgamma", "hom_bcs",
  "gamma", "arg1",
};

static gint32 compile (Compiler *c, const Ast *a);

static gint32
compile_symbol (Compiler *c,
                Symbol   *sym,
                const Ast *at)
{
  switch (sym->kind)
    {
    case SYM_STATE:
      return _currents_tape_slot_x (c->tape, sym->index);
    case SYM_INPUT:
      return _currents_tape_slot_u (c->tape, sym->index);
    case SYM_PARAM:
      return _currents_tape_slot_p (c->tape, sym->index);
    case SYM_NUMBER:
      return _currents_tape_emit_const (c->tape, sym->decl->value);
    case SYM_FIXED:
    case SYM_DERIVED:
      if (sym->slot >= 0)
        return sym->slot;
      if (sym->compiling)
        {
          cfail (c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, at->line, at->col,
                 "'%s' is defined in terms of itself (line %d)", sym->decl->name,
                 sym->decl->line);
          return -1;
        }
      sym->compiling = TRUE;
      {
        /* Fixed quantities see only global names, never a caller's arguments. */
        GArray *saved = c->scope;
        GArray *empty = g_array_new (FALSE, FALSE, sizeof (Binding));

        c->scope = empty;
        sym->slot = compile (c, sym->decl->expr);
        c->scope = saved;
        g_array_unref (empty);
      }
      sym->compiling = FALSE;
      return sym->slot;
    default:
      g_assert_not_reached ();
    }
}

static gint32
compile_call (Compiler  *c,
              const Ast *a)
{
  g_autofree char *key = key_of (a->name);
  OdeFunc *fn = g_hash_table_lookup (c->funcs, key);
  gint32 args[3] = { -1, -1, -1 };
  gpointer learn_index;

  if (fn != NULL)
    {
      GArray *scope, *saved;
      gint32 slot;

      if (a->n_args != fn->n_params)
        {
          cfail (c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, a->line, a->col,
                 "'%s' takes %d argument%s (defined at line %d), but %d %s given",
                 fn->name, fn->n_params, fn->n_params == 1 ? "" : "s", fn->line,
                 a->n_args, a->n_args == 1 ? "was" : "were");
          return -1;
        }
      for (guint i = 0; i < c->active->len; i++)
        if (g_ptr_array_index (c->active, i) == fn)
          {
            cfail (c, CURRENTS_ENGINE_ERROR_UNSUPPORTED, a->line, a->col,
                   "'%s' calls itself; recursive functions are not supported", fn->name);
            return -1;
          }
      scope = g_array_new (FALSE, FALSE, sizeof (Binding));
      for (int i = 0; i < a->n_args && !c->failed; i++)
        {
          Binding b = { fn->params[i], compile (c, a->args[i]) };
          g_array_append_val (scope, b);
        }
      if (c->failed)
        {
          g_array_unref (scope);
          return -1;
        }
      saved = c->scope;
      c->scope = scope;
      g_ptr_array_add (c->active, fn);
      slot = compile (c, fn->body);
      g_ptr_array_remove_index (c->active, c->active->len - 1);
      c->scope = saved;
      g_array_unref (scope);
      return slot;
    }

  if (g_hash_table_lookup_extended (c->learns, key, NULL, &learn_index))
    {
      gsize li = GPOINTER_TO_SIZE (learn_index);
      const OdeLearn *l = g_ptr_array_index (c->prog->learns, li);
      g_autofree gint32 *slots = NULL;

      if (a->n_args != l->n_args)
        {
          cfail (c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, a->line, a->col,
                 "the learned term '%s' takes %d argument%s (line %d), but %d %s given",
                 l->name, l->n_args, l->n_args == 1 ? "" : "s", l->line, a->n_args,
                 a->n_args == 1 ? "was" : "were");
          return -1;
        }
      slots = g_new0 (gint32, MAX (a->n_args, 1));
      for (int i = 0; i < a->n_args; i++)
        slots[i] = compile (c, a->args[i]);
      if (c->failed)
        return -1;
      return _currents_tape_emit_nn (c->tape, li, slots, (gsize) a->n_args);
    }

  for (gsize i = 0; i < G_N_ELEMENTS (builtins); i++)
    if (strcmp (key, builtins[i].name) == 0)
      {
        if (a->n_args != builtins[i].arity)
          {
            cfail (c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, a->line, a->col,
                   "'%s' takes %d argument%s, but %d %s given", a->name, builtins[i].arity,
                   builtins[i].arity == 1 ? "" : "s", a->n_args,
                   a->n_args == 1 ? "was" : "were");
            return -1;
          }
        for (int k = 0; k < a->n_args; k++)
          args[k] = compile (c, a->args[k]);
        if (c->failed)
          return -1;
        return _currents_tape_emit (c->tape, builtins[i].op, args[0], args[1], -1);
      }

  for (gsize i = 0; i < G_N_ELEMENTS (unsupported_functions); i++)
    if (strcmp (key, unsupported_functions[i]) == 0)
      {
        cfail (c, CURRENTS_ENGINE_ERROR_UNSUPPORTED, a->line, a->col,
               "the function '%s' is not supported by Currents (delays, random numbers, "
               "sums and special functions change the kind of model)", a->name);
        return -1;
      }
  cfail (c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, a->line, a->col,
         "unknown function '%s'", a->name);
  return -1;
}

static gint32
compile (Compiler  *c,
         const Ast *a)
{
  if (c->failed || a == NULL)
    return -1;
  switch (a->kind)
    {
    case AST_NUM:
      return _currents_tape_emit_const (c->tape, a->value);
    case AST_NAME:
      {
        g_autofree char *key = key_of (a->name);
        Symbol *sym;

        for (guint i = c->scope->len; i-- > 0;)
          {
            Binding *b = &g_array_index (c->scope, Binding, i);
            if (g_ascii_strcasecmp (b->name, a->name) == 0)
              return b->slot;
          }
        sym = g_hash_table_lookup (c->symbols, key);
        if (sym != NULL)
          return compile_symbol (c, sym, a);
        if (strcmp (key, "t") == 0)
          return _currents_tape_slot_t (c->tape);
        if (strcmp (key, "pi") == 0)
          return _currents_tape_emit_const (c->tape, G_PI);
        if (g_hash_table_contains (c->funcs, key) || g_hash_table_contains (c->learns, key))
          cfail (c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, a->line, a->col,
                 "'%s' is a function: call it with arguments, as in %s(x)", a->name, a->name);
        else
          cfail (c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, a->line, a->col,
                 "unknown name '%s' (not a state, parameter, input, number or quantity "
                 "defined in the file)", a->name);
        return -1;
      }
    case AST_CALL:
      return compile_call (c, a);
    case AST_OP:
      {
        gint32 x = compile (c, a->args[0]);
        gint32 y = a->n_args > 1 ? compile (c, a->args[1]) : -1;
        if (c->failed)
          return -1;
        return _currents_tape_emit (c->tape, a->op, x, y, -1);
      }
    case AST_IF:
      {
        gint32 x = compile (c, a->args[0]);
        gint32 y = compile (c, a->args[1]);
        gint32 z = compile (c, a->args[2]);
        if (c->failed)
          return -1;
        return _currents_tape_emit (c->tape, TAPE_IF, x, y, z);
      }
    default:
      g_assert_not_reached ();
    }
}

static const char *
kind_name (SymKind kind)
{
  switch (kind)
    {
    case SYM_STATE: return "a state variable";
    case SYM_INPUT: return "an input";
    case SYM_PARAM: return "a parameter";
    case SYM_NUMBER: return "a number";
    case SYM_FIXED: return "a fixed quantity";
    case SYM_DERIVED: return "a derived parameter";
    default: return "a name";
    }
}

static gboolean
declare (Compiler      *c,
         SymKind        kind,
         gsize          index,
         const OdeDecl *d)
{
  g_autofree char *key = key_of (d->name);
  Symbol *old = g_hash_table_lookup (c->symbols, key);
  Symbol *sym;

  if (old != NULL)
    {
      if (old->kind == kind && kind == SYM_STATE)
        cfail (c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, d->line, d->col,
               "duplicate equation for '%s' (first at line %d)", d->name, old->decl->line);
      else
        cfail (c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, d->line, d->col,
               "'%s' is already %s (line %d)", d->name, kind_name (old->kind),
               old->decl->line);
      return FALSE;
    }
  if (strcmp (key, "t") == 0 || strcmp (key, "pi") == 0)
    {
      cfail (c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, d->line, d->col,
             "'%s' is reserved (%s) and cannot be redefined", d->name,
             strcmp (key, "t") == 0 ? "time" : "π");
      return FALSE;
    }
  sym = g_new0 (Symbol, 1);
  sym->kind = kind;
  sym->index = index;
  sym->decl = d;
  sym->slot = -1;
  g_hash_table_insert (c->symbols, g_steal_pointer (&key), sym);
  return TRUE;
}

void
currents_model_free (CurrentsModel *model)
{
  if (model == NULL)
    return;
  g_free (model->filename);
  g_free (model->source);
  g_free (model->options.method_name);
  g_free (model->options.xp);
  g_free (model->options.yp);
  g_free (model->options.zp);
  g_strfreev (model->ignored);
  g_strfreev (model->state_names);
  g_strfreev (model->input_names);
  g_strfreev (model->param_names);
  g_strfreev (model->aux_names);
  g_free (model->initial);
  g_free (model->input_defaults);
  g_free (model->params);
  for (gsize i = 0; i < model->n_learned; i++)
    {
      g_free ((char *) model->learned[i].name);
      g_free ((gsize *) model->learned[i].widths);
    }
  g_free (model->learned);
  currents_field_unref (model->field);
  g_free (model);
}

static GStrv
names_of (GPtrArray *decls)
{
  GStrv v = g_new0 (char *, decls->len + 1);

  for (guint i = 0; i < decls->len; i++)
    v[i] = g_strdup (((OdeDecl *) g_ptr_array_index (decls, i))->name);
  return v;
}

static gboolean
check_option_names (CurrentsModel  *model,
                    GError        **error)
{
  const char *axes[3] = { model->options.xp, model->options.yp, model->options.zp };
  const char *labels[3] = { "xp", "yp", "zp" };

  for (int i = 0; i < 3; i++)
    if (axes[i] != NULL && g_ascii_strcasecmp (axes[i], "t") != 0 &&
        currents_model_find_state (model, axes[i]) < 0 &&
        g_strv_contains ((const char *const *) model->aux_names, axes[i]) == FALSE)
      {
        g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                     "%s: @ %s=%s names no state variable", model->filename, labels[i],
                     axes[i]);
        return FALSE;
      }
  if (!(model->options.dt > 0.0) || !isfinite (model->options.total))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                   "%s: @ dt must be a positive number (found %g)", model->filename,
                   model->options.dt);
      return FALSE;
    }
  return TRUE;
}

/**
 * currents_model_new_from_string:
 * @source: the model text (`.ode` language)
 * @filename: (nullable): the name used in messages
 * @error: return location for a #GError naming file, line and column
 *
 * Returns: (transfer full) (nullable): the compiled model, or %NULL with @error set
 */
CurrentsModel *
currents_model_new_from_string (const char  *source,
                                const char  *filename,
                                GError     **error)
{
  g_autoptr(OdeProgram) prog = NULL;
  g_autoptr(CurrentsModel) model = NULL;
  Compiler c = { 0 };
  g_autofree gint32 *f_slots = NULL;
  g_autofree gint32 *aux_slots = NULL;
  gsize n, n_weights = 0;

  g_return_val_if_fail (source != NULL, NULL);

  prog = _currents_ode_parse (source, filename, error);
  if (prog == NULL)
    return NULL;

  n = prog->equations->len;
  if (n == 0)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                   "%s: the model has no equations (expected lines such as x' = -x "
                   "or dx/dt = -x)", prog->filename);
      return NULL;
    }

  model = g_new0 (CurrentsModel, 1);
  model->filename = g_strdup (prog->filename);
  model->source = g_strdup (source);
  model->options = prog->options;
  model->options.method_name = g_strdup (prog->options.method_name);
  model->options.xp = g_strdup (prog->options.xp);
  model->options.yp = g_strdup (prog->options.yp);
  model->options.zp = g_strdup (prog->options.zp);
  g_ptr_array_add (prog->ignored, NULL);
  model->ignored = g_strdupv ((char **) prog->ignored->pdata);
  g_ptr_array_remove_index (prog->ignored, prog->ignored->len - 1);

  c.prog = prog;
  c.error = error;
  c.symbols = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  c.funcs = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c.learns = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  c.active = g_ptr_array_new ();
  c.scope = g_array_new (FALSE, FALSE, sizeof (Binding));

  for (guint i = 0; i < n && !c.failed; i++)
    declare (&c, SYM_STATE, i, g_ptr_array_index (prog->equations, i));
  for (guint i = 0; i < prog->inputs->len && !c.failed; i++)
    declare (&c, SYM_INPUT, i, g_ptr_array_index (prog->inputs, i));
  for (guint i = 0; i < prog->params->len && !c.failed; i++)
    declare (&c, SYM_PARAM, i, g_ptr_array_index (prog->params, i));
  for (guint i = 0; i < prog->numbers->len && !c.failed; i++)
    declare (&c, SYM_NUMBER, i, g_ptr_array_index (prog->numbers, i));
  for (guint i = 0; i < prog->derived->len && !c.failed; i++)
    declare (&c, SYM_DERIVED, i, g_ptr_array_index (prog->derived, i));
  for (guint i = 0; i < prog->fixed->len && !c.failed; i++)
    declare (&c, SYM_FIXED, i, g_ptr_array_index (prog->fixed, i));
  for (guint i = 0; i < prog->funcs->len && !c.failed; i++)
    {
      OdeFunc *fn = g_ptr_array_index (prog->funcs, i);
      g_autofree char *key = key_of (fn->name);
      OdeFunc *old = g_hash_table_lookup (c.funcs, key);

      if (old != NULL)
        {
          cfail (&c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, fn->line, fn->col,
                 "the function '%s' is defined twice (first at line %d)", fn->name,
                 old->line);
          break;
        }
      for (int a = 0; a < fn->n_params; a++)
        for (int b = 0; b < a; b++)
          if (g_ascii_strcasecmp (fn->params[a], fn->params[b]) == 0)
            cfail (&c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, fn->line, fn->col,
                   "the function '%s' names its argument '%s' twice", fn->name,
                   fn->params[a]);
      g_hash_table_insert (c.funcs, g_steal_pointer (&key), fn);
    }

  /* Learned terms: their weights follow the named parameters in p. */
  model->n_named_params = prog->params->len;
  model->n_learned = prog->learns->len;
  model->learned = g_new0 (CurrentsLearnedTerm, MAX (model->n_learned, 1));
  for (guint i = 0; i < prog->learns->len && !c.failed; i++)
    {
      OdeLearn *l = g_ptr_array_index (prog->learns, i);
      g_autofree char *key = key_of (l->name);
      CurrentsLearnedTerm *term = &model->learned[i];
      gsize *widths;
      CurrentsMlpShape shape;

      if (g_hash_table_contains (c.funcs, key) || g_hash_table_contains (c.learns, key))
        {
          cfail (&c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, l->line, l->col,
                 "'%s' is defined twice", l->name);
          break;
        }
      if (l->n_args == 0)
        {
          cfail (&c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, l->line, l->col,
                 "the learned term '%s' needs at least one argument", l->name);
          break;
        }
      widths = g_new0 (gsize, l->hidden->len + 2);
      widths[0] = (gsize) l->n_args;
      for (guint k = 0; k < l->hidden->len; k++)
        widths[k + 1] = g_array_index (l->hidden, gsize, k);
      widths[l->hidden->len + 1] = 1;
      term->name = g_strdup (l->name);
      term->n_args = (gsize) l->n_args;
      term->n_layers = l->hidden->len + 1;
      term->widths = widths;
      term->activation = l->activation;
      term->param_offset = model->n_named_params + n_weights;
      shape.n_layers = term->n_layers;
      shape.widths = widths;
      shape.activation = term->activation;
      term->n_weights = currents_mlp_n_weights (&shape);
      n_weights += term->n_weights;
      g_hash_table_insert (c.learns, g_steal_pointer (&key), GSIZE_TO_POINTER ((gsize) i));
    }

  if (c.failed)
    goto out;

  model->n_states = n;
  model->n_inputs = prog->inputs->len;
  model->n_params = model->n_named_params + n_weights;
  model->n_aux = prog->aux->len;
  model->state_names = names_of (prog->equations);
  model->input_names = names_of (prog->inputs);
  model->aux_names = names_of (prog->aux);
  model->param_names = g_new0 (char *, model->n_params + 1);
  model->params = g_new0 (double, MAX (model->n_params, 1));
  for (gsize i = 0; i < model->n_named_params; i++)
    {
      OdeDecl *d = g_ptr_array_index (prog->params, i);
      model->param_names[i] = g_strdup (d->name);
      model->params[i] = d->has_value ? d->value : 0.0;
    }
  for (gsize i = 0; i < model->n_learned; i++)
    {
      CurrentsLearnedTerm *term = &model->learned[i];
      CurrentsMlpShape shape = { term->n_layers, term->widths, term->activation };
      OdeLearn *l = g_ptr_array_index (prog->learns, i);

      for (gsize k = 0; k < term->n_weights; k++)
        model->param_names[term->param_offset + k] =
          g_strdup_printf ("%s#%" G_GSIZE_FORMAT, term->name, k);
      currents_mlp_init (&shape, l->seed, model->params + term->param_offset);
    }
  model->input_defaults = g_new0 (double, MAX (model->n_inputs, 1));
  for (gsize i = 0; i < model->n_inputs; i++)
    {
      OdeDecl *d = g_ptr_array_index (prog->inputs, i);
      model->input_defaults[i] = d->has_value ? d->value : 0.0;
    }
  model->initial = g_new0 (double, n);
  for (guint i = 0; i < prog->inits->len; i++)
    {
      OdeDecl *d = g_ptr_array_index (prog->inits, i);
      g_autofree char *key = key_of (d->name);
      Symbol *sym = g_hash_table_lookup (c.symbols, key);

      if (sym == NULL || sym->kind != SYM_STATE)
        {
          cfail (&c, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, d->line, d->col,
                 "an initial value is given for '%s', which has no equation "
                 "(expected %s' = ... somewhere in the file)", d->name, d->name);
          goto out;
        }
      model->initial[sym->index] = d->has_value ? d->value : 0.0;
    }

  /* Compile the equations, then the aux quantities after them on the same tape. */
  {
    Tape *tape = _currents_tape_new (n, model->n_inputs, model->n_params);

    c.tape = tape;
    for (guint i = 0; i < prog->learns->len; i++)
      {
        CurrentsLearnedTerm *term = &model->learned[i];
        _currents_tape_add_net (tape, term->n_layers, term->widths, term->activation,
                                term->param_offset);
      }
    f_slots = g_new0 (gint32, n);
    for (gsize i = 0; i < n && !c.failed; i++)
      {
        OdeDecl *d = g_ptr_array_index (prog->equations, i);
        f_slots[i] = compile (&c, d->expr);
      }
    if (!c.failed)
      _currents_tape_set_outputs (tape, f_slots);
    aux_slots = g_new0 (gint32, MAX (model->n_aux, 1));
    for (gsize i = 0; i < model->n_aux && !c.failed; i++)
      {
        OdeDecl *d = g_ptr_array_index (prog->aux, i);
        aux_slots[i] = compile (&c, d->expr);
      }
    if (c.failed)
      {
        _currents_tape_free (tape);
        goto out;
      }
    _currents_tape_set_aux (tape, aux_slots, model->n_aux);
    model->tape = tape;
    model->field = _currents_tape_make_field (tape);
  }

  /* Fixed quantities and functions that no equation uses are still checked. */
  for (guint i = 0; i < prog->fixed->len && !c.failed; i++)
    {
      OdeDecl *d = g_ptr_array_index (prog->fixed, i);
      g_autofree char *key = key_of (d->name);
      Symbol *sym = g_hash_table_lookup (c.symbols, key);
      Tape *scratch = _currents_tape_new (n, model->n_inputs, model->n_params);
      Tape *saved = c.tape;

      if (sym->slot < 0)
        {
          c.tape = scratch;
          compile (&c, d->expr);
          c.tape = saved;
        }
      _currents_tape_free (scratch);
    }
  for (guint i = 0; i < prog->funcs->len && !c.failed; i++)
    {
      OdeFunc *fn = g_ptr_array_index (prog->funcs, i);
      Tape *scratch = _currents_tape_new (n, model->n_inputs, model->n_params);
      Tape *saved = c.tape;
      GArray *scope = g_array_new (FALSE, FALSE, sizeof (Binding));
      GArray *saved_scope = c.scope;

      c.tape = scratch;
      for (int k = 0; k < fn->n_params; k++)
        {
          Binding b = { fn->params[k], _currents_tape_emit_const (scratch, 0.0) };
          g_array_append_val (scope, b);
        }
      c.scope = scope;
      g_ptr_array_add (c.active, fn);
      /* fixed quantities memoise slots: compile against a fresh copy of the table */
      {
        GHashTableIter it;
        gpointer value;
        g_hash_table_iter_init (&it, c.symbols);
        while (g_hash_table_iter_next (&it, NULL, &value))
          if (((Symbol *) value)->kind == SYM_FIXED || ((Symbol *) value)->kind == SYM_DERIVED)
            ((Symbol *) value)->slot = -1;
      }
      compile (&c, fn->body);
      g_ptr_array_remove_index (c.active, c.active->len - 1);
      c.scope = saved_scope;
      c.tape = saved;
      g_array_unref (scope);
      _currents_tape_free (scratch);
    }

  if (!c.failed && !check_option_names (model, error))
    c.failed = TRUE;

out:
  g_hash_table_unref (c.symbols);
  g_hash_table_unref (c.funcs);
  g_hash_table_unref (c.learns);
  g_ptr_array_unref (c.active);
  g_array_unref (c.scope);
  if (c.failed)
    return NULL;
  return g_steal_pointer (&model);
}

/**
 * currents_model_new_from_file:
 * @path: a `.ode` file
 * @error: return location for a #GError
 *
 * Returns: (transfer full) (nullable): the model
 */
CurrentsModel *
currents_model_new_from_file (const char  *path,
                              GError     **error)
{
  g_autofree char *contents = NULL;
  g_autofree char *display = NULL;
  gsize length;
  GError *local = NULL;

  if (!g_file_get_contents (path, &contents, &length, &local))
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_IO,
                   "%s", local->message);
      g_error_free (local);
      return NULL;
    }
  if (memchr (contents, '\0', length) != NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "%s: this is a binary file, not a model (.ode text)", path);
      return NULL;
    }
  return currents_model_new_from_string (contents, path, error);
}

const char *
currents_model_get_filename (const CurrentsModel *model)
{
  return model->filename;
}

const char *
currents_model_get_source (const CurrentsModel *model)
{
  return model->source;
}

CurrentsField *
currents_model_get_field (const CurrentsModel *model)
{
  return model->field;
}

const CurrentsModelOptions *
currents_model_get_options (const CurrentsModel *model)
{
  return &model->options;
}

const char *const *
currents_model_get_ignored (const CurrentsModel *model)
{
  return (const char *const *) model->ignored;
}

gsize
currents_model_get_n_states (const CurrentsModel *model)
{
  return model->n_states;
}

const char *
currents_model_get_state_name (const CurrentsModel *model,
                               gsize                i)
{
  g_return_val_if_fail (i < model->n_states, NULL);
  return model->state_names[i];
}

const char *const *
currents_model_get_state_names (const CurrentsModel *model)
{
  return (const char *const *) model->state_names;
}

const double *
currents_model_get_initial (const CurrentsModel *model)
{
  return model->initial;
}

gsize
currents_model_get_n_inputs (const CurrentsModel *model)
{
  return model->n_inputs;
}

const char *
currents_model_get_input_name (const CurrentsModel *model,
                               gsize                i)
{
  g_return_val_if_fail (i < model->n_inputs, NULL);
  return model->input_names[i];
}

const char *const *
currents_model_get_input_names (const CurrentsModel *model)
{
  return (const char *const *) model->input_names;
}

const double *
currents_model_get_input_defaults (const CurrentsModel *model)
{
  return model->input_defaults;
}

gsize
currents_model_get_n_named_params (const CurrentsModel *model)
{
  return model->n_named_params;
}

gsize
currents_model_get_n_params (const CurrentsModel *model)
{
  return model->n_params;
}

const char *
currents_model_get_param_name (const CurrentsModel *model,
                               gsize                i)
{
  g_return_val_if_fail (i < model->n_params, NULL);
  return model->param_names[i];
}

const double *
currents_model_get_params (const CurrentsModel *model)
{
  return model->params;
}

gsize
currents_model_get_n_aux (const CurrentsModel *model)
{
  return model->n_aux;
}

const char *
currents_model_get_aux_name (const CurrentsModel *model,
                             gsize                i)
{
  g_return_val_if_fail (i < model->n_aux, NULL);
  return model->aux_names[i];
}

void
currents_model_eval_aux (const CurrentsModel    *model,
                         CurrentsFieldWorkspace *ws,
                         double                  t,
                         const double           *x,
                         const double           *u,
                         const double           *p,
                         double                 *aux)
{
  g_return_if_fail (currents_field_workspace_get_field (ws) == model->field);
  _currents_tape_eval_aux (model->tape, _currents_field_workspace_get_impl_ws (ws), t, x, u,
                           p, aux);
}

gsize
currents_model_get_n_learned (const CurrentsModel *model)
{
  return model->n_learned;
}

const CurrentsLearnedTerm *
currents_model_get_learned (const CurrentsModel *model,
                            gsize                i)
{
  g_return_val_if_fail (i < model->n_learned, NULL);
  return &model->learned[i];
}

static int
find_name (GStrv        names,
           gsize        n,
           const char  *name)
{
  for (gsize i = 0; i < n; i++)
    if (g_ascii_strcasecmp (names[i], name) == 0)
      return (int) i;
  return -1;
}

int
currents_model_find_state (const CurrentsModel *model,
                           const char          *name)
{
  return find_name (model->state_names, model->n_states, name);
}

int
currents_model_find_param (const CurrentsModel *model,
                           const char          *name)
{
  return find_name (model->param_names, model->n_named_params, name);
}

int
currents_model_find_input (const CurrentsModel *model,
                           const char          *name)
{
  return find_name (model->input_names, model->n_inputs, name);
}

void
currents_model_get_sim_options (const CurrentsModel *model,
                                CurrentsSimOptions  *options)
{
  const CurrentsModelOptions *o = &model->options;

  currents_sim_options_init (options);
  options->method = o->method;
  if (currents_method_is_fixed_step (o->method))
    options->h = o->dt;
  else if (o->method == CURRENTS_METHOD_BDF)
    {
      /* XPP's stiff methods (CVODE, Gear, stiff) reach about their tolerance in global
       * error; GSL's msbdf at the same nominal tolerance is two orders of magnitude less
       * accurate on the corpus' stiff oscillator (fieldnoy: 7.6e-4 at 1e-8, 1.1e-5 at
       * 1e-10), so the file's tolerances are tightened to give XPP's accuracy. */
      options->rtol = o->tol * CURRENTS_MODEL_STIFF_TOL_FACTOR;
      options->atol = o->atol * CURRENTS_MODEL_STIFF_TOL_FACTOR;
      options->h_min = o->dtmin;
      options->h_max = o->dtmax;
    }
  else
    {
      options->rtol = o->tol;
      options->atol = o->atol;
      options->h_min = o->dtmin;
      options->h_max = o->dtmax;
    }
  options->bound = o->bound;
}

double *
currents_model_get_default_times (const CurrentsModel *model,
                                  gsize               *n_times)
{
  const CurrentsModelOptions *o = &model->options;
  gsize steps = (gsize) MAX (0.0, floor (fabs (o->total) / o->dt + 0.1));
  gsize njmp = (gsize) MAX (1, o->njmp);
  gsize blocks = (steps + njmp - 1) / njmp;
  double sign = o->total < 0 ? -1.0 : 1.0;
  double *times = g_new (double, blocks + 1);

  for (gsize j = 0; j <= blocks; j++)
    times[j] = o->t0 + sign * (double) (j * njmp) * o->dt;
  *n_times = blocks + 1;
  return times;
}
