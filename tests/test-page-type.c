/*
 * tests/test-page-type.c - general references and the type state machine
 * (core/frame-table.c, core/page-type.c; model.md §1.5, §2.1-§2.3a, §2.6).
 *
 * The state table of model.md §2.3a is run row by row: each row builds a
 * starting state (by real operations where one exists, directly in the
 * frame table for the transient states another CPU would hold), writes
 * contents that would fail validation where the row must prove that no
 * validation happens (or that it does), takes one type reference and checks
 * the result, the type word and whether the owner's vCPUs were flushed.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 256

/* ---- contents ---- */

enum content { ZERO, BAD_L1E, BAD_DESC };

/* A TSS descriptor (system type 9, present): check_descriptor refuses it. */
#define BAD_DESCRIPTOR 0x000f89000000ffffULL

static void write_content(struct harness_fx *f, mfn_t m, enum content c, mfn_t data)
{
    intpte_t *p = harness_pt(f->h, m);

    memset(p, 0, PAGE_SIZE);
    if (c == BAD_L1E)
        p[3] = pte_from_mfn(data, _PAGE_PRESENT | _PAGE_PWT);  /* PWT: disallowed for a domU */
    else if (c == BAD_DESC)
        p[5] = BAD_DESCRIPTOR;
}

/* ---- the state table (model.md §2.3a) ---- */

enum setup {
    S_FRESH,          /* none, count 0, not validated (just allocated) */
    S_WRITABLE_IDLE,  /* writable, count 0, validated */
    S_WRITABLE_USED,  /* writable, count 1, validated */
    S_SEGDESC_IDLE,   /* seg_desc, count 0, validated */
    S_L1_DEVALIDATED, /* L1, count 0, not validated (last reference went) */
    S_L1_USED,        /* L1, count 1, validated */
    S_L2_USED,        /* L2, count 1, validated */
    S_L1_LOCKED,      /* L1, count 1, not validated: another CPU validates */
    S_L2_DEVALIDATING,/* L2, count 1, validated cleared by another CPU's last put */
    S_L2_PARTIAL,     /* L2, count 1, PGT_partial (preempted validation) */
};

struct type_row {
    const char *name;
    enum setup setup;
    enum content content;   /* written after the setup, before the get */
    unsigned long want;
    bool preemptible;       /* with every preemption check returning true */
    int rc;
    uint64_t end;           /* type_info afterwards (type, flags, count) */
    bool flush;
    enum pvmm_rule rule;    /* reason recorded, for failures */
};

#define L1T PGT_l1_page_table
#define L2T PGT_l2_page_table
#define WRT PGT_writable_page
#define SDT PGT_seg_desc_page
#define VAL PGT_validated

