/*
 * memory-exchange: XENMEM_exchange trades frames the guest gives up for fresh ones, with
 * Xen's argument checks, its rule for which frames may be given up, and its partial progress.
 *
 * A PV kernel uses the exchange to get machine-contiguous memory (for DMA, below 4 GiB):
 * it hands in single frames and asks for one larger extent (in.extent_order 0, out order N).
 * The hypervisor must take only frames that are the caller's own and that nothing else
 * references (no mapping, no page-table type, no pin): a frame handed back while still
 * mapped would be reused by someone else while the guest can still write it.
 *
 * Measured on Xen 4.17 (and asserted here):
 *   - an extent order above the domain's maximum (18 for dom0) gives -EPERM; different
 *     domids, nr_exchanged > in.nr_extents or in and out of different total size give
 *     -EINVAL; nr_exchanged == in.nr_extents returns 0 at once; an extent list in the
 *     hypervisor's half gives -EFAULT; an unknown domain -ESRCH; a continuation index in cmd
 *     -EINVAL; in every refused case nothing changes and nr_exchanged is written back as given;
 *   - a frame still mapped, a pinned page-table frame, a frame that is not the caller's or an
 *     mfn beyond RAM gives -EINVAL; nr_exchanged then counts the chunks done before it, each
 *     done chunk's new mfn is written back, the failing chunk's frames stay the guest's;
 *   - on success the out list holds the new mfns, the M2P maps each new frame to the gpfn the
 *     guest asked for, the frames given up are no longer the guest's (M2P invalid), and the
 *     domain's reservation (current_reservation) is unchanged;
 *   - in and out of different extent orders both work (2 x order 0 -> 1 x order 1 and back).
 */
#include "guest.h"
#include <xen/memory.h>

const char test_title[] = "XENMEM_exchange: argument checks, stealable frames, partial progress";

#define M2P_INVALID (~0UL)

static long exchange(struct xen_memory_exchange *x)
{
    return hypercall_memory_op(XENMEM_exchange, x);
}

/* A fresh page of ours that nothing maps: allocated, then unmapped. Returns its pfn. */
static unsigned long unmapped_pfn(void)
{
    unsigned long pfn = alloc_pfn();
    long rc = pt_update_va(pfn << PAGE_SHIFT, 0, UVMF_INVLPG);

    if (rc)
        xtf_error("unmapping pfn %#lx gave %ld", pfn, rc);
    return pfn;
}

static void set_p2m(unsigned long pfn, unsigned long mfn)
{
    ((unsigned long *)(uintptr_t)start_info->mfn_list)[pfn] = mfn;
}

static long reservation(void)
{
    domid_t self = DOMID_SELF;

    return hypercall_memory_op(XENMEM_current_reservation, &self);
}

static void fill(struct xen_memory_exchange *x, xen_pfn_t *in, unsigned long nr_in,
                 unsigned int in_order, xen_pfn_t *out, unsigned long nr_out,
                 unsigned int out_order)
{
    memset(x, 0, sizeof(*x));
    x->in.extent_start = (uint64_t)(uintptr_t)in;
    x->in.nr_extents = nr_in;
    x->in.extent_order = in_order;
    x->in.domid = DOMID_SELF;
    x->out.extent_start = (uint64_t)(uintptr_t)out;
    x->out.nr_extents = nr_out;
    x->out.extent_order = out_order;
    x->out.domid = DOMID_SELF;
}

/* One refused call: rc as expected, nr_exchanged written back unchanged, the lists untouched. */
static void refused(const char *what, struct xen_memory_exchange *x, long want,
                    const xen_pfn_t *in, const xen_pfn_t *out, xen_pfn_t in0, xen_pfn_t out0)
{
    unsigned long given = x->nr_exchanged;
    long rc = exchange(x);

    if (rc != want)
        xtf_failure("%s: rc %ld, expected %ld", what, rc, want);
    else if (x->nr_exchanged != given)
        xtf_failure("%s: nr_exchanged %lu, expected %lu", what, x->nr_exchanged, given);
    else if (in[0] != in0 || out[0] != out0)
        xtf_failure("%s: the extent lists changed", what);
    else
        printk("  %-44s %ld\n", what, rc);
}

