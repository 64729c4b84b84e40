/*
 * evtchn-fifo: the FIFO event-channel ABI - the switch from 2-level, the event array,
 * per-priority queues consumed in priority order, masking, busy ports, limits and errors.
 *
 * The story. With the FIFO ABI each port has a 32-bit event word in pages the guest hands
 * over (EVTCHNOP_expand_array, 1024 words a page): PENDING, MASKED, LINKED, BUSY and a
 * 17-bit LINK to the next port of its queue. Each vCPU has a control block
 * (EVTCHNOP_init_control) with a READY bit and a HEAD per priority (0 highest). An event
 * sets PENDING and, if the port is neither masked nor already linked, appends it to its
 * queue: the old tail's LINK when that tail is still linked, else HEAD and the READY bit,
 * whose first setting raises the upcall. The guest consumes queue by queue, highest
 * priority first, unlinking each word. The first init_control switches the domain from
 * 2-level (a port pending there is raised when its event word arrives); EVTCHNOP_reset
 * switches back. Guest input never reaches an assertion: each bad argument gets Xen's error.
 *
 * The guest checks (numbers and codes measured on Xen 4.17):
 *   1. 2-level first: an unmask of a free port leaves its mask bit set; port A is made
 *      pending while masked. Bad control blocks leave the domain 2-level: vCPU 1 -ENOENT,
 *      offset 4 or past the page minus 72 bytes -EINVAL, the L4 or a frame past RAM
 *      -EINVAL, and expand_array is still -EOPNOTSUPP;
 *   2. init_control at offset 64 of a page: 0, link_bits 17, no upcall raised; a second one
 *      for vCPU 0 -EINVAL;
 *   3. port B sent before any array page: nothing visible; expand_array with a frame past
 *      RAM or the L4 -EINVAL, with a zeroed page 0: A (pending from 2-level) and B are
 *      linked on the priority-7 queue in port order (HEAD A, A's LINK B), READY bit 7 and
 *      upcall_pending set;
 *   4. four ports at priorities 3, 12, 3, 0 sent in the order 12, 3, 3, 0: READY bits 0, 3
 *      and 12, the two priority-3 ports linked in send order, consumed as 0, 3, 3, 12;
 *   5. a port masked in its word and sent is PENDING|MASKED and on no queue; EVTCHNOP_unmask
 *      links it; a closed port still linked is busy: the next allocation skips it, and gets
 *      it once the guest has unlinked it;
 *   6. set_priority: priority 16 -EINVAL, a free port or port 0 -EACCES, a port past the
 *      valid ones -EINVAL;
 *   7. FIFO lifts 2-level's 4096-port limit: 4200 more ports are allocated; an IPI port above
 *      4096 sent before its array page exists is raised when the fifth page arrives; the
 *      array takes 128 pages, the 129th is -ENOSPC;
 *   8. clearing evtchn_upcall_mask delivers the pending upcall;
 *   9. EVTCHNOP_reset: back to 2-level (set_priority -ENOSYS, expand_array -EOPNOTSUPP), and
 *      a new init_control for vCPU 0 succeeds.
 */
#include <xen/sched.h>
#include <xen/version.h>

#include "guest.h"

const char test_title[] = "event channels: the FIFO ABI";

#define W_PENDING (1U << EVTCHN_FIFO_PENDING)
#define W_MASKED  (1U << EVTCHN_FIFO_MASKED)
#define W_LINKED  (1U << EVTCHN_FIFO_LINKED)

static volatile struct evtchn_fifo_control_block *cb;
static volatile event_word_t *words;          /* the first array page: ports 0-1023 */
static volatile event_word_t *pages[EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES];
static unsigned int nr_pages;
static uint32_t local_head[EVTCHN_FIFO_MAX_QUEUES];

static long op(int cmd, void *arg)
{
    return hypercall_event_channel_op(cmd, arg);
}

static long expand(unsigned long gfn)
{
    struct evtchn_expand_array ea = { .array_gfn = gfn };
    return op(EVTCHNOP_expand_array, &ea);
}

static long set_priority(unsigned int port, unsigned int priority)
{
    struct evtchn_set_priority sp = { .port = port, .priority = priority };
    return op(EVTCHNOP_set_priority, &sp);
}

static long init_control(unsigned long gfn, unsigned int offset, unsigned int vcpu,
                         unsigned int *link_bits)
{
    struct evtchn_init_control ic = { .control_gfn = gfn, .offset = offset, .vcpu = vcpu };
    long rc = op(EVTCHNOP_init_control, &ic);

    if (link_bits)
        *link_bits = ic.link_bits;
    return rc;
}

