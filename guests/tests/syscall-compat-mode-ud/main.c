/*
 * syscall-compat-mode-ud: SYSCALL from 32-bit code in guest kernel mode is not a hypercall.
 *
 * The story. A 64-bit PV kernel makes hypercalls with SYSCALL from its 64-bit code. The CPU
 * enters the hypervisor through a different MSR (CSTAR instead of LSTAR) when SYSCALL runs in
 * 32-bit compatibility mode, and Xen's CSTAR path for a 64-bit PV domain never dispatches a
 * hypercall: it delivers the guest's syscall32 callback (kernel mode or not - the frame goes on
 * the current stack in kernel mode), or #UD at the SYSCALL when none is registered, with every
 * register unchanged. A hypervisor that treated it as a hypercall would run whatever eax
 * happens to hold on behalf of 32-bit code the kernel may not even trust.
 *
 * The guest far-returns to FLAT_KERNEL_CS32 (0xe023, Xen's flat ring-3 32-bit code segment),
 * runs SYSCALL there with eax = __HYPERVISOR_xen_version and edi = XENVER_version (harmless
 * if it were dispatched), and comes back to 64-bit code with a far jump. We check:
 *   - without a syscall32 callback: #UD with rip at the SYSCALL and the 32-bit code selector
 *     (RPL cleared, kernel mode) in the frame, and rax still the value it held;
 *   - with a syscall32 callback registered: the callback runs, in kernel mode, with rax
 *     unchanged and a frame holding the rip after the SYSCALL and the 32-bit selector.
 */
#include "guest.h"
#include <xen/callback.h>

const char test_title[] = "SYSCALL from 32-bit code in kernel mode: #UD or syscall32, no hypercall";

#define RAX_IN  17UL   /* __HYPERVISOR_xen_version: what a wrong dispatch would run */

/*
 * compat_syscall(): eax = RAX_IN, edi = 0; far return to 0xe023, SYSCALL there, then a far
 * jump back to 64-bit code. Returns rax as it was after the SYSCALL (or its #UD). The
 * syscall32 callback (compat_cb) copies its frame to cb_frame and resumes at the same exit.
 */
uint64_t compat_syscall(void);
extern char compat_syscall_insn[], compat_syscall_after[], compat_cb[];
uint64_t compat_saved_rsp, cb_frame[7], cb_rax;
volatile unsigned long cb_count;

asm (".pushsection .text, \"ax\", @progbits\n"
     ".code64\n"
     ".globl compat_syscall, compat_syscall_insn, compat_syscall_after, compat_cb\n"
     "compat_syscall:\n"
     "    push %rbx\n"
     "    push %rbp\n"
     "    mov %rsp, compat_saved_rsp(%rip)\n"
     "    mov $" "17" ", %eax\n"
     "    xor %edi, %edi\n"
     "    lea 1f(%rip), %rbx\n"
     "    pushq $0xe023\n"
     "    push %rbx\n"
     "    lretq\n"
     ".code32\n"
     "1:\n"
     "compat_syscall_insn:\n"
     "    syscall\n"
     "compat_syscall_after:\n"
     "    ljmp $0xe033, $2f\n"
     ".code64\n"
     "2:  mov compat_saved_rsp(%rip), %rsp\n"
     "    pop %rbp\n"
     "    pop %rbx\n"
     "    ret\n"
     "compat_cb:\n"                       /* the frame: rcx r11 rip cs rflags rsp ss */
     "    mov %rax, cb_rax(%rip)\n"
     "    lea cb_frame(%rip), %rbx\n"
     "    mov $0, %ecx\n"
     "3:  mov (%rsp,%rcx,8), %rdx\n"
     "    mov %rdx, (%rbx,%rcx,8)\n"
     "    inc %ecx\n"
     "    cmp $7, %ecx\n"
     "    jne 3b\n"
     "    lock incq cb_count(%rip)\n"
     "    mov cb_rax(%rip), %rax\n"
     "    jmp 2b\n"
     ASM_EXTABLE(compat_syscall_insn, compat_syscall_after)
     ".popsection\n");

int test_main(void)
{
    struct callback_register cb = {
        .type = CALLBACKTYPE_syscall32,
        .flags = 0,
        .address = (uint64_t)(uintptr_t)compat_cb,
    };
    unsigned long faults = fault_count;
    uint64_t rax;
    long rc;

    /* 1. No syscall32 callback: #UD at the SYSCALL, rax unchanged. */
    rax = compat_syscall();
    if (fault_count == faults)
        return xtf_failure("SYSCALL from 32-bit kernel code returned rax %#lx: no #UD",
                           (unsigned long)rax);
    print_fault("without a syscall32 callback: ", &last_fault);
    if (last_fault.vector != X86_EXC_UD)
        return xtf_failure("got %s, expected #UD", exception_name(last_fault.vector));
    if (last_fault.rip != (uintptr_t)compat_syscall_insn)
        return xtf_failure("#UD at %p, expected the SYSCALL at %p", (void *)last_fault.rip,
                           (void *)compat_syscall_insn);
    if (last_fault.cs != (FLAT_KERNEL_CS32 & ~3U))
        return xtf_failure("#UD frame cs %#lx, expected %#x", (unsigned long)last_fault.cs,
                           FLAT_KERNEL_CS32 & ~3U);
    if (rax != RAX_IN)
        return xtf_failure("rax changed to %#lx across the #UD", (unsigned long)rax);
    printk("  rax unchanged (%lu)\n", (unsigned long)rax);

    /* 2. With a syscall32 callback: it runs, in kernel mode, rax unchanged. */
    rc = hypercall_callback_op(CALLBACKOP_register, &cb);
    if (rc)
        return xtf_error("callback_op(register, syscall32) gave %ld", rc);
    faults = fault_count;
    rax = compat_syscall();
    if (fault_count != faults) {
        print_fault("", &last_fault);
        return xtf_failure("SYSCALL with a syscall32 callback faulted");
    }
    if (cb_count != 1)
        return xtf_failure("the syscall32 callback did not run (rax %#lx)", (unsigned long)rax);
    printk("with a syscall32 callback: frame rip %p cs %#lx rflags %#lx rsp %p ss %#lx\n",
           (void *)cb_frame[2], (unsigned long)cb_frame[3], (unsigned long)cb_frame[4],
           (void *)cb_frame[5], (unsigned long)cb_frame[6]);
    if (cb_rax != RAX_IN)
        return xtf_failure("rax was %#lx in the callback", (unsigned long)cb_rax);
    if (cb_frame[2] != (uintptr_t)compat_syscall_after)
        return xtf_failure("frame rip %p, expected %p", (void *)cb_frame[2],
                           (void *)compat_syscall_after);
    if ((cb_frame[3] & 0xffff) != (FLAT_KERNEL_CS32 & ~3U))
        return xtf_failure("frame cs %#lx, expected %#x", (unsigned long)cb_frame[3],
                           FLAT_KERNEL_CS32 & ~3U);
    return xtf_success();
}
