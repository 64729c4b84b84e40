/*
 * domU grant-ring: the frontend of domu-grant-ring.  Its command line names a grant
 * reference and an event channel its builder bound to dom0 (`ring-ref=R ring-port=P`).  It
 * sets up its grant table, grants one page of its own to dom0 (read-write) at ref R, lays a
 * message ring in it (msg-ring.h) and exchanges NR_MSGS request/response pairs with dom0,
 * notifying after each request and waiting for dom0's notification with SCHEDOP_poll.  Then
 * it says it is done and waits (again with SCHEDOP_poll) until dom0 has unmapped the page:
 * its grant entry's flags show the mapping (GTF_reading | GTF_writing) while dom0 holds it
 * and lose them when dom0 unmaps; it then ends the grant (flags back to 0).
 */
#include "guest.h"
#include "grant.h"
#include "msg-ring.h"
#include <xen/sched.h>

const char test_title[] = "domU grant-ring: a page granted to dom0, a message ring in it";

#define NR_MSGS   20
#define MAX_POLLS 100000u       /* a bound on waits, not a time */

static evtchn_port_t ring_port;
static unsigned int polls;

/* Block until the ring port is pending (dom0 notified), then clear it. */
static void wait_notification(void)
{
    port_wait(ring_port);
    polls++;
}

/* Wait until *idx reaches want; false if it never does within the bound. */
static bool wait_index(volatile uint32_t *idx, uint32_t want)
{
    unsigned int i;

    for (i = 0; i < MAX_POLLS; i++) {
        if (*idx >= want)
            return true;
        wait_notification();
    }
    return false;
}

/* Send request i and check dom0's response to it. */
static bool exchange(volatile struct msg_ring *r, uint32_t i)
{
    volatile struct msg *q = &r->req[i % MSG_RING_SLOTS], *a = &r->rsp[i % MSG_RING_SLOTS];
    char want[sizeof(a->text)];

    q->seq = i;
    q->value = i * 7 + 1;
    snprintf((char *)q->text, sizeof(q->text), "ping %u", i);
    __atomic_thread_fence(__ATOMIC_SEQ_CST);
    r->req_prod = i + 1;
    evtchn_send(ring_port);
    if (!wait_index(&r->rsp_prod, i + 1)) {
        xtf_failure("no response to request %u", i);
        return false;
    }
    snprintf(want, sizeof(want), "pong %u", i);
    if (a->seq != i || a->value != msg_answer(i * 7 + 1) || strcmp((const char *)a->text, want)) {
        xtf_failure("response %u: seq %u value %#x text '%.24s'", i, a->seq, a->value,
                    (const char *)a->text);
        return false;
    }
    return true;
}

int test_main(void)
{
    unsigned long ref = cmdline_uint("ring-ref="), port = cmdline_uint("ring-port="), gt_mfn;
    volatile struct msg_ring *r = alloc_page();
    grant_entry_v1_t *gt;
    uint16_t flags, expect = GTF_permit_access;
    uint32_t i;

    printk("command line '%s': ring-ref %lu ring-port %lu\n",
           (const char *)start_info->cmd_line, ref, port);
    if (ref >= PAGE_SIZE / sizeof(grant_entry_v1_t) || port >= 4096)
        return xtf_error("no ring-ref or ring-port on the command line");
    ring_port = (evtchn_port_t)port;
    if (events_init())
        return xtf_error("mapping shared_info");
    gt = gnttab_map_table(1, &gt_mfn);
    if (!gt)
        return xtf_error("setting up the grant table");
    memset((void *)r, 0, PAGE_SIZE);
    r->magic = MSG_RING_MAGIC;
    gnttab_grant(gt, (grant_ref_t)ref, 0, virt_to_mfn(r), GTF_permit_access);
    evtchn_send(ring_port);                 /* "the ring is there" */

    for (i = 0; i < NR_MSGS; i++)
        if (!exchange(r, i))
            return XTF_FAILURE;
    flags = __atomic_load_n(&gt[ref].flags, __ATOMIC_SEQ_CST);
    printk("%u messages answered (%u notifications waited for); grant flags %#x\n", NR_MSGS,
           polls, flags);
    if (flags != (GTF_permit_access | GTF_reading | GTF_writing))
        xtf_failure("grant flags while dom0 maps the page: %#x", flags);
    if (__atomic_compare_exchange_n(&gt[ref].flags, &expect, 0, false, __ATOMIC_SEQ_CST,
                                    __ATOMIC_SEQ_CST))
        return xtf_failure("the grant could be ended while dom0 mapped it");

    r->done = 1;
    evtchn_send(ring_port);
    for (i = 0; i < MAX_POLLS; i++) {
        flags = __atomic_load_n(&gt[ref].flags, __ATOMIC_SEQ_CST);
        if (!(flags & (GTF_reading | GTF_writing)))
            break;
        wait_notification();
    }
    printk("grant flags once dom0 unmapped: %#x\n", flags);
    expect = GTF_permit_access;
    if (!__atomic_compare_exchange_n(&gt[ref].flags, &expect, 0, false, __ATOMIC_SEQ_CST,
                                     __ATOMIC_SEQ_CST))
        return xtf_failure("ending the grant: flags %#x", expect);
    return xtf_success();
}
