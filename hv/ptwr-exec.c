/*
 * hv/ptwr-exec.c - executing a decoded page-table write (ptwr-decode.c) against the current
 * value of its memory operand, as the CPU would.
 *
 * The result is the value to store (handed to the core, which merges a narrow store into the
 * full entry and validates it) and the register state after the instruction: destination
 * registers (xchg, xadd, a failed cmpxchg), the arithmetic flags, rdi/rcx for stos, and rip
 * (left on a rep stos that has iterations to go, so that the rest runs natively).  Register
 * writes follow the CPU: 8 and 16-bit writes merge, 32-bit writes zero-extend.  Flags:
 * add/adc/sub/sbb/cmp/neg/inc/dec/xadd set CF, PF, AF, ZF, SF, OF (inc and dec keep CF);
 * and/or/xor clear CF, OF and AF; bt* set CF only; cmpxchg8b/16b set ZF only; mov, xchg,
 * stos and not none.
 *
 * As Xen's emulator: an instruction that reads and rewrites its operand (everything but mov,
 * stos and the cmpxchg family) writes nothing when the value is unchanged; xchg, cmpxchg and
 * a lock-prefixed instruction are applied only if memory still holds the value read.
 */
#include "ptwr-insn.h"

#define FL_CF  0x001UL
#define FL_PF  0x004UL
#define FL_AF  0x010UL
#define FL_ZF  0x040UL
#define FL_SF  0x080UL
#define FL_OF  0x800UL
#define FL_DF  0x400UL
#define FL_ARITH (FL_CF | FL_PF | FL_AF | FL_ZF | FL_SF | FL_OF)

static uint64_t width_mask(unsigned int bytes)
{
    return bytes >= 8 ? ~0UL : (1UL << (8 * bytes)) - 1;
}

static uint64_t sign_bit(uint64_t v, unsigned int bytes)
{
    return (v >> (8 * bytes - 1)) & 1;
}

/* ZF, SF and PF of a result. */
static uint64_t flags_szp(uint64_t res, unsigned int bytes)
{
    uint64_t f = 0;
    uint8_t low = (uint8_t)res;

    if (!(res & width_mask(bytes)))
        f |= FL_ZF;
    if (sign_bit(res, bytes))
        f |= FL_SF;
    low ^= low >> 4;
    low ^= low >> 2;
    low ^= low >> 1;
    if (!(low & 1))
        f |= FL_PF;
    return f;
}

/* Flags of a + b + c (sub: a - b - c) = res; operands and result masked to the width. */
static uint64_t flags_arith(uint64_t a, uint64_t b, uint64_t c, uint64_t res, unsigned int bytes,
                           bool sub)
{
    uint64_t f = flags_szp(res, bytes);
    bool carry = sub ? (c ? a <= b : a < b) : (c ? res <= a : res < a);
    uint64_t overflow = sub ? (a ^ b) & (a ^ res) : (a ^ res) & (b ^ res);

    if (carry)
        f |= FL_CF;
    if (sign_bit(overflow, bytes))
        f |= FL_OF;
    if ((a ^ b ^ res) & 0x10)
        f |= FL_AF;
    return f;
}

/* Write v to register n at the given width (high8: bits 8-15), as the CPU does. */
static void set_reg(struct ptwr_regs *r, unsigned int n, bool high8, unsigned int bytes,
                    uint64_t v)
{
    uint64_t *g = &r->gpr[n & 15];

    if (high8)
        *g = (*g & ~0xff00UL) | ((v & 0xff) << 8);
    else if (bytes == 4)
        *g = (uint32_t)v;
    else
        *g = (*g & ~width_mask(bytes)) | (v & width_mask(bytes));
}

static uint64_t get_reg(const struct ptwr_regs *r, unsigned int n, bool high8)
{
    return high8 ? (r->gpr[n & 15] >> 8) & 0xff : r->gpr[n & 15];
}

/* Replace the arithmetic flags selected by mask with f. */
static void set_flags(struct ptwr_regs *r, uint64_t mask, uint64_t f)
{
    r->rflags = (r->rflags & ~mask) | (f & mask);
}

