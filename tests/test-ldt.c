/*
 * tests/test-ldt.c - MMUEXT_SET_LDT and the lazy LDT shadow (core/ldt.c;
 * model.md §5.4, §10).
 *
 * Every test runs a domain on the harness's small address space: data frame
 * i is mapped read-write at VA i * 4 KiB (L1 slot i), the tables read-only
 * at HARNESS_PT_VA.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES  256
#define LDT_POISON 0xBAD0BAD0BAD0BAD0UL

static const intpte_t RO = _PAGE_PRESENT | _PAGE_ACCESSED;
static const intpte_t RW = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;

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
    harness_build_running_as(f->h, f->v, &f->as, 8);
    harness_audit(f->h);
}

static long set_ldt(struct vcpu *v, uint64_t base, unsigned int ents)
{
    struct mmuext_op op;

    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_SET_LDT;
    op.arg1.linear_addr = base;
    op.arg2.nr_ents = ents;
    return harness_mmuext_op(v, &op, 1, NULL, DOMID_SELF);
}

static bool text_contains(const struct vcpu *v, const char *needle)
{
    char buf[2048];

    pvmm_reason_format(pvmm_last_reason(v), buf, sizeof(buf));
    if (strstr(buf, needle))
        return true;
    print_error("reason text:\n%s\nlacks: %s\n", buf, needle);
    return false;
}

static unsigned int shadow_pages(const struct vcpu *v)
{
    unsigned int n = 0;

    for (unsigned int i = 0; i < PVMM_LDT_PAGES; i++)
        n += v->ldt_shadow[i] != INVALID_MFN;
    return n;
}

/*
 * The LDT case (issue 2, model.md §10): SET_LDT on a page that is mapped
 * writable succeeds (checked lazily); the first LDT access then fails and
 * the reason names the writable mapping; after the page is made read-only
 * (update_va_mapping) the access succeeds; while the page is the LDT,
 * mapping it writable fails -EBUSY and pinning it as an L1 fails -EINVAL.
 */
static void ldt_writable_page_is_lazy(void **state)
{
    struct fixture f;
    mfn_t ldt;
    char want[64];
    (void)state;

    setup(&f);
    ldt = f.as.data[1];                          /* RW at VA 0x1000, L1 slot 1 */

    assert_int_equal(set_ldt(f.v, 0x1000, 512), 0);
    harness_audit(f.h);
    assert_int_equal(f.v->ldt_base, 0x1000);
    assert_int_equal(f.v->ldt_ents, 512);
    assert_int_equal(shadow_pages(f.v), 0);
    assert_int_equal(harness_type(f.h, ldt), PGT_writable_page);

    /* First load of LDT selector 0x0f (offset 8). */
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 8), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(f.v->reason.frame, ldt);
    assert_int_equal(f.v->reason.want_type, PGT_seg_desc_page);
    assert_true(f.v->reason.have_blocker);
    assert_int_equal(f.v->reason.blocker_l1, f.as.l1);
    assert_int_equal(f.v->reason.blocker_slot, 1);
    assert_int_equal(f.v->reason.blocker_va, 0x1000);
    snprintf(want, sizeof(want), "L1 frame 0x%lx", (unsigned long)f.as.l1);
    assert_true(text_contains(f.v, want));
    assert_true(text_contains(f.v, "slot 1"));
    assert_true(text_contains(f.v, "virtual address 0x1000"));
    harness_audit(f.h);
    assert_int_equal(shadow_pages(f.v), 0);
    assert_int_equal(harness_count(f.h, ldt), 2);            /* allocation + the RW PTE */

    /* The guest makes it read-only. */
    assert_int_equal(do_update_va_mapping(f.v, 0x1000, pte_from_mfn(ldt, RO), UVMF_INVLPG), 0);
    harness_audit(f.h);
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 8), 0);
    harness_audit(f.h);
    assert_int_equal(f.v->ldt_shadow[0], ldt);
    assert_int_equal(harness_type(f.h, ldt), PGT_seg_desc_page);
    assert_int_equal(harness_type_count(f.h, ldt), 1);
    assert_int_equal(harness_count(f.h, ldt), 3);            /* + the shadow */
    /* A second access to the same page takes nothing more. */
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 4088), 0);
    assert_int_equal(harness_type_count(f.h, ldt), 1);
    harness_audit(f.h);

    /* In use as the LDT: no writable mapping, no L1 pin. */
    assert_int_equal(do_update_va_mapping(f.v, 0x1000, pte_from_mfn(ldt, RW), UVMF_INVLPG),
                     -XEN_EBUSY);
    harness_audit(f.h);
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 7, pte_from_mfn(ldt, RW)), -XEN_EBUSY);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, ldt, 0), -XEN_EINVAL);
    harness_audit(f.h);
    assert_int_equal(f.v->ldt_shadow[0], ldt);

    /* Unmapping the guest PTE does not remove the shadow. */
    assert_int_equal(do_update_va_mapping(f.v, 0x1000, 0, UVMF_INVLPG), 0);
    harness_audit(f.h);
    assert_int_equal(f.v->ldt_shadow[0], ldt);
    assert_int_equal(harness_type_count(f.h, ldt), 1);
    harness_free(f.h);
}

