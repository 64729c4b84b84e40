/*
 * hv/sched.c - blocking, polling, waking, runstate accounting and the exit path's work;
 * sched_op (29) and sched_op_compat (6).  Which vCPU runs is sched-rr.c's business, how the
 * CPU switches between them context-switch.c's.
 *
 * A vCPU that blocks (SCHEDOP_block, SCHEDOP_poll) stays current until its exit path, which
 * finds it not runnable and reschedules: another runnable vCPU of the CPU runs, or the idle
 * vCPU, while which the exit path halts (`sti; hlt`, interrupts off in between, so a wake-up
 * raised by an interrupt is never lost).  Waking (vcpu_unblock) comes from an event marked
 * pending (evtchn.c), a polled port, or the poll timeout, on any vCPU of any domain, and
 * queues the vCPU again (vcpu_wake).  Runstate time is accounted on every transition
 * (running, runnable, blocked, offline) and copied to the guest's registered runstate area
 * when the vCPU stops and starts running.
 *
 * guest_exit_work() (inline in events.h, this is its slow path guest_exit_slow()) is the last
 * thing before every return to a guest, with interrupts off: softirqs (the timer, then
 * schedule), the idle halt while the CPU has nothing to run, the failsafe callback after a
 * failed segment reload, then the event upcall: when evtchn_upcall_pending is set and
 * evtchn_upcall_mask clear, the guest is bounced to its event callback with events masked.
 */
#include "events.h"
#include "domains.h"
#include <xen/sched.h>
#include <xen/vcpu.h>

void runstate_set(struct vcpu *v, int state)
{
    struct hv_vcpu *h = hvv(v);
    uint64_t now = NOW();
    h->runstate_time[h->runstate_state & 3] += now - h->runstate_entry;
    h->runstate_state = state;
    h->runstate_entry = now;
}

void runstate_get(struct vcpu *v, struct vcpu_runstate_info *ri)
{
    const struct hv_vcpu *h = hvv(v);
    memset(ri, 0, sizeof(*ri));
    ri->state = h->runstate_state;
    ri->state_entry_time = h->runstate_entry;
    memcpy(ri->time, h->runstate_time, sizeof(ri->time));
    ri->time[h->runstate_state & 3] += NOW() - h->runstate_entry;
}

/*
 * Copy v's runstate to its registered area (v must be current: a guest VA).  With
 * VMASST_TYPE_runstate_update_flag, Xen's protocol: XEN_RUNSTATE_UPDATE is set in
 * state_entry_time (its top byte) before the record is written and cleared after, so a
 * reader on another vCPU can tell a torn read.
 */
void update_runstate_area(struct vcpu *v)
{
    struct vcpu_runstate_info ri;
    uint64_t area = hvv(v)->runstate_guest;
    uint64_t top = area + offsetof(struct vcpu_runstate_info, state_entry_time) + 7;
    bool flag = v->domain->vm_assist & (1UL << VMASST_TYPE_runstate_update_flag);
    uint8_t b;

    if (!area)
        return;
    runstate_get(v, &ri);
    if (flag) {
        ri.state_entry_time |= XEN_RUNSTATE_UPDATE;
        b = (uint8_t)(ri.state_entry_time >> 56);
        copy_to_guest_va(top, &b, 1);
        __asm__ volatile("" ::: "memory");
    }
    copy_to_guest_va(area, &ri, sizeof(ri));
    if (flag) {
        __asm__ volatile("" ::: "memory");
        b = (uint8_t)((ri.state_entry_time & ~XEN_RUNSTATE_UPDATE) >> 56);
        copy_to_guest_va(top, &b, 1);
    }
}

/* v may run again: it is no longer blocked, and goes back on its run queue.  Its poll, if
 * any, is not touched: whoever ends a poll claims it first (poll_claim), while v is still
 * blocked, so a wake-up never clears the poll v starts after it (that poll's wake-ups would
 * be lost: docs/concurrency.md). */
void vcpu_unblock(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);
    if (!__atomic_exchange_n(&h->blocked, false, __ATOMIC_SEQ_CST))
        return;                             /* not blocked, or another CPU woke it */
    vcpu_wake(v);
}

/* End v's SCHEDOP_poll: true for the one caller that takes its polling flag (it then wakes
 * v), false if v does not poll or another caller took it first. */
bool poll_claim(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);
    if (!__atomic_exchange_n(&h->polling, false, __ATOMIC_SEQ_CST))
        return false;
    __atomic_fetch_and(&hv_dom(v->domain)->poll_mask, ~(1UL << v->vcpu_id), __ATOMIC_SEQ_CST);
    stop_timer(&h->poll_timer);
    return true;
}

/* Xen's vcpu_block: block unless an event is already deliverable (v is current: it is
 * descheduled on its way out). */
void vcpu_block(struct vcpu *v)
{
    __atomic_store_n(&hvv(v)->blocked, true, __ATOMIC_SEQ_CST);   /* then look: a waker on
                                                                     another CPU sets the
                                                                     event, then looks */
    if (local_events_need_delivery(v))
        vcpu_unblock(v);
}

static void poll_timer_fn(void *data)
{
    if (poll_claim(data))
        vcpu_unblock(data);
}

/*
 * SCHEDOP_poll: block until one of the ports is pending (masked or not) or the timeout.
 * Xen's order against a sender on another CPU: the poller marks itself blocked and polling,
 * then looks at its events and ports; the sender marks the port pending, then looks for
 * pollers (evtchn_port_set_pending) and wakes the one whose poll it claims (poll_claim).  One
 * of the two sees the other, so a port that becomes pending while the poller goes to sleep
 * always wakes it.  Returning early (an event, a pending port, a bad port) undoes the marks.
 */
