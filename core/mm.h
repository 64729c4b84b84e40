/*
 * core/mm.h - internal interfaces of the pvmm core.
 *
 * THEORY OF OPERATION
 *
 * A PV guest manages its own page tables, yet must never be able to reach
 * memory it does not own or to write a page table behind the hypervisor's
 * back.  The core enforces this with *typed frames*:
 *
 *  - Every machine frame has an owner, a general reference count (who may
 *    still point at it) and exactly one type (none, L1..L4 page table,
 *    segment-descriptor page, writable) with a type reference count
 *    (struct page_info, include/pvmm/page.h).
 *  - A frame's type can change only while its type count is zero.  Every
 *    writable mapping holds a writable type reference, so a frame with a
 *    writable mapping anywhere cannot become a page table or descriptor page,
 *    and a page table cannot be mapped writable.
 *  - Taking the first reference of a page-table type *validates* the frame:
 *    every entry is checked (validate-l1.c, validate-l234.c) and takes the
 *    references it implies on its target, recursively.  Dropping the last
 *    type reference *devalidates* it, releasing those references again.
 *  - Guests change page tables only through hypercalls (mmu-update.c,
 *    mmuext-op.c, update-va-mapping.c) or trapped writes (ptwr.c); each new
 *    entry is validated before it is written (mod-entry.c) and the old
 *    entry's references are dropped after.
 *  - Pins, vCPU page-table bases, descriptor tables and partial validation
 *    states each own well-defined references (model.md §2.3b); the auditor
 *    (audit.c) recomputes all of them from scratch and compares.
 *
 * Failure leaves no trace.  An operation checks what it can up front, then
 * takes references as it goes (a validation takes one per entry); if a
 * later step fails, it gives back exactly what it took before returning,
 * so the failed request leaves the state as it found it (Xen works the
 * same way; a batch keeps the requests done before the failing one).  The
 * unit tests prove the undo: operations made to fail part way (a bad entry
 * deep in a tree, a conflicting type, a batch stopping at a failing
 * request) leave counts the auditor finds exact, and the frames as they
 * were (test-validate-undo.c, test-attacks.c and others).  A failure
 * returns Xen's error code and records a structured reason at the point
 * where the rule is broken (REJECT, reason.c).  A state the core's own
 * invariants exclude is not a failure but a core bug (CORE_BUG, core-bug.c):
 * it is recorded in the state and every test harness fails on it.
 *
 * Reference counts change only by atomic operations on count_info and
 * type_info (compare-and-swap loops wherever a decision depends on the old
 * value); entry updates are serialised per table with page_lock().  Long
 * validations are preemptible: they record progress in the page
 * (PGT_partial, nr_validated_ptes, partial_flags) and return -ERESTART,
 * which the hypercall layer turns into a continuation; deferred puts of
 * replaced L2..L4 entries (old_guest_table) continue the same way.
 *
 * File map:
 *   frame-table.c    general references and freeing of frames
 *   heap.c           the free list: where frames come from, highest first
 *   page-type.c      the type state machine: get/put_page_type, page_lock
 *   fast-paths.h     the common cases of references, types, page locks, L1
 *                    entries, flushes and reason_clear, inline
 *   validate-l1.c    L1 entries: get_page_from_l1e_slow, promote/demote L1
 *   validate-l234.c  L2-L4 entries and their fix-ups, promote/demote L2-L4
 *   linear-pt.c      linear (same-level) entries: every rule, XSA-240 counters
 *   xen-slots.c      the hypervisor's L4 slots 256..271, RO M2P fill/zap
 *   mod-entry.c      mod_l1_entry .. mod_l4_entry (single entry updates)
 *   pin.c            pin/unpin, new_guest_cr3, old_guest_table
 *   hypercall.c      the one dispatcher of the core's hypercalls (pvmm_hypercall)
 *   batch.c          the batch driver: the element loop, mmu_update/mmuext_op
 *                    continuations (pdone, deferred puts), do_multicall and
 *                    its continuation contract (batch.h)
 *   mmu-update.c     do_mmu_update's requests, get_pg_owner, get_page_from_gfn_pv
 *   mmuext-op.c      do_mmuext_op: a thin dispatcher of sub-ops
 *   mmuext-flush.c   TLB and cache flushes: mmuext_op's flush sub-ops
 *   mmuext.h         what mmuext-op.c and mmuext-flush.c share
 *   update-va-mapping.c  do_update_va_mapping[_otherdomain]
 *   guest-walk.c     walking a guest's tables to the L1 entry for an address
 *   ptwr.c           writable page-table emulation
 *   descriptors.c    check_descriptor, seg_desc pages, set_gdt, update_descriptor
 *   ldt.c            MMUEXT_SET_LDT and the lazy LDT shadow
 *   memory-op.c      do_memory_op reservation ops
 *   memory-exchange.c  XENMEM_exchange
 *   steal-page.c     a domain gives up a frame (exchange, grant transfer)
 *   domain.c         pvmm_init, domains, vm_assist, teardown
 *   held-frame.c     guest frames the hypervisor keeps using (vcpu_info, FIFO block)
 *   reason.c         recording rejection reasons (reject, paths)
 *   reason-text.c    rejection reasons as plain English
 *   rmap-search.c    finding the writable mapping that blocks a type change
 *   audit.c          the full-state auditor; audit-refs.c gathers the
 *                    references, audit-internal.h is what the two share
 *   core-bug.c       recording core bugs
 *   sealed-launch.c  foreign mappings counted per domain; the sealed launch
 *   rangeset.c       sets of frame ranges: I/O memory rights, read-only MMIO
 *   format.c         the freestanding snprintf, string helpers, pvmm_log
 *   libc.h           the few C library functions the core uses
 */
