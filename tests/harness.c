/*
 * tests/harness.c - the hosted test platform (see harness.h).
 */
#include "harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static unsigned long continuations;

static void *h_map_frame(void *ctx, mfn_t mfn)
{
    struct harness *h = ctx;
    assert_true(mfn < h->nr_frames);
    if (h->map_hook)
        h->map_hook(h, mfn);
    return h->mem + (mfn << PAGE_SHIFT);
}

static void h_flush_tlb(void *ctx, struct domain *d, uint64_t mask, uint64_t va)
{
    struct harness *h = ctx;
    (void)d;
    h->nr_flushes++;
    h->last_flush_mask = mask;
    h->last_flush_va = va;
}

static void h_write_ptbase(void *ctx, struct vcpu *v)
{
    struct harness *h = ctx;
    (void)v;
    h->nr_ptbase_writes++;
}

static void h_log(void *ctx, enum pvmm_log_level lvl, const char *msg)
{
    (void)ctx;
    /* Errors are core bugs: always shown (harness_free fails the test on them). */
    if (lvl == PVMM_LOG_ERROR || (lvl >= PVMM_LOG_WARN && getenv("PVMM_TEST_LOG")))
        fprintf(stderr, "core: %s\n", msg);
}

static bool h_preempt_check(void *ctx, struct vcpu *v)
{
    struct harness *h = ctx;
    (void)v;
    h->nr_preempt_checks++;
    return h->preempt_every || h->nr_preempt_checks == h->preempt_at;
}

static int h_copy_from_guest(void *ctx, struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    (void)ctx; (void)v;
    if (gva == 0 || (gva >= HARNESS_BAD_GVA && gva < HARNESS_BAD_GVA + 0x10000))
        return -XEN_EFAULT;
    memcpy(dst, (const void *)(uintptr_t)gva, len);
    return 0;
}

static int h_copy_to_guest(void *ctx, struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    struct harness *h = ctx;

    (void)v;
    if (gva == 0 || (gva >= HARNESS_BAD_GVA && gva < HARNESS_BAD_GVA + 0x10000))
        return -XEN_EFAULT;
    if (gva < h->ro_gva + h->ro_len && gva + len > h->ro_gva)
        return -XEN_EFAULT;
    memcpy((void *)(uintptr_t)gva, src, len);
    return 0;
}

struct harness *harness_new(uint64_t nr_frames)
{
    struct harness *h = calloc(1, sizeof(*h));
    struct pvmm_config cfg;
    mfn_t xen_l3;

    assert_non_null(h);
    h->nr_frames = nr_frames;
    h->mem = aligned_alloc(PAGE_SIZE, nr_frames << PAGE_SHIFT);
    h->ft = calloc(nr_frames, sizeof(*h->ft));
    h->m2p = calloc(nr_frames, sizeof(*h->m2p));
    h->free_in_block = calloc(PVMM_HEAP_BLOCKS(nr_frames), sizeof(*h->free_in_block));
    assert_non_null(h->mem);
    assert_non_null(h->ft);
    assert_non_null(h->m2p);
    assert_non_null(h->free_in_block);
    /* Junk, so that nothing relies on fresh frames being zero. */
    memset(h->mem, 0xa5, nr_frames << PAGE_SHIFT);

    h->plat = (struct pvmm_platform){
        .ctx = h,
        .map_frame = h_map_frame,
        .flush_tlb = h_flush_tlb,
        .write_ptbase = h_write_ptbase,
        .log = h_log,
        .preempt_check = h_preempt_check,
        .copy_from_guest = h_copy_from_guest,
        .copy_to_guest = h_copy_to_guest,
    };

