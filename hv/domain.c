/*
 * hv/domain.c - the running vCPU: guest kernel/user mode, CR3, and the last step before
 * returning to the guest.
 *
 * pvmm-hv runs one domain with one vCPU.  Guest kernel and guest user mode both run at
 * CPL 3; which one is active is v->kernel_mode, and each has its own L4 (boot-ABI §8).
 * TCG has no PCID, so every switch is a full CR3 reload.
 */
#include "hv.h"
#include <xen/xen.h>

struct vcpu *current;
struct domain *dom0;

/* A mode switch or CR3 load found no L4 for the mode: the domain cannot continue. */
void no_guest_table(struct vcpu *v)
{
    panic("vCPU has no %s page table", v->kernel_mode ? "kernel" : "user");
}

/*
 * Called by exit_to_guest with the final register state.  A non-canonical rip cannot be
 * returned to (SYSRET would fault in ring 0, IRET would fault too): the guest gets #GP(0)
 * with that rip in its frame instead (boot-ABI §7.2).  Every path that edits the frame
 * (iret, bounces, the builder) leaves RPL-3 selectors and sanitised rflags.  Returns 1 when
 * SYSRET reproduces the saved state exactly (rcx == rip, r11 == rflags, flat 64-bit
 * selectors, no RF), 0 for IRET.
 */
int prepare_exit(struct cpu_regs *r);
int prepare_exit(struct cpu_regs *r)
{
    if (__builtin_expect(!is_canonical(r->rip), 0))
        bounce_exception(r, 13, true, 0);
    return r->rcx == r->rip && r->r11 == r->rflags && r->cs == FLAT_KERNEL_CS64 &&
           r->ss == FLAT_KERNEL_SS64 && !(r->rflags & X86_EFLAGS_RF);
}

/* Enter the guest for the first time, in kernel mode on its kernel L4. */
void start_guest(struct cpu_regs *r)
{
    current->kernel_mode = true;
    current->online = true;
    load_guest_cr3(current);
    printk("pvmm: starting dom0 at %lx\n", r->rip);
    exit_to_guest(r);
}
