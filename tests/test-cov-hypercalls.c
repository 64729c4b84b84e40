/*
 * tests/test-cov-hypercalls.c - guest-reachable hypercall paths the other tests
 * leave out, each with Xen's result and the core's reason.
 *
 *  - memory_op: a privileged caller's NUMA node (out of range: -EINVAL; an
 *    exact node other than 0: nothing allocated), a reserved domain id,
 *    populate-on-demand for another (PV) domain, a continuation index on a
 *    query;
 *  - mmu_update: an entry of a table
 *    another vCPU is still validating, two privileged domains passing on
 *    the right to map a third's frame, I/O memory the table's owner may
 *    not map;
 *  - update_va_mapping of an address with no L2 entry;
 *  - mmuext_op: an operation array at a hypervisor address;
 *  - the lazy LDT: a guest L1 entry naming memory beyond RAM or a frame
 *    of another domain; ptwr on a read-only mapping of device memory;
 *  - the search for the writable mapping that blocks a privileged
 *    caller's pin of another domain's frame, found in the caller's tables.
 * The auditor runs after every call.
 */
#include "harness.h"

#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 512

static const uint64_t RO = _PAGE_PRESENT | _PAGE_ACCESSED;
static const uint64_t RW = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
static const uint64_t UP = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;

/* foreigndom of mmu_update: page-table owner pt (a domain id) in the top half. */
#define PT_OWNER(pt, pg) ((((unsigned int)(pt) + 1) << 16) | (pg))

static long memop(struct vcpu *v, unsigned long cmd, xen_pfn_t *list, uint64_t n,
                  unsigned int flags, domid_t domid)
{
    struct xen_memory_reservation r = {
        .extent_start = (uint64_t)(uintptr_t)list, .nr_extents = n,
        .mem_flags = flags, .domid = domid,
    };

    return do_memory_op(v, cmd, (uint64_t)(uintptr_t)&r);
}

static void test_memory_op_numa_and_domains(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d1 = harness_domain(h, 1, true);
    struct domain *d2 = harness_domain(h, 2, false);
    struct vcpu *v = &d1->vcpu[0];
    uint64_t tot1 = d1->tot_pages, tot2 = d2->tot_pages;
    xen_pfn_t list[2] = { 0, 0 };
    domid_t self = DOMID_SELF;

    (void)state;
    /* Node 64 does not exist (64 nodes at most). */
    assert_int_equal(memop(v, XENMEM_increase_reservation, list, 1, XENMEMF_node(64), DOMID_SELF),
                     -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_BAD_ARGUMENT);
    /* Exactly node 3: this machine has only node 0, so nothing is allocated. */
    assert_int_equal(memop(v, XENMEM_increase_reservation, list, 1, XENMEMF_exact_node(3),
                           DOMID_SELF), 0);
    assert_reason(v, PVMM_RULE_NO_MEMORY);
    assert_int_equal(d1->tot_pages, tot1);
    /* Exactly node 0 is where the memory is. */
    assert_int_equal(memop(v, XENMEM_increase_reservation, list, 1, XENMEMF_exact_node(0),
                           DOMID_SELF), 1);
    assert_int_equal(d1->tot_pages, tot1 + 1);
    assert_int_equal(h->ft[list[0]].owner, 1);
    harness_audit(h);

    /* DOMID_IO is no domain to reserve memory for: no extent done. */
    assert_int_equal(memop(v, XENMEM_increase_reservation, list, 1, 0, DOMID_IO), 0);
    assert_reason(v, PVMM_RULE_BAD_DOMID);

    /* Populate-on-demand for another, PV, domain allocates nothing and succeeds. */
    list[0] = 0x100;
    list[1] = 0x101;
    assert_int_equal(memop(v, XENMEM_populate_physmap, list, 2, XENMEMF_populate_on_demand, 2), 2);
    assert_int_equal(d2->tot_pages, tot2);
    /* ... but not for oneself. */
    assert_int_equal(memop(v, XENMEM_populate_physmap, list, 2, XENMEMF_populate_on_demand,
                           DOMID_SELF), 0);
    assert_reason(v, PVMM_RULE_BAD_ARGUMENT);
    harness_audit(h);

    /* The queries take no continuation index. */
    assert_int_equal(do_memory_op(v, XENMEM_current_reservation | (1UL << MEMOP_EXTENT_SHIFT),
                                  (uint64_t)(uintptr_t)&self), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_BAD_ARGUMENT);
    assert_int_equal(do_memory_op(v, XENMEM_current_reservation, (uint64_t)(uintptr_t)&self),
                     (long)d1->tot_pages);
    harness_audit(h);
    harness_free(h);
}