static const struct type_row type_rows[] = {
    /* T, count 0, not validated: any type; validation runs; flush only if the old type mattered. */
    { "fresh -> L1 validates (bad entry fails, type reset)", S_FRESH, BAD_L1E, L1T, false,
      -XEN_EINVAL, 0, false, PVMM_RULE_DISALLOWED_FLAGS },
    { "fresh -> L1 (no flush: old type none)", S_FRESH, ZERO, L1T, false,
      0, L1T | VAL | 1, false, PVMM_RULE_NONE },
    { "fresh -> writable: validated at once", S_FRESH, BAD_L1E, WRT, false,
      0, WRT | VAL | 1, false, PVMM_RULE_NONE },
    { "fresh -> seg_desc validates (bad descriptor fails)", S_FRESH, BAD_DESC, SDT, false,
      -XEN_EINVAL, 0, false, PVMM_RULE_BAD_DESCRIPTOR },
    { "devalidated L1 -> L1 revalidates", S_L1_DEVALIDATED, BAD_L1E, L1T, false,
      -XEN_EINVAL, 0, false, PVMM_RULE_DISALLOWED_FLAGS },
    { "devalidated L1 -> writable flushes (old type a page table)", S_L1_DEVALIDATED, ZERO, WRT,
      false, 0, WRT | VAL | 1, true, PVMM_RULE_NONE },
    /* T, count 0, validated: same type without validation; another type changes it. */
    { "idle writable -> writable: no validation", S_WRITABLE_IDLE, BAD_L1E, WRT, false,
      0, WRT | VAL | 1, false, PVMM_RULE_NONE },
    { "idle writable -> L1: flush, then validate", S_WRITABLE_IDLE, ZERO, L1T, false,
      0, L1T | VAL | 1, true, PVMM_RULE_NONE },
    { "idle writable -> L1 with a bad entry: flushed, fails, type reset", S_WRITABLE_IDLE,
      BAD_L1E, L1T, false, -XEN_EINVAL, 0, true, PVMM_RULE_DISALLOWED_FLAGS },
    { "idle seg_desc -> seg_desc: no revalidation", S_SEGDESC_IDLE, BAD_DESC, SDT, false,
      0, SDT | VAL | 1, false, PVMM_RULE_NONE },
    { "idle seg_desc -> L1: type change", S_SEGDESC_IDLE, ZERO, L1T, false,
      0, L1T | VAL | 1, true, PVMM_RULE_NONE },
    /* T, count >= 1, validated: same type counts up, other types fail. */
    { "used L1 -> L1: count 2, no validation", S_L1_USED, BAD_L1E, L1T, false,
      0, L1T | VAL | 2, false, PVMM_RULE_NONE },
    { "used L1 -> writable: conflict", S_L1_USED, ZERO, WRT, false,
      -XEN_EINVAL, L1T | VAL | 1, false, PVMM_RULE_TYPE_CONFLICT },
    { "used writable -> writable: count 2", S_WRITABLE_USED, ZERO, WRT, false,
      0, WRT | VAL | 2, false, PVMM_RULE_NONE },
    { "used writable -> L1: conflict", S_WRITABLE_USED, ZERO, L1T, false,
      -XEN_EINVAL, WRT | VAL | 1, false, PVMM_RULE_TYPE_CONFLICT },
    { "used writable -> seg_desc: conflict", S_WRITABLE_USED, ZERO, SDT, false,
      -XEN_EINVAL, WRT | VAL | 1, false, PVMM_RULE_TYPE_CONFLICT },
    { "used L2 -> L1: conflict, silent (may be a linear attempt)", S_L2_USED, ZERO, L1T, false,
      -XEN_EINVAL, L2T | VAL | 1, false, PVMM_RULE_NONE },
    /* T, count 1, not validated: someone validates or devalidates: wait (or -EINTR). */
    { "validate-locked L1 -> L1: waits, -EINTR when preempted", S_L1_LOCKED, ZERO, L1T, true,
      -XEN_EINTR, L1T | 1, false, PVMM_RULE_NONE },
    { "validate-locked L1 -> writable: conflict", S_L1_LOCKED, ZERO, WRT, true,
      -XEN_EINVAL, L1T | 1, false, PVMM_RULE_TYPE_CONFLICT },
    { "devalidating L2 -> L2: waits, -EINTR when preempted", S_L2_DEVALIDATING, ZERO, L2T, true,
      -XEN_EINTR, L2T | 1, false, PVMM_RULE_NONE },
    /* T, count 1, PGT_partial: the same type resumes, others fail. */
    { "partial L2 -> L2: resumes and completes", S_L2_PARTIAL, ZERO, L2T, false,
      0, L2T | VAL | 1, false, PVMM_RULE_NONE },
    { "partial L2 -> L1: conflict, silent", S_L2_PARTIAL, ZERO, L1T, false,
      -XEN_EINVAL, L2T | PGT_partial | 1, false, PVMM_RULE_NONE },
    { "partial L2 -> writable: conflict", S_L2_PARTIAL, ZERO, WRT, false,
      -XEN_EINVAL, L2T | PGT_partial | 1, false, PVMM_RULE_TYPE_CONFLICT },
};

/* Frames of one row: the frame under test and two helpers. */
struct row_frames {
    mfn_t m, data, l1a, l1b;
};

