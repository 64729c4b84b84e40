/*
 * hv/ptwr-decode.c - decoding the store behind a write fault on a read-only page table, so
 * that the core's ptwr emulation (pvmm_ptwr_emulate) can apply it (facts §3.10).
 *
 * The guest kernel wrote to a read-only mapping with VMASST_TYPE_writable_pagetables on.
 * We decode the instruction at rip - only plain stores and cmpxchg, the forms a kernel uses
 * to write a PTE - take the value and size from it and the address from CR2, and hand them
 * to the core.  If the core applies the write, rip moves past the instruction; if the core
 * says this is not a page-table write, or refuses the new entry, the #PF is bounced.
 *
 * Supported:  88/89 /r (mov r8/r16/r32/r64 -> m), C6/C7 /0 (mov imm -> m),
 *             0F B1 /r (cmpxchg m, r; with or without lock).
 */
#include "hv.h"

static bool fetch(uint64_t rip, unsigned int *len, uint8_t *b)
{
    if (*len >= 15 || copy_from_guest_va(b, rip + *len, 1))
        return false;
    (*len)++;
    return true;
}

/* Skip the ModRM addressing bytes after modrm; false if the bytes cannot be read. */
static bool skip_modrm(uint64_t rip, unsigned int *len, uint8_t modrm)
{
    unsigned int mod = modrm >> 6, rm = modrm & 7, disp = 0;
    uint8_t sib;
    if (mod == 3)
        return false;                  /* a register operand cannot have faulted */
    if (rm == 4) {
        if (!fetch(rip, len, &sib))
            return false;
        if (mod == 0 && (sib & 7) == 5)
            disp = 4;
    }
    if (mod == 1)
        disp = 1;
    else if (mod == 2 || (mod == 0 && rm == 5))
        disp = 4;
    *len += disp;
    return *len <= 15;
}

static uint64_t reg_value(const struct cpu_regs *r, unsigned int n)
{
    const uint64_t *regs[16] = { &r->rax, &r->rcx, &r->rdx, &r->rbx, &r->rsp, &r->rbp,
                                 &r->rsi, &r->rdi, &r->r8, &r->r9, &r->r10, &r->r11,
                                 &r->r12, &r->r13, &r->r14, &r->r15 };
    return *regs[n & 15];
}

bool emulate_ptwr(struct cpu_regs *r, uint64_t cr2)
{
    unsigned int len = 0, bytes;
    uint8_t b, rex = 0, modrm;
    bool opsize = false, cmpxchg = false;
    uint64_t val = 0, imm = 0;

    for (;;) {
        if (!fetch(r->rip, &len, &b))
            return false;
        if (b == 0x66)
            opsize = true;
        else if (b == 0xf0 || b == 0x2e || b == 0x3e || b == 0x26 || b == 0x36)
            rex = 0;
        else if ((b & 0xf0) == 0x40)
            rex = b;
        else
            break;
    }
    bytes = (rex & 8) ? 8 : opsize ? 2 : 4;
    switch (b) {
    case 0x88:
    case 0x89:
    case 0xc6:
    case 0xc7:
        if (b == 0x88 || b == 0xc6)
            bytes = 1;
        if (!fetch(r->rip, &len, &modrm) || !skip_modrm(r->rip, &len, modrm))
            return false;
        if (b == 0x88 || b == 0x89) {
            unsigned int reg = ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0);
            val = reg_value(r, reg);
            if (bytes == 1 && !rex && reg >= 4 && reg < 8)
                val >>= 8;             /* ah, ch, dh, bh */
        } else {
            if ((modrm >> 3) & 7)
                return false;
            unsigned int n = bytes == 1 ? 1 : bytes == 2 ? 2 : 4;
            for (unsigned int i = 0; i < n; i++) {
                if (!fetch(r->rip, &len, &b))
                    return false;
                imm |= (uint64_t)b << (8 * i);
            }
            if (n == 4 && bytes == 8)
                imm = (uint64_t)(int64_t)(int32_t)imm;
            val = imm;
        }
        break;
    case 0x0f:
        if (!fetch(r->rip, &len, &b) || b != 0xb1)
            return false;
        if (!fetch(r->rip, &len, &modrm) || !skip_modrm(r->rip, &len, modrm))
            return false;
        val = reg_value(r, ((modrm >> 3) & 7) | ((rex & 4) ? 8 : 0));
        cmpxchg = true;
        break;
    default:
        return false;
    }
    if (bytes < 8)
        val &= (1UL << (8 * bytes)) - 1;
    if (cr2 & (bytes - 1))
        return false;

    uint64_t old = bytes < 8 ? r->rax & ((1UL << (8 * bytes)) - 1) : r->rax, actual = 0;
    if (mmglue_ptwr(current, cr2, val, bytes, cmpxchg, old, &actual))
        return false;
    if (cmpxchg) {
        r->rflags &= ~X86_EFLAGS_ARITH;
        if (actual == old)
            r->rflags |= 0x40;         /* ZF */
        else if (bytes == 4)
            r->rax = (uint32_t)actual;
        else if (bytes == 8)
            r->rax = actual;
        else
            r->rax = (r->rax & ~((1UL << (8 * bytes)) - 1)) | actual;
    }
    r->rip += len;
    return true;
}
