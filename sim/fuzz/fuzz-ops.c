/*
 * sim/fuzz/fuzz-ops.c - libFuzzer harness: random operation streams against the core.
 *
 * Input (fuzz-input.h): a 2-byte header (two or three initial domains, a
 * privileged first domain, writable_pagetables on, linear tables off, or
 * no initial domains for seeds made from scenarios) then a stream of
 * operations, each decoded from a few bytes into a struct sim_op and
 * executed on the simulated machine exactly as a scenario line would be.
 * Aimed operations hit interesting frames of a built domain (its own page
 * tables, its data pages, another domain's frames, I/O and hypervisor
 * frames, frames outside RAM): every hypercall, guest reads and writes in
 * both modes (ptwr included), LDT loads, preemption injection at a chosen
 * check, domain teardown.  Verbatim operations (fuzz-codec.c) carry any
 * scenario operation exactly, domain creation included.  After every
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

#include "fuzz-input.h"

uint64_t fuzz_word(struct fuzz_input *in, int bytes)
{
    uint64_t v = 0;

    for (int i = 0; i < bytes; i++)
        v |= (uint64_t)fuzz_byte(in) << (8 * i);
    return v;
}

int fuzz_built_domain(const struct sim_machine *m, unsigned int i)
{
    int ids[PVMM_MAX_DOMAINS], n = 0;

    for (int d = 0; d < PVMM_MAX_DOMAINS; d++)
        if (m->doms[d].built)
            ids[n++] = d;
    return n ? ids[i % (unsigned int)n] : -1;
}

int fuzz_other_domain(const struct sim_machine *m, int d)
{
    for (int i = 1; i < PVMM_MAX_DOMAINS; i++)
        if (m->doms[(d + i) % PVMM_MAX_DOMAINS].built)
            return (d + i) % PVMM_MAX_DOMAINS;
    return d;
}

mfn_t fuzz_pick_frame(struct sim_machine *m, int d, struct fuzz_input *in)
{
    uint8_t sel = fuzz_byte(in), arg = fuzz_byte(in);
    const struct sim_domain *sd = &m->doms[d];
    const struct pvmm_dom_layout *l = &sd->layout;
    const struct sim_domain *od = &m->doms[fuzz_other_domain(m, d)];

    switch (sel & 3) {
    case 0:   /* one of the domain's boot page tables, or its spare pages */
        return sd->p2m[(l->pt_va >> PAGE_SHIFT) + arg % (l->nr_pt_frames + 16)];
    case 1:   /* any page of the domain */
        return sd->p2m[((uint64_t)arg << 2 | (sel >> 6)) % l->nr_pages];
    case 2:   /* another domain's page */
        return od->p2m[arg % od->layout.nr_pages];
    default:  /* anything: I/O frames, hypervisor frames, beyond memory */
        return ((uint64_t)arg << 6 | (sel >> 2)) % (m->nr_frames + 64);
    }
}

uint64_t fuzz_pick_pte(struct sim_machine *m, int d, struct fuzz_input *in)
{
    static const uint64_t common[] = {
        _PAGE_PRESENT | _PAGE_ACCESSED,
        _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED,
        _PAGE_PRESENT | _PAGE_RW | _PAGE_USER | _PAGE_ACCESSED | _PAGE_DIRTY,
        0,
    };
    uint8_t f = fuzz_byte(in);
    uint64_t flags = common[f & 3];

    if (f & 0x80) {
        /* Any low flags, the available bits, GK/protection keys and NX. */
        uint8_t b1 = fuzz_byte(in), b2 = fuzz_byte(in), b3 = fuzz_byte(in);

        flags = b1 | (uint64_t)(b2 & 0xf) << 8 | (uint64_t)b3 << 52 | (uint64_t)(b2 >> 4) << 60;
    }
    return pte_from_mfn(fuzz_pick_frame(m, d, in), flags);
}

