/*
 * tests/test-cov-page-type.c - type references (core/page-type.c): the waits on
 * another vCPU and the defences against core bugs.
 *
 * Contention is made deterministic through the platform's cpu_relax hook,
 * which the core calls while it spins: the hook plays the other vCPU and
 * finishes what that vCPU was doing (releases its page lock, completes
 * its validation), so the spinning caller must then proceed correctly.
 *
 * The defences are the internal calls used wrongly, as only a bug in the
 * core could: an unknown type for validate/devalidate/get, a put without
 * a full type reference, a partial put on a state that is not partial,
 * a put of the lock holder's own reference, an unlock of a page that is
 * not locked.  Each must log an error, leave the counts alone and return
 * a safe value; the auditor checks the state after each.
 */
#include "harness.h"

#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 256

static const uint64_t RW = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;

static unsigned int nr_errors;
static char last_error[256];

static void capture_log(void *ctx, enum pvmm_log_level lvl, const char *msg)
{
    (void)ctx;
    if (lvl < PVMM_LOG_ERROR)
        return;
    nr_errors++;
    strncpy(last_error, msg, sizeof(last_error) - 1);
}

/* Exactly n errors were logged since the last check, the last one saying `what`. */
static void expect_errors(unsigned int n, const char *what)
{
    assert_int_equal(nr_errors, n);
    if (n && !strstr(last_error, what))
        fail_msg("logged '%s', expected '%s'", last_error, what);
    nr_errors = 0;
}

struct fixture {
    struct harness *h;
    struct domain *d;
    struct vcpu *v, *other;
    mfn_t l1;             /* a pinned L1: one type reference */
    mfn_t data;           /* mapped writable by the L1 */
    mfn_t spare;          /* an allocated, unmapped, untyped frame */
};

static struct fixture fx;

static void setup(void)
{
    memset(&fx, 0, sizeof(fx));
    fx.h = harness_new(NR_FRAMES);
    fx.h->plat.log = capture_log;
    nr_errors = 0;
    fx.d = harness_domain(fx.h, 1, false);
    fx.v = &fx.d->vcpu[0];
    fx.other = &fx.d->vcpu[1];
    fx.data = harness_alloc(fx.h, fx.d);
    fx.spare = harness_alloc(fx.h, fx.d);
    fx.l1 = harness_alloc(fx.h, fx.d);
    harness_pt(fx.h, fx.l1)[0] = pte_from_mfn(fx.data, RW);
    assert_int_equal(harness_mmuext(fx.v, MMUEXT_PIN_L1_TABLE, fx.l1, 0), 0);
    assert_int_equal(harness_type_count(fx.h, fx.l1), 1);
    harness_audit(fx.h);
}

/* Unpin the L1; it and what it maps go back to untyped. */
static void teardown(void)
{
    assert_int_equal(harness_mmuext(fx.v, MMUEXT_UNPIN_TABLE, fx.l1, 0), 0);
    assert_int_equal(harness_type_count(fx.h, fx.l1), 0);
    assert_int_equal(harness_type_count(fx.h, fx.data), 0);
    expect_errors(0, "");
    harness_audit(fx.h);
    harness_free(fx.h);
}

/* ---- contention, played by the cpu_relax hook ---- */

static unsigned int nr_relax;
static void (*on_relax)(void);

static void relax_hook(void *ctx)
{
    (void)ctx;
    nr_relax++;
    assert_true(nr_relax < 100);
    if (on_relax)
        on_relax();
}

static void other_unlocks(void)
{
    page_unlock(fx.other, &fx.h->ft[fx.l1]);
    on_relax = NULL;
}

/* page_lock waits while another vCPU holds the lock, then takes it. */
static void test_page_lock_waits_for_the_holder(void **state)
{
    struct page_info *pg;

    (void)state;
    setup();
    pg = &fx.h->ft[fx.l1];
    fx.h->plat.cpu_relax = relax_hook;
    nr_relax = 0;
    assert_true(page_lock(fx.other, pg));
    assert_true(pg->type_info & PGT_locked);
    on_relax = other_unlocks;
    assert_true(page_lock(fx.v, pg));
    assert_true(nr_relax >= 1);
    assert_null(on_relax);
    assert_true(pg->type_info & PGT_locked);
    assert_int_equal(harness_type_count(fx.h, fx.l1), 2);
    page_unlock(fx.v, pg);
    assert_false(pg->type_info & PGT_locked);
    harness_audit(fx.h);
    teardown();
}

static void other_finishes_validation(void)
{
    __atomic_fetch_or(&fx.h->ft[fx.l1].type_info, PGT_validated, __ATOMIC_RELEASE);
    on_relax = NULL;
}

/*
 * A type reference on a page another vCPU is still validating (type set,
 * count taken, not yet validated, not partial) waits for it to finish,
 * then is taken on the validated page without validating it again.
 */
static void test_get_type_waits_for_a_validation(void **state)
{
    struct page_info *pg;

    (void)state;
    setup();
    pg = &fx.h->ft[fx.l1];
    fx.h->plat.cpu_relax = relax_hook;
    nr_relax = 0;
    /* The other vCPU's validation in progress, as it looks from outside. */
    __atomic_fetch_and(&pg->type_info, ~PGT_validated, __ATOMIC_RELEASE);
    on_relax = other_finishes_validation;
    assert_int_equal(_get_page_type(fx.v, pg, PGT_l1_page_table, false), 0);
    assert_true(nr_relax >= 1);
    assert_int_equal(harness_type_count(fx.h, fx.l1), 2);
    assert_true(pg->type_info & PGT_validated);
    /* The data frame still has the one reference of the one validation. */
    assert_int_equal(harness_count(fx.h, fx.data), 2);
    put_page_type(fx.v, pg);
    harness_audit(fx.h);
    teardown();
}

