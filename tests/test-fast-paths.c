/*
 * tests/test-fast-paths.c - every inline fast path (core/fast-paths.h) is
 * the exact special case of its general version.
 *
 * For a table of type_info and count_info words (every type, every flag
 * combination, counts 0, 1, 2 and at the ceiling, every kind of owner) and
 * of L1 entries, each fast path runs on a frame in that state; then the
 * frame is put back and the general version runs on the same state.  Where
 * the fast path succeeds, the general version must succeed the same way
 * and leave the same words; where it declines, it must have changed
 * nothing.  Paths whose inline form already falls back to the general one
 * (page_lock, page_lock_type, page_unlock, put_page, get_page_from_l1e,
 * get_page_from_gfn_pv) must give the general version's result in every
 * state.
 */
#include "harness.h"

#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 64

/* The words of a frame that a path may change. */
struct words {
    uint64_t count_info, type_info;
    domid_t owner;
    uint32_t stamp;
};

static struct words get_words(const struct page_info *pg)
{
    return (struct words){ pg->count_info, pg->type_info, pg->owner, pg->tlbflush_timestamp };
}

static void set_words(struct page_info *pg, struct words w)
{
    pg->count_info = w.count_info;
    pg->type_info = w.type_info;
    pg->owner = w.owner;
    pg->tlbflush_timestamp = w.stamp;
}

static void assert_same_words(struct words a, struct words b, const char *what, struct words w0)
{
    if (a.count_info != b.count_info || a.type_info != b.type_info || a.owner != b.owner ||
        a.stamp != b.stamp)
        fail_msg("%s from caf %lx taf %lx owner %x: fast gave caf %lx taf %lx stamp %x, "
                 "general caf %lx taf %lx stamp %x", what, (unsigned long)w0.count_info,
                 (unsigned long)w0.type_info, w0.owner, (unsigned long)a.count_info,
                 (unsigned long)a.type_info, a.stamp, (unsigned long)b.count_info,
                 (unsigned long)b.type_info, b.stamp);
}

static const unsigned long types[] = {
    PGT_none, PGT_l1_page_table, PGT_l2_page_table, PGT_l4_page_table, PGT_seg_desc_page,
    PGT_writable_page,
};
static const uint64_t type_flags[] = {
    0, PGT_validated, PGT_validated | PGT_pinned, PGT_partial, PGT_validated | PGT_partial,
    PGT_locked | PGT_validated, PGT_locked | PGT_validated | PGT_pinned,
};
static const uint64_t type_counts[] = { 0, 1, 2, 3, PGT_count_mask - 1, PGT_count_mask };

/* Call fn(f, pg, w0) for every type word, with count_info PGC_allocated | 2 and owner d. */
static void for_each_type_word(struct harness_fx *f, struct page_info *pg,
                               void (*fn)(struct harness_fx *, struct page_info *, struct words))
{
    const domid_t owners[] = { f->d->domain_id, DOMID_XEN };

    for (size_t o = 0; o < ARRAY_SIZE(owners); o++)
        for (size_t t = 0; t < ARRAY_SIZE(types); t++)
            for (size_t fl = 0; fl < ARRAY_SIZE(type_flags); fl++)
                for (size_t c = 0; c < ARRAY_SIZE(type_counts); c++) {
                    struct words w0 = {
                        .count_info = PGC_allocated | 2,
                        .type_info = types[t] | type_flags[fl] | type_counts[c],
                        .owner = owners[o],
                        .stamp = 7,
                    };

                    set_words(pg, w0);
                    fn(f, pg, w0);
                }
}

/* get_page_type_fast against _get_page_type, for three requested types. */
static void get_type_pair(struct harness_fx *f, struct page_info *pg, struct words w0)
{
    const unsigned long want[] = { PGT_writable_page, PGT_l1_page_table, PGT_seg_desc_page };

    for (size_t i = 0; i < ARRAY_SIZE(want); i++) {
        struct words fast;

        set_words(pg, w0);
        if (!get_page_type_fast(pg, want[i])) {
            assert_same_words(get_words(pg), w0, "declined get_page_type_fast", w0);
            continue;
        }
        fast = get_words(pg);
        set_words(pg, w0);
        assert_int_equal(_get_page_type(f->v, pg, want[i], false), 0);
        assert_same_words(fast, get_words(pg), "get_page_type", w0);
    }
}

