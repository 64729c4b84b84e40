/*
 * core/grant-map.c - mapping another domain's (or one's own) grant:
 * GNTTABOP_map_grant_ref, unmap_grant_ref and unmap_and_replace as Xen 4.17
 * does them for a PV mapper, the mapper's maptrack (one entry per mapping,
 * its index the handle), and the release of a dying mapper's mappings.
 *
 * map: the granter's entry is checked (and GTF_reading/GTF_writing set) on
 * the first pin and on the first writable pin; the pin counter of the kind
 * asked for is raised; then the frame's references are taken - a device
 * mapping holds a general reference and, unless read-only, a writable type
 * reference; a host mapping the same, held by its PTE - and the PTE is
 * written.  Any failure gives back exactly what was taken.  unmap removes
 * only the kinds asked for (a host part with host_addr != 0, a device part
 * with dev_bus_addr != 0), flushes the mapper's TLBs, and only then drops
 * the references and the pins (XSA-224).
 */
#include "grant-table.h"

/* ---- the maptrack ---- */

/* A handle taken by a map in progress: no kind yet, so unmap finds nothing there. */
#define MAPTRACK_BUSY 0x8000U

static struct grant_mapping *maptrack_entry(struct domain *d, grant_handle_t h)
{
    struct grant_table *gt = &d->grant_table;

    if (h >= gt->nr_maptrack_frames * MAPTRACK_PER_FRAME)
        return NULL;
    return (struct grant_mapping *)map_domain_page(d->state,
                                                   gt->maptrack[h / MAPTRACK_PER_FRAME]) +
           h % MAPTRACK_PER_FRAME;
}

/*
 * A free handle of d, its entry marked busy (MAPTRACK_BUSY until published);
 * growing the maptrack by a frame when every entry is in use.  False if none.
 */
static bool get_maptrack_handle(struct domain *d, grant_handle_t *h)
{
    struct grant_table *gt = &d->grant_table;
    bool ok = false;

    spin_lock(&gt->maptrack_lock);
    for (grant_handle_t i = 0; ; i++) {
        struct grant_mapping *mt;
        mfn_t m;

        if (i == gt->nr_maptrack_frames * MAPTRACK_PER_FRAME) {
            if (gt->nr_maptrack_frames == PVMM_MAPTRACK_MAX_FRAMES ||
                alloc_held_pages(d->state, 0, d->state->nr_frames, &m))
                break;
            clear_frame(map_domain_page(d->state, m));
            gt->maptrack[gt->nr_maptrack_frames++] = m;
        }
        mt = maptrack_entry(d, i);
        if (!mt->flags) {
            mt->flags = MAPTRACK_BUSY;
            *h = i;
            ok = true;
            break;
        }
    }
    spin_unlock(&gt->maptrack_lock);
    return ok;
}

static void put_maptrack_handle(struct domain *d, grant_handle_t h)
{
    struct grant_mapping *mt = maptrack_entry(d, h);

    __atomic_store_n(&mt->flags, 0, __ATOMIC_RELEASE);
}

/* ---- map ---- */

/*
 * Take the frame references op's kinds hold and write the host PTE.  The frame must be RAM
 * the granter owns: an I/O frame, one beyond memory or another owner's is bad_page (Xen 4.17
 * looks a PV granter's frame up as a page it owns; measured with dom0 granting frame 0xb8
 * and an M2P frame); its PTE ignores the grant's cache bits (Xen passes 0 for RAM).
 */
static int take_frame(struct vcpu *curr, struct domain *rd,
                      const struct gnttab_map_grant_ref *op, mfn_t mfn)
{
    struct pvmm_state *s = vcpu_state(curr);
    bool ro = op->flags & GNTMAP_readonly;
    unsigned int refs = 0, types = 0;
    struct page_info *pg = mfn_valid(s, mfn) ? mfn_to_page(s, mfn) : NULL;
    int rc = GNTST_okay;

    if (!pg || pg->owner == DOMID_IO)
        return REJECT_RC(curr, GNTST_bad_page, PVMM_RULE_NOT_OWNER, .frame = mfn);
    for (unsigned int kind = 0; kind < 2; kind++) {
        uint32_t want = kind ? GNTMAP_host_map : GNTMAP_device_map;

        if (!(op->flags & want))
            continue;
        if (!get_page(s, pg, rd)) {
            rc = REJECT_RC(curr, GNTST_bad_page, PVMM_RULE_NOT_OWNER, .frame = mfn);
            break;
        }
        refs++;
        if (!ro) {
            if (!get_page_type(curr, pg, PGT_writable_page)) {
                rc = REJECT_RC(curr, GNTST_general_error, PVMM_RULE_TYPE_CONFLICT,
                               .frame = mfn, .want_type = PGT_writable_page);
                break;
            }
            types++;
        }
        if (kind)
            rc = gnttab_create_host_mapping(curr, op->host_addr, mfn, op->flags);
    }
    if (rc != GNTST_okay) {
        while (types--)
            put_page_type(curr, pg);
        while (refs--)
            put_page(s, pg);
    }
    return rc;
}