static volatile event_word_t *word(unsigned int port)
{
    return &pages[port / 1024][port % 1024];
}

/* Unlink the head word of a queue: clear LINKED and LINK, return the old LINK. */
static uint32_t clear_linked(volatile event_word_t *w)
{
    event_word_t old = *w, new;

    do {
        new = old & ~(W_LINKED | EVTCHN_FIFO_LINK_MASK | (1U << EVTCHN_FIFO_BUSY));
    } while (!__atomic_compare_exchange_n(w, &old, new, false, __ATOMIC_SEQ_CST,
                                          __ATOMIC_SEQ_CST));
    return old & EVTCHN_FIFO_LINK_MASK;
}

/* Consume every queue, highest priority first (as Linux does), writing the pending unmasked
 * ports found into out[]; returns how many. */
static unsigned int consume(unsigned int *out, unsigned int max)
{
    uint32_t ready = __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    unsigned int n = 0;

    while (ready) {
        unsigned int q = (unsigned int)__builtin_ctz(ready);
        uint32_t port = local_head[q] ? local_head[q] : cb->head[q];
        uint32_t next = clear_linked(word(port));

        if (!next)
            ready &= ~(1U << q);
        if ((*word(port) & (W_PENDING | W_MASKED)) == W_PENDING) {
            __atomic_fetch_and(word(port), ~W_PENDING, __ATOMIC_SEQ_CST);
            if (n < max)
                out[n] = port;
            n++;
        }
        local_head[q] = next;
        ready |= __atomic_exchange_n(&cb->ready, 0, __ATOMIC_SEQ_CST);
    }
    vcpu0_info()->evtchn_upcall_pending = 0;
    return n;
}

static int expect_order(const char *what, const unsigned int *want, unsigned int n)
{
    unsigned int got[8], k = consume(got, 8);

    if (k != n)
        return xtf_failure("%s: consumed %u events, expected %u", what, k, n);
    for (unsigned int i = 0; i < n; i++)
        if (got[i] != want[i])
            return xtf_failure("%s: event %u was port %u, expected %u", what, i, got[i],
                               want[i]);
    return 0;
}

static unsigned int ipi(void)
{
    unsigned int p = 0;

    if (evtchn_bind_ipi(0, &p))
        p = 0;
    return p;
}

static int check_switch(unsigned int *a)
{
    void *page = alloc_page();
    unsigned long good = virt_to_mfn(page);
    unsigned int bits = 0;

    /* 1. 2-level rules first; bad control blocks leave the domain there. */
    port_mask(60);
    XTF_EXPECT_RC(evtchn_unmask(60), 0, "unmask of free port 60");
    if (!((shared_info->evtchn_mask[0] >> 60) & 1))
        return xtf_failure("unmask of a free port cleared its 2-level mask bit");
    if (!(*a = ipi()))
        return xtf_error("bind_ipi failed");
    port_mask(*a);
    XTF_EXPECT_RC(evtchn_send(*a), 0, "send A (2-level, masked)");
    if (!port_pending(*a))
        return xtf_failure("A is not pending on 2-level");
    XTF_EXPECT_RC(init_control(good, 0, 1, NULL), -XEN_ENOENT, "init_control on vCPU 1");
    XTF_EXPECT_RC(init_control(good, 4, 0, NULL), -XEN_EINVAL, "init_control at offset 4");
    XTF_EXPECT_RC(init_control(good, 4096 - 64, 0, NULL), -XEN_EINVAL,
                  "init_control crossing the page");
    XTF_EXPECT_RC(init_control(pt_current_l4_mfn(), 0, 0, NULL), -XEN_EINVAL,
                  "init_control on the L4");
    XTF_EXPECT_RC(init_control(1UL << 40, 0, 0, NULL), -XEN_EINVAL,
                  "init_control past RAM");
    XTF_EXPECT_RC(expand(good), -XEN_EOPNOTSUPP, "expand_array after failed init_controls");

    /* 2. The switch. */
    XTF_EXPECT_RC(init_control(good, 64, 0, &bits), 0, "init_control(offset 64)");
    if (bits != EVTCHN_FIFO_LINK_BITS)
        return xtf_failure("link_bits %u, expected 17", bits);
    cb = (volatile struct evtchn_fifo_control_block *)((char *)page + 64);
    if (vcpu0_info()->evtchn_upcall_pending || cb->ready)
        return xtf_failure("the switch raised an upcall (%u) or READY (%#x)",
                           vcpu0_info()->evtchn_upcall_pending, cb->ready);
    XTF_EXPECT_RC(init_control(virt_to_mfn(alloc_page()), 0, 0, NULL), -XEN_EINVAL,
                  "a second init_control for vCPU 0");
    return 0;
}

