/*
 * domu-grant-ring: a domU grants dom0 a page, dom0 maps it with GNTTABOP_map_grant_ref, and
 * the two exchange messages over a ring in it with event-channel notifications - a split
 * driver's ring in miniature (msg-ring.h), built and served by the test runtime's toolstack.
 *
 * dom0 creates the domU with its start-of-day rings, binds one more channel for it, and
 * builds it from guests/domu/grant-ring with `ring-ref=8 ring-port=P` on its command line.
 * The domU grants its page at ref 8 and notifies; dom0 maps the grant (host mapping in one of
 * its own L1 slots), answers each request and notifies back; when the domU says it is done
 * dom0 unmaps and notifies.  Asserted on Xen 4.17 and pvmm-hv:
 *   - the map succeeds (GNTST_okay) and shows the domU's ring; all NR_MSGS requests are
 *     answered in order; dom0 saw the domU's notifications;
 *   - while dom0 maps the page its grant entry has GTF_reading | GTF_writing and the domU
 *     cannot end the grant; once dom0 unmaps (GNTST_okay) the flags go and it can (the domU
 *     checks both and reports SUCCESS on its console ring);
 *   - a second map of the ended grant (the domU shut down, not destroyed) is refused
 *     (GNTST_general_error); unmapping the handle again is GNTST_bad_handle;
 *   - destroyed, every frame comes back but one: dom0's maptrack, which its first
 *     map_grant_ref grew by a frame and which stays dom0's (measured on both); on pvmm-hv the
 *     auditor then checks the whole machine.
 */
#include "guest.h"
#include "domu-builder.h"
#include "domu-console.h"
#include "grant.h"
#include "msg-ring.h"
#include "toolstack.h"
#include <xen/sched.h>

const char test_title[] = "a domU grants dom0 a ring page; messages with notifications";

#define DOMU_PAGES 1280
#define RING_REF   8
#define NR_MSGS    20           /* as the domU sends */
#define MAPTRACK_FRAMES 1       /* dom0's first mapping of a grant allocates its maptrack */

extern const char _binary_domu_grant_ring_elf_start[], _binary_domu_grant_ring_elf_end[];

static xen_pfn_t p2m[DOMU_PAGES];

/* The backend's state, advanced by serve() between yields. */
static struct backend {
    struct domu_console con;
    const struct domu *u;
    uint32_t port;                  /* our end of the ring channel */
    unsigned long va;               /* where the granted page is mapped */
    grant_handle_t handle;
    bool mapped, unmapped;
    int16_t map_status, unmap_status;
    unsigned int notifications, answered;
} be;

/* Answer every outstanding request. */
static void answer(volatile struct msg_ring *r)
{
    while (r->rsp_prod < r->req_prod && be.answered < NR_MSGS) {
        uint32_t i = r->rsp_prod;
        volatile struct msg *q = &r->req[i % MSG_RING_SLOTS], *a = &r->rsp[i % MSG_RING_SLOTS];

        if (q->seq != i)
            xtf_failure("request %u carries seq %u", i, q->seq);
        a->seq = i;
        a->value = msg_answer(q->value);
        snprintf((char *)a->text, sizeof(a->text), "pong %u", i);
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        r->rsp_prod = i + 1;
        be.answered++;
    }
}

/* A poll of domu_wait_shutdown: the console, then the ring when the domU notified. */
static void serve(void *arg)
{
    volatile struct msg_ring *r = (volatile struct msg_ring *)be.va;

    (void)arg;
    domu_console_poll(&be.con);
    if (!port_pending(be.port))
        return;
    port_clear(be.port);
    be.notifications++;
    if (!be.mapped && !be.unmapped) {
        be.map_status = gnttab_map_dom(be.u->domid, RING_REF, GNTMAP_host_map, be.va,
                                       &be.handle, NULL);
        printk("map_grant_ref of d%u's ref %u: status %d, handle %u\n", be.u->domid, RING_REF,
               be.map_status, be.handle);
        if (be.map_status != GNTST_okay)
            return;
        be.mapped = true;
        if (r->magic != MSG_RING_MAGIC)
            xtf_failure("the granted page holds %#x, not the ring", r->magic);
    }
    if (!be.mapped)
        return;
    answer(r);
    if (r->done) {
        be.unmap_status = gnttab_unmap(be.handle, be.va, 0);
        printk("unmap_grant_ref: status %d after %u answers\n", be.unmap_status, be.answered);
        be.mapped = false;
        be.unmapped = true;
    }
    evtchn_send(be.port);
}

