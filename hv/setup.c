/*
 * hv/setup.c - hv_main(): from the 64-bit boot stub to the first guest instruction.
 *
 * Order matters: CPU features first (NX decides page-table bits), then memory (the boot
 * allocator, the idle page tables), descriptor tables, SMAP/SMEP, SYSCALL MSRs, the legacy
 * PIC masked and the local APIC on, the TSC and APIC timer calibrated, the other CPUs
 * started (smpboot.c) and the TLB shootdown tested on all of them (flush.c), the
 * memory-management core, and finally the dom0 build from the multiboot module.  The
 * hypervisor runs with interrupts off except during hypercalls, guest exceptions and the idle
 * halt; the guest runs with the real IF set, and the interrupt sources are each CPU's local
 * APIC timer and the IPIs (docs/hv.md).
 */
#include "events.h"
#include "boot.h"
#include "dom0-build.h"

bool cpu_has_smap, cpu_has_smep, cpu_has_nx, cpu_has_fsgsbase, cpu_has_xsave;

extern const uint64_t __smap_sites_start[], __smap_sites_end[];
extern char syscall_stubs[];
static uint64_t hv_cr4;           /* CR4 as the boot CPU set it; the others copy it */

/* Read the CPUID bits the hypervisor depends on. */
static void detect_cpu(void)
{
    uint32_t a, b, c, d, max;
    cpuid_count(0, 0, &max, &b, &c, &d);
    if (max >= 7) {
        cpuid_count(7, 0, &a, &b, &c, &d);
        cpu_has_smep = b & (1u << 7);
        cpu_has_smap = b & (1u << 20);
        cpu_has_fsgsbase = b & (1u << 0);
    }
    if (max >= 0xd) {
        cpuid_count(1, 0, &a, &b, &c, &d);
        cpu_has_xsave = c & (1u << 26);
    }
    cpuid_count(0x80000000, 0, &max, &b, &c, &d);
    if (max >= 0x80000001) {
        cpuid_count(0x80000001, 0, &a, &b, &c, &d);
        cpu_has_nx = d & (1u << 20);
    }

}

/* Without SMAP, stac/clac are #UD: turn every recorded site into a 3-byte NOP. */
static void patch_smap_sites(void)
{
    uint64_t cr0;
    if (cpu_has_smap)
        return;
    cr0 = read_cr0();
    write_cr0(cr0 & ~CR0_WP);
    for (const uint64_t *p = __smap_sites_start; p < __smap_sites_end; p++) {
        uint8_t *site = (uint8_t *)*p;
        site[0] = 0x0f;
        site[1] = 0x1f;
        site[2] = 0x00;
    }
    write_cr0(cr0);
}

/* SYSCALL: STAR selectors, this CPU's entry stubs (entry.S), and the flags SYSCALL clears
 * (SFMASK). */
void syscall_init(void)
{
    uint64_t stubs = (uint64_t)syscall_stubs + this_cpu()->cpu_id * 2 * SYSCALL_STUB_SIZE;

    wrmsr(MSR_STAR, ((uint64_t)0xe023 << 48) | ((uint64_t)HV_CS << 32));
    wrmsr(MSR_LSTAR, stubs);
    wrmsr(MSR_CSTAR, stubs + SYSCALL_STUB_SIZE);
    wrmsr(MSR_SFMASK, X86_EFLAGS_TF | X86_EFLAGS_DF | X86_EFLAGS_IF | X86_EFLAGS_IOPL |
                      X86_EFLAGS_NT | X86_EFLAGS_AC);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_SCE | (cpu_has_nx ? EFER_NXE : 0));
}

void hv_main(uint32_t mbi_pa, uint32_t magic);

/* CR0 (write protection, MP, NE, AM) and CR4 (SSE state, XSAVE, SMEP, SMAP; no PGE) of every
 * CPU, and its XCR0. */
void cpu_init_registers(void)
{
    uint64_t cr4 = hv_cr4;

    if (!cr4) {
        cr4 = read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT;
        cr4 &= ~CR4_PGE;
        if (cpu_has_smep)
            cr4 |= CR4_SMEP;
        if (cpu_has_smap)
            cr4 |= CR4_SMAP;
        if (cpu_has_xsave)
            cr4 |= CR4_OSXSAVE;
        hv_cr4 = cr4;
    }
    /* As Xen: MP, so that WAIT/FWAIT sees the guest's CR0.TS (#NM); AM, so that a guest
     * running with EFLAGS.AC gets #AC for a misaligned access, as on Xen. */
    write_cr0(read_cr0() | CR0_WP | CR0_MP | CR0_NE | CR0_AM);
    write_cr4(cr4);
    if (cpu_has_xsave)
        xstate_init_cpu();
}

void hv_main(uint32_t mbi_pa, uint32_t magic)
{
    struct cpu_regs *r;
    serial_init();
    smp_prepare_boot_cpu();
    printk("\npvmm-hv: starting\n");
    if (magic != 0x2BADB002)
        panic("not started by a multiboot loader (eax %x)", magic);
    detect_cpu();
    mm_boot_init(mbi_pa);
    desc_init();
    patch_smap_sites();
    cpu_init_registers();
    syscall_init();
    apic_init();
    time_init();
    xstate_init();
    sched_init_cpu(0, guest_cpu_regs_of(0));
    time_init_cpu(0);
    smp_boot_cpus();
    if (nr_cpus_online > 1)
        flush_selftest();
    ipi_selftest_boot();
    nmi_selftest_boot();
    ioapic_init();
    pirq_init();
    printk("pvmm-hv: NX %s, SMEP %s, SMAP %s; hypervisor at %p\n",
           cpu_has_nx ? "on" : "off", cpu_has_smep ? "on" : "off",
           cpu_has_smap ? "on" : "off", (void *)hv_main);
    if (boot_module.start == boot_module.end)
        panic("no guest: pass the guest ELF as the first multiboot module (-initrd)");
    dom0_prepare();
    mmglue_init();
    r = dom0_build(&boot_module, &boot_initrd);
    mmglue_release_modules();
    start_guest(r);
}
