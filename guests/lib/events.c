/*
 * events.c: shared_info, the PV clock and event-channel delivery (see events.h).
 */
#include <xen/callback.h>
#include <xen/sched.h>
#include <xen/version.h>

#include "events.h"
#include "hypercall.h"
#include "pagetable.h"

struct shared_info *shared_info;
struct vcpu_info *vcpu0_info_ptr;
void (*event_handler)(unsigned int port, const struct cpu_regs *regs);
volatile unsigned long upcall_count;
void (*event_handler_vcpu)(unsigned int vcpu, unsigned int port, const struct cpu_regs *regs);
volatile unsigned long upcall_count_vcpu[4];

extern char event_entry[];

int shared_info_map(void)
{
    void *va;
    long rc;

    if (shared_info)
        return 0;
    va = alloc_page();
    rc = pt_map_mfn((unsigned long)va, start_info->shared_info >> PAGE_SHIFT, PTE_FLAGS_RW);
    if (rc)
        return (int)rc;
    shared_info = va;
    vcpu0_info_ptr = &shared_info->vcpu_info[0];
    return 0;
}

int events_init(void)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_event,
        .address = (uint64_t)(uintptr_t)event_entry,
    };
    int rc = shared_info_map();

    if (rc)
        return rc;
    return (int)hypercall_callback_op(CALLBACKOP_register, &cb);
}

uint64_t pvclock_ns(void)
{
    const volatile struct vcpu_time_info *t = &vcpu0_info()->time;
    uint32_t version;
    uint64_t tsc, delta, ns;

    do {
        version = t->version;
        asm volatile ("" ::: "memory");
        asm volatile ("rdtsc; shl $32, %%rdx; or %%rdx, %%rax" : "=a" (tsc) :: "rdx");
        delta = tsc - t->tsc_timestamp;
        if (t->tsc_shift >= 0)
            delta <<= t->tsc_shift;
        else
            delta >>= -t->tsc_shift;
        ns = t->system_time + (uint64_t)(((unsigned __int128)delta * t->tsc_to_system_mul) >> 32);
        asm volatile ("" ::: "memory");
    } while ((version & 1) || version != t->version);
    return ns;
}

uint64_t pvclock_deadline(uint64_t ns)
{
    if (!vcpu0_info_ptr && shared_info_map())
        return 0;
    return pvclock_ns() + ns;
}

bool pvclock_before(uint64_t end)
{
    return end && pvclock_ns() < end;
}

uint64_t pvclock_tsc_khz(void)
{
    const volatile struct vcpu_time_info *t = &vcpu0_info()->time;
    uint64_t khz = (1000000ULL << 32) / t->tsc_to_system_mul;

    return t->tsc_shift < 0 ? khz << -t->tsc_shift : khz >> t->tsc_shift;
}

void events_unmask(void)
{
    vcpu0_info()->evtchn_upcall_mask = 0;
    asm volatile ("" ::: "memory");
    if (vcpu0_info()->evtchn_upcall_pending)
        hypercall_xen_version(XENVER_version, NULL);    /* any hypercall delivers it */
}

void event_upcall(const struct cpu_regs *regs)
{
    unsigned int vcpu = (unsigned int)(regs->vector - EVENT_VECTOR);
    struct vcpu_info *vi = vcpu ? &shared_info->vcpu_info[vcpu] : vcpu0_info();
    unsigned long sel;

    if (vcpu)
        upcall_count_vcpu[vcpu]++;
    else
        upcall_count++;
    vi->evtchn_upcall_pending = 0;
    sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
    while (sel) {
        unsigned int w = (unsigned int)__builtin_ctzl(sel);
        unsigned long pend;

        sel &= sel - 1;
        pend = shared_info->evtchn_pending[w] & ~shared_info->evtchn_mask[w];
        while (pend) {
            unsigned int b = (unsigned int)__builtin_ctzl(pend);

            pend &= pend - 1;
            port_clear(w * 64 + b);
            if (event_handler_vcpu)
                event_handler_vcpu(vcpu, w * 64 + b, regs);
            else if (event_handler)
                event_handler(w * 64 + b, regs);
        }
    }
}

long evtchn_bind_virq(unsigned int virq, unsigned int vcpu, unsigned int *port)
{
    struct evtchn_bind_virq op = { .virq = virq, .vcpu = vcpu };
    long rc = hypercall_event_channel_op(EVTCHNOP_bind_virq, &op);

    *port = op.port;
    return rc;
}

long evtchn_bind_ipi(unsigned int vcpu, unsigned int *port)
{
    struct evtchn_bind_ipi op = { .vcpu = vcpu };
    long rc = hypercall_event_channel_op(EVTCHNOP_bind_ipi, &op);

    *port = op.port;
    return rc;
}

long evtchn_alloc_unbound(domid_t remote, unsigned int *port)
{
    struct evtchn_alloc_unbound op = { .dom = DOMID_SELF, .remote_dom = remote };
    long rc = hypercall_event_channel_op(EVTCHNOP_alloc_unbound, &op);

    *port = op.port;
    return rc;
}

void port_wait(unsigned int port)
{
    evtchn_port_t p = port;
    struct sched_poll poll = { .ports = (uint64_t)(uintptr_t)&p, .nr_ports = 1 };

    hypercall_sched_op(SCHEDOP_poll, &poll);
    port_clear(port);
}

long evtchn_send(unsigned int port)
{
    struct evtchn_send op = { .port = port };

    return hypercall_event_channel_op(EVTCHNOP_send, &op);
}

long evtchn_close(unsigned int port)
{
    struct evtchn_close op = { .port = port };

    return hypercall_event_channel_op(EVTCHNOP_close, &op);
}

long evtchn_unmask(unsigned int port)
{
    struct evtchn_unmask op = { .port = port };

    return hypercall_event_channel_op(EVTCHNOP_unmask, &op);
}
