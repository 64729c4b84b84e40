/*
 * tests/test-pin.c - pins, page-table bases and deferred puts (core/pin.c;
 * model.md §2.4, §4.4, model.md §10), through the hypercalls a guest uses.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 256

#define UPPER  (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)
#define LEAF_RW (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY)
#define LEAF_RO (_PAGE_PRESENT | _PAGE_ACCESSED)

#define L1T PGT_l1_page_table
#define L2T PGT_l2_page_table
#define L3T PGT_l3_page_table
#define L4T PGT_l4_page_table
#define WRT PGT_writable_page
#define VAL PGT_validated
#define PIN PGT_pinned

struct fx {
    struct harness *h;
    struct domain *d;
    struct vcpu *v;
    struct harness_as as;
};

/* A running address space with nr_data data frames mapped RW at slots 0.. of as.l1. */
static struct fx fx_running(unsigned int nr_data)
{
    struct fx f;

    f.h = harness_new(NR_FRAMES);
    f.d = harness_domain(f.h, 1, false);
    f.v = &f.d->vcpu[0];
    harness_build_running_as(f.h, f.v, &f.as, nr_data);
    harness_audit(f.h);
    return f;
}

static uint64_t type_info(struct fx *f, mfn_t m)
{
    return f->h->ft[m].type_info;
}

/* Change the running L1's entry `slot` (which maps a data frame) to flags. */
static long remap(struct fx *f, unsigned int slot, mfn_t m, uint64_t flags)
{
    return harness_pt_update(f->v, f->as.l1, slot, pte_from_mfn(m, flags));
}

/*
 * The recipe from Xen's MMU_NORMAL_PT_UPDATE documentation (public xen.h):
 * fill a new L4 -> L3 -> L2 -> L1 while the frames are ordinary writable
 * memory, make each level read-only bottom-up, pin the L4, switch to it with
 * NEW_BASEPTR, update it through mmu_update, and tear it down in reverse.
 * Until every level is read-only the pin must fail and change nothing.
 */