/* Build the row's starting state on r->m. */
static void row_setup(struct harness_fx *f, const struct type_row *row, struct row_frames *r)
{
    struct page_info *pg = harness_page(f, r->m);
    intpte_t *p = harness_pt(f->h, r->m);

    switch (row->setup) {
    case S_FRESH:
        break;
    case S_WRITABLE_IDLE:
    case S_WRITABLE_USED:
        assert_true(get_page_type(f->v, pg, WRT));
        if (row->setup == S_WRITABLE_IDLE)
            put_page_type(f->v, pg);
        break;
    case S_SEGDESC_IDLE:
        assert_true(get_page_type(f->v, pg, SDT));
        put_page_type(f->v, pg);
        break;
    case S_L1_DEVALIDATED:
    case S_L1_USED:
        assert_true(get_page_type(f->v, pg, L1T));
        if (row->setup == S_L1_DEVALIDATED)
            put_page_type(f->v, pg);
        break;
    case S_L2_USED:
        assert_true(get_page_type(f->v, pg, L2T));
        break;
    case S_L1_LOCKED:
        pg->type_info = L1T | 1;
        break;
    case S_L2_DEVALIDATING:
        pg->type_info = L2T | 1;
        break;
    case S_L2_PARTIAL:
        /* Two L1 children; preempted after the first one. */
        p[0] = pte_from_mfn(r->l1a, _PAGE_PRESENT);
        p[1] = pte_from_mfn(r->l1b, _PAGE_PRESENT);
        f->h->preempt_at = f->h->nr_preempt_checks + 1;
        assert_int_equal(get_page_type_preemptible(f->v, pg, L2T), -XEN_ERESTART);
        f->h->preempt_at = 0;
        assert_int_equal(pg->type_info, L2T | PGT_partial | 1);
        assert_int_equal(pg->nr_validated_ptes, 1);
        /* The partial state owns one general reference of its own. */
        assert_int_equal(harness_count(f->h, r->m), 2);
        harness_audit(f->h);
        break;
    }
}

/* Undo everything the row holds, leaving the frame unused. */
static void row_teardown(struct harness_fx *f, const struct type_row *row, struct row_frames *r, int rc)
{
    struct page_info *pg = harness_page(f, r->m);

    switch (row->setup) {
    case S_L1_LOCKED:
    case S_L2_DEVALIDATING:
        pg->type_info = 0;   /* the other CPU "finishes" */
        return;
    case S_L2_PARTIAL:
        if (rc == 0) {
            put_page_type(f->v, pg);
        } else {
            /* Finish the partial state as an interrupted unpin would. */
            assert_int_equal(_put_page_type(f->v, pg, PTF_partial_set | PTF_preemptible, NULL), 0);
        }
        return;
    default:
        break;
    }
    if (rc == 0)
        put_page_type(f->v, pg);
    if (row->setup == S_WRITABLE_USED || row->setup == S_L1_USED || row->setup == S_L2_USED) {
        memset(harness_pt(f->h, r->m), 0, PAGE_SIZE);
        put_page_type(f->v, pg);
    }
}

static void type_state_table(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(type_rows); i++) {
        const struct type_row *row = &type_rows[i];
        struct harness_fx f = harness_fx_new(NR_FRAMES);
        struct row_frames r;
        unsigned long flushes;
        struct page_info *pg;
        int rc;

        print_message("row: %s\n", row->name);
        r.m = harness_alloc(f.h, f.d);
        r.data = harness_alloc(f.h, f.d);
        r.l1a = harness_alloc(f.h, f.d);
        r.l1b = harness_alloc(f.h, f.d);
        pg = harness_page(&f, r.m);
        row_setup(&f, row, &r);
        if (row->setup != S_L2_PARTIAL)
            write_content(&f, r.m, row->content, r.data);

        reason_clear(f.v, -1);
        flushes = f.h->nr_flushes;
        f.h->preempt_every = row->preemptible;
        rc = _get_page_type(f.v, pg, row->want, row->preemptible);
        f.h->preempt_every = false;

        if (rc != row->rc || (pg->type_info & ~PGT_pinned) != row->end)
            fail_msg("%s: rc %d (want %d), type_info %#lx (want %#lx)", row->name, rc, row->rc,
                     (unsigned long)pg->type_info, (unsigned long)row->end);
        if ((f.h->nr_flushes != flushes) != row->flush)
            fail_msg("%s: flush %s", row->name, row->flush ? "missing" : "unexpected");
        assert_reason(f.v, row->rule);
        /* A type reference never changes the general count. */
        assert_int_equal(harness_count(f.h, r.m), row->setup == S_L2_PARTIAL && rc ? 2 : 1);

        if (row->content != ZERO)
            write_content(&f, r.m, ZERO, r.data);
        row_teardown(&f, row, &r, rc);
        assert_int_equal(harness_type_count(f.h, r.m), 0);
        harness_audit(f.h);
        harness_free(f.h);
    }
}

