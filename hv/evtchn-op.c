/*
 * hv/evtchn-op.c - event_channel_op (32) and its old form event_channel_op_compat (16):
 * Xen's commands with Xen's argument checks, in Xen's order.
 *
 * alloc_unbound, bind_interdomain (with the new local port set pending, as Xen does for
 * notifications lost while unbound), bind_virq, bind_ipi, close, send (dropped silently on
 * an unbound port), status, bind_vcpu, unmask, reset (every port closed, and a FIFO domain
 * back on 2-level), and the FIFO ABI's init_control, expand_array and set_priority
 * (evtchn-fifo.c; on a 2-level domain expand_array is -EOPNOTSUPP, set_priority -ENOSYS).
 * bind_pirq binds a pirq the domain mapped (pirq.c: its checks, then the IO-APIC pin).
 * Between domains: the privileged domain may allocate an unbound port in another domain, ask
 * its status or reset it, the last only while it is paused (Xen's XSM_TARGET: -EPERM for
 * anyone else; -EINVAL for a domain not paused), and any domain may bind to a port left
 * unbound for it (as the toolstack's start-of-day console and xenstore channels are made:
 * docs/hv.md, "Domains that build domains").  A destroyed domain's ports
 * are closed (evtchn_destroy), so its peers' ends go back to unbound.
 */
#include "evtchn.h"
#include "domains.h"
#include <xen/sched.h>

/* The domain `id` names (DOMID_SELF: the caller), or NULL if there is none. */
static struct domain *any_domain(domid_t id)
{
    return id == DOMID_SELF ? current->domain : domain_by_id(id);
}

/* May the caller act on d's ports (Xen's XSM_TARGET): itself, or anyone if privileged. */
static bool may_target(const struct domain *d)
{
    return d == current->domain || current->domain->is_privileged;
}

/* Port `port` of d, or NULL if it is out of range. */
static struct evtchn *port_entry(struct domain *d, uint32_t port)
{
    return port_is_valid(d, port) ? &evtchn_dom(d)->port[port] : NULL;
}

static struct vcpu *domain_vcpu(struct domain *d, uint32_t id)
{
    return id < d->max_vcpus && d->vcpu[id].plat ? &d->vcpu[id] : NULL;
}

static bool virq_is_global(uint32_t virq)
{
    return !(virq == VIRQ_TIMER || virq == VIRQ_DEBUG || virq == VIRQ_XENOPROF ||
             virq == VIRQ_XENPMU);
}

/*
 * Locks (docs/concurrency.md, "Event channels"): every command that binds, closes or
 * switches the ABI holds the domain's event_lock; one that touches two domains' tables
 * (bind_interdomain, close of an interdomain port, reset, teardown) first takes the global
 * interdomain_lock, which is the only way to hold two event locks at once.  A port's binding
 * changes under its own lock too (both ends' for an interdomain pair, in address order), so
 * a sender holding one port's lock sees a stable binding without the event locks.
 */
static pvmm_spinlock_t interdomain_lock;

/* Take the lowest free port of d (its event_lock held): *port and its entry, locked and
 * without a binding, or NULL and -ENOSPC.  The caller binds it and unlocks it. */
static struct evtchn *alloc_port(struct domain *d, int *port)
{
    struct evtchn *chn;

    *port = get_free_port(d);
    if (*port < 0)
        return NULL;
    chn = &evtchn_dom(d)->port[*port];
    spin_lock(&chn->lock);
    evtchn_reset_binding(chn);
    return chn;
}

static long alloc_unbound(struct evtchn_alloc_unbound *a)
{
    struct domain *d = any_domain(a->dom);
    struct evtchn *chn;
    long rc = 0;
    int port;

    if (!d)
        return -XEN_ESRCH;
    event_lock(d);
    if (!(chn = alloc_port(d, &port))) {
        rc = port;
    } else {
        if (!may_target(d)) {
            rc = -XEN_EPERM;            /* the port stays free (Xen: its bucket stays) */
        } else {
            chn->state = ECS_UNBOUND;
            chn->remote_dom = a->remote_dom == DOMID_SELF ? current->domain->domain_id
                                                          : a->remote_dom;
            a->port = (uint32_t)port;
        }
        spin_unlock(&chn->lock);
    }
    event_unlock(d);
    return rc;
}

/* bind_interdomain with both event locks held. */
static long bind_interdomain_locked(struct domain *ld, struct domain *rd,
                                    struct evtchn_bind_interdomain *b)
{
    struct evtchn *lchn, *rchn;
    int lport = get_free_port(ld);

