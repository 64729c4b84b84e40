/*
 * sim/op-print.c - operations and results in scenario syntax (see op.h).
 *
 * sim_op_print writes an operation with every value as a number, so the
 * line means the same thing whatever state it replays in; followed by the
 * lines of sim_result_print_expect it is a regression test of what
 * happened.  This is what `pvmm run --trace` records.
 */
#include "op.h"
#include "replay.h"

#include <string.h>

static const char *vname(const struct sim_op *op, char *buf, size_t len)
{
    snprintf(buf, len, "d%d.v%d", op->dom, op->vcpu);
    return buf;
}

static void print_list(FILE *f, const char *key, const uint64_t *l, unsigned int n)
{
    fprintf(f, " %s=", key);
    for (unsigned int i = 0; i < n; i++)
        fprintf(f, "%s%#lx", i ? "," : "", (unsigned long)l[i]);
}

static void print_cpu(FILE *f, const struct sim_op *op)
{
    const struct sim_paging *p = &op->paging;

    if (op->cpu_set & CPU_WP) fprintf(f, " wp=%d", p->cr0_wp);
    if (op->cpu_set & CPU_SMEP) fprintf(f, " smep=%d", p->cr4_smep);
    if (op->cpu_set & CPU_SMAP) fprintf(f, " smap=%d", p->cr4_smap);
    if (op->cpu_set & CPU_PKE) fprintf(f, " pke=%d", p->cr4_pke);
    if (op->cpu_set & CPU_PGE) fprintf(f, " pge=%d", p->cr4_pge);
    if (op->cpu_set & CPU_NXE) fprintf(f, " nxe=%d", p->efer_nxe);
    if (op->cpu_set & CPU_AC) fprintf(f, " ac=%d", p->eflags_ac);
    if (op->cpu_set & CPU_PKRU) fprintf(f, " pkru=%#x", p->pkru);
    if (op->cpu_set & CPU_CPL) fprintf(f, " cpl=%u", p->cpl);
    if (op->cpu_set & CPU_MAXPHYADDR) fprintf(f, " maxphyaddr=%u", p->maxphyaddr);
}

static void print_batch_args(FILE *f, const struct sim_op *op)
{
    fprintf(f, " foreigndom=%#lx", (unsigned long)op->foreigndom);
    if (op->count_given)
        fprintf(f, " count=%lu", (unsigned long)op->count);
    if (op->pdone_given)
        fprintf(f, " pdone=%#lx", (unsigned long)op->pdone);
}

