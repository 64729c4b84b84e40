/*
 * crash-event-without-callback: an event delivered to a vCPU that registered no event
 * callback ends the domain, and nothing else.
 *
 * The story. An event reaches a PV vCPU as a bounce to its event callback, made on the way
 * back to the guest once evtchn_upcall_pending is set and evtchn_upcall_mask is clear. A
 * guest that never registered a callback has nowhere to be sent: Xen 4.17 builds the bounce
 * frame for address 0, refuses it in create_bounce_frame and crashes the domain
 * ("domain_crash_sync called from entry.S", measured). A hypervisor that jumped to address 0
 * anyway, or skipped the event for ever, or stopped itself, would differ; pvmm-hv refuses a
 * bounce to address 0 the same way.
 *
 * The guest maps shared_info itself (without events_init, which registers a callback),
 * binds an IPI port to vCPU 0, clears evtchn_upcall_mask and sends to the port. The
 * expected verdict is CRASH on both hypervisors (`expect`): the send must not return.
 */
#include "guest.h"

const char test_title[] = "an event with no event callback crashes the domain";

int test_main(void)
{
    void *va = alloc_page();
    struct shared_info *si;
    unsigned int port;
    long rc = pt_map_mfn((unsigned long)va, start_info->shared_info >> PAGE_SHIFT,
                         PTE_FLAGS_RW);

    if (rc)
        return xtf_error("mapping shared_info: %ld", rc);
    si = va;
    rc = evtchn_bind_ipi(0, &port);
    if (rc)
        return xtf_error("bind_ipi: %ld", rc);
    printk("port %u bound, upcall mask %u; clearing it and sending with no callback\n", port,
           si->vcpu_info[0].evtchn_upcall_mask);
    si->vcpu_info[0].evtchn_upcall_mask = 0;
    rc = evtchn_send(port);
    return xtf_failure("the send returned %ld with no event callback (upcall_pending %u)", rc,
                       si->vcpu_info[0].evtchn_upcall_pending);
}
