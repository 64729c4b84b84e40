/*
 * sim/scn-run.c - running a scenario (see run.h).
 */
#include "run.h"
#include "replay.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

struct runner {
    const struct scn_script *s;
    const struct scn_run_opts *o;
    struct scn_outcome *out;
    struct scn_ctx c;
    bool     audit;
};

/* Report the first failure of the run: one headline, then detail lines. */
static void __attribute__((format(printf, 3, 4)))
failure(struct runner *r, const struct scn_stmt *st, const char *fmt, ...)
{
    va_list ap;

    r->out->failed = true;
    r->out->line = st->lineno;
    r->out->stmt = (int)(st - r->s->stmts);
    va_start(ap, fmt);
    vsnprintf(r->out->message, sizeof(r->out->message), fmt, ap);
    va_end(ap);
    if (!r->o->quiet)
        fprintf(r->o->err, "%s:%d: error: %s\n    %s\n", st->file, st->lineno, r->out->message,
                st->src);
}

static void detail(struct runner *r, const char *text)
{
    const char *p = text;

    if (r->o->quiet)
        return;
    while (*p) {
        size_t n = strcspn(p, "\n");

        fprintf(r->o->err, "    %.*s\n", (int)n, p);
        p += n + (p[n] == '\n');
    }
}

static void print_reason(struct runner *r, const struct sim_result *res)
{
    char buf[2048];

    if (!res->has_reason)
        return;
    pvmm_reason_format(&res->reason, buf, sizeof(buf));
    detail(r, "the core's reason:");
    detail(r, buf);
}

static void describe_expect(const struct scn_stmt *e, uint64_t v, char *buf, size_t len)
{
    const char *name;

    switch (e->expect) {
    case EXP_OK:        snprintf(buf, len, "ok"); break;
    case EXP_GP:        snprintf(buf, len, "a general protection fault"); break;
    case EXP_CRASH:     snprintf(buf, len, "no page table for the mode (crash)"); break;
    case EXP_PTWR:      snprintf(buf, len, "a write emulated by ptwr"); break;
    case EXP_PREEMPTED: snprintf(buf, len, "a preempted (continued) call"); break;
    case EXP_REASON:    snprintf(buf, len, "reason %s", pvmm_rule_name(e->rule)); break;
    case EXP_VALUE:     snprintf(buf, len, "value %#lx", (unsigned long)v); break;
    case EXP_DONE:      snprintf(buf, len, "done %lu", (unsigned long)v); break;
    case EXP_STATUS:    snprintf(buf, len, "status %ld", (long)v); break;
    case EXP_FAULT:
        if (e->value)
            snprintf(buf, len, "page fault with error code %#lx", (unsigned long)v);
        else
            snprintf(buf, len, "a page fault");
        break;
    case EXP_RC:
        name = (int64_t)v < 0 ? scn_errno_name((int)-(int64_t)v) : NULL;
        if (name)
            snprintf(buf, len, "-%s", name);
        else
            snprintf(buf, len, "%ld", (long)v);
        break;
    }
}

/* Does res satisfy expectation e (value v)? */
static bool holds(const struct scn_stmt *e, uint64_t v, const struct sim_result *res)
{
    const struct sim_access_result *a = &res->acc;

    switch (e->expect) {
    case EXP_OK:
        return (res->kind == RES_RC && res->rc == 0) ||
               (res->kind == RES_ACCESS && a->outcome == SIM_ACCESS_OK) || res->kind == RES_NONE;
    case EXP_RC:        return res->kind == RES_RC && res->rc == (long)v;
    case EXP_FAULT:     return res->kind == RES_ACCESS && a->outcome == SIM_ACCESS_PF &&
                               (!e->value || a->pfec == v);
    case EXP_GP:        return res->kind == RES_ACCESS && a->outcome == SIM_ACCESS_GP;
    case EXP_CRASH:     return res->kind == RES_ACCESS && a->outcome == SIM_ACCESS_NO_TABLE;
    case EXP_REASON:    return res->has_reason && (int)res->reason.rule == e->rule;
    case EXP_VALUE:     return res->has_value && a->value == v;
    case EXP_DONE:      return res->has_done && res->done == v;
    case EXP_STATUS:    return res->has_gnt && res->gnt_status == (long)v;
    case EXP_PTWR:      return res->kind == RES_ACCESS && a->ptwr;
    case EXP_PREEMPTED: return res->continuations > 0;
    }
    return false;
}

