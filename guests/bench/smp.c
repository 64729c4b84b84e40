/*
 * smp.c: the two-vCPU figures (benchmark `smp`, only when named; the guest runs with two
 * vCPUs on two CPUs: hv-run / xen-run --smp 2, without icount). Wall time from vCPU 0's
 * pvclock, so every figure is nanoseconds of real time on a shared machine, one boot's mean:
 * tools/bench-hv boots both hypervisors several times, side by side, and keeps the median.
 *   smp_tlb_flush_multi   MMUEXT_TLB_FLUSH_MULTI of vCPU 1 from vCPU 0, while vCPU 1 runs
 *                         guest code on the other CPU (a remote flush and its wait): per call;
 *   smp_invlpg_multi      MMUEXT_INVLPG_MULTI of one VA vCPU 1 keeps using, the same;
 *   smp_mmu_update_alone  mmu_update batches of 512 on vCPU 0 while vCPU 1 spins: per update;
 *   smp_mmu_update        both vCPUs at once, each filling and clearing a pinned L1 of its own
 *                         with frames of its own: the wall time over both vCPUs' updates.
 */
#include <xen/sched.h>

#include "bench.h"
#include "vcpus.h"

#define FLUSH_CALLS  4000              /* at most, in at most FLUSH_BUDGET_NS (then a mean */
#define FLUSH_BUDGET_NS 300000000UL    /* over the calls made: a slow side stays bounded) */
#define MMU_ROUNDS   100               /* fill + clear batches of 512, per vCPU */

enum vcpu1_cmd { CMD_SPIN, CMD_MMU, CMD_QUIT };

/* Shared: vCPU 0 writes cmd and go, vCPU 1 writes the rest. */
static volatile enum vcpu1_cmd cmd;
static volatile unsigned int go, done_gen, spins;
static volatile long vcpu1_rc;
static volatile uint64_t *touch;         /* the page vCPU 1 reads while it spins */

/* One vCPU's L1 and its fill / clear batches. */
struct mmu_work {
    uint64_t *l1;
    struct mmu_update fill[PT_ENTRIES], clear[PT_ENTRIES];
};
static struct mmu_work work[2];

/* Pin a fresh L1 for vCPU `id` and write its batches, mapping the frames in mfns. */
static long mmu_work_init(struct mmu_work *w, const unsigned long *mfns)
{
    unsigned long l1_mfn;
    unsigned int i;
    long rc;

    w->l1 = alloc_page();
    l1_mfn = virt_to_mfn(w->l1);
    rc = pt_make_ro(w->l1);
    if (!rc)
        rc = pt_pin(1, l1_mfn);
    for (i = 0; i < PT_ENTRIES; i++) {
        w->fill[i].ptr = (((uint64_t)l1_mfn << PAGE_SHIFT) + 8 * i) | MMU_NORMAL_PT_UPDATE;
        w->fill[i].val = ((uint64_t)mfns[i] << PAGE_SHIFT) | PTE_FLAGS_RW;
        w->clear[i].ptr = w->fill[i].ptr;
        w->clear[i].val = 0;
    }
    return rc;
}

/* MMU_ROUNDS fill and clear batches of w; 0 or the first error. */
static long mmu_rounds(struct mmu_work *w)
{
    unsigned int r, done;
    long rc = 0;

    for (r = 0; r < MMU_ROUNDS && !rc; r++) {
        rc = hypercall_mmu_update(w->fill, PT_ENTRIES, &done, DOMID_SELF);
        if (!rc)
            rc = hypercall_mmu_update(w->clear, PT_ENTRIES, &done, DOMID_SELF);
    }
    return rc;
}

/* vCPU 1: read the touch page (its translation stays in this CPU's TLB) until told to run
 * its mmu_update rounds or to stop. */
static void vcpu1_main(void *arg)
{
    unsigned int seen = 0;

    (void)arg;
    for (;;) {
        if (cmd == CMD_QUIT)
            break;
        if (cmd == CMD_MMU && go != seen) {
            seen = go;
            vcpu1_rc = mmu_rounds(&work[1]);
            done_gen = seen;
            continue;
        }
        (void)*touch;
        spins++;
    }
    for (;;)
        hypercall_sched_op(SCHEDOP_yield, NULL);
}

