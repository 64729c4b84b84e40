/*
 * sim/scn-parse.c - reading a scenario file into statements.
 *
 * Each line is tokenized, its first word picks a statement spec (the table
 * below: target, mode word, allowed keys), and its arguments are checked
 * against the spec: unknown or duplicate keys, missing required keys,
 * malformed expressions and unknown names are all reported with
 * file:line:col before anything runs.  Keys marked '+' in a spec repeat
 * (one group per mmu_update request or mmuext_op operation), keys marked
 * '@' take a comma-separated list, and keys marked '$' accept a symbolic
 * word (cmd=pin_l4_table) as well as an expression.
 */
#include "scenario.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pvmm/reason.h>

enum target { TGT_NONE, TGT_DOM, TGT_VCPU };

struct stmt_spec {
    const char *name;
    enum scn_stmt_kind kind;
    enum target target;
    bool mode;               /* needs a `kernel` or `user` word */
    const char *keys;        /* allowed keys, with +, @, $ markers */
    const char *required;
};

static const struct stmt_spec specs[] = {
    { "machine", ST_MACHINE, TGT_NONE, false, "frames io maxphyaddr linear_pt", "" },
    { "domain", ST_DOMAIN, TGT_DOM, false, "pages vcpus max privileged kernel", "pages" },
    { "destroy", ST_DESTROY, TGT_DOM, false, "", "" },
    { "vcpu_up", ST_VCPU_UP, TGT_VCPU, false, "cr3", "" },
    { "mode", ST_MODE, TGT_VCPU, true, "", "" },
    { "cpu", ST_CPU, TGT_VCPU, false, "wp smep smap pke pge nxe ac pkru cpl maxphyaddr", "" },
    { "read", ST_READ, TGT_VCPU, true, "va bytes", "va" },
    { "write", ST_WRITE, TGT_VCPU, true, "va val bytes", "va val" },
    { "exec", ST_EXEC, TGT_VCPU, true, "va", "va" },
    { "mmu_update", ST_MMU_UPDATE, TGT_VCPU, false, "ptr+ val+ count foreigndom pdone", "" },
    { "mmuext_op", ST_MMUEXT_OP, TGT_VCPU, false,
      "cmd+$ arg1+ mfn+ linear_addr+ arg2+ nr_ents+ vcpumask+ src_mfn+ count foreigndom pdone", "" },
    { "update_va_mapping", ST_UPDATE_VA_MAPPING, TGT_VCPU, false, "va val flags", "va val" },
    { "update_va_mapping_otherdomain", ST_UPDATE_VA_MAPPING_OTHERDOMAIN, TGT_VCPU, false,
      "va val flags domid", "va val domid" },
    { "set_gdt", ST_SET_GDT, TGT_VCPU, false, "frames@ entries", "entries" },
    { "update_descriptor", ST_UPDATE_DESCRIPTOR, TGT_VCPU, false, "maddr desc", "maddr desc" },
    { "memory_op", ST_MEMORY_OP, TGT_VCPU, false,
      "cmd$ extents@ nr_extents order mem_flags domid", "cmd" },
    { "vm_assist", ST_VM_ASSIST, TGT_VCPU, false, "cmd$ type$", "cmd type" },
    { "hypercall", ST_HYPERCALL, TGT_VCPU, false, "nr$ a0 a1 a2 a3 a4", "nr" },
    { "ldt_load", ST_LDT_LOAD, TGT_VCPU, false, "sel", "sel" },
    { "audit", ST_AUDIT, TGT_NONE, false, "", "" },
    { "set", ST_SET, TGT_NONE, false, "audit$ preempt$ log$", "" },
    { "show", ST_SHOW, TGT_DOM, false, "", "" },
    { "why", ST_WHY, TGT_NONE, false, "", "" },
};

