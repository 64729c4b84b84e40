/*
 * sim/scenario.h - scenario files: tokens, expressions, statements, scripts.
 *
 * A scenario is plain text, one statement per line (docs/scenarios.md has
 * the grammar).  Reading a file (scn_parse_file) checks every line before
 * anything runs: words, keys, expression syntax and names (variables must
 * be defined by an earlier `let`).  Running it (scn-run.c) evaluates each
 * statement's expressions against the machine as it is at that line, turns
 * the statement into a resolved operation (struct sim_op, op.h), runs it and
 * checks the expectations that follow it.
 */
#ifndef PVMM_SIM_SCENARIO_H
#define PVMM_SIM_SCENARIO_H

#include <stdint.h>
#include <stdbool.h>
#include <stddef.h>

/* ---- tokens (scn-lex.c) ---- */

enum scn_tok { TK_END, TK_NUM, TK_IDENT, TK_STR, TK_OP };

struct scn_token {
    enum scn_tok kind;
    int      col;               /* 1-based column */
    uint64_t num;
    char     text[64];          /* identifier, operator or (truncated) string */
};

struct scn_line {
    const char *file;
    int      lineno;
    const char *src;            /* the line as written (without newline) */
    int      ntok;
    int      cap;
    struct scn_token *tok;      /* ntok tokens, then one TK_END */
};

/* Diagnostics: "file:line:col: error: ..." into err. */
struct scn_error {
    char msg[512];
};

/*
 * Tokenize src (up to a '#' comment) into l, which must start zeroed and
 * is reusable; false with err filled on a lexical error.
 */
bool scn_lex(const char *file, int lineno, const char *src, struct scn_line *l,
             struct scn_error *err);
void scn_line_free(struct scn_line *l);

/* ---- expressions (scn-expr.c) ---- */

/*
 * The deepest an expression may nest (parentheses, unary operators, calls,
 * right operands) and the deepest tree it may build (a chain 1+1+... is a
 * tree as deep as it is long); deeper input is a parse error.
 */
#define SCN_EXPR_MAX_DEPTH 256

enum scn_expr_kind { EX_NUM, EX_VAR, EX_CONST, EX_CALL, EX_UNARY, EX_BINARY };

struct scn_expr {
    enum scn_expr_kind kind;
    int      col;
    uint64_t num;               /* EX_NUM, EX_CONST value */
    char     name[64];          /* EX_VAR, EX_CALL, EX_CONST */
    char     op[4];             /* EX_UNARY, EX_BINARY */
    int      var;               /* EX_VAR: variable slot */
    int      fn;                /* EX_CALL: builtin index */
    int      nargs;
    int      depth;             /* 1 for a leaf, else 1 + the deepest argument */
    struct scn_expr *arg[4];
};

struct scn_vars {
    int      n;
    char     name[128][64];
};

/* Parse an expression at l->tok[*pos]; advances *pos.  NULL with err on failure. */
struct scn_expr *scn_parse_expr(const struct scn_line *l, int *pos, const struct scn_vars *vars,
                                struct scn_error *err);
void scn_expr_free(struct scn_expr *e);

/* ---- names (scn-names.c) ---- */

/* Value of a symbolic constant (flags, Xen names, errno names, dN); false if unknown. */
bool scn_const_lookup(const char *name, uint64_t *val);
/* Index of a builtin function and its argument count, or -1. */
int scn_builtin_lookup(const char *name, int *nargs);
const char *scn_builtin_name(int fn);
/* The MMUEXT_* / XENMEM_* / VMASST_* command with this short name ("pin_l4_table"), or -1. */
int scn_mmuext_cmd(const char *name);
const char *scn_mmuext_name(unsigned int cmd);
int scn_memop_cmd(const char *name);
/* grant_table_op cmd= word -> GNTTABOP_*, or -1 (sim/op-grant.c). */
int scn_gnttab_cmd(const char *name);
int scn_vmasst_type(const char *name);
int scn_hypercall_nr(const char *name);
int scn_errno_value(const char *name);   /* "EINVAL" -> 22, or -1 */
const char *scn_errno_name(int e);       /* 22 -> "EINVAL", or NULL */

