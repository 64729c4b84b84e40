/*
 * builder/pv-build.c - populating a new PV domain (see pv-build.h): its
 * memory, M2P and p2m list, the image and hypercall page, start_info, the
 * bootstrap page tables, the pinned L4 and the first registers.
 *
 * Guest memory and frames are reached only through the back end
 * (struct pvmm_builder_backend): the core's API in the simulator and
 * pvmm-hv (core-backend.c), hypercalls in a toolstack guest.  The
 * hypervisor validates the finished tree exactly as it would a guest's, so
 * nothing written here is trusted.
 */
#include "pv-build.h"

#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/features.h>

#define LEAF      (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_USER | _PAGE_GUEST_KERNEL)
#define UPPER     (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)
#define BOOT_RFLAGS  0x202UL            /* IF and the always-one bit 1 */

/* Everything the steps below need. */
struct build {
    const struct pvmm_builder_backend *be;
    const struct pvmm_dom_layout *l;
    const mfn_t *p2m;
};

static void *map(const struct build *b, mfn_t mfn)
{
    return b->be->map(b->be->ctx, mfn);
}

static void unmap(const struct build *b, void *va)
{
    if (b->be->unmap)
        b->be->unmap(b->be->ctx, va);
}

/* The frame behind region VA va (inside [v_start, v_end)). */
static mfn_t region_mfn(const struct build *b, uint64_t va)
{
    return b->p2m[(va - b->l->v_start) >> PAGE_SHIFT];
}

/*
 * Copy len bytes from src (zeroes if src is NULL) to region VA va, page by
 * page.  Returns false, writing nothing, if the range leaves the region.
 */
static bool region_write(const struct build *b, uint64_t va, const void *src, uint64_t len)
{
    const uint8_t *from = src;

    if (va < b->l->v_start || va > b->l->v_end || len > b->l->v_end - va)
        return false;
    while (len) {
        uint64_t off = va & (PAGE_SIZE - 1), chunk = PAGE_SIZE - off;
        uint8_t *page = map(b, region_mfn(b, va));

        if (chunk > len)
            chunk = len;
        if (from) {
            __builtin_memcpy(page + off, from, chunk);
            from += chunk;
        } else {
            __builtin_memset(page + off, 0, chunk);
        }
        unmap(b, page);
        va += chunk;
        len -= chunk;
    }
    return true;
}

/* One loadable segment: file bytes, then zeroes (pvmm_segment_fn). */
static int load_segment(void *ctx, uint64_t va, const uint8_t *src, uint64_t filesz,
                        uint64_t memsz)
{
    const struct build *b = ctx;

    if (va + memsz < va || !region_write(b, va, src, filesz) ||
        !region_write(b, va + filesz, NULL, memsz - filesz))
        return -XEN_EINVAL;
    return 0;
}

/* Write one entry of table frame `table`. */
static void set_entry(const struct build *b, mfn_t table, unsigned int idx, intpte_t e)
{
    intpte_t *t = map(b, table);

    t[idx] = e;
    unmap(b, t);
}

/*
 * Fill the bootstrap tables: pt pages are taken in dom0 order (the L4
 * first, then bottom-up L1, L2, L3 whenever the region crosses into a new
 * 2 MiB, 1 GiB or 512 GiB span); pages holding tables are mapped read-only.
 */
