/*
 * core/pin.c - pins, page-table bases (CR3) and deferred type puts.
 *
 * Three kinds of holder keep a page table in use independently of the
 * entries that point at it (model.md §2.3b, §2.4, §4.4):
 *
 *  - a pin (PGT_pinned) owns one general and one type reference of the
 *    pinned level.  Pins do not nest: pinning a pinned frame is -EINVAL,
 *    unpinning an unpinned one too;
 *  - a vCPU's kernel base (guest_table, MMUEXT_NEW_BASEPTR) and user base
 *    (guest_table_user, MMUEXT_NEW_USER_BASEPTR) each own one general and
 *    one L4 type reference.  So, as on Xen 4.17 (model.md §10), the L4
 *    loaded in CR3 may be unpinned and stays validated until CR3 moves,
 *    and an unpinned L4 is validated on the fly when it is loaded;
 *  - old_guest_table owns one general reference and a type reference (or a
 *    PGT_partial state) still to be dropped: a put that was preempted, or
 *    deferred so that a large tree is devalidated preemptibly.
 *    put_old_guest_table() finishes it; hypercalls call it before anything
 *    else, and a pending one turns into a continuation.
 *
 * Dropping a reference may devalidate a whole tree, so every put here is
 * preemptible when the caller is: an interrupted put is parked in
 * old_guest_table and the operation itself still counts as done.
 */
#include "mm.h"

int put_old_guest_table(struct vcpu *v)
{
    struct page_info *pg = v->old_guest_table;
    unsigned int flags = PTF_preemptible;
    int rc;

    if (!pg)
        return 0;
    if (v->old_guest_table_partial)
        flags |= PTF_partial_set;
    rc = _put_page_type(v, pg, flags, v->old_guest_ptpg);
    if (rc == -XEN_ERESTART || rc == -XEN_EINTR) {
        /*
         * -ERESTART: we now hold a partial state.  -EINTR: nothing was
         * done, so we hold exactly what we held before - a full reference,
         * or (PTF_partial_set) still only the partial state, which another
         * vCPU may have taken over meanwhile: that is what made our
         * compare-and-swap fail.  Turning it into a full reference here
         * would make the next put drop a type reference we do not own.
         */
        if (rc == -XEN_ERESTART)
            v->old_guest_table_partial = true;
        return -XEN_ERESTART;
    }

    v->old_guest_table = NULL;
    v->old_guest_ptpg = NULL;
    /* The safe default: a stray put with PTF_partial_set drops nothing. */
    v->old_guest_table_partial = true;
    put_page(vcpu_state(v), pg);
    return 0;
}

/* Finish a pending deferred put without returning to the guest (builder paths). */
static void drain_old_guest_table(struct vcpu *v)
{
    while (v->old_guest_table && put_old_guest_table(v) == -XEN_ERESTART)
        ;
}

/* Park pg's references (general + type or partial state) in old_guest_table. */
static void defer_put(struct vcpu *curr, struct page_info *pg, int rc)
{
    curr->old_guest_ptpg = NULL;
    curr->old_guest_table = pg;
    curr->old_guest_table_partial = (rc == -XEN_ERESTART);
}

/*
 * Drop a holder's general + type reference on pg.  Preemptibly, an
 * interrupted put is parked in old_guest_table and -XEN_ERESTART returned;
 * otherwise 0.
 */
static int put_holder_refs(struct vcpu *curr, struct page_info *pg, bool preemptible)
{
    int rc;

    if (!preemptible) {
        put_page_and_type(curr, pg);
        return 0;
    }
    rc = put_page_and_type_preemptible(curr, pg);
    if (rc == -XEN_EINTR || rc == -XEN_ERESTART) {
        defer_put(curr, pg, rc);
        return -XEN_ERESTART;
    }
    return 0;
}

/*
 * A pending deferred put must be finished before new work (Xen asserts
 * old_guest_table == NULL for preemptible type gets).
 */
static int settle_old_guest_table(struct vcpu *curr, bool preemptible)
{
    if (!preemptible) {
        drain_old_guest_table(curr);
        return 0;
    }
    return put_old_guest_table(curr);
}

/*
 * Take the general reference and a `type` reference on frame mfn of d, as
 * a new holder (pin or base).  Returns 0, -XEN_ERESTART (continue later:
 * a validation was preempted; nothing is held except a recorded partial
 * state) or -errno with a reason.  When a failed validation left mfn in
 * old_guest_table, the general reference stays with it.
 */
