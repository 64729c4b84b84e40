/*
 * hostile-iret-frames: the iret hypercall with forged frames; each one must end as on Xen 4.17
 * (the guest lands where the frame says, or takes the exception Xen gives it) and the
 * hypervisor must survive every one.
 *
 * The story. HYPERVISOR_iret takes a hardware-IRET-shaped frame from the guest's stack: flags,
 * rip, cs, rflags, rsp, ss. Xen forces RPL 3 on both selectors, drops IOPL and VM from rflags
 * (and sets IF, the saved IF becoming the event mask), and otherwise leaves the selectors to the
 * CPU: when its IRETQ back to the guest refuses one (null, past the GDT limit or the LDT, a
 * descriptor of the hypervisor's, not code, not writable data, DPL other than 3), the guest gets
 * that fault - #GP with the CPU's error code (the selector, or 0 for a null one) - on the frame
 * it tried to return to: rip the target, and the bad CS (RPL cleared, as in every kernel-mode
 * bounce) and SS (RPL 3) in it. CS is checked before SS. A frame returning to user mode with a
 * bad CS faults in user mode: the bounce switches to the kernel stack of stack_switch. A
 * non-canonical rip is #GP(0) at that rip, with RF set in the frame as for any fault; a rip in
 * the hypervisor's range is a #PF there. LDT selectors work: the LDT page is mapped lazily when
 * the IRETQ first reads it. Only the low 16 bits of a selector count; VGCF_in_syscall returns
 * with rcx = rip and r11 = rflags, as SYSRET would.
 *
 * The guest returns with a trap table of its own (each vector records its frame and goes back
 * to the test), runs every frame below, compares the outcome with Xen's and fails on a miss.
 */
#include "guest.h"

const char test_title[] = "iret hypercall with forged frames";

/* ---- landing and trap recording (assembly) ---- */

uint64_t land_cs, land_ss, land_flags, land_rcx, land_r11, land_rax, saved_rsp;
uint64_t trap_rec[10];          /* vector, has-error-code, then the bounce frame */
extern char landing[], probe_traps[];
long iret_frame(const uint64_t *frame);

/*
 * iret_frame(frame): the iret hypercall with the six words at frame (flags, rip, cs, rflags,
 * rsp, ss) and rax/r11/rcx = 0x1111/0x2222/0x3333. Returns 1 when the frame's rip is `landing`
 * and it ran (recording its selectors, flags and registers), 2 when a trap came instead
 * (trap_rec). Either way the caller's stack is back.
 */
asm (".pushsection .text\n"
     "iret_frame:\n"
     "  push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
     "  mov %rsp, saved_rsp(%rip)\n"
     "  mov %rdi, %rsp\n"
     "  mov $0x1111, %eax; mov $0x2222, %r11d; mov $0x3333, %ecx\n"
     "  jmp hypercall_page + 23 * 32\n"
     "landing:\n"
     "  mov %rcx, land_rcx(%rip)\n"
     "  mov %r11, land_r11(%rip)\n"
     "  mov %rax, land_rax(%rip)\n"
     "  mov saved_rsp(%rip), %rsp\n"
     "  mov %cs, %rcx; mov %rcx, land_cs(%rip)\n"
     "  mov %ss, %rcx; mov %rcx, land_ss(%rip)\n"
     "  pushfq; pop land_flags(%rip)\n"
     "  mov $1, %eax\n"
     "  jmp 9f\n"
     ".balign 16\n"
     "probe_traps:\n"
     ".irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21\n"
     ".balign 16\n"
     "  mov $\\v, %eax\n"
     "  jmp 1f\n"
     ".endr\n"
     "1: mov %rax, trap_rec(%rip)\n"
     "  xor %ecx, %ecx\n"
     "  cmp $8, %eax; je 2f\n"
     "  cmp $10, %eax; jb 3f\n"
     "  cmp $14, %eax; ja 3f\n"
     "2: mov $1, %ecx\n"
     "3: mov %rcx, trap_rec+8(%rip)\n"
     "  lea trap_rec+16(%rip), %rdi\n"
     "  mov %rsp, %rsi\n"
     "  mov $8, %ecx\n"
     "  rep movsq\n"
     "  mov saved_rsp(%rip), %rsp\n"
     "  mov $2, %eax\n"
     "9: pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
     "  ret\n"
     ".popsection\n");

static struct trap_info probe_table[23];

