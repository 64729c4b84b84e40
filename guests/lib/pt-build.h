/*
 * pt-build.h: building a new page-table tree by "the construction recipe".
 *
 * A PV guest cannot hand Xen a page table it can still write. The recipe:
 *   1. take fresh pages (writable, ordinary pages at this point) and fill them, L4 down to L1,
 *      with plain stores: pt_tree_init() and pt_tree_map();
 *   2. make every table page read-only, bottom-up (L1s, then L2s, L3s and the L4):
 *      pt_tree_seal();
 *   3. pin the L4 (Xen validates the whole tree) and install it, e.g. with
 *      MMUEXT_NEW_USER_BASEPTR or MMUEXT_NEW_BASEPTR.
 * Xen fills the L4's slots 256-271 itself at validation.
 */
#ifndef GUEST_PT_BUILD_H
#define GUEST_PT_BUILD_H

#include <stdbool.h>
#include <stdint.h>

#define PT_TREE_MAX_TABLES 32

struct pt_tree {
    uint64_t *l4;                                 /* the root, also tables[0] */
    uint64_t *tables[PT_TREE_MAX_TABLES];         /* every table page, in allocation order */
    unsigned int levels[PT_TREE_MAX_TABLES];      /* the level of each */
    unsigned int nr;
};

/* Start a tree with a fresh, empty L4. */
void pt_tree_init(struct pt_tree *t);

/* Map mfn at va with leaf flags, creating L3/L2/L1 pages as needed (upper entries get
 * PDE_FLAGS). Only valid before pt_tree_seal(). Returns 0, or -1 if the tree is full. */
int pt_tree_map(struct pt_tree *t, unsigned long va, unsigned long mfn, uint64_t flags);

/* Make every table page read-only, L1s first and the L4 last. Returns 0 or the first
 * update_va_mapping error. */
long pt_tree_seal(const struct pt_tree *t);

/* The L4's mfn. */
unsigned long pt_tree_l4_mfn(const struct pt_tree *t);

/*
 * A big tree for long validations: an L4 whose slot 0 points at one L3, whose entry 0 points
 * at one L2, whose 512 entries point at 512 L1s, each mapping the same 512 frames writable
 * (262144 entries, 1 GiB of VA).
 */
struct pt_tree_1g {
    uint64_t *l4, *l3, *l2;
    uint64_t *l1s[512];
};

/* Allocate and fill the tree over frames[0..511] (still writable: call pt_tree_1g_set_rw). */
void pt_tree_1g_build(struct pt_tree_1g *t, const unsigned long *frames);

/* Make every table page read-only (rw false) or writable again, L1s first and the L4 last.
 * Returns 0 or the first error. */
long pt_tree_1g_set_rw(const struct pt_tree_1g *t, bool rw);

#endif /* GUEST_PT_BUILD_H */
