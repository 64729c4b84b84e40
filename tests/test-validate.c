/*
 * tests/test-validate.c - per-level entry validation (core/validate-l1.c,
 * core/validate-l234.c; facts §3.1-§3.3, §3.8, Appendix C).
 *
 * Every row builds a fresh table holding one entry, pins it (which
 * validates it) or writes the entry into a live table with mmu_update, and
 * checks the error code, the recorded reason, the stored entry and the
 * reference counts; the auditor runs after every change.
 *
 * XSA-273 (L1TF: unsafe not-present entries) is out of scope: pvmm has no
 * L1TF model, so not-present entries are never inspected.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES  1024
#define BIT52      (1UL << 52)
#define UC_BITS    (_PAGE_PCD | _PAGE_PWT)
#define CACHE_BITS (_PAGE_PAT | _PAGE_PCD | _PAGE_PWT)
#define UPPER      (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)

static long pin(struct vcpu *v, mfn_t m, int level)
{
    return harness_mmuext(v, MMUEXT_PIN_L1_TABLE + (unsigned int)level - 1, m, 0);
}

static long unpin(struct vcpu *v, mfn_t m)
{
    return harness_mmuext(v, MMUEXT_UNPIN_TABLE, m, 0);
}

/* The entry Xen stores for a present guest entry e at `level` (facts §3.8). */
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

/* A frame of nobody (on the free list). */
static mfn_t find_free_frame(struct harness *h)
{
    for (mfn_t m = NR_FRAMES - 3; m >= HARNESS_IO_FRAMES; m--)
        if (h->ft[m].owner == PVMM_OWNER_NONE)
            return m;
    fail_msg("no free frame");
    return INVALID_MFN;
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

/* ---- what an L1 entry may map ---- */

/* A writable L1e to a page table or descriptor page is refused; a read-only one is not. */
static void writable_mapping_of_tables_refused(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t gdt;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    gdt = harness_alloc(h, d);
    assert_int_equal(do_set_gdt(v, (uint64_t)(uintptr_t)&gdt, 16), 0);
    harness_audit(h);
    assert_int_equal(harness_type(h, gdt), PGT_seg_desc_page);

    const mfn_t targets[] = { as.l1, as.l2, as.l3, as.l4, gdt };
    for (size_t i = 0; i < ARRAY_SIZE(targets); i++) {
        mfn_t t = targets[i];
        uint64_t count = harness_count(h, t), tcount = harness_type_count(h, t);
        uint64_t type = harness_type(h, t);

        assert_int_equal(harness_pt_update(v, as.l1, 300,
                                           pte_from_mfn(t, _PAGE_PRESENT | _PAGE_RW)),
                         -XEN_EBUSY);
        assert_reason(v, PVMM_RULE_WRITABLE_PAGETABLE);
        assert_int_equal(pvmm_last_reason(v)->frame, t);
        harness_audit(h);
        assert_int_equal(harness_pt(h, as.l1)[300], 0);
        assert_int_equal(harness_count(h, t), count);
        assert_int_equal(harness_type_count(h, t), tcount);
        assert_int_equal(harness_type(h, t), type);

        /* Read-only: allowed, one more general reference and no type change. */
        assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(t, _PAGE_PRESENT)), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, t), count + 1);
        assert_int_equal(harness_type_count(h, t), tcount);
        assert_int_equal(harness_pt_update(v, as.l1, 300, 0), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, t), count);
    }
    harness_free(h);
}