/* ---- defences ---- */

/* Unknown types: nothing is validated, devalidated or typed. */
static void test_unknown_types_are_refused(void **state)
{
    struct page_info *pg;

    (void)state;
    setup();
    harness_expect_core_bugs(fx.h, 4);   /* each planted below */
    pg = &fx.h->ft[fx.spare];
    assert_int_equal(validate_page(fx.v, pg, PGT_writable_page, false), -XEN_EINVAL);
    expect_errors(1, "validate_page: bad type");
    assert_int_equal(pg->type_info, 0);
    assert_reason(fx.v, PVMM_RULE_VALIDATION_FAILED);
    harness_audit(fx.h);

    assert_int_equal(devalidate_page(fx.v, pg, PGT_seg_desc_page, false), 0);
    expect_errors(1, "devalidate_page: bad type");
    assert_int_equal(pg->type_info, 0);
    pg->nr_validated_ptes = 0;
    harness_audit(fx.h);

    reason_clear(fx.v, -1);
    assert_int_equal(_get_page_type(fx.v, pg, PGT_none, false), -XEN_EINVAL);
    expect_errors(1, "get_page_type: bad type");
    assert_reason(fx.v, PVMM_RULE_BAD_ARGUMENT);
    assert_int_equal(_get_page_type(fx.v, pg, PGT_l1_page_table | 1, false), -XEN_EINVAL);
    expect_errors(1, "get_page_type: bad type");
    assert_int_equal(pg->type_info, 0);
    harness_audit(fx.h);
    teardown();
}

/* Puts that have no reference of the kind they drop. */
static void test_puts_without_a_reference(void **state)
{
    struct page_info *data, *l1;
    uint64_t saved;

    (void)state;
    setup();
    harness_expect_core_bugs(fx.h, 3);   /* each planted below */
    data = &fx.h->ft[fx.spare];
    l1 = &fx.h->ft[fx.l1];

    /* An untyped page holds no full type reference. */
    assert_int_equal(_put_page_type(fx.v, data, 0, NULL), 0);
    expect_errors(1, "no full ref");
    assert_int_equal(data->type_info, 0);
    /* A partial put on a page that is not partial does nothing, silently. */
    assert_int_equal(_put_page_type(fx.v, l1, PTF_partial_set, NULL), 0);
    expect_errors(0, "");
    assert_int_equal(harness_type_count(fx.h, fx.l1), 1);
    harness_audit(fx.h);

    /* A writable type whose last reference went: validated, count 0. */
    assert_true(get_page_type(fx.v, data, PGT_writable_page));
    put_page_type(fx.v, data);
    assert_int_equal(data->type_info, PGT_writable_page | PGT_validated);
    assert_int_equal(_put_page_type(fx.v, data, 0, NULL), 0);
    expect_errors(1, "type count 0");
    assert_int_equal(data->type_info, PGT_writable_page | PGT_validated);
    harness_audit(fx.h);

    /* A partial state must hold exactly one type reference. */
    saved = l1->type_info;
    l1->type_info = PGT_pinned | PGT_l1_page_table | PGT_partial | 2;
    assert_int_equal(_put_page_type(fx.v, l1, PTF_partial_set, NULL), 0);
    expect_errors(1, "put_page_type: partial mfn");
    assert_int_equal(l1->type_info & PGT_count_mask, 2);
    l1->type_info = saved;
    harness_audit(fx.h);
    teardown();
}

/* The lock holder's own reference cannot be put; an unlocked page cannot be unlocked. */
static void test_lock_misuse(void **state)
{
    struct page_info *l1;

    (void)state;
    setup();
    harness_expect_core_bugs(fx.h, 4);   /* each planted below */
    l1 = &fx.h->ft[fx.l1];
    /* A lock bit on the last reference: a put would leave nothing for the unlock. */
    l1->type_info |= PGT_locked;
    assert_int_equal(_put_page_type(fx.v, l1, 0, NULL), -XEN_EILSEQ);
    expect_errors(1, "would drop the lock's ref");
    put_page_type(fx.v, l1);
    expect_errors(2, "put_page_type: rc");
    assert_int_equal(harness_type_count(fx.h, fx.l1), 1);
    l1->type_info &= ~PGT_locked;
    harness_audit(fx.h);

    /* Unlocking a page nobody locked keeps its reference and reports the bug. */
    page_unlock(fx.v, l1);
    expect_errors(1, "page_unlock: mfn");
    assert_int_equal(harness_type_count(fx.h, fx.l1), 1);
    assert_false(l1->type_info & PGT_locked);
    harness_audit(fx.h);
    teardown();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_page_lock_waits_for_the_holder),
        cmocka_unit_test(test_get_type_waits_for_a_validation),
        cmocka_unit_test(test_unknown_types_are_refused),
        cmocka_unit_test(test_puts_without_a_reference),
        cmocka_unit_test(test_lock_misuse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
