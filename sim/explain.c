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
        fprintf(f, "  -> frame 0x%lx (owner %u, type %s, type count %lu, count %lu)\n",
                (unsigned long)r->frame, r->owner, pt_type_name(r->type_info),
                (unsigned long)(r->type_info & PGT_count_mask),
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
    if (!o->res.has_reason) {
        if (o->res.kind == RES_ACCESS && o->res.acc.outcome == SIM_ACCESS_PF)
            fprintf(f, "\nThis is a page fault from the MMU: the walk of the vCPU's page tables "
                    "(or its TLB)\nrefused the access.  Error code %#x means:%s%s%s%s%s%s\n",
                    o->res.acc.pfec,
                    (o->res.acc.pfec & PFEC_PRESENT) ? " the page is present but the access is "
                    "not allowed;" : " no present mapping;",
                    (o->res.acc.pfec & PFEC_WRITE) ? " a write;" : " a read;",
                    (o->res.acc.pfec & PFEC_USER) ? " from guest user mode;" :
                    " from guest kernel mode;",
                    (o->res.acc.pfec & PFEC_RSVD) ? " a reserved bit was set;" : "",
                    (o->res.acc.pfec & PFEC_INSN) ? " an instruction fetch;" : "",
                    (o->res.acc.pfec & PFEC_PK) ? " a protection key forbids it;" : "");
        else
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
