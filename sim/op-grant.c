/*
 * sim/op-grant.c - the grant_table_op statement: its named keys, the one
 * element of the sub-op's structure they fill (written to the scratch area
 * like every hypercall argument), what the call leaves in it (status,
 * handle, bus address, frame list, version), and its trace line.
 *
 *     grant_table_op d1 cmd=map_grant_ref dom=1 ref=10 flags=GNTMAP_host_map addr=VA
 *     grant_table_op d2 cmd=transfer mfn=M dom=1 ref=20
 *     grant_table_op d1 cmd=cache_flush mfn=M off=0 len=64 op=GNTTAB_CACHE_CLEAN
 *     expect status GNTST_okay
 *     let h = gnt_handle()
 */
#include "op.h"

#include <string.h>
#include <xen/grant_table.h>

static const char *const gnt_key_names[SIM_GNT_NKEYS] = {
    "dom", "ref", "flags", "addr", "handle", "bus", "new_addr", "frames", "version",
    "src_ref", "src_gmfn", "src_dom", "src_off", "dst_ref", "dst_gmfn", "dst_dom", "dst_off",
    "len", "ref_a", "ref_b", "count", "mfn", "off", "op",
};

static const char *const gnt_cmds[] = {
    "map_grant_ref", "unmap_grant_ref", "setup_table", "dump_table", "transfer", "copy",
    "query_size", "unmap_and_replace", "set_version", "get_status_frames", "get_version",
    "swap_grant_ref", "cache_flush",
};

int scn_gnttab_cmd(const char *name)
{
    for (size_t i = 0; i < sizeof(gnt_cmds) / sizeof(gnt_cmds[0]); i++)
        if (!strcmp(gnt_cmds[i], name))
            return (int)i;
    return -1;
}

int sim_gnt_key(const char *key)
{
    for (int i = 0; i < SIM_GNT_NKEYS; i++)
        if (!strcmp(gnt_key_names[i], key))
            return i;
    return -1;
}

/* Key k's value, or dflt if the statement did not give it. */
static uint64_t val(const struct sim_op *op, int k, uint64_t dflt)
{
    return (op->gnt_given & (1U << k)) ? op->gnt[k] : dflt;
}

/* Where the sub-op's status field is in its element, and the element's size. */
static void layout(unsigned int cmd, size_t *size, size_t *status_off)
{
    switch (cmd) {
    case GNTTABOP_map_grant_ref:
        *size = sizeof(struct gnttab_map_grant_ref);
        *status_off = offsetof(struct gnttab_map_grant_ref, status);
        return;
    case GNTTABOP_unmap_grant_ref:
        *size = sizeof(struct gnttab_unmap_grant_ref);
        *status_off = offsetof(struct gnttab_unmap_grant_ref, status);
        return;
    case GNTTABOP_setup_table:
        *size = sizeof(struct gnttab_setup_table);
        *status_off = offsetof(struct gnttab_setup_table, status);
        return;
    case GNTTABOP_copy:
        *size = sizeof(struct gnttab_copy);
        *status_off = offsetof(struct gnttab_copy, status);
        return;
    case GNTTABOP_query_size:
        *size = sizeof(struct gnttab_query_size);
        *status_off = offsetof(struct gnttab_query_size, status);
        return;
    case GNTTABOP_unmap_and_replace:
        *size = sizeof(struct gnttab_unmap_and_replace);
        *status_off = offsetof(struct gnttab_unmap_and_replace, status);
        return;
    case GNTTABOP_get_status_frames:
        *size = sizeof(struct gnttab_get_status_frames);
        *status_off = offsetof(struct gnttab_get_status_frames, status);
        return;
    case GNTTABOP_swap_grant_ref:
        *size = sizeof(struct gnttab_swap_grant_ref);
        *status_off = offsetof(struct gnttab_swap_grant_ref, status);
        return;
    case GNTTABOP_transfer:
        *size = sizeof(struct gnttab_transfer);
        *status_off = offsetof(struct gnttab_transfer, status);
        return;
    case GNTTABOP_cache_flush:
        /* No status: the hypercall's result is the answer. */
        *size = sizeof(struct gnttab_cache_flush);
        *status_off = 0;
        return;
    case GNTTABOP_set_version:
        *size = sizeof(struct gnttab_set_version);
        *status_off = 0;
        return;
    default:
        *size = sizeof(struct gnttab_get_version);
        *status_off = 0;
        return;
    }
}

