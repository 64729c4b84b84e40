/*
 * tests/test-validate.c - per-level entry validation (core/validate-l1.c,
 * core/validate-l234.c; model.md §3.1-§3.3, §3.8, model.md §10).
 *
 * Every row builds a fresh table holding one entry, pins it (which
 * validates it) or writes the entry into a live table with mmu_update, and
 * checks the error code, the recorded reason, the stored entry and the
 * reference counts; the auditor runs after every change.
 *
 * XSA-273 (L1TF: unsafe not-present entries) is out of scope: pvmm has no
 * L1TF model, so not-present entries are never inspected.
 */
#include "validate-helpers.h"

/* The entry Xen stores for a present guest entry e at `level` (model.md §3.8). */
static intpte_t expect_adjusted(int level, intpte_t e)
{
    if (!(e & _PAGE_PRESENT))
        return e;
    switch (level) {
    case 1:
        if (!(e & _PAGE_USER))
            e |= BIT52 | _PAGE_USER;
        if (!(e & BIT52))
            e |= _PAGE_GLOBAL | _PAGE_USER;
        return e;
    case 4:
        return e | _PAGE_ACCESSED | _PAGE_USER;
    default:
        return e | _PAGE_USER;
    }
}

/* ---- one row per flag bit per level ---- */

enum { L1_PRIV = 0 };   /* column 0: an L1 of a privileged domain (I/O rights) */

struct flag_row {
    const char *name;
    intpte_t bit;
    int rc[5];                 /* per column: L1 privileged, L1, L2, L3, L4 */
    enum pvmm_rule rule[5];
};

#define OK4   { 0, 0, 0, 0, 0 }
#define OKR   { PVMM_RULE_NONE, PVMM_RULE_NONE, PVMM_RULE_NONE, PVMM_RULE_NONE, PVMM_RULE_NONE }
#define EINV  (-XEN_EINVAL)
#define DIS   PVMM_RULE_DISALLOWED_FLAGS
#define NONE  PVMM_RULE_NONE
#define HIGH(n) { "bit " #n, 1UL << (n), OK4, OKR }

static const struct flag_row flag_rows[] = {
    { "RW",       _PAGE_RW,       OK4, OKR },
    { "USER",     _PAGE_USER,     OK4, OKR },
    { "PWT",      _PAGE_PWT,      { 0, EINV, EINV, EINV, EINV }, { NONE, DIS, DIS, DIS, DIS } },
    { "PCD",      _PAGE_PCD,      { 0, EINV, EINV, EINV, EINV }, { NONE, DIS, DIS, DIS, DIS } },
    { "ACCESSED", _PAGE_ACCESSED, OK4, OKR },
    { "DIRTY",    _PAGE_DIRTY,    OK4, OKR },
    /* Bit 7 is PAT at L1 and PSE above: no superpages (XSA-148). */
    { "PAT/PSE",  _PAGE_PSE,      { 0, EINV, EINV, EINV, EINV },
      { NONE, DIS, PVMM_RULE_SUPERPAGE, PVMM_RULE_SUPERPAGE, DIS } },
    { "GLOBAL",   _PAGE_GLOBAL,   { 0, 0, EINV, EINV, EINV }, { NONE, NONE, DIS, DIS, DIS } },
    { "AVAIL0",   1UL << 9,       OK4, OKR },
    { "AVAIL1",   1UL << 10,      OK4, OKR },
    { "AVAIL2",   1UL << 11,      OK4, OKR },
    HIGH(52), HIGH(53), HIGH(54), HIGH(55), HIGH(56), HIGH(57), HIGH(58), HIGH(59),
    HIGH(60), HIGH(61), HIGH(62),
    { "NX",       _PAGE_NX,       OK4, OKR },
};

/*
 * Build a table of `level` whose entry 0 maps a fresh child (a data frame
 * for L1, an empty table of the level below otherwise) with P | bit.
 */
static void flag_case(struct harness *h, struct vcpu *v, int level, const struct flag_row *r,
                      int col)
{
    mfn_t t = harness_alloc(h, v->domain);
    mfn_t child = harness_alloc(h, v->domain);
    intpte_t e = pte_from_mfn(child, _PAGE_PRESENT | r->bit);
    long rc;

    harness_pt(h, t)[0] = e;
    rc = pin(v, t, level);
    harness_audit(h);
    if (rc != r->rc[col])
        fail_msg("%s at L%d (column %d): rc %ld, expected %d", r->name, level, col, rc,
                 r->rc[col]);
    if (rc) {
        assert_reason(v, r->rule[col]);
        assert_int_equal(pvmm_last_reason(v)->rc, rc);
        /* Nothing may be left behind by the failed validation. */
        assert_int_equal(harness_type_count(h, t), 0);
        assert_int_equal(harness_count(h, child), 1);
        assert_int_equal(harness_type_count(h, child), 0);
        return;
    }
    if (harness_pt(h, t)[0] != expect_adjusted(level, e))
        fail_msg("%s at L%d: stored %#llx, expected %#llx", r->name, level,
                 (unsigned long long)harness_pt(h, t)[0],
                 (unsigned long long)expect_adjusted(level, e));
    /* Allocation + the entry; a writable L1 entry also holds a writable type. */
    assert_int_equal(harness_count(h, child), 2);
    if (level == 1)
        assert_int_equal(harness_type_count(h, child), (r->bit == _PAGE_RW) ? 1 : 0);
    else
        assert_int_equal(harness_type(h, child), PGT_level_type(level - 1));
    assert_int_equal(unpin(v, t), 0);
    harness_audit(h);
    assert_int_equal(harness_count(h, child), 1);
    assert_int_equal(harness_type_count(h, child), 0);
}