/* Frames the domain does not own: another domain's, a free one. */
static void foreign_and_free_frames(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *priv = harness_domain(h, 0, true);
    struct domain *d = harness_domain(h, 1, false);
    struct domain *other = harness_domain(h, 2, false);
    struct vcpu *v = &d->vcpu[0], *pv = &priv->vcpu[0];
    struct harness_as as, pas;
    mfn_t theirs = harness_alloc(h, other);
    mfn_t nobody;
    struct mmu_update u;
    (void)state;

    harness_build_running_as(h, v, &as, 1);
    harness_build_running_as(h, pv, &pas, 1);
    nobody = find_free_frame(h);
    harness_audit(h);

    /* Unprivileged: another domain's frame, read-only or writable. */
    assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(theirs, _PAGE_PRESENT)),
                     -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_FOREIGN_DENIED);
    assert_int_equal(harness_pt_update(v, as.l1, 300,
                                       pte_from_mfn(theirs, _PAGE_PRESENT | _PAGE_RW)),
                     -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_FOREIGN_DENIED);
    /* A free frame has no owner: -EBUSY as well. */
    assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(nobody, _PAGE_PRESENT)),
                     -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_FREE_FRAME);
    harness_audit(h);
    assert_int_equal(harness_count(h, theirs), 1);
    assert_int_equal(h->ft[nobody].count_info, 0);

    /* Privileged, but naming itself as the frames' owner: still refused. */
    assert_int_equal(harness_pt_update(pv, pas.l1, 300, pte_from_mfn(theirs, _PAGE_PRESENT)),
                     -XEN_EBUSY);
    assert_reason(pv, PVMM_RULE_FOREIGN_DENIED);
    /* Privileged, naming the owner (FD = 2): mapped, read-only and writable. */
    u.ptr = (pas.l1 << PAGE_SHIFT) + 300 * 8;
    u.val = pte_from_mfn(theirs, _PAGE_PRESENT | _PAGE_RW);
    assert_int_equal(harness_mmu_update(pv, &u, 1, NULL, 2), 0);
    harness_audit(h);
    assert_int_equal(harness_count(h, theirs), 2);
    assert_int_equal(harness_type(h, theirs), PGT_writable_page);
    assert_int_equal(harness_type_count(h, theirs), 1);
    assert_int_equal(harness_pt_update(pv, pas.l1, 300, 0), 0);
    harness_audit(h);
    assert_int_equal(harness_count(h, theirs), 1);
    assert_int_equal(harness_type_count(h, theirs), 0);

    /*
     * The hypervisor's own frames (DOMID_XEN): one only reserved (page
     * tables, stacks, the frame table) cannot be mapped at all, as in Xen
     * where such frames have no owner.
     */
    {
        mfn_t xen = NR_FRAMES - 1;
        uint64_t count = harness_count(h, xen);

        for (unsigned int rw = 0; rw < 2; rw++) {
            u.val = pte_from_mfn(xen, _PAGE_PRESENT | (rw ? _PAGE_RW : 0));
            assert_int_equal(harness_mmu_update(pv, &u, 1, NULL, DOMID_XEN), -XEN_EBUSY);
            assert_reason(pv, PVMM_RULE_NOT_OWNER);
            assert_int_equal(pvmm_last_reason(pv)->owner, DOMID_XEN);
            harness_audit(h);
            assert_int_equal(harness_count(h, xen), count);
            assert_int_equal(harness_type_count(h, xen), 0);
            assert_int_equal(harness_pt(h, pas.l1)[300], 0);
        }
    }
    /*
     * One shared with privileged guests (as Xen shares the M2P): read-only
     * only, and only by a privileged domain naming DOMID_XEN.
     */
    {
        mfn_t xen = find_free_frame(h);
        uint64_t count;

        pvmm_reserve_frame(&h->s, xen);
        pvmm_share_xen_page_with_privileged_guests(&h->s, xen);
        harness_audit(h);
        assert_int_equal(h->ft[xen].owner, DOMID_XEN);
        assert_int_equal(harness_type(h, xen), PGT_none);
        assert_int_equal(harness_type_count(h, xen), 1);
        count = harness_count(h, xen);
        u.val = pte_from_mfn(xen, _PAGE_PRESENT | _PAGE_RW);
        assert_int_equal(harness_mmu_update(pv, &u, 1, NULL, DOMID_XEN), -XEN_EBUSY);
        assert_reason(pv, PVMM_RULE_TYPE_CONFLICT);
        harness_audit(h);
        assert_int_equal(harness_count(h, xen), count);
        u.val = pte_from_mfn(xen, _PAGE_PRESENT);
        assert_int_equal(harness_mmu_update(pv, &u, 1, NULL, DOMID_XEN), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, xen), count + 1);
        assert_int_equal(harness_type_count(h, xen), 1);
        assert_int_equal(harness_pt_update(pv, pas.l1, 300, 0), 0);
        harness_audit(h);
        assert_int_equal(harness_count(h, xen), count);
        /* Naming itself, or unprivileged: refused. */
        assert_int_equal(harness_pt_update(pv, pas.l1, 300, pte_from_mfn(xen, _PAGE_PRESENT)),
                         -XEN_EBUSY);
        assert_reason(pv, PVMM_RULE_FOREIGN_DENIED);
        assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(xen, _PAGE_PRESENT)),
                         -XEN_EBUSY);
        assert_reason(v, PVMM_RULE_FOREIGN_DENIED);
        /* Only an unused reserved frame can be shared: a second call changes nothing. */
        pvmm_share_xen_page_with_privileged_guests(&h->s, xen);
        pvmm_share_xen_page_with_privileged_guests(&h->s, as.data[0]);
        assert_int_equal(harness_type(h, as.data[0]), PGT_writable_page);
        harness_audit(h);
        assert_int_equal(harness_count(h, xen), count);
    }
    harness_free(h);
}

