/*
 * sim/scn-eval.c - evaluating scenario expressions against the machine.
 *
 * Values are 64-bit unsigned; comparisons and logical operators give 0/1;
 * division by zero is an error, and so is division by a value with the top
 * bit set (-1, INT64_MIN): the unsigned quotient (0 or 1) is never what a
 * scenario that writes `x / -1` means.  Recursion is bounded by the parser's
 * SCN_EXPR_MAX_DEPTH.  Builtins read the machine's state at the
 * moment the line runs: the layout a domain was built with (mfn, spare,
 * pt_base ...), the live page tables of its vCPUs (table, ptep, peek walk
 * them in software from the vCPU's kernel L4, without touching A/D bits or
 * TLBs), frame-table counts and types, and the last memory_op's extents.
 */
#include "op.h"

#include <stdarg.h>
#include <string.h>

static int err_at(struct scn_error *err, const struct scn_stmt *st, const struct scn_expr *e,
                  const char *fmt, ...) __attribute__((format(printf, 4, 5)));
static int err_at(struct scn_error *err, const struct scn_stmt *st, const struct scn_expr *e,
                  const char *fmt, ...)
{
    char msg[400];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    scn_errorf(err, st->file, st->lineno, e->col, "%s", msg);
    return -1;
}

static struct sim_domain *built(struct scn_ctx *c, const struct scn_stmt *st,
                                const struct scn_expr *e, uint64_t d, struct scn_error *err)
{
    if (d >= PVMM_MAX_DOMAINS || !c->m->doms[d].built ||
        !pvmm_domain_lookup(&c->m->s, (domid_t)d)) {
        err_at(err, st, e, "%s(): domain %lu does not exist (build it with `domain`)", e->name,
               (unsigned long)d);
        return NULL;
    }
    return &c->m->doms[d];
}

static int frame_arg(struct scn_ctx *c, const struct scn_stmt *st, const struct scn_expr *e,
                     uint64_t mfn, struct scn_error *err)
{
    if (mfn >= c->m->nr_frames)
        return err_at(err, st, e, "%s(): frame %#lx is beyond machine memory (%#lx frames)",
                      e->name, (unsigned long)mfn, (unsigned long)c->m->nr_frames);
    return 0;
}

/*
 * Walk d's vCPU vid kernel tables for va down to `level`: *mfn is the
 * level-`level` table on va's path.  Errors if an entry above is missing.
 */
static int walk(struct scn_ctx *c, const struct scn_stmt *st, const struct scn_expr *e,
                uint64_t d, unsigned int vid, int level, uint64_t va, mfn_t *mfn,
                struct scn_error *err)
{
    struct vcpu *v = sim_vcpu_lookup(c->m, (domid_t)d, vid);
    mfn_t t;

    if (!v || v->guest_table == INVALID_MFN)
        return err_at(err, st, e, "%s(): d%lu.v%u has no kernel page table", e->name,
                      (unsigned long)d, vid);
    if (level < 1 || level > 4)
        return err_at(err, st, e, "%s(): level must be 1..4", e->name);
    t = v->guest_table;
    for (int l = 4; l > level; l--) {
        intpte_t ent = ((intpte_t *)(c->m->phys.mem + (t << PAGE_SHIFT)))[pt_index(va, l)];

        if (!(ent & _PAGE_PRESENT) || (l < 4 && (ent & _PAGE_PSE)) ||
            pte_mfn(ent) >= c->m->nr_frames)
            return err_at(err, st, e, "%s(): %#lx is not mapped at level %d (L%d entry %u is %#lx)",
                          e->name, (unsigned long)va, l - 1, l, pt_index(va, l),
                          (unsigned long)ent);
        t = pte_mfn(ent);
    }
    *mfn = t;
    return 0;
}

