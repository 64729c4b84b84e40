/*
 * tests/sim/test-fuzz-codec.c - the fuzz input format (sim/fuzz/fuzz-input.h).
 *
 * Verbatim operations carry scenario operations exactly: a table of
 * scenario lines, resolved, encoded and decoded, prints back as the same
 * line.  Arbitrary bytes always decode to an operation a scenario could
 * express: its printed line parses and resolves to itself.  And the
 * harness run of a stream that builds a domain and works on it produces a
 * trace that is a passing scenario.
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
#include "fuzz/fuzz-input.h"

static struct sim_op op, back;

/* Print op into a fresh string. */
static char *print(const struct sim_op *o)
{
    char *s = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&s, &n);

    assert_non_null(f);
    sim_op_print(f, o);
    fclose(f);
    return s;
}

/* Parse one line and resolve it (constants only: no machine needed). */
static void resolve_line(const char *line, struct sim_op *o)
{
    struct scn_script s;
    struct scn_error err;
    struct scn_ctx c;

    memset(&c, 0, sizeof(c));
    if (scn_parse_text("t.pvmm", line, &s, &err))
        fail_msg("%s does not parse: %s", line, err.msg);
    assert_int_equal(s.nstmts, 1);
    if (scn_resolve(&c, &s.stmts[0], o, &err))
        fail_msg("%s does not resolve: %s", line, err.msg);
    scn_script_free(&s);
}

/* Encode o, decode it again into back; the whole encoding must be consumed. */
static void encode_decode(const struct sim_op *o)
{
    struct fuzz_buf b = { 0 };
    struct fuzz_input in;

    assert_true(fuzz_encode_verbatim(&b, o));
    assert_true(b.len >= 3);
    assert_int_equal(b.data[0] & 15, FUZZ_CLASS_VERBATIM);
    in.p = b.data + 2;
    in.n = b.len - 2;
    fuzz_decode_verbatim(&in, b.data[1], &back);
    assert_int_equal(in.n, 0);
    fuzz_buf_free(&b);
}

static const char *const lines[] = {
    "domain d3 pages=0x400 vcpus=3 max=0x500 privileged=1 kernel=0x20000\n",
    "destroy d2\n",
    "vcpu_up d1.v7 cr3=0x123\n",
    "vcpu_up d1.v1\n",
    "mode d2.v1 user\n",
    "cpu d1.v0 wp=0 smep=1 smap=0 pke=1 pge=0 nxe=1 ac=1 pkru=0xfffffffc cpl=2 maxphyaddr=39\n",
    "read d1.v0 user va=0xffff800000001000 bytes=2\n",
    "write d1.v1 kernel va=0x1000 val=0xffffffffffffffff bytes=1\n",
    "exec d0.v0 kernel va=0x7fffffffffff\n",
    "mmu_update d1.v0 ptr=0x2f5001 val=0x8000000000123067 ptr=0x5008 val=0\n",
    "mmu_update d1.v0 foreigndom=0x7ff1 count=0x7 pdone=0 ptr=0 val=0\n",
    "mmuext_op d2.v0 cmd=pin_l4_table arg1=0x2f6 cmd=new_user_baseptr arg1=0 "
    "cmd=copy_page arg1=1 arg2=2 cmd=0x99 arg1=3\n",
    "update_va_mapping d1.v0 va=0x5000 val=0x2f3021 flags=UVMF_INVLPG | UVMF_ALL\n",
    "update_va_mapping_otherdomain d1.v0 va=0x5000 val=0x2f3021 flags=0 domid=2\n",
    "set_gdt d1.v0 frames=0x10,0x11,0x12 entries=0x200\n",
    "set_gdt d1.v0 entries=0\n",
    "update_descriptor d1.v0 maddr=0x2f5010 desc=0x00cf9a000000ffff\n",
    "memory_op d1.v0 cmd=decrease_reservation extents=0x300,0x301 order=1 mem_flags=4 domid=2\n",
    "memory_op d1.v0 cmd=increase_reservation nr_extents=9\n",
    "vm_assist d1.v0 cmd=enable type=writable_pagetables\n",
    "hypercall d1.v0 nr=console_io a0=1 a1=2 a2=3 a3=4 a4=0xffffffffffffffff\n",
    "ldt_load d1.v0 sel=0xfff\n",
    "set preempt=every\n",
    "set preempt=7\n",
    "set preempt=never\n",
};