/* I/O frames (facts §3.2 I/O path, Appendix C). */
struct io_row {
    const char *name;
    bool priv;
    mfn_t mfn;           /* ~0 - 1: beyond RAM, resolved at run time */
    intpte_t flags;
    int rc;
    enum pvmm_rule rule;
    intpte_t cache;      /* cache bits stored on success */
};

#define BEYOND_RAM  (INVALID_MFN - 1)
#define ALL_ONES    (PADDR_MASK >> PAGE_SHIFT)
#define IO_LIMIT    (1UL << (40 - PAGE_SHIFT))
#define P           _PAGE_PRESENT

static const struct io_row io_rows[] = {
    { "unprivileged dom_io frame", false, 5, P, -XEN_EPERM, PVMM_RULE_IOMEM_DENIED, 0 },
    { "unprivileged frame 0 writable", false, 0, P | _PAGE_RW, -XEN_EPERM,
      PVMM_RULE_IOMEM_DENIED, 0 },
    { "unprivileged beyond RAM", false, BEYOND_RAM, P, -XEN_EPERM, PVMM_RULE_IOMEM_DENIED, 0 },
    { "unprivileged all-ones frame", false, ALL_ONES, P, -XEN_EINVAL, PVMM_RULE_BAD_MFN, 0 },
    { "unprivileged UC (mask first)", false, 5, P | UC_BITS, -XEN_EINVAL,
      PVMM_RULE_DISALLOWED_FLAGS, 0 },
    { "WB forced to UC", true, 5, P, 0, PVMM_RULE_NONE, UC_BITS },
    { "frame 0 writable, WB forced to UC", true, 0, P | _PAGE_RW, 0, PVMM_RULE_NONE, UC_BITS },
    { "WT forced to UC", true, 5, P | _PAGE_PWT, 0, PVMM_RULE_NONE, UC_BITS },
    { "WP forced to UC", true, 5, P | _PAGE_PAT | _PAGE_PWT, 0, PVMM_RULE_NONE, UC_BITS },
    { "UC- kept", true, 5, P | _PAGE_PCD, 0, PVMM_RULE_NONE, _PAGE_PCD },
    { "UC kept", true, 5, P | UC_BITS, 0, PVMM_RULE_NONE, UC_BITS },
    { "WC kept", true, 5, P | _PAGE_PAT, 0, PVMM_RULE_NONE, _PAGE_PAT },
    { "PAT|PCD (UC) kept", true, 5, P | _PAGE_PAT | _PAGE_PCD, 0, PVMM_RULE_NONE,
      _PAGE_PAT | _PAGE_PCD },
    { "beyond RAM, forced to UC", true, BEYOND_RAM, P, 0, PVMM_RULE_NONE, UC_BITS },
    { "last frame of the address width", true, IO_LIMIT - 1, P, 0, PVMM_RULE_NONE, UC_BITS },
    { "beyond the address width", true, IO_LIMIT, P, -XEN_EPERM, PVMM_RULE_IOMEM_DENIED, 0 },
    { "privileged all-ones frame", true, ALL_ONES, P, -XEN_EINVAL, PVMM_RULE_BAD_MFN, 0 },
};

