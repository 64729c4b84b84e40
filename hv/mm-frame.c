/*
 * hv/mm-frame.c - frames a guest hands to the hypervisor for its own use (a vcpu_info page,
 * a FIFO event control block): the core's general and writable type references on them.
 *
 * This file includes the core's internal header (core/mm.h) and not hv.h, whose helpers
 * share names with the core's.
 */
#include <pvmm/pvmm.h>
#include "mm.h"

int mmglue_get_writable_frame(struct vcpu *v, uint64_t mfn);
int mmglue_check_writable_frame(struct vcpu *v, uint64_t mfn);
void mmglue_put_writable_frame(struct vcpu *v, uint64_t mfn);

/*
 * Take a general and a writable type reference on frame mfn for v's domain (what Xen's
 * map_vcpu_info and its FIFO control-block mapping take): 0, or -XEN_EINVAL if the frame is
 * not the domain's or cannot become writable (a page table, a descriptor page).  The
 * references are kept, recorded in the core (v->held_frames) for the auditor and teardown.
 */
int mmglue_get_writable_frame(struct vcpu *v, uint64_t mfn)
{
    return pvmm_hold_writable_frame(v, mfn) ? -XEN_EINVAL : 0;
}

/* Drop the references mmglue_get_writable_frame took. */
void mmglue_put_writable_frame(struct vcpu *v, uint64_t mfn)
{
    put_page_and_type(v, pvmm_frame(v->domain->state, mfn));
}

/* The same check, dropping the references again: 0 or -XEN_EINVAL. */
int mmglue_check_writable_frame(struct vcpu *v, uint64_t mfn)
{
    struct page_info *pg = pvmm_frame(v->domain->state, mfn);
    if (!pg || !get_page_and_type(v, pg, v->domain, PGT_writable_page))
        return -XEN_EINVAL;
    put_page_and_type(v, pg);
    return 0;
}
