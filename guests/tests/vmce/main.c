/*
 * vmce: the virtual machine check of a PV guest, and the mca hypercall of the hardware domain.
 *
 * Xen offers MCE and MCA in CPUID, so a kernel (Linux's mce code) reads MCG_CAP, clears the
 * banks' status and enables their control registers; none of it may reach the real CPU.
 * Linux's mcelog driver asks the mca hypercall for the physical CPUs and fetches telemetry.
 * Measured on Xen 4.17 under QEMU with AMD (qemu64, max) and Intel (max,vendor=GenuineIntel)
 * CPUs:
 *   - MCG_CAP: 2 banks; Intel adds TES_P, CMCI_P and SER_P (0x1000c02); writes ignored;
 *   - MCG_STATUS keeps what is written; MCG_CTL reads 0 and ignores writes; MCG_EXT_CTL #GP;
 *   - banks 0-1: CTL reads all ones and ignores writes; STATUS/ADDR/MISC read 0, accept 0 and
 *     #GP on anything else; MCi_CTL2 keeps CMCI_EN on Intel, reads 0 on AMD;
 *   - bank 2 and above: every MSR reads 0, writes ignored;
 *   - mca: interface version wrong -EACCES; physcpuinfo with no buffer gives the number of
 *     CPUs, with a buffer too small -EINVAL, else one entry per CPU (APIC id, CPUID level,
 *     vendor, family/model/stepping as derived from CPUID leaf 1, brand string, MCG_CAP as
 *     its one MSR value) and nothing after them; fetch of either queue: no data (flags
 *     XEN_MC_NODATA, id 0), without a buffer -EINVAL, an acknowledgement accepted (no buffer
 *     needed), no queue -EINVAL; notifydomain of
 *     dom0 -EINVAL; msrinject of no MSRs 0; unknown commands -EINVAL; argument in the
 *     hypervisor's half -EFAULT.
 */
#include "guest.h"
#include <xen/platform.h>
#include <xen/xen-mca.h>

const char test_title[] = "virtual machine check: MSRs, CPUID, the mca hypercall";

#define XEN_HALF        0xffff830000000000UL
#define MSR_MCG_CAP     0x179
#define MSR_MCG_STATUS  0x17a
#define MSR_MCG_CTL     0x17b
#define MSR_MCG_EXT_CTL 0x4d0
#define MSR_MC_CTL(i)   (0x400 + 4 * (i))
#define MSR_MC_CTL2(i)  (0x280 + (i))
#define CMCI_EN         (1UL << 30)

static bool intel;

static void native_cpuid(uint32_t leaf, uint32_t r[4])
{
    asm volatile("cpuid" : "=a"(r[0]), "=b"(r[1]), "=c"(r[2]), "=d"(r[3]) : "a"(leaf), "c"(0));
}

static void expect_read(uint32_t msr, uint64_t want)
{
    uint64_t v;

    if (probe_rdmsr(msr, &v, NULL))
        xtf_failure("rdmsr %#x faulted, expected %#lx", msr, want);
    else if (v != want)
        xtf_failure("rdmsr %#x: %#lx, expected %#lx", msr, v, want);
}

/* wrmsr msr, val: must fault (gp) or not, then read back as want. */
static void expect_write(uint32_t msr, uint64_t val, bool gp, uint64_t want)
{
    if (probe_wrmsr(msr, val, NULL) != gp)
        xtf_failure("wrmsr %#x <- %#lx: %s", msr, val, gp ? "no #GP" : "#GP");
    expect_read(msr, want);
}