static long probe_traps_install(void)
{
    for (unsigned int v = 0; v < 22; v++) {
        probe_table[v].vector = (uint8_t)v;
        probe_table[v].flags = (v == 3 || v == 4) ? 3 : 0;
        probe_table[v].cs = FLAT_KERNEL_CS;
        probe_table[v].address = (unsigned long)probe_traps + 16 * v;
    }
    return hypercall_set_trap_table(probe_table);
}

/* ---- the cases ---- */

#define K_CS  0xe030UL          /* a kernel-mode return: FLAT_KERNEL_CS with RPL 0 */
#define K_SS  0xe02bUL
#define LAND  1
#define TRAP  2

struct iret_case {
    const char *name;
    uint64_t rip;               /* 0: `landing` */
    uint64_t cs, rflags, rsp, ss, flags;
    int outcome;                /* LAND or TRAP */
    /* LAND: the selectors and rflags found there; TRAP: the vector, error code and the
     * frame's cs, ss and rflags (its rip is the frame's rip, its rsp the frame's rsp). */
    uint64_t a, b, c, d, e;
};

static uint8_t stack_area[2 * 4096] __attribute__((aligned(16)));
static unsigned int misses;

static void miss(const char *name, const char *what, uint64_t got, uint64_t want)
{
    printk("MISS %s: %s %#lx, expected %#lx\n", name, what, got, want);
    misses++;
}

/* The frame goes at the top of a small stack: the iret stub pushes rax, r11 and rcx below it. */
static uint64_t frame_stack[16] __attribute__((aligned(16)));

static void run_case(const struct iret_case *c, uint64_t rsp)
{
    uint64_t *frame = &frame_stack[10];
    uint64_t rip = c->rip ? c->rip : (uint64_t)landing;
    uint64_t frsp = c->rsp ? c->rsp : rsp;
    const uint64_t *f = &trap_rec[2];        /* rcx, r11, [err], rip, cs, rflags, rsp, ss */
    long r;

    frame[0] = c->flags; frame[1] = rip; frame[2] = c->cs; frame[3] = c->rflags;
    frame[4] = frsp; frame[5] = c->ss;
    land_cs = land_ss = land_flags = land_rcx = land_r11 = land_rax = 0;
    memset(trap_rec, 0, sizeof(trap_rec));
    r = iret_frame(frame);
    vcpu0_info()->evtchn_upcall_mask = 0;
    if (r != c->outcome) {
        miss(c->name, r == LAND ? "landed, expected a trap: vector" : "trapped: vector",
             r == LAND ? 0 : trap_rec[0], r == LAND ? c->a : 0);
        return;
    }
    if (r == LAND) {
        if (land_cs != c->a) miss(c->name, "cs", land_cs, c->a);
        if (land_ss != c->b) miss(c->name, "ss", land_ss, c->b);
        if (land_flags != c->c) miss(c->name, "rflags", land_flags, c->c);
        if (land_rcx != c->d) miss(c->name, "rcx", land_rcx, c->d);
        if (land_r11 != c->e) miss(c->name, "r11", land_r11, c->e);
        if (land_rax != 0x1111) miss(c->name, "rax", land_rax, 0x1111);
        return;
    }
    if (trap_rec[0] != c->a) miss(c->name, "vector", trap_rec[0], c->a);
    if (!trap_rec[1] || f[2] != c->b) miss(c->name, "error code", f[2], c->b);
    if (f[3] != rip) miss(c->name, "frame rip", f[3], rip);
    if (f[4] != c->c) miss(c->name, "frame cs", f[4], c->c);
    if (f[5] != c->e) miss(c->name, "frame rflags", f[5], c->e);
    if (f[6] != frsp) miss(c->name, "frame rsp", f[6], frsp);
    if (f[7] != c->d) miss(c->name, "frame ss", f[7], c->d);
}

