/*
 * fuzz.h: the fuzzing guest's shared state (guests/fuzz/, docs/fuzzing.md).
 *
 * The guest owns a small world it built itself: a pool of frames (each can become a data
 * page, a page table of any level, a descriptor page), a fuzz window (L4 slot FUZZ_SLOT of
 * both of its L4s) holding a tree of pool tables, a copy of the bootstrap L4 it may switch
 * to, and a big tree whose pin and unpin are long, preemptible operations. Each operation is
 * drawn from a seeded generator and prints one line
 *
 *     NNNNN op args -> result
 *
 * in which every frame is named by the guest's own pseudo-physical number or a class
 * (fmt_mfn), never by a machine frame number, so runs on two hypervisors compare line by line.
 */
#ifndef FUZZ_FUZZ_H
#define FUZZ_FUZZ_H

#include "guest.h"

/* The pool: NR_POOL pages allocated at start, all of them fair game for every operation. */
#define NR_POOL     24
/* The fuzz window: L4 slot 1 (512 GiB); pool tables live under it. */
#define FUZZ_SLOT   1UL
#define FUZZ_BASE   (FUZZ_SLOT << L4_SHIFT)
/* The big tree for long operations: L3 -> L2 -> BIG_L1S L1s over the pool's data pages. */
#define BIG_L1S     48
#define BIG_SLOT    2UL

/* Grants (ops-grant.c): references below NR_GREFS of its own table, at most NR_GMAPS
 * mappings tracked, NR_GSLOTS host-mapping slots outside the pool. */
#define NR_GREFS    16
#define NR_GMAPS    8
#define NR_GSLOTS   4

struct world {
    unsigned long pool_pfn[NR_POOL];
    uint64_t shadow[NR_POOL][PT_ENTRIES];   /* what the guest believes each pool page holds */
    int pinned[NR_POOL];                    /* the level a successful pin gave it, or 0 */
    unsigned long boot_l4, copy_l4;         /* mfns of the bootstrap L4 and its copy */
    int copy_pinned, boot_pinned;           /* the level they are pinned at, or 0 */
    unsigned long si_mfn, m2p_mfn;          /* shared_info, the first M2P frame */
    unsigned long max_mfn;                  /* the last frame the M2P covers */
    unsigned long big_l3, big_l2;           /* mfns of the big tree */
    unsigned long big_l1[BIG_L1S];
    int big_pinned;
    unsigned int ports[16], nr_ports;       /* event channels it bound */
    unsigned long ops;                      /* operations run */
    unsigned long failures;                 /* invariant violations seen */
    unsigned long audits, audits_clean;
    unsigned long upcalls_at_start;
    unsigned long gnt_va;                   /* its grant table's first frame, mapped */
    unsigned int gnt_version;               /* as the last successful set_version left it */
    unsigned long gnt_frame[NR_GREFS];      /* the frame it last granted at each reference */
    uint16_t gnt_flags[NR_GREFS];           /* and the flags it wrote there */
    unsigned long gslot[NR_GSLOTS];         /* VAs for host mappings (boot L1 entries) */
    unsigned long status_va;                /* where it maps its first v2 status frame */
    bool status_mapped;
};

extern struct world W;

/* The generator: splitmix64 over the seed; every choice of a run comes from it. */
void rng_seed(uint64_t seed);
uint64_t rnd(void);
unsigned int rnd_below(unsigned int n);
bool chance(unsigned int percent);

/* One output line: fl(...) appends, fl_end() prints it with its number. */
void fl(const char *fmt, ...) PRINTF_FMT(1, 2);
void fl_end(void);
/* Append a frame's normalised name, or an entry as name+flags. */
void fl_mfn(unsigned long mfn);
void fl_pte(uint64_t pte);
/* Report an invariant violation (counted; the run ends with FAILURE). */
void fuzz_fail(const char *fmt, ...) PRINTF_FMT(1, 2);

/* The world (world.c). */
void world_init(void);
unsigned long pool_mfn(unsigned int i);
void *pool_va(unsigned int i);
int pool_index_of_mfn(unsigned long mfn);
/* The pfn (or VA) of a frame the guest owns, or NO_PFN (NULL): safe for any mfn. */
#define NO_PFN (~0UL)
unsigned long own_pfn(unsigned long mfn);
void *own_virt(unsigned long mfn);
bool pool_mapped_rw(unsigned int i);
unsigned long pick_frame(void);           /* an mfn of any class */
unsigned long pick_victim(void);          /* the same, but none of the guest's own pages
                                           * outside the pool and scratch: a target to change */
uint64_t pick_entry(unsigned int level);  /* a page-table entry (any level), often bad */
unsigned int pick_index(void);            /* an entry index, biased to a few */
unsigned long pick_fuzz_va(void);         /* a VA in the fuzz window */
uint64_t pick_ptr(void);                  /* a guest handle of any class */
uint64_t pick_bad_ptr(void);              /* a guest handle nothing can be read through */
extern uint8_t *scratch;                  /* a writable page for hypercall arguments */
/* The pool's contents as the guest believes them: an operation declares what it may change
 * (touch_*); shadow_after_op() reports any other change and takes the new contents. */
void touch_entry(unsigned long mfn, unsigned int idx);
void touch_page(unsigned long mfn);
void touch_all(void);
void shadow_after_op(void);
void check_written(const volatile uint64_t *entry, uint64_t want, const char *what);
void check_invariants(void);              /* pinned tables intact, no writable table mapping */

/* The operations (ops-mm.c, ops-misc.c, ops-cpu.c); each prints its line. */
void op_mmu_update(void);
void op_uva(void);
void op_pin(void);
void op_mmuext(void);
void op_store(void);
void op_seal(void);
void op_ptwr(void);
void op_touch(void);
void op_long(void);
void op_multicall(void);
void op_desc(void);
void op_evtchn(void);
void op_raw(void);
void op_cpu(void);
void op_timer(void);
void op_grant(void);
/* Set up its grant table and mapping slots (ops-grant.c, from world_init). */
void grant_init(void);

/* A hypercall by number (the stub of the hypercall page), five arguments. */
long hypercall_n(unsigned long nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                 uint64_t a5);

#endif /* FUZZ_FUZZ_H */
