/*
 * evtchn-ipi: events between two vCPUs - IPIs, a loopback pair moved with bind_vcpu, a
 * per-vCPU VIRQ_TIMER - each delivered as an upcall on the vCPU it is bound to, waking it
 * from SCHEDOP_block.
 *
 * The story. An SMP PV kernel sends its cross-CPU calls and reschedule requests as IPI event
 * channels bound to the target vCPU, moves interdomain channels between vCPUs with
 * EVTCHNOP_bind_vcpu (irq balancing), and gets one VIRQ_TIMER per vCPU. An event must raise
 * the upcall of the vCPU the port is bound to - its own vcpu_info, its own event callback -
 * and wake that vCPU if it is blocked, whatever the sending vCPU does meanwhile.
 *
 * The guest runs with 2 vCPUs (hv-run --hv-args dom0_max_vcpus=2, xen-run --smp 2) and checks:
 *   1. binding: bind_ipi to vCPU 2 -ENOENT; bind_vcpu of an IPI port -EINVAL, to vCPU 2
 *      -ENOENT; an unbound port moved to vCPU 1 (0) and bound to itself (bind_interdomain);
 *      EVTCHNOP_status names vCPU 1 for it;
 *   2. vCPU 1 (its own event callback) blocks; vCPU 0 sends the IPI bound to vCPU 1: the
 *      upcall arrives on vCPU 1 only, vCPU 1 answers with the IPI bound to vCPU 0, which
 *      wakes vCPU 0 from its own SCHEDOP_block;
 *   3. the same through the loopback pair: sending on the local end raises the port moved
 *      to vCPU 1, on vCPU 1;
 *   4. VIRQ_TIMER bound on vCPU 1: vCPU 1 sets its own singleshot timer 5 ms ahead and
 *      blocks; the timer event arrives on vCPU 1, not before the deadline;
 *   5. vCPU 1's runstate shows time blocked (after more timer rounds if an event woke it
 *      every time before it had left its CPU).
 * The two vCPUs may run on two CPUs at once (tests/hv/test-smp.sh runs it with --smp 2), so
 * each waits the way a kernel idles (block_while) and vCPU 1 answers every event it counted,
 * however the events interleave with its answers.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "event channels between two vCPUs";

enum { CMD_NONE, CMD_TIMER, CMD_QUIT };

static unsigned int p0, p1, u, l, t1;
static volatile unsigned long got[2][3];     /* [vcpu][0: IPI, 1: loopback, 2: timer] */
static volatile unsigned long other;         /* events on a port or vCPU not expected */
static volatile int cmd, ready;
static volatile uint64_t timer_set, timer_seen;

static void on_event(unsigned int vcpu, unsigned int port, const struct cpu_regs *regs)
{
    (void)regs;
    if (vcpu > 1)
        other++;
    else if (port == (vcpu ? p1 : p0))
        got[vcpu][0]++;
    else if (vcpu == 1 && port == u)
        got[1][1]++;
    else if (vcpu == 1 && port == t1)
        got[1][2]++;
    else if (port != t1)        /* vCPU 0's periodic timer is not bound: anything else */
        other++;
}

/* vCPU 1's IPI and loopback events (its timer may also tick once before it stops it). */
static unsigned long total1(void)
{
    return got[1][0] + got[1][1];
}

/*
 * Block vCPU `vcpu` while *count == val, the way a PV kernel idles: events masked, look,
 * then SCHEDOP_block, which unmasks and sleeps only while nothing is pending.  An event
 * whose upcall would land between the look and the block stays pending instead, so the
 * block returns at once.  Returns with events unmasked.
 */
static void block_while(unsigned int vcpu, unsigned long (*count)(void), unsigned long val)
{
    volatile struct vcpu_info *vi = vcpu ? vcpu_info_of(vcpu) : vcpu0_info();

    for (;;) {
        vi->evtchn_upcall_mask = 1;
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (count() != val)
            break;
        hypercall_sched_op(SCHEDOP_block, NULL);  /* unmasks; the upcall comes on the way out */
    }
    vi->evtchn_upcall_mask = 0;
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static unsigned long timer1(void)
{
    return got[1][2];
}

static unsigned long ipis0(void)
{
    return got[0][0];
}

/*
 * vCPU 1: answer each IPI or loopback event once on p0 (for the timer command: once its
 * timer fired).  It counts the events it answered, not the ones it saw before blocking: an
 * event may arrive while it answers the previous one (vCPU 0 runs on another CPU).
 */
static void secondary(void *arg)
{
    unsigned long answered = 0;

    (void)arg;
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL);
    ready = 1;
    for (;;) {
        block_while(1, total1, answered);
        answered++;
        if (cmd == CMD_QUIT)
            break;
        if (cmd == CMD_TIMER) {
            unsigned long before = got[1][2];
            timer_set = pvclock_ns() + 5000000;
            hypercall_set_timer_op(timer_set);
            block_while(1, timer1, before);
            timer_seen = pvclock_ns();
            cmd = CMD_NONE;
        }
        evtchn_send(p0);
    }
    vcpu_down_self(1);
}