static void test_lines_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
        char *a, *b;

        resolve_line(lines[i], &op);
        encode_decode(&op);
        a = print(&op);
        b = print(&back);
        if (strcmp(a, b))
            fail_msg("line %zu: %s came back as %s", i, a, b);
        free(a);
        free(b);
    }
}

/* What the harness ignores does not travel: audit, log, and kinds that are not operations. */
static void test_not_encoded(void **state)
{
    struct fuzz_buf b = { 0 };

    (void)state;
    resolve_line("set audit=off\n", &op);
    assert_false(fuzz_encode_verbatim(&b, &op));
    resolve_line("audit\n", &op);
    assert_false(fuzz_encode_verbatim(&b, &op));
    fuzz_op_init(&op, ST_LET, 1, 0);
    assert_false(fuzz_encode_verbatim(&b, &op));
    assert_int_equal(b.len, 0);
}

/* Any bytes decode to a line that parses, and resolves to the same line. */
static void test_random_bytes_are_valid_lines(void **state)
{
    uint64_t seed = 12345;
    uint8_t buf[64];

    (void)state;
    for (int round = 0; round < 3000; round++) {
        struct fuzz_input in = { buf, sizeof(buf) };
        char *a, *b;

        for (size_t i = 0; i < sizeof(buf); i++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            /* Small numbers are where the ranges are: make most bytes small. */
            buf[i] = (uint8_t)(seed >> 56) & (i % 3 ? 0xff : 0x8f);
        }
        fuzz_decode_verbatim(&in, buf[0], &op);
        if (op.kind == ST_SET && op.set_preempt < 0)
            continue;   /* `set` with nothing: prints as a bare "set" */
        a = print(&op);
        resolve_line(a, &back);
        b = print(&back);
        if (strcmp(a, b))
            fail_msg("round %d: %s resolved to %s", round, a, b);
        assert_true(op.n <= SIM_MAX_BATCH && op.nlist <= SIM_MAX_BATCH);
        free(a);
        free(b);
    }
}

/* A verbatim stream builds a domain and works on it; its trace is a passing scenario. */
static void test_harness_runs_a_stream(void **state)
{
    struct fuzz_buf b = { 0 };
    struct scn_run_opts o = { .quiet = true };
    struct scn_script s;
    struct scn_error err;
    struct scn_outcome out;
    char *trace = NULL;
    size_t len = 0;
    FILE *f;

    (void)state;
    fuzz_buf_put(&b, FUZZ_H_SCENARIO);
    fuzz_buf_put(&b, 0);
    resolve_line("domain d1 pages=1024 vcpus=2\n", &op);
    assert_true(fuzz_encode_verbatim(&b, &op));
    resolve_line("vcpu_up d1.v1\n", &op);
    assert_true(fuzz_encode_verbatim(&b, &op));
    /* The L4 of a 1024-page domain is at pfn 0x113 (kernel, p2m, start_info, then tables). */
    resolve_line("read d1.v1 kernel va=0x113000\n", &op);
    assert_true(fuzz_encode_verbatim(&b, &op));
    resolve_line("mmu_update d1.v0 ptr=0x10 val=0\n", &op);
    assert_true(fuzz_encode_verbatim(&b, &op));
    resolve_line("audit\n", &op);   /* skipped by the harness */
    fuzz_buf_put(&b, 0);            /* an aimed operation cut short: decodes from zeros */

    f = open_memstream(&trace, &len);
    assert_int_equal(fuzz_run(b.data, b.len, f), 4);
    fclose(f);
    assert_non_null(strstr(trace, "machine frames=3300 linear_pt=1\n"));
    assert_non_null(strstr(trace, "domain d1 pages=1024 vcpus=2"));
    /* The boot L4's first entry (its L3, read-only mapped tables have RW in upper levels). */
    assert_non_null(strstr(trace, "read d1.v1 kernel va=0x113000\nexpect ok\nexpect value 0x"));
    /* Frame 0 is I/O memory, not d1's to update. */
    assert_non_null(strstr(trace, "expect -EINVAL\nexpect done 0\nexpect reason not-owner\n"));

    o.out = o.err = fopen("/dev/null", "w");
    assert_int_equal(scn_parse_text("trace", trace, &s, &err), 0);
    assert_int_equal(scn_run(&s, &o, &out), 0);
    scn_outcome_free(&out);
    scn_script_free(&s);
    fclose(o.out);
    free(trace);
    fuzz_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines_round_trip),
        cmocka_unit_test(test_not_encoded),
        cmocka_unit_test(test_random_bytes_are_valid_lines),
        cmocka_unit_test(test_harness_runs_a_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
