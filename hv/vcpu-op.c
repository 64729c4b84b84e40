/*
 * hv/vcpu-op.c - a vCPU's timers and vcpu_op (24): set_timer_op (15), the singleshot and
 * periodic timers, VIRQ_TIMER, vcpu_info and runstate registration, and the vCPU state
 * queries; Xen's checks and error codes.
 *
 * The singleshot timer (set_timer_op, VCPUOP_set_singleshot_timer) and the periodic timer
 * (VCPUOP_set_periodic_timer) both raise VIRQ_TIMER on the vCPU.  set_timer_op(0) stops the
 * singleshot timer; a past timeout fires at once, and a negative one or one more than 2^50 ns
 * ahead (old Linux's wrapped jiffies) fires in 100 ms, as on Xen 4.17.  VCPU_SSHOTTMR_future is
 * accepted and ignored, as by Xen 4.17.7 (a past timeout fires at once, no -ETIME).  Every
 * vCPU starts with a 10 ms periodic timer, as on Xen; Linux stops it.  The next periodic
 * event is due a period after the last one was sent, as on Xen, so a late event delays the
 * ones after it rather than bunching them.
 */
#include "events.h"
#include <xen/vcpu.h>
#include <xen/sched.h>

static void send_timer_event(struct vcpu *v)
{
    update_vcpu_system_time(v);
    send_guest_vcpu_virq(v, VIRQ_TIMER);
}

static void singleshot_timer_fn(void *data)
{
    send_timer_event(data);
}

static void periodic_timer_fn(void *data)
{
    struct vcpu *v = data;
    struct hv_vcpu *h = hvv(v);

    send_timer_event(v);
    if (h->periodic_period)
        set_timer(&h->periodic_timer, NOW() + h->periodic_period);
}

void vcpu_timers_init(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);
    init_timer(&h->singleshot_timer, singleshot_timer_fn, v, h->processor);
    init_timer(&h->periodic_timer, periodic_timer_fn, v, h->processor);
}

/* v now runs on CPU cpu: its timers fire there. */
void vcpu_timers_migrate(struct vcpu *v, unsigned int cpu)
{
    struct hv_vcpu *h = hvv(v);

    migrate_timer(&h->singleshot_timer, cpu);
    migrate_timer(&h->periodic_timer, cpu);
    if (h->poll_timer.fn)
        migrate_timer(&h->poll_timer, cpu);
}

void set_periodic(struct vcpu *v, uint64_t period)
{
    struct hv_vcpu *h = hvv(v);
    h->periodic_period = period;
    if (period)
        set_timer(&h->periodic_timer, NOW() + period);
    else
        stop_timer(&h->periodic_timer);
}

long hc_set_timer_op(uint64_t timeout)
{
    struct timer *t = &hvv(current)->singleshot_timer;
    if (timeout == 0)
        stop_timer(t);
    else if ((int64_t)timeout < 0 || (int64_t)(timeout - NOW()) > (1L << 50))
        set_timer(t, NOW() + MILLISECS(100));
    else
        set_timer(t, timeout);
    return 0;
}

static long register_runstate(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_runstate_memory_area area;
    if (copy_from_guest_va(&area, arg, sizeof(area)))
        return -XEN_EFAULT;
    if (!guest_handle_okay(area.addr))
        return -XEN_EFAULT;
    hvv(v)->runstate_guest = area.addr;
    if (v == current) {
        update_runstate_area(v);
    } else {
        struct vcpu_runstate_info ri;       /* written now too, as Xen (same domain: same VA) */
        runstate_get(v, &ri);
        copy_to_guest_va(area.addr, &ri, sizeof(ri));
    }
    return 0;
}

/* VCPUOP_register_vcpu_time_memory_area: a second copy of v's time record in guest memory
 * (for user-space clocks), written now and at each update while v runs in kernel mode;
 * an address starting in the hypervisor's range -EFAULT (Xen's guest handle check: an area
 * that cannot be written is accepted, and the writes fail quietly), 0 unregisters. */
static long register_time_area(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_time_memory_area area;

    if (copy_from_guest_va(&area, arg, sizeof(area)))
        return -XEN_EFAULT;
    if (!guest_handle_okay(area.addr))
        return -XEN_EFAULT;
    hvv(v)->time_area = area.addr;
    if (area.addr)
        update_time_area(v);           /* the caller's tables: the same domain's VA space */
    return 0;
}

/* VCPUOP_register_vcpu_info: v's vcpu_info moves to mfn + offset, once; Xen's checks in Xen's
 * order (-ENXIO for an offset across the page or not 8-byte aligned, -EINVAL for a second
 * registration, for another vCPU that is up, or for a frame the domain cannot write). */
