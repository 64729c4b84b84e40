/*
 * sim/fuzz/fuzz-ops.c - libFuzzer harness: random operation streams against the core.
 *
 * Input: a 4-byte header (number of domains 2..3, pages per domain, options:
 * privileged first domain, writable_pagetables on, linear tables off) then a
 * stream of operations, each decoded from a few bytes into a struct sim_op
 * and executed on the simulated machine exactly as a scenario line would be:
 * every hypercall with arguments aimed at interesting frames (the domain's
 * own page tables, its data pages, another domain's frames, frames outside
 * RAM), guest reads and writes in both modes (ptwr included), LDT loads,
 * preemption injection at a chosen check, and domain teardown.  After every
 * operation the auditor runs; any violation aborts, which libFuzzer reports
 * as a crash (as it does sanitizer findings).
 *
 * With PVMM_FUZZ_TRACE=FILE set, the operations of a run are written to
 * FILE in scenario syntax with their results as expect lines: run the
 * harness on a crashing input and the trace is a scenario that replays the
 * failure with `pvmm run` (and explains it with `pvmm explain`).
 * PVMM_FUZZ_COUNT=FILE appends the number of operations executed (for the
 * fuzz_ops_per_s benchmark).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../op.h"

struct input {
    const uint8_t *p;
    size_t n;
};

static uint8_t byte(struct input *in)
{
    uint8_t b = 0;

    if (in->n) {
        b = *in->p++;
        in->n--;
    }
    return b;
}

static uint64_t word(struct input *in, int bytes)
{
    uint64_t v = 0;

    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)byte(in) << (8 * i);
    return v;
}

/* A machine frame chosen to be interesting for domain d. */
static mfn_t pick_frame(struct sim_machine *m, int d, struct input *in)
{
    uint8_t sel = byte(in), arg = byte(in);
    const struct sim_domain *sd = &m->doms[d];
    const struct pvmm_dom_layout *l = &sd->layout;
    int other = (d + 1) % PVMM_MAX_DOMAINS;

    switch (sel & 3) {
    case 0:   /* one of the domain's boot page tables, or its spare pages */
        if (!sd->built)
            return arg;
        return sd->p2m[(l->pt_va >> PAGE_SHIFT) + arg % (l->nr_pt_frames + 16)];
    case 1:   /* any page of the domain */
        return sd->built ? sd->p2m[((uint64_t)arg << 2 | (sel >> 6)) % l->nr_pages] : arg;
    case 2:   /* another domain's page */
        return m->doms[other].built ? m->doms[other].p2m[arg % m->doms[other].layout.nr_pages]
                                    : arg;
    default:  /* anything: I/O frames, hypervisor frames, beyond memory */
        return ((uint64_t)arg << 6 | (sel >> 2)) % (m->nr_frames + 64);
    }
}

/* A PTE value: a picked frame with flags from the input. */
static uint64_t pick_pte(struct sim_machine *m, int d, struct input *in)
{
    static const uint64_t common[] = {
        _PAGE_PRESENT | _PAGE_ACCESSED,
        _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED,
        _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY,
        0,
    };
    uint8_t f = byte(in);
    uint64_t flags = (f & 0x80) ? ((uint64_t)byte(in) | ((uint64_t)(byte(in) & 0xfe) << 56))
                                : common[f & 3];

    return pte_from_mfn(pick_frame(m, d, in), flags);
}

/* A virtual address of the domain's boot region, or anywhere. */
static uint64_t pick_va(struct sim_machine *m, int d, struct input *in)
{
    uint8_t sel = byte(in);
    uint64_t w = word(in, 2);

    if ((sel & 3) == 3)
        return word(in, 8);
    if ((sel & 3) == 2)
        return HYPERVISOR_VIRT_START + (w << 12);
    if (!m->doms[d].built)
        return w << 12;
    return (w % (m->doms[d].layout.v_end >> PAGE_SHIFT)) << PAGE_SHIFT | ((sel & 4) ? 8 * (sel >> 3) : 0);
}

