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

#include "currents-conserved-quantity.h"
#include "currents-error.h"
#include "currents-field-private.h"
#include "currents-hamiltonian.h"
#include "currents-mlp.h"
#include "currents-model-private.h"
#include "currents-stoich.h"

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
  Tape                 *tape;     /* owned by the tape field */
  CurrentsField        *field;
  /* model families */
  CurrentsModelFamily       family;
  CurrentsHamiltonianModel *ham;
  CurrentsStoichModel      *stoich;
  CurrentsConservation     *laws;
  CurrentsField            *tape_field;  /* the aux quantities' tape when field is the family's */
  gsize                     family_offset;
  CurrentsModelConserved   *conserved;
  CurrentsConservedQuantity **quantities; /* NULL for the exact laws */
  gsize                     n_conserved;
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
  int         depth;     /* of compile(): bounded, as is the work */
  gsize       work;      /* expression nodes compiled so far */
} Compiler;

/* Functions are inlined at each call, so a few lines of functions calling each other can
 * ask for exponentially much work (the tape shares common subexpressions, so it may stay
 * short) or a very deep recursion; refuse such models. */
#define MAX_COMPILE_DEPTH 5000
#define MAX_COMPILE_WORK  (1 << 20)

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

static gint32 compile_node (Compiler *c, const Ast *a);

static gint32
compile (Compiler  *c,
         const Ast *a)
{
  gint32 slot;

  if (c->failed || a == NULL)
    return -1;
  if (c->depth >= MAX_COMPILE_DEPTH || ++c->work > MAX_COMPILE_WORK)
    {
      cfail (c, CURRENTS_ENGINE_ERROR_UNSUPPORTED, a->line, a->col,
             "the model is too large once its functions are expanded (more than %d "
             "operations, or calls nested more than %d deep); simplify its functions",
             MAX_COMPILE_WORK, MAX_COMPILE_DEPTH);
      return -1;
    }
  c->depth++;
  slot = compile_node (c, a);
  c->depth--;
  return slot;
}

