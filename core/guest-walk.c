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
static inline intpte_t read_table_entry(struct pvmm_state *s, mfn_t mfn, unsigned int slot)
{
    const intpte_t *t = map_domain_page(s, mfn);
    intpte_t e = read_atomic64(&t[slot]);

    unmap_domain_page(s, (void *)t);
    return e;
}

/* Where a walk stopped: table, level, slot and the entry read there. */
static inline void walk_stop(struct guest_walk *w, mfn_t table, int level, unsigned int slot,
                             intpte_t e)
{
    w->table = table;
    w->level = level;
    w->slot = slot;
    w->entry = e;
}

/* The result is written once, where the walk ends: update_va_mapping walks on every call. */
bool guest_walk_to_l1(struct pvmm_state *s, mfn_t root, uint64_t va, struct guest_walk *w)
{
    const uint8_t *dm = s->plat->direct_map;
    mfn_t table = root;
    unsigned int slot;
    intpte_t e;

    if (!mfn_valid(s, root)) {
        walk_stop(w, INVALID_MFN, 4, pt_index(va, 4), 0);
        return false;
    }
    for (int level = 4; level > 1; level--) {
        slot = pt_index(va, level);
        if (dm)                         /* the platform's direct map: no call per level */
            e = read_atomic64((const intpte_t *)(dm + (table << PAGE_SHIFT)) + slot);
        else
            e = read_table_entry(s, table, slot);
        /* The entry stops the walk if it names no frame (a table changing under us). */
        if (!(e & _PAGE_PRESENT) || (level < 4 && (e & _PAGE_PSE)) ||
            !mfn_valid(s, pte_mfn(e))) {
            walk_stop(w, table, level, slot, e);
            return false;
        }
        table = pte_mfn(e);
    }
    walk_stop(w, table, 1, pt_index(va, 1), 0);
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
