/*
 * syscall-bounce.c: the guest user <-> kernel round trip.
 *
 * User code in its own address space (built by the construction recipe) runs a loop of
 * `syscall`s. Each one leaves user mode, and the hypervisor switches to the kernel L4 and
 * bounces it to the kernel's syscall callback (bench_syscall_cb), which goes straight back
 * with the iret hypercall (VGCF_in_syscall): one bounce and one iret per iteration, the path
 * every system call of a PV process takes. The loop ends with ud2, whose #UD brings the
 * kernel back (user_run() returns). Two runs of N and N + BOUNCES iterations are timed from
 * the kernel; their difference cancels the entry and exit and leaves BOUNCES round trips.
 */
#include <xen/callback.h>

#include "bench.h"

#define BOUNCES 1000

extern char bench_syscall_cb[];
extern char bench_user_loop[];
extern char user_syscall_entry[];     /* the runtime's callback (lib/user-entry.S) */

static long set_syscall_callback(void *entry)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_syscall,
        .flags = CALLBACKF_mask_events,
        .address = (uint64_t)(uintptr_t)entry,
    };

    return hypercall_callback_op(CALLBACKOP_register, &cb);
}

/* Run the user loop for n syscalls; returns the elapsed ticks, or 0 if it went wrong. */
static uint64_t time_loop(unsigned long stack_top, unsigned long n)
{
    struct user_result r;
    uint64_t t0, t1;

    t0 = bench_tsc();
    user_run((unsigned long)bench_user_loop, stack_top, n, &r);
    t1 = bench_tsc();
    if (!r.faulted || r.fault.vector != X86_EXC_UD)
        return 0;
    return t1 - t0;
}

int bench_syscall_bounce(void)
{
    static struct pt_tree tree;
    void *stack = alloc_page();
    unsigned long va, l4_mfn, stack_top = (unsigned long)stack + PAGE_SIZE;
    uint64_t short_run, long_run;
    long rc;

    rc = user_init();
    if (rc)
        return xtf_error("user_init: %ld", rc);
    pt_tree_init(&tree);
    for (va = (unsigned long)__user_text_start; va < (unsigned long)__user_text_end;
         va += PAGE_SIZE)
        if (pt_tree_map(&tree, va, virt_to_mfn((void *)va), PTE_FLAGS_RO | _PAGE_USER))
            return xtf_error("page-table tree full");
    if (pt_tree_map(&tree, (unsigned long)stack, virt_to_mfn(stack), PTE_FLAGS_RW | _PAGE_USER))
        return xtf_error("page-table tree full");
    l4_mfn = pt_tree_l4_mfn(&tree);
    rc = pt_tree_seal(&tree);
    if (!rc)
        rc = pt_pin(4, l4_mfn);
    if (!rc)
        rc = pt_new_user_baseptr(l4_mfn);
    if (!rc)
        rc = set_syscall_callback(bench_syscall_cb);
    if (rc)
        return xtf_error("setting up the user address space: %ld", rc);

    time_loop(stack_top, 10);                       /* warm-up */
    short_run = time_loop(stack_top, 10);
    long_run = time_loop(stack_top, 10 + BOUNCES);

    rc = set_syscall_callback(user_syscall_entry);
    if (!rc)
        rc = pt_new_user_baseptr(0);
    if (!rc)
        rc = pt_unpin(l4_mfn);
    if (rc)
        return xtf_error("tearing the user address space down: %ld", rc);
    if (!short_run || !long_run || long_run <= short_run)
        return xtf_failure("the user loop did not end with its #UD");
    bench_report("syscall_bounce", (long_run - short_run) / BOUNCES, "insns");
    return 0;
}