/* Xen 4.17's answers (measured under QEMU TCG, which applies the same CPU checks). */
static const struct iret_case kernel_cases[] = {
    { "plain", 0, K_CS, 0x202, 0, K_SS, 0, LAND, 0xe033, 0xe02b, 0x202, 0x3333, 0x2222 },
    { "cs RPL 2 forced to 3", 0, 0xe032, 0x202, 0, K_SS, 0, LAND, 0xe033, 0xe02b, 0x202,
      0x3333, 0x2222 },
    { "ss RPL 0 forced to 3", 0, K_CS, 0x202, 0, 0xe028, 0, LAND, 0xe033, 0xe02b, 0x202,
      0x3333, 0x2222 },
    { "selectors: only the low 16 bits", 0, 0x12340000e030UL, 0x202, 0, 0xffff0000e02bUL, 0,
      LAND, 0xe033, 0xe02b, 0x202, 0x3333, 0x2222 },
    { "ss null", 0, K_CS, 0x202, 0, 0, 0, TRAP, 13, 0, 0xe030, 0x3, 0x202 },
    { "ss a code segment", 0, K_CS, 0x202, 0, 0xe030, 0, TRAP, 13, 0xe030, 0xe030, 0xe033,
      0x202 },
    { "ss the hypervisor's data", 0, K_CS, 0x202, 0, 0xe010, 0, TRAP, 13, 0xe010, 0xe030,
      0xe013, 0x202 },
    { "ss GDT entry 1 (no GDT)", 0, K_CS, 0x202, 0, 0x8, 0, TRAP, 13, 0x8, 0xe030, 0xb, 0x202 },
    { "ss LDT entry 0 (no LDT)", 0, K_CS, 0x202, 0, 0x4, 0, TRAP, 13, 0x4, 0xe030, 0x7, 0x202 },
    { "ss entry 0xfff", 0, K_CS, 0x202, 0, 0x7ff8, 0, TRAP, 13, 0x7ff8, 0xe030, 0x7ffb, 0x202 },
    { "cs null", 0, 0, 0x202, 0, K_SS, 0, TRAP, 13, 0, 0, 0xe02b, 0x202 },
    { "cs the hypervisor's code", 0, 0xe008, 0x202, 0, K_SS, 0, TRAP, 13, 0xe008, 0xe008,
      0xe02b, 0x202 },
    { "cs the hypervisor's data", 0, 0xe010, 0x202, 0, K_SS, 0, TRAP, 13, 0xe010, 0xe010,
      0xe02b, 0x202 },
    { "cs a data segment", 0, 0xe028, 0x202, 0, K_SS, 0, TRAP, 13, 0xe028, 0xe028, 0xe02b,
      0x202 },
    { "cs GDT entry 1 (no GDT)", 0, 0x8, 0x202, 0, K_SS, 0, TRAP, 13, 0x8, 0x8, 0xe02b, 0x202 },
    { "cs LDT entry 0 (no LDT)", 0, 0x4, 0x202, 0, K_SS, 0, TRAP, 13, 0x4, 0x4, 0xe02b, 0x202 },
    { "cs entry 0x1fff", 0, 0xfff8, 0x202, 0, K_SS, 0, TRAP, 13, 0xfff8, 0xfff8, 0xe02b, 0x202 },
    { "cs and ss bad: cs first", 0, 0xe008, 0x202, 0, 0xe010, 0, TRAP, 13, 0xe008, 0xe008,
      0xe013, 0x202 },
    { "... events masked: the mask in the frame's cs", 0, 0xe008, 0x2, 0, 0xe010, 0, TRAP, 13,
      0xe008, 0x10000e008UL, 0xe013, 0x2 },
    { "rflags NT kept", 0, K_CS, 0x4202, 0, K_SS, 0, LAND, 0xe033, 0xe02b, 0x4202, 0x3333,
      0x2222 },
    { "rflags AC kept", 0, K_CS, 0x40202, 0, K_SS, 0, LAND, 0xe033, 0xe02b, 0x40202, 0x3333,
      0x2222 },
    { "rflags IOPL, VM, RF, reserved bits dropped", 0, K_CS, 0xffffffff00033202UL, 0, K_SS, 0,
      LAND, 0xe033, 0xe02b, 0x202, 0x3333, 0x2222 },
    { "rflags all but TF", 0, K_CS, ~0x100UL, 0, K_SS, 0, LAND, 0xe033, 0xe02b, 0x244ed7,
      0x3333, 0x2222 },
    { "VGCF_in_syscall: rcx = rip, r11 = rflags", 0, K_CS, 0x202, 0, K_SS, VGCF_in_syscall,
      LAND, 0xe033, 0xe02b, 0x202, 1, 0x202 },
    { "rsp non-canonical", 0, K_CS, 0x202, 0x0000800000000000UL, K_SS, 0, LAND, 0xe033, 0xe02b,
      0x202, 0x3333, 0x2222 },
    { "rip non-canonical", 0x0000800000000000UL, K_CS, 0x202, 0, K_SS, 0, TRAP, 13, 0, 0xe030,
      0xe02b, 0x10202 },
    { "rip non-canonical, top bit", 0x8000000000000000UL, K_CS, 0x202, 0, K_SS, 0, TRAP, 13, 0,
      0xe030, 0xe02b, 0x10202 },
    { "rip non-canonical, in_syscall", 0x0000800000000000UL, K_CS, 0x202, 0, K_SS,
      VGCF_in_syscall, TRAP, 13, 0, 0xe030, 0xe02b, 0x10202 },
    { "rip in the hypervisor's range", 0xffff800000000000UL, K_CS, 0x202, 0, K_SS, 0, TRAP, 14,
      PFEC_PRESENT | PFEC_INSN, 0xe030, 0xe02b, 0x10202 },
};