static bool succeeded(const struct sim_result *res)
{
    return !(res->kind == RES_RC && res->rc < 0) && !(res->has_gnt && res->gnt_status < 0) &&
           !(res->kind == RES_ACCESS && res->acc.outcome != SIM_ACCESS_OK);
}

/* Check the expect lines following statement i; returns the index after them, -1 on failure. */
static int check_expects(struct runner *r, int i, const struct sim_result *res)
{
    const struct scn_stmt *op = &r->s->stmts[i];
    char want[128], got[256];
    int j = i + 1;

    for (; j < r->s->nstmts && r->s->stmts[j].kind == ST_EXPECT; j++) {
        const struct scn_stmt *e = &r->s->stmts[j];
        struct scn_error err;
        uint64_t v = 0;

        if (e->value && scn_eval(&r->c, e, e->value, &v, &err)) {
            failure(r, e, "%s", strstr(err.msg, "error: ") ? strstr(err.msg, "error: ") + 7
                                                            : err.msg);
            return -1;
        }
        if (holds(e, v, res))
            continue;
        describe_expect(e, v, want, sizeof(want));
        sim_result_summary(res, got, sizeof(got));
        if (e->expect == EXP_VALUE && res->has_value)
            snprintf(got, sizeof(got), "value %#lx", (unsigned long)res->acc.value);
        if (e->expect == EXP_DONE && res->has_done)
            snprintf(got, sizeof(got), "done %lu", (unsigned long)res->done);
        if (e->expect == EXP_STATUS && res->has_gnt)
            snprintf(got, sizeof(got), "status %d", res->gnt_status);
        failure(r, e, "expected %s, got %s", want, got);
        detail(r, "for the operation on line");
        detail(r, op->src);
        print_reason(r, res);
        return -1;
    }
    if (j == i + 1 && !succeeded(res)) {
        sim_result_summary(res, got, sizeof(got));
        failure(r, op, "operation failed: %s (add an `expect` line if this is intended)", got);
        print_reason(r, res);
        return -1;
    }
    return j;
}

static bool audit_ok(struct runner *r, const struct scn_stmt *st)
{
    struct pvmm_audit_report rep;
    unsigned int n;
    char line[512];

    n = sim_audit(r->c.m, &rep);
    if (n == 0)
        return true;
    r->out->audit_violations = n;
    failure(r, st, "the auditor found %u violation%s after this operation", n, n == 1 ? "" : "s");
    for (unsigned int i = 0; i < rep.nr_recorded; i++) {
        pvmm_audit_format(&rep.v[i], line, sizeof(line));
        detail(r, line);
    }
    return false;
}

/*
 * Is e a count of things (printed in decimal), rather than an address, frame
 * or entry (printed in hex)?  Calls of the counting builtins are.
 */
static bool is_count(const struct scn_expr *e)
{
    static const char *const counts[] = {
        "count", "type_count", "nr_pt_frames", "nr_pages", "tot_pages", "free_frames",
    };

    if (e->kind != EX_CALL)
        return false;
    for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++)
        if (!strcmp(e->name, counts[i]))
            return true;
    return false;
}

/*
 * Expand {expression} in a say text: each is evaluated now and printed in
 * decimal if it is a count (is_count) or below 10, else in hex.  Braces
 * without a closing one are kept as is.
 */
