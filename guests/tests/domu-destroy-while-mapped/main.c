/*
 * domu-destroy-while-mapped: dom0 destroys a domU while it still maps a page the domU
 * granted it; the page lives (and keeps its bytes) until dom0 unmaps it.
 *
 * dom0 builds guests/domu/grant-peer with role=2 (grant-peer.h): the domU grants page A at
 * ref N, dom0 maps it, sets the DONE word through the mapping and notifies; the domU (its
 * grant flags showing the mapping) shuts down with SUCCESS, the grant still mapped.  dom0
 * then destroys it (destroydomain succeeds) and, while it still maps A:
 *   - A still reads as the domU left it and takes dom0's stores;
 *   - the domain is still there, dying (getdomaininfo);
 *   - the free pages are at least one short of where they end up (the mapped page lives);
 * and once dom0 unmaps it (GNTST_okay) the domain goes (getdomaininfo no longer finds it)
 * and every frame comes back but dom0's maptrack frame.  Asserted the same on Xen 4.17 and
 * pvmm-hv (what each step returned on both is printed).
 */
#include "guest.h"
#include "grant.h"
#include "grant-peer.h"
#include "toolstack.h"

const char test_title[] = "a domU destroyed while dom0 maps its grant: the page lives until unmapped";

#define REF             8
#define MAPTRACK_FRAMES 1

extern const char _binary_domu_grant_peer_elf_start[], _binary_domu_grant_peer_elf_end[];

static struct grant_peer g;
static unsigned long va;
static grant_handle_t handle;
static int16_t map_status = 1;

static void serve(struct grant_peer *p)
{
    if (map_status != 1)
        return;
    map_status = gnttab_map_dom(p->u.domid, REF, GNTMAP_host_map, va, &handle, NULL);
    printk("map of its grant: status %d\n", map_status);
    if (map_status == GNTST_okay)
        *(volatile uint32_t *)(va + GRANT_PEER_DONE_OFF) = GRANT_PEER_DONE;
    evtchn_send(p->port);
}

/* Does the mapped page still hold the domU's bytes (and the DONE word)? */
static bool page_intact(void)
{
    volatile uint8_t *a = (volatile uint8_t *)va;

    for (unsigned int i = 0; i < PAGE_SIZE; i++)
        if ((i < GRANT_PEER_DONE_OFF || i >= GRANT_PEER_DONE_OFF + 4) &&
            a[i] != grant_peer_byte(GRANT_PEER_SEED_A, i)) {
            xtf_failure("the mapped page's byte %u is %#x after the destroy", i, a[i]);
            return false;
        }
    return *(volatile uint32_t *)(va + GRANT_PEER_DONE_OFF) == GRANT_PEER_DONE;
}

int test_main(void)
{
    size_t len = (size_t)(_binary_domu_grant_peer_elf_end - _binary_domu_grant_peer_elf_start);
    struct xen_domctl_getdomaininfo info;
    domid_t dom;
    uint64_t free0, free1, free2;
    int16_t st;
    long rc;

    if (grant_peer_begin(&g))
        return XTF_FAILURE;
    free0 = g.free0;
    va = alloc_map_slot();
    g.serve = serve;
    if (grant_peer_start(&g, _binary_domu_grant_peer_elf_start, len, GRANT_PEER_HOLDER, REF))
        return XTF_FAILURE;
    dom = g.u.domid;
    if (!grant_peer_finish(&g) || map_status != GNTST_okay)
        return xtf_failure("the domU did not shut down with its grant mapped (map status %d)",
                           map_status);

    rc = domu_destroy(&g.u);
    printk("destroydomain with its grant mapped: %ld\n", rc);
    if (rc)
        return xtf_failure("destroydomain with a grant mapped: %ld", rc);
    if (!page_intact())
        return xtf_failure("the mapped page did not keep its bytes");
    *(volatile uint32_t *)va = 0x12345678;
    if (*(volatile uint32_t *)va != 0x12345678)
        return xtf_failure("a store to the mapped page did not stick");
    rc = domctl_getinfo(dom, &info);
    printk("getdomaininfo: %ld, domain %u, flags %#x\n", rc, info.domain, info.flags);
    if (rc || info.domain != dom || !(info.flags & XEN_DOMINF_dying))
        xtf_failure("the destroyed domain while its page is mapped: rc %ld domain %u flags %#x",
                    rc, info.domain, info.flags);
    free1 = sysctl_free_pages();

    st = gnttab_unmap(handle, va, 0);
    printk("unmap of the dead domain's grant: status %d\n", st);
    if (st != GNTST_okay)
        xtf_failure("unmapping the dead domain's grant: status %d", st);
    free2 = sysctl_free_pages_back(free0 - MAPTRACK_FRAMES);
    printk("free pages: %lu before, %lu while mapped, %lu after the unmap\n",
           (unsigned long)free0, (unsigned long)free1, (unsigned long)free2);
    if (!frames_came_back(free2, free0 - MAPTRACK_FRAMES))
        xtf_failure("%ld frames did not come back", (long)(free0 - MAPTRACK_FRAMES - free2));
    if (free1 >= free2)
        xtf_failure("the mapped page was free before the unmap (%lu >= %lu)",
                    (unsigned long)free1, (unsigned long)free2);
    rc = domctl_getinfo(dom, &info);
    printk("getdomaininfo after the unmap: %ld (domain %u)\n", rc, rc ? 0 : info.domain);
    if (!rc && info.domain == dom)
        xtf_failure("the domain is still there after the unmap (flags %#x)", info.flags);
    return xtf_success();
}