    memset(&cfg, 0, sizeof(cfg));
    cfg.plat = &h->plat;
    cfg.frame_table = h->ft;
    cfg.m2p = h->m2p;
    cfg.free_in_block = h->free_in_block;
    cfg.nr_frames = nr_frames;
    cfg.linear_pt = true;
    /*
     * The last RAM frame plays the hypervisor's own L3 for slots 261/262;
     * the one before it the read-only M2P L3 (slot 256).
     */
    xen_l3 = nr_frames - 1;
    cfg.xen_l4_slots[0] = pte_from_mfn(nr_frames - 2, _PAGE_PRESENT | _PAGE_USER | _PAGE_NX);
    cfg.xen_l4_slots[261 - 256] = pte_from_mfn(xen_l3, _PAGE_PRESENT | _PAGE_RW |
                                               _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_NX);
    cfg.xen_l4_slots[262 - 256] = cfg.xen_l4_slots[261 - 256];
    pvmm_init(&h->s, &cfg);
    pvmm_add_ram(&h->s, HARNESS_IO_FRAMES, nr_frames - HARNESS_IO_FRAMES - 2);
    pvmm_reserve_frame(&h->s, nr_frames - 2);
    pvmm_reserve_frame(&h->s, nr_frames - 1);
    memset(h->mem + ((nr_frames - 2) << PAGE_SHIFT), 0, 2 * PAGE_SIZE);

    h->audit_scratch = malloc(pvmm_audit_scratch_size(&h->s));
    assert_non_null(h->audit_scratch);
    return h;
}

void harness_expect_core_bugs(struct harness *h, unsigned long n)
{
    h->expected_core_bugs = n;
}

bool harness_core_bugs_as_expected(const struct harness *h)
{
    return pvmm_core_bugs(&h->s) == h->expected_core_bugs;
}

void harness_free(struct harness *h)
{
    unsigned long bugs, expected;

    if (!h)
        return;
    bugs = pvmm_core_bugs(&h->s);
    expected = h->expected_core_bugs;
    free(h->audit_scratch);
    free(h->mem);
    free(h->ft);
    free(h->m2p);
    free(h->free_in_block);
    free(h);
    if (bugs != expected)
        fail_msg("the core met %lu core bug(s), the test expected %lu", bugs, expected);
}

/*
 * Audit h; the CORE_BUG violation does not count while the core bugs met
 * are no more than the test plants (harness_free checks the final count).
 */
static unsigned int audit_excusing_planted(struct harness *h, struct pvmm_audit_report *r)
{
    unsigned long bugs = pvmm_core_bugs(&h->s);
    unsigned int n = pvmm_audit(&h->s, h->audit_scratch, r);

    if (n > 0 && bugs > 0 && bugs <= h->expected_core_bugs)
        n--;   /* the auditor reports core bugs as one violation */
    return n;
}

struct domain *harness_domain(struct harness *h, domid_t domid, bool privileged)
{
    struct domain *d = pvmm_domain_create(&h->s, domid, privileged, h->nr_frames, 2);

    assert_non_null(d);
    d->vcpu[0].online = true;
    d->vcpu[1].online = true;
    return d;
}

struct harness_fx harness_fx_new(uint64_t nr_frames)
{
    struct harness_fx f;

    f.h = harness_new(nr_frames);
    f.s = &f.h->s;
    f.d = harness_domain(f.h, 1, false);
    f.v = &f.d->vcpu[0];
    return f;
}

mfn_t harness_alloc(struct harness *h, struct domain *d)
{
    mfn_t mfn = INVALID_MFN;

    assert_int_equal(pvmm_alloc_domheap_page(d, &mfn), 0);
    memset(h->mem + (mfn << PAGE_SHIFT), 0, PAGE_SIZE);
    return mfn;
}

intpte_t *harness_pt(struct harness *h, mfn_t mfn)
{
    assert_true(mfn < h->nr_frames);
    return (intpte_t *)(h->mem + (mfn << PAGE_SHIFT));
}

unsigned int harness_audit_count(struct harness *h)
{
    struct pvmm_audit_report r;

    return audit_excusing_planted(h, &r);
}

void harness_audit(struct harness *h)
{
    struct pvmm_audit_report r;
    unsigned int n = audit_excusing_planted(h, &r);
    char line[512];

    if (n == 0)
        return;
    for (unsigned int i = 0; i < r.nr_recorded; i++) {
        pvmm_audit_format(&r.v[i], line, sizeof(line));
        print_error("audit: %s\n", line);
    }
    fail_msg("auditor found %u violation(s)", n);
}

uint64_t harness_count(struct harness *h, mfn_t mfn)
{
    return h->ft[mfn].count_info & PGC_count_mask;
}

uint64_t harness_type_count(struct harness *h, mfn_t mfn)
{
    return h->ft[mfn].type_info & PGT_count_mask;
}

uint64_t harness_type(struct harness *h, mfn_t mfn)
{
    return h->ft[mfn].type_info & PGT_type_mask;
}

