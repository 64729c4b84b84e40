/*
 * sim/dot.c - a domain's page-table trees as a Graphviz graph.
 *
 * Tables are boxes labelled with level, frame, type count and general
 * count, and in words whether they are pinned and which vCPU has them
 * loaded; the same facts are drawn: pinned tables have a double border,
 * loaded ones are filled.  Edges: parent to child (labelled with the slot;
 * a shared table simply has several parents), linear (same-level) entries
 * dashed blue, read-only mappings of page-table frames dotted grey,
 * writable mappings that must not exist red, and the writable mapping a
 * failure's reason blames (e.g. the one that keeps a page from becoming an
 * LDT) red and bold to an extra node for the blocked frame; the table
 * holding a failing entry has a red border.  Data mappings are left out.
 * A title names the moment (file:line and the operation) and a legend
 * explains the marks; one font throughout.  Render with `dot -Tsvg`.
 */
#include "run.h"
#include "pt-tree.h"

#include <string.h>

#define DOT_FONT "Helvetica"

struct dot {
    FILE *f;
    struct sim_machine *m;
    domid_t d;
    const struct pvmm_reason *hl;
    const struct sim_dot_opts *o;
    bool xen_node;
};

/* Is the L1 table mfn left out (--no-leaves), i.e. not one the reason points at? */
static bool hidden_l1(const struct dot *d, mfn_t mfn)
{
    if (!d->o || !d->o->hide_leaves)
        return false;
    return !(d->hl && ((d->hl->have_blocker && d->hl->blocker_l1 == mfn) ||
                       d->hl->table == mfn));
}

static void on_table(void *ctx, mfn_t mfn, int level, int depth, const char *why)
{
    struct dot *d = ctx;
    const struct page_info *pg = &d->m->ft[mfn];
    bool pinned = pg->type_info & PGT_pinned;
    bool loaded = pt_loaded(d->m, d->d, mfn);
    bool failing = d->hl && d->hl->table == mfn;
    char marks[128];

    (void)depth;
    (void)why;
    if (level == 1 && hidden_l1(d, mfn))
        return;
    pt_marks(d->m, d->d, mfn, marks, sizeof(marks));
    fprintf(d->f, "  f%lx [label=\"%s 0x%lx\\ntype count %lu, count %lu", (unsigned long)mfn,
            pt_type_name(pg->type_info), (unsigned long)mfn,
            (unsigned long)(pg->type_info & PGT_count_mask),
            (unsigned long)(pg->count_info & PGC_count_mask));
    if (marks[0])
        fprintf(d->f, "\\n%s", marks);
    if (!(pg->type_info & PGT_validated))
        fprintf(d->f, "\\nNOT validated");
    if (failing)
        fprintf(d->f, "\\nentry %d: the failing entry", d->hl->index);
    fprintf(d->f, "\"%s%s%s];\n", pinned ? ", peripheries=2" : "",
            loaded ? ", style=filled, fillcolor=lightblue" : "",
            failing ? ", color=red, fontcolor=red, penwidth=2" : "");
}

static void blocker_edge(struct dot *d, mfn_t table, int slot, mfn_t t)
{
    bool known = t < d->m->nr_frames;

    fprintf(d->f, "  b%lx [label=\"frame 0x%lx\\n%s, type count %lu\", color=red, "
            "fontcolor=red];\n", (unsigned long)t, (unsigned long)t,
            known ? pt_type_name(d->m->ft[t].type_info) : "beyond memory",
            known ? (unsigned long)(d->m->ft[t].type_info & PGT_count_mask) : 0UL);
    fprintf(d->f, "  f%lx -> b%lx [label=\"[%d] writable:\\nblocks the operation\", "
            "color=red, fontcolor=red, penwidth=3];\n", (unsigned long)table,
            (unsigned long)t, slot);
}