static int call(struct scn_ctx *c, const struct scn_stmt *st, const struct scn_expr *e,
                const uint64_t *a, uint64_t *out, struct scn_error *err)
{
    struct sim_machine *m = c->m;
    const char *fn = e->name;
    struct sim_domain *sd;
    mfn_t t;

    if (!strcmp(fn, "va")) { *out = a[0] << PAGE_SHIFT; return 0; }
    if (!strcmp(fn, "maddr")) { *out = a[0] << PAGE_SHIFT; return 0; }
    if (!strcmp(fn, "pte")) { *out = (a[0] << PAGE_SHIFT) + 8 * a[1]; return 0; }
    if (!strcmp(fn, "index")) {
        if (a[1] < 1 || a[1] > 4)
            return err_at(err, st, e, "index(): level must be 1..4");
        *out = pt_index(a[0], (int)a[1]);
        return 0;
    }
    if (!strcmp(fn, "free_frames")) { *out = m->s.nr_free; return 0; }
    if (!strcmp(fn, "extent")) {
        if (a[0] >= c->last.nextents)
            return err_at(err, st, e, "extent(%lu): the last memory_op had %u extents",
                          (unsigned long)a[0], c->last.nextents);
        *out = c->last.extents[a[0]];
        return 0;
    }
    if (!strcmp(fn, "gnt_handle") || !strcmp(fn, "gnt_bus") || !strcmp(fn, "gnt_version") ||
        !strcmp(fn, "gnt_nframes") || !strcmp(fn, "gnt_frame")) {
        if (!c->last.has_gnt)
            return err_at(err, st, e, "%s(): the last operation was no grant_table_op", fn);
        if (!strcmp(fn, "gnt_frame") && a[0] >= c->last.gnt_nframes)
            return err_at(err, st, e, "gnt_frame(%lu): the last grant_table_op listed %u frames",
                          (unsigned long)a[0], c->last.gnt_nframes);
        *out = !strcmp(fn, "gnt_handle") ? c->last.gnt_handle :
               !strcmp(fn, "gnt_bus") ? c->last.gnt_bus :
               !strcmp(fn, "gnt_version") ? c->last.gnt_version :
               !strcmp(fn, "gnt_nframes") ? c->last.gnt_nframes : c->last.gnt_frames[a[0]];
        return 0;
    }
    if (!strcmp(fn, "pin")) {
        struct domain *d = a[0] < PVMM_MAX_DOMAINS ? pvmm_domain_lookup(&m->s, (domid_t)a[0])
                                                   : NULL;

        if (!d)
            return err_at(err, st, e, "pin(): no domain %lu", (unsigned long)a[0]);
        *out = pvmm_grant_pin(d, (uint32_t)a[1]);
        return 0;
    }
    if (!strcmp(fn, "pfn") || !strcmp(fn, "m2p")) {
        if (frame_arg(c, st, e, a[0], err))
            return -1;
        *out = m->s.m2p[a[0]];
        return 0;
    }
    if (!strcmp(fn, "entry")) {
        if (frame_arg(c, st, e, a[0] >> PAGE_SHIFT, err))
            return -1;
        *out = *(uint64_t *)(m->phys.mem + (a[0] & ~7UL));
        return 0;
    }
    if (!strcmp(fn, "count") || !strcmp(fn, "type_count") || !strcmp(fn, "type") ||
        !strcmp(fn, "pinned") || !strcmp(fn, "validated") || !strcmp(fn, "owner")) {
        const struct page_info *pg;

        if (frame_arg(c, st, e, a[0], err))
            return -1;
        pg = &m->ft[a[0]];
        if (!strcmp(fn, "count")) *out = pg->count_info & PGC_count_mask;
        else if (!strcmp(fn, "type_count")) *out = pg->type_info & PGT_count_mask;
        else if (!strcmp(fn, "type")) *out = pg->type_info & PGT_type_mask;
        else if (!strcmp(fn, "pinned")) *out = !!(pg->type_info & PGT_pinned);
        else if (!strcmp(fn, "validated")) *out = !!(pg->type_info & PGT_validated);
        else *out = pg->owner;
        return 0;
    }
    if (!strcmp(fn, "base") || !strcmp(fn, "user_base")) {
        struct vcpu *v = sim_vcpu_lookup(m, (domid_t)a[0], (unsigned int)a[1]);

        if (!v)
            return err_at(err, st, e, "%s(): no vCPU d%lu.v%lu", fn, (unsigned long)a[0],
                          (unsigned long)a[1]);
        *out = !strcmp(fn, "base") ? v->guest_table : v->guest_table_user;
        return 0;
    }
    if (!strcmp(fn, "tot_pages")) {
        struct domain *d = a[0] < PVMM_MAX_DOMAINS ?
                           pvmm_domain_lookup(&m->s, (domid_t)a[0]) : NULL;

        if (!d)
            return err_at(err, st, e, "tot_pages(): no domain %lu", (unsigned long)a[0]);
        *out = d->tot_pages;
        return 0;
    }
    /* Everything below takes a domain built by `domain` as its first argument. */
    sd = built(c, st, e, a[0], err);
    if (!sd)
        return -1;
    if (!strcmp(fn, "mfn")) {
        if (a[1] >= sd->layout.nr_pages)
            return err_at(err, st, e, "mfn(): d%lu has pfns 0..%#lx", (unsigned long)a[0],
                          (unsigned long)sd->layout.nr_pages - 1);
        *out = sd->p2m[a[1]];
        return 0;
    }
    if (!strcmp(fn, "l4")) return walk(c, st, e, a[0], 0, 4, 0, out, err);
    if (!strcmp(fn, "table")) return walk(c, st, e, a[0], 0, (int)a[1], a[2], out, err);
    if (!strcmp(fn, "ptep")) {
        if (walk(c, st, e, a[0], 0, (int)a[1], a[2], &t, err))
            return -1;
        *out = (t << PAGE_SHIFT) + 8 * pt_index(a[2], (int)a[1]);
        return 0;
    }
    if (!strcmp(fn, "peek")) {
        intpte_t l1e;

        if (walk(c, st, e, a[0], 0, 1, a[1], &t, err))
            return -1;
        l1e = ((intpte_t *)(m->phys.mem + (t << PAGE_SHIFT)))[pt_index(a[1], 1)];
        if (!(l1e & _PAGE_PRESENT) || pte_mfn(l1e) >= m->nr_frames)
            return err_at(err, st, e, "peek(): %#lx is not mapped", (unsigned long)a[1]);
        *out = *(uint64_t *)(m->phys.mem + (pte_mfn(l1e) << PAGE_SHIFT) + (a[1] & 0xFF8));
        return 0;
    }
    if (!strcmp(fn, "spare") || !strcmp(fn, "nr_spare")) {
        uint64_t first = sd->layout.spare_va >> PAGE_SHIFT;
        uint64_t end = sim_scratch_va(m, (domid_t)a[0]) >> PAGE_SHIFT;

        if (!strcmp(fn, "nr_spare")) { *out = end - first; return 0; }
        if (a[1] >= end - first)
            return err_at(err, st, e, "spare(): d%lu has %lu spare pages (0..%lu)",
                          (unsigned long)a[0], (unsigned long)(end - first),
                          (unsigned long)(end - first - 1));
        *out = first + a[1];
        return 0;
    }
    if (!strcmp(fn, "scratch")) { *out = sim_scratch_va(m, (domid_t)a[0]); return 0; }
    if (!strcmp(fn, "pt_base")) { *out = sd->layout.pt_va; return 0; }
    if (!strcmp(fn, "start_info")) { *out = sd->layout.start_info_va; return 0; }
    if (!strcmp(fn, "mfn_list")) { *out = sd->layout.p2m_va; return 0; }
    if (!strcmp(fn, "stack")) { *out = sd->layout.stack_va; return 0; }
    if (!strcmp(fn, "v_end")) { *out = sd->layout.v_end; return 0; }
    if (!strcmp(fn, "nr_pt_frames")) { *out = sd->layout.nr_pt_frames; return 0; }
    if (!strcmp(fn, "nr_pages")) { *out = sd->layout.nr_pages; return 0; }
    return err_at(err, st, e, "%s() is not implemented", fn);
}

