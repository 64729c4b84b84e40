/*
 * tools/pvmm/main.c - the pvmm command: run, explain and draw scenarios.
 *
 *   pvmm run [-v] [--trace FILE] SCENARIO...
 *   pvmm explain SCENARIO[:LINE]
 *   pvmm show SCENARIO[:LINE] [dN]
 *   pvmm dot SCENARIO[:LINE] [dN] [-o FILE]
 *
 * Scenarios are described in docs/scenarios.md.  Exit status: 0 when every
 * scenario held, 1 when one failed (mismatch, auditor violation, failed
 * assert), 2 for bad command lines and malformed scenario files.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "explain.h"

static void usage(FILE *f)
{
    fprintf(f,
            "usage: pvmm run [-v] [--trace FILE] SCENARIO...\n"
            "       pvmm explain SCENARIO[:LINE]\n"
            "       pvmm show SCENARIO[:LINE] [dN]\n"
            "       pvmm dot SCENARIO[:LINE] [dN] [-o FILE]\n"
            "\n"
            "run      run scenarios: every expectation checked, the auditor after every operation\n"
            "explain  replay to the failing step (or LINE) and say which rule broke and why\n"
            "show     the domain's page-table tree after the run (or at LINE), as text\n"
            "dot      the same as a Graphviz graph (render with dot -Tsvg)\n"
            "Scenario syntax: docs/scenarios.md\n");
}

static int load(const char *path, struct scn_script *s)
{
    struct scn_error err;

    if (scn_parse_file(path, s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

static int cmd_run(int argc, char **argv)
{
    struct scn_run_opts o = { .out = stdout, .err = stderr };
    int status = 0, nfiles = 0;

    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
            o.verbose = true;
        } else if (!strcmp(argv[i], "--trace")) {
            if (i + 1 >= argc || o.trace) {
                fprintf(stderr, "pvmm run: --trace needs one FILE\n");
                return 2;
            }
            o.trace = fopen(argv[++i], "w");
            if (!o.trace) {
                fprintf(stderr, "pvmm run: cannot write %s: %s\n", argv[i], strerror(errno));
                return 2;
            }
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "pvmm run: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    for (int i = 0; i < argc; i++) {
        struct scn_script s;
        struct scn_outcome out;

        if (!strcmp(argv[i], "--trace")) {
            i++;
            continue;
        }
        if (argv[i][0] == '-')
            continue;
        nfiles++;
        if (load(argv[i], &s)) {
            status = 2;
            continue;
        }
        if (o.trace)
            fprintf(o.trace, "# trace of %s\n", argv[i]);
        if (scn_run(&s, &o, &out)) {
            status = status ? status : 1;
            fprintf(stderr, "FAILED %s\n", argv[i]);
        } else if (o.verbose) {
            printf("PASSED %s\n", argv[i]);
        }
        scn_outcome_free(&out);
        scn_script_free(&s);
    }
    if (o.trace)
        fclose(o.trace);
    if (nfiles == 0) {
        fprintf(stderr, "pvmm run: no scenario given\n");
        return 2;
    }
    return status;
}

/*
 * Split FILE[:LINE]; returns the line (0 if none), -1 if LINE is not a
 * positive decimal number, -2 if it is larger than a line number can be.
 */
static int split_target(char *arg, char **path)
{
    char *colon = strrchr(arg, ':');
    char *end;
    long line;

    *path = arg;
    if (!colon)
        return 0;
    if (colon[1] < '0' || colon[1] > '9')
        return -1;
    errno = 0;
    line = strtol(colon + 1, &end, 10);
    if (*end || line <= 0)
        return -1;
    if (errno == ERANGE || line > INT_MAX)
        return -2;
    *colon = '\0';
    return (int)line;
}

/* Run a scenario up to the failure or LINE, keeping the machine (for explain/show/dot). */
static int replay(char *arg, const char *cmd, struct scn_script *s, struct scn_outcome *out)
{
    struct scn_run_opts o = { .out = stdout, .err = stderr, .keep_machine = true, .quiet = true };
    char *path;
    int line = split_target(arg, &path);

    if (line == -1) {
        fprintf(stderr, "pvmm %s: '%s' is not FILE or FILE:LINE with LINE >= 1\n", cmd, arg);
        return 2;
    }
    if (line == -2) {
        fprintf(stderr, "pvmm %s: '%s': the line number is larger than %d\n", cmd, arg, INT_MAX);
        return 2;
    }
    if (load(path, s))
        return 2;
    o.stop_line = line;
    if (strcmp(cmd, "explain"))
        o.out = stderr;   /* keep show/dot output clean */
    scn_run(s, &o, out);
    return 0;
}

