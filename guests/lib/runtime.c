/*
 * runtime.c: from _start to the test and back out.
 *
 * runtime_main() (called by head.S on the runtime's own stack):
 *   1. checks that the builder wrote the hypercall page; if not, it reports through a raw
 *      `syscall` (which is a hypercall from guest kernel mode wherever it runs) and stops;
 *   2. installs the trap table and the page allocator;
 *   3. runs test_main() and prints the single final result line (xtf_exit()).
 */
#include <xen/sched.h>
#include <xen/xen.h>

#include "console.h"
#include "hypercall.h"
#include "pagetable.h"
#include "runtime.h"
#include "string.h"
#include "traps.h"
#include "xtf.h"

/* Written by head.S before anything else runs. */
const start_info_t *start_info;
unsigned long boot_rsp;

unsigned long cmdline_uint(const char *key)
{
    const char *c = (const char *)start_info->cmd_line;
    size_t n = strnlen(key, 32);
    unsigned long v = 0;

    for (; *c; c++) {
        if (strncmp(c, key, n))
            continue;
        for (c += n; *c >= '0' && *c <= '9'; c++)
            v = v * 10 + (unsigned long)(*c - '0');
        return v;
    }
    return ~0UL;
}

bool hypercall_stub_ok(unsigned int nr)
{
    const uint8_t *stub = hypercall_page + 32 * nr;
    uint8_t want[32];
    unsigned int len;

    memset(want, 0xcc, sizeof(want));
    if (nr == __HYPERVISOR_iret) {
        static const uint8_t iret[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 0x17, 0, 0, 0, 0x0f, 0x05 };

        len = sizeof(iret);
        memcpy(want, iret, len);
    } else {
        static const uint8_t normal[] = { 0x51, 0x41, 0x53, 0xb8, 0, 0, 0, 0,
                                          0x0f, 0x05, 0x41, 0x5b, 0x59, 0xc3 };

        len = sizeof(normal);
        memcpy(want, normal, len);
        want[4] = (uint8_t)nr;
    }
    return memcmp(stub, want, sizeof(want)) == 0;
}

/* A hypercall without the hypercall page: a bare SYSCALL from guest kernel mode. */
static long raw_hypercall3(unsigned long nr, unsigned long a1, unsigned long a2,
                           unsigned long a3)
{
    long res;

    asm volatile ("syscall"
                  : "=a" (res), "+D" (a1), "+S" (a2), "+d" (a3)
                  : "a" (nr)
                  : "memory", "rcx", "r11", "r8", "r10");
    return res;
}

__attribute__((noreturn)) static void no_hypercall_page(void)
{
    static const char msg[] =
        "ERROR: the builder did not write the hypercall page\nTest result: ERROR\n";
    struct sched_shutdown sd = { .reason = SHUTDOWN_poweroff };

    raw_hypercall3(__HYPERVISOR_console_io, CONSOLEIO_write, sizeof(msg) - 1,
                   (unsigned long)msg);
    for (;;)
        raw_hypercall3(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (unsigned long)&sd, 0);
}

void runtime_main(void);
__attribute__((noreturn)) void runtime_main(void)
{
    int rc;

    if (!hypercall_stub_ok(__HYPERVISOR_console_io) || !hypercall_stub_ok(__HYPERVISOR_iret) ||
        !hypercall_stub_ok(__HYPERVISOR_sched_op))
        no_hypercall_page();

    printk("--- PV64 test guest: %s ---\n", test_title);

    rc = traps_init();
    if (rc) {
        xtf_error("set_trap_table/callback_op failed: %d", rc);
        xtf_exit();
    }
    mm_init(boot_rsp);

    test_main();
    xtf_exit();
}