uint64_t fuzz_pick_va(struct sim_machine *m, int d, struct fuzz_input *in)
{
    uint8_t sel = fuzz_byte(in);
    uint64_t w = fuzz_word(in, 2);

    if ((sel & 3) == 3)
        return fuzz_word(in, 8);
    if ((sel & 3) == 2)
        return HYPERVISOR_VIRT_START + (w << 12);
    return (w % (m->doms[d].layout.v_end >> PAGE_SHIFT)) << PAGE_SHIFT |
           ((sel & 4) ? 8 * (sel >> 3) : 0);
}

/* The arguments of an aimed operation of class k on domain d. */
static void decode_aimed(struct sim_machine *m, int d, uint8_t k, struct fuzz_input *in,
                         struct sim_op *op, bool *oneshot)
{
    switch (k & 15) {
    case 0: case 1: case 13:
        op->kind = ST_MMU_UPDATE;
        op->n = 1 + (k >> 6);
        for (unsigned int i = 0; i < op->n; i++) {
            /* Any slot; the low bits (the command) only when bit 15 says so. */
            uint64_t c = fuzz_word(in, 2);

            op->req[i].ptr = pte_from_mfn(fuzz_pick_frame(m, d, in),
                                          (c & 511) * 8 | ((c & 0x8000) ? (c >> 9) & 7 : 0));
            op->req[i].val = fuzz_pick_pte(m, d, in);
        }
        if (k & 0x20)
            op->foreigndom = (k & 0x10) ? (uint64_t)fuzz_other_domain(m, d) : DOMID_IO;
        return;
    case 2: case 3: case 14:
        op->kind = ST_MMUEXT_OP;
        op->n = 1 + (k >> 7);
        for (unsigned int i = 0; i < op->n; i++) {
            uint8_t c = fuzz_byte(in);

            op->ext[i].cmd = c % 22;
            if (op->ext[i].cmd == MMUEXT_INVLPG_LOCAL || op->ext[i].cmd == MMUEXT_INVLPG_ALL ||
                op->ext[i].cmd == MMUEXT_SET_LDT || op->ext[i].cmd == MMUEXT_INVLPG_MULTI)
                op->ext[i].arg1.linear_addr = fuzz_pick_va(m, d, in);
            else
                op->ext[i].arg1.mfn = fuzz_pick_frame(m, d, in);
            op->ext[i].arg2.src_mfn = op->ext[i].cmd == MMUEXT_COPY_PAGE ? fuzz_pick_frame(m, d, in)
                                                                       : fuzz_byte(in) * 32;
        }
        if ((k & 0x60) == 0x60)
            op->foreigndom = (uint64_t)fuzz_other_domain(m, d);
        return;
    case 4: case 5: case 15:
        op->kind = ST_UPDATE_VA_MAPPING;
        op->nr = __HYPERVISOR_update_va_mapping;
        op->a[0] = fuzz_pick_va(m, d, in);
        op->a[1] = fuzz_pick_pte(m, d, in);
        op->a[2] = fuzz_byte(in) & 7;
        if ((k & 0x30) == 0x30) {
            op->kind = ST_UPDATE_VA_MAPPING_OTHERDOMAIN;
            op->nr = __HYPERVISOR_update_va_mapping_otherdomain;
            op->a[3] = (uint64_t)fuzz_other_domain(m, d);
        }
        return;
    case 6: case 7:
        op->kind = k & 1 ? ST_WRITE : ST_READ;
        op->kernel = !(k & 0x80);
        op->va = fuzz_pick_va(m, d, in);
        op->val = fuzz_pick_pte(m, d, in);
        op->bytes = 8;
        return;
    case 8:
        op->kind = ST_MEMORY_OP;
        op->memop = (k >> 4) % 3 == 2 ? XENMEM_populate_physmap : (k >> 4) % 2;
        op->list_given = true;
        op->nlist = 1 + (fuzz_byte(in) & 3);
        for (unsigned int i = 0; i < op->nlist; i++)
            op->list[i] = op->memop == XENMEM_decrease_reservation ? fuzz_pick_frame(m, d, in)
                                                                   : fuzz_byte(in);
        return;
    case 9:
        op->kind = k & 0x10 ? ST_LDT_LOAD : ST_SET_GDT;
        op->a[0] = 4 | (uint64_t)fuzz_byte(in) << 3;
        if (op->kind == ST_SET_GDT) {
            op->nr = __HYPERVISOR_set_gdt;
            op->list_given = true;
            op->nlist = 1;
            op->list[0] = fuzz_pick_frame(m, d, in);
            op->a[1] = fuzz_byte(in) * 16;
        }
        return;
    case 10:
        op->kind = ST_SET;
        op->vcpu = -1;
        op->set_preempt = SIM_PREEMPT_AT;
        op->preempt_n = 1 + (fuzz_byte(in) & 31);
        *oneshot = true;
        return;
    default:
        if ((k >> 4) == 0xf) {
            op->kind = ST_DESTROY;
            op->vcpu = -1;
            return;
        }
        op->kind = ST_UPDATE_DESCRIPTOR;
        op->nr = __HYPERVISOR_update_descriptor;
        op->a[0] = pte_from_mfn(fuzz_pick_frame(m, d, in), (fuzz_byte(in) & 0x1ff) * 8);
        op->a[1] = fuzz_word(in, 8);
        return;
    }
}