static int interpolate(struct runner *r, const struct scn_stmt *st, char *out, size_t len)
{
    const char *p = st->text;
    size_t n = 0;

    while (*p && n + 1 < len) {
        const char *close = *p == '{' ? strchr(p, '}') : NULL;
        struct scn_line l;
        struct scn_error err;
        struct scn_expr *e;
        uint64_t v;
        char *src;
        int pos = 0;

        if (!close) {
            out[n++] = *p++;
            continue;
        }
        memset(&l, 0, sizeof(l));
        src = strndup(p + 1, (size_t)(close - p - 1));
        e = scn_lex(st->file, st->lineno, src, &l, &err) ?
            scn_parse_expr(&l, &pos, &r->s->vars, &err) : NULL;
        if (e && l.tok[pos].kind != TK_END) {
            scn_errorf(&err, st->file, st->lineno, 0, "unexpected '%s' in {%s}", l.tok[pos].text,
                       src);
            scn_expr_free(e);
            e = NULL;
        }
        if (!e || scn_eval(&r->c, st, e, &v, &err)) {
            failure(r, st, "in {%s}: %s", src,
                    strstr(err.msg, "error: ") ? strstr(err.msg, "error: ") + 7 : err.msg);
            scn_expr_free(e);
            scn_line_free(&l);
            free(src);
            return -1;
        }
        n += (size_t)snprintf(out + n, len - n, v < 10 || is_count(e) ? "%lu" : "%#lx",
                              (unsigned long)v);
        if (n >= len)
            n = len - 1;
        scn_expr_free(e);
        scn_line_free(&l);
        free(src);
        p = close + 1;
    }
    out[n] = '\0';
    return 0;
}

/* Create the machine, from a leading `machine` statement if there is one. */
static int make_machine(struct runner *r, int *first)
{
    struct sim_machine_config cfg;
    const struct scn_stmt *st = r->s->nstmts ? &r->s->stmts[0] : NULL;

    sim_machine_default_config(&cfg);
    *first = 0;
    for (int k = 0; k < r->s->nstmts; k++)
        if (r->s->stmts[k].kind == ST_MACHINE) {
            st = &r->s->stmts[k];
            for (int i = 0; i < st->nargs; i++) {
                struct scn_error err;
                uint64_t x;

                if (scn_eval(&r->c, st, st->args[i].e, &x, &err)) {
                    failure(r, st, "%s", err.msg);
                    return -1;
                }
                if (!strcmp(st->args[i].key, "frames")) cfg.nr_frames = x;
                else if (!strcmp(st->args[i].key, "io")) cfg.nr_io_frames = x;
                else if (!strcmp(st->args[i].key, "maxphyaddr")) cfg.maxphyaddr = (unsigned int)x;
                else if (!strcmp(st->args[i].key, "m2p")) cfg.m2p_mfn = x;
                else if (!strcmp(st->args[i].key, "tables")) cfg.tables_mfn = x;
                else cfg.linear_pt = x != 0;
            }
            break;
        }
    r->c.m = sim_machine_new(&cfg);
    if (!r->c.m) {
        failure(r, st ? st : &r->s->stmts[0], "cannot create a machine with %lu frames "
                "(256..16M frames, room for I/O and hypervisor frames, maxphyaddr 36..52)",
                (unsigned long)cfg.nr_frames);
        return -1;
    }
    if (r->o->trace)
        fprintf(r->o->trace, "machine frames=%lu io=%lu maxphyaddr=%u linear_pt=%d",
                (unsigned long)cfg.nr_frames, (unsigned long)cfg.nr_io_frames, cfg.maxphyaddr,
                cfg.linear_pt);
    if (r->o->trace && cfg.tables_mfn)
        fprintf(r->o->trace, " m2p=%#lx tables=%#lx", (unsigned long)cfg.m2p_mfn,
                (unsigned long)cfg.tables_mfn);
    if (r->o->trace)
        fprintf(r->o->trace, "\n");
    return 0;
}