static int get_holder_refs(struct vcpu *curr, struct domain *d, mfn_t mfn,
                           unsigned long type, bool preemptible, struct page_info **ppg)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct page_info *pg = get_page_from_gfn_pv(curr, d, mfn);
    int rc;

    if (!pg)
        return -XEN_EINVAL;
    rc = _get_page_type(curr, pg, type, preemptible);
    if (rc) {
        if (pg != curr->old_guest_table)
            put_page(s, pg);
        if (rc == -XEN_EINTR || rc == -XEN_ERESTART)
            return -XEN_ERESTART;
        /* Fills in only if nothing more specific was recorded (e.g. L2 used as L1). */
        return REJECT_RC(curr, rc, PVMM_RULE_TYPE_CONFLICT, .frame = mfn, .entry = mfn,
                         .want_type = type);
    }
    *ppg = pg;
    return 0;
}

int pin_table(struct vcpu *curr, struct domain *pg_owner, mfn_t mfn, unsigned long type,
              bool preemptible)
{
    struct page_info *pg = NULL;
    uint64_t old;
    int rc;

    if (!PGT_is_pagetable(type))
        return REJECT(curr, EINVAL, BAD_ARGUMENT, .frame = mfn, .entry = mfn, .want_type = type);
    rc = settle_old_guest_table(curr, preemptible);
    if (rc)
        return rc;

    rc = get_holder_refs(curr, pg_owner, mfn, type, preemptible, &pg);
    if (rc)
        return rc;

    old = __atomic_fetch_or(&pg->type_info, PGT_pinned, __ATOMIC_ACQ_REL);
    if (old & PGT_pinned) {
        /* Pins do not nest: give back what we just took. */
        rc = REJECT(curr, EINVAL, ALREADY_PINNED, .frame = mfn, .entry = mfn, .want_type = type);
        if (type == PGT_l1_page_table || !preemptible)
            put_page_and_type(curr, pg);
        else
            defer_put(curr, pg, 0);
        return rc;
    }

    /*
     * Pinning on behalf of another domain can race its destruction, which
     * unpins everything: undo the pin if the owner started dying.
     */
    if (pg_owner != curr->domain && __atomic_load_n(&pg_owner->is_dying, __ATOMIC_ACQUIRE)) {
        old = __atomic_fetch_and(&pg->type_info, ~PGT_pinned, __ATOMIC_ACQ_REL);
        if (old & PGT_pinned) {
            if (type == PGT_l1_page_table || !preemptible)
                put_page_and_type(curr, pg);
            else
                defer_put(curr, pg, 0);
        }
    }
    return 0;
}

int unpin_table(struct vcpu *curr, struct domain *pg_owner, mfn_t mfn, bool preemptible)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct page_info *pg;
    uint64_t old;
    int rc;

    rc = settle_old_guest_table(curr, preemptible);
    if (rc)
        return rc;

    /* A temporary reference keeps the frame alive across the put. */
    pg = get_page_from_gfn_pv(curr, pg_owner, mfn);
    if (!pg)
        return -XEN_EINVAL;

    old = __atomic_fetch_and(&pg->type_info, ~PGT_pinned, __ATOMIC_ACQ_REL);
    if (!(old & PGT_pinned)) {
        put_page(s, pg);
        return REJECT(curr, EINVAL, NOT_PINNED, .frame = mfn, .entry = mfn);
    }

    /* The unpin is done even if the put is interrupted: that part is deferred. */
    put_holder_refs(curr, pg, preemptible);
    put_page(s, pg);
    return 0;
}

static bool m2p_strict(const struct domain *d)
{
    return (d->vm_assist >> VMASST_TYPE_m2p_strict) & 1;
}

static void write_ptbase(struct vcpu *v)
{
    const struct pvmm_platform *p = vcpu_state(v)->plat;

    if (p->write_ptbase)
        p->write_ptbase(p->ctx, v);
}

