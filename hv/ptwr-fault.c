/*
 * hv/ptwr-fault.c - emulating the instruction behind a guest-kernel write fault on a
 * read-only page table, through the core's ptwr path (pvmm_ptwr_emulate).
 *
 * The instruction at rip is decoded and executed by ptwr-decode.c / ptwr-exec.c against the
 * current value of its memory operand, whose address is computed from the registers (not
 * taken from CR2; a segment base is not applied, as in Xen): it must lie in CR2's page and
 * be naturally aligned, as Xen requires.  The
 * new value goes to the core, which checks that the address maps a validated L1 of the
 * domain, merges a narrow store into the full entry and validates it as mmu_update would.
 * Only once the core has applied it are the registers, flags and rip committed.  An
 * instruction that writes nothing (a failed cmpxchg, an unchanged read-modify-write) is
 * emulated only if the core confirms the page is such an L1.  Anything else - undecodable,
 * misaligned, refused - leaves the guest untouched and its #PF is delivered.
 */
#include "hv.h"
#include "ptwr-insn.h"

/* Up to PTWR_INSN_MAX bytes at rip: how many could be read (all at once when possible). */
static unsigned int fetch_insn(uint64_t rip, uint8_t *code)
{
    unsigned int n = 0;

    if (!copy_from_guest_va(code, rip, PTWR_INSN_MAX))
        return PTWR_INSN_MAX;
    while (n < PTWR_INSN_MAX && !copy_from_guest_va(&code[n], rip + n, 1))
        n++;
    return n;
}

static void regs_in(struct ptwr_regs *p, const struct cpu_regs *r)
{
    *p = (struct ptwr_regs){
        .gpr = { r->rax, r->rcx, r->rdx, r->rbx, r->rsp, r->rbp, r->rsi, r->rdi,
                 r->r8, r->r9, r->r10, r->r11, r->r12, r->r13, r->r14, r->r15 },
        .rip = r->rip, .rflags = r->rflags,
    };
}

static void regs_out(struct cpu_regs *r, const struct ptwr_regs *p)
{
    r->rax = p->gpr[PTWR_RAX]; r->rcx = p->gpr[PTWR_RCX]; r->rdx = p->gpr[PTWR_RDX];
    r->rbx = p->gpr[PTWR_RBX]; r->rsp = p->gpr[PTWR_RSP]; r->rbp = p->gpr[PTWR_RBP];
    r->rsi = p->gpr[PTWR_RSI]; r->rdi = p->gpr[PTWR_RDI]; r->r8 = p->gpr[PTWR_R8];
    r->r9 = p->gpr[PTWR_R9]; r->r10 = p->gpr[PTWR_R10]; r->r11 = p->gpr[PTWR_R11];
    r->r12 = p->gpr[PTWR_R12]; r->r13 = p->gpr[PTWR_R13]; r->r14 = p->gpr[PTWR_R14];
    r->r15 = p->gpr[PTWR_R15];
    r->rip = p->rip;
    r->rflags = p->rflags;
}

bool emulate_ptwr(struct cpu_regs *r, uint64_t cr2)
{
    uint8_t code[PTWR_INSN_MAX];
    struct ptwr_insn insn;
    struct ptwr_regs regs;
    struct ptwr_store st;
    uint64_t addr, cur[2] = { 0, 0 }, actual = 0;

    if (ptwr_decode(code, fetch_insn(r->rip, code), &insn))
        return false;
    regs_in(&regs, r);
    addr = ptwr_insn_addr(&insn, &regs);
    if (((addr ^ cr2) >> PAGE_SHIFT) || (addr & (insn.bytes - 1)) ||
        copy_from_guest_va(cur, addr, insn.bytes))
        return false;
    if (ptwr_execute(&insn, &regs, cur, &st))
        return false;
    if (!st.write) {
        if (mmglue_ptwr_check(current, addr))
            return false;
    } else {
        if (mmglue_ptwr(current, addr, st.val, st.bytes, st.locked, st.old, &actual))
            return false;
        if (st.locked && actual != st.old)
            return true;               /* changed under our feet: run the instruction again */
    }
    regs_out(r, &regs);
    return true;
}
