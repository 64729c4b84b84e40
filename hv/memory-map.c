/*
 * hv/memory-map.c - the machine's memory as the privileged domain is told about it:
 * XENMEM_machine_memory_map and XENMEM_machphys_mfn_list (Xen's x86 arch_memory_op).
 *
 * machine_memory_map: the firmware's memory map (the multiboot map, every type, in its order)
 * plus, in the gaps between its entries, a reserved entry for each range of I/O memory the
 * domain may not map that is followed by one it may, or by the next entry (Xen reports the
 * holes in dom0's I/O-memory rights this way, so that dom0 does not place anything there).
 * The buffer must have room for one entry more than is written.  The frames dom0 may not map
 * are its I/O-memory rights (dom0-perms.c: the local APIC and MSI window, the AMD
 * HyperTransport hole, unusable ranges, a protected HPET, everything at or above the CPU's
 * physical-address width), and the IO-APIC page is reported as a hole too, as Xen does.
 *
 * machphys_mfn_list: the first mfn of each 2 MiB of the M2P, as many as the M2P covers
 * (max_ram_page entries of 8 bytes), at most max_extents.  The M2P's frames are shared
 * read-only with privileged guests (mmglue_init), so dom0 can map them through DOMID_XEN.
 */
#include "hv.h"
#include <xen/xen.h>
#include <xen/memory.h>

#define E820_RESERVED 2

/*
 * Holes reported besides the ones in the domain's I/O-memory rights: the IO-APIC page, which
 * Xen 4.17 reports as reserved although its dom0 may map it read-only (measured).
 */
static const struct { uint64_t first, last; } extra_holes[] = {
    { 0xfec00, 0xfec00 },
};

/* Frames not to be reported as usable, [first, last], in no particular order. */
#define MAX_DENIED (PVMM_RANGESET_MAX + 2)
struct denied {
    unsigned int nr;
    struct { uint64_t first, last; } r[MAX_DENIED];
};

/* The complement of d's I/O-memory rights, plus extra_holes. */
static void denied_ranges(const struct domain *d, struct denied *out)
{
    const struct rangeset *caps = &d->iomem_caps;
    uint64_t next = 0;

    out->nr = 0;
    for (unsigned int i = 0; i < caps->nr; i++) {
        if (caps->r[i].s > next) {
            out->r[out->nr].first = next;
            out->r[out->nr++].last = caps->r[i].s - 1;
        }
        next = caps->r[i].e + 1;
    }
    if (next != 0) {                     /* 0: the last range ended at ~0 */
        out->r[out->nr].first = next;
        out->r[out->nr++].last = ~0UL;
    }
    for (unsigned int i = 0; i < sizeof(extra_holes) / sizeof(extra_holes[0]); i++) {
        out->r[out->nr].first = extra_holes[i].first;
        out->r[out->nr++].last = extra_holes[i].last;
    }
}

/* The e820 entry layout of the ABI: 20 bytes, packed. */
struct e820entry {
    uint64_t addr, size;
    uint32_t type;
} __attribute__((packed));

/* Xen's memory_map_context: the walk over the map and the guest buffer. */
struct map_ctxt {
    struct xen_memory_map map;
    bool store;
    uint32_t n;          /* entries counted (and written, if store) */
    uint64_t s;          /* first frame not yet accounted for */
    uint64_t paddr_limit;   /* first frame beyond the physical-address width */
    struct denied denied;   /* frames the domain may not map */
};

/* Write entry n of the guest buffer: 0 or -EFAULT. */
static int put_entry(const struct map_ctxt *c, uint32_t n, uint64_t addr, uint64_t size,
                     uint32_t type)
{
    struct e820entry e = { addr, size, type };
    return copy_to_guest_va(c->map.buffer + (uint64_t)n * sizeof(e), &e, sizeof(e));
}

