/*
 * tests/test-core-bug.c - a core bug is a failure, not a log line
 * (core/core-bug.c; docs/model.md §11).
 *
 * A planted ASSERT_UNREACHABLE_RET is recorded in the state with its site,
 * the auditor reports it, and the unit harness fails the test on it unless
 * the test announced it.  The simulator, the fuzzer and the stress test
 * fail on the auditor's report; tests/planted-core-bug.sh shows each of
 * them failing on a core bug planted in do_mmu_update.
 */
#include "harness.h"
#include <string.h>
#include "../core/mm.h"

#define NR_FRAMES 64

/* A function with a planted core bug; the line of the bug is returned in *line. */
static int planted(struct pvmm_state *s, int rc, int *line)
{
    *line = __LINE__ + 1;
    ASSERT_UNREACHABLE_RET(s, rc, "planted by the test (%d)", rc);
}

/* The macro records the bug (count and first site) and returns its value. */
static void test_macro_records_and_returns(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    int line;

    (void)state;
    harness_expect_core_bugs(h, 2);
    assert_int_equal(pvmm_core_bugs(&h->s), 0);
    assert_int_equal(planted(&h->s, -XEN_EILSEQ, &line), -XEN_EILSEQ);
    assert_int_equal(pvmm_core_bugs(&h->s), 1);
    assert_non_null(strstr(h->s.core_bug_file, "test-core-bug.c"));
    assert_int_equal(h->s.core_bug_line, line);
    /* A second one is counted; the first site is kept. */
    CORE_BUG(&h->s, "second");
    assert_int_equal(pvmm_core_bugs(&h->s), 2);
    assert_int_equal(h->s.core_bug_line, line);
    harness_free(h);
}

/* The auditor reports a core bug as a violation of its own. */
static void test_auditor_reports_it(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct pvmm_audit_report r;
    int line;

    (void)state;
    harness_expect_core_bugs(h, 1);
    assert_int_equal(pvmm_audit(&h->s, h->audit_scratch, &r), 0);
    planted(&h->s, 0, &line);
    assert_int_equal(pvmm_audit(&h->s, h->audit_scratch, &r), 1);
    assert_int_equal(r.v[0].check, PVMM_AUDIT_CORE_BUG);
    assert_int_equal(r.v[0].actual, 1);
    harness_free(h);
}

/*
 * The harness: an unannounced core bug fails harness_audit (it counts) and
 * harness_free (the count is not the expected one); announced, both pass.
 */
static void test_harness_fails_unless_expected(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    int line;

    (void)state;
    assert_true(harness_core_bugs_as_expected(h));
    planted(&h->s, 0, &line);
    assert_false(harness_core_bugs_as_expected(h));
    assert_int_equal(harness_audit_count(h), 1);
    harness_expect_core_bugs(h, 1);
    assert_true(harness_core_bugs_as_expected(h));
    assert_int_equal(harness_audit_count(h), 0);
    /* More than announced fails again. */
    planted(&h->s, 0, &line);
    assert_false(harness_core_bugs_as_expected(h));
    assert_int_equal(harness_audit_count(h), 1);
    harness_expect_core_bugs(h, 2);
    harness_audit(h);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_macro_records_and_returns),
        cmocka_unit_test(test_auditor_reports_it),
        cmocka_unit_test(test_harness_fails_unless_expected),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
