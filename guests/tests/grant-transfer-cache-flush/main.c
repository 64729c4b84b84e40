/*
 * grant-transfer-cache-flush: GNTTABOP_transfer of the domain's own frames into its own
 * accept-transfer entries, and GNTTABOP_cache_flush of its own frames, with Xen 4.17's
 * answers for each case and each refusal.
 *
 * Measured on Xen 4.17 (and asserted here):
 *   cache_flush (no per-element status: the hypercall's result)
 *   - GNTTAB_CACHE_CLEAN or CLEAN|INVAL of an own frame (data, grant-table frame, L4; the
 *     address's low 12 bits ignored) is 0; INVAL alone -EOPNOTSUPP; length 0 or op 0 is 0;
 *   - offset 4096, offset + length > 4096, length 4097, an unknown op bit or
 *     GNTTAB_CACHE_SOURCE_GREF are -EINVAL; an mfn beyond RAM -EINVAL; mfn 0 and the VGA hole
 *     (not the domain's: no grant table behind them) -EPERM;
 *   - with a continuation reference in cmd (bit 12), length 0 or op 0 is -EILSEQ, a real
 *     flush of an own frame 0; an array in the hypervisor's half -EFAULT even for count 0;
 *   - a batch stops at the first refused element with its errno.
 *   transfer (status per element)
 *   - an mfn beyond RAM, mfn 0, a mapped frame, the running (pinned) L4, a pinned L1 or the
 *     grant-table frame is GNTST_bad_page, and nothing changes;
 *   - a stealable frame (allocated, nothing else) to domain 7 or DOMID_SELF is
 *     GNTST_bad_domain; into a reference beyond the table, an invalid entry, an entry for
 *     another domain, one already committed, or a permit_access entry GNTST_general_error -
 *     and each time the frame is lost: M2P invalid, the reservation one less, not mappable;
 *   - into an entry with flags exactly GTF_accept_transfer and our id: GNTST_okay, flags
 *     gain GTF_transfer_committed|completed, the entry's frame becomes the mfn, the M2P
 *     entry the gpfn the entry held, the reservation is unchanged and the frame is ours
 *     with its contents; a frame once an L1 (unpinned) goes too; v2: full_page.frame;
 *   - a batch of two: status okay and bad_page, result 0.
 */
#include "guest.h"
#include "grant.h"
#include <xen/memory.h>

const char test_title[] = "grant transfer to ourselves and cache flushes of our frames";

#define M2P_INVALID (~0UL)

static void expect(long got, long want, const char *what)
{
    if (got != want)
        xtf_failure("%s: got %ld, expected %ld", what, got, want);
}

static long flush(uint64_t addr, unsigned int off, unsigned int len, uint32_t op,
                  unsigned int cmd_bits)
{
    struct gnttab_cache_flush c = { .a.dev_bus_addr = addr, .offset = (uint16_t)off,
                                    .length = (uint16_t)len, .op = op };

    return gnttab_op(GNTTABOP_cache_flush | cmd_bits, &c, 1);
}

