/*
 * pvmm/pvmm.h - the core's API: state, domains, vCPUs, the platform
 * interface, and the hypercall entry points.
 *
 * The core keeps no globals.  Everything lives in one struct pvmm_state that
 * the embedder (the hosted simulator, the tests, the fuzzer or pvmm-hv)
 * allocates and hands in, together with the memory for the frame table and
 * the M2P.  The core reaches the outside world only through struct
 * pvmm_platform: map a frame, flush TLBs, reload a page-table base, log,
 * check for preemption, copy to/from guest memory, relax while spinning.
 *
 * Hypercall entry points take the calling vCPU ("current") and the raw ABI
 * arguments, exactly as a PV guest passes them in registers; guest pointers
 * are guest virtual addresses read through the platform's copy functions.
 * When an operation has to be continued later, the entry point returns 0
 * and fills v->cont; the embedder must re-issue the call with its first
 * v->cont.nargs arguments replaced by v->cont.args and every other register
 * kept (pvmm-hv: rewind rip to the SYSCALL and reload those argument
 * registers only).  Continuations come from preemption (the platform's
 * preempt_check), from a deferred put of a replaced L2..L4 entry that must
 * be finished (old_guest_table, which every mmu_update that overwrites one
 * takes), and from memory_op's extent loop; the batches' protocols are in
 * core/batch.c.  Inside a multicall the core folds the continuation into the
 * entry and continues the multicall instead (do_multicall).  The guest never
 * sees -ERESTART.
 */
#ifndef PVMM_PVMM_H
#define PVMM_PVMM_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdarg.h>
#include "page.h"
#include "reason.h"
#include "lock.h"
#include "rangeset.h"
#include "grant-table.h"
#include "../xen/xen.h"
#include "../xen/errno.h"

#define PVMM_MAX_DOMAINS   32    /* ordinary domain ids 0..31 */
#define PVMM_MAX_VCPUS     8     /* per domain; vCPU masks are 64-bit */
#define PVMM_LDT_PAGES     16    /* 8192 entries */
/* Frames the hypervisor keeps per vCPU: vcpu_info, FIFO control block, EOI map, and on vCPU 0
 * the FIFO event array (128 pages). */
#define PVMM_HELD_FRAMES    (3 + 128)
#define PVMM_GDT_FRAMES    14    /* FIRST_RESERVED_GDT_PAGE guest frames */

struct pvmm_state;
struct domain;
struct vcpu;

/* ---- the platform interface ---- */

#define PVMM_FLUSH_ALL_VA  (~(uint64_t)0)  /* flush_tlb va: flush everything */

enum pvmm_log_level { PVMM_LOG_DEBUG, PVMM_LOG_INFO, PVMM_LOG_WARN, PVMM_LOG_ERROR };

struct pvmm_platform {
    void *ctx;
    /* Hypervisor-visible address of frame mfn's 4 KiB contents (mfn < nr_frames). */
    void *(*map_frame)(void *ctx, mfn_t mfn);
    void (*unmap_frame)(void *ctx, void *va);
    /*
     * Optional: when not NULL, every frame's contents are at direct_map + mfn * 4096 and the
     * core uses that instead of calling map_frame and unmap_frame (one addition in place
     * of two indirect calls on every page-table access).
     */
    uint8_t *direct_map;
    /*
     * Flush TLB state of the vCPUs in vcpu_mask (bit i = d->vcpu[i]); va is one
     * linear address or PVMM_FLUSH_ALL_VA (full flush including global entries).
     */
    void (*flush_tlb)(void *ctx, struct domain *d, uint64_t vcpu_mask, uint64_t va);
    /* v->guest_table or v->guest_table_user changed: reload CR3 if v is running. */
    void (*write_ptbase)(void *ctx, struct vcpu *v);
    void (*log)(void *ctx, enum pvmm_log_level lvl, const char *msg);
    /* True if the current long-running operation should stop and continue later. */
    bool (*preempt_check)(void *ctx, struct vcpu *v);
    /* Copy to/from guest virtual addresses of v (kernel mode). 0 or -XEN_EFAULT. */
    int (*copy_from_guest)(void *ctx, struct vcpu *v, void *dst, uint64_t gva, size_t len);
    int (*copy_to_guest)(void *ctx, struct vcpu *v, uint64_t gva, const void *src, size_t len);
    /* Spin-wait hint (pause); may be NULL. */
    void (*cpu_relax)(void *ctx);
};

