/*
 * tests/sim/test-scenario.c - the scenario language: precise errors, runs, traces.
 *
 * A table of malformed scenarios, each with the exact "file:line:col:
 * error: ..." text it must produce before anything runs; a table of
 * scenarios that parse but must fail at run time (mismatch, failed assert,
 * unknown domain, auditor off/on ...) with the line they must blame; and a
 * round trip: a run's --trace output, replayed, gives the same results.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "run.h"

struct bad_case {
    const char *text;
    const char *error;   /* expected substring of the message */
};

static const struct bad_case bad[] = {
    { "frobnicate d1\n", "t.pvmm:1:1: error: unknown statement 'frobnicate'" },
    { "domain d1\n", "t.pvmm:1: error: 'domain' needs pages=" },
    { "domain d9 pages=4\n", "t.pvmm:1:8: error: expected a domain (d0..d7)" },
    { "domain d1 pages=1024 colour=3\n", "t.pvmm:1:22: error: 'domain' takes no argument 'colour'" },
    { "domain d1 pages=1024 pages=3\n", "t.pvmm:1:22: error: argument 'pages' given twice" },
    { "read d1.v0 va=0\n", "t.pvmm:1:12: error: expected 'kernel' or 'user', found 'va'" },
    { "read d1.v0 kernel va=\n", "t.pvmm:1:22: error: expected an expression, found 'end of line'" },
    { "read d1.v0 kernel va=(1 + 2\n", "t.pvmm:1:28: error: expected ')', found 'end of line'" },
    { "read d1.v0 kernel va=nosuch\n", "t.pvmm:1:22: error: unknown name 'nosuch'" },
    { "read d1.v0 kernel va=mfn(1)\n", "t.pvmm:1:22: error: mfn() takes 2 arguments, 1 given" },
    { "read d1.v0 kernel va=frob(1)\n", "t.pvmm:1:22: error: unknown function 'frob'" },
    { "read d1.v0 kernel va=0x\n", "t.pvmm:1:22: error: malformed number '0x'" },
    { "read d1.v0 kernel va=99999999999999999999999\n", "error: number too large for 64 bits" },
    { "read d1.v0 kernel va=1 $\n", "t.pvmm:1:24: error: unexpected character '$'" },
    { "mmu_update d1 val=1\n", "t.pvmm:1:15: error: val= without a ptr= before it" },
    { "mmu_update d1 ptr=1 ptr=2 val=3\n", "error: request 0 has ptr= but no val=" },
    { "mmuext_op d1 mfn=1\n", "t.pvmm:1:14: error: mfn= before the first cmd=" },
    { "mmuext_op d1 cmd=pin_l4_table mfn=1 arg1=2\n", "operation 0 has two values for arg1" },
    { "mmuext_op d1 cmd=pin_l5_table mfn=1\n", "t.pvmm:1:18: error: 'pin_l5_table' is not a valid cmd" },
    { "domain d1 pages=1024\nexpect sometimes\n", "t.pvmm:2:8: error: unknown name 'sometimes'" },
    { "domain d1 pages=1024\nexpect reason no-such-rule\n", "t.pvmm:2:15: error: unknown rule 'no-such-rule'" },
    { "let x = 1\nexpect ok\n", "t.pvmm:2: error: expect must follow an operation" },
    { "expect ok\n", "t.pvmm:1: error: expect must follow an operation" },
    { "domain d1 pages=1024\nmachine frames=512\n", "machine must come before every other statement" },
    { "let P = 1\n", "t.pvmm:1:5: error: 'P' is the name of a constant" },
    { "let x 1\n", "t.pvmm:1:5: error: expected: let NAME = EXPRESSION" },
    { "assert 1 2\n", "t.pvmm:1:10: error: unexpected '2' after the expression" },
    { "say \"unterminated\nread d1 kernel va=\"x\n", "t.pvmm:2:" },
    { "42\n", "t.pvmm:1:1: error: a line starts with a statement name, found '42'" },
    { "vm_assist d1 cmd=enable\n", "'vm_assist' needs type=" },
};

static void test_malformed(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct scn_script s;
        struct scn_error err;

        err.msg[0] = '\0';
        if (scn_parse_text("t.pvmm", bad[i].text, &s, &err) == 0) {
            scn_script_free(&s);
            fail_msg("case %zu parsed: %s", i, bad[i].text);
        }
        if (!strstr(err.msg, bad[i].error))
            fail_msg("case %zu: got '%s', want '%s'", i, err.msg, bad[i].error);
    }
}

struct run_case {
    const char *text;
    int line;            /* line the failure must be reported on, 0 = must pass */
    const char *message; /* substring of the failure headline */
};

