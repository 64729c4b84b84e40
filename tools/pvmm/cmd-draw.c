/*
 * tools/pvmm/cmd-draw.c - pvmm show and pvmm dot: a domain's page-table
 * trees at a point of a scenario, as text (or JSON) and as Graphviz.
 */
#include <string.h>

#include "cli.h"
#include "json.h"

struct draw_args {
    const char *target, *dom, *outpath;
    bool json;
    struct sim_dot_opts dot;
};

static int parse(const char *cmd, bool dot, int argc, char **argv, struct draw_args *a)
{
    for (int i = 0; i < argc; i++) {
        if (dot && !strcmp(argv[i], "-o")) {
            if (i + 1 >= argc)
                return cli_usage_error(cmd, "-o needs a FILE ('-' for standard output)");
            a->outpath = argv[++i];
        } else if (dot && !strcmp(argv[i], "--no-ro")) {
            a->dot.hide_ro = true;
        } else if (dot && !strcmp(argv[i], "--no-leaves")) {
            a->dot.hide_leaves = true;
        } else if (!dot && !strcmp(argv[i], "--json")) {
            a->json = true;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error(cmd, "unknown option '%s'", argv[i]);
        } else if (!a->target) {
            a->target = argv[i];
        } else if (!a->dom) {
            a->dom = argv[i];
        } else {
            return cli_usage_error(cmd, "unexpected argument '%s'", argv[i]);
        }
    }
    if (!a->target)
        return cli_usage_error(cmd, "give a SCENARIO[:LINE]");
    return 0;
}

/* The moment the picture shows, for its title: "file:line: statement -> result". */
static void title(const struct cli_target *t, char *buf, size_t len)
{
    const struct scn_outcome *o = &t->out;
    const struct scn_stmt *st = o->stmt >= 0 ? &t->s.stmts[o->stmt] : NULL;
    char res[256];

    if (!st) {
        snprintf(buf, len, "%s: before the first operation", t->s.file);
        return;
    }
    res[0] = '\0';
    if (o->have_op)
        sim_result_summary(&o->res, res, sizeof(res));
    snprintf(buf, len, "%s:%d: %s%s%s%s", st->file, st->lineno, st->src + strspn(st->src, " \t"),
             res[0] ? "\n-> " : "", res, o->failed ? "  (the scenario failed here)" : "");
}

static int draw(const char *cmd, bool dot, int argc, char **argv)
{
    struct draw_args a = { 0 };
    const struct pvmm_reason *hl;
    struct cli_target t;
    char head[512];
    FILE *f;
    domid_t d;
    int rc;

    if ((rc = parse(cmd, dot, argc, argv, &a)))
        return rc;
    if ((rc = cli_replay(cmd, a.target, &t)))
        return rc;
    if ((rc = cli_pick_domain(cmd, a.dom, &t, &d))) {
        cli_target_free(&t);
        return rc;
    }
    f = cli_open_out(cmd, a.outpath ? a.outpath : "-");
    if (!f) {
        cli_target_free(&t);
        return CLI_USAGE_ERROR;
    }
    hl = t.out.res.has_reason ? &t.out.res.reason : NULL;
    if (dot) {
        title(&t, head, sizeof(head));
        a.dot.title = head;
        sim_dot_tree(f, t.out.m, d, hl, &a.dot);
    } else if (a.json) {
        sim_json_tree(f, t.out.m, d, hl);
    } else {
        sim_show_tree(f, t.out.m, d, hl);
    }
    cli_close_out(f);
    cli_target_free(&t);
    return 0;
}

int cmd_show(int argc, char **argv)
{
    return draw("show", false, argc, argv);
}

int cmd_dot(int argc, char **argv)
{
    return draw("dot", true, argc, argv);
}
