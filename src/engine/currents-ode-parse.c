/* currents-ode-parse.c
 *
 * Copyright 2026 The Currents authors
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Reads XPPAUT's `.ode` language, the core that real files use:
 *
 *   x' = expr          dx/dt = expr          x(0) = value
 *   par a=1, b=2       init x=1 y            number c=3
 *   f(x, y) = expr     aux name = expr       !name = expr     name = expr (fixed)
 *   @ total=40, dt=.05, meth=gear, xp=x, ...                  done
 *
 * plus Currents' extensions:
 *
 *   input u=0                                  an external input u(t)
 *   learn mu(S) hidden=16,16 activation=tanh   a learned term: a small neural
 *                                              network ℝ^k → ℝ used as mu(S)
 *
 * and the model families of currents-hamiltonian.h and currents-stoich.h:
 *
 *   hamiltonian q1 q2 | p1 p2 hidden=16,16 activation=tanh seed=1 [damping=0.1]
 *         [center=c1,...] [scale=s1,...]
 *       a Hamiltonian network: the states (coordinates before `|`, as many momenta
 *       after it) move by dx/dt = J∇H_θ, or (J − R)∇H_θ with `damping=` (the initial
 *       damping, the dissipative variant). H_θ sees (x − center)/scale; without
 *       center=/scale= it sees x itself, so data of order 1 need no scaling. tanh or
 *       softplus only (the field is a gradient: training needs second derivatives).
 *       The states have no x'= equations; init, par and aux work as usual.
 *   reaction bind: S + E -> C [mass]   an irreversible reaction (rate ≥ 0); `mass`
 *                                      makes its rate vanish with a reactant
 *   reaction swap: 2 A <-> B           a reversible reaction (rate of either sign)
 *   rates hidden=16 activation=tanh seed=1   the rate network r_θ(x, u)
 *   species S=10, E=1, C, P            (optional) the species' order, and initial values
 *   stoich file=net.csv [irreversible=R1,R2] [mass=R1] [hidden=… activation=… seed=…]
 *       the matrix S from a CSV (species as rows, reactions as columns, relative to
 *       the model file); the model's source text expands it into `reaction` lines, so
 *       a saved model never needs the CSV again. With a `species` statement, the CSV's
 *       rows must be exactly those species.
 *       Either way dx/dt = S·r_θ(x, u) for every species (each a state, in order of
 *       first appearance; no x'= equation for them) and the laws cᵀS = 0 hold exactly.
 *   conserve Etot = E + C [weight=1]   a quantity training should keep constant: the
 *                                      learner adds λ·mean((dq/dt)²) to its loss
 *
 * Statements are told apart the way XPP does (form_ode.c): a trailing `\` joins lines,
 * and the first of blank, `=`, `/`, `'`, `(` after the leading word decides; command
 * words match by their first letters, and any single word starting with `d` ends
 * the file. Expressions: `| & < > <= >= == != + - * / ^ **` and unary `- + !`, with
 * `^`/`**` associating to the right and binding tighter than unary minus.
 */
#define G_LOG_DOMAIN "currents-ode"

#include "config.h"

#include <math.h>
#include <string.h>

#include "currents-error.h"
#include "currents-model-private.h"

typedef enum
{
  TOK_END,
  TOK_NUM,
  TOK_IDENT,
  TOK_OP,      /* text in op[] */
} TokKind;

typedef struct
{
  TokKind kind;
  char    op[3];
  double  num;
  gsize   start;
  gsize   len;
} Token;

/* One logical line (continuations joined) with the source position of each byte. */
typedef struct
{
  GString *text;
  GArray  *lines;   /* int per byte */
  GArray  *cols;    /* int per byte */
} LogicalLine;

typedef struct
{
  OdeProgram  *prog;
  LogicalLine *ll;
  const char  *s;
  gsize        len;
  gsize        pos;
  Token        tok;
  GError     **error;
  gboolean     failed;
  int          nesting;   /* of parse_unary(): parentheses, signs, powers, calls */
} Parser;

/* The parser and the compiler recurse over expressions: bound the depth so that no input
 * overflows the stack (real models stay far below both). */
#define MAX_NESTING    200
#define MAX_AST_DEPTH 2000

static gboolean
is_ident_start (char c)
{
  return g_ascii_isalpha (c) || c == '_';
}

static gboolean
is_ident_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.';
}

static void
ll_pos (const LogicalLine *ll,
        gsize              offset,
        int               *line,
        int               *col)
{
  if (ll->lines->len == 0)
    {
      *line = 1;
      *col = 1;
      return;
    }
  if (offset >= ll->lines->len)
    {
      *line = g_array_index (ll->lines, int, ll->lines->len - 1);
      *col = g_array_index (ll->cols, int, ll->cols->len - 1) + 1;
      return;
    }
  *line = g_array_index (ll->lines, int, offset);
  *col = g_array_index (ll->cols, int, offset);
}

G_GNUC_PRINTF (4, 5) static void
fail_at (Parser     *p,
         gsize       offset,
         int         code,
         const char *fmt,
         ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  int line, col;

  if (p->failed)
    return;
  p->failed = TRUE;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  ll_pos (p->ll, offset, &line, &col);
  g_set_error (p->error, CURRENTS_ENGINE_ERROR, code, "%s:%d:%d: %s",
               p->prog->filename, line, col, msg);
}

static const char *
intern (Parser     *p,
        const char *s,
        gsize       len)
{
  return g_string_chunk_insert_len (p->prog->strings, s, len);
}

static void
skip_space (Parser *p)
{
  while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
    p->pos++;
}

/* Reads the next token into p->tok. */
static void
next (Parser *p)
{
  const char *s = p->s;
  Token *t = &p->tok;

  skip_space (p);
  t->start = p->pos;
  t->len = 0;
  if (p->pos >= p->len || s[p->pos] == '#')
    {
      t->kind = TOK_END;
      return;
    }
  if (g_ascii_isdigit (s[p->pos]) ||
      (s[p->pos] == '.' && p->pos + 1 < p->len && g_ascii_isdigit (s[p->pos + 1])))
    {
      gsize q = p->pos;
      char *end = NULL;
      g_autofree char *buf = NULL;

      while (q < p->len && g_ascii_isdigit (s[q]))
        q++;
      if (q < p->len && s[q] == '.')
        {
          q++;
          while (q < p->len && g_ascii_isdigit (s[q]))
            q++;
        }
      if (q < p->len && (s[q] == 'e' || s[q] == 'E'))
        {
          gsize r = q + 1;
          if (r < p->len && (s[r] == '+' || s[r] == '-'))
            r++;
          if (r < p->len && g_ascii_isdigit (s[r]))
            {
              while (r < p->len && g_ascii_isdigit (s[r]))
                r++;
              q = r;
            }
        }
      buf = g_strndup (s + p->pos, q - p->pos);
      t->kind = TOK_NUM;
      t->num = g_ascii_strtod (buf, &end);
      t->len = q - p->pos;
      p->pos = q;
      if (q < p->len && is_ident_start (s[q]))
        fail_at (p, q, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                 "unexpected '%c' after the number %s", s[q], buf);
      return;
    }
  if (is_ident_start (s[p->pos]))
    {
      gsize q = p->pos;
      while (q < p->len && is_ident_char (s[q]))
        q++;
      t->kind = TOK_IDENT;
      t->len = q - p->pos;
      p->pos = q;
      return;
    }
  {
    static const char *two[] = { "**", "<=", ">=", "==", "!=", "&&", "||" };
    t->kind = TOK_OP;
    for (gsize i = 0; i < G_N_ELEMENTS (two); i++)
      if (p->pos + 1 < p->len && s[p->pos] == two[i][0] && s[p->pos + 1] == two[i][1])
        {
          t->op[0] = two[i][0];
          t->op[1] = two[i][1];
          t->op[2] = 0;
          t->len = 2;
          p->pos += 2;
          return;
        }
    if (strchr ("+-*/^()<>,=!&|", s[p->pos]) == NULL)
      {
        /* the text is UTF-8: quote the whole character, not its first byte */
        fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                 "unexpected character '%.*s'",
                 (int) MIN ((gsize) g_utf8_skip[(guchar) s[p->pos]], p->len - p->pos),
                 s + p->pos);
        t->kind = TOK_END;
        return;
      }
    t->op[0] = s[p->pos];
    t->op[1] = 0;
    t->len = 1;
    p->pos++;
  }
}

static gboolean
tok_is (const Parser *p,
        const char   *op)
{
  return p->tok.kind == TOK_OP && strcmp (p->tok.op, op) == 0;
}

static char *
tok_text (const Parser *p)
{
  if (p->tok.kind == TOK_END)
    return g_strdup ("the end of the line");
  return g_strdup_printf ("'%.*s'", (int) p->tok.len, p->s + p->tok.start);
}

static Ast *
ast_new (Parser  *p,
         AstKind  kind,
         gsize    offset)
{
  Ast *a = g_new0 (Ast, 1);

  g_ptr_array_add (p->prog->nodes, a);
  a->kind = kind;
  ll_pos (p->ll, offset, &a->line, &a->col);
  return a;
}

