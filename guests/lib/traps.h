/*
 * traps.h: exception handling for the test guests.
 *
 * traps_init() installs a trap table covering vectors 0-21. An exception is handled in one of
 * three ways, in this order:
 *   1. it came from guest user mode (frame CS has RPL 3): the user-mode runner gets it and
 *      abandons the user code (see user.h);
 *   2. its rip is listed in the exception table: the fault is recorded in `last_fault`,
 *      `fault_count` is incremented and execution resumes at the fixup address;
 *   3. otherwise it is unexpected: the registers are printed and the test ends with FAILURE.
 *
 * The probe_* helpers wrap one instruction each with an exception-table entry, so a test can
 * assert "this access must fault" (and with which vector, error code and CR2).
 */
#ifndef GUEST_TRAPS_H
#define GUEST_TRAPS_H

#include <stdbool.h>
#include <stdint.h>

/* Register state saved by handle_exception (traps-entry.S); the order matches the pushes. */
struct cpu_regs {
    uint64_t r15, r14, r13, r12, r11, r10, r9, r8;
    uint64_t rbp, rdi, rsi, rdx, rcx, rbx, rax;
    uint64_t vector;
    uint64_t error_code;        /* 0 for vectors without one */
    uint64_t rip, cs, rflags, rsp, ss;
};

/* What a caught exception looked like. */
struct fault {
    unsigned int vector;
    uint32_t error_code;
    uint64_t cr2;               /* only meaningful for #PF */
    uint64_t rip;
    uint64_t cs;                /* low 16 bits of the frame's cs */
};

#define X86_EXC_DE   0
#define X86_EXC_DB   1
#define X86_EXC_BP   3
#define X86_EXC_UD   6
#define X86_EXC_GP  13
#define X86_EXC_PF  14

/* #PF error-code bits. */
#define PFEC_PRESENT   (1U << 0)
#define PFEC_WRITE     (1U << 1)
#define PFEC_USER      (1U << 2)
#define PFEC_RSVD      (1U << 3)
#define PFEC_INSN      (1U << 4)

/* An exception-table entry: a fault at `fault` resumes at `fixup`. */
#define ASM_EXTABLE(fault, fixup)                                           \
    ".pushsection __extable, \"a\"\n"                                       \
    ".balign 8\n"                                                           \
    ".quad " #fault ", " #fixup "\n"                                        \
    ".popsection\n"

extern volatile unsigned long fault_count;
extern struct fault last_fault;

/*
 * PROBE(insn, outputs : inputs): run one instruction (asm text insn, with the operands
 * after it) under an exception-table entry; true if it faulted, with the fault copied to
 * *f (a struct fault * named f must be in scope).
 */
#define PROBE(insn, ...)                                                    \
    ({                                                                      \
        unsigned long before_ = fault_count;                                \
        asm volatile ("1: " insn "\n2:\n" ASM_EXTABLE(1b, 2b)               \
                      __VA_ARGS__ : "memory");                              \
        fault_count != before_ ? (*f = last_fault, true) : false;           \
    })

/* Install the trap table and the failsafe callback. Returns 0 or a negated XEN_E*. */
int traps_init(void);

/* Read the virtual CR2 (an emulated privileged instruction in a PV guest). */
uint64_t read_cr2(void);

/* Name of an exception vector ("#PF"), for messages. */
const char *exception_name(unsigned int vector);

/* Each probe performs one access and returns true if it faulted, filling *f if f != NULL. */
bool probe_read8(const volatile void *p, uint8_t *val, struct fault *f);
bool probe_read64(const volatile void *p, uint64_t *val, struct fault *f);
bool probe_write32(volatile void *p, uint32_t val, struct fault *f);
bool probe_write64(volatile void *p, uint64_t val, struct fault *f);
/* rdmsr (*val is 0 after a fault) and wrmsr. */
bool probe_rdmsr(uint32_t msr, uint64_t *val, struct fault *f);
bool probe_wrmsr(uint32_t msr, uint64_t val, struct fault *f);
/* Load `sel` into %fs (a descriptor-table access). %fs is reset to the null selector after. */
bool probe_load_fs(uint16_t sel, struct fault *f);

/* Print a one-line description of a fault ("#PF ec=0x3 cr2=... rip=..."). */
void print_fault(const char *prefix, const struct fault *f);

/* Hooks used by the user-mode runner (user.c). */
bool user_mode_exception(struct cpu_regs *regs, const struct fault *f);

const struct trap_info *runtime_trap_table(void);

#endif /* GUEST_TRAPS_H */