static int pick_domain(const char *arg, const struct scn_outcome *out, domid_t *d)
{
    unsigned int n;
    char tail;

    if (arg) {
        if (sscanf(arg, "d%u%c", &n, &tail) != 1 || n >= PVMM_MAX_DOMAINS) {
            fprintf(stderr, "pvmm: '%s' is not a domain (d0..d7)\n", arg);
            return -1;
        }
        *d = (domid_t)n;
        return 0;
    }
    if (out->have_op && out->op->dom >= 0 && pvmm_domain_lookup(&out->m->s, (domid_t)out->op->dom)) {
        *d = (domid_t)out->op->dom;
        return 0;
    }
    for (n = 0; n < PVMM_MAX_DOMAINS; n++)
        if (pvmm_domain_lookup(&out->m->s, (domid_t)n)) {
            *d = (domid_t)n;
            return 0;
        }
    fprintf(stderr, "pvmm: the scenario builds no domain\n");
    return -1;
}

static int cmd_explain(int argc, char **argv)
{
    struct scn_script s;
    struct scn_outcome out;
    bool has_line;
    int rc;

    if (argc != 1) {
        fprintf(stderr, "pvmm explain: give exactly one SCENARIO[:LINE]\n");
        return 2;
    }
    has_line = strchr(argv[0], ':') != NULL;
    rc = replay(argv[0], "explain", &s, &out);
    if (rc)
        return rc;
    if (!out.failed && !has_line && out.m) {
        printf("%s: every operation behaved as expected; give FILE:LINE to explain one step\n",
               s.file);
    } else {
        sim_explain(stdout, &s, &out);
    }
    scn_outcome_free(&out);
    scn_script_free(&s);
    return 0;
}

static int cmd_draw(int argc, char **argv, bool dot)
{
    const char *dom = NULL, *outpath = NULL;
    char *target = NULL;
    struct scn_script s;
    struct scn_outcome out;
    FILE *f = stdout;
    domid_t d;
    int rc;

    for (int i = 0; i < argc; i++) {
        if (dot && !strcmp(argv[i], "-o") && i + 1 < argc)
            outpath = argv[++i];
        else if (!target)
            target = argv[i];
        else if (!dom)
            dom = argv[i];
        else {
            fprintf(stderr, "pvmm %s: unexpected argument '%s'\n", dot ? "dot" : "show", argv[i]);
            return 2;
        }
    }
    if (!target) {
        fprintf(stderr, "pvmm %s: give a SCENARIO[:LINE]\n", dot ? "dot" : "show");
        return 2;
    }
    rc = replay(target, dot ? "dot" : "show", &s, &out);
    if (rc)
        return rc;
    if (!out.m || pick_domain(dom, &out, &d)) {
        scn_outcome_free(&out);
        scn_script_free(&s);
        return 2;
    }
    if (outpath && !(f = fopen(outpath, "w"))) {
        fprintf(stderr, "pvmm dot: cannot write %s: %s\n", outpath, strerror(errno));
        rc = 2;
    } else if (dot) {
        sim_dot_domain(f, out.m, d, out.res.has_reason ? &out.res.reason : NULL);
    } else {
        sim_show_tree(f, out.m, d, out.res.has_reason ? &out.res.reason : NULL);
    }
    if (f && f != stdout)
        fclose(f);
    scn_outcome_free(&out);
    scn_script_free(&s);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") ||
        !strcmp(argv[1], "help")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "run"))
        return cmd_run(argc - 2, argv + 2);
    if (!strcmp(argv[1], "explain"))
        return cmd_explain(argc - 2, argv + 2);
    if (!strcmp(argv[1], "show"))
        return cmd_draw(argc - 2, argv + 2, false);
    if (!strcmp(argv[1], "dot"))
        return cmd_draw(argc - 2, argv + 2, true);
    fprintf(stderr, "pvmm: unknown command '%s'\n", argv[1]);
    usage(stderr);
    return 2;
}
