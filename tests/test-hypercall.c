/*
 * tests/test-hypercall.c - the core's one hypercall dispatcher (core/hypercall.c):
 * every hypercall it names reaches its entry point, every other number is
 * -ENOSYS with no name, and arguments Xen declares as 32-bit lose their upper
 * halves on the way.
 */
#include "harness.h"

#include "../core/mm.h"

/* Each hypercall of the core has a name and reaches an entry point (no -ENOSYS). */
static void test_names_and_entry_points(void **state)
{
    static const unsigned int core_ops[] = {
        __HYPERVISOR_mmu_update, __HYPERVISOR_set_gdt, __HYPERVISOR_update_descriptor,
        __HYPERVISOR_memory_op, __HYPERVISOR_update_va_mapping, __HYPERVISOR_vm_assist,
        __HYPERVISOR_update_va_mapping_otherdomain, __HYPERVISOR_mmuext_op,
    };
    struct harness_fx f = harness_fx_new(256);
    uint64_t a[5] = { 0, 0, 0, 0, 0 };

    (void)state;
    for (unsigned int i = 0; i < sizeof(core_ops) / sizeof(core_ops[0]); i++) {
        assert_non_null(pvmm_hypercall_name(core_ops[i]));
        assert_int_not_equal(pvmm_hypercall(f.v, core_ops[i], a), -XEN_ENOSYS);
        f.v->cont.pending = false;
    }
    assert_string_equal(pvmm_hypercall_name(__HYPERVISOR_mmu_update), "mmu_update");
    harness_audit(f.h);
    harness_free(f.h);
}

/* A number the core does not implement: no name, -ENOSYS, nothing changed. */
static void test_unknown_hypercall(void **state)
{
    struct harness_fx f = harness_fx_new(256);
    uint64_t a[5] = { 1, 2, 3, 4, 5 };

    (void)state;
    assert_null(pvmm_hypercall_name(__HYPERVISOR_iret));
    assert_null(pvmm_hypercall_name(~0U));
    assert_int_equal(pvmm_hypercall(f.v, __HYPERVISOR_iret, a), -XEN_ENOSYS);
    assert_int_equal(pvmm_hypercall(f.v, ~0U, a), -XEN_ENOSYS);
    assert_false(f.v->cont.pending);
    harness_audit(f.h);
    harness_free(f.h);
}

/* vm_assist's cmd and type are 32-bit: 2^32 + enable is enable. */
static void test_32bit_arguments_cut(void **state)
{
    struct harness_fx f = harness_fx_new(256);
    uint64_t a[5] = { (1ULL << 32) | VMASST_CMD_enable,
                      (1ULL << 32) | VMASST_TYPE_runstate_update_flag, 0, 0, 0 };

    (void)state;
    f.d->vm_assist = 0;
    assert_int_equal(pvmm_hypercall(f.v, __HYPERVISOR_vm_assist, a), 0);
    assert_true(f.d->vm_assist & (1UL << VMASST_TYPE_runstate_update_flag));
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_entry_points),
        cmocka_unit_test(test_unknown_hypercall),
        cmocka_unit_test(test_32bit_arguments_cut),
    };
    return cmocka_run_group_tests_name("hypercall", tests, NULL, NULL);
}
