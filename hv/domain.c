/*
 * hv/domain.c - the running vCPU: guest kernel/user mode, CR3, the last step before
 * returning to the guest, and the end of a domain that cannot go on (domain_crash).
 *
 * pvmm-hv runs one domain with one vCPU.  Guest kernel and guest user mode both run at
 * CPL 3; which one is active is v->kernel_mode, and each has its own L4 (boot-ABI §8).
 * TCG has no PCID, so every switch is a full CR3 reload.
 *
 * domain_crash is Xen's answer to a guest that cannot be continued (no handler for an
 * exception, an unwritable bounce frame, an NMI or machine check taken while it ran): one
 * log line naming the domain, vCPU, vector and rip, the domain torn down through the core,
 * and then - the crashed domain being the hardware domain, the only one - the machine is
 * powered off with the FAIL code, as Xen does when dom0 crashes.  The hypervisor itself
 * stays in control all along: no guest action reaches panic().
 */
#include "events.h"
#include "domains.h"
#include <xen/xen.h>
#include <xen/sched.h>


struct domain *dom0;

/* A mode switch or CR3 load found no L4 for the mode: the domain cannot continue. */
void no_guest_table(struct vcpu *v)
{
    domain_crash(NULL, "vCPU has no %s page table", v->kernel_mode ? "kernel" : "user");
}

/* Leave the running domain's page tables and release everything it holds through the core
 * (pvmm_domain_destroy, run to the end). */
static void domain_teardown(void)
{
    struct domain *d = current->domain;
    int rc;

    write_cr3(virt_to_maddr(idle_l4));
    evtchn_destroy(d);              /* ports closed: no event reaches its vcpu_infos now */
    vcpu_events_teardown(d);        /* timers killed, vcpu_info frames given back */
    pirq_domain_teardown(d);        /* pins masked, the EOI map given back */
    sched_forget_domain(d);
    current->online = false;
    current = NULL;                 /* no CR3 reloads for it from the core any more */
    rec_destroy_begin();
    do
        rc = pvmm_domain_destroy(d);
    while (rc == -XEN_ERESTART);
    rec_destroy_end(d, rc);
    printk("pvmm: domain %u torn down (%d): %lu frames free\n", d->domain_id, rc,
           d->state->nr_free);
}

void domain_teardown_measured(void)
{
    unsigned long checks;
    uint64_t worst;

    preempt_gap_start();
    domain_teardown();
    worst = preempt_gap_stop(&checks);
    printk("pvmm: teardown: longest stretch between preemption points %lu tsc (%lu checks)\n",
           (unsigned long)worst, checks);
}

/*
 * The second half of domain_crash, on a stack of its own: tear the domain down, audit what
 * is left (a violation is a hypervisor bug: panic), and power off.
 */
__attribute__((noreturn)) static void domain_crash_teardown(void)
{
    unsigned int id = current->domain->domain_id;

    domain_teardown();
    if (mmglue_audit("after the teardown"))       /* the core's own state is wrong: loud */
        panic("the auditor found violations after tearing down domain %u", id);
    printk("pvmm: hardware domain crashed: powering off\n");
    printk("pvmm: domain 0 shutdown: crash\n");
    hv_exit(HV_EXIT_FAIL);
}

static __attribute__((noreturn)) void domu_continue(void)
{
    exit_to_guest(guest_cpu_regs());
}

void domu_leave(void)
{
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "call *%1"
                     :: "r"(guest_cpu_regs()), "r"(domu_continue) : "memory");
    __builtin_unreachable();
}

void domain_crash(const struct cpu_regs *r, const char *fmt, ...)
{
    struct vcpu *v = current;
    char why[200];
    va_list ap;

    va_start(ap, fmt);
    pvmm_vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (r)
        printk("pvmm: domain %u crashed: vCPU %u, vector %lu, rip %lx (%s mode): %s\n",
               v->domain->domain_id, v->vcpu_id, r->entry_vector, r->rip,
               v->kernel_mode ? "kernel" : "user", why);
    else
        printk("pvmm: domain %u crashed: vCPU %u: %s\n", v->domain->domain_id, v->vcpu_id,
               why);
    if (r)
        dump_regs(r);
    rec_note("the domain crashed; the hypervisor tears it down");
    if (!v->domain->is_privileged) {
        /* A domU: shut down as crashed, left for its toolstack; the CPU runs on. */
        domu_shutdown(v->domain, SHUTDOWN_crash);
        domu_leave();
    }
    domain_pause_others();          /* no other CPU runs on what the teardown frees */
    /*
     * Continue on the hypervisor stack just below the guest's saved registers: whatever
     * called us (a hypercall, an exception on an IST stack) is never returned to.
     */
    __asm__ volatile("mov %0, %%rsp\n\t"
                     "call *%1"
                     :: "r"(guest_cpu_regs()), "r"(domain_crash_teardown) : "memory");
    __builtin_unreachable();
}

/*
 * Called by exit_to_guest, interrupts off, with the register state: first the pending
 * softirqs, a blocked vCPU's wait and the event upcall (guest_exit_work).  A non-canonical
 * rip cannot be returned to (SYSRET would fault in ring 0, IRET would fault too): the guest
 * gets #GP(0) with that rip in its frame instead (boot-ABI §7.2).  Every path that edits
 * the frame (iret, bounces, the builder) leaves RPL-3 selectors and sanitised rflags.
 * exit_to_guest then chooses SYSRET or IRET from the frame.
 */
void prepare_exit(struct cpu_regs *r);
void prepare_exit(struct cpu_regs *r)
{
    guest_exit_work(r);
    if (__builtin_expect(!is_canonical(r->rip), 0)) {
        r->rflags |= X86_EFLAGS_RF;        /* a fault's frame, as the CPU writes it */
        bounce_exception(r, 13, true, 0);
    }
}

/* Enter the guest for the first time, in kernel mode on its kernel L4. */
void start_guest(struct cpu_regs *r)
{
    struct hv_vcpu *h = hvv(current);

    current->kernel_mode = true;
    current->online = true;
    __atomic_fetch_or(&h->dirty_cpumask, 1UL << this_cpu()->cpu_id, __ATOMIC_SEQ_CST);
    h->down = false;
    this_cpu()->loaded = current;
    runstate_set(current, RUNSTATE_running);
    set_periodic(current, MILLISECS(10));      /* Xen's default for a PV vCPU */
    desc_load_vcpu_gdt(current->vcpu_id);
    load_guest_cr3(current);
    vcpu_fpu_restore(h);                       /* FNINIT state, XCR0 x87|SSE */
    /* The TSC: under icount, instructions since machine start (make bench-linux). */
    printk("pvmm: starting dom0 at %lx (tsc %lu)\n", r->rip, (unsigned long)rdtsc());
    nmi_selftest_arm();
    exit_to_guest(r);
}
