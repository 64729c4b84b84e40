/*
 * tests/test-cov-audit.c - auditor checks (core/audit.c, audit-refs.c) that
 * tests/test-audit.c's corruption table does not reach, and one more
 * clean state.
 *
 * Corruptions, made behind the core's back on a running address space:
 * another domain's frame or a writable or unvalidated same-level table in
 * an L2 entry, GDT frames that are foreign, of the wrong type or not
 * validated, a cycle in the free list, a free frame still mapped or held
 * as a deferred put.  Each
 * must be reported (with the check the test names among what the
 * auditor says); undoing it must audit clean again.  The clean state: a
 * deferred put of a linear entry (old_guest_table with old_guest_ptpg of
 * the same level) still counts as a linear use until it is finished.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 512

static const uint64_t RO = _PAGE_PRESENT | _PAGE_ACCESSED;
static const uint64_t UP = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;

struct fixture {
    struct harness *h;
    struct domain *d, *d2;
    struct vcpu *v;
    struct harness_as as;
    mfn_t l2b;          /* a second, pinned, empty L2 of d */
    mfn_t gdt;          /* d's GDT frame (vCPU 0, 16 entries) */
    mfn_t other;        /* an allocated frame of d2 */
};

static void setup(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    f->h = harness_new(NR_FRAMES);
    f->d = harness_domain(f->h, 1, false);
    f->d2 = harness_domain(f->h, 2, false);
    f->v = &f->d->vcpu[0];
    harness_build_running_as(f->h, f->v, &f->as, 2);
    f->l2b = harness_alloc(f->h, f->d);
    assert_int_equal(harness_mmuext(f->v, MMUEXT_PIN_L2_TABLE, f->l2b, 0), 0);
    f->gdt = harness_alloc(f->h, f->d);
    assert_int_equal(do_set_gdt(f->v, (uint64_t)(uintptr_t)&f->gdt, 16), 0);
    f->other = harness_alloc(f->h, f->d2);
    harness_audit(f->h);
}

/* The checks reported now, as a bit mask. */
static uint32_t reported(struct harness *h)
{
    struct pvmm_audit_report r;
    uint32_t mask = 0;
    unsigned int n = pvmm_audit(&h->s, h->audit_scratch, &r);

    assert_int_equal(n, r.nr_violations);
    for (unsigned int i = 0; i < r.nr_recorded; i++) {
        char line[256];

        mask |= 1U << r.v[i].check;
        assert_true(pvmm_audit_format(&r.v[i], line, sizeof(line)) > 0);
        if (getenv("PVMM_TEST_LOG"))
            printf("#   audit: %s\n", line);
    }
    return mask;
}

#define BIT(c) (1U << PVMM_AUDIT_##c)

struct corruption {
    const char *name;
    void (*corrupt)(struct fixture *f);
    void (*undo)(struct fixture *f);
    uint32_t must;                /* checks that must be reported */
    uint32_t may;                 /* checks the corruption may imply as well */
};

static intpte_t saved_entry;
static uint64_t saved_word;
static uint32_t saved_link;

static void foreign_in_l2(struct fixture *f)
{
    saved_entry = harness_pt(f->h, f->as.l2)[3];
    harness_pt(f->h, f->as.l2)[3] = pte_from_mfn(f->other, UP);
}
static void writable_linear_l2(struct fixture *f)
{
    saved_entry = harness_pt(f->h, f->as.l2)[3];
    harness_pt(f->h, f->as.l2)[3] = pte_from_mfn(f->l2b, UP);
}
static void linear_to_unvalidated_l2(struct fixture *f)
{
    saved_entry = harness_pt(f->h, f->as.l2)[3];
    saved_word = f->h->ft[f->l2b].type_info;
    harness_pt(f->h, f->as.l2)[3] = pte_from_mfn(f->l2b, RO | _PAGE_USER);
    f->h->ft[f->l2b].type_info &= ~PGT_validated;
}
static void undo_l2_entry(struct fixture *f)
{
    harness_pt(f->h, f->as.l2)[3] = saved_entry;
    if (saved_word)
        f->h->ft[f->l2b].type_info = saved_word;
    saved_word = 0;
}
/* A second GDT frame (entries 512..1023) that is not what it must be. */
static void foreign_gdt_frame(struct fixture *f)
{
    f->v->gdt_ents = 1024;
    f->v->gdt_frames[1] = f->other;
}
static void writable_gdt_frame(struct fixture *f)
{
    f->v->gdt_ents = 1024;
    f->v->gdt_frames[1] = f->as.data[0];
}
static void undo_gdt_frame(struct fixture *f)
{
    f->v->gdt_ents = 16;
    f->v->gdt_frames[1] = INVALID_MFN;
}
static void gdt_frame_not_validated(struct fixture *f)
{
    saved_word = f->h->ft[f->gdt].type_info;
    f->h->ft[f->gdt].type_info &= ~PGT_validated;
}
static void undo_gdt_type(struct fixture *f)
{
    f->h->ft[f->gdt].type_info = saved_word;
    saved_word = 0;
}
static void free_list_cycle(struct fixture *f)
{
    uint32_t head = f->h->s.free_head;

    saved_link = f->h->ft[head].next_free;
    f->h->ft[head].next_free = head;
}
static void undo_free_list_cycle(struct fixture *f)
{
    f->h->ft[f->h->s.free_head].next_free = saved_link;
}
static void free_frame_mapped(struct fixture *f)
{
    saved_entry = harness_pt(f->h, f->as.l1)[9];
    harness_pt(f->h, f->as.l1)[9] = pte_from_mfn(f->h->s.free_head, RO);
}
static void undo_free_frame_mapped(struct fixture *f)
{
    harness_pt(f->h, f->as.l1)[9] = saved_entry;
}
static void free_frame_held(struct fixture *f)
{
    f->v->old_guest_table = &f->h->ft[f->h->s.free_head];
}
static void undo_free_frame_held(struct fixture *f)
{
    f->v->old_guest_table = NULL;
}