static void construction_recipe(void **state)
{
    struct fx f = fx_running(8);
    /* The new tables and two data frames, all mapped RW in the running space. */
    mfn_t l4 = f.as.data[0], l3 = f.as.data[1], l2 = f.as.data[2], l1 = f.as.data[3];
    mfn_t d0 = f.as.data[4], d1 = f.as.data[5];
    mfn_t tables[4] = { l1, l2, l3, l4 };   /* bottom-up */
    intpte_t *p;

    (void)state;
    /* 1. Fill through the writable mappings (plain guest stores). */
    memset(harness_pt(f.h, l4), 0, PAGE_SIZE);
    harness_pt(f.h, l4)[1] = pte_from_mfn(l3, UPPER);
    harness_pt(f.h, l3)[2] = pte_from_mfn(l2, UPPER);
    harness_pt(f.h, l2)[3] = pte_from_mfn(l1, UPPER);
    harness_pt(f.h, l1)[0] = pte_from_mfn(d0, LEAF_RW);
    harness_pt(f.h, l1)[1] = pte_from_mfn(d1, LEAF_RO);
    for (unsigned int i = 0; i < 4; i++)
        assert_int_equal(type_info(&f, tables[i]), WRT | VAL | 1);

    /*
     * 2. Read-only bottom-up.  While level i+1 is still writable, pinning it
     * fails, but the read-only levels below already form a valid subtree.
     */
    for (unsigned int i = 0; i < 4; i++) {
        assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE + i, tables[i], 0),
                         -XEN_EINVAL);
        assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
        assert_int_equal(pvmm_last_reason(f.v)->frame, tables[i]);
        assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, l4, 0), -XEN_EINVAL);
        assert_int_equal(type_info(&f, l4), WRT | VAL | 1);
        for (unsigned int j = 0; j < 4; j++)
            assert_int_equal(harness_type_count(f.h, tables[j]), j < i ? 0 : 1);
        harness_audit(f.h);
        if (i > 0) {
            assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE + i - 1, tables[i - 1], 0), 0);
            assert_int_equal(type_info(&f, tables[i - 1]), PGT_level_type(i) | VAL | PIN | 1);
            harness_audit(f.h);
            assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, tables[i - 1], 0), 0);
            assert_int_equal(type_info(&f, tables[i - 1]), PGT_level_type(i));
            harness_audit(f.h);
        }
        assert_int_equal(remap(&f, 3 - i, tables[i], LEAF_RO), 0);
        assert_int_equal(harness_type_count(f.h, tables[i]), 0);
        harness_audit(f.h);
    }

    /* 3. Pin the L4: the whole tree is validated. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, l4, 0), 0);
    assert_int_equal(type_info(&f, l4), L4T | VAL | PIN | 1);
    assert_int_equal(type_info(&f, l3), L3T | VAL | 1);
    assert_int_equal(type_info(&f, l2), L2T | VAL | 1);
    assert_int_equal(type_info(&f, l1), L1T | VAL | 1);
    /* d0, d1 are also mapped RW in the running space (slots 4, 5). */
    assert_int_equal(type_info(&f, d0), WRT | VAL | 2);
    assert_int_equal(harness_count(f.h, d1), 3);   /* allocation, running RW, new RO */
    harness_audit(f.h);

    /* 4. Switch to it. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, l4, 0), 0);
    assert_int_equal(f.v->guest_table, l4);
    assert_int_equal(type_info(&f, l4), L4T | VAL | PIN | 2);
    assert_int_equal(type_info(&f, f.as.l4), L4T | VAL | PIN | 1);
    p = harness_pt(f.h, l4);
    assert_int_equal(p[256], f.h->s.xen_l4_slots[0]);   /* RO M2P filled (m2p_strict off) */
    harness_audit(f.h);

    /* 5. Updates via mmu_update: remap d1 writable, then map an L1 writable (refused). */
    assert_int_equal(harness_pt_update(f.v, l1, 1, pte_from_mfn(d1, LEAF_RW)), 0);
    assert_int_equal(type_info(&f, d1), WRT | VAL | 2);
    harness_audit(f.h);
    assert_int_equal(harness_pt_update(f.v, l1, 2, pte_from_mfn(l2, LEAF_RW)), -XEN_EBUSY);
    assert_int_equal(harness_pt(f.h, l1)[2], 0);
    harness_audit(f.h);
    assert_int_equal(harness_pt_update(f.v, l1, 2, pte_from_mfn(l2, LEAF_RO)), 0);
    harness_audit(f.h);
    assert_int_equal(harness_pt_update(f.v, l1, 2, 0), 0);
    assert_int_equal(harness_pt_update(f.v, l1, 1, 0), 0);
    assert_int_equal(type_info(&f, d1), WRT | VAL | 1);
    assert_int_equal(harness_count(f.h, d1), 2);
    harness_audit(f.h);

    /* 6. Tear down in reverse: back to the old base, unpin, writable top-down. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, f.as.l4, 0), 0);
    assert_int_equal(type_info(&f, l4), L4T | VAL | PIN | 1);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, l4, 0), 0);
    for (unsigned int i = 0; i < 4; i++) {
        assert_int_equal(harness_type_count(f.h, tables[i]), 0);
        assert_false(type_info(&f, tables[i]) & (VAL | PIN));
    }
    assert_int_equal(harness_type_count(f.h, d0), 1);
    assert_int_equal(harness_count(f.h, d0), 2);
    harness_audit(f.h);
    for (unsigned int i = 4; i-- > 0; ) {
        assert_int_equal(remap(&f, 3 - i, tables[i], LEAF_RW), 0);
        assert_int_equal(type_info(&f, tables[i]), WRT | VAL | 1);
        harness_audit(f.h);
    }
    harness_free(f.h);
}

/*
 * A pin that fails deep in the tree (the L1 is still mapped writable) rolls
 * back every level validated on the way, and the reason names the L1 and
 * the mapping that blocks it.
 */