#ifndef PVMM_CORE_MM_H
#define PVMM_CORE_MM_H

#include <pvmm/pvmm.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/memory.h>
#include "libc.h"

/* Internal error codes (never returned to a guest). */
#define EINTR_NOPROGRESS  (-XEN_EINTR)     /* preempted before any progress: just retry */
#define ERESTART_PARTIAL  (-XEN_ERESTART)  /* partial progress recorded: continue later */

#define L4_SLOT_FIRST_XEN 256
#define L4_SLOT_LAST_XEN  271

/* ---- frames (frame-table.c) ---- */

static inline bool mfn_valid(const struct pvmm_state *s, mfn_t m)
{
    return m < s->nr_frames;
}
static inline struct page_info *mfn_to_page(struct pvmm_state *s, mfn_t m)
{
    return &s->frame_table[m];
}
static inline mfn_t page_to_mfn(const struct pvmm_state *s, const struct page_info *pg)
{
    return (mfn_t)(pg - s->frame_table);
}
static inline struct pvmm_state *vcpu_state(const struct vcpu *v)
{
    return v->domain->state;
}

/*
 * page_get_owner, page_get_owner_and_reference, get_page and put_page are
 * inline (their common cases are the hot paths): see fast-paths.h.
 */
/* +1 on a page already known to be referenced (cannot fail by construction). */
void get_page_light(struct page_info *pg);
/* mfn_valid + get_page. */
bool get_page_from_mfn(struct pvmm_state *s, mfn_t mfn, const struct domain *d);
/*
 * Runs of empty entries in a table (validate-l1.c): the first present entry from index i on
 * (512 if none), and the last present one at i or below (-1 if none).
 */
unsigned int next_present_entry(const intpte_t *pt, unsigned int i);
int prev_present_entry(const intpte_t *pt, int i);
/* Return a frame whose last reference went to the free list (M2P invalid, owner none). */
void free_domheap_page(struct pvmm_state *s, struct page_info *pg);
/*
 * Put frame mfn, scrubbed, with no reference or type left and its M2P entry invalid, at the
 * head of the free list, stamped with the TLB clock; its owner becomes none (heap.c).
 */
void heap_free_frame(struct pvmm_state *s, mfn_t mfn);
/* Atomically add delta to d->tot_pages. */
static inline void tot_pages_add(struct domain *d, int64_t delta)
{
    __atomic_fetch_add(&d->tot_pages, (uint64_t)delta, __ATOMIC_ACQ_REL);
}

/*
 * Give d 2^order free, machine-contiguous frames below max_mfn, aligned on their size, each
 * with its allocation reference (heap.c: the highest such run, as Xen's heap takes it from
 * the highest zone); counted in d's tot_pages, all or none.  -XEN_ENOMEM over max_pages or
 * if there is no such run.
 */
int alloc_domheap_pages(struct domain *d, unsigned int order, mfn_t max_mfn, mfn_t *first);

/*
 * Frames the hypervisor holds for an exchange in progress (XENMEM_exchange):
 * owned by dom_xen with count PGC_allocated | 1 and no type, like a reserved
 * hypervisor frame, so no guest can reference them; counted in no domain's
 * tot_pages.  alloc_held_pages takes 2^order free, machine-contiguous frames
 * below max_mfn, aligned on their size (the highest such run, as a buddy
 * allocator hands them out), off the free list; -XEN_ENOMEM if there is none.
 */
int alloc_held_pages(struct pvmm_state *s, unsigned int order, mfn_t max_mfn, mfn_t *first);

/* ---- frames given up by a domain (steal-page.c) ---- */

/*
 * Xen's steal_page: take frame mfn from d if it is valid, d's own (not a hypervisor frame
 * lent to d) and referenced by nothing but its allocation (no mapping, type reference, pin,
 * partial validation or lock).  The frame is then *held*: owner dom_xen, count
 * PGC_allocated | 1, type zapped (XSA-214), M2P kept; d's tot_pages drops by one unless
 * no_refcount (XENMEM_exchange, which gives as many frames back).  0, or -XEN_EINVAL with a
 * reason and nothing changed.
 */
