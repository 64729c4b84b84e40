/*
 * ops-grant.c: the fuzzing guest's grant operations on its own grants (domain 0 maps,
 * copies and swaps what it granted itself; docs/fuzzing.md).
 *
 * The guest's table (one frame, set up by world_init) is mapped at W.gnt_va; it grants
 * references below NR_GREFS.  A writable grant only ever names a pool page (frames the
 * guest may lose); any other frame (its image, its boot tables, shared_info,
 * frames it does not own) is granted read-only, so no copy or store through a grant can hit
 * the guest's own ground.  Host mappings go to NR_GSLOTS slots outside the pool (their L1 is
 * a boot table) or to the fuzz window, whose L1 entries are pool pages: such an operation
 * declares the entry it may change (touch_entry), as do contains_pte mappings of a pool
 * entry and unmap_and_replace's new address; a copy or store declares the pool page it may
 * change.  The guest keeps a record of each mapping it made (handle, address, bus address,
 * the frame it believes mapped); a mapping in a slot that nothing else has replaced must
 * read what the pool page it maps holds.  Handles are never printed (Xen hands them out in
 * another order): a mapping is named by its record's index.
 */
#include <xen/grant_table.h>

#include "fuzz.h"
#include "grant.h"
#include "toolstack.h"

/* A mapping the guest made (or tried to keep track of). */
struct gmap {
    bool live;
    bool moved;                 /* its slot's PTE was replaced since: no longer readable */
    grant_handle_t handle;
    unsigned int ref;
    uint32_t flags;
    uint64_t addr, bus;
    unsigned long frame;        /* what the guest granted at ref when it mapped */
};

static struct gmap gmaps[NR_GMAPS];

void grant_init(void)
{
    unsigned long mfn;

    W.gnt_va = (unsigned long)gnttab_map_table(1, &mfn);
    if (!W.gnt_va) {
        xtf_error("setup: the grant table");
        xtf_exit();
    }
    W.gnt_version = 1;
    for (unsigned int i = 0; i < NR_GSLOTS; i++)
        W.gslot[i] = alloc_map_slot();
    W.status_va = alloc_map_slot();
}

static void fl_st(int16_t st)
{
    fl(" -> st=%d", st);
}

static unsigned int pick_gref(void)
{
    if (chance(90))
        return rnd_below(NR_GREFS);
    return chance(50) ? 255 + rnd_below(3) : 511 + rnd_below(3);
}

/*
 * A frame to grant; *rw_ok tells whether a writable grant of it is safe for the guest: a
 * pool page.  Never the scratch page writable: later operations read their arguments from
 * it, and a copy could leave machine frame numbers there (which differ between the two
 * hypervisors).
 */
static unsigned long pick_grant_frame(bool *rw_ok)
{
    unsigned long mfn = chance(65) ? pool_mfn(rnd_below(NR_POOL)) : pick_frame();

    *rw_ok = pool_index_of_mfn(mfn) >= 0;
    return mfn;
}

static void op_gwrite(void)
{
    static const uint16_t flag_sets[] = {
        GTF_permit_access, GTF_permit_access, GTF_permit_access | GTF_readonly, GTF_invalid,
        GTF_accept_transfer, GTF_permit_access | GTF_reading | GTF_writing,
        GTF_permit_access | GTF_PCD | GTF_PWT, GTF_permit_access | GTF_sub_page,
    };
    static const uint16_t doms[] = { 0, 0, 0, 0, 1, DOMID_SELF };
    unsigned int ref = rnd_below(NR_GREFS);
    uint16_t flags = flag_sets[rnd_below(ARRAY_SIZE(flag_sets))];
    uint16_t dom = doms[rnd_below(ARRAY_SIZE(doms))];
    bool rw_ok;
    unsigned long mfn = pick_grant_frame(&rw_ok);

    if (!rw_ok)
        flags |= GTF_readonly;
    W.gnt_frame[ref] = mfn;
    W.gnt_flags[ref] = flags;
    fl("gwrite v%u r=%u fl=%x d=%x ", W.gnt_version, ref, flags, dom);
    fl_mfn(mfn);
    if (W.gnt_version == 2) {
        volatile uint64_t *e = (volatile uint64_t *)W.gnt_va + 2 * ref;

        e[1] = mfn;                                     /* full_page.frame, then the header */
        __atomic_store_n((volatile uint32_t *)e, flags | (uint32_t)dom << 16, __ATOMIC_SEQ_CST);
    } else {
        __atomic_store_n((volatile uint64_t *)W.gnt_va + ref,
                         flags | (uint64_t)dom << 16 | (uint64_t)(uint32_t)mfn << 32,
                         __ATOMIC_SEQ_CST);
    }
}

