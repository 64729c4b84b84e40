/*
 * console-ring.c: an unprivileged guest's console is its ring (start_info console.domU),
 * served by the domain that built it; Xen as built for release refuses a domU's
 * CONSOLEIO_write (-EPERM, measured by domu-shutdown-crash), so output goes here instead.
 *
 * The ring page is in the guest's bootstrap region (its builder put it after start_info), so
 * it is mapped at pfn << 12 like everything else there.  Bytes go into out[] at out_prod; the
 * producer index moves after them, then the event channel is notified.  A full ring is
 * waited out with yields (the backend runs while we yield), at most RING_STALLS of them for
 * one write: a backend that never reads costs the guest its output, never its progress.
 */
#include <xen/event_channel.h>
#include <xen/io/console.h>
#include <xen/sched.h>

#include "console.h"
#include "hypercall.h"
#include "pagetable.h"

#define RING_STALLS 10000u

bool console_ring_active(void)
{
    return start_info && !(start_info->flags & SIF_PRIVILEGED) && start_info->console.domU.mfn;
}

static void ring_notify(void)
{
    struct evtchn_send op = { .port = start_info->console.domU.evtchn };

    hypercall_event_channel_op(EVTCHNOP_send, &op);
}

void console_ring_write(const char *buf, size_t len)
{
    volatile struct xencons_interface *r = pfn_to_virt(mfn_to_pfn(start_info->console.domU.mfn));
    unsigned int stalls = 0;

    while (len) {
        XENCONS_RING_IDX cons = r->out_cons, prod = r->out_prod;

        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        if (prod - cons >= sizeof(r->out)) {
            ring_notify();
            if (++stalls > RING_STALLS)
                return;
            hypercall_sched_op(SCHEDOP_yield, NULL);
            continue;
        }
        while (len && prod - cons < sizeof(r->out)) {
            r->out[MASK_XENCONS_IDX(prod, r->out)] = *buf++;
            prod++;
            len--;
        }
        __atomic_thread_fence(__ATOMIC_SEQ_CST);
        r->out_prod = prod;
    }
    ring_notify();
}
