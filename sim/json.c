/*
 * sim/json.c - results, reasons and page-table trees as JSON (see json.h).
 */
#include "json.h"
#include "pt-tree.h"

#include <string.h>

void json_string(FILE *f, const char *s)
{
    if (!s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\')
            fprintf(f, "\\%c", c);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c == '\t')
            fputs("\\t", f);
        else if (c < 0x20)
            fprintf(f, "\\u%04x", c);
        else
            fputc(c, f);
    }
    fputc('"', f);
}

void json_frame(FILE *f, mfn_t mfn)
{
    if (mfn == INVALID_MFN)
        fputs("null", f);
    else
        fprintf(f, "\"0x%lx\"", (unsigned long)mfn);
}

static void json_hex(FILE *f, uint64_t v)
{
    fprintf(f, "\"0x%lx\"", (unsigned long)v);
}

static void json_rc(FILE *f, long rc)
{
    const char *name = rc < 0 ? scn_errno_name((int)-rc) : NULL;

    fprintf(f, "\"rc\": %ld, \"errno\": ", rc);
    json_string(f, name);
}

void sim_json_reason(FILE *f, const struct pvmm_reason *r)
{
    char buf[2048], own[16];

    fputc('{', f);
    json_rc(f, r->rc);
    fputs(", \"rule\": ", f);
    json_string(f, pvmm_rule_name(r->rule));
    fputs(", \"rule_text\": ", f);
    json_string(f, pvmm_rule_text(r->rule));
    fputs(", \"frame\": ", f);
    json_frame(f, r->frame);
    if (r->frame != INVALID_MFN) {
        fputs(", \"owner\": ", f);
        json_string(f, pt_owner_name(r->owner, own, sizeof(own)));
        fputs(", \"type\": ", f);
        json_string(f, pt_type_name(r->type_info));
        fprintf(f, ", \"type_count\": %lu, \"count\": %lu, \"counts_taken\": \"mid-operation\"",
                (unsigned long)(r->type_info & PGT_count_mask),
                (unsigned long)(r->count_info & PGC_count_mask));
    }
    fputs(", \"table\": ", f);
    json_frame(f, r->table);
    fprintf(f, ", \"level\": %d, \"index\": %d, \"entry\": ", r->level, r->index);
    json_hex(f, r->entry);
    fputs(", \"path\": [", f);
    for (int i = 0; i < r->path_len && i < PVMM_REASON_PATH_MAX; i++) {
        fprintf(f, "%s{\"table\": ", i ? ", " : "");
        json_frame(f, r->path[i].table);
        fprintf(f, ", \"level\": %d, \"index\": %d}", r->path[i].level, r->path[i].index);
    }
    fputs("], \"blocker\": ", f);
    if (r->have_blocker) {
        fputs("{\"l1\": ", f);
        json_frame(f, r->blocker_l1);
        fprintf(f, ", \"slot\": %d, \"va\": ", r->blocker_slot);
        if (r->blocker_va != ~(uint64_t)0)
            json_hex(f, r->blocker_va);
        else
            fputs("null", f);
        fputc('}', f);
    } else {
        fputs("null", f);
    }
    pvmm_reason_format(r, buf, sizeof(buf));
    fputs(", \"text\": ", f);
    json_string(f, buf);
    fputc('}', f);
}

static const char *outcome_name(enum sim_access_outcome o)
{
    switch (o) {
    case SIM_ACCESS_OK:       return "ok";
    case SIM_ACCESS_PF:       return "page-fault";
    case SIM_ACCESS_GP:       return "general-protection";
    case SIM_ACCESS_NO_TABLE: return "no-page-table";
    }
    return "?";
}

void sim_json_result(FILE *f, const struct sim_result *res)
{
    char buf[512];

    sim_result_summary(res, buf, sizeof(buf));
    fputs("{\"summary\": ", f);
    json_string(f, buf);
    switch (res->kind) {
    case RES_NONE:
        fputs(", \"kind\": \"none\"", f);
        break;
    case RES_RC:
        fputs(", \"kind\": \"hypercall\", ", f);
        json_rc(f, res->rc);
        if (res->has_done)
            fprintf(f, ", \"done\": %lu", (unsigned long)res->done);
        fprintf(f, ", \"continuations\": %lu", res->continuations);
        break;
    case RES_ACCESS:
        fputs(", \"kind\": \"access\", \"outcome\": ", f);
        json_string(f, outcome_name(res->acc.outcome));
        if (res->acc.outcome == SIM_ACCESS_PF || res->acc.outcome == SIM_ACCESS_GP) {
            fputs(", \"address\": ", f);
            json_hex(f, res->acc.addr);
        }
        if (res->acc.outcome == SIM_ACCESS_PF) {
            fputs(", \"error_code\": ", f);
            json_hex(f, res->acc.pfec);
        }
        fprintf(f, ", \"ptwr\": %s", res->acc.ptwr ? "true" : "false");
        if (res->has_value) {
            fputs(", \"value\": ", f);
            json_hex(f, res->acc.value);
        }
        break;
    }
    fputs(", \"reason\": ", f);
    if (res->has_reason)
        sim_json_reason(f, &res->reason);
    else
        fputs("null", f);
    fputc('}', f);
}

