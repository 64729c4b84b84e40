/*
 * sim/run.h - running scenario scripts: expectations, auditing, tracing.
 *
 * scn_run() executes a parsed script on a fresh machine, line by line:
 * each operation is resolved and executed, the `expect` lines after it are
 * checked (an operation without any must succeed), and the auditor runs
 * after every operation unless `set audit=off`.  The first failure - a
 * mismatch, an auditor violation, a failed assert or an operation that
 * cannot be carried out - is reported as file:line with what was expected,
 * what happened and the core's reason, and stops the run.  A run can stop
 * early at a chosen line (for `pvmm explain FILE:LINE`) and hand its
 * machine and the last operation back to the caller.
 */
#ifndef PVMM_SIM_RUN_H
#define PVMM_SIM_RUN_H

#include <stdio.h>
#include "op.h"

struct scn_run_opts {
    FILE    *out;           /* narration (say, show) and verbose output; stdout */
    FILE    *err;           /* failure reports; stderr */
    FILE    *trace;         /* if set: every operation and its outcome in scenario syntax */
    bool     verbose;       /* print each operation and its result */
    int      stop_line;     /* stop after the statement on this line (0: run to the end) */
    bool     keep_machine;  /* hand the machine back in the outcome */
    bool     quiet;         /* no failure report (explain prints its own) */
    bool     no_why;        /* `why` prints nothing (the caller shows every result itself) */
    /*
     * If set: called after every operation (not say, let, assert, ...) has run and
     * been audited, before its expectations are checked; m is the machine then.
     */
    void   (*on_op)(void *ctx, const struct scn_stmt *st, const struct sim_op *op,
                    const struct sim_result *res, struct sim_machine *m);
    void    *op_ctx;
};

struct scn_outcome {
    bool     failed;
    int      line;          /* line of the failing (or stop_line's) statement */
    int      stmt;          /* its index in the script, -1 if none */
    char     message[1024]; /* the first line of the failure report */
    bool     have_op;
    struct sim_op *op;      /* that operation, resolved (owned by the outcome) */
    struct sim_result res;  /* and its result */
    struct sim_machine *m;  /* with keep_machine */
    unsigned int audit_violations;
};

/* Run s; 0 if everything held, 1 on the first failure (reported unless quiet). */
int scn_run(const struct scn_script *s, const struct scn_run_opts *o, struct scn_outcome *out);
void scn_outcome_free(struct scn_outcome *out);

/*
 * Page-table tree of domain d as text or Graphviz DOT (show.c, dot.c).
 * hl, if not NULL, is a reason whose blocking writable mapping and failing
 * entry are highlighted.
 */
void sim_show_domain(FILE *f, struct sim_machine *m, domid_t d);
void sim_show_tree(FILE *f, struct sim_machine *m, domid_t d, const struct pvmm_reason *hl);
void sim_dot_domain(FILE *f, struct sim_machine *m, domid_t d, const struct pvmm_reason *hl);

/* What a picture shows beyond the tree (NULL: the defaults). */
struct sim_dot_opts {
    const char *title;      /* first line of the title, e.g. "file:23: ldt_load ..." */
    bool     hide_ro;       /* leave out read-only mappings of page tables (back-edges) */
    bool     hide_leaves;   /* leave out L1 tables (except the ones a reason points at) */
    bool     no_legend;     /* leave out the legend (a page that shows it once) */
};
void sim_dot_tree(FILE *f, struct sim_machine *m, domid_t d, const struct pvmm_reason *hl,
                  const struct sim_dot_opts *o);

#endif /* PVMM_SIM_RUN_H */
