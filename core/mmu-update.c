/*
 * core/mmu-update.c - the mmu_update hypercall (Xen's do_mmu_update).
 *
 * mmu_update(reqs, count, pdone, foreigndom) applies a batch of requests, one
 * struct mmu_update each.  The command sits in the low three bits of ptr:
 *
 *   MMU_NORMAL_PT_UPDATE / MMU_PT_UPDATE_PRESERVE_AD / MMU_PT_UPDATE_NO_TRANSLATE
 *       write the entry at machine address ptr & ~7 of a page-table frame
 *       owned by the page-table owner (PFD), checking it with mod_lN_entry
 *       according to the frame's current type;
 *   MMU_MACHPHYS_UPDATE
 *       set M2P[ptr >> 12] = val for a frame owned by the foreign domain;
 *   4..7 -> -ENOSYS.
 *
 * foreigndom: low 16 bits FD (owner of the frames being mapped), high 16
 * bits PFD + 1 (owner of the page tables, 0 = the caller).  Processing stops
 * at the first failing request, whose error is returned; *pdone receives the
 * number of requests completed.  As measured on Xen 4.17 (model.md §10), pdone is
 * *overwritten* by a fresh call and accumulated across continuations.  The
 * loop, the deferred puts (old_guest_table) and the continuations are the
 * batch driver's (core/batch.c): overwriting a present L2..L4 entry always
 * goes through at least one continuation.
 */
#include "batch.h"

/* Everything one mmu_update invocation works with. */
struct mmu_batch {
    struct vcpu *curr;
    struct domain *d;          /* the caller's domain */
    struct domain *pt_owner;   /* PFD: owner of the tables being written */
    struct domain *pg_owner;   /* FD: owner of the frames being mapped */
    bool flush_linear_pt;      /* an L2..L4 entry changed: flush pt_owner (XSA-286) */
    /*
     * The L1 written by the previous request, still referenced, page-locked
     * and mapped (see mmu_pt_update), or held == NULL.
     */
    struct page_info *held;
    mfn_t held_mfn;
    intpte_t *held_table;
};

bool xsm_target_permitted(const struct domain *src, const struct domain *target)
{
    return src == target || src->is_privileged;
}

struct domain *get_pg_owner(struct vcpu *curr, domid_t domid)
{
    struct domain *d = curr->domain;
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *pg_owner;

    if (domid == DOMID_SELF)
        return d;
    if (domid == d->domain_id) {
        REJECT(curr, ESRCH, BAD_DOMID, .entry = domid);
        return NULL;
    }
    if (domid == DOMID_IO)
        return &s->dom_io;
    if (domid == DOMID_XEN)
        return &s->dom_xen;
    pg_owner = domid < DOMID_FIRST_RESERVED ? pvmm_domain_lookup(s, domid) : NULL;
    if (!pg_owner || !pg_owner->exists) {
        REJECT(curr, ESRCH, BAD_DOMID, .entry = domid);
        return NULL;
    }
    return pg_owner;
}

/* The general get_page_from_gfn_pv (fast-paths.h has the common case). */
struct page_info *get_page_from_gfn_pv_slow(struct vcpu *curr, struct domain *d, mfn_t gfn)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct page_info *pg;
    struct domain *owner;

    if (!mfn_valid(s, gfn)) {
        REJECT(curr, EINVAL, BAD_MFN, .frame = gfn, .entry = gfn);
        return NULL;
    }
    pg = mfn_to_page(s, gfn);
    if (get_page(s, pg, d))
        return pg;
    owner = page_get_owner(s, pg);
    if (!owner || !(read_atomic64(&pg->count_info) & PGC_count_mask))
        REJECT(curr, EINVAL, FREE_FRAME, .frame = gfn, .entry = gfn);
    else if (owner != d)
        REJECT(curr, EINVAL, NOT_OWNER, .frame = gfn, .entry = gfn);
    else
        REJECT(curr, EINVAL, COUNT_OVERFLOW, .frame = gfn, .entry = gfn);
    return NULL;
}

/*
 * Write an entry of a page currently typed writable: a plain atomic 8-byte
 * store, no checks (Xen's paging_write_guest_entry for PV).
 */
static void write_plain_entry(intpte_t *pte, intpte_t val)
{
    write_atomic64(pte, val);
}

/*
 * The entry write of a locked page, dispatched on its current type.  Returns
 * 0 or -errno; sets b->flush_linear_pt after a successful L2..L4 change.
 */
