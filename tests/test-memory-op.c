/*
 * tests/test-memory-op.c - memory_op (core/memory-op.c; model.md §7, §10).
 */
#include "hc-helpers.h"

static void setup_domu(struct hc_fixture *f)
{
    hc_setup(f, 1, false);
}

static struct xen_memory_reservation resv(xen_pfn_t *list, uint64_t n, unsigned int order,
                                          domid_t domid)
{
    struct xen_memory_reservation r;

    memset(&r, 0, sizeof(r));
    r.extent_start = (uint64_t)(uintptr_t)list;
    r.nr_extents = n;
    r.extent_order = order;
    r.domid = domid;
    return r;
}

static long memop(struct vcpu *v, unsigned long cmd, struct xen_memory_reservation *r)
{
    long rc = do_memory_op(v, cmd, (uint64_t)(uintptr_t)r);

    unsigned long n = 0;

    /* Re-issue continuations as the embedder would (a livelock fails). */
    while (v->cont.pending) {
        struct pvmm_continuation c = v->cont;

        assert_true(++n < 100000);
        assert_int_equal(c.op, __HYPERVISOR_memory_op);
        v->cont.pending = false;
        rc = do_memory_op(v, c.args[0], c.args[1]);
    }
    return rc;
}

/* increase_reservation: frames allocated, MFNs written back, M2P untouched. */
static void increase_reservation(void **state)
{
    struct hc_fixture f;
    xen_pfn_t list[3] = { 0, 0, 0 };
    struct xen_memory_reservation r;
    uint64_t tot;

    (void)state;
    setup_domu(&f);
    tot = f.d->tot_pages;
    r = resv(list, 3, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 3);
    assert_int_equal(f.d->tot_pages, tot + 3);
    for (unsigned int i = 0; i < 3; i++) {
        assert_int_equal(f.h->ft[list[i]].owner, 1);
        assert_int_equal(harness_count(f.h, list[i]), 1);
        assert_true(f.h->ft[list[i]].count_info & PGC_allocated);
        assert_int_equal(f.h->m2p[list[i]], INVALID_M2P_ENTRY);
    }
    harness_audit(f.h);

    /* No list: allocated all the same. */
    r = resv(NULL, 2, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 2);
    assert_int_equal(f.d->tot_pages, tot + 5);
    harness_audit(f.h);

    /* An order-2 extent: four contiguous frames. */
    r = resv(list, 1, 2, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 1);
    for (unsigned int j = 0; j < 4; j++)
        assert_int_equal(f.h->ft[list[0] + j].owner, 1);
    assert_int_equal(f.d->tot_pages, tot + 9);
    harness_audit(f.h);

    /* Above max_pages: stops with what was done. */
    f.d->max_pages = f.d->tot_pages + 1;
    r = resv(list, 3, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 1);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* populate_physmap: GPFN in, MFN out, M2P[mfn + j] = gpfn + j. */
static void populate_physmap(void **state)
{
    struct hc_fixture f;
    xen_pfn_t list[2] = { 0x100, 0x200 };
    struct xen_memory_reservation r;

    (void)state;
    setup_domu(&f);
    r = resv(list, 2, 1, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_populate_physmap, &r), 2);
    assert_int_equal(f.h->m2p[list[0]], 0x100);
    assert_int_equal(f.h->m2p[list[0] + 1], 0x101);
    assert_int_equal(f.h->m2p[list[1]], 0x200);
    assert_int_equal(f.h->m2p[list[1] + 1], 0x201);
    assert_int_equal(f.h->ft[list[1] + 1].owner, 1);
    harness_audit(f.h);

    /* The list is required (it holds the GPFNs). */
    r = resv(NULL, 1, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_populate_physmap, &r), 0);
    /* Populate-on-demand on oneself is refused. */
    r = resv(list, 1, 0, DOMID_SELF);
    r.mem_flags = XENMEMF_populate_on_demand;
    assert_int_equal(memop(f.v, XENMEM_populate_physmap, &r), 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Extent order limits: domU 9, the privileged domain 18. */
static void extent_order_limits(void **state)
{
    struct hc_fixture f;
    xen_pfn_t list[1] = { 0 };
    struct xen_memory_reservation r;
    uint64_t tot;

    (void)state;
    setup_domu(&f);
    tot = f.d->tot_pages;
    for (unsigned long op = 0; op < 3; op++) {
        unsigned long cmd = op == 2 ? XENMEM_populate_physmap : op;

        r = resv(list, 1, 10, DOMID_SELF);
        assert_int_equal(memop(f.v, cmd, &r), 0);
    }
    assert_int_equal(f.d->tot_pages, tot);
    /* Order 9 is allowed (but 512 contiguous frames do not exist here). */
    r = resv(list, 1, 9, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    assert_int_equal(f.d->tot_pages, tot);
    harness_audit(f.h);
    hc_teardown(&f);

    hc_setup(&f, 0, true);
    r = resv(list, 1, 19, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    r = resv(list, 1, 3, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 1);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* decrease_reservation of an unused frame frees it at once. */
static void decrease_frees_unused_frame(void **state)
{
    struct hc_fixture f;
    xen_pfn_t list[1];
    struct xen_memory_reservation r;
    uint64_t tot;

    (void)state;
    setup_domu(&f);
    list[0] = harness_alloc(f.h, f.d);
    f.h->m2p[list[0]] = 0x42;
    tot = f.d->tot_pages;
    r = resv(list, 1, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 1);
    assert_int_equal(f.d->tot_pages, tot - 1);
    assert_int_equal(harness_count(f.h, list[0]), 0);
    assert_int_equal(f.h->ft[list[0]].owner, PVMM_OWNER_NONE);
    assert_int_equal(f.h->m2p[list[0]], INVALID_M2P_ENTRY);
    harness_audit(f.h);

    /* Now it is not ours: processing stops there (0 done). */
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 0);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* decrease_reservation allocates nothing: the NUMA node in mem_flags is not checked (an
 * exact node without privilege, a node beyond MAX_NUMNODES), as on Xen 4.17. */
static void decrease_ignores_node(void **state)
{
    static const unsigned int flags[] = { XENMEMF_exact_node(0), XENMEMF_node(200), 0x7ff0 };
    struct hc_fixture f;
    xen_pfn_t list[1];
    struct xen_memory_reservation r;
    unsigned int i;
    uint64_t tot;

    (void)state;
    setup_domu(&f);
    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        list[0] = harness_alloc(f.h, f.d);
        tot = f.d->tot_pages;
        r = resv(list, 1, 0, DOMID_SELF);
        r.mem_flags = flags[i];
        assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 1);
        assert_int_equal(f.d->tot_pages, tot - 1);
        /* increase_reservation still refuses the exact node without privilege. */
        if (i == 0)
            assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), -XEN_EINVAL);
        harness_audit(f.h);
    }
    hc_teardown(&f);
}

