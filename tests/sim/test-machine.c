/*
 * tests/sim/test-machine.c - the simulated machine with the real core.
 *
 * Builds domains with the shared domain builder and checks the layout Xen's
 * dom0 builder produces (VA = pfn << 12, p2m, start_info, read-only page
 * tables, pinned L4 with the right counts, pfn != mfn), then runs guest
 * accesses through the MMU: kernel and user mode with separate L4s, the
 * read-only M2P readable, the hypervisor's slots faulting, writes to a
 * read-only L1 emulated (valid entry) or refused (invalid entry), and the
 * auditor clean after each step.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "access.h"

static struct sim_machine *m;

static int setup(void **state)
{
    struct sim_machine_config cfg;

    (void)state;
    sim_machine_default_config(&cfg);
    m = sim_machine_new(&cfg);
    return m ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    sim_machine_free(m);
    return 0;
}

static void audit_clean(void)
{
    struct pvmm_audit_report r;
    unsigned int n = sim_audit(m, &r);
    char line[256];

    for (unsigned int i = 0; i < r.nr_recorded; i++) {
        pvmm_audit_format(&r.v[i], line, sizeof(line));
        print_error("audit: %s\n", line);
    }
    assert_int_equal(n, 0);
}

static struct vcpu *build(domid_t id, uint64_t pages)
{
    struct pvmm_build_params p = {
        .domid = id, .nr_pages = pages, .nr_vcpus = 2,
        .kernel_start = 0x100000, .kernel_end = 0x112000, .cmdline = "console=hvc0",
    };

    assert_int_equal(sim_build_domain(m, &p), 0);
    audit_clean();
    return sim_vcpu_lookup(m, id, 0);
}

static uint64_t kread(struct vcpu *v, uint64_t va)
{
    struct sim_access_result r;
    uint64_t val = 0;

    assert_int_equal(sim_guest_access(m, v, true, SIM_READ, va, &val, 8, &r), SIM_ACCESS_OK);
    return val;
}

static void test_layout_matches_worked_example(void **state)
{
    struct pvmm_build_params p = {
        .domid = 1, .nr_pages = 32768, .nr_vcpus = 1,
        .kernel_start = 0x100000, .kernel_end = 0x112000,
    };
    struct pvmm_dom_layout l;

    (void)state;
    /* Xen's dom0 layout: 128 MiB, kernel 0x100000-0x112000. */
    assert_int_equal(pvmm_build_layout(&p, &l), 0);
    assert_int_equal(l.p2m_va, 0x112000);
    assert_int_equal(l.start_info_va, 0x152000);
    assert_int_equal(l.pt_va, 0x153000);
    assert_int_equal(l.nr_pt_frames, 5);
    assert_int_equal(l.stack_va, 0x158000);
    assert_int_equal(l.v_end, 0x400000);
}

static void test_build_domain(void **state)
{
    struct vcpu *v;
    struct sim_domain *sd;
    struct start_info si;
    mfn_t l4;
    unsigned int same = 0;

    (void)state;
    v = build(1, 1024);
    sd = &m->doms[1];
    l4 = sd->layout.l4_mfn;
    assert_int_equal(v->guest_table, l4);
    /* Pinned, validated, loaded: pin + CR3 type refs; alloc + RO mapping + pin + CR3. */
    assert_true(m->ft[l4].type_info & PGT_pinned);
    assert_int_equal(m->ft[l4].type_info & PGT_type_mask, PGT_l4_page_table);
    assert_int_equal(m->ft[l4].type_info & PGT_count_mask, 2);
    assert_int_equal(m->ft[l4].count_info & PGC_count_mask, 4);
    for (uint64_t pfn = 0; pfn < 1024; pfn++) {
        same += sd->p2m[pfn] == pfn;
        assert_int_equal(m->s.m2p[sd->p2m[pfn]], pfn);
    }
    assert_int_equal(same, 0);

    /* The guest reads its start_info, p2m list and page tables at VA = pfn << 12. */
    for (size_t off = 0; off < sizeof(si); off += 8) {
        uint64_t w = kread(v, sd->layout.start_info_va + off);
        memcpy((char *)&si + off, &w, sizeof(si) - off < 8 ? sizeof(si) - off : 8);
    }
    assert_string_equal(si.magic, "xen-3.0-x86_64");
    assert_int_equal(si.pt_base, sd->layout.pt_va);
    assert_int_equal(si.nr_pages, 1024);
    assert_string_equal(si.cmd_line, "console=hvc0");
    assert_int_equal(kread(v, si.mfn_list + 8 * 5), sd->p2m[5]);
    assert_int_equal(kread(v, si.pt_base) & PTE_ADDR_MASK,
                     ((intpte_t *)(m->phys.mem + (l4 << 12)))[0] & PTE_ADDR_MASK);
    audit_clean();
}

