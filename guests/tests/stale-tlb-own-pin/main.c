/*
 * stale-tlb-own-pin: a vCPU that pins a page as an L1 while its own TLB still holds a
 * writable translation of it loses that translation, on a vCPU brought up with
 * VCPUOP_initialise/up as on the boot vCPU.
 *
 * The story. A PV kernel allocates a page-table page (Linux: a vmalloc's new PTE page), and
 * the page was writable a moment ago: the kernel wrote it through some mapping, removed that
 * mapping's write permission without flushing its TLB (the flush is the hypervisor's job at
 * the type change), and pins the page.  The hypervisor must flush every TLB that may hold a
 * writable translation - the caller's included - before the page becomes a page table: else
 * the kernel's next write through the old translation goes straight into a validated L1,
 * behind the validator's back, and the entry it writes is never counted (pvmm-hv: Linux with
 * two vCPUs on one CPU later failed to pin fresh page tables "in use as a writable page (type
 * count 3)", because the type change's flush named only the vCPUs the core knew as online,
 * and a vCPU started by VCPUOP_up was not among them).
 *
 * The guest runs with 2 vCPUs on one CPU (dom0_max_vcpus=2 on both hypervisors: vCPU 1
 * shares the CPU, and its TLB, with vCPU 0).  Each vCPU in turn (vCPU 0, then vCPU 1, each
 * once vCPU 0 ran in between) maps a fresh page at a scratch VA, writes it, removes the
 * mapping without a flush, pins the page as an L1 (0) and writes 0 through the VA: the write
 * must fault (#PF at the VA).  A write that lands instead is a stale writable translation of
 * a page table: FAILURE.
 */
#include <xen/sched.h>
#include <xen/vcpu.h>

#include "guest.h"
#include "vcpus.h"

const char test_title[] = "pinning flushes the caller's own stale writable translation";

static unsigned long scratch_va;
static volatile int go1, done1, result1;
static char why1[160];

/*
 * On the calling vCPU: a fresh page written through scratch_va, the mapping removed without
 * a flush, the page pinned as an L1, then a write through scratch_va.  0 if it faulted as
 * it must, else an XTF status with why[] filled in.
 */
static int pin_round(unsigned int vcpu, char *why, size_t len)
{
    volatile uint64_t *page = alloc_page();
    unsigned long mfn = virt_to_mfn(page);
    struct fault f;
    long rc;

    if (pt_make_ro(page)) {              /* its 1:1 mapping: no writable mapping but ours */
        snprintf(why, len, "vCPU %u: cannot make the page's own mapping read-only", vcpu);
        return XTF_ERROR;
    }
    if ((rc = pt_map_mfn(scratch_va, mfn, PTE_FLAGS_RW)) != 0) {
        snprintf(why, len, "vCPU %u: cannot map the scratch VA: %ld", vcpu, rc);
        return XTF_ERROR;
    }
    *(volatile uint64_t *)scratch_va = 0;          /* the TLB now holds it writable */
    if ((rc = pt_update_va(scratch_va, 0, UVMF_NONE)) != 0) {   /* no flush */
        snprintf(why, len, "vCPU %u: cannot clear the scratch entry: %ld", vcpu, rc);
        return XTF_ERROR;
    }
    if ((rc = pt_pin(1, mfn)) != 0) {
        snprintf(why, len, "vCPU %u: PIN_L1_TABLE of the page: %ld", vcpu, rc);
        return XTF_FAILURE;
    }
    if (!probe_write64((volatile void *)scratch_va, 0, &f)) {
        snprintf(why, len, "vCPU %u wrote into its pinned L1 through a stale writable "
                 "translation (the type change did not flush its TLB)", vcpu);
        return XTF_FAILURE;
    }
    if (f.vector != X86_EXC_PF || f.cr2 != scratch_va) {
        snprintf(why, len, "vCPU %u: vector %u cr2 %#lx, not #PF at the VA", vcpu, f.vector,
                 (unsigned long)f.cr2);
        return XTF_FAILURE;
    }
    if ((rc = pt_unpin(mfn)) != 0) {
        snprintf(why, len, "vCPU %u: unpin: %ld", vcpu, rc);
        return XTF_ERROR;
    }
    printk("vCPU %u: the write after the pin faulted (#PF at the VA)\n", vcpu);
    return 0;
}

/* vCPU 1: wait for vCPU 0's go (yielding, so vCPU 0 keeps running on the CPU), one round. */
static void secondary(void *arg)
{
    (void)arg;
    hypercall_vcpu_op(VCPUOP_stop_periodic_timer, 1, NULL);
    while (!go1)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    result1 = pin_round(1, why1, sizeof(why1));
    done1 = 1;
    for (;;)
        hypercall_sched_op(SCHEDOP_yield, NULL);
}

int test_main(void)
{
    static char why0[160];
    uint64_t end;
    int rc;

    if (events_init())
        return xtf_error("events_init failed");
    scratch_va = (unsigned long)alloc_page();
    if (pt_update_va(scratch_va, 0, UVMF_INVLPG))
        return xtf_error("cannot free the scratch VA");
    if ((rc = pin_round(0, why0, sizeof(why0))) != 0)
        return rc == XTF_ERROR ? xtf_error("%s", why0) : xtf_failure("%s", why0);
    if (vcpu_start(1, secondary, NULL))
        return xtf_error("cannot start vCPU 1: run with 2 vCPUs (dom0_max_vcpus=2)");
    for (unsigned int i = 0; i < 4; i++)        /* vCPU 0 and vCPU 1 share the CPU */
        hypercall_sched_op(SCHEDOP_yield, NULL);
    go1 = 1;
    for (end = pvclock_ns() + 5000000000ULL; !done1 && pvclock_ns() < end;)
        hypercall_sched_op(SCHEDOP_yield, NULL);
    if (!done1)
        return xtf_error("vCPU 1 did not finish its round");
    if (result1)
        return result1 == XTF_ERROR ? xtf_error("%s", why1) : xtf_failure("%s", why1);
    return xtf_success();
}
