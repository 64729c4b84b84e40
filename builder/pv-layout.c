/*
 * builder/pv-layout.c - where everything of a new PV domain goes (boot ABI
 * §2.2, §2.3): the kernel, the p2m list, start_info, the bootstrap page
 * tables, the stack and the padding, found by Xen's sizing search.  Pure
 * arithmetic over the image and the memory size; guest input, so every sum
 * is bounded before it could wrap.
 */
#include "pv-build.h"

#include <xen/xen.h>
#include <xen/errno.h>

#define KIB                  (1UL << 10)
#define MIB                  (1UL << 20)
#define REGION_ALIGN         (4 * MIB)      /* v_end is a multiple of this */
#define MIN_PADDING          (512 * KIB)    /* mapped, unused space after the stack */
#define MAX_NR_PAGES         (1UL << 40)    /* 4 PiB: keeps every offset far from wrapping */
#define LOWER_HALF_END       0x0000800000000000UL
#define UPPER_HALF_START     0xffff800000000000UL

static uint64_t round_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Number of aligned spans of `span` bytes touched by [start, end), end > start. */
static uint64_t spans(uint64_t start, uint64_t end, uint64_t span)
{
    return (end - 1) / span - start / span + 1;
}

/* The checks on the finished region [v_start, v_end); NULL if it is acceptable. */
static const char *check_region(const struct pvmm_image *img, const struct pvmm_dom_layout *l)
{
    if (l->v_end <= l->v_start)
        return "the bootstrap region wraps around the top of the address space";
    if (!(l->v_end <= LOWER_HALF_END || l->v_start >= UPPER_HALF_START))
        return "the bootstrap region is not canonical";
    if (l->v_start < HYPERVISOR_VIRT_END && l->v_end > HYPERVISOR_VIRT_START)
        return "the bootstrap region overlaps the hypervisor's range";
    if (img->has_hypercall_page &&
        (img->hypercall_page < l->v_start || img->hypercall_page > l->v_end - PAGE_SIZE))
        return "HYPERCALL_PAGE lies outside the bootstrap region";
    return NULL;
}

/* True if [start, start + len) is canonical, clear of the hypervisor, and does not wrap. */
static bool range_usable(uint64_t start, uint64_t len)
{
    uint64_t end = start + len;

    if (end < start || len == 0)
        return false;
    if (!(end <= LOWER_HALF_END || start >= UPPER_HALF_START))
        return false;
    return !(start < HYPERVISOR_VIRT_END && end > HYPERVISOR_VIRT_START);
}

/*
 * Where the initrd's pfns go when it stays unmapped, and the INIT_P2M checks.
 * Returns 0, -XEN_ENOMEM (the initrd does not fit) or -XEN_EINVAL, with *why.
 */
static int place_outside(const struct pvmm_image *img, struct pvmm_dom_layout *l,
                         uint64_t initrd_pages, const char **why)
{
    uint64_t region = (l->v_end - l->v_start) >> PAGE_SHIFT, chunk = 1;
    uint64_t p2m_len = round_up(l->nr_pages * 8, PAGE_SIZE);

    while (chunk < region)
        chunk <<= 1;                    /* Xen's bootstrap allocation: 2^order pages */
    if (img->mod_start_pfn && initrd_pages) {
        if (chunk > l->nr_pages || initrd_pages > l->nr_pages - chunk) {
            *why = "the unmapped initrd does not fit after the bootstrap allocation";
            return -XEN_ENOMEM;
        }
        l->initrd_pfn = chunk;
    }
    if (!l->p2m_outside)
        return 0;
    l->first_p2m_pfn = img->mod_start_pfn && initrd_pages ? chunk + initrd_pages : chunk;
    *why = "INIT_P2M is not page-aligned, not canonical or in the hypervisor's range";
    if ((l->p2m_va & (PAGE_SIZE - 1)) || !range_usable(l->p2m_va, p2m_len))
        return -XEN_EINVAL;
    *why = "INIT_P2M overlaps the bootstrap region";
    if (l->p2m_va < l->v_end && l->p2m_va + p2m_len > l->v_start)
        return -XEN_EINVAL;
    return 0;
}

int pvmm_builder_layout(const struct pvmm_image *img, uint64_t nr_pages,
                        struct pvmm_dom_layout *out, const char **why)
{
    return pvmm_builder_layout_initrd(img, nr_pages, 0, out, why);
}

int pvmm_builder_layout_initrd(const struct pvmm_image *img, uint64_t nr_pages,
                               uint64_t initrd_len, struct pvmm_dom_layout *out,
                               const char **why)
{
    return pvmm_builder_layout_special(img, nr_pages, initrd_len, 0, out, why);
}

