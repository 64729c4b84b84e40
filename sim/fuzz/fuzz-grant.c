/*
 * sim/fuzz/fuzz-grant.c - the harness's grant operations (inputs with FUZZ_H_GRANTS).
 *
 * Each initial domain starts with a two-frame grant table mapped at its
 * first spare pages (fuzz_grant_setup_op).  Aimed grant operations then
 * act across the two or three domains: guest writes of v1 and v2 entries
 * (any type - v2 transitive entries name a domain and a reference at
 * offset 8, which copies follow -, read-only and sub-page flags, the status
 * bits a guest must not set, a grantee among the domains, a frame of its own, a page table, a
 * grant frame, another domain's page or anything), map_grant_ref with any
 * mix of host/device/read-only/application/contains_pte, unmap_grant_ref,
 * unmap_and_replace, copy in both directions with a grant or a frame on
 * either side, set_version, swap_grant_ref, setup_table, get_status_frames,
 * query_size and get_version (for itself or another domain), transfer (of
 * a page it granted, unmapped first or not, to any domain's entry) and
 * cache_flush (of its own, a granted or any frame), remapping its
 * table and status frames, accesses through a grant mapping, page-table
 * updates aimed at a grant PTE and the destruction of a domain that maps
 * or grants.  Arguments are drawn from small sets (eight mapping slots,
 * references below 16, handles below 8) so that map, use and unmap meet;
 * a bit of the input now and then takes any value instead.  Every
 * operation is a scenario statement, so a run's trace replays it.
 *
 * The spare pages of a domain (spare(d, i) in a scenario):
 *   0, 1   the grant table's frames 0 and 1, as the domain maps them
 *   2      its first status frame (v2), once mapped
 *   3..10  the slots grant mappings go to
 *   11..14 pages the domain grants (their frames go in its entries)
 */
#include <string.h>

#include "fuzz-input.h"
#include "../../core/grant-table.h"

#define SPARE_TABLE   0
#define SPARE_STATUS  2
#define SPARE_SLOT    3
#define NR_SLOTS      8
#define SPARE_GRANTED 11
#define NR_GRANTED    4
#define NR_SPARE_USED (SPARE_GRANTED + NR_GRANTED)

static uint64_t spare_va(const struct sim_machine *m, int d, unsigned int i)
{
    return m->doms[d].layout.spare_va + (uint64_t)i * PAGE_SIZE;
}

static struct domain *domain_of(struct sim_machine *m, int d)
{
    return d >= 0 && d < PVMM_MAX_DOMAINS ? pvmm_domain_lookup(&m->s, (domid_t)d) : NULL;
}

/* The machine address of the L1 entry mapping va in d's kernel tables, 0 if none. */
static uint64_t l1_slot(struct sim_machine *m, int d, uint64_t va)
{
    struct vcpu *v = sim_vcpu_lookup(m, (domid_t)d, 0);
    mfn_t t;

    if (!v || v->guest_table == INVALID_MFN)
        return 0;
    t = v->guest_table;
    for (int l = 4; l > 1; l--) {
        intpte_t e = ((intpte_t *)(m->phys.mem + (t << PAGE_SHIFT)))[pt_index(va, l)];

        if (!(e & _PAGE_PRESENT) || (l < 4 && (e & _PAGE_PSE)) || pte_mfn(e) >= m->nr_frames)
            return 0;
        t = pte_mfn(e);
    }
    return (t << PAGE_SHIFT) + 8 * pt_index(va, 1);
}

static void gnt_op(struct sim_op *op, unsigned int cmd)
{
    op->kind = ST_GRANT_TABLE_OP;
    op->gnt_cmd = cmd;
    op->gnt_given = 0;
}

static void key(struct sim_op *op, int k, uint64_t v)
{
    op->gnt_given |= 1U << k;
    op->gnt[k] = v;
}