/* Xen's handle_iomem_range: frames [s, e] may be mapped; report the hole before them. */
static int permitted_range(struct map_ctxt *c, uint64_t s, uint64_t e)
{
    if (s > c->s && s < c->paddr_limit) {
        if (c->store) {
            if (c->n + 1 >= c->map.nr_entries)
                return -XEN_EINVAL;
            if (put_entry(c, c->n, c->s << PAGE_SHIFT, (s - c->s) << PAGE_SHIFT,
                          E820_RESERVED))
                return -XEN_EFAULT;
        }
        c->n++;
    }
    c->s = e + 1;
    return 0;
}

/* Report every range of frames dom0 may map within [s, e] (Xen's rangeset_report_ranges). */
static int report_permitted(struct map_ctxt *c, uint64_t s, uint64_t e)
{
    uint64_t cur = s;

    while (cur <= e && cur < c->paddr_limit) {
        uint64_t end = e < c->paddr_limit - 1 ? e : c->paddr_limit - 1;
        bool denied = false;
        int rc;

        for (unsigned int i = 0; i < c->denied.nr; i++) {
            if (cur >= c->denied.r[i].first && cur <= c->denied.r[i].last) {
                if (c->denied.r[i].last == ~0UL)
                    return 0;
                cur = c->denied.r[i].last + 1;
                denied = true;
                break;
            }
            if (c->denied.r[i].first > cur && c->denied.r[i].first - 1 < end)
                end = c->denied.r[i].first - 1;
        }
        if (denied)
            continue;
        rc = permitted_range(c, cur, end);
        if (rc)
            return rc;
        cur = end + 1;
    }
    return 0;
}

long hv_machine_memory_map(uint64_t arg)
{
    unsigned int nr;
    const struct hv_e820 *e820 = mm_machine_e820(&nr);
    struct map_ctxt c = { .paddr_limit = 1UL << (cpu_paddr_bits() - PAGE_SHIFT) };
    int rc;

    if (!current->domain->is_privileged)
        return -XEN_EPERM;
    denied_ranges(current->domain, &c.denied);
    if (copy_from_guest_va(&c.map, arg, sizeof(c.map)))
        return -XEN_EFAULT;
    c.store = c.map.buffer != 0;
    if (c.store && c.map.nr_entries < nr + 1)
        return -XEN_EINVAL;
    if (c.store && !guest_range_ok(c.map.buffer, 1))
        return -XEN_EFAULT;
    for (unsigned int i = 0; i < nr; i++, c.n++) {
        uint64_t s = e820[i].addr >> PAGE_SHIFT;

        if (s > c.s) {
            rc = report_permitted(&c, c.s, s - 1);
            if (!rc)
                rc = permitted_range(&c, s, s);
            if (rc)
                return rc;
        }
        if (c.store) {
            if (c.map.nr_entries <= c.n + (nr - i))
                return -XEN_EINVAL;
            if (put_entry(&c, c.n, e820[i].addr, e820[i].size, e820[i].type))
                return -XEN_EFAULT;
        }
        c.s = (e820[i].addr + e820[i].size + PAGE_SIZE - 1) >> PAGE_SHIFT;
    }
    if (c.s) {
        rc = report_permitted(&c, c.s, ~0UL);
        if (rc)
            return rc;
    }
    c.map.nr_entries = c.n;
    if (copy_to_guest_va(arg, &c.map, sizeof(c.map)))
        return -XEN_EFAULT;
    return 0;
}

long hv_machphys_mfn_list(uint64_t arg)
{
    struct xen_machphys_mfn_list l;
    uint64_t m2p_bytes = max_ram_pfn * sizeof(uint64_t);
    uint32_t i;

    if (copy_from_guest_va(&l, arg, sizeof(l)))
        return -XEN_EFAULT;
    for (i = 0; i != l.max_extents && ((uint64_t)i << 21) < m2p_bytes; i++) {
        uint64_t mfn = hv_m2p_mfn + ((uint64_t)i << (21 - PAGE_SHIFT));
        if (copy_to_guest_va(l.extent_start + (uint64_t)i * sizeof(mfn), &mfn, sizeof(mfn)))
            return -XEN_EFAULT;
    }
    l.nr_extents = i;
    if (copy_to_guest_va(arg, &l, sizeof(l)))
        return -XEN_EFAULT;
    return 0;
}
