/*
 * grant.c: grant_table_op helpers for the test guests (grant.h).
 */
#include "guest.h"
#include "grant.h"

long gnttab_op(unsigned int cmd, void *arg, unsigned int count)
{
    return _hypercall3(__HYPERVISOR_grant_table_op, cmd, arg, count);
}

grant_entry_v1_t *gnttab_map_table(unsigned int nr, unsigned long *mfn)
{
    uint64_t frames[8] = { 0 };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = nr,
                                     .frame_list = (uint64_t)(uintptr_t)frames };
    void *va = alloc_page();
    long rc = gnttab_op(GNTTABOP_setup_table, &st, 1);

    if (rc || st.status != GNTST_okay) {
        xtf_error("setup_table(%u): rc %ld status %d", nr, rc, st.status);
        return NULL;
    }
    rc = pt_map_mfn((unsigned long)va, frames[0], PTE_FLAGS_RW);
    if (rc) {
        xtf_error("mapping grant frame %#lx: %ld", (unsigned long)frames[0], rc);
        return NULL;
    }
    *mfn = frames[0];
    return va;
}

void gnttab_grant(grant_entry_v1_t *gt, grant_ref_t ref, domid_t to, unsigned long mfn,
                  uint16_t flags)
{
    gt[ref].domid = to;
    gt[ref].frame = (uint32_t)mfn;
    __atomic_store_n(&gt[ref].flags, flags, __ATOMIC_SEQ_CST);
}

int16_t gnttab_map(grant_ref_t ref, uint32_t flags, uint64_t addr, grant_handle_t *h,
                   uint64_t *bus)
{
    return gnttab_map_dom(SELF_ID, ref, flags, addr, h, bus);
}

int16_t gnttab_map_dom(domid_t dom, grant_ref_t ref, uint32_t flags, uint64_t addr,
                       grant_handle_t *h, uint64_t *bus)
{
    struct gnttab_map_grant_ref m = { .host_addr = addr, .flags = flags, .ref = ref,
                                      .dom = dom };
    long rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1);

    if (rc) {
        xtf_failure("map_grant_ref itself gave %ld", rc);
        return GNTST_general_error;
    }
    if (h)
        *h = m.handle;
    if (bus)
        *bus = m.dev_bus_addr;
    return m.status;
}

int16_t gnttab_unmap(grant_handle_t h, uint64_t addr, uint64_t bus)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = addr, .dev_bus_addr = bus, .handle = h };
    long rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1);

    if (rc) {
        xtf_failure("unmap_grant_ref itself gave %ld", rc);
        return GNTST_general_error;
    }
    return u.status;
}

/* One GNTTABOP_copy element: each side a grant (ref) of dom or, without the flag, a frame. */
static int16_t copy_one(uint16_t flags, uint64_t src, domid_t src_dom, unsigned int src_off,
                        uint64_t dst, domid_t dst_dom, unsigned int dst_off, unsigned int len)
{
    struct gnttab_copy cp;
    long rc;

    memset(&cp, 0, sizeof(cp));
    cp.source.u.gmfn = src;
    cp.source.domid = src_dom;
    cp.source.offset = (uint16_t)src_off;
    cp.dest.u.gmfn = dst;
    cp.dest.domid = dst_dom;
    cp.dest.offset = (uint16_t)dst_off;
    cp.len = (uint16_t)len;
    cp.flags = flags;
    rc = gnttab_op(GNTTABOP_copy, &cp, 1);
    if (rc) {
        xtf_failure("copy itself gave %ld", rc);
        return GNTST_general_error;
    }
    return cp.status;
}

int16_t gnttab_copy_ref(grant_ref_t ref, domid_t src_dom, unsigned int src_off,
                        unsigned long dst_mfn, domid_t dst_dom, unsigned int dst_off,
                        unsigned int len)
{
    return copy_one(GNTCOPY_source_gref, ref, src_dom, src_off, dst_mfn, dst_dom, dst_off, len);
}

int16_t gnttab_copy_to_ref(unsigned long src_mfn, unsigned int src_off, grant_ref_t ref,
                           domid_t dst_dom, unsigned int dst_off, unsigned int len)
{
    return copy_one(GNTCOPY_dest_gref, src_mfn, DOMID_SELF, src_off, ref, dst_dom, dst_off, len);
}

long gnttab_set_version(unsigned int want, unsigned int *version)
{
    struct gnttab_set_version sv = { .version = want };
    long rc = gnttab_op(GNTTABOP_set_version, &sv, 1);

    *version = sv.version;
    return rc;
}

unsigned int gnttab_get_version(void)
{
    struct gnttab_get_version gv = { .dom = DOMID_SELF };

    if (gnttab_op(GNTTABOP_get_version, &gv, 1))
        return 0;
    return gv.version;
}