/* Where a host mapping goes; declares the pool entry it may change.  *slot: a slot index. */
static uint64_t pick_host_addr(bool pte, int *slot, unsigned int *pool_entry)
{
    unsigned int s = rnd_below(NR_GSLOTS);
    uint64_t *e;

    *slot = -1;
    if (chance(65)) {
        *slot = (int)s;
        if (!pte)
            return W.gslot[s];
        e = pt_entry(W.gslot[s], 1);
        return e ? virt_to_maddr(e) : 0;
    }
    if (pte) {       /* an entry of a pool page (an L1 or not) */
        unsigned int i = rnd_below(NR_POOL), idx = pick_index();

        touch_entry(pool_mfn(i), idx);
        *pool_entry = i << 16 | idx;
        return ((uint64_t)pool_mfn(i) << PAGE_SHIFT) + 8 * idx;
    }
    {
        unsigned long va = pick_fuzz_va();

        e = pt_entry(va, 1);
        if (e)
            touch_entry(virt_to_mfn(e), pt_index(va, 1));
        return va;
    }
}

static void op_gmap(void)
{
    static const uint32_t flag_sets[] = {
        GNTMAP_host_map, GNTMAP_host_map, GNTMAP_host_map | GNTMAP_readonly,
        GNTMAP_device_map, GNTMAP_device_map | GNTMAP_readonly,
        GNTMAP_host_map | GNTMAP_device_map, GNTMAP_host_map | GNTMAP_contains_pte,
        GNTMAP_host_map | GNTMAP_contains_pte | GNTMAP_readonly,
        GNTMAP_host_map | GNTMAP_application_map, 0,
    };
    uint32_t flags = flag_sets[rnd_below(ARRAY_SIZE(flag_sets))];
    unsigned int ref = pick_gref(), i;

    /* Most of the time, a reference it granted, mapped read-only if the grant is. */
    if (chance(70)) {
        unsigned int r0 = rnd_below(NR_GREFS);

        for (unsigned int k = 0; k < NR_GREFS; k++) {
            unsigned int r = (r0 + k) % NR_GREFS;

            if ((W.gnt_flags[r] & GTF_type_mask) == GTF_permit_access &&
                !(W.gnt_flags[r] & GTF_sub_page)) {
                ref = r;
                if (W.gnt_flags[r] & GTF_readonly)
                    flags |= GNTMAP_readonly;
                break;
            }
        }
    }
    domid_t dom = chance(92) ? 0 : chance(50) ? DOMID_SELF : 1;
    int slot;
    unsigned int pool_entry = ~0U;
    uint64_t addr = pick_host_addr(flags & GNTMAP_contains_pte, &slot, &pool_entry), bus = 0;
    grant_handle_t h = 0;
    int16_t st;

    for (i = 0; i < NR_GMAPS && gmaps[i].live; i++)
        ;
    fl("gmap r=%u d=%x f=%x at=", ref, dom, flags);
    if (slot >= 0)
        fl("s%d%s", slot, (flags & GNTMAP_contains_pte) ? "pte" : "");
    else if (pool_entry != ~0U)
        fl("pool%u.%u", pool_entry >> 16, pool_entry & 0xffff);
    else
        fl("%lx", (unsigned long)addr);
    {
        struct gnttab_map_grant_ref m = { .host_addr = addr, .flags = flags, .ref = ref,
                                          .dom = dom };
        long rc = gnttab_op(GNTTABOP_map_grant_ref, &m, 1);

        if (rc)
            fl(" rc=%ld", rc);
        st = rc ? GNTST_general_error : m.status;
        h = m.handle;
        bus = m.dev_bus_addr;
    }
    fl_st(st);
    if (st == GNTST_okay && slot >= 0 && !(flags & GNTMAP_contains_pte) &&
        (flags & GNTMAP_host_map)) {
        fl(" pte=");
        fl_pte(pt_l1e(W.gslot[slot]));
    }
    if (st != GNTST_okay)
        return;
    if (flags & GNTMAP_device_map) {
        fl(" bus=");
        fl_mfn(bus >> PAGE_SHIFT);
    }
    for (unsigned int j = 0; j < NR_GMAPS; j++)
        if (gmaps[j].live && gmaps[j].addr == addr && (flags & GNTMAP_host_map))
            gmaps[j].moved = true;              /* its PTE was just replaced */
    if (i == NR_GMAPS) {
        fl(" (untracked)");
        return;
    }
    fl(" m%u", i);
    gmaps[i] = (struct gmap){ .live = true, .handle = h, .ref = ref, .flags = flags,
                              .addr = addr, .bus = bus, .frame = W.gnt_frame[ref % NR_GREFS],
                              .moved = slot < 0 || (flags & GNTMAP_contains_pte) ||
                                       ref >= NR_GREFS };
}

