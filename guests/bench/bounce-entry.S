/*
 * bounce-entry.S: the two ends of the syscall-bounce benchmark.
 *
 * bench_syscall_cb is the kernel's syscall callback during the benchmark. The hypervisor
 * enters it on the kernel stack with {rcx, r11, rip, cs, rflags, rsp, ss} (the user's
 * return state); it takes rcx and r11 off, pushes the iret flags word VGCF_in_syscall and
 * enters the iret hypercall stub, which pushes rcx, r11 and rax and returns to user mode.
 *
 * bench_user_loop (user mode) makes rdi syscalls and then executes ud2.
 */
#include "asm-defs.h"

#define VGCF_IN_SYSCALL 0x100

    .code64
    .text
    .globl bench_syscall_cb
bench_syscall_cb:
    pop     %rcx
    pop     %r11
    push    $VGCF_IN_SYSCALL
    jmp     hypercall_page + ASM_HYPERVISOR_iret * 32

    .section .user.text, "ax", @progbits
    .globl bench_user_loop
bench_user_loop:
1:  syscall
    dec     %rdi
    jnz     1b
    ud2

    .section .note.GNU-stack, "", @progbits
