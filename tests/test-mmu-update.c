/*
 * tests/test-mmu-update.c - the mmu_update hypercall (core/mmu-update.c;
 * model.md §4.3, §4.7, model.md §10).
 *
 * Each test runs domain 1 (or the privileged domain 0) on the harness's
 * small address space and checks return code, reason, *pdone and the
 * resulting state, with the auditor after every state change.
 */
#include "hc-helpers.h"

static void setup_domu(struct hc_fixture *f)
{
    hc_setup(f, 1, false);
}

/* A NORMAL update of an empty L1 slot maps a frame; Xen's fix-ups are applied. */
static void normal_update_maps_frame(void **state)
{
    struct hc_fixture f;
    unsigned int done = 99;
    struct mmu_update u;
    mfn_t x;
    long rc;

    (void)state;
    setup_domu(&f);
    x = harness_alloc(f.h, f.d);
    u = hc_req(f.as.l1, 10, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x, HC_RW));
    rc = harness_mmu_update(f.v, &u, 1, &done, DOMID_SELF);
    assert_int_equal(rc, 0);
    assert_int_equal(done, 1);
    assert_int_equal(harness_pt(f.h, f.as.l1)[10], hc_adjusted_l1e(pte_from_mfn(x, HC_RW)));
    assert_int_equal(harness_type(f.h, x), PGT_writable_page);
    assert_int_equal(harness_type_count(f.h, x), 1);
    assert_int_equal(harness_count(f.h, x), 2);
    harness_audit(f.h);

    /* MMU_PT_UPDATE_NO_TRANSLATE is the same request for a PV foreign domain. */
    u = hc_req(f.as.l1, 10, MMU_PT_UPDATE_NO_TRANSLATE, 0);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, DOMID_SELF), 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[10], 0);
    assert_int_equal(harness_count(f.h, x), 1);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* PRESERVE_AD keeps the A/D bits the entry already has; NORMAL does not. */
