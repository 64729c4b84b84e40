/*
 * sim/cpu.h - one simulated processor: control registers, TLB, memory access.
 *
 * A struct sim_cpu is what a vCPU runs on: the paging state the walker
 * needs (CR0.WP, CR3, CR4.SMEP/SMAP/PKE/PGE, EFER.NXE, CPL, EFLAGS.AC,
 * PKRU) and its own TLB.  Every access goes through the TLB first and walks
 * the page tables on a miss, exactly like the hardware; the rights cached
 * in a TLB entry are the ones checked, so a stale entry is observable.  A
 * hit whose cached rights refuse the access (or a write through an entry
 * not yet dirty) drops the entry and walks again: on hardware that is a
 * spurious fault which the hypervisor would silently retry.
 *
 * Writing CR3 flushes non-global entries; changing CR4.PGE or CR4.PKE, or
 * CR0.WP, flushes everything (as the SDM requires for PGE and we choose for
 * the others, so cached rights never outlive the rules that made them).
 */
#ifndef PVMM_SIM_CPU_H
#define PVMM_SIM_CPU_H

#include <stddef.h>
#include "walker.h"
#include "tlb.h"

struct sim_cpu {
    struct sim_paging p;
    struct sim_tlb tlb;
    uint64_t cr2;           /* address of the last fault */
    uint32_t last_pfec;     /* error code of the last #PF */
};

/* The outcome of an access: SIM_OK, or a fault with its error code and address. */
struct sim_fault_info {
    enum sim_fault kind;
    uint32_t pfec;
    uint64_t addr;
};

/* Reset to the state in which Xen runs a 64-bit PV vCPU (see cpu.c). */
void sim_cpu_init(struct sim_cpu *c, unsigned int maxphyaddr);
/* MOV to CR3: new root, non-global entries flushed. */
void sim_cpu_write_cr3(struct sim_cpu *c, uint64_t cr3);
/* Change a paging control bit that requires a full flush when it changes. */
void sim_cpu_set_paging(struct sim_cpu *c, const struct sim_paging *np);

/*
 * Translate va for acc through the TLB and, on a miss, the walker (setting
 * A/D).  On success *pa is the physical address; otherwise *f says why and
 * cr2/last_pfec are updated.
 */
enum sim_fault sim_cpu_translate(struct sim_cpu *c, const struct sim_phys *m, uint64_t va,
                                 enum sim_access acc, uint64_t *pa, struct sim_fault_info *f);

/*
 * Read (SIM_READ, SIM_FETCH) or write len bytes at va into/from buf.  An
 * access that spans two pages translates both before touching memory.
 * Returns SIM_OK or the fault (nothing is written on a fault).
 */
enum sim_fault sim_cpu_access(struct sim_cpu *c, const struct sim_phys *m, uint64_t va,
                              enum sim_access acc, void *buf, size_t len,
                              struct sim_fault_info *f);

#endif /* PVMM_SIM_CPU_H */