/*
 * A frame still mapped: only the allocation reference goes; it stays owned
 * and counted until the mapping goes, then it is freed.
 */
static void decrease_of_mapped_frame_defers_free(void **state)
{
    struct hc_fixture f;
    xen_pfn_t list[1];
    struct xen_memory_reservation r;
    uint64_t tot;
    mfn_t x;

    (void)state;
    setup_domu(&f);
    x = f.as.data[1];
    list[0] = x;
    tot = f.d->tot_pages;
    r = resv(list, 1, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 1);
    assert_false(f.h->ft[x].count_info & PGC_allocated);
    assert_int_equal(harness_count(f.h, x), 1);
    assert_int_equal(f.h->ft[x].owner, 1);
    assert_int_equal(f.d->tot_pages, tot);
    harness_audit(f.h);

    /* A second decrease finds no allocation reference to drop: still success. */
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 1);
    assert_int_equal(harness_count(f.h, x), 1);
    harness_audit(f.h);

    /* Unmapping drops the last reference: freed now. */
    assert_int_equal(do_update_va_mapping(f.v, 1 << PAGE_SHIFT, 0, UVMF_INVLPG), 0);
    assert_int_equal(harness_count(f.h, x), 0);
    assert_int_equal(f.h->ft[x].owner, PVMM_OWNER_NONE);
    assert_int_equal(f.d->tot_pages, tot - 1);
    assert_int_equal(f.h->m2p[x], INVALID_M2P_ENTRY);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Frames the domain does not own stop processing at that extent. */
