/*
 * tests/test-reason.c - rejection reasons (core/reason.c, reason-text.c,
 * rmap-search.c): rule names, recording (innermost wins, snapshots, bounded
 * paths), the plain-English text, and the search for the writable mapping
 * that blocks a type change (L1 slot and virtual address).
 */
#include "harness.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 256

static const uint64_t RW = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
static const uint64_t UP = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;

/* ---- names ---- */

static void test_rule_names_round_trip(void **state)
{
    (void)state;
    for (int i = 0; i < PVMM_RULE_COUNT; i++) {
        const char *n = pvmm_rule_name(i);

        assert_int_equal(pvmm_rule_from_name(n), i);
        assert_true(strlen(pvmm_rule_text(i)) > 0);
        /* Lower-case, digits and hyphens, as scenario files write them. */
        for (const char *p = n; *p; p++)
            assert_true(islower((unsigned char)*p) || isdigit((unsigned char)*p) || *p == '-');
        for (int j = 0; j < i; j++)
            assert_true(strcmp(n, pvmm_rule_name(j)) != 0);
    }
    assert_string_equal(pvmm_rule_name(PVMM_RULE_TYPE_CONFLICT), "type-conflict");
    assert_string_equal(pvmm_rule_name(PVMM_RULE_WRITABLE_PAGETABLE), "writable-pagetable");
    assert_int_equal(pvmm_rule_from_name("linear-rw"), PVMM_RULE_LINEAR_RW);
    assert_int_equal(pvmm_rule_from_name("no-such-rule"), -1);
    assert_int_equal(pvmm_rule_from_name(""), -1);
    assert_int_equal(pvmm_rule_from_name(NULL), -1);
    assert_string_equal(pvmm_rule_name(PVMM_RULE_COUNT), "unknown-rule");
}

/* ---- text ---- */

static struct pvmm_reason blank(void)
{
    struct pvmm_reason r;

    memset(&r, 0, sizeof(r));
    r.frame = INVALID_MFN;
    r.table = INVALID_MFN;
    r.index = -1;
    r.owner = PVMM_OWNER_NONE;
    r.blocker_l1 = INVALID_MFN;
    r.blocker_va = ~0UL;
    r.hypercall = -1;
    r.op_index = -1;
    r.sub_op = -1;
    return r;
}

struct text_case {
    const char *name;
    struct pvmm_reason r;
    const char *text;
};

