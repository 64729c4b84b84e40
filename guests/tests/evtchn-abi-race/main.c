/*
 * evtchn-abi-race: the event-channel ABI changes under a stream of events from another CPU -
 * init_control (the switch to FIFO), expand_array and EVTCHNOP_reset (the switch back, which
 * gives the control blocks and array pages back) while vCPU 1 sends, unmasks and takes
 * timer VIRQs on the ports being bound and closed.
 *
 * The story. A kernel resets its event channels when it kexecs or resumes, and sets up the
 * FIFO ABI while other vCPUs already run; a toolstack resets a guest's channels while
 * backends send to it. The hypervisor must not let an event that is on its way into a
 * FIFO queue on one CPU write into a control block or an event-array page that another CPU
 * is giving back to the guest (the guest may reuse that frame for anything, even give it to
 * another domain), nor follow a port binding that another CPU is tearing down.
 *
 * The guest runs with 2 vCPUs on 2 CPUs (hv-run --smp 2, xen-run --smp 2), events masked on
 * both (nothing is consumed during the race).  vCPU 1 loops until told to stop: for ports
 * 1-8, EVTCHNOP_send (0 while the port is bound, -EINVAL while it is free: nothing else) and
 * EVTCHNOP_unmask (always 0: the ports are valid); its periodic timer ticks every 1 ms.
 * vCPU 0 runs ROUNDS rounds of: bind an IPI to vCPU 1 and one to vCPU 0, an unbound port
 * bound to itself (a loopback interdomain pair), VIRQ_TIMER on vCPU 1; init_control for
 * both vCPUs; expand_array with PAGES pages; a priority; EVTCHNOP_reset (0).  After each
 * reset it zeroes the frames it got back, waits until vCPU 1 has been round its loop twice
 * more, and checks that nothing wrote into them.  Whether an event lands before, during or
 * after each switch is left to chance: every interleaving must give the same verdict.
 *
 * Then, on one vCPU (deterministic): a port that was the tail of a queue, consumed by the
 * guest, closed and allocated again is linked as the head of an empty queue when it is
 * sent (not to itself), and the domain is back on 2-level after the last reset.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"
#include "vcpus.h"

const char test_title[] = "event channels: ABI switches and reset against sends from another CPU";

#define ROUNDS      150
#define PAGES       2
#define SEND_PORTS  8
#define WAIT_NS     10000000000ULL      /* vCPU 1 not round its loop for 10 s: ERROR */

#define W_PENDING (1U << EVTCHN_FIFO_PENDING)
#define W_LINKED  (1U << EVTCHN_FIFO_LINKED)

static volatile unsigned int quit, stopped;
static volatile unsigned long loops, sent_ok, sent_free, bad;
static volatile long bad_rc;
static volatile unsigned int bad_port, bad_what;

static void *cb_page[2], *array_page[PAGES];

static long op(int cmd, void *arg)
{
    return hypercall_event_channel_op(cmd, arg);
}

/* vCPU 1: sends and unmasks on ports 1-8 until told to stop. */
static void sender(void *arg)
{
    struct vcpu_set_periodic_timer pt = { .period_ns = 1000000 };

    (void)arg;
    vcpu_info_of(1)->evtchn_upcall_mask = 1;
    if (hypercall_vcpu_op(VCPUOP_set_periodic_timer, 1, &pt))
        bad_what = 3, bad++;
    while (!quit) {
        for (unsigned int p = 1; p <= SEND_PORTS; p++) {
            long rc = evtchn_send(p);

            if (rc == 0)
                sent_ok++;
            else if (rc == -XEN_EINVAL)
                sent_free++;
            else
                bad_rc = rc, bad_port = p, bad_what = 1, bad++;
            rc = evtchn_unmask(p);
            if (rc)
                bad_rc = rc, bad_port = p, bad_what = 2, bad++;
        }
        __atomic_fetch_add(&loops, 1, __ATOMIC_SEQ_CST);
    }
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL);
    stopped = 1;
    vcpu_down_self(1);
}

