/*
 * tests/test-audit.c - the full-state auditor (core/audit.c, audit-refs.c).
 *
 * The auditor is the oracle of every other test, so it is tested both ways:
 * states built by the real core (fresh machine, address spaces built,
 * pinned, loaded as bases, linear entries, descriptor pages, shared
 * hypervisor pages, foreign and I/O mappings) must audit clean; and each
 * check must fire when the state is corrupted directly, behind the core's
 * back.  One table row per check: the corruption, the check it must report,
 * and the (documented) other checks the same corruption unavoidably implies.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../core/grant-table.h"

#define NR_FRAMES 512

static const uint64_t RO = _PAGE_PRESENT | _PAGE_ACCESSED;
static const uint64_t RW = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;

/* A running address space on d0 vCPU 0 plus a second, unprivileged domain. */
struct fixture {
    struct harness *h;
    struct domain *d, *d2;
    struct vcpu *v;
    struct harness_as as;
    mfn_t spare;        /* an allocated, unmapped frame of d */
    mfn_t other;        /* an allocated frame of d2 */
};

static void setup(struct fixture *f, bool privileged)
{
    memset(f, 0, sizeof(*f));
    f->h = harness_new(NR_FRAMES);
    f->d = harness_domain(f->h, 1, privileged);
    f->d2 = harness_domain(f->h, 2, false);
    f->v = &f->d->vcpu[0];
    harness_build_running_as(f->h, f->v, &f->as, 4);
    f->spare = harness_alloc(f->h, f->d);
    f->other = harness_alloc(f->h, f->d2);
    harness_audit(f->h);
}

/* Bitmask of the checks the auditor reports now (asserting the report is consistent). */
static uint32_t reported_checks(struct harness *h, unsigned int *nr)
{
    struct pvmm_audit_report r;
    uint32_t mask = 0;

    *nr = pvmm_audit(&h->s, h->audit_scratch, &r);
    assert_int_equal(*nr, r.nr_violations);
    assert_true(r.nr_recorded <= r.nr_violations);
    assert_true(r.nr_recorded == r.nr_violations || r.nr_recorded == PVMM_AUDIT_MAX_RECORDED);
    for (unsigned int i = 0; i < r.nr_recorded; i++) {
        char line[256];

        assert_true(r.v[i].check < PVMM_AUDIT_CHECK_COUNT);
        mask |= 1U << r.v[i].check;
        assert_true(pvmm_audit_format(&r.v[i], line, sizeof(line)) > 0);
        if (getenv("PVMM_TEST_LOG"))
            printf("#   audit: %s\n", line);
    }
    return mask;
}

#define BIT(c) (1U << PVMM_AUDIT_##c)

/* ---- clean states ---- */

static void test_clean_fresh_machine(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);

    (void)state;
    harness_audit(h);
    harness_domain(h, 0, true);
    harness_audit(h);
    harness_free(h);
}

static void test_clean_built_pinned_running(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 0, false);
    struct harness_as as;

    (void)state;
    /* Built but not validated: only allocation references. */
    harness_build_as(h, d, &as, 3);
    harness_audit(h);
    assert_int_equal(d->tot_pages, 7);

    /* Pinned: the whole tree validated. */
    assert_int_equal(pvmm_pin_table(&d->vcpu[0], as.l4, 4), 0);
    harness_audit(h);
    assert_int_equal(harness_type(h, as.l1), PGT_l1_page_table);

    /* Loaded as the kernel base as well. */
    assert_int_equal(pvmm_new_baseptr(&d->vcpu[0], as.l4), 0);
    harness_audit(h);

    /* Unpinned while loaded (model.md §10): the base keeps it validated. */
    assert_int_equal(harness_mmuext(&d->vcpu[0], MMUEXT_UNPIN_TABLE, as.l4, 0), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, as.l4), 1);

    /* The same L4 as user base on the second vCPU. */
    assert_int_equal(harness_mmuext(&d->vcpu[1], MMUEXT_NEW_USER_BASEPTR, as.l4, 0), 0);
    harness_audit(h);
    harness_free(h);
}

