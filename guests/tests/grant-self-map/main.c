/*
 * grant-self-map: a domain grants its own frames to itself and maps them, with Xen 4.17's
 * answers for each kind of mapping and each refusal.
 *
 * Measured on Xen 4.17 (and asserted here):
 *   - the table starts as version 1 with 1 frame of at most 64; setup_table and query_size
 *     take exactly one element (-EINVAL otherwise), 65 frames give GNTST_general_error;
 *   - map_grant_ref names the granter by id: DOMID_SELF is GNTST_bad_domain; no host or
 *     device flag, or a reference beyond the table, is GNTST_bad_gntref; an invalid entry
 *     GNTST_general_error; cmd with continuation bits -EINVAL; dump_table -ENOSYS;
 *   - a host mapping writes the PTE P|RW|U|A|D, NX and the guest-kernel bit 52 (no bit 62:
 *     release Xen has no _PAGE_GNTTAB); the entry gets GTF_reading|GTF_writing; unmapping
 *     at an address whose PTE maps another frame is GNTST_general_error, an unknown handle
 *     GNTST_bad_handle; after the unmap the PTE is 0 and the flags are as the guest wrote;
 *   - a read-only grant refuses a writable map (general_error); a read-only application
 *     map with guest-available bits 5 gives PTE NX|0xb65 (USER, GLOBAL, bits 9 and 11);
 *   - a device mapping returns dev_bus_addr = the frame's machine address; unmap with
 *     dev_bus_addr 0 does nothing (okay), with a wrong one GNTST_bad_dev_addr;
 *   - swap_grant_ref of a mapped entry is GNTST_eagain, of an entry with itself okay;
 *   - copy from a grant to our own frame works; len past the page is GNTST_bad_copy_arg,
 *     a frame (not a grant) named by our numeric id GNTST_permission_denied.
 */
#include "guest.h"
#include "grant.h"

const char test_title[] = "grant tables: self-grants mapped for host and device, copy, swap";

static void expect(long got, long want, const char *what)
{
    if (got != want)
        xtf_failure("%s: got %ld, expected %ld", what, got, want);
}

static void table_checks(void)
{
    struct gnttab_query_size qs = { .dom = DOMID_SELF };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = 65 };

    expect(gnttab_op(GNTTABOP_query_size, &qs, 1), 0, "query_size");
    expect(qs.nr_frames, 1, "initial frames");
    expect(qs.max_nr_frames, 64, "max frames");
    expect(gnttab_op(GNTTABOP_query_size, &qs, 2), -XEN_EINVAL, "query_size count 2");
    expect(gnttab_get_version(), 1, "initial version");
    expect(gnttab_op(GNTTABOP_setup_table, &st, 0), -XEN_EINVAL, "setup_table count 0");
    expect(gnttab_op(GNTTABOP_setup_table, &st, 1), 0, "setup_table 65");
    expect(st.status, GNTST_general_error, "setup_table 65 status");
    expect(gnttab_op(GNTTABOP_dump_table, &qs, 1), -XEN_ENOSYS, "dump_table");
    expect(gnttab_op(GNTTABOP_map_grant_ref | (1U << 12), &qs, 1), -XEN_EINVAL,
           "map with continuation bits");
}