static void test_reason_text(void **state)
{
    struct text_case cases[6];
    struct pvmm_reason r;

    (void)state;
    /* A type conflict with the blocking writable mapping and the path. */
    r = blank();
    r.rc = -XEN_EINVAL;
    r.rule = PVMM_RULE_TYPE_CONFLICT;
    r.frame = 0x1234;
    r.type_info = PGT_writable_page | PGT_validated | 1;
    r.count_info = PGC_allocated | 2;
    r.owner = 1;
    r.want_type = PGT_seg_desc_page;
    r.have_blocker = true;
    r.blocker_l1 = 0x1200;
    r.blocker_slot = 37;
    r.blocker_va = 0x25000;
    r.hypercall = __HYPERVISOR_mmuext_op;
    r.op_index = 0;
    r.sub_op = MMUEXT_PIN_L4_TABLE;
    r.path_len = 4;
    r.path[0] = (struct pvmm_reason_step){ 0x1000, 4, 0 };
    r.path[1] = (struct pvmm_reason_step){ 0x1001, 3, 0 };
    r.path[2] = (struct pvmm_reason_step){ 0x1002, 2, 3 };
    r.path[3] = (struct pvmm_reason_step){ 0x1003, 1, 17 };
    cases[0] = (struct text_case){ "type conflict", r,
        "mmuext_op[0] PIN_L4_TABLE failed: -EINVAL (type-conflict)\n"
        "frame 0x1234 is in use as a writable page (type count 1) and cannot become "
        "a descriptor page (seg_desc)\n"
        "blocked by the writable mapping in L1 frame 0x1200, slot 37 (virtual address 0x25000)\n"
        "path: L4 0x1000[0] -> L3 0x1001[0] -> L2 0x1002[3] -> L1 0x1003[17]\n"
        "frame 0x1234 mid-operation: owner d1, count 2 (allocated), type writable count 1, validated" };

    /* An offending entry with decoded flags, no sub-op known. */
    r = blank();
    r.rc = -XEN_EINVAL;
    r.rule = PVMM_RULE_DISALLOWED_FLAGS;
    r.table = 0x33;
    r.level = 2;
    r.index = 5;
    r.entry = 0x8010000000044097UL;   /* NX, GK, frame 0x44, P RW U PCD PSE */
    r.hypercall = __HYPERVISOR_mmu_update;
    r.op_index = 2;
    cases[1] = (struct text_case){ "entry flags", r,
        "mmu_update[2] failed: -EINVAL (disallowed-flags)\n"
        "Entry sets flags that are not allowed at this level\n"
        "entry 5 of L2 frame 0x33 is 0x8010000000044097 (frame 0x44, flags P RW U PCD PSE GK NX)" };

    /* A blocker that no L4 reaches; no hypercall context. */
    r = blank();
    r.rc = -XEN_EBUSY;
    r.rule = PVMM_RULE_WRITABLE_PAGETABLE;
    r.frame = 0x50;
    r.type_info = PGT_l1_page_table | PGT_validated | PGT_pinned | 1;
    r.count_info = PGC_allocated | 3;
    r.owner = 0;
    r.table = 0x51;
    r.level = 1;
    r.index = 0;
    r.entry = 0x50063;
    cases[2] = (struct text_case){ "writable page table", r,
        "operation failed: -EBUSY (writable-pagetable)\n"
        "frame 0x50 is in use as an L1 page table (type count 1) and cannot be mapped writable\n"
        "entry 0 of L1 frame 0x51 is 0x50063 (frame 0x50, flags P RW A D)\n"
        "frame 0x50 mid-operation: owner d0, count 3 (allocated), type L1 count 1, validated, pinned" };

    r = blank();
    r.rc = -XEN_ESRCH;
    r.rule = PVMM_RULE_BAD_DOMID;
    r.hypercall = __HYPERVISOR_mmuext_op;
    cases[3] = (struct text_case){ "no frame", r,
        "mmuext_op failed: -ESRCH (bad-domid)\n"
        "No such domain, or own numeric id given instead of DOMID_SELF" };

    r = blank();
    r.rc = -XEN_EINVAL;
    r.rule = PVMM_RULE_NOT_OWNER;
    r.frame = 0x77;
    r.owner = DOMID_IO;
    r.count_info = PGC_allocated | 1;
    r.type_info = PGT_writable_page | PGT_validated | 1;
    r.hypercall = __HYPERVISOR_memory_op;
    r.sub_op = XENMEM_decrease_reservation;
    cases[4] = (struct text_case){ "owner", r,
        "memory_op decrease_reservation failed: -EINVAL (not-owner)\n"
        "frame 0x77 belongs to dom_io, not to the domain that uses it\n"
        "frame 0x77 mid-operation: owner dom_io, count 1 (allocated), type writable count 1, validated" };

    r = blank();
    cases[5] = (struct text_case){ "nothing", r, "no failure recorded" };

    for (size_t i = 0; i < ARRAY_SIZE(cases); i++) {
        char b[1024];
        size_t n = pvmm_reason_format(&cases[i].r, b, sizeof(b));

        if (strcmp(b, cases[i].text) != 0)
            fail_msg("%s:\n got: %s\nwant: %s", cases[i].name, b, cases[i].text);
        assert_int_equal(n, strlen(cases[i].text));
        /* Truncated output stays terminated and reports the wanted length. */
        assert_int_equal(pvmm_reason_format(&cases[i].r, b, 12), n);
        assert_int_equal(strlen(b), n < 11 ? n : 11);
        assert_int_equal(pvmm_reason_format(&cases[i].r, NULL, 0), n);
    }
}

/* ---- recording ---- */

