/*
 * sim/pt-tree.h - walking a domain's page-table trees for pictures (show.c, dot.c).
 *
 * The roots are every vCPU's kernel and user L4 and every pinned table of
 * the domain.  The walk visits each table once (a table reached again is
 * reported as shared, not descended into again) and classifies every
 * present entry: a child table of the next level down, a same-level
 * (linear) entry, a hypervisor slot, a leaf mapping of a page-table or
 * descriptor frame (always read-only), a writable leaf mapping of a frame
 * whose type is not writable (an invariant violation the auditor would
 * also report), or an ordinary data mapping.
 */
#ifndef PVMM_SIM_PT_TREE_H
#define PVMM_SIM_PT_TREE_H

#include "machine.h"

enum pt_edge {
    PT_CHILD,          /* next level down */
    PT_SHARED,         /* next level down, already visited from elsewhere */
    PT_LINEAR,         /* same-level entry */
    PT_XEN_SLOT,       /* L4 slots 256..271 */
    PT_MAPS_TABLE,     /* L1 leaf mapping a page-table or descriptor frame */
    PT_BAD_WRITABLE,   /* writable leaf mapping of a frame whose type is not writable */
    PT_DATA,           /* any other leaf */
    PT_OTHER,          /* entry to a frame that is not a table of a sensible level */
};

struct pt_visitor {
    void *ctx;
    /* A table, when first reached; depth 0 for roots; why = "kernel base of v0" etc. */
    void (*table)(void *ctx, mfn_t mfn, int level, int depth, const char *why);
    /* A present entry of table `table`. */
    void (*entry)(void *ctx, mfn_t table, int level, int slot, intpte_t e, enum pt_edge kind,
                  int depth);
};

/* Walk every tree of domain d. */
void pt_tree_walk(struct sim_machine *m, domid_t d, const struct pt_visitor *vis);

/* "L1" .. "L4", "seg_desc", "writable", "none" for a frame's type. */
const char *pt_type_name(uint64_t type_info);
/*
 * What a picture says about table mfn of domain d, in words that dot, show
 * and the page share: "pinned", "loaded by v0 (kernel)", "v1 (user)", joined
 * by ", " into buf ("" for neither).  Returns buf.
 */
const char *pt_marks(struct sim_machine *m, domid_t d, mfn_t mfn, char *buf, size_t len);
/* True if mfn is some vCPU's base (kernel or user) in domain d. */
bool pt_loaded(struct sim_machine *m, domid_t d, mfn_t mfn);
/* An owner as the core's reasons spell it: "d1", "dom_xen", "dom_io" or "none". */
const char *pt_owner_name(domid_t owner, char *buf, size_t len);
/* Flags of entry e as "P|RW|U|A|D|G|NX" into buf. */
const char *pt_flags(intpte_t e, char *buf, size_t len);

#endif /* PVMM_SIM_PT_TREE_H */