static const struct run_case runs[] = {
    { "domain d1 pages=1024\nread d1.v0 kernel va=0\nexpect value 0\n", 0, NULL },
    { "domain d1 pages=1024\nread d1.v0 kernel va=0\nexpect value 1\n", 3, "expected value 0x1, got value 0" },
    { "domain d1 pages=1024\nread d1.v0 kernel va=0x40000000\n", 2, "operation failed: page fault" },
    { "domain d1 pages=1024\nread d1.v0 kernel va=0x40000000\nexpect fault 0\n", 0, NULL },
    { "domain d1 pages=1024\nread d1.v0 kernel va=0x40000000\nexpect fault 4\n", 3,
      "expected page fault with error code 0x4, got page fault, error code 0" },
    { "domain d1 pages=1024\nread d1.v0 user va=0\nexpect crash\n", 0, NULL },
    { "domain d1 pages=1024\nassert nr_pages(d1) == 1000\n", 2,
      "assertion failed: left side is 0x400, right side is 0x3e8" },
    { "read d2.v0 kernel va=0\n", 1, "no vCPU d2.v0" },
    { "domain d1 pages=1024\nlet x = mfn(d3, 0)\n", 2, "domain 3 does not exist" },
    { "domain d1 pages=1024\nlet x = spare(d1, 100000)\n", 2, "spare(): d1 has" },
    { "domain d1 pages=4\n", 1, "operation failed: -ENOMEM" },
    { "domain d1 pages=4\nexpect -ENOMEM\n", 0, NULL },
    { "domain d1 pages=1024\nmmuext_op d1 cmd=pin_l4_table mfn=l4(d1)\nexpect -EINVAL\n"
      "expect reason already-pinned\nexpect done 0\n", 0, NULL },
    { "domain d1 pages=1024\nhypercall d1 nr=console_io\nexpect -ENOSYS\n", 0, NULL },
    { "machine frames=100\n", 1, "cannot create a machine" },
    { "domain d1 pages=1024\nsay {1 / 0}\n", 2, "division by zero" },
    /* INT64_MIN / -1 and % -1: the divisor reads as negative, never a silent 0. */
    { "let x = 0x8000000000000000 / -1\n", 1,
      "division by 0xffffffffffffffff (-1 as a signed number): values are unsigned 64-bit, "
      "the quotient would be 0" },
    { "let x = 7 % -1\n", 1, "division by 0xffffffffffffffff" },
    { "let x = 7 / 0x8000000000000000\n", 1, "division by 0x8000000000000000" },
    { "let x = 0xffffffffffffffff / 0x7fffffffffffffff\nassert x == 2\n", 0, NULL },
};

static void test_runs(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(runs) / sizeof(runs[0]); i++) {
        struct scn_run_opts o = { .quiet = true };
        struct scn_script s;
        struct scn_error err;
        struct scn_outcome out;
        int rc;

        o.out = o.err = fopen("/dev/null", "w");
        assert_non_null(o.out);
        if (scn_parse_text("t.pvmm", runs[i].text, &s, &err))
            fail_msg("case %zu does not parse: %s", i, err.msg);
        rc = scn_run(&s, &o, &out);
        fclose(o.out);
        if (runs[i].line == 0 && rc != 0)
            fail_msg("case %zu failed at line %d: %s", i, out.line, out.message);
        if (runs[i].line && (rc == 0 || out.line != runs[i].line ||
                             !strstr(out.message, runs[i].message)))
            fail_msg("case %zu: rc %d line %d '%s', want line %d '%s'", i, rc, out.line,
                     out.message, runs[i].line, runs[i].message);
        scn_outcome_free(&out);
        scn_script_free(&s);
    }
}

/* A run's trace, replayed, reproduces every result (it is made of expect lines). */
static void test_trace_replays(void **state)
{
    static const char text[] =
        "domain d1 pages=1024 vcpus=2\n"
        "let p = spare(d1, 0)\n"
        "write d1.v0 kernel va=va(p) val=0\n"
        "update_va_mapping d1.v0 va=va(p) val=maddr(mfn(d1, p)) | P | A flags=UVMF_INVLPG\n"
        "write d1.v0 kernel va=va(p) val=1\n"
        "expect fault 3\n"
        "mmuext_op d1.v0 cmd=pin_l1_table mfn=mfn(d1, p) cmd=tlb_flush_local\n"
        "mmu_update d1.v0 ptr=ptep(d1, 1, va(p)) val=maddr(mfn(d1, p)) | P | RW | A\n"
        "expect -EBUSY\n"
        "expect done 0\n"
        "memory_op d1.v0 cmd=increase_reservation extents=0,0 max=0\n";
    struct scn_run_opts o = { .quiet = true };
    struct scn_script s, t;
    struct scn_error err;
    struct scn_outcome out;
    char *trace = NULL;
    size_t len = 0;
    FILE *tf;

    (void)state;
    o.out = o.err = fopen("/dev/null", "w");
    assert_non_null(o.out);
    /* memory_op takes no max=: the parser says so. */
    assert_int_equal(scn_parse_text("t.pvmm", text, &s, &err), -1);
    assert_non_null(strstr(err.msg, "t.pvmm:11:"));
    {
        char *head = strndup(text, (size_t)(strstr(text, "memory_op") - text));

        assert_int_equal(scn_parse_text("t.pvmm", head, &s, &err), 0);
        free(head);
    }
    tf = open_memstream(&trace, &len);
    o.trace = tf;
    assert_int_equal(scn_run(&s, &o, &out), 0);
    fclose(tf);
    scn_outcome_free(&out);
    assert_non_null(strstr(trace, "expect reason writable-pagetable"));
    assert_non_null(strstr(trace, "expect fault 0x3"));
    assert_non_null(strstr(trace, "mmuext_op d1.v0 foreigndom=0x7ff0 cmd=pin_l1_table"));
    o.trace = NULL;
    assert_int_equal(scn_parse_text("trace", trace, &t, &err), 0);
    assert_int_equal(scn_run(&t, &o, &out), 0);
    scn_outcome_free(&out);
    scn_script_free(&t);
    scn_script_free(&s);
    free(trace);
    fclose(o.out);
}

