/*
 * sim/show.c - a domain's page-table trees as indented text.
 *
 * One line per upper-level entry (slot, the virtual address it starts,
 * the child's type, type count and general count, the entry's flags); one
 * summary line per L1, followed by the L1 entries worth a look: read-only
 * mappings of page tables or descriptor pages, writable mappings of frames
 * that must not have any, and the mapping a failure's reason points at.
 * Tables are marked "pinned" and "loaded by v0 (kernel)" in the words dot.c
 * uses (pt_marks).  Shared tables (reached from two parents) and linear (same-level) entries
 * are marked; hypervisor slots are summarised in one line.
 */
#include "run.h"
#include "pt-tree.h"

#include <string.h>

struct show {
    FILE *f;
    struct sim_machine *m;
    domid_t d;
    const struct pvmm_reason *hl;
    int slots[5];
    /* the L1 being summarised */
    mfn_t l1;
    int l1_depth;
    unsigned int present, rw, tables;
    char xen[160];
};

static uint64_t slot_va(const struct show *s, int level, int slot)
{
    uint64_t va = 0;

    for (int l = 4; l > level; l--)
        va |= (uint64_t)s->slots[l] << (12 + 9 * (l - 1));
    va |= (uint64_t)slot << (12 + 9 * (level - 1));
    if (va & (1UL << 47))
        va |= 0xFFFF000000000000UL;
    return va;
}

/* "L1 type count 1, count 3" and the marks the picture uses: "; pinned, loaded by v0 (kernel)". */
static void counts(const struct show *s, mfn_t mfn, char *buf, size_t len)
{
    const struct page_info *pg = &s->m->ft[mfn];
    char marks[128];
    int n;

    pt_marks(s->m, s->d, mfn, marks, sizeof(marks));
    /* A line cut at len is fine for the picture: say so, which gcc -O2 wants to see. */
    n = snprintf(buf, len, "%s%s type count %lu, count %lu%s%s", pt_type_name(pg->type_info),
                 (pg->type_info & PGT_validated) ? "" : " NOT validated",
                 (unsigned long)(pg->type_info & PGT_count_mask),
                 (unsigned long)(pg->count_info & PGC_count_mask), marks[0] ? "; " : "", marks);
    if (n >= (int)len && len)
        buf[len - 1] = '\0';           /* snprintf did so already: cut, not an error */
}

static void flush_l1(struct show *s)
{
    if (s->l1 == INVALID_MFN)
        return;
    fprintf(s->f, "%*s   L1 0x%lx: %u present entries, %u writable, %u map page tables read-only\n",
            2 * s->l1_depth, "", (unsigned long)s->l1, s->present, s->rw, s->tables);
    s->l1 = INVALID_MFN;
}

static void flush_xen(struct show *s, int depth)
{
    if (!s->xen[0])
        return;
    fprintf(s->f, "%*s[256-271] hypervisor slots present:%s\n", 2 * depth + 2, "", s->xen);
    s->xen[0] = '\0';
}

static void on_table(void *ctx, mfn_t mfn, int level, int depth, const char *why)
{
    struct show *s = ctx;
    char c[128];

    flush_l1(s);
    if (level == 1) {
        s->l1 = mfn;
        s->l1_depth = depth;
        s->present = s->rw = s->tables = 0;
    }
    (void)why;
    if (depth == 0) {
        counts(s, mfn, c, sizeof(c));
        fprintf(s->f, "L%d 0x%lx (%s)\n", level, (unsigned long)mfn, c);
    }
}

static void on_entry(void *ctx, mfn_t table, int level, int slot, intpte_t e, enum pt_edge kind,
                     int depth)
{
    struct show *s = ctx;
    mfn_t target = pte_mfn(e);
    bool blocker = s->hl && s->hl->have_blocker && s->hl->blocker_l1 == table &&
                   s->hl->blocker_slot == slot;
    bool failing = s->hl && s->hl->table == table && s->hl->index == slot;
    char fl[64], c[128];

    if (level == 1 && table == s->l1) {
        s->present++;
        s->rw += !!(e & _PAGE_RW);
        s->tables += kind == PT_MAPS_TABLE;
        if (kind == PT_DATA && !blocker && !failing)
            return;
        fprintf(s->f, "%*s   [%3d] VA 0x%lx -> 0x%lx %s (%s)%s%s%s\n", 2 * depth, "", slot,
                (unsigned long)slot_va(s, 1, slot), (unsigned long)target,
                kind == PT_MAPS_TABLE ? "read-only mapping of a page table" :
                kind == PT_BAD_WRITABLE ? "WRITABLE mapping of a frame that must not have one" :
                "data", pt_flags(e, fl, sizeof(fl)),
                kind == PT_MAPS_TABLE ? "" : "",
                blocker ? "  <== the writable mapping that blocked the operation" : "",
                failing ? "  <== the entry the failing operation was about" : "");
        return;
    }
    flush_l1(s);
    s->slots[level] = slot;
    if (kind == PT_XEN_SLOT) {
        size_t n = strlen(s->xen);

        snprintf(s->xen + n, sizeof(s->xen) - n, " %d%s", slot,
                 slot == 256 ? "(M2P, user-readable)" : (e & _PAGE_USER) ? "(user!)" : "");
        if (slot == 271 || slot == 262)
            flush_xen(s, depth);
        return;
    }
    flush_xen(s, depth);
    if (target < s->m->nr_frames)
        counts(s, target, c, sizeof(c));
    else
        snprintf(c, sizeof(c), "beyond memory");
    fprintf(s->f, "%*s[%3d] VA 0x%lx -> 0x%lx %s (%s)%s%s\n", 2 * depth + 2, "", slot,
            (unsigned long)slot_va(s, level, slot), (unsigned long)target, c,
            pt_flags(e, fl, sizeof(fl)),
            kind == PT_SHARED ? "  shared: already shown above" :
            kind == PT_LINEAR ? "  LINEAR: same-level entry (read-only recursive mapping)" :
            kind == PT_OTHER ? "  (not a table of the next level)" : "",
            failing ? "  <== the entry the failing operation was about" : "");
}

void sim_show_tree(FILE *f, struct sim_machine *m, domid_t d, const struct pvmm_reason *hl)
{
    struct domain *dom = pvmm_domain_lookup(&m->s, d);
    struct show s = { .f = f, .m = m, .d = d, .hl = hl, .l1 = INVALID_MFN };
    struct pt_visitor v = { .ctx = &s, .table = on_table, .entry = on_entry };

    if (!dom) {
        fprintf(f, "no domain d%u\n", d);
        return;
    }
    fprintf(f, "domain d%u: %lu pages, %u validated L4%s\n", d, (unsigned long)dom->tot_pages,
            dom->nr_l4_pages, dom->nr_l4_pages == 1 ? "" : "s");
    pt_tree_walk(m, d, &v);
    flush_l1(&s);
    flush_xen(&s, 0);
}

void sim_show_domain(FILE *f, struct sim_machine *m, domid_t d)
{
    sim_show_tree(f, m, d, NULL);
}
