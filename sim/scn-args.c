/*
 * sim/scn-args.c - statement specs and checking a statement's arguments.
 *
 * Each statement's first word picks a spec (the table below: target, mode
 * word, allowed keys), and its arguments are checked against it: unknown or
 * duplicate keys, missing required keys, malformed expressions and unknown
 * names are all reported with file:line:col before anything runs.  Keys
 * marked '+' in a spec repeat (one group per mmu_update request or
 * mmuext_op operation), keys marked '@' take a comma-separated list, and
 * keys marked '$' accept a symbolic word (cmd=pin_l4_table) as well as an
 * expression.
 */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    { "machine", ST_MACHINE, TGT_NONE, false, "frames io maxphyaddr linear_pt m2p tables", "" },
    { "domain", ST_DOMAIN, TGT_DOM, false, "pages vcpus max privileged kernel", "pages" },
    { "destroy", ST_DESTROY, TGT_DOM, false, "", "" },
    { "seal", ST_SEAL, TGT_DOM, false, "", "" },
    { "launch", ST_LAUNCH, TGT_VCPU, false, "domid", "domid" },
    { "vcpu_up", ST_VCPU_UP, TGT_VCPU, false, "cr3", "" },
    { "mode", ST_MODE, TGT_VCPU, true, "", "" },
    { "cpu", ST_CPU, TGT_VCPU, false, "wp smep smap pke pge nxe ac pkru cpl maxphyaddr", "" },
    { "read", ST_READ, TGT_VCPU, true, "va bytes", "va" },
    { "write", ST_WRITE, TGT_VCPU, true, "va val bytes", "va val" },
    { "exec", ST_EXEC, TGT_VCPU, true, "va", "va" },
    { "mmu_update", ST_MMU_UPDATE, TGT_VCPU, false, "ptr+ val+ count foreigndom pdone", "" },
    { "mmuext_op", ST_MMUEXT_OP, TGT_VCPU, false,
      "cmd+$ arg1+ mfn+ linear_addr+ arg2+ nr_ents+ vcpumask+ src_mfn+ count foreigndom "
      "pdone", "" },
    { "update_va_mapping", ST_UPDATE_VA_MAPPING, TGT_VCPU, false, "va val flags", "va val" },
    { "update_va_mapping_otherdomain", ST_UPDATE_VA_MAPPING_OTHERDOMAIN, TGT_VCPU, false,
      "va val flags domid", "va val domid" },
    { "set_gdt", ST_SET_GDT, TGT_VCPU, false, "frames@ entries", "entries" },
    { "update_descriptor", ST_UPDATE_DESCRIPTOR, TGT_VCPU, false, "maddr desc", "maddr desc" },
    { "memory_op", ST_MEMORY_OP, TGT_VCPU, false,
      "cmd$ extents@ nr_extents order mem_flags domid", "cmd" },
    { "vm_assist", ST_VM_ASSIST, TGT_VCPU, false, "cmd$ type$", "cmd type" },
    { "hypercall", ST_HYPERCALL, TGT_VCPU, false, "nr$ a0 a1 a2 a3 a4 once preempt", "nr" },
    { "ldt_load", ST_LDT_LOAD, TGT_VCPU, false, "sel", "sel" },
    { "grant_table_op", ST_GRANT_TABLE_OP, TGT_VCPU, false,
      "cmd$ dom ref flags addr handle bus new_addr frames version src_ref src_gmfn src_dom "
      "src_off dst_ref dst_gmfn dst_dom dst_off len ref_a ref_b count mfn off op", "cmd" },
    { "audit", ST_AUDIT, TGT_NONE, false, "", "" },
    { "set", ST_SET, TGT_NONE, false, "audit$ preempt$ log$", "" },
    { "show", ST_SHOW, TGT_DOM, false, "", "" },
    { "why", ST_WHY, TGT_NONE, false, "", "" },
    /* a recorded pvmm-hv run (replay.c) */
    { "ram", ST_RAM, TGT_NONE, false, "first count", "first count" },
    { "reserve", ST_RESERVE, TGT_NONE, false, "first count", "first count" },
    { "share_privileged", ST_SHARE_PRIVILEGED, TGT_NONE, false, "first count", "first count" },
    { "share_page", ST_SHARE_PAGE, TGT_DOM, false, "mfn writable", "mfn" },
    { "iomem", ST_IOMEM, TGT_DOM, false, "first last allow", "first last allow" },
    { "mmio_ro", ST_MMIO_RO, TGT_NONE, false, "first last", "first last" },
    { "ptwr_emulate", ST_PTWR_EMULATE, TGT_VCPU, false, "va val bytes old", "va val bytes" },
    { "write_cr3", ST_WRITE_CR3, TGT_VCPU, false, "mfn", "mfn" },
    { "hold_frame", ST_HOLD_FRAME, TGT_VCPU, false, "mfn", "mfn" },
    { "release_frame", ST_RELEASE_FRAME, TGT_VCPU, false, "mfn", "mfn" },
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

    if (t->kind == TK_NUM && tg == TGT_DOM && t->num < SIM_MAX_DOMAINS) {
        st->dom = (int)t->num;
        (*pos)++;
        return true;
    }
    if (t->kind == TK_IDENT &&
        (sscanf(t->text, "d%u%c", &d, &tail) == 1 ||
         (tg == TGT_VCPU && sscanf(t->text, "d%u.v%u%c", &d, &v, &tail) == 2)) &&
        d < SIM_MAX_DOMAINS && v < 8) {
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
                    scn_errorf(err, l->file, l->lineno, k->col, "argument '%s' given twice",
                               k->text);
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

bool scn_parse_spec_stmt(const struct scn_line *l, struct scn_stmt *st, const struct scn_vars *vars,
                         struct scn_error *err)
{
    const struct scn_token *t = &l->tok[0];
    const struct stmt_spec *sp = find_spec(t->text);
    int pos = 1;

    if (!sp) {
        scn_errorf(err, l->file, l->lineno, t->col, "unknown statement '%s'", t->text);
        return 0;
    }
    st->kind = sp->kind;
    if (sp->target != TGT_NONE && !parse_target(l, &pos, sp->target, st, err))
        return 0;
    if (sp->mode) {
        const struct scn_token *m = &l->tok[pos];

        if (m->kind != TK_IDENT || (strcmp(m->text, "kernel") && strcmp(m->text, "user"))) {
            scn_errorf(err, l->file, l->lineno, m->col, "expected 'kernel' or 'user', found '%s'",
                       m->kind == TK_END ? "end of line" : m->text);
            return 0;
        }
        st->kernel = !strcmp(m->text, "kernel");
        pos++;
    }
    return parse_args(l, pos, sp, st, vars, err);
}
