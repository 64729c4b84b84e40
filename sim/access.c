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
        return done(r, SIM_ACCESS_GP);
    case SIM_PF:
        break;
    }
    r->addr = f.addr;
    r->hw_pfec = f.pfec;
    r->pfec = (f.pfec & ~PFEC_USER) | (kernel ? 0 : PFEC_USER);

    /* Xen's read-only page fault path: a kernel write to a present read-only page. */
    if (kernel && acc == SIM_WRITE &&
        (f.pfec & (PFEC_PRESENT | PFEC_WRITE | PFEC_RSVD)) == (PFEC_PRESENT | PFEC_WRITE) &&
        (va & (bytes - 1)) == 0 && (bytes & (bytes - 1)) == 0) {
        int rc = pvmm_ptwr_emulate(v, va, *val, bytes, false, 0, NULL);

        if (rc == 0) {
            r->ptwr = true;
            return done(r, SIM_ACCESS_OK);
        }
        if (rc != PVMM_PTWR_NOT_PT)
            r->ptwr_rc = rc;
    }
    return done(r, SIM_ACCESS_PF);
}
