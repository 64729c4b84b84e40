/*
 * mm.c: the guest's page allocator.
 *
 * The builder maps [0, v_end) and every pfn in it is in use or padding (boot-ABI §2.2):
 * image, p2m, start_info, bootstrap page tables, the boot stack, then at least 512 KiB of
 * mapped, unused padding. Pfns from v_end >> 12 up to nr_pages are RAM the domain owns but
 * nothing maps.
 *
 * alloc_pfn() hands those out in order and maps each at its natural VA (pfn << 12) with
 * update_va_mapping, so the VA == pfn << 12 rule keeps holding. Mapping a VA beyond v_end may
 * need a new L1 (or L2/L3); such table pages come from the padding ("spare" pages): zeroed
 * while still writable, made read-only, then hooked into their parent with mmu_update, which
 * validates them.
 */
#include <xen/xen.h>

#include "console.h"
#include "hypercall.h"
#include "pagetable.h"
#include "string.h"
#include "xtf.h"

static unsigned long spare_next, spare_end;   /* VAs: padding pages still unused */
static unsigned long next_pfn;                /* next pfn above the region to hand out */
static unsigned long region_end;              /* first VA the builder did not map */

/* End the test: the runtime itself could not do what it needed. */
__attribute__((noreturn)) static void mm_fail(const char *what, long rc)
{
    xtf_error("mm: %s (rc %ld)", what, rc);
    xtf_exit();
}

void mm_init(unsigned long boot_rsp)
{
    unsigned long va = (boot_rsp + PAGE_SIZE - 1) & PAGE_MASK;

    /* Find the end of the bootstrap mappings by walking up from the boot stack. */
    while (pt_l1e(va) & _PAGE_PRESENT)
        va += PAGE_SIZE;
    region_end = va;
    spare_next = (boot_rsp + PAGE_SIZE - 1) & PAGE_MASK;
    spare_end = region_end;
    next_pfn = region_end >> PAGE_SHIFT;
}

unsigned long bootstrap_end(void)
{
    return region_end;
}

/* A zeroed padding page, made read-only, for use as a page table. Returns its VA. */
static void *alloc_spare_table(void)
{
    void *p;
    long rc;

    if (spare_next >= spare_end)
        mm_fail("out of spare pages for page tables", 0);
    p = (void *)spare_next;
    spare_next += PAGE_SIZE;
    memset(p, 0, PAGE_SIZE);
    rc = pt_make_ro(p);
    if (rc)
        mm_fail("cannot make a spare page read-only", rc);
    return p;
}

/* Make sure every table above the L1 entry for va exists (creating them from spares). */
static void ensure_tables(unsigned long va)
{
    unsigned int level;

    for (level = 3; level >= 1; level--) {
        uint64_t *parent = pt_entry(va, level + 1);
        void *table;
        long rc;

        if (!parent)
            mm_fail("no parent entry while extending the mappings", 0);
        if (*parent & _PAGE_PRESENT)
            continue;
        table = alloc_spare_table();
        rc = pt_write_entry(parent, ((uint64_t)virt_to_mfn(table) << PAGE_SHIFT) | PDE_FLAGS);
        if (rc)
            mm_fail("cannot hook a new page table into its parent", rc);
    }
}

unsigned long alloc_pfn(void)
{
    unsigned long pfn = next_pfn, va;
    long rc;

    if (pfn >= start_info->nr_pages)
        mm_fail("out of memory", 0);
    next_pfn++;
    va = (unsigned long)pfn_to_virt(pfn);
    ensure_tables(va);
    rc = pt_map_mfn(va, pfn_to_mfn(pfn), PTE_FLAGS_RW);
    if (rc)
        mm_fail("cannot map a fresh page", rc);
    memset((void *)va, 0, PAGE_SIZE);
    return pfn;
}

void *alloc_page(void)
{
    return pfn_to_virt(alloc_pfn());
}