static void preserve_ad_keeps_accessed_dirty(void **state)
{
    struct hc_fixture f;
    const intpte_t ad = _PAGE_ACCESSED | _PAGE_DIRTY;
    intpte_t base;
    struct mmu_update u;

    (void)state;
    setup_domu(&f);
    base = pte_from_mfn(f.as.data[0], _PAGE_PRESENT | _PAGE_RW | _PAGE_USER);
    /* The harness wrote slot 0 with A|D set. */
    assert_true((harness_pt(f.h, f.as.l1)[0] & ad) == ad);
    u = hc_req(f.as.l1, 0, MMU_PT_UPDATE_PRESERVE_AD, base);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    assert_true((harness_pt(f.h, f.as.l1)[0] & ad) == ad);
    harness_audit(f.h);

    u = hc_req(f.as.l1, 0, MMU_NORMAL_PT_UPDATE, base);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[0] & ad, 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Commands 4..7 are -ENOSYS, with nothing done. */
static void commands_4_to_7_are_enosys(void **state)
{
    struct hc_fixture f;

    (void)state;
    setup_domu(&f);
    for (unsigned int cmd = 4; cmd < 8; cmd++) {
        unsigned int done = 5;
        struct mmu_update u = hc_req(f.as.l1, 10, cmd, 0);

        assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, DOMID_SELF), -XEN_ENOSYS);
        assert_rc_reason(f.v, -XEN_ENOSYS, PVMM_RULE_BAD_COMMAND);
        assert_int_equal(pvmm_last_reason(f.v)->op_index, 0);
        assert_int_equal(pvmm_last_reason(f.v)->sub_op, (int)cmd);
        assert_int_equal(done, 0);
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/*
 * A frame with no validated type is written as ordinary memory (writable
 * type taken for the write); a typed writable frame too.  Neither is
 * checked as a page table.
 */
static void untyped_and_writable_frames_written_plainly(void **state)
{
    struct hc_fixture f;
    mfn_t x;
    struct mmu_update u;

    (void)state;
    setup_domu(&f);
    x = harness_alloc(f.h, f.d);
    /* An entry that would be refused in a page table (PSE in an L1 is PAT...). */
    u = hc_req(x, 3, MMU_NORMAL_PT_UPDATE, 0x123456789abcdef0UL);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(harness_pt(f.h, x)[3], 0x123456789abcdef0UL);
    assert_int_equal(harness_type(f.h, x), PGT_writable_page);
    assert_int_equal(harness_type_count(f.h, x), 0);
    harness_audit(f.h);

    /* data[0] is mapped writable: type writable with count 1, page_lock works. */
    u = hc_req(f.as.data[0], 7, MMU_PT_UPDATE_PRESERVE_AD, 42);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(harness_pt(f.h, f.as.data[0])[7], 42);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* A descriptor page is neither a page table nor writable: -EINVAL. */
static void seg_desc_page_is_einval(void **state)
{
    struct hc_fixture f;
    mfn_t g;
    struct mmu_update u;

    (void)state;
    setup_domu(&f);
    g = harness_alloc(f.h, f.d);
    assert_int_equal(do_set_gdt(f.v, (uint64_t)(uintptr_t)&g, 512), 0);
    assert_int_equal(harness_type(f.h, g), PGT_seg_desc_page);
    harness_audit(f.h);
    u = hc_req(g, 1, MMU_NORMAL_PT_UPDATE, 0);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_NOT_PAGETABLE);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* The table frame must be a valid frame owned by the page-table owner. */
static void table_frame_must_be_owned(void **state)
{
    struct hc_fixture f;
    struct domain *d2;
    mfn_t other;
    const struct {
        const char *what;
        mfn_t table;
        enum pvmm_rule rule;
    } *row, rows[] = {
        { "beyond memory", HC_NR_FRAMES + 5, PVMM_RULE_BAD_MFN },
        { "far beyond memory", 1UL << 40, PVMM_RULE_BAD_MFN },
        { "free frame", HC_NR_FRAMES - 10, PVMM_RULE_FREE_FRAME },
        { "I/O frame", 1, PVMM_RULE_NOT_OWNER },
        { "other domain's frame", 0, PVMM_RULE_NOT_OWNER },
    };

    (void)state;
    setup_domu(&f);
    d2 = harness_domain(f.h, 2, false);
    other = harness_alloc(f.h, d2);
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        unsigned int done = 7;
        mfn_t t = rows[i].table ? rows[i].table : other;
        struct mmu_update u = hc_req(t, 0, MMU_NORMAL_PT_UPDATE, 0);

        row = &rows[i];
        print_message("%s\n", row->what);
        assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, DOMID_SELF), -XEN_EINVAL);
        assert_rc_reason(f.v, -XEN_EINVAL, row->rule);
        assert_int_equal(done, 0);
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/* foreigndom: FD resolution and privilege (model.md §4.3, §4.7, model.md §10). */
static void foreign_domain_resolution(void **state)
{
    struct hc_fixture f;
    struct domain *d2;
    mfn_t x2;
    const struct {
        const char *what;
        unsigned int fd;
        long rc;
        enum pvmm_rule rule;
        unsigned int done;
    } rows[] = {
        /* Own numeric id: -ESRCH and pdone still written (0). */
        { "own numeric id", 1, -XEN_ESRCH, PVMM_RULE_BAD_DOMID, 0 },
        { "unknown domain", 5, -XEN_ESRCH, PVMM_RULE_BAD_DOMID, 0 },
        { "reserved DOMID_COW", DOMID_COW, -XEN_ESRCH, PVMM_RULE_BAD_DOMID, 0 },
        /* Existing domain without privilege: XSM's -EPERM at the request. */
        { "other domain", 2, -XEN_EPERM, PVMM_RULE_FOREIGN_DENIED, 0 },
        { "DOMID_XEN", DOMID_XEN, -XEN_EPERM, PVMM_RULE_FOREIGN_DENIED, 0 },
        /* DOMID_IO needs no privilege, but RAM frames are not I/O: -EBUSY. */
        { "DOMID_IO with RAM", DOMID_IO, -XEN_EBUSY, PVMM_RULE_NONE, 0 },
    };

    (void)state;
    setup_domu(&f);
    d2 = harness_domain(f.h, 2, false);
    x2 = harness_alloc(f.h, d2);
    (void)x2;
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        unsigned int done = 77;
        struct mmu_update u = hc_req(f.as.l1, 10, MMU_NORMAL_PT_UPDATE,
                                     pte_from_mfn(f.as.data[1], HC_RO));

        print_message("%s\n", rows[i].what);
        assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, rows[i].fd), rows[i].rc);
        if (rows[i].rule != PVMM_RULE_NONE)
            assert_rc_reason(f.v, rows[i].rc, rows[i].rule);
        assert_int_equal(done, rows[i].done);
        assert_int_equal(harness_pt(f.h, f.as.l1)[10], 0);
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/* A privileged domain maps another domain's frames with FD = that domain. */
static void privileged_maps_foreign_frames(void **state)
{
    struct hc_fixture f;
    struct domain *d2;
    mfn_t x2;
    struct mmu_update u;
    unsigned int done = 0;

    (void)state;
    hc_setup(&f, 0, true);
    d2 = harness_domain(f.h, 2, false);
    x2 = harness_alloc(f.h, d2);
    u = hc_req(f.as.l1, 10, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x2, HC_RW));
    assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, 2), 0);
    assert_int_equal(done, 1);
    assert_int_equal(harness_count(f.h, x2), 2);
    harness_audit(f.h);

    /* Without FD naming the owner the same mapping is refused. */
    u = hc_req(f.as.l1, 11, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x2, HC_RW));
    assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, DOMID_SELF), -XEN_EBUSY);
    harness_audit(f.h);

    /* L2..L4 entries can never take FD != PFD: -EINVAL. */
    u = hc_req(f.as.l2, 1, MMU_NORMAL_PT_UPDATE, 0);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, 2), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_FOREIGN_DENIED);
    harness_audit(f.h);

    /* Unmap. */
    u = hc_req(f.as.l1, 10, MMU_NORMAL_PT_UPDATE, 0);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, DOMID_SELF), 0);
    assert_int_equal(harness_count(f.h, x2), 1);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* PFD (high 16 bits of foreigndom, plus one): owner of the tables written. */