static int mmu_write_locked(struct mmu_batch *b, struct page_info *pg, mfn_t mfn,
                            intpte_t *pte, intpte_t val, unsigned int cmd)
{
    struct vcpu *curr = b->curr;
    bool preserve_ad = cmd == MMU_PT_UPDATE_PRESERVE_AD;
    unsigned long type = read_atomic64(&pg->type_info) & PGT_type_mask;
    int level = PGT_type_level(type);
    int rc;

    if (type == PGT_l1_page_table)
        return mod_l1_entry(curr, pte, val, mfn,
                            preserve_ad ? MMU_PT_UPDATE_PRESERVE_AD : MMU_NORMAL_PT_UPDATE,
                            b->pg_owner);
    if (type == PGT_writable_page) {
        write_plain_entry(pte, val);
        return 0;
    }
    if (level < 2)
        return REJECT(curr, EINVAL, NOT_PAGETABLE, .frame = mfn, .table = mfn,
                      .index = (int)(((uintptr_t)pte & (PAGE_SIZE - 1)) >> 3), .entry = val);
    /* L2..L4 entries may only reference the page-table owner's own frames. */
    if (b->pg_owner != b->pt_owner)
        return REJECT(curr, EINVAL, FOREIGN_DENIED, .frame = pte_mfn(val), .table = mfn,
                      .level = level, .index = (int)(((uintptr_t)pte & (PAGE_SIZE - 1)) >> 3),
                      .entry = val);
    if (level == 2)
        rc = mod_l2_entry(curr, pte, val, mfn, preserve_ad);
    else if (level == 3)
        rc = mod_l3_entry(curr, pte, val, mfn, preserve_ad);
    else
        rc = mod_l4_entry(curr, pte, val, mfn, preserve_ad);
    if (rc == 0)
        b->flush_linear_pt = true;
    return rc;
}

/* Let go of the L1 kept from the previous request, if any: unlock, unmap, unreference. */
static void mmu_release_held(struct mmu_batch *b)
{
    struct pvmm_state *s = vcpu_state(b->curr);

    if (!b->held)
        return;
    page_unlock(b->curr, b->held);
    unmap_domain_page(s, b->held_table);
    put_page(s, b->held);
    b->held = NULL;
}

/*
 * MMU_NORMAL_PT_UPDATE, MMU_PT_UPDATE_PRESERVE_AD, MMU_PT_UPDATE_NO_TRANSLATE.
 *
 * Each request takes a general reference on the table frame (which must be
 * PFD's), page-locks it and dispatches on its current type, as Xen does.  A
 * batch usually writes many entries of one L1, so when the table is an L1
 * its reference, lock and mapping are kept for the next request
 * (b->held) and dropped when a request names another frame or the batch
 * ends.  This is equivalent to taking them again: while the reference and
 * the lock's type reference are held the frame's owner cannot change and
 * its type stays a validated L1, which is all those steps establish; each
 * request is still validated in full by mod_l1_entry under the lock.  Other
 * vCPUs updating the same L1 wait until the batch ends or is preempted,
 * which is one of the orders Xen allows.  Writing an L1 entry never waits
 * for anything that could wait for this lock (it takes only general and
 * writable-type references, and drops a type reference of a page table
 * only through an L2..L4 entry), and only one lock is ever held: any other
 * request first releases the kept one.
 */
static int mmu_pt_update(struct mmu_batch *b, const struct mmu_update *req, unsigned int cmd)
{
    struct vcpu *curr = b->curr;
    struct pvmm_state *s = vcpu_state(curr);
    uint64_t ptr = req->ptr - cmd;
    mfn_t mfn = ptr >> PAGE_SHIFT;
    unsigned int index = (unsigned int)((ptr & (PAGE_SIZE - 1)) >> 3);
    struct page_info *pg;
    intpte_t *table;
    int rc;

    /* Xen's xsm_mmu_update(XSM_TARGET): FD (unless dom_io) and PFD. */
    if ((b->pg_owner != &s->dom_io && !xsm_target_permitted(b->d, b->pg_owner)) ||
        !xsm_target_permitted(b->d, b->pt_owner))
        return REJECT(curr, EPERM, FOREIGN_DENIED, .frame = pte_mfn(req->val), .table = mfn,
                      .entry = req->val);

    if (__builtin_expect(b->held && b->held_mfn == mfn, 1))
        return mod_l1_entry(curr, &b->held_table[index], req->val, mfn,
                            cmd == MMU_PT_UPDATE_PRESERVE_AD ? MMU_PT_UPDATE_PRESERVE_AD
                                                             : MMU_NORMAL_PT_UPDATE,
                            b->pg_owner);
    mmu_release_held(b);

    pg = get_page_from_gfn_pv(curr, b->pt_owner, mfn);
    if (!pg)
        return -XEN_EINVAL;

    table = map_domain_page(s, mfn);

    if (page_lock(curr, pg)) {
        rc = mmu_write_locked(b, pg, mfn, &table[index], req->val, cmd);
        if ((read_atomic64(&pg->type_info) & PGT_type_mask) == PGT_l1_page_table) {
            /* Kept for the next request (see above); the L1 type cannot change now. */
            b->held = pg;
            b->held_mfn = mfn;
            b->held_table = table;
            return rc;
        }
        page_unlock(curr, pg);
        if (rc == -XEN_EINTR)
            rc = -XEN_ERESTART;
    } else if (get_page_type(curr, pg, PGT_writable_page)) {
        /* Not a validated typed page: write it as ordinary memory if it may be. */
        write_plain_entry(&table[index], req->val);
        put_page_type(curr, pg);
        rc = 0;
    } else {
        rc = REJECT(curr, EINVAL, TYPE_CONFLICT, .frame = mfn, .table = mfn, .index = (int)index,
                    .entry = req->val, .want_type = PGT_writable_page);
    }

    unmap_domain_page(s, table);
    put_page(s, pg);
    return rc;
}