size_t sim_gnt_prepare(const struct sim_op *op, uint64_t list_va, void *elem)
{
    size_t size, st;
    domid_t self = DOMID_SELF;

    layout(op->gnt_cmd, &size, &st);
    memset(elem, 0, 64);
    switch (op->gnt_cmd) {
    case GNTTABOP_map_grant_ref: {
        struct gnttab_map_grant_ref *m = elem;

        m->host_addr = val(op, SIM_GNT_ADDR, 0);
        m->flags = (uint32_t)val(op, SIM_GNT_FLAGS, GNTMAP_host_map);
        m->ref = (grant_ref_t)val(op, SIM_GNT_REF, 0);
        m->dom = (domid_t)val(op, SIM_GNT_DOM, (uint64_t)op->dom);
        break;
    }
    case GNTTABOP_unmap_grant_ref: {
        struct gnttab_unmap_grant_ref *u = elem;

        u->host_addr = val(op, SIM_GNT_ADDR, 0);
        u->dev_bus_addr = val(op, SIM_GNT_BUS, 0);
        u->handle = (grant_handle_t)val(op, SIM_GNT_HANDLE, 0);
        break;
    }
    case GNTTABOP_unmap_and_replace: {
        struct gnttab_unmap_and_replace *r = elem;

        r->host_addr = val(op, SIM_GNT_ADDR, 0);
        r->new_addr = val(op, SIM_GNT_NEW_ADDR, 0);
        r->handle = (grant_handle_t)val(op, SIM_GNT_HANDLE, 0);
        break;
    }
    case GNTTABOP_setup_table: {
        struct gnttab_setup_table *s = elem;

        s->dom = (domid_t)val(op, SIM_GNT_DOM, self);
        s->nr_frames = (uint32_t)val(op, SIM_GNT_FRAMES, 1);
        s->frame_list = list_va;
        break;
    }
    case GNTTABOP_get_status_frames: {
        struct gnttab_get_status_frames *g = elem;

        g->dom = (domid_t)val(op, SIM_GNT_DOM, self);
        g->nr_frames = (uint32_t)val(op, SIM_GNT_FRAMES, 1);
        g->frame_list = list_va;
        break;
    }
    case GNTTABOP_query_size:
        ((struct gnttab_query_size *)elem)->dom = (domid_t)val(op, SIM_GNT_DOM, self);
        break;
    case GNTTABOP_get_version:
        ((struct gnttab_get_version *)elem)->dom = (domid_t)val(op, SIM_GNT_DOM, self);
        break;
    case GNTTABOP_set_version:
        ((struct gnttab_set_version *)elem)->version = (uint32_t)val(op, SIM_GNT_VERSION, 1);
        break;
    case GNTTABOP_swap_grant_ref: {
        struct gnttab_swap_grant_ref *s = elem;

        s->ref_a = (grant_ref_t)val(op, SIM_GNT_REF_A, 0);
        s->ref_b = (grant_ref_t)val(op, SIM_GNT_REF_B, 0);
        break;
    }
    case GNTTABOP_transfer: {
        struct gnttab_transfer *t = elem;

        t->mfn = val(op, SIM_GNT_MFN, 0);
        t->domid = (domid_t)val(op, SIM_GNT_DOM, (uint64_t)op->dom);
        t->ref = (grant_ref_t)val(op, SIM_GNT_REF, 0);
        break;
    }
    case GNTTABOP_cache_flush: {
        struct gnttab_cache_flush *c = elem;

        c->a.dev_bus_addr = val(op, SIM_GNT_BUS, val(op, SIM_GNT_MFN, 0) << 12);
        c->offset = (uint16_t)val(op, SIM_GNT_OFF, 0);
        c->length = (uint16_t)val(op, SIM_GNT_LEN, 4096);
        c->op = (uint32_t)val(op, SIM_GNT_OP, GNTTAB_CACHE_CLEAN);
        break;
    }
    case GNTTABOP_copy: {
        struct gnttab_copy *c = elem;
        bool sref = op->gnt_given & (1U << SIM_GNT_SRC_REF);
        bool dref = op->gnt_given & (1U << SIM_GNT_DST_REF);

        c->source.u.gmfn = sref ? val(op, SIM_GNT_SRC_REF, 0) : val(op, SIM_GNT_SRC_GMFN, 0);
        c->source.domid = (domid_t)val(op, SIM_GNT_SRC_DOM, self);
        c->source.offset = (uint16_t)val(op, SIM_GNT_SRC_OFF, 0);
        c->dest.u.gmfn = dref ? val(op, SIM_GNT_DST_REF, 0) : val(op, SIM_GNT_DST_GMFN, 0);
        c->dest.domid = (domid_t)val(op, SIM_GNT_DST_DOM, self);
        c->dest.offset = (uint16_t)val(op, SIM_GNT_DST_OFF, 0);
        c->len = (uint16_t)val(op, SIM_GNT_LEN, 0);
        c->flags = (uint16_t)((sref ? GNTCOPY_source_gref : 0) | (dref ? GNTCOPY_dest_gref : 0));
        break;
    }
    default:
        break;
    }
    return size;
}