/* ---- vCPUs and domains ---- */

/* A hypercall that must be re-issued (see the top of this file). */
struct pvmm_continuation {
    bool     pending;
    unsigned int op;       /* __HYPERVISOR_* */
    unsigned int nargs;    /* op's arguments: args[0 .. nargs-1]; nothing else changes */
    uint64_t args[6];
};

struct vcpu {
    struct domain *domain;
    unsigned int vcpu_id;
    bool     online;
    bool     kernel_mode;          /* guest kernel (true) or guest user mode */
    mfn_t    guest_table;          /* kernel L4 (NEW_BASEPTR), INVALID_MFN if none */
    mfn_t    guest_table_user;     /* user L4 (NEW_USER_BASEPTR), INVALID_MFN if none */

    /* A type reference still to be dropped (deferred or interrupted put; model.md §2.5). */
    struct page_info *old_guest_table;
    struct page_info *old_guest_ptpg;
    bool     old_guest_table_partial;

    /* Descriptor tables (model.md §5). */
    /*
     * gdt_frames[0 .. ceil(gdt_ents / 512)) each hold a general + seg_desc
     * type reference (set_gdt); the other slots are INVALID_MFN.
     */
    mfn_t    gdt_frames[PVMM_GDT_FRAMES];
    unsigned int gdt_ents;
    uint64_t ldt_base;
    unsigned int ldt_ents;
    mfn_t    ldt_shadow[PVMM_LDT_PAGES];  /* frames mapped in the LDT shadow, INVALID_MFN if none */
    /* Changes whenever gdt_frames, ldt_ents or ldt_shadow change: an embedder that maps the
     * descriptor tables for the CPU compares it with the value it last mapped. */
    uint32_t desc_gen;
    uint16_t ldt_shadow_map;       /* bit i: ldt_shadow[i] is a frame */
    /*
     * Guest frames the hypervisor uses for this vCPU (its vcpu_info page, a FIFO event
     * control block), each holding a general + writable type reference
     * (pvmm_hold_writable_frame); INVALID_MFN if none.  The auditor counts them.
     */
    mfn_t    held_frames[PVMM_HELD_FRAMES];

    struct pvmm_reason reason;     /* why the last failing operation failed */
    struct pvmm_continuation cont; /* set when the last hypercall must be continued */
    void    *plat;                 /* embedder's per-vCPU data */
};

struct domain {
    struct pvmm_state *state;
    domid_t  domain_id;
    bool     exists;
    bool     is_privileged;        /* may map foreign frames (with target); has port rights */
    bool     is_dying;
    uint64_t tot_pages;            /* frames currently owned (allocation refs held or not) */
    uint64_t max_pages;
    unsigned long vm_assist;       /* bitmap of VMASST_TYPE_* */
    unsigned int max_vcpus;
    struct vcpu vcpu[PVMM_MAX_VCPUS];
    mfn_t    perdomain_l3;         /* frame for L4 slot 260, INVALID_MFN if none */
    struct rangeset iomem_caps;    /* frames d may map as I/O memory (iomem_permit_access) */
    uint32_t nr_l4_pages;          /* validated L4s */
    /* Teardown progress (pvmm_domain_destroy): the step and frame to resume at. */
    unsigned int teardown_step;
    mfn_t    teardown_next;
    pvmm_spinlock_t lock;          /* serialises per-domain bookkeeping (GDT, LDT, tot_pages) */
    struct grant_table grant_table; /* core/grant-table.c */
    /*
     * Sealed launch (core/sealed-launch.c): L1 entries in other domains' tables that map
     * one of d's frames (foreign and grant mappings alike); whether d was created sealed
     * and whether a sealed d has been launched (no foreign mapping of it from then on).
     */
    uint64_t nr_foreign_maps;
    bool     sealed;
    bool     launched;
    void    *plat;                 /* embedder's per-domain data */
};

/* ---- the state ---- */

/*
 * The heap keeps a count of free frames per aligned block of 2^PVMM_HEAP_BLOCK_ORDER frames
 * (2 MiB), so that a request below an address limit skips full blocks (core/heap.c).  The
 * embedder provides the array: PVMM_HEAP_BLOCKS(nr_frames) entries of uint16_t.
 */