/* A domain id: mostly one of the machine's domains, sometimes DOMID_SELF or anything. */
static uint64_t pick_domid(struct sim_machine *m, int d, struct fuzz_input *in)
{
    uint8_t b = fuzz_byte(in);

    switch (b & 7) {
    case 0: case 1: case 2:
        return (uint64_t)fuzz_built_domain(m, b >> 3);
    case 3: case 4:
        return (uint64_t)fuzz_other_domain(m, d);
    case 5:
        return (uint64_t)d;
    case 6:
        return DOMID_SELF;
    default:
        return b >> 3;   /* domains that may not exist, up to 31 */
    }
}

/* A grant reference: mostly below 16, sometimes at a table's edges or anything. */
static uint64_t pick_ref(struct fuzz_input *in)
{
    uint8_t b = fuzz_byte(in);

    switch (b >> 6) {
    case 0: case 1:
        return b & 15;
    case 2:   /* around the ends of one and two frames of v1 and v2 entries */
        return (uint64_t)(b & 1 ? 512 : 256) * (1 + ((b >> 1) & 1)) - 2 + ((b >> 2) & 3);
    default:
        return fuzz_word(in, 4);
    }
}

/* A mapping address: a slot's VA, its L1 entry's machine address (contains_pte), or any VA. */
static uint64_t pick_slot_addr(struct sim_machine *m, int d, struct fuzz_input *in, bool pte)
{
    uint8_t b = fuzz_byte(in);
    uint64_t va = spare_va(m, d, SPARE_SLOT + (b & (NR_SLOTS - 1)));

    if ((b >> 3) == 31)
        return fuzz_pick_va(m, d, in);
    if ((b >> 3) == 30)
        return 0;
    return pte ? l1_slot(m, d, va) : va;
}

/* The frame a grant entry names. */
static uint64_t pick_granted_frame(struct sim_machine *m, int d, struct fuzz_input *in)
{
    uint8_t b = fuzz_byte(in);
    struct domain *dd = domain_of(m, d);

    switch (b & 7) {
    case 0: case 1: case 2: case 3: {
        uint64_t pfn = (spare_va(m, d, SPARE_GRANTED + ((b >> 3) & 3)) >> PAGE_SHIFT);

        return m->doms[d].p2m[pfn];
    }
    case 4:   /* its grant table or status frames */
        if (dd && (b & 8) && dd->grant_table.nr_status_frames)
            return dd->grant_table.status[0];
        return dd ? dd->grant_table.shared[(b >> 4) & 1] : 0;
    default:
        return fuzz_pick_frame(m, d, in);
    }
}

/* Flags of a grant entry a guest writes. */
static uint64_t pick_entry_flags(struct fuzz_input *in)
{
    static const uint16_t common[] = {
        GTF_permit_access, GTF_permit_access | GTF_readonly, GTF_permit_access,
        GTF_invalid, GTF_permit_access | GTF_sub_page, GTF_transitive, GTF_accept_transfer,
        GTF_permit_access | GTF_PCD | GTF_PWT,
    };
    uint8_t b = fuzz_byte(in);

    if ((b >> 3) == 31)
        return fuzz_word(in, 2);
    return common[b & 7] | ((b & 0x80) ? GTF_reading | GTF_writing : 0);
}

/* A guest write of (one half of) entry ref in d's table, through the table's mapping. */
static void write_entry(struct sim_machine *m, int d, struct fuzz_input *in, struct sim_op *op)
{
    struct domain *dd = domain_of(m, d);
    unsigned int version = dd ? dd->grant_table.gt_version : 1;
    uint64_t ref = fuzz_byte(in) & 15, grantee = pick_domid(m, d, in);
    uint64_t flags = pick_entry_flags(in);
    uint8_t b = fuzz_byte(in);

    op->kind = ST_WRITE;
    op->kernel = true;
    op->bytes = 8;
    if (b & 0x80)   /* any reference the two mapped frames hold */
        ref = fuzz_word(in, 2) % (2 * PAGE_SIZE / (version == 1 ? 8 : 16));
    if (version == 1) {
        op->va = spare_va(m, d, SPARE_TABLE) + ref * 8;
        op->val = flags | (grantee & 0xffff) << 16 | pick_granted_frame(m, d, in) << 32;
        return;
    }
    op->va = spare_va(m, d, SPARE_TABLE) + ref * 16;
    if (b & 1) {   /* the frame (full page / sub-page) or the transitive domain and ref */
        op->va += 8;
        op->val = (b & 2) ? (pick_domid(m, d, in) & 0xffff) | pick_ref(in) << 32
                          : pick_granted_frame(m, d, in);
        return;
    }
    /* The header and the sub-page window (page_off, length). */
    op->val = flags | (grantee & 0xffff) << 16 | (fuzz_word(in, 2) & 0xfff) << 32 |
              (uint64_t)(fuzz_word(in, 2) & 0x1fff) << 48;
}

