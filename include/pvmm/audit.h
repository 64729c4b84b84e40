/*
 * pvmm/audit.h - the full-state auditor.
 *
 * pvmm_audit() recomputes, from what is actually referenced (pins, vCPU
 * page-table bases, entries of validated tables, descriptor tables, LDT
 * shadows, partial validation states, deferred puts, allocation flags), the
 * general and type reference count every frame should have, and checks every
 * invariant of the model.  It must run while no operation is in progress.
 * Tests and fuzzers call it after every operation: it is the oracle.
 */
#ifndef PVMM_AUDIT_H
#define PVMM_AUDIT_H

#include <stdint.h>
#include <stddef.h>
#include "pvmm.h"

#define PVMM_AUDIT_CHECKS(X) \
    X(COUNT_MISMATCH,     "general count differs from the references found") \
    X(TYPE_COUNT_MISMATCH,"type count differs from the type references found") \
    X(TYPE_WITHOUT_REF,   "non-zero type count with zero general count") \
    X(REF_WITHOUT_OWNER,  "referenced frame has no owner") \
    X(ALLOCATED_NO_REF,   "PGC_allocated set but general count is zero") \
    X(WRITABLE_MAPPING,   "writable mapping of a frame whose type is not writable") \
    X(WRONG_CHILD_TYPE,   "validated table references a frame of the wrong level") \
    X(BAD_LINEAR,         "linear entry breaks the one-level rule") \
    X(XEN_SLOT,           "hypervisor L4 slot differs from the hypervisor's template") \
    X(FORBIDDEN_MAPPING,  "mapping of a frame the domain may not map") \
    X(BAD_FLAGS,          "validated entry has disallowed flags") \
    X(NOT_VALIDATED,      "frame used as a table or descriptor page is not validated") \
    X(BAD_PIN,            "pinned frame has no page-table type") \
    X(BAD_BASE,           "vCPU page-table base is not a validated L4") \
    X(FREE_FRAME_STATE,   "free frame has an owner, references or a valid M2P entry") \
    X(TOT_PAGES,          "domain's tot_pages differs from the frames it owns") \
    X(BAD_DESCRIPTOR,     "descriptor page holds a descriptor check_descriptor refuses") \
    X(LINEAR_COUNT,       "linear_pt_count differs from the linear entries found") \
    X(M2P,                "M2P entry inconsistent with the frame's state") \
    X(GRANT_PIN,          "grant pin count differs from the mappings tracked for it") \
    X(GRANT_MAPTRACK,     "tracked grant mapping names no entry pinned for its mapper") \
    X(CORE_BUG,           "the core met a state its own invariants exclude (a core bug)") \
    X(FOREIGN_MAPS,       "domain's count of foreign mappings differs from the entries found")

enum pvmm_audit_check {
#define PVMM_AUDIT_ENUM(n, t) PVMM_AUDIT_##n,
    PVMM_AUDIT_CHECKS(PVMM_AUDIT_ENUM)
#undef PVMM_AUDIT_ENUM
    PVMM_AUDIT_CHECK_COUNT
};

struct pvmm_audit_violation {
    enum pvmm_audit_check check;
    mfn_t    frame;
    mfn_t    table;        /* containing table, or INVALID_MFN */
    int      index;        /* entry index, or -1 */
    uint64_t expected;
    uint64_t actual;
};

#define PVMM_AUDIT_MAX_RECORDED 32

struct pvmm_audit_report {
    unsigned int nr_violations;   /* total found */
    unsigned int nr_recorded;     /* first ones kept below */
    struct pvmm_audit_violation v[PVMM_AUDIT_MAX_RECORDED];
};

/* Bytes of scratch memory pvmm_audit() needs for s. */
size_t pvmm_audit_scratch_size(const struct pvmm_state *s);
/* Audit the whole state; returns the number of violations (0 = clean). */
unsigned int pvmm_audit(struct pvmm_state *s, void *scratch, struct pvmm_audit_report *r);
const char *pvmm_audit_check_name(enum pvmm_audit_check c);
/* One line for violation v into buf. */
size_t pvmm_audit_format(const struct pvmm_audit_violation *v, char *buf, size_t len);

#endif /* PVMM_AUDIT_H */
