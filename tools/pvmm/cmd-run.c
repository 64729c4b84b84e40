/*
 * tools/pvmm/cmd-run.c - pvmm run: run scenarios and say which held.
 *
 * Each scenario runs on a fresh machine.  With one scenario the run speaks
 * only through its narration and, on failure, the report on stderr and a
 * closing "FAILED FILE" (-v adds "PASSED FILE"); with two or more, every
 * scenario ends with one result line on stdout and the run with
 * "N passed, N failed".  --json replaces all of that on stdout by one JSON
 * document (the narration is dropped; failure reports stay on stderr).
 */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"

struct run_args {
    struct scn_run_opts o;
    bool json;
    const char *trace;
    int nfiles;
    char **files;
};

static int parse(int argc, char **argv, struct run_args *a)
{
    a->files = calloc((size_t)argc + 1, sizeof(*a->files));
    if (!a->files)
        abort();
    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-v") || !strcmp(argv[i], "--verbose")) {
            a->o.verbose = true;
        } else if (!strcmp(argv[i], "--json")) {
            a->json = true;
        } else if (!strcmp(argv[i], "--trace")) {
            if (i + 1 >= argc || a->trace)
                return cli_usage_error("run", "--trace needs one FILE");
            a->trace = argv[++i];
        } else if (!strncmp(argv[i], "--trace=", 8)) {
            if (a->trace)
                return cli_usage_error("run", "--trace needs one FILE");
            a->trace = argv[i] + 8;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("run", "unknown option '%s'", argv[i]);
        } else {
            a->files[a->nfiles++] = argv[i];
        }
    }
    if (a->nfiles == 0)
        return cli_usage_error("run", "no scenario given");
    if (a->json && a->o.verbose)
        return cli_usage_error("run", "--json and -v cannot be combined");
    return 0;
}

/* One scenario's entry of the JSON document. */
static void json_file(const char *path, int rc, const struct scn_script *s,
                      const struct scn_outcome *out, bool first)
{
    const struct scn_stmt *st = rc == 1 && out->stmt >= 0 ? &s->stmts[out->stmt] : NULL;

    printf("%s\n  {\"file\": ", first ? "" : ",");
    json_string(stdout, path);
    printf(", \"passed\": %s", rc == 0 ? "true" : "false");
    if (rc == 2) {
        printf(", \"malformed\": true}");
        return;
    }
    if (!st) {
        printf("}");
        return;
    }
    printf(", \"line\": %d, \"statement\": ", st->lineno);
    json_string(stdout, st->src + strspn(st->src, " \t"));
    printf(", \"message\": ");
    json_string(stdout, out->message);
    printf(", \"audit_violations\": %u, \"last_result\": ", out->audit_violations);
    if (out->have_op)
        sim_json_result(stdout, &out->res);
    else
        printf("null");
    printf("}");
}

int cmd_run(int argc, char **argv)
{
    struct run_args a = { .o = { .out = stdout, .err = stderr } };
    int status = 0, passed = 0, failed = 0;
    FILE *devnull = NULL;
    bool many;

    if ((status = parse(argc, argv, &a))) {
        free(a.files);
        return status;
    }
    many = a.nfiles > 1;
    if (a.trace && !(a.o.trace = cli_open_out("run", a.trace))) {
        free(a.files);
        return CLI_USAGE_ERROR;
    }
    if (a.json) {
        devnull = fopen("/dev/null", "w");
        a.o.out = devnull ? devnull : stderr;
        printf("{\"files\": [");
    }
    for (int i = 0; i < a.nfiles; i++) {
        const char *name = strcmp(a.files[i], "-") ? a.files[i] : "<stdin>";
        struct scn_script s;
        struct scn_outcome out;
        struct scn_error err;
        int rc = 2;

        memset(&out, 0, sizeof(out));
        out.stmt = -1;
        if (scn_parse_file(a.files[i], &s, &err)) {
            fflush(stdout);
            fprintf(stderr, "%s\n", err.msg);
        } else {
            if (a.o.trace)
                fprintf(a.o.trace, "# trace of %s\n", name);
            a.o.keep_machine = false;
            rc = scn_run(&s, &a.o, &out);
        }
        if (rc == 0)
            passed++;
        else
            failed++;
        if (rc && (!status || rc == 2))
            status = rc;
        if (a.json) {
            json_file(name, rc, &s, &out, i == 0);
        } else if (many) {
            if (rc == 0)
                printf("PASSED %s\n", name);
            else if (rc == 1)
                printf("FAILED %s:%d: %s\n", name, out.line, out.message);
            else
                printf("FAILED %s: malformed scenario\n", name);
        } else if (rc) {
            fflush(stdout);
            fprintf(stderr, "FAILED %s\n", name);
        } else if (a.o.verbose) {
            printf("PASSED %s\n", name);
        }
        scn_outcome_free(&out);
        if (rc != 2)
            scn_script_free(&s);
    }
    if (a.json)
        printf("\n], \"passed\": %d, \"failed\": %d}\n", passed, failed);
    else if (many)
        printf("%d passed, %d failed\n", passed, failed);
    if (devnull)
        fclose(devnull);
    cli_close_out(a.o.trace);
    free(a.files);
    return status;
}
