/*
 * sim/explain.h - plain-language explanation of a failed operation (explain.c).
 */
#ifndef PVMM_SIM_EXPLAIN_H
#define PVMM_SIM_EXPLAIN_H

#include "run.h"
#include "pt-tree.h"

/* Explain the operation o stopped at (its failure, rule, chain of frames, blocker). */
void sim_explain(FILE *f, const struct scn_script *s, const struct scn_outcome *o);

#endif /* PVMM_SIM_EXPLAIN_H */