#define PVMM_HEAP_BLOCK_ORDER  9
#define PVMM_HEAP_BLOCKS(nr)   (((uint64_t)(nr) + (1UL << PVMM_HEAP_BLOCK_ORDER) - 1) >> \
                                PVMM_HEAP_BLOCK_ORDER)

struct pvmm_config {
    const struct pvmm_platform *plat;
    struct page_info *frame_table;  /* nr_frames entries, any contents */
    uint64_t *m2p;                  /* nr_frames entries */
    uint64_t nr_frames;
    /* PVMM_HEAP_BLOCKS(nr_frames) entries, any contents: the heap's free count per 2 MiB */
    uint16_t *free_in_block;
    /*
     * Template for the hypervisor's L4 slots 256..271.  Slot 258 (linear map
     * of the L4 itself) and 260 (per-domain area) are filled per table.
     * Slot 256 is the read-only M2P and is installed according to m2p_strict.
     */
    intpte_t xen_l4_slots[16];
    bool     linear_pt;             /* allow same-level linear entries (Xen default: yes) */
};

struct pvmm_state {
    const struct pvmm_platform *plat;
    struct page_info *frame_table;
    uint64_t *m2p;
    uint64_t nr_frames;
    intpte_t xen_l4_slots[16];
    bool     linear_pt;

    pvmm_spinlock_t heap_lock;      /* free list, free_in_block, nr_free */
    uint32_t free_head;             /* first free frame, ~0 if none (doubly linked) */
    uint64_t nr_free;
    uint16_t *free_in_block;        /* free frames in each block of 2^PVMM_HEAP_BLOCK_ORDER */
    uint32_t tlbflush_clock;        /* epoch: frames freed now are stamped with it */
    uint32_t tlbflush_clean;        /* frames stamped before this epoch are flushed */

    struct domain domains[PVMM_MAX_DOMAINS];
    struct domain dom_xen;          /* owner of hypervisor frames shared with guests */
    struct domain dom_io;           /* owner of I/O frames */
    /*
     * I/O frames every mapping gets read-only (Xen's mmio_ro_ranges): a writable L1
     * entry for one is accepted with _PAGE_RW cleared.  Empty after pvmm_init.
     */
    struct rangeset mmio_ro_ranges;

    /*
     * Core bugs met so far (states the core's own invariants exclude;
     * docs/model.md §11), and the source site of the first.  Read them with
     * pvmm_core_bugs(); the auditor reports a non-zero count.
     */
    unsigned long core_bugs;
    const char   *core_bug_file;
    int           core_bug_line;
};

/* Number of core bugs met in s so far (0 in a correct core). */
static inline unsigned long pvmm_core_bugs(const struct pvmm_state *s)
{
    return __atomic_load_n(&s->core_bugs, __ATOMIC_RELAXED);
}

#define INVALID_M2P_ENTRY  (~0UL)
#define SHARED_M2P_ENTRY   (~0UL - 1)

/* ---- set-up (core/domain.c, core/frame-table.c) ---- */

/*
 * Initialise s from cfg.  Every frame starts as I/O memory owned by dom_io
 * (as Xen's assign_io_page); pvmm_add_ram() then turns ranges into free RAM.
 */
void pvmm_init(struct pvmm_state *s, const struct pvmm_config *cfg);
/* Make frames [first, first+nr) free RAM available to domains. */
void pvmm_add_ram(struct pvmm_state *s, mfn_t first, uint64_t nr);
/*
 * Give frame mfn to the hypervisor (owner dom_xen, not allocatable).  No
 * guest may map it, not even a privileged one naming DOMID_XEN, until it is
 * shared (pvmm_share_xen_page, pvmm_share_xen_page_with_privileged_guests).
 */
void pvmm_reserve_frame(struct pvmm_state *s, mfn_t mfn);
/*
 * Xen's share_xen_page_with_privileged_guests(SHARE_ro), as for the M2P
 * frames: the reserved frame mfn stays dom_xen's, gets PGC_xen_heap and a
 * permanent type-none reference, and may then be mapped read-only by a
 * privileged domain naming DOMID_XEN.  The frame must come from
 * pvmm_reserve_frame and be unused; otherwise it is logged and left alone.
 * Defined in frame-table.c.
 */
void pvmm_share_xen_page_with_privileged_guests(struct pvmm_state *s, mfn_t mfn);
/*
 * Share a hypervisor frame with domain d (shared_info, grant frames): owner d,
 * PGC_xen_heap|PGC_allocated, type writable (rw) or none (ro) with a
 * permanent type reference.  The frame must come from pvmm_reserve_frame.
 */
