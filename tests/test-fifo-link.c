/*
 * tests/test-fifo-link.c - linking a FIFO event behind a queue tail the guest is changing
 * (hv/evtchn-fifo-link.h): the LINK is set only while the tail is LINKED, the other bits are
 * kept, and BUSY - which the hypervisor holds on the word while the guest keeps changing it,
 * as Xen does - is never left set.  A second thread plays the guest, masking and unmasking
 * the tail the way Linux does (its unmask waits while BUSY is set), or, as a hostile guest,
 * flipping MASKED regardless of BUSY.
 */
#include "harness.h"

#include <pthread.h>
#include <sched.h>
#include <stdio.h>

#include "../hv/evtchn-fifo-link.h"

#define W_PENDING (1U << EVTCHN_FIFO_PENDING)
#define W_MASKED  (1U << EVTCHN_FIFO_MASKED)
#define W_LINKED  (1U << EVTCHN_FIFO_LINKED)
#define W_BUSY    (1U << EVTCHN_FIFO_BUSY)
#define ROUNDS    1000000

/* Without a racing guest: DONE keeps every other bit, EMPTY changes nothing. */
static void link_alone(void **state)
{
    volatile event_word_t w = W_PENDING | W_MASKED | W_LINKED | 5;
    int busy = 1;

    (void)state;
    assert_int_equal(fifo_set_link(&w, 77, &busy), FIFO_LINK_DONE);
    assert_int_equal(w, W_PENDING | W_MASKED | W_LINKED | 77);
    assert_int_equal(busy, 0);
    w = W_PENDING | 9;
    assert_int_equal(fifo_set_link(&w, 77, &busy), FIFO_LINK_EMPTY);
    assert_int_equal(w, W_PENDING | 9);
    w = W_LINKED | W_BUSY;      /* a BUSY left by nobody is cleared by the swap that links */
    assert_int_equal(fifo_set_link(&w, EVTCHN_FIFO_LINK_MASK, NULL), FIFO_LINK_DONE);
    assert_int_equal(w, W_LINKED | EVTCHN_FIFO_LINK_MASK);
}

struct guest {
    volatile event_word_t *word;
    volatile int stop;
    volatile unsigned long toggles;
    bool hostile;
    unsigned long waits;        /* unmasks that found BUSY set */
};

/* Mask and unmask the word until told to stop: Linux's unmask (a compare-and-swap that
 * expects BUSY clear), or a hostile one that ignores BUSY. */
static void *guest_thread(void *arg)
{
    struct guest *g = arg;

    while (!g->stop) {
        __atomic_fetch_or(g->word, W_MASKED, __ATOMIC_SEQ_CST);
        if (g->hostile) {
            __atomic_fetch_and(g->word, ~W_MASKED, __ATOMIC_SEQ_CST);
            g->toggles++;
            continue;
        }
        event_word_t old = *g->word & ~W_BUSY;

        while (!__atomic_compare_exchange_n(g->word, &old, old & ~W_MASKED, false,
                                            __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
            if (old & W_BUSY)
                g->waits++;
            old &= ~W_BUSY;
        }
        g->toggles++;
    }
    return NULL;
}

/* ROUNDS links against the guest thread; returns how many were lost. */
static unsigned long race(bool hostile)
{
    volatile event_word_t w = W_LINKED | W_PENDING;
    struct guest g = { .word = &w, .hostile = hostile };
    unsigned long held = 0, lost = 0;
    pthread_t t;

    assert_int_equal(pthread_create(&t, NULL, guest_thread, &g), 0);
    while (!g.toggles)
        sched_yield();                              /* the guest is running */
    for (uint32_t i = 0; i < ROUNDS; i++) {
        uint32_t link = 1 + i % EVTCHN_FIFO_LINK_MASK;
        int busy;
        enum fifo_link_result r = fifo_set_link(&w, link, &busy);
        event_word_t now = w;

        held += busy;
        assert_false(now & W_BUSY);                 /* never left BUSY */
        assert_true(now & W_LINKED);                /* the guest never unlinks here */
        assert_int_equal(now & W_PENDING, W_PENDING);
        if (r == FIFO_LINK_LOST)
            lost++;
        else
            assert_int_equal(r, FIFO_LINK_DONE);
        if (r == FIFO_LINK_DONE)
            assert_int_equal(now & EVTCHN_FIFO_LINK_MASK, link);
    }
    g.stop = 1;
    pthread_join(t, NULL);
    print_message("%s guest: %lu of %u links held the word BUSY, %lu lost, the guest "
                  "waited on BUSY %lu times\n", hostile ? "hostile" : "Linux-like", held,
                  ROUNDS, lost, g.waits);
    return lost;
}

/* A guest that honours BUSY can make the hypervisor lose no event. */
static void link_against_linux_guest(void **state)
{
    (void)state;
    assert_int_equal(race(false), 0);
}

/* One that ignores it may (the event is lost, as on Xen), but BUSY is still never left. */
static void link_against_hostile_guest(void **state)
{
    (void)state;
    race(true);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(link_alone),
        cmocka_unit_test(link_against_linux_guest),
        cmocka_unit_test(link_against_hostile_guest),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
