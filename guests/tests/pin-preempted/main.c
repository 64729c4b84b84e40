/*
 * pin-preempted: a long pin is preempted by the guest's own timer and still completes.
 *
 * The story. Pinning an L4 validates the whole tree beneath it: here 512 L1s with 262 144
 * writable entries, tens of millions of instructions. A hypervisor must not run that with
 * the guest's timer unheard: it checks for pending work at its preemption points, and when
 * there is some it records how far it got (PGT_partial), rewinds the guest's rip to the
 * hypercall instruction and returns. The pending event is then delivered with that rip in
 * the upcall frame, and when the guest's handler returns the hypercall runs again and
 * resumes where it stopped. The guest sees nothing but its timer interrupts arriving "at"
 * the hypercall instruction, and a pin that succeeds.
 *
 * The guest builds the tree by the construction recipe, binds VIRQ_TIMER with a 1 ms
 * periodic timer and events enabled, and issues MMUEXT_PIN_L4_TABLE. It checks that
 *   1. at least one timer upcall arrived with rip inside the mmuext_op stub of the
 *      hypercall page (the pin was preempted and continued);
 *   2. the pin returned 0 and the tree is pinned: pinning it again is -EINVAL, unpinning
 *      it works, and its pages can be made writable again (no type reference left over).
 */
#include <xen/vcpu.h>

#include "guest.h"

const char test_title[] = "a long pin preempted by the guest's timer, then completed";

static struct pt_tree_1g tree;
static unsigned int timer_port;
static volatile unsigned long timer_events, in_pin_stub;

static void on_event(unsigned int port, const struct cpu_regs *regs)
{
    uint64_t stub = (uint64_t)(uintptr_t)hypercall_page + __HYPERVISOR_mmuext_op * 32;

    if (port != timer_port)
        return;
    timer_events++;
    if (regs->rip >= stub && regs->rip < stub + 32)
        in_pin_stub++;
}

int test_main(void)
{
    struct vcpu_set_periodic_timer per = { .period_ns = 1000000UL };
    static unsigned long frames[PT_ENTRIES];
    unsigned long l4_mfn;
    uint64_t t0, t1;
    long rc;

    if ((rc = events_init()) != 0)
        return xtf_error("events_init: %ld", rc);
    if ((rc = evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port)) != 0)
        return xtf_error("bind_virq(VIRQ_TIMER): %ld", rc);
    for (unsigned int i = 0; i < PT_ENTRIES; i++)
        frames[i] = virt_to_mfn(alloc_page());
    pt_tree_1g_build(&tree, frames);
    l4_mfn = virt_to_mfn(tree.l4);
    if ((rc = pt_tree_1g_set_rw(&tree, false)) != 0)
        return xtf_error("making the tree read-only: %ld", rc);

    event_handler = on_event;
    if ((rc = hypercall_vcpu_op(VCPUOP_set_periodic_timer, 0, &per)) != 0)
        return xtf_error("set_periodic_timer(1 ms): %ld", rc);
    events_unmask();
    t0 = pvclock_ns();
    rc = pt_pin(4, l4_mfn);
    t1 = pvclock_ns();
    events_mask();
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 0, NULL);
    printk("pin of the 1 GiB tree: %ld after %lu us; %lu timer upcalls, %lu of them at the "
           "hypercall\n", rc, (unsigned long)(t1 - t0) / 1000, timer_events, in_pin_stub);
    if (rc)
        return xtf_failure("the preempted pin failed: %ld", rc);
    if (in_pin_stub == 0)
        return xtf_failure("no timer upcall arrived during the pin (%lu in all)",
                           timer_events);
    if ((rc = pt_pin(4, l4_mfn)) != -XEN_EINVAL)
        return xtf_failure("pinning the tree again: %ld, expected -EINVAL", rc);
    if ((rc = pt_unpin(l4_mfn)) != 0)
        return xtf_failure("unpinning the tree: %ld", rc);
    if ((rc = pt_tree_1g_set_rw(&tree, true)) != 0)
        return xtf_failure("making the tree writable after the unpin: %ld", rc);
    return xtf_success();
}
