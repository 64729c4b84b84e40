/*
 * timer-virq: timers fire on time, as measured by the guest's own PV clock.
 *
 * The story. A PV kernel has no local APIC: its clock events are the hypervisor's timers,
 * delivered as VIRQ_TIMER on an event channel. set_timer_op and VCPUOP_set_singleshot_timer
 * arm a one-shot timer at an absolute system time; VCPUOP_set_periodic_timer a periodic one;
 * SCHEDOP_block waits for the next event, SCHEDOP_poll for a port or a timeout. Xen's rules,
 * which Linux depends on, include three surprises: every vCPU starts with a 10 ms periodic
 * timer; VCPU_SSHOTTMR_future is ignored (Xen 4.17.7: a past timeout fires at once instead of
 * failing with -ETIME); and set_timer_op with a timeout more than 2^50 ns ahead (old Linux's
 * wrapped jiffies) fires 100 ms later, while one in the past fires at once.
 *
 * The guest binds VIRQ_TIMER and, with events enabled, checks:
 *   0. with no timer set, the default periodic timer fires, never faster than every 10 ms
 *      (five events span 4 periods, of which the guest must see at least 3: delivery jitter),
 *      and VCPUOP_stop_periodic_timer stops it;
 *   1. set_timer_op(now + 10 ms) then SCHEDOP_block: block returns after the event, which
 *      arrived at or after the deadline (and within LATE_MS of it: TCG on a loaded host).
 *      Events are masked from before the timer is set until block unmasks them, as a kernel
 *      blocks: a host that holds the vCPU up for 10 ms would otherwise let the event be
 *      handled before the block, which then waits for ever;
 *   2. VCPUOP_set_singleshot_timer(now + 5 ms, future): fires on time; (now - 1 ms, future)
 *      succeeds and fires at once; timers 2 to 50 us ahead (within the slop a hypervisor may
 *      batch timers in) never fire before their deadline; another vCPU's singleshot timer
 *      is -EINVAL, an absent one's -ENOENT;
 *   3. set_timer_op(0) cancels an armed timer: a timer 20 ms ahead (80, 320 ms when tried
 *      again) cancelled before its deadline (as the guest's clock shows after the cancel returned) never fires - nothing
 *      in the 30 ms after that deadline;
 *   4. set_timer_op(1), a time long past, fires at once; set_timer_op(now + 2^51 ns) fires
 *      100 ms later (not before 90 ms);
 *   5. VCPUOP_set_periodic_timer: a period under 1 ms is -EINVAL; a 5 ms period fires, five
 *      events spanning at least 3 periods as seen, and VCPUOP_stop_periodic_timer stops it;
 *   6. SCHEDOP_poll on a port that never fires, with a timeout 10 ms ahead: returns 0 at or
 *      after the timeout.
 *
 * Timing-robust: a check never fails because the host was slow.  An event or a return that
 * comes too early is always a failure; one that comes more than LATE_MS late, or a cancel
 * that only returned after the deadline it cancels, may be the host holding QEMU up, so the
 * step is tried again, up to ATTEMPTS times (a hypervisor that is late every time still
 * fails).  A timer that should fire is waited for for seconds (WAIT_NS).
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "timers and VIRQ_TIMER on the PV clock";

/* How late an event may be: QEMU's TCG timers run in its main loop, which a loaded host can
 * hold up (seen: 45 ms on Xen and pvmm-hv alike; with 20 runnable threads on two cores, 280,
 * 686 and 827 ms in three tries in a row), so seconds, as every guest's timeouts. */
#define LATE_MS 1000
#define ATTEMPTS 3               /* tries of a step the host may have disturbed */
#define WAIT_NS 5000000000UL     /* how long an expected event is waited for */
#define AGAIN 1                  /* a step's result: disturbed, try again */

static unsigned int timer_port;
static volatile unsigned long timer_events;
static volatile uint64_t last_event_ns;

