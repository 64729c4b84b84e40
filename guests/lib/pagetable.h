/*
 * pagetable.h: a small page-table toolkit for PV64 test guests.
 *
 * The guest is linked and loaded with VA == pfn << 12 (no VIRT_BASE), so
 *   - pfn -> mfn is the builder's p2m list (start_info->mfn_list),
 *   - mfn -> pfn is the read-only M2P Xen maps at MACH2PHYS_VIRT_START,
 *   - pfn -> VA is pfn << 12, for every pfn that is mapped at all.
 * Page-table frames are mapped read-only, so the guest reads its tables directly and changes
 * them only through hypercalls (mmu_update, update_va_mapping, mmuext_op).
 *
 * Terms: "entry" = a 64-bit page-table entry; "level" 4..1 = L4 (CR3) down to L1 (leaves).
 * All functions that issue a hypercall return its raw result (0 or a negated XEN_E*).
 */
#ifndef GUEST_PAGETABLE_H
#define GUEST_PAGETABLE_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>

#define PAGE_SHIFT   12
#define PAGE_SIZE    (1UL << PAGE_SHIFT)
#define PAGE_MASK    (~(PAGE_SIZE - 1))

/* Page-table entry flags (x86-64 hardware bits plus Xen's software bit 52). */
#define _PAGE_PRESENT       (1UL << 0)
#define _PAGE_RW            (1UL << 1)
#define _PAGE_USER          (1UL << 2)
#define _PAGE_PWT           (1UL << 3)
#define _PAGE_PCD           (1UL << 4)
#define _PAGE_ACCESSED      (1UL << 5)
#define _PAGE_DIRTY         (1UL << 6)
#define _PAGE_PSE           (1UL << 7)
#define _PAGE_GLOBAL        (1UL << 8)
#define _PAGE_GUEST_KERNEL  (1UL << 52)   /* Xen: "a guest-kernel page" marker on L1 entries */
#define _PAGE_NX            (1UL << 63)
#define PTE_ADDR_MASK       0x000ffffffffff000UL

#define PTE_FLAGS_RW   (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define PTE_FLAGS_RO   (_PAGE_PRESENT | _PAGE_ACCESSED)
#define PDE_FLAGS      (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)

#define L1_SHIFT 12
#define L2_SHIFT 21
#define L3_SHIFT 30
#define L4_SHIFT 39
#define PT_ENTRIES 512

/* The first and last L4 slots Xen reserves for itself (HYPERVISOR_VIRT_START..END). */
#define XEN_L4_FIRST_SLOT 256
#define XEN_L4_LAST_SLOT  271

extern const start_info_t *start_info;

/* Index into the level-`level` table for va. */
static inline unsigned int pt_index(unsigned long va, unsigned int level)
{
    return (va >> (PAGE_SHIFT + 9 * (level - 1))) & (PT_ENTRIES - 1);
}

static inline unsigned long pte_mfn(uint64_t pte)
{
    return (pte & PTE_ADDR_MASK) >> PAGE_SHIFT;
}

static inline unsigned long pfn_to_mfn(unsigned long pfn)
{
    return ((const unsigned long *)(uintptr_t)start_info->mfn_list)[pfn];
}

static inline unsigned long mfn_to_pfn(unsigned long mfn)
{
    return ((const volatile unsigned long *)MACH2PHYS_VIRT_START)[mfn];
}

static inline void *pfn_to_virt(unsigned long pfn)
{
    return (void *)(pfn << PAGE_SHIFT);
}

static inline unsigned long virt_to_pfn(const volatile void *va)
{
    return (uintptr_t)va >> PAGE_SHIFT;
}

static inline unsigned long virt_to_mfn(const volatile void *va)
{
    return pfn_to_mfn(virt_to_pfn(va));
}

/* Machine address of the byte at va (for mmu_update's ptr). */
static inline uint64_t virt_to_maddr(const volatile void *va)
{
    return ((uint64_t)virt_to_mfn(va) << PAGE_SHIFT) | ((uintptr_t)va & ~PAGE_MASK);
}

/* VA of the frame mfn (through the M2P), or NULL if the guest does not own it. */
void *mfn_to_virt(unsigned long mfn);

/* Sign-extend bit 47 to make a canonical address. */
static inline unsigned long canonical(unsigned long va)
{
    return (unsigned long)(((long)(va << 16)) >> 16);
}

/* Copy an L4's guest slots (all but the hypervisor's 256-271, which Xen fills itself at
 * validation) into a fresh page. */
void pt_copy_l4_guest_slots(uint64_t *dst, const uint64_t *src);

/* The mfn of the kernel L4 currently loaded (starts as the bootstrap L4, pt_base). */
unsigned long pt_current_l4_mfn(void);

/*
 * VA of the level-`level` entry that maps va, walking down from the L4 `l4_mfn`.
 * Returns NULL if a higher-level entry is not present, is a superpage, or points at a frame the
 * guest cannot find through the M2P.
 */
uint64_t *pt_entry_in(unsigned long l4_mfn, unsigned long va, unsigned int level);

/* pt_entry_in() on the current kernel L4. */
uint64_t *pt_entry(unsigned long va, unsigned int level);

/* The L1 entry mapping va in the current tables, or 0 if there is none. */
uint64_t pt_l1e(unsigned long va);

/* mmu_update(MMU_NORMAL_PT_UPDATE) of the entry at VA `entry` (in a mapped table) to val. */
long pt_write_entry(const uint64_t *entry, uint64_t val);

/* update_va_mapping(va, val, flags). */
long pt_update_va(unsigned long va, uint64_t val, unsigned long flags);

/* Map mfn at va with the given leaf flags, flushing va (UVMF_INVLPG). */
long pt_map_mfn(unsigned long va, unsigned long mfn, uint64_t flags);

/* Make the page at va read-only / read-write in the current tables (keeping its frame and
 * other flags) and flush it. */
long pt_make_ro(const volatile void *va);
long pt_make_rw(const volatile void *va);

/* mmuext_op wrappers. level is 1..4 for pinning. */
long pt_pin(unsigned int level, unsigned long mfn);
long pt_unpin(unsigned long mfn);
long pt_new_baseptr(unsigned long mfn);        /* updates pt_current_l4_mfn() on success */
long pt_new_user_baseptr(unsigned long mfn);
long pt_invlpg(unsigned long va);
long pt_flush_tlb(void);

/*
 * Page allocator over the domain's unused pfns (those above the bootstrap region).
 * alloc_pfn() returns a never-used pfn whose page is zeroed and mapped read-write at
 * pfn_to_virt(pfn); it creates the L1 (and L2/L3) tables needed for that from a reserve of
 * spare pages in the bootstrap region's padding. Running out ends the test with ERROR.
 */
void mm_init(unsigned long boot_rsp);
unsigned long alloc_pfn(void);
void *alloc_page(void);

/* The first VA after the bootstrap region (where the builder's mappings end). */
unsigned long bootstrap_end(void);

#endif /* GUEST_PAGETABLE_H */