static void test_clean_entry_updates(void **state)
{
    struct fixture f;
    mfn_t l1b;

    (void)state;
    setup(&f, false);

    /* Map, remap read-only, unmap a data frame. */
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 20, pte_from_mfn(f.spare, RW)), 0);
    harness_audit(f.h);
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 20, pte_from_mfn(f.spare, RO)), 0);
    harness_audit(f.h);
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 20, 0), 0);
    harness_audit(f.h);

    /* A second L1 hooked into the L2, then unhooked (devalidated). */
    l1b = harness_alloc(f.h, f.d);
    harness_pt(f.h, l1b)[3] = pte_from_mfn(f.spare, RW);
    assert_int_equal(harness_pt_update(f.v, f.as.l2, 1, pte_from_mfn(l1b, RW | _PAGE_USER)), 0);
    harness_audit(f.h);
    assert_int_equal(harness_type(f.h, l1b), PGT_l1_page_table);
    assert_int_equal(harness_pt_update(f.v, f.as.l2, 1, 0), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

static void test_clean_linear_entries(void **state)
{
    struct fixture f;
    mfn_t l4b;

    (void)state;
    setup(&f, false);

    /* A read-only self-reference holds nothing. */
    assert_int_equal(harness_pt_update(f.v, f.as.l4, 5, pte_from_mfn(f.as.l4, RO)), 0);
    harness_audit(f.h);

    /* A read-only linear entry to another validated L4 of the domain. */
    l4b = harness_alloc(f.h, f.d);
    assert_int_equal(pvmm_pin_table(f.v, l4b, 4), 0);
    harness_audit(f.h);
    assert_int_equal(harness_pt_update(f.v, f.as.l4, 6, pte_from_mfn(l4b, RO)), 0);
    harness_audit(f.h);
    assert_int_equal(f.h->ft[f.as.l4].linear_pt_count, 1);
    assert_int_equal(f.h->ft[l4b].linear_pt_count, -1);
    assert_int_equal(harness_pt_update(f.v, f.as.l4, 6, 0), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

static void test_clean_descriptors_and_special_frames(void **state)
{
    struct fixture f;
    uint64_t frames[1];
    mfn_t xen;

    (void)state;
    setup(&f, true);

    /* A GDT frame: read-only mapped is fine, it gets seg_desc type refs. */
    frames[0] = f.spare;
    assert_int_equal(do_set_gdt(f.v, (uint64_t)(uintptr_t)frames, 16), 0);
    harness_audit(f.h);
    assert_int_equal(harness_type(f.h, f.spare), PGT_seg_desc_page);
    assert_int_equal(do_set_gdt(f.v, (uint64_t)(uintptr_t)frames, 0), 0);
    harness_audit(f.h);

    /* A privileged domain maps an I/O frame and another domain's frame. */
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 30, pte_from_mfn(3, RO | _PAGE_PCD)), 0);
    harness_audit(f.h);
    assert_int_equal(harness_mmu_update(f.v, &(struct mmu_update){
                         .ptr = (f.as.l1 << PAGE_SHIFT) + 31 * 8,
                         .val = pte_from_mfn(f.other, RW) }, 1, NULL, 2), 0);
    harness_audit(f.h);

    /* A hypervisor page shared writable with the domain and mapped. */
    xen = NR_FRAMES - 3;
    pvmm_reserve_frame(&f.h->s, xen);
    harness_audit(f.h);
    pvmm_share_xen_page(&f.h->s, xen, f.d, true);
    harness_audit(f.h);
    assert_int_equal(harness_pt_update(f.v, f.as.l1, 32, pte_from_mfn(xen, RW)), 0);
    harness_audit(f.h);

    /* A hypervisor page shared with privileged guests, mapped read-only via DOMID_XEN. */
    xen = NR_FRAMES - 4;
    pvmm_reserve_frame(&f.h->s, xen);
    pvmm_share_xen_page_with_privileged_guests(&f.h->s, xen);
    harness_audit(f.h);
    assert_int_equal(harness_mmu_update(f.v, &(struct mmu_update){
                         .ptr = (f.as.l1 << PAGE_SHIFT) + 33 * 8,
                         .val = pte_from_mfn(xen, RO) }, 1, NULL, DOMID_XEN), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

/* ---- corruptions: one row per check ---- */

struct corruption {
    const char *name;
    void (*corrupt)(struct fixture *f);
    enum pvmm_audit_check check;  /* must be reported */
    uint32_t also;                /* other checks the corruption necessarily implies */
};

static void bump_count(struct fixture *f) { f->h->ft[f->as.data[0]].count_info++; }
static void bump_type_count(struct fixture *f) { f->h->ft[f->as.data[0]].type_info++; }
static void leave_page_locked(struct fixture *f)
{
    f->h->ft[f->as.l1].type_info += PGT_locked | 1;
}
static void type_without_ref(struct fixture *f)
{
    /* The hypervisor's own frame: owner dom_xen, no general reference. */
    struct page_info *pg = &f->h->ft[NR_FRAMES - 1];

    pg->count_info = 0;
    pg->type_info = PGT_writable_page | PGT_validated | 1;
}
static void ref_without_owner(struct fixture *f)
{
    f->h->ft[f->spare].owner = 5;   /* no such domain */
    f->d->tot_pages--;
}
static void allocated_no_ref(struct fixture *f)
{
    f->h->ft[f->spare].count_info = PGC_allocated;
}
static void writable_l1e_to_l2(struct fixture *f)
{
    harness_pt(f->h, f->as.l1)[10] = pte_from_mfn(f->as.l2, RW);
}
static void data_frame_in_l2(struct fixture *f)
{
    harness_pt(f->h, f->as.l2)[1] = pte_from_mfn(f->as.data[0], RW | _PAGE_USER);
}
static void writable_self_reference(struct fixture *f)
{
    harness_pt(f->h, f->as.l2)[2] = pte_from_mfn(f->as.l2, RW | _PAGE_USER);
}
static void overwrite_xen_slot(struct fixture *f)
{
    harness_pt(f->h, f->as.l4)[258] = 0;
}
static void overwrite_xen_slot_270(struct fixture *f)
{
    harness_pt(f->h, f->as.l4)[270] = pte_from_mfn(f->as.data[1], RW);
}
static void map_io_frame(struct fixture *f)
{
    harness_pt(f->h, f->as.l1)[11] = pte_from_mfn(3, RO);
}
static void map_foreign_frame(struct fixture *f)
{
    harness_pt(f->h, f->as.l1)[12] = pte_from_mfn(f->other, RO);
}
static void disallowed_l1_flag(struct fixture *f)
{
    harness_pt(f->h, f->as.l1)[0] |= _PAGE_PCD;
}
static void superpage_l2e(struct fixture *f)
{
    harness_pt(f->h, f->as.l2)[0] |= _PAGE_PSE;
}
static void clear_validated(struct fixture *f)
{
    f->h->ft[f->as.l1].type_info &= ~PGT_validated;
}
static void pin_data_frame(struct fixture *f)
{
    f->h->ft[f->as.data[0]].type_info |= PGT_pinned;
}
static void base_not_l4(struct fixture *f)
{
    f->v->guest_table_user = f->as.l3;
}
static void free_frame_with_owner(struct fixture *f)
{
    f->h->ft[f->h->s.free_head].owner = f->d->domain_id;
}
/* A frame a teardown forgot: off the free list, no references, its domain gone. */
static void frame_of_gone_domain(struct fixture *f)
{
    f->h->ft[f->other].owner = 5;
    f->h->ft[f->other].count_info = 0;
}
static void free_list_count(struct fixture *f)
{
    f->h->s.nr_free++;
}
static void wrong_tot_pages(struct fixture *f)
{
    f->d->tot_pages++;
}
static void bad_descriptor(struct fixture *f)
{
    /* An idle validated descriptor page, then a present TSS written behind Xen's back. */
    f->h->ft[f->spare].type_info = PGT_seg_desc_page | PGT_validated;
    assert_int_equal(harness_audit_count(f->h), 0);
    harness_pt(f->h, f->spare)[7] = 0x00008900000000ffUL;
}
static void map_unshared_xen_frame(struct fixture *f)
{
    /* Even a privileged domain may not map a hypervisor frame nobody shared. */
    f->d->is_privileged = true;
    harness_pt(f->h, f->as.l1)[11] = pte_from_mfn(NR_FRAMES - 1, RO);
}
static void unbalanced_linear_count(struct fixture *f)
{
    f->h->ft[f->as.l2].linear_pt_count = 1;
}
static void free_frame_m2p(struct fixture *f)
{
    f->h->m2p[f->h->s.free_head] = 0x42;
}

/* d maps its own grant 10 of frame spare for a device, read-only: its active entry. */
static struct active_grant_entry *grant_device_mapping(struct fixture *f)
{
    uint64_t frame = 0;
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
                                     .frame_list = (uint64_t)(uintptr_t)&frame };
    struct gnttab_map_grant_ref m = { .flags = GNTMAP_device_map | GNTMAP_readonly,
                                      .ref = 10, .dom = f->d->domain_id };
    struct grant_entry_v1 *e;

    assert_int_equal(do_grant_table_op(f->v, GNTTABOP_setup_table,
                                       (uint64_t)(uintptr_t)&st, 1), 0);
    e = (struct grant_entry_v1 *)harness_pt(f->h, frame);
    e[10] = (struct grant_entry_v1){ GTF_permit_access, f->d->domain_id, (uint32_t)f->spare };
    assert_int_equal(do_grant_table_op(f->v, GNTTABOP_map_grant_ref,
                                       (uint64_t)(uintptr_t)&m, 1), 0);
    assert_int_equal(m.status, GNTST_okay);
    assert_int_equal(harness_audit_count(f->h), 0);
    return gnttab_active(f->d, 10);
}
static void grant_pin_bumped(struct fixture *f)
{
    grant_device_mapping(f)->pin += GNTPIN_hstr_inc;
}
static void grant_pin_dropped(struct fixture *f)
{
    grant_device_mapping(f)->pin = 0;
}

static void plant_core_bug(struct fixture *f)
{
    /* A put on a free frame: a state the core's invariants exclude. */
    harness_expect_core_bugs(f->h, 1);
    put_page(&f->h->s, &f->h->ft[f->h->s.free_head]);
    assert_int_equal(pvmm_core_bugs(&f->h->s), 1);
}

/* A domain's count of foreign mappings says one more than the tables hold. */
static void bump_foreign_maps(struct fixture *f)
{
    f->d2->nr_foreign_maps++;
}

static const struct corruption corruptions[] = {
    { "bump a general count", bump_count, PVMM_AUDIT_COUNT_MISMATCH, 0 },
    { "bump a foreign-mapping count", bump_foreign_maps, PVMM_AUDIT_FOREIGN_MAPS, 0 },
    { "bump a type count", bump_type_count, PVMM_AUDIT_TYPE_COUNT_MISMATCH, 0 },
    { "page lock left held", leave_page_locked, PVMM_AUDIT_TYPE_COUNT_MISMATCH, 0 },
    { "type count without general count", type_without_ref, PVMM_AUDIT_TYPE_WITHOUT_REF,
      BIT(TYPE_COUNT_MISMATCH) },
    { "referenced frame of no domain", ref_without_owner, PVMM_AUDIT_REF_WITHOUT_OWNER, 0 },
    { "allocated with count zero", allocated_no_ref, PVMM_AUDIT_ALLOCATED_NO_REF,
      BIT(COUNT_MISMATCH) | BIT(FREE_FRAME_STATE) },
    { "writable L1e to an L2", writable_l1e_to_l2, PVMM_AUDIT_WRITABLE_MAPPING, 0 },
    { "data frame in an L2", data_frame_in_l2, PVMM_AUDIT_WRONG_CHILD_TYPE, 0 },
    { "writable self-reference", writable_self_reference, PVMM_AUDIT_BAD_LINEAR, 0 },
    { "Xen slot 258 cleared", overwrite_xen_slot, PVMM_AUDIT_XEN_SLOT, 0 },
    { "Xen slot 270 overwritten", overwrite_xen_slot_270, PVMM_AUDIT_XEN_SLOT, 0 },
    { "unprivileged I/O mapping", map_io_frame, PVMM_AUDIT_FORBIDDEN_MAPPING, 0 },
    { "unprivileged foreign mapping", map_foreign_frame, PVMM_AUDIT_FORBIDDEN_MAPPING, 0 },
    { "mapping of an unshared hypervisor frame", map_unshared_xen_frame,
      PVMM_AUDIT_FORBIDDEN_MAPPING, 0 },
    { "PCD in an L1e", disallowed_l1_flag, PVMM_AUDIT_BAD_FLAGS, 0 },
    { "PSE in an L2e", superpage_l2e, PVMM_AUDIT_BAD_FLAGS, 0 },
    { "PGT_validated cleared", clear_validated, PVMM_AUDIT_NOT_VALIDATED, 0 },
    { "writable frame pinned", pin_data_frame, PVMM_AUDIT_BAD_PIN, 0 },
    { "user base is an L3", base_not_l4, PVMM_AUDIT_BAD_BASE, 0 },
    { "free frame with an owner", free_frame_with_owner, PVMM_AUDIT_FREE_FRAME_STATE, 0 },
    { "nr_free off by one", free_list_count, PVMM_AUDIT_FREE_FRAME_STATE, 0 },
    { "frame of a domain that is gone", frame_of_gone_domain, PVMM_AUDIT_FREE_FRAME_STATE,
      BIT(TOT_PAGES) },
    { "tot_pages off by one", wrong_tot_pages, PVMM_AUDIT_TOT_PAGES, 0 },
    { "TSS in a descriptor page", bad_descriptor, PVMM_AUDIT_BAD_DESCRIPTOR, 0 },
    { "linear_pt_count without linear entries", unbalanced_linear_count,
      PVMM_AUDIT_LINEAR_COUNT, 0 },
    { "free frame with a valid M2P entry", free_frame_m2p, PVMM_AUDIT_M2P, 0 },
    { "grant pin without a mapping", grant_pin_bumped, PVMM_AUDIT_GRANT_PIN, 0 },
    { "grant mapping without a pin", grant_pin_dropped, PVMM_AUDIT_GRANT_MAPTRACK, 0 },
    { "core bug planted", plant_core_bug, PVMM_AUDIT_CORE_BUG, 0 },
};

static void test_corruptions(void **state)
{
    uint32_t covered = 0;

    (void)state;
    for (size_t i = 0; i < ARRAY_SIZE(corruptions); i++) {
        const struct corruption *c = &corruptions[i];
        struct fixture f;
        unsigned int nr;
        uint32_t got;

        setup(&f, false);
        c->corrupt(&f);
        got = reported_checks(f.h, &nr);
        if (!(got & (1U << c->check)) || (got & ~((1U << c->check) | c->also)))
            fail_msg("%s: expected %s (+0x%x), got mask 0x%x (%u violations)", c->name,
                     pvmm_audit_check_name(c->check), c->also, got, nr);
        covered |= 1U << c->check;
        harness_free(f.h);
    }
    /* Every check except the one implied by a single-level rule breach has a row. */
    for (unsigned int c = 0; c < PVMM_AUDIT_CHECK_COUNT; c++)
        if (!(covered & (1U << c)))
            fail_msg("no corruption row for check %s", pvmm_audit_check_name(c));
}

/*
 * Partial validation and deferred puts: a pin preempted half-way leaves a
 * partial L4 (PTF_partial_set on slot 0) above a partial L3; an unpin
 * preempted half-way leaves old_guest_table.  Both audit clean, and
 * corrupting their bookkeeping is caught.
 */
struct partial_fixture {
    struct harness *h;
    struct vcpu *v;
    mfn_t l4, l3, l2[2], l1[2], data;
};

static void partial_setup(struct partial_fixture *p)
{
    const uint64_t up = RW | _PAGE_USER;
    struct domain *d;

    p->h = harness_new(NR_FRAMES);
    d = harness_domain(p->h, 0, false);
    p->v = &d->vcpu[0];
    p->l4 = harness_alloc(p->h, d);
    p->l3 = harness_alloc(p->h, d);
    p->data = harness_alloc(p->h, d);
    harness_pt(p->h, p->l4)[0] = pte_from_mfn(p->l3, up);
    for (int i = 0; i < 2; i++) {
        p->l2[i] = harness_alloc(p->h, d);
        p->l1[i] = harness_alloc(p->h, d);
        harness_pt(p->h, p->l3)[i] = pte_from_mfn(p->l2[i], up);
        /* Two entries: a validation checks for preemption before each present one after the
         * first, so the first check falls inside this L2. */
        harness_pt(p->h, p->l2[i])[0] = pte_from_mfn(p->l1[i], up);
        harness_pt(p->h, p->l2[i])[1] = pte_from_mfn(p->l1[i], up);
        harness_pt(p->h, p->l1[i])[0] = pte_from_mfn(p->data, RW);
    }
}

/* Issue one mmuext op with the next preemption check succeeding; expect a continuation. */
static void preempted_op(struct partial_fixture *p, unsigned int cmd, mfn_t mfn)
{
    struct mmuext_op op = { .cmd = cmd, .arg1.mfn = mfn };

    p->h->preempt_at = p->h->nr_preempt_checks + 1;
    assert_int_equal(do_mmuext_op(p->v, (uint64_t)(uintptr_t)&op, 1, 0, DOMID_SELF), 0);
    p->h->preempt_at = 0;
    assert_true(p->v->cont.pending);
    p->v->cont.pending = false;
}

static void test_partial_states(void **state)
{
    struct partial_fixture p;
    unsigned int nr;
    uint32_t got;

    (void)state;
    /* A pin preempted in the L3: partial L4 and L3, audited clean. */
    partial_setup(&p);
    preempted_op(&p, MMUEXT_PIN_L4_TABLE, p.l4);
    assert_true(p.h->ft[p.l3].type_info & PGT_partial);
    assert_true(p.h->ft[p.l4].type_info & PGT_partial);
    assert_true(p.h->ft[p.l4].partial_flags & PTF_partial_set);
    harness_audit(p.h);

    /* The partial state's general reference is missing. */
    p.h->ft[p.l3].count_info--;
    got = reported_checks(p.h, &nr);
    assert_int_equal(got, BIT(COUNT_MISMATCH));
    p.h->ft[p.l3].count_info++;

    /* PTF_partial_set forgotten: the L4's partial entry no longer accounts for its ref. */
    p.h->ft[p.l4].partial_flags &= (uint8_t)~PTF_partial_set;
    got = reported_checks(p.h, &nr);
    assert_int_equal(got, BIT(COUNT_MISMATCH));
    p.h->ft[p.l4].partial_flags |= PTF_partial_set;

    /* One more entry claimed as validated than was (its L2 is still partial). */
    p.h->ft[p.l3].nr_validated_ptes++;
    got = reported_checks(p.h, &nr);
    assert_true(got & BIT(COUNT_MISMATCH));
    assert_int_equal(got & ~(BIT(COUNT_MISMATCH) | BIT(TYPE_COUNT_MISMATCH) |
                             BIT(NOT_VALIDATED)), 0);
    p.h->ft[p.l3].nr_validated_ptes--;
    harness_audit(p.h);

    /* Finish the pin; an unpin preempted half-way leaves a deferred put. */
    assert_int_equal(harness_mmuext(p.v, MMUEXT_PIN_L4_TABLE, p.l4, 0), 0);
    harness_audit(p.h);
    preempted_op(&p, MMUEXT_UNPIN_TABLE, p.l4);
    assert_non_null(p.v->old_guest_table);
    harness_audit(p.h);

    /* Claiming the deferred put is (or is not) partial changes what it holds. */
    p.v->old_guest_table_partial = !p.v->old_guest_table_partial;
    got = reported_checks(p.h, &nr);
    assert_int_equal(got, BIT(TYPE_COUNT_MISMATCH));
    p.v->old_guest_table_partial = !p.v->old_guest_table_partial;

    /* A deferred put forgotten: its references leak. */
    {
        struct page_info *pg = p.v->old_guest_table;

        p.v->old_guest_table = NULL;
        got = reported_checks(p.h, &nr);
        assert_true(got & BIT(COUNT_MISMATCH));
        assert_int_equal(got & ~(BIT(COUNT_MISMATCH) | BIT(TYPE_COUNT_MISMATCH)), 0);
        p.v->old_guest_table = pg;
    }
    harness_audit(p.h);

    /* Finishing the unpin releases everything. */
    assert_int_equal(harness_mmuext(p.v, MMUEXT_TLB_FLUSH_LOCAL, 0, 0), 0);
    assert_null(p.v->old_guest_table);
    harness_audit(p.h);
    assert_int_equal(harness_type_count(p.h, p.l4), 0);
    harness_free(p.h);
}

/* A table that both contains linear entries and is their target breaks the one-level rule. */
static void test_linear_both_ways(void **state)
{
    struct fixture f;
    mfn_t l4b;
    unsigned int nr;
    uint32_t got;

    (void)state;
    setup(&f, false);
    l4b = harness_alloc(f.h, f.d);
    assert_int_equal(pvmm_pin_table(f.v, l4b, 4), 0);
    assert_int_equal(harness_pt_update(f.v, f.as.l4, 6, pte_from_mfn(l4b, RO)), 0);
    harness_audit(f.h);
    /* Behind the core's back: l4b now also contains a linear entry to as.l4. */
    harness_pt(f.h, l4b)[7] = pte_from_mfn(f.as.l4, RO);
    f.h->ft[f.as.l4].type_info++;
    f.h->ft[f.as.l4].count_info++;
    got = reported_checks(f.h, &nr);
    assert_true(got & BIT(BAD_LINEAR));
    assert_int_equal(got & ~(BIT(BAD_LINEAR) | BIT(LINEAR_COUNT)), 0);
    harness_free(f.h);
}

/* The report keeps the first PVMM_AUDIT_MAX_RECORDED violations and counts them all. */
static void test_many_violations(void **state)
{
    struct fixture f;
    struct pvmm_audit_report r;
    unsigned int n;

    (void)state;
    setup(&f, false);
    for (unsigned int i = 100; i < 200; i++)
        f.h->ft[i].count_info += 1;    /* free frames with a count */
    n = pvmm_audit(&f.h->s, f.h->audit_scratch, &r);
    assert_true(n >= 100);
    assert_int_equal(r.nr_violations, n);
    assert_int_equal(r.nr_recorded, PVMM_AUDIT_MAX_RECORDED);
    harness_free(f.h);
}

static void test_format_and_names(void **state)
{
    struct pvmm_audit_violation v = {
        .check = PVMM_AUDIT_COUNT_MISMATCH, .frame = 0x1234, .table = INVALID_MFN,
        .index = -1, .expected = 2, .actual = 3,
    };
    char b[256];

    (void)state;
    pvmm_audit_format(&v, b, sizeof(b));
    assert_string_equal(b, "count-mismatch: general count differs from the references "
                           "found (frame 0x1234, expected 0x2, found 0x3)");
    v = (struct pvmm_audit_violation){ .check = PVMM_AUDIT_WRITABLE_MAPPING, .frame = 0x20,
                                       .table = 0x21, .index = 7, .expected = 1, .actual = 2 };
    pvmm_audit_format(&v, b, sizeof(b));
    assert_string_equal(b, "writable-mapping: writable mapping of a frame whose type is not "
                           "writable (frame 0x20, entry 7 of table 0x21, expected 0x1, "
                           "found 0x2)");
    v = (struct pvmm_audit_violation){ .check = PVMM_AUDIT_TOT_PAGES, .frame = INVALID_MFN,
                                       .table = INVALID_MFN, .index = 1, .expected = 9,
                                       .actual = 10 };
    pvmm_audit_format(&v, b, sizeof(b));
    assert_string_equal(b, "tot-pages: domain's tot_pages differs from the frames it owns "
                           "(index 1, expected 0x9, found 0xa)");
    /* Truncation keeps the buffer terminated and reports the wanted length. */
    assert_true(pvmm_audit_format(&v, b, 10) > 10);
    assert_int_equal(strlen(b), 9);

    for (unsigned int c = 0; c < PVMM_AUDIT_CHECK_COUNT; c++)
        for (unsigned int d = 0; d < c; d++)
            assert_true(strcmp(pvmm_audit_check_name(c), pvmm_audit_check_name(d)) != 0);
    assert_string_equal(pvmm_audit_check_name(PVMM_AUDIT_CHECK_COUNT), "unknown-check");
}

/* Informational: the cost of one audit on a 4096-frame machine with a few hundred tables. */
static void test_audit_cost(void **state)
{
    struct harness *h = harness_new(4096);
    struct domain *d = harness_domain(h, 0, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    struct timespec t0, t1;
    unsigned int tables = 4;
    const int rounds = 100;

    (void)state;
    harness_build_running_as(h, v, &as, 8);
    /* 300 more L1s, each mapping 64 data frames read-only (spread over the L2). */
    for (unsigned int i = 1; i <= 300 && i < 512; i++) {
        mfn_t l1 = harness_alloc(h, d);
        intpte_t *t = harness_pt(h, l1);

        for (unsigned int j = 0; j < 64; j++)
            t[j] = pte_from_mfn(as.data[j % 8], RO);
        assert_int_equal(harness_pt_update(v, as.l2, i, pte_from_mfn(l1, RW | _PAGE_USER)), 0);
        tables++;
    }
    harness_audit(h);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < rounds; i++)
        assert_int_equal(harness_audit_count(h), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("# audit cost: %.1f us per audit (4096 frames, %u tables, this build)\n",
           ((t1.tv_sec - t0.tv_sec) * 1e9 + (t1.tv_nsec - t0.tv_nsec)) / rounds / 1e3, tables);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clean_fresh_machine),
        cmocka_unit_test(test_clean_built_pinned_running),
        cmocka_unit_test(test_clean_entry_updates),
        cmocka_unit_test(test_clean_linear_entries),
        cmocka_unit_test(test_clean_descriptors_and_special_frames),
        cmocka_unit_test(test_corruptions),
        cmocka_unit_test(test_partial_states),
        cmocka_unit_test(test_linear_both_ways),
        cmocka_unit_test(test_many_violations),
        cmocka_unit_test(test_format_and_names),
        cmocka_unit_test(test_audit_cost),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