void sim_op_print(FILE *f, const struct sim_op *op)
{
    static const char *const acc[] = {
        [ST_READ] = "read", [ST_WRITE] = "write", [ST_EXEC] = "exec",
    };
    char v[16];

    switch (op->kind) {
    case ST_DOMAIN:
        fprintf(f, "domain d%d pages=%lu vcpus=%u max=%lu privileged=%d kernel=%#lx",
                op->dom, (unsigned long)op->build.nr_pages, op->build.nr_vcpus,
                (unsigned long)op->build.max_pages, op->build.privileged,
                (unsigned long)(op->build.kernel_end - op->build.kernel_start));
        break;
    case ST_DESTROY:
        fprintf(f, "destroy d%d", op->dom);
        break;
    case ST_SEAL:
        fprintf(f, "seal d%d", op->dom);
        break;
    case ST_LAUNCH:
        fprintf(f, "launch %s domid=%lu", vname(op, v, sizeof(v)), (unsigned long)op->a[0]);
        break;
    case ST_VCPU_UP:
        fprintf(f, "vcpu_up %s", vname(op, v, sizeof(v)));
        if (op->count_given)
            fprintf(f, " cr3=%#lx", (unsigned long)op->a[0]);
        break;
    case ST_MODE:
        fprintf(f, "mode %s %s", vname(op, v, sizeof(v)), op->kernel ? "kernel" : "user");
        break;
    case ST_CPU:
        fprintf(f, "cpu %s", vname(op, v, sizeof(v)));
        print_cpu(f, op);
        break;
    case ST_READ:
    case ST_WRITE:
    case ST_EXEC:
        fprintf(f, "%s %s %s va=%#lx", acc[op->kind], vname(op, v, sizeof(v)),
                op->kernel ? "kernel" : "user", (unsigned long)op->va);
        if (op->kind == ST_WRITE)
            fprintf(f, " val=%#lx", (unsigned long)op->val);
        if (op->kind != ST_EXEC && op->bytes && op->bytes != 8)
            fprintf(f, " bytes=%u", op->bytes);
        break;
    case ST_MMU_UPDATE:
        fprintf(f, "mmu_update %s", vname(op, v, sizeof(v)));
        print_batch_args(f, op);
        for (unsigned int i = 0; i < op->n; i++)
            fprintf(f, " ptr=%#lx val=%#lx", (unsigned long)op->req[i].ptr,
                    (unsigned long)op->req[i].val);
        break;
    case ST_MMUEXT_OP:
        fprintf(f, "mmuext_op %s", vname(op, v, sizeof(v)));
        print_batch_args(f, op);
        for (unsigned int i = 0; i < op->n; i++) {
            const char *name = scn_mmuext_name(op->ext[i].cmd);

            if (name)
                fprintf(f, " cmd=%s", name);
            else
                fprintf(f, " cmd=%#x", op->ext[i].cmd);
            fprintf(f, " arg1=%#lx arg2=%#lx", (unsigned long)op->ext[i].arg1.mfn,
                    (unsigned long)op->ext[i].arg2.src_mfn);
        }
        break;
    case ST_UPDATE_VA_MAPPING:
        fprintf(f, "update_va_mapping %s va=%#lx val=%#lx flags=%#lx", vname(op, v, sizeof(v)),
                (unsigned long)op->a[0], (unsigned long)op->a[1], (unsigned long)op->a[2]);
        break;
    case ST_UPDATE_VA_MAPPING_OTHERDOMAIN:
        fprintf(f, "update_va_mapping_otherdomain %s va=%#lx val=%#lx flags=%#lx domid=%#lx",
                vname(op, v, sizeof(v)), (unsigned long)op->a[0], (unsigned long)op->a[1],
                (unsigned long)op->a[2], (unsigned long)op->a[3]);
        break;
    case ST_SET_GDT:
        fprintf(f, "set_gdt %s", vname(op, v, sizeof(v)));
        if (op->list_given)
            print_list(f, "frames", op->list, op->nlist);
        fprintf(f, " entries=%lu", (unsigned long)op->a[1]);
        break;
    case ST_UPDATE_DESCRIPTOR:
        fprintf(f, "update_descriptor %s maddr=%#lx desc=%#lx", vname(op, v, sizeof(v)),
                (unsigned long)op->a[0], (unsigned long)op->a[1]);
        break;
    case ST_MEMORY_OP:
        fprintf(f, "memory_op %s cmd=%#x", vname(op, v, sizeof(v)), op->memop);
        if (op->list_given)
            print_list(f, "extents", op->list, op->nlist);
        if (op->nr_extents_given)
            fprintf(f, " nr_extents=%lu", (unsigned long)op->res.nr_extents);
        fprintf(f, " order=%u mem_flags=%#x domid=%#x", op->res.extent_order, op->res.mem_flags,
                op->res.domid);
        break;
    case ST_VM_ASSIST:
        fprintf(f, "vm_assist %s cmd=%#lx type=%#lx", vname(op, v, sizeof(v)),
                (unsigned long)op->a[0], (unsigned long)op->a[1]);
        break;
    case ST_HYPERCALL:
        fprintf(f, "hypercall %s nr=%u", vname(op, v, sizeof(v)), op->nr);
        for (int i = 0; i < 5; i++)
            fprintf(f, " a%d=%#lx", i, (unsigned long)op->a[i]);
        if (op->once)
            fprintf(f, " once=1 preempt=%lu", op->preempt_from);
        break;
    case ST_RAM: case ST_RESERVE: case ST_SHARE_PRIVILEGED: case ST_SHARE_PAGE: case ST_IOMEM:
    case ST_MMIO_RO: case ST_PTWR_EMULATE: case ST_WRITE_CR3: case ST_HOLD_FRAME:
    case ST_RELEASE_FRAME:
        sim_replay_print(f, op);
        break;
    case ST_GRANT_TABLE_OP:
        fprintf(f, "grant_table_op %s", vname(op, v, sizeof(v)));
        sim_gnt_print(f, op);
        break;
    case ST_LDT_LOAD:
        fprintf(f, "ldt_load %s sel=%#lx", vname(op, v, sizeof(v)), (unsigned long)op->a[0]);
        break;
    case ST_AUDIT:
        fprintf(f, "audit");
        break;
    case ST_SET:
        fprintf(f, "set");
        if (op->set_audit >= 0)
            fprintf(f, " audit=%s", op->set_audit ? "on" : "off");
        if (op->set_preempt == SIM_PREEMPT_NEVER)
            fprintf(f, " preempt=never");
        else if (op->set_preempt == SIM_PREEMPT_EVERY)
            fprintf(f, " preempt=every");
        else if (op->set_preempt == SIM_PREEMPT_AT)
            fprintf(f, " preempt=%lu", op->preempt_n);
        break;
    default:
        fprintf(f, "# (statement %d)", op->kind);
        break;
    }
    fputc('\n', f);
}

