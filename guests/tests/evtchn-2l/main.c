/*
 * evtchn-2l: event channels to self with the 2-level ABI - delivery, masking, the
 * pending-while-masked rule, interdomain loopback, status, errors and port exhaustion.
 *
 * The story. An event channel is a port with a pending bit and a mask bit in shared_info.
 * Sending sets the pending bit; if the port is not masked, the hypervisor also sets the
 * port's word in the vCPU's evtchn_pending_sel and evtchn_upcall_pending, and the vCPU gets
 * an upcall as soon as its evtchn_upcall_mask (the virtual interrupt flag) is clear. A port
 * that becomes pending while masked raises nothing; EVTCHNOP_unmask then raises it. Port 0
 * is reserved; a domain has 4096 ports on the 2-level ABI and the 4096th allocation fails
 * with -ENOSPC. Guest input must never reach an assertion: every bad argument gets Xen's
 * error code.
 *
 * The guest checks:
 *   1. bind_ipi to vCPU 0 and send: exactly one upcall, for that port, at once;
 *   2. port masked, send: pending bit set, no selector bit, no upcall_pending, no upcall;
 *      EVTCHNOP_unmask: the upcall arrives;
 *   3. evtchn_upcall_mask set, send: upcall_pending set but no upcall; clearing the mask and
 *      making any hypercall delivers it;
 *   4. alloc_unbound(DOMID_SELF) then bind_interdomain to it (a loopback pair): the new local
 *      port is pending at once (Xen's "lost notification" rule); status of both ends says
 *      interdomain with each other's port; send on one end arrives on the other; close of
 *      one end turns the other back into unbound (remote dom 0);
 *   5. errors: send and close on a free port -EINVAL, close of port 0 -EINVAL, bind_virq of
 *      VIRQ_TIMER twice -EEXIST, of a VIRQ >= 24 -EINVAL, of a global VIRQ on vCPU 1 -EINVAL,
 *      of VIRQ_TIMER on vCPU 1 -ENOENT, bind_ipi to vCPU 1 -ENOENT, alloc_unbound for
 *      domain 7 -ESRCH, status of a port past 4095 -EINVAL;
 *   6. allocating unbound ports until failure ends in -ENOSPC after port 4095; EVTCHNOP_reset
 *      frees them all (the next allocation gets port 1);
 *   7. FIFO's init_control before anything is allocated: vCPU 1 -ENOENT, offset past the
 *      page minus the 72-byte control block -EINVAL, an unaligned offset -EINVAL, a
 *      control-block frame that is a page table (the L4) -EINVAL, one past the end of RAM
 *      -EINVAL; expand_array without FIFO -EOPNOTSUPP; set_priority on 2-level -ENOSYS.
 */
#include <xen/sched.h>
#include <xen/version.h>

#include "guest.h"

const char test_title[] = "event channels: 2-level delivery, masking, errors, -ENOSPC";

static volatile unsigned long port_events[8];
static volatile unsigned int last_port;

static void on_event(unsigned int port, const struct cpu_regs *regs)
{
    (void)regs;
    last_port = port;
    if (port < 8)
        port_events[port]++;
}

static long evtchn_status(unsigned int port, struct evtchn_status *st)
{
    *st = (struct evtchn_status){ .dom = DOMID_SELF, .port = port };
    return hypercall_event_channel_op(EVTCHNOP_status, st);
}

