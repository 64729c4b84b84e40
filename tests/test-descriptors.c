/*
 * tests/test-descriptors.c - check_descriptor and update_descriptor
 * (core/descriptors.c; model.md §5.3, §10).  set_gdt is in test-gdt.c.
 */
#include "descriptor-build.h"


#include "../core/mm.h"

struct desc_case {
    const char *name;
    uint64_t in;
    bool ok;
    uint64_t out;   /* stored value when accepted */
};

static const struct desc_case desc_cases[] = {
    /* Not present: accepted unchanged, whatever it says. */
    { "null", 0, true, 0 },
    { "not present code DPL0", seg(CODE, true, 0, false, false, true, true), true,
      seg(CODE, true, 0, false, false, true, true) },
    { "not present TSS", seg(0x9, false, 0, false, false, false, false), true,
      seg(0x9, false, 0, false, false, false, false) },
    { "not present gate to Xen CS", gate(0xe008, OFF, CALLG, 0, false, 0), true,
      gate(0xe008, OFF, CALLG, 0, false, 0) },
    /* Code and data: DPL raised to 3, everything else kept. */
    { "flat code DPL0 (0x00cf9a000000ffff)", 0x00cf9a000000ffffULL, true, 0x00cffa000000ffffULL },
    { "code DPL0", seg(CODE, true, 0, true, false, true, true), true,
      seg(CODE, true, 3, true, false, true, true) },
    { "code DPL1", seg(CODE, true, 1, true, false, true, true), true,
      seg(CODE, true, 3, true, false, true, true) },
    { "code DPL2", seg(CODE, true, 2, true, false, true, true), true,
      seg(CODE, true, 3, true, false, true, true) },
    { "code DPL3", seg(CODE, true, 3, true, false, true, true), true,
      seg(CODE, true, 3, true, false, true, true) },
    { "64-bit code DPL0 (L bit)", seg(CODE, true, 0, true, true, false, true), true,
      seg(CODE, true, 3, true, true, false, true) },
    { "64-bit code DPL3 (L bit)", seg(CODE, true, 3, true, true, false, true), true,
      seg(CODE, true, 3, true, true, false, true) },
    { "conforming code DPL0", seg(0xe, true, 0, true, false, true, true), true,
      seg(0xe, true, 3, true, false, true, true) },
    { "data DPL0", seg(DATA, true, 0, true, false, true, true), true,
      seg(DATA, true, 3, true, false, true, true) },
    { "data DPL1", seg(DATA, true, 1, true, false, true, true), true,
      seg(DATA, true, 3, true, false, true, true) },
    { "data DPL2", seg(DATA, true, 2, true, false, true, true), true,
      seg(DATA, true, 3, true, false, true, true) },
    { "data DPL3", seg(DATA, true, 3, true, false, true, true), true,
      seg(DATA, true, 3, true, false, true, true) },
    /* System type 0: the upper half of a 16-byte gate, kept as is (even DPL 0). */
    { "upper half, offset bits", 0x00000000ffff8000ULL | ((uint64_t)0x8000 << 32) | 0xffffULL,
      true, 0x00000000ffff8000ULL | ((uint64_t)0x8000 << 32) | 0xffffULL },
    { "upper half DPL0 present", seg(0x0, false, 0, true, false, false, false), true,
      seg(0x0, false, 0, true, false, false, false) },
    /* Call gates: DPL forced to 0, the fixed-up DPL (3) in the target's RPL. */
    { "gate to GDT 0x10 DPL3", gate(0x0010, OFF, CALLG, 3, true, 0), true,
      gate(0x0013, OFF, CALLG, 0, true, 0) },
    { "gate to GDT 0x10 DPL0", gate(0x0010, OFF, CALLG, 0, true, 0), true,
      gate(0x0013, OFF, CALLG, 0, true, 0) },
    { "gate to GDT 0x19 DPL1", gate(0x0019, OFF, CALLG, 1, true, 0), true,
      gate(0x001b, OFF, CALLG, 0, true, 0) },
    { "gate to last guest GDT entry", gate(0xdff8, OFF, CALLG, 3, true, 0), true,
      gate(0xdffb, OFF, CALLG, 0, true, 0) },
    { "gate to LDT selector 0x7", gate(0x0007, OFF, CALLG, 3, true, 0), true,
      gate(0x0007, OFF, CALLG, 0, true, 0) },
    { "gate to LDT selector 0xe00c", gate(0xe00c, OFF, CALLG, 2, true, 0), true,
      gate(0xe00f, OFF, CALLG, 0, true, 0) },
    { "gate to FLAT_KERNEL_CS 0xe033", gate(0xe033, OFF, CALLG, 3, true, 0), true,
      gate(0xe033, OFF, CALLG, 0, true, 0) },
    { "gate to FLAT_KERNEL_CS with RPL 0", gate(0xe030, OFF, CALLG, 3, true, 0), true,
      gate(0xe033, OFF, CALLG, 0, true, 0) },
    { "gate to first reserved entry 0xe000", gate(0xe000, OFF, CALLG, 3, true, 0), false, 0 },
    { "gate to Xen ring-0 CS 0xe008", gate(0xe008, OFF, CALLG, 3, true, 0), false, 0 },
    { "gate to Xen ring-0 DS 0xe010", gate(0xe010, OFF, CALLG, 3, true, 0), false, 0 },
    { "gate to Xen CS32 0xe023", gate(0xe023, OFF, CALLG, 3, true, 0), false, 0 },
    { "gate to Xen DS 0xe02b", gate(0xe02b, OFF, CALLG, 3, true, 0), false, 0 },
    { "gate to Xen TSS 0xe040", gate(0xe040, OFF, CALLG, 3, true, 0), false, 0 },
    { "gate to last Xen entry 0xeff8", gate(0xeff8, OFF, CALLG, 3, true, 0), false, 0 },
    { "gate reserved bit 0", gate(0x0010, OFF, CALLG, 3, true, 0x01), false, 0 },
    { "gate reserved bit 7", gate(0x0010, OFF, CALLG, 3, true, 0x80), false, 0 },
    /* Every other system type. */
    { "16-bit TSS (1)", seg(0x1, false, 3, true, false, false, false), false, 0 },
    { "LDT (2)", seg(0x2, false, 3, true, false, false, false), false, 0 },
    { "busy 16-bit TSS (3)", seg(0x3, false, 3, true, false, false, false), false, 0 },
    { "16-bit call gate (4)", gate(0x0010, OFF, 0x4, 3, true, 0), false, 0 },
    { "task gate (5)", gate(0x0010, OFF, 0x5, 3, true, 0), false, 0 },
    { "16-bit interrupt gate (6)", gate(0x0010, OFF, 0x6, 3, true, 0), false, 0 },
    { "16-bit trap gate (7)", gate(0x0010, OFF, 0x7, 3, true, 0), false, 0 },
    { "reserved type 8", seg(0x8, false, 3, true, false, false, false), false, 0 },
    { "available TSS (9)", seg(0x9, false, 3, true, false, false, false), false, 0 },
    { "reserved type 10", seg(0xa, false, 3, true, false, false, false), false, 0 },
    { "busy TSS (11)", seg(0xb, false, 3, true, false, false, false), false, 0 },
    { "reserved type 13", seg(0xd, false, 3, true, false, false, false), false, 0 },
    { "interrupt gate (14)", gate(0x0010, OFF, 0xe, 3, true, 0), false, 0 },
    { "trap gate (15)", gate(0x0010, OFF, 0xf, 3, true, 0), false, 0 },
    { "interrupt gate DPL0 to Xen CS", gate(0xe008, OFF, 0xe, 0, true, 0), false, 0 },
};