static void test_mmu_update_owners(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d0 = harness_domain(h, 0, true);
    struct domain *d1 = harness_domain(h, 1, true);
    struct domain *d3 = harness_domain(h, 3, false);
    struct vcpu *v = &d1->vcpu[0];
    struct harness_as as1, as3;
    mfn_t f3;
    unsigned int done = 0;

    (void)state;
    (void)d0;
    harness_build_running_as(h, v, &as1, 2);
    harness_build_running_as(h, &d3->vcpu[0], &as3, 2);
    f3 = harness_alloc(h, d3);
    harness_audit(h);

    /*
     * d1 maps d3's frame naming d0 as the owner: d0 is privileged over d3,
     * so the right passes on and the frame is mapped (Xen's XSM_TARGET).
     */
    assert_int_equal(harness_mmu_update(v, &(struct mmu_update){
                         .ptr = (as1.l1 << PAGE_SHIFT) + 20 * 8,
                         .val = pte_from_mfn(f3, RO) }, 1, &done, 0), 0);
    assert_int_equal(done, 1);
    assert_int_equal(harness_count(h, f3), 2);
    harness_audit(h);
    assert_int_equal(harness_pt_update(v, as1.l1, 20, 0), 0);
    harness_audit(h);

    /*
     * d1 updates d3's L1 with an I/O frame: d1 (and dom_io) may map it, but
     * the table belongs to d3, which may not.
     */
    assert_int_equal(harness_mmu_update(v, &(struct mmu_update){
                         .ptr = (as3.l1 << PAGE_SHIFT) + 21 * 8,
                         .val = pte_from_mfn(3, RO) }, 1, &done,
                         PT_OWNER(3, DOMID_IO)), -XEN_EPERM);
    assert_reason(v, PVMM_RULE_IOMEM_DENIED);
    assert_int_equal(harness_pt(h, as3.l1)[21], 0);
    harness_audit(h);
    harness_free(h);
}

/*
 * An entry of an L2 whose validation another vCPU has started but not
 * finished (preempted: PGT_partial) can neither be updated as a table
 * nor written as plain memory.
 */
static void test_mmu_update_on_a_table_being_validated(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v0 = &d->vcpu[0], *v1 = &d->vcpu[1];
    struct harness_as as;
    struct mmuext_op pin;
    mfn_t l2 = harness_alloc(h, d), l1a = harness_alloc(h, d), l1b = harness_alloc(h, d);
    unsigned int done = 0;

    (void)state;
    harness_build_running_as(h, v0, &as, 1);
    harness_pt(h, l2)[0] = pte_from_mfn(l1a, UP);
    harness_pt(h, l2)[1] = pte_from_mfn(l1b, UP);
    harness_audit(h);

    /* vCPU 0's pin is preempted after the first entry. */
    pin = (struct mmuext_op){ .cmd = MMUEXT_PIN_L2_TABLE, .arg1.mfn = l2 };
    h->preempt_at = h->nr_preempt_checks + 1;
    assert_int_equal(do_mmuext_op(v0, (uint64_t)(uintptr_t)&pin, 1, 0, DOMID_SELF), 0);
    h->preempt_at = 0;
    assert_true(v0->cont.pending);
    assert_true(h->ft[l2].type_info & PGT_partial);
    harness_audit(h);

    /* vCPU 1 tries to change entry 1 meanwhile. */
    assert_int_equal(harness_mmu_update(v1, &(struct mmu_update){
                         .ptr = (l2 << PAGE_SHIFT) + 8, .val = 0 }, 1, &done, DOMID_SELF),
                     -XEN_EINVAL);
    assert_reason(v1, PVMM_RULE_TYPE_CONFLICT);
    assert_int_equal(done, 0);
    assert_int_equal(harness_pt(h, l2)[1], pte_from_mfn(l1b, UP));
    harness_audit(h);

    /* vCPU 0's continuation finishes the pin. */
    v0->cont.pending = false;
    assert_int_equal(do_mmuext_op(v0, v0->cont.args[0], (unsigned int)v0->cont.args[1],
                                  v0->cont.args[2], (unsigned int)v0->cont.args[3]), 0);
    assert_false(v0->cont.pending);
    assert_int_equal(harness_type(h, l2), PGT_l2_page_table);
    assert_true(h->ft[l2].type_info & PGT_pinned);
    assert_int_equal(harness_type_count(h, l1b), 1);
    harness_audit(h);
    assert_int_equal(harness_mmuext(v0, MMUEXT_UNPIN_TABLE, l2, 0), 0);
    harness_audit(h);
    harness_free(h);
}