    if (lport < 0)
        return lport;
    if (!port_is_valid(rd, b->remote_port))
        return -XEN_EINVAL;
    rchn = &evtchn_dom(rd)->port[b->remote_port];
    if (rchn->state != ECS_UNBOUND || rchn->remote_dom != ld->domain_id)
        return -XEN_EINVAL;
    lchn = &evtchn_dom(ld)->port[lport];
    double_chn_lock(lchn, rchn);
    evtchn_reset_binding(lchn);
    lchn->remote_dom = rd->domain_id;
    lchn->remote_port = b->remote_port;
    lchn->state = ECS_INTERDOMAIN;
    rchn->remote_dom = ld->domain_id;
    rchn->remote_port = (uint32_t)lport;
    rchn->state = ECS_INTERDOMAIN;
    evtchn_port_set_pending(ld, lchn->notify_vcpu, (uint32_t)lport);
    double_chn_unlock(lchn, rchn);
    b->local_port = (uint32_t)lport;
    return 0;
}

static long bind_interdomain(struct evtchn_bind_interdomain *b)
{
    struct domain *ld = current->domain;
    struct domain *rd = any_domain(b->remote_dom);
    long rc;

    if (!rd)
        return -XEN_ESRCH;
    spin_lock(&interdomain_lock);
    double_event_lock(ld, rd);
    rc = bind_interdomain_locked(ld, rd, b);
    double_event_unlock(ld, rd);
    spin_unlock(&interdomain_lock);
    return rc;
}

static long bind_virq(struct evtchn_bind_virq *b)
{
    struct domain *d = current->domain;
    struct evtchn *chn;
    struct vcpu *v;
    long rc = 0;
    int port;

    if (b->virq >= NR_VIRQS)
        return -XEN_EINVAL;
    if (virq_is_global(b->virq) && b->vcpu != 0)
        return -XEN_EINVAL;
    if (!(v = domain_vcpu(d, b->vcpu)))
        return -XEN_ENOENT;
    event_lock(d);
    if (hvv(v)->virq_to_port[b->virq]) {
        rc = -XEN_EEXIST;
    } else if (!(chn = alloc_port(d, &port))) {
        rc = port;
    } else {
        chn->notify_vcpu = (uint8_t)b->vcpu;
        chn->virq = b->virq;
        chn->state = ECS_VIRQ;
        spin_unlock(&chn->lock);
        __atomic_store_n(&hvv(v)->virq_to_port[b->virq], (uint32_t)port, __ATOMIC_RELEASE);
        b->port = (uint32_t)port;
    }
    event_unlock(d);
    return rc;
}

static long bind_pirq(struct evtchn_bind_pirq *b)
{
    struct domain *d = current->domain;
    struct evtchn *chn;
    long rc;
    int port;

    event_lock(d);
    if ((rc = pirq_bind_check(d, b->pirq)) == 0) {
        if (!(chn = alloc_port(d, &port))) {
            rc = port;
        } else {
            chn->pirq = b->pirq;
            chn->state = ECS_PIRQ;
            spin_unlock(&chn->lock);
            pirq_bind(b->pirq, (uint32_t)port);
            b->port = (uint32_t)port;
        }
    }
    event_unlock(d);
    return rc;
}

static long bind_ipi(struct evtchn_bind_ipi *b)
{
    struct domain *d = current->domain;
    struct evtchn *chn;
    long rc = 0;
    int port;

    if (!domain_vcpu(d, b->vcpu))
        return -XEN_ENOENT;
    event_lock(d);
    if (!(chn = alloc_port(d, &port))) {
        rc = port;
    } else {
        chn->notify_vcpu = (uint8_t)b->vcpu;
        chn->state = ECS_IPI;
        spin_unlock(&chn->lock);
        b->port = (uint32_t)port;
    }
    event_unlock(d);
    return rc;
}

/* Close `port` of d: the peer of an interdomain channel goes back to unbound.  The caller
 * holds interdomain_lock and d's event_lock; the peer's event lock is taken here. */
