/*
 * pt-build.c: the construction recipe for new page-table trees (see pt-build.h).
 */
#include <stddef.h>

#include "pagetable.h"
#include "pt-build.h"

static uint64_t *new_table(struct pt_tree *t, unsigned int level)
{
    uint64_t *p;

    if (t->nr >= PT_TREE_MAX_TABLES)
        return NULL;
    p = alloc_page();
    t->tables[t->nr] = p;
    t->levels[t->nr] = level;
    t->nr++;
    return p;
}

void pt_tree_init(struct pt_tree *t)
{
    t->nr = 0;
    t->l4 = new_table(t, 4);
}

int pt_tree_map(struct pt_tree *t, unsigned long va, unsigned long mfn, uint64_t flags)
{
    uint64_t *table = t->l4;
    unsigned int level;

    for (level = 4; level > 1; level--) {
        uint64_t *e = &table[pt_index(va, level)];

        if (!(*e & _PAGE_PRESENT)) {
            uint64_t *next = new_table(t, level - 1);

            if (!next)
                return -1;
            *e = ((uint64_t)virt_to_mfn(next) << PAGE_SHIFT) | PDE_FLAGS;
        }
        table = mfn_to_virt(pte_mfn(*e));
    }
    table[pt_index(va, 1)] = ((uint64_t)mfn << PAGE_SHIFT) | flags;
    return 0;
}

long pt_tree_seal(const struct pt_tree *t)
{
    unsigned int level, i;

    for (level = 1; level <= 4; level++) {
        for (i = 0; i < t->nr; i++) {
            long rc;

            if (t->levels[i] != level)
                continue;
            rc = pt_make_ro(t->tables[i]);
            if (rc)
                return rc;
        }
    }
    return 0;
}

unsigned long pt_tree_l4_mfn(const struct pt_tree *t)
{
    return virt_to_mfn(t->l4);
}

void pt_tree_1g_build(struct pt_tree_1g *t, const unsigned long *frames)
{
    unsigned int i, j;

    t->l4 = alloc_page();
    t->l3 = alloc_page();
    t->l2 = alloc_page();
    for (i = 0; i < PT_ENTRIES; i++) {
        t->l1s[i] = alloc_page();
        for (j = 0; j < PT_ENTRIES; j++)
            t->l1s[i][j] = ((uint64_t)frames[j] << PAGE_SHIFT) | PTE_FLAGS_RW;
        t->l2[i] = ((uint64_t)virt_to_mfn(t->l1s[i]) << PAGE_SHIFT) | PDE_FLAGS;
    }
    t->l3[0] = ((uint64_t)virt_to_mfn(t->l2) << PAGE_SHIFT) | PDE_FLAGS;
    t->l4[0] = ((uint64_t)virt_to_mfn(t->l3) << PAGE_SHIFT) | PDE_FLAGS;
}

long pt_tree_1g_set_rw(const struct pt_tree_1g *t, bool rw)
{
    long (*set)(const volatile void *) = rw ? pt_make_rw : pt_make_ro;
    unsigned int i;
    long rc = 0;

    for (i = 0; i < PT_ENTRIES && !rc; i++)
        rc = set(t->l1s[i]);
    if (!rc)
        rc = set(t->l2);
    if (!rc)
        rc = set(t->l3);
    if (!rc)
        rc = set(t->l4);
    return rc;
}