/* update_va_mapping needs an L1 for the address: a missing L2 entry stops the walk. */
static void test_update_va_mapping_without_l1(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    const struct pvmm_reason *r;
    unsigned long flushes;

    (void)state;
    harness_build_running_as(h, v, &as, 1);
    flushes = h->nr_flushes;
    /* VA 2 MiB: L4 slot 0 and L3 slot 0 are present, L2 slot 1 is not. */
    assert_int_equal(do_update_va_mapping(v, 1UL << 21, pte_from_mfn(as.data[0], RO), UVMF_INVLPG),
                     -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_NO_L1_FOR_VA);
    r = pvmm_last_reason(v);
    assert_int_equal(r->table, as.l2);
    assert_int_equal(r->level, 2);
    assert_int_equal(r->index, 1);
    assert_int_equal(h->nr_flushes, flushes);   /* failed early: nothing flushed (XSA-279) */
    harness_audit(h);
    harness_free(h);
}

static void test_mmuext_array_in_hypervisor_memory(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];

    (void)state;
    assert_int_equal(do_mmuext_op(v, HYPERVISOR_VIRT_START + 0x1000, 1, 0, DOMID_SELF),
                     -XEN_EFAULT);
    assert_reason(v, PVMM_RULE_GUEST_FAULT);
    assert_int_equal(do_mmuext_op(v, 0x0000800000000000UL, 1, 0, DOMID_SELF), -XEN_EFAULT);
    harness_audit(h);
    harness_free(h);
}

/* The LDT's page is found through the guest kernel's L1 entry, which must name its own RAM. */
static void test_ldt_page_not_own_ram(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d1 = harness_domain(h, 1, true);
    struct domain *d2 = harness_domain(h, 2, false);
    struct vcpu *v = &d1->vcpu[0];
    struct harness_as as;
    mfn_t foreign = harness_alloc(h, d2);
    const uint64_t ldt_va = 20UL << PAGE_SHIFT, mmio_va = 21UL << PAGE_SHIFT;

    (void)state;
    harness_build_running_as(h, v, &as, 1);
    /* The privileged d1 maps d2's frame and a device frame beyond RAM. */
    assert_int_equal(harness_mmu_update(v, &(struct mmu_update){
                         .ptr = (as.l1 << PAGE_SHIFT) + 20 * 8,
                         .val = pte_from_mfn(foreign, RW) }, 1, NULL, 2), 0);
    assert_int_equal(harness_pt_update(v, as.l1, 21, pte_from_mfn(NR_FRAMES + 64, RW | _PAGE_PCD)),
                     0);
    harness_audit(h);

    assert_int_equal(harness_mmuext(v, MMUEXT_SET_LDT, ldt_va, 16), 0);
    assert_int_equal(pv_map_ldt_shadow_page(v, 0), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_NOT_OWNER);
    /* Still only d1's writable mapping: no descriptor type was taken. */
    assert_int_equal(harness_type(h, foreign), PGT_writable_page);
    assert_int_equal(harness_type_count(h, foreign), 1);
    harness_audit(h);

    assert_int_equal(harness_mmuext(v, MMUEXT_SET_LDT, mmio_va, 16), 0);
    assert_int_equal(pv_map_ldt_shadow_page(v, 8), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_BAD_MFN);
    harness_audit(h);

    assert_int_equal(harness_mmuext(v, MMUEXT_SET_LDT, 0, 0), 0);
    assert_int_equal(harness_pt_update(v, as.l1, 20, 0), 0);
    assert_int_equal(harness_pt_update(v, as.l1, 21, 0), 0);
    assert_int_equal(harness_count(h, foreign), 1);
    harness_audit(h);
    harness_free(h);
}