static uint32_t pick_map_flags(struct fuzz_input *in)
{
    static const uint8_t common[] = {
        GNTMAP_host_map, GNTMAP_host_map | GNTMAP_readonly, GNTMAP_device_map,
        GNTMAP_device_map | GNTMAP_readonly, GNTMAP_host_map | GNTMAP_device_map,
        GNTMAP_host_map | GNTMAP_contains_pte, GNTMAP_host_map | GNTMAP_application_map,
        GNTMAP_host_map | GNTMAP_contains_pte | GNTMAP_readonly,
    };
    uint8_t b = fuzz_byte(in);

    if ((b >> 3) == 31)
        return (uint32_t)fuzz_word(in, 4);
    return common[b & 7] | ((b & 0x80) ? GNTMAP_application_map : 0) |
           ((b & 0x40) ? GNTMAP_readonly : 0);
}

static void map_ref(struct sim_machine *m, int d, struct fuzz_input *in, struct sim_op *op)
{
    uint32_t flags = pick_map_flags(in);

    gnt_op(op, GNTTABOP_map_grant_ref);
    key(op, SIM_GNT_DOM, pick_domid(m, d, in));
    key(op, SIM_GNT_REF, pick_ref(in));
    key(op, SIM_GNT_FLAGS, flags);
    key(op, SIM_GNT_ADDR, pick_slot_addr(m, d, in, flags & GNTMAP_contains_pte));
}

/*
 * The bus address a device mapping of handle h of d was given (the granted frame's
 * address, read from the maptrack and the granter's active entry), else 0.
 */
static uint64_t bus_of(struct sim_machine *m, int d, unsigned int h)
{
    struct domain *dd = domain_of(m, d), *rd;
    const struct grant_mapping *mt;
    const struct active_grant_entry *act;

    if (!dd || h >= dd->grant_table.nr_maptrack_frames * MAPTRACK_PER_FRAME)
        return 0;
    mt = (const struct grant_mapping *)(m->phys.mem +
         (dd->grant_table.maptrack[h / MAPTRACK_PER_FRAME] << PAGE_SHIFT)) +
         h % MAPTRACK_PER_FRAME;
    rd = domain_of(m, mt->domid);
    if (!mt->flags || !rd || mt->ref >= rd->grant_table.nr_grant_frames * ACTIVE_PER_FRAME ||
        rd->grant_table.active[mt->ref / ACTIVE_PER_FRAME] == INVALID_MFN)
        return 0;
    act = (const struct active_grant_entry *)(m->phys.mem +
          (rd->grant_table.active[mt->ref / ACTIVE_PER_FRAME] << PAGE_SHIFT)) +
          mt->ref % ACTIVE_PER_FRAME;
    return act->pin ? act->mfn << PAGE_SHIFT : 0;
}

static void unmap_ref(struct sim_machine *m, int d, struct fuzz_input *in, struct sim_op *op,
                      bool replace)
{
    uint8_t b = fuzz_byte(in);
    uint64_t h = (b >> 5) == 7 ? fuzz_word(in, 4) : b & 7;

    gnt_op(op, replace ? GNTTABOP_unmap_and_replace : GNTTABOP_unmap_grant_ref);
    key(op, SIM_GNT_HANDLE, h);
    key(op, SIM_GNT_ADDR, pick_slot_addr(m, d, in, b & 8));
    if (replace) {
        key(op, SIM_GNT_NEW_ADDR, pick_slot_addr(m, d, in, false));
        return;
    }
    if (b & 0x10)
        key(op, SIM_GNT_BUS, (b & 0x20) ? fuzz_pick_frame(m, d, in) << PAGE_SHIFT
                                        : bus_of(m, d, (unsigned int)h));
}

