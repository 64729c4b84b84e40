/*
 * tests/test-ptwr-insn.c - the trapped-write decoder and executor (hv/ptwr-decode.c,
 * hv/ptwr-exec.c), hosted.
 *
 * One table: instruction bytes and the state before -> length, operand width and address,
 * what is stored (or nothing), registers, flags and rip after. Then a table of byte strings
 * that must not decode (reads, register operands, unknown or truncated instructions).
 * The same forms run on a real L1 under pvmm-hv and Xen in the ptwr-instruction-forms guest.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "../hv/ptwr-insn.h"

#define CF 0x001UL
#define PF 0x004UL
#define AF 0x010UL
#define ZF 0x040UL
#define SF 0x080UL
#define DF 0x400UL
#define OF 0x800UL
#define ARITH (CF | PF | AF | ZF | SF | OF)

#define RIP   0x100000UL
#define ADDR  0x10000UL

struct reg_val { int reg; uint64_t val; };

struct row {
    const char *name;
    uint8_t code[16];
    unsigned int n;           /* bytes available */
    uint64_t cur, cur1;       /* memory before (cur1: the second qword for cmpxchg16b) */
    struct reg_val in[5];     /* registers set (rdi = ADDR unless given; rest a pattern) */
    uint64_t flags_in;
    unsigned int len, bytes;
    uint64_t addr;
    uint64_t store;           /* the value stored ... */
    bool nostore;             /* ... or nothing */
    bool locked;
    struct reg_val out[2];    /* registers changed by the instruction */
    uint64_t flags_mask, flags;
    bool rip_stays;           /* rep stos with iterations left */
};

#define R(r, v) { PTWR_##r, v }
#define REGS(...) { __VA_ARGS__, { -1, 0 } }

