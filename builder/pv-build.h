/*
 * builder/pv-build.h - lay out and build a new 64-bit PV domain as Xen's dom0
 * builder does (boot ABI §1.6, §2, §3, §4).  One builder for three embedders:
 * the hosted simulator and pvmm-hv drive it through the core's API
 * (pvmm_builder_build, core-backend.c), a toolstack test guest through
 * hypercalls on another domain (guests/lib/domu-builder.c).  Everything it
 * does to the new domain goes through struct pvmm_builder_backend; it
 * compiles freestanding as well as hosted, and without the core's headers
 * (only <pvmm/page.h>'s types) for the guest.
 *
 * The bootstrap region [v_start, v_end) starts at the image's virt_base and
 * maps pfn N at VA virt_base + N*4096.  In order after the kernel image: the
 * initrd (unless the image has MOD_START_PFN), the p2m list (nr_pages 8-byte
 * mfns; unless the image has INIT_P2M), the start_info page, the bootstrap
 * page tables (the L4 first, then L1, L2, L3 bottom-up as the region needs
 * them: dom0 order), one stack page, and padding up to a 4 MiB boundary with
 * at least 512 KiB spare (the §2.3 sizing search).
 *
 * As Xen's dom0 builder: the bootstrap allocation is a power of two of pages
 * (2^order >= the region); an unmapped initrd (MOD_START_PFN) takes the pfns
 * right after it, start_info.mod_start being its first pfn and
 * SIF_MOD_START_PFN set.  With INIT_P2M the p2m list is mapped at that VA
 * with 4 KiB pages, by tables hung under the bootstrap L4 and allocated,
 * together with the p2m pages, from the pfns after the initrd in the order
 * the walk needs them (L3, L2, L1, data...): start_info.first_p2m_pfn and
 * nr_p2m_frames name that range, mfn_list its VA.
 *
 * Every page of the region is mapped read-write except the page-table pages,
 * which are mapped read-only.  Leaves carry P|RW|A|U and the guest-kernel
 * marker (bit 52), upper entries P|RW|A|D|U: Xen's dom0 builder's entries,
 * which are also what the core's validation turns any other form into.  The
 * hypervisor's L4 slots 256..271 are not written here: the core fills them
 * whenever it validates an L4 (per-domain L3 included, from d->perdomain_l3).
 * Pfn and mfn differ on purpose: pfn i gets the i-th frame from the end of
 * the allocation, so a guest that confuses the two fails fast.
 *
 * What stays with the embedder: creating the domain (and anything of its
 * own it attaches, e.g. pvmm-hv's per-domain L3), the shared_info frame
 * (only its machine address is passed in), destroying the domain when the
 * build fails, and turning the initial registers into a running vCPU.
 *
 * A domU's start-of-day rings (params nr_special > 0): Xen's toolstack puts
 * the xenstore and console pages in the bootstrap region right after
 * start_info, and so does this builder: start_info, then the xenstore page,
 * then the console page, cleared, mapped read-write; the page tables follow
 * them.  start_info names their mfns and the event channels the embedder
 * made (store_evtchn, console.domU.evtchn).  dom0 has none (nr_special 0).
 */
#ifndef PVMM_BUILDER_PV_BUILD_H
#define PVMM_BUILDER_PV_BUILD_H

#include <stdint.h>
#include <stdbool.h>
#include <pvmm/page.h>
#include "pv-image.h"

struct domain;

struct pvmm_builder_params {
    const struct pvmm_image *image;  /* parsed (pvmm_image_parse) or blank (pvmm_image_blank) */
    uint64_t nr_pages;           /* the domain's memory, all allocated by the build */
    const char *cmdline;         /* start_info.cmd_line (truncated to 1023 bytes); may be NULL */
    bool     dom0;               /* SIF_PRIVILEGED|SIF_INITDOMAIN; the XENFEAT_dom0 check */
    bool     scrub_all;          /* clear every frame, not only those of the bootstrap region */
    uint64_t shared_info_maddr;  /* start_info.shared_info, 0 if none */
    const void *initrd;          /* the initrd's bytes, or NULL */
    uint64_t initrd_len;         /* start_info.mod_len; 0 for none */
    unsigned int nr_special;     /* 0 (dom0), or 2: the xenstore and console pages */
    uint32_t store_evtchn;       /* start_info.store_evtchn (with nr_special 2) */
    uint32_t console_evtchn;     /* start_info.console.domU.evtchn (with nr_special 2) */
    bool     initrd_handover;    /* the initrd's bytes are in its own frames from initrd_mfn */
    mfn_t    initrd_mfn;         /* on: given to the domain (the back end's assign), no copy */
};

/* The bootstrap layout (§2.2), all guest virtual addresses. */
struct pvmm_dom_layout {
    uint64_t nr_pages;
    uint64_t v_start, v_end;     /* the bootstrap region */
    uint64_t kernel_start, kernel_end;  /* virt_kstart, virt_kend rounded up to a page */
    uint64_t initrd_va;          /* the mapped initrd, 0 if none or unmapped */
    uint64_t initrd_pfn;         /* its first pfn (mapped or not); 0 if none */
    uint64_t initrd_len;
    uint64_t p2m_va;             /* mfn_list: in the region, or INIT_P2M */
    bool     p2m_outside;        /* INIT_P2M: p2m_va lies outside the region */
    uint64_t first_p2m_pfn;      /* INIT_P2M: first pfn of the p2m frames (set by the */
    uint64_t nr_p2m_frames;      /* build: tables and data pages); else both 0 */
    uint64_t start_info_va;      /* rsi */
    uint64_t store_va, console_va;   /* the rings' pages (nr_special 2), else 0 */
    uint64_t pt_va;              /* pt_base: the L4 */
    uint64_t nr_pt_frames;
    uint64_t stack_va;           /* the stack page; rsp = stack_va + 4096 */
    uint64_t spare_va;           /* first page of the padding */
    mfn_t    l4_mfn;             /* set by pvmm_builder_build */
};

