/*
 * xen/sched.h: sched_op(cmd, arg), hypercall 29, and sched_op_compat (6).
 *
 * This is pvmm's own rendering of Xen's public sched.h. Values and layouts
 * must match Xen exactly for binary compatibility. Guest handles are
 * uint64_t guest virtual addresses.
 */
#ifndef PVMM_XEN_SCHED_H
#define PVMM_XEN_SCHED_H

#include <stdint.h>
#include "xen.h"

/* Commands. */
#define SCHEDOP_yield            0   /* give up the CPU; returns 0 */
#define SCHEDOP_block            1   /* unmask events and wait for one */
#define SCHEDOP_shutdown         2   /* struct sched_shutdown; does not return */
#define SCHEDOP_poll             3   /* struct sched_poll */
#define SCHEDOP_remote_shutdown  4   /* struct sched_remote_shutdown */
#define SCHEDOP_shutdown_code    5   /* struct sched_shutdown; only records the reason */
#define SCHEDOP_watchdog         6   /* struct sched_watchdog */
#define SCHEDOP_pin_override     7   /* struct sched_pin_override */

/* Shutdown reasons. */
#define SHUTDOWN_poweroff    0   /* domain exited normally */
#define SHUTDOWN_reboot      1   /* restart the domain */
#define SHUTDOWN_suspend     2   /* save the domain's state */
#define SHUTDOWN_crash       3   /* the domain crashed */
#define SHUTDOWN_watchdog    4   /* a watchdog expired */
#define SHUTDOWN_soft_reset  5   /* reset, keeping memory */
#define SHUTDOWN_MAX         5   /* highest valid reason */

struct sched_shutdown {
    uint32_t reason;   /* SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;

struct sched_poll {
    uint64_t ports;      /* guest VA of evtchn_port_t[nr_ports] */
    uint32_t nr_ports;
    uint32_t _pad;
    uint64_t timeout;    /* absolute system time in ns, or 0 for none */
};
typedef struct sched_poll sched_poll_t;

struct sched_remote_shutdown {
    domid_t domain_id;   /* domain to shut down */
    uint16_t _pad;
    uint32_t reason;     /* SHUTDOWN_* */
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;

struct sched_watchdog {
    uint32_t id;         /* 0 to create a watchdog, else its id */
    uint32_t timeout;    /* seconds; 0 destroys it */
};
typedef struct sched_watchdog sched_watchdog_t;

struct sched_pin_override {
    int32_t pcpu;        /* pCPU to pin to, or -1 to undo */
};
typedef struct sched_pin_override sched_pin_override_t;

_Static_assert(sizeof(struct sched_shutdown) == 4, "sched_shutdown is 4 bytes");
_Static_assert(sizeof(struct sched_poll) == 24, "sched_poll is 24 bytes");
_Static_assert(sizeof(struct sched_remote_shutdown) == 8, "sched_remote_shutdown is 8 bytes");
_Static_assert(sizeof(struct sched_watchdog) == 8, "sched_watchdog is 8 bytes");
_Static_assert(sizeof(struct sched_pin_override) == 4, "sched_pin_override is 4 bytes");

#endif /* PVMM_XEN_SCHED_H */
