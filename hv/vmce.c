/*
 * hv/vmce.c - the virtual machine check a PV guest sees (Xen's vMCE), and the mca hypercall
 * the hardware domain's machine-check log uses.
 *
 * CPUID offers MCE and MCA (cpuid-policy.c), so a kernel reads and programs the machine-check
 * MSRs.  None of them reaches the hardware: each vCPU has two virtual banks, and the values
 * are Xen 4.17's, measured with guests/tests/vmce on AMD- and Intel-vendor QEMU CPUs:
 *   MCG_CAP     2 banks; on Intel also MCG_TES_P, MCG_CMCI_P and MCG_SER_P (0x1000c02);
 *               writes ignored
 *   MCG_STATUS  reads what was written
 *   MCG_CTL     reads 0, writes ignored (MCG_CTL_P is clear)
 *   MCi_CTL     banks 0-1 read all ones, writes ignored
 *   MCi_STATUS, MCi_ADDR, MCi_MISC
 *               read 0 (no error is ever injected); writing 0 is accepted, anything else #GP
 *   MCi_CTL2    Intel: banks 0-1 keep CMCI_EN and the threshold; otherwise reads 0
 *   banks 2-31  every MSR reads 0 and writes are ignored
 *   MCG_EXT_CTL and the rest: #GP, as any MSR the guest may not touch.
 * The state is per vCPU (struct hv_vcpu.vmce), as Xen's.
 *
 * The mca hypercall (48, XEN_MC_*; hardware domain only): physcpuinfo describes the physical
 * CPUs (what Linux's mcelog records beside each error), fetch always finds no telemetry
 * (flags XEN_MC_NODATA; an acknowledgement is accepted), notifydomain of the hardware domain
 * itself is -EINVAL; pvmm-hv has no machine-check telemetry and no error injection:
 * msrinject of MSRs and mceinject are -EOPNOTSUPP where Xen would inject (docs/linux.md).
 */
#include "events.h"
#include <xen/xen-mca.h>

#define MSR_MCG_CAP       0x179
#define MSR_MCG_STATUS    0x17a
#define MSR_MCG_CTL       0x17b
#define MSR_MC0_CTL       0x400        /* bank i: 0x400 + 4i CTL, STATUS, ADDR, MISC */
#define MSR_MC0_CTL2      0x280        /* bank i: 0x280 + i */
#define MC_MAX_BANKS      32           /* the MSR ranges Xen treats as banks */
#define MCG_TES_P         (1UL << 11)
#define MCG_CMCI_P        (1UL << 10)
#define MCG_SER_P         (1UL << 24)
#define CMCI_EN           (1UL << 30)
#define CMCI_THRESHOLD    0x7fffUL

static bool cpu_is_intel(void)
{
    uint32_t a, b, c, d;

    cpuid_count(0, 0, &a, &b, &c, &d);
    return b == 0x756e6547 && d == 0x49656e69 && c == 0x6c65746e;    /* GenuineIntel */
}

bool vmce_owns_msr(uint32_t msr)
{
    return (msr >= MSR_MCG_CAP && msr <= MSR_MCG_CTL) ||
           (msr >= MSR_MC0_CTL && msr < MSR_MC0_CTL + 4 * MC_MAX_BANKS) ||
           (msr >= MSR_MC0_CTL2 && msr < MSR_MC0_CTL2 + MC_MAX_BANKS);
}