/* put_page_type_fast against _put_page_type(flags 0, no containing table). */
static void put_type_pair(struct harness_fx *f, struct page_info *pg, struct words w0)
{
    struct words fast;

    f->s->tlbflush_clock = 42;
    if (!put_page_type_fast(f->s, pg)) {
        assert_same_words(get_words(pg), w0, "declined put_page_type_fast", w0);
        return;
    }
    fast = get_words(pg);
    set_words(pg, w0);
    assert_int_equal(_put_page_type(f->v, pg, 0, NULL), 0);
    assert_same_words(fast, get_words(pg), "put_page_type", w0);
}

/*
 * page_lock and page_lock_type against page_lock_slow (plus the type check
 * and unlock), and page_unlock against page_unlock_slow.  The general
 * versions wait while another holder has the lock, so locked words are
 * only used for the unlock pair, and only where an unlock is legal.
 */
static void lock_pairs(struct harness_fx *f, struct page_info *pg, struct words w0)
{
    struct words fast;
    bool rf, rg;

    if (w0.owner == DOMID_XEN)
        return;
    if (w0.type_info & PGT_locked) {
        if ((w0.type_info & PGT_count_mask) < 2)
            return;
        page_unlock(f->v, pg);
        fast = get_words(pg);
        set_words(pg, w0);
        page_unlock_slow(f->v, pg);
        assert_same_words(fast, get_words(pg), "page_unlock", w0);
        return;
    }
    rf = page_lock(f->v, pg);
    fast = get_words(pg);
    set_words(pg, w0);
    rg = page_lock_slow(f->v, pg);
    assert_int_equal(rf, rg);
    assert_same_words(fast, get_words(pg), "page_lock", w0);

    set_words(pg, w0);
    rf = page_lock_type(f->v, pg, PGT_l1_page_table);
    fast = get_words(pg);
    set_words(pg, w0);
    rg = page_lock_slow(f->v, pg);
    if (rg && (pg->type_info & PGT_type_mask) != PGT_l1_page_table) {
        page_unlock(f->v, pg);
        rg = false;
    }
    assert_int_equal(rf, rg);
    assert_same_words(fast, get_words(pg), "page_lock_type", w0);
}

static void test_type_references_and_locks(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, m);
    struct words saved = get_words(pg);

    (void)state;
    for_each_type_word(&f, pg, get_type_pair);
    for_each_type_word(&f, pg, put_type_pair);
    for_each_type_word(&f, pg, lock_pairs);
    set_words(pg, saved);
    harness_audit(f.h);
    harness_free(f.h);
}

/* put_page against put_page_slow for every count that is not the last reference. */
static void test_general_references(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    mfn_t m = harness_alloc(f.h, f.d);
    struct page_info *pg = harness_page(&f, m);
    struct words saved = get_words(pg);
    const uint64_t counts[] = { 2, 3, PGC_count_mask - 1, PGC_count_mask };
    const uint64_t flags[] = { 0, PGC_allocated };

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(counts); i++)
        for (size_t j = 0; j < ARRAY_SIZE(flags); j++) {
            struct words w0 = saved, fast;

            w0.count_info = flags[j] | counts[i];
            set_words(pg, w0);
            put_page(f.s, pg);
            fast = get_words(pg);
            set_words(pg, w0);
            put_page_slow(f.s, pg);
            assert_same_words(fast, get_words(pg), "put_page", w0);
        }
    set_words(pg, saved);
    harness_audit(f.h);
    harness_free(f.h);
}

/* Frames an L1 entry may name, each in a state the fast path may or may not take. */
struct target {
    const char *name;
    mfn_t mfn;
    uint64_t type_info;   /* written before each run, unless ~0 */
};

/*
 * get_page_from_l1e against get_page_from_l1e_slow, and get_page_from_gfn_pv
 * against its slow version, over entries (flags) and target frames.
 */
