/*
 * tools/pvmm/cli.h - the pvmm command's subcommands and what they share.
 *
 * main.c dispatches `pvmm SUBCOMMAND ARGS...` to one cmd_* function per
 * subcommand (one file each); every subcommand answers --help on stdout with
 * exit 0.  Exit statuses: 0 everything held, 1 a scenario failed (mismatch,
 * auditor violation, failed assert), 2 a bad command line or a malformed
 * scenario file.  "-" names standard input (a scenario) or standard output
 * (a trace, a picture, a page).
 */
#ifndef PVMM_CLI_H
#define PVMM_CLI_H

#include <stdbool.h>
#include <stdio.h>

#include "explain.h"

#define CLI_USAGE_ERROR 2

struct cli_cmd {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *synopsis;   /* "pvmm run [OPTIONS] SCENARIO..." */
    const char *help;       /* the rest of --help: what it does, its options */
};

int cmd_run(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_dot(int argc, char **argv);
int cmd_html(int argc, char **argv);

/* The subcommand called name, or NULL. */
const struct cli_cmd *cli_find(const char *name);

/*
 * If argv holds -h or --help, print cmd's help on stdout and return true
 * (the caller exits 0).
 */
bool cli_help_asked(const char *cmd, int argc, char **argv);

/* Print "pvmm CMD: MESSAGE" and a pointer to --help on stderr; returns 2. */
int __attribute__((format(printf, 2, 3))) cli_usage_error(const char *cmd, const char *fmt, ...);

/* Open path for writing ("-": stdout).  NULL with a message on stderr. */
FILE *cli_open_out(const char *cmd, const char *path);
/* Close what cli_open_out opened (flush stdout). */
void cli_close_out(FILE *f);

/*
 * A scenario replayed up to a line: FILE[:LINE] parsed, the scenario read
 * and run up to its first failure or LINE (keeping the machine).  0, or 2
 * after a message: not FILE[:LINE], unreadable or malformed file, LINE past
 * the end of the file.
 */
struct cli_target {
    struct scn_script s;
    struct scn_outcome out;
    bool has_line;
    int line;
    FILE *quiet;            /* where the replay's narration went */
};
int cli_replay(const char *cmd, const char *arg, struct cli_target *t);
void cli_target_free(struct cli_target *t);

/*
 * The domain to draw: arg ("dN", must exist at that point of the run) or,
 * without one, the domain of the operation the run stopped at (else the
 * first domain).  0, or 2 after a message.
 */
int cli_pick_domain(const char *cmd, const char *arg, const struct cli_target *t, domid_t *d);

#endif /* PVMM_CLI_H */