/* Find key in a spec's key list; returns its marker characters in *flags. */
static bool spec_key(const char *keys, const char *key, char *flags)
{
    size_t n = strlen(key);

    for (const char *p = keys; *p; ) {
        size_t w = strcspn(p, " ");
        size_t base = w;

        while (base > 0 && strchr("+@$", p[base - 1]))
            base--;
        if (base == n && strncmp(p, key, n) == 0) {
            size_t k = 0;

            for (size_t i = base; i < w && k < 3; i++)
                flags[k++] = p[i];
            flags[k] = '\0';
            return true;
        }
        p += w;
        while (*p == ' ')
            p++;
    }
    return false;
}

static bool is_op(const struct scn_token *t, const char *op)
{
    return t->kind == TK_OP && strcmp(t->text, op) == 0;
}

/* True if t cannot continue an expression (so a word before it stands alone). */
static bool binop_free(const struct scn_token *t)
{
    static const char *const cont[] = { "+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>",
                                        "==", "!=", "<", "<=", ">", ">=", "(", "&&", "||" };

    if (t->kind != TK_OP)
        return true;
    for (size_t i = 0; i < sizeof(cont) / sizeof(cont[0]); i++)
        if (strcmp(t->text, cont[i]) == 0)
            return false;
    return true;
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

/* Which group key an argument belongs to ("arg1" for mfn/linear_addr, ...). */
static const char *group_slot(const char *key)
{
    if (!strcmp(key, "mfn") || !strcmp(key, "linear_addr") || !strcmp(key, "arg1"))
        return "arg1";
    if (!strcmp(key, "nr_ents") || !strcmp(key, "vcpumask") || !strcmp(key, "src_mfn") ||
        !strcmp(key, "arg2"))
        return "arg2";
    return key;
}

/*
 * mmu_update: every ptr= is followed by exactly one val= before the next
 * ptr=.  mmuext_op: every per-operation key follows a cmd= and appears at
 * most once (counting aliases) per operation.
 */
static bool check_groups(const struct scn_line *l, struct scn_stmt *st, struct scn_error *err)
{
    bool open = false, have1 = false, have2 = false, started = false;
    int nreq = 0;

    for (int i = 0; i < st->nargs; i++) {
        const struct scn_arg *a = &st->args[i];
        const char *slot = group_slot(a->key);

        if (!strcmp(a->key, "count") || !strcmp(a->key, "foreigndom") || !strcmp(a->key, "pdone"))
            continue;
        if (st->kind == ST_MMU_UPDATE) {
            if (!strcmp(a->key, "ptr")) {
                if (open)
                    goto missing_val;
                open = true;
                nreq++;
            } else if (!open) {
                scn_errorf(err, l->file, l->lineno, a->col, "val= without a ptr= before it");
                return false;
            } else {
                open = false;
            }
        } else if (st->kind == ST_MMUEXT_OP) {
            if (!strcmp(a->key, "cmd")) {
                started = true;
                have1 = have2 = false;
                nreq++;
            } else if (!started) {
                scn_errorf(err, l->file, l->lineno, a->col, "%s= before the first cmd=", a->key);
                return false;
            } else if ((!strcmp(slot, "arg1") && have1) || (!strcmp(slot, "arg2") && have2)) {
                scn_errorf(err, l->file, l->lineno, a->col,
                           "operation %d has two values for %s (%s= is an alias of it)",
                           nreq - 1, slot, a->key);
                return false;
            } else if (!strcmp(slot, "arg1")) {
                have1 = true;
            } else {
                have2 = true;
            }
        }
    }
    if (open)
        goto missing_val;
    if (nreq > 512) {
        scn_errorf(err, l->file, l->lineno, 0, "at most 512 requests per call");
        return false;
    }
    return true;
missing_val:
    scn_errorf(err, l->file, l->lineno, 0, "request %d has ptr= but no val=", nreq - 1);
    return false;
}

static struct scn_arg *add_arg(struct scn_stmt *st)
{
    st->args = realloc(st->args, (size_t)(st->nargs + 1) * sizeof(*st->args));
    if (!st->args)
        abort();
    memset(&st->args[st->nargs], 0, sizeof(st->args[0]));
    return &st->args[st->nargs++];
}

/* dN, dN.vM or a plain domain number. */
static bool parse_target(const struct scn_line *l, int *pos, enum target tg, struct scn_stmt *st,
                         struct scn_error *err)
{
    const struct scn_token *t = &l->tok[*pos];
    unsigned int d, v = 0;
    char tail;

    if (t->kind == TK_NUM && tg == TGT_DOM && t->num < 8) {
        st->dom = (int)t->num;
        (*pos)++;
        return true;
    }
    if (t->kind == TK_IDENT &&
        (sscanf(t->text, "d%u%c", &d, &tail) == 1 ||
         (tg == TGT_VCPU && sscanf(t->text, "d%u.v%u%c", &d, &v, &tail) == 2)) &&
        d < 8 && v < 8) {
        st->dom = (int)d;
        st->vcpu = tg == TGT_VCPU ? (int)v : -1;
        (*pos)++;
        return true;
    }
    scn_errorf(err, l->file, l->lineno, t->col, "expected %s (d0..d7%s), found '%s'",
               tg == TGT_VCPU ? "a vCPU" : "a domain", tg == TGT_VCPU ? " or dN.vM" : "",
               t->kind == TK_END ? "end of line" : t->text);
    return false;
}

/* The key=value arguments of a statement, checked against its spec. */
static bool parse_args(const struct scn_line *l, int pos, const struct stmt_spec *sp,
                       struct scn_stmt *st, const struct scn_vars *vars, struct scn_error *err)
{
    while (l->tok[pos].kind != TK_END) {
        const struct scn_token *k = &l->tok[pos];
        struct scn_arg *a;
        char flags[4];

        if (k->kind != TK_IDENT || !is_op(&l->tok[pos + 1], "=")) {
            scn_errorf(err, l->file, l->lineno, k->col, "expected key=value, found '%s'",
                       k->kind == TK_END ? "end of line" : k->text);
            return false;
        }
        if (!spec_key(sp->keys, k->text, flags)) {
            scn_errorf(err, l->file, l->lineno, k->col, "'%s' takes no argument '%s' (allowed: %s)",
                       sp->name, k->text, *sp->keys ? sp->keys : "none");
            return false;
        }
        if (!strchr(flags, '+'))
            for (int i = 0; i < st->nargs; i++)
                if (strcmp(st->args[i].key, k->text) == 0) {
                    scn_errorf(err, l->file, l->lineno, k->col, "argument '%s' given twice", k->text);
                    return false;
                }
        pos += 2;
        for (;;) {
            const struct scn_token *v = &l->tok[pos];

            a = add_arg(st);
            snprintf(a->key, sizeof(a->key), "%s", k->text);
            a->col = k->col;
            if (strchr(flags, '$') && v->kind == TK_IDENT && binop_free(&l->tok[pos + 1])) {
                uint64_t dummy;
                int dv;

                /* A word: a symbolic command name, unless it is a constant or variable. */
                if (!scn_const_lookup(v->text, &dummy) && !is_var(vars, v->text, &dv)) {
                    if (!scn_word_ok(st->kind, k->text, v->text)) {
                        scn_errorf(err, l->file, l->lineno, v->col, "'%s' is not a valid %s for %s",
                                   v->text, k->text, sp->name);
                        return false;
                    }
                    snprintf(a->word, sizeof(a->word), "%s", v->text);
                    pos++;
                    break;
                }
            }
            a->e = scn_parse_expr(l, &pos, vars, err);
            if (!a->e)
                return false;
            if (strchr(flags, '@') && is_op(&l->tok[pos], ",")) {
                pos++;
                continue;
            }
            break;
        }
    }
    for (const char *p = sp->required; *p; ) {
        size_t w = strcspn(p, " ");
        bool found = false;

        for (int i = 0; i < st->nargs; i++)
            if (strlen(st->args[i].key) == w && strncmp(st->args[i].key, p, w) == 0)
                found = true;
        if (!found) {
            scn_errorf(err, l->file, l->lineno, 0, "'%s' needs %.*s=", sp->name, (int)w, p);
            return false;
        }
        p += w;
        while (*p == ' ')
            p++;
    }
    return check_groups(l, st, err);
}

static const struct stmt_spec *find_spec(const char *name)
{
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++)
        if (strcmp(specs[i].name, name) == 0)
            return &specs[i];
    return NULL;
}

