/*
 * tools/pvmm/main.c - the pvmm command: run, explain and draw scenarios.
 *
 *   pvmm run [-v] [--json] [--trace FILE] SCENARIO...
 *   pvmm explain [--json] SCENARIO[:LINE]
 *   pvmm show [--json] SCENARIO[:LINE] [dN]
 *   pvmm dot [--no-ro] [--no-leaves] [-o FILE] SCENARIO[:LINE] [dN]
 *   pvmm html [-o FILE] SCENARIO
 *
 * A thin dispatcher: one cmd_* per subcommand (cmd-*.c), their help texts
 * here.  Scenarios are described in docs/scenarios.md, the command in
 * man/pvmm.1.  Exit status: 0 when every scenario held, 1 when one failed,
 * 2 for bad command lines and malformed scenario files.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"

#ifndef PVMM_VERSION
#define PVMM_VERSION "unknown"
#endif

static const struct cli_cmd cmds[] = {
    { "run", cmd_run, "pvmm run [-v] [--json] [--trace FILE] SCENARIO...",
      "Run scenarios on a fresh simulated machine each: every expectation is checked and\n"
      "the auditor runs after every operation.  With two or more scenarios, one line per\n"
      "scenario (PASSED FILE or FAILED FILE:LINE: why) and a closing 'N passed, N failed'.\n"
      "\n"
      "  -v, --verbose   print every operation and its result\n"
      "  --trace FILE    record every operation and its outcome as a scenario that\n"
      "                  replays exactly (FILE '-': standard output)\n"
      "  --json          one JSON document on stdout instead of text: per scenario\n"
      "                  whether it passed, the failing line, result and reason\n"
      "SCENARIO '-' reads standard input.  Exit status 0 all passed, 1 one failed,\n"
      "2 a malformed scenario or a bad command line.\n" },
    { "explain", cmd_explain, "pvmm explain [--json] SCENARIO[:LINE]",
      "Replay SCENARIO to its first failure (or to LINE) and say what the operation was,\n"
      "what it returned, which rule broke and why: the core's structured reason, the chain\n"
      "of frames down to the failing entry and the mapping that blocked it.\n"
      "\n"
      "  --json          the same as one JSON object (rule, frame, counts, blocker)\n" },
    { "show", cmd_show, "pvmm show [--json] SCENARIO[:LINE] [dN]",
      "Print domain dN's page-table trees (every vCPU base and every pinned table) after\n"
      "the run, its first failure, or LINE, as indented text.  Without dN: the domain of\n"
      "the operation the run stopped at.  A failure's blocking mapping is marked.\n"
      "\n"
      "  --json          the tables and their entries as one JSON object\n" },
    { "dot", cmd_dot, "pvmm dot [--no-ro] [--no-leaves] [-o FILE] SCENARIO[:LINE] [dN]",
      "The same trees as a Graphviz graph with a title (file:line and the operation) and\n"
      "a legend; render it with dot -Tsvg.  Double border: pinned; filled: loaded as a\n"
      "vCPU's base; red: a writable mapping that blocks or must not exist.\n"
      "\n"
      "  -o FILE         write to FILE ('-': standard output, the default)\n"
      "  --no-ro         leave out the read-only mappings of page tables (back-edges)\n"
      "  --no-leaves     leave out the L1 tables (and every edge to them)\n" },
    { "html", cmd_html, "pvmm html [-o FILE] SCENARIO",
      "Write one self-contained HTML page that steps through SCENARIO: for every\n"
      "operation, the statement, the narration before it, its result and the domain's\n"
      "tree after it (as SVG, drawn by Graphviz's dot, which must be installed;\n"
      "$PVMM_DOT names another program); refusals are highlighted with the core's\n"
      "explanation.  Keys: left/right arrows step; #step-N in the address opens step N.\n"
      "Exit status 1 if the scenario failed (the page then ends at the failure).\n"
      "\n"
      "  -o FILE         write to FILE ('-': standard output, the default)\n" },
};

const struct cli_cmd *cli_find(const char *name)
{
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        if (!strcmp(cmds[i].name, name))
            return &cmds[i];
    return NULL;
}

static void usage(FILE *f)
{
    fprintf(f, "usage:");
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
        fprintf(f, "%s%s\n", i ? "       " : " ", cmds[i].synopsis);
    fprintf(f, "       pvmm --version\n"
            "\n"
            "run      run scenarios: every expectation checked, the auditor after every operation\n"
            "explain  replay to the failing step (or LINE) and say which rule broke and why\n"
            "show     the domain's page-table tree after the run (or at LINE), as text\n"
            "dot      the same as a Graphviz graph (render with dot -Tsvg)\n"
            "html     a page that steps through a scenario, the tree after every operation\n"
            "\n"
            "pvmm SUBCOMMAND --help says more.  Scenario syntax: docs/scenarios.md;\n"
            "the command: man pvmm.\n");
}

int main(int argc, char **argv)
{
    const struct cli_cmd *c;

    /* Narration (stdout) and failure reports (stderr) keep their order in a pipe. */
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE_ERROR;
    }
    if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        if (argc > 2 && (c = cli_find(argv[2]))) {
            char *h[] = { "--help" };

            cli_help_asked(c->name, 1, h);
            return 0;
        }
        usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
        printf("pvmm %s\n", PVMM_VERSION);
        return 0;
    }
    c = cli_find(argv[1]);
    if (!c) {
        fprintf(stderr, "pvmm: unknown command '%s'\n", argv[1]);
        usage(stderr);
        return CLI_USAGE_ERROR;
    }
    if (cli_help_asked(c->name, argc - 2, argv + 2))
        return 0;
    return c->fn(argc - 2, argv + 2);
}
