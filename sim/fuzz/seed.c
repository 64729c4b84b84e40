/*
 * sim/fuzz/seed.c - pvmm-seed: turn scenario files into fuzz inputs (the seed corpus).
 *
 *   pvmm-seed [-q] -o DIR SCENARIO...
 *
 * Each scenario is executed on a machine configured as the harness's
 * (FUZZ_NR_FRAMES frames, the scenario's linear_pt), statement by
 * statement as `pvmm run` would: `let` evaluates, every operation is
 * resolved against the machine as it is at that line, written as one
 * verbatim operation of the fuzz format (fuzz-codec.c) and executed, so
 * the next line's expressions see the state it left.  Checks and narration
 * (expect, assert, say, show, why) and `set audit=`/`set log=` carry
 * nothing the harness uses and are dropped; the harness audits after every
 * operation.  The input has the FUZZ_H_SCENARIO header: no initial
 * domains, the stream builds the scenario's own.
 *
 * Two checks make a wrong seed impossible to miss: every encoded operation
 * must decode back to the same line, and the finished input, run through
 * the harness itself (fuzz_run), must print exactly the trace the
 * conversion recorded: the same operations with the same results.  A
 * scenario that stops resolving part way (a name that no longer exists on
 * the smaller machine) gives a seed of what came before, with a warning.
 *
 * The built-in grant seeds (fuzz-grant.c) go beside them as DIR/grant-N.seed.
 *
 * Output: DIR/<path with '/' as '-'>.seed, one line per scenario on stdout
 * ("ok FILE: N operations" or "not ok FILE: why"); exit 1 if any failed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-input.h"

struct conversion {
    struct scn_ctx c;
    struct fuzz_buf seed;
    char *trace;            /* what the operations did, in scenario syntax */
    size_t trace_len;
    FILE *tf;
    unsigned long nops;
    struct scn_error warning;   /* why the conversion stopped early, if it did */
};

/* Does op decode back from its encoding to the same scenario line? */
static bool round_trips(const struct sim_op *op, const uint8_t *enc, size_t len)
{
    static struct sim_op back;
    struct fuzz_input in = { enc + 2, len - 2 };
    char *a = NULL, *b = NULL;
    size_t na = 0, nb = 0;
    FILE *fa = open_memstream(&a, &na), *fb = open_memstream(&b, &nb);
    bool same;

    fuzz_decode_verbatim(&in, enc[1], &back);
    sim_op_print(fa, op);
    sim_op_print(fb, &back);
    fclose(fa);
    fclose(fb);
    same = in.n == 0 && !strcmp(a, b);
    if (!same)
        fprintf(stderr, "pvmm-seed: codec mismatch:\n  %s  %s", a, b);
    free(a);
    free(b);
    return same;
}

/* The scenario's `machine linear_pt=` (the only machine setting the harness varies). */
static bool scenario_linear_pt(struct conversion *cv, const struct scn_script *s)
{
    for (int k = 0; k < s->nstmts; k++) {
        const struct scn_stmt *st = &s->stmts[k];

        if (st->kind != ST_MACHINE)
            continue;
        for (int i = 0; i < st->nargs; i++) {
            struct scn_error err;
            uint64_t x;

            if (!strcmp(st->args[i].key, "linear_pt") &&
                !scn_eval(&cv->c, st, st->args[i].e, &x, &err))
                return x != 0;
        }
    }
    return true;
}

/* Encode, execute and record one resolved operation. */
static int convert_op(struct conversion *cv, struct sim_op *op)
{
    static struct sim_result res;
    struct sim_machine *m = cv->c.m;
    size_t start = cv->seed.len;
    char err[256];

    op->set_audit = op->set_log = -1;   /* the harness always audits, never logs */
    if (!fuzz_runnable(m, op) || !fuzz_encode_verbatim(&cv->seed, op))
        return 0;
    if (!round_trips(op, cv->seed.data + start, cv->seed.len - start))
        return -1;
    /* As the harness does: an operation that cannot be carried out is skipped. */
    if (sim_op_exec(m, op, &res, err, sizeof(err)))
        return 0;
    cv->c.last = res;
    cv->nops++;
    sim_op_print(cv->tf, op);
    sim_result_print_expect(cv->tf, &res);
    return 0;
}

/* Run script s on the harness's machine, building the seed as it goes. */
static int convert(struct conversion *cv, const struct scn_script *s)
{
    struct sim_machine_config cfg;
    static struct sim_op op;

    sim_machine_default_config(&cfg);
    cfg.nr_frames = FUZZ_NR_FRAMES;
    cfg.junk = false;
    cfg.linear_pt = scenario_linear_pt(cv, s);
    cv->c.m = sim_machine_new(&cfg);
    if (!cv->c.m)
        return -1;
    cv->c.m->log_level = PVMM_LOG_ERROR + 1;
    fuzz_buf_put(&cv->seed, FUZZ_H_SCENARIO | (cfg.linear_pt ? 0 : FUZZ_H_NO_LINEAR));
    fuzz_buf_put(&cv->seed, 0);
    cv->tf = open_memstream(&cv->trace, &cv->trace_len);
    fprintf(cv->tf, "machine frames=%lu linear_pt=%d\n", (unsigned long)cfg.nr_frames,
            cfg.linear_pt);
    for (int i = 0; i < s->nstmts; i++) {
        const struct scn_stmt *st = &s->stmts[i];
        struct scn_error err;

        switch (st->kind) {
        case ST_MACHINE: case ST_EXPECT: case ST_ASSERT: case ST_SAY: case ST_SHOW:
        case ST_WHY: case ST_AUDIT:
            continue;
        case ST_LET:
            if (scn_eval(&cv->c, st, st->value, &cv->c.vars[st->var], &err))
                break;
            continue;
        default:
            if (scn_resolve(&cv->c, st, &op, &err))
                break;
            if (convert_op(cv, &op))
                return -1;
            continue;
        }
        cv->warning = err;
        break;
    }
    fclose(cv->tf);
    cv->tf = NULL;
    return 0;
}