int test_main(void)
{
    size_t len = (size_t)(_binary_domu_grant_ring_elf_end - _binary_domu_grant_ring_elf_start);
    struct domu u;
    const char *why = "";
    char cmdline[64];
    uint32_t domu_port;
    uint64_t free0, free1;
    int16_t st;
    long rc;
    int code;

    free0 = sysctl_free_pages();
    if (!free0)
        return xtf_failure("physinfo refused");
    if (events_init())
        return xtf_error("mapping shared_info");
    rc = domu_create(DOMU_PAGES, DOMU_RINGS, &u, &why);
    if (!rc)
        rc = domu_channel(&u, &domu_port, &be.port, &why);
    if (!rc) {
        snprintf(cmdline, sizeof(cmdline), "ring-ref=%u ring-port=%u", RING_REF, domu_port);
        rc = domu_load(&u, _binary_domu_grant_ring_elf_start, len, cmdline, p2m, &why);
    }
    if (rc) {
        domu_destroy(&u);
        return xtf_failure("building the domU: %ld (%s)", rc, why);
    }
    printk("domain %u built with '%s' (dom0's end: port %u)\n", u.domid, cmdline, be.port);
    be.u = &u;
    be.va = alloc_map_slot();
    port_clear(be.port);
    if (domu_console_open(&be.con, &u))
        return xtf_failure("mapping the domU's console ring");
    if (domctl_simple(XEN_DOMCTL_unpausedomain, u.domid))
        return xtf_failure("unpausedomain refused");
    code = domu_wait_shutdown(&u, serve, NULL);
    domu_console_close(&be.con);
    printk("domain %u shut down with code %d; %u notifications, %u answers; its verdict: %s\n",
           u.domid, code, be.notifications, be.answered,
           be.con.verdict[0] ? be.con.verdict : "(none)");
    if (be.map_status != GNTST_okay || !be.unmapped || be.unmap_status != GNTST_okay)
        xtf_failure("map status %d, unmap status %d (unmapped: %d)", be.map_status,
                    be.unmap_status, be.unmapped);
    if (be.answered != NR_MSGS || !be.notifications)
        xtf_failure("%u answers, %u notifications", be.answered, be.notifications);
    if (code != SHUTDOWN_poweroff || strcmp(be.con.verdict, "SUCCESS"))
        xtf_failure("the domU: shutdown code %d, verdict '%s'", code, be.con.verdict);
    if (be.mapped)
        gnttab_unmap(be.handle, be.va, 0);

    st = gnttab_map_dom(u.domid, RING_REF, GNTMAP_host_map, be.va, NULL, NULL);
    printk("map_grant_ref of the ended grant: status %d\n", st);
    if (st != GNTST_general_error)
        xtf_failure("mapping the ended grant: status %d, expected %d", st, GNTST_general_error);
    st = gnttab_unmap(be.handle, be.va, 0);
    printk("unmap_grant_ref of the old handle again: status %d\n", st);
    if (st != GNTST_bad_handle)
        xtf_failure("unmapping the old handle again: status %d, expected %d", st,
                    GNTST_bad_handle);

    rc = domu_destroy(&u);
    if (rc)
        return xtf_failure("destroydomain: %ld", rc);
    free1 = sysctl_free_pages_back(free0 - MAPTRACK_FRAMES);
    /* dom0's maptrack grew by a frame at its first map_grant_ref and stays dom0's. */
    printk("free pages: %lu before, %lu after (dom0's maptrack frame kept)\n",
           (unsigned long)free0, (unsigned long)free1);
    if (!frames_came_back(free1, free0 - MAPTRACK_FRAMES))
        xtf_failure("%ld frames did not come back", (long)(free0 - MAPTRACK_FRAMES - free1));
    return xtf_success();
}
