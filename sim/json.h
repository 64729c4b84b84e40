/*
 * sim/json.h - results, reasons and page-table trees as JSON (json.c).
 *
 * For other tools to consume what `pvmm run|explain|show --json` says.
 * Conventions: frames, addresses and entries are strings in hex ("0x2f6",
 * 64-bit values do not fit a JSON number exactly); counts are decimal
 * numbers; owners are "d1" (or "dom_xen", "dom_io", "none"); absent things
 * are null.  Counts in a reason were taken when the rule was checked, in the
 * middle of the operation (they include the operation's own references):
 * "counts_taken": "mid-operation" says so.
 */
#ifndef PVMM_SIM_JSON_H
#define PVMM_SIM_JSON_H

#include <stdio.h>
#include "run.h"

/* s as a JSON string literal (quoted, escaped); NULL as null. */
void json_string(FILE *f, const char *s);
/* A frame number as "0x..", INVALID_MFN as null. */
void json_frame(FILE *f, mfn_t mfn);

/* The reason as an object: rc, errno, rule, rule_text, frame, owner, counts, blocker, path. */
void sim_json_reason(FILE *f, const struct pvmm_reason *r);
/* A result as an object: kind, summary, rc or fault, ptwr, value, done, reason. */
void sim_json_result(FILE *f, const struct sim_result *res);
/* Domain d's tables and their present entries (the picture's content). */
void sim_json_tree(FILE *f, struct sim_machine *m, domid_t d, const struct pvmm_reason *hl);

#endif /* PVMM_SIM_JSON_H */
