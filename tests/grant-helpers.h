/*
 * tests/grant-helpers.h - the grant-table tests' fixture and helpers (test-grant-*.c): a
 * machine with domain 1 running a small address space, its table's first frame set up and
 * seen as v1 entries, and one-element grant_table_op calls with continuations re-issued.
 */
#ifndef PVMM_TESTS_GRANT_HELPERS_H
#define PVMM_TESTS_GRANT_HELPERS_H

#include "harness.h"

#include "../core/grant-table.h"

#define NR_FRAMES 512
#define VA(i)     (HARNESS_DATA_VA + (uint64_t)(i) * PAGE_SIZE)

struct gfx {
    struct harness_fx f;
    struct harness_as as;
    mfn_t gt;                    /* the table's first shared frame */
    struct grant_entry_v1 *e1;
};

/* grant_table_op with continuations re-issued, as an embedder does. */
static inline long gop(struct vcpu *v, unsigned int cmd, void *uop, unsigned int count)
{
    long rc = do_grant_table_op(v, cmd, (uint64_t)(uintptr_t)uop, count);

    while (v->cont.pending) {
        struct pvmm_continuation c = v->cont;

        v->cont.pending = false;
        assert_int_equal(c.op, __HYPERVISOR_grant_table_op);
        rc = do_grant_table_op(v, (unsigned int)c.args[0], c.args[1], (unsigned int)c.args[2]);
    }
    return rc;
}

static inline mfn_t setup_frames(struct vcpu *v, unsigned int nr)
{
    uint64_t frames[PVMM_GNTTAB_MAX_FRAMES] = { 0 };
    struct gnttab_setup_table st = { .dom = DOMID_SELF, .nr_frames = nr,
                                     .frame_list = (uint64_t)(uintptr_t)frames };

    assert_int_equal(gop(v, GNTTABOP_setup_table, &st, 1), 0);
    assert_int_equal(st.status, GNTST_okay);
    return frames[0];
}

static inline struct gfx gfx_new(void)
{
    struct gfx g;

    g.f = harness_fx_new(NR_FRAMES);
    harness_build_running_as(g.f.h, g.f.v, &g.as, 4);
    g.gt = setup_frames(g.f.v, 1);
    g.e1 = (struct grant_entry_v1 *)harness_pt(g.f.h, g.gt);
    harness_audit(g.f.h);
    return g;
}

static inline void grant(struct gfx *g, grant_ref_t ref, domid_t to, mfn_t mfn, uint16_t flags)
{
    g->e1[ref].domid = to;
    g->e1[ref].frame = (uint32_t)mfn;
    g->e1[ref].flags = flags;
}

static inline int16_t map(struct vcpu *v, domid_t dom, grant_ref_t ref, uint32_t flags,
                   uint64_t addr, grant_handle_t *h)
{
    struct gnttab_map_grant_ref m = { .host_addr = addr, .flags = flags, .ref = ref,
                                      .dom = dom };

    assert_int_equal(gop(v, GNTTABOP_map_grant_ref, &m, 1), 0);
    if (h)
        *h = m.handle;
    return m.status;
}

static inline int16_t unmap(struct vcpu *v, grant_handle_t h, uint64_t addr, uint64_t bus)
{
    struct gnttab_unmap_grant_ref u = { .host_addr = addr, .dev_bus_addr = bus, .handle = h };

    assert_int_equal(gop(v, GNTTABOP_unmap_grant_ref, &u, 1), 0);
    return u.status;
}

static inline uint32_t pin_of(struct gfx *g, grant_ref_t ref)
{
    return gnttab_active(g->f.d, ref)->pin;
}

#endif /* PVMM_TESTS_GRANT_HELPERS_H */
