/*
 * hv/smp.h - several physical CPUs: the per-CPU stack block, CPU masks, IPIs and the
 * cross-CPU calls (smpboot.c, ipi.c, flush.c; docs/concurrency.md, "pvmm-hv on several
 * CPUs").
 *
 * Every CPU owns one STACK_SIZE block, aligned to its size, in cpu_stacks (entry.S):
 *
 *   [0, 4K)            IST1: NMI stack            (grows down from 4K)
 *   [4K, 8K)           IST2: #DF stack
 *   [8K, 12K)          IST3: #MC stack
 *   [12K, top - 16)    the hypervisor stack; the guest's struct cpu_regs at its top
 *   [top - 16, top-8)  the guest's rsp, saved by this CPU's SYSCALL entry stub
 *   [top - 8, top)     this CPU's struct percpu pointer
 *
 * So this_cpu() is one load from (rsp | (STACK_SIZE - 1)) - 7, from any of the CPU's
 * stacks, with no global and nothing the guest controls (its GS bases are its own).
 * This header is also read by the assembly files (__ASSEMBLY__): constants only there.
 */
#ifndef HV_SMP_H
#define HV_SMP_H

#define HV_MAX_CPUS        8               /* vCPU and CPU masks are 64-bit words */
#define STACK_SIZE         0x8000
#define STACK_INFO_SIZE    16              /* saved guest rsp, percpu pointer */
#define IST_STACK_SIZE     0x1000
#define PRIMARY_STACK_OFF  (3 * IST_STACK_SIZE)
#define SYSCALL_STUB_SIZE  64              /* per CPU: the 64-bit stub, then the 32-bit one */
#define TRAMPOLINE_PA      0x8000          /* the APs' real-mode start page (SIPI vector 8) */

/* The hypervisor's own interrupt vectors (above the exceptions and the PIC's 0x20-0x2f). */
#define CALL_FUNCTION_VECTOR  0xfa         /* run the posted function, then acknowledge */
#define RESCHEDULE_VECTOR     0xfb         /* raise SCHEDULE_SOFTIRQ */
#define EVENT_CHECK_VECTOR    0xfc         /* nothing: the interrupt itself ends a halt */

#ifndef __ASSEMBLY__
#include <stdint.h>
#include <stdbool.h>

typedef uint64_t cpumask_t;                /* bit i: CPU i */

extern unsigned int nr_cpus_online;        /* CPUs running (the BSP is CPU 0) */
extern volatile cpumask_t cpu_online_map;

/* The top of CPU cpu's stack block (the stack info sits just below it). */
uint64_t cpu_stack_top(unsigned int cpu);

/* ---- bring-up (smpboot.c) ---- */
void smp_prepare_boot_cpu(void);           /* CPU 0's percpu pointer and state */
void smp_boot_cpus(void);                  /* start every CPU the MADT lists; logs them */
void cpu_idle_loop(void) __attribute__((noreturn));
unsigned int acpi_cpus(uint32_t *apic_ids, unsigned int max);    /* acpi.c */

/* ---- IPIs (ipi.c, apic.c) ---- */
void apic_send_ipi(uint32_t apic_id, unsigned int vector);
void apic_init_ap(void);
uint32_t apic_id(void);
int apic_start_cpu(uint32_t apic_id, unsigned int sipi_vector);  /* INIT-SIPI-SIPI */
void send_ipi_mask(cpumask_t mask, unsigned int vector);
void cpu_raise_softirq(unsigned int cpu, unsigned int nr);
void smp_send_event_check(unsigned int cpu);
/*
 * Run fn(data) on every online CPU in mask (this one included, directly) and return when
 * all of them have finished it.  Callable with interrupts on or off: a CPU that waits here,
 * for the call slot or for the others, runs the calls posted to it meanwhile, so two CPUs
 * calling each other cannot deadlock.  fn runs with interrupts off and must not wait.
 */
void on_selected_cpus(cpumask_t mask, void (*fn)(void *), void *data);
void smp_call_poll(void);                  /* run a call posted to this CPU, if any */
void smp_ipi_interrupt(unsigned int vector);
void ipi_selftest_boot(void);              /* option ipi-test=unknown */
extern unsigned long hv_unexpected_irqs;   /* irq.c */

/* ---- TLB shootdown (flush.c) ---- */
void flush_tlb_cpus(cpumask_t mask, uint64_t va);     /* va or PVMM_FLUSH_ALL_VA */
void flush_selftest(void);                 /* boot: a stale entry on every CPU, shot down */
#endif

#endif /* HV_SMP_H */