int pvmm_builder_layout_special(const struct pvmm_image *img, uint64_t nr_pages,
                                uint64_t initrd_len, unsigned int nr_special,
                                struct pvmm_dom_layout *out, const char **why)
{
    uint64_t mem = nr_pages * PAGE_SIZE;  /* offsets below are relative to v_start */
    uint64_t kend_off, pt_off, nr_pt, initrd_pages, mapped_initrd, p2m_bytes;

    __builtin_memset(out, 0, sizeof(*out));
    out->l4_mfn = INVALID_MFN;
    out->nr_pages = nr_pages;
    if (nr_special != 0 && nr_special != 2) {
        *why = "a domain has no ring pages or both (xenstore and console)";
        return -XEN_EINVAL;
    }
    if (nr_pages == 0 || nr_pages > MAX_NR_PAGES) {
        *why = "the domain's memory size is 0 or absurd";
        return -XEN_EINVAL;
    }
    if ((img->virt_base & (PAGE_SIZE - 1)) || img->kstart < img->virt_base ||
        img->kend < img->kstart) {
        *why = "VIRT_BASE is not page-aligned or lies above the kernel";
        return -XEN_EINVAL;
    }
    kend_off = img->kend - img->virt_base;
    if (kend_off > mem) {
        *why = "the kernel does not fit in the domain's memory";
        return -XEN_ENOMEM;
    }
    kend_off = round_up(kend_off, PAGE_SIZE);
    if (initrd_len > mem) {
        *why = "the initrd does not fit in the domain's memory";
        return -XEN_ENOMEM;
    }
    initrd_pages = round_up(initrd_len, PAGE_SIZE) >> PAGE_SHIFT;
    mapped_initrd = img->mod_start_pfn ? 0 : initrd_pages << PAGE_SHIFT;
    p2m_bytes = img->has_init_p2m ? 0 : round_up(nr_pages * 8, PAGE_SIZE);
    /* initrd, p2m list, start_info and the ring pages; the page tables follow. */
    pt_off = kend_off + mapped_initrd + p2m_bytes + (1 + nr_special) * PAGE_SIZE;

    /* Xen's search: grow the page-table area until it maps the region it ends. */
    for (nr_pt = 2;; nr_pt++) {
        uint64_t stack_end = pt_off + (nr_pt + 1) * PAGE_SIZE;
        uint64_t end = round_up(stack_end, REGION_ALIGN);
        uint64_t v_end, need;

        if (stack_end > mem) {
            *why = "the bootstrap region exceeds the domain's memory";
            return -XEN_ENOMEM;
        }
        if (end - stack_end < MIN_PADDING)
            end += REGION_ALIGN;
        v_end = img->virt_base + end;
        if (v_end <= img->virt_base)
            break;                      /* wraps: check_region refuses it */
        need = 1 + spans(img->virt_base, v_end, 1UL << 39) +
               spans(img->virt_base, v_end, 1UL << 30) + spans(img->virt_base, v_end, 1UL << 21);
        if (nr_pt >= need) {
            out->v_end = v_end;
            break;
        }
    }
    out->v_start = img->virt_base;
    out->kernel_start = img->kstart;
    out->kernel_end = img->virt_base + kend_off;
    out->initrd_len = initrd_len;
    if (initrd_pages && !img->mod_start_pfn) {
        out->initrd_va = out->kernel_end;
        out->initrd_pfn = kend_off >> PAGE_SHIFT;
    }
    out->p2m_va = out->kernel_end + mapped_initrd;
    if (img->has_init_p2m) {
        out->p2m_outside = true;
        out->p2m_va = img->init_p2m;
    }
    out->start_info_va = img->virt_base + pt_off - (1 + nr_special) * PAGE_SIZE;
    if (nr_special) {
        out->store_va = out->start_info_va + PAGE_SIZE;
        out->console_va = out->store_va + PAGE_SIZE;
    }
    out->pt_va = img->virt_base + pt_off;
    out->nr_pt_frames = nr_pt;
    out->stack_va = out->pt_va + nr_pt * PAGE_SIZE;
    out->spare_va = out->stack_va + PAGE_SIZE;
    *why = check_region(img, out);
    if (*why)
        return -XEN_EINVAL;
    if ((out->v_end - out->v_start) / PAGE_SIZE > nr_pages) {
        *why = "the bootstrap region exceeds the domain's memory";
        return -XEN_ENOMEM;
    }
    return place_outside(img, out, initrd_pages, why);
}
