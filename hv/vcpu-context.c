/*
 * hv/vcpu-context.c - a vCPU's life: its creation (hv_vcpu_setup), VCPUOP_initialise with a
 * PV64 struct vcpu_guest_context, VCPUOP_up, VCPUOP_down and VCPUOP_is_up, with Xen 4.17's
 * checks and error codes.
 *
 * A domain's vCPUs are created together; vCPU 0 gets its context from the domain builder,
 * the others start down and uninitialised (Xen's _VPF_down, !is_initialised).
 * VCPUOP_initialise gives one its context, once (-EEXIST after): every address canonical
 * (rip, rsp, kernel_sp, the LDT base when there are entries, the FS and GS bases, the event,
 * syscall and failsafe callbacks and every trap-table entry) and the LDT base page-aligned
 * with at most 8192 entries (-EINVAL); a vCPU starting in user mode needs a user L4
 * (-EINVAL); vm_assist bits a PV64 guest cannot have -EINVAL; then the core takes the GDT
 * frames (descriptor pages), the kernel L4 (ctrlreg[3]) and the user L4 (ctrlreg[1]) as
 * Xen's arch_set_info_guest does (pvmm_vcpu_set_tables: -EINVAL for a frame that is not the
 * domain's or not a valid table, nothing held on failure).  Only then is anything of the
 * vCPU changed.  The registers keep their values, IOPL becomes the virtual IOPL, IF is set;
 * a non-null FS or GS selector zeroes its base as in Xen; CS and SS are checked before the
 * first run (context-switch.c: a selector that cannot be loaded crashes the domain).
 * VCPUOP_up of an initialised vCPU makes it runnable (of an uninitialised one -EINVAL);
 * VCPUOP_down takes it off the CPU (the last vCPU going down powers the domain off, as Xen);
 * the vCPU keeps its state and resumes where it was at the next VCPUOP_up.
 * Not taken from the context (ignored, as the guest cannot observe it through pvmm-hv yet):
 * the debug registers and CR4.FSGSBASE.
 */
#include "events.h"
#include <xen/vcpu.h>
#include <xen/sched.h>

#define VM_ASSIST_PV64_VALID  (0x3fUL | (1UL << VMASST_TYPE_m2p_strict))

/*
 * Give vCPU v (zeroed storage h, on CPU cpu, whose vcpu_info is vi) its hypervisor state:
 * down and uninitialised, runstate offline, FPU as after FNINIT, timers and VIRQs unbound,
 * its descriptor window empty.
 */
void hv_vcpu_setup(struct vcpu *v, struct hv_vcpu *h, struct vcpu_info *vi, unsigned int cpu)
{
    v->plat = h;
    mm_reset_desc_window(desc_window(v));
    h->vcpu_info = vi;
    h->processor = cpu;
    h->hard_affinity = h->soft_affinity = ~(cpumask_t)0;
    h->down = true;
    h->poll_evtchn = -1;
    debugreg_init(h);
    evtchn_init_vcpu(v);
    vcpu_timers_init(v);
    vcpu_xstate_setup(v);
    h->runstate_state = RUNSTATE_offline;
    h->runstate_entry = NOW();
    update_vcpu_system_time(v);
}

/* Xen's argument checks of arch_set_info_guest for a PV64 context (see the header). */
static long check_context(const struct vcpu_guest_context *c)
{
    if (!is_canonical(c->user_regs.rip) || !is_canonical(c->user_regs.rsp) ||
        !is_canonical(c->kernel_sp) || (c->ldt_ents && !is_canonical(c->ldt_base)) ||
        !is_canonical(c->fs_base) || !is_canonical(c->gs_base_kernel) ||
        !is_canonical(c->gs_base_user) || !is_canonical(c->event_callback_eip) ||
        !is_canonical(c->syscall_callback_eip) || !is_canonical(c->failsafe_callback_eip))
        return -XEN_EINVAL;
    for (unsigned int i = 0; i < 256; i++)
        if (!is_canonical(c->trap_ctxt[i].address))
            return -XEN_EINVAL;
    if ((c->ldt_base & (PAGE_SIZE - 1)) || c->ldt_ents > 8192)
        return -XEN_EINVAL;
    if (!(c->flags & VGCF_IN_KERNEL) && !c->ctrlreg[1])
        return -XEN_EINVAL;
    if (c->vm_assist & ~VM_ASSIST_PV64_VALID)
        return -XEN_EINVAL;
    return 0;
}