int new_guest_cr3(struct vcpu *curr, mfn_t mfn, bool preemptible)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *d = curr->domain;
    struct page_info *pg = NULL;
    mfn_t old;
    int rc;

    rc = settle_old_guest_table(curr, preemptible);
    if (rc)
        return rc;

    /* Also how a continuation after a preempted put of the old base ends. */
    old = curr->guest_table;
    if (old == mfn) {
        write_ptbase(curr);
        return 0;
    }

    rc = get_holder_refs(curr, d, mfn, PGT_l4_page_table, preemptible, &pg);
    if (rc)
        return rc;

    pv_destroy_ldt(curr);
    if (!m2p_strict(d))
        fill_ro_mpt(s, mfn);
    /* Other vCPUs read bases (the blocker search): publish atomically. */
    __atomic_store_n(&curr->guest_table, mfn, __ATOMIC_RELEASE);
    write_ptbase(curr);

    if (old != INVALID_MFN)
        rc = put_holder_refs(curr, mfn_to_page(s, old), preemptible);
    return rc;
}

int new_guest_user_cr3(struct vcpu *curr, mfn_t mfn, bool preemptible)
{
    struct pvmm_state *s = vcpu_state(curr);
    struct domain *d = curr->domain;
    struct page_info *pg = NULL;
    mfn_t new = mfn ? mfn : INVALID_MFN;   /* mfn 0 means "no user tables" */
    mfn_t old;
    int rc;

    rc = settle_old_guest_table(curr, preemptible);
    if (rc)
        return rc;

    old = curr->guest_table_user;
    if (old == new)
        return 0;

    if (new != INVALID_MFN) {
        rc = get_holder_refs(curr, d, new, PGT_l4_page_table, preemptible, &pg);
        if (rc)
            return rc;
        if (m2p_strict(d))
            zap_ro_mpt(s, new);
    }
    __atomic_store_n(&curr->guest_table_user, new, __ATOMIC_RELEASE);
    if (!curr->kernel_mode)
        write_ptbase(curr);             /* in kernel mode the user L4 is not loaded (as Xen) */

    if (old != INVALID_MFN)
        rc = put_holder_refs(curr, mfn_to_page(s, old), preemptible);
    return rc;
}

int pvmm_pin_table(struct vcpu *v, mfn_t mfn, int level)
{
    int rc;

    reason_clear(v, -1);
    if (level < 1 || level > 4)
        return REJECT(v, EINVAL, BAD_ARGUMENT, .frame = mfn, .entry = (uint64_t)level);
    rc = pin_table(v, v->domain, mfn, PGT_level_type(level), false);
    drain_old_guest_table(v);
    return rc;
}

int pvmm_new_baseptr(struct vcpu *v, mfn_t mfn)
{
    int rc;

    reason_clear(v, -1);
    rc = new_guest_cr3(v, mfn, false);
    drain_old_guest_table(v);
    return rc;
}

/*
 * The memory part of Xen's arch_set_info_guest for a vCPU not yet initialised (no GDT, no
 * bases): the GDT frames first, then the kernel base, then the user base if user_cr3 is
 * not 0, each with Xen's checks; a failure undoes the earlier steps, so v is left without
 * any table and nothing is held.  Non-preemptible.
 */
int pvmm_vcpu_set_tables(struct vcpu *v, const uint64_t *gdt_frames, unsigned int gdt_ents,
                         mfn_t cr3, mfn_t user_cr3)
{
    struct pvmm_state *s = vcpu_state(v);
    struct domain *d = v->domain;
    int rc;

    reason_clear(v, -1);
    if (v->guest_table != INVALID_MFN || v->guest_table_user != INVALID_MFN || v->gdt_ents)
        return REJECT(v, EEXIST, BAD_ARGUMENT, .entry = v->vcpu_id);
    if (gdt_ents > FIRST_RESERVED_GDT_ENTRY)
        return REJECT(v, EINVAL, BAD_ARGUMENT, .entry = gdt_ents);
    spin_lock(&d->lock);
    rc = pv_set_gdt(v, gdt_frames, gdt_ents);
    spin_unlock(&d->lock);
    if (rc)
        return rc;
    rc = new_guest_cr3(v, cr3, false);
    if (rc == 0 && user_cr3) {
        rc = new_guest_user_cr3(v, user_cr3, false);
        if (rc) {
            mfn_t k = v->guest_table;
            __atomic_store_n(&v->guest_table, INVALID_MFN, __ATOMIC_RELEASE);
            put_holder_refs(v, mfn_to_page(s, k), false);
        }
    }
    drain_old_guest_table(v);
    if (rc) {
        spin_lock(&d->lock);
        pv_destroy_gdt(v);
        spin_unlock(&d->lock);
    }
    return rc;
}
