/*
 * tests/test-vcpu-tables.c - pvmm_vcpu_set_tables (core/pin.c): the GDT frames, kernel L4 and
 * user L4 that VCPUOP_initialise gives a vCPU without tables, taken with Xen's rules, and
 * nothing left referenced when any of them is refused.
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES 256

/* vCPU 0 runs on a pinned address space; vCPU 1 has no tables. */
struct fx {
    struct harness *h;
    struct domain *d;
    struct harness_as as;
    mfn_t gdt;                  /* a zeroed frame no one maps: a valid descriptor page */
};

static struct fx fx_new(void)
{
    struct fx f;

    f.h = harness_new(NR_FRAMES);
    f.d = harness_domain(f.h, 1, false);
    harness_build_running_as(f.h, &f.d->vcpu[0], &f.as, 3);
    f.gdt = harness_alloc(f.h, f.d);
    return f;
}

/* The whole set is taken: GDT as a descriptor page, the L4 referenced once more. */
static void tables_taken(void **state)
{
    struct fx f = fx_new();
    struct vcpu *v = &f.d->vcpu[1];
    uint64_t l4_types = harness_type_count(f.h, f.as.l4);
    uint64_t frames[1] = { f.gdt };

    (void)state;
    assert_int_equal(pvmm_vcpu_set_tables(v, frames, 512, f.as.l4, 0), 0);
    assert_int_equal(v->guest_table, f.as.l4);
    assert_int_equal(v->guest_table_user, INVALID_MFN);
    assert_int_equal(v->gdt_frames[0], f.gdt);
    assert_int_equal(v->gdt_ents, 512);
    assert_int_equal(harness_type(f.h, f.gdt), PGT_seg_desc_page);
    assert_int_equal(harness_type_count(f.h, f.gdt), 1);
    assert_int_equal(harness_type_count(f.h, f.as.l4), l4_types + 1);
    harness_audit(f.h);
    /* A vCPU that has its tables already: refused, nothing changed. */
    assert_int_equal(pvmm_vcpu_set_tables(v, frames, 512, f.as.l4, 0), -XEN_EEXIST);
    assert_int_equal(harness_type_count(f.h, f.as.l4), l4_types + 1);
    harness_audit(f.h);
    harness_free(f.h);
}

/* Each refusal leaves no reference: a bad GDT frame, a bad kernel L4, a bad user L4. */
static void refusals_leave_nothing(void **state)
{
    struct fx f = fx_new();
    struct vcpu *v = &f.d->vcpu[1];
    uint64_t l4_types = harness_type_count(f.h, f.as.l4);
    uint64_t l4_refs = harness_count(f.h, f.as.l4);
    uint64_t good[1] = { f.gdt }, writable[1] = { f.as.data[0] };

    (void)state;
    assert_int_equal(pvmm_vcpu_set_tables(v, good, 7169, f.as.l4, 0), -XEN_EINVAL);
    assert_int_equal(pvmm_vcpu_set_tables(v, writable, 16, f.as.l4, 0), -XEN_EINVAL);
    assert_int_equal(pvmm_vcpu_set_tables(v, good, 512, f.as.data[1], 0), -XEN_EINVAL);
    assert_int_equal(harness_type_count(f.h, f.gdt), 0);
    assert_int_equal(pvmm_vcpu_set_tables(v, good, 512, NR_FRAMES + 3, 0), -XEN_EINVAL);
    assert_int_equal(pvmm_vcpu_set_tables(v, good, 512, f.as.l4, f.as.data[2]), -XEN_EINVAL);
    assert_int_equal(harness_type_count(f.h, f.gdt), 0);
    assert_int_equal(harness_type_count(f.h, f.as.l4), l4_types);
    assert_int_equal(harness_count(f.h, f.as.l4), l4_refs);
    assert_int_equal(v->guest_table, INVALID_MFN);
    assert_int_equal(v->guest_table_user, INVALID_MFN);
    assert_int_equal(v->gdt_ents, 0);
    harness_audit(f.h);
    /* And a good set is still taken afterwards. */
    assert_int_equal(pvmm_vcpu_set_tables(v, good, 512, f.as.l4, f.as.l4), 0);
    assert_int_equal(v->guest_table_user, f.as.l4);
    assert_int_equal(harness_type_count(f.h, f.as.l4), l4_types + 2);
    harness_audit(f.h);
    harness_free(f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(tables_taken),
        cmocka_unit_test(refusals_leave_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