/* "let x = " followed by n copies of head, then mid, then n copies of tail. */
static char *repeat(const char *head, int n, const char *mid, const char *tail)
{
    size_t hl = strlen(head), tl = strlen(tail), len = 8 + (hl + tl) * (size_t)n + strlen(mid) + 2;
    char *s = malloc(len), *p = s;

    assert_non_null(s);
    p += sprintf(p, "let x = ");
    for (int i = 0; i < n; i++, p += hl)
        memcpy(p, head, hl);
    p += sprintf(p, "%s", mid);
    for (int i = 0; i < n; i++, p += tl)
        memcpy(p, tail, tl);
    strcpy(p, "\n");
    return s;
}

/* Parse text + "assert x == want"; NULL if it parsed and ran clean, else the error. */
static const char *parse_or_error(char *text, uint64_t want, struct scn_error *err)
{
    struct scn_run_opts o = { .quiet = true };
    struct scn_script s;
    struct scn_outcome out;

    size_t len = strlen(text);

    err->msg[0] = '\0';
    text = realloc(text, len + 40);
    assert_non_null(text);
    snprintf(text + len, 40, "assert x == %lu\n", (unsigned long)want);
    if (scn_parse_text("t.pvmm", text, &s, err)) {
        free(text);
        return err->msg;
    }
    free(text);
    o.out = o.err = fopen("/dev/null", "w");
    assert_non_null(o.out);
    assert_int_equal(scn_run(&s, &o, &out), 0);
    fclose(o.out);
    scn_outcome_free(&out);
    assert_int_equal(s.nstmts, 2);
    scn_script_free(&s);
    return NULL;
}

/* text must fail to parse with an error containing want. */
static void fails_with(char *text, const char *want)
{
    struct scn_error err;
    const char *msg = parse_or_error(text, 0, &err);

    assert_non_null(msg);
    if (!strstr(msg, want))
        fail_msg("got '%s', want '%s'", msg, want);
}

/*
 * Input that used to overflow the stack of build/pvmm: deep nesting, long
 * chains, long unary runs.  Each stops with a precise error at the column
 * where the limit was crossed; input at the limit still parses and runs.
 */
static void test_depth_limits(void **state)
{
    struct scn_error err;
    char want[160];

    (void)state;
    /* 256 parentheses are fine, the 257th (column 8 + 257) is not; 30,000 stop there too. */
    assert_null(parse_or_error(repeat("(", SCN_EXPR_MAX_DEPTH, "1", ")"), 1, &err));
    snprintf(want, sizeof(want), "t.pvmm:1:%d: error: expression nested too deeply: more than %d "
             "levels", 8 + SCN_EXPR_MAX_DEPTH + 1, SCN_EXPR_MAX_DEPTH);
    fails_with(repeat("(", SCN_EXPR_MAX_DEPTH + 1, "1", ")"), want);
    fails_with(repeat("(", 30000, "1", ")"), want);
    /* 200,000 unary minuses: the same limit. */
    fails_with(repeat("-", 200000, "1", ""), want);
    /* A chain 1+1+...: 256 terms are a tree 256 deep; 200,000 terms stop at term 257. */
    assert_null(parse_or_error(repeat("1+", SCN_EXPR_MAX_DEPTH - 1, "1", ""), 256, &err));
    snprintf(want, sizeof(want), "t.pvmm:1:%d: error: expression too deep: more than %d levels",
             8 + 2 * SCN_EXPR_MAX_DEPTH, SCN_EXPR_MAX_DEPTH);
    fails_with(repeat("1+", SCN_EXPR_MAX_DEPTH, "1", ""), want);
    fails_with(repeat("1+", 200000, "1", ""), want);
    /* Nested calls count as nesting. */
    fails_with(repeat("va(", 30000, "1", ")"), "nested too deeply");
}

/* A directory is not a scenario: reading it fails with a message (pvmm run exits 2). */
static void test_directory_is_an_error(void **state)
{
    struct scn_script s;
    struct scn_error err;

    (void)state;
    assert_int_equal(scn_parse_file(".", &s, &err), -1);
    assert_non_null(strstr(err.msg, ".: error: cannot read: Is a directory"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_trace_replays),
        cmocka_unit_test(test_depth_limits),
        cmocka_unit_test(test_directory_is_an_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
