/*
 * toolstack.h: a privileged test guest's control of other domains - domctl and sysctl
 * wrappers in Xen 4.17's ABI, and foreign mappings of another domain's frames.
 */
#ifndef GUEST_TOOLSTACK_H
#define GUEST_TOOLSTACK_H

#include <stdbool.h>
#include <stdint.h>
#include <xen/xen.h>
#include <xen/domctl.h>
#include <xen/sysctl.h>
#include <xen/vcpu.h>

#include "hypercall.h"

static inline long hypercall_domctl(struct xen_domctl *op)
{
    return _hypercall1(__HYPERVISOR_domctl, op);
}

static inline long hypercall_sysctl(struct xen_sysctl *op)
{
    return _hypercall1(__HYPERVISOR_sysctl, op);
}

static inline long hypercall_update_va_mapping_otherdomain(unsigned long va, uint64_t val,
                                                           unsigned long flags, domid_t dom)
{
    return _hypercall4(__HYPERVISOR_update_va_mapping_otherdomain, va, val, flags, dom);
}

/* A domctl `cmd` on `dom` with the current interface version and a cleared union. */
void domctl_init(struct xen_domctl *op, uint32_t cmd, domid_t dom);
/* Create a PV domain with nr_vcpus vCPUs (domid 0: the hypervisor picks).  Returns the
 * new domid (> 0) or a negated errno. */
long domctl_create(domid_t want, uint32_t nr_vcpus, uint32_t cdf_flags);
/*
 * The highest grant-table version the domains created from now on may use
 * (XEN_DOMCTL_GRANT_version of createdomain): 1 unless set, as xl does by default.
 */
void domctl_set_grant_version(unsigned int max_version);
long domctl_destroy(domid_t dom);
long domctl_simple(uint32_t cmd, domid_t dom);          /* pause, unpause */
long domctl_getinfo(domid_t dom, struct xen_domctl_getdomaininfo *info);
long domctl_max_mem(domid_t dom, uint64_t kb);
long domctl_max_vcpus(domid_t dom, uint32_t max);
long domctl_vcpucontext(uint32_t cmd, domid_t dom, uint32_t vcpu,
                        struct vcpu_guest_context *ctxt);
long domctl_pageframeinfo3(domid_t dom, xen_pfn_t *arr, uint64_t num);
/* XEN_DOMCTL_setvcpuaffinity or getvcpuaffinity (cmd) of dom's vCPU vcpu with flags
 * (XEN_VCPUAFFINITY_*): hard and soft are maps of nr_bits bits, read and written back. */
long domctl_vcpuaffinity(uint32_t cmd, domid_t dom, uint32_t vcpu, uint32_t flags,
                         uint8_t *hard, uint8_t *soft, uint32_t nr_bits);
long domctl_getvcpuinfo(domid_t dom, uint32_t vcpu, struct xen_domctl_getvcpuinfo *info);
long sysctl_physinfo(struct xen_sysctl_physinfo *pi);
/* physinfo's free_pages now; 0 if physinfo fails. */
uint64_t sysctl_free_pages(void);
/* physinfo's free_pages once it is back at want, yielding for Xen's deferred freeing of a
 * destroyed domain (an RCU grace period: with several CPUs it waits for the others) - at
 * least 1000 times and for up to 10 s of PV-clock time (pvclock_deadline); 0 if physinfo
 * fails. */
uint64_t sysctl_free_pages_back(uint64_t want);
/* Frames of its own a hypervisor may keep after a domain is destroyed: Xen 4.17 with two
 * CPUs keeps one that does not come back within 10 s (domu-build, domu-console, the
 * domu-grant-* guests and others under xen-run --smp 2; none with one CPU, none in
 * many-domains), pvmm-hv none.  A leak of the domain's own memory is larger, and pvmm-hv's
 * auditor counts every frame at each destroy anyway. */
#define DESTROY_SLACK_FRAMES 2
/* free pages `got` after a destroy are back at `want`: not above it, and at most
 * DESTROY_SLACK_FRAMES below. */
static inline bool frames_came_back(uint64_t got, uint64_t want)
{
    return got <= want && want - got <= DESTROY_SLACK_FRAMES;
}

/* Give `dom` nr frames (XENMEM_populate_physmap at gpfns first_gpfn..); mfns out.  Returns
 * the number of extents done or a negated errno. */
long populate_foreign(domid_t dom, xen_pfn_t first_gpfn, unsigned long nr, xen_pfn_t *mfns);
/* Map frame mfn of domain dom at our va (an L1 entry we own) with flags; 0 or errno. */
long map_foreign(unsigned long va, domid_t dom, unsigned long mfn, uint64_t flags);
/* Unmap our va (leave the entry not present). */
long unmap_va(unsigned long va);
/* A page-aligned VA of ours whose L1 entry exists and is free for foreign mappings. */
unsigned long alloc_map_slot(void);

/*
 * A one-page domU: its code (and data) in one page mapped at VA 0 by a 4-level tree of its
 * own frames, pinned for it; vCPU 0 starts at rip 0 in kernel mode with rsp at the page's
 * end.  The code is assembled with the code_* helpers (rip-relative offsets are offsets in
 * the page).
 */
struct code_buf {
    uint8_t p[256];
    unsigned int n;
};
void code_mov_imm(struct code_buf *b, unsigned int reg, uint32_t imm);   /* 0 eax, 6 esi, 7 edi */
void code_lea(struct code_buf *b, unsigned int reg, uint32_t target);
void code_store_rax(struct code_buf *b, uint32_t target);
void code_bytes(struct code_buf *b, const uint8_t *bytes, unsigned int n);
/* Create it (paused once), give it the page and the context; m[] gets its 5 frames (L4, L3,
 * L2, L1, the page).  Returns the domid or a negated errno (nothing left behind). */
long toolstack_tiny_domain(const struct code_buf *code, xen_pfn_t m[5], unsigned long slot);

#endif /* GUEST_TOOLSTACK_H */
