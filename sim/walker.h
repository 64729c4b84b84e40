/*
 * sim/walker.h - a 4-level x86-64 page walker with the hardware's rules.
 *
 * The walker translates a linear address the way an x86-64 processor with
 * 4-level paging does (Intel SDM vol. 3, ch. 4): it reads the four
 * paging-structure entries from simulated physical memory, stops at the
 * first not-present entry or the first entry with a reserved bit set, then
 * applies the access rights of the whole walk (R/W with CR0.WP, U/S, NX
 * with EFER.NXE, SMEP, SMAP with EFLAGS.AC, protection keys with CR4.PKE
 * and PKRU) and returns either the translation or the real #PF error code.
 * On a successful walk it sets the accessed flag of every entry used and,
 * for a write, the dirty flag of the leaf, with atomic 8-byte ORs as the
 * hardware does.  A/D flags are not touched on a faulting walk.
 *
 * The rights check is a separate function so that a TLB hit can be checked
 * against the rights it cached (sim/tlb.h).  Physical addresses outside the
 * simulated memory read as all ones and ignore writes (open bus).
 */
#ifndef PVMM_SIM_WALKER_H
#define PVMM_SIM_WALKER_H

#include <stdint.h>
#include <stdbool.h>

/* #PF error code bits (Intel SDM vol. 3, §4.7). */
#define PFEC_PRESENT  (1U << 0)   /* protection violation (0: not-present entry) */
#define PFEC_WRITE    (1U << 1)   /* the access was a write */
#define PFEC_USER     (1U << 2)   /* the access was made at CPL 3 */
#define PFEC_RSVD     (1U << 3)   /* a reserved bit was set in a paging-structure entry */
#define PFEC_INSN     (1U << 4)   /* instruction fetch (reported only with NXE or SMEP) */
#define PFEC_PK       (1U << 5)   /* protection-key violation */

enum sim_access { SIM_READ, SIM_WRITE, SIM_FETCH };

/* Outcome of a translation. */
enum sim_fault { SIM_OK = 0, SIM_PF, SIM_GP };

/* Simulated physical memory: nr_frames 4 KiB frames at host address mem. */
struct sim_phys {
    uint8_t *mem;
    uint64_t nr_frames;
};

/* The processor state a translation depends on. */
struct sim_paging {
    uint64_t cr3;          /* physical address of the L4 table */
    bool     cr0_wp;       /* supervisor writes honour R/W */
    bool     cr4_smep;     /* supervisor fetches from user pages fault */
    bool     cr4_smap;     /* supervisor data accesses to user pages fault unless AC */
    bool     cr4_pke;      /* protection keys for user pages */
    bool     cr4_pge;      /* global pages survive CR3 writes */
    bool     efer_nxe;     /* bit 63 is XD (else reserved) */
    bool     eflags_ac;    /* SMAP override for explicit supervisor accesses */
    unsigned int cpl;      /* 0..3; 3 is user mode for the processor */
    uint32_t pkru;         /* AD bit 2k, WD bit 2k+1 for key k */
    unsigned int maxphyaddr; /* physical-address width, 36..52 */
};

/* A successful translation: what a TLB entry caches. */
struct sim_translation {
    uint64_t pa_page;      /* physical address of the 4 KiB page holding va */
    uint64_t page_size;    /* 4 KiB, 2 MiB or 1 GiB */
    bool     rw;           /* every level allows writes */
    bool     user;         /* every level allows user access */
    bool     nx;           /* some level forbids execution (NXE only) */
    bool     global;       /* leaf G set and CR4.PGE */
    bool     dirty;        /* the leaf's D flag is known to be set */
    unsigned int pkey;     /* leaf bits 62:59 (0 without PKE) */
};

struct sim_walk_result {
    enum sim_fault fault;
    uint32_t pfec;         /* #PF error code when fault == SIM_PF */
    int      level;        /* level of the last entry read (4..1) */
    uint64_t entry[5];     /* entry[n]: the level-n entry read, 0 if not reached */
    uint64_t entry_pa[5];  /* its physical address */
    struct sim_translation t;
};

/* Read / atomically OR an 8-byte physical word (open bus outside memory). */
uint64_t sim_phys_read64(const struct sim_phys *m, uint64_t pa);
void sim_phys_or64(const struct sim_phys *m, uint64_t pa, uint64_t bits);
/* Host pointer to physical address pa, or NULL outside memory. */
void *sim_phys_ptr(const struct sim_phys *m, uint64_t pa);

/* True if va is canonical for 48-bit linear addresses. */
bool sim_canonical(uint64_t va);

/*
 * Translate va for an access of kind acc under p.  With set_ad, a successful
 * walk sets A (and D for a write) in memory.  Returns r->fault: SIM_OK with
 * r->t filled, SIM_PF with r->pfec, or SIM_GP for a non-canonical address.
 */
enum sim_fault sim_walk(const struct sim_phys *m, const struct sim_paging *p, uint64_t va,
                        enum sim_access acc, bool set_ad, struct sim_walk_result *r);

/*
 * The access-rights check of a completed translation: 0 if the access is
 * allowed, else the #PF error code (PFEC_PRESENT set).
 */
uint32_t sim_check_rights(const struct sim_paging *p, const struct sim_translation *t,
                          enum sim_access acc);

/* Error-code bits every fault of this access carries (W, U, I/D). */
uint32_t sim_pfec_base(const struct sim_paging *p, enum sim_access acc);

#endif /* PVMM_SIM_WALKER_H */
