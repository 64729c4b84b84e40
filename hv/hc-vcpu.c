/*
 * hv/hc-vcpu.c - hypercalls that set per-vCPU entry state: set_trap_table (0),
 * stack_switch (3), set_callbacks (4), fpu_taskswitch (5), set_segment_base (25) and
 * callback_op (30).  Semantics from boot-ABI §9.1, §12.6, §12.7 and §12.8.
 */
#include "events.h"
#include <xen/xen.h>
#include <xen/callback.h>

int load_user_gs_sel(unsigned int sel);   /* entry.S */

/*
 * set_trap_table: entries up to the first with address 0; NULL clears the table.  The list
 * has no length, so a guest can make it as long as its address space (one frame mapped
 * again and again): as on Xen, a pending softirq or event continues the hypercall from the
 * next entry, so the CPU is never held for longer than one entry.
 */
long hc_set_trap_table(uint64_t traps)
{
    struct vcpu *v = current;
    struct hv_vcpu *h = hvv(v);
    if (!traps) {
        memset(h->trap, 0, sizeof(h->trap));
        return 0;
    }
    for (;;) {
        struct trap_info ti;
        if (copy_from_guest_va(&ti, traps, sizeof(ti)))
            return -XEN_EFAULT;
        if (!ti.address)
            return 0;
        if (!is_canonical(ti.address))
            return -XEN_EINVAL;
        h->trap[ti.vector].address = ti.address;
        h->trap[ti.vector].flags = ti.flags;
        traps += sizeof(struct trap_info);
        if (hv_preempt_check(v)) {
            v->cont.pending = true;
            v->cont.op = __HYPERVISOR_set_trap_table;
            v->cont.nargs = 1;
            v->cont.args[0] = traps;
            return 0;
        }
    }
}

long hc_stack_switch(uint64_t ss, uint64_t sp)
{
    hvv(current)->kernel_ss = ss | 3;
    hvv(current)->kernel_sp = sp;
    return 0;
}

/* set_callbacks: each canonical address is registered as by callback_op with no flags (so
 * the failsafe and syscall callbacks no longer mask events); a non-canonical one is skipped
 * and the result is 0 all the same, as on Xen. */
long hc_set_callbacks(uint64_t ev, uint64_t fs, uint64_t sc)
{
    struct hv_vcpu *h = hvv(current);
    if (is_canonical(ev))
        h->cb_event = ev;
    if (is_canonical(fs)) {
        h->cb_failsafe = fs;
        h->failsafe_disables_events = false;
    }
    if (is_canonical(sc)) {
        h->cb_syscall = sc;
        h->cbf_syscall = 0;
    }
    return 0;
}

/* fpu_taskswitch(int set): CR0.TS for the vCPU (Xen takes an int: only the low half counts). */
long hc_fpu_taskswitch(int set)
{
    hvv(current)->fpu_ts = set != 0;
    write_cr0(set ? read_cr0() | CR0_TS : read_cr0() & ~CR0_TS);
    return 0;
}

/*
 * set_segment_base(unsigned int which, base).  GS_USER_SEL loads the guest user's %gs from
 * the GDT or LDT with the RPL forced to 3 unless the selector is null (0-3), as Xen does: a
 * selector of a descriptor the guest may not use (a hypervisor one, DPL 0) faults and the
 * null selector is loaded instead; the result is 0 either way (Linux cannot take an error).
 */
long hc_set_segment_base(unsigned int which, uint64_t base)
{
    unsigned int sel;

    switch (which) {
    case SEGBASE_FS:
    case SEGBASE_GS_USER:
    case SEGBASE_GS_KERNEL:
        if (!is_canonical(base))
            return -XEN_EINVAL;
        wrmsr(which == SEGBASE_FS ? MSR_FS_BASE :
              which == SEGBASE_GS_USER ? MSR_SHADOW_GS_BASE : MSR_GS_BASE, base);
        return 0;
    case SEGBASE_GS_USER_SEL:
        sel = (unsigned int)base & 0xffff;
        if ((sel & 4) && (sel >> 3) < current->ldt_ents) {
            /* An LDT selector: its page is mapped lazily, as a guest's own load would map
             * it (Xen maps it from the #PF the load takes); refused, the load faults. */
            uint64_t guest_va;
            mmglue_ldt_fault(current, LDT_VIRT_START(current->vcpu_id) + (sel & ~7u),
                             &guest_va);
        }
        load_user_gs_sel(sel > 3 ? sel | 3 : sel);
        return 0;
    default:
        return -XEN_EINVAL;
    }
}

static long register_callback(const struct callback_register *cb)
{
    struct hv_vcpu *h = hvv(current);
    if (!is_canonical(cb->address))
        return -XEN_EINVAL;
    switch (cb->type) {
    case CALLBACKTYPE_event:
        h->cb_event = cb->address;
        return 0;
    case CALLBACKTYPE_failsafe:
        h->cb_failsafe = cb->address;
        h->failsafe_disables_events = (cb->flags & CALLBACKF_mask_events) != 0;
        return 0;
    case CALLBACKTYPE_syscall:
        h->cb_syscall = cb->address;
        h->cbf_syscall = (uint8_t)cb->flags;
        return 0;
    case CALLBACKTYPE_syscall32:
        h->cb_syscall32 = cb->address;
        h->cbf_syscall32 = (uint8_t)cb->flags;
        return 0;
    case CALLBACKTYPE_sysenter:
        h->cb_sysenter = cb->address;
        h->cbf_sysenter = (uint8_t)cb->flags;
        return 0;
    case CALLBACKTYPE_nmi:
        h->cb_nmi = cb->address;
        h->trap[2].address = cb->address;
        h->trap[2].flags = 4;
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}

long hc_callback_op(unsigned long cmd, uint64_t arg)
{
    if (cmd == CALLBACKOP_register) {
        struct callback_register cb;
        if (copy_from_guest_va(&cb, arg, sizeof(cb)))
            return -XEN_EFAULT;
        return register_callback(&cb);
    }
    if (cmd == CALLBACKOP_unregister) {
        struct callback_unregister cb;
        if (copy_from_guest_va(&cb, arg, sizeof(cb)))
            return -XEN_EFAULT;
        switch (cb.type) {
        case CALLBACKTYPE_nmi:
            hvv(current)->cb_nmi = 0;
            hvv(current)->trap[2].address = 0;
            return 0;
        case CALLBACKTYPE_event:
        case CALLBACKTYPE_failsafe:
        case CALLBACKTYPE_syscall:
        case CALLBACKTYPE_syscall32:
        case CALLBACKTYPE_sysenter:
            return -XEN_EINVAL;
        default:
            return -XEN_ENOSYS;
        }
    }
    return -XEN_ENOSYS;
}
