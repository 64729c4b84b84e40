/*
 * core/xen-slots.c - the hypervisor's L4 slots 256..271.
 *
 * Every validated guest L4 carries the hypervisor's own mappings in slots
 * 256..271 (model.md §3.6, §3.7): the guest never writes them (mod_l4_entry
 * refuses, validation skips them) and the core overwrites all sixteen each
 * time an L4 is validated.  The entries carry no _PAGE_USER, so a 64-bit PV
 * guest (kernel and user both in ring 3) cannot reach them - except slot
 * 256, the read-only M2P, which is user-readable on purpose.
 *
 * With VMASST_TYPE_m2p_strict off (the default) a new L4 gets slot 256
 * empty and the M2P is inserted when the L4 becomes a kernel base
 * (fill_ro_mpt from new_guest_cr3); with it on, new L4s get the M2P and a
 * user base has it removed (zap_ro_mpt), hiding the M2P from user mode.
 */
#include "mm.h"

/* PRESENT|RW|ACCESSED|DIRTY|NX: Xen's __PAGE_HYPERVISOR_RW, no USER. */
#define PAGE_HYPERVISOR_RW  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)

#define L4_SLOT_RO_MPT      256  /* read-only M2P */
#define L4_SLOT_LINEAR      258  /* linear map of this L4 (LINEAR_PT_VIRT_START) */
#define L4_SLOT_SH_LINEAR   259  /* shadow linear map: unused by PV */
#define L4_SLOT_PERDOMAIN   260  /* GDT/LDT shadow, mapcache, argument translation */

/*
 * Write all sixteen hypervisor slots of l4t (the contents of L4 frame l4mfn,
 * owned by d).  Slot 256 gets the read-only M2P only if ro_mpt; slots 257
 * and 261..271 come from the state's template.
 */
void init_xen_l4_slots(struct pvmm_state *s, intpte_t *l4t, mfn_t l4mfn,
                       const struct domain *d, bool ro_mpt)
{
    for (unsigned int slot = L4_SLOT_FIRST_XEN; slot <= L4_SLOT_LAST_XEN; slot++) {
        intpte_t e;

        switch (slot) {
        case L4_SLOT_RO_MPT:
            e = ro_mpt ? s->xen_l4_slots[0] : 0;
            break;
        case L4_SLOT_LINEAR:
            e = pte_from_mfn(l4mfn, PAGE_HYPERVISOR_RW);
            break;
        case L4_SLOT_SH_LINEAR:
            e = 0;
            break;
        case L4_SLOT_PERDOMAIN:
            e = (d && d->perdomain_l3 != INVALID_MFN)
                ? pte_from_mfn(d->perdomain_l3, PAGE_HYPERVISOR_RW) : 0;
            break;
        default:
            e = s->xen_l4_slots[slot - L4_SLOT_FIRST_XEN];
            break;
        }
        write_atomic64(&l4t[slot], e);
    }
}

/* Install the read-only M2P in slot 256 of L4 frame l4mfn. */
void fill_ro_mpt(struct pvmm_state *s, mfn_t l4mfn)
{
    intpte_t *l4t = map_domain_page(s, l4mfn);

    write_atomic64(&l4t[L4_SLOT_RO_MPT], s->xen_l4_slots[0]);
    unmap_domain_page(s, l4t);
}

/* Remove the read-only M2P from slot 256 of L4 frame l4mfn. */
void zap_ro_mpt(struct pvmm_state *s, mfn_t l4mfn)
{
    intpte_t *l4t = map_domain_page(s, l4mfn);

    write_atomic64(&l4t[L4_SLOT_RO_MPT], 0);
    unmap_domain_page(s, l4t);
}
