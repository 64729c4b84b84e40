/*
 * hv/selftest/main.c - pvmm-hv's bring-up guest: the hypervisor-specific corners of the
 * PV64 boot ABI, checked from inside a guest that needs nothing but the hypercall page.
 *
 * It is deliberately independent of guests/lib, so that the hypervisor can be brought up
 * (and bisected) without the full guest runtime.  Each check prints one line; the run ends
 * with the usual "Test result:" line and SCHEDOP_shutdown(poweroff).  It passes on real Xen
 * too (xen-run, CONTRIBUTING.md), which is how its expectations were chosen:
 *   - the hypercall page holds Xen's exact stub bytes (boot-ABI §1.6);
 *   - forced-emulation CPUID works before any trap table exists and reports "XenVMMXenVMM";
 *   - int3 is a trap through the trap table; `int $n` needs DPL >= 1 in the trap table, else
 *     #GP((n<<3)|2) at the instruction; a genuine ud2 is #UD at the ud2 (§9.5, §10);
 *   - the iret hypercall to a non-canonical rip gives #GP(0) with that rip (§7.2);
 *   - cli with virtual IOPL 0 is #GP(0); mov from %cr3 gives the L4's machine address (§11);
 *   - bad guest pointers give -EFAULT, unknown hypercalls -ENOSYS, a nested multicall entry
 *     -EINVAL (§12.5), a non-canonical trap handler -EINVAL.
 */
#include <stdint.h>
#include <stddef.h>
#include <xen/xen.h>
#include <xen/errno.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/callback.h>

extern uint8_t hypercall_page[];
extern volatile uint64_t fault_vec, fault_err, fault_rip, fault_count, recover_rip;
extern start_info_t *start_info_va;
extern char handler_3[], handler_6[], handler_13[], handler_14[], handler_32[];
extern char syscall_cb[], user_loop[], kstack_top[], ustack_top[];
uint64_t saved_ksp;

void selftest_main(void);

static int failures;

static long hcall4(unsigned int nr, long a1, long a2, long a3, long a4)
{
    register long r10 __asm__("r10") = a4;
    register long r8 __asm__("r8") = 0;
    long ret;
    __asm__ volatile("call *%[fn]"
                     : "=a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
                     : [fn] "r"(hypercall_page + nr * 32)
                     : "rcx", "r11", "memory");
    return ret;
}

static long hcall(unsigned int nr, long a1, long a2, long a3)
{
    return hcall4(nr, a1, a2, a3, 0);
}

static size_t slen(const char *s)
{
    size_t n = 0;
    while (s[n])
        n++;
    return n;
}

static void puts_raw(const char *s)
{
    hcall(__HYPERVISOR_console_io, CONSOLEIO_write, (long)slen(s), (long)s);
}

static void put_hex(uint64_t v)
{
    char buf[19] = "0x";
    for (int i = 0; i < 16; i++)
        buf[2 + i] = "0123456789abcdef"[(v >> (60 - 4 * i)) & 15];
    buf[18] = 0;
    puts_raw(buf);
}

static void check(int ok, const char *what, uint64_t got)
{
    puts_raw(ok ? "ok      " : "FAILED  ");
    puts_raw(what);
    puts_raw(" (");
    put_hex(got);
    puts_raw(")\n");
    if (!ok)
        failures++;
}

static void check_hypercall_page(void)
{
    static const uint8_t s18[] = { 0x51, 0x41, 0x53, 0xb8, 0x12, 0, 0, 0, 0x0f, 0x05,
                                   0x41, 0x5b, 0x59, 0xc3, 0xcc };
    static const uint8_t s23[] = { 0x51, 0x41, 0x53, 0x50, 0xb8, 0x17, 0, 0, 0, 0x0f, 0x05,
                                   0xcc };
    int ok = 1;
    for (unsigned int i = 0; i < sizeof(s18); i++)
        ok &= hypercall_page[18 * 32 + i] == s18[i];
    for (unsigned int i = 0; i < sizeof(s23); i++)
        ok &= hypercall_page[23 * 32 + i] == s23[i];
    check(ok, "hypercall page stubs 18 and 23 are Xen's bytes", hypercall_page[18 * 32 + 4]);
}

