/*
 * user.h: running code in guest user mode.
 *
 * A 64-bit PV guest's kernel and user both run at CPL 3; Xen tracks the mode and gives each
 * its own L4 (boot-ABI §8). To run user code the kernel
 *   1. builds a user L4 (pt_tree_*, "the construction recipe") and installs it with
 *      MMUEXT_NEW_USER_BASEPTR,
 *   2. tells Xen its kernel stack for bounces from user mode (stack_switch) and registers a
 *      syscall callback (user_init()),
 *   3. enters user mode with the iret hypercall and a frame whose CS has RPL 3 (user_run()).
 * The user code comes back with `syscall` (Xen switches to the kernel L4 and calls the
 * callback) or by taking an exception (bounced to the kernel on the stack_switch stack). Either
 * way user_run() returns to its caller in kernel mode with what happened.
 *
 * User code must live in the .user.text section (page-aligned, [__user_text_start,
 * __user_text_end)), which the user address space maps read-only.
 */
#ifndef GUEST_USER_H
#define GUEST_USER_H

#include <stdbool.h>
#include <stdint.h>

#include "traps.h"

struct user_result {
    bool faulted;           /* the user code took an exception ... */
    struct fault fault;     /* ... this one */
    uint64_t rax;           /* otherwise: rax at its syscall */
};

/* Register the syscall callback and the kernel stack for bounces from user mode.
 * Returns 0 or a negated XEN_E*. */
int user_init(void);

/* Run the user code at rip on the user stack rsp, with rdi = arg, in guest user mode, until it
 * makes a syscall or faults. A user L4 must have been installed. */
void user_run(unsigned long rip, unsigned long rsp, unsigned long arg, struct user_result *res);
/* The same, entering user mode with the given rflags (e.g. IOPL bits) instead of 0x2. */
void user_run_flags(unsigned long rip, unsigned long rsp, unsigned long arg,
                    unsigned long rflags, struct user_result *res);

/* Build, pin and install a user L4 mapping only the user code (read-only) and one stack page.
 * Returns the user stack top, or 0 after reporting an error. */
unsigned long user_space_minimal(void);

/* User-mode snippets (in .user.text). Each ends with `syscall`. */
extern char user_syscall_arg[];   /* rax = rdi */
extern char user_read64[];        /* rax = *(uint64_t *)rdi */
extern char user_write64[];       /* *(uint64_t *)rdi = rdi; rax = 0 */

extern char __user_text_start[], __user_text_end[];

#endif /* GUEST_USER_H */