/* Initial vCPU 0 registers (§4); every other general register is 0. */
struct pvmm_boot_regs {
    uint64_t rip, rsp, rsi, rflags;
    uint16_t cs, ss, ds, es, fs, gs;
};

/*
 * The layout for image img in a domain of nr_pages pages, touching nothing.
 * Returns 0 with *out filled (l4_mfn INVALID_MFN), or with *why set:
 * -XEN_EINVAL (nr_pages 0 or absurd, VIRT_BASE not page-aligned, the region
 * wraps, is not canonical or overlaps the hypervisor's range, or the
 * hypercall page lies outside it) or -XEN_ENOMEM (the region needs more
 * than nr_pages pages).
 */
int pvmm_builder_layout(const struct pvmm_image *img, uint64_t nr_pages,
                        struct pvmm_dom_layout *out, const char **why);

/*
 * The same with an initrd of initrd_len bytes (0: none) and nr_special
 * ring pages after start_info (0 or 2).  Also -XEN_EINVAL
 * for an INIT_P2M range that is not page-aligned, not canonical, overlaps
 * the region or the hypervisor's range, and -XEN_ENOMEM when an unmapped
 * initrd does not fit after the power-of-two bootstrap allocation.
 */
int pvmm_builder_layout_initrd(const struct pvmm_image *img, uint64_t nr_pages,
                               uint64_t initrd_len, struct pvmm_dom_layout *out,
                               const char **why);
int pvmm_builder_layout_special(const struct pvmm_image *img, uint64_t nr_pages,
                                uint64_t initrd_len, unsigned int nr_special,
                                struct pvmm_dom_layout *out, const char **why);

/*
 * What the builder does to the new domain, supplied by the embedder; ctx is
 * passed to each.  The builder maps one frame at a time (unmap comes before
 * the next map), so a back end may keep a single mapping slot.
 */
struct pvmm_builder_backend {
    void *ctx;
    /* Give the domain nr fresh frames, their mfns into mfns[0, nr): 0 or -XEN_ENOMEM. */
    int (*alloc)(void *ctx, uint64_t nr, mfn_t *mfns);
    /* Map one of the domain's frames writable for the builder; unmap may be NULL. */
    void *(*map)(void *ctx, mfn_t mfn);
    void (*unmap)(void *ctx, void *va);
    /* Record mfn -> pfn in the M2P: 0 or a negative Xen errno. */
    int (*set_m2p)(void *ctx, mfn_t mfn, uint64_t pfn);
    /* Validate and pin the finished L4 for the domain (and, where the back end can, make it
     * vCPU 0's kernel base): 0 or the hypervisor's error. */
    int (*pin_l4)(void *ctx, mfn_t l4);
    /* Give the domain frame mfn as it is (a boot module's, initrd_handover): 0 or
     * -XEN_ENOMEM; NULL where the back end cannot (the initrd is then copied). */
    int (*assign)(void *ctx, mfn_t mfn);
};

/*
 * Build the domain behind be from p: allocate p->nr_pages frames into p2m[]
 * (pfn -> mfn, room for nr_pages entries), set the M2P, clear the region
 * (or everything with scrub_all), load the image's segments, write the
 * hypercall page, the p2m list, start_info, the ring pages and the page
 * tables, then have the back end pin the L4.  Returns 0 with *out and *regs
 * filled, or a negative Xen errno with *why set (as pvmm_builder_build).
 * On failure the domain keeps whatever it was given: the embedder destroys it.
 */
int pvmm_builder_populate(const struct pvmm_builder_backend *be,
                          const struct pvmm_builder_params *p, mfn_t *p2m,
                          struct pvmm_dom_layout *out, struct pvmm_boot_regs *regs,
                          const char **why);

/*
 * Build the domain d (created by the embedder, owning no frames yet) from
 * p through the core's API (builder/core-backend.c): allocate p->nr_pages frames into p2m[] (pfn -> mfn, room for nr_pages
 * entries), set the M2P, clear the region (or everything with scrub_all),
 * load the image's segments, write the hypercall page, the p2m list,
 * start_info and the page tables, then validate and pin the L4 through the
 * core and install it as vCPU 0's kernel base (vCPU 0 online, kernel mode).
 * Returns 0 with *out and *regs filled, or a negative Xen errno with *why
 * set: the layout's errors, -XEN_EINVAL for a dom0 whose SUPPORTED_FEATURES
 * lack XENFEAT_dom0 or a segment outside the region, -XEN_ENOMEM when the
 * core has too few free frames for d, or the core's error (reason recorded
 * on vCPU 0) when the L4 fails validation.  On failure d keeps whatever it
 * was given: the embedder destroys it.
 */
int pvmm_builder_build(struct domain *d, const struct pvmm_builder_params *p, mfn_t *p2m,
                       struct pvmm_dom_layout *out, struct pvmm_boot_regs *regs,
                       const char **why);

/* Fill page[0, 4096) with Xen's hypercall stubs exactly (§1.6). */
void pvmm_hypercall_page_fill(uint8_t *page);

#endif /* PVMM_BUILDER_PV_BUILD_H */