static void on_event(unsigned int port, const struct cpu_regs *regs)
{
    (void)regs;
    if (port == timer_port) {
        timer_events++;
        last_event_ns = pvclock_ns();
    }
}

/* Spin until a timer event arrives or `limit` ns pass; true if it arrived. */
static bool wait_event(unsigned long before, uint64_t limit)
{
    uint64_t end = pvclock_ns() + limit;

    while (timer_events == before && pvclock_ns() < end)
        ;
    return timer_events != before;
}

/* The last event against its deadline: 0 on time, a failure if early, AGAIN if late (on the
 * last attempt, a failure). */
static int check_on_time(const char *what, uint64_t deadline, uint64_t late_ms,
                         unsigned int attempt)
{
    uint64_t late;

    printk("  %s: deadline %lu, event at %lu (+%lu us)\n", what, (unsigned long)deadline,
           (unsigned long)last_event_ns, (unsigned long)(last_event_ns - deadline) / 1000);
    if (last_event_ns < deadline)
        return xtf_failure("%s: event %lu ns early", what,
                           (unsigned long)(deadline - last_event_ns));
    late = last_event_ns - deadline;
    if (late <= late_ms * 1000000UL)
        return 0;
    if (attempt + 1 < ATTEMPTS) {
        printk("  %s: %lu us late (the host held the guest up?): again\n", what,
               (unsigned long)late / 1000);
        return AGAIN;
    }
    return xtf_failure("%s: event %lu us late, %u times in a row", what,
                       (unsigned long)late / 1000, ATTEMPTS);
}

/* Run step(attempt) until it does not ask to be tried again; its last result. */
static int attempts(int (*step)(unsigned int attempt))
{
    int rc = AGAIN;

    for (unsigned int a = 0; a < ATTEMPTS && rc == AGAIN; a++)
        rc = step(a);
    return rc;
}

/* Four periods of a periodic timer: the events must not come early.  The guest sees them when
 * they are delivered, and TCG on a loaded host delivers some late, so a late first one can
 * shorten the span it measures: one period of slack (a timer at twice the rate still fails).
 * Lateness only lengthens the span: nothing here depends on the host's speed. */
static int check_period(const char *what, uint64_t period)
{
    uint64_t first, ns;
    unsigned int i;

    if (!wait_event(timer_events, WAIT_NS))
        return xtf_failure("%s: no event within %lu s", what, WAIT_NS / 1000000000UL);
    first = last_event_ns;
    for (i = 0; i < 4; i++)
        if (!wait_event(timer_events, WAIT_NS))
            return xtf_failure("%s: event %u did not come within %lu s", what, i + 2,
                               WAIT_NS / 1000000000UL);
    ns = last_event_ns - first;
    printk("  %s: 4 periods in %lu us\n", what, (unsigned long)ns / 1000);
    if (ns < 3 * period)
        return xtf_failure("%s: 4 periods of %lu ns took only %lu ns", what,
                           (unsigned long)period, (unsigned long)ns);
    return 0;
}

/* 1. set_timer_op + SCHEDOP_block, events masked in between (block unmasks them). */
static int step_block(unsigned int attempt)
{
    unsigned long before = timer_events;
    uint64_t deadline;
    long rc;

    events_mask();
    deadline = pvclock_ns() + 10000000UL;
    if ((rc = hypercall_set_timer_op(deadline)) != 0) {
        events_unmask();
        return xtf_failure("set_timer_op: %ld", rc);
    }
    rc = hypercall_sched_op(SCHEDOP_block, NULL);
    events_unmask();
    if (rc)
        return xtf_failure("SCHEDOP_block: %ld", rc);
    if (timer_events == before)
        return xtf_failure("SCHEDOP_block returned without the timer event");
    return check_on_time("set_timer_op + block", deadline, LATE_MS, attempt);
}