/* One side of a copy: a grant of some domain, or a frame of the caller (or another's). */
static void copy_side(struct sim_machine *m, int d, struct fuzz_input *in, struct sim_op *op,
                      int kref, int kgmfn, int kdom, int koff)
{
    uint8_t b = fuzz_byte(in);

    if (b & 1) {
        key(op, kref, pick_ref(in));
        key(op, kdom, pick_domid(m, d, in));
    } else {
        key(op, kgmfn, (b & 2) ? fuzz_pick_frame(m, d, in) : pick_granted_frame(m, d, in));
        if (b & 4)
            key(op, kdom, pick_domid(m, d, in));
    }
    key(op, koff, (b & 8) ? fuzz_word(in, 2) & 0x1fff : (uint64_t)(b >> 4) * 256);
}

static void copy(struct sim_machine *m, int d, struct fuzz_input *in, struct sim_op *op)
{
    uint8_t b = fuzz_byte(in);

    gnt_op(op, GNTTABOP_copy);
    copy_side(m, d, in, op, SIM_GNT_SRC_REF, SIM_GNT_SRC_GMFN, SIM_GNT_SRC_DOM, SIM_GNT_SRC_OFF);
    copy_side(m, d, in, op, SIM_GNT_DST_REF, SIM_GNT_DST_GMFN, SIM_GNT_DST_DOM, SIM_GNT_DST_OFF);
    key(op, SIM_GNT_LEN, (b & 0x80) ? fuzz_word(in, 2) & 0x1fff : (uint64_t)(b & 0x7f) * 32);
}

/* Map a frame of d's table (shared frame 0 or 1, status frame 0) where the harness keeps it. */
static void map_table_frame(struct sim_machine *m, int d, struct fuzz_input *in,
                            struct sim_op *op)
{
    uint8_t b = fuzz_byte(in);
    struct domain *dd = domain_of(m, d);
    unsigned int i = b % 3;
    mfn_t f = !dd ? 0 : i == SPARE_STATUS ? dd->grant_table.status[0]
                                          : dd->grant_table.shared[i];

    op->kind = ST_UPDATE_VA_MAPPING;
    op->nr = __HYPERVISOR_update_va_mapping;
    op->a[0] = spare_va(m, d, i);
    op->a[1] = f == INVALID_MFN || (b & 0x80) ? 0
               : pte_from_mfn(f, _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY);
    op->a[2] = UVMF_INVLPG;
}

/* A page-table update aimed at a grant mapping's PTE (forge, move, drop or rewrite it). */
static void hit_grant_pte(struct sim_machine *m, int d, struct fuzz_input *in, struct sim_op *op)
{
    uint8_t b = fuzz_byte(in);
    uint64_t va = spare_va(m, d, SPARE_SLOT + (b & (NR_SLOTS - 1)));
    uint64_t slot = l1_slot(m, d, va);
    uint64_t cur = slot && (slot >> PAGE_SHIFT) < m->nr_frames
                   ? *(uint64_t *)(m->phys.mem + slot) : 0;
    uint64_t val;

    switch ((b >> 3) & 3) {
    case 0:  val = 0; break;
    case 1:  val = cur ^ (1ULL << (fuzz_byte(in) & 63)); break;   /* one bit flipped */
    case 2:  val = cur; break;                                     /* the same again */
    default: val = fuzz_pick_pte(m, d, in); break;
    }
    if (b & 0x20) {   /* the same through update_va_mapping */
        op->kind = ST_UPDATE_VA_MAPPING;
        op->nr = __HYPERVISOR_update_va_mapping;
        op->a[0] = (b & 0x40) ? spare_va(m, d, SPARE_SLOT + ((b + 1) & (NR_SLOTS - 1))) : va;
        op->a[1] = (b & 0x40) ? cur : val;   /* bit 6: copy the grant PTE to another slot */
        op->a[2] = UVMF_INVLPG;
        return;
    }
    if (b & 0x80) {   /* a trapped write (writable page tables) or a fault */
        op->kind = ST_WRITE;
        op->kernel = true;
        op->va = m->doms[d].layout.pt_va;   /* overwritten below when the L1 is mapped */
        op->bytes = 8;
        op->val = val;
        for (uint64_t p = 0; p < m->doms[d].layout.nr_pt_frames; p++)
            if (m->doms[d].p2m[(m->doms[d].layout.pt_va >> PAGE_SHIFT) + p] ==
                slot >> PAGE_SHIFT)
                op->va = m->doms[d].layout.pt_va + p * PAGE_SIZE + (slot & (PAGE_SIZE - 1));
        return;
    }
    op->kind = ST_MMU_UPDATE;
    op->n = 1;
    op->req[0].ptr = slot | MMU_NORMAL_PT_UPDATE;
    op->req[0].val = val;
}

