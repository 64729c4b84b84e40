/*
 * tests/test-xen-slots.c - the hypervisor's L4 slots 256..271
 * (core/xen-slots.c; model.md §3.6, §3.7, model.md §10).
 *
 * Every validated L4 carries the hypervisor's entries in slots 256..271,
 * written by the core whatever the guest left there; the guest can never
 * write them; slot 256 (the read-only M2P) follows m2p_strict.  The
 * expected contents are computed here independently of xen-slots.c.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "../core/mm.h"

#define NR_FRAMES  256
#define P          _PAGE_PRESENT
#define UPPER      (_PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY)
#define HYP_RW     (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX)

static long pin(struct vcpu *v, mfn_t m, int level)
{
    return harness_mmuext(v, MMUEXT_PIN_L1_TABLE + (unsigned int)level - 1, m, 0);
}

static long unpin(struct vcpu *v, mfn_t m)
{
    return harness_mmuext(v, MMUEXT_UNPIN_TABLE, m, 0);
}

/* Give every template slot a distinct hypervisor entry (frames of dom_xen). */
static void fill_template(struct harness *h)
{
    for (unsigned int i = 1; i < 16; i++)
        h->s.xen_l4_slots[i] = pte_from_mfn(NR_FRAMES - 1, HYP_RW | ((intpte_t)i << 52));
}

/* What slot `slot` of validated L4 l4 (owner d) must hold. */
static intpte_t expected_slot(struct harness *h, const struct domain *d, mfn_t l4,
                              unsigned int slot, bool ro_mpt)
{
    switch (slot) {
    case 256:
        return ro_mpt ? h->s.xen_l4_slots[0] : 0;
    case 258:
        return pte_from_mfn(l4, HYP_RW);
    case 259:
        return 0;
    case 260:
        return d->perdomain_l3 == INVALID_MFN ? 0 : pte_from_mfn(d->perdomain_l3, HYP_RW);
    default:
        return h->s.xen_l4_slots[slot - 256];
    }
}

static void assert_slots(struct harness *h, const struct domain *d, mfn_t l4, bool ro_mpt)
{
    const intpte_t *t = harness_pt(h, l4);

    for (unsigned int slot = 256; slot <= 271; slot++) {
        intpte_t want = expected_slot(h, d, l4, slot, ro_mpt);

        if (t[slot] != want)
            fail_msg("L4 %#lx slot %u: %#llx, expected %#llx", (unsigned long)l4, slot,
                     (unsigned long long)t[slot], (unsigned long long)want);
        /* Only the read-only M2P is reachable from the guest's ring 3. */
        if (slot != 256)
            assert_int_equal(t[slot] & _PAGE_USER, 0);
    }
}

/* An L4 with junk the guest left in every hypervisor slot. */
static mfn_t l4_with_junk(struct harness *h, struct domain *d, mfn_t data)
{
    mfn_t l4 = harness_alloc(h, d);
    intpte_t *t = harness_pt(h, l4);

    for (unsigned int slot = 256; slot <= 271; slot++)
        t[slot] = pte_from_mfn(slot & 1 ? data : l4, UPPER | _PAGE_PSE | _PAGE_PCD);
    return l4;
}

/*
 * Every validated L4 gets slots 256..271 from the template, whatever was
 * there, and the junk takes no references.  Slot 260 is the domain's
 * per-domain L3 when it has one.
 */
static void validated_l4_gets_template(void **state)
{
    (void)state;
    for (int perdomain = 0; perdomain <= 1; perdomain++) {
        struct harness *h = harness_new(NR_FRAMES);
        struct domain *d = harness_domain(h, 1, false);
        struct vcpu *v = &d->vcpu[0];
        mfn_t data = harness_alloc(h, d);
        mfn_t l4;

        fill_template(h);
        if (perdomain)
            d->perdomain_l3 = NR_FRAMES - 2;
        l4 = l4_with_junk(h, d, data);
        assert_int_equal(d->nr_l4_pages, 0);
        assert_int_equal(pin(v, l4, 4), 0);
        harness_audit(h);
        assert_slots(h, d, l4, false);
        assert_int_equal(harness_count(h, data), 1);
        assert_int_equal(harness_type_count(h, data), 0);
        assert_int_equal(harness_count(h, l4), 2);
        assert_int_equal(d->nr_l4_pages, 1);

        assert_int_equal(unpin(v, l4), 0);
        harness_audit(h);
        assert_int_equal(d->nr_l4_pages, 0);
        harness_free(h);
    }
}

/*
 * m2p_strict off (default): new L4s have slot 256 empty; NEW_BASEPTR fills
 * it.  On: new L4s get the M2P; NEW_USER_BASEPTR removes it.
 */