static int check_delivery(void)
{
    unsigned int ipi;
    unsigned long before;

    XTF_EXPECT_RC(evtchn_bind_ipi(0, &ipi), 0, "bind_ipi(vCPU 0)");
    if (ipi >= 8)
        return xtf_error("bind_ipi gave port %u, the test needs a low port", ipi);
    printk("IPI port %u\n", ipi);

    /* 1. Send to self. */
    before = port_events[ipi];
    XTF_EXPECT_RC(evtchn_send(ipi), 0, "send");
    if (port_events[ipi] != before + 1)
        return xtf_failure("send: %lu upcalls for port %u, expected 1",
                           port_events[ipi] - before, ipi);

    /* 2. Pending while masked; unmask raises it. */
    before = port_events[ipi];
    port_mask(ipi);
    XTF_EXPECT_RC(evtchn_send(ipi), 0, "send (port masked)");
    if (!port_pending(ipi))
        return xtf_failure("send on a masked port did not set its pending bit");
    if (vcpu0_info()->evtchn_upcall_pending || vcpu0_info()->evtchn_pending_sel)
        return xtf_failure("a masked port raised upcall_pending %u / pending_sel %#lx",
                           vcpu0_info()->evtchn_upcall_pending,
                           (unsigned long)vcpu0_info()->evtchn_pending_sel);
    hypercall_xen_version(XENVER_version, NULL);
    if (port_events[ipi] != before)
        return xtf_failure("an upcall for a masked port");
    XTF_EXPECT_RC(evtchn_unmask(ipi), 0, "unmask");
    if (port_events[ipi] != before + 1)
        return xtf_failure("unmask of a pending port: %lu upcalls, expected 1",
                           port_events[ipi] - before);

    /* 3. The virtual interrupt flag. */
    before = port_events[ipi];
    events_mask();
    XTF_EXPECT_RC(evtchn_send(ipi), 0, "send (events masked)");
    if (!vcpu0_info()->evtchn_upcall_pending)
        return xtf_failure("send with events masked did not set upcall_pending");
    hypercall_xen_version(XENVER_version, NULL);
    if (port_events[ipi] != before)
        return xtf_failure("an upcall while evtchn_upcall_mask was set");
    events_unmask();
    if (port_events[ipi] != before + 1)
        return xtf_failure("clearing the mask delivered %lu upcalls, expected 1",
                           port_events[ipi] - before);
    XTF_EXPECT_RC(evtchn_close(ipi), 0, "close(IPI port)");
    return 0;
}

static int check_loopback(void)
{
    struct evtchn_bind_interdomain bi;
    struct evtchn_status st;
    unsigned int a, b;
    unsigned long before;

    XTF_EXPECT_RC(evtchn_alloc_unbound(DOMID_SELF, &a), 0, "alloc_unbound(DOMID_SELF)");
    XTF_EXPECT_RC(evtchn_status(a, &st), 0, "status(unbound)");
    if (st.status != EVTCHNSTAT_unbound || st.u.unbound.dom != 0)
        return xtf_failure("status of an unbound port: %u dom %u", st.status,
                           st.u.unbound.dom);
    bi = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = a };
    before = a < 8 ? port_events[a] : 0;
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_bind_interdomain, &bi), 0,
           "bind_interdomain(self)");
    b = bi.local_port;
    printk("loopback pair: ports %u and %u\n", a, b);
    if (b >= 8 || a >= 8)
        return xtf_error("loopback ports %u/%u too high for the test", a, b);
    if (port_events[b] != 1)
        return xtf_failure("the new local port %u had %lu upcalls at bind, expected 1", b,
                           port_events[b]);
    XTF_EXPECT_RC(evtchn_status(a, &st), 0, "status(a)");
    if (st.status != EVTCHNSTAT_interdomain || st.u.interdomain.dom != 0 ||
        st.u.interdomain.port != b)
        return xtf_failure("status(a): %u dom %u port %u", st.status, st.u.interdomain.dom,
                           st.u.interdomain.port);
    XTF_EXPECT_RC(evtchn_status(b, &st), 0, "status(b)");
    if (st.status != EVTCHNSTAT_interdomain || st.u.interdomain.port != a || st.vcpu != 0)
        return xtf_failure("status(b): %u port %u vcpu %u", st.status, st.u.interdomain.port,
                           st.vcpu);
    before = port_events[a];
    XTF_EXPECT_RC(evtchn_send(b), 0, "send(b)");
    if (port_events[a] != before + 1 || last_port != a)
        return xtf_failure("send on %u: %lu upcalls on %u (last port %u)", b,
                           port_events[a] - before, a, last_port);
    XTF_EXPECT_RC(evtchn_close(b), 0, "close(b)");
    XTF_EXPECT_RC(evtchn_status(a, &st), 0, "status(a) after close(b)");
    if (st.status != EVTCHNSTAT_unbound || st.u.unbound.dom != 0)
        return xtf_failure("after close of its peer, port %u is %u (dom %u), expected unbound",
                           a, st.status, st.u.unbound.dom);
    XTF_EXPECT_RC(evtchn_status(b, &st), 0, "status(b) after close");
    if (st.status != EVTCHNSTAT_closed)
        return xtf_failure("closed port %u has status %u", b, st.status);
    XTF_EXPECT_RC(evtchn_close(a), 0, "close(a)");
    return 0;
}

