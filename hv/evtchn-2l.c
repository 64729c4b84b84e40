/*
 * hv/evtchn-2l.c - the 2-level event-channel ABI: a port's state is two bits in
 * shared_info, gathered by a per-vCPU selector word.
 *   shared_info.evtchn_pending[port / 64] bit port % 64   the port has an event,
 *   shared_info.evtchn_mask[...]                           the port is masked,
 *   vcpu_info.evtchn_pending_sel bit port / 64             that word has pending ports,
 *   vcpu_info.evtchn_upcall_pending                        the vCPU has something to look at,
 *   vcpu_info.evtchn_upcall_mask                           the virtual interrupt flag.
 * Setting a port pending sets its word's selector bit and upcall_pending only if the port is
 * not masked (and only on the first transition); unmasking a pending port does it then.
 * Only ports below 4096 have bits (a domain back from FIFO has no port above).
 */
#include "evtchn.h"

static inline bool test_and_set(volatile xen_ulong_t *w, unsigned int bit)
{
    return __atomic_fetch_or(w, 1UL << bit, __ATOMIC_SEQ_CST) & (1UL << bit);
}

static inline bool test_and_clear(volatile xen_ulong_t *w, unsigned int bit)
{
    return __atomic_fetch_and(w, ~(1UL << bit), __ATOMIC_SEQ_CST) & (1UL << bit);
}

static bool evtchn_2l_is_pending(struct domain *d, uint32_t port)
{
    const struct shared_info *si = evtchn_dom(d)->si;
    return port < EVTCHN_2L_NR_CHANNELS && ((si->evtchn_pending[port / 64] >> (port % 64)) & 1);
}

static bool port_is_masked(struct domain *d, uint32_t port)
{
    const struct shared_info *si = evtchn_dom(d)->si;
    return (si->evtchn_mask[port / 64] >> (port % 64)) & 1;
}

static bool evtchn_2l_set_pending(struct domain *d, struct vcpu *v, uint32_t port)
{
    struct shared_info *si = evtchn_dom(d)->si;

    if (port >= EVTCHN_2L_NR_CHANNELS || test_and_set(&si->evtchn_pending[port / 64], port % 64))
        return false;
    if (!port_is_masked(d, port) &&
        !test_and_set(&hvv(v)->vcpu_info->evtchn_pending_sel, port / 64))
        vcpu_mark_events_pending(v);
    return true;
}

static void evtchn_2l_clear_pending(struct domain *d, uint32_t port)
{
    if (port < EVTCHN_2L_NR_CHANNELS)
        test_and_clear(&evtchn_dom(d)->si->evtchn_pending[port / 64], port % 64);
}

/* Clear the mask; a pending port then raises the upcall of the vCPU it notifies. */
static void evtchn_2l_unmask(struct domain *d, uint32_t port)
{
    struct shared_info *si = evtchn_dom(d)->si;
    struct vcpu *v = &d->vcpu[evtchn_dom(d)->port[port].notify_vcpu];

    if (port < EVTCHN_2L_NR_CHANNELS &&
        test_and_clear(&si->evtchn_mask[port / 64], port % 64) &&
        evtchn_2l_is_pending(d, port) &&
        !test_and_set(&hvv(v)->vcpu_info->evtchn_pending_sel, port / 64))
        vcpu_mark_events_pending(v);
}

const struct evtchn_port_ops evtchn_port_ops_2l = {
    .set_pending = evtchn_2l_set_pending,
    .clear_pending = evtchn_2l_clear_pending,
    .unmask = evtchn_2l_unmask,
    .is_pending = evtchn_2l_is_pending,
};