static void msrs(void)
{
    uint32_t r[4];
    uint64_t v;
    unsigned int bank, i;

    pv_cpuid(1, 0, r);
    if (!(r[3] & (1u << 7)) || !(r[3] & (1u << 14)))
        xtf_failure("CPUID leaf 1 EDX %#x: MCE and MCA not both offered", r[3]);
    expect_write(MSR_MCG_CAP, 0, false, intel ? 0x1000c02 : 2);
    expect_read(MSR_MCG_STATUS, 0);
    expect_write(MSR_MCG_STATUS, 1, false, 1);
    expect_write(MSR_MCG_STATUS, 0, false, 0);
    expect_write(MSR_MCG_CTL, ~0UL, false, 0);
    if (!probe_rdmsr(MSR_MCG_EXT_CTL, &v, NULL))
        xtf_failure("rdmsr MCG_EXT_CTL did not fault");
    for (bank = 0; bank < 2; bank++) {
        expect_write(MSR_MC_CTL(bank), 0, false, ~0UL);
        expect_write(MSR_MC_CTL(bank) + 1, 0, false, 0);
        for (i = 1; i <= 3; i++)
            expect_write(MSR_MC_CTL(bank) + i, 0x10, true, 0);
        expect_write(MSR_MC_CTL2(bank), CMCI_EN, false, intel ? CMCI_EN : 0);
        expect_write(MSR_MC_CTL2(bank), 0, false, 0);
    }
    for (i = 0; i < 4; i++)
        expect_write(MSR_MC_CTL(2) + i, 0, false, 0);
    expect_read(MSR_MC_CTL2(2), 0);
    printk("machine-check MSRs as Xen's vMCE (%s)\n", intel ? "Intel" : "not Intel");
}

static long mca(struct xen_mc *op, uint32_t cmd)
{
    op->cmd = cmd;
    op->interface_version = XEN_MCA_INTERFACE_VERSION;
    return _hypercall1(__HYPERVISOR_mca, op);
}

static void check_rc(const char *what, long rc, long want)
{
    if (rc != want)
        xtf_failure("%s: %ld, expected %ld", what, rc, want);
}

static unsigned int physical_cpus(void)
{
    struct xen_platform_op op;

    memset(&op, 0, sizeof(op));
    op.cmd = XENPF_get_cpuinfo;
    op.interface_version = XENPF_INTERFACE_VERSION;
    if (_hypercall1(__HYPERVISOR_platform_op, &op))
        return 0;
    return op.u.pcpu_info.max_present + 1;
}

static void check_cpu(const struct mcinfo_logical_cpu *c)
{
    uint32_t r[4], brand[12], fam, model, step;
    unsigned int i;

    native_cpuid(0, r);
    if (c->mc_cpunr != 0 || c->mc_apicid != 0 || c->mc_cpuid_level != r[0] ||
        memcmp(c->mc_vendorid, &r[1], 4) || memcmp(c->mc_vendorid + 4, &r[3], 4) ||
        memcmp(c->mc_vendorid + 8, &r[2], 4))
        xtf_failure("cpu 0: number %u apic %u level %u vendor %.12s not the CPU's",
                    c->mc_cpunr, c->mc_apicid, c->mc_cpuid_level, c->mc_vendorid);
    native_cpuid(1, r);
    fam = (r[0] >> 8) & 0xf;
    model = (r[0] >> 4) & 0xf;
    step = r[0] & 0xf;
    if (fam == 0xf)
        fam += (r[0] >> 20) & 0xff;
    if (fam >= 6)
        model += ((r[0] >> 16) & 0xf) << 4;
    if (c->mc_family != fam || c->mc_model != model || c->mc_step != step)
        xtf_failure("cpu 0: family/model/stepping %#x/%#x/%u, CPUID says %#x/%#x/%u",
                    c->mc_family, c->mc_model, c->mc_step, fam, model, step);
    for (i = 0; i < 3; i++)
        native_cpuid(0x80000002 + i, &brand[4 * i]);
    if (memcmp(c->mc_brandid, brand, sizeof(brand)))
        xtf_failure("cpu 0: brand %.48s is not CPUID's", c->mc_brandid);
    if (c->mc_nmsrvals != 1 || c->mc_msrvalues[0].reg != MSR_MCG_CAP)
        xtf_failure("cpu 0: %u MSR values, the first %#lx (expected MCG_CAP alone)",
                    c->mc_nmsrvals, c->mc_msrvalues[0].reg);
    printk("cpu 0: %.12s family %#x model %#x, \"%.48s\", MCG_CAP %#lx\n", c->mc_vendorid,
           c->mc_family, c->mc_model, c->mc_brandid, c->mc_msrvalues[0].value);
}

static struct mcinfo_logical_cpu info[9];

