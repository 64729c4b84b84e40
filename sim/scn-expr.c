/*
 * sim/scn-expr.c - parsing scenario expressions.
 *
 * C-like integer expressions over 64-bit unsigned values, with C's
 * precedence: || && | ^ & (== !=) (< <= > >=) (<< >>) (+ -) (* / %),
 * unary - ~ !, parentheses, numbers, names and builtin calls name(args).
 * A name is a variable (defined by an earlier `let`), a symbolic constant
 * (scn-names.c: PTE flags, Xen's constants, errno names, dN) or, followed
 * by '(', a builtin function.  Unknown names are parse errors, so a typo is
 * reported before anything runs.  An expression ends at the first token
 * that cannot continue it (a new key=, a word, a comma, the end of line).
 *
 * Limits, so that no input exhausts the stack of the parser, the evaluator
 * or scn_expr_free (all three recurse): parentheses, unary operators, call
 * arguments and right operands nest at most SCN_EXPR_MAX_DEPTH deep while
 * parsing, and no expression tree is deeper than SCN_EXPR_MAX_DEPTH (a
 * chain `1+1+...+1` builds a left-deep tree without nesting).
 */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One expression being parsed: the line, the cursor, and how deep we are. */
struct parser {
    const struct scn_line *l;
    int *pos;
    const struct scn_vars *vars;
    struct scn_error *err;
    int nesting;
};

static const struct { const char *op; int prec; } binops[] = {
    { "||", 1 }, { "&&", 2 }, { "|", 3 }, { "^", 4 }, { "&", 5 },
    { "==", 6 }, { "!=", 6 }, { "<", 7 }, { "<=", 7 }, { ">", 7 }, { ">=", 7 },
    { "<<", 8 }, { ">>", 8 }, { "+", 9 }, { "-", 9 }, { "*", 10 }, { "/", 10 }, { "%", 10 },
};

static int binop_prec(const struct scn_token *t)
{
    if (t->kind != TK_OP)
        return 0;
    for (size_t i = 0; i < sizeof(binops) / sizeof(binops[0]); i++)
        if (strcmp(t->text, binops[i].op) == 0)
            return binops[i].prec;
    return 0;
}

static const struct scn_token *tok(const struct parser *p)
{
    return &p->l->tok[*p->pos];
}

static bool tok_is(const struct parser *p, const char *op)
{
    return tok(p)->kind == TK_OP && strcmp(tok(p)->text, op) == 0;
}

static struct scn_expr *node(enum scn_expr_kind k, int col)
{
    struct scn_expr *e = calloc(1, sizeof(*e));

    if (!e)
        abort();
    e->kind = k;
    e->col = col;
    e->depth = 1;
    return e;
}

/*
 * Attach child i to e and update e's depth; false (and an error at e's
 * column) when the tree would get deeper than SCN_EXPR_MAX_DEPTH.  The
 * child belongs to e either way.
 */
static bool attach(struct parser *p, struct scn_expr *e, int i, struct scn_expr *child)
{
    e->arg[i] = child;
    if (e->nargs < i + 1)
        e->nargs = i + 1;
    if (child->depth + 1 > e->depth)
        e->depth = child->depth + 1;
    if (e->depth <= SCN_EXPR_MAX_DEPTH)
        return true;
    scn_errorf(p->err, p->l->file, p->l->lineno, e->col,
               "expression too deep: more than %d levels of operators", SCN_EXPR_MAX_DEPTH);
    return false;
}

void scn_expr_free(struct scn_expr *e)
{
    if (!e)
        return;
    for (int i = 0; i < e->nargs; i++)
        scn_expr_free(e->arg[i]);
    free(e);
}

static const char *describe(const struct scn_token *t)
{
    switch (t->kind) {
    case TK_END: return "end of line";
    default:     return t->text;
    }
}

static struct scn_expr *parse_binary(struct parser *p, int min_prec);

/* Enter one more level of nesting at the current token; false with an error past the limit. */
static bool enter(struct parser *p)
{
    if (p->nesting < SCN_EXPR_MAX_DEPTH) {
        p->nesting++;
        return true;
    }
    scn_errorf(p->err, p->l->file, p->l->lineno, tok(p)->col,
               "expression nested too deeply: more than %d levels of parentheses, "
               "unary operators or calls", SCN_EXPR_MAX_DEPTH);
    return false;
}

static int find_var(const struct scn_vars *vars, const char *name)
{
    for (int i = vars ? vars->n - 1 : -1; i >= 0; i--)
        if (strcmp(vars->name[i], name) == 0)
            return i;
    return -1;
}

/* name ( [expr { , expr }] ): the builtin must exist and get its number of arguments. */
static struct scn_expr *parse_call(struct parser *p)
{
    const struct scn_token *t = tok(p);
    struct scn_expr *e;
    int want, fn = scn_builtin_lookup(t->text, &want);