void pvmm_share_xen_page(struct pvmm_state *s, mfn_t mfn, struct domain *d, bool writable);

/*
 * Create domain domid with nr_vcpus vCPUs (all offline, kernel mode, no tables).  A
 * privileged domain starts with I/O memory rights over every frame below
 * PVMM_IOMEM_DEFAULT_LIMIT_MFN - what Xen grants the hardware domain before its
 * dom0_setup_permissions takes away the frames the hypervisor uses (an embedder narrows
 * them with iomem_deny_access) -, any other domain with none.
 */
struct domain *pvmm_domain_create(struct pvmm_state *s, domid_t domid, bool privileged,
                                  uint64_t max_pages, unsigned int nr_vcpus);
struct domain *pvmm_domain_lookup(struct pvmm_state *s, domid_t domid);

/* A 40-bit physical address space, what QEMU's CPU models report. */
#define PVMM_IOMEM_DEFAULT_LIMIT_MFN  (1UL << (40 - 12))

/*
 * I/O memory rights (Xen's iomem_permit_access / iomem_deny_access): allow or forbid d to
 * map frames [first, last] that are I/O memory (not RAM, or RAM owned by dom_io).  A
 * mapping made before a deny stays.  0; -XEN_EINVAL (first > last) or -XEN_ENOMEM (the set
 * would need more than PVMM_RANGESET_MAX ranges), with d's rights unchanged.
 */
static inline int iomem_permit_access(struct domain *d, mfn_t first, mfn_t last)
{
    return rangeset_add_range(&d->iomem_caps, first, last);
}
static inline int iomem_deny_access(struct domain *d, mfn_t first, mfn_t last)
{
    return rangeset_remove_range(&d->iomem_caps, first, last);
}
/* Xen's iomem_access_permitted: may d map every frame of [first, last] as I/O memory? */
static inline bool iomem_access_permitted(const struct domain *d, mfn_t first, mfn_t last)
{
    return rangeset_contains_range(&d->iomem_caps, first, last);
}
/*
 * Allocate one free frame to d (allocation reference, type none, M2P
 * invalid).  Returns 0 and *mfn, or -XEN_ENOMEM when no frame is free or d
 * is at max_pages.
 */
int pvmm_alloc_domheap_page(struct domain *d, mfn_t *mfn);
/*
 * Give d frame mfn, RAM the hypervisor never handed to the heap (a boot module's, still
 * unused I/O memory of dom_io), as Xen's dom0 builder gives dom0 the initrd's own frames:
 * owner d, allocation reference, type none, M2P invalid, counted in tot_pages; contents
 * kept.  When d frees it, it becomes free RAM.  -XEN_EINVAL if mfn is not such a frame,
 * -XEN_ENOMEM if d is at max_pages; nothing changes then.
 */
int pvmm_assign_boot_frame(struct domain *d, mfn_t mfn);
/*
 * Tear down d: drop every vCPU's tables and descriptor frames, unpin and
 * devalidate every table, drop allocation references, free every frame.
 * Preemptible: returns -XEN_ERESTART to be called again, 0 when done (the
 * domain slot is then free).
 * -XEN_EBUSY: everything of d's own is released, but another domain still
 * references some of its frames; they stay owned by d (dying, slot still
 * reserved) until that reference goes, and a later call then returns 0.
 * vCPU 0 of d is used for reasons (rule busy for -XEN_EBUSY, naming one
 * such frame) and preemption checks.
 */
int pvmm_domain_destroy(struct domain *d);

/*
 * Sealed launch (a pvmm addition; core/sealed-launch.c).  pvmm_domain_seal marks a domain
 * just created as sealed.  pvmm_domain_launch is asked before a sealed domain may first
 * run: -XEN_EBUSY (reason sealed-mapped on curr, naming one L1 entry of another domain that
 * still maps one of d's frames) while any other domain maps its memory; otherwise d is
 * launched, 0, and from then on no other domain can make a foreign mapping of d's frames
 * (-XEN_EPERM, reason sealed-launched): only grant mappings of grants d makes itself.
 * For a domain that is not sealed, or already launched, it is 0 at once.
 */
void pvmm_domain_seal(struct domain *d);
int pvmm_domain_launch(struct vcpu *curr, struct domain *d);