static int check_errors(unsigned int timer_port)
{
    struct evtchn_alloc_unbound au = { .dom = 7, .remote_dom = DOMID_SELF };
    struct evtchn_status st;
    unsigned int p;

    XTF_EXPECT_RC(evtchn_send(5), -XEN_EINVAL, "send on a free port");
    XTF_EXPECT_RC(evtchn_close(5), -XEN_EINVAL, "close of a free port");
    XTF_EXPECT_RC(evtchn_close(0), -XEN_EINVAL, "close of port 0");
    XTF_EXPECT_RC(evtchn_bind_virq(VIRQ_TIMER, 0, &p), -XEN_EEXIST, "VIRQ_TIMER bound twice");
    XTF_EXPECT_RC(evtchn_bind_virq(NR_VIRQS, 0, &p), -XEN_EINVAL, "bind_virq(24)");
    XTF_EXPECT_RC(evtchn_bind_virq(VIRQ_CONSOLE, 1, &p), -XEN_EINVAL, "global VIRQ on vCPU 1");
    XTF_EXPECT_RC(evtchn_bind_virq(VIRQ_TIMER, 1, &p), -XEN_ENOENT, "VIRQ_TIMER on vCPU 1");
    XTF_EXPECT_RC(evtchn_bind_ipi(1, &p), -XEN_ENOENT, "bind_ipi(vCPU 1)");
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &au), -XEN_ESRCH,
           "alloc_unbound in domain 7");
    XTF_EXPECT_RC(evtchn_status(4096, &st), -XEN_EINVAL, "status(4096)");
    XTF_EXPECT_RC(evtchn_status(timer_port, &st), 0, "status(VIRQ_TIMER port)");
    if (st.status != EVTCHNSTAT_virq || st.u.virq != VIRQ_TIMER)
        return xtf_failure("status of the timer port: %u virq %u", st.status, st.u.virq);
    return 0;
}

static int check_exhaustion(void)
{
    struct evtchn_reset rs = { .dom = DOMID_SELF };
    unsigned int p = 0, last = 0, n = 0;
    long rc;

    while ((rc = evtchn_alloc_unbound(DOMID_SELF, &p)) == 0) {
        last = p;
        if (++n > 5000)
            return xtf_failure("more than 5000 ports allocated");
    }
    printk("allocated %u ports, the last %u, then %ld\n", n, last, rc);
    if (rc != -XEN_ENOSPC)
        return xtf_failure("port exhaustion gave %ld, expected -ENOSPC", rc);
    if (last != 4095)
        return xtf_failure("the last port allocated was %u, expected 4095", last);
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_reset, &rs), 0, "reset(DOMID_SELF)");
    XTF_EXPECT_RC(evtchn_alloc_unbound(DOMID_SELF, &p), 0, "alloc_unbound after reset");
    if (p != 1)
        return xtf_failure("after reset the first port is %u, expected 1", p);
    return 0;
}

static int check_fifo_args(void)
{
    struct evtchn_init_control ic;
    struct evtchn_expand_array ea = { .array_gfn = 0 };
    struct evtchn_set_priority sp = { .port = 1, .priority = 7 };
    unsigned long good = virt_to_mfn(alloc_page());

    ic = (struct evtchn_init_control){ .control_gfn = good, .offset = 0, .vcpu = 1 };
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_init_control, &ic), -XEN_ENOENT,
           "init_control on vCPU 1");
    ic = (struct evtchn_init_control){ .control_gfn = good, .offset = 4096 - 72 + 8 };
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_init_control, &ic), -XEN_EINVAL,
           "init_control with the block crossing the page");
    ic = (struct evtchn_init_control){ .control_gfn = good, .offset = 4 };
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_init_control, &ic), -XEN_EINVAL,
           "init_control at offset 4");
    ic = (struct evtchn_init_control){ .control_gfn = pt_current_l4_mfn() };
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_init_control, &ic), -XEN_EINVAL,
           "init_control on the L4");
    ic = (struct evtchn_init_control){ .control_gfn = 1UL << 40 };
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_init_control, &ic), -XEN_EINVAL,
           "init_control on a frame past RAM");
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_expand_array, &ea), -XEN_EOPNOTSUPP,
           "expand_array without FIFO");
    XTF_EXPECT_RC(hypercall_event_channel_op(EVTCHNOP_set_priority, &sp), -XEN_ENOSYS,
           "set_priority on 2-level");
    return 0;
}

int test_main(void)
{
    unsigned int timer_port;
    int rc = events_init();

    if (rc)
        return xtf_error("events_init: %d", rc);
    event_handler = on_event;
    /* Keep the default periodic timer quiet: its port is bound, but masked. */
    if (evtchn_bind_virq(VIRQ_TIMER, 0, &timer_port))
        return xtf_error("bind_virq(VIRQ_TIMER)");
    port_mask(timer_port);
    events_unmask();
    if (check_fifo_args() || check_delivery() || check_loopback() ||
        check_errors(timer_port) || check_exhaustion())
        return 0;
    return xtf_success();
}