static void cache_flushes(unsigned long gt_mfn)
{
    uint64_t da = (uint64_t)virt_to_mfn(alloc_page()) << PAGE_SHIFT;
    struct gnttab_cache_flush c2[2];

    expect(flush(da, 0, 4096, GNTTAB_CACHE_CLEAN, 0), 0, "clean");
    expect(flush(da, 0, 4096, GNTTAB_CACHE_INVAL, 0), -XEN_EOPNOTSUPP, "invalidate");
    expect(flush(da, 0, 4096, GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL, 0), 0, "clean+inval");
    expect(flush(10, 0, 4096, GNTTAB_CACHE_SOURCE_GREF | GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL,
           "SOURCE_GREF");
    expect(flush(da, 0, 100, 0, 0), 0, "op 0");
    expect(flush(da, 0, 0, GNTTAB_CACHE_CLEAN, 0), 0, "length 0");
    expect(flush(da, 4096, 0, GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL, "offset 4096");
    expect(flush(da, 100, 4000, GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL, "past the page");
    expect(flush(da, 0, 4097, GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL, "length 4097");
    expect(flush(da, 4095, 1, GNTTAB_CACHE_CLEAN, 0), 0, "last byte");
    expect(flush(da, 0, 1, 1U << 2, 0), -XEN_EINVAL, "op bit 2");
    expect(flush(da, 0, 0, 1U << 2, 0), -XEN_EINVAL, "op bit 2, length 0");
    expect(flush(0xfffffffUL << PAGE_SHIFT, 0, 1, GNTTAB_CACHE_CLEAN, 0), -XEN_EINVAL,
           "mfn beyond RAM");
    expect(flush(0, 0, 1, GNTTAB_CACHE_CLEAN, 0), -XEN_EPERM, "mfn 0");
    expect(flush(0xa0000, 0, 1, GNTTAB_CACHE_CLEAN, 0), -XEN_EPERM, "VGA hole");
    expect(flush((uint64_t)gt_mfn << PAGE_SHIFT, 0, 1, GNTTAB_CACHE_CLEAN, 0), 0,
           "grant-table frame");
    expect(flush((uint64_t)pt_current_l4_mfn() << PAGE_SHIFT, 0, 1, GNTTAB_CACHE_CLEAN, 0), 0,
           "L4");
    expect(flush(da | 0x123, 0, 1, GNTTAB_CACHE_CLEAN, 0), 0, "address low bits");
    expect(flush(da, 0, 1, GNTTAB_CACHE_CLEAN, 1U << 12), 0, "continued, own frame");
    expect(flush(da, 0, 1, 0, 1U << 12), -XEN_EILSEQ, "continued, op 0");
    expect(flush(da, 0, 0, GNTTAB_CACHE_CLEAN, 1U << 12), -XEN_EILSEQ, "continued, length 0");
    expect(gnttab_op(GNTTABOP_cache_flush, (void *)0xffff830000000000UL, 0), -XEN_EFAULT,
           "array in the hypervisor's half, count 0");
    expect(gnttab_op(GNTTABOP_cache_flush, (void *)0xffff830000000000UL, 1), -XEN_EFAULT,
           "array in the hypervisor's half");
    memset(c2, 0, sizeof(c2));
    c2[0].a.dev_bus_addr = c2[1].a.dev_bus_addr = da;
    c2[0].length = c2[1].length = 1;
    c2[0].op = GNTTAB_CACHE_CLEAN;
    c2[1].op = 1U << 2;
    expect(gnttab_op(GNTTABOP_cache_flush, c2, 2), -XEN_EINVAL, "batch: clean, bad op");
    c2[1].op = GNTTAB_CACHE_INVAL;
    expect(gnttab_op(GNTTABOP_cache_flush, c2, 2), -XEN_EOPNOTSUPP, "batch: clean, inval");
}

static long reservation(void)
{
    domid_t self = DOMID_SELF;

    return hypercall_memory_op(XENMEM_current_reservation, &self);
}

/* A fresh page of ours that nothing maps, its first word marked. Returns its pfn. */
static unsigned long unmapped_pfn(void)
{
    unsigned long pfn = alloc_pfn();

    *(volatile unsigned long *)pfn_to_virt(pfn) = 0xabcd0000 + pfn;
    if (pt_update_va(pfn << PAGE_SHIFT, 0, UVMF_INVLPG))
        xtf_error("unmapping pfn %#lx failed", pfn);
    return pfn;
}

static int16_t transfer(unsigned long mfn, domid_t to, grant_ref_t ref)
{
    struct gnttab_transfer t = { .mfn = mfn, .domid = to, .ref = ref, .status = 0x55 };
    long rc = gnttab_op(GNTTABOP_transfer, &t, 1);

    if (rc)
        xtf_failure("transfer itself gave %ld", rc);
    return t.status;
}

/* Frames that cannot be given up: bad_page, the entry and the frames untouched. */
static void unstealable(grant_entry_v1_t *gt, unsigned long gt_mfn)
{
    char *mapped = alloc_page();
    unsigned long l1 = unmapped_pfn(), l1_mfn = pfn_to_mfn(l1);

    mapped[0] = 7;
    gnttab_grant(gt, 20, SELF_ID, 0x3333, GTF_accept_transfer);
    expect(transfer(0xfffffff, SELF_ID, 20), GNTST_bad_page, "mfn beyond RAM");
    expect(transfer(0, SELF_ID, 20), GNTST_bad_page, "mfn 0");
    expect(transfer(virt_to_mfn(mapped), SELF_ID, 20), GNTST_bad_page, "a mapped frame");
    expect(transfer(pt_current_l4_mfn(), SELF_ID, 20), GNTST_bad_page, "the running L4");
    expect(transfer(gt_mfn, SELF_ID, 20), GNTST_bad_page, "the grant-table frame");
    memset(mapped, 0, 8);
    if (pt_pin(1, l1_mfn))
        xtf_error("pinning an L1 failed");
    expect(transfer(l1_mfn, SELF_ID, 20), GNTST_bad_page, "a pinned L1");
    if (pt_unpin(l1_mfn))
        xtf_error("unpinning the L1 failed");
    expect(gt[20].flags, GTF_accept_transfer, "entry after the refusals");
    expect(mapped[0], 0, "the mapped frame still ours");

    /* Unpinned, the former L1 goes like any frame. */
    gnttab_grant(gt, 28, SELF_ID, (uint32_t)l1, GTF_accept_transfer);
    expect(transfer(l1_mfn, SELF_ID, 28), GNTST_okay, "a former L1");
    expect((long)mfn_to_pfn(l1_mfn), (long)l1, "former L1's M2P");
}

/* A refused receiver: the status, and the frame is lost to us. */
static void lost(const char *what, domid_t to, grant_ref_t ref, int16_t want)
{
    unsigned long pfn = unmapped_pfn(), mfn = pfn_to_mfn(pfn);
    long before = reservation();

    expect(transfer(mfn, to, ref), want, what);
    expect(reservation(), before - 1, what);
    expect((long)mfn_to_pfn(mfn), (long)M2P_INVALID, what);
    if (pt_map_mfn(pfn << PAGE_SHIFT, mfn, PTE_FLAGS_RW) == 0)
        xtf_failure("%s: the lost frame %#lx could be mapped", what, mfn);
}

/*
 * A transfer into entry ref holding frame field `field` (0: the frame's own pfn): okay, the
 * frame ours again with its contents.
 */
static void given(const char *what, grant_entry_v1_t *gt, grant_ref_t ref, uint32_t field)
{
    unsigned long pfn = unmapped_pfn(), mfn = pfn_to_mfn(pfn);
    long before = reservation();

    if (!field)
        field = (uint32_t)pfn;
    gnttab_grant(gt, ref, SELF_ID, field, GTF_accept_transfer);
    expect(transfer(mfn, SELF_ID, ref), GNTST_okay, what);
    expect(gt[ref].flags,
           GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed, what);
    expect(gt[ref].frame, (long)mfn, what);
    expect((long)mfn_to_pfn(mfn), field, what);
    expect(reservation(), before, what);
    if (pt_map_mfn(pfn << PAGE_SHIFT, mfn, PTE_FLAGS_RW))
        return (void)xtf_failure("%s: the frame is not ours", what);
    expect((long)*(volatile unsigned long *)pfn_to_virt(pfn), (long)(0xabcd0000 + pfn), what);
}

static void transfers(grant_entry_v1_t *gt, unsigned long gt_mfn)
{
    struct gnttab_transfer t[2];
    unsigned long pfn;

    expect(gnttab_op(GNTTABOP_transfer, (void *)0xffff830000000000UL, 0), -XEN_EFAULT,
           "transfer array in the hypervisor's half, count 0");
    unstealable(gt, gt_mfn);
    lost("to domain 7", 7, 20, GNTST_bad_domain);
    lost("to DOMID_SELF", DOMID_SELF, 20, GNTST_bad_domain);
    lost("ref beyond the table", SELF_ID, 100000, GNTST_general_error);
    lost("invalid entry", SELF_ID, 21, GNTST_general_error);
    gnttab_grant(gt, 22, 5, 0x4444, GTF_accept_transfer);
    lost("entry for domain 5", SELF_ID, 22, GNTST_general_error);
    gnttab_grant(gt, 23, SELF_ID, 0x4444, GTF_accept_transfer | GTF_transfer_committed);
    lost("entry already committed", SELF_ID, 23, GNTST_general_error);
    gnttab_grant(gt, 24, SELF_ID, 0x4444, GTF_permit_access);
    lost("permit_access entry", SELF_ID, 24, GNTST_general_error);
    expect(gt[22].flags, GTF_accept_transfer, "refused entry unchanged");

    given("into an entry naming its own pfn", gt, 26, 0);
    given("into an entry naming pfn 0x3333", gt, 27, 0x3333);
    lost("into a completed entry", SELF_ID, 27, GNTST_general_error);

    memset(t, 0, sizeof(t));
    pfn = unmapped_pfn();
    gnttab_grant(gt, 29, SELF_ID, (uint32_t)pfn, GTF_accept_transfer);
    t[0].mfn = pfn_to_mfn(pfn);
    t[0].ref = t[1].ref = 29;
    t[1].mfn = 0xfffffff;
    expect(gnttab_op(GNTTABOP_transfer, t, 2), 0, "batch of two");
    expect(t[0].status, GNTST_okay, "batch element 0");
    expect(t[1].status, GNTST_bad_page, "batch element 1");
}

/* v2: the mfn lands in full_page.frame, the flags in the header. */
static void transfer_v2(grant_entry_v1_t *gt)
{
    union grant_entry_v2 *g2 = (union grant_entry_v2 *)gt;
    unsigned long pfn = unmapped_pfn(), mfn = pfn_to_mfn(pfn);
    unsigned int v;

    expect(gnttab_set_version(2, &v), 0, "set_version 2");
    g2[30].hdr.domid = SELF_ID;
    g2[30].full_page.frame = 0x5555;
    __atomic_store_n(&g2[30].hdr.flags, GTF_accept_transfer, __ATOMIC_SEQ_CST);
    expect(transfer(mfn, SELF_ID, 30), GNTST_okay, "v2 transfer");
    expect(g2[30].hdr.flags,
           GTF_accept_transfer | GTF_transfer_committed | GTF_transfer_completed, "v2 flags");
    expect((long)g2[30].full_page.frame, (long)mfn, "v2 frame");
    expect((long)mfn_to_pfn(mfn), 0x5555, "v2 M2P");
    expect(gnttab_set_version(1, &v), 0, "set_version 1");
}

int test_main(void)
{
    unsigned long gt_mfn;
    grant_entry_v1_t *gt = gnttab_map_table(1, &gt_mfn);

    if (!gt)
        return xtf_error("no grant table");
    cache_flushes(gt_mfn);
    transfers(gt, gt_mfn);
    transfer_v2(gt);
    return xtf_status() == XTF_RUNNING ? xtf_success() : 0;
}
