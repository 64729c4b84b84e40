/*
 * hv/hypercall.c - SYSCALL entry: hypercalls from guest kernel mode, the syscall callback
 * bounce from guest user mode, the hypercall table and multicall (boot-ABI §7, §8.3, §12.5).
 *
 * A SYSCALL from 64-bit guest kernel code is a hypercall wherever it is executed: rax is the
 * number, rdi, rsi, rdx, r10, r8 the arguments, rax the result.  Unknown numbers give
 * -ENOSYS.  A SYSCALL from 32-bit (compatibility-mode) code is never a hypercall, in kernel
 * mode too: as Xen's CSTAR entry for a 64-bit PV domain, it goes to the syscall32 callback,
 * or raises #UD at the instruction with every register unchanged.  Memory-management
 * hypercalls go to the core (mmglue_hypercall), and so does multicall (do_multicall, with
 * this file's table for the entries).  A hypercall the core asks to continue is re-executed
 * here, never inside a multicall: there the core folds the continuation into the entry and
 * continues the multicall instead.
 */
#include "events.h"
#include "domains.h"
#include <xen/xen.h>
#include <xen/callback.h>

/* A user-mode or 32-bit SYSCALL: bounce to the registered callback, or #UD at the syscall. */
static void syscall_bounce(struct cpu_regs *r)
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

/* A multicall entry's hypercall (core/batch.c's do_multicall runs the list). */
static long multicall_subcall(void *ctx, struct vcpu *v, uint64_t op, const uint64_t args[6])
{
    (void)v;
    return hypercall_dispatch(ctx, op, args);
}

/* One adapter per hypercall: the raw ABI arguments to the handler's parameters.  A command,
 * vCPU id or count that Xen declares as a 32-bit int is cut to its low 32 bits here, so the
 * upper half of the register is ignored as on Xen. */
typedef long (*hypercall_fn)(struct cpu_regs *r, unsigned long nr, const uint64_t a[5]);

static long h_mm(struct cpu_regs *r, unsigned long nr, const uint64_t a[5])
{
    return mmglue_hypercall(r, nr, a);
}
#define ADAPT(name, call) \
    static long name(struct cpu_regs *r, unsigned long nr, const uint64_t a[5]) \
    { (void)r; (void)nr; (void)a; return call; }
ADAPT(h_set_trap_table, hc_set_trap_table(a[0]))
ADAPT(h_stack_switch, hc_stack_switch(a[0], a[1]))
ADAPT(h_set_callbacks, hc_set_callbacks(a[0], a[1], a[2]))
ADAPT(h_fpu_taskswitch, hc_fpu_taskswitch((int)a[0]))
ADAPT(h_sched_op_compat, hc_sched_op_compat(r, (unsigned int)a[0], a[1]))
ADAPT(h_multicall, do_multicall(current, a[0], (unsigned int)a[1], multicall_subcall, r))
ADAPT(h_xen_version, hc_xen_version((unsigned int)a[0], a[1]))
ADAPT(h_console_io, hc_console_io((unsigned int)a[0], (unsigned int)a[1], a[2]))
ADAPT(h_iret, do_iret(r))
ADAPT(h_set_segment_base, hc_set_segment_base((unsigned int)a[0], a[1]))
ADAPT(h_sched_op, hc_sched_op(r, (unsigned int)a[0], a[1]))
ADAPT(h_callback_op, hc_callback_op((unsigned int)a[0], a[1]))
ADAPT(h_set_timer_op, hc_set_timer_op(a[0]))
ADAPT(h_event_channel_op_compat, hc_event_channel_op_compat(a[0]))
ADAPT(h_vcpu_op, hc_vcpu_op((unsigned int)a[0], (unsigned int)a[1], a[2]))
ADAPT(h_event_channel_op, hc_event_channel_op((unsigned int)a[0], a[1]))
ADAPT(h_physdev_op, hc_physdev_op((unsigned int)a[0], a[1]))
ADAPT(h_set_debugreg, hc_set_debugreg(a[0], a[1]))
ADAPT(h_get_debugreg, hc_get_debugreg(a[0]))
ADAPT(h_physdev_op_compat, hc_physdev_op_compat(a[0]))
ADAPT(h_platform_op, hc_platform_op(a[0]))
ADAPT(h_mca, hc_mca(a[0]))
/* xenpmu_op: Xen 4.17 runs with the virtual PMU off by default and then answers every
 * command so (measured: guests/tests/platform-op); pvmm-hv has no virtual PMU. */
ADAPT(h_xenpmu_op, -XEN_EOPNOTSUPP)
ADAPT(h_sysctl, hc_sysctl(a[0]))
ADAPT(h_domctl, hc_domctl(a[0]))

/* The debug hypercall (xen.h): the auditor on request, only under `debug-audit`. */
static long h_pvmm_debug(struct cpu_regs *r, unsigned long nr, const uint64_t a[5])
{
    (void)r;
    (void)nr;
    if (!hv_option("debug-audit") || (unsigned int)a[0] != PVMM_DEBUG_AUDIT)
        return -XEN_ENOSYS;
    return (long)mmglue_audit("on request");
}

