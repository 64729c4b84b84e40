/*
 * hv/dom0-perms.c - the hardware domain's I/O memory rights, set up as Xen 4.17's
 * dom0_setup_permissions does.
 *
 * dom0 may map as I/O memory every frame of the physical address space (the width CPUID
 * reports), which includes the first MiB (BIOS data, VGA, option ROMs: I/O memory owned by
 * dom_io, as in Xen) - except the frames through which the CPU itself can be driven:
 *   - the local APIC page, and the whole MSI address window 0xfee00000-0xfeefffff (a write
 *     there is an interrupt message: an NMI, INIT or SIPI to any CPU);
 *   - on AMD and Hygon CPUs, the HyperTransport range, the 12 GiB below 2^40 (below
 *     2^paddr_bits from family 0x17 on);
 *   - unusable (E820 type 5) ranges above 1 MiB;
 *   - the HPET page(s) when the HPET table asks for page protection.
 * IO-APIC pages and an unprotected HPET page stay readable: they go into the core's
 * read-only MMIO set, so a writable mapping of one is stored read-only (measured on Xen
 * 4.17: both map, a writable request gives a read-only entry).  RAM the hypervisor keeps is
 * not I/O memory at all: the core refuses it as a frame dom0 does not own.
 */
#include "hv.h"

#define MSI_FIRST_MFN   0xfee00UL
#define MSI_LAST_MFN    0xfeeffUL
#define HT_HOLE_FRAMES  ((3UL << 32) >> PAGE_SHIFT)
#define MAX_IOAPICS     8

/* The first frame above the HyperTransport hole on AMD/Hygon CPUs, 0 on any other. */
static uint64_t ht_hole_end_mfn(unsigned int paddr_bits)
{
    uint32_t a, b, c, d;
    unsigned int family;
    bool amd, hygon;

    cpuid_count(0, 0, &a, &b, &c, &d);
    amd = b == 0x68747541 && d == 0x69746e65 && c == 0x444d4163;      /* AuthenticAMD */
    hygon = b == 0x6f677948 && d == 0x6e65476e && c == 0x656e6975;    /* HygonGenuine */
    if (!amd && !hygon)
        return 0;
    cpuid_count(1, 0, &a, &b, &c, &d);
    family = (a >> 8) & 0xf;
    if (family == 0xf)
        family += (a >> 20) & 0xff;
    return 1UL << ((family < 0x17 ? 40 : paddr_bits) - PAGE_SHIFT);
}

static int deny(struct domain *d, uint64_t first, uint64_t last, const char *what)
{
    printk("pvmm: dom0 I/O memory: no %s (frames %lx-%lx)\n", what, first, last);
    return iomem_deny_access(d, first, last);
}

static int read_only(struct domain *d, uint64_t mfn, const char *what)
{
    printk("pvmm: dom0 I/O memory: %s read-only (frame %lx)\n", what, mfn);
    return rangeset_add_range(&d->state->mmio_ro_ranges, mfn, mfn);
}

void dom0_setup_permissions(struct domain *d)
{
    unsigned int paddr_bits = cpu_paddr_bits(), page_protect, n, i;
    uint64_t lapic = (rdmsr(MSR_APIC_BASE) & PTE_ADDR_MASK) >> PAGE_SHIFT;
    uint64_t ht_end = ht_hole_end_mfn(paddr_bits), ioapic[MAX_IOAPICS], hpet, first, last;
    const struct hv_e820 *e820;
    int rc;

    rc = iomem_deny_access(d, 0, ~0UL);
    rc |= iomem_permit_access(d, 0, (1UL << (paddr_bits - PAGE_SHIFT)) - 1);
    printk("pvmm: dom0 I/O memory: frames below 2^%u\n", paddr_bits - PAGE_SHIFT);
    rc |= deny(d, lapic, lapic, "local APIC");
    rc |= deny(d, MSI_FIRST_MFN, MSI_LAST_MFN, "MSI address window");
    if (ht_end)
        rc |= deny(d, ht_end - HT_HOLE_FRAMES, ht_end - 1, "HyperTransport range");
    e820 = mm_machine_e820(&n);
    for (i = 0; i < n; i++) {
        first = e820[i].addr >> PAGE_SHIFT;
        last = (e820[i].addr + e820[i].size - 1) >> PAGE_SHIFT;
        if (e820[i].type == 5 && e820[i].size && last >= 0x100)
            rc |= deny(d, first < 0x100 ? 0x100 : first, last, "unusable range");
    }
    n = acpi_ioapics(ioapic, MAX_IOAPICS);
    for (i = 0; i < n; i++)
        rc |= read_only(d, ioapic[i] >> PAGE_SHIFT, "IO-APIC");
    if (acpi_hpet(&hpet, &page_protect)) {
        hpet >>= PAGE_SHIFT;
        if (page_protect == 1)
            rc |= deny(d, hpet, hpet, "HPET");
        else if (page_protect == 2)
            rc |= deny(d, hpet, hpet + 15, "HPET");
        else
            rc |= read_only(d, hpet, "HPET");
    }
    if (rc)
        panic("cannot set up dom0's I/O memory rights (%d)", rc);
}
