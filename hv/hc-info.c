/*
 * hv/hc-info.c - console_io (18), xen_version (17) and the start-up subset of
 * grant_table_op (20).  Semantics from boot-ABI §12.1, §12.3 and §12.8.
 *
 * pvmm-hv reports itself as Xen 4.17 (the version the side-by-side runs use) and, in
 * get_features, the bits Xen 4.17 reports to a PV dom0.  The grant table has Xen's default
 * limit of 64 frames; dom0 starts with one and GNTTABOP_setup_table grows it (never shrinks).
 */
#include "hv.h"
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/features.h>
#include <xen/grant_table.h>
#include "boot.h"

uint64_t hv_grant_mfn;    /* the first of GNTTAB_MAX_FRAMES grant-table frames */
unsigned int hv_nr_grant_frames;   /* how many of them dom0 has (shared writable) */

/* GNTTABOP_setup_table for dom0: grow to nr frames (never shrink), as Xen; false if > max. */
static bool grant_grow(unsigned long nr)
{
    if (nr > GNTTAB_MAX_FRAMES)
        return false;
    for (; hv_nr_grant_frames < nr; hv_nr_grant_frames++)
        mmglue_share_xen_page(dom0, hv_grant_mfn + hv_nr_grant_frames);
    return true;
}

long hc_console_io(unsigned long cmd, unsigned long count, uint64_t buf)
{
    char chunk[128];
    if (cmd == CONSOLEIO_read)
        return 0;
    if (cmd != CONSOLEIO_write)
        return -XEN_ENOSYS;
    while (count) {
        size_t n = count < sizeof(chunk) ? count : sizeof(chunk);
        if (copy_from_guest_va(chunk, buf, n))
            return -XEN_EFAULT;
        guest_console_write(chunk, n);
        buf += n;
        count -= n;
    }
    return 0;
}

/* Copy a NUL-padded string of exactly len bytes to the guest. */
static long put_string(uint64_t arg, const char *s, size_t len)
{
    char buf[1024];
    memset(buf, 0, len);
    for (size_t i = 0; s[i] && i + 1 < len; i++)
        buf[i] = s[i];
    return copy_to_guest_va(arg, buf, len) ? -XEN_EFAULT : 0;
}

long hc_xen_version(unsigned long cmd, uint64_t arg)
{
    switch (cmd) {
    case XENVER_version:
        return 0x00040011;
    case XENVER_extraversion:
        return put_string(arg, ".0-pvmm", XEN_EXTRAVERSION_LEN);
    case XENVER_compile_info: {
        struct xen_compile_info ci;
        memset(&ci, 0, sizeof(ci));
        memcpy(ci.compiler, "gcc", 4);
        memcpy(ci.compile_by, "pvmm", 5);
        memcpy(ci.compile_domain, "pvmm", 5);
        memcpy(ci.compile_date, "pvmm-hv", 8);
        return copy_to_guest_va(arg, &ci, sizeof(ci)) ? -XEN_EFAULT : 0;
    }
    case XENVER_capabilities:
        return put_string(arg, "xen-3.0-x86_64 ", sizeof(xen_capabilities_info_t));
    case XENVER_changeset:
        return put_string(arg, "pvmm-hv", XEN_CHANGESET_INFO_LEN);
    case XENVER_platform_parameters: {
        struct xen_platform_parameters pp = { HYPERVISOR_VIRT_START };
        return copy_to_guest_va(arg, &pp, sizeof(pp)) ? -XEN_EFAULT : 0;
    }
    case XENVER_get_features: {
        struct xen_feature_info fi;
        if (copy_from_guest_va(&fi, arg, sizeof(fi)))
            return -XEN_EFAULT;
        if (fi.submap_idx != 0)
            return -XEN_EINVAL;
        /* What Xen 4.17 reports to a PV dom0 (guests/tests/pv-policy measures it). */
        fi.submap = (1u << XENFEAT_mmu_pt_update_preserve_ad) | (1u << XENFEAT_highmem_assist) |
                    (1u << XENFEAT_gnttab_map_avail_bits) | (1u << XENFEAT_dom0) |
                    (1u << XENFEAT_memory_op_vnode_supported) | (1u << XENFEAT_direct_mapped);
        return copy_to_guest_va(arg, &fi, sizeof(fi)) ? -XEN_EFAULT : 0;
    }
    case XENVER_pagesize:
        return arg ? -XEN_EINVAL : (long)PAGE_SIZE;
    case XENVER_guest_handle: {
        uint8_t uuid[16] = { 0 };
        return copy_to_guest_va(arg, uuid, sizeof(uuid)) ? -XEN_EFAULT : 0;
    }
    case XENVER_commandline:
        return put_string(arg, hv_cmdline, sizeof(xen_commandline_t));
    default:
        return -XEN_ENOSYS;
    }
}

long hc_grant_table_op(unsigned long cmd, uint64_t uop, unsigned long count)
{
    switch (cmd) {
    case GNTTABOP_setup_table:
        for (unsigned long i = 0; i < count; i++, uop += sizeof(struct gnttab_setup_table)) {
            struct gnttab_setup_table st;
            if (copy_from_guest_va(&st, uop, sizeof(st)))
                return -XEN_EFAULT;
            if (st.dom != DOMID_SELF && st.dom != 0) {
                st.status = GNTST_bad_domain;
            } else if (!grant_grow(st.nr_frames)) {
                st.status = GNTST_general_error;
            } else {
                for (uint32_t f = 0; f < st.nr_frames; f++) {
                    uint64_t mfn = hv_grant_mfn + f;
                    if (copy_to_guest_va(st.frame_list + f * sizeof(mfn), &mfn, sizeof(mfn)))
                        return -XEN_EFAULT;
                }
                st.status = GNTST_okay;
            }
            if (copy_to_guest_va(uop, &st, sizeof(st)))
                return -XEN_EFAULT;
        }
        return 0;
    case GNTTABOP_query_size:
        for (unsigned long i = 0; i < count; i++, uop += sizeof(struct gnttab_query_size)) {
            struct gnttab_query_size qs;
            bool self;
            if (copy_from_guest_va(&qs, uop, sizeof(qs)))
                return -XEN_EFAULT;
            self = qs.dom == DOMID_SELF || qs.dom == 0;
            qs.nr_frames = self ? hv_nr_grant_frames : 0;
            qs.max_nr_frames = self ? GNTTAB_MAX_FRAMES : 0;
            qs.status = self ? GNTST_okay : GNTST_bad_domain;
            if (copy_to_guest_va(uop, &qs, sizeof(qs)))
                return -XEN_EFAULT;
        }
        return 0;
    default:
        return -XEN_ENOSYS;
    }
}