static gint32
compile_node (Compiler  *c,
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

/* ------------------------------------------------------------------------------------ */
/* Model families: the field of a Hamiltonian or a reaction network, with the model's p */

/* The family's field f(t, x, u, p) = engine(t, x, u, p[offset ..]); the tape field beside
 * it only evaluates the aux quantities. */
typedef struct
{
  CurrentsField *engine;
  CurrentsField *tape_field;
  gsize          n;
  gsize          offset;
  gsize          k_engine;
  gsize          k_total;
} FamilyImpl;

typedef struct
{
  const FamilyImpl       *impl;
  CurrentsFieldWorkspace *engine_ws;
  CurrentsFieldWorkspace *tape_ws;
  double                 *jp;   /* n × k_engine */
} FamilyWs;

static gpointer
family_ws_new (gconstpointer data)
{
  const FamilyImpl *impl = data;
  FamilyWs *ws = g_new0 (FamilyWs, 1);

  ws->impl = impl;
  ws->engine_ws = currents_field_workspace_new (impl->engine);
  ws->tape_ws = currents_field_workspace_new (impl->tape_field);
  ws->jp = g_new0 (double, MAX (impl->n * impl->k_engine, 1));
  return ws;
}

static void
family_ws_free (gpointer data)
{
  FamilyWs *ws = data;

  currents_field_workspace_free (ws->engine_ws);
  currents_field_workspace_free (ws->tape_ws);
  g_free (ws->jp);
  g_free (ws);
}

static void
family_impl_free (gpointer data)
{
  FamilyImpl *impl = data;

  currents_field_unref (impl->engine);
  currents_field_unref (impl->tape_field);
  g_free (impl);
}

static void
family_eval (gconstpointer data,
             gpointer      wsp,
             double        t,
             const double *x,
             const double *u,
             const double *p,
             double       *f)
{
  const FamilyImpl *impl = data;
  FamilyWs *ws = wsp;

  currents_field_eval (ws->engine_ws, t, x, u, p + impl->offset, f);
}

static void
family_jacobian (gconstpointer data,
                 gpointer      wsp,
                 double        t,
                 const double *x,
                 const double *u,
                 const double *p,
                 double       *f,
                 double       *jx,
                 double       *jp)
{
  const FamilyImpl *impl = data;
  FamilyWs *ws = wsp;

  currents_field_jacobian (ws->engine_ws, t, x, u, p + impl->offset, f, jx,
                           jp != NULL ? ws->jp : NULL);
  if (jp == NULL)
    return;
  /* ∂f/∂p is n × k_total; only the family's columns are non-zero */
  memset (jp, 0, impl->n * impl->k_total * sizeof (double));
  for (gsize i = 0; i < impl->n; i++)
    memcpy (jp + i * impl->k_total + impl->offset, ws->jp + i * impl->k_engine,
            impl->k_engine * sizeof (double));
}

static void
family_vjp (gconstpointer data,
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
  const FamilyImpl *impl = data;
  FamilyWs *ws = wsp;

  currents_field_vjp (ws->engine_ws, t, x, u, p + impl->offset, w, f, gx,
                      gp != NULL ? gp + impl->offset : NULL);
}

static void
family_hvp (gconstpointer data,
            gpointer      wsp,
            double        t,
            const double *x,
            const double *u,
            const double *p,
            const double *v,
            const double *w,
            double       *out)
{
  const FamilyImpl *impl = data;
  FamilyWs *ws = wsp;

  currents_field_hvp (ws->engine_ws, t, x, u, p + impl->offset, v, w, out);
}

static void
family_eval_batch (gconstpointer data,
                   gpointer      wsp,
                   gsize         n_rows,
                   double        t,
                   const double *x,
                   const double *u,
                   const double *p,
                   double       *f,
                   double       *tape)
{
  const FamilyImpl *impl = data;
  FamilyWs *ws = wsp;

  currents_field_eval_batch (ws->engine_ws, n_rows, t, x, u, p + impl->offset, f, tape);
}

static void
family_vjp_batch (gconstpointer data,
                  gpointer      wsp,
                  gsize         n_rows,
                  double        t,
                  const double *x,
                  const double *u,
                  const double *p,
                  const double *w,
                  const double *tape,
                  double       *f,
                  double       *gx,
                  double       *gp)
{
  const FamilyImpl *impl = data;
  FamilyWs *ws = wsp;

  currents_field_vjp_batch (ws->engine_ws, n_rows, t, x, u, p + impl->offset, w, tape, f, gx,
                            gp != NULL ? gp + impl->offset : NULL);
}

static gsize
family_tape_size (gconstpointer data,
                  gsize         n_rows)
{
  const FamilyImpl *impl = data;

  return currents_field_get_tape_size (impl->engine, n_rows);
}

static const CurrentsFieldVTable family_vtable = {
  .workspace_new = family_ws_new,
  .workspace_free = family_ws_free,
  .eval = family_eval,
  .jacobian = family_jacobian,
  .vjp = family_vjp,
  .impl_free = family_impl_free,
  .hvp = family_hvp,
};

static const CurrentsFieldVTable family_batch_vtable = {
  .workspace_new = family_ws_new,
  .workspace_free = family_ws_free,
  .eval = family_eval,
  .jacobian = family_jacobian,
  .vjp = family_vjp,
  .impl_free = family_impl_free,
  .hvp = family_hvp,
  .eval_batch = family_eval_batch,
  .vjp_batch = family_vjp_batch,
  .tape_size = family_tape_size,
};

static CurrentsField *
family_field_new (CurrentsField *engine,
                  CurrentsField *tape_field,
                  gsize          offset,
                  gsize          k_total)
{
  FamilyImpl *impl = g_new0 (FamilyImpl, 1);

  impl->engine = currents_field_ref (engine);
  impl->tape_field = currents_field_ref (tape_field);
  impl->n = currents_field_get_n_states (engine);
  impl->offset = offset;
  impl->k_engine = currents_field_get_n_params (engine);
  impl->k_total = k_total;
  g_assert (currents_field_has_hvp (engine));
  return currents_field_new (currents_field_has_batch (engine) ? &family_batch_vtable
                                                                : &family_vtable,
                             impl, impl->n, currents_field_get_n_inputs (tape_field), k_total,
                             TRUE);
}

static const char *
family_word (const OdeProgram *prog)
{
  if (prog->hamiltonian != NULL)
    return "Hamiltonian";
  return "reactions";
}

/* Expands `stoich file=net.csv` into `species`, `reaction` and `rates` lines, so that the
 * model's source text holds its whole matrix. Returns the new source, or NULL (no such
 * statement: @error unset; a bad file: @error set). */
static char *
expand_stoich_file (const OdeProgram *prog,
                    const char       *source,
                    GError          **error)
{
  const OdeRates *st = NULL;
  g_autofree char *path = NULL;
  g_autofree const char **species = NULL;
  g_autoptr(CurrentsStoichMatrix) matrix = NULL;
  g_autoptr(GError) local = NULL;
  g_auto(GStrv) lines = NULL;
  GString *out, *block;
  gsize n, m;
  const char *const *names;
  const char *const *reactions;

  for (guint i = 0; i < prog->rates->len; i++)
    {
      const OdeRates *r = g_ptr_array_index (prog->rates, i);
      if (r->file != NULL)
        {
          if (st != NULL)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                           "%s:%d:%d: a second stoichiometric matrix (the first is at line %d)",
                           prog->filename, r->line, r->col, st->line);
              return NULL;
            }
          st = r;
        }
    }
  if (st == NULL)
    return NULL;
  if (prog->reactions->len > 0)
    {
      const OdeReaction *r = g_ptr_array_index (prog->reactions, 0);
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                   "%s:%d:%d: the reactions come either from 'reaction' lines or from "
                   "'stoich file=' (line %d), not both", prog->filename, r->line, r->col,
                   st->line);
      return NULL;
    }
  if (g_path_is_absolute (st->file) || prog->filename == NULL ||
      prog->filename[0] == '<')
    path = g_strdup (st->file);
  else
    {
      g_autofree char *dir = g_path_get_dirname (prog->filename);
      path = g_build_filename (dir, st->file, NULL);
    }
  if (prog->species->len > 0)
    {
      species = g_new0 (const char *, prog->species->len + 1);
      for (guint i = 0; i < prog->species->len; i++)
        species[i] = ((const OdeDecl *) g_ptr_array_index (prog->species, i))->name;
    }
  matrix = currents_stoich_matrix_new_from_csv (path, species, &local);
  if (matrix == NULL)
    {
      g_set_error (error, CURRENTS_ENGINE_ERROR,
                   local->code == CURRENTS_ENGINE_ERROR_IO ? CURRENTS_ENGINE_ERROR_IO
                                                           : CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                   "%s:%d:%d: the stoichiometric matrix: %s", prog->filename, st->line,
                   st->col, local->message);
      return NULL;
    }
  n = currents_stoich_matrix_get_n_species (matrix);
  m = currents_stoich_matrix_get_n_reactions (matrix);
  names = currents_stoich_matrix_get_species (matrix);
  reactions = currents_stoich_matrix_get_reactions (matrix);
  for (gsize j = 0; j < m + n; j++)
    {
      const char *name = j < m ? reactions[j] : names[j - m];
      gboolean ok = name[0] != '\0' && (g_ascii_isalpha (name[0]) || name[0] == '_');

      for (const char *c = name; ok && *c != '\0'; c++)
        ok = g_ascii_isalnum (*c) || *c == '_' || *c == '.';
      if (!ok)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                       "%s:%d:%d: %s: the %s '%s' is not a name the model language can use "
                       "(letters, digits and _, starting with a letter)", prog->filename,
                       st->line, st->col, path, j < m ? "reaction" : "species", name);
          return NULL;
        }
    }
  for (int pass = 0; pass < 2; pass++)
    {
      GPtrArray *list = pass == 0 ? st->irreversible : st->mass;
      for (guint i = 0; i < list->len; i++)
        if (!g_strv_contains (reactions, g_ptr_array_index (list, i)))
          {
            g_autofree char *all = g_strjoinv (", ", (char **) reactions);
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                         "%s:%d:%d: %s names the reaction '%s', which %s has not (its "
                         "reactions: %s)", prog->filename, st->line, st->col,
                         pass == 0 ? "irreversible=" : "mass=",
                         (const char *) g_ptr_array_index (list, i), path, all);
            return NULL;
          }
    }

  /* The generated statements go before `done` (or at the end), and the statement's own
   * lines become a comment and blank lines: the user's lines keep their numbers. */
  block = g_string_new (NULL);
  g_string_append_printf (block, "# the matrix of %s, expanded by Currents:\n", st->file);
  if (prog->species->len == 0)
    {
      g_string_append (block, "species ");
      for (gsize i = 0; i < n; i++)
        g_string_append_printf (block, "%s%s", i > 0 ? ", " : "", names[i]);
      g_string_append_c (block, '\n');
    }
  for (gsize j = 0; j < m; j++)
    {
      gboolean irreversible = FALSE, mass = FALSE;

      for (guint i = 0; i < st->irreversible->len; i++)
        irreversible |= strcmp (g_ptr_array_index (st->irreversible, i), reactions[j]) == 0;
      for (guint i = 0; i < st->mass->len; i++)
        mass |= strcmp (g_ptr_array_index (st->mass, i), reactions[j]) == 0;
      g_string_append_printf (block, "reaction %s:", reactions[j]);
      for (int side = 0; side < 2; side++)
        {
          gboolean any = FALSE;

          if (side == 1)
            g_string_append (block, irreversible ? " ->" : " <->");
          for (gsize i = 0; i < n; i++)
            {
              double v = currents_stoich_matrix_get (matrix, i, j);
              double c = side == 0 ? -v : v;
              char buf[G_ASCII_DTOSTR_BUF_SIZE];

              if (!(c > 0.0))
                continue;
              g_string_append (block, any ? " + " : " ");
              if (c != 1.0)
                g_string_append_printf (block, "%s ", g_ascii_dtostr (buf, sizeof buf, c));
              g_string_append (block, names[i]);
              any = TRUE;
            }
          if (!any)
            g_string_append (block, " 0");
        }
      g_string_append_printf (block, "%s\n", mass ? " mass" : "");
    }
  g_string_append (block, "rates");
  for (guint k = 0; k < st->hidden->len; k++)
    g_string_append_printf (block, "%s%" G_GSIZE_FORMAT, k == 0 ? " hidden=" : ",",
                            g_array_index (st->hidden, gsize, k));
  g_string_append_printf (block, " activation=%s seed=%" G_GUINT64_FORMAT "\n",
                          currents_activation_to_string (st->activation), st->seed);

  out = g_string_new (NULL);
  lines = g_strsplit (source, "\n", -1);
  for (int l = 0; lines[l] != NULL; l++)
    {
      g_autofree char *word = g_strstrip (g_strdup (lines[l]));
      gboolean last = lines[l + 1] == NULL;

      if (block != NULL && l + 1 > st->last_line && word[0] != '\0' &&
          g_ascii_tolower (word[0]) == 'd' && strspn (word, "abcdefghijklmnopqrstuvwxyz"
                                                            "ABCDEFGHIJKLMNOPQRSTUVWXYZ") ==
                                              strlen (word))
        {
          g_string_append (out, block->str);
          g_string_free (g_steal_pointer (&block), TRUE);
        }
      if (l + 1 == st->line)
        g_string_append_printf (out, "# stoich file=%s: its reactions are below", st->file);
      else if (l + 1 < st->line || l + 1 > st->last_line)
        g_string_append (out, lines[l]);
      if (!last)
        g_string_append_c (out, '\n');
    }
  if (block != NULL)
    {
      if (out->len > 0 && out->str[out->len - 1] != '\n')
        g_string_append_c (out, '\n');
      g_string_append (out, block->str);
      g_string_free (g_steal_pointer (&block), TRUE);
    }
  return g_string_free (out, FALSE);
}