static void pin_fails_deep_in_tree(void **state)
{
    struct fx f = fx_running(4);
    mfn_t l4 = f.as.data[0], l3 = f.as.data[1], l2 = f.as.data[2], l1 = f.as.data[3];
    const struct pvmm_reason *r = pvmm_last_reason(f.v);

    (void)state;
    memset(harness_pt(f.h, l4), 0, PAGE_SIZE);
    harness_pt(f.h, l4)[0] = pte_from_mfn(l3, UPPER);
    harness_pt(f.h, l3)[0] = pte_from_mfn(l2, UPPER);
    harness_pt(f.h, l2)[0] = pte_from_mfn(l1, UPPER);
    for (unsigned int i = 0; i < 3; i++)
        assert_int_equal(remap(&f, i, f.as.data[i], LEAF_RO), 0);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, l4, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(r->frame, l1);
    assert_int_equal(r->want_type, L1T);
    assert_true(r->have_blocker);
    assert_int_equal(r->blocker_l1, f.as.l1);
    assert_int_equal(r->blocker_slot, 3);
    for (unsigned int i = 0; i < 3; i++) {
        assert_int_equal(harness_type_count(f.h, f.as.data[i]), 0);
        assert_false(type_info(&f, f.as.data[i]) & (VAL | PIN));
    }
    assert_null(f.v->old_guest_table);
    harness_audit(f.h);
    /* Read-only now: the same pin succeeds. */
    assert_int_equal(remap(&f, 3, l1, LEAF_RO), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, l4, 0), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

/*
 * model.md §10: unpinning the L4 loaded in CR3 succeeds - CR3 holds its own
 * type reference - and the table stays validated (cannot be mapped
 * writable) until CR3 moves away from it.
 */
static void unpin_l4_in_cr3(void **state)
{
    struct fx f = fx_running(2);
    struct harness_as other;
    mfn_t l4 = f.as.l4;

    (void)state;
    harness_build_as(f.h, f.d, &other, 1);
    assert_int_equal(type_info(&f, l4), L4T | VAL | PIN | 2);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, l4, 0), 0);
    assert_int_equal(type_info(&f, l4), L4T | VAL | 1);
    assert_int_equal(harness_count(f.h, l4), 3);   /* allocation, RO self-map, CR3 */
    harness_audit(f.h);
    /* Still validated: a writable mapping is refused. */
    assert_int_equal(remap(&f, 256, l4, LEAF_RW), -XEN_EBUSY);
    harness_audit(f.h);
    /* CR3 moves (other's unpinned L4 is validated on the way): the old L4 loses its type. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, other.l4, 0), 0);
    assert_int_equal(type_info(&f, l4), L4T);
    assert_int_equal(type_info(&f, f.as.l3), L3T);
    harness_audit(f.h);
    /* Now nothing keeps it a page table: it may be mapped writable from the new space. */
    assert_int_equal(harness_pt_update(f.v, other.l1, 5, pte_from_mfn(l4, LEAF_RW)), 0);
    assert_int_equal(type_info(&f, l4), WRT | VAL | 1);
    harness_audit(f.h);
    harness_free(f.h);
}

/* model.md §10: NEW_BASEPTR validates an unpinned L4 on the fly; CR3 holds the only reference. */
static void new_baseptr_validates_unpinned(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    unsigned long ptbase = h->nr_ptbase_writes;

    (void)state;
    harness_build_as(h, d, &as, 2);
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_BASEPTR, as.l4, 0), 0);
    assert_int_equal(v->guest_table, as.l4);
    assert_int_equal(h->ft[as.l4].type_info, L4T | VAL | 1);
    assert_int_equal(h->ft[as.l1].type_info, L1T | VAL | 1);
    assert_true(h->nr_ptbase_writes > ptbase);
    harness_audit(h);
    /* The same base again only reloads CR3. */
    ptbase = h->nr_ptbase_writes;
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_BASEPTR, as.l4, 0), 0);
    assert_int_equal(h->ft[as.l4].type_info, L4T | VAL | 1);
    assert_int_equal(h->nr_ptbase_writes, ptbase + 1);
    harness_audit(h);
    harness_free(h);
}

/* NEW_USER_BASEPTR loads CR3 only in user mode, where the user L4 is the one in use (as Xen,
 * which never reloads it for a vCPU in kernel mode). */
static void new_user_baseptr_loads_only_in_user_mode(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as a, b;
    unsigned long ptbase;

    (void)state;
    harness_build_as(h, d, &a, 2);
    harness_build_as(h, d, &b, 2);
    ptbase = h->nr_ptbase_writes;
    assert_true(v->kernel_mode);
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_USER_BASEPTR, a.l4, 0), 0);
    assert_int_equal(v->guest_table_user, a.l4);
    assert_int_equal(h->nr_ptbase_writes, ptbase);
    v->kernel_mode = false;
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_USER_BASEPTR, b.l4, 0), 0);
    assert_int_equal(v->guest_table_user, b.l4);
    assert_int_equal(h->nr_ptbase_writes, ptbase + 1);
    v->kernel_mode = true;
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
    assert_int_equal(h->nr_ptbase_writes, ptbase + 1);
    harness_audit(h);
    harness_free(h);
}

