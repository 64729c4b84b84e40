/*
 * hv/evtchn.c - event channels: the per-domain port table and the one dispatch of port
 * operations to the domain's ABI (2-level, evtchn-2l.c, until EVTCHNOP_init_control switches
 * it to FIFO, evtchn-fifo.c; EVTCHNOP_reset switches it back).
 *
 * A 2-level domain has EVTCHN_2L_NR_CHANNELS (4096) ports, a FIFO one EVTCHN_FIFO_NR_CHANNELS
 * (131072: dom0's table; a domU's table holds 4096), and none above the max_evtchn_port
 * the toolstack gave at createdomain (dom0 has no such limit, as on Xen).  Port 0 is
 * reserved, so get_free_port() gives -ENOSPC at the limit.  As in Xen, only the ports of the
 * buckets allocated so far are valid (port_is_valid): the first 64 from the start, 64 more
 * each time the lowest free port is the first of a new bucket; a reset frees ports but not
 * buckets.  A port still linked on a FIFO queue after its close is busy and not handed out
 * again until the guest unlinks it.
 *
 * Every operation on a port's event state goes through the wrappers below, which act only
 * on a port in use (Xen's evtchn_usable: an unmask or send of a free port does nothing) and
 * call the ABI's operation, with the port's lock held (or, for a send on an interdomain
 * channel, the sending end's lock: a binding changes only with both ends' locks held).  So
 * while an ABI operation runs, the port is bound, and the ABI's frames (a FIFO control
 * block, event-array pages) stay in place: EVTCHNOP_reset closes every port, taking each
 * lock, before it gives them back (docs/concurrency.md, "Event channels").  A port that newly
 * becomes pending also wakes any vCPU of the domain polling it (SCHEDOP_poll), masked or
 * not.  The upcall itself is a bounce to the vCPU's event callback, made by the exit path
 * (guest_exit_work, sched.c) when evtchn_upcall_pending is set and evtchn_upcall_mask is
 * clear; a vCPU blocked in SCHEDOP_block wakes when upcall_pending goes up.
 */
#include "events.h"
#include "evtchn.h"

struct evtchn_domain evtchn_domains[PVMM_MAX_DOMAINS];
static struct evtchn dom0_ports[EVTCHN_FIFO_NR_CHANNELS];
static struct evtchn domu_ports[PVMM_MAX_DOMAINS - 1][EVTCHN_2L_NR_CHANNELS];

void evtchn_init_domain(struct domain *d, struct shared_info *si)
{
    struct evtchn_domain *ed = evtchn_dom(d);
    unsigned int id = d->domain_id % PVMM_MAX_DOMAINS;

    memset(ed, 0, sizeof(*ed));
    ed->si = si;
    ed->ops = &evtchn_port_ops_2l;
    ed->port = id ? domu_ports[id - 1] : dom0_ports;
    ed->nr_ports = id ? EVTCHN_2L_NR_CHANNELS : EVTCHN_FIFO_NR_CHANNELS;
    memset(ed->port, 0, ed->nr_ports * sizeof(struct evtchn));
    ed->valid_evtchns = EVTCHNS_PER_BUCKET;
    ed->max_port = ed->nr_ports - 1;
    ed->port[0].state = ECS_RESERVED;
}

/* The toolstack's max_evtchn_port: get_free_port gives no port above it (-ENOSPC). */
void evtchn_set_max_port(struct domain *d, uint32_t max_port)
{
    evtchn_dom(d)->max_port = max_port;
}

void evtchn_init_vcpu(struct vcpu *v)
{
    memset(hvv(v)->virq_to_port, 0, sizeof(hvv(v)->virq_to_port));
}

/* Xen's port_is_valid: `port` lies in a bucket the domain has. */
bool port_is_valid(struct domain *d, uint32_t port)
{
    return port < __atomic_load_n(&evtchn_dom(d)->valid_evtchns, __ATOMIC_ACQUIRE);
}

/* The most ports the domain's ABI (and its table) allows. */
uint32_t evtchn_max_ports(struct domain *d)
{
    const struct evtchn_domain *ed = evtchn_dom(d);
    uint32_t abi = ed->fifo ? EVTCHN_FIFO_NR_CHANNELS : EVTCHN_2L_NR_CHANNELS;

    return abi < ed->nr_ports ? abi : ed->nr_ports;
}

/* Xen's evtchn_usable: the port is bound or unbound (not free, not reserved). */
static bool usable(struct domain *d, uint32_t port)
{
    return evtchn_dom(d)->port[port].state > ECS_RESERVED;
}

/* A port freed or about to be bound: no binding, the default priority.  The FIFO queue it
 * was last linked on (last_*) stays, as it may still be there. */
void evtchn_reset_binding(struct evtchn *chn)
{
    chn->state = ECS_FREE;
    chn->notify_vcpu = 0;
    chn->remote_dom = 0;
    chn->remote_port = 0;
    chn->virq = 0;
    chn->priority = EVTCHN_FIFO_PRIORITY_DEFAULT;
    chn->fifo_pending = 0;
}

static bool port_is_busy(struct domain *d, uint32_t port)
{
    const struct evtchn_domain *ed = evtchn_dom(d);

    return ed->ops->is_busy && ed->ops->is_busy(d, port);
}

/* The lowest free port that is not busy (its bucket made valid first, as Xen allocates
 * it), or -ENOSPC past the ABI's limit or the domain's max_evtchn_port.  d's event_lock is
 * held. */
