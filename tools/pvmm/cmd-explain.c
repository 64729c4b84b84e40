/*
 * tools/pvmm/cmd-explain.c - pvmm explain: why did that step fail.
 *
 * Replays the scenario to its first failure (or the chosen line) and hands
 * the outcome to sim_explain (text) or prints it as one JSON object.
 */
#include <string.h>

#include "cli.h"
#include "json.h"

static void explain_json(const struct cli_target *t)
{
    const struct scn_outcome *o = &t->out;
    const struct scn_stmt *st = o->stmt >= 0 ? &t->s.stmts[o->stmt] : NULL;

    printf("{\"file\": ");
    json_string(stdout, t->s.file);
    printf(", \"failed\": %s", o->failed ? "true" : "false");
    if (!st) {
        printf(", \"line\": null}\n");
        return;
    }
    printf(", \"line\": %d, \"statement\": ", st->lineno);
    json_string(stdout, st->src + strspn(st->src, " \t"));
    printf(", \"message\": ");
    json_string(stdout, o->failed ? o->message : NULL);
    printf(", \"audit_violations\": %u, \"result\": ", o->audit_violations);
    if (o->have_op)
        sim_json_result(stdout, &o->res);
    else
        printf("null");
    printf("}\n");
}

int cmd_explain(int argc, char **argv)
{
    const char *target = NULL;
    struct cli_target t;
    bool json = false;
    int rc;

    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "--json"))
            json = true;
        else if (argv[i][0] == '-' && argv[i][1])
            return cli_usage_error("explain", "unknown option '%s'", argv[i]);
        else if (!target)
            target = argv[i];
        else
            return cli_usage_error("explain", "give exactly one SCENARIO[:LINE] ('%s' is one "
                                   "too many)", argv[i]);
    }
    if (!target)
        return cli_usage_error("explain", "give a SCENARIO[:LINE]");
    rc = cli_replay("explain", target, &t);
    if (rc)
        return rc;
    if (json)
        explain_json(&t);
    else if (!t.out.failed && !t.has_line && t.out.m)
        printf("%s: every operation behaved as expected; give FILE:LINE to explain one step\n",
               t.s.file);
    else
        sim_explain(stdout, &t.s, &t.out);
    cli_target_free(&t);
    return 0;
}
