/*
 * hv/ptwr-decode.c - the opcode table and decoder for trapped page-table writes.
 *
 * Xen emulates any instruction its x86 emulator decodes as a memory write.  We emulate every
 * form a guest kernel plausibly uses to write a page-table entry: mov from a register or an
 * immediate of each width and movnti, stos (with rep), xchg, cmpxchg, cmpxchg8b/16b, xadd,
 * and the read-modify-write arithmetic (add, or, adc, sbb, and, sub, xor from a register or
 * an immediate; inc, dec, not, neg; bts, btr, btc by register or immediate), with or without
 * lock.  Anything else (SIMD stores, movs, shifts, setcc, ...) is refused and the guest gets
 * its #PF.
 *
 * Prefixes as the CPU reads them: 66 (16-bit operand), 67 (32-bit address), f0 (lock),
 * f2/f3 (rep; ignored but by stos), segment overrides (decoded; their base is not applied,
 * as in Xen's ptwr - see ptwr_insn_addr), and REX only when it is the last prefix before the
 * opcode - a legacy prefix after a REX cancels it, so `48 66 89 07` is a 2-byte store.
 * Without REX, byte registers 4-7 are ah, ch, dh, bh; with any REX they are spl, bpl, sil,
 * dil.
 */
#include "ptwr-insn.h"

#define ANY  (-1)

