/*
 * tests/test-page-lock.c - page_lock/page_unlock (core/page-type.c; model.md
 * §2.6): the lock only works on validated typed pages, carries a type
 * reference, and is never left holding the last one (XSA-242).
 */
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 64
#define L1T PGT_l1_page_table
#define VAL PGT_validated

/*
 * XSA-242: page_unlock() must never drop the last type reference (it does no
 * devalidation).  A put that would leave only the lock's reference waits
 * (here: -EINTR when preempted), and page_lock only works on validated pages.
 */
static void xsa242_unlock_never_drops_last_ref(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t l1 = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, l1);

    (void)state;
    assert_false(page_lock(f.v, pg));   /* not a validated typed page */
    assert_true(get_page_type(f.v, pg, L1T));
    assert_true(page_lock(f.v, pg));
    assert_int_equal(pg->type_info, L1T | VAL | PGT_locked | 2);
    f.h->preempt_every = true;
    assert_int_equal(_put_page_type(f.v, pg, PTF_preemptible, NULL), -XEN_EINTR);
    f.h->preempt_every = false;
    assert_int_equal(pg->type_info, L1T | VAL | PGT_locked | 2);
    page_unlock(f.v, pg);
    assert_int_equal(pg->type_info, L1T | VAL | 1);
    put_page_type(f.v, pg);
    assert_int_equal(pg->type_info, L1T);   /* devalidated by the put, not the unlock */
    harness_audit(f.h);
    harness_free(f.h);
}

struct racer {
    struct harness_fx *f;
    struct page_info *pg;
    int rc;
};

static void *put_racer(void *arg)
{
    struct racer *r = arg;
    struct vcpu *v = &r->f->d->vcpu[1];

    r->rc = _put_page_type(v, r->pg, 0, NULL);
    return NULL;
}

/* XSA-242 with a real second CPU: the put waits for the unlock, then devalidates. */
static void xsa242_put_waits_for_unlock(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t l1 = harness_alloc(f.h, f.d);
    struct racer r = { .f = &f, .pg = harness_page(&f, l1), .rc = -1 };
    pthread_t t;

    (void)state;
    assert_true(get_page_type(f.v, r.pg, L1T));
    assert_true(page_lock(f.v, r.pg));
    assert_int_equal(pthread_create(&t, NULL, put_racer, &r), 0);
    for (int i = 0; i < 1000; i++)
        sched_yield();
    /* Still locked and referenced: the put is waiting. */
    assert_int_equal(__atomic_load_n(&r.pg->type_info, __ATOMIC_ACQUIRE),
                     L1T | VAL | PGT_locked | 2);
    page_unlock(f.v, r.pg);
    pthread_join(t, NULL);
    assert_int_equal(r.rc, 0);
    assert_int_equal(r.pg->type_info, L1T);
    harness_audit(f.h);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(xsa242_unlock_never_drops_last_ref),
        cmocka_unit_test(xsa242_put_waits_for_unlock),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
