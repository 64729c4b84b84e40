/*
 * tests/test-empty-runs.c - passing runs of empty entries in the validation loops
 * (next_present_entry, prev_present_entry in core/validate-l1.c).
 *
 * Both must find exactly the present entry the plain one-by-one scan finds, from every
 * starting index, whatever the pattern (entries at the edges of the groups of eight they test
 * at once, a single entry, none, all).  A pin and unpin of a tree with sparse tables then
 * leaves every count as the auditor expects.
 */
#include "harness.h"

#include <string.h>

#include "../core/mm.h"

/* The first present entry from i on by plain scan, or 512. */
static unsigned int plain_next(const intpte_t *pt, unsigned int i)
{
    while (i < L1_PAGETABLE_ENTRIES && !(pt[i] & _PAGE_PRESENT))
        i++;
    return i;
}

/* The last present entry at i or below by plain scan, or -1. */
static int plain_prev(const intpte_t *pt, int i)
{
    while (i >= 0 && !(pt[i] & _PAGE_PRESENT))
        i--;
    return i;
}

static void check_pattern(const unsigned int *present, unsigned int n)
{
    static intpte_t pt[L1_PAGETABLE_ENTRIES];

    memset(pt, 0, sizeof(pt));
    for (unsigned int k = 0; k < n; k++)
        pt[present[k]] = ((intpte_t)(present[k] + 100) << PAGE_SHIFT) | _PAGE_PRESENT;
    /* A non-present entry with other bits set is still empty. */
    if (!(pt[9] & _PAGE_PRESENT))
        pt[9] = 0x1234000UL | _PAGE_RW;
    for (unsigned int i = 0; i <= L1_PAGETABLE_ENTRIES; i++)
        assert_int_equal(next_present_entry(pt, i), plain_next(pt, i));
    for (int i = -1; i < (int)L1_PAGETABLE_ENTRIES; i++)
        assert_int_equal(prev_present_entry(pt, i), plain_prev(pt, i));
}

static void runs_match_a_plain_scan(void **state)
{
    static const unsigned int none[1], edges[] = { 0, 7, 8, 15, 16, 23, 255, 256, 504, 511 };
    static const unsigned int one_low[] = { 0 }, one_mid[] = { 300 }, one_high[] = { 511 };
    unsigned int all[L1_PAGETABLE_ENTRIES], every9[60], n9 = 0;

    (void)state;
    for (unsigned int i = 0; i < L1_PAGETABLE_ENTRIES; i++)
        all[i] = i;
    for (unsigned int i = 1; i < L1_PAGETABLE_ENTRIES; i += 9)
        every9[n9++] = i;
    check_pattern(none, 0);
    check_pattern(edges, ARRAY_SIZE(edges));
    check_pattern(one_low, 1);
    check_pattern(one_mid, 1);
    check_pattern(one_high, 1);
    check_pattern(all, L1_PAGETABLE_ENTRIES);
    check_pattern(every9, n9);
}

/* Sparse L1, L2, L3: pin and unpin take and give back exactly the references. */
static void sparse_tables_pin_and_unpin(void **state)
{
    struct harness_fx f = harness_fx_new(256);
    mfn_t l4 = harness_alloc(f.h, f.d), l3 = harness_alloc(f.h, f.d);
    mfn_t l2 = harness_alloc(f.h, f.d), l1 = harness_alloc(f.h, f.d);
    mfn_t data[3];
    struct mmuext_op op;

    (void)state;
    for (unsigned int i = 0; i < 3; i++)
        data[i] = harness_alloc(f.h, f.d);
    harness_pt(f.h, l4)[9] = pte_from_mfn(l3, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
    harness_pt(f.h, l3)[500] = pte_from_mfn(l2, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
    harness_pt(f.h, l2)[8] = pte_from_mfn(l1, _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
    harness_pt(f.h, l1)[7] = pte_from_mfn(data[0], _PAGE_PRESENT | _PAGE_RW);
    harness_pt(f.h, l1)[8] = pte_from_mfn(data[1], _PAGE_PRESENT);
    harness_pt(f.h, l1)[511] = pte_from_mfn(data[2], _PAGE_PRESENT | _PAGE_RW);
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_PIN_L4_TABLE;
    op.arg1.mfn = l4;
    assert_int_equal(harness_mmuext_op(f.v, &op, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(harness_type_count(f.h, data[0]), 1);
    assert_int_equal(harness_type_count(f.h, data[1]), 0);
    assert_int_equal(harness_type_count(f.h, data[2]), 1);
    assert_int_equal(harness_count(f.h, data[1]), 2);
    assert_int_equal(harness_type(f.h, l1), PGT_l1_page_table);
    harness_audit(f.h);
    op.cmd = MMUEXT_UNPIN_TABLE;
    assert_int_equal(harness_mmuext_op(f.v, &op, 1, NULL, DOMID_SELF), 0);
    for (unsigned int i = 0; i < 3; i++) {
        assert_int_equal(harness_type_count(f.h, data[i]), 0);
        assert_int_equal(harness_count(f.h, data[i]), 1);
    }
    assert_int_equal(harness_type_count(f.h, l1), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runs_match_a_plain_scan),
        cmocka_unit_test(sparse_tables_pin_and_unpin),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