static const struct row rows[] = {
    { "mov %rax,(%rdi)", { 0x48, 0x89, 0x07 }, 3, .in = REGS(R(RAX, 0x1234567890abcdefUL)),
      .len = 3, .bytes = 8, .addr = ADDR, .store = 0x1234567890abcdefUL },
    { "mov %eax,(%rdi)", { 0x89, 0x07 }, 2, .in = REGS(R(RAX, 0x1234567890abcdefUL)),
      .len = 2, .bytes = 4, .addr = ADDR, .store = 0x90abcdef },
    { "mov %ax,(%rdi)", { 0x66, 0x89, 0x07 }, 3, .in = REGS(R(RAX, 0x1234567890abcdefUL)),
      .len = 3, .bytes = 2, .addr = ADDR, .store = 0xcdef },
    { "48 66 89 07: REX then 66, REX cancelled", { 0x48, 0x66, 0x89, 0x07 }, 4,
      .in = REGS(R(RAX, 0x1234567890abcdefUL)), .len = 4, .bytes = 2, .addr = ADDR,
      .store = 0xcdef },
    { "66 48 89 07: REX last, 8 bytes", { 0x66, 0x48, 0x89, 0x07 }, 4,
      .in = REGS(R(RAX, 0x1234567890abcdefUL)), .len = 4, .bytes = 8, .addr = ADDR,
      .store = 0x1234567890abcdefUL },
    { "mov %al,(%rdi)", { 0x88, 0x07 }, 2, .in = REGS(R(RAX, 0xabcd)), .len = 2, .bytes = 1,
      .addr = ADDR, .store = 0xcd },
    { "mov %ah,(%rdi)", { 0x88, 0x27 }, 2, .in = REGS(R(RAX, 0xabcd), R(RSP, 0x7777)),
      .len = 2, .bytes = 1, .addr = ADDR, .store = 0xab },
    { "mov %ch,(%rdi)", { 0x88, 0x2f }, 2, .in = REGS(R(RCX, 0x5a00), R(RBP, 0x7777)),
      .len = 2, .bytes = 1, .addr = ADDR, .store = 0x5a },
    { "mov %bh,(%rdi)", { 0x88, 0x3f }, 2, .in = REGS(R(RBX, 0x6b00)),
      .len = 2, .bytes = 1, .addr = ADDR, .store = 0x6b },
    { "mov %spl,(%rdi) (REX 40)", { 0x40, 0x88, 0x27 }, 3, .in = REGS(R(RSP, 0x5566)),
      .len = 3, .bytes = 1, .addr = ADDR, .store = 0x66 },
    { "mov %ah,(%rdi) with a cancelled REX", { 0x40, 0x3e, 0x88, 0x27 }, 4,
      .in = REGS(R(RAX, 0xabcd)), .len = 4, .bytes = 1, .addr = ADDR, .store = 0xab },
    { "mov %r8b,(%rdi)", { 0x44, 0x88, 0x07 }, 3, .in = REGS(R(R8, 0x1f2)), .len = 3,
      .bytes = 1, .addr = ADDR, .store = 0xf2 },
    { "mov %r15,(%rdi)", { 0x4c, 0x89, 0x3f }, 3, .in = REGS(R(R15, 0xf00dUL << 32)),
      .len = 3, .bytes = 8, .addr = ADDR, .store = 0xf00dUL << 32 },
    { "movb $0x5a,(%rdi)", { 0xc6, 0x07, 0x5a }, 3, .len = 3, .bytes = 1, .addr = ADDR,
      .store = 0x5a },
    { "movw $0x1234,(%rdi)", { 0x66, 0xc7, 0x07, 0x34, 0x12 }, 5, .len = 5, .bytes = 2,
      .addr = ADDR, .store = 0x1234 },
    { "movl $0x12345678,(%rdi)", { 0xc7, 0x07, 0x78, 0x56, 0x34, 0x12 }, 6, .len = 6,
      .bytes = 4, .addr = ADDR, .store = 0x12345678 },
    { "movq $imm32 sign-extended", { 0x48, 0xc7, 0x07, 0, 0, 0, 0x80 }, 7, .len = 7,
      .bytes = 8, .addr = ADDR, .store = 0xffffffff80000000UL },
    { "mov %rax,0x10(%rip)", { 0x48, 0x89, 0x05, 0x10, 0, 0, 0 }, 7, .in = REGS(R(RAX, 1)),
      .len = 7, .bytes = 8, .addr = RIP + 7 + 0x10, .store = 1 },
    { "mov %rax,8(%rdi,%rcx,4)", { 0x48, 0x89, 0x44, 0x8f, 0x08 }, 5,
      .in = REGS(R(RAX, 1), R(RCX, 3)), .len = 5, .bytes = 8, .addr = ADDR + 12 + 8,
      .store = 1 },
    { "mov %rax,0x1000 (SIB, no base)", { 0x48, 0x89, 0x04, 0x25, 0, 0x10, 0, 0 }, 8,
      .in = REGS(R(RAX, 1)), .len = 8, .bytes = 8, .addr = 0x1000, .store = 1 },
    { "mov %rax,-8(%rbp)", { 0x48, 0x89, 0x45, 0xf8 }, 4, .in = REGS(R(RAX, 1), R(RBP, ADDR)),
      .len = 4, .bytes = 8, .addr = ADDR - 8, .store = 1 },
    { "mov %eax,(%r12)", { 0x41, 0x89, 0x04, 0x24 }, 4, .in = REGS(R(RAX, 1), R(R12, ADDR)),
      .len = 4, .bytes = 4, .addr = ADDR, .store = 1 },
    { "mov %eax,0(%r13)", { 0x41, 0x89, 0x45, 0 }, 4, .in = REGS(R(RAX, 1), R(R13, ADDR)),
      .len = 4, .bytes = 4, .addr = ADDR, .store = 1 },
    { "mov %eax,(%rdi,%r9,8) (REX.X)", { 0x42, 0x89, 0x04, 0xcf }, 4,
      .in = REGS(R(RAX, 1), R(R9, 2)), .len = 4, .bytes = 4, .addr = ADDR + 16, .store = 1 },
    { "addr32: mov %rax,(%edi)", { 0x67, 0x48, 0x89, 0x07 }, 4,
      .in = REGS(R(RAX, 1), R(RDI, 0xdead00000000UL | ADDR)), .len = 4, .bytes = 8,
      .addr = ADDR, .store = 1 },
    { "fs: mov (base not applied)", { 0x64, 0x48, 0x89, 0x07 }, 4, .in = REGS(R(RAX, 1)),
      .len = 4, .bytes = 8, .addr = ADDR, .store = 1 },
    { "rep mov %rax,(%rdi)", { 0xf3, 0x48, 0x89, 0x07 }, 4, .in = REGS(R(RAX, 1)), .len = 4,
      .bytes = 8, .addr = ADDR, .store = 1 },
    { "movnti %rax,(%rdi)", { 0x48, 0x0f, 0xc3, 0x07 }, 4, .in = REGS(R(RAX, 1)), .len = 4,
      .bytes = 8, .addr = ADDR, .store = 1 },
    { "stosq", { 0x48, 0xab }, 2, .in = REGS(R(RAX, 7)), .len = 2, .bytes = 8, .addr = ADDR,
      .store = 7, .out = { R(RDI, ADDR + 8) } },
    { "stosb, DF set", { 0xaa }, 1, .in = REGS(R(RAX, 0x107)), .flags_in = DF, .len = 1,
      .bytes = 1, .addr = ADDR, .store = 7, .out = { R(RDI, ADDR - 1) } },
    { "rep stosq, 3 to go", { 0xf3, 0x48, 0xab }, 3, .in = REGS(R(RAX, 7), R(RCX, 3)),
      .len = 3, .bytes = 8, .addr = ADDR, .store = 7,
      .out = { R(RDI, ADDR + 8), R(RCX, 2) }, .rip_stays = true },
    { "rep stosl, the last one", { 0xf3, 0xab }, 2, .in = REGS(R(RAX, 7), R(RCX, 1)),
      .len = 2, .bytes = 4, .addr = ADDR, .store = 7,
      .out = { R(RDI, ADDR + 4), R(RCX, 0) } },
    { "xchg %rax,(%rdi)", { 0x48, 0x87, 0x07 }, 3, .cur = 0x1067, .in = REGS(R(RAX, 0)),
      .len = 3, .bytes = 8, .addr = ADDR, .store = 0, .locked = true,
      .out = { R(RAX, 0x1067) } },
    { "xchg %ah,(%rdi)", { 0x86, 0x27 }, 2, .cur = 0x1067, .in = REGS(R(RAX, 0xffff)),
      .len = 2, .bytes = 1, .addr = ADDR, .store = 0xff, .locked = true,
      .out = { R(RAX, 0x67ff) } },
    { "xchg, same value", { 0x48, 0x87, 0x07 }, 3, .cur = 5, .in = REGS(R(RAX, 5)), .len = 3,
      .bytes = 8, .addr = ADDR, .nostore = true, .out = { R(RAX, 5) } },
    { "lock cmpxchg, equal", { 0xf0, 0x48, 0x0f, 0xb1, 0x0f }, 5, .cur = 0x1067,
      .in = REGS(R(RAX, 0x1067), R(RCX, 0x2067)), .flags_in = CF | SF, .len = 5, .bytes = 8,
      .addr = ADDR, .store = 0x2067, .locked = true, .flags_mask = ARITH,
      .flags = ZF | PF },
    { "lock cmpxchg, differs", { 0xf0, 0x48, 0x0f, 0xb1, 0x0f }, 5, .cur = 0x1067,
      .in = REGS(R(RAX, 0x1066), R(RCX, 0x2067)), .len = 5, .bytes = 8, .addr = ADDR,
      .nostore = true, .out = { R(RAX, 0x1067) }, .flags_mask = ARITH,
      .flags = CF | SF | AF | PF },     /* 0x1066 - 0x1067 = -1 */
    { "cmpxchg %ecx, differs: rax zero-extended", { 0x0f, 0xb1, 0x0f }, 3, .cur = 0x1067,
      .in = REGS(R(RAX, 0xabcd000000001066UL)), .len = 3, .bytes = 4, .addr = ADDR,
      .nostore = true, .out = { R(RAX, 0x1067) }, .flags_mask = ARITH,
      .flags = CF | SF | AF | PF },
    { "cmpxchg %ecx, equal: rax kept", { 0x0f, 0xb1, 0x0f }, 3, .cur = 0x1067,
      .in = REGS(R(RAX, 0xabcd000000001067UL), R(RCX, 9)), .len = 3, .bytes = 4, .addr = ADDR,
      .store = 9, .locked = true, .flags_mask = ARITH, .flags = ZF | PF },
    { "cmpxchg %cl, differs: al merged", { 0x0f, 0xb0, 0x0f }, 3, .cur = 0x1067,
      .in = REGS(R(RAX, 0xab00)), .len = 3, .bytes = 1, .addr = ADDR, .nostore = true,
      .out = { R(RAX, 0xab67) }, .flags_mask = ARITH, .flags = CF | PF | AF | SF },
    { "cmpxchg8b, equal", { 0xf0, 0x0f, 0xc7, 0x0f }, 4, .cur = 0x0000000100001067UL,
      .in = REGS(R(RAX, 0x1067), R(RDX, 1), R(RBX, 0x2067), R(RCX, 2)), .flags_in = CF,
      .len = 4, .bytes = 8, .addr = ADDR, .store = 0x0000000200002067UL, .locked = true,
      .flags_mask = ARITH, .flags = ZF | CF },
    { "cmpxchg8b, differs", { 0xf0, 0x0f, 0xc7, 0x0f }, 4, .cur = 0x0000000100001067UL,
      .in = REGS(R(RAX, 0xffff000000001066UL), R(RDX, 1)), .flags_in = ZF | CF, .len = 4,
      .bytes = 8, .addr = ADDR, .nostore = true, .out = { R(RAX, 0x1067), R(RDX, 1) },
      .flags_mask = ARITH, .flags = CF },
    { "cmpxchg16b, differs", { 0xf0, 0x48, 0x0f, 0xc7, 0x0f }, 5, .cur = 0x1067, .cur1 = 3,
      .in = REGS(R(RAX, 0x1067), R(RDX, 4)), .flags_in = ZF, .len = 5, .bytes = 16,
      .addr = ADDR, .nostore = true, .out = { R(RAX, 0x1067), R(RDX, 3) }, .flags_mask = ZF },
    { "lock or %rax,(%rdi)", { 0xf0, 0x48, 0x09, 0x07 }, 4, .cur = 0x1065,
      .in = REGS(R(RAX, 2)), .flags_in = CF | OF, .len = 4, .bytes = 8, .addr = ADDR,
      .store = 0x1067, .locked = true, .flags_mask = ARITH & ~AF, .flags = 0 },
    { "or, unchanged: nothing stored", { 0x48, 0x09, 0x07 }, 3, .cur = 0x1067,
      .in = REGS(R(RAX, 2)), .len = 3, .bytes = 8, .addr = ADDR, .nostore = true,
      .flags_mask = ARITH & ~AF, .flags = 0 },
    { "lock andb $0xfd,(%rdi)", { 0xf0, 0x80, 0x27, 0xfd }, 4, .cur = 0x1067, .len = 4,
      .bytes = 1, .addr = ADDR, .store = 0x65, .locked = true, .flags_mask = ARITH & ~AF,
      .flags = PF },
    { "xor %eax,(%rdi) to 0", { 0x31, 0x07 }, 2, .cur = 0x1067, .in = REGS(R(RAX, 0x1067)),
      .len = 2, .bytes = 4, .addr = ADDR, .store = 0, .flags_mask = ARITH & ~AF,
      .flags = ZF | PF },
    { "lock addq $-1 (imm8)", { 0xf0, 0x48, 0x83, 0x07, 0xff }, 5, .cur = 1, .len = 5,
      .bytes = 8, .addr = ADDR, .store = 0, .locked = true, .flags_mask = ARITH,
      .flags = CF | ZF | PF | AF },
    { "addl $0x7fffffff (imm32)", { 0x81, 0x07, 0xff, 0xff, 0xff, 0x7f }, 6, .cur = 1,
      .len = 6, .bytes = 4, .addr = ADDR, .store = 0x80000000, .flags_mask = ARITH,
      .flags = OF | SF | AF | PF },
    { "adcw $0,(%rdi) with CF", { 0x66, 0x83, 0x17, 0 }, 4, .cur = 0xffff, .flags_in = CF,
      .len = 4, .bytes = 2, .addr = ADDR, .store = 0, .flags_mask = ARITH,
      .flags = CF | ZF | PF | AF },
    { "lock subq $2", { 0xf0, 0x48, 0x83, 0x2f, 2 }, 5, .cur = 0x1067, .len = 5, .bytes = 8,
      .addr = ADDR, .store = 0x1065, .locked = true, .flags_mask = ARITH, .flags = PF },
    { "sbb %al,(%rdi) with CF", { 0x18, 0x07 }, 2, .cur = 0, .in = REGS(R(RAX, 0)),
      .flags_in = CF, .len = 2, .bytes = 1, .addr = ADDR, .store = 0xff,
      .flags_mask = ARITH, .flags = CF | SF | AF | PF },
    { "sub %eax,(%rdi): signed overflow", { 0x29, 0x07 }, 2, .cur = 0x80000000,
      .in = REGS(R(RAX, 1)), .len = 2, .bytes = 4, .addr = ADDR, .store = 0x7fffffff,
      .flags_mask = ARITH, .flags = OF | AF | PF },
    { "incb (%rdi): CF kept", { 0xfe, 0x07 }, 2, .cur = 0xff, .flags_in = CF, .len = 2,
      .bytes = 1, .addr = ADDR, .store = 0, .flags_mask = ARITH,
      .flags = CF | ZF | PF | AF },
    { "decq (%rdi)", { 0x48, 0xff, 0x0f }, 3, .cur = 0, .len = 3, .bytes = 8, .addr = ADDR,
      .store = ~0UL, .flags_mask = ARITH, .flags = SF | AF | PF },
    { "negq (%rdi)", { 0x48, 0xf7, 0x1f }, 3, .cur = 2, .len = 3, .bytes = 8, .addr = ADDR,
      .store = ~1UL, .flags_mask = ARITH, .flags = CF | SF | AF },
    { "notb (%rdi)", { 0xf6, 0x17 }, 2, .cur = 0x1067, .flags_in = ZF, .len = 2, .bytes = 1,
      .addr = ADDR, .store = 0x98, .flags_mask = ARITH, .flags = ZF },
    { "lock xadd %rax,(%rdi)", { 0xf0, 0x48, 0x0f, 0xc1, 0x07 }, 5, .cur = 0x1067,
      .in = REGS(R(RAX, 0x200)), .len = 5, .bytes = 8, .addr = ADDR, .store = 0x1267,
      .locked = true, .out = { R(RAX, 0x1067) }, .flags_mask = ARITH, .flags = 0 },
    { "lock btrq $1", { 0xf0, 0x48, 0x0f, 0xba, 0x37, 1 }, 6, .cur = 0x1067, .len = 6,
      .bytes = 8, .addr = ADDR, .store = 0x1065, .locked = true, .flags_mask = CF,
      .flags = CF },
    { "btsl $33: bit 1 of a dword", { 0x0f, 0xba, 0x2f, 33 }, 4, .cur = 0x1065, .len = 4,
      .bytes = 4, .addr = ADDR, .store = 0x1067, .flags_mask = CF, .flags = 0 },
    { "btcq %rax = 65: the next qword", { 0x48, 0x0f, 0xbb, 0x07 }, 4, .cur = 2,
      .in = REGS(R(RAX, 65)), .len = 4, .bytes = 8, .addr = ADDR + 8, .store = 0,
      .flags_mask = CF, .flags = CF },
    { "btsq %rax = -1: bit 63 of the previous qword", { 0x48, 0x0f, 0xab, 0x07 }, 4,
      .cur = 0, .in = REGS(R(RAX, ~0UL)), .len = 4, .bytes = 8, .addr = ADDR - 8,
      .store = 1UL << 63, .flags_mask = CF, .flags = 0 },
    { "btrw %ax = 0x11: the next word", { 0x66, 0x0f, 0xb3, 0x07 }, 4, .cur = 2,
      .in = REGS(R(RAX, 0x11)), .len = 4, .bytes = 2, .addr = ADDR + 2, .store = 0,
      .flags_mask = CF, .flags = CF },
    { "btr, bit already clear: nothing stored", { 0x48, 0x0f, 0xba, 0x37, 1 }, 5,
      .cur = 0x1065, .len = 5, .bytes = 8, .addr = ADDR, .nostore = true, .flags_mask = CF,
      .flags = 0 },
};