static void test_reject_innermost_wins(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 0, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t m = harness_alloc(h, d);
    const struct pvmm_reason *r = pvmm_last_reason(v);

    (void)state;
    reason_clear(v, __HYPERVISOR_mmu_update);
    assert_int_equal(r->rule, PVMM_RULE_NONE);
    assert_int_equal(r->hypercall, __HYPERVISOR_mmu_update);
    reason_set_op_index(v, 3);
    reason_set_sub_op(v, MMU_NORMAL_PT_UPDATE);

    /* The inner failure is recorded, with a snapshot of the frame. */
    assert_int_equal(REJECT(v, EINVAL, WRONG_LEVEL, .frame = m, .table = 0x40, .level = 2,
                            .index = 9, .entry = 0x1234,
                            .want_type = PGT_l1_page_table), -XEN_EINVAL);
    /* The outer one only returns its rc. */
    assert_int_equal(REJECT(v, EBUSY, VALIDATION_FAILED, .frame = 0x40, .table = 0x41, .level = 3,
                            .index = 1, .want_type = PGT_l2_page_table), -XEN_EBUSY);
    assert_int_equal(r->rule, PVMM_RULE_WRONG_LEVEL);
    assert_int_equal(r->rc, -XEN_EINVAL);
    assert_int_equal(r->frame, m);
    assert_int_equal(r->table, 0x40);
    assert_int_equal(r->level, 2);
    assert_int_equal(r->index, 9);
    assert_int_equal(r->entry, 0x1234);
    assert_int_equal(r->want_type, PGT_l1_page_table);
    assert_int_equal(r->owner, 0);
    assert_int_equal(r->count_info, PGC_allocated | 1);
    assert_int_equal(r->type_info, 0);
    assert_int_equal(r->op_index, 3);
    assert_int_equal(r->sub_op, MMU_NORMAL_PT_UPDATE);
    assert_false(r->have_blocker);

    /* Paths are prepended as the error propagates and are bounded. */
    reason_add_path(v, 0x41, 3, 1);
    reason_add_path(v, 0x42, 4, 0);
    assert_int_equal(r->path_len, 2);
    assert_int_equal(r->path[0].table, 0x42);
    assert_int_equal(r->path[1].table, 0x41);
    for (int i = 0; i < 10; i++)
        reason_add_path(v, 0x100 + i, 4, i);
    assert_int_equal(r->path_len, PVMM_REASON_PATH_MAX);
    assert_int_equal(r->path[PVMM_REASON_PATH_MAX - 1].table, 0x41);

    /* An invalid frame gets no snapshot; a new operation starts clean. */
    reason_clear(v, __HYPERVISOR_mmuext_op);
    assert_int_equal(r->path_len, 0);
    assert_int_equal(r->op_index, -1);
    assert_false(v->cont.pending);
    REJECT(v, EINVAL, BAD_MFN, .frame = NR_FRAMES + 5);
    assert_int_equal(r->rule, PVMM_RULE_BAD_MFN);
    assert_int_equal(r->owner, PVMM_OWNER_NONE);
    assert_int_equal(r->count_info, 0);
    harness_audit(h);
    harness_free(h);
}

/* ---- the writable mapping that blocks a type change ---- */

static void test_blocker_in_running_as(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 0, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    struct pvmm_reason r;
    char b[1024], want[160];
    long rc;

    (void)state;
    harness_build_running_as(h, v, &as, 4);

    /* Direct search: data[2] is mapped writable at L1 slot 2, VA 0x2000. */
    r = (struct pvmm_reason){ .blocker_l1 = INVALID_MFN };
    assert_true(find_writable_mapping(&h->s, d, as.data[2], &r));
    assert_true(r.have_blocker);
    assert_int_equal(r.blocker_l1, as.l1);
    assert_int_equal(r.blocker_slot, 2);
    assert_int_equal(r.blocker_va, 0x2000);
    /* Read-only mappings do not block anything. */
    assert_false(find_writable_mapping(&h->s, d, as.l2, &r));

    /* Through the core: pinning a writably mapped frame as an L1 names the blocker. */
    rc = harness_mmuext(v, MMUEXT_PIN_L1_TABLE, as.data[1], 0);
    assert_int_equal(rc, -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_TYPE_CONFLICT);
    assert_true(pvmm_last_reason(v)->have_blocker);
    pvmm_reason_format(pvmm_last_reason(v), b, sizeof(b));
    snprintf(want, sizeof(want), "blocked by the writable mapping in L1 frame 0x%lx, slot 1 "
             "(virtual address 0x1000)", (unsigned long)as.l1);
    if (!strstr(b, want))
        fail_msg("missing blocker line in:\n%s", b);
    assert_non_null(strstr(b, "mmuext_op[0]"));
    assert_non_null(strstr(b, "failed: -EINVAL (type-conflict)"));
    assert_non_null(strstr(b, "is in use as a writable page (type count 1)"));
    harness_audit(h);
    harness_free(h);
}

/*
 * The VA is sign-extended from the upper half, the vCPU's base is preferred
 * over another L4 reaching the same L1, and a blocker in an L1 that no L4
 * reaches has no VA.
 */
