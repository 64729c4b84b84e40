/*
 * sim/op-exec.c - executing a resolved operation on the machine (see op.h).
 */
#include "op.h"
#include "replay.h"

#include <stdarg.h>
#include <string.h>

static int fail(char *err, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t len, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, len, fmt, ap);
    va_end(ap);
    return -1;
}

uint64_t sim_scratch_va(const struct sim_machine *m, domid_t d)
{
    if (d >= PVMM_MAX_DOMAINS || !m->doms[d].built)
        return 0;
    return m->doms[d].layout.v_end - SIM_SCRATCH_PAGES * PAGE_SIZE;
}

/* Place len bytes at scratch offset off as the guest kernel of v would. */
static int put(struct sim_machine *m, struct vcpu *v, uint64_t off, const void *buf, size_t len,
               char *err, size_t errlen)
{
    uint64_t va = sim_scratch_va(m, v->domain->domain_id) + off;

    if (len && sim_kernel_copy(m, v, va, (void *)buf, len, true))
        return fail(err, errlen, "cannot write the hypercall's arguments at %#lx: the guest's "
                    "scratch area is not mapped writable", (unsigned long)va);
    return 0;
}

static void get(struct sim_machine *m, struct vcpu *v, uint64_t off, void *buf, size_t len)
{
    uint64_t va = sim_scratch_va(m, v->domain->domain_id) + off;

    if (sim_kernel_copy(m, v, va, buf, len, false))
        memset(buf, 0xff, len);
}

/* Set up a hypercall's memory arguments and its raw argument registers. */
static int prepare(struct sim_machine *m, struct vcpu *v, const struct sim_op *op, unsigned int *nr,
                   uint64_t a[5], char *err, size_t errlen)
{
    uint64_t base = sim_scratch_va(m, v->domain->domain_id);
    uint32_t zero = 0;

    memcpy(a, op->a, sizeof(op->a));
    *nr = op->nr;
    switch (op->kind) {
    case ST_MMU_UPDATE:
    case ST_MMUEXT_OP:
        if (op->kind == ST_MMU_UPDATE
            ? put(m, v, SCRATCH_ARRAY, op->req, op->n * sizeof(op->req[0]), err, errlen)
            : put(m, v, SCRATCH_ARRAY, op->ext, op->n * sizeof(op->ext[0]), err, errlen))
            return -1;
        if (put(m, v, SCRATCH_PDONE, &zero, sizeof(zero), err, errlen))
            return -1;
        *nr = op->kind == ST_MMU_UPDATE ? __HYPERVISOR_mmu_update : __HYPERVISOR_mmuext_op;
        a[0] = base + SCRATCH_ARRAY;
        a[1] = op->count_given ? op->count : op->n;
        a[2] = op->pdone_given ? op->pdone : base + SCRATCH_PDONE;
        a[3] = op->foreigndom;
        return 0;
    case ST_SET_GDT:
        if (put(m, v, SCRATCH_LIST, op->list, op->nlist * 8, err, errlen))
            return -1;
        *nr = __HYPERVISOR_set_gdt;
        a[0] = op->list_given ? base + SCRATCH_LIST : 0;
        return 0;
    case ST_MEMORY_OP: {
        struct xen_memory_reservation r = op->res;

        if (put(m, v, SCRATCH_LIST, op->list, op->nlist * 8, err, errlen))
            return -1;
        r.extent_start = op->list_given ? base + SCRATCH_LIST : 0;
        if (!op->nr_extents_given)
            r.nr_extents = op->nlist;
        if (put(m, v, SCRATCH_RESERV, &r, sizeof(r), err, errlen))
            return -1;
        *nr = __HYPERVISOR_memory_op;
        a[0] = op->memop;
        a[1] = base + SCRATCH_RESERV;
        return 0;
    }
    case ST_GRANT_TABLE_OP: {
        uint8_t elem[64];
        size_t size = sim_gnt_prepare(op, base + SCRATCH_LIST, elem);
        uint64_t zero[SIM_GNT_MAX_FRAMES] = { 0 };

        if (put(m, v, SCRATCH_GNT, elem, size, err, errlen) ||
            put(m, v, SCRATCH_LIST, zero, sizeof(zero), err, errlen))
            return -1;
        *nr = __HYPERVISOR_grant_table_op;
        a[0] = op->gnt_cmd;
        a[1] = base + SCRATCH_GNT;
        a[2] = (op->gnt_given & (1U << SIM_GNT_COUNT)) ? op->gnt[SIM_GNT_COUNT] : 1;
        return 0;
    }
    default:
        return 0;
    }
}

static int hypercall(struct sim_machine *m, struct vcpu *v, const struct sim_op *op,
                     struct sim_result *res, char *err, size_t errlen)
{
    struct sim_hypercall_result hr;
    unsigned int nr;
    uint64_t a[5];

