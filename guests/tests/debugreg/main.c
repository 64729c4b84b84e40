/*
 * debugreg: the debug registers of a PV vCPU - mov to/from %dr0-%dr7 (emulated) and the
 * set_debugreg/get_debugreg hypercalls - with Xen's rules on what a guest may load.
 *
 * The story. A guest's debug registers end up in the real ones while it runs, so Xen refuses
 * what would let the guest watch the hypervisor: a breakpoint address in the hypervisor's half
 * (-EPERM; #GP(0) for mov), DR7.GD (general detect, which would fault the hypervisor's own
 * debug-register accesses; -EPERM), I/O breakpoints unless the guest's CR4.DE is set, and bits
 * above 31 of DR6/DR7 (-EINVAL: writing them to the hardware faults). XSA-260 (a #DB held across
 * mov ss into the SYSCALL entry) and XSA-265 (a guest able to trigger the #DB handler's safety
 * check) are about breakpoints firing in hypervisor context; the last part checks that a
 * breakpoint on a buffer the hypervisor writes for the guest is survived and reported the same.
 * Linux, meanwhile, uses DR0-DR3 as scratch registers (hw_breakpoint restores them).
 *
 * Measured on Xen 4.17 (and asserted here):
 *   - start: DR0-3 = 0, DR6 = 0xffff0ff0, DR7 = 0x400; get_debugreg(4/5) alias DR6/DR7;
 *     get/set of register 8 or -1 is -ENODEV;
 *   - DR0-3 keep any address below 2^47 (even 0x7fffffffffff) or from 0xffff880000000000 on;
 *     0x0000800000000000 and 0xffff800000000000-0xffff87ffffffffff give -EPERM, unchanged;
 *   - DR6 reads back (value | 0xffff0ff0) & ~0x1000; DR7 reads back (value & ~0xd800) | 0x400;
 *     a value above 32 bits is -EINVAL for both; DR7.GD is -EPERM;
 *   - an enabled breakpoint of type I/O (RW = 10) is -EPERM while CR4.DE is clear; with CR4.DE
 *     it is taken and reads back; a disabled one is taken either way;
 *   - with CR4.DE, DR4/DR5 are -ENODEV (hypercalls) and #UD (mov); without, they alias;
 *   - mov %drN, %reg and mov %reg, %drN do what the hypercalls do; a refused value is #GP(0),
 *     %dr8 (REX.R) is #UD; in user mode every mov %dr is #GP(0).
 */
#include "guest.h"
#include <xen/version.h>

const char test_title[] = "debug registers: DR0-3 scratch, DR6/DR7 rules, mov %dr";

#define DR6_DEFAULT  0xffff0ff0UL
#define DR7_DEFAULT  0x400UL
#define CR4_DE       (1UL << 3)

static long set_dr(long reg, unsigned long v)
{
    return _hypercall2(__HYPERVISOR_set_debugreg, reg, v);
}

static long get_dr(long reg)
{
    return _hypercall1(__HYPERVISOR_get_debugreg, reg);
}

#define TRAPS(insn, ...) ({ unsigned long b_ = fault_count;                        \
    asm volatile ("1: " insn "\n2:\n" ASM_EXTABLE(1b, 2b) __VA_ARGS__ : "memory");   \
    fault_count != b_; })

static void expect_dr(const char *what, long reg, unsigned long want)
{
    long got = get_dr(reg);

    if ((unsigned long)got != want)
        xtf_failure("%s: DR%ld reads %#lx, expected %#lx", what, reg, got, want);
}

static void expect_set(const char *what, long reg, unsigned long v, long want_rc,
                       unsigned long want_val)
{
    long rc = set_dr(reg, v);

    if (rc != want_rc)
        xtf_failure("%s: set_debugreg(%ld, %#lx) = %ld, expected %ld", what, reg, v, rc,
                    want_rc);
    expect_dr(what, reg, want_val);
}

static void initial_state(void)
{
    for (long i = 0; i < 4; i++)
        expect_dr("initial", i, 0);
    expect_dr("initial", 6, DR6_DEFAULT);
    expect_dr("initial", 7, DR7_DEFAULT);
    expect_dr("initial DR4 (DR6)", 4, DR6_DEFAULT);
    expect_dr("initial DR5 (DR7)", 5, DR7_DEFAULT);
    if (get_dr(8) != -XEN_ENODEV || get_dr(-1) != -XEN_ENODEV)
        xtf_failure("get_debugreg(8/-1): %ld %ld, expected -ENODEV", get_dr(8), get_dr(-1));
    if (set_dr(8, 0) != -XEN_ENODEV || set_dr(-1, 0) != -XEN_ENODEV)
        xtf_failure("set_debugreg(8/-1) not -ENODEV");
}

