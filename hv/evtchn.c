/*
 * hv/evtchn.c - event channels: the per-domain port table and the 2-level delivery ABI.
 *
 * A domain has EVTCHN_2L_NR_CHANNELS (4096) ports; port 0 is reserved, so 4095 can be bound,
 * and get_free_port() gives -ENOSPC past that (Xen's limit for a domain without a lower
 * max_evtchn_port, such as dom0).  As in Xen, only the ports of the buckets allocated so far
 * are valid (port_is_valid): the first 64 from the start, 64 more each time the lowest free
 * port is the first of a new bucket; a reset frees ports but not buckets.  The guest-visible
 * state is in shared_info and vcpu_info:
 *   shared_info.evtchn_pending[port / 64] bit port % 64   the port has an event,
 *   shared_info.evtchn_mask[...]                           the port is masked,
 *   vcpu_info.evtchn_pending_sel bit port / 64             that word has pending ports,
 *   vcpu_info.evtchn_upcall_pending                        the vCPU has something to look at,
 *   vcpu_info.evtchn_upcall_mask                           the virtual interrupt flag.
 * Setting a port pending sets its word's selector bit and upcall_pending only if the port is
 * not masked (and only on the first transition); unmasking a pending port does it then.  The
 * upcall itself is a bounce to the vCPU's event callback, made by the exit path
 * (guest_exit_work, sched.c) when upcall_pending is set and upcall_mask is clear.
 * A vCPU blocked in SCHEDOP_block wakes when upcall_pending goes up; one in SCHEDOP_poll
 * also when one of its polled ports becomes pending, masked or not.
 */
#include "events.h"
#include "evtchn.h"

static struct evtchn_domain evtchn_domains[PVMM_MAX_DOMAINS];

struct evtchn_domain *evtchn_dom(struct domain *d)
{
    return &evtchn_domains[d->domain_id % PVMM_MAX_DOMAINS];
}

void evtchn_init_domain(struct domain *d, struct shared_info *si)
{
    struct evtchn_domain *ed = evtchn_dom(d);
    memset(ed, 0, sizeof(*ed));
    ed->si = si;
    ed->valid_evtchns = EVTCHNS_PER_BUCKET;
    ed->port[0].state = ECS_RESERVED;
}

void evtchn_init_vcpu(struct vcpu *v)
{
    memset(hvv(v)->virq_to_port, 0, sizeof(hvv(v)->virq_to_port));
}

/* Xen's port_is_valid: `port` lies in a bucket the domain has. */
bool port_is_valid(struct domain *d, uint32_t port)
{
    return port < evtchn_dom(d)->valid_evtchns;
}

/* The lowest free port (its bucket made valid first, as Xen allocates it), or -ENOSPC. */
int get_free_port(struct domain *d)
{
    struct evtchn_domain *ed = evtchn_dom(d);
    unsigned int p;

    for (p = 0; p < EVTCHN_2L_NR_CHANNELS; p++)
        if (ed->port[p].state == ECS_FREE)
            break;
    if (p == EVTCHN_2L_NR_CHANNELS)
        return -XEN_ENOSPC;
    if (p >= ed->valid_evtchns)
        ed->valid_evtchns = (p / EVTCHNS_PER_BUCKET + 1) * EVTCHNS_PER_BUCKET;
    return (int)p;
}

static inline bool test_and_set(volatile xen_ulong_t *w, unsigned int bit)
{
    return __atomic_fetch_or(w, 1UL << bit, __ATOMIC_SEQ_CST) & (1UL << bit);
}

static inline bool test_and_clear(volatile xen_ulong_t *w, unsigned int bit)
{
    return __atomic_fetch_and(w, ~(1UL << bit), __ATOMIC_SEQ_CST) & (1UL << bit);
}

bool evtchn_port_is_pending(struct domain *d, uint32_t port)
{
    const struct shared_info *si = evtchn_dom(d)->si;
    return (si->evtchn_pending[port / 64] >> (port % 64)) & 1;
}

static bool port_is_masked(struct domain *d, uint32_t port)
{
    const struct shared_info *si = evtchn_dom(d)->si;
    return (si->evtchn_mask[port / 64] >> (port % 64)) & 1;
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

/* The 2-level set_pending for `port` of d, notifying vCPU `vcpu_id`. */
void evtchn_set_pending(struct domain *d, unsigned int vcpu_id, uint32_t port)
{
    struct shared_info *si = evtchn_dom(d)->si;
    struct vcpu *v = &d->vcpu[vcpu_id];

    if (test_and_set(&si->evtchn_pending[port / 64], port % 64))
        return;
    if (!port_is_masked(d, port) &&
        !test_and_set(&hvv(v)->vcpu_info->evtchn_pending_sel, port / 64))
        vcpu_mark_events_pending(v);
    /* Wake any vCPU of d polling this port. */
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *p = &d->vcpu[i];
        if (p->plat && polls_port(p, port))
            vcpu_unblock(p);
    }
}

void evtchn_clear_pending(struct domain *d, uint32_t port)
{
    test_and_clear(&evtchn_dom(d)->si->evtchn_pending[port / 64], port % 64);
}

/* The 2-level unmask: clear the mask; a pending port then raises the upcall. */
void evtchn_unmask(struct domain *d, uint32_t port)
{
    struct shared_info *si = evtchn_dom(d)->si;
    struct vcpu *v = &d->vcpu[evtchn_dom(d)->port[port].notify_vcpu];

    if (test_and_clear(&si->evtchn_mask[port / 64], port % 64) &&
        evtchn_port_is_pending(d, port) &&
        !test_and_set(&hvv(v)->vcpu_info->evtchn_pending_sel, port / 64))
        vcpu_mark_events_pending(v);
}

void send_guest_vcpu_virq(struct vcpu *v, unsigned int virq)
{
    uint16_t port = hvv(v)->virq_to_port[virq];
    if (port)
        evtchn_set_pending(v->domain, v->vcpu_id, port);
}

