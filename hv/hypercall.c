/*
 * hv/hypercall.c - SYSCALL entry: hypercalls from guest kernel mode, the syscall callback
 * bounce from guest user mode, the hypercall table and multicall (boot-ABI §7, §8.3, §12.5).
 *
 * A SYSCALL from guest kernel mode is a hypercall wherever it is executed: rax is the
 * number, rdi, rsi, rdx, r10, r8 the arguments, rax the result.  Unknown numbers give
 * -ENOSYS.  Memory-management hypercalls go to the core (mmglue_hypercall).
 */
#include "hv.h"
#include <xen/xen.h>
#include <xen/callback.h>

/* A user-mode SYSCALL: bounce to the registered callback, or #UD at the syscall. */
static void user_syscall(struct cpu_regs *r)
{
    struct hv_vcpu *h = hvv(current);
    bool compat = r->entry_vector == ENTRY_SYSCALL + 1;
    uint64_t cb = compat ? h->cb_syscall32 : h->cb_syscall;
    uint8_t flags = compat ? h->cbf_syscall32 : h->cbf_syscall;
    if (!cb) {
        r->rip -= 2;
        bounce_exception(r, 6, false, 0);
        return;
    }
    bounce_to(r, cb, false, 0, flags & CALLBACKF_mask_events);
}

/* multicall(list, nr): run entries in order, stop after iret or on leaving kernel mode. */
static long do_multicall(struct cpu_regs *r, uint64_t list, unsigned long nr)
{
    for (unsigned long i = 0; i < nr; i++) {
        struct multicall_entry e;
        uint64_t at = list + i * sizeof(e);
        if (copy_from_guest_va(&e, at, sizeof(e)))
            return -XEN_EFAULT;
        long res;
        if (e.op == __HYPERVISOR_multicall)
            res = -XEN_EINVAL;
        else
            res = hypercall_dispatch(r, e.op, e.args);
        if (copy_to_guest_va(at + 8, &res, sizeof(res)))
            return -XEN_EFAULT;
        if (e.op == __HYPERVISOR_iret)
            return res;          /* XSA-213: nothing runs after an iret */
        if (!current->kernel_mode)
            return 0;
    }
    return 0;
}

long hypercall_dispatch(struct cpu_regs *r, unsigned long nr, const uint64_t a[5])
{
    bool handled;
    long ret = mmglue_hypercall(r, nr, a, &handled);
    if (handled)
        return ret;
    switch (nr) {
    case __HYPERVISOR_set_trap_table:
        return hc_set_trap_table(a[0]);
    case __HYPERVISOR_stack_switch:
        return hc_stack_switch(a[0], a[1]);
    case __HYPERVISOR_set_callbacks:
        return hc_set_callbacks(a[0], a[1], a[2]);
    case __HYPERVISOR_fpu_taskswitch:
        return hc_fpu_taskswitch(a[0]);
    case __HYPERVISOR_sched_op_compat:
        return hc_sched_op_compat(r, a[0], a[1]);
    case __HYPERVISOR_multicall:
        return do_multicall(r, a[0], a[1]);
    case __HYPERVISOR_xen_version:
        return hc_xen_version(a[0], a[1]);
    case __HYPERVISOR_console_io:
        return hc_console_io(a[0], a[1], a[2]);
    case __HYPERVISOR_grant_table_op:
        return hc_grant_table_op(a[0], a[1], a[2]);
    case __HYPERVISOR_iret:
        return do_iret(r);
    case __HYPERVISOR_set_segment_base:
        return hc_set_segment_base(a[0], a[1]);
    case __HYPERVISOR_sched_op:
        return hc_sched_op(r, a[0], a[1]);
    case __HYPERVISOR_callback_op:
        return hc_callback_op(a[0], a[1]);
    default:
        return -XEN_ENOSYS;
    }
}

void handle_syscall(struct cpu_regs *r);

/* The C side of the SYSCALL entry; always leaves through exit_to_guest. */
void handle_syscall(struct cpu_regs *r)
{
    if (!current->kernel_mode) {
        user_syscall(r);
    } else {
        const uint64_t a[5] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8 };
        r->rax = (uint64_t)hypercall_dispatch(r, r->rax, a);
    }
    exit_to_guest(r);
}