int get_free_port(struct domain *d)
{
    struct evtchn_domain *ed = evtchn_dom(d);
    uint32_t max = evtchn_max_ports(d);
    uint32_t p;

    if (ed->max_port < max - 1)
        max = ed->max_port + 1;
    for (p = 0; p < max; p++)
        if (ed->port[p].state == ECS_FREE && (p >= ed->valid_evtchns || !port_is_busy(d, p)))
            break;
    if (p == max)
        return -XEN_ENOSPC;
    if (p >= ed->valid_evtchns)
        __atomic_store_n(&ed->valid_evtchns,
                         (p / EVTCHNS_PER_BUCKET + 1) * EVTCHNS_PER_BUCKET, __ATOMIC_RELEASE);
    return (int)p;
}

bool evtchn_port_is_pending(struct domain *d, uint32_t port)
{
    struct evtchn *chn;
    bool pending;

    if (!port_is_valid(d, port))
        return false;
    chn = &evtchn_dom(d)->port[port];
    spin_lock(&chn->lock);
    pending = usable(d, port) && evtchn_dom(d)->ops->is_pending(d, port);
    spin_unlock(&chn->lock);
    return pending;
}

/* Xen's vcpu_mark_events_pending: raise upcall_pending and wake the vCPU if it was clear. */
void vcpu_mark_events_pending(struct vcpu *v)
{
    struct vcpu_info *vi = hvv(v)->vcpu_info;
    if (!__atomic_exchange_n(&vi->evtchn_upcall_pending, 1, __ATOMIC_SEQ_CST)) {
        vcpu_unblock(v);
        vcpu_kick(v);
    }
}

/* True if v polls `port` (SCHEDOP_poll). */
static bool polls_port(struct vcpu *v, uint32_t port)
{
    const struct hv_vcpu *h = hvv(v);
    return h->polling && (h->poll_evtchn < 0 || (uint32_t)h->poll_evtchn == port);
}

/* Make `port` of d pending, notifying vCPU `vcpu_id`; wake its pollers if it newly is.  The
 * caller holds the port's lock or its interdomain peer's; the ABI is read under it. */
void evtchn_port_set_pending(struct domain *d, unsigned int vcpu_id, uint32_t port)
{
    const struct evtchn_port_ops *ops;
    uint64_t pollers;

    if (!usable(d, port))
        return;
    ops = __atomic_load_n(&evtchn_dom(d)->ops, __ATOMIC_ACQUIRE);
    if (!ops->set_pending(d, &d->vcpu[vcpu_id], port))
        return;
    /* Only the vCPUs that may be polling (poll_mask is set before a poller looks at its
     * ports, and read after the port is pending: one of the two sees the other). */
    pollers = __atomic_load_n(&hv_dom(d)->poll_mask, __ATOMIC_SEQ_CST);
    while (pollers) {
        struct vcpu *p = &d->vcpu[__builtin_ctzl(pollers)];

        pollers &= pollers - 1;
        if (p->plat && polls_port(p, port) && poll_claim(p))
            vcpu_unblock(p);
    }
}

/* Raise `port` of d (if it is in use) on the vCPU it notifies, under the port's lock. */
void evtchn_raise(struct domain *d, uint32_t port)
{
    struct evtchn *chn = &evtchn_dom(d)->port[port];

    spin_lock(&chn->lock);
    evtchn_port_set_pending(d, chn->notify_vcpu, port);
    spin_unlock(&chn->lock);
}

/* The port's lock is held. */
void evtchn_port_clear_pending(struct domain *d, uint32_t port)
{
    if (usable(d, port))
        evtchn_dom(d)->ops->clear_pending(d, port);
}

/* EVTCHNOP_unmask of a valid port: the ABI's unmask, which raises a pending port. */
void evtchn_unmask(struct domain *d, uint32_t port)
{
    struct evtchn *chn = &evtchn_dom(d)->port[port];

    spin_lock(&chn->lock);
    if (usable(d, port))
        evtchn_dom(d)->ops->unmask(d, port);
    spin_unlock(&chn->lock);
}

/* EVTCHNOP_set_priority of a valid port: -ENOSYS without priorities (2-level), -EACCES for a
 * port not in use, else the ABI's answer (Xen's order). */
long evtchn_set_priority(struct domain *d, uint32_t port, uint32_t priority)
{
    struct evtchn *chn = &evtchn_dom(d)->port[port];
    const struct evtchn_port_ops *ops;
    long rc;

    spin_lock(&chn->lock);
    ops = evtchn_dom(d)->ops;
    if (!ops->set_priority)
        rc = -XEN_ENOSYS;
    else if (!usable(d, port))
        rc = -XEN_EACCES;
    else
        rc = ops->set_priority(d, port, priority);
    spin_unlock(&chn->lock);
    return rc;
}

/* Raise `port` of d if, under its lock, it still is what the caller found in its own table
 * (a VIRQ or pirq binding may be closed, and the port bound again, in between). */
static void send_if_bound(struct domain *d, uint32_t port, uint8_t state, uint32_t what,
                          const struct vcpu *v)
{
    struct evtchn *chn;

    if (!port || !port_is_valid(d, port))
        return;
    chn = &evtchn_dom(d)->port[port];
    spin_lock(&chn->lock);
    if (chn->state == state && chn->virq /* or pirq */ == what &&
        (!v || chn->notify_vcpu == v->vcpu_id))
        evtchn_port_set_pending(d, chn->notify_vcpu, port);
    spin_unlock(&chn->lock);
}

/* A per-vCPU VIRQ of v (VIRQ_TIMER). */
void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    send_if_bound(v->domain, __atomic_load_n(&hvv(v)->virq_to_port[virq], __ATOMIC_RELAXED),
                  ECS_VIRQ, virq, v);
}

void send_guest_pirq(struct domain *d, uint32_t pirq, uint32_t port)
{
    send_if_bound(d, port, ECS_PIRQ, pirq, NULL);
}
