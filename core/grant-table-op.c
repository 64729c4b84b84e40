/*
 * core/grant-table-op.c - the operations on a grant table as a whole:
 * setup_table, query_size, get_version, set_version (Xen's rules for a
 * version switch) and get_status_frames, as Xen 4.17 does them for a PV
 * domain.  Each takes exactly one element where Xen insists (-EINVAL
 * otherwise); refusals of the element itself are its GNTST status.
 */
#include "grant-table.h"

/* Copy nr frame numbers to the guest's list; GNTST_okay or bad_virt_addr (reason). */
static int16_t put_frame_list(struct vcpu *curr, uint64_t list, const mfn_t *mfns,
                              uint32_t nr)
{
    int16_t status = GNTST_okay;

    for (uint32_t i = 0; i < nr; i++) {
        uint64_t m = mfns[i];

        if (copy_to_guest(curr, list + i * sizeof(m), &m, sizeof(m)))
            status = (int16_t)REJECT_RC(curr, GNTST_bad_virt_addr, PVMM_RULE_GUEST_FAULT,
                                        .entry = list);
    }
    return status;
}

/*
 * The domain a table operation names (Xen's rcu_lock_domain_by_any_id plus the XSM_TARGET
 * check): DOMID_SELF or an existing domain; NULL with *status bad_domain or
 * permission_denied (a reason recorded).
 */
static struct domain *table_domain(struct vcpu *curr, domid_t dom, int16_t *status)
{
    struct domain *d = dom == DOMID_SELF ? curr->domain
                                         : pvmm_domain_lookup(vcpu_state(curr), dom);

    if (!d) {
        *status = (int16_t)REJECT_RC(curr, GNTST_bad_domain, PVMM_RULE_BAD_DOMID, .entry = dom);
        return NULL;
    }
    if (!xsm_target_permitted(curr->domain, d)) {
        *status = (int16_t)REJECT_RC(curr, GNTST_permission_denied, PVMM_RULE_FOREIGN_DENIED,
                                     .entry = dom);
        return NULL;
    }
    return d;
}

/*
 * The frame list of setup_table (shared frames, grown to nr first) or get_status_frames
 * (status frames, at most as many as there are: XSA-382) of domain dom: the status.
 */
static int16_t frame_list_op(struct vcpu *curr, domid_t dom, uint32_t nr, uint64_t list,
                             bool status_frames)
{
    int16_t status;
    struct domain *d = table_domain(curr, dom, &status);
    struct grant_table *gt;

    if (!d)
        return status;
    gt = &d->grant_table;
    spin_lock(&gt->lock);
    if (nr > (status_frames ? gt->nr_status_frames : gt->max_grant_frames))
        status = (int16_t)REJECT_RC(curr, GNTST_general_error, PVMM_RULE_GRANT_LIMIT,
                                    .entry = nr);
    else if (!status_frames && !gnttab_grow(d, nr, gt->gt_version))
        status = (int16_t)REJECT_RC(curr, GNTST_general_error, PVMM_RULE_NO_MEMORY,
                                    .entry = nr);
    else
        status = put_frame_list(curr, list, status_frames ? gt->status : gt->shared, nr);
    spin_unlock(&gt->lock);
    return status;
}

long gnttab_setup_table(struct vcpu *curr, uint64_t uop, unsigned int count)
{
    struct gnttab_setup_table op;

    if (count != 1)
        return REJECT(curr, EINVAL, BAD_ARGUMENT, .entry = count);
    if (copy_from_guest(curr, &op, uop, sizeof(op)))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = uop);
    /* Xen's guest_handle_okay on the frame list comes before the limit and the domain: a
     * list outside the guest's half is -EFAULT with nothing written, even for 0 frames. */
    if (!addr_ok(op.frame_list))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = op.frame_list);
    op.status = frame_list_op(curr, op.dom, op.nr_frames, op.frame_list, false);
    if (copy_to_guest(curr, uop + offsetof(struct gnttab_setup_table, status), &op.status,
                      sizeof(op.status)))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = uop);
    return 0;
}

