/*
 * tests/test-grant-cache-flush.c - GNTTABOP_cache_flush (core/grant-cache-flush.c): Xen
 * 4.17's answers on x86 for each argument, each kind of frame and each refusal (measured
 * with a probe guest; guests/tests/grant-transfer-cache-flush asserts them on both
 * hypervisors), the scan of another domain's active entries with its continuation, and
 * the batch rules.  A flush changes nothing: the auditor runs after every step.
 */
#include "grant-helpers.h"

#include <string.h>

static struct gnttab_cache_flush cflush(mfn_t mfn, unsigned int off, unsigned int len,
                                        uint32_t op)
{
    struct gnttab_cache_flush c;

    memset(&c, 0, sizeof(c));
    c.a.dev_bus_addr = (uint64_t)mfn << PAGE_SHIFT;
    c.offset = (uint16_t)off;
    c.length = (uint16_t)len;
    c.op = op;
    return c;
}

/* One element, cmd with the continuation bits given. */
static long flush1(struct gfx *g, mfn_t mfn, unsigned int off, unsigned int len, uint32_t op,
                   unsigned int cmd_bits)
{
    struct gnttab_cache_flush c = cflush(mfn, off, len, op);
    long rc = gop(g->f.v, GNTTABOP_cache_flush | cmd_bits, &c, 1);

    harness_audit(g->f.h);
    return rc;
}

static void test_cache_flush_own_frames(void **state)
{
    struct gfx g = gfx_new();
    mfn_t data = g.as.data[0];
    uint64_t c0 = harness_count(g.f.h, data);

    (void)state;
    assert_int_equal(flush1(&g, data, 0, PAGE_SIZE, GNTTAB_CACHE_CLEAN, 0), 0);
    assert_int_equal(flush1(&g, data, 0, PAGE_SIZE,
                            GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL, 0), 0);
    assert_int_equal(flush1(&g, data, PAGE_SIZE - 1, 1, GNTTAB_CACHE_CLEAN, 0), 0);
    /* The table's own shared frame and a page table are the caller's too. */
    assert_int_equal(flush1(&g, g.gt, 0, 8, GNTTAB_CACHE_CLEAN, 0), 0);
    assert_int_equal(flush1(&g, g.as.l4, 0, 8, GNTTAB_CACHE_CLEAN, 0), 0);
    /* The address's low bits are ignored. */
    {
        struct gnttab_cache_flush c = cflush(data, 0, 1, GNTTAB_CACHE_CLEAN);

        c.a.dev_bus_addr |= 0x123;
        assert_int_equal(gop(g.f.v, GNTTABOP_cache_flush, &c, 1), 0);
    }
    /* Nothing to do: length 0 or op 0. */
    assert_int_equal(flush1(&g, data, 0, 0, GNTTAB_CACHE_CLEAN, 0), 0);
    assert_int_equal(flush1(&g, data, 0, 100, 0, 0), 0);
    /* Invalidating alone is not supported on x86. */
    assert_int_equal(flush1(&g, data, 0, PAGE_SIZE, GNTTAB_CACHE_INVAL, 0), -XEN_EOPNOTSUPP);
    assert_reason(g.f.v, PVMM_RULE_UNSUPPORTED);
    assert_int_equal(harness_count(g.f.h, data), c0);
    harness_free(g.f.h);
}