static long init_control(void *page, unsigned int vcpu)
{
    struct evtchn_init_control ic = { .control_gfn = virt_to_mfn(page), .vcpu = vcpu };
    return op(EVTCHNOP_init_control, &ic);
}

static long expand(void *page)
{
    struct evtchn_expand_array ea = { .array_gfn = virt_to_mfn(page) };
    return op(EVTCHNOP_expand_array, &ea);
}

static long reset_self(void)
{
    struct evtchn_reset rs = { .dom = DOMID_SELF };
    return op(EVTCHNOP_reset, &rs);
}

static void zero_frames(void)
{
    for (unsigned int i = 0; i < 2; i++)
        memset(cb_page[i], 0, PAGE_SIZE);
    for (unsigned int i = 0; i < PAGES; i++)
        memset(array_page[i], 0, PAGE_SIZE);
}

/* The first word of the frames given back that is not zero, or NULL. */
static const volatile uint32_t *written_frame_word(void)
{
    void *all[2 + PAGES] = { cb_page[0], cb_page[1] };

    for (unsigned int i = 0; i < PAGES; i++)
        all[2 + i] = array_page[i];
    for (unsigned int i = 0; i < 2 + PAGES; i++)
        for (unsigned int w = 0; w < PAGE_SIZE / 4; w++)
            if (((volatile uint32_t *)all[i])[w])
                return &((volatile uint32_t *)all[i])[w];
    return NULL;
}

/* Wait (at most WAIT_NS) until vCPU 1 has gone round its loop `n` more times. */
static bool sender_loops(unsigned long n)
{
    unsigned long want = loops + n + 1;     /* + 1: the loop it is in may be half done */
    uint64_t end = pvclock_ns() + WAIT_NS;

    while (loops < want)
        if (pvclock_ns() > end)
            return false;
    return true;
}

/* One round of bindings, the switch to FIFO, and the reset back. */
static int round(unsigned int r)
{
    struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF };
    unsigned int a, b, c, t;
    const volatile uint32_t *w;

    zero_frames();
    XTF_EXPECT_RC(evtchn_bind_ipi(1, &a), 0, "bind_ipi(vCPU 1)");
    XTF_EXPECT_RC(evtchn_bind_ipi(0, &b), 0, "bind_ipi(vCPU 0)");
    XTF_EXPECT_RC(evtchn_alloc_unbound(DOMID_SELF, &c), 0, "alloc_unbound(self)");
    bi.remote_port = c;
    XTF_EXPECT_RC(op(EVTCHNOP_bind_interdomain, &bi), 0, "bind_interdomain(self)");
    XTF_EXPECT_RC(evtchn_bind_virq(VIRQ_TIMER, 1, &t), 0, "bind_virq(TIMER, vCPU 1)");
    XTF_EXPECT_RC(init_control(cb_page[r & 1], 0), 0, "init_control(vCPU 0)");
    XTF_EXPECT_RC(init_control(cb_page[!(r & 1)], 1), 0, "init_control(vCPU 1)");
    for (unsigned int i = 0; i < PAGES; i++)
        XTF_EXPECT_RC(expand(array_page[i]), 0, "expand_array");
    struct evtchn_set_priority sp = { .port = a, .priority = r % 16 };
    XTF_EXPECT_RC(op(EVTCHNOP_set_priority, &sp), 0, "set_priority");
    XTF_EXPECT_RC(reset_self(), 0, "reset");
    zero_frames();
    if (!sender_loops(2))
        return xtf_error("round %u: vCPU 1 did not go round its loop in 10 s", r);
    if ((w = written_frame_word()) != NULL)
        return xtf_failure("round %u: a frame given back by EVTCHNOP_reset was written "
                           "afterwards (%#x)", r, *w);
    return 0;
}

/* A port that was a queue's tail, consumed, closed and allocated again is a new head.  The
 * race may have left ports 1-8 with events that arrive with the event array (Xen 4.17 even
 * links free ones then), so the port used here is above them, on a queue of its own. */