/* Wait (a bounded spin) until vCPU 1 counts spins again; false if it never does. */
static bool vcpu1_spinning(void)
{
    unsigned int s = spins;
    uint64_t end = pvclock_ns() + 5000000000UL;

    while (spins == s && pvclock_ns() < end)
        ;
    return spins != s;
}

/* Remote flushes of vCPU 1 (op_cmd MMUEXT_TLB_FLUSH_MULTI or INVLPG_MULTI): the mean of
 * FLUSH_CALLS, or of those made in FLUSH_BUDGET_NS (the clock read every 16 calls). */
static int flush_multi(unsigned int op_cmd, const char *name)
{
    static unsigned long mask;
    struct mmuext_op op = { .cmd = op_cmd };
    uint64_t t0, t1;
    unsigned int i;
    long rc = 0;

    mask = 1UL << 1;
    op.arg1.linear_addr = (unsigned long)touch;
    op.arg2.vcpumask = (uint64_t)(uintptr_t)&mask;
    for (i = 0; i < 16; i++)
        rc |= hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
    if (!vcpu1_spinning())
        return xtf_error("%s: vCPU 1 does not run", name);
    t0 = t1 = pvclock_ns();
    for (i = 0; i < FLUSH_CALLS && t1 - t0 < FLUSH_BUDGET_NS; ) {
        rc |= hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
        if (++i % 16 == 0)
            t1 = pvclock_ns();
    }
    t1 = pvclock_ns();
    if (rc)
        return xtf_error("%s: %ld", name, rc);
    bench_report(name, (t1 - t0) / i, "ns");
    return 0;
}

/* The mmu_update figures: vCPU 0 alone, then both vCPUs at once. */
static int mmu_update_pair(void)
{
    uint64_t t0, t1, end;
    long rc;

    rc = mmu_rounds(&work[0]);                          /* warm-up */
    t0 = pvclock_ns();
    rc |= mmu_rounds(&work[0]);
    t1 = pvclock_ns();
    if (rc)
        return xtf_error("mmu_update alone: %ld", rc);
    bench_report("smp_mmu_update_alone", (t1 - t0) / (2UL * MMU_ROUNDS * PT_ENTRIES), "ns");

    cmd = CMD_MMU;
    t0 = pvclock_ns();
    go = 1;
    rc = mmu_rounds(&work[0]);
    end = pvclock_ns() + 60000000000UL;
    while (done_gen != 1 && pvclock_ns() < end)
        ;
    t1 = pvclock_ns();
    cmd = CMD_SPIN;
    if (done_gen != 1)
        return xtf_error("mmu_update: vCPU 1 did not finish its rounds");
    if (rc || vcpu1_rc)
        return xtf_error("mmu_update on two vCPUs: %ld / %ld", rc, vcpu1_rc);
    bench_report("smp_mmu_update", (t1 - t0) / (2UL * 2 * MMU_ROUNDS * PT_ENTRIES), "ns");
    return 0;
}

int bench_smp(void)
{
    static unsigned long mfns1[PT_ENTRIES];
    unsigned int i;
    long rc;
    int st;

    if (events_init())
        return xtf_error("events_init failed");
    touch = alloc_page();
    for (i = 0; i < PT_ENTRIES; i++)
        mfns1[i] = virt_to_mfn(alloc_page());
    rc = mmu_work_init(&work[0], bench_frame_mfn);
    if (!rc)
        rc = mmu_work_init(&work[1], mfns1);
    if (rc)
        return xtf_error("cannot pin the L1s: %ld", rc);
    rc = vcpu_start(1, vcpu1_main, NULL);
    if (rc)
        return xtf_error("cannot start vCPU 1 (%ld): run with --smp 2", rc);
    st = flush_multi(MMUEXT_TLB_FLUSH_MULTI, "smp_tlb_flush_multi");
    if (!st)
        st = flush_multi(MMUEXT_INVLPG_MULTI, "smp_invlpg_multi");
    if (!st)
        st = mmu_update_pair();
    cmd = CMD_QUIT;
    return st;
}