static long close_locked(struct domain *d, uint32_t port)
{
    struct evtchn *chn = port_entry(d, port), *rchn = NULL;
    struct domain *rd = NULL;

    if (!chn)
        return -XEN_EINVAL;
    switch (chn->state) {
    case ECS_FREE:
    case ECS_RESERVED:
        return -XEN_EINVAL;
    case ECS_VIRQ: {
        struct vcpu *v = &d->vcpu[virq_is_global(chn->virq) ? 0 : chn->notify_vcpu];
        if (hvv(v)->virq_to_port[chn->virq] == port)
            __atomic_store_n(&hvv(v)->virq_to_port[chn->virq], 0, __ATOMIC_RELEASE);
        break;
    }
    case ECS_PIRQ:
        pirq_unbind(d, chn->pirq);
        break;
    case ECS_INTERDOMAIN:
        rd = any_domain(chn->remote_dom);
        if (rd) {
            if (rd != d)
                event_lock(rd);
            rchn = &evtchn_dom(rd)->port[chn->remote_port];
        }
        break;
    default:
        break;
    }
    double_chn_lock(chn, rchn ? rchn : chn);
    if (rchn) {
        rchn->state = ECS_UNBOUND;
        rchn->remote_dom = d->domain_id;
        rchn->remote_port = 0;
    }
    evtchn_port_clear_pending(d, port);
    evtchn_reset_binding(chn);
    double_chn_unlock(chn, rchn ? rchn : chn);
    if (rd && rd != d)
        event_unlock(rd);
    return 0;
}

static long evtchn_close(uint32_t port)
{
    struct domain *d = current->domain;
    long rc;

    spin_lock(&interdomain_lock);
    event_lock(d);
    rc = close_locked(d, port);
    event_unlock(d);
    spin_unlock(&interdomain_lock);
    return rc;
}

/* EVTCHNOP_send: under the sending port's lock, which keeps an interdomain peer bound. */
static long evtchn_send(uint32_t port)
{
    struct domain *ld = current->domain;
    struct evtchn *chn = port_entry(ld, port);
    long rc = 0;

    if (!chn)
        return -XEN_EINVAL;
    spin_lock(&chn->lock);
    switch (chn->state) {
    case ECS_INTERDOMAIN: {
        struct domain *rd = any_domain(chn->remote_dom);
        if (rd) {
            const struct evtchn *rchn = &evtchn_dom(rd)->port[chn->remote_port];
            /* bind_vcpu may move the peer meanwhile: either vCPU is right. */
            evtchn_port_set_pending(rd, __atomic_load_n(&rchn->notify_vcpu, __ATOMIC_RELAXED),
                                    chn->remote_port);
        }
        break;
    }
    case ECS_IPI:
        evtchn_port_set_pending(ld, chn->notify_vcpu, port);
        break;
    case ECS_UNBOUND:
        break;
    default:
        rc = -XEN_EINVAL;
        break;
    }
    spin_unlock(&chn->lock);
    return rc;
}

static long evtchn_status(struct evtchn_status *s)
{
    struct domain *d = any_domain(s->dom);
    const struct evtchn *chn;

    if (!d)
        return -XEN_ESRCH;
    if (!(chn = port_entry(d, s->port)))
        return -XEN_EINVAL;
    if (!may_target(d))
        return -XEN_EPERM;
    memset(&s->u, 0, sizeof(s->u));
    event_lock(d);
    switch (chn->state) {
    case ECS_UNBOUND:
        s->status = EVTCHNSTAT_unbound;
        s->u.unbound.dom = chn->remote_dom;
        break;
    case ECS_INTERDOMAIN:
        s->status = EVTCHNSTAT_interdomain;
        s->u.interdomain.dom = chn->remote_dom;
        s->u.interdomain.port = chn->remote_port;
        break;
    case ECS_VIRQ:
        s->status = EVTCHNSTAT_virq;
        s->u.virq = chn->virq;
        break;
    case ECS_PIRQ:
        s->status = EVTCHNSTAT_pirq;
        s->u.pirq = chn->pirq;
        break;
    case ECS_IPI:
        s->status = EVTCHNSTAT_ipi;
        break;
    default:
        s->status = EVTCHNSTAT_closed;
        break;
    }
    s->vcpu = chn->notify_vcpu;
    event_unlock(d);
    return 0;
}

static long bind_vcpu(const struct evtchn_bind_vcpu *b)
{
    struct domain *d = current->domain;
    struct evtchn *chn;
    long rc = 0;

    if (!domain_vcpu(d, b->vcpu))
        return -XEN_ENOENT;
    if (!(chn = port_entry(d, b->port)))
        return -XEN_EINVAL;
    event_lock(d);
    spin_lock(&chn->lock);
    switch (chn->state) {
    case ECS_VIRQ:
        if (!virq_is_global(chn->virq))
            rc = -XEN_EINVAL;
        else
            chn->notify_vcpu = (uint8_t)b->vcpu;
        break;
    case ECS_UNBOUND:
    case ECS_INTERDOMAIN:
    case ECS_PIRQ:
        chn->notify_vcpu = (uint8_t)b->vcpu;
        break;
    default:
        rc = -XEN_EINVAL;
        break;
    }
    spin_unlock(&chn->lock);
    event_unlock(d);
    return rc;
}