/* The entry a recorded mapping's unmap may change (pool entries only matter). */
static void touch_mapping(const struct gmap *g)
{
    uint64_t *e;

    if (!(g->flags & GNTMAP_host_map))
        return;
    if (g->flags & GNTMAP_contains_pte) {
        touch_entry(g->addr >> PAGE_SHIFT, (unsigned int)(g->addr & 0xfff) / 8);
        return;
    }
    e = pt_entry(g->addr, 1);
    if (e)
        touch_entry(virt_to_mfn(e), pt_index(g->addr, 1));
}

static void op_gunmap(bool replace)
{
    unsigned int i = rnd_below(NR_GMAPS);
    struct gmap g = gmaps[i];
    int16_t st;

    /* A dead record's handle may be another mapping's by now, and Xen hands handles out
     * in another order than pvmm-hv: a handle no mapping has stands in for it. */
    if (!g.live || chance(10))
        g.handle = (grant_handle_t)(0x4000 + rnd_below(256));
    if (chance(10))
        g.addr = chance(50) ? pick_fuzz_va() : W.gslot[rnd_below(NR_GSLOTS)];
    if (chance(10))
        g.bus = 0;
    touch_mapping(&g);
    fl("%s m%u%s%s", replace ? "greplace" : "gunmap", i, gmaps[i].live ? "" : " (dead)",
       g.handle != gmaps[i].handle || g.addr != gmaps[i].addr || g.bus != gmaps[i].bus ?
       " (odd)" : "");
    if (replace) {
        struct gnttab_unmap_and_replace r = { .host_addr = g.addr, .handle = g.handle };
        unsigned int s = rnd_below(NR_GSLOTS);
        unsigned long nva = chance(70) ? W.gslot[s] : pick_fuzz_va();
        uint64_t *e = pt_entry(nva, 1);

        if (e)
            touch_entry(virt_to_mfn(e), pt_index(nva, 1));
        r.new_addr = nva;
        fl(" new=%s", nva == W.gslot[s] ? "slot" : "fuzz");
        gnttab_op(GNTTABOP_unmap_and_replace, &r, 1);
        st = r.status;
        if (st == GNTST_okay)
            for (unsigned int j = 0; j < NR_GMAPS; j++)
                if (gmaps[j].addr == nva || gmaps[j].addr == g.addr)
                    gmaps[j].moved = true;
    } else {
        struct gnttab_unmap_grant_ref u = {
            .host_addr = (g.flags & GNTMAP_host_map) ? g.addr : 0, .dev_bus_addr = g.bus,
            .handle = g.handle,
        };
        long rc = gnttab_op(GNTTABOP_unmap_grant_ref, &u, 1);

        if (rc)
            fl(" rc=%ld", rc);
        st = rc ? GNTST_general_error : u.status;
    }
    fl_st(st);
    if (st == GNTST_okay && g.handle == gmaps[i].handle)
        gmaps[i].live = false;
}

static void op_gcopy(void)
{
    struct gnttab_copy cp;
    bool src_ref = chance(50), dst_ref = chance(50), rw_ok;
    unsigned int sr = pick_gref(), dr = pick_gref();
    unsigned long smfn = pick_frame(), dmfn = pick_grant_frame(&rw_ok);

    memset(&cp, 0, sizeof(cp));
    if (!rw_ok)
        dmfn = pool_mfn(rnd_below(NR_POOL));
    cp.source.u.gmfn = src_ref ? sr : smfn;
    cp.source.domid = chance(90) ? (src_ref ? 0 : DOMID_SELF) : 1;
    cp.source.offset = (uint16_t)(chance(80) ? rnd_below(8) * 512 : rnd_below(4200));
    cp.dest.u.gmfn = dst_ref ? dr : dmfn;
    cp.dest.domid = chance(90) ? (dst_ref ? 0 : DOMID_SELF) : 1;
    cp.dest.offset = (uint16_t)(chance(80) ? rnd_below(8) * 512 : rnd_below(4200));
    cp.len = (uint16_t)(chance(80) ? 8 * (1 + rnd_below(64)) : rnd_below(4200));
    cp.flags = (uint16_t)((src_ref ? GNTCOPY_source_gref : 0) |
                          (dst_ref ? GNTCOPY_dest_gref : 0));
    touch_page(dst_ref ? W.gnt_frame[dr % NR_GREFS] : dmfn);
    fl("gcopy ");
    if (src_ref)
        fl("r%u", sr);
    else
        fl_mfn(smfn);
    fl("+%x d=%x -> ", cp.source.offset, cp.source.domid);
    if (dst_ref)
        fl("r%u", dr);
    else
        fl_mfn(dmfn);
    fl("+%x d=%x len=%x", cp.dest.offset, cp.dest.domid, cp.len);
    fl(" rc=%ld", gnttab_op(GNTTABOP_copy, &cp, 1));
    fl_st(cp.status);
}