static void build_tables(const struct build *b)
{
    const struct pvmm_dom_layout *l = b->l;
    uint64_t next = l->pt_va + PAGE_SIZE;
    mfn_t l4 = region_mfn(b, l->pt_va), l3 = INVALID_MFN, l2 = INVALID_MFN, l1 = INVALID_MFN;

    for (uint64_t va = l->v_start; va < l->v_end; va += PAGE_SIZE) {
        bool new_l1 = l1 == INVALID_MFN || pt_index(va, 1) == 0;
        bool new_l2 = l2 == INVALID_MFN || (new_l1 && pt_index(va, 2) == 0);
        bool new_l3 = l3 == INVALID_MFN || (new_l2 && pt_index(va, 3) == 0);
        bool is_pt = va >= l->pt_va && va < l->pt_va + l->nr_pt_frames * PAGE_SIZE;

        if (new_l1) {
            l1 = region_mfn(b, next);
            next += PAGE_SIZE;
        }
        if (new_l2) {
            l2 = region_mfn(b, next);
            next += PAGE_SIZE;
        }
        if (new_l3) {
            l3 = region_mfn(b, next);
            next += PAGE_SIZE;
            set_entry(b, l4, pt_index(va, 4), pte_from_mfn(l3, UPPER));
        }
        if (new_l2)
            set_entry(b, l3, pt_index(va, 3), pte_from_mfn(l2, UPPER));
        if (new_l1)
            set_entry(b, l2, pt_index(va, 2), pte_from_mfn(l1, UPPER));
        set_entry(b, l1, pt_index(va, 1),
                  pte_from_mfn(region_mfn(b, va), is_pt ? LEAF & ~_PAGE_RW : LEAF));
    }
}

/* Page `first / 512` of the p2m list: entries first .. first + 511 into frame mfn. */
static void fill_p2m_page(const struct build *b, mfn_t mfn, uint64_t first)
{
    uint64_t *page = map(b, mfn);

    for (uint64_t i = 0; i < PAGE_SIZE / 8; i++)
        page[i] = first + i < b->l->nr_pages ? b->p2m[first + i] : 0;
    unmap(b, page);
}

/* The p2m list in the region, one page of 512 entries at a time. */
static void write_p2m_list(const struct build *b)
{
    const struct pvmm_dom_layout *l = b->l;

    for (uint64_t first = 0; first < l->nr_pages; first += PAGE_SIZE / 8)
        fill_p2m_page(b, region_mfn(b, l->p2m_va + first * 8), first);
}

/* A cleared frame for the INIT_P2M mapping: the next pfn after *next. */
static bool take_p2m_frame(const struct build *b, uint64_t *next, mfn_t *mfn)
{
    void *page;

    if (*next >= b->l->nr_pages)
        return false;
    *mfn = b->p2m[(*next)++];
    page = map(b, *mfn);
    __builtin_memset(page, 0, PAGE_SIZE);
    unmap(b, page);
    return true;
}

/*
 * INIT_P2M: map the p2m list at l->p2m_va with 4 KiB pages, walking down
 * from the bootstrap L4 and taking each missing table, then each data page,
 * from the pfns at first_p2m_pfn in that order (Xen's order).  Returns the
 * number of frames taken, or -1 when the domain's memory runs out.
 */
static int64_t map_p2m_outside(const struct build *b, mfn_t l4)
{
    const struct pvmm_dom_layout *l = b->l;
    uint64_t next = l->first_p2m_pfn, len = l->nr_pages * 8;

    for (uint64_t off = 0; off < len; off += PAGE_SIZE) {
        uint64_t va = l->p2m_va + off;
        mfn_t table = l4, data;

        for (int level = 4; level > 1; level--) {
            intpte_t *t = map(b, table);
            intpte_t e = t[pt_index(va, level)];

            unmap(b, t);
            if (!(e & _PAGE_PRESENT)) {
                mfn_t fresh;

                if (!take_p2m_frame(b, &next, &fresh))
                    return -1;
                e = pte_from_mfn(fresh, UPPER);
                set_entry(b, table, pt_index(va, level), e);
            }
            table = pte_mfn(e);
        }
        if (next >= l->nr_pages)
            return -1;
        data = b->p2m[next++];
        fill_p2m_page(b, data, off / 8);
        set_entry(b, table, pt_index(va, 1), pte_from_mfn(data, LEAF));
    }
    return (int64_t)(next - l->first_p2m_pfn);
}

/*
 * The initrd: into the region, or (unmapped) into the frames of its pfns, zero-padded; when
 * its frames were handed over, only the rest of its last page is cleared.
 */
