/*
 * core/held-frame.c - guest frames the hypervisor keeps using on a vCPU's behalf (Xen's
 * map_vcpu_info, the FIFO event control block): each holds a general and a writable type
 * reference for as long as the hypervisor uses it, recorded in v->held_frames so that the
 * auditor can account for them and domain teardown releases them (domain.c).
 */
#include "mm.h"

int pvmm_hold_writable_frame(struct vcpu *v, mfn_t mfn)
{
    struct pvmm_state *s = vcpu_state(v);
    unsigned int i;

    for (i = 0; i < PVMM_HELD_FRAMES; i++)
        if (v->held_frames[i] == INVALID_MFN)
            break;
    if (i == PVMM_HELD_FRAMES)
        return -XEN_ENOSPC;
    if (!mfn_valid(s, mfn) ||
        !get_page_and_type(v, mfn_to_page(s, mfn), v->domain, PGT_writable_page))
        return -XEN_EINVAL;
    v->held_frames[i] = mfn;
    return 0;
}

void pvmm_release_held_frame(struct vcpu *v, mfn_t mfn)
{
    struct pvmm_state *s = vcpu_state(v);

    for (unsigned int i = 0; i < PVMM_HELD_FRAMES; i++) {
        if (v->held_frames[i] != mfn || mfn == INVALID_MFN)
            continue;
        v->held_frames[i] = INVALID_MFN;
        put_page_and_type(v, mfn_to_page(s, mfn));
        return;
    }
}

int pvmm_check_writable_frame(struct vcpu *v, mfn_t mfn)
{
    struct pvmm_state *s = vcpu_state(v);
    struct page_info *pg;

    if (!mfn_valid(s, mfn))
        return -XEN_EINVAL;
    pg = mfn_to_page(s, mfn);
    if (!get_page_and_type(v, pg, v->domain, PGT_writable_page))
        return -XEN_EINVAL;
    put_page_and_type(v, pg);
    return 0;
}