/*
 * vCPU 0: block until vCPU 0's IPI count reaches n (a lost wake-up hangs: TIMEOUT).  The
 * count is read once for the test and the block: read twice, an upcall between the reads
 * would make the block wait for a change that already happened.
 */
static bool wait_p0(unsigned long n)
{
    unsigned long seen;

    while ((seen = got[0][0]) < n)
        block_while(0, ipis0, seen);
    return got[0][0] == n;
}

static int bindings(void)
{
    struct evtchn_bind_vcpu bv;
    struct evtchn_bind_interdomain bi;
    struct evtchn_status st = { .dom = DOMID_SELF };
    unsigned int bad;

    if (evtchn_bind_ipi(0, &p0) || evtchn_bind_ipi(1, &p1) ||
        evtchn_bind_virq(VIRQ_TIMER, 1, &t1) || evtchn_alloc_unbound(DOMID_SELF, &u))
        return xtf_error("binding the ports failed");
    XTF_EXPECT_RC(evtchn_bind_ipi(2, &bad), -XEN_ENOENT, "bind_ipi to vCPU 2");
    bv = (struct evtchn_bind_vcpu){ .port = p0, .vcpu = 1 };
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &bv), -XEN_EINVAL,
                  "bind_vcpu of an IPI port");
    bv = (struct evtchn_bind_vcpu){ .port = u, .vcpu = 2 };
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &bv), -XEN_ENOENT,
                  "bind_vcpu to vCPU 2");
    bv = (struct evtchn_bind_vcpu){ .port = u, .vcpu = 1 };
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_bind_vcpu, &bv), 0, "bind_vcpu to 1");
    bi = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = u };
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &bi), 0,
                  "bind_interdomain to self");
    l = bi.local_port;
    st.port = u;
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_status, &st), 0, "status");
    if (st.vcpu != 1)
        return xtf_failure("status of the moved port: vCPU %u", st.vcpu);
    /* bind_interdomain marks the new local end pending: consume it before starting. */
    port_clear(l);
    port_clear(u);
    return 0;
}

int test_main(void)
{
    struct vcpu_runstate_info ri;
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);
    event_handler_vcpu = on_event;
    rc = hypercall_vcpu_op(VCPUOP_is_up, 1, NULL);
    if (rc == -XEN_ENOENT)
        return xtf_error("dom0 has one vCPU: run with 2 (hv-run-args, xen-run-args)");
    if (bindings())
        return xtf_status();
    events_unmask();

    if ((rc = vcpu_start(1, secondary, NULL)) != 0)
        return xtf_error("starting vCPU 1: %ld", rc);
    for (uint64_t end = pvclock_ns() + 2000000000ULL; !ready && pvclock_ns() < end;)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    if (!ready)
        return xtf_failure("vCPU 1 did not start");

    /* 2. */
    XTF_EXPECT_RC(evtchn_send(p1), 0, "send to vCPU 1's IPI");
    if (!wait_p0(1))
        return xtf_failure("no answer from vCPU 1 (IPIs seen on vCPU 1: %lu)", got[1][0]);
    if (got[1][0] != 1 || got[0][0] != 1)
        return xtf_failure("IPI counts: vCPU 1 %lu, vCPU 0 %lu", got[1][0], got[0][0]);

    /* 3. */
    XTF_EXPECT_RC(evtchn_send(l), 0, "send on the loopback's local end");
    if (!wait_p0(2) || got[1][1] != 1)
        return xtf_failure("loopback event on vCPU 1: %lu", got[1][1]);

    /* 4. */
    cmd = CMD_TIMER;
    XTF_EXPECT_RC(evtchn_send(p1), 0, "send the timer command");
    if (!wait_p0(3) || got[1][2] == 0)
        return xtf_failure("vCPU 1's VIRQ_TIMER did not arrive");
    if (timer_seen < timer_set)
        return xtf_failure("vCPU 1's timer fired %lu ns early",
                           (unsigned long)(timer_set - timer_seen));
    if (other)
        return xtf_failure("%lu events on the wrong vCPU or port", other);

    /*
     * 5.  A block only counts as blocked time once the vCPU has left its CPU: an event that
     * arrives before that (a host that stalls QEMU's thread past the 5 ms timer) wakes it
     * still running, on Xen too.  So repeat the timer round until vCPU 1 has been accounted
     * blocked; twenty rounds that all miss mean the accounting is broken.
     */
    for (unsigned long n = 3;; n++) {
        XTF_EXPECT_RC(hypercall_vcpu_op(VCPUOP_get_runstate_info, 1, &ri), 0, "runstate(1)");
        if (ri.time[RUNSTATE_blocked] != 0)
            break;
        if (n == 3 + 20)
            return xtf_failure("vCPU 1 was never accounted blocked in 21 timer rounds");
        cmd = CMD_TIMER;
        XTF_EXPECT_RC(evtchn_send(p1), 0, "send the timer command again");
        if (!wait_p0(n + 1))
            return xtf_failure("no answer to timer round %lu", n - 2);
    }
    cmd = CMD_QUIT;
    evtchn_send(p1);
    return xtf_success();
}
