/*
 * crash-held-fifo-frames: a domain that crashes while the hypervisor holds its FIFO event
 * frames (a control block and event array pages) is torn down with every reference given
 * back exactly once.
 *
 * EVTCHNOP_init_control and EVTCHNOP_expand_array make the hypervisor keep a general and a
 * writable type reference on each frame for as long as the domain uses the FIFO ABI; the
 * same frame may be given twice (Xen 4.17 accepts the same array page again, measured), and
 * then holds two. When the domain ends, each must be dropped once: twice would underflow the
 * frame's counts, never would leak it. The guest switches to FIFO, adds three array pages
 * (the second one twice), makes a port pending on its queue, then clears its trap table and
 * executes ud2, so the domain is crashed (as in crash-unhandled-exception). The expected
 * verdict is CRASH on both hypervisors (`expect`); pvmm-hv runs its auditor after the
 * teardown, and any violation there turns the verdict into HV_PANIC.
 */
#include "guest.h"

const char test_title[] = "a crash while FIFO frames are held: every reference dropped once";

static long expand(void *page)
{
    struct evtchn_expand_array ea = { .array_gfn = virt_to_mfn(page) };
    return hypercall_event_channel_op(EVTCHNOP_expand_array, &ea);
}

int test_main(void)
{
    struct evtchn_init_control ic = { .control_gfn = virt_to_mfn(alloc_page()) };
    void *a = alloc_page(), *b = alloc_page();
    unsigned int port;
    long rc;

    if (events_init())
        return xtf_error("events_init");
    events_mask();
    if ((rc = hypercall_event_channel_op(EVTCHNOP_init_control, &ic)) != 0)
        return xtf_error("init_control: %ld", rc);
    if ((rc = expand(a)) || (rc = expand(b)) || (rc = expand(b)))
        return xtf_error("expand_array: %ld", rc);
    if ((rc = evtchn_bind_ipi(0, &port)) || (rc = evtchn_send(port)))
        return xtf_error("bind_ipi/send: %ld", rc);
    if ((rc = hypercall_set_trap_table(NULL)) != 0)
        return xtf_error("set_trap_table(NULL) gave %ld", rc);
    printk("FIFO on, 3 array pages (one twice), port %u linked; now ud2 with no #UD handler\n",
           port);
    asm volatile ("ud2" ::: "memory");
    return xtf_failure("the guest continued after an exception it has no handler for");
}
