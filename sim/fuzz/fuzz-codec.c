/*
 * sim/fuzz/fuzz-codec.c - verbatim operations of the fuzz input (see fuzz-input.h).
 *
 * One walker, fields(), visits the arguments of an operation in a fixed
 * order for each kind; encoding writes each as an unsigned LEB128 number,
 * decoding reads it back into the same field.  Because both directions run
 * the same code the layout cannot drift between the seed converter and the
 * harness.  Decoding then brings every value into the range a scenario
 * line could have given it, so fuzzed bytes always make a valid line.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"

uint8_t fuzz_byte(struct fuzz_input *in)
{
    uint8_t b = 0;

    if (in->n) {
        b = *in->p++;
        in->n--;
    }
    return b;
}

void fuzz_buf_put(struct fuzz_buf *b, uint8_t byte)
{
    if (b->len == b->cap) {
        size_t cap = b->cap ? 2 * b->cap : 256;
        uint8_t *d = realloc(b->data, cap);

        if (!d)
            abort();
        b->data = d;
        b->cap = cap;
    }
    b->data[b->len++] = byte;
}

void fuzz_buf_free(struct fuzz_buf *b)
{
    free(b->data);
    memset(b, 0, sizeof(*b));
}

/* The operation kinds a verbatim operation can carry, by kind byte. */
static const enum scn_stmt_kind kinds[] = {
    ST_DOMAIN, ST_DESTROY, ST_VCPU_UP, ST_MODE, ST_CPU, ST_READ, ST_WRITE, ST_EXEC,
    ST_MMU_UPDATE, ST_MMUEXT_OP, ST_UPDATE_VA_MAPPING, ST_UPDATE_VA_MAPPING_OTHERDOMAIN,
    ST_SET_GDT, ST_UPDATE_DESCRIPTOR, ST_MEMORY_OP, ST_VM_ASSIST, ST_HYPERCALL, ST_LDT_LOAD,
    ST_SET, ST_GRANT_TABLE_OP,
};
#define NR_KINDS (sizeof(kinds) / sizeof(kinds[0]))

/* Does a statement of this kind name a vCPU (dN.vM) rather than a domain or nothing? */
static bool takes_vcpu(enum scn_stmt_kind k)
{
    return k != ST_DOMAIN && k != ST_DESTROY && k != ST_SET && k != ST_AUDIT;
}

void fuzz_op_init(struct sim_op *op, enum scn_stmt_kind kind, int dom, int vcpu)
{
    memset(op, 0, sizeof(*op));
    op->kind = kind;
    op->dom = dom;
    op->vcpu = vcpu;
    op->foreigndom = DOMID_SELF;
    op->set_audit = op->set_preempt = op->set_log = -1;
    op->res.domid = DOMID_SELF;
    switch (kind) {
    case ST_DOMAIN:
        op->build.domid = (domid_t)dom;
        op->build.nr_vcpus = 1;
        op->build.kernel_start = 0x100000;
        op->build.kernel_end = 0x110000;
        break;
    case ST_UPDATE_VA_MAPPING: op->nr = __HYPERVISOR_update_va_mapping; break;
    case ST_UPDATE_VA_MAPPING_OTHERDOMAIN:
        op->nr = __HYPERVISOR_update_va_mapping_otherdomain;
        break;
    case ST_UPDATE_DESCRIPTOR: op->nr = __HYPERVISOR_update_descriptor; break;
    case ST_VM_ASSIST: op->nr = __HYPERVISOR_vm_assist; break;
    default: break;
    }
}

struct codec {
    bool enc;
    struct fuzz_buf *out;
    struct fuzz_input *in;
};

/* Encode v, or decode and return the next number (v is then ignored). */
static uint64_t field(struct codec *c, uint64_t v)
{
    uint64_t x = 0;

    if (c->enc) {
        do {
            fuzz_buf_put(c->out, (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)));
            v >>= 7;
        } while (v);
        return 0;
    }
    for (unsigned int shift = 0; shift < 70; shift += 7) {
        uint8_t b = fuzz_byte(c->in);

        if (shift < 64)
            x |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80))
            break;
    }
    return x;
}

/* Visit a field: encode it, or decode into it. */
#define F(c, lv) ((lv) = (c)->enc ? (lv) : (__typeof__(lv))field((c), 0), \
                  (c)->enc ? (void)field((c), (uint64_t)(lv)) : (void)0)

