/*
 * tools/pvmm/cli.c - what the subcommands share (see cli.h): help, usage
 * errors, "-" for standard output, FILE[:LINE] targets and domain choice.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

bool cli_help_asked(const char *cmd, int argc, char **argv)
{
    const struct cli_cmd *c = cli_find(cmd);

    for (int i = 0; i < argc; i++)
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("usage: %s\n\n%s", c->synopsis, c->help);
            fflush(stdout);
            return true;
        }
    return false;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;

    fflush(stdout);
    fprintf(stderr, "pvmm %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(pvmm %s --help says how to use it)\n", cmd);
    return CLI_USAGE_ERROR;
}

FILE *cli_open_out(const char *cmd, const char *path)
{
    FILE *f;

    if (!strcmp(path, "-"))
        return stdout;
    f = fopen(path, "w");
    if (!f) {
        fflush(stdout);
        fprintf(stderr, "pvmm %s: cannot write %s: %s\n", cmd, path, strerror(errno));
    }
    return f;
}

void cli_close_out(FILE *f)
{
    if (f == stdout)
        fflush(f);
    else if (f)
        fclose(f);
}

/*
 * Split FILE[:LINE] in place; returns the line (0 if none), -1 if LINE is
 * not a positive decimal number, -2 if it is larger than a line number can be.
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

/* Number of lines of the scenario (its last statement's line is a lower bound). */
static int last_line(const struct scn_script *s)
{
    return s->nstmts ? s->stmts[s->nstmts - 1].lineno : 0;
}

int cli_replay(const char *cmd, const char *arg, struct cli_target *t)
{
    struct scn_run_opts o = { .err = stderr, .keep_machine = true, .quiet = true };
    struct scn_error err;
    char *copy = strdup(arg), *path;
    int line;

    memset(t, 0, sizeof(*t));
    if (!copy)
        abort();
    line = split_target(copy, &path);
    if (line == -1) {
        free(copy);
        return cli_usage_error(cmd, "'%s' is not FILE or FILE:LINE with LINE >= 1", arg);
    }
    if (line == -2) {
        free(copy);
        return cli_usage_error(cmd, "'%s': the line number is larger than %d", arg, INT_MAX);
    }
    if (scn_parse_file(path, &t->s, &err)) {
        free(copy);
        fflush(stdout);
        fprintf(stderr, "%s\n", err.msg);
        return CLI_USAGE_ERROR;
    }
    free(copy);
    if (line > last_line(&t->s)) {
        int n = last_line(&t->s);

        scn_script_free(&t->s);
        fflush(stdout);
        fprintf(stderr, "pvmm %s: '%s': line %d is past the end of the scenario (its last "
                "statement is on line %d)\n", cmd, arg, line, n);
        return CLI_USAGE_ERROR;
    }
    t->has_line = line > 0;
    t->line = line;
    o.stop_line = line;
    /* The narration (say, show) is not what was asked for. */
    t->quiet = fopen("/dev/null", "w");
    o.out = t->quiet ? t->quiet : stderr;
    scn_run(&t->s, &o, &t->out);
    return 0;
}

void cli_target_free(struct cli_target *t)
{
    scn_outcome_free(&t->out);
    scn_script_free(&t->s);
    if (t->quiet)
        fclose(t->quiet);
}

/* "d1, d2" for the domains that exist, or "none". */
static void domain_list(struct sim_machine *m, char *buf, size_t len)
{
    size_t n = 0;

    buf[0] = '\0';
    for (unsigned int i = 0; i < PVMM_MAX_DOMAINS && n < len; i++)
        if (pvmm_domain_lookup(&m->s, (domid_t)i))
            n += (size_t)snprintf(buf + n, len - n, "%sd%u", n ? ", " : "", i);
    if (!buf[0])
        snprintf(buf, len, "none");
}

int cli_pick_domain(const char *cmd, const char *arg, const struct cli_target *t, domid_t *d)
{
    const struct scn_outcome *out = &t->out;
    char list[64], where[64];
    unsigned int n;
    char tail;

    if (!out->m) {
        fflush(stdout);
        fprintf(stderr, "pvmm %s: %s: the machine could not be created\n", cmd, t->s.file);
        return CLI_USAGE_ERROR;
    }
    domain_list(out->m, list, sizeof(list));
    if (t->has_line)
        snprintf(where, sizeof(where), "%s:%d", t->s.file, t->line);
    else
        snprintf(where, sizeof(where), "the end of %s", t->s.file);
    if (arg) {
        if (sscanf(arg, "d%u%c", &n, &tail) != 1 || n >= SIM_MAX_DOMAINS)
            return cli_usage_error(cmd, "'%s' is not a domain (d0..d%d)", arg,
                                   SIM_MAX_DOMAINS - 1);
        if (!pvmm_domain_lookup(&out->m->s, (domid_t)n)) {
            fflush(stdout);
            fprintf(stderr, "pvmm %s: there is no domain d%u at %s (domains then: %s)\n", cmd,
                    n, where, list);
            return CLI_USAGE_ERROR;
        }
        *d = (domid_t)n;
        return 0;
    }
    if (out->have_op && out->op->dom >= 0 &&
        pvmm_domain_lookup(&out->m->s, (domid_t)out->op->dom)) {
        *d = (domid_t)out->op->dom;
        return 0;
    }
    for (n = 0; n < PVMM_MAX_DOMAINS; n++)
        if (pvmm_domain_lookup(&out->m->s, (domid_t)n)) {
            *d = (domid_t)n;
            return 0;
        }
    fflush(stdout);
    fprintf(stderr, "pvmm %s: there is no domain at %s\n", cmd, where);
    return CLI_USAGE_ERROR;
}