static void test_cache_flush_bad_arguments(void **state)
{
    struct gfx g = gfx_new();
    mfn_t data = g.as.data[0];

    (void)state;
    assert_int_equal(flush1(&g, data, PAGE_SIZE, 0, GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL);
    assert_reason(g.f.v, PVMM_RULE_BAD_ARGUMENT);
    assert_int_equal(flush1(&g, data, 100, 4000, GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL);
    assert_int_equal(flush1(&g, data, 0, PAGE_SIZE + 1, GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL);
    assert_int_equal(flush1(&g, data, 0, 1, 1U << 2, 0), -XEN_EINVAL);
    assert_int_equal(flush1(&g, data, 0, 0, 1U << 2, 0), -XEN_EINVAL);
    /* x86 Xen never implemented naming the frame by grant reference. */
    assert_int_equal(flush1(&g, 10, 0, PAGE_SIZE,
                            GNTTAB_CACHE_SOURCE_GREF | GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL);
    /* Nothing to do inside a continued scan is a broken continuation. */
    assert_int_equal(flush1(&g, data, 0, 0, GNTTAB_CACHE_CLEAN, 1U << 12), -XEN_EILSEQ);
    assert_int_equal(flush1(&g, data, 0, 1, 0, 1U << 12), -XEN_EILSEQ);
    /* A continuation's reference does not matter for the caller's own frame. */
    assert_int_equal(flush1(&g, data, 0, 1, GNTTAB_CACHE_CLEAN, 1U << 12), 0);
    /* The array is checked first, even for no element. */
    assert_int_equal(gop(g.f.v, GNTTABOP_cache_flush, (void *)0xffff830000000000UL, 0),
                     -XEN_EFAULT);
    assert_int_equal(gop(g.f.v, GNTTABOP_cache_flush, (void *)HARNESS_BAD_GVA, 1),
                     -XEN_EFAULT);
    assert_reason(g.f.v, PVMM_RULE_GUEST_FAULT);
    harness_free(g.f.h);
}

static void test_cache_flush_refused_frames(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    mfn_t other = harness_alloc(g.f.h, d2);
    mfn_t free_mfn = HARNESS_IO_FRAMES;
    char text[1024];

    (void)state;
    while (harness_page(&g.f, free_mfn)->count_info)
        free_mfn++;
    assert_int_equal(flush1(&g, NR_FRAMES + 5, 0, 1, GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL);
    assert_reason(g.f.v, PVMM_RULE_BAD_MFN);
    assert_int_equal(flush1(&g, free_mfn, 0, 1, GNTTAB_CACHE_CLEAN, 0), -XEN_EPERM);
    assert_reason(g.f.v, PVMM_RULE_FREE_FRAME);
    /* I/O memory (dom_io) and the hypervisor's frames (dom_xen) have no grant table. */
    assert_int_equal(flush1(&g, 1, 0, 1, GNTTAB_CACHE_CLEAN, 0), -XEN_EPERM);
    assert_reason(g.f.v, PVMM_RULE_NOT_OWNER);
    assert_int_equal(flush1(&g, NR_FRAMES - 1, 0, 1, GNTTAB_CACHE_CLEAN, 0), -XEN_EPERM);
    assert_reason(g.f.v, PVMM_RULE_NOT_OWNER);
    /* Another domain's frame that no grant pins for us. */
    assert_int_equal(flush1(&g, other, 0, 1, GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL);
    assert_reason(g.f.v, PVMM_RULE_GRANT_NOT_GRANTED);
    pvmm_reason_format(pvmm_last_reason(g.f.v), text, sizeof(text));
    assert_non_null(strstr(text, "cache_flush failed: -EINVAL (grant-not-granted)"));
    assert_int_equal(harness_count(g.f.h, other), 1);
    harness_free(g.f.h);
}

/* A frame another domain granted us and we map: flushable while mapped, not after. */
static void test_cache_flush_granted_frame(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    struct vcpu *v2 = &d2->vcpu[0];
    mfn_t data = g.as.data[1];
    uint64_t bus = (uint64_t)data << PAGE_SHIFT;
    struct gnttab_cache_flush c = cflush(data, 0, 64, GNTTAB_CACHE_CLEAN);
    grant_handle_t h;

    (void)state;
    grant(&g, 300, 2, data, GTF_permit_access | GTF_readonly);
    assert_int_equal(map(v2, 1, 300, GNTMAP_device_map | GNTMAP_readonly, 0, &h), GNTST_okay);
    assert_int_equal(gop(v2, GNTTABOP_cache_flush, &c, 1), 0);
    c.op = GNTTAB_CACHE_INVAL;
    assert_int_equal(gop(v2, GNTTABOP_cache_flush, &c, 1), -XEN_EOPNOTSUPP);
    harness_audit(g.f.h);
    assert_int_equal(unmap(v2, h, 0, bus), GNTST_okay);
    c.op = GNTTAB_CACHE_CLEAN;
    assert_int_equal(gop(v2, GNTTABOP_cache_flush, &c, 1), -XEN_EINVAL);
    assert_reason(v2, PVMM_RULE_GRANT_NOT_GRANTED);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/*
 * The scan goes 4096 references at a time: with 9 frames (4608 entries) and the grant at
 * reference 4500, a preemption after the first step continues with the next reference in
 * cmd's bits 12 and up; the elements before are not run again.
 */
static void test_cache_flush_scan_continues(void **state)
{
    struct gfx g = gfx_new();
    struct domain *d2 = harness_domain(g.f.h, 2, false);
    struct vcpu *v2 = &d2->vcpu[0];
    mfn_t data = g.as.data[2];
    struct gnttab_cache_flush c[2] = { cflush(data, 0, 8, GNTTAB_CACHE_CLEAN),
                                       cflush(data, 0, 8, GNTTAB_CACHE_CLEAN) };
    struct grant_entry_v1 *e;
    long rc;

    (void)state;
    setup_frames(g.f.v, 9);
    e = (struct grant_entry_v1 *)harness_pt(g.f.h, g.f.d->grant_table.shared[8]);
    e[4500 % 512] = (struct grant_entry_v1){ .flags = GTF_permit_access, .domid = 2,
                                            .frame = (uint32_t)data };
    assert_int_equal(map(v2, 1, 4500, GNTMAP_device_map, 0, NULL), GNTST_okay);

    /* Found on the second step, without preemption. */
    assert_int_equal(gop(v2, GNTTABOP_cache_flush, c, 2), 0);

    /* Preempted between the steps of the second element. */
    g.f.h->nr_preempt_checks = 0;
    g.f.h->preempt_at = 3;
    rc = do_grant_table_op(v2, GNTTABOP_cache_flush, (uint64_t)(uintptr_t)c, 2);
    g.f.h->preempt_at = 0;
    assert_true(v2->cont.pending);
    assert_int_equal(v2->cont.args[0], GNTTABOP_cache_flush | (4096UL << 12));
    assert_int_equal(v2->cont.args[1], (uint64_t)(uintptr_t)&c[1]);
    assert_int_equal(v2->cont.args[2], 1);
    v2->cont.pending = false;
    rc = do_grant_table_op(v2, (unsigned int)v2->cont.args[0], v2->cont.args[1],
                           (unsigned int)v2->cont.args[2]);
    assert_int_equal(rc, 0);
    assert_false(v2->cont.pending);

    /* Preempted between elements: the rest, the scan from the start. */
    g.f.h->nr_preempt_checks = 0;
    g.f.h->preempt_at = 2;
    rc = do_grant_table_op(v2, GNTTABOP_cache_flush, (uint64_t)(uintptr_t)c, 2);
    g.f.h->preempt_at = 0;
    assert_true(v2->cont.pending);
    assert_int_equal(v2->cont.args[0], GNTTABOP_cache_flush);
    assert_int_equal(v2->cont.args[2], 1);
    v2->cont.pending = false;
    (void)rc;

    /* A continued scan past the end of the table finds nothing. */
    c[0].a.dev_bus_addr = (uint64_t)data << PAGE_SHIFT;
    assert_int_equal(do_grant_table_op(v2, GNTTABOP_cache_flush | (8000U << 12),
                                       (uint64_t)(uintptr_t)c, 1), -XEN_EINVAL);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

/* A batch stops at the first refused element, with its errno and its index. */
static void test_cache_flush_batch_stops(void **state)
{
    struct gfx g = gfx_new();
    mfn_t data = g.as.data[0];
    struct gnttab_cache_flush c[3] = { cflush(data, 0, 1, GNTTAB_CACHE_CLEAN),
                                       cflush(data, 0, 1, GNTTAB_CACHE_INVAL),
                                       cflush(data, 0, 1, 1U << 2) };

    (void)state;
    assert_int_equal(gop(g.f.v, GNTTABOP_cache_flush, c, 3), -XEN_EOPNOTSUPP);
    assert_int_equal(pvmm_last_reason(g.f.v)->op_index, 1);
    c[1].op = GNTTAB_CACHE_CLEAN;
    assert_int_equal(gop(g.f.v, GNTTABOP_cache_flush, c, 3), -XEN_EINVAL);
    assert_int_equal(pvmm_last_reason(g.f.v)->op_index, 2);
    assert_int_equal(gop(g.f.v, GNTTABOP_cache_flush, c, 2), 0);
    harness_audit(g.f.h);
    harness_free(g.f.h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cache_flush_own_frames),
        cmocka_unit_test(test_cache_flush_bad_arguments),
        cmocka_unit_test(test_cache_flush_refused_frames),
        cmocka_unit_test(test_cache_flush_granted_frame),
        cmocka_unit_test(test_cache_flush_scan_continues),
        cmocka_unit_test(test_cache_flush_batch_stops),
    };
    return cmocka_run_group_tests_name("grant-cache-flush", tests, NULL, NULL);
}
