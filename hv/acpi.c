/*
 * hv/acpi.c - the few ACPI facts pvmm-hv needs: where the IO-APICs and the HPET are, so
 * that the hardware domain's I/O memory rights can leave them out (dom0-perms.c).
 *
 * The MADT also lists the processors: their local APIC IDs are the CPUs smpboot.c starts,
 * and their ACPI processor ids are what platform_op's get_cpuinfo reports.
 *
 * The tables are found the usual way: the RSDP ("RSD PTR ", checksummed) in the first KiB
 * of the EBDA or in the BIOS area 0xe0000-0xfffff, then the XSDT (revision 2 and later) or
 * the RSDT, whose entries point at tables identified by a 4-byte signature.  Everything is
 * read through the direct map (the first 4 GiB); a table that does not lie entirely below
 * 4 GiB, or whose checksum is wrong, is ignored.  Nothing here is guest input.
 */
#include "hv.h"

#define ACPI_HEADER_LEN  36
#define DIRECTMAP_LIMIT  DIRECTMAP_SIZE

static const uint8_t *phys(uint64_t pa)
{
    return (const uint8_t *)(DIRECTMAP_VIRT_START + pa);
}

static uint32_t rd32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static uint64_t rd64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, sizeof(v));
    return v;
}

static bool sum_is_zero(const uint8_t *p, size_t n)
{
    uint8_t sum = 0;
    for (size_t i = 0; i < n; i++)
        sum = (uint8_t)(sum + p[i]);
    return sum == 0;
}

/* The RSDP in [pa, pa + len) on a 16-byte boundary, or NULL. */
static const uint8_t *scan_rsdp(uint64_t pa, uint64_t len)
{
    for (uint64_t a = pa & ~15UL; a + 20 <= pa + len; a += 16) {
        const uint8_t *p = phys(a);
        if (memcmp(p, "RSD PTR ", 8) == 0 && sum_is_zero(p, 20))
            return p;
    }
    return NULL;
}

static const uint8_t *find_rsdp(void)
{
    uint64_t ebda = (uint64_t)*(const uint16_t *)phys(0x40e) << 4;
    const uint8_t *p = NULL;

    if (ebda >= 0x80000 && ebda < 0xa0000)
        p = scan_rsdp(ebda, 1024);
    return p ? p : scan_rsdp(0xe0000, 0x20000);
}

/* The table at physical address pa if it lies below 4 GiB and its checksum holds. */
static const uint8_t *table_at(uint64_t pa)
{
    uint32_t len;

    if (pa >= DIRECTMAP_LIMIT - ACPI_HEADER_LEN)
        return NULL;
    len = rd32(phys(pa) + 4);
    if (len < ACPI_HEADER_LEN || pa + len > DIRECTMAP_LIMIT || !sum_is_zero(phys(pa), len))
        return NULL;
    return phys(pa);
}

/* The first table with signature sig (4 characters), or NULL. */
static const uint8_t *acpi_find_table(const char *sig)
{
    const uint8_t *rsdp = find_rsdp(), *root;
    unsigned int entry_len = 4;
    uint64_t root_pa;

    if (!rsdp)
        return NULL;
    root_pa = rd32(rsdp + 16);                          /* RSDT */
    if (rsdp[15] >= 2 && rd64(rsdp + 24)) {             /* XSDT */
        root_pa = rd64(rsdp + 24);
        entry_len = 8;
    }
    root = table_at(root_pa);
    if (!root)
        return NULL;
    for (uint32_t off = ACPI_HEADER_LEN; off + entry_len <= rd32(root + 4); off += entry_len) {
        uint64_t pa = entry_len == 8 ? rd64(root + off) : rd32(root + off);
        const uint8_t *t = table_at(pa);
        if (t && memcmp(t, sig, 4) == 0)
            return t;
    }
    return NULL;
}

/*
 * The entry of the MADT after the one at *off (the first one for *off == 0), or NULL at the
 * end of the table or at an entry too short to step over.
 */
static const uint8_t *madt_next(const uint8_t *madt, uint32_t *off)
{
    uint32_t o = *off ? *off + madt[*off + 1] : 44;

    if (o + 2 > rd32(madt + 4) || madt[o + 1] < 2)
        return NULL;
    *off = o;
    return madt + o;
}

/*
 * The local APIC IDs of up to max enabled processors (MADT entries of type 0 with flag bit 0),
 * in the table's order; returns how many.  No MADT: 0 (the caller runs on the boot CPU).
 */
unsigned int acpi_cpus(uint32_t *apic_ids, unsigned int max)
{
    const uint8_t *madt = acpi_find_table("APIC"), *e;
    unsigned int n = 0;
    uint32_t off = 0;

    while (madt && n < max && (e = madt_next(madt, &off)) != NULL)
        if (e[0] == 0 && e[1] >= 8 && (rd32(e + 4) & 1))
            apic_ids[n++] = e[3];
    return n;
}

/* The MMIO addresses of up to max IO-APICs (MADT entries of type 1); returns how many. */
unsigned int acpi_ioapics(uint64_t *addr, unsigned int max)
{
    const uint8_t *madt = acpi_find_table("APIC"), *e;
    unsigned int n = 0;
    uint32_t off = 0;

    while (madt && n < max && (e = madt_next(madt, &off)) != NULL)
        if (e[0] == 1 && e[1] >= 12)
            addr[n++] = rd32(e + 4);
    return n;
}

/* The first GSI of the IO-APIC at MMIO address addr (its MADT entry), or -1 if none. */
int64_t acpi_ioapic_gsi_base(uint64_t addr)
{
    const uint8_t *madt = acpi_find_table("APIC"), *e;
    uint32_t off = 0;

    while (madt && (e = madt_next(madt, &off)) != NULL)
        if (e[0] == 1 && e[1] >= 12 && rd32(e + 4) == addr)
            return rd32(e + 8);
    return -1;
}

/*
 * The HPET's MMIO address and page-protection attribute (low 4 bits of the table's byte
 * 55: 0 none, 1 the 4 KiB page, 2 the 64 KiB around it).  False if there is no HPET table.
 */
bool acpi_hpet(uint64_t *addr, unsigned int *page_protect)
{
    const uint8_t *hpet = acpi_find_table("HPET");

    if (!hpet || rd32(hpet + 4) < 56)
        return false;
    *addr = rd64(hpet + 44);
    *page_protect = hpet[55] & 0xf;
    return true;
}

/*
 * The ACPI processor id (UID) the MADT gives the CPU with local APIC id apic_id: from a
 * processor local APIC entry (type 0) or a local x2APIC entry (type 9).  False if none
 * names it.
 */
bool acpi_processor_uid(uint32_t apic_id, uint32_t *uid)
{
    const uint8_t *madt = acpi_find_table("APIC"), *e;
    uint32_t off = 0;

    while (madt && (e = madt_next(madt, &off)) != NULL) {
        if (e[0] == 0 && e[1] >= 8 && e[3] == apic_id) {
            *uid = e[2];
            return true;
        }
        if (e[0] == 9 && e[1] >= 16 && rd32(e + 4) == apic_id) {
            *uid = rd32(e + 12);
            return true;
        }
    }
    return false;
}
