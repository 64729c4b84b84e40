/*
 * core/grant-table.h - what the grant-table files share.
 *
 *   grant-table.c    the table: frames, entries, pins, teardown
 *   grant-table-op.c setup_table, query_size, get/set_version, get_status_frames
 *   grant-map.c      map_grant_ref, unmap_grant_ref, unmap_and_replace, the
 *                    maptrack, a dying mapper's mappings
 *   grant-pte.c      the host mapping: creating and replacing a grant PTE
 *   grant-copy.c     copy and swap_grant_ref
 *   grant-transfer.c transfer: a frame given into an accept-transfer entry
 *   grant-transitive.c  copies through v2 transitive entries
 *   grant-cache-flush.c  cache_flush: the frame's owner or grant checked
 *   grant-op.c       do_grant_table_op: the dispatcher and its batches
 *   audit-grant.c    the auditor's recount of pins and device-map references
 *
 * Pin counts (Xen's layout): four 8-bit counters in one word, host writable,
 * host read-only, device writable, device read-only; a counter with its top
 * bit set refuses further pins.  A host mapping's references travel with its
 * PTE (one general, plus a writable type reference unless read-only): they
 * are what an ordinary PTE of that kind holds, so the page-table auditor
 * counts them.  A device mapping's references (the same kinds) are held by
 * its maptrack entry.
 */
#ifndef PVMM_CORE_GRANT_TABLE_H
#define PVMM_CORE_GRANT_TABLE_H

#include "mm.h"
#include <xen/grant_table.h>

#define GNTPIN_hstw_inc   (1U << 0)
#define GNTPIN_hstr_inc   (1U << 8)
#define GNTPIN_devw_inc   (1U << 16)
#define GNTPIN_devr_inc   (1U << 24)
#define GNTPIN_hstw_mask  (0xffU << 0)
#define GNTPIN_devw_mask  (0xffU << 16)
#define GNTPIN_overflow   0x80808080U

/*
 * One active entry: 32 bytes, 128 per frame.  A pin for a copy of a sub-page or transitive
 * grant is copy-only (is_sub_page): no map may join it, and a copy that joins it gets its
 * window [start, start + length).  A transitive entry's pins each hold a pin of the grant
 * it stands for (trans_domid's trans_gref), taken for this table's domain.
 */
struct active_grant_entry {
    uint32_t pin;        /* GNTPIN_* counters */
    domid_t  domid;      /* the domain it is pinned for */
    uint8_t  is_sub_page;
    uint8_t  transitive;
    uint64_t mfn;        /* the granted frame while pinned */
    uint16_t start, length;
    domid_t  trans_domid;
    uint16_t pad;
    grant_ref_t trans_gref;
    uint32_t pad2;
};
#define ACTIVE_PER_FRAME  (PAGE_SIZE / sizeof(struct active_grant_entry))
/* Active frames per frame of v1 entries (the larger count, so either version fits). */
#define ACTIVE_FRAMES_PER_GRANT_FRAME \
    (PAGE_SIZE / sizeof(struct grant_entry_v1) / ACTIVE_PER_FRAME)
_Static_assert(PVMM_GNTTAB_MAX_ACTIVE_FRAMES ==
               PVMM_GNTTAB_MAX_FRAMES * ACTIVE_FRAMES_PER_GRANT_FRAME,
               "active frames for every frame of entries");

/* One maptrack entry: 8 bytes, 512 per frame; flags 0 = free. */
struct grant_mapping {
    uint32_t ref;        /* the granter's reference */
    domid_t  domid;      /* the granter */
    uint16_t flags;      /* GNTMAP_* (low 16 bits) still mapped */
};
#define MAPTRACK_PER_FRAME (PAGE_SIZE / sizeof(struct grant_mapping))

#define GNTMAP_KINDS (GNTMAP_device_map | GNTMAP_host_map)

/* The pins a mapping with GNTMAP flags holds. */
static inline uint32_t gnttab_pin_increment(uint32_t flags)
{
    uint32_t inc = 0;
    bool ro = flags & GNTMAP_readonly;

    if (flags & GNTMAP_device_map)
        inc += ro ? GNTPIN_devr_inc : GNTPIN_devw_inc;
    if (flags & GNTMAP_host_map)
        inc += ro ? GNTPIN_hstr_inc : GNTPIN_hstw_inc;
    return inc;
}