/* Decode one operation.  False when the input is exhausted. */
static bool decode(struct sim_machine *m, int ndoms, struct input *in, struct sim_op *op)
{
    uint8_t k, t;
    int d;

    if (in->n < 2)
        return false;
    k = byte(in);
    t = byte(in);
    d = t % ndoms;
    memset(op, 0, sizeof(*op));
    op->dom = d;
    op->vcpu = (t >> 4) & 1;
    op->foreigndom = DOMID_SELF;
    op->set_audit = op->set_preempt = op->set_log = -1;
    op->res.domid = DOMID_SELF;
    switch (k % 12) {
    case 0: case 1:
        op->kind = ST_MMU_UPDATE;
        op->n = 1 + (k >> 6);
        for (unsigned int i = 0; i < op->n; i++) {
            uint8_t c = byte(in);

            op->req[i].ptr = pte_from_mfn(pick_frame(m, d, in), (uint64_t)(c % 512) * 8 | (c >> 7 ? (c & 7) : 0));
            op->req[i].val = pick_pte(m, d, in);
        }
        if (k & 0x20)
            op->foreigndom = (k & 0x10) ? (uint64_t)((d + 1) % ndoms) : DOMID_IO;
        return true;
    case 2: case 3:
        op->kind = ST_MMUEXT_OP;
        op->n = 1 + (k >> 7);
        for (unsigned int i = 0; i < op->n; i++) {
            uint8_t c = byte(in);

            op->ext[i].cmd = c % 22;
            if (op->ext[i].cmd == MMUEXT_INVLPG_LOCAL || op->ext[i].cmd == MMUEXT_INVLPG_ALL ||
                op->ext[i].cmd == MMUEXT_SET_LDT || op->ext[i].cmd == MMUEXT_INVLPG_MULTI)
                op->ext[i].arg1.linear_addr = pick_va(m, d, in);
            else
                op->ext[i].arg1.mfn = pick_frame(m, d, in);
            op->ext[i].arg2.src_mfn = op->ext[i].cmd == MMUEXT_COPY_PAGE ? pick_frame(m, d, in)
                                                                       : byte(in) * 32;
        }
        return true;
    case 4: case 5:
        op->kind = ST_UPDATE_VA_MAPPING;
        op->nr = __HYPERVISOR_update_va_mapping;
        op->a[0] = pick_va(m, d, in);
        op->a[1] = pick_pte(m, d, in);
        op->a[2] = byte(in) & 7;
        return true;
    case 6: case 7:
        op->kind = k & 1 ? ST_WRITE : ST_READ;
        op->kernel = !(k & 0x80);
        op->va = pick_va(m, d, in);
        op->val = pick_pte(m, d, in);
        op->bytes = 8;
        return true;
    case 8:
        op->kind = ST_MEMORY_OP;
        op->memop = (k >> 4) % 3 == 2 ? XENMEM_populate_physmap : (k >> 4) % 2;
        op->list_given = true;
        op->nlist = 1 + (byte(in) & 3);
        for (unsigned int i = 0; i < op->nlist; i++)
            op->list[i] = op->memop == XENMEM_decrease_reservation ? pick_frame(m, d, in) : byte(in);
        return true;
    case 9:
        op->kind = k & 0x10 ? ST_LDT_LOAD : ST_SET_GDT;
        op->a[0] = 4 | (uint64_t)byte(in) << 3;
        if (op->kind == ST_SET_GDT) {
            op->nr = __HYPERVISOR_set_gdt;
            op->list_given = true;
            op->nlist = 1;
            op->list[0] = pick_frame(m, d, in);
            op->a[1] = byte(in) * 16;
        }
        return true;
    case 10:
        op->kind = ST_SET;
        op->set_preempt = SIM_PREEMPT_AT;
        op->preempt_n = 1 + (byte(in) & 31);
        return true;
    default:
        if ((k >> 4) == 0xf) {
            op->kind = ST_DESTROY;
            return true;
        }
        op->kind = ST_UPDATE_DESCRIPTOR;
        op->nr = __HYPERVISOR_update_descriptor;
        op->a[0] = pte_from_mfn(pick_frame(m, d, in), (byte(in) & 0x1ff) * 8);
        op->a[1] = word(in, 8);
        return true;
    }
}