static void load_initrd(const struct build *b, const struct pvmm_builder_params *p)
{
    const struct pvmm_dom_layout *l = b->l;
    const uint8_t *src = p->initrd;
    uint64_t tail = l->initrd_len & (PAGE_SIZE - 1);

    if (!l->initrd_len)
        return;
    if (p->initrd_handover && b->be->assign) {
        if (tail) {
            uint8_t *page = map(b, b->p2m[l->initrd_pfn + (l->initrd_len >> PAGE_SHIFT)]);

            __builtin_memset(page + tail, 0, PAGE_SIZE - tail);
            unmap(b, page);
        }
        return;
    }
    if (l->initrd_va) {
        region_write(b, l->initrd_va, src, l->initrd_len);
        return;
    }
    for (uint64_t off = 0; off < l->initrd_len; off += PAGE_SIZE) {
        uint8_t *page = map(b, b->p2m[l->initrd_pfn + off / PAGE_SIZE]);
        uint64_t n = l->initrd_len - off < PAGE_SIZE ? l->initrd_len - off : PAGE_SIZE;

        __builtin_memcpy(page, src + off, n);
        __builtin_memset(page + n, 0, PAGE_SIZE - n);
        unmap(b, page);
    }
}

/* start_info (§3) on its own page, cleared first. */
static void write_start_info(const struct build *b, const struct pvmm_builder_params *p)
{
    static const char magic[] = "xen-3.0-x86_64";
    struct start_info *si = map(b, region_mfn(b, b->l->start_info_va));

    __builtin_memset(si, 0, PAGE_SIZE);
    __builtin_memcpy(si->magic, magic, sizeof(magic));
    si->nr_pages = p->nr_pages;
    si->shared_info = p->shared_info_maddr;
    si->flags = p->dom0 ? (SIF_PRIVILEGED | SIF_INITDOMAIN) : 0;
    si->pt_base = b->l->pt_va;
    si->nr_pt_frames = b->l->nr_pt_frames;
    si->mfn_list = b->l->p2m_va;
    if (b->l->initrd_len) {
        si->mod_start = b->l->initrd_va ? b->l->initrd_va : b->l->initrd_pfn;
        si->mod_len = b->l->initrd_len;
        if (!b->l->initrd_va)
            si->flags |= SIF_MOD_START_PFN;
    }
    if (b->l->store_va) {
        si->store_mfn = region_mfn(b, b->l->store_va);
        si->store_evtchn = p->store_evtchn;
        si->console.domU.mfn = region_mfn(b, b->l->console_va);
        si->console.domU.evtchn = p->console_evtchn;
    }
    si->first_p2m_pfn = b->l->first_p2m_pfn;
    si->nr_p2m_frames = b->l->nr_p2m_frames;
    if (p->cmdline)
        for (unsigned int i = 0; i < MAX_GUEST_CMDLINE - 1 && p->cmdline[i]; i++)
            si->cmd_line[i] = p->cmdline[i];
    unmap(b, si);
}

/* True if pfn is one of the initrd's and its frames are handed over (not copied). */
static bool initrd_given(const struct build *b, const struct pvmm_builder_params *p,
                         uint64_t pfn)
{
    uint64_t pages = (b->l->initrd_len + PAGE_SIZE - 1) >> PAGE_SHIFT;

    return p->initrd_handover && b->be->assign && pfn >= b->l->initrd_pfn &&
           pfn - b->l->initrd_pfn < pages;
}

/*
 * All the memory, handed out in reverse so that pfn != mfn (the initrd's pfns get its own
 * frames when they are handed over, as Xen's builder assigns them); cleared and in the M2P.
 */
