/*
 * sim/xen-layout.c - the hypervisor's part of the simulated machine.
 *
 * Xen keeps its own mappings in L4 slots 256..271 of every guest L4 (model.md
 * §3.6, §3.7); the core copies a template into each validated L4.  Here the
 * template is real: it points at page tables in simulated memory, so that a
 * guest access to those addresses goes through the same walker as any
 * other and shows exactly what Xen's layout allows:
 *
 *   slot 256  0xffff800000000000  the M2P array, read-only and user-readable
 *             (upper levels P|U|A|NX, 4 KiB leaves P|U|A|NX, not global).
 *             Xen uses 2 MiB leaves; 4 KiB leaves let a small machine's M2P
 *             start on any frame and read the same to a guest.
 *   slot 261  0xffff828000000000  the M2P again, read-write, hypervisor only
 *   slot 262  0xffff830000000000  the direct map of all machine memory,
 *             read-write, hypervisor only
 *
 * Hypervisor entries carry no _PAGE_USER, so a guest (always at CPL 3)
 * reading them takes a #PF with the present bit set.  Slots 258 (linear
 * map of the L4 itself) and 260 (per-domain area) are filled by the core
 * per table.  Every template entry has ACCESSED set, so the walker never
 * needs to write into a guest L4's hypervisor slots.
 *
 * All these frames sit at the top of machine memory and are reserved for
 * the hypervisor (owner dom_xen); on a machine recorded from pvmm-hv the
 * M2P and the tables go where the recording says, inside frames it
 * reserves.  The core's M2P (pvmm_config.m2p) is the
 * array in those frames, so what the guest reads at 0xffff800000000000 is
 * what the core maintains.
 */
#include "machine.h"

#include <string.h>

#define RO_MPT_VA     0xFFFF800000000000UL
#define RW_MPT_VA     0xFFFF828000000000UL
#define DIRECTMAP_VA  0xFFFF830000000000UL

#define UPPER_RO_USER (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX)
#define LEAF_RO_USER  (_PAGE_PRESENT | _PAGE_USER | _PAGE_ACCESSED | _PAGE_NX)
#define UPPER_HV_RW   (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)
#define LEAF_HV_RW    (UPPER_HV_RW | _PAGE_GLOBAL)

static uint64_t div_up(uint64_t a, uint64_t b)
{
    return (a + b - 1) / b;
}

static uint64_t m2p_frames(uint64_t nr_frames)
{
    return div_up(nr_frames * 8, PAGE_SIZE);
}

uint64_t sim_xen_layout_frames(uint64_t nr_frames)
{
    uint64_t mf = m2p_frames(nr_frames);
    uint64_t mpt_tables = 2 + div_up(mf, 512);              /* L3, L2, L1s */
    uint64_t dm_tables = 1 + div_up(nr_frames, 512 * 512) + div_up(nr_frames, 512);

    return mf + 2 * mpt_tables + dm_tables;
}

static intpte_t *table(struct sim_machine *m, mfn_t mfn)
{
    return (intpte_t *)(m->phys.mem + (mfn << PAGE_SHIFT));
}

/*
 * Map nr_pages frames starting at frame `first` at virtual address va (whose
 * L4 slot is implied) with 4 KiB leaves, using the L3 at *next and further
 * tables taken from *next onwards.  Returns the L3.
 */
static mfn_t map_range(struct sim_machine *m, mfn_t *next, uint64_t va, mfn_t first,
                       uint64_t nr_pages, intpte_t upper, intpte_t leaf)
{
    mfn_t l3 = (*next)++, l2 = INVALID_MFN, l1 = INVALID_MFN;

    memset(table(m, l3), 0, PAGE_SIZE);
    for (uint64_t i = 0; i < nr_pages; i++) {
        uint64_t a = va + (i << PAGE_SHIFT);

        if (l2 == INVALID_MFN || (pt_index(a, 2) == 0 && pt_index(a, 1) == 0)) {
            l2 = (*next)++;
            memset(table(m, l2), 0, PAGE_SIZE);
            table(m, l3)[pt_index(a, 3)] = pte_from_mfn(l2, upper);
        }
        if (l1 == INVALID_MFN || pt_index(a, 1) == 0) {
            l1 = (*next)++;
            memset(table(m, l1), 0, PAGE_SIZE);
            table(m, l2)[pt_index(a, 2)] = pte_from_mfn(l1, upper);
        }
        table(m, l1)[pt_index(a, 1)] = pte_from_mfn(first + i, leaf);
    }
    return l3;
}

void sim_xen_layout_build(struct sim_machine *m)
{
    struct sim_xen_layout *xl = &m->xl;
    mfn_t next;

    xl->first = m->nr_frames - sim_xen_layout_frames(m->nr_frames);
    xl->m2p = xl->first;
    xl->m2p_frames = m2p_frames(m->nr_frames);
    next = xl->m2p + xl->m2p_frames;
    if (m->tables_mfn) {                /* a recorded machine's (machine.h) */
        xl->first = m->nr_frames;
        xl->m2p = m->m2p_mfn;
        next = m->tables_mfn;
    }

    xl->ro_mpt_l3 = map_range(m, &next, RO_MPT_VA, xl->m2p, xl->m2p_frames,
                              UPPER_RO_USER, LEAF_RO_USER);
    xl->rw_mpt_l3 = map_range(m, &next, RW_MPT_VA, xl->m2p, xl->m2p_frames,
                              UPPER_HV_RW, LEAF_HV_RW);
    xl->directmap_l3 = map_range(m, &next, DIRECTMAP_VA, 0, m->nr_frames,
                                 UPPER_HV_RW, LEAF_HV_RW);

    memset(xl->slots, 0, sizeof(xl->slots));
    xl->slots[256 - 256] = pte_from_mfn(xl->ro_mpt_l3, UPPER_RO_USER);
    xl->slots[261 - 256] = pte_from_mfn(xl->rw_mpt_l3, UPPER_HV_RW);
    xl->slots[262 - 256] = pte_from_mfn(xl->directmap_l3, UPPER_HV_RW);
}