/* Byte strings that are not memory writes this decoder emulates. */
static const struct {
    const char *name;
    uint8_t code[16];
    unsigned int n;
} bad[] = {
    { "mov (%rdi),%rax (a read)", { 0x48, 0x8b, 0x07 }, 3 },
    { "mov %rax,%rdi (register operand)", { 0x48, 0x89, 0xc7 }, 3 },
    { "ud2", { 0x0f, 0x0b }, 2 },
    { "truncated mov", { 0x48, 0x89 }, 2 },
    { "truncated displacement", { 0x89, 0x47 }, 2 },
    { "truncated immediate", { 0xc7, 0x07, 0x78, 0x56 }, 4 },
    { "call *(%rdi)", { 0xff, 0x17 }, 2 },
    { "c6 /1 (not mov)", { 0xc6, 0x0f, 0 }, 3 },
    { "0f c7 /6 (not cmpxchg8b)", { 0x0f, 0xc7, 0x37 }, 3 },
    { "testb $1,(%rdi) (a read)", { 0xf6, 0x07, 1 }, 3 },
    { "bt %rax,(%rdi) (a read)", { 0x48, 0x0f, 0xa3, 0x07 }, 4 },
    { "pop (%rdi)", { 0x8f, 0x07 }, 2 },
    { "movsq", { 0x48, 0xa5 }, 2 },
    { "16 bytes of prefixes", { 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
                                0x66, 0x66, 0x66, 0x66, 0x89, 0x07 }, 16 },
    { "nothing", { 0 }, 0 },
};

