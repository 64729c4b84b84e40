/*
 * pt-smp-stress: several vCPUs race on the same page tables for seconds.
 *
 * The story. The hardest PV memory-management bugs were races between vCPUs on different
 * CPUs (XSA-182, -242, -280, -286, -299): one pins a table while another rewrites an entry
 * of it, drops its last reference or links it elsewhere, a third switches CR3. Xen's answer
 * is reference counts changed only by compare-and-swap, a page lock per table, the type
 * state machine as a validation lock, and TLB flushes on every CPU that may hold a stale
 * translation. Here every vCPU of the domain (one per CPU: hv-run --smp 4, xen-run --smp 4)
 * issues random operations on one set of shared frames for 3 seconds:
 *   - mmu_update of entries 0-7 of four shared L1 frames: a data frame read-only or
 *     writable, another shared L1 writable, or nothing (while a frame is no page table, Xen
 *     writes it as plain memory);
 *   - pin and unpin of the shared L1s, and links/unlinks of them in a shared pinned L2;
 *   - NEW_BASEPTR between the original L4 and two pinned copies of it (each vCPU its own);
 *   - update_va_mapping of a per-vCPU scratch VA with UVMF_INVLPG|ALL or UVMF_TLB_FLUSH|MULTI
 *     (a remote flush of every vCPU), MMUEXT_TLB_FLUSH_ALL and INVLPG_MULTI.
 * Every result must be one Xen gives for the operation (0, -EINVAL or -EBUSY: a type
 * conflict with what another vCPU just did); anything else, or a vCPU that stops making
 * progress, is a FAILURE. Afterwards each vCPU is back on the original L4 and pvmm-hv's
 * auditor checks the whole machine at shutdown (hv-run fails the run on a violation).
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"
#include "vcpus.h"

const char test_title[] = "vCPUs on several CPUs racing on shared page tables";

#define NR_L1     4
#define NR_DATA   8
#define NR_L4     3             /* the original and two copies */
#define MAX_VCPUS 4
#define RUN_NS    3000000000UL

enum op { OP_L1E, OP_PIN, OP_UNPIN, OP_LINK, OP_BASEPTR, OP_UVM, OP_FLUSH, NR_OPS };
static const char *const op_names[NR_OPS] = {
    "mmu_update L1e", "pin L1", "unpin L1", "link/unlink L2e", "NEW_BASEPTR",
    "update_va_mapping", "remote flush",
};

static unsigned long l1_mfn[NR_L1], data_mfn[NR_DATA], l2_mfn, l4_mfn[NR_L4];
static uint64_t *l2_va;
static volatile bool stop;
static volatile unsigned int finished;
static volatile unsigned long ops[MAX_VCPUS], results[NR_OPS][3];   /* 0, -EINVAL, -EBUSY */
static volatile long bad_rc;
static volatile unsigned int bad_op = NR_OPS, bad_vcpu;
static unsigned int nr_vcpus = 1;

