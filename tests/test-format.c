/*
 * tests/test-format.c - the core's freestanding snprintf (core/format.c):
 * conversions, flags, widths and length modifiers against expected
 * strings; truncation, NUL termination and the wanted length; strlen,
 * strcmp and pvmm_log.
 */
#include "harness.h"

#include <stdio.h>
#include <string.h>

#include "../core/mm.h"

/* The same formatter without the compiler's format checks, for deliberate misuse. */
static size_t (*volatile unchecked_snprintf)(char *, size_t, const char *, ...) = pvmm_snprintf;

/* Format into a 128-byte buffer and compare with the expected text and length. */
#define CHECK_FMT(expect, ...) do { \
        char b_[128]; \
        size_t n_ = pvmm_snprintf(b_, sizeof(b_), __VA_ARGS__); \
        assert_string_equal(b_, expect); \
        assert_int_equal(n_, strlen(expect)); \
    } while (0)

static void test_integers(void **state)
{
    (void)state;
    CHECK_FMT("0", "%d", 0);
    CHECK_FMT("42", "%d", 42);
    CHECK_FMT("-42", "%d", -42);
    CHECK_FMT("-2147483648", "%d", (int)-2147483647 - 1);
    CHECK_FMT("2147483647", "%i", 2147483647);
    CHECK_FMT("4294967295", "%u", 4294967295U);
    CHECK_FMT("deadbeef", "%x", 0xdeadbeefU);
    CHECK_FMT("DEADBEEF", "%X", 0xdeadbeefU);
    CHECK_FMT("ffffffffffffffff", "%lx", ~0UL);
    CHECK_FMT("18446744073709551615", "%lu", ~0UL);
    CHECK_FMT("-9223372036854775808", "%ld", (long)(-9223372036854775807L - 1));
    CHECK_FMT("123456789abcdef0", "%llx", 0x123456789abcdef0ULL);
    CHECK_FMT("18446744073709551615", "%llu", ~0ULL);
    CHECK_FMT("-5", "%lld", -5LL);
    CHECK_FMT("4096", "%zu", (size_t)4096);
    CHECK_FMT("1000", "%zx", (size_t)4096);
    CHECK_FMT("-1", "%zd", (size_t)-1);
}

static void test_width_and_flags(void **state)
{
    (void)state;
    CHECK_FMT("   42", "%5d", 42);
    CHECK_FMT("42   |", "%-5d|", 42);
    CHECK_FMT("00042", "%05d", 42);
    CHECK_FMT("-0042", "%05d", -42);
    CHECK_FMT("  -42", "%5d", -42);
    CHECK_FMT("-42  |", "%-5d|", -42);
    CHECK_FMT("000000000000beef", "%016lx", 0xbeefUL);
    CHECK_FMT("0x00ff", "0x%04x", 0xffU);
    CHECK_FMT("12345", "%3d", 12345);          /* width smaller than the number */
    CHECK_FMT("ab   |", "%-5s|", "ab");
    CHECK_FMT("   ab", "%5s", "ab");
    CHECK_FMT("x    |", "%-5c|", 'x');
    CHECK_FMT("    x", "%5c", 'x');
    CHECK_FMT("0", "%x", 0U);
    CHECK_FMT("00000", "%05u", 0U);
}

static void test_strings_chars_pointers(void **state)
{
    (void)state;
    CHECK_FMT("hello, world", "%s, %s", "hello", "world");
    {
        char b[16];

        assert_int_equal(unchecked_snprintf(b, sizeof(b), "%s", (const char *)NULL), 6);
        assert_string_equal(b, "(null)");
        /* Unknown conversions are printed literally; a lone '%' at the end is dropped. */
        assert_int_equal(unchecked_snprintf(b, sizeof(b), "%q"), 2);
        assert_string_equal(b, "%q");
        assert_int_equal(unchecked_snprintf(b, sizeof(b), "ab%"), 2);
        assert_string_equal(b, "ab");
    }
    CHECK_FMT("", "%s", "");
    CHECK_FMT("a-b", "%c-%c", 'a', 'b');
    CHECK_FMT("100%", "%d%%", 100);
    CHECK_FMT("%", "%%");
    CHECK_FMT("0x1000", "%p", (void *)0x1000);
    CHECK_FMT("0x0", "%p", (void *)0);
    CHECK_FMT("no conversions", "no conversions");
    CHECK_FMT("", "%s", "");
    CHECK_FMT("mixed 7 0x1f frame L2 ok", "mixed %u 0x%x frame %s %s", 7U, 0x1fU, "L2", "ok");
}