static void flag_bits_per_level(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *priv = harness_domain(h, 0, true);
    struct domain *d = harness_domain(h, 1, false);
    (void)state;

    for (size_t i = 0; i < ARRAY_SIZE(flag_rows); i++) {
        flag_case(h, &priv->vcpu[0], 1, &flag_rows[i], L1_PRIV);
        for (int level = 1; level <= 4; level++)
            flag_case(h, &d->vcpu[0], level, &flag_rows[i], level);
    }
    harness_free(h);
}

/*
 * xsa148_superpage_refused: XSA-148 let PV guests create superpages through
 * the L2 fast path.  PSE must be refused at L2 and L3 both when a table is
 * validated and when a live entry is updated - also when only PSE changes
 * (the fast path must not let it through) and for a read-write superpage
 * that would cover the domain's own page tables.
 */
static void xsa148_superpage_refused(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    intpte_t l2e, l3e;
    (void)state;

    harness_build_running_as(h, v, &as, 2);
    harness_audit(h);
    l2e = harness_pt(h, as.l2)[0];
    l3e = harness_pt(h, as.l3)[0];

    /* Only PSE added to the live entries. */
    assert_int_equal(harness_pt_update(v, as.l2, 0, l2e | _PAGE_PSE), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_SUPERPAGE);
    assert_int_equal(harness_pt_update(v, as.l3, 0, l3e | _PAGE_PSE), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_SUPERPAGE);
    /* A 2 MiB read-write superpage starting at frame 0 of the L4. */
    assert_int_equal(harness_pt_update(v, as.l2, 1,
                                       pte_from_mfn(as.l4 & ~511UL, UPPER | _PAGE_PSE)),
                     -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_SUPERPAGE);
    assert_int_equal(harness_pt(h, as.l2)[0], l2e);
    assert_int_equal(harness_pt(h, as.l2)[1], 0);
    assert_int_equal(harness_pt(h, as.l3)[0], l3e);
    harness_audit(h);
    harness_free(h);
}

/* ---- Xen's fix-ups, visible in the stored entries ---- */

static void adjust_fixups_visible(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t l4 = harness_alloc(h, d), l3 = harness_alloc(h, d);
    mfn_t l2 = harness_alloc(h, d), l1 = harness_alloc(h, d);
    mfn_t data = harness_alloc(h, d);
    intpte_t *t1 = harness_pt(h, l1);
    (void)state;

    /* Upper levels without USER or ACCESSED; L1s in each USER/bit-52 combination. */
    harness_pt(h, l4)[0] = pte_from_mfn(l3, P | _PAGE_RW);
    harness_pt(h, l3)[0] = pte_from_mfn(l2, P | _PAGE_RW);
    harness_pt(h, l2)[0] = pte_from_mfn(l1, P | _PAGE_RW);
    t1[0] = pte_from_mfn(data, P | _PAGE_RW);                   /* kernel page */
    t1[1] = pte_from_mfn(data, P | _PAGE_USER);                 /* user page */
    t1[2] = pte_from_mfn(data, P | _PAGE_USER | BIT52);         /* kernel, explicit */
    t1[3] = pte_from_mfn(data, P | BIT52 | _PAGE_GLOBAL);       /* kernel + global: kept */
    t1[4] = pte_from_mfn(data, _PAGE_RW);                       /* not present: untouched */
    assert_int_equal(pin(v, l4, 4), 0);
    harness_audit(h);

    assert_int_equal(harness_pt(h, l4)[0], pte_from_mfn(l3, P | _PAGE_RW | _PAGE_USER |
                                                          _PAGE_ACCESSED));
    assert_int_equal(harness_pt(h, l3)[0], pte_from_mfn(l2, P | _PAGE_RW | _PAGE_USER));
    assert_int_equal(harness_pt(h, l2)[0], pte_from_mfn(l1, P | _PAGE_RW | _PAGE_USER));
    assert_int_equal(t1[0], pte_from_mfn(data, P | _PAGE_RW | _PAGE_USER | BIT52));
    assert_int_equal(t1[1], pte_from_mfn(data, P | _PAGE_USER | _PAGE_GLOBAL));
    assert_int_equal(t1[2], pte_from_mfn(data, P | _PAGE_USER | BIT52));
    assert_int_equal(t1[3], pte_from_mfn(data, P | _PAGE_USER | BIT52 | _PAGE_GLOBAL));
    assert_int_equal(t1[4], pte_from_mfn(data, _PAGE_RW));

    /*
     * model.md §10: an update that clears bit 52 of a guest-kernel entry makes
     * it a user mapping, which is then marked GLOBAL.
     */
    assert_int_equal(harness_pt_update(v, l1, 0, t1[0] & ~BIT52), 0);
    assert_int_equal(t1[0], pte_from_mfn(data, P | _PAGE_RW | _PAGE_USER | _PAGE_GLOBAL));
    /* An update without USER becomes a guest-kernel page again. */
    assert_int_equal(harness_pt_update(v, l1, 0, pte_from_mfn(data, P | _PAGE_RW)), 0);
    assert_int_equal(t1[0], pte_from_mfn(data, P | _PAGE_RW | _PAGE_USER | BIT52));
    /* Updates of upper levels are fixed up the same way. */
    assert_int_equal(harness_pt_update(v, l4, 0, pte_from_mfn(l3, P)), 0);
    assert_int_equal(harness_pt(h, l4)[0], pte_from_mfn(l3, P | _PAGE_USER | _PAGE_ACCESSED));
    assert_int_equal(harness_pt_update(v, l2, 0, pte_from_mfn(l1, P | _PAGE_RW)), 0);
    assert_int_equal(harness_pt(h, l2)[0], pte_from_mfn(l1, P | _PAGE_RW | _PAGE_USER));
    harness_audit(h);

    assert_int_equal(unpin(v, l4), 0);
    harness_audit(h);
    assert_int_equal(harness_count(h, data), 1);
    harness_free(h);
}

