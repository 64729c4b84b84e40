/*
 * hv/context-switch.c - switching a CPU from one vCPU to another, and the failsafe callback.
 *
 * A vCPU's state is either loaded (in the CPU and in the CPU's guest frame, percpu.regs) or
 * saved in its hv_vcpu: the general registers (struct cpu_regs), the data segment selectors
 * and the FS, GS and shadow GS base MSRs exactly as the CPU had them (so whichever of the
 * guest's two GS bases is active stays so), the FPU and extended state with XCR0 (xstate.c)
 * and CR0.TS.  The per-domain GDT/LDT window, LDTR and CR3 are made the incoming vCPU's.
 * Switching to the idle vCPU saves nothing (Xen's lazy switch): the last guest vCPU stays loaded
 * (percpu.loaded), and if it is the next to run again nothing has to be restored.
 *
 * Reloading the data segments can fault when the guest changed or dropped a descriptor a
 * selector still names (the CPU kept the old one cached while the vCPU ran).  As in Xen's
 * load_segments, such a register gets the null selector and the vCPU is bounced to its
 * failsafe callback before it runs again, with the frame (lowest address first)
 *   rcx, r11, ds, es, fs, gs, rip, cs | upcall_mask << 32, rflags, rsp, ss
 * holding the selectors it had; on the kernel stack (kernel_sp) when it was in user mode,
 * and events masked when the callback was registered with CALLBACKF_mask_events.  With no
 * callback registered (address 0) the frame is written all the same and the vCPU enters the
 * guest at rip 0, as on Xen: a kernel with nothing there takes a #PF at 0.
 *
 * A vCPU's state can be loaded only on one CPU at a time: a CPU that takes a vCPU another CPU
 * still holds lazily first makes that CPU save it (vcpu_save_if_loaded through an IPI, Xen's
 * sync_vcpu_execstate; sched-rr.c).
 */
#include "events.h"
#include "guest-access.h"
#include <xen/vcpu.h>

unsigned int load_data_segments(const uint16_t sel[4]);      /* entry.S */

static inline uint16_t read_sel(int which)
{
    uint16_t s;
    switch (which) {
    case 0: __asm__ volatile("mov %%ds, %0" : "=r"(s)); break;
    case 1: __asm__ volatile("mov %%es, %0" : "=r"(s)); break;
    case 2: __asm__ volatile("mov %%fs, %0" : "=r"(s)); break;
    default: __asm__ volatile("mov %%gs, %0" : "=r"(s)); break;
    }
    return s;
}

/* Save the loaded vCPU v: the frame r, selectors, base MSRs, FPU. */
static void save_vcpu_state(struct vcpu *v, const struct cpu_regs *r)
{
    struct hv_vcpu *h = hvv(v);

    memcpy(&h->regs, r, sizeof(h->regs));
    h->ds = read_sel(0);
    h->es = read_sel(1);
    h->fs = read_sel(2);
    h->gs = read_sel(3);
    h->fs_base = rdmsr(MSR_FS_BASE);
    h->gs_base = rdmsr(MSR_GS_BASE);
    h->shadow_gs_base = rdmsr(MSR_SHADOW_GS_BASE);
    vcpu_fpu_save(h);
}

/* Load v (current already): descriptor tables, CR3, selectors (failsafe on a fault), bases,
 * FPU and CR0.TS, and its frame into r. */
static void load_vcpu_state(struct vcpu *v, struct cpu_regs *r)
{
    struct hv_vcpu *h = hvv(v);
    uint16_t sel[4] = { h->ds, h->es, h->fs, h->gs };
    unsigned int bad;

    memcpy(r, &h->regs, sizeof(*r));
    mmglue_load_descriptor_tables(v);
    load_guest_cr3(v);                   /* also flushes the old GDT/LDT window's mappings */
    bad = load_data_segments(sel);
    wrmsr(MSR_FS_BASE, h->fs_base);
    wrmsr(MSR_GS_BASE, h->gs_base);
    wrmsr(MSR_SHADOW_GS_BASE, h->shadow_gs_base);
    vcpu_fpu_restore(h);
    if (bad)
        h->failsafe_pending = 1;        /* with no callback too: Xen enters it at 0 */
}

/* The runstate a vCPU that stops running enters: runnable, else blocked, else offline (a
 * blocked vCPU that is also down counts as blocked, as in Xen). */
static int leaving_runstate(struct vcpu *v)
{
    const struct hv_vcpu *h = hvv(v);
    if (vcpu_runnable(v))
        return RUNSTATE_runnable;
    return h->blocked ? RUNSTATE_blocked : RUNSTATE_offline;
}

/*
 * Make next the vCPU running on this CPU instead of prev (both this CPU's; interrupts off,
 * on the exit path).  prev's runstate area is written while its page tables are still
 * loaded, next's once its own are.
 */
void context_switch(struct vcpu *prev, struct vcpu *next)
{
    struct percpu *pc = this_cpu();

    if (!is_idle_vcpu(prev)) {
        runstate_set(prev, leaving_runstate(prev));
        update_runstate_area(prev);
    }
    pc->curr = next;
    if (is_idle_vcpu(next))
        return;
    runstate_set(next, RUNSTATE_running);
    if (pc->loaded != next) {
        struct vcpu *old = pc->loaded;
        cpumask_t me = 1UL << pc->cpu_id;

        if (old)
            save_vcpu_state(old, pc->regs);
        pc->loaded = next;
        /* flush.c: this CPU may hold next's translations from now, old's no longer. */
        __atomic_fetch_or(&hvv(next)->dirty_cpumask, me, __ATOMIC_SEQ_CST);
        load_vcpu_state(next, pc->regs);
        if (old)
            __atomic_fetch_and(&hvv(old)->dirty_cpumask, ~me, __ATOMIC_SEQ_CST);
    }
    update_vcpu_system_time(next);
    update_runstate_area(next);
}

