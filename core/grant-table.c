/*
 * core/grant-table.c - a domain's grant table: its frames (allocated as the
 * table grows), its entries (the shared-entry, status and active-entry
 * helpers of grant-table.h), pinning an entry, and teardown.
 */
#include "grant-table.h"

void gnttab_init(struct domain *d)
{
    struct grant_table *gt = &d->grant_table;

    gt->lock = (pvmm_spinlock_t)PVMM_SPINLOCK_INIT;
    gt->maptrack_lock = (pvmm_spinlock_t)PVMM_SPINLOCK_INIT;
    gt->gt_version = 1;
    gt->max_version = 2;
    gt->nr_grant_frames = 1;
    gt->max_grant_frames = PVMM_GNTTAB_MAX_FRAMES;
    gt->nr_status_frames = 0;
    gt->nr_maptrack_frames = 0;
    for (unsigned int i = 0; i < PVMM_GNTTAB_MAX_FRAMES; i++)
        gt->shared[i] = INVALID_MFN;
    for (unsigned int i = 0; i < PVMM_GNTTAB_MAX_STATUS_FRAMES; i++)
        gt->status[i] = INVALID_MFN;
    for (unsigned int i = 0; i < PVMM_GNTTAB_MAX_ACTIVE_FRAMES; i++)
        gt->active[i] = INVALID_MFN;
    for (unsigned int i = 0; i < PVMM_MAPTRACK_MAX_FRAMES; i++)
        gt->maptrack[i] = INVALID_MFN;
}

/* ---- frames ---- */

/* A cleared hypervisor frame from the free heap (owner dom_xen); false if none is free. */
static bool gt_alloc_frame(struct pvmm_state *s, mfn_t *mfn)
{
    void *va;

    if (alloc_held_pages(s, 0, s->nr_frames, mfn))
        return false;
    va = map_domain_page(s, *mfn);
    clear_frame(va);
    unmap_domain_page(s, va);
    return true;
}

/* Give a hypervisor frame of gt_alloc_frame (owner dom_xen, unreferenced) back to the heap. */
static void gt_free_frame(struct pvmm_state *s, mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(s, mfn);

    __atomic_fetch_and(&pg->count_info, ~PGC_allocated, __ATOMIC_ACQ_REL);
    put_page(s, pg);
}

/*
 * Take back a frame shared with d (a status frame when the table goes back to v1): only if
 * the guest no longer maps it (count and type as sharing left them), else false - Xen's
 * XSA-255 rule.  The frame goes back to the heap.
 */
bool gt_unshare_frame(struct pvmm_state *s, mfn_t mfn)
{
    struct page_info *pg = mfn_to_page(s, mfn);
    uint64_t ci = PGC_xen_heap | PGC_allocated | 1;

    if (read_atomic64(&pg->type_info) != (PGT_writable_page | PGT_validated | 1) ||
        !cmpxchg64(&pg->count_info, &ci, PGC_allocated | 1))
        return false;
    write_atomic64(&pg->type_info, 0);
    __atomic_store_n(&pg->owner, (domid_t)DOMID_XEN, __ATOMIC_RELEASE);
    gt_free_frame(s, mfn);
    return true;
}

/* Allocate and share with d a frame of entries or status words at *slot, if not yet there. */
static bool gt_shared_frame(struct domain *d, mfn_t *slot)
{
    mfn_t m;

    if (*slot != INVALID_MFN)
        return true;
    if (!gt_alloc_frame(d->state, &m))
        return false;
    pvmm_share_xen_page(d->state, m, d, true);
    *slot = m;
    return true;
}

/*
 * Make the first nr frames of entries real (Xen's gnttab_grow_table): shared frames, their
 * active entries (four frames per frame of v1 entries, enough for either version) and, under
 * v2, the status frames.  Caller holds gt->lock.  False if memory ran out: what was
 * allocated stays the table's, nr_grant_frames is unchanged.
 */
bool gnttab_grow(struct domain *d, unsigned int nr, unsigned int version)
{
    struct grant_table *gt = &d->grant_table;
    struct pvmm_state *s = d->state;

    for (unsigned int i = 0; i < nr; i++) {
        if (!gt_shared_frame(d, &gt->shared[i]))
            return false;
        for (unsigned int k = ACTIVE_FRAMES_PER_GRANT_FRAME * i;
             k < ACTIVE_FRAMES_PER_GRANT_FRAME * (i + 1); k++)
            if (gt->active[k] == INVALID_MFN && !gt_alloc_frame(s, &gt->active[k]))
                return false;
    }
    if (version == 2) {
        unsigned int ns = grant_to_status_frames(nr);

        for (unsigned int i = 0; i < ns; i++)
            if (!gt_shared_frame(d, &gt->status[i]))
                return false;
        if (ns > gt->nr_status_frames)
            gt->nr_status_frames = ns;
    }
    if (nr > gt->nr_grant_frames)
        gt->nr_grant_frames = nr;
    return true;
}

