/*
 * pvmm/reason.h - structured rejection reasons.
 *
 * Every failing operation in the core records *why* it failed: the Xen error
 * code it returns, the rule it broke, the frame/level/entry involved, type
 * and count snapshots, and (when a writable mapping is what blocks a type
 * change) the L1 frame, slot and virtual address of that mapping.  The
 * innermost failure wins: a nested validation failure is recorded where it
 * happens and outer levels only add their frame to the path.  Reasons are
 * per vCPU (struct vcpu.reason) and always compiled in.  Turning a reason
 * into a sentence is done on demand by pvmm_reason_format().
 */
#ifndef PVMM_REASON_H
#define PVMM_REASON_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "page.h"

/*
 * X(name, sentence template).  The name (lower-case, hyphenated) is what
 * scenario files write after "expect reason".  Keep the list grouped by area.
 */
#define PVMM_RULES(X) \
    X(NONE,                   "none", "no failure recorded") \
    /* arguments and addressing */ \
    X(BAD_MFN,                "bad-mfn", "frame is not valid machine memory") \
    X(NOT_OWNER,              "not-owner", "frame is not owned by the domain that uses it") \
    X(FOREIGN_DENIED,         "foreign-denied", "mapping another domain's frame needs privilege over it") \
    X(IOMEM_DENIED,           "iomem-denied", "domain has no access to this I/O frame") \
    X(BAD_DOMID,              "bad-domid", "no such domain, or own numeric id given instead of DOMID_SELF") \
    X(BAD_COMMAND,            "bad-command", "unknown command") \
    X(BAD_ARGUMENT,           "bad-argument", "argument out of range or misaligned") \
    X(NOT_CANONICAL,          "not-canonical", "address is not canonical or lies in the hypervisor's range") \
    X(GUEST_FAULT,            "guest-fault", "guest buffer could not be read or written") \
    X(NOT_SELF,               "not-self", "operation is only allowed on the caller's own domain") \
    X(REMOVED_FEATURE,        "removed-feature", "operation was removed from the ABI") \
    /* page-table entries */ \
    X(DISALLOWED_FLAGS,       "disallowed-flags", "entry sets flags that are not allowed at this level") \
    X(SUPERPAGE,              "superpage", "PV guests cannot create superpage (PSE) entries") \
    X(WRITABLE_PAGETABLE,     "writable-pagetable", "a page table or descriptor page cannot be mapped writable") \
    X(WRONG_LEVEL,            "wrong-level", "entry must point at a table of the next level down") \
    X(LINEAR_RW,              "linear-rw", "same-level (linear) entries must be read-only") \
    X(LINEAR_NOT_VALIDATED,   "linear-not-validated", "target of a linear entry must already be a validated table of the same level") \
    X(LINEAR_BOTH_WAYS,       "linear-both-ways", "a table may contain linear entries or be their target, not both") \
    X(LINEAR_FOREIGN,         "linear-foreign", "linear entries must stay within one domain") \
    X(XEN_SLOT,               "xen-slot", "L4 slots 256-271 belong to the hypervisor") \
    X(SPECIAL_PAGE_CACHE,     "special-page-cache", "hypervisor-shared pages must be mapped write-back") \
    X(NO_L1_FOR_VA,           "no-l1-for-va", "no valid L1 table maps this virtual address") \
    X(NOT_PAGETABLE,          "not-pagetable", "frame is not a validated page table of a suitable type") \
    /* types and counts */ \
    X(TYPE_CONFLICT,          "type-conflict", "frame is in use with another type") \
    X(TYPE_OVERFLOW,          "type-overflow", "type reference count would overflow") \
    X(COUNT_OVERFLOW,         "count-overflow", "general reference count would overflow") \
    X(FREE_FRAME,             "free-frame", "frame is free (no owner, count zero)") \
    X(ALREADY_PINNED,         "already-pinned", "frame is already pinned") \
    X(NOT_PINNED,             "not-pinned", "frame is not pinned") \
    X(VALIDATION_FAILED,      "validation-failed", "an entry of the table failed validation") \
    X(BUSY,                   "busy", "frame is being changed by another operation") \
    /* descriptors */ \
    X(BAD_DESCRIPTOR,         "bad-descriptor", "descriptor is not allowed for a PV guest") \
    X(LDT_ACCESS,             "ldt-access", "LDT access outside the LDT or unmapped") \
    /* memory */ \
    X(NO_MEMORY,              "no-memory", "out of memory or above the domain's limit") \
    X(IN_USE,                 "in-use", "frame is still referenced (mapped, typed or pinned) and cannot be given up") \
    X(MACHPHYS,               "machphys", "M2P update not allowed") \
    X(CONTINUATION,           "continuation", "operation was preempted and must continue") \
    /* grant tables */ \
    X(GRANT_BAD_REF,          "grant-bad-ref", "grant reference is beyond the granter's table") \
    X(GRANT_NOT_PERMITTED,    "grant-not-permitted", "grant entry does not permit this access to this domain") \
    X(GRANT_PINNED_ELSEWHERE, "grant-pinned-elsewhere", "grant is in use by another domain, or its pin count would overflow") \
    X(GRANT_IN_USE,           "grant-in-use", "a grant entry is still mapped or pinned") \
    X(GRANT_STATUS_MAPPED,    "grant-status-mapped", "a v2 status frame is still mapped by the guest") \
    X(GRANT_LIMIT,            "grant-limit", "more grant frames than the table has or may have") \
    X(GRANT_NO_SPACE,         "grant-no-space", "no free maptrack handle") \
    X(GRANT_BAD_HANDLE,       "grant-bad-handle", "no grant mapping with this handle") \
    X(GRANT_PTE_MISMATCH,     "grant-pte-mismatch", "PTE at the address is not the grant's mapping (frame, present or writable differ)") \
    X(GRANT_BAD_COPY,         "grant-bad-copy", "copy range leaves the page or the granted window") \
    X(GRANT_NOT_GRANTED,      "grant-not-granted", "frame is neither the caller's own nor pinned for it by a grant") \
    X(GRANT_NOT_ACCEPTING,    "grant-not-accepting", "grant entry does not accept a transfer from this domain (flags must be exactly GTF_accept_transfer, domid the sender)") \
    X(GRANT_TRANSITIVE_SELF,  "grant-transitive-self", "a transitive grant may not point back into the granter's own table") \
    X(GRANT_TRANSITIVE_DEPTH, "grant-transitive-depth", "a transitive grant may point only at an ordinary grant (one level of transitivity)") \
    X(GRANT_COPY_ONLY,        "grant-copy-only", "transitive and sub-page grants can only be copied, never mapped") \
    X(DOMAIN_DYING,           "domain-dying", "the domain is being destroyed") \
    X(UNSUPPORTED,            "unsupported", "operation is not supported (on x86, or for this domain)") \
    /* sealed launch (pvmm only) */ \
    X(SEALED_MAPPED,          "sealed-mapped", "a sealed domain cannot run while another domain maps its memory") \
    X(SEALED_LAUNCHED,        "sealed-launched", "a sealed domain that has run can be mapped by others only through its own grants")