static void decrease_stops_at_foreign_frame(void **state)
{
    struct hc_fixture f;
    struct domain *d2;
    xen_pfn_t list[4];
    struct xen_memory_reservation r;
    mfn_t p, q;

    (void)state;
    setup_domu(&f);
    d2 = harness_domain(f.h, 2, false);
    p = harness_alloc(f.h, f.d);
    q = harness_alloc(f.h, d2);
    assert_int_equal(q, p + 1);
    list[0] = harness_alloc(f.h, f.d);
    list[1] = harness_alloc(f.h, d2);
    list[2] = harness_alloc(f.h, f.d);
    list[3] = harness_alloc(f.h, f.d);
    r = resv(list, 4, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 1);
    assert_reason(f.v, PVMM_RULE_NOT_OWNER);
    assert_int_equal(harness_count(f.h, list[1]), 1);
    assert_int_equal(harness_count(f.h, list[2]), 1);
    harness_audit(f.h);

    /* Invalid frames and I/O frames too. */
    list[0] = HC_NR_FRAMES + 3;
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 0);
    list[0] = 3;
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 0);
    /* An order-1 extent whose second frame is foreign: stops in the extent. */
    list[0] = p;
    r = resv(list, 1, 1, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 0);
    assert_int_equal(f.h->ft[p].owner, PVMM_OWNER_NONE);
    assert_int_equal(f.h->ft[q].owner, 2);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Another domain's reservation: only with privilege (else 0 done). */
static void foreign_reservation(void **state)
{
    struct hc_fixture f;
    struct domain *d2, *d0;
    xen_pfn_t list[2] = { 0, 0 };
    struct xen_memory_reservation r;

    (void)state;
    setup_domu(&f);
    d2 = harness_domain(f.h, 2, false);
    r = resv(list, 2, 0, 2);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    assert_int_equal(d2->tot_pages, 0);
    r = resv(list, 2, 0, 7);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    /* Its own numeric id is fine for memory_op. */
    r = resv(list, 1, 0, 1);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 1);
    assert_int_equal(f.h->ft[list[0]].owner, 1);

    d0 = harness_domain(f.h, 0, true);
    r = resv(list, 2, 0, 2);
    assert_int_equal(memop(&d0->vcpu[0], XENMEM_increase_reservation, &r), 2);
    assert_int_equal(d2->tot_pages, 2);
    assert_int_equal(f.h->ft[list[1]].owner, 2);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Forced preemption: continuation with the next extent in cmd. */
