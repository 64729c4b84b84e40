/*
 * tests/test-sealed-launch.c - foreign mappings counted per domain and the sealed launch
 * (core/sealed-launch.c): the count follows every path that makes or removes a foreign
 * entry (mmu_update with a foreign domain, update_va_mapping_otherdomain, a grant host
 * mapping, a table torn down), the auditor recounts it after every step, a sealed domain
 * cannot be launched while another domain maps one of its frames (-EBUSY, naming the
 * entry), and once launched no foreign mapping of it can be made (-EPERM), with nothing
 * left behind by the refusals, while grants it makes itself still map.
 */
#include "hc-helpers.h"

#include <xen/grant_table.h>

#define VA(i)     (HARNESS_DATA_VA + (uint64_t)(i) * PAGE_SIZE)

/* dom0 (privileged, running) and domain 2 with one frame x2. */
struct sfx {
    struct hc_fixture f;
    struct domain *d2;
    mfn_t x2;
};

static void sfx_setup(struct sfx *s, bool sealed)
{
    hc_setup(&s->f, 0, true);
    s->d2 = harness_domain(s->f.h, 2, false);
    if (sealed)
        pvmm_domain_seal(s->d2);
    s->x2 = harness_alloc(s->f.h, s->d2);
    harness_audit(s->f.h);
}

/* Map x2 (or unmap: val 0) at entry `slot` of dom0's L1 with foreigndom 2. */
static long map_slot(struct sfx *s, unsigned int slot, intpte_t val)
{
    struct mmu_update u = hc_req(s->f.as.l1, slot, MMU_NORMAL_PT_UPDATE, val);

    return harness_mmu_update(s->f.v, &u, 1, NULL, 2);
}

static void count_follows_each_path(void **state)
{
    struct sfx s;

    (void)state;
    sfx_setup(&s, false);
    assert_int_equal(map_slot(&s, 10, pte_from_mfn(s.x2, HC_RW)), 0);
    assert_int_equal(s.d2->nr_foreign_maps, 1);
    assert_int_equal(s.f.d->nr_foreign_maps, 0);
    harness_audit(s.f.h);
    assert_int_equal(do_update_va_mapping_otherdomain(s.f.v, VA(13), pte_from_mfn(s.x2, HC_RO),
                                                      UVMF_NONE, 2), 0);
    assert_int_equal(s.d2->nr_foreign_maps, 2);
    harness_audit(s.f.h);
    /* Replaced by the same frame with other flags: still one mapping each. */
    assert_int_equal(map_slot(&s, 10, pte_from_mfn(s.x2, HC_RO)), 0);
    assert_int_equal(s.d2->nr_foreign_maps, 2);
    harness_audit(s.f.h);
    /* Replaced by dom0's own frame, then cleared. */
    assert_int_equal(do_update_va_mapping(s.f.v, VA(13), pte_from_mfn(s.f.as.data[1], HC_RO),
                                          UVMF_NONE), 0);
    assert_int_equal(s.d2->nr_foreign_maps, 1);
    harness_audit(s.f.h);
    assert_int_equal(map_slot(&s, 10, 0), 0);
    assert_int_equal(s.d2->nr_foreign_maps, 0);
    harness_audit(s.f.h);

    /* A refused foreign mapping (writable over a frame that cannot be) counts nothing. */
    assert_int_equal(pvmm_pin_table(&s.d2->vcpu[0], s.x2, 1), 0);
    assert_int_equal(map_slot(&s, 11, pte_from_mfn(s.x2, HC_RW)), -XEN_EBUSY);
    assert_int_equal(s.d2->nr_foreign_maps, 0);
    harness_audit(s.f.h);
    hc_teardown(&s.f);
}

/* The mapper's table torn down with its domain drops the count of the mapped domain. */
static void count_drops_with_the_mapper(void **state)
{
    struct hc_fixture f;
    struct domain *d1, *d2;
    struct harness_as as1;
    struct mmu_update u;
    mfn_t x2;
    int rc;

    (void)state;
    hc_setup(&f, 0, true);
    d1 = harness_domain(f.h, 1, true);
    harness_build_running_as(f.h, &d1->vcpu[0], &as1, 2);
    d2 = harness_domain(f.h, 2, false);
    x2 = harness_alloc(f.h, d2);
    u = hc_req(as1.l1, 20, MMU_NORMAL_PT_UPDATE, pte_from_mfn(x2, HC_RW));
    assert_int_equal(harness_mmu_update(&d1->vcpu[0], &u, 1, NULL, 2), 0);
    assert_int_equal(d2->nr_foreign_maps, 1);
    harness_audit(f.h);
    do
        rc = pvmm_domain_destroy(d1);
    while (rc == -XEN_ERESTART);
    assert_int_equal(rc, 0);
    assert_int_equal(d2->nr_foreign_maps, 0);
    assert_int_equal(harness_count(f.h, x2), 1);
    harness_audit(f.h);
    hc_teardown(&f);
}