/* twobyte, opcode, /ext, byte operand, source, operation; sorted by (twobyte, opcode). */
static const struct ptwr_form forms[] = {
    { 0, 0x00, ANY, 1, PTWR_SRC_REG, PTWR_ADD },
    { 0, 0x01, ANY, 0, PTWR_SRC_REG, PTWR_ADD },
    { 0, 0x08, ANY, 1, PTWR_SRC_REG, PTWR_OR },
    { 0, 0x09, ANY, 0, PTWR_SRC_REG, PTWR_OR },
    { 0, 0x10, ANY, 1, PTWR_SRC_REG, PTWR_ADC },
    { 0, 0x11, ANY, 0, PTWR_SRC_REG, PTWR_ADC },
    { 0, 0x18, ANY, 1, PTWR_SRC_REG, PTWR_SBB },
    { 0, 0x19, ANY, 0, PTWR_SRC_REG, PTWR_SBB },
    { 0, 0x20, ANY, 1, PTWR_SRC_REG, PTWR_AND },
    { 0, 0x21, ANY, 0, PTWR_SRC_REG, PTWR_AND },
    { 0, 0x28, ANY, 1, PTWR_SRC_REG, PTWR_SUB },
    { 0, 0x29, ANY, 0, PTWR_SRC_REG, PTWR_SUB },
    { 0, 0x30, ANY, 1, PTWR_SRC_REG, PTWR_XOR },
    { 0, 0x31, ANY, 0, PTWR_SRC_REG, PTWR_XOR },
    { 0, 0x80, 0, 1, PTWR_SRC_IMM8, PTWR_ADD },
    { 0, 0x80, 1, 1, PTWR_SRC_IMM8, PTWR_OR },
    { 0, 0x80, 2, 1, PTWR_SRC_IMM8, PTWR_ADC },
    { 0, 0x80, 3, 1, PTWR_SRC_IMM8, PTWR_SBB },
    { 0, 0x80, 4, 1, PTWR_SRC_IMM8, PTWR_AND },
    { 0, 0x80, 5, 1, PTWR_SRC_IMM8, PTWR_SUB },
    { 0, 0x80, 6, 1, PTWR_SRC_IMM8, PTWR_XOR },
    { 0, 0x81, 0, 0, PTWR_SRC_IMMZ, PTWR_ADD },
    { 0, 0x81, 1, 0, PTWR_SRC_IMMZ, PTWR_OR },
    { 0, 0x81, 2, 0, PTWR_SRC_IMMZ, PTWR_ADC },
    { 0, 0x81, 3, 0, PTWR_SRC_IMMZ, PTWR_SBB },
    { 0, 0x81, 4, 0, PTWR_SRC_IMMZ, PTWR_AND },
    { 0, 0x81, 5, 0, PTWR_SRC_IMMZ, PTWR_SUB },
    { 0, 0x81, 6, 0, PTWR_SRC_IMMZ, PTWR_XOR },
    { 0, 0x83, 0, 0, PTWR_SRC_IMMS8, PTWR_ADD },
    { 0, 0x83, 1, 0, PTWR_SRC_IMMS8, PTWR_OR },
    { 0, 0x83, 2, 0, PTWR_SRC_IMMS8, PTWR_ADC },
    { 0, 0x83, 3, 0, PTWR_SRC_IMMS8, PTWR_SBB },
    { 0, 0x83, 4, 0, PTWR_SRC_IMMS8, PTWR_AND },
    { 0, 0x83, 5, 0, PTWR_SRC_IMMS8, PTWR_SUB },
    { 0, 0x83, 6, 0, PTWR_SRC_IMMS8, PTWR_XOR },
    { 0, 0x86, ANY, 1, PTWR_SRC_REG, PTWR_XCHG },
    { 0, 0x87, ANY, 0, PTWR_SRC_REG, PTWR_XCHG },
    { 0, 0x88, ANY, 1, PTWR_SRC_REG, PTWR_MOV },
    { 0, 0x89, ANY, 0, PTWR_SRC_REG, PTWR_MOV },
    { 0, 0xaa, ANY, 1, PTWR_SRC_ACC, PTWR_STOS },
    { 0, 0xab, ANY, 0, PTWR_SRC_ACC, PTWR_STOS },
    { 0, 0xc6, 0, 1, PTWR_SRC_IMM8, PTWR_MOV },
    { 0, 0xc7, 0, 0, PTWR_SRC_IMMZ, PTWR_MOV },
    { 0, 0xf6, 2, 1, PTWR_SRC_NONE, PTWR_NOT },
    { 0, 0xf6, 3, 1, PTWR_SRC_NONE, PTWR_NEG },
    { 0, 0xf7, 2, 0, PTWR_SRC_NONE, PTWR_NOT },
    { 0, 0xf7, 3, 0, PTWR_SRC_NONE, PTWR_NEG },
    { 0, 0xfe, 0, 1, PTWR_SRC_NONE, PTWR_INC },
    { 0, 0xfe, 1, 1, PTWR_SRC_NONE, PTWR_DEC },
    { 0, 0xff, 0, 0, PTWR_SRC_NONE, PTWR_INC },
    { 0, 0xff, 1, 0, PTWR_SRC_NONE, PTWR_DEC },
    { 1, 0xab, ANY, 0, PTWR_SRC_REG, PTWR_BTS },
    { 1, 0xb0, ANY, 1, PTWR_SRC_REG, PTWR_CMPXCHG },
    { 1, 0xb1, ANY, 0, PTWR_SRC_REG, PTWR_CMPXCHG },
    { 1, 0xb3, ANY, 0, PTWR_SRC_REG, PTWR_BTR },
    { 1, 0xba, 5, 0, PTWR_SRC_IMM8, PTWR_BTS },
    { 1, 0xba, 6, 0, PTWR_SRC_IMM8, PTWR_BTR },
    { 1, 0xba, 7, 0, PTWR_SRC_IMM8, PTWR_BTC },
    { 1, 0xbb, ANY, 0, PTWR_SRC_REG, PTWR_BTC },
    { 1, 0xc0, ANY, 1, PTWR_SRC_REG, PTWR_XADD },
    { 1, 0xc1, ANY, 0, PTWR_SRC_REG, PTWR_XADD },
    { 1, 0xc3, ANY, 0, PTWR_SRC_REG, PTWR_MOV },          /* movnti */
    { 1, 0xc7, 1, 0, PTWR_SRC_NONE, PTWR_CMPXCHG8B },     /* cmpxchg8b, cmpxchg16b */
};

#define REX_W 8
#define REX_R 4
#define REX_X 2
#define REX_B 1

#define NFORMS (sizeof(forms) / sizeof(forms[0]))