static void test_page_tables_read_only(void **state)
{
    struct vcpu *v;
    struct sim_access_result r;
    uint64_t val = 0;

    (void)state;
    v = build(1, 1024);
    /* The L4 is mapped read-only: a kernel write faults (not an L1: no emulation). */
    assert_int_equal(sim_guest_access(m, v, true, SIM_WRITE, m->doms[1].layout.pt_va, &val, 8, &r),
                     SIM_ACCESS_PF);
    assert_int_equal(r.pfec, PFEC_PRESENT | PFEC_WRITE);
    assert_int_equal(r.hw_pfec, PFEC_PRESENT | PFEC_WRITE | PFEC_USER);
    assert_false(r.ptwr);
    audit_clean();
}

static void test_m2p_and_xen_slots(void **state)
{
    struct vcpu *v;
    struct sim_access_result r;
    uint64_t val = 0;
    mfn_t mfn;

    (void)state;
    v = build(1, 1024);
    mfn = m->doms[1].p2m[7];
    assert_int_equal(kread(v, MACH2PHYS_VIRT_START + 8 * mfn), 7);
    /* The M2P is read-only to the guest. */
    assert_int_equal(sim_guest_access(m, v, true, SIM_WRITE, MACH2PHYS_VIRT_START + 8 * mfn,
                                      &val, 8, &r), SIM_ACCESS_PF);
    assert_int_equal(r.pfec, PFEC_PRESENT | PFEC_WRITE);
    /* The direct map and the RW M2P are hypervisor-only: present, but no U bit. */
    assert_int_equal(sim_guest_access(m, v, true, SIM_READ, 0xFFFF830000000000UL, &val, 8, &r),
                     SIM_ACCESS_PF);
    assert_int_equal(r.pfec, PFEC_PRESENT);
    assert_int_equal(sim_guest_access(m, v, true, SIM_READ, 0xFFFF828000000000UL, &val, 8, &r),
                     SIM_ACCESS_PF);
    assert_int_equal(r.pfec, PFEC_PRESENT);
    /* Non-canonical: #GP. */
    assert_int_equal(sim_guest_access(m, v, true, SIM_READ, 0x0000900000000000UL, &val, 8, &r),
                     SIM_ACCESS_GP);
    audit_clean();
}