static void io_frames(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *priv = harness_domain(h, 0, true);
    struct domain *d = harness_domain(h, 1, false);
    struct harness_as as[2];
    (void)state;

    harness_build_running_as(h, &priv->vcpu[0], &as[0], 1);
    harness_build_running_as(h, &d->vcpu[0], &as[1], 1);
    harness_audit(h);

    for (size_t i = 0; i < ARRAY_SIZE(io_rows); i++) {
        const struct io_row *r = &io_rows[i];
        struct vcpu *v = r->priv ? &priv->vcpu[0] : &d->vcpu[0];
        mfn_t l1 = as[r->priv ? 0 : 1].l1;
        mfn_t mfn = r->mfn == BEYOND_RAM ? NR_FRAMES + 100 : r->mfn;
        intpte_t e = pte_from_mfn(mfn, r->flags);
        uint64_t io_count = h->ft[5].count_info;
        long rc = harness_pt_update(v, l1, 300, e);

        harness_audit(h);
        if (rc != r->rc)
            fail_msg("%s: rc %ld, expected %d", r->name, rc, r->rc);
        /* I/O mappings hold no references. */
        assert_int_equal(h->ft[5].count_info, io_count);
        if (rc) {
            assert_reason(v, r->rule);
            assert_int_equal(harness_pt(h, l1)[300], 0);
            continue;
        }
        if ((harness_pt(h, l1)[300] & CACHE_BITS) != r->cache)
            fail_msg("%s: stored %#llx, expected cache bits %#llx", r->name,
                     (unsigned long long)harness_pt(h, l1)[300], (unsigned long long)r->cache);
        assert_int_equal(pte_mfn(harness_pt(h, l1)[300]), mfn);
        assert_int_equal(harness_pt(h, l1)[300] & _PAGE_RW, r->flags & _PAGE_RW);
        assert_int_equal(harness_pt_update(v, l1, 300, 0), 0);
        harness_audit(h);
    }
    harness_free(h);
}

/* Hypervisor-shared pages: write-back only (-EACCES), and never writable if shared read-only. */
static void xen_heap_pages(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *priv = harness_domain(h, 0, true);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *pv = &priv->vcpu[0], *v = &d->vcpu[0];
    struct harness_as pas, as;
    mfn_t rw_page, ro_page;
    (void)state;

    harness_build_running_as(h, pv, &pas, 1);
    harness_build_running_as(h, v, &as, 1);
    rw_page = find_free_frame(h);
    pvmm_reserve_frame(&h->s, rw_page);
    pvmm_share_xen_page(&h->s, rw_page, priv, true);
    ro_page = find_free_frame(h);
    pvmm_reserve_frame(&h->s, ro_page);
    pvmm_share_xen_page(&h->s, ro_page, d, false);
    harness_audit(h);

    /* Cache bits are allowed for the privileged domain, but not on a Xen-heap page. */
    assert_int_equal(harness_pt_update(pv, pas.l1, 300,
                                       pte_from_mfn(rw_page, P | _PAGE_RW | _PAGE_PCD)),
                     -XEN_EACCES);
    assert_reason(pv, PVMM_RULE_SPECIAL_PAGE_CACHE);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, rw_page), 1);
    assert_int_equal(harness_pt_update(pv, pas.l1, 300,
                                       pte_from_mfn(rw_page, P | _PAGE_RW)), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, rw_page), 2);
    assert_int_equal(harness_pt_update(pv, pas.l1, 300, 0), 0);
    harness_audit(h);

    /* A page shared read-only keeps its type count pinned at 1: no writable mapping. */
    assert_int_equal(harness_pt_update(v, as.l1, 300,
                                       pte_from_mfn(ro_page, P | _PAGE_RW)), -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(ro_page, P)), 0);
    harness_audit(h);
    assert_int_equal(harness_pt_update(v, as.l1, 300, 0), 0);
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
     * Appendix C: an update that clears bit 52 of a guest-kernel entry makes
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