/* ---- entries ---- */

struct grant_entry_header *gnttab_shared_header(struct domain *d, grant_ref_t ref,
                                                uint64_t *frame)
{
    struct grant_table *gt = &d->grant_table;
    unsigned int per = grant_per_frame(gt);
    mfn_t m = gt->shared[ref / per];
    char *va;

    *frame = 0;
    if (m == INVALID_MFN)
        return NULL;
    va = map_domain_page(d->state, m);
    if (gt->gt_version == 1) {
        struct grant_entry_v1 *e = (struct grant_entry_v1 *)va + ref % per;

        *frame = __atomic_load_n(&e->frame, __ATOMIC_RELAXED);
        return (struct grant_entry_header *)e;
    } else {
        union grant_entry_v2 *e = (union grant_entry_v2 *)va + ref % per;

        *frame = __atomic_load_n(&e->full_page.frame, __ATOMIC_RELAXED);
        return &e->hdr;
    }
}

uint16_t *gnttab_status_word(struct domain *d, grant_ref_t ref)
{
    struct grant_table *gt = &d->grant_table;
    const unsigned int per = PAGE_SIZE / sizeof(grant_status_t);
    uint64_t frame;
    mfn_t m;

    if (gt->gt_version == 1) {
        struct grant_entry_header *h = gnttab_shared_header(d, ref, &frame);

        return h ? &h->flags : NULL;
    }
    m = gt->status[ref / per];
    if (m == INVALID_MFN)
        return NULL;
    return (uint16_t *)map_domain_page(d->state, m) + ref % per;
}

struct active_grant_entry *gnttab_active(struct domain *d, grant_ref_t ref)
{
    mfn_t m = d->grant_table.active[ref / ACTIVE_PER_FRAME];

    if (m == INVALID_MFN)
        return NULL;
    return (struct active_grant_entry *)map_domain_page(d->state, m) + ref % ACTIVE_PER_FRAME;
}

/* Whether the header word w (flags, then domid) lets domid use the entry as asked. */
static bool entry_permits(uint32_t w, unsigned int type, domid_t domid, bool readonly,
                          bool allow_sub_page)
{
    uint16_t flags = (uint16_t)w;

    return (flags & GTF_type_mask) == type && (uint16_t)(w >> 16) == domid &&
           (allow_sub_page || !(flags & GTF_sub_page)) && (readonly || !(flags & GTF_readonly));
}

/* The rule a refused entry word w breaks: a map of a copy-only (v2) grant, or the grant's. */
static enum pvmm_rule refused_rule(const struct domain *rd, uint32_t w, bool allow_sub_page)
{
    uint16_t flags = (uint16_t)w;

    if (!allow_sub_page && rd->grant_table.gt_version == 2 &&
        ((flags & GTF_type_mask) == GTF_transitive ||
         ((flags & GTF_type_mask) == GTF_permit_access && (flags & GTF_sub_page))))
        return PVMM_RULE_GRANT_COPY_ONLY;
    return PVMM_RULE_GRANT_NOT_PERMITTED;
}

int gnttab_set_status(struct vcpu *curr, struct domain *rd, grant_ref_t ref, domid_t domid,
                      unsigned int type, bool readonly, bool allow_sub_page,
                      unsigned int *sub_off, unsigned int *sub_len)
{
    uint64_t frame;
    struct grant_entry_header *h = gnttab_shared_header(rd, ref, &frame);
    uint16_t *status = gnttab_status_word(rd, ref);
    /* flags (bits 0-15) and domid (bits 16-31) as one word, as the guest writes them. */
    uint32_t *word = (uint32_t *)h;
    uint16_t set = (uint16_t)(GTF_reading | (readonly ? 0 : GTF_writing));

    if (!h || !status)
        ASSERT_UNREACHABLE_RET(vcpu_state(curr), GNTST_general_error, "grant %u: no entry", ref);
    for (unsigned int tries = 0; ; tries++) {
        uint32_t w = __atomic_load_n(word, __ATOMIC_ACQUIRE);

        /* An entry the guest keeps changing is refused after 5 tries ("unstable"). */
        if (tries == 5 || !entry_permits(w, type, domid, readonly, allow_sub_page))
            return REJECT_RC(curr, GNTST_general_error, refused_rule(rd, w, allow_sub_page),
                             .index = (int)ref, .entry = w);
        if (rd->grant_table.gt_version == 2) {
            /* v2: set the status bits, then make sure the header still allows it. */
            uint16_t before = __atomic_fetch_or(status, set, __ATOMIC_SEQ_CST);

            if (entry_permits(__atomic_load_n(word, __ATOMIC_SEQ_CST), type, domid, readonly,
                              allow_sub_page))
                break;
            __atomic_fetch_and(status, (uint16_t)~(set & ~before), __ATOMIC_SEQ_CST);
        } else if (__atomic_compare_exchange_n(word, &w, w | set, false, __ATOMIC_SEQ_CST,
                                               __ATOMIC_SEQ_CST)) {
            break;
        }
    }
    *sub_off = 0;
    *sub_len = PAGE_SIZE;
    if (rd->grant_table.gt_version == 2 && (h->flags & GTF_sub_page)) {
        union grant_entry_v2 *e = (union grant_entry_v2 *)h;

        *sub_off = e->sub_page.page_off;
        *sub_len = e->sub_page.length;
    }
    return GNTST_okay;
}