static void test_blocker_va(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 0, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    struct pvmm_reason r;
    mfn_t other_l4, l3b, l2b, l1b, x, y, lone_l1, z;

    (void)state;
    other_l4 = harness_alloc(h, d);          /* lower frame number than the base */
    harness_build_as(h, d, &as, 1);
    l3b = harness_alloc(h, d);
    l2b = harness_alloc(h, d);
    l1b = harness_alloc(h, d);
    x = harness_alloc(h, d);
    y = harness_alloc(h, d);
    harness_pt(h, as.l4)[511] = pte_from_mfn(l3b, UP);
    harness_pt(h, l3b)[510] = pte_from_mfn(l2b, UP);
    harness_pt(h, l2b)[509] = pte_from_mfn(l1b, UP);
    harness_pt(h, l1b)[5] = pte_from_mfn(x, RW);
    harness_pt(h, as.l1)[77] = pte_from_mfn(y, RW);
    /* The other L4 reaches the base's L3 through slot 7. */
    harness_pt(h, other_l4)[7] = pte_from_mfn(as.l3, UP);
    assert_int_equal(pvmm_pin_table(v, as.l4, 4), 0);
    assert_int_equal(pvmm_new_baseptr(v, as.l4), 0);
    assert_int_equal(pvmm_pin_table(v, other_l4, 4), 0);
    harness_audit(h);

    r = (struct pvmm_reason){ .blocker_l1 = INVALID_MFN };
    assert_true(find_writable_mapping(&h->s, d, x, &r));
    assert_int_equal(r.blocker_l1, l1b);
    assert_int_equal(r.blocker_slot, 5);
    assert_int_equal(r.blocker_va, 0xffffffffbfa05000UL);   /* 511, 510, 509, 5 */

    /* Reached from the base at slot 0 and from the other L4 at slot 7: the base wins. */
    r = (struct pvmm_reason){ .blocker_l1 = INVALID_MFN };
    assert_true(find_writable_mapping(&h->s, d, y, &r));
    assert_int_equal(r.blocker_slot, 77);
    assert_int_equal(r.blocker_va, 77UL << PAGE_SHIFT);

    /* A pinned L1 that no L2 references. */
    lone_l1 = harness_alloc(h, d);
    z = harness_alloc(h, d);
    harness_pt(h, lone_l1)[9] = pte_from_mfn(z, RW);
    assert_int_equal(pvmm_pin_table(v, lone_l1, 1), 0);
    harness_audit(h);
    r = (struct pvmm_reason){ .blocker_l1 = INVALID_MFN };
    assert_true(find_writable_mapping(&h->s, d, z, &r));
    assert_int_equal(r.blocker_l1, lone_l1);
    assert_int_equal(r.blocker_slot, 9);
    assert_int_equal(r.blocker_va, ~0UL);
    {
        char b[512];

        r.rc = -XEN_EINVAL;
        r.rule = PVMM_RULE_TYPE_CONFLICT;
        r.frame = z;
        r.table = INVALID_MFN;
        r.index = -1;
        r.hypercall = -1;
        r.op_index = -1;
        r.sub_op = -1;
        pvmm_reason_format(&r, b, sizeof(b));
        assert_non_null(strstr(b, "(not reachable from any L4 of the domain)"));
    }
    /* The search leaves every count as it found it. */
    harness_audit(h);

    /* A table locked by someone else is skipped, not waited for, and left locked. */
    h->ft[lone_l1].type_info += PGT_locked | 1;
    r = (struct pvmm_reason){ .blocker_l1 = INVALID_MFN };
    assert_false(find_writable_mapping(&h->s, d, z, &r));
    assert_false(r.have_blocker);
    assert_true(h->ft[lone_l1].type_info & PGT_locked);
    h->ft[lone_l1].type_info -= PGT_locked | 1;
    harness_audit(h);

    /* Another domain's tables are not searched. */
    assert_false(find_writable_mapping(&h->s, harness_domain(h, 1, false), z, &r));
    harness_free(h);
}

/* ---- the blocker search's work budget ---- */

static void *(*real_map_frame)(void *ctx, mfn_t mfn);
static unsigned long nr_maps;

static void *counting_map_frame(void *ctx, mfn_t mfn)
{
    nr_maps++;
    return real_map_frame(ctx, mfn);
}

/*
 * A domain with more validated L1s (below the blocker's) than the budget
 * covers: the search stops within RMAP_SEARCH_BUDGET (each table read costs
 * 512 units, so it maps at most budget/512 tables), reports "exhausted"
 * instead of a blocker, and the failing request still names the rule.  With
 * a realistic number of L1s the blocker is found.
 */
/* qsort's order of two frame numbers. */
static int cmp_mfn(const void *a, const void *b)
{
    mfn_t x = *(const mfn_t *)a, y = *(const mfn_t *)b;

    return x < y ? -1 : x > y;
}

