/*
 * hv/flush.c - TLB shootdown: the core's per-vCPU flush requests become flushes on the
 * physical CPUs that may hold the vCPUs' translations, done by IPI and complete before the
 * request returns.
 *
 * The core names vCPUs (bit i = d->vcpu[i]); each vCPU's dirty_cpumask (Xen's
 * vcpu_dirty_cpumask) names the CPUs whose TLB may hold its translations: a CPU sets its bit
 * before it loads the vCPU's page tables and clears it only after it has loaded others.
 * CR4.PGE is off and TCG has no PCID, so loading another CR3 drops every guest translation.
 * The requester writes the entries, then (full barrier) reads the masks: a CPU it misses set
 * its bit after that read, so it loaded the tables after the entries changed and walks them
 * afresh.  The union of the masks is flushed with on_selected_cpus() (ipi.c): this CPU
 * directly, the others through CALL_FUNCTION_VECTOR, and the hypercall returns only once
 * every one of them has flushed.
 *
 * flush_selftest() shows it at boot on every CPU: a hypervisor page whose mapping is changed
 * without a flush is still read through the old translation (the stale entry QEMU's TLB
 * keeps, counted), and after one shootdown (one address, then everything) every CPU reads
 * the new frame; anything else is a hypervisor bug (panic).
 */
#include "events.h"

struct flush_req {
    uint64_t va;                   /* one address, or PVMM_FLUSH_ALL_VA */
};

static void flush_fn(void *data)
{
    const struct flush_req *req = data;

    if (req->va == PVMM_FLUSH_ALL_VA)
        write_cr3(read_cr3());     /* CR4.PGE is off: this flushes everything */
    else
        invlpg(req->va);
}

/* This CPU alone (the common case: a vCPU flushing its own TLB) is flushed in place, with
 * no call slot; any other CPU in mask makes it a shootdown. */
void flush_tlb_cpus(cpumask_t mask, uint64_t va)
{
    struct flush_req req = { va };

    if (mask == 1UL << this_cpu()->cpu_id)
        flush_fn(&req);
    else if (mask)
        on_selected_cpus(mask, flush_fn, &req);
}

/* The CPUs whose TLBs may hold translations of the vCPUs of d in vcpu_mask. */
cpumask_t vcpu_dirty_cpus(struct domain *d, uint64_t vcpu_mask)
{
    cpumask_t cpus = 0;

    __atomic_thread_fence(__ATOMIC_SEQ_CST);   /* the entries before the masks */
    if (PVMM_MAX_VCPUS < 64)
        vcpu_mask &= (1UL << (PVMM_MAX_VCPUS % 64)) - 1;
    while (vcpu_mask) {
        unsigned int i = (unsigned int)__builtin_ctzl(vcpu_mask);

        vcpu_mask &= vcpu_mask - 1;
        if (d->vcpu[i].plat)
            cpus |= __atomic_load_n(&hvv(&d->vcpu[i])->dirty_cpumask, __ATOMIC_ACQUIRE);
    }
    return cpus;
}

/* ---- the boot self-test ---- */

#define SELFTEST_VA  0xffff838000000000UL      /* L4 slot 263: unused by the hypervisor */

static volatile uint64_t seen[HV_MAX_CPUS];

static void read_fn(void *data)
{
    (void)data;
    seen[this_cpu()->cpu_id] = *(volatile uint64_t *)SELFTEST_VA;
}

/* How many online CPUs read `value` through SELFTEST_VA just now (each reads once). */
static unsigned int count_reading(uint64_t value)
{
    unsigned int n = 0;

    on_selected_cpus(cpu_online_map, read_fn, NULL);
    for (unsigned int c = 0; c < HV_MAX_CPUS; c++)
        if (((cpu_online_map >> c) & 1) && seen[c] == value)
            n++;
    return n;
}

void flush_selftest(void)
{
    uint64_t l3_mfn, l2_mfn, l1_mfn, a_mfn, b_mfn, t0, t1;
    intpte_t *l3 = alloc_boot_pages(1, &l3_mfn), *l2 = alloc_boot_pages(1, &l2_mfn);
    intpte_t *l1 = alloc_boot_pages(1, &l1_mfn);
    unsigned int n = nr_cpus_online, stale_one, stale_all;
    unsigned int slot = (unsigned int)((SELFTEST_VA >> 39) & 511);
    intpte_t nx = cpu_has_nx ? _PAGE_NX : 0;

    *(uint64_t *)alloc_boot_pages(1, &a_mfn) = 0xaaaa;
    *(uint64_t *)alloc_boot_pages(1, &b_mfn) = 0xbbbb;
    l1[0] = (a_mfn << PAGE_SHIFT) | PTE_HV_RW | nx;
    l2[0] = (l1_mfn << PAGE_SHIFT) | PTE_HV_RW;
    l3[0] = (l2_mfn << PAGE_SHIFT) | PTE_HV_RW;
    idle_l4[slot] = (l3_mfn << PAGE_SHIFT) | PTE_HV_RW;
    if (count_reading(0xaaaa) != n)
        panic("TLB shootdown self-test: not every CPU reads the test page");

    /* One address: change the mapping, no flush, then INVLPG on every CPU. */
    l1[0] = (b_mfn << PAGE_SHIFT) | PTE_HV_RW | nx;
    stale_one = count_reading(0xaaaa);
    t0 = rdtsc();
    flush_tlb_cpus(cpu_online_map, SELFTEST_VA);
    t1 = rdtsc();
    if (count_reading(0xbbbb) != n)
        panic("TLB shootdown self-test: a CPU still reads the old page after INVLPG by IPI");

    /* Everything: back to the first frame, then a full flush on every CPU. */
    l1[0] = (a_mfn << PAGE_SHIFT) | PTE_HV_RW | nx;
    stale_all = count_reading(0xbbbb);
    flush_tlb_cpus(cpu_online_map, PVMM_FLUSH_ALL_VA);
    if (count_reading(0xaaaa) != n)
        panic("TLB shootdown self-test: a CPU still reads the old page after a flush by IPI");

    idle_l4[slot] = 0;
    flush_tlb_cpus(cpu_online_map, PVMM_FLUSH_ALL_VA);
    printk("pvmm-hv: TLB shootdown self-test on %u CPUs: stale before the flush on %u and %u, "
           "none after (INVLPG, full); round trip %lu ns\n", n, stale_one, stale_all,
           (t1 - t0) * 1000000 / tsc_khz);
}