/* Same, made read-only with mmu_update; the LDT spans several pages. */
static void ldt_readonly_via_mmu_update(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f);
    /* 16 pages at VA 0x2000..0x11fff; only pages 0 and 1 (data[2], data[3]) are mapped. */
    assert_int_equal(set_ldt(f.v, 0x2000, 8192), 0);
    harness_audit(f.h);
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0x1000 + 0x18), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(f.v->reason.blocker_slot, 3);
    assert_int_equal(f.v->reason.blocker_va, 0x3000);

    assert_int_equal(harness_pt_update(f.v, f.as.l1, 3, pte_from_mfn(f.as.data[3], RO)), 0);
    harness_audit(f.h);
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0x1000 + 0x18), 0);
    harness_audit(f.h);
    assert_int_equal(f.v->ldt_shadow[1], f.as.data[3]);
    assert_int_equal(f.v->ldt_shadow[0], INVALID_MFN);

    /* Page 2 of the LDT (VA 0x4000, slot 4) is mapped RW too; page 8 is not mapped at all. */
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0x2000), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0x8000), -XEN_EFAULT);
    assert_reason(f.v, PVMM_RULE_LDT_ACCESS);
    assert_int_equal(f.v->reason.table, f.as.l1);
    assert_int_equal(f.v->reason.index, 10);
    harness_audit(f.h);
    assert_int_equal(shadow_pages(f.v), 1);
    harness_free(f.h);
}

/* The walk uses the *kernel* tables even while the vCPU runs in user mode. */
static void ldt_uses_kernel_tables(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f);
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 6, pte_from_mfn(f.as.data[6], RO)), 0);
    assert_int_equal(set_ldt(f.v, 0x6000, 16), 0);
    f.v->kernel_mode = false;                     /* no user base at all */
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0), 0);
    f.v->kernel_mode = true;
    harness_audit(f.h);
    assert_int_equal(f.v->ldt_shadow[0], f.as.data[6]);
    harness_free(f.h);
}

/* A page holding a descriptor check_descriptor refuses cannot back the LDT. */
static void ldt_bad_descriptor(void **state)
{
    struct fixture f;
    mfn_t p;
    (void)state;

    setup(&f);
    p = f.as.data[4];
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 4, pte_from_mfn(p, RO)), 0);
    harness_pt(f.h, p)[200] = 0x0000890000000067ULL;     /* 64-bit TSS, present */
    assert_int_equal(set_ldt(f.v, 0x4000, 512), 0);
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_BAD_DESCRIPTOR);
    assert_int_equal(f.v->reason.index, 200);
    assert_int_equal(f.v->reason.table, p);
    harness_audit(f.h);
    assert_int_equal(shadow_pages(f.v), 0);
    assert_int_equal(harness_type_count(f.h, p), 0);
    harness_free(f.h);
}

