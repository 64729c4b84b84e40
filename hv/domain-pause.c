/*
 * hv/domain-pause.c - stopping every other CPU before the run ends (a shutdown's audit, a
 * crashed domain's teardown).
 *
 * The auditor must see the machine still, and a teardown must not free page tables another
 * CPU is running on.  The CPU that ends the run (the first to get here: a second one parks
 * itself for good, halted with interrupts on) sets domains_paused, which makes every guest
 * vCPU unrunnable (sched-rr.c), and raises SCHEDULE_SOFTIRQ on every other CPU: a vCPU in a
 * hypercall stops at its next preemption point (a softirq is pending), and each CPU then
 * switches to its idle vCPU on its exit path.  Once every other CPU runs idle or is parked,
 * each one is told (a cross-CPU call) to drop the guest state it may still hold lazily and
 * load the idle L4, so no CPU's CR3 or TLB refers to the domain any more.  Like Xen's
 * domain_pause, this waits; unlike Xen, nothing resumes afterwards: the machine powers off.
 */
#include "events.h"

volatile bool domains_paused;
static volatile unsigned int ending = ~0u;      /* the CPU ending the run */

/* On another CPU: forget the vCPU loaded lazily, leave its page tables. */
static void drop_loaded(void *data)
{
    struct percpu *pc = this_cpu();

    (void)data;
    if (pc->loaded && pc->curr != pc->loaded) {
        write_cr3(virt_to_maddr(idle_l4));
        __atomic_fetch_and(&hvv(pc->loaded)->dirty_cpumask, ~(1UL << pc->cpu_id),
                           __ATOMIC_SEQ_CST);
        pc->loaded = NULL;
    }
}

/* Park this CPU for good (another CPU ends the run): halt, answering cross-CPU calls. */
static __attribute__((noreturn)) void park_this_cpu(void)
{
    this_cpu()->parked = true;
    for (;;)
        __asm__ volatile("sti; hlt" ::: "memory");
}

/* True when CPU c no longer runs a guest vCPU. */
static bool cpu_quiet(unsigned int c)
{
    const struct percpu *pc = &percpu_area[c];
    return pc->parked || pc->curr == pc->idle;
}

void domain_pause_others(void)
{
    unsigned int me = this_cpu()->cpu_id, expected = ~0u;
    cpumask_t others = cpu_online_map & ~(1UL << me), left;
    uint64_t end;

    if (!__atomic_compare_exchange_n(&ending, &expected, me, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST) && expected != me)
        park_this_cpu();
    domains_paused = true;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    for (unsigned int c = 0; c < nr_cpus_online; c++)
        if ((others >> c) & 1)
            cpu_raise_softirq(c, SCHEDULE_SOFTIRQ);
    end = rdtsc() + 2000 * tsc_khz;
    do {
        left = 0;
        for (unsigned int c = 0; c < nr_cpus_online; c++)
            if (((others >> c) & 1) && !cpu_quiet(c))
                left |= 1UL << c;
        smp_call_poll();
        cpu_relax();
    } while (left && rdtsc() < end);
    if (left)
        printk("pvmm: CPUs %lx still run a vCPU 2 s after the domain was paused\n", left);
    on_selected_cpus(others & ~left, drop_loaded, NULL);
}
