/*
 * hv/gen/asm-offsets.c - the structure offsets hv/entry.S needs, as constants.
 *
 * Compiled to assembly only (never linked): each OFFSET() leaves a line "->NAME VALUE" in
 * the output, which mk/hv.mk turns into $(BUILD)/hv/asm-offsets.h (#define NAME VALUE), so
 * the entry path's fast hypercall and exit code read the same layouts as the C code.
 */
#include <stddef.h>
#include "../hv.h"
#include <xen/xen.h>

#define OFFSET(name, value) \
    __asm__ volatile("\n.ascii \"->" #name " %c0\"" :: "i"((long)(value)))

void asm_offsets(void);
void asm_offsets(void)
{
    OFFSET(PERCPU_curr, offsetof(struct percpu, curr));
    OFFSET(PERCPU_softirq_pending, offsetof(struct percpu, softirq_pending));
    OFFSET(VCPU_kernel_mode, offsetof(struct vcpu, kernel_mode));
    OFFSET(VCPU_cont_pending, offsetof(struct vcpu, cont.pending));
    OFFSET(VCPU_plat, offsetof(struct vcpu, plat));
    OFFSET(HVV_vcpu_info, offsetof(struct hv_vcpu, vcpu_info));
    OFFSET(HVV_blocked, offsetof(struct hv_vcpu, blocked));
    OFFSET(VI_upcall_pending, offsetof(struct vcpu_info, evtchn_upcall_pending));
    OFFSET(REGS_rax, offsetof(struct cpu_regs, rax));
    OFFSET(REGS_args, offsetof(struct cpu_regs, args));
    OFFSET(REGS_rip, offsetof(struct cpu_regs, rip));
    OFFSET(HYPERCALL_NR_MAX, XEN_HYPERCALL_NR_MAX);
    OFFSET(SIZEOF_kernel_mode, sizeof(((struct vcpu *)0)->kernel_mode));
    OFFSET(SIZEOF_cont_pending, sizeof(((struct vcpu *)0)->cont.pending));
    OFFSET(SIZEOF_blocked, sizeof(((struct hv_vcpu *)0)->blocked));
    OFFSET(SIZEOF_softirq_pending, sizeof(((struct percpu *)0)->softirq_pending));
    OFFSET(SIZEOF_upcall_pending, sizeof(((struct vcpu_info *)0)->evtchn_upcall_pending));
}