int steal_page(struct vcpu *curr, struct domain *d, mfn_t mfn, bool no_refcount);
/* A held frame becomes d's: owner d, its allocation reference kept, tot_pages untouched. */
void give_held_page(struct pvmm_state *s, mfn_t mfn, struct domain *d);
/* A held frame goes back to the free list (scrubbed, M2P invalid, no domain's tot_pages). */
void free_held_page(struct pvmm_state *s, mfn_t mfn);
/* Reserve n frames of d's allocation (tot_pages + n <= max_pages), all or none (heap.c). */
bool tot_pages_reserve(struct domain *d, uint64_t n);

/* ---- memory_op helpers shared by its sub-ops (memory-op.c) ---- */

/* Xen's max_order(): the largest extent order d may ask for. */
unsigned int memop_max_order(const struct domain *d);
/* Xen's rcu_lock_domain_by_any_id: DOMID_SELF or any existing domain, else NULL. */
struct domain *memop_domain_by_any_id(struct vcpu *curr, domid_t domid);
/*
 * Xen's propagate_node: only a privileged caller may name a NUMA node.
 * False (reason recorded, -EINVAL) if mem_flags is refused; otherwise
 * *exact_node_elsewhere says an exact node other than our only node 0 was
 * asked for (every allocation then fails).
 */
bool propagate_node(struct vcpu *v, unsigned int mem_flags, bool *exact_node_elsewhere);
/* XENMEM_exchange (memory-exchange.c): cmd's extent bits must be 0. */
long memory_exchange(struct vcpu *v, uint64_t arg);

/* ---- types (page-type.c) ---- */

/*
 * Take a type reference of `type` (PGT_*) on pg, validating the frame if this
 * is the first reference of an unvalidated page-table or seg_desc type.
 * Returns 0, or (preemptible only) -XEN_EINTR / -XEN_ERESTART, or a negative
 * errno with the reason recorded on curr.  The caller must hold a general ref.
 */
int _get_page_type(struct vcpu *curr, struct page_info *pg, unsigned long type,
                   bool preemptible);
/*
 * get_page_type (true on success) and get_page_type_preemptible (the
 * return codes above) are inline and try the common case first:
 * fast-paths.h.
 */
/*
 * Drop a type reference.  `flags` is a subset of PTF_partial_set |
 * PTF_preemptible; ptpg is the table that contained the entry being dropped
 * (for linear-page-table accounting) or NULL.  Devalidates a page table
 * whose last reference goes.  Returns 0, or (preemptible) -XEN_EINTR /
 * -XEN_ERESTART.
 */
int _put_page_type(struct vcpu *curr, struct page_info *pg, unsigned int flags,
                   struct page_info *ptpg);
void put_page_type(struct vcpu *curr, struct page_info *pg);
int put_page_type_preemptible(struct vcpu *curr, struct page_info *pg);
/* get_page + get_page_type, undoing the general ref on failure. */
bool get_page_and_type(struct vcpu *curr, struct page_info *pg, const struct domain *d,
                       unsigned long type);
void put_page_and_type(struct vcpu *curr, struct page_info *pg);
int put_page_and_type_preemptible(struct vcpu *curr, struct page_info *pg);

/* Validate / devalidate pg's contents for `type` (dispatch to promote/demote). */
int validate_page(struct vcpu *curr, struct page_info *pg, unsigned long type,
                  bool preemptible);
int devalidate_page(struct vcpu *curr, struct page_info *pg, unsigned long type,
                    bool preemptible);

/*
 * page_lock: serialise entry updates of a *validated* typed page; holds a
 * type reference while locked.  Fails if pg is not validated or has type
 * count zero.  Never hold two page locks.  page_lock and page_unlock are
 * inline in their common case (fast-paths.h).
 */

/* Preemption: ask the platform whether curr's operation should yield. */
static inline bool hypercall_preempt_check(struct vcpu *curr)
{
    const struct pvmm_platform *p = vcpu_state(curr)->plat;
    return p->preempt_check && p->preempt_check(p->ctx, curr);
}

/* ---- entries (validate-l1.c, validate-l234.c) ---- */

/*
 * Flags (Xen's 24-bit flag space) a guest may not set in a present Ln entry.
 * l1_disallow_mask(d) (the L1 mask of d) is inline: fast-paths.h.
 */
#define BASE_DISALLOW_MASK  0xFF000198U
#define L2_DISALLOW_MASK    BASE_DISALLOW_MASK
#define L3_DISALLOW_MASK    BASE_DISALLOW_MASK
#define L4_DISALLOW_MASK    BASE_DISALLOW_MASK

/*
 * Check a present L1 entry and take the references it implies (general; +
 * writable type if RW).  Returns 0, a positive mask of PTE bits the caller
 * must flip in the stored entry (_PAGE_RW and/or cache bits), or a negative
 * errno with reason.  l1e_owner owns the L1 table, pg_owner is the domain
 * whose frames are being mapped (FD).
 */