long gnttab_query_size(struct vcpu *curr, uint64_t uop, unsigned int count)
{
    struct gnttab_query_size op;
    struct domain *d;

    if (count != 1)
        return REJECT(curr, EINVAL, BAD_ARGUMENT, .entry = count);
    if (copy_from_guest(curr, &op, uop, sizeof(op)))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = uop);
    d = table_domain(curr, op.dom, &op.status);
    if (d) {
        op.nr_frames = d->grant_table.nr_grant_frames;
        op.max_nr_frames = d->grant_table.max_grant_frames;
        op.status = GNTST_okay;
    }
    if (copy_to_guest(curr, uop, &op, sizeof(op)))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = uop);
    return 0;
}

long gnttab_get_version(struct vcpu *curr, uint64_t uop)
{
    struct gnttab_get_version op;
    struct domain *d;

    if (copy_from_guest(curr, &op, uop, sizeof(op)))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = uop);
    d = op.dom == DOMID_SELF ? curr->domain : pvmm_domain_lookup(vcpu_state(curr), op.dom);
    if (!d)
        return REJECT(curr, ESRCH, BAD_DOMID, .entry = op.dom);
    if (!xsm_target_permitted(curr->domain, d))
        return REJECT(curr, EPERM, FOREIGN_DENIED, .entry = op.dom);
    op.version = d->grant_table.gt_version;
    if (copy_to_guest(curr, uop, &op, sizeof(op)))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = uop);
    return 0;
}

/* The reserved entries 0..7 in v1 form (flags with the v2 status bits folded in). */
static void read_reserved(struct domain *d, struct grant_entry_v1 *keep)
{
    for (grant_ref_t i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        uint64_t frame;
        struct grant_entry_header *h = gnttab_shared_header(d, i, &frame);
        uint16_t *st = gnttab_status_word(d, i);

        memset(&keep[i], 0, sizeof(keep[i]));
        if (!h || (d->grant_table.gt_version == 2 &&
                   (h->flags & GTF_type_mask) != GTF_permit_access))
            continue;
        keep[i].flags = (uint16_t)(h->flags | (st ? *st : 0));
        keep[i].domid = h->domid;
        keep[i].frame = (uint32_t)frame;
    }
}

/* Write the reserved entries back in the layout of the (new) version. */
static void write_reserved(struct domain *d, const struct grant_entry_v1 *keep)
{
    for (grant_ref_t i = 0; i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        uint64_t frame;
        struct grant_entry_header *h = gnttab_shared_header(d, i, &frame);

        if (!h)
            continue;
        if (d->grant_table.gt_version == 1) {
            *(struct grant_entry_v1 *)h = keep[i];
        } else {
            union grant_entry_v2 *e = (union grant_entry_v2 *)h;

            *gnttab_status_word(d, i) = keep[i].flags & (GTF_reading | GTF_writing);
            e->hdr.flags = keep[i].flags & (uint16_t)~(GTF_reading | GTF_writing);
            e->hdr.domid = keep[i].domid;
            e->full_page.frame = keep[i].frame;
        }
    }
}

/*
 * Xen's version switch, under gt->lock: refused while an entry beyond the reserved ones is
 * pinned (-EBUSY), v2 -> v1 while a reserved entry cannot be written as v1 (-ERANGE) or a
 * status frame is still mapped (-EBUSY, XSA-255).  The reserved entries survive, every
 * other entry is cleared.
 */
