/*
 * hv/smpboot.c - starting the other CPUs, and what a CPU does with nothing to run.
 *
 * The boot CPU is CPU 0.  The ACPI MADT names the others by local APIC ID; each one found
 * (up to HV_MAX_CPUS in all) gets the next CPU number, its stack block (smp.h) with the
 * percpu pointer at its top, and is started one at a time with INIT-SIPI-SIPI through the
 * real-mode trampoline (trampoline.S), copied to TRAMPOLINE_PA for the occasion (the page's
 * old contents are put back afterwards: the first MiB is dom0's to map, as in Xen).  While
 * CPUs start, the idle L4's slot 0 maps the first 2 MiB 1:1 and executable for the
 * trampoline; it is removed, and every CPU's TLB flushed, before any guest exists.
 *
 * A started CPU (ap_main) sets up its control registers like the boot CPU, its GDT, TSS and
 * IST stacks (desc.c), its SYSCALL stubs, its local APIC and timer, announces itself in
 * cpu_online_map and enters cpu_idle_loop(): its idle vCPU (softirqs, its own timers, and
 * `sti; hlt`) until the scheduler queues a vCPU on it, or it takes one queued on another CPU
 * (sched-rr.c).  A CPU that does not answer within a second is left out and logged.
 */
#include "events.h"

struct percpu percpu_area[HV_MAX_CPUS];
unsigned int nr_cpus_online = 1;
volatile cpumask_t cpu_online_map = 1;

extern char cpu_stacks[], ap_start64[];
extern const char trampoline_start[], trampoline_end[], trampoline_cr3[], trampoline_efer[],
    trampoline_cr0[], trampoline_stack[], trampoline_entry[];

static volatile unsigned int cpu_alive;   /* the number of the CPU that just came up */

uint64_t cpu_stack_top(unsigned int cpu)
{
    return (uint64_t)cpu_stacks + (uint64_t)(cpu + 1) * STACK_SIZE;
}

/* Give CPU cpu its state and its stack block's percpu pointer. */
static void percpu_setup(unsigned int cpu, uint32_t apic)
{
    struct percpu *pc = &percpu_area[cpu];

    pc->cpu_id = cpu;
    pc->apic_id = apic;
    pc->stack_top = cpu_stack_top(cpu);
    *(struct percpu **)(pc->stack_top - 8) = pc;
}

void smp_prepare_boot_cpu(void)
{
    percpu_setup(0, 0);
}

/*
 * The idle loop: the exit path of this CPU's idle vCPU (sched.c, guest_exit_slow), which
 * runs softirqs and halts with interrupts on until the scheduler gives the CPU a vCPU, whose
 * registers it then returns to.
 */
void cpu_idle_loop(void)
{
    local_irq_disable();
    exit_to_guest(this_cpu()->regs);
}

void ap_main(void);

/* The C entry of a started CPU, on its own stack (trampoline.S).  Never returns. */
void ap_main(void)
{
    struct percpu *pc = this_cpu();

    cpu_init_registers();
    desc_init();
    syscall_init();
    apic_init_ap();
    pc->apic_id = apic_id();
    sched_init_cpu(pc->cpu_id, guest_cpu_regs_of(pc->cpu_id));
    time_init_cpu(pc->cpu_id);
    __atomic_fetch_or(&cpu_online_map, 1UL << pc->cpu_id, __ATOMIC_SEQ_CST);
    __atomic_store_n(&cpu_alive, pc->cpu_id, __ATOMIC_RELEASE);
    cpu_idle_loop();
}

/* Put the trampoline at TRAMPOLINE_PA with the boot CPU's CR3, EFER and CR0. */
static void trampoline_install(void)
{
    uint8_t *low = mfn_to_virt(TRAMPOLINE_PA >> PAGE_SHIFT);

    memcpy(low, trampoline_start, (size_t)(trampoline_end - trampoline_start));
    *(uint64_t *)(low + (trampoline_cr3 - trampoline_start)) = read_cr3();
    *(uint64_t *)(low + (trampoline_efer - trampoline_start)) = rdmsr(MSR_EFER) & ~EFER_LMA;
    *(uint64_t *)(low + (trampoline_cr0 - trampoline_start)) = read_cr0();
    *(uint64_t *)(low + (trampoline_entry - trampoline_start)) = (uint64_t)ap_start64;
}

/* Start CPU cpu (APIC ID apic) and wait up to a second for it; true if it came up. */
static bool start_one(unsigned int cpu, uint32_t apic)
{
    uint8_t *low = mfn_to_virt(TRAMPOLINE_PA >> PAGE_SHIFT);
    uint64_t deadline;

    percpu_setup(cpu, apic);
    *(uint64_t *)(low + (trampoline_stack - trampoline_start)) =
        (uint64_t)guest_cpu_regs_of(cpu);
    cpu_alive = 0;
    apic_start_cpu(apic, TRAMPOLINE_PA >> PAGE_SHIFT);
    deadline = rdtsc() + 1000 * tsc_khz;
    while (__atomic_load_n(&cpu_alive, __ATOMIC_ACQUIRE) != cpu && rdtsc() < deadline)
        __builtin_ia32_pause();
    return cpu_alive == cpu;
}

static void flush_local_all(void *data)
{
    (void)data;
    write_cr3(read_cr3());
}

void smp_boot_cpus(void)
{
    static uint8_t saved_low[PAGE_SIZE];
    uint32_t ids[32], bsp = apic_id();
    unsigned int n = acpi_cpus(ids, 32), next = 1, failed = 0;
    uint8_t *low = mfn_to_virt(TRAMPOLINE_PA >> PAGE_SHIFT);
    uint64_t l3_mfn, l2_mfn;
    intpte_t *l3, *l2;
    char line[160];
    size_t len;

    percpu_area[0].apic_id = bsp;
    len = pvmm_snprintf(line, sizeof(line), "CPU 0 (APIC %u, boot)", bsp);
    if (n > 1) {
        l3 = alloc_boot_pages(1, &l3_mfn);
        l2 = alloc_boot_pages(1, &l2_mfn);
        l2[0] = _PAGE_PRESENT | _PAGE_RW | _PAGE_PSE | _PAGE_ACCESSED | _PAGE_DIRTY;
        l3[0] = (l2_mfn << PAGE_SHIFT) | PTE_HV_RW;
        idle_l4[0] = (l3_mfn << PAGE_SHIFT) | PTE_HV_RW;
        memcpy(saved_low, low, PAGE_SIZE);
        trampoline_install();
        for (unsigned int i = 0; i < n; i++) {
            if (ids[i] == bsp)
                continue;
            if (next == HV_MAX_CPUS) {
                printk("pvmm-hv: CPU with APIC %u not started: at most %u CPUs\n", ids[i],
                       HV_MAX_CPUS);
                continue;
            }
            if (!start_one(next, ids[i])) {
                printk("pvmm-hv: the CPU with APIC %u did not start\n", ids[i]);
                failed++;
                continue;
            }
            if (len < sizeof(line))
                len += pvmm_snprintf(line + len, sizeof(line) - len, ", %u (APIC %u)", next,
                                     ids[i]);
            next++;
        }
        memcpy(low, saved_low, PAGE_SIZE);
        idle_l4[0] = 0;
        nr_cpus_online = next;
        on_selected_cpus(cpu_online_map, flush_local_all, NULL);
    }
    printk("pvmm-hv: %u CPU%s online: %s%s\n", nr_cpus_online, nr_cpus_online > 1 ? "s" : "",
           line, failed ? " (some did not start)" : "");
}
