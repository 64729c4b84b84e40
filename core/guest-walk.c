/*
 * core/guest-walk.c - walking a guest's page tables in software to the L1
 * entry that maps an address.
 *
 * Three operations need the L1 entry behind a guest virtual address:
 * update_va_mapping (the entry to replace, in the caller's current tables),
 * the writable page-table emulation and the lazy LDT (the entry in the
 * guest *kernel's* tables, Xen's guest_get_eff_kern_l1e).  All three use
 * this one walk.  It reads the tables as they are now - no linear mapping,
 * no TLB - so an L3 or L2 swapped a moment ago is seen at once (Xen walks
 * in software for update_va_mapping since XSA-286).
 *
 * The walk takes no references: it only reads entries, each with one
 * atomic 8-byte load.  Whatever it finds may change under it, so every
 * caller re-checks what it acts on (the frame's owner and type, under the
 * page lock).  The rules of the walk are those of the PV ABI: the L4, L3
 * and L2 entries must be present, and an L3 or L2 entry with PSE set maps
 * no L1 (PV guests cannot create superpages).
 */
#include "mm.h"

/* Entry `slot` of table frame mfn, read once. */
static intpte_t read_table_entry(struct pvmm_state *s, mfn_t mfn, unsigned int slot)
{
    const intpte_t *t = map_domain_page(s, mfn);
    intpte_t e = read_atomic64(&t[slot]);

    unmap_domain_page(s, (void *)t);
    return e;
}

bool guest_walk_to_l1(struct pvmm_state *s, mfn_t root, uint64_t va, struct guest_walk *w)
{
    mfn_t table = root;
    intpte_t e;

    w->table = INVALID_MFN;
    w->level = 4;
    w->slot = pt_index(va, 4);
    w->entry = 0;
    if (!mfn_valid(s, root))
        return false;
    for (int level = 4; level > 1; level--) {
        w->table = table;
        w->level = level;
        w->slot = pt_index(va, level);
        e = read_table_entry(s, table, w->slot);
        w->entry = e;
        if (!(e & _PAGE_PRESENT) || (level < 4 && (e & _PAGE_PSE)))
            return false;
        /* The entry stops the walk if it names no frame (a table changing under us). */
        if (!mfn_valid(s, pte_mfn(e)))
            return false;
        table = pte_mfn(e);
    }
    w->table = table;
    w->level = 1;
    w->slot = pt_index(va, 1);
    w->entry = 0;
    return true;
}

bool guest_kernel_l1e(struct vcpu *v, uint64_t va, struct guest_walk *w)
{
    struct pvmm_state *s = vcpu_state(v);

    if (!addr_ok(va) || v->guest_table == INVALID_MFN) {
        w->table = INVALID_MFN;
        w->level = 4;
        w->slot = pt_index(va, 4);
        w->entry = 0;
        return false;
    }
    if (!guest_walk_to_l1(s, v->guest_table, va, w))
        return false;
    w->entry = read_table_entry(s, w->table, w->slot);
    return true;
}