/* NEW_BASEPTR fails if the L4 is mapped writable or its contents are invalid. */
static void new_baseptr_failures(void **state)
{
    struct fx f = fx_running(3);
    mfn_t l4 = f.as.data[0], bad = f.as.data[1];
    unsigned long ptbase = f.h->nr_ptbase_writes;

    (void)state;
    memset(harness_pt(f.h, l4), 0, PAGE_SIZE);
    reason_clear(f.v, -1);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, l4, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
    assert_true(pvmm_last_reason(f.v)->have_blocker);
    assert_int_equal(pvmm_last_reason(f.v)->blocker_l1, f.as.l1);
    assert_int_equal(pvmm_last_reason(f.v)->blocker_slot, 0);
    assert_int_equal(f.v->guest_table, f.as.l4);
    assert_int_equal(f.h->nr_ptbase_writes, ptbase);
    harness_audit(f.h);

    /* Read-only but with an entry pointing at a writable-mapped frame as an L3. */
    assert_int_equal(remap(&f, 1, bad, LEAF_RO), 0);
    harness_pt(f.h, bad)[0] = pte_from_mfn(f.as.data[2], UPPER);
    assert_int_equal(remap(&f, 0, l4, LEAF_RO), 0);
    harness_pt(f.h, l4)[0] = pte_from_mfn(bad, UPPER);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, l4, 0), -XEN_EINVAL);
    assert_int_equal(type_info(&f, l4) & (PGT_count_mask | VAL), 0);
    assert_int_equal(harness_type_count(f.h, bad), 0);
    assert_int_equal(f.v->guest_table, f.as.l4);
    harness_audit(f.h);

    /* A frame of nobody or out of range. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, NR_FRAMES + 5, 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, 3, 0), -XEN_EINVAL);
    harness_audit(f.h);
    harness_free(f.h);
}

/* Pins do not nest: a second pin is -EINVAL and leaves the counts as they were. */
static void double_pin(void **state)
{
    struct fx f = fx_running(1);
    mfn_t l4 = f.as.l4, l1 = f.as.l1;

    (void)state;
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L4_TABLE, l4, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_ALREADY_PINNED);
    assert_int_equal(type_info(&f, l4), L4T | VAL | PIN | 2);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, l1, 0), 0);
    assert_int_equal(type_info(&f, l1), L1T | VAL | PIN | 2);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, l1, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_ALREADY_PINNED);
    assert_int_equal(type_info(&f, l1), L1T | VAL | PIN | 2);
    harness_audit(f.h);
    /* Pinning at the wrong level is a type conflict. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L2_TABLE, l1, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, l1, 0), 0);
    assert_int_equal(type_info(&f, l1), L1T | VAL | 1);
    harness_audit(f.h);
    harness_free(f.h);
}

/* Unpinning an unpinned frame is -EINVAL and drops nothing (no underflow). */
static void unpin_underflow(void **state)
{
    struct fx f = fx_running(1);
    mfn_t l3 = f.as.l3;
    uint64_t count = harness_count(f.h, l3);

    (void)state;
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, l3, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_NOT_PINNED);
    assert_int_equal(type_info(&f, l3), L3T | VAL | 1);
    assert_int_equal(harness_count(f.h, l3), count);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, f.as.l4, 0), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, f.as.l4, 0), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_NOT_PINNED);
    assert_int_equal(type_info(&f, f.as.l4), L4T | VAL | 1);
    harness_audit(f.h);
    /* A data frame, a free frame, an I/O frame. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, f.as.data[0], 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, NR_FRAMES - 10, 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, 2, 0), -XEN_EINVAL);
    harness_audit(f.h);
    harness_free(f.h);
}

/* A page with a writable mapping cannot be pinned; the reason names the mapping. */
static void pin_writable_mapped_page(void **state)
{
    struct fx f = fx_running(2);
    mfn_t m = f.as.data[1];
    const struct pvmm_reason *r = pvmm_last_reason(f.v);

    (void)state;
    memset(harness_pt(f.h, m), 0, PAGE_SIZE);
    for (unsigned int lvl = 1; lvl <= 4; lvl++) {
        assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE + lvl - 1, m, 0), -XEN_EINVAL);
        assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
        assert_int_equal(r->want_type, PGT_level_type(lvl));
        assert_true(r->have_blocker);
        assert_int_equal(r->blocker_l1, f.as.l1);
        assert_int_equal(r->blocker_slot, 1);
        assert_int_equal(r->blocker_va, HARNESS_DATA_VA + PAGE_SIZE);
        assert_int_equal(type_info(&f, m), WRT | VAL | 1);
        harness_audit(f.h);
    }
    /* Once read-only, it pins. */
    assert_int_equal(remap(&f, 1, m, LEAF_RO), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, m, 0), 0);
    assert_int_equal(type_info(&f, m), L1T | VAL | PIN | 1);
    harness_audit(f.h);
    harness_free(f.h);
}