static int check_reused_tail(void)
{
    volatile struct evtchn_fifo_control_block *cb = cb_page[0];
    volatile event_word_t *words = array_page[0];
    struct evtchn_set_priority sp = { .priority = 3 };
    unsigned int p, q, filler;

    zero_frames();
    XTF_EXPECT_RC(init_control(cb_page[0], 0), 0, "init_control(vCPU 0)");
    XTF_EXPECT_RC(expand(array_page[0]), 0, "expand_array");
    do
        XTF_EXPECT_RC(evtchn_alloc_unbound(DOMID_SELF, &filler), 0, "alloc_unbound");
    while (filler < SEND_PORTS);
    XTF_EXPECT_RC(evtchn_bind_ipi(0, &p), 0, "bind_ipi");
    sp.port = p;
    XTF_EXPECT_RC(op(EVTCHNOP_set_priority, &sp), 0, "set_priority(3)");
    XTF_EXPECT_RC(evtchn_send(p), 0, "send");
    if (words[p] != (W_PENDING | W_LINKED) || cb->head[3] != p || !(cb->ready & 1U << 3))
        return xtf_failure("first send of port %u: word %#x HEAD3 %u READY %#x", p, words[p],
                           cb->head[3], cb->ready);
    /* Consume it as a guest does: unlink, clear PENDING and READY. */
    __atomic_fetch_and(&words[p], ~(W_LINKED | W_PENDING | EVTCHN_FIFO_LINK_MASK),
                       __ATOMIC_SEQ_CST);
    __atomic_fetch_and(&cb->ready, ~(1U << 3), __ATOMIC_SEQ_CST);
    XTF_EXPECT_RC(evtchn_close(p), 0, "close");
    XTF_EXPECT_RC(evtchn_bind_ipi(0, &q), 0, "bind_ipi again");
    if (q != p)
        return xtf_failure("the port freed and unlinked was not given again (%u, not %u)",
                           q, p);
    sp.port = q;
    XTF_EXPECT_RC(op(EVTCHNOP_set_priority, &sp), 0, "set_priority(3) again");
    XTF_EXPECT_RC(evtchn_send(q), 0, "send again");
    if (words[q] != (W_PENDING | W_LINKED) || cb->head[3] != q || !(cb->ready & 1U << 3))
        return xtf_failure("send after the port was reused: word %#x (LINK %u) HEAD3 %u "
                           "READY %#x; expected %#x, HEAD3 %u, READY bit 3", words[q],
                           words[q] & EVTCHN_FIFO_LINK_MASK, cb->head[3], cb->ready,
                           W_PENDING | W_LINKED, q);
    XTF_EXPECT_RC(reset_self(), 0, "reset");
    XTF_EXPECT_RC(expand(array_page[1]), -XEN_EOPNOTSUPP, "expand_array after reset");
    return 0;
}

int test_main(void)
{
    uint64_t end;
    long rc;
    int ret;

    if (events_init())
        return xtf_error("events_init failed");
    events_mask();
    for (unsigned int i = 0; i < 2; i++)
        cb_page[i] = alloc_page();
    for (unsigned int i = 0; i < PAGES; i++)
        array_page[i] = alloc_page();
    rc = vcpu_start(1, sender, NULL);
    if (rc)
        return xtf_error("cannot start vCPU 1 (%ld): needs 2 vCPUs, run with --smp 2", rc);
    if (!sender_loops(1))
        return xtf_error("vCPU 1 did not start its loop in 10 s");
    for (unsigned int r = 0; r < ROUNDS; r++)
        if ((ret = round(r)) != 0) {
            quit = 1;
            return ret;
        }
    quit = 1;
    end = pvclock_ns() + WAIT_NS;
    while (!stopped)
        if (pvclock_ns() > end)
            return xtf_error("vCPU 1 did not stop in 10 s");
    printk("%u rounds; vCPU 1: %lu loops, %lu sends to a bound port, %lu to a free one\n",
           ROUNDS, loops, sent_ok, sent_free);
    if (bad)
        return xtf_failure("vCPU 1: %lu unexpected results (last: %s port %u: %ld)", bad,
                           bad_what == 1 ? "send" : bad_what == 2 ? "unmask" : "timer",
                           bad_port, bad_rc);
    if ((ret = check_reused_tail()) != 0)
        return ret;
    return xtf_success();
}
