/*
 * grant-peer.c: dom0's side of the cross-domain grant guests: building the grant-peer domU
 * and serving it until it shuts down (grant-peer.h).
 */
#include "guest.h"
#include "grant.h"
#include "grant-peer.h"
#include "toolstack.h"
#include <xen/sched.h>

int grant_peer_begin(struct grant_peer *g)
{
    g->free0 = sysctl_free_pages();
    if (!g->free0) {
        xtf_failure("physinfo refused");
        return -1;
    }
    if (events_init()) {
        xtf_error("mapping shared_info");
        return -1;
    }
    return 0;
}

int grant_peer_create(struct grant_peer *g)
{
    const char *why = "";
    long rc = domu_create(GRANT_PEER_PAGES, DOMU_RINGS, &g->u, &why);

    if (rc) {
        xtf_failure("creating the domU: %ld (%s)", rc, why);
        return -1;
    }
    return 0;
}

int grant_peer_load(struct grant_peer *g, const void *elf, size_t len, unsigned int role,
                    unsigned int ref)
{
    const char *why = "";
    char cmdline[64];
    uint32_t domu_port;
    long rc;

    rc = domu_channel(&g->u, &domu_port, &g->port, &why);
    if (!rc) {
        snprintf(cmdline, sizeof(cmdline), "role=%u ref=%u port=%u", role, ref, domu_port);
        rc = domu_load(&g->u, elf, len, cmdline, g->p2m, &why);
    }
    if (rc) {
        domu_destroy(&g->u);
        xtf_failure("building the domU: %ld (%s)", rc, why);
        return -1;
    }
    printk("domain %u built with '%s' (dom0's end: port %u)\n", g->u.domid, cmdline, g->port);
    port_clear(g->port);
    if (domu_console_open(&g->con, &g->u) ||
        domctl_simple(XEN_DOMCTL_unpausedomain, g->u.domid)) {
        domu_destroy(&g->u);
        xtf_failure("opening the domU's console or unpausing it");
        return -1;
    }
    return 0;
}

int grant_peer_start(struct grant_peer *g, const void *elf, size_t len, unsigned int role,
                     unsigned int ref)
{
    if (grant_peer_create(g))
        return -1;
    return grant_peer_load(g, elf, len, role, ref);
}

int grant_peer_lend(struct grant_peer *g, const void *elf, size_t len, unsigned int role,
                    unsigned int ref, struct grant_peer_pages *p)
{
    unsigned long gt_mfn;

    p->gt = gnttab_map_table(1, &gt_mfn);
    if (!p->gt)
        return -1;
    p->a = alloc_page();
    p->b = alloc_page();
    for (unsigned int i = 0; i < PAGE_SIZE; i++) {
        p->a[i] = grant_peer_byte(GRANT_PEER_SEED_A, i);
        p->b[i] = grant_peer_byte(GRANT_PEER_SEED_B, i);
    }
    *(volatile uint32_t *)(p->a + GRANT_PEER_DONE_OFF) = 0;
    p->free0 = sysctl_free_pages();    /* after our own table's frame */
    /* The grants name the domU, whose id domu_create picks: grant after the creation. */
    if (grant_peer_create(g))
        return -1;
    gnttab_grant(p->gt, ref, g->u.domid, virt_to_mfn(p->a), GTF_permit_access);
    gnttab_grant(p->gt, ref + 1, g->u.domid, virt_to_mfn(p->b),
                 GTF_permit_access | GTF_readonly);
    return grant_peer_load(g, elf, len, role, ref);
}

/* A domu_wait_shutdown poll: the console, then g->serve if the domU notified. */
static void poll(void *arg)
{
    struct grant_peer *g = arg;

    domu_console_poll(&g->con);
    if (!port_pending(g->port))
        return;
    port_clear(g->port);
    g->notifications++;
    g->serve(g);
}

bool grant_peer_finish(struct grant_peer *g)
{
    int code = domu_wait_shutdown(&g->u, poll, g);

    domu_console_close(&g->con);
    printk("domain %u shut down with code %d after %u notifications; its verdict: %s\n",
           g->u.domid, code, g->notifications, g->con.verdict[0] ? g->con.verdict : "(none)");
    if (code != SHUTDOWN_poweroff || strcmp(g->con.verdict, "SUCCESS")) {
        xtf_failure("the domU: shutdown code %d, verdict '%s'", code, g->con.verdict);
        return false;
    }
    return true;
}
