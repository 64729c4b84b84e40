/*
 * grant-pte-forms: the other ways a grant PTE is made and taken away - contains_pte,
 * unmap_and_replace, and a grant PTE the guest zaps itself.
 *
 * Measured on Xen 4.17 (and asserted here):
 *   - unmap_and_replace moves the PTE at new_addr into the grant's slot and clears
 *     new_addr; the grant is then unpinned (flags back to what the guest wrote); with a
 *     contains_pte mapping and a new_addr it is GNTST_general_error;
 *   - unmap_and_replace of a mapping without a host part is GNTST_okay and does nothing
 *     (host_addr 0 or not; the device mapping stays until unmapped);
 *   - the grant's cache bits (GTF_PWT, GTF_PCD, GTF_PAT) do not reach the PTE of a RAM
 *     frame;
 *   - a grant PTE overwritten by update_va_mapping (release Xen has no _PAGE_GNTTAB to
 *     object) is gone, but the grant stays pinned: unmap at that address is then
 *     GNTST_general_error, with host_addr 0 okay and nothing done (the flags stay
 *     GTF_reading|GTF_writing and a set_version is -EBUSY); it is released when the domain
 *     dies.
 */
#include "guest.h"
#include "grant.h"

const char test_title[] = "grant tables: contains_pte, unmap_and_replace, a zapped grant PTE";

static void expect(long got, long want, const char *what)
{
    if (got != want)
        xtf_failure("%s: got %ld, expected %ld", what, got, want);
}

int test_main(void)
{
    unsigned long gt_mfn;
    grant_entry_v1_t *gt = gnttab_map_table(1, &gt_mfn);
    char *data = alloc_page(), *slot = alloc_page(), *spare = alloc_page();
    uint64_t slot_va = (uint64_t)(uintptr_t)slot, spare_va = (uint64_t)(uintptr_t)spare;
    uint64_t spare_pte = pt_l1e(spare_va), pte_maddr;
    struct gnttab_unmap_and_replace r;
    unsigned int version;
    grant_handle_t h;

    if (!gt)
        return xtf_error("no grant table");
    gnttab_grant(gt, 10, SELF_ID, virt_to_mfn(data), GTF_permit_access);

    expect(gnttab_map(10, GNTMAP_host_map, slot_va, &h, NULL), GNTST_okay, "map");
    memset(&r, 0, sizeof(r));
    r.host_addr = slot_va;
    r.new_addr = spare_va;
    r.handle = h;
    expect(gnttab_op(GNTTABOP_unmap_and_replace, &r, 1), 0, "unmap_and_replace rc");
    expect(r.status, GNTST_okay, "unmap_and_replace");
    expect((long)pt_l1e(slot_va), (long)spare_pte, "moved PTE");
    expect((long)pt_l1e(spare_va), 0, "new_addr cleared");
    expect(gt[10].flags, GTF_permit_access, "flags after unmap_and_replace");

    pte_maddr = virt_to_maddr(pt_entry(spare_va, 1));
    expect(gnttab_map(10, GNTMAP_host_map | GNTMAP_contains_pte, pte_maddr, &h, NULL),
           GNTST_okay, "contains_pte map");
    r.host_addr = pte_maddr;
    r.new_addr = slot_va;
    r.handle = h;
    expect(gnttab_op(GNTTABOP_unmap_and_replace, &r, 1), 0, "unmap_and_replace rc");
    expect(r.status, GNTST_general_error, "replace of a contains_pte mapping");
    expect(gnttab_unmap(h, pte_maddr, 0), GNTST_okay, "contains_pte unmap");
    expect(gt[10].flags, GTF_permit_access, "flags after contains_pte unmap");

    /* The grant's cache bits (PWT, PCD, PAT) stay out of the PTE of a RAM frame. */
    gnttab_grant(gt, 11, SELF_ID, virt_to_mfn(data),
                 GTF_permit_access | GTF_PWT | GTF_PCD | GTF_PAT);
    expect(gnttab_map(11, GNTMAP_host_map, slot_va, &h, NULL), GNTST_okay, "map with cache bits");
    expect((long)(pt_l1e(slot_va) & 0x98), 0, "cache bits of the grant PTE");
    expect(gnttab_unmap(h, slot_va, 0), GNTST_okay, "unmap of it");

    /* unmap_and_replace of a mapping without a host part: okay, nothing done. */
    {
        uint64_t bus = 0, spare_now = pt_l1e(spare_va);

        expect(gnttab_map(10, GNTMAP_device_map, 0, &h, &bus), GNTST_okay, "device map");
        r.handle = h;
        r.host_addr = 0;
        r.new_addr = slot_va;
        expect(gnttab_op(GNTTABOP_unmap_and_replace, &r, 1), 0, "replace rc");
        expect(r.status, GNTST_okay, "replace of a device mapping, host_addr 0");
        r.host_addr = slot_va;
        r.new_addr = spare_va;
        expect(gnttab_op(GNTTABOP_unmap_and_replace, &r, 1), 0, "replace rc");
        expect(r.status, GNTST_okay, "replace of a device mapping, host_addr a slot");
        expect((long)pt_l1e(spare_va), (long)spare_now, "new_addr left alone");
        expect(gnttab_unmap(h, 0, bus), GNTST_okay, "device unmap after the replaces");
    }

    /* A grant PTE zapped behind the grant table's back. */
    expect(gnttab_map(10, GNTMAP_host_map, spare_va, &h, NULL), GNTST_okay, "map again");
    expect(pt_update_va(spare_va, 0, UVMF_INVLPG), 0, "zap the grant PTE");
    expect(gt[10].flags, GTF_permit_access | GTF_reading | GTF_writing, "still pinned");
    expect(gnttab_unmap(h, spare_va, 0), GNTST_general_error, "unmap of the zapped PTE");
    expect(gnttab_unmap(h, 0, 0), GNTST_okay, "unmap of nothing");
    expect(gt[10].flags, GTF_permit_access | GTF_reading | GTF_writing, "pinned until death");
    expect(gnttab_set_version(2, &version), -XEN_EBUSY, "set_version(2)");
    return xtf_success();
}