static void
ast_set_args (Parser *p,
              Ast    *a,
              Ast   **args,
              int     n)
{
  a->args = g_new0 (Ast *, MAX (n, 1));
  /* the argument array is freed with the node (see node_free); f() has none, and its
   * empty argument list no array */
  if (n > 0)
    memcpy (a->args, args, n * sizeof (Ast *));
  a->n_args = n;
  a->depth = 1;
  for (int i = 0; i < n; i++)
    if (args[i] != NULL)
      a->depth = MAX (a->depth, args[i]->depth + 1);
  if (a->depth > MAX_AST_DEPTH)
    fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
             "the expression is too deeply nested (more than %d operations inside one "
             "another); split it with auxiliary quantities", MAX_AST_DEPTH);
}

static Ast *parse_expr (Parser *p);

static gboolean
expect (Parser     *p,
        const char *op,
        const char *what)
{
  if (tok_is (p, op))
    {
      next (p);
      return TRUE;
    }
  {
    g_autofree char *found = tok_text (p);
    fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
             "expected %s, found %s", what, found);
  }
  return FALSE;
}

static Ast *
parse_primary (Parser *p)
{
  Token t = p->tok;

  if (p->failed)
    return NULL;
  if (t.kind == TOK_NUM)
    {
      Ast *a = ast_new (p, AST_NUM, t.start);
      a->value = t.num;
      next (p);
      return a;
    }
  if (t.kind == TOK_IDENT)
    {
      const char *name = intern (p, p->s + t.start, t.len);

      next (p);
      if (g_ascii_strcasecmp (name, "if") == 0 && tok_is (p, "("))
        {
          Ast *args[3];
          Ast *a = ast_new (p, AST_IF, t.start);

          next (p);
          args[0] = parse_expr (p);
          if (!expect (p, ")", "')' closing the condition of if(...)"))
            return NULL;
          if (p->tok.kind != TOK_IDENT || p->tok.len != 4 ||
              g_ascii_strncasecmp (p->s + p->tok.start, "then", 4) != 0)
            {
              fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                       "expected 'then' in if(c)then(a)else(b)");
              return NULL;
            }
          next (p);
          if (!expect (p, "(", "'(' after 'then'"))
            return NULL;
          args[1] = parse_expr (p);
          if (!expect (p, ")", "')' closing then(...)"))
            return NULL;
          if (p->tok.kind != TOK_IDENT || p->tok.len != 4 ||
              g_ascii_strncasecmp (p->s + p->tok.start, "else", 4) != 0)
            {
              fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                       "expected 'else' in if(c)then(a)else(b)");
              return NULL;
            }
          next (p);
          if (!expect (p, "(", "'(' after 'else'"))
            return NULL;
          args[2] = parse_expr (p);
          if (!expect (p, ")", "')' closing else(...)"))
            return NULL;
          ast_set_args (p, a, args, 3);
          return a;
        }
      if (tok_is (p, "("))
        {
          GPtrArray *args = g_ptr_array_new ();
          Ast *a = ast_new (p, AST_CALL, t.start);

          a->name = name;
          next (p);
          if (!tok_is (p, ")"))
            {
              for (;;)
                {
                  Ast *arg = parse_expr (p);
                  if (p->failed)
                    break;
                  g_ptr_array_add (args, arg);
                  if (tok_is (p, ","))
                    {
                      next (p);
                      continue;
                    }
                  break;
                }
            }
          if (!p->failed)
            expect (p, ")", "',' or ')' in the argument list");
          ast_set_args (p, a, (Ast **) args->pdata, (int) args->len);
          g_ptr_array_free (args, TRUE);
          return p->failed ? NULL : a;
        }
      {
        Ast *a = ast_new (p, AST_NAME, t.start);
        a->name = name;
        return a;
      }
    }
  if (tok_is (p, "("))
    {
      Ast *a;

      next (p);
      a = parse_expr (p);
      if (!expect (p, ")", "')'"))
        return NULL;
      return a;
    }
  {
    g_autofree char *found = tok_text (p);
    fail_at (p, t.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
             "expected a number, a name or '(', found %s", found);
  }
  return NULL;
}

static Ast *
make_op (Parser *p,
         TapeOp  op,
         gsize   offset,
         Ast    *a,
         Ast    *b)
{
  Ast *n = ast_new (p, AST_OP, offset);
  Ast *args[2] = { a, b };

  n->op = op;
  ast_set_args (p, n, args, b != NULL ? 2 : 1);
  return n;
}

static Ast *parse_unary (Parser *p);

/* power := primary (('^' | '**') unary)?   — right-associative; the exponent may
 * carry its own sign (x^-2). */
static Ast *
parse_power (Parser *p)
{
  Ast *base = parse_primary (p);

  if (p->failed)
    return NULL;
  if (tok_is (p, "^") || tok_is (p, "**"))
    {
      gsize at = p->tok.start;
      Ast *expo;

      next (p);
      expo = parse_unary (p);
      if (p->failed)
        return NULL;
      return make_op (p, TAPE_POW, at, base, expo);
    }
  return base;
}

static Ast *parse_unary_nested (Parser *p);

static Ast *
parse_unary (Parser *p)
{
  Ast *a;

  if (p->nesting >= MAX_NESTING)
    {
      fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
               "the expression is too deeply nested (more than %d parentheses, signs or "
               "powers inside one another)", MAX_NESTING);
      return NULL;
    }
  p->nesting++;
  a = parse_unary_nested (p);
  p->nesting--;
  return a;
}

static Ast *
parse_unary_nested (Parser *p)
{
  if (tok_is (p, "-") || tok_is (p, "+") || tok_is (p, "!"))
    {
      gsize at = p->tok.start;
      char c = p->tok.op[0];
      Ast *a;

      next (p);
      a = parse_unary (p);
      if (p->failed)
        return NULL;
      if (c == '+')
        return a;
      return make_op (p, c == '-' ? TAPE_NEG : TAPE_NOT, at, a, NULL);
    }
  return parse_power (p);
}

static Ast *
parse_mul (Parser *p)
{
  Ast *a = parse_unary (p);

  while (!p->failed && (tok_is (p, "*") || tok_is (p, "/")))
    {
      gsize at = p->tok.start;
      TapeOp op = tok_is (p, "*") ? TAPE_MUL : TAPE_DIV;
      Ast *b;

      next (p);
      b = parse_unary (p);
      if (p->failed)
        return NULL;
      a = make_op (p, op, at, a, b);
    }
  return a;
}

static Ast *
parse_add (Parser *p)
{
  Ast *a = parse_mul (p);

  while (!p->failed && (tok_is (p, "+") || tok_is (p, "-")))
    {
      gsize at = p->tok.start;
      TapeOp op = tok_is (p, "+") ? TAPE_ADD : TAPE_SUB;
      Ast *b;

      next (p);
      b = parse_mul (p);
      if (p->failed)
        return NULL;
      a = make_op (p, op, at, a, b);
    }
  return a;
}

static Ast *
parse_cmp (Parser *p)
{
  Ast *a = parse_add (p);
  static const struct { const char *s; TapeOp op; } ops[] = {
    { "<", TAPE_LT }, { ">", TAPE_GT }, { "<=", TAPE_LE }, { ">=", TAPE_GE },
    { "==", TAPE_EQ }, { "!=", TAPE_NE },
  };

  for (;;)
    {
      gboolean found = FALSE;

      if (p->failed)
        return NULL;
      for (gsize i = 0; i < G_N_ELEMENTS (ops); i++)
        if (tok_is (p, ops[i].s))
          {
            gsize at = p->tok.start;
            Ast *b;

            next (p);
            b = parse_add (p);
            if (p->failed)
              return NULL;
            a = make_op (p, ops[i].op, at, a, b);
            found = TRUE;
            break;
          }
      if (!found)
        return a;
    }
}

static Ast *
parse_and (Parser *p)
{
  Ast *a = parse_cmp (p);

  while (!p->failed && (tok_is (p, "&") || tok_is (p, "&&")))
    {
      gsize at = p->tok.start;
      Ast *b;

      next (p);
      b = parse_cmp (p);
      if (p->failed)
        return NULL;
      a = make_op (p, TAPE_AND, at, a, b);
    }
  return a;
}

static Ast *
parse_expr (Parser *p)
{
  Ast *a = parse_and (p);

  while (!p->failed && (tok_is (p, "|") || tok_is (p, "||")))
    {
      gsize at = p->tok.start;
      Ast *b;

      next (p);
      b = parse_and (p);
      if (p->failed)
        return NULL;
      a = make_op (p, TAPE_OR, at, a, b);
    }
  return a;
}

/* Parses an expression from p->pos to the end of the line. */
static Ast *
parse_rhs (Parser *p)
{
  Ast *a;

  next (p);
  if (p->tok.kind == TOK_END)
    {
      fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
               "expected an expression after '='");
      return NULL;
    }
  a = parse_expr (p);
  if (!p->failed && p->tok.kind != TOK_END)
    {
      g_autofree char *found = tok_text (p);
      fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
               "expected an operator or the end of the line, found %s", found);
    }
  return p->failed ? NULL : a;
}

