/*
 * hypercall.h: hypercall wrappers through the hypercall page.
 *
 * The builder fills `hypercall_page` with 128 stubs of 32 bytes (boot-ABI §1.6); hypercall nr
 * is a `call hypercall_page + 32 * nr`. Arguments go in rdi, rsi, rdx, r10, r8 and the result
 * comes back in rax. rcx and r11 are clobbered by SYSCALL/SYSRET, and debug builds of Xen
 * poison the argument registers, so every argument register is an in/out operand here.
 *
 * Every wrapper returns the hypercall's raw result: 0 or a positive value on success, a
 * negated XEN_E* value on failure.
 */
#ifndef GUEST_HYPERCALL_H
#define GUEST_HYPERCALL_H

#include <stdint.h>
#include <xen/xen.h>

extern uint8_t hypercall_page[4096];

#define HYPERCALL_ASM "call hypercall_page + %c[offset]"

#define _hypercall0(nr)                                                     \
    ({                                                                      \
        long res_;                                                          \
        asm volatile (HYPERCALL_ASM                                         \
                      : "=a" (res_)                                         \
                      : [offset] "i" ((nr) * 32)                            \
                      : "memory", "rcx", "r11");                            \
        res_;                                                               \
    })

#define _hypercall1(nr, a1)                                                 \
    ({                                                                      \
        long res_, a1_ = (long)(a1);                                        \
        asm volatile (HYPERCALL_ASM                                         \
                      : "=a" (res_), "+D" (a1_)                             \
                      : [offset] "i" ((nr) * 32)                            \
                      : "memory", "rcx", "r11");                            \
        res_;                                                               \
    })

#define _hypercall2(nr, a1, a2)                                             \
    ({                                                                      \
        long res_, a1_ = (long)(a1), a2_ = (long)(a2);                      \
        asm volatile (HYPERCALL_ASM                                         \
                      : "=a" (res_), "+D" (a1_), "+S" (a2_)                 \
                      : [offset] "i" ((nr) * 32)                            \
                      : "memory", "rcx", "r11");                            \
        res_;                                                               \
    })

#define _hypercall3(nr, a1, a2, a3)                                         \
    ({                                                                      \
        long res_, a1_ = (long)(a1), a2_ = (long)(a2), a3_ = (long)(a3);    \
        asm volatile (HYPERCALL_ASM                                         \
                      : "=a" (res_), "+D" (a1_), "+S" (a2_), "+d" (a3_)     \
                      : [offset] "i" ((nr) * 32)                            \
                      : "memory", "rcx", "r11");                            \
        res_;                                                               \
    })

#define _hypercall4(nr, a1, a2, a3, a4)                                     \
    ({                                                                      \
        long res_, a1_ = (long)(a1), a2_ = (long)(a2), a3_ = (long)(a3);    \
        register long a4_ asm ("r10") = (long)(a4);                         \
        asm volatile (HYPERCALL_ASM                                         \
                      : "=a" (res_), "+D" (a1_), "+S" (a2_), "+d" (a3_),    \
                        "+r" (a4_)                                          \
                      : [offset] "i" ((nr) * 32)                            \
                      : "memory", "rcx", "r11");                            \
        res_;                                                               \
    })

static inline long hypercall_set_trap_table(const struct trap_info *traps)
{
    return _hypercall1(__HYPERVISOR_set_trap_table, traps);
}

static inline long hypercall_mmu_update(const struct mmu_update *reqs, unsigned int count,
                                        unsigned int *done, unsigned int foreigndom)
{
    return _hypercall4(__HYPERVISOR_mmu_update, reqs, count, done, foreigndom);
}

static inline long hypercall_stack_switch(unsigned long ss, unsigned long sp)
{
    return _hypercall2(__HYPERVISOR_stack_switch, ss, sp);
}

static inline long hypercall_update_va_mapping(unsigned long va, uint64_t val,
                                               unsigned long flags)
{
    return _hypercall3(__HYPERVISOR_update_va_mapping, va, val, flags);
}

static inline long hypercall_xen_version(unsigned int cmd, void *arg)
{
    return _hypercall2(__HYPERVISOR_xen_version, cmd, arg);
}

static inline long hypercall_console_io(unsigned int cmd, unsigned int count, const char *buf)
{
    return _hypercall3(__HYPERVISOR_console_io, cmd, count, buf);
}

static inline long hypercall_vm_assist(unsigned int cmd, unsigned int type)
{
    return _hypercall2(__HYPERVISOR_vm_assist, cmd, type);
}

static inline long hypercall_mmuext_op(const struct mmuext_op *ops, unsigned int count,
                                       unsigned int *done, unsigned int foreigndom)
{
    return _hypercall4(__HYPERVISOR_mmuext_op, ops, count, done, foreigndom);
}

static inline long hypercall_sched_op(unsigned int cmd, void *arg)
{
    return _hypercall2(__HYPERVISOR_sched_op, cmd, arg);
}

static inline long hypercall_callback_op(unsigned int cmd, const void *arg)
{
    return _hypercall2(__HYPERVISOR_callback_op, cmd, arg);
}

static inline long hypercall_update_descriptor(uint64_t maddr, uint64_t desc)
{
    return _hypercall2(__HYPERVISOR_update_descriptor, maddr, desc);
}

static inline long hypercall_memory_op(unsigned int cmd, void *arg)
{
    return _hypercall2(__HYPERVISOR_memory_op, cmd, arg);
}

static inline long hypercall_set_timer_op(uint64_t timeout)
{
    return _hypercall1(__HYPERVISOR_set_timer_op, timeout);
}

static inline long hypercall_event_channel_op(unsigned int cmd, void *arg)
{
    return _hypercall2(__HYPERVISOR_event_channel_op, cmd, arg);
}

static inline long hypercall_vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
    return _hypercall3(__HYPERVISOR_vcpu_op, cmd, vcpu, arg);
}

/* One mmuext_op with only arg1 set (pin, unpin, baseptr, invlpg ...). */
static inline long mmuext_op1(unsigned int cmd, uint64_t arg1)
{
    struct mmuext_op op = { .cmd = cmd, .arg1.mfn = arg1 };

    return hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* One mmu_update request {ptr | command, val} for DOMID_SELF. */
static inline long mmu_update1(uint64_t ptr, uint64_t val)
{
    struct mmu_update req = { .ptr = ptr, .val = val };

    return hypercall_mmu_update(&req, 1, NULL, DOMID_SELF);
}

#endif /* GUEST_HYPERCALL_H */
