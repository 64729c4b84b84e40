/*
 * hv/irq.c - external interrupts, from guest context and from hypervisor context alike.
 *
 * The sources the hypervisor enables are each CPU's local APIC timer, the IPIs between
 * CPUs (ipi.c) and the IO-APIC pins of GSIs the hardware domain has bound (pirq.c: vectors
 * PIRQ_VECTOR_BASE + GSI, acknowledged there and turned into events from PIRQ_SOFTIRQ).  The timer's handler acknowledges it and raises TIMER_SOFTIRQ; the IPIs
 * raise a softirq or run the posted cross-CPU call: nothing waits, so they are safe
 * wherever interrupts are on (the guest, hypercalls, guest exceptions, the idle halt).  The
 * spurious vector needs no EOI.  Any other vector (a stray PIC interrupt, an unexpected APIC
 * vector) is counted, logged for the first few occurrences, acknowledged and otherwise
 * ignored.
 */
#include "events.h"

static unsigned long nr_spurious;
unsigned long hv_unexpected_irqs;      /* vectors no one asked for, every CPU (ipi.c's test) */

void do_IRQ(struct cpu_regs *r)
{
    unsigned int vec = (unsigned int)r->entry_vector;

    switch (vec) {
    case TIMER_VECTOR:
        apic_eoi();
        raise_softirq(TIMER_SOFTIRQ);
        break;
    case CALL_FUNCTION_VECTOR:
    case RESCHEDULE_VECTOR:
    case EVENT_CHECK_VECTOR:
        smp_ipi_interrupt(vec);
        break;
    case SPURIOUS_VECTOR:
        if (nr_spurious++ < 4)
            printk("pvmm: spurious interrupt (vector 0x%x)\n", vec);
        break;
    default:
        if (vec >= PIRQ_VECTOR_BASE && vec < PIRQ_VECTOR_BASE + PIRQ_MAX_GSIS) {
            pirq_interrupt(vec - PIRQ_VECTOR_BASE);
            break;
        }
        if (__atomic_fetch_add(&hv_unexpected_irqs, 1, __ATOMIC_SEQ_CST) < 8)
            printk("pvmm: unexpected interrupt vector 0x%x in %s context; ignored\n", vec,
                   (r->cs & 3) ? "guest" : "hypervisor");
        if (vec >= 0x30)
            apic_eoi();        /* the PIC's vectors are spurious ones; the APIC's need EOI */
        break;
    }
}
