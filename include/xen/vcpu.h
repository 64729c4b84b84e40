/*
 * xen/vcpu.h - the vcpu_op hypercall (24): commands and argument structures of Xen's public
 * interface, and the runstate record.
 */
#ifndef PVMM_XEN_VCPU_H
#define PVMM_XEN_VCPU_H

#include <stdint.h>
#include "xen.h"

#define VCPUOP_initialise                      0
#define VCPUOP_up                              1
#define VCPUOP_down                            2
#define VCPUOP_is_up                           3
#define VCPUOP_get_runstate_info               4
#define VCPUOP_register_runstate_memory_area   5
#define VCPUOP_set_periodic_timer              6
#define VCPUOP_stop_periodic_timer             7
#define VCPUOP_set_singleshot_timer            8
#define VCPUOP_stop_singleshot_timer           9
#define VCPUOP_register_vcpu_info             10
#define VCPUOP_send_nmi                       11
#define VCPUOP_get_physid                     12
#define VCPUOP_register_vcpu_time_memory_area 13

#define RUNSTATE_running   0
#define RUNSTATE_runnable  1
#define RUNSTATE_blocked   2
#define RUNSTATE_offline   3

struct vcpu_runstate_info {
    int32_t state;                 /* RUNSTATE_* */
    uint32_t _pad;
    uint64_t state_entry_time;     /* system time of the last change (bit 63: update) */
    uint64_t time[4];              /* ns in each state */
};
#define XEN_RUNSTATE_UPDATE  (1ULL << 63)

struct vcpu_register_runstate_memory_area {
    uint64_t addr;                 /* guest VA of a struct vcpu_runstate_info */
};
struct vcpu_set_periodic_timer {
    uint64_t period_ns;
};
struct vcpu_set_singleshot_timer {
    uint64_t timeout_abs_ns;       /* absolute system time */
    uint32_t flags;                /* VCPU_SSHOTTMR_* */
    uint32_t _pad;
};
#define VCPU_SSHOTTMR_future  (1U << 0)   /* -ETIME if the timeout is already past */

struct vcpu_register_vcpu_info {
    uint64_t mfn;                  /* frame holding the new vcpu_info */
    uint32_t offset;               /* of the vcpu_info in that frame */
    uint32_t rsvd;
};

_Static_assert(sizeof(struct vcpu_runstate_info) == 48, "vcpu_runstate_info is 48 bytes");
_Static_assert(sizeof(struct vcpu_set_singleshot_timer) == 16, "singleshot timer is 16 bytes");
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "register_vcpu_info is 16 bytes");

#endif /* PVMM_XEN_VCPU_H */
