/*
 * tests/test-gdt.c - set_gdt and GDT frames (core/descriptors.c; model.md §5.1,
 * §5.2): validation and fix-up of seg_desc pages, argument checks,
 * replacing and dropping a GDT, the SLES 12 writable-frame case, XSA-214.
 */
#include "descriptor-build.h"

#include <stdio.h>

#include "../core/mm.h"

/* A valid GDT page is validated, fixed up in place, referenced and flushed. */
static void set_gdt_validates_and_fixes_up(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t f = harness_alloc(h, d);
    uint64_t *g = (uint64_t *)harness_pt(h, f);
    unsigned long flushes;
    (void)state;

    g[1] = 0x00af9a000000ffffULL;                       /* 64-bit kernel code, DPL 0 */
    g[2] = seg(DATA, true, 1, true, false, true, true);
    g[4] = gate(0x0008, OFF, CALLG, 3, true, 0);       /* 16-byte call gate ... */
    g[5] = 0x00000000ffffffffULL;                       /* ... and its upper half */
    g[511] = seg(CODE, true, 0, false, false, true, true); /* not present */
    flushes = h->nr_flushes;

    assert_int_equal(set_gdt(v, &f, 512), 0);
    harness_audit(h);
    assert_int_equal(v->gdt_ents, 512);
    assert_int_equal(v->gdt_frames[0], f);
    assert_int_equal(v->gdt_frames[1], INVALID_MFN);
    assert_int_equal(harness_type(h, f), PGT_seg_desc_page);
    assert_int_equal(harness_type_count(h, f), 1);
    assert_true(h->ft[f].type_info & PGT_validated);
    assert_int_equal(harness_count(h, f), 2);          /* allocation + GDT */
    /* Fixed up in place. */
    assert_int_equal(g[1], 0x00affa000000ffffULL);
    assert_int_equal(g[2], seg(DATA, true, 3, true, false, true, true));
    assert_int_equal(g[4], gate(0x000b, OFF, CALLG, 0, true, 0));
    assert_int_equal(g[5], 0x00000000ffffffffULL);
    assert_int_equal(g[511], seg(CODE, true, 0, false, false, true, true));
    /* Local flush of this vCPU. */
    assert_int_equal(h->nr_flushes, flushes + 1);
    assert_int_equal(h->last_flush_mask, 1UL << v->vcpu_id);
    assert_int_equal(h->last_flush_va, PVMM_FLUSH_ALL_VA);

    /* Teardown of the GDT releases it; the page stays a validated idle seg_desc page. */
    pv_destroy_gdt(v);
    harness_audit(h);
    assert_int_equal(harness_count(h, f), 1);
    assert_int_equal(harness_type_count(h, f), 0);
    assert_int_equal(harness_type(h, f), PGT_seg_desc_page);
    harness_free(h);
}

/* A descriptor the check refuses makes set_gdt fail, naming the slot. */
static void set_gdt_bad_descriptor(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t f[2] = { harness_alloc(h, d), harness_alloc(h, d) };
    uint64_t tss = seg(0x9, false, 0, true, false, false, false);
    unsigned long flushes = h->nr_flushes;
    (void)state;

    ((uint64_t *)harness_pt(h, f[1]))[37] = tss;
    assert_int_equal(set_gdt(v, f, 1024), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_BAD_DESCRIPTOR);
    assert_int_equal(v->reason.rc, -XEN_EINVAL);
    assert_int_equal(v->reason.index, 37);
    assert_int_equal(v->reason.table, f[1]);
    assert_int_equal(v->reason.entry, tss);
    assert_int_equal(v->reason.op_index, 1);
    harness_audit(h);
    /* Both frames released: the first one (validated fine) and the failing one. */
    assert_int_equal(harness_count(h, f[0]), 1);
    assert_int_equal(harness_type_count(h, f[0]), 0);
    assert_int_equal(harness_count(h, f[1]), 1);
    assert_int_equal(harness_type_count(h, f[1]), 0);
    assert_int_not_equal(harness_type(h, f[1]), PGT_seg_desc_page);
    assert_int_equal(v->gdt_ents, 0);
    assert_int_equal(h->nr_flushes, flushes);
    harness_free(h);
}

