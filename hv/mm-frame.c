/*
 * hv/mm-frame.c - frames a guest hands to the hypervisor for its own use (a vcpu_info page,
 * a FIFO event control block): the core's general and writable type references on them,
 * through the core's public API (held frames: the auditor counts them, teardown drops them).
 */
#include "hv.h"

/*
 * Take a general and a writable type reference on frame mfn for v's domain (what Xen's
 * map_vcpu_info and its FIFO control-block mapping take): 0, or -XEN_EINVAL if the frame is
 * not the domain's or cannot become writable (a page table, a descriptor page).  The
 * references are kept, recorded in the core (v->held_frames) for the auditor and teardown.
 */
int mmglue_get_writable_frame(struct vcpu *v, uint64_t mfn)
{
    int rc;

    rec_op_begin();
    rc = pvmm_hold_writable_frame(v, mfn) ? -XEN_EINVAL : 0;
    rec_other(v, "hold_frame", "mfn", mfn, rc, false);
    return rc;
}

/* Drop the references mmglue_get_writable_frame took, and the core's record of them. */
void mmglue_put_writable_frame(struct vcpu *v, uint64_t mfn)
{
    rec_op_begin();
    pvmm_release_held_frame(v, mfn);
    rec_other(v, "release_frame", "mfn", mfn, 0, false);
}

/* The same check, dropping the references again: 0 or -XEN_EINVAL. */
int mmglue_check_writable_frame(struct vcpu *v, uint64_t mfn)
{
    return pvmm_check_writable_frame(v, mfn);
}