/*
 * What a pin found: the frame and its owner (the granter's, or for a transitive grant the
 * domain at the end of it), the window that may be copied.
 */
struct gnttab_pinned {
    mfn_t mfn;
    struct domain *owner;
    unsigned int off, len;
};

/*
 * What a pin is for: a mapping (permit_access entries, whole pages), a copy (also sub-page
 * and, in v2, transitive entries), or the pin a transitive entry takes of the grant it
 * stands for (a copy's, but no transitive entry again: one level only).
 */
enum gnttab_use { GNTTAB_USE_MAP, GNTTAB_USE_COPY, GNTTAB_USE_COPY_INNER };

static inline unsigned int grant_per_frame(const struct grant_table *gt)
{
    return gt->gt_version == 1 ? PAGE_SIZE / sizeof(struct grant_entry_v1)
                               : PAGE_SIZE / sizeof(union grant_entry_v2);
}
static inline unsigned int nr_grant_entries(const struct grant_table *gt)
{
    return gt->nr_grant_frames * grant_per_frame(gt);
}
/* Status frames needed for nr frames of v2 entries (2 bytes per entry). */
static inline unsigned int grant_to_status_frames(unsigned int nr)
{
    return (nr * (PAGE_SIZE / sizeof(union grant_entry_v2)) * sizeof(grant_status_t) +
            PAGE_SIZE - 1) / PAGE_SIZE;
}

/*
 * A pointer to the shared entry header of ref (v1 or v2: flags and domid
 * first in both), or NULL if its frame is not allocated (the entry is then
 * invalid).  *frame receives the entry's frame.  The caller holds gt->lock
 * and maps nothing back: the platform's frame mappings are permanent.
 */
struct grant_entry_header *gnttab_shared_header(struct domain *d, grant_ref_t ref,
                                                uint64_t *frame);
/* The status word of ref (v2) or the header's flags (v1); NULL if not allocated. */
uint16_t *gnttab_status_word(struct domain *d, grant_ref_t ref);
/* The active entry of ref (ref < nr_grant_entries), NULL if not allocated. */
struct active_grant_entry *gnttab_active(struct domain *d, grant_ref_t ref);

/*
 * Xen's _set_status: check that ref of granter rd may be used by domid (type `type` -
 * GTF_permit_access, or GTF_transitive for a copy through a v2 transitive entry -, not
 * sub-page unless for copy, grantee domid, read-only grants only for read-only use) and set
 * GTF_reading (and GTF_writing) with a bounded compare-and-swap.  GNTST_okay or a GNTST code
 * with a reason on curr.  *sub_off and *sub_len get the v2 sub-page window (0, PAGE_SIZE
 * otherwise).  Caller holds rd's gt->lock.
 */
int gnttab_set_status(struct vcpu *curr, struct domain *rd, grant_ref_t ref, domid_t domid,
                      unsigned int type, bool readonly, bool allow_sub_page,
                      unsigned int *sub_off, unsigned int *sub_len);
/*
 * Raise the pins of ref of rd by inc (GNTPIN_* increments) for domain ld, for `use`: the
 * common start of map and copy (Xen's map_grant_ref and acquire_grant_for_copy).  The
 * reference must be inside the table; an entry already pinned must be pinned for ld with no
 * counter at its limit, and not copy-only for a map; the shared entry is checked
 * (gnttab_set_status) on the first pin and on the first writable one.  A v2 transitive
 * entry, for a copy, goes on in grant-transitive.c.  GNTST_okay with *p filled,
 * -XEN_ERESTART (a transitive entry changed under the copy: retry it), or a GNTST code and a
 * reason with nothing changed.  Takes rd's gt->lock.
 */
int gnttab_pin(struct vcpu *curr, struct domain *rd, grant_ref_t ref, domid_t ld,
               uint32_t inc, enum gnttab_use use, struct gnttab_pinned *p);
/*
 * grant-transitive.c: the rest of gnttab_pin for a copy through the v2 transitive entry ref
 * of rd (inside the table, its active entry present), called with rd's gt->lock held;
 * returns with it released.
 */