/*
 * MMU_MACHPHYS_UPDATE: M2P[ptr >> 12] = val for a frame FD owns.  With FD =
 * DOMID_XEN only the frames the hypervisor shares with privileged guests (the
 * M2P itself: PGC_xen_heap) count as owned: Xen's private frames have no owner
 * at all there, so its get_page fails (-EINVAL); pvmm's reserved frames carry
 * dom_xen as owner and must be refused the same way.
 */
static int mmu_machphys_update(struct mmu_batch *b, const struct mmu_update *req)
{
    struct vcpu *curr = b->curr;
    struct pvmm_state *s = vcpu_state(curr);
    mfn_t mfn = req->ptr >> PAGE_SHIFT;
    struct page_info *pg;

    if (b->d != b->pt_owner)
        return REJECT(curr, EPERM, NOT_SELF, .frame = mfn, .entry = req->val);
    if (b->pg_owner != &s->dom_io && !xsm_target_permitted(b->d, b->pg_owner))
        return REJECT(curr, EPERM, FOREIGN_DENIED, .frame = mfn, .entry = req->val);
    pg = get_page_from_gfn_pv(curr, b->pg_owner, mfn);
    if (!pg)
        return -XEN_EINVAL;
    if (b->pg_owner == &s->dom_xen && !(read_atomic64(&pg->count_info) & PGC_xen_heap)) {
        put_page(s, pg);
        return REJECT(curr, EINVAL, MACHPHYS, .frame = mfn, .entry = req->val);
    }
    /* The value is guest-controlled and never trusted by the core (XSA-251). */
    write_atomic64(&s->m2p[mfn], req->val);
    put_page(s, pg);
    return 0;
}

/* One request (a batch element): decode the command and run it. */
static int mmu_one_request(struct batch *bt, void *elem, uint64_t at)
{
    struct mmu_batch *b = bt->ctx;
    const struct mmu_update *req = elem;
    unsigned int cmd = (unsigned int)(req->ptr & (sizeof(intpte_t) - 1));
    int rc;

    (void)at;
    switch (cmd) {
    case MMU_NORMAL_PT_UPDATE:
    case MMU_PT_UPDATE_PRESERVE_AD:
    case MMU_PT_UPDATE_NO_TRANSLATE:   /* same as NORMAL for a PV foreign domain */
        rc = mmu_pt_update(b, req, cmd);
        break;
    case MMU_MACHPHYS_UPDATE:
        rc = mmu_machphys_update(b, req);
        break;
    default:
        rc = REJECT(b->curr, ENOSYS, BAD_COMMAND, .entry = req->ptr);
        break;
    }
    if (rc)
        reason_set_sub_op(b->curr, (int)cmd);
    return rc;
}

/*
 * Resolve PFD (high 16 bits of foreigndom, plus one).  Returns 0 with
 * b->pt_owner set, -XEN_ESRCH (no such domain) or -XEN_EINVAL (no vCPU 0).
 */
static int resolve_pt_owner(struct mmu_batch *b, unsigned int foreigndom)
{
    unsigned int pt_dom = foreigndom >> 16;
    struct pvmm_state *s = vcpu_state(b->curr);
    struct domain *pt_owner;

    b->pt_owner = b->d;
    if (pt_dom == 0)
        return 0;
    pt_dom--;
    pt_owner = pt_dom < DOMID_FIRST_RESERVED ? pvmm_domain_lookup(s, (domid_t)pt_dom) : NULL;
    if (!pt_owner || !pt_owner->exists)
        return REJECT(b->curr, ESRCH, BAD_DOMID, .entry = pt_dom);
    if (pt_owner != b->d && pt_owner->max_vcpus == 0)
        return REJECT(b->curr, EINVAL, BAD_DOMID, .entry = pt_dom);
    b->pt_owner = pt_owner;
    return 0;
}

long do_mmu_update(struct vcpu *v, uint64_t ureqs, unsigned int count,
                   uint64_t pdone, unsigned int foreigndom)
{
    struct mmu_batch b = { .curr = v, .d = v->domain };
    struct mm_batch m;
    long rc;

    if (!mm_batch_begin(&m, v, __HYPERVISOR_mmu_update, ureqs, count, pdone, foreigndom, &rc))
        return rc;

    rc = resolve_pt_owner(&b, foreigndom);
    if (rc == -XEN_ESRCH)
        return rc;
    if (rc == 0) {
        b.pg_owner = get_pg_owner(v, (domid_t)foreigndom);
        if (!b.pg_owner)
            rc = -XEN_ESRCH;
    }
    if (rc == 0)
        rc = mm_batch_run(&m, sizeof(struct mmu_update), mmu_one_request, &b);
    mmu_release_held(&b);
    rc = mm_batch_end(&m, rc);

    if (b.flush_linear_pt)
        flush_tlb_mask(b.pt_owner, domain_vcpu_mask(b.pt_owner), PVMM_FLUSH_ALL_VA);
    return rc;
}