static void preemption_between_extents(void **state)
{
    struct hc_fixture f;
    xen_pfn_t list[4] = { 10, 11, 12, 13 };
    struct xen_memory_reservation r;
    long rc;

    (void)state;
    setup_domu(&f);
    r = resv(list, 4, 0, DOMID_SELF);
    f.h->preempt_every = true;
    rc = do_memory_op(f.v, XENMEM_populate_physmap, (uint64_t)(uintptr_t)&r);
    assert_int_equal(rc, 0);
    assert_true(f.v->cont.pending);
    assert_int_equal(f.v->cont.op, __HYPERVISOR_memory_op);
    assert_int_equal(f.v->cont.args[0], XENMEM_populate_physmap | (1UL << MEMOP_EXTENT_SHIFT));
    assert_int_equal(f.v->cont.args[1], (uint64_t)(uintptr_t)&r);
    assert_int_equal(f.h->m2p[list[0]], 10);
    assert_int_equal(list[1], 11);
    harness_audit(f.h);
    f.v->cont.pending = false;
    rc = memop(f.v, XENMEM_populate_physmap | (1UL << MEMOP_EXTENT_SHIFT), &r);
    f.h->preempt_every = false;
    assert_int_equal(rc, 4);
    for (unsigned int i = 0; i < 4; i++)
        assert_int_equal(f.h->m2p[list[i]], 10 + i);
    harness_audit(f.h);

    f.h->preempt_every = true;
    r = resv(list, 4, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 4);
    f.h->preempt_every = false;
    for (unsigned int i = 0; i < 4; i++)
        assert_int_equal(f.h->ft[list[i]].owner, PVMM_OWNER_NONE);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Argument checks return the start extent. */
static void argument_checks_return_start(void **state)
{
    struct hc_fixture f;
    xen_pfn_t list[2] = { 0, 0 };
    struct xen_memory_reservation r;
    uint64_t tot;

    (void)state;
    setup_domu(&f);
    tot = f.d->tot_pages;
    /* Unreadable reservation. */
    assert_int_equal(do_memory_op(f.v, XENMEM_increase_reservation | (1UL << 6),
                                  HARNESS_BAD_GVA), 1);
    /* nr_extents too large to encode a continuation. */
    r = resv(list, (~0U >> MEMOP_EXTENT_SHIFT) + 1UL, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    /* Start extent at or beyond nr_extents. */
    r = resv(list, 2, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation | (2UL << 6), &r), 2);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation | (9UL << 6), &r), 9);
    /* address_bits at or below 12: nothing can be allocated. */
    r.mem_flags = XENMEMF_address_bits(12);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    /* address_bits that exclude every free frame: allocation fails. */
    r.mem_flags = XENMEMF_address_bits(13);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    /* An exact NUMA node needs privilege: -EINVAL. */
    r.mem_flags = XENMEMF_exact_node(0);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), -XEN_EINVAL);
    assert_rc_reason(f.v, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT);
    /* A non-exact node hint is ignored. */
    r.mem_flags = XENMEMF_node(3);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 2);
    assert_int_equal(f.d->tot_pages, tot + 2);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* The queries, and unknown sub-ops. */
static void queries(void **state)
{
    struct hc_fixture f;
    struct xen_machphys_mapping m;
    domid_t id;

    (void)state;
    setup_domu(&f);
    harness_domain(f.h, 2, false);
    assert_int_equal(do_memory_op(f.v, XENMEM_maximum_ram_page, 0), HC_NR_FRAMES);
    assert_int_equal(do_memory_op(f.v, XENMEM_maximum_ram_page | (1UL << 6), 0), -XEN_EINVAL);

    id = DOMID_SELF;
    assert_int_equal(do_memory_op(f.v, XENMEM_current_reservation, (uint64_t)(uintptr_t)&id),
                     (long)f.d->tot_pages);
    assert_int_equal(do_memory_op(f.v, XENMEM_maximum_reservation, (uint64_t)(uintptr_t)&id),
                     (long)f.d->max_pages);
    id = 1;
    assert_int_equal(do_memory_op(f.v, XENMEM_current_reservation, (uint64_t)(uintptr_t)&id),
                     (long)f.d->tot_pages);
    id = 2;
    assert_int_equal(do_memory_op(f.v, XENMEM_current_reservation, (uint64_t)(uintptr_t)&id),
                     -XEN_EPERM);
    id = 6;
    assert_int_equal(do_memory_op(f.v, XENMEM_maximum_reservation, (uint64_t)(uintptr_t)&id),
                     -XEN_ESRCH);
    assert_int_equal(do_memory_op(f.v, XENMEM_maximum_reservation, HARNESS_BAD_GVA),
                     -XEN_EFAULT);

    memset(&m, 0, sizeof(m));
    assert_int_equal(do_memory_op(f.v, XENMEM_machphys_mapping, (uint64_t)(uintptr_t)&m), 0);
    assert_int_equal(m.v_start, MACH2PHYS_VIRT_START);
    assert_int_equal(m.v_end, MACH2PHYS_VIRT_END);
    assert_int_equal(m.max_mfn, MACH2PHYS_NR_ENTRIES - 1);
    assert_int_equal(do_memory_op(f.v, XENMEM_machphys_mapping, HARNESS_BAD_GVA), -XEN_EFAULT);
    assert_int_equal(do_memory_op(f.v, XENMEM_machphys_mapping | (1UL << 6),
                                  (uint64_t)(uintptr_t)&m), -XEN_ENOSYS);

    {
        /* machphys_mfn_list and machine_memory_map are the embedder's (it knows them). */
        static const unsigned long unknown[] = {
            XENMEM_machphys_mfn_list, XENMEM_machine_memory_map, XENMEM_add_to_physmap, 8,
            40, 63,
        };
        struct xen_memory_map map = { 0, 0, 0 };

        for (size_t i = 0; i < ARRAY_SIZE(unknown); i++) {
            assert_int_equal(do_memory_op(f.v, unknown[i], 0), -XEN_ENOSYS);
            assert_rc_reason(f.v, -XEN_ENOSYS, PVMM_RULE_BAD_COMMAND);
        }
        /* No pseudo-physical map is set for a PV domain: -ENOSYS after reading arg. */
        assert_int_equal(do_memory_op(f.v, XENMEM_memory_map, (uint64_t)(uintptr_t)&map),
                         -XEN_ENOSYS);
        assert_int_equal(do_memory_op(f.v, XENMEM_memory_map, HARNESS_BAD_GVA), -XEN_EFAULT);
        assert_int_equal(do_memory_op(f.v, XENMEM_machphys_compat_mfn_list, 0),
                         -XEN_EOPNOTSUPP);
        /* The exchange keeps its progress in the argument, never in cmd. */
        assert_int_equal(do_memory_op(f.v, XENMEM_exchange | (1UL << 6), 0), -XEN_EINVAL);
    }
    harness_audit(f.h);
    hc_teardown(&f);

    hc_setup(&f, 0, true);
    assert_int_equal(do_memory_op(f.v, XENMEM_machphys_mapping, (uint64_t)(uintptr_t)&m), 0);
    assert_int_equal(m.max_mfn, HC_NR_FRAMES - 1);
    hc_teardown(&f);
}

