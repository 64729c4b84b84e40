/*
 * pv-policy: what a PV dom0 is told about the platform is what Xen 4.17 tells it.
 *
 * A real kernel decides how to run from three answers the hypervisor gives before anything
 * else: the feature bits of XENVER_get_features, the CPUID view (through the forced-emulation
 * prefix), and the grant-table size.  Linux 6.1 panics, before it can print,
 * when XENFEAT_gnttab_map_avail_bits is missing; it would build superpage mappings if CPUID
 * offered PSE or 1 GiB pages to a PV guest that may not have them; its grant-table code wants
 * more than one frame.  Measured on Xen 4.17 under QEMU (`-cpu max` and `qemu64`):
 *   - get_features submap 0 = 0x228e0 (mmu_pt_update_preserve_ad, highmem_assist,
 *     gnttab_map_avail_bits, dom0, memory_op_vnode_supported, direct_mapped); submap 1 is
 *     -EINVAL;
 *   - CPUID hides, whatever the CPU has: leaf 1 MONITOR, VMX, x2APIC, PSE, SEP, PGE, PSE36
 *     (and sets the hypervisor bit); leaf 6 entirely; leaf 7.0 SMEP, MPX, SMAP, UMIP, PKU,
 *     LA57, PKS; 0x80000001 SVM, CR8_LEGACY, PSE, PGE, PSE36, 1 GiB pages; 0x80000008
 *     reports at most 48 linear-address bits; the hypervisor leaves say XenVMMXenVMM, 4.17;
 *   - machine check: Xen offers MCE and MCA and then emulates MCG_CAP (MSR 0x179), which must
 *     read without a fault (the whole virtual machine check is the test `vmce`);
 *   - the grant table starts with 1 frame of at most 64; setup_table grows it to 2 and to
 *     64 frames and refuses 65 with GNTST_general_error; both take exactly one structure:
 *     a count of 0 or 2 is -EINVAL, and the count is 32 bits wide (2^32 + 1 is 1).
 */
#include <xen/version.h>
#include <xen/features.h>
#include <xen/grant_table.h>

#include "guest.h"

const char test_title[] = "PV dom0 policy: features, CPUID, grant-table size";

#define BIT(n)             (1u << (n))
#define XEN_PV_DOM0_FEATURES 0x228e0u
#define MSR_MCG_CAP        0x179

struct hidden {
    uint32_t leaf, sub;
    unsigned int reg;       /* 0 eax, 1 ebx, 2 ecx, 3 edx */
    uint32_t mask;
    const char *what;
};

static const struct hidden hidden[] = {
    { 1, 0, 2, BIT(3) | BIT(5) | BIT(21), "leaf 1 ECX MONITOR/VMX/x2APIC" },
    { 1, 0, 3, BIT(3) | BIT(11) | BIT(13) | BIT(17), "leaf 1 EDX PSE/SEP/PGE/PSE36" },
    { 6, 0, 0, ~0u, "leaf 6 EAX" },
    { 7, 0, 1, BIT(7) | BIT(14) | BIT(20), "leaf 7 EBX SMEP/MPX/SMAP" },
    { 7, 0, 2, BIT(2) | BIT(3) | BIT(16) | BIT(31), "leaf 7 ECX UMIP/PKU/LA57/PKS" },
    { 0x80000001, 0, 2, BIT(2) | BIT(4), "leaf 0x80000001 ECX SVM/CR8_LEGACY" },
    { 0x80000001, 0, 3, BIT(3) | BIT(13) | BIT(17) | BIT(26),
      "leaf 0x80000001 EDX PSE/PGE/PSE36/1GB" },
};

static long grant_op(unsigned int cmd, void *op)
{
    return _hypercall3(__HYPERVISOR_grant_table_op, cmd, op, 1);
}

static int check_features(void)
{
    struct xen_feature_info fi = { .submap_idx = 0 };
    long rc = hypercall_xen_version(XENVER_get_features, &fi);

    printk("get_features[0]: rc %ld submap %#x\n", rc, fi.submap);
    if (rc != 0 || fi.submap != XEN_PV_DOM0_FEATURES)
        return xtf_failure("get_features[0] = %#x (rc %ld), Xen 4.17 says %#x", fi.submap,
                           rc, XEN_PV_DOM0_FEATURES);
    fi.submap_idx = 1;
    rc = hypercall_xen_version(XENVER_get_features, &fi);
    if (rc != -XEN_EINVAL)
        return xtf_failure("get_features[1]: rc %ld, expected -EINVAL", rc);
    return 0;
}

