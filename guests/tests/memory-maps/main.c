/*
 * memory-maps: what a PV dom0 learns about memory from memory_op: the machine's memory map
 * (XENMEM_machine_memory_map), its own pseudo-physical map (XENMEM_memory_map) and the frames
 * of the M2P (XENMEM_machphys_mfn_list).
 *
 * Linux as dom0 builds its e820 from the machine map (it stops with BUG() when the call
 * fails) and needs the M2P's frames to map the M2P itself.  Measured on Xen 4.17 under QEMU:
 *   - machine_memory_map gives the firmware's e820 (RAM, reserved, ...) plus a reserved entry
 *     for each range between them that dom0 may not map (the IO-APIC page, the local APIC and
 *     MSI window 0xfee00000-0xfeefffff); a null buffer returns 0 and the count; a buffer must
 *     have room for one entry more than is written, else -EINVAL; a buffer in the hypervisor's
 *     half gives -EFAULT; continuation bits in cmd give -ENOSYS;
 *   - memory_map gives -ENOSYS: the domain builder sets no pseudo-physical map for a PV dom0
 *     (Linux then uses [0, nr_pages));
 *   - machphys_mfn_list writes the first mfn of each 2 MiB of the M2P (one for up to 256 Ki
 *     frames of RAM) and their number; max_extents 0 writes none; a list in the hypervisor's
 *     half gives -EFAULT; the compat variant (for 32-bit guests) -EOPNOTSUPP;
 *   - an M2P frame from the list maps read-only through DOMID_XEN and shows the M2P.
 * The machine map is the firmware's, so its entries differ between xen-run (SeaBIOS, 512 MiB)
 * and hv-run (qboot, 128 MiB); the test checks what holds for both: entries sorted and
 * disjoint, every frame of the domain in a RAM entry, the local APIC in a reserved one.
 */
#include "guest.h"
#include <xen/memory.h>

const char test_title[] = "memory maps: machine_memory_map, memory_map, machphys_mfn_list";

#define E820_RAM       1
#define E820_RESERVED  2
#define MAX_ENTRIES    64
#define XEN_HALF       0xffff830000000000UL
#define LAPIC_ADDR     0xfee00000UL

struct e820entry {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));
_Static_assert(sizeof(struct e820entry) == 20, "e820 entries are 20 bytes");

static struct e820entry map[MAX_ENTRIES + 1];

static long machine_map(uint32_t nr, void *buf, uint32_t *out)
{
    struct xen_memory_map m = { .nr_entries = nr, .buffer = (uint64_t)(uintptr_t)buf };
    long rc = hypercall_memory_op(XENMEM_machine_memory_map, &m);

    *out = m.nr_entries;
    return rc;
}

/* The entry containing [addr, addr + len), or NULL. */
static const struct e820entry *entry_for(unsigned int n, uint64_t addr, uint64_t len)
{
    for (unsigned int i = 0; i < n; i++)
        if (addr >= map[i].addr && addr + len <= map[i].addr + map[i].size)
            return &map[i];
    return NULL;
}

static void machine_memory_map(void)
{
    uint32_t n, got;
    unsigned long nr_pages = start_info->nr_pages, i;
    const struct e820entry *e;
    long rc;

    rc = machine_map(0, NULL, &n);
    printk("machine_memory_map, null buffer: rc %ld, %u entries\n", rc, n);
    if (rc != 0 || n < 2 || n > MAX_ENTRIES)
        return (void)xtf_failure("null buffer: rc %ld count %u", rc, n);
    rc = machine_map(n, map, &got);
    if (rc != -XEN_EINVAL)
        xtf_failure("room for exactly %u entries: rc %ld, expected -EINVAL", n, rc);
    rc = machine_map(1, map, &got);
    if (rc != -XEN_EINVAL)
        xtf_failure("room for 1 entry: rc %ld, expected -EINVAL", rc);
    rc = machine_map(n + 1, (void *)XEN_HALF, &got);
    if (rc != -XEN_EFAULT)
        xtf_failure("buffer in the hypervisor's half: rc %ld, expected -EFAULT", rc);
    rc = hypercall_memory_op(XENMEM_machine_memory_map | (1U << 6), NULL);
    if (rc != -XEN_ENOSYS)
        xtf_failure("continuation bits: rc %ld, expected -ENOSYS", rc);

    memset(map, 0xee, sizeof(map));
    rc = machine_map(n + 1, map, &got);
    if (rc != 0 || got != n)
        return (void)xtf_failure("room for %u: rc %ld, %u entries", n + 1, rc, got);
    for (i = 0; i < n; i++) {
        printk("  %#014lx-%#014lx type %u\n", map[i].addr, map[i].addr + map[i].size,
               map[i].type);
        if (map[i].size == 0 || map[i].type == 0 || map[i].type > 5)
            xtf_failure("entry %lu: size %#lx type %u", i, map[i].size, map[i].type);
        if (i > 0 && map[i].addr < map[i - 1].addr + map[i - 1].size)
            xtf_failure("entry %lu overlaps or precedes entry %lu", i, i - 1);
    }
    if (map[n].type != 0xeeeeeeee)
        xtf_failure("the spare entry was written");

    e = entry_for(n, LAPIC_ADDR, PAGE_SIZE);
    if (!e || e->type != E820_RESERVED)
        xtf_failure("the local APIC page is not in a reserved entry");
    e = entry_for(n, 0, 0x9f000);
    if (!e || e->type != E820_RAM)
        xtf_failure("the first 636 KiB are not RAM");
    for (i = 0; i < nr_pages; i++) {
        e = entry_for(n, (uint64_t)pfn_to_mfn(i) << PAGE_SHIFT, PAGE_SIZE);
        if (!e || e->type != E820_RAM)
            return (void)xtf_failure("pfn %#lx (mfn %#lx) is not in a RAM entry", i,
                                     pfn_to_mfn(i));
    }
    printk("  all %lu frames of the domain lie in RAM entries\n", nr_pages);
}