/*
 * GNTTABOP_transfer of a frame to a domain's accept-transfer entry, or (bit 7) the caller
 * giving up its own mapping of a page it may transfer next (only an unmapped page goes).
 */
static void transfer(struct sim_machine *m, int d, struct fuzz_input *in, struct sim_op *op)
{
    uint8_t b = fuzz_byte(in);

    if (b & 0x80) {
        op->kind = ST_UPDATE_VA_MAPPING;
        op->nr = __HYPERVISOR_update_va_mapping;
        op->a[0] = spare_va(m, d, SPARE_GRANTED + (b & (NR_GRANTED - 1)));
        op->a[1] = 0;
        op->a[2] = UVMF_INVLPG;
        return;
    }
    gnt_op(op, GNTTABOP_transfer);
    key(op, SIM_GNT_MFN, (b & 0x40) ? fuzz_pick_frame(m, d, in) : pick_granted_frame(m, d, in));
    key(op, SIM_GNT_DOM, pick_domid(m, d, in));
    key(op, SIM_GNT_REF, pick_ref(in));
}

/* GNTTABOP_cache_flush of part of a frame (own, granted to it, anything) or of a grant. */
static void cache_flush(struct sim_machine *m, int d, struct fuzz_input *in, struct sim_op *op)
{
    static const uint32_t ops[] = {
        GNTTAB_CACHE_CLEAN, GNTTAB_CACHE_CLEAN, GNTTAB_CACHE_INVAL,
        GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_INVAL, GNTTAB_CACHE_CLEAN | GNTTAB_CACHE_SOURCE_GREF,
        0, GNTTAB_CACHE_CLEAN | 4, GNTTAB_CACHE_SOURCE_GREF,
    };
    uint8_t b = fuzz_byte(in);
    const struct sim_domain *od = &m->doms[fuzz_other_domain(m, d)];

    gnt_op(op, GNTTABOP_cache_flush);
    switch (b & 3) {
    case 0:
        key(op, SIM_GNT_MFN, pick_granted_frame(m, d, in));
        break;
    case 1:   /* a page another domain may have granted it */
        key(op, SIM_GNT_MFN, od->p2m[(spare_va(m, fuzz_other_domain(m, d),
                                      SPARE_GRANTED + ((b >> 2) & 3)) >> PAGE_SHIFT)]);
        break;
    case 2:
        key(op, SIM_GNT_MFN, fuzz_pick_frame(m, d, in));
        break;
    default:
        key(op, SIM_GNT_BUS, fuzz_word(in, 8));
        break;
    }
    key(op, SIM_GNT_OFF, (b & 0x10) ? fuzz_word(in, 2) & 0x1fff : 0);
    key(op, SIM_GNT_LEN, (b & 0x20) ? fuzz_word(in, 2) & 0x1fff : 64);
    key(op, SIM_GNT_OP, ops[(b >> 6) | ((fuzz_byte(in) & 1) << 2)]);
}