static int check_cpuid(void)
{
    uint32_t r[4];
    uint64_t cap;
    int bad = 0;

    for (unsigned int i = 0; i < sizeof(hidden) / sizeof(hidden[0]); i++) {
        pv_cpuid(hidden[i].leaf, hidden[i].sub, r);
        if (r[hidden[i].reg] & hidden[i].mask)
            bad = xtf_failure("%s offered: %#x", hidden[i].what,
                              r[hidden[i].reg] & hidden[i].mask);
    }
    pv_cpuid(1, 0, r);
    printk("cpuid 1: ecx %08x edx %08x\n", r[2], r[3]);
    if (!(r[2] & BIT(31)))
        bad = xtf_failure("leaf 1 ECX bit 31 (hypervisor) clear");
    if (r[3] & BIT(7)) {
        if (probe_rdmsr(MSR_MCG_CAP, &cap, NULL))
            bad = xtf_failure("MCE offered but rdmsr MCG_CAP faults");
        else
            printk("MCE offered, MCG_CAP %#lx\n", cap);
    } else if (r[3] & BIT(14)) {
        bad = xtf_failure("MCA offered without MCE");
    } else {
        printk("MCE and MCA hidden\n");
    }
    pv_cpuid(0x80000008, 0, r);
    if (((r[0] >> 8) & 0xff) > 48)
        bad = xtf_failure("leaf 0x80000008: %u linear-address bits", (r[0] >> 8) & 0xff);
    pv_cpuid(0x40000000, 0, r);
    if (r[1] != 0x566e6558 || r[2] != 0x65584d4d || r[3] != 0x4d4d566e)
        bad = xtf_failure("leaf 0x40000000 is not XenVMMXenVMM");
    pv_cpuid(0x40000001, 0, r);
    if (r[0] != 0x00040011)
        bad = xtf_failure("leaf 0x40000001 version %#x, not 4.17", r[0]);
    return bad;
}

/* setup_table and query_size take exactly one structure (the count is an unsigned int). */
static int check_grant_counts(void)
{
    static const uint64_t counts[] = { 0, 2, (1UL << 32) | 2 };
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 0 };
    unsigned int i;
    long rc;

    for (i = 0; i < ARRAY_SIZE(counts); i++) {
        rc = _hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, &qs, counts[i]);
        if (rc != -XEN_EINVAL)
            return xtf_failure("query_size with count %#lx: %ld, expected -EINVAL",
                               (unsigned long)counts[i], rc);
        rc = _hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_setup_table, &st, counts[i]);
        if (rc != -XEN_EINVAL)
            return xtf_failure("setup_table with count %#lx: %ld, expected -EINVAL",
                               (unsigned long)counts[i], rc);
    }
    rc = _hypercall3(__HYPERVISOR_grant_table_op, GNTTABOP_query_size, &qs, (1UL << 32) | 1);
    if (rc || qs.status != GNTST_okay)
        return xtf_failure("query_size with count 2^32 + 1: %ld status %d, expected 0", rc,
                           qs.status);
    return 0;
}

static int check_grant_table(void)
{
    static uint64_t frames[65];
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .frame_list = (uint64_t)frames };
    long rc = check_grant_counts();

    if (rc)
        return (int)rc;
    rc = grant_op(GNTTABOP_query_size, &qs);

    printk("grant table: rc %ld, %u frames of at most %u\n", rc, qs.nr_frames, qs.max_nr_frames);
    if (rc || qs.status != GNTST_okay || qs.nr_frames != 1 || qs.max_nr_frames != 64)
        return xtf_failure("query_size: rc %ld status %d nr %u max %u (Xen: 1 of 64)", rc,
                           qs.status, qs.nr_frames, qs.max_nr_frames);
    st.nr_frames = 2;
    rc = grant_op(GNTTABOP_setup_table, &st);
    if (rc || st.status != GNTST_okay || !frames[0] || frames[0] == frames[1])
        return xtf_failure("setup_table(2): rc %ld status %d frames %#lx %#lx", rc, st.status,
                           frames[0], frames[1]);
    rc = grant_op(GNTTABOP_query_size, &qs);
    if (rc || qs.nr_frames != 2)
        return xtf_failure("after setup_table(2): %u frames", qs.nr_frames);
    st.nr_frames = 64;
    rc = grant_op(GNTTABOP_setup_table, &st);
    if (rc || st.status != GNTST_okay)
        return xtf_failure("setup_table(64): rc %ld status %d", rc, st.status);
    st.nr_frames = 65;
    rc = grant_op(GNTTABOP_setup_table, &st);
    if (rc || st.status != GNTST_general_error)
        return xtf_failure("setup_table(65): rc %ld status %d, expected general_error", rc,
                           st.status);
    return 0;
}

int test_main(void)
{
    int rc = check_features();

    rc |= check_cpuid();
    rc |= check_grant_table();
    return rc ? rc : xtf_success();
}