int get_page_from_l1e_slow(struct vcpu *curr, intpte_t l1e, struct domain *l1e_owner,
                           struct domain *pg_owner);
/*
 * get_page_from_l1e(curr, l1e, l1e_owner, pg_owner) is inline (fast-paths.h):
 * its common case, else get_page_from_l1e_slow (validate-l1.c), the general
 * version.
 */
/* put_page_from_l1e(curr, l1e, l1e_owner), which releases it, is inline: fast-paths.h. */

/*
 * L2..L4 entries: `pfn` is the frame of the table containing the entry (for
 * the self-reference and linear rules), d its owner.  get returns 0, or
 * -XEN_EINTR/-XEN_ERESTART (L3/L4 with PTF_preemptible), or -errno.
 * put returns 0 or -XEN_EINTR/-XEN_ERESTART when preemptible.
 */
int get_page_from_l2e(struct vcpu *curr, intpte_t l2e, mfn_t pfn, struct domain *d,
                      unsigned int flags);
int get_page_from_l3e(struct vcpu *curr, intpte_t l3e, mfn_t pfn, struct domain *d,
                      unsigned int flags);
int get_page_from_l4e(struct vcpu *curr, intpte_t l4e, mfn_t pfn, struct domain *d,
                      unsigned int flags);
int put_page_from_l2e(struct vcpu *curr, intpte_t l2e, mfn_t pfn, unsigned int flags);
int put_page_from_l3e(struct vcpu *curr, intpte_t l3e, mfn_t pfn, unsigned int flags);
int put_page_from_l4e(struct vcpu *curr, intpte_t l4e, mfn_t pfn, unsigned int flags);

/*
 * Linear (same-level) page-table entries (model.md §3.4, XSA-240): every rule
 * about them is in linear-pt.c.
 *
 * pg->linear_pt_count > 0 counts the same-level entries pg *contains* (+1 per
 * entry, on the containing table); < 0 counts, negated, the same-level entries
 * in other tables that *target* pg (-1 per use, on the target).  A table can
 * be one or the other, never both.  get_linear_pagetable takes both sides
 * when it accepts a linear entry to another table; _put_page_type
 * (page-type.c) gives them back with put_linear_counts whenever it drops a
 * type reference of pg with a ptpg of the same type (in put_final_page_type
 * only if pg was validated and the devalidation did not return -EINTR).
 * Self-references hold nothing and are never counted.
 */
/* One same-level entry of ptpg pointing at pg went away: -1 on both counters. */
void put_linear_counts(struct page_info *pg, struct page_info *ptpg);
/*
 * The linear rule for present entry e at `level` (2..4) of table pfn (owner
 * d) that points at pfn itself or at a table of the same level: 0 with the
 * references and counters taken (nothing for a self-reference), or
 * -XEN_EINVAL with a LINEAR_* reason.  With PTF_partial_set in flags the
 * entry already held a general reference, which then is the one kept.
 */
int get_linear_pagetable(struct vcpu *curr, intpte_t e, mfn_t pfn, struct domain *d,
                         int level, unsigned int flags);
/*
 * Whether a present entry at `level` of table pfn pointing at (valid) frame
 * mfn can only be accepted by the linear rule: mfn is pfn itself, or in use
 * (or partially validated) as a table of the same level.  Xen asks for the
 * lower type first and falls back on -EINVAL; deciding first keeps a
 * failure's reason about the linear rule.
 */
bool is_linear_candidate(struct pvmm_state *s, mfn_t mfn, mfn_t pfn, int level);
/*
 * Xen's fallback after the lower-level type was refused: the target may have
 * become a same-level table meanwhile.  True if the linear rule accepted it.
 */
bool linear_fallback(struct vcpu *curr, intpte_t e, mfn_t pfn, struct domain *d, int level,
                     unsigned int flags);
/*
 * Whether a request for type `type` on a frame with type word x may be a
 * linear-table attempt (an L(n+1) frame asked for as Ln), which
 * _get_page_type refuses without recording a reason.
 */
bool maybe_linear_attempt(uint64_t x, unsigned long type);
/*
 * Whether flipping RW on an L2..L4 entry is harmless, so the fast path may
 * take it: only when linear entries are disabled, as a read-only linear
 * entry made writable would hand the guest its own tables (XSA-182).
 */
bool linear_rw_change_is_safe(const struct pvmm_state *s);

/*
 * Xen's fix-up of a present entry of table level `level` (2..4) for 64-bit
 * PV (adjust_guest_l2e..l4e; model.md §3.8): USER, and ACCESSED at L4.  Not-present
 * entries are returned unchanged.  The L1 fix-up, adjust_guest_l1e, is inline
 * (fast-paths.h).  Defined in validate-l234.c.
 */
intpte_t adjust_guest_upper(intpte_t e, const struct domain *d, int level);

