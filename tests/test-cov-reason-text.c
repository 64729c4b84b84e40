/*
 * tests/test-cov-reason-text.c - the plain-English reasons (core/reason-text.c) in
 * the forms the other tests do not reach.
 *
 * Reasons recorded by real failing calls are the starting point; their
 * fields are then varied to reach every sentence: each hypercall's name,
 * numbered hypercalls and sub-operations the text has no name for, every
 * owner ("dom_xen", "dom_io", "no domain"), decoded entry flags (PAT versus
 * PSE, GK, NX, numbered high bits), entries that are not present, entries
 * of descriptor pages, and the rule sentences that name types (wrong
 * level, free frame, bad frame, failed validation, not a page table).
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 256

static const uint64_t UP = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;

struct fixture {
    struct harness *h;
    struct domain *d;
    struct vcpu *v;
    struct harness_as as;
};

static void setup(struct fixture *f)
{
    f->h = harness_new(NR_FRAMES);
    f->d = harness_domain(f->h, 1, false);
    f->v = &f->d->vcpu[0];
    harness_build_running_as(f->h, f->v, &f->as, 2);
    harness_audit(f->h);
}

/* The text of r, which must contain every one of the NULL-terminated needles. */
static void expect_text(const struct pvmm_reason *r, ...)
{
    char buf[2048];
    const char *needle;
    va_list ap;

    assert_true(pvmm_reason_format(r, buf, sizeof(buf)) < sizeof(buf));
    va_start(ap, r);
    while ((needle = va_arg(ap, const char *)) != NULL)
        if (!strstr(buf, needle))
            fail_msg("'%s' not in:\n%s", needle, buf);
    va_end(ap);
}

/* The text of r must not contain needle. */
static void expect_no_text(const struct pvmm_reason *r, const char *needle)
{
    char buf[2048];

    pvmm_reason_format(r, buf, sizeof(buf));
    if (strstr(buf, needle))
        fail_msg("'%s' unexpectedly in:\n%s", needle, buf);
}

/*
 * A real reason: an L2 entry naming another L2 with linear page tables
 * turned off is a wrong-level entry, and the text says what the frame is
 * and what the entry needed.
 */
static void test_wrong_level_from_a_real_update(void **state)
{
    struct fixture f;
    struct pvmm_reason r;
    char want[96];

    (void)state;
    setup(&f);
    f.h->s.linear_pt = false;
    assert_int_equal(harness_pt_update(f.v, f.as.l2, 7, pte_from_mfn(f.as.l2, UP & ~_PAGE_RW)),
                     -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_WRONG_LEVEL);
    harness_audit(f.h);
    r = *pvmm_last_reason(f.v);
    snprintf(want, sizeof(want), "frame 0x%lx is an L2 page table, but this entry must point "
             "at an L1 page table", (unsigned long)f.as.l2);
    expect_text(&r, "mmu_update[0] NORMAL_PT_UPDATE failed: -EINVAL (wrong-level)", want,
                NULL);
    harness_free(f.h);
}

/* Every hypercall the text names, and ones it does not. */
static void test_hypercall_and_sub_op_names(void **state)
{
    static const struct { int nr; const char *name; } calls[] = {
        { __HYPERVISOR_update_descriptor, "update_descriptor failed" },
        { __HYPERVISOR_multicall, "multicall failed" },
        { __HYPERVISOR_update_va_mapping, "update_va_mapping failed" },
        { __HYPERVISOR_grant_table_op, "grant_table_op failed" },
        { __HYPERVISOR_vm_assist, "vm_assist failed" },
        { __HYPERVISOR_update_va_mapping_otherdomain, "update_va_mapping_otherdomain failed" },
        { __HYPERVISOR_vcpu_op, "vcpu_op failed" },
        { 99, "hypercall 99 failed" },
        { -1, "operation failed" },
    };
    struct fixture f;
    struct pvmm_reason r;

    (void)state;
    setup(&f);
    /* Pinning a data frame (mapped writable) as an L2: a real reason to start from. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L2_TABLE, f.as.data[0], 0), -XEN_EINVAL);
    harness_audit(f.h);
    r = *pvmm_last_reason(f.v);
    expect_text(&r, "mmuext_op[0] PIN_L2_TABLE failed", NULL);
    for (size_t i = 0; i < ARRAY_SIZE(calls); i++) {
        r.hypercall = calls[i].nr;
        r.op_index = -1;
        r.sub_op = -1;
        expect_text(&r, calls[i].name, NULL);
    }
    /* Sub-operations beyond the tables, and of calls that have none. */
    r.hypercall = __HYPERVISOR_mmuext_op;
    r.op_index = 3;
    r.sub_op = 99;
    expect_text(&r, "mmuext_op[3] sub-op 99 failed", NULL);
    r.hypercall = __HYPERVISOR_update_va_mapping;
    r.op_index = -1;
    r.sub_op = 2;
    expect_text(&r, "update_va_mapping sub-op 2 failed", NULL);
    r.hypercall = __HYPERVISOR_memory_op;
    r.sub_op = XENMEM_populate_physmap;
    expect_text(&r, "memory_op populate_physmap failed", NULL);
    harness_free(f.h);
}

