/*
 * sim/explain.c - why did that operation fail, in plain language.
 *
 * Given the outcome of a run stopped at a failing (or chosen) operation,
 * explain prints what the operation was, what it returned, the rule the
 * core says was broken with its one-sentence meaning, the core's full
 * reason text, then the chain of frames from the operation's own frame down
 * to the failing entry (the reason's path) and, when a writable mapping is
 * what blocked a type change, where that mapping lives and what to do.
 */
#include "explain.h"

#include <string.h>

static const char *level_name(int level)
{
    static const char *const n[] = { "descriptor page", "L1", "L2", "L3", "L4" };

    return level >= 0 && level <= 4 ? n[level] : "table";
}

static void chain(FILE *f, const struct pvmm_reason *r)
{
    char own[16];

    if (r->path_len == 0 && r->table == INVALID_MFN)
        return;
    fprintf(f, "\nThe chain of frames that led to it:\n");
    for (int i = 0; i < r->path_len && i < PVMM_REASON_PATH_MAX; i++)
        fprintf(f, "  %d. %s 0x%lx, entry %d%s\n", i + 1, level_name(r->path[i].level),
                (unsigned long)r->path[i].table, r->path[i].index,
                i == 0 ? "  (the frame the operation was applied to)" : "");
    if (r->table != INVALID_MFN)
        fprintf(f, "  %d. %s 0x%lx, entry %d  (the entry that broke the rule)\n",
                r->path_len + 1, level_name(r->level), (unsigned long)r->table, r->index);
    if (r->frame != INVALID_MFN)
        fprintf(f, "  -> frame 0x%lx (owner %s, type %s, type count %lu, count %lu)\n"
                "     (counts taken mid-operation, when the rule was checked: they include\n"
                "     the references this operation itself held then)\n",
                (unsigned long)r->frame, pt_owner_name(r->owner, own, sizeof(own)),
                pt_type_name(r->type_info), (unsigned long)(r->type_info & PGT_count_mask),
                (unsigned long)(r->count_info & PGC_count_mask));
}

static void blocker(FILE *f, const struct pvmm_reason *r)
{
    if (!r->have_blocker)
        return;
    fprintf(f, "\nWhat blocks it: frame 0x%lx is still mapped writable by entry %d of L1 "
            "frame 0x%lx", (unsigned long)r->frame, r->blocker_slot, (unsigned long)r->blocker_l1);
    if (r->blocker_va != ~0UL)
        fprintf(f, " (virtual address 0x%lx)", (unsigned long)r->blocker_va);
    fprintf(f, ".\nA frame with a writable mapping can never become a page table or a descriptor\n"
            "page.  Remove the writable mapping (or make it read-only) first, e.g.\n"
            "  update_va_mapping ... va=0x%lx val=<same entry without RW>\n",
            r->blocker_va != ~0UL ? (unsigned long)r->blocker_va : 0UL);
}

/* What the #PF error code says. */
static void page_fault(FILE *f, const struct sim_access_result *a)
{
    fprintf(f, "\nThis is a page fault from the MMU: the walk of the vCPU's page tables "
            "(or its TLB)\nrefused the access.  Error code %#x means:%s%s%s%s%s%s\n", a->pfec,
            (a->pfec & PFEC_PRESENT) ? " the page is present but the access is not allowed;" :
            " no present mapping;",
            (a->pfec & PFEC_WRITE) ? " a write;" : " a read;",
            (a->pfec & PFEC_USER) ? " from guest user mode;" : " from guest kernel mode;",
            (a->pfec & PFEC_RSVD) ? " a reserved bit was set;" : "",
            (a->pfec & PFEC_INSN) ? " an instruction fetch;" : "",
            (a->pfec & PFEC_PK) ? " a protection key forbids it;" : "");
}

/* Why the CPU raised #GP. */
static void gp(FILE *f, const struct sim_access_result *a)
{
    switch (a->gp_cause) {
    case SIM_GP_NONCANONICAL:
        fprintf(f, "\nThis is a general protection fault from the CPU, before any page walk: "
                "0x%lx is\nnot canonical (bits 63..48 must all equal bit 47).\n",
                (unsigned long)a->addr);
        break;
    case SIM_GP_INTO_HOLE:
        fprintf(f, "\nThis is a general protection fault from the CPU: the access starts at "
                "0x%lx, which\nis canonical, but its last bytes lie past the end of the lower "
                "half, in the\nnon-canonical hole.\n", (unsigned long)a->addr);
        break;
    case SIM_GP_LDT_LIMIT:
        fprintf(f, "\nThis is a general protection fault, error code %#x (the selector without "
                "its RPL):\nLDT entry %u lies beyond the limit the guest set with "
                "MMUEXT_SET_LDT, so the\nCPU refuses the selector before any descriptor is "
                "read.\n", a->gp_code, a->gp_code >> 3);
        break;
    }
}

/* "an L2 page table", "a writable page", ... for a frame's type. */
static const char *type_noun(uint64_t type_info)
{
    switch (type_info & PGT_type_mask) {
    case PGT_l1_page_table:  return "an L1 page table";
    case PGT_l2_page_table:  return "an L2 page table";
    case PGT_l3_page_table:  return "an L3 page table";
    case PGT_l4_page_table:  return "an L4 page table";
    case PGT_seg_desc_page:  return "a descriptor page";
    case PGT_writable_page:  return "a writable page";
    case PGT_none:           return "a page of no type";
    default:                 return "a shared page";
    }
}

