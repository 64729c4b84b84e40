/*
 * hypercall-regs.h: a hypercall with every general register under the test's control.
 *
 * hypercall_regs(nr, r) loads rdi, rsi, rdx, r10, r8 (the arguments) and r9, rbx, rbp,
 * r12-r15 from *r, calls hypercall stub nr, and stores all of them and rax back into *r. Only
 * rsp is the caller's own; rcx and r11 belong to SYSCALL and the stub. A test sets the
 * registers a hypercall does not take to patterns and checks they come back unchanged (a
 * hypervisor may rewrite the argument registers it continues a hypercall with, nothing else).
 */
#ifndef GUEST_HYPERCALL_REGS_H
#define GUEST_HYPERCALL_REGS_H

#include <stdint.h>

struct hc_regs {
    uint64_t rdi, rsi, rdx, r10, r8, r9, rbx, rbp, r12, r13, r14, r15, rax;
};

#define HC_REGS_NR 12    /* the registers besides rax, in the order above */

void hypercall_regs(unsigned int nr, struct hc_regs *r);

/* The name of register i (0 .. HC_REGS_NR-1), for messages. */
static inline const char *hc_reg_name(unsigned int i)
{
    static const char names[HC_REGS_NR][4] = {
        "rdi", "rsi", "rdx", "r10", "r8", "r9", "rbx", "rbp", "r12", "r13", "r14", "r15",
    };

    return i < HC_REGS_NR ? names[i] : "?";
}

/* Register i (0 .. HC_REGS_NR-1) of *r. */
static inline uint64_t hc_reg(const struct hc_regs *r, unsigned int i)
{
    return ((const uint64_t *)r)[i];
}

#endif /* GUEST_HYPERCALL_REGS_H */
