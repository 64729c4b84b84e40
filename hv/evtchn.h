/*
 * hv/evtchn.h - the event-channel port table shared by evtchn.c (the table, and the one
 * dispatch of port operations by ABI), evtchn-2l.c and evtchn-fifo.c (the two ABIs) and
 * evtchn-op.c (the hypercall commands).
 */
#ifndef HV_EVTCHN_H
#define HV_EVTCHN_H

#include "events.h"

enum { ECS_FREE, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_PIRQ, ECS_VIRQ, ECS_IPI };

/*
 * A port.  Its binding (state, notify_vcpu, remote_*, virq/pirq, priority) changes only with
 * its domain's event_lock and its own lock held (both ends' locks for an interdomain pair);
 * a sender holds the port's lock, or its interdomain peer's, across the whole event
 * (docs/concurrency.md, "Event channels").  The FIFO bookkeeping (fifo_pending, last_*) is
 * under the domain's FIFO queue lock; last_* survive a close, as the queue still holds the
 * port until the guest unlinks it.
 */
struct evtchn {
    pvmm_spinlock_t lock;      /* Xen's chn->lock */
    uint8_t  state;            /* ECS_* */
    uint8_t  notify_vcpu;      /* the vCPU whose upcall the port raises */
    domid_t  remote_dom;       /* unbound: who may bind; interdomain: the peer */
    uint32_t remote_port;      /* interdomain: the peer's port */
    union {
        uint32_t virq;         /* ECS_VIRQ */
        uint32_t pirq;         /* ECS_PIRQ */
    };
    /* FIFO ABI only. */
    uint8_t  priority;         /* the queue its next event goes to */
    uint8_t  fifo_pending;     /* became pending while it had no event word yet */
    uint8_t  last_vcpu;        /* the queue it was last linked on: vCPU ... */
    uint8_t  last_priority;    /* ... and priority */
};

/* Ports are made valid EVTCHNS_PER_BUCKET at a time, as Xen allocates its port buckets. */
#define EVTCHNS_PER_BUCKET 64

/*
 * One ABI's port operations (Xen's evtchn_port_ops).  evtchn.c calls them only for a port in
 * use (Xen's evtchn_usable: not free, not reserved).  set_pending returns true when the port
 * newly became pending (the caller then wakes the vCPUs polling it).  set_priority NULL: the
 * ABI has no priorities (-ENOSYS).
 */
struct evtchn_port_ops {
    bool (*set_pending)(struct domain *d, struct vcpu *v, uint32_t port);
    void (*clear_pending)(struct domain *d, uint32_t port);
    void (*unmask)(struct domain *d, uint32_t port);
    bool (*is_pending)(struct domain *d, uint32_t port);
    bool (*is_busy)(struct domain *d, uint32_t port);
    long (*set_priority)(struct domain *d, uint32_t port, uint32_t priority);
};
extern const struct evtchn_port_ops evtchn_port_ops_2l, evtchn_port_ops_fifo;

struct evtchn_fifo_domain;

struct evtchn_domain {
    pvmm_spinlock_t event_lock; /* Xen's d->event_lock: bindings, closes, the ABI switches */
    struct shared_info *si;
    const struct evtchn_port_ops *ops;  /* 2-level until init_control switches to FIFO */
    struct evtchn_fifo_domain *fifo;    /* the FIFO state, NULL on 2-level */
    uint32_t valid_evtchns;     /* ports below this exist: a multiple of the bucket size */
    uint32_t nr_ports;          /* entries of port[] (the most ports the domain can have) */
    uint32_t max_port;          /* the toolstack's max_evtchn_port (createdomain) */
    struct evtchn *port;
};

/* Every domain's event-channel state (evtchn.c), by domain id. */
extern struct evtchn_domain evtchn_domains[PVMM_MAX_DOMAINS];
/* d's event-channel state (inline: every send looks it up several times). */
static inline struct evtchn_domain *evtchn_dom(struct domain *d)
{
    return &evtchn_domains[d->domain_id % PVMM_MAX_DOMAINS];
}

/* The domain's event_lock; two at once only under evtchn-op.c's interdomain_lock. */
static inline void event_lock(struct domain *d)
{
    spin_lock(&evtchn_dom(d)->event_lock);
}

static inline void event_unlock(struct domain *d)
{
    spin_unlock(&evtchn_dom(d)->event_lock);
}

/* Both domains' event locks (one if the same): interdomain_lock is held. */
static inline void double_event_lock(struct domain *a, struct domain *b)
{
    event_lock(a);
    if (b != a)
        event_lock(b);
}

static inline void double_event_unlock(struct domain *a, struct domain *b)
{
    if (b != a)
        event_unlock(b);
    event_unlock(a);
}

/* Two ports' locks, the lower address first (one if the same). */
static inline void double_chn_lock(struct evtchn *a, struct evtchn *b)
{
    if (a == b) {
        spin_lock(&a->lock);
    } else if (a < b) {
        spin_lock(&a->lock);
        spin_lock(&b->lock);
    } else {
        spin_lock(&b->lock);
        spin_lock(&a->lock);
    }
}

static inline void double_chn_unlock(struct evtchn *a, struct evtchn *b)
{
    spin_unlock(&a->lock);
    if (b != a)
        spin_unlock(&b->lock);
}

int get_free_port(struct domain *d);                    /* d's event_lock held */
bool port_is_valid(struct domain *d, uint32_t port);
void evtchn_reset_binding(struct evtchn *chn);          /* chn's lock held */
/* Make `port` of d pending for vCPU vcpu_id; the caller holds the port's lock or its
 * interdomain peer's. */
void evtchn_port_set_pending(struct domain *d, unsigned int vcpu_id, uint32_t port);
/* The same with the port's lock taken here, for the vCPU it notifies. */
void evtchn_raise(struct domain *d, uint32_t port);
void evtchn_port_clear_pending(struct domain *d, uint32_t port);   /* its lock held */
void evtchn_unmask(struct domain *d, uint32_t port);
long evtchn_set_priority(struct domain *d, uint32_t port, uint32_t priority);

/* The FIFO ABI's commands (evtchn-fifo.c); each takes the domain's event_lock. */
long evtchn_fifo_init_control(struct evtchn_init_control *ic);
long evtchn_fifo_expand_array(const struct evtchn_expand_array *ea);

#endif /* HV_EVTCHN_H */
