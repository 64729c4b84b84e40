/*
 * domU hello: the domU that toolstack test guests build (domu-build and those after it),
 * built with the same runtime as every test guest.  It checks what its builder gave it:
 * an unprivileged start_info with its memory, a p2m list whose every entry the M2P maps back
 * (MMU_MACHPHYS_UPDATE done for it by the builder), a working page allocator beyond the
 * bootstrap region, and a console_io write refused (-EPERM: Xen as built for release gives a
 * domU no hypervisor console).  Given rings (DOMU_RINGS), its xenstore and console pages
 * lie in its bootstrap region right after start_info and their event channels are
 * interdomain channels to dom0, bound (EVTCHNOP_status).  Its verdict is its shutdown code
 * (poweroff for SUCCESS) and, with a console ring, its `Test result:` line there.  Measured on
 * Xen 4.17 and pvmm-hv: it may not allocate a port in dom0 nor ask the status of one of
 * dom0's (-EPERM), and it has no port above the max_evtchn_port its toolstack gave it (1023,
 * xl's default, lib/toolstack.c): allocating unbound ports ends in -ENOSPC after port 1023.
 */
#include "guest.h"
#include <xen/event_channel.h>

/* Port `port` of ours is bound to dom0 (interdomain). */
static void check_bound(const char *what, uint32_t port)
{
    struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
    long rc = hypercall_event_channel_op(EVTCHNOP_status, &st);

    printk("%s port %u: status rc %ld, state %u, remote dom %u\n", what, port, rc, st.status,
           st.u.interdomain.dom);
    if (rc || st.status != EVTCHNSTAT_interdomain || st.u.interdomain.dom != 0)
        xtf_failure("%s event channel %u is not bound to dom0", what, port);
}

/* Another domain's ports are not ours to allocate or inspect: -EPERM (Xen's XSM_TARGET). */
static void check_dom0_ports(void)
{
    struct evtchn_alloc_unbound au = { .dom = 0, .remote_dom = DOMID_SELF };
    struct evtchn_status st = { .dom = 0, .port = 0 };
    long rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &au);

    printk("alloc_unbound in dom0: %ld\n", rc);
    if (rc != -XEN_EPERM)
        xtf_failure("alloc_unbound in dom0 gave %ld, expected -EPERM", rc);
    rc = hypercall_event_channel_op(EVTCHNOP_status, &st);
    printk("status of dom0's port 0: %ld\n", rc);
    if (rc != -XEN_EPERM)
        xtf_failure("status of dom0's port 0 gave %ld, expected -EPERM", rc);
}

/* Unbound ports up to the toolstack's max_evtchn_port (1023), then -ENOSPC; all closed. */
static void check_port_limit(void)
{
    struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = 0 };
    uint32_t last = 0;
    unsigned int n = 0;
    long rc;

    while ((rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &au)) == 0 && n < 5000) {
        last = au.port;
        n++;
    }
    printk("%u unbound ports allocated, the last %u, then %ld\n", n, last, rc);
    if (rc != -XEN_ENOSPC || last != 1023)
        xtf_failure("port allocation ended with %ld after port %u, expected -ENOSPC after "
                    "1023 (max_evtchn_port)", rc, last);
    for (uint32_t port = 1; port <= last; port++) {
        struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
        struct evtchn_close cl = { .port = port };

        if (!hypercall_event_channel_op(EVTCHNOP_status, &st) &&
            st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0 &&
            port != start_info->store_evtchn && port != start_info->console.domU.evtchn)
            hypercall_event_channel_op(EVTCHNOP_close, &cl);
    }
}

/* The ring pages follow start_info in the region; their channels are bound to dom0. */
static void check_rings(void)
{
    unsigned long si_pfn = virt_to_pfn(start_info);

    printk("store mfn %#lx evtchn %u, console mfn %#lx evtchn %u\n", start_info->store_mfn,
           start_info->store_evtchn, start_info->console.domU.mfn,
           start_info->console.domU.evtchn);
    if (mfn_to_pfn(start_info->store_mfn) != si_pfn + 1 ||
        mfn_to_pfn(start_info->console.domU.mfn) != si_pfn + 2)
        xtf_failure("the ring pages are not the two pages after start_info (pfn %#lx)",
                    si_pfn);
    check_bound("xenstore", start_info->store_evtchn);
    check_bound("console", start_info->console.domU.evtchn);
}

const char test_title[] = "domU hello: what the domain builder gave it";

int test_main(void)
{
    const unsigned long *p2m = (const unsigned long *)start_info->mfn_list;
    unsigned long pfn, bad = 0;
    volatile uint64_t *page;
    long rc;

    if (start_info->flags & (SIF_PRIVILEGED | SIF_INITDOMAIN))
        return xtf_failure("start_info flags %#x: privileged", start_info->flags);
    if (start_info->nr_pages < 1024)
        return xtf_failure("start_info nr_pages %lu", start_info->nr_pages);
    for (pfn = 0; pfn < start_info->nr_pages; pfn++)
        if (mfn_to_pfn(p2m[pfn]) != pfn)
            bad++;
    if (bad)
        return xtf_failure("%lu of %lu pfns not mapped back by the M2P", bad,
                           start_info->nr_pages);
    page = alloc_page();
    page[0] = 0x1234;
    if (page[0] != 0x1234)
        return xtf_failure("a page beyond the bootstrap region does not hold a write");
    rc = hypercall_console_io(CONSOLEIO_write, 3, "hi\n");
    printk("console_io write from the domU: %ld\n", rc);
    if (rc != -XEN_EPERM && rc != 3)
        return xtf_failure("console_io write gave %ld", rc);
    check_dom0_ports();
    check_port_limit();
    if (start_info->console.domU.mfn)
        check_rings();
    printk("nr_pages %lu, pt_base %#lx, %lu pt frames\n", start_info->nr_pages,
           start_info->pt_base, start_info->nr_pt_frames);
    return xtf_success();
}