/* A decoded count: at most max (whatever the bytes said). */
static unsigned int count_field(struct codec *c, unsigned int n, unsigned int max)
{
    uint64_t x = c->enc ? n : 0;

    if (c->enc) {
        field(c, x);
        return n;
    }
    x = field(c, 0);
    return x > max ? (unsigned int)(x % (max + 1)) : (unsigned int)x;
}

/* A decoded bool, or one of a small range: the value only if it is in [lo, hi]. */
static uint64_t ranged(struct codec *c, uint64_t v, uint64_t lo, uint64_t hi, uint64_t dflt)
{
    uint64_t x;

    if (c->enc) {
        field(c, v);
        return v;
    }
    x = field(c, 0);
    return x >= lo && x <= hi ? x : dflt;
}

static void batch_head(struct codec *c, struct sim_op *op)
{
    F(c, op->foreigndom);
    op->count_given = ranged(c, op->count_given, 0, 1, 0);
    if (op->count_given)
        F(c, op->count);
    op->pdone_given = ranged(c, op->pdone_given, 0, 1, 0);
    if (op->pdone_given)
        F(c, op->pdone);
    op->n = count_field(c, op->n, SIM_MAX_BATCH);
}

static void list_field(struct codec *c, struct sim_op *op)
{
    op->list_given = ranged(c, op->list_given, 0, 1, 0);
    op->nlist = count_field(c, op->nlist, SIM_MAX_BATCH);
    for (unsigned int i = 0; i < op->nlist; i++)
        F(c, op->list[i]);
}

static void cpu_fields(struct codec *c, struct sim_op *op)
{
    struct sim_paging *p = &op->paging;

    op->cpu_set = (unsigned int)ranged(c, op->cpu_set, 0, 1023, 0);
    if (op->cpu_set & CPU_WP) p->cr0_wp = ranged(c, p->cr0_wp, 0, 1, 0);
    if (op->cpu_set & CPU_SMEP) p->cr4_smep = ranged(c, p->cr4_smep, 0, 1, 0);
    if (op->cpu_set & CPU_SMAP) p->cr4_smap = ranged(c, p->cr4_smap, 0, 1, 0);
    if (op->cpu_set & CPU_PKE) p->cr4_pke = ranged(c, p->cr4_pke, 0, 1, 0);
    if (op->cpu_set & CPU_PGE) p->cr4_pge = ranged(c, p->cr4_pge, 0, 1, 0);
    if (op->cpu_set & CPU_NXE) p->efer_nxe = ranged(c, p->efer_nxe, 0, 1, 0);
    if (op->cpu_set & CPU_AC) p->eflags_ac = ranged(c, p->eflags_ac, 0, 1, 0);
    if (op->cpu_set & CPU_PKRU) p->pkru = (uint32_t)ranged(c, p->pkru, 0, UINT32_MAX, 0);
    if (op->cpu_set & CPU_CPL) p->cpl = (unsigned int)ranged(c, p->cpl, 0, 3, 3);
    if (op->cpu_set & CPU_MAXPHYADDR)
        p->maxphyaddr = (unsigned int)ranged(c, p->maxphyaddr, 36, 52, 46);
}