static gboolean
name_in (GPtrArray  *names,
         const char *name)
{
  for (guint i = 0; i < names->len; i++)
    if (g_ascii_strcasecmp (g_ptr_array_index (names, i), name) == 0)
      return TRUE;
  return FALSE;
}

/* The family's states become the program's equations (without expressions): a Hamiltonian's
 * q and p, or every species of the reactions. */
static gboolean
family_states (OdeProgram  *prog,
               GError     **error)
{
  g_autoptr(GPtrArray) states = g_ptr_array_new ();
  g_autoptr(GArray) where = g_array_new (FALSE, FALSE, sizeof (int) * 2);
  gboolean ham = prog->hamiltonian != NULL;

#define FAIL(line_, col_, ...) G_STMT_START { \
    g_autofree char *msg_ = g_strdup_printf (__VA_ARGS__); \
    g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC, \
                 "%s:%d:%d: %s", prog->filename, (line_), (col_), msg_); \
    return FALSE; } G_STMT_END

  if (ham && (prog->reactions->len > 0 || prog->rates->len > 0 || prog->species->len > 0))
    {
      int line = prog->reactions->len > 0
                 ? ((OdeReaction *) g_ptr_array_index (prog->reactions, 0))->line
                 : prog->rates->len > 0
                 ? ((OdeRates *) g_ptr_array_index (prog->rates, 0))->line
                 : ((OdeDecl *) g_ptr_array_index (prog->species, 0))->line;
      FAIL (line, 1, "a model is a Hamiltonian (line %d) or a reaction network, not both",
            prog->hamiltonian->line);
    }
  if (ham)
    {
      OdeHamiltonian *h = prog->hamiltonian;

      if (prog->inputs->len > 0)
        {
          OdeDecl *d = g_ptr_array_index (prog->inputs, 0);
          FAIL (d->line, d->col, "a Hamiltonian model takes no inputs ('%s'): its energy is "
                "a function of the states alone", d->name);
        }
      for (guint i = 0; i < h->names->len; i++)
        {
          int pos[2] = { g_array_index (h->name_line, int, i), g_array_index (h->name_col, int, i) };
          g_ptr_array_add (states, g_ptr_array_index (h->names, i));
          g_array_append_val (where, pos);
        }
    }
  else
    {
      if (prog->reactions->len == 0)
        {
          if (prog->rates->len > 0 || prog->species->len > 0)
            {
              int line = prog->rates->len > 0
                         ? ((OdeRates *) g_ptr_array_index (prog->rates, 0))->line
                         : ((OdeDecl *) g_ptr_array_index (prog->species, 0))->line;
              FAIL (line, 1, "a rate network or species without reactions (expected lines "
                    "such as 'reaction bind: S + E -> C')");
            }
          return TRUE;
        }
      if (prog->rates->len > 1)
        {
          OdeRates *r = g_ptr_array_index (prog->rates, 1);
          FAIL (r->line, r->col, "a second rate network (the first is at line %d)",
                ((OdeRates *) g_ptr_array_index (prog->rates, 0))->line);
        }
      for (guint i = 0; i < prog->species->len; i++)
        {
          OdeDecl *d = g_ptr_array_index (prog->species, i);
          int pos[2] = { d->line, d->col };

          if (name_in (states, d->name))
            FAIL (d->line, d->col, "the species '%s' is named twice", d->name);
          g_ptr_array_add (states, (gpointer) d->name);
          g_array_append_val (where, pos);
          if (d->has_value)
            {
              OdeDecl *init = g_new0 (OdeDecl, 1);
              *init = *d;
              g_ptr_array_add (prog->inits, init);
            }
        }
      for (guint j = 0; j < prog->reactions->len; j++)
        {
          OdeReaction *r = g_ptr_array_index (prog->reactions, j);
          for (int side = 0; side < 2; side++)
            {
              GArray *terms = side == 0 ? r->lhs : r->rhs;
              for (guint k = 0; k < terms->len; k++)
                {
                  OdeReactant *t = &g_array_index (terms, OdeReactant, k);
                  int pos[2] = { t->line, t->col };

                  if (name_in (states, t->species))
                    continue;
                  if (prog->species->len > 0)
                    FAIL (t->line, t->col, "unknown species '%s' (the 'species' line names "
                          "all of them)", t->species);
                  g_ptr_array_add (states, (gpointer) t->species);
                  g_array_append_val (where, pos);
                }
            }
        }
    }
  for (guint i = 0; i < prog->equations->len; i++)
    {
      OdeDecl *d = g_ptr_array_index (prog->equations, i);

      if (name_in (states, d->name))
        FAIL (d->line, d->col, "%s's equation comes from the %s", d->name, family_word (prog));
      FAIL (d->line, d->col, "'%s' has an equation, but every state of a model with %s "
            "comes from them (%s)", d->name, ham ? "a Hamiltonian" : "reactions",
            ham ? "'hamiltonian q | p'" : "its species");
    }
  for (guint i = 0; i < states->len; i++)
    {
      OdeDecl *d = g_new0 (OdeDecl, 1);
      const int *pos = &g_array_index (where, int, 2 * i);

      d->name = g_ptr_array_index (states, i);
      d->line = pos[0];
      d->col = pos[1];
      g_ptr_array_add (prog->equations, d);
    }