/* Owners as the text names them. */
static void test_owner_names(void **state)
{
    struct fixture f;
    struct pvmm_reason r;

    (void)state;
    setup(&f);
    /* An unprivileged domain mapping I/O frame 3: a real foreign-frame reason. */
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 40, pte_from_mfn(3, _PAGE_PRESENT)),
                     -XEN_EPERM);
    harness_audit(f.h);
    r = *pvmm_last_reason(f.v);
    expect_text(&r, "(iomem-denied)", "owner dom_io", NULL);
    r.rule = PVMM_RULE_NOT_OWNER;
    r.owner = DOMID_XEN;
    expect_text(&r, "frame 0x3 belongs to dom_xen, not to the domain that uses it", NULL);
    r.owner = PVMM_OWNER_NONE;
    expect_text(&r, "belongs to no domain", NULL);
    r.owner = DOMID_IO;
    expect_text(&r, "belongs to dom_io", NULL);
    r.owner = 3;
    expect_text(&r, "belongs to d3", "frame 0x3 mid-operation: owner d3", NULL);
    harness_free(f.h);
}

/* Entry decoding: levels, flags, not-present entries, descriptor pages. */
static void test_entries_and_flags(void **state)
{
    struct fixture f;
    struct pvmm_reason r;

    (void)state;
    setup(&f);
    /* A writable mapping of the L2 in L1 slot 41: writable-pagetable, a real reason. */
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 41, pte_from_mfn(f.as.l2, UP)),
                     -XEN_EBUSY);
    assert_reason(f.v, PVMM_RULE_WRITABLE_PAGETABLE);
    harness_audit(f.h);
    r = *pvmm_last_reason(f.v);
    expect_text(&r, "path: L1 0x", "[41]", NULL);
    /* The same entry named as the offending one. */
    r.table = f.as.l1;
    r.level = 1;
    r.index = 41;
    r.entry = pte_from_mfn(f.as.l2, UP);
    expect_text(&r, "entry 41 of L1 frame", "flags P RW U A D)", NULL);

    /* Bit 7 is PAT in an L1 entry and PSE above; GK, NX and other high bits. */
    r.entry = pte_from_mfn(0x12, _PAGE_PRESENT | _PAGE_PAT | (1UL << 52) | (1UL << 55) |
                                 _PAGE_NX | _PAGE_GLOBAL | (7UL << 9));
    expect_text(&r, "(frame 0x12, flags P PAT G AVL0 AVL1 AVL2 GK bit55 NX)", NULL);
    r.level = 2;
    expect_text(&r, "of L2 frame", "flags P PSE G", NULL);
    /* A not-present entry is only said to be so. */
    r.entry = 0x1234000;
    expect_text(&r, "is 0x1234000 (not present)", NULL);
    expect_no_text(&r, "(frame 0x1234");
    /*
     * Level 0 outside the descriptor rules is an ordinary page (mmu_update
     * on a frame that is no page table); its entries are not decoded.
     */
    r.level = 0;
    r.entry = 0x00cf9b000000ffffUL;
    expect_text(&r, "of page frame", "is 0xcf9b000000ffff", NULL);
    expect_no_text(&r, "flags");
    /* For a descriptor rule, level 0 is a descriptor page. */
    r.rule = PVMM_RULE_BAD_DESCRIPTOR;
    expect_text(&r, "of descriptor page frame", "is 0xcf9b000000ffff", NULL);
    expect_no_text(&r, "flags");
    r.rule = PVMM_RULE_WRITABLE_PAGETABLE;
    /* An index without a table. */
    r.table = INVALID_MFN;
    r.index = 5;
    expect_text(&r, "entry 5 is 0xcf9b000000ffff", NULL);
    harness_free(f.h);
}

/* The rule sentences that describe the frame's type. */
static void test_rule_sentences(void **state)
{
    struct fixture f;
    struct pvmm_reason r;
    char want[128];

    (void)state;
    setup(&f);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, f.as.data[1], 0), -XEN_EINVAL);
    harness_audit(f.h);
    r = *pvmm_last_reason(f.v);
    r.frame = 0x42;

    r.rule = PVMM_RULE_FREE_FRAME;
    expect_text(&r, "frame 0x42 is free: it has no owner and no references", NULL);
    r.rule = PVMM_RULE_BAD_MFN;
    expect_text(&r, "frame 0x42 is not valid machine memory", NULL);
    r.rule = PVMM_RULE_VALIDATION_FAILED;
    r.want_type = PGT_l3_page_table;
    expect_text(&r, "frame 0x42 cannot be validated as an L3 page table: an entry failed "
                "validation", NULL);
    r.rule = PVMM_RULE_NOT_PAGETABLE;
    r.type_info = PGT_seg_desc_page | PGT_validated | 1;
    expect_text(&r, "frame 0x42 is a descriptor page (seg_desc), not a validated page table",
                "type seg_desc count 1, validated", NULL);
    r.rule = PVMM_RULE_WRONG_LEVEL;
    r.type_info = PGT_none;
    r.want_type = PGT_l1_page_table;
    expect_text(&r, "frame 0x42 is an untyped page (none), but this entry must point at an L1",
                NULL);
    /* A generic rule without a frame says only the rule. */
    r.rule = PVMM_RULE_BUSY;
    r.frame = INVALID_MFN;
    snprintf(want, sizeof(want), "Frame is being changed by another operation\n");
    expect_text(&r, want, NULL);
    expect_no_text(&r, "(frame 0x");
    /* Snapshot flags: pinned, partial, locked, shared. */
    r.frame = 0x42;
    r.type_info = PGT_shared_page | PGT_pinned | PGT_partial | PGT_locked | 2;
    r.count_info = PGC_allocated | 3;
    expect_text(&r, "count 3 (allocated), type shared count 2, pinned, partial, locked", NULL);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_wrong_level_from_a_real_update),
        cmocka_unit_test(test_hypercall_and_sub_op_names),
        cmocka_unit_test(test_owner_names),
        cmocka_unit_test(test_entries_and_flags),
        cmocka_unit_test(test_rule_sentences),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