struct set_ldt_case {
    const char *name;
    uint64_t base;
    unsigned int ents;
    int rc;
    enum pvmm_rule rule;
    uint64_t stored_base;
};

static const struct set_ldt_case set_ldt_cases[] = {
    { "one entry", 0x1000, 1, 0, PVMM_RULE_NONE, 0x1000 },
    { "8192 entries", 0x1000, 8192, 0, PVMM_RULE_NONE, 0x1000 },
    { "8193 entries", 0x1000, 8193, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, 0 },
    { "~0 entries", 0x1000, ~0U, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, 0 },
    { "misaligned base", 0x1008, 16, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, 0 },
    { "base one byte in", 0x1001, 1, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, 0 },
    { "last user page", 0x00007ffffffff000UL, 16, 0, PVMM_RULE_NONE, 0x00007ffffffff000UL },
    { "non-canonical", 0x0000800000000000UL, 16, -XEN_EINVAL, PVMM_RULE_NOT_CANONICAL, 0 },
    { "hypervisor range start", 0xffff800000000000UL, 16, -XEN_EINVAL,
      PVMM_RULE_NOT_CANONICAL, 0 },
    { "hypervisor range end - 1 page", 0xffff87fffffff000UL, 16, -XEN_EINVAL,
      PVMM_RULE_NOT_CANONICAL, 0 },
    { "first kernel address after Xen", 0xffff880000000000UL, 16, 0, PVMM_RULE_NONE,
      0xffff880000000000UL },
    { "zero entries, junk base ignored", 0xffff800000000123UL, 0, 0, PVMM_RULE_NONE,
      LDT_POISON },
    { "zero entries, base 0", 0, 0, 0, PVMM_RULE_NONE, LDT_POISON },
};

/* SET_LDT argument checks; a refused SET_LDT leaves the current LDT alone. */
static void set_ldt_arguments(void **state)
{
    (void)state;

    for (size_t i = 0; i < sizeof(set_ldt_cases) / sizeof(set_ldt_cases[0]); i++) {
        const struct set_ldt_case *c = &set_ldt_cases[i];
        struct fixture f;
        long rc;

        setup(&f);
        /* A current LDT with one mapped page (data[5], made read-only). */
        assert_int_equal(harness_pt_update(f.v, f.as.l1, 5, pte_from_mfn(f.as.data[5], RO)), 0);
        assert_int_equal(set_ldt(f.v, 0x5000, 3), 0);
        assert_int_equal(pv_map_ldt_shadow_page(f.v, 0), 0);
        harness_audit(f.h);

        rc = set_ldt(f.v, c->base, c->ents);
        if (rc != c->rc)
            fail_msg("%s: rc %ld, expected %d", c->name, rc, c->rc);
        harness_audit(f.h);
        if (rc) {
            assert_reason(f.v, c->rule);
            assert_int_equal(f.v->reason.rc, c->rc);
            assert_int_equal(f.v->ldt_base, 0x5000);
            assert_int_equal(f.v->ldt_ents, 3);
            assert_int_equal(f.v->ldt_shadow[0], f.as.data[5]);
            assert_int_equal(harness_type_count(f.h, f.as.data[5]), 1);
        } else {
            assert_int_equal(f.v->ldt_base, c->stored_base);
            assert_int_equal(f.v->ldt_ents, c->ents);
            /* Base or size changed: the shadow is gone and its references with it. */
            assert_int_equal(shadow_pages(f.v), 0);
            assert_int_equal(harness_type_count(f.h, f.as.data[5]), 0);
        }
        harness_free(f.h);
    }
}