static OdeDecl *
decl_new (Parser     *p,
          GPtrArray  *list,
          const char *name,
          gsize       offset)
{
  OdeDecl *d = g_new0 (OdeDecl, 1);

  d->name = name;
  ll_pos (p->ll, offset, &d->line, &d->col);
  g_ptr_array_add (list, d);
  return d;
}

/* Reads `name` at p->pos; returns NULL (and fails) when there is none. */
static const char *
read_name (Parser     *p,
           const char *what,
           gsize      *offset)
{
  gsize q;

  skip_space (p);
  q = p->pos;
  if (q >= p->len || !is_ident_start (p->s[q]))
    {
      fail_at (p, q, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, "expected %s", what);
      return NULL;
    }
  while (q < p->len && is_ident_char (p->s[q]))
    q++;
  if (offset != NULL)
    *offset = p->pos;
  {
    const char *name = intern (p, p->s + p->pos, q - p->pos);
    p->pos = q;
    return name;
  }
}

/* A value in a `par`/`init`/`number`/`input` list: a signed number (or pi). */
static gboolean
read_value (Parser     *p,
            const char *name,
            double     *value)
{
  double sign = 1.0;

  next (p);
  while (tok_is (p, "-") || tok_is (p, "+"))
    {
      if (tok_is (p, "-"))
        sign = -sign;
      next (p);
    }
  if (p->tok.kind == TOK_NUM)
    {
      *value = sign * p->tok.num;
      return TRUE;
    }
  if (p->tok.kind == TOK_IDENT && p->tok.len == 2 &&
      g_ascii_strncasecmp (p->s + p->tok.start, "pi", 2) == 0)
    {
      *value = sign * G_PI;
      return TRUE;
    }
  {
    g_autofree char *found = tok_text (p);
    fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
             "expected a number for '%s', found %s", name, found);
  }
  return FALSE;
}

/* name[=value] items separated by commas and/or blanks. */
static void
parse_value_list (Parser     *p,
                  GPtrArray  *list,
                  const char *keyword,
                  gboolean    value_required)
{
  gboolean any = FALSE;

  for (;;)
    {
      gsize at;
      const char *name;
      OdeDecl *d;

      skip_space (p);
      while (p->pos < p->len && p->s[p->pos] == ',')
        {
          p->pos++;
          skip_space (p);
        }
      if (p->pos >= p->len || p->s[p->pos] == '#')
        break;
      name = read_name (p, "a name", &at);
      if (name == NULL)
        return;
      d = decl_new (p, list, name, at);
      any = TRUE;
      skip_space (p);
      if (p->pos < p->len && p->s[p->pos] == '=')
        {
          p->pos++;
          if (!read_value (p, name, &d->value))
            return;
          d->has_value = TRUE;
        }
      else if (value_required)
        {
          fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected '=' and a value after '%s'", name);
          return;
        }
      else if (p->pos < p->len && p->s[p->pos] == '(')
        {
          fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected '=' or ',' after '%s'", name);
          return;
        }
    }
  if (!any)
    fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
             "'%s' needs at least one name=value", keyword);
}

/* `@` options: names match by prefix as XPP's do (`bounds`, `method`, `toler`). */
typedef enum
{
  OPT_TOTAL, OPT_DT, OPT_T0, OPT_TRANS, OPT_BOUND, OPT_METH, OPT_TOL, OPT_ATOL,
  OPT_DTMIN, OPT_DTMAX, OPT_NJMP, OPT_MAXSTOR, OPT_XP, OPT_YP, OPT_ZP, OPT_XLO,
  OPT_XHI, OPT_YLO, OPT_YHI, OPT_DISPLAY, OPT_CHANGES_MODEL,
} OptKind;

static const struct { const char *name; OptKind kind; } option_table[] = {
  { "total", OPT_TOTAL }, { "dt", OPT_DT }, { "t0", OPT_T0 }, { "trans", OPT_TRANS },
  { "bound", OPT_BOUND }, { "meth", OPT_METH }, { "tol", OPT_TOL }, { "atol", OPT_ATOL },
  { "dtmin", OPT_DTMIN }, { "dtmax", OPT_DTMAX }, { "njmp", OPT_NJMP },
  { "maxstor", OPT_MAXSTOR }, { "xp", OPT_XP }, { "yp", OPT_YP }, { "zp", OPT_ZP },
  { "xlo", OPT_XLO }, { "xhi", OPT_XHI }, { "ylo", OPT_YLO }, { "yhi", OPT_YHI },
  /* display and interface options: no effect on the model or its simulation */
  { "xplot", OPT_DISPLAY }, { "yplot", OPT_DISPLAY }, { "zplot", OPT_DISPLAY },
  { "nplot", OPT_DISPLAY }, { "axes", OPT_DISPLAY }, { "phi", OPT_DISPLAY },
  { "theta", OPT_DISPLAY }, { "xmin", OPT_DISPLAY }, { "xmax", OPT_DISPLAY },
  { "ymin", OPT_DISPLAY }, { "ymax", OPT_DISPLAY }, { "zmin", OPT_DISPLAY },
  { "zmax", OPT_DISPLAY }, { "colormap", OPT_DISPLAY }, { "runnow", OPT_DISPLAY },
  { "fold", OPT_DISPLAY }, { "output", OPT_DISPLAY }, { "logfile", OPT_DISPLAY },
  { "back", OPT_DISPLAY }, { "small", OPT_DISPLAY }, { "big", OPT_DISPLAY },
  { "lt", OPT_DISPLAY }, { "smc", OPT_DISPLAY }, { "umc", OPT_DISPLAY },
  { "bell", OPT_DISPLAY }, { "font", OPT_DISPLAY }, { "seed", OPT_DISPLAY },
  { "grads", OPT_DISPLAY }, { "plotfmt", OPT_DISPLAY }, { "nout", OPT_DISPLAY },
  { "ntst", OPT_DISPLAY }, { "nmax", OPT_DISPLAY }, { "npr", OPT_DISPLAY },
  { "dsmin", OPT_DISPLAY }, { "dsmax", OPT_DISPLAY }, { "ds", OPT_DISPLAY },
  { "parmin", OPT_DISPLAY }, { "parmax", OPT_DISPLAY }, { "normmin", OPT_DISPLAY },
  { "normmax", OPT_DISPLAY }, { "autoxmin", OPT_DISPLAY }, { "autoxmax", OPT_DISPLAY },
  { "autoymin", OPT_DISPLAY }, { "autoymax", OPT_DISPLAY }, { "autovar", OPT_DISPLAY },
  { "epsl", OPT_DISPLAY }, { "epsu", OPT_DISPLAY }, { "epss", OPT_DISPLAY },
  { "dfgrid", OPT_DISPLAY }, { "dfdraw", OPT_DISPLAY }, { "ncdraw", OPT_DISPLAY },
  { "xnc", OPT_DISPLAY }, { "ync", OPT_DISPLAY }, { "simplot", OPT_DISPLAY },
  { "poimap", OPT_DISPLAY }, { "poivar", OPT_DISPLAY }, { "poiplane", OPT_DISPLAY },
  { "poisgn", OPT_DISPLAY }, { "poistop", OPT_DISPLAY }, { "rangeover", OPT_DISPLAY },
  { "rangestep", OPT_DISPLAY }, { "rangelow", OPT_DISPLAY }, { "rangehigh", OPT_DISPLAY },
  { "rangereset", OPT_DISPLAY }, { "rangeoldic", OPT_DISPLAY }, { "range", OPT_DISPLAY },
  { "newt_tol", OPT_DISPLAY }, { "newt_iter", OPT_DISPLAY }, { "jac_eps", OPT_DISPLAY },
  { "maxstor", OPT_MAXSTOR }, { "vmaxpts", OPT_DISPLAY }, { "delay", OPT_DISPLAY },
  { "storage", OPT_DISPLAY }, { "noout", OPT_DISPLAY }, { "mwcolor", OPT_DISPLAY },
  { "dwcolor", OPT_DISPLAY }, { "forecolor", OPT_DISPLAY }, { "backcolor", OPT_DISPLAY },
  { "but", OPT_DISPLAY }, { "transient", OPT_TRANS }, { "trans", OPT_TRANS },
};

static int
lookup_option (const char *name)
{
  int best = -1;
  gsize best_len = 0;

  for (gsize i = 0; i < G_N_ELEMENTS (option_table); i++)
    {
      gsize len = strlen (option_table[i].name);

      if (g_ascii_strcasecmp (name, option_table[i].name) == 0)
        return (int) i;
      if (g_ascii_strncasecmp (name, option_table[i].name, len) == 0 && len > best_len)
        {
          best = (int) i;
          best_len = len;
        }
    }
  return best;
}