static int populate(const struct build *b, const struct pvmm_builder_params *p, mfn_t *p2m)
{
    uint64_t nr = b->l->nr_pages;
    uint64_t scrub = p->scrub_all ? nr : (b->l->v_end - b->l->v_start) >> PAGE_SHIFT;
    uint64_t first = b->l->initrd_pfn, given = 0;

    while (given < nr && initrd_given(b, p, first + given))
        given++;
    if (b->be->alloc(b->be->ctx, nr - given, p2m))
        return -XEN_ENOMEM;
    for (uint64_t i = 0, j = nr - given - 1; given < nr && i < j; i++, j--) {
        mfn_t t = p2m[i];

        p2m[i] = p2m[j];
        p2m[j] = t;
    }
    /* The pfns above the initrd's move up; the initrd's get its frames. */
    for (uint64_t pfn = nr; given && pfn-- > first + given; )
        p2m[pfn] = p2m[pfn - given];
    for (uint64_t i = 0; i < given; i++) {
        p2m[first + i] = p->initrd_mfn + i;
        if (b->be->assign(b->be->ctx, p2m[first + i]))
            return -XEN_ENOMEM;
    }
    for (uint64_t pfn = 0; pfn < nr; pfn++) {
        if (pfn < scrub && !initrd_given(b, p, pfn)) {
            void *page = map(b, p2m[pfn]);

            __builtin_memset(page, 0, PAGE_SIZE);
            unmap(b, page);
        }
        if (b->be->set_m2p(b->be->ctx, p2m[pfn], pfn))
            return -XEN_EINVAL;
    }
    return 0;
}

int pvmm_builder_populate(const struct pvmm_builder_backend *be,
                          const struct pvmm_builder_params *p, mfn_t *p2m,
                          struct pvmm_dom_layout *out, struct pvmm_boot_regs *regs,
                          const char **why)
{
    const struct pvmm_image *img = p->image;
    struct build b = { .be = be, .l = out, .p2m = p2m };
    int rc;

    rc = pvmm_builder_layout_special(img, p->nr_pages, p->initrd ? p->initrd_len : 0,
                                     p->nr_special, out, why);
    if (rc)
        return rc;
    if (p->dom0 && img->has_supported_features &&
        !(img->features_supported & (1u << XENFEAT_dom0))) {
        *why = "Kernel does not support Dom0 operation";
        return -XEN_EINVAL;
    }
    rc = populate(&b, p, p2m);
    if (rc) {
        *why = rc == -XEN_ENOMEM ? "not enough free memory for the domain"
                                 : "the M2P refused one of the domain's frames";
        return rc;
    }
    out->l4_mfn = region_mfn(&b, out->pt_va);

    if (pvmm_image_for_each_segment(img, load_segment, &b)) {
        *why = "a segment lies outside the bootstrap region";
        return -XEN_EINVAL;
    }
    if (img->has_hypercall_page) {
        uint8_t page[PAGE_SIZE];

        pvmm_hypercall_page_fill(page);
        region_write(&b, img->hypercall_page, page, PAGE_SIZE);
    }
    load_initrd(&b, p);
    build_tables(&b);
    if (out->p2m_outside) {
        int64_t n = map_p2m_outside(&b, out->l4_mfn);

        if (n < 0) {
            *why = "not enough memory in the domain for the INIT_P2M mapping";
            return -XEN_ENOMEM;
        }
        out->nr_p2m_frames = (uint64_t)n;
    } else {
        write_p2m_list(&b);
    }
    write_start_info(&b, p);

    rc = be->pin_l4(be->ctx, out->l4_mfn);
    if (rc) {
        *why = "the bootstrap L4 failed validation";
        return rc;
    }

    __builtin_memset(regs, 0, sizeof(*regs));
    regs->rip = img->entry;
    regs->rsp = out->stack_va + PAGE_SIZE;
    regs->rsi = out->start_info_va;
    regs->rflags = BOOT_RFLAGS;
    regs->cs = FLAT_KERNEL_CS;
    regs->ss = FLAT_KERNEL_SS;
    regs->ds = regs->es = regs->fs = regs->gs = FLAT_KERNEL_DS;
    return 0;
}