static uint64_t next_rand(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

static long mmu_update_one(uint64_t ptr, uint64_t val)
{
    struct mmu_update req = { .ptr = ptr | MMU_NORMAL_PT_UPDATE, .val = val };

    return hypercall_mmu_update(&req, 1, NULL, DOMID_SELF);
}

static long mmuext_one(unsigned int cmd, unsigned long arg1, const void *mask)
{
    struct mmuext_op op = { .cmd = cmd };

    op.arg1.linear_addr = arg1;
    op.arg2.vcpumask = (uint64_t)(uintptr_t)mask;
    return hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

/* One random operation on the shared frames; returns its op and sets *rc. */
static enum op one_op(uint64_t *seed, unsigned long scratch, long *rc)
{
    static const unsigned long all_mask = (1UL << MAX_VCPUS) - 1;
    uint64_t r = next_rand(seed);
    enum op op = (enum op)(r % NR_OPS);
    unsigned int i = (unsigned int)(r >> 8) % NR_L1, k = (unsigned int)(r >> 16) % 8;
    unsigned int j = (unsigned int)(r >> 24) % NR_DATA, kind = (unsigned int)(r >> 32) % 4;
    uint64_t val = 0;

    switch (op) {
    case OP_L1E:
        if (kind == 0)
            val = ((uint64_t)data_mfn[j] << PAGE_SHIFT) | PTE_FLAGS_RO;
        else if (kind == 1)
            val = ((uint64_t)data_mfn[j] << PAGE_SHIFT) | PTE_FLAGS_RW;
        else if (kind == 2)
            val = ((uint64_t)l1_mfn[j % NR_L1] << PAGE_SHIFT) | PTE_FLAGS_RW;
        *rc = mmu_update_one(((uint64_t)l1_mfn[i] << PAGE_SHIFT) + 8 * k, val);
        break;
    case OP_PIN:
        *rc = pt_pin(1, l1_mfn[i]);
        break;
    case OP_UNPIN:
        *rc = pt_unpin(l1_mfn[i]);
        break;
    case OP_LINK:
        if (kind & 1)
            val = ((uint64_t)l1_mfn[i] << PAGE_SHIFT) | PDE_FLAGS;
        *rc = mmu_update_one(((uint64_t)l2_mfn << PAGE_SHIFT) + 8 * (i + 8 * (kind >> 1)),
                             val);
        break;
    case OP_BASEPTR:
        *rc = mmuext_one(MMUEXT_NEW_BASEPTR, l4_mfn[j % NR_L4], NULL);
        break;
    case OP_UVM:
        val = ((uint64_t)data_mfn[j] << PAGE_SHIFT) | (kind & 1 ? PTE_FLAGS_RW : PTE_FLAGS_RO);
        *rc = hypercall_update_va_mapping(scratch, val, kind & 2 ?
                                          UVMF_INVLPG | UVMF_ALL :
                                          UVMF_TLB_FLUSH | UVMF_MULTI |
                                          (unsigned long)&all_mask);
        break;
    default:
        *rc = kind & 1 ? mmuext_one(MMUEXT_TLB_FLUSH_ALL, 0, NULL) :
                         mmuext_one(MMUEXT_INVLPG_MULTI, scratch, &all_mask);
        break;
    }
    return op;
}

static unsigned long scratch_va[MAX_VCPUS];
static uint64_t end_ns;

/* The body of every vCPU: operations until stop (vCPU 0 decides when), then back to the
 * original L4. */
static void stress(unsigned int id)
{
    uint64_t seed = 0x9e3779b97f4a7c15UL * (id + 1);
    enum op op;
    long rc;

    while (!stop) {
        if (id == 0 && pvclock_ns() >= end_ns)
            stop = true;
        op = one_op(&seed, scratch_va[id], &rc);
        ops[id]++;
        if (rc == 0)
            __atomic_fetch_add(&results[op][0], 1, __ATOMIC_RELAXED);
        else if (rc == -XEN_EINVAL)
            __atomic_fetch_add(&results[op][1], 1, __ATOMIC_RELAXED);
        else if (rc == -XEN_EBUSY)
            __atomic_fetch_add(&results[op][2], 1, __ATOMIC_RELAXED);
        else if (bad_op == NR_OPS) {
            bad_rc = rc;
            bad_vcpu = id;
            bad_op = op;
        }
    }
    rc = mmuext_one(MMUEXT_NEW_BASEPTR, l4_mfn[0], NULL);
    if (rc && bad_op == NR_OPS) {
        bad_rc = rc;
        bad_vcpu = id;
        bad_op = OP_BASEPTR;
    }
    __atomic_fetch_add(&finished, 1, __ATOMIC_SEQ_CST);
}

static void secondary(void *arg)
{
    stress((unsigned int)(uintptr_t)arg);
    for (;;)
        hypercall_sched_op(SCHEDOP_yield, NULL);
}

/* A pinned copy of the current L4 (guest slots only; Xen fills its own). */
static long copy_l4(unsigned long *mfn)
{
    uint64_t *l4 = alloc_page();
    const uint64_t *cur = mfn_to_virt(pt_current_l4_mfn());

    for (unsigned int s = 0; s < PT_ENTRIES; s++)
        l4[s] = s >= XEN_L4_FIRST_SLOT && s <= XEN_L4_LAST_SLOT ? 0 : cur[s];
    *mfn = virt_to_mfn(l4);
    if (pt_make_ro(l4))
        return -1;
    return pt_pin(4, *mfn);
}

static int setup(void)
{
    for (unsigned int i = 0; i < NR_L1; i++) {
        void *p = alloc_page();
        l1_mfn[i] = virt_to_mfn(p);
        if (pt_make_ro(p))
            return xtf_error("cannot make L1 %u read-only", i);
    }
    for (unsigned int j = 0; j < NR_DATA; j++)
        data_mfn[j] = virt_to_mfn(alloc_page());
    for (unsigned int id = 0; id < MAX_VCPUS; id++)
        scratch_va[id] = (unsigned long)alloc_page();
    l2_va = alloc_page();
    l2_mfn = virt_to_mfn(l2_va);
    if (pt_make_ro(l2_va) || pt_pin(2, l2_mfn))
        return xtf_error("cannot pin the shared L2");
    l4_mfn[0] = pt_current_l4_mfn();
    for (unsigned int c = 1; c < NR_L4; c++)
        if (copy_l4(&l4_mfn[c]))
            return xtf_error("cannot pin a copy of the L4");
    return 0;
}

int test_main(void)
{
    uint64_t wait_end;
    long rc;

    if (events_init())
        return xtf_error("events_init failed");
    if (setup())
        return XTF_ERROR;
    end_ns = pvclock_ns() + RUN_NS;
    for (unsigned int id = 1; id < MAX_VCPUS; id++) {
        rc = vcpu_start(id, secondary, (void *)(uintptr_t)id);
        if (rc)
            break;
        nr_vcpus++;
    }
    if (nr_vcpus < 2)
        return xtf_error("needs 2 or more vCPUs (run with --smp 2 or more)");
    printk("%u vCPUs race for %lu s\n", nr_vcpus, RUN_NS / 1000000000UL);
    stress(0);
    wait_end = pvclock_ns() + 10000000000UL;
    while (finished < nr_vcpus && pvclock_ns() < wait_end)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    for (unsigned int op = 0; op < NR_OPS; op++)
        printk("%-18s: %6lu ok, %6lu -EINVAL, %6lu -EBUSY\n", op_names[op], results[op][0],
               results[op][1], results[op][2]);
    for (unsigned int id = 0; id < nr_vcpus; id++)
        printk("vCPU %u: %lu operations\n", id, ops[id]);
    if (bad_op != NR_OPS)
        return xtf_failure("vCPU %u: %s gave %ld", bad_vcpu, op_names[bad_op], bad_rc);
    if (finished < nr_vcpus)
        return xtf_failure("only %u of %u vCPUs finished: one stopped making progress",
                           finished, nr_vcpus);
    for (unsigned int id = 0; id < nr_vcpus; id++)
        if (!ops[id])
            return xtf_failure("vCPU %u made no progress", id);
    return xtf_success();
}