/* Whether Xen's writable page-table emulation was tried for a faulting write, and why not. */
static void ptwr(FILE *f, const struct sim_access_result *a)
{
    char own[16];

    fprintf(f, "\nWritable page-table emulation (ptwr): ");
    switch (a->ptwr_try) {
    case SIM_PTWR_NONE:
        break;
    case SIM_PTWR_USER:
        fprintf(f, "not tried: the write came from guest user mode,\nand Xen emulates only "
                "guest-kernel writes to page tables.\n");
        break;
    case SIM_PTWR_NOT_PRESENT:
        fprintf(f, "not tried: nothing maps the address (the\nfault is not-present), and "
                "only writes to present read-only pages are emulated.\n");
        break;
    case SIM_PTWR_RSVD:
        fprintf(f, "not tried: the walk met a reserved bit, and\nXen delivers such a fault "
                "as it is.\n");
        break;
    case SIM_PTWR_SIZE:
        fprintf(f, "not tried: only naturally aligned 1, 2, 4 or\n8-byte stores are "
                "emulated.\n");
        break;
    case SIM_PTWR_NO_ASSIST:
        fprintf(f, "tried, but the domain has neither the\nwritable_pagetables assist "
                "(vm_assist) nor privilege, so no write is emulated and\nthe fault goes to "
                "the guest.\n");
        break;
    case SIM_PTWR_NOT_L1:
        if (a->ptwr_frame == INVALID_MFN)
            fprintf(f, "tried, but the address is not mapped by a\npresent read-only entry "
                    "of the kernel's tables, so this is not a page-table write\nand the "
                    "fault goes to the guest.\n");
        else
            fprintf(f, "tried, but frame 0x%lx, which the address\nmaps read-only, is %s "
                    "owned by %s, not a validated L1 of the domain: only\nwrites to L1 page "
                    "tables are emulated, so the fault goes to the guest.\n",
                    (unsigned long)a->ptwr_frame, type_noun(a->ptwr_frame_type),
                    pt_owner_name(a->ptwr_frame_owner, own, sizeof(own)));
        break;
    case SIM_PTWR_REFUSED:
        fprintf(f, "tried: the address maps an L1 page table,\nbut the core refused the "
                "new entry (below), so the fault goes to the guest.\n");
        break;
    case SIM_PTWR_DONE:
        fprintf(f, "done: the core validated the new entry and\nwrote it, as an mmu_update "
                "would have.\n");
        break;
    }
}

/* Why the domain builder refused, and the smallest domain that builds. */
static void builder(FILE *f, const struct scn_outcome *o)
{
    const struct sim_result *res = &o->res;
    uint64_t pages = o->op ? o->op->build.nr_pages : 0;

    fprintf(f, "\nThe domain builder refused it: %s.\n", res->build_why);
    if (res->build_min_pages > pages)
        fprintf(f, "A domain built from this kernel needs at least %lu pages (%lu KiB); "
                "this one has %lu.\nThe builder lays out, from the kernel's start: the "
                "kernel, the p2m list (8 bytes\nper page), start_info, the boot page tables "
                "and a stack, then rounds the region\nup to a 4 MiB boundary with at least "
                "512 KiB to spare, as Xen's dom0 builder\ndoes; all of it must fit in the "
                "domain's own pages.\n", (unsigned long)res->build_min_pages,
                (unsigned long)res->build_min_pages * 4, (unsigned long)pages);
}

void sim_explain(FILE *f, const struct scn_script *s, const struct scn_outcome *o)
{
    const struct scn_stmt *st = o->stmt >= 0 ? &s->stmts[o->stmt] : NULL;
    const struct pvmm_reason *r = &o->res.reason;
    char buf[2048];

    if (!st) {
        fprintf(f, "%s: nothing ran\n", s->file);
        return;
    }
    fprintf(f, "%s:%d: %s\n", st->file, st->lineno, st->src + strspn(st->src, " \t"));
    if (o->failed)
        fprintf(f, "  failed: %s\n", o->message);
    if (!o->have_op) {
        return;
    }
    sim_result_summary(&o->res, buf, sizeof(buf));
    fprintf(f, "  result: %s\n", buf);
    if (o->res.kind == RES_ACCESS && o->res.acc.outcome == SIM_ACCESS_PF &&
        o->op->kind == ST_LDT_LOAD)
        fprintf(f, "\nThe CPU found the LDT page unmapped in the hypervisor's shadow, and "
                "Xen could not\nmap the guest's page there: the guest gets #PF with error "
                "code 0 at the LDT's\naddress (why it could not, below).\n");
    else if (o->res.kind == RES_ACCESS && o->res.acc.outcome == SIM_ACCESS_PF)
        page_fault(f, &o->res.acc);
    if (o->res.kind == RES_ACCESS && o->res.acc.outcome == SIM_ACCESS_GP)
        gp(f, &o->res.acc);
    if (o->res.kind == RES_ACCESS && o->res.acc.ptwr_try != SIM_PTWR_NONE)
        ptwr(f, &o->res.acc);
    if (o->res.build_why)
        builder(f, o);
    if (!o->res.has_reason) {
        if (!(o->res.kind == RES_ACCESS && o->res.acc.outcome != SIM_ACCESS_OK) &&
            !o->res.build_why)
            fprintf(f, "\nThe core recorded no rejection for this operation.\n");
        return;
    }
    fprintf(f, "\nRule broken: %s - %s.\n", pvmm_rule_name(r->rule), pvmm_rule_text(r->rule));
    pvmm_reason_format(r, buf, sizeof(buf));
    fprintf(f, "\nThe core's account:\n");
    for (const char *p = buf; *p; ) {
        size_t n = strcspn(p, "\n");

        fprintf(f, "  %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
    chain(f, r);
    blocker(f, r);
}