static void pseudo_physical_map(void)
{
    struct xen_memory_map m = { .nr_entries = MAX_ENTRIES, .buffer = (uint64_t)(uintptr_t)map };
    long rc = hypercall_memory_op(XENMEM_memory_map, &m);

    printk("memory_map: rc %ld\n", rc);
    if (rc != -XEN_ENOSYS)
        xtf_failure("memory_map: rc %ld, expected -ENOSYS (no map set for a PV dom0)", rc);
}

static void machphys_mfn_list(void)
{
    static uint64_t mfns[16];
    struct xen_machphys_mfn_list l = { .max_extents = 16,
                                       .extent_start = (uint64_t)(uintptr_t)mfns };
    long max_page = hypercall_memory_op(XENMEM_maximum_ram_page, NULL);
    unsigned long want = ((unsigned long)max_page * 8 + (2UL << 20) - 1) >> 21;
    unsigned long va, i;
    long rc;

    rc = hypercall_memory_op(XENMEM_machphys_mfn_list, &l);
    printk("machphys_mfn_list: rc %ld, %u extents for %ld frames, first %#lx\n", rc,
           l.nr_extents, max_page, mfns[0]);
    if (rc != 0 || l.nr_extents != want)
        return (void)xtf_failure("machphys_mfn_list: rc %ld nr %u, expected 0 and %lu", rc,
                                 l.nr_extents, want);
    for (i = 0; i < l.nr_extents; i++)
        if (mfns[i] == 0 || (long)mfns[i] >= max_page)
            xtf_failure("extent %lu: mfn %#lx", i, mfns[i]);

    l.max_extents = 0;
    l.nr_extents = 77;
    rc = hypercall_memory_op(XENMEM_machphys_mfn_list, &l);
    if (rc != 0 || l.nr_extents != 0)
        xtf_failure("max_extents 0: rc %ld nr %u, expected 0 and 0", rc, l.nr_extents);
    l.max_extents = 16;
    l.extent_start = XEN_HALF;
    rc = hypercall_memory_op(XENMEM_machphys_mfn_list, &l);
    if (rc != -XEN_EFAULT)
        xtf_failure("list in the hypervisor's half: rc %ld, expected -EFAULT", rc);
    rc = hypercall_memory_op(XENMEM_machphys_compat_mfn_list, &l);
    if (rc != -XEN_EOPNOTSUPP)
        xtf_failure("machphys_compat_mfn_list: rc %ld, expected -EOPNOTSUPP", rc);

    /* The first M2P frame, mapped read-only through DOMID_XEN, is the M2P. */
    va = (unsigned long)alloc_page();
    {
        struct mmu_update req = {
            .ptr = virt_to_maddr(pt_entry(va, 1)) | MMU_NORMAL_PT_UPDATE,
            .val = (mfns[0] << PAGE_SHIFT) | PTE_FLAGS_RO,
        };

        rc = hypercall_mmu_update(&req, 1, NULL, DOMID_XEN);
    }
    if (rc)
        return (void)xtf_failure("mapping M2P frame %#lx through DOMID_XEN: rc %ld", mfns[0],
                                 rc);
    pt_invlpg(va);
    for (i = 0; i < 512; i++)
        if (((volatile uint64_t *)va)[i] != ((volatile uint64_t *)MACH2PHYS_VIRT_START)[i])
            return (void)xtf_failure("M2P frame %#lx differs from the M2P at entry %lu",
                                     mfns[0], i);
    printk("  M2P frame %#lx maps read-only through DOMID_XEN and shows the M2P\n", mfns[0]);
    rc = pt_map_mfn(va, mfns[0], PTE_FLAGS_RW);
    if (rc == 0)
        xtf_failure("M2P frame %#lx mapped writable", mfns[0]);
}

int test_main(void)
{
    machine_memory_map();
    pseudo_physical_map();
    machphys_mfn_list();
    return xtf_status() == XTF_RUNNING ? xtf_success() : 0;
}
