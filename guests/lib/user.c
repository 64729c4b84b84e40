/*
 * user.c: the C side of user-mode execution (see user.h).
 */
#include <xen/callback.h>
#include <xen/xen.h>

#include "hypercall.h"
#include "string.h"
#include "user.h"

extern char user_syscall_entry[];
uint64_t user_enter(unsigned long rip, unsigned long rsp, unsigned long arg);
__attribute__((noreturn)) void user_abort(uint64_t value);

/* The stack Xen bounces onto when user mode traps or makes a syscall (stack_switch). */
static uint8_t user_kernel_stack[4 * 4096] __attribute__((aligned(4096)));

static struct user_result *active;    /* non-NULL while user_run() is in user mode */

int user_init(void)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_syscall,
        .flags = CALLBACKF_mask_events,
        .address = (uint64_t)(uintptr_t)user_syscall_entry,
    };
    long rc;

    rc = hypercall_stack_switch(FLAT_KERNEL_SS,
                                (unsigned long)(user_kernel_stack + sizeof(user_kernel_stack)));
    if (rc)
        return (int)rc;
    return (int)hypercall_callback_op(CALLBACKOP_register, &cb);
}

void user_run(unsigned long rip, unsigned long rsp, unsigned long arg, struct user_result *res)
{
    memset(res, 0, sizeof(*res));
    active = res;
    res->rax = user_enter(rip, rsp, arg);
    active = NULL;
}

bool user_mode_exception(struct cpu_regs *regs, const struct fault *f)
{
    (void)regs;
    if (!active)
        return false;
    active->faulted = true;
    active->fault = *f;
    user_abort(0);
}