static long switch_version(struct vcpu *curr, struct domain *d, unsigned int version)
{
    struct grant_table *gt = &d->grant_table;
    struct grant_entry_v1 keep[GNTTAB_NR_RESERVED_ENTRIES];
    struct pvmm_state *s = d->state;

    for (grant_ref_t i = GNTTAB_NR_RESERVED_ENTRIES; i < nr_grant_entries(gt); i++) {
        struct active_grant_entry *act = gnttab_active(d, i);

        if (act && act->pin)
            return REJECT(curr, EBUSY, GRANT_IN_USE, .index = (int)i, .entry = act->pin);
    }
    for (grant_ref_t i = 0; gt->gt_version == 2 && i < GNTTAB_NR_RESERVED_ENTRIES; i++) {
        uint64_t frame;
        struct grant_entry_header *h = gnttab_shared_header(d, i, &frame);
        unsigned int type = h ? h->flags & GTF_type_mask : GTF_invalid;

        if (type == GTF_transitive || (type == GTF_permit_access && (frame >> 32)))
            return REJECT(curr, ERANGE, BAD_ARGUMENT, .index = (int)i, .entry = frame);
    }
    if (version == 2 && !gnttab_grow(d, gt->nr_grant_frames, 2))
        return REJECT(curr, ENOMEM, NO_MEMORY, .entry = gt->nr_grant_frames);
    if (version == 1 && !gnttab_grow(d, gt->nr_grant_frames, 1))
        return REJECT(curr, ENOMEM, NO_MEMORY, .entry = gt->nr_grant_frames);
    read_reserved(d, keep);
    if (version == 1) {
        for (unsigned int i = 0; i < gt->nr_status_frames; i++) {
            struct page_info *pg = mfn_to_page(s, gt->status[i]);

            if (read_atomic64(&pg->count_info) != (PGC_xen_heap | PGC_allocated | 1) ||
                read_atomic64(&pg->type_info) != (PGT_writable_page | PGT_validated | 1))
                return REJECT(curr, EBUSY, GRANT_STATUS_MAPPED, .frame = gt->status[i],
                              .index = (int)i);
        }
        for (unsigned int i = 0; i < gt->nr_status_frames; i++) {
            if (!gt_unshare_frame(s, gt->status[i]))
                CORE_BUG(s, "status frame %lx in use after the check",
                         (unsigned long)gt->status[i]);
            gt->status[i] = INVALID_MFN;
        }
        gt->nr_status_frames = 0;
    }
    for (unsigned int i = 0; i < gt->nr_grant_frames; i++) {
        void *va = map_domain_page(s, gt->shared[i]);

        clear_frame(va);
        unmap_domain_page(s, va);
    }
    gt->gt_version = version;
    write_reserved(d, keep);
    return 0;
}

long gnttab_set_version(struct vcpu *curr, uint64_t uop)
{
    struct gnttab_set_version op;
    struct grant_table *gt = &curr->domain->grant_table;
    long rc = 0;

    if (copy_from_guest(curr, &op, uop, sizeof(op)))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = uop);
    if (op.version != 1 && op.version != 2) {
        rc = REJECT(curr, EINVAL, BAD_ARGUMENT, .entry = op.version);
    } else if (op.version > gt->max_version) {
        /* Created with a lower limit (XEN_DOMCTL_GRANT_version): as if v2 did not exist. */
        rc = REJECT(curr, ENOSYS, UNSUPPORTED, .entry = op.version);
    } else if (op.version != gt->gt_version) {
        spin_lock(&gt->lock);
        rc = switch_version(curr, curr->domain, op.version);
        spin_unlock(&gt->lock);
    }
    op.version = gt->gt_version;
    if (copy_to_guest(curr, uop, &op, sizeof(op)))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = uop);
    return rc;
}

long gnttab_get_status_frames(struct vcpu *curr, uint64_t uop, unsigned int count)
{
    struct gnttab_get_status_frames op;

    if (count != 1)
        return REJECT(curr, EINVAL, BAD_ARGUMENT, .entry = count);
    if (copy_from_guest(curr, &op, uop, sizeof(op)))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = uop);
    op.status = frame_list_op(curr, op.dom, op.nr_frames, op.frame_list, true);
    if (copy_to_guest(curr, uop, &op, sizeof(op)))
        return REJECT(curr, EFAULT, GUEST_FAULT, .entry = uop);
    return 0;
}

