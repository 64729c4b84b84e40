/*
 * hv/evtchn.h - the event-channel port table shared by evtchn.c (the table, and the one
 * dispatch of port operations by ABI), evtchn-2l.c and evtchn-fifo.c (the two ABIs) and
 * evtchn-op.c (the hypercall commands).
 */
#ifndef HV_EVTCHN_H
#define HV_EVTCHN_H

#include "events.h"

enum { ECS_FREE, ECS_RESERVED, ECS_UNBOUND, ECS_INTERDOMAIN, ECS_PIRQ, ECS_VIRQ, ECS_IPI };

struct evtchn {
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
    struct shared_info *si;
    const struct evtchn_port_ops *ops;  /* 2-level until init_control switches to FIFO */
    struct evtchn_fifo_domain *fifo;    /* the FIFO state, NULL on 2-level */
    uint32_t valid_evtchns;     /* ports below this exist: a multiple of the bucket size */
    uint32_t nr_ports;          /* entries of port[] (the most ports the domain can have) */
    struct evtchn *port;
};

struct evtchn_domain *evtchn_dom(struct domain *d);
int get_free_port(struct domain *d);
bool port_is_valid(struct domain *d, uint32_t port);
void evtchn_set_pending(struct domain *d, unsigned int vcpu_id, uint32_t port);
void evtchn_clear_pending(struct domain *d, uint32_t port);
void evtchn_unmask(struct domain *d, uint32_t port);
long evtchn_set_priority(struct domain *d, uint32_t port, uint32_t priority);

/* The FIFO ABI's commands and lifetime (evtchn-fifo.c). */
long evtchn_fifo_init_control(struct evtchn_init_control *ic);
long evtchn_fifo_expand_array(const struct evtchn_expand_array *ea);

#endif /* HV_EVTCHN_H */