    if (!v->online)
        return fail(err, errlen, "d%d.v%d is not online (vcpu_up it first)", op->dom, op->vcpu);
    if (sim_scratch_va(m, v->domain->domain_id) == 0)
        return fail(err, errlen, "d%d was not built by `domain`", op->dom);
    if (prepare(m, v, op, &nr, a, err, errlen))
        return -1;
    if (op->once)
        sim_hypercall_once(m, v, nr, a, op->preempt_from, &hr);
    else
        sim_hypercall(m, v, nr, a, &hr);
    res->kind = RES_RC;
    res->rc = hr.rc;
    res->continuations = hr.continuations;
    res->stuck = hr.stuck;
    if (hr.rc < 0) {
        res->has_reason = true;
        res->reason = *pvmm_last_reason(v);
    }
    if ((op->kind == ST_MMU_UPDATE || op->kind == ST_MMUEXT_OP) && !op->pdone_given) {
        uint32_t done;

        get(m, v, SCRATCH_PDONE, &done, sizeof(done));
        res->has_done = true;
        res->done = done;
    }
    if (op->kind == ST_GRANT_TABLE_OP) {
        uint8_t elem[64];
        uint64_t list[SIM_GNT_MAX_FRAMES];

        get(m, v, SCRATCH_GNT, elem, sizeof(elem));
        get(m, v, SCRATCH_LIST, list, sizeof(list));
        sim_gnt_result(op, elem, list, res);
        /* A refused element: the core's reason for it. */
        if (res->gnt_status < 0 && hr.rc == 0) {
            res->has_reason = true;
            res->reason = *pvmm_last_reason(v);
        }
    }
    if (op->kind == ST_MEMORY_OP && op->list_given) {
        res->nextents = op->nlist;
        get(m, v, SCRATCH_LIST, res->extents, op->nlist * 8);
    }
    return 0;
}

static void set_cpu(struct sim_machine *m, const struct sim_op *op)
{
    struct sim_cpu *c = &m->vcpus[op->dom][op->vcpu].cpu;
    struct sim_paging p = c->p;
    const struct sim_paging *n = &op->paging;

    if (op->cpu_set & CPU_WP) p.cr0_wp = n->cr0_wp;
    if (op->cpu_set & CPU_SMEP) p.cr4_smep = n->cr4_smep;
    if (op->cpu_set & CPU_SMAP) p.cr4_smap = n->cr4_smap;
    if (op->cpu_set & CPU_PKE) p.cr4_pke = n->cr4_pke;
    if (op->cpu_set & CPU_PGE) p.cr4_pge = n->cr4_pge;
    if (op->cpu_set & CPU_NXE) p.efer_nxe = n->efer_nxe;
    if (op->cpu_set & CPU_AC) p.eflags_ac = n->eflags_ac;
    if (op->cpu_set & CPU_PKRU) p.pkru = n->pkru;
    if (op->cpu_set & CPU_CPL) p.cpl = n->cpl;
    if (op->cpu_set & CPU_MAXPHYADDR) p.maxphyaddr = n->maxphyaddr;
    sim_cpu_set_paging(c, &p);
}