/* The reason recorded for a short count: rc, rule, the failing extent (-1 if none). */
static void assert_short_reason(struct vcpu *v, int rc, enum pvmm_rule rule, int extent)
{
    assert_rc_reason(v, rc, rule);
    assert_int_equal(pvmm_last_reason(v)->op_index, extent);
    assert_int_equal(pvmm_last_reason(v)->hypercall, __HYPERVISOR_memory_op);
}

/*
 * A reservation op that stops short returns the count done, not an errno,
 * but records the errno Xen has internally and the rule: -EFAULT for guest
 * memory, -EINVAL for arguments, -ESRCH / -EPERM for the domain, -ENOMEM
 * for allocation; failures at an extent name it as op_index.
 */
static void short_counts_record_reasons(void **state)
{
    struct hc_fixture f;
    struct domain *d2;
    xen_pfn_t list[3] = { 0, 0, 0 };
    struct xen_memory_reservation r;
    uint64_t tot;

    (void)state;
    setup_domu(&f);
    d2 = harness_domain(f.h, 2, false);
    tot = f.d->tot_pages;

    /* The reservation itself unreadable. */
    assert_int_equal(do_memory_op(f.v, XENMEM_populate_physmap, HARNESS_BAD_GVA), 0);
    assert_short_reason(f.v, -XEN_EFAULT, PVMM_RULE_GUEST_FAULT, -1);
    assert_int_equal(pvmm_last_reason(f.v)->sub_op, XENMEM_populate_physmap);
    /* nr_extents too large for a continuation; a start extent beyond nr_extents. */
    r = resv(list, (~0U >> MEMOP_EXTENT_SHIFT) + 1UL, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    assert_short_reason(f.v, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, -1);
    r = resv(list, 2, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation | (3UL << 6), &r), 3);
    assert_short_reason(f.v, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, -1);
    /* A start extent equal to nr_extents is "all done": no failure. */
    assert_int_equal(memop(f.v, XENMEM_increase_reservation | (2UL << 6), &r), 2);
    assert_reason(f.v, PVMM_RULE_NONE);
    /* address_bits at or below 12. */
    r.mem_flags = XENMEMF_address_bits(12);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    assert_short_reason(f.v, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, -1);
    /* Unknown domain; another domain without privilege over it. */
    r = resv(list, 1, 0, 7);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    assert_short_reason(f.v, -XEN_ESRCH, PVMM_RULE_BAD_DOMID, -1);
    r = resv(list, 1, 0, 2);
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 0);
    assert_short_reason(f.v, -XEN_EPERM, PVMM_RULE_FOREIGN_DENIED, -1);
    assert_int_equal(d2->tot_pages, 0);
    /* An extent order above the domain's limit. */
    r = resv(list, 1, 10, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_populate_physmap, &r), 0);
    assert_short_reason(f.v, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, -1);
    /* An extent array in the hypervisor's range (XSA-212). */
    r = resv((xen_pfn_t *)0xffff830000000000UL, 1, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 0);
    assert_short_reason(f.v, -XEN_EFAULT, PVMM_RULE_GUEST_FAULT, -1);
    assert_int_equal(f.d->tot_pages, tot);
    harness_audit(f.h);

    /* Out of memory at extent 1 (max_pages), and below address_bits at extent 0. */
    f.d->max_pages = f.d->tot_pages + 1;
    r = resv(list, 3, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 1);
    assert_short_reason(f.v, -XEN_ENOMEM, PVMM_RULE_NO_MEMORY, 1);
    f.d->max_pages = ~0UL;
    r.mem_flags = XENMEMF_address_bits(13);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    assert_short_reason(f.v, -XEN_ENOMEM, PVMM_RULE_NO_MEMORY, 0);
    /* The MFN cannot be written back (increase) / the GPFN read (populate). */
    r = resv(NULL, 1, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_populate_physmap, &r), 0);
    assert_short_reason(f.v, -XEN_EFAULT, PVMM_RULE_GUEST_FAULT, 0);
    r = resv((xen_pfn_t *)HARNESS_BAD_GVA, 2, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 0);
    assert_short_reason(f.v, -XEN_EFAULT, PVMM_RULE_GUEST_FAULT, 0);
    assert_int_equal(pvmm_last_reason(f.v)->entry, HARNESS_BAD_GVA);
    /* Populate-on-demand on oneself. */
    list[0] = 0x10;
    r = resv(list, 1, 0, DOMID_SELF);
    r.mem_flags = XENMEMF_populate_on_demand;
    assert_int_equal(memop(f.v, XENMEM_populate_physmap, &r), 0);
    assert_short_reason(f.v, -XEN_EINVAL, PVMM_RULE_BAD_ARGUMENT, 0);
    harness_audit(f.h);

    /* decrease_reservation: not a frame, not ours (an I/O frame), at the extent reached. */
    list[0] = harness_alloc(f.h, f.d);
    list[1] = HC_NR_FRAMES + 3;
    r = resv(list, 2, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 1);
    assert_short_reason(f.v, -XEN_EINVAL, PVMM_RULE_BAD_MFN, 1);
    list[0] = 3;
    r = resv(list, 1, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 0);
    assert_short_reason(f.v, -XEN_ENXIO, PVMM_RULE_NOT_OWNER, 0);
    assert_int_equal(pvmm_last_reason(f.v)->frame, 3);
    harness_audit(f.h);

    /* A complete operation records nothing. */
    r = resv(list, 1, 0, DOMID_SELF);
    assert_int_equal(memop(f.v, XENMEM_increase_reservation, &r), 1);
    assert_reason(f.v, PVMM_RULE_NONE);
    assert_int_equal(memop(f.v, XENMEM_decrease_reservation, &r), 1);
    assert_reason(f.v, PVMM_RULE_NONE);
    assert_int_equal(pvmm_last_reason(f.v)->op_index, -1);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(increase_reservation),
        cmocka_unit_test(populate_physmap),
        cmocka_unit_test(extent_order_limits),
        cmocka_unit_test(decrease_frees_unused_frame),
        cmocka_unit_test(decrease_ignores_node),
        cmocka_unit_test(decrease_of_mapped_frame_defers_free),
        cmocka_unit_test(decrease_stops_at_foreign_frame),
        cmocka_unit_test(foreign_reservation),
        cmocka_unit_test(preemption_between_extents),
        cmocka_unit_test(argument_checks_return_start),
        cmocka_unit_test(queries),
        cmocka_unit_test(short_counts_record_reasons),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