static void sealed_launch_refused_while_mapped(void **state)
{
    struct sfx s;
    char text[1024], want[128];
    const struct pvmm_reason *r;

    (void)state;
    sfx_setup(&s, true);
    assert_int_equal(map_slot(&s, 10, pte_from_mfn(s.x2, HC_RW)), 0);
    harness_audit(s.f.h);

    assert_int_equal(pvmm_domain_launch(s.f.v, s.d2), -XEN_EBUSY);
    r = pvmm_last_reason(s.f.v);
    assert_int_equal(r->rule, PVMM_RULE_SEALED_MAPPED);
    assert_int_equal(r->rc, -XEN_EBUSY);
    assert_int_equal(r->frame, s.x2);
    assert_int_equal(r->table, s.f.as.l1);
    assert_int_equal(r->index, 10);
    assert_int_equal(r->mapper, 0);
    assert_int_equal(r->owner, 2);
    pvmm_reason_format(r, text, sizeof(text));
    snprintf(want, sizeof(want), "sealed domain d2 cannot run while d0 maps its frame 0x%lx",
             (unsigned long)s.x2);
    if (!strstr(text, want) || !strstr(text, "domctl unpausedomain failed: -EBUSY"))
        fail_msg("reason text: %s", text);
    assert_false(s.d2->launched);
    /* Refused, the domain may still be mapped (its builder is not done). */
    assert_int_equal(map_slot(&s, 11, pte_from_mfn(s.x2, HC_RO)), 0);
    assert_int_equal(s.d2->nr_foreign_maps, 2);
    harness_audit(s.f.h);

    assert_int_equal(map_slot(&s, 10, 0), 0);
    assert_int_equal(pvmm_domain_launch(s.f.v, s.d2), -XEN_EBUSY);
    assert_int_equal(pvmm_last_reason(s.f.v)->index, 11);
    assert_int_equal(map_slot(&s, 11, 0), 0);
    assert_int_equal(pvmm_domain_launch(s.f.v, s.d2), 0);
    assert_true(s.d2->launched);
    assert_int_equal(pvmm_domain_launch(s.f.v, s.d2), 0);
    harness_audit(s.f.h);
    hc_teardown(&s.f);
}

static void sealed_launched_refuses_foreign_mappings(void **state)
{
    struct sfx s;
    uint64_t count, type;

    (void)state;
    sfx_setup(&s, true);
    assert_int_equal(pvmm_domain_launch(s.f.v, s.d2), 0);
    count = harness_count(s.f.h, s.x2);
    type = harness_type_count(s.f.h, s.x2);

    assert_int_equal(map_slot(&s, 10, pte_from_mfn(s.x2, HC_RW)), -XEN_EPERM);
    assert_rc_reason(s.f.v, -XEN_EPERM, PVMM_RULE_SEALED_LAUNCHED);
    assert_int_equal(map_slot(&s, 10, pte_from_mfn(s.x2, HC_RO)), -XEN_EPERM);
    assert_int_equal(do_update_va_mapping_otherdomain(s.f.v, VA(13), pte_from_mfn(s.x2, HC_RW),
                                                      UVMF_NONE, 2), -XEN_EPERM);
    assert_rc_reason(s.f.v, -XEN_EPERM, PVMM_RULE_SEALED_LAUNCHED);
    /* Nothing was left behind: the entries, the counts, the frame's references. */
    assert_int_equal(harness_pt(s.f.h, s.f.as.l1)[10], 0);
    assert_int_equal(s.d2->nr_foreign_maps, 0);
    assert_int_equal(harness_count(s.f.h, s.x2), count);
    assert_int_equal(harness_type_count(s.f.h, s.x2), type);
    harness_audit(s.f.h);

    /* A batch keeps what came before the refused request. */
    {
        struct mmu_update b[2] = {
            hc_req(s.f.as.l1, 12, MMU_NORMAL_PT_UPDATE, pte_from_mfn(s.f.as.data[2], HC_RO)),
            hc_req(s.f.as.l1, 14, MMU_NORMAL_PT_UPDATE, pte_from_mfn(s.x2, HC_RO)),
        };
        unsigned int done = 0;

        assert_int_equal(harness_mmu_update(s.f.v, b, 2, &done, DOMID_SELF), -XEN_EBUSY);
        assert_int_equal(done, 1);
        assert_int_equal(harness_mmu_update(s.f.v, &b[1], 1, &done, 2), -XEN_EPERM);
        assert_int_equal(done, 0);
        assert_int_equal(s.d2->nr_foreign_maps, 0);
        harness_audit(s.f.h);
    }
    hc_teardown(&s.f);
}