/* Does the harness, given the seed, do exactly what the conversion recorded? */
static bool reproduces(struct conversion *cv, const char *path)
{
    char *t = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&t, &n);
    bool same;

    fuzz_run(cv->seed.data, cv->seed.len, f);
    fclose(f);
    same = !strcmp(t, cv->trace);
    if (!same) {
        const char *a = cv->trace, *b = t;
        int line = 1;

        while (*a && *a == *b) {
            line += *a == '\n';
            a++;
            b++;
        }
        fprintf(stderr, "pvmm-seed: %s: the harness diverges from the scenario at trace line %d\n"
                "  scenario: %.*s\n  harness:  %.*s\n", path, line,
                (int)strcspn(a, "\n"), a, (int)strcspn(b, "\n"), b);
    }
    free(t);
    return same;
}

/* "examples/demo.pvmm" -> "DIR/examples-demo.seed" */
static void seed_path(const char *dir, const char *file, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "%s/", dir);

    for (const char *p = file; *p && n + 6 < len; p++) {
        if (!strcmp(p, ".pvmm"))
            break;
        if (p == file && p[0] == '.' && p[1] == '/') {
            p++;
            continue;
        }
        out[n++] = *p == '/' ? '-' : *p;
    }
    snprintf(out + n, len - n, ".seed");
}

static int one(const char *dir, const char *file, bool quiet)
{
    struct conversion cv;
    struct scn_script s;
    struct scn_error err;
    char path[4096];
    FILE *f;
    int rc = 1;

    memset(&cv, 0, sizeof(cv));
    if (scn_parse_file(file, &s, &err)) {
        printf("not ok %s: %s\n", file, err.msg);
        return 1;
    }
    if (convert(&cv, &s)) {
        printf("not ok %s: cannot convert (see above)\n", file);
    } else if (!reproduces(&cv, file)) {
        printf("not ok %s: the seed does not reproduce the scenario\n", file);
    } else {
        seed_path(dir, file, path, sizeof(path));
        f = fopen(path, "wb");
        if (!f || fwrite(cv.seed.data, 1, cv.seed.len, f) != cv.seed.len) {
            printf("not ok %s: cannot write %s: %s\n", file, path, strerror(errno));
        } else {
            rc = 0;
            if (!quiet)
                printf("ok %s: %lu operations, %zu bytes -> %s\n", file, cv.nops, cv.seed.len,
                       path);
        }
        if (f)
            fclose(f);
        if (cv.warning.msg[0])
            fprintf(stderr, "pvmm-seed: warning: the seed stops here: %s\n", cv.warning.msg);
    }
    free(cv.trace);
    fuzz_buf_free(&cv.seed);
    sim_machine_free(cv.c.m);
    scn_script_free(&s);
    return rc;
}

/*
 * Write the built-in grant seeds (fuzz-grant.c) as DIR/grant-N.seed.  Each
 * must still do what it was written for: run through the harness, its trace
 * shows a successful map_grant_ref (a change of the grant decoding that
 * turned it into noise fails here).
 */
static int grant_seeds(const char *dir, bool quiet)
{
    const uint8_t *p;
    size_t len;
    int status = 0;

    for (unsigned int i = 0; (p = fuzz_grant_seed(i, &len)); i++) {
        char path[4096], *t = NULL;
        size_t n = 0;
        FILE *tf = open_memstream(&t, &n), *f = NULL;
        unsigned long nops = fuzz_run(p, len, tf);
        const char *map, *ok = "\nexpect ok\nexpect status 0\n";

        fclose(tf);
        map = strstr(t, "cmd=map_grant_ref");
        snprintf(path, sizeof(path), "%s/grant-%u.seed", dir, i);
        if (!map || strncmp(strchr(map, '\n'), ok, strlen(ok))) {
            printf("not ok grant seed %u: its first map_grant_ref does not succeed\n", i);
            status = 1;
        } else if (!(f = fopen(path, "wb")) || fwrite(p, 1, len, f) != len) {
            printf("not ok grant seed %u: cannot write %s: %s\n", i, path, strerror(errno));
            status = 1;
        } else if (!quiet) {
            printf("ok grant seed %u: %lu operations, %zu bytes -> %s\n", i, nops, len, path);
        }
        if (f)
            fclose(f);
        free(t);
    }
    return status;
}

int main(int argc, char **argv)
{
    const char *dir = NULL;
    bool quiet = false;
    int status = 0, i;

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "-o") && i + 1 < argc)
            dir = argv[++i];
        else if (!strcmp(argv[i], "-q"))
            quiet = true;
        else
            break;
    }
    if (!dir || i == argc) {
        fprintf(stderr, "usage: pvmm-seed [-q] -o DIR SCENARIO...\n");
        return 2;
    }
    for (; i < argc; i++)
        status |= one(dir, argv[i], quiet);
    return status | grant_seeds(dir, quiet);
}