static void setup_regs(const struct row *r, struct ptwr_regs *regs)
{
    memset(regs, 0, sizeof(*regs));
    for (unsigned int i = 0; i < 16; i++)
        regs->gpr[i] = 0x0101010101010101UL * i;
    regs->gpr[PTWR_RDI] = ADDR;
    regs->rip = RIP;
    regs->rflags = 0x202 | r->flags_in;
    for (unsigned int i = 0; i < 5 && r->in[i].reg >= 0; i++)
        regs->gpr[r->in[i].reg] = r->in[i].val;
}

static void decode_execute_table(void **state)
{
    (void)state;
    for (size_t k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        const struct row *r = &rows[k];
        struct ptwr_regs regs, before;
        struct ptwr_insn insn;
        struct ptwr_store st;
        uint64_t cur[2] = { r->cur, r->cur1 };

        print_message("%s\n", r->name);
        setup_regs(r, &regs);
        before = regs;
        assert_int_equal(ptwr_decode(r->code, r->n, &insn), 0);
        assert_int_equal(insn.len, r->len);
        assert_int_equal(insn.bytes, r->bytes);
        assert_int_equal(ptwr_insn_addr(&insn, &regs), r->addr);
        assert_int_equal(ptwr_execute(&insn, &regs, cur, &st), 0);
        if (r->nostore) {
            assert_false(st.write);
        } else {
            assert_true(st.write);
            assert_int_equal(st.val, r->store);
            assert_int_equal(st.bytes, r->bytes > 8 ? 8 : r->bytes);
            assert_int_equal(st.locked, r->locked);
            if (st.locked)
                assert_int_equal(st.old, r->bytes >= 8 ? r->cur :
                                 r->cur & ((1UL << (8 * r->bytes)) - 1));
        }
        /* Every register not listed in out[] is unchanged. */
        for (unsigned int i = 0; i < 16; i++) {
            uint64_t want = before.gpr[i];

            for (unsigned int j = 0; j < 2; j++)
                if (r->out[j].reg == (int)i && (r->out[j].reg || r->out[j].val))
                    want = r->out[j].val;
            assert_int_equal(regs.gpr[i], want);
        }
        assert_int_equal(regs.rflags & r->flags_mask, r->flags);
        assert_int_equal(regs.rflags & ~r->flags_mask, before.rflags & ~r->flags_mask);
        assert_int_equal(regs.rip, r->rip_stays ? RIP : RIP + r->len);
    }
}