void gnttab_reduce_status(struct domain *rd, grant_ref_t ref,
                          const struct active_grant_entry *act)
{
    uint16_t *status = gnttab_status_word(rd, ref);

    if (!status)
        return;
    if (!(act->pin & (GNTPIN_hstw_mask | GNTPIN_devw_mask)))
        __atomic_fetch_and(status, (uint16_t)~GTF_writing, __ATOMIC_SEQ_CST);
    if (!act->pin)
        __atomic_fetch_and(status, (uint16_t)~GTF_reading, __ATOMIC_SEQ_CST);
}

/* The type (GTF_type_mask) of ref of rd as its entry reads now; GTF_invalid if none. */
static unsigned int entry_type(struct domain *rd, grant_ref_t ref)
{
    uint64_t frame;
    const struct grant_entry_header *h = gnttab_shared_header(rd, ref, &frame);

    return h ? __atomic_load_n(&h->flags, __ATOMIC_ACQUIRE) & GTF_type_mask : GTF_invalid;
}

int gnttab_pin(struct vcpu *curr, struct domain *rd, grant_ref_t ref, domid_t ld,
               uint32_t inc, enum gnttab_use use, struct gnttab_pinned *p)
{
    struct grant_table *gt = &rd->grant_table;
    const uint32_t writable = GNTPIN_hstw_mask | GNTPIN_devw_mask;
    struct active_grant_entry *act = NULL;
    const struct grant_entry_header *h;
    unsigned int off = 0, len = PAGE_SIZE;
    uint64_t frame;
    int rc = GNTST_okay;

    spin_lock(&gt->lock);
    if (ref >= nr_grant_entries(gt))
        rc = REJECT_RC(curr, GNTST_bad_gntref, PVMM_RULE_GRANT_BAD_REF, .index = (int)ref,
                       .entry = nr_grant_entries(gt));
    else if (!(act = gnttab_active(rd, ref)))
        /* The frame was never asked for (setup_table): its entries read as invalid. */
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_NOT_PERMITTED,
                       .index = (int)ref, .entry = 0);
    else if (act->pin && (act->domid != ld || (act->pin & GNTPIN_overflow)))
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_PINNED_ELSEWHERE,
                       .index = (int)ref, .entry = act->pin);
    else if (act->pin && use == GNTTAB_USE_MAP && act->is_sub_page)
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_COPY_ONLY,
                       .index = (int)ref, .entry = act->pin);
    else if (use != GNTTAB_USE_MAP && gt->gt_version == 2 &&
             entry_type(rd, ref) == GTF_transitive) {
        if (use == GNTTAB_USE_COPY)
            return gnttab_pin_transitive(curr, rd, ref, ld, inc, p);
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_TRANSITIVE_DEPTH,
                       .index = (int)ref, .entry = rd->domain_id);
    } else if (act->pin && act->transitive)
        /* Pinned through the transitive entry it was a moment ago (a copy in flight). */
        rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_PINNED_ELSEWHERE,
                       .index = (int)ref, .entry = act->pin);
    else if (!act->pin || ((inc & writable) && !(act->pin & writable)))
        rc = gnttab_set_status(curr, rd, ref, ld, GTF_permit_access, !(inc & writable),
                               use != GNTTAB_USE_MAP, &off, &len);
    if (rc == GNTST_okay) {
        h = gnttab_shared_header(rd, ref, &frame);
        if (!act->pin) {
            act->domid = ld;
            act->mfn = frame;
            act->start = (uint16_t)off;
            act->length = (uint16_t)len;
            act->is_sub_page = gt->gt_version == 2 && h && (h->flags & GTF_sub_page);
            act->transitive = false;
        }
        act->pin += inc;
        p->mfn = act->mfn;
        p->owner = rd;
        p->off = act->start;
        p->len = act->length;
    }
    spin_unlock(&gt->lock);
    return rc;
}

