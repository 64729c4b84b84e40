/*
 * tests/test-grant-table.c - grant tables v1 and v2 (core/grant-*.c): each
 * operation, each refusal with its GNTST status or errno and its reason, and
 * the counts after each step (the auditor, which recounts pins from the
 * maptrack and device-map references, runs after every call).  Tests named
 * after an XSA reproduce the pattern of that advisory.
 */
#include "harness.h"

#include <string.h>

#include "grant-helpers.h"

/* ---- the table ---- */

static void test_table_queries(void **state)
{
    struct gfx g = gfx_new();
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 65 };

    (void)state;
    assert_int_equal(gop(g.f.v, GNTTABOP_query_size, &qs, 1), 0);
    assert_int_equal(qs.nr_frames, 1);
    assert_int_equal(qs.max_nr_frames, 64);
    assert_int_equal(gop(g.f.v, GNTTABOP_query_size, &qs, 2), -XEN_EINVAL);
    assert_int_equal(gop(g.f.v, GNTTABOP_get_version, &gv, 0), 0);
    assert_int_equal(gv.version, 1);
    gv.dom = 5;
    assert_int_equal(gop(g.f.v, GNTTABOP_get_version, &gv, 1), -XEN_ESRCH);
    assert_reason(g.f.v, PVMM_RULE_BAD_DOMID);
    {
        char text[600];

        pvmm_reason_format(pvmm_last_reason(g.f.v), text, sizeof(text));
        assert_non_null(strstr(text, "get_version failed: -ESRCH"));
    }
    assert_int_equal(gop(g.f.v, GNTTABOP_setup_table, &st, 0), -XEN_EINVAL);
    assert_int_equal(gop(g.f.v, GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_GRANT_LIMIT);
    st.dom = 6;
    assert_int_equal(gop(g.f.v, GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_bad_domain);
    /* A frame list outside the guest's half: -EFAULT before the limit and the domain, the
     * status untouched, for any number of frames (measured on Xen 4.17). */
    st.status = 77;
    st.frame_list = 0xffff830000000000UL;
    assert_int_equal(gop(g.f.v, GNTTABOP_setup_table, &st, 1), -XEN_EFAULT);
    st.dom = DOMID_SELF;
    st.nr_frames = 0;
    st.frame_list = 0x0000800000000000UL;
    assert_int_equal(gop(g.f.v, GNTTABOP_setup_table, &st, 1), -XEN_EFAULT);
    assert_int_equal(st.status, 77);
    st.frame_list = 0;
    /* Growing: the first frame stays, a second appears. */
    assert_int_equal(setup_frames(g.f.v, 2), g.gt);
    qs.dom = DOMID_SELF;
    assert_int_equal(gop(g.f.v, GNTTABOP_query_size, &qs, 1), 0);
    assert_int_equal(qs.nr_frames, 2);
    assert_int_equal(gop(g.f.v, GNTTABOP_dump_table, &qs, 1), -XEN_ENOSYS);
    assert_int_equal(gop(g.f.v, GNTTABOP_map_grant_ref | (1U << 12), &qs, 1), -XEN_EINVAL);
    assert_int_equal(gop(g.f.v, GNTTABOP_map_grant_ref, &qs, 0x80000000U), -XEN_EINVAL);
    harness_audit(g.f.h);
    /* The shared frames are the domain's, xen-heap, and not counted in tot_pages. */
    assert_int_equal(harness_page(&g.f, g.gt)->owner, 1);
    harness_free(g.f.h);
}

/* ---- map and unmap ---- */

static void test_host_map_rw(void **state)
{
    struct gfx g = gfx_new();
    mfn_t data = g.as.data[0];
    uint64_t c0 = harness_count(g.f.h, data), t0 = harness_type_count(g.f.h, data);
    intpte_t *l1 = harness_pt(g.f.h, g.as.l1);
    grant_handle_t h;

    (void)state;
    grant(&g, 10, 1, data, GTF_permit_access);
    assert_int_equal(map(g.f.v, DOMID_SELF, 10, GNTMAP_host_map, VA(2), &h),
                     GNTST_bad_domain);
    assert_int_equal(map(g.f.v, 1, 10, 0, VA(2), &h), GNTST_bad_gntref);
    assert_int_equal(map(g.f.v, 1, 100000, GNTMAP_host_map, VA(2), &h), GNTST_bad_gntref);
    assert_reason(g.f.v, PVMM_RULE_GRANT_BAD_REF);
    {
        char text[600];

        pvmm_reason_format(pvmm_last_reason(g.f.v), text, sizeof(text));
        assert_non_null(strstr(text, "grant_table_op[0] map_grant_ref failed: "
                                     "GNTST_bad_gntref (grant-bad-ref)"));
    }
    assert_int_equal(map(g.f.v, 1, 11, GNTMAP_host_map, VA(2), &h), GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_GRANT_NOT_PERMITTED);
    harness_audit(g.f.h);

    assert_int_equal(map(g.f.v, 1, 10, GNTMAP_host_map, VA(2), &h), GNTST_okay);
    /* The PTE Xen 4.17 writes: NX, guest-kernel, P|RW|U|A|D; the old PTE's refs went. */
    assert_int_equal(l1[2], pte_from_mfn(data, _PAGE_NX | _PAGE_GUEST_KERNEL | 0x67));
    assert_int_equal(g.e1[10].flags, GTF_permit_access | GTF_reading | GTF_writing);
    assert_int_equal(pin_of(&g, 10), GNTPIN_hstw_inc);
    assert_int_equal(harness_count(g.f.h, data), c0 + 1);
    assert_int_equal(harness_type_count(g.f.h, data), t0 + 1);
    harness_audit(g.f.h);

    /* A second version while mapped is refused. */
    {
        struct gnttab_set_version sv = { .version = 2 };

        assert_int_equal(gop(g.f.v, GNTTABOP_set_version, &sv, 1), -XEN_EBUSY);
        assert_int_equal(sv.version, 1);
        assert_reason(g.f.v, PVMM_RULE_GRANT_IN_USE);
    }
    assert_int_equal(unmap(g.f.v, h + 1, VA(2), 0), GNTST_bad_handle);
    assert_int_equal(unmap(g.f.v, h, VA(3), 0), GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_GRANT_PTE_MISMATCH);
    assert_int_equal(unmap(g.f.v, h, VA(2), 0), GNTST_okay);
    assert_int_equal(l1[2], 0);
    assert_int_equal(g.e1[10].flags, GTF_permit_access);
    assert_int_equal(pin_of(&g, 10), 0);
    assert_int_equal(harness_count(g.f.h, data), c0);
    assert_int_equal(harness_type_count(g.f.h, data), t0);
    assert_int_equal(unmap(g.f.v, h, VA(2), 0), GNTST_bad_handle);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

static void test_readonly_and_application_map(void **state)
{
    struct gfx g = gfx_new();
    mfn_t data = g.as.data[0];
    intpte_t *l1 = harness_pt(g.f.h, g.as.l1);
    grant_handle_t h;

    (void)state;
    grant(&g, 12, 1, data, GTF_permit_access | GTF_readonly);
    assert_int_equal(map(g.f.v, 1, 12, GNTMAP_host_map, VA(2), &h), GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_GRANT_NOT_PERMITTED);
    assert_int_equal(map(g.f.v, 1, 12, GNTMAP_host_map | GNTMAP_readonly |
                         GNTMAP_application_map | (5U << 16), VA(2), &h), GNTST_okay);
    assert_int_equal(l1[2], pte_from_mfn(data, _PAGE_NX | 0xb65));
    assert_int_equal(g.e1[12].flags, GTF_permit_access | GTF_readonly | GTF_reading);
    assert_int_equal(pin_of(&g, 12), GNTPIN_hstr_inc);
    harness_audit(g.f.h);
    assert_int_equal(unmap(g.f.v, h, VA(2), 0), GNTST_okay);
    assert_int_equal(g.e1[12].flags, GTF_permit_access | GTF_readonly);
    harness_audit(g.f.h);

    /* The cache bits of a grant of RAM are ignored (as Xen 4.17: only I/O frames get them;
     * found by the in-guest fuzzer against Xen). */
    grant(&g, 13, 1, data, GTF_permit_access | GTF_PCD | GTF_PWT | GTF_PAT);
    assert_int_equal(map(g.f.v, 1, 13, GNTMAP_host_map, VA(2), &h), GNTST_okay);
    assert_int_equal(l1[2], pte_from_mfn(data, _PAGE_NX | _PAGE_GUEST_KERNEL | 0x67));
    assert_int_equal(unmap(g.f.v, h, VA(2), 0), GNTST_okay);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* XSA-224: host and device parts of one mapping unmapped in two calls drop their own refs. */
static void test_xsa224_host_and_device_unmapped_separately(void **state)
{
    struct gfx g = gfx_new();
    mfn_t data = g.as.data[1];
    uint64_t c0 = harness_count(g.f.h, data), t0 = harness_type_count(g.f.h, data);
    struct gnttab_map_grant_ref m = { .host_addr = VA(2), .ref = 13, .dom = 1,
                                      .flags = GNTMAP_host_map | GNTMAP_device_map };
    uint64_t bus;

    (void)state;
    grant(&g, 13, 1, data, GTF_permit_access);
    assert_int_equal(gop(g.f.v, GNTTABOP_map_grant_ref, &m, 1), 0);
    assert_int_equal(m.status, GNTST_okay);
    bus = m.dev_bus_addr;
    assert_int_equal(bus, (uint64_t)data << PAGE_SHIFT);
    assert_int_equal(pin_of(&g, 13), GNTPIN_hstw_inc | GNTPIN_devw_inc);
    assert_int_equal(harness_count(g.f.h, data), c0 + 2);
    assert_int_equal(harness_type_count(g.f.h, data), t0 + 2);
    harness_audit(g.f.h);
    /* dev_bus_addr 0 and host_addr 0: nothing done, okay; a wrong bus address refused. */
    assert_int_equal(unmap(g.f.v, m.handle, 0, 0), GNTST_okay);
    assert_int_equal(harness_count(g.f.h, data), c0 + 2);
    assert_int_equal(unmap(g.f.v, m.handle, 0, bus + PAGE_SIZE), GNTST_bad_dev_addr);
    assert_int_equal(unmap(g.f.v, m.handle, 0, bus), GNTST_okay);
    assert_int_equal(harness_count(g.f.h, data), c0 + 1);
    assert_int_equal(harness_type_count(g.f.h, data), t0 + 1);
    assert_int_equal(pin_of(&g, 13), GNTPIN_hstw_inc);
    harness_audit(g.f.h);
    /* The device part is gone: asking again does nothing more. */
    assert_int_equal(unmap(g.f.v, m.handle, 0, bus), GNTST_okay);
    assert_int_equal(harness_count(g.f.h, data), c0 + 1);
    assert_int_equal(unmap(g.f.v, m.handle, VA(2), 0), GNTST_okay);
    assert_int_equal(harness_count(g.f.h, data), c0);
    assert_int_equal(harness_type_count(g.f.h, data), t0);
    assert_int_equal(pin_of(&g, 13), 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* XSA-227: a contains_pte address must be 8-byte aligned, and name the mapper's L1. */
static void test_xsa227_contains_pte_alignment(void **state)
{
    struct gfx g = gfx_new();
    intpte_t *l1 = harness_pt(g.f.h, g.as.l1);
    uint64_t pte = ((uint64_t)g.as.l1 << PAGE_SHIFT) + 2 * sizeof(intpte_t);
    intpte_t before1 = l1[1], before2 = l1[2], before3 = l1[3];
    grant_handle_t h;

    (void)state;
    grant(&g, 14, 1, g.as.data[0], GTF_permit_access);
    assert_int_equal(map(g.f.v, 1, 14, GNTMAP_host_map | GNTMAP_contains_pte, pte + 4, &h),
                     GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_BAD_ARGUMENT);
    assert_int_equal(l1[1], before1);
    assert_int_equal(l1[2], before2);
    assert_int_equal(l1[3], before3);
    /* The data frame is no L1: refused. */
    assert_int_equal(map(g.f.v, 1, 14, GNTMAP_host_map | GNTMAP_contains_pte,
                         (uint64_t)g.as.data[3] << PAGE_SHIFT, &h), GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_NOT_PAGETABLE);
    assert_int_equal(pin_of(&g, 14), 0);
    harness_audit(g.f.h);
    assert_int_equal(map(g.f.v, 1, 14, GNTMAP_host_map | GNTMAP_contains_pte, pte, &h),
                     GNTST_okay);
    assert_int_equal(pte_mfn(l1[2]), g.as.data[0]);
    harness_audit(g.f.h);
    assert_int_equal(unmap(g.f.v, h, pte, 0), GNTST_okay);
    assert_int_equal(l1[2], 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/*
 * XSA-234: unmap checks the PTE is the grant's (frame, present, writable).  A read-only
 * grant mapping made writable behind the grant's back cannot be unmapped as the grant.
 */
static void test_xsa234_unmap_checks_pte_permissions(void **state)
{
    struct gfx g = gfx_new();
    mfn_t data = g.as.data[0];
    intpte_t *l1 = harness_pt(g.f.h, g.as.l1);
    uint64_t c0 = harness_count(g.f.h, data), t0 = harness_type_count(g.f.h, data);
    grant_handle_t h;

    (void)state;
    grant(&g, 15, 1, data, GTF_permit_access);
    assert_int_equal(map(g.f.v, 1, 15, GNTMAP_host_map | GNTMAP_readonly, VA(2), &h),
                     GNTST_okay);
    /* The guest rewrites the slot writable through mmu_update (an ordinary PTE now). */
    assert_int_equal(harness_pt_update(g.f.v, g.as.l1, 2, l1[2] | _PAGE_RW), 0);
    harness_audit(g.f.h);
    assert_int_equal(unmap(g.f.v, h, VA(2), 0), GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_GRANT_PTE_MISMATCH);
    assert_true(l1[2] & _PAGE_RW);
    harness_audit(g.f.h);
    /* The ordinary PTE goes the ordinary way; the mapping stays tracked and pinned. */
    assert_int_equal(harness_pt_update(g.f.v, g.as.l1, 2, 0), 0);
    assert_int_equal(harness_count(g.f.h, data), c0);
    assert_int_equal(harness_type_count(g.f.h, data), t0);
    assert_int_equal(pin_of(&g, 15), GNTPIN_hstr_inc);
    assert_int_equal(unmap(g.f.v, h, 0, 0), GNTST_okay);
    assert_int_equal(pin_of(&g, 15), GNTPIN_hstr_inc);
    harness_audit(g.f.h);
    /* Teardown releases the pin (and the table's frames). */
    assert_int_equal(pvmm_domain_destroy(g.f.d), 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

static void test_unmap_and_replace(void **state)
{
    struct gfx g = gfx_new();
    intpte_t *l1 = harness_pt(g.f.h, g.as.l1);
    intpte_t moved = l1[3];
    struct gnttab_unmap_and_replace r = { .host_addr = VA(2), .new_addr = VA(3) };
    grant_handle_t h;

    (void)state;
    grant(&g, 16, 1, g.as.data[0], GTF_permit_access);
    assert_int_equal(map(g.f.v, 1, 16, GNTMAP_host_map, VA(2), &h), GNTST_okay);
    r.handle = h;
    assert_int_equal(gop(g.f.v, GNTTABOP_unmap_and_replace, &r, 1), 0);
    assert_int_equal(r.status, GNTST_okay);
    assert_int_equal(l1[2], moved);
    assert_int_equal(l1[3], 0);
    assert_int_equal(pin_of(&g, 16), 0);
    harness_audit(g.f.h);
    /* Without a host mapping to replace: okay, nothing done, whatever host_addr says (Xen
     * 4.17, found by the in-guest fuzzer; measured in guest grant-pte-forms). */
    assert_int_equal(map(g.f.v, 1, 16, GNTMAP_device_map, 0, &h), GNTST_okay);
    r.handle = h;
    r.host_addr = 0;
    assert_int_equal(gop(g.f.v, GNTTABOP_unmap_and_replace, &r, 1), 0);
    assert_int_equal(r.status, GNTST_okay);
    r.host_addr = VA(2);
    assert_int_equal(gop(g.f.v, GNTTABOP_unmap_and_replace, &r, 1), 0);
    assert_int_equal(r.status, GNTST_okay);
    assert_int_equal(pin_of(&g, 16), GNTPIN_devw_inc);
    harness_audit(g.f.h);
    assert_int_equal(pvmm_domain_destroy(g.f.d), 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* ---- copy and swap ---- */

static void test_copy(void **state)
{
    struct gfx g = gfx_new();
    uint8_t *src = (uint8_t *)harness_pt(g.f.h, g.as.data[0]);
    uint8_t *dst = (uint8_t *)harness_pt(g.f.h, g.as.data[1]);
    struct gnttab_copy c = {
        .source = { .u.ref = 17, .domid = DOMID_SELF, .offset = 8 },
        .dest = { .u.gmfn = g.as.data[1], .domid = DOMID_SELF, .offset = 100 },
        .len = 4, .flags = GNTCOPY_source_gref,
    };

    (void)state;
    memcpy(src + 8, "pvmm", 4);
    grant(&g, 17, 1, g.as.data[0], GTF_permit_access | GTF_readonly);
    assert_int_equal(gop(g.f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_okay);
    assert_memory_equal(dst + 100, "pvmm", 4);
    assert_int_equal(g.e1[17].flags, GTF_permit_access | GTF_readonly);
    assert_int_equal(pin_of(&g, 17), 0);
    harness_audit(g.f.h);
    c.len = 4000;
    assert_int_equal(gop(g.f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_copy_arg);
    assert_reason(g.f.v, PVMM_RULE_GRANT_BAD_COPY);
    c.len = 4;
    c.dest.domid = 1;
    assert_int_equal(gop(g.f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_permission_denied);
    /* A frame side naming a missing domain: the id is looked up first (Xen 4.17, found by
     * the in-guest fuzzer). */
    c.dest.domid = 9;
    assert_int_equal(gop(g.f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_domain);
    c.dest.domid = DOMID_SELF;
    c.dest.u.gmfn = NR_FRAMES + 5;
    assert_int_equal(gop(g.f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_page);
    /* A read-only grant cannot be a destination. */
    c.flags = GNTCOPY_source_gref | GNTCOPY_dest_gref;
    c.dest.u.ref = 17;
    assert_int_equal(gop(g.f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    assert_int_equal(pin_of(&g, 17), 0);
    assert_int_equal(g.e1[17].flags, GTF_permit_access | GTF_readonly);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

static void test_swap(void **state)
{
    struct gfx g = gfx_new();
    struct gnttab_swap_grant_ref sw = { .ref_a = 20, .ref_b = 21 };
    grant_handle_t h;

    (void)state;
    grant(&g, 20, 1, g.as.data[0], GTF_permit_access);
    grant(&g, 21, 2, g.as.data[1], GTF_permit_access | GTF_readonly);
    assert_int_equal(gop(g.f.v, GNTTABOP_swap_grant_ref, &sw, 1), 0);
    assert_int_equal(sw.status, GNTST_okay);
    assert_int_equal(g.e1[20].domid, 2);
    assert_int_equal(g.e1[21].frame, g.as.data[0]);
    assert_int_equal(map(g.f.v, 1, 21, GNTMAP_device_map, 0, &h), GNTST_okay);
    assert_int_equal(gop(g.f.v, GNTTABOP_swap_grant_ref, &sw, 1), 0);
    assert_int_equal(sw.status, GNTST_eagain);
    assert_reason(g.f.v, PVMM_RULE_GRANT_IN_USE);
    sw.ref_b = 1U << 20;
    assert_int_equal(gop(g.f.v, GNTTABOP_swap_grant_ref, &sw, 1), 0);
    assert_int_equal(sw.status, GNTST_bad_gntref);
    sw.ref_a = sw.ref_b = 20;
    assert_int_equal(gop(g.f.v, GNTTABOP_swap_grant_ref, &sw, 1), 0);
    assert_int_equal(sw.status, GNTST_okay);
    harness_audit(g.f.h);
    assert_int_equal(pvmm_domain_destroy(g.f.d), 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* ---- versions ---- */

/* XSA-255 / XSA-382: status frames mapped block v2 -> v1; get_status_frames is bounded. */
static void test_xsa255_v2_status_frames(void **state)
{
    struct gfx g = gfx_new();
    struct gnttab_set_version sv = { .version = 3 };
    uint64_t sframe = 0;
    struct gnttab_get_status_frames gs = { .nr_frames = 2, .dom = DOMID_SELF,
                                           .frame_list = (uint64_t)(uintptr_t)&sframe };
    union grant_entry_v2 *e2;
    intpte_t *l1 = harness_pt(g.f.h, g.as.l1);
    uint16_t *st;
    grant_handle_t h;

    (void)state;
    grant(&g, 3, 1, g.as.data[0], GTF_permit_access);    /* reserved: survives */
    grant(&g, 30, 1, g.as.data[0], GTF_permit_access);
    assert_int_equal(gop(g.f.v, GNTTABOP_set_version, &sv, 1), -XEN_EINVAL);
    assert_int_equal(sv.version, 1);
    sv.version = 2;
    assert_int_equal(gop(g.f.v, GNTTABOP_set_version, &sv, 1), 0);
    assert_int_equal(sv.version, 2);
    e2 = (union grant_entry_v2 *)g.e1;
    assert_int_equal(e2[3].hdr.flags, GTF_permit_access);
    assert_int_equal(e2[3].full_page.frame, g.as.data[0]);
    assert_int_equal(e2[15].hdr.flags, 0);
    assert_int_equal(gop(g.f.v, GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_GRANT_LIMIT);
    gs.nr_frames = 1;
    assert_int_equal(gop(g.f.v, GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_okay);
    harness_audit(g.f.h);

    /* A v2 map: the status word, not the header, carries reading/writing. */
    e2[40].full_page.frame = g.as.data[0];
    e2[40].hdr.domid = 1;
    e2[40].hdr.flags = GTF_permit_access;
    assert_int_equal(map(g.f.v, 1, 40, GNTMAP_host_map, VA(2), &h), GNTST_okay);
    st = (uint16_t *)harness_pt(g.f.h, sframe);
    assert_int_equal(st[40], GTF_reading | GTF_writing);
    assert_int_equal(e2[40].hdr.flags, GTF_permit_access);
    assert_int_equal(unmap(g.f.v, h, VA(2), 0), GNTST_okay);
    assert_int_equal(st[40], 0);
    /* A sub-page grant cannot be mapped. */
    e2[40].hdr.flags = GTF_permit_access | GTF_sub_page;
    assert_int_equal(map(g.f.v, 1, 40, GNTMAP_host_map, VA(2), &h), GNTST_general_error);

    /* The guest maps its status frame: v2 -> v1 refused, nothing changed. */
    assert_int_equal(harness_pt_update(g.f.v, g.as.l1, 2, pte_from_mfn(sframe, 0x67)), 0);
    sv.version = 1;
    assert_int_equal(gop(g.f.v, GNTTABOP_set_version, &sv, 1), -XEN_EBUSY);
    assert_reason(g.f.v, PVMM_RULE_GRANT_STATUS_MAPPED);
    assert_int_equal(sv.version, 2);
    harness_audit(g.f.h);
    assert_int_equal(harness_pt_update(g.f.v, g.as.l1, 2, 0), 0);
    sv.version = 1;
    assert_int_equal(gop(g.f.v, GNTTABOP_set_version, &sv, 1), 0);
    assert_int_equal(sv.version, 1);
    assert_int_equal(g.e1[3].frame, g.as.data[0]);
    assert_int_equal(harness_page(&g.f, sframe)->owner, PVMM_OWNER_NONE);
    assert_int_equal(l1[2], 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* ---- batches, other domains, teardown, the auditor ---- */

static void test_batch_preempted(void **state)
{
    struct gfx g = gfx_new();
    struct gnttab_map_grant_ref m[3];

    (void)state;
    for (unsigned int i = 0; i < 3; i++) {
        grant(&g, 50 + i, 1, g.as.data[i], GTF_permit_access);
        m[i] = (struct gnttab_map_grant_ref){ .flags = GNTMAP_device_map, .ref = 50 + i,
                                              .dom = 1 };
    }
    m[1].ref = 1U << 30;
    g.f.h->preempt_every = true;
    assert_int_equal(gop(g.f.v, GNTTABOP_map_grant_ref, m, 3), 0);
    g.f.h->preempt_every = false;
    assert_int_equal(m[0].status, GNTST_okay);
    assert_int_equal(m[1].status, GNTST_bad_gntref);
    assert_int_equal(m[2].status, GNTST_okay);
    assert_int_equal(pin_of(&g, 52), GNTPIN_devw_inc);
    harness_audit(g.f.h);
    assert_int_equal(pvmm_domain_destroy(g.f.d), 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* Domain 2 maps domain 1's grant; the granter's frame outlives it until the mapper goes. */
static void test_cross_domain_and_teardown(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    mfn_t data = g.as.data[0];
    grant_handle_t h;

    (void)state;
    grant(&g, 60, 2, data, GTF_permit_access);
    assert_int_equal(map(&d2->vcpu[0], 1, 60, GNTMAP_device_map, 0, &h), GNTST_okay);
    /* Pinned for domain 2: domain 1 itself cannot map it. */
    assert_int_equal(map(g.f.v, 1, 60, GNTMAP_device_map, 0, NULL), GNTST_general_error);
    assert_reason(g.f.v, PVMM_RULE_GRANT_PINNED_ELSEWHERE);
    harness_audit(g.f.h);
    assert_int_equal(pvmm_domain_destroy(g.f.d), -XEN_EBUSY);
    harness_audit(g.f.h);
    assert_int_equal(pvmm_domain_destroy(d2), 0);
    harness_audit(g.f.h);
    assert_int_equal(pvmm_domain_destroy(g.f.d), 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* A host mapping of another domain's frame: the PTE in the mapper's table is audited as the
 * grant's (not a forbidden foreign mapping); the mapper's death releases it. */
static void test_cross_domain_host_map(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    struct harness_as as2;
    mfn_t data = g.as.data[0];
    uint64_t c0 = harness_count(g.f.h, data);
    grant_handle_t h;

    (void)state;
    harness_build_running_as(g.f.h, &d2->vcpu[0], &as2, 2);
    grant(&g, 61, 2, data, GTF_permit_access);
    assert_int_equal(map(&d2->vcpu[0], 1, 61, GNTMAP_host_map, VA(1), &h), GNTST_okay);
    assert_int_equal(pte_mfn(harness_pt(g.f.h, as2.l1)[1]), data);
    assert_int_equal(harness_count(g.f.h, data), c0 + 1);
    harness_audit(g.f.h);
    /* A PTE of d1's frame that d2 writes itself is still refused. */
    assert_true(harness_pt_update(&d2->vcpu[0], as2.l1, 0, pte_from_mfn(data, 0x67)) < 0);
    assert_int_equal(pte_mfn(harness_pt(g.f.h, as2.l1)[0]), as2.data[0]);
    assert_int_equal(unmap(&d2->vcpu[0], h, VA(1), 0), GNTST_okay);
    assert_int_equal(harness_count(g.f.h, data), c0);
    harness_audit(g.f.h);
    assert_int_equal(map(&d2->vcpu[0], 1, 61, GNTMAP_host_map | GNTMAP_readonly, VA(1), &h),
                     GNTST_okay);
    assert_int_equal(pvmm_domain_destroy(g.f.d), -XEN_EBUSY);
    assert_int_equal(pvmm_domain_destroy(d2), 0);
    harness_audit(g.f.h);
    assert_int_equal(pvmm_domain_destroy(g.f.d), 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/*
 * A granter that grants its own grant-table frame: another domain's mapping of it keeps the
 * granter's teardown from finishing (-EBUSY, the frame still the granter's) until it is
 * unmapped; then the frame goes back to the heap.  Found by the hosted fuzzer (the table
 * frame was left to a domain that no longer existed).
 */
static void test_table_frame_mapped_by_another(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    struct harness_as as2;
    unsigned long free0;
    grant_handle_t h, hd;

    (void)state;
    harness_build_running_as(g.f.h, &d2->vcpu[0], &as2, 2);
    grant(&g, 62, 2, g.gt, GTF_permit_access);
    assert_int_equal(map(&d2->vcpu[0], 1, 62, GNTMAP_host_map, VA(1), &h), GNTST_okay);
    assert_int_equal(map(&d2->vcpu[0], 1, 62, GNTMAP_device_map | GNTMAP_readonly, 0, &hd),
                     GNTST_okay);
    harness_audit(g.f.h);
    assert_int_equal(pvmm_domain_destroy(g.f.d), -XEN_EBUSY);
    assert_int_equal(mfn_to_page(&g.f.h->s, g.gt)->owner, 1);
    harness_audit(g.f.h);
    assert_int_equal(pvmm_domain_destroy(g.f.d), -XEN_EBUSY);
    assert_int_equal(unmap(&d2->vcpu[0], h, VA(1), 0), GNTST_okay);
    assert_int_equal(pvmm_domain_destroy(g.f.d), -XEN_EBUSY);
    assert_int_equal(unmap(&d2->vcpu[0], hd, 0, (uint64_t)g.gt << PAGE_SHIFT), GNTST_okay);
    harness_audit(g.f.h);
    free0 = g.f.h->s.nr_free;
    assert_int_equal(pvmm_domain_destroy(g.f.d), 0);
    assert_true(g.f.h->s.nr_free > free0);
    assert_int_equal(mfn_to_page(&g.f.h->s, g.gt)->owner, PVMM_OWNER_NONE);   /* free */
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

static void test_audit_finds_wrong_pin(void **state)
{
    struct gfx g = gfx_new();
    grant_handle_t h;

    (void)state;
    grant(&g, 70, 1, g.as.data[0], GTF_permit_access);
    assert_int_equal(map(g.f.v, 1, 70, GNTMAP_device_map | GNTMAP_readonly, 0, &h),
                     GNTST_okay);
    gnttab_active(g.f.d, 70)->pin += GNTPIN_hstr_inc;
    assert_int_not_equal(harness_audit_count(g.f.h), 0);
    gnttab_active(g.f.d, 70)->pin -= GNTPIN_hstr_inc;
    harness_audit(g.f.h);
    assert_int_equal(unmap(g.f.v, h, 0, (uint64_t)g.as.data[0] << PAGE_SHIFT), GNTST_okay);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* XSA-218: the entry never reads as free while any mapping of it is left. */
static void test_xsa218_status_stays_while_mapped(void **state)
{
    struct gfx g = gfx_new();
    grant_handle_t h1, h2;
    uint64_t bus = (uint64_t)g.as.data[0] << PAGE_SHIFT;

    (void)state;
    grant(&g, 80, 1, g.as.data[0], GTF_permit_access);
    assert_int_equal(map(g.f.v, 1, 80, GNTMAP_device_map, 0, &h1), GNTST_okay);
    assert_int_equal(map(g.f.v, 1, 80, GNTMAP_device_map | GNTMAP_readonly, 0, &h2),
                     GNTST_okay);
    assert_int_not_equal(h1, h2);
    assert_int_equal(unmap(g.f.v, h1, 0, bus), GNTST_okay);
    assert_int_equal(g.e1[80].flags, GTF_permit_access | GTF_reading);
    assert_int_equal(pin_of(&g, 80), GNTPIN_devr_inc);
    assert_int_equal(unmap(g.f.v, h1, 0, bus), GNTST_bad_handle);
    harness_audit(g.f.h);
    assert_int_equal(unmap(g.f.v, h2, 0, bus), GNTST_okay);
    assert_int_equal(g.e1[80].flags, GTF_permit_access);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* XSA-236: a copy holds pin and reference together, and a failing copy gives both back. */
static void test_xsa236_copy_gives_back_pin_and_refs(void **state)
{
    struct gfx g = gfx_new();
    mfn_t data = g.as.data[0];
    uint64_t c0 = harness_count(g.f.h, data), t0 = harness_type_count(g.f.h, data);
    struct gnttab_copy c = {
        .source = { .u.ref = 81, .domid = DOMID_SELF },
        .dest = { .u.ref = 81, .domid = 1 }, .len = 8,
        .flags = GNTCOPY_source_gref | GNTCOPY_dest_gref,
    };

    (void)state;
    grant(&g, 81, 1, data, GTF_permit_access);
    assert_int_equal(gop(g.f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_okay);
    c.dest.offset = PAGE_SIZE - 4;
    assert_int_equal(gop(g.f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_copy_arg);
    assert_int_equal(pin_of(&g, 81), 0);
    assert_int_equal(g.e1[81].flags, GTF_permit_access);
    assert_int_equal(harness_count(g.f.h, data), c0);
    assert_int_equal(harness_type_count(g.f.h, data), t0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* XSA-380/394: a dying mapper's mappings are released preemptibly, each exactly once. */
static void test_xsa380_release_preemptible(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    unsigned long restarts = 0;
    int rc;

    (void)state;
    for (grant_ref_t r = 90; r < 96; r++) {
        grant(&g, r, 2, g.as.data[r % 4], GTF_permit_access);
        assert_int_equal(map(&d2->vcpu[0], 1, r, GNTMAP_device_map, 0, NULL), GNTST_okay);
    }
    harness_audit(g.f.h);
    g.f.h->preempt_every = true;
    while ((rc = pvmm_domain_destroy(d2)) == -XEN_ERESTART) {
        restarts++;
        harness_audit(g.f.h);
    }
    g.f.h->preempt_every = false;
    assert_int_equal(rc, 0);
    assert_true(restarts >= 5);
    for (grant_ref_t r = 90; r < 96; r++)
        assert_int_equal(pin_of(&g, r), 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* XSA-382: get_status_frames copies at most the status frames there are. */
static void test_xsa382_status_frames_bounded(void **state)
{
    struct gfx g = gfx_new();
    struct gnttab_set_version sv = { .version = 2 };
    uint64_t list[3] = { 7, 7, 7 };
    struct gnttab_get_status_frames gs = { .nr_frames = 3, .dom = DOMID_SELF,
                                           .frame_list = (uint64_t)(uintptr_t)list };

    (void)state;
    assert_int_equal(setup_frames(g.f.v, 2), g.gt);
    assert_int_equal(gop(g.f.v, GNTTABOP_set_version, &sv, 1), 0);
    assert_int_equal(gop(g.f.v, GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_general_error);
    assert_int_equal(list[0], 7);
    gs.nr_frames = 1;
    assert_int_equal(gop(g.f.v, GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_okay);
    assert_int_not_equal(list[0], 7);
    assert_int_equal(list[1], 7);
    assert_int_equal(gop(g.f.v, GNTTABOP_get_status_frames, &gs, 2), -XEN_EINVAL);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_queries),
        cmocka_unit_test(test_host_map_rw),
        cmocka_unit_test(test_readonly_and_application_map),
        cmocka_unit_test(test_xsa224_host_and_device_unmapped_separately),
        cmocka_unit_test(test_xsa227_contains_pte_alignment),
        cmocka_unit_test(test_xsa234_unmap_checks_pte_permissions),
        cmocka_unit_test(test_unmap_and_replace),
        cmocka_unit_test(test_copy),
        cmocka_unit_test(test_swap),
        cmocka_unit_test(test_xsa255_v2_status_frames),
        cmocka_unit_test(test_batch_preempted),
        cmocka_unit_test(test_cross_domain_and_teardown),
        cmocka_unit_test(test_cross_domain_host_map),
        cmocka_unit_test(test_table_frame_mapped_by_another),
        cmocka_unit_test(test_audit_finds_wrong_pin),
        cmocka_unit_test(test_xsa218_status_stays_while_mapped),
        cmocka_unit_test(test_xsa236_copy_gives_back_pin_and_refs),
        cmocka_unit_test(test_xsa380_release_preemptible),
        cmocka_unit_test(test_xsa382_status_frames_bounded),
    };
    return cmocka_run_group_tests_name("grant-table", tests, NULL, NULL);
}