static void m2p_strict_policy(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t strict_l4, user_l4;
    (void)state;

    fill_template(h);
    harness_build_as(h, d, &as, 1);
    assert_int_equal(pin(v, as.l4, 4), 0);
    assert_slots(h, d, as.l4, false);
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_BASEPTR, as.l4, 0), 0);
    harness_audit(h);
    assert_slots(h, d, as.l4, true);

    assert_int_equal(do_vm_assist(v, VMASST_CMD_enable, VMASST_TYPE_m2p_strict), 0);
    strict_l4 = harness_alloc(h, d);
    assert_int_equal(pin(v, strict_l4, 4), 0);
    harness_audit(h);
    assert_slots(h, d, strict_l4, true);
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_USER_BASEPTR, strict_l4, 0), 0);
    harness_audit(h);
    assert_slots(h, d, strict_l4, false);

    /* Under m2p_strict a kernel base keeps the M2P it was created with. */
    user_l4 = harness_alloc(h, d);
    assert_int_equal(pin(v, user_l4, 4), 0);
    assert_int_equal(harness_mmuext(v, MMUEXT_NEW_BASEPTR, user_l4, 0), 0);
    harness_audit(h);
    assert_slots(h, d, user_l4, true);
    harness_free(h);
}

/* Guest updates of slots 256..271 are refused, whatever the value; 255 and 272 are the guest's. */
static void guest_updates_refused(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t l3b;
    (void)state;

    fill_template(h);
    harness_build_running_as(h, v, &as, 1);
    l3b = harness_alloc(h, d);
    for (unsigned int slot = 256; slot <= 271; slot++) {
        const intpte_t vals[] = {
            0,                                        /* clear it */
            harness_pt(h, as.l4)[slot],               /* rewrite the same */
            pte_from_mfn(l3b, UPPER),                 /* a valid guest L3 */
            pte_from_mfn(as.l4, P),                   /* a read-only self-reference */
        };

        for (size_t j = 0; j < ARRAY_SIZE(vals); j++) {
            assert_int_equal(harness_pt_update(v, as.l4, slot, vals[j]), -XEN_EINVAL);
            assert_reason(v, PVMM_RULE_XEN_SLOT);
        }
    }
    harness_audit(h);
    assert_slots(h, d, as.l4, true);
    assert_int_equal(harness_type_count(h, l3b), 0);

    assert_int_equal(harness_pt_update(v, as.l4, 255, pte_from_mfn(l3b, UPPER)), 0);
    assert_int_equal(harness_pt_update(v, as.l4, 272, pte_from_mfn(as.l4, P)), 0);
    harness_audit(h);
    assert_int_equal(harness_type_count(h, l3b), 1);
    harness_free(h);
}

/* The auditor checks the slots: a corrupted one is reported, slot 256 may be empty or the M2P. */
static void auditor_checks_slots(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    intpte_t *t;
    (void)state;

    fill_template(h);
    harness_build_running_as(h, v, &as, 1);
    t = harness_pt(h, as.l4);
    harness_audit(h);

    for (unsigned int slot = 256; slot <= 271; slot++) {
        intpte_t saved = t[slot];

        t[slot] = saved ^ (slot == 256 || saved == 0 ? pte_from_mfn(as.l3, P)
                                                     : _PAGE_USER);
        assert_true(harness_audit_count(h) > 0);
        t[slot] = saved;
        harness_audit(h);
    }
    /* Slot 256 both ways. */
    zap_ro_mpt(&h->s, as.l4);
    harness_audit(h);
    fill_ro_mpt(&h->s, as.l4);
    harness_audit(h);
    assert_int_equal(t[256], h->s.xen_l4_slots[0]);
    harness_free(h);
}

/*
 * model.md §10: once an L4 is neither pinned nor loaded it loses its type and
 * may be mapped writable - slots 256..271 included.  Whatever the guest
 * writes there is overwritten when it is validated again.
 */
static void revalidation_rewrites_slots(void **state)
{
    struct harness *h = harness_new(NR_FRAMES);
    struct domain *d = harness_domain(h, 1, false);
    struct vcpu *v = &d->vcpu[0];
    struct harness_as as;
    mfn_t l4b;
    (void)state;

    fill_template(h);
    harness_build_running_as(h, v, &as, 1);
    l4b = harness_alloc(h, d);
    harness_pt(h, l4b)[0] = harness_pt(h, as.l4)[0];
    assert_int_equal(pin(v, l4b, 4), 0);
    assert_int_equal(unpin(v, l4b), 0);
    harness_audit(h);
    assert_int_equal(h->ft[l4b].type_info & PGT_validated, 0);

    /* Now it is ordinary memory: map it writable and scribble on the slots. */
    assert_int_equal(harness_pt_update(v, as.l1, 300, pte_from_mfn(l4b, P | _PAGE_RW)), 0);
    harness_audit(h);
    for (unsigned int slot = 256; slot <= 271; slot++)
        harness_pt(h, l4b)[slot] = pte_from_mfn(as.l1, UPPER);
    /* It cannot become an L4 while mapped writable... */
    assert_int_equal(pin(v, l4b, 4), -XEN_EINVAL);
    assert_int_equal(harness_pt_update(v, as.l1, 300, 0), 0);
    /* ...and once it is not, validation puts the hypervisor's entries back. */
    assert_int_equal(pin(v, l4b, 4), 0);
    harness_audit(h);
    assert_slots(h, d, l4b, false);
    assert_int_equal(harness_type_count(h, as.l1), 1);
    assert_int_equal(d->nr_l4_pages, 2);
    harness_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validated_l4_gets_template),
        cmocka_unit_test(m2p_strict_policy),
        cmocka_unit_test(guest_updates_refused),
        cmocka_unit_test(auditor_checks_slots),
        cmocka_unit_test(revalidation_rewrites_slots),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