/* NEW_USER_BASEPTR: its own reference; the same frame is a no-op; 0 removes it. */
static void new_user_baseptr(void **state)
{
    struct fx f = fx_running(1);
    struct harness_as user;

    (void)state;
    harness_build_as(f.h, f.d, &user, 1);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_USER_BASEPTR, user.l4, 0), 0);
    assert_int_equal(f.v->guest_table_user, user.l4);
    assert_int_equal(type_info(&f, user.l4), L4T | VAL | 1);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_USER_BASEPTR, user.l4, 0), 0);
    assert_int_equal(type_info(&f, user.l4), L4T | VAL | 1);
    /* The kernel L4 as user L4 too: two references. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_USER_BASEPTR, f.as.l4, 0), 0);
    assert_int_equal(type_info(&f, f.as.l4), L4T | VAL | PIN | 3);
    assert_int_equal(type_info(&f, user.l4), L4T);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
    assert_int_equal(f.v->guest_table_user, INVALID_MFN);
    assert_int_equal(type_info(&f, f.as.l4), L4T | VAL | PIN | 2);
    harness_audit(f.h);
    harness_free(f.h);
}

/*
 * VMASST_TYPE_m2p_strict: off, NEW_BASEPTR puts the RO M2P in slot 256;
 * on, new L4s carry it and a user base has it removed.
 */
static void m2p_strict_slot_256(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as a, b;
    intpte_t m2p = h->s.xen_l4_slots[0];

    (void)state;
    harness_build_as(h, d, &a, 1);
    harness_build_as(h, d, &b, 1);
    assert_int_equal(harness_mmuext(v, MMUEXT_PIN_L4_TABLE, a.l4, 0), 0);
    assert_int_equal(harness_pt(h, a.l4)[256], 0);
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_BASEPTR, a.l4, 0), 0);
    assert_int_equal(harness_pt(h, a.l4)[256], m2p);
    harness_audit(h);

    assert_int_equal(do_vm_assist(v, VMASST_CMD_enable, VMASST_TYPE_m2p_strict), 0);
    assert_int_equal(harness_mmuext(v, MMUEXT_PIN_L4_TABLE, b.l4, 0), 0);
    assert_int_equal(harness_pt(h, b.l4)[256], m2p);
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_USER_BASEPTR, b.l4, 0), 0);
    assert_int_equal(harness_pt(h, b.l4)[256], 0);
    harness_audit(h);
    harness_free(h);
}

/* The builder entry points: non-preemptible, and failures leave nothing behind. */
static void builder_wrappers(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;

    (void)state;
    harness_build_as(h, d, &as, 2);
    h->preempt_every = true;   /* never consulted */
    assert_int_equal(pvmm_pin_table(v, as.l4, 4), 0);
    assert_int_equal(pvmm_new_baseptr(v, as.l4), 0);
    h->preempt_every = false;
    assert_int_equal(h->ft[as.l4].type_info, L4T | VAL | PIN | 2);
    assert_null(v->old_guest_table);
    harness_audit(h);
    assert_int_equal(pvmm_pin_table(v, as.l1, 0), -XEN_EINVAL);
    assert_int_equal(pvmm_pin_table(v, as.l1, 5), -XEN_EINVAL);
    assert_int_equal(pvmm_pin_table(v, as.l4, 4), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_ALREADY_PINNED);
    assert_int_equal(h->ft[as.l4].type_info, L4T | VAL | PIN | 2);
    harness_audit(h);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(construction_recipe),
        cmocka_unit_test(pin_fails_deep_in_tree),
        cmocka_unit_test(unpin_l4_in_cr3),
        cmocka_unit_test(new_baseptr_validates_unpinned),
        cmocka_unit_test(new_user_baseptr_loads_only_in_user_mode),
        cmocka_unit_test(new_baseptr_failures),
        cmocka_unit_test(double_pin),
        cmocka_unit_test(unpin_underflow),
        cmocka_unit_test(pin_writable_mapped_page),
        cmocka_unit_test(new_user_baseptr),
        cmocka_unit_test(m2p_strict_slot_256),
        cmocka_unit_test(builder_wrappers),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
