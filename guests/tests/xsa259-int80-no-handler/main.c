/*
 * xsa259-int80-no-handler: `int $0x80` when the guest registered no handler for it.
 *
 * The story. Vector 0x80 is the one software interrupt a 64-bit PV guest may raise straight
 * through the hypervisor's IDT: its gate has DPL 3, and Xen delivers it to the guest's
 * trap-table entry 0x80 directly (rip after the instruction, no DPL check), which is how
 * 32-bit Linux system calls stay fast. When the entry is empty there is nothing to deliver,
 * and the guest must instead see what a native kernel would: #GP with the error code of an IDT
 * vector, (0x80 << 3) | 2 = 0x402, rip at the `int`. XSA-259 (2018) was a crash in exactly
 * that slow path: the XPTI rework of Xen's entry code left the "no handler registered" branch
 * running on the wrong stack, so any guest could bring the host down with one instruction.
 * The invariant: every way an exception or interrupt can arrive from a guest is handled, and
 * an empty trap-table entry gives the guest a fault, never the hypervisor one.
 *
 * The guest registers a trap table without vector 0x80 (the runtime's covers 0-21) and
 *   1. runs `int $0x80` in guest kernel mode: it must be bounced as #GP(0x402) with rip at
 *      the instruction and the kernel CS (RPL 0 in a kernel-mode bounce frame);
 *   2. builds a user address space (the construction recipe), runs `int $0x80` in guest user
 *      mode: again #GP(0x402), rip at the instruction, CS FLAT_USER_CS, delivered to the
 *      kernel on its stack_switch stack;
 *   3. checks it is still alive in kernel mode afterwards (a hypercall works).
 */
#include <xen/version.h>

#include "guest.h"

const char test_title[] = "XSA-259: int $0x80 with no handler gives #GP(0x402)";

#define INT80_EC ((0x80u << 3) | 2)

/* The user snippet: `int $0x80`, then come back through syscall if it did not fault. */
asm (".pushsection .user.text, \"ax\", @progbits\n"
     ".globl user_int80\n"
     "user_int80:\n"
     "    int $0x80\n"
     "    mov $0x80, %eax\n"
     "    syscall\n"
     "    ud2\n"
     ".popsection\n");
extern char user_int80[];

static int check_gp(const struct fault *f, uint64_t rip, uint64_t cs, const char *where)
{
    print_fault("  ", f);
    if (f->vector != X86_EXC_GP || f->error_code != INT80_EC)
        return xtf_failure("%s: got %s ec %#x, expected #GP ec %#x", where,
                           exception_name(f->vector), f->error_code, INT80_EC);
    if (f->rip != rip)
        return xtf_failure("%s: #GP at rip %p, expected the int at %p", where, (void *)f->rip,
                           (void *)rip);
    if ((f->cs | 3) != cs)     /* kernel-mode frames carry RPL 0 */
        return xtf_failure("%s: bounce frame CS %#lx, expected %#lx", where,
                           (unsigned long)f->cs, (unsigned long)cs);
    return 0;
}

/* int $0x80 in guest kernel mode, under an exception-table entry. */
static int kernel_int80(void)
{
    unsigned long before = fault_count;
    uint64_t at;

    asm volatile ("lea 1f(%%rip), %0\n"
                  "1: int $0x80\n"
                  "2:\n"
                  ASM_EXTABLE(1b, 2b)
                  : "=&r" (at) : : "memory", "rax", "rcx", "r11");
    if (fault_count == before)
        return xtf_failure("kernel int $0x80 with no handler did not fault");
    return check_gp(&last_fault, at, FLAT_KERNEL_CS, "kernel int $0x80");
}

int test_main(void)
{
    struct user_result r;
    unsigned long stack_top;
    long rc;

    /* 1. Guest kernel mode. */
    if (kernel_int80())
        return XTF_FAILURE;
    printk("kernel int $0x80: #GP(%#x) at the instruction\n", INT80_EC);

    /* 2. Guest user mode. */
    rc = user_init();
    if (rc)
        return xtf_error("user_init (stack_switch, syscall callback) gave %ld", rc);
    stack_top = user_space_minimal();
    if (!stack_top)
        return XTF_ERROR;
    user_run((unsigned long)user_int80, stack_top, 0, &r);
    if (!r.faulted)
        return xtf_failure("user int $0x80 with no handler did not fault (rax %#lx)",
                           (unsigned long)r.rax);
    if (check_gp(&r.fault, (unsigned long)user_int80, FLAT_USER_CS, "user int $0x80"))
        return XTF_FAILURE;
    printk("user int $0x80: #GP(%#x) at the instruction, bounced to the kernel\n", INT80_EC);

    /* 3. Still alive, in kernel mode. */
    rc = hypercall_xen_version(XENVER_version, NULL);
    if (rc <= 0)
        return xtf_failure("xen_version after the probes gave %ld", rc);
    printk("kernel mode again: xen_version %ld.%ld\n", rc >> 16, rc & 0xffff);
    return xtf_success();
}
