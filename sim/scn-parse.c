/*
 * sim/scn-parse.c - reading a scenario file into statements.
 *
 * Each line is tokenized and its first word decides the statement: `let`,
 * `assert`, `expect`, `say` (raw text) and `expect reason` (raw rule
 * name) are handled here; every other statement is checked against its
 * spec in scn-args.c.  Errors stop the parse with file:line:col, so a
 * malformed file never starts running.  `machine` must come first and
 * `expect` must follow an operation.
 */
#include "scenario.h"
#include "replay.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvmm/reason.h>

static bool is_op(const struct scn_token *t, const char *op)
{
    return t->kind == TK_OP && strcmp(t->text, op) == 0;
}

static bool is_var(const struct scn_vars *vars, const char *name, int *idx)
{
    for (int i = vars->n - 1; i >= 0; i--)
        if (strcmp(vars->name[i], name) == 0) {
            *idx = i;
            return true;
        }
    return false;
}

static bool parse_expect(const struct scn_line *l, struct scn_stmt *st,
                         const struct scn_vars *vars, struct scn_error *err)
{
    static const struct { const char *w; enum scn_expect_kind k; int takes; } forms[] = {
        { "ok", EXP_OK, 0 }, { "gp", EXP_GP, 0 }, { "crash", EXP_CRASH, 0 },
        { "ptwr", EXP_PTWR, 0 }, { "preempted", EXP_PREEMPTED, 0 },
        { "fault", EXP_FAULT, 1 }, { "value", EXP_VALUE, 2 }, { "done", EXP_DONE, 2 },
        { "status", EXP_STATUS, 2 },
    };
    const struct scn_token *t = &l->tok[1];
    int pos = 1;

    if (t->kind == TK_END) {
        scn_errorf(err, l->file, l->lineno, t->col,
                   "expect what? (ok, -EINVAL, fault, reason ...)");
        return false;
    }
    st->expect = EXP_RC;
    if (t->kind == TK_IDENT)
        for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
            if (!strcmp(t->text, forms[i].w)) {
                st->expect = forms[i].k;
                pos = 2;
                if (forms[i].takes == 0 || (forms[i].takes == 1 && l->tok[2].kind == TK_END))
                    goto end;
                break;
            }
    st->value = scn_parse_expr(l, &pos, vars, err);
    if (!st->value)
        return false;
end:
    if (l->tok[pos].kind != TK_END) {
        scn_errorf(err, l->file, l->lineno, l->tok[pos].col,
                   "unexpected '%s' after the expectation", l->tok[pos].text);
        return false;
    }
    return true;
}

static char *trimmed(const char *s)
{
    size_t n;

    while (*s == ' ' || *s == '\t')
        s++;
    n = strlen(s);
    while (n && strchr(" \t\r\n", s[n - 1]))
        n--;
    if (n >= 2 && s[0] == '"' && s[n - 1] == '"') {
        s++;
        n -= 2;
    }
    return strndup(s, n);
}

/* Statements whose text is taken raw: `say TEXT` and `expect reason NAME`. */
static int parse_raw(const char *file, int lineno, const char *src, struct scn_stmt *st,
                     struct scn_error *err)
{
    const char *p = src + strspn(src, " \t");
    char word[16] = "", rule[64] = "", extra[2] = "";

    if (strncmp(p, "say", 3) == 0 &&
        (p[3] == ' ' || p[3] == '\t' || p[3] == '\0' || p[3] == '\n')) {
        st->kind = ST_SAY;
        st->text = trimmed(p + 3);
        return 1;
    }
    if (sscanf(p, "expect %15s", word) == 1 && !strcmp(word, "reason")) {
        st->kind = ST_EXPECT;
        st->expect = EXP_REASON;
        if (sscanf(p, "expect reason %63[^ \t#\r\n] %1[^ \t#\r\n]", rule, extra) < 1) {
            scn_errorf(err, file, lineno, 0,
                       "expect reason needs a rule name, e.g. writable-pagetable");
            return -1;
        }
        if (extra[0]) {
            scn_errorf(err, file, lineno, 0, "expect reason takes one rule name");
            return -1;
        }
        st->rule = pvmm_rule_from_name(rule);
        if (st->rule < 0) {
            scn_errorf(err, file, lineno, (int)(strstr(p, rule) - src) + 1,
                       "unknown rule '%s' (see docs/scenarios.md for the list)", rule);
            return -1;
        }
        return 1;
    }
    return 0;
}

/* Parse one line into st; 0 = blank, 1 = statement, -1 = error. */
static int parse_line(const char *file, int lineno, const char *src, struct scn_line *l,
                      struct scn_stmt *st, struct scn_vars *vars, struct scn_error *err)
{
    const struct scn_token *t;
    int pos = 1, r;

