/*
 * tests/test-cov-frame-table.c - the frame table's set-up calls and its defences
 * (core/frame-table.c) in the cases the other tests do not reach.
 *
 * The embedder's calls (pvmm_add_ram, pvmm_reserve_frame,
 * pvmm_share_xen_page) refuse frames that are not what they must be - out
 * of range, in use, already shared - and leave the state untouched.  The
 * reference-count primitives refuse what would break the invariants: a
 * put on a frame with no references logs and does nothing, and a
 * referenced frame whose owner is unknown gives no reference.  Every case
 * checks the core's error log line and audits the state.
 */
#include "harness.h"

#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 256

/* The last error the core logged, and how many. */
static char last_error[256];
static unsigned int nr_errors;

static void capture_log(void *ctx, enum pvmm_log_level lvl, const char *msg)
{
    (void)ctx;
    if (lvl < PVMM_LOG_ERROR)
        return;
    nr_errors++;
    strncpy(last_error, msg, sizeof(last_error) - 1);
}

static struct harness *new_machine(void)
{
    struct harness *h = harness_new(NR_FRAMES);

    h->plat.log = capture_log;
    nr_errors = 0;
    last_error[0] = '\0';
    return h;
}

/* Exactly one error was logged since the last check, and it says `what`. */
static void expect_error(const char *what)
{
    assert_int_equal(nr_errors, 1);
    if (!strstr(last_error, what))
        fail_msg("logged '%s', expected '%s'", last_error, what);
    nr_errors = 0;
}

/* A frame the embedder cannot give as RAM or reserve twice. */
static void test_setup_calls_refuse_wrong_frames(void **state)
{
    struct harness *h = new_machine();
    struct domain *d = harness_domain(h, 1, false);
    uint64_t nr_free = h->s.nr_free;
    mfn_t used = harness_alloc(h, d);
    mfn_t xen = NR_FRAMES - 3;
    struct page_info before;

    (void)state;
    harness_audit(h);
    /* Frames beyond the machine are skipped silently, by every call. */
    pvmm_add_ram(&h->s, NR_FRAMES - 1, 10);
    expect_error("pvmm_add_ram: mfn ff is not unused I/O memory");
    pvmm_reserve_frame(&h->s, NR_FRAMES + 7);
    pvmm_share_xen_page(&h->s, NR_FRAMES + 7, d, true);
    assert_int_equal(nr_errors, 0);
    assert_int_equal(h->s.nr_free, nr_free - 1);
    harness_audit(h);

    /* RAM that is already RAM is not added again. */
    pvmm_add_ram(&h->s, used, 1);
    expect_error("is not unused I/O memory");
    assert_int_equal(h->s.nr_free, nr_free - 1);

    /* A frame in use by a domain cannot become the hypervisor's. */
    before = h->ft[used];
    pvmm_reserve_frame(&h->s, used);
    expect_error("pvmm_reserve_frame: mfn");
    assert_memory_equal(&h->ft[used], &before, sizeof(before));
    assert_int_equal(h->ft[used].owner, 1);
    harness_audit(h);

    /* A hypervisor frame is shared once; a domain's frame never. */
    pvmm_reserve_frame(&h->s, xen);
    assert_int_equal(nr_errors, 0);
    assert_int_equal(h->ft[xen].owner, DOMID_XEN);
    pvmm_share_xen_page(&h->s, xen, d, false);
    assert_int_equal(nr_errors, 0);
    assert_int_equal(h->ft[xen].owner, 1);
    harness_audit(h);
    before = h->ft[xen];
    pvmm_share_xen_page(&h->s, xen, d, true);
    expect_error("pvmm_share_xen_page: mfn fd is not an unused hypervisor frame");
    assert_memory_equal(&h->ft[xen], &before, sizeof(before));
    before = h->ft[used];
    pvmm_share_xen_page(&h->s, used, d, true);
    expect_error("is not an unused hypervisor frame");
    assert_memory_equal(&h->ft[used], &before, sizeof(before));
    /* Reserving it again: it belongs to d now. */
    pvmm_reserve_frame(&h->s, xen);
    expect_error("is in use");
    assert_int_equal(h->ft[xen].owner, 1);
    harness_audit(h);
    harness_free(h);
}

/* A put with no reference to drop is refused, not wrapped around. */
static void test_put_page_without_reference(void **state)
{
    struct harness *h = new_machine();
    mfn_t free_mfn = h->s.free_head;
    uint64_t nr_free = h->s.nr_free;

    (void)state;
    harness_expect_core_bugs(h, 1);
    assert_int_equal(h->ft[free_mfn].count_info, 0);
    put_page(&h->s, &h->ft[free_mfn]);
    expect_error("put_page: mfn");
    assert_int_equal(h->ft[free_mfn].count_info, 0);
    assert_int_equal(h->s.nr_free, nr_free);
    assert_int_equal(h->s.free_head, free_mfn);
    harness_audit(h);
    harness_free(h);
}

/*
 * A frame with references whose owner is no domain (a broken invariant,
 * XSA-287's): taking a reference fails and leaves the count as it was.
 */
static void test_reference_to_a_frame_of_no_known_owner(void **state)
{
    struct harness *h = new_machine();
    struct domain *d = harness_domain(h, 1, false);
    mfn_t m = harness_alloc(h, d);
    uint64_t count = h->ft[m].count_info;

    (void)state;
    harness_expect_core_bugs(h, 2);
    harness_audit(h);
    h->ft[m].owner = 0x1234;   /* not a domain id at all */
    assert_null(page_get_owner_and_reference(&h->s, &h->ft[m]));
    expect_error("has references but no owner");
    assert_int_equal(h->ft[m].count_info, count);
    assert_false(get_page(&h->s, &h->ft[m], d));
    expect_error("has references but no owner");
    assert_int_equal(h->ft[m].count_info, count);
    h->ft[m].owner = 1;
    assert_true(get_page(&h->s, &h->ft[m], d));
    assert_int_equal(h->ft[m].count_info, count + 1);
    put_page(&h->s, &h->ft[m]);
    assert_int_equal(nr_errors, 0);
    harness_audit(h);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_setup_calls_refuse_wrong_frames),
        cmocka_unit_test(test_put_page_without_reference),
        cmocka_unit_test(test_reference_to_a_frame_of_no_known_owner),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
