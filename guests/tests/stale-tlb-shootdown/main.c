/*
 * stale-tlb-shootdown: a translation removed with a remote flush is gone from the other
 * vCPU's TLB when the hypercall returns.
 *
 * The story. A PV kernel removes a mapping that another of its vCPUs may be using (an munmap
 * in a threaded process, a page freed back to the hypervisor, a page that becomes a page
 * table) and asks the hypervisor to flush the other vCPUs' TLBs: MMUEXT_INVLPG_MULTI or
 * TLB_FLUSH_MULTI with a vCPU bitmap, INVLPG_ALL, TLB_FLUSH_ALL, or update_va_mapping with
 * UVMF_MULTI / UVMF_ALL. The other vCPU runs on another physical CPU, whose TLB only that
 * CPU can flush: the hypervisor must interrupt it (an IPI) and wait until it has flushed
 * before the hypercall returns. A hypervisor that returned earlier would let the frame be
 * reused - as a page table, or by another domain - while the other vCPU can still write it.
 * The same holds for the flush Xen does itself when a frame changes type: a page that loses
 * its writable type (here: pinned as an L1) must not stay writable in any CPU's TLB.
 *
 * The guest runs with 2 vCPUs on 2 CPUs (hv-run --smp 2, xen-run --smp 2). In each round
 * vCPU 0 maps a page at a scratch VA, vCPU 1 spins reading it (writing, for the type change),
 * vCPU 0 removes the mapping without a flush (vCPU 1 may go on using its stale translation:
 * counted, information only), then does the flush under test and publishes `flushed`.
 * vCPU 1 reads `flushed` before each access: an access that succeeds although it had seen
 * the flush completed is a stale translation after the shootdown, and a FAILURE. vCPU 1 must
 * fault (#PF at the VA) in every round.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"
#include "vcpus.h"

const char test_title[] = "remote TLB shootdown: no stale translation after the flush";

enum how {
    H_INVLPG_MULTI, H_TLB_FLUSH_MULTI, H_INVLPG_ALL, H_TLB_FLUSH_ALL, H_UVMF_MULTI_INVLPG,
    H_UVMF_ALL_FLUSH, H_TYPE_CHANGE, NR_HOW
};

static const char *const how_names[NR_HOW] = {
    [H_INVLPG_MULTI] = "MMUEXT_INVLPG_MULTI {1}",
    [H_TLB_FLUSH_MULTI] = "MMUEXT_TLB_FLUSH_MULTI {1}",
    [H_INVLPG_ALL] = "MMUEXT_INVLPG_ALL",
    [H_TLB_FLUSH_ALL] = "MMUEXT_TLB_FLUSH_ALL",
    [H_UVMF_MULTI_INVLPG] = "update_va_mapping UVMF_INVLPG|MULTI {1}",
    [H_UVMF_ALL_FLUSH] = "update_va_mapping UVMF_TLB_FLUSH|ALL",
    [H_TYPE_CHANGE] = "pin as L1 (writable type lost)",
};

#define ROUND_READS  64                 /* good accesses by vCPU 1 before the removal */

/* Shared between the vCPUs: vCPU 0 writes round and flushed, vCPU 1 the rest. */
static volatile unsigned int round, cleared, flushed, faulted_round, quit;
static volatile bool writer;            /* this round vCPU 1 writes instead of reading */
static volatile unsigned long good_accesses, stale_before, stale_after;
static volatile struct fault last_b_fault;
static unsigned long scratch_va;

/* vCPU 1: access the scratch VA until it faults, every round. */
static void spinner(void *arg)
{
    struct fault f;
    unsigned int r, seen_flush, seen_clear;
    uint64_t val;
    bool faulted;

    (void)arg;
    while (!quit) {
        r = round;
        if (r == 0 || faulted_round == r)
            continue;
        seen_flush = flushed;
        seen_clear = cleared;
        __asm__ volatile("" ::: "memory");
        if (writer)
            faulted = probe_write64((volatile void *)scratch_va, 2, &f);
        else
            faulted = probe_read64((volatile void *)scratch_va, &val, &f);
        if (faulted) {
            last_b_fault = f;
            faulted_round = r;
        } else if (seen_flush == r) {
            stale_after++;
        } else if (seen_clear == r) {
            stale_before++;
        } else if (r == round) {
            good_accesses++;
        }
    }
    for (;;)
        hypercall_sched_op(SCHEDOP_yield, NULL);
}

static void yield(void)
{
    hypercall_sched_op(SCHEDOP_yield, NULL);
}

/* Wait (yielding) until cond holds or 5 s pass; true if it held. */
#define WAIT_FOR(cond)                                                          \
    ({                                                                          \
        uint64_t end_ = pvclock_ns() + 5000000000UL;                            \
        while (!(cond) && pvclock_ns() < end_)                                  \
            yield();                                                            \
        (cond);                                                                 \
    })

