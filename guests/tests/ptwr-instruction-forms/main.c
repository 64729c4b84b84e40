/*
 * ptwr-instruction-forms: every instruction form a kernel may use to write a PTE, trapped on a
 * real L1 and emulated exactly as the CPU would have executed it.
 *
 * The story. A PV kernel writes its read-only L1 entries directly and the hypervisor
 * emulates the faulting instruction. Xen hands it to its x86 emulator, so any memory write
 * is emulated: mov of every width (the high-byte registers ah..bh included), movnti, stos
 * (rep: one iteration per fault), xchg (Linux's ptep_get_and_clear), cmpxchg, cmpxchg8b,
 * the locked read-modify-writes Linux uses for fork and copy-on-write (lock btr/bts, and, or)
 * and the other arithmetic forms, with any prefix the CPU accepts (a REX counts only when it
 * is the last prefix; 66, 67, rep, segment overrides). A narrow store is merged into the full
 * entry and the result validated as mmu_update would. An emulator that decodes a form wrong
 * writes an entry the guest never stored; one that does not know a form gives the guest a
 * #PF Xen would not.
 *
 * Each case runs one instruction twice with the same registers and flags: natively on a
 * writable scratch page holding the same four entries, then on four consecutive entries of
 * one of our L1s. The native run is the truth. For an emulated case we check that the L1
 * entries hold what mmu_update stores for the native result (unchanged ones unchanged), and
 * that every register (addresses relative to the operand) and the flags the instruction
 * defines are the native ones. One form is checked against the architecture instead: QEMU's
 * TCG applies a REX.W that is followed by a 66 prefix (it stores 8 bytes for 48 66 89 07),
 * which the architecture and Xen's emulator ignore (2 bytes, measured). An FS override with
 * a non-zero FS base is refused by Xen: its ptwr checks the segment offset, not the linear
 * address, against CR2's page (measured). For a refused case (a misaligned store, an invalid
 * entry, a 16-byte cmpxchg16b store) we check #PF(P|W) at the operand, nothing changed.
 */
#include "guest.h"

const char test_title[] = "ptwr: every instruction form on a real L1 entry";

#define FL_CF 0x001UL
#define FL_PF 0x004UL
#define FL_AF 0x010UL
#define FL_ZF 0x040UL
#define FL_SF 0x080UL
#define FL_DF 0x400UL
#define FL_OF 0x800UL
#define FL_ALL (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF | FL_DF)

enum { RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI, R8, R9, R10, R11, R12, R13, R14, R15 };

/* Register state around one run (offsets used by run_slot: gpr[i] at 8*i, rflags at 128). */
struct run {
    uint64_t gpr[16];
    uint64_t rflags;
};

/* Symbolic values, resolved per run: (value(kind) ^ x) << shift, or address + x. */
enum kind { NONE, K, BASE, BASEHI, NEWB, NEWBHI, ENT1, L1SELF, ADDR, ADDR_FS };
struct val { uint8_t reg; uint8_t kind; uint8_t shift; uint64_t x; };

struct form_case {
    const char *name;
    uint8_t code[16];
    uint8_t len;
    struct val in[6];          /* register inputs (kind NONE ends the list) */
    uint8_t patch_off, patch_len;
    struct val patch;          /* immediate or displacement patched into the code (len > 0) */
    bool riprel;               /* patch is the operand address as a rip-relative disp32 */
    uint64_t flags_in, flags_mask;
    bool refused;              /* expected #PF rather than emulation */
    bool not_native;           /* the CPU under TCG differs from the architecture: entry 0 */
    struct val expect0;        /* ... must then hold what mmu_update stores for expect0 */
};

#define V(r, k, xv)         { r, k, 0, xv }
#define VS(r, k, xv, s)     { r, k, s, xv }
#define RW _PAGE_RW
#define LOGIC (FL_ALL & ~FL_AF)