int gnttab_pin_transitive(struct vcpu *curr, struct domain *rd, grant_ref_t ref, domid_t ld,
                          uint32_t inc, struct gnttab_pinned *p);
/*
 * Lower the pins of ref of rd by inc; the status bits follow; a transitive entry's pin of
 * the grant it stands for goes too.  Takes rd's gt->lock (not held while the other table's
 * is taken).
 */
void gnttab_unpin(struct domain *rd, grant_ref_t ref, uint32_t inc);
/* Clear GTF_writing when act has no writable pin left, GTF_reading when no pin. */
void gnttab_reduce_status(struct domain *rd, grant_ref_t ref,
                          const struct active_grant_entry *act);

/* grant-pte.c: create the PV host mapping of mfn at addr for curr (GNTMAP flags). */
int gnttab_create_host_mapping(struct vcpu *curr, uint64_t addr, mfn_t mfn, uint32_t flags);
/*
 * grant-pte.c: remove the host mapping of mfn at addr (which must map mfn with the
 * grant's present and writable state), putting new_addr's PTE there (moved, 0: none).
 * Takes and drops no references of mfn: the caller drops the grant's.
 */
int gnttab_replace_host_mapping(struct vcpu *curr, uint64_t addr, mfn_t mfn,
                                uint64_t new_addr, uint32_t flags);

/* grant-map.c: the per-element operations (results are GNTST codes). */
int gnttab_map_one(struct vcpu *curr, struct gnttab_map_grant_ref *op);
int gnttab_unmap_one(struct vcpu *curr, uint64_t host_addr, uint64_t dev_bus_addr,
                     grant_handle_t handle, uint64_t new_addr);
/* grant-transfer.c: one GNTTABOP_transfer element (a GNTST code). */
int gnttab_transfer_one(struct vcpu *curr, const struct gnttab_transfer *op);
/* grant-copy.c */
int gnttab_copy_one(struct vcpu *curr, const struct gnttab_copy *op);
int gnttab_swap_one(struct vcpu *curr, grant_ref_t a, grant_ref_t b);

/*
 * grant-table.c: make the first nr frames of d's table real, for version (shared frames,
 * their active entries, v2 status frames); false if memory ran out (what was allocated
 * stays).  Caller holds gt->lock.
 */
bool gnttab_grow(struct domain *d, unsigned int nr, unsigned int version);
/* grant-table.c: take back a status frame the guest no longer maps (false if it does). */
bool gt_unshare_frame(struct pvmm_state *s, mfn_t mfn);

/*
 * grant-cache-flush.c: GNTTABOP_cache_flush, count elements at uop, the scan of the first
 * resuming at cur_ref (a continuation's cmd bits 12+): the hypercall's result.
 */
long gnttab_cache_flush(struct vcpu *v, uint64_t uop, unsigned int count, grant_ref_t cur_ref);

/* grant-table-op.c: the single-element operations (hypercall results). */
long gnttab_setup_table(struct vcpu *curr, uint64_t uop, unsigned int count);
long gnttab_query_size(struct vcpu *curr, uint64_t uop, unsigned int count);
long gnttab_get_version(struct vcpu *curr, uint64_t uop);
long gnttab_set_version(struct vcpu *curr, uint64_t uop);
long gnttab_get_status_frames(struct vcpu *curr, uint64_t uop, unsigned int count);

/*
 * Teardown (domain.c): is a shared or status frame lent to d still referenced by someone
 * (another domain mapped it through a grant)?  Then d's table cannot go yet.
 */
bool gnttab_frames_held(struct domain *d);
/* Teardown (domain.c): a dying domain's mappings of grants, then its table's frames. */
int gnttab_release_mappings(struct domain *d);
void gnttab_destroy(struct domain *d);
/*
 * A granter's table goes: mappings of it that other domains still track (host mappings
 * whose PTE was zapped: they hold no reference) are forgotten (grant-map.c).
 */
void gnttab_forget_granter(struct domain *d);
void gnttab_init(struct domain *d);

#endif /* PVMM_CORE_GRANT_TABLE_H */
