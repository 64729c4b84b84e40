/*
 * builder/pv-image.h - a PV64 guest image as the domain builder sees it: the
 * loadable segments, the entry point and the Xen ELF notes (boot ABI §1),
 * with the kernel addresses derived as §1.4 says.
 *
 * Freestanding: the parser reads the file byte by byte (no alignment or
 * endianness assumptions about the buffer) and bounds-checks every offset,
 * because the image is guest input.  It is shared by pvmm-hv, which loads
 * the multiboot module with it, and the hosted simulator.
 */
#ifndef PVMM_BUILDER_PV_IMAGE_H
#define PVMM_BUILDER_PV_IMAGE_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

#define PVMM_IMAGE_GUEST_OS_LEN  32

struct pvmm_image {
    const uint8_t *data;         /* the ELF file; NULL for an image with no contents */
    size_t   len;
    uint64_t virt_base;          /* VIRT_BASE note, or 0: the VA of pfn 0 */
    uint64_t paddr_offset;       /* PADDR_OFFSET note, or 0 */
    uint64_t virt_offset;        /* virt_base - paddr_offset: VA = p_paddr + virt_offset */
    uint64_t pstart, pend;       /* lowest p_paddr, highest p_paddr + p_memsz */
    uint64_t kstart, kend;       /* virt_kstart, virt_kend */
    uint64_t entry;              /* virt_entry: ENTRY note, or e_entry */
    bool     has_hypercall_page;
    uint64_t hypercall_page;     /* HYPERCALL_PAGE note: VA the builder fills (§1.6) */
    bool     has_supported_features;  /* a SUPPORTED_FEATURES note was present */
    uint32_t features_required;  /* XENFEAT bits named with '!' in FEATURES */
    uint32_t features_supported; /* FEATURES names plus SUPPORTED_FEATURES */
    bool     has_init_p2m;       /* INIT_P2M note: map the p2m list at init_p2m, outside */
    uint64_t init_p2m;           /* the bootstrap region (builder/pv-build.h) */
    bool     mod_start_pfn;      /* MOD_START_PFN note non-zero: the initrd stays unmapped */
    char     guest_os[PVMM_IMAGE_GUEST_OS_LEN];   /* GUEST_OS note, NUL-terminated */
};

/*
 * Parse and check the guest ELF at data[0, len).  Returns 0 with *img
 * filled, or -XEN_EINVAL with *why set to a one-line reason: a bad ELF
 * header, a segment outside the file, no Xen notes (or only the legacy
 * __xen_guest section), a failed acceptance check of §1.3, or a note the
 * builder does not implement (INIT_P2M, MOD_START_PFN, BSD_SYMTAB, a
 * required supervisor_mode_kernel or auto_translated_physmap).  The
 * XENFEAT_dom0 check needs to know the domain and is the builder's.
 * img->data keeps pointing at data: the buffer must outlive the build.
 */
int pvmm_image_parse(struct pvmm_image *img, const void *data, size_t len, const char **why);

/*
 * An image without contents: a kernel region [kstart, kend) from VA 0
 * (virt_base 0), entry point kstart, no notes.  The embedder (the
 * simulator) loads whatever it wants there itself.
 */
void pvmm_image_blank(struct pvmm_image *img, uint64_t kstart, uint64_t kend);

/*
 * Call load(ctx, va, src, filesz, memsz) for every loadable segment of a
 * parsed image (PT_LOAD with R, W or X), with va = p_paddr + virt_offset:
 * filesz bytes from src, then zeroes up to memsz.  Nothing for a blank one.
 */
typedef int pvmm_segment_fn(void *ctx, uint64_t va, const uint8_t *src, uint64_t filesz,
                            uint64_t memsz);
/* Returns 0, or the first non-zero value load returned (and stops there). */
int pvmm_image_for_each_segment(const struct pvmm_image *img, pvmm_segment_fn *load, void *ctx);

#endif /* PVMM_BUILDER_PV_IMAGE_H */
