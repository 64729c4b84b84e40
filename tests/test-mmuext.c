/*
 * tests/test-mmuext.c - the mmuext_op hypercall (core/mmuext-op.c,
 * core/mmuext-flush.c; model.md §4.4, §10).
 */
#include "hc-helpers.h"

static void setup_domu(struct hc_fixture *f)
{
    hc_setup(f, 1, false);
}

/* PIN_L1..L4 then UNPIN of a fresh (empty) frame at each level. */
static void pin_and_unpin_each_level(void **state)
{
    struct hc_fixture f;

    (void)state;
    setup_domu(&f);
    for (unsigned int level = 1; level <= 4; level++) {
        mfn_t t = harness_alloc(f.h, f.d);
        unsigned int done = 50;

        assert_int_equal(hc_mmuext_fd(f.v, MMUEXT_PIN_L1_TABLE + level - 1, t, 0,
                                      DOMID_SELF, &done), 0);
        assert_int_equal(done, 1);
        assert_int_equal(harness_type(f.h, t), PGT_level_type(level));
        assert_true(f.h->ft[t].type_info & PGT_pinned);
        assert_true(f.h->ft[t].type_info & PGT_validated);
        assert_int_equal(harness_type_count(f.h, t), 1);
        harness_audit(f.h);

        /* Pins do not nest. */
        assert_int_equal(hc_mmuext_fd(f.v, MMUEXT_PIN_L1_TABLE + level - 1, t, 0,
                                      DOMID_SELF, &done), -XEN_EINVAL);
        assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_ALREADY_PINNED);
        assert_int_equal(done, 0);
        assert_int_equal(harness_type_count(f.h, t), 1);
        harness_audit(f.h);

        assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, t, 0), 0);
        assert_false(f.h->ft[t].type_info & PGT_pinned);
        assert_int_equal(harness_type_count(f.h, t), 0);
        harness_audit(f.h);

        assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, t, 0), -XEN_EINVAL);
        assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_NOT_PINNED);
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/* Pins of frames that cannot be pinned at that level. */
static void pin_errors(void **state)
{
    struct hc_fixture f;
    struct domain *d2;
    mfn_t other;

    (void)state;
    setup_domu(&f);
    d2 = harness_domain(f.h, 2, false);
    other = harness_alloc(f.h, d2);

    /* Another domain's frame, a free frame, no frame at all: -EINVAL. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, other, 0), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_NOT_OWNER);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, HC_NR_FRAMES - 10, 0),
                     -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_FREE_FRAME);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, 1UL << 50, 0), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_BAD_MFN);
    harness_audit(f.h);

    /* The L2 (in use as L2) pinned as L1: type conflict. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, f.as.l2, 0), -XEN_EINVAL);
    harness_audit(f.h);

    /* A data frame mapped writable cannot become an L1. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L1_TABLE, f.as.data[0], 0), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_TYPE_CONFLICT);
    harness_audit(f.h);

    /* A frame whose contents are invalid as an L2 (superpage entry). */
    {
        mfn_t t = harness_alloc(f.h, f.d);

        harness_pt(f.h, t)[3] = pte_from_mfn(f.as.data[0], HC_UPPER | _PAGE_PSE);
        assert_int_equal(harness_mmuext(f.v, MMUEXT_PIN_L2_TABLE, t, 0), -XEN_EINVAL);
        assert_int_equal(harness_type_count(f.h, t), 0);
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/* NEW_BASEPTR and NEW_USER_BASEPTR (model.md §4.4, §10). */
static void base_pointers(void **state)
{
    struct hc_fixture f;
    mfn_t l4b, l4u;
    unsigned long writes;

    (void)state;
    setup_domu(&f);
    l4b = harness_alloc(f.h, f.d);
    l4u = harness_alloc(f.h, f.d);

    /* An unpinned L4 is validated on the fly; the old one stays pinned. */
    writes = f.h->nr_ptbase_writes;
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, l4b, 0), 0);
    assert_int_equal(f.v->guest_table, l4b);
    assert_int_equal(harness_type(f.h, l4b), PGT_l4_page_table);
    assert_int_equal(harness_type_count(f.h, l4b), 1);
    assert_int_equal(harness_type_count(f.h, f.as.l4), 1);
    assert_true(f.h->nr_ptbase_writes > writes);
    harness_audit(f.h);

    /* Back, then unpin the L4 in CR3: succeeds, CR3 holds its own reference. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, f.as.l4, 0), 0);
    assert_int_equal(harness_type_count(f.h, l4b), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_UNPIN_TABLE, f.as.l4, 0), 0);
    assert_int_equal(harness_type_count(f.h, f.as.l4), 1);
    assert_true(f.h->ft[f.as.l4].type_info & PGT_validated);
    harness_audit(f.h);

    /* A frame that is not an L4's worth (mapped writable): refused. */
    assert_true(harness_mmuext(f.v, MMUEXT_NEW_BASEPTR, f.as.data[0], 0) < 0);
    assert_int_equal(f.v->guest_table, f.as.l4);
    harness_audit(f.h);

    /* User base: set, same again (no-op), none (mfn 0). */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_USER_BASEPTR, l4u, 0), 0);
    assert_int_equal(f.v->guest_table_user, l4u);
    assert_int_equal(harness_type_count(f.h, l4u), 1);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_USER_BASEPTR, l4u, 0), 0);
    assert_int_equal(harness_type_count(f.h, l4u), 1);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_NEW_USER_BASEPTR, 0, 0), 0);
    assert_int_equal(f.v->guest_table_user, INVALID_MFN);
    assert_int_equal(harness_type_count(f.h, l4u), 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Operations on the caller's own vCPU state need FD = the caller: -EPERM. */
static void self_only_ops_need_fd_self(void **state)
{
    struct hc_fixture f;
    static const unsigned int cmds[] = {
        MMUEXT_NEW_BASEPTR, MMUEXT_NEW_USER_BASEPTR, MMUEXT_TLB_FLUSH_LOCAL,
        MMUEXT_INVLPG_LOCAL, MMUEXT_TLB_FLUSH_MULTI, MMUEXT_INVLPG_MULTI,
        MMUEXT_TLB_FLUSH_ALL, MMUEXT_INVLPG_ALL, MMUEXT_FLUSH_CACHE,
        MMUEXT_FLUSH_CACHE_GLOBAL, MMUEXT_SET_LDT,
    };
    uint64_t mask = 1;

    (void)state;
    hc_setup(&f, 0, true);
    harness_domain(f.h, 2, false);
    for (size_t i = 0; i < ARRAY_SIZE(cmds); i++) {
        unsigned long n = f.h->nr_flushes;
        unsigned int done = 9;

        print_message("cmd %u\n", cmds[i]);
        assert_int_equal(hc_mmuext_fd(f.v, cmds[i], f.as.l4, (uint64_t)(uintptr_t)&mask, 2,
                                      &done), -XEN_EPERM);
        assert_rc_reason(f.v, -XEN_EPERM, PVMM_RULE_NOT_SELF);
        assert_int_equal(pvmm_last_reason(f.v)->sub_op, (int)cmds[i]);
        assert_int_equal(done, 0);
        assert_int_equal(f.h->nr_flushes, n);
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/* The TLB flush sub-ops: which vCPUs, which address. */
static void tlb_flush_ops(void **state)
{
    struct hc_fixture f;
    uint64_t bitmap;
    const uint64_t ALL = PVMM_FLUSH_ALL_VA;
    const struct {
        const char *what;
        unsigned int cmd;
        uint64_t va;
        uint64_t bitmap;      /* ~0 = pass a pointer that faults */
        long rc;
        bool flushed;
        uint64_t mask, flush_va;
    } rows[] = {
        { "flush local", MMUEXT_TLB_FLUSH_LOCAL, 0, 0, 0, true, 0x1, ALL },
        { "invlpg local", MMUEXT_INVLPG_LOCAL, 0x5000, 0, 0, true, 0x1, 0x5000 },
        { "invlpg local, hypervisor range", MMUEXT_INVLPG_LOCAL, HYPERVISOR_VIRT_START, 0,
          0, true, 0x1, HYPERVISOR_VIRT_START },
        { "invlpg local, non-canonical: ignored", MMUEXT_INVLPG_LOCAL, 1UL << 47, 0, 0,
          false, 0, 0 },
        { "flush multi", MMUEXT_TLB_FLUSH_MULTI, 0, 0x2, 0, true, 0x2, ALL },
        { "flush multi, bits beyond the vCPUs", MMUEXT_TLB_FLUSH_MULTI, 0, 0xF0F3, 0, true, 0x3,
          ALL },
        { "flush multi, empty mask", MMUEXT_TLB_FLUSH_MULTI, 0, 0, 0, false, 0, 0 },
        { "flush multi, bad bitmap", MMUEXT_TLB_FLUSH_MULTI, 0, ~0UL, -XEN_EINVAL, false, 0,
          0 },
        { "invlpg multi", MMUEXT_INVLPG_MULTI, 0x7000, 0x1, 0, true, 0x1, 0x7000 },
        { "invlpg multi, hypervisor range: ignored", MMUEXT_INVLPG_MULTI,
          HYPERVISOR_VIRT_START, 0x1, 0, false, 0, 0 },
        { "invlpg multi, bad bitmap", MMUEXT_INVLPG_MULTI, 0x7000, ~0UL, -XEN_EINVAL, false,
          0, 0 },
        { "flush all", MMUEXT_TLB_FLUSH_ALL, 0, 0, 0, true, 0x3, ALL },
        { "invlpg all", MMUEXT_INVLPG_ALL, 0x9000, 0, 0, true, 0x3, 0x9000 },
        { "invlpg all, non-canonical: ignored", MMUEXT_INVLPG_ALL, 0x8000000000000000UL, 0, 0,
          false, 0, 0 },
    };

    (void)state;
    setup_domu(&f);
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        unsigned long n = f.h->nr_flushes;
        uint64_t ptr;
        struct mmuext_op op;

        print_message("%s\n", rows[i].what);
        bitmap = rows[i].bitmap;
        ptr = rows[i].bitmap == ~0UL ? HARNESS_BAD_GVA : (uint64_t)(uintptr_t)&bitmap;
        memset(&op, 0, sizeof(op));
        op.cmd = rows[i].cmd;
        op.arg1.linear_addr = rows[i].va;
        op.arg2.vcpumask = ptr;
        assert_int_equal(harness_mmuext_op(f.v, &op, 1, NULL, DOMID_SELF), rows[i].rc);
        if (rows[i].rc)
            assert_rc_reason(f.v, rows[i].rc, PVMM_RULE_GUEST_FAULT);
        assert_int_equal(f.h->nr_flushes, n + rows[i].flushed);
        if (rows[i].flushed) {
            assert_int_equal(f.h->last_flush_mask, rows[i].mask);
            assert_int_equal(f.h->last_flush_va, rows[i].flush_va);
        }
    }
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Cache flushes need I/O rights: -EACCES (FLUSH_CACHE) / -EINVAL (FLUSH_CACHE_GLOBAL). */
static void cache_flush_needs_io_rights(void **state)
{
    struct hc_fixture f;
    struct domain *d0;

    (void)state;
    setup_domu(&f);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_FLUSH_CACHE, 0, 0), -XEN_EACCES);
    assert_rc_reason(f.v, -XEN_EACCES, PVMM_RULE_IOMEM_DENIED);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_IOMEM_DENIED);
    d0 = harness_domain(f.h, 0, true);
    assert_int_equal(harness_mmuext(&d0->vcpu[0], MMUEXT_FLUSH_CACHE, 0, 0), 0);
    assert_int_equal(harness_mmuext(&d0->vcpu[0], MMUEXT_FLUSH_CACHE_GLOBAL, 0, 0), 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* SET_LDT reaches pv_set_ldt; the base is ignored with zero entries. */
static void set_ldt_dispatch(void **state)
{
    struct hc_fixture f;
    struct mmuext_op op;

    (void)state;
    setup_domu(&f);
    memset(&op, 0, sizeof(op));
    op.cmd = MMUEXT_SET_LDT;
    op.arg1.linear_addr = 0x3000;
    op.arg2.nr_ents = 16;
    assert_int_equal(harness_mmuext_op(f.v, &op, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(f.v->ldt_base, 0x3000);
    assert_int_equal(f.v->ldt_ents, 16);
    /* A misaligned base with zero entries is not looked at. */
    op.arg1.linear_addr = 0x3001;
    op.arg2.nr_ents = 0;
    assert_int_equal(harness_mmuext_op(f.v, &op, 1, NULL, DOMID_SELF), 0);
    assert_int_equal(f.v->ldt_ents, 0);
    op.arg2.nr_ents = 8193;
    op.arg1.linear_addr = 0x3000;
    assert_int_equal(harness_mmuext_op(f.v, &op, 1, NULL, DOMID_SELF), -XEN_EINVAL);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* CLEAR_PAGE and COPY_PAGE: the destination must be writable-typeable RAM of FD. */
static void clear_and_copy_page(void **state)
{
    struct hc_fixture f;
    struct domain *d2, *d0;
    mfn_t x, y, other;
    uint8_t *px, *py;

    (void)state;
    setup_domu(&f);
    d2 = harness_domain(f.h, 2, false);
    other = harness_alloc(f.h, d2);
    x = harness_alloc(f.h, f.d);
    y = harness_alloc(f.h, f.d);
    px = (uint8_t *)harness_pt(f.h, x);
    py = (uint8_t *)harness_pt(f.h, y);
    memset(px, 0x5a, PAGE_SIZE);

    assert_int_equal(harness_mmuext(f.v, MMUEXT_COPY_PAGE, y, x), 0);
    assert_int_equal(py[0], 0x5a);
    assert_int_equal(py[PAGE_SIZE - 1], 0x5a);
    harness_audit(f.h);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_CLEAR_PAGE, x, 0), 0);
    assert_int_equal(px[0], 0);
    assert_int_equal(px[PAGE_SIZE - 1], 0);
    assert_int_equal(harness_type_count(f.h, x), 0);
    harness_audit(f.h);

    /* A page table can be the source (read) but never the destination. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_COPY_PAGE, y, f.as.l1), 0);
    assert_int_equal(memcmp(py, harness_pt(f.h, f.as.l1), PAGE_SIZE), 0);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_COPY_PAGE, f.as.l1, x), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_CLEAR_PAGE, f.as.l2, 0), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_TYPE_CONFLICT);
    assert_int_not_equal(harness_pt(f.h, f.as.l2)[0], 0);
    harness_audit(f.h);

    /* Frames of another domain, as source or destination. */
    assert_int_equal(harness_mmuext(f.v, MMUEXT_COPY_PAGE, y, other), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_NOT_OWNER);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_COPY_PAGE, other, x), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_CLEAR_PAGE, other, 0), -XEN_EINVAL);
    assert_int_equal(harness_mmuext(f.v, MMUEXT_CLEAR_PAGE, HC_NR_FRAMES + 1, 0), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_BAD_MFN);
    harness_audit(f.h);

    /* The privileged domain may name d2 as FD; DOMID_IO frames are not RAM. */
    d0 = harness_domain(f.h, 0, true);
    memset(harness_pt(f.h, other), 0x77, PAGE_SIZE);
    assert_int_equal(hc_mmuext_fd(&d0->vcpu[0], MMUEXT_CLEAR_PAGE, other, 0, 2, NULL), 0);
    assert_int_equal(harness_pt(f.h, other)[0], 0);
    assert_int_equal(hc_mmuext_fd(&d0->vcpu[0], MMUEXT_CLEAR_PAGE, 2, 0, DOMID_IO, NULL),
                     -XEN_EINVAL);
    assert_rc_reason(&d0->vcpu[0], -XEN_EINVAL, PVMM_RULE_BAD_MFN);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Removed and unknown commands. */
static void removed_and_unknown_commands(void **state)
{
    struct hc_fixture f;
    const struct {
        unsigned int cmd;
        long rc;
        enum pvmm_rule rule;
    } rows[] = {
        { MMUEXT_MARK_SUPER, -XEN_EOPNOTSUPP, PVMM_RULE_REMOVED_FEATURE },
        { MMUEXT_UNMARK_SUPER, -XEN_EOPNOTSUPP, PVMM_RULE_REMOVED_FEATURE },
        { 14, -XEN_ENOSYS, PVMM_RULE_BAD_COMMAND },
        { 21, -XEN_ENOSYS, PVMM_RULE_BAD_COMMAND },
        { 0xFFFFFFFFU, -XEN_ENOSYS, PVMM_RULE_BAD_COMMAND },
    };

    (void)state;
    setup_domu(&f);
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        assert_int_equal(harness_mmuext(f.v, rows[i].cmd, f.as.l1, 0), rows[i].rc);
        assert_rc_reason(f.v, rows[i].rc, rows[i].rule);
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/*
 * foreigndom problems are reported before any op runs, and leave *pdone
 * untouched (model.md §10).
 */
static void bad_foreigndom_leaves_pdone(void **state)
{
    struct hc_fixture f;
    const struct {
        unsigned int fd;
        long rc;
        enum pvmm_rule rule;
    } rows[] = {
        { 1, -XEN_ESRCH, PVMM_RULE_BAD_DOMID },          /* own numeric id */
        { 6, -XEN_ESRCH, PVMM_RULE_BAD_DOMID },          /* no such domain */
        { 2, -XEN_EPERM, PVMM_RULE_FOREIGN_DENIED },     /* no privilege */
        { DOMID_IO, -XEN_EPERM, PVMM_RULE_FOREIGN_DENIED },
        { DOMID_XEN, -XEN_EPERM, PVMM_RULE_FOREIGN_DENIED },
    };

    (void)state;
    setup_domu(&f);
    harness_domain(f.h, 2, false);
    for (size_t i = 0; i < ARRAY_SIZE(rows); i++) {
        unsigned int done = 77;
        unsigned long n = f.h->nr_flushes;

        assert_int_equal(hc_mmuext_fd(f.v, MMUEXT_TLB_FLUSH_LOCAL, 0, 0, rows[i].fd, &done),
                         rows[i].rc);
        assert_rc_reason(f.v, rows[i].rc, rows[i].rule);
        assert_int_equal(done, 77);
        assert_int_equal(f.h->nr_flushes, n);
    }
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Ops 0..i-1 of a batch failing at op i took effect; pdone = i. */
static void batch_partial_completion(void **state)
{
    struct hc_fixture f;
    struct mmuext_op ops[4];
    unsigned int done = 1000;
    mfn_t a, b;

    (void)state;
    setup_domu(&f);
    a = harness_alloc(f.h, f.d);
    b = harness_alloc(f.h, f.d);
    memset(ops, 0, sizeof(ops));
    ops[0].cmd = MMUEXT_PIN_L1_TABLE;
    ops[0].arg1.mfn = a;
    ops[1].cmd = MMUEXT_PIN_L2_TABLE;
    ops[1].arg1.mfn = b;
    ops[2].cmd = MMUEXT_PIN_L1_TABLE;
    ops[2].arg1.mfn = a;
    ops[3].cmd = MMUEXT_UNPIN_TABLE;
    ops[3].arg1.mfn = a;
    assert_int_equal(harness_mmuext_op(f.v, ops, 4, &done, DOMID_SELF), -XEN_EINVAL);
    assert_int_equal(done, 2);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_ALREADY_PINNED);
    assert_int_equal(pvmm_last_reason(f.v)->op_index, 2);
    assert_int_equal(pvmm_last_reason(f.v)->sub_op, MMUEXT_PIN_L1_TABLE);
    assert_true(f.h->ft[a].type_info & PGT_pinned);
    assert_true(f.h->ft[b].type_info & PGT_pinned);
    harness_audit(f.h);

    /* Unreadable ops: -EFAULT at that op. */
    done = 1000;
    assert_int_equal(do_mmuext_op(f.v, HARNESS_BAD_GVA, 1, (uint64_t)(uintptr_t)&done,
                                  DOMID_SELF), -XEN_EFAULT);
    assert_int_equal(done, 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pin_and_unpin_each_level),
        cmocka_unit_test(pin_errors),
        cmocka_unit_test(base_pointers),
        cmocka_unit_test(self_only_ops_need_fd_self),
        cmocka_unit_test(tlb_flush_ops),
        cmocka_unit_test(cache_flush_needs_io_rights),
        cmocka_unit_test(set_ldt_dispatch),
        cmocka_unit_test(clear_and_copy_page),
        cmocka_unit_test(removed_and_unknown_commands),
        cmocka_unit_test(bad_foreigndom_leaves_pdone),
        cmocka_unit_test(batch_partial_completion),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