long sched_poll(struct vcpu *v, uint64_t arg)
{
    struct sched_poll sp;
    struct hv_vcpu *h = hvv(v);
    uint32_t port = 0;
    long rc = 0;

    if (copy_from_guest_va(&sp, arg, sizeof(sp)))
        return -XEN_EFAULT;
    if (sp.nr_ports > 128)
        return -XEN_EINVAL;
    if (!guest_handle_okay(sp.ports))      /* the start only: each port is read in turn */
        return -XEN_EFAULT;
    if (!h->poll_timer.fn)
        init_timer(&h->poll_timer, poll_timer_fn, v, h->processor);
    h->poll_evtchn = -1;
    /* Blocked first: a waker that claims the poll (even while poll_evtchn still says any
     * port) always finds it blocked and wakes it; a spurious return, never a lost one. */
    __atomic_store_n(&h->blocked, true, __ATOMIC_SEQ_CST);
    __atomic_store_n(&h->polling, true, __ATOMIC_SEQ_CST);
    __atomic_fetch_or(&hv_dom(v->domain)->poll_mask, 1UL << v->vcpu_id, __ATOMIC_SEQ_CST);
    if (local_events_need_delivery(v))
        goto out;
    for (uint32_t i = 0; i < sp.nr_ports; i++) {
        rc = copy_from_guest_va(&port, sp.ports + 4UL * i, 4) ? -XEN_EFAULT : 0;
        if (!rc && port >= evtchn_max_ports(v->domain))
            rc = -XEN_EINVAL;
        if (rc || evtchn_port_is_pending(v->domain, port))
            goto out;
    }
    if (sp.nr_ports == 1)
        h->poll_evtchn = (int)port;         /* only narrows who wakes it: any port did */
    if (sp.timeout)
        set_timer(&h->poll_timer, sp.timeout);
    return 0;
out:
    poll_claim(v);
    vcpu_unblock(v);                        /* still current: it just runs on */
    return rc;
}

void guest_exit_slow(struct cpu_regs *r)
{
    struct vcpu *v;
    struct hv_vcpu *h;

    for (;;) {
        v = current;
        if (softirq_pending())
            do_softirq();                   /* timers, then schedule(): current may change */
        else if (is_idle_vcpu(v))
            __asm__ volatile("sti; hlt; cli" ::: "memory");
        else if (!vcpu_runnable(v))
            raise_softirq(SCHEDULE_SOFTIRQ);        /* blocked or down: give up the CPU */
        else
            break;
    }
    h = hvv(v);
    if (h->failsafe_pending)
        failsafe_bounce(r, v);
    if (local_events_need_delivery(v))     /* no callback: a crash, as on Xen */
        bounce_to(r, h->cb_event, false, 0, true);
}

static void shutdown(struct cpu_regs *r, unsigned int reason)
{
    if (reason == SHUTDOWN_crash) {
        printk("pvmm: domain 0 reported a crash\n");
        dump_regs(r);
    }
    domain_shutdown(reason);
}

/*
 * SCHEDOP_remote_shutdown, as Xen 4.17: the domain by id (DOMID_SELF is no id: -ESRCH), then
 * the privilege (only the control domain: -EPERM), then its shutdown with the reason's low
 * byte (Xen's domain_shutdown takes a u8).  A domU is left shut down for destroydomain; the
 * hardware domain's own shutdown ends the machine.
 */
static long remote_shutdown(struct cpu_regs *r, uint64_t arg)
{
    struct sched_remote_shutdown rs;
    struct domain *d;

    if (copy_from_guest_va(&rs, arg, sizeof(rs)))
        return -XEN_EFAULT;
    d = domain_by_id(rs.domain_id);
    if (!d)
        return -XEN_ESRCH;
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    if (d->domain_id == 0)
        shutdown(r, rs.reason & 0xff);
    else
        domu_shutdown(d, rs.reason & 0xff);
    return 0;
}

long hc_sched_op(struct cpu_regs *r, unsigned long cmd, uint64_t arg)
{
    struct vcpu *v = current;
    struct sched_shutdown sd;

    switch (cmd) {
    case SCHEDOP_yield:
        vcpu_yield(v);
        return 0;
    case SCHEDOP_block:
        hvv(v)->vcpu_info->evtchn_upcall_mask = 0;
        vcpu_block(v);
        return 0;
    case SCHEDOP_poll:
        return sched_poll(v, arg);
    case SCHEDOP_shutdown:
        if (copy_from_guest_va(&sd, arg, sizeof(sd)))
            return -XEN_EFAULT;
        shutdown(r, sd.reason & 0xff);
        return 0;
    case SCHEDOP_shutdown_code:
        if (copy_from_guest_va(&sd, arg, sizeof(sd)))
            return -XEN_EFAULT;
        hvv(v)->shutdown_code = sd.reason & 0xff;
        return 0;
    case SCHEDOP_remote_shutdown:
        return remote_shutdown(r, arg);
    case SCHEDOP_pin_override:
        return sched_pin_override(v, arg);
    default:
        return -XEN_ENOSYS;
    }
}

long hc_sched_op_compat(struct cpu_regs *r, unsigned long cmd, unsigned long arg)
{
    switch (cmd) {
    case SCHEDOP_yield:
    case SCHEDOP_block:
        return hc_sched_op(r, cmd, 0);
    case SCHEDOP_shutdown:
        shutdown(r, (unsigned int)arg & 0xff);
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}