/* Each descriptor is accepted or refused as the table says; accepted ones are fixed up. */
static void check_descriptor_table(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    (void)state;

    for (size_t i = 0; i < sizeof(desc_cases) / sizeof(desc_cases[0]); i++) {
        const struct desc_case *c = &desc_cases[i];
        uint64_t v = c->in;
        bool ok = check_descriptor(d, &v);

        if (ok != c->ok)
            fail_msg("%s: %s, expected %s", c->name, ok ? "accepted" : "refused",
                     c->ok ? "accepted" : "refused");
        if (ok) {
            uint64_t again = v;

            if (v != c->out)
                fail_msg("%s: stored 0x%016llx, expected 0x%016llx", c->name,
                         (unsigned long long)v, (unsigned long long)c->out);
            /* Idempotent: a stored descriptor passes again unchanged (the auditor relies on it). */
            assert_true(check_descriptor(d, &again));
            assert_int_equal(again, v);
        } else {
            /* Refused descriptors are left alone. */
            assert_int_equal(v, c->in);
        }
    }
    harness_free(h);
}

/* ---- update_descriptor ---- */

enum page_kind { GDT_PAGE, MAPPED_RW, UNUSED, L1_TABLE, FOREIGN, NO_FRAME };

struct upd_case {
    const char *name;
    enum page_kind kind;
    unsigned int offset;     /* byte offset in the frame */
    uint64_t desc;
    int rc;
    enum pvmm_rule rule;
    uint64_t stored;         /* expected contents at the slot afterwards (when rc == 0) */
};