/* add .. xor, inc, dec, not, neg, bts, btr, btc: the new value, and the flags. */
static uint64_t alu(enum ptwr_op op, unsigned int w, struct ptwr_regs *r, uint64_t a,
                    uint64_t s)
{
    uint64_t m = width_mask(w), cf = r->rflags & FL_CF, res, bit;

    switch (op) {
    case PTWR_ADD: case PTWR_ADC:
        cf = op == PTWR_ADC ? cf : 0;
        res = (a + s + cf) & m;
        set_flags(r, FL_ARITH, flags_arith(a, s, cf, res, w, false));
        return res;
    case PTWR_SUB: case PTWR_SBB:
        cf = op == PTWR_SBB ? cf : 0;
        res = (a - s - cf) & m;
        set_flags(r, FL_ARITH, flags_arith(a, s, cf, res, w, true));
        return res;
    case PTWR_INC:
        res = (a + 1) & m;
        set_flags(r, FL_ARITH & ~FL_CF, flags_arith(a, 1, 0, res, w, false));
        return res;
    case PTWR_DEC:
        res = (a - 1) & m;
        set_flags(r, FL_ARITH & ~FL_CF, flags_arith(a, 1, 0, res, w, true));
        return res;
    case PTWR_NEG:
        res = (0 - a) & m;
        set_flags(r, FL_ARITH, flags_arith(0, a, 0, res, w, true));
        return res;
    case PTWR_NOT:
        return ~a & m;
    case PTWR_AND: case PTWR_OR: case PTWR_XOR:
        res = op == PTWR_AND ? a & s : op == PTWR_OR ? a | s : a ^ s;
        set_flags(r, FL_ARITH, flags_szp(res, w));
        return res;
    default:                                  /* bts, btr, btc */
        bit = 1UL << (s & (8 * w - 1));
        set_flags(r, FL_CF, (a & bit) ? FL_CF : 0);
        return op == PTWR_BTS ? a | bit : op == PTWR_BTR ? a & ~bit : a ^ bit;
    }
}

/* cmpxchg8b / cmpxchg16b: -1 for a 16-byte store (not a page-table write Xen emulates). */
static int cmpxchg_wide(const struct ptwr_insn *in, struct ptwr_regs *r, const uint64_t cur[2],
                        struct ptwr_store *st)
{
    uint64_t *rax = &r->gpr[PTWR_RAX], *rdx = &r->gpr[PTWR_RDX];

    if (in->bytes == 16) {
        if (cur[0] == *rax && cur[1] == *rdx)
            return -1;
        *rax = cur[0];
        *rdx = cur[1];
        set_flags(r, FL_ZF, 0);
        return 0;
    }
    if (cur[0] == (((*rdx & 0xffffffffUL) << 32) | (uint32_t)*rax)) {
        st->write = true;
        st->val = (r->gpr[PTWR_RCX] << 32) | (uint32_t)r->gpr[PTWR_RBX];
        set_flags(r, FL_ZF, FL_ZF);
    } else {
        *rax = (uint32_t)cur[0];
        *rdx = cur[0] >> 32;
        set_flags(r, FL_ZF, 0);
    }
    return 0;
}

/* stos: advance rdi (and count down rcx under rep); false while iterations remain. */
static bool stos_step(const struct ptwr_insn *in, struct ptwr_regs *r)
{
    uint64_t step = (r->rflags & FL_DF) ? (uint64_t)0 - in->bytes : in->bytes;
    uint64_t *rdi = &r->gpr[PTWR_RDI], *rcx = &r->gpr[PTWR_RCX];

    *rdi = in->addr32 ? (uint32_t)(*rdi + step) : *rdi + step;
    if (!in->rep)
        return true;
    *rcx = in->addr32 ? (uint32_t)(*rcx - 1) : *rcx - 1;
    return *rcx == 0;
}

int ptwr_execute(const struct ptwr_insn *in, struct ptwr_regs *r, const uint64_t cur[2],
                 struct ptwr_store *st)
{
    unsigned int w = in->bytes;
    uint64_t m = width_mask(w), a = cur[0] & m, s = 0, acc;
    enum ptwr_op op = in->form->op;
    bool done = true;

    *st = (struct ptwr_store){ .bytes = w > 8 ? 8 : w, .old = a,
                               .locked = in->lock || op == PTWR_XCHG || op == PTWR_CMPXCHG ||
                                         op == PTWR_CMPXCHG8B };
    if (in->form->src == PTWR_SRC_REG || in->form->src == PTWR_SRC_ACC)
        s = get_reg(r, in->reg, in->high8) & m;
    else
        s = in->imm & m;

    switch (op) {
    case PTWR_STOS:
        if (in->rep && !(in->addr32 ? (uint32_t)r->gpr[PTWR_RCX] : r->gpr[PTWR_RCX]))
            break;                            /* nothing to store (cannot have faulted) */
        done = stos_step(in, r);              /* the rest runs natively */
        /* fall through */
    case PTWR_MOV:
        st->write = true;
        st->val = s;
        break;
    case PTWR_XCHG:
        st->write = s != a;
        st->val = s;
        set_reg(r, in->reg, in->high8, w, a);
        break;
    case PTWR_XADD:
        st->val = alu(PTWR_ADD, w, r, a, s);
        st->write = st->val != a;
        set_reg(r, in->reg, in->high8, w, a);
        break;
    case PTWR_CMPXCHG:
        acc = r->gpr[PTWR_RAX] & m;
        set_flags(r, FL_ARITH, flags_arith(acc, a, 0, (acc - a) & m, w, true));
        if (acc == a) {
            st->write = true;
            st->val = s;
        } else {
            set_reg(r, PTWR_RAX, false, w, a);
        }
        break;
    case PTWR_CMPXCHG8B:
        if (cmpxchg_wide(in, r, cur, st))
            return -1;
        break;
    default:
        st->val = alu(op, w, r, a, s);
        st->write = st->val != a;
        break;
    }
    if (done)
        r->rip += in->len;
    return 0;
}
