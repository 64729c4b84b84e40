/*
 * bench: the benchmark guest (make bench-hv, tools/bench-hv).
 *
 * One PV64 guest runs every benchmark of the hypervisor's hot paths and prints one line per
 * figure, "bench: NAME VALUE UNIT". Booted with -icount on pvmm-hv and on the real Xen, the
 * same binary gives exact instruction counts for both, which tools/bench-hv sets side by side:
 *   null_hypercall      xen_version(XENVER_version) round trip from the guest kernel;
 *   mmu_update_512      one mmu_update batch filling 512 entries of a pinned, empty L1;
 *   pin_1g              MMUEXT_PIN_L4_TABLE + MMUEXT_UNPIN_TABLE of a tree mapping 1 GiB
 *                       (1 L3, 1 L2, 512 L1s, 262144 writable 4 KiB entries);
 *   update_va_mapping   update_va_mapping(UVMF_INVLPG) of one VA, alternating two frames;
 *   syscall_bounce      a guest user `syscall` bounced to the kernel's callback, which returns
 *                       with the iret hypercall (user -> kernel -> user);
 *   event_upcall        event send to self -> upcall, and timer_virq: timer set -> VIRQ_TIMER
 *                       upcall (events.c);
 *   preempt_gap         preempt_gap_pin1g: the worst timer-to-upcall delay during a 1 GiB pin;
 *   ptwr                ptwr_store: a `mov` to an L1 entry, emulated; ptwr_lock_btr: `lock btr`
 *                       / `lock bts` of its RW bit (ptwr.c);
 *   mmu_scaling, pin_scaling, uva_flush   mmu_update batches, pins and unpins at several
 *                       sizes, update_va_mapping per flush type (scaling.c);
 *   fork_exec           a PV kernel's fork+exec+exit of a process, per round trip (fork.c);
 *   preempt_gap_4g      the worst timer-to-upcall delay in a 4 GiB pin and unpin (events.c);
 *   destroy_state       (only when named) leaves the 4 GiB tree pinned for the hypervisor's
 *                       measured teardown after the shutdown (pvmm-hv's teardown-gap option);
 *   smp                 (only when named; two vCPUs, no icount) remote TLB flushes and
 *                       mmu_update on two vCPUs at once, in wall time (smp.c).
 * The guest command line may name a subset ("null_hypercall pin_1g"); the default is all.
 * The run ends with SUCCESS only if every selected benchmark ran without an error.
 */
#include "bench.h"

const char test_title[] = "benchmarks (instruction counts under -icount)";

unsigned long bench_frame_mfn[BENCH_FRAMES];

void bench_report(const char *name, uint64_t value, const char *unit)
{
    printk("bench: %s %lu %s\n", name, (unsigned long)value, unit);
}

static const struct {
    const char *name;
    int (*run)(void);
    bool by_name_only;                  /* not part of the default "all" */
} benches[] = {
    { "null_hypercall", bench_null_hypercall, false },
    { "mmu_update_512", bench_mmu_update_512, false },
    { "pin_1g", bench_pin_1g, false },
    { "update_va_mapping", bench_update_va_mapping, false },
    { "syscall_bounce", bench_syscall_bounce, false },
    { "event_upcall", bench_event_upcall, false },
    { "preempt_gap", bench_preempt_gap, false },
    { "ptwr", bench_ptwr, false },
    { "mmu_scaling", bench_mmu_scaling, false },
    { "pin_scaling", bench_pin_scaling, false },
    { "uva_flush", bench_uva_flush, false },
    { "fork_exec", bench_fork_exec, false },
    { "preempt_gap_4g", bench_preempt_gap_4g, false },
    { "destroy_state", bench_destroy_state, true },
    { "smp", bench_smp, true },
};

/* Is `name` a whole word of the command line (or is the command line empty and the benchmark
 * part of the default)? */
static bool selected(const char *name, bool by_name_only)
{
    const char *p = (const char *)start_info->cmd_line;
    size_t n = strlen(name);

    if (!*p)
        return !by_name_only;
    while (*p) {
        while (*p == ' ')
            p++;
        if (!strncmp(p, name, n) && (p[n] == ' ' || p[n] == '\0'))
            return true;
        while (*p && *p != ' ')
            p++;
    }
    return false;
}

int test_main(void)
{
    unsigned int i;
    int rc = 0;

    for (i = 0; i < BENCH_FRAMES; i++)
        bench_frame_mfn[i] = virt_to_mfn(alloc_page());
    for (i = 0; i < ARRAY_SIZE(benches); i++) {
        if (!selected(benches[i].name, benches[i].by_name_only))
            continue;
        rc = benches[i].run();
        if (rc)
            return rc;
    }
    return xtf_success();
}
