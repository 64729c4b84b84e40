/*
 * sim/op.h - resolved operations on the simulated machine and their results.
 *
 * A struct sim_op is one scenario statement with every expression already
 * evaluated to a number: what the machine executes (op-exec.c), what a
 * trace records (op-print.c, in scenario syntax, so a trace replays), and
 * what a fuzzer can generate directly.  Hypercall operations carry the
 * structures the guest passes by pointer (mmu_update requests, mmuext_op
 * operations, extent and frame lists); executing one writes them into the
 * domain's scratch area in guest memory (the last SIM_SCRATCH_PAGES pages
 * of its bootstrap region) through the guest kernel's own mappings, then
 * issues the call with pointers to them, as a guest kernel does.
 */
#ifndef PVMM_SIM_OP_H
#define PVMM_SIM_OP_H

#include <stdio.h>
#include <xen/xen.h>
#include <xen/memory.h>
#include "scenario.h"
#include "access.h"

#define SIM_MAX_BATCH      512
#define SIM_SCRATCH_PAGES  8
/* Offsets inside the scratch area. */
#define SCRATCH_ARRAY      0x0000   /* requests / operations (12 KiB) */
#define SCRATCH_PDONE      0x3000
#define SCRATCH_RESERV     0x3100   /* struct xen_memory_reservation */
#define SCRATCH_LIST       0x4000   /* extents / GDT frames / grant frames (4 KiB) */
#define SCRATCH_GNT        0x3200   /* one grant_table_op element */

/* grant_table_op keys (sim/op-grant.c), in the order of its key table. */
enum { SIM_GNT_DOM, SIM_GNT_REF, SIM_GNT_FLAGS, SIM_GNT_ADDR, SIM_GNT_HANDLE, SIM_GNT_BUS,
       SIM_GNT_NEW_ADDR, SIM_GNT_FRAMES, SIM_GNT_VERSION, SIM_GNT_SRC_REF, SIM_GNT_SRC_GMFN,
       SIM_GNT_SRC_DOM, SIM_GNT_SRC_OFF, SIM_GNT_DST_REF, SIM_GNT_DST_GMFN, SIM_GNT_DST_DOM,
       SIM_GNT_DST_OFF, SIM_GNT_LEN, SIM_GNT_REF_A, SIM_GNT_REF_B, SIM_GNT_COUNT,
       SIM_GNT_MFN, SIM_GNT_OFF, SIM_GNT_OP, SIM_GNT_NKEYS };
#define SIM_GNT_MAX_FRAMES 64

/* Which cpu= fields a `cpu` operation sets. */
enum { CPU_WP = 1, CPU_SMEP = 2, CPU_SMAP = 4, CPU_PKE = 8, CPU_PGE = 16, CPU_NXE = 32,
       CPU_AC = 64, CPU_PKRU = 128, CPU_CPL = 256, CPU_MAXPHYADDR = 512 };

struct sim_op {
    enum scn_stmt_kind kind;
    int      dom, vcpu;
    bool     kernel;
    /* domain */
    struct pvmm_build_params build;
    /* cpu */
    unsigned int cpu_set;
    struct sim_paging paging;
    /* read / write / exec */
    uint64_t va, val;
    unsigned int bytes;
    /* batches */
    unsigned int n;
    struct mmu_update req[SIM_MAX_BATCH];
    struct mmuext_op ext[SIM_MAX_BATCH];
    bool     count_given, pdone_given;
    uint64_t count, foreigndom, pdone;
    /* single hypercalls: nr and raw arguments (hypercall, update_va_mapping, ...) */
    unsigned int nr;
    uint64_t a[5];
    /* lists: set_gdt frames, memory_op extents */
    bool     list_given;
    unsigned int nlist;
    uint64_t list[SIM_MAX_BATCH];
    /* memory_op */
    unsigned int memop;
    bool     nr_extents_given;
    struct xen_memory_reservation res;
    /* grant_table_op: the sub-op and the keys given (bit k for gnt[k]) */
    unsigned int gnt_cmd;
    uint32_t gnt_given;
    uint64_t gnt[SIM_GNT_NKEYS];
    /* set */
    int      set_audit;             /* -1 unchanged, 0 off, 1 on */
    int      set_preempt;           /* -1 unchanged, else enum sim_preempt */
    unsigned long preempt_n;
    int      set_log;               /* -1 unchanged, else a level, 4 = none */
    /* a recorded run: hypercall once= preempt=, ptwr_emulate old= */
    bool     once, has_old;
    unsigned long preempt_from;     /* 0: never; else checks from this one on say yes */
};

