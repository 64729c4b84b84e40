/*
 * xtf.h: what a test guest provides and the XTF-style result API it reports through.
 *
 * A test defines `test_title` and `test_main()`. The runtime boots, installs the trap table
 * and the memory toolkit, calls test_main() and then prints exactly one final line,
 *
 *     Test result: SUCCESS | SKIP | ERROR | FAILURE
 *
 * and powers the domain off. Severities, from mild to severe:
 *   SUCCESS  everything the test checked behaved as expected;
 *   SKIP     the test could not run here (missing feature), nothing wrong was seen;
 *   ERROR    the test itself is broken (an unexpected setup failure);
 *   FAILURE  the thing under test (the hypervisor) misbehaved.
 * Several reports combine to the most severe one. The reporting functions print their message
 * and return an int so that a test can write `return xtf_failure("...")`.
 */
#ifndef GUEST_XTF_H
#define GUEST_XTF_H

#include "console.h"

enum xtf_status {
    XTF_RUNNING,
    XTF_SUCCESS,
    XTF_SKIP,
    XTF_ERROR,
    XTF_FAILURE,
};

/* Provided by each test. */
extern const char test_title[];
int test_main(void);

int xtf_success(void);
int xtf_skip(const char *fmt, ...) PRINTF_FMT(1, 2);
int xtf_error(const char *fmt, ...) PRINTF_FMT(1, 2);
int xtf_failure(const char *fmt, ...) PRINTF_FMT(1, 2);

/* In test_main or a helper returning int: fail the test unless expr gives want. */
#define XTF_EXPECT_RC(expr, want, what)                                           \
    do {                                                                          \
        long rc_ = (expr);                                                        \
        if (rc_ != (want))                                                        \
            return xtf_failure("%s: %ld, expected %ld", what, rc_, (long)(want)); \
    } while (0)

/* The status so far. */
enum xtf_status xtf_status(void);

/* Print the final result line and shut the domain down (poweroff). Does not return. */
__attribute__((noreturn)) void xtf_exit(void);
/* If set, xtf_exit calls it after the result line instead of SCHEDOP_shutdown (a test of
 * another way to power off); SCHEDOP_shutdown follows if it returns. */
extern void (*xtf_power_off)(void);

#endif /* GUEST_XTF_H */