/* ---- operations for domain builders and tests (not hypercalls) ---- */

/* Pin mfn as an L<level> table of d on behalf of v; non-preemptible. 0 or -errno. */
int pvmm_pin_table(struct vcpu *v, mfn_t mfn, int level);

/*
 * A guest frame the hypervisor keeps using for v (Xen's map_vcpu_info, the FIFO control
 * block): take a general and a writable type reference on mfn for v's domain and record it in
 * v->held_frames, so the auditor counts it and teardown drops it.  Returns 0, -XEN_EINVAL (not
 * the domain's frame, or it cannot become writable: a page table, a descriptor page) or
 * -XEN_ENOSPC (every slot in use), with nothing taken.
 */
int pvmm_hold_writable_frame(struct vcpu *v, mfn_t mfn);
/* Drop what pvmm_hold_writable_frame(v, mfn) took; nothing if v does not hold mfn. */
void pvmm_release_held_frame(struct vcpu *v, mfn_t mfn);
/* Whether pvmm_hold_writable_frame(v, mfn) would succeed as far as the frame goes (0 or
 * -XEN_EINVAL); takes the references and drops them again, so nothing is left. */
int pvmm_check_writable_frame(struct vcpu *v, mfn_t mfn);
/* Install mfn as v's kernel L4 (NEW_BASEPTR semantics); non-preemptible. */
int pvmm_new_baseptr(struct vcpu *v, mfn_t mfn);
/*
 * VCPUOP_initialise's tables for a vCPU that has none (Xen's arch_set_info_guest): the GDT
 * (gdt_ents > 7168 or a frame that cannot become a descriptor page: -XEN_EINVAL), the kernel
 * L4 cr3 (not the domain's frame or not a valid L4: -XEN_EINVAL) and, when user_cr3 is not
 * 0, the user L4 likewise; each validated and referenced through the core.  On failure
 * nothing is held (-XEN_EEXIST if v already has a table).  Non-preemptible.
 */
int pvmm_vcpu_set_tables(struct vcpu *v, const uint64_t *gdt_frames, unsigned int gdt_ents,
                         mfn_t cr3, mfn_t user_cr3);
/* Set M2P[mfn] = pfn (no checks: builder use). */
void pvmm_set_m2p(struct pvmm_state *s, mfn_t mfn, uint64_t pfn);

/* ---- hypercalls (one file each under core/) ---- */

long do_mmu_update(struct vcpu *v, uint64_t ureqs, unsigned int count,
                   uint64_t pdone, unsigned int foreigndom);
long do_mmuext_op(struct vcpu *v, uint64_t uops, unsigned int count,
                  uint64_t pdone, unsigned int foreigndom);
long do_update_va_mapping(struct vcpu *v, uint64_t va, uint64_t val, uint64_t flags);
long do_update_va_mapping_otherdomain(struct vcpu *v, uint64_t va, uint64_t val,
                                      uint64_t flags, domid_t domid);
long do_set_gdt(struct vcpu *v, uint64_t frame_list, unsigned int entries);
long do_update_descriptor(struct vcpu *v, uint64_t maddr, uint64_t desc);
long do_memory_op(struct vcpu *v, unsigned long cmd, uint64_t arg);
/*
 * grant_table_op(cmd, uop, count) (core/grant-op.c): grant tables v1 and v2 for PV guests
 * as Xen 4.17 (docs/model.md section 6).  Batched ops give each element a GNTST status.
 */
long do_grant_table_op(struct vcpu *v, unsigned int cmd, uint64_t uop, unsigned int count);
/*
 * vm_assist(cmd, type): enable (VMASST_CMD_enable) or disable assist
 * `type` for v's domain.  0; -XEN_EINVAL for a type not valid for a 64-bit
 * PV guest (checked first, as Xen does); -XEN_ENOSYS for another cmd.
 * Defined in domain.c.
 */
long do_vm_assist(struct vcpu *v, unsigned int cmd, unsigned int type);

/*
 * The one dispatcher of the hypercalls above (core/hypercall.c): hypercall nr
 * of v with the argument registers rdi, rsi, rdx, r10, r8 as a[0..4], each
 * narrowed as the entry point declares it.  -XEN_ENOSYS for a hypercall the
 * core does not implement (pvmm_hypercall_name(nr) is then NULL).
 */