/* XPP chooses the method by the first letter(s) of the value. */
static gboolean
method_from_xpp (const char     *value,
                 CurrentsMethod *method,
                 const char    **unsupported)
{
  char c = g_ascii_tolower (value[0]);

  *unsupported = NULL;
  if (currents_method_from_string (value, method))
    return TRUE;
  if (g_ascii_strncasecmp (value, "rb", 2) == 0)
    {
      *method = CURRENTS_METHOD_BDF;      /* Rosenbrock: stiff */
      return TRUE;
    }
  switch (c)
    {
    case 'r': *method = CURRENTS_METHOD_RK4; return TRUE;
    case 'e': *method = CURRENTS_METHOD_EULER; return TRUE;
    case 'm': *method = CURRENTS_METHOD_MODEULER; return TRUE;
    case 'y': *method = CURRENTS_METHOD_SYMPLECTIC; return TRUE;
    case 'q': *method = CURRENTS_METHOD_RKCK; return TRUE;
    case 'a': case '5': case '8': case 'h':
      *method = CURRENTS_METHOD_RK8PD; return TRUE;
    case 'g': case 's': case 'c': case 'b':
      *method = CURRENTS_METHOD_BDF; return TRUE;
    case 'd':
      *unsupported = "discrete maps (meth=discrete)";
      return FALSE;
    case 'v':
      *unsupported = "Volterra integral equations (meth=volterra)";
      return FALSE;
    default:
      return FALSE;
    }
}

static void
parse_options (Parser *p)
{
  CurrentsModelOptions *o = &p->prog->options;

  for (;;)
    {
      gsize name_at, value_at, q;
      const char *name;
      g_autofree char *value = NULL;
      int idx;
      double num = 0.0;
      gboolean is_num;

      skip_space (p);
      while (p->pos < p->len && (p->s[p->pos] == ',' || p->s[p->pos] == ' ' ||
                                 p->s[p->pos] == '\t'))
        p->pos++;
      if (p->pos >= p->len || p->s[p->pos] == '#')
        return;
      name_at = p->pos;
      q = p->pos;
      while (q < p->len && (is_ident_char (p->s[q])))
        q++;
      if (q == p->pos)
        {
          fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected an option name after '@'");
          return;
        }
      name = intern (p, p->s + p->pos, q - p->pos);
      p->pos = q;
      skip_space (p);
      if (p->pos >= p->len || p->s[p->pos] != '=')
        {
          fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected '=' after the option '%s'", name);
          return;
        }
      p->pos++;
      skip_space (p);
      value_at = p->pos;
      q = p->pos;
      while (q < p->len && p->s[q] != ',' && p->s[q] != ' ' && p->s[q] != '\t')
        q++;
      value = g_strndup (p->s + p->pos, q - p->pos);
      p->pos = q;
      if (*value == '\0')
        {
          fail_at (p, value_at, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected a value for the option '%s'", name);
          return;
        }
      {
        char *end = NULL;
        num = g_ascii_strtod (value, &end);
        is_num = end != value && *end == '\0' && isfinite (num);
      }
      idx = lookup_option (name);
      if (idx < 0 || option_table[idx].kind == OPT_DISPLAY)
        {
          int line, col;
          ll_pos (p->ll, name_at, &line, &col);
          g_ptr_array_add (p->prog->ignored,
                           g_strdup_printf ("%s:%d:%d: ignored @ %s=%s (%s)",
                                            p->prog->filename, line, col, name, value,
                                            idx < 0 ? "not an option Currents knows"
                                                    : "display only"));
          continue;
        }
      switch (option_table[idx].kind)
        {
        case OPT_METH:
          {
            const char *unsupported = NULL;
            if (!method_from_xpp (value, &o->method, &unsupported))
              {
                if (unsupported != NULL)
                  fail_at (p, value_at, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                           "%s are not supported", unsupported);
                else
                  fail_at (p, value_at, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                           "unknown integration method '%s' (expected rungekutta, "
                           "euler, modeuler, qualrk, gear, stiff, cvode, symplectic "
                           "(ymp), rk8pd, rkf45 or bdf)", value);
                return;
              }
            g_free (o->method_name);
            o->method_name = g_strdup (value);
          }
          continue;
        case OPT_XP: case OPT_YP: case OPT_ZP:
          {
            char **slot = option_table[idx].kind == OPT_XP ? &o->xp :
                          option_table[idx].kind == OPT_YP ? &o->yp : &o->zp;
            g_free (*slot);
            *slot = g_strdup (value);
          }
          continue;
        default:
          break;
        }
      if (!is_num)
        {
          fail_at (p, value_at, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected a number for the option '%s', found '%s'", name, value);
          return;
        }
      switch (option_table[idx].kind)
        {
        case OPT_TOTAL: o->total = num; break;
        case OPT_DT: o->dt = num; break;
        case OPT_T0: o->t0 = num; break;
        case OPT_TRANS: o->trans = num; break;
        case OPT_BOUND: o->bound = num; break;
        case OPT_TOL: o->tol = num; break;
        case OPT_ATOL: o->atol = num; break;
        case OPT_DTMIN: o->dtmin = num; break;
        case OPT_DTMAX: o->dtmax = num; break;
        case OPT_NJMP: o->njmp = MAX (1, (int) num); break;
        case OPT_MAXSTOR: o->maxstor = (int) num; break;
        case OPT_XLO: o->xlo = num; o->has_window = TRUE; break;
        case OPT_XHI: o->xhi = num; o->has_window = TRUE; break;
        case OPT_YLO: o->ylo = num; o->has_window = TRUE; break;
        case OPT_YHI: o->yhi = num; o->has_window = TRUE; break;
        default: break;
        }
    }
}

/* learn NAME(ARG, ...) [hidden=W,W,...] [activation=tanh] [seed=N] */
static void
parse_learn (Parser *p)
{
  OdeLearn *l = g_new0 (OdeLearn, 1);
  gsize at;

  g_ptr_array_add (p->prog->learns, l);
  l->hidden = g_array_new (FALSE, FALSE, sizeof (gsize));
  l->activation = CURRENTS_ACTIVATION_TANH;
  l->name = read_name (p, "the learned term's name, as in 'learn mu(S)'", &at);
  if (l->name == NULL)
    return;
  ll_pos (p->ll, at, &l->line, &l->col);
  skip_space (p);
  if (p->pos >= p->len || p->s[p->pos] != '(')
    {
      fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
               "expected '(' and the arguments of '%s', as in 'learn %s(x, y)'",
               l->name, l->name);
      return;
    }
  p->pos++;
  {
    GPtrArray *args = g_ptr_array_new ();
    for (;;)
      {
        const char *arg = read_name (p, "an argument name", NULL);
        if (arg == NULL)
          break;
        g_ptr_array_add (args, (gpointer) arg);
        skip_space (p);
        if (p->pos < p->len && p->s[p->pos] == ',')
          {
            p->pos++;
            continue;
          }
        if (p->pos < p->len && p->s[p->pos] == ')')
          {
            p->pos++;
            break;
          }
        fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                 "expected ',' or ')' in the arguments of '%s'", l->name);
        break;
      }
    l->n_args = (int) args->len;
    l->args = (const char **) g_ptr_array_free (args, FALSE);
  }
  if (p->failed)
    return;
  g_array_append_val (l->hidden, (gsize) { 16 });
  {
    gboolean hidden_set = FALSE;

    for (;;)
      {
        const char *key;
        gsize key_at;

        skip_space (p);
        if (p->pos >= p->len || p->s[p->pos] == '#')
          break;
        key = read_name (p, "hidden=, activation= or seed=", &key_at);
        if (key == NULL)
          return;
        skip_space (p);
        if (p->pos >= p->len || p->s[p->pos] != '=')
          {
            fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                     "expected '=' after '%s'", key);
            return;
          }
        p->pos++;
        skip_space (p);
        if (g_ascii_strcasecmp (key, "hidden") == 0)
          {
            if (!hidden_set)
              g_array_set_size (l->hidden, 0);
            hidden_set = TRUE;
            for (;;)
              {
                gsize q = p->pos;
                guint64 w = 0;

                while (q < p->len && g_ascii_isdigit (p->s[q]))
                  {
                    w = w * 10 + (guint64) (p->s[q] - '0');
                    q++;
                  }
                if (q == p->pos || w == 0 || w > 4096)
                  {
                    fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                             "expected layer widths from 1 to 4096, as in hidden=16,16");
                    return;
                  }
                g_array_append_val (l->hidden, (gsize) { w });
                p->pos = q;
                if (p->pos + 1 < p->len && p->s[p->pos] == ',' &&
                    g_ascii_isdigit (p->s[p->pos + 1]))
                  {
                    p->pos++;
                    continue;
                  }
                break;
              }
          }
        else if (g_ascii_strcasecmp (key, "activation") == 0)
          {
            const char *v = read_name (p, "an activation (tanh, softplus, silu, relu)", NULL);
            if (v == NULL)
              return;
            if (!currents_activation_from_string (v, &l->activation))
              {
                fail_at (p, p->pos - strlen (v), CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                         "unknown activation '%s' (expected tanh, softplus, silu or relu)",
                         v);
                return;
              }
          }
        else if (g_ascii_strcasecmp (key, "seed") == 0)
          {
            gsize q = p->pos;
            guint64 s = 0;
            while (q < p->len && g_ascii_isdigit (p->s[q]))
              s = s * 10 + (guint64) (p->s[q++] - '0');
            if (q == p->pos)
              {
                fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                         "expected a whole number after 'seed='");
                return;
              }
            l->seed = s;
            p->pos = q;
          }
        else
          {
            fail_at (p, key_at, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                     "unknown setting '%s' for a learned term (expected hidden=, "
                     "activation= or seed=)", key);
            return;
          }
        skip_space (p);
        if (p->pos < p->len && p->s[p->pos] == ',')
          p->pos++;
      }
  }
}

