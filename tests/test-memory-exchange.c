/*
 * tests/test-memory-exchange.c - XENMEM_exchange (core/memory-exchange.c): argument checks,
 * which frames may be given up, the commit, the undo of a failed chunk, preemption.
 */
#include "hc-helpers.h"

static struct xen_memory_exchange xchg(xen_pfn_t *in, uint64_t nr_in, unsigned int in_order,
                                       xen_pfn_t *out, uint64_t nr_out, unsigned int out_order)
{
    struct xen_memory_exchange x;

    memset(&x, 0, sizeof(x));
    x.in.extent_start = (uint64_t)(uintptr_t)in;
    x.in.nr_extents = nr_in;
    x.in.extent_order = in_order;
    x.in.domid = DOMID_SELF;
    x.out.extent_start = (uint64_t)(uintptr_t)out;
    x.out.nr_extents = nr_out;
    x.out.extent_order = out_order;
    x.out.domid = DOMID_SELF;
    return x;
}

/* Issue the exchange, re-issuing continuations as the embedder would; counts them. */
static long exchange(struct vcpu *v, struct xen_memory_exchange *x, unsigned long *conts)
{
    long rc = do_memory_op(v, XENMEM_exchange, (uint64_t)(uintptr_t)x);

    while (v->cont.pending) {
        struct pvmm_continuation c = v->cont;

        assert_true(++*conts < 100000);
        assert_int_equal(c.op, __HYPERVISOR_memory_op);
        assert_int_equal(c.args[0], XENMEM_exchange);
        v->cont.pending = false;
        rc = do_memory_op(v, c.args[0], c.args[1]);
    }
    return rc;
}

/* A frame of d that nothing references but its allocation. */
static mfn_t spare(struct hc_fixture *f)
{
    return harness_alloc(f->h, f->d);
}

/* The frame was given up: free, no owner, M2P invalid. */
static void assert_freed(struct hc_fixture *f, mfn_t m)
{
    assert_int_equal(f->h->ft[m].count_info, 0);
    assert_int_equal(f->h->ft[m].owner, PVMM_OWNER_NONE);
    assert_int_equal(f->h->m2p[m], INVALID_M2P_ENTRY);
}

/* The frame is d's with only its allocation reference and M2P gpfn. */
static void assert_fresh(struct hc_fixture *f, mfn_t m, uint64_t gpfn)
{
    assert_int_equal(f->h->ft[m].owner, f->d->domain_id);
    assert_int_equal(f->h->ft[m].count_info, PGC_allocated | 1);
    assert_int_equal(f->h->ft[m].type_info, 0);
    assert_int_equal(f->h->m2p[m], gpfn);
}