#undef FAIL
  return TRUE;
}

/* The family's engine object, made once the states and inputs are known. */
static gboolean
family_engine (CurrentsModel *model,
               OdeProgram    *prog,
               GError       **error)
{
  g_autoptr(GError) local = NULL;
  int line, col;

  if (prog->hamiltonian != NULL)
    {
      OdeHamiltonian *h = prog->hamiltonian;
      CurrentsHamiltonianSpec spec;
      CurrentsHamiltonianScaling scaling = { NULL, NULL, 1.0 };
      gsize n = h->names->len;

      line = h->line;
      col = h->col;
      currents_hamiltonian_spec_init (&spec);
      spec.kind = h->dissipative ? CURRENTS_HAMILTONIAN_DISSIPATIVE
                                 : CURRENTS_HAMILTONIAN_CONSERVATIVE;
      if (h->hidden->len > 0)
        {
          if (h->hidden->len > CURRENTS_HAMILTONIAN_MAX_LAYERS)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                           "%s:%d:%d: at most %d hidden layers", prog->filename, line, col,
                           CURRENTS_HAMILTONIAN_MAX_LAYERS);
              return FALSE;
            }
          spec.n_hidden = h->hidden->len;
          for (guint k = 0; k < h->hidden->len; k++)
            spec.hidden[k] = g_array_index (h->hidden, gsize, k);
        }
      spec.activation = h->activation;
      spec.seed = h->seed;
      if (h->dissipative)
        spec.damping_init = h->damping;
      for (int pass = 0; pass < 2; pass++)
        {
          GArray *a = pass == 0 ? h->center : h->scale;

          if (a->len == 0)
            continue;
          if (a->len != n)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                           "%s:%d:%d: %s= needs one value per state (%" G_GSIZE_FORMAT "), "
                           "not %u", prog->filename, line, col, pass == 0 ? "center" : "scale",
                           n, a->len);
              return FALSE;
            }
          for (guint k = 0; pass == 1 && k < a->len; k++)
            if (!(g_array_index (a, double, k) > 0.0))
              {
                g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                             "%s:%d:%d: scale= needs values > 0", prog->filename, line, col);
                return FALSE;
              }
          if (pass == 0)
            scaling.x_mean = (const double *) a->data;
          else
            scaling.x_scale = (const double *) a->data;
        }
      model->ham = currents_hamiltonian_model_new (n, &spec, &scaling, &local);
      if (model->ham != NULL)
        {
          model->family = CURRENTS_MODEL_HAMILTONIAN;
          return TRUE;
        }
    }
  else
    {
      gsize n = prog->equations->len, m = prog->reactions->len;
      g_autofree double *values = g_new0 (double, MAX (n * m, 1));
      g_autofree const char **species = g_new0 (const char *, n + 1);
      g_autofree const char **names = g_new0 (const char *, m + 1);
      g_autofree CurrentsReactionFlags *flags = g_new0 (CurrentsReactionFlags, MAX (m, 1));
      g_autoptr(GPtrArray) auto_names = g_ptr_array_new_with_free_func (g_free);
      g_autoptr(CurrentsStoichMatrix) matrix = NULL;
      CurrentsStoichSpec spec;

      line = ((OdeReaction *) g_ptr_array_index (prog->reactions, 0))->line;
      col = 1;
      for (gsize i = 0; i < n; i++)
        species[i] = ((OdeDecl *) g_ptr_array_index (prog->equations, i))->name;
      for (gsize j = 0; j < m; j++)
        {
          OdeReaction *r = g_ptr_array_index (prog->reactions, j);

          if (r->name != NULL)
            names[j] = r->name;
          else
            {
              char *auto_name = g_strdup_printf ("R%" G_GSIZE_FORMAT, j + 1);
              g_ptr_array_add (auto_names, auto_name);
              names[j] = auto_name;
            }
          for (gsize k = 0; k < j; k++)
            if (g_ascii_strcasecmp (names[k], names[j]) == 0)
              {
                g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                             "%s:%d:%d: a second reaction named '%s'", prog->filename,
                             r->line, r->col, names[j]);
                return FALSE;
              }
          flags[j] = (r->reversible ? CURRENTS_REACTION_REVERSIBLE
                                    : CURRENTS_REACTION_IRREVERSIBLE) |
                     (r->mass ? CURRENTS_REACTION_MASS_ACTION : 0);
          for (int side = 0; side < 2; side++)
            {
              GArray *terms = side == 0 ? r->lhs : r->rhs;
              for (guint k = 0; k < terms->len; k++)
                {
                  OdeReactant *t = &g_array_index (terms, OdeReactant, k);
                  for (gsize i = 0; i < n; i++)
                    if (g_ascii_strcasecmp (species[i], t->species) == 0)
                      values[i * m + j] += side == 0 ? -t->coef : t->coef;
                }
            }
          {
            gboolean any = FALSE;
            for (gsize i = 0; i < n; i++)
              any |= values[i * m + j] != 0.0;
            if (!any)
              {
                g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                             "%s:%d:%d: the reaction '%s' changes nothing (its reactants and "
                             "products cancel)", prog->filename, r->line, r->col, names[j]);
                return FALSE;
              }
          }
        }
      currents_stoich_spec_init (&spec);
      if (prog->rates->len > 0)
        {
          OdeRates *r = g_ptr_array_index (prog->rates, 0);

          line = r->line;
          col = r->col;
          if (r->hidden->len > CURRENTS_STOICH_MAX_LAYERS)
            {
              g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                           "%s:%d:%d: at most %d hidden layers", prog->filename, line, col,
                           CURRENTS_STOICH_MAX_LAYERS);
              return FALSE;
            }
          if (r->hidden->len > 0)
            {
              spec.n_hidden = r->hidden->len;
              for (guint k = 0; k < r->hidden->len; k++)
                spec.hidden[k] = g_array_index (r->hidden, gsize, k);
            }
          spec.activation = r->activation;
          spec.seed = r->seed;
        }
      matrix = currents_stoich_matrix_new (n, m, species, names, values, &local);
      if (matrix != NULL)
        model->stoich = currents_stoich_model_new (matrix,
                                                   (const char *const *) model->input_names,
                                                   flags, &spec, NULL, &local);
      if (model->stoich != NULL)
        {
          model->family = CURRENTS_MODEL_STOICHIOMETRIC;
          model->laws = currents_stoich_matrix_conservation (matrix, &local);
          if (model->laws != NULL)
            return TRUE;
        }
    }
  g_set_error (error, CURRENTS_ENGINE_ERROR, local->code, "%s:%d:%d: %s", prog->filename,
               line, col, local->message);
  return FALSE;
}

