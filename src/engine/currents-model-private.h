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
  CurrentsModelOptions options;
} OdeProgram;

OdeProgram *_currents_ode_parse      (const char  *source,
                                      const char  *filename,
                                      GError     **error);
void        _currents_ode_program_free (OdeProgram *program);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (OdeProgram, _currents_ode_program_free)

G_END_DECLS