void harness_build_as(struct harness *h, struct domain *d, struct harness_as *as,
                      unsigned int nr_data)
{
    const uint64_t upper = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER;
    const uint64_t leaf_rw = _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY;
    const uint64_t leaf_ro = _PAGE_PRESENT | _PAGE_ACCESSED;
    intpte_t *l4, *l3, *l2, *l1;

    assert_true(nr_data <= 8);
    as->nr_data = nr_data;
    as->l4 = harness_alloc(h, d);
    as->l3 = harness_alloc(h, d);
    as->l2 = harness_alloc(h, d);
    as->l1 = harness_alloc(h, d);
    for (unsigned int i = 0; i < nr_data; i++)
        as->data[i] = harness_alloc(h, d);

    l4 = harness_pt(h, as->l4);
    l3 = harness_pt(h, as->l3);
    l2 = harness_pt(h, as->l2);
    l1 = harness_pt(h, as->l1);
    l4[0] = pte_from_mfn(as->l3, upper);
    l3[0] = pte_from_mfn(as->l2, upper);
    l2[0] = pte_from_mfn(as->l1, upper);
    l1[256 + 0] = pte_from_mfn(as->l4, leaf_ro);
    l1[256 + 1] = pte_from_mfn(as->l3, leaf_ro);
    l1[256 + 2] = pte_from_mfn(as->l2, leaf_ro);
    l1[256 + 3] = pte_from_mfn(as->l1, leaf_ro);
    for (unsigned int i = 0; i < nr_data; i++)
        l1[i] = pte_from_mfn(as->data[i], leaf_rw);
}

void harness_build_running_as(struct harness *h, struct vcpu *v, struct harness_as *as,
                              unsigned int nr_data)
{
    harness_build_as(h, v->domain, as, nr_data);
    assert_int_equal(pvmm_pin_table(v, as->l4, 4), 0);
    assert_int_equal(pvmm_new_baseptr(v, as->l4), 0);
}

long harness_hypercall(struct vcpu *v, uint64_t op, const uint64_t a[6])
{
    return op > ~0U ? -XEN_ENOSYS : pvmm_hypercall(v, (unsigned int)op, a);
}

static long finish(struct vcpu *v, long rc)
{
    unsigned long n = 0;

    while (v->cont.pending) {
        struct pvmm_continuation c = v->cont;

        /* A livelock (no progress between continuations) fails instead of hanging. */
        if (++n > 1000000)
            fail_msg("more than a million continuations of hypercall %u", c.op);
        continuations++;
        v->cont.pending = false;
        if (!pvmm_hypercall_name(c.op))
            fail_msg("continuation of unexpected hypercall %u", c.op);
        rc = harness_hypercall(v, c.op, c.args);
    }
    return rc;
}

unsigned long harness_continuations(void)
{
    return continuations;
}

long harness_mmu_update(struct vcpu *v, struct mmu_update *reqs, unsigned int count,
                        unsigned int *done, unsigned int foreigndom)
{
    return finish(v, do_mmu_update(v, (uint64_t)(uintptr_t)reqs, count,
                                   (uint64_t)(uintptr_t)done, foreigndom));
}

long harness_mmuext_op(struct vcpu *v, struct mmuext_op *ops, unsigned int count,
                       unsigned int *done, unsigned int foreigndom)
{
    return finish(v, do_mmuext_op(v, (uint64_t)(uintptr_t)ops, count,
                                  (uint64_t)(uintptr_t)done, foreigndom));
}

long harness_mmuext(struct vcpu *v, unsigned int cmd, uint64_t arg1, uint64_t arg2)
{
    struct mmuext_op op;

    memset(&op, 0, sizeof(op));
    op.cmd = cmd;
    op.arg1.mfn = arg1;
    op.arg2.src_mfn = arg2;
    return harness_mmuext_op(v, &op, 1, NULL, DOMID_SELF);
}

long harness_pt_update(struct vcpu *v, mfn_t table, unsigned int index, intpte_t val)
{
    struct mmu_update u = {
        .ptr = ((uint64_t)table << PAGE_SHIFT) + index * 8 + MMU_NORMAL_PT_UPDATE,
        .val = val,
    };

    return harness_mmu_update(v, &u, 1, NULL, DOMID_SELF);
}