static const struct upd_case upd_cases[] = {
    { "code DPL0 into the GDT", GDT_PAGE, 5 * 8, 0x00af9a000000ffffULL, 0, PVMM_RULE_NONE,
      0x00affa000000ffffULL },
    { "call gate into the GDT", GDT_PAGE, 8 * 8, gate(0x0010, OFF, CALLG, 3, true, 0), 0,
      PVMM_RULE_NONE, gate(0x0013, OFF, CALLG, 0, true, 0) },
    { "last slot of the GDT page", GDT_PAGE, 4088, 0, 0, PVMM_RULE_NONE, 0 },
    { "TSS into the GDT", GDT_PAGE, 6 * 8, seg(0x9, false, 0, true, false, false, false),
      -XEN_EINVAL, PVMM_RULE_BAD_DESCRIPTOR, 0 },
    { "misaligned by 4", GDT_PAGE, 5 * 8 + 4, 0, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, 0 },
    { "misaligned by 1", GDT_PAGE, 1, 0, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, 0 },
    { "into a writable mapped page", MAPPED_RW, 16, seg(DATA, true, 0, true, false, true, true),
      0, PVMM_RULE_NONE, seg(DATA, true, 3, true, false, true, true) },
    { "into an unused page", UNUSED, 0, seg(CODE, true, 1, true, true, false, true), 0,
      PVMM_RULE_NONE, seg(CODE, true, 3, true, true, false, true) },
    { "interrupt gate into an unused page", UNUSED, 0, gate(0x10, OFF, 0xe, 3, true, 0),
      -XEN_EINVAL, PVMM_RULE_BAD_DESCRIPTOR, 0 },
    { "into a page table", L1_TABLE, 0, seg(CODE, true, 3, true, true, false, true),
      -XEN_EINVAL, PVMM_RULE_TYPE_CONFLICT, 0 },
    { "into another domain's page", FOREIGN, 0, 0, -XEN_EINVAL, PVMM_RULE_NOT_OWNER, 0 },
    { "beyond machine memory", NO_FRAME, 0, 0, -XEN_EINVAL, PVMM_RULE_BAD_MFN, 0 },
};

/*
 * update_descriptor on each kind of page: a seg_desc page (seg_desc ref), a
 * writable or unused page (writable ref), a page table (-EINVAL), misaligned
 * or refused descriptors (-EINVAL, nothing written).  References are back
 * where they were afterwards.
 */