/*
 * Validate table pg as a table of its level (called by validate_page with
 * pg validate-locked): take every present guest entry's references and
 * write back the fixed-up entries; an L4 also gets its hypervisor slots.
 * L1: not preemptible; 0, or -errno after releasing everything taken (the
 * failing slot added to the reason's path).  L2..L4 resume from
 * pg->nr_validated_ptes / partial_flags and, if preemptible, return
 * -XEN_ERESTART with the progress recorded in pg or -XEN_EINTR when
 * nothing was done; any other error undoes everything (model.md §2.5).
 * Defined in validate-l1.c (L1) and validate-l234.c (L2..L4).
 */
int promote_l1_table(struct vcpu *curr, struct page_info *pg);
int promote_l2_table(struct vcpu *curr, struct page_info *pg, bool preemptible);
int promote_l3_table(struct vcpu *curr, struct page_info *pg, bool preemptible);
int promote_l4_table(struct vcpu *curr, struct page_info *pg, bool preemptible);
/*
 * Devalidate table pg (its last type reference went): release the
 * references of its validated entries, last first (the partial one first,
 * if any).  L1: always completes, returns 0.  L2..L4: 0 when done, or, if
 * preemptible, -XEN_ERESTART with the progress recorded in pg, or
 * -XEN_EINTR if a fully validated table was left exactly as it was.
 * Defined in validate-l1.c (L1) and validate-l234.c (L2..L4).
 */
int demote_l1_table(struct vcpu *curr, struct page_info *pg);
int demote_l2_table(struct vcpu *curr, struct page_info *pg, bool preemptible);
int demote_l3_table(struct vcpu *curr, struct page_info *pg, bool preemptible);
int demote_l4_table(struct vcpu *curr, struct page_info *pg, bool preemptible);

/* ---- hypervisor L4 slots (xen-slots.c) ---- */

static inline bool is_guest_l4_slot(unsigned int slot)
{
    return slot < L4_SLOT_FIRST_XEN || slot > L4_SLOT_LAST_XEN;
}
/* Write slots 256..271 of L4 `l4t` (frame l4mfn, owner d); ro_mpt fills slot 256. */
void init_xen_l4_slots(struct pvmm_state *s, intpte_t *l4t, mfn_t l4mfn,
                       const struct domain *d, bool ro_mpt);
/* Install / remove the read-only M2P in slot 256 of L4 frame l4mfn. */
void fill_ro_mpt(struct pvmm_state *s, mfn_t l4mfn);
void zap_ro_mpt(struct pvmm_state *s, mfn_t l4mfn);

/* ---- entry updates (mod-entry.c) ---- */

/*
 * Replace the entry at *pl1e (in L1 frame gl1mfn, page-locked by the caller)
 * with nl1e after validating it; pg_dom is the FD.  cmd is MMU_NORMAL_PT_UPDATE
 * or MMU_PT_UPDATE_PRESERVE_AD.  Returns 0 or -errno (reason recorded).
 */
int mod_l1_entry(struct vcpu *curr, intpte_t *pl1e, intpte_t nl1e, mfn_t gl1mfn,
                 unsigned int cmd, struct domain *pg_dom);
/* L2..L4 equivalents; pfn is the table's frame.  May return -XEN_ERESTART. */
int mod_l2_entry(struct vcpu *curr, intpte_t *pl2e, intpte_t nl2e, mfn_t pfn,
                 bool preserve_ad);
int mod_l3_entry(struct vcpu *curr, intpte_t *pl3e, intpte_t nl3e, mfn_t pfn,
                 bool preserve_ad);
int mod_l4_entry(struct vcpu *curr, intpte_t *pl4e, intpte_t nl4e, mfn_t pfn,
                 bool preserve_ad);
/* Atomically replace old with new at p (optionally keeping hardware A/D bits). */
bool update_intpte(intpte_t *p, intpte_t old, intpte_t new, bool preserve_ad);

/* ---- foreign domains (mmu-update.c) ---- */

/*
 * Resolve a foreign-domain argument (Xen's get_pg_owner): DOMID_SELF -> the
 * caller, DOMID_IO -> dom_io, DOMID_XEN -> dom_xen, another existing domain
 * -> it; the caller's own numeric id and unknown ids -> NULL (the caller
 * returns -XEN_ESRCH).  Reason recorded on NULL.  As in Xen, privilege over
 * the result is *not* checked here: each hypercall checks it where Xen's XSM
 * hook does (xsm_target_permitted), giving -XEN_EPERM.
 */
struct domain *get_pg_owner(struct vcpu *curr, domid_t domid);
/*
 * Xen's default XSM_TARGET policy: src may act on target iff it is target
 * or src is privileged (the control domain).  Defined in mmu-update.c.
 */
bool xsm_target_permitted(const struct domain *src, const struct domain *target);
/*
 * Xen's get_page_from_gfn for a PV domain (gfn == mfn): a general reference
 * on frame gfn iff it is valid and owned by d; NULL otherwise, with a reason
 * recorded for -XEN_EINVAL.  get_page_from_gfn_pv(curr, d, gfn) is inline
 * (fast-paths.h) and calls the general version, get_page_from_gfn_pv_slow
 * (defined in mmu-update.c), unless its common case applies.
 */
