/*
 * domu-destroy-while-sending: dom0 destroys a domU on the FIFO event-channel ABI while
 * another of its vCPUs keeps sending to it.
 *
 * The story. A backend in one domain notifies its frontend in another over an interdomain
 * event channel, on its own CPU, while the toolstack destroys the frontend's domain. The
 * destruction closes the domain's ports and gives back its FIFO control block and event
 * array; an event already on its way into that domain's queues must finish before, and
 * every later one must find the channel unbound, never a frame that is being given back.
 *
 * dom0 runs with 2 vCPUs on 2 CPUs (hv-run --smp 2, xen-run --smp 2).  It builds
 * guests/domu/fifo-sink with one channel, unpauses it and waits for its notification (the
 * domU is on FIFO then).  vCPU 1 sends on dom0's end in a loop.  vCPU 0 waits until vCPU 1
 * has sent a while, pauses the domU and destroys it (0), then lets vCPU 1 send as many times
 * again.  Every send returns 0 (the channel interdomain, then unbound), the channel is
 * unbound after the destroy (EVTCHNOP_status) and closes with 0.  Whether a send lands
 * before, during or after the destruction is left to chance.  Then a second fifo-sink
 * crashes right after its notification and is destroyed: the CPU it ran on may still hold
 * its state (and page tables) lazily, and the run goes on after (a hypervisor that frees
 * them under that CPU's CR3 faults when the CPU is next called).
 */
#include "guest.h"
#include "domu-builder.h"
#include "domu-console.h"
#include "toolstack.h"
#include "vcpus.h"
#include <xen/sched.h>

const char test_title[] = "a domU on FIFO destroyed while dom0 sends to it from another CPU";

#define DOMU_PAGES 1280
#define WAIT_NS    10000000000ULL
#define SENDS      2000

extern const char _binary_domu_fifo_sink_elf_start[], _binary_domu_fifo_sink_elf_end[];

static xen_pfn_t p2m[DOMU_PAGES];
static struct domu_console con;
static volatile unsigned int quit, stopped, port;
static volatile unsigned long sent, bad;
static volatile long bad_rc;

static void sender(void *arg)
{
    (void)arg;
    vcpu_info_of(1)->evtchn_upcall_mask = 1;
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL);
    while (!quit) {
        long rc = evtchn_send(port);

        if (rc)
            bad_rc = rc, bad++;
        __atomic_fetch_add(&sent, 1, __ATOMIC_SEQ_CST);
    }
    stopped = 1;
    vcpu_down_self(1);
}

/* Wait (at most WAIT_NS) until *v >= want. */
static bool wait_for(volatile unsigned long *v, unsigned long want)
{
    uint64_t end = pvclock_ns() + WAIT_NS;

    while (*v < want)
        if (pvclock_ns() > end)
            return false;
    return true;
}

/* Build fifo-sink (crashing right after its notification if `crash`), unpause it and wait
 * for its notification. */
static int build(struct domu *u, unsigned int crash)
{
    size_t len = (size_t)(_binary_domu_fifo_sink_elf_end - _binary_domu_fifo_sink_elf_start);
    const char *why = "";
    uint32_t domu_port, our_port;
    char cmdline[32];
    uint64_t end;
    long rc;

    if ((rc = domu_create(DOMU_PAGES, DOMU_RINGS, u, &why)) != 0)
        return xtf_failure("creating the domU: %ld (%s)", rc, why);
    rc = domu_channel(u, &domu_port, &our_port, &why);
    if (!rc) {
        snprintf(cmdline, sizeof(cmdline), "port=%u crash=%u", domu_port, crash);
        rc = domu_load(u, _binary_domu_fifo_sink_elf_start, len, cmdline, p2m, &why);
    }
    if (rc) {
        domu_destroy(u);
        return xtf_failure("building the domU: %ld (%s)", rc, why);
    }
    port = our_port;
    port_clear(port);
    if (domu_console_open(&con, u)) {
        domu_destroy(u);
        return xtf_error("opening the domU's console");
    }
    XTF_EXPECT_RC(domctl_simple(XEN_DOMCTL_unpausedomain, u->domid), 0, "unpause");
    end = pvclock_ns() + WAIT_NS;
    while (!port_pending(port)) {
        domu_console_poll(&con);
        if (pvclock_ns() > end) {
            domu_destroy(u);
            return xtf_failure("the domU did not notify in 10 s (its FIFO setup failed?)");
        }
    }
    domu_console_poll(&con);
    printk("domain %u is on FIFO (its port %u, ours %u)\n", u->domid, domu_port, port);
    return 0;
}

static int race(struct domu *u)
{
    struct evtchn_status st = { .dom = DOMID_SELF };
    unsigned long before;
    long rc;

    if (!wait_for(&sent, SENDS))
        return xtf_error("vCPU 1 did not send %u times in 10 s", SENDS);
    XTF_EXPECT_RC(domctl_simple(XEN_DOMCTL_pausedomain, u->domid), 0, "pause");
    rc = domctl_destroy(u->domid);
    before = sent;
    if (rc)
        return xtf_failure("destroydomain while sending: %ld", rc);
    if (!wait_for(&sent, before + SENDS))
        return xtf_error("vCPU 1 did not send %u more times in 10 s", SENDS);
    st.port = port;
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_status, &st), 0, "status");
    if (st.status != EVTCHNSTAT_unbound)
        return xtf_failure("our end after the destroy: status %u, expected unbound",
                           st.status);
    return 0;
}

/* A domU that crashed on its CPU (which may keep its state loaded while idle) is destroyed
 * from this one; the machine goes on (the CPUs are called again at the end of the run). */
static int crashed_domain(void)
{
    struct domu u;
    int ret, code;

    if ((ret = build(&u, 1)) != 0)
        return ret;
    code = domu_wait_shutdown(&u, domu_console_poll, &con);
    domu_console_close(&con);
    if (code != SHUTDOWN_crash) {
        domu_destroy(&u);
        return xtf_failure("the crashing domU: shutdown code %d, expected crash", code);
    }
    XTF_EXPECT_RC(domu_destroy(&u), 0, "destroy the crashed domU");
    printk("the crashed domain %u destroyed\n", u.domid);
    return xtf_success();
}

int test_main(void)
{
    struct domu u;
    uint64_t end;
    int ret;
    long rc;

    if (events_init())
        return xtf_error("events_init failed");
    events_mask();
    if ((ret = build(&u, 0)) != 0)
        return ret;
    rc = vcpu_start(1, sender, NULL);
    if (rc) {
        domu_destroy(&u);
        return xtf_error("cannot start vCPU 1 (%ld): needs 2 vCPUs, run with --smp 2", rc);
    }
    ret = race(&u);
    domu_console_close(&con);
    quit = 1;
    end = pvclock_ns() + WAIT_NS;
    while (!stopped)
        if (pvclock_ns() > end)
            return xtf_error("vCPU 1 did not stop in 10 s");
    printk("vCPU 1 sent %lu times, %lu not 0 (last %ld)\n", sent, bad, bad_rc);
    if (ret)
        return ret;
    if (bad)
        return xtf_failure("%lu sends did not return 0 (last %ld)", bad, bad_rc);
    XTF_EXPECT_RC(evtchn_close(port), 0, "close our end");
    return crashed_domain();
}
