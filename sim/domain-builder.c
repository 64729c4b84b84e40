/*
 * sim/domain-builder.c - the simulator's domain creation around the shared
 * PV domain builder (see domain-builder.h and builder/pv-build.h).
 */
#include "domain-builder.h"

#include <xen/errno.h>

#define MAX_KERNEL_END  (1UL << 46)   /* a blank kernel region stays well inside the lower half */

/*
 * Check the simulator's own parameters and pick the image: p->image, or a
 * blank kernel region in *blank.  Returns 0 or -XEN_EINVAL.
 */
static int pick_image(const struct pvmm_build_params *p, struct pvmm_image *blank,
                      const struct pvmm_image **img)
{
    if (p->nr_pages == 0 || p->nr_vcpus == 0 || p->nr_vcpus > PVMM_MAX_VCPUS ||
        (p->max_pages && p->max_pages < p->nr_pages))
        return -XEN_EINVAL;
    if (p->image) {
        *img = p->image;
        return 0;
    }
    if ((p->kernel_start & (PAGE_SIZE - 1)) || p->kernel_end < p->kernel_start ||
        p->kernel_end > MAX_KERNEL_END)
        return -XEN_EINVAL;
    pvmm_image_blank(blank, p->kernel_start, p->kernel_end);
    *img = blank;
    return 0;
}

int pvmm_build_layout(const struct pvmm_build_params *p, struct pvmm_dom_layout *out)
{
    struct pvmm_image blank;
    const struct pvmm_image *img;
    const char *why;
    int rc = pick_image(p, &blank, &img);

    return rc ? rc : pvmm_builder_layout_initrd(img, p->nr_pages, p->initrd ? p->initrd_len : 0,
                                                out, &why);
}

/* Does a domain of n pages with p's image lay out? */
static bool fits(const struct pvmm_build_params *p, uint64_t n)
{
    struct pvmm_build_params q = *p;
    struct pvmm_dom_layout l;

    q.nr_pages = n;
    q.max_pages = 0;
    return pvmm_build_layout(&q, &l) == 0;
}

uint64_t pvmm_build_min_pages(const struct pvmm_build_params *p)
{
    uint64_t lo = 0, hi = 1;

    /* Grow until it fits, then bisect: a bigger domain only adds p2m entries. */
    while (!fits(p, hi)) {
        lo = hi;
        if (hi >= (1UL << 40))
            return 0;
        hi *= 2;
    }
    while (hi - lo > 1) {
        uint64_t mid = lo + (hi - lo) / 2;

        if (fits(p, mid))
            hi = mid;
        else
            lo = mid;
    }
    return hi;
}

static void destroy(struct domain *d)
{
    while (pvmm_domain_destroy(d) == -XEN_ERESTART)
        ;
}

int pvmm_build_domain_regs(struct pvmm_state *s, const struct pvmm_build_params *p, mfn_t *p2m,
                           struct pvmm_dom_layout *out, struct pvmm_boot_regs *regs,
                           const char **why)
{
    struct pvmm_image blank;
    struct pvmm_builder_params bp = {
        .nr_pages = p->nr_pages, .cmdline = p->cmdline, .dom0 = p->privileged,
        .scrub_all = true, .shared_info_maddr = p->shared_info_maddr,
        .initrd = p->initrd, .initrd_len = p->initrd_len,
    };
    struct pvmm_boot_regs r;
    const char *reason;
    struct domain *d;
    int rc;

    if (!why)
        why = &reason;
    if (!regs)
        regs = &r;
    *why = "bad build parameters";
    rc = pick_image(p, &blank, &bp.image);
    if (!rc)
        rc = pvmm_builder_layout_initrd(bp.image, p->nr_pages, p->initrd ? p->initrd_len : 0,
                                        out, why);
    if (rc)
        return rc;
    *why = "domain id out of range";
    if (p->domid >= PVMM_MAX_DOMAINS)
        return -XEN_EINVAL;
    *why = "the domain exists already";
    if (pvmm_domain_lookup(s, p->domid))
        return -XEN_EEXIST;
    *why = "the core refused to create the domain";
    d = pvmm_domain_create(s, p->domid, p->privileged, p->max_pages ? p->max_pages : p->nr_pages,
                           p->nr_vcpus);
    if (!d)
        return -XEN_EINVAL;
    rc = pvmm_builder_build(d, &bp, p2m, out, regs, why);
    if (rc)
        destroy(d);
    return rc;
}

int pvmm_build_domain(struct pvmm_state *s, const struct pvmm_build_params *p, mfn_t *p2m,
                      struct pvmm_dom_layout *out)
{
    return pvmm_build_domain_regs(s, p, p2m, out, NULL, NULL);
}