static void argument_checks(void)
{
    static xen_pfn_t in[2], out[2];
    struct xen_memory_exchange x;
    unsigned long pfn = unmapped_pfn();
    long rc;

    in[0] = pfn_to_mfn(pfn);
    out[0] = pfn;
    printk("argument checks (frame %#lx, nothing may change):\n", in[0]);
    fill(&x, in, 1, 19, out, 1, 19);
    refused("extent order 19 (above dom0's 18)", &x, -XEN_EPERM, in, out, in[0], out[0]);
    fill(&x, in, 1, 0, out, 1, 0);
    x.out.domid = 0;
    refused("in.domid != out.domid", &x, -XEN_EINVAL, in, out, in[0], out[0]);
    fill(&x, in, 1, 0, out, 1, 0);
    x.nr_exchanged = 2;
    refused("nr_exchanged > in.nr_extents", &x, -XEN_EINVAL, in, out, in[0], out[0]);
    fill(&x, in, 2, 0, out, 1, 0);
    refused("2 pages in, 1 page out", &x, -XEN_EINVAL, in, out, in[0], out[0]);
    fill(&x, in, 1, 0, out, 1, 0);
    x.nr_exchanged = 1;
    refused("nr_exchanged == in.nr_extents", &x, 0, in, out, in[0], out[0]);
    fill(&x, in, 1, 0, out, 1, 0);
    x.in.extent_start = 0xffff830000000000UL;
    refused("in list in the hypervisor's half", &x, -XEN_EFAULT, in, out, in[0], out[0]);
    fill(&x, in, 1, 0, out, 1, 0);
    x.out.extent_start = 0xffff830000000000UL;
    refused("out list in the hypervisor's half", &x, -XEN_EFAULT, in, out, in[0], out[0]);
    fill(&x, in, 1, 0, out, 1, 0);
    x.in.domid = x.out.domid = 7;
    refused("unknown domain 7", &x, -XEN_ESRCH, in, out, in[0], out[0]);
    fill(&x, in, 1, 0, out, 1, 0);
    rc = hypercall_memory_op(XENMEM_exchange | (1U << 6), &x);
    if (rc != -XEN_EINVAL)
        xtf_failure("a continuation index in cmd: rc %ld, expected -EINVAL", rc);
    rc = hypercall_memory_op(XENMEM_exchange, (void *)0xffff830000000000UL);
    if (rc != -XEN_EFAULT)
        xtf_failure("the argument in the hypervisor's half: rc %ld, expected -EFAULT", rc);
    if (mfn_to_pfn(in[0]) != pfn)
        xtf_failure("the refused calls changed the frame's M2P entry");
}

/* Frames that may not be given up: -EINVAL, nothing done, the frame still ours. */
static void unstealable(const char *what, xen_pfn_t mfn)
{
    static xen_pfn_t in[1], out[1];
    struct xen_memory_exchange x;
    bool in_ram = (long)mfn < hypercall_memory_op(XENMEM_maximum_ram_page, NULL);
    unsigned long m2p = in_ram ? mfn_to_pfn(mfn) : 0;
    long rc;

    in[0] = mfn;
    out[0] = 0x7777;
    fill(&x, in, 1, 0, out, 1, 0);
    rc = exchange(&x);
    if (rc != -XEN_EINVAL || x.nr_exchanged != 0 || out[0] != 0x7777)
        xtf_failure("%s: rc %ld nr_exchanged %lu out %#lx, expected -EINVAL 0 0x7777", what,
                    rc, x.nr_exchanged, out[0]);
    else if (in_ram && mfn_to_pfn(mfn) != m2p)
        xtf_failure("%s: the M2P entry changed", what);
    else
        printk("  %-44s %ld\n", what, rc);
}

static void refused_frames(void)
{
    unsigned long mapped = alloc_pfn();

    printk("frames that may not be given up:\n");
    unstealable("a mapped frame", pfn_to_mfn(mapped));
    unstealable("the running L4 (pinned)", pt_current_l4_mfn());
    unstealable("an mfn beyond RAM", 0xfffffffUL);
    unstealable("mfn 0 (not the domain's)", 0);
    /* The mapped frame is still usable. */
    *(volatile unsigned long *)(mapped << PAGE_SHIFT) = 0x1234;
}

/* Trade pfns for fresh frames, checking the out list, the M2P and the reservation. */
static void check_traded(const char *what, const unsigned long *pfns, const xen_pfn_t *old,
                         unsigned long nr, const xen_pfn_t *new_mfn)
{
    for (unsigned long i = 0; i < nr; i++) {
        if (new_mfn[i] == old[i])
            xtf_failure("%s: page %lu got back its own frame %#lx", what, i, old[i]);
        if (mfn_to_pfn(new_mfn[i]) != pfns[i])
            xtf_failure("%s: M2P[%#lx] = %#lx, expected pfn %#lx", what, new_mfn[i],
                        mfn_to_pfn(new_mfn[i]), pfns[i]);
        if (mfn_to_pfn(old[i]) != M2P_INVALID)
            xtf_failure("%s: the given-up frame %#lx still has M2P %#lx", what, old[i],
                        mfn_to_pfn(old[i]));
        set_p2m(pfns[i], new_mfn[i]);
        if (pt_map_mfn(pfns[i] << PAGE_SHIFT, new_mfn[i], PTE_FLAGS_RW))
            xtf_failure("%s: mapping the new frame %#lx failed", what, new_mfn[i]);
        else
            *(volatile unsigned long *)(pfns[i] << PAGE_SHIFT) = pfns[i];
    }
}

