/*
 * sim/scn-resolve.c - turning a parsed statement into a resolved operation.
 *
 * Every argument expression is evaluated now, against the machine as it is
 * when the line runs; symbolic words (cmd=pin_l4_table) become their
 * numbers.  Defaults: foreigndom=DOMID_SELF, flags=UVMF_NONE, bytes=8,
 * vcpus=1, kernel=0x10000 bytes at 1 MiB; count= and nr_extents= default
 * to the number of requests / extents given.
 */
#include "op.h"

#include <string.h>

static int bad(struct scn_error *err, const struct scn_stmt *st, const struct scn_arg *a,
               const char *msg)
{
    scn_errorf(err, st->file, st->lineno, a->col, "%s: %s", a->key, msg);
    return -1;
}

/* The numeric value of a symbolic word (already validated by the parser). */
static uint64_t word_value(const struct scn_stmt *st, const struct scn_arg *a)
{
    switch (st->kind) {
    case ST_MMUEXT_OP:  return (uint64_t)scn_mmuext_cmd(a->word);
    case ST_MEMORY_OP:  return (uint64_t)scn_memop_cmd(a->word);
    case ST_HYPERCALL:  return (uint64_t)scn_hypercall_nr(a->word);
    case ST_GRANT_TABLE_OP: return (uint64_t)scn_gnttab_cmd(a->word);
    case ST_VM_ASSIST:
        if (!strcmp(a->key, "cmd"))
            return !strcmp(a->word, "enable") ? VMASST_CMD_enable : VMASST_CMD_disable;
        return (uint64_t)scn_vmasst_type(a->word);
    default:            return 0;
    }
}

static const struct { const char *key; unsigned int bit; } cpu_keys[] = {
    { "wp", CPU_WP }, { "smep", CPU_SMEP }, { "smap", CPU_SMAP }, { "pke", CPU_PKE },
    { "pge", CPU_PGE }, { "nxe", CPU_NXE }, { "ac", CPU_AC }, { "pkru", CPU_PKRU },
    { "cpl", CPU_CPL }, { "maxphyaddr", CPU_MAXPHYADDR },
};

static int set_cpu_field(struct sim_op *op, const struct scn_stmt *st, const struct scn_arg *a,
                         uint64_t x, struct scn_error *err)
{
    struct sim_paging *p = &op->paging;

    for (size_t i = 0; i < sizeof(cpu_keys) / sizeof(cpu_keys[0]); i++)
        if (!strcmp(a->key, cpu_keys[i].key))
            op->cpu_set |= cpu_keys[i].bit;
    if (!strcmp(a->key, "pkru")) {
        p->pkru = (uint32_t)x;
        return x >> 32 ? bad(err, st, a, "32 bits") : 0;
    }
    if (!strcmp(a->key, "cpl")) {
        p->cpl = (unsigned int)x;
        return x > 3 ? bad(err, st, a, "0..3") : 0;
    }
    if (!strcmp(a->key, "maxphyaddr")) {
        p->maxphyaddr = (unsigned int)x;
        return x < 36 || x > 52 ? bad(err, st, a, "36..52") : 0;
    }
    if (x > 1)
        return bad(err, st, a, "0 or 1");
    if (!strcmp(a->key, "wp")) p->cr0_wp = x;
    else if (!strcmp(a->key, "smep")) p->cr4_smep = x;
    else if (!strcmp(a->key, "smap")) p->cr4_smap = x;
    else if (!strcmp(a->key, "pke")) p->cr4_pke = x;
    else if (!strcmp(a->key, "pge")) p->cr4_pge = x;
    else if (!strcmp(a->key, "nxe")) p->efer_nxe = x;
    else if (!strcmp(a->key, "ac")) p->eflags_ac = x;
    return 0;
}