/* ------------------------------------------------------------------------------------ */
/* Model families: `hamiltonian`, `reaction`, `rates`, `stoich`, `conserve`            */

/* Reads the value of `key=` (p->pos after '=') when key is one of the network settings
 * hidden=, activation=, seed=. Returns 1 when read, 0 when @key is not one of them, -1 on
 * failure. */
static int
parse_net_setting (Parser             *p,
                   const char         *key,
                   GArray             *hidden,
                   gboolean           *hidden_set,
                   CurrentsActivation *activation,
                   guint64            *seed)
{
  if (g_ascii_strcasecmp (key, "hidden") == 0)
    {
      if (!*hidden_set)
        g_array_set_size (hidden, 0);
      *hidden_set = TRUE;
      for (;;)
        {
          gsize q = p->pos;
          guint64 w = 0;

          while (q < p->len && g_ascii_isdigit (p->s[q]) && w <= 4096)
            w = w * 10 + (guint64) (p->s[q++] - '0');
          if (q == p->pos || w == 0 || w > 4096)
            {
              fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                       "expected layer widths from 1 to 4096, as in hidden=16,16");
              return -1;
            }
          g_array_append_val (hidden, (gsize) { w });
          p->pos = q;
          if (p->pos + 1 < p->len && p->s[p->pos] == ',' && g_ascii_isdigit (p->s[p->pos + 1]))
            {
              p->pos++;
              continue;
            }
          return 1;
        }
    }
  if (g_ascii_strcasecmp (key, "activation") == 0)
    {
      gsize at;
      const char *v = read_name (p, "an activation (tanh, softplus, silu, relu)", &at);

      if (v == NULL)
        return -1;
      if (!currents_activation_from_string (v, activation))
        {
          fail_at (p, at, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "unknown activation '%s' (expected tanh, softplus, silu or relu)", v);
          return -1;
        }
      return 1;
    }
  if (g_ascii_strcasecmp (key, "seed") == 0)
    {
      gsize q = p->pos;
      guint64 s = 0;

      while (q < p->len && g_ascii_isdigit (p->s[q]))
        s = s * 10 + (guint64) (p->s[q++] - '0');
      if (q == p->pos)
        {
          fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected a whole number after 'seed='");
          return -1;
        }
      *seed = s;
      p->pos = q;
      return 1;
    }
  return 0;
}

/* `key=` at p->pos: returns the key (p->pos after '=' and blanks), or NULL at the end of
 * the line (not failed) or on a syntax error (failed). */
static const char *
read_setting_key (Parser     *p,
                  const char *what,
                  gsize      *key_at)
{
  const char *key;

  skip_space (p);
  if (p->pos >= p->len || p->s[p->pos] == '#')
    return NULL;
  key = read_name (p, what, key_at);
  if (key == NULL)
    return NULL;
  skip_space (p);
  if (p->pos >= p->len || p->s[p->pos] != '=')
    {
      fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, "expected '=' after '%s'", key);
      return NULL;
    }
  p->pos++;
  skip_space (p);
  return key;
}

/* a,b,c: signed numbers separated by commas */
static gboolean
read_number_list (Parser     *p,
                  const char *key,
                  GArray     *out)
{
  for (;;)
    {
      double v;

      if (!read_value (p, key, &v))
        return FALSE;
      g_array_append_val (out, v);
      p->pos = p->tok.start + p->tok.len;
      if (p->pos < p->len && p->s[p->pos] == ',')
        {
          p->pos++;
          continue;
        }
      return TRUE;
    }
}

/* a,b,c: names separated by commas */
static gboolean
read_name_list (Parser     *p,
                const char *what,
                GPtrArray  *out)
{
  for (;;)
    {
      const char *name = read_name (p, what, NULL);

      if (name == NULL)
        return FALSE;
      g_ptr_array_add (out, (gpointer) name);
      if (p->pos < p->len && p->s[p->pos] == ',')
        {
          p->pos++;
          continue;
        }
      return TRUE;
    }
}

static void
hamiltonian_free (OdeHamiltonian *h)
{
  if (h == NULL)
    return;
  g_ptr_array_unref (h->names);
  g_array_unref (h->name_line);
  g_array_unref (h->name_col);
  g_array_unref (h->hidden);
  g_array_unref (h->center);
  g_array_unref (h->scale);
  g_free (h);
}

/* hamiltonian q1 q2 | p1 p2 [hidden=…] [activation=tanh|softplus] [seed=N] [damping=D]
 * [center=…] [scale=…] */
static void
parse_hamiltonian (Parser *p,
                   gsize   word_start)
{
  OdeHamiltonian *h;
  gboolean bar = FALSE, hidden_set = FALSE;
  gsize bar_at = 0;

  if (p->prog->hamiltonian != NULL)
    {
      fail_at (p, word_start, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
               "a model has one Hamiltonian (the first is at line %d)",
               p->prog->hamiltonian->line);
      return;
    }
  h = g_new0 (OdeHamiltonian, 1);
  p->prog->hamiltonian = h;
  h->names = g_ptr_array_new ();
  h->name_line = g_array_new (FALSE, FALSE, sizeof (int));
  h->name_col = g_array_new (FALSE, FALSE, sizeof (int));
  h->hidden = g_array_new (FALSE, FALSE, sizeof (gsize));
  h->center = g_array_new (FALSE, FALSE, sizeof (double));
  h->scale = g_array_new (FALSE, FALSE, sizeof (double));
  h->activation = CURRENTS_ACTIVATION_TANH;
  ll_pos (p->ll, word_start, &h->line, &h->col);

  /* the states: names up to the first `key=` */
  for (;;)
    {
      gsize q, at;
      const char *name;
      int line, col;

      skip_space (p);
      if (p->pos >= p->len || p->s[p->pos] == '#')
        break;
      if (p->s[p->pos] == '|')
        {
          if (bar)
            {
              fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                       "a second '|': the coordinates come before one '|', the momenta "
                       "after it");
              return;
            }
          bar = TRUE;
          bar_at = p->pos;
          h->n_coords = h->names->len;
          p->pos++;
          continue;
        }
      q = p->pos;
      while (q < p->len && is_ident_char (p->s[q]))
        q++;
      while (q < p->len && (p->s[q] == ' ' || p->s[q] == '\t'))
        q++;
      if (q < p->len && p->s[q] == '=')
        break;
      name = read_name (p, "a state name, as in 'hamiltonian q | p'", &at);
      if (name == NULL)
        return;
      for (guint i = 0; i < h->names->len; i++)
        if (g_ascii_strcasecmp (g_ptr_array_index (h->names, i), name) == 0)
          {
            fail_at (p, at, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                     "'%s' is named twice in the Hamiltonian's states", name);
            return;
          }
      g_ptr_array_add (h->names, (gpointer) name);
      ll_pos (p->ll, at, &line, &col);
      g_array_append_val (h->name_line, line);
      g_array_append_val (h->name_col, col);
    }
  if (!bar)
    {
      fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
               "expected the coordinates, '|' and the momenta, as in 'hamiltonian q | p'");
      return;
    }
  if (h->n_coords == 0 || h->n_coords * 2 != h->names->len)
    {
      fail_at (p, bar_at, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
               "a Hamiltonian needs as many momenta as coordinates, and at least one: "
               "%" G_GSIZE_FORMAT " coordinate%s before '|', %" G_GSIZE_FORMAT
               " momentum/momenta after it", h->n_coords, h->n_coords == 1 ? "" : "s",
               (gsize) h->names->len - h->n_coords);
      return;
    }
  for (;;)
    {
      gsize key_at;
      const char *key = read_setting_key (p, "hidden=, activation=, seed=, damping=, "
                                          "center= or scale=", &key_at);
      int r;

      if (key == NULL)
        return;
      r = parse_net_setting (p, key, h->hidden, &hidden_set, &h->activation, &h->seed);
      if (r < 0)
        return;
      if (r > 0 && g_ascii_strcasecmp (key, "activation") == 0 &&
          h->activation != CURRENTS_ACTIVATION_TANH &&
          h->activation != CURRENTS_ACTIVATION_SOFTPLUS)
        {
          fail_at (p, p->pos - 1, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                   "the Hamiltonian's field is its gradient, so training needs its second "
                   "derivatives: use activation=tanh or activation=softplus");
          return;
        }
      if (r > 0)
        continue;
      if (g_ascii_strcasecmp (key, "damping") == 0)
        {
          if (!read_value (p, key, &h->damping))
            return;
          p->pos = p->tok.start + p->tok.len;
          if (!(h->damping > 0.0) || !isfinite (h->damping))
            {
              fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                       "damping= is the initial damping of the dissipative Hamiltonian, "
                       "a number > 0");
              return;
            }
          h->dissipative = TRUE;
        }
      else if (g_ascii_strcasecmp (key, "center") == 0)
        {
          g_array_set_size (h->center, 0);
          if (!read_number_list (p, key, h->center))
            return;
        }
      else if (g_ascii_strcasecmp (key, "scale") == 0)
        {
          g_array_set_size (h->scale, 0);
          if (!read_number_list (p, key, h->scale))
            return;
        }
      else
        {
          fail_at (p, key_at, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "unknown setting '%s' for a Hamiltonian (expected hidden=, activation=, "
                   "seed=, damping=, center= or scale=)", key);
          return;
        }
    }
}