static void page_table_owner(void **state)
{
    struct hc_fixture f;
    struct harness_as as2;
    struct domain *d2;
    unsigned int done;
    struct mmu_update u;

    (void)state;
    hc_setup(&f, 0, true);
    d2 = harness_domain(f.h, 2, false);
    harness_build_running_as(f.h, &d2->vcpu[0], &as2, 2);
    harness_audit(f.h);

    /* PFD that does not exist: -ESRCH straight away, pdone untouched. */
    done = 77;
    u = hc_req(as2.l1, 10, MMU_NORMAL_PT_UPDATE, 0);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, (6 + 1) << 16 | DOMID_SELF),
                     -XEN_ESRCH);
    assert_int_equal(done, 77);

    /* PFD = domain 2, FD = domain 2: the privileged caller edits d2's L1. */
    u = hc_req(as2.l1, 10, MMU_NORMAL_PT_UPDATE, pte_from_mfn(as2.data[1], HC_RO));
    assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, (2 + 1) << 16 | 2), 0);
    assert_int_equal(done, 1);
    assert_int_equal(harness_pt(f.h, as2.l1)[10],
                     hc_adjusted_l1e(pte_from_mfn(as2.data[1], HC_RO)));
    harness_audit(f.h);

    /* A table of d2 named with PFD = self is not owned: -EINVAL. */
    u = hc_req(as2.l1, 11, MMU_NORMAL_PT_UPDATE, 0);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, DOMID_SELF), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_NOT_OWNER);

    /* MACHPHYS_UPDATE needs PFD = self: -EPERM. */
    u = hc_req(as2.data[0], 0, MMU_MACHPHYS_UPDATE, 5);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, &done, (2 + 1) << 16 | 2), -XEN_EPERM);
    assert_rc_reason(f.v, -XEN_EPERM, PVMM_RULE_NOT_SELF);
    harness_audit(f.h);

    /* An unprivileged domain may not name another PFD. */
    u = hc_req(f.as.l1, 10, MMU_NORMAL_PT_UPDATE, 0);
    assert_int_equal(harness_mmu_update(&d2->vcpu[0], &u, 1, &done, (0 + 1) << 16 | 0),
                     -XEN_EPERM);
    assert_rc_reason(&d2->vcpu[0], -XEN_EPERM, PVMM_RULE_FOREIGN_DENIED);
    /* Its own id as PFD is just itself. */
    u = hc_req(as2.l1, 12, MMU_NORMAL_PT_UPDATE, 0);
    assert_int_equal(harness_mmu_update(&d2->vcpu[0], &u, 1, &done,
                                        (2 + 1) << 16 | DOMID_SELF), 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* MMU_MACHPHYS_UPDATE sets the M2P entry of a frame FD owns. */
static void machphys_update(void **state)
{
    struct hc_fixture f;
    struct domain *d2;
    mfn_t x2;
    struct mmu_update u;

    (void)state;
    hc_setup(&f, 0, true);
    d2 = harness_domain(f.h, 2, false);
    x2 = harness_alloc(f.h, d2);

    u = hc_req(f.as.data[2], 0, MMU_MACHPHYS_UPDATE, 0x1234);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(f.h->m2p[f.as.data[2]], 0x1234);
    harness_audit(f.h);

    /* Another domain's frame: only with FD = that domain (and privilege). */
    u = hc_req(x2, 0, MMU_MACHPHYS_UPDATE, 0x55);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_NOT_OWNER);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, 2), 0);
    assert_int_equal(f.h->m2p[x2], 0x55);
    harness_audit(f.h);

    /* An unprivileged domain cannot set another domain's M2P entries. */
    u = hc_req(f.as.data[2], 0, MMU_MACHPHYS_UPDATE, 0x66);
    assert_int_equal(harness_mmu_update(&d2->vcpu[0], &u, 1, NULL, 0), -XEN_EPERM);
    assert_rc_reason(&d2->vcpu[0], -XEN_EPERM, PVMM_RULE_FOREIGN_DENIED);
    assert_int_equal(f.h->m2p[f.as.data[2]], 0x1234);
    u = hc_req(f.as.data[2], 0, MMU_MACHPHYS_UPDATE, 0x66);
    assert_int_equal(harness_mmu_update(&d2->vcpu[0], &u, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * MMU_MACHPHYS_UPDATE with FD = DOMID_XEN: the hypervisor's own frames are
 * refused (-EINVAL, M2P unchanged), only frames it shares with privileged
 * guests (the M2P: PGC_xen_heap) are accepted, as on Xen 4.17.
 */
static void machphys_update_xen_frames(void **state)
{
    struct hc_fixture f;
    mfn_t reserved = INVALID_MFN, shared = INVALID_MFN;
    struct mmu_update u;

    (void)state;
    hc_setup(&f, 0, true);
    for (mfn_t m = f.h->s.nr_frames - 1; m > 0; m--)
        if (f.h->ft[m].owner == PVMM_OWNER_NONE) {
            if (shared == INVALID_MFN) {
                shared = m;
                continue;
            }
            reserved = m;
            break;
        }
    pvmm_reserve_frame(&f.h->s, reserved);
    pvmm_reserve_frame(&f.h->s, shared);
    pvmm_share_xen_page_with_privileged_guests(&f.h->s, shared);
    f.h->m2p[reserved] = 0x77;
    harness_audit(f.h);

    u = hc_req(reserved, 0, MMU_MACHPHYS_UPDATE, 0x1234);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_XEN), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_MACHPHYS);
    assert_int_equal(f.h->m2p[reserved], 0x77);
    harness_audit(f.h);

    u = hc_req(shared, 0, MMU_MACHPHYS_UPDATE, 0x1234);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_XEN), 0);
    assert_int_equal(f.h->m2p[shared], 0x1234);
    /* Neither is the caller's own. */
    u = hc_req(shared, 0, MMU_MACHPHYS_UPDATE, 0x4321);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(f.h->m2p[shared], 0x1234);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * Partial completion: a batch whose third request fails has applied the
 * first two, returns the third's error and reports pdone = 2.  pdone is
 * overwritten, not added to (model.md §10).
 */