static void test_ptwr(void **state)
{
    struct vcpu *v;
    struct sim_access_result r;
    struct pvmm_dom_layout *l;
    uint64_t l1_va, val;
    mfn_t l1;
    intpte_t *l1t;
    uint64_t spare_pfn;

    (void)state;
    v = build(1, 1024);
    l = &m->doms[1].layout;
    /* The first L1 (VA 0-2 MiB) is the page after the L4 (dom0 order). */
    l1_va = l->pt_va + PAGE_SIZE;
    l1 = m->doms[1].p2m[l1_va >> 12];
    assert_int_equal(m->ft[l1].type_info & PGT_type_mask, PGT_l1_page_table);
    l1t = (intpte_t *)(m->phys.mem + (l1 << 12));
    spare_pfn = l->spare_va >> 12;
    val = pte_from_mfn(m->doms[1].p2m[spare_pfn], _PAGE_PRESENT | _PAGE_ACCESSED);

    /* Without VMASST_TYPE_writable_pagetables (and unprivileged) the write just faults. */
    assert_int_equal(sim_guest_access(m, v, true, SIM_WRITE, l1_va, &val, 8, &r), SIM_ACCESS_PF);
    assert_false(r.ptwr);
    {
        uint64_t a[5] = { VMASST_CMD_enable, VMASST_TYPE_writable_pagetables };
        struct sim_hypercall_result hr;

        assert_int_equal(sim_hypercall(m, v, __HYPERVISOR_vm_assist, a, &hr), 0);
    }

    /* Valid: remap VA 0 read-only onto a spare page. */
    assert_int_equal(sim_guest_access(m, v, true, SIM_WRITE, l1_va, &val, 8, &r), SIM_ACCESS_OK);
    assert_true(r.ptwr);
    assert_int_equal(l1t[0] & PTE_ADDR_MASK, m->doms[1].p2m[spare_pfn] << 12);
    audit_clean();

    /* Malicious: map the L1 itself writable.  Refused; the fault stands. */
    val = pte_from_mfn(l1, _PAGE_PRESENT | _PAGE_RW);
    assert_int_equal(sim_guest_access(m, v, true, SIM_WRITE, l1_va + 8, &val, 8, &r),
                     SIM_ACCESS_PF);
    assert_false(r.ptwr);
    assert_true(r.ptwr_rc < 0);
    assert_int_equal(pvmm_last_reason(v)->rule, PVMM_RULE_WRITABLE_PAGETABLE);
    audit_clean();
}

static void test_user_mode(void **state)
{
    struct vcpu *v;
    struct sim_access_result r;
    struct sim_hypercall_result hr;
    uint64_t val = 0;
    uint64_t a[5] = { 0 };
    struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR };

    (void)state;
    v = build(1, 1024);
    /* No user L4 yet: switching to user mode is impossible (Xen crashes the domain). */
    assert_int_equal(sim_guest_access(m, v, false, SIM_READ, 0x1000, &val, 8, &r),
                     SIM_ACCESS_NO_TABLE);
    /* Use the kernel L4 as the user L4 too (small kernels do). */
    op.arg1.mfn = v->guest_table;
    assert_int_equal(sim_kernel_copy(m, v, m->doms[1].layout.spare_va, &op, sizeof(op), true), 0);
    a[0] = m->doms[1].layout.spare_va;
    a[1] = 1;
    a[3] = DOMID_SELF;
    assert_int_equal(sim_hypercall(m, v, __HYPERVISOR_mmuext_op, a, &hr), 0);
    assert_int_equal(v->guest_table_user, v->guest_table);
    audit_clean();
    /* Kernel pages carry U (Xen adds it), so user mode sees them through this L4. */
    assert_int_equal(sim_guest_access(m, v, false, SIM_READ, 0x1000, &val, 8, &r), SIM_ACCESS_OK);
    assert_false(v->kernel_mode);
    /* ... but not the hypervisor's. */
    assert_int_equal(sim_guest_access(m, v, false, SIM_READ, 0xFFFF830000000000UL, &val, 8, &r),
                     SIM_ACCESS_PF);
    assert_int_equal(r.pfec, PFEC_PRESENT | PFEC_USER);
    audit_clean();
}

static void test_destroy(void **state)
{
    uint64_t free_before = m->s.nr_free;

    (void)state;
    build(2, 1024);
    build(3, 2048);
    assert_int_equal(sim_destroy_domain(m, 2), 0);
    assert_int_equal(sim_destroy_domain(m, 3), 0);
    assert_int_equal(m->s.nr_free, free_before);
    audit_clean();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_layout_matches_worked_example),
        cmocka_unit_test_setup_teardown(test_build_domain, setup, teardown),
        cmocka_unit_test_setup_teardown(test_page_tables_read_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_m2p_and_xen_slots, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ptwr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_mode, setup, teardown),
        cmocka_unit_test_setup_teardown(test_destroy, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