long pvmm_hypercall(struct vcpu *v, unsigned int nr, const uint64_t a[5]);
/* The name of the core's hypercall nr ("mmu_update"), NULL if the core has none. */
const char *pvmm_hypercall_name(unsigned int nr);

/*
 * multicall(list, nr_calls) (core/batch.c): run the struct multicall_entry
 * array at guest address list, nr_calls entries (32 bits, as Xen).  The
 * embedder runs each entry's hypercall with call(ctx, v, op, args), which
 * returns its result; a nested multicall entry gets -XEN_EINVAL without it.
 * Each result is stored in its entry.  The multicall stops after an iret
 * entry (returning its result as an int: XSA-213), and when the vCPU has
 * left guest kernel mode (the rest is continued).  An entry whose hypercall
 * filled v->cont has the continuation's arguments written into the entry,
 * and the multicall is continued from that entry (v->cont then describes the
 * multicall itself); so is preemption between entries.  Returns 0 or
 * -XEN_EFAULT (list or a result not accessible).
 */
typedef long (*pvmm_subcall_fn)(void *ctx, struct vcpu *v, uint64_t op, const uint64_t args[6]);
long do_multicall(struct vcpu *v, uint64_t list, unsigned int nr_calls, pvmm_subcall_fn call,
                  void *ctx);

/* ---- trapped accesses ---- */

#define PVMM_PTWR_NOT_PT  1   /* not a write to a guest L1: deliver the fault as is */

/*
 * Writable page-table emulation: guest kernel on v wrote `bytes` (1,2,4,8,
 * naturally aligned) of `val` at linear address addr, which faulted on a
 * read-only mapping.  If addr maps (read-only) a validated L1 of v's domain,
 * the write is merged into the 8-byte entry and applied through
 * mod_l1_entry: returns 0 if applied, a negative errno (reason recorded) if
 * the new entry is refused - the fault must then reach the guest - or
 * PVMM_PTWR_NOT_PT if this is not a page-table write at all.  For cmpxchg
 * (is_cmpxchg), `old` is the expected value and *actual receives the value
 * found; a mismatch returns 0 with nothing written.
 */
int pvmm_ptwr_emulate(struct vcpu *v, uint64_t addr, uint64_t val, unsigned int bytes,
                      bool is_cmpxchg, uint64_t old, uint64_t *actual);

/*
 * The checks of pvmm_ptwr_emulate without a store: 0 if a write fault at addr
 * by v's guest kernel is one ptwr emulates (addr maps, read-only, a validated
 * L1 of v's domain, and the domain may use ptwr), else PVMM_PTWR_NOT_PT.  For
 * an emulated instruction that ends up writing nothing (a failed cmpxchg, an
 * unchanged read-modify-write), as Xen checks the page before emulating.
 */
int pvmm_ptwr_check(struct vcpu *v, uint64_t addr);

/*
 * Lazy LDT: the guest on v accessed the LDT at byte offset `offset`.  Maps
 * the backing frame into v->ldt_shadow (general + seg_desc type ref) if it
 * is present in v's kernel page tables and can become a descriptor page.
 * 0 on success; negative errno with reason otherwise (the guest then gets
 * #PF with CR2 = ldt_base + offset), except -XEN_ERANGE: offset is beyond the
 * LDT limit or ldt_base + offset is not canonical, and the guest gets
 * #GP(selector) instead (defined in core/ldt.c).
 */
int pv_map_ldt_shadow_page(struct vcpu *v, unsigned int offset);

/* Retrieve the reason for the last failure on v. */
static inline const struct pvmm_reason *pvmm_last_reason(const struct vcpu *v)
{
    return &v->reason;
}

/* Frame-table accessors for tools (read-only views). */
static inline struct page_info *pvmm_frame(struct pvmm_state *s, mfn_t mfn)
{
    return mfn < s->nr_frames ? &s->frame_table[mfn] : NULL;
}

/*
 * ---- formatting (core/format.c) ----
 *
 * The one printf-style formatter of the core and of pvmm-hv, which links
 * no C library: %d %i %u %x %X %p %s %c %% with the flags 0 and -, a field
 * width, and the length modifiers l, ll and z.  Output is NUL-terminated
 * when len > 0; the result is the length the whole output would have had.
 */
size_t pvmm_vsnprintf(char *buf, size_t len, const char *fmt, va_list ap);
size_t pvmm_snprintf(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif /* PVMM_PVMM_H */
