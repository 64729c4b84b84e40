/*
 * tests/test-cov-grant.c - the grant-table paths test-grant-table.c leaves out, each with
 * Xen's result and the core's reason: guest buffers that fault, a domain without
 * privilege naming another, memory running out as the table grows, I/O frames (refused),
 * frames of the wrong owner or type, PTE slots that do not exist,
 * v2 -> v1 with an entry v1 cannot hold, v2 swaps, a domain limited to v1, and the
 * dispatcher.  The auditor runs
 * after every step.
 */
#include "harness.h"

#include <string.h>

#include "../core/grant-table.h"

#define NR_FRAMES 512
#define VA(i)     (HARNESS_DATA_VA + (uint64_t)(i) * PAGE_SIZE)
#define BAD       ((void *)HARNESS_BAD_GVA)

static long gop(struct vcpu *v, unsigned int cmd, void *uop, unsigned int count)
{
    uint64_t a[5] = { cmd, (uint64_t)(uintptr_t)uop, count, 0, 0 };

    return pvmm_hypercall(v, __HYPERVISOR_grant_table_op, a);
}

static struct grant_entry_v1 *table(struct harness_fx *f, mfn_t *mfn)
{
    uint64_t frame = 0;
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
                                     .frame_list = (uint64_t)(uintptr_t)&frame };

    assert_int_equal(gop(f->v, GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    if (mfn)
        *mfn = frame;
    return (struct grant_entry_v1 *)harness_pt(f->h, frame);
}

static int16_t map(struct vcpu *v, domid_t dom, grant_ref_t ref, uint32_t flags, uint64_t addr,
                   grant_handle_t *h)
{
    struct gnttab_map_grant_ref m = { .host_addr = addr, .flags = flags, .ref = ref,
                                      .dom = dom };

    assert_int_equal(gop(v, GNTTABOP_map_grant_ref, &m, 1), 0);
    if (h)
        *h = m.handle;
    return m.status;
}

/* Take every free frame (for domain 3), so the next allocation fails. */
static void exhaust_heap(struct harness *h)
{
    struct domain *hog = harness_domain(h, 3, false);
    mfn_t m;

    while (pvmm_alloc_domheap_page(hog, &m) == 0)
        ;
}

static void test_guest_buffers_fault(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
                                     .frame_list = HARNESS_BAD_GVA };
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    struct gnttab_get_version gv = { .dom = DOMID_SELF };
    struct gnttab_set_version sv = { .version = 2 };
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF,
                                           .frame_list = HARNESS_BAD_GVA };
    struct gnttab_unmap_grant_ref u = { .handle = 0 };

    (void)state;
    assert_int_equal(gop(f.v, GNTTABOP_setup_table, BAD, 1), -XEN_EFAULT);
    assert_int_equal(gop(f.v, GNTTABOP_query_size, BAD, 1), -XEN_EFAULT);
    assert_int_equal(gop(f.v, GNTTABOP_get_version, BAD, 1), -XEN_EFAULT);
    assert_int_equal(gop(f.v, GNTTABOP_set_version, BAD, 1), -XEN_EFAULT);
    assert_int_equal(gop(f.v, GNTTABOP_get_status_frames, BAD, 1), -XEN_EFAULT);
    assert_int_equal(gop(f.v, GNTTABOP_map_grant_ref, BAD, 1), -XEN_EFAULT);
    assert_reason(f.v, PVMM_RULE_GUEST_FAULT);
    /* A frame list that cannot be written: the element's status says so. */
    assert_int_equal(gop(f.v, GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_bad_virt_addr);
    /* Results that cannot be written back. */
    f.h->ro_gva = (uint64_t)(uintptr_t)&st;
    f.h->ro_len = sizeof(st);
    assert_int_equal(gop(f.v, GNTTABOP_setup_table, &st, 1), -XEN_EFAULT);
    f.h->ro_gva = (uint64_t)(uintptr_t)&qs;
    f.h->ro_len = sizeof(qs);
    assert_int_equal(gop(f.v, GNTTABOP_query_size, &qs, 1), -XEN_EFAULT);
    f.h->ro_gva = (uint64_t)(uintptr_t)&gv;
    f.h->ro_len = sizeof(gv);
    assert_int_equal(gop(f.v, GNTTABOP_get_version, &gv, 1), -XEN_EFAULT);
    f.h->ro_gva = (uint64_t)(uintptr_t)&sv;
    f.h->ro_len = sizeof(sv);
    assert_int_equal(gop(f.v, GNTTABOP_set_version, &sv, 1), -XEN_EFAULT);
    f.h->ro_gva = (uint64_t)(uintptr_t)&gs;
    f.h->ro_len = sizeof(gs);
    assert_int_equal(gop(f.v, GNTTABOP_get_status_frames, &gs, 1), -XEN_EFAULT);
    f.h->ro_gva = (uint64_t)(uintptr_t)&u;
    f.h->ro_len = sizeof(u);
    assert_int_equal(gop(f.v, GNTTABOP_unmap_grant_ref, &u, 1), -XEN_EFAULT);
    f.h->ro_len = 0;
    /* The version switch itself happened; the status frame list cannot be written. */
    assert_int_equal(gop(f.v, GNTTABOP_get_status_frames, &gs, 1), 0);
    assert_int_equal(gs.status, GNTST_bad_virt_addr);
    harness_audit(f.h);
    assert_int_equal(pvmm_domain_destroy(f.d), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

static void test_unprivileged_names_another(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    struct gnttab_query_size qs = { .dom = 2 };
    struct gnttab_get_version gv = { .dom = 2 };

    (void)state;
    harness_domain(f.h, 2, false);
    assert_int_equal(gop(f.v, GNTTABOP_query_size, &qs, 1), 0);
    assert_int_equal(qs.status, GNTST_permission_denied);
    assert_reason(f.v, PVMM_RULE_FOREIGN_DENIED);
    assert_int_equal(gop(f.v, GNTTABOP_get_version, &gv, 1), -XEN_EPERM);
    harness_free(f.h);
}

static void test_out_of_memory(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    struct domain *d2 = harness_domain(f.h, 2, false);
    uint64_t frames[64];
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 64,
                                     .frame_list = (uint64_t)(uintptr_t)frames };
    struct gnttab_set_version sv = { .version = 2 };
    struct grant_entry_v1 *e;
    struct harness_as as;

    (void)state;
    harness_build_running_as(f.h, &d2->vcpu[0], &as, 1);
    e = table(&f, NULL);
    e[10] = (struct grant_entry_v1){ GTF_permit_access, 2, (uint32_t)harness_alloc(f.h, f.d) };
    exhaust_heap(f.h);
    assert_int_equal(gop(f.v, GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_NO_MEMORY);
    assert_int_equal(gop(f.v, GNTTABOP_set_version, &sv, 1), -XEN_ENOMEM);
    assert_int_equal(sv.version, 1);
    /* No frame for domain 2's first maptrack frame. */
    assert_int_equal(map(&d2->vcpu[0], 1, 10, GNTMAP_device_map, 0, NULL), GNTST_no_space);
    assert_reason(&d2->vcpu[0], PVMM_RULE_GRANT_NO_SPACE);
    harness_audit(f.h);
    harness_free(f.h);
}

/*
 * I/O frames cannot be granted by a PV domain, whatever its I/O rights: bad_page, the entry
 * untouched (Xen 4.17 looks the frame up as a page the granter owns; measured by the
 * in-guest fuzzer with dom0 granting frame 0xb8).
 */
static void test_io_frames(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d0 = harness_domain(h, 0, true), *d1 = harness_domain(h, 1, false);
    struct harness_fx f0 = { .h = h, .d = d0, .v = &d0->vcpu[0], .s = &h->s };
    struct harness_fx f1 = { .h = h, .d = d1, .v = &d1->vcpu[0], .s = &h->s };
    struct grant_entry_v1 *e0 = table(&f0, NULL), *e1 = table(&f1, NULL);
    struct harness_as as;

    (void)state;
    harness_build_running_as(h, f0.v, &as, 4);
    e1[10] = (struct grant_entry_v1){ GTF_permit_access, 0, 5 };
    assert_int_equal(map(f0.v, 1, 10, GNTMAP_host_map, VA(2), NULL), GNTST_bad_page);
    assert_reason(f0.v, PVMM_RULE_NOT_OWNER);
    assert_int_equal(e1[10].flags, GTF_permit_access);
    e0[11] = (struct grant_entry_v1){ GTF_permit_access | GTF_PWT | GTF_PCD | GTF_PAT, 0, 5 };
    assert_int_equal(map(f0.v, 0, 11, GNTMAP_host_map | GNTMAP_device_map, VA(2), NULL),
                     GNTST_bad_page);
    {
        /* Nor copied through a grant: bad_page, the entry untouched. */
        struct gnttab_copy c = {
            .source = { .u.ref = 11, .domid = 0 },
            .dest = { .u.gmfn = as.data[0], .domid = DOMID_SELF }, .len = 8,
            .flags = GNTCOPY_source_gref,
        };

        assert_int_equal(gop(f0.v, GNTTABOP_copy, &c, 1), 0);
        assert_int_equal(c.status, GNTST_bad_page);
        assert_int_equal(e0[11].flags, GTF_permit_access | GTF_PWT | GTF_PCD | GTF_PAT);
    }
    e0[12] = (struct grant_entry_v1){ GTF_permit_access, 0, NR_FRAMES + 9 };
    assert_int_equal(map(f0.v, 0, 12, GNTMAP_device_map, 0, NULL), GNTST_bad_page);
    assert_int_equal(e0[12].flags, GTF_permit_access);
    harness_audit(h);
    assert_int_equal(pvmm_domain_destroy(d0), 0);
    harness_audit(h);
    harness_free(h);
}

/* RAM frames that cannot be granted as asked; PTE slots that cannot take a grant. */
static void test_frames_and_slots_refused(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    struct domain *d2 = harness_domain(f.h, 2, false);
    struct grant_entry_v1 *e;
    struct harness_as as;
    grant_handle_t h;
    mfn_t other = harness_alloc(f.h, d2);
    struct gnttab_unmap_and_replace r = { .host_addr = VA(2), .new_addr = 1UL << 39 };

    (void)state;
    harness_build_running_as(f.h, f.v, &as, 4);
    /* Domain 2 never set its table up: its entries read as invalid. */
    assert_int_equal(map(f.v, 2, 5, GNTMAP_device_map, 0, NULL), GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_GRANT_NOT_PERMITTED);
    e = table(&f, NULL);
    /* Another domain's frame: bad_page (Xen 4.17, found by the in-guest fuzzer with an M2P
     * frame), the entry untouched. */
    e[10] = (struct grant_entry_v1){ GTF_permit_access, 1, (uint32_t)other };
    assert_int_equal(map(f.v, 1, 10, GNTMAP_device_map, 0, NULL), GNTST_bad_page);
    assert_reason(f.v, PVMM_RULE_NOT_OWNER);
    assert_int_equal(e[10].flags, GTF_permit_access);
    e[11] = (struct grant_entry_v1){ GTF_permit_access, 1, (uint32_t)as.l1 };
    assert_int_equal(map(f.v, 1, 11, GNTMAP_device_map, 0, NULL), GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
    e[12] = (struct grant_entry_v1){ GTF_permit_access, 1, (uint32_t)as.data[0] };
    assert_int_equal(map(f.v, 1, 12, GNTMAP_host_map, 1UL << 39, NULL), GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_NO_L1_FOR_VA);
    assert_int_equal(map(f.v, 1, 12, GNTMAP_host_map | GNTMAP_contains_pte,
                         (uint64_t)other << PAGE_SHIFT, NULL), GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_NOT_OWNER);
    assert_int_equal(e[12].flags, GTF_permit_access);
    harness_audit(f.h);
    /* unmap_and_replace: new_addr without an L1, and a contains_pte mapping. */
    assert_int_equal(map(f.v, 1, 12, GNTMAP_host_map, VA(2), &h), GNTST_okay);
    r.handle = h;
    assert_int_equal(gop(f.v, GNTTABOP_unmap_and_replace, &r, 1), 0);
    assert_int_equal(r.status, GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_NO_L1_FOR_VA);
    r.host_addr = 1UL << 39;
    r.new_addr = 0;
    assert_int_equal(gop(f.v, GNTTABOP_unmap_and_replace, &r, 1), 0);
    assert_int_equal(r.status, GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_NO_L1_FOR_VA);
    /* new_addr == host_addr: the grant's PTE moves away first, so the replace fails and
     * the moved PTE (the grant's) goes with its references; the pin stays until death. */
    r.host_addr = r.new_addr = VA(2);
    assert_int_equal(gop(f.v, GNTTABOP_unmap_and_replace, &r, 1), 0);
    assert_int_equal(r.status, GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_BUSY);
    assert_int_equal(harness_pt(f.h, as.l1)[2], 0);
    harness_audit(f.h);
    assert_int_equal(map(f.v, 1, 12, GNTMAP_host_map, VA(2), &h), GNTST_okay);
    r.handle = h;
    r.new_addr = 0;
    assert_int_equal(gop(f.v, GNTTABOP_unmap_and_replace, &r, 1), 0);
    assert_int_equal(r.status, GNTST_okay);
    assert_int_equal(map(f.v, 1, 12, GNTMAP_host_map | GNTMAP_contains_pte,
                         ((uint64_t)as.l1 << PAGE_SHIFT) + 16, &h), GNTST_okay);
    r.host_addr = ((uint64_t)as.l1 << PAGE_SHIFT) + 16;
    r.new_addr = VA(3);
    r.handle = h;
    assert_int_equal(gop(f.v, GNTTABOP_unmap_and_replace, &r, 1), 0);
    assert_int_equal(r.status, GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_BAD_ARGUMENT);
    harness_audit(f.h);
    assert_int_equal(pvmm_domain_destroy(f.d), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

/* v2: a reserved entry v1 cannot hold refuses the way back; swaps carry the status words. */
static void test_v2_range_and_swap(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    struct gnttab_set_version sv = { .version = 2 };
    struct gnttab_swap_grant_ref sw = { .ref_a = 20, .ref_b = 21 };
    uint64_t sframe = 0;
    struct gnttab_get_status_frames gs = { .nr_frames = 1, .dom = DOMID_SELF,
                                           .frame_list = (uint64_t)(uintptr_t)&sframe };
    union grant_entry_v2 *e2 = (union grant_entry_v2 *)table(&f, NULL);
    uint16_t *st;

    (void)state;
    assert_int_equal(gop(f.v, GNTTABOP_set_version, &sv, 1), 0);
    assert_int_equal(gop(f.v, GNTTABOP_get_status_frames, &gs, 1), 0);
    st = (uint16_t *)harness_pt(f.h, sframe);
    e2[2].full_page.frame = 1ULL << 33;
    e2[2].hdr.flags = GTF_permit_access;
    sv.version = 1;
    assert_int_equal(gop(f.v, GNTTABOP_set_version, &sv, 1), -XEN_ERANGE);
    assert_int_equal(sv.version, 2);
    e2[2].hdr.flags = GTF_transitive;
    sv.version = 1;
    assert_int_equal(gop(f.v, GNTTABOP_set_version, &sv, 1), -XEN_ERANGE);
    e2[2].hdr.flags = 0;
    e2[20].hdr.flags = GTF_permit_access;
    st[20] = GTF_reading;
    assert_int_equal(gop(f.v, GNTTABOP_swap_grant_ref, &sw, 1), 0);
    assert_int_equal(sw.status, GNTST_okay);
    assert_int_equal(e2[21].hdr.flags, GTF_permit_access);
    assert_int_equal(st[21], GTF_reading);
    assert_int_equal(st[20], 0);
    harness_audit(f.h);
    assert_int_equal(pvmm_domain_destroy(f.d), 0);
    harness_audit(f.h);
    harness_free(f.h);
}

/* A domain created with grant version limit 1: set_version(2) is -ENOSYS, as on Xen. */
static void test_version_limit(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    struct gnttab_set_version sv = { .version = 2 };

    (void)state;
    assert_int_equal(pvmm_gnttab_set_max_version(f.d, 0), -XEN_EINVAL);
    assert_int_equal(pvmm_gnttab_set_max_version(f.d, 3), -XEN_EINVAL);
    assert_int_equal(pvmm_gnttab_set_max_version(f.d, 1), 0);
    assert_int_equal(gop(f.v, GNTTABOP_set_version, &sv, 1), -XEN_ENOSYS);
    assert_reason(f.v, PVMM_RULE_UNSUPPORTED);
    assert_int_equal(sv.version, 1);
    sv.version = 1;
    assert_int_equal(gop(f.v, GNTTABOP_set_version, &sv, 1), 0);
    assert_int_equal(pvmm_gnttab_set_max_version(f.d, 2), 0);
    sv.version = 2;
    assert_int_equal(gop(f.v, GNTTABOP_set_version, &sv, 1), 0);
    assert_int_equal(sv.version, 2);
    harness_audit(f.h);
    harness_free(f.h);
}

/* Copies: an unknown domain, a destination that is a page table, a sub-page destination. */
static void test_copy_refusals(void **state)
{
    struct harness_fx f = harness_fx_new(NR_FRAMES);
    struct grant_entry_v1 *e;
    struct harness_as as;
    struct gnttab_set_version sv = { .version = 2 };
    union grant_entry_v2 *e2;
    struct gnttab_copy c = {
        .source = { .u.ref = 10, .domid = 7 }, .dest = { .domid = DOMID_SELF },
        .len = 8, .flags = GNTCOPY_source_gref,
    };

    (void)state;
    harness_build_running_as(f.h, f.v, &as, 4);
    e = table(&f, NULL);
    e[10] = (struct grant_entry_v1){ GTF_permit_access, 1, (uint32_t)as.data[0] };
    c.dest.u.gmfn = as.data[1];
    assert_int_equal(gop(f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_bad_domain);
    c.source.domid = 1;
    c.dest.u.gmfn = as.l1;
    assert_int_equal(gop(f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_TYPE_CONFLICT);
    harness_audit(f.h);
    assert_int_equal(gop(f.v, GNTTABOP_set_version, &sv, 1), 0);
    e2 = (union grant_entry_v2 *)e;
    e2[11].sub_page.page_off = 16;
    e2[11].sub_page.length = 8;
    e2[11].full_page.frame = as.data[2];
    e2[11].hdr.domid = 1;
    e2[11].hdr.flags = GTF_permit_access | GTF_sub_page;
    c.source = (struct gnttab_copy_ptr){ .u.gmfn = as.data[0], .domid = DOMID_SELF };
    c.dest = (struct gnttab_copy_ptr){ .u.ref = 11, .domid = 1, .offset = 20 };
    c.flags = GNTCOPY_dest_gref;
    assert_int_equal(gop(f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_general_error);
    assert_reason(f.v, PVMM_RULE_GRANT_BAD_COPY);
    c.dest.offset = 16;
    assert_int_equal(gop(f.v, GNTTABOP_copy, &c, 1), 0);
    assert_int_equal(c.status, GNTST_okay);
    harness_audit(f.h);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guest_buffers_fault),
        cmocka_unit_test(test_unprivileged_names_another),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_io_frames),
        cmocka_unit_test(test_frames_and_slots_refused),
        cmocka_unit_test(test_v2_range_and_swap),
        cmocka_unit_test(test_version_limit),
        cmocka_unit_test(test_copy_refusals),
    };
    return cmocka_run_group_tests_name("cov-grant", tests, NULL, NULL);
}