/* Read by entry.S's hypercall fast path too. */
extern const hypercall_fn hypercall_table[XEN_HYPERCALL_NR_MAX];
const hypercall_fn hypercall_table[XEN_HYPERCALL_NR_MAX] = {
    [__HYPERVISOR_set_trap_table] = h_set_trap_table,
    [__HYPERVISOR_platform_op] = h_platform_op,
    [__HYPERVISOR_mmu_update] = h_mm,
    [__HYPERVISOR_set_gdt] = h_mm,
    [__HYPERVISOR_stack_switch] = h_stack_switch,
    [__HYPERVISOR_set_callbacks] = h_set_callbacks,
    [__HYPERVISOR_fpu_taskswitch] = h_fpu_taskswitch,
    [__HYPERVISOR_sched_op_compat] = h_sched_op_compat,
    [__HYPERVISOR_update_descriptor] = h_mm,
    [__HYPERVISOR_memory_op] = h_mm,
    [__HYPERVISOR_multicall] = h_multicall,
    [__HYPERVISOR_update_va_mapping] = h_mm,
    [__HYPERVISOR_xen_version] = h_xen_version,
    [__HYPERVISOR_console_io] = h_console_io,
    [__HYPERVISOR_grant_table_op] = h_mm,
    [__HYPERVISOR_vm_assist] = h_mm,
    [__HYPERVISOR_update_va_mapping_otherdomain] = h_mm,
    [__HYPERVISOR_iret] = h_iret,
    [__HYPERVISOR_set_segment_base] = h_set_segment_base,
    [__HYPERVISOR_mmuext_op] = h_mm,
    [__HYPERVISOR_sched_op] = h_sched_op,
    [__HYPERVISOR_callback_op] = h_callback_op,
    [__HYPERVISOR_set_timer_op] = h_set_timer_op,
    [__HYPERVISOR_event_channel_op_compat] = h_event_channel_op_compat,
    [__HYPERVISOR_vcpu_op] = h_vcpu_op,
    [__HYPERVISOR_event_channel_op] = h_event_channel_op,
    [__HYPERVISOR_physdev_op] = h_physdev_op,
    [__HYPERVISOR_set_debugreg] = h_set_debugreg,
    [__HYPERVISOR_get_debugreg] = h_get_debugreg,
    [__HYPERVISOR_physdev_op_compat] = h_physdev_op_compat,
    [__HYPERVISOR_xenpmu_op] = h_xenpmu_op,
    [__HYPERVISOR_mca] = h_mca,
    [__HYPERVISOR_sysctl] = h_sysctl,
    [__HYPERVISOR_domctl] = h_domctl,
    [__HYPERVISOR_pvmm_debug] = h_pvmm_debug,
};

/* entry.S's fast path takes its handlers from here: hypercall_table, or no_fast_table (no
 * handler, so every hypercall goes through hypercall_dispatch) once the trace or the
 * recording is on (hypercall_fast_path_off, record.c). */
static const hypercall_fn no_fast_table[XEN_HYPERCALL_NR_MAX];
extern const hypercall_fn *hypercall_fast_table;
const hypercall_fn *hypercall_fast_table = hypercall_table;

void hypercall_fast_path_off(void)
{
    hypercall_fast_table = no_fast_table;
}

/* Run hypercall nr; with the trace or the recording on (record.c), it is written there. */
long hypercall_dispatch(struct cpu_regs *r, unsigned long nr, const uint64_t a[5])
{
    long rc;

    rec_op_begin();
    if (nr >= XEN_HYPERCALL_NR_MAX || !hypercall_table[nr])
        rc = -XEN_ENOSYS;
    else
        rc = hypercall_table[nr](r, nr, a);
    rec_hypercall(current, nr, a, rc);
    return rc;
}

/*
 * The hypercall asked to be continued (v->cont): re-execute the guest's SYSCALL with rax the
 * hypercall's number and its arguments replaced by the continuation's.  Only the argument
 * registers the hypercall takes change, as on Xen: guests keep values in the others.
 */
static void continue_hypercall(struct cpu_regs *r, struct vcpu *v)
{
    unsigned int n = v->cont.nargs < 5 ? v->cont.nargs : 5, i;

    v->cont.pending = false;
    for (i = 0; i < n; i++)
        r->args[i] = v->cont.args[i];
    r->rax = v->cont.op;
    r->rip -= 2;
}

void handle_syscall(struct cpu_regs *r);
void hypercall_continue(struct cpu_regs *r);

/* entry.S's fast path: the hypercall it called asked to be continued. */
void hypercall_continue(struct cpu_regs *r)
{
    continue_hypercall(r, current);
}

/* The C side of the SYSCALL entry (entry.S calls it for whatever its hypercall fast path does
 * not take: user mode, compatibility mode, unknown numbers, the trace or the recording on);
 * always leaves through exit_to_guest (which turns interrupts off).  Hypercalls run with interrupts on, so a long one sees its preemption
 * point (hv_preempt_check).  The vCPU is read once: a hypercall that blocks comes back to
 * the same vCPU, on whatever CPU.  A known hypercall without the trace or the recording is
 * called straight from the table; everything else goes through hypercall_dispatch. */
void handle_syscall(struct cpu_regs *r)
{
    struct vcpu *v = current;
    unsigned long nr = r->rax;

    if (__builtin_expect(!v->kernel_mode || r->entry_vector != ENTRY_SYSCALL, 0)) {
        syscall_bounce(r);
        exit_to_guest(r);
    }
    local_irq_enable();
    if (__builtin_expect(rec_on || nr >= XEN_HYPERCALL_NR_MAX || !hypercall_table[nr], 0))
        r->rax = (uint64_t)hypercall_dispatch(r, nr, r->args);
    else
        r->rax = (uint64_t)hypercall_table[nr](r, nr, r->args);
    if (__builtin_expect(v->cont.pending, 0))
        continue_hypercall(r, v);
    exit_to_guest(r);
}