static long register_vcpu_info(struct vcpu *v, uint64_t arg)
{
    struct vcpu_register_vcpu_info info;
    struct hv_vcpu *h = hvv(v);
    struct vcpu_info *nv;

    if (copy_from_guest_va(&info, arg, sizeof(info)))
        return -XEN_EFAULT;
    if (info.offset > PAGE_SIZE - sizeof(struct vcpu_info) || (info.offset & 7))
        return -XEN_ENXIO;              /* across the page, or not 8-byte aligned */
    if (h->vcpu_info_mfn)
        return -XEN_EINVAL;             /* registered once only */
    if (v != current && !h->down)
        return -XEN_EINVAL;             /* another vCPU only while it is down */
    if (mmglue_get_writable_frame(v, info.mfn))
        return -XEN_EINVAL;
    nv = (struct vcpu_info *)((uint8_t *)mfn_to_virt(info.mfn) + info.offset);
    memcpy(nv, h->vcpu_info, sizeof(*nv));
    h->vcpu_info = nv;
    h->vcpu_info_mfn = info.mfn;
    /* Everything pending, so nothing raised during the move is lost (as Xen). */
    nv->evtchn_upcall_pending = 1;
    nv->evtchn_pending_sel = ~0UL;
    update_vcpu_system_time(v);
    return 0;
}

/* The domain is going away: kill its vCPUs' timers and give back the vcpu_info frames, so
 * that the core's teardown finds no reference of the hypervisor's left.  Its ports are
 * closed (and the FIFO frames given back) first, so no event writes a vcpu_info after it
 * is given back. */
void vcpu_events_teardown(struct domain *d)
{
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = &d->vcpu[i];
        struct hv_vcpu *h = hvv(v);
        if (!h)
            continue;
        __atomic_store_n(&h->periodic_period, 0, __ATOMIC_SEQ_CST);   /* it re-arms no more */
        kill_timer(&h->singleshot_timer);   /* no timer writes vcpu_info from another CPU */
        kill_timer(&h->periodic_timer);
        kill_timer(&h->poll_timer);
        if (h->vcpu_info_mfn) {
            mmglue_put_writable_frame(v, h->vcpu_info_mfn);
            h->vcpu_info_mfn = 0;
        }
    }
}

long hc_vcpu_op(unsigned long cmd, unsigned long vcpuid, uint64_t arg)
{
    struct domain *d = current->domain;
    struct vcpu *v;

    if (vcpuid >= d->max_vcpus || !d->vcpu[vcpuid].plat)
        return -XEN_ENOENT;
    v = &d->vcpu[vcpuid];
    switch (cmd) {
    case VCPUOP_initialise:
        return vcpu_initialise(v, arg);
    case VCPUOP_up:
        return vcpu_up(v);
    case VCPUOP_down:
        return vcpu_down(v);
    case VCPUOP_is_up:
        return !hvv(v)->down;
    case VCPUOP_get_runstate_info: {
        struct vcpu_runstate_info ri;
        runstate_get(v, &ri);
        return copy_to_guest_va(arg, &ri, sizeof(ri)) ? -XEN_EFAULT : 0;
    }
    case VCPUOP_register_runstate_memory_area:
        return register_runstate(v, arg);
    case VCPUOP_set_periodic_timer: {
        struct vcpu_set_periodic_timer p;
        if (copy_from_guest_va(&p, arg, sizeof(p)))
            return -XEN_EFAULT;
        if (p.period_ns < MILLISECS(1) || p.period_ns > (~0UL >> 1))
            return -XEN_EINVAL;
        set_periodic(v, p.period_ns);
        return 0;
    }
    case VCPUOP_stop_periodic_timer:
        set_periodic(v, 0);
        return 0;
    case VCPUOP_set_singleshot_timer: {
        struct vcpu_set_singleshot_timer s;
        if (v != current)
            return -XEN_EINVAL;
        if (copy_from_guest_va(&s, arg, sizeof(s)))
            return -XEN_EFAULT;
        set_timer(&hvv(v)->singleshot_timer, s.timeout_abs_ns);
        return 0;
    }
    case VCPUOP_stop_singleshot_timer:
        if (v != current)
            return -XEN_EINVAL;
        stop_timer(&hvv(v)->singleshot_timer);
        return 0;
    case VCPUOP_register_vcpu_info:
        return register_vcpu_info(v, arg);
    case VCPUOP_register_vcpu_time_memory_area:
        return register_time_area(v, arg);
    default:
        return -XEN_ENOSYS;
    }
}