/* expect ok | gp | crash | ptwr | preempted | fault [E] | value E | done E | reason NAME | E */
static bool parse_expect(const struct scn_line *l, struct scn_stmt *st,
                         const struct scn_vars *vars, struct scn_error *err)
{
    static const struct { const char *w; enum scn_expect_kind k; int takes; } forms[] = {
        { "ok", EXP_OK, 0 }, { "gp", EXP_GP, 0 }, { "crash", EXP_CRASH, 0 },
        { "ptwr", EXP_PTWR, 0 }, { "preempted", EXP_PREEMPTED, 0 },
        { "fault", EXP_FAULT, 1 }, { "value", EXP_VALUE, 2 }, { "done", EXP_DONE, 2 },
    };
    const struct scn_token *t = &l->tok[1];
    int pos = 1;

    if (t->kind == TK_END) {
        scn_errorf(err, l->file, l->lineno, t->col, "expect what? (ok, -EINVAL, fault, reason ...)");
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
        scn_errorf(err, l->file, l->lineno, l->tok[pos].col, "unexpected '%s' after the expectation",
                   l->tok[pos].text);
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

    if (strncmp(p, "say", 3) == 0 && (p[3] == ' ' || p[3] == '\t' || p[3] == '\0' || p[3] == '\n')) {
        st->kind = ST_SAY;
        st->text = trimmed(p + 3);
        return 1;
    }
    if (sscanf(p, "expect %15s", word) == 1 && !strcmp(word, "reason")) {
        st->kind = ST_EXPECT;
        st->expect = EXP_REASON;
        if (sscanf(p, "expect reason %63[^ \t#\r\n] %1[^ \t#\r\n]", rule, extra) < 1) {
            scn_errorf(err, file, lineno, 0, "expect reason needs a rule name, e.g. writable-pagetable");
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
    const struct stmt_spec *sp;
    const struct scn_token *t;
    int pos = 1, r;

    memset(st, 0, sizeof(*st));
    st->file = file;
    st->lineno = lineno;
    st->dom = st->vcpu = -1;
    r = parse_raw(file, lineno, src, st, err);
    if (r)
        return r;
    if (!scn_lex(file, lineno, src, l, err))
        return -1;
    if (l->ntok == 0)
        return 0;
    t = &l->tok[0];
    if (t->kind != TK_IDENT) {
        scn_errorf(err, file, lineno, t->col, "a line starts with a statement name, found '%s'", t->text);
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
    sp = find_spec(t->text);
    if (!sp) {
        scn_errorf(err, file, lineno, t->col, "unknown statement '%s'", t->text);
        return -1;
    }
    st->kind = sp->kind;
    if (sp->target != TGT_NONE && !parse_target(l, &pos, sp->target, st, err))
        return -1;
    if (sp->mode) {
        const struct scn_token *m = &l->tok[pos];

        if (m->kind != TK_IDENT || (strcmp(m->text, "kernel") && strcmp(m->text, "user"))) {
            scn_errorf(err, file, lineno, m->col, "expected 'kernel' or 'user', found '%s'",
                       m->kind == TK_END ? "end of line" : m->text);
            return -1;
        }
        st->kernel = !strcmp(m->text, "kernel");
        pos++;
    }
    return parse_args(l, pos, sp, st, vars, err) ? 1 : -1;
}

static void stmt_free(struct scn_stmt *st)
{
    for (int i = 0; i < st->nargs; i++)
        scn_expr_free(st->args[i].e);
    free(st->args);
    scn_expr_free(st->value);
    free(st->text);
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
           k != ST_MACHINE && k != ST_WHY;
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
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0, cap = 0, n;
    int rc;

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