void fuzz_grant_decode(struct sim_machine *m, int d, struct fuzz_input *in, struct sim_op *op)
{
    uint8_t sel = fuzz_byte(in);

    switch (sel % 26) {
    case 24:
        transfer(m, d, in, op);
        return;
    case 25:
        cache_flush(m, d, in, op);
        return;
    case 0: case 1: case 2: case 3:
        write_entry(m, d, in, op);
        return;
    case 4: case 5: case 6: case 7:
        map_ref(m, d, in, op);
        return;
    case 8: case 9: case 10:
        unmap_ref(m, d, in, op, false);
        return;
    case 11:
        unmap_ref(m, d, in, op, true);
        return;
    case 12: case 13:
        copy(m, d, in, op);
        return;
    case 14:
        gnt_op(op, GNTTABOP_set_version);
        key(op, SIM_GNT_VERSION, (sel & 0x80) ? fuzz_word(in, 4) : 1U + ((sel >> 5) & 1U));
        return;
    case 15:
        gnt_op(op, GNTTABOP_swap_grant_ref);
        key(op, SIM_GNT_REF_A, pick_ref(in));
        key(op, SIM_GNT_REF_B, pick_ref(in));
        return;
    case 16:
        gnt_op(op, (sel & 0x80) ? GNTTABOP_setup_table : GNTTABOP_get_status_frames);
        key(op, SIM_GNT_FRAMES, fuzz_byte(in) % 6);
        if (sel & 0x40)
            key(op, SIM_GNT_DOM, pick_domid(m, d, in));
        return;
    case 17:
        gnt_op(op, (sel & 0x80) ? GNTTABOP_query_size : GNTTABOP_get_version);
        if (sel & 0x40)
            key(op, SIM_GNT_DOM, pick_domid(m, d, in));
        return;
    case 18:
        map_table_frame(m, d, in, op);
        return;
    case 19: case 20: {   /* use a mapping slot: the grant PTE as the processor sees it */
        uint8_t b = fuzz_byte(in);

        op->kind = (b & 1) ? ST_WRITE : ST_READ;
        op->kernel = !(b & 2);
        op->va = spare_va(m, d, SPARE_SLOT + ((b >> 2) & (NR_SLOTS - 1))) + (b & 0xe0);
        op->val = fuzz_word(in, 2);
        op->bytes = 8;
        return;
    }
    case 21: case 22:
        hit_grant_pte(m, d, in, op);
        return;
    default:
        if ((sel & 0xe0) == 0xe0) {   /* 1 in 208 grant operations: destroy the domain */
            op->kind = ST_DESTROY;
            op->vcpu = -1;
            return;
        }
        gnt_op(op, GNTTABOP_map_grant_ref);   /* a batch: this element, then zeros */
        key(op, SIM_GNT_DOM, pick_domid(m, d, in));
        key(op, SIM_GNT_REF, pick_ref(in));
        key(op, SIM_GNT_ADDR, pick_slot_addr(m, d, in, false));
        key(op, SIM_GNT_COUNT, 2 + (sel >> 5));
        return;
    }
}

bool fuzz_grant_setup_op(struct sim_machine *m, int d, unsigned int step, struct sim_op *op)
{
    struct domain *dd = domain_of(m, d);
    uint64_t nr_spare = (sim_scratch_va(m, (domid_t)d) - m->doms[d].layout.spare_va) >> PAGE_SHIFT;

    if (!dd || nr_spare < NR_SPARE_USED || step > 2)
        return false;
    fuzz_op_init(op, ST_AUDIT, d, 0);
    if (step == 0) {
        gnt_op(op, GNTTABOP_setup_table);
        key(op, SIM_GNT_FRAMES, 2);
        return true;
    }
    op->kind = ST_UPDATE_VA_MAPPING;
    op->nr = __HYPERVISOR_update_va_mapping;
    op->a[0] = spare_va(m, d, SPARE_TABLE + step - 1);
    op->a[1] = pte_from_mfn(dd->grant_table.shared[step - 1],
                            _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY);
    op->a[2] = UVMF_INVLPG;
    return true;
}

/*
 * Built-in seeds (pvmm-seed writes them beside the scenario seeds): grant
 * operations that succeed, for the fuzzer to mutate.  Each operation is its
 * class byte (9: a grant operation with FUZZ_H_GRANTS), the target byte
 * (the domain) and the bytes fuzz_grant_decode reads.
 */
