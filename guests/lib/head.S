/*
 * head.S: the guest's first instructions, its stacks and the hypercall page.
 *
 * Contract with the domain builder (Xen's PV64 boot ABI): we start in guest kernel
 * mode at _start with rsi = VA of start_info and rsp = the end of the builder's one-page boot
 * stack, every other general-purpose register zero, on the bootstrap L4 (pinned, in CR3).
 *
 * _start records rsi and the builder's rsp, zeroes .bss, switches to the runtime's own
 * larger stack in .bss and calls runtime_main(), which never returns.
 */

    .section .text.head, "ax", @progbits
    .code64
    .globl _start
_start:
    cld
    /* Keep the builder's values in callee-saved registers while .bss is cleared. */
    mov     %rsi, %r12
    mov     %rsp, %r13

    lea     __bss_start(%rip), %rdi
    lea     __bss_end(%rip), %rcx
    sub     %rdi, %rcx
    xor     %eax, %eax
    rep stosb

    mov     %r12, start_info(%rip)
    mov     %r13, boot_rsp(%rip)

    lea     kernel_stack_top(%rip), %rsp
    xor     %ebp, %ebp
    call    runtime_main
1:  ud2                         /* runtime_main() does not return. */
    jmp     1b

/*
 * The hypercall page: 128 stubs of 32 bytes, written by the builder after the image is
 * loaded (boot-ABI §1.6). We fill it with `ret` so that an unwritten page is harmless to
 * call; runtime_main() checks the stub bytes before the first hypercall.
 */
    .section .text.hypercall_page, "ax", @progbits
    .balign 4096
    .globl hypercall_page
hypercall_page:
    .fill 4096, 1, 0xc3
    .size hypercall_page, 4096

/* The runtime's stacks. Both are 16-byte aligned at the top, as the ABI wants. */
    .section .bss.stacks, "aw", @nobits
    .balign 4096
    .globl kernel_stack, kernel_stack_top
kernel_stack:
    .skip 4 * 4096
kernel_stack_top:

    .section .note.GNU-stack, "", @progbits