static gboolean
check_conserve_names (const Ast          *a,
                      const CurrentsModel *model,
                      const OdeProgram   *prog,
                      const OdeConserve  *cq,
                      GError            **error)
{
  if (a == NULL)
    return TRUE;
  if (a->kind == AST_NAME && currents_model_find_state (model, a->name) < 0 &&
      g_ascii_strcasecmp (a->name, "pi") != 0)
    {
      g_autofree char *states = g_strjoinv (", ", model->state_names);
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                   "%s:%d:%d: '%s' in the conserved quantity %s is not a state (the states "
                   "are %s)", prog->filename, a->line, a->col, a->name, cq->name, states);
      return FALSE;
    }
  for (int i = 0; i < a->n_args; i++)
    if (!check_conserve_names (a->args[i], model, prog, cq, error))
      return FALSE;
  return TRUE;
}

/* The conserved quantities: the reaction network's laws, then the `conserve` statements. */
static gboolean
family_conserved (CurrentsModel *model,
                  OdeProgram    *prog,
                  GError       **error)
{
  gsize n_laws = model->laws != NULL ? currents_conservation_get_n_laws (model->laws) : 0;

  model->n_conserved = n_laws + prog->conserves->len;
  model->conserved = g_new0 (CurrentsModelConserved, MAX (model->n_conserved, 1));
  model->quantities = g_new0 (CurrentsConservedQuantity *, MAX (model->n_conserved, 1));
  for (gsize i = 0; i < n_laws; i++)
    {
      model->conserved[i].name = g_strdup_printf ("law %" G_GSIZE_FORMAT, i + 1);
      model->conserved[i].expression = g_strdup (currents_conservation_get_text (model->laws, i));
      model->conserved[i].exact = TRUE;
    }
  for (guint c = 0; c < prog->conserves->len; c++)
    {
      OdeConserve *cq = g_ptr_array_index (prog->conserves, c);
      CurrentsModelConserved *mc = &model->conserved[n_laws + c];
      g_autoptr(GError) local = NULL;

      for (guint k = 0; k < c; k++)
        if (g_ascii_strcasecmp (((OdeConserve *) g_ptr_array_index (prog->conserves, k))->name,
                                cq->name) == 0)
          {
            g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                         "%s:%d:%d: a second conserved quantity named '%s'", prog->filename,
                         cq->line, cq->col, cq->name);
            return FALSE;
          }
      if (!check_conserve_names (cq->expr, model, prog, cq, error))
        return FALSE;
      model->quantities[n_laws + c] =
        currents_conserved_quantity_new (cq->text, (const char *const *) model->state_names,
                                         &local);
      if (model->quantities[n_laws + c] == NULL)
        {
          g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                       "%s:%d:%d: %s", prog->filename, cq->line, cq->col, local->message);
          return FALSE;
        }
      mc->name = g_strdup (cq->name);
      mc->expression = g_strdup (cq->text);
      mc->weight = cq->weight;
      mc->exact = FALSE;
    }
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
  for (gsize i = 0; i < model->n_conserved; i++)
    {
      g_free ((char *) model->conserved[i].name);
      g_free ((char *) model->conserved[i].expression);
      if (model->quantities[i] != NULL)
        currents_conserved_quantity_free (model->quantities[i]);
    }
  g_free (model->conserved);
  g_free (model->quantities);
  if (model->field != NULL)
    currents_field_unref (model->field);
  if (model->tape_field != NULL)
    currents_field_unref (model->tape_field);
  if (model->ham != NULL)
    currents_hamiltonian_model_free (model->ham);
  if (model->stoich != NULL)
    currents_stoich_model_free (model->stoich);
  if (model->laws != NULL)
    currents_conservation_free (model->laws);
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