    memset(st, 0, sizeof(*st));
    st->file = file;
    st->lineno = lineno;
    st->dom = st->vcpu = -1;
    r = parse_raw(file, lineno, src, st, err);
    if (!r)
        r = scn_parse_data(file, lineno, src, st, err);
    if (r)
        return r;
    if (!scn_lex(file, lineno, src, l, err))
        return -1;
    if (l->ntok == 0)
        return 0;
    t = &l->tok[0];
    if (t->kind != TK_IDENT) {
        scn_errorf(err, file, lineno, t->col,
                   "a line starts with a statement name, found '%s'", t->text);
        return -1;
    }
    if (!strcmp(t->text, "let")) {
        const struct scn_token *n = &l->tok[1];
        uint64_t dummy;

        st->kind = ST_LET;
        if (n->kind != TK_IDENT || !is_op(&l->tok[2], "=")) {
            scn_errorf(err, file, lineno, n->col, "expected: let NAME = EXPRESSION");
            return -1;
        }
        if (scn_const_lookup(n->text, &dummy) || strchr(n->text, '.')) {
            scn_errorf(err, file, lineno, n->col, "'%s' is the name of a constant", n->text);
            return -1;
        }
        pos = 3;
        st->value = scn_parse_expr(l, &pos, vars, err);
        if (!st->value)
            return -1;
        if (l->tok[pos].kind != TK_END) {
            scn_errorf(err, file, lineno, l->tok[pos].col, "unexpected '%s' after the expression",
                       l->tok[pos].text);
            return -1;
        }
        if (!is_var(vars, n->text, &st->var)) {
            if (vars->n == (int)(sizeof(vars->name) / sizeof(vars->name[0]))) {
                scn_errorf(err, file, lineno, n->col, "too many variables");
                return -1;
            }
            st->var = vars->n;
            snprintf(vars->name[vars->n++], sizeof(vars->name[0]), "%s", n->text);
        }
        return 1;
    }
    if (!strcmp(t->text, "assert")) {
        st->kind = ST_ASSERT;
        st->value = scn_parse_expr(l, &pos, vars, err);
        if (!st->value)
            return -1;
        if (l->tok[pos].kind != TK_END) {
            scn_errorf(err, file, lineno, l->tok[pos].col, "unexpected '%s' after the expression",
                       l->tok[pos].text);
            return -1;
        }
        return 1;
    }
    if (!strcmp(t->text, "expect")) {
        st->kind = ST_EXPECT;
        return parse_expect(l, st, vars, err) ? 1 : -1;
    }
    return scn_parse_spec_stmt(l, st, vars, err) ? 1 : -1;
}

static void stmt_free(struct scn_stmt *st)
{
    for (int i = 0; i < st->nargs; i++)
        scn_expr_free(st->args[i].e);
    free(st->args);
    scn_expr_free(st->value);
    free(st->text);
    free(st->data);
    free(st->src);
}

void scn_script_free(struct scn_script *s)
{
    for (int i = 0; i < s->nstmts; i++)
        stmt_free(&s->stmts[i]);
    free(s->stmts);
    free((char *)s->file);
    memset(s, 0, sizeof(*s));
}

static bool takes_expect(enum scn_stmt_kind k)
{
    return k != ST_LET && k != ST_ASSERT && k != ST_SAY && k != ST_SET && k != ST_SHOW &&
           k != ST_MACHINE && k != ST_WHY && k != ST_FRAME && k != ST_POKE;
}

int scn_parse_text(const char *name, const char *text, struct scn_script *s, struct scn_error *err)
{
    struct scn_line l;
    const char *p = text;
    int lineno = 0;
    enum scn_stmt_kind last = ST_SAY;
    bool have_last = false, seen_other = false;

    memset(s, 0, sizeof(*s));
    memset(&l, 0, sizeof(l));
    s->file = strdup(name);
    while (*p) {
        size_t n = strcspn(p, "\n");
        char *line = strndup(p, n);
        struct scn_stmt st;
        int r;

        if (lineno == INT_MAX) {
            scn_errorf(err, s->file, lineno, 0, "more than %d lines", INT_MAX);
            free(line);
            scn_line_free(&l);
            scn_script_free(s);
            return -1;
        }
        lineno++;
        p += n + (p[n] == '\n');
        r = parse_line(s->file, lineno, line, &l, &st, &s->vars, err);
        if (r < 0) {
            free(line);
            stmt_free(&st);
            scn_line_free(&l);
            scn_script_free(s);
            return -1;
        }
        if (r == 0) {
            free(line);
            continue;
        }
        st.src = line;
        if (st.kind == ST_EXPECT && (!have_last || !takes_expect(last))) {
            scn_errorf(err, s->file, lineno, 0, "expect must follow an operation");
            stmt_free(&st);
            scn_line_free(&l);
            scn_script_free(s);
            return -1;
        }
        if (st.kind == ST_MACHINE && seen_other) {
            scn_errorf(err, s->file, lineno, 0, "machine must come before every other statement");
            stmt_free(&st);
            scn_line_free(&l);
            scn_script_free(s);
            return -1;
        }
        if (st.kind != ST_SAY)
            seen_other = true;
        if (st.kind != ST_EXPECT) {
            last = st.kind;
            have_last = true;
        }
        s->stmts = realloc(s->stmts, (size_t)(s->nstmts + 1) * sizeof(*s->stmts));
        if (!s->stmts)
            abort();
        s->stmts[s->nstmts++] = st;
    }
    scn_line_free(&l);
    return 0;
}

int scn_parse_file(const char *path, struct scn_script *s, struct scn_error *err)
{
    bool in = !strcmp(path, "-");
    FILE *f = in ? stdin : fopen(path, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    int rc;

    if (in)
        path = "<stdin>";
    if (!f) {
        snprintf(err->msg, sizeof(err->msg), "%s: error: cannot open: %s", path, strerror(errno));
        return -1;
    }
    do {
        if (cap - len < 4096) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap);
            if (!buf)
                abort();
        }
        n = fread(buf + len, 1, cap - len - 1, f);
        len += n;
    } while (n > 0);
    if (ferror(f)) {
        /* e.g. a directory: fopen succeeds, reading fails with EISDIR */
        snprintf(err->msg, sizeof(err->msg), "%s: error: cannot read: %s", path, strerror(errno));
        if (!in)
            fclose(f);
        free(buf);
        return -1;
    }
    if (!in)
        fclose(f);
    buf[len] = '\0';
    if (strlen(buf) != len) {
        snprintf(err->msg, sizeof(err->msg), "%s: error: file contains a NUL byte", path);
        free(buf);
        return -1;
    }
    rc = scn_parse_text(path, buf, s, err);
    free(buf);
    return rc;
}
