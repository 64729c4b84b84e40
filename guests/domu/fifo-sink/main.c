/*
 * domU fifo-sink: a domain on the FIFO event-channel ABI that takes events and never
 * consumes them (guest domu-destroy-while-sending).  Its command line is `port=P`, P its end
 * of the channel its builder bound to dom0.  It maps a FIFO control block for vCPU 0 and one
 * event-array page, notifies dom0 on P, and then waits for ever in SCHEDOP_poll on a port
 * nobody sends to, events masked, while dom0 sends on P and destroys it.  A setup step that
 * fails is its verdict (FAILURE: shutdown crash), before it notifies.  With `crash=1` on the
 * command line it shuts down with crash right after notifying.
 */
#include "guest.h"
#include <xen/sched.h>

const char test_title[] = "domU fifo-sink: FIFO events it never consumes";

int test_main(void)
{
    void *cb = alloc_page(), *array = alloc_page();
    struct evtchn_init_control ic = { .control_gfn = virt_to_mfn(cb), .vcpu = 0 };
    struct evtchn_expand_array ea = { .array_gfn = virt_to_mfn(array) };
    unsigned long port = cmdline_uint("port=");
    unsigned int idle;
    evtchn_port_t p;
    struct sched_poll poll = { .ports = (uint64_t)(uintptr_t)&p, .nr_ports = 1 };

    if (events_init())
        return xtf_error("events_init failed");
    events_mask();
    memset(cb, 0, PAGE_SIZE);
    memset(array, 0, PAGE_SIZE);
    if (!port || port == ~0UL)
        return xtf_error("no port= on the command line");
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_init_control, &ic), 0, "init_control");
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_expand_array, &ea), 0, "expand_array");
    XTF_EXPECT_RC(evtchn_alloc_unbound(DOMID_SELF, &idle), 0, "alloc_unbound");
    XTF_EXPECT_RC(evtchn_send((unsigned int)port), 0, "notify dom0");
    if (cmdline_uint("crash=") == 1)
        return xtf_failure("crashing, as asked");
    p = idle;
    for (;;)
        hypercall_sched_op(SCHEDOP_poll, &poll);
}
