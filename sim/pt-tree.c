/*
 * sim/pt-tree.c - walking a domain's page-table trees (see pt-tree.h).
 */
#include "pt-tree.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *pt_type_name(uint64_t type_info)
{
    switch (type_info & PGT_type_mask) {
    case PGT_none:           return "none";
    case PGT_l1_page_table:  return "L1";
    case PGT_l2_page_table:  return "L2";
    case PGT_l3_page_table:  return "L3";
    case PGT_l4_page_table:  return "L4";
    case PGT_seg_desc_page:  return "seg_desc";
    case PGT_writable_page:  return "writable";
    default:                 return "shared";
    }
}

/* Append the vCPUs that have mfn as a base to buf (at n); the new length. */
static size_t loaded_by(struct sim_machine *m, domid_t d, mfn_t mfn, char *buf, size_t len,
                        size_t n)
{
    const struct domain *dom = pvmm_domain_lookup(&m->s, d);
    bool first = true;

    for (unsigned int i = 0; dom && i < dom->max_vcpus && i < PVMM_MAX_VCPUS; i++) {
        const struct vcpu *v = &dom->vcpu[i];
        const char *mode[2] = { v->guest_table == mfn ? "kernel" : NULL,
                                v->guest_table_user == mfn ? "user" : NULL };

        for (int k = 0; k < 2; k++) {
            if (!mode[k] || n >= len)
                continue;
            n += (size_t)snprintf(buf + n, len - n, "%s%sv%u (%s)", n ? ", " : "",
                                  first ? "loaded by " : "", i, mode[k]);
            first = false;
        }
    }
    return n;
}

const char *pt_marks(struct sim_machine *m, domid_t d, mfn_t mfn, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    if (mfn < m->nr_frames && (m->ft[mfn].type_info & PGT_pinned))
        n = (size_t)snprintf(buf, len, "pinned");
    loaded_by(m, d, mfn, buf, len, n < len ? n : len);
    return buf;
}

bool pt_loaded(struct sim_machine *m, domid_t d, mfn_t mfn)
{
    char buf[8];

    return loaded_by(m, d, mfn, buf, sizeof(buf), 0) > 0;
}

const char *pt_owner_name(domid_t owner, char *buf, size_t len)
{
    if (owner == DOMID_XEN)
        snprintf(buf, len, "dom_xen");
    else if (owner == DOMID_IO)
        snprintf(buf, len, "dom_io");
    else if (owner == PVMM_OWNER_NONE)
        snprintf(buf, len, "none");
    else
        snprintf(buf, len, "d%u", (unsigned int)owner);
    return buf;
}

const char *pt_flags(intpte_t e, char *buf, size_t len)
{
    static const struct { intpte_t bit; const char *name; } f[] = {
        { _PAGE_PRESENT, "P" }, { _PAGE_RW, "RW" }, { _PAGE_USER, "U" }, { _PAGE_PWT, "PWT" },
        { _PAGE_PCD, "PCD" }, { _PAGE_ACCESSED, "A" }, { _PAGE_DIRTY, "D" }, { _PAGE_PSE, "PSE" },
        { _PAGE_GLOBAL, "G" }, { _PAGE_GUEST_KERNEL, "GK" }, { _PAGE_NX, "NX" },
    };
    size_t n = 0;

    buf[0] = '\0';
    for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++)
        if ((e & f[i].bit) && n < len)
            n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? "|" : "", f[i].name);
    return buf;
}

struct walk {
    struct sim_machine *m;
    domid_t d;
    const struct pt_visitor *vis;
    uint8_t *seen;
};

static const intpte_t *tab(struct sim_machine *m, mfn_t mfn)
{
    return (const intpte_t *)(m->phys.mem + (mfn << PAGE_SHIFT));
}

static void visit(struct walk *w, mfn_t mfn, int level, int depth, const char *why)
{
    const intpte_t *t = tab(w->m, mfn);

    w->seen[mfn] = 1;
    if (w->vis->table)
        w->vis->table(w->vis->ctx, mfn, level, depth, why);
    for (int i = 0; i < 512; i++) {
        intpte_t e = t[i];
        mfn_t target = pte_mfn(e);
        enum pt_edge kind;
        uint64_t ti;

        if (!(e & _PAGE_PRESENT))
            continue;
        if (level == 4 && !((i < 256) || (i > 271))) {
            if (w->vis->entry)
                w->vis->entry(w->vis->ctx, mfn, level, i, e, PT_XEN_SLOT, depth);
            continue;
        }
        if (target >= w->m->nr_frames) {
            kind = PT_OTHER;
        } else if (level == 1) {
            ti = w->m->ft[target].type_info;
            if (PGT_is_pagetable(ti) || (ti & PGT_type_mask) == PGT_seg_desc_page)
                kind = (e & _PAGE_RW) && (ti & PGT_count_mask) ? PT_BAD_WRITABLE : PT_MAPS_TABLE;
            else if ((e & _PAGE_RW) && (ti & PGT_type_mask) != PGT_writable_page &&
                     w->m->ft[target].owner < PVMM_MAX_DOMAINS)
                kind = PT_BAD_WRITABLE;
            else
                kind = PT_DATA;
        } else {
            ti = w->m->ft[target].type_info;
            if (PGT_type_level(ti) == level)
                kind = PT_LINEAR;
            else if (PGT_type_level(ti) == level - 1)
                kind = w->seen[target] ? PT_SHARED : PT_CHILD;
            else
                kind = PT_OTHER;
        }
        if (w->vis->entry)
            w->vis->entry(w->vis->ctx, mfn, level, i, e, kind, depth);
        if (kind == PT_CHILD)
            visit(w, target, level - 1, depth + 1, NULL);
    }
}

void pt_tree_walk(struct sim_machine *m, domid_t d, const struct pt_visitor *vis)
{
    struct domain *dom = pvmm_domain_lookup(&m->s, d);
    struct walk w = { .m = m, .d = d, .vis = vis };
    char why[64];

    if (!dom)
        return;
    w.seen = calloc(m->nr_frames, 1);
    if (!w.seen)
        return;
    for (unsigned int i = 0; i < dom->max_vcpus && i < PVMM_MAX_VCPUS; i++) {
        const struct vcpu *v = &dom->vcpu[i];

        if (v->guest_table != INVALID_MFN && v->guest_table < m->nr_frames &&
            !w.seen[v->guest_table]) {
            snprintf(why, sizeof(why), "kernel base of v%u", i);
            visit(&w, v->guest_table, 4, 0, why);
        }
        if (v->guest_table_user != INVALID_MFN && v->guest_table_user != 0 &&
            v->guest_table_user < m->nr_frames && !w.seen[v->guest_table_user]) {
            snprintf(why, sizeof(why), "user base of v%u", i);
            visit(&w, v->guest_table_user, 4, 0, why);
        }
    }
    for (mfn_t f = 0; f < m->nr_frames; f++) {
        uint64_t ti = m->ft[f].type_info;

        if (m->ft[f].owner == d && (ti & PGT_pinned) && !w.seen[f] && PGT_is_pagetable(ti))
            visit(&w, f, PGT_type_level(ti), 0, "pinned");
    }
    free(w.seen);
}