/* The arguments of op, in order, for its kind. */
static void fields(struct codec *c, struct sim_op *op)
{
    switch (op->kind) {
    case ST_DOMAIN: {
        uint64_t kernel = op->build.kernel_end - op->build.kernel_start;

        F(c, op->build.nr_pages);
        F(c, op->build.max_pages);
        op->build.nr_vcpus = (unsigned int)ranged(c, op->build.nr_vcpus, 1, PVMM_MAX_VCPUS, 1);
        op->build.privileged = ranged(c, op->build.privileged, 0, 1, 0);
        kernel = ranged(c, kernel, 0, 1UL << 30, 0x10000);
        op->build.kernel_end = op->build.kernel_start + kernel;
        break;
    }
    case ST_VCPU_UP:
        op->count_given = ranged(c, op->count_given, 0, 1, 0);
        if (op->count_given)
            F(c, op->a[0]);
        break;
    case ST_CPU:
        cpu_fields(c, op);
        break;
    case ST_READ: case ST_WRITE: case ST_EXEC:
        F(c, op->va);
        if (op->kind == ST_WRITE)
            F(c, op->val);
        if (op->kind != ST_EXEC) {
            op->bytes = (unsigned int)ranged(c, op->bytes, 0, 8, 0);
            if (op->bytes & (op->bytes - 1))
                op->bytes = 0;
        }
        break;
    case ST_MMU_UPDATE:
        batch_head(c, op);
        for (unsigned int i = 0; i < op->n; i++) {
            F(c, op->req[i].ptr);
            F(c, op->req[i].val);
        }
        break;
    case ST_MMUEXT_OP:
        batch_head(c, op);
        for (unsigned int i = 0; i < op->n; i++) {
            op->ext[i].cmd = (uint32_t)ranged(c, op->ext[i].cmd, 0, UINT32_MAX, 0);
            F(c, op->ext[i].arg1.mfn);
            F(c, op->ext[i].arg2.src_mfn);
        }
        break;
    case ST_UPDATE_VA_MAPPING:
        for (int i = 0; i < 3; i++)
            F(c, op->a[i]);
        break;
    case ST_UPDATE_VA_MAPPING_OTHERDOMAIN:
        for (int i = 0; i < 4; i++)
            F(c, op->a[i]);
        break;
    case ST_UPDATE_DESCRIPTOR: case ST_VM_ASSIST:
        F(c, op->a[0]);
        F(c, op->a[1]);
        break;
    case ST_HYPERCALL:
        op->nr = (unsigned int)ranged(c, op->nr, 0, UINT32_MAX, 0);
        for (int i = 0; i < 5; i++)
            F(c, op->a[i]);
        break;
    case ST_SET_GDT:
        list_field(c, op);
        F(c, op->a[1]);
        break;
    case ST_MEMORY_OP:
        op->memop = (unsigned int)ranged(c, op->memop, 0, UINT32_MAX, 0);
        list_field(c, op);
        op->nr_extents_given = ranged(c, op->nr_extents_given, 0, 1, 0);
        if (op->nr_extents_given)
            F(c, op->res.nr_extents);
        F(c, op->res.extent_order);
        F(c, op->res.mem_flags);
        F(c, op->res.domid);
        break;
    case ST_LDT_LOAD:
        F(c, op->a[0]);
        if (!c->enc)
            op->a[0] = (op->a[0] | 4) & 0xffff;
        break;
    case ST_GRANT_TABLE_OP:
        op->gnt_cmd = (unsigned int)ranged(c, op->gnt_cmd, 0, UINT32_MAX, 0);
        op->gnt_given = (uint32_t)ranged(c, op->gnt_given, 0, (1U << SIM_GNT_NKEYS) - 1, 0);
        for (int k = 0; k < SIM_GNT_NKEYS; k++)
            if (op->gnt_given & (1U << k))
                F(c, op->gnt[k]);
        break;
    case ST_SET:
        op->set_preempt = (int)ranged(c, (uint64_t)(op->set_preempt + 1), 0, 3, 0) - 1;
        F(c, op->preempt_n);
        break;
    default:   /* ST_DESTROY, ST_MODE: the target says it all */
        break;
    }
}

bool fuzz_encode_verbatim(struct fuzz_buf *b, const struct sim_op *op)
{
    struct sim_op *copy;
    struct codec c = { .enc = true, .out = b };
    unsigned int k;
    int dom = op->dom < 0 ? 0 : op->dom, vcpu = op->vcpu < 0 ? 0 : op->vcpu;

    for (k = 0; k < NR_KINDS && kinds[k] != op->kind; k++)
        ;
    if (k == NR_KINDS || (op->kind == ST_SET && op->set_preempt < 0) ||
        dom >= PVMM_MAX_DOMAINS || vcpu >= PVMM_MAX_VCPUS)
        return false;
    copy = malloc(sizeof(*copy));
    if (!copy)
        abort();
    *copy = *op;   /* fields() writes back what it reads: work on a copy */
    fuzz_buf_put(b, FUZZ_CLASS_VERBATIM);
    fuzz_buf_put(b, (uint8_t)(dom | vcpu << 3 | (op->kernel ? 0x40 : 0)));
    fuzz_buf_put(b, (uint8_t)k);
    fields(&c, copy);
    free(copy);
    return true;
}

void fuzz_decode_verbatim(struct fuzz_input *in, uint8_t t, struct sim_op *op)
{
    struct codec c = { .enc = false, .in = in };
    enum scn_stmt_kind kind = kinds[fuzz_byte(in) % NR_KINDS];
    int dom = t & 7;

    fuzz_op_init(op, kind, dom, takes_vcpu(kind) ? (t >> 3) & 7 : -1);
    op->kernel = (t & 0x40) != 0;
    fields(&c, op);
}