/* ---- type confusion ---- */

struct confusion_row {
    const char *name;
    int level;           /* level of the live table written */
    int target_level;    /* level of the pinned table it points at */
    intpte_t flags;
    int rc;
};

static const struct confusion_row confusion_rows[] = {
    { "L2 used as L1 via a writable L2e", 2, 2, UPPER, -XEN_EINVAL },
    { "L3 used as L1 via an L2e", 2, 3, UPPER, -XEN_EINVAL },
    { "L4 used as L1 via an L2e", 2, 4, P, -XEN_EINVAL },
    { "L1 used as L2 via an L3e", 3, 1, UPPER, -XEN_EINVAL },
    { "L4 used as L2 via an L3e", 3, 4, UPPER, -XEN_EINVAL },
    { "L2 used as L3 via an L4e", 4, 2, UPPER, -XEN_EINVAL },
    { "L1 used as L3 via an L4e", 4, 1, P, -XEN_EINVAL },
    /* The right level is fine. */
    { "L1 via an L2e", 2, 1, UPPER, 0 },
    { "L2 via an L3e", 3, 2, UPPER, 0 },
    { "L3 via an L4e", 4, 3, UPPER, 0 },
};

static void type_confusion(void **state)
{
    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(confusion_rows); i++) {
        const struct confusion_row *r = &confusion_rows[i];
        struct harness *h = harness_new(NR_FRAMES);
        struct domain *d = harness_domain(h, 1, false);
        struct vcpu *v = &d->vcpu[0];
        struct harness_as as;
        mfn_t target = harness_alloc(h, d), table;
        uint64_t ti;
        long rc;

        harness_build_running_as(h, v, &as, 1);
        assert_int_equal(pin(v, target, r->target_level), 0);
        harness_audit(h);
        ti = h->ft[target].type_info;
        table = r->level == 2 ? as.l2 : r->level == 3 ? as.l3 : as.l4;

        rc = harness_pt_update(v, table, 1, pte_from_mfn(target, r->flags));
        harness_audit(h);
        if (rc != r->rc)
            fail_msg("%s: rc %ld, expected %d", r->name, rc, r->rc);
        if (rc) {
            assert_int_equal(pvmm_last_reason(v)->rc, rc);
            assert_true(pvmm_last_reason(v)->rule != PVMM_RULE_NONE);
            assert_int_equal(harness_pt(h, table)[1], 0);
            assert_int_equal(h->ft[target].type_info, ti);
        } else {
            assert_int_equal(harness_type_count(h, target), (ti & PGT_count_mask) + 1);
        }
        harness_free(h);
    }
}

/* The reason names the rule for the clearest cases. */
static void type_confusion_reasons(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t l2 = harness_alloc(h, d);
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    assert_int_equal(pin(v, l2, 2), 0);
    /* An L2 behind a writable L2e would be a writable view of page tables. */
    assert_int_equal(harness_pt_update(v, as.l2, 1, pte_from_mfn(l2, UPPER)), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_LINEAR_RW);
    /* Pinning a live L1 as an L2. */
    assert_int_equal(pin(v, as.l1, 2), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_TYPE_CONFLICT);
    harness_audit(h);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flag_bits_per_level),
        cmocka_unit_test(xsa148_superpage_refused),
        cmocka_unit_test(adjust_fixups_visible),
        cmocka_unit_test(type_confusion),
        cmocka_unit_test(type_confusion_reasons),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
