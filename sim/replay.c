/*
 * sim/replay.c - the statements of a recorded pvmm-hv run (tools/hv-run --record;
 * docs/scenarios.md, "Recorded runs").
 *
 * A recording describes the machine as the hypervisor gave it to the core (RAM handed over in
 * order, frames it keeps, frames it shares, I/O memory rights), guest memory as the core read
 * it (`frame`, `poke`), and the core's entry points that the hypervisor's traps use besides
 * hypercalls (`ptwr_emulate`, `write_cr3`, `hold_frame`, `release_frame`).
 * Replayed in order on a machine laid out like the hypervisor's (`machine ... m2p= tables=`),
 * the same core hands out the same frames and reaches the same results.
 */
#include "replay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t len, const char *msg, unsigned long x)
{
    snprintf(err, len, msg, x);
    return -1;
}

/* ---- data lines ---- */

/* The value at *p (hex with 0x, or decimal), advancing p; false if there is none. */
static bool number(const char **p, uint64_t *v)
{
    char *end;

    *v = strtoull(*p, &end, 0);
    if (end == *p)
        return false;
    *p = end;
    return true;
}

static const char *skip(const char *p)
{
    return p + strspn(p, " \t");
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 :
           c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* frame MFN [INDEX:VALUE]... : the frame's eight-byte words, the others zero. */
static int parse_frame(const char *p, struct scn_stmt *st, const char **bad)
{
    uint64_t *words = calloc(PAGE_SIZE / 8, 8);

    if (!words)
        abort();
    st->kind = ST_FRAME;
    st->data = (uint8_t *)words;
    st->ndata = PAGE_SIZE;
    p = skip(p);
    if (!number(&p, &st->addr)) {
        *bad = "frame needs a machine frame number";
        return -1;
    }
    for (p = skip(p); *p && *p != '#'; p = skip(p)) {
        uint64_t i, v;

        if (!number(&p, &i) || *p++ != ':' || !number(&p, &v) || i >= PAGE_SIZE / 8) {
            *bad = "frame takes INDEX:VALUE pairs, INDEX 0..511";
            return -1;
        }
        words[i] = v;
    }
    return 1;
}

/* poke dN va=VA bytes=HEX : bytes at a kernel virtual address of dN, in memory order. */
static int parse_poke(const char *p, struct scn_stmt *st, const char **bad)
{
    unsigned int d;
    int n = 0;
    size_t len;

    st->kind = ST_POKE;
    *bad = "expected: poke dN va=ADDRESS bytes=HEX";
    if (sscanf(p, " d%u va=%n", &d, &n) != 1 || !n || d >= PVMM_MAX_DOMAINS)
        return -1;
    st->dom = (int)d;
    p += n;
    if (!number(&p, &st->addr) || strncmp(p, " bytes=", 7))
        return -1;
    p += 7;
    len = strcspn(p, " \t#\r\n");
    if (len % 2 || !len || strspn(skip(p + len), "\r\n") != strlen(skip(p + len)))
        return -1;
    st->ndata = len / 2;
    st->data = malloc(st->ndata);
    if (!st->data)
        abort();
    for (size_t i = 0; i < st->ndata; i++) {
        int hi = hexval(p[2 * i]), lo = hexval(p[2 * i + 1]);

        if (hi < 0 || lo < 0)
            return -1;
        st->data[i] = (uint8_t)(hi << 4 | lo);
    }
    return 1;
}

int scn_parse_data(const char *file, int lineno, const char *src, struct scn_stmt *st,
                   struct scn_error *err)
{
    const char *p = skip(src), *bad = NULL;
    int r = 0;

    if (!strncmp(p, "frame ", 6))
        r = parse_frame(p + 6, st, &bad);
    else if (!strncmp(p, "poke ", 5))
        r = parse_poke(p + 5, st, &bad);
    if (r < 0)
        scn_errorf(err, file, lineno, 0, "%s", bad);
    return r;
}

/* Write a frame's words; a validated L4 keeps its hypervisor slots 256..271 (the core's). */
static int replay_frame(struct sim_machine *m, const struct scn_stmt *st, char *err, size_t len)
{
    const struct page_info *pg;
    uint64_t *page, keep[16];
    bool l4;

    if (st->addr >= m->nr_frames)
        return fail(err, len, "frame %#lx is beyond the machine's memory", st->addr);
    pg = &m->ft[st->addr];
    page = (uint64_t *)(m->phys.mem + (st->addr << PAGE_SHIFT));
    l4 = (pg->type_info & PGT_type_mask) == PGT_l4_page_table &&
         (pg->type_info & PGT_validated);
    if (l4)
        memcpy(keep, page + 256, sizeof(keep));
    memcpy(page, st->data, PAGE_SIZE);
    if (l4)
        memcpy(page + 256, keep, sizeof(keep));
    return 0;
}

/* Store bytes at a kernel virtual address through vCPU 0's kernel tables, rights ignored. */
static int replay_poke(struct sim_machine *m, const struct scn_stmt *st, char *err, size_t len)
{
    struct domain *d = pvmm_domain_lookup(&m->s, (domid_t)st->dom);
    struct sim_paging p;
    struct sim_walk_result w;

    if (!d || d->vcpu[0].guest_table == INVALID_MFN)
        return fail(err, len, "no domain d%lu with a kernel page table", (unsigned long)st->dom);
    memset(&p, 0, sizeof(p));
    p.cr3 = d->vcpu[0].guest_table << PAGE_SHIFT;
    p.efer_nxe = true;
    p.maxphyaddr = m->maxphyaddr;
    for (size_t i = 0; i < st->ndata; i++) {
        uint64_t va = st->addr + i;
        uint8_t *b;

        if (sim_walk(&m->phys, &p, va, SIM_READ, false, &w) != SIM_OK ||
            !(b = sim_phys_ptr(&m->phys, w.t.pa_page + (va & (PAGE_SIZE - 1)))))
            return fail(err, len, "poke: %#lx is not mapped in the replay", va);
        *b = st->data[i];
    }
    return 0;
}

int sim_replay_data(struct sim_machine *m, const struct scn_stmt *st, char *err, size_t len)
{
    return st->kind == ST_FRAME ? replay_frame(m, st, err, len) : replay_poke(m, st, err, len);
}

/* ---- the machine and the core's other entry points ---- */

static int frames_ok(const struct sim_machine *m, uint64_t first, uint64_t count, char *err,
                     size_t len)
{
    if (first > m->nr_frames || count > m->nr_frames - first)
        return fail(err, len, "frames from %#lx are beyond the machine's memory", first);
    return 0;
}

static void rc_result(struct sim_result *res, struct vcpu *v, long rc)
{
    res->kind = RES_RC;
    res->rc = rc;
    if (rc < 0 && v) {
        res->has_reason = true;
        res->reason = *pvmm_last_reason(v);
    }
}

int sim_replay_exec(struct sim_machine *m, struct vcpu *v, const struct sim_op *op,
                    struct sim_result *res, char *err, size_t len)
{
    const uint64_t *a = op->a;
    struct domain *d = op->dom >= 0 ? pvmm_domain_lookup(&m->s, (domid_t)op->dom) : NULL;
    uint64_t actual = 0;

    if (op->dom >= 0 && !d)
        return fail(err, len, "no domain d%lu", (unsigned long)op->dom);
    if (v)
        sim_set_mode(m, v, true);
    switch (op->kind) {
    case ST_RAM:
        if (frames_ok(m, a[0], a[1], err, len))
            return -1;
        pvmm_add_ram(&m->s, a[0], a[1]);
        break;
    case ST_RESERVE:
    case ST_SHARE_PRIVILEGED:
        if (frames_ok(m, a[0], a[1], err, len))
            return -1;
        for (uint64_t f = a[0]; f < a[0] + a[1]; f++)
            if (op->kind == ST_RESERVE)
                pvmm_reserve_frame(&m->s, f);
            else
                pvmm_share_xen_page_with_privileged_guests(&m->s, f);
        break;
    case ST_SHARE_PAGE:
        if (frames_ok(m, a[0], 1, err, len))
            return -1;
        pvmm_share_xen_page(&m->s, a[0], d, a[1] != 0);
        break;
    case ST_IOMEM:
        rc_result(res, NULL, a[2] ? iomem_permit_access(d, a[0], a[1]) :
                                    iomem_deny_access(d, a[0], a[1]));
        return 0;
    case ST_MMIO_RO:
        rc_result(res, NULL, rangeset_add_range(&m->s.mmio_ro_ranges, a[0], a[1]));
        return 0;
    case ST_PTWR_EMULATE:
        rc_result(res, v, pvmm_ptwr_emulate(v, a[0], a[1], (unsigned int)a[2], op->has_old,
                                            a[3], &actual));
        return 0;
    case ST_WRITE_CR3:
        rc_result(res, v, pvmm_new_baseptr(v, a[0]));
        sim_reload_cr3(m, v);
        return 0;
    case ST_HOLD_FRAME:
        rc_result(res, v, pvmm_hold_writable_frame(v, a[0]) ? -XEN_EINVAL : 0);
        return 0;
    case ST_RELEASE_FRAME:
        pvmm_release_held_frame(v, a[0]);
        break;
    default:
        return fail(err, len, "not a replay statement (%lu)", (unsigned long)op->kind);
    }
    rc_result(res, NULL, 0);
    return 0;
}

void sim_replay_print(FILE *f, const struct sim_op *op)
{
    static const struct { enum scn_stmt_kind k; const char *name, *keys[3]; } forms[] = {
        { ST_RAM, "ram", { "first", "count" } },
        { ST_RESERVE, "reserve", { "first", "count" } },
        { ST_SHARE_PRIVILEGED, "share_privileged", { "first", "count" } },
        { ST_SHARE_PAGE, "share_page", { "mfn", "writable" } },
        { ST_IOMEM, "iomem", { "first", "last", "allow" } },
        { ST_MMIO_RO, "mmio_ro", { "first", "last" } },
        { ST_PTWR_EMULATE, "ptwr_emulate", { "va", "val", "bytes" } },
        { ST_WRITE_CR3, "write_cr3", { "mfn" } },
        { ST_HOLD_FRAME, "hold_frame", { "mfn" } },
        { ST_RELEASE_FRAME, "release_frame", { "mfn" } },
    };

    for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
        if (forms[i].k != op->kind)
            continue;
        fprintf(f, "%s", forms[i].name);
        if (op->vcpu >= 0)
            fprintf(f, " d%d.v%d", op->dom, op->vcpu);
        else if (op->dom >= 0)
            fprintf(f, " d%d", op->dom);
        for (int k = 0; k < 3 && forms[i].keys[k]; k++)
            fprintf(f, " %s=%#lx", forms[i].keys[k], (unsigned long)op->a[k]);
        if (op->has_old)
            fprintf(f, " old=%#lx", (unsigned long)op->a[3]);
    }
}
