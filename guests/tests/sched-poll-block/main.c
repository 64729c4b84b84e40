/*
 * sched-poll-block: SCHEDOP_block, SCHEDOP_poll and the other scheduler operations a PV
 * kernel uses, with Xen's return codes.
 *
 * The story. A PV kernel idles with SCHEDOP_block (which also clears evtchn_upcall_mask, the
 * way `sti; hlt` enables interrupts) and its paravirtual spinlocks wait with SCHEDOP_poll on
 * one event channel, events masked: poll must return as soon as that port is pending, masked
 * or not, and at once if it already is. Neither may return early while nothing is pending,
 * and neither may sleep through an event that was already there ("at once" allows AT_ONCE_NS,
 * 2 s: TCG on a loaded host held a guest up for 830 ms; a poll that sleeps through its
 * pending port returns only at its timeout, 10 s).
 *
 * The guest checks:
 *   1. SCHEDOP_yield: 0;
 *   2. SCHEDOP_block with an event already pending (events masked before): returns 0 at once,
 *      with the mask cleared and the upcall delivered;
 *   3. SCHEDOP_poll, events masked, on a port that is pending and masked: returns 0 at once;
 *      on a quiet port with a timeout 5 ms ahead: returns at or after the timeout; on a quiet
 *      port while a timer (VIRQ_TIMER, its port masked) fires: keeps waiting until its own
 *      timeout (the timer's port is not polled);
 *   4. SCHEDOP_poll argument errors: 129 ports -EINVAL, port 4096 -EINVAL, an unreadable
 *      port list -EFAULT;
 *   5. SCHEDOP_shutdown_code(poweroff): 0, the domain keeps running; SCHEDOP_remote_shutdown
 *      of domain 5 (which does not exist): -ESRCH.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "SCHEDOP_block, SCHEDOP_poll and friends";

#define AT_ONCE_NS   2000000000UL
#define POLL_LONG_NS 10000000000UL

static volatile unsigned long events_seen;
static unsigned int ipi;

/* Count the IPI port's events (the default periodic timer may also have fired). */
static void on_event(unsigned int port, const struct cpu_regs *regs)
{
    (void)regs;
    if (port == ipi)
        events_seen++;
}

static long poll(uint32_t *ports, unsigned int nr, uint64_t timeout)
{
    struct sched_poll sp = { .ports = (uint64_t)(uintptr_t)ports, .nr_ports = nr,
                             .timeout = timeout };

    return hypercall_sched_op(SCHEDOP_poll, &sp);
}

int test_main(void)
{
    static uint32_t many[129];
    struct sched_shutdown sd = { .reason = SHUTDOWN_poweroff };
    struct sched_remote_shutdown rs = { .domain_id = 5, .reason = SHUTDOWN_poweroff };
    unsigned int quiet, timer_port;
    uint32_t port;
    uint64_t t0, t1;
    unsigned long before;
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);
    event_handler = on_event;
    if (evtchn_bind_ipi(0, &ipi) || evtchn_bind_ipi(0, &quiet) ||
        evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port))
        return xtf_error("binding the ports failed");
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);

    XTF_EXPECT_RC(hypercall_sched_op(SCHEDOP_yield, NULL), 0, "SCHEDOP_yield");

    /* 2. Block with an event already pending. */
    events_mask();
    before = events_seen;
    evtchn_send(ipi);
    t0 = pvclock_ns();
    XTF_EXPECT_RC(hypercall_sched_op(SCHEDOP_block, NULL), 0, "SCHEDOP_block");
    t1 = pvclock_ns();
    if (vcpu0_info()->evtchn_upcall_mask)
        return xtf_failure("SCHEDOP_block left events masked");
    if (events_seen != before + 1)
        return xtf_failure("SCHEDOP_block with an event pending: %lu upcalls",
                           events_seen - before);
    printk("block with an event pending returned after %lu us\n",
           (unsigned long)(t1 - t0) / 1000);
    if (t1 - t0 > AT_ONCE_NS)
        return xtf_failure("SCHEDOP_block with an event pending slept %lu us",
                           (unsigned long)(t1 - t0) / 1000);

    /* 3. Poll, events masked. */
    events_mask();
    port_mask(ipi);
    evtchn_send(ipi);
    port = ipi;
    t0 = pvclock_ns();
    XTF_EXPECT_RC(poll(&port, 1, t0 + POLL_LONG_NS), 0, "poll on a pending masked port");
    t1 = pvclock_ns();
    if (t1 - t0 > AT_ONCE_NS)
        return xtf_failure("poll on a pending port slept %lu us", (unsigned long)(t1 - t0) / 1000);
    port_clear(ipi);

    port = quiet;
    t0 = pvclock_ns();
    XTF_EXPECT_RC(poll(&port, 1, t0 + 5000000UL), 0, "poll with a timeout");
    t1 = pvclock_ns();
    printk("poll on a quiet port, 5 ms timeout: %lu us\n", (unsigned long)(t1 - t0) / 1000);
    if (t1 - t0 < 5000000UL)
        return xtf_failure("poll returned %lu ns before its timeout",
                           (unsigned long)(t0 + 5000000UL - t1));

    port_mask(timer_port);
    t0 = pvclock_ns();
    hypercall_set_timer_op(t0 + 2000000UL);
    XTF_EXPECT_RC(poll(&port, 1, t0 + 10000000UL), 0, "poll across a masked timer event");
    t1 = pvclock_ns();
    printk("poll across a masked timer event: %lu us, timer port pending %d\n",
           (unsigned long)(t1 - t0) / 1000, port_pending(timer_port));
    if (t1 - t0 < 10000000UL)
        return xtf_failure("a masked event on another port ended the poll after %lu us",
                           (unsigned long)(t1 - t0) / 1000);
    if (!port_pending(timer_port))
        return xtf_failure("the timer did not fire during the poll");

    /* 4. Argument errors. */
    XTF_EXPECT_RC(poll(many, 129, 0), -XEN_EINVAL, "poll on 129 ports");
    port = 4096;
    XTF_EXPECT_RC(poll(&port, 1, 0), -XEN_EINVAL, "poll on port 4096");
    XTF_EXPECT_RC(poll((uint32_t *)0x7f0000000000UL, 1, 0), -XEN_EFAULT,
                  "poll on an unmapped list");
    events_unmask();

    /* 5. shutdown_code and remote_shutdown. */
    XTF_EXPECT_RC(hypercall_sched_op(SCHEDOP_shutdown_code, &sd), 0, "SCHEDOP_shutdown_code");
    XTF_EXPECT_RC(hypercall_sched_op(SCHEDOP_remote_shutdown, &rs), -XEN_ESRCH,
                  "SCHEDOP_remote_shutdown of domain 5");
    return xtf_success();
}
