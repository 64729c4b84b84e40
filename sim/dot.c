/*
 * sim/dot.c - a domain's page-table trees as a Graphviz graph.
 *
 * Tables are boxes labelled with level, frame, type count and general
 * count; pinned tables have a double border, tables loaded as a vCPU base
 * are filled.  Edges: parent to child (labelled with the slot; a shared
 * table simply has several parents), linear (same-level) entries dashed
 * blue, read-only mappings of page-table frames dotted grey, writable
 * mappings that must not exist red, and the writable mapping a failure's
 * reason blames (e.g. the one that keeps a page from becoming an LDT) red
 * and bold to an extra node for the blocked frame.  Data mappings are left
 * out.  Render with `dot -Tsvg`.
 */
#include "run.h"
#include "pt-tree.h"

struct dot {
    FILE *f;
    struct sim_machine *m;
    const struct pvmm_reason *hl;
    bool xen_node;
};

static void node(struct dot *d, mfn_t mfn, const char *why)
{
    const struct page_info *pg = &d->m->ft[mfn];

    fprintf(d->f, "  f%lx [label=\"%s 0x%lx\\ntype count %lu, count %lu%s%s\"%s%s];\n",
            (unsigned long)mfn, pt_type_name(pg->type_info), (unsigned long)mfn,
            (unsigned long)(pg->type_info & PGT_count_mask),
            (unsigned long)(pg->count_info & PGC_count_mask), why ? "\\n" : "", why ? why : "",
            (pg->type_info & PGT_pinned) ? ", peripheries=2" : "",
            why && why[0] != 'p' ? ", style=filled, fillcolor=lightblue" : "");
}

static void on_table(void *ctx, mfn_t mfn, int level, int depth, const char *why)
{
    (void)level;
    (void)depth;
    node(ctx, mfn, why);
}

static void on_entry(void *ctx, mfn_t table, int level, int slot, intpte_t e, enum pt_edge kind,
                     int depth)
{
    struct dot *d = ctx;
    mfn_t t = pte_mfn(e);
    bool blocker = d->hl && d->hl->have_blocker && d->hl->blocker_l1 == table &&
                   d->hl->blocker_slot == slot;

    (void)level;
    (void)depth;
    if (blocker) {
        fprintf(d->f, "  b%lx [label=\"frame 0x%lx\\n%s, type count %lu\", color=red, "
                "fontcolor=red];\n", (unsigned long)t, (unsigned long)t,
                t < d->m->nr_frames ? pt_type_name(d->m->ft[t].type_info) : "?",
                t < d->m->nr_frames ?
                (unsigned long)(d->m->ft[t].type_info & PGT_count_mask) : 0UL);
        fprintf(d->f, "  f%lx -> b%lx [label=\"[%d] writable:\\nblocks the operation\", "
                "color=red, fontcolor=red, penwidth=3];\n", (unsigned long)table,
                (unsigned long)t, slot);
        return;
    }
    switch (kind) {
    case PT_CHILD:
    case PT_SHARED:
        fprintf(d->f, "  f%lx -> f%lx [label=\"[%d]\"];\n", (unsigned long)table, (unsigned long)t,
                slot);
        break;
    case PT_LINEAR:
        fprintf(d->f, "  f%lx -> f%lx [label=\"[%d] linear\", style=dashed, color=blue, "
                "fontcolor=blue];\n", (unsigned long)table, (unsigned long)t, slot);
        break;
    case PT_MAPS_TABLE:
        fprintf(d->f, "  f%lx -> f%lx [label=\"[%d] RO\", style=dotted, color=gray50, "
                "fontcolor=gray50, constraint=false];\n", (unsigned long)table, (unsigned long)t,
                slot);
        break;
    case PT_BAD_WRITABLE:
        fprintf(d->f, "  w%lx [label=\"frame 0x%lx\", color=red];\n", (unsigned long)t,
                (unsigned long)t);
        fprintf(d->f, "  f%lx -> w%lx [label=\"[%d] WRITABLE\", color=red, fontcolor=red];\n",
                (unsigned long)table, (unsigned long)t, slot);
        break;
    case PT_XEN_SLOT:
        if (slot != 256)
            break;
        if (!d->xen_node) {
            fprintf(d->f, "  xen [label=\"hypervisor slots 256-271\\n(M2P read-only, rest "
                    "supervisor-only)\", shape=note, color=gray40];\n");
            d->xen_node = true;
        }
        fprintf(d->f, "  f%lx -> xen [style=dotted, color=gray40];\n", (unsigned long)table);
        break;
    case PT_DATA:
    case PT_OTHER:
        break;
    }
}

void sim_dot_domain(FILE *f, struct sim_machine *m, domid_t d, const struct pvmm_reason *hl)
{
    struct dot s = { .f = f, .m = m, .hl = hl };
    struct pt_visitor v = { .ctx = &s, .table = on_table, .entry = on_entry };

    fprintf(f, "digraph \"d%u\" {\n  rankdir=LR;\n  node [shape=box, fontname=\"monospace\"];\n"
            "  label=\"domain d%u page tables\";\n", d, d);
    pt_tree_walk(m, d, &v);
    fprintf(f, "}\n");
}