/* ---- single rules ---- */

/* A type changes only while its count is zero. */
static void type_change_only_at_count_zero(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, m);

    (void)state;
    assert_true(get_page_type(f.v, pg, WRT));
    assert_true(get_page_type(f.v, pg, WRT));
    assert_false(get_page_type(f.v, pg, L1T));
    put_page_type(f.v, pg);
    assert_false(get_page_type(f.v, pg, L1T));
    put_page_type(f.v, pg);
    assert_int_equal(pg->type_info, WRT | VAL);
    assert_true(get_page_type(f.v, pg, L1T));
    assert_int_equal(pg->type_info, L1T | VAL | 1);
    put_page_type(f.v, pg);
    harness_audit(f.h);
    harness_free(f.h);
}

/* Type confusion: an L2 in use cannot be pinned (or referenced) as an L1. */
static void l2_used_as_l1_is_refused(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t l2 = harness_alloc(f.h, f.d);

    (void)state;
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L2_TABLE, l2, 0), 0);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, l2, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(harness_type(f.h, l2), L2T);
    assert_int_equal(harness_type_count(f.h, l2), 1);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, l2, 0), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

/* The type count refuses to overflow (and so does page_lock). */
static void count_overflow_refused(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, m);

    (void)state;
    pg->type_info = WRT | VAL | PGT_count_mask;
    reason_clear(f.v, -1);
    assert_int_equal(_get_page_type(f.v, pg, WRT, false), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_TYPE_OVERFLOW);
    assert_int_equal(pg->type_info, WRT | VAL | PGT_count_mask);
    pg->type_info = WRT | VAL | (PGT_count_mask - 1);
    assert_true(get_page_type(f.v, pg, WRT));
    assert_int_equal(pg->type_info, WRT | VAL | PGT_count_mask);
    pg->type_info = 0;

    /* page_lock refuses too: the lock's reference would overflow. */
    pg->type_info = L1T | VAL | PGT_count_mask;
    assert_false(page_lock(f.v, pg));
    pg->type_info = 0;

    harness_audit(f.h);
    harness_free(f.h);
}

/* The last type reference of a page table devalidates it, releasing its children. */
static void last_ref_devalidates(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t l2 = harness_alloc(f.h, f.d);
    mfn_t l1 = harness_alloc(f.h, f.d);
    mfn_t data = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, l2);

    (void)state;
    harness_pt(f.h, l2)[7] = pte_from_mfn(l1, _PAGE_PRESENT | _PAGE_RW);
    harness_pt(f.h, l1)[9] = pte_from_mfn(data, _PAGE_PRESENT | _PAGE_RW);
    assert_true(get_page_and_type(f.v, pg, f.d, L2T));
    assert_int_equal(pg->type_info, L2T | VAL | 1);
    assert_int_equal(harness_type(f.h, l1), L1T);
    assert_int_equal(harness_type_count(f.h, l1), 1);
    assert_int_equal(harness_type(f.h, data), WRT);
    assert_int_equal(harness_type_count(f.h, data), 1);
    assert_int_equal(harness_count(f.h, data), 2);

    put_page_and_type(f.v, pg);
    assert_int_equal(pg->type_info, L2T);            /* type kept, not validated */
    assert_int_equal(harness_page(&f, l1)->type_info, L1T);  /* child devalidated too */
    assert_int_equal(harness_type_count(f.h, data), 0);
    assert_int_equal(harness_count(f.h, data), 1);
    assert_int_equal(harness_count(f.h, l1), 1);
    harness_audit(f.h);

    /* Now the former tables may be mapped writable: the type changes at count 0. */
    assert_true(get_page_type(f.v, harness_page(&f, l1), WRT));
    put_page_type(f.v, harness_page(&f, l1));
    harness_audit(f.h);
    harness_free(f.h);
}