int gnttab_map_one(struct vcpu *curr, struct gnttab_map_grant_ref *op)
{
    struct domain *ld = curr->domain, *rd;
    struct gnttab_pinned p;
    grant_handle_t handle;
    struct grant_mapping *mt;
    mfn_t mfn = INVALID_MFN;
    int rc;

    if (!(op->flags & GNTMAP_KINDS))
        return REJECT_RC(curr, GNTST_bad_gntref, PVMM_RULE_BAD_ARGUMENT, .entry = op->flags);
    /* Xen looks the granter up by id only: DOMID_SELF is no domain here. */
    rd = op->dom == DOMID_SELF ? NULL : pvmm_domain_lookup(vcpu_state(curr), op->dom);
    if (!rd)
        return REJECT_RC(curr, GNTST_bad_domain, PVMM_RULE_BAD_DOMID, .entry = op->dom);
    if (!get_maptrack_handle(ld, &handle))
        return REJECT_RC(curr, GNTST_no_space, PVMM_RULE_GRANT_NO_SPACE,
                         .entry = ld->grant_table.nr_maptrack_frames);
    rc = gnttab_pin(curr, rd, op->ref, curr->domain->domain_id,
                    gnttab_pin_increment(op->flags), GNTTAB_USE_MAP, &p);
    if (rc == GNTST_okay) {
        mfn = p.mfn;
        rc = take_frame(curr, rd, op, mfn);
        if (rc != GNTST_okay)
            gnttab_unpin(rd, op->ref, gnttab_pin_increment(op->flags));
    }
    if (rc != GNTST_okay) {
        put_maptrack_handle(ld, handle);
        return rc;
    }
    mt = maptrack_entry(ld, handle);
    mt->domid = op->dom;
    mt->ref = op->ref;
    __atomic_store_n(&mt->flags, (uint16_t)(op->flags & (GNTMAP_KINDS | GNTMAP_readonly |
                                                         GNTMAP_application_map |
                                                         GNTMAP_contains_pte)),
                     __ATOMIC_RELEASE);
    op->handle = handle;
    op->dev_bus_addr = (uint64_t)mfn << PAGE_SHIFT;
    return GNTST_okay;
}

/* ---- unmap ---- */

/* Drop the references and pins of the kinds `done` (GNTMAP bits) of mapping mt. */
static void unmap_complete(struct vcpu *curr, struct domain *rd, grant_ref_t ref,
                           uint32_t done)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct grant_table *rgt = &rd->grant_table;
    struct active_grant_entry *act;
    struct page_info *pg;
    mfn_t mfn;

    spin_lock(&rgt->lock);
    act = gnttab_active(rd, ref);
    mfn = act->mfn;
    pg = mfn_valid(s, mfn) ? mfn_to_page(s, mfn) : NULL;
    if (pg && pg->owner != DOMID_IO) {
        /* A host mapping's PTE was zapped without its put: its references go here. */
        for (unsigned int kind = 0; kind < 2; kind++) {
            if (!(done & (kind ? GNTMAP_host_map : GNTMAP_device_map)))
                continue;
            if (!(done & GNTMAP_readonly))
                put_page_type(curr, pg);
            put_page(s, pg);
        }
    }
    act->pin -= gnttab_pin_increment(done);
    gnttab_reduce_status(rd, ref, act);
    spin_unlock(&rgt->lock);
}