static void test_blocker_search_budget(void **state)
{
    enum { NR_L1 = RMAP_SEARCH_BUDGET / L1_PAGETABLE_ENTRIES + 100, KEEP = 100 };
    struct harness *h = harness_new(NR_L1 + 64);
    struct domain *d = harness_domain(h, 0, false);
    struct vcpu *v = &d->vcpu[0];
    static mfn_t l1s[NR_L1];
    mfn_t bl, target;
    struct pvmm_reason r;
    char b[1024];
    long rc;

    (void)state;
    /* The blocker is the highest frame, after every L1 in the search's order. */
    for (unsigned int i = 0; i < NR_L1; i++)
        l1s[i] = harness_alloc(h, d);
    bl = harness_alloc(h, d);
    target = harness_alloc(h, d);
    for (unsigned int i = 0; i < NR_L1; i++) {
        mfn_t t;

        if (l1s[i] > bl) {
            t = bl;
            bl = l1s[i];
            l1s[i] = t;
        }
    }
    qsort(l1s, NR_L1, sizeof(l1s[0]), cmp_mfn);
    for (unsigned int i = 0; i < NR_L1; i++)
        assert_int_equal(pvmm_pin_table(v, l1s[i], 1), 0);
    assert_true(bl > l1s[NR_L1 - 1]);
    harness_pt(h, bl)[3] = pte_from_mfn(target, RW);
    assert_int_equal(pvmm_pin_table(v, bl, 1), 0);
    harness_audit(h);

    real_map_frame = h->plat.map_frame;
    h->plat.map_frame = counting_map_frame;

    /* Direct search: stops at the budget, finds nothing, says why. */
    nr_maps = 0;
    r = blank();
    assert_false(find_writable_mapping(&h->s, d, target, &r));
    assert_false(r.have_blocker);
    assert_true(r.blocker_search_exhausted);
    assert_true(nr_maps > 0);
    assert_true(nr_maps <= RMAP_SEARCH_BUDGET / L1_PAGETABLE_ENTRIES);

    /* Through the core: the failure keeps its rule and errno; the text says why no blocker. */
    nr_maps = 0;
    rc = harness_mmuext(v, MMUEXT_PIN_L1_TABLE, target, 0);
    assert_int_equal(rc, -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(pvmm_last_reason(v)->frame, target);
    assert_false(pvmm_last_reason(v)->have_blocker);
    assert_true(pvmm_last_reason(v)->blocker_search_exhausted);
    assert_true(nr_maps <= RMAP_SEARCH_BUDGET / L1_PAGETABLE_ENTRIES + 8);
    pvmm_reason_format(pvmm_last_reason(v), b, sizeof(b));
    if (!strstr(b, "a writable mapping exists; search budget exhausted"))
        fail_msg("missing budget line in:\n%s", b);
    harness_audit(h);

    /* With KEEP L1s below the blocker's, it is found again. */
    for (unsigned int i = KEEP; i < NR_L1; i++)
        assert_int_equal(harness_mmuext(v, MMUEXT_UNPIN_TABLE, l1s[i], 0), 0);
    harness_audit(h);
    rc = harness_mmuext(v, MMUEXT_PIN_L1_TABLE, target, 0);
    assert_int_equal(rc, -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_TYPE_CONFLICT);
    assert_true(pvmm_last_reason(v)->have_blocker);
    assert_false(pvmm_last_reason(v)->blocker_search_exhausted);
    assert_int_equal(pvmm_last_reason(v)->blocker_l1, bl);
    assert_int_equal(pvmm_last_reason(v)->blocker_slot, 3);
    assert_int_equal(pvmm_last_reason(v)->blocker_va, ~0UL);
    pvmm_reason_format(pvmm_last_reason(v), b, sizeof(b));
    assert_null(strstr(b, "budget"));
    harness_audit(h);

    /* A blocker found whose VA the budget did not reach says so. */
    r = blank();
    r.rc = -XEN_EINVAL;
    r.rule = PVMM_RULE_TYPE_CONFLICT;
    r.have_blocker = true;
    r.blocker_l1 = bl;
    r.blocker_slot = 3;
    r.blocker_search_exhausted = true;
    pvmm_reason_format(&r, b, sizeof(b));
    assert_non_null(strstr(b, "(virtual address unknown: search budget exhausted)"));

    h->plat.map_frame = real_map_frame;
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rule_names_round_trip),
        cmocka_unit_test(test_reason_text),
        cmocka_unit_test(test_reject_innermost_wins),
        cmocka_unit_test(test_blocker_in_running_as),
        cmocka_unit_test(test_blocker_va),
        cmocka_unit_test(test_blocker_search_budget),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
