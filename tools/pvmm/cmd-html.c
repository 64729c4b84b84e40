/*
 * tools/pvmm/cmd-html.c - pvmm html: a page that steps through a scenario.
 *
 * The scenario runs once with a hook after every operation (run.h's on_op):
 * the step records the narration printed since the previous operation, the
 * result, the core's explanation of a refusal, and the tree of the
 * operation's domain drawn by sim_dot_tree and rendered to SVG by Graphviz's
 * dot ($PVMM_DOT, default "dot").  A tree identical to the previous one
 * reuses its SVG.  The page itself is written by html-page.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "html.h"

struct collect {
    struct html_page *p;
    const struct scn_script *s;
    const char *dot;        /* the Graphviz program */
    FILE    *narr;          /* where the run's narration goes (a memory stream) */
    char    *narr_buf;
    size_t   narr_len, narr_taken;
    char    *last_dot;      /* the DOT text of the last SVG */
    int      last_dom;
    int      error;         /* dot failed: 0 or -1 */
};

static char *xstrdup(const char *s)
{
    char *d = strdup(s ? s : "");

    if (!d)
        abort();
    return d;
}

/* Run the DOT text through dot -Tsvg; the <svg> element, or NULL after a message. */
static char *render_svg(const char *dot, const char *text)
{
    char path[] = "/tmp/pvmm-html-XXXXXX", *cmd, *buf = NULL, *svg;
    size_t len = 0;
    FILE *in, *out;
    int fd, rc;

    fd = mkstemp(path);
    if (fd < 0 || !(in = fdopen(fd, "w"))) {
        fprintf(stderr, "pvmm html: cannot make a temporary file: %s\n", strerror(errno));
        return NULL;
    }
    fputs(text, in);
    fclose(in);
    cmd = malloc(strlen(dot) + strlen(path) + 16);
    if (!cmd)
        abort();
    sprintf(cmd, "'%s' -Tsvg '%s'", dot, path);
    out = popen(cmd, "r");
    free(cmd);
    if (out) {
        FILE *m = open_memstream(&buf, &len);
        char chunk[4096];
        size_t n;

        while ((n = fread(chunk, 1, sizeof(chunk), out)) > 0)
            fwrite(chunk, 1, n, m);
        fclose(m);
    }
    rc = out ? pclose(out) : -1;
    unlink(path);
    svg = buf ? strstr(buf, "<svg") : NULL;
    if (rc != 0 || !svg) {
        fprintf(stderr, "pvmm html: Graphviz's '%s -Tsvg' failed (exit status %d): "
                "is Graphviz installed?\n", dot, WIFEXITED(rc) ? WEXITSTATUS(rc) : -1);
        free(buf);
        return NULL;
    }
    svg = xstrdup(svg);
    free(buf);
    return svg;
}

static struct html_step *new_step(struct html_page *p)
{
    if (p->nsteps == p->cap) {
        p->cap = p->cap ? 2 * p->cap : 64;
        p->steps = realloc(p->steps, (size_t)p->cap * sizeof(*p->steps));
        if (!p->steps)
            abort();
    }
    memset(&p->steps[p->nsteps], 0, sizeof(p->steps[0]));
    p->steps[p->nsteps].dom = -1;
    p->steps[p->nsteps].svg = -1;
    return &p->steps[p->nsteps++];
}

static int add_svg(struct html_page *p, char *svg)
{
    if (p->nsvgs == p->svgcap) {
        p->svgcap = p->svgcap ? 2 * p->svgcap : 32;
        p->svgs = realloc(p->svgs, (size_t)p->svgcap * sizeof(*p->svgs));
        if (!p->svgs)
            abort();
    }
    p->svgs[p->nsvgs] = svg;
    return p->nsvgs++;
}

/* The narration printed since the last call. */
static char *take_narration(struct collect *c)
{
    char *t;

    fflush(c->narr);
    t = strndup(c->narr_buf + c->narr_taken, c->narr_len - c->narr_taken);
    if (!t)
        abort();
    c->narr_taken = c->narr_len;
    return t;
}

/* What explain would say about the operation (its outcome faked from the step). */
static char *explanation(const struct collect *c, const struct scn_stmt *st,
                         const struct sim_op *op, const struct sim_result *res)
{
    struct scn_outcome o;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);

    if (!m)
        abort();
    memset(&o, 0, sizeof(o));
    o.stmt = (int)(st - c->s->stmts);
    o.line = st->lineno;
    o.have_op = true;
    o.op = (struct sim_op *)op;
    o.res = *res;
    sim_explain(m, c->s, &o);
    fclose(m);
    return buf;
}

static bool refused(const struct sim_result *res)
{
    return (res->kind == RES_RC && res->rc < 0) ||
           (res->kind == RES_ACCESS && res->acc.outcome != SIM_ACCESS_OK);
}

/* The tree of domain d after this step: the previous SVG if nothing changed. */
static int draw(struct collect *c, struct sim_machine *m, domid_t d, const struct sim_result *res)
{
    struct sim_dot_opts o = { .no_legend = true };
    char *text = NULL, *svg;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (!f)
        abort();
    sim_dot_tree(f, m, d, res->has_reason ? &res->reason : NULL, &o);
    fclose(f);
    if (c->last_dot && c->last_dom == d && !strcmp(c->last_dot, text)) {
        free(text);
        return c->p->nsvgs - 1;
    }
    svg = render_svg(c->dot, text);
    if (!svg) {
        free(text);
        c->error = -1;
        return -1;
    }
    free(c->last_dot);
    c->last_dot = text;
    c->last_dom = d;
    return add_svg(c->p, svg);
}

