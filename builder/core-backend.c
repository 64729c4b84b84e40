/*
 * builder/core-backend.c - the domain builder's back end over the core's API
 * (pvmm_builder_build, see pv-build.h), for the embedders that hold the core
 * itself: pvmm-hv's dom0 and the simulator's domains.  Frames come from
 * pvmm_alloc_domheap_page, guest memory is reached through the platform's
 * map_frame, and the L4 is pinned and installed as vCPU 0's kernel base.
 */
#include "pv-build.h"

#include <pvmm/pvmm.h>
#include <xen/errno.h>

static int core_alloc(void *ctx, uint64_t nr, mfn_t *mfns)
{
    struct domain *d = ctx;

    for (uint64_t i = 0; i < nr; i++)
        if (pvmm_alloc_domheap_page(d, &mfns[i]))
            return -XEN_ENOMEM;
    return 0;
}

static void *core_map(void *ctx, mfn_t mfn)
{
    struct pvmm_state *s = ((struct domain *)ctx)->state;

    return s->plat->map_frame(s->plat->ctx, mfn);
}

static void core_unmap(void *ctx, void *va)
{
    struct pvmm_state *s = ((struct domain *)ctx)->state;

    if (s->plat->unmap_frame)
        s->plat->unmap_frame(s->plat->ctx, va);
}

static int core_set_m2p(void *ctx, mfn_t mfn, uint64_t pfn)
{
    pvmm_set_m2p(((struct domain *)ctx)->state, mfn, pfn);
    return 0;
}

/* Pin the L4 for vCPU 0 (online, kernel mode) and make it its base. */
static int core_pin_l4(void *ctx, mfn_t l4)
{
    struct vcpu *v0 = &((struct domain *)ctx)->vcpu[0];
    int rc;

    v0->online = true;
    v0->kernel_mode = true;
    rc = pvmm_pin_table(v0, l4, 4);
    return rc ? rc : pvmm_new_baseptr(v0, l4);
}

static int core_assign(void *ctx, mfn_t mfn)
{
    return pvmm_assign_boot_frame(ctx, mfn) ? -XEN_ENOMEM : 0;
}

int pvmm_builder_build(struct domain *d, const struct pvmm_builder_params *p, mfn_t *p2m,
                       struct pvmm_dom_layout *out, struct pvmm_boot_regs *regs,
                       const char **why)
{
    const struct pvmm_builder_backend be = {
        .ctx = d, .alloc = core_alloc, .map = core_map, .unmap = core_unmap,
        .set_m2p = core_set_m2p, .pin_l4 = core_pin_l4, .assign = core_assign,
    };

    return pvmm_builder_populate(&be, p, p2m, out, regs, why);
}