static void physcpuinfo(void)
{
    struct xen_mc op;
    unsigned int n = physical_cpus();
    uint8_t *after;
    long rc;

    memset(&op, 0, sizeof(op));
    rc = mca(&op, XEN_MC_physcpuinfo);
    printk("physcpuinfo without a buffer: %ld, %u CPUs (platform_op: %u)\n", rc,
           op.u.mc_physcpuinfo.ncpus, n);
    if (rc != 0 || op.u.mc_physcpuinfo.ncpus != n || n == 0 || n > 8)
        return (void)xtf_failure("physcpuinfo count: rc %ld ncpus %u, expected %u", rc,
                                 op.u.mc_physcpuinfo.ncpus, n);
    op.u.mc_physcpuinfo.ncpus = n - 1;
    op.u.mc_physcpuinfo.info = (uint64_t)(uintptr_t)info;
    check_rc("physcpuinfo, buffer one entry short", mca(&op, XEN_MC_physcpuinfo), -XEN_EINVAL);
    memset(info, 0xcc, sizeof(info));
    op.u.mc_physcpuinfo.ncpus = n + 1;
    op.u.mc_physcpuinfo.info = (uint64_t)(uintptr_t)info;
    rc = mca(&op, XEN_MC_physcpuinfo);
    if (rc != 0 || op.u.mc_physcpuinfo.ncpus != n)
        return (void)xtf_failure("physcpuinfo: rc %ld ncpus %u", rc, op.u.mc_physcpuinfo.ncpus);
    check_cpu(&info[0]);
    after = (uint8_t *)&info[n];
    if (after[0] != 0xcc || after[sizeof(info[0]) - 1] != 0xcc)
        xtf_failure("physcpuinfo wrote past its %u entries", n);
}

static uint8_t mc_info[4096];

static void telemetry(void)
{
    static const uint32_t queues[] = { XEN_MC_URGENT, XEN_MC_NONURGENT };
    struct xen_mc op;
    unsigned int i;
    long rc;

    for (i = 0; i < 2; i++) {
        memset(&op, 0, sizeof(op));
        op.u.mc_fetch.flags = queues[i];
        op.u.mc_fetch.fetch_id = 77;
        check_rc("fetch without a buffer", mca(&op, XEN_MC_fetch), -XEN_EINVAL);
        op.u.mc_fetch.data = (uint64_t)(uintptr_t)mc_info;
        rc = mca(&op, XEN_MC_fetch);
        if (rc != 0 || op.u.mc_fetch.flags != XEN_MC_NODATA || op.u.mc_fetch.fetch_id != 0)
            xtf_failure("fetch %u: rc %ld flags %u id %lu, expected no data", queues[i], rc,
                        op.u.mc_fetch.flags, op.u.mc_fetch.fetch_id);
    }
    memset(&op, 0, sizeof(op));
    op.u.mc_fetch.flags = XEN_MC_URGENT | XEN_MC_ACK;
    op.u.mc_fetch.fetch_id = 5;
    check_rc("fetch acknowledging id 5", mca(&op, XEN_MC_fetch), 0);
    memset(&op, 0, sizeof(op));
    check_rc("fetch of no queue", mca(&op, XEN_MC_fetch), -XEN_EINVAL);
    memset(&op, 0, sizeof(op));
    check_rc("notifydomain d0", mca(&op, XEN_MC_notifydomain), -XEN_EINVAL);
    memset(&op, 0, sizeof(op));
    check_rc("msrinject of no MSRs", mca(&op, XEN_MC_msrinject), 0);
    for (i = 6; i <= 9; i++) {
        memset(&op, 0, sizeof(op));
        rc = mca(&op, i);
        if (rc != -XEN_EINVAL)
            xtf_failure("mca command %u: %ld, expected -EINVAL", i, rc);
    }
    memset(&op, 0, sizeof(op));
    check_rc("mca command 0", mca(&op, 0), -XEN_EINVAL);
    memset(&op, 0, sizeof(op));
    op.cmd = XEN_MC_physcpuinfo;
    op.interface_version = XEN_MCA_INTERFACE_VERSION - 1;
    check_rc("wrong interface version", _hypercall1(__HYPERVISOR_mca, &op), -XEN_EACCES);
    check_rc("argument in the hypervisor's half",
             _hypercall1(__HYPERVISOR_mca, (void *)XEN_HALF), -XEN_EFAULT);
}

int test_main(void)
{
    uint32_t r[4];

    native_cpuid(0, r);
    intel = r[1] == 0x756e6547 && r[3] == 0x49656e69 && r[2] == 0x6c65746e;
    msrs();
    physcpuinfo();
    telemetry();
    return xtf_success();
}