/* Argument checks: limit, guest buffer, ownership, valid frame. */
static void set_gdt_arguments(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct domain *other = harness_domain(h, 2, false);
    struct vcpu *v = &d->vcpu[0];
    uint64_t frames[PVMM_GDT_FRAMES];
    uint64_t foreign = harness_alloc(h, other);
    uint64_t bad = NR_FRAMES + 5;
    (void)state;

    for (unsigned int i = 0; i < PVMM_GDT_FRAMES; i++)
        frames[i] = harness_alloc(h, d);

    assert_int_equal(set_gdt(v, frames, FIRST_RESERVED_GDT_ENTRY + 1), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_BAD_ARGUMENT);
    harness_audit(h);
    assert_int_equal(do_set_gdt(v, HARNESS_BAD_GVA, 10), -XEN_EFAULT);
    assert_reason(v, PVMM_RULE_GUEST_FAULT);
    harness_audit(h);
    assert_int_equal(set_gdt(v, &foreign, 10), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_NOT_OWNER);
    assert_int_equal(harness_count(h, foreign), 1);
    harness_audit(h);
    assert_int_equal(set_gdt(v, &bad, 10), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_BAD_MFN);
    harness_audit(h);
    /* An I/O frame is not the domain's either. */
    frames[13] = 3;
    assert_int_equal(set_gdt(v, frames, FIRST_RESERVED_GDT_ENTRY), -XEN_EINVAL);
    assert_int_equal(v->reason.op_index, 13);
    for (unsigned int i = 0; i < 13; i++)
        assert_int_equal(harness_type_count(h, frames[i]), 0);
    harness_audit(h);

    /* The full 14 frames (7168 entries) are accepted. */
    frames[13] = harness_alloc(h, d);
    assert_int_equal(set_gdt(v, frames, FIRST_RESERVED_GDT_ENTRY), 0);
    harness_audit(h);
    for (unsigned int i = 0; i < PVMM_GDT_FRAMES; i++) {
        assert_int_equal(v->gdt_frames[i], frames[i]);
        assert_int_equal(harness_type_count(h, frames[i]), 1);
    }
    /* entries 0 needs no frame list at all and drops the GDT. */
    assert_int_equal(do_set_gdt(v, 0, 0), 0);
    harness_audit(h);
    assert_int_equal(v->gdt_ents, 0);
    for (unsigned int i = 0; i < PVMM_GDT_FRAMES; i++) {
        assert_int_equal(harness_type_count(h, frames[i]), 0);
        assert_int_equal(harness_count(h, frames[i]), 1);
    }
    harness_free(h);
}

/* set_gdt replacing an old GDT releases the old frames, keeping shared ones referenced. */
static void set_gdt_replaces_old(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    mfn_t a = harness_alloc(h, d), b = harness_alloc(h, d), c = harness_alloc(h, d);
    uint64_t ab[2] = { a, b }, cc[1] = { c }, ca[2] = { c, a };
    (void)state;

    assert_int_equal(set_gdt(v, ab, 1024), 0);
    harness_audit(h);
    assert_int_equal(set_gdt(v, cc, 10), 0);
    harness_audit(h);
    assert_int_equal(v->gdt_ents, 10);
    assert_int_equal(v->gdt_frames[0], c);
    assert_int_equal(v->gdt_frames[1], INVALID_MFN);
    assert_int_equal(harness_count(h, a), 1);
    assert_int_equal(harness_type_count(h, a), 0);
    assert_int_equal(harness_count(h, b), 1);
    assert_int_equal(harness_type_count(h, b), 0);
    assert_int_equal(harness_count(h, c), 2);
    assert_int_equal(harness_type_count(h, c), 1);

    /* c is in both the old and the new GDT: still one reference, never dropped to 0. */
    assert_int_equal(set_gdt(v, ca, 513), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, c), 1);
    assert_int_equal(harness_type_count(h, a), 1);
    assert_int_equal(harness_type_count(h, b), 0);

    /* A failing set_gdt leaves the old GDT and its references in place. */
    {
        struct domain *other = harness_domain(h, 2, false);
        uint64_t cx[2] = { c, harness_alloc(h, other) };

        assert_int_equal(set_gdt(v, cx, 1024), -XEN_EINVAL);
        assert_reason(v, PVMM_RULE_NOT_OWNER);
        assert_int_equal(v->reason.op_index, 1);
        harness_audit(h);
        assert_int_equal(v->gdt_ents, 513);
        assert_int_equal(v->gdt_frames[0], c);
        assert_int_equal(v->gdt_frames[1], a);
        assert_int_equal(harness_type_count(h, c), 1);
        assert_int_equal(harness_count(h, c), 2);
    }
    harness_free(h);
}

/*
 * The SLES 12 case: a frame with a writable mapping cannot become a GDT
 * page, and the reason names the mapping (L1 frame, slot, virtual address).
 * Once the mapping is read-only the same set_gdt succeeds, and then the
 * frame cannot be mapped writable again.
 */