/* Grants the sealed domain makes map before and after; before the launch they block it. */
static void sealed_grants_still_map(void **state)
{
    struct sfx s;
    uint64_t frames[1] = { 0 };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 1,
                                     .frame_list = (uint64_t)(uintptr_t)frames };
    struct gnttab_map_grant_ref m = { .host_addr = VA(12), .flags = GNTMAP_host_map,
                                      .ref = 5, .dom = 2 };
    struct gnttab_unmap_grant_ref um = { .host_addr = VA(12) };
    struct grant_entry_v1 *e1;

    (void)state;
    sfx_setup(&s, true);
    assert_int_equal(do_grant_table_op(&s.d2->vcpu[0], GNTTABOP_setup_table,
                                       (uint64_t)(uintptr_t)&st, 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    e1 = (struct grant_entry_v1 *)harness_pt(s.f.h, frames[0]);
    e1[5].domid = 0;
    e1[5].frame = (uint32_t)s.x2;
    e1[5].flags = GTF_permit_access;

    assert_int_equal(do_grant_table_op(s.f.v, GNTTABOP_map_grant_ref,
                                       (uint64_t)(uintptr_t)&m, 1), 0);
    assert_int_equal(m.status, GNTST_okay);
    assert_int_equal(s.d2->nr_foreign_maps, 1);
    harness_audit(s.f.h);
    assert_int_equal(pvmm_domain_launch(s.f.v, s.d2), -XEN_EBUSY);
    um.handle = m.handle;
    assert_int_equal(do_grant_table_op(s.f.v, GNTTABOP_unmap_grant_ref,
                                       (uint64_t)(uintptr_t)&um, 1), 0);
    assert_int_equal(um.status, GNTST_okay);
    assert_int_equal(s.d2->nr_foreign_maps, 0);
    harness_audit(s.f.h);

    assert_int_equal(pvmm_domain_launch(s.f.v, s.d2), 0);
    assert_int_equal(do_grant_table_op(s.f.v, GNTTABOP_map_grant_ref,
                                       (uint64_t)(uintptr_t)&m, 1), 0);
    assert_int_equal(m.status, GNTST_okay);
    assert_int_equal(s.d2->nr_foreign_maps, 1);
    harness_audit(s.f.h);
    um.handle = m.handle;
    assert_int_equal(do_grant_table_op(s.f.v, GNTTABOP_unmap_grant_ref,
                                       (uint64_t)(uintptr_t)&um, 1), 0);
    assert_int_equal(s.d2->nr_foreign_maps, 0);
    harness_audit(s.f.h);
    hc_teardown(&s.f);
}

/* A domain not created sealed launches whatever maps it. */
static void unsealed_launch_is_free(void **state)
{
    struct sfx s;

    (void)state;
    sfx_setup(&s, false);
    assert_int_equal(map_slot(&s, 10, pte_from_mfn(s.x2, HC_RW)), 0);
    assert_int_equal(pvmm_domain_launch(s.f.v, s.d2), 0);
    assert_int_equal(map_slot(&s, 11, pte_from_mfn(s.x2, HC_RO)), 0);
    assert_int_equal(s.d2->nr_foreign_maps, 2);
    harness_audit(s.f.h);
    hc_teardown(&s.f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(count_follows_each_path),
        cmocka_unit_test(count_drops_with_the_mapper),
        cmocka_unit_test(sealed_launch_refused_while_mapped),
        cmocka_unit_test(sealed_launched_refuses_foreign_mappings),
        cmocka_unit_test(sealed_grants_still_map),
        cmocka_unit_test(unsealed_launch_is_free),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
