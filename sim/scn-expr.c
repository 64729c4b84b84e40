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
 */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

static struct scn_expr *node(enum scn_expr_kind k, int col)
{
    struct scn_expr *e = calloc(1, sizeof(*e));

    if (!e)
        abort();
    e->kind = k;
    e->col = col;
    return e;
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

static struct scn_expr *parse_binary(const struct scn_line *l, int *pos, int min_prec,
                                     const struct scn_vars *vars, struct scn_error *err);

static int find_var(const struct scn_vars *vars, const char *name)
{
    for (int i = vars ? vars->n - 1 : -1; i >= 0; i--)
        if (strcmp(vars->name[i], name) == 0)
            return i;
    return -1;
}

static struct scn_expr *parse_call(const struct scn_line *l, int *pos, const struct scn_vars *vars,
                                   struct scn_error *err)
{
    const struct scn_token *t = &l->tok[*pos];
    struct scn_expr *e;
    int want, fn = scn_builtin_lookup(t->text, &want);

    if (fn < 0) {
        scn_errorf(err, l->file, l->lineno, t->col, "unknown function '%s'", t->text);
        return NULL;
    }
    e = node(EX_CALL, t->col);
    e->fn = fn;
    snprintf(e->name, sizeof(e->name), "%s", t->text);
    *pos += 2;   /* name ( */
    if (!(l->tok[*pos].kind == TK_OP && strcmp(l->tok[*pos].text, ")") == 0)) {
        for (;;) {
            struct scn_expr *a;

            if (e->nargs == 4) {
                scn_errorf(err, l->file, l->lineno, l->tok[*pos].col, "too many arguments");
                scn_expr_free(e);
                return NULL;
            }
            a = parse_binary(l, pos, 1, vars, err);
            if (!a) {
                scn_expr_free(e);
                return NULL;
            }
            e->arg[e->nargs++] = a;
            if (l->tok[*pos].kind == TK_OP && strcmp(l->tok[*pos].text, ",") == 0) {
                (*pos)++;
                continue;
            }
            break;
        }
    }
    if (!(l->tok[*pos].kind == TK_OP && strcmp(l->tok[*pos].text, ")") == 0)) {
        scn_errorf(err, l->file, l->lineno, l->tok[*pos].col,
                   "expected ',' or ')' in call of %s, found '%s'", e->name, describe(&l->tok[*pos]));
        scn_expr_free(e);
        return NULL;
    }
    (*pos)++;
    if (e->nargs != want) {
        scn_errorf(err, l->file, l->lineno, e->col, "%s() takes %d argument%s, %d given",
                   e->name, want, want == 1 ? "" : "s", e->nargs);
        scn_expr_free(e);
        return NULL;
    }
    return e;
}

static struct scn_expr *parse_primary(const struct scn_line *l, int *pos,
                                      const struct scn_vars *vars, struct scn_error *err)
{
    const struct scn_token *t = &l->tok[*pos];
    struct scn_expr *e;

    switch (t->kind) {
    case TK_NUM:
        e = node(EX_NUM, t->col);
        e->num = t->num;
        (*pos)++;
        return e;
    case TK_IDENT: {
        int var;
        uint64_t val;

        if (l->tok[*pos + 1].kind == TK_OP && strcmp(l->tok[*pos + 1].text, "(") == 0)
            return parse_call(l, pos, vars, err);
        var = find_var(vars, t->text);
        if (var >= 0) {
            e = node(EX_VAR, t->col);
            e->var = var;
        } else if (scn_const_lookup(t->text, &val)) {
            e = node(EX_CONST, t->col);
            e->num = val;
        } else {
            scn_errorf(err, l->file, l->lineno, t->col, "unknown name '%s'", t->text);
            return NULL;
        }
        snprintf(e->name, sizeof(e->name), "%s", t->text);
        (*pos)++;
        return e;
    }
    case TK_OP:
        if (strcmp(t->text, "(") == 0) {
            (*pos)++;
            e = parse_binary(l, pos, 1, vars, err);
            if (!e)
                return NULL;
            if (!(l->tok[*pos].kind == TK_OP && strcmp(l->tok[*pos].text, ")") == 0)) {
                scn_errorf(err, l->file, l->lineno, l->tok[*pos].col, "expected ')', found '%s'",
                           describe(&l->tok[*pos]));
                scn_expr_free(e);
                return NULL;
            }
            (*pos)++;
            return e;
        }
        if (strcmp(t->text, "-") == 0 || strcmp(t->text, "~") == 0 || strcmp(t->text, "!") == 0) {
            struct scn_expr *a;

            (*pos)++;
            a = parse_primary(l, pos, vars, err);
            if (!a)
                return NULL;
            e = node(EX_UNARY, t->col);
            memcpy(e->op, t->text, 3);
            e->arg[0] = a;
            e->nargs = 1;
            return e;
        }
        break;
    default:
        break;
    }
    scn_errorf(err, l->file, l->lineno, t->col, "expected an expression, found '%s'", describe(t));
    return NULL;
}

static struct scn_expr *parse_binary(const struct scn_line *l, int *pos, int min_prec,
                                     const struct scn_vars *vars, struct scn_error *err)
{
    struct scn_expr *lhs = parse_primary(l, pos, vars, err);

    while (lhs) {
        const struct scn_token *t = &l->tok[*pos];
        int prec = binop_prec(t);
        struct scn_expr *rhs, *e;

        if (prec == 0 || prec < min_prec)
            break;
        (*pos)++;
        rhs = parse_binary(l, pos, prec + 1, vars, err);
        if (!rhs) {
            scn_expr_free(lhs);
            return NULL;
        }
        e = node(EX_BINARY, t->col);
        memcpy(e->op, t->text, 3);
        e->arg[0] = lhs;
        e->arg[1] = rhs;
        e->nargs = 2;
        lhs = e;
    }
    return lhs;
}

struct scn_expr *scn_parse_expr(const struct scn_line *l, int *pos, const struct scn_vars *vars,
                                struct scn_error *err)
{
    return parse_binary(l, pos, 1, vars, err);
}