/*
 * Decode one operation.  False when the input is exhausted; an aimed
 * operation when no domain is built decodes to ST_AUDIT (nothing to do).
 * *oneshot is set for a preemption injection that covers one operation.
 * With grants (FUZZ_H_GRANTS), classes 9, 13, 14 and 15 are grant
 * operations (fuzz-grant.c) instead of a second mmu_update, mmuext_op,
 * update_va_mapping and set_gdt/LDT class.
 */
static bool decode(struct sim_machine *m, struct fuzz_input *in, struct sim_op *op, bool *oneshot,
                   bool grants)
{
    uint8_t k, t;
    int d;

    if (in->n < 2)
        return false;
    k = fuzz_byte(in);
    t = fuzz_byte(in);
    if ((k & 15) == FUZZ_CLASS_VERBATIM) {
        fuzz_decode_verbatim(in, t, op);
        if (op->kind == ST_SET)
            *oneshot = false;   /* a verbatim `set preempt=` lasts, as in a scenario */
        return true;
    }
    d = fuzz_built_domain(m, t);
    fuzz_op_init(op, ST_AUDIT, d < 0 ? 0 : d, (t >> 4) & 1);
    if (d >= 0 && grants && ((k & 15) == 9 || (k & 15) >= 13))
        fuzz_grant_decode(m, d, in, op);
    else if (d >= 0)
        decode_aimed(m, d, k, in, op, oneshot);
    return true;
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

bool fuzz_runnable(struct sim_machine *m, const struct sim_op *op)
{
    struct domain *d = op->dom >= 0 ? pvmm_domain_lookup(&m->s, (domid_t)op->dom) : NULL;
    bool exists = d;

    switch (op->kind) {
    case ST_AUDIT:
        return false;
    case ST_SET:
        return true;
    case ST_DOMAIN:
        /* Rebuilding an existing domain fails with -EEXIST and changes nothing. */
        return true;
    case ST_DESTROY:
        return exists;
    default:
        /* A dying domain (destroy refused while others hold its frames) runs no code. */
        return exists && m->doms[op->dom].built && !d->is_dying;
    }
}

/* Operations executed by all runs so far (read by the benchmark). */
unsigned long pvmm_fuzz_ops_total;

/*
 * Execute op, trace it and audit the machine (a violation aborts).  False if
 * the operation could not be carried out at all (nothing happened).
 */
static bool run_op(struct sim_machine *m, const struct sim_op *op, struct sim_result *res,
                   FILE *trace)
{
    char err[256];

    if (sim_op_exec(m, op, res, err, sizeof(err)))
        return false;
    pvmm_fuzz_ops_total++;
    if (trace) {
        sim_op_print(trace, op);
        sim_result_print_expect(trace, res);
    }
    check_audit(m, trace);
    return true;
}

unsigned long fuzz_run(const uint8_t *data, size_t size, FILE *trace)
{
    struct fuzz_input in = { data, size };
    struct sim_machine_config cfg;
    static struct sim_machine *machines[2];   /* linear tables on / off */
    struct sim_machine *m;
    static struct sim_op op;
    static struct sim_result res;
    uint8_t h0 = fuzz_byte(&in), h1 = fuzz_byte(&in);
    int ndoms = (h0 & FUZZ_H_SCENARIO) ? 0 : 2 + (h0 & FUZZ_H_THREE_DOMAINS);
    bool grants = ndoms && (h0 & FUZZ_H_GRANTS);
    unsigned long nops = 0;
    bool oneshot = false;
    char err[256];

    sim_machine_default_config(&cfg);
    cfg.nr_frames = FUZZ_NR_FRAMES;
    cfg.junk = false;
    cfg.linear_pt = !(h0 & FUZZ_H_NO_LINEAR);
    /* One machine per configuration, power-cycled per input (allocating is slow). */
    m = machines[cfg.linear_pt];
    if (!m)
        m = machines[cfg.linear_pt] = sim_machine_new(&cfg);
    else if (!sim_machine_reset(m, &cfg))
        abort();
    if (!m)
        abort();
    m->log_level = PVMM_LOG_ERROR + 1;   /* none */
    if (trace)
        fprintf(trace, "machine frames=%lu linear_pt=%d\n", (unsigned long)cfg.nr_frames,
                cfg.linear_pt);
    for (int d = 0; d < ndoms; d++) {
        struct pvmm_build_params p = {
            .domid = (domid_t)d, .privileged = d == 0 && (h0 & FUZZ_H_PRIVILEGED),
            .nr_pages = 1024, .max_pages = 1024 + (h1 & 63), .nr_vcpus = 2,
            .kernel_start = 0x100000, .kernel_end = 0x110000,
        };

        if (sim_build_domain(m, &p))
            abort();
        if (trace)
            fprintf(trace, "domain d%d pages=1024 vcpus=2 max=%lu privileged=%d\n", d,
                    (unsigned long)p.max_pages, p.privileged);
        if (h0 & FUZZ_H_WRITABLE_PT)
            pvmm_domain_lookup(&m->s, (domid_t)d)->vm_assist |=
                1UL << VMASST_TYPE_writable_pagetables;
        if (sim_op_exec(m, &(struct sim_op){ .kind = ST_VCPU_UP, .dom = d, .vcpu = 1 }, &res,
                        err, sizeof(err)))
            abort();
    }
    if (trace && (h0 & FUZZ_H_WRITABLE_PT))
        for (int d = 0; d < ndoms; d++)
            fprintf(trace, "vm_assist d%d.v0 cmd=enable type=writable_pagetables\n", d);
    if (trace)
        for (int d = 0; d < ndoms; d++)
            fprintf(trace, "vcpu_up d%d.v1\n", d);
    check_audit(m, trace);
    if (grants)
        for (int d = 0; d < ndoms; d++)
            for (unsigned int step = 0; fuzz_grant_setup_op(m, d, step, &op); step++)
                if (!run_op(m, &op, &res, trace))
                    abort();

    while (decode(m, &in, &op, &oneshot, grants)) {
        if (!fuzz_runnable(m, &op) || !run_op(m, &op, &res, trace))
            continue;   /* not executable now (vCPU down, scratch unmapped): skip */
        nops++;
        if (op.kind != ST_SET && oneshot) {
            /* An aimed injection covers one operation only. */
            oneshot = false;
            if (m->preempt != SIM_PREEMPT_NEVER) {
                m->preempt = SIM_PREEMPT_NEVER;
                if (trace)
                    fprintf(trace, "set preempt=never\n");
            }
        }
    }
    return nops;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *tpath = getenv("PVMM_FUZZ_TRACE");
    const char *cpath = getenv("PVMM_FUZZ_COUNT");
    FILE *trace = tpath ? fopen(tpath, "w") : NULL;
    unsigned long nops;

    if (trace)   /* a sanitizer report ends the process: keep every line written */
        setvbuf(trace, NULL, _IOLBF, 0);
    nops = fuzz_run(data, size, trace);

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