struct page_info *get_page_from_gfn_pv_slow(struct vcpu *curr, struct domain *d, mfn_t gfn);

/* ---- pins and bases (pin.c) ---- */

/*
 * MMUEXT_PIN_Ln_TABLE: pin frame mfn of pg_owner as a table of `type`
 * (PGT_l1..l4_page_table), taking the pin's general and type reference
 * (validating the table if needed).  A pending old_guest_table is finished
 * first.  Returns 0; -XEN_ERESTART (preemptible only) when that put or the
 * validation was preempted, to be continued; or -XEN_EINVAL (not a table
 * type, not pg_owner's frame, type conflict, already pinned - rule
 * ALREADY_PINNED) and other -errno with a reason; the references taken
 * are then given back (preemptibly via old_guest_table).  Pinning for
 * another domain that is dying is undone the same way (returns 0).
 */
int pin_table(struct vcpu *curr, struct domain *pg_owner, mfn_t mfn, unsigned long type,
              bool preemptible);
/*
 * MMUEXT_UNPIN_TABLE: clear frame mfn's pin and drop the pin's references.
 * Returns 0 (the unpin is done even if the put was preempted: that put is
 * then parked in old_guest_table and finished by the next hypercall),
 * -XEN_ERESTART if a pending old_guest_table must be finished first, or
 * -XEN_EINVAL (not pg_owner's frame; rule NOT_PINNED if not pinned).
 */
int unpin_table(struct vcpu *curr, struct domain *pg_owner, mfn_t mfn, bool preemptible);
/*
 * Install mfn as curr's kernel base (Xen's new_guest_cr3): take a general
 * and an L4 type reference on it (validating it if needed), publish it,
 * tell the platform (write_ptbase), then drop the old base's references.
 * Installing the current base again only reloads it.  Returns 0;
 * -XEN_ERESTART (preemptible only) either before the switch (a pending
 * old_guest_table or the new base's validation was preempted: continue)
 * or after it (the old base's put was parked in old_guest_table); or
 * -errno with a reason, the old base still installed.
 */
int new_guest_cr3(struct vcpu *curr, mfn_t mfn, bool preemptible);
/*
 * MMUEXT_NEW_USER_BASEPTR: as new_guest_cr3 for curr's user base
 * (guest_table_user); mfn 0 removes it.  With VMASST_TYPE_m2p_strict the
 * new base's read-only M2P slot is cleared.
 */
int new_guest_user_cr3(struct vcpu *curr, mfn_t mfn, bool preemptible);
/*
 * Drop a pending deferred type reference (v->old_guest_table).  0 when none
 * is left, -XEN_ERESTART if it must be continued.
 */
int put_old_guest_table(struct vcpu *v);

/* ---- walking a guest's tables (guest-walk.c) ---- */

/*
 * Where a walk of a guest's tables for an address ended.  When an L1 was
 * reached: table is that L1 frame, level 1, slot the L1 index of the
 * address, entry the L1 entry (guest_kernel_l1e only; 0 otherwise).  When
 * the walk stopped: table, level and slot name the entry that stopped it
 * (not present, PSE, or naming no frame), entry is that entry; table is
 * INVALID_MFN when there was no table to start from.
 */
struct guest_walk {
    mfn_t        table;
    int          level;
    unsigned int slot;
    intpte_t     entry;
};
/*
 * Walk from L4 frame root through present entries (L3 and L2 not PSE) to
 * the slot of the L1 entry for va.  Reads only, takes no references: the
 * caller re-checks the L1 frame it acts on.  True if an L1 was reached.
 */
bool guest_walk_to_l1(struct pvmm_state *s, mfn_t root, uint64_t va, struct guest_walk *w);
/*
 * The L1 entry (possibly not present) that maps va in v's *kernel* tables,
 * whatever mode v is in (Xen's guest_get_eff_kern_l1e).  False if va is
 * not __addr_ok, v has no kernel base or the walk stops above L1.
 */
bool guest_kernel_l1e(struct vcpu *v, uint64_t va, struct guest_walk *w);

/* Canonical and not in the hypervisor's range (Xen's __addr_ok). */
static inline bool addr_ok(uint64_t a)
{
    return a < (1UL << 47) || a >= 0xFFFF880000000000UL;
}
static inline bool is_canonical(uint64_t a)
{
    return (uint64_t)((int64_t)(a << 16) >> 16) == a;   /* no signed left shift (UB) */
}

/* ---- TLB flushing (mmuext-flush.c) ---- */

/* Mask of d's online vCPUs. */
uint64_t domain_vcpu_mask(const struct domain *d);
/*
 * flush_tlb_mask(d, mask, va) flushes the vCPUs in mask (va or
 * PVMM_FLUSH_ALL_VA), nothing if mask is 0; flush_tlb_local(v, va) flushes
 * v.  Both are inline (fast-paths.h): a flush follows many updates.
 */