/* Close every port of d; a FIFO domain goes back to 2-level.  No port can be bound again
 * meanwhile (d's event_lock is held throughout), and no event is on its way into a FIFO
 * frame once every port is closed (each close took the port's lock), so the frames are
 * given back with nothing writing them. */
static void close_all(struct domain *d)
{
    spin_lock(&interdomain_lock);
    event_lock(d);
    for (uint32_t p = 1; p < evtchn_dom(d)->valid_evtchns; p++)
        if (evtchn_dom(d)->port[p].state != ECS_FREE)
            close_locked(d, p);
    evtchn_fifo_destroy(d);
    event_unlock(d);
    spin_unlock(&interdomain_lock);
}

/* EVTCHNOP_reset: -ESRCH, -EPERM, then -EINVAL for another domain that its controller has
 * not paused (as Xen 4.17: its vCPUs could be sending on the ports). */
static long evtchn_reset(domid_t dom)
{
    struct domain *d = any_domain(dom);
    if (!d)
        return -XEN_ESRCH;
    if (!may_target(d))
        return -XEN_EPERM;
    if (d != current->domain && !__atomic_load_n(&hv_dom(d)->pause_count, __ATOMIC_ACQUIRE))
        return -XEN_EINVAL;
    close_all(d);
    return 0;
}

void evtchn_destroy(struct domain *d)
{
    close_all(d);
}

/* Copy the argument in, run `call`, copy it back when it succeeded. */
#define OP(type, call, back)                                                \
    do {                                                                    \
        struct type op_;                                                    \
        long rc_;                                                           \
        if (copy_from_guest_va(&op_, arg, sizeof(op_)))                     \
            return -XEN_EFAULT;                                             \
        rc_ = call;                                                         \
        if ((back) && rc_ == 0 && copy_to_guest_va(arg, &op_, sizeof(op_))) \
            rc_ = -XEN_EFAULT;                                              \
        return rc_;                                                         \
    } while (0)

long hc_event_channel_op(unsigned long cmd, uint64_t arg)
{
    switch (cmd) {
    case EVTCHNOP_alloc_unbound:    OP(evtchn_alloc_unbound, alloc_unbound(&op_), true);
    case EVTCHNOP_bind_interdomain: OP(evtchn_bind_interdomain, bind_interdomain(&op_), true);
    case EVTCHNOP_bind_virq:        OP(evtchn_bind_virq, bind_virq(&op_), true);
    case EVTCHNOP_bind_ipi:         OP(evtchn_bind_ipi, bind_ipi(&op_), true);
    case EVTCHNOP_bind_pirq:        OP(evtchn_bind_pirq, bind_pirq(&op_), true);
    case EVTCHNOP_close:            OP(evtchn_close, evtchn_close(op_.port), false);
    case EVTCHNOP_send:             OP(evtchn_send, evtchn_send(op_.port), false);
    case EVTCHNOP_status:           OP(evtchn_status, evtchn_status(&op_), true);
    case EVTCHNOP_bind_vcpu:        OP(evtchn_bind_vcpu, bind_vcpu(&op_), false);
    case EVTCHNOP_unmask: {
        struct evtchn_unmask u;
        if (copy_from_guest_va(&u, arg, sizeof(u)))
            return -XEN_EFAULT;
        if (!port_is_valid(current->domain, u.port))
            return -XEN_EINVAL;
        evtchn_unmask(current->domain, u.port);
        return 0;
    }
    case EVTCHNOP_reset:            OP(evtchn_reset, evtchn_reset(op_.dom), false);
    case EVTCHNOP_init_control:
        OP(evtchn_init_control, evtchn_fifo_init_control(&op_), true);
    case EVTCHNOP_expand_array:
        OP(evtchn_expand_array, evtchn_fifo_expand_array(&op_), false);
    case EVTCHNOP_set_priority: {
        struct evtchn_set_priority sp;
        if (copy_from_guest_va(&sp, arg, sizeof(sp)))
            return -XEN_EFAULT;
        if (!port_is_valid(current->domain, sp.port))
            return -XEN_EINVAL;
        return evtchn_set_priority(current->domain, sp.port, sp.priority);
    }
    default:
        return -XEN_ENOSYS;
    }
}

/* event_channel_op_compat(op): the command and its argument in one struct evtchn_op. */
long hc_event_channel_op_compat(uint64_t arg)
{
    uint32_t cmd;
    if (copy_from_guest_va(&cmd, arg, sizeof(cmd)))
        return -XEN_EFAULT;
    return hc_event_channel_op(cmd, arg + 4);
}