static void on_entry(void *ctx, mfn_t table, int level, int slot, intpte_t e, enum pt_edge kind,
                     int depth)
{
    struct dot *d = ctx;
    mfn_t t = pte_mfn(e);
    bool blocker = d->hl && d->hl->have_blocker && d->hl->blocker_l1 == table &&
                   d->hl->blocker_slot == slot;

    (void)depth;
    if (level == 1 && hidden_l1(d, table))
        return;
    if (blocker) {
        blocker_edge(d, table, slot, t);
        return;
    }
    if (level == 2 && (kind == PT_CHILD || kind == PT_SHARED) && hidden_l1(d, t))
        return;
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
        if (d->o && d->o->hide_ro)
            break;
        if (PGT_type_level(d->m->ft[t].type_info) == 1 && hidden_l1(d, t))
            break;
        fprintf(d->f, "  f%lx -> f%lx [label=\"[%d] RO\", style=dotted, color=gray50, "
                "fontcolor=gray50, constraint=false];\n", (unsigned long)table, (unsigned long)t,
                slot);
        break;
    case PT_BAD_WRITABLE:
        fprintf(d->f, "  w%lx [label=\"frame 0x%lx\", color=red, fontcolor=red];\n",
                (unsigned long)t, (unsigned long)t);
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

/* The legend: one plain node with a table of the marks used above. */
static void legend(FILE *f, const struct sim_dot_opts *o)
{
    fprintf(f, "  legend [shape=plaintext, label=<"
            "<table border=\"1\" cellborder=\"0\" cellspacing=\"4\" color=\"gray60\">"
            "<tr><td colspan=\"2\"><b>legend</b></td></tr>"
            "<tr><td border=\"3\" style=\"rounded\" sides=\"ltrb\">  </td>"
            "<td align=\"left\">double border: pinned</td></tr>"
            "<tr><td bgcolor=\"lightblue\">  </td>"
            "<td align=\"left\">filled: loaded as a vCPU's base (CR3)</td></tr>"
            "<tr><td>[n]</td><td align=\"left\">slot n points at the next level down</td></tr>"
            "<tr><td><font color=\"blue\">- - -</font></td>"
            "<td align=\"left\">linear (same-level) entry</td></tr>");
    if (!o || !o->hide_ro)
        fprintf(f, "<tr><td><font color=\"gray50\">. . .</font></td>"
                "<td align=\"left\">read-only mapping of a page table (RO)</td></tr>");
    fprintf(f, "<tr><td><font color=\"red\">&#8212;&#8212;</font></td>"
            "<td align=\"left\">writable mapping that blocks, or must not exist</td></tr>"
            "<tr><td><font color=\"red\">red box</font></td>"
            "<td align=\"left\">holds the entry the failing operation was about</td></tr>");
    if (o && o->hide_leaves)
        fprintf(f, "<tr><td>(L1)</td><td align=\"left\">L1 tables left out "
                "(--no-leaves)</td></tr>");
    fprintf(f, "<tr><td colspan=\"2\" align=\"left\">counts: type count, general count</td>"
            "</tr></table>>];\n");
}

/* s with " and \ escaped and newlines as \n, for a DOT string. */
static void dot_escaped(FILE *f, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
}

void sim_dot_tree(FILE *f, struct sim_machine *m, domid_t d, const struct pvmm_reason *hl,
                  const struct sim_dot_opts *o)
{
    struct dot s = { .f = f, .m = m, .d = d, .hl = hl, .o = o };
    struct pt_visitor v = { .ctx = &s, .table = on_table, .entry = on_entry };

    fprintf(f, "digraph \"d%u\" {\n  rankdir=LR;\n  labelloc=t;\n"
            "  graph [fontname=\"" DOT_FONT "\"];\n"
            "  node [shape=box, fontname=\"" DOT_FONT "\"];\n"
            "  edge [fontname=\"" DOT_FONT "\", fontsize=10];\n  label=\"", d);
    if (o && o->title) {
        dot_escaped(f, o->title);
        fprintf(f, "\\n");
    }
    fprintf(f, "domain d%u page tables%s\";\n", d,
            pvmm_domain_lookup(&m->s, d) ? "" : " (no such domain)");
    pt_tree_walk(m, d, &v);
    if (!o || !o->no_legend)
        legend(f, o);
    fprintf(f, "}\n");
}

void sim_dot_domain(FILE *f, struct sim_machine *m, domid_t d, const struct pvmm_reason *hl)
{
    sim_dot_tree(f, m, d, hl, NULL);
}
