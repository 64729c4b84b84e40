/*
 * hv/ptwr-insn.h - decoding and executing the instruction behind a trapped page-table write.
 *
 * Pure logic, no hypervisor state: built into pvmm-hv (hv/ptwr-fault.c is the glue) and
 * hosted for the unit tests (tests/test-ptwr-insn.c).  One table (ptwr-insn.c) maps every
 * opcode emulated to its operand kind, width and operation.  The caller fetches the bytes,
 * decodes them (ptwr_decode), computes the address of the memory operand
 * (ptwr_insn_addr), reads its current value, and executes (ptwr_execute): that gives the new
 * value to hand to the core's ptwr path (or none, e.g. a failed cmpxchg) and the registers,
 * flags and rip as the CPU would leave them.  The caller commits the registers only once the
 * core has applied the store.
 */
#ifndef HV_PTWR_INSN_H
#define HV_PTWR_INSN_H

#include <stdbool.h>
#include <stdint.h>

#define PTWR_INSN_MAX  15   /* the architectural instruction length limit */

/* General-purpose registers in the hardware's numbering (ModRM, SIB, REX). */
enum ptwr_gpr {
    PTWR_RAX, PTWR_RCX, PTWR_RDX, PTWR_RBX, PTWR_RSP, PTWR_RBP, PTWR_RSI, PTWR_RDI,
    PTWR_R8, PTWR_R9, PTWR_R10, PTWR_R11, PTWR_R12, PTWR_R13, PTWR_R14, PTWR_R15,
};

/* What the instruction does to its memory operand. */
enum ptwr_op {
    PTWR_MOV, PTWR_STOS, PTWR_XCHG, PTWR_XADD, PTWR_CMPXCHG, PTWR_CMPXCHG8B,
    PTWR_ADD, PTWR_OR, PTWR_ADC, PTWR_SBB, PTWR_AND, PTWR_SUB, PTWR_XOR,
    PTWR_INC, PTWR_DEC, PTWR_NOT, PTWR_NEG, PTWR_BTS, PTWR_BTR, PTWR_BTC,
};

/* Where the source operand comes from. */
enum ptwr_src {
    PTWR_SRC_NONE,   /* inc, dec, not, neg, cmpxchg8b (implicit registers) */
    PTWR_SRC_REG,    /* ModRM.reg */
    PTWR_SRC_ACC,    /* rax (stos) */
    PTWR_SRC_IMM8,   /* imm8 as is (byte operations, the bit number of bt*) */
    PTWR_SRC_IMMS8,  /* imm8 sign-extended to the operand size */
    PTWR_SRC_IMMZ,   /* imm16 for a 16-bit operand, else imm32 sign-extended */
};

/* Segment overrides that matter in 64-bit mode (the others have base 0). */
enum ptwr_seg { PTWR_SEG_NONE, PTWR_SEG_FS, PTWR_SEG_GS };

/* One row of the opcode table. */
struct ptwr_form {
    uint8_t twobyte;     /* 1: 0F-prefixed opcode */
    uint8_t opcode;
    int8_t  ext;         /* required ModRM.reg (the /n of group opcodes), -1: any */
    uint8_t byte_op;     /* 1: 8-bit operand; 0: 16/32/64 by prefixes */
    uint8_t src;         /* enum ptwr_src */
    uint8_t op;          /* enum ptwr_op */
};

/* A decoded instruction. */
struct ptwr_insn {
    const struct ptwr_form *form;
    unsigned int len;       /* bytes, prefixes included */
    unsigned int bytes;     /* memory operand width: 1, 2, 4, 8, or 16 (cmpxchg16b) */
    unsigned int reg;       /* the source register (ModRM.reg with REX.R) */
    bool high8;             /* ... which is ah, ch, dh or bh (reg holds rax..rbx) */
    uint64_t imm;           /* the immediate, extended as the instruction does */
    bool lock, rep, addr32;
    enum ptwr_seg seg;      /* decoded, but its base is not applied (ptwr_insn_addr) */
    /* The memory operand: seg:[base + index * scale + disp], or rip-relative. */
    int base, index;        /* -1: none */
    unsigned int scale;
    int64_t disp;
    bool rip_rel;
};

/* The register state an instruction reads and writes. */
struct ptwr_regs {
    uint64_t gpr[16];       /* enum ptwr_gpr order */
    uint64_t rip, rflags;
};

/* What ptwr_execute wants written to memory. */
struct ptwr_store {
    bool write;             /* false: nothing to write (failed compare, value unchanged) */
    bool locked;            /* apply only if memory still holds `old` (cmpxchg semantics) */
    unsigned int bytes;     /* 1, 2, 4 or 8 */
    uint64_t val, old;      /* the new value and the value it replaces (low `bytes` bytes) */
};

/* Decode code[0..avail): 0, or -1 if it is not a memory write this decoder emulates. */
int ptwr_decode(const uint8_t *code, unsigned int avail, struct ptwr_insn *insn);

/*
 * The address of the memory operand: its offset in the segment.  As Xen's ptwr, which hands
 * its hooks that offset and checks it against CR2's page: an FS or GS override with a
 * non-zero base therefore misses CR2's page and the guest gets its #PF.
 */
uint64_t ptwr_insn_addr(const struct ptwr_insn *insn, const struct ptwr_regs *r);

/*
 * Execute insn against the memory operand's current value (cur[0], and cur[1] for 16
 * bytes): fills *st and updates *r (registers, arithmetic flags, rip).  Returns 0, or -1 if
 * the instruction must not be emulated (cmpxchg16b whose comparison succeeds: a 16-byte
 * page-table write, which Xen refuses too); *r is then unchanged.
 */
int ptwr_execute(const struct ptwr_insn *insn, struct ptwr_regs *r, const uint64_t cur[2],
                 struct ptwr_store *st);

#endif /* HV_PTWR_INSN_H */