/* SET_LDT with the same base and size keeps the shadow; a change drops it (with a flush). */
static void set_ldt_change_drops_shadow(void **state)
{
    struct fixture f;
    mfn_t p;
    unsigned long flushes;
    (void)state;

    setup(&f);
    p = f.as.data[5];
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 5, pte_from_mfn(p, RO)), 0);
    assert_int_equal(set_ldt(f.v, 0x5000, 100), 0);
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 16), 0);
    harness_audit(f.h);

    flushes = f.h->nr_flushes;
    assert_int_equal(set_ldt(f.v, 0x5000, 100), 0);
    harness_audit(f.h);
    assert_int_equal(f.v->ldt_shadow[0], p);
    assert_int_equal(f.h->nr_flushes, flushes);

    assert_int_equal(set_ldt(f.v, 0x5000, 101), 0);
    harness_audit(f.h);
    assert_int_equal(shadow_pages(f.v), 0);
    assert_int_equal(harness_type_count(f.h, p), 0);
    assert_int_equal(harness_count(f.h, p), 2);              /* allocation + RO PTE */
    assert_int_equal(f.h->nr_flushes, flushes + 1);
    assert_int_equal(f.h->last_flush_mask, 1UL << f.v->vcpu_id);

    /* Now the page can be mapped writable again. */
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 5, pte_from_mfn(p, RW)), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

/* NEW_BASEPTR to another L4 drops the shadow LDT. */
static void new_baseptr_drops_shadow(void **state)
{
    struct fixture f;
    struct harness_as as2;
    mfn_t p;
    (void)state;

    setup(&f);
    p = f.as.data[5];
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 5, pte_from_mfn(p, RO)), 0);
    assert_int_equal(set_ldt(f.v, 0x5000, 512), 0);
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0), 0);
    harness_audit(f.h);

    /* Reloading the same base keeps it (Xen only rewrites CR3). */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, f.as.l4, 0), 0);
    harness_audit(f.h);
    assert_int_equal(f.v->ldt_shadow[0], p);

    harness_build_as(f.h, f.d, &as2, 1);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, as2.l4, 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, as2.l4, 0), 0);
    harness_audit(f.h);
    assert_int_equal(shadow_pages(f.v), 0);
    assert_int_equal(harness_type_count(f.h, p), 0);
    /* The LDT settings themselves stay. */
    assert_int_equal(f.v->ldt_base, 0x5000);
    assert_int_equal(f.v->ldt_ents, 512);
    harness_free(f.h);
}

/* Teardown releases the shadow LDT; nothing is left. */
static void teardown_releases_ldt(void **state)
{
    struct fixture f;
    mfn_t p;
    int rc;
    (void)state;

    setup(&f);
    p = f.as.data[5];
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 5, pte_from_mfn(p, RO)), 0);
    assert_int_equal(set_ldt(f.v, 0x5000, 512), 0);
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0), 0);
    harness_audit(f.h);
    for (int i = 0; i < 1000 && (rc = pvmm_domain_destroy(f.d)) == -XEN_ERESTART; i++)
        ;
    assert_int_equal(rc, 0);
    harness_audit(f.h);
    assert_int_equal(harness_count(f.h, p), 0);
    harness_free(f.h);
}

/*
 * XSA-298: emulation touched descriptor tables beyond their limits, which
 * could promote an arbitrary guest page to seg_desc.  Probes: with no LDT
 * (ents 0, base poisoned to a non-canonical value) no offset maps anything,
 * not even the page at address 0 that a zero base would have named.
 */
