/*
 * hv/hc-info.c - console_io (18) and xen_version (17).  Semantics from boot-ABI §12.1 and
 * §12.3.  (grant_table_op, 20, is the core's: core/grant-op.c.)
 *
 * pvmm-hv reports itself as Xen 4.17 (the version the side-by-side runs use) and, in
 * get_features, the bits Xen 4.17 reports to a PV dom0.
 */
#include "hv.h"
#include <xen/xen.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/features.h>
#include "boot.h"

long hc_console_io(unsigned long cmd, unsigned long count, uint64_t buf)
{
    char chunk[128];
    /* Xen 4.17 as built for release lets only the privileged domain use the console: a
     * domU's console is its ring (start_info.console), served by dom0. */
    if (!current->domain->is_privileged)
        return -XEN_EPERM;
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

/* Copy a NUL-padded string of exactly len bytes to the guest.  Out of line: its buffer would
 * give every xen_version call, XENVER_version too, a 1 KiB stack frame. */
static __attribute__((noinline)) long put_string(uint64_t arg, const char *s, size_t len)
{
    char buf[1024];
    memset(buf, 0, len);
    for (size_t i = 0; s[i] && i + 1 < len; i++)
        buf[i] = s[i];
    return copy_to_guest_va(arg, buf, len) ? -XEN_EFAULT : 0;
}

/* The xen_version commands that copy a structure to the guest.  Out of line, as put_string:
 * their buffers stay off the frame of the plain commands. */
static __attribute__((noinline)) long xen_version_copy(unsigned long cmd, uint64_t arg)
{
    switch (cmd) {
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

long hc_xen_version(unsigned long cmd, uint64_t arg)
{
    switch (cmd) {
    case XENVER_version:
        return 0x00040011;
    case XENVER_pagesize:
        return arg ? -XEN_EINVAL : (long)PAGE_SIZE;
    default:
        return xen_version_copy(cmd, arg);
    }
}