static void trades(void)
{
    static xen_pfn_t in[4], out[4];
    xen_pfn_t old[4], got[4];
    unsigned long pfns[4], mapped;
    struct xen_memory_exchange x;
    long before = reservation(), rc;

    printk("trades:\n");
    /* 1 x order 0 -> 1 x order 0. */
    pfns[0] = unmapped_pfn();
    old[0] = in[0] = pfn_to_mfn(pfns[0]);
    out[0] = pfns[0];
    fill(&x, in, 1, 0, out, 1, 0);
    rc = exchange(&x);
    printk("  1 page for 1: rc %ld nr_exchanged %lu %#lx -> %#lx\n", rc, x.nr_exchanged,
           old[0], out[0]);
    if (rc != 0 || x.nr_exchanged != 1)
        return (void)xtf_failure("1 page for 1: rc %ld nr_exchanged %lu", rc, x.nr_exchanged);
    got[0] = out[0];
    check_traded("1 page for 1", pfns, old, 1, got);

    /* Partial progress: the second frame is still mapped. */
    pfns[0] = unmapped_pfn();
    mapped = alloc_pfn();
    old[0] = in[0] = pfn_to_mfn(pfns[0]);
    in[1] = pfn_to_mfn(mapped);
    out[0] = pfns[0];
    out[1] = mapped;
    fill(&x, in, 2, 0, out, 2, 0);
    rc = exchange(&x);
    printk("  2 pages, the second mapped: rc %ld nr_exchanged %lu out %#lx %#lx\n", rc,
           x.nr_exchanged, out[0], out[1]);
    if (rc != -XEN_EINVAL || x.nr_exchanged != 1 || out[1] != mapped)
        return (void)xtf_failure("partial: rc %ld nr_exchanged %lu out[1] %#lx, expected "
                                 "-EINVAL 1 %#lx", rc, x.nr_exchanged, out[1], mapped);
    got[0] = out[0];
    check_traded("partial", pfns, old, 1, got);
    if (mfn_to_pfn(in[1]) != mapped)
        xtf_failure("partial: the refused frame's M2P changed");

    /* The same frame twice in one chunk: refused, the frame given back. */
    pfns[0] = unmapped_pfn();
    in[0] = in[1] = pfn_to_mfn(pfns[0]);
    out[0] = pfns[0];
    fill(&x, in, 2, 0, out, 1, 1);
    rc = exchange(&x);
    printk("  one frame twice for an order-1 extent: rc %ld nr_exchanged %lu\n", rc,
           x.nr_exchanged);
    if (rc != -XEN_EINVAL || x.nr_exchanged != 0)
        xtf_failure("the same frame twice: rc %ld nr_exchanged %lu", rc, x.nr_exchanged);
    if (pt_map_mfn(pfns[0] << PAGE_SHIFT, in[0], PTE_FLAGS_RW))
        xtf_failure("the same frame twice: the frame is no longer ours");
    else if (pt_update_va(pfns[0] << PAGE_SHIFT, 0, UVMF_INVLPG))
        xtf_error("unmapping again failed");

    /* 2 x order 0 -> 1 x order 1 (a machine-contiguous pair), then back. */
    pfns[1] = unmapped_pfn();
    if (pfns[1] != pfns[0] + 1)
        return (void)xtf_error("pfns not consecutive");
    old[0] = in[0] = pfn_to_mfn(pfns[0]);
    old[1] = in[1] = pfn_to_mfn(pfns[1]);
    out[0] = pfns[0];
    fill(&x, in, 2, 0, out, 1, 1);
    rc = exchange(&x);
    printk("  2 pages for an order-1 extent: rc %ld nr_exchanged %lu -> %#lx\n", rc,
           x.nr_exchanged, out[0]);
    if (rc != 0 || x.nr_exchanged != 2)
        return (void)xtf_failure("2 for order 1: rc %ld nr_exchanged %lu", rc, x.nr_exchanged);
    got[0] = out[0];
    got[1] = out[0] + 1;
    check_traded("2 for order 1", pfns, old, 2, got);

    for (unsigned int i = 0; i < 2; i++)
        if (pt_update_va(pfns[i] << PAGE_SHIFT, 0, UVMF_INVLPG))
            return (void)xtf_error("unmapping the pair failed");
    old[0] = in[0] = got[0];
    old[1] = got[1];
    out[0] = pfns[0];
    out[1] = pfns[1];
    fill(&x, in, 1, 1, out, 2, 0);
    rc = exchange(&x);
    printk("  an order-1 extent for 2 pages: rc %ld nr_exchanged %lu -> %#lx %#lx\n", rc,
           x.nr_exchanged, out[0], out[1]);
    if (rc != 0 || x.nr_exchanged != 1)
        return (void)xtf_failure("order 1 for 2: rc %ld nr_exchanged %lu", rc, x.nr_exchanged);
    got[0] = out[0];
    got[1] = out[1];
    check_traded("order 1 for 2", pfns, old, 2, got);

    if (reservation() != before)
        xtf_failure("current_reservation %ld, was %ld", reservation(), before);
}

int test_main(void)
{
    argument_checks();
    refused_frames();
    trades();
    return xtf_status() == XTF_RUNNING ? xtf_success() : 0;
}