static void test_truncation(void **state)
{
    char b[8];
    size_t n;

    (void)state;
    memset(b, 'z', sizeof(b));
    n = pvmm_snprintf(b, sizeof(b), "%s", "0123456789");
    assert_int_equal(n, 10);
    assert_string_equal(b, "0123456");

    memset(b, 'z', sizeof(b));
    n = pvmm_snprintf(b, 1, "%d", 12345);
    assert_int_equal(n, 5);
    assert_int_equal(b[0], '\0');
    assert_int_equal(b[1], 'z');     /* nothing written beyond len */

    /* len 0: nothing written at all, the wanted length still returned. */
    memset(b, 'z', sizeof(b));
    n = pvmm_snprintf(b, 0, "%lx", 0xabcdefUL);
    assert_int_equal(n, 6);
    assert_int_equal(b[0], 'z');
    assert_int_equal(pvmm_snprintf(NULL, 0, "%05d|%s", 3, "abc"), 9);

    /* Exactly fitting output. */
    n = pvmm_snprintf(b, sizeof(b), "%07d", 1);
    assert_int_equal(n, 7);
    assert_string_equal(b, "0000001");
}

static void test_strlen_strcmp(void **state)
{
    (void)state;
    assert_int_equal(pvmm_strlen(""), 0);
    assert_int_equal(pvmm_strlen("type-conflict"), 13);
    assert_int_equal(pvmm_strcmp("abc", "abc"), 0);
    assert_true(pvmm_strcmp("abc", "abd") < 0);
    assert_true(pvmm_strcmp("abd", "abc") > 0);
    assert_true(pvmm_strcmp("ab", "abc") < 0);
    assert_true(pvmm_strcmp("abc", "ab") > 0);
    assert_true(pvmm_strcmp("", "a") < 0);
    assert_true(pvmm_strcmp("\xff", "a") > 0);   /* compared as unsigned char */
}

/* pvmm_log formats and reaches the platform's log hook. */
static char logged[256];
static enum pvmm_log_level logged_lvl;
static int nr_logged;

static void capture_log(void *ctx, enum pvmm_log_level lvl, const char *msg)
{
    (void)ctx;
    logged_lvl = lvl;
    nr_logged++;
    snprintf(logged, sizeof(logged), "%s", msg);
}

static void test_log(void **state)
{
    struct pvmm_platform plat;
    struct pvmm_state s;

    (void)state;
    memset(&plat, 0, sizeof(plat));
    memset(&s, 0, sizeof(s));
    s.plat = &plat;

    /* No log hook: nothing happens. */
    pvmm_log(&s, PVMM_LOG_WARN, "dropped %d", 1);
    assert_int_equal(nr_logged, 0);

    plat.log = capture_log;
    pvmm_log(&s, PVMM_LOG_WARN, "frame 0x%lx: %s", 0x1234UL, "busy");
    assert_int_equal(nr_logged, 1);
    assert_int_equal(logged_lvl, PVMM_LOG_WARN);
    assert_string_equal(logged, "frame 0x1234: busy");

    /* Long messages are truncated, never overflowing the stack buffer. */
    {
        char big[600];

        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        pvmm_log(&s, PVMM_LOG_ERROR, "%s", big);
        assert_int_equal(nr_logged, 2);
        assert_true(strlen(logged) < sizeof(big) - 1);
        assert_true(strlen(logged) > 100);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integers),
        cmocka_unit_test(test_width_and_flags),
        cmocka_unit_test(test_strings_chars_pointers),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_strlen_strcmp),
        cmocka_unit_test(test_log),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
