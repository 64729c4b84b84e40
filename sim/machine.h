/*
 * sim/machine.h - the simulated machine: memory, processors, the core and its domains.
 *
 * A struct sim_machine is a small x86-64 computer running the pvmm core as
 * its hypervisor.  Machine memory is nr_frames 4 KiB frames of host memory;
 * the frames at the bottom stay I/O memory (owned by dom_io), the frames at
 * the top hold the hypervisor's own data - the M2P array itself and the
 * page tables behind Xen's L4 slots (sim/xen-layout.c) - and the rest is
 * RAM for domains.  Every vCPU of every domain runs on its own simulated
 * processor (struct sim_cpu: control registers and a TLB), and the core
 * reaches the machine through the struct pvmm_platform implemented in
 * sim/platform.c.
 *
 * 64-bit PV mode as Xen runs it: guest kernel and guest user both execute
 * at CPL 3, each with its own L4 (v->guest_table, v->guest_table_user);
 * every switch between them reloads CR3, which drops the non-global TLB
 * entries (user mappings are global, so they survive).  Hypercalls come
 * from guest kernel mode, so a hypercall issued while the vCPU is in user
 * mode first switches it to kernel mode (as a SYSCALL from user space and
 * the guest kernel's hypercall would).
 */
#ifndef PVMM_SIM_MACHINE_H
#define PVMM_SIM_MACHINE_H

#include <stdint.h>
#include <stdbool.h>
#include <pvmm/pvmm.h>
#include <pvmm/audit.h>
#include "cpu.h"
#include "domain-builder.h"

struct sim_machine;

/* Per-vCPU machine state. */
struct sim_vcpu {
    struct sim_cpu cpu;
    bool     has_cr3;            /* a table is loaded (else every access faults) */
};

/* What the machine knows about a domain it built. */
struct sim_domain {
    bool     built;
    struct pvmm_dom_layout layout;
    mfn_t   *p2m;                /* pfn -> mfn as built, layout.nr_pages entries */
};

/* Preemption injection for the core's hypercall_preempt_check(). */
enum sim_preempt { SIM_PREEMPT_NEVER, SIM_PREEMPT_AT, SIM_PREEMPT_EVERY, SIM_PREEMPT_FROM };

struct sim_machine_config {
    uint64_t nr_frames;          /* all machine frames (>= 256) */
    uint64_t nr_io_frames;       /* frames [0, n) stay I/O memory */
    unsigned int maxphyaddr;     /* physical-address width of the processors */
    bool     linear_pt;          /* Xen's pv-linear-pt (default on) */
    bool     junk;               /* fill memory with junk first (default on; fuzzing: off) */
    /* A recorded pvmm-hv machine (0: the default layout): the M2P at frame m2p_mfn and the
     * hypervisor's other tables from tables_mfn, both inside frames the recording reserves;
     * no RAM handed over and nothing reserved until its ram/reserve statements. */
    mfn_t    m2p_mfn, tables_mfn;
};

/* Frames of the hypervisor's part of the machine (xen-layout.c). */
struct sim_xen_layout {
    mfn_t    first;              /* first hypervisor frame; all above are too */
    mfn_t    m2p;                /* first frame of the M2P array */
    uint64_t m2p_frames;
    mfn_t    ro_mpt_l3;          /* slot 256: read-only, user-readable M2P */
    mfn_t    rw_mpt_l3;          /* slot 261: read-write M2P, hypervisor only */
    mfn_t    directmap_l3;       /* slot 262: all of memory, hypervisor only */
    intpte_t slots[16];          /* the template for L4 slots 256..271 */
};

struct sim_machine {
    struct pvmm_state s;
    struct pvmm_platform plat;
    struct sim_phys phys;
    struct page_info *ft;
    uint16_t *free_in_block;         /* the heap's per-2 MiB free counts (pvmm_config) */
    uint64_t nr_frames, nr_io_frames;
    unsigned int maxphyaddr;
    bool     linear_pt;
    mfn_t    m2p_mfn, tables_mfn;    /* as configured (0: the default layout) */
    struct sim_xen_layout xl;
    struct sim_vcpu vcpus[PVMM_MAX_DOMAINS][PVMM_MAX_VCPUS];
    struct sim_domain doms[PVMM_MAX_DOMAINS];

    /* Preemption injection: checks counted from the start of each operation. */
    enum sim_preempt preempt;
    unsigned long preempt_n;     /* SIM_PREEMPT_AT: the n-th check says yes */
    unsigned long preempt_checks;

    /* Platform call statistics. */
    unsigned long nr_flush_calls, nr_ptbase_writes;

    /* Core log lines at or above this level go to stderr. */
    enum pvmm_log_level log_level;

    void *audit_scratch;
};

/* A new machine (NULL on allocation failure or a bad configuration). */
struct sim_machine *sim_machine_new(const struct sim_machine_config *cfg);
void sim_machine_free(struct sim_machine *m);
/*
 * Power-cycle m: back to the state sim_machine_new(cfg) gives, without
 * reallocating (cfg must have the same size).  False if it differs.
 */
bool sim_machine_reset(struct sim_machine *m, const struct sim_machine_config *cfg);
/* The defaults: 8192 frames, 16 I/O frames, MAXPHYADDR 46, linear tables on. */
void sim_machine_default_config(struct sim_machine_config *cfg);

/* The hypervisor's L4 template and tables (xen-layout.c); called by sim_machine_new. */
uint64_t sim_xen_layout_frames(uint64_t nr_frames);
void sim_xen_layout_build(struct sim_machine *m);

/* The platform interface over this machine (platform.c). */
void sim_platform_init(struct sim_machine *m);

/* Machine state of vCPU v. */
struct sim_vcpu *sim_vcpu_of(struct sim_machine *m, const struct vcpu *v);
/* Domain domid's vCPU vid, or NULL. */
struct vcpu *sim_vcpu_lookup(struct sim_machine *m, domid_t domid, unsigned int vid);
/* Reload v's CR3 from its current mode's table (a MOV to CR3). */
void sim_reload_cr3(struct sim_machine *m, struct vcpu *v);
/*
 * Switch v to guest kernel or user mode (reloading CR3 if the mode
 * changes).  False if user mode is asked for but v has no user L4: Xen
 * would crash the domain.
 */
bool sim_set_mode(struct sim_machine *m, struct vcpu *v, bool kernel);

/*
 * Build a domain with the shared builder and attach it to the machine.
 * Returns 0 or a negative Xen errno; sim_build_domain_why also says why it
 * failed in *why (a static sentence: "the bootstrap region exceeds ...").
 */
int sim_build_domain(struct sim_machine *m, const struct pvmm_build_params *p);
int sim_build_domain_why(struct sim_machine *m, const struct pvmm_build_params *p,
                         const char **why);
/* Tear domain d down completely (continuing through preemption). */
int sim_destroy_domain(struct sim_machine *m, domid_t domid);

/* Run the auditor; returns the number of violations, report in *r. */
unsigned int sim_audit(struct sim_machine *m, struct pvmm_audit_report *r);

#endif /* PVMM_SIM_MACHINE_H */
