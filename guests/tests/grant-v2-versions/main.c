/*
 * grant-v2-versions: switching the grant table between versions 1 and 2 with Xen 4.17's
 * rules, and what version 2 changes.
 *
 * Measured on Xen 4.17 (and asserted here):
 *   - set_version of 3 is -EINVAL with the version in use written back; set_version
 *     ignores its count; get_version ignores its count too, and a domain that does not
 *     exist is -ESRCH;
 *   - set_version(2) while an entry beyond the 8 reserved ones is mapped is -EBUSY, the
 *     version stays 1;
 *   - a switch keeps the reserved entries 0-7 (rewritten in the new layout) and clears every
 *     other entry; query_size still says 1 frame;
 *   - under v2, get_status_frames of more frames than there are is GNTST_general_error
 *     (XSA-382 bounds it by the real count), of one frame okay; a mapped grant sets
 *     GTF_reading|GTF_writing in its status word, not in the header; a sub-page grant
 *     cannot be mapped (general_error) but can be copied within its window (outside it:
 *     general_error); get_status_frames under v1 of 0 frames is okay, of 1 general_error.
 */
#include "guest.h"
#include "grant.h"

const char test_title[] = "grant tables: set_version round trips, v2 status words, sub-pages";

static void expect(long got, long want, const char *what)
{
    if (got != want)
        xtf_failure("%s: got %ld, expected %ld", what, got, want);
}

static int16_t status_frames(unsigned int nr, uint64_t *list)
{
    struct gnttab_get_status_frames gs = { .nr_frames = nr, .dom = DOMID_SELF,
                                           .frame_list = (uint64_t)(uintptr_t)list };

    expect(gnttab_op(GNTTABOP_get_status_frames, &gs, 1), 0, "get_status_frames rc");
    return gs.status;
}

int test_main(void)
{
    unsigned long gt_mfn;
    grant_entry_v1_t *gt = gnttab_map_table(1, &gt_mfn);
    grant_entry_v2_t *g2 = (grant_entry_v2_t *)gt;
    char *data = alloc_page(), *slot = alloc_page(), *other = alloc_page();
    uint16_t *st = alloc_page();
    unsigned long dmfn = virt_to_mfn(data);
    uint64_t slot_va = (uint64_t)(uintptr_t)slot, sframe[2] = { 0, 0 };
    struct gnttab_get_version gv = { .dom = 5 };
    unsigned int version;
    grant_handle_t h;

    if (!gt)
        return xtf_error("no grant table");
    expect(gnttab_set_version(3, &version), -XEN_EINVAL, "set_version(3)");
    expect(version, 1, "version after set_version(3)");
    expect(gnttab_op(GNTTABOP_get_version, &gv, 1), -XEN_ESRCH, "get_version of dom5");
    expect(status_frames(0, sframe), GNTST_okay, "v1: 0 status frames");
    expect(status_frames(1, sframe), GNTST_general_error, "v1: 1 status frame");

    gnttab_grant(gt, 3, SELF_ID, dmfn, GTF_permit_access);
    gnttab_grant(gt, 10, SELF_ID, dmfn, GTF_permit_access);
    expect(gnttab_map(10, GNTMAP_host_map, slot_va, &h, NULL), GNTST_okay, "v1 map");
    expect(gnttab_set_version(2, &version), -XEN_EBUSY, "set_version(2) while mapped");
    expect(version, 1, "version after the refused switch");
    expect(gnttab_unmap(h, slot_va, 0), GNTST_okay, "v1 unmap");

    {
        struct gnttab_set_version sv = { .version = 2 };

        expect(gnttab_op(GNTTABOP_set_version, &sv, 2), 0, "set_version(2), count 2");
        expect(sv.version, 2, "version 2");
    }
    expect(gnttab_get_version(), 2, "get_version");
    expect(g2[3].hdr.flags, GTF_permit_access, "reserved entry kept: flags");
    expect((long)g2[3].full_page.frame, (long)dmfn, "reserved entry kept: frame");
    expect(g2[5].hdr.flags, 0, "entry 5 (the old entry 10's bytes) cleared");
    expect(status_frames(2, sframe), GNTST_general_error, "2 status frames of 1");
    expect(status_frames(1, sframe), GNTST_okay, "1 status frame");
    if (pt_map_mfn((unsigned long)st, sframe[0], PTE_FLAGS_RO))
        return xtf_error("cannot map the status frame");

    g2[10].full_page.frame = dmfn;
    g2[10].hdr.domid = SELF_ID;
    __atomic_store_n(&g2[10].hdr.flags, GTF_permit_access, __ATOMIC_SEQ_CST);
    expect(gnttab_map(10, GNTMAP_host_map, slot_va, &h, NULL), GNTST_okay, "v2 map");
    expect(g2[10].hdr.flags, GTF_permit_access, "v2 header while mapped");
    expect(st[10], GTF_reading | GTF_writing, "v2 status while mapped");
    expect(gnttab_unmap(h, slot_va, 0), GNTST_okay, "v2 unmap");
    expect(st[10], 0, "v2 status after unmap");

    g2[10].sub_page.page_off = 8;
    g2[10].sub_page.length = 8;
    g2[10].hdr.flags = GTF_permit_access | GTF_sub_page;
    expect(gnttab_map(10, GNTMAP_host_map | GNTMAP_readonly, slot_va, &h, NULL),
           GNTST_general_error, "map of a sub-page grant");
    memcpy(data + 8, "subpage!", 8);
    expect(gnttab_copy_ref(10, SELF_ID, 8, virt_to_mfn(other), DOMID_SELF, 0, 8), GNTST_okay,
           "copy within the sub-page");
    expect(memcmp(other, "subpage!", 8), 0, "sub-page bytes");
    expect(gnttab_copy_ref(10, SELF_ID, 12, virt_to_mfn(other), DOMID_SELF, 0, 8),
           GNTST_general_error, "copy beyond the sub-page");
    g2[10].hdr.flags = 0;

    /* Back to v1 (the status frame unmapped first: see xsa255-grant-status-frame-mapped). */
    if (pt_update_va((unsigned long)st, 0, UVMF_INVLPG))
        return xtf_error("cannot unmap the status frame");
    expect(gnttab_set_version(1, &version), 0, "set_version(1)");
    expect(version, 1, "version 1 again");
    expect(gt[3].flags, GTF_permit_access, "reserved entry back in v1: flags");
    expect((long)gt[3].frame, (long)dmfn, "reserved entry back in v1: frame");
    expect(status_frames(1, sframe), GNTST_general_error, "no status frames under v1");
    {
        struct gnttab_query_size qs = { .dom = DOMID_SELF };

        expect(gnttab_op(GNTTABOP_query_size, &qs, 1), 0, "query_size");
        expect(qs.nr_frames, 1, "frames after the round trip");
    }
    return xtf_success();
}