static void one_for_one(void **state)
{
    struct hc_fixture f;
    xen_pfn_t in[1], out[1];
    struct xen_memory_exchange x;
    unsigned long conts = 0;
    uint64_t tot;
    mfn_t old;

    (void)state;
    hc_setup(&f, 1, false);
    old = in[0] = spare(&f);
    out[0] = 0x42;
    tot = f.d->tot_pages;
    x = xchg(in, 1, 0, out, 1, 0);
    assert_int_equal(exchange(f.v, &x, &conts), 0);
    assert_int_equal(x.nr_exchanged, 1);
    assert_int_not_equal(out[0], old);
    assert_fresh(&f, out[0], 0x42);
    assert_freed(&f, old);
    assert_int_equal(f.d->tot_pages, tot);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Frames that may not be given up: -EINVAL with a reason, nothing changed. */
static void refused_frames(void **state)
{
    struct hc_fixture f;
    struct domain *other;
    xen_pfn_t in[1], out[1] = { 7 };
    struct xen_memory_exchange x;
    struct hc_counts snap;
    unsigned long conts = 0;
    const struct {
        mfn_t mfn;
        enum pvmm_rule rule;
    } cases[] = {
        { 0, PVMM_RULE_IN_USE },                        /* data[0]: mapped (filled below) */
        { 0, PVMM_RULE_IN_USE },                        /* the pinned, loaded L4 */
        { 0, PVMM_RULE_NOT_OWNER },                     /* another domain's frame */
        { HC_NR_FRAMES + 5, PVMM_RULE_BAD_MFN },
        { 0, PVMM_RULE_FREE_FRAME },                    /* a free frame */
    };
    mfn_t mfns[5];

    (void)state;
    hc_setup(&f, 1, false);
    other = harness_domain(f.h, 2, false);
    mfns[0] = f.as.data[0];
    mfns[1] = f.as.l4;
    mfns[2] = harness_alloc(f.h, other);
    mfns[3] = cases[3].mfn;
    mfns[4] = harness_alloc(f.h, f.d);
    in[0] = mfns[4];
    out[0] = 9;
    x = xchg(in, 1, 0, out, 1, 0);
    assert_int_equal(exchange(f.v, &x, &conts), 0);   /* mfns[4] is now free */
    assert_freed(&f, mfns[4]);
    out[0] = 7;
    for (unsigned int i = 0; i < 5; i++) {
        in[0] = mfns[i];
        x = xchg(in, 1, 0, out, 1, 0);
        hc_counts_take(f.h, &snap);
        assert_int_equal(exchange(f.v, &x, &conts), -XEN_EINVAL);
        assert_rc_reason(f.v, -XEN_EINVAL, cases[i].rule);
        assert_int_equal(x.nr_exchanged, 0);
        assert_int_equal(out[0], 7);
        hc_counts_same(f.h, &snap);
    }
    harness_audit(f.h);
    hc_teardown(&f);
}

/* A chunk that fails half-way gives back what it stole; earlier chunks stay done. */
static void failed_chunk_is_undone(void **state)
{
    struct hc_fixture f;
    xen_pfn_t in[4], out[2];
    struct xen_memory_exchange x;
    unsigned long conts = 0;
    uint64_t tot;
    mfn_t a, b, c;

    (void)state;
    hc_setup(&f, 1, false);
    a = spare(&f);
    b = spare(&f);
    c = spare(&f);
    tot = f.d->tot_pages;
    /* Chunk 0 = {a, b} -> order 1; chunk 1 = {c, c}: c is stolen, then refused. */
    in[0] = a;
    in[1] = b;
    in[2] = c;
    in[3] = c;
    out[0] = 0x10;
    out[1] = 0x20;
    x = xchg(in, 4, 0, out, 2, 1);
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EINVAL);
    assert_reason(f.v, PVMM_RULE_NOT_OWNER);        /* c is already held by the exchange */
    assert_int_equal(pvmm_last_reason(f.v)->op_index, 1);
    assert_int_equal(x.nr_exchanged, 2);
    assert_freed(&f, a);
    assert_freed(&f, b);
    assert_fresh(&f, out[0], 0x10);
    assert_fresh(&f, out[0] + 1, 0x11);
    assert_int_equal(out[1], 0x20);
    assert_int_equal(f.h->ft[c].owner, f.d->domain_id);
    assert_int_equal(f.h->ft[c].count_info, PGC_allocated | 1);
    assert_int_equal(f.d->tot_pages, tot);
    harness_audit(f.h);

    /* Retrying from nr_exchanged with a valid chunk finishes the job. */
    in[3] = spare(&f);
    tot = f.d->tot_pages;
    assert_int_equal(exchange(f.v, &x, &conts), 0);
    assert_int_equal(x.nr_exchanged, 4);
    assert_fresh(&f, out[1], 0x20);
    assert_fresh(&f, out[1] + 1, 0x21);
    assert_freed(&f, c);
    assert_int_equal(f.d->tot_pages, tot);
    harness_audit(f.h);
    hc_teardown(&f);
}

/* One order-2 extent for four single frames, and out of memory undone. */
static void larger_input_order(void **state)
{
    struct hc_fixture f;
    xen_pfn_t in[1], out[4] = { 0x30, 0x31, 0x32, 0x33 };
    struct xen_memory_exchange x;
    struct hc_counts snap;
    unsigned long conts = 0;
    xen_pfn_t list[1];
    struct xen_memory_reservation r;

    (void)state;
    hc_setup(&f, 1, false);
    memset(&r, 0, sizeof(r));
    r.extent_start = (uint64_t)(uintptr_t)list;
    r.nr_extents = 1;
    r.extent_order = 2;
    r.domid = DOMID_SELF;
    assert_int_equal(do_memory_op(f.v, XENMEM_increase_reservation, (uint64_t)(uintptr_t)&r),
                     1);
    in[0] = list[0];

    /* Below 2^13 bytes there are two frames, both in use: -ENOMEM, all given back. */
    x = xchg(in, 1, 2, out, 4, 0);
    x.out.mem_flags = XENMEMF_address_bits(13);
    hc_counts_take(f.h, &snap);
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_ENOMEM);
    assert_reason(f.v, PVMM_RULE_NO_MEMORY);
    assert_int_equal(x.nr_exchanged, 0);
    hc_counts_same(f.h, &snap);
    for (unsigned int j = 0; j < 4; j++)
        assert_int_equal(f.h->ft[in[0] + j].owner, f.d->domain_id);

    x = xchg(in, 1, 2, out, 4, 0);
    assert_int_equal(exchange(f.v, &x, &conts), 0);
    assert_int_equal(x.nr_exchanged, 1);
    for (unsigned int j = 0; j < 4; j++) {
        assert_freed(&f, in[0] + j);
        assert_fresh(&f, out[j], 0x30 + j);
    }
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Preempted between chunks: nr_exchanged carries the progress, the result is exact. */
static void preemption_between_chunks(void **state)
{
    struct hc_fixture f;
    xen_pfn_t in[6], out[6], old[6];
    struct xen_memory_exchange x;
    unsigned long conts = 0;

    (void)state;
    hc_setup(&f, 1, false);
    for (unsigned int i = 0; i < 6; i++) {
        old[i] = in[i] = spare(&f);
        out[i] = 0x100 + i;
    }
    f.h->preempt_every = true;
    x = xchg(in, 6, 0, out, 6, 0);
    assert_int_equal(exchange(f.v, &x, &conts), 0);
    f.h->preempt_every = false;
    assert_int_equal(conts, 5);
    assert_int_equal(x.nr_exchanged, 6);
    for (unsigned int i = 0; i < 6; i++) {
        bool reused = false;

        assert_fresh(&f, out[i], 0x100 + i);
        /* A frame given up in one chunk may come back as a later chunk's new frame. */
        for (unsigned int j = i + 1; j < 6; j++)
            reused |= out[j] == old[i];
        if (!reused)
            assert_freed(&f, old[i]);
    }
    harness_audit(f.h);
    hc_teardown(&f);
}