static const struct form_case cases[] = {
    { "mov %rax,(%rdi)", { 0x48, 0x89, 0x07 }, 3, { V(RAX, NEWB, 0), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "mov %eax,(%rdi)", { 0x89, 0x07 }, 2, { V(RAX, BASE, RW | (0xdeadUL << 48)),
      V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "mov %eax,4(%rdi) (clears bit 52)", { 0x89, 0x47, 0x04 }, 3,
      { V(RAX, BASEHI, 1UL << 20), V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "mov %ax,(%rdi)", { 0x66, 0x89, 0x07 }, 3, { V(RAX, BASE, RW), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "48 66 89 07: REX cancelled, 2 bytes", { 0x48, 0x66, 0x89, 0x07 }, 4,
      { V(RAX, BASE, RW | 0x00dead0000000000UL), V(RDI, ADDR, 0) }, .flags_mask = FL_ALL,
      .not_native = true, .expect0 = V(0, BASE, RW) },
    { "mov %al,(%rdi)", { 0x88, 0x07 }, 2, { V(RAX, BASE, RW), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "mov %ah,(%rdi)", { 0x88, 0x27 }, 2, { VS(RAX, BASE, RW, 8), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "mov %bh,(%rdi)", { 0x88, 0x3f }, 2, { VS(RBX, BASE, RW, 8), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "mov %sil,(%rdi) (REX)", { 0x40, 0x88, 0x37 }, 3, { V(RSI, BASE, RW), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "movq $0,(%rdi)", { 0x48, 0xc7, 0x07, 0, 0, 0, 0 }, 7, { V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "movl $imm32,(%rdi)", { 0xc7, 0x07, 0, 0, 0, 0 }, 6, { V(RDI, ADDR, 0) },
      2, 4, V(0, BASE, RW), .flags_mask = FL_ALL },
    { "movw $imm16,(%rdi)", { 0x66, 0xc7, 0x07, 0, 0 }, 5, { V(RDI, ADDR, 0) },
      3, 2, V(0, BASE, RW), .flags_mask = FL_ALL },
    { "movb $imm8,(%rdi)", { 0xc6, 0x07, 0 }, 3, { V(RDI, ADDR, 0) },
      2, 1, V(0, BASE, RW), .flags_mask = FL_ALL },
    { "mov %rax,disp(%rip)", { 0x48, 0x89, 0x05, 0, 0, 0, 0 }, 7, { V(RAX, NEWB, 0) },
      3, 4, V(0, ADDR, 0), .riprel = true, .flags_mask = FL_ALL },
    { "mov %rax,(%rdi,%rcx,8)", { 0x48, 0x89, 0x04, 0xcf }, 4,
      { V(RAX, NEWB, 0), V(RDI, ADDR, (uint64_t)-16), V(RCX, K, 2) }, .flags_mask = FL_ALL },
    { "rep mov %rax,(%rdi)", { 0xf3, 0x48, 0x89, 0x07 }, 4, { V(RAX, NEWB, 0),
      V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "ds mov %rax,(%rdi)", { 0x3e, 0x48, 0x89, 0x07 }, 4, { V(RAX, NEWB, 0),
      V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "fs mov %rax,(%rdi) (FS base not 0)", { 0x64, 0x48, 0x89, 0x07 }, 4,
      { V(RAX, NEWB, 0), V(RDI, ADDR_FS, 0) }, .flags_mask = FL_ALL, .refused = true },
    { "addr32 mov %rax,(%edi)", { 0x67, 0x48, 0x89, 0x07 }, 4, { V(RAX, NEWB, 0),
      V(RDI, ADDR, 0xdead00000000UL) }, .flags_mask = FL_ALL },
    { "movnti %rax,(%rdi)", { 0x48, 0x0f, 0xc3, 0x07 }, 4, { V(RAX, NEWB, 0),
      V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "stosq", { 0x48, 0xab }, 2, { V(RAX, NEWB, 0), V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "stosl", { 0xab }, 1, { V(RAX, BASE, RW), V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "rep stosq (2 entries)", { 0xf3, 0x48, 0xab }, 3, { V(RAX, K, 0), V(RDI, ADDR, 0),
      V(RCX, K, 2) }, .flags_mask = FL_ALL },
    { "std; rep stosq (2 entries down)", { 0xf3, 0x48, 0xab }, 3, { V(RAX, K, 0),
      V(RDI, ADDR, 8), V(RCX, K, 2) }, .flags_in = FL_DF, .flags_mask = FL_ALL },
    { "xchg %rax,(%rdi)", { 0x48, 0x87, 0x07 }, 3, { V(RAX, NEWB, 0), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "xchg %al,(%rdi)", { 0x86, 0x07 }, 2, { V(RAX, BASE, RW), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "lock cmpxchg %rcx,(%rdi) (equal)", { 0xf0, 0x48, 0x0f, 0xb1, 0x0f }, 5,
      { V(RAX, BASE, 0), V(RCX, NEWB, 0), V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "lock cmpxchg %rcx,(%rdi) (differs)", { 0xf0, 0x48, 0x0f, 0xb1, 0x0f }, 5,
      { V(RAX, BASE, 0x100), V(RCX, NEWB, 0), V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "cmpxchg %ecx,(%rdi) (equal)", { 0x0f, 0xb1, 0x0f }, 3,
      { V(RAX, BASE, 0xabcdUL << 48), V(RCX, BASE, RW), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "cmpxchg %ecx,(%rdi) (differs)", { 0x0f, 0xb1, 0x0f }, 3,
      { V(RAX, BASE, (0xabcdUL << 48) | 1), V(RCX, BASE, RW), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "cmpxchg %cx,(%rdi)", { 0x66, 0x0f, 0xb1, 0x0f }, 4,
      { V(RAX, BASE, 0), V(RCX, BASE, RW), V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "lock cmpxchg %cl,(%rdi)", { 0xf0, 0x0f, 0xb0, 0x0f }, 4,
      { V(RAX, BASE, 0), V(RCX, BASE, RW), V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "lock cmpxchg8b (equal)", { 0xf0, 0x0f, 0xc7, 0x0f }, 4,
      { V(RAX, BASE, 0), V(RDX, BASEHI, 0), V(RBX, NEWB, 0), V(RCX, NEWBHI, 0),
        V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "lock cmpxchg8b (differs)", { 0xf0, 0x0f, 0xc7, 0x0f }, 4,
      { V(RAX, BASE, 1), V(RDX, BASEHI, 0), V(RBX, NEWB, 0), V(RCX, NEWBHI, 0),
        V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "lock cmpxchg16b (differs)", { 0xf0, 0x48, 0x0f, 0xc7, 0x0f }, 5,
      { V(RAX, BASE, 0), V(RDX, ENT1, 1), V(RBX, NEWB, 0), V(RCX, K, 0),
        V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "lock cmpxchg16b (equal: a 16-byte store)", { 0xf0, 0x48, 0x0f, 0xc7, 0x0f }, 5,
      { V(RAX, BASE, 0), V(RDX, ENT1, 0), V(RBX, NEWB, 0), V(RCX, K, 0),
        V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL, .refused = true },
    { "lock or %rax,(%rdi)", { 0xf0, 0x48, 0x09, 0x07 }, 4, { V(RAX, K, 1UL << 9),
      V(RDI, ADDR, 0) }, .flags_mask = LOGIC },
    { "lock and %rax,(%rdi)", { 0xf0, 0x48, 0x21, 0x07 }, 4, { V(RAX, K, ~RW),
      V(RDI, ADDR, 0) }, .flags_mask = LOGIC },
    { "lock xor %eax,(%rdi)", { 0xf0, 0x31, 0x07 }, 3, { V(RAX, K, RW), V(RDI, ADDR, 0) },
      .flags_mask = LOGIC },
    { "lock orb $0x20,(%rdi) (unchanged)", { 0xf0, 0x80, 0x0f, 0x20 }, 4, { V(RDI, ADDR, 0) },
      .flags_mask = LOGIC },
    { "lock andq $-3,(%rdi) (imm8)", { 0xf0, 0x48, 0x83, 0x27, 0xfd }, 5, { V(RDI, ADDR, 0) },
      .flags_mask = LOGIC },
    { "lock addq $0x200,(%rdi) (imm32)", { 0xf0, 0x48, 0x81, 0x07, 0, 2, 0, 0 }, 8,
      { V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "lock subq $2,(%rdi)", { 0xf0, 0x48, 0x83, 0x2f, 2 }, 5, { V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "lock sbbq $1,(%rdi) (CF set)", { 0xf0, 0x48, 0x83, 0x1f, 1 }, 5, { V(RDI, ADDR, 0) },
      .flags_in = FL_CF, .flags_mask = FL_ALL },
    { "lock adcb $0,(%rdi) (CF set)", { 0xf0, 0x80, 0x17, 0 }, 4, { V(RDI, ADDR, 0) },
      .flags_in = FL_CF, .flags_mask = FL_ALL },
    { "lock add %rax,(%rdi)", { 0xf0, 0x48, 0x01, 0x07 }, 4, { V(RAX, K, 1UL << 10),
      V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "lock sub %eax,(%rdi)", { 0xf0, 0x29, 0x07 }, 3, { V(RAX, K, RW), V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "lock decl (%rdi)", { 0xf0, 0xff, 0x0f }, 3, { V(RDI, ADDR, 0) },
      .flags_in = FL_CF, .flags_mask = FL_ALL },
    { "lock incb (%rdi)", { 0xf0, 0xfe, 0x07 }, 3, { V(RDI, ADDR, 0) },
      .flags_mask = FL_ALL },
    { "lock negq 8(%rdi) (not present)", { 0xf0, 0x48, 0xf7, 0x5f, 0x08 }, 5,
      { V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "lock notq 8(%rdi) (becomes invalid)", { 0xf0, 0x48, 0xf7, 0x57, 0x08 }, 5,
      { V(RDI, ADDR, 0) }, .flags_mask = FL_ALL, .refused = true },
    { "lock xadd %rax,(%rdi)", { 0xf0, 0x48, 0x0f, 0xc1, 0x07 }, 5, { V(RAX, K, 1UL << 9),
      V(RDI, ADDR, 0) }, .flags_mask = FL_ALL },
    { "lock btrq $1,(%rdi)", { 0xf0, 0x48, 0x0f, 0xba, 0x37, 1 }, 6, { V(RDI, ADDR, 0) },
      .flags_mask = FL_CF },
    { "lock btsq $9,(%rdi)", { 0xf0, 0x48, 0x0f, 0xba, 0x2f, 9 }, 6, { V(RDI, ADDR, 0) },
      .flags_mask = FL_CF },
    { "lock btcl $1,(%rdi)", { 0xf0, 0x0f, 0xba, 0x3f, 1 }, 5, { V(RDI, ADDR, 0) },
      .flags_mask = FL_CF },
    { "lock btr %eax,(%rdi)", { 0xf0, 0x0f, 0xb3, 0x07 }, 4, { V(RAX, K, 1), V(RDI, ADDR, 0) },
      .flags_mask = FL_CF },
    { "lock btc %rax,(%rdi) (bit 65: next entry)", { 0xf0, 0x48, 0x0f, 0xbb, 0x07 }, 5,
      { V(RAX, K, 65), V(RDI, ADDR, 0) }, .flags_mask = FL_CF },
    { "lock bts %rax,(%rdi) (bit -63: previous entry)", { 0xf0, 0x48, 0x0f, 0xab, 0x07 }, 5,
      { V(RAX, K, (uint64_t)-63), V(RDI, ADDR, 8) }, .flags_mask = FL_CF },
    { "mov %rax,4(%rdi) (misaligned)", { 0x48, 0x89, 0x47, 0x04 }, 4, { V(RAX, NEWB, 0),
      V(RDI, ADDR, 0) }, .flags_mask = FL_ALL, .refused = true },
    { "mov %rax,(%rdi) (the L1 writable)", { 0x48, 0x89, 0x07 }, 3, { V(RAX, L1SELF, 0),
      V(RDI, ADDR, 0) }, .flags_mask = FL_ALL, .refused = true },
};

#define NENT 4                  /* entries per run: two valid, one not present, one valid */
#define FS_BASE 0x40000000UL

/* run_slot(run): load run's registers and flags, execute insn_slot, store them back. */
void run_slot(struct run *r);
extern uint8_t insn_slot[];
extern char run_back[];
uint64_t run_ptr, run_rsp;

asm (".pushsection .text.slot, \"awx\", @progbits\n"
     ".balign 64\n"
     ".globl insn_slot\n"
     "insn_slot: .fill 64, 1, 0xcc\n"
     ".popsection\n"
     ".pushsection .text, \"ax\", @progbits\n"
     ".globl run_slot, run_back\n"
     "run_slot:\n"
     "    push %rbx; push %rbp; push %r12; push %r13; push %r14; push %r15\n"
     "    mov %rdi, run_ptr(%rip)\n"
     "    mov %rsp, run_rsp(%rip)\n"
     "    pushq 128(%rdi)\n"
     "    popfq\n"
     "    mov 0(%rdi), %rax;   mov 8(%rdi), %rcx;   mov 16(%rdi), %rdx;  mov 24(%rdi), %rbx\n"
     "    mov 40(%rdi), %rbp;  mov 48(%rdi), %rsi;  mov 64(%rdi), %r8;   mov 72(%rdi), %r9\n"
     "    mov 80(%rdi), %r10;  mov 88(%rdi), %r11;  mov 96(%rdi), %r12;  mov 104(%rdi), %r13\n"
     "    mov 112(%rdi), %r14; mov 120(%rdi), %r15; mov 56(%rdi), %rdi\n"
     "    jmp insn_slot\n"
     "run_back:\n"
     "    pushfq\n"
     "    push %rax\n"
     "    mov run_ptr(%rip), %rax\n"
     "    mov %rcx, 8(%rax);   mov %rdx, 16(%rax);  mov %rbx, 24(%rax);  mov %rbp, 40(%rax)\n"
     "    mov %rsi, 48(%rax);  mov %rdi, 56(%rax);  mov %r8, 64(%rax);   mov %r9, 72(%rax)\n"
     "    mov %r10, 80(%rax);  mov %r11, 88(%rax);  mov %r12, 96(%rax);  mov %r13, 104(%rax)\n"
     "    mov %r14, 112(%rax); mov %r15, 120(%rax)\n"
     "    pop %rcx; mov %rcx, 0(%rax)\n"
     "    pop %rcx; mov %rcx, 128(%rax)\n"
     "    cld\n"
     "    mov run_rsp(%rip), %rsp\n"
     "    pop %r15; pop %r14; pop %r13; pop %r12; pop %rbp; pop %rbx\n"
     "    ret\n"
     ASM_EXTABLE(insn_slot, run_back)
     ".popsection\n");

static uint64_t base, newb, ent1, l1self;   /* per-run symbolic values */

static uint64_t resolve(const struct val *v, uint64_t addr)
{
    uint64_t x;

    switch (v->kind) {
    case ADDR:    return addr + v->x;
    case ADDR_FS: return addr - FS_BASE + v->x;
    case BASE:    x = base; break;
    case BASEHI:  x = base >> 32; break;
    case NEWB:    x = newb; break;
    case NEWBHI:  x = newb >> 32; break;
    case ENT1:    x = ent1; break;
    case L1SELF:  x = l1self; break;
    default:      x = 0; break;
    }
    return (x ^ v->x) << v->shift;
}

/* Put the case's code (patched for this operand address) in the slot, then `jmp run_back`. */
static void load_slot(const struct form_case *c, uint64_t addr)
{
    uint64_t p = c->riprel ? addr - ((uintptr_t)insn_slot + c->len) : resolve(&c->patch, addr);
    uint8_t *s = insn_slot;

    memcpy(s, c->code, c->len);
    for (unsigned int i = 0; i < c->patch_len; i++)
        s[c->patch_off + i] = (uint8_t)(p >> (8 * i));
    s += c->len;
    s[0] = 0xff;                             /* jmp *0(%rip) */
    s[1] = 0x25;
    memset(&s[2], 0, 4);
    memcpy(&s[6], &(uint64_t){ (uintptr_t)run_back }, 8);
}

static uint64_t flags_now(void)
{
    uint64_t f;

    asm volatile ("pushfq; popq %0" : "=r" (f));
    return f;
}

/* The case's input registers and flags for its operand at addr, and its code in the slot. */
static void setup_run(const struct form_case *c, uint64_t addr, struct run *r)
{
    memset(r, 0, sizeof(*r));
    for (unsigned int i = 0; i < 16; i++)
        r->gpr[i] = 0x1111111111111111UL * i;  /* distinct, recognisable junk */
    for (unsigned int i = 0; i < ARRAY_SIZE(c->in) && c->in[i].kind != NONE; i++)
        r->gpr[c->in[i].reg] = resolve(&c->in[i], addr);
    r->rflags = (flags_now() & ~FL_ALL) | c->flags_in;
    load_slot(c, addr);
}

/* Execute the slot with r; true if it faulted. */
static bool exec_slot(struct run *r)
{
    unsigned long before = fault_count;

    run_slot(r);
    return fault_count != before;
}

/* Registers that held the operand address are compared relative to it. */
static bool is_addr_reg(const struct form_case *c, unsigned int reg)
{
    for (unsigned int i = 0; i < ARRAY_SIZE(c->in); i++)
        if (c->in[i].reg == reg && (c->in[i].kind == ADDR || c->in[i].kind == ADDR_FS))
            return true;
    return false;
}

static int compare_regs(const struct form_case *c, const struct run *nat, uint64_t nat_addr,
                        const struct run *emu, uint64_t emu_addr)
{
    for (unsigned int i = 0; i < 16; i++) {
        uint64_t n = nat->gpr[i], e = emu->gpr[i];

        if (i == RSP)
            continue;
        if (is_addr_reg(c, i)) {
            n -= nat_addr;
            e -= emu_addr;
        }
        if (n != e)
            return xtf_failure("%s: register %u is %#lx, the CPU gives %#lx", c->name, i,
                               (unsigned long)e, (unsigned long)n);
    }
    if ((nat->rflags ^ emu->rflags) & c->flags_mask)
        return xtf_failure("%s: rflags %#lx, the CPU gives %#lx (compared %#lx)", c->name,
                           (unsigned long)emu->rflags, (unsigned long)nat->rflags,
                           (unsigned long)c->flags_mask);
    return 0;
}

/* The four entries' values before each case (entry 1 not present). */
static uint64_t init_val(unsigned int i, const unsigned long *mfn)
{
    return i == 1 ? RW : ((uint64_t)mfn[i] << PAGE_SHIFT) | PTE_FLAGS_RW;
}

/* A refused case: #PF(P|W) in the entries, nothing written, registers as they were. */
static int check_refused(const struct form_case *c, volatile uint64_t *l1e,
                         const uint64_t *start, const struct run *emu, const struct run *in)
{
    const struct fault *f = &last_fault;

    if (f->vector != X86_EXC_PF || f->error_code != (PFEC_PRESENT | PFEC_WRITE) ||
        f->cr2 < (uintptr_t)l1e || f->cr2 >= (uintptr_t)(l1e + NENT)) {
        print_fault("  ", f);
        return xtf_failure("%s: expected #PF(P|W) in the entries", c->name);
    }
    for (unsigned int i = 0; i < NENT; i++)
        if (l1e[i] != start[i])
            return xtf_failure("%s: refused, but entry %u changed to %#lx", c->name, i,
                               (unsigned long)l1e[i]);
    for (unsigned int i = 0; i < 16; i++)
        if (i != RSP && emu->gpr[i] != in->gpr[i])
            return xtf_failure("%s: refused, but register %u changed", c->name, i);
    return 0;
}

/* An emulated case: each entry holds what mmu_update stores for the native result. */
static int check_entries(const struct form_case *c, volatile uint64_t *l1e,
                         const uint64_t *start, const uint64_t *native)
{
    uint64_t got[NENT];
    long rc;

    for (unsigned int i = 0; i < NENT; i++)
        got[i] = l1e[i];
    for (unsigned int i = 0; i < NENT; i++) {
        if (native[i] == start[i]) {
            if (got[i] != start[i])
                return xtf_failure("%s: entry %u changed to %#lx, the CPU left it", c->name,
                                   i, (unsigned long)got[i]);
            continue;
        }
        rc = pt_write_entry((const uint64_t *)&l1e[i], native[i]);
        if (rc)
            return xtf_failure("%s: emulated, yet mmu_update of the CPU's result %#lx "
                               "gives %ld", c->name, (unsigned long)native[i], rc);
        if (l1e[i] != got[i])
            return xtf_failure("%s: entry %u is %#lx; the CPU wrote %#lx, stored as %#lx",
                               c->name, i, (unsigned long)got[i], (unsigned long)native[i],
                               (unsigned long)l1e[i]);
    }
    return 0;
}

static int one_case(const struct form_case *c, volatile uint64_t *l1e, uint64_t *scratch,
                    const unsigned long *mfn)
{
    uint64_t start[NENT];
    struct run nat, emu, in;
    bool faulted;

    for (unsigned int i = 0; i < NENT; i++) {
        if (pt_write_entry((const uint64_t *)&l1e[i], init_val(i, mfn)))
            return xtf_error("%s: cannot reset entry %u", c->name, i);
        start[i] = scratch[i] = l1e[i];
    }
    base = start[0];
    ent1 = start[1];

    setup_run(c, (uintptr_t)scratch, &nat);
    if (c->not_native) {
        scratch[0] = resolve(&c->expect0, 0); /* a store: registers and flags unchanged */
    } else if (exec_slot(&nat)) {
        print_fault("  ", &last_fault);
        return xtf_error("%s: faulted natively", c->name);
    }
    setup_run(c, (uintptr_t)l1e, &in);
    emu = in;
    faulted = exec_slot(&emu);
    if (c->refused) {
        if (!faulted)
            return xtf_failure("%s: emulated (entry 0 now %#lx), expected #PF", c->name,
                               (unsigned long)l1e[0]);
        printk("  %-44s #PF cr2 +%lu\n", c->name,
               (unsigned long)(last_fault.cr2 - (uintptr_t)l1e));
        return check_refused(c, l1e, start, &emu, &in);
    }
    if (faulted) {
        print_fault("  ", &last_fault);
        return xtf_failure("%s: not emulated", c->name);
    }
    printk("  %-44s emulated: %#lx rflags %#lx\n", c->name, (unsigned long)l1e[0],
           (unsigned long)(emu.rflags & FL_ALL));
    if (compare_regs(c, &nat, (uintptr_t)scratch, &emu, (uintptr_t)l1e))
        return XTF_FAILURE;
    return check_entries(c, l1e, start, scratch);
}

int test_main(void)
{
    volatile uint64_t *l1e = NULL;
    uint64_t *scratch = alloc_page(), *b = alloc_page();
    unsigned long mfn[NENT], va = 0;
    int failed = 0;
    long rc;

    /* NENT consecutive pages whose L1 entries start 16-byte aligned, in one L1. */
    for (unsigned int tries = 0; tries < 16 && !l1e; tries++) {
        va = (unsigned long)alloc_page();
        if (pt_index(va, 1) % NENT == 0 && pt_index(va, 1) + NENT <= PT_ENTRIES) {
            for (unsigned int i = 1; i < NENT; i++)
                if ((unsigned long)alloc_page() != va + i * PAGE_SIZE)
                    return xtf_error("pages are not allocated in order");
            l1e = pt_entry(va, 1);
        }
    }
    if (!l1e)
        return xtf_error("no aligned run of %u pages", NENT);
    for (unsigned int i = 0; i < NENT; i++)
        mfn[i] = virt_to_mfn((void *)(va + i * PAGE_SIZE));
    newb = ((uint64_t)virt_to_mfn(b) << PAGE_SHIFT) | PTE_FLAGS_RW;
    l1self = ((uint64_t)virt_to_mfn(l1e) << PAGE_SHIFT) | PTE_FLAGS_RW;
    rc = hypercall_vm_assist(VMASST_CMD_enable, VMASST_TYPE_writable_pagetables);
    if (rc)
        return xtf_error("vm_assist(enable, writable_pagetables) gave %ld", rc);
    rc = _hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, FS_BASE);
    if (rc)
        return xtf_error("set_segment_base(FS) gave %ld", rc);

    printk("%u forms on the L1 entries at %p (mapping %#lx..):\n",
           (unsigned int)ARRAY_SIZE(cases), (void *)l1e, va);
    for (unsigned int i = 0; i < ARRAY_SIZE(cases); i++)
        if (one_case(&cases[i], l1e, scratch, mfn))
            failed++;
    for (unsigned int i = 0; i < NENT; i++)
        pt_write_entry((const uint64_t *)&l1e[i], init_val(i, mfn));
    _hypercall2(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0);
    if (failed)
        return xtf_failure("%d of %u forms differ", failed, (unsigned int)ARRAY_SIZE(cases));
    return xtf_success();
}