enum sim_result_kind { RES_NONE, RES_RC, RES_ACCESS };

struct sim_result {
    enum sim_result_kind kind;
    long     rc;
    bool     has_done;
    uint64_t done;
    struct sim_access_result acc;
    bool     has_value;             /* a read succeeded: acc.value */
    unsigned long continuations;
    bool     stuck;
    bool     has_reason;
    struct pvmm_reason reason;
    /* domain: why the builder refused (NULL if it did not), and the fewest pages that build */
    const char *build_why;
    uint64_t build_min_pages;
    /* memory_op: the extent list as the call left it */
    unsigned int nextents;
    uint64_t extents[SIM_MAX_BATCH];
    /* grant_table_op: the element's status and what the call wrote back */
    bool     has_gnt;
    int16_t  gnt_status;
    uint32_t gnt_handle, gnt_version;
    uint64_t gnt_bus;
    unsigned int gnt_nframes;       /* setup_table / get_status_frames list; query_size count */
    uint64_t gnt_frames[SIM_GNT_MAX_FRAMES];
};

/* Evaluation context of a running scenario (scn-eval.c). */
struct scn_ctx {
    struct sim_machine *m;
    uint64_t vars[128];
    struct sim_result last;         /* result of the last operation */
};

/*
 * Evaluate e (0 with *out) or fail with a message "file:line:col: error:
 * ..." in err (a name that cannot be resolved in the current state).
 */
int scn_eval(struct scn_ctx *c, const struct scn_stmt *st, const struct scn_expr *e, uint64_t *out,
             struct scn_error *err);
/* Turn statement st into a resolved operation (0), or fail with err. */
int scn_resolve(struct scn_ctx *c, const struct scn_stmt *st, struct sim_op *op,
                struct scn_error *err);

/* VA of domain d's scratch area, or 0 if d was not built by the machine. */
uint64_t sim_scratch_va(const struct sim_machine *m, domid_t d);

/*
 * Execute op on m.  Returns 0 with *res filled, or -1 with a message in
 * err (the operation could not be carried out at all: no such domain or
 * vCPU, the scratch area is not writable ...).
 */
int sim_op_exec(struct sim_machine *m, const struct sim_op *op, struct sim_result *res,
                char *err, size_t errlen);

/* grant_table_op (op-grant.c): key -> SIM_GNT_* index or -1; build op's element for the
 * frame list at list_va into elem (64 bytes), returning its size; read back the results. */
int sim_gnt_key(const char *key);
size_t sim_gnt_prepare(const struct sim_op *op, uint64_t list_va, void *elem);
void sim_gnt_result(const struct sim_op *op, const void *elem, const uint64_t *list,
                    struct sim_result *res);
void sim_gnt_print(FILE *f, const struct sim_op *op);

/* Write op in scenario syntax (one line, numbers in hex) to f. */
void sim_op_print(FILE *f, const struct sim_op *op);
/* Write the expectations that res satisfies exactly (expect ..., reason) to f. */
void sim_result_print_expect(FILE *f, const struct sim_result *res);
/* One-line human summary of res ("ok", "-EINVAL (writable-pagetable)", "fault 0x3") into buf. */
void sim_result_summary(const struct sim_result *res, char *buf, size_t len);

#endif /* PVMM_SIM_OP_H */