/* A byte operand without REX decodes its high registers; with REX they are the low ones. */
static void register_numbering(void **state)
{
    struct ptwr_insn insn;

    (void)state;
    for (unsigned int reg = 0; reg < 8; reg++) {
        uint8_t plain[] = { 0x88, (uint8_t)(0x07 | reg << 3) };
        uint8_t rex[] = { 0x40, 0x88, (uint8_t)(0x07 | reg << 3) };

        assert_int_equal(ptwr_decode(plain, sizeof(plain), &insn), 0);
        assert_int_equal(insn.reg, reg & 3);
        assert_int_equal(insn.high8, reg >= 4);
        assert_int_equal(ptwr_decode(rex, sizeof(rex), &insn), 0);
        assert_int_equal(insn.reg, reg);
        assert_false(insn.high8);
    }
}

/* cmpxchg16b whose comparison succeeds would store 16 bytes: refused, registers untouched. */
static void cmpxchg16b_store_refused(void **state)
{
    static const uint8_t code[] = { 0xf0, 0x48, 0x0f, 0xc7, 0x0f };
    uint64_t cur[2] = { 0x1067, 3 };
    struct ptwr_regs regs = { .gpr = { [PTWR_RAX] = 0x1067, [PTWR_RDX] = 3, [PTWR_RDI] = ADDR },
                              .rip = RIP, .rflags = 0x202 };
    struct ptwr_regs before = regs;
    struct ptwr_insn insn;
    struct ptwr_store st;

    (void)state;
    assert_int_equal(ptwr_decode(code, sizeof(code), &insn), 0);
    assert_int_equal(insn.bytes, 16);
    assert_int_equal(ptwr_execute(&insn, &regs, cur, &st), -1);
    assert_memory_equal(&regs, &before, sizeof(regs));
}

static void undecodable(void **state)
{
    struct ptwr_insn insn;

    (void)state;
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        print_message("%s\n", bad[k].name);
        assert_int_equal(ptwr_decode(bad[k].code, bad[k].n, &insn), -1);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decode_execute_table),
        cmocka_unit_test(register_numbering),
        cmocka_unit_test(cmpxchg16b_store_refused),
        cmocka_unit_test(undecodable),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