static void update_descriptor_table(void **state)
{
    (void)state;

    for (size_t i = 0; i < sizeof(upd_cases) / sizeof(upd_cases[0]); i++) {
        const struct upd_case *c = &upd_cases[i];
        struct harness *h = harness_new(NR_FRAMES);
        struct domain *d = harness_domain(h, 1, false);
        struct domain *other = harness_domain(h, 2, false);
        struct vcpu *v = &d->vcpu[0];
        struct harness_as as;
        uint64_t gdt, before[512], count = 0, type_info = 0;
        mfn_t f;
        long rc;

        harness_build_running_as(h, v, &as, 4);
        gdt = harness_alloc(h, d);
        assert_int_equal(set_gdt(v, &gdt, 512), 0);
        switch (c->kind) {
        case GDT_PAGE:  f = gdt; break;
        case MAPPED_RW: f = as.data[2]; break;
        case UNUSED:    f = harness_alloc(h, d); break;
        case L1_TABLE:  f = as.l1; break;
        case FOREIGN:   f = harness_alloc(h, other); break;
        default:        f = NR_FRAMES + 1; break;
        }
        harness_audit(h);
        if (f < NR_FRAMES) {
            memcpy(before, harness_pt(h, f), sizeof(before));
            count = h->ft[f].count_info;
            type_info = h->ft[f].type_info;
        }

        rc = do_update_descriptor(v, ((uint64_t)f << PAGE_SHIFT) + c->offset, c->desc);
        if (rc != c->rc) {
            char b[1024];

            pvmm_reason_format(pvmm_last_reason(v), b, sizeof(b));
            fail_msg("%s: rc %ld, expected %d: %s", c->name, rc, c->rc, b);
        }
        if (rc) {
            assert_reason(v, c->rule);
            assert_int_equal(v->reason.rc, c->rc);
            if (f < NR_FRAMES)
                assert_memory_equal(before, harness_pt(h, f), sizeof(before));
        } else {
            assert_int_equal(harness_pt(h, f)[c->offset / 8], c->stored);
        }
        harness_audit(h);
        if (f < NR_FRAMES) {
            /* No reference gained or lost. */
            assert_int_equal(h->ft[f].count_info, count);
            if (c->kind != UNUSED || rc)
                assert_int_equal(h->ft[f].type_info, type_info);
            else
                /* An unused page was written under a (now dropped) writable reference. */
                assert_int_equal(h->ft[f].type_info & (PGT_type_mask | PGT_count_mask),
                                 PGT_writable_page);
        }
        harness_free(h);
    }
}

/*
 * An idle seg_desc page keeps PGT_validated (it is not re-checked when it
 * becomes a GDT page again) only until its type changes: a writable mapping
 * clears the validated state, so whatever is written through it is checked
 * on the next use.
 */
static void seg_desc_validated_until_type_change(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    uint64_t f;
    (void)state;

    harness_build_running_as(h, v, &as, 4);
    /* data[3] read-only at VA 0x3000, used as the GDT, then released. */
    f = as.data[3];
    assert_int_equal(harness_pt_update(v, as.l1, 3,
                                       pte_from_mfn(f, _PAGE_PRESENT | _PAGE_ACCESSED)), 0);
    assert_int_equal(set_gdt(v, &f, 512), 0);
    assert_int_equal(do_set_gdt(v, 0, 0), 0);
    harness_audit(h);
    assert_true(h->ft[f].type_info & PGT_validated);
    assert_int_equal(harness_type(h, f), PGT_seg_desc_page);

    /* Map it writable: the type changes, the validated state goes. */
    assert_int_equal(harness_pt_update(v, as.l1, 3,
                                       pte_from_mfn(f, _PAGE_PRESENT | _PAGE_RW |
                                                    _PAGE_ACCESSED | _PAGE_DIRTY)), 0);
    harness_audit(h);
    assert_int_equal(harness_type(h, f), PGT_writable_page);
    /* The guest writes a TSS descriptor through its mapping ... */
    harness_pt(h, f)[9] = seg(0x9, false, 0, true, false, false, false);
    /* ... and drops the mapping: the next set_gdt re-checks everything. */
    assert_int_equal(harness_pt_update(v, as.l1, 3, 0), 0);
    harness_audit(h);
    assert_int_equal(set_gdt(v, &f, 512), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_BAD_DESCRIPTOR);
    assert_int_equal(v->reason.index, 9);
    harness_audit(h);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(check_descriptor_table),
        cmocka_unit_test(update_descriptor_table),
        cmocka_unit_test(seg_desc_validated_until_type_change),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