static void op_gversion(void)
{
    unsigned int want = chance(90) ? 1 + rnd_below(2) : rnd_below(4), got = 0;
    long rc = gnttab_set_version(want, &got);

    fl("gversion %u -> %ld v=%u", want, rc, got);
    if (!rc && got != W.gnt_version)       /* entries past the 8 reserved ones are cleared */
        for (unsigned int r = 8; r < NR_GREFS; r++)
            W.gnt_flags[r] = 0;
    if (!rc)
        W.gnt_version = got;
}

static void op_gstatus(void)
{
    /* Not the scratch page: machine frame numbers left there would steer later operations
     * that read it differently on the two hypervisors. */
    static uint64_t frames[4];
    struct gnttab_get_status_frames gs = {
        .dom = DOMID_SELF, .nr_frames = chance(80) ? 1 : rnd_below(4),
        .frame_list = (uint64_t)(uintptr_t)frames,
    };
    long rc;

    frames[0] = 0;
    rc = gnttab_op(GNTTABOP_get_status_frames, &gs, 1);
    fl("gstatus n=%u -> %ld", gs.nr_frames, rc);
    fl_st(gs.status);
    if (chance(50) && W.status_mapped) {
        fl(" unmap -> %ld", unmap_va(W.status_va));
        W.status_mapped = false;
    } else if (!rc && gs.status == GNTST_okay && gs.nr_frames && chance(50)) {
        rc = pt_map_mfn(W.status_va, frames[0], PTE_FLAGS_RO);
        fl(" map -> %ld", rc);
        W.status_mapped = !rc;
    }
}

/* Read (and maybe store) through a live, unmoved slot mapping of a pool page. */
static void op_gtouch(void)
{
    unsigned int i = rnd_below(NR_GMAPS);
    const struct gmap *g = &gmaps[i];
    int p = pool_index_of_mfn(g->frame);
    volatile uint64_t *via = (volatile uint64_t *)g->addr;
    unsigned int idx = pick_index();

    fl("gtouch m%u", i);
    if (!g->live || g->moved || p < 0 || !(g->flags & GNTMAP_host_map)) {
        fl(" -> skip");
        return;
    }
    if (via[idx] != ((volatile uint64_t *)pool_va((unsigned int)p))[idx])
        fuzz_fail("grant mapping m%u (ref %u) does not read as pool page %d", i, g->ref, p);
    if (!(g->flags & GNTMAP_readonly) && chance(50) && W.pinned[p] == 0) {
        touch_entry(pool_mfn((unsigned int)p), idx);
        via[idx] = rnd() & ~(uint64_t)_PAGE_PRESENT;
        fl(" store");
    }
    fl(" -> ok");
}

void op_grant(void)
{
    unsigned int r = rnd_below(100);

    if (r < 22)
        op_gwrite();
    else if (r < 47)
        op_gmap();
    else if (r < 65)
        op_gunmap(false);
    else if (r < 70)
        op_gunmap(true);
    else if (r < 80)
        op_gcopy();
    else if (r < 84) {
        struct gnttab_swap_grant_ref s = { .ref_a = pick_gref(), .ref_b = pick_gref() };

        fl("gswap r%u r%u -> %ld", s.ref_a, s.ref_b, gnttab_op(GNTTABOP_swap_grant_ref, &s, 1));
        fl_st(s.status);
        if (s.status == GNTST_okay && s.ref_a < NR_GREFS && s.ref_b < NR_GREFS) {
            unsigned long t = W.gnt_frame[s.ref_a];
            uint16_t f = W.gnt_flags[s.ref_a];

            W.gnt_frame[s.ref_a] = W.gnt_frame[s.ref_b];
            W.gnt_frame[s.ref_b] = t;
            W.gnt_flags[s.ref_a] = W.gnt_flags[s.ref_b];
            W.gnt_flags[s.ref_b] = f;
        }
    } else if (r < 89)
        op_gversion();
    else if (r < 93)
        op_gstatus();
    else
        op_gtouch();
}
