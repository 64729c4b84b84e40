/*
 * pagetable.c: walking and changing the guest's own page tables through Xen's interfaces.
 *
 * Walks read the tables directly (they are mapped read-only at VA == pfn << 12) and find each
 * lower table through the M2P. Changes always go through a hypercall; the guest never writes
 * an entry of a live table with a plain store here (ptwr is exercised by its own test).
 */
#include <stddef.h>
#include <xen/errno.h>
#include <xen/xen.h>

#include "hypercall.h"
#include "pagetable.h"

static unsigned long current_l4_mfn;

void *mfn_to_virt(unsigned long mfn)
{
    unsigned long pfn = mfn_to_pfn(mfn);

    if (pfn >= start_info->nr_pages || pfn_to_mfn(pfn) != mfn)
        return NULL;
    return pfn_to_virt(pfn);
}

void pt_copy_l4_guest_slots(uint64_t *dst, const uint64_t *src)
{
    unsigned int slot;

    for (slot = 0; slot < PT_ENTRIES; slot++) {
        if (slot < XEN_L4_FIRST_SLOT || slot > XEN_L4_LAST_SLOT)
            dst[slot] = src[slot];
    }
}

unsigned long pt_current_l4_mfn(void)
{
    if (!current_l4_mfn)
        current_l4_mfn = virt_to_mfn((void *)(uintptr_t)start_info->pt_base);
    return current_l4_mfn;
}

uint64_t *pt_entry_in(unsigned long l4_mfn, unsigned long va, unsigned int level)
{
    uint64_t *table = mfn_to_virt(l4_mfn);
    unsigned int l;

    for (l = 4; table; l--) {
        uint64_t *e = &table[pt_index(va, l)];

        if (l == level)
            return e;
        if (!(*e & _PAGE_PRESENT) || (*e & _PAGE_PSE))
            return NULL;
        table = mfn_to_virt(pte_mfn(*e));
    }
    return NULL;
}

uint64_t *pt_entry(unsigned long va, unsigned int level)
{
    return pt_entry_in(pt_current_l4_mfn(), va, level);
}

uint64_t pt_l1e(unsigned long va)
{
    uint64_t *e = pt_entry(va, 1);

    return e ? *e : 0;
}

long pt_write_entry(const uint64_t *entry, uint64_t val)
{
    return mmu_update1(virt_to_maddr(entry) | MMU_NORMAL_PT_UPDATE, val);
}

long pt_update_va(unsigned long va, uint64_t val, unsigned long flags)
{
    return hypercall_update_va_mapping(va, val, flags);
}

long pt_map_mfn(unsigned long va, unsigned long mfn, uint64_t flags)
{
    return pt_update_va(va, ((uint64_t)mfn << PAGE_SHIFT) | flags, UVMF_INVLPG);
}

/* Rewrite the L1 entry of va with RW set or clear. */
static long set_rw(const volatile void *va, bool rw)
{
    unsigned long addr = (uintptr_t)va & PAGE_MASK;
    uint64_t e = pt_l1e(addr);

    if (!(e & _PAGE_PRESENT))
        return -XEN_EINVAL;
    e = rw ? (e | _PAGE_RW) : (e & ~_PAGE_RW);
    return pt_update_va(addr, e, UVMF_INVLPG);
}

long pt_make_ro(const volatile void *va)
{
    return set_rw(va, false);
}

long pt_make_rw(const volatile void *va)
{
    return set_rw(va, true);
}

long pt_pin(unsigned int level, unsigned long mfn)
{
    static const unsigned int cmds[] = {
        [1] = MMUEXT_PIN_L1_TABLE, [2] = MMUEXT_PIN_L2_TABLE,
        [3] = MMUEXT_PIN_L3_TABLE, [4] = MMUEXT_PIN_L4_TABLE,
    };

    if (level < 1 || level > 4)
        return -XEN_EINVAL;
    return mmuext_op1(cmds[level], mfn);
}

long pt_unpin(unsigned long mfn)
{
    return mmuext_op1(MMUEXT_UNPIN_TABLE, mfn);
}

long pt_new_baseptr(unsigned long mfn)
{
    long rc = mmuext_op1(MMUEXT_NEW_BASEPTR, mfn);

    if (!rc)
        current_l4_mfn = mfn;
    return rc;
}

long pt_new_user_baseptr(unsigned long mfn)
{
    return mmuext_op1(MMUEXT_NEW_USER_BASEPTR, mfn);
}

long pt_invlpg(unsigned long va)
{
    return mmuext_op1(MMUEXT_INVLPG_LOCAL, va);
}

long pt_flush_tlb(void)
{
    return mmuext_op1(MMUEXT_TLB_FLUSH_LOCAL, 0);
}
