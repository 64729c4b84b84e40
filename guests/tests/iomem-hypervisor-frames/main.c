/*
 * iomem-hypervisor-frames: the hardware domain maps I/O memory, but never a frame through
 * which the hypervisor's CPU can be driven.
 *
 * The story. A PV dom0 maps device memory (frames that are not RAM) with ordinary
 * mmu_update requests; what it may map is its I/O memory rights, set up by Xen's
 * dom0_setup_permissions: the whole physical address space, minus the frames the hypervisor
 * owns or uses. Among them are the local APIC and the MSI address window 0xfee00000-
 * 0xfeefffff: a store there is an interrupt message - an NMI, INIT or SIPI to the CPU the
 * hypervisor runs on. A dom0 that could map the local APIC could reset or NMI the hypervisor
 * at will (it did on pvmm-hv once: a self-NMI through the ICR, and the hypervisor panicked).
 * On AMD CPUs the HyperTransport range (the 12 GiB below 2^40) is refused too, and so is
 * everything beyond the CPU's physical-address width. IO-APICs and the HPET stay readable:
 * a writable mapping of one is accepted but stored read-only. The first MiB (interrupt
 * vectors, BIOS data, EBDA, VGA, ROMs) is I/O memory dom0 may map, read-only and writable.
 *
 * Measured on Xen 4.17.7 (QEMU 10 TCG, qemu64: AuthenticAMD family 0x15, 40 address bits),
 * with mmu_update on an L1 entry of the guest, FD = DOMID_SELF (and DOMID_IO, which names
 * the caller's own rights) - every row below, read-only and writable:
 *   frames 0, 1, 0x9f, 0xa0, 0xff, 0xfebff, 0xfef00   0, the entry as asked (forced UC)
 *   IO-APIC 0xfec00, HPET 0xfed00                      0, a writable request stored RO
 *   local APIC 0xfee00, MSI window 0xfee01..0xfeeff    -EPERM
 *   HyperTransport 0xfd00000..0xfffffff (AMD)          -EPERM (0xfcfffff: 0)
 *   2^28 (beyond 40 bits), 0xfffffffffe               -EPERM
 *   the all-ones frame 0xffffffffff                   -EINVAL
 *   RAM that is not the domain's (frame 0x100)        -EBUSY
 * A refused request leaves the entry as it was.
 */
#include "guest.h"

const char test_title[] = "I/O memory: the low MiB maps, the LAPIC/MSI/HT frames do not";

/* Expected outcome of mapping one frame. */
enum outcome { MAPS, MAPS_RO, PERM, INVAL, BUSY };

struct row {
    const char *what;
    unsigned long mfn;
    enum outcome out;
};

static const struct row rows[] = {
    { "frame 0 (interrupt vectors)", 0x0, MAPS },
    { "frame 1 (BIOS data)", 0x1, MAPS },
    { "EBDA", 0x9f, MAPS },
    { "VGA window", 0xa0, MAPS },
    { "top of the first MiB", 0xff, MAPS },
    { "below the IO-APIC", 0xfebff, MAPS },
    { "IO-APIC", 0xfec00, MAPS_RO },
    { "HPET", 0xfed00, MAPS_RO },
    { "local APIC", 0xfee00, PERM },
    { "MSI window", 0xfee01, PERM },
    { "end of the MSI window", 0xfeeff, PERM },
    { "above the MSI window", 0xfef00, MAPS },
    { "all-ones frame", 0xffffffffffUL, INVAL },
    { "far beyond the address width", 0xfffffffffeUL, PERM },
};

static const char *const outcome_names[] = { "maps", "maps read-only", "-EPERM", "-EINVAL",
                                             "-EBUSY" };

static unsigned long scratch_va, scratch_mfn;
static uint64_t *scratch_l1e;

/* Map mfn at the scratch entry, read-only or writable, through mmu_update with FD fd. */
static long map(uint64_t *l1e, unsigned long mfn, bool rw, unsigned int fd)
{
    struct mmu_update req = {
        .ptr = virt_to_maddr(l1e),
        .val = ((uint64_t)mfn << PAGE_SHIFT) | (rw ? PTE_FLAGS_RW : PTE_FLAGS_RO),
    };

    return hypercall_mmu_update(&req, 1, NULL, fd);
}

/*
 * Map frame mfn read-only and writable, with FD = DOMID_SELF and DOMID_IO, at the scratch
 * entry and compare with the expected outcome; false (after a report) on a mismatch.
 */