int scn_eval(struct scn_ctx *c, const struct scn_stmt *st, const struct scn_expr *e, uint64_t *out,
             struct scn_error *err)
{
    uint64_t a[4] = { 0 }, x, y;

    switch (e->kind) {
    case EX_NUM:
    case EX_CONST:
        *out = e->num;
        return 0;
    case EX_VAR:
        *out = c->vars[e->var];
        return 0;
    case EX_CALL:
        if (!c->m)
            return err_at(err, st, e, "%s() needs the machine, which does not exist yet", e->name);
        for (int i = 0; i < e->nargs; i++)
            if (scn_eval(c, st, e->arg[i], &a[i], err))
                return -1;
        return call(c, st, e, a, out, err);
    case EX_UNARY:
        if (scn_eval(c, st, e->arg[0], &x, err))
            return -1;
        *out = e->op[0] == '-' ? -x : e->op[0] == '~' ? ~x : !x;
        return 0;
    case EX_BINARY:
        if (scn_eval(c, st, e->arg[0], &x, err) || scn_eval(c, st, e->arg[1], &y, err))
            return -1;
        break;
    }
    if (!strcmp(e->op, "+")) *out = x + y;
    else if (!strcmp(e->op, "-")) *out = x - y;
    else if (!strcmp(e->op, "*")) *out = x * y;
    else if (!strcmp(e->op, "/") || !strcmp(e->op, "%")) {
        if (y == 0)
            return err_at(err, st, e, "division by zero");
        if (y >> 63)
            return err_at(err, st, e, "division by %#lx (%ld as a signed number): values are "
                          "unsigned 64-bit, the quotient would be %#lx", (unsigned long)y,
                          (long)y, (unsigned long)(e->op[0] == '/' ? x / y : x % y));
        *out = e->op[0] == '/' ? x / y : x % y;
    }
    else if (!strcmp(e->op, "&")) *out = x & y;
    else if (!strcmp(e->op, "|")) *out = x | y;
    else if (!strcmp(e->op, "^")) *out = x ^ y;
    else if (!strcmp(e->op, "<<")) *out = y >= 64 ? 0 : x << y;
    else if (!strcmp(e->op, ">>")) *out = y >= 64 ? 0 : x >> y;
    else if (!strcmp(e->op, "==")) *out = x == y;
    else if (!strcmp(e->op, "!=")) *out = x != y;
    else if (!strcmp(e->op, "<")) *out = x < y;
    else if (!strcmp(e->op, "<=")) *out = x <= y;
    else if (!strcmp(e->op, ">")) *out = x > y;
    else if (!strcmp(e->op, ">=")) *out = x >= y;
    else if (!strcmp(e->op, "&&")) *out = x && y;
    else if (!strcmp(e->op, "||")) *out = x || y;
    else return err_at(err, st, e, "unknown operator '%s'", e->op);
    return 0;
}