int test_main(void)
{
    unsigned long gt_mfn;
    grant_entry_v1_t *gt;
    char *data = alloc_page(), *slot = alloc_page(), *other = alloc_page();
    unsigned long dmfn = virt_to_mfn(data);
    uint64_t slot_va = (uint64_t)(uintptr_t)slot, pte, bus;
    struct gnttab_swap_grant_ref sw = { .ref_a = 10, .ref_b = 12 };
    grant_handle_t h, h2;

    table_checks();
    gt = gnttab_map_table(1, &gt_mfn);
    if (!gt)
        return xtf_error("no grant table");

    gnttab_grant(gt, 10, SELF_ID, dmfn, GTF_permit_access);
    {
        struct gnttab_map_grant_ref m = { .host_addr = slot_va, .flags = GNTMAP_host_map,
                                          .ref = 10, .dom = DOMID_SELF };

        expect(gnttab_op(GNTTABOP_map_grant_ref, &m, 1), 0, "map DOMID_SELF rc");
        expect(m.status, GNTST_bad_domain, "map DOMID_SELF");
    }
    expect(gnttab_map(10, 0, slot_va, &h, NULL), GNTST_bad_gntref, "map without kind");
    expect(gnttab_map(100000, GNTMAP_host_map, slot_va, &h, NULL), GNTST_bad_gntref,
           "map of a ref beyond the table");
    expect(gnttab_map(11, GNTMAP_host_map, slot_va, &h, NULL), GNTST_general_error,
           "map of an invalid entry");

    /* Host mapping, read-write. */
    expect(gnttab_map(10, GNTMAP_host_map, slot_va, &h, NULL), GNTST_okay, "host map");
    pte = pt_l1e(slot_va);
    expect((long)pte, (long)(((uint64_t)dmfn << PAGE_SHIFT) | _PAGE_NX | (1UL << 52) | 0x67),
           "host map PTE");
    expect(gt[10].flags, GTF_permit_access | GTF_reading | GTF_writing, "flags while mapped");
    pt_invlpg(slot_va);
    data[0] = 0x5a;
    expect(slot[0], 0x5a, "data through the grant mapping");
    expect(gnttab_op(GNTTABOP_swap_grant_ref, &sw, 1), 0, "swap rc");
    expect(sw.status, GNTST_eagain, "swap of a mapped entry");
    sw.ref_a = 12;
    expect(gnttab_op(GNTTABOP_swap_grant_ref, &sw, 1), 0, "swap rc");
    expect(sw.status, GNTST_okay, "swap with itself");
    expect(gnttab_unmap(h, (uint64_t)(uintptr_t)gt, 0), GNTST_general_error,
           "unmap at a PTE of another frame");
    expect(gnttab_unmap(h + 1000, slot_va, 0), GNTST_bad_handle, "unmap of a bad handle");
    expect(gnttab_unmap(h, slot_va, 0), GNTST_okay, "unmap");
    expect((long)pt_l1e(slot_va), 0, "PTE after unmap");
    expect(gt[10].flags, GTF_permit_access, "flags after unmap");

    /* Device mapping. */
    expect(gnttab_map(10, GNTMAP_device_map, 0, &h, &bus), GNTST_okay, "device map");
    expect((long)bus, (long)((uint64_t)dmfn << PAGE_SHIFT), "dev_bus_addr");
    expect(gnttab_unmap(h, 0, 0), GNTST_okay, "device unmap with bus address 0");
    expect(gt[10].flags, GTF_permit_access | GTF_reading | GTF_writing, "still mapped");
    expect(gnttab_unmap(h, 0, bus + PAGE_SIZE), GNTST_bad_dev_addr, "wrong bus address");
    expect(gnttab_unmap(h, 0, bus), GNTST_okay, "device unmap");
    expect(gt[10].flags, GTF_permit_access, "flags after device unmap");

    /* Read-only grant. */
    gnttab_grant(gt, 10, SELF_ID, dmfn, GTF_permit_access | GTF_readonly);
    expect(gnttab_map(10, GNTMAP_host_map, slot_va, &h, NULL), GNTST_general_error,
           "writable map of a read-only grant");
    expect(gnttab_map(10, GNTMAP_host_map | GNTMAP_readonly | GNTMAP_application_map |
                      (5U << 16), slot_va, &h, NULL), GNTST_okay, "read-only map");
    expect((long)pt_l1e(slot_va), (long)(((uint64_t)dmfn << PAGE_SHIFT) | _PAGE_NX | 0xb65),
           "read-only application map PTE");
    expect(gt[10].flags, GTF_permit_access | GTF_readonly | GTF_reading, "read-only flags");
    /* A second, device mapping of the same grant: two handles. */
    expect(gnttab_map(10, GNTMAP_device_map | GNTMAP_readonly, 0, &h2, &bus), GNTST_okay,
           "second mapping");
    expect(gnttab_unmap(h, slot_va, 0), GNTST_okay, "read-only unmap");
    expect(gt[10].flags, GTF_permit_access | GTF_readonly | GTF_reading, "one left");
    expect(gnttab_unmap(h2, 0, bus), GNTST_okay, "second unmap");
    expect(gt[10].flags, GTF_permit_access | GTF_readonly, "none left");

    /* Copy. */
    memcpy(data + 8, "pvmm", 4);
    expect(gnttab_copy_ref(10, SELF_ID, 8, virt_to_mfn(other), DOMID_SELF, 100, 4), GNTST_okay,
           "copy");
    expect(memcmp(other + 100, "pvmm", 4), 0, "copied bytes");
    expect(gt[10].flags, GTF_permit_access | GTF_readonly, "flags after copy");
    expect(gnttab_copy_ref(10, SELF_ID, 8, virt_to_mfn(other), DOMID_SELF, 100, 4000),
           GNTST_bad_copy_arg, "copy past the page");
    expect(gnttab_copy_ref(10, SELF_ID, 8, virt_to_mfn(other), SELF_ID, 100, 4),
           GNTST_permission_denied, "copy to a frame named by our id");
    return xtf_success();
}
