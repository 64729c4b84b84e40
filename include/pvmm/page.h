/*
 * pvmm/page.h - the frame table entry (struct page_info) and its bit fields.
 *
 * One struct page_info per machine frame, 32 bytes, laid out after Xen's
 * non-BIGMEM x86-64 page_info (model.md §1.2): a general reference count with
 * PGC_* flags, a type word with PGT_* flags and a type reference count, the
 * owner, and the validation-progress fields that make page-table validation
 * preemptible.  count_info and type_info are only ever changed with atomic
 * compare-and-swap loops (core/frame-table.c, core/page-type.c).
 */
#ifndef PVMM_PAGE_H
#define PVMM_PAGE_H

#include <stdint.h>
#include <stddef.h>

typedef uint64_t mfn_t;
typedef uint16_t domid_t;

#define PAGE_SHIFT              12
#define PAGE_SIZE               (1UL << PAGE_SHIFT)
#define PAGETABLE_ORDER         9
#define L1_PAGETABLE_ENTRIES    512
#define INVALID_MFN             (~(mfn_t)0)

/* ---- count_info: general reference count plus PGC_* flags (model.md §1.3) ---- */
#define PGC_allocated      (1UL << 63)  /* owned by its domain; holds 1 general ref */
#define PGC_xen_heap       (1UL << 62)  /* hypervisor page shared with a guest */
/* Off the free list and not yet given out (the allocator's flush); count zero. */
#define PGC_taken          (1UL << 61)
#define PGC_count_width    56
#define PGC_count_mask     ((1UL << PGC_count_width) - 1)  /* bits 0..55 */

/* ---- type_info: type, flags and type reference count (model.md §1.4) ---- */
#define PGT_type_shift     61
#define PGT_type_mask      (7UL << 61)  /* bits 63:61 */
#define PGT_none           (0UL << 61)  /* no special use */
#define PGT_l1_page_table  (1UL << 61)  /* validated L1 */
#define PGT_l2_page_table  (2UL << 61)  /* validated L2 */
#define PGT_l3_page_table  (3UL << 61)  /* validated L3 */
#define PGT_l4_page_table  (4UL << 61)  /* validated L4 (the root) */
#define PGT_seg_desc_page  (5UL << 61)  /* GDT or LDT frame */
#define PGT_shared_page    (6UL << 61)  /* CoW-shared (unused by PV; kept for numbering) */
#define PGT_writable_page  (7UL << 61)  /* may have writable mappings */
#define PGT_root_page_table PGT_l4_page_table
#define PGT_locked         (1UL << 60)  /* page_lock() held; carries one type ref */
#define PGT_pinned         (1UL << 59)  /* pinned: owns 1 type ref + 1 general ref */
#define PGT_validated      (1UL << 58)  /* contents valid for the current type */
#define PGT_partial        (1UL << 56)  /* (de)validation preempted part-way; owns 1+1 refs */
#define PGT_count_width    55
#define PGT_count_mask     ((1UL << PGT_count_width) - 1)  /* bits 0..54 */

/* Page-table types are L1..L4: the ordering test Xen uses. */
#define PGT_is_pagetable(t) (((t) & PGT_type_mask) != PGT_none && \
                             ((t) & PGT_type_mask) <= PGT_l4_page_table)
/* PGT_lN_page_table for level n (1..4). */
#define PGT_level_type(n)   ((unsigned long)(n) << PGT_type_shift)
/* Level (1..4) of a page-table type, 0 for non-page-table types. */
#define PGT_type_level(t)   (PGT_is_pagetable(t) ? (int)((t) >> PGT_type_shift) : 0)

/* partial_flags bits (model.md §2.5). */
#define PTF_partial_set            (1U << 0)  /* entry nr_validated_ptes holds a general ref */
#define PTF_preemptible            (1U << 2)
#define PTF_defer                  (1U << 3)
#define PTF_retain_ref_on_restart  (1U << 4)

