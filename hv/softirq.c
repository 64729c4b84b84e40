/*
 * hv/softirq.c - work deferred from interrupt context to the exit path, per CPU.
 *
 * An interrupt handler only acknowledges its source and raises a softirq (one bit of
 * this_cpu()->softirq_pending); the work runs in do_softirq(), which the exit to a guest
 * calls with interrupts off before it looks at the vCPU's events (guest_exit_work, sched.c)
 * and which the idle loop calls after each halt.  A pending softirq is also what makes
 * long hypercalls stop at their next preemption point (hv_preempt_check).
 */
#include "events.h"

static void (*const softirq_handlers[NR_SOFTIRQS])(void) = {
    [TIMER_SOFTIRQ] = timer_softirq_action,
    [PIRQ_SOFTIRQ] = pirq_softirq_action,
    [SCHEDULE_SOFTIRQ] = schedule,
};

void raise_softirq(unsigned int nr)
{
    __atomic_fetch_or(&this_cpu()->softirq_pending, 1UL << nr, __ATOMIC_SEQ_CST);
}

/* Run every pending softirq, lowest number first, until none is left. */
void do_softirq(void)
{
    struct percpu *pc = this_cpu();
    unsigned long pending;

    while ((pending = pc->softirq_pending) != 0) {
        unsigned int nr = (unsigned int)__builtin_ctzl(pending);
        __atomic_fetch_and(&pc->softirq_pending, ~(1UL << nr), __ATOMIC_SEQ_CST);
        if (nr < NR_SOFTIRQS && softirq_handlers[nr])
            softirq_handlers[nr]();
    }
}