/* Run statement i (not an expect); returns the next index, or -1 on failure. */
static int step(struct runner *r, int i)
{
    const struct scn_stmt *st = &r->s->stmts[i];
    struct scn_error err;
    char msg[512];
    uint64_t v;

    switch (st->kind) {
    case ST_MACHINE:
        return i + 1;
    case ST_FRAME:
    case ST_POKE:
        if (sim_replay_data(r->c.m, st, msg, sizeof(msg))) {
            failure(r, st, "%s", msg);
            return -1;
        }
        if (r->o->trace)
            fprintf(r->o->trace, "%s\n", st->src);
        return i + 1;
    case ST_SAY:
        if (interpolate(r, st, msg, sizeof(msg)))
            return -1;
        fprintf(r->o->out, "%s\n", msg);
        if (r->o->trace)
            fprintf(r->o->trace, "# %s\n", msg);
        return i + 1;
    case ST_WHY: {
        char buf[2048];

        if (r->o->no_why)
            return i + 1;
        sim_result_summary(&r->c.last, msg, sizeof(msg));
        fprintf(r->o->out, "  -> %s\n", msg);
        if (r->c.last.has_reason) {
            pvmm_reason_format(&r->c.last.reason, buf, sizeof(buf));
            for (const char *p = buf; *p; ) {
                size_t n = strcspn(p, "\n");

                fprintf(r->o->out, "     %.*s\n", (int)n, p);
                p += n + (p[n] == '\n');
            }
        }
        return i + 1;
    }
    case ST_LET:
        if (scn_eval(&r->c, st, st->value, &r->c.vars[st->var], &err)) {
            failure(r, st, "%s", strstr(err.msg, "error: ") + 7);
            return -1;
        }
        if (r->o->trace)
            fprintf(r->o->trace, "# %s = %#lx\n", st->src + strspn(st->src, " \t"),
                    (unsigned long)r->c.vars[st->var]);
        return i + 1;
    case ST_ASSERT:
        if (scn_eval(&r->c, st, st->value, &v, &err)) {
            failure(r, st, "%s", strstr(err.msg, "error: ") + 7);
            return -1;
        }
        if (!v) {
            const struct scn_expr *e = st->value;
            uint64_t lhs, rhs;

            if (e->kind == EX_BINARY && strchr("=!<>", e->op[0]) &&
                !scn_eval(&r->c, st, e->arg[0], &lhs, &err) &&
                !scn_eval(&r->c, st, e->arg[1], &rhs, &err))
                failure(r, st, "assertion failed: left side is %#lx, right side is %#lx",
                        (unsigned long)lhs, (unsigned long)rhs);
            else
                failure(r, st, "assertion failed");
            return -1;
        }
        return i + 1;
    case ST_SHOW:
        if (!pvmm_domain_lookup(&r->c.m->s, (domid_t)st->dom)) {
            failure(r, st, "no domain d%d to show", st->dom);
            return -1;
        }
        sim_show_domain(r->o->out, r->c.m, (domid_t)st->dom);
        return i + 1;
    default:
        break;
    }

    if (!r->out->op)
        r->out->op = malloc(sizeof(*r->out->op));
    if (!r->out->op)
        abort();
    if (scn_resolve(&r->c, st, r->out->op, &err)) {
        failure(r, st, "%s", strstr(err.msg, "error: ") + 7);
        return -1;
    }
    if (st->kind == ST_SET && r->out->op->set_audit >= 0)
        r->audit = r->out->op->set_audit;
    if (sim_op_exec(r->c.m, r->out->op, &r->out->res, msg, sizeof(msg))) {
        failure(r, st, "%s", msg);
        return -1;
    }
    r->out->have_op = true;
    r->out->line = st->lineno;
    r->out->stmt = i;
    r->c.last = r->out->res;
    if (r->o->trace) {
        sim_op_print(r->o->trace, r->out->op);
        sim_result_print_expect(r->o->trace, &r->out->res);
    }
    if (r->o->verbose) {
        sim_result_summary(&r->out->res, msg, sizeof(msg));
        fprintf(r->o->out, "%s:%d: %s\n    -> %s\n", st->file, st->lineno,
                st->src + strspn(st->src, " \t"), msg);
    }
    if ((r->audit || st->kind == ST_AUDIT) && !audit_ok(r, st))
        return -1;
    if (r->o->on_op)
        r->o->on_op(r->o->op_ctx, st, r->out->op, &r->out->res, r->c.m);
    return check_expects(r, i, &r->out->res);
}

int scn_run(const struct scn_script *s, const struct scn_run_opts *o, struct scn_outcome *out)
{
    struct runner r = { .s = s, .o = o, .out = out, .audit = true };
    int i;

    memset(out, 0, sizeof(*out));
    out->stmt = -1;
    if (make_machine(&r, &i))
        return 1;
    while (i >= 0 && i < s->nstmts) {
        if (o->stop_line && s->stmts[i].lineno > o->stop_line)
            break;
        i = step(&r, i);
    }
    if (o->keep_machine)
        out->m = r.c.m;
    else
        sim_machine_free(r.c.m);
    return out->failed ? 1 : 0;
}

void scn_outcome_free(struct scn_outcome *out)
{
    free(out->op);
    sim_machine_free(out->m);
    out->op = NULL;
    out->m = NULL;
}