void gnttab_unpin(struct domain *rd, grant_ref_t ref, uint32_t inc)
{
    struct grant_table *gt = &rd->grant_table;
    struct active_grant_entry *act;
    struct domain *td;
    bool transitive;
    domid_t trans_domid;
    grant_ref_t trans_gref;

    spin_lock(&gt->lock);
    act = gnttab_active(rd, ref);
    act->pin -= inc;
    gnttab_reduce_status(rd, ref, act);
    transitive = act->transitive;
    trans_domid = act->trans_domid;
    trans_gref = act->trans_gref;
    spin_unlock(&gt->lock);
    if (!transitive)
        return;
    /* One level only: the grant it stands for is an ordinary one. */
    td = pvmm_domain_lookup(rd->state, trans_domid);
    if (td)
        gnttab_unpin(td, trans_gref, inc);
    else
        CORE_BUG(rd->state, "transitive grant %u of d%u: d%u gone while pinned", ref,
                 rd->domain_id, trans_domid);
}

int pvmm_gnttab_set_max_version(struct domain *d, unsigned int max_version)
{
    if (max_version < 1 || max_version > 2)
        return -XEN_EINVAL;
    d->grant_table.max_version = max_version;
    return 0;
}

uint32_t pvmm_grant_pin(struct domain *d, uint32_t ref)
{
    struct active_grant_entry *act;

    if (ref >= nr_grant_entries(&d->grant_table))
        return 0;
    act = gnttab_active(d, ref);
    return act ? act->pin : 0;
}

/* ---- teardown ---- */

/* A frame of the table that went back to dom_xen unused (teardown returned it): free it. */
static void release_table_frame(struct pvmm_state *s, mfn_t m)
{
    struct page_info *pg = mfn_to_page(s, m);

    if (pg->owner == DOMID_XEN && read_atomic64(&pg->count_info) == (PGC_allocated | 1) &&
        read_atomic64(&pg->type_info) == 0)
        gt_free_frame(s, m);
    else
        pvmm_log(s, PVMM_LOG_WARN, "grant table frame %lx still in use: left to its owner",
                 (unsigned long)m);
}

/* A lent table frame of d that still has a general reference (it went back to dom_xen
 * when its last one went). */
static bool lent_frame_held(struct pvmm_state *s, const struct domain *d, mfn_t m)
{
    const struct page_info *pg;

    if (m == INVALID_MFN)
        return false;
    pg = mfn_to_page(s, m);
    return __atomic_load_n(&pg->owner, __ATOMIC_ACQUIRE) == d->domain_id &&
           (read_atomic64(&pg->count_info) & PGC_count_mask) != 0;
}

bool gnttab_frames_held(struct domain *d)
{
    const struct grant_table *gt = &d->grant_table;

    for (unsigned int i = 0; i < PVMM_GNTTAB_MAX_FRAMES; i++)
        if (lent_frame_held(d->state, d, gt->shared[i]))
            return true;
    for (unsigned int i = 0; i < PVMM_GNTTAB_MAX_STATUS_FRAMES; i++)
        if (lent_frame_held(d->state, d, gt->status[i]))
            return true;
    return false;
}

void gnttab_destroy(struct domain *d)
{
    struct grant_table *gt = &d->grant_table;
    struct pvmm_state *s = d->state;

    gnttab_forget_granter(d);
    for (unsigned int i = 0; i < PVMM_GNTTAB_MAX_FRAMES; i++)
        if (gt->shared[i] != INVALID_MFN)
            release_table_frame(s, gt->shared[i]);
    for (unsigned int i = 0; i < PVMM_GNTTAB_MAX_STATUS_FRAMES; i++)
        if (gt->status[i] != INVALID_MFN)
            release_table_frame(s, gt->status[i]);
    for (unsigned int i = 0; i < PVMM_GNTTAB_MAX_ACTIVE_FRAMES; i++)
        if (gt->active[i] != INVALID_MFN)
            release_table_frame(s, gt->active[i]);
    for (unsigned int i = 0; i < PVMM_MAPTRACK_MAX_FRAMES; i++)
        if (gt->maptrack[i] != INVALID_MFN)
            release_table_frame(s, gt->maptrack[i]);
    gnttab_init(d);
}