int sim_op_exec(struct sim_machine *m, const struct sim_op *op, struct sim_result *res,
                char *err, size_t errlen)
{
    struct vcpu *v = NULL;

    memset(res, 0, sizeof(*res));
    if (op->vcpu >= 0) {
        v = sim_vcpu_lookup(m, (domid_t)op->dom, (unsigned int)op->vcpu);
        if (!v)
            return fail(err, errlen, "no vCPU d%d.v%d", op->dom, op->vcpu);
    }
    switch (op->kind) {
    case ST_DOMAIN: {
        const char *why;

        res->kind = RES_RC;
        res->rc = sim_build_domain_why(m, &op->build, &why);
        if (res->rc < 0) {
            res->build_why = why;
            if (res->rc == -XEN_ENOMEM && op->build.nr_pages <= m->nr_frames)
                res->build_min_pages = pvmm_build_min_pages(&op->build);
        }
        return 0;
    }
    case ST_DESTROY:
        if (!pvmm_domain_lookup(&m->s, (domid_t)op->dom))
            return fail(err, errlen, "no domain d%d", op->dom);
        res->kind = RES_RC;
        res->rc = sim_destroy_domain(m, (domid_t)op->dom);
        return 0;
    case ST_SEAL:
        if (!pvmm_domain_lookup(&m->s, (domid_t)op->dom))
            return fail(err, errlen, "no domain d%d", op->dom);
        pvmm_domain_seal(pvmm_domain_lookup(&m->s, (domid_t)op->dom));
        res->kind = RES_RC;
        return 0;
    case ST_LAUNCH: {
        /* pvmm-hv's unpausedomain of a sealed domain by v's domain: its launch. */
        struct domain *d = op->a[0] < PVMM_MAX_DOMAINS ?
                           pvmm_domain_lookup(&m->s, (domid_t)op->a[0]) : NULL;

        if (!d)
            return fail(err, errlen, "no domain d%lu", (unsigned long)op->a[0]);
        res->kind = RES_RC;
        res->rc = pvmm_domain_launch(v, d);
        if (res->rc < 0) {
            res->has_reason = true;
            res->reason = *pvmm_last_reason(v);
        }
        return 0;
    }
    case ST_VCPU_UP: {
        /* VCPUOP_initialise + up: the kernel base given (default: v0's), validated as Xen does. */
        struct vcpu *v0 = &v->domain->vcpu[0];
        mfn_t base = op->count_given ? op->a[0] : v0->guest_table;

        if (v->online)
            return fail(err, errlen, "d%d.v%d is already up", op->dom, op->vcpu);
        v->online = true;
        v->kernel_mode = true;
        res->kind = RES_RC;
        res->rc = base == INVALID_MFN ? 0 : pvmm_new_baseptr(v, base);
        if (res->rc < 0) {
            v->online = false;
            res->has_reason = true;
            res->reason = *pvmm_last_reason(v);
        }
        sim_reload_cr3(m, v);
        return 0;
    }
    case ST_MODE:
        res->kind = RES_ACCESS;
        res->acc.outcome = sim_set_mode(m, v, op->kernel) ? SIM_ACCESS_OK : SIM_ACCESS_NO_TABLE;
        return 0;
    case ST_CPU:
        set_cpu(m, op);
        res->kind = RES_RC;
        return 0;
    case ST_READ:
    case ST_WRITE:
    case ST_EXEC: {
        uint64_t val = op->val;
        enum sim_access acc = op->kind == ST_READ ? SIM_READ :
                              op->kind == ST_WRITE ? SIM_WRITE : SIM_FETCH;

        if (!v->online)
            return fail(err, errlen, "d%d.v%d is not online", op->dom, op->vcpu);
        res->kind = RES_ACCESS;
        sim_guest_access(m, v, op->kernel, acc, op->va, &val, op->bytes ? op->bytes : 8, &res->acc);
        res->has_value = op->kind == ST_READ && res->acc.outcome == SIM_ACCESS_OK;
        if (res->acc.ptwr_rc < 0) {
            res->has_reason = true;
            res->reason = *pvmm_last_reason(v);
        }
        return 0;
    }
    case ST_MMU_UPDATE: case ST_MMUEXT_OP: case ST_UPDATE_VA_MAPPING:
    case ST_UPDATE_VA_MAPPING_OTHERDOMAIN: case ST_SET_GDT: case ST_UPDATE_DESCRIPTOR:
    case ST_MEMORY_OP: case ST_VM_ASSIST: case ST_HYPERCALL: case ST_GRANT_TABLE_OP:
        return hypercall(m, v, op, res, err, errlen);
    case ST_LDT_LOAD: {
        unsigned int off = (unsigned int)(op->a[0] & ~7UL);
        int rc;

        /*
         * The CPU reads the descriptor through the hypervisor's LDT shadow;
         * an unmapped shadow page faults into Xen, which tries to map the
         * guest's page (pv_map_ldt_shadow_page).  Out of limit: #GP(sel);
         * a page that cannot become a descriptor page: #PF, error code 0,
         * CR2 = LDT base + offset (model.md §10).
         */
        res->kind = RES_ACCESS;
        rc = pv_map_ldt_shadow_page(v, off);
        if (rc == -XEN_ERANGE) {
            res->acc.outcome = SIM_ACCESS_GP;
            res->acc.gp_cause = SIM_GP_LDT_LIMIT;
            res->acc.gp_code = (uint32_t)(op->a[0] & 0xfffc);
        } else if (rc < 0) {
            res->acc.outcome = SIM_ACCESS_PF;
            res->acc.addr = v->ldt_base + off;
            res->acc.pfec = 0;
        }
        if (rc < 0) {
            res->has_reason = true;
            res->reason = *pvmm_last_reason(v);
        }
        return 0;
    }
    case ST_RAM: case ST_RESERVE: case ST_SHARE_PRIVILEGED: case ST_SHARE_PAGE: case ST_IOMEM:
    case ST_MMIO_RO: case ST_PTWR_EMULATE: case ST_WRITE_CR3: case ST_HOLD_FRAME:
    case ST_RELEASE_FRAME:
        return sim_replay_exec(m, v, op, res, err, errlen);
    case ST_SET:
        if (op->set_preempt >= 0) {
            m->preempt = (enum sim_preempt)op->set_preempt;
            m->preempt_n = op->preempt_n;
        }
        if (op->set_log >= 0)
            m->log_level = op->set_log;
        return 0;
    default:
        return 0;
    }
}