static int check_array(unsigned int a)
{
    unsigned int b = ipi();
    unsigned int want[2] = { a, b };

    /* 3. No event word yet; the first page raises what was pending. */
    XTF_EXPECT_RC(evtchn_send(b), 0, "send B (no array page)");
    if (cb->ready || vcpu0_info()->evtchn_upcall_pending)
        return xtf_failure("an event without an event word set READY %#x / upcall %u",
                           cb->ready, vcpu0_info()->evtchn_upcall_pending);
    XTF_EXPECT_RC(expand(1UL << 40), -XEN_EINVAL, "expand_array past RAM");
    XTF_EXPECT_RC(expand(pt_current_l4_mfn()), -XEN_EINVAL, "expand_array on the L4");
    words = alloc_page();
    memset((void *)words, 0, 4096);
    pages[nr_pages++] = words;
    XTF_EXPECT_RC(expand(virt_to_mfn((void *)words)), 0, "expand_array(page 0)");
    if (words[a] != (W_PENDING | W_LINKED | b) || words[b] != (W_PENDING | W_LINKED))
        return xtf_failure("after the first page: word A %#x, B %#x, expected %#x, %#x",
                           words[a], words[b], W_PENDING | W_LINKED | b,
                           W_PENDING | W_LINKED);
    if (cb->head[7] != a || cb->ready != 1U << 7 || !vcpu0_info()->evtchn_upcall_pending)
        return xtf_failure("HEAD7 %u READY %#x upcall %u, expected %u, 0x80, 1", cb->head[7],
                           cb->ready, vcpu0_info()->evtchn_upcall_pending, a);
    return expect_order("the priority-7 queue", want, 2);
}

static int check_priorities(unsigned int *c_out, unsigned int *e_out)
{
    unsigned int c = ipi(), d = ipi(), e = ipi(), f = ipi();
    unsigned int want[4] = { f, e, c, d };

    /* 4. Four queues' worth, sent out of priority order. */
    XTF_EXPECT_RC(set_priority(c, 3), 0, "set_priority(C, 3)");
    XTF_EXPECT_RC(set_priority(d, 12), 0, "set_priority(D, 12)");
    XTF_EXPECT_RC(set_priority(e, 3), 0, "set_priority(E, 3)");
    XTF_EXPECT_RC(set_priority(f, 0), 0, "set_priority(F, 0)");
    evtchn_send(d);
    evtchn_send(e);
    evtchn_send(c);
    evtchn_send(f);
    evtchn_send(e);             /* already pending and linked: no change */
    if (cb->ready != ((1U << 0) | (1U << 3) | (1U << 12)))
        return xtf_failure("READY %#x, expected 0x1009", cb->ready);
    if (cb->head[3] != e || (words[e] & EVTCHN_FIFO_LINK_MASK) != c || cb->head[0] != f ||
        cb->head[12] != d)
        return xtf_failure("HEAD3 %u (E %u) E's LINK %u (C %u) HEAD0 %u HEAD12 %u", cb->head[3],
                           e, words[e] & EVTCHN_FIFO_LINK_MASK, c, cb->head[0], cb->head[12]);
    if (!vcpu0_info()->evtchn_upcall_pending)
        return xtf_failure("no upcall raised");
    *c_out = c;
    *e_out = e;
    return expect_order("four priorities", want, 4);
}