/* The first table row of (twobyte, opcode), or NFORMS if there is none. */
static unsigned int find_opcode(unsigned int twobyte, uint8_t opcode)
{
    unsigned int key = twobyte << 8 | opcode, lo = 0, hi = NFORMS;

    while (lo < hi) {                         /* the first row whose key is >= key */
        unsigned int mid = (lo + hi) / 2;

        if ((unsigned int)(forms[mid].twobyte << 8 | forms[mid].opcode) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < NFORMS && forms[lo].twobyte == twobyte && forms[lo].opcode == opcode ? lo
                                                                                     : NFORMS;
}

/* From row i on (the opcode's first), the row whose /ext matches ModRM.reg; NULL if none. */
static const struct ptwr_form *match_ext(unsigned int i, unsigned int reg)
{
    for (const struct ptwr_form *f = &forms[i];
         f < &forms[NFORMS] && f->twobyte == forms[i].twobyte && f->opcode == forms[i].opcode;
         f++)
        if (f->ext == ANY || f->ext == (int)reg)
            return f;
    return 0;
}

/* Little-endian fetch of n bytes at code[*i]; false if beyond avail. */
static bool fetch(const uint8_t *code, unsigned int avail, unsigned int *i, unsigned int n,
                  uint64_t *val)
{
    *val = 0;
    if (*i + n > avail || *i + n > PTWR_INSN_MAX)
        return false;
    for (unsigned int k = 0; k < n; k++)
        *val |= (uint64_t)code[*i + k] << (8 * k);
    *i += n;
    return true;
}

/* Sign-extend the low n bytes of v. */
static uint64_t sext(uint64_t v, unsigned int n)
{
    unsigned int shift = 64 - 8 * n;

    return n >= 8 ? v : (uint64_t)((int64_t)(v << shift) >> shift);
}

/* The addressing bytes after ModRM (SIB, displacement) into insn; false if truncated. */
static bool decode_modrm(const uint8_t *code, unsigned int avail, unsigned int *i,
                         uint8_t modrm, unsigned int rex, struct ptwr_insn *insn)
{
    unsigned int mod = modrm >> 6, rm = modrm & 7, dispn = 0;
    uint64_t sib, disp;

    insn->base = (int)(rm | ((rex & REX_B) ? 8 : 0));
    insn->index = -1;
    insn->scale = 1;
    if (rm == 4) {
        if (!fetch(code, avail, i, 1, &sib))
            return false;
        insn->scale = 1U << (sib >> 6);
        insn->index = (int)(((sib >> 3) & 7) | ((rex & REX_X) ? 8 : 0));
        if (insn->index == PTWR_RSP)
            insn->index = -1;                 /* no index */
        insn->base = (int)((sib & 7) | ((rex & REX_B) ? 8 : 0));
        if (mod == 0 && (sib & 7) == 5) {
            insn->base = -1;                  /* disp32, no base */
            dispn = 4;
        }
    } else if (mod == 0 && rm == 5) {
        insn->base = -1;
        insn->rip_rel = true;
        dispn = 4;
    }
    if (mod == 1)
        dispn = 1;
    else if (mod == 2)
        dispn = 4;
    if (!fetch(code, avail, i, dispn, &disp))
        return false;
    insn->disp = (int64_t)sext(disp, dispn ? dispn : 8);
    return true;
}

/* Operand width from the form and the prefixes. */
static unsigned int operand_bytes(const struct ptwr_form *f, unsigned int rex, bool opsize)
{
    if (f->op == PTWR_CMPXCHG8B)
        return (rex & REX_W) ? 16 : 8;
    if (f->byte_op)
        return 1;
    return (rex & REX_W) ? 8 : opsize ? 2 : 4;
}

/* The immediate of the form, extended to the operand width; false if truncated. */
static bool decode_imm(const uint8_t *code, unsigned int avail, unsigned int *i,
                       struct ptwr_insn *insn)
{
    uint64_t v = 0;

    switch (insn->form->src) {
    case PTWR_SRC_IMM8:
        return fetch(code, avail, i, 1, &insn->imm);
    case PTWR_SRC_IMMS8:
        if (!fetch(code, avail, i, 1, &v))
            return false;
        insn->imm = sext(v, 1);
        return true;
    case PTWR_SRC_IMMZ:
        if (!fetch(code, avail, i, insn->bytes == 2 ? 2 : 4, &v))
            return false;
        insn->imm = sext(v, insn->bytes == 2 ? 2 : 4);
        return true;
    default:
        return true;
    }
}

int ptwr_decode(const uint8_t *code, unsigned int avail, struct ptwr_insn *insn)
{
    unsigned int i = 0, rex = 0, twobyte = 0, row;
    bool opsize = false;
    uint64_t b, modrm = 0;
    const struct ptwr_form *f;

    *insn = (struct ptwr_insn){ .base = -1, .index = -1, .scale = 1 };
    for (;;) {
        if (!fetch(code, avail, &i, 1, &b))
            return -1;
        if ((b & 0xf0) == 0x40) {
            rex = (unsigned int)b;            /* counts only if the opcode follows */
            continue;
        }
        if (b == 0x66)
            opsize = true;
        else if (b == 0x67)
            insn->addr32 = true;
        else if (b == 0xf0)
            insn->lock = true;
        else if (b == 0xf2 || b == 0xf3)
            insn->rep = true;
        else if (b == 0x26 || b == 0x2e || b == 0x36 || b == 0x3e)
            insn->seg = PTWR_SEG_NONE;
        else if (b == 0x64)
            insn->seg = PTWR_SEG_FS;
        else if (b == 0x65)
            insn->seg = PTWR_SEG_GS;
        else
            break;
        rex = 0;                              /* a legacy prefix after REX cancels it */
    }
    if (b == 0x0f) {
        twobyte = 1;
        if (!fetch(code, avail, &i, 1, &b))
            return -1;
    }
    row = find_opcode(twobyte, (uint8_t)b);
    if (row == NFORMS)
        return -1;
    f = &forms[row];
    if (f->op != PTWR_STOS) {
        if (!fetch(code, avail, &i, 1, &modrm) || (modrm >> 6) == 3)
            return -1;                        /* a register operand cannot have faulted */
        f = match_ext(row, (unsigned int)(modrm >> 3) & 7);
        if (!f || !decode_modrm(code, avail, &i, (uint8_t)modrm, rex, insn))
            return -1;
    }
    insn->form = f;
    insn->bytes = operand_bytes(f, rex, opsize);
    insn->reg = (unsigned int)((modrm >> 3) & 7) | ((rex & REX_R) ? 8 : 0);
    if (f->src == PTWR_SRC_ACC)
        insn->reg = PTWR_RAX;
    if (insn->bytes == 1 && !rex && insn->reg >= 4 && insn->reg < 8) {
        insn->reg -= 4;                       /* ah, ch, dh, bh */
        insn->high8 = true;
    }
    if (!decode_imm(code, avail, &i, insn))
        return -1;
    insn->len = i;
    return 0;
}

uint64_t ptwr_insn_addr(const struct ptwr_insn *insn, const struct ptwr_regs *r)
{
    const struct ptwr_form *f = insn->form;
    uint64_t ea;

    if (f->op == PTWR_STOS) {
        ea = r->gpr[PTWR_RDI];
    } else {
        ea = (uint64_t)insn->disp;
        if (insn->rip_rel)
            ea += r->rip + insn->len;
        if (insn->base >= 0)
            ea += r->gpr[insn->base];
        if (insn->index >= 0)
            ea += r->gpr[insn->index] * insn->scale;
        if (f->src == PTWR_SRC_REG && (f->op == PTWR_BTS || f->op == PTWR_BTR ||
                                       f->op == PTWR_BTC)) {
            /* A register bit offset is signed and may reach beyond the operand. */
            int64_t off = (int64_t)sext(r->gpr[insn->reg], insn->bytes);

            ea += (uint64_t)((off >> (insn->bytes == 2 ? 4 : insn->bytes == 4 ? 5 : 6)) *
                             (int64_t)insn->bytes);
        }
    }
    return insn->addr32 ? (uint32_t)ea : ea;
}