/*
 * Read a guest vCPU bitmap (one 64-bit word at guest address bmap, Xen's
 * vcpumask_to_pcpumask) into *mask, keeping only d's online vCPUs below
 * max_vcpus.  0, or -XEN_EFAULT with *mask = 0 (no reason recorded: the
 * callers report the error each in its own way).
 */
int vcpumask_from_guest(struct vcpu *curr, uint64_t bmap, uint64_t *mask);

/* ---- descriptors (descriptors.c, ldt.c) ---- */

/* Check (and fix up in place) one 8-byte descriptor for d; false = refused. */
bool check_descriptor(const struct domain *d, uint64_t *desc);
/*
 * Validate all 512 descriptors of pg for PGT_seg_desc_page (called by
 * validate_page with pg validate-locked), writing fix-ups back atomically.
 * 0, or -XEN_EINVAL with rule BAD_DESCRIPTOR naming the first refused slot
 * (the descriptors before it keep their safe fix-ups, as in Xen).  Not
 * preemptible.  Defined in descriptors.c.
 */
int validate_segdesc_page(struct vcpu *curr, struct page_info *pg);
/* Drop all LDT shadow mappings of v (flushes if any were present). */
void pv_destroy_ldt(struct vcpu *v);
/* Drop v's GDT frames. */
void pv_destroy_gdt(struct vcpu *v);
/* Xen's pv_set_gdt: install frames[0 .. ceil(entries/512)) as v's GDT (caller holds
 * d->lock and has checked entries); 0 or -XEN_EINVAL with nothing changed. */
int pv_set_gdt(struct vcpu *v, const uint64_t *frames, unsigned int entries);
int pv_set_ldt(struct vcpu *curr, uint64_t base, unsigned int ents);

/* ---- reasons (reason.c, rmap-search.c) ---- */

/*
 * reason_clear(curr, hypercall) (inline: fast-paths.h) starts a new operation on
 * curr, clearing its reason and continuation; reason_reset (reason.c) resets a record.
 */
void reason_reset(struct pvmm_reason *r, int hypercall);
/*
 * The details of a rejection, all optional: the frame the rule is about, the
 * table holding the offending entry with its level (1..4, 0 for none or a
 * descriptor page) and index, the entry or argument, and the requested type.
 */
struct reject_info {
    mfn_t    frame;
    mfn_t    table;
    int      level;
    int      index;
    uint64_t entry;
    uint64_t want_type;
};
/*
 * Record a rejection on curr unless a more specific (inner) one is already
 * recorded; snapshots frame's type, count and owner.  Returns rc.
 * Call it through REJECT / REJECT_RC.
 */
int reject(struct vcpu *curr, int rc, enum pvmm_rule rule, const struct reject_info *info);
/*
 * REJECT(curr, EINVAL, WRONG_LEVEL, .frame = mfn, .level = 2, .entry = l2e)
 * records rule PVMM_RULE_WRONG_LEVEL with -XEN_EINVAL and evaluates to
 * -XEN_EINVAL.  Fields not named keep "none": frame and table INVALID_MFN,
 * index -1, level, entry and want_type 0.  REJECT_RC takes the error code
 * and the rule as expressions.  The defaults are overridden by the named
 * fields on purpose, so the override warning is silenced for this one
 * initialiser only.
 */
#define REJECT_RC(curr, rc, rule, ...) (__extension__({ \
    _Pragma("GCC diagnostic push") \
    _Pragma("GCC diagnostic ignored \"-Woverride-init\"") \
    const struct reject_info reject_info__ = { \
        .frame = INVALID_MFN, .table = INVALID_MFN, .index = -1, __VA_ARGS__ }; \
    _Pragma("GCC diagnostic pop") \
    reject((curr), (rc), (rule), &reject_info__); }))
