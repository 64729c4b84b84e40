/*
 * sim/domain-builder.c - the PV domain builder shared by pvmm and pvmm-hv
 * (see domain-builder.h).  Freestanding: the core's API and the platform's
 * map_frame only; no C library beyond memset/memcpy.
 */
#include "domain-builder.h"

#include <xen/xen.h>
#include <xen/errno.h>

#define MIB (1UL << 20)
#define KIB (1UL << 10)

#define LEAF_RW   (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED)
#define LEAF_RO   (_PAGE_PRESENT | _PAGE_ACCESSED)
#define UPPER     (_PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_USER)

static uint64_t round_up(uint64_t x, uint64_t a)
{
    return (x + a - 1) & ~(a - 1);
}

/* Number of aligned spans of `span` bytes touched by [start, end). */
static uint64_t spans(uint64_t start, uint64_t end, uint64_t span)
{
    return ((end - 1) / span) - (start / span) + 1;
}

int pvmm_build_layout(const struct pvmm_build_params *p, struct pvmm_dom_layout *out)
{
    uint64_t vpt_start, nr_pt;

    if (p->nr_pages == 0 || p->nr_vcpus == 0 || p->nr_vcpus > PVMM_MAX_VCPUS ||
        (p->kernel_start & (PAGE_SIZE - 1)) || p->kernel_end < p->kernel_start ||
        p->kernel_end > (1UL << 46) || (p->max_pages && p->max_pages < p->nr_pages))
        return -XEN_EINVAL;

    __builtin_memset(out, 0, sizeof(*out));
    out->nr_pages = p->nr_pages;
    out->v_start = 0;
    out->kernel_start = p->kernel_start;
    out->kernel_end = round_up(p->kernel_end, PAGE_SIZE);
    out->p2m_va = out->kernel_end;
    out->start_info_va = out->p2m_va + round_up(p->nr_pages * 8, PAGE_SIZE);
    vpt_start = out->start_info_va + PAGE_SIZE;

    /* Xen's search: grow the page-table area until it maps the region it ends. */
    for (nr_pt = 2; ; nr_pt++) {
        uint64_t vstack_end = vpt_start + nr_pt * PAGE_SIZE + PAGE_SIZE;
        uint64_t v_end = round_up(vstack_end, 4 * MIB);
        uint64_t need;

        if (v_end - vstack_end < 512 * KIB)
            v_end += 4 * MIB;
        need = 1 + spans(0, v_end, 1UL << 39) + spans(0, v_end, 1UL << 30) +
               spans(0, v_end, 1UL << 21);
        if (nr_pt >= need) {
            out->v_end = v_end;
            break;
        }
    }
    out->pt_va = vpt_start;
    out->nr_pt_frames = nr_pt;
    out->stack_va = vpt_start + nr_pt * PAGE_SIZE;
    out->spare_va = out->stack_va + PAGE_SIZE;
    if (out->v_end / PAGE_SIZE > p->nr_pages)
        return -XEN_ENOMEM;
    return 0;
}

static intpte_t *map(struct pvmm_state *s, mfn_t mfn)
{
    return s->plat->map_frame(s->plat->ctx, mfn);
}

static void unmap(struct pvmm_state *s, void *va)
{
    if (s->plat->unmap_frame)
        s->plat->unmap_frame(s->plat->ctx, va);
}

/* Write one entry of table frame `table`. */
static void set_entry(struct pvmm_state *s, mfn_t table, unsigned int idx, intpte_t e)
{
    intpte_t *t = map(s, table);

    t[idx] = e;
    unmap(s, t);
}

/*
 * Fill the bootstrap tables: pt pages are taken in dom0 order (the L4
 * first, then bottom-up L1, L2, L3 whenever the region crosses into a new
 * 2 MiB, 1 GiB or 512 GiB span); pages holding tables are mapped read-only.
 */
