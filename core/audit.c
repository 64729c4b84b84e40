/*
 * core/audit.c - the full-state auditor.
 *
 * pvmm_audit() forgets every count the core keeps and recomputes them from
 * what actually holds references (audit-refs.c), in the caller's scratch
 * memory, then compares and checks the model's invariants frame by frame
 * and domain by domain (include/pvmm/audit.h lists them).  It is the oracle
 * of every unit test and of the fuzzer, so it must be exact: a consistent
 * state yields no violation, and every corruption of a count, a type, a
 * flag or an entry yields one.  Cost: one pass over the frame table, 512
 * entries per validated table or descriptor page, one pass over the vCPUs.
 */
#include "audit-internal.h"

/* Names of the checks, in enum order. */
static const char *const check_names[] = {
    "count-mismatch", "type-count-mismatch", "type-without-ref", "ref-without-owner",
    "allocated-no-ref", "writable-mapping", "wrong-child-type", "bad-linear", "xen-slot",
    "forbidden-mapping", "bad-flags", "not-validated", "bad-pin", "bad-base",
    "free-frame-state", "tot-pages", "bad-descriptor", "linear-count", "m2p", "grant-pin",
    "grant-maptrack", "core-bug", "foreign-maps",
};
_Static_assert(sizeof(check_names) / sizeof(check_names[0]) == PVMM_AUDIT_CHECK_COUNT,
               "one name per audit check");

#define CHECK_TEXT(n, t) t,
static const char *const check_texts[] = { PVMM_AUDIT_CHECKS(CHECK_TEXT) };
#undef CHECK_TEXT

const char *pvmm_audit_check_name(enum pvmm_audit_check c)
{
    return (unsigned int)c < PVMM_AUDIT_CHECK_COUNT ? check_names[c] : "unknown-check";
}

/* Scratch layout: the L4 template page first (aligned), then the frame records. */
size_t pvmm_audit_scratch_size(const struct pvmm_state *s)
{
    return PAGE_SIZE + s->nr_frames * sizeof(struct audit_frame);
}

void audit_violation(struct audit_ctx *c, enum pvmm_audit_check check, mfn_t frame,
                     mfn_t table, int index, uint64_t expected, uint64_t actual)
{
    struct pvmm_audit_report *r = c->r;

    if (r->nr_recorded < PVMM_AUDIT_MAX_RECORDED)
        r->v[r->nr_recorded++] = (struct pvmm_audit_violation){
            .check = check, .frame = frame, .table = table, .index = index,
            .expected = expected, .actual = actual,
        };
    r->nr_violations++;
}

struct domain *audit_owner(struct pvmm_state *s, domid_t id)
{
    if (id == DOMID_XEN)
        return &s->dom_xen;
    if (id == DOMID_IO)
        return &s->dom_io;
    for (unsigned int i = 0; i < PVMM_MAX_DOMAINS; i++)
        if (s->domains[i].exists && s->domains[i].domain_id == id)
            return &s->domains[i];
    return NULL;
}

/*
 * Mark the frames on the free list.  The list must be acyclic, within the
 * frame table, linked back (each frame's prev_free names the one before it,
 * ~0 for the head) and as long as nr_free says; each 2 MiB block's count in
 * free_in_block must be the number of its frames on the list.
 */
static void audit_free_list(struct audit_ctx *c)
{
    struct pvmm_state *s = c->s;
    uint64_t n = 0;
    uint32_t m = s->free_head, prev = ~(uint32_t)0;

    while (m != ~(uint32_t)0) {
        if (m >= s->nr_frames || c->f[m].on_free_list) {
            audit_violation(c, PVMM_AUDIT_FREE_FRAME_STATE, m, INVALID_MFN, -1,
                            s->nr_frames, m);
            break;
        }
        if (s->frame_table[m].prev_free != prev)
            audit_violation(c, PVMM_AUDIT_FREE_FRAME_STATE, m, INVALID_MFN, -1, prev,
                            s->frame_table[m].prev_free);
        c->f[m].on_free_list = 1;
        n++;
        prev = m;
        m = s->frame_table[m].next_free;
    }
    if (n != s->nr_free)
        audit_violation(c, PVMM_AUDIT_FREE_FRAME_STATE, INVALID_MFN, INVALID_MFN, -1,
                        n, s->nr_free);
    for (uint64_t b = 0; b < PVMM_HEAP_BLOCKS(s->nr_frames); b++) {
        mfn_t first = b << PVMM_HEAP_BLOCK_ORDER, end = first + (1UL << PVMM_HEAP_BLOCK_ORDER);
        uint64_t nr = 0;

        if (end > s->nr_frames)
            end = s->nr_frames;
        for (mfn_t f = first; f < end; f++)
            nr += c->f[f].on_free_list;
        if (nr != s->free_in_block[b])
            audit_violation(c, PVMM_AUDIT_FREE_FRAME_STATE, first, INVALID_MFN, -1, nr,
                            s->free_in_block[b]);
    }
}