/* The domains a scenario can name: d0..d7 (the core has room for PVMM_MAX_DOMAINS). */
#define SIM_MAX_DOMAINS 8

/* ---- statements (scn-parse.c) ---- */

enum scn_stmt_kind {
    ST_MACHINE, ST_DOMAIN, ST_DESTROY, ST_VCPU_UP, ST_MODE, ST_CPU,
    ST_READ, ST_WRITE, ST_EXEC,
    ST_MMU_UPDATE, ST_MMUEXT_OP, ST_UPDATE_VA_MAPPING, ST_UPDATE_VA_MAPPING_OTHERDOMAIN,
    ST_SET_GDT, ST_UPDATE_DESCRIPTOR, ST_MEMORY_OP, ST_VM_ASSIST, ST_HYPERCALL, ST_LDT_LOAD,
    ST_GRANT_TABLE_OP,
    ST_LET, ST_ASSERT, ST_AUDIT, ST_SET, ST_SAY, ST_SHOW, ST_WHY,
    ST_EXPECT,
    /* a recorded pvmm-hv run (replay.c) */
    ST_RAM, ST_RESERVE, ST_SHARE_PRIVILEGED, ST_SHARE_PAGE, ST_IOMEM, ST_MMIO_RO,
    ST_PTWR_EMULATE, ST_WRITE_CR3, ST_HOLD_FRAME, ST_RELEASE_FRAME,
    ST_FRAME, ST_POKE,
    /* the sealed launch (pvmm-hv's createdomain flag; docs/hv.md) */
    ST_SEAL, ST_LAUNCH,
};

enum scn_expect_kind {
    EXP_OK, EXP_RC, EXP_FAULT, EXP_GP, EXP_CRASH, EXP_REASON, EXP_VALUE, EXP_DONE, EXP_PTWR,
    EXP_PREEMPTED, EXP_STATUS,
};

/* Is word a valid symbolic value for key of a statement of this kind (scn-names.c)? */
bool scn_word_ok(enum scn_stmt_kind kind, const char *key, const char *word);

/* One key=value argument (or a positional word). */
struct scn_arg {
    char     key[64];           /* "" for a positional word */
    char     word[64];          /* positional word, or a symbolic value (cmd=pin_l4_table) */
    struct scn_expr *e;         /* value, NULL for words */
    int      col;
};

struct scn_stmt {
    enum scn_stmt_kind kind;
    const char *file;
    int      lineno;
    char    *src;               /* the line as written */
    int      dom, vcpu;         /* target (dN.vM), -1 if none */
    bool     kernel;            /* ST_READ/WRITE/EXEC/MODE: kernel or user mode */
    int      nargs;
    struct scn_arg *args;
    /* ST_LET */
    int      var;
    /* ST_EXPECT */
    enum scn_expect_kind expect;
    int      rule;              /* EXP_REASON */
    /* EXP_RC, EXP_FAULT (NULL = any), EXP_VALUE, EXP_DONE, EXP_STATUS; ST_LET, ST_ASSERT */
    struct scn_expr *value;
    char    *text;              /* ST_SAY, ST_SET word */
    /* ST_FRAME (the frame's 4096 bytes), ST_POKE (bytes at a virtual address) */
    uint64_t addr;
    uint8_t *data;
    size_t   ndata;
};

struct scn_script {
    const char *file;
    int      nstmts;
    struct scn_stmt *stmts;
    struct scn_vars vars;
};

/*
 * Parse a statement described by a spec (scn-args.c): l->tok[0] names it.
 * Fills st (kind, target, mode, arguments); false with err on any error.
 */
bool scn_parse_spec_stmt(const struct scn_line *l, struct scn_stmt *st, const struct scn_vars *vars,
                         struct scn_error *err);

/*
 * Parse a whole file ("-": standard input, named "<stdin>" in messages).
 * Returns 0, or -1 with err set to the first error ("file:line:col: error: ...").
 */
int scn_parse_file(const char *path, struct scn_script *s, struct scn_error *err);
int scn_parse_text(const char *name, const char *text, struct scn_script *s,
                   struct scn_error *err);
void scn_script_free(struct scn_script *s);

/* printf into err with the file:line:col prefix. */
void scn_errorf(struct scn_error *err, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif /* PVMM_SIM_SCENARIO_H */