/*
 * On the CPU that holds v's state lazily (it switched to idle and kept v loaded): save it,
 * leave its descriptor window, load the idle L4, and drop this CPU from v's dirty mask, so v can be loaded on another CPU
 * (Xen's sync_vcpu_execstate; run through an IPI by the CPU taking v, sched-rr.c).
 */
void vcpu_save_if_loaded(struct vcpu *v)
{
    struct percpu *pc = this_cpu();

    if (pc->loaded != v || pc->curr == v)
        return;
    save_vcpu_state(v, pc->regs);
    pc->loaded = NULL;
    desc_load_cpu_gdt();                 /* v's window is the next CPU's to load */
    write_cr3(virt_to_maddr(idle_l4));
    __atomic_fetch_and(&hvv(v)->dirty_cpumask, ~(1UL << pc->cpu_id), __ATOMIC_SEQ_CST);
}

/*
 * Forget the vCPUs of a domain that is going away: whichever is loaded on this CPU is
 * dropped (its state is not saved), and the queues lose them.  SMP: every CPU.
 */
void sched_forget_domain(struct domain *d)
{
    struct percpu *pc = this_cpu();

    if (pc->loaded && pc->loaded->domain == d) {
        pc->loaded = NULL;
        desc_load_cpu_gdt();             /* out of the window of a vCPU going away */
    }
    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = &d->vcpu[i];
        if (v->plat && hvv(v)->on_runq)
            vcpu_sleep(v);
    }
}

/* On a CPU that holds a vCPU of domain `data` lazily: drop it unsaved (the domain is going
 * away), leave its descriptor window and its page tables. */
static void forget_loaded(void *data)
{
    struct percpu *pc = this_cpu();
    struct vcpu *v = pc->loaded;

    if (!v || v->domain != data || pc->curr == v)
        return;
    pc->loaded = NULL;
    desc_load_cpu_gdt();
    write_cr3(virt_to_maddr(idle_l4));
    __atomic_fetch_and(&hvv(v)->dirty_cpumask, ~(1UL << pc->cpu_id), __ATOMIC_SEQ_CST);
}

/*
 * A domU is being destroyed (its vCPUs run nowhere: paused, shut down or crashed): take its
 * vCPUs off the run queues, and make every CPU that still holds one lazily (it went idle
 * after it, keeping its state and CR3) drop it, by a cross-CPU call to the CPUs of their
 * dirty masks - so no CPU has its page tables in CR3 when the core frees them (Xen's
 * sync_vcpu_execstate of each vCPU).
 */
void sched_drop_domain(struct domain *d)
{
    cpumask_t mask = 0;

    for (unsigned int i = 0; i < d->max_vcpus; i++) {
        struct vcpu *v = &d->vcpu[i];

        if (!v->plat)
            continue;
        if (hvv(v)->on_runq)
            vcpu_sleep(v);
    }
    /*
     * A vCPU of d that can no longer run may still be another CPU's current: it shut down
     * (or crashed) there, and that CPU has not reached its exit path yet, where it switches
     * to idle and keeps the vCPU loaded lazily - after the cross-CPU call below would have
     * found it running and left it, with its L4 in CR3 while the core frees it.  Wait until
     * every such CPU has switched away (answering cross-CPU calls: it may be waiting for
     * this one), so the dirty masks read next name every CPU that still holds it.
     */
    for (unsigned int c = 0; c < nr_cpus_online; c++) {
        struct vcpu *cur;

        while ((cur = __atomic_load_n(&percpu_area[c].curr, __ATOMIC_ACQUIRE))->domain == d &&
               !vcpu_runnable(cur)) {
            smp_call_poll();
            cpu_relax();
        }
    }
    for (unsigned int i = 0; i < d->max_vcpus; i++)
        if (d->vcpu[i].plat)
            mask |= __atomic_load_n(&hvv(&d->vcpu[i])->dirty_cpumask, __ATOMIC_SEQ_CST);
    if (mask)
        on_selected_cpus(mask, forget_loaded, d);
}

/* Xen's failsafe bounce (see the header), made before v's next return to the guest. */
void failsafe_bounce(struct cpu_regs *r, struct vcpu *v)
{
    struct hv_vcpu *h = hvv(v);
    struct bounce_frame bf;
    uint64_t *f;

    h->failsafe_pending = 0;
    bounce_frame_start(r, 11, &bf);
    f = bf.f;
    guest_access_begin();
    guest_put(r->rcx, &f[0], fault);
    guest_put(r->r11, &f[1], fault);
    guest_put((uint64_t)h->ds, &f[2], fault);
    guest_put((uint64_t)h->es, &f[3], fault);
    guest_put((uint64_t)h->fs, &f[4], fault);
    guest_put((uint64_t)h->gs, &f[5], fault);
    guest_put(r->rip, &f[6], fault);
    guest_put(bf.cs, &f[7], fault);
    guest_put(bf.rflags, &f[8], fault);
    guest_put(r->rsp, &f[9], fault);
    guest_put(r->ss, &f[10], fault);
    guest_access_end();
    bounce_frame_enter(r, &bf, h->cb_failsafe, h->failsafe_disables_events);
    return;

fault:
    guest_access_end();
    domain_crash(r, "cannot write the failsafe callback frame at %lx", (uint64_t)bf.f);
}
