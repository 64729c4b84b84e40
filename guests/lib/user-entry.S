/*
 * user-entry.S: entering guest user mode and coming back.
 *
 * user_enter(rip, rsp, arg, rflags) saves the kernel's callee-saved registers and stack pointer, then
 * builds the guest half of an iret hypercall frame (flags, rip, cs, rflags, rsp, ss) with the
 * user CS (RPL 3) and jumps to hypercall stub 23. Xen switches to the user L4 and resumes at
 * rip with rdi = arg (registers other than rax, rcx, r11 are left as they are).
 *
 * The way back is user_syscall_entry (the syscall callback) or user_abort (from the exception
 * handler): both reload the saved kernel stack pointer and return from user_enter, with rax =
 * the user's rax or the abort value. The bounce frame Xen wrote on the stack_switch stack is
 * simply abandoned.
 */
#include "asm-defs.h"

    .code64
    .text

    .globl user_enter
user_enter:
    push    %rbx
    push    %rbp
    push    %r12
    push    %r13
    push    %r14
    push    %r15
    mov     %rsp, user_saved_rsp(%rip)

    push    $ASM_FLAT_USER_SS       /* ss */
    push    %rsi                    /* rsp */
    push    %rcx                    /* rflags (user_run: 0x2, IF clear: events masked) */
    push    $ASM_FLAT_USER_CS       /* cs: RPL 3 means "to guest user mode" */
    push    %rdi                    /* rip */
    push    $0                      /* flags: a plain iret, not VGCF_in_syscall */
    mov     %rdx, %rdi
    jmp     hypercall_page + ASM_HYPERVISOR_iret * 32

/* The syscall callback. rax still holds the user's value. */
    .globl user_syscall_entry
user_syscall_entry:
    mov     user_saved_rsp(%rip), %rsp
    jmp     1f

/* user_abort(value): abandon the user code, return value from user_enter. */
    .globl user_abort
user_abort:
    mov     %rdi, %rax
    mov     user_saved_rsp(%rip), %rsp
1:  pop     %r15
    pop     %r14
    pop     %r13
    pop     %r12
    pop     %rbp
    pop     %rbx
    ret

    .bss
    .balign 8
user_saved_rsp:
    .quad   0

/* Code that runs in guest user mode. */
    .section .user.text, "ax", @progbits

    .globl user_syscall_arg
user_syscall_arg:
    mov     %rdi, %rax
    syscall
    ud2

    .globl user_read64
user_read64:
    mov     (%rdi), %rax
    syscall
    ud2

    .globl user_write64
user_write64:
    mov     %rdi, (%rdi)
    xor     %eax, %eax
    syscall
    ud2

    .section .note.GNU-stack, "", @progbits