    if (fn < 0) {
        scn_errorf(p->err, p->l->file, p->l->lineno, t->col, "unknown function '%s'", t->text);
        return NULL;
    }
    e = node(EX_CALL, t->col);
    e->fn = fn;
    snprintf(e->name, sizeof(e->name), "%s", t->text);
    *p->pos += 2;   /* name ( */
    while (!tok_is(p, ")")) {
        struct scn_expr *a;

        if (e->nargs == 4) {
            scn_errorf(p->err, p->l->file, p->l->lineno, tok(p)->col, "too many arguments");
            goto fail;
        }
        a = parse_binary(p, 1);
        if (!a || !attach(p, e, e->nargs, a))
            goto fail;
        if (!tok_is(p, ","))
            break;
        (*p->pos)++;
    }
    if (!tok_is(p, ")")) {
        scn_errorf(p->err, p->l->file, p->l->lineno, tok(p)->col,
                   "expected ',' or ')' in call of %s, found '%s'", e->name, describe(tok(p)));
        goto fail;
    }
    (*p->pos)++;
    if (e->nargs != want) {
        scn_errorf(p->err, p->l->file, p->l->lineno, e->col, "%s() takes %d argument%s, %d given",
                   e->name, want, want == 1 ? "" : "s", e->nargs);
        goto fail;
    }
    return e;
fail:
    scn_expr_free(e);
    return NULL;
}

static struct scn_expr *parse_primary(struct parser *p);

/* A parenthesised expression or a unary operator and its operand (one nesting level). */
static struct scn_expr *parse_nested(struct parser *p)
{
    const struct scn_token *t = tok(p);
    struct scn_expr *e, *a;

    if (!enter(p))
        return NULL;
    (*p->pos)++;
    if (strcmp(t->text, "(") == 0) {
        e = parse_binary(p, 1);
        if (e && !tok_is(p, ")")) {
            scn_errorf(p->err, p->l->file, p->l->lineno, tok(p)->col, "expected ')', found '%s'",
                       describe(tok(p)));
            scn_expr_free(e);
            e = NULL;
        }
        if (e)
            (*p->pos)++;
    } else {
        e = NULL;
        a = parse_primary(p);
        if (a) {
            e = node(EX_UNARY, t->col);
            memcpy(e->op, t->text, 3);
            if (!attach(p, e, 0, a)) {
                scn_expr_free(e);
                e = NULL;
            }
        }
    }
    p->nesting--;
    return e;
}

static struct scn_expr *parse_primary(struct parser *p)
{
    const struct scn_token *t = tok(p);
    struct scn_expr *e;
    uint64_t val;
    int var;

    switch (t->kind) {
    case TK_NUM:
        e = node(EX_NUM, t->col);
        e->num = t->num;
        (*p->pos)++;
        return e;
    case TK_IDENT:
        if (p->l->tok[*p->pos + 1].kind == TK_OP && strcmp(p->l->tok[*p->pos + 1].text, "(") == 0) {
            if (!enter(p))
                return NULL;
            e = parse_call(p);
            p->nesting--;
            return e;
        }
        var = find_var(p->vars, t->text);
        if (var >= 0) {
            e = node(EX_VAR, t->col);
            e->var = var;
        } else if (scn_const_lookup(t->text, &val)) {
            e = node(EX_CONST, t->col);
            e->num = val;
        } else {
            scn_errorf(p->err, p->l->file, p->l->lineno, t->col, "unknown name '%s'", t->text);
            return NULL;
        }
        snprintf(e->name, sizeof(e->name), "%s", t->text);
        (*p->pos)++;
        return e;
    case TK_OP:
        if (strcmp(t->text, "(") == 0 || strcmp(t->text, "-") == 0 ||
            strcmp(t->text, "~") == 0 || strcmp(t->text, "!") == 0)
            return parse_nested(p);
        break;
    default:
        break;
    }
    scn_errorf(p->err, p->l->file, p->l->lineno, t->col, "expected an expression, found '%s'",
               describe(t));
    return NULL;
}

/*
 * Precedence climbing: operators of the same precedence loop (a left-deep
 * tree), a higher-precedence right operand recurses (one nesting level).
 */
static struct scn_expr *parse_binary(struct parser *p, int min_prec)
{
    struct scn_expr *lhs = parse_primary(p);

    while (lhs) {
        const struct scn_token *t = tok(p);
        int prec = binop_prec(t);
        struct scn_expr *rhs, *e;

        if (prec == 0 || prec < min_prec)
            break;
        (*p->pos)++;
        if (!enter(p)) {
            scn_expr_free(lhs);
            return NULL;
        }
        rhs = parse_binary(p, prec + 1);
        p->nesting--;
        if (!rhs) {
            scn_expr_free(lhs);
            return NULL;
        }
        e = node(EX_BINARY, t->col);
        memcpy(e->op, t->text, 3);
        if (!attach(p, e, 0, lhs) || !attach(p, e, 1, rhs)) {
            if (!e->arg[1])
                scn_expr_free(rhs);
            scn_expr_free(e);
            return NULL;
        }
        lhs = e;
    }
    return lhs;
}

struct scn_expr *scn_parse_expr(const struct scn_line *l, int *pos, const struct scn_vars *vars,
                                struct scn_error *err)
{
    struct parser p = { .l = l, .pos = pos, .vars = vars, .err = err };

    return parse_binary(&p, 1);
}