/* Compare frame m's stored state with what was found. */
static void audit_frame_check(struct audit_ctx *c, mfn_t m)
{
    struct pvmm_state *s = c->s;
    const struct page_info *pg = mfn_to_page(s, m);
    const struct audit_frame *f = &c->f[m];
    uint64_t ci = pg->count_info, ti = pg->type_info;
    uint64_t gen = ci & PGC_count_mask, type = ti & PGT_count_mask;
    const struct domain *owner = audit_owner(s, pg->owner);

    if (f->on_free_list) {
        if (pg->owner != PVMM_OWNER_NONE || ci || type)
            audit_violation(c, PVMM_AUDIT_FREE_FRAME_STATE, m, INVALID_MFN, -1,
                            PVMM_OWNER_NONE, pg->owner != PVMM_OWNER_NONE ? pg->owner : ci | type);
        if (s->m2p[m] != INVALID_M2P_ENTRY)
            audit_violation(c, PVMM_AUDIT_M2P, m, INVALID_MFN, -1, INVALID_M2P_ENTRY, s->m2p[m]);
        if (f->gen || f->type)
            audit_violation(c, PVMM_AUDIT_COUNT_MISMATCH, m, INVALID_MFN, -1, f->gen, gen);
        return;
    }

    /* A frame of no one, or of an ordinary domain with no reference, must be free. */
    if (gen == 0 && (pg->owner == PVMM_OWNER_NONE ||
                     (owner && owner != &s->dom_xen && owner != &s->dom_io))) {
        audit_violation(c, PVMM_AUDIT_FREE_FRAME_STATE, m, INVALID_MFN, -1, 1, 0);
    }
    /* A frame off the free list still naming a domain that is gone: its teardown leaked it. */
    if (gen == 0 && !owner && pg->owner != PVMM_OWNER_NONE)
        audit_violation(c, PVMM_AUDIT_FREE_FRAME_STATE, m, INVALID_MFN, -1, PVMM_OWNER_NONE,
                        pg->owner);
    if (f->gen != gen)
        audit_violation(c, PVMM_AUDIT_COUNT_MISMATCH, m, INVALID_MFN, -1, f->gen, gen);
    if (f->type != type)
        audit_violation(c, PVMM_AUDIT_TYPE_COUNT_MISMATCH, m, INVALID_MFN, -1, f->type, type);
    if (type && !gen)
        audit_violation(c, PVMM_AUDIT_TYPE_WITHOUT_REF, m, INVALID_MFN, -1, 1, 0);
    if (gen && !owner)
        audit_violation(c, PVMM_AUDIT_REF_WITHOUT_OWNER, m, INVALID_MFN, -1, 0, pg->owner);
    if ((ci & PGC_allocated) && !gen)
        audit_violation(c, PVMM_AUDIT_ALLOCATED_NO_REF, m, INVALID_MFN, -1, 1, 0);
    if ((PGT_is_pagetable(ti) || (ti & PGT_type_mask) == PGT_seg_desc_page) && type &&
        !(ti & (PGT_validated | PGT_partial)))
        audit_violation(c, PVMM_AUDIT_NOT_VALIDATED, m, INVALID_MFN, -1,
                        PGT_validated, ti);

    /* Linear entries: one level only, and linear_pt_count must match. */
    if (f->lin_out && f->lin_in)
        audit_violation(c, PVMM_AUDIT_BAD_LINEAR, m, INVALID_MFN, -1, f->lin_out, f->lin_in);
    if (PGT_is_pagetable(ti) && (ti & (PGT_validated | PGT_partial))) {
        int64_t want = (int64_t)f->lin_out - (int64_t)f->lin_in;

        if (want != pg->linear_pt_count)
            audit_violation(c, PVMM_AUDIT_LINEAR_COUNT, m, INVALID_MFN, -1,
                            (uint64_t)want, (uint64_t)(int64_t)pg->linear_pt_count);
    }
}