/* A vmce_owns_msr MSR read by v; false means #GP. */
bool vmce_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
    struct hv_vmce *m = &hvv(v)->vmce;
    unsigned int bank;

    *val = 0;
    if (msr == MSR_MCG_CAP) {
        *val = GUEST_MC_BANKS | (cpu_is_intel() ? MCG_TES_P | MCG_CMCI_P | MCG_SER_P : 0);
    } else if (msr == MSR_MCG_STATUS) {
        *val = m->mcg_status;
    } else if (msr >= MSR_MC0_CTL2 && msr < MSR_MC0_CTL2 + MC_MAX_BANKS) {
        bank = msr - MSR_MC0_CTL2;
        if (bank < GUEST_MC_BANKS && cpu_is_intel())
            *val = m->bank[bank].ctl2;
    } else if (msr >= MSR_MC0_CTL) {
        bank = (msr - MSR_MC0_CTL) / 4;
        if (bank < GUEST_MC_BANKS)
            *val = (msr & 3) == 0 ? ~0UL : m->bank[bank].reg[(msr & 3) - 1];
    }
    return true;
}

/* A vmce_owns_msr MSR written by v; false means #GP. */
bool vmce_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
    struct hv_vmce *m = &hvv(v)->vmce;
    unsigned int bank;

    if (msr == MSR_MCG_STATUS) {
        m->mcg_status = val;
    } else if (msr >= MSR_MC0_CTL2 && msr < MSR_MC0_CTL2 + MC_MAX_BANKS) {
        bank = msr - MSR_MC0_CTL2;
        if (bank < GUEST_MC_BANKS && cpu_is_intel())
            m->bank[bank].ctl2 = val & (CMCI_EN | CMCI_THRESHOLD);
    } else if (msr >= MSR_MC0_CTL) {
        bank = (msr - MSR_MC0_CTL) / 4;
        if (bank < GUEST_MC_BANKS && (msr & 3) != 0) {
            if (val != 0)
                return false;
            m->bank[bank].reg[(msr & 3) - 1] = 0;
        }
    }
    return true;
}

/* Xen's vendor bits (X86_VENDOR_*) for mc_vendor. */
static uint32_t xen_vendor(const char id[12])
{
    if (!memcmp(id, "GenuineIntel", 12))
        return 1;
    if (!memcmp(id, "AuthenticAMD", 12))
        return 2;
    if (!memcmp(id, "CentaurHauls", 12))
        return 4;
    if (!memcmp(id, "  Shanghai  ", 12))
        return 8;
    if (!memcmp(id, "HygonGenuine", 12))
        return 16;
    return 0;
}

/* One physical CPU as XEN_MC_physcpuinfo describes it.  Every CPU of the machine is the same
 * model, so the boot CPU's CPUID answers for all; each has its own APIC id, and QEMU's CPUs
 * are one core of one thread per package unless CPUID says otherwise. */
static void describe_cpu(unsigned int cpu, struct mcinfo_logical_cpu *c)
{
    uint32_t a, b, cc, d, max_ext, l3;
    unsigned int i, per_pkg;

    memset(c, 0, sizeof(*c));
    c->mc_cpunr = cpu;
    c->mc_apicid = percpu_area[cpu].apic_id;
    cpuid_count(0, 0, &c->mc_cpuid_level, &b, &cc, &d);
    memcpy(c->mc_vendorid, &b, 4);
    memcpy(c->mc_vendorid + 4, &d, 4);
    memcpy(c->mc_vendorid + 8, &cc, 4);
    c->mc_vendor = xen_vendor(c->mc_vendorid);
    cpuid_count(1, 0, &a, &b, &cc, &d);
    cpu_signature(a, &c->mc_family, &c->mc_model, &c->mc_step);
    per_pkg = (d & (1u << 28)) ? (b >> 16) & 0xff : 1;
    c->mc_chipid = per_pkg > 1 ? c->mc_apicid / per_pkg : c->mc_apicid;
    c->mc_ncores = c->mc_ncores_active = c->mc_nthreads = 1;
    c->mc_cache_alignment = ((b >> 8) & 0xff) * 8;
    c->mc_cpu_caps[0] = d;
    c->mc_cpu_caps[1] = cc;
    cpuid_count(0x80000000, 0, &max_ext, &b, &cc, &d);
    if (max_ext >= 0x80000001)
        cpuid_count(0x80000001, 0, &a, &b, &c->mc_cpu_caps[3], &c->mc_cpu_caps[2]);
    for (i = 0; i < 3 && max_ext >= 0x80000004; i++)
        cpuid_count(0x80000002 + i, 0, (uint32_t *)&c->mc_brandid[16 * i],
                    (uint32_t *)&c->mc_brandid[16 * i + 4],
                    (uint32_t *)&c->mc_brandid[16 * i + 8],
                    (uint32_t *)&c->mc_brandid[16 * i + 12]);
    if (max_ext >= 0x80000006) {
        cpuid_count(0x80000006, 0, &a, &b, &cc, &l3);
        c->mc_cache_size = (l3 >> 18) ? (l3 >> 18) * 512 : cc >> 16;    /* KiB */
    }
    if (c->mc_cpuid_level >= 0xd)
        cpuid_count(0xd, 1, &c->mc_cpu_caps[4], &b, &cc, &d);
    if (c->mc_cpuid_level >= 7)
        cpuid_count(7, 0, &a, &c->mc_cpu_caps[5], &c->mc_cpu_caps[6], &d);
    if (cpu_has_mce()) {
        c->mc_nmsrvals = 1;
        c->mc_msrvalues[0].reg = MSR_MCG_CAP;
        c->mc_msrvalues[0].value = rdmsr(MSR_MCG_CAP);
    }
}

