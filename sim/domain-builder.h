/*
 * sim/domain-builder.h - the simulator's way into the shared PV domain
 * builder (builder/pv-build.h): create a domain in the machine's core state
 * and build it as Xen's dom0 builder lays out a PV guest.
 *
 * The layout and the population of memory are the shared builder's (the same
 * code pvmm-hv builds dom0 with): VA = pfn << 12 from VA 0 for a blank
 * kernel region, or the image's own virt_base for a parsed ELF; then the p2m
 * list, start_info, the bootstrap page tables (L4 first, read-only), one
 * stack page and padding to a 4 MiB boundary; the L4 validated, pinned and
 * installed as vCPU 0's kernel base; pfn != mfn on purpose.  What is the
 * simulator's own: choosing the domain id, vCPU count and memory limit,
 * clearing every frame (the machine fills memory with junk), and destroying
 * the domain again when the build fails.
 */
#ifndef PVMM_SIM_DOMAIN_BUILDER_H
#define PVMM_SIM_DOMAIN_BUILDER_H

#include <stdint.h>
#include <stdbool.h>
#include <pvmm/pvmm.h>
#include "../builder/pv-build.h"

struct pvmm_build_params {
    domid_t  domid;
    bool     privileged;        /* SIF_PRIVILEGED | SIF_INITDOMAIN, may map I/O memory */
    uint64_t nr_pages;          /* memory of the domain, all allocated now */
    uint64_t max_pages;         /* limit for increase_reservation (>= nr_pages; 0 = nr_pages) */
    unsigned int nr_vcpus;      /* 1..PVMM_MAX_VCPUS */
    uint64_t kernel_start;      /* VA of a blank kernel region (page aligned) ... */
    uint64_t kernel_end;        /* ... and its end (rounded up to a page); ignored with image */
    const struct pvmm_image *image;  /* a parsed guest ELF to load instead, or NULL */
    uint64_t shared_info_maddr; /* start_info.shared_info, 0 if none */
    const char *cmdline;        /* start_info.cmd_line, may be NULL */
    const void *initrd;         /* start_info mod_start/mod_len (placed as Xen does), or NULL */
    uint64_t initrd_len;
};

/*
 * Build domain p->domid into s.  p2m must have room for p->nr_pages
 * entries and receives pfn -> mfn; *regs (may be NULL) the initial vCPU 0
 * registers.  Returns 0 with *out filled, or a negative Xen errno
 * (-XEN_EINVAL bad parameters or image, -XEN_EEXIST domain id in use,
 * -XEN_ENOMEM not enough memory or the region does not fit in nr_pages, or
 * the core's error if validation fails), in which case the domain has been
 * destroyed again.  *why (may be NULL) receives the builder's reason.
 */
int pvmm_build_domain_regs(struct pvmm_state *s, const struct pvmm_build_params *p, mfn_t *p2m,
                           struct pvmm_dom_layout *out, struct pvmm_boot_regs *regs,
                           const char **why);

/* pvmm_build_domain_regs() without registers or reason. */
int pvmm_build_domain(struct pvmm_state *s, const struct pvmm_build_params *p, mfn_t *p2m,
                      struct pvmm_dom_layout *out);

/*
 * The layout alone, without touching s (for sizing).  Returns 0, or
 * -XEN_EINVAL / -XEN_ENOMEM as pvmm_build_domain would.
 */
int pvmm_build_layout(const struct pvmm_build_params *p, struct pvmm_dom_layout *out);

/*
 * The fewest pages a domain built with p's kernel (and initrd) can have: the
 * smallest nr_pages whose bootstrap layout fits, or 0 if none up to the
 * builder's limit does.
 */
uint64_t pvmm_build_min_pages(const struct pvmm_build_params *p);

#endif /* PVMM_SIM_DOMAIN_BUILDER_H */