/* ---- failures undo everything ---- */

/* An L1 whose 11th entry is bad: the first ten mappings are released again. */
static void l1_failure_undoes(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct domain *other = harness_domain(h, 2, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t l1 = harness_alloc(h, d), data[10];
    mfn_t theirs = harness_alloc(h, other);
    const struct pvmm_reason *r = pvmm_last_reason(v);
    (void)state;

    for (int i = 0; i < 10; i++) {
        data[i] = harness_alloc(h, d);
        harness_pt(h, l1)[i] = pte_from_mfn(data[i], P | _PAGE_RW);
    }
    harness_pt(h, l1)[10] = pte_from_mfn(theirs, P);
    assert_int_equal(pin(v, l1, 1), -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_FOREIGN_DENIED);
    assert_int_equal(r->frame, theirs);
    assert_true(r->path_len >= 1);
    assert_int_equal(r->path[r->path_len - 1].table, l1);
    assert_int_equal(r->path[r->path_len - 1].index, 10);
    harness_audit(h);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(harness_count(h, data[i]), 1);
        assert_int_equal(harness_type_count(h, data[i]), 0);
    }
    assert_int_equal(h->ft[l1].type_info & (PGT_count_mask | PGT_validated), 0);
    harness_free(h);
}

/*
 * A tree L4 -> 2 L3 -> 2 L2 each -> 2 L1 each -> one data frame each.
 * With `bad`, the last L1's second entry maps a page table writable.
 */
struct tree {
    mfn_t l4, l3[2], l2[4], l1[8], data[8];
};

static void build_tree(struct harness *h, struct domain *d, struct tree *t, bool bad)
{
    t->l4 = harness_alloc(h, d);
    for (int i = 0; i < 2; i++) {
        t->l3[i] = harness_alloc(h, d);
        harness_pt(h, t->l4)[i] = pte_from_mfn(t->l3[i], UPPER);
    }
    for (int i = 0; i < 4; i++) {
        t->l2[i] = harness_alloc(h, d);
        harness_pt(h, t->l3[i / 2])[i % 2 + 3] = pte_from_mfn(t->l2[i], UPPER);
    }
    for (int i = 0; i < 8; i++) {
        t->l1[i] = harness_alloc(h, d);
        t->data[i] = harness_alloc(h, d);
        harness_pt(h, t->l2[i / 2])[(i % 2) * 200 + 7] = pte_from_mfn(t->l1[i], UPPER);
        harness_pt(h, t->l1[i])[i] = pte_from_mfn(t->data[i], P | _PAGE_RW);
        harness_pt(h, t->l1[i])[511] = pte_from_mfn(t->l2[i / 2], P);  /* read-only view */
    }
    if (bad)
        harness_pt(h, t->l1[7])[100] = pte_from_mfn(t->l1[0], P | _PAGE_RW);
}

/* Everything of the tree back to "allocated, untyped". */
static void assert_tree_released(struct harness *h, const struct tree *t)
{
    const mfn_t *all = &t->l4;

    for (size_t i = 0; i < sizeof(*t) / sizeof(mfn_t); i++) {
        assert_int_equal(harness_count(h, all[i]), 1);
        assert_int_equal(harness_type_count(h, all[i]), 0);
        assert_int_equal(h->ft[all[i]].type_info & PGT_partial, 0);
        /* Tables lose validation; data frames may stay "writable, validated". */
        if (&all[i] < t->data)
            assert_int_equal(h->ft[all[i]].type_info & PGT_validated, 0);
        assert_int_equal(h->ft[all[i]].linear_pt_count, 0);
    }
}

static void tree_failure_undoes(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct tree t;
    (void)state;

    build_tree(h, d, &t, true);
    assert_int_equal(pin(v, t.l4, 4), -XEN_EBUSY);
    assert_reason(v, PVMM_RULE_WRITABLE_PAGETABLE);
    /* The path leads from the L4 down to the L1 slot. */
    assert_int_equal(pvmm_last_reason(v)->path_len, 4);
    assert_int_equal(pvmm_last_reason(v)->path[0].table, t.l4);
    assert_int_equal(pvmm_last_reason(v)->path[3].table, t.l1[7]);
    assert_int_equal(pvmm_last_reason(v)->path[3].index, 100);
    harness_audit(h);
    assert_tree_released(h, &t);
    assert_int_equal(d->nr_l4_pages, 0);
    harness_free(h);
}

