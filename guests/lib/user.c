/*
 * user.c: the C side of user-mode execution (see user.h).
 */
#include <xen/callback.h>
#include <xen/xen.h>

#include "hypercall.h"
#include "pagetable.h"
#include "pt-build.h"
#include "xtf.h"
#include "string.h"
#include "user.h"

extern char user_syscall_entry[];
uint64_t user_enter(unsigned long rip, unsigned long rsp, unsigned long arg,
                    unsigned long rflags);
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

void user_run_flags(unsigned long rip, unsigned long rsp, unsigned long arg,
                    unsigned long rflags, struct user_result *res)
{
    memset(res, 0, sizeof(*res));
    active = res;
    res->rax = user_enter(rip, rsp, arg, rflags);
    active = NULL;
}

void user_run(unsigned long rip, unsigned long rsp, unsigned long arg, struct user_result *res)
{
    user_run_flags(rip, rsp, arg, 0x2, res);
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

/* Build a user L4 mapping the user code (.user.text) read-only and one stack page read-write,
 * pin it and install it as the user base. Returns the user stack top, or 0 after reporting an
 * error with xtf_error(). */
unsigned long user_space_minimal(void)
{
    static struct pt_tree tree;
    void *stack = alloc_page();
    unsigned long va, l4_mfn;
    long rc;

    pt_tree_init(&tree);
    for (va = (unsigned long)__user_text_start; va < (unsigned long)__user_text_end;
         va += PAGE_SIZE) {
        if (pt_tree_map(&tree, va, virt_to_mfn((void *)va), PTE_FLAGS_RO | _PAGE_USER))
            return xtf_error("page-table tree full"), 0;
    }
    if (pt_tree_map(&tree, (unsigned long)stack, virt_to_mfn(stack), PTE_FLAGS_RW | _PAGE_USER))
        return xtf_error("page-table tree full"), 0;
    rc = pt_tree_seal(&tree);
    if (rc)
        return xtf_error("making the user tables read-only gave %ld", rc), 0;
    l4_mfn = pt_tree_l4_mfn(&tree);
    rc = pt_pin(4, l4_mfn);
    if (rc)
        return xtf_error("pinning the user L4 gave %ld", rc), 0;
    rc = pt_new_user_baseptr(l4_mfn);
    if (rc)
        return xtf_error("NEW_USER_BASEPTR gave %ld", rc), 0;
    return (unsigned long)stack + PAGE_SIZE;
}