enum pvmm_rule {
#define PVMM_RULE_ENUM(n, s, t) PVMM_RULE_##n,
    PVMM_RULES(PVMM_RULE_ENUM)
#undef PVMM_RULE_ENUM
    PVMM_RULE_COUNT
};

/* One step of the path from the operation's frame down to the failing entry. */
struct pvmm_reason_step {
    mfn_t    table;   /* table frame */
    int      level;   /* its level (1..4), 0 for descriptor pages */
    int      index;   /* entry index inside it */
};

#define PVMM_REASON_PATH_MAX 5

struct pvmm_reason {
    int           rc;          /* negative Xen errno returned for this failure */
    enum pvmm_rule rule;       /* the rule broken */
    mfn_t         frame;       /* frame the rule is about (target of the entry) */
    mfn_t         table;       /* table containing the offending entry, or INVALID_MFN */
    int           level;       /* level of that table (1..4), 0 if none */
    int           index;       /* entry index in that table, -1 if none */
    uint64_t      entry;       /* the offending entry / descriptor / argument */
    uint64_t      type_info;   /* snapshot of frame's type_info */
    uint64_t      count_info;  /* snapshot of frame's count_info */
    uint64_t      want_type;   /* type that was requested (PGT_*) */
    domid_t       owner;       /* frame's owner at the time */
    domid_t       mapper;      /* sealed-mapped: the domain whose L1 entry maps the frame */
    /* Writable mapping that blocks a type change (WRITABLE mapping search). */
    bool          have_blocker;
    mfn_t         blocker_l1;  /* L1 frame holding the writable entry */
    int           blocker_slot;
    uint64_t      blocker_va;  /* a virtual address it maps at, or ~0 if unknown */
    /*
     * The search for the blocker stopped at its work budget: the mapping
     * (if !have_blocker) or its virtual address (if blocker_va is ~0) may
     * exist but was not found.
     */
    bool          blocker_search_exhausted;
    /* Path from the top-level operation down to the failing table (outermost first). */
    int           path_len;
    struct pvmm_reason_step path[PVMM_REASON_PATH_MAX];
    /* Operation context: hypercall and sub-op index (filled by the dispatchers). */
    int           hypercall;   /* __HYPERVISOR_* number, -1 if none */
    int           op_index;    /* index of the failing request in a batch, -1 if none */
    int           sub_op;      /* sub-operation (MMUEXT_*, MMU_*, XENMEM_*) of that request, -1 if none */
};

/* Name ("writable-pagetable") and sentence template of a rule. */
const char *pvmm_rule_name(enum pvmm_rule r);
const char *pvmm_rule_text(enum pvmm_rule r);
/* Rule with the given name, or -1. */
int pvmm_rule_from_name(const char *name);

/*
 * Format a reason as one or more lines of plain English into buf (always
 * NUL-terminated, truncated to len).  Returns the length it wanted.
 */
size_t pvmm_reason_format(const struct pvmm_reason *r, char *buf, size_t len);

#endif /* PVMM_REASON_H */