static void test_l1_entries_and_gfns(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    struct domain *other = harness_domain(f.h, 2, false);
    struct target targets[] = {
        { "own, untyped", harness_alloc(f.h, f.d), 0 },
        { "own, idle writable", harness_alloc(f.h, f.d), PGT_writable_page | PGT_validated },
        { "own, writable in use", harness_alloc(f.h, f.d),
          PGT_writable_page | PGT_validated | 1 },
        { "own, an L1", harness_alloc(f.h, f.d), PGT_l1_page_table | PGT_validated | 1 },
        { "another domain's", harness_alloc(f.h, other), 0 },
        { "I/O memory", 3, ~0UL },
        { "beyond memory", NR_FRAMES + 5, ~0UL },
    };
    const uint64_t entry_flags[] = {
        _PAGE_PRESENT, _PAGE_PRESENT | _PAGE_RW, _PAGE_PRESENT | _PAGE_USER | _PAGE_RW,
        _PAGE_PRESENT | _PAGE_PCD, _PAGE_PRESENT | _PAGE_PAT | _PAGE_RW,
        _PAGE_PRESENT | _PAGE_GLOBAL, _PAGE_PRESENT | _PAGE_NX | _PAGE_RW,
    };
    struct domain *pg_owners[] = { f.d, other };

    (void)state;
    for (size_t t = 0; t < ARRAY_SIZE(targets); t++) {
        struct target *tg = &targets[t];
        bool valid = tg->mfn < NR_FRAMES;
        struct page_info *pg = valid ? harness_page(&f, tg->mfn) : NULL;
        struct words w0 = { 0 };

        if (valid && tg->type_info != ~0UL)
            pg->type_info = tg->type_info;
        if (valid)
            w0 = get_words(pg);
        for (size_t e = 0; e < ARRAY_SIZE(entry_flags); e++)
            for (size_t o = 0; o < ARRAY_SIZE(pg_owners); o++) {
                intpte_t l1e = (tg->mfn << PAGE_SHIFT) | entry_flags[e];
                struct words fast = { 0 };
                enum pvmm_rule fast_rule;
                uint64_t fast_foreign;
                int rf, rg;

                reason_clear(f.v, -1);
                rf = get_page_from_l1e(f.v, l1e, f.d, pg_owners[o]);
                fast_rule = f.v->reason.rule;
                fast_foreign = other->nr_foreign_maps;
                other->nr_foreign_maps = 0;
                if (valid) {
                    fast = get_words(pg);
                    set_words(pg, w0);
                }
                reason_clear(f.v, -1);
                rg = get_page_from_l1e_slow(f.v, l1e, f.d, pg_owners[o]);
                /* Both count a mapping of the other domain's frame as a foreign one. */
                assert_int_equal(fast_foreign, other->nr_foreign_maps);
                assert_int_equal(other->nr_foreign_maps,
                                 rg == 0 && valid && tg->type_info != ~0UL && o == 1);
                other->nr_foreign_maps = 0;
                if (rf != rg || fast_rule != f.v->reason.rule)
                    fail_msg("%s, entry %lx: fast path %d (%s), general %d (%s)", tg->name,
                             (unsigned long)l1e, rf, pvmm_rule_name(fast_rule), rg,
                             pvmm_rule_name(f.v->reason.rule));
                if (valid) {
                    assert_same_words(fast, get_words(pg), tg->name, w0);
                    set_words(pg, w0);
                }
            }
        for (size_t o = 0; o < ARRAY_SIZE(pg_owners); o++) {
            struct page_info *rf, *rg;
            struct words fast = { 0 };

            rf = get_page_from_gfn_pv(f.v, pg_owners[o], tg->mfn);
            if (valid) {
                fast = get_words(pg);
                set_words(pg, w0);
            }
            rg = get_page_from_gfn_pv_slow(f.v, pg_owners[o], tg->mfn);
            assert_ptr_equal(rf, rg);
            if (valid) {
                assert_same_words(fast, get_words(pg), tg->name, w0);
                set_words(pg, w0);
            }
        }
        if (valid && tg->type_info != ~0UL)
            pg->type_info = 0;
    }
    harness_audit(f.h);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_type_references_and_locks),
        cmocka_unit_test(test_general_references),
        cmocka_unit_test(test_l1_entries_and_gfns),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