int gnttab_unmap_one(struct vcpu *curr, uint64_t host_addr, uint64_t dev_bus_addr,
                     grant_handle_t handle, uint64_t new_addr)
{
    struct domain *ld = curr->domain, *rd;
    struct grant_mapping *mt = maptrack_entry(ld, handle);
    uint32_t flags, done = 0;
    struct active_grant_entry *act;
    mfn_t mfn;
    int rc;

    flags = mt ? __atomic_load_n(&mt->flags, __ATOMIC_ACQUIRE) : 0;
    if (!(flags & GNTMAP_KINDS))
        return REJECT_RC(curr, GNTST_bad_handle, PVMM_RULE_GRANT_BAD_HANDLE, .entry = handle);
    rd = pvmm_domain_lookup(vcpu_state(curr), mt->domid);
    if (!rd)
        return REJECT_RC(curr, GNTST_bad_domain, PVMM_RULE_BAD_DOMID, .entry = mt->domid);
    spin_lock(&rd->grant_table.lock);
    act = gnttab_active(rd, mt->ref);
    mfn = act->mfn;
    spin_unlock(&rd->grant_table.lock);
    if (dev_bus_addr && (flags & GNTMAP_device_map) &&
        dev_bus_addr != ((uint64_t)mfn << PAGE_SHIFT))
        return REJECT_RC(curr, GNTST_bad_dev_addr, PVMM_RULE_BAD_ARGUMENT, .frame = mfn,
                         .entry = dev_bus_addr);
    if (host_addr && (flags & GNTMAP_host_map)) {
        rc = gnttab_replace_host_mapping(curr, host_addr, mfn, new_addr, flags);
        if (rc != GNTST_okay)
            return rc;
        done |= GNTMAP_host_map;
    }
    /* Nothing asked that the mapping has (unmap_and_replace of a device mapping, host_addr
     * 0): okay, nothing done (measured on Xen 4.17). */
    if (dev_bus_addr && (flags & GNTMAP_device_map))
        done |= GNTMAP_device_map;
    if (!done)
        return GNTST_okay;
    /* No reference may go while a stale TLB entry could still use it. */
    if (done & GNTMAP_host_map)
        flush_tlb_mask(ld, domain_vcpu_mask(ld), PVMM_FLUSH_ALL_VA);
    unmap_complete(curr, rd, mt->ref, done | (flags & GNTMAP_readonly));
    flags &= ~done;
    __atomic_store_n(&mt->flags, (uint16_t)((flags & GNTMAP_KINDS) ? flags : 0),
                     __ATOMIC_RELEASE);
    return GNTST_okay;
}

/* ---- a dying mapper ---- */

int gnttab_release_mappings(struct domain *d)
{
    struct grant_table *gt = &d->grant_table;
    struct vcpu *curr = &d->vcpu[0];

    for (grant_handle_t h = 0; h < gt->nr_maptrack_frames * MAPTRACK_PER_FRAME; h++) {
        struct grant_mapping *mt = maptrack_entry(d, h);
        uint32_t flags = mt->flags;
        struct domain *rd;

        if (!(flags & GNTMAP_KINDS))
            continue;
        rd = pvmm_domain_lookup(d->state, mt->domid);
        if (rd) {
            /*
             * The device part's references go here; a host part's PTE is still in the
             * page tables (whose teardown drops its references) or was zapped with them.
             */
            if (flags & GNTMAP_host_map)
                gnttab_unpin(rd, mt->ref, gnttab_pin_increment(flags & ~GNTMAP_device_map));
            if (flags & GNTMAP_device_map)
                unmap_complete(curr, rd, mt->ref,
                               GNTMAP_device_map | (flags & GNTMAP_readonly));
        }
        mt->flags = 0;
        if (hypercall_preempt_check(curr))
            return -XEN_ERESTART;
    }
    return 0;
}

void gnttab_forget_granter(struct domain *d)
{
    struct pvmm_state *s = d->state;

    for (unsigned int i = 0; i < PVMM_MAX_DOMAINS; i++) {
        struct domain *ld = &s->domains[i];

        if (!ld->exists || ld == d)
            continue;
        for (grant_handle_t h = 0;
             h < ld->grant_table.nr_maptrack_frames * MAPTRACK_PER_FRAME; h++) {
            struct grant_mapping *mt = maptrack_entry(ld, h);

            if ((mt->flags & GNTMAP_KINDS) && mt->domid == d->domain_id)
                __atomic_store_n(&mt->flags, 0, __ATOMIC_RELEASE);
        }
    }
}
