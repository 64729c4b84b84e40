/*
 * sim/access.c - guest memory accesses, with writable page-table emulation (see access.h).
 */
#include "access.h"

#include <string.h>

static enum sim_access_outcome done(struct sim_access_result *r, enum sim_access_outcome o)
{
    r->outcome = o;
    return o;
}

/* Why the core said "not a page-table write": no assist, or what the address maps. */
static void not_l1(struct sim_machine *m, struct vcpu *v, uint64_t va,
                   struct sim_access_result *r)
{
    const struct domain *d = v->domain;
    struct sim_vcpu *sv = sim_vcpu_of(m, v);
    struct sim_walk_result w;
    mfn_t mfn;

    r->ptwr_frame = INVALID_MFN;
    if (!d->is_privileged && !(d->vm_assist & (1UL << VMASST_TYPE_writable_pagetables))) {
        r->ptwr_try = SIM_PTWR_NO_ASSIST;
        return;
    }
    r->ptwr_try = SIM_PTWR_NOT_L1;
    if (sim_walk(&m->phys, &sv->cpu.p, va, SIM_READ, false, &w) != SIM_OK)
        return;
    mfn = w.t.pa_page >> PAGE_SHIFT;
    if (mfn < m->nr_frames) {
        r->ptwr_frame = mfn;
        r->ptwr_frame_type = m->ft[mfn].type_info;
        r->ptwr_frame_owner = m->ft[mfn].owner;
    }
}

/*
 * Xen's read-only page fault path for a write that faulted with error code
 * pfec: a guest-kernel write to a present read-only page goes to the core's
 * ptwr emulation.  Records whether it was tried and why not in r.
 */
static void try_ptwr(struct sim_machine *m, struct vcpu *v, bool kernel, uint64_t va,
                     uint64_t val, unsigned int bytes, uint32_t pfec,
                     struct sim_access_result *r)
{
    int rc;

    if (!kernel)
        r->ptwr_try = SIM_PTWR_USER;
    else if (!(pfec & PFEC_PRESENT))
        r->ptwr_try = SIM_PTWR_NOT_PRESENT;
    else if (pfec & PFEC_RSVD)
        r->ptwr_try = SIM_PTWR_RSVD;
    else if ((va & (bytes - 1)) || (bytes & (bytes - 1)))
        r->ptwr_try = SIM_PTWR_SIZE;
    if (r->ptwr_try != SIM_PTWR_NONE)
        return;
    rc = pvmm_ptwr_emulate(v, va, val, bytes, false, 0, NULL);
    if (rc == 0) {
        r->ptwr = true;
        r->ptwr_try = SIM_PTWR_DONE;
    } else if (rc == PVMM_PTWR_NOT_PT) {
        not_l1(m, v, va, r);
    } else {
        r->ptwr_rc = rc;
        r->ptwr_try = SIM_PTWR_REFUSED;
    }
}

enum sim_access_outcome sim_guest_access(struct sim_machine *m, struct vcpu *v, bool kernel,
                                         enum sim_access acc, uint64_t va, uint64_t *val,
                                         unsigned int bytes, struct sim_access_result *r)
{
    struct sim_vcpu *sv = sim_vcpu_of(m, v);
    struct sim_fault_info f;
    uint64_t buf = acc == SIM_WRITE ? *val : 0;

    memset(r, 0, sizeof(*r));
    if (!sv || bytes == 0 || bytes > 8)
        return done(r, SIM_ACCESS_NO_TABLE);
    if (!sim_set_mode(m, v, kernel) || !sv->has_cr3)
        return done(r, SIM_ACCESS_NO_TABLE);

    switch (sim_cpu_access(&sv->cpu, &m->phys, va, acc, &buf, bytes, &f)) {
    case SIM_OK:
        if (acc != SIM_WRITE)
            *val = buf;
        r->value = buf;
        return done(r, SIM_ACCESS_OK);
    case SIM_GP:
        r->addr = va;
        r->gp_cause = sim_canonical(va) ? SIM_GP_INTO_HOLE : SIM_GP_NONCANONICAL;
        return done(r, SIM_ACCESS_GP);
    case SIM_PF:
        break;
    }
    r->addr = f.addr;
    r->hw_pfec = f.pfec;
    r->pfec = (f.pfec & ~PFEC_USER) | (kernel ? 0 : PFEC_USER);

    if (acc == SIM_WRITE)
        try_ptwr(m, v, kernel, va, *val, bytes, f.pfec, r);
    return done(r, r->ptwr ? SIM_ACCESS_OK : SIM_ACCESS_PF);
}
