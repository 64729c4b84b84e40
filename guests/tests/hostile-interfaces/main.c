/*
 * hostile-interfaces: a hostile PV kernel against the event-channel, vCPU, scheduler, physdev
 * and port-I/O interfaces; every answer must be Xen 4.17's and the hypervisor must survive.
 *
 * The story. Each interface takes numbers and pointers from the guest: ports, VIRQs, vCPU ids,
 * commands, guest addresses. A hostile guest passes them out of range, huge, with high bits
 * set above the 32 bits the hypercall ABI gives a command or vCPU id (Xen's handlers take
 * `int cmd` and `unsigned int vcpuid`, so the upper half of the register is ignored), or
 * pointing into the hypervisor. Xen allocates event-channel ports in buckets of 64: a port of
 * a bucket not yet allocated is invalid (-EINVAL) even below 4096, and a reset frees ports
 * but keeps the buckets.
 *
 * The guest checks every case below, prints each miss and fails if there is one:
 *   - event channels: the first port whose status fails is a multiple of 64, a port past it
 *     is -EINVAL for status and unmask; allocating up to it makes the next 64 valid (closed)
 *     and not the 64 after; EVTCHNOP_reset keeps them valid; ports 4096, 2^31 and 2^32-1 are
 *     -EINVAL for unmask, send, close, bind_vcpu, status; VIRQ 2^32-1 -EINVAL; a per-vCPU VIRQ
 *     or bind_vcpu on vCPU 2^31 -ENOENT; an argument in the hypervisor's half -EFAULT;
 *     command 2^32-1 -ENOSYS, command 2^32 + status is status;
 *   - vcpu_op: vCPU id 2^32 is vCPU 0; command 2^32 + is_up is is_up; vCPU 2^31 -ENOENT; a
 *     runstate area in the hypervisor's half -EFAULT; a periodic timer of 0 or 2^63 ns
 *     -EINVAL; a singleshot timer on a vCPU that does not exist -ENOENT;
 *   - sched_op: poll of 129 ports -EINVAL, of port 5000 -EINVAL, of a port array in the
 *     hypervisor's half -EFAULT; command 2^32 + yield is yield; set_timer_op(2^64-1) and
 *     set_timer_op(0) are accepted;
 *   - physdev_op: set_iopl from the hypervisor's half -EFAULT; command 2^32 + set_iopl is
 *     set_iopl;
 *   - port I/O at virtual IOPL 1: rep outsb from and rep insb into the hypervisor's half are
 *     #GP(0) with nothing done; rep insb at the unmapped top of the lower half is #PF(W) there
 *     with nothing done.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>
#include <xen/physdev.h>
#include <xen/memory.h>

#include "guest.h"

const char test_title[] = "hostile arguments to event channels, vCPU ops, sched, physdev, "
                          "debug registers and port I/O";

#define HV_ADDR 0xffff830000000000UL     /* in the hypervisor's slots on Xen and pvmm-hv */

static unsigned int misses;

static void expect(const char *what, long got, long want)
{
    if (got == want)
        return;
    printk("MISS %s: %ld, expected %ld\n", what, got, want);
    misses++;
}