static void batch_stops_at_first_failure(void **state)
{
    struct hc_fixture f;
    unsigned int done = 1000;
    struct mmu_update u[4];
    mfn_t a, b;

    (void)state;
    setup_domu(&f);
    a = harness_alloc(f.h, f.d);
    b = harness_alloc(f.h, f.d);
    u[0] = hc_req(f.as.l1, 20, MMU_NORMAL_PT_UPDATE, pte_from_mfn(a, HC_RW));
    u[1] = hc_req(f.as.l1, 21, MMU_NORMAL_PT_UPDATE, pte_from_mfn(b, HC_RO));
    /* Map the L2 writable: refused. */
    u[2] = hc_req(f.as.l1, 22, MMU_NORMAL_PT_UPDATE, pte_from_mfn(f.as.l2, HC_RW));
    u[3] = hc_req(f.as.l1, 23, MMU_NORMAL_PT_UPDATE, pte_from_mfn(a, HC_RO));
    assert_int_equal(harness_mmu_update(f.v, u, 4, &done, DOMID_SELF), -XEN_EBUSY);
    assert_int_equal(done, 2);
    assert_int_equal(pvmm_last_reason(f.v)->op_index, 2);
    assert_int_equal(pvmm_last_reason(f.v)->rc, -XEN_EBUSY);
    assert_true(harness_pt(f.h, f.as.l1)[20] & _PAGE_PRESENT);
    assert_true(harness_pt(f.h, f.as.l1)[21] & _PAGE_PRESENT);
    assert_int_equal(harness_pt(f.h, f.as.l1)[22], 0);
    assert_int_equal(harness_pt(f.h, f.as.l1)[23], 0);
    harness_audit(f.h);

    /* A fresh, fully successful batch overwrites pdone. */
    done = 1000;
    assert_int_equal(harness_mmu_update(f.v, &u[3], 1, &done, DOMID_SELF), 0);
    assert_int_equal(done, 1);
    harness_audit(f.h);

    /* count 0: nothing to do, pdone = 0. */
    done = 1000;
    assert_int_equal(harness_mmu_update(f.v, u, 0, &done, DOMID_SELF), 0);
    assert_int_equal(done, 0);
    hc_teardown(&f);
}

