/*
 * hv/uaccess.c - reading and writing guest virtual memory, and fault recovery.
 *
 * The hypervisor touches guest memory only through raw_copy_user() (entry.S) or the in-place
 * word accesses of guest-access.h (bounce and iret frames), with the guest's current page
 * tables and the CPU's own checks: CR0.WP makes read-only guest pages fault, SMAP is lifted
 * only around the accesses.  A guest address must lie outside the
 * hypervisor's slots (Xen's __addr_ok) before any access; a fault inside the copy resumes
 * at its fixup and the caller returns -EFAULT, exactly what Xen's copy_{from,to}_guest do.
 */
#include "hv.h"
#include <xen/xen.h>

extern const uint64_t __fixup_start[], __fixup_end[];

int copy_from_guest_va(void *dst, uint64_t gva, size_t len)
{
    if (!guest_range_ok(gva, len))
        return -XEN_EFAULT;
    return raw_copy_user(dst, (const void *)gva, len) ? -XEN_EFAULT : 0;
}

int copy_to_guest_va(uint64_t gva, const void *src, size_t len)
{
    if (!guest_range_ok(gva, len))
        return -XEN_EFAULT;
    return raw_copy_user((void *)gva, src, len) ? -XEN_EFAULT : 0;
}

/* A hypervisor fault at a recorded site resumes at its fixup; true if r was redirected. */
bool fixup_exception(struct cpu_regs *r)
{
    for (const uint64_t *p = __fixup_start; p < __fixup_end; p += 2)
        if (p[0] == r->rip) {
            r->rip = p[1];
            return true;
        }
    return false;
}
