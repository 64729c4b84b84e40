/*
 * poll-wakeup-race: a port sent on one CPU while another vCPU goes into SCHEDOP_poll on it
 * wakes that vCPU; the poll never sleeps to its timeout with the port pending.
 *
 * The story. A PV kernel's paravirtual spinlock waits in SCHEDOP_poll on one event channel,
 * events masked; the vCPU releasing the lock, running on another physical CPU, kicks it with
 * EVTCHNOP_send.  The send may land at any moment of the poll: before the poller looked at
 * the port (the poll returns at once), after it went to sleep (the send wakes it), or in
 * between.  Xen orders the two sides so that the last case cannot be lost: the poller marks
 * itself polling and blocked, then looks at the port; the sender marks the port pending,
 * then looks for pollers.  A hypervisor that looks at the port first and marks the poller
 * afterwards lets a send in between see no poller and the poller sleep through it: the
 * kernel's lock waiter then hangs until the timeout (or forever, without one).
 *
 * The guest runs with 2 vCPUs on 2 CPUs (hv-run --smp 2, xen-run --smp 2).  In each of
 * ROUNDS rounds vCPU 1 clears the port (an IPI port bound to it, masked: only the poll sees
 * it), says it is about to poll, and polls it with a 10 s timeout; vCPU 0 waits for that,
 * waits a little longer each round (0 to DELAY_STEPS pause loops, so the send sweeps across
 * the poll's entry), sends and notes the time.  A poll that returns at its timeout while the
 * port was sent more than 5 s before is a lost wake-up: FAILURE.  The other rounds' wake-up
 * latency is printed (information only: TCG on a loaded host).  Seconds, not less: a host
 * that holds vCPU 1's thread up from its "about to poll" to past its timeout makes a poll
 * that was woken in time look like one that slept, and with 30 runnable threads on two
 * cores vCPU 1 was seen runnable - woken, its CPU's thread not run by the host - for 1.3 s
 * on pvmm-hv, a wake-up took 3.3 s on Xen, and a whole run 180 s (hv-run-args,
 * xen-run-args: --timeout).
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"
#include "vcpus.h"

const char test_title[] = "SCHEDOP_poll against a send from another CPU: no lost wake-up";

#define ROUNDS       400
#define DELAY_STEPS  24
#define POLL_NS      10000000000ULL     /* each poll's timeout */
#define LOST_NS      5000000000ULL      /* sent this long before the timeout: lost */
#define WAIT_NS      30000000000ULL     /* vCPU 0's wait for vCPU 1 (longer than a poll) */

static unsigned int port;
/* vCPU 0 writes go, sent_round, sent_ns; vCPU 1 the rest. */
static volatile unsigned int go, armed, sent_round, done, quit;
static volatile uint64_t sent_ns, timeout_ns, return_ns;
static volatile unsigned long lost, spurious;
static volatile unsigned int lost_round;

static long poll_port(uint64_t timeout)
{
    uint32_t p = port;
    struct sched_poll sp = { .ports = (uint64_t)(uintptr_t)&p, .nr_ports = 1,
                             .timeout = timeout };

    return hypercall_sched_op(SCHEDOP_poll, &sp);
}

/* vCPU 1: one poll per round, woken by vCPU 0's send. */
static void poller(void *arg)
{
    unsigned int r;

    (void)arg;
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL);
    vcpu_info_of(1)->evtchn_upcall_mask = 1;
    for (r = 1; !quit; r++) {
        while (go != r && !quit)
            __asm__ volatile("pause" ::: "memory");
        if (quit)
            break;
        port_clear(port);
        timeout_ns = pvclock_ns() + POLL_NS;
        armed = r;
        /* Another port of the domain may end the poll early: poll again until ours. */
        while (!port_pending(port) && pvclock_ns() < timeout_ns) {
            poll_port(timeout_ns);
            if (!port_pending(port))
                spurious++;
        }
        return_ns = pvclock_ns();
        while (sent_round != r && !quit)
            __asm__ volatile("pause" ::: "memory");
        if (port_pending(port) && return_ns >= timeout_ns && sent_ns + LOST_NS < timeout_ns) {
            lost++;
            lost_round = r;
        }
        done = r;
    }
    vcpu_down_self(1);
}

/* Wait (bounded: WAIT_NS) until *v == want. */
static bool wait_for(volatile unsigned int *v, unsigned int want)
{
    uint64_t end = pvclock_ns() + WAIT_NS;

    while (*v != want)
        if (pvclock_ns() > end)
            return false;
    return true;
}

int test_main(void)
{
    uint64_t worst = 0;
    long rc;

    if (events_init())
        return xtf_error("events_init failed");
    if ((rc = evtchn_bind_ipi(1, &port)) != 0)
        return xtf_error("bind_ipi to vCPU 1: %ld", rc);
    port_mask(port);
    rc = vcpu_start(1, poller, NULL);
    if (rc)
        return xtf_error("cannot start vCPU 1 (%ld): needs 2 vCPUs, run with --smp 2", rc);
    for (unsigned int r = 1; r <= ROUNDS; r++) {
        go = r;
        if (!wait_for(&armed, r)) {
            quit = 1;
            return xtf_error("round %u: vCPU 1 did not get ready", r);
        }
        for (unsigned int i = 0; i < r % DELAY_STEPS; i++)
            __asm__ volatile("pause" ::: "memory");
        XTF_EXPECT_RC(evtchn_send(port), 0, "send");
        sent_ns = pvclock_ns();
        sent_round = r;
        if (!wait_for(&done, r)) {
            quit = 1;
            return xtf_failure("round %u: vCPU 1's poll did not return", r);
        }
        if (return_ns > sent_ns && return_ns - sent_ns > worst)
            worst = return_ns - sent_ns;
    }
    quit = 1;
    printk("%u polls; slowest wake-up after the send %lu us; %lu spurious returns\n", ROUNDS,
           (unsigned long)(worst / 1000), (unsigned long)spurious);
    if (lost)
        return xtf_failure("%lu of %u polls slept to their timeout with the port sent "
                           "(last: round %u)", lost, ROUNDS, lost_round);
    return xtf_success();
}