/* Guest buffers that cannot be read give -EFAULT. */
static void unreadable_requests_efault(void **state)
{
    struct hc_fixture f;
    unsigned int done = 9;

    (void)state;
    setup_domu(&f);
    assert_int_equal(do_mmu_update(f.v, HARNESS_BAD_GVA, 2, (uint64_t)(uintptr_t)&done,
                                   DOMID_SELF), -XEN_EFAULT);
    assert_rc_reason(f.v, -XEN_EFAULT, PVMM_RULE_GUEST_FAULT);
    assert_int_equal(done, 0);
    /* A handle in the hypervisor's range fails before anything, pdone untouched. */
    done = 9;
    assert_int_equal(do_mmu_update(f.v, HYPERVISOR_VIRT_START, 2, (uint64_t)(uintptr_t)&done,
                                   DOMID_SELF), -XEN_EFAULT);
    assert_int_equal(done, 9);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * XSA-286: any successful L2..L4 change flushes every vCPU of the
 * page-table owner, because the hypervisor's own walks may have cached the
 * old entry.  L1 changes and failed updates do not flush.
 */
static void l2_to_l4_changes_flush(void **state)
{
    struct hc_fixture f;
    struct mmu_update u;
    mfn_t l1b;
    unsigned long n;

    (void)state;
    setup_domu(&f);
    l1b = harness_alloc(f.h, f.d);

    n = f.h->nr_flushes;
    u = hc_req(f.as.l1, 50, MMU_NORMAL_PT_UPDATE, pte_from_mfn(f.as.data[0], HC_RO));
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(f.h->nr_flushes, n);

    u = hc_req(f.as.l2, 1, MMU_NORMAL_PT_UPDATE, pte_from_mfn(l1b, HC_UPPER));
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    assert_true(f.h->nr_flushes > n);
    assert_int_equal(f.h->last_flush_mask, 0x3);
    assert_int_equal(f.h->last_flush_va, PVMM_FLUSH_ALL_VA);
    assert_int_equal(harness_type(f.h, l1b), PGT_l1_page_table);
    harness_audit(f.h);

    /* A refused L2 entry (superpage) flushes nothing. */
    n = f.h->nr_flushes;
    u = hc_req(f.as.l2, 2, MMU_NORMAL_PT_UPDATE,
               pte_from_mfn(f.as.data[0], HC_UPPER | _PAGE_PSE));
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(f.h->nr_flushes, n);

    /* Removing the L2 entry again (a deferred put of the old L1) also flushes. */
    u = hc_req(f.as.l2, 1, MMU_NORMAL_PT_UPDATE, 0);
    assert_int_equal(harness_mmu_update(f.v, &u, 1, NULL, DOMID_SELF), 0);
    assert_true(f.h->nr_flushes > n);
    assert_int_equal(harness_type_count(f.h, l1b), 0);
    assert_null(f.v->old_guest_table);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(normal_update_maps_frame),
        cmocka_unit_test(preserve_ad_keeps_accessed_dirty),
        cmocka_unit_test(commands_4_to_7_are_enosys),
        cmocka_unit_test(untyped_and_writable_frames_written_plainly),
        cmocka_unit_test(seg_desc_page_is_einval),
        cmocka_unit_test(table_frame_must_be_owned),
        cmocka_unit_test(foreign_domain_resolution),
        cmocka_unit_test(privileged_maps_foreign_frames),
        cmocka_unit_test(page_table_owner),
        cmocka_unit_test(machphys_update),
        cmocka_unit_test(machphys_update_xen_frames),
        cmocka_unit_test(batch_stops_at_first_failure),
        cmocka_unit_test(unreadable_requests_efault),
        cmocka_unit_test(l2_to_l4_changes_flush),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