static void build_tables(struct pvmm_state *s, const struct pvmm_dom_layout *l, const mfn_t *p2m)
{
    uint64_t pt_pfn = l->pt_va >> PAGE_SHIFT, next = pt_pfn + 1;
    mfn_t l4 = p2m[pt_pfn], l3 = INVALID_MFN, l2 = INVALID_MFN, l1 = INVALID_MFN;

    for (uint64_t va = l->v_start; va < l->v_end; va += PAGE_SIZE) {
        uint64_t pfn = va >> PAGE_SHIFT;
        bool new_l1 = l1 == INVALID_MFN || pt_index(va, 1) == 0;
        bool new_l2 = l2 == INVALID_MFN || (new_l1 && pt_index(va, 2) == 0);
        bool new_l3 = l3 == INVALID_MFN || (new_l2 && pt_index(va, 3) == 0);
        bool is_pt = pfn >= pt_pfn && pfn < pt_pfn + l->nr_pt_frames;

        if (new_l1)
            l1 = p2m[next++];
        if (new_l2) {
            l2 = p2m[next++];
            set_entry(s, l2, pt_index(va, 2), pte_from_mfn(l1, UPPER));
        } else if (new_l1) {
            set_entry(s, l2, pt_index(va, 2), pte_from_mfn(l1, UPPER));
        }
        if (new_l3) {
            l3 = p2m[next++];
            set_entry(s, l4, pt_index(va, 4), pte_from_mfn(l3, UPPER));
        }
        if (new_l2)
            set_entry(s, l3, pt_index(va, 3), pte_from_mfn(l2, UPPER));
        set_entry(s, l1, pt_index(va, 1), pte_from_mfn(p2m[pfn], is_pt ? LEAF_RO : LEAF_RW));
    }
}

static void write_start_info(struct pvmm_state *s, const struct pvmm_build_params *p,
                             const struct pvmm_dom_layout *l, const mfn_t *p2m)
{
    struct start_info *si = (struct start_info *)map(s, p2m[l->start_info_va >> PAGE_SHIFT]);
    static const char magic[] = "xen-3.0-x86_64";

    __builtin_memset(si, 0, PAGE_SIZE);
    __builtin_memcpy(si->magic, magic, sizeof(magic));
    si->nr_pages = p->nr_pages;
    si->shared_info = p->shared_info_maddr;
    si->flags = p->privileged ? (SIF_PRIVILEGED | SIF_INITDOMAIN) : 0;
    si->pt_base = l->pt_va;
    si->nr_pt_frames = l->nr_pt_frames;
    si->mfn_list = l->p2m_va;
    if (p->cmdline)
        for (unsigned int i = 0; i < MAX_GUEST_CMDLINE - 1 && p->cmdline[i]; i++)
            si->cmd_line[i] = p->cmdline[i];
    unmap(s, si);
}

/* Write the p2m list into guest memory and the M2P for every frame. */
static void write_p2m(struct pvmm_state *s, const struct pvmm_dom_layout *l, const mfn_t *p2m)
{
    uint64_t first = l->p2m_va >> PAGE_SHIFT;

    for (uint64_t pfn = 0; pfn < l->nr_pages; pfn++) {
        uint64_t byte = pfn * 8;
        uint64_t *page = (uint64_t *)map(s, p2m[first + byte / PAGE_SIZE]);

        page[(byte % PAGE_SIZE) / 8] = p2m[pfn];
        unmap(s, page);
        pvmm_set_m2p(s, p2m[pfn], pfn);
    }
}

static void destroy(struct domain *d)
{
    while (pvmm_domain_destroy(d) == -XEN_ERESTART)
        ;
}

int pvmm_build_domain(struct pvmm_state *s, const struct pvmm_build_params *p, mfn_t *p2m,
                      struct pvmm_dom_layout *out)
{
    uint64_t max = p->max_pages ? p->max_pages : p->nr_pages;
    struct domain *d;
    struct vcpu *v0;
    int rc;

    rc = pvmm_build_layout(p, out);
    if (rc)
        return rc;
    if (p->domid >= PVMM_MAX_DOMAINS)
        return -XEN_EINVAL;
    if (pvmm_domain_lookup(s, p->domid))
        return -XEN_EEXIST;
    d = pvmm_domain_create(s, p->domid, p->privileged, max, p->nr_vcpus);
    if (!d)
        return -XEN_EINVAL;

    /* All memory now; handed out in reverse so that pfn != mfn. */
    for (uint64_t i = 0; i < p->nr_pages; i++) {
        if (pvmm_alloc_domheap_page(d, &p2m[i])) {
            destroy(d);
            return -XEN_ENOMEM;
        }
        __builtin_memset(map(s, p2m[i]), 0, PAGE_SIZE);
    }
    for (uint64_t i = 0, j = p->nr_pages - 1; i < j; i++, j--) {
        mfn_t t = p2m[i];

        p2m[i] = p2m[j];
        p2m[j] = t;
    }
    out->l4_mfn = p2m[out->pt_va >> PAGE_SHIFT];

    build_tables(s, out, p2m);
    write_p2m(s, out, p2m);
    write_start_info(s, p, out, p2m);

    v0 = &d->vcpu[0];
    v0->online = true;
    v0->kernel_mode = true;
    rc = pvmm_pin_table(v0, out->l4_mfn, 4);
    if (!rc)
        rc = pvmm_new_baseptr(v0, out->l4_mfn);
    if (rc) {
        destroy(d);
        return rc;
    }
    return 0;
}