static void set_gdt_writable_frame_names_mapping(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    uint64_t f;
    char want[128];
    (void)state;

    harness_build_running_as(h, v, &as, 8);
    harness_audit(h);
    f = as.data[5];                         /* mapped RW at VA 0x5000, L1 slot 5 */

    assert_int_equal(set_gdt(v, &f, 16), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_TYPE_CONFLICT);
    assert_true(v->reason.have_blocker);
    assert_int_equal(v->reason.blocker_l1, as.l1);
    assert_int_equal(v->reason.blocker_slot, 5);
    assert_int_equal(v->reason.blocker_va, 0x5000);
    assert_int_equal(v->reason.want_type, PGT_seg_desc_page);
    snprintf(want, sizeof(want), "L1 frame 0x%lx", (unsigned long)as.l1);
    assert_true(text_contains(v, want));
    assert_true(text_contains(v, "slot 5"));
    assert_true(text_contains(v, "virtual address 0x5000"));
    harness_audit(h);
    assert_int_equal(harness_type(h, f), PGT_writable_page);
    assert_int_equal(harness_type_count(h, f), 1);
    assert_int_equal(v->gdt_ents, 0);

    /* Make it read-only: now it can become a descriptor page. */
    assert_int_equal(harness_pt_update(v, as.l1, 5,
                                       pte_from_mfn(f, _PAGE_PRESENT | _PAGE_ACCESSED)), 0);
    harness_audit(h);
    assert_int_equal(set_gdt(v, &f, 16), 0);
    harness_audit(h);
    assert_int_equal(harness_type(h, f), PGT_seg_desc_page);

    /* And while it is the GDT it cannot be mapped writable. */
    assert_int_equal(harness_pt_update(v, as.l1, 5,
                                       pte_from_mfn(f, _PAGE_PRESENT | _PAGE_RW |
                                                    _PAGE_ACCESSED | _PAGE_DIRTY)),
                     -XEN_EBUSY);
    harness_audit(h);
    harness_free(h);
}

/*
 * XSA-214: a page given to another owner kept its validated seg_desc type,
 * so the new owner could install contents that were never checked as a
 * descriptor page.  Probes: once a frame that was an (idle, still validated)
 * GDT page is freed (decrease_reservation) and reallocated to another domain,
 * its type information is gone, so the new owner's set_gdt validates it again
 * and refuses a bad descriptor.  Our model has no page transfer (steal_page,
 * grant transfer, exchange); freeing and reallocation is the only ownership
 * change, so that is what this test drives.
 */
static void xsa214_seg_desc_type_zapped_on_owner_change(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *a = harness_domain(h, 1, false);
    struct domain *b = harness_domain(h, 2, false);
    struct vcpu *va = &a->vcpu[0], *vb = &b->vcpu[0];
    uint64_t f = harness_alloc(h, a), g = INVALID_MFN;
    uint64_t extent;
    struct xen_memory_reservation r;
    (void)state;

    assert_int_equal(set_gdt(va, &f, 512), 0);
    assert_int_equal(do_set_gdt(va, 0, 0), 0);
    harness_audit(h);
    assert_int_equal(h->ft[f].type_info & (PGT_type_mask | PGT_validated),
                     PGT_seg_desc_page | PGT_validated);

    /* A gives the frame back. */
    extent = f;
    memset(&r, 0, sizeof(r));
    r.extent_start = (uint64_t)(uintptr_t)&extent;
    r.nr_extents = 1;
    r.domid = DOMID_SELF;
    assert_int_equal(do_memory_op(va, XENMEM_decrease_reservation, (uint64_t)(uintptr_t)&r), 1);
    harness_audit(h);
    assert_int_equal(harness_count(h, f), 0);

    /* B allocates until it gets the same frame. */
    for (unsigned int i = 0; i < NR_FRAMES && g != f; i++)
        g = harness_alloc(h, b);
    assert_int_equal(g, f);
    assert_int_equal(h->ft[f].type_info & (PGT_type_mask | PGT_validated | PGT_count_mask), 0);
    harness_audit(h);

    /* Contents B controls are checked when B makes it a descriptor page. */
    harness_pt(h, f)[100] = gate(0xe008, OFF, CALLG, 3, true, 0);
    assert_int_equal(set_gdt(vb, &f, 512), -XEN_EINVAL);
    assert_reason(vb, PVMM_RULE_BAD_DESCRIPTOR);
    assert_int_equal(vb->reason.index, 100);
    harness_audit(h);
    harness_pt(h, f)[100] = 0;
    assert_int_equal(set_gdt(vb, &f, 512), 0);
    harness_audit(h);
    harness_free(h);
}

/* Domain teardown drops the GDT references; nothing is left afterwards. */
static void teardown_releases_gdt(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    uint64_t f[2];
    int rc;
    (void)state;

    harness_build_running_as(h, v, &as, 2);
    f[0] = harness_alloc(h, d);
    f[1] = harness_alloc(h, d);
    assert_int_equal(set_gdt(v, f, 1000), 0);
    assert_int_equal(set_gdt(&d->vcpu[1], &f[1], 1), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, f[1]), 2);
    for (int i = 0; i < 1000 && (rc = pvmm_domain_destroy(d)) == -XEN_ERESTART; i++)
        ;
    assert_int_equal(rc, 0);
    harness_audit(h);
    assert_int_equal(harness_count(h, f[0]), 0);
    assert_int_equal(harness_count(h, f[1]), 0);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(set_gdt_validates_and_fixes_up),
        cmocka_unit_test(set_gdt_bad_descriptor),
        cmocka_unit_test(set_gdt_arguments),
        cmocka_unit_test(set_gdt_replaces_old),
        cmocka_unit_test(set_gdt_writable_frame_names_mapping),
        cmocka_unit_test(xsa214_seg_desc_type_zapped_on_owner_change),
        cmocka_unit_test(teardown_releases_gdt),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