/* A failed validation resets the type; the references taken on the way are released. */
static void failed_validation_resets_type(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t l1 = harness_alloc(f.h, f.d);
    mfn_t ok = harness_alloc(f.h, f.d);
    mfn_t data = harness_alloc(f.h, f.d);
    intpte_t *p = harness_pt(f.h, l1);

    (void)state;
    p[0] = pte_from_mfn(ok, _PAGE_PRESENT | _PAGE_RW);
    p[1] = pte_from_mfn(data, _PAGE_PRESENT | _PAGE_PWT);
    reason_clear(f.v, -1);
    assert_false(get_page_and_type(f.v, harness_page(&f, l1), f.d, L1T));
    assert_reason(f.v, PVMM_RULE_DISALLOWED_FLAGS);
    assert_int_equal(harness_page(&f, l1)->type_info, 0);
    assert_int_equal(harness_count(f.h, l1), 1);
    /* The writable reference of entry 0 was given back (the type stays, idle). */
    assert_int_equal(harness_page(&f, ok)->type_info, WRT | VAL);
    assert_int_equal(harness_count(f.h, ok), 1);
    harness_audit(f.h);
    harness_free(f.h);
}

/* seg_desc pages are not devalidated when their last reference goes. */
static void seg_desc_not_devalidated(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, m);

    (void)state;
    assert_true(get_page_and_type(f.v, pg, f.d, SDT));
    put_page_and_type(f.v, pg);
    assert_int_equal(pg->type_info, SDT | VAL);
    harness_audit(f.h);
    /* Any other type still changes it (and a writable one first needs no validation). */
    assert_true(get_page_type(f.v, pg, WRT));
    assert_int_equal(pg->type_info, WRT | VAL | 1);
    put_page_type(f.v, pg);
    harness_audit(f.h);
    harness_free(f.h);
}

/*
 * XSA-401/408: the TLB flush on a type change happens after the new type
 * reference is taken, and whether it happens depends on the *old* type:
 * leaving writable or page-table use flushes, a never-typed frame does not.
 */
static void xsa408_flush_decided_on_old_type(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, m);
    unsigned long n = f.h->nr_flushes;

    (void)state;
    assert_true(get_page_type(f.v, pg, WRT));     /* none -> writable */
    assert_int_equal(f.h->nr_flushes, n);
    put_page_type(f.v, pg);
    assert_true(get_page_type(f.v, pg, L1T));     /* writable -> L1 */
    assert_int_equal(f.h->nr_flushes, n + 1);
    assert_int_equal(f.h->last_flush_mask, 3);    /* the owner's online vCPUs */
    assert_int_equal(f.h->last_flush_va, PVMM_FLUSH_ALL_VA);
    put_page_type(f.v, pg);
    assert_true(get_page_type(f.v, pg, L1T));     /* L1 -> L1: revalidation, no flush */
    assert_int_equal(f.h->nr_flushes, n + 1);
    put_page_type(f.v, pg);
    assert_true(get_page_type(f.v, pg, WRT));     /* L1 -> writable */
    assert_int_equal(f.h->nr_flushes, n + 2);
    put_page_type(f.v, pg);
    harness_audit(f.h);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(type_state_table),
        cmocka_unit_test(type_change_only_at_count_zero),
        cmocka_unit_test(l2_used_as_l1_is_refused),
        cmocka_unit_test(count_overflow_refused),
        cmocka_unit_test(last_ref_devalidates),
        cmocka_unit_test(failed_validation_resets_type),
        cmocka_unit_test(seg_desc_not_devalidated),
        cmocka_unit_test(xsa408_flush_decided_on_old_type),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