/*
 * A write fault on a read-only mapping of device memory (privileged) is
 * not a page-table write: ptwr leaves it to the guest.
 */
static void test_ptwr_on_device_memory(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, true);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;

    (void)state;
    harness_build_running_as(h, v, &as, 1);
    assert_int_equal(harness_pt_update(v, as.l1, 22, pte_from_mfn(NR_FRAMES + 64, RO | _PAGE_PCD)),
                     0);
    harness_audit(h);
    assert_int_equal(pvmm_ptwr_emulate(v, 22UL << PAGE_SHIFT, 0, 8, false, 0, NULL),
                     PVMM_PTWR_NOT_PT);
    /* The same write to the L1 itself (mapped read-only at slot 259) is emulated. */
    assert_int_equal(pvmm_ptwr_emulate(v, HARNESS_PT_VA + 3 * PAGE_SIZE + 23 * 8,
                                       pte_from_mfn(as.data[0], RO), 8, false, 0, NULL), 0);
    assert_int_equal(harness_pt(h, as.l1)[23] & PTE_ADDR_MASK, pte_from_mfn(as.data[0], 0));
    harness_audit(h);
    harness_free(h);
}

/*
 * A privileged domain pins another domain's frame as a table while it
 * maps that frame writable itself: the owner's tables do not hold the
 * blocking mapping, so the caller's are searched and name it.
 */
static void test_blocker_in_the_callers_tables(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d1 = harness_domain(h, 1, true);
    struct domain *d2 = harness_domain(h, 2, false);
    struct vcpu *v = &d1->vcpu[0];
    struct harness_as as;
    mfn_t f = harness_alloc(h, d2);
    const struct pvmm_reason *r;

    (void)state;
    harness_build_running_as(h, v, &as, 1);
    assert_int_equal(harness_mmu_update(v, &(struct mmu_update){
                         .ptr = (as.l1 << PAGE_SHIFT) + 24 * 8,
                         .val = pte_from_mfn(f, RW) }, 1, NULL, 2), 0);
    harness_audit(h);
    assert_int_equal(harness_mmuext_op(v, &(struct mmuext_op){
                         .cmd = MMUEXT_PIN_L1_TABLE, .arg1.mfn = f }, 1, NULL, 2), -XEN_EINVAL);
    assert_reason(v, PVMM_RULE_TYPE_CONFLICT);
    r = pvmm_last_reason(v);
    assert_true(r->have_blocker);
    assert_int_equal(r->blocker_l1, as.l1);
    assert_int_equal(r->blocker_slot, 24);
    assert_int_equal(r->blocker_va, 24UL << PAGE_SHIFT);
    assert_int_equal(harness_type(h, f), PGT_writable_page);
    harness_audit(h);
    assert_int_equal(harness_pt_update(v, as.l1, 24, 0), 0);
    harness_audit(h);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_op_numa_and_domains),
        cmocka_unit_test(test_mmu_update_owners),
        cmocka_unit_test(test_mmu_update_on_a_table_being_validated),
        cmocka_unit_test(test_update_va_mapping_without_l1),
        cmocka_unit_test(test_mmuext_array_in_hypervisor_memory),
        cmocka_unit_test(test_ldt_page_not_own_ram),
        cmocka_unit_test(test_ptwr_on_device_memory),
        cmocka_unit_test(test_blocker_in_the_callers_tables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