#define G(d) 9, d   /* a grant operation of domain d */
static const uint8_t seed_v1_ring[] = {
    FUZZ_H_GRANTS | FUZZ_H_THREE_DOMAINS | FUZZ_H_WRITABLE_PT, 0,
    /* d0 grants ref 5 to d1 (frame: spare 11) and ref 6 read-only to d2 (spare 12) */
    G(0), 0, 5, 0x08, 0x00, 0x00, 0x00,
    G(0), 0, 6, 0x10, 0x01, 0x00, 0x08,
    /* d1 maps ref 5 of d0 at its slot 0; d2 maps ref 6 read-only at its slot 1 */
    G(1), 4, 0x00, 0x00, 5, 0x00,
    G(2), 4, 0x01, 0x00, 6, 0x01,
    /* d1 writes through its mapping, d2 reads through its own */
    G(1), 19, 0x01, 0x34, 0x12,
    G(2), 19, 0x04, 0, 0,
    /* d1 copies 64 bytes from d0's ref 5 into its own page (spare 11) */
    G(1), 12, 0x02, 0x01, 5, 0x00, 0x00, 0x00,
    /* d0 tries v2 while mapped; swaps refs 5 and 6 */
    G(0), 40,
    G(0), 15, 5, 6,
    /* d1 unmaps handle 0 at slot 0; d2 maps ref 6 for a device too, d0 is destroyed */
    G(1), 8, 0x00, 0x00,
    G(2), 4, 0x03, 0x00, 6, 0x02,
    G(0), 0xe7,
    /* d2 unmaps its device mapping (the bus address of handle 1) and its host one */
    G(2), 8, 0x11, 0x02,
    G(2), 8, 0x00, 0x01,
};
static const uint8_t seed_v2[] = {
    FUZZ_H_GRANTS, 0,
    /* d0 switches to v2, asks for its status frame and maps it */
    G(0), 40,
    G(0), 16, 1,
    G(0), 18, 2,
    /* d0's ref 3 for d1: the frame (spare 11), then the header */
    G(0), 0, 3, 0x08, 0x00, 0x01, 0x00,
    G(0), 0, 3, 0x08, 0x00, 0x00, 0, 0, 0, 0,
    /* d1 maps it at slot 2, copies into it, unmaps; d0 goes back to v1 */
    G(1), 4, 0x00, 0x00, 3, 0x02,
    G(1), 12, 0x04, 0x00, 0x00, 0x01, 3, 0x00,
    G(1), 8, 0x00, 0x02,
    G(0), 18, 0x80,
    G(0), 14,
};
static const uint8_t seed_transfer[] = {
    FUZZ_H_GRANTS, 8,   /* max_pages 1032: room for a transferred page */
    /* d0 grants ref 5 (spare 12) to d1, which maps it */
    G(0), 0, 5, 0x08, 0x00, 0x00, 0x08,
    G(1), 4, 0x00, 0x00, 5, 0x00,
    /* d1's ref 4 accepts a transfer from d0; d0 unmaps its spare 11 and gives it away */
    G(1), 0, 4, 0x00, 0x06, 0x00, 0x00,
    G(0), 24, 0x80,
    G(0), 24, 0x00, 0x00, 0x08, 4,
    /* d0 cleans the cache over its spare 12; d1 over the page d0 granted it */
    G(0), 25, 0x00, 0x08, 0x00,
    G(1), 25, 0x05, 0x00,
};
#undef G

const uint8_t *fuzz_grant_seed(unsigned int i, size_t *len)
{
    static const struct { const uint8_t *p; size_t n; } seeds[] = {
        { seed_v1_ring, sizeof(seed_v1_ring) }, { seed_v2, sizeof(seed_v2) },
        { seed_transfer, sizeof(seed_transfer) },
    };

    if (i >= sizeof(seeds) / sizeof(seeds[0]))
        return NULL;
    *len = seeds[i].n;
    return seeds[i].p;
}