/* tot_pages of every domain equals the frames it owns (Xen-heap pages excluded). */
static void audit_tot_pages(struct audit_ctx *c)
{
    struct pvmm_state *s = c->s;
    uint64_t owned[PVMM_MAX_DOMAINS] = { 0 };

    for (mfn_t m = 0; m < s->nr_frames; m++) {
        const struct page_info *pg = mfn_to_page(s, m);

        if (c->f[m].on_free_list || (pg->count_info & PGC_xen_heap))
            continue;
        /* Domain i has id i (pvmm_domain_create). */
        if (pg->owner < PVMM_MAX_DOMAINS && s->domains[pg->owner].exists)
            owned[pg->owner]++;
    }
    for (unsigned int i = 0; i < PVMM_MAX_DOMAINS; i++)
        if (s->domains[i].exists && owned[i] != s->domains[i].tot_pages)
            audit_violation(c, PVMM_AUDIT_TOT_PAGES, INVALID_MFN, INVALID_MFN,
                            s->domains[i].domain_id, owned[i], s->domains[i].tot_pages);
}

unsigned int pvmm_audit(struct pvmm_state *s, void *scratch, struct pvmm_audit_report *r)
{
    struct audit_ctx c = {
        .s = s,
        .l4_template = scratch,
        .f = (struct audit_frame *)((char *)scratch + PAGE_SIZE),
        .r = r,
    };

    r->nr_violations = 0;
    r->nr_recorded = 0;
    memset(c.f, 0, s->nr_frames * sizeof(*c.f));

    audit_free_list(&c);
    for (mfn_t m = 0; m < s->nr_frames; m++)
        audit_frame_refs(&c, m);
    for (unsigned int i = 0; i < PVMM_MAX_DOMAINS; i++)
        if (s->domains[i].exists) {
            audit_vcpu_refs(&c, &s->domains[i]);
            audit_grant_refs(&c, &s->domains[i]);
            audit_grant_pins(&c, &s->domains[i]);
        }
    for (mfn_t m = 0; m < s->nr_frames; m++)
        audit_frame_check(&c, m);
    audit_tot_pages(&c);
    for (unsigned int i = 0; i < PVMM_MAX_DOMAINS; i++)
        if (s->domains[i].exists && c.foreign[i] != s->domains[i].nr_foreign_maps)
            audit_violation(&c, PVMM_AUDIT_FOREIGN_MAPS, INVALID_MFN, INVALID_MFN,
                            s->domains[i].domain_id, c.foreign[i], s->domains[i].nr_foreign_maps);
    if (pvmm_core_bugs(s))
        audit_violation(&c, PVMM_AUDIT_CORE_BUG, INVALID_MFN, INVALID_MFN, -1, 0,
                        pvmm_core_bugs(s));
    return r->nr_violations;
}

size_t pvmm_audit_format(const struct pvmm_audit_violation *v, char *buf, size_t len)
{
    const char *text = (unsigned int)v->check < PVMM_AUDIT_CHECK_COUNT ?
                       check_texts[v->check] : "unknown check";
    size_t n = pvmm_snprintf(buf, len, "%s: %s", pvmm_audit_check_name(v->check), text);

    if (v->frame != INVALID_MFN)
        n += pvmm_snprintf(n < len ? buf + n : NULL, n < len ? len - n : 0,
                           " (frame 0x%lx", (unsigned long)v->frame);
    else
        n += pvmm_snprintf(n < len ? buf + n : NULL, n < len ? len - n : 0, " (");
    if (v->table != INVALID_MFN)
        n += pvmm_snprintf(n < len ? buf + n : NULL, n < len ? len - n : 0,
                           "%sentry %d of table 0x%lx", v->frame != INVALID_MFN ? ", " : "",
                           v->index, (unsigned long)v->table);
    else if (v->index >= 0)
        n += pvmm_snprintf(n < len ? buf + n : NULL, n < len ? len - n : 0,
                           "%sindex %d", v->frame != INVALID_MFN ? ", " : "", v->index);
    n += pvmm_snprintf(n < len ? buf + n : NULL, n < len ? len - n : 0,
                       "%sexpected 0x%lx, found 0x%lx)",
                       v->frame != INVALID_MFN || v->table != INVALID_MFN || v->index >= 0 ?
                       ", " : "", (unsigned long)v->expected, (unsigned long)v->actual);
    return n;
}