static void
reaction_free (gpointer data)
{
  OdeReaction *r = data;

  g_array_unref (r->lhs);
  g_array_unref (r->rhs);
  g_free (r);
}

/* One side of a reaction: `2 A + B`, empty or `0`. Stops before the arrow or at the end. */
static gboolean
parse_reaction_side (Parser *p,
                     GArray *side)
{
  skip_space (p);
  if (p->pos < p->len && p->s[p->pos] == '0' &&
      (p->pos + 1 >= p->len || !g_ascii_isdigit (p->s[p->pos + 1])) &&
      (p->pos + 1 >= p->len || p->s[p->pos + 1] != '.'))
    {
      p->pos++;
      return TRUE;
    }
  for (;;)
    {
      OdeReactant r = { NULL, 1.0, 0, 0 };
      gsize at;

      skip_space (p);
      if (p->pos >= p->len || p->s[p->pos] == '#' || p->s[p->pos] == '-' ||
          p->s[p->pos] == '<' || p->s[p->pos] == '=')
        return TRUE;
      if (g_ascii_isdigit (p->s[p->pos]) || p->s[p->pos] == '.')
        {
          const char *start = p->s + p->pos;
          char *end = NULL;

          r.coef = g_ascii_strtod (start, &end);
          if (end == start || !(r.coef > 0.0) || !isfinite (r.coef))
            {
              fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                       "expected a positive coefficient, as in '2 A'");
              return FALSE;
            }
          p->pos += (gsize) (end - start);
          if (p->pos < p->len && p->s[p->pos] == '*')
            p->pos++;
        }
      r.species = read_name (p, "a species, as in 'S + E -> C'", &at);
      if (r.species == NULL)
        return FALSE;
      ll_pos (p->ll, at, &r.line, &r.col);
      g_array_append_val (side, r);
      skip_space (p);
      if (p->pos < p->len && p->s[p->pos] == '+')
        {
          p->pos++;
          continue;
        }
      return TRUE;
    }
}

/* reaction [NAME:] LHS -> RHS [mass]   or   LHS <-> RHS [mass] */
static void
parse_reaction (Parser *p,
                gsize   word_start)
{
  OdeReaction *r = g_new0 (OdeReaction, 1);
  gsize q;

  g_ptr_array_add (p->prog->reactions, r);
  r->lhs = g_array_new (FALSE, FALSE, sizeof (OdeReactant));
  r->rhs = g_array_new (FALSE, FALSE, sizeof (OdeReactant));
  ll_pos (p->ll, word_start, &r->line, &r->col);
  skip_space (p);
  q = p->pos;
  while (q < p->len && is_ident_char (p->s[q]))
    q++;
  {
    gsize colon = q;
    while (colon < p->len && (p->s[colon] == ' ' || p->s[colon] == '\t'))
      colon++;
    if (q > p->pos && colon < p->len && p->s[colon] == ':')
      {
        gsize at;
        r->name = read_name (p, "the reaction's name", &at);
        ll_pos (p->ll, at, &r->line, &r->col);
        p->pos = colon + 1;
      }
  }
  if (!parse_reaction_side (p, r->lhs))
    return;
  skip_space (p);
  if (p->pos + 2 < p->len && strncmp (p->s + p->pos, "<->", 3) == 0)
    {
      r->reversible = TRUE;
      p->pos += 3;
    }
  else if (p->pos + 1 < p->len && strncmp (p->s + p->pos, "->", 2) == 0)
    p->pos += 2;
  else
    {
      fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
               "expected '->' (irreversible) or '<->' (reversible) between the reactants "
               "and the products, as in 'reaction bind: S + E -> C'");
      return;
    }
  if (!parse_reaction_side (p, r->rhs))
    return;
  for (;;)
    {
      gsize at;
      const char *word;

      skip_space (p);
      if (p->pos >= p->len || p->s[p->pos] == '#')
        break;
      if (p->s[p->pos] == '[')
        p->pos++;
      word = read_name (p, "'mass' or the end of the line", &at);
      if (word == NULL)
        return;
      if (g_ascii_strcasecmp (word, "mass") != 0)
        {
          fail_at (p, at, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "unexpected '%s' after the reaction (expected 'mass' for a mass-action-"
                   "like rate, or the end of the line)", word);
          return;
        }
      r->mass = TRUE;
      if (p->pos < p->len && p->s[p->pos] == ']')
        p->pos++;
    }
  if (r->lhs->len == 0 && r->rhs->len == 0)
    fail_at (p, word_start, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
             "the reaction has neither reactants nor products");
}

static void
rates_free (gpointer data)
{
  OdeRates *r = data;

  g_array_unref (r->hidden);
  g_ptr_array_unref (r->irreversible);
  g_ptr_array_unref (r->mass);
  g_free (r);
}

/* rates [hidden=…] [activation=…] [seed=N]
 * stoich file=PATH [irreversible=R1,R2] [mass=R1] [hidden=…] [activation=…] [seed=N] */
static void
parse_rates (Parser  *p,
             gsize    word_start,
             gboolean stoich)
{
  OdeRates *r = g_new0 (OdeRates, 1);
  gboolean hidden_set = FALSE;

  g_ptr_array_add (p->prog->rates, r);
  r->hidden = g_array_new (FALSE, FALSE, sizeof (gsize));
  r->irreversible = g_ptr_array_new ();
  r->mass = g_ptr_array_new ();
  r->activation = CURRENTS_ACTIVATION_TANH;
  ll_pos (p->ll, word_start, &r->line, &r->col);
  r->last_line = g_array_index (p->ll->lines, int, p->ll->lines->len - 1);
  for (;;)
    {
      gsize key_at;
      const char *key = read_setting_key (p, stoich ? "file=, irreversible=, mass=, hidden=, "
                                          "activation= or seed=" : "hidden=, activation= or "
                                          "seed=", &key_at);
      int k;

      if (key == NULL)
        break;
      k = parse_net_setting (p, key, r->hidden, &hidden_set, &r->activation, &r->seed);
      if (k < 0)
        return;
      if (k > 0)
        continue;
      if (stoich && g_ascii_strcasecmp (key, "file") == 0)
        {
          gsize q = p->pos;

          if (q < p->len && p->s[q] == '"')
            {
              gsize e = q + 1;
              while (e < p->len && p->s[e] != '"')
                e++;
              if (e >= p->len)
                {
                  fail_at (p, q, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                           "expected the closing '\"' of the file name");
                  return;
                }
              r->file = intern (p, p->s + q + 1, e - q - 1);
              p->pos = e + 1;
            }
          else
            {
              while (q < p->len && p->s[q] != ' ' && p->s[q] != '\t' && p->s[q] != '#')
                q++;
              if (q == p->pos)
                {
                  fail_at (p, q, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                           "expected a file name after 'file='");
                  return;
                }
              r->file = intern (p, p->s + p->pos, q - p->pos);
              p->pos = q;
            }
        }
      else if (stoich && g_ascii_strcasecmp (key, "irreversible") == 0)
        {
          if (!read_name_list (p, "a reaction's name (a column of the CSV)", r->irreversible))
            return;
        }
      else if (stoich && g_ascii_strcasecmp (key, "mass") == 0)
        {
          if (!read_name_list (p, "a reaction's name (a column of the CSV)", r->mass))
            return;
        }
      else
        {
          fail_at (p, key_at, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "unknown setting '%s' for %s (expected %s)", key,
                   stoich ? "'stoich'" : "the rate network",
                   stoich ? "file=, irreversible=, mass=, hidden=, activation= or seed="
                          : "hidden=, activation= or seed=");
          return;
        }
    }
  if (!p->failed && stoich && r->file == NULL)
    fail_at (p, word_start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
             "expected the stoichiometric matrix's CSV file, as in 'stoich file=net.csv' "
             "(species as rows, reactions as columns)");
}

