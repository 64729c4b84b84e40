/*
 * sim/domain-builder.h - lay out a new 64-bit PV domain as Xen's dom0 builder does.
 *
 * The builder uses nothing but the core's API (include/pvmm/pvmm.h) and the
 * platform's map_frame, so the hosted simulator and pvmm-hv share it.  It
 * creates the domain, allocates all of its memory, and builds the bootstrap
 * region described in the boot ABI (pv64-guest-boot-abi.md §2):
 *
 *   VA = pfn << 12 from VA 0 (virt_base 0); in order after the kernel:
 *   the p2m list (nr_pages 8-byte mfns), the start_info page, the
 *   bootstrap page tables (L4 first, then L1, L2, L3 bottom-up as the
 *   region needs them, dom0 order), one stack page, and padding up to a
 *   4 MiB boundary with at least 512 KiB spare.
 *
 * Every page of the region is mapped read-write except the page-table
 * pages, which are mapped read-only.  The L4 is validated through the core
 * (pvmm_pin_table: the whole tree is checked exactly as a guest's would be),
 * pinned, and installed as vCPU 0's kernel base (pvmm_new_baseptr); vCPU 0
 * is online in kernel mode.  The M2P is set for every frame and the p2m
 * list written into guest memory.  Pfn and mfn differ on purpose: frames
 * are handed out in reverse, so a guest that confuses them fails fast.
 * The image itself is not loaded: the embedder copies the kernel into
 * [kernel_start, kernel_end) through the returned p2m afterwards.
 */
#ifndef PVMM_SIM_DOMAIN_BUILDER_H
#define PVMM_SIM_DOMAIN_BUILDER_H

#include <stdint.h>
#include <stdbool.h>
#include <pvmm/pvmm.h>

struct pvmm_build_params {
    domid_t  domid;
    bool     privileged;        /* SIF_PRIVILEGED | SIF_INITDOMAIN, may map I/O memory */
    uint64_t nr_pages;          /* memory of the domain, all allocated now */
    uint64_t max_pages;         /* limit for later increase_reservation (>= nr_pages; 0 = nr_pages) */
    unsigned int nr_vcpus;      /* 1..PVMM_MAX_VCPUS */
    uint64_t kernel_start;      /* VA of the kernel image (page aligned) */
    uint64_t kernel_end;        /* end of the image (rounded up to a page) */
    uint64_t shared_info_maddr; /* start_info.shared_info, 0 if none */
    const char *cmdline;        /* start_info.cmd_line, may be NULL */
};

struct pvmm_dom_layout {
    uint64_t nr_pages;
    uint64_t v_start, v_end;     /* the bootstrap region */
    uint64_t kernel_start, kernel_end;
    uint64_t p2m_va;             /* mfn_list */
    uint64_t start_info_va;
    uint64_t pt_va;              /* pt_base: the L4 */
    uint64_t nr_pt_frames;
    uint64_t stack_va;           /* the stack page; rsp = stack_va + 4096 */
    uint64_t spare_va;           /* first unused page of the padding */
    mfn_t    l4_mfn;
};

/*
 * Build domain p->domid into s.  p2m must have room for p->nr_pages
 * entries and receives pfn -> mfn.  Returns 0 with *out filled, or a
 * negative Xen errno (-XEN_EINVAL bad parameters, -XEN_EEXIST domain id in
 * use, -XEN_ENOMEM not enough memory or the region does not fit in
 * nr_pages, or the core's error if validation fails), in which case the
 * domain has been destroyed again.
 */
int pvmm_build_domain(struct pvmm_state *s, const struct pvmm_build_params *p, mfn_t *p2m,
                      struct pvmm_dom_layout *out);

/*
 * The layout alone, without touching s (for sizing).  Returns 0, or
 * -XEN_EINVAL / -XEN_ENOMEM as pvmm_build_domain would.
 */
int pvmm_build_layout(const struct pvmm_build_params *p, struct pvmm_dom_layout *out);

#endif /* PVMM_SIM_DOMAIN_BUILDER_H */