/* The arguments of a recorded run's statements (replay.c): each key's slot in op->a. */
static int apply_replay(struct sim_op *op, const char *k, uint64_t x, const struct scn_stmt *st,
                        const struct scn_arg *a, struct scn_error *err)
{
    static const char *const slot0 = "first mfn va", *const slot1 = "count last val writable",
                             *const slot2 = "allow bytes";
    size_t n = strlen(k);

    (void)st;
    (void)a;
    (void)err;
    if (!strcmp(k, "old")) {
        op->has_old = true;
        op->a[3] = x;
    } else {
        const char *const slots[] = { slot0, slot1, slot2 };

        for (int i = 0; i < 3; i++)
            for (const char *p = slots[i]; (p = strstr(p, k)); p += n)
                if ((p == slots[i] || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
                    op->a[i] = x;
    }
    return 0;
}

/* Apply one evaluated argument to op. */
static int apply(struct sim_op *op, const struct scn_stmt *st, const struct scn_arg *a, uint64_t x,
                 struct scn_error *err)
{
    const char *k = a->key;

    switch (st->kind) {
    case ST_MACHINE:
        return 0;   /* handled by the runner before the machine exists */
    case ST_DOMAIN:
        if (!strcmp(k, "pages")) op->build.nr_pages = x;
        else if (!strcmp(k, "vcpus")) {
            if (x < 1 || x > PVMM_MAX_VCPUS)
                return bad(err, st, a, "1..8 vCPUs");
            op->build.nr_vcpus = (unsigned int)x;
        } else if (!strcmp(k, "max")) op->build.max_pages = x;
        else if (!strcmp(k, "privileged")) op->build.privileged = x != 0;
        else if (!strcmp(k, "kernel")) {
            if (x > (1UL << 30))
                return bad(err, st, a, "at most 1 GiB");
            op->build.kernel_end = op->build.kernel_start + x;
        }
        return 0;
    case ST_CPU:
        return set_cpu_field(op, st, a, x, err);
    case ST_READ: case ST_WRITE: case ST_EXEC:
        if (!strcmp(k, "va")) op->va = x;
        else if (!strcmp(k, "val")) op->val = x;
        else if (!strcmp(k, "bytes")) {
            if (x != 1 && x != 2 && x != 4 && x != 8)
                return bad(err, st, a, "1, 2, 4 or 8");
            op->bytes = (unsigned int)x;
        }
        return 0;
    case ST_MMU_UPDATE: case ST_MMUEXT_OP:
        if (!strcmp(k, "count")) { op->count_given = true; op->count = x; }
        else if (!strcmp(k, "foreigndom")) op->foreigndom = x;
        else if (!strcmp(k, "pdone")) { op->pdone_given = true; op->pdone = x; }
        else if (!strcmp(k, "ptr")) op->req[op->n++].ptr = x;
        else if (!strcmp(k, "val")) op->req[op->n - 1].val = x;
        else if (!strcmp(k, "cmd")) {
            if (x > UINT32_MAX)
                return bad(err, st, a, "a 32-bit command");
            op->ext[op->n++].cmd = (uint32_t)x;
        } else if (!strcmp(k, "arg1") || !strcmp(k, "mfn") || !strcmp(k, "linear_addr"))
            op->ext[op->n - 1].arg1.mfn = x;
        else
            op->ext[op->n - 1].arg2.src_mfn = x;
        return 0;
    case ST_UPDATE_VA_MAPPING: case ST_UPDATE_VA_MAPPING_OTHERDOMAIN:
        op->a[!strcmp(k, "va") ? 0 : !strcmp(k, "val") ? 1 : !strcmp(k, "flags") ? 2 : 3] = x;
        return 0;
    case ST_UPDATE_DESCRIPTOR:
        op->a[!strcmp(k, "maddr") ? 0 : 1] = x;
        return 0;
    case ST_SET_GDT: case ST_MEMORY_OP:
        if (!strcmp(k, "frames") || !strcmp(k, "extents")) {
            op->list_given = true;
            if (op->nlist == SIM_MAX_BATCH)
                return bad(err, st, a, "at most 512 values");
            op->list[op->nlist++] = x;
        } else if (!strcmp(k, "entries")) op->a[1] = x;
        else if (!strcmp(k, "cmd")) op->memop = (unsigned int)x;
        else if (!strcmp(k, "nr_extents")) { op->nr_extents_given = true; op->res.nr_extents = x; }
        else if (!strcmp(k, "order")) op->res.extent_order = (uint32_t)x;
        else if (!strcmp(k, "mem_flags")) op->res.mem_flags = (uint32_t)x;
        else if (!strcmp(k, "domid")) op->res.domid = (domid_t)x;
        return 0;
    case ST_VM_ASSIST:
        op->a[!strcmp(k, "cmd") ? 0 : 1] = x;
        return 0;
    case ST_VCPU_UP:
        op->a[0] = x;
        op->count_given = true;
        return 0;
    case ST_LAUNCH:
        op->a[0] = x;
        return 0;
    case ST_LDT_LOAD:
        if (!(x & 4) || x > 0xFFFF)
            return bad(err, st, a, "an LDT selector has bit 2 (TI) set and fits 16 bits");
        op->a[0] = x;
        return 0;
    case ST_HYPERCALL:
        if (!strcmp(k, "nr")) op->nr = (unsigned int)x;
        else if (!strcmp(k, "once")) op->once = x != 0;
        else if (!strcmp(k, "preempt")) op->preempt_from = x;
        else op->a[k[1] - '0'] = x;
        return 0;
    case ST_GRANT_TABLE_OP:
        if (!strcmp(k, "cmd")) {
            op->gnt_cmd = (unsigned int)x;
        } else {
            int g = sim_gnt_key(k);

            op->gnt_given |= 1U << g;
            op->gnt[g] = x;
        }
        return 0;
    case ST_RAM: case ST_RESERVE: case ST_SHARE_PRIVILEGED: case ST_SHARE_PAGE: case ST_IOMEM:
    case ST_MMIO_RO: case ST_PTWR_EMULATE: case ST_WRITE_CR3: case ST_HOLD_FRAME:
    case ST_RELEASE_FRAME:
        return apply_replay(op, k, x, st, a, err);
    case ST_SET:
        if (!strcmp(k, "audit")) op->set_audit = x != 0;
        else if (!strcmp(k, "preempt")) {
            op->set_preempt = x ? SIM_PREEMPT_AT : SIM_PREEMPT_NEVER;
            op->preempt_n = x;
        }
        return 0;
    default:
        return 0;
    }
}

int scn_resolve(struct scn_ctx *c, const struct scn_stmt *st, struct sim_op *op,
                struct scn_error *err)
{
    memset(op, 0, sizeof(*op));
    op->kind = st->kind;
    op->dom = st->dom;
    op->vcpu = st->vcpu;
    op->kernel = st->kernel;
    op->foreigndom = DOMID_SELF;
    op->set_audit = op->set_preempt = op->set_log = -1;
    op->res.domid = DOMID_SELF;
    if (st->kind == ST_DOMAIN) {
        op->build.domid = (domid_t)st->dom;
        op->build.nr_vcpus = 1;
        op->build.kernel_start = 0x100000;
        op->build.kernel_end = 0x110000;
    }
    switch (st->kind) {
    case ST_UPDATE_VA_MAPPING: op->nr = __HYPERVISOR_update_va_mapping; break;
    case ST_UPDATE_VA_MAPPING_OTHERDOMAIN:
        op->nr = __HYPERVISOR_update_va_mapping_otherdomain;
        break;
    case ST_UPDATE_DESCRIPTOR: op->nr = __HYPERVISOR_update_descriptor; break;
    case ST_VM_ASSIST: op->nr = __HYPERVISOR_vm_assist; break;
    default: break;
    }
    for (int i = 0; i < st->nargs; i++) {
        const struct scn_arg *a = &st->args[i];
        uint64_t x;

        if (a->word[0]) {
            if (st->kind == ST_SET) {
                if (!strcmp(a->key, "preempt")) {
                    op->set_preempt = !strcmp(a->word, "every") ? SIM_PREEMPT_EVERY
                                                                 : SIM_PREEMPT_NEVER;
                } else {
                    static const char *const lv[] = { "debug", "info", "warn", "error", "none" };

                    for (int l = 0; l < 5; l++)
                        if (!strcmp(a->word, lv[l]))
                            op->set_log = l;
                }
                continue;
            }
            x = word_value(st, a);
        } else if (scn_eval(c, st, a->e, &x, err)) {
            return -1;
        }
        if (apply(op, st, a, x, err))
            return -1;
    }
    return 0;
}