static void on_op(void *ctx, const struct scn_stmt *st, const struct sim_op *op,
                  const struct sim_result *res, struct sim_machine *m)
{
    struct collect *c = ctx;
    struct html_step *s;
    char buf[512];

    if (c->error)
        return;
    s = new_step(c->p);
    s->line = st->lineno;
    s->stmt = xstrdup(st->src + strspn(st->src, " \t"));
    s->narration = take_narration(c);
    sim_result_summary(res, buf, sizeof(buf));
    s->result = xstrdup(buf);
    s->refused = refused(res);
    if (s->refused || res->has_reason)
        s->explanation = explanation(c, st, op, res);
    if (op->dom >= 0 && pvmm_domain_lookup(&m->s, (domid_t)op->dom))
        s->dom = op->dom;
    else if (c->last_dom >= 0 && pvmm_domain_lookup(&m->s, (domid_t)c->last_dom))
        s->dom = c->last_dom;
    if (s->dom >= 0)
        s->svg = draw(c, m, (domid_t)s->dom, res);
}

/* The run stopped on a failure: one more step that says so, at the failing line. */
static void failure_step(struct collect *c, const struct scn_outcome *out)
{
    const struct scn_stmt *st = out->stmt >= 0 ? &c->s->stmts[out->stmt] : NULL;
    struct html_step *s = new_step(c->p), *prev = s - 1;

    s->line = out->line;
    s->stmt = xstrdup(st ? st->src + strspn(st->src, " \t") : "");
    s->narration = take_narration(c);
    s->result = xstrdup("the scenario failed here");
    s->refused = true;
    s->failed = true;
    s->explanation = xstrdup(out->message);
    if (c->p->nsteps > 1) {
        s->dom = prev->dom;
        s->svg = prev->svg;
    }
}

/* The narration after the last operation, if any, as a closing step. */
static void end_step(struct collect *c)
{
    char *narr = take_narration(c);
    struct html_step *s;

    if (!narr[0] || c->p->nsteps == 0) {
        free(narr);
        return;
    }
    s = new_step(c->p);
    s->line = c->s->nstmts ? c->s->stmts[c->s->nstmts - 1].lineno : 0;
    s->stmt = xstrdup("(end of the scenario)");
    s->narration = narr;
    s->result = xstrdup("every expectation held");
    s->dom = s[-1].dom;
    s->svg = s[-1].svg;
}

static void free_page(struct html_page *p)
{
    for (int i = 0; i < p->nsteps; i++) {
        free(p->steps[i].stmt);
        free(p->steps[i].narration);
        free(p->steps[i].result);
        free(p->steps[i].explanation);
    }
    for (int i = 0; i < p->nsvgs; i++)
        free(p->svgs[i]);
    free(p->steps);
    free(p->svgs);
}

int cmd_html(int argc, char **argv)
{
    const char *target = NULL, *outpath = "-";
    struct html_page page = { 0 };
    struct collect c = { .p = &page, .last_dom = -1 };
    struct scn_run_opts o = { .err = stderr };
    struct scn_outcome out;
    struct scn_error err;
    struct scn_script s;
    FILE *f;
    int rc;

    for (int i = 0; i < argc; i++) {
        if (!strcmp(argv[i], "-o")) {
            if (i + 1 >= argc)
                return cli_usage_error("html", "-o needs a FILE ('-' for standard output)");
            outpath = argv[++i];
        } else if (argv[i][0] == '-' && argv[i][1]) {
            return cli_usage_error("html", "unknown option '%s'", argv[i]);
        } else if (!target) {
            target = argv[i];
        } else {
            return cli_usage_error("html", "give exactly one SCENARIO ('%s' is one too many)",
                                   argv[i]);
        }
    }
    if (!target)
        return cli_usage_error("html", "give a SCENARIO");
    c.dot = getenv("PVMM_DOT") ? getenv("PVMM_DOT") : "dot";
    if (scn_parse_file(target, &s, &err)) {
        fprintf(stderr, "%s\n", err.msg);
        return CLI_USAGE_ERROR;
    }
    c.s = &s;
    c.narr = open_memstream(&c.narr_buf, &c.narr_len);
    if (!c.narr)
        abort();
    o.out = c.narr;
    o.no_why = true;
    o.on_op = on_op;
    o.op_ctx = &c;
    rc = scn_run(&s, &o, &out);
    if (rc && !c.error)
        failure_step(&c, &out);
    else if (!c.error)
        end_step(&c);
    page.file = s.file;
    page.failed = rc != 0;
    if (c.error) {
        rc = CLI_USAGE_ERROR;
    } else if (!(f = cli_open_out("html", outpath))) {
        rc = CLI_USAGE_ERROR;
    } else {
        html_write_page(f, &page);
        cli_close_out(f);
    }
    scn_outcome_free(&out);
    fclose(c.narr);
    free(c.narr_buf);
    free(c.last_dot);
    free_page(&page);
    scn_script_free(&s);
    return rc;
}