/*
 * Preemption at every possible point (facts §2.5): pin and unpin of a tree
 * stopped at the k-th preemption check, for every k, each time continued to
 * completion.  With a bad entry the validation must still fail with the same
 * error and release everything, wherever it was interrupted.
 */
static void preempt_every_point(void **state)
{
    (void)state;
    for (int bad = 0; bad <= 1; bad++) {
        struct harness *h = harness_new(NR_FRAMES);
        struct domain *d = harness_domain(h, 1, false);
        struct vcpu *v = &d->vcpu[0];
        struct tree t;
        unsigned long k, conts = 0;

        build_tree(h, d, &t, bad);
        for (k = 1;; k++) {
            unsigned long before = harness_continuations();
            unsigned long pin_checks, unpin_checks = 0;
            long rc;

            h->nr_preempt_checks = 0;
            h->preempt_at = k;
            rc = pin(v, t.l4, 4);
            pin_checks = h->nr_preempt_checks;
            harness_audit(h);
            if (bad) {
                assert_int_equal(rc, -XEN_EBUSY);
                assert_reason(v, PVMM_RULE_WRITABLE_PAGETABLE);
                assert_tree_released(h, &t);
            } else {
                assert_int_equal(rc, 0);
                assert_int_equal(d->nr_l4_pages, 1);
                h->nr_preempt_checks = 0;
                assert_int_equal(unpin(v, t.l4), 0);
                unpin_checks = h->nr_preempt_checks;
                harness_audit(h);
                assert_tree_released(h, &t);
                assert_int_equal(d->nr_l4_pages, 0);
            }
            conts += harness_continuations() - before;
            if (pin_checks < k && unpin_checks < k)
                break;
        }
        h->preempt_at = 0;
        /* Some of those runs really were interrupted and continued. */
        assert_true(conts > 0);
        assert_true(k > 100);
        harness_free(h);
    }
}

/*
 * Constant preemption: every check says "stop".  Each continuation must
 * still make progress (XSA-58), so the pin finishes.
 */
static void preempt_always_progresses(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct tree t;
    unsigned long before;
    (void)state;

    build_tree(h, d, &t, false);
    h->preempt_every = true;
    /* Continue by hand, with a bound, so that a livelock fails instead of hanging. */
    {
        struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE, .arg1.mfn = t.l4 };
        long rc = do_mmuext_op(v, (uint64_t)(uintptr_t)&op, 1, 0, DOMID_SELF);

        for (before = 0; v->cont.pending && before < 100000; before++) {
            struct pvmm_continuation c = v->cont;

            v->cont.pending = false;
            assert_int_equal(c.op, __HYPERVISOR_mmuext_op);
            rc = do_mmuext_op(v, c.args[0], (unsigned int)c.args[1], c.args[2],
                              (unsigned int)c.args[3]);
        }
        assert_false(v->cont.pending);
        assert_int_equal(rc, 0);
        assert_true(before > 8);
    }
    harness_audit(h);
    assert_int_equal(unpin(v, t.l4), 0);
    h->preempt_every = false;
    harness_audit(h);
    assert_tree_released(h, &t);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(flag_bits_per_level),
        cmocka_unit_test(xsa148_superpage_refused),
        cmocka_unit_test(writable_mapping_of_tables_refused),
        cmocka_unit_test(foreign_and_free_frames),
        cmocka_unit_test(io_frames),
        cmocka_unit_test(xen_heap_pages),
        cmocka_unit_test(adjust_fixups_visible),
        cmocka_unit_test(type_confusion),
        cmocka_unit_test(type_confusion_reasons),
        cmocka_unit_test(l1_failure_undoes),
        cmocka_unit_test(tree_failure_undoes),
        cmocka_unit_test(preempt_every_point),
        cmocka_unit_test(preempt_always_progresses),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
