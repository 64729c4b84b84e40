/*
 * hv/evtchn.h - the event-channel port table shared by evtchn.c (state and 2-level
 * delivery) and evtchn-op.c (the hypercall commands).
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
    uint32_t virq;             /* ECS_VIRQ */
    uint32_t pirq;             /* ECS_PIRQ */
};

/* Ports are made valid EVTCHNS_PER_BUCKET at a time, as Xen allocates its port buckets. */
#define EVTCHNS_PER_BUCKET 64

struct evtchn_domain {
    struct shared_info *si;
    uint32_t valid_evtchns;     /* ports below this exist: a multiple of the bucket size */
    struct evtchn port[EVTCHN_2L_NR_CHANNELS];
};

struct evtchn_domain *evtchn_dom(struct domain *d);
int get_free_port(struct domain *d);
bool port_is_valid(struct domain *d, uint32_t port);
void evtchn_set_pending(struct domain *d, unsigned int vcpu_id, uint32_t port);
void evtchn_clear_pending(struct domain *d, uint32_t port);
void evtchn_unmask(struct domain *d, uint32_t port);

#endif /* HV_EVTCHN_H */