static void check_forced_cpuid(void)
{
    uint32_t a = 0x40000000, b, c = 0, d;
    __asm__ volatile(".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e; cpuid"
                     : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    check(b == 0x566e6558 && c == 0x65584d4d && d == 0x4d4d566e,
          "forced-emulation CPUID 0x40000000 says XenVMMXenVMM", b);
    a = 1;
    c = 0;
    __asm__ volatile(".byte 0x0f, 0x0b, 0x78, 0x65, 0x6e; cpuid"
                     : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    check(c >> 31, "forced-emulation CPUID leaf 1 has the hypervisor bit", c);
}

static void set_traps(void)
{
    struct trap_info t[] = {
        { 3, 3, FLAT_KERNEL_CS, 0, (uint64_t)handler_3 },
        { 6, 0, FLAT_KERNEL_CS, 0, (uint64_t)handler_6 },
        { 13, 0, FLAT_KERNEL_CS, 0, (uint64_t)handler_13 },
        { 14, 0, FLAT_KERNEL_CS, 0, (uint64_t)handler_14 },
        { 32, 3, FLAT_KERNEL_CS, 0, (uint64_t)handler_32 },
        { 0, 0, 0, 0, 0 },
    };
    check(hcall(__HYPERVISOR_set_trap_table, (long)t, 0, 0) == 0, "set_trap_table", 0);
    struct trap_info bad[] = { { 7, 0, FLAT_KERNEL_CS, 0, 0x0000800000000000UL }, { 0 } };
    long rc = hcall(__HYPERVISOR_set_trap_table, (long)bad, 0, 0);
    check(rc == -XEN_EINVAL, "set_trap_table with a non-canonical handler: -EINVAL", (uint64_t)rc);
}

/* Run `insn` with recovery at the following label; returns the number of faults taken. */
#define PROBE(insn)                                                                \
    ({                                                                             \
        uint64_t before = fault_count;                                             \
        __asm__ volatile("lea 1f(%%rip), %%rax\n\t"                                \
                         "mov %%rax, recover_rip(%%rip)\n\t"                       \
                         "2: " insn "\n"                                           \
                         "1:\n\t"                                                  \
                         "movq $0, recover_rip(%%rip)"                             \
                         ::: "rax", "rbx", "rcx", "r11", "memory");                \
        fault_count - before;                                                      \
    })

static void check_traps(void)
{
    uint64_t n;

    n = PROBE("int3");
    check(n == 1 && fault_vec == 3, "int3 is bounced as #BP", fault_vec);
    n = PROBE("int $0x21");
    check(n == 1 && fault_vec == 13 && fault_err == ((0x21 << 3) | 2),
          "int $0x21 with no DPL gives #GP(0x10a)", fault_err);
    n = PROBE("int $0x20");
    check(n == 1 && fault_vec == 32, "int $0x20 with DPL 3 is delivered as vector 0x20", fault_vec);
    n = PROBE("ud2; .byte 0x78, 0x65, 0x6e, 0x90");
    check(n == 1 && fault_vec == 6, "ud2 \"xen\" nop is #UD", fault_vec);
    n = PROBE("cli");
    check(n == 1 && fault_vec == 13 && fault_err == 0, "cli with virtual IOPL 0 is #GP(0)", fault_err);

    /* The iret hypercall to a non-canonical rip, kernel to kernel (cs RPL 0). */
    n = PROBE("mov %%rsp, %%rax\n\t"
              "pushq $0xe02b\n\t"
              "push %%rax\n\t"
              "pushfq\n\t"
              "pushq $0xe030\n\t"
              "movabs $0x0000800000000000, %%rax\n\t"
              "push %%rax\n\t"
              "pushq $0\n\t"
              "jmp hypercall_page + 23 * 32");
    check(n == 1 && fault_vec == 13 && fault_err == 0 && fault_rip == 0x0000800000000000UL,
          "iret to a non-canonical rip gives #GP(0) with that rip", fault_rip);
}

static void check_hypercalls(void)
{
    long rc;
    uint64_t pp = 0;

    rc = hcall(__HYPERVISOR_xen_version, XENVER_platform_parameters, (long)&pp, 0);
    check(rc == 0 && pp == HYPERVISOR_VIRT_START, "XENVER_platform_parameters", pp);
    rc = hcall(__HYPERVISOR_xen_version, XENVER_pagesize, 0, 0);
    check(rc == 4096, "XENVER_pagesize", (uint64_t)rc);
    rc = hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 8, (long)0xffff82d040100000UL);
    check(rc == -XEN_EFAULT, "console_io from a hypervisor address: -EFAULT", (uint64_t)rc);
    rc = hcall(__HYPERVISOR_console_io, CONSOLEIO_write, 8, 0x00007fff00000000L);
    check(rc == -XEN_EFAULT, "console_io from an unmapped address: -EFAULT", (uint64_t)rc);

    long r64;
    __asm__ volatile("syscall" : "=a"(r64) : "a"(64L) : "rcx", "r11", "memory");
    check(r64 == -XEN_ENOSYS, "hypercall 64: -ENOSYS", (uint64_t)r64);

    struct multicall_entry mc[2] = {
        { __HYPERVISOR_xen_version, 0, { XENVER_version, 0, 0, 0, 0, 0 } },
        { __HYPERVISOR_multicall, 0, { 0, 0, 0, 0, 0, 0 } },
    };
    rc = hcall(__HYPERVISOR_multicall, (long)mc, 2, 0);
    check(rc == 0 && (mc[0].result >> 16) >= 3 && (long)mc[1].result == -XEN_EINVAL,
          "multicall: version, then a nested multicall gives -EINVAL", mc[1].result);

    struct callback_register cb = { CALLBACKTYPE_syscall, 0, 0, (uint64_t)handler_32 };
    rc = hcall(__HYPERVISOR_callback_op, CALLBACKOP_register, (long)&cb, 0);
    check(rc == 0, "callback_op register syscall", (uint64_t)rc);
    cb.type = CALLBACKTYPE_sysenter_deprecated;
    rc = hcall(__HYPERVISOR_callback_op, CALLBACKOP_register, (long)&cb, 0);
    check(rc == -XEN_ENOSYS, "callback_op register sysenter_deprecated: -ENOSYS", (uint64_t)rc);

    uint64_t cr3;
    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    uint64_t pfn = ((const volatile uint64_t *)MACH2PHYS_VIRT_START)[cr3 >> 12];
    check(pfn == start_info_va->pt_base >> 12, "mov from %cr3 is the L4's machine address", cr3);
}

static uint64_t tsc(void)
{
    uint32_t lo, hi;
    __asm__ volatile("lfence; rdtsc; lfence" : "=a"(lo), "=d"(hi));
    return ((uint64_t)hi << 32) | lo;
}

/* Informational: TSC ticks per xen_version round trip (instructions under -icount). */
static void time_null_hypercall(void)
{
    uint64_t t0 = tsc();
    for (int i = 0; i < 1000; i++)
        hcall(__HYPERVISOR_xen_version, XENVER_version, 0, 0);
    uint64_t t1 = tsc();
    puts_raw("info    null hypercall round trip, ticks per call: ");
    put_hex((t1 - t0) / 1000);
    puts_raw("\n");
}

/*
 * Enter user mode (user L4 = the kernel L4) and run 1000 user syscalls, each bounced to
 * syscall_cb and returned with the iret hypercall; a final ud2 brings us back.
 */
static void check_user_round_trip(void)
{
    struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR };
    uint64_t cr3, t0, t1, n;
    long rc;

    __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
    op.arg1.mfn = cr3 >> 12;
    rc = hcall4(__HYPERVISOR_mmuext_op, (long)&op, 1, 0, DOMID_SELF);
    check(rc == 0, "MMUEXT_NEW_USER_BASEPTR with the kernel L4", (uint64_t)rc);
    rc = hcall(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, (long)kstack_top, 0);
    struct callback_register cb = { CALLBACKTYPE_syscall, 0, 0, (uint64_t)syscall_cb };
    rc |= hcall(__HYPERVISOR_callback_op, CALLBACKOP_register, (long)&cb, 0);
    check(rc == 0, "stack_switch and the syscall callback", (uint64_t)rc);

    t0 = tsc();
    n = PROBE("mov %%rsp, saved_ksp(%%rip)\n\t"
              "mov $1000, %%ebx\n\t"
              "pushq $0xe02b\n\t"
              "lea ustack_top(%%rip), %%rax\n\t"
              "push %%rax\n\t"
              "pushq $0x202\n\t"
              "pushq $0xe033\n\t"
              "lea user_loop(%%rip), %%rax\n\t"
              "push %%rax\n\t"
              "pushq $0\n\t"
              "jmp hypercall_page + 23 * 32\n\t"
              "1: mov saved_ksp(%%rip), %%rsp\n\t"
              "jmp 1f");
    t1 = tsc();
    check(n == 1 && fault_vec == 6, "1000 user syscalls, then ud2 from user mode is #UD", fault_vec);
    puts_raw("info    user->kernel->user syscall round trip, ticks: ");
    put_hex((t1 - t0) / 1000);
    puts_raw("\n");
}

void selftest_main(void)
{
    struct sched_shutdown sd = { SHUTDOWN_poweroff };

    puts_raw("--- pvmm-hv selftest ---\n");
    check_hypercall_page();
    check_forced_cpuid();
    set_traps();
    check_traps();
    check_hypercalls();
    time_null_hypercall();
    check_user_round_trip();
    puts_raw(failures ? "Test result: FAILURE\n" : "Test result: SUCCESS\n");
    for (;;)
        hcall(__HYPERVISOR_sched_op, SCHEDOP_shutdown, (long)&sd, 0);
}