static long evtchn_op64(uint64_t cmd, void *arg)
{
    return _hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static long vcpu_op64(uint64_t cmd, uint64_t vcpu, void *arg)
{
    return _hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

static long sched_op64(uint64_t cmd, void *arg)
{
    return _hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

static long physdev_op64(uint64_t cmd, void *arg)
{
    return _hypercall2(__HYPERVISOR_physdev_op, cmd, arg);
}

static void event_channels(void)
{
    struct evtchn_status st;
    struct evtchn_unmask um;
    struct evtchn_send sd;
    struct evtchn_close cl;
    struct evtchn_bind_vcpu bv;
    struct evtchn_bind_virq bq;
    struct evtchn_reset rs = { DOMID_SELF };
    static const uint32_t bad_ports[] = { 4096, 0x80000000U, 0xffffffffU };
    unsigned int p, q = 0;

    /* Valid ports come in buckets of 64: the first port whose status fails starts one. */
    for (p = 1; p < 4097; p++) {
        st = (struct evtchn_status){ .dom = DOMID_SELF, .port = p };
        if (evtchn_op64(EVTCHNOP_status, &st) != 0)
            break;
    }
    expect("first invalid port is a bucket boundary", p % 64, 0);
    st = (struct evtchn_status){ .dom = DOMID_SELF, .port = p + 1 };
    expect("status of a port of an unallocated bucket", evtchn_op64(EVTCHNOP_status, &st),
           -XEN_EINVAL);
    um.port = p + 1;
    expect("unmask of a port of an unallocated bucket", evtchn_op64(EVTCHNOP_unmask, &um),
           -XEN_EINVAL);
    do {
        if (evtchn_alloc_unbound(DOMID_SELF, &q))
            break;
    } while (q < p);
    expect("allocation reaches the next bucket", q, p);
    st = (struct evtchn_status){ .dom = DOMID_SELF, .port = p + 1 };
    expect("status of a free port of the new bucket", evtchn_op64(EVTCHNOP_status, &st), 0);
    expect("... closed", st.status, EVTCHNSTAT_closed);
    st = (struct evtchn_status){ .dom = DOMID_SELF, .port = p + 64 };
    expect("status past the new bucket", evtchn_op64(EVTCHNOP_status, &st), -XEN_EINVAL);
    expect("reset", evtchn_op64(EVTCHNOP_reset, &rs), 0);
    st = (struct evtchn_status){ .dom = DOMID_SELF, .port = p + 1 };
    expect("a reset keeps the bucket", evtchn_op64(EVTCHNOP_status, &st), 0);

    for (unsigned int i = 0; i < ARRAY_SIZE(bad_ports); i++) {
        um.port = bad_ports[i];
        expect("unmask bad port", evtchn_op64(EVTCHNOP_unmask, &um), -XEN_EINVAL);
        sd.port = bad_ports[i];
        expect("send bad port", evtchn_op64(EVTCHNOP_send, &sd), -XEN_EINVAL);
        cl.port = bad_ports[i];
        expect("close bad port", evtchn_op64(EVTCHNOP_close, &cl), -XEN_EINVAL);
        bv = (struct evtchn_bind_vcpu){ .port = bad_ports[i], .vcpu = 0 };
        expect("bind_vcpu bad port", evtchn_op64(EVTCHNOP_bind_vcpu, &bv), -XEN_EINVAL);
        st = (struct evtchn_status){ .dom = DOMID_SELF, .port = bad_ports[i] };
        expect("status bad port", evtchn_op64(EVTCHNOP_status, &st), -XEN_EINVAL);
    }
    bq = (struct evtchn_bind_virq){ .virq = 0xffffffffU, .vcpu = 0 };
    expect("bind_virq 2^32-1", evtchn_op64(EVTCHNOP_bind_virq, &bq), -XEN_EINVAL);
    bq = (struct evtchn_bind_virq){ .virq = VIRQ_DEBUG, .vcpu = 0x80000000U };
    expect("bind_virq VIRQ_DEBUG vCPU 2^31", evtchn_op64(EVTCHNOP_bind_virq, &bq),
           -XEN_ENOENT);
    bv = (struct evtchn_bind_vcpu){ .port = 1, .vcpu = 0x80000000U };
    expect("bind_vcpu vCPU 2^31", evtchn_op64(EVTCHNOP_bind_vcpu, &bv), -XEN_ENOENT);
    expect("status from the hypervisor's half",
           evtchn_op64(EVTCHNOP_status, (void *)HV_ADDR), -XEN_EFAULT);
    expect("command 2^32-1", evtchn_op64(0xffffffffUL, &st), -XEN_ENOSYS);
    st = (struct evtchn_status){ .dom = DOMID_SELF, .port = 0 };
    expect("command 2^32 + status", evtchn_op64((1UL << 32) | EVTCHNOP_status, &st), 0);
}

static void vcpu_ops(void)
{
    struct vcpu_register_runstate_memory_area ra = { .addr = HV_ADDR };
    struct vcpu_set_periodic_timer pt;
    struct vcpu_set_singleshot_timer ss = { 0 };

    expect("is_up of vCPU 2^32", vcpu_op64(VCPUOP_is_up, 1UL << 32, NULL), 1);
    expect("command 2^32 + is_up", vcpu_op64((1UL << 32) | VCPUOP_is_up, 0, NULL), 1);
    expect("is_up of vCPU 2^31", vcpu_op64(VCPUOP_is_up, 0x80000000UL, NULL), -XEN_ENOENT);
    expect("runstate area in the hypervisor's half",
           vcpu_op64(VCPUOP_register_runstate_memory_area, 0, &ra), -XEN_EFAULT);
    pt.period_ns = 0;
    expect("periodic timer 0 ns", vcpu_op64(VCPUOP_set_periodic_timer, 0, &pt), -XEN_EINVAL);
    pt.period_ns = 1UL << 63;
    expect("periodic timer 2^63 ns", vcpu_op64(VCPUOP_set_periodic_timer, 0, &pt),
           -XEN_EINVAL);
    expect("singleshot on vCPU 1", vcpu_op64(VCPUOP_set_singleshot_timer, 1, &ss),
           -XEN_ENOENT);
}

static void sched_ops(void)
{
    static uint32_t ports[1] = { 5000 };
    struct sched_poll sp = { .nr_ports = 129 };

    sp.ports = (uint64_t)(uintptr_t)ports;
    expect("poll of 129 ports", sched_op64(SCHEDOP_poll, &sp), -XEN_EINVAL);
    sp.nr_ports = 1;
    expect("poll of port 5000", sched_op64(SCHEDOP_poll, &sp), -XEN_EINVAL);
    sp.ports = HV_ADDR;
    expect("poll of ports in the hypervisor's half", sched_op64(SCHEDOP_poll, &sp),
           -XEN_EFAULT);
    expect("command 2^32 + yield", sched_op64((1UL << 32) | SCHEDOP_yield, NULL), 0);
    expect("set_timer_op(2^64-1)", hypercall_set_timer_op(~0UL), 0);
    expect("set_timer_op(0)", hypercall_set_timer_op(0), 0);
}

static void physdev(void)
{
    struct physdev_set_iopl io = { 0 };

    expect("set_iopl from the hypervisor's half",
           physdev_op64(PHYSDEVOP_set_iopl, (void *)HV_ADDR), -XEN_EFAULT);
    expect("command 2^32 + set_iopl", physdev_op64((1UL << 32) | PHYSDEVOP_set_iopl, &io), 0);
}

#define IO_PROBE(insn, ...) ({ unsigned long b_ = fault_count;                    \
    asm volatile ("1: " insn "\n2:\n" ASM_EXTABLE(1b, 2b) __VA_ARGS__ : "memory");   \
    fault_count != b_; })

static void port_io(void)
{
    struct physdev_set_iopl io = { 1 };
    uint64_t si = HV_ADDR, di = HV_ADDR + 4096 - 2, c = 3;
    bool f;

    expect("set_iopl(1)", physdev_op64(PHYSDEVOP_set_iopl, &io), 0);
    f = IO_PROBE("rep outsb", : "+S" (si), "+c" (c) : "d" (0x80));
    expect("rep outsb from the hypervisor's half: faulted", f, 1);
    expect("... #GP", last_fault.vector, X86_EXC_GP);
    expect("... ec", last_fault.error_code, 0);
    expect("... rcx", (long)c, 3);
    c = 4;
    f = IO_PROBE("rep insb", : "+D" (di), "+c" (c) : "d" (0x80));
    expect("rep insb into the hypervisor's half: faulted", f, 1);
    expect("... #GP", last_fault.vector, X86_EXC_GP);
    expect("... rcx", (long)c, 4);
    di = 0x7ffffffffffeUL;
    f = IO_PROBE("rep insb", : "+D" (di), "+c" (c) : "d" (0x80));
    expect("rep insb at the top of the lower half: faulted", f, 1);
    expect("... #PF", last_fault.vector, X86_EXC_PF);
    expect("... ec", last_fault.error_code, 2);
    expect("... cr2", (long)last_fault.cr2, 0x7ffffffffffeL);
    expect("... rcx", (long)c, 4);
    io.iopl = 0;
    expect("set_iopl(0)", physdev_op64(PHYSDEVOP_set_iopl, &io), 0);
}

int test_main(void)
{
    event_channels();
    vcpu_ops();
    sched_ops();
    physdev();
    port_io();
    if (misses)
        return xtf_failure("%u answers differ from Xen 4.17", misses);
    return xtf_success();
}