/* Commit a checked context whose tables the core holds already. */
static void apply_context(struct vcpu *v, const struct vcpu_guest_context *c)
{
    struct hv_vcpu *h = hvv(v);
    const struct cpu_user_regs *u = &c->user_regs;
    struct cpu_regs *r = &h->regs;
    uint64_t gs_kernel = c->gs_base_kernel;
    uint64_t gs_user = (u->gs & ~3) ? 0 : c->gs_base_user;

    memset(r, 0, sizeof(*r));
    r->r15 = u->r15; r->r14 = u->r14; r->r13 = u->r13; r->r12 = u->r12;
    r->rbp = u->rbp; r->rbx = u->rbx; r->r11 = u->r11; r->r10 = u->r10;
    r->r9 = u->r9; r->r8 = u->r8; r->rax = u->rax; r->rcx = u->rcx;
    r->rdx = u->rdx; r->rsi = u->rsi; r->rdi = u->rdi;
    r->rip = u->rip;
    r->rsp = u->rsp;
    r->cs = u->cs | 3;
    r->ss = u->ss | 3;
    r->entry_vector = ENTRY_SYSCALL;
    h->iopl = (unsigned int)(u->rflags >> 12) & 3;
    r->rflags = (u->rflags & X86_EFLAGS_ALL & ~(X86_EFLAGS_IOPL | X86_EFLAGS_VM)) |
                X86_EFLAGS_IF | X86_EFLAGS_MBS;
    h->ds = u->ds;
    h->es = u->es;
    h->fs = u->fs;
    h->gs = u->gs;
    h->fs_base = (u->fs & ~3) ? 0 : c->fs_base;
    v->kernel_mode = (c->flags & VGCF_IN_KERNEL) != 0;
    h->gs_base = v->kernel_mode ? gs_kernel : gs_user;
    h->shadow_gs_base = v->kernel_mode ? gs_user : gs_kernel;
    for (unsigned int i = 0; i < 256; i++) {
        h->trap[i].address = c->trap_ctxt[i].address;
        h->trap[i].flags = c->trap_ctxt[i].flags;
    }
    v->ldt_base = c->ldt_base;
    v->ldt_ents = (unsigned int)c->ldt_ents;
    v->desc_gen++;
    h->kernel_ss = c->kernel_ss | 3;
    h->kernel_sp = c->kernel_sp;
    h->fpu_ts = (c->ctrlreg[0] & CR0_TS) != 0;
    h->cr4 = c->ctrlreg[4] & (CR4_DE | (1UL << 2) | (xstate_max ? CR4_OSXSAVE : 0));
    h->cb_event = c->event_callback_eip;
    h->cb_failsafe = c->failsafe_callback_eip;
    h->cb_syscall = c->syscall_callback_eip;
    h->failsafe_disables_events = (c->flags & VGCF_failsafe_disables_events) != 0;
    h->cbf_syscall = (c->flags & VGCF_syscall_disables_events) ? 1 : 0;
    vcpu_fpu_init(h, (c->flags & VGCF_I387_VALID) ? c->fpu_ctxt : NULL);
    h->initialised = true;
    v->online = true;             /* the core's flush masks name it from now (flush.c) */
    /* Xen: VGCF_online clears _VPF_down without waking the vCPU (VCPUOP_up then finds it
     * up and does not wake it either). */
    h->down = !(c->flags & VGCF_online);
    set_periodic(v, MILLISECS(10));            /* Xen's default for a PV vCPU */
}

static pvmm_spinlock_t initialise_lock = PVMM_SPINLOCK_INIT;

/* VCPUOP_initialise of vCPU v (any vCPU of the caller's domain). */
long vcpu_initialise(struct vcpu *v, uint64_t arg)
{
    static struct vcpu_guest_context ctx[HV_MAX_CPUS];   /* one per CPU: too big for the
                                                            stack, and vCPUs of several CPUs
                                                            may call at once */
    struct vcpu_guest_context *cp = &ctx[this_cpu()->cpu_id];
    long rc;

    if (copy_from_guest_va(cp, arg, sizeof(*cp)))
        return -XEN_EFAULT;
    rc = check_context(cp);
    if (rc)
        return rc;
    spin_lock(&initialise_lock);               /* two vCPUs initialising the same one */
    if (hvv(v)->initialised) {
        spin_unlock(&initialise_lock);
        return -XEN_EEXIST;
    }
    rc = pvmm_vcpu_set_tables(v, cp->gdt_frames, (unsigned int)cp->gdt_ents < cp->gdt_ents ?
                              ~0u : (unsigned int)cp->gdt_ents, cp->ctrlreg[3] >> PAGE_SHIFT,
                              cp->ctrlreg[1] >> PAGE_SHIFT);
    if (rc) {
        spin_unlock(&initialise_lock);
        mmglue_report_refusal(v, "VCPUOP_initialise", rc);
        return rc;
    }
    apply_context(v, cp);
    spin_unlock(&initialise_lock);
    return 0;
}

/* VCPUOP_up: 0, or -EINVAL for a vCPU that has no context yet. */
long vcpu_up(struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);

    if (!h->initialised)
        return -XEN_EINVAL;
    if (h->down) {
        h->down = false;
        vcpu_wake(v);
    }
    return 0;
}

/* VCPUOP_down: 0; the domain's last vCPU going down powers it off (Xen's behaviour). */
long vcpu_down(struct vcpu *v)
{
    struct domain *d = v->domain;
    bool others = false;

    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (i != v->vcpu_id && d->vcpu[i].plat && !hvv(&d->vcpu[i])->down)
            others = true;
    if (!others)
        domain_shutdown(SHUTDOWN_poweroff);
    if (!hvv(v)->down) {
        hvv(v)->down = true;
        vcpu_sleep(v);
    }
    return 0;
}