/* XEN_MC_physcpuinfo: the number of CPUs, and with a buffer of at least that many entries,
 * each CPU's description. */
static long physcpuinfo(struct xen_mc_physcpuinfo *p)
{
    struct mcinfo_logical_cpu c;
    unsigned int cpu, n = 0;

    if (!p->info) {
        p->ncpus = nr_cpus_online;
        return 0;
    }
    if (p->ncpus < nr_cpus_online)
        return -XEN_EINVAL;
    for (cpu = 0; cpu < HV_MAX_CPUS; cpu++) {
        if (!((cpu_online_map >> cpu) & 1))
            continue;
        describe_cpu(cpu, &c);
        if (copy_to_guest_va(p->info + n * sizeof(c), &c, sizeof(c)))
            return -XEN_EFAULT;
        n++;
    }
    p->ncpus = n;
    return 0;
}

/* XEN_MC_fetch: there is never telemetry; an acknowledgement changes nothing.  A fetch needs
 * a buffer for the telemetry, an acknowledgement does not. */
static long fetch(struct xen_mc_fetch *f)
{
    if (!(f->flags & (XEN_MC_URGENT | XEN_MC_NONURGENT)))
        return -XEN_EINVAL;
    if (f->flags & XEN_MC_ACK)
        return 0;
    if (!f->data)
        return -XEN_EINVAL;
    f->flags = XEN_MC_NODATA;
    f->fetch_id = 0;
    return 0;
}

long hc_mca(uint64_t arg)
{
    struct xen_mc op;
    long rc;

    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    if (copy_from_guest_va(&op, arg, sizeof(op)))
        return -XEN_EFAULT;
    if (op.interface_version != XEN_MCA_INTERFACE_VERSION)
        return -XEN_EACCES;
    switch (op.cmd) {
    case XEN_MC_fetch:
        rc = fetch(&op.u.mc_fetch);
        break;
    case XEN_MC_physcpuinfo:
        rc = physcpuinfo(&op.u.mc_physcpuinfo);
        break;
    case XEN_MC_notifydomain:
        return -XEN_EINVAL;
    case XEN_MC_msrinject:
        return op.u.mc_msrinject.mcinj_count ? -XEN_EOPNOTSUPP : 0;
    case XEN_MC_mceinject:
        return -XEN_EOPNOTSUPP;
    default:
        return -XEN_EINVAL;
    }
    if (rc == 0 && copy_to_guest_va(arg, &op, sizeof(op)))
        return -XEN_EFAULT;
    return rc;
}
