/*
 * xen/vcpu.h - the vcpu_op hypercall (24): commands and argument structures of Xen's public
 * interface, and the runstate record.
 */
#ifndef PVMM_XEN_VCPU_H
#define PVMM_XEN_VCPU_H

#include <stddef.h>
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

struct vcpu_register_time_memory_area {
    uint64_t addr;                 /* guest VA of a struct vcpu_time_info, 0: none */
};

struct vcpu_register_vcpu_info {
    uint64_t mfn;                  /* frame holding the new vcpu_info */
    uint32_t offset;               /* of the vcpu_info in that frame */
    uint32_t rsvd;
};

/* The PV64 vCPU context of VCPUOP_initialise (Xen's x86_64 struct cpu_user_regs and
 * struct vcpu_guest_context). */
struct cpu_user_regs {
    uint64_t r15, r14, r13, r12, rbp, rbx, r11, r10, r9, r8, rax, rcx, rdx, rsi, rdi;
    uint32_t error_code;           /* private */
    uint32_t entry_vector;         /* private */
    uint64_t rip;
    uint16_t cs, _pad0;
    uint8_t  saved_upcall_mask;
    uint8_t  _pad1[3];
    uint64_t rflags;
    uint64_t rsp;
    uint16_t ss, _pad2[3];
    uint16_t es, _pad3[3];
    uint16_t ds, _pad4[3];
    uint16_t fs, _pad5[3];
    uint16_t gs, _pad6[3];
};

#define VGCF_I387_VALID                (1U << 0)
#define VGCF_IN_KERNEL                 (1U << 2)
#define VGCF_failsafe_disables_events  (1U << 3)
#define VGCF_syscall_disables_events   (1U << 4)
#define VGCF_online                    (1U << 5)

struct vcpu_guest_context {
    uint8_t  fpu_ctxt[512];        /* fxsave image, used with VGCF_I387_VALID */
    uint64_t flags;                /* VGCF_* */
    struct cpu_user_regs user_regs;
    struct trap_info trap_ctxt[256];
    uint64_t ldt_base, ldt_ents;
    uint64_t gdt_frames[16], gdt_ents;
    uint64_t kernel_ss, kernel_sp;
    uint64_t ctrlreg[8];           /* [3]: kernel L4 (pfn << 12), [1]: user L4 (0: none) */
    uint64_t debugreg[8];
    uint64_t event_callback_eip;
    uint64_t failsafe_callback_eip;
    uint64_t syscall_callback_eip;
    uint64_t vm_assist;
    uint64_t fs_base, gs_base_kernel, gs_base_user;
};

_Static_assert(sizeof(struct cpu_user_regs) == 200, "cpu_user_regs is 200 bytes");
_Static_assert(offsetof(struct vcpu_guest_context, trap_ctxt) == 720, "trap_ctxt at 720");
_Static_assert(offsetof(struct vcpu_guest_context, ctrlreg) == 4984, "ctrlreg at 4984");
_Static_assert(sizeof(struct vcpu_guest_context) == 5168, "vcpu_guest_context is 5168 bytes");
_Static_assert(sizeof(struct vcpu_runstate_info) == 48, "vcpu_runstate_info is 48 bytes");
_Static_assert(sizeof(struct vcpu_set_singleshot_timer) == 16, "singleshot timer is 16 bytes");
_Static_assert(sizeof(struct vcpu_register_vcpu_info) == 16, "register_vcpu_info is 16 bytes");

#endif /* PVMM_XEN_VCPU_H */
