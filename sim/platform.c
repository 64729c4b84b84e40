/*
 * sim/platform.c - struct pvmm_platform over the simulated machine.
 *
 * The core reaches the machine only through these callbacks:
 *  - map_frame: a host pointer into simulated machine memory;
 *  - flush_tlb: INVLPG or a full flush (global entries included) on the
 *    simulated processors of the vCPUs in the mask;
 *  - write_ptbase: the vCPU's table changed, reload its CR3 for its
 *    current mode (a MOV to CR3: non-global entries go);
 *  - log: to stderr at or above the machine's log level;
 *  - preempt_check: scripted injection (never, at the n-th check of the
 *    current operation, or every check);
 *  - copy_from/to_guest: an address that does not start in guest space
 *    (below 2^47 or past the hypervisor's slots: Xen's access_ok) is -EFAULT
 *    whatever is mapped there; the rest goes through the vCPU's MMU as a
 *    guest-kernel access (CPL 3, the kernel L4), TLB included, so a hypercall
 *    argument in an unmapped or hypervisor-only page gives -EFAULT exactly as
 *    it would for the guest itself.
 */
#include "access.h"

#include <stdio.h>

static void *p_map_frame(void *ctx, mfn_t mfn)
{
    struct sim_machine *m = ctx;

    if (mfn >= m->nr_frames)
        return NULL;
    return m->phys.mem + (mfn << PAGE_SHIFT);
}

static void p_flush_tlb(void *ctx, struct domain *d, uint64_t mask, uint64_t va)
{
    struct sim_machine *m = ctx;

    m->nr_flush_calls++;
    for (unsigned int i = 0; i < PVMM_MAX_VCPUS && i < d->max_vcpus; i++) {
        struct sim_vcpu *sv;

        if (!(mask & (1UL << i)))
            continue;
        sv = sim_vcpu_of(m, &d->vcpu[i]);
        if (!sv)
            continue;
        if (va == PVMM_FLUSH_ALL_VA)
            sim_tlb_flush_all(&sv->cpu.tlb);
        else
            sim_tlb_invlpg(&sv->cpu.tlb, va);
    }
}

static void p_write_ptbase(void *ctx, struct vcpu *v)
{
    struct sim_machine *m = ctx;

    m->nr_ptbase_writes++;
    sim_reload_cr3(m, v);
}

static void p_log(void *ctx, enum pvmm_log_level lvl, const char *msg)
{
    struct sim_machine *m = ctx;

    if (lvl >= m->log_level)
        fprintf(stderr, "core: %s\n", msg);
}

static bool p_preempt_check(void *ctx, struct vcpu *v)
{
    struct sim_machine *m = ctx;

    (void)v;
    m->preempt_checks++;
    switch (m->preempt) {
    case SIM_PREEMPT_NEVER:
        return false;
    case SIM_PREEMPT_AT:
        return m->preempt_checks == m->preempt_n;
    case SIM_PREEMPT_FROM:
        return m->preempt_checks >= m->preempt_n;
    case SIM_PREEMPT_EVERY:
        return true;
    }
    return false;
}

/*
 * A guest-kernel-mode access for the hypervisor: through v's processor if
 * it runs in kernel mode (so its TLB is used and filled), otherwise a
 * TLB-less walk of its kernel L4.
 */
static int kernel_access(struct sim_machine *m, struct vcpu *v, uint64_t gva, void *buf,
                         size_t len, enum sim_access acc)
{
    struct sim_vcpu *sv = sim_vcpu_of(m, v);
    struct sim_fault_info f;
    struct sim_cpu tmp;

    if (!sv)
        return -XEN_EFAULT;
    while (len) {
        size_t chunk = PAGE_SIZE - (gva & (PAGE_SIZE - 1));
        struct sim_cpu *c = &sv->cpu;

        if (chunk > len)
            chunk = len;
        if (!v->kernel_mode || !sv->has_cr3) {
            if (v->guest_table == INVALID_MFN)
                return -XEN_EFAULT;
            sim_cpu_init(&tmp, m->maxphyaddr);
            tmp.p = sv->cpu.p;
            tmp.p.cr3 = v->guest_table << PAGE_SHIFT;
            c = &tmp;
        }
        if (sim_cpu_access(c, &m->phys, gva, acc, buf, chunk, &f) != SIM_OK)
            return -XEN_EFAULT;
        gva += chunk;
        buf = (uint8_t *)buf + chunk;
        len -= chunk;
    }
    return 0;
}

int sim_kernel_copy(struct sim_machine *m, struct vcpu *v, uint64_t va, void *buf, size_t len,
                    bool write)
{
    return kernel_access(m, v, va, buf, len, write ? SIM_WRITE : SIM_READ);
}

/* Xen's access_ok for a 64-bit guest (and pvmm-hv's): a hypercall's guest address must start
 * below 2^47 or past the hypervisor's slots, whatever those map (the M2P is readable there). */
static bool guest_addr_ok(uint64_t gva)
{
    return gva < 0x0000800000000000UL || gva >= HYPERVISOR_VIRT_END;
}

static int p_copy_from_guest(void *ctx, struct vcpu *v, void *dst, uint64_t gva, size_t len)
{
    if (!guest_addr_ok(gva))
        return -XEN_EFAULT;
    return kernel_access(ctx, v, gva, dst, len, SIM_READ);
}

static int p_copy_to_guest(void *ctx, struct vcpu *v, uint64_t gva, const void *src, size_t len)
{
    if (!guest_addr_ok(gva))
        return -XEN_EFAULT;
    return kernel_access(ctx, v, gva, (void *)src, len, SIM_WRITE);
}

void sim_platform_init(struct sim_machine *m)
{
    m->plat = (struct pvmm_platform){
        .ctx = m,
        .map_frame = p_map_frame,
        .unmap_frame = NULL,
        .flush_tlb = p_flush_tlb,
        .write_ptbase = p_write_ptbase,
        .log = p_log,
        .preempt_check = p_preempt_check,
        .copy_from_guest = p_copy_from_guest,
        .copy_to_guest = p_copy_to_guest,
        .cpu_relax = NULL,
    };
}
