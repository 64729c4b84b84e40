/*
 * xen/event_channel.h - the event-channel hypercall (event_channel_op, 32): commands and
 * argument structures of Xen's public interface, 2-level and FIFO ABIs.
 */
#ifndef PVMM_XEN_EVENT_CHANNEL_H
#define PVMM_XEN_EVENT_CHANNEL_H

#include <stdint.h>
#include "xen.h"

typedef uint32_t evtchn_port_t;

#define EVTCHNOP_bind_interdomain  0
#define EVTCHNOP_bind_virq         1
#define EVTCHNOP_bind_pirq         2
#define EVTCHNOP_close             3
#define EVTCHNOP_send              4
#define EVTCHNOP_status            5
#define EVTCHNOP_alloc_unbound     6
#define EVTCHNOP_bind_ipi          7
#define EVTCHNOP_bind_vcpu         8
#define EVTCHNOP_unmask            9
#define EVTCHNOP_reset            10
#define EVTCHNOP_init_control     11   /* FIFO ABI */
#define EVTCHNOP_expand_array     12   /* FIFO ABI */
#define EVTCHNOP_set_priority     13   /* FIFO ABI */
#define EVTCHNOP_reset_cont       14

/* Virtual IRQs (bind_virq). Per-vCPU ones: TIMER, DEBUG, XENOPROF, XENPMU. */
#define VIRQ_TIMER       0
#define VIRQ_DEBUG       1
#define VIRQ_CONSOLE     2
#define VIRQ_DOM_EXC     3
#define VIRQ_TBUF        4
#define VIRQ_DEBUGGER    6
#define VIRQ_XENOPROF    7
#define VIRQ_CON_RING    8
#define VIRQ_PCPU_STATE  9
#define VIRQ_MEM_EVENT  10
#define VIRQ_ARGO       11
#define VIRQ_ENOMEM     12
#define VIRQ_XENPMU     13
#define NR_VIRQS        24

struct evtchn_alloc_unbound {
    domid_t dom, remote_dom;   /* IN */
    evtchn_port_t port;        /* OUT */
};
struct evtchn_bind_interdomain {
    domid_t remote_dom;        /* IN */
    uint16_t _pad;
    evtchn_port_t remote_port; /* IN */
    evtchn_port_t local_port;  /* OUT */
};
struct evtchn_bind_virq {
    uint32_t virq, vcpu;       /* IN */
    evtchn_port_t port;        /* OUT */
};
struct evtchn_bind_pirq {
    uint32_t pirq, flags;      /* IN */
    evtchn_port_t port;        /* OUT */
};
struct evtchn_bind_ipi {
    uint32_t vcpu;             /* IN */
    evtchn_port_t port;        /* OUT */
};
struct evtchn_close  { evtchn_port_t port; };
struct evtchn_send   { evtchn_port_t port; };
struct evtchn_unmask { evtchn_port_t port; };
struct evtchn_reset  { domid_t dom; };

#define EVTCHNSTAT_closed       0
#define EVTCHNSTAT_unbound      1
#define EVTCHNSTAT_interdomain  2
#define EVTCHNSTAT_pirq         3
#define EVTCHNSTAT_virq         4
#define EVTCHNSTAT_ipi          5
struct evtchn_status {
    domid_t dom;               /* IN */
    uint16_t _pad;
    evtchn_port_t port;        /* IN */
    uint32_t status;           /* OUT: EVTCHNSTAT_* */
    uint32_t vcpu;             /* OUT: the vCPU notified */
    union {
        struct { domid_t dom; } unbound;
        struct { domid_t dom; uint16_t _pad; evtchn_port_t port; } interdomain;
        uint32_t pirq;
        uint32_t virq;
    } u;
};
struct evtchn_bind_vcpu {
    evtchn_port_t port;
    uint32_t vcpu;
};
struct evtchn_init_control {
    uint64_t control_gfn;      /* IN */
    uint32_t offset;           /* IN: of the control block in the frame */
    uint32_t vcpu;             /* IN */
    uint8_t link_bits;         /* OUT */
    uint8_t _pad[7];
};
struct evtchn_expand_array { uint64_t array_gfn; };
struct evtchn_set_priority {
    evtchn_port_t port;
    uint32_t priority;
};
/* The old single-argument form (event_channel_op_compat, 16). */
struct evtchn_op {
    uint32_t cmd;
    union {
        struct evtchn_alloc_unbound alloc_unbound;
        struct evtchn_status status;
        uint8_t raw[24];
    } u;
};

#define EVTCHN_FIFO_LINK_BITS     17
#define EVTCHN_FIFO_MAX_QUEUES    16
#define EVTCHN_FIFO_CONTROL_BLOCK_SIZE  (8 + 4 * EVTCHN_FIFO_MAX_QUEUES)

/*
 * The FIFO ABI's guest memory.  Each port has a 32-bit event word in the event array (pages
 * the guest adds with expand_array, 1024 words each, at most 128 pages): bit 31 pending,
 * 30 masked, 29 linked (on a queue), 28 busy (the hypervisor is changing the link), bits
 * 0-16 the next port of its queue.  Each vCPU has a control block: a READY bit per priority
 * (0 highest, 15 lowest) and the HEAD port of each priority's queue.
 */
typedef uint32_t event_word_t;
#define EVTCHN_FIFO_PENDING       31
#define EVTCHN_FIFO_MASKED        30
#define EVTCHN_FIFO_LINKED        29
#define EVTCHN_FIFO_BUSY          28
#define EVTCHN_FIFO_LINK_MASK     ((1U << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS   (1U << EVTCHN_FIFO_LINK_BITS)
#define EVTCHN_FIFO_PRIORITY_MAX      0
#define EVTCHN_FIFO_PRIORITY_DEFAULT  7
#define EVTCHN_FIFO_PRIORITY_MIN      15
#define EVTCHN_FIFO_EVENT_WORDS_PER_PAGE  1024
#define EVTCHN_FIFO_MAX_EVENT_ARRAY_PAGES \
    (EVTCHN_FIFO_NR_CHANNELS / EVTCHN_FIFO_EVENT_WORDS_PER_PAGE)
struct evtchn_fifo_control_block {
    uint32_t     ready;
    uint32_t     _rsvd;
    event_word_t head[EVTCHN_FIFO_MAX_QUEUES];
};

_Static_assert(sizeof(struct evtchn_fifo_control_block) == EVTCHN_FIFO_CONTROL_BLOCK_SIZE,
               "the FIFO control block is 72 bytes");
_Static_assert(sizeof(struct evtchn_alloc_unbound) == 8, "evtchn_alloc_unbound is 8 bytes");
_Static_assert(sizeof(struct evtchn_bind_interdomain) == 12, "bind_interdomain is 12 bytes");
_Static_assert(sizeof(struct evtchn_bind_virq) == 12, "evtchn_bind_virq is 12 bytes");
_Static_assert(sizeof(struct evtchn_bind_ipi) == 8, "evtchn_bind_ipi is 8 bytes");
_Static_assert(sizeof(struct evtchn_status) == 24, "evtchn_status is 24 bytes");
_Static_assert(sizeof(struct evtchn_init_control) == 24, "evtchn_init_control is 24 bytes");
_Static_assert(sizeof(struct evtchn_op) == 28, "evtchn_op is 28 bytes");

#endif /* PVMM_XEN_EVENT_CHANNEL_H */