static long do_flush(enum how how, unsigned long va)
{
    static unsigned long mask;
    struct mmuext_op op = { 0 };

    mask = 1UL << 1;
    switch (how) {
    case H_INVLPG_MULTI:
        op.cmd = MMUEXT_INVLPG_MULTI;
        op.arg1.linear_addr = va;
        op.arg2.vcpumask = (uint64_t)(uintptr_t)&mask;
        break;
    case H_TLB_FLUSH_MULTI:
        op.cmd = MMUEXT_TLB_FLUSH_MULTI;
        op.arg2.vcpumask = (uint64_t)(uintptr_t)&mask;
        break;
    case H_INVLPG_ALL:
        op.cmd = MMUEXT_INVLPG_ALL;
        op.arg1.linear_addr = va;
        break;
    case H_TLB_FLUSH_ALL:
        op.cmd = MMUEXT_TLB_FLUSH_ALL;
        break;
    case H_UVMF_MULTI_INVLPG:
        return pt_update_va(va, 0, UVMF_INVLPG | UVMF_MULTI | (unsigned long)&mask);
    case H_UVMF_ALL_FLUSH:
        return pt_update_va(va, 0, UVMF_TLB_FLUSH | UVMF_ALL);
    default:
        return -XEN_EINVAL;
    }
    return hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* One round: map, let vCPU 1 use it, remove it without a flush, flush, see vCPU 1 fault. */
static int run_round(unsigned int r, enum how how, volatile uint64_t *page)
{
    unsigned long mfn = virt_to_mfn(page);
    unsigned long before;
    uint64_t end;
    long rc;

    writer = how == H_TYPE_CHANGE;
    good_accesses = 0;
    rc = pt_map_mfn(scratch_va, mfn, PTE_FLAGS_RW);
    if (rc)
        return xtf_error("round %u: cannot map the scratch VA: %ld", r, rc);
    flushed = 0;
    round = r;
    if (!WAIT_FOR(good_accesses >= ROUND_READS))
        return xtf_error("round %u: vCPU 1 does not use the mapping (%lu accesses, fault %u)",
                         r, good_accesses, faulted_round);
    before = stale_before;
    rc = pt_update_va(scratch_va, 0, UVMF_NONE);      /* removed; vCPU 1 not flushed yet */
    if (rc)
        return xtf_error("round %u: cannot clear the entry: %ld", r, rc);
    cleared = r;
    end = pvclock_ns() + 2000000;                     /* 2 ms for vCPU 1 to use it stale */
    while (stale_before == before && pvclock_ns() < end)
        ;
    if (how == H_TYPE_CHANGE) {
        rc = pt_pin(1, mfn);                          /* writable -> L1: Xen flushes */
    } else {
        rc = do_flush(how, scratch_va);
    }
    if (rc)
        return xtf_failure("round %u: %s gave %ld", r, how_names[how], rc);
    flushed = r;
    if (!WAIT_FOR(faulted_round == r))
        return xtf_failure("round %u (%s): vCPU 1 still uses the removed mapping",
                           r, how_names[how]);
    if (last_b_fault.vector != X86_EXC_PF || last_b_fault.cr2 != scratch_va)
        return xtf_failure("round %u: vCPU 1 got %s cr2 %#lx, not #PF at the VA", r,
                           exception_name(last_b_fault.vector),
                           (unsigned long)last_b_fault.cr2);
    printk("%-42s: vCPU 1 faulted; stale %s before the flush\n", how_names[how],
           stale_before != before ? "seen" : "not seen");
    if (how == H_TYPE_CHANGE && pt_unpin(mfn))
        return xtf_error("round %u: cannot unpin the L1", r);
    return stale_after ? xtf_failure("round %u (%s): vCPU 1 used the mapping after the "
                                     "flush had returned (%lu times)", r, how_names[how],
                                     stale_after) : 0;
}

int test_main(void)
{
    volatile uint64_t *page = alloc_page(), *l1page = alloc_page();
    long rc;

    if (events_init())
        return xtf_error("events_init failed");
    scratch_va = (unsigned long)alloc_page();
    *page = 0x1111;
    /* The page that becomes an L1: zero (valid), its own mapping read-only. */
    memset((void *)l1page, 0, PAGE_SIZE);
    if (pt_make_ro(l1page))
        return xtf_error("cannot make the future L1 read-only");
    rc = vcpu_start(1, spinner, NULL);
    if (rc)
        return xtf_error("cannot start vCPU 1 (%ld): needs 2 vCPUs, run with --smp 2", rc);
    for (unsigned int h = 0; h < NR_HOW; h++) {
        if (run_round(h + 1, (enum how)h, h == H_TYPE_CHANGE ? l1page : page)) {
            quit = 1;
            return XTF_FAILURE;
        }
    }
    quit = 1;
    return xtf_success();
}
