/*
 * core/audit-internal.h - shared state of the auditor's files.
 *
 * The auditor (audit.c drives, audit-refs.c gathers references) keeps one
 * struct audit_frame per machine frame in the caller's scratch memory: the
 * general and type references it found for the frame, and the linear-entry
 * counts used to recompute linear_pt_count.  Nothing is allocated.
 */
#ifndef PVMM_CORE_AUDIT_INTERNAL_H
#define PVMM_CORE_AUDIT_INTERNAL_H

#include "mm.h"
#include <pvmm/audit.h>

struct audit_frame {
    uint32_t gen;       /* general references found */
    uint32_t type;      /* type references found */
    uint16_t lin_out;   /* same-level entries this table contains (to other tables) */
    uint16_t lin_in;    /* same-level entries of other tables that target this one */
    uint8_t  on_free_list;
    uint8_t  pad[3];
};

struct audit_ctx {
    struct pvmm_state *s;
    struct audit_frame *f;             /* nr_frames entries */
    intpte_t *l4_template;             /* 512 entries: a freshly initialised L4 */
    struct pvmm_audit_report *r;
    uint64_t foreign[PVMM_MAX_DOMAINS];  /* L1 entries of others' tables mapping i's frames */
};

/* Record violation `check` (counted always, kept if there is room). */
void audit_violation(struct audit_ctx *c, enum pvmm_audit_check check, mfn_t frame,
                     mfn_t table, int index, uint64_t expected, uint64_t actual);

/* The domain a frame owner id names (ordinary, dom_xen, dom_io), or NULL. */
struct domain *audit_owner(struct pvmm_state *s, domid_t id);

/* audit-refs.c: count the references held by frame m itself and its contents. */
void audit_frame_refs(struct audit_ctx *c, mfn_t m);
/* audit-refs.c: count the references held by d's vCPUs. */
void audit_vcpu_refs(struct audit_ctx *c, struct domain *d);

/*
 * audit-grant.c: add the references ld's device mappings of grants hold, and check each
 * tracked mapping names an entry pinned for ld; check rd's pin counts against every
 * domain's maptrack.
 */
void audit_grant_refs(struct audit_ctx *c, struct domain *ld);
/* audit-grant.c: does ld track a host mapping of a grant of frame mfn (another domain's)? */
bool audit_grant_host_mapped(struct pvmm_state *s, const struct domain *ld, mfn_t mfn);
void audit_grant_pins(struct audit_ctx *c, struct domain *rd);

#endif /* PVMM_CORE_AUDIT_INTERNAL_H */
