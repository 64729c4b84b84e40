/*
 * sim/access.h - guest memory accesses and hypercalls on the simulated machine.
 *
 * sim_guest_access() is what a guest instruction touching memory does: the
 * vCPU switches to the requested mode (guest kernel or guest user; both run
 * at CPL 3 with their own L4), the access goes through its TLB and the
 * walker, and a fault is reported with the error code the guest would see.
 * Xen rewrites bit 2 (U) of a #PF error code delivered to a 64-bit PV guest
 * to say which guest mode faulted (the hardware always says user, since
 * everything runs at CPL 3): `pfec` is that guest-visible code and `hw_pfec`
 * the processor's.
 *
 * A guest-kernel write that faults on a present read-only page (error code
 * P|W, no RSVD) is handed to the core's pvmm_ptwr_emulate(), as Xen's
 * page-fault handler does: if the page is a validated L1 of the domain and
 * the new entry is valid, the core applies it and the access succeeds (the
 * result says `ptwr`); otherwise the fault stands and the core's rc and
 * reason are kept in the result.
 *
 * sim_hypercall() issues a hypercall from the vCPU in guest kernel mode
 * with raw ABI arguments and re-issues continuations until it completes,
 * as pvmm-hv does by rewinding the SYSCALL.
 */
#ifndef PVMM_SIM_ACCESS_H
#define PVMM_SIM_ACCESS_H

#include "machine.h"

enum sim_access_outcome {
    SIM_ACCESS_OK,
    SIM_ACCESS_PF,          /* page fault (pfec, addr) */
    SIM_ACCESS_GP,          /* general protection fault (gp_cause says why) */
    SIM_ACCESS_NO_TABLE,    /* no L4 for the requested mode: Xen would crash the domain */
};

/* Why a #GP was raised. */
enum sim_gp_cause {
    SIM_GP_NONCANONICAL,    /* addr is not canonical */
    SIM_GP_INTO_HOLE,       /* addr is canonical, but the access runs into the hole */
    SIM_GP_LDT_LIMIT,       /* an LDT selector beyond the LDT's limit (gp_code: #GP(sel)) */
};

/*
 * What became of Xen's writable page-table emulation (ptwr) for a write
 * that faulted: never tried (and why), tried and not a page-table write
 * (and why), tried and refused by the core, or done.
 */
enum sim_ptwr_try {
    SIM_PTWR_NONE,          /* not a faulting write */
    SIM_PTWR_USER,          /* not tried: a guest-user write (only guest-kernel ones are) */
    SIM_PTWR_NOT_PRESENT,   /* not tried: no present mapping, nothing to emulate */
    SIM_PTWR_RSVD,          /* not tried: a reserved bit is set in the walk */
    SIM_PTWR_SIZE,          /* not tried: not a naturally aligned 1, 2, 4 or 8-byte store */
    SIM_PTWR_NO_ASSIST,     /* tried: the domain has neither the assist nor privilege */
    SIM_PTWR_NOT_L1,        /* tried: the frame written is not a validated L1 of the domain */
    SIM_PTWR_REFUSED,       /* tried: the core refused the new entry (rc, reason) */
    SIM_PTWR_DONE,          /* emulated */
};

struct sim_access_result {
    enum sim_access_outcome outcome;
    uint32_t pfec;          /* guest-visible #PF error code */
    uint32_t hw_pfec;       /* the processor's error code */
    uint64_t addr;          /* faulting address (CR2) */
    uint64_t value;         /* the value read */
    bool     ptwr;          /* the write was emulated by the core */
    int      ptwr_rc;       /* core's result when ptwr was tried (0 if not tried) */
    enum sim_ptwr_try ptwr_try;
    mfn_t    ptwr_frame;    /* SIM_PTWR_NOT_L1: the frame the address maps, or INVALID_MFN */
    uint64_t ptwr_frame_type;   /* its type_info then */
    domid_t  ptwr_frame_owner;  /* and owner */
    enum sim_gp_cause gp_cause;
    uint32_t gp_code;       /* #GP error code (0 unless SIM_GP_LDT_LIMIT) */
};

/*
 * Access `bytes` (1..8) at va from v in kernel (kernel=true) or user mode.
 * For writes, *val holds the value (little-endian, low bytes); for reads
 * and fetches it receives what was read.  Returns r->outcome.
 */
enum sim_access_outcome sim_guest_access(struct sim_machine *m, struct vcpu *v, bool kernel,
                                         enum sim_access acc, uint64_t va, uint64_t *val,
                                         unsigned int bytes, struct sim_access_result *r);

/*
 * Copy len bytes to (write) or from guest virtual address va as v's guest
 * kernel would (CPL 3, kernel L4, through the TLB when v runs in kernel
 * mode).  0, or -XEN_EFAULT if any page faults (platform.c).
 */
int sim_kernel_copy(struct sim_machine *m, struct vcpu *v, uint64_t va, void *buf, size_t len,
                    bool write);

/* Hypercall result beyond the return value. */
struct sim_hypercall_result {
    long     rc;
    unsigned long continuations;  /* times the call was re-issued */
    bool     stuck;               /* gave up re-issuing (preemption never let it finish) */
};

/*
 * Issue hypercall nr with args a[0..4] from v (switching it to kernel mode).
 * Unknown or unmodelled hypercalls return -ENOSYS.  Returns r->rc.
 */
long sim_hypercall(struct sim_machine *m, struct vcpu *v, unsigned int nr, const uint64_t a[5],
                   struct sim_hypercall_result *r);
/*
 * The call issued once, as a recorded run's call (replay.c): a continuation it asks for is
 * counted (r->continuations 1) and dropped, not re-issued - the recording has the re-issued
 * call.  preempt_from: the core's preemption checks say yes from this one on (0: never).
 */
long sim_hypercall_once(struct sim_machine *m, struct vcpu *v, unsigned int nr,
                        const uint64_t a[5], unsigned long preempt_from,
                        struct sim_hypercall_result *r);

#endif /* PVMM_SIM_ACCESS_H */
