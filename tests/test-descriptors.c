/*
 * tests/test-descriptors.c - check_descriptor, seg_desc pages, set_gdt and
 * update_descriptor (core/descriptors.c; facts §5.1-§5.3, Appendix C).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 256

/* ---- building descriptors ---- */

/*
 * A flat code/data (s = 1) or system (s = 0) descriptor with base 0, limit
 * 0xfffff: type (4 bits), DPL, present, L, D/B, G.
 */
#define SEG(type, s, dpl, p, l, db, g) \
    ((((uint64_t)(((uint32_t)(type) << 8) | ((uint32_t)(s) << 12) | ((uint32_t)(dpl) << 13) | \
                  ((uint32_t)(p) << 15) | (0xfU << 16) | ((uint32_t)(l) << 21) | \
                  ((uint32_t)(db) << 22) | ((uint32_t)(g) << 23))) << 32) | 0xffffULL)
#define seg(...) SEG(__VA_ARGS__)

/* A gate (lower 8 bytes): target selector, offset 31:0, type, DPL, present, bits 0-7. */
#define GATE(sel, off, type, dpl, p, low_bits) \
    ((((uint64_t)(((uint32_t)(off) & 0xffff0000U) | ((uint32_t)(type) << 8) | \
                  ((uint32_t)(dpl) << 13) | ((uint32_t)(p) << 15) | (uint32_t)(low_bits))) << 32) | \
     (uint64_t)(((uint32_t)(off) & 0xffffU) | ((uint32_t)(sel) << 16)))
#define gate(...) GATE(__VA_ARGS__)

#define CODE   0xaU   /* execute/read, code (with S) */
#define DATA   0x2U   /* read/write data (with S) */
#define CALLG  0xcU   /* 64-bit call gate */
#define OFF    0x12345678U

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

/* ---- set_gdt ---- */

static long set_gdt(struct vcpu *v, const uint64_t *frames, unsigned int entries)
{
    return do_set_gdt(v, (uint64_t)(uintptr_t)frames, entries);
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
        cmocka_unit_test(check_descriptor_table),
        cmocka_unit_test(set_gdt_validates_and_fixes_up),
        cmocka_unit_test(set_gdt_bad_descriptor),
        cmocka_unit_test(set_gdt_arguments),
        cmocka_unit_test(set_gdt_replaces_old),
        cmocka_unit_test(set_gdt_writable_frame_names_mapping),
        cmocka_unit_test(update_descriptor_table),
        cmocka_unit_test(seg_desc_validated_until_type_change),
        cmocka_unit_test(xsa214_seg_desc_type_zapped_on_owner_change),
        cmocka_unit_test(teardown_releases_gdt),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