static bool check(const char *what, unsigned long mfn, enum outcome out)
{
    uint64_t *l1e = scratch_l1e;
    static const long err[] = { 0, 0, -XEN_EPERM, -XEN_EINVAL, -XEN_EBUSY };
    static const unsigned int fds[] = { DOMID_SELF, DOMID_IO };
    unsigned int i, rw;

    for (i = 0; i < ARRAY_SIZE(fds); i++)
        for (rw = 0; rw < 2; rw++) {
            uint64_t before = *l1e, after;
            long rc = map(l1e, mfn, rw, fds[i]);

            after = *l1e;
            if (rc != err[out]) {
                xtf_failure("%s (frame %#lx) %s, FD %#x: %ld, expected %s", what, mfn,
                            rw ? "writable" : "read-only", fds[i], rc, outcome_names[out]);
                return false;
            }
            if (rc && after != before) {
                xtf_failure("%s: the refused request changed the entry to %#lx", what,
                            (unsigned long)after);
                return false;
            }
            if (!rc && (pte_mfn(after) != mfn || !!(after & _PAGE_RW) != (rw && out == MAPS))) {
                xtf_failure("%s %s: entry %#lx, expected %s", what,
                            rw ? "writable" : "read-only", (unsigned long)after,
                            outcome_names[out]);
                return false;
            }
            if (!rc && pt_map_mfn(scratch_va, scratch_mfn, PTE_FLAGS_RW)) {
                xtf_error("cannot restore the scratch mapping");
                return false;
            }
        }
    printk("%-36s %#lx: %s\n", what, mfn, outcome_names[out]);
    return true;
}

/* The first frame above the HyperTransport hole on AMD/Hygon CPUs, 0 on any other. */
static unsigned long ht_hole_end(unsigned int paddr_bits)
{
    uint32_t r[4];
    unsigned int family;

    pv_cpuid(0, 0, r);
    if (!(r[1] == 0x68747541 && r[3] == 0x69746e65 && r[2] == 0x444d4163) &&   /* AMD */
        !(r[1] == 0x6f677948 && r[3] == 0x6e65476e && r[2] == 0x656e6975))     /* Hygon */
        return 0;
    pv_cpuid(1, 0, r);
    family = (r[0] >> 8) & 0xf;
    if (family == 0xf)
        family += (r[0] >> 20) & 0xff;
    return 1UL << ((family < 0x17 ? 40 : paddr_bits) - PAGE_SHIFT);
}

int test_main(void)
{
    unsigned long limit, ht_end, ram;
    unsigned int i, paddr_bits;
    uint32_t r[4];
    uint8_t byte;

    scratch_va = (unsigned long)alloc_page();
    scratch_mfn = virt_to_mfn((void *)scratch_va);
    scratch_l1e = pt_entry(scratch_va, 1);
    if (!scratch_l1e)
        return xtf_error("no L1 entry for the scratch page");

    pv_cpuid(0x80000000, 0, r);
    paddr_bits = 36;
    if (r[0] >= 0x80000008) {
        pv_cpuid(0x80000008, 0, r);
        paddr_bits = r[0] & 0xff;
    }
    limit = 1UL << (paddr_bits - PAGE_SHIFT);
    ht_end = ht_hole_end(paddr_bits);
    printk("physical address bits %u; HyperTransport hole %s\n", paddr_bits,
           ht_end ? "below 2^40" : "none (not AMD)");

    for (i = 0; i < ARRAY_SIZE(rows); i++)
        if (!check(rows[i].what, rows[i].mfn, rows[i].out))
            return 0;
    if ((ht_end != limit && !check("last frame of the address width", limit - 1, MAPS)) ||
        !check("first frame beyond the address width", limit, PERM))
        return 0;
    if (ht_end && (!check("below the HyperTransport hole", ht_end - 0x300001, MAPS) ||
                   !check("HyperTransport hole, first frame", ht_end - 0x300000, PERM) ||
                   !check("HyperTransport hole, last frame", ht_end - 1, PERM)))
        return 0;

    /* RAM above the first MiB that is not ours: the hypervisor's or free, never I/O. */
    for (ram = 0x100; ram < 0x200 && mfn_to_virt(ram); ram++)
        ;
    if (!check("RAM that is not the domain's", ram, BUSY))
        return 0;

    /* The interrupt vector table reads the same through a writable mapping of frame 0. */
    if (pt_map_mfn(scratch_va, 0, PTE_FLAGS_RW))
        return xtf_failure("frame 0 does not map writable");
    if (probe_read8((void *)(scratch_va + 0x20), &byte, NULL))
        return xtf_failure("reading frame 0 through its mapping faulted");
    printk("frame 0 byte 0x20 (vector 8's offset): %#x\n", byte);
    if (pt_map_mfn(scratch_va, scratch_mfn, PTE_FLAGS_RW))
        return xtf_error("cannot restore the scratch mapping");
    return xtf_success();
}