struct jtree {
    FILE *f;
    struct sim_machine *m;
    domid_t d;
    bool first;
};

static void j_table(void *ctx, mfn_t mfn, int level, int depth, const char *why)
{
    struct jtree *j = ctx;
    const struct page_info *pg = &j->m->ft[mfn];
    char own[16], marks[128];

    (void)depth;
    fprintf(j->f, "%s\n    {\"frame\": ", j->first ? "" : ",");
    j->first = false;
    json_frame(j->f, mfn);
    fprintf(j->f, ", \"level\": %d, \"type\": ", level);
    json_string(j->f, pt_type_name(pg->type_info));
    fprintf(j->f, ", \"type_count\": %lu, \"count\": %lu, \"owner\": ",
            (unsigned long)(pg->type_info & PGT_count_mask),
            (unsigned long)(pg->count_info & PGC_count_mask));
    json_string(j->f, pt_owner_name(pg->owner, own, sizeof(own)));
    fprintf(j->f, ", \"pinned\": %s, \"validated\": %s, \"root\": ",
            (pg->type_info & PGT_pinned) ? "true" : "false",
            (pg->type_info & PGT_validated) ? "true" : "false");
    json_string(j->f, why);
    fputs(", \"marks\": ", j->f);
    json_string(j->f, pt_marks(j->m, j->d, mfn, marks, sizeof(marks)));
    fputc('}', j->f);
}

static const char *edge_name(enum pt_edge k)
{
    static const char *const n[] = {
        [PT_CHILD] = "child", [PT_SHARED] = "shared", [PT_LINEAR] = "linear",
        [PT_XEN_SLOT] = "hypervisor-slot", [PT_MAPS_TABLE] = "maps-table-read-only",
        [PT_BAD_WRITABLE] = "writable-must-not-exist", [PT_DATA] = "data", [PT_OTHER] = "other",
    };

    return n[k];
}

static void j_entry(void *ctx, mfn_t table, int level, int slot, intpte_t e, enum pt_edge kind,
                    int depth)
{
    struct jtree *j = ctx;
    char fl[64];

    (void)depth;
    fprintf(j->f, "%s\n    {\"table\": ", j->first ? "" : ",");
    j->first = false;
    json_frame(j->f, table);
    fprintf(j->f, ", \"level\": %d, \"slot\": %d, \"entry\": ", level, slot);
    json_hex(j->f, e);
    fputs(", \"target\": ", j->f);
    json_frame(j->f, pte_mfn(e));
    fputs(", \"kind\": ", j->f);
    json_string(j->f, edge_name(kind));
    fputs(", \"flags\": ", j->f);
    json_string(j->f, pt_flags(e, fl, sizeof(fl)));
    fputc('}', j->f);
}

void sim_json_tree(FILE *f, struct sim_machine *m, domid_t d, const struct pvmm_reason *hl)
{
    struct domain *dom = pvmm_domain_lookup(&m->s, d);
    struct jtree j = { .f = f, .m = m, .d = d, .first = true };
    struct pt_visitor tables = { .ctx = &j, .table = j_table };
    struct pt_visitor entries = { .ctx = &j, .entry = j_entry };

    fprintf(f, "{\"domain\": \"d%u\", \"pages\": %lu, \"tables\": [", d,
            dom ? (unsigned long)dom->tot_pages : 0UL);
    pt_tree_walk(m, d, &tables);
    fputs("],\n  \"entries\": [", f);
    j.first = true;
    pt_tree_walk(m, d, &entries);
    fputs("],\n  \"reason\": ", f);
    if (hl)
        sim_json_reason(f, hl);
    else
        fputs("null", f);
    fputs("}\n", f);
}