#define REJECT(curr, err, rule, ...) \
    REJECT_RC(curr, -XEN_##err, PVMM_RULE_##rule, __VA_ARGS__)
/* Prepend a step (table, level, index) to the recorded path as an error propagates up. */
void reason_add_path(struct vcpu *curr, mfn_t table, int level, int index);
/* Set the batch index of the failing request. */
void reason_set_op_index(struct vcpu *curr, int idx);
/*
 * Set the sub-operation (MMUEXT_* cmd, MMU_* command of mmu_update's ptr,
 * XENMEM_* cmd) of the failing request, so the text can name it.  Optional:
 * the text falls back to the hypercall name.  Defined in reason.c.
 */
void reason_set_sub_op(struct vcpu *curr, int sub_op);
/*
 * Find a present writable L1 entry of a frame of d that maps mfn; fill the
 * blocker fields of r (L1 frame, slot, and a VA reached from one of d's
 * base tables).  False if none was found.  The search cannot be preempted,
 * so its work is bounded by RMAP_SEARCH_BUDGET units whatever the size of
 * the machine or of d: one per frame-table entry examined, 512 per table
 * read.  It sets r->blocker_search_exhausted if the budget ran out, in which
 * case a false return (or a blocker_va of ~0) means "not found", not "none".
 */
#define RMAP_SEARCH_BUDGET (1UL << 19)
bool find_writable_mapping(struct pvmm_state *s, const struct domain *d, mfn_t mfn,
                           struct pvmm_reason *r);

/* ---- foreign mappings and the sealed launch (sealed-launch.c) ---- */

/*
 * A new L1 entry l1e of another domain's table maps a frame of ordinary domain owner:
 * count it.  False (nothing counted, reason sealed-launched, -EPERM for the caller) if
 * owner is a launched sealed domain.
 */
bool foreign_map_take(struct vcpu *curr, struct domain *owner, intpte_t l1e);
/*
 * Count (delta +1) or uncount (-1) l1e, an entry of a table of l1e_owner, if it maps a RAM
 * frame of another ordinary domain (grant host mappings; an entry whose references are
 * dropped).  The frame must be referenced, so its owner cannot change meanwhile.
 */
void foreign_map_count(struct pvmm_state *s, intpte_t l1e, const struct domain *l1e_owner,
                       int delta);

/* ---- hypercall continuations ---- */

/*
 * Ask the embedder to re-issue hypercall op on v with its nargs arguments
 * replaced by a0.. (see the top of include/pvmm/pvmm.h; the values past
 * nargs are ignored).  Returns 0, which the entry point returns.
 */
static inline long hypercall_create_continuation(struct vcpu *v, unsigned int op,
                                                 unsigned int nargs, uint64_t a0, uint64_t a1,
                                                 uint64_t a2, uint64_t a3, uint64_t a4)
{
    v->cont.pending = true;
    v->cont.op = op;
    v->cont.nargs = nargs;
    v->cont.args[0] = a0;
    v->cont.args[1] = a1;
    v->cont.args[2] = a2;
    v->cont.args[3] = a3;
    v->cont.args[4] = a4;
    v->cont.args[5] = 0;
    return 0;
}

/* ---- guest memory ---- */

static inline int copy_from_guest(struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    const struct pvmm_platform *p = vcpu_state(v)->plat;
    return p->copy_from_guest(p->ctx, v, dst, gva, len);
}
static inline int copy_to_guest(struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    const struct pvmm_platform *p = vcpu_state(v)->plat;
    return p->copy_to_guest(p->ctx, v, gva, src, len);
}
static inline void *map_domain_page(struct pvmm_state *s, mfn_t m)
{
    if (s->plat->direct_map)
        return s->plat->direct_map + ((uint64_t)m << PAGE_SHIFT);
    return s->plat->map_frame(s->plat->ctx, m);
}
static inline void unmap_domain_page(struct pvmm_state *s, void *va)
{
    if (!s->plat->direct_map && s->plat->unmap_frame)
        s->plat->unmap_frame(s->plat->ctx, va);
}

/*
 * Whole-frame writes and reads by the core.  Other vCPUs read entries of
 * frames they hold no reference or type on - the blocker search
 * (rmap-search.c) and the software walks (guest-walk.c) -
 * and write live entries with atomic 8-byte stores, so the core never
 * touches a whole frame with plain memset/memcpy: every 8-byte word is a
 * relaxed atomic access (plain moves on x86).  A concurrent reader sees old
 * or new words, never torn ones, and validates whatever it acts on.  Used
 * by the free-time scrub (frame-table.c) and CLEAR_PAGE / COPY_PAGE
 * (mmuext-op.c); defined here.
 */
static inline void clear_frame(void *va)
{
    uint64_t *p = va;

    for (unsigned int i = 0; i < PAGE_SIZE / sizeof(*p); i++)
        __atomic_store_n(&p[i], 0, __ATOMIC_RELAXED);
}
static inline void copy_frame(void *dst, const void *src)
{
    uint64_t *d = dst;
    const uint64_t *s = src;

    for (unsigned int i = 0; i < PAGE_SIZE / sizeof(*d); i++)
        __atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED), __ATOMIC_RELAXED);
}
void pvmm_log(struct pvmm_state *s, enum pvmm_log_level lvl, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- core bugs (core-bug.c) ---- */

/*
 * Record a core bug found at file:line (docs/model.md §11): count it in s,
 * remember the first site, log the message.  Never for guest input.
 */
void core_bug(struct pvmm_state *s, const char *file, int line, const char *fmt, ...)
    __attribute__((cold, format(printf, 4, 5)));
/* CORE_BUG(s, "what %lx", x): record a core bug here and carry on. */
#define CORE_BUG(s, ...) core_bug((s), __FILE__, __LINE__, __VA_ARGS__)
/* Record a core bug here and return rc from the enclosing function. */
#define ASSERT_UNREACHABLE_RET(s, rc, ...) do { \
        CORE_BUG(s, __VA_ARGS__); \
        return (rc); \
    } while (0)

#include "fast-paths.h"

#endif /* PVMM_CORE_MM_H */