/* DR0-DR3 as scratch: any guest address, never one in the hypervisor's half. */
static void addresses(void)
{
    static const unsigned long ok[] = {
        0x1000, 0x00007ffffffffff8UL, 0x00007fffffffffffUL, 0xffff880000000000UL,
        0xffffffffffffffffUL, 0x123456789aUL,
    };
    static const unsigned long bad[] = {
        0x0000800000000000UL, 0xffff800000000000UL, 0xffff82d040000000UL,
        0xffff87ffffffffffUL,
    };

    for (long r = 0; r < 4; r++) {
        for (unsigned int i = 0; i < ARRAY_SIZE(ok); i++)
            expect_set("a guest address", r, ok[i], 0, ok[i]);
        for (unsigned int i = 0; i < ARRAY_SIZE(bad); i++)
            expect_set("a hypervisor address", r, bad[i], -XEN_EPERM, ok[ARRAY_SIZE(ok) - 1]);
    }
    /* Scratch values survive a trip through the hypervisor and each other. */
    for (long r = 0; r < 4; r++)
        set_dr(r, 0xc0de0000UL + (unsigned long)r);
    hypercall_xen_version(XENVER_version, NULL);
    for (long r = 0; r < 4; r++)
        expect_dr("scratch", r, 0xc0de0000UL + (unsigned long)r);
}

static void status_and_control(void)
{
    static const struct { unsigned long v, dr6; } s6[] = {
        { 0, DR6_DEFAULT }, { 0xf, 0xffff0fffUL }, { 0x1000, DR6_DEFAULT },
        { 0x4000, 0xffff4ff0UL }, { 0x8000, 0xffff8ff0UL }, { 0x2000, 0xffff2ff0UL },
        { 0x10000, DR6_DEFAULT },
    };
    static const struct { unsigned long v, dr7; long rc; } s7[] = {
        { 0, DR7_DEFAULT, 0 }, { 0x800, DR7_DEFAULT, 0 }, { 0x1000, DR7_DEFAULT, 0 },
        { 0x4000, DR7_DEFAULT, 0 }, { 0x8000, DR7_DEFAULT, 0 }, { 0x300, 0x700, 0 },
        { 0x100, 0x500, 0 }, { 0xffff0000UL, 0xffff0400UL, 0 }, { 0x30000, 0x30400, 0 },
        { 0xf0001, 0xf0401, 0 }, { 0x20000, 0x20400, 0 },
    };

    for (unsigned int i = 0; i < ARRAY_SIZE(s6); i++)
        expect_set("DR6", 6, s6[i].v, 0, s6[i].dr6);
    expect_set("DR6 above 32 bits", 6, ~0UL, -XEN_EINVAL, s6[ARRAY_SIZE(s6) - 1].dr6);
    expect_set("DR6 above 32 bits", 6, 0xffffffff00000000UL, -XEN_EINVAL,
               s6[ARRAY_SIZE(s6) - 1].dr6);
    set_dr(0, 0x1000);
    for (unsigned int i = 0; i < ARRAY_SIZE(s7); i++)
        expect_set("DR7", 7, s7[i].v, s7[i].rc, s7[i].dr7);
    expect_set("DR7.GD", 7, 0x2000, -XEN_EPERM, 0x20400);
    expect_set("DR7 above 32 bits", 7, ~0UL, -XEN_EINVAL, 0x20400);
    expect_set("DR7 above 32 bits", 7, 0xffffffff00000000UL, -XEN_EINVAL, 0x20400);
    expect_set("an enabled I/O breakpoint without CR4.DE", 7, 0x20002, -XEN_EPERM, 0x20400);
    /* DR4/DR5 alias DR6/DR7 while CR4.DE is clear. */
    expect_set("DR4 as DR6", 4, 0x1, 0, 0xffff0ff1UL);
    expect_dr("DR6 after DR4", 6, 0xffff0ff1UL);
    expect_set("DR5 as DR7", 5, 0x1, 0, 0x401);
    expect_dr("DR7 after DR5", 7, 0x401);
    set_dr(7, 0);
    set_dr(6, 0);
}

/* With CR4.DE: I/O breakpoints allowed, DR4/DR5 gone. */
static void debugging_extensions(void)
{
    unsigned long cr4, v = 0;

    asm volatile ("mov %%cr4, %0" : "=r" (cr4));
    asm volatile ("mov %0, %%cr4" : : "r" (cr4 | CR4_DE));
    if (get_dr(4) != -XEN_ENODEV || get_dr(5) != -XEN_ENODEV)
        xtf_failure("CR4.DE: get_debugreg(4/5) = %ld %ld, expected -ENODEV", get_dr(4),
                    get_dr(5));
    if (set_dr(4, 0) != -XEN_ENODEV || set_dr(5, 0) != -XEN_ENODEV)
        xtf_failure("CR4.DE: set_debugreg(4/5) not -ENODEV");
    if (!TRAPS("mov %%dr4, %0", : "+r" (v) :) || last_fault.vector != X86_EXC_UD)
        xtf_failure("CR4.DE: mov %%dr4 did not give #UD");
    expect_set("an I/O breakpoint with CR4.DE", 7, 0x20002, 0, 0x20402);
    asm volatile ("mov %0, %%cr4" : : "r" (cr4));
    expect_dr("the I/O breakpoint after clearing CR4.DE", 7, 0x20402);
    expect_set("an I/O breakpoint without CR4.DE", 7, 0x20002, -XEN_EPERM, 0x20402);
    set_dr(7, 0);
}

