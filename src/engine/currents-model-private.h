/* currents-model-private.h
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * The parsed form of a `.ode` file: declarations with expression trees, before
 * names are resolved and compiled to a tape.
 */
#pragma once

#include <glib.h>

#include "currents-model.h"
#include "currents-tape-private.h"

G_BEGIN_DECLS

typedef enum
{
  AST_NUM,
  AST_NAME,
  AST_CALL,
  AST_OP,      /* unary or binary operator: op, args[0..1] */
  AST_IF,      /* args[0] ? args[1] : args[2] */
} AstKind;

typedef struct _Ast Ast;
struct _Ast
{
  AstKind      kind;
  TapeOp       op;
  double       value;
  const char  *name;
  Ast        **args;
  int          n_args;
  int          line;
  int          col;
  int          depth;    /* 1 + the deepest argument's (bounded: see the parser) */
};

typedef struct
{
  const char *name;
  Ast        *expr;     /* NULL for plain value declarations */
  double      value;
  gboolean    has_value;
  int         line;
  int         col;
} OdeDecl;

typedef struct
{
  const char  *name;
  const char **params;
  int          n_params;
  Ast         *body;
  int          line;
  int          col;
} OdeFunc;

typedef struct
{
  const char        *name;
  const char       **args;
  int                n_args;
  GArray            *hidden;    /* gsize */
  CurrentsActivation activation;
  guint64            seed;
  int                line;
  int                col;
} OdeLearn;

/* `hamiltonian q1 q2 | p1 p2 hidden=16,16 activation=tanh seed=1 [damping=0.1]
 *  [center=a,b,... scale=c,d,...]` */
typedef struct
{
  GPtrArray         *names;      /* const char*: coordinates, then momenta */
  GArray            *name_line;  /* int */
  GArray            *name_col;   /* int */
  gsize              n_coords;
  GArray            *hidden;     /* gsize; empty: the engine's default */
  CurrentsActivation activation;
  guint64            seed;
  gboolean           dissipative;
  double             damping;
  GArray            *center;     /* double; empty: 0 */
  GArray            *scale;      /* double; empty: 1 */
  int                line;
  int                col;
} OdeHamiltonian;

typedef struct
{
  const char *species;
  double      coef;
  int         line;
  int         col;
} OdeReactant;

/* `reaction NAME: 2 A + B -> C [mass]`, `A <-> B` */
typedef struct
{
  const char *name;
  GArray     *lhs;         /* OdeReactant */
  GArray     *rhs;         /* OdeReactant */
  gboolean    reversible;
  gboolean    mass;
  int         line;
  int         col;
} OdeReaction;

/* `rates hidden=16 activation=tanh seed=1` (the rate network) or
 * `stoich file=net.csv [irreversible=R1,R2] [mass=R1] [hidden=…]` */
typedef struct
{
  GArray            *hidden;       /* gsize; empty: the engine's default */
  CurrentsActivation activation;
  guint64            seed;
  const char        *file;         /* NULL for `rates` */
  GPtrArray         *irreversible; /* const char* */
  GPtrArray         *mass;         /* const char* */
  int                line;
  int                col;
  int                last_line;    /* the statement's physical lines */
} OdeRates;

/* `conserve NAME = expr [weight=λ]` */
typedef struct
{
  const char *name;
  Ast        *expr;
  const char *text;
  double      weight;
  int         line;
  int         col;
} OdeConserve;

typedef struct
{
  const char   *filename;
  GStringChunk *strings;
  GPtrArray    *nodes;      /* owns Ast */
  GPtrArray    *equations;  /* OdeDecl: dx/dt */
  GPtrArray    *fixed;      /* OdeDecl: name = expr */
  GPtrArray    *derived;    /* OdeDecl: !name = expr */
  GPtrArray    *aux;        /* OdeDecl */
  GPtrArray    *params;     /* OdeDecl with value */
  GPtrArray    *inits;      /* OdeDecl with value */
  GPtrArray    *numbers;    /* OdeDecl with value */
  GPtrArray    *inputs;     /* OdeDecl with value */
  GPtrArray    *funcs;      /* OdeFunc */
  GPtrArray    *learns;     /* OdeLearn */
  GPtrArray    *ignored;    /* char*: messages */
  OdeHamiltonian *hamiltonian;  /* nullable */
  GPtrArray    *reactions;  /* OdeReaction */
  GPtrArray    *rates;      /* OdeRates: `rates` and `stoich file=` statements */
  GPtrArray    *conserves;  /* OdeConserve */
  GPtrArray    *species;    /* OdeDecl, value optional: `species S=10, E, C` */
  CurrentsModelOptions options;
} OdeProgram;

OdeProgram *_currents_ode_parse      (const char  *source,
                                      const char  *filename,
                                      GError     **error);
void        _currents_ode_program_free (OdeProgram *program);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OdeProgram, _currents_ode_program_free)

G_END_DECLS