static void rc_text(long rc, char *buf, size_t len)
{
    const char *name = rc < 0 ? scn_errno_name((int)-rc) : NULL;

    if (rc == 0)
        snprintf(buf, len, "ok");
    else if (name)
        snprintf(buf, len, "-%s", name);
    else
        snprintf(buf, len, "%ld", rc);
}

void sim_result_print_expect(FILE *f, const struct sim_result *res)
{
    char b[32];

    switch (res->kind) {
    case RES_NONE:
        return;
    case RES_RC:
        rc_text(res->rc, b, sizeof(b));
        /* A grant_table_op element refused: its GNTST status is the result. */
        if (res->has_gnt && res->rc == 0 && res->gnt_status)
            snprintf(b, sizeof(b), "status %d", res->gnt_status);
        fprintf(f, "expect %s\n", b);
        if (res->has_done)
            fprintf(f, "expect done %lu\n", (unsigned long)res->done);
        if (res->continuations)
            fprintf(f, "expect preempted\n");
        break;
    case RES_ACCESS:
        switch (res->acc.outcome) {
        case SIM_ACCESS_OK:
            fprintf(f, "expect ok\n");
            if (res->acc.ptwr)
                fprintf(f, "expect ptwr\n");
            if (res->has_value)
                fprintf(f, "expect value %#lx\n", (unsigned long)res->acc.value);
            break;
        case SIM_ACCESS_PF:
            fprintf(f, "expect fault %#x\n", res->acc.pfec);
            break;
        case SIM_ACCESS_GP:
            fprintf(f, "expect gp\n");
            break;
        case SIM_ACCESS_NO_TABLE:
            fprintf(f, "expect crash\n");
            break;
        }
        break;
    }
    if (res->has_gnt)
        fprintf(f, "expect status %d\n", res->gnt_status);
    if (res->has_reason)
        fprintf(f, "expect reason %s\n", pvmm_rule_name(res->reason.rule));
}

/* A #GP said for what it is: its address or selector and why. */
static void gp_text(const struct sim_access_result *a, char *buf, size_t len)
{
    switch (a->gp_cause) {
    case SIM_GP_NONCANONICAL:
        snprintf(buf, len, "general protection fault: 0x%lx is not canonical",
                 (unsigned long)a->addr);
        return;
    case SIM_GP_INTO_HOLE:
        snprintf(buf, len, "general protection fault: the access at 0x%lx runs into "
                 "non-canonical addresses", (unsigned long)a->addr);
        return;
    case SIM_GP_LDT_LIMIT:
        snprintf(buf, len, "general protection fault, error code %#x: LDT entry %u is beyond "
                 "the LDT's limit", a->gp_code, a->gp_code >> 3);
        return;
    }
    snprintf(buf, len, "general protection fault");
}

void sim_result_summary(const struct sim_result *res, char *buf, size_t len)
{
    char b[32];

    switch (res->kind) {
    case RES_NONE:
        snprintf(buf, len, "done");
        return;
    case RES_RC:
        rc_text(res->rc, b, sizeof(b));
        /* A grant_table_op element refused: its GNTST status is the result. */
        if (res->has_gnt && res->rc == 0 && res->gnt_status)
            snprintf(b, sizeof(b), "status %d", res->gnt_status);
        if (res->has_reason)
            snprintf(buf, len, "%s (%s)", b, pvmm_rule_name(res->reason.rule));
        else if (res->build_why && res->build_min_pages)
            snprintf(buf, len, "%s (domain builder: %s; it needs at least %lu pages)", b,
                     res->build_why, (unsigned long)res->build_min_pages);
        else if (res->build_why)
            snprintf(buf, len, "%s (domain builder: %s)", b, res->build_why);
        else
            snprintf(buf, len, "%s", b);
        return;
    case RES_ACCESS:
        switch (res->acc.outcome) {
        case SIM_ACCESS_OK:
            snprintf(buf, len, "ok%s", res->acc.ptwr ? " (write emulated by ptwr)" : "");
            return;
        case SIM_ACCESS_PF:
            snprintf(buf, len, "page fault, error code %#x at %#lx%s%s%s", res->acc.pfec,
                     (unsigned long)res->acc.addr, res->has_reason ? " (refused: " : "",
                     res->has_reason ? pvmm_rule_name(res->reason.rule) : "",
                     res->has_reason ? ")" : "");
            return;
        case SIM_ACCESS_GP:
            gp_text(&res->acc, buf, len);
            return;
        case SIM_ACCESS_NO_TABLE:
            snprintf(buf, len, "no page table for this mode (Xen would crash the domain)");
            return;
        }
    }
}