static void check_audit(struct sim_machine *m, FILE *trace)
{
    struct pvmm_audit_report r;
    char line[512];

    if (sim_audit(m, &r) == 0)
        return;
    for (unsigned int i = 0; i < r.nr_recorded; i++) {
        pvmm_audit_format(&r.v[i], line, sizeof(line));
        fprintf(stderr, "audit: %s\n", line);
        if (trace)
            fprintf(trace, "# audit: %s\n", line);
    }
    if (trace)
        fclose(trace);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Operations executed by all runs so far (read by the benchmark). */
unsigned long pvmm_fuzz_ops_total;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct input in = { data, size };
    struct sim_machine_config cfg;
    static struct sim_machine *machines[2];   /* linear tables on / off */
    struct sim_machine *m;
    static struct sim_op op;
    static struct sim_result res;
    const char *tpath = getenv("PVMM_FUZZ_TRACE");
    const char *cpath = getenv("PVMM_FUZZ_COUNT");
    FILE *trace = tpath ? fopen(tpath, "w") : NULL;
    uint8_t h0 = byte(&in), h1 = byte(&in);
    int ndoms = 2 + (h0 & 1);
    unsigned long nops = 0;
    char err[256];

    sim_machine_default_config(&cfg);
    cfg.nr_frames = 3300;
    cfg.junk = false;
    cfg.linear_pt = !(h0 & 8);
    /* One machine per configuration, power-cycled per input (allocating is slow). */
    m = machines[cfg.linear_pt];
    if (!m)
        m = machines[cfg.linear_pt] = sim_machine_new(&cfg);
    else if (!sim_machine_reset(m, &cfg))
        abort();
    if (!m)
        abort();
    m->log_level = 4;
    if (trace)
        fprintf(trace, "machine frames=%#lx linear_pt=%d\n", (unsigned long)cfg.nr_frames,
                cfg.linear_pt);
    for (int d = 0; d < ndoms; d++) {
        struct pvmm_build_params p = {
            .domid = (domid_t)d, .privileged = d == 0 && (h0 & 2), .nr_pages = 1024,
            .max_pages = 1024 + (h1 & 63), .nr_vcpus = 2,
            .kernel_start = 0x100000, .kernel_end = 0x110000,
        };

        if (sim_build_domain(m, &p))
            abort();
        if (trace)
            fprintf(trace, "domain d%d pages=0x400 vcpus=2 max=%#lx privileged=%d\n", d,
                    (unsigned long)p.max_pages, p.privileged);
        if (h0 & 4)
            pvmm_domain_lookup(&m->s, (domid_t)d)->vm_assist |= 1UL << VMASST_TYPE_writable_pagetables;
        if (sim_op_exec(m, &(struct sim_op){ .kind = ST_VCPU_UP, .dom = d, .vcpu = 1 }, &res,
                        err, sizeof(err)))
            abort();
    }
    if (trace && (h0 & 4))
        for (int d = 0; d < ndoms; d++)
            fprintf(trace, "vm_assist d%d.v0 cmd=enable type=writable_pagetables\n", d);
    if (trace)
        for (int d = 0; d < ndoms; d++)
            fprintf(trace, "vcpu_up d%d.v1\n", d);
    check_audit(m, trace);

    while (decode(m, ndoms, &in, &op)) {
        if (op.kind == ST_DESTROY && !pvmm_domain_lookup(&m->s, (domid_t)op.dom))
            continue;
        if (op.kind != ST_DESTROY && op.kind != ST_SET && !m->doms[op.dom].built)
            continue;
        if (sim_op_exec(m, &op, &res, err, sizeof(err)))
            continue;   /* not executable now (vCPU down, scratch unmapped): skip */
        nops++;
        pvmm_fuzz_ops_total++;
        if (trace) {
            sim_op_print(trace, &op);
            sim_result_print_expect(trace, &res);
        }
        check_audit(m, trace);
        if (op.kind != ST_SET && m->preempt != SIM_PREEMPT_NEVER) {
            /* Injection covers one operation only. */
            m->preempt = SIM_PREEMPT_NEVER;
            if (trace)
                fprintf(trace, "set preempt=never\n");
        }
    }
    if (trace)
        fclose(trace);
    if (cpath) {
        FILE *f = fopen(cpath, "a");

        if (f) {
            fprintf(f, "%lu\n", nops);
            fclose(f);
        }
    }
    return 0;
}
