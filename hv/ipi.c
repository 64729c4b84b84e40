/*
 * hv/ipi.c - interrupts between CPUs: event check, reschedule, and "call this function on
 * these CPUs and wait".
 *
 * EVENT_CHECK_VECTOR does nothing but end a halt: the CPU then looks at its softirqs (and
 * its vCPU's events) on the way out, so it is what cpu_raise_softirq() sends to another
 * CPU.  RESCHEDULE_VECTOR raises SCHEDULE_SOFTIRQ on the CPU it reaches.
 *
 * CALL_FUNCTION_VECTOR runs the one posted call.  There is one call slot: a caller takes
 * call_lock, writes fn and data, publishes the mask of CPUs that still have to run it
 * (release), sends the IPI and waits until every CPU has cleared its bit, each after running
 * fn; then it lets go of the lock.  fn therefore never runs after on_selected_cpus()
 * returned, which is what a TLB shootdown needs (flush.c).  The caller waits halted (`sti;
 * hlt`), and the last CPU to finish wakes it with an event check: under TCG a spinning
 * waiter would take the host CPU the others need (a shootdown took 14 ms instead of about
 * 1 on a loaded two-core host).
 *
 * Deadlock freedom: a CPU waiting here - for call_lock, or in any spin loop that calls
 * smp_call_poll() - runs the call posted to it, with interrupts off or on.  So if CPU A
 * holds the slot and waits for B, B either takes the IPI (interrupts on: the guest,
 * hypercalls, guest exceptions, the idle halt) or is spinning somewhere that polls (the
 * slot's lock, the console lock, the core's spin-waits through the platform's cpu_relax).
 * Every other wait with interrupts off is bounded (the timer lock, the ICR).
 */
#include "events.h"

static struct {
    void (*fn)(void *);
    void *data;
    cpumask_t pending;             /* CPUs that have not run fn yet */
    unsigned int caller;           /* woken by the last CPU to finish */
} call_slot;
static pvmm_spinlock_t call_lock = PVMM_SPINLOCK_INIT;

void send_ipi_mask(cpumask_t mask, unsigned int vector)
{
    mask &= cpu_online_map;
    while (mask) {
        unsigned int cpu = (unsigned int)__builtin_ctzl(mask);
        mask &= mask - 1;
        apic_send_ipi(percpu_area[cpu].apic_id, vector);
    }
}

void smp_send_event_check(unsigned int cpu)
{
    if (cpu != this_cpu()->cpu_id)
        send_ipi_mask(1UL << cpu, EVENT_CHECK_VECTOR);
}

/* Raise softirq nr on CPU cpu; another CPU is woken to run it. */
void cpu_raise_softirq(unsigned int cpu, unsigned int nr)
{
    __atomic_fetch_or(&percpu_area[cpu].softirq_pending, 1UL << nr, __ATOMIC_SEQ_CST);
    smp_send_event_check(cpu);
}

/* Run the call posted to this CPU, if any (interrupts off around it: it runs once). */
void smp_call_poll(void)
{
    unsigned long flags = local_irq_save();
    cpumask_t me = 1UL << this_cpu()->cpu_id;

    if (__atomic_load_n(&call_slot.pending, __ATOMIC_ACQUIRE) & me) {
        unsigned int caller = call_slot.caller;

        call_slot.fn(call_slot.data);
        if (__atomic_and_fetch(&call_slot.pending, ~me, __ATOMIC_RELEASE) == 0)
            send_ipi_mask(1UL << caller, EVENT_CHECK_VECTOR);
    }
    local_irq_restore(flags);
}

void on_selected_cpus(cpumask_t mask, void (*fn)(void *), void *data)
{
    cpumask_t me = 1UL << this_cpu()->cpu_id, others = mask & cpu_online_map & ~me;
    unsigned long flags;

    if (mask & me) {
        flags = local_irq_save();
        fn(data);
        local_irq_restore(flags);
    }
    if (!others)
        return;
    while (!spin_trylock(&call_lock)) {
        smp_call_poll();
        cpu_relax();
    }
    call_slot.fn = fn;
    call_slot.data = data;
    call_slot.caller = this_cpu()->cpu_id;
    __atomic_store_n(&call_slot.pending, others, __ATOMIC_RELEASE);
    send_ipi_mask(others, CALL_FUNCTION_VECTOR);
    flags = local_irq_save();
    while (__atomic_load_n(&call_slot.pending, __ATOMIC_ACQUIRE))
        __asm__ volatile("sti; hlt; cli" ::: "memory");   /* woken by the last one */
    local_irq_restore(flags);
    spin_unlock(&call_lock);
}

/* The IPI vectors' handler (irq.c), interrupts off; the EOI is sent first. */
void smp_ipi_interrupt(unsigned int vector)
{
    apic_eoi();
    switch (vector) {
    case CALL_FUNCTION_VECTOR:
        smp_call_poll();
        break;
    case RESCHEDULE_VECTOR:
        raise_softirq(SCHEDULE_SOFTIRQ);
        break;
    default:                       /* EVENT_CHECK_VECTOR: the exit path looks */
        break;
    }
}

/*
 * Option ipi-test=unknown: every CPU, this one included, is sent an IPI with a vector no one
 * uses (UNKNOWN_TEST_VECTOR); each must log it as unexpected, acknowledge it and go on (the
 * guest then runs as usual).  Panics if one never arrives.
 */
#define UNKNOWN_TEST_VECTOR  0xe0

void ipi_selftest_boot(void)
{
    unsigned long before = hv_unexpected_irqs;
    uint64_t end;

    if (!hv_option("ipi-test=unknown"))
        return;
    send_ipi_mask(cpu_online_map & ~(1UL << this_cpu()->cpu_id), UNKNOWN_TEST_VECTOR);
    apic_send_ipi(this_cpu()->apic_id, UNKNOWN_TEST_VECTOR);
    end = rdtsc() + 1000 * tsc_khz;
    while (hv_unexpected_irqs - before < nr_cpus_online && rdtsc() < end)
        __asm__ volatile("sti; pause; cli" ::: "memory");
    if (hv_unexpected_irqs - before < nr_cpus_online)
        panic("IPI self-test: %lu of %u CPUs took the unknown vector",
              hv_unexpected_irqs - before, nr_cpus_online);
    printk("pvmm-hv: IPI self-test: an unknown vector (0x%x) on each of %u CPUs was logged and "
           "survived\n", UNKNOWN_TEST_VECTOR, nr_cpus_online);
}
