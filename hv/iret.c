/*
 * hv/iret.c - the iret hypercall (23), boot-ABI §8.4.
 *
 * The guest jumped to hypercall stub 23 after pushing a hardware-IRET-shaped frame plus a
 * flags word; the stub pushed rcx, r11 and rax.  We read that struct iret_context from the
 * guest stack, switch to user mode if the saved CS has RPL 3, and restore the registers.
 * The result is the saved rax, which the dispatcher puts back in rax.  CS and SS get RPL 3
 * and are not looked at here: as on Xen, the CPU checks them when the IRETQ to the guest
 * loads them, and a selector it refuses becomes the guest's #GP/#NP/#SS
 * (traps.c, exit_iretq_fault).
 */
#include "hv.h"
#include "guest-access.h"
#include <xen/xen.h>

/* Read the iret frame at the guest's rsp into *ic; false if it cannot be read. */
static bool read_iret_context(uint64_t rsp, struct iret_context *ic)
{
    const uint64_t *p = (const uint64_t *)rsp;

    if (!guest_range_ok(rsp, sizeof(*ic)))
        return false;
    guest_access_begin();
    guest_get(ic->rax, &p[0], fault);
    guest_get(ic->r11, &p[1], fault);
    guest_get(ic->rcx, &p[2], fault);
    guest_get(ic->flags, &p[3], fault);
    guest_get(ic->rip, &p[4], fault);
    guest_get(ic->cs, &p[5], fault);
    guest_get(ic->rflags, &p[6], fault);
    guest_get(ic->rsp, &p[7], fault);
    guest_get(ic->ss, &p[8], fault);
    guest_access_end();
    return true;
fault:
    guest_access_end();
    return false;
}

long do_iret(struct cpu_regs *r)
{
    struct vcpu *v = current;
    struct hv_vcpu *h = hvv(v);
    struct iret_context ic;
    bool to_user;

    if (!read_iret_context(r->rsp, &ic))
        domain_crash(r, "iret: cannot read the frame at %lx", r->rsp);
    ic.cs &= 0xffff;          /* bounce frames carry the saved upcall mask in bits 32-39 */
    ic.ss &= 0xffff;
    to_user = (ic.cs & 3) == 3 && v->kernel_mode;
    if ((ic.cs & 3) == 3 && v->guest_table_user == INVALID_MFN)
        domain_crash(r, "iret to user mode without a user page table");
    if (__builtin_expect(current->domain->vm_assist & (1UL << VMASST_TYPE_architectural_iopl), 0))
        h->iopl = (ic.rflags >> 12) & 3;
    r->rip = ic.rip;
    r->cs = ic.cs | 3;
    r->rflags = (ic.rflags & X86_EFLAGS_ALL & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) |
                X86_EFLAGS_IF | X86_EFLAGS_MBS;
    r->rsp = ic.rsp;
    r->ss = ic.ss | 3;
    if (ic.flags & VGCF_in_syscall) {
        r->rcx = r->rip;        /* SYSRET semantics: rcx and r11 are not restored */
        r->r11 = r->rflags;
    } else {
        r->rcx = ic.rcx;
        r->r11 = ic.r11;
    }
    h->vcpu_info->evtchn_upcall_mask = !(ic.rflags & X86_EFLAGS_IF);
    /* The switch to the user L4 comes last: the frame was read from the kernel stack. */
    if (to_user)
        toggle_guest_mode(v);
    /* The selectors are the CPU's to check, on the IRETQ that leaves (exit_iretq_fault). */
    return (long)ic.rax;
}