asm (".pushsection .user.text, \"ax\", @progbits\n"
     ".globl user_mov_dr0\n"
     "user_mov_dr0:\n"
     "    mov %dr0, %rax\n"
     "    syscall\n"
     "    ud2\n"
     ".popsection\n");
extern char user_mov_dr0[];

static void mov_forms(void)
{
    unsigned long v = 0;
    struct user_result res;
    unsigned long stack;

    set_dr(1, 0x1111);
    if (TRAPS("mov %%dr1, %0", : "+r" (v) :) || v != 0x1111)
        xtf_failure("mov %%dr1: %#lx", v);
    v = 0x2222;
    if (TRAPS("mov %0, %%dr2", : : "r" (v)))
        xtf_failure("mov to %%dr2 faulted");
    expect_dr("after mov to %dr2", 2, 0x2222);
    {
        register unsigned long r9 asm ("r9") = 0x3333;   /* REX.B: a register above 7 */

        if (TRAPS("mov %0, %%dr3", : : "r" (r9)))
            xtf_failure("mov %%r9 to %%dr3 faulted");
    }
    if (0)
        xtf_failure("mov %%r9 to %%dr3 faulted");
    expect_dr("after mov %r9 to %dr3", 3, 0x3333);
    v = 0;
    if (TRAPS("mov %%dr7, %0", : "+r" (v) :) || v != DR7_DEFAULT)
        xtf_failure("mov %%dr7: %#lx", v);
    if (TRAPS("mov %%dr6, %0", : "+r" (v) :) || v != DR6_DEFAULT)
        xtf_failure("mov %%dr6: %#lx", v);
    v = 0xffff800000000000UL;
    if (!TRAPS("mov %0, %%dr0", : : "r" (v)) || last_fault.vector != X86_EXC_GP ||
        last_fault.error_code != 0)
        xtf_failure("mov of a hypervisor address to %%dr0: no #GP(0)");
    v = 0x2400;
    if (!TRAPS("mov %0, %%dr7", : : "r" (v)) || last_fault.vector != X86_EXC_GP)
        xtf_failure("mov of DR7.GD: no #GP(0)");
    v = ~0UL;
    if (!TRAPS("mov %0, %%dr6", : : "r" (v)) || last_fault.vector != X86_EXC_GP)
        xtf_failure("mov of a 64-bit DR6: no #GP(0)");
    if (!TRAPS(".byte 0x44, 0x0f, 0x21, 0xc0", : "+a" (v) :) ||
        last_fault.vector != X86_EXC_UD)
        xtf_failure("mov %%dr8, %%rax: no #UD");
    if (!TRAPS(".byte 0x44, 0x0f, 0x23, 0xc0", : "+a" (v) :) ||
        last_fault.vector != X86_EXC_UD)
        xtf_failure("mov %%rax, %%dr8: no #UD");

    if (user_init())
        return (void)xtf_error("user_init failed");
    stack = user_space_minimal();
    if (!stack)
        return;
    user_run((unsigned long)user_mov_dr0, stack, 0, &res);
    if (!res.faulted || res.fault.vector != X86_EXC_GP || res.fault.error_code != 0)
        xtf_failure("mov %%dr0 in user mode: %s, expected #GP(0)",
                    res.faulted ? exception_name(res.fault.vector) : "no fault");
}

/*
 * A breakpoint the guest set on a buffer the hypervisor writes for it (XSA-260/265
 * territory): the hypercall completes, the hypervisor survives.
 */
static void breakpoint_on_hypercall_buffer(void)
{
    static char buf[64] __attribute__((aligned(64)));
    long rc;

    set_dr(0, (unsigned long)buf);
    set_dr(6, 0);
    rc = set_dr(7, 0x000d0002UL);          /* G0, write, 4 bytes */
    if (rc)
        return (void)xtf_failure("arming a data breakpoint: %ld", rc);
    rc = hypercall_xen_version(XENVER_extraversion, buf);
    printk("  xen_version into a watched buffer: rc %ld, DR6 %#lx\n", rc, get_dr(6));
    if (rc != 0)
        xtf_failure("xen_version into a watched buffer: %ld", rc);
    set_dr(7, 0);
}

int test_main(void)
{
    initial_state();
    addresses();
    status_and_control();
    debugging_extensions();
    mov_forms();
    breakpoint_on_hypercall_buffer();
    return xtf_status() == XTF_RUNNING ? xtf_success() : 0;
}