/* 2. A singleshot timer 5 ms ahead. */
static int step_singleshot(unsigned int attempt)
{
    unsigned long before = timer_events;
    uint64_t deadline = pvclock_ns() + 5000000UL;
    struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = deadline,
                                            .flags = VCPU_SSHOTTMR_future };
    long rc;

    if ((rc = hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss)) != 0)
        return xtf_failure("set_singleshot_timer: %ld", rc);
    if (!wait_event(before, WAIT_NS))
        return xtf_failure("singleshot timer did not fire");
    return check_on_time("singleshot", deadline, LATE_MS, attempt);
}

/* 2. A singleshot timer 1 ms in the past, VCPU_SSHOTTMR_future: accepted, fires at once. */
static int step_singleshot_past(unsigned int attempt)
{
    unsigned long before = timer_events;
    uint64_t deadline = pvclock_ns();
    struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = deadline - 1000000UL,
                                            .flags = VCPU_SSHOTTMR_future };
    long rc;

    if ((rc = hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss)) != 0)
        return xtf_failure("singleshot in the past with VCPU_SSHOTTMR_future: %ld, "
                           "expected 0 (the flag is ignored)", rc);
    if (!wait_event(before, WAIT_NS))
        return xtf_failure("singleshot in the past did not fire");
    return check_on_time("singleshot in the past", deadline, LATE_MS, attempt);
}

/* 2. Timers a few microseconds ahead (2 to 50 us, closer than a hypervisor's timer slop)
 * never fire before their deadline: a hypervisor may run them late together, never early. */
static int check_never_early(void)
{
    for (unsigned int i = 0; i < 25; i++) {
        unsigned long before = timer_events;
        uint64_t deadline = pvclock_ns() + 2000 + 2000 * i;

        hypercall_set_timer_op(deadline);
        if (!wait_event(before, WAIT_NS))
            return xtf_failure("a timer %u us ahead did not fire", 2 + 2 * i);
        if (last_event_ns < deadline)
            return xtf_failure("a timer %u us ahead fired %lu ns before its deadline", 2 + 2 * i,
                               (unsigned long)(deadline - last_event_ns));
    }
    printk("  25 timers 2 to 50 us ahead: none before its deadline\n");
    return 0;
}

/* 3. set_timer_op(0) cancels: a timer cancelled before its deadline never fires.  A cancel
 * that returned only after the deadline (the host held the guest up) proves nothing: the
 * timer may rightly have fired first, so that try is drained and made again, with a deadline
 * four times as far (20, 80, 320 ms). */
static int step_cancel(unsigned int attempt)
{
    unsigned long before = timer_events;
    uint64_t set = pvclock_ns(), deadline = set + (20000000UL << (2 * attempt)), cancelled;

    hypercall_set_timer_op(deadline);
    hypercall_set_timer_op(0);
    cancelled = pvclock_ns();
    if (cancelled >= deadline) {
        if (attempt + 1 == ATTEMPTS)
            return xtf_error("set_timer_op(0) returned after the deadline of the timer it "
                             "cancels, %u times in a row (the host is too slow)", ATTEMPTS);
        printk("  cancel: returned %lu us after the deadline: again\n",
               (unsigned long)(cancelled - deadline) / 1000);
        wait_event(timer_events, 30000000UL);
        return AGAIN;
    }
    while (pvclock_ns() < deadline + 30000000UL)
        if (timer_events != before)
            return xtf_failure("a timer cancelled %lu us before its deadline fired (%lu us "
                               "after it was set)",
                               (unsigned long)(deadline - cancelled) / 1000,
                               (unsigned long)(last_event_ns - set) / 1000);
    printk("  cancel: returned %lu us before the deadline, nothing fired\n",
           (unsigned long)(deadline - cancelled) / 1000);
    return 0;
}

/* 4. set_timer_op(1), a time long past, fires at once. */
static int step_past(unsigned int attempt)
{
    unsigned long before = timer_events;
    uint64_t deadline = pvclock_ns();

    hypercall_set_timer_op(1);
    if (!wait_event(before, WAIT_NS))
        return xtf_failure("set_timer_op(1) never fired");
    return check_on_time("set_timer_op(past)", deadline, LATE_MS, attempt);
}

