/*
 * registers-survive-interrupts: a guest kernel busy in a long loop gets every register back
 * intact, however often the hypervisor takes the CPU away from it.
 *
 * The story. While a PV guest computes, the hypervisor's own interrupts (its timer, on
 * Xen and on pvmm-hv alike) and any NMI arrive in guest context: the hypervisor saves the
 * guest's registers, does its work and returns. A register it forgets to restore is a
 * silent corruption of whatever the guest was computing. The guest runs a loop of 2^25
 * iterations that keeps twelve general-purpose registers live, each adding its own odd
 * constant, and checks every sum at the end (about 0.3 s under TCG, many timer ticks).
 *
 * pvmm-hv's NMI self-test boots this guest with the hypervisor option nmi-test=guest: an
 * NMI then arrives while the loop runs, and the domain must be crashed (verdict CRASH) while
 * the hypervisor powers off in order (tests/hv/test-nmi.sh). Booted normally, it gives
 * SUCCESS on Xen 4.17 and on pvmm-hv.
 */
#include "guest.h"

const char test_title[] = "general-purpose registers survive interrupts in a busy loop";

#define ITERATIONS (1UL << 25)

/* The constant each register adds per iteration. */
static const uint64_t step[12] = { 0x11111111, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 0x01234567 };

int test_main(void)
{
    register uint64_t r8 asm ("r8") = 0, r9 asm ("r9") = 0, r10 asm ("r10") = 0;
    register uint64_t r11 asm ("r11") = 0, r12 asm ("r12") = 0, r13 asm ("r13") = 0;
    register uint64_t r14 asm ("r14") = ITERATIONS;
    uint64_t a = 0, b = 0, c = 0, d = 0, si = 0, di = 0, r[12];
    unsigned int i;

    asm volatile ("1:\n\t"
                  "add $0x11111111, %%rax\n\t" "add $3, %%rbx\n\t"  "add $5, %%rcx\n\t"
                  "add $7, %%rdx\n\t"   "add $9, %%rsi\n\t"   "add $11, %%rdi\n\t"
                  "add $13, %%r8\n\t"   "add $15, %%r9\n\t"   "add $17, %%r10\n\t"
                  "add $19, %%r11\n\t"  "add $21, %%r12\n\t"  "add $0x01234567, %%r13\n\t"
                  "dec %%r14\n\t"
                  "jnz 1b"
                  : "+a" (a), "+b" (b), "+c" (c), "+d" (d), "+S" (si), "+D" (di),
                    "+r" (r8), "+r" (r9), "+r" (r10), "+r" (r11), "+r" (r12), "+r" (r13),
                    "+r" (r14)
                  : : "cc");
    r[0] = a; r[1] = b; r[2] = c; r[3] = d; r[4] = si; r[5] = di;
    r[6] = r8; r[7] = r9; r[8] = r10; r[9] = r11; r[10] = r12; r[11] = r13;
    for (i = 0; i < 12; i++)
        if (r[i] != step[i] * ITERATIONS)
            return xtf_failure("register %u: %#lx after the loop, expected %#lx", i,
                               (unsigned long)r[i], (unsigned long)(step[i] * ITERATIONS));
    if (r14 != 0)
        return xtf_failure("the loop counter ended at %lu", (unsigned long)r14);
    printk("%lu iterations, 12 registers intact\n", ITERATIONS);
    return xtf_success();
}