/* conserve NAME = expr [weight=λ] */
static void
parse_conserve (Parser *p)
{
  OdeConserve *cq = g_new0 (OdeConserve, 1);
  gsize at, start;

  g_ptr_array_add (p->prog->conserves, cq);
  cq->weight = 1.0;
  cq->name = read_name (p, "the conserved quantity's name, as in 'conserve Etot = E + C'", &at);
  if (cq->name == NULL)
    return;
  ll_pos (p->ll, at, &cq->line, &cq->col);
  skip_space (p);
  if (p->pos >= p->len || p->s[p->pos] != '=')
    {
      fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
               "expected '=' after 'conserve %s', as in 'conserve %s = E + C'", cq->name,
               cq->name);
      return;
    }
  p->pos++;
  next (p);
  start = p->tok.start;
  if (p->tok.kind == TOK_END)
    {
      fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
               "expected an expression of the states after '='");
      return;
    }
  cq->expr = parse_expr (p);
  if (p->failed)
    return;
  {
    g_autofree char *text = g_strstrip (g_strndup (p->s + start, p->tok.start - start));
    cq->text = intern (p, text, strlen (text));
  }
  if (p->tok.kind == TOK_IDENT && p->tok.len == 6 &&
      g_ascii_strncasecmp (p->s + p->tok.start, "weight", 6) == 0)
    {
      p->pos = p->tok.start + 6;
      skip_space (p);
      if (p->pos >= p->len || p->s[p->pos] != '=')
        {
          fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX, "expected '=' after 'weight'");
          return;
        }
      p->pos++;
      if (!read_value (p, "weight", &cq->weight))
        return;
      if (!(cq->weight >= 0.0) || !isfinite (cq->weight))
        {
          fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SEMANTIC,
                   "the penalty weight must be a number ≥ 0");
          return;
        }
      next (p);
    }
  if (p->tok.kind != TOK_END)
    {
      g_autofree char *found = tok_text (p);
      fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
               "expected an operator, weight= or the end of the line, found %s", found);
    }
}

static const struct { const char *prefix; const char *what; } refused_commands[] = {
  { "ta", "tables ('table')" },
  { "w", "Wiener processes ('wiener')" },
  { "g", "global events ('global')" },
  { "ma", "Markov processes ('markov')" },
  { "b", "boundary conditions ('bdry')" },
  { "se", "parameter sets ('set')" },
  { "sp", "special functions ('special')" },
  { "so", "algebraic solutions ('solv')" },
  { "v", "Volterra equations ('volterra')" },
  { "ex", "external C code ('export')" },
  { "on", "output restrictions ('only')" },
};

/* Statement dispatch for one logical line. Returns FALSE at `done`. */
static gboolean
parse_statement (Parser *p)
{
  const char *s = p->s;
  gsize word_start, word_end;
  char c;

  skip_space (p);
  if (p->pos >= p->len || s[p->pos] == '#')
    return TRUE;
  c = s[p->pos];
  if (c == '"')
    {
      int line, col;
      ll_pos (p->ll, p->pos, &line, &col);
      g_ptr_array_add (p->prog->ignored,
                       g_strdup_printf ("%s:%d:%d: ignored tutorial text", p->prog->filename,
                                        line, col));
      return TRUE;
    }
  if (c == '@')
    {
      p->pos++;
      parse_options (p);
      return TRUE;
    }
  if (c == '!')
    {
      gsize at;
      const char *name;
      OdeDecl *d;

      p->pos++;
      name = read_name (p, "a name after '!', as in '!b=2*a'", &at);
      if (name == NULL)
        return TRUE;
      skip_space (p);
      if (p->pos >= p->len || s[p->pos] != '=')
        {
          fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected '=' after '!%s'", name);
          return TRUE;
        }
      p->pos++;
      d = decl_new (p, p->prog->derived, name, at);
      d->expr = parse_rhs (p);
      return TRUE;
    }
  if (c == '0' && p->pos + 1 < p->len)
    {
      gsize q = p->pos + 1;
      while (q < p->len && (s[q] == ' ' || s[q] == '\t'))
        q++;
      if (q < p->len && s[q] == '=')
        {
          fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   "algebraic equations (0=...) are not supported");
          return TRUE;
        }
    }
  if (!is_ident_start (c))
    {
      fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
               "expected a statement (x'=..., dx/dt=..., par, init, aux, @, done), "
               "found '%.*s'", (int) MIN ((gsize) g_utf8_skip[(guchar) c], p->len - p->pos),
               s + p->pos);
      return TRUE;
    }
  word_start = p->pos;
  word_end = p->pos;
  while (word_end < p->len && is_ident_char (s[word_end]))
    word_end++;
  p->pos = word_end;

  if (word_end < p->len && s[word_end] == '[')
    {
      fail_at (p, word_end, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
               "arrays (name[i..j]) are not supported");
      return TRUE;
    }

  /* x' = expr */
  if (word_end < p->len && s[word_end] == '\'')
    {
      OdeDecl *d = decl_new (p, p->prog->equations,
                             intern (p, s + word_start, word_end - word_start), word_start);
      p->pos = word_end + 1;
      skip_space (p);
      if (p->pos >= p->len || s[p->pos] != '=')
        {
          fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected '=' after %.*s'", (int) (word_end - word_start),
                   s + word_start);
          return TRUE;
        }
      p->pos++;
      d->expr = parse_rhs (p);
      return TRUE;
    }

  /* dx/dt = expr */
  if (word_end < p->len && s[word_end] == '/')
    {
      gsize q = word_end + 1;
      OdeDecl *d;

      if (g_ascii_tolower (s[word_start]) != 'd' || word_end - word_start < 2 ||
          q + 1 >= p->len || g_ascii_tolower (s[q]) != 'd' || g_ascii_tolower (s[q + 1]) != 't' ||
          (q + 2 < p->len && is_ident_char (s[q + 2])))
        {
          fail_at (p, word_start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected an equation of the form dx/dt = ...");
          return TRUE;
        }
      d = decl_new (p, p->prog->equations,
                    intern (p, s + word_start + 1, word_end - word_start - 1),
                    word_start + 1);
      p->pos = q + 2;
      skip_space (p);
      if (p->pos >= p->len || s[p->pos] != '=')
        {
          fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected '=' after d%s/dt", d->name);
          return TRUE;
        }
      p->pos++;
      d->expr = parse_rhs (p);
      return TRUE;
    }

  /* x(0) = value, or a function f(a, b) = expr */
  if (word_end < p->len && s[word_end] == '(')
    {
      const char *name = intern (p, s + word_start, word_end - word_start);
      gsize close = word_end + 1;
      g_autofree char *inside = NULL;

      while (close < p->len && s[close] != ')')
        close++;
      if (close >= p->len)
        {
          fail_at (p, word_end, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "expected ')' closing '%s('", name);
          return TRUE;
        }
      inside = g_strstrip (g_strndup (s + word_end + 1, close - word_end - 1));
      if (g_ascii_strcasecmp (inside, "t+1") == 0 ||
          (g_ascii_strcasecmp (inside, "t") == 0 &&
           (strstr (s + close, "int{") != NULL || strstr (s + close, "int[") != NULL)))
        {
          fail_at (p, word_start, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   g_ascii_strcasecmp (inside, "t") == 0
                   ? "Volterra integral equations (%s(t)=...) are not supported"
                   : "maps (%s(t+1)=...) are not supported", name);
          return TRUE;
        }
      if (strcmp (inside, "0") == 0)
        {
          OdeDecl *d = decl_new (p, p->prog->inits, name, word_start);
          p->pos = close + 1;
          skip_space (p);
          if (p->pos >= p->len || s[p->pos] != '=')
            {
              fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                       "expected '=' after %s(0)", name);
              return TRUE;
            }
          p->pos++;
          if (read_value (p, name, &d->value))
            {
              d->has_value = TRUE;
              next (p);
              if (p->tok.kind != TOK_END)
                fail_at (p, p->tok.start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                         "expected the end of the line after %s(0)=value", name);
            }
          return TRUE;
        }
      {
        OdeFunc *fn = g_new0 (OdeFunc, 1);
        GPtrArray *params = g_ptr_array_new ();

        g_ptr_array_add (p->prog->funcs, fn);
        fn->name = name;
        ll_pos (p->ll, word_start, &fn->line, &fn->col);
        p->pos = word_end + 1;
        skip_space (p);
        if (p->pos < p->len && s[p->pos] == ')')
          p->pos++;
        else
          for (;;)
            {
              const char *arg = read_name (p, "an argument name", NULL);
              if (arg == NULL)
                break;
              g_ptr_array_add (params, (gpointer) arg);
              skip_space (p);
              if (p->pos < p->len && s[p->pos] == ',')
                {
                  p->pos++;
                  continue;
                }
              if (p->pos < p->len && s[p->pos] == ')')
                {
                  p->pos++;
                  break;
                }
              fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                       "expected ',' or ')' in the arguments of '%s'", name);
              break;
            }
        fn->n_params = (int) params->len;
        fn->params = (const char **) g_ptr_array_free (params, FALSE);
        if (p->failed)
          return TRUE;
        skip_space (p);
        if (p->pos >= p->len || s[p->pos] != '=')
          {
            fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                     "expected '=' after %s(...)", name);
            return TRUE;
          }
        p->pos++;
        fn->body = parse_rhs (p);
      }
      return TRUE;
    }

  /* name = expr: a fixed quantity (also with blanks before '=') */
  skip_space (p);
  if (p->pos < p->len && s[p->pos] == '=')
    {
      OdeDecl *d = decl_new (p, p->prog->fixed,
                             intern (p, s + word_start, word_end - word_start), word_start);
      p->pos++;
      d->expr = parse_rhs (p);
      return TRUE;
    }

  /* A command word. */
  {
    g_autofree char *word = g_ascii_strdown (s + word_start, word_end - word_start);

    if (p->pos >= p->len || s[p->pos] == '#')
      {
        if (word[0] == 'd')
          return FALSE;
      }
    if (strcmp (word, "input") == 0 || strcmp (word, "inputs") == 0)
      {
        parse_value_list (p, p->prog->inputs, word, FALSE);
        return TRUE;
      }
    if (strcmp (word, "learn") == 0)
      {
        parse_learn (p);
        return TRUE;
      }
    if (strcmp (word, "hamiltonian") == 0)
      {
        parse_hamiltonian (p, word_start);
        return TRUE;
      }
    if (strcmp (word, "reaction") == 0)
      {
        parse_reaction (p, word_start);
        return TRUE;
      }
    if (strcmp (word, "rates") == 0 || strcmp (word, "stoich") == 0)
      {
        parse_rates (p, word_start, strcmp (word, "stoich") == 0);
        return TRUE;
      }
    if (strcmp (word, "species") == 0)
      {
        parse_value_list (p, p->prog->species, word, FALSE);
        return TRUE;
      }
    if (strcmp (word, "conserve") == 0)
      {
        parse_conserve (p);
        return TRUE;
      }
    if (word[0] == 'p')
      {
        parse_value_list (p, p->prog->params, word, FALSE);
        return TRUE;
      }
    if (word[0] == 'i')
      {
        parse_value_list (p, p->prog->inits, word, FALSE);
        return TRUE;
      }
    if (word[0] == 'n')
      {
        parse_value_list (p, p->prog->numbers, word, TRUE);
        return TRUE;
      }
    if (g_str_has_prefix (word, "au"))
      {
        gsize at;
        const char *name = read_name (p, "a name after 'aux'", &at);
        OdeDecl *d;

        if (name == NULL)
          return TRUE;
        skip_space (p);
        if (p->pos >= p->len || s[p->pos] != '=')
          {
            fail_at (p, p->pos, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                     "expected '=' after 'aux %s'", name);
            return TRUE;
          }
        p->pos++;
        d = decl_new (p, p->prog->aux, name, at);
        d->expr = parse_rhs (p);
        return TRUE;
      }
    for (gsize i = 0; i < G_N_ELEMENTS (refused_commands); i++)
      if (g_str_has_prefix (word, refused_commands[i].prefix))
        {
          fail_at (p, word_start, CURRENTS_ENGINE_ERROR_UNSUPPORTED,
                   "%s are not supported by Currents", refused_commands[i].what);
          return TRUE;
        }
    fail_at (p, word_start, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
             "unknown statement '%s' (expected x'=..., dx/dt=..., par, init, number, "
             "aux, input, learn, hamiltonian, reaction, rates, stoich, conserve, a function "
             "f(x)=..., name=..., @ or done)", word);
    return TRUE;
  }
}