void sim_gnt_result(const struct sim_op *op, const void *elem, const uint64_t *list,
                    struct sim_result *res)
{
    size_t size, st;

    layout(op->gnt_cmd, &size, &st);
    res->has_gnt = true;
    res->gnt_status = 0;
    if (st)
        memcpy(&res->gnt_status, (const char *)elem + st, sizeof(res->gnt_status));
    switch (op->gnt_cmd) {
    case GNTTABOP_map_grant_ref:
        res->gnt_handle = ((const struct gnttab_map_grant_ref *)elem)->handle;
        res->gnt_bus = ((const struct gnttab_map_grant_ref *)elem)->dev_bus_addr;
        break;
    case GNTTABOP_setup_table: case GNTTABOP_get_status_frames:
        res->gnt_nframes = (unsigned int)val(op, SIM_GNT_FRAMES, 1);
        if (res->gnt_nframes > SIM_GNT_MAX_FRAMES)
            res->gnt_nframes = SIM_GNT_MAX_FRAMES;
        memcpy(res->gnt_frames, list, res->gnt_nframes * sizeof(uint64_t));
        break;
    case GNTTABOP_set_version:
        res->gnt_version = ((const struct gnttab_set_version *)elem)->version;
        break;
    case GNTTABOP_get_version:
        res->gnt_version = ((const struct gnttab_get_version *)elem)->version;
        break;
    case GNTTABOP_query_size:
        res->gnt_nframes = ((const struct gnttab_query_size *)elem)->nr_frames;
        break;
    default:
        break;
    }
}

void sim_gnt_print(FILE *f, const struct sim_op *op)
{
    if (op->gnt_cmd < sizeof(gnt_cmds) / sizeof(gnt_cmds[0]))
        fprintf(f, " cmd=%s", gnt_cmds[op->gnt_cmd]);
    else
        fprintf(f, " cmd=%#x", op->gnt_cmd);
    for (int k = 0; k < SIM_GNT_NKEYS; k++)
        if (op->gnt_given & (1U << k))
            fprintf(f, " %s=%#lx", gnt_key_names[k], (unsigned long)op->gnt[k]);
}