/* A tape for the model's expressions, with its learned terms' networks: every tape an
 * expression is compiled on needs them, the scratch tapes of unused quantities too. */
static Tape *
new_tape (const CurrentsModel *model,
          const OdeProgram    *prog,
          gsize                n)
{
  Tape *tape = _currents_tape_new (n, model->n_inputs, model->n_params);

  for (guint i = 0; i < prog->learns->len; i++)
    {
      const CurrentsLearnedTerm *term = &model->learned[i];

      _currents_tape_add_net (tape, term->n_layers, term->widths, term->activation,
                              term->param_offset);
    }
  return tape;
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
  g_autofree char *expanded = NULL;
  gsize n, n_weights = 0, n_family = 0;

  g_return_val_if_fail (source != NULL, NULL);

  prog = _currents_ode_parse (source, filename, error);
  if (prog == NULL)
    return NULL;
  {
    GError *local = NULL;

    expanded = expand_stoich_file (prog, source, &local);
    if (local != NULL)
      {
        g_propagate_error (error, local);
        return NULL;
      }
    if (expanded != NULL)
      {
        g_clear_pointer (&prog, _currents_ode_program_free);
        prog = _currents_ode_parse (expanded, filename, error);
        if (prog == NULL)
          return NULL;
        source = expanded;
      }
  }
  if (!family_states (prog, error))
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

  model->input_names = names_of (prog->inputs);
  if (prog->hamiltonian != NULL || prog->reactions->len > 0)
    {
      if (!family_engine (model, prog, error))
        {
          c.failed = TRUE;
          goto out;
        }
      n_family = model->ham != NULL ? currents_hamiltonian_model_get_n_params (model->ham)
                                    : currents_stoich_model_get_n_params (model->stoich);
    }
  model->family_offset = model->n_named_params + n_weights;
  model->n_states = n;
  model->n_inputs = prog->inputs->len;
  model->n_params = model->n_named_params + n_weights + n_family;
  model->n_aux = prog->aux->len;
  model->state_names = names_of (prog->equations);
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
  if (n_family > 0)
    {
      const double *theta0 = model->ham != NULL
                             ? currents_hamiltonian_model_get_initial_params (model->ham)
                             : currents_stoich_model_get_initial_params (model->stoich);
      const char *prefix = model->ham != NULL ? "H" : "rates";

      memcpy (model->params + model->family_offset, theta0, n_family * sizeof (double));
      for (gsize k = 0; k < n_family; k++)
        model->param_names[model->family_offset + k] =
          g_strdup_printf ("%s#%" G_GSIZE_FORMAT, prefix, k);
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
    Tape *tape = new_tape (model, prog, n);

    c.tape = tape;
    f_slots = g_new0 (gint32, n);
    for (gsize i = 0; i < n && !c.failed; i++)
      {
        OdeDecl *d = g_ptr_array_index (prog->equations, i);
        /* a family's states: the field is the engine's, the tape only serves aux */
        f_slots[i] = d->expr != NULL ? compile (&c, d->expr)
                                     : _currents_tape_emit_const (tape, 0.0);
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
    if (model->family == CURRENTS_MODEL_EQUATIONS)
      model->field = _currents_tape_make_field (tape);
    else
      {
        CurrentsField *engine = model->ham != NULL
                                ? currents_hamiltonian_model_get_field (model->ham)
                                : currents_stoich_model_get_field (model->stoich);

        model->tape_field = _currents_tape_make_field (tape);
        model->field = family_field_new (engine, model->tape_field, model->family_offset,
                                         model->n_params);
      }
  }

  /* Fixed quantities and functions that no equation uses are still checked. */
  for (guint i = 0; i < prog->fixed->len && !c.failed; i++)
    {
      OdeDecl *d = g_ptr_array_index (prog->fixed, i);
      g_autofree char *key = key_of (d->name);
      Symbol *sym = g_hash_table_lookup (c.symbols, key);
      Tape *scratch = new_tape (model, prog, n);
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
      Tape *scratch = new_tape (model, prog, n);
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

  if (!c.failed && !family_conserved (model, prog, error))
    c.failed = TRUE;
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
  if (model->tape_field != NULL)
    {
      FamilyWs *fws = _currents_field_workspace_get_impl_ws (ws);
      ws = fws->tape_ws;
    }
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

CurrentsModelFamily
currents_model_get_family (const CurrentsModel *model)
{
  return model->family;
}

const char *
currents_model_family_to_string (CurrentsModelFamily family)
{
  switch (family)
    {
    case CURRENTS_MODEL_EQUATIONS: return "equations";
    case CURRENTS_MODEL_HAMILTONIAN: return "hamiltonian";
    case CURRENTS_MODEL_STOICHIOMETRIC: return "stoichiometric";
    default: return NULL;
    }
}

const CurrentsHamiltonianModel *
currents_model_get_hamiltonian (const CurrentsModel *model)
{
  return model->ham;
}

const CurrentsStoichModel *
currents_model_get_stoich (const CurrentsModel *model)
{
  return model->stoich;
}

gsize
currents_model_get_family_offset (const CurrentsModel *model)
{
  return model->family_offset;
}

gsize
currents_model_get_hamiltonian_offset (const CurrentsModel *model)
{
  return model->family_offset;
}

gsize
currents_model_get_n_conserved (const CurrentsModel *model)
{
  return model->n_conserved;
}

const CurrentsModelConserved *
currents_model_get_conserved (const CurrentsModel *model,
                              gsize                i)
{
  g_return_val_if_fail (i < model->n_conserved, NULL);
  return &model->conserved[i];
}

/**
 * currents_model_eval_conserved:
 * @x: a state (currents_model_get_n_states() values)
 *
 * Returns: the value of conserved quantity @i at @x (allocates a workspace for a
 *   `conserve` statement: not for inner loops)
 */
double
currents_model_eval_conserved (const CurrentsModel *model,
                               gsize                i,
                               const double        *x)
{
  g_autoptr(CurrentsConservedQuantityWorkspace) ws = NULL;

  g_return_val_if_fail (i < model->n_conserved, NAN);
  if (model->quantities[i] == NULL)
    return currents_conservation_eval (model->laws, i, x);
  ws = currents_conserved_quantity_workspace_new (model->quantities[i]);
  return currents_conserved_quantity_eval (ws, x);
}

/**
 * currents_model_eval_energy:
 * @x: a state
 * @p: the model's parameter vector (currents_model_get_n_params() values)
 *
 * Returns: H_θ(x) of a Hamiltonian model (allocates a workspace), NAN for other families
 */
double
currents_model_eval_energy (const CurrentsModel *model,
                            const double        *x,
                            const double        *p)
{
  g_autoptr(CurrentsFieldWorkspace) ws = NULL;

  if (model->ham == NULL)
    return NAN;
  ws = currents_field_workspace_new (currents_hamiltonian_model_get_field (model->ham));
  return currents_hamiltonian_energy (model->ham, ws, x, p + model->family_offset, NULL);
}
