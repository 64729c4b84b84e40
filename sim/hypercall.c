/*
 * sim/hypercall.c - issuing hypercalls on the simulated machine (see access.h).
 *
 * The dispatcher maps hypercall numbers to the core's entry points with the
 * argument registers rdi, rsi, rdx, r10, r8 as a[0..4].  When the core
 * asks for a continuation (v->cont), the call is re-issued with the
 * arguments it left there, as pvmm-hv does by rewinding rip to the SYSCALL.
 * Preemption checks are counted from the start of the call across its
 * re-issues, so an injected "preempt at the n-th check" interrupts the call
 * once; "preempt at every check" is bounded by SIM_MAX_CONTINUATIONS.
 */
#include "access.h"

#define SIM_MAX_CONTINUATIONS 100000UL

const char *sim_hypercall_name(unsigned int nr)
{
    switch (nr) {
    case __HYPERVISOR_mmu_update:                    return "mmu_update";
    case __HYPERVISOR_set_gdt:                       return "set_gdt";
    case __HYPERVISOR_update_descriptor:             return "update_descriptor";
    case __HYPERVISOR_memory_op:                     return "memory_op";
    case __HYPERVISOR_update_va_mapping:             return "update_va_mapping";
    case __HYPERVISOR_vm_assist:                     return "vm_assist";
    case __HYPERVISOR_update_va_mapping_otherdomain: return "update_va_mapping_otherdomain";
    case __HYPERVISOR_mmuext_op:                     return "mmuext_op";
    default:                                         return NULL;
    }
}

static long dispatch(struct vcpu *v, unsigned int nr, const uint64_t a[5])
{
    switch (nr) {
    case __HYPERVISOR_mmu_update:
        return do_mmu_update(v, a[0], (unsigned int)a[1], a[2], (unsigned int)a[3]);
    case __HYPERVISOR_mmuext_op:
        return do_mmuext_op(v, a[0], (unsigned int)a[1], a[2], (unsigned int)a[3]);
    case __HYPERVISOR_update_va_mapping:
        return do_update_va_mapping(v, a[0], a[1], a[2]);
    case __HYPERVISOR_update_va_mapping_otherdomain:
        return do_update_va_mapping_otherdomain(v, a[0], a[1], a[2], (domid_t)a[3]);
    case __HYPERVISOR_set_gdt:
        return do_set_gdt(v, a[0], (unsigned int)a[1]);
    case __HYPERVISOR_update_descriptor:
        return do_update_descriptor(v, a[0], a[1]);
    case __HYPERVISOR_memory_op:
        return do_memory_op(v, (unsigned long)a[0], a[1]);
    case __HYPERVISOR_vm_assist:
        return do_vm_assist(v, (unsigned int)a[0], (unsigned int)a[1]);
    default:
        return -XEN_ENOSYS;
    }
}

long sim_hypercall(struct sim_machine *m, struct vcpu *v, unsigned int nr, const uint64_t a[5],
                   struct sim_hypercall_result *r)
{
    r->continuations = 0;
    r->stuck = false;
    sim_set_mode(m, v, true);
    m->preempt_checks = 0;
    v->cont.pending = false;
    r->rc = dispatch(v, nr, a);
    while (v->cont.pending) {
        struct pvmm_continuation c = v->cont;
        uint64_t args[5] = { c.args[0], c.args[1], c.args[2], c.args[3], c.args[4] };

        if (++r->continuations > SIM_MAX_CONTINUATIONS) {
            r->stuck = true;
            break;
        }
        v->cont.pending = false;
        r->rc = dispatch(v, c.op, args);
    }
    return r->rc;
}
