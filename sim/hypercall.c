/*
 * sim/hypercall.c - issuing hypercalls on the simulated machine (see access.h).
 *
 * The core's dispatcher (pvmm_hypercall) maps hypercall numbers to its entry
 * points with the argument registers rdi, rsi, rdx, r10, r8 as a[0..4].  When the core
 * asks for a continuation (v->cont), the call is re-issued with the
 * arguments it left there, as pvmm-hv does by rewinding rip to the SYSCALL.
 * Preemption checks are counted from the start of the call across its
 * re-issues, so an injected "preempt at the n-th check" interrupts the call
 * once; "preempt at every check" is bounded by SIM_MAX_CONTINUATIONS.
 */
#include "access.h"

#define SIM_MAX_CONTINUATIONS 100000UL

long sim_hypercall(struct sim_machine *m, struct vcpu *v, unsigned int nr, const uint64_t a[5],
                   struct sim_hypercall_result *r)
{
    r->continuations = 0;
    r->stuck = false;
    sim_set_mode(m, v, true);
    m->preempt_checks = 0;
    v->cont.pending = false;
    r->rc = pvmm_hypercall(v, nr, a);
    while (v->cont.pending) {
        struct pvmm_continuation c = v->cont;
        uint64_t args[5] = { c.args[0], c.args[1], c.args[2], c.args[3], c.args[4] };

        if (++r->continuations > SIM_MAX_CONTINUATIONS) {
            r->stuck = true;
            break;
        }
        v->cont.pending = false;
        r->rc = pvmm_hypercall(v, c.op, args);
    }
    return r->rc;
}

long sim_hypercall_once(struct sim_machine *m, struct vcpu *v, unsigned int nr,
                        const uint64_t a[5], unsigned long preempt_from,
                        struct sim_hypercall_result *r)
{
    enum sim_preempt preempt = m->preempt;
    unsigned long preempt_n = m->preempt_n;

    r->continuations = 0;
    r->stuck = false;
    sim_set_mode(m, v, true);
    m->preempt_checks = 0;
    if (preempt_from) {
        m->preempt = SIM_PREEMPT_FROM;
        m->preempt_n = preempt_from;
    }
    v->cont.pending = false;
    r->rc = pvmm_hypercall(v, nr, a);
    if (v->cont.pending) {
        r->continuations = 1;
        v->cont.pending = false;
    }
    m->preempt = preempt;
    m->preempt_n = preempt_n;
    return r->rc;
}