/* Owner value of a frame that belongs to no domain (free). */
#define PVMM_OWNER_NONE    0x7FF4  /* == DOMID_INVALID */

struct page_info {
    uint64_t count_info;          /* @0  PGC_* | general count */
    uint64_t type_info;           /* @8  PGT_* | type count */
    uint32_t next_free;           /* @16 free list: next frame (index), ~0 = end / not on it */
    domid_t  owner;               /* @20 owning domain id, DOMID_XEN/DOMID_IO, or PVMM_OWNER_NONE */
    int16_t  linear_pt_count;     /* @22 >0: contains same-level entries; <0: is their target */
    union {
        struct {
            uint16_t nr_validated_ptes; /* @24 validation progress, 0..512 */
            uint8_t  partial_flags;     /* @26 PTF_partial_set: entry nr_validated_ptes holds a ref */
            uint8_t  pad;               /* @27 */
        };
        /* @24 free list (a free frame has no validation state): previous frame, ~0 = head */
        uint32_t prev_free;
    };
    uint32_t tlbflush_timestamp;  /* @28 TLB clock when the last type ref went */
};

_Static_assert(sizeof(struct page_info) == 32, "page_info must stay 32 bytes");
_Static_assert(offsetof(struct page_info, type_info) == 8, "type_info at 8");
_Static_assert(offsetof(struct page_info, owner) == 20, "owner at 20");
_Static_assert(offsetof(struct page_info, tlbflush_timestamp) == 28, "stamp at 28");

/* ---- x86-64 page-table entries ---- */
typedef uint64_t intpte_t;

#define _PAGE_PRESENT   (1UL << 0)
#define _PAGE_RW        (1UL << 1)
#define _PAGE_USER      (1UL << 2)
#define _PAGE_PWT       (1UL << 3)
#define _PAGE_PCD       (1UL << 4)
#define _PAGE_ACCESSED  (1UL << 5)
#define _PAGE_DIRTY     (1UL << 6)
#define _PAGE_PSE       (1UL << 7)   /* at L2/L3: superpage */
#define _PAGE_PAT       (1UL << 7)   /* at L1: PAT bit */
#define _PAGE_GLOBAL    (1UL << 8)
#define _PAGE_AVAIL     (7UL << 9)   /* bits 9..11, guest-available */
#define _PAGE_GUEST_KERNEL (1UL << 52) /* Xen's marker: guest-kernel-only L1 mapping */
#define _PAGE_NX        (1UL << 63)
#define PADDR_BITS      52
#define PADDR_MASK      ((1UL << PADDR_BITS) - 1)
#define PTE_ADDR_MASK   (PADDR_MASK & ~(PAGE_SIZE - 1))  /* bits 12..51 */

/*
 * Xen's 24-bit "flag space": flag bits 0..11 are PTE bits 0..11 and flag
 * bits 12..23 are PTE bits 52..63 (model.md §3.1).
 */
static inline uint32_t get_pte_flags(intpte_t e)
{
    return (uint32_t)(((e >> 40) & ~0xFFFUL) | (e & 0xFFFUL));
}
static inline intpte_t put_pte_flags(uint32_t f)
{
    return (((intpte_t)f & ~0xFFFUL) << 40) | ((intpte_t)f & 0xFFFUL);
}
static inline mfn_t pte_mfn(intpte_t e) { return (e & PTE_ADDR_MASK) >> PAGE_SHIFT; }
static inline intpte_t pte_from_mfn(mfn_t m, uint64_t flags)
{
    return ((intpte_t)m << PAGE_SHIFT) | flags;
}

/* Index of va in the table of level n (1..4). */
static inline unsigned int pt_index(uint64_t va, int level)
{
    return (unsigned int)((va >> (PAGE_SHIFT + 9 * (level - 1))) & 511);
}

#endif /* PVMM_PAGE_H */