static void xsa298_no_ldt_no_mapping(void **state)
{
    struct fixture f;
    mfn_t p0;
    (void)state;

    setup(&f);
    p0 = f.as.data[0];
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 0, pte_from_mfn(p0, RO)), 0);
    harness_audit(f.h);

    assert_int_equal(set_ldt(f.v, 0, 0), 0);
    assert_int_equal(f.v->ldt_base, LDT_POISON);
    assert_false(is_canonical(f.v->ldt_base));
    for (unsigned int off = 0; off < 0x10000; off += 0x1000 - 4) {
        assert_int_equal(pv_map_ldt_shadow_page(f.v, off), -XEN_ERANGE);
        assert_reason(f.v, PVMM_RULE_LDT_ACCESS);
    }
    harness_audit(f.h);
    assert_int_equal(shadow_pages(f.v), 0);
    assert_int_equal(harness_type_count(f.h, p0), 0);
    assert_int_not_equal(harness_type(f.h, p0), PGT_seg_desc_page);
    harness_free(f.h);
}

/*
 * XSA-298: accesses beyond the LDT limit (ents * 8) are refused before any
 * page is looked at - even when the page behind them would be a fine
 * descriptor page - and reported as a #GP case (-ERANGE).
 */
static void xsa298_beyond_limit_refused(void **state)
{
    static const struct { unsigned int ents, offset; int rc; } cases[] = {
        { 1, 0, 0 }, { 1, 7, 0 }, { 1, 8, -XEN_ERANGE },
        { 16, 127, 0 }, { 16, 128, -XEN_ERANGE }, { 16, 0x1000, -XEN_ERANGE },
        { 512, 4095, 0 }, { 513, 4096, -XEN_EFAULT },   /* VA 0x6000 is not mapped */
        { 8192, 0xffff, -XEN_EFAULT }, { 8192, 0x10000, -XEN_ERANGE },
        { 8192, 0xffffffffU, -XEN_ERANGE },
    };
    (void)state;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct fixture f;
        long rc;

        setup(&f);
        /* The LDT starts at VA 0x5000 (data[5], read-only); VA 0x6000 is read-write data[6]. */
        assert_int_equal(harness_pt_update(f.v, f.as.l1, 5,
                                           pte_from_mfn(f.as.data[5], RO)), 0);
        assert_int_equal(harness_pt_update(f.v, f.as.l1, 6, 0), 0);
        assert_int_equal(set_ldt(f.v, 0x5000, cases[i].ents), 0);
        rc = pv_map_ldt_shadow_page(f.v, cases[i].offset);
        if (rc != cases[i].rc)
            fail_msg("ents %u offset 0x%x: rc %ld, expected %d", cases[i].ents,
                     cases[i].offset, rc, cases[i].rc);
        if (rc)
            assert_reason(f.v, PVMM_RULE_LDT_ACCESS);
        harness_audit(f.h);
        assert_int_equal(shadow_pages(f.v), rc == 0);
        harness_free(f.h);
    }
}

/* An LDT whose end crosses into the non-canonical hole is a #GP case as well. */
static void ldt_non_canonical_end(void **state)
{
    struct fixture f;
    (void)state;

    setup(&f);
    assert_int_equal(set_ldt(f.v, 0x00007ffffffff000UL, 1024), 0);
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0x1000), -XEN_ERANGE);
    assert_reason(f.v, PVMM_RULE_LDT_ACCESS);
    /* The first page is canonical but not mapped: a #PF case. */
    assert_int_equal(pv_map_ldt_shadow_page(f.v, 0), -XEN_EFAULT);
    assert_reason(f.v, PVMM_RULE_LDT_ACCESS);
    harness_audit(f.h);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ldt_writable_page_is_lazy),
        cmocka_unit_test(ldt_readonly_via_mmu_update),
        cmocka_unit_test(ldt_uses_kernel_tables),
        cmocka_unit_test(ldt_bad_descriptor),
        cmocka_unit_test(set_ldt_arguments),
        cmocka_unit_test(set_ldt_change_drops_shadow),
        cmocka_unit_test(new_baseptr_drops_shadow),
        cmocka_unit_test(teardown_releases_ldt),
        cmocka_unit_test(xsa298_no_ldt_no_mapping),
        cmocka_unit_test(xsa298_beyond_limit_refused),
        cmocka_unit_test(ldt_non_canonical_end),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