/* 4. set_timer_op(now + 2^51 ns) fires 100 ms later (not before 90 ms: the guest's "now" is
 * read before the hypervisor's). */
static int step_wrapped(unsigned int attempt)
{
    unsigned long before = timer_events;
    uint64_t set = pvclock_ns();

    hypercall_set_timer_op(set + (1UL << 51));
    if (!wait_event(before, WAIT_NS))
        return xtf_failure("set_timer_op(now + 2^51 ns) did not fire within %lu s",
                           WAIT_NS / 1000000000UL);
    return check_on_time("set_timer_op(now + 2^51 ns), 90 ms after", set + 90000000UL,
                         10 + LATE_MS, attempt);
}

/* 6. SCHEDOP_poll on a port that never fires, with a timeout 10 ms ahead. */
static unsigned int quiet_port;

static int step_poll(unsigned int attempt)
{
    uint64_t deadline = pvclock_ns() + 10000000UL;
    struct sched_poll poll = { .ports = (uint64_t)(uintptr_t)&quiet_port, .nr_ports = 1,
                               .timeout = deadline };
    long rc;

    events_mask();
    rc = hypercall_sched_op(SCHEDOP_poll, &poll);
    last_event_ns = pvclock_ns();
    events_unmask();
    if (rc)
        return xtf_failure("SCHEDOP_poll with timeout: %ld", rc);
    return check_on_time("poll timeout", deadline, LATE_MS, attempt);
}

int test_main(void)
{
    struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = 1 };
    struct vcpu_set_periodic_timer per;
    unsigned long before;
    long rc, expect;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);
    if ((rc = evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port)) != 0)
        return xtf_error("bind_virq(VIRQ_TIMER): %ld", rc);
    event_handler = on_event;
    events_unmask();
    if (check_period("default periodic timer", 10000000UL))
        return 0;
    if ((rc = hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL)) != 0)
        return xtf_failure("stop_periodic_timer: %ld", rc);

    if (attempts(step_block) || attempts(step_singleshot) || attempts(step_singleshot_past) ||
        check_never_early())
        return 0;
    /* Only the caller's own singleshot timer can be set: another vCPU's is -EINVAL, one the
     * domain does not have -ENOENT (vCPU 1 exists when the machine has two CPUs). */
    expect = hypercall_vcpu_op(VCPUOP_is_up, 1, NULL) == -XEN_ENOENT ? -XEN_ENOENT : -XEN_EINVAL;
    if ((rc = hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 1, &ss)) != expect)
        return xtf_failure("singleshot on vCPU 1: %ld, expected %ld", rc, expect);
    if ((rc = hypercall_vcpu_op(VCPUOP_set_singleshot_timer, 4096, &ss)) != -XEN_ENOENT)
        return xtf_failure("singleshot on vCPU 4096: %ld, expected -ENOENT", rc);
    if (attempts(step_cancel) || attempts(step_past) || attempts(step_wrapped))
        return 0;

    /* 5. Periodic timer. */
    per.period_ns = 999999;
    if ((rc = hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &per)) != -XEN_EINVAL)
        return xtf_failure("periodic timer of 999999 ns: %ld, expected -EINVAL", rc);
    per.period_ns = 5000000UL;
    if ((rc = hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &per)) != 0)
        return xtf_failure("periodic timer of 5 ms: %ld", rc);
    if (check_period("periodic 5 ms", 5000000UL))
        return 0;
    if ((rc = hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL)) != 0)
        return xtf_failure("stop_periodic_timer: %ld", rc);
    before = timer_events;
    if (wait_event(before, 20000000UL))
        return xtf_failure("the periodic timer still fires after stop_periodic_timer");

    if ((rc = evtchn_bind_ipi(0, &quiet_port)) != 0)
        return xtf_error("bind_ipi: %ld", rc);
    if (attempts(step_poll))
        return 0;
    return xtf_success();
}