static void
options_init (CurrentsModelOptions *o)
{
  memset (o, 0, sizeof *o);
  o->total = 20.0;
  o->dt = 0.05;
  o->t0 = 0.0;
  o->trans = 0.0;
  o->bound = 100.0;
  o->tol = 1e-3;
  o->atol = 1e-3;
  o->dtmin = 1e-12;
  o->dtmax = 1.0;
  o->njmp = 1;
  o->maxstor = 5000;
  o->method = CURRENTS_METHOD_RK4;
  o->xlo = 0.0;
  o->xhi = 20.0;
  o->ylo = -1.0;
  o->yhi = 1.0;
}

static void
decl_free (gpointer d)
{
  g_free (d);
}

static void
func_free (gpointer data)
{
  OdeFunc *f = data;
  g_free (f->params);
  g_free (f);
}

static void
learn_free (gpointer data)
{
  OdeLearn *l = data;
  g_free (l->args);
  g_array_unref (l->hidden);
  g_free (l);
}

static void
node_free (gpointer data)
{
  Ast *a = data;
  g_free (a->args);
  g_free (a);
}

void
_currents_ode_program_free (OdeProgram *prog)
{
  if (prog == NULL)
    return;
  g_ptr_array_unref (prog->nodes);
  g_ptr_array_unref (prog->equations);
  g_ptr_array_unref (prog->fixed);
  g_ptr_array_unref (prog->derived);
  g_ptr_array_unref (prog->aux);
  g_ptr_array_unref (prog->params);
  g_ptr_array_unref (prog->inits);
  g_ptr_array_unref (prog->numbers);
  g_ptr_array_unref (prog->inputs);
  g_ptr_array_unref (prog->funcs);
  g_ptr_array_unref (prog->learns);
  g_ptr_array_unref (prog->ignored);
  hamiltonian_free (prog->hamiltonian);
  g_ptr_array_unref (prog->reactions);
  g_ptr_array_unref (prog->rates);
  g_ptr_array_unref (prog->conserves);
  g_ptr_array_unref (prog->species);
  g_free (prog->options.method_name);
  g_free (prog->options.xp);
  g_free (prog->options.yp);
  g_free (prog->options.zp);
  g_string_chunk_free (prog->strings);
  g_free (prog);
}

OdeProgram *
_currents_ode_parse (const char  *source,
                     const char  *filename,
                     GError     **error)
{
  g_autoptr(OdeProgram) prog = g_new0 (OdeProgram, 1);
  LogicalLine ll;
  const char *c = source;
  int line = 1;
  gboolean done = FALSE;
  Parser p = { 0 };

  prog->strings = g_string_chunk_new (1024);
  prog->filename = g_string_chunk_insert (prog->strings, filename ? filename : "<model>");
  prog->nodes = g_ptr_array_new_with_free_func (node_free);
  prog->equations = g_ptr_array_new_with_free_func (decl_free);
  prog->fixed = g_ptr_array_new_with_free_func (decl_free);
  prog->derived = g_ptr_array_new_with_free_func (decl_free);
  prog->aux = g_ptr_array_new_with_free_func (decl_free);
  prog->params = g_ptr_array_new_with_free_func (decl_free);
  prog->inits = g_ptr_array_new_with_free_func (decl_free);
  prog->numbers = g_ptr_array_new_with_free_func (decl_free);
  prog->inputs = g_ptr_array_new_with_free_func (decl_free);
  prog->funcs = g_ptr_array_new_with_free_func (func_free);
  prog->learns = g_ptr_array_new_with_free_func (learn_free);
  prog->ignored = g_ptr_array_new_with_free_func (g_free);
  prog->reactions = g_ptr_array_new_with_free_func (reaction_free);
  prog->rates = g_ptr_array_new_with_free_func (rates_free);
  prog->conserves = g_ptr_array_new_with_free_func (g_free);
  prog->species = g_ptr_array_new_with_free_func (decl_free);
  options_init (&prog->options);

  if (!g_utf8_validate (source, -1, NULL))
    {
      const char *end;
      int bad_line = 1;
      g_utf8_validate (source, -1, &end);
      for (const char *q = source; q < end; q++)
        if (*q == '\n')
          bad_line++;
      g_set_error (error, CURRENTS_ENGINE_ERROR, CURRENTS_ENGINE_ERROR_MODEL_SYNTAX,
                   "%s:%d: the file is not valid UTF-8 text", prog->filename, bad_line);
      return NULL;
    }
  if (g_str_has_prefix (c, "\xEF\xBB\xBF"))
    c += 3;

  ll.text = g_string_new (NULL);
  ll.lines = g_array_new (FALSE, FALSE, sizeof (int));
  ll.cols = g_array_new (FALSE, FALSE, sizeof (int));
  p.prog = prog;
  p.ll = &ll;
  p.error = error;

  while (*c != '\0' && !done && !p.failed)
    {
      /* Gather one logical line: physical lines joined where they end in '\'. */
      g_string_truncate (ll.text, 0);
      g_array_set_size (ll.lines, 0);
      g_array_set_size (ll.cols, 0);
      for (;;)
        {
          const char *eol = c;
          const char *end;
          int col = 1;

          while (*eol != '\0' && *eol != '\n')
            eol++;
          end = eol;
          if (end > c && end[-1] == '\r')
            end--;
          {
            const char *q = end;
            gboolean cont = FALSE;

            while (q > c && (q[-1] == ' ' || q[-1] == '\t'))
              q--;
            if (q > c && q[-1] == '\\' && c[0] != '#')
              {
                cont = TRUE;
                end = q - 1;
              }
            for (const char *r = c; r < end; r++)
              {
                g_string_append_c (ll.text, *r == '\t' ? ' ' : *r);
                g_array_append_val (ll.lines, line);
                g_array_append_val (ll.cols, col);
                col++;
              }
            c = *eol == '\n' ? eol + 1 : eol;
            line++;
            if (!cont || *c == '\0')
              break;
          }
        }
      p.s = ll.text->str;
      p.len = ll.text->len;
      p.pos = 0;
      if (!parse_statement (&p))
        done = TRUE;
    }

  g_string_free (ll.text, TRUE);
  g_array_unref (ll.lines);
  g_array_unref (ll.cols);
  if (p.failed)
    return NULL;
  return g_steal_pointer (&prog);
}