/* Xen's argument checks, in its order; nr_exchanged is written back as given. */
static void argument_checks(void **state)
{
    struct hc_fixture f;
    xen_pfn_t in[2], out[2];
    struct xen_memory_exchange x;
    struct hc_counts snap;
    unsigned long conts = 0;

    (void)state;
    hc_setup(&f, 1, false);
    harness_domain(f.h, 2, false);
    in[0] = spare(&f);
    in[1] = spare(&f);
    out[0] = out[1] = 5;
    hc_counts_take(f.h, &snap);

    x = xchg(in, 1, 10, out, 1, 10);                   /* a domU's maximum order is 9 */
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EPERM);
    x = xchg(in, 1, 0, out, 1, 0);
    x.out.domid = 1;
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EINVAL);
    x = xchg(in, 2, 0, out, 1, 0);
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EINVAL);
    x = xchg(in, 1, 0, out, 1, 0);
    x.nr_exchanged = 3;
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EINVAL);
    assert_int_equal(x.nr_exchanged, 3);
    x.nr_exchanged = 1;
    assert_int_equal(exchange(f.v, &x, &conts), 0);
    x = xchg(in, 1, 0, out, 1, 0);
    x.in.extent_start = 0xffff800000000000UL;
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EFAULT);
    x = xchg(in, 1, 0, out, 1, 0);
    x.out.extent_start = 0x0000800000000000UL;
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EFAULT);
    x = xchg(in, 1, 0, out, 1, 0);
    x.in.domid = x.out.domid = 9;
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_ESRCH);
    x.in.domid = x.out.domid = 2;                      /* exists, but not ours to change */
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EPERM);
    assert_reason(f.v, PVMM_RULE_FOREIGN_DENIED);
    x = xchg(in, 1, 0, out, 1, 0);
    x.out.mem_flags = XENMEMF_exact_node(1);           /* only the privileged name nodes */
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EINVAL);
    assert_int_equal(do_memory_op(f.v, XENMEM_exchange, HARNESS_BAD_GVA), -XEN_EFAULT);
    hc_counts_same(f.h, &snap);
    harness_audit(f.h);
    hc_teardown(&f);
}

/*
 * XSA-212: Xen checked only the lists' base addresses, so a made-up nr_exchanged could point
 * the element being accessed into the hypervisor.  The part still to be done must start at a
 * guest address: here element nr_exchanged of a list at 0 is at 0xffff800000000000.
 */
static void xsa212_exchange_progress_into_hypervisor(void **state)
{
    struct hc_fixture f;
    xen_pfn_t out[1];
    struct xen_memory_exchange x;
    struct hc_counts snap;
    unsigned long conts = 0;
    const uint64_t huge = 1UL << 61, into_xen = 0xffff800000000000UL / sizeof(xen_pfn_t);

    (void)state;
    hc_setup(&f, 0, true);
    hc_counts_take(f.h, &snap);
    x = xchg(NULL, huge, 0, out, huge, 0);
    x.nr_exchanged = into_xen;
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EFAULT);
    assert_reason(f.v, PVMM_RULE_GUEST_FAULT);
    assert_int_equal(x.nr_exchanged, into_xen);
    x = xchg(out, huge, 0, NULL, huge, 0);               /* the same through the out list */
    x.nr_exchanged = into_xen;
    assert_int_equal(exchange(f.v, &x, &conts), -XEN_EFAULT);
    hc_counts_same(f.h, &snap);
    harness_audit(f.h);
    hc_teardown(&f);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_for_one),
        cmocka_unit_test(refused_frames),
        cmocka_unit_test(failed_chunk_is_undone),
        cmocka_unit_test(larger_input_order),
        cmocka_unit_test(preemption_between_chunks),
        cmocka_unit_test(argument_checks),
        cmocka_unit_test(xsa212_exchange_progress_into_hypervisor),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
