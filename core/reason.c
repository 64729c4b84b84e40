/*
 * core/reason.c - recording why an operation failed.
 *
 * Every failure in the core calls reject() at the point where the rule is
 * broken.  The innermost failure wins: once a reason is recorded for the
 * current operation, outer levels that propagate the error only prepend
 * their table to the path with reason_add_path().  The record is a plain
 * structure on the vCPU (struct pvmm_reason); turning it into text is done
 * on demand by pvmm_reason_format() (reason-text.c).
 */
#include "mm.h"

/* Rule names and sentence templates, generated from the PVMM_RULES X-macro. */
#define RULE_NAME(n, s, t) s,
#define RULE_TEXT(n, s, t) t,
static const char *const rule_names[PVMM_RULE_COUNT] = { PVMM_RULES(RULE_NAME) };
static const char *const rule_texts[PVMM_RULE_COUNT] = { PVMM_RULES(RULE_TEXT) };
#undef RULE_NAME
#undef RULE_TEXT

const char *pvmm_rule_name(enum pvmm_rule r)
{
    return (unsigned int)r < PVMM_RULE_COUNT ? rule_names[r] : "unknown-rule";
}

const char *pvmm_rule_text(enum pvmm_rule r)
{
    return (unsigned int)r < PVMM_RULE_COUNT ? rule_texts[r] : "unknown rule";
}

int pvmm_rule_from_name(const char *name)
{
    if (!name)
        return -1;
    for (int i = 0; i < PVMM_RULE_COUNT; i++)
        if (pvmm_strcmp(rule_names[i], name) == 0)
            return i;
    return -1;
}

/*
 * Reset r to "no failure recorded" for hypercall `hypercall` (-1 if none).
 * reason_clear (fast-paths.h) calls it only for a record that was written.
 */
void reason_reset(struct pvmm_reason *r, int hypercall)
{
    memset(r, 0, sizeof(*r));
    r->rule = PVMM_RULE_NONE;
    r->frame = INVALID_MFN;
    r->table = INVALID_MFN;
    r->index = -1;
    r->owner = PVMM_OWNER_NONE;
    r->blocker_l1 = INVALID_MFN;
    r->blocker_slot = -1;
    r->blocker_va = ~(uint64_t)0;
    r->hypercall = hypercall;
    r->op_index = -1;
    r->sub_op = -1;
}

/*
 * Look for the writable mapping that keeps frame's type at "writable":
 * first among the owner's L1 tables, then among the caller's (a privileged
 * caller may map other domains' frames).  At most two budgeted searches
 * (find_writable_mapping), so a failing request costs a bounded amount.
 */
static void find_blocker(struct vcpu *curr, struct pvmm_state *s, struct page_info *pg,
                         mfn_t frame)
{
    struct domain *owner = page_get_owner(s, pg);

    if (owner && find_writable_mapping(s, owner, frame, &curr->reason))
        return;
    /* Each search has its own budget; a spent one ends the hunt (two at most). */
    if (curr->reason.blocker_search_exhausted)
        return;
    if (curr->domain && curr->domain != owner)
        find_writable_mapping(s, curr->domain, frame, &curr->reason);
}

int reject(struct vcpu *curr, int rc, enum pvmm_rule rule, const struct reject_info *info)
{
    mfn_t frame = info->frame;
    struct pvmm_reason *r;
    struct pvmm_state *s;

    if (!curr || !curr->domain)
        return rc;
    r = &curr->reason;
    if (r->rule != PVMM_RULE_NONE)
        return rc;   /* An inner failure is already recorded: it is more specific. */

    s = vcpu_state(curr);
    r->rc = rc;
    r->rule = rule;
    r->frame = frame;
    r->table = info->table;
    r->level = info->level;
    r->index = info->index;
    r->entry = info->entry;
    r->want_type = info->want_type;
    r->type_info = 0;
    r->count_info = 0;
    r->owner = PVMM_OWNER_NONE;
    r->have_blocker = false;
    r->blocker_l1 = INVALID_MFN;
    r->blocker_slot = -1;
    r->blocker_va = ~(uint64_t)0;
    r->blocker_search_exhausted = false;

    if (frame != INVALID_MFN && mfn_valid(s, frame)) {
        struct page_info *pg = mfn_to_page(s, frame);
        uint64_t t = __atomic_load_n(&pg->type_info, __ATOMIC_RELAXED);

        r->type_info = t;
        r->count_info = __atomic_load_n(&pg->count_info, __ATOMIC_RELAXED);
        r->owner = __atomic_load_n(&pg->owner, __ATOMIC_RELAXED);
        if ((rule == PVMM_RULE_TYPE_CONFLICT || rule == PVMM_RULE_WRITABLE_PAGETABLE) &&
            (t & PGT_type_mask) == PGT_writable_page && (t & PGT_count_mask) != 0)
            find_blocker(curr, s, pg, frame);
    }
    return rc;
}

void reason_add_path(struct vcpu *curr, mfn_t table, int level, int index)
{
    struct pvmm_reason *r;

    if (!curr)
        return;
    r = &curr->reason;
    /*
     * The path is bounded: once full, the steps nearest the failure are
     * kept and further outer steps are dropped.
     */
    if (r->path_len < 0 || r->path_len >= PVMM_REASON_PATH_MAX)
        return;
    for (int i = r->path_len; i > 0; i--)
        r->path[i] = r->path[i - 1];
    r->path[0] = (struct pvmm_reason_step){ .table = table, .level = level, .index = index };
    r->path_len++;
}

void reason_set_op_index(struct vcpu *curr, int idx)
{
    if (curr)
        curr->reason.op_index = idx;
}

void reason_set_sub_op(struct vcpu *curr, int sub_op)
{
    if (curr)
        curr->reason.sub_op = sub_op;
}
