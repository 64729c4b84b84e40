/*
 * hv/elf-load.h - a parsed PV64 guest image: its loadable segments and Xen ELF notes
 * (boot-ABI §1), with the derived kernel addresses of §1.4.
 */
#ifndef HV_ELF_LOAD_H
#define HV_ELF_LOAD_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>

struct elf_image {
    const uint8_t *data;
    size_t len;
    uint64_t virt_base, paddr_offset, virt_offset;
    uint64_t pstart, pend;          /* lowest p_paddr, highest p_paddr + p_memsz */
    uint64_t kstart, kend, entry;   /* virt_kstart, virt_kend, virt_entry */
    uint64_t hypercall_page;
    bool has_hypercall_page;
    uint32_t features_required;     /* XENFEAT bits named with '!' in FEATURES */
    uint32_t features_supported;    /* FEATURES names plus SUPPORTED_FEATURES */
    char guest_os[32];
};

/*
 * Parse and check a guest image.  Returns 0, or -1 with a one-line reason in err (bad ELF
 * header, segments outside the file, no Xen notes, a failed acceptance check of §1.3, or a
 * note pvmm-hv does not implement).
 */
int elf_parse(struct elf_image *img, const void *data, size_t len, char *err, size_t errlen);

/*
 * Call load(va, src, filesz, memsz) for every loadable segment (PT_LOAD with R, W or X),
 * with va = p_paddr + virt_offset.
 */
void elf_for_each_segment(const struct elf_image *img,
                          void (*load)(uint64_t va, const void *src, uint64_t filesz,
                                       uint64_t memsz, void *ctx), void *ctx);

#endif /* HV_ELF_LOAD_H */