static const struct corruption corruptions[] = {
    { "another domain's frame in an L2 entry", foreign_in_l2, undo_l2_entry,
      BIT(FORBIDDEN_MAPPING), 0 },
    { "writable same-level entry to another L2", writable_linear_l2, undo_l2_entry,
      BIT(BAD_LINEAR), 0 },
    { "linear entry to an L2 that is not validated", linear_to_unvalidated_l2, undo_l2_entry,
      BIT(NOT_VALIDATED), BIT(COUNT_MISMATCH) | BIT(TYPE_COUNT_MISMATCH) | BIT(LINEAR_COUNT) },
    { "another domain's frame as a GDT frame", foreign_gdt_frame, undo_gdt_frame,
      BIT(FORBIDDEN_MAPPING), 0 },
    { "a writable page as a GDT frame", writable_gdt_frame, undo_gdt_frame,
      BIT(NOT_VALIDATED), 0 },
    { "a GDT frame not validated", gdt_frame_not_validated, undo_gdt_type,
      BIT(NOT_VALIDATED), 0 },
    { "a cycle in the free list", free_list_cycle, undo_free_list_cycle,
      BIT(FREE_FRAME_STATE), 0 },
    { "a free frame still mapped", free_frame_mapped, undo_free_frame_mapped,
      BIT(FORBIDDEN_MAPPING), 0 },
    { "a free frame as a deferred put", free_frame_held, undo_free_frame_held,
      BIT(COUNT_MISMATCH), 0 },
};

static void test_corruptions(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(corruptions); i++) {
        const struct corruption *c = &corruptions[i];
        struct fixture f;
        uint32_t got;

        setup(&f);
        c->corrupt(&f);
        got = reported(f.h);
        if ((got & c->must) != c->must || (got & ~(c->must | c->may)))
            fail_msg("%s: expected 0x%x (+0x%x), got 0x%x", c->name, c->must, c->may, got);
        c->undo(&f);
        harness_audit(f.h);
        harness_free(f.h);
    }
}

/*
 * Removing a linear L2 entry defers the put of the L2 it named to
 * old_guest_table, with the table it was in as old_guest_ptpg: until the
 * continuation finishes the put, the auditor counts it as that table's
 * linear entry (and the named L2's linear use).
 */
static void test_deferred_linear_put_audits_clean(void **state)
{
    struct fixture f;
    struct mmu_update u;
    long rc;

    (void)state;
    setup(&f);
    assert_int_equal(harness_pt_update(f.v, f.as.l2, 3, pte_from_mfn(f.l2b, RO | _PAGE_USER)), 0);
    harness_audit(f.h);
    assert_int_equal(harness_type_count(f.h, f.l2b), 2);
    assert_int_equal(f.h->ft[f.as.l2].linear_pt_count, 1);

    u.ptr = (f.as.l2 << PAGE_SHIFT) + 3 * 8;
    u.val = 0;
    rc = do_mmu_update(f.v, (uint64_t)(uintptr_t)&u, 1, 0, DOMID_SELF);
    assert_int_equal(rc, 0);
    assert_true(f.v->cont.pending);
    assert_true(f.v->old_guest_table == &f.h->ft[f.l2b]);
    assert_true(f.v->old_guest_ptpg == &f.h->ft[f.as.l2]);
    assert_int_equal(harness_pt(f.h, f.as.l2)[3], 0);
    harness_audit(f.h);

    f.v->cont.pending = false;
    assert_int_equal(do_mmu_update(f.v, f.v->cont.args[0], (unsigned int)f.v->cont.args[1],
                                   f.v->cont.args[2], (unsigned int)f.v->cont.args[3]), 0);
    assert_false(f.v->cont.pending);
    assert_null(f.v->old_guest_table);
    assert_int_equal(harness_type_count(f.h, f.l2b), 1);
    assert_int_equal(f.h->ft[f.as.l2].linear_pt_count, 0);
    harness_audit(f.h);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corruptions),
        cmocka_unit_test(test_deferred_linear_put_audits_clean),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