/* The LDT: entry 0 a 64-bit code segment, entry 1 a writable data segment, both DPL 3. */
static uint64_t ldt_page[512] __attribute__((aligned(4096)));

static long set_ldt(unsigned long va, unsigned int ents)
{
    struct mmuext_op op = { .cmd = MMUEXT_SET_LDT, .arg1.linear_addr = va, .arg2.nr_ents = ents };
    return hypercall_mmuext_op(&op, 1, NULL, DOMID_SELF);
}

static const struct iret_case ldt_cases[] = {
    { "cs and ss from the LDT", 0, 0x4, 0x202, 0, 0xc, 0, LAND, 0x7, 0xf, 0x202, 0x3333,
      0x2222 },
    { "ss past the LDT", 0, 0x4, 0x202, 0, 0x14, 0, TRAP, 13, 0x14, 0x4, 0x17, 0x202 },
    { "cs an LDT data segment", 0, 0xc, 0x202, 0, K_SS, 0, TRAP, 13, 0xc, 0xc, 0xe02b, 0x202 },
};

/* A return to user mode (cs RPL 3) with a CS the CPU refuses: #GP in user mode. */
static void user_mode_case(uint64_t user_rsp)
{
    const uint64_t *f = &trap_rec[2];
    uint64_t *frame = &frame_stack[10];
    const char *name = "user mode, cs the hypervisor's code";
    long r;

    frame[0] = 0; frame[1] = (uint64_t)user_syscall_arg; frame[2] = 0xe00b; frame[3] = 0x202;
    frame[4] = user_rsp; frame[5] = K_SS;
    memset(trap_rec, 0, sizeof(trap_rec));
    r = iret_frame(frame);
    if (r != TRAP) {
        miss(name, "outcome", (uint64_t)r, TRAP);
        return;
    }
    if (trap_rec[0] != 13) miss(name, "vector", trap_rec[0], 13);
    if (f[2] != 0xe008) miss(name, "error code", f[2], 0xe008);
    if (f[3] != (uint64_t)user_syscall_arg) miss(name, "frame rip", f[3], (uint64_t)user_syscall_arg);
    if (f[4] != 0xe00b) miss(name, "frame cs", f[4], 0xe00b);
    if (f[6] != user_rsp) miss(name, "frame rsp", f[6], user_rsp);
    if (f[7] != K_SS) miss(name, "frame ss", f[7], K_SS);
}

int test_main(void)
{
    uint64_t rsp = (uint64_t)&stack_area[sizeof(stack_area)], user_rsp;
    long rc;

    if ((rc = events_init()))             /* vcpu0_info(): the event mask of each frame */
        return xtf_error("events_init: %ld", rc);

    for (unsigned int i = 0; i < ARRAY_SIZE(kernel_cases); i++) {
        /* The in_syscall case lands with rcx = rip = landing. */
        struct iret_case c = kernel_cases[i];
        if (c.outcome == LAND && c.d == 1)
            c.d = (uint64_t)landing;
        if ((rc = probe_traps_install()))
            return xtf_error("set_trap_table: %ld", rc);
        run_case(&c, rsp);
    }

    ldt_page[0] = 0x00affa000000ffffUL;     /* 64-bit code, DPL 3 */
    ldt_page[1] = 0x00cff2000000ffffUL;     /* writable data, DPL 3 */
    if ((rc = pt_make_ro(ldt_page)) || (rc = set_ldt((unsigned long)ldt_page, 2)))
        return xtf_error("LDT set-up: %ld", rc);
    for (unsigned int i = 0; i < ARRAY_SIZE(ldt_cases); i++)
        run_case(&ldt_cases[i], rsp);
    if ((rc = set_ldt(0, 0)))
        return xtf_error("LDT removal: %ld", rc);

    if (!(user_rsp = user_space_minimal()))
        return xtf_error("no user space");
    if ((rc = user_init()))
        return xtf_error("user_init: %ld", rc);
    user_mode_case(user_rsp);

    hypercall_set_trap_table(NULL);
    if ((rc = hypercall_set_trap_table(runtime_trap_table())))
        return xtf_error("trap table back: %ld", rc);
    if (misses)
        return xtf_failure("%u answers differ from Xen 4.17", misses);
    return xtf_success();
}