static int check_mask_busy(unsigned int c, unsigned int e)
{
    unsigned int want[1] = { c }, p;

    /* 5. A masked word is not linked until EVTCHNOP_unmask. */
    __atomic_fetch_or(&words[c], W_MASKED, __ATOMIC_SEQ_CST);
    evtchn_send(c);
    if (words[c] != (W_PENDING | W_MASKED) || cb->ready)
        return xtf_failure("masked C sent: word %#x READY %#x", words[c], cb->ready);
    XTF_EXPECT_RC(evtchn_unmask(c), 0, "unmask(C)");
    if (words[c] != (W_PENDING | W_LINKED) || cb->head[3] != c || cb->ready != 1U << 3)
        return xtf_failure("unmasked C: word %#x HEAD3 %u READY %#x", words[c], cb->head[3],
                           cb->ready);
    if (expect_order("after unmask", want, 1))
        return -1;
    /* A closed port still linked is busy. */
    evtchn_send(e);
    XTF_EXPECT_RC(evtchn_close(e), 0, "close(E) while linked");
    if (words[e] != W_LINKED)
        return xtf_failure("closed E: word %#x, expected LINKED only", words[e]);
    XTF_EXPECT_RC(evtchn_alloc_unbound(DOMID_SELF, &p), 0, "alloc_unbound");
    if (p == e)
        return xtf_failure("the busy port %u was handed out again", e);
    if (consume(&p, 1) != 0)
        return xtf_failure("a closed port's event was seen");
    XTF_EXPECT_RC(evtchn_alloc_unbound(DOMID_SELF, &p), 0, "alloc_unbound");
    if (p != e)
        return xtf_failure("after unlinking, allocation gave %u, expected E (%u)", p, e);

    /* 6. set_priority errors. */
    XTF_EXPECT_RC(set_priority(c, 16), -XEN_EINVAL, "set_priority(C, 16)");
    XTF_EXPECT_RC(set_priority(60, 3), -XEN_EACCES, "set_priority(free port 60)");
    XTF_EXPECT_RC(set_priority(60, 16), -XEN_EACCES, "set_priority(free port 60, 16)");
    XTF_EXPECT_RC(set_priority(0, 3), -XEN_EACCES, "set_priority(port 0)");
    XTF_EXPECT_RC(set_priority(4095, 3), -XEN_EINVAL, "set_priority(port 4095, not valid)");
    return 0;
}

static int check_limits(void)
{
    unsigned int p = 0, hi, want[1];
    long rc = 0;
    int i;

    /* 7. Past 2-level's 4096 ports. */
    for (i = 0; i < 4200 && !rc; i++)
        rc = evtchn_alloc_unbound(DOMID_SELF, &p);
    if (rc || p <= 4096)
        return xtf_failure("allocating 4200 ports: %ld, last port %u", rc, p);
    if (!(hi = ipi()) || hi < 4096)
        return xtf_failure("bind_ipi above 4096 gave %u", hi);
    XTF_EXPECT_RC(evtchn_send(hi), 0, "send to a port with no event word");
    while (nr_pages * 1024 <= hi) {
        volatile event_word_t *pg = alloc_page();

        memset((void *)pg, 0, 4096);
        pages[nr_pages++] = pg;
        XTF_EXPECT_RC(expand(virt_to_mfn((void *)pg)), 0, "expand_array");
    }
    if (*word(hi) != (W_PENDING | W_LINKED) || cb->head[7] != hi)
        return xtf_failure("port %u after its page: word %#x HEAD7 %u", hi, *word(hi),
                           cb->head[7]);
    want[0] = hi;
    if (expect_order("a port above 4096", want, 1))
        return -1;
    while (nr_pages < EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES) {
        volatile event_word_t *pg = alloc_page();

        pages[nr_pages++] = pg;
        rc = expand(virt_to_mfn((void *)pg));
        if (rc)
            return xtf_failure("expand_array of page %u: %ld", nr_pages, rc);
    }
    XTF_EXPECT_RC(expand(virt_to_mfn(alloc_page())), -XEN_ENOSPC, "expand_array (page 129)");
    return 0;
}

int test_main(void)
{
    unsigned int a = 0, c = 0, e = 0, p;
    unsigned long before;
    struct evtchn_reset rs = { .dom = DOMID_SELF };
    int rc = events_init();

    if (rc)
        return xtf_error("events_init: %d", rc);
    event_handler = NULL;           /* this guest reads the queues itself */
    events_mask();
    if (check_switch(&a) || check_array(a) || check_priorities(&c, &e) ||
        check_mask_busy(c, e) || check_limits())
        return 0;

    /* 8. The upcall itself. */
    before = upcall_count;
    evtchn_send(a);
    events_unmask();
    if (upcall_count != before + 1)
        return xtf_failure("clearing the mask gave %lu upcalls, expected 1",
                           upcall_count - before);
    events_mask();

    /* 9. Back to 2-level. */
    XTF_EXPECT_RC(op(EVTCHNOP_reset, &rs), 0, "reset");
    XTF_EXPECT_RC(set_priority(1, 3), -XEN_ENOSYS, "set_priority after reset");
    XTF_EXPECT_RC(expand(virt_to_mfn(alloc_page())), -XEN_EOPNOTSUPP,
                  "expand_array after reset");
    XTF_EXPECT_RC(evtchn_alloc_unbound(DOMID_SELF, &p), 0, "alloc_unbound after reset");
    if (p != 1)
        return xtf_failure("after reset the first port is %u, expected 1", p);
    XTF_EXPECT_RC(init_control(virt_to_mfn(alloc_page()), 0, 0, NULL), 0,
                  "init_control after reset");
    return xtf_success();
}
